"""Forecast pages of the dashboard: risk alerts with a one-click call, and the forecast charts.

Invoices are looked up by UUID through the request's organisation, so another
tenant's UUID is a 404. Chart data goes to the page as JSON (``json_script``).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import dashboard_view
from dashboard.selectors import AGING_BUCKETS, PRIMARY_CURRENCY
from dunning.models import PhoneTask, PhoneTaskSource, PhoneTaskStatus
from dunning.phone import phone_task_create
from forecasting.selectors import (
    cash_in_forecast,
    invoice_forecast,
    on_time_share_by_month,
    receivables_aging,
    risky_invoices,
)
from invoices.models import Invoice


def _open_risk_calls(organization, invoice_ids) -> set:
    """Return the ids of the invoices that already have an open risk call on the call list."""
    return set(
        PhoneTask.objects.for_organization(organization)
        .filter(invoice_id__in=list(invoice_ids), source=PhoneTaskSource.RISK, status=PhoneTaskStatus.OPEN)
        .values_list("invoice_id", flat=True)
    )


@dashboard_view
def risk_list(request):
    organization = request.organization
    risks = risky_invoices(organization)
    called = _open_risk_calls(organization, [risk.invoice.pk for risk in risks])
    rows = [(risk, risk.invoice.pk in called) for risk in risks]
    return render(request, "dashboard/forecasts/risks.html", {"rows": rows})


def _call_reason(invoice, forecast) -> str:
    reasons = " ".join(forecast.reasons) if forecast else ""
    text = _("Risk of late payment of invoice %(number)s") % {"number": invoice.number}
    return f"{text}: {reasons}" if reasons else text


@dashboard_view
@require_POST
def risk_call(request, invoice_id):
    """Put a call about a risky invoice on the call list. A second click reuses the open task."""
    organization = request.organization
    invoice = get_object_or_404(Invoice.objects.for_organization(organization).select_related("debtor"), pk=invoice_id)
    forecast = invoice_forecast(organization, invoice.pk)
    phone_task_create(
        debtor=invoice.debtor,
        source=PhoneTaskSource.RISK,
        invoice=invoice,
        reason=_call_reason(invoice, forecast),
    )
    messages.success(request, _("A call to %(debtor)s about invoice %(number)s is on the call list.") % {
        "debtor": invoice.debtor.name, "number": invoice.number,
    })
    return redirect("dashboard:risks")


def cash_in_chart(organization) -> dict:
    """Return the expected cash in per week for the next 13 weeks in the primary currency, for a line chart.

    ``other_invoices`` and ``other_currencies`` name the open invoices in
    other currencies that the chart leaves out.
    """
    forecast = cash_in_forecast(organization, currency=PRIMARY_CURRENCY, weeks=13)
    return {
        "currency": forecast.currency,
        "labels": [week.week_start.isoformat() for week in forecast.weeks],
        "expected": [float(week.expected) for week in forecast.weeks],
        "lower": [float(week.lower) for week in forecast.weeks],
        "upper": [float(week.upper) for week in forecast.weeks],
        "other_invoices": forecast.other_invoices,
        "other_currencies": ", ".join(forecast.other_currencies),
    }


def on_time_chart(organization) -> dict:
    months = on_time_share_by_month(organization)
    return {
        "labels": [row.month.strftime("%Y-%m") for row in months],
        "forecast": [_percent(row.forecast) for row in months],
        "expected": [_percent(row.expected) for row in months],
        "actual": [_percent(row.actual) for row in months],
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def aging_chart(organization) -> dict:
    """Return the open receivables per aging bucket at the last 12 month ends, for a stacked bar chart.

    ``table`` carries the same amounts as text for the screen-reader table.
    """
    # NOTE: only invoices in the primary currency are shown. The dashboard's aging table lists the others.
    months = receivables_aging(organization, currency=PRIMARY_CURRENCY, months=12)
    series = []
    for bucket in AGING_BUCKETS:
        amounts = [float(month.buckets[bucket.key]) for month in months]
        series.append({"key": bucket.key, "label": str(bucket.label), "data": amounts})
    return {
        "currency": PRIMARY_CURRENCY,
        "labels": [month.month_end.isoformat() for month in months],
        "buckets": series,
        "table": [
            (month.month_end, [month.buckets[bucket.key] for bucket in AGING_BUCKETS], sum(month.buckets.values()))
            for month in months
        ],
    }


@dashboard_view
def forecast_charts(request):
    organization = request.organization
    aging = aging_chart(organization)
    context = {
        "cash_in": cash_in_chart(organization),
        "on_time": on_time_chart(organization),
        "aging_table": aging.pop("table"),
        "aging": aging,
        "aging_buckets": AGING_BUCKETS,
    }
    return render(request, "dashboard/forecasts/charts.html", context)
