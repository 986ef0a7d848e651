"""The .po reader and writer used to merge translation drafts."""

import json

from django.core.management import call_command

from dashboard.locale_files import PoFile

PO_TEXT = r"""# Header comment
msgid ""
msgstr ""
"Language: \n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: templates/a.html:1
msgid "Open"
msgstr ""

#: templates/a.html:2
msgctxt "amount"
msgid "Open"
msgstr ""

#: templates/b.html:3
#, fuzzy
#| msgid "Old text"
msgid ""
"A long message that makemessages wrapped over "
"two lines with a \"quote\"."
msgstr "Oude tekst"

#: templates/c.html:4
#, python-format
msgid "%(counter)s invoice"
msgid_plural "%(counter)s invoices"
msgstr[0] ""
msgstr[1] ""

#: templates/d.html:5
msgid "Untouched"
msgstr "Onaangeroerd"

#~ msgid "Obsolete"
#~ msgstr "Verouderd"
"""


def write_po(tmp_path, language="nl"):
    folder = tmp_path / "locale" / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    path = folder / "django.po"
    path.write_text(PO_TEXT, encoding="utf-8")
    return path


def test_parser_reads_entries(tmp_path):
    po = PoFile.read(write_po(tmp_path))

    messages = po.messages()
    assert [entry.msgid for entry in messages][:2] == ["Open", "Open"]
    assert messages[1].msgctxt == "amount"
    assert messages[2].msgid == 'A long message that makemessages wrapped over two lines with a "quote".'
    assert messages[2].is_fuzzy
    assert messages[3].msgid_plural == "%(counter)s invoices"
    assert messages[3].msgstr == {0: "", 1: ""}
    assert messages[4].is_translated
    assert len(messages) == 5


def test_writer_changes_only_touched_entries(tmp_path):
    path = write_po(tmp_path)
    po = PoFile.read(path)

    po.messages()[0].set_translation({0: "Open"})
    po.write()

    text = path.read_text(encoding="utf-8")
    assert 'msgid "Open"\nmsgstr "Open"\n' in text
    assert '"A long message that makemessages wrapped over "\n"two lines' in text
    assert '#~ msgid "Obsolete"' in text
    assert text.replace('msgstr "Open"', 'msgstr ""', 1) == PO_TEXT


def test_merge_command_fills_from_drafts(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    path = write_po(tmp_path)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "portal.json").write_text(json.dumps({"Open": {"nl": "Open"}}), encoding="utf-8")
    (drafts / "dashboard.json").write_text(
        json.dumps(
            {
                "Open": {"nl": "Openstaand"},
                "amount\u0004Open": {"nl": "Openstaand"},
                "%(counter)s invoice": {"nl": ["%(counter)s factuur", "%(counter)s facturen"]},
            }
        ),
        encoding="utf-8",
    )

    call_command("locale_merge_drafts", languages=["nl"], drafts=str(drafts))

    po = PoFile.read(path)
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in po.messages()}
    # The portal's draft wins over the dashboard's for the same msgid.
    assert by_key[(None, "Open")].msgstr == {0: "Open"}
    assert by_key[("amount", "Open")].msgstr == {0: "Openstaand"}
    assert by_key[(None, "%(counter)s invoice")].msgstr == {0: "%(counter)s factuur", 1: "%(counter)s facturen"}
    fuzzy = by_key[(None, 'A long message that makemessages wrapped over two lines with a "quote".')]
    assert fuzzy.msgstr == {0: ""}
    assert not fuzzy.is_fuzzy
    assert by_key[(None, "Untouched")].msgstr == {0: "Onaangeroerd"}
    assert "Language: nl\\n" in path.read_text(encoding="utf-8")
