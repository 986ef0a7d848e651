"""Forecast pages of the dashboard: risk alerts with the Call button, invoice forecast, debtor trend, charts."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from debtors.models import Debtor
from dunning.models import PhoneTask, PhoneTaskSource, PhoneTaskStatus
from forecasting.models import InvoiceForecast
from forecasting.services import forecast_score, pooled_model_register
from invoices.models import DocumentKind
from invoices.services import invoice_cancel, invoice_register, payment_register
from payt.dates import local_today
from payt.tenancy import tenant_context
from tests.forecasting import conftest as forecasting_fixtures
from tests.forecasting import test_scoring

# The scored organisation of the forecasting tests: a pooled model, a paid history and open invoices.
trained_outcome = forecasting_fixtures.trained_outcome
scored_alfa = test_scoring.scored_alfa

pytestmark = pytest.mark.django_db


def _risk_tasks(organization):
    with tenant_context(organization):
        return list(PhoneTask.objects.filter(source=PhoneTaskSource.RISK))


def test_risk_page_lists_the_disputed_invoice_with_reason_and_advice(alice_client, scored_alfa):
    response = alice_client.get(reverse("dashboard:risks"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-invoice="A-5"' in page
    assert "800.00" in page
    assert "The debtor disputes this invoice." in page
    assert "Call the debtor before the next reminder goes out." in page
    assert reverse("dashboard:risk_call", args=[scored_alfa["not_due"].pk]) in page


def test_risk_page_in_dutch(alice_client, scored_alfa):
    alice_client.post(reverse("dashboard:language"), {"language": "nl"})

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert "Risico's" in page
    assert "Kans op betaling op tijd" in page


def test_call_button_creates_one_open_phone_task(alice_client, org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]
    url = reverse("dashboard:risk_call", args=[invoice.pk])

    first = alice_client.post(url)
    second = alice_client.post(url)

    assert first.status_code == second.status_code == 302
    tasks = _risk_tasks(org_alfa)
    assert len(tasks) == 1
    assert (tasks[0].invoice_id, tasks[0].status) == (invoice.pk, PhoneTaskStatus.OPEN)
    assert "A-5" in tasks[0].reason
    page = alice_client.get(reverse("dashboard:risks")).content.decode()
    assert "On the call list" in page
    calls = alice_client.get(reverse("dashboard:calls")).content.decode()
    assert 'data-invoice="A-5"' in calls


def test_read_only_member_sees_risks_but_cannot_call(reader_client, org_alfa, scored_alfa):
    assert reader_client.get(reverse("dashboard:risks")).status_code == 200

    response = reader_client.post(reverse("dashboard:risk_call", args=[scored_alfa["not_due"].pk]))

    assert response.status_code == 403
    assert _risk_tasks(org_alfa) == []


def test_other_organisation_cannot_call_or_see_the_risk(charlie_client, org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]

    assert 'data-invoice="A-5"' not in charlie_client.get(reverse("dashboard:risks")).content.decode()
    assert charlie_client.post(reverse("dashboard:risk_call", args=[invoice.pk])).status_code == 404
    assert charlie_client.get(reverse("dashboard:invoice", args=[invoice.pk])).status_code == 404
    assert _risk_tasks(org_alfa) == []


def test_invoice_page_shows_forecast_interval_and_on_time_chance(alice_client, scored_alfa):
    page = alice_client.get(reverse("dashboard:invoice", args=[scored_alfa["not_due"].pk])).content.decode()

    assert "with 90% certainty between" in page
    assert "Chance of payment on or before the due date:" in page
    assert "The debtor disputes this invoice." in page


def test_invoice_page_long_overdue_has_no_interval(alice_client, org_alfa, make_invoice, scored_alfa):
    old = make_invoice(
        org_alfa, number="OLD-1", total="5000.00", issue_date=dt.date(2018, 9, 1), debtor=scored_alfa["debtor"]
    )
    forecast_score(organization=org_alfa, run_date=test_scoring.TODAY)

    page = alice_client.get(reverse("dashboard:invoice", args=[old.pk])).content.decode()
    risks = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert "No reliable forecast: overdue longer than the history covers." in page
    assert "with 90% certainty between" not in page
    assert 'data-invoice="OLD-1"' in risks


def test_debtor_page_shows_payment_trend(alice_client, org_alfa, make_invoice, scored_alfa):
    # The page reads the last 12 months up to the real today, so pay one invoice recently.
    debtor = scored_alfa["debtor"]
    today = local_today(org_alfa)
    issued = today - dt.timedelta(days=40)
    recent = make_invoice(org_alfa, number="A-7", total="50.00", issue_date=issued, debtor=debtor)
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("50.00"), payment_date=today - dt.timedelta(days=2),
                         invoice=recent)

    page = alice_client.get(reverse("dashboard:debtor", args=[scored_alfa["debtor"].pk])).content.decode()

    assert "Payment trend" in page
    assert page.count('class="trend-point"') >= 1


def test_home_and_forecast_pages_carry_chart_data(alice_client, scored_alfa):
    for name in ("dashboard:home", "dashboard:forecasts"):
        response = alice_client.get(reverse(name))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="cash-in-chart"' in page
        assert "vendor/chartjs/chart.umd.min.js" in page
        cash = json.loads(re.search(r'id="cash-in-data"[^>]*>(.*?)</script>', page).group(1))
        assert len(cash["labels"]) == len(cash["expected"]) == 13
        bands = zip(cash["lower"], cash["expected"], cash["upper"], strict=True)
        assert all(low <= mid <= high for low, mid, high in bands)


def _foreign_invoices(organization, debtor):
    with tenant_context(organization):
        for number, currency, total in (("F-1", "SEK", "3200.00"), ("F-2", "GBP", "1200.00"), ("F-3", "GBP", "5.00")):
            invoice_register(organization=organization, debtor=debtor, number=number, issue_date=dt.date(2025, 10, 1),
                             total_amount=Decimal(total), currency=currency)


def test_cash_in_chart_counts_only_euros(alice_client, org_alfa, scored_alfa):
    before = alice_client.get(reverse("dashboard:forecasts")).content.decode()
    _foreign_invoices(org_alfa, scored_alfa["debtor"])
    forecast_score(organization=org_alfa, run_date=test_scoring.TODAY)

    for name in ("dashboard:home", "dashboard:forecasts"):
        page = alice_client.get(reverse(name)).content.decode()
        cash = _cash_in_data(page)
        assert cash["expected"] == _cash_in_data(before)["expected"]
        assert cash["currency"] == "EUR"
        assert "Expected cash in EUR, next 13 weeks" in page
        assert "3 open invoices in other currencies (GBP, SEK) are not included." in page


def test_cash_in_note_in_dutch(alice_client, org_alfa, scored_alfa):
    _foreign_invoices(org_alfa, scored_alfa["debtor"])
    alice_client.post(reverse("dashboard:language"), {"language": "nl"})

    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    assert "Verwachte ontvangsten in EUR, komende 13 weken" in page
    assert "3 openstaande facturen in andere valuta (GBP, SEK) zijn niet meegeteld." in page


def test_cash_in_note_hidden_without_others(alice_client, scored_alfa):
    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    assert 'id="cash-in-other-currencies"' not in page


def _cash_in_data(page: str) -> dict:
    return json.loads(re.search(r'id="cash-in-data"[^>]*>(.*?)</script>', page).group(1))


def _last_month_end(organization) -> dt.date:
    return local_today(organization).replace(day=1) - dt.timedelta(days=1)


def test_forecast_page_shows_aging_at_month_ends(alice_client, org_alfa, make_invoice):
    month_end = _last_month_end(org_alfa)
    invoice = make_invoice(
        org_alfa,
        number="AG-1",
        total="321.09",
        issue_date=month_end - dt.timedelta(days=40),
        due_date=month_end - dt.timedelta(days=10),
    )
    with tenant_context(org_alfa):
        # Both are allocated now, after the month end, but only the first was received by the month end.
        payment_register(organization=org_alfa, amount=Decimal("121.09"), payment_date=month_end, invoice=invoice)
        payment_register(organization=org_alfa, amount=Decimal("100.00"), payment_date=month_end + dt.timedelta(days=1),
                         invoice=invoice)

    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    assert 'id="aging-chart"' in page
    aging = json.loads(re.search(r'id="aging-data"[^>]*>(.*?)</script>', page).group(1))
    assert len(aging["labels"]) == 12
    assert aging["labels"][-1] == month_end.isoformat()
    assert [bucket["key"] for bucket in aging["buckets"]] == [
        "not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"
    ]
    assert aging["buckets"][1]["data"][-1] == 200.00  # 10 days past due, less the 121.09 received by then
    assert sum(bucket["data"][-1] for bucket in aging["buckets"]) == 200.00
    row = re.search(rf'<tr data-month-end="{month_end.isoformat()}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-amount="([^"]+)"', row) == ["0.00", "200.00", "0.00", "0.00", "0.00", "200.00"]


def test_aging_chart_in_dutch(alice_client):
    alice_client.post(reverse("dashboard:language"), {"language": "nl"})

    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    assert "Openstaande vorderingen per maandeinde" in page
    assert "Maandeinde" in page
    assert "Nog niet vervallen" in page


def test_aging_chart_hides_other_organisation(charlie_client, org_alfa, make_invoice):
    month_end = _last_month_end(org_alfa)
    make_invoice(org_alfa, number="AG-2", total="777.77", issue_date=month_end - dt.timedelta(days=5))

    page = charlie_client.get(reverse("dashboard:forecasts")).content.decode()

    aging = json.loads(re.search(r'id="aging-data"[^>]*>(.*?)</script>', page).group(1))
    assert all(amount == 0 for bucket in aging["buckets"] for amount in bucket["data"])
    assert "777.77" not in page


def _in_dutch(client):
    client.post(reverse("dashboard:language"), {"language": "nl"})


def _pay_in_full(organization, invoice):
    with tenant_context(organization):
        payment_register(organization=organization, amount=invoice.total_amount, payment_date=invoice.issue_date,
                         invoice=invoice)


def test_invoice_page_hides_forecast_once_paid(alice_client, org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]
    _pay_in_full(org_alfa, invoice)

    page = alice_client.get(reverse("dashboard:invoice", args=[invoice.pk])).content.decode()

    assert 'data-status="paid"' in page
    assert 'id="forecast"' not in page
    assert "Expected payment on" not in page


def test_risk_page_drops_paid_invoice(alice_client, org_alfa, scored_alfa):
    _pay_in_full(org_alfa, scored_alfa["not_due"])

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert 'data-invoice="A-5"' not in page


def test_call_rejects_paid_invoice_from_stale_page(alice_client, org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]
    _pay_in_full(org_alfa, invoice)

    response = alice_client.post(reverse("dashboard:risk_call", args=[invoice.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("dashboard:risks")
    assert "Invoice A-5 has nothing left to pay, so no call was added." in response.content.decode()
    assert _risk_tasks(org_alfa) == []


def test_call_rejects_credit_note_in_dutch(alice_client, org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        credit_note, _ = invoice_register(
            organization=org_alfa, debtor=scored_alfa["debtor"], number="Snippet1", kind=DocumentKind.CREDIT_NOTE,
            issue_date=dt.date(2025, 10, 1), total_amount=Decimal("40.00"),
        )
    _in_dutch(alice_client)

    response = alice_client.post(reverse("dashboard:risk_call", args=[credit_note.pk]), follow=True)

    assert "Snippet1 is een creditnota, dus er valt niets te innen en er is geen belafspraak toegevoegd." in (
        response.content.decode()
    )
    assert _risk_tasks(org_alfa) == []


def test_call_rejects_cancelled_invoice(alice_client, org_alfa, scored_alfa):
    invoice = scored_alfa["overdue"]
    with tenant_context(org_alfa):
        invoice_cancel(invoice=invoice, reason="Wrong amount")

    response = alice_client.post(reverse("dashboard:risk_call", args=[invoice.pk]), follow=True)

    assert "Invoice A-4 is cancelled, so no call was added." in response.content.decode()
    assert _risk_tasks(org_alfa) == []


def test_risk_page_before_any_model_says_no_forecast(alice_client, org_alfa, make_invoice):
    make_invoice(org_alfa, number="N-1", total="500.00")

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert "No invoice is at risk right now." not in page
    assert "No forecast has been made yet, because no forecast model exists for this organisation." in page
    assert "manage.py forecast_train --organization alfa --pooled" in page


def test_risks_unscored_says_when(alice_client, org_alfa, trained_outcome):
    pooled_model_register(outcome=trained_outcome, organizations=1)
    _in_dutch(alice_client)

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert "Er is nog geen voorspelling gemaakt." in page
    assert "vanaf 5:00 uur" in page
    assert "manage.py forecast_train --organization alfa</code>" in page


def test_risk_page_with_forecasts_and_no_risk(alice_client, org_alfa, scored_alfa):
    with tenant_context(org_alfa):
        InvoiceForecast.objects.update(risk_amount=Decimal("0.00"))

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert "No invoice is at risk right now." in page
    assert "No forecast has been made yet" not in page


def test_charts_without_forecast_show_message(alice_client, org_alfa, make_invoice):
    make_invoice(org_alfa, number="N-2", total="500.00")

    for name in ("dashboard:home", "dashboard:forecasts"):
        page = alice_client.get(reverse(name)).content.decode()
        assert 'id="no-forecast"' in page, name
        assert 'id="cash-in-chart"' not in page, name
        assert 'id="cash-in-data"' not in page, name
        assert 'id="on-time-chart"' not in page, name
        assert "No invoice due in these months has a forecast or a final outcome yet." in page, name


def test_invoice_page_names_model_in_dutch(alice_client, scored_alfa):
    _in_dutch(alice_client)

    page = alice_client.get(reverse("dashboard:invoice", args=[scored_alfa["not_due"].pk])).content.decode()

    assert "door het gedeelde model van alle organisaties, versie 1." in page
    assert "pooled v1" not in page


def test_invoice_page_uses_one_date_format(alice_client, org_alfa, scored_alfa):
    invoice = scored_alfa["not_due"]
    with tenant_context(org_alfa):
        payment_register(organization=org_alfa, amount=Decimal("100.00"), payment_date=dt.date(2025, 10, 14),
                         invoice=invoice)

    page = alice_client.get(reverse("dashboard:invoice", args=[invoice.pk])).content.decode()

    assert "Forecast of 15 October 2025 by the pooled model of all organisations, version 1." in page
    assert "<td>14 October 2025</td>" in page
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", page) is None


def test_call_reason_shows_in_the_viewer_language(alice_client, bob_client, org_alfa, scored_alfa):
    alice_client.post(reverse("dashboard:risk_call", args=[scored_alfa["not_due"].pk]))
    _in_dutch(bob_client)

    dutch = bob_client.get(reverse("dashboard:calls")).content.decode()
    english = alice_client.get(reverse("dashboard:calls")).content.decode()

    assert "Risico op late betaling van factuur A-5: De debiteur betwist deze factuur." in dutch
    assert "Risk of late payment" not in dutch
    assert "Risk of late payment of invoice A-5: The debtor disputes this invoice." in english


def test_call_button_says_bellen_in_dutch(alice_client, scored_alfa):
    _in_dutch(alice_client)

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    assert '<button type="submit" class="call-button">Bellen</button>' in page


def test_risk_row_without_phone_offers_no_call(alice_client, org_alfa, scored_alfa):
    debtor = scored_alfa["debtor"]
    with tenant_context(org_alfa):
        Debtor.objects.filter(pk=debtor.pk).update(phone="")

    page = alice_client.get(reverse("dashboard:risks")).content.decode()

    row = re.search(r'<tr class="risk-alert" data-invoice="A-5">(.*?)</tr>', page, re.S).group(1)
    assert "No phone number on file" in row
    assert reverse("dashboard:debtor_contact", args=[debtor.pk]) in row
    assert reverse("dashboard:risk_call", args=[scored_alfa["not_due"].pk]) not in row


def test_menu_has_forecasts_next_to_risks(alice_client):
    _in_dutch(alice_client)

    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    risks = links.index((reverse("dashboard:risks"), "", "Risico's"))
    assert links[risks + 1] == (reverse("dashboard:forecasts"), ' aria-current="page"', "Voorspellingen")
