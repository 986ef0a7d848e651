"""Management commands create_organization and create_api_key."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from dunning.models import Workflow, WorkflowStep
from payt.models import ApiKey, AuditEntry, Organization
from payt.tenancy import tenant_context


def run(*args) -> str:
    output = StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def test_create_organization(db):
    output = run("create_organization", "--slug", "acme", "--name", "Acme BV", "--country", "NL")

    organization = Organization.objects.get(slug="acme")
    assert "acme" in output
    assert organization.name == "Acme BV"
    assert organization.country == "NL"
    assert organization.time_zone == "Europe/Amsterdam"
    with tenant_context(organization):
        workflow = Workflow.objects.get(is_default=True)
        days = list(
            WorkflowStep.objects.filter(workflow=workflow).order_by("position").values_list("days_after_due", flat=True)
        )
    assert days == [7, 21, 35]


def test_create_organization_bad_country(db):
    with pytest.raises(CommandError) as raised:
        run("create_organization", "--slug", "acme", "--name", "Acme BV", "--country", "XX")
    assert "'XX'" in str(raised.value)
    assert not Organization.objects.filter(slug="acme").exists()


def test_create_organization_duplicate_slug(db):
    run("create_organization", "--slug", "acme", "--name", "Acme BV", "--country", "NL")
    with pytest.raises(CommandError) as raised:
        run("create_organization", "--slug", "acme", "--name", "Acme Twee BV", "--country", "BE")
    assert "'acme'" in str(raised.value)
    assert Organization.objects.filter(slug="acme").count() == 1


def test_create_api_key_authenticates(db):
    run("create_organization", "--slug", "acme", "--name", "Acme BV")
    key = run("create_api_key", "--organization", "acme", "--name", "Exact Online").strip()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/invoices/")
    assert response.status_code == 200
    assert response.json()["results"] == []

    organization = Organization.objects.get(slug="acme")
    with tenant_context(organization):
        stored = ApiKey.objects.get(name="Exact Online")
        columns = list(ApiKey.objects.filter(pk=stored.pk).values().get().values())
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in [str(value) for value in columns]
    assert key.startswith(stored.prefix)


def test_create_api_key_unknown_organization(db):
    with pytest.raises(CommandError) as raised:
        run("create_api_key", "--organization", "nope", "--name", "x")
    assert "'nope'" in str(raised.value)


def test_wrong_key_is_401(db):
    run("create_organization", "--slug", "acme", "--name", "Acme BV")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer payt_not-a-real-key")
    assert client.get("/api/v1/invoices/").status_code == 401


def test_revoke_api_key_command(org_alfa):
    out = StringIO()
    call_command("create_api_key", organization="alfa", name="boekhouding", stdout=out)
    key = out.getvalue().strip()

    call_command("revoke_api_key", organization="alfa", name="boekhouding", stdout=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    renewed = StringIO()
    call_command("create_api_key", organization="alfa", name="boekhouding", stdout=renewed)

    assert client.get("/api/v1/invoices/").status_code == 401
    assert renewed.getvalue().strip() != key
    with tenant_context(org_alfa):
        actions = list(AuditEntry.objects.order_by("created_at").values_list("action", flat=True))
    assert actions == ["api_key.created", "api_key.revoked", "api_key.created"]


def test_revoke_unknown_api_key_fails(org_alfa):
    with pytest.raises(CommandError, match="No active API key named 'nope'"):
        call_command("revoke_api_key", organization="alfa", name="nope")


def test_organization_rejects_invalid_iban(db):
    from django.core.exceptions import ValidationError

    from payt.services import organization_create

    with pytest.raises(ValidationError) as caught:
        organization_create(slug="ibantest", name="IBAN test", iban="NL00ABNA0417164300")

    assert "NL00ABNA0417164300" in caught.value.message_dict["iban"][0]
    assert not Organization.objects.filter(slug="ibantest").exists()
