"""Broken promises to pay, read from the portal's promises and from call outcomes."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from debtors.services import debtor_create
from dunning.models import CallOutcome, PhoneTask, PhoneTaskSource, PhoneTaskStatus
from forecasting.features import build_features
from forecasting.history import day_number
from forecasting.sources import history_from_database
from invoices.services import invoice_register, payment_register
from payt.tenancy import tenant_context
from portal.models import PaymentPromise, PaymentPromiseLine

AMOUNT = Decimal("250.00")


def _invoice(organization, debtor, number: str, issue: str, paid: str | None = None):
    issue_date = dt.date.fromisoformat(issue)
    invoice, _ = invoice_register(
        organization=organization,
        debtor=debtor,
        number=number,
        issue_date=issue_date,
        due_date=issue_date + dt.timedelta(days=30),
        total_amount=AMOUNT,
    )
    if paid is not None:
        payment_register(
            organization=organization, amount=AMOUNT, payment_date=dt.date.fromisoformat(paid), invoice=invoice
        )
    return invoice


def _portal_promise(organization, debtor, invoices, promised: str) -> None:
    promised_date = dt.date.fromisoformat(promised)
    # Created directly: the portal's service accepts only promised dates from today on.
    promise = PaymentPromise.objects.create(
        organization=organization,
        debtor=debtor,
        promised_date=promised_date,
        held_until=promised_date + dt.timedelta(days=3),
        amount=AMOUNT * len(invoices),
        currency="EUR",
        text="I will pay after the holidays",
    )
    for invoice in invoices:
        PaymentPromiseLine.objects.create(organization=organization, promise=promise, invoice=invoice, amount=AMOUNT)


def _call_promise(organization, debtor, invoice, called: str, promised: str) -> None:
    called_at = dt.datetime.fromisoformat(f"{called}T10:00:00+01:00")
    # Created directly: the call outcome service accepts only promised dates from today on.
    PhoneTask.objects.create(
        organization=organization,
        debtor=debtor,
        invoice=invoice,
        source=PhoneTaskSource.MANUAL,
        due_date=called_at.date(),
        status=PhoneTaskStatus.DONE,
        outcome=CallOutcome.PROMISE_TO_PAY,
        outcome_note="Pays on Friday",
        promised_date=dt.date.fromisoformat(promised),
        completed_at=called_at,
    )


@pytest.fixture
def promises_history(org_alfa, org_bravo):
    """Debtor "late": a kept and a broken portal promise, a broken call promise on one invoice, and a
    call promise for all overdue invoices that ends on 2025-06-04. Debtor "kept": one kept promise.
    Bravo's debtor breaks a promise that Alfa's history must not see."""
    with tenant_context(org_bravo):
        outsider = debtor_create(organization=org_bravo, name="Bravo klant", country="NL")
        bravo_invoice = _invoice(org_bravo, outsider, "B-1", "2025-01-01")
        _portal_promise(org_bravo, outsider, [bravo_invoice], "2025-02-05")
    with tenant_context(org_alfa):
        late = debtor_create(organization=org_alfa, name="Laat BV", country="NL")
        kept = _invoice(org_alfa, late, "L-1", "2025-01-01", paid="2025-02-12")
        broken = _invoice(org_alfa, late, "L-2", "2025-02-01", paid="2025-03-20")
        unpaid = _invoice(org_alfa, late, "L-3", "2025-03-01")
        _portal_promise(org_alfa, late, [kept], "2025-02-10")  # paid within the grace period
        _portal_promise(org_alfa, late, [broken], "2025-03-10")  # paid a week after the grace period
        _call_promise(org_alfa, late, unpaid, called="2025-04-02", promised="2025-04-10")
        _call_promise(org_alfa, late, None, called="2025-05-05", promised="2025-06-01")

        punctual = debtor_create(organization=org_alfa, name="Stipt BV", country="NL")
        on_time = _invoice(org_alfa, punctual, "S-1", "2025-01-01", paid="2025-02-13")
        _portal_promise(org_alfa, punctual, [on_time], "2025-02-10")
        later = _invoice(org_alfa, punctual, "S-2", "2025-04-01")

        history = history_from_database(org_alfa)
    rows = {"L-3": history.invoice_ids.index(unpaid.pk), "S-2": history.invoice_ids.index(later.pk)}
    return history, rows


def _broken_promises(promises_history, number: str, as_of: str) -> float:
    history, rows = promises_history
    as_of_day = day_number(dt.date.fromisoformat(as_of))
    matrix, names = build_features(history, np.array([rows[number]]), np.array([as_of_day]), countries=["NL"])
    return float(matrix[0, names.index("broken_promises")])


def test_broken_promise_days_per_debtor(promises_history):
    history, _ = promises_history
    assert sorted(history.promise_broken_day.tolist()) == [
        day_number(dt.date(2025, 3, 13)),  # portal promise for 2025-03-10 plus 3 days
        day_number(dt.date(2025, 4, 13)),  # call promise for 2025-04-10 plus 3 days
        day_number(dt.date(2025, 6, 4)),  # call promise for 2025-06-01 plus 3 days
    ]
    assert set(history.promise_debtor.tolist()) == {history.debtor[0]}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2025-03-01", 0),  # the first promise was kept
        ("2025-03-13", 0),  # the last day of the second promise's grace period
        ("2025-03-14", 1),  # the morning after: still unpaid, so broken
        ("2025-04-13", 1),
        ("2025-04-14", 2),  # the call promise about L-3 is broken
        ("2025-05-20", 2),  # the call promise for all overdue invoices is still in the future
        ("2025-06-05", 3),  # and now broken, with L-3 still unpaid
    ],
)
def test_broken_promises_feature_on_the_morning(promises_history, as_of, expected):
    assert _broken_promises(promises_history, "L-3", as_of) == expected


def test_kept_promise_counts_zero(promises_history):
    assert _broken_promises(promises_history, "S-2", "2025-06-05") == 0
