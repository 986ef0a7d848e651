"""No name, e-mail, phone, address, IBAN or free text reaches the training table."""

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db import connection
from django.test.utils import CaptureQueriesContext

from debtors.services import debtor_create
from dunning.models import CallOutcome, PhoneTask, PhoneTaskSource, PhoneTaskStatus
from forecasting.features import FEATURES, training_table
from forecasting.history import day_number
from forecasting.sources import history_from_database, organization_secret
from invoices.services import invoice_mark_disputed, invoice_register, payment_register
from payt.tenancy import tenant_context
from portal.models import PaymentPromise, PaymentPromiseLine

PERSONAL = {
    "name": "Zebulon Quixote",
    "email": "zebulon.quixote@private.example",
    "phone": "+31 6 9876 5432",
    "address_line": "Kerkstraat 99",
    "postal_code": "9999 ZZ",
    "city": "Hoogwoud",
    "vat_number": "NL999999999B99",
    "kvk_number": "99999999",
}
IBAN = "NL02ABNA0123456789"
FREE_TEXT = "Quixote says the windmill delivery was broken"


def _history_with_personal_data(organization):
    with tenant_context(organization):
        debtor = debtor_create(organization=organization, country="NL", **PERSONAL)
        for month in range(1, 8):
            invoice, _ = invoice_register(
                organization=organization,
                debtor=debtor,
                number=f"PD-{month}",
                issue_date=dt.date(2025, month, 1),
                total_amount=Decimal("121.00"),
                payment_reference=f"{IBAN} {PERSONAL['name']}",
            )
            if month < 6:
                payment_register(
                    organization=organization,
                    amount=Decimal("121.00"),
                    payment_date=dt.date(2025, month, 20),
                    invoice=invoice,
                    reference=f"{PERSONAL['name']} {IBAN}",
                )
        invoice_mark_disputed(invoice=invoice, reason=FREE_TEXT)
        _promise_with_free_text(organization, debtor, invoice)
        with CaptureQueriesContext(connection) as queries:
            history = history_from_database(organization)
        return debtor, history, [query["sql"] for query in queries.captured_queries]


def _promise_with_free_text(organization, debtor, invoice) -> None:
    """Add a portal promise and a call promise to pay, both broken, with free text on each."""
    promise = PaymentPromise.objects.create(
        organization=organization,
        debtor=debtor,
        promised_date=dt.date(2025, 8, 1),
        held_until=dt.date(2025, 8, 4),
        amount=Decimal("121.00"),
        currency="EUR",
        text=FREE_TEXT,
        answer=FREE_TEXT,
    )
    PaymentPromiseLine.objects.create(
        organization=organization, promise=promise, invoice=invoice, amount=promise.amount
    )
    PhoneTask.objects.create(
        organization=organization,
        debtor=debtor,
        source=PhoneTaskSource.MANUAL,
        reason=FREE_TEXT,
        script=FREE_TEXT,
        due_date=dt.date(2025, 8, 5),
        status=PhoneTaskStatus.DONE,
        outcome=CallOutcome.PROMISE_TO_PAY,
        outcome_note=FREE_TEXT,
        promised_date=dt.date(2025, 8, 10),
    )


def _all_values(table) -> str:
    parts = [repr(table.X.tolist()), repr(list(table.debtor_key)), repr(table.row.tolist()), repr(table.feature_names)]
    return "\n".join(parts)


def test_training_table_has_no_personal_data(org_alfa):
    debtor, history, _ = _history_with_personal_data(org_alfa)

    table = training_table(history, day_number(dt.date(2025, 9, 1)), countries=["NL"])

    text = _all_values(table).lower()
    for value in [*PERSONAL.values(), IBAN, FREE_TEXT, str(debtor.pk), "quixote", "windmill"]:
        assert value.lower() not in text, value
    assert set(table.feature_names) <= set(FEATURES)
    assert table.X.dtype == np.float64
    assert len(table) >= 7
    assert len(history.promise_broken_day) == 2


def test_debtor_appears_only_as_keyed_hash(org_alfa):
    debtor, history, _ = _history_with_personal_data(org_alfa)

    assert len(history.debtor_keys) == 1
    key = history.debtor_keys[0]
    assert len(key) == 64 and int(key, 16) >= 0
    assert str(debtor.pk) not in key
    with tenant_context(org_alfa):
        assert organization_secret(org_alfa) != b""


def test_history_query_reads_no_personal_column(org_alfa):
    _, _, queries = _history_with_personal_data(org_alfa)

    sql = "\n".join(queries)
    for column in ("name", "phone", "address_line", "postal_code", "city", "vat_number", "kvk_number"):
        assert f'"debtors_debtor"."{column}"' not in sql, column
    for column in ("reference", "payment_reference", "summary", "text", "answer", "reason", "script", "outcome_note"):
        assert f'."{column}"' not in sql, column
    # The e-mail address is only tested for emptiness, inside the database.
    assert '"debtors_debtor"."email" = \'\' THEN' in sql


def test_secrets_differ_between_organisations(org_alfa, org_bravo):
    with tenant_context(org_alfa):
        alfa = organization_secret(org_alfa)
        assert organization_secret(org_alfa) == alfa
    with tenant_context(org_bravo):
        bravo = organization_secret(org_bravo)
    assert alfa != bravo
    assert len(alfa) == 32
