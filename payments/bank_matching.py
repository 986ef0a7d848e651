"""Match a bank credit to the open invoices it pays, with a confidence from 0 to 100.

The methods are tried in order and the first that finds invoices decides:

1. a payment reference with valid check digits (betalingskenmerk, OGM/VCS, RF),
   in the structured field or typed into the description, that invoices carry;
   an unverifiable structured reference counts only when it equals an invoice's
   reference exactly;
2. invoice numbers found as whole words in the description;
3. the amount together with the payer's IBAN, then with the payer's name;
4. the amount alone, when exactly one open invoice has it.

Matches at or above ``AUTO_APPLY_CONFIDENCE`` are applied without a person;
the rest are suggestions on the reconciliation page. The functions here read
only the ``OpenInvoiceIndex`` they are given, so tests can call them directly.
"""

import re
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from payments.models import MatchMethod
from payt.references import reference_key, reference_scheme, references_in_text

AUTO_APPLY_CONFIDENCE = 90
# Invoice numbers shorter than this (after dropping separators) are too easily
# found by accident in dates, amounts and account numbers.
MIN_INVOICE_NUMBER_CHARS = 4
LEGAL_FORMS = frozenset(
    {"bv", "nv", "vof", "cv", "bvba", "srl", "sa", "sarl", "sas", "gmbh", "ag", "kg", "ltd", "llc", "plc", "inc"}
)
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/._]*[0-9A-Za-z]|[0-9A-Za-z]")

# Confidence per method and fit of the amount: exact, partial (less than open), over (more than open).
CONFIDENCE = {
    MatchMethod.REFERENCE: {"exact": 100, "partial": 95, "over": 75},
    "unverified_reference": {"exact": 90, "partial": 80, "over": 70},
    MatchMethod.INVOICE_NUMBER: {"exact": 90, "partial": 75, "over": 60},
}
PAYER_IBAN_ONE_INVOICE = 90
PAYER_IBAN_WHOLE_BALANCE = 90
PAYER_IBAN_SEVERAL_INVOICES = 70
PAYER_IBAN_NO_FIT = 40
PAYER_NAME_ONE_INVOICE = 75
PAYER_NAME_WHOLE_BALANCE = 70
PAYER_NAME_SEVERAL_INVOICES = 60
PAYER_NAME_NO_FIT = 30
AMOUNT_ONLY = 50


@dataclass
class OpenInvoice:
    """An open invoice as the matcher reads it; ``open_amount`` shrinks as entries are applied."""

    id: uuid.UUID
    number: str
    debtor_id: uuid.UUID
    currency: str
    open_amount: Decimal
    due_date: object
    payment_reference: str = ""

    @property
    def sort_key(self) -> tuple:
        return (self.due_date, self.number)


@dataclass
class MatchResult:
    method: str = MatchMethod.NONE
    confidence: int = 0
    allocations: list[tuple[OpenInvoice, Decimal]] = field(default_factory=list)

    @property
    def is_confident(self) -> bool:
        return self.confidence >= AUTO_APPLY_CONFIDENCE and bool(self.allocations)


@dataclass
class OpenInvoiceIndex:
    """The open invoices and the known payers of one organisation, for one import."""

    invoices: list[OpenInvoice]
    debtor_ibans: dict[str, list[uuid.UUID]]
    debtor_names: dict[uuid.UUID, str]
    by_reference: dict[str, list[OpenInvoice]] = field(init=False)
    by_number: dict[str, list[OpenInvoice]] = field(init=False)
    by_debtor: dict[uuid.UUID, list[OpenInvoice]] = field(init=False)
    by_name: dict[str, list[uuid.UUID]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_reference = defaultdict(list)
        self.by_number = defaultdict(list)
        self.by_debtor = defaultdict(list)
        for invoice in sorted(self.invoices, key=lambda invoice: invoice.sort_key):
            if invoice.payment_reference:
                self.by_reference[reference_key(invoice.payment_reference)].append(invoice)
            number_key = invoice_number_key(invoice.number)
            if len(number_key) >= MIN_INVOICE_NUMBER_CHARS:
                self.by_number[number_key].append(invoice)
            self.by_debtor[invoice.debtor_id].append(invoice)
        self.by_name = defaultdict(list)
        for debtor_id, name in self.debtor_names.items():
            key = payer_name_key(name)
            if key:
                self.by_name[key].append(debtor_id)

    def consume(self, allocations: list[tuple[OpenInvoice, Decimal]]) -> None:
        """Lower the open amounts by what an applied entry allocated, so the next entry is matched against the rest."""
        for invoice, amount in allocations:
            invoice.open_amount -= amount


def invoice_number_key(number: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", number.upper())


def payer_name_key(name: str) -> str:
    """Return a name without accents, punctuation, case and legal form ("B.V.", "GmbH")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    # Join dotted abbreviations first, so "B.V." becomes "bv" and is dropped as a legal form.
    ascii_name = re.sub(r"\b([a-z])\.(?=[a-z]\.?)", r"\1", ascii_name)
    words = re.findall(r"[a-z0-9]+", ascii_name)
    return " ".join(word for word in words if word not in LEGAL_FORMS)


def match_credit(entry, index: OpenInvoiceIndex) -> MatchResult:
    """Return the best match of a credit ``entry`` (a BankStatementEntry or ParsedEntry)."""
    for method in (_by_reference, _by_invoice_number, _by_payer_iban, _by_payer_name, _by_amount):
        result = method(entry, index)
        if result is not None:
            return result
    return MatchResult()


# --- Methods --------------------------------------------------------------------------


def _by_reference(entry, index: OpenInvoiceIndex) -> MatchResult | None:
    found: list[OpenInvoice] = []
    verified = False
    text = " ".join(part for part in (entry.remittance_text, entry.additional_info) if part)
    keys = [(key, True) for key, _scheme in references_in_text(text)]
    if entry.structured_reference:
        key = reference_key(entry.structured_reference)
        keys.insert(0, (key, reference_scheme(entry.structured_reference) is not None))

    for key, has_check_digits in keys:
        invoices = _open_in_currency(index.by_reference.get(key, []), entry.currency)
        for invoice in invoices:
            if invoice not in found:
                found.append(invoice)
        verified = verified or (has_check_digits and bool(invoices))
    if not found:
        return None
    table = CONFIDENCE[MatchMethod.REFERENCE] if verified else CONFIDENCE["unverified_reference"]
    return _fit(MatchMethod.REFERENCE, table, found, entry.amount)


def _by_invoice_number(entry, index: OpenInvoiceIndex) -> MatchResult | None:
    text = " ".join(
        part for part in (entry.structured_reference, entry.remittance_text, entry.additional_info) if part
    )
    found: list[OpenInvoice] = []
    for key in _word_keys(text):
        for invoice in _open_in_currency(index.by_number.get(key, []), entry.currency):
            if invoice not in found:
                found.append(invoice)
    if not found:
        return None
    return _fit(MatchMethod.INVOICE_NUMBER, CONFIDENCE[MatchMethod.INVOICE_NUMBER], found, entry.amount)


def _by_payer_iban(entry, index: OpenInvoiceIndex) -> MatchResult | None:
    iban = re.sub(r"\s", "", entry.counterparty_iban or "").upper()
    debtor_ids = index.debtor_ibans.get(iban, []) if iban else []
    if not debtor_ids:
        return None
    scores = (PAYER_IBAN_ONE_INVOICE, PAYER_IBAN_WHOLE_BALANCE, PAYER_IBAN_SEVERAL_INVOICES, PAYER_IBAN_NO_FIT)
    return _by_payer(MatchMethod.PAYER_IBAN, entry, index, debtor_ids, scores)


def _by_payer_name(entry, index: OpenInvoiceIndex) -> MatchResult | None:
    key = payer_name_key(entry.counterparty_name or "")
    debtor_ids = index.by_name.get(key, []) if key else []
    if not debtor_ids:
        return None
    scores = (PAYER_NAME_ONE_INVOICE, PAYER_NAME_WHOLE_BALANCE, PAYER_NAME_SEVERAL_INVOICES, PAYER_NAME_NO_FIT)
    return _by_payer(MatchMethod.PAYER_NAME, entry, index, debtor_ids, scores)


def _by_payer(method: str, entry, index: OpenInvoiceIndex, debtor_ids, scores) -> MatchResult | None:
    one_invoice, whole_balance, several_invoices, no_fit = scores
    invoices = sorted(
        (
            invoice
            for debtor_id in debtor_ids
            for invoice in _open_in_currency(index.by_debtor.get(debtor_id, []), entry.currency)
        ),
        key=lambda invoice: invoice.sort_key,
    )
    if not invoices:
        return None

    same_amount = [invoice for invoice in invoices if invoice.open_amount == entry.amount]
    if len(same_amount) == 1:
        return MatchResult(method, one_invoice, [(same_amount[0], entry.amount)])
    if len(debtor_ids) == 1 and sum(invoice.open_amount for invoice in invoices) == entry.amount:
        return MatchResult(method, whole_balance, _fill(invoices, entry.amount))
    if same_amount:
        return MatchResult(method, several_invoices, [(same_amount[0], entry.amount)])
    return MatchResult(method, no_fit, _fill(invoices, entry.amount))


def _by_amount(entry, index: OpenInvoiceIndex) -> MatchResult | None:
    same_amount = [
        invoice
        for invoice in index.invoices
        if invoice.currency == entry.currency and invoice.open_amount == entry.amount
    ]
    if len(same_amount) != 1:
        return None
    return MatchResult(MatchMethod.AMOUNT, AMOUNT_ONLY, [(same_amount[0], entry.amount)])


# --- Helpers --------------------------------------------------------------------------


def _open_in_currency(invoices: list[OpenInvoice], currency: str) -> list[OpenInvoice]:
    return [invoice for invoice in invoices if invoice.currency == currency and invoice.open_amount > 0]


def _fit(method: str, table: dict[str, int], invoices: list[OpenInvoice], amount: Decimal) -> MatchResult:
    invoices = sorted(invoices, key=lambda invoice: invoice.sort_key)
    total_open = sum(invoice.open_amount for invoice in invoices)
    if amount == total_open:
        fit = "exact"
    elif amount < total_open:
        fit = "partial"
    else:
        fit = "over"
    return MatchResult(method, table[fit], _fill(invoices, amount))


def _fill(invoices: list[OpenInvoice], amount: Decimal) -> list[tuple[OpenInvoice, Decimal]]:
    """Spread ``amount`` over the invoices in order, each up to its open amount."""
    allocations = []
    remaining = amount
    for invoice in invoices:
        if remaining <= 0:
            break
        part = min(remaining, invoice.open_amount)
        allocations.append((invoice, part))
        remaining -= part
    return allocations


def _word_keys(text: str) -> list[str]:
    """Return the separator-free forms of the words in ``text`` that could be invoice numbers."""
    keys = []
    for word in _WORD.findall(text or ""):
        # "2026-0042/2026-0043" lists two numbers; "INV/2026/7" may be one.
        parts = [word, *word.split("/")] if "/" in word else [word]
        for part in parts:
            key = invoice_number_key(part)
            if len(key) >= MIN_INVOICE_NUMBER_CHARS and key not in keys:
                keys.append(key)
    return keys
