"""Spellings of a secret that a probe found leaking: base64 of its base64 (a Kubernetes pull secret), its bytes as a
hexdump prints them, the hex of its base64 (a hexdump of a request's `Authorization: Basic …`), a copy split by
invisible soft-wrap marks, every character escaped inside a long text, the upper-case and YAML hex escapes of its
characters, base32 of it behind a prefix, and its quotes and backslashes as SQL and CSV write them (doubled, or in
octal) — each is masked, and ordinary text holding the same kinds of spelling without a secret is left as it was."""

from __future__ import annotations

import base64
import collections
import json
import math
import pickle
import re
import secrets as random
import shutil
import subprocess
from urllib.parse import quote

import pytest

from opsverify import exitcodes, secrets
from opsverify.secrets import MASK, Redactor

from .kit import route_server
from .project import Project

SECRET = "Tr0ub4dor&3/ueber-staple-K9x"  # an anchor-bearing secret (its longest run of letters and digits: `ueber`)
ALNUM = "Zq7PmX2kR9tLw4VbN8cYh3Jd"  # letters and digits only: no anchor at all
UMLAUT = "pässwort+Zk3m/Q9 wx"


def _redactor(*secrets: str) -> Redactor:
    redactor = Redactor()
    for secret in secrets:
        redactor.add_declared(secret)
    return redactor


def _assert_masked(redactor: Redactor, text: str, *leaks: str) -> str:
    shown = redactor.text(text)
    assert MASK.search(shown), f"expected a mask in the cleaned text, saw it unmasked: {shown[:300]!r}"
    for leak in leaks:
        assert leak not in shown, f"expected {leak!r} gone from the cleaned text, saw {shown[:300]!r}"
    return shown


# -- 4: base64 of the secret's base64 ------------------------------------------------------------------------------
def _docker_config(user: str, password: str) -> str:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = json.dumps({"auths": {"registry.example.com": {"username": user, "auth": auth}}})
    return base64.b64encode(config.encode()).decode()  # a Secret's .dockerconfigjson data


DOUBLE_BASE64 = {
    "aligned": lambda s: base64.b64encode(base64.b64encode(s.encode())).decode(),
    "user-colon-base64": lambda s: base64.b64encode(b"deploy:" + base64.b64encode(s.encode())).decode(),
    "dockerconfigjson": lambda s: _docker_config("deploy", s),
    "dockerconfigjson-other-user": lambda s: _docker_config("ci-bot7", s),
}


@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
@pytest.mark.parametrize("form", DOUBLE_BASE64, ids=list(DOUBLE_BASE64))
def test_base64_of_the_secrets_base64_is_masked(secret, form):
    """A Kubernetes Secret holds its data in base64, a pull secret's `auth` is base64 of `user:password` inside it."""
    text = f"data:\n  .dockerconfigjson: {DOUBLE_BASE64[form](secret)}\ntype: kubernetes.io/dockerconfigjson"
    shown = _assert_masked(_redactor(secret), text)
    assert shown.startswith("data:\n  .dockerconfigjson: ") and shown.endswith("type: kubernetes.io/dockerconfigjson")


# -- 3: hex separated by spaces, as a hexdump prints it --------------------------------------------------------------
@pytest.mark.parametrize("case", [str.lower, str.upper], ids=["lower", "upper"])
@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
def test_a_secrets_bytes_as_spaced_hex_are_masked(secret, case):
    spaced = case(secret.encode().hex(" "))
    _assert_masked(_redactor(secret), f"00000000  {spaced}  |....|", spaced[:20])


# -- a secret's bytes as programs list them ---------------------------------------------------------------------------
BYTE_LISTS = {
    "python list(b), Java Arrays.toString": lambda raw: "[" + ", ".join(map(str, raw)) + "]",
    "JSON of a Node Buffer": lambda raw: '{"type":"Buffer","data":[' + ",".join(map(str, raw)) + "]}",
    ".NET BitConverter.ToString": lambda raw: raw.hex("-").upper(),
    "a C array, as xxd -i writes it": lambda raw: "{" + ", ".join(f"0x{b:02x}" for b in raw) + "}",
}


@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
@pytest.mark.parametrize("form", BYTE_LISTS, ids=list(BYTE_LISTS))
def test_a_secrets_bytes_listed_as_numbers_are_masked(secret, form):
    """A failing server that dumps the token it refused as bytes (an error object holding a Buffer, a byte array's
    toString) had it reach results.json and the Allure attachments unmasked."""
    listed = BYTE_LISTS[form](secret.encode())
    _assert_masked(_redactor(secret), f"invalid token {listed} (expired)", listed[10:40])


@pytest.mark.parametrize("text", ["[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", "00-1B-44-11-3A-B7",
                                  "{0x00, 0x01, 0xff, 0x7f}"])
def test_numbers_listed_without_a_secret_stay(text):
    assert _redactor(SECRET, ALNUM).text(text) == text


# -- a secret's bytes one number (or character) a byte, as a dump lays them out across lines ------------------------
def _lines_of(data: bytes, width: int, line) -> list[str]:
    return [line(at, data[at:at + width]) for at in range(0, len(data), width)]


def _od_cell(byte: int) -> str:
    escapes = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
    return f"{escapes[byte]:>4}" if byte in escapes else f"{chr(byte):>4}" if 32 <= byte < 127 else f" {byte:03o}"


def _od(data: bytes, field, offsets: bool = True) -> str:
    """GNU od's layout: 16 bytes a line, each line behind its octal offset (none with -An), the data's length last."""
    lines = _lines_of(data, 16, lambda at, chunk: (f"{at:07o}" if offsets else "") + "".join(map(field, chunk)))
    return "\n".join([*lines, f"{len(data):07o}"] if offsets else lines)


def _xxd_i(data: bytes, upper: bool = False) -> str:
    cell = "0X{:02X}" if upper else "0x{:02x}"
    return ",\n".join(_lines_of(data, 12, lambda at, chunk: "  " + ", ".join(map(cell.format, chunk))))


def _one_a_line(data: bytes, field) -> str:
    """A dump of one byte a line (`od -w1`, `xxd -c1`): field(offset, byte)."""
    return "\n".join(field(at, byte) for at, byte in enumerate(data))


def _shown(byte: int) -> str:
    return chr(byte) if 32 <= byte < 127 else "."


def _xxd_b(data: bytes) -> str:
    def line(at: int, chunk: bytes) -> str:
        octets = " ".join(f"{b:08b}" for b in chunk)
        return f"{at:08x}: {octets:<53}  {''.join(chr(b) if 32 <= b < 127 else '.' for b in chunk)}"
    return "\n".join(_lines_of(data, 6, line))


BYTE_DUMPS = {  # each as the tool prints it (checked against xxd and od where installed)
    "go %v of a []byte": lambda data: "[" + " ".join(map(str, data)) + "]",
    "Java's Arrays.toString of a byte[]": lambda data: "[" + ", ".join(str(b - 256 * (b > 127)) for b in data) + "]",
    "xxd -i": _xxd_i,
    "0x list without blanks": lambda data: ",".join(f"0x{b:02x}" for b in data),
    "od -An -tx1": lambda data: _od(data, lambda b: f" {b:02x}", offsets=False),
    "od -tx1": lambda data: _od(data, lambda b: f" {b:02x}"),
    "od -An -tu1": lambda data: _od(data, lambda b: f"{b:4d}", offsets=False),
    "od -An -td1": lambda data: _od(data, lambda b: f"{b if b < 128 else b - 256:5d}", offsets=False),
    "od -b": lambda data: _od(data, lambda b: f" {b:03o}"),
    "od -c": lambda data: _od(data, _od_cell),
    "od -An -c": lambda data: _od(data, _od_cell, offsets=False),
    "xxd -b": _xxd_b,
    "xxd -i -u": lambda data: _xxd_i(data, upper=True),
    "od -An -tu1 -w1": lambda data: _one_a_line(data, lambda at, b: f"{b:4d}"),
    "od -An -td1 -w1": lambda data: _one_a_line(data, lambda at, b: f"{b if b < 128 else b - 256:5d}"),
    "od -An -b -w1": lambda data: _one_a_line(data, lambda at, b: f" {b:03o}"),
    "xxd -c1": lambda data: _one_a_line(data, lambda at, b: f"{at:08x}: {b:02x}  {_shown(b)}"),
    "xxd -u -c1": lambda data: _one_a_line(data, lambda at, b: f"{at:08x}: {b:02X}  {_shown(b)}"),
    "xxd -b -c1": lambda data: _one_a_line(data, lambda at, b: f"{at:08x}: {b:08b}  {_shown(b)}"),
}
TOOL_COMMANDS = {"xxd -i": ["xxd", "-i"], "od -An -tx1": ["od", "-An", "-tx1"], "od -tx1": ["od", "-tx1"],
                 "od -An -tu1": ["od", "-An", "-tu1"], "od -An -td1": ["od", "-An", "-td1"], "od -b": ["od", "-b"],
                 "od -c": ["od", "-c"], "od -An -c": ["od", "-An", "-c"], "xxd -b": ["xxd", "-b"],
                 "xxd -i -u": ["xxd", "-i", "-u"], "xxd -c1": ["xxd", "-c1"], "xxd -u -c1": ["xxd", "-u", "-c1"],
                 "xxd -b -c1": ["xxd", "-b", "-c1"],  # od -w1 as -v writes it: the data's `ss` not squeezed to `*`
                 **{dump: [*dump.split(), "-v"] for dump in ("od -An -tu1 -w1", "od -An -td1 -w1", "od -An -b -w1")}}
CANARY = "Kq7c3a9f0e1d2bX4a5f6Z"  # 21 characters, as an API key


@pytest.mark.parametrize("dump", TOOL_COMMANDS, ids=list(TOOL_COMMANDS))
def test_the_byte_dumps_these_tests_write_are_the_tools_own(dump):
    if shutil.which(TOOL_COMMANDS[dump][0]) is None:
        pytest.skip(f"{TOOL_COMMANDS[dump][0]} is not installed")
    data = b"x-key: " + "pässwort\t+".encode() + CANARY.encode() + b"\r\n\x00\x7f"
    printed = subprocess.run(TOOL_COMMANDS[dump], input=data, capture_output=True, check=True).stdout.decode()
    assert BYTE_DUMPS[dump](data) == printed.rstrip("\n"), f"expected our {dump} to be the tool's, saw {printed!r}"


def _key_lines(dump: str, data: bytes, start: int, end: int) -> list[str]:
    """The lines of `dump` of `data` holding 3 or more of `data[start:end]`'s bytes."""
    width = 1 if dump.endswith(("-w1", "-c1")) else {"xxd -i": 12, "xxd -i -u": 12, "xxd -b": 6}.get(
        dump, 16 if dump.startswith("od") else len(data))
    lines = BYTE_DUMPS[dump](data).splitlines()
    return [line for at, line in zip(range(0, len(data), width), lines)
            if min(end, at + width) - max(start, at) >= 3]


@pytest.mark.parametrize("secret", [CANARY, UMLAUT], ids=["21-characters", "non-ascii"])
@pytest.mark.parametrize("prefix", [0, 7, 13], ids=lambda n: f"at-{n}")
@pytest.mark.parametrize("dump", BYTE_DUMPS, ids=list(BYTE_DUMPS))
def test_a_secrets_bytes_dumped_a_number_a_byte_across_lines_are_masked(dump, prefix, secret):
    """A target echoing the key it refused as a byte dump (Go's `%v` of a []byte, `xxd -i` at 12 a line, od's columns,
    `xxd -b`'s octets): read as bytes across its lines, whatever the blanks, commas, indentation and offsets between
    them. No line holding 3 of the key's bytes stays; what is around it does."""
    data = b"x-key: "[:prefix] + b"h" * max(0, prefix - 7) + secret.encode() + b"\r\nhost: web.example\r\n"
    start = len(data) - len(secret.encode()) - len(b"\r\nhost: web.example\r\n")
    text = f"bad key, got:\n{BYTE_DUMPS[dump](data)}\n(end)"
    shown = _assert_masked(_redactor(secret), text)
    kept = [line for line in _key_lines(dump, data, start, start + len(secret.encode())) if line in shown]
    assert not kept, f"{dump}: expected no line of the key's bytes left, saw {kept}: {shown}"
    assert shown.startswith("bad key, got:\n") and shown.endswith("\n(end)"), shown
    if dump == "xxd -b":  # its printable column too, read across its lines
        runs = [secret[at:at + 4] for at in range(len(secret) - 3) if secret[at:at + 4] in shown]
        assert not runs, f"expected no 4 characters of the key in xxd -b's printable column, saw {runs}: {shown}"


@pytest.mark.parametrize("text", [
    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", '{"counts": [0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]}',
    "2025-11-30T12:34:56Z 10.0.0.1 10.20.30.40 255.255.255.0 01 02 03 04 05 06 07 08",
    "[75 113 55 99 51 97 57 102 48 101 49 100 50 98 51 99 52 97 53 102 55 90]",  # a byte off: not the key
    "1 2 3 4 5 6\n7 8 9 10 11 12\n  13 14 15 16 17 18", "a b c d e f be ad de fa ce",
    "0x00, 0x01, 0xff, 0x7f, 0x10, 0x20",
    _od(b"x-key: not-the-key-at-all\r\n" * 3, _od_cell), _xxd_b(b"x-key: not-the-key-at-all\r\n"),
    _od(bytes(range(256)), lambda b: f"{b:4d}", offsets=False),
])
def test_numbers_in_ordinary_evidence_stay(text):
    """Numbers one a byte's size, spaced as a dump's are (a JSON array, a timestamp, addresses, a table, another key's
    dump), are read as bytes only to look for a secret's: without one they stay as they were."""
    redactor = _redactor(CANARY, SECRET, ALNUM, UMLAUT)
    assert redactor.text(text) == text and redactor.text_keeping_lines(text) == text


def test_the_archive_writers_matcher_reads_byte_dumps_as_this_process_does():
    """The archive's writer process scrubs the files it wrote with this process's matcher, pickled."""
    matcher, pickled = _redactor(CANARY).shared_matcher()
    for dump in ("go %v of a []byte", "xxd -i", "od -c"):
        text = f"got:\n{BYTE_DUMPS[dump](CANARY.encode())}\n"
        shown = pickle.loads(pickled).clean(text)
        assert shown == matcher.clean(text) and MASK.search(shown), f"{dump}: expected it masked alike, saw {shown!r}"


BYTE_DUMP_ITEMS = "".join(f"""
- {{id: B{at}, name: dump{at}, section: Web, title: a refusal dumping the key, family: http, cadence: postdeploy,
   params: {{service: web, path: /{at}, headers: {{x-key: "{{secret:API_KEY}}"}}, body_includes: [never-there]}}}}
""" for at in range(len(BYTE_DUMPS)))


def test_a_key_a_target_echoes_as_a_byte_dump_stays_out_of_every_file(tmp_path):
    """A target that echoes the `{secret:...}` header it got as a byte dump: each item's `evidence.body_start` in
    results.json, its Allure attachment in the archive and under `--alluredir`, JUnit and the console show no line of
    the key's bytes."""
    key = f"Kq7{random.token_hex(9)}"  # 21 characters

    def echo(dump: str):
        def answer(headers, body):
            return 401, f"bad key, got:\n{BYTE_DUMPS[dump](headers.get('x-key', '').encode())}\n"
        return answer

    with route_server({("GET", f"/{at}"): echo(dump) for at, dump in enumerate(BYTE_DUMPS)}) as web:
        project = Project(tmp_path, {"WEB_URL": web, "API_KEY": key})
        project.checklist("vault", BYTE_DUMP_ITEMS)
        project.environment('systems: {vault: {services: {web: {url: "${WEB_URL}"}}, '
                            'secrets: {API_KEY: "${API_KEY}"}}}\n')
        ran = project.run("--env", "local", "-rA", "--junitxml=junit.xml", "--alluredir=allure", every_plugin=True)
    assert ran.code == exitcodes.FAILED and len(ran.statuses()) == len(BYTE_DUMPS), ran.output[-3000:]
    unmasked = [key for key, row in ran.rows().items() if "[redacted" not in json.dumps(row)]
    assert not unmasked, f"expected each item's dump masked in results.json, saw {unmasked} unmasked"
    written = {str(p.relative_to(tmp_path)): p.read_text(encoding="utf-8", errors="replace")
               for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".json", ".xml", ".txt", ".md", ".html")}
    assert any(where.startswith("allure/") for where in written) and \
        any("allure-results" in where for where in written), sorted(written)[:20]
    lines = {dump: [line for line in BYTE_DUMPS[dump](key.encode()).splitlines() if len(line.strip()) > 12]
             for dump in BYTE_DUMPS}
    for where, text in {"console": ran.output, **written}.items():
        kept = [f"{dump}: {line.strip()}" for dump, shown in lines.items() for line in shown
                if line.strip() in text or json.dumps(line.strip())[1:-1] in text]
        assert key not in text and not kept, f"{where}: expected no line of the key's bytes, saw {kept[:4]}"


# -- 2: a copy split by invisible soft-wrap marks -------------------------------------------------------------------
SOFT_WRAPS = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "&shy;", "&#173;", "&#xAD;", "&#xad;",
              "&ZeroWidthSpace;", "<wbr>", "<wbr/>", "<WBR>", "<wbr />",
              # every other default-ignorable code point shows as nothing too (Unicode's Default_Ignorable_Code_Point):
              # a combining grapheme joiner, variation selectors, Hangul fillers, Mongolian ones, tags, an Arabic mark
              "\u034f", "\ufe0f", "\ufe00", "\u3164", "\u115f", "\uffa0", "\u180b", "\u061c", "\u17b4",
              "\U000e0020", "\U000e0101", "\U0001d173", "\U0001bca0",
              # and a line or paragraph separator, or a tab, breaks a copy as a line break does
              "\u2028", "\u2029", "\t"]


@pytest.mark.parametrize("mark", SOFT_WRAPS, ids=[repr(mark) for mark in SOFT_WRAPS])
@pytest.mark.parametrize("secret", [SECRET, ALNUM], ids=["anchored", "alnum"])
def test_a_secret_split_by_soft_wrap_marks_is_masked(secret, mark):
    split = mark.join(secret[i:i + 6] for i in range(0, len(secret), 6))
    for text in (split, f"<p>token: <code>{split}</code> (keep it)</p>", "x" * 3000 + f" {split} " + "y" * 3000):
        shown = _assert_masked(_redactor(secret), text, secret[6:12], secret[12:18])
        assert shown.count("[redacted") == 1, shown[:300]


def test_soft_wrap_marks_around_a_secret_and_in_ordinary_text_stay():
    redactor = _redactor(SECRET)
    ordinary = ("long\u00adword <wbr> soft&shy;hyphen zero\u200bwidth &ZeroWidthSpace; emoji 👩\u200d💻 caf\u00e9 "
                "❤\ufe0f name\tvalue\u2028next")
    assert redactor.text(ordinary) == ordinary
    shown = redactor.text(f"a\u200b{SECRET}\u200bb")  # the marks outside the secret are no part of it
    assert MASK.sub("X", shown) == "a\u200bX\u200bb", shown


# -- 1: every character escaped, inside a long text ------------------------------------------------------------------
def _mixed_percent(secret: str) -> str:
    return "".join(f"%{b:02X}" if i % 2 else f"%{b:02x}" for i, b in enumerate(secret.encode()))


EVERY_CHARACTER = {
    "percent-mixed-case": _mixed_percent,
    "decimal-entities": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "hex-entities": lambda s: "".join(f"&#x{ord(c):X};" for c in s),
    "json-unicode": lambda s: "".join(f"\\u{ord(c):04x}" for c in s),
    # Python's and JavaScript's `\x4b` (a str's characters), and C's or bytea's octal of the bytes (`\113`)
    "x-escapes": lambda s: "".join(f"\\x{ord(c):02x}" for c in s),
    "x-escapes-upper": lambda s: "".join(f"\\x{ord(c):02X}" for c in s),
    "octal-bytes": lambda s: "".join(f"\\{b:03o}" for b in s.encode()),
    # JavaScript's `\u{4b}` and escape()'s `%u004B`, and HTML's numeric references without their `;`, which HTML5 reads
    "js-code-points": lambda s: "".join(f"\\u{{{ord(c):x}}}" for c in s),
    "js-escape": lambda s: "".join(f"%u{ord(c):04X}" for c in s),
    "decimal-entities-no-semicolon": lambda s: "".join(f"&#{ord(c)}" for c in s),
    "hex-entities-no-semicolon": lambda s: "".join(f"&#x{ord(c):x}" for c in s),
}


@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
@pytest.mark.parametrize("escape", EVERY_CHARACTER, ids=list(EVERY_CHARACTER))
def test_a_secret_escaped_character_by_character_far_from_a_long_texts_ends_is_masked(secret, escape):
    escaped = EVERY_CHARACTER[escape](secret)
    text = "a" * 2000 + " &amp; %20 \\n " + "b" * 2000 + f" {escaped} " + "c %2F " * 600
    shown = _assert_masked(_redactor(secret), text, escaped[:24], escaped[-24:])
    assert shown.startswith("a" * 2000 + " &amp; %20 \\n ") and shown.endswith("c %2F " * 600)


def test_runs_of_escapes_in_a_long_text_without_a_secret_stay():
    redactor = _redactor(SECRET, ALNUM)
    text = ("&nbsp;" * 40 + "x" * 2000 + "%20%2F%3A" * 30 + "\\u0041\\n" * 40 + "y" * 2000 + "&#65;&#66;" * 20
            + "\\x41\\x42\\101\\u{41}%u0041&#65&#x42" * 20) * 2
    assert redactor.text(text) == text


@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
@pytest.mark.parametrize("escape", EVERY_CHARACTER, ids=list(EVERY_CHARACTER))
def test_a_secret_escaped_character_by_character_in_a_short_text_is_masked(secret, escape):
    """A server's error quoting the key it refused, each character escaped (`key rejected: var k='\\x4b\\x71…'`)."""
    escaped = EVERY_CHARACTER[escape](secret)
    shown = _assert_masked(_redactor(secret), f"key rejected: var k='{escaped}';", escaped[:24], escaped[-24:])
    assert shown.startswith("key rejected: var k='") and shown.endswith("';"), shown


# -- a hexdump's and xxd's hex column, across its lines; its printable column ---------------------------------------
def _hexdump_c(data: bytes) -> str:
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{at:08x}  {hexes:<48}  |{shown}|")
    return "\n".join([*lines, f"{len(data):08x}"])


def _xxd(data: bytes) -> str:
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join(chunk[i:i + 2].hex() for i in range(0, len(chunk), 2))
        lines.append(f"{at:08x}: {hexes:<40}  {''.join(chr(b) if 32 <= b < 127 else '.' for b in chunk)}")
    return "\n".join(lines)


def _tcpdump_x(data: bytes) -> str:
    return "\n".join(f"\t0x{at:04x}:  {line[10:50]}  {line[52:]}" for at, line in zip(range(0, len(data), 16),
                                                                                  _xxd(data).splitlines()))


DUMPS = {"hexdump -C": _hexdump_c, "xxd": _xxd, "xxd -u": lambda data: _xxd(data).upper(), "tcpdump -X": _tcpdump_x}


@pytest.mark.parametrize("prefix", [0, 3, 7, 11, 16], ids=lambda n: f"at-{n}")
@pytest.mark.parametrize("dump", DUMPS, ids=list(DUMPS))
@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT, "Kq7Zz2Ab9xLm3P"], ids=["anchored", "alnum", "non-ascii",
                                                                                 "14-characters"])
def test_a_secret_in_a_hexdump_is_masked_in_its_hex_and_printable_columns(secret, dump, prefix):
    """`hexdump -C` and `xxd` of a request holding the key (a debugging proxy's page, a test's log): the key's hex runs
    across lines, spaced, beside the printable column that shows it too, cut at the line's end."""
    data = b"x-api-key: " + b"h" * prefix + secret.encode() + b"\r\nhost: shop.example\r\n"
    text = DUMPS[dump](data)
    shown = _assert_masked(_redactor(secret), f"request was:\n{text}\n(end)")
    digits = "".join(re.findall(r"(?<![0-9A-Za-z])[0-9a-fA-F]{2,4}(?![0-9A-Za-z])",
                                "\n".join(line[10:58] for line in shown.splitlines()))).lower()
    assert secret.encode()[:6].hex() not in digits and secret.encode()[-6:].hex() not in digits, shown
    printable = "".join(re.sub(r"^.*?(?:\||  )(?=\S)", "", line) for line in shown.splitlines())
    for at in range(0, len(secret) - 7):
        assert secret[at:at + 8] not in printable, shown
    assert shown.startswith("request was:\n") and shown.endswith("\n(end)"), shown


@pytest.mark.parametrize("margin", ["E         + ", "    ", "> "], ids=["pytest-diff", "indented", "mail-quote"])
@pytest.mark.parametrize("dump", DUMPS, ids=list(DUMPS))
def test_a_hexdump_quoted_behind_a_margin_is_masked_and_keeps_its_lines(dump, margin):
    """A dump quoted line by line (pytest's failure `E` and its diff's `+ `, an indented excerpt, a mail's `> `): each
    line behind the same margin is one run of bytes all the same, its last too (two bytes: too few to be told a dump's
    line alone). Masked keeping its lines (as pytest's lines are printed), the text has as many lines as before, each
    behind its margin."""
    redactor = _redactor(ALNUM)
    data = b"x-api-key: " + b"h" * 15 + ALNUM.encode()  # its last 2 bytes alone on the last line
    text = "request was:\n" + "\n".join(margin + line for line in DUMPS[dump](data).splitlines())
    def hex_shown(shown: str) -> str:
        return _hex_shown("\n".join(line.replace(margin, "", 1) for line in shown.splitlines()), dump)

    shown = redactor.text(text)
    assert ALNUM.encode()[:6].hex() not in hex_shown(shown) and ALNUM.encode()[-6:].hex() not in hex_shown(shown), shown
    kept = redactor.text_keeping_lines(text)
    assert ALNUM.encode()[:6].hex() not in hex_shown(kept) and ALNUM.encode()[-6:].hex() not in hex_shown(kept), kept
    assert kept.count("\n") == text.count("\n") and MASK.search(kept), kept
    assert all(line.startswith(margin) for line in kept.split("\n")[1:3]), kept


def test_a_hexdump_a_diff_cut_before_its_first_byte_is_masked_at_the_cut():
    """pytest's diff of `'x-api-key' not in dump` skips the dump's lines before the term and guides its line with a `?`:
    the dump goes on from a later offset, its first bytes the rest of a key. No 3 of the key's bytes stay there; a dump
    from offset 0 holding no secret is unchanged."""
    redactor = _redactor(ALNUM)
    data = b"GET / HTTP/1.1\r\nx-api-key: " + ALNUM.encode() + b"\r\nhost: shop.example\r\n"
    lines = _xxd(data).splitlines()
    text = f"'x-api-key' is contained here:\n  4e 4152   x-api-key: {ALNUM[:5]}\n?           +++++++++\n" + \
        "\n".join("  " + line for line in lines[2:])
    shown = _assert_masked(redactor, text)
    digits = _hex_shown("\n".join(line[2:] for line in shown.splitlines()), "xxd")
    kept = [at for at in range(5, len(ALNUM) - 2) if ALNUM.encode()[at:at + 3].hex() in digits]
    assert not kept, f"expected none of the key's bytes after the cut in the dump's hex, saw them at {kept}: {shown}"
    assert redactor.text(_xxd(b"GET / HTTP/1.1\r\nx-api-key: not-the-key\r\n")) == _xxd(
        b"GET / HTTP/1.1\r\nx-api-key: not-the-key\r\n")


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize("dump", DUMPS, ids=list(DUMPS))
def test_a_hexdump_whose_lines_end_in_a_cr_is_masked_and_keeps_its_cr(dump, line_end):
    """A dump of raw HTTP written with its own line ends (CRLF, or a CR alone): its hex and printable columns are read
    across its lines as an LF-ended dump's are, its last short line too. Masked keeping its lines, each CR stays where
    it was."""
    redactor = _redactor(ALNUM)
    data = b"x-api-key: " + b"h" * 15 + ALNUM.encode()  # its last 2 bytes alone on the last line
    text = "request was:" + line_end + line_end.join(DUMPS[dump](data).splitlines())
    for shown in (redactor.text(text), redactor.text_keeping_lines(text)):
        digits = _hex_shown(shown.replace("\r", "\n"), dump)
        kept = [at for at in range(len(ALNUM) - 2) if ALNUM.encode()[at:at + 3].hex() in digits]
        assert not kept and ALNUM[:6] not in shown and MASK.search(shown), \
            f"expected none of the key's bytes in a {line_end!r}-ended dump, saw them at {kept}: {shown!r}"
    kept = redactor.text_keeping_lines(text)
    assert [m.group() for m in re.finditer(r"\r\n?|\n", kept)] == [m.group() for m in re.finditer(r"\r\n?|\n", text)], \
        f"expected the dump's line ends kept, saw {kept!r}"



KEY_40 = "Kq7Zx9LmWt4Rv8Ks3PnB2cHy6Jd5Fg1Qa0Ue7Tw3"  # an API key of 40 letters and digits
AROUND = {  # what a dump's first line follows and its last line runs on into, on their own lines
    "html-pre": ("<pre>", "</pre>"), "json-string": ('{"dump": "', '", "status": 500}'),
    "log-line": ("request bytes: ", " (truncated)"), "pre-then-break": ("<pre>\n", "\n</pre>"),
}


def _told_of_key(shown: str) -> list[str]:
    """What of KEY_40 a cleaned text still tells: 4 of its characters in a row, or 3 of its bytes in the hex the
    text's groups of 2 to 4 hex digits spell read in order (a dump's hex column, its offsets left out)."""
    digits = "".join(_HEX_GROUP.findall(shown)).lower()
    return ([KEY_40[at:at + 4] for at in range(len(KEY_40) - 3) if KEY_40[at:at + 4] in shown]
            + [f"hex of {KEY_40[at:at + 3]}" for at in range(len(KEY_40) - 2)
               if KEY_40[at:at + 3].encode().hex() in digits])


@pytest.mark.parametrize("prefix", [0, 3, 5, 11], ids=lambda n: f"at-{n}")
@pytest.mark.parametrize("dump", DUMPS, ids=list(DUMPS))
@pytest.mark.parametrize("around", AROUND, ids=list(AROUND))
def test_a_hexdump_with_text_before_its_first_line_and_after_its_last_is_masked(around, dump, prefix):
    """A dump a target quotes inside other text with no line break at its ends (an HTML debug page's
    `<pre>00000000: …</pre>`, a JSON string, a log line): its first and last lines are read as the lines between are
    — each line's printable column as many characters as its hex column has bytes, what runs on after it is other
    text. No 4 of the key's characters, nor the hex of 3 of its bytes, stay; the text around the dump does."""
    lead, trail = AROUND[around]
    data = b"x" * prefix + KEY_40.encode()
    lines = DUMPS[dump](data).splitlines()[:math.ceil(len(data) / 16)]  # hexdump -C's closing offset left out
    text = lead + "\n".join(lines) + trail
    assert _told_of_key(text), f"expected the unmasked {dump} to tell the key: {text!r}"
    redactor = _redactor(KEY_40)
    for shown in (redactor.text(text), redactor.text_keeping_lines(text)):
        told = _told_of_key(shown)
        assert not told, f"{dump} inside {around}: expected nothing of the key left, saw {told}: {shown!r}"
        assert shown.startswith(lead) and shown.endswith(trail), f"expected {lead!r}…{trail!r} kept, saw {shown!r}"
    # the same dump of bytes holding no secret is left as it was
    other = lead + "\n".join(DUMPS[dump](b"x" * prefix + b"not-the-key-at-all").splitlines()[:2]) + trail
    assert redactor.text(other) == other


WRAPPED = {  # a text wrapped at a fixed width, as tools print it
    "base64 at 76 (base64.encodebytes, openssl base64)":
        lambda data: base64.encodebytes(data).decode(),
    "hex at 60 (xxd -p)": lambda data: "\n".join(data.hex()[at:at + 60] for at in range(0, 2 * len(data), 60)),
    "HEX at 20": lambda data: "\n".join(data.hex().upper()[at:at + 20] for at in range(0, 2 * len(data), 20)),
}


def _told(texts: list[str], kind: str) -> list[str]:
    """What of the key wrapped lines (each behind `… + ` where a diff quotes them) still tell a reader: a line of
    base64 decoding to 16 of its characters; 6 of its bytes in the lines' runs of hex read as one (`xxd -p` wrapped);
    3 of its bytes in a dump's hex column read across its lines."""
    texts = [text.split("+ ", 1)[1] if "+ " in text else text for text in texts]
    if kind.startswith("base64"):
        runs = [max(re.findall(r"[A-Za-z0-9+/]+", text) or [""], key=len) for text in texts]
        return [run for run in runs if any(ALNUM[at:at + 16].encode() in base64.b64decode(run[:len(run) // 4 * 4])
                                           for at in range(len(ALNUM) - 15))]
    dump = kind.startswith("xxd")
    digits, width = _hex_shown("\n".join(texts).replace("\r", ""), "xxd" if dump else "hex"), 3 if dump else 6
    return [f"bytes {at}-{at + width - 1}" for at in range(len(ALNUM) - width + 1)
            if ALNUM.encode()[at:at + width].hex() in digits]


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("wrapped", WRAPPED, ids=list(WRAPPED))
def test_a_secrets_wrapped_base64_or_hex_is_read_across_its_line_breaks(wrapped, line_end):
    """A secret's base64 or hex that a wrap broke over lines reads whole without the breaks: masked, no line of base64
    decodes to 16 of its characters (one at 76 columns holds 57 bytes, all but one of a 24-character key), no 6 of
    its bytes are left in the hex read across the lines. The lines stay, each line end as it was."""
    redactor = _redactor(ALNUM)
    data = b"header-padding-0123456789-" * 2 + b"key=" + ALNUM.encode() + b";tail" * 10
    text = WRAPPED[wrapped](data).replace("\n", line_end)
    assert _told(text.splitlines(), wrapped), "expected the unmasked lines to tell the key"
    shown = redactor.text_keeping_lines(text)
    assert shown.count(line_end) == text.count(line_end) and MASK.search(shown), shown
    told = _told(shown.splitlines(), wrapped)
    assert not told, f"expected nothing of the key in the {wrapped}, saw {told}: {shown!r}"


DIFFED = {  # pytest's failure lines of `assert text == ""`: each line of the text behind `E`, its indent and `+ `
    **WRAPPED,
    "xxd with CRLF": lambda data: "\r\n".join(_xxd(data).splitlines()),
}


@pytest.mark.parametrize("diffed", DIFFED, ids=list(DIFFED))
def test_a_wrapped_text_pytest_diffs_line_by_line_is_masked_across_its_markers(diffed):
    """pytest's `==` diff prints each line of a text behind its `E`, the diff's indent and a marker (`+ `, `- `, `? `,
    two blanks where both sides share it), its crash message (JUnit's message, the short summary) the same lines
    without the `E`: the plugin reads them without all that, so a secret's base64 or hex wrapped over those lines is
    whole there. Each line keeps its margin and marker, and tells nothing of the key; a diff holding no secret is
    left as it was."""
    from opsverify.plugin import _masked_lines

    redactor = _redactor(ALNUM)
    data = b"header-padding-0123456789-" * 2 + b"key=" + ALNUM.encode() + b";tail" * 10
    wrapped = DIFFED[diffed](data).split("\n")
    failure = [">       assert body == \"\"", "E       AssertionError: assert 'aGVh...' == ''", "E         ",
               *[f"E         + {line}" for line in wrapped]]
    message = ["AssertionError: assert 'aGVh...' == ''", "  ", *[f"  + {line}" for line in wrapped]]
    assert _told(failure, diffed) and _told(message, diffed), "expected the unmasked lines to tell the key"
    for lines, margin in ((failure, "E         + "), (message, "  + ")):
        shown = _masked_lines(lines, redactor)
        assert len(shown) == len(lines) and all(line.startswith(margin) for line in shown[-len(wrapped):]), shown
        assert any(MASK.search(line) for line in shown), shown
        assert not _told(shown, diffed), f"expected no line to tell the key, saw {_told(shown, diffed)}: {shown}"
    plain = [*failure[:3], *[f"E         {marker} {line}" for marker, line in zip("+-? ", ["dGFpbA==", "abc", "^", "x"])]]
    assert _masked_lines(plain, redactor) is plain


def test_a_hexdump_without_a_secret_stays():
    redactor = _redactor(SECRET, ALNUM, UMLAUT)
    for dump in DUMPS.values():
        text = dump(bytes(range(256)) + b"x-api-key: not-the-key-at-all\r\n")
        assert redactor.text(text) == text


# -- the hex of a secret's base64: a hexdump of a request's `Authorization: Basic …` --------------------------------
HEXES = {**DUMPS, "hex": lambda data: data.hex(), "HEX": lambda data: data.hex().upper()}
SENT = {  # how a request carries the secret in base64: a header line, its base64 at the line's end
    "the-urls-basic-pair": lambda secret: b"Authorization: Basic " + base64.b64encode(f"svc:{secret}".encode()),
    "another-users-basic-pair":  # `ci-bot7:` puts the secret at another of base64's alignments than `svc:`
        lambda secret: b"Authorization: Basic " + base64.b64encode(f"ci-bot7:{secret}".encode()),
    "its-own-base64": lambda secret: b"x-token: " + base64.b64encode(secret.encode()),
}


def _hex_shown(shown: str, dump: str) -> str:
    """The hex digits a cleaned dump still shows, in order: its hex column's (as the hexdump test reads them), or a
    plain hex string's."""
    if dump in DUMPS:
        columns = "\n".join(line[10:58] for line in shown.splitlines())
        return "".join(re.findall(r"(?<![0-9A-Za-z])[0-9a-fA-F]{2,4}(?![0-9A-Za-z])", columns)).lower()
    return "".join(re.findall(r"[0-9a-fA-F]{8,}", shown)).lower()


@pytest.mark.parametrize("prefix", [0, 5], ids=lambda n: f"at-{n}")
@pytest.mark.parametrize("dump", HEXES, ids=list(HEXES))
@pytest.mark.parametrize("sent", SENT, ids=list(SENT))
@pytest.mark.parametrize("secret", [SECRET, ALNUM, UMLAUT], ids=["anchored", "alnum", "non-ascii"])
def test_the_hex_of_a_secrets_base64_is_masked(secret, sent, dump, prefix):
    """`tcpdump -X` or `xxd` of a request a client sent with the URL's password (`Authorization: Basic …`, under that
    URL's user or another), or a plain hex string of it: the hex spells the base64, which decodes straight back to
    the password. No 3 of the secret's bytes stay readable there."""
    redactor = Redactor()
    redactor.add(f"https://svc:{quote(secret, safe='')}@api.example.com/")
    line = SENT[sent](secret)
    data = b"GET / HTTP/1.1\r\n" + b"h" * prefix + line + b"\r\nhost: api.example.com\r\n"
    shown = _assert_masked(redactor, f"request was:\n{HEXES[dump](data)}\n(end)")
    base64_text = line.split(b" ")[-1]
    secret_at = len(base64.b64decode(base64_text)) - len(secret.encode())  # after `user:` in a pair
    # the base64 characters that depend on the secret's bytes alone, as hex: none of their 4-character runs stays
    alone = base64_text[math.ceil(secret_at * 4 / 3):(secret_at + len(secret.encode())) // 3 * 4].hex()
    left = _hex_shown(shown, dump)
    kept = [alone[at:at + 8] for at in range(0, len(alone) - 7, 2) if alone[at:at + 8] in left]
    assert not kept, f"{sent} in {dump}: expected no hex of the secret's base64 left, saw {len(kept)} runs: {shown}"
    assert shown.startswith("request was:\n") and shown.endswith("\n(end)"), shown


def test_the_hex_of_a_basic_header_of_other_credentials_stays():
    redactor = _redactor(SECRET, ALNUM, UMLAUT)
    data = b"Authorization: Basic " + base64.b64encode(b"svc:not-the-password-at-all") + b"\r\n"
    for dump in HEXES.values():
        assert redactor.text(dump(data)) == dump(data)


DUMP_ITEMS = """
- {id: W1, name: dump, section: Web, title: the debug page shows no request, family: http, cadence: postdeploy,
   params: {service: web, path: /debug/request, body_excludes: [Authorization]}}
"""


def _column_runs(dump: str, data: bytes, start: int, end: int) -> list[str]:
    """What each line of a `tcpdump -X` dump of `data` shows in its hex column of `data[start:end]`, 4 bytes or more."""
    runs = []
    for line, at in zip(dump.splitlines(), range(0, len(data), 16)):
        first, last = max(start, at) - at, min(end, at + 16) - at - 1
        if last - first >= 3:
            column = line.split(":  ", 1)[1]
            runs.append(column[first // 2 * 5 + first % 2 * 2:last // 2 * 5 + last % 2 * 2 + 2])
    return runs


TEAM_TEST = """import os

import httpx


def test_the_debug_page():
    reply = httpx.get(os.environ["WEB_URL"] + "/debug/request")
    print(reply.text)
    shows_the_request = "Authorization" in reply.text
    assert not shows_the_request
"""


def test_the_hex_of_a_basic_header_a_page_dumps_stays_out_of_the_console_and_the_archive(tmp_path):
    """A debug page showing the request it got as `tcpdump -X` does: the client sent the service URL's user and
    password as `Authorization: Basic …`, whose hex column decodes back to the password. The item fetching it keeps
    the page in the archive; a team's own test beside the checklists printing it puts it on the console."""
    password = f"CANARY{random.token_hex(10)}"
    seen: list[str] = []

    def dump_request(headers, body):
        seen.append(_tcpdump_x(f"Authorization: {headers.get('authorization', '')}\r\n".encode()))
        return 200, seen[-1]

    with route_server({("GET", "/debug/request"): dump_request}) as web:
        project = Project(tmp_path, {"WEB_URL": web.replace("http://", f"http://svc:{password}@")})
        project.checklist("shop", DUMP_ITEMS)
        project.environment('systems: {shop: {services: {web: {url: "${WEB_URL}"}}}}\n')
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "test_debug.py").write_text(TEAM_TEST, encoding="utf-8")
        ran = project.run("--env", "local", "tests", "checklists", "-rA")
    assert ran.code == exitcodes.FAILED and ran.statuses() == {"W1-dump": "failed"}, ran.output[-3000:]
    basic = base64.b64encode(f"svc:{password}".encode())
    data = b"Authorization: Basic " + basic + b"\r\n"
    assert len(seen) == 2 and set(seen) == {_tcpdump_x(data)}, "expected the item and the team test to get the dump"
    runs = _column_runs(seen[0], data, len(data) - len(basic) - 2, len(data) - 2)
    written = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file()}
    shown = {"console": ran.output, **written}
    for where in ("console", str(ran.archive() / "results.json")):
        assert "0x0000:" in shown[where] and "[redacted" in shown[where], f"{where}: expected the dump, masked"
    for where, text in shown.items():
        kept = [run for run in runs if run in text]
        assert not kept and password not in text and basic.decode()[:16] not in text, \
            f"{where}: expected no hex of the Basic header's base64, saw {len(kept)} of its {len(runs)} lines' runs"


DUMPING_TEAM_TEST = """import base64, os
from urllib.parse import urlsplit


def xxd(data):
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join(chunk[i:i + 2].hex() for i in range(0, len(chunk), 2))
        lines.append(f"{at:08x}: {hexes:<40}  {''.join(chr(b) if 32 <= b < 127 else '.' for b in chunk)}")
    return "\\n".join(lines)


URL = urlsplit(os.environ["SVC_URL"])
KEY_SENT = xxd(b"GET /v1/charges HTTP/1.1\\r\\nHost: api\\r\\nx-api-key: " + os.environ["SHOP_API_KEY"].encode()
               + b"\\r\\nAccept: */*\\r\\n\\r\\n")
BASIC_SENT = xxd(b"GET / HTTP/1.1\\r\\nAuthorization: Basic "
                 + base64.b64encode(f"{URL.username}:{URL.password}".encode()) + b"\\r\\nHost: api\\r\\n\\r\\n")


def test_the_key_is_not_sent():
    assert "x-api-key" not in KEY_SENT


def test_no_request_with_the_key_is_logged():
    assert KEY_SENT == ""


def test_the_password_is_not_sent():
    assert "Authorization" not in BASIC_SENT


def test_no_request_with_the_password_is_logged():
    assert BASIC_SENT == ""


def test_no_request_with_the_key_is_logged_with_its_own_line_ends():
    dump = "\\r\\n".join(KEY_SENT.splitlines())  # a dump of raw HTTP, CRLF-ended
    assert not dump, dump


BODY = b"header-padding-0123456789-" * 2 + b"key=" + os.environ["SHOP_API_KEY"].encode() + b";tail" * 10


def test_no_body_with_the_key_in_wrapped_base64():
    assert base64.encodebytes(BODY).decode() == ""  # 76 columns, as openssl base64 and mail wrap it


def test_no_body_with_the_key_in_wrapped_hex():
    assert "\\n".join(BODY.hex()[at:at + 60] for at in range(0, 2 * len(BODY), 60)) == ""  # xxd -p


def test_no_body_with_the_key_in_wrapped_upper_case_hex():
    assert "\\n".join(BODY.hex().upper()[at:at + 20] for at in range(0, 2 * len(BODY), 20)) == ""
"""
_XXD_OFFSET = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{8}: ")
_HEX_GROUP = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{2,4}(?![0-9A-Za-z])")


def _dump_lines_hex(text: str) -> str:
    """The hex digits every `xxd` line in a text shows (quoted behind any margin, in JSON's escaped lines too), one
    run: what a reader rebuilds the dumped bytes from."""
    lines = text.replace("\\n", "\n").splitlines()
    return "".join("".join(_HEX_GROUP.findall(line[offset.end():offset.end() + 40]))
                   for line in lines if (offset := _XXD_OFFSET.search(line))).lower()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_team_tests_assertion_quoting_a_hexdump_of_a_secret_is_masked_everywhere(tmp_path, workers):
    """A team's own test asserting on an `xxd` dump of a request: pytest quotes the dump's lines in its failure
    (`'x-api-key' is contained here:` and the lines after, an `==` diff's `+ ` lines), each behind pytest's `E` margin.
    The key's hex and the hex of the Basic header's base64 run across those lines — masked on the console, in the
    archive's results, JUnit and Allure, serial and under xdist; the console's failure keeps its lines, each behind its
    `E`. So are the key's in the dump's CRLF-ended lines, and its base64 and hex wrapped over an `==` diff's `+ `
    lines (base64 at 76 columns, `xxd -p`'s hex at 60, upper-case hex at 20): read across the lines, no line of
    base64 decodes to 16 of its characters, no 6 of its bytes are left in the hex runs read as one."""
    key, password = f"Kq7{random.token_hex(12)}", f"Pw9{random.token_hex(12)}"
    project = Project(tmp_path, {"SHOP_API_KEY": key, "SVC_URL": f"https://svc:{password}@api.example.com/"})
    project.checklist("vault", """
    - {id: M1, name: by-hand, section: S, title: looked at by hand, family: manual, reason: a person looks}
    """)
    project.environment('systems: {vault: {secrets: {API_KEY: "${SHOP_API_KEY}", SVC_URL: "${SVC_URL}"}}}\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_dumps.py").write_text(DUMPING_TEAM_TEST, encoding="utf-8")
    ran = project.run("--env", "local", "tests", "checklists", "-rA", "--junitxml=junit.xml", *workers)
    assert ran.code == exitcodes.FAILED and ran.output.count("AssertionError") >= 8, ran.output[-3000:]
    body = b"header-padding-0123456789-" * 2 + b"key=" + key.encode() + b";tail" * 10
    base64_lines = [line for line in base64.encodebytes(body).decode().splitlines()
                    if any(key[at:at + 16].encode() in base64.b64decode(line) for at in range(len(key) - 15))]
    assert base64_lines, "expected a wrapped line of the body's base64 to hold 16 of the key's characters"
    basic = base64.b64encode(f"svc:{password}".encode())
    alone = basic[math.ceil(4 * 4 / 3):(4 + len(password)) // 3 * 4].hex()  # what `svc:` does not shape
    key_hex, password_hex = key.encode().hex(), password.encode().hex()
    # every file the run wrote (reports/, junit.xml), its inputs aside
    written = {str(path): path.read_text(encoding="utf-8", errors="replace") for path in tmp_path.rglob("*")
               if path.is_file() and path.relative_to(tmp_path).parts[0] not in ("tests", "checklists", "environments")}
    assert any("junit.xml" in where for where in written) and any("results.json" in where for where in written)
    for where, text in {"console": ran.output, **written}.items():
        assert key not in text and password not in text and basic.decode() not in text, f"{where}: a secret as is"
        shown = _dump_lines_hex(text)
        kept = [f"{name} at byte {at // 2}" for name, hexed, run in (("the key", key_hex, 6),
                                                                  ("the password", password_hex, 6),
                                                                  ("the Basic header's base64", alone, 8))
                for at in range(0, len(hexed) - run + 1, 2) if hexed[at:at + run] in shown]
        assert not kept, f"{where}: expected no 3 bytes of a secret in a dump's hex, saw {kept}"
        assert not [line for line in base64_lines if line in text], \
            f"{where}: expected no wrapped line of base64 holding 16 of the key's characters"
        runs = "".join(re.findall(r"[0-9a-fA-F]{8,}", text)).lower()  # the hex runs, read across the diff's lines
        kept = [at // 2 for at in range(0, len(key_hex) - 12 + 1, 2) if key_hex[at:at + 12] in runs]
        assert not kept, f"{where}: expected no 6 bytes of the key in wrapped hex, saw them at bytes {kept}"
    # pytest's layout kept: the dump's other lines as they were, and each line of a failure behind its `E`
    assert "E         + 00000000: 4745 5420 2f76 312f 6368 6172 6765 7320   GET /v1/charges " in ran.output
    assert "[redacted" in ran.output, ran.output[-3000:]
    for failure in re.findall(r"\n>   [^\n]*\n((?:E[^\n]*\n)+)\n", ran.output):
        assert failure.count("\n") >= 4, f"expected the dump's lines kept, each behind its E, saw {failure}"
    dumped = len(b"GET / HTTP/1.1\r\nAuthorization: Basic \r\nHost: api\r\n\r\n" + basic)
    lines = {len(block.splitlines()) for block in re.findall(r'assert BASIC_SENT == ""\n((?:E[^\n]*\n)+)', ran.output)}
    assert lines == {2 + math.ceil(dumped / 16)}, \
        f"expected the diff's every line of the dump behind its E, saw {lines} lines: {ran.output[-3000:]}"


# -- full-width forms (NFKC folds them back) --------------------------------------------------------------------------
@pytest.mark.parametrize("secret", [SECRET, ALNUM], ids=["anchored", "alnum"])
def test_a_secret_in_full_width_characters_is_masked(secret):
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in secret)
    for text in (wide, f"key: {wide} rejected", "x" * 3000 + f" {wide} " + "y" * 3000):
        _assert_masked(_redactor(secret), text, wide[:8], wide[-8:])


# -- 6: upper-case and YAML hex escapes of a secret's characters ---------------------------------------------------
@pytest.mark.parametrize("written", [
    "p\\xE4sswort+Zk3m/Q9 wx",  # ascii() with upper-case hex, yaml.dump's escape
    "p\\xe4sswort+Zk3m/Q9 wx",  # ascii()
    "p\\u00E4sswort+Zk3m/Q9 wx", "p\\u00e4sswort+Zk3m/Q9 wx",
    "p\\U000000E4sswort+Zk3m/Q9 wx", "p\\U000000e4sswort+Zk3m/Q9 wx",  # YAML's long escape
], ids=["x-upper", "x-lower", "u-upper", "u-lower", "U-upper", "U-lower"])
def test_a_secret_written_in_hex_escapes_is_masked(written):
    """A YAML comment or a log line quoting the password as Python or YAML escapes it."""
    for text in (f'"{written}"', f"# old password: {written} (rotated)", "z" * 2000 + f" {written} " + "z" * 2000):
        _assert_masked(_redactor(UMLAUT), text, written[:10], "Zk3m/Q9")


def test_a_secret_written_as_yaml_dump_escapes_it_is_masked():
    yaml = pytest.importorskip("yaml")
    secret = "n\u00e4he\u00a0Zk3m\u2028Q9wx\U0001f511"  # a no-break space, a line separator, an emoji
    dumped = yaml.dump(secret, default_style='"', width=1000).strip()
    assert "\\_" in dumped and "\\L" in dumped and "\\U0001F511" in dumped, dumped  # the escapes meant
    _assert_masked(_redactor(secret), f"password: {dumped}  # rotated", "Zk3m")


# -- 5: base32 of a secret behind a prefix -------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", [b"", b"k", b"k=", b"key", b"key:", b"secret="], ids=lambda p: f"prefix-{len(p)}")
@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["upper", "lower"])
def test_base32_of_a_secret_behind_a_prefix_is_masked(prefix, case):
    encoded = case(base64.b32encode(prefix + SECRET.encode()).decode())
    middle = encoded[len(prefix) * 8 // 5 + 2:-12]  # no character of the prefix, none of the padded end
    _assert_masked(_redactor(SECRET), f"seed: {encoded} end", middle)


@pytest.mark.parametrize("offset", range(5))
def test_base32_of_a_secret_behind_a_prefix_cut_at_an_excerpts_end_is_masked(offset):
    encoded = base64.b32encode(b"xy:z9"[:offset] + SECRET.encode()).decode()
    cut = encoded[:len(encoded) // 2 + 4]  # an excerpt's first half: the secret's start
    shown = _assert_masked(_redactor(SECRET), f"blob {cut}")
    assert shown.startswith("blob "), shown


# -- base64 of JSON that escaped the secret (a JWT's payload, a Kubernetes .dockerconfigjson, Go's encoding/json) ----
def _go_json(value: str) -> str:
    """JSON as Go's encoding/json writes it: UTF-8 kept, `<`, `>`, `&`, U+2028 and U+2029 as \\u escapes."""
    written = json.dumps(value, ensure_ascii=False)
    for char in "<>&\u2028\u2029":
        written = written.replace(char, "\\u%04x" % ord(char))
    return written


def _jwt_payload(value: str) -> str:
    payload = json.dumps({"sub": "u1", "key": value}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


JSON_THEN_BASE64 = {
    "jwt-payload": _jwt_payload,
    "ascii-json": lambda s: base64.b64encode(json.dumps({"password": s}).encode()).decode(),
    "utf8-json": lambda s: base64.b64encode(json.dumps({"password": s}, ensure_ascii=False).encode()).decode(),
    "go-json": lambda s: base64.b64encode(('{"password":' + _go_json(s) + "}").encode()).decode(),
    "ascii-json-html-safe": lambda s: base64.b64encode(json.dumps({"pw": s}).replace("<", "\\u003c").replace(
        ">", "\\u003e").replace("&", "\\u0026").encode()).decode(),
    "dockerconfigjson": lambda s: base64.b64encode(json.dumps({"auths": {"r.example.com": {
        "username": "u", "password": s}}}, ensure_ascii=False).encode()).decode(),
}
ESCAPED_BY_JSON = {
    "quote-and-backslash": 'pa"ss\\word12',
    "html-characters": "qu'o\"te<&>x9",
    "non-ascii-and-pair": "s\u00e9cr\u00e9t-\u00dc\u00f1\u00ee\u20ac\U0001f511-zz",
    "regex-characters": r"p(a|b)*[x]$^.+?\{1}",
    "short-quoted": 'Kx7"q2',
}


@pytest.mark.parametrize("secret", ESCAPED_BY_JSON.values(), ids=list(ESCAPED_BY_JSON))
@pytest.mark.parametrize("form", JSON_THEN_BASE64, ids=list(JSON_THEN_BASE64))
def test_base64_of_json_that_escaped_the_secret_is_masked(secret, form):
    """JSON writes the secret's quote, backslash, non-ASCII or `<&>` as escapes before base64 encodes it: the bytes
    encoded are the escaped spelling's, not the secret's, and their base64 is masked as the secret's own is."""
    encoded = JSON_THEN_BASE64[form](secret)
    redactor = _redactor(secret)
    for text in (f"error: {encoded} end", json.dumps({"body_start": f"Bearer x.{encoded}.sig"})):
        shown = _assert_masked(redactor, text, encoded)
        assert shown.startswith(text[:8]) and shown.endswith(text[-4:]), shown


@pytest.mark.parametrize("secret", [ESCAPED_BY_JSON["quote-and-backslash"], ESCAPED_BY_JSON["html-characters"]],
                         ids=["quote-and-backslash", "html-characters"])
def test_a_jwt_cut_inside_the_escaped_secret_is_masked_at_the_cut(secret):
    """An excerpt (a reply's first characters) that ends inside the secret's encoded bytes keeps a piece of them."""
    payload = _jwt_payload(secret)
    prefix = len(json.dumps({"sub": "u1", "key": ""})) - 2  # `{"sub": "u1", "key": "` before the escaped secret
    start = -(-prefix * 4 // 3)  # the first base64 character that holds the secret's bytes alone
    kept = payload[:start + 12]
    shown = _assert_masked(_redactor(secret), f"reply: eyJhbGciOiJIUzI1NiJ9.{kept}…", payload[start:start + 12])
    assert "[redacted part of " in shown, shown


# -- and none of it costs ordinary text ------------------------------------------------------------------------------
ORDINARY = [
    "00000000  48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a  |Hello, world!.|",
    "GET /search?q=%E4%BD%A0%E5%A5%BD%20world&page=2 HTTP/1.1",
    "<p>Tel&shy;e&shy;phone <wbr>numbers&#173;here &nbsp;&amp;&lt;b&gt;</p>",
    "JBSWY3DPEHPK3PXP JBSWY3DPEB3W64TMMQQQ base32 of hello world",
    base64.b64encode(base64.b64encode(b"just some ordinary configuration text, no secret")).decode(),
    "caf\\xe9 na\\xEFve \\u00e9t\\u00E9 \\U0001F600",
    "\\u0048\\u0065\\u006c\\u006c\\u006f" * 50 + "plain" * 500 + "&#72;&#101;&#108;&#108;&#111;" * 50,
]


@pytest.mark.parametrize("text", ORDINARY, ids=range(len(ORDINARY)))
def test_ordinary_text_in_these_spellings_is_unchanged(text):
    redactor = _redactor(SECRET, ALNUM, UMLAUT, "482913", "postgresql://checker:Zk3mQ9wxLp@db.internal:5432/shop")
    assert redactor.text(text) == text


def test_a_piece_cut_right_after_the_secrets_own_escaped_quote_leaves_the_json_whole():
    """`"Zk3mQ9wxLp\\"…"`: the quote before the excerpt's mark is the secret's own, JSON-escaped; masking up to it
    took its backslash and left the quote closing the string early."""
    secret = 'Zk3mQ9wxLp"Rt7Vn2Bq8Hs'
    document = json.dumps({"said": [secret[:11] + "…", "…" + secret[10:]]}, ensure_ascii=False)
    shown = _redactor(secret).text(document)
    said = json.loads(shown)["said"]
    assert [MASK.sub("X", each) for each in said] == ["X…", "…X"], shown


def test_an_environment_files_comment_quoting_the_password_in_upper_case_hex_escapes_is_masked_and_kept():
    """The archive copies an input file as it is where no secret hides in YAML's reading, and its last scrub masks
    the text: a comment quoting the password as yaml.dump escapes it (`\\xE4`) is masked there, the comment kept."""
    from opsverify.archive import _input_copy

    redactor = _redactor(UMLAUT)
    written = 'db:\n  password: "${DB_PASSWORD}"  # was "p\\xE4sswort+Zk3m/Q9 wx" until rotated\n'
    scrubbed = redactor.text(_input_copy(written.encode(), redactor).decode())
    assert MASK.sub("X", scrubbed) == 'db:\n  password: "${DB_PASSWORD}"  # was "X" until rotated\n', scrubbed


# -- a secret holding a quote or a backslash, as PostgreSQL and CSV write it ------------------------------------------
# Each written as PostgreSQL 15 writes it (checked against a server): a `"` doubled in a quoted CSV field (COPY … CSV,
# quote_ident) and in a row's output (which doubles a backslash too); a `'` doubled in a literal (quote_literal,
# format('%L')), which becomes E'…' with the backslash doubled when the value holds one; bytea's escape output (a
# control character in octal, the backslash doubled); and every byte but printable ASCII in octal, the backslash as
# `\134`, as an E'' string or a bytea literal is written to be read back (PostgreSQL reads it, writes none so).
def _csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _sql_literal(value: str) -> str:
    doubled = value.replace("'", "''")
    return "E'" + doubled.replace("\\", "\\\\") + "'" if "\\" in value else f"'{doubled}'"


def _row_output(value: str) -> str:
    return '("' + value.replace('"', '""').replace("\\", "\\\\") + '")'


def _octal(value: str, *, backslash: str) -> str:
    return "".join(backslash if byte == 0x5C else chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03o}"
                   for byte in value.encode())


QUOTED_BY_SQL = {
    "csv-field": _csv_field,
    "sql-literal": _sql_literal,
    "row-output": _row_output,
    "bytea-escape-output": lambda s: _octal(s, backslash="\\\\"),
    "octal-literal": lambda s: _octal(s, backslash="\\134"),
}
HOLDING_QUOTES = {
    "double-quote-and-backslash": 'pa"ss\\word12',
    "both-quotes": "qu'o\"te<&>x9",
    "quote-and-backslash": "it's\\Zk3m9q",
    "regex-characters": r"p(a|b)*[x]$^.+?\{1}",
    "tab-and-non-ascii": 'Zk3m\tQ9"w\u00e9x',
}
# which spelling differs from the secret's plain and escaped ones (the rest are found as those already)
_RESPELLS = {(form, secret) for form, secret in [
    ("csv-field", "double-quote-and-backslash"), ("csv-field", "both-quotes"), ("csv-field", "tab-and-non-ascii"),
    ("sql-literal", "both-quotes"), ("sql-literal", "quote-and-backslash"), ("row-output", "both-quotes"),
    ("row-output", "double-quote-and-backslash"), ("row-output", "tab-and-non-ascii"),
    ("bytea-escape-output", "tab-and-non-ascii"), ("octal-literal", "double-quote-and-backslash"),
    ("octal-literal", "quote-and-backslash"), ("octal-literal", "regex-characters"),
    ("octal-literal", "tab-and-non-ascii")]}


def _secret_spelled(form: str, secret: str) -> str:
    """What of a spelling holds the secret: its quotes and E prefix dropped, as a message quotes it."""
    written = QUOTED_BY_SQL[form](HOLDING_QUOTES[secret])
    return written.removeprefix("E").removeprefix("(").removesuffix(")").strip("'\"")


@pytest.mark.parametrize("secret", HOLDING_QUOTES, ids=list(HOLDING_QUOTES))
@pytest.mark.parametrize("form", QUOTED_BY_SQL, ids=list(QUOTED_BY_SQL))
def test_a_secret_quoted_by_sql_or_csv_is_masked(form, secret):
    """A target's error or a CSV export quotes the value as its database writes it: masked in plain text, inside a
    results.json string (which escapes the quotes and backslashes again), and quoted once more in a message."""
    written = QUOTED_BY_SQL[form](HOLDING_QUOTES[secret])
    inside = _secret_spelled(form, secret)
    redactor = _redactor(HOLDING_QUOTES[secret])
    for before, after in (("error: ", " end"), ("saw n = '", "'"), ("id,token\n7,", "\n")):
        shown = _assert_masked(redactor, before + written + after, inside)
        assert shown.startswith(before) and shown.endswith(after), shown
    document = json.dumps({"body_start": f"error: {written} end"})
    shown = _assert_masked(redactor, document, json.dumps(inside)[1:-1])
    assert json.loads(shown)["body_start"].startswith("error: "), shown


@pytest.mark.parametrize("form, secret", sorted(_RESPELLS), ids=[f"{f}-{s}" for f, s in sorted(_RESPELLS)])
def test_a_secret_quoted_by_sql_or_csv_cut_at_an_excerpts_end_is_masked(form, secret):
    """An excerpt (a reply's first characters, a cell cut at 80) that ends inside the spelling keeps a piece of it:
    masked to the cut, in plain text and in a results.json string."""
    inside = _secret_spelled(form, secret)
    redactor = _redactor(HOLDING_QUOTES[secret])
    kept = inside[:-2]
    for text in (f"error: {kept}… (61 characters)", json.dumps({"body_start": f"error: {kept}…"})):
        shown = _assert_masked(redactor, text)
        assert "[redacted part of " in shown and inside[:Redactor.MIN_RUN] not in shown, shown
        assert json.dumps(inside[:Redactor.MIN_RUN])[1:-1] not in shown, shown


def test_sql_and_csv_quoting_without_a_secret_is_unchanged():
    redactor = _redactor(*HOLDING_QUOTES.values())
    for text in ('id,name\n1,"say ""hello"" world"\n', "insert into t values ('it''s fine', E'a\\\\b')",
                 '("row ""one""","c:\\\\temp")', "pa\\134th \\303\\251t\\303\\251 \\011tab",
                 json.dumps({"csv": '"a ""quoted"" word"', "sql": "'don''t'"})):
        assert redactor.text(text) == text


EDGE_QUOTED = ['Qp7zX9kLm2Vb"', '"Qp7zX9kLm2Vb', "Qp7zX9kLm2Vb'", "'Qp7zX9kLm2Vb", 'Qp7z"X9kLm2Vb"', "Qp7z\"X9kLm2Vb'",
               "'Qp7z\"X9kLm2Vb", "Qp7z'X9k\"Lm2Vb'"]


@pytest.mark.parametrize("secret", EDGE_QUOTED)
def test_a_secret_starting_or_ending_with_a_quote_is_masked_without_the_quotes_around_it(secret):
    """A quote that ends the secret, escaped in a JSON string or a repr, is followed by the string's own closing
    quote (and one that starts it follows the opening one): read as a doubled quote, the mask would take the
    string's quote too and break the JSON or the repr around it."""
    redactor = _redactor(secret)
    quoted = repr(secret)[0] + "X" + repr(secret)[-1]  # the repr's own quotes around the mask
    for document, expected in ((json.dumps({"said": secret}), "X"),
                               (json.dumps({"said": [f"x {secret}", repr(secret), 7]}), ["x X", quoted, 7])):
        shown = redactor.text(document)
        assert MASK.search(shown) and secret.strip("'\"") not in shown, shown
        assert json.loads(MASK.sub("X", shown))["said"] == expected, shown  # still JSON, its strings' quotes kept
    shown = redactor.text(f"saw {secret!r} and {json.dumps(secret)} end")
    assert MASK.sub("X", shown) == f"saw {quoted} and \"X\" end", shown


@pytest.mark.parametrize("said", ["invalid key {head}... (expired)", "invalid key '{head}...' (expired)",
                                  "key ...{tail} was revoked", "invalid key {head}… (expired)"])
def test_a_secret_cut_short_with_three_dots_inside_a_text_is_masked(said):
    """A server quoting a key cut short (`sk_live_4eC39HqL... (expired)`): only a text's own ends and `…` were read
    as cuts, so 16 of a token's 34 characters were kept in the archive."""
    secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ"
    redactor = Redactor()
    redactor.add(secret, even_if_plain=True)
    shown = redactor.text(said.format(head=secret[:16], tail=secret[-16:]))
    assert secret[:16] not in shown and secret[-16:] not in shown and "[redacted part of " in shown, shown


def test_three_dots_in_ordinary_text_stay():
    redactor = Redactor()
    redactor.add("sk_live_4eC39HqLyjWDarjtT1zdp7dcXYZ", even_if_plain=True)
    for text in ["Loading... done ... ok", "...", "a...b", "wait...", "...and then"]:
        assert redactor.text(text) == text


class _Counted:
    """A compiled pattern whose calls are recorded: (what was called, where it was asked to start, where it stopped:
    where it was asked to, or a search's find)."""

    def __init__(self, pattern: re.Pattern[str], name: str, calls: list) -> None:
        self.pattern, self.name, self.calls = pattern, name, calls

    def __getattr__(self, method: str):
        def call(text: str, pos: int = 0, endpos: int | None = None, *rest):
            found = getattr(self.pattern, method)(text, pos, *([] if endpos is None else [endpos]))
            stop = found.end() if method == "search" and found is not None else len(text) if endpos is None else endpos
            self.calls.append((self.name, method, pos, stop))
            return found
        return call


@pytest.mark.parametrize("dense", [
    lambda b: " x ".join(f"{b[0]} {b[1]}" for _ in range(3000)),  # hints alone, each a few characters apart
    lambda b: "\n".join(f"{b[0]} {b[1]} {b[2]} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16" for _ in range(600)),
    lambda b: ",".join(str(b[at % 2]) for at in range(8000)),  # a comma list of the key's two first codes
    lambda b: "\n".join(f"{at:08x}: {b[0]:02x}  {chr(b[0])}" for at in range(2000)),  # xxd -c1 of one byte
], ids=["hints-apart", "broken-runs", "comma-list", "one-a-line"])
def test_a_text_dense_with_byte_hints_is_read_once(monkeypatch, dense):
    """A text dense with hints (`_byte_run_hints`) is read as bytes in a time linear in its length: each number is
    tried as a run's start once per way, and the text is looked through for numbers and od's cells about once —
    not again for each hint near it (5 MB of `75 113 x` cost 100 s so). Work counted, not timed."""
    calls: list = []
    monkeypatch.setattr(secrets, "_BYTE_RUNS", tuple((_Counted(run, f"way {at}", calls), first, step, base)
                                                     for at, (run, first, step, base) in enumerate(secrets._BYTE_RUNS)))
    monkeypatch.setattr(secrets, "_BYTE_TOKEN", _Counted(secrets._BYTE_TOKEN, "numbers", calls))
    monkeypatch.setattr(secrets, "_OD_CHARACTERS", _Counted(secrets._OD_CHARACTERS, "od -c", calls))
    text = dense(CANARY.encode())
    assert _redactor(CANARY).text(text) == text
    starts = collections.Counter((name, pos) for name, method, pos, _ in calls if name.startswith("way"))
    again = [start for start, times in starts.items() if times > 1]
    assert starts and not again, f"expected each number tried once a way, saw {len(again)} tried again: {again[:5]}"
    looked = sum(end - pos for name, method, pos, end in calls if name in ("numbers", "od -c") and method != "match")
    assert looked <= 3 * len(text), f"expected the text looked through about once ({len(text)}), saw {looked}"


@pytest.mark.parametrize("dense", [
    lambda: "got: 4c71 3761 6263\n" + "x 4c 71 37 " * 1000,  # hints alone on one long line
    lambda: "  |\n" + "  4b 71 37 zz " * 1000,  # hexdump -C's spacing, no dump
    lambda: "<pre>00000000: 4b71 3761 6263  Kq7abc</pre> " * 1000,  # one-line dumps, each run on into text
    lambda: _xxd(bytes(range(256)) * 60),  # a dump of 15 KB
    lambda: "0000000 714c 5a37 " * 2000,  # hexdump's first lines, each run on into the next
], ids=["hints-on-one-line", "spaced-hints", "dumps-run-on", "long-dump", "word-dumps-run-on"])
def test_a_text_dense_with_dump_hints_is_read_once(monkeypatch, dense):
    """A text dense with a hexdump's hints (`_DUMP_HINT`: three bytes spaced so) is read for a dump's lines in a time
    linear in its length: each place a line may start is tried about once, and the text looked through about once —
    not again for each hint on a long line (44 KB of `x 4b 71 37` cost 35 s so). Work counted, not timed."""
    calls: list = []
    for name in ("_DUMP_LINE", "_DUMP_LINE_RUNNING_ON", "_DUMP_LINE_START", "_CR_OR_LF", "_WORD_DUMP_LINE"):
        if hasattr(secrets, name):
            monkeypatch.setattr(secrets, name, _Counted(getattr(secrets, name), name, calls))
    text = dense()
    assert _redactor(CANARY).text(text) == text
    assert calls, "expected the text read for a dump's lines"
    tried = collections.Counter((name, pos) for name, method, pos, _ in calls if method == "match")
    again = [start for start, times in tried.items() if times > 2]
    assert not again, f"expected each place a line may start tried about once, saw {len(again)} again: {again[:5]}"
    looked = sum(end - pos for name, method, pos, end in calls if method != "match")
    assert looked <= 3 * len(text), f"expected the text looked through about once ({len(text)}), saw {looked}"


# -- hexdump's default and od's: 16-bit words, little-endian ---------------------------------------------------------
def _words(data: bytes, word, offset, width: int = 0) -> str:
    """hexdump's default and od's layout: eight 16-bit words a line (each its two bytes little-endian, the last padded
    with a zero byte), behind a 7-digit offset, the data's length last; hexdump pads the last line to its width."""
    padded = data + b"\0" * (len(data) % 2)
    def line(at: int, chunk: bytes) -> str:
        words = "".join(" " + word(int.from_bytes(chunk[i:i + 2], "little")) for i in range(0, len(chunk), 2))
        return f"{offset(at) + words:<{width}}"
    lines = _lines_of(padded, 16, line)
    return "\n".join([*lines, offset(len(data))])


WORD_DUMPS = {
    "hexdump": lambda data: _words(data, "{:04x}".format, "{:07x}".format, width=47),
    "od -x": lambda data: _words(data, "{:04x}".format, "{:07o}".format),
    "od": lambda data: _words(data, "{:06o}".format, "{:07o}".format),
}


@pytest.mark.parametrize("dump", WORD_DUMPS, ids=list(WORD_DUMPS))
def test_the_word_dumps_these_tests_write_are_the_tools_own(dump):
    if shutil.which(dump.split()[0]) is None:
        pytest.skip(f"{dump.split()[0]} is not installed")
    data = b"x-key: " + "pässwort\t+".encode() + CANARY.encode() + b"\r\n\x00\x7fz"
    printed = subprocess.run([*dump.split(), "-v"], input=data, capture_output=True, check=True).stdout.decode()
    assert WORD_DUMPS[dump](data) == printed.rstrip("\n"), f"expected our {dump} to be the tool's, saw {printed!r}"


def _words_told(shown: str, secret: bytes) -> list[str]:
    """Which 3 of the secret's bytes in a row the words a cleaned word dump still shows spell, read in order."""
    words = re.findall(r"(?<![0-9A-Za-z])(?:[0-9a-f]{4}|[0-7]{6})(?![0-9A-Za-z])", shown)
    data = b"".join(int(word, 16 if len(word) == 4 else 8).to_bytes(2, "little") for word in words)
    return [f"bytes {at}-{at + 2}" for at in range(len(secret) - 2) if secret[at:at + 3] in data]


@pytest.mark.parametrize("around", [("request:\n", "\n(end)"), ("<pre>", "</pre>")], ids=["own-lines", "html-pre"])
@pytest.mark.parametrize("prefix", [0, 7, 13], ids=lambda n: f"at-{n}")
@pytest.mark.parametrize("dump", WORD_DUMPS, ids=list(WORD_DUMPS))
@pytest.mark.parametrize("secret", [CANARY, UMLAUT, KEY_40], ids=["21-characters", "non-ascii", "40-characters"])
def test_a_secret_in_a_word_dump_is_masked(secret, dump, prefix, around):
    """`hexdump` and `od -x` without options print a request's bytes as 16-bit words, each its two bytes swapped
    (`714b` is `Kq`), `od` the same words in octal: read as the bytes they are, in order across their lines, no 3 of
    the key's bytes stay; the text around does, and a dump holding no secret is left as it was."""
    data = b"x-key: " + b"h" * prefix + secret.encode() + b"\r\nhost: web.example\r\n"
    lead, trail = around
    text = lead + WORD_DUMPS[dump](data).rsplit("\n", 1)[0] + trail  # its closing length left out
    assert _words_told(text, secret.encode()), f"expected the unmasked {dump} to tell the key: {text!r}"
    redactor = _redactor(secret)
    for shown in (redactor.text(text), redactor.text_keeping_lines(text)):
        told = _words_told(shown, secret.encode())
        assert not told and MASK.search(shown), f"{dump}: expected none of the key's bytes left, saw {told}: {shown!r}"
        assert shown.startswith(lead) and shown.endswith(trail), f"expected {lead!r}…{trail!r} kept, saw {shown!r}"
    other = lead + WORD_DUMPS[dump](b"x-key: not-the-key-at-all\r\n" * 2) + trail
    assert redactor.text(other) == other


@pytest.mark.parametrize("dump", WORD_DUMPS, ids=list(WORD_DUMPS))
def test_a_word_dumps_last_line_of_any_length_is_read(dump):
    """The key ending on a dump's last line, of one word to eight (five octal words are as long as seven hex ones)."""
    redactor = _redactor(KEY_40)
    for pad in range(16):
        data = b"x" * pad + KEY_40.encode()
        text = WORD_DUMPS[dump](data).rsplit("\n", 1)[0] + "</pre>"
        told = _words_told(redactor.text(text), KEY_40.encode())
        assert not told, f"{dump} of the key behind {pad} bytes: expected none of its bytes left, saw {told}"
