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
from forecasting.selectors import (
    cash_in_forecast,
    forecast_state,
    on_time_share_by_month,
    open_invoice_forecasts,
    receivables_aging,
    risky_invoices,
)
from forecasting.services import InvoiceNotOpen, risk_call_create
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
    context = {"rows": rows, "forecast_state": forecast_state(organization)}
    return render(request, "dashboard/forecasts/risks.html", context)


def _not_open_message(invoice, error: InvoiceNotOpen) -> str:
    if error.code == "credit_note":
        text = _("%(number)s is a credit note, so there is nothing to collect and no call was added.")
    elif error.code == "cancelled":
        text = _("Invoice %(number)s is cancelled, so no call was added.")
    else:
        text = _("Invoice %(number)s has nothing left to pay, so no call was added.")
    return text % {"number": invoice.number}


@dashboard_view
@require_POST
def risk_call(request, invoice_id):
    """Put a call about a risky open invoice on the call list. A second click reuses the open task.

    A credit note, a cancelled invoice or one paid since the page was loaded is rejected with a message.
    """
    organization = request.organization
    invoice = get_object_or_404(Invoice.objects.for_organization(organization).select_related("debtor"), pk=invoice_id)
    forecast = open_invoice_forecasts(organization).filter(invoice=invoice).first()
    try:
        risk_call_create(organization=organization, invoice=invoice, reasons=forecast.reasons if forecast else [])
    except InvoiceNotOpen as error:
        messages.error(request, _not_open_message(invoice, error))
        return redirect("dashboard:risks")

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


def forecast_chart_context(organization) -> dict:
    """Return the context of dashboard/forecasts/_charts.html: the charts and whether forecasts exist yet."""
    on_time = on_time_chart(organization)
    return {
        "forecast_state": forecast_state(organization),
        "cash_in": cash_in_chart(organization),
        "on_time": on_time,
        "on_time_has_bars": any(value is not None for value in on_time["forecast"] + on_time["actual"]),
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
        **forecast_chart_context(organization),
        "aging_table": aging.pop("table"),
        "aging": aging,
        "aging_buckets": AGING_BUCKETS,
    }
    return render(request, "dashboard/forecasts/charts.html", context)
