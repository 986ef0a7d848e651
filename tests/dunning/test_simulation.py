"""The planner run every day for 120 days over a seeded portfolio, against an expectation built here.

Payments, credit notes, holds and a dispute arrive along the way. The
expectation below is written from the rules as a credit controller states
them, not from the planner's code: steps in order, one at a time, at least
7 days apart, a missed step caught up, a pre-due notice lapsing once the
invoice is overdue, nothing for settled, disputed or held invoices.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from debtors.services import debtor_create
from dunning.holds import hold_place
from dunning.models import ActionStatus, DunningAction, HoldReason, Message, MessageStatus, StepTemplate, Workflow
from dunning.selectors import queued_message_ids
from dunning.sender import message_claim, message_recheck, message_record_sent
from dunning.services import dunning_run
from invoices.models import DocumentKind, Invoice
from invoices.services import invoice_mark_disputed, invoice_register, payment_register
from payt.tenancy import tenant_context

START = dt.date(2026, 3, 2)
DAYS = 120
STEPS = [(-3, StepTemplate.PRE_DUE_NOTICE), (7, StepTemplate.FRIENDLY_REMINDER), (21, StepTemplate.SECOND_REMINDER),
         (35, StepTemplate.FINAL_NOTICE)]
MIN_GAP = 7


@dataclass
class Claim:
    """The test's own view of one invoice."""

    number: str
    debtor: str
    due_date: dt.date
    open_amount: Decimal
    disputed: bool = False
    held_until: dt.date | None = None
    done: set = field(default_factory=set)
    last_sent: dt.date | None = None


def step_is_due(offset: int, due_date: dt.date, day: dt.date) -> bool:
    first = due_date + dt.timedelta(days=offset)
    if offset <= 0:
        return first <= day <= due_date
    return day >= first


def expected_sends(claim: Claim, day: dt.date) -> int | None:
    """Return the index of the step this claim gets today, updating the claim, or None."""
    if claim.open_amount <= 0 or claim.disputed or (claim.held_until and day <= claim.held_until):
        return None
    last_done = max(claim.done, default=-1)
    pending = [index for index in range(last_done + 1, len(STEPS)) if index not in claim.done]
    due = [index for index in pending if step_is_due(STEPS[index][0], claim.due_date, day)]
    if not due:
        return None
    if claim.last_sent is not None and (day - claim.last_sent).days < MIN_GAP:
        return None
    target = due[0]
    claim.done.update(index for index in pending if index <= target)
    claim.last_sent = day
    return target


def seed_events(rng: random.Random, claims: list[Claim]) -> dict:
    """Return {day: [event]}: payments, credit notes, holds and one dispute, all on chosen days."""
    events = defaultdict(list)
    for claim in claims:
        roll = rng.random()
        when = claim.due_date + dt.timedelta(days=rng.randint(-10, 50))
        if not START < when < START + dt.timedelta(days=DAYS):
            continue
        if roll < 0.35:
            events[when].append(("pay", claim, claim.open_amount))
        elif roll < 0.45:
            events[when].append(("pay", claim, (claim.open_amount / 2).quantize(Decimal("0.01"))))
        elif roll < 0.52:
            events[when].append(("credit", claim, claim.open_amount))
        elif roll < 0.60:
            events[when].append(("hold", claim, when + dt.timedelta(days=rng.randint(3, 20))))
    disputed = next(claim for claim in claims if not any(e[1] is claim for day in events.values() for e in day))
    events[disputed.due_date + dt.timedelta(days=10)].append(("dispute", disputed, None))
    return events


@pytest.fixture
def portfolio(org_alfa):
    rng = random.Random(20261204)
    with tenant_context(org_alfa):
        Workflow.objects.filter(is_default=True).update(is_default=False)
        workflow = Workflow.objects.create(organization=org_alfa, name="Simulation", is_default=True)
        for position, (offset, template) in enumerate(STEPS, start=1):
            workflow.steps.create(
                organization=org_alfa, position=position, days_after_due=offset, template=template,
                next_business_day=False,
            )
        debtors = [
            debtor_create(organization=org_alfa, name=f"Debtor {index:03d}", email=f"d{index}@debtor.example")
            for index in range(60)
        ]
        claims = []
        for index in range(240):
            debtor = rng.choice(debtors)
            due_date = START + dt.timedelta(days=rng.randint(-40, 80))
            amount = Decimal(rng.randint(2000, 90000)) / 100
            number = f"SIM-{index:04d}"
            invoice_register(
                organization=org_alfa, debtor=debtor, number=number, issue_date=due_date - dt.timedelta(days=30),
                due_date=due_date, total_amount=amount,
            )
            claims.append(Claim(number, debtor.name, due_date, amount))
    return claims, seed_events(rng, claims)


def apply_event(organization, kind, claim, value, day, invoices) -> None:
    invoice = invoices[claim.number]
    if kind == "pay":
        payment_register(organization=organization, amount=value, payment_date=day, invoice=invoice)
        claim.open_amount -= value
    elif kind == "credit":
        invoice_register(
            organization=organization, debtor=invoice.debtor, kind=DocumentKind.CREDIT_NOTE,
            number=f"CN-{claim.number}", issue_date=day, total_amount=value, preceding_number=claim.number,
        )
        claim.open_amount -= value
    elif kind == "hold":
        hold_place(debtor=invoice.debtor, invoice=invoice, reason=HoldReason.PROMISE_TO_PAY, until=value)
        claim.held_until = value
    elif kind == "dispute":
        invoice_mark_disputed(invoice=invoice, reason="Goods not received")
        hold_place(debtor=invoice.debtor, invoice=invoice, reason=HoldReason.DISPUTE)
        claim.disputed = True


def plan_and_deliver(organization, day: dt.date) -> None:
    """Run the planner, then pass each message through the sender's claim and re-check and mark it sent.

    Rendering and e-mailing are left out here to keep 120 days fast; the
    sender's own tests cover them.
    """
    dunning_run(organization=organization, run_date=day)
    with tenant_context(organization):
        for message_id in queued_message_ids(organization, day):
            message = message_claim(message_id=message_id)
            if message is not None and message_recheck(message=message):
                message_record_sent(message=message, subject="simulation")


def test_120_days_match_the_expectation(org_alfa, portfolio, monkeypatch):
    claims, events = portfolio
    monkeypatch.setattr("dunning.holds.local_today", lambda organization: START)
    expected_actions, expected_messages = set(), set()
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        with tenant_context(org_alfa):
            invoices = {invoice.number: invoice for invoice in Invoice.objects.select_related("debtor")}
            for kind, claim, value in events.get(day, []):
                apply_event(org_alfa, kind, claim, value, day, invoices)
        for claim in claims:
            index = expected_sends(claim, day)
            if index is not None:
                expected_actions.add((claim.number, STEPS[index][1], day))
                expected_messages.add((claim.debtor, day))
        plan_and_deliver(org_alfa, day)

    with tenant_context(org_alfa):
        sent = list(
            DunningAction.objects.filter(status=ActionStatus.SENT).values_list(
                "invoice__number", "step__template", "run_date"
            )
        )
        messages = set(Message.objects.filter(status=MessageStatus.SENT).values_list("debtor__name", "run_date"))
    pairs = [(number, template) for number, template, _ in sent]
    assert len(pairs) == len(set(pairs)), "an invoice got the same step twice"
    assert len(expected_actions) > 300
    assert set(sent) == expected_actions
    assert messages == expected_messages
