"""The interest-rate page: every member reads it, only administrators change it, every change audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from dunning.interest import DayCount
from dunning.models import InterestRate, InterestRegime
from dunning.rate_services import interest_rate_add
from payt.models import AuditEntry, Role
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD, _user
from tests.dashboard.conftest import logged_in_client

pytestmark = pytest.mark.usefixtures("statutory_rates")

PAGE = "/dunning/interest-rates/"
ADD = "/dunning/interest-rates/add/"


def nl_consumer() -> InterestRegime:
    return InterestRegime.objects.get(code="nl-consumer")


def rate_row(regime_code: str, day: dt.date) -> InterestRate:
    return InterestRate.objects.get(regime__code=regime_code, effective_from=day)


def audit_entries(organization) -> list[AuditEntry]:
    with tenant_context(organization):
        return list(AuditEntry.objects.filter(action__startswith="interest_").order_by("created_at"))


def new_rate(**changes) -> dict:
    data = {
        "regime": str(nl_consumer().pk),
        "effective_from": "2026-07-01",
        "rate": "4.5",
        "source": "Stb. 2026, 123",
        "verified": "on",
    }
    data.update(changes)
    return data


@pytest.fixture
def alice_client(alice):
    return logged_in_client(alice)


@pytest.fixture
def bob_client(bob):
    return logged_in_client(bob)


@pytest.fixture
def alice(alice):
    """Alice as the platform's staff: the rate tables are shared, so only staff may change them."""
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    return alice


@pytest.fixture
def reader(org_alfa):
    return _user("reader@alfa.example", org_alfa, Role.READ_ONLY)


@pytest.fixture
def charlie_client(charlie):
    return logged_in_client(charlie)


def test_member_reads_rates_with_unverified_flag(bob_client):
    response = bob_client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("UNVERIFIED") == InterestRate.objects.filter(verified=False).count()
    assert 'id="regime-nl-consumer"' in html
    assert 'id="unverified-count"' in html
    assert "Add a rate" not in html
    assert "/dunning/interest-rates/add/" not in html


def test_admin_sees_forms(alice_client):
    html = alice_client.get(PAGE).content.decode()

    assert "Add a rate" in html
    assert 'action="/dunning/interest-rates/add/"' in html


def test_organisation_admin_cannot_change_shared_rates(org_alfa):
    admin = _user("admin@alfa.example", org_alfa, Role.ADMIN)
    client = logged_in_client(admin)
    count = InterestRate.objects.count()

    page = client.get(PAGE).content.decode()
    response = client.post(ADD, new_rate())

    assert "Add a rate" not in page
    assert response.status_code == 403
    assert InterestRate.objects.count() == count


def test_admin_adds_rate(alice_client, alice, org_alfa):
    response = alice_client.post(ADD, new_rate())

    assert response.status_code == 302
    row = rate_row("nl-consumer", dt.date(2026, 7, 1))
    assert row.rate == Decimal("4.500")
    assert row.verified is True
    assert row.updated_by == alice
    [entry] = audit_entries(org_alfa)
    assert entry.action == "interest_rate.added"
    assert entry.actor == alice
    assert entry.target == "nl-consumer 2026-07-01"
    assert entry.data["after"]["rate"] == "4.5"


def test_added_rate_used_by_calculator(alice_client, alfa_api):
    alice_client.post(ADD, new_rate(rate="5"))

    query = {"country": "NL", "debtor_kind": "consumer", "principal": "3650.00"}

    response = alfa_api.get("/api/v1/calculations/interest", {**query, "start": "2026-07-01", "end": "2026-07-10"})

    # 3,650 x 5% x 10 / 365 = 5.00
    assert response.json()["amount"] == "5.00"


def test_duplicate_date_rejected(alice_client, org_alfa):
    response = alice_client.post(ADD, new_rate(effective_from="2026-01-01"))

    assert response.status_code == 400
    assert "already has a rate from 2026-01-01" in response.content.decode()
    assert rate_row("nl-consumer", dt.date(2026, 1, 1)).rate == Decimal("4.000")
    assert audit_entries(org_alfa) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate": "101"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "1.2345"}, "rate"),
        ({"source": " "}, "source"),
        ({"effective_from": ""}, "effective_from"),
    ],
)
def test_bad_rate_rejected(alice_client, changes, field):
    count = InterestRate.objects.count()

    response = alice_client.post(ADD, new_rate(**changes))

    assert response.status_code == 400
    assert field in response.context["add_form"].errors
    assert InterestRate.objects.count() == count


def test_admin_corrects_rate(alice_client, alice, org_alfa, org_bravo, charlie_client):
    row = rate_row("nl-consumer", dt.date(2025, 7, 1))
    url = reverse("dunning:interest_rate_edit", args=[row.pk])
    assert alice_client.get(url).status_code == 200

    response = alice_client.post(
        url, {"effective_from": "2025-07-01", "rate": "5", "source": "Stb. 2025, 200", "verified": "on"}
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.rate, row.verified, row.source) == (Decimal("5.000"), True, "Stb. 2025, 200")
    [entry] = audit_entries(org_alfa)
    assert entry.action == "interest_rate.corrected"
    assert entry.data["before"]["rate"] == "6.000"
    assert entry.data["before"]["verified"] is False
    assert entry.data["after"]["rate"] == "5"
    # The table is shared: Bravo reads the corrected rate, and Alfa's audit entry stays Alfa's.
    assert audit_entries(org_bravo) == []
    bravo_html = charlie_client.get(PAGE).content.decode()
    assert "Stb. 2025, 200" in bravo_html
    assert "alice@alfa.example" in bravo_html


def test_admin_sets_day_count(alice_client, org_alfa):
    regime = nl_consumer()

    response = alice_client.post(
        reverse("dunning:interest_regime_day_count", args=[regime.pk]), {"day_count": DayCount.ACT_ACT}
    )

    assert response.status_code == 302
    regime.refresh_from_db()
    assert regime.day_count == DayCount.ACT_ACT
    [entry] = audit_entries(org_alfa)
    assert entry.action == "interest_regime.day_count_changed"
    assert entry.data == {"before": "act_365", "after": "act_act"}


@pytest.mark.parametrize("persona", ["bob", "reader"])
def test_non_admin_cannot_change(persona, request, org_alfa):
    client = logged_in_client(request.getfixturevalue(persona))
    row = rate_row("nl-consumer", dt.date(2025, 7, 1))
    regime = nl_consumer()
    count = InterestRate.objects.count()

    edit_url = reverse("dunning:interest_rate_edit", args=[row.pk])
    day_count_url = reverse("dunning:interest_regime_day_count", args=[regime.pk])

    responses = [
        client.post(ADD, new_rate()),
        client.get(edit_url),
        client.post(edit_url, {"effective_from": "2025-07-01", "rate": "1", "source": "x"}),
        client.post(day_count_url, {"day_count": "30_360"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    assert InterestRate.objects.count() == count
    row.refresh_from_db()
    assert row.rate == Decimal("6.000")
    regime.refresh_from_db()
    assert regime.day_count == DayCount.ACT_365
    assert audit_entries(org_alfa) == []


def test_user_without_membership_gets_403(db):
    User.objects.create_user(username="nobody@example.com", password=PASSWORD)
    client = Client()
    client.login(username="nobody@example.com", password=PASSWORD)

    assert client.get(PAGE).status_code == 403
    assert client.post(ADD, new_rate()).status_code == 403


def test_anonymous_redirected(client):
    response = client.post(ADD, new_rate())

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not InterestRate.objects.filter(effective_from=dt.date(2026, 7, 1), regime__code="nl-consumer").exists()


def test_service_rejects_non_admin(bob, org_alfa):
    with pytest.raises(PermissionDenied):
        interest_rate_add(
            organization=org_alfa,
            actor=bob,
            regime=nl_consumer(),
            effective_from=dt.date(2026, 7, 1),
            rate=Decimal("4"),
            source="test",
            verified=False,
        )


def test_service_rejects_admin_of_other_organisation(charlie, org_alfa):
    with pytest.raises(PermissionDenied):
        interest_rate_add(
            organization=org_alfa,
            actor=charlie,
            regime=nl_consumer(),
            effective_from=dt.date(2026, 7, 1),
            rate=Decimal("4"),
            source="test",
            verified=False,
        )


def test_django_admin_is_read_only(db):
    superuser = User.objects.create_superuser("root@example.com", "root@example.com", PASSWORD)
    client = Client()
    client.force_login(superuser)
    row = rate_row("nl-consumer", dt.date(2025, 7, 1))

    listing = client.get("/admin/dunning/interestrate/")
    change = client.post(f"/admin/dunning/interestrate/{row.pk}/change/", {"rate": "1"})

    assert listing.status_code == 200
    assert "UNVERIFIED" in listing.content.decode()
    assert change.status_code == 403
    row.refresh_from_db()
    assert row.rate == Decimal("6.000")
