"""Holds in the dashboard: placing and releasing them on the debtor page, and the overview of holds in force."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from debtors.models import TimelineEvent
from dunning.holds import hold_place
from dunning.models import Hold, HoldReason
from payt.dates import local_today
from payt.tenancy import tenant_context

HOLDS = reverse("dashboard:holds")


def debtor_url(debtor) -> str:
    return reverse("dashboard:debtor", args=[debtor.pk])


def place_url(debtor) -> str:
    return reverse("dashboard:hold_place", args=[debtor.pk])


def release_url(hold) -> str:
    return reverse("dashboard:hold_release", args=[hold.pk])


@pytest.fixture
def today(org_alfa):
    return local_today(org_alfa)


@pytest.fixture
def jansen(org_alfa, make_invoice, today):
    """A debtor of Alfa with two open invoices."""
    overdue = today - dt.timedelta(days=10)
    first = make_invoice(org_alfa, number="J-1", total="250.00", due_date=overdue, name="Jansen BV")
    second = make_invoice(org_alfa, number="J-2", total="99.95", due_date=today, debtor=first.debtor)
    return first.debtor, first, second


@pytest.fixture
def pieters_invoice(org_alfa, make_invoice, today):
    """An invoice of another debtor of Alfa."""
    return make_invoice(org_alfa, number="P-1", total="10.00", due_date=today, name="Pieters")


@pytest.fixture
def bravo_invoice(org_bravo, make_invoice, today):
    return make_invoice(org_bravo, number="B-1", total="10.00", due_date=today, name="Bravo Klant")


def holds_of(organization) -> list[Hold]:
    with tenant_context(organization):
        return list(Hold.objects.select_related("invoice", "created_by").order_by("created_at"))


def hold_events(organization, event: str) -> list[TimelineEvent]:
    with tenant_context(organization):
        return list(TimelineEvent.objects.filter(data__event=event).order_by("occurred_at"))


def place(organization, debtor, **fields) -> Hold:
    with tenant_context(organization):
        return hold_place(debtor=debtor, **fields)


def test_place_debtor_hold(bob_client, bob, org_alfa, jansen, today):
    debtor, _, _ = jansen
    until = today + dt.timedelta(days=14)

    response = bob_client.post(
        place_url(debtor), {"invoice": "", "reason": HoldReason.DISPUTE, "until": until.isoformat(), "note": "Delivery"}
    )

    assert response.status_code == 302
    assert response["Location"] == debtor_url(debtor) + "#holds"
    [hold] = holds_of(org_alfa)
    assert (hold.invoice, hold.reason, hold.until, hold.note) == (None, HoldReason.DISPUTE, until, "Delivery")
    assert hold.created_by == bob
    [event] = hold_events(org_alfa, "hold_placed")
    assert event.data["hold_id"] == str(hold.pk)
    page = bob_client.get(debtor_url(debtor)).content.decode()
    assert f'id="hold-{hold.pk}"' in page
    assert "bob@alfa.example" in page
    assert "Dunning paused for all invoices: Dispute until" in page


def test_place_invoice_hold(bob_client, org_alfa, jansen):
    debtor, first, _ = jansen

    response = bob_client.post(place_url(debtor), {"invoice": str(first.pk), "reason": HoldReason.PROMISE_TO_PAY})

    assert response.status_code == 302
    [hold] = holds_of(org_alfa)
    assert (hold.invoice, hold.until) == (first, None)
    page = bob_client.get(debtor_url(debtor)).content.decode()
    assert "Dunning paused for invoice J-1: Promise to pay" in page
    assert "until released" in page


def test_place_form_lists_open_invoices(bob_client, jansen, pieters_invoice):
    debtor, first, second = jansen

    form = bob_client.get(debtor_url(debtor)).context["hold_form"]

    assert [value for value, _ in form.fields["invoice"].choices] == ["", str(first.pk), str(second.pk)]


def test_past_end_date_is_form_error(bob_client, org_alfa, jansen, today):
    debtor, _, _ = jansen
    yesterday = today - dt.timedelta(days=1)

    response = bob_client.post(place_url(debtor), {"reason": HoldReason.DISPUTE, "until": yesterday.isoformat()})

    assert response.status_code == 400
    errors = response.context["hold_form"].errors
    assert errors["until"] == [
        f"The end date {yesterday:%d/%m/%Y} is in the past; choose today or a later date."
    ]
    assert list(errors) == ["until"]
    assert holds_of(org_alfa) == []


def test_invoice_of_other_debtor_is_form_error(bob_client, org_alfa, jansen, pieters_invoice):
    debtor, _, _ = jansen

    response = bob_client.post(place_url(debtor), {"invoice": str(pieters_invoice.pk), "reason": HoldReason.DISPUTE})

    assert response.status_code == 400
    errors = response.context["hold_form"].errors
    assert errors["invoice"] == [
        "Invoice P-1 belongs to another debtor; choose one of the open invoices of Jansen BV."
    ]
    assert holds_of(org_alfa) == []
    assert 'id="hold-place-form"' in response.content.decode()


def test_invoice_of_other_organization_is_form_error(bob_client, org_alfa, org_bravo, jansen, bravo_invoice):
    debtor, _, _ = jansen

    response = bob_client.post(place_url(debtor), {"invoice": str(bravo_invoice.pk), "reason": HoldReason.DISPUTE})

    assert response.status_code == 400
    assert response.context["hold_form"].errors["invoice"] == [
        f"No invoice with id {bravo_invoice.pk} exists in this organisation; choose one of the debtor's open invoices."
    ]
    assert holds_of(org_alfa) == []
    assert holds_of(org_bravo) == []


def test_unknown_reason_is_form_error(bob_client, org_alfa, jansen):
    debtor, _, _ = jansen

    response = bob_client.post(place_url(debtor), {"reason": "holiday"})

    assert response.status_code == 400
    assert list(response.context["hold_form"].errors) == ["reason"]
    assert holds_of(org_alfa) == []


def test_release_hold_with_note(bob_client, org_alfa, jansen, today):
    debtor, first, _ = jansen
    hold = place(org_alfa, debtor, invoice=first, reason=HoldReason.DISPUTE, until=today + dt.timedelta(days=30))

    response = bob_client.post(release_url(hold), {"note": "Credit note agreed"})

    assert response.status_code == 302
    assert response["Location"] == debtor_url(debtor) + "#holds"
    [released] = holds_of(org_alfa)
    assert released.released_at is not None
    assert released.release_note == "Credit note agreed"
    [event] = hold_events(org_alfa, "hold_released")
    assert (event.data["hold_id"], event.data["by"]) == (str(hold.pk), "bob@alfa.example")
    page = bob_client.get(debtor_url(debtor)).content.decode()
    assert 'id="past-holds"' in page
    assert "by bob@alfa.example" in page
    assert "Dunning resumed for invoice J-1: Dispute (Credit note agreed)" in page
    assert 'id="active-holds"' not in page


def test_release_twice_warns(bob_client, org_alfa, jansen):
    debtor, _, _ = jansen
    hold = place(org_alfa, debtor, reason=HoldReason.CONSULTATION)
    bob_client.post(release_url(hold), {"note": ""})

    response = bob_client.post(release_url(hold), {"note": ""}, follow=True)

    assert "This hold was released already." in response.content.decode()
    assert len(hold_events(org_alfa, "hold_released")) == 1


def test_expired_hold_listed_as_ended(bob_client, org_alfa, jansen, today):
    debtor, _, _ = jansen
    hold = place(org_alfa, debtor, reason=HoldReason.PROMISE_TO_PAY, until=today)
    with tenant_context(org_alfa):
        Hold.objects.filter(pk=hold.pk).update(until=today - dt.timedelta(days=1))

    response = bob_client.get(debtor_url(debtor))

    holds = response.context["holds"]
    assert (holds.active, [past.pk for past in holds.past]) == ([], [hold.pk])
    assert "lapsed after" in response.content.decode()


def test_reader_sees_holds_but_cannot_post(reader_client, org_alfa, jansen):
    debtor, _, _ = jansen
    hold = place(org_alfa, debtor, reason=HoldReason.DISPUTE)

    page = reader_client.get(debtor_url(debtor))
    placed = reader_client.post(place_url(debtor), {"reason": HoldReason.DISPUTE})
    released = reader_client.post(release_url(hold), {"note": ""})

    assert page.status_code == 200
    assert f'id="hold-{hold.pk}"' in page.content.decode()
    assert 'id="hold-place-form"' not in page.content.decode()
    assert f'id="release-{hold.pk}"' not in page.content.decode()
    assert (placed.status_code, released.status_code) == (403, 403)
    [unchanged] = holds_of(org_alfa)
    assert unchanged.released_at is None


def test_other_organization_ids_are_404(charlie_client, bob_client, org_alfa, org_bravo, jansen, bravo_invoice):
    debtor, _, _ = jansen
    alfa_hold = place(org_alfa, debtor, reason=HoldReason.DISPUTE)
    bravo_hold = place(org_bravo, bravo_invoice.debtor, reason=HoldReason.DISPUTE)

    placed = charlie_client.post(place_url(debtor), {"reason": HoldReason.DISPUTE})
    released = charlie_client.post(release_url(alfa_hold), {"note": ""})
    released_by_bob = bob_client.post(release_url(bravo_hold), {"note": ""})

    assert (placed.status_code, released.status_code, released_by_bob.status_code) == (404, 404, 404)
    assert [hold.released_at for hold in holds_of(org_alfa)] == [None]
    assert [hold.released_at for hold in holds_of(org_bravo)] == [None]
    unknown = reverse("dashboard:hold_release", args=[uuid.uuid4()])
    assert charlie_client.post(unknown, {"note": ""}).status_code == 404


def test_place_needs_post(bob_client, jansen):
    debtor, _, _ = jansen

    assert bob_client.get(place_url(debtor)).status_code == 405


def test_overview_lists_holds_in_force_by_end_date(
    bob_client, bob, org_alfa, org_bravo, jansen, pieters_invoice, bravo_invoice, today
):
    debtor, first, second = jansen
    in_5_days, in_20_days = today + dt.timedelta(days=5), today + dt.timedelta(days=20)
    later = place(org_alfa, debtor, invoice=first, reason=HoldReason.DISPUTE, until=in_20_days)
    open_ended = place(org_alfa, pieters_invoice.debtor, reason=HoldReason.INSOLVENCY, user=bob)
    sooner = place(org_alfa, debtor, invoice=second, reason=HoldReason.PROMISE_TO_PAY, until=in_5_days)
    released = place(org_alfa, debtor, reason=HoldReason.CONSULTATION)
    expired = place(org_alfa, debtor, reason=HoldReason.CONSULTATION, until=today)
    with tenant_context(org_alfa):
        Hold.objects.filter(pk=released.pk).update(released_at=released.created_at)
        Hold.objects.filter(pk=expired.pk).update(until=today - dt.timedelta(days=1))
    place(org_bravo, bravo_invoice.debtor, reason=HoldReason.DISPUTE)

    response = bob_client.get(HOLDS)

    assert response.status_code == 200
    assert [hold.pk for hold in response.context["page"]] == [sooner.pk, later.pk, open_ended.pk]
    content = response.content.decode()
    row = content[content.index(f'id="hold-{open_ended.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "Pieters" in row
    assert "All invoices" in row
    assert "Insolvency" in row
    assert "until released" in row
    assert "bob@alfa.example" in row
    assert "Bravo Klant" not in content


def test_overview_query_count_is_pinned(bob_client, org_alfa, jansen, django_assert_max_num_queries):
    debtor, first, second = jansen
    for invoice in (first, second):
        place(org_alfa, debtor, invoice=invoice, reason=HoldReason.DISPUTE)

    with django_assert_max_num_queries(9):
        bob_client.get(HOLDS)


def test_debtor_page_query_count_is_pinned(bob_client, org_alfa, jansen, django_assert_max_num_queries):
    debtor, first, second = jansen
    for invoice in (first, second):
        place(org_alfa, debtor, invoice=invoice, reason=HoldReason.DISPUTE)

    with django_assert_max_num_queries(30):  # two more for the payment trend, one for unallocated payments
        bob_client.get(debtor_url(debtor))


def test_holds_in_dutch(bob_client, org_alfa, jansen):
    debtor, first, _ = jansen
    place(org_alfa, debtor, invoice=first, reason=HoldReason.DISPUTE)
    bob_client.post(reverse("dashboard:language"), {"language": "nl"})

    page = bob_client.get(debtor_url(debtor)).content.decode()
    overview = bob_client.get(HOLDS).content.decode()

    assert "Aanmaningen pauzeren" in page
    assert "Aanmaningen gepauzeerd voor factuur J-1: Geschil" in page
    assert "tot opheffing" in overview
