"""Invoice history in columns: the input of the feature builder, from any source.

Sources fill an ``InvoiceHistory``: the database (``forecasting.sources``), a
CSV file in the layout of ar_ibm.csv (``forecasting.csv_history``) or the
generator (``forecasting.synthetic``). It holds no name, e-mail, phone,
address, IBAN or free text. Debtors are integer codes, and ``debtor_keys``
maps a code to the keyed hash of the debtor (``debtor_key``).

Dates are integer day numbers (``datetime.date.toordinal``) so that the
feature builder can work on whole columns with numpy.
"""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

import numpy as np

# Settled date of an invoice that is still open.
OPEN = np.iinfo(np.int32).max

DEBTOR_KINDS = ("company", "consumer")


def debtor_key(secret: bytes, debtor_reference: str) -> str:
    """Return the HMAC-SHA256 of a debtor reference under the organisation's secret, in hex.

    The hash groups a debtor's invoices without naming the debtor; without the
    secret nobody can test a guessed reference against it.
    """
    return hmac.new(secret, debtor_reference.encode(), hashlib.sha256).hexdigest()


def day_number(value: dt.date) -> int:
    return value.toordinal()


def day_date(number: int) -> dt.date:
    return dt.date.fromordinal(int(number))


@dataclass
class InvoiceHistory:
    """Invoices, their debtors and the reminders sent on them, as parallel numpy arrays.

    Per invoice: ``debtor`` (code), ``issue``, ``due``, ``settled`` (day numbers,
    ``OPEN`` while unpaid), ``amount`` (float, in the organisation's currency),
    ``disputed`` and ``disputed_on`` (day the dispute was registered, ``OPEN``
    if none), ``electronic`` (1 when invoices and reminders go by e-mail or
    e-invoice, 0 on paper, NaN unknown). Per debtor: ``debtor_keys``,
    ``debtor_kind`` (index into ``DEBTOR_KINDS``), ``debtor_country`` (ISO or
    other code, a string). Per reminder sent: ``reminder_invoice`` (row index),
    ``reminder_day``, ``reminder_step`` (position of the dunning step, from 1).
    Per broken promise to pay: ``promise_debtor`` and ``promise_broken_day`` (the promised
    date plus the grace period, the last day on which paying would have kept it).
    ``invoice_ids`` carries the source's invoice identifiers, never used as a feature.
    """

    debtor: np.ndarray
    issue: np.ndarray
    due: np.ndarray
    settled: np.ndarray
    amount: np.ndarray
    disputed: np.ndarray
    disputed_on: np.ndarray
    electronic: np.ndarray
    debtor_keys: list[str]
    debtor_kind: np.ndarray
    debtor_country: list[str]
    reminder_invoice: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reminder_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reminder_step: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    promise_debtor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    promise_broken_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    invoice_ids: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.issue)

    @property
    def is_open(self) -> np.ndarray:
        return self.settled == OPEN

    def subset(self, mask: np.ndarray) -> "InvoiceHistory":
        """Return the invoices selected by a boolean mask, with their reminders."""
        index = np.flatnonzero(mask)
        renumber = np.full(len(self), -1, dtype=np.int64)
        renumber[index] = np.arange(len(index))
        keep_reminder = mask[self.reminder_invoice] if len(self.reminder_invoice) else np.zeros(0, dtype=bool)
        return InvoiceHistory(
            debtor=self.debtor[index],
            issue=self.issue[index],
            due=self.due[index],
            settled=self.settled[index],
            amount=self.amount[index],
            disputed=self.disputed[index],
            disputed_on=self.disputed_on[index],
            electronic=self.electronic[index],
            debtor_keys=self.debtor_keys,
            debtor_kind=self.debtor_kind,
            debtor_country=self.debtor_country,
            reminder_invoice=renumber[self.reminder_invoice[keep_reminder]],
            reminder_day=self.reminder_day[keep_reminder],
            reminder_step=self.reminder_step[keep_reminder],
            promise_debtor=self.promise_debtor,
            promise_broken_day=self.promise_broken_day,
            invoice_ids=[self.invoice_ids[i] for i in index] if self.invoice_ids else [],
        )

    def known_at(self, cutoff: int) -> "InvoiceHistory":
        """Return the history as it stood on the morning of ``cutoff``.

        Invoices issued from ``cutoff`` on are left out; payments, disputes,
        reminders and broken promises from ``cutoff`` on are undone, so a paid
        invoice settled later is open again (censored).
        """
        issued = self.issue < cutoff
        view = self.subset(issued)
        view.settled = np.where(view.settled < cutoff, view.settled, OPEN)
        late_dispute = view.disputed_on >= cutoff
        view.disputed = np.where(late_dispute, False, view.disputed)
        view.disputed_on = np.where(late_dispute, OPEN, view.disputed_on)
        reminders = view.reminder_day < cutoff
        view.reminder_invoice = view.reminder_invoice[reminders]
        view.reminder_day = view.reminder_day[reminders]
        view.reminder_step = view.reminder_step[reminders]
        promises = view.promise_broken_day < cutoff
        view.promise_debtor = view.promise_debtor[promises]
        view.promise_broken_day = view.promise_broken_day[promises]
        return view


def history_from_columns(
    *,
    debtor_references: list[str],
    secret: bytes,
    issue: list[dt.date],
    due: list[dt.date],
    settled: list[dt.date | None],
    amount: list[float],
    disputed: list[bool],
    electronic: list[float] | None = None,
    debtor_kind: dict[str, str] | None = None,
    debtor_country: dict[str, str] | None = None,
    invoice_ids: list | None = None,
) -> InvoiceHistory:
    """Build a history from plain per-invoice lists; references are hashed here and then dropped.

    A disputed invoice counts as disputed from its issue date on, because
    these sources do not record when the dispute was raised.
    """
    codes: dict[str, int] = {}
    debtor = np.array([codes.setdefault(ref, len(codes)) for ref in debtor_references], dtype=np.int64)
    references = sorted(codes, key=codes.get)
    kinds = debtor_kind or {}
    countries = debtor_country or {}
    issue_days = np.array([day_number(value) for value in issue], dtype=np.int64)
    disputed_flags = np.array(disputed, dtype=bool)
    return InvoiceHistory(
        debtor=debtor,
        issue=issue_days,
        due=np.array([day_number(value) for value in due], dtype=np.int64),
        settled=np.array([OPEN if value is None else day_number(value) for value in settled], dtype=np.int64),
        amount=np.array(amount, dtype=np.float64),
        disputed=disputed_flags,
        disputed_on=np.where(disputed_flags, issue_days, OPEN),
        electronic=np.array(electronic if electronic is not None else [np.nan] * len(issue), dtype=np.float64),
        debtor_keys=[debtor_key(secret, ref) for ref in references],
        debtor_kind=np.array([DEBTOR_KINDS.index(kinds.get(ref, "company")) for ref in references], dtype=np.int64),
        debtor_country=[countries.get(ref, "") for ref in references],
        invoice_ids=list(invoice_ids) if invoice_ids is not None else [],
    )
