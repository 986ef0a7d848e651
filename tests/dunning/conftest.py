"""Fixtures of the dunning tests: custom workflows, day-by-day runs, payments and credit notes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from dunning.selectors import queued_message_ids
from dunning.sender import dunning_message_send
from dunning.services import dunning_run
from invoices.services import payment_register
from payt.tenancy import tenant_context


@pytest.fixture
def run_day():
    """Plan ``date`` for the organisation, send its queued messages, and return the run result."""

    def run(organization, date):
        result = dunning_run(organization=organization, run_date=date)
        with tenant_context(organization):
            for message_id in queued_message_ids(organization, date):
                dunning_message_send(message_id=message_id)
        return result

    return run


@pytest.fixture
def run_days(run_day):
    """Run each day from ``first`` to ``last`` inclusive; return {date: that day's subjects}."""

    def run(organization, first, last, skip=()):
        sent_by_day = {}
        day = first
        while day <= last:
            if day not in skip:
                before = len(mail.outbox)
                run_day(organization, day)
                subjects = [message.subject for message in mail.outbox[before:]]
                if subjects:
                    sent_by_day[day] = subjects
            day += dt.timedelta(days=1)
        return sent_by_day

    return run


@pytest.fixture
def pay():
    def pay(invoice, amount, date, external_id=""):
        with tenant_context(invoice.organization):
            payment, _ = payment_register(
                organization=invoice.organization,
                amount=Decimal(amount),
                payment_date=date,
                invoice=invoice,
                external_id=external_id,
            )
        return payment

    return pay
