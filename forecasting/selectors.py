"""Reads of forecasting for the dashboard: invoice forecasts, portfolio figures, risk alerts, registry.

Every function takes the organisation and reads only its rows. Dates are
calendar dates in the organisation's time zone; amounts are Decimal in the
invoices' currency. A function that sums amounts takes the currency to sum
and never adds different currencies. Texts (reasons, advice) come in the
active language.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from debtors.models import Debtor
from forecasting.alerts import RISK_MIN_PROBABILITY, call_advice, reason_text
from forecasting.models import InvoiceForecast, ModelStatus, PooledModel, TrainedModel
from forecasting.portfolio import on_time_share, weekly_cash_in
from forecasting.services import MIN_PAID_INVOICES
from invoices.models import Allocation, DocumentKind, Invoice, SettlementStatus
from invoices.selectors import receivable_invoices
from payt.dates import local_today
from payt.models import Organization
from payt.money import ZERO, to_money

SEGMENTS = ("kind", "country")


@dataclass(frozen=True)
class InvoiceForecastView:
    """Forecast of one open invoice: "with 90% certainty paid between ``lower_date`` and ``upper_date``".

    ``p_on_time`` is the calibrated chance of payment on or before the due date
    (0 once the due date has passed unpaid). ``cold_start`` marks a debtor
    without paid invoices, whose interval is wider. ``beyond_history`` marks an
    invoice overdue longer than the model's history covers, whose dates are no
    reliable forecast. ``reasons`` are the plain words behind the risk, strongest first.
    """

    invoice_id: object
    expected_date: dt.date
    lower_date: dt.date
    upper_date: dt.date
    p_on_time: float
    cold_start: bool
    beyond_history: bool
    scored_on: dt.date
    model_label: str
    reasons: list[str]
    risk_amount: Decimal


def _view(forecast: InvoiceForecast) -> InvoiceForecastView:
    return InvoiceForecastView(
        invoice_id=forecast.invoice_id,
        expected_date=forecast.expected_date,
        lower_date=forecast.lower_date,
        upper_date=forecast.upper_date,
        p_on_time=forecast.p_on_time,
        cold_start=forecast.cold_start,
        beyond_history=forecast.beyond_history,
        scored_on=forecast.scored_on,
        model_label=model_description(forecast.model_label),
        reasons=[reason_text(reason) for reason in forecast.reasons],
        risk_amount=forecast.risk_amount,
    )


def model_description(label: str) -> str:
    """Return a stored model label such as "own v3" or "pooled v2" as words in the active language."""
    kind, _space, version = label.partition(" v")
    if kind == "own":
        return gettext("the organisation's own model, version %(version)s") % {"version": version}
    if kind == "pooled":
        return gettext("the pooled model of all organisations, version %(version)s") % {"version": version}
    return label


def open_invoice_forecasts(organization: Organization):
    """Return the forecasts of the organisation's invoices that are still open.

    Open means what ``receivable_invoices`` means: an invoice, not cancelled,
    with an amount left to pay. The invoice is checked as it is now, so a
    forecast disappears when the invoice is paid, before the next scoring
    marks the row closed.
    """
    return InvoiceForecast.objects.for_organization(organization).filter(
        closed_on__isnull=True,
        invoice__kind=DocumentKind.INVOICE,
        invoice__total_amount__gt=0,
        invoice__open_amount__gt=0,
        invoice__cancelled_at__isnull=True,
    )


def invoice_forecast(organization: Organization, invoice_id) -> InvoiceForecastView | None:
    """Return the latest forecast of one open invoice of the organisation, or None if it has none."""
    forecast = open_invoice_forecasts(organization).filter(invoice_id=invoice_id).first()
    return _view(forecast) if forecast else None


def invoice_forecasts(organization: Organization, invoice_ids) -> dict:
    """Return {invoice id: InvoiceForecastView} for the open invoices that have a forecast (one query)."""
    forecasts = open_invoice_forecasts(organization).filter(invoice_id__in=list(invoice_ids))
    return {forecast.invoice_id: _view(forecast) for forecast in forecasts}


@dataclass(frozen=True)
class ForecastState:
    """Whether the organisation has forecasts yet, and if not, why, for the empty states of the pages.

    ``model`` is the model that scores the organisation (its own, else the
    pooled one), None when neither is trained. ``open_forecasts`` counts the
    open invoices with a forecast. ``start_hour`` is the local hour from which
    the daily scoring runs. The organisation trains its own model from
    ``min_paid_invoices`` paid invoices on.
    """

    model: object
    open_forecasts: int
    start_hour: int
    min_paid_invoices: int
    slug: str

    @property
    def has_forecasts(self) -> bool:
        return self.open_forecasts > 0


def forecast_state(organization: Organization) -> ForecastState:
    """Return whether the organisation's open invoices have forecasts, and which model would make them."""
    return ForecastState(
        model=scoring_model(organization),
        open_forecasts=open_invoice_forecasts(organization).count(),
        start_hour=settings.FORECAST_LOCAL_START_HOUR,
        min_paid_invoices=MIN_PAID_INVOICES,
        slug=organization.slug,
    )


def scoring_model(organization: Organization) -> TrainedModel | PooledModel | None:
    """Return the model that scores the organisation, without its artifact: its own promoted model,
    else the promoted pooled model, else None (as forecasting.services.current_model chooses)."""
    own = TrainedModel.objects.for_organization(organization).filter(status=ModelStatus.PROMOTED).defer("artifact")
    pooled = PooledModel.objects.filter(status=ModelStatus.PROMOTED).defer("artifact")
    return own.first() or pooled.first()


@dataclass(frozen=True)
class RiskyInvoice:
    """An open invoice worth a call: low chance of paying in time and an amount that matters."""

    invoice: Invoice
    forecast: InvoiceForecastView
    # Chance of missing the due date, or for an overdue invoice of staying unpaid 14 more days.
    risk_probability: float
    reasons: list[str]
    advice: str


def risky_invoices(
    organization: Organization,
    *,
    min_amount: Decimal | None = None,
    min_probability: float = RISK_MIN_PROBABILITY,
    limit: int = 50,
) -> list[RiskyInvoice]:
    """Return open invoices whose risk is at least ``min_probability`` and open amount at least
    ``min_amount``, largest amount at risk (open amount times risk) first.

    Without ``min_amount`` an amount matters from the median open amount of the
    organisation's open invoices on, so the alerts follow the size of its business.
    """
    if min_amount is None:
        min_amount = _median_open_amount(organization)
    forecasts = (
        open_invoice_forecasts(organization)
        .filter(invoice__open_amount__gte=min_amount, invoice__settlement_status__in=_open_statuses())
        .select_related("invoice__debtor")
        .order_by("-risk_amount", "invoice__due_date")
    )
    result = []
    for forecast in forecasts.iterator(chunk_size=500):
        probability = float(forecast.risk_amount / forecast.invoice.open_amount) if forecast.invoice.open_amount else 0
        if probability + 1e-4 < min_probability:
            continue
        view = _view(forecast)
        result.append(RiskyInvoice(forecast.invoice, view, round(probability, 4), view.reasons, call_advice()))
        if len(result) >= limit:
            break
    return result


def _median_open_amount(organization: Organization) -> Decimal:
    amounts = sorted(receivable_invoices(Invoice.objects.for_organization(organization)).values_list(
        "open_amount", flat=True))
    return amounts[len(amounts) // 2] if amounts else Decimal(0)


def _open_statuses() -> list[str]:
    return [SettlementStatus.OPEN, SettlementStatus.PARTIALLY_PAID]


@dataclass(frozen=True)
class OnTimeShare:
    """Share of the invoices due in ``month`` paid on or before their due date, per segment.

    ``expected``, ``lower`` and ``upper`` (90% band) count settled outcomes as
    they are and forecast the rest; ``forecast`` is the mean of the first
    forecasts made by the due date (None when there are none); ``actual`` is
    set once every invoice of the month has an outcome (paid, or unpaid past
    its due date).
    """

    month: dt.date
    segment: str
    invoices: int
    expected: float
    lower: float
    upper: float
    forecast: float | None
    actual: float | None


def _settled_dates(organization: Organization, invoice_ids) -> dict:
    rows = (
        Allocation.objects.for_organization(organization)
        .filter(invoice_id__in=invoice_ids, payment__isnull=False)
        .values("invoice_id")
        .annotate(last=Max("payment__payment_date"))
    )
    return {row["invoice_id"]: row["last"] for row in rows}


def _month_start(value: dt.date, months: int = 0) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def on_time_share_by_month(
    organization: Organization,
    *,
    months_back: int = 6,
    months_ahead: int = 3,
    segment: str | None = None,
    today: dt.date | None = None,
) -> list[OnTimeShare]:
    """Return the on-time share per due month (and per segment: "kind" or "country"), oldest first."""
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(f"segment {segment!r} is invalid; use one of {', '.join(SEGMENTS)} or None")
    today = today or local_today(organization)
    first, end = _month_start(today, -months_back), _month_start(today, months_ahead + 1)
    invoices = list(
        Invoice.objects.for_organization(organization)
        .filter(kind=DocumentKind.INVOICE, total_amount__gt=0, due_date__gte=first, due_date__lt=end)
        .exclude(settlement_status=SettlementStatus.CREDITED)
        .values_list("id", "due_date", "settlement_status", "debtor__kind", "debtor__country")
    )
    ids = [row[0] for row in invoices]
    settled = _settled_dates(organization, ids)
    forecast_rows = (
        InvoiceForecast.objects.for_organization(organization)
        .filter(invoice_id__in=ids)
        .values_list("invoice_id", "p_on_time", "first_p_on_time", "first_scored_on")
    )
    forecasts = {row[0]: row[1:] for row in forecast_rows}
    groups = defaultdict(list)
    for invoice_id, due, status, kind, country in invoices:
        label = {"kind": kind, "country": country or organization.country}.get(segment, "all")
        groups[(_month_start(due), label)].append((invoice_id, due, status))
    return [
        _share_row(month, label, rows, settled, forecasts, today)
        for (month, label), rows in sorted(groups.items())
    ]


def _share_row(month, label, rows, settled, forecasts, today) -> OnTimeShare:
    known, probabilities, first = [], [], []
    for invoice_id, due, status in rows:
        paid_on = settled.get(invoice_id) if status == SettlementStatus.PAID else None
        forecast = forecasts.get(invoice_id)
        # Only a first forecast made by the due date forecast the on-time payment.
        if forecast is not None and forecast[2] <= due:
            first.append(forecast[1])
        if paid_on is not None:
            known.append(1.0 if paid_on <= due else 0.0)
        elif due < today:
            known.append(0.0)
        else:
            # TODO: an open invoice without a forecast (scored never, or before any model) counts
            # as a coin toss; the nightly scoring leaves few of them.
            probabilities.append(forecast[0] if forecast is not None else 0.5)
    expected, lower, upper = on_time_share(np.array(known), np.array(probabilities))
    return OnTimeShare(
        month=month,
        segment=label,
        invoices=len(rows),
        expected=expected,
        lower=lower,
        upper=upper,
        forecast=float(np.mean(first)) if first else None,
        actual=expected if not probabilities else None,
    )


@dataclass(frozen=True)
class CashInWeek:
    """Expected cash in during one week (Monday ``week_start`` to Sunday), with its 90% band."""

    week_start: dt.date
    expected: Decimal
    lower: Decimal
    upper: Decimal


@dataclass(frozen=True)
class CashInForecast:
    """Expected cash in per week in one currency, and the open invoices in other currencies it leaves out.

    ``other_currencies`` maps each other currency to its number of open
    invoices, so a page can state what the chart leaves out.
    """

    currency: str
    weeks: list[CashInWeek]
    other_currencies: dict[str, int]

    @property
    def other_invoices(self) -> int:
        """Number of open invoices in other currencies, all left out of ``weeks``."""
        return sum(self.other_currencies.values())


def cash_in_forecast(
    organization: Organization, *, currency: str, weeks: int = 13, today: dt.date | None = None
) -> CashInForecast:
    """Return the expected cash in ``currency`` per week for the next ``weeks`` weeks, from this week's Monday.

    Each open invoice in ``currency`` with a forecast adds its open amount
    spread over the weeks by its forecast distribution (see
    forecasting.portfolio.payment_cdf). Amounts of different currencies are
    never added: open invoices in other currencies are only counted.
    Invoices overdue longer than the model's history covers have no reliable
    forecast and are left out.
    """
    today = today or local_today(organization)
    monday = today - dt.timedelta(days=today.weekday())
    rows, other_currencies = _cash_in_rows(organization, currency)

    def days(index: int) -> np.ndarray:
        return np.array([(row[index] - monday).days for row in rows], dtype=np.float64)

    amounts = np.array([float(row[0]) for row in rows])
    lower = np.maximum(days(1), 0.0) if rows else np.zeros(0)
    median = np.maximum(days(2), lower) if rows else np.zeros(0)
    upper = np.maximum(days(3), median) if rows else np.zeros(0)
    weekly = weekly_cash_in(amounts, lower, median, upper, weeks)
    cash_weeks = [
        CashInWeek(
            week_start=monday + dt.timedelta(weeks=week),
            expected=to_money(f"{expected:.2f}"),
            lower=to_money(f"{low:.2f}"),
            upper=to_money(f"{high:.2f}"),
        )
        for week, (expected, low, high) in enumerate(weekly)
    ]
    return CashInForecast(currency=currency, weeks=cash_weeks, other_currencies=other_currencies)


def _cash_in_rows(organization: Organization, currency: str) -> tuple[list[tuple], dict[str, int]]:
    """Return the (open amount, lower, expected, upper date) of the forecast open invoices in ``currency``,
    and the number of open invoices per other currency, in one query.
    """
    open_invoices = receivable_invoices(Invoice.objects.for_organization(organization)).values_list(
        "currency",
        "open_amount",
        "forecast__lower_date",
        "forecast__expected_date",
        "forecast__upper_date",
        "forecast__closed_on",
        "forecast__beyond_history",
    )
    rows = []
    other_currencies = defaultdict(int)
    for invoice_currency, *row, closed_on, beyond_history in open_invoices:
        if invoice_currency != currency:
            other_currencies[invoice_currency] += 1
        elif row[1] is not None and closed_on is None and not beyond_history:
            rows.append(tuple(row))
    return rows, dict(sorted(other_currencies.items()))


@dataclass(frozen=True)
class TrendPoint:
    """One month of a debtor's payments: mean days late of the invoices paid that month."""

    month: dt.date
    paid_invoices: int
    mean_days_late: float


def debtor_payment_trend(organization: Organization, debtor_id, *, months: int = 12, today=None) -> list[TrendPoint]:
    """Return the debtor's mean days late per month of payment for the last ``months`` months, oldest first."""
    today = today or local_today(organization)
    debtor = Debtor.objects.for_organization(organization).get(pk=debtor_id)
    first = _month_start(today, -months + 1)
    paid = list(
        Invoice.objects.for_organization(organization)
        .filter(debtor=debtor, kind=DocumentKind.INVOICE, settlement_status=SettlementStatus.PAID)
        .values_list("id", "due_date")
    )
    settled = _settled_dates(organization, [row[0] for row in paid])
    by_month = defaultdict(list)
    for invoice_id, due in paid:
        paid_on = settled.get(invoice_id)
        if paid_on is not None and paid_on >= first:
            by_month[_month_start(paid_on)].append((paid_on - due).days)
    return [TrendPoint(month, len(days), float(np.mean(days))) for month, days in sorted(by_month.items())]


# Aging buckets by days past due at a month end: (key, first day, last day); None is open-ended.
# The keys and ranges are those of the dashboard's aging table, which labels them.
AGING_BUCKETS = (
    ("not_due", None, 0),
    ("days_1_30", 1, 30),
    ("days_31_60", 31, 60),
    ("days_61_90", 61, 90),
    ("over_90", 91, None),
)


@dataclass(frozen=True)
class AgingMonth:
    """Open receivables at the end of one month, per aging bucket key of ``AGING_BUCKETS``."""

    month_end: dt.date
    buckets: dict[str, Decimal]


def aging_bucket(days_past_due: int) -> str:
    """Return the key of the aging bucket of an invoice ``days_past_due`` days after its due date."""
    for key, _first, last in AGING_BUCKETS:
        if last is None or days_past_due <= last:
            return key
    raise AssertionError("the last aging bucket is open-ended")


def receivables_aging(
    organization: Organization, *, currency: str, months: int = 12, today: dt.date | None = None
) -> list[AgingMonth]:
    """Return the open receivables in ``currency`` at each of the last ``months`` month ends before ``today``.

    The months come oldest first. The amounts are rebuilt from the records
    rather than read from today's balances. An invoice counts from its issue
    date until its cancellation (in the organisation's time zone). Its open
    amount at a month end is its total less the allocations dated on or
    before that day. An allocation is dated by its source, not by when it was
    recorded: a payment's allocation by the payment date, and a credit note's
    by the credit note's issue date. So a payment received in May but
    imported or allocated in July counts as paid at the end of May. A source
    dated before the invoice's issue date counts from the issue date, the
    first month end at which the invoice counts at all. Allocations to
    collection costs or interest leave the principal open, so they are left out.
    """
    today = today or local_today(organization)
    month_ends = [_month_start(today, -offset) - dt.timedelta(days=1) for offset in range(months - 1, -1, -1)]
    # The first instant of the day after each month end, in the organisation's time zone.
    boundaries = [
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=organization.zone) for end in month_ends
    ]
    invoices = _aging_invoices(organization, currency, month_ends[0], month_ends[-1], boundaries[0])
    allocated = _allocations_by_date(organization, [row[0] for row in invoices])

    result = []
    for month_end, boundary in zip(month_ends, boundaries, strict=True):
        buckets = {key: ZERO for key, _first, _last in AGING_BUCKETS}
        for invoice_id, issue_date, due_date, total, cancelled_at in invoices:
            if issue_date > month_end or (cancelled_at is not None and cancelled_at < boundary):
                continue
            paid = sum((amount for dated, amount in allocated[invoice_id] if dated <= month_end), ZERO)
            if total - paid > 0:
                buckets[aging_bucket((month_end - due_date).days)] += total - paid
        result.append(AgingMonth(month_end=month_end, buckets=buckets))
    return result


def _aging_invoices(organization, currency, first_month_end, last_month_end, first_boundary) -> list[tuple]:
    """Return (id, issue date, due date, total, cancelled at) of the invoices that can be open at a month end.

    An invoice with nothing open today is kept only if a source of its
    allocations is dated after the first month end, so it was open at one
    month end or more.
    """
    return list(
        Invoice.objects.for_organization(organization)
        .filter(kind=DocumentKind.INVOICE, currency=currency, total_amount__gt=0, issue_date__lte=last_month_end)
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=first_boundary))
        .annotate(last_paid_on=Max(Coalesce("allocations__payment__payment_date",
                                            "allocations__credit_document__issue_date")))
        .filter(Q(open_amount__gt=0) | Q(last_paid_on__gt=first_month_end))
        .values_list("id", "issue_date", "due_date", "total_amount", "cancelled_at")
    )


def _allocations_by_date(organization: Organization, invoice_ids: list) -> dict[object, list]:
    """Return {invoice id: [(source date, amount)]} of the principal allocations to the invoices."""
    allocations = (
        Allocation.objects.for_organization(organization)
        .filter(invoice_id__in=invoice_ids, charge__isnull=True)
        # An allocation has either a payment or a credit note, never both (allocation_one_source).
        .annotate(dated=Coalesce("payment__payment_date", "credit_document__issue_date"))
        .values_list("invoice_id", "dated", "amount")
    )
    allocated = defaultdict(list)
    for invoice_id, dated, amount in allocations:
        allocated[invoice_id].append((dated, amount))
    return allocated


def model_registry(organization: Organization) -> list:
    """Return the organisation's trained models, newest first, and the promoted pooled model if any."""
    own = list(TrainedModel.objects.for_organization(organization).defer("artifact"))
    pooled = PooledModel.objects.filter(status=ModelStatus.PROMOTED).defer("artifact").first()
    return own + ([pooled] if pooled else [])


def open_invoices_without_forecast(organization: Organization) -> int:
    """Return how many open invoices have no forecast yet (new since the last scoring)."""
    return receivable_invoices(Invoice.objects.for_organization(organization)).filter(forecast__isnull=True).count()
