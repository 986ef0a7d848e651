"""Read and update gettext .po files, for merging translation drafts and for tests.

Only what ``makemessages`` writes is supported: entries separated by blank
lines, ``#`` comment lines, and ``msgctxt``, ``msgid``, ``msgid_plural``,
``msgstr`` and ``msgstr[n]`` keywords whose strings may continue on
following lines. Obsolete entries (``#~``) are kept as they are and never
returned. Updating an entry rewrites only its ``msgstr`` lines and its
fuzzy flag; every other line of the file stays byte for byte.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(1)), text)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")


@dataclass
class PoEntry:
    """One message: ``msgstr`` contains one string, or one per plural form (index → text)."""

    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    comment_lines: list[str] = field(default_factory=list)
    # The msgctxt, msgid and msgid_plural lines exactly as read.
    key_lines: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.is_fuzzy

    def set_translation(self, msgstr: dict[int, str]) -> None:
        """Store the translation and drop the fuzzy flag with msgmerge's previous-msgid lines."""
        self.msgstr = dict(msgstr)
        self.flags = [flag for flag in self.flags if flag != "fuzzy"]
        self.comment_lines = [line for line in self.comment_lines if not line.startswith("#|")]

    def render(self) -> str:
        """Return the entry as .po text: the lines as read, with new flags and msgstr lines."""
        lines = [line for line in self.comment_lines if not line.startswith("#,")]
        if self.flags:
            lines.append("#, " + ", ".join(self.flags))
        lines.extend(self.key_lines)
        if self.msgid_plural:
            for index in sorted(self.msgstr):
                lines.extend(_keyword_lines(f"msgstr[{index}]", self.msgstr[index]))
        else:
            lines.extend(_keyword_lines("msgstr", self.msgstr.get(0, "")))
        return "\n".join(lines)


def _keyword_lines(keyword: str, text: str) -> list[str]:
    if "\n" not in text.rstrip("\n"):
        return [f'{keyword} "{escape(text)}"']
    parts = text.splitlines(keepends=True)
    return [f'{keyword} ""', *[f'"{escape(part)}"' for part in parts]]


def parse_entry(block: str) -> PoEntry | None:
    """Parse one blank-line-separated block; return None for obsolete or empty blocks."""
    entry = PoEntry()
    current: tuple[str, int] | None = None
    for line in block.splitlines():
        if line.startswith("#~"):
            return None
        if line.startswith("#"):
            entry.comment_lines.append(line)
            if line.startswith("#:"):
                entry.references.extend(line[2:].split())
            elif line.startswith("#,"):
                entry.flags.extend(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword = _KEYWORD.match(line)
        continuation = _CONTINUATION.match(line)
        if keyword:
            name, index, text = keyword.group(1), keyword.group(2), unescape(keyword.group(3))
            current = (name, int(index) if index is not None else 0)
            _append(entry, current, text)
        elif continuation and current is not None:
            _append(entry, current, unescape(continuation.group(1)))
        else:
            raise ValueError(f"Unexpected line in .po entry: {line!r}")
        if not current[0].startswith("msgstr"):
            entry.key_lines.append(line)
    if current is None:
        return None
    return entry


def _append(entry: PoEntry, current: tuple[str, int], text: str) -> None:
    name, index = current
    if name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif name == "msgid":
        entry.msgid += text
    elif name == "msgid_plural":
        entry.msgid_plural += text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


@dataclass
class PoFile:
    """A .po file as a list of blocks; entries changed with ``set_translation`` are written back."""

    path: Path
    blocks: list[str]
    entries: dict[int, PoEntry]

    @classmethod
    def read(cls, path: Path) -> "PoFile":
        blocks = path.read_text(encoding="utf-8").rstrip("\n").split("\n\n")
        entries = {}
        for index, block in enumerate(blocks):
            entry = parse_entry(block)
            if entry is not None:
                entries[index] = entry
        return cls(path=path, blocks=blocks, entries=entries)

    def messages(self) -> list[PoEntry]:
        """Return every entry except the header, in file order."""
        return [entry for entry in self.entries.values() if not entry.is_header]

    def write(self) -> None:
        """Write the file, re-rendering only the entries whose text or flags changed."""
        for index, entry in self.entries.items():
            original = parse_entry(self.blocks[index])
            if (original.msgstr, original.flags) != (entry.msgstr, entry.flags):
                self.blocks[index] = entry.render()
        self.path.write_text("\n\n".join(self.blocks) + "\n", encoding="utf-8")
