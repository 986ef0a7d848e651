"""Wording of every reminder template in Dutch, English, French and German, and the 14-day letter's content.

These tests use the compiled catalogues in ``locale/``, the ones the sender uses.
"""

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from debtors.models import DebtorKind
from dunning.content import MissingLegalContent, reminder_context, reminder_subject, render_bodies, render_phone_script
from dunning.models import StepTemplate
from dunning.step_preview import StepDraft, preview_lines, preview_message
from dunning.wording import (
    COSTS_OWED,
    COSTS_VAT_STATEMENT,
    FOURTEEN_DAY_CONSEQUENCE,
    FOURTEEN_DAY_TERM,
    INTEREST_IN_TABLE,
    INTEREST_OWED,
    TEXT_PLACEHOLDERS,
    WORDING,
)
from invoices.pdf import format_money
from payt.tenancy import tenant_context

TODAY = dt.date(2025, 11, 20)
PORTAL_URL = "https://pay.example/p/token"
TRANSLATED_LANGUAGES = ("nl", "fr", "de")
ALL_LANGUAGES = ("nl", "en", "fr", "de")
FOURTEEN_DAY_TERMS = {
    "nl": "binnen veertien dagen na de dag waarop u deze brief hebt ontvangen",
    "en": "within fourteen days of the day after you received this letter",
    "fr": "dans un délai de quatorze jours à compter du lendemain du jour où vous avez reçu cette lettre",
    "de": "innerhalb von vierzehn Tagen ab dem Tag nach dem Erhalt dieses Schreibens",
}
# Words that mention costs in each language; a reminder without costs stated must contain none of them.
COST_WORDS = re.compile(r"kosten|costs|frais|Kosten|incasso|Inkasso|recouvrement", re.IGNORECASE)
# Every English sentence the wording can add; none may survive in a translated message.
ENGLISH_SOURCES = [
    str(text)
    for wording in WORDING.values()
    for text in (wording.title, wording.intro, wording.request, wording.subject_one, wording.subject_many, wording.sms)
    if text is not None
] + [
    str(text)
    for text in (
        FOURTEEN_DAY_TERM,
        FOURTEEN_DAY_CONSEQUENCE,
        COSTS_VAT_STATEMENT,
        COSTS_OWED,
        INTEREST_OWED,
        INTEREST_IN_TABLE,
    )
]


def english_fragments() -> set[str]:
    """Return the literal pieces of the English sources, between placeholders, that are long enough to be telling.

    The sources are the wording above and every debtor-facing msgid of the
    reminder templates (the keys of the dunning translation draft).
    """
    drafts = json.loads((Path(settings.BASE_DIR) / "locale_drafts" / "dunning.json").read_text())
    fragments = set()
    for source in [*ENGLISH_SOURCES, *drafts]:
        for piece in re.split(r"%\(\w+\)s", source):
            piece = piece.strip(" .,:;?")
            if len(piece) >= 12:
                fragments.add(piece)
    return fragments


@pytest.fixture
def debtor_with_claims(org_alfa, make_invoice):
    """A Dutch consumer with two overdue invoices and one not yet due on TODAY."""

    def make(language="nl", kind=DebtorKind.CONSUMER):
        first = make_invoice(
            org_alfa,
            number="W-1",
            total="150.00",
            due_date=dt.date(2025, 10, 1),
            language=language,
            kind=kind,
            name="Anna de Vries",
        )
        make_invoice(org_alfa, number="W-2", total="116.66", due_date=dt.date(2025, 10, 15), debtor=first.debtor)
        make_invoice(org_alfa, number="W-3", total="99.00", due_date=dt.date(2025, 12, 1), debtor=first.debtor)
        return first.debtor

    return make


def render(debtor, template, language=None, **context_options):
    """Render the message of ``template`` for ``debtor``: (subject, text body, HTML body, context)."""
    with tenant_context(debtor.organization):
        message = preview_message(debtor, StepDraft(template=template), TODAY, language or "")
        lines = preview_lines(debtor, template, TODAY)
        with translation.override(message.language):
            context = reminder_context(message, lines, PORTAL_URL, **context_options)
            text, html = render_bodies(context)
            subject = reminder_subject(message, lines)
            context["phone_script"] = render_phone_script(context)
    return subject, text, html, context


def fourteen_day_costs(language: str) -> str:
    return format_money(Decimal("40.00"), "EUR", language)


def options_for(template: str, language: str) -> dict:
    if template == StepTemplate.FOURTEEN_DAY_LETTER:
        return {"costs_stated": fourteen_day_costs(language)}
    return {}


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_wording_string_translated(language):
    with translation.override("en"):
        english_descriptions = [str(description) for description in TEXT_PLACEHOLDERS.values()]
    with translation.override(language):
        for source in ENGLISH_SOURCES:
            assert translation.gettext(source) != source, (language, source)
        descriptions = [str(description) for description in TEXT_PLACEHOLDERS.values()]
    for english, translated in zip(english_descriptions, descriptions, strict=True):
        assert translated != english, (language, english)


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("template", StepTemplate.values)
def test_template_renders_without_english(debtor_with_claims, template, language):
    debtor = debtor_with_claims(language)

    subject, text, html, context = render(debtor, template, **options_for(template, language))

    rendered = "\n".join([subject, text, html, context["sms"], context["phone_script"]])
    leftovers = [fragment for fragment in english_fragments() if fragment in rendered]
    assert leftovers == []
    assert "%(" not in rendered
    assert context["language"] == language


@pytest.mark.parametrize("template", StepTemplate.values)
def test_template_renders_in_english(debtor_with_claims, template):
    debtor = debtor_with_claims("en")

    subject, text, html, context = render(debtor, template, **options_for(template, "en"))

    assert subject.endswith("from Alfa Installaties BV")
    assert context["intro"] == str(WORDING[context["template"]].intro) % {"creditor": "Alfa Installaties BV"}
    assert context["intro"] in text
    assert "Dear Anna de Vries," in text
    assert "%(" not in text + html + subject


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_fourteen_day_letter_states_term_and_costs(debtor_with_claims, language):
    debtor = debtor_with_claims(language)
    costs = fourteen_day_costs(language)

    subject, text, html, context = render(debtor, StepTemplate.FOURTEEN_DAY_LETTER, costs_stated=costs)

    assert FOURTEEN_DAY_TERMS[language] in text
    assert FOURTEEN_DAY_TERMS[language] in html
    [term] = [notice for notice in context["notices"] if FOURTEEN_DAY_TERMS[language] in notice]
    assert term.startswith("Alfa Installaties BV ")
    assert format_money(Decimal("266.66"), "EUR", language) in term
    [consequence] = [notice for notice in context["notices"] if costs in notice]
    assert "Besluit vergoeding voor buitengerechtelijke incassokosten" in consequence


def test_fourteen_day_letter_dutch_sentence_exact(debtor_with_claims):
    debtor = debtor_with_claims("nl")

    _, text, _, context = render(debtor, StepTemplate.FOURTEEN_DAY_LETTER, costs_stated="€\xa040,00")

    assert context["notices"][:2] == [
        "Alfa Installaties BV verzoekt u het openstaande bedrag van €\xa0266,66 te betalen "
        "binnen veertien dagen na de dag waarop u deze brief hebt ontvangen.",
        "Betaalt u niet binnen deze termijn, dan bent u daarnaast incassokosten verschuldigd van €\xa040,00, "
        "berekend volgens het Besluit vergoeding voor buitengerechtelijke incassokosten.",
    ]
    assert "btw" not in text


def test_fourteen_day_letter_lists_every_open_claim(debtor_with_claims):
    debtor = debtor_with_claims("nl")

    _, text, _, context = render(debtor, StepTemplate.FOURTEEN_DAY_LETTER, costs_stated="€\xa040,00")

    assert [(row["number"], row["open"]) for row in context["rows"]] == [
        ("W-1", "€\xa0150,00"),
        ("W-2", "€\xa0116,66"),
    ]
    assert "- W-1: vervaldatum 1 oktober 2025" in text
    assert "- W-2: vervaldatum 15 oktober 2025" in text
    # W-3 is not yet due, so the debtor is not in default for it.
    assert "W-3" not in text


def test_fourteen_day_letter_vat_statement(debtor_with_claims):
    debtor = debtor_with_claims("nl")

    _, text, _, _ = render(
        debtor, StepTemplate.FOURTEEN_DAY_LETTER, costs_stated="€\xa048,40", costs_vat_added=True
    )

    assert "incassokosten verschuldigd van €\xa048,40" in text
    assert (
        "Alfa Installaties BV kan de btw over deze incassokosten niet verrekenen; "
        "daarom zijn de incassokosten verhoogd met de btw."
    ) in text


def test_fourteen_day_letter_interest(debtor_with_claims):
    debtor = debtor_with_claims("nl")
    with tenant_context(debtor.organization):
        lines = preview_lines(debtor, StepTemplate.FOURTEEN_DAY_LETTER, TODAY)
    interest = {lines[0].invoice.pk: "€\xa01,23", lines[1].invoice.pk: "€\xa00,45"}

    _, text, html, context = render(
        debtor,
        StepTemplate.FOURTEEN_DAY_LETTER,
        costs_stated="€\xa040,00",
        show_interest=True,
        interest_by_invoice=interest,
    )

    assert "de wettelijke rente verschuldigd vanaf de dag waarop u in verzuim bent tot de dag van betaling" in text
    assert "De tabel toont de rente tot de datum van deze brief." in text
    assert "rente €\xa01,23" in text
    assert "<th class=\"amount\">Rente</th>" in html
    assert context["show_interest_column"] is True


def test_fourteen_day_letter_requires_costs(debtor_with_claims):
    debtor = debtor_with_claims("nl")

    with pytest.raises(MissingLegalContent):
        render(debtor, StepTemplate.FOURTEEN_DAY_LETTER)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.parametrize(
    "template",
    [StepTemplate.PRE_DUE_NOTICE, StepTemplate.FRIENDLY_REMINDER, StepTemplate.SECOND_REMINDER],
)
def test_consumer_reminder_never_mentions_costs(debtor_with_claims, template, language):
    debtor = debtor_with_claims(language)

    subject, text, html, context = render(debtor, template)

    rendered = "\n".join([subject, text, html, context["sms"]])
    assert COST_WORDS.findall(rendered) == []
    assert context["notices"] == []


def test_costs_sentence_states_exact_amount(debtor_with_claims):
    debtor = debtor_with_claims("en", kind=DebtorKind.COMPANY)

    _, text, html, context = render(debtor, StepTemplate.SECOND_REMINDER, costs_stated="€40.00")

    assert "In addition to the open amount, you owe collection costs of €40.00." in text
    assert context["notices"] == ["In addition to the open amount, you owe collection costs of €40.00."]
    assert "VAT" not in text


def test_costs_per_invoice_in_table(debtor_with_claims):
    debtor = debtor_with_claims("en", kind=DebtorKind.COMPANY)
    with tenant_context(debtor.organization):
        lines = preview_lines(debtor, StepTemplate.FINAL_NOTICE, TODAY)

    _, text, html, _ = render(
        debtor,
        StepTemplate.FINAL_NOTICE,
        costs_stated="€80.00",
        costs_by_invoice={line.invoice.pk: "€40.00" for line in lines},
        total_due="€346.66",
    )

    assert "- W-1: due date 1 October 2025, days overdue 50, total €150.00, paid €0.00, open €150.00, " \
        "collection costs €40.00" in text
    assert "Total due, including costs and interest: €346.66" in text
    assert '<th class="amount">Collection costs</th>' in html


def test_pre_due_notice_lists_invoices_not_yet_due(debtor_with_claims):
    debtor = debtor_with_claims("en")

    subject, text, _, _ = render(debtor, StepTemplate.PRE_DUE_NOTICE)

    assert subject == "Payment due soon: invoice W-3 from Alfa Installaties BV"
    assert "Please pay €99.00 by the due date." in text


def test_friendly_reminder_before_due_date_reads_as_due_soon(debtor_with_claims):
    debtor = debtor_with_claims("nl")
    with tenant_context(debtor.organization):
        message = preview_message(debtor, StepDraft(template=StepTemplate.FRIENDLY_REMINDER), TODAY)
        lines = preview_lines(debtor, StepTemplate.PRE_DUE_NOTICE, TODAY)
        with translation.override("nl"):
            subject = reminder_subject(message, lines)

    assert subject == "Vervaldatum nadert: factuur W-3 van Alfa Installaties BV"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "Alfa Installaties BV: een vriendelijke herinnering dat €\xa0266,66 nog openstaat."),
        ("fr", "Alfa Installaties BV\xa0: petit rappel, 266,66\xa0€ reste à régler."),
        ("de", "Alfa Installaties BV: Eine freundliche Erinnerung, dass 266,66\xa0€ noch offen ist."),
        ("en", "Alfa Installaties BV: a friendly reminder that €266.66 is still open."),
    ],
)
def test_sms_text(debtor_with_claims, language, expected):
    debtor = debtor_with_claims(language)

    _, _, _, context = render(debtor, StepTemplate.FRIENDLY_REMINDER)

    assert context["sms"].startswith(expected)
    assert context["sms"].endswith(PORTAL_URL)


def test_phone_script(debtor_with_claims):
    debtor = debtor_with_claims("nl")

    _, _, _, context = render(debtor, StepTemplate.PHONE_CALL)
    script = context["phone_script"]

    assert script.startswith("Goedendag, ik bel namens Alfa Installaties BV over de onderstaande facturen")
    assert "- W-1: vervaldatum 1 oktober 2025, dagen te laat 50, open €\xa0150,00" in script
    assert "Kunt u mij vertellen wanneer wij de betaling van €\xa0266,66 kunnen verwachten?" in script


def test_payment_details_with_iban(debtor_with_claims, org_alfa):
    org_alfa.iban = "NL91ABNA0417164300"
    org_alfa.save(update_fields=["iban"])
    debtor = debtor_with_claims("de")

    _, text, _, _ = render(debtor, StepTemplate.FRIENDLY_REMINDER)

    assert (
        "Bitte überweisen Sie den Betrag auf die IBAN NL91ABNA0417164300, lautend auf Alfa Installaties BV, "
        "und geben Sie dabei die Rechnungsnummern an."
    ) in text
