"""Organisation switcher, settings, users and new organisations."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from payt.middleware import SESSION_ORGANIZATION_KEY
from payt.models import AuditEntry, Membership, Organization, Role
from payt.services import membership_add
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD
from tests.dashboard.conftest import logged_in_client

SWITCH_URL = reverse("dashboard:organization_switch")


def role_of(organization, email) -> str | None:
    with tenant_context(organization):
        membership = Membership.objects.filter(user__username=email).first()
    return membership.role if membership else None


def test_switcher_hidden_with_one_membership(alice_client):
    assert (
        'id="organization-switch"'
        not in alice_client.get(reverse("dashboard:home")).content.decode()
    )


def test_switch_to_own_organization(alice_in_bravo, org_bravo):
    client = logged_in_client(alice_in_bravo)
    assert 'id="organization-switch"' in client.get(reverse("dashboard:home")).content.decode()

    response = client.post(SWITCH_URL, {"organization": str(org_bravo.pk)})

    assert response.status_code == 302
    assert client.session[SESSION_ORGANIZATION_KEY] == str(org_bravo.pk)
    home = client.get(reverse("dashboard:home"))
    assert home.context["current_organization"] == org_bravo


def test_switch_to_foreign_organization_refused(alice_client, org_alfa, org_bravo):
    response = alice_client.post(SWITCH_URL, {"organization": str(org_bravo.pk)})

    assert response.status_code == 404
    assert SESSION_ORGANIZATION_KEY not in alice_client.session
    assert alice_client.get(reverse("dashboard:home")).context["current_organization"] == org_alfa


def test_switch_requires_login(org_bravo):
    response = Client().post(SWITCH_URL, {"organization": str(org_bravo.pk)})

    assert response.status_code == 302


def test_read_only_member_may_switch(reader, org_bravo):
    membership_add(organization=org_bravo, user=reader, role=Role.READ_ONLY)
    client = logged_in_client(reader)

    response = client.post(SWITCH_URL, {"organization": str(org_bravo.pk)})

    assert response.status_code == 302


def test_settings_update(alice_client, alice, org_alfa):
    response = alice_client.post(
        reverse("dashboard:settings"),
        {
            "name": "Alfa Installaties Noord BV",
            "time_zone": "Europe/Amsterdam",
            "default_language": "nl",
            "payment_term_days": 14,
            "email": "debiteuren@alfa.example",
            "iban": "NL91 ABNA 0417 1643 00",
        },
    )

    assert response.status_code == 302
    org_alfa.refresh_from_db()
    assert org_alfa.name == "Alfa Installaties Noord BV"
    assert org_alfa.payment_term_days == 14
    assert org_alfa.iban == "NL91ABNA0417164300"
    with tenant_context(org_alfa):
        entry = AuditEntry.objects.get(action="organization.settings_changed")
    assert entry.actor == alice
    assert entry.data["payment_term_days"] == "14"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "NL00 ABNA 0000 0000 00", "is not a valid IBAN"),
        ("time_zone", "Europe/Amsterdan", "is not a known time zone"),
        ("payment_term_days", "400", "less than or equal to 365"),
    ],
)
def test_settings_reject_invalid_values(alice_client, org_alfa, field, value, message):
    data = {
        "name": "Alfa",
        "time_zone": "Europe/Amsterdam",
        "default_language": "nl",
        "payment_term_days": 30,
        "email": "",
        "iban": "",
        field: value,
    }

    response = alice_client.post(reverse("dashboard:settings"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    org_alfa.refresh_from_db()
    assert org_alfa.name == "Alfa Installaties BV"


def test_add_user_with_role(alice_client, org_alfa):
    response = alice_client.post(
        reverse("dashboard:users"),
        {
            "email": "Dora@Alfa.example",
            "password": "a-long-enough-password",
            "role": Role.READ_ONLY,
        },
    )

    assert response.status_code == 302
    assert role_of(org_alfa, "dora@alfa.example") == Role.READ_ONLY
    assert Client().login(username="dora@alfa.example", password="a-long-enough-password")


def test_add_existing_member_rejected(alice_client, bob, org_alfa):
    response = alice_client.post(
        reverse("dashboard:users"),
        {"email": bob.username, "password": PASSWORD, "role": Role.ADMIN},
    )

    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert role_of(org_alfa, bob.username) == Role.CREDIT_CONTROLLER


def test_add_user_with_weak_password_rejected(alice_client):
    response = alice_client.post(
        reverse("dashboard:users"),
        {"email": "eve@alfa.example", "password": "12345678", "role": Role.ADMIN},
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="eve@alfa.example").exists()


def test_users_page_hides_outsiders(alice_client, bob, charlie):
    content = alice_client.get(reverse("dashboard:users")).content.decode()

    assert bob.username in content
    assert charlie.username not in content


def test_create_organization_makes_creator_admin(alice_client, alice):
    response = alice_client.post(
        reverse("dashboard:organization_create"),
        {"name": "Alfa Belgium BV", "slug": "alfa-be", "country": "BE"},
    )

    assert response.status_code == 302
    created = Organization.objects.get(slug="alfa-be")
    assert created.time_zone == "Europe/Brussels"
    assert role_of(created, alice.username) == Role.ADMIN
    assert alice_client.session[SESSION_ORGANIZATION_KEY] == str(created.pk)
    assert alice_client.get(reverse("dashboard:home")).context["current_organization"] == created


def test_create_organization_with_taken_slug(alice_client, org_bravo):
    response = alice_client.post(
        reverse("dashboard:organization_create"), {"name": "Copy", "slug": "bravo", "country": "NL"}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Organization.objects.filter(slug="bravo").count() == 1
