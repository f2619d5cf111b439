"""A target's invisible characters are seen: Unicode's format characters (category Cf — a zero-width space, joiner
or non-joiner, a word joiner, a byte order mark, a soft hyphen, a tag character) show as nothing, so `ok\\u200b`
would read as `ok`. The console and the evidence spell each one out; any other text (accents, CJK, emoji) shows as
it is. An emoji sequence joined by U+200D shows its parts with the joiner spelled out: an auditor sees every
character, and no joiner can make two words read as one."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from opsverify.display import acted_on, one_line, shown_forms, spelled, visible
from opsverify.jsontext import compact, readable

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u2062", "\u180e", "\U000e0001",
             "\U000e0041", "\U0001d173"]
LEGIBLE = ["café", "日本語のテキスト", "naïve Ærø", "✅ ok 😀", "👍🏽", "Ελληνικά", "עברית", "emoji ❤️"]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_the_console_spells_out_a_format_character(char):
    shown = visible(f"ok{char}")
    assert char not in shown and shown != "ok" and shown.startswith("ok\\"), shown
    assert shown == spelled(f"ok{char}")  # as an id is spelled


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_evidence_spells_out_a_format_character_as_json_does(char):
    """Evidence (readable) and results (compact) write it as its JSON escape, which reads back as the same text."""
    value = {"observed": f"ok{char}", "rows": [f"ok{char}"]}
    for written in (readable(value), compact(value).encode("utf-8")):
        assert char.encode("utf-8") not in written, written
        assert json.loads(written) == value


@pytest.mark.parametrize("text", LEGIBLE)
def test_text_that_shows_is_left_as_it_is(text):
    assert visible(text) == text
    assert json.loads(readable({"x": text})) == {"x": text} and text.encode("utf-8") in readable({"x": text})


def test_an_emoji_sequence_shows_its_joiner_spelled_out():
    assert visible("👩\u200d💻") == "👩\\u200d💻"
    assert b"\\u200d" in readable({"x": "👩\u200d💻"})


def test_every_format_character_this_python_knows_is_spelled_out():
    """The escaped set is written out (a regular expression has no category); a newer Unicode adding one is
    caught here."""
    missed = [f"U+{code:04X}" for code in range(sys.maxunicode + 1)
              if unicodedata.category(chr(code)) == "Cf" and chr(code) in visible(chr(code))]
    assert not missed, missed


def test_a_runbooks_words_may_still_hold_an_emoji_sequence():
    """What a runbook may say is unchanged: only what a terminal acts on is refused there."""
    assert acted_on("deploy 👩\u200d💻 ok") is None


def test_the_redactor_knows_a_secret_as_the_console_spells_it():
    forms = shown_forms("tok\u00adsecret")
    assert "tok\\u00adsecret" in forms


def test_a_message_is_one_line_whatever_its_words_hold():
    """A line break from a target is written as \\x0a in a message (a carriage return already was \\x0d); text the
    suite lays out over lines keeps its breaks through `visible`; the redactor knows a secret in either form."""
    forged = "x\nPASSED checklists/shop.yaml::SEC-9\r\n\x1b[0m"
    assert one_line(forged) == "x\\x0aPASSED checklists/shop.yaml::SEC-9\\x0d\\x0a\\x1b[0m"
    assert "\n" not in one_line(forged) and one_line("a\tb") == "a\tb"
    assert visible("next: set A\nthen: run") == "next: set A\nthen: run"
    assert "line1\\x0aline2" in shown_forms("line1\nline2")
