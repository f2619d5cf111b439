"""A secret whose spelling hides it: a URL password written percent-escaped, an escaped copy broken across lines,
a byte form of a secret cut at an excerpt's edge, and a password an environment file writes in YAML's own escapes
— each form of the real secret stays out."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import secrets as random
from urllib.parse import quote

import pytest
import yaml

from opsverify import exitcodes
from opsverify.display import cut
from opsverify.secrets import Redactor, fingerprint

from .project import Project
from .test_secret_forms import pieces_shown

KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc9Xq2LmN0vB8rT5yU6wE3sQ1aZ7xC4vB"  # a declared secret of 64 characters
PASSWORD = "Tr0ub4dor&3/ueber-staple"  # needs percent-escaping in a URL's userinfo


def _forms_of(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {"itself": secret, "base64": base64.b64encode(raw).decode(), "hex": raw.hex(), "repr": repr(secret),
            "json": json.dumps(secret), "basic-pair": base64.b64encode(b"checker:" + raw).decode()}


# -- D1: a URL password that needs percent-escaping ---------------------------------------------------------------
@pytest.mark.parametrize("url", [f"postgresql://checker:{quote(PASSWORD, safe='')}@db.internal:5432/app",
                                 f"redis://checker:{quote(PASSWORD, safe='')}@cache.internal:6379/0",
                                 f"https://checker:{quote(PASSWORD, safe='')}@api.example.com/v1/orders"],
                         ids=["postgresql", "redis", "service"])
def test_a_percent_escaped_url_password_is_found_in_every_form_of_its_real_spelling(url):
    """The driver sends the password percent-decoded: a target echoing it (its base64, hex, repr) echoes that."""
    redactor = Redactor()
    redactor.add(url)
    for name, form in _forms_of(PASSWORD).items():
        shown = redactor.text(f"echo: {form} end")
        assert form not in shown and "[redacted hmac:" in shown, (name, shown)
    assert redactor.text("host db.internal, cache.internal") == "host db.internal, cache.internal"


# -- D2: an escaped copy of a secret broken across lines ----------------------------------------------------------
def _mime(secret: str) -> str:
    return base64.encodebytes(secret.encode()).decode()  # 76 columns, a newline after each line


BROKEN_AND_ESCAPED = {
    "json-of-mime-base64": lambda s: json.dumps({"k": _mime(s)}),
    "repr-of-pg-base64": lambda s: repr(_mime(s).rstrip()),
    "url-escaped-breaks": lambda s: quote(s[:30] + "\n" + s[30:], safe=""),
    "html-entity-break": lambda s: html.escape(s[:30]) + "&#10;" + html.escape(s[30:]),
    "json-escaped-wrapped": lambda s: json.dumps(s[:30] + "\r\n  " + s[30:]).replace("&", "\\u0026"),
}


@pytest.mark.parametrize("secret", [KEY, f"CANARY&{KEY[:30]}<x>"], ids=["key", "with-escapes"])
@pytest.mark.parametrize("form", BROKEN_AND_ESCAPED, ids=list(BROKEN_AND_ESCAPED))
def test_an_escaped_copy_broken_across_lines_is_found(secret, form):
    redactor = Redactor()
    redactor.add_declared(secret)
    echoed = BROKEN_AND_ESCAPED[form](secret)
    short = redactor.text(f"said: {echoed} (end)")
    far = redactor.text("x" * 20_000 + f" said: {echoed} " + "y" * 20_000)  # far from the text's ends
    for shown in (short, far):
        assert f"[redacted {fingerprint(secret)}]" in shown and pieces_shown(secret, shown) == [], shown[:400]
        assert not any(line in shown for line in echoed.replace("\\n", "\n").splitlines() if len(line) >= 16)
    assert short.startswith("said: ") and short.endswith(" (end)")


def test_escaped_line_breaks_around_a_secret_stay_and_other_text_is_untouched():
    redactor = Redactor()
    redactor.add_declared(KEY)
    text = json.dumps({"log": f"first\nline two\r\nkey={KEY}\nlast", "n": 1})
    assert redactor.text(text) == text.replace(KEY, f"[redacted {fingerprint(KEY)}]")
    plain = json.dumps({"log": "a\nb\r\n  c=\nd %0A e&#10;f", "n": 12345678})
    assert redactor.text(plain) == plain


# -- D3: a byte form of a secret cut at an excerpt's edge ---------------------------------------------------------
BYTE_FORMS = {
    "hex": lambda s: s.encode().hex(),
    "HEX": lambda s: s.encode().hex().upper(),
    "hex-colons": lambda s: s.encode().hex(":"),
    # the characters that hold the secret's bits alone (the last one, padded with zeros, and `=` follow)
    "base32": lambda s: base64.b32encode(s.encode()).decode()[:len(s.encode()) * 8 // 5],
    "quoted-printable": lambda s: binascii.b2a_qp(s.encode(), quotetabs=True).decode(),
}


@pytest.mark.parametrize("secret", [KEY, "Zk3mQ9wx-pässwort=TTr7e6cae742 ok"], ids=["key", "non-ascii"])
@pytest.mark.parametrize("form", BYTE_FORMS, ids=list(BYTE_FORMS))
def test_a_byte_form_cut_at_an_excerpts_edge_leaves_no_piece_of_it(secret, form):
    """`\\x00736b5f…` of a bytea cut in a message, a body's hex cut at 300 characters: what the excerpt kept of the
    form is masked, at its end and where an excerpt starts inside it, as the secret's own cut pieces are."""
    redactor = Redactor()
    redactor.add_declared(secret)
    whole = BYTE_FORMS[form](secret)
    for kept in (Redactor.MIN_RUN, len(whole) // 2, len(whole) - 3):
        ending = redactor.text(cut("x" * 250 + "\\x00" + whole, 254 + kept))
        starting = redactor.text("…" + whole[-kept:] + " (more)")
        for shown in (ending, starting):
            assert "[redacted part of " in shown and whole[:kept] not in shown and whole[-kept:] not in shown, shown


def test_a_byte_forms_piece_shorter_than_the_shortest_run_and_other_hex_stay_readable():
    redactor = Redactor()
    redactor.add_declared(KEY)
    short = KEY.encode().hex()[:Redactor.MIN_RUN - 1]
    for text in (f"commit {short}", f"sha256 {random.token_hex(32)}", f"{short}…", "…" + KEY.encode().hex()[-7:]):
        assert redactor.text(text) == text


# -- D4: an environment file's password written in YAML's escapes -------------------------------------------------
DB_PASSWORD = "Zk3mQ9wx-pässwort-TTr7e6cae742"
ITEMS = """\
- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: postdeploy,
   params: {service: web, required: [STRIPE_SECRET_KEY]}}
"""


@pytest.mark.parametrize("written, as_data", [
    # YAML's escapes of ä and of a dash: the text scrub reads `\\x2D` and `\\xE4` (as it reads Python's), and masks
    # the password in the file's text
    ('"postgresql://checker:Zk3mQ9wx\\x2Dp\\xE4sswort-TTr7e6cae742@127.0.0.1:1/shop"', False),
    ('"postgresql://checker:Zk3mQ9wx-p\\u00e4ss\\\n        wort-TTr7e6cae742@127.0.0.1:1/shop"', True),  # `\` + newline
], ids=["hex-escape", "continued-line"])
def test_an_environment_files_copy_holds_no_password_written_in_yaml_escapes(tmp_path, written, as_data):
    """The run reads the password through YAML's escapes; the archive's copy of the file must not hold it in any
    reading: its text redacted is read again, and where that still holds the password (a `\\` joining two lines of
    it, which no text scrub reads), the copy is the file's data with every secret masked, saying so on its first
    line."""
    env_file = tmp_path / "web.env"
    env_file.write_text(f"STRIPE_SECRET_KEY=sk_live_{random.token_hex(12)}\n", encoding="utf-8")
    project = Project(tmp_path, {"WEB_ENV": str(env_file)})
    project.checklist("shop", ITEMS)
    project.environment(f'systems:\n  shop:\n    database: {written}\n'
                        '    services: {web: {env: {dotenv: "${WEB_ENV}"}}}\n')
    assert yaml.safe_load((tmp_path / "environments" / "local.yaml").read_text())["systems"]["shop"][
        "database"] == f"postgresql://checker:{DB_PASSWORD}@127.0.0.1:1/shop"
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    copy = (ran.archive() / "inputs" / "environments" / "local.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(copy)
    assert copy.startswith("# ") and "masked" in copy.splitlines()[0] if as_data else copy.startswith("name: "), copy
    # its user and password masked as one; the host and database stay readable, as a service URL's do
    assert re.fullmatch(r"postgresql://\[redacted hmac:[0-9a-f]{8}\]@127\.0\.0\.1:1/shop",
                        data["systems"]["shop"]["database"]), copy
    assert data["systems"]["shop"]["services"] == {"web": {"env": {"dotenv": "${WEB_ENV}"}}}  # names kept
    assert DB_PASSWORD not in json.dumps(data, ensure_ascii=False) and "Zk3mQ9wx" not in copy
    assert "Zk3mQ9wx" not in ran.output


def test_an_environment_file_with_no_hidden_secret_is_copied_as_it_is(tmp_path):
    """Its text redacted, as any file's; and a checklist's word that starts as a secret does (a title ending in
    `sk_live_`, a prefix an item looks for) is no piece of one cut: the checklist is copied byte for byte."""
    env_file = tmp_path / "web.env"
    env_file.write_text(f"STRIPE_SECRET_KEY=sk_live_{random.token_hex(12)}\n", encoding="utf-8")
    project = Project(tmp_path, {"WEB_ENV": str(env_file)})
    checklist = project.checklist("shop", ITEMS.replace("title: stripe key set", "title: the key is sk_live_"))
    written = project.environment('systems:\n  shop:\n    database: "postgresql://checker:LiteralDbPw9x@127.0.0.1:1/s"\n'
                                  '    # the web app\n    services: {web: {env: {dotenv: "${WEB_ENV}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    copy = (ran.archive() / "inputs" / "environments" / "local.yaml").read_text(encoding="utf-8")
    credentials = "checker:LiteralDbPw9x"  # masked as one: the URL's host and database stay readable
    assert re.sub(r"\[redacted hmac:[0-9a-f]{8}\]", "X", copy) == written.read_text().replace(credentials, "X")
    assert "LiteralDbPw9x" not in copy
    assert (ran.archive() / "inputs" / "checklists" / "shop.yaml").read_bytes() == checklist.read_bytes()


def test_an_environment_file_whose_masks_break_its_flow_syntax_is_copied_as_its_text(tmp_path):
    """A basic-auth URL written unquoted in a flow mapping: its mask (`[redacted …]`) makes the redacted text no
    YAML, yet no secret is in YAML's own escapes — the copy is the file's text, masked, its comments kept."""
    env_file = tmp_path / "web.env"
    env_file.write_text(f"STRIPE_SECRET_KEY=sk_live_{random.token_hex(12)}\n", encoding="utf-8")
    project = Project(tmp_path, {"WEB_ENV": str(env_file)})
    project.checklist("shop", ITEMS)
    written = project.environment('# staging shop, basic-auth protected\nsystems:\n  shop:\n    services:\n'
                                  '      web: {url: https://deploy:S3cretPw9x@127.0.0.1:9/, env: {dotenv: "${WEB_ENV}"}}'
                                  '  # the storefront\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    copy = (ran.archive() / "inputs" / "environments" / "local.yaml").read_text(encoding="utf-8")
    assert re.sub(r"\[redacted hmac:[0-9a-f]{8}\]", "X", copy) == written.read_text().replace("deploy:S3cretPw9x", "X"), copy
    assert "# the storefront" in copy and "S3cretPw9x" not in copy


def test_a_checklists_copy_holds_no_password_written_in_yaml_escapes(tmp_path):
    """The same for a checklist, whose copy is checked on the loader's own reading of the file (not parsed again):
    a title that spells the database password in YAML's escapes is archived as masked data."""
    env_file = tmp_path / "web.env"
    env_file.write_text(f"STRIPE_SECRET_KEY=sk_live_{random.token_hex(12)}\n", encoding="utf-8")
    project = Project(tmp_path, {"WEB_ENV": str(env_file)})
    title = 'title: "pw Zk3mQ9wx-p\\u00e4ss\\\n      wort-TTr7e6cae742"'  # a `\` joins its two lines
    project.checklist("shop", ITEMS.replace("title: stripe key set", title))
    project.environment(f'systems:\n  shop:\n    database: "postgresql://checker:{DB_PASSWORD}@127.0.0.1:1/shop"\n'
                        '    services: {web: {env: {dotenv: "${WEB_ENV}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    copy = (ran.archive() / "inputs" / "checklists" / "shop.yaml").read_text(encoding="utf-8")
    assert copy.startswith("# opsverify:") and "escapes" in copy.splitlines()[0], copy
    assert "Zk3mQ9wx" not in copy and DB_PASSWORD not in json.dumps(yaml.safe_load(copy), ensure_ascii=False)


# Scalars YAML reads otherwise than written: escapes, folding, quotes doubled, numbers, dates, binary, aliases, merges
READ_OTHERWISE = [
    'a: "x\\x41\\u00e4\\\n  y"\nb: \'it\'\'s\'\nc: >\n  one\n  two\nd: |\n  keep\n   this\n',
    "pin: 0x5F5E0FF\nold: 017\nsexa: 1:30:00\nf: 1.5e3\ninf: .inf\nyes: on\nnone: ~\nt: 2001-12-14t21:59:43.10-05:00\n",
    "bin: !!binary aGVsbG8gd29ybGQgc2VjcmV0\nday: 2026-12-02\n",
    "base: &b {k: v, n: 1}\nuse: {<<: *b, k: w}\nlist: [*b, *b]\n? [complex, key]\n: 1\n",
    "plain words\n  folded across lines\n",
]


@pytest.mark.parametrize("text", READ_OTHERWISE)
def test_the_loaders_reading_holds_every_scalar_the_archives_own_parse_reads(text):
    """`scalar_readings` (taken from the parse the run loaded) holds every scalar a parse of the file by itself
    reads: the archive checks the loader's reading instead of parsing the file again."""
    from opsverify.archive import _scalar_text, _scalars
    from opsverify.checklist import _yaml_loader, scalar_readings

    try:
        parsed = {_scalar_text(each) for each in _scalars(yaml.load(text, Loader=_yaml_loader()))}
    except yaml.YAMLError:  # a complex key: no data to read, and no file the loader would load
        parsed = {_scalar_text(each) for each in _scalars(yaml.load(text.split("? ")[0], Loader=_yaml_loader()))}
    assert parsed <= set(scalar_readings(yaml.compose(text, Loader=_yaml_loader())))


def test_a_checklist_copy_with_no_secret_in_its_reading_is_not_parsed_again(monkeypatch):
    """The loader's reading decides; a secret in it sends the file down the whole check (its data masked)."""
    from opsverify import archive
    from opsverify.checklist import _yaml_loader, scalar_readings

    redactor = Redactor()
    redactor.add_declared(DB_PASSWORD)
    text = 'title: "pw Zk3mQ9wx-p\\u00e4ss\\\n  wort-TTr7e6cae742"\n'
    hidden = scalar_readings(yaml.compose(text, Loader=_yaml_loader()))
    plain = scalar_readings(yaml.compose("title: nothing to hide\n", Loader=_yaml_loader()))
    with monkeypatch.context() as patched:
        patched.setattr(archive, "_yaml_data", lambda text: pytest.fail("parsed again"))
        assert archive._input_copy(b"title: nothing to hide\n", redactor, plain) == b"title: nothing to hide\n"
    copy = archive._input_copy(text.encode(), redactor, hidden).decode()
    assert copy.startswith("# opsverify:") and "Zk3mQ9wx" not in copy, copy


FLOW_URL = "web: {url: https://deploy:S3cretPw9x@127.0.0.1:9/, env: {dotenv: x}}  # the storefront\n"


@pytest.mark.parametrize("hidden", ['"Zk3mQ9wx-p\\u00e4ss\\\n  wort-TTr7e6cae742"'], ids=["continued-line"])
def test_a_file_whose_masks_break_its_yaml_is_still_rewritten_when_a_secret_hides_in_its_escapes(hidden):
    """The same flow mapping beside a password in YAML's escapes: the copy is the data, masked, and says why."""
    from opsverify.archive import _input_copy

    redactor = Redactor()
    redactor.add("https://deploy:S3cretPw9x@127.0.0.1:9/")
    redactor.add_declared(DB_PASSWORD)
    copy = _input_copy(f"{FLOW_URL}db: {hidden}\n".encode(), redactor).decode()
    first, data = copy.splitlines()[0], yaml.safe_load(copy)
    assert first.startswith("# opsverify:") and "escapes" in first and "the storefront" not in copy, copy
    assert "S3cretPw9x" not in copy and "Zk3mQ9wx" not in copy and data["web"]["env"] == {"dotenv": "x"}
    assert _input_copy(FLOW_URL.encode(), redactor) == FLOW_URL.encode()  # alone: its text (the last scrub masks)


def test_a_file_whose_masks_leave_no_yaml_to_check_says_so():
    """A mask that takes half of YAML's escape of a quote leaves no YAML in which to rule out a secret in YAML's
    escapes: the copy is the data, masked, and its first line says that, not that a secret was in escapes."""
    from opsverify.archive import _input_copy

    redactor = Redactor()
    redactor.add_declared("Qp7zX9kLm2Vb'")  # its mask takes the first quote of YAML's `''`, leaving the second
    copy = _input_copy(b"key: 'Qp7zX9kLm2Vb'''  # quoted\nother: 1\n", redactor).decode()
    first = copy.splitlines()[0]
    assert first.startswith("# opsverify:") and "was written in" not in first and "no YAML" in first, copy
    assert "zX9kLm2Vb" not in copy and yaml.safe_load(copy)["other"] == 1


# -- D5: a secret HTML/XML-escaped, then shown as Python shows bytes or characters --------------------------------
# botocore's DEBUG log of an S3 error body is the bytes' repr: the XML's `&lt;` and `&amp;` beside the repr's own
# `\\`, `\'` and `\xc3\xa9`. The smallest secrets that leaked so: one of < > & with a backslash and a non-ASCII
# character, or with both quotes and one; and the probe's own secret
ESCAPED_THEN_SHOWN = [f"p6mts-SEC-{middle}-7f3a9c1d2e" for middle in (
    "<\\\u00e9", ">\\\u00e9", "&\\\u00e9", "<'\"\u00e9", ">'\"\u00e9", "&'\"\u00e9", "<\"&\\%+/=\u00e9")]

XML_ESCAPES = {
    "xml-text": lambda s: html.escape(s, quote=False),  # an element's text: & < > only (the S3 body's)
    "html": html.escape,  # &quot; and &#x27;
    "html-39": lambda s: html.escape(s).replace("&#x27;", "&#39;"),
    "xml-named": lambda s: html.escape(s).replace("&#x27;", "&apos;"),
    "go-xml": lambda s: html.escape(s).replace("&quot;", "&#34;").replace("&#x27;", "&#39;"),
    "decimal": lambda s: "".join(f"&#{ord(c)};" if c in "<>&\"'" else c for c in s),
}

PYTHON_SHOWS = {
    "bytes-repr": lambda text: repr(text.encode()),  # b'…\xc3\xa9…'
    "bytes-repr-upper-hex": lambda text: re.sub(r"\\x([0-9a-f]{2})", lambda m: "\\x" + m.group(1).upper(),
                                                repr(text.encode())),
    "ascii": ascii,  # '…\xe9…'
    "repr-of-bytes-repr": lambda text: repr(repr(text.encode())),  # a message's repr quoting the log line
}


@pytest.mark.parametrize("secret", ESCAPED_THEN_SHOWN, ids=["lt-backslash", "gt-backslash", "amp-backslash",
                                                             "lt-quotes", "gt-quotes", "amp-quotes", "probe"])
def test_a_secret_xml_escaped_then_shown_as_python_shows_it_is_masked_whole(secret):
    """Every entity spelling, every way Python shows the escaped bytes or characters: the shown copy is masked from
    its first character to its last and nothing else of the line changes."""
    redactor = Redactor()
    redactor.add_declared(secret)
    mask = f"[redacted {fingerprint(secret)}]"
    leaks = []
    for escape_name, escape in XML_ESCAPES.items():
        for show_name, show in PYTHON_SHOWS.items():
            line = "Response body:\n" + show(f"<Error><Code>{escape(secret)}</Code><Message>m</Message></Error>")
            inner = show(escape(secret))[2:-1] if show_name.startswith("bytes") else None
            shown = redactor.text(line)
            if "7f3a9c1d2e" in shown or "p6mts" in shown or (inner and shown != line.replace(inner, mask)):
                leaks.append((escape_name, show_name, shown))
    assert leaks == []


def test_text_beside_an_xml_escaped_secret_shown_as_bytes_is_untouched():
    """Entities, doubled backslashes and `\\xNN` of ordinary text stay as they are, beside the masked secret and in
    a body holding a look-alike of it (the same characters, another key)."""
    secret = ESCAPED_THEN_SHOWN[-1]
    redactor = Redactor()
    redactor.add_declared(secret)
    words = "<Message>caf\u00e9 &amp; cr\u00e8me \\ &lt;ok&gt; it's \"x\"</Message>"
    body = repr(f"<Error><Code>{html.escape(secret, quote=False)}</Code>{words}</Error>".encode())
    shown = body.replace(repr(html.escape(secret, quote=False).encode())[2:-1], f"[redacted {fingerprint(secret)}]")
    assert redactor.text(f"Response body:\n{body} (end)") == f"Response body:\n{shown} (end)"
    # (another key with the same escapes: a run of a dozen characters of a secret is masked wherever it stands)
    look_alike = body.replace("p6mts-SEC", "q7nwu-KEY").replace("7f3a9c1d2e", "0b1c2d3e4f")
    assert redactor.text(f"Response body:\n{look_alike} (end)") == f"Response body:\n{look_alike} (end)"
    assert "caf\\xc3\\xa9 &amp; cr\\xc3\\xa8me \\\\ &lt;ok&gt;" in shown  # the check saw the words as shown


# -- D6: a line break escaped more deeply, far from a text's ends -------------------------------------------------
HEX_KEY = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"  # letters and digits only: no anchor


def _logged_json(first: str, rest: str, br: str = "\n") -> str:
    """A JSON body holding the broken copy, logged as a JSON string: its `\\n` is `\\\\n` there."""
    return json.dumps({"msg": "upstream said: " + json.dumps({"detail": first + br + rest})})


DEEPER_BREAKS = {
    "json-in-json": _logged_json,
    "json-in-json-crlf": lambda a, b: _logged_json(a, "  " + b, "\r\n"),
    "json-unicode-escape": lambda a, b: f'"k": "{a}\\u000a{b}"',
    "json-unicode-escape-in-json": lambda a, b: json.dumps({"msg": f'"k": "{a}\\u000A{b}"'}),
    "html-zero-padded": lambda a, b: f"<p>{a}&#010;{b}</p>",
    "html-named": lambda a, b: f"<p>{a}&NewLine;{b}</p>",
    "url-escaped-blank": lambda a, b: f"?k={a}%0A%20{b}",
    "url-crlf-tab": lambda a, b: f"?k={a}%0d%0a%09{b}",
}


@pytest.mark.parametrize("form", DEEPER_BREAKS, ids=list(DEEPER_BREAKS))
def test_a_deeper_escaped_break_far_from_the_texts_ends_is_read_as_a_break(form):
    """A copy broken by `\\\\n` (a JSON body logged as a JSON string), `\\u000a`, `&#010;`, `&NewLine;` or an escaped
    break with an escaped blank after it, in a text too long to be read escape by escape all through."""
    redactor = Redactor()
    redactor.add_declared(HEX_KEY)
    echoed = DEEPER_BREAKS[form](HEX_KEY[:32], HEX_KEY[32:])
    text = "ab; " * 500 + echoed + " ab;" * 500
    shown = redactor.text(text)
    assert f"[redacted {fingerprint(HEX_KEY)}]" in shown and pieces_shown(HEX_KEY, shown) == [], form
    assert shown.startswith("ab; " * 500) and shown.endswith(" ab;" * 500)


def test_deeper_escaped_breaks_with_no_secret_around_them_change_nothing():
    redactor = Redactor()
    redactor.add_declared(HEX_KEY)
    plain = "ab; " * 500 + "a\\\\nb &#010; c&NewLine;d %0A%20e \\u000a f\\\\r\\\\n g " + HEX_KEY[:7] + " ab;" * 500
    assert redactor.text(plain) == plain


# -- D7: a padded base64 or base32 tail where an excerpt starts ---------------------------------------------------
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode, base64.b32encode],
                         ids=["base64", "base64url", "base32"])
@pytest.mark.parametrize("secret", ["Zk3mQ9wxTq7Lp2Vn8Rb4", "Zk3mQ9wxTq7Lp2Vn8Rb", "Zk3mQ9wxTq7Lp2Vn8R"])
def test_a_padded_encodings_tail_starting_an_excerpt_is_masked(secret, encode):
    """`'…DJWbjhSYjQ='`: the last characters of a secret's base64 (or base32), with the padding or without, at an
    excerpt's start: the partial last group decodes to the secret's last bytes."""
    redactor = Redactor()
    redactor.add_declared(secret)
    padded = encode(secret.encode()).decode()
    for whole in (padded, padded.rstrip("=")):  # base64url is mostly written without its padding
        for kept in range(Redactor.MIN_RUN, len(whole)):
            shown = redactor.text("'…" + whole[-kept:] + "' (1,488 characters)")
            assert "[redacted part of " in shown and whole[-kept:] not in shown, (kept, shown)
            assert shown.endswith("' (1,488 characters)")


# -- D8: a URL-encoded secret cut inside a character --------------------------------------------------------------
UMLAUT = "Grüße/Straße+99&Zx"  # Gr%C3%BC%C3%9Fe%2FStra%C3%9Fe%2B99%26Zx


def test_a_url_encoded_secret_cut_between_a_characters_bytes_is_masked():
    """An excerpt that cuts `%C3%9F` after `%C3` (its end), or starts at `%9F` or at `C3%9F` (its start): the
    complete escapes beside the cut are half a character, read as nothing, and what precedes or follows is masked
    with them."""
    redactor = Redactor()
    redactor.add_declared(UMLAUT)
    escaped = quote(UMLAUT, safe="")
    body = "redirect to /login?next=" + escaped
    cut_at = body.index("%C3%9Fe%2B")
    ending = redactor.text(cut(body, cut_at + 3))
    assert "[redacted part of " in ending and "Gr%C3" not in ending and "Stra" not in ending, ending
    for start in (escaped.index("%BC") - 2, escaped.index("%BC"), escaped.index("%9Fe%2F") - 2, escaped.index("%9Fe%2F")):
        shown = redactor.text("'…" + escaped[start:] + "'")
        assert shown == f"'…[redacted part of {fingerprint(UMLAUT)}]'", shown
    assert redactor.text("'…%C3%9Fe in words'") == "'…%C3%9Fe in words'"


# -- D9: a URL password with '+' read as a blank by a form decoder ------------------------------------------------
def test_a_percent_escaped_url_password_read_by_a_form_decoder_is_masked():
    """`pa%2Bss+word%20x9`: the driver sends `pa+ss+word x9`; a form decoder (unquote_plus) reads `pa+ss word x9`."""
    redactor = Redactor()
    redactor.add("postgresql://app:pa%2Bss+word%20x9@db.example.com:5432/shop")
    for echo in ("pa+ss+word x9", "pa+ss word x9", "pa ss word x9"):
        shown = redactor.text(f"login failed for {echo} at db")
        assert shown.startswith("login failed for [redacted hmac:") and shown.endswith("] at db"), (echo, shown)


# -- D10: base32 as authenticators show it ------------------------------------------------------------------------
def test_a_base32_seed_lowercased_or_grouped_in_fours_is_masked():
    """As an authenticator's setup page shows a seed: a secret's bytes in base32, or a seed that is base32 itself,
    in groups of four, either case."""
    secret, seed = "Zk3mQ9wxTq7Lp2Vn8Rb4", "JBSWY3DPEHPK3PXPQ5ZA"
    redactor = Redactor()
    redactor.add_declared(secret)
    redactor.add_declared(seed)
    encoded = base64.b32encode(secret.encode()).decode().rstrip("=")
    for value, written in ((secret, encoded), (seed, seed)):
        grouped = " ".join(written[i:i + 4] for i in range(0, len(written), 4))
        for shown_as in (written.lower(), grouped, grouped.lower()):
            shown = redactor.text(f"seed: {shown_as} (scan it)")
            assert shown == f"seed: [redacted {fingerprint(value)}] (scan it)", shown_as


# -- the fast searches say what the slow ones would ------------------------------------------------------------------
PIECES = ["%2F", "%zz", "\\u0041", "\\u00", "\\u00e4", "\\n", "\\\\", "\\x", "&amp;", "&#43;", "&#x2F;", "&;", "&shy;",
          "&#173;", "&#x200B;", "<wbr>", "<WBR />", "<w", "\u00ad", "\u200b", "é", "a", " ", "&", "%", "\\", "<"]


def _texts(seed: int, count: int = 5000):
    rng = __import__("random").Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) for _ in range(count)]


@pytest.mark.parametrize("shortest", [1, 2, 6, 9])
def test_a_text_holding_a_run_of_escapes_is_found_to_by_the_run_starts(shortest):
    """The per-kind patterns only decide whether to look for runs at all: a text where the whole pattern finds a
    run, one of them finds one too (else a secret escaped character by character would go unread)."""
    from opsverify.secrets import _escape_runs

    runs, starts = _escape_runs(shortest)
    for text in _texts(shortest):
        if runs.search(text):
            assert any(start.search(text) for start in starts), text


def test_soft_wrap_marks_are_found_as_by_one_pattern_of_them_all():
    from opsverify.secrets import _SOFT_WRAP, _holds_soft_wrap

    whole = re.compile(_SOFT_WRAP)
    for text in _texts(11):
        assert _holds_soft_wrap(text) == (whole.search(text) is not None), text


# -- escapes are read where they start ------------------------------------------------------------------------------
def test_escapes_are_read_as_the_escape_pattern_reads_them_at_every_place():
    """The view of a text reads its escapes only where one may start (`%`, `\\`, `&`): the same text as the pattern
    tried at every character would make — runs, cut and adjacent escapes, at either end — for any mix of them."""
    from opsverify import secrets as engine

    pieces = ["%2F", "%2f%41", "%G1", "%", "%4", "\\u0026", "\\u00", "\\ud83d\\ude00", "\\n", "\\\\", "\\q", "\\",
              "&amp;", "&#43;", "&#x2B;", "&;", "&", "&lt", "&#", "a", " ", "é"]
    marked = lambda found: f"<{found.group()}>"  # noqa: E731 - where each escape was read, and how much of it
    chosen = random.SystemRandom()
    for _ in range(3000):
        text = "".join(chosen.choice(pieces) for _ in range(chosen.randint(0, 12)))
        assert engine._read_escapes(text, marked) == engine._ESCAPE.sub(marked, text), text
