"""An organisation's own template texts: used by the sender, limited to their language and tenant."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from dunning.content import reminder_context
from dunning.models import StepTemplate, TemplateText
from dunning.step_preview import StepDraft, preview_lines, preview_message
from dunning.workflows import template_text_save
from payt.tenancy import tenant_context

RUN_DATE = dt.date(2025, 10, 8)
OWN_TEXT = {
    "subject": "Herinnering van %(creditor)s voor %(debtor)s: %(numbers)s",
    "intro": "Wij missen nog %(count)s betaling(en), samen %(total)s.",
    "request": "Maak %(total)s over, dan is alles weer in orde. 100%% duidelijk?",
}


def save_own_text(organization, template=StepTemplate.FRIENDLY_REMINDER, language="nl", **texts):
    with tenant_context(organization):
        return template_text_save(
            organization=organization,
            actor=None,
            template=template,
            language=language,
            **{**OWN_TEXT, **texts},
        )


def test_sender_uses_own_text(org_alfa, make_invoice, run_day):
    save_own_text(org_alfa)
    make_invoice(org_alfa, number="T-1", total="80.00", due_date=dt.date(2025, 10, 1), language="nl", name="Piet Bos")

    run_day(org_alfa, RUN_DATE)

    [email] = mail.outbox
    assert email.subject == "Herinnering van Alfa Installaties BV voor Piet Bos: T-1"
    assert "Wij missen nog 1 betaling(en), samen €\xa080,00." in email.body
    assert "Maak €\xa080,00 over, dan is alles weer in orde. 100% duidelijk?" in email.body
    assert "Graag herinneren wij u eraan" not in email.body


def test_own_text_only_in_its_language(org_alfa, make_invoice, run_day):
    save_own_text(org_alfa, language="de")
    make_invoice(org_alfa, number="T-2", total="80.00", due_date=dt.date(2025, 10, 1), language="nl")

    run_day(org_alfa, RUN_DATE)

    [email] = mail.outbox
    assert email.subject == "Vriendelijke herinnering: factuur T-2 van Alfa Installaties BV"


def test_other_tenant_text_not_used(org_alfa, org_bravo, make_invoice, run_day):
    save_own_text(org_bravo)
    make_invoice(org_alfa, number="T-3", total="80.00", due_date=dt.date(2025, 10, 1), language="nl")

    run_day(org_alfa, RUN_DATE)

    [email] = mail.outbox
    assert email.subject == "Vriendelijke herinnering: factuur T-3 van Alfa Installaties BV"


def test_empty_part_keeps_built_in_text(org_alfa, make_invoice, run_day):
    save_own_text(org_alfa, subject="", request="")
    make_invoice(org_alfa, number="T-4", total="80.00", due_date=dt.date(2025, 10, 1), language="nl")

    run_day(org_alfa, RUN_DATE)

    [email] = mail.outbox
    assert email.subject == "Vriendelijke herinnering: factuur T-4 van Alfa Installaties BV"
    assert "Wij missen nog 1 betaling(en), samen €\xa080,00." in email.body
    assert "Wilt u het openstaande bedrag van €\xa080,00 zo spoedig mogelijk betalen?" in email.body


def test_own_text_keeps_fourteen_day_term(org_alfa, make_invoice):
    save_own_text(org_alfa, template=StepTemplate.FOURTEEN_DAY_LETTER)
    invoice = make_invoice(
        org_alfa, number="T-5", total="80.00", due_date=dt.date(2025, 10, 1), language="nl", kind="consumer"
    )

    with tenant_context(org_alfa):
        message = preview_message(invoice.debtor, StepDraft(StepTemplate.FOURTEEN_DAY_LETTER), RUN_DATE)
        lines = preview_lines(invoice.debtor, StepTemplate.FOURTEEN_DAY_LETTER, RUN_DATE)
        with translation.override("nl"):
            context = reminder_context(message, lines, "https://pay.example/p/x", costs_stated="€\xa040,00")

    assert context["intro"] == "Wij missen nog 1 betaling(en), samen €\xa080,00."
    assert "binnen veertien dagen na de dag waarop u deze brief hebt ontvangen" in context["notices"][0]
    assert "€\xa040,00" in context["notices"][1]


def test_broken_own_text_falls_back(org_alfa, make_invoice, run_day, caplog):
    with tenant_context(org_alfa):
        # Written around the service's check, as an admin edit could.
        TemplateText.objects.create(
            organization=org_alfa,
            template=StepTemplate.FRIENDLY_REMINDER,
            language="nl",
            subject="Betaal %(amount)s",
            intro="50% korting",
            request="",
        )
    make_invoice(org_alfa, number="T-6", total="80.00", due_date=dt.date(2025, 10, 1), language="nl")

    with caplog.at_level(logging.WARNING, logger="dunning.content"):
        run_day(org_alfa, RUN_DATE)

    [email] = mail.outbox
    assert email.subject == "Vriendelijke herinnering: factuur T-6 van Alfa Installaties BV"
    assert "Graag herinneren wij u eraan dat het onderstaande bedrag nog openstaat." in email.body
    assert "broken placeholder" in caplog.text


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("subject", "Betaal %(amount)s", "Unknown placeholder %(amount)s"),
        ("intro", "Nog %(total)d open", "Placeholder %(total)d must end in s; write %(total)s."),
        ("request", "50% korting", "The text has a % sign that is not a placeholder."),
        ("request", "Betaal %s", "The text has a % sign that is not a placeholder."),
    ],
)
def test_bad_placeholder_rejected(org_alfa, field, text, expected):
    with pytest.raises(ValidationError) as error:
        save_own_text(org_alfa, **{field: text})

    assert list(error.value.message_dict) == [field]
    assert expected in error.value.message_dict[field][0]
    with tenant_context(org_alfa):
        assert not TemplateText.objects.exists()
