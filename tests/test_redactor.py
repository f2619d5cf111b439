"""The redactor: every registered secret, in the forms it travels in, leaves every text and structure."""

from __future__ import annotations

import base64
import html
import json
import random
import re
import string
import subprocess
import sys
from urllib.parse import quote

import pytest

from opsverify.secrets import LONGEST_WORD, Redactor, encodings, fingerprint

SECRET = "s3cr3t-Token/With+Specials=="


def _redactor() -> Redactor:
    redactor = Redactor()
    redactor.add(SECRET)
    return redactor


def test_a_secret_and_its_encodings_are_replaced_by_its_fingerprint():
    redactor = _redactor()
    mark = f"[redacted {fingerprint(SECRET)}]"
    for form in (SECRET, quote(SECRET, safe=""), json.dumps(SECRET)[1:-1], SECRET.encode().hex(),
                 base64.b64encode(SECRET.encode()).decode().rstrip("=")):
        cleaned = redactor.text(f"before {form} after")
        assert form not in cleaned and cleaned.startswith("before ") and cleaned.endswith(" after"), form
    assert redactor.text(f"x {SECRET} y") == f"x {mark} y"
    assert SECRET not in redactor.text(base64.b64encode(f"user:{SECRET}".encode()).decode())  # a Basic header


def test_a_secret_cut_at_the_edge_of_a_text_is_masked():
    redactor = _redactor()
    assert SECRET[:12] not in redactor.text(f"an excerpt ending in {SECRET[:12]}")
    assert SECRET[-12:] not in redactor.text(f"{SECRET[-12:]} starts this excerpt")
    assert redactor.text("short pieces like s3cr3t stay") == "short pieces like s3cr3t stay"


def test_a_secret_cut_where_an_excerpt_marks_its_cut_is_masked():
    """An excerpt cut inside a message (`'NOPE ppp…cnrykey…'… (161 characters)`, a target's reply, a series' labels)
    leaves the cut piece before the ellipsis, not at the text's end: the ellipsis is an edge as well."""
    from opsverify.display import cut
    from opsverify.families.tcp import quoted

    redactor = _redactor()
    echoed = "p" * 100 + SECRET + "p" * 30
    for shown in (cut(echoed, 120), f"saw {quoted(echoed, 118)} from clamd", f"was …{echoed[110:]} here"):
        cleaned = redactor.text(shown)
        assert SECRET[:10] not in cleaned and SECRET[-10:] not in cleaned and "[redacted part of" in cleaned, cleaned
    assert redactor.text("… 2 more: no answer") == "… 2 more: no answer"
    # escaped (a URL's query, JSON) and far from both ends of a long message: read where the excerpt was cut
    for piece in (quote(SECRET, safe="")[:24], json.dumps(SECRET)[1:-1][:22]):
        cleaned = redactor.text("x" * 800 + f" {piece}… (161 characters) " + "y" * 800)
        assert piece not in cleaned and "[redacted part of" in cleaned, piece


def test_nested_data_keys_included():
    redactor = _redactor()
    cleaned = redactor.data({"rows": [{"token": SECRET}, (SECRET, 3)], SECRET: None, "n": 1.5})
    assert SECRET not in json.dumps(cleaned) and cleaned["n"] == 1.5 and cleaned["rows"][1][1] == 3


def test_nothing_registered_changes_nothing_and_learning_moves_the_version():
    redactor = Redactor()
    data = {"a": [SECRET]}
    assert redactor.data(data) == data and redactor.text(SECRET) == SECRET
    before = redactor.version
    redactor.add(SECRET)
    redactor.add(SECRET)  # twice: learnt once
    assert redactor.version == before + 1 and SECRET not in json.dumps(redactor.data(data))
    redactor.add("true")  # flags, ports and short values are not secrets
    assert redactor.version == before + 1


def test_a_value_that_is_or_holds_one_of_our_masks_is_never_learned_as_a_secret():
    """A text already cleaned, read again for secrets (a log record each handler filters), offered the mask itself:
    learned, every later mask was masked again, nested and garbled, its fingerprint no longer the secret's."""
    redactor = _redactor()
    mask = redactor.text(SECRET)
    part_mask = mask.replace("[redacted ", "[redacted part of ")
    before = redactor.version
    for value in (mask, part_mask, f"/next?sig={mask}", f"Bearer {mask}"):
        redactor.add(value, even_if_plain=True)
        redactor.add_declared(value)
    redactor.add_url_parts(f"https://sso.example/cb?sig={mask}", from_secret=True)
    redactor.learn_known([(mask, False), (f"robot:{mask}", True)])
    assert redactor.version == before, [value for value, _ in redactor.known() if "[redacted" in value]
    assert redactor.text(f"key {SECRET} shown as {mask}") == f"key {mask} shown as {mask}"
    token = "Zx9" + "".join(random.choices(string.ascii_letters + string.digits, k=20))
    redactor.add_url_parts(f"https://sso.example/cb?sig={mask}&access_token={token}")
    assert [value for value, _ in redactor.known() if value not in (SECRET,)] == [token]  # the rest still learned


@pytest.mark.parametrize("stage", ["production", "Production", "staging", "development", "preview"])
def test_a_stage_name_read_as_an_env_value_leaves_titles_and_messages_readable(stage):
    """NODE_ENV=production, VERCEL_ENV=preview: masking the word would hide which environment lacks a key in every
    message of the run. A value that only starts with one is still a secret."""
    redactor = Redactor()
    redactor.add(stage)
    assert redactor.text(f"ADMIN_TOKEN is not set in the Vercel project's {stage} env") == \
        f"ADMIN_TOKEN is not set in the Vercel project's {stage} env"
    redactor.add(f"{stage}-Xk29fQ0p")
    assert f"{stage}-Xk29fQ0p" not in redactor.text(f"saw {stage}-Xk29fQ0p")


def test_a_secret_with_bytes_that_are_not_utf8_is_registered_in_its_own_bytes():
    """os.environ keeps bytes that are not UTF-8 as lone surrogates: the redactor takes such a value, and
    knows its encodings as the bytes it stands for."""
    value = "tok-\udcff\udcfe-abcdefghijkl"
    redactor = Redactor()
    redactor.add(value)
    raw = b"tok-\xff\xfe-abcdefghijkl"
    mark = f"[redacted {fingerprint(value)}]"
    assert redactor.text(f"a {value} b") == f"a {mark} b"
    assert mark in redactor.text(f"hex {raw.hex()}") and mark in redactor.text(f"url {quote(raw, safe='')}")
    assert redactor.data({"k": [value]}) == {"k": [mark]}


def test_a_text_holding_a_lone_surrogate_is_read_all_the_same():
    """An archived file is read with surrogateescape: bytes of it that are not UTF-8 become lone surrogates, which
    the main automaton (UTF-8 only) refuses. Such a text is read by the other one, built for it, with every word."""
    plain, of_bytes = "plain-Secret-Zq9xK2w", "tok-\udcff\udcfe-abcdefghijkl"
    redactor = Redactor()
    redactor.add(plain)
    redactor.add(of_bytes)
    text = f"bytes \udc80\udcc3 then {plain} and {of_bytes} end"
    assert redactor.text(text) == \
        f"bytes \udc80\udcc3 then [redacted {fingerprint(plain)}] and [redacted {fingerprint(of_bytes)}] end"
    # and one without a surrogate, after it: by the main automaton, which does not hold the surrogate word
    assert redactor.text(f"then {plain}") == f"then [redacted {fingerprint(plain)}]"


def test_each_text_cleaned_once_per_snapshot_and_a_new_secret_cleans_it_again():
    redactor = Redactor()
    redactor.add("first-secret-value")
    assert redactor.text("x another-secret-value y") == "x another-secret-value y"  # remembered as clean
    redactor.add("another-secret-value")
    assert redactor.text("x another-secret-value y") == f"x [redacted {fingerprint('another-secret-value')}] y"


def test_a_secret_echoed_by_an_html_error_page_is_found():
    secret = "Zq9-cr0n+S3cr3t/val'ue\"x<&>"
    redactor = Redactor()
    redactor.add(secret)
    for page in (f"<p>Bearer {html.escape(secret)}</p>", f"<p>{html.escape(secret).replace('&#x27;', '&#39;')}</p>",
                 f"<p>{html.escape(secret, quote=False)}</p>"):
        assert "S3cr3t" not in redactor.text(page), page


def test_a_secret_echoed_upper_or_lower_cased_or_with_every_byte_escaped_is_found():
    redactor = _redactor()
    raw = SECRET.encode()
    for echo in (SECRET.upper(), SECRET.lower(), "".join(f"%{b:02X}" for b in raw), "".join(f"%{b:02x}" for b in raw),
                 re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(SECRET, safe=""))):
        cleaned = redactor.text(f"echo: {echo}.")
        assert f"[redacted {fingerprint(SECRET)}]" in cleaned and echo not in cleaned, echo


def test_the_host_of_a_secret_url_is_shown_and_its_key_masked_where_a_text_cuts_it():
    url = "https://rpc.example.com/v2/abcDEF123456ghi"
    redactor = Redactor()
    redactor.add(url, even_if_plain=True)
    assert redactor.text("endpoint https://rpc.example.com") == "endpoint https://rpc.example.com"
    cut = redactor.text("excerpt: https://rpc.example.com/v2/abcDEF12")
    assert cut == f"excerpt: https://rpc.example.com[redacted part of {fingerprint(url)}]"
    assert redactor.text(f"x {url} y") == f"x [redacted {fingerprint(url)}] y"


@pytest.mark.parametrize("key", ["84736251908374659", "qwpoeirutyzmxncbvlaksjdhfg"])
def test_a_secret_urls_long_key_of_digits_or_lower_case_letters_only_is_masked_alone(key):
    """An RPC provider's key may read as a number or a word: in a secret URL, a piece of 16 characters or more is a
    key whatever it reads as — a provider echoing the key alone (a 401's body) shows none of it."""
    url = f"https://rpc.example.com/solana/v2/{key}"
    redactor = Redactor()
    redactor.add(url, even_if_plain=True)
    assert redactor.text(f'{{"error": "invalid api key {key}"}}') == \
        f'{{"error": "invalid api key [redacted {fingerprint(key)}]"}}'
    assert redactor.text("solana v2 rpc.example.com") == "solana v2 rpc.example.com"  # the words stay


def test_a_secret_broken_across_lines_is_masked_across_the_break_and_the_lines_around_it_stay():
    """Found in the text read without its line breaks, masked in the text from its first character to its last:
    the breaks before and after it, and the other lines, are as they were."""
    redactor = _redactor()
    mark = f"[redacted {fingerprint(SECRET)}]"
    text = f"first line\nkey: {SECRET[:10]}\r\n  {SECRET[10:]}\nlast = line\n\n{SECRET[:3]}=\n{SECRET[3:]}"
    assert redactor.text(text) == f"first line\nkey: {mark}\nlast = line\n\n{mark}"
    assert redactor.text("a\nb\r\n  c=\nd") == "a\nb\r\n  c=\nd"


def test_a_text_with_line_breaks_still_finds_an_escaped_secret_far_from_its_ends_and_a_pin_beside_numbers():
    """A text with a line break is read once, without its breaks: an escaped secret is still looked for around its
    anchor (placed in the text itself), and a PIN is judged against the digits beside it in the text itself; digits
    on two lines are two numbers, not a PIN broken in two."""
    redactor = _redactor()
    mixed = quote(SECRET, safe="/")  # '/' left as it is: no registered form, only the unescaped view finds it
    text = "line\n" * 600 + f"auth: {mixed}\n" + "line\n" * 600
    assert redactor.text(text) == text.replace(mixed, f"[redacted {fingerprint(SECRET)}]")
    pins = Redactor()
    pins.add_declared("1764582")
    cleaned = pins.text("pin:\n1764582\n998 rows\n91764582\n17645\n82")
    mark = f"[redacted {fingerprint('1764582')}]"
    assert cleaned == f"pin:\n{mark}\n998 rows\n91764582\n17645\n82"


def test_a_password_in_a_database_urls_query_is_kept_secret():
    """libpq reads `?password=` as it reads the userinfo's: an echo of it is masked like any password."""
    from opsverify.secrets import url_passwords

    url = "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable&password=Zq8LongSecret%21123"
    assert url_passwords(url) == ["Zq8LongSecret%21123", "Zq8LongSecret!123"]
    redactor = Redactor()
    redactor.add(url)
    said = redactor.text("saw worker_dsn = 'host=db user=app password=Zq8LongSecret!123'")
    assert "Zq8LongSecret" not in said, said


def test_digits_on_adjacent_lines_are_not_a_numeric_secret():
    """A PIN is not broken across lines in an echo; a year above a count, a date's parts a line each, are everywhere."""
    redactor = Redactor()
    redactor.add_declared("202612")
    for text in ("year 2026\n12 items", "dates:\n2026\n12\n01", "ids:\n  20\n  2612\n", "n=2026\r\n12"):
        assert redactor.text(text) == text
    mark = f"[redacted {fingerprint('202612')}]"
    assert redactor.text("pin\n202612\nyear 2026") == f"pin\n{mark}\nyear 2026"


SHORT_BEFORE_A_BREAK = {  # a short secret whose own '=' stands right before a line break: (secret, text, cleaned)
    "7-chars-lf": ("Qp2zX9=", "PIN=Qp2zX9=\nbuild: 42", "PIN={}\nbuild: 42"),
    "8-chars-crlf-header": ("q83kTw==", "X-Token: q83kTw==\r\nServer: x", "X-Token: {}\r\nServer: x"),
    "6-chars": ("Qp2zX=", "pin: Qp2zX=\nnext", "pin: {}\nnext"),
    "split-after-its-own-equals": ("Xk7=Qp2z", "token Xk7=\nQp2z end", "token {} end"),
    "in-a-longer-text": ("Qp2zX9=", "a\nb=\nPIN=Qp2zX9=\n=\nc", "a\nb=\nPIN={}\n=\nc"),
}


@pytest.mark.parametrize("case", SHORT_BEFORE_A_BREAK, ids=list(SHORT_BEFORE_A_BREAK))
def test_a_short_secret_whose_own_equals_ends_a_line_is_masked(case):
    """A text with a line break is read without its breaks, and a '=' before a break (a soft break) without it:
    a 6-8 character secret ending a line with its own '=' is found all the same, whole."""
    secret, text, cleaned = SHORT_BEFORE_A_BREAK[case]
    redactor = Redactor()
    redactor.add_declared(secret)
    assert redactor.text(text) == cleaned.format(f"[redacted {fingerprint(secret)}]")


# a long learned value (a file's content, a bundle): a random one, as a real blob is, not a repeated pattern
LONG_SECRET = "".join(random.Random(7).choices(string.ascii_letters + string.digits + "+/", k=256 * 1024))


def test_a_very_long_secret_then_another_does_not_crash_the_process():
    """pyahocorasick frees its trie recursively, one level per character of a word: a 256 KB word overflowed the C
    stack when a new secret replaced the automaton (`Fatal Python error: Segmentation fault`, an xdist worker
    killed). Run in a process of its own, so a crash fails this test rather than the suite."""
    script = ("import random, string; from opsverify.secrets import Redactor\n"
              "value = ''.join(random.Random(7).choices(string.ascii_letters + string.digits + '+/', k=256 * 1024))\n"
              "redactor = Redactor(); redactor.add(value); redactor.text('x')\n"
              "redactor.add('anotherSecretValueZq9xK2'); redactor.text('y'); print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]


def test_a_very_long_secret_is_found_whole_in_pieces_and_escaped_and_no_word_is_deep():
    redactor = Redactor()
    redactor.add(LONG_SECRET)
    mark = f"[redacted {fingerprint(LONG_SECRET)}]"
    assert max(len(word) for word, _ in redactor._current().words) <= LONGEST_WORD
    assert redactor.text(f"before {LONG_SECRET} after") == f"before {mark} after"
    b64 = base64.b64encode(LONG_SECRET.encode()).decode()
    assert redactor.text(f"data: {b64}\n") == f"data: {mark}\n"
    wrapped = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))  # MIME's lines: read without the breaks
    assert redactor.text(f"data:\n{wrapped}\nend") == f"data:\n{mark}\nend"
    # a long piece from its middle, and cut by an excerpt's end: masked end to end
    piece = LONG_SECRET[100_001:130_003]
    assert redactor.text(f"saw {piece} here") == f"saw {mark} here"
    masked = rf"\[redacted (?:part of )?{fingerprint(LONG_SECRET)}\]"
    assert re.fullmatch(f"ends in {masked}", redactor.text(f"ends in {LONG_SECRET[:50_000]}"))
    assert re.fullmatch(f"{masked} starts it", redactor.text(f"{LONG_SECRET[-9_000:]} starts it"))
    assert redactor.text(f"ends in {LONG_SECRET[:20]}").startswith("ends in [redacted part of")
    assert redactor.text(f"{LONG_SECRET[-20:]} starts it").endswith("] starts it")
    php = LONG_SECRET.replace("/", "\\/")  # PHP's JSON: an escape no form makes, read back by the unescaped view
    assert redactor.text(f'{{"v": "{php}"}}') == f'{{"v": "{mark}"}}'
    assert redactor.text(f"v={quote(LONG_SECRET, safe='')}&n=1") == f"v={mark}&n=1"  # a form body: the view too


def test_a_very_long_secret_registers_a_bounded_number_of_forms():
    """A 1 MB learned value once had 14 encodings totalling 27.5 M characters (seconds to add and to build, ~2 GB):
    above BIG_SECRET only the forms such a value travels in are kept, and its words stay near its own size."""
    value = "".join(random.Random(3).choices(string.ascii_letters + string.digits, k=1024 * 1024))
    assert sum(map(len, encodings(value))) <= 3 * len(value)  # base64 (4/3), and as read before a break (no '=')
    redactor = Redactor()
    redactor.add(value)
    assert sum(len(word) for word, _ in redactor._current().words) <= 3 * len(value)
    assert sum(len(part) for part in redactor._edges) <= 8 * LONGEST_WORD  # its two ends: a longer cut holds a word


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_secret_split_by_a_soft_wrap_mark_is_masked_as_the_console_and_the_evidence_spell_it(mark):
    """The console (`visible`) and the archive's JSON spell out an invisible mark a page put inside a long word: a
    secret learned after such a text was written is still found in it, spelled so, by the archive's last scrub."""
    from opsverify.display import visible
    from opsverify.jsontext import compact, readable

    redactor = _redactor()
    split = f"{SECRET[:9]}{mark}{SECRET[9:]}"
    for written in (visible(split), compact({"o": split}), compact({"o": visible(split)}),
                    readable({"o": split}).decode()):
        cleaned = redactor.text(f"saw {written} here")
        assert SECRET[:9] not in cleaned and SECRET[9:] not in cleaned, (written, cleaned)


@pytest.mark.parametrize("quoted", [
    "token cronSecretValue_9f8e rejected",  # its first 20 characters, no cut mark
    "key ending 9f8e7d6c5b4a3210 expired",  # its last 16
    "saw nSecretValue_9f8e7d6c5b4a3 in the header",  # 26 from its middle
    "token=ronSecretValue_9f8e7d6c5b4a3210",  # all but its first
])
def test_a_run_of_a_secret_quoted_inside_a_text_is_masked(quoted):
    """A server quoting part of the secret it refused gives most of it away: a run of a third of a secret (8 to 12
    characters) is masked wherever it stands (at a text's edge, a run of 8 already was)."""
    secret = "cronSecretValue_9f8e7d6c5b4a3210"
    redactor = Redactor()
    redactor.add_declared(secret)
    cleaned = redactor.text(quoted)
    assert f"[redacted part of {fingerprint(secret)}]" in cleaned, cleaned
    assert not any(secret[i:i + 8] in cleaned for i in range(len(secret) - 7)), cleaned
    assert redactor.text(f"got {secret}.") == f"got [redacted {fingerprint(secret)}]."  # the whole is still whole


def test_a_short_run_or_the_words_of_a_secret_stay_readable():
    """A few characters of a long key give nothing away, and the words a secret is made of are words: neither is
    masked inside a text (a database password `mypassword12345` must not hide "password" in an error)."""
    redactor = Redactor()
    redactor.add_declared("cronSecretValue_9f8e7d6c5b4a3210")
    redactor.add_declared("mypassword12345")
    for text in ("cronSecre is 9 characters of it", "password authentication failed for user checker",
                 "its Value_9f8 is short", "mypassword1234 differs by its last"):
        assert redactor.text(text) == text


@pytest.mark.parametrize("quoted", [
    "denied: AtK9vQ2mZx7 (retry later)",  # its first 11 characters: under the 12 a run once needed
    '{"a": "AtK9vQ2mZx7", "b": "LpR4wNc8Hs3Jd"}',  # split in two fields
    '{"a": "AtK9vQ2m", "b": "Zx7LpR4w", "c": "Nc8Hs3Jd"}',  # in three: every piece 8 long
])
def test_a_third_of_a_key_quoted_apart_is_masked(quoted):
    """Half of a 24-character token (11 characters) passed as a run too short to mask, and three 8-character fields
    gave all of it: a run of a third of a key (8 to 12 characters) is masked anywhere."""
    secret = "AtK9vQ2mZx7LpR4wNc8Hs3Jd"
    redactor = Redactor()
    redactor.add_declared(secret)
    cleaned = redactor.text(quoted)
    assert not any(secret[i:i + 8] in cleaned for i in range(len(secret) - 7)), cleaned


@pytest.mark.parametrize("mark", ["\ufeff", "\u2062", "\u200e", "\x1b[0m", "\x1b[1;31m", "\x1b[K"])
def test_a_key_cut_by_invisible_marks_or_terminal_colours_is_masked(mark):
    """A byte order mark, an invisible operator, a direction mark or a terminal's colour code every few characters
    shows as nothing: the key reads whole, so it is masked whole."""
    secret = "AtK9vQ2mZx7LpR4wNc8Hs3Jd"
    redactor = Redactor()
    redactor.add_declared(secret)
    cut = mark.join(secret[i:i + 6] for i in range(0, len(secret), 6))
    cleaned = redactor.text(f"denied: {cut} (retry later)")
    assert cleaned.startswith("denied: [redacted") and cleaned.endswith(" (retry later)"), repr(cleaned)
    visible = cleaned.replace(mark, "")
    assert not any(secret[i:i + 6] in visible for i in range(len(secret) - 5)), repr(cleaned)


def test_a_basic_credential_is_masked_decoded_too():
    """`authorization: Basic {secret:BASIC_AUTH}` sends base64 of `user:password`: a target that decodes it (PHP's
    PHP_AUTH_PW on a phpinfo page) shows the password, which must read masked."""
    import base64

    secret = base64.b64encode(b"deploy:Zq9vT3mKx2Lp8Wr").decode()
    for add in (lambda r: r.add_declared(secret), lambda r: r.add(secret)):
        redactor = Redactor()
        add(redactor)
        cleaned = redactor.text("PHP_AUTH_USER deploy PHP_AUTH_PW Zq9vT3mKx2Lp8Wr; deploy:Zq9vT3mKx2Lp8Wr")
        assert "Zq9vT3mKx2Lp8Wr" not in cleaned and cleaned.startswith("PHP_AUTH_USER deploy "), cleaned


def _texts_about(secrets: list[str]) -> list[str]:
    """Texts a run's evidence may hold of `secrets`: whole, encoded, cut at either end, a run of one quoted inside."""
    texts = []
    for secret in secrets:
        texts += [f"saw {secret} in the body", f"key={quote(secret, safe='')}&x=1", json.dumps({"token": secret}),
                  f"an excerpt ending {secret[:14]}", f"{secret[-13:]} starts this one", f"token {secret[3:17]} rejected",
                  base64.b64encode(f"user:{secret}".encode()).decode(), f"<p>{html.escape(secret)}</p>"]
    return texts


def test_secrets_learned_one_at_a_time_are_masked_as_those_registered_at_once():
    """The redactor grows its index as secrets come (a run learns them between cleanings) rather than building it
    again for each snapshot: what it masks does not depend on the order or the snapshots taken in between —
    including after its edge filter has grown several times (each secret adds thousands of windows)."""
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "-_/+="
    secrets = ["".join(rng.choice(alphabet) for _ in range(rng.randint(12, 60))) for _ in range(24)]
    secrets += ["postgresql://checker:Pa55-w0rd-x9Q@db.internal:5432/app", "https://hooks.example.com/T0CANARY1/Zk3mQ9wxY7"]
    texts = _texts_about(secrets)
    at_once = Redactor()
    at_once.learn_known([(secret, False) for secret in secrets])
    one_by_one = Redactor()
    for secret in secrets:
        one_by_one.learn_known([(secret, False)])
        one_by_one.text(secret)  # a snapshot between secrets
    wanted = [at_once.text(text) for text in texts]
    assert [one_by_one.text(text) for text in texts] == wanted
    for text, cleaned in zip(texts[:8 * 24], wanted, strict=False):  # (a URL's scheme cut off is no secret's)
        assert "[redacted" in cleaned, text


def test_a_fingerprint_key_set_after_secrets_were_registered_marks_them_with_it(monkeypatch):
    """A run sets its own fingerprint key when it starts; a redactor that registered secrets before (its index holds
    their marks) marks them with the run's key from then on, never a stale one."""
    import opsverify.secrets as secrets_module
    from opsverify.secrets import use_fingerprint_key

    monkeypatch.setattr(secrets_module, "_fingerprint_key", secrets_module._fingerprint_key)
    redactor = _redactor()
    before = redactor.text(f"x {SECRET} y")
    use_fingerprint_key({"OPSVERIFY_SIGNING_KEY": "a-signing-key-for-this-test-0123456789"})
    after = redactor.text(f"x {SECRET} y")
    assert after == f"x [redacted {fingerprint(SECRET)}] y" != before


def test_copies_of_a_long_key_are_each_masked_once_whole_and_a_run_of_it_as_a_part():
    """A 2 KB key twice whole, a long run of it between words, and cut by the text's end: each copy is one mask
    (the ~2,000 pieces of it that a copy holds are not widened again, one by one, to that same copy)."""
    key = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=2000))
    redactor = Redactor()
    redactor.add_declared(key)
    mark = fingerprint(key)
    text = f"a {key} b {key}\nc {key[300:1700]} d {key[:900]}"
    assert redactor.text(text) == (f"a [redacted {mark}] b [redacted {mark}]\nc [redacted part of {mark}] d "
                                   f"[redacted part of {mark}]")


# Base64 of something holding a secret (`user:secret`, `Bearer secret`, a JSON body): the characters that are the
# secret's alone were masked, but the group after them, which mixes its last one or two bytes with what follows (or
# with the padding), was left: `dXNlcjo[redacted]MTM=` showed a 6-digit PIN's last two digits.
@pytest.mark.parametrize("secret", ["482913", "Kx7sEcretValue99", "pw-4f9Q2zL8mN3x"])
@pytest.mark.parametrize("before", ["", "user:", "Bearer ", '{"password":"', "a", "ab"])
@pytest.mark.parametrize("after", ["", '"', '"}', '","user":"bobby-the-admin"}', "\n"])
def test_no_base64_character_holding_a_secrets_bits_is_shown(secret, before, after):
    import base64
    redactor = Redactor()
    redactor.add_declared(secret)
    encoded = base64.b64encode((before + secret + after).encode()).decode()
    first = len(before.encode()) * 8 // 6  # the first character any bit of the secret is in
    last = ((len(before.encode()) + len(secret.encode())) * 8 - 1) // 6  # the last one
    cleaned = redactor.text(f"v={encoded};")
    assert cleaned.count("[redacted") == 1, cleaned
    shown_before = cleaned[2:cleaned.index("[redacted")]
    shown_after = cleaned[cleaned.index("]") + 1:-1]
    assert encoded.startswith(shown_before) and len(shown_before) <= first, (cleaned, encoded)
    assert encoded.endswith(shown_after) and len(encoded) - len(shown_after) > last, (cleaned, encoded)


@pytest.mark.parametrize("encode", ["b64encode", "urlsafe_b64encode"])
def test_a_secret_whose_base64_piece_ends_on_a_symbol_still_hides_its_tail(encode):
    """`Kx2Wzr?13` behind `x:` and before a line break: its piece ends on `/` (or `_`), and the group after it
    (`MTMK`, "13\\n") had shown."""
    import base64
    redactor = Redactor()
    redactor.add_declared("Kx2Wzr?13")
    cleaned = redactor.text(getattr(base64, encode)(b"x:Kx2Wzr?13\n").decode())
    assert "MTMK" not in cleaned, cleaned


@pytest.mark.parametrize("text, kept", [
    ("https://h/cb?next=%2Fs3cr3tT0kenVal&x=1", "https://h/cb?next=%2F"),
    ("a%41s3cr3tT0kenValBCDE==x", "a%41"),
])
def test_a_percent_escape_beside_a_secret_is_never_cut(text, kept):
    redactor = Redactor()
    redactor.add_declared("s3cr3tT0kenVal")
    assert redactor.text(text).startswith(kept + "[redacted"), redactor.text(text)


DISPLAYED = "Kq7vR2mX9pL4wT8nB3cZ6hJ1fD5sG0yQ"  # a cron secret a job echoes formatted for reading


def _grouped(secret: str, separator: str, size: int) -> str:
    return separator.join(secret[i:i + size] for i in range(0, len(secret), size))


@pytest.mark.parametrize("size", range(1, 9))
@pytest.mark.parametrize("separator", [" ", "\t", "-", "_", ".", ":", "/", "\n"],
                         ids=["blank", "tab", "dash", "underscore", "dot", "colon", "slash", "lf"])
def test_a_secret_echoed_with_a_separator_between_its_characters_or_groups_is_masked(separator, size):
    """A job echoing its token formatted for display (`Kq7v-R2mX-…`, `K q 7 v …`) put it readable into results.json
    and the Allure results: one separator repeated between its characters or its groups of 2 to 8 still tells it."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    mark = f"[redacted {fingerprint(DISPLAYED)}]"
    shown = _grouped(DISPLAYED, separator, size)
    body = f'{{"ran": true, "token": "{shown}"}}'
    assert redactor.text(body) == f'{{"ran": true, "token": "{mark}"}}', (shown, redactor.text(body))
    as_json = json.dumps({"reply": body})  # results.json: the reply's body in a JSON string
    assert redactor.text(as_json) == json.dumps({"reply": f'{{"ran": true, "token": "{mark}"}}'}), (
        shown, redactor.text(as_json))


@pytest.mark.parametrize("excerpt, cleaned", [
    ("token K q 7 v R 2 m X 9 p L 4…", "token {}…"),  # a copy cut by an excerpt: its first 12 characters
    ("token Kq7v-R2mX-9pL4-wT8n-…", "token {}…"),  # its first 16, and the separator after them
    ("…cZ-6h-J1-fD-5s-G0-yQ rejected", "…{} rejected"),  # its last 14
])
def test_a_secret_echoed_grouped_and_cut_short_is_masked_as_a_part(excerpt, cleaned):
    """A run of a third of the secret (`_inner_run`), so written, is masked as a part, as far as the copy goes."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    assert redactor.text(excerpt) == cleaned.format(f"[redacted part of {fingerprint(DISPLAYED)}]")


def test_ordinary_text_with_regular_separators_stays_readable():
    """Times, versions, addresses and spaced words are written with a separator at regular places too: only a secret's
    own characters so written are masked, never digits alone (a PIN `123456` is not the time 12:34:56), a few
    characters of a key, or the words of a secret made of words."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    redactor.add_declared("123456")
    redactor.add_declared("mypassword12345")
    redactor.add_declared("Summer2024")
    for text in ("started 12:34:56, pin set 12-34-56", "the Summer 2024 release, Summer-2024", "version 1.2.3.4.5.6 at 10.20.30.40", "K q 7 v R 2 m",
                 "Kq7v-R2mX is not all", "p a s s w o r d 1 2 authentication failed", "my-pa-ss-wo-rd",
                 "id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 in eu-west-1", "a b c d e f g h i j k l m n o p"):
        assert redactor.text(text) == text
    mark = f"[redacted {fingerprint('mypassword12345')}]"
    assert redactor.text("pw: m y p a s s w o r d 1 2 3 4 5.") == f"pw: {mark}."
    # a passphrase of capitalized words: its first letters cut anywhere read as those words written apart
    redactor.add_declared("CorrectHorseBatteryStaple")
    redactor.add_declared("WelcomeHome2024")
    for text in ("<h1>Correct Horse Battery</h1>", "<title>Welcome Home | Acme</title>"):
        assert redactor.text(text) == text


HEX_KEY = "9f86d081884c7d659a2feaa0c55ad015"  # an HMAC key as `openssl rand -hex 16` writes it: lower case


@pytest.mark.parametrize("secret, shown", [
    (HEX_KEY, _grouped(HEX_KEY.upper(), "-", 2)),  # .NET's BitConverter.ToString of its bytes
    (HEX_KEY, _grouped(HEX_KEY.upper(), " ", 2)),
    (HEX_KEY, _grouped(HEX_KEY.upper(), " ", 4)),
    (HEX_KEY, _grouped(HEX_KEY.upper(), ":", 8)),
    (HEX_KEY.upper(), _grouped(HEX_KEY, ":", 2)),  # registered upper case, printed as openssl's `-c` digests
], ids=["dotnet", "blank-pairs", "blank-fours", "colon-eights", "upper-registered"])
def test_a_hex_key_echoed_in_its_other_case_and_grouped_is_masked(secret, shown):
    """A key of hex digits that an app logs as its bytes, upper-cased and grouped (`9F-86-D0-…`): the upper-cased
    key whole and the lower-case grouped forms were masked, not the two together — all 32 digits stayed readable."""
    redactor = Redactor()
    redactor.add_declared(secret)
    mark = fingerprint(secret)
    assert redactor.text(f"loaded signing key {shown} from vault") == f"loaded signing key [redacted {mark}] from vault"
    cut = shown[:len(shown) // 2]  # an excerpt's first half: a run of it, masked as a part
    assert redactor.text(f"key {cut}…") == f"key [redacted part of {mark}]…", (shown, redactor.text(f"key {cut}…"))


UUID_KEY = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"  # a Heroku API key: a UUID


@pytest.mark.parametrize("secret, shown", [
    (UUID_KEY, UUID_KEY.replace("-", "")),  # Python's uuid.UUID(key).hex
    (UUID_KEY, UUID_KEY.replace("-", "").upper()),
    (UUID_KEY, UUID_KEY.upper()),
    (UUID_KEY, UUID_KEY.replace("-", ":")),
    (UUID_KEY, UUID_KEY.replace("-", "_").upper()),
    ("3f2504e0-4f89-11d3-9a0c-030512345678", "3f2504e04f8911d39a0c030512345678"),  # its last group of digits alone
    ("Kq7v-R2mX-9pL4-wT8n", "Kq7vR2mX9pL4wT8n"),  # not hex: no other case, its groups joined
    ("Kq7v-R2mX-9pL4-wT8n", "Kq7v.R2mX.9pL4.wT8n"),
], ids=["hex", "hex-upper", "upper", "colons", "underscores-upper", "digits-last", "groups-joined", "groups-dotted"])
def test_a_secret_of_groups_echoed_without_its_separators_or_with_others_is_masked(secret, shown):
    """A secret registered as groups joined by one separator (a UUID) that a job prints without them (`uuid.hex`,
    `.replace('-', '')`) or with another: 19 of a UUID's 32 digits stayed readable, all 32 upper-cased or where its
    last group is digits alone."""
    redactor = Redactor()
    redactor.add_declared(secret)
    mark = fingerprint(secret)
    assert redactor.text(f"token={shown} ok") == f"token=[redacted {mark}] ok", (shown, redactor.text(shown))
    cut = shown[:len(shown) // 2]
    assert redactor.text(f"token={cut}…") == f"token=[redacted part of {mark}]…", (shown, redactor.text(cut + "…"))


def test_other_ids_and_numbers_stay_readable_beside_a_secret_of_groups():
    """Only the secret's own characters are masked: another UUID (with or without hyphens, upper-cased), a hex digest,
    and digits alone (a PIN of groups `12-34-56` gives no `123456`, a time `12:34:56`) stay."""
    redactor = Redactor()
    redactor.add_declared(UUID_KEY)
    redactor.add_declared(HEX_KEY)
    redactor.add_declared("12-34-56-78")
    for text in ("id 6ba7b810-9dad-11d1-80b4-00c04fd430c8 in eu-west-1", "id 6ba7b8109dad11d180b400c04fd430c8",
                 "ID 6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "sha 0CC175B9C0F1B6A831C399E269772661",
                 "started 12:34:56, user 12345678, at 12.34.56.78"):
        assert redactor.text(text) == text


def _secret_masked(shown: str, secret: str, mark: str) -> str:
    """`shown` with the secret's characters, from its first to its last, replaced by `mark` (a list's brackets and
    quotes around them stay)."""
    first, last = shown.index(secret[0]), shown.rindex(secret[-1]) + 1
    return shown[:first] + mark + shown[last:]


@pytest.mark.parametrize("shown", [
    ",".join(DISPLAYED),  # JavaScript's [...token].toString()
    _grouped(DISPLAYED, ",", 4),  # token.match(/.{1,4}/g) + ''
    _grouped(DISPLAYED, ", ", 4),
    _grouped(DISPLAYED, "|", 4),
    _grouped(DISPLAYED, " | ", 2),
    _grouped(DISPLAYED, "--", 4),
    _grouped(DISPLAYED, ";", 8),
    _grouped(DISPLAYED, "+", 3),
    str(list(DISPLAYED)),  # Python's print(list(token)): ['K', 'q', '7', …]
    json.dumps(list(DISPLAYED)),  # a JSON array of its characters
    json.dumps([DISPLAYED[i:i + 4] for i in range(0, len(DISPLAYED), 4)]),
], ids=["chars-comma", "comma", "comma-blank", "pipe", "blank-pipe-blank", "double-dash", "semicolon-eights", "plus",
        "python-list", "json-array", "json-array-fours"])
def test_a_secret_echoed_with_any_short_separator_between_its_characters_or_groups_is_masked(shown):
    """Not only the six separators a page uses most: any short run of punctuation or blanks, the same between each
    of the secret's characters or groups (`K,q,7,v,…`, `Kq7v|R2mX|…`, `['K', 'q', …]`), still tells it — a job
    echoing its token so put it readable into results.json and the Allure results. Masked whole, in its reply and in
    that reply quoted in JSON."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    mark = f"[redacted {fingerprint(DISPLAYED)}]"
    body = json.dumps({"ran": True, "token": shown})
    cleaned = json.dumps({"ran": True, "token": _secret_masked(shown, DISPLAYED, mark)})
    assert redactor.text(body) == cleaned, (shown, redactor.text(body))
    assert redactor.text(json.dumps({"reply": body})) == json.dumps({"reply": cleaned}), (
        shown, redactor.text(json.dumps({"reply": body})))
    cut = shown[:2 * len(shown) // 3]  # an excerpt's first two thirds (three groups at least): a part, none of it left
    part = f"[redacted part of {fingerprint(DISPLAYED)}]"
    cleaned_cut = redactor.text(f"token {cut}…")
    assert part in cleaned_cut and re.findall("[A-Za-z0-9]", cleaned_cut.replace(part, "")) == list("token"), (
        cut, cleaned_cut)


def test_ordinary_text_with_other_regular_separators_stays_readable():
    """Lists, tables and headings put one separator between words and numbers too: only a secret's own characters in
    groups of one size (the last maybe shorter) are masked — not a passphrase's words of other lengths, not a run of
    letters alone cut from it, not digits alone (a PIN's in a time or a list of numbers)."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    redactor.add_declared("123456")
    redactor.add_declared("CorrectHorseBatteryStaple")
    redactor.add_declared("WelcomeHome2024")
    for text in ("<h1>Correct | Horse | Battery</h1>", "['Correct', 'Horse', 'Battery']", "Correct, Horse, Battery",
                 "<title>Welcome | Home | 2024</title>", "C,o,r,r,e,c,t,H,o,r,s,e was the hint", "1, 2, 3, 4, 5, 6",
                 "[12, 34, 56]", "12|34|56", "K|q|7|v|R|2|m", "Kq7v,R2mX is not all", "a; b; c; d; e; f; g; h; i; j"):
        assert redactor.text(text) == text, (text, redactor.text(text))


@pytest.mark.parametrize("secret, shown", [
    (UUID_KEY, _grouped(UUID_KEY.replace("-", "").upper(), " ", 2)),  # a hexdump of the key, upper-cased
    (UUID_KEY, _grouped(UUID_KEY.replace("-", ""), " ", 2)),
    (UUID_KEY, _grouped(UUID_KEY.replace("-", ""), " ", 8)),  # four 8-digit groups
    (UUID_KEY, _grouped(UUID_KEY.replace("-", "").upper(), ", ", 4)),
    (HEX_KEY, f"{HEX_KEY[:8]}-{HEX_KEY[8:12]}-{HEX_KEY[12:16]}-{HEX_KEY[16:20]}-{HEX_KEY[20:]}"),  # in UUID form
    (HEX_KEY, f"{HEX_KEY[:8]}-{HEX_KEY[8:12]}-{HEX_KEY[12:16]}-{HEX_KEY[16:20]}-{HEX_KEY[20:]}".upper()),
    (HEX_KEY, _grouped(HEX_KEY, " ", 16)),
], ids=["uuid-byte-pairs-upper", "uuid-byte-pairs", "uuid-eights", "uuid-fours-comma-upper", "hex-as-uuid",
        "hex-as-uuid-upper", "hex-two-halves"])
def test_a_hex_or_uuid_secret_regrouped_is_masked(secret, shown):
    """Hex digits are one secret whatever their grouping and case: a UUID key written as its bytes (`3F 25 04 E0 …`)
    or four 8-digit groups, a 32-digit key written as a UUID — all 32 digits stayed readable. Whole, and a half of it
    (two groups of eight at least) as a part."""
    redactor = Redactor()
    redactor.add_declared(secret)
    mark = fingerprint(secret)
    assert redactor.text(f"key {shown} loaded") == f"key [redacted {mark}] loaded", (shown, redactor.text(shown))
    for half in (shown[:len(shown) // 2 + 1].rstrip(", -"), shown[len(shown) // 2:].lstrip(", -")):
        assert redactor.text(f"key {half}… loaded") == f"key [redacted part of {mark}]… loaded", (
            half, redactor.text(f"key {half}… loaded"))


def test_other_hex_regrouped_stays_readable_beside_a_hex_secret():
    """Another UUID as bytes, a MAC address, a digest in groups, digits alone: none of the secret's digits in order."""
    redactor = Redactor()
    redactor.add_declared(UUID_KEY)
    redactor.add_declared(HEX_KEY)
    other = "6ba7b8109dad11d180b400c04fd430c8"
    for text in (_grouped(other.upper(), " ", 2), _grouped(other, " ", 8), "mac 00:1a:2b:3c:4d:5e",
                 f"{other[:8]}-{other[8:12]}-{other[12:16]}-{other[16:20]}-{other[20:]}", "3f 25 04 e0 was the prefix",
                 "sha 0CC1 75B9 C0F1 B6A8 31C3 99E2 6977 2661", "1234 5678 9012 3456"):
        assert redactor.text(text) == text, (text, redactor.text(text))


def test_a_secret_as_a_pretty_printed_json_array_of_its_characters_is_masked():
    """A reply pretty-printed (`json.dumps(…, indent=4)`): between each two characters a quote, a comma, a line break
    and the indentation — read without its line breaks (`"K","q",…`), whatever its depth."""
    redactor = Redactor()
    redactor.add_declared(DISPLAYED)
    mark = f"[redacted {fingerprint(DISPLAYED)}]"
    for depth in (1, 3):
        body = json.dumps(_nested({"token": list(DISPLAYED)}, depth), indent=4)
        cleaned = redactor.text(body)
        assert mark in cleaned and not re.search(r'"[A-Za-z0-9]",', cleaned), (depth, cleaned)


def _nested(data: dict, depth: int) -> dict:
    for _ in range(depth - 1):
        data = {"reply": data}
    return data


@pytest.mark.parametrize("placeholder", ["undefined", "Undefined"])
def test_what_a_template_writes_of_an_unset_value_is_no_secret(placeholder):
    """JWT_SECRET=undefined (a `${{ secrets.X }}` templated from nothing): env's `equal` says "JWT_SECRET is
    'undefined' (what JavaScript writes of a variable that was never set)", and the word was masked in it and in
    every other message of the run."""
    redactor = Redactor()
    redactor.add_env_var("JWT_SECRET", placeholder)
    said = f"JWT_SECRET is '{placeholder}' (what JavaScript writes of a variable that was never set) on web, api"
    assert redactor.text(said) == said
    redactor.add_env_var("API_TOKEN", f"{placeholder}-Xk29fQ0p")
    assert f"{placeholder}-Xk29fQ0p" not in redactor.text(f"saw {placeholder}-Xk29fQ0p")
