"""Forecast pages of the dashboard: risk alerts with the Call button, invoice forecast, debtor trend, charts."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dunning.models import PhoneTask, PhoneTaskSource, PhoneTaskStatus
from forecasting.services import forecast_score
from invoices.services import payment_register
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
        # Allocated now, after the month end, so the invoice was still fully open at the month end.
        payment_register(organization=org_alfa, amount=Decimal("121.09"), payment_date=month_end, invoice=invoice)

    page = alice_client.get(reverse("dashboard:forecasts")).content.decode()

    assert 'id="aging-chart"' in page
    aging = json.loads(re.search(r'id="aging-data"[^>]*>(.*?)</script>', page).group(1))
    assert len(aging["labels"]) == 12
    assert aging["labels"][-1] == month_end.isoformat()
    assert [bucket["key"] for bucket in aging["buckets"]] == [
        "not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"
    ]
    assert aging["buckets"][1]["data"][-1] == 321.09  # 10 days past due
    assert sum(bucket["data"][-1] for bucket in aging["buckets"]) == 321.09
    row = re.search(rf'<tr data-month-end="{month_end.isoformat()}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'data-amount="([^"]+)"', row) == ["0.00", "321.09", "0.00", "0.00", "0.00", "321.09"]


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
