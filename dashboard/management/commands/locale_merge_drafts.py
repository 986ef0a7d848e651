"""Fill empty translations in locale/*/LC_MESSAGES/django.po from locale_drafts/*.json.

The full cycle, from the repository root:

    python manage.py makemessages -l nl -l fr -l de --ignore='.venv/*' \
        --ignore='staticfiles/*' --ignore='payments/mollie_local/*' --ignore='tests/*'
    python manage.py locale_merge_drafts
    python manage.py compilemessages --ignore='.venv/*'

The local Mollie server's templates are Jinja (Flask), not Django templates,
so makemessages must skip them.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.locale_files import PoEntry, PoFile

DRAFTS_LAST = "dashboard.json"
# A draft key for a message with a context is "context" + EOT + "msgid", as in compiled catalogues.
CONTEXT_SEPARATOR = "\x04"


class Command(BaseCommand):
    help = (
        "Fill empty or fuzzy msgstr entries of the .po files from the translation drafts "
        "and clear fuzzy entries that no draft covers "
        "(locale_drafts/<app>.json: {msgid: {language: text, or a list of plural forms}}; "
        "a message with a context has the key context + U+0004 + msgid). "
        "Existing translations are kept. Run makemessages before and compilemessages after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--languages", nargs="+", default=["nl", "fr", "de"], help="Locales to fill")
        parser.add_argument(
            "--drafts",
            default=str(settings.BASE_DIR / "locale_drafts"),
            help="Folder of the JSON drafts",
        )

    def handle(self, *args, languages, drafts, **options):
        sources = self._read_drafts(Path(drafts))
        used: set[str] = set()
        for language in languages:
            path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
            if not path.exists():
                raise CommandError(f"{path} is missing; run `manage.py makemessages -l {language}` first.")
            po = PoFile.read(path)
            _fix_header(po, language)
            filled, missing = self._fill(po, language, sources, used)
            po.write()
            self.stdout.write(f"{language}: filled {filled}, still untranslated {len(missing)}")
            for msgid in missing:
                self.stdout.write(f"  untranslated: {msgid!r}")

        unused = sorted(set(sources) - used)
        for msgid in unused:
            self.stdout.write(f"draft not in any .po file (stale?): {msgid!r}")

    def _read_drafts(self, folder: Path) -> dict[str, dict]:
        """Merge the drafts; the owning app's draft wins, and dashboard.json is read last."""
        paths = sorted(folder.glob("*.json"), key=lambda path: (path.name == DRAFTS_LAST, path.name))
        if not paths:
            raise CommandError(f"No drafts found in {folder}.")
        merged: dict[str, dict] = {}
        for path in paths:
            try:
                draft = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise CommandError(f"{path} is not valid JSON: {error}") from None
            for msgid, translations in draft.items():
                for language, text in translations.items():
                    merged.setdefault(msgid, {}).setdefault(language, text)
            self.stdout.write(f"read {len(draft)} drafts from {path.name}")
        return merged

    def _fill(self, po: PoFile, language: str, sources: dict, used: set) -> tuple[int, list[str]]:
        filled = 0
        missing = []
        for entry in po.messages():
            key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}"
            used.add(key)
            if entry.is_translated:
                continue
            text = sources.get(key, {}).get(language)
            translation = _as_msgstr(entry, text)
            if translation is None:
                # msgmerge guesses a fuzzy translation from a similar msgid, which
                # is wrong for pairs such as "Open" (amount) and "Open" (status).
                if entry.is_fuzzy:
                    entry.set_translation({index: "" for index in entry.msgstr})
                missing.append(key)
                continue
            entry.set_translation(translation)
            filled += 1
        return filled, missing


def _as_msgstr(entry: PoEntry, text) -> dict[int, str] | None:
    """Return the msgstr forms for ``entry``, or None when the draft does not fit it."""
    if text is None:
        return None
    if entry.msgid_plural:
        forms = text if isinstance(text, list) else None
        if forms is None or len(forms) != len(entry.msgstr):
            return None
        return dict(enumerate(forms))
    return {0: text} if isinstance(text, str) else None


def _fix_header(po: PoFile, language: str) -> None:
    """Set the Language field and drop the fuzzy flag that makemessages puts on a new header."""
    header = next(entry for entry in po.entries.values() if entry.is_header)
    text = header.msgstr.get(0, "")
    text = text.replace("Language: \n", f"Language: {language}\n")
    header.set_translation({0: text})
