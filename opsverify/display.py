"""How words from outside (a target's answer, a file's name, a person's note) are shown: as written, never
acted on. A terminal acts on control characters (`visible`); Allure's description is markdown (`literal`).
The redactor knows both forms, so a secret learned late is still found in what was written early."""

from __future__ import annotations

import errno
import re
from typing import Any

# What a terminal or a page acts on rather than shows: C0 controls but the line break and tab (a carriage
# return rewrites the line, ESC starts a colour or a cursor move), DEL, C1, and the bidirectional controls
# that reorder what is read (Unicode's Bidi_Control: the Arabic letter mark, LRM, RLM, the embeddings,
# overrides and isolates); and half of a UTF-16 pair alone (a JSON escape can make one), which no
# terminal or file can hold at all.
_ACTED_ON_CHARACTERS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ACTED_ON = re.compile(f"[{_ACTED_ON_CHARACTERS}]")

# Unicode's format characters (category Cf, as of Unicode 15.1), which show as nothing: a zero-width space, joiner
# and non-joiner, a word joiner, a byte order mark, a soft hyphen, the invisible operators, the tag characters
# (the bidirectional ones are above). `ok\u200b` would read as `ok`. A regular expression has no category, so
# they are written out (tests/test_display_invisible.py checks them against the running Python's Unicode).
FORMAT_CHARACTERS = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
                     "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
_NOT_SHOWN = re.compile(f"[{_ACTED_ON_CHARACTERS}{FORMAT_CHARACTERS}]")
_FORMAT = re.compile(f"[{FORMAT_CHARACTERS}]")


def blank(text: str) -> bool:
    """Whether words a person wrote say nothing: only blanks, or characters that show as nothing (a zero-width
    space, a byte order mark) — a reason, a title or an approver of them names nothing and no one. One notion for
    every file a person writes (checklists, waivers)."""
    return not _FORMAT.sub("", text).strip()


def blank_held(text: str) -> str:
    """What a message calling `text` blank adds: nothing for blanks; for characters that show as nothing, what it
    holds, spelled (in the file it does not look blank)."""
    held = text.strip()
    return f" (it holds only characters that show as nothing: {spelled(held)})" if held else ""


def acted_on(text: str) -> str | None:
    """The first character of `text` a terminal or a page would act on (as its code point), else None."""
    found = _ACTED_ON.search(text)
    return None if found is None else f"U+{ord(found[0]):04X}"


def visible(text: str) -> str:
    """Text from a target, safe to print and read: each character a terminal acts on, and each that shows as
    nothing (a format character), written as its escape (ESC as \\x1b, a zero-width space as \\u200b). Every
    other character shows as it is — accents, CJK, emoji; an emoji sequence joined by U+200D (👩\\u200d💻) shows its
    parts and the joiner spelled out: an auditor sees each character, and no invisible one joins two words. A line
    break stays one: text the suite lays out over lines (`opsverify init`'s next steps) passes through here too;
    a message is `one_line`."""
    if text.isascii() and not _ACTED_ON.search(text):  # isascii: a flag Python keeps; no format character is ASCII
        return text
    return _NOT_SHOWN.sub(lambda m: _escape(m[0]), text)


def one_line(text: str) -> str:
    """A message (an outcome's expected, observed and remediation, a cause line, a warning) as `visible` shows it,
    its line breaks written as their escape (\\x0a, as `opsverify verify` writes a name) too: a target's words —
    a table named "x\\nPASSED …" — cannot print a line of their own in the console or a CI log."""
    shown = visible(text)
    return shown.replace("\n", "\\x0a") if "\n" in shown else shown


def spelled(text: str) -> str:
    """A name (an id, a key, a family) shown with every character seen: what `visible` escapes, and also what a
    terminal shows as nothing or as a blank — a zero-width space, a non-breaking space, a tag character — so
    that a message about the id `A1\\u200b` does not read as one about `A1`."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    # a soft hyphen (the one format character below U+0100) as \u00ad, as JSON and the other soft-wrap marks are
    # spelled: the redactor reads a secret split by one so
    short = code < 0x100 and char != "\u00ad"
    return f"\\x{code:02x}" if short else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# Markdown's inline marks, and what starts a block at the beginning of a line (a list, a quote, a heading,
# a setext underline, a numbered item). ASCII punctuation escaped with a backslash reads as itself.
_INLINE_MARKS = re.compile(r"([\\`*_\[\]<>!&~|#])")
_LINE_START_MARK = re.compile(r"^([ \t]*)([-+=]|\d+(?=[.)]))", re.MULTILINE)
_ANY_MARK = re.compile(r"[\\`*_\[\]<>!&~|#]|^[ \t]*(?:[-+=]|\d+[.)])", re.MULTILINE)  # either of the two


def _marks_escaped(text: str) -> str:
    return _INLINE_MARKS.sub(r"\\\1", text)


def literal(value: Any) -> str:
    """A value shown exactly as written. The words come from targets (an SMTP banner, an API's answer, a row)
    and from people (a remediation, a waiver): as markdown, a lying target could draw a link, a heading or
    an image the auditor's browser fetches when the report opens."""
    text = str(value)
    if not _ANY_MARK.search(text):  # most values: nothing to escape
        return text
    text = _marks_escaped(text)
    return _LINE_START_MARK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if not m.group(2)[0].isdigit()
                                else f"{m.group(1)}{m.group(2)}\\", text)


def shown_forms(value: str) -> set[str]:
    """Every way `value` can read once shown: escaped for a terminal; as markdown, mid-line or where it starts
    a line; and both, as a description shows what the console shows (the redactor finds a secret in each)."""
    forms = set()
    for text in {value, visible(value), one_line(value)}:
        forms |= {text, literal(text), _marks_escaped(text)}
    return forms


def cut(text: str, limit: int = 80) -> str:
    """A long text as a message or evidence keeps it: its start, and how long it was (the verdict read all of it)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def shown_path(path: Any) -> str:
    """A path given on a command line, in a message: every character seen, each overlong name in it cut to its start
    and length (`aaaa… (300 characters)`): the path stays readable, and says which of its names is too long."""
    return "/".join(cut(name, 40) if len(name) > 64 else name for name in spelled(str(path)).split("/"))


def cannot_look(exc: BaseException) -> str:
    """Why a path could not be looked at, in words: what `Path.is_dir()`/`exists()` raise (a name too long, a folder
    on the way one may not search) beside what they pass over (a loop of links; `resolve()` raises RuntimeError)."""
    number = getattr(exc, "errno", None)
    if isinstance(exc, RuntimeError) or number == errno.ELOOP:
        return "a loop of symbolic links"
    if number == errno.ENAMETOOLONG:
        return "a name too long for the file system"
    if number == errno.ENOTDIR:
        return "a file is where one of its folders belongs"
    if number in (errno.EACCES, errno.EPERM):
        return "a folder on its way may not be looked into (permission denied)"
    return (getattr(exc, "strerror", None) or "cannot be looked at").lower()
