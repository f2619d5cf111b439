"""Reading a service's env vars: a dotenv export or the runner's own environment."""

from __future__ import annotations

import bisect
import codecs
import io
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from dotenv.parser import parse_stream
from dotenv.variables import Variable, parse_variables

from ..display import cut
from ..errors import GatherError


def read_dotenv(path: str) -> "EnvFile":
    """The file's variables as written: what a platform export holds, so `${…}` is never expanded from the
    runner's own environment. A file that cannot be read, or a line that cannot be parsed, is a GatherError
    naming the file (and line), never the value."""
    return parse_dotenv(_text(Path(path)), path)


def parse_dotenv(text: str, label: str) -> "EnvFile":
    """Dotenv text read literally, in one pass. python-dotenv drops a line it cannot parse (an unclosed quote)
    with a log line, where Node's dotenv sets it: a rule would then judge a variable that is not there. A text
    beyond what READ_S allows for is refused before either reads it (see _refuse_costly)."""
    text = text.removeprefix("\ufeff")
    _refuse_costly(text, label)
    return EnvFile(list(_statements(text, label)), label)


# -- what a read may cost -----------------------------------------------------------------------------------------
# A platform's env export is kilobytes (Vercel allows 64 KB of env vars in all, Heroku 32 KB, AWS Lambda 4 KB). Read
# here, python-dotenv and the Node reading below take about 0.1 ms a line and at most 2 s a MiB (python-dotenv's
# decoding of `\n` escapes is the slowest): about 1 s for a text at both limits below, which READ_S allows for
# several times over, on a slower machine too.
MAX_ENV_FILE_BYTES = 256 << 10
MAX_ENV_FILE_LINES = 10_000  # line ends either reader sees: CR, LF, CRLF, U+2028, U+2029
# python-dotenv strips an inline comment from an unquoted value with re.sub(r"\s+#.*"), which tries every start in a
# run of whitespace not followed by `#`: time growing with the square of the run (measured: 0.28 ms for 130 spaces,
# 2.4 ms for 1,000, 44 ms for 4,000; 128 KB: 16 s). At most this long a run (about 11 ms), the ≤128 such runs
# 256 KiB holds cost it about 1.4 s. Padding a value with a hundred-odd spaces is seen in healthy files.
MAX_SPACE_RUN = 2048
READ_S = 5.0  # reading one env source, generously
_LONG_SPACE_RUN = re.compile(rf"[^\S\r\n]{{{MAX_SPACE_RUN + 1},}}")  # whitespace within a line, for python-dotenv
_PY_LINE_END = re.compile(r"[\r\n]")


def _refuse_costly(text: str, label: str) -> None:
    """GatherError, naming the file (and line), for a text whose read the time bound does not allow for."""
    if len(text) > MAX_ENV_FILE_BYTES:
        raise GatherError(f"env file {label} is larger than {MAX_ENV_FILE_BYTES >> 10} KiB: not an env export")
    ends = len(_BREAK.findall(text)) + text.count("\u2028") + text.count("\u2029")
    if ends + (text[-1:] not in ("", *_JS_LINE_ENDS)) > MAX_ENV_FILE_LINES:
        raise GatherError(f"env file {label} has more than {MAX_ENV_FILE_LINES} lines (counting U+2028 and U+2029, "
                          "line ends for Node's dotenv): not an env export")
    slow = _slow_space_run(text)
    if slow is not None:
        line = len(_BREAK.findall(text, 0, slow)) + 1
        raise GatherError(f"env file {label} line {line}: more than {MAX_SPACE_RUN} whitespace characters in a row "
                          "in an unquoted value, not followed by '#' (python-dotenv's time to read such a run grows "
                          "with the square of its length); remove them")


def _slow_space_run(text: str) -> int | None:
    """Where the first run of whitespace longer than MAX_SPACE_RUN is that python-dotenv would strip a comment from
    (see above): not followed by `#`, within an unquoted value. None if there is none."""
    line_end, value_at = -1, None
    for run in _LONG_SPACE_RUN.finditer(text):
        if text.startswith("#", run.end()):  # \s+# matches at the run's first character: one pass
            continue
        if run.start() > line_end:  # a new line: what python-dotenv reads it as, once
            newline = text.rfind("\n", 0, run.start())
            line_start = max(newline, text.rfind("\r", max(newline, 0), run.start())) + 1
            found = _PY_LINE_END.search(text, run.end())
            line_end = found.start() if found else len(text)
            value_at = _unquoted_value_at(text, line_start, line_end)
        if value_at is not None and value_at <= run.start():
            return run.start()
    return None


def _unquoted_value_at(text: str, start: int, end: int) -> int | None:
    """Where the unquoted value of the line from `start` to `end` starts, past its `=` and the whitespace after it
    (python-dotenv's `_equal_sign` takes those in one pass); None for a comment, a line without `=`, or a quoted
    value. A line inside another statement's quoted value may be taken for one: refused the same."""
    line = text[start:end]
    equals = line.find("=")
    if equals < 0 or line.lstrip().startswith("#"):
        return None
    value = line[equals + 1:].lstrip()
    if not value or value[0] in "'\"":
        return None
    return end - len(value)


# -- Node's dotenv, beside python-dotenv --------------------------------------------------------------------------
# Most services reading these files are Node ones: dotenv 16's parse() (which @next/env runs too). How it reads a
# statement is set down in _NodeRead below, in our words, from running it on texts like the tests' (no part of its
# code is used), so that each statement python-dotenv found can be read as Node reads it, and a line the two read
# differently named.
# JavaScript's whitespace (its \s, what trim() drops): line breaks, U+FEFF and Unicode's spaces
_JS_SPACE = "\t\n\v\f\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_LINE_ENDS = "\n\r\u2028\u2029"  # where a line ends for JavaScript: U+2028 and U+2029 too
_QUOTES = "'\"`"
_SPACE_RUN = re.compile(f"[{_JS_SPACE}]*")
_NODE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_LINE_END = re.compile(f"[{_JS_LINE_ENDS}]")
_REST_OF_LINE = re.compile(r"[^#\r\n]*")  # an unquoted value: up to a `#` or a line end (U+2028 does not end it)
_NOT_KEPT = "__proto__"  # Node's dotenv reads a statement of this name, but its result holds no such variable
_BREAK = re.compile(r"\r\n|\r|\n")
_OWN_LINES = "write each statement on a line of its own"


@dataclass(frozen=True)
class Statement:
    """One statement of the file as both readers take it: python-dotenv's `name` and value, Node's `node` value
    under `node_name` (None where Node's dotenv reads no variable from the line), `through` the last line of Node's
    value. `why` says what splits the readers, `fix` how to write it so both read it alike."""

    name: str
    line: int
    python: str | None
    node: str | None
    through: int = 0
    why: str = ""
    fix: str = ""
    node_name: str = ""

    @property
    def read_as(self) -> str:
        return self.node_name or self.name

    @property
    def bare(self) -> bool:
        """A name alone (`KEY`, no '='): python-dotenv reads it as no value, which leaves the name unset (load_dotenv
        sets nothing for it, whatever an earlier line set); Node's dotenv skips the line."""
        return self.python is None and self.node is None and bool(self.name)


@dataclass(frozen=True)
class ReadTwoWays:
    """A variable Node's dotenv ends with otherwise than python-dotenv: each reading's shape, never its value."""

    line: int
    why: str
    node: str
    python: str
    fix: str
    reader: str = "Node's dotenv"  # whose reading `node` is; `python` is that of `others`
    others: str = "python-dotenv"
    also: str = ""  # a third reader's reading, `python-dotenv 7 characters`

    def __str__(self) -> str:
        also = f", {self.also}" if self.also else ""
        return (f"line {self.line}: {self.why}: {self.reader} reads {self.node}, {self.others} {self.python}{also}; "
                f"{self.fix}")


# what a platform's export writes in place of a value it will not show: the variable is set, its value is not known
WITHHELD = {"[SENSITIVE]": "the placeholder `vercel env pull` writes for a Sensitive variable: its value is not in"
                           " the file (export it another way, or judge it where it is read)"}


class EnvFile(dict):
    """A dotenv file's variables as written, as python-dotenv parses them before it fills in `${…}` (the last
    definition of a name wins, as in Node's dotenv), with the lines of each name defined more than once and the names
    the readers (Node's dotenv, @next/env, python-dotenv filling in) end with differently."""

    def __init__(self, statements: list[Statement], label: str):
        read = [s for s in statements if s.python is not None or s.bare]
        last = {s.name: s.python for s in read}  # the last definition of each name wins; a bare one unsets it
        super().__init__((name, value) for name, value in last.items() if value is not None)
        self.label = label
        lines: dict[str, list[int]] = {}
        for s in read:
            lines.setdefault(s.name, []).append(s.line)
        self.defined_twice = {name: at for name, at in lines.items() if len(at) > 1}
        self.read_two_ways = _compared(statements)
        expanded = _NextEnv(statements, label)
        for name, split in expanded.splits.items():
            self.read_two_ways.setdefault(name, split)  # a name split already: its first reason is said
        filled = _filled_by_python(statements, label)
        for name, reading in filled.items():
            if reading.value != self.get(name) or reading.unsure:
                self.read_two_ways[name] = _split_by_filling(self.read_two_ways.get(name), reading, self[name])
        # every name either reader takes from the file, in its order: the keys a .env.example lists
        self.names = list(dict.fromkeys(name for s in statements for name in (  # a bare name too (`KEY` alone)
            [s.name] * (s.python is not None or s.bare)
            + [s.read_as] * (s.node is not None and s.read_as != _NOT_KEPT))))
        # what Node's dotenv reads where it differs: a service uses that value, so it is a value to keep secret too
        self.node_readings = [(s.read_as, s.node) for s in statements if s.node and s.node != s.python]
        self.node_readings += [(name, value) for name, value in expanded.values.items()
                               if value and value != self.get(name)]
        # and what python-dotenv fills in (the service's environment read as empty): a Python service's value
        self.python_readings = [(name, reading.value) for name, reading in filled.items()
                                if reading.value and reading.value != self.get(name)]


def _unparsed_why(text: str) -> str:
    """What a line python-dotenv cannot parse most likely lacks, by its shape (never quoting it: it may hold a
    secret)."""
    first = text.splitlines()[0] if text else ""
    name = re.match(r"[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*", first)
    if name and first[name.end():].lstrip(" \t").startswith(":") and "=" not in first:
        return "a ':' where dotenv wants '=': write NAME=value"
    if len(re.findall(r'(?<!\\)"', first)) % 2 or len(re.findall(r"(?<!\\)'", first)) % 2:  # `\'` escapes one
        return "an unclosed quote?"
    return "not a NAME=value line"


# A file read_dotenv refuses is read again as leniently as can be, only so that its secrets stay out of the run's
# output (an http item's reply may echo one): every NAME=value or NAME: value line (a name quoted, or holding ':'
# as .NET's Section:Key, as python-dotenv reads it), each value as written, without its quotes and without a
# comment after it (after a blank, or Node's: after any `#`); a quoted value followed over lines to its closing
# quote (a PEM key), or on the next line after an empty one (Node reads it there); its escapes read (`\n`, `\$`)
# and its `${OTHER}` references filled in, as a service's dotenv would read it
SALVAGE_BYTES = MAX_ENV_FILE_BYTES  # what read_dotenv reads at most: a longer file is no env export
FILLED_CHARS = 64 << 10  # a value's references filled in, at most: `$A` 16,000 times over 16 KB of A is 256 MB
FILLED_BUDGET = 4 << 20  # and for the whole file
_SALVAGED_NAME = re.compile(
    r"[ \t]*(?:export[ \t]+)?(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s=#'\"`]+))[ \t]*=[ \t]*"  # python-dotenv's key
    r"|[ \t]*(?:export[ \t]+)?([^\s=:#'\"`]+)[ \t]*:[ \t]*")  # or YAML's `NAME: value`
_SALVAGE_ESCAPE = re.compile(r"\\(.)", re.S)
_SALVAGE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v", "b": "\b", "a": "\a"}
# a name, and a default after `:-` or `-`, each taken whole (possessive): a text of many `${` is read in one pass
_SALVAGE_REFERENCE = re.compile(r"(?<!\\)\$(?:\{([A-Za-z_][A-Za-z0-9_]*+)(?::?-([^}$]*+))?\}"
                                r"|([A-Za-z_][A-Za-z0-9_]*+))")
_BLANKS = re.compile(r"\s*")


def salvaged(path: str) -> list[tuple[str, str]]:
    """Each name and the values it may stand for in a file that `read_dotenv` refused (too large, not UTF-8, a line
    that does not parse); never judged, only handed to the redactor. Nothing where the file cannot be read. Bytes
    that are not UTF-8 are read both as a service reading UTF-8 would (U+FFFD) and one byte a character."""
    try:
        file = Path(path)
        if not file.is_file():
            return []
        with file.open("rb") as handle:
            raw = handle.read(SALVAGE_BYTES)
    except (OSError, ValueError):
        return []
    raw = raw.removeprefix(codecs.BOM_UTF8)  # as read_dotenv and both dotenv readers: no part of the first name
    texts = [raw.decode("utf-8", errors="replace")]
    if "\ufffd" in texts[0]:
        texts.append(raw.decode("latin-1"))
    return list(dict.fromkeys(found for text in texts for found in _salvage(text)))


def _salvage(text: str):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    closing = _unescaped_quotes(text)
    read: dict[str, str] = {}  # each name's value as a reader ends with it, for a later `${NAME}`
    budget = [FILLED_BUDGET]
    at = 0
    while at < len(text):
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        statement = _SALVAGED_NAME.match(text, at, line_end)
        at = line_end + 1  # the next line, even past a quoted value's start: a value that never closes (or closes
        if statement is None:  # at another line's quote) must not hide the statements it runs over
            continue
        name, value_at = next(group for group in statement.groups() if group), statement.end()
        if value_at == line_end:  # empty: Node's dotenv reads a quoted value on a later line as this one's
            ahead = _BLANKS.match(text, value_at).end()
            if text[ahead:ahead + 1] and text[ahead] in _QUOTES:
                value_at = ahead
                line_end = text.find("\n", ahead)
                line_end = len(text) if line_end < 0 else line_end
        written = text[value_at:line_end].rstrip(" \t")
        uncommented = _COMMENT_START.split(written, maxsplit=1)[0].rstrip(" \t")
        forms = [uncommented.strip("'\"`"), written, uncommented, written.strip("'\"`"),
                 written.split("#", 1)[0].rstrip(" \t")]  # Node's: an unquoted value ends at any `#`
        quote = text[value_at:value_at + 1]
        if quote and quote in _QUOTES:
            after = bisect.bisect_right(closing[quote], value_at)
            if after < len(closing[quote]):
                inner = text[value_at + 1:closing[quote][after]]
                forms = [inner, *forms]  # a PEM key's lines: the redactor masks each line of it
        if any("$" in form for form in forms):  # `${OTHER}` filled in as a reader expands it (`\$` is no reference)
            forms = [*(_filled(form, read, budget) for form in forms), *forms]
        if quote and "\\" in "".join(forms):  # and its escapes read
            forms = [*map(_unescaped, forms), *forms]
        read[name] = forms[0]  # what a reader most likely ends with: references filled in, escapes read
        forms = [form for form in dict.fromkeys(forms) if form.strip()]
        yield from ((name, form) for form in forms)


def _filled(form: str, read: dict[str, str], budget: list[int]) -> str:
    """`form` with its references filled in from the values read before it, as long as FILLED_CHARS and what is left
    of the file's budget allow (a reference past them is left as written)."""
    allowed = min(FILLED_CHARS, budget[0])
    size = len(form)

    def value(reference: re.Match[str]) -> str:
        nonlocal size
        filled = read.get(reference[1] or reference[3], reference[2] or "")
        if size + len(filled) > allowed:
            return reference[0]
        size += len(filled)
        return filled

    result = _SALVAGE_REFERENCE.sub(value, form)
    budget[0] -= max(0, len(result) - len(form))
    return result


_COMMENT_START = re.compile(r"[ \t]#")  # one blank before it is enough to find it: a run of them is no slower


def _unescaped_quotes(text: str) -> dict[str, list[int]]:
    """Where each quote character stands that no backslash escapes (dotenv's readers, python's and Node's, take
    `\\'` inside '…' as an escape too): where a quoted value may close. One pass, however many values are open."""
    found: dict[str, list[int]] = {quote: [] for quote in _QUOTES}
    for token in _QUOTE_OR_ESCAPE.finditer(text):
        if token[0] in found:
            found[token[0]].append(token.start())
    return found


_QUOTE_OR_ESCAPE = re.compile(r"\\.|['\"`]", re.S)


def _unescaped(value: str) -> str:
    return _SALVAGE_ESCAPE.sub(lambda escape: _SALVAGE_ESCAPES.get(escape[1], escape[1]), value)


def _statements(source: str, label: str):
    """Each statement python-dotenv reads, with Node's reading of it. A value Node reads on over lines that
    python-dotenv reads as statements of their own (a backtick quote; `\\"`, which python-dotenv takes as an
    escape): Node reads no variable from those. Where Node's reading of a statement (or comment) ends before
    python-dotenv's does (a quoted name it does not read; a U+2028, a line end for Node only), Node may read
    statements of its own from the rest: those come as statements python-dotenv has no value for."""
    offset, node_upto, holder = 0, 0, None
    for binding in parse_stream(io.StringIO(source)):
        text = binding.original.string
        start, offset = offset, offset + len(text)
        lead = len(text) - len(text.lstrip())  # the blank lines and indent before it
        begin, line = start + lead, binding.original.line + len(_BREAK.findall(text, 0, lead))
        if binding.error:
            raise GatherError(f"env file {label} line {line} cannot be parsed ({_unparsed_why(text[lead:])}); fix "
                              "that line")
        if binding.key is None:  # a comment, or blank lines
            found = list(_read_inside(source, begin, offset, max(begin, node_upto), line, _OWN_LINES))
        elif holder is not None and begin < node_upto:
            inside = Statement(binding.key, line, binding.value or "", None, line,
                               f"inside {holder.read_as}'s value for Node's dotenv (lines {holder.line}-"
                               f"{holder.through})", f"fix line {holder.line}: {holder.fix}")
            found = [(inside, 0), *_read_inside(source, begin, offset, node_upto, line, inside.fix)]
        else:
            # Node's dotenv reads from the start of the statement's line: python-dotenv's whitespace before it may
            # hold a character JavaScript's does not (U+001C to U+001F, U+0085) on a line of its own
            line_start = start + max(text.rfind(end, 0, lead) for end in _JS_LINE_ENDS) + 1
            # a name without '=' sets nothing: python-dotenv's load_dotenv skips its None, Node's dotenv the line
            read, ends = _read_by_node(source, line_start, line, binding.key, binding.value,
                                       _unread(text[lead:], binding.value))
            fix = f"fix line {line}: {read.fix}" if read.fix else _OWN_LINES
            found = [(read, ends), *_read_inside(source, begin, offset, max(begin, ends), line, fix)]
        for statement, ends in found:
            if ends > node_upto and statement.why:  # a value both read alike holds no statement python-dotenv reads
                node_upto, holder = ends, statement
            yield statement


class _Lines:
    """The line of each place in `source`, asked in increasing order from `begin` (on `line`): each line break is
    counted once, however many places are asked."""

    def __init__(self, source: str, begin: int, line: int):
        self.source, self.at, self.line = source, begin, line

    def of(self, place: int) -> int:
        self.line += len(_BREAK.findall(self.source, self.at, place))
        self.at = place
        return self.line


def _read_inside(source: str, begin: int, end: int, past: int, line: int, fix: str):
    """The variables Node's dotenv reads from the lines it starts within python-dotenv's statement (or comment)
    from `begin` (on `line`) to `end`, past `past`: where Node's reading of what comes before ends. `fix` says how to
    write that statement so both read it alike. Each character is looked at a few times only: a line break within
    the whitespace after another leads where that one does, so it is not followed again."""
    upto, looked_to, lines = past, 0, _Lines(source, begin, line)
    for brk in _LINE_END.finditer(source, max(begin, past - 1), end):  # Node's value may end at a line start
        if brk.end() < upto or brk.start() < looked_to:
            continue
        at = looked_to = _SPACE_RUN.match(source, brk.end()).end()
        if at >= end:
            continue
        read, ends = _read_by_node(source, brk.end(), lines.of(at), None, None, ("", ""))
        if read.node is None:
            continue
        upto = max(upto, ends)
        if source[brk.start()] in "\u2028\u2029":
            yield replace(read, why="after a U+2028 or U+2029 (a line end for Node's dotenv, for python-dotenv part "
                                    "of the line)", fix="write a line break there, or remove the character"), ends
        else:
            yield replace(read, why=f"part of line {line}'s statement for python-dotenv, a variable of its own for "
                                    "Node's dotenv", fix=fix), ends


def _read_by_node(source: str, start: int, line: int, name: str | None, python: str | None,
                  unread: tuple[str, str]):
    """The statement at `start` (its name on `line`) as Node's dotenv reads it, and where its value ends in
    `source` (0 where it reads none). `name` and `python` are python-dotenv's reading (None: it reads no variable
    there); `unread` says why Node reads none, should it not."""
    read = _NodeRead.at(source, start)
    if read is None:
        return Statement(name or "", line, python, None, line, *unread), 0
    node = read.value
    through = line + len(_BREAK.findall(source, read.name_at, read.ends))
    if node == python and read.name == name and name != _NOT_KEPT:
        return Statement(name, line, python, node, through), read.ends
    if read.name == _NOT_KEPT:
        why = (f"the name {_NOT_KEPT} (Node's dotenv reads the line but sets no variable of that name)",
               "rename the variable")
    elif read.name != name and read.colon:
        why = (f"'{read.name}:' without '=' (Node's dotenv reads it as {read.name}=, python-dotenv as a name of its "
               f"own)", f"write {read.name}=value")
    else:
        why = _why(read.written, python or "", line, through)
    return Statement(name or read.name, line, python, node, through, *why, read.name), read.ends


class _NodeRead(NamedTuple):
    """A statement as Node's dotenv 16 reads it: its `name` (at `name_at` in the source), whether a `:` stands for
    the `=`, its value as `written` (from just past the `=` or the `:`, ending at `ends`) and the `value` it makes of
    that. The rules, found by running it:

    - Where: at each line start (a line ends at LF, CR, U+2028 or U+2029) past the previous statement's value.
      Whitespace may lead (JavaScript's whitespace, line breaks included), and then `export` and whitespace;
      `export` is the name itself where no statement follows those.
    - The name: a run of ASCII letters, digits, `_`, `.` and `-`. Whitespace (line breaks too) and `=` follow it, or
      a `:` right after it and one whitespace character (a CRLF counts as one); with neither it is no statement.
    - The value, from just past the `=` (or the `:` and its whitespace character): where a quote (', " or `) opens
      it, maybe past whitespace and line breaks, it runs over any lines to the next quote of that kind not right after
      a backslash, and ends there if only whitespace follows it and then a line end, a `#` or the text's end; if
      not, it ends at the last such-followed quote of that kind, right after a backslash, before that one. With none
      of those, or no quote, it runs to a `#` or the line's end (U+2028 and U+2029 do not end it there).
    - What is read from it: whitespace trimmed from both ends, line breaks (CRLF, CR) read as LF; a line of it that
      opens with a quote loses that quote and the last one of its kind that ends a line after it, keeping all between
      as written (a quoted value: its own quotes); then, if it opened with a double quote, `\\n` and `\\r` become
      LF and CR. No other escape is read.
    - Of the statements naming one variable the last counts; one named __proto__ sets none.
    """

    name: str
    name_at: int
    colon: bool
    written: str
    ends: int

    @classmethod
    def at(cls, source: str, start: int) -> "_NodeRead | None":
        """The statement at `start`, a line start; None where Node's dotenv reads none there."""
        start = _SPACE_RUN.match(source, start).end()
        for name_at in _name_starts(source, start):
            name = _NODE_NAME.match(source, name_at)
            value_at = _past_separator(source, name.end()) if name else 0
            if value_at:
                ends = _value_end(source, value_at)
                return cls(name.group(), name_at, source[name.end()] == ":", source[value_at:ends], ends)
        return None

    @property
    def value(self) -> str:
        """What Node's dotenv reads from the value as written."""
        value = self.written.strip(_JS_SPACE)
        unquoted = _lines_unquoted(_BREAK.sub("\n", value) if "\r" in value else value)
        return unquoted.replace("\\n", "\n").replace("\\r", "\r") if value.startswith('"') else unquoted


def _name_starts(source: str, start: int):
    """Where the name may start: past `export` and its whitespace, then at `start` (`export` the name itself)."""
    if source.startswith("export", start):
        past = _SPACE_RUN.match(source, start + len("export")).end()
        if past > start + len("export"):
            yield past
    yield start


def _past_separator(source: str, after_name: int) -> int:
    """Where the value starts: past the `=` (whitespace may come before it), or past the `:` and the one whitespace
    character right after it; 0 where the name is followed by neither."""
    equals = _SPACE_RUN.match(source, after_name).end()
    if source.startswith("=", equals):
        return equals + 1
    if source.startswith(":", after_name):
        space = source[after_name + 1:after_name + 3]
        if space == "\r\n":
            return after_name + 3
        if space and space[0] in _JS_SPACE:
            return after_name + 2
    return 0


def _value_end(source: str, start: int) -> int:
    """Where the value starting at `start` ends: past its closing quote, else at a `#` or the line's end."""
    opens = _SPACE_RUN.match(source, start).end()
    quote = source[opens:opens + 1]
    if quote and quote in _QUOTES:
        closes = _closing_quote(source, opens + 1, quote)
        if closes is not None:
            return closes + 1
    return _REST_OF_LINE.match(source, start).end()


def _closing_quote(source: str, body: int, quote: str) -> int | None:
    """Where the quote whose text starts at `body` closes: at the first `quote` not right after a backslash if only
    whitespace and then a line end, a `#` or the text's end follow it; else at the last one before it, right after a
    backslash, that is so followed; None where none is."""
    escaped = []
    at = source.find(quote, body)
    while at > body and source[at - 1] == "\\":
        escaped.append(at)
        at = source.find(quote, at + 1)
    for close in ([at] if at >= 0 else []) + escaped[::-1]:
        if _at_line_end(source, close + 1):
            return close
    return None


def _at_line_end(source: str, at: int) -> bool:
    """Whether only whitespace follows `at` before a `#`, the text's end or a line end (a line end within it)."""
    past = _SPACE_RUN.match(source, at).end()
    return past == len(source) or source[past] == "#" or _LINE_END.search(source, at, past) is not None


def _lines_unquoted(value: str) -> str:
    """`value` with the quotes off each line of it that opens with one, paired with the last quote of that kind
    that ends a line after it (the lines between kept whole, as written)."""
    if not _LINE_END.search(value):  # one line (the usual): quotes off where they wrap all of it
        return value[1:-1] if len(value) > 1 and value[0] in _QUOTES and value[-1] == value[0] else value
    ends = [found.start() for found in _LINE_END.finditer(value)] + [len(value)]
    out, done = [], 0
    for start in [0] + [end + 1 for end in ends[:-1]]:
        quote = value[start:start + 1]
        if start < done or not quote or quote not in _QUOTES:
            continue
        close = next((end - 1 for end in reversed(ends) if end - 1 > start and value[end - 1] == quote), None)
        if close is not None:
            out += [value[done:start], value[start + 1:close]]
            done = close + 1
    return "".join(out) + value[done:]


def _unread(written: str, python: str | None) -> tuple[str, str]:
    """Why Node's dotenv reads no variable from a statement python-dotenv reads (`written`, from its name or
    `export` on; `python` None where it has no `=`), and the fix."""
    after_export = written.removeprefix("export")
    if (after_export.lstrip() if after_export[:1].isspace() else written).startswith("'"):
        return "a quoted name, a line Node's dotenv does not read", "write the name without quotes"
    if python is None:
        return ("no '=' (python-dotenv reads no value: it sets nothing, an earlier line's value neither; Node's dotenv"
                " skips the line)", "give it a value or remove the line")
    return ("a name Node's dotenv does not read (it reads ASCII letters, digits, _ . and - only)",
            "rename the variable")


def _why(taken: str, python: str, line: int, through: int) -> tuple[str, str]:
    """What in a value splits the readers, and how to write it so both read it alike."""
    written = taken.lstrip(_JS_SPACE)
    quote = written[:1]
    double = "quote the value with double quotes"
    if quote == "`":
        return "a backtick-quoted value" + (f" over lines {line}-{through}" if through > line else ""), double
    if quote in ("'", '"') and _BREAK.search(taken[:len(taken) - len(written)]):
        return ("an empty value with a quoted line under it (Node's dotenv takes that line as the value)",
                "write the value on its name's line")
    if quote in ("'", '"') and "\\" in written:
        return ("a backslash escape inside quotes (python-dotenv decodes it, Node's dotenv keeps it; in double "
                "quotes both read only \\n and \\r)", "write the characters themselves, without backslash escapes")
    if quote in ("'", '"') and "\r" in written:
        return "a line break written CRLF inside quotes (Node's dotenv reads it as LF)", "save the file with LF line ends"
    if "#" in python:
        return "a # inside an unquoted value (Node's dotenv ends the value there)", double
    return "an unquoted value the two trim differently", double


def _compared(statements: list[Statement]) -> dict[str, ReadTwoWays]:
    """The names whose last definitions the two readers take differ, each blamed on the later of the two statements.
    An empty value and none count as one: every rule reads both as unset."""
    place = {id(s): at for at, s in enumerate(statements)}  # two statements may share a line (a U+2028 between)
    by_python = {s.name: s for s in statements if s.python is not None or s.bare}
    by_node = {s.read_as: s for s in statements if s.node is not None and s.read_as != _NOT_KEPT}
    out = {}
    for name in sorted(by_python.keys() | by_node.keys()):
        ours, theirs = by_python.get(name), by_node.get(name)
        python, node = ours.python if ours else None, theirs.node if theirs else None
        if (node or "") == (python or ""):
            continue
        blamed = ours if theirs is None or (ours is not None and place[id(ours)] >= place[id(theirs)]) else theirs
        if ours is not None and theirs is not None and theirs is not ours:  # each from a line of its own
            shapes = f"{_shape(node)} from line {theirs.line}", f"{_shape(python)} from line {ours.line}"
        elif node and python and "\n" not in node + python:
            shapes = _shape(node), str(len(python))  # `1 character, python-dotenv 3`
        else:
            shapes = _shape(node), _shape(python)
        out[name] = ReadTwoWays(blamed.line, blamed.why, *shapes, blamed.fix)
    return out


# -- @next/env: dotenv-expand after Node's dotenv ------------------------------------------------------------------
# @next/env (Next.js 14 to 16) runs the dotenv-expand 10 it vendors on each file Node's dotenv has read: a Next app
# gets a value with its `$NAME` references replaced. The rules, found by running it (none of its code is used):
# - Variable by variable, in the order of a JavaScript object's keys (names that are array indexes first, ascending;
#   then the others as first defined), each value is expanded and kept: a later value sees the earlier ones
#   expanded, an earlier one sees a later one as written (and expands that in turn).
# - Expanding: take the rightmost `$` not right after a backslash. A reference starts there: `$`, an optional `{`,
#   a name of ASCII letters, digits and `_`, an optional `:-default` (up to a `}` or a backslash), an optional `}`.
#   If none does, stop. Else put in, where the reference's text first occurs in the value (maybe earlier), the
#   build's environment's value of that name, else the default, else the file's value, else nothing (each if not
#   empty), reading `$$`, `$&`, `` $` `` and `$'` in it as JavaScript's String.replace does; and start again.
# - Then each `\$` left reads as `$`.
# - A name every JavaScript object has (`constructor`, `toString`, ...) puts in no text of the file's, or throws;
#   a reference that never ends expanding recurses until the stack overflows: then @next/env loads none of the file.
# The build's environment cannot be seen from here: each name is read as unset in it.
MAX_EXPANSION_STEPS = 1000  # references one value may take to expand: a few thousand overflow @next/env's stack
MAX_EXPANSION_WORK = 1 << 24  # characters all the values' expansion may look at: ~0.2 s; a real file takes KBs
MAX_VALUE_EXPANSION_WORK = 1 << 22  # and one value's: past it, one that grows as it expands is taken to never end
_REFERENCE = re.compile(r"\$\{?([A-Za-z0-9_]+)(?::-([^}\\]*))?\}?")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_LAST_UNESCAPED_DOLLAR = re.compile(r"(?s).*(?<!\\)\$")  # greedy: backs off from the end to the last one
_REPLACE_PATTERN = re.compile(r"\$([$&`'])")
_ESCAPED_DOLLAR = "\\$"
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_JS_OBJECT_MEMBERS = frozenset({
    "constructor", "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
    "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toString", "toLocaleString", "valueOf"})
_BY_NEXT = "@next/env"
_BY_BOTH = "Node's dotenv and python-dotenv"


class _NotExpanded(Exception):
    """A value whose expansion @next/env does not end with a text of the file's: why."""


class _NextEnv:
    """What @next/env reads from the file beyond Node's dotenv: `values`, each name's value after dotenv-expand
    (where the file has a `$`), and `splits`, the names it reads otherwise than Node's dotenv, as ReadTwoWays."""

    def __init__(self, statements: list[Statement], label: str):
        self.label, self.work = label, 0
        self.values: dict[str, str] = {}
        self.splits: dict[str, ReadTwoWays] = {}
        written: dict[str, str] = {}  # Node's dotenv's reading, the last of each name
        lines: dict[str, int] = {}
        for s in statements:
            if s.node is not None and s.read_as != _NOT_KEPT:
                written[s.read_as], lines[s.read_as] = s.node, s.line
        if not any("$" in value for value in written.values()):
            return
        self.values = {name: written[name] for name in _js_key_order(written)}
        for name, value in self.values.items():
            try:
                self.values[name] = self._expanded(value).replace(_ESCAPED_DOLLAR, "$")
            except _NotExpanded as exc:
                self._unexpanded(name, written, lines, str(exc))
                return
        for name, value in self.values.items():
            before = written[name]
            if value != before:
                short = value and "\n" not in value + before  # `1 character, … 12` as in _compared
                self.splits[name] = ReadTwoWays(
                    lines[name], _expansion_why(before), _shape(value), str(len(before)) if short else _shape(before),
                    "write the value it stands for instead; a `$` meant as itself reads alike to all only where no "
                    "letter, digit, `_` or `{` follows it (`\\$` is `$` to @next/env alone)", _BY_NEXT, _BY_BOTH)

    def _expanded(self, value: str) -> str:
        """`value` after dotenv-expand's replacing, each unescaped `$NAME` in turn, rightmost first."""
        until = self.work + MAX_VALUE_EXPANSION_WORK
        for _ in range(MAX_EXPANSION_STEPS):
            if self.work > until:
                break
            self._spend(len(value))
            last = _LAST_UNESCAPED_DOLLAR.match(value)
            reference = _REFERENCE.match(value, last.end() - 1) if last else None
            if reference is None:
                return value
            name, default = reference.groups()
            if name in _JS_OBJECT_MEMBERS:
                raise _NotExpanded("a reference to a name every JavaScript object has (`constructor`, `toString`, "
                                   "…): @next/env puts in no text of the file's, or fails")
            put = default or self.values.get(name) or ""
            self._spend(len(put))
            text = reference.group()
            at = value.find(text)
            value = value[:at] + _js_replacement(put, value, at, text) + value[at + len(text):]
            if len(value) > MAX_ENV_FILE_BYTES:
                raise _NotExpanded(f"a value that expands past {MAX_ENV_FILE_BYTES >> 10} KiB")
        raise _NotExpanded("a `$` reference that does not end expanding (what is put in holds another: @next/env "
                           "recurses until it runs out of stack or memory)")

    def _spend(self, characters: int) -> None:
        self.work += characters
        if self.work > MAX_EXPANSION_WORK:
            raise GatherError(f"env file {self.label}: its `$` references take more than {MAX_EXPANSION_WORK >> 20} "
                              "MiB of text to expand as @next/env does: not an env export")

    def _unexpanded(self, name: str, written: dict[str, str], lines: dict[str, int], why: str) -> None:
        """Every name split: @next/env may load none of the file, for `name`'s value (`why`)."""
        at = lines[name]
        fix = f"fix line {at}: write the value each `$` reference stands for instead"
        for other, value in written.items():
            said = why if other == name else (f"line {at}'s value, which @next/env may fail to expand (and then "
                                               "load none of the file)")
            self.splits[other] = ReadTwoWays(lines[other], said, "no value", _shape(value), fix, _BY_NEXT, _BY_BOTH)
        self.values = {}


def _js_key_order(values: dict[str, str]) -> list[str]:
    """The names in the order a JavaScript object holds them: array indexes (below 2**32 - 1) first, ascending."""
    indexes = {name for name in values if _ARRAY_INDEX.fullmatch(name) and int(name) < 2**32 - 1}
    return sorted(indexes, key=int) + [name for name in values if name not in indexes]


def _js_replacement(put: str, text: str, at: int, matched: str) -> str:
    """What String.replace puts in for `matched`, found in `text` at `at`, given the string `put`: its `$$`, `$&`,
    `` $` `` and `$'` read (a string pattern has no groups: `$1` and `$<name>` stay as written)."""
    if "$" not in put:
        return put
    parts = {"$": "$", "&": matched, "`": text[:at], "'": text[at + len(matched):]}
    return _REPLACE_PATTERN.sub(lambda found: parts[found.group(1)], put)


def _expansion_why(written: str) -> str:
    """Why @next/env reads `written` (Node's dotenv's reading) otherwise."""
    if any(_REFERENCE.match(written, found.start()) for found in _UNESCAPED_DOLLAR.finditer(written)):
        return ("a `$` before a name: @next/env replaces it with that variable's value (one the file does not set, "
                "from the build's environment, which this check cannot see: read as unset)")
    return "a `\\$`, which @next/env reads as `$` (Node's dotenv and python-dotenv keep the backslash)"


# -- python-dotenv's load_dotenv: `${NAME}` filled in ---------------------------------------------------------------
# A Python service's load_dotenv (and dotenv_values) fills in `${NAME}` and `${NAME:-default}` (interpolate=True, its
# default), quoted or not (single quotes too); `$NAME` without braces stays. Its own parse_variables finds the
# references (`${}` and `${ A }` are some: to names no file sets) and its own Variable reads each, statement by
# statement in the file's order: the value an earlier line gave the name (a bare `KEY`: empty), else the process's
# environment's, else the default, else nothing — the default only where the name is unset, not where it is empty. A
# later line is not seen. load_dotenv's default (override=False) takes the process's environment first, and a
# platform may set the file's own names there, each to its last line's value. The service's environment cannot be
# seen from here (the runner's is no service's): where the reading depends on it — a name no earlier line sets, or
# one whose last line's value differs from what is filled in — the value is filled in as if it were empty, and said
# to depend on it.
_REFERENCE_START = re.compile(r"\$\{")
_FILLED_BY = "python-dotenv"
_FILLED_WHY = ("a `${…}`, which python-dotenv fills in, quoted or not (from an earlier line's name, else the "
               "service's environment, else its default or nothing)")
_FILLED_FIX = ("write the value it stands for instead (python-dotenv has no escape for a `${` meant as itself: a "
               "secret holding one must be changed)")
_FILLED_UNSURE = " (if the service's environment sets none of the names its `${…}` read, which this check cannot see)"


class _Filled(NamedTuple):
    """A name's value as python-dotenv fills it in, the line of its last definition, and whether the service's
    environment may change it."""

    value: str
    line: int
    unsure: bool


def _filled_by_python(statements: list[Statement], label: str) -> dict[str, _Filled]:
    """Each name whose last definition holds a `${`, as python-dotenv's load_dotenv reads it (see above)."""
    read = [s for s in statements if s.python is not None or s.bare]
    if not any(s.python and "${" in s.python for s in read):
        return {}
    last = {s.name: s.python for s in read}  # what a platform setting the file's names sets each to
    values: dict[str, str | None] = {}  # python-dotenv's readings so far, as its resolve_variables keeps them
    out: dict[str, _Filled] = {}
    work = 0

    def spend(characters: int) -> None:  # before python-dotenv's pattern runs on a value, and as the text grows
        nonlocal work
        work += characters
        if work > MAX_EXPANSION_WORK:
            raise GatherError(f"env file {label}: its `${{…}}` references take more than {MAX_EXPANSION_WORK >> 20} "
                              "MiB of text to fill in as python-dotenv does: not an env export")

    for s in read:
        out.pop(s.name, None)
        if s.python is None or "${" not in s.python:
            values[s.name] = s.python
            continue
        spend(_reference_scan_cost(s.python))
        parts, unsure = [], False
        for atom in parse_variables(s.python):
            if isinstance(atom, Variable):
                unsure |= atom.name not in values or last.get(atom.name) not in (None, values[atom.name])
            parts.append(atom.resolve(values))
            spend(len(parts[-1]))
        values[s.name] = "".join(parts)
        out[s.name] = _Filled(values[s.name], s.line, unsure)
    return out


def _reference_scan_cost(value: str) -> int:
    """About how many characters python-dotenv's reference pattern looks at in `value`: from each `${` to the next
    `}` (or the end: a text of many `${` and no `}` takes time growing with the square of its length)."""
    cost, close = 0, -1
    for start in _REFERENCE_START.finditer(value):
        if close < start.start():  # the next `}`, found once for all the `${` before it
            close = value.find("}", start.start())
            close = len(value) if close < 0 else close
        cost += close - start.start()
    return cost


def _split_by_filling(split: ReadTwoWays | None, filled: _Filled, written: str) -> ReadTwoWays:
    """`split` (None: the name was read alike so far) with python-dotenv's filled-in reading said beside the
    others, each by its shape."""
    unsure = _FILLED_UNSURE if filled.unsure else ""
    python = _shape(filled.value) + unsure
    if split is None:  # Node's dotenv and @next/env read it as written (dotenv-expand stopped short, or at `${}`)
        short = "\n" not in written + filled.value
        return ReadTwoWays(filled.line, _FILLED_WHY, python, str(len(written)) if short else _shape(written),
                           _FILLED_FIX, _FILLED_BY, "Node's dotenv and @next/env")
    if split.others == _BY_BOTH:  # @next/env beside the two: python-dotenv's reading is a third
        return replace(split, others="Node's dotenv", also=f"{_FILLED_BY} {python}")
    filled_in = f"{_shape(filled.value)} once it fills in `${{…}}`{unsure}"
    return replace(split, python=f"{split.python} as written, {filled_in}")


def _shape(value: str | None) -> str:
    """A reading as its shape: `1 character`, `13 characters on 3 lines`, `an empty value`; never the value."""
    if value is None:
        return "no value"
    if not value:
        return "an empty value"
    lines = value.count("\n") + 1
    return f"{len(value)} character{'s' if len(value) != 1 else ''}" + (f" on {lines} lines" if lines > 1 else "")


def _text(file: Path) -> str:
    try:  # the checks of what it is too: a name too long for the system is refused by them (ENAMETOOLONG)
        if file.is_dir():
            raise GatherError(f"env file {file} is a folder, not a file")
        if file.exists() and not file.is_file():  # a FIFO or a device would block the read or never end
            raise GatherError(f"env file {file} is not a regular file")
        with file.open("rb") as handle:
            raw = handle.read(MAX_ENV_FILE_BYTES + 1)
    except FileNotFoundError:
        raise GatherError(f"env file {file} not found") from None
    except PermissionError:
        raise GatherError(f"cannot read env file {file}: permission denied (let the runner's user read it)") from None
    except OSError as exc:
        raise GatherError(f"cannot read env file {cut(str(file))}: {exc.strerror or exc}") from None
    if len(raw) > MAX_ENV_FILE_BYTES:
        raise GatherError(f"env file {file} is larger than {MAX_ENV_FILE_BYTES >> 10} KiB: not an env export")
    try:
        return raw.decode("utf-8-sig")  # a BOM is no part of the first name
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise GatherError(f"env file {file} is not UTF-8 text (line {line}); save it as UTF-8") from None


def read_process(prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in os.environ.items() if k.startswith(prefix)}
