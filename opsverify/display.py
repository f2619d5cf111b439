"""How words from outside (a target's answer, a file's name, a person's note) are shown: as written, never
acted on. A terminal acts on control characters (`visible`); Allure's description is markdown (`literal`).
The redactor knows both forms, so a secret learned late is still found in what was written early."""

from __future__ import annotations

import re
from typing import Any

# What a terminal or a page acts on rather than shows: C0 controls but the line break and tab (a carriage
# return rewrites the line, ESC starts a colour or a cursor move), DEL, C1, and the bidirectional controls
# that reorder what is read (Unicode's Bidi_Control: the Arabic letter mark, LRM, RLM, the embeddings,
# overrides and isolates); and half of a UTF-16 pair alone (a JSON escape can make one), which no
# terminal or file can hold at all.
_ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def acted_on(text: str) -> str | None:
    """The first character of `text` a terminal or a page would act on (as its code point), else None."""
    found = _ACTED_ON.search(text)
    return None if found is None else f"U+{ord(found[0]):04X}"


def visible(text: str) -> str:
    """Text from a target, safe to print: each such character written as its escape (ESC as \\x1b)."""
    if not _ACTED_ON.search(text):
        return text
    return _ACTED_ON.sub(lambda m: _escape(m[0]), text)


def spelled(text: str) -> str:
    """A name (an id, a key, a family) shown with every character seen: what `visible` escapes, and also what a
    terminal shows as nothing or as a blank — a zero-width space, a non-breaking space, a tag character — so
    that a message about the id `A1\\u200b` does not read as one about `A1`."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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
    for text in {value, visible(value)}:
        forms |= {text, literal(text), _marks_escaped(text)}
    return forms


def cut(text: str, limit: int = 80) -> str:
    """A long text as a message or evidence keeps it: its start, and how long it was (the verdict read all of it)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
