"""Translations of reminders and PDFs: the draft catalogue is complete and is used.

The draft ``locale_drafts/dunning.json`` is merged into ``locale/`` by hand.
These tests compile it on their own with GNU gettext (xgettext and msgfmt
must be installed), so they check the drafts whatever ``locale/`` contains.
"""

import ast
import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils.translation.template import templatize

from tests.dunning.helpers import pdf_attachment, pdf_pages

DRAFTS = Path(settings.BASE_DIR) / "locale_drafts" / "dunning.json"
PYTHON_SOURCES = [
    "dunning/content.py",
    "invoices/pdf.py",
    "dunning/sms.py",
    "dunning/letters.py",
    "dunning/scripts.py",
]
TEMPLATE_FOLDERS = ["templates/dunning", "templates/invoices", "templates/pdf"]
LANGUAGES = ("nl", "fr", "de")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def extract_msgids(tmp_path: Path) -> set[str]:
    """Collect the msgids of the dunning sources the way Django's makemessages does."""
    base = Path(settings.BASE_DIR)
    sources = [str(base / name) for name in PYTHON_SOURCES]
    for folder in TEMPLATE_FOLDERS:
        for template in sorted((base / folder).rglob("*.*")):
            converted = tmp_path / (template.name + ".py")
            converted.write_text(templatize(template.read_text(), origin=str(template)))
            sources.append(str(converted))
    pot = tmp_path / "dunning.pot"
    subprocess.run(
        [
            "xgettext",
            "--no-wrap",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=gettext_lazy",
            "--keyword=gettext",
            "--keyword=_",
            "--output",
            str(pot),
            *sources,
        ],
        check=True,
    )
    msgids = {
        ast.literal_eval(line[len("msgid ") :]) for line in pot.read_text().splitlines() if line.startswith("msgid ")
    }
    msgids.discard("")
    return msgids


def po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture
def draft_locale(tmp_path, settings):
    """Compile the drafts into a locale folder and make Django use only that folder."""
    drafts = json.loads(DRAFTS.read_text())
    for language in LANGUAGES:
        folder = tmp_path / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        entries = ['msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n']
        for msgid, translations in sorted(drafts.items()):
            entries.append(f"msgid {po_string(msgid)}\nmsgstr {po_string(translations[language])}\n")
        (folder / "django.po").write_text("\n".join(entries))
        subprocess.run(
            ["msgfmt", "--output-file", str(folder / "django.mo"), str(folder / "django.po")],
            check=True,
        )
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return drafts


def test_drafts_cover_every_msgid(tmp_path):
    drafts = json.loads(DRAFTS.read_text())
    msgids = extract_msgids(tmp_path)

    assert len(msgids) == 90
    assert sorted(msgids - set(drafts)) == []
    assert sorted(set(drafts) - msgids) == []


def test_drafts_keep_placeholders():
    drafts = json.loads(DRAFTS.read_text())
    for msgid, translations in drafts.items():
        assert sorted(translations) == ["de", "fr", "nl"], msgid
        for language in LANGUAGES:
            assert translations[language].strip() != "", (msgid, language)
            assert sorted(PLACEHOLDER.findall(translations[language])) == sorted(PLACEHOLDER.findall(msgid)), (
                msgid,
                language,
            )


@pytest.mark.parametrize(
    ("language", "subject", "phrases"),
    [
        (
            "nl",
            "Vriendelijke herinnering: factuur INV-1 van Alfa Installaties BV",
            [
                "Beste Debtor of INV-1,",
                "vervaldatum 1 oktober 2025",
                "open €\xa0600,00",
                "Met vriendelijke groet,",
            ],
        ),
        (
            "fr",
            "Rappel amical\xa0: facture INV-1 de Alfa Installaties BV",
            [
                "Bonjour Debtor of INV-1,",
                "échéance 1 octobre 2025",
                "restant dû 600,00\xa0€",
                "Cordialement,",
            ],
        ),
        (
            "de",
            "Zahlungserinnerung: Rechnung INV-1 von Alfa Installaties BV",
            [
                "Guten Tag Debtor of INV-1,",
                "fällig am 1. Oktober 2025",
                "offen 600,00\xa0€",
                "Mit freundlichen Grüßen",
            ],
        ),
    ],
)
def test_reminder_in_debtor_language(draft_locale, org_alfa, make_invoice, run_day, language, subject, phrases):
    make_invoice(org_alfa, number="INV-1", total="600.00", due_date=dt.date(2025, 10, 1), language=language)

    run_day(org_alfa, dt.date(2025, 10, 8))

    [email] = mail.outbox
    assert email.subject == subject
    for phrase in phrases:
        assert phrase in email.body
    name, content = pdf_attachment(email)
    pages = pdf_pages(content)
    expected_title = {
        "nl": "Vriendelijke herinnering",
        "fr": "Rappel amical",
        "de": "Zahlungserinnerung",
    }[language]
    assert expected_title in pages[0]
    expected_footer = {"nl": "Pagina 1 van 1", "fr": "Page 1 sur 1", "de": "Seite 1 von 1"}[language]
    assert pages[0].endswith(expected_footer)
    expected_name = {
        "nl": "vriendelijke-herinnering",
        "fr": "rappel-amical",
        "de": "zahlungserinnerung",
    }[language]
    assert name == f"{expected_name}-2025-10-08.pdf"
