"""Collection costs charged only when the law allows it, and the 14-day letter that makes them owed.

Amounts follow the BIK scale of legal-spec section 1.4: 1,234.56 of principal
gives 185.18, 5,000.00 gives 625.00, anything up to 266.66 the minimum 40.00.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from debtors.services import debtor_create
from dunning.charges import charge_waive
from dunning.models import Charge, ChargeKind, FourteenDayLetter, Message, StepCosts, StepTemplate, Workflow
from dunning.selectors import amount_due
from invoices.services import invoice_register, payment_register
from payt.api_errors import DomainError
from payt.tenancy import tenant_context

TERM_SENTENCE = "binnen veertien dagen na de dag waarop u deze brief hebt ontvangen"
AMSTERDAM_WINTER = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def run_day(run_day, monkeypatch):
    """Run a day with the clock set to 09:00 that day, so e-mails are delivered on the run date."""

    def run(organization, date):
        moment = dt.datetime.combine(date, dt.time(9, 0), tzinfo=AMSTERDAM_WINTER)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return run_day(organization, date)

    return run


def _workflow(organization, steps, **rule):
    with tenant_context(organization):
        Workflow.objects.filter(is_default=True).update(is_default=False)
        workflow = Workflow.objects.create(organization=organization, name="Costs", is_default=True, **rule)
        for position, (offset, template, costs) in enumerate(steps, start=1):
            workflow.steps.create(
                organization=organization,
                position=position,
                days_after_due=offset,
                template=template,
                costs=costs,
                fixed_fee=Decimal("15.00") if costs == StepCosts.FIXED else None,
                next_business_day=False,
            )
    return workflow


def _invoice(organization, debtor, number, total, due_date):
    with tenant_context(organization):
        invoice, _ = invoice_register(
            organization=organization,
            debtor=debtor,
            number=number,
            issue_date=due_date - dt.timedelta(days=14),
            due_date=due_date,
            total_amount=Decimal(total),
        )
    return invoice


@pytest.fixture
def consumer(org_alfa, statutory_rates):
    with tenant_context(org_alfa):
        return debtor_create(
            organization=org_alfa, name="J. de Vries", kind="consumer", email="jdevries@debtor.example", language="nl"
        )


@pytest.fixture
def consumer_claims(org_alfa, consumer):
    _workflow(
        org_alfa,
        [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.NONE), (21, StepTemplate.FOURTEEN_DAY_LETTER, StepCosts.NONE)],
    )
    first = _invoice(org_alfa, consumer, "INV-C1", "300.00", dt.date(2026, 10, 1))
    second = _invoice(org_alfa, consumer, "INV-C2", "934.56", dt.date(2026, 10, 10))
    return first, second


def _charges(organization):
    with tenant_context(organization):
        return {
            (charge.invoice.number, charge.kind): charge.amount
            for charge in Charge.objects.select_related("invoice").order_by("invoice__number")
        }


def test_letter_costs_charged_after_term(
    org_alfa, consumer_claims, run_day
):
    first, second = consumer_claims
    run_day(org_alfa, dt.date(2026, 10, 8))
    mail.outbox.clear()

    letter_day = dt.date(2026, 10, 22)
    run_day(org_alfa, letter_day)

    [email] = mail.outbox
    body = email.body
    assert TERM_SENTENCE in body
    assert "185,18" in body
    assert "INV-C1" in body
    assert "INV-C2" in body
    with tenant_context(org_alfa):
        letter = FourteenDayLetter.objects.get()
        message = Message.objects.get(template=StepTemplate.FOURTEEN_DAY_LETTER)
    assert message.run_date == letter_day
    assert letter.sent_on == letter_day
    assert letter.assumed_receipt_on == letter_day
    assert letter.term_ends_on == dt.date(2026, 11, 5)
    assert letter.costs_amount == Decimal("185.18")
    assert letter.principal_total == Decimal("1234.56")
    assert sorted(letter.invoice_numbers) == ["INV-C1", "INV-C2"]

    run_day(org_alfa, dt.date(2026, 11, 5))
    assert _charges(org_alfa) == {}

    run_day(org_alfa, dt.date(2026, 11, 6))
    assert _charges(org_alfa) == {
        ("INV-C1", ChargeKind.COLLECTION_COSTS): Decimal("45.00"),
        ("INV-C2", ChargeKind.COLLECTION_COSTS): Decimal("140.18"),
    }
    run_day(org_alfa, dt.date(2026, 11, 7))
    assert sum(_charges(org_alfa).values()) == Decimal("185.18")


def test_payment_goes_to_costs_before_principal(org_alfa, consumer_claims, run_day):
    first, _ = consumer_claims
    for day in (dt.date(2026, 10, 8), dt.date(2026, 10, 22), dt.date(2026, 11, 6)):
        run_day(org_alfa, day)

    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa, amount=Decimal("100.00"), payment_date=dt.date(2026, 11, 9), invoice=first
        )
        first.refresh_from_db()
        due = amount_due(first)
    assert due.costs == Decimal("0.00")
    assert first.open_amount == Decimal("245.00")
    assert due.total == Decimal("245.00")


def test_part_payment_in_the_term_lowers_the_costs(org_alfa, consumer_claims, run_day):
    first, second = consumer_claims
    run_day(org_alfa, dt.date(2026, 10, 8))
    run_day(org_alfa, dt.date(2026, 10, 22))
    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa, amount=Decimal("934.56"), payment_date=dt.date(2026, 10, 30), invoice=second
        )

    run_day(org_alfa, dt.date(2026, 11, 6))

    assert _charges(org_alfa) == {("INV-C1", ChargeKind.COLLECTION_COSTS): Decimal("45.00")}


def test_paid_within_the_term_costs_nothing(org_alfa, consumer_claims, run_day):
    first, second = consumer_claims
    run_day(org_alfa, dt.date(2026, 10, 8))
    run_day(org_alfa, dt.date(2026, 10, 22))
    with tenant_context(org_alfa):
        for invoice in (first, second):
            payment_register(
                organization=org_alfa, amount=invoice.total_amount, payment_date=dt.date(2026, 11, 5), invoice=invoice
            )

    run_day(org_alfa, dt.date(2026, 11, 6))

    assert _charges(org_alfa) == {}


def test_consumer_ordinary_step_no_costs(org_alfa, consumer, run_day):
    _workflow(
        org_alfa,
        [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.FIXED), (21, StepTemplate.SECOND_REMINDER, StepCosts.STATUTORY)],
    )
    _invoice(org_alfa, consumer, "INV-C9", "500.00", dt.date(2026, 10, 1))

    for day in (dt.date(2026, 10, 8), dt.date(2026, 10, 22), dt.date(2026, 10, 23)):
        run_day(org_alfa, day)

    assert _charges(org_alfa) == {}
    assert all("incassokosten" not in email.body for email in mail.outbox)


def test_business_costs_charged_once(org_alfa, statutory_rates, run_day):
    _workflow(
        org_alfa,
        [
            (7, StepTemplate.FRIENDLY_REMINDER, StepCosts.STATUTORY),
            (21, StepTemplate.SECOND_REMINDER, StepCosts.STATUTORY),
        ],
    )
    with tenant_context(org_alfa):
        company = debtor_create(organization=org_alfa, name="Tulpwerk BV", email="ap@tulpwerk.example", language="nl")
    invoice = _invoice(org_alfa, company, "INV-B1", "5000.00", dt.date(2026, 10, 1))

    run_day(org_alfa, dt.date(2026, 10, 8))
    assert "625,00" in mail.outbox[0].body
    assert _charges(org_alfa) == {}
    for day in (dt.date(2026, 10, 9), dt.date(2026, 10, 22), dt.date(2026, 10, 23)):
        run_day(org_alfa, day)

    assert _charges(org_alfa) == {("INV-B1", ChargeKind.COLLECTION_COSTS): Decimal("625.00")}
    with tenant_context(org_alfa):
        assert amount_due(invoice).total == Decimal("5625.00")


def test_waive_requires_reason(org_alfa, statutory_rates, run_day, alice):
    _workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.STATUTORY)])
    with tenant_context(org_alfa):
        company = debtor_create(organization=org_alfa, name="Tulpwerk BV", email="ap@tulpwerk.example")
    invoice = _invoice(org_alfa, company, "INV-B2", "100.00", dt.date(2026, 10, 1))
    run_day(org_alfa, dt.date(2026, 10, 8))
    run_day(org_alfa, dt.date(2026, 10, 9))

    with tenant_context(org_alfa):
        charge = Charge.objects.get()
        with pytest.raises(DomainError) as missing:
            charge_waive(charge=charge, reason="  ")
        charge_waive(charge=charge, reason="Goodwill after a late delivery", user=alice)
        charge.refresh_from_db()
        due = amount_due(invoice)
    assert charge.amount == Decimal("40.00")
    assert missing.value.field == "reason"
    assert charge.open_amount == Decimal("0.00")
    assert charge.waive_reason == "Goodwill after a late delivery"
    assert due.total == Decimal("100.00")


def test_payment_pays_interest_before_principal(org_alfa, statutory_rates, run_day):
    workflow = _workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.NONE)])
    with tenant_context(org_alfa):
        workflow.steps.update(show_interest=True)
        company = debtor_create(organization=org_alfa, name="Tulpwerk BV", email="ap@tulpwerk.example")
    invoice = _invoice(org_alfa, company, "INV-I1", "10000.00", dt.date(2025, 12, 31))
    run_day(org_alfa, dt.date(2026, 1, 7))

    with tenant_context(org_alfa):
        # 30 days from 2026-01-01 at 10.15% on 10,000.00 (legal-spec 2.3 D).
        payment_register(
            organization=org_alfa, amount=Decimal("100.00"), payment_date=dt.date(2026, 1, 30), invoice=invoice
        )
        invoice.refresh_from_db()
        interest = Charge.objects.get(kind=ChargeKind.INTEREST)

    assert interest.amount == Decimal("83.42")
    assert interest.open_amount == Decimal("0.00")
    assert invoice.open_amount == Decimal("9983.42")


def test_no_interest_booked_when_no_step_showed_it(org_alfa, statutory_rates, run_day):
    _workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.NONE)])
    with tenant_context(org_alfa):
        company = debtor_create(organization=org_alfa, name="Tulpwerk BV", email="ap@tulpwerk.example")
    invoice = _invoice(org_alfa, company, "INV-I2", "10000.00", dt.date(2025, 12, 31))
    run_day(org_alfa, dt.date(2026, 1, 7))

    with tenant_context(org_alfa):
        payment_register(
            organization=org_alfa, amount=Decimal("100.00"), payment_date=dt.date(2026, 1, 30), invoice=invoice
        )
        invoice.refresh_from_db()

    assert _charges(org_alfa) == {}
    assert invoice.open_amount == Decimal("9900.00")


def test_dutch_business_costs_summed(org_alfa, statutory_rates, run_day):
    _workflow(org_alfa, [(7, StepTemplate.FRIENDLY_REMINDER, StepCosts.STATUTORY)])
    with tenant_context(org_alfa):
        company = debtor_create(organization=org_alfa, name="Bos Drukkerij", email="ap@bos.example", language="nl")
    for number, total in (("INV-S1", "60.00"), ("INV-S2", "70.00"), ("INV-S3", "57.51")):
        _invoice(org_alfa, company, number, total, dt.date(2026, 10, 1))

    run_day(org_alfa, dt.date(2026, 10, 8))
    run_day(org_alfa, dt.date(2026, 10, 9))

    [email] = mail.outbox
    assert "40,00" in email.body
    assert _charges(org_alfa) == {
        ("INV-S1", ChargeKind.COLLECTION_COSTS): Decimal("12.80"),
        ("INV-S2", ChargeKind.COLLECTION_COSTS): Decimal("14.93"),
        ("INV-S3", ChargeKind.COLLECTION_COSTS): Decimal("12.27"),
    }
