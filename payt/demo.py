"""Demo data: the organisation "demo" with Peppol imports and a payment history.

``demo_load`` builds, in one transaction and only through the domain
services:

- the organisation ``demo`` ("Demo Groothandel BV", NL) and its admin user;
- the nine Peppol BIS examples in ``demo_data/peppol`` through the UBL import.
  Several share a number with different content, so those are rejected with
  409 and skipped, as a real import would;
- 100 debtors and 2,466 invoices from ``demo_data/ar_ibm.csv``, with every
  date moved by the same number of days so that the newest invoice date lies
  ``NEWEST_INVOICE_AGE_DAYS`` days before today. A bank payment is registered
  on each moved settle date that is not after today.

The CSV has no unpaid invoices: every row was settled, at most 45 days
late, so no single date shift leaves more than 11 invoices unpaid after
their due date. To show a real collection backlog, the ``SLOW_PAYER_COUNT``
customers with the highest average days late also leave unpaid every
invoice whose moved settle date lies within the last
``SLOW_PAYER_UNPAID_DAYS`` days. Open invoices marked Disputed=Yes in the
CSV are marked disputed.

The load runs once: when the organisation already has invoices, it changes
nothing and reports that.
"""

import csv
import datetime as dt
import hashlib
import logging
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils.text import slugify
from rest_framework import status

from debtors.models import Debtor, TimelineEvent, TimelineKind
from debtors.services import debtor_create
from invoices.imports import invoice_import_ubl
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentSource, SourceFormat
from invoices.selectors import status_condition
from invoices.services import invoice_mark_disputed, invoice_register, payment_register
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import Membership, Organization, Role
from payt.services import membership_add, organization_create
from payt.tenancy import tenant_context
from portal.services import portal_url_for_debtor, question_ask

logger = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Groothandel BV"
DEMO_EMAIL = "demo@example.com"
# A published password for a local demo only; never load the demo in production.
DEMO_PASSWORD = "demo-credit-control"
DEMO_ORGANIZATION_EMAIL = "debiteuren@demo-groothandel.example"
# A widely published example IBAN with valid check digits, for the demo only.
DEMO_IBAN = "NL91ABNA0417164300"

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
CSV_PATH = DATA_DIR / "ar_ibm.csv"
PEPPOL_DIR = DATA_DIR / "peppol"

NEWEST_INVOICE_AGE_DAYS = 20
SLOW_PAYER_COUNT = 8
SLOW_PAYER_UNPAID_DAYS = 150
CSV_DATE_FORMAT = "%m/%d/%Y"
# Timeline events of the history are dated at these local times of their day.
INVOICE_EVENT_HOUR = 9
PAYMENT_EVENT_HOUR = 14


@dataclass(frozen=True)
class CsvInvoice:
    """One row of ar_ibm.csv, with its original (unshifted) dates."""

    customer_id: str
    country_code: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    settled_date: dt.date
    amount: Decimal
    disputed: bool

    @property
    def days_late(self) -> int:
        return max((self.settled_date - self.due_date).days, 0)


@dataclass
class DemoResult:
    """Outcome of a ``demo_load`` run; the counts describe the organisation after the load."""

    created: bool
    organization: Organization
    peppol_imported: int = 0
    peppol_skipped: int = 0
    invoices: int = 0
    debtors: int = 0
    payments: int = 0
    overdue: int = 0
    disputed: int = 0
    seconds: float = 0.0
    skipped_files: list[str] = field(default_factory=list)


def read_csv_invoices(path: Path = CSV_PATH) -> list[CsvInvoice]:
    """Read ar_ibm.csv; invoice numbers stay strings because they have leading zeros."""

    def parse(value: str) -> dt.date:
        return dt.datetime.strptime(value, CSV_DATE_FORMAT).date()  # noqa: DTZ007 (a date, no time zone)

    with path.open(newline="", encoding="utf-8") as handle:
        return [
            CsvInvoice(
                customer_id=row["customerID"],
                country_code=row["countryCode"],
                number=row["invoiceNumber"],
                issue_date=parse(row["InvoiceDate"]),
                due_date=parse(row["DueDate"]),
                settled_date=parse(row["SettledDate"]),
                amount=Decimal(row["InvoiceAmount"]),
                disputed=row["Disputed"] == "Yes",
            )
            for row in csv.DictReader(handle)
        ]


def date_shift(rows: list[CsvInvoice], today: dt.date) -> dt.timedelta:
    """Return the shift that puts the newest invoice date NEWEST_INVOICE_AGE_DAYS before today."""
    newest = max(row.issue_date for row in rows)
    return (today - dt.timedelta(days=NEWEST_INVOICE_AGE_DAYS)) - newest


def slow_payers(rows: list[CsvInvoice], count: int = SLOW_PAYER_COUNT) -> set[str]:
    """Return the customers with the highest average days late (ties by customer id)."""
    days_late: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        days_late[row.customer_id].append(row.days_late)
    ranked = sorted(
        days_late, key=lambda customer: (-statistics.mean(days_late[customer]), customer)
    )
    return set(ranked[:count])


def is_paid_by(row: CsvInvoice, *, shift: dt.timedelta, today: dt.date, slow: set[str]) -> bool:
    """Return True when the demo registers the payment of ``row`` (see the module docstring)."""
    settled = row.settled_date + shift
    if settled > today:
        return False
    backlog_start = today - dt.timedelta(days=SLOW_PAYER_UNPAID_DAYS)
    return not (row.customer_id in slow and settled > backlog_start)


def demo_load(*, today: dt.date | None = None) -> DemoResult:
    """Load the demo organisation and its data once; see the module docstring."""
    started = time.perf_counter()
    with transaction.atomic():
        organization = _ensure_organization()
        _ensure_admin(organization)
        with tenant_context(organization):
            today = today or local_today(organization)
            if Invoice.objects.exists():
                result = DemoResult(created=False, organization=organization)
            else:
                result = DemoResult(created=True, organization=organization)
                _import_peppol(organization, result)
                _load_payment_history(organization, today)
                _backdate_timeline(organization)
                _ask_demo_questions(organization, today)
            _count(organization, today, result)
    result.seconds = time.perf_counter() - started
    logger.info(
        "Demo load for %s finished in %.1f s: created=%s, %d invoices",
        organization.slug,
        result.seconds,
        result.created,
        result.invoices,
    )
    return result


def _ensure_organization() -> Organization:
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        organization = organization_create(
            slug=DEMO_SLUG, name=DEMO_NAME, country="NL", email=DEMO_ORGANIZATION_EMAIL, iban=DEMO_IBAN
        )
    return organization


def _ensure_admin(organization: Organization) -> None:
    user = User.objects.filter(username=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            username=DEMO_EMAIL, email=DEMO_EMAIL, password=DEMO_PASSWORD
        )
    with tenant_context(organization):
        is_admin = Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    if not is_admin:
        membership_add(organization=organization, user=user, role=Role.ADMIN)


# The original invoice goes first, so its credit note and correction find it and
# the later files that reuse its number are the ones rejected with 409.
PEPPOL_FIRST = ("base-example.xml", "base-creditnote-correction.xml", "base-negative-inv-correction.xml")


def peppol_files_in_import_order() -> list[Path]:
    paths = sorted(PEPPOL_DIR.glob("*.xml"))
    first = [PEPPOL_DIR / name for name in PEPPOL_FIRST]
    return first + [path for path in paths if path.name not in PEPPOL_FIRST]


def _import_peppol(organization: Organization, result: DemoResult) -> None:
    for path in peppol_files_in_import_order():
        try:
            invoice_import_ubl(organization=organization, content=path.read_bytes())
        except DomainError as error:
            if error.status_code != status.HTTP_409_CONFLICT:
                raise
            result.peppol_skipped += 1
            result.skipped_files.append(path.name)
            logger.info("Demo skipped %s: %s", path.name, error)
        else:
            result.peppol_imported += 1


def _load_payment_history(organization: Organization, today: dt.date) -> None:
    rows = read_csv_invoices()
    shift = date_shift(rows, today)
    slow = slow_payers(rows)
    debtors = _create_debtors(organization, rows)
    disputed_ids = []

    for row in sorted(rows, key=lambda row: (row.issue_date, row.number)):
        invoice, _ = invoice_register(
            organization=organization,
            debtor=debtors[row.customer_id],
            number=row.number,
            issue_date=row.issue_date + shift,
            due_date=row.due_date + shift,
            total_amount=row.amount,
            currency="EUR",
            source_format=SourceFormat.CSV,
        )
        if is_paid_by(row, shift=shift, today=today, slow=slow):
            payment_register(
                organization=organization,
                amount=row.amount,
                payment_date=row.settled_date + shift,
                invoice=invoice,
                source=PaymentSource.BANK,
                reference=row.number,
                external_id=f"demo-{row.number}",
            )
        elif row.disputed:
            disputed_ids.append(invoice.pk)

    # The CSV does not record when a dispute began, so the due date is used.
    for invoice in Invoice.objects.filter(pk__in=disputed_ids).select_related("debtor"):
        invoice_mark_disputed(
            invoice=invoice,
            reason="Disputed in the imported payment history",
            disputed_at=_local_datetime(organization, invoice.due_date, INVOICE_EVENT_HOUR),
        )


def _create_debtors(organization: Organization, rows: list[CsvInvoice]) -> dict[str, Debtor]:
    countries = {row.customer_id: row.country_code for row in rows}
    profiles = debtor_profiles(countries)
    return {
        customer_id: debtor_create(organization=organization, **profile)
        for customer_id, profile in sorted(profiles.items())
    }


def _backdate_timeline(organization: Organization) -> None:
    """Date each invoice and payment event on its document's day.

    The services stamp events with the current time, which would put a
    two-year history on one afternoon.
    """
    payment_dates = dict(Payment.objects.values_list("id", "payment_date"))
    events = list(
        TimelineEvent.objects.filter(
            kind__in=[TimelineKind.INVOICE, TimelineKind.CREDIT_NOTE, TimelineKind.PAYMENT]
        )
        .select_related("invoice")
        .only("id", "kind", "data", "occurred_at", "invoice__issue_date")
    )
    for event in events:
        if event.kind == TimelineKind.PAYMENT:
            payment_date = payment_dates.get(_uuid_or_none(event.data.get("payment_id")))
            if payment_date is not None:
                event.occurred_at = _local_datetime(organization, payment_date, PAYMENT_EVENT_HOUR)
        elif event.invoice is not None:
            event.occurred_at = _local_datetime(
                organization, event.invoice.issue_date, INVOICE_EVENT_HOUR
            )
    TimelineEvent.objects.bulk_update(events, ["occurred_at"], batch_size=500)


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _local_datetime(organization: Organization, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=organization.zone)


DEMO_QUESTIONS = {
    "nl": "Wij hebben deze factuur volgens onze administratie al betaald. Kunt u dat nakijken?",
    "en": "Could you send us a copy of this invoice? We cannot find it in our records.",
    "fr": "Pouvons-nous payer cette facture en deux fois ?",
    "de": "Die Rechnung nennt eine falsche Bestellnummer. Können Sie sie korrigieren?",
}


def _ask_demo_questions(organization: Organization, today: dt.date) -> None:
    """Ask one question per debtor language about an overdue invoice, to fill the worklist."""
    overdue = (
        Invoice.objects.filter(status_condition(InvoiceStatus.OVERDUE, today))
        .select_related("debtor")
        .order_by("due_date", "number")
    )
    asked: set[str] = set()
    for invoice in overdue:
        language = invoice.debtor.language
        if language in DEMO_QUESTIONS and language not in asked:
            question_ask(debtor=invoice.debtor, invoice=invoice, text=DEMO_QUESTIONS[language])
            asked.add(language)


def _count(organization: Organization, today: dt.date, result: DemoResult) -> None:
    invoices = Invoice.objects.all()
    result.invoices = invoices.count()
    result.debtors = Debtor.objects.count()
    result.payments = Payment.objects.count()
    result.overdue = invoices.filter(status_condition(InvoiceStatus.OVERDUE, today)).count()
    result.disputed = invoices.filter(status_condition(InvoiceStatus.DISPUTED, today)).count()


# --- Debtor profiles ---------------------------------------------------------------
#
# Names and addresses are made up, from fixed word lists and a seeded random
# generator, so every load gives each customer id the same debtor.

# fmt: off
NAME_PARTS = {
    "nl": {
        "family": [
            "De Vries", "Jansen", "Van den Berg", "Bakker", "Visser", "Smit", "Meijer",
            "De Boer", "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Leeuwen",
            "Dekker", "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer", "Kok",
            "Jacobs", "De Haan", "Vermeulen", "Van den Heuvel", "Van der Veen", "Van den Broek",
            "Kuipers",
        ],
        "trade": [
            "Installatietechniek", "Bouw", "Schilderwerken", "Transport", "Groenvoorziening",
            "Elektrotechniek", "Metaalbewerking", "Dakwerken", "Loodgieters", "Tegelwerken",
            "Houthandel", "Drukkerij", "Autobedrijf", "Catering", "Schoonmaak", "Interieurbouw",
            "Zonnetechniek", "Koeltechniek", "Hoveniers", "Kantoorinrichting",
        ],
        "suffix": ["BV", "B.V.", "VOF", "& Zn. BV", "Holding BV"],
        "places": [
            ("Amsterdam", "1014"), ("Rotterdam", "3044"), ("Utrecht", "3542"),
            ("Eindhoven", "5651"), ("Groningen", "9723"), ("Zwolle", "8013"), ("Breda", "4823"),
            ("Nijmegen", "6541"), ("Tilburg", "5048"), ("Apeldoorn", "7324"),
            ("Haarlem", "2031"), ("Amersfoort", "3821"),
        ],
        "street": ["Industrieweg", "Handelsweg", "Nijverheidsstraat", "Ambachtsweg"],
        "country": "NL",
    },
    "fr": {
        "family": ["Dubois", "Lambert", "Dupont", "Martin", "Peeters", "Leroy", "Lefèvre"],
        "trade": ["Construction", "Électricité", "Transports", "Menuiserie", "Chauffage"],
        "suffix": ["SRL", "SA", "SPRL"],
        "places": [("Bruxelles", "1070"), ("Liège", "4020"), ("Namur", "5000")],
        "street": ["Rue de l'Industrie", "Avenue du Commerce", "Chaussée de Mons"],
        "country": "BE",
    },
    "de": {
        "family": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner"],
        "trade": ["Haustechnik", "Bau", "Logistik", "Metallbau", "Elektro", "Dachdeckerei"],
        "suffix": ["GmbH", "GmbH & Co. KG", "KG"],
        "places": [("Düsseldorf", "40549"), ("Köln", "50829"), ("Aachen", "52068")],
        "street": ["Industriestraße", "Gewerbering", "Hafenstraße"],
        "country": "DE",
    },
    "en": {
        "family": ["Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes"],
        "trade": ["Logistics", "Building Services", "Engineering", "Supplies", "Interiors"],
        "suffix": ["Ltd", "Limited", "plc"],
        "places": [("London", "E14 5AB"), ("Leeds", "LS11 5QN"), ("Bristol", "BS2 0JA")],
        "street": ["Commerce Way", "Station Road", "Mill Lane"],
        "country": "GB",
    },
}
# fmt: on

# ar_ibm.csv has five numeric country codes. Three become Dutch customers;
# 818 becomes Belgian (French); 897 is split between German and British.
CSV_COUNTRY_LANGUAGES = {
    "391": ["nl"],
    "406": ["nl"],
    "770": ["nl"],
    "818": ["fr"],
    "897": ["de", "en"],
}
DUTCH_POSTAL_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
PROFILE_SEED = "ar_ibm demo debtors"


def debtor_profiles(countries: dict[str, str]) -> dict[str, dict]:
    """Return debtor_create fields per customer id, the same ones on every call.

    Names are unique: each language draws from its own shuffled list of
    family, trade and suffix combinations.
    """
    rng = random.Random(PROFILE_SEED)
    combinations = {
        language: rng.sample(
            [(f, t, s) for f in parts["family"] for t in parts["trade"] for s in parts["suffix"]],
            k=len(parts["family"]) * len(parts["trade"]) * len(parts["suffix"]),
        )
        for language, parts in NAME_PARTS.items()
    }
    used: dict[str, int] = defaultdict(int)
    profiles = {}
    for customer_id in sorted(countries):
        language = _language_for(customer_id, countries[customer_id])
        family, trade, suffix = combinations[language][used[language]]
        used[language] += 1
        profiles[customer_id] = _profile(customer_id, language, f"{family} {trade} {suffix}", rng)
    return profiles


def _language_for(customer_id: str, country_code: str) -> str:
    languages = CSV_COUNTRY_LANGUAGES.get(country_code, ["nl"])
    digest = hashlib.sha256(customer_id.encode()).digest()
    return languages[digest[0] % len(languages)]


def _profile(customer_id: str, language: str, name: str, rng: random.Random) -> dict:
    parts = NAME_PARTS[language]
    city, postal_code = rng.choice(parts["places"])
    if language == "nl":
        letters = rng.choice(DUTCH_POSTAL_LETTERS) + rng.choice(DUTCH_POSTAL_LETTERS)
        postal_code = f"{postal_code} {letters}"
    return {
        "kind": "company",
        "name": name,
        "email": f"{slugify(name)[:50].strip('-')}@example.com",
        "language": language,
        "address_line": f"{rng.choice(parts['street'])} {rng.randint(1, 180)}",
        "postal_code": postal_code,
        "city": city,
        "country": parts["country"],
        "external_id": customer_id,
    }


def demo_portal_url(organization: Organization) -> str | None:
    """Return the portal link of the debtor with the largest overdue EUR amount, or None.

    Disputed invoices do not count, so the portal shows something to pay.
    """
    with tenant_context(organization):
        today = local_today(organization)
        overdue = (
            Invoice.objects.filter(status_condition(InvoiceStatus.OVERDUE, today), currency="EUR")
            .values("debtor_id")
            .annotate(amount=Sum("open_amount"))
            .order_by("-amount", "debtor_id")
            .first()
        )
        if overdue is None:
            return None
        return portal_url_for_debtor(Debtor.objects.get(pk=overdue["debtor_id"]))
