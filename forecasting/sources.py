"""Read an organisation's invoice history from the database, without personal data.

Only these columns are read: invoice amounts, dates, dispute dates and
status; payment dates; the debtor's id (hashed at once with the
organisation's secret), kind, country and whether it has an e-mail address;
the date and step position of each reminder sent. Names, e-mail addresses,
phone numbers, addresses, IBANs, references and free text are never selected.
"""

import secrets
from collections import defaultdict

import numpy as np
from django.db.models import BooleanField, Case, Max, Value, When

from debtors.models import Debtor
from dunning.models import ActionStatus, DunningAction
from forecasting.history import DEBTOR_KINDS, OPEN, InvoiceHistory, day_number, debtor_key
from forecasting.models import ForecastSecret
from invoices.models import Allocation, DocumentKind, Invoice, SettlementStatus
from payt.models import Organization

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
    # TODO: count broken promises to pay once payment plans record them; until then the
    # broken_promises feature is 0 for every debtor and the models drop it.
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
