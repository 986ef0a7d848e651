"""Reads of the credit controller's dashboard: KPIs, aging, worklists.

Every function takes the organisation and, where dates matter, ``today`` in
the organisation's time zone (``payt.dates.local_today``), so tests can fix
the date without patching the clock.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Max, Q, QuerySet, Sum, When
from django.utils.translation import gettext_lazy as _

from debtors.models import Debtor, TimelineEvent
from invoices.models import DocumentKind, Invoice
from invoices.selectors import receivable_invoices, status_condition
from payt.models import Membership, Organization
from payt.money import CENT, ZERO
from portal.models import Question, QuestionStatus

DSO_PERIOD_DAYS = 90
PRIMARY_CURRENCY = "EUR"
TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class AgingBucket:
    """Range of days past due, inclusive; ``None`` leaves that side open."""

    key: str
    label: str
    min_days: int | None
    max_days: int | None

    def due_date_condition(self, today: dt.date) -> Q:
        """Return the filter on ``due_date`` for invoices in this bucket on ``today``."""
        condition = Q()
        if self.min_days is not None:
            condition &= Q(due_date__lte=today - dt.timedelta(days=self.min_days))
        if self.max_days is not None:
            condition &= Q(due_date__gte=today - dt.timedelta(days=self.max_days))
        return condition


# Days past due is today minus the due date, so "not yet due" includes the due date itself.
AGING_BUCKETS = (
    AgingBucket("not_due", _("Not yet due"), None, 0),
    AgingBucket("days_1_30", _("1–30 days"), 1, 30),
    AgingBucket("days_31_60", _("31–60 days"), 31, 60),
    AgingBucket("days_61_90", _("61–90 days"), 61, 90),
    AgingBucket("over_90", _("Over 90 days"), 91, None),
)


@dataclass
class CurrencySummary:
    """Receivable KPIs of one currency; amounts are open amounts, not invoice totals."""

    currency: str
    open_amount: Decimal = ZERO
    open_count: int = 0
    overdue_amount: Decimal = ZERO
    overdue_count: int = 0
    invoiced_in_period: Decimal = ZERO
    bucket_amounts: dict[str, Decimal] = field(default_factory=dict)
    bucket_counts: dict[str, int] = field(default_factory=dict)

    @property
    def dso(self) -> Decimal | None:
        return days_sales_outstanding(self.open_amount, self.invoiced_in_period)

    @property
    def buckets(self) -> list[tuple[AgingBucket, Decimal, int]]:
        """The aging buckets in display order with their amount and invoice count."""
        return [
            (
                bucket,
                self.bucket_amounts.get(bucket.key, ZERO),
                self.bucket_counts.get(bucket.key, 0),
            )
            for bucket in AGING_BUCKETS
        ]


def days_sales_outstanding(
    open_receivables: Decimal, invoiced_in_period: Decimal, period_days: int = DSO_PERIOD_DAYS
) -> Decimal | None:
    """Return DSO = open receivables ÷ amount invoiced in the period × period days.

    Rounded half up to two decimals; ``None`` when nothing was invoiced in the
    period, because the ratio has no meaning then.
    """
    if invoiced_in_period <= 0:
        return None
    return (open_receivables * period_days / invoiced_in_period).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def currency_sort_key(currency: str) -> tuple[bool, str]:
    """Sort EUR first, then the other currencies alphabetically."""
    return (currency != PRIMARY_CURRENCY, currency)


def receivables_summary(organization: Organization, today: dt.date) -> list[CurrencySummary]:
    """Return open, overdue, aging and DSO figures per currency, EUR first, in one query.

    Receivables are invoices (not credit documents) with an open amount above
    zero, disputed ones included. Overdue means the due date lies before
    ``today``. The DSO period is the ``DSO_PERIOD_DAYS`` days that end with
    ``today``, and it counts the totals of invoices issued in it.
    """
    period_start = today - dt.timedelta(days=DSO_PERIOD_DAYS - 1)
    open_filter = Q(open_amount__gt=0, cancelled_at__isnull=True)
    overdue_filter = open_filter & Q(due_date__lt=today)
    period_filter = Q(issue_date__gte=period_start, issue_date__lte=today)

    aggregates = {
        "sum_open": Sum("open_amount", filter=open_filter),
        "count_open": Count("id", filter=open_filter),
        "sum_overdue": Sum("open_amount", filter=overdue_filter),
        "count_overdue": Count("id", filter=overdue_filter),
        "sum_invoiced": Sum("total_amount", filter=period_filter),
    }
    for bucket in AGING_BUCKETS:
        bucket_filter = open_filter & bucket.due_date_condition(today)
        aggregates[f"sum_{bucket.key}"] = Sum("open_amount", filter=bucket_filter)
        aggregates[f"count_{bucket.key}"] = Count("id", filter=bucket_filter)

    rows = (
        Invoice.objects.for_organization(organization)
        .filter(kind=DocumentKind.INVOICE, total_amount__gt=0)
        .filter(open_filter | period_filter)
        .values("currency")
        .annotate(**aggregates)
        .order_by()
    )
    summaries = [_summary_from_row(row) for row in rows]
    return sorted(summaries, key=lambda summary: currency_sort_key(summary.currency))


def _summary_from_row(row: dict) -> CurrencySummary:
    return CurrencySummary(
        currency=row["currency"],
        open_amount=row["sum_open"] or ZERO,
        open_count=row["count_open"],
        overdue_amount=row["sum_overdue"] or ZERO,
        overdue_count=row["count_overdue"],
        invoiced_in_period=row["sum_invoiced"] or ZERO,
        bucket_amounts={
            bucket.key: row[f"sum_{bucket.key}"] or ZERO for bucket in AGING_BUCKETS
        },
        bucket_counts={bucket.key: row[f"count_{bucket.key}"] for bucket in AGING_BUCKETS},
    )


def top_overdue_debtors(organization: Organization, today: dt.date, limit: int = 5) -> list[dict]:
    """Return the debtors with the largest overdue open amount, EUR first.

    Amounts in different currencies cannot be compared, so the rows are
    sorted by currency (EUR first), then by amount. Each row has
    ``debtor_id``, ``debtor__name``, ``currency``, ``amount`` and ``count``.
    """
    overdue = receivable_invoices(Invoice.objects.for_organization(organization)).filter(
        due_date__lt=today
    )
    rows = (
        overdue.values("debtor_id", "debtor__name", "currency")
        .annotate(
            amount=Sum("open_amount"),
            count=Count("id"),
            other_currency=Case(When(currency=PRIMARY_CURRENCY, then=0), default=1),
        )
        .order_by("other_currency", "currency", "-amount", "debtor__name")
    )
    return list(rows[:limit])


def open_question_count(organization: Organization) -> int:
    return (
        Question.objects.for_organization(organization).filter(status=QuestionStatus.OPEN).count()
    )


def invoice_list(
    organization: Organization,
    today: dt.date,
    *,
    status: str = "",
    debtor: Debtor | None = None,
    number: str = "",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
) -> QuerySet[Invoice]:
    """Return the organisation's invoices and credit notes matching the filters, newest first.

    ``status`` is one of ``invoices.models.InvoiceStatus`` as
    ``invoices.selectors.invoice_status`` computes it on ``today``; an empty
    value or an empty filter matches everything.
    """
    invoices = Invoice.objects.for_organization(organization).select_related("debtor")
    if status:
        invoices = invoices.filter(status_condition(status, today))
    if debtor is not None:
        invoices = invoices.filter(debtor=debtor)
    if number:
        invoices = invoices.filter(number__icontains=number)
    if due_from is not None:
        invoices = invoices.filter(due_date__gte=due_from)
    if due_to is not None:
        invoices = invoices.filter(due_date__lte=due_to)
    return invoices.order_by("-issue_date", "number", "id")


def debtor_list(
    organization: Organization, today: dt.date, *, search: str = ""
) -> QuerySet[Debtor]:
    """Return debtors annotated with ``open_count``, ``overdue_count`` and ``oldest_due``.

    Amounts differ per currency, so they come from ``open_amounts_by_debtor``
    for the debtors of one page.
    """
    receivable = Q(
        invoices__kind=DocumentKind.INVOICE,
        invoices__total_amount__gt=0,
        invoices__open_amount__gt=0,
        invoices__cancelled_at__isnull=True,
    )
    debtors = Debtor.objects.for_organization(organization)
    if search:
        debtors = debtors.filter(name__icontains=search)
    return debtors.annotate(
        open_count=Count("invoices", filter=receivable),
        overdue_count=Count("invoices", filter=receivable & Q(invoices__due_date__lt=today)),
        oldest_due=Max("invoices__due_date", filter=receivable & Q(invoices__due_date__lt=today)),
    ).order_by("name", "id")


def open_amounts_by_debtor(
    organization: Organization, debtor_ids: list, today: dt.date
) -> dict[object, list[dict]]:
    """Return, per debtor id, a list of ``{"currency", "open", "overdue"}`` rows, EUR first."""
    rows = (
        receivable_invoices(Invoice.objects.for_organization(organization))
        .filter(debtor_id__in=debtor_ids)
        .values("debtor_id", "currency")
        .annotate(open=Sum("open_amount"), overdue=Sum("open_amount", filter=Q(due_date__lt=today)))
        .order_by()
    )
    amounts: dict[object, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: currency_sort_key(row["currency"])):
        amounts[row["debtor_id"]].append(
            {"currency": row["currency"], "open": row["open"], "overdue": row["overdue"] or ZERO}
        )
    return amounts


def debtor_open_invoices(organization: Organization, debtor: Debtor) -> QuerySet[Invoice]:
    """Return the debtor's invoices that still ask for money, oldest due date first."""
    invoices = Invoice.objects.for_organization(organization).filter(debtor=debtor)
    return receivable_invoices(invoices).order_by("due_date", "number")


def debtor_timeline(
    organization: Organization, debtor: Debtor, limit: int = TIMELINE_LIMIT
) -> list[TimelineEvent]:
    """Return the debtor's newest timeline events, newest first."""
    events = (
        TimelineEvent.objects.for_organization(organization)
        .filter(debtor=debtor)
        .select_related("invoice")
        .order_by("-occurred_at", "-id")
    )
    return list(events[:limit])


def questions_waiting(organization: Organization) -> QuerySet[Question]:
    """Return the questions that wait for an answer, oldest first."""
    return (
        Question.objects.for_organization(organization)
        .filter(status=QuestionStatus.OPEN)
        .select_related("debtor", "invoice")
        .order_by("created_at", "id")
    )


def questions_answered(organization: Organization, limit: int = 20) -> list[Question]:
    """Return the most recently answered questions, newest first."""
    answered = (
        Question.objects.for_organization(organization)
        .filter(status=QuestionStatus.ANSWERED)
        .select_related("debtor", "invoice", "answered_by")
        .order_by("-answered_at", "-id")
    )
    return list(answered[:limit])


def organization_memberships(organization: Organization) -> QuerySet[Membership]:
    """Return the organisation's members with their users, by e-mail."""
    return (
        Membership.objects.for_organization(organization)
        .select_related("user")
        .order_by("user__username")
    )


def is_member(organization: Organization, email: str) -> bool:
    """Return True when the user with this e-mail (the username) is a member of the organisation."""
    return Membership.objects.for_organization(organization).filter(user__username=email).exists()
