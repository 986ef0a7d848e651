"""Payment plan texts are translated: debtor-facing ones in nl, fr and de, the dashboard's in nl."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from dashboard.locale_files import PoFile

LOCALE = Path(settings.LOCALE_PATHS[0])
DRAFT = Path(settings.BASE_DIR) / "locale_drafts" / "plans.json"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
DEBTOR_FACING = (
    "templates/portal/plans/",
    "templates/payments/plans/",
    "portal/plan_",
    "payments/plan_checkout.py",
    "payments/plans.py",
)
CONTROLLER_FACING = (
    "templates/dashboard/plans/",
    "dashboard/plan_",
    "payments/plan_notices.py",
    "payments/plan_rules.py",
    "payments/models.py",
)


def untranslated(language: str, sources: tuple[str, ...]) -> list[str]:
    po = PoFile.read(LOCALE / language / "LC_MESSAGES" / "django.po")
    return [
        entry.msgid
        for entry in po.messages()
        if any(reference.startswith(sources) for reference in entry.references)
        and (not entry.is_translated or entry.is_fuzzy)
    ]


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_debtor_facing_plan_texts_translated(language):
    assert untranslated(language, DEBTOR_FACING) == []


def test_dashboard_plan_texts_in_dutch():
    assert untranslated("nl", CONTROLLER_FACING) == []


def test_plan_draft_keeps_placeholders():
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))

    mismatches = [
        (msgid, language, text)
        for msgid, entry in draft.items()
        for language, text in entry.items()
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid))
    ]

    assert mismatches == []
