"""The portal's translation draft: every language has every placeholder of its msgid."""

import json
import re
from pathlib import Path

from django.conf import settings

DRAFT = Path(settings.BASE_DIR) / "locale_drafts" / "portal.json"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_locale_draft_keeps_placeholders():
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))

    mismatches = []
    for msgid, entry in draft.items():
        expected = set(PLACEHOLDER.findall(msgid))
        for language in ("nl", "fr", "de"):
            forms = entry[language] if isinstance(entry[language], list) else [entry[language]]
            mismatches += [
                (msgid, language, form)
                for form in forms
                if set(PLACEHOLDER.findall(form)) != expected
            ]

    assert mismatches == []


def test_locale_draft_plurals_have_two_forms():
    draft = json.loads(DRAFT.read_text(encoding="utf-8"))

    plurals = {msgid: entry for msgid, entry in draft.items() if "msgid_plural" in entry}

    assert "%(counter)s invoice to pay." in plurals
    form_counts = {
        msgid: [len(entry[language]) for language in ("nl", "fr", "de")]
        for msgid, entry in plurals.items()
    }
    assert form_counts == {msgid: [2, 2, 2] for msgid in plurals}
