"""Read an organisation's invoice history from the database, without personal data.

Only these columns are read: invoice amounts, dates, dispute dates and
status; payment dates; the debtor's id (hashed at once with the
organisation's secret), kind, country and whether it has an e-mail address;
the date and step position of each reminder sent; the dates and invoices of
promises to pay made in the portal or on a call. Names, e-mail addresses,
phone numbers, addresses, IBANs, references and free text (notes, promise
texts, call notes) are never selected.
"""

import secrets
from collections import defaultdict

import numpy as np
from django.db.models import BooleanField, Case, Max, Value, When

from debtors.models import Debtor
from dunning.models import ActionStatus, CallOutcome, DunningAction, PhoneTask
from dunning.phone import PROMISE_GRACE_DAYS as CALL_PROMISE_GRACE_DAYS
from forecasting.history import DEBTOR_KINDS, OPEN, InvoiceHistory, day_number, debtor_key
from forecasting.models import ForecastSecret
from invoices.models import Allocation, DocumentKind, Invoice, SettlementStatus
from payt.models import Organization
from portal.models import PaymentPromiseLine

SECRET_BYTES = 32


def organization_secret(organization: Organization) -> bytes:
    """Return the organisation's debtor-hash secret, creating it on first use."""
    secret, _ = ForecastSecret.objects.for_organization(organization).get_or_create(
        organization=organization, defaults={"secret": secrets.token_bytes(SECRET_BYTES)}
    )
    return bytes(secret.secret)


def _settled_days(organization: Organization) -> dict:
    """Return {invoice id: day number of the last payment} for invoices paid in full."""
    allocations = (
        Allocation.objects.for_organization(organization)
        .filter(payment__isnull=False, invoice__settlement_status=SettlementStatus.PAID)
        .values("invoice_id")
        .annotate(last=Max("payment__payment_date"))
    )
    return {row["invoice_id"]: day_number(row["last"]) for row in allocations}


def history_from_database(organization: Organization) -> InvoiceHistory:
    """Return the organisation's invoices (not credit notes or credited invoices) as a history."""
    secret = organization_secret(organization)
    invoices = list(
        Invoice.objects.for_organization(organization)
        .filter(kind=DocumentKind.INVOICE, total_amount__gt=0)
        .exclude(settlement_status=SettlementStatus.CREDITED)
        .order_by("issue_date", "number")
        .values_list("id", "debtor_id", "issue_date", "due_date", "total_amount", "disputed_at", "settlement_status")
    )
    settled_days = _settled_days(organization)
    # Whether a debtor has an e-mail address is decided in the database, so the address is never read.
    has_email = Case(When(email="", then=Value(False)), default=Value(True), output_field=BooleanField())
    debtors = {
        row[0]: row[1:]
        for row in Debtor.objects.for_organization(organization)
        .order_by()
        .annotate(has_email=has_email)
        .values_list("id", "kind", "country", "has_email")
    }
    codes: dict = {}
    debtor = np.array([codes.setdefault(row[1], len(codes)) for row in invoices], dtype=np.int64)
    debtor_ids = sorted(codes, key=codes.get)

    def settled(row) -> int:
        if row[6] != SettlementStatus.PAID:
            return OPEN
        return max(settled_days.get(row[0], day_number(row[2])), day_number(row[2]))

    disputed_on = np.array(
        [day_number(row[5].astimezone(organization.zone).date()) if row[5] else OPEN for row in invoices],
        dtype=np.int64,
    )
    history = InvoiceHistory(
        debtor=debtor,
        issue=np.array([day_number(row[2]) for row in invoices], dtype=np.int64),
        due=np.array([day_number(row[3]) for row in invoices], dtype=np.int64),
        settled=np.array([settled(row) for row in invoices], dtype=np.int64),
        amount=np.array([float(row[4]) for row in invoices], dtype=np.float64),
        disputed=disputed_on != OPEN,
        disputed_on=disputed_on,
        electronic=np.array([1.0 if debtors[row[1]][2] else 0.0 for row in invoices], dtype=np.float64),
        debtor_keys=[debtor_key(secret, str(debtor_id)) for debtor_id in debtor_ids],
        debtor_kind=np.array([DEBTOR_KINDS.index(debtors[debtor_id][0]) for debtor_id in debtor_ids], dtype=np.int64),
        debtor_country=[debtors[debtor_id][1] or organization.country for debtor_id in debtor_ids],
        invoice_ids=[row[0] for row in invoices],
    )
    _add_reminders(organization, history)
    promises = _portal_promises(organization, history) + _call_promises(organization, history, secret)
    history.promise_debtor, history.promise_broken_day = broken_promises(history, promises)
    return history


def _add_reminders(organization: Organization, history: InvoiceHistory) -> None:
    index = {invoice_id: position for position, invoice_id in enumerate(history.invoice_ids)}
    sent = defaultdict(list)
    actions = DunningAction.objects.for_organization(organization).filter(status=ActionStatus.SENT)
    for invoice_id, run_date, position in actions.values_list("invoice_id", "run_date", "step__position"):
        if invoice_id not in index:
            continue
        sent["invoice"].append(index[invoice_id])
        sent["day"].append(day_number(run_date))
        sent["step"].append(position)
    history.reminder_invoice = np.array(sent["invoice"], dtype=np.int64)
    history.reminder_day = np.array(sent["day"], dtype=np.int64)
    history.reminder_step = np.array(sent["step"], dtype=np.int64)


# A promise to pay: (debtor code, promised date plus grace period as a day number, invoice rows).
Promise = tuple[int, int, list[int]]


def broken_promises(history: InvoiceHistory, promises: list[Promise]) -> tuple[np.ndarray, np.ndarray]:
    """Return (debtor code, day) of each broken promise, from (debtor code, last day, invoice rows) per promise.

    The last day is the promised date plus the grace period. A promise is
    broken when one of its invoices was not paid on or before that day. The
    feature counts it from the morning after, so a forecast made before then
    does not see it, and a kept promise never counts. A promise with no
    invoice in the history (all credited) is left out.
    """
    debtors, days = [], []
    for debtor, last_day, rows in promises:
        if rows and bool(np.any(history.settled[rows] > last_day)):
            debtors.append(debtor)
            days.append(last_day)
    return np.array(debtors, dtype=np.int64), np.array(days, dtype=np.int64)


def _portal_promises(organization: Organization, history: InvoiceHistory) -> list[Promise]:
    """Return the portal's promises to pay as (debtor code, promised date plus grace, invoice rows)."""
    index = {invoice_id: position for position, invoice_id in enumerate(history.invoice_ids)}
    promises: dict = {}
    lines = PaymentPromiseLine.objects.for_organization(organization).values_list(
        "promise_id", "promise__held_until", "invoice_id"
    )
    for promise_id, held_until, invoice_id in lines:
        if invoice_id not in index:
            continue
        row = index[invoice_id]
        promise = promises.setdefault(promise_id, (int(history.debtor[row]), day_number(held_until), []))
        promise[2].append(row)
    return list(promises.values())


def _call_promises(organization: Organization, history: InvoiceHistory, secret: bytes) -> list[Promise]:
    """Return the promises to pay noted as call outcomes as (debtor code, promised date plus grace, invoice rows).

    A call about one invoice promises that invoice. A call about the debtor as
    a whole promises the debtor's invoices that were overdue and unpaid on the
    day of the call.
    """
    index = {invoice_id: position for position, invoice_id in enumerate(history.invoice_ids)}
    debtor_codes = {key: code for code, key in enumerate(history.debtor_keys)}
    calls = (
        PhoneTask.objects.for_organization(organization)
        .filter(outcome=CallOutcome.PROMISE_TO_PAY, promised_date__isnull=False)
        .values_list("debtor_id", "invoice_id", "promised_date", "completed_at", "due_date")
    )
    promises = []
    for debtor_id, invoice_id, promised_date, completed_at, call_date in calls:
        last_day = day_number(promised_date) + CALL_PROMISE_GRACE_DAYS
        if invoice_id is not None:
            if invoice_id in index:
                row = index[invoice_id]
                promises.append((int(history.debtor[row]), last_day, [row]))
            continue
        code = debtor_codes.get(debtor_key(secret, str(debtor_id)))
        if code is None:
            continue
        if completed_at is not None:
            call_date = completed_at.astimezone(organization.zone).date()
        call_day = day_number(call_date)
        overdue = (history.debtor == code) & (history.due < call_day) & (history.settled >= call_day)
        promises.append((code, last_day, np.flatnonzero(overdue).tolist()))
    return promises
