"""Secrets never leave: show presence, length and a short fingerprint, never the value.

Every value the suite learns that could be a secret is registered with the run's
`Redactor`; outcomes pass through it before any reporter sees them.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import hashlib
import hmac
import html
import json
import math
import os
import pickle
import re
import threading
import unicodedata
from collections.abc import Callable
from html.entities import html5
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from . import lazy
from .display import shown_forms

# flags, ports, and deployment stage names (NODE_ENV, VERCEL_ENV): never secrets, and masking a stage name would
# hide, in every message of the run, which environment an item is about; nor what a template writes of a value never
# set (`undefined`), which env's rules name as such
_FLAGS_AND_STAGES = "true|false|yes|no|on|off|production|staging|development|preview|undefined"
_NOT_SECRET = re.compile(rf"^(?:{_FLAGS_AND_STAGES}|\d{{1,7}})$", re.IGNORECASE)
# the words alone: under a name that says it is secret (ADMIN_PIN) a number of digits is one, a PIN
_NOT_SECRET_WORD = re.compile(rf"^(?:{_FLAGS_AND_STAGES})$", re.IGNORECASE)


FINGERPRINT_KEY_ENV = "OPSVERIFY_FINGERPRINT_KEY"  # a run's key, handed to the xdist workers it starts
_fingerprint_key: bytes = os.urandom(32)  # until a run sets its own (use_fingerprint_key)


def fingerprint(value: str) -> str:
    """Short and keyed: enough to tell two values apart, useless to recover one. An unkeyed hash would not do:
    a short or guessable secret (a 7-digit PIN, `shop`) is found from it by hashing candidates."""
    return "hmac:" + hmac.new(_fingerprint_key, _bytes(value), hashlib.sha256).hexdigest()[:8]


MASK = re.compile(r"\[redacted (?:part of )?hmac:([0-9a-f]{8})\]")  # what `Redactor.text` puts for a secret


def use_fingerprint_key(environ: Any = os.environ, *, worker: bool = False) -> None:
    """The run's fingerprint key. With a signing key, derived from it: fingerprints compare across the runs a
    CI signs, and no one without that key can test a guess. Else one per run, handed to its xdist workers
    through the environment they inherit, so all of the run's processes agree."""
    from .seal import SIGNING_KEY_ENV

    global _fingerprint_key
    signing = (environ.get(SIGNING_KEY_ENV) or "").strip()
    handed = (environ.get(FINGERPRINT_KEY_ENV) or "") if worker else ""  # from its own run's master only
    if signing:
        _fingerprint_key = hashlib.sha256(b"opsverify fingerprint\0" + _bytes(signing)).digest()  # (a bad key is
        # refused with one line where the archive reads it)
    elif re.fullmatch(r"[0-9a-f]{64}", handed):
        _fingerprint_key = bytes.fromhex(handed)
    else:
        _fingerprint_key = os.urandom(32)
        environ[FINGERPRINT_KEY_ENV] = _fingerprint_key.hex()


SHARING_KEY_ENV = "OPSVERIFY_SHARING_KEY"  # a run's key for what its xdist workers hand each other on disk
_sharing_key: bytes = os.urandom(32)  # until a run sets its own (use_sharing_key)
_NONCE = 12


def use_sharing_key(environ: Any = os.environ, *, worker: bool = False) -> None:
    """The run's key for what its xdist workers share through the temp folder (outcomes, learned secrets): one per
    run, never written down, handed to the workers through the environment they inherit, as the fingerprint key."""
    global _sharing_key
    handed = (environ.get(SHARING_KEY_ENV) or "") if worker else ""  # from its own run's master only
    if re.fullmatch(r"[0-9a-f]{64}", handed):
        _sharing_key = bytes.fromhex(handed)
    else:
        _sharing_key = os.urandom(32)
        environ[SHARING_KEY_ENV] = _sharing_key.hex()


def run_keys() -> list[str]:
    """The run's fingerprint and sharing keys as its processes hand them on (hex, in the environment xdist workers
    inherit): secrets of every run, which a team test's `dict(os.environ)` under --showlocals prints — and with the
    fingerprint key, a PIN's `hmac:` fingerprint is found by hashing the candidates."""
    return [_fingerprint_key.hex(), _sharing_key.hex()]


def _aead() -> Any:
    return lazy.load("cryptography.hazmat.primitives.ciphers.aead").AESGCM(_sharing_key)


def sealed(data: bytes, name: str) -> bytes:
    """`data` encrypted and authenticated under the run's sharing key, bound to `name` (the file it goes to: one
    file's content cannot stand in for another's)."""
    nonce = os.urandom(_NONCE)
    return nonce + _aead().encrypt(nonce, data, name.encode())


def unsealed(data: bytes, name: str) -> bytes:
    """What `sealed` sealed for `name`; cryptography's InvalidTag if it was not sealed so under this run's key."""
    return _aead().decrypt(data[:_NONCE], data[_NONCE:], name.encode())


def _bytes(value: str) -> bytes:
    """A value's bytes as given: what was not UTF-8 (os.environ keeps it as lone surrogates) goes back as it was."""
    return value.encode("utf-8", "surrogateescape")


def describe(value: str | None) -> dict[str, Any]:
    if value is None:
        return {"present": False}
    return {"present": True, "length": len(value), "fingerprint": fingerprint(value)}


# words of a name that make any value a secret, a plain word too (DB_PASSWORD=sunshine), wherever they are in it
# (MYSQLPASSWORD, STRIPESECRET)
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PWD|DSN|CREDENTIAL|PRIVATE|SALT|SIGNING", re.IGNORECASE)
# as strong (APIKEY, DBPASS, PASSWD), but for the ordinary words holding them (KEYCLOAK_REALM, PASSENGER_*)
_KEY_NAME = re.compile(r"KEY|PASS", re.IGNORECASE)
# a secret alone or last (SESSION, BASIC_AUTH, SLACK_WEBHOOK), a plain setting when the words after it name one
# (Laravel's SESSION_DRIVER=database, AUTH_PROVIDER=github, COOKIE_DOMAIN=example.com)
_SETTING_NAME = re.compile(r"AUTH|SESSION|COOKIE|WEBHOOK", re.IGNORECASE)
_ORDINARY_WORDS = frozenset({"KEYCLOAK", "KEYBOARD", "KEYWORD", "KEYWORDS", "KEYSPACE", "KEYNOTE", "MONKEY", "TURKEY",
                             "DONKEY", "HOCKEY", "JOCKEY", "WHISKEY", "AUTHOR", "AUTHORS", "PASSENGER", "PASSENGERS",
                             "COMPASS", "PASSPORT", "PASSIVE", "PASSTHROUGH"})  # not BYPASS: Vercel's is a secret
# what the settings of Laravel's .env.example and config, Django's SESSION_* and CSRF_COOKIE_*, NextAuth's and
# Firebase's end in; not ID, USER, HEADER, VALUE or STRING (a session's id, a connection string hold secrets)
_PLAIN_SETTING_WORDS = frozenset({
    "DRIVER", "DOMAIN", "PROVIDER", "PROVIDERS", "STORE", "SAME", "SITE", "SAMESITE", "SECURE", "HTTP", "ONLY",
    "HTTPONLY", "LIFETIME", "PATH", "FILE", "NAME", "TTL", "EXPIRE", "EXPIRES", "EXPIRY", "EXPIRATION", "AGE", "MAX",
    "MODE", "TABLE", "CONNECTION", "PREFIX", "ENABLED", "ENABLE", "DISABLED", "DISABLE", "ENCRYPT", "ENGINE",
    "BACKEND", "SERIALIZER", "STRATEGY", "GUARD", "MODEL", "TIMEOUT", "TYPE", "REALM", "METHOD", "FORMAT", "EVENTS",
    "RETRIES", "PARTITIONED", "CACHE", "ALIAS", "HOST", "EMULATOR", "BACKENDS"})
# (not SAVE: PHP's SESSION_SAVE_PATH holds phpredis's `tcp://redis:6379?auth=<password>`)
_WEBHOOK_SETTING_WORDS = _PLAIN_SETTING_WORDS - {"PATH"}  # a webhook's path may be its key (/hook/Zk3mQ9wx…)
_NAME_CHUNK = re.compile(r"[A-Z]*[a-z0-9]*")  # SESSION, Driver, APIKey: a camel word's capitals stay with it


# words of a name that say the whole value is a secret, a URL too (SLACK_WEBHOOK_URL, zapierWebhookUrl,
# MY_APIKEYS_URL); AUTH, SESSION or COOKIE alone do not (NEXTAUTH_URL is the app's own public address), nor KEY
# inside another word (KEYCLOAK_URL, ?keyword=)
_SECRET_URL_WORD = re.compile(r"(?:API|CLIENT|ACCESS|PRIVATE|SIGNING)?(?:KEY|SECRET|TOKEN|PASS|PASSWORD|PWD|DSN"
                              r"|CREDENTIAL|PRIVATE|WEBHOOK|HOOK)S?(?:URL|URI)?")


# words of a name too short to look for inside other words (SPINNER, UPWARD): SMTP_PW, ADMIN_PIN, TOTP_SEED,
# RELAY_HMAC, and Jenkins' `X = credentials('id')`, which sets X_CREDS=user:password and X_CREDS_PSW (not PK:
# ORDERS_PK names a primary key; a wallet's key in hex is one by its shape, _LONG_HEX)
_SECRET_SHORT_WORD = re.compile(r"PW|PSW|CREDS|PIN|SEED|OTP|TOTP|MNEMONIC|PRIV|HMAC")

# a key written in hex (an Ethereum private key is 0x and 64 hex digits, an HMAC key 64 of them): two classes of
# characters, so no `classes >= 3`; unless its name says it is a public digest or address (a SHA-256, a block hash,
# a commit)
_LONG_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{64,}")
_PUBLIC_DIGEST_WORDS = frozenset({"HASH", "SHA", "SHA256", "SHA512", "DIGEST", "CHECKSUM", "COMMIT", "REVISION",
                                  "TXID", "ADDRESS", "ADDR", "INTEGRITY"})


def _name_words(name: str) -> list[str]:
    return [word.upper() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[0-9]+", name)]  # snake, camel


def name_words(name: str) -> list[str]:
    """A variable's name's words in capitals, snake_case or camelCase alike (KMS_KEY_ID, tokenScope)."""
    return _name_words(name)


def names_a_secret_url(name: str) -> bool:
    return any(_SECRET_URL_WORD.fullmatch(word) for word in _name_words(name))


def names_a_secret(name: str) -> bool:
    """Whether an env var's name says its value is a secret: SECRET, TOKEN, PASSWORD… in it, KEY or PASS but in an
    ordinary word (KEYCLOAK), SESSION, COOKIE, AUTH or WEBHOOK but before words naming a plain setting
    (SESSION_DRIVER), a secret URL's words (ALERT_HOOK), or the short words PW, PIN, SEED… as words of their own."""
    words = _name_words(name)
    return bool(_SECRET_NAME.search(name) or _names_a_key(name) or _names_a_session_secret(name)
                or any(_SECRET_URL_WORD.fullmatch(word) and not _SETTING_NAME.fullmatch(word.removesuffix("S"))
                       for word in words)  # WEBHOOK(S) alone is `_names_a_session_secret`'s
                or any(_SECRET_SHORT_WORD.fullmatch(word) for word in words))


# the last word of a name that says its value is the secret itself, whatever it looks like (SMTP_PASSWORD=correct-
# horse-battery-staple, PGPASSWORD, SENTRY_DSN, STRIPESECRET); not KEY, AUTH, SESSION or API, which end a prefix's, an
# id's or a setting's name as often (CACHE_KEY, DESKTOP_SESSION), nor any of these before another word (SECRET_NAME,
# REFRESH_TOKEN_TTL, OPENAI_MAX_TOKENS: what they name is no secret)
_SECRET_LAST_WORD = re.compile(r"[A-Z0-9]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|DSN|CREDENTIALS?)|PWD|PASS|PW"
                               r"|PSW|CREDS|MNEMONIC")
_SECRET_ADDRESS_LAST_WORD = re.compile(r"[A-Z0-9]*(?:WEBHOOK|HOOK)")  # before URL or URI (ALERT_HOOK_URL) or alone
_SECRET_KEY_QUALIFIERS = frozenset({"SECRET", "PRIVATE", "SIGNING", "ENCRYPTION"})  # DJANGO_SECRET_KEY, SSH_PRIVATE_KEY
_ADDRESS_WORDS = frozenset({"URL", "URI"})


def names_a_secret_outright(name: str) -> bool:
    """Whether a name says its value is the secret itself: its last word, a URL or URI after it aside, is PASSWORD,
    PASSWD, PWD, PASS, PW, PSW, PASSPHRASE, SECRET, TOKEN, DSN, CREDENTIAL(S), CREDS (Jenkins' X_CREDS, X_CREDS_PSW),
    MNEMONIC (ending one: PGPASSWORD too), a
    WEBHOOK (SLACK_WEBHOOK_URL; a HOOK only before URL: POST_DEPLOY_HOOK may name a script), or a KEY a word before
    calls secret, private, signing or encryption. The shell's PWD is its working folder."""
    words = _name_words(name)
    address = bool(words) and words[-1] in _ADDRESS_WORDS
    words = words[:-1] if address else words
    if not words or words == ["PWD"]:
        return False
    last = words[-1]
    return bool(_SECRET_LAST_WORD.fullmatch(last)
                or (_SECRET_ADDRESS_LAST_WORD.fullmatch(last) and (address or "WEBHOOK" in last))
                or (last in ("KEY", "KEYS") and _SECRET_KEY_QUALIFIERS.intersection(words[:-1])))


def _name_chunks(name: str) -> list[re.Match[str]]:
    return [chunk for chunk in _NAME_CHUNK.finditer(name) if chunk.group()]


def _chunk_at(chunks: list[re.Match[str]], found: re.Match[str]) -> int | None:
    """Which chunk holds all of `found`; None where it spans two (`sesSion`): read as the secret's word."""
    return next((at for at, chunk in enumerate(chunks)
                 if chunk.start() <= found.start() and found.end() <= chunk.end()), None)


def _names_a_key(name: str) -> bool:
    chunks = _name_chunks(name)
    return any((at := _chunk_at(chunks, found)) is None or chunks[at].group().upper() not in _ORDINARY_WORDS
               for found in _KEY_NAME.finditer(name))


def _names_a_session_secret(name: str) -> bool:
    """SESSION, COOKIE, AUTH or WEBHOOK in a name, and what follows it is not a plain setting's words: each of them
    one (or another such word) and the last one (SESSION_COOKIE_NAME; SESSION_CONNECTION_STRING is no setting)."""
    chunks = _name_chunks(name)
    words = [chunk.group().upper() for chunk in chunks]
    for found in _SETTING_NAME.finditer(name):
        at = _chunk_at(chunks, found)
        if at is None:
            return True
        if words[at] in _ORDINARY_WORDS:  # AUTHOR_NAME
            continue
        settings = _WEBHOOK_SETTING_WORDS if "WEBHOOK" in words[at] else _PLAIN_SETTING_WORDS
        after = words[at + 1:]
        if not (after and after[-1] in settings
                and all(word in settings or _SETTING_NAME.search(word) for word in after)):
            return True
    return False


def looks_secret(name: str, value: str) -> bool:
    """Whether an env var is worth redacting: a secret-sounding name, a URL carrying credentials,
    or a long high-entropy value. Plain words ('joslyn') are left alone so text stays readable."""
    if names_a_secret(name):
        return True
    if _KEY_INSIDE.search(value):  # a service-account JSON or a PEM key under any name (FIREBASE_SERVICE_ACCOUNT)
        return True
    if "://" in value:  # an address: a secret if it holds a user or password, or a piece that may be a key
        return "@" in value or _may_hold_a_key(value)
    if _PATH.fullmatch(value):  # a checkout or file (/builds/acme/shop-api2): named in messages, no secret
        return False
    if _LONG_HEX.fullmatch(value):
        return not _PUBLIC_DIGEST_WORDS.intersection(_name_words(name))
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return len(value) >= 20 and classes >= 3 and " " not in value


_KEY_INSIDE = re.compile(r"PRIVATE KEY-----|\"private_key\"\s*:")


def holds_a_private_key(value: str) -> bool:
    """Whether a value holds a private key (a PEM's, a service-account JSON's `private_key`): a secret under any name."""
    return _KEY_INSIDE.search(value) is not None


def _may_hold_a_key(url: str) -> bool:
    """A path piece or query value shaped like a key (`/hook/CANARYshort9`, `?k=Zx81Kq0a`); `redis://host:6379/0`
    and `/api/auth/callback?provider=google` hold none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return True
    return any(_short_key(piece) for piece in [*parts.path.split("/"), *(value for _, value in _query(parts.query)),
                                               *_fragment_pieces(parts.fragment)])


def _query(query: str) -> list[tuple[str, str]]:
    """A query's (key, value) pairs; a piece without '=' (`?Zk3mQ9wx…`) is its own value."""
    pairs = []
    for piece in re.split(r"[&;]", query):
        if piece:
            key, sep, value = piece.partition("=")
            pairs.extend(parse_qsl(piece, keep_blank_values=True) if sep else [(key, unquote(key))])
    return pairs


def _fragment_pieces(fragment: str) -> list[str]:
    """A fragment's words (`#Zk3mQ9…`, `#key=…`, `#/route/…`): a file-sharing link's key travels there."""
    return [unquote(piece) for piece in re.split(r"[/&=?!]", fragment) if piece]


def _is_plain_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query
    )


def _is_plain_database_url(url: str) -> bool:
    """A PostgreSQL URL whose only secret is its userinfo: one host, a port, a database name, no fragment, and in its
    query only settings that name no secret (`?sslmode=require`; libpq takes a `password=` or an `sslkey` there
    too); and a password of at least MIN_LENGTH characters, whose own forms then find it in every encoding of the
    URL (base32 of a URL holding a 5-character one holds none of them: its groups are 5 bytes). Registered whole
    as well, such a URL only added a few dozen long forms a database, which a fleet of databases, each with its own
    password, paid for in every snapshot's automaton. Any other database URL (several hosts, a socket's path)
    stays one secret whole."""
    passwords = url_passwords(url)  # as written and decoded
    if not passwords or min(map(len, passwords)) < Redactor.MIN_LENGTH:
        return False
    try:
        parts = urlsplit(without_userinfo(url))
        parts.port  # noqa: B018 — raises for a port no parser reads, or several hosts (`h1:5432,h2:5432`)
    except ValueError:
        return False
    return (parts.scheme.lower() in ("postgres", "postgresql") and bool(parts.hostname) and "," not in parts.netloc
            and not parts.fragment and "/" not in parts.path[1:]
            and all(key in _PLAIN_DATABASE_SETTINGS and _SETTING_WORD.fullmatch(setting)
                    for key, setting in _query(parts.query)))


_PLAIN_DATABASE_SETTINGS = {"sslmode", "connect_timeout", "target_session_attrs", "channel_binding", "gssencmode"}
_SETTING_WORD = re.compile(r"[A-Za-z0-9_-]{1,32}")  # `require`, `10`, `read-write`


def encodings(value: str) -> set[str]:
    """The forms a secret travels in besides itself: URL-encoded, JSON-escaped, repr, hex, base64 —
    including base64 of the secret wrapped in something unknown (`user:secret` in a Basic header).
    Escapes mixed within one echo (Go's `\\u0026` next to a raw `/`) are read back by the unescaped view
    (`_View`), which looks for the secret and the few forms here that an escape does not make. A target may
    shout or fold what it echoes before a message quotes it (a content-coding lowercased, then shown in a repr):
    the quoted forms are those of the secret in each case — they compose, not a form per combination."""
    if len(value) > BIG_SECRET:
        return _big_secret_forms(value)
    raw = _bytes(value)
    # the whole secret respelled: its bytes, in hex or base64, or every byte escaped (`%73%33…`); and as echoed,
    # shouted, folded
    whole = {raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(),
             "".join(f"%{b:02X}" for b in raw), "".join(f"%{b:02x}" for b in raw), *_byte_encodings(raw),
             *_grouped_base32(value, raw)}
    for cased in dict.fromkeys((value, value.upper(), value.lower())):
        whole |= {cased, *_quoted_forms(cased)}
    whole |= _quote_doubled_forms(value)
    # what holds less than all of it, or the secret's bytes among others' (base64 behind a prefix)
    parts = {*_base64_pieces(raw), *_rare_spellings(value, raw), *_line_forms(value), *_broken_at_its_own(value),
             *_json_base64_pieces(value), *_other_bytes_forms(value, raw), *_base64_in_hex(raw)}
    parts.update(_unbroken_forms({value, *whole, *parts}))
    # a whole respelling tells the secret as the secret does, so it is looked for as short as a secret may be
    # (`KX7#Q2` of `Kx7#q2`); MIN_RUN is for parts, which must be told from ordinary text
    forms = {form for form in whole if len(form) >= Redactor.MIN_LENGTH}
    forms |= {form for form in parts if len(form) >= Redactor.MIN_RUN}
    forms.discard(value)
    return forms | set(_short_base64_pieces(raw)) | _short_json_base64_pieces(value)


def _other_bytes_forms(value: str, raw: bytes) -> set[str]:
    """The secret as other bytes, then respelled: UTF-16, either byte order (PowerShell's -EncodedCommand, .NET and
    Windows APIs write it little-endian, Java's getBytes(UTF_16) big-endian) in hex and in base64 (behind a prefix
    too), and a form body's URL-encoded secret in base64 (a gateway's `isBase64Encoded` body), where URL-encoding
    changes it. And its base64 shouted or folded (an echo that upper-cases a whole `Authorization: Basic …`
    line): a folded piece still tells most of the secret's characters, each but for its case."""
    forms: set[str] = set()
    for order in ("utf-16-le", "utf-16-be"):
        wide = value.encode(order, errors="surrogatepass")
        forms |= {wide.hex(), wide.hex().upper(), *_base64_pieces(wide)}
    form_body = quote(raw, safe="").encode()
    if form_body != raw:
        forms.update(_base64_pieces(form_body))
    for piece in _base64_pieces(raw):
        forms |= {piece.upper(), piece.lower()}
    return forms


def _base64_in_hex(raw: bytes) -> set[str]:
    """The secret's base64, whole and behind a prefix (`_base64_pieces`: the password in a Basic header's
    `user:password`), as a hexdump of the bytes that carry it shows it: `tcpdump -X` or `xxd` of a request's
    `Authorization: Basic …` (its hex column is read across its lines, as for the secret's own hex), either case.
    Hex of a pair's whole base64 is the header's. Of a small secret only, as its other rare spellings: each form is
    about 2.7 times its length."""
    if len(raw) > SMALL_SECRET_BYTES:
        return set()
    pieces = {base64.b64encode(raw).decode(), *_base64_pieces(raw)}
    return {hexed for piece in pieces for hexed in (piece.encode().hex(), piece.encode().hex().upper())}


def _quoted_forms(text: str) -> set[str]:
    """`text` as messages and pages quote it: HTML-, URL- and JSON-escaped, Python's repr, as a terminal or the
    report's markdown shows it (and that in JSON), its bytes and characters as programs show them (Python's reprs of
    it HTML-escaped too, `_reprs_as_read`)."""
    raw = _bytes(text)
    escaped = html.escape(text)  # an error page echoing it: &amp; &lt; &quot; and &#x27; (or &#39;)
    quoted = quote(raw, safe="")
    forms = {escaped, escaped.replace("&#x27;", "&#39;"), html.escape(text, quote=False),
             quoted, _lower_escapes(quoted), quote_plus(raw), json.dumps(text)[1:-1], repr(text)[1:-1],
             # the unescaped view reads a secret holding an escape's spelling (`ab%41`) as it reads the echo
             _View(text).text, text.replace(" ", "+")}
    for shown in shown_forms(text):
        forms.update((shown, json.dumps(shown, ensure_ascii=False)[1:-1], json.dumps(shown)[1:-1]))
    return forms | _byte_forms(raw) | _character_forms(text) | _reprs_as_read(raw, text)


def _quote_doubled_forms(text: str) -> set[str]:
    """A text holding a quote as SQL and CSV quote it: a `"` doubled (a quoted CSV field, as COPY … CSV or a
    spreadsheet writes it; quote_ident) or a `'` doubled (an SQL literal: quote_literal, format('%L'); a YAML
    single-quoted scalar), each also with the backslash doubled where the text holds one (a row's output doubles
    both; quote_literal then writes E'…\\\\…'). At most four forms, none for a text holding no quote inside; escaped
    again (a results.json, an HTML page), they are read back by the unescaped view. A quote that starts or ends the
    text stays single: a JSON string's or a repr's own quote beside it (`"…\\""`, read `…""`) would read as its pair,
    and the mask would take it and break the string; there the text itself is masked, up to the pair's first quote."""
    forms = set()
    for mark in "\"'":
        start, end = len(text) - len(text.lstrip(mark)), len(text.rstrip(mark))
        if mark in text[start:end]:
            doubled = text[:start] + text[start:end].replace(mark, mark * 2) + text[end:]
            forms.update((doubled, doubled.replace("\\", "\\\\")))
    return forms


def _reprs_as_read(raw: bytes, text: str) -> set[str]:
    """A text HTML- or XML-escaped, then shown as Python shows its bytes or characters (botocore's DEBUG log of an
    S3 error body: `&lt;` and `&amp;` beside the repr's `\\\\`, `\\'` and `\\xc3`). The unescaped view reads the
    entities, whichever spelled a character (`&lt;` or `&#60;`, `&apos;` or `&#x27;`), and the repr's own `\\\\` and
    `\\'` with them, but not its `\\xNN`: that copy reads there as the text's own repr reads there. So each repr as
    the view reads it: one form per repr whatever the entities, and none new where the view leaves the repr as it is
    (a secret of letters, digits and dashes is its own repr)."""
    shown = repr(raw)[2:-1]
    reprs = (shown, _LOWER_HEX_BYTE.sub(lambda m: "\\x" + m.group(1).upper(), shown), ascii(text)[1:-1])
    return {_View(form).text for form in reprs}


# A value longer than this (a file's content, a bundle) is looked for only in the forms a value that large travels in:
# 14 encodings of a 1 MB value were 27.5 M characters, seconds to build and ~2 GB in every process
BIG_SECRET = 16 * 1024


def _big_secret_forms(value: str) -> set[str]:
    """A big value as it travels: itself, in base64 (a Kubernetes secret, an attachment; MIME's wrapped lines are read
    without their breaks) and JSON-escaped (the same as itself for a blob of base64 or hex: free), and as `_Unbroken`
    reads each. URL-encoded (a form body) it is read back by the unescaped view, which reads any escape (it is
    looked for there as for mixed escapes): a form of its own would add a copy of the value to every process for
    nothing. No one sends a megabyte as hex, shouted or `%XX` per byte."""
    raw = _bytes(value)
    forms = {json.dumps(value)[1:-1], base64.b64encode(raw).decode()}
    forms.update(_unbroken_forms({value, *forms}))
    return {form for form in forms if form != value}


def _base64_pieces(raw: bytes, shortest: int | None = None, *, last: bool = False) -> list[str]:
    """For each of the three alignments base64 can put `raw` in, standard and URL-safe, the part of the encoding
    that depends on `raw` alone (characters touched by an unknown prefix or suffix are dropped). With last, `raw`
    ends what was encoded: its last group, partial, and the padding are its own too."""
    pieces = []
    for offset in range(3):
        start = math.ceil(offset * 4 / 3)
        end = None if last else (offset + len(raw)) // 3 * 4
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            pieces.append(encode(b"\0" * offset + raw).decode()[start:end])
    return [piece for piece in pieces if len(piece) >= (shortest or Redactor.MIN_RUN)]


def _json_spellings(value: str) -> set[str]:
    """The secret as JSON encoders write it inside a string, where that differs from it: ASCII-only (`\\u00e9`, a
    surrogate pair for a character beyond the BMP: Python's default, a JWT library's) or UTF-8, each also HTML-safe
    (`<`, `>`, `&`, U+2028 and U+2029 as `\\u003c`…: Go's encoding/json, a Kubernetes Secret's .dockerconfigjson)."""
    written = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    written |= {_JSON_HTML_UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), form) for form in written}
    written.discard(value)
    return written


_JSON_HTML_UNSAFE = re.compile("[<>&\u2028\u2029]")


def _json_base64_pieces(value: str) -> list[str]:
    """Base64 (behind a prefix, `_base64_pieces`) of the secret as JSON escaped it: JSON that was then encoded (a
    JWT's payload, a .dockerconfigjson) holds the escaped spelling's bytes, not the secret's. Not of a large
    secret: a few spellings each, every one longer than it, for a JSON-in-base64 of a key that size no one sends."""
    if len(_bytes(value)) > SMALL_SECRET_BYTES:
        return []
    return [piece for written in sorted(_json_spellings(value)) for piece in _base64_pieces(_bytes(written))]


def _short_json_base64_pieces(value: str) -> set[str]:
    """`_short_base64_pieces` of each JSON spelling of a short secret (`Kx7"q2` written `Kx7\\"q2`)."""
    if len(_bytes(value)) >= Redactor.MIN_RUN:
        return set()
    return {piece for written in _json_spellings(value) for piece in _short_base64_pieces(_bytes(written))}


SHORTEST_BASE64_PIECE = 5  # what a 6-character secret keeps of its own behind a prefix (`user:` in a Basic header)


def _short_base64_pieces(raw: bytes) -> list[str]:
    """A 6- or 7-character secret's base64 behind a prefix keeps only 5 or 6 characters that depend on it alone:
    those too, unless they read as a word or a number (base64 of ASCII mixes case and digits; a piece that does
    not would mask ordinary words). Found by chance in a random blob once in 64**5 places."""
    if len(raw) >= Redactor.MIN_RUN:  # every piece of a longer one is long enough
        return []
    return [piece for piece in _base64_pieces(raw, SHORTEST_BASE64_PIECE) if len(piece) < Redactor.MIN_RUN
            and re.search(r"\d|.[A-Z]", piece) and not _PLAIN_PIECE.fullmatch(piece)]


def _byte_encodings(raw: bytes) -> set[str]:
    """A secret's bytes encoded: hex with colons (a certificate tool), base32 (a TOTP seed's form; some write it
    lowercase)."""
    base32 = _base32(raw)
    return {raw.hex(":"), raw.hex(":").upper(), base32, base32.lower()}


# A secret up to this many bytes (a password, a token, a seed) is looked for in the rarer spellings too
# (`_rare_spellings`). A longer one (a 2 KB service-account key) travels in none, and those forms, each longer than
# it, would cost every process memory for nothing
SMALL_SECRET_BYTES = 512


def _rare_spellings(value: str, raw: bytes) -> set[str]:
    """A small secret's bytes as a hexdump prints them, its base32 behind a prefix, and base64 of its base64 (a
    Kubernetes Secret's data holding a pull secret's `auth`, itself base64 of `user:password`). Not of a URL or a
    `user:password` pair: their password is a secret of its own, whose spellings these hold."""
    if len(raw) > SMALL_SECRET_BYTES or "://" in value or isinstance(value, _PairText):
        return set()
    return _spaced_hex(raw) | _byte_lists(raw) | _base32_pieces(raw) | _base64_of_base64(raw)


def _spaced_hex(raw: bytes) -> set[str]:
    """A small secret's bytes as a hexdump prints them (`54 72 30 75`), either case."""
    return {raw.hex(" "), raw.hex(" ").upper()} if len(raw) <= SMALL_SECRET_BYTES else set()


def _byte_lists(raw: bytes) -> set[str]:
    """A small secret's bytes as programs list them when they dump it: in decimal (Python's list(b), Java's
    Arrays.toString, a Node Buffer's JSON without the blanks), .NET's BitConverter (`4B-71-37`), a C array as
    `xxd -i` writes it (`0x4b, 0x71`). Each form is about four times the secret's length, and the automaton grows
    with them: the rarer spellings (a C array in capitals) are left out."""
    return {", ".join(map(str, raw)), ",".join(map(str, raw)), raw.hex("-").upper(),
            ", ".join(f"0x{b:02x}" for b in raw)}


_BYTE_RUN_HINT = ("bytes",)  # what a `_byte_run_hints` word is in the automaton: no form, no anchor
HINTED_BYTES = 3  # a secret's first bytes whose pairs hint at it written a number a byte: a dump's line holds two


def _byte_run_hints(value: str) -> set[str]:
    """Where a small secret's bytes may be written a number a byte (`_Bytes` reads such runs across their lines, in
    their hex): two of its first bytes side by side, as each way writes them on a line — decimal (blanks or a comma
    between, od's right-aligned columns, Java's signed bytes), hex (od -tx1, `xxd -i`), octal (od -b), binary
    (`xxd -b`), od -c's characters. Found by the automaton's one pass, they spare the texts that hold none a reading (a
    regular expression looking for such runs anywhere cost 40 to 200 ms a MB, an automaton of their own 10). Not of a
    URL or a `user:password` pair, as `_rare_spellings`."""
    raw = _bytes(value)
    if len(raw) > SMALL_SECRET_BYTES or "://" in value or isinstance(value, _PairText):
        return set()
    hints: set[str] = set()
    for a, b in zip(raw[:HINTED_BYTES], raw[1:HINTED_BYTES]):
        signed_a, signed_b = a - 256 * (a > 127), b - 256 * (b > 127)
        hints |= {f"{a} {b}", f"{a},{b}", f"{a}, {b}", f"{a}{b:>4}", f"{signed_a}{signed_b:>5}",
                  f"{signed_a}, {signed_b}", f"{a:02x} {b:02x}", f"0x{a:02x}, 0x{b:02x}", f"0x{a:02x},0x{b:02x}",
                  f"{a:03o} {b:03o}", f"{a:08b} {b:08b}", _od_cell(a).lstrip(" ") + _od_cell(b),
                  f"0X{a:02X}, 0X{b:02X}", f"{a:02X} {b:02X}",  # `xxd -i -u`, `xxd -u -g1`
                  # one a line (od -w1), as the text reads without its line breaks and the indentation after them
                  f"{a}{b}", f"{signed_a}{signed_b}", f"{a:03o}{b:03o}"}
    for a in raw[:1]:  # one a line behind xxd -c1's offset, its character after it: the first byte beside that
        shown = chr(a) if 32 <= a < 127 else "."
        hints |= {f"{a:02x}  {shown}", f"{a:02X}  {shown}", f"{a:08b}  {shown}"}
    return hints


def _base64_of_base64(raw: bytes) -> set[str]:
    """Base64 of the secret's own base64 at each alignment (its base64 behind a prefix, `user:` of a pull secret's
    `auth`), each encoded again at each alignment: the characters that depend on the secret alone, both times."""
    inner = [base64.b64encode(b"\0" * offset + raw)[math.ceil(offset * 4 / 3):(offset + len(raw)) // 3 * 4]
             for offset in range(3)]
    found = {base64.b64encode(base64.b64encode(raw)).decode()}
    for piece in inner:
        for offset in range(3):
            start, end = math.ceil(offset * 4 / 3), (offset + len(piece)) // 3 * 4
            found.add(base64.b64encode(b"\0" * offset + piece).decode()[start:end])
    return {form for form in found if len(form) >= Redactor.MIN_RUN}


def _base32_pieces(raw: bytes) -> set[str]:
    """For each of the five alignments base32 can put `raw` in (behind a prefix: `k=` before a seed), the
    characters that depend on `raw` alone, either case; the first alignment is `_base32`'s."""
    pieces: set[str] = set()
    if len(raw) > SMALL_SECRET_BYTES:
        return pieces
    for offset in range(1, 5):
        start, end = math.ceil(offset * 8 / 5), (offset + len(raw)) * 8 // 5
        piece = base64.b32encode(b"\0" * offset + raw).decode()[start:end]
        if len(piece) >= Redactor.MIN_RUN:
            pieces.update((piece, piece.lower()))
    return pieces


def _base32(raw: bytes) -> str:
    """The characters of base32 that hold `raw`'s bits alone (the last one, padded with zeros, and `=` follow)."""
    return base64.b32encode(raw).decode()[:len(raw) * 8 // 5]


def _grouped_base32(value: str, raw: bytes) -> set[str]:
    """A TOTP seed as an authenticator's setup page shows it: base32 in groups of four, either case — the seed itself
    where it is base32, else a seed-sized secret's bytes in base32 (a longer one is no seed: its forms would cost
    every process memory for nothing)."""
    if _BASE32_TEXT.fullmatch(value):
        shown = value.rstrip("=").upper()
    elif len(raw) <= SEED_BYTES:
        shown = _base32(raw)
    else:
        return set()
    grouped = " ".join(re.findall(".{1,4}", shown))
    return {grouped, grouped.lower()}


SEED_BYTES = 40  # a TOTP seed's bytes at most: RFC 4226 asks for 20, some issue 32
_BASE32_TEXT = re.compile(r"[A-Za-z2-7]{16,}=*")


def _encodings_ending_it(raw: bytes) -> list[str]:
    """Base64 (each alignment, either alphabet) and base32 of a secret that ends what was encoded, its last partial
    group and padding included: where an excerpt starts in that tail (`'…DJWbjhSYjQ='`), the piece of its own
    that `_base64_pieces` and `_base32` stop short of holds the secret's last bytes."""
    base32 = base64.b32encode(raw).decode()
    return [*_base64_pieces(raw, last=True), base32, base32.lower()]


def _byte_forms(raw: bytes) -> set[str]:
    """A text's bytes as programs show them: quoted-printable (`=C3=BC`, `=` as `=3D`; its soft breaks are
    `_Unbroken`'s); and, where they differ from the text itself, Python's bytes repr (`\\xc3\\xbc`, httpcore's
    DEBUG log of headers; some write `\\xC3`), PostgreSQL's encode(…, 'escape') (`\\303\\274`, a backslash
    doubled) and bytea's escape output (a control character in octal too: `\\011`), every byte but printable ASCII
    in octal, the backslash as `\\134` (an E'' string or a bytea literal written to be read back: PostgreSQL reads
    that, writes none), and UTF-8 read as Latin-1 or Windows-1252 (`Ã¼`: a reply labelled iso-8859-1)."""
    forms = {binascii.b2a_qp(raw, quotetabs=True).replace(b"=\n", b"").decode("ascii")}
    if _PRINTABLE_NO_BACKSLASH.fullmatch(raw):  # the rest read as the secret, or as its str repr
        return forms
    shown = repr(raw)[2:-1]
    forms.update((shown, _LOWER_HEX_BYTE.sub(lambda m: "\\x" + m.group(1).upper(), shown), raw.decode("latin-1"),
                  "".join("\\\\" if b == 0x5C else chr(b) if b < 0x80 else f"\\{b:03o}" for b in raw),
                  _octal_escaped(raw, "\\\\"), _octal_escaped(raw, "\\134")))
    try:
        forms.add(raw.decode("cp1252"))
    except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined: no program shows it that way
        pass
    return forms


_LOWER_HEX_BYTE = re.compile(r"\\x([0-9a-f]{2})")
_PRINTABLE_NO_BACKSLASH = re.compile(rb"[\x20-\x5b\x5d-\x7e]*")  # bytes every byte form shows as they are


def _octal_escaped(raw: bytes, backslash: str) -> str:
    """Bytes with each but printable ASCII written as an octal escape, the backslash as `backslash`."""
    return "".join(backslash if b == 0x5C else chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}" for b in raw)


def _character_forms(value: str) -> set[str]:
    """A secret's characters as programs change them: Python's ascii() (`\\xfc`), both Unicode normal forms (a
    macOS file name is NFD, a normalising form NFC), '+' read as a space (a form decoded), a certificate
    subject's RFC 4514 escapes (`CN=key\\+x`), and its ASCII in full-width forms (`Ｋｑ７…`, which NFKC folds
    back: an East Asian input method's, or an echo dodging a filter)."""
    forms = {value.replace("+", " "), *(escape.sub(r"\\\g<0>", value) for escape in _RFC4514_ESCAPES),
             value.translate(_FULL_WIDTH)}
    if not value.isascii():
        forms.update((ascii(value)[1:-1], unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value)))
        forms.update(_hex_escaped(value))
    return forms


_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}


def _hex_escaped(value: str) -> set[str]:
    """A secret's characters beyond ASCII written as hex escapes, as YAML and Python read them: yaml.dump's form
    (`\\xE4`, `\\u2028` as `\\L`, a no-break space as `\\_`, upper-case hex) and each width of escape (`\\xe4`,
    `\\u00e4`, `\\U000000e4`) in either case — a comment or a log line quoting the password so."""
    widths = [{1: "\\x%02x", 2: "\\u%04x", 4: "\\U%08x"}, {2: "\\u%04x", 4: "\\U%08x"}, {4: "\\U%08x"}]
    forms = set()
    for width in widths:  # the narrowest escape that holds the character, from \x, \u or \U up
        written = "".join(char if char.isascii() else next(
            spelling % ord(char) for size, spelling in width.items() if ord(char) < 1 << 8 * size) for char in value)
        forms.update((written, _LOWER_HEX_ESCAPE.sub(lambda m: m.group(1) + m.group(2).upper(), written)))
    forms.add("".join(map(_yaml_escaped, value)))
    return forms


def _yaml_escaped(char: str) -> str:
    """A character as yaml.dump writes it in a double-quoted scalar."""
    if char in _YAML_SHORT_ESCAPES:
        return _YAML_SHORT_ESCAPES[char]
    if char.isascii() and char.isprintable():
        return char
    return ("\\x%02X" if ord(char) < 0x100 else "\\u%04X" if ord(char) < 0x10000 else "\\U%08X") % ord(char)


_LOWER_HEX_ESCAPE = re.compile(r"(\\[xuU])([0-9a-f]+)")
# the characters yaml.dump writes as a short escape in a double-quoted scalar, but its `\\"` and `\\\\`: the unescaped
# view reads those (a form holding one, cut at an excerpt's edge, could take half of JSON's escape of a quote)
_YAML_SHORT_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                       "\v": "\\v", "\f": "\\f", "\r": "\\r", "\x1b": "\\e", "\x85": "\\N", "\xa0": "\\_",
                       "\u2028": "\\L", "\u2029": "\\P"}


# what RFC 4514 escapes in a name's value (as cryptography writes it), and with '=' and '#' too (as OpenSSL does)
_RFC4514_ESCAPES = (re.compile(r'[\\"+,;<>]'), re.compile(r'[\\"+,;<>=#]'))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PEM_ARMOUR = re.compile(r"-----(?:BEGIN|END) [^-]*-----")


def _key_lines(value: str) -> list[str]:
    """The pieces of a secret of several lines, or of JSON, worth masking alone: its key material — a PEM key's
    body lines, as a dotenv value holds it or a JSON string does (`\\n`-joined), a key id. Never its armour, a JSON
    field (`"type": "service_account",`), a URL or words: the archive's last scrub reads whole files, and a mask
    of such a line would cut their JSON (`"row": {[redacted …] "n": 3}`) or hide a public address."""
    pieces = (piece.strip() for piece in _KEY_LINE_CUT.split(value))
    return [piece for piece in dict.fromkeys(pieces) if _key_material(piece)]


_KEY_LINE_CUT = re.compile(r'\r\n|\r|\n|\\[nr]|"')  # a line break, JSON's escaped one, a JSON string's quote
_KEY_CHARACTERS = re.compile(r"[A-Za-z0-9+/=_-]+")  # base64's (either alphabet), a token's: no blank, quote, ':', ','


def _key_material(piece: str) -> bool:
    """Long, of a key's characters only, and not words, a number or a path (`service_account`, `/o/oauth2/auth`)."""
    return (_KEY_CHARACTERS.fullmatch(piece) is not None and _short_key(piece)
            and not all(_PLAIN_PIECE.fullmatch(word) for word in piece.split("/") if word))


# JSON's structure beside a value: a quote against ':', ',' or a bracket. A secret holding it (a service-account
# key of one line) is masked whole, and where a text cuts it only by its key material
_JSON_STRUCTURE = re.compile(r'"\s*[:,\]}]|[\[{:,]\s*"')


def _line_forms(value: str) -> set[str]:
    """A value of several lines travels LF- or CRLF-joined, a line at a time, its body on one line (the key
    without its armour), and as `_Unbroken` reads a text: all of it with its breaks removed. Of those lines, and of
    a JSON value's strings, only key material travels alone (`_key_lines`)."""
    lines = _LINE_BREAK.split(value)
    pieces = set(_key_lines(value)) if len(lines) > 1 or _JSON_STRUCTURE.search(value) else set()
    if len(lines) < 2:
        return pieces
    body = [line.strip() for line in lines if not _PEM_ARMOUR.fullmatch(line.strip())]
    return {"\n".join(lines), "\r\n".join(lines), "".join(body), _BROKEN_LINE.sub("", value), *pieces}


def _unbroken_forms(forms: set[str]) -> set[str]:
    """A text with a line break is read only without its breaks (`_Unbroken`): each form as it reads there where a
    break is in it (a secret of several lines), right after it ('=' before a break is dropped) or right before it
    (the blanks after a break are)."""
    found = set()
    for form in forms:
        if "\n" in form or "\r" in form:
            found.add(_BROKEN_LINE.sub("", form))
        if form.endswith("="):
            found.add(form[:-1])
        if form.startswith((" ", "\t")):
            found.add(form.lstrip(" \t"))
        if _holds_soft_wrap(form):  # read without its own soft-wrap marks
            found.add(_SOFT_WRAP_OR_BREAK.sub("", form))
    return found


def _broken_at_its_own(value: str) -> set[str]:
    """`_Unbroken` drops a line break with the '=' before it (quoted-printable's soft break) and the blanks after
    it (a folded header): a secret broken right after one of its own '=', or where a wrap took a space (a
    passphrase), reads there without that character. One form per such character, for a one-line secret that
    holds a few (a long sentence held as a secret is left to its other forms)."""
    at = [i for i, char in enumerate(value) if char in "= \t"]
    if "\n" in value or "\r" in value or len(at) > 16:
        return set()
    return {value[:i] + value[i + 1:] for i in at}


def _lower_escapes(quoted: str) -> str:
    """`%2F` written `%2f`, as some encoders do."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quoted)


# Echoes escape a secret's characters one by one, in mixed styles: Go's JSON writes `&` as \u0026 but leaves `/`,
# PHP's writes `/` as \/, Go's templates `+` as &#43;, encodeURIComponent leaves !'()* as they are.
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+"  # URL: a run, read as UTF-8 bytes
                     r"|(?:%u[0-9A-Fa-f]{4})+"  # JavaScript's escape(): a run, read as UTF-16
                     r"|(?:\\u[0-9A-Fa-f]{4})+"  # JSON: a run, read as UTF-16 (a surrogate pair is one character)
                     r"|\\u\{[0-9A-Fa-f]{1,6}\}|\\U[0-9A-Fa-f]{8}"  # a code point: JavaScript's \u{2d}, YAML's \U…
                     r"|(?:\\x[0-9A-Fa-f]{2})+"  # Python's and JavaScript's \x4b: a run, bytes' UTF-8 or characters
                     r"|(?:\\[0-3][0-7]{2})+"  # octal, C's and bytea's: a run, read as UTF-8 bytes
                     r"|\\[\\/\"'bfnrt]"  # JSON's (and JavaScript's) short escapes
                     # HTML, zeros allowed; a numeric one without its `;` too, as HTML5 reads it
                     r"|&(?:#[0-9]{1,8};?|#[xX][0-9A-Fa-f]{1,8};?|[A-Za-z][A-Za-z0-9]{1,31};)")
# one escape of those, each on its own (a run of %XX is a run of escapes here), by the character it starts with
_FIRST_ESCAPES = (r"%(?:[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})",
                  r"\\(?:u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|[0-3][0-7]{2}"
                  r"|[\\/\"'bfnrt])",
                  r"&(?:#[0-9]{1,8};?|#[xX][0-9A-Fa-f]{1,8};?|[A-Za-z][A-Za-z0-9]{1,31};)")
_ONE_ESCAPE = "|".join(_FIRST_ESCAPES)


@functools.lru_cache(maxsize=64)
def _escape_runs(shortest: int) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """At least `shortest` escapes in a row (possessive: a long run is not tried again from each of its escapes); and
    the same by the kind of escape a run starts with, which say at once whether a text holds any run: a pattern that
    starts with one character searches a long text for it tens of times faster than one starting with a choice (3 ms
    against 40 for a run's 3 MB archive). A run the first pattern finds, the pattern of its first escape finds there
    or earlier: the same escapes read the same way from there."""
    runs = re.compile(rf"(?:{_ONE_ESCAPE}){{{shortest},}}+")
    rest = max(shortest - 1, 0)
    return runs, tuple(re.compile(rf"(?:{first})(?:{_ONE_ESCAPE}){{{rest},}}+") for first in _FIRST_ESCAPES)


_SHORT_ESCAPES = {"\\": "\\", "/": "/", '"': '"', "'": "'", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@functools.lru_cache(maxsize=4096)  # a text repeats its escapes (&amp;, \n, %2F)
def _unescape(escape: str) -> tuple[tuple[str, int], ...] | None:
    """What an escape (or a run of them) reads as: each character and how many characters of the escape
    it takes (a run of %XX, of octal or \\x escapes is UTF-8 bytes, of \\uXXXX or %uXXXX UTF-16 units); None when it
    reads as nothing."""
    if escape[0] == "%" and escape[1] != "u":
        chars = bytes.fromhex(escape.replace("%", "")).decode("utf-8", "surrogateescape")
        return tuple((char, 3 * len(_bytes(char))) for char in chars)
    if escape[:2] in ("\\u", "%u") and escape[2] != "{":
        units = "".join(chr(int(escape[i + 2:i + 6], 16)) for i in range(0, len(escape), 6))
        chars = units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return tuple((char, 12 if ord(char) > 0xFFFF else 6) for char in chars)
    if escape[:2] == "\\x" or escape[0] == "\\" and escape[1].isdigit():
        raw = (bytes.fromhex(escape.replace("\\x", "")) if escape[1] == "x"
               else bytes(int(escape[i + 1:i + 4], 8) for i in range(0, len(escape), 4)))
        try:  # a bytes' repr, bytea's output: UTF-8; else each a character (a str's repr: `\xe4` is ä)
            return tuple((char, 4 * len(char.encode())) for char in raw.decode("utf-8"))
        except UnicodeDecodeError:
            return tuple((char, 4) for char in raw.decode("latin-1"))
    if escape[0] == "\\":
        code = int(escape[3:-1], 16) if escape[1] == "u" else int(escape[2:], 16) if escape[1] == "U" else None
        chars = _SHORT_ESCAPES[escape[1]] if code is None else chr(code) if code <= 0x10FFFF else None
    elif escape[1] != "#":
        chars = html5.get(escape[1:])
    else:
        digits = escape[2:].removesuffix(";")
        code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
        chars = chr(code) if code <= 0x10FFFF else None
    return ((chars, len(escape)),) if chars else None  # a few named entities read as two characters


def _may_hold_escape(text: str) -> bool:  # cheap: most texts hold none
    return "%" in text or "\\" in text or ("&" in text and (";" in text or "&#" in text))


# where an escape may start: `_ESCAPE`'s every choice starts with one of these characters
_ESCAPE_START = re.compile(r"[%\\&]")


def _read_escapes(text: str, read: Callable[[re.Match[str]], str]) -> str:
    """`_ESCAPE.sub(read, text)`, tried only where an escape may start: the choice at every character cost ~50 µs
    per KB of text (an archive's Allure results: the writer's end scrub of a thousand-item run spent 170 ms there)."""
    out: list[str] = []
    done = 0
    for start in _ESCAPE_START.finditer(text):
        at = start.start()
        if at < done:  # inside the escape just read
            continue
        found = _ESCAPE.match(text, at)
        if found is not None:
            out += (text[done:at], read(found))
            done = found.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


class _View:
    r"""A text with every escape read as what it stands for (`\u0026` as `&`, `&#43;` as `+`, `%2f` as `/`), and
    the way back from a position in it to one in the text: a secret found here is masked there."""

    def __init__(self, text: str) -> None:
        self._escapes: list[tuple[int, int, int]] = []  # per escaped character: its start, end, length read
        self.text = _read_escapes(text, self._read)
        self._map: tuple[list[int], list[int], list[bool]] | None = None

    @staticmethod
    def of(text: str) -> "_View | None":
        """The view of a text that holds an escape; None for the rest (most texts)."""
        if not _may_hold_escape(text):
            return None
        view = _View(text)
        return view if view._escapes else None

    def _read(self, match: re.Match[str]) -> str:
        read = _unescape(match.group())
        if read is None:
            return match.group()
        if len(read) == 1:  # most escapes: one character
            self._escapes.append((match.start(), match.end(), len(read[0][0])))
            return read[0][0]
        at = match.start()
        for chars, width in read:
            self._escapes.append((at, at + width, len(chars)))
            at += width
        return "".join(chars for chars, _ in read)

    def _pieces(self) -> tuple[list[int], list[int], list[bool]]:
        """Where each piece (an escaped character, the text between two) starts in the view and in the text, and
        whether it is text as written (mapped character by character) or an escape (mapped whole)."""
        if self._map is None:
            at_view, at_text, written, shift = [0], [0], [True], 0
            for start, end, length in self._escapes:
                at_view.append(start - shift), at_text.append(start), written.append(False)
                shift += end - start - length
                at_view.append(end - shift), at_text.append(end), written.append(True)
            self._map = at_view, at_text, written
        return self._map

    def start(self, at: int) -> int:
        """Where the view's character `at` starts in the text."""
        at_view, at_text, written = self._pieces()
        i = bisect.bisect_right(at_view, at) - 1
        return at_text[i] + (at - at_view[i] if written[i] else 0)

    def end(self, at: int) -> int:
        """Where the view's characters before `at` end in the text."""
        at_view, at_text, written = self._pieces()
        i = bisect.bisect_right(at_view, at - 1) - 1
        return at_text[i] + (at - at_view[i]) if written[i] else at_text[i + 1]


# A line break as `_Unbroken` drops it: with quoted-printable's '=' before it (a soft break) and the blanks after it
# (a folded header's, an indented block's)
_BROKEN_LINE = re.compile(r"=?(?:\r\n|\r|\n)[ \t]*")
_LF_AND_BLANKS = re.compile(r"\n[ \t]*")  # the same in a text with no CR and no '=' before a break: found faster
_HARD_BREAK = re.compile(r"(?:\r\n|\r|\n)[ \t]*")  # the same, a '=' before it left (`_Unbroken.keeping_equals`)
_EQUALS_BEFORE_BREAK = re.compile(r"=[\r\n]")
# A line break escaped (JSON's or repr's `\n`, `\u000a`, a URL's `%0A`, HTML's `&#10;`, `&#010;` or `&NewLine;`) or
# not, and the blanks after it, escaped or not: an escaped copy of a secret wrapped (MIME's base64 in a JSON string,
# PostgreSQL's base64 at 76 columns in a repr). Escaped again too (a JSON body logged as a JSON string: `\\n`, a URL
# in a URL's query: `%250A`): a text far longer than an escape's reach is read escape by escape only at its ends and
# anchors, and a secret of letters and digits has no anchor
_ESCAPED_BREAK = re.compile(r"\\[rn]|\\u000[aAdD]|%(?:25)?0[aAdD]|&(?:#0*1[03]|#[xX]0*[aAdD]|NewLine);")
_A_BREAK = r"\\\\*(?:[rn]|u000[aAdD])|%(?:25)?0[aAdD]|&(?:#0*1[03]|#[xX]0*[aAdD]|NewLine);|\r|\n"
_A_BLANK = r"[ \t]|\\\\*(?:t|u00(?:20|09))|%(?:25)?(?:20|09)|&(?:#0*(?:32|9)|#[xX]0*(?:20|9)|Tab);"
# (each alternative led by a character of its own: re skips to those, where a repeated group made it try everywhere;
# possessive: a run of 20,000 breaks kept no place to go back to, 5 MB)
_ANY_BREAK = re.compile(rf"(?:{_A_BREAK})(?:{_A_BREAK}|{_A_BLANK})*+")


# A mark that breaks a line only where it must, invisible otherwise: a zero-width space, joiner or non-joiner, a word
# joiner, a soft hyphen (as a character or HTML's entity) and HTML's <wbr>. A page or a template puts them inside long
# words (a token in a table cell) so that a browser may wrap there; the token's text is whole without them. So is it
# without the other marks that show as nothing (a byte order mark, the invisible operators, direction marks) and a
# terminal's colour codes (ESC [ … m): a log line echoing a token, coloured in pieces, reads as the token
# — every code point Unicode calls Default_Ignorable_Code_Point, as DerivedCoreProperties.txt lists it (unicodedata
# does not tell): with those, a combining grapheme joiner, variation selectors, Hangul fillers, tag characters — and a
# line or paragraph separator, which breaks a copy as a line break does
_DEFAULT_IGNORABLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
                      "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8")
_DEFAULT_IGNORABLE_BEYOND_BMP = "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"  # tags, selectors
_SOFT_WRAP_CHARACTERS = _DEFAULT_IGNORABLE + "\u2028\u2029" + _DEFAULT_IGNORABLE_BEYOND_BMP
_SOFT_WRAP_ENTITY = r"&(?:shy|ZeroWidthSpace|#0*(?:173|820[345]|8288)|#[xX]0*(?:[aA][dD]|200[bBcCdD]|2060));"
_SOFT_WRAP_TAG = r"<(?i:wbr)\s*/?>"
_TERMINAL_CODE = r"\x1b\[[0-?]*[ -/]*[@-~]"  # ECMA-48's control sequence: colours, bold, cursor moves
# (and a tab: a copy a tab split, as a table's column or a pasted key, reads whole without it)
_SOFT_WRAP = rf"[{_SOFT_WRAP_CHARACTERS}\t]|{_SOFT_WRAP_ENTITY}|{_SOFT_WRAP_TAG}|{_TERMINAL_CODE}"
# searched apart, from the first character past the Latin letters (a text in Latin script holds no mark but a soft
# hyphen, which is found faster alone), and beyond the BMP only in a text holding such a character: a class of them all
# took 40 ms a MB, these 2
_INVISIBLE_MARK = re.compile(f"[{_DEFAULT_IGNORABLE}\u2028\u2029]")
_INVISIBLE_MARK_BEYOND_BMP = re.compile(f"[{_DEFAULT_IGNORABLE_BEYOND_BMP}]")
_BEYOND_LATIN = re.compile("[^\x00-\u02ff]")
# a tab, or a line break with the blanks after it: all a text holds to be read without, most often (a table, a log)
_TAB_OR_LINE_BREAK = re.compile(r"=?(?:\r\n|\r|\n)[ \t]*|\t")
# searched apart: a pattern that starts with one character scans a long text for it tens of times faster
_SOFT_WRAP_ENTITY_MARK, _SOFT_WRAP_TAG_MARK = re.compile(_SOFT_WRAP_ENTITY), re.compile(_SOFT_WRAP_TAG)
_SOFT_WRAP_OR_BREAK = re.compile(rf"{_SOFT_WRAP}|=?(?:\r\n|\r|\n)[ \t]*")


# Characters each beside one to three NULs, four in a row: UTF-16 (either byte order) or UTF-32 read as UTF-8. (Not
# a NUL between texts, as the archive's scrub and its inputs' check join them with.)
_WIDE_CHARACTERS = re.compile(r"(?:[^\x00]\x00{1,3}){4}|(?:\x00{1,3}[^\x00]){4}")
# what either way of it holds: three characters each after a NUL, and a NUL after them. Searched first: a pattern that
# starts with one character skips to it, where the one above is tried at every position (the archive's scrub reads
# its whole joined text so: 150 ms for 2 MB, against 1 ms)
_WIDE_HINT = re.compile(r"\x00[^\x00]\x00{1,3}[^\x00]\x00{1,3}[^\x00]\x00")
_NULS = re.compile(r"\x00+")


def _holds_soft_wrap(text: str) -> bool:
    """Cheap for most texts: ASCII, with no entity or tag a soft-wrap mark could be."""
    return "\t" in text or _holds_other_soft_wrap(text)


def _holds_other_soft_wrap(text: str) -> bool:
    """A soft-wrap mark other than a tab."""
    if not text.isascii() and _holds_invisible_mark(text):
        return True
    return ("\x1b[" in text or ("&" in text and _SOFT_WRAP_ENTITY_MARK.search(text) is not None)
            or ("<" in text and _SOFT_WRAP_TAG_MARK.search(text) is not None))


def _holds_invisible_mark(text: str) -> bool:
    if "\u00ad" in text:
        return True
    beyond = _BEYOND_LATIN.search(text)
    if beyond is None:
        return False
    return _INVISIBLE_MARK.search(text, beyond.start()) is not None or (
        # a character beyond the BMP makes UTF-16 longer than two bytes a character: 0.5 ms a MB to know
        len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text)
        and _INVISIBLE_MARK_BEYOND_BMP.search(text, beyond.start()) is not None)


class _Unbroken:
    """A text read without its line breaks (`_BROKEN_LINE`), and the way back from a position in it to one in the
    text: a secret a wrap or a fold broke (a log line wrapped, MIME's base64 at 76 columns, a folded header) is
    found whole here and masked there from its first character to its last, the breaks inside it too."""

    def __init__(self, text: str, *, soft_breaks: bool = True, breaks: re.Pattern[str] | None = None) -> None:
        self.original = text
        self.breaks = breaks or (_BROKEN_LINE if soft_breaks else _HARD_BREAK)
        # the same reading, cheaper where it can be: most texts hold no CR and no soft break, many no indentation
        if breaks is _TAB_OR_LINE_BREAK and "\r" not in text and "=\n" not in text and "=\t" not in text:
            text = text.replace("\t", "")  # (no '=' then comes before a line break, as a tab was between them)
            self.text = _LF_AND_BLANKS.sub("", text) if "\n " in text else text.replace("\n", "")
        elif breaks is not None or not soft_breaks:
            self.text = self.breaks.sub("", text)
        elif "\r" in text or "=\n" in text:
            self.text = _BROKEN_LINE.sub("", text)
        elif "\n " in text or "\n\t" in text:
            self.text = _LF_AND_BLANKS.sub("", text)
        else:
            self.text = text.replace("\n", "")
        self._map: tuple[list[int], list[int]] | None = None

    @staticmethod
    def of(text: str) -> "_Unbroken | None":
        """The text read without its line breaks and soft-wrap marks; None for a text that holds none."""
        if _holds_other_soft_wrap(text):
            return _Unbroken(text, breaks=_SOFT_WRAP_OR_BREAK)
        if "\t" in text:
            return _Unbroken(text, breaks=_TAB_OR_LINE_BREAK)
        return _Unbroken(text) if "\n" in text or "\r" in text else None

    @staticmethod
    def of_escaped(text: str) -> "_Unbroken | None":
        """The text read without its line breaks, escaped ones too; None for a text that holds no escaped break."""
        return _Unbroken(text, breaks=_ANY_BREAK) if _ESCAPED_BREAK.search(text) else None

    def keeping_equals(self) -> "_Unbroken | None":
        """The text read again, a '=' before a break kept, where it holds one: a soft break's, or a secret's own last
        (`q83kTw==` ending a header line, `Xk7=` of `Xk7=Qp2z` wrapped there), whose shorter forms without it are
        too short to look for everywhere."""
        return _Unbroken(self.original, soft_breaks=False) if _EQUALS_BEFORE_BREAK.search(self.original) else None

    def _removed(self) -> tuple[list[int], list[int]]:
        """Where each removed break was in the view, and how many characters were removed up to its end."""
        if self._map is None:
            at_view, removed, total = [], [], 0
            for match in self.breaks.finditer(self.original):
                at_view.append(match.start() - total)
                total += match.end() - match.start()
                removed.append(total)
            self._map = at_view, removed
        return self._map

    def start(self, at: int) -> int:
        """Where the view's character `at` is in the text."""
        at_view, removed = self._removed()
        i = bisect.bisect_right(at_view, at)
        return at + (removed[i - 1] if i else 0)

    def end(self, at: int) -> int:
        """Where the view's characters before `at` end in the text: the break after the last is left, a '=' before
        that break taken (a secret's own last '=', padding or a soft break: either way no text of its own)."""
        after = self.start(at - 1) + 1
        return after + 1 if self.original.startswith("=", after) and _BROKEN_LINE.match(self.original, after) else after


class _Kept(_Unbroken):
    """A text read as some of its pieces alone, joined, each without its blanks (`regions`: (start, end) in order): a
    hexdump's hex digits, or its printable column, across its lines. A secret found here is masked there from its
    first character to its last."""

    def __init__(self, text: str, regions: list[tuple[int, int]], *, blanks: bool = False,
                 heads: list[int] | None = None) -> None:
        self.original = text
        self.heads = heads or []  # where in `text` a piece starts that a cut began
        self.breaks = _NEVER  # nothing between two pieces tells two numbers apart: a dump's lines are one run of bytes
        self.regions, self.blanks = regions, blanks
        self.text = "".join(text[start:end] if blanks else "".join(text[start:end].split()) for start, end in regions)
        self._map = None

    def _removed(self) -> tuple[list[int], list[int]]:
        if self._map is None:  # asked only where a secret was found: most dumps hold none
            kept = self.regions if self.blanks else [
                m.span() for start, end in self.regions for m in _NOT_BLANK.finditer(self.original, start, end)]
            at_view, removed, total, last = [], [], 0, 0
            for start, end in kept:
                if start > last:
                    at_view.append(last - total)
                    total += start - last
                    removed.append(total)
                last = end
            self._map = at_view, removed
        return self._map


class _Squeezed(_Unbroken):
    """A text read as its ASCII letters and digits alone, all else left out (`_Matcher._found_regrouped`): by bytes,
    a twentieth of what the pattern's substitution costs (a text's other characters are bytes above 0x7F in UTF-8)."""

    def __init__(self, text: str) -> None:
        self.original, self.breaks, self._map = text, _NOT_ALNUM, None
        self.text = text.encode("utf-8", "surrogatepass").translate(None, _NOT_ALNUM_BYTES).decode("ascii")


_NOT_ALNUM_BYTES = bytes(byte for byte in range(256) if not chr(byte).isascii() or not chr(byte).isalnum())
_NOT_BLANK = re.compile(r"\S+")
_NEVER = re.compile(r"(?!)")
# A hexdump's line (`hexdump -C`, `xxd`, tcpdump's `-X`): an offset, the bytes in hex one or two at a time spaced by
# one or two blanks (or in binary, `xxd -b`'s octets, read as bytes by `_Bytes`), and maybe the printable column
# (`|x-api-key: Kq7…|`, or after two blanks); ended by LF, CRLF or a CR alone (a dump of raw HTTP written with its own
# line ends)
_DUMP_OFFSET_AND_BYTES = (r"(?<![0-9A-Za-z])(?:0[xX])?[0-9A-Fa-f]{4,16}:?[ \t]{1,3}"
                          r"((?:[0-9A-Fa-f]{2}){1,2}(?:[ \t]{1,2}(?:[0-9A-Fa-f]{2}){1,2}){0,15}"
                          r"|[01]{8}(?:[ \t][01]{8}){0,7})")
_DUMP_LINE = re.compile(_DUMP_OFFSET_AND_BYTES +
                        r"(?:[ \t]{2,}(\|[^\r\n]{0,16}\||[^\r\n]{1,16}?))?[ \t]*(?=[\r\n]|\Z)")
# the same line with other text running on after its printable column (a `</pre>`, a JSON string's closing quote)
_DUMP_LINE_RUNNING_ON = re.compile(_DUMP_OFFSET_AND_BYTES + r"[ \t]{2,}(?=[^ \t\r\n])")
_DUMP_LINE_START = re.compile(r"(?<![0-9A-Za-z])(?:0[xX])?[0-9A-Fa-f]{4}")  # where a dump's line may start
_DUMP_REACH = 128  # how far before a hint (`_DUMP_HINT`) its line's offset may be: the offset, 16 groups of hex
# where three of a dump's bytes are spaced: `hexdump -C`'s two blanks after the offset or in the middle (in a long text
# looked for only beside the two blanks that lead its printable column, `  |`: trying a text's every blank took 20 ms a
# MB of prose), `xxd`'s and tcpdump's colon; then the dump's every line where a blank leads three bytes
_DUMP_HINTS = (re.compile(r"  [0-9A-Fa-f]{2} [0-9A-Fa-f]{2} [0-9A-Fa-f]{2}"),
               re.compile(r":[ \t]{1,2}(?:[0-9A-Fa-f]{4} [0-9A-Fa-f]{4} [0-9A-Fa-f]{4}|[01]{8} [01]{8} [01]{8})"))
_DUMP_HINT = re.compile(r" (?:[0-9A-Fa-f]{2}[ \t]{1,2}[0-9A-Fa-f]{2}[ \t]{1,2}[0-9A-Fa-f]{2}"
                        r"|[0-9A-Fa-f]{4} [0-9A-Fa-f]{4} [0-9A-Fa-f]{4}|[01]{8} [01]{8} [01]{8})")


def _holds_dump(text: str) -> bool:
    """Cheap for most texts: no two blanks before a printable column, no colon."""
    spaced, colon = _DUMP_HINTS
    return (((len(text) <= 4096 or "  |" in text) and spaced.search(text) is not None)
            or (":" in text and colon.search(text) is not None))


class _DumpLine(NamedTuple):
    start: int  # its offset's
    end: int  # its line's end, or where other text runs on after its printable column
    digits: tuple[int, int]  # its bytes' hex (or xxd -b's octets), blanks and all
    printable: tuple[int, int]  # its printable column, hexdump -C's bars left out; empty for none
    octets: bool  # xxd -b's binary: `_Bytes`' to read
    ended: bool  # its line ends with it: the dump may go on on the next


def _dump_views(text: str) -> list[_Kept]:
    """A text's hexdump read two ways, each across its lines: the hex digits of its bytes (a secret's bytes are its hex
    there, as `encodings` spells it) and its printable column (the secret as it is). A dump's first line is found
    where three of its bytes are (it may follow other text: `key rejected: 00000000  78 2d…`, `<pre>00000000: …`),
    and each line after it that is one too (the last may hold a byte or two, and other text may run on after it: a
    `</pre>`), behind the same margin as the first where it had one: a dump quoted line by line (pytest's `E   ` and
    its diff's `+ `, a mail's `> `) is one run of bytes all the same. Where a dump starts past its data's first byte
    (its first offset not 0: a diff that skipped its lines before) is a cut in each view (`_Kept.heads`): a secret's
    bytes cut there show their end. Read in a time linear in the text: each place a line may start is tried once."""
    digits: list[tuple[int, int]] = []  # each line's bytes, blanks and all
    printable: list[tuple[int, int]] = []
    heads: tuple[list[int], list[int]] = ([], [])  # where, in each view's text, a dump starts past its first byte
    read = [0, 0]  # how long each view's text is so far
    done = 0  # where the text was read up to: past a dump's last line, or past the places tried before a hint
    line_start, line_end = 0, -1  # the line holding the hint
    for hint in _DUMP_HINT.finditer(text):
        if hint.start() < done:
            continue
        if hint.start() > line_end:
            line_start = max(text.rfind("\n", 0, hint.start()), text.rfind("\r", 0, hint.start())) + 1
            line_end = _line_end(text, hint.start())
        line = None
        for start in _DUMP_LINE_START.finditer(text, max(line_start, hint.start() - _DUMP_REACH, done), hint.start()):
            line = _dump_line(text, start.start(), line_end)
            if line is not None:
                break
        done = hint.start()
        margin = text[line_start:line.start] if line is not None else ""
        if line is not None and int(_DUMP_OFFSET.match(text, line.start).group(1), 16):
            heads[0].append(read[0])
            heads[1].append(read[1])
        while line is not None:
            if not line.octets:
                digits.append(line.digits)
                read[0] += len("".join(text[line.digits[0]:line.digits[1]].split()))
            if line.printable[1] > line.printable[0]:
                printable.append(line.printable)
                read[1] += line.printable[1] - line.printable[0]
            if not line.ended:  # other text runs on after it: the dump ends there
                done = line.end
                break
            done = line.end + (2 if text.startswith("\r\n", line.end) else 1)  # past its line's end
            line = _next_dump_line(text, done, margin) if done < len(text) else None
    views = (_Kept(text, digits, heads=heads[0]), _Kept(text, printable, blanks=True, heads=heads[1]))
    return [view for view in views if view.text]


def _dump_line(text: str, at: int, end: int) -> _DumpLine | None:
    """The dump's line starting at `at` (its text's line ending at `end`), or None. Its printable column shows a
    character a byte: longer, it is followed by other text (a `</pre>`, a JSON string's quote), where the dump ends."""
    line = _DUMP_LINE.match(text, at, end)
    if line is not None:
        octets = bool(_OCTET.match(line.group(1)))
        column = line.span(2)
        if line.group(2) and len(line.group(2)) > 1 and line.group(2)[0] == line.group(2)[-1] == "|":
            return _DumpLine(line.start(), line.end(), line.span(1), (column[0] + 1, column[1] - 1), octets, True)
        if not line.group(2) or len(line.group(2)) <= _bytes_shown(line.group(1), octets):
            return _DumpLine(line.start(), line.end(), line.span(1), column, octets, True)
    line = _DUMP_LINE_RUNNING_ON.match(text, at, end)
    if line is None:
        return None
    octets = bool(_OCTET.match(line.group(1)))
    column, length = line.end(), _bytes_shown(line.group(1), octets)
    if text.startswith("|", column) and text.startswith("|", column + 1 + length, end):  # hexdump -C's, in bars
        return _DumpLine(line.start(), column + length + 2, line.span(1), (column + 1, column + 1 + length), octets,
                         False)
    if column + length > end:
        return None
    return _DumpLine(line.start(), column + length, line.span(1), (column, column + length), octets, False)


def _bytes_shown(column: str, octets: bool) -> int:
    """How many bytes a dump line's hex (or binary) column shows."""
    return len(column.split()) if octets else len("".join(column.split())) // 2


_DUMP_OFFSET = re.compile(r"(?:0[xX])?([0-9A-Fa-f]+)")
_OCTET = re.compile(r"[01]{8}")


def _next_dump_line(text: str, at: int, margin: str) -> _DumpLine | None:
    """The dump's line starting at `at`, behind the margin its first line had or at the line's start."""
    end = _line_end(text, at)
    if margin and text.startswith(margin, at, end):
        line = _dump_line(text, at + len(margin), end)
        if line is not None:
            return line
    return _dump_line(text, at, end)


# hexdump's default and od -x: a 7-digit offset (hexdump's in hex, od's in octal), then up to eight 16-bit words in
# hex, each its two bytes little-endian (`714b` is `Kq`, the last word of an odd length padded with a zero byte); od's
# default, the same words in octal (`070513`). A dump's first line is found at its offset 0
_WORD_DUMP_START = "0000000 "
_WORD_DUMP_LINE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{7}"
                             r"((?:[ \t][0-9A-Fa-f]{4}){1,8}|(?:[ \t][0-7]{6}){1,8})(?![0-9A-Za-z])")
_WORD_DIGITS = re.compile(r"[0-9A-Fa-f]+")
_BLANKS_TO_LINE_END = re.compile(r"[ \t]*(?:\r\n|\r|\n)")


def _word_dumps(text: str) -> "_Bytes | None":
    """The bytes hexdump's and od's 16-bit words show (`_WORD_DUMP_LINE`), read in their order across each dump's
    lines (behind the margin its first had, as `_dump_views` reads them); None for none. Each dump is read from its
    first line on, once: in a time linear in the text."""
    runs: list[list[tuple[int, int, int]]] = []
    at = text.find(_WORD_DUMP_START)
    while at != -1:
        line, margin, run = _WORD_DUMP_LINE.match(text, at), None, []
        while line is not None:
            for word in _WORD_DIGITS.finditer(text, *line.span(1)):
                value = int(word.group(), 16 if len(word.group()) == 4 else 8)  # `714b` a word, or `070513`
                run += [(word.start(), word.end(), value & 0xFF), (word.start(), word.end(), value >> 8 & 0xFF)]
            at = line.end()
            end = _BLANKS_TO_LINE_END.match(text, at)
            if end is None:  # other text runs on after it: the dump ends there
                break
            if margin is None:
                margin = text[max(text.rfind("\n", 0, line.start()), text.rfind("\r", 0, line.start())) + 1:
                              line.start()]
            behind = end.end() + len(margin) if margin and text.startswith(margin, end.end()) else end.end()
            line = _WORD_DUMP_LINE.match(text, behind) or _WORD_DUMP_LINE.match(text, end.end())
        if run:
            runs.append(run)
        at = text.find(_WORD_DUMP_START, at + 1)
    return _Bytes(text, runs) if runs else None


_CR_OR_LF = re.compile(r"[\r\n]")


def _line_end(text: str, at: int) -> int:
    """Where the line holding `at` ends: at its LF, its CRLF's CR or a CR alone."""
    end = _CR_OR_LF.search(text, at)
    return len(text) if end is None else end.start()


# A run of bytes written one number a byte: Go's `%v` of a []byte (`[75 113 55 …]`), Python's list and Java's
# Arrays.toString (`75, 113, …`; Java's signed: `-61`), a Node Buffer's JSON (`75,113,…`), a C array as `xxd -i`
# wraps it (`0x4b, 0x71,` twelve a line), od's columns (`-tx1`, `-tu1` and `-td1` right-aligned, `-b`'s octal),
# `xxd -b`'s octets. Each way of writing a byte is read alone, as (its pattern, its base); its numbers are spaced by
# blanks or a comma and run on across a line break, behind the next line's indentation or offset (od's seven octal
# digits, `xxd`'s with its colon), past a printable column ending the line after two blanks (`xxd -b`'s)
_BYTE_WAYS = ((r"0[xX][0-9A-Fa-f]{1,2}", 16), (r"[0-9A-Fa-f]{2}", 16),
              (r"25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]|-(?:12[0-8]|1[01][0-9]|[1-9][0-9]?)", 10),
              (r"[0-3][0-7]{2}", 8), (r"[01]{8}", 2))
_BYTE_GAP = (r"(?:[ \t]*,[ \t]*|[ \t]+|[ \t]*,?(?:[ \t]{2,}[^\r\n]{1,16}?)?[ \t]*(?:\r\n|\r|\n)[ \t]*"
             r"(?:(?:0[xX])?[0-9A-Fa-f]{4,16}:[ \t]*|[0-7]{7}[ \t]+)?)")
_NOT_IN_A_WORD = r"(?<![0-9A-Za-z_.:/+-])"  # a number of its own: not a piece of a word, a version, a time, a path
_WORD_ENDS = r"(?![0-9A-Za-z_.:/+-])"
# per way: a run of six of its numbers (a secret has six bytes at least), its first number, each gap and number after
_BYTE_RUNS = tuple((re.compile(rf"{_NOT_IN_A_WORD}(?:{way}){_WORD_ENDS}(?:{_BYTE_GAP}{_NOT_IN_A_WORD}(?:{way})"
                               rf"{_WORD_ENDS}){{5,}}"), re.compile(rf"(?:{way}){_WORD_ENDS}"),
                    re.compile(rf"{_BYTE_GAP}{_NOT_IN_A_WORD}((?:{way})){_WORD_ENDS}"), base)
                   for way, base in _BYTE_WAYS)
_BYTE_TOKEN = re.compile(rf"{_NOT_IN_A_WORD}(?:0[xX])?-?[0-9A-Fa-f]{{1,8}}{_WORD_ENDS}")
# od -c: each byte a character right-aligned in a column four wide (`   K`), an escape (`  \n`) or octal (` 303`),
# sixteen a line, each line behind od's offset or none (-An)
_OD_CELL = r"   [ -~]|  \\[0abfnrtv]| [0-3][0-7]{2}"
_OD_CHARACTERS = re.compile(rf"(?:{_OD_CELL}){{6,}}(?:(?:\r\n|\r|\n)(?:[0-7]{{7}})?(?:{_OD_CELL})+)*")
_OD_CELLS = re.compile(_OD_CELL)
_OD_ESCAPES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_OD_ESCAPED = {escape[1]: byte for byte, escape in _OD_ESCAPES.items()}
# how far before a hint (`_byte_run_hints`: two of a secret's first bytes) its first byte may be written, and in how
# many numbers: one, or a line break before it, the printable column and the offset around that
_RUN_REACH = 160
_NUMBERS_BACK = 8


def _od_cell(byte: int) -> str:
    """A byte as od -c shows it, in its column four wide."""
    shown = _OD_ESCAPES.get(byte) or (chr(byte) if 32 <= byte < 127 else f"{byte:03o}")
    return f"{shown:>4}"


def _od_byte(cell: str) -> int:
    shown = cell.lstrip(" ") or " "
    if len(shown) == 3:
        return int(shown, 8)
    return _OD_ESCAPED[shown[1]] if len(shown) == 2 else ord(shown)


class _Bytes(_Unbroken):
    """A text's runs of bytes written a number (or od's character) a byte, read as the bytes' hex (a secret's bytes
    are its hex there, as `encodings` spells it): each run in each way it reads (`31 32 33` in hex and in decimal), a
    line apart. A secret found here is masked there from the number of its first byte to that of its last."""

    def __init__(self, text: str, runs: list[list[tuple[int, int, int]]]) -> None:
        self.original, self.breaks, self.heads = text, _NEVER, []
        self.at_view: list[int] = []  # where each number's byte starts in the view
        self.spans: list[tuple[int, int]] = []  # where that number is in the text
        self.runs: list[tuple[int, int]] = []  # where each run's hex is in the view
        hexed: list[str] = []
        length = 0
        for run in runs:
            began = length
            for start, end, byte in run:
                self.at_view.append(length)
                self.spans.append((start, end))
                hexed.append(f"{byte:02x}")
                length += 2
            self.runs.append((began, length))
            hexed.append("\n")  # no secret's hex runs on from one run into the next
            length += 1
        self.text = "".join(hexed)

    def _number(self, at: int) -> tuple[int, int]:
        return self.spans[min(max(bisect.bisect_right(self.at_view, at) - 1, 0), len(self.spans) - 1)]

    def start(self, at: int) -> int:
        return self._number(at)[0]

    def end(self, at: int) -> int:
        return self._number(at - 1)[1]

    @staticmethod
    def of(text: str, hints: list[int]) -> "_Bytes | None":
        """The runs of bytes that reach past each hint (where two of a secret's bytes are written so); None for none."""
        runs: list[list[tuple[int, int, int]]] = []
        read = [0] * (len(_BYTE_RUNS) + 1)  # per way (od -c's last): how far the text was read so, never again
        for at in hints:
            _read_runs(text, at, runs, read)
        return _Bytes(text, runs) if runs else None


def _read_runs(text: str, at: int, runs: list[list[tuple[int, int, int]]], read: list[int]) -> None:
    """Each run of bytes that reaches past `at`, in each way it reads, added to `runs`: (start, end, byte) of each of
    its numbers. `read`: per way, how far the text was read already — a number is tried as a run's start once a way,
    whatever the hints near it (a text dense with them is read in a time linear in its length)."""
    reach = max(0, at - _RUN_REACH)
    # where it may start: a secret's first byte is a number or two before its hint, maybe on the line before (behind
    # its offset, after that line's printable column)
    starts = [m.start() for m in _BYTE_TOKEN.finditer(text, max(reach, min(read)), at + 1)][-_NUMBERS_BACK:]
    for way, (run, first, step, base) in enumerate(_BYTE_RUNS):
        # the first that runs past the hint: each start read once (a run ending before it reaches no later hint)
        for start in (start for start in starts if start >= read[way]):
            found = run.match(text, start)
            read[way] = max(read[way], start + 1)
            if found is not None and found.end() > at:
                head = first.match(text, found.start())
                numbers = [head.span(), *(m.span(1) for m in step.finditer(text, head.end(), found.end()))]
                runs.append([(start, end, int(text[start:end], base) % 256) for start, end in numbers])
                read[way] = found.end()
                break
        read[way] = max(read[way], at + 1)
    if read[-1] <= at:
        cells = _OD_CHARACTERS.search(text, max(reach, read[-1]), at + 64)
        if cells is not None and cells.start() <= at:
            cells = _OD_CHARACTERS.match(text, cells.start())  # all of it, past where it was looked for
            runs.append([(cell.start(), cell.end(), _od_byte(cell.group()))
                         for cell in _OD_CELLS.finditer(text, cells.start(), cells.end())])
        # (a run of cells found later is found again from there; none found: none starts before its last six fit)
        read[-1] = max(at + 1, cells.end() if cells is not None and cells.start() <= at
                       else cells.start() if cells is not None else at + 64 - 6 * 4)


class Redactor:
    """Replaces every registered secret value — and the usual encodings of it — in text and nested
    data; a run of at least MIN_RUN characters of a secret (raw, escaped or in base64) at the edge of a
    text (an excerpt that cut a secret in two) is masked as well, and a run of it as written of 8 to 12 characters
    (`_inner_run`) anywhere."""

    MIN_LENGTH = 6  # shorter values are flags and ports; redacting them would mangle text
    MIN_RUN = 8  # the shortest piece of a secret worth masking at an excerpt's edge

    def __init__(self) -> None:
        self._values: dict[str, str] = {}  # what to find (a secret or one of its encodings) -> the secret
        self._secrets: set[str] = set()  # the values themselves (not their encodings)
        self._edges: dict[str, str] = {}  # the part of a secret masked where a text cuts it -> the secret
        self._lock = threading.Lock()
        self._index = _Index(self.MIN_RUN)  # grown with each secret; a snapshot of it is built on first use
        self._matcher: _Matcher | None = None  # built on first use after a change
        self.version = 0  # grows with every new secret: what was cleaned before may need cleaning again

    def add(self, value: str | None, *, even_if_plain: bool = False, named: bool = False) -> None:
        """A value that may be a secret. A plain URL is not one unless even_if_plain; of a URL with a user or
        password (and no other sign of being secret) only those are: its host stays readable — a database URL's
        too (`_is_plain_database_url`). The keys in an http(s) URL's path and query are, as in a declared secret
        URL: a webhook's token, an RPC key. `named`: its name says it is a secret (`names_a_secret`), so a number
        of digits is one (a PIN); a word such as `production` is still none."""
        if not value or len(value) < self.MIN_LENGTH or (_NOT_SECRET_WORD if named else _NOT_SECRET).match(value):
            return
        if not even_if_plain and (_is_plain_url(without_userinfo(value)) or _is_plain_database_url(value)):
            self._register(_url_credentials(value))  # its user or password is the secret
        else:
            self._register([value, *_url_credentials(value), *_basic_credentials(value)])
        if value.lower().startswith(("http://", "https://")):  # not a database URL's `?sslmode=require`
            # a URL judged secret for a key-shaped piece (`/hook/CANARYshort9`) gives up that piece
            self.add_url_parts(value, from_secret=even_if_plain, short_keys=True)

    def add_env_var(self, name: str, value: str, *, marked_secret: bool = False) -> None:
        """An env var's value, by the one rule every env source follows (an env file, the runner's environment, a
        platform's API): a secret when its name or shape says so (`looks_secret`) or its source marks it so (Vercel's
        `sensitive`); else only what a URL in it holds (a key in its path, a password). A plain setting
        (APP_NAME=bakery) stays readable: masked, it would hide that word — a system's name — in every verdict."""
        if marked_secret or looks_secret(name, value):
            # a value its source marks secret is one whatever it looks like: a Zapier hook's URL is its credential
            self.add(value, even_if_plain=marked_secret or names_a_secret_url(name),
                     named=marked_secret or names_a_secret(name))
        if "://" in value:  # an address: a key in its path or query (a webhook's, phpredis's `?auth=`), its host
            self.add_url_parts(value)  # readable — and each on its own where the whole value is a secret too
        # a connection string's password under any name (.NET's ConnectionStrings__DefaultConnection, a DB_CONNECTION
        # in libpq's key=value form): its host and database stay readable, as a database URL's do
        self.add_passwords(connection_string_passwords(value))

    def add_url_credentials(self, url: str) -> None:
        """What a URL's client sends as its credentials (its user info's password and their pair, a `?password=`),
        whatever they look like; its host, path and query stay readable: the address itself is no secret."""
        self._register(_url_credentials(url))

    def add_declared(self, value: str | None) -> None:
        """A value the environment declares secret: registered whatever it looks like — a webhook URL (and the
        keys in its path), a PIN of digits. (Shorter than MIN_LENGTH is refused when the environment loads.)"""
        if not value or len(value) < self.MIN_LENGTH:
            return
        self._register([value, *_url_credentials(value), *_basic_credentials(value)])
        if value.lower().startswith(("http://", "https://")):  # not a database URL's `?sslmode=require`
            self.add_url_parts(value, from_secret=True)

    def add_passwords(self, passwords: list[str]) -> None:
        """Passwords a client sends (a database's, a proxy's): each a secret whatever it looks like — a server
        quotes the one it refused — once it has SHORTEST_PASSWORD characters (shorter are refused at load)."""
        self._register([p for p in passwords if len(p) >= SHORTEST_PASSWORD])

    def add_url_parts(self, url: str | None, *, from_secret: bool = False, short_keys: bool = False) -> None:
        """A URL may carry a token in its user, password, path, query or fragment (an RPC key, `?api-key=`, a
        sharing link's `#key`): register those parts. A URL that is a secret (from_secret: a secret variable's
        value; short_keys: judged secret) gives up shorter keys too (`T0CANARY1`, `CANARYshort9`); a configured
        address only the long ones, so its readable words stay readable."""
        if not url or "://" not in url:
            return
        try:
            parts = urlsplit(url)
        except ValueError:
            return
        self._register(_url_credentials(url))
        for segment in [*parts.path.split("/"), *_fragment_pieces(parts.fragment)]:
            if (looks_like_token(segment) or (from_secret and key_of_a_secret_url(segment))
                    or (short_keys and _short_key(segment))):
                self.add(segment, even_if_plain=True)
        for key, value in _query(parts.query):
            # `?api-key=`, `?sig=`, a token-like value; `?provider=google` or `?region=eu-west-1` stay readable
            secret = (from_secret or names_a_secret_url(key) or _SECRET_QUERY_KEY.fullmatch(key)
                      or looks_like_token(value) or (short_keys and _short_key(value)))
            if len(value) >= self.MIN_LENGTH and secret:
                self.add(value, even_if_plain=True)

    def _register(self, secrets: list[str]) -> None:
        # a value holding a mask of ours was read from a text already cleaned: learned, every mask would be masked
        # again, nested, its fingerprint no longer its secret's (any secret beside the mask is offered on its own)
        secrets = [secret for secret in secrets if not MASK.search(secret)]
        with self._lock:
            new = [secret for secret in dict.fromkeys(secrets) if secret not in self._secrets]
            forms: dict[str, str] = {}  # what this call adds: form -> its secret, edge part -> its secret
            edges: dict[str, str] = {}
            for secret in new:
                self._secrets.add(secret)
                for form in (secret, *encodings(secret)):
                    if form not in self._values:
                        self._values[form] = forms[form] = secret
                if isinstance(secret, _PairText):  # where a text cuts `user:password`, the password's own edges
                    continue  # hold (a text ending in the user's name is no piece of a secret)
                for edge in _cut_forms(secret):
                    if edge not in self._edges:
                        self._edges[edge] = edges[edge] = secret
            if new:
                self._index.add(forms, edges)
                self._matcher = None
                self.version += 1

    def known(self) -> list[tuple[str, bool]]:
        """Every secret registered, each with whether it is a `user:password` pair: what one xdist worker learned,
        for the others and the master (`learn_known`)."""
        with self._lock:
            return [(secret, isinstance(secret, _PairText)) for secret in self._secrets]

    def learn_known(self, known: list[tuple[str, bool]]) -> None:
        """The secrets another process registered (`known`), registered as they were."""
        self._register([_PairText(secret) if pair else secret for secret, pair in known])

    def _current(self) -> "_Matcher | None":
        with self._lock:
            if not self._values:
                return None
            if not self._index.current():  # the fingerprint key changed (a run's own was set): marks again
                self._index = _Index(self.MIN_RUN)
                self._index.add(self._values, self._edges)
                self._matcher = None
            if self._matcher is None:
                self._matcher = _Matcher(self._index)
            return self._matcher

    def matcher(self) -> "_Matcher | None":
        """What cleans a text now (None while no secret is known): a new one with each secret learnt."""
        return self._current()

    def shared_matcher(self) -> tuple["_Matcher | None", bytes]:
        """The matcher, and it pickled for the archive's writer process to clean with exactly what this process would
        (taken under the lock: a secret registered meanwhile grows the index the matcher shares). A secret learnt
        after it makes a new matcher (`matcher() is not` this one)."""
        matcher = self._current()
        if matcher is None:
            return None, b""
        with self._lock:
            return matcher, pickle.dumps(matcher, protocol=5)

    def text(self, text: str) -> str:
        matcher = self._current()
        return text if matcher is None else matcher.clean(text)

    def text_keeping_lines(self, text: str) -> str:
        """`text` masked as `text` masks it, each line break inside a mask kept after it: a text printed line by line
        (pytest's failure lines, each behind its margin) keeps its lines, where a mask spans some (a hexdump's)."""
        matcher = self._current()
        return text if matcher is None else matcher.clean(text, keep_lines=True)

    def data(self, obj: Any, *, keys: bool = True) -> Any:
        """`obj` with every string cleaned; with keys=False a mapping's keys are left as they are (a document
        of our own whose keys are its schema)."""
        matcher = self._current()  # one snapshot for the whole structure
        return obj if matcher is None else _cleaned(obj, matcher.clean, keys)


def _cleaned(obj: Any, clean, keys: bool = True) -> Any:
    kind = type(obj)  # the exact types first: evidence is mostly plain str, dict and list
    if kind is str or (kind is not dict and kind is not list and isinstance(obj, str)):
        return clean(obj)
    if kind is dict or isinstance(obj, dict):
        return {(clean(str(k)) if keys else k): _cleaned(v, clean, keys) for k, v in obj.items()}
    if kind is list or isinstance(obj, tuple | list):
        return [_cleaned(v, clean, keys) for v in obj]
    return obj


def _cut_forms(secret: str) -> list[str]:
    """What of a secret is masked where a text cuts it: each form `encodings` claims that no escape makes — the
    secret (the unescaped view finds it escaped), its base64, hex, base32, and as programs show its bytes and
    characters (`_byte_forms`, `_character_forms`), its quotes doubled as SQL and CSV write them — all without a URL's
    scheme and host. Of a secret of several
    lines, or of JSON, each piece of key material and its bytes' encodings: one CRLF-joined is cut inside a line all
    the same, a text ending in its armour (`-----BEGIN PRIVATE KEY-----`) or in a JSON field shows none. And base64
    of its JSON spellings: a reply's excerpt that ends inside a JWT's payload."""
    part = _secret_part(secret)
    if part is None:
        return []
    raw = _bytes(part)
    if len(part) > BIG_SECRET:  # a longer cut holds a whole word of the automaton, stretched to the text's end
        ends = [part, base64.b64encode(raw).decode()]
        return [end for whole in ends for end in (whole[:2 * LONGEST_WORD], whole[-2 * LONGEST_WORD:])]
    if _LINE_BREAK.search(part) or _JSON_STRUCTURE.search(part):  # no line or cut of JSON: its structure
        whole = _key_lines(part)
    else:  # and as `_Unbroken` reads it after a line break: without blanks before it; shouted or folded
        whole = [part, part.lstrip(" \t"), part.upper(), part.lower(), *sorted(_byte_forms(raw)),
                 *sorted(_character_forms(part)), *sorted(_quote_doubled_forms(part))]
    # and as the unescaped view reads each: a secret spelling an escape (`%4e`, `&amp;`, `\'`) reads otherwise there,
    # and an escaped copy cut short is found only there (`\\` of a JSON body read as `\`, its `%4e` as `N` too)
    whole += [_View(form).text for form in whole]
    # and as a text holding a mark that shows as nothing (a tab) is read: without the secret's own
    whole += [_SOFT_WRAP_OR_BREAK.sub("", form) for form in whole if _holds_soft_wrap(form)]
    return [*dict.fromkeys(whole), raw.hex(), raw.hex().upper(), *sorted(_byte_encodings(raw)),
            *sorted(_spaced_hex(raw)), *_base64_pieces(raw), *_json_base64_pieces(part), *sorted(_base32_pieces(raw)),
            *_encodings_ending_it(raw)]


def _secret_part(value: str) -> str | None:
    """What of a secret is secret where a text cuts it: a URL's scheme and host are not (an excerpt ending in
    `https://rpc.example.com` shows a host, not part of a key); its path and query are, its password is a
    secret of its own."""
    if not _URL_START.match(value):  # a service-account key's JSON names URLs, it is none
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if parts.scheme.lower() not in ("http", "https"):  # a database's path is its name (`/shop`), not a key: its
        return None  # password is registered as a secret of its own
    netloc = parts.netloc
    tail = value.split(netloc, 1)[-1] if netloc else value
    return tail if len(tail) >= Redactor.MIN_RUN else None


_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


class _PairText(str):
    """`user:password` as a Basic header sends it: a secret as a whole, but only its password is one in part."""


def _url_credentials(value: str) -> list[str]:
    """What a URL's userinfo sends (httpx makes it a Basic header, `user:password` in base64): its password, and
    that pair; with no password the user is the token (`https://sk_live_…@api.stripe.com`), and `user:` is sent."""
    if "://" not in value:
        return []
    in_query = [p for p in query_passwords(value) if len(p) >= 4]  # `?password=`, which libpq reads too
    if "@" not in value:
        return in_query
    user, password = _userinfo(value)
    if password:
        return [*url_passwords(value), _PairText(f"{user}:{password}")]
    if len(user) >= Redactor.MIN_LENGTH and not _WORD.fullmatch(user):  # `deploy@host` names, it does not unlock
        return [*in_query, user, f"{user}:"]
    return in_query


def _basic_credentials(value: str) -> list[str]:
    """A secret that is HTTP Basic's credential (base64 of `user:password`, what an item's `Basic {secret:NAME}`
    sends): the pair and its password, as a target that decodes the header may show them (PHP's PHP_AUTH_PW)."""
    if len(value) % 4 or not _BASE64_WHOLE.fullmatch(value):
        return []
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return []
    user, colon, password = text.partition(":")
    if not colon or not text.isprintable() or len(password) < Redactor.MIN_LENGTH:
        return []
    return [_PairText(text), password]


_BASE64_WHOLE = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def _userinfo(value: str) -> tuple[str, str]:
    """A URL's user and password as sent (percent-escapes read), '' for what it lacks."""
    try:
        parts = urlsplit(value)
        user, password = parts.username or "", parts.password or ""
    except ValueError:  # not a URL a parser can read (an unclosed '['): as written up to the last '@'
        user, _, password = value.split("://", 1)[1].rsplit("@", 1)[0].partition(":")
    return unquote(user), unquote(password)


def without_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


# A hosting platform's own gate key in a URL's query: it lets a request past the platform's protection to the app, it
# is no credential of the app's. Left off a request meant to go without the app's credentials, the platform's gate
# answers it 401, never the app. Vercel's Protection Bypass for Automation, its secret and the switch asking for it as
# a cookie: https://vercel.com/docs/deployment-protection/methods-to-bypass-deployment-protection/protection-bypass-automation
# (None found documented for Netlify, Render or Cloudflare Access, whose service tokens are headers.)
PLATFORM_GATE_PARAMETERS = {"x-vercel-protection-bypass": "Vercel's Deployment Protection bypass",
                            "x-vercel-set-bypass-cookie": "Vercel's Deployment Protection bypass"}


def without_secret_parameters(url: str, holds_secret: Callable[[str], bool]) \
        -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """`url` without each query parameter that `holds_secret` as written or decoded (`?token=…`, `?auth=Bearer%20…`,
    a bare `?Zk3mQ9…`), the names of those left off — never a value: one without a name, or whose name holds the
    secret, is said so — and the names of those kept for being a platform's gate key (`PLATFORM_GATE_PARAMETERS`).
    The others stay as written (`?region=eu`), and so does the rest of the URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, (), ()
    kept, left_off, gate_kept = [], [], []
    for piece in parts.query.split("&"):
        name, equals, _ = piece.partition("=")
        name = unquote_plus(name)
        if not any(holds_secret(form) for form in {piece, unquote(piece), unquote_plus(piece)}):
            kept.append(piece)
        elif equals and name in PLATFORM_GATE_PARAMETERS:
            kept.append(piece)
            gate_kept.append(name)
        else:
            left_off.append(name if equals and name and not holds_secret(name) else
                            "one whose name holds a secret" if equals and name else "one without a name")
    if not left_off:
        return url, (), tuple(dict.fromkeys(gate_kept))
    return urlunsplit(parts._replace(query="&".join(kept))), tuple(dict.fromkeys(left_off)), \
        tuple(dict.fromkeys(gate_kept))


def url_passwords(value: str) -> list[str]:
    """A URL's password as the URL parser reads it, and as written up to the last '@' (a password holding an
    unescaped '/' or '@' is read otherwise by each parser: both readings are kept out of the output), each also
    percent-decoded (what a driver sends, so what a target echoes, in any form: `Tr0ub4dor%263` is sent as
    `Tr0ub4dor&3`) and as a form decoder reads it, '+' a blank (`pa%2Bss+word` read `pa+ss word`); and one in its
    query (`?password=…`, which libpq reads as it reads the userinfo's), as written and decoded so."""
    if "://" not in value:
        return []
    found = query_passwords(value)
    if "@" in value:
        in_userinfo = []
        try:
            in_userinfo.append(urlsplit(value).password or "")
        except ValueError:  # not a URL a parser can read (an unclosed '[')
            pass
        userinfo = value.split("://", 1)[1].rsplit("@", 1)[0]
        in_userinfo.append(userinfo.split(":", 1)[1] if ":" in userinfo else "")
        found += [*in_userinfo, *_decoded(in_userinfo)]
    return [p for p in dict.fromkeys(found) if len(p) >= 4]


def query_passwords(value: str) -> list[str]:
    """`password=` values of a URL's query, as written and decoded (`_decoded`)."""
    query = value.split("?", 1)[1].split("#", 1)[0] if "?" in value else ""
    written = [m.group(1) for m in re.finditer(r"(?:^|&)password=([^&]*)", query, re.IGNORECASE) if m.group(1)]
    return [*written, *_decoded(written)]


def _decoded(written: list[str]) -> list[str]:
    """Each percent-escaped value as a URL decoder reads it, and as a form decoder does ('+' a blank)."""
    return [decoded for value in written for decoded in (unquote(value), unquote_plus(value))]


def looks_like_token(segment: str, shortest: int = 16) -> bool:
    """A URL path segment that is a key rather than a word: long, and mixing letters with digits."""
    return (len(segment) >= shortest and bool(re.search(r"\d", segment)) and bool(re.search(r"[A-Za-z]", segment))
            and not _NOT_A_KEY.fullmatch(segment) and not _PLAIN_PIECE.fullmatch(segment))


def _short_key(segment: str) -> bool:
    """A piece of a URL that makes it look secret (`T0CANARY1`, `CANARYshort9`): 8 or more characters, and
    `reads_as_a_key`."""
    return len(segment) >= 8 and reads_as_a_key(segment)


def reads_as_a_key(piece: str) -> bool:
    """A piece shaped as a key, whatever its length (`a8F3`, `CANARYshort9`): a letter, and a digit or a capital past
    the first letter. Words (`services`, `Production`), slugs (`eu-west-1`) and numbers (an id) are none."""
    return (bool(re.search(r"[A-Za-z]", piece)) and bool(re.search(r"\d|.[A-Z]", piece))
            and not _PLAIN_PIECE.fullmatch(piece))


def names_a_query_key(name: str) -> bool:
    """A query parameter whose name says its value is a key: `?token=`, `?api_key=`, `?sig=`, Azure's `?code=`,
    `?pin=` (not `?keyword=`, nor `?region=`)."""
    return bool(names_a_secret_url(name) or _SECRET_QUERY_KEY.fullmatch(name)
                or any(_SECRET_SHORT_WORD.fullmatch(word) for word in _name_words(name)))


def key_of_a_secret_url(segment: str) -> bool:
    """A path piece of a URL taken for secret that is a key: one that is no word, or any long one but a slug of
    words — an RPC key of digits only, or of lower-case letters only, is no word (no path names a thing in 16
    letters without a break), while `solana-mainnet-beta` names a network, and an item named after it."""
    return (looks_like_token(segment) or may_be_a_key(segment)
            or (len(segment) >= 16 and not _slug_of_words(segment)))


def _slug_of_words(piece: str) -> bool:
    """Words joined by - _ . (`solana-mainnet-beta`, `eth_mainnet_archive`), each of letters alone, read as words
    are (`_PLAIN_PIECE`), and shorter than 16 letters: a word that long is a key's run."""
    words = re.split(r"[-_.]", piece)
    return len(words) > 1 and all(len(word) < 16 and _LETTERS.fullmatch(word) and _PLAIN_PIECE.fullmatch(word)
                                  for word in words)


_LETTERS = re.compile(r"[A-Za-z]+")


def may_be_a_key(piece: str) -> bool:
    """A piece of a secret URL's path, query or fragment, or a ${VAR} set into a URL's (`…/hook/${HOOK_ID}`): a key
    unless it reads as a word, a slug, a number, an API version or a date (`Production`, `eu-west-1`, `v1`)."""
    return len(piece) >= Redactor.MIN_LENGTH and not _PLAIN_PIECE.fullmatch(piece)


def dsn_passwords(dsn: str) -> list[str]:
    """Every `password=` of libpq's key=value form (`host=db password='it\\'s' …`), as libpq reads it (a backslash
    escapes the next character, in quotes or not; libpq sends the last); a URL's password is `url_passwords`'. Read
    here rather than by psycopg's parser: secrets are learnt before any item, and a run that asks no database loads
    no driver."""
    return [re.sub(r"\\(.)", r"\1", quoted if quoted is not None else bare)
            for quoted, bare in (match.groups() for match in _DSN_PASSWORD.finditer(dsn))]


def connection_string_passwords(value: str) -> list[str]:
    """The passwords a connection string or a command line holds: libpq's key=value `password=` (`dsn_passwords`);
    the `;`-separated pairs of ADO.NET, ODBC, OLE DB and JDBC drivers, whose key ends in Password or Pwd (any case:
    `Pwd=`, `User Password=`, `Jet OLEDB:Database Password=`), the value quoted with " or ' (the quote doubled
    inside), braced as ODBC writes one holding a `;` (`{a;b}`, `}}` inside), or up to the next `;`, `"` or line end (a
    connection string inside a JSON value); and a server's flag (`--requirepass pw`, redis-stack's REDIS_ARGS)."""
    if "=" not in value and "--" not in value:
        return []
    found = [next(group for group in (
        quoted.replace('""', '"') if quoted is not None else None,
        single.replace("''", "'") if single is not None else None,
        braced.replace("}}", "}") if braced is not None else None,
        (bare or "").strip()) if group is not None)
        for quoted, single, braced, bare in (m.groups() for m in _KEYED_PASSWORD.finditer(value))]
    flags = [m.group(1) for m in _PASSWORD_FLAG.finditer(value)]
    return [p for p in dict.fromkeys([*found, *flags, *dsn_passwords(value)]) if p]


_KEYED_PASSWORD = re.compile(r"""(?:^|;)[^;=]*?(?<![A-Za-z])(?:password|pwd)\s*+=\s*+"""
                             r"""(?:"((?:[^"]|"")*+)"|'((?:[^']|'')*+)'|\{((?:[^}]|\}\})*+)\}|([^;"\r\n]*+))""",
                             re.IGNORECASE)
_PASSWORD_FLAG = re.compile(r"""--(?:requirepass|masterauth|password)(?:=|\s++)([^\s"']++)""", re.IGNORECASE)
_DSN_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:\\.|[^\s\\])+))")
SHORTEST_PASSWORD = 4  # a password shorter is refused at load: it would mask letters of ordinary words


def database_passwords(database: str) -> list[str]:
    """What libpq may send as a database's password, as a URL (`url_passwords`) or in the key=value form gives it,
    each of at least SHORTEST_PASSWORD characters: a secret whatever it looks like (a server quotes the password it
    refused), a 5-letter word, 7 digits or a stage's name too."""
    if database.startswith(("postgresql://", "postgres://")):  # as libpq tells a URL from key=value (case matters)
        return url_passwords(database)
    return [p for p in dict.fromkeys(dsn_passwords(database)) if len(p) >= SHORTEST_PASSWORD]


_PATH = re.compile(r"(?:/[\w.@+-]+){2,}/?")
# (auth: phpredis's save path, `tcp://redis:6379?auth=<password>`)
_SECRET_QUERY_KEY = re.compile(r"sig|signature|code|apikey|api_key|access_token|x-amz-.*|jwt|auth", re.IGNORECASE)
_NOT_A_KEY = re.compile(r"v\d+|\d{4}-\d{2}-\d{2}")  # an API version, a date
_WORD = re.compile(r"[a-z]+(?:[-_.][a-z]+)*")
# what reads as words, not as a key: words in any case and camelCase (`EUROPE`, `getUserProfile`), a word with a
# number (`region1`), numbers and versions (`1.2.3-rc1`, `v1beta1`), alone or joined by - _ . (a slug), and ISO dates;
# a key mixes case and digits inside its words (`Zk3mQ9wx`, `CANARYshort9`, `a8f3k2x`)
_WORDISH = r"(?:(?:[a-z]+|[A-Z][a-z]{2,})(?:[A-Z][a-z]{2,})*\d*|[A-Z]{2,}\d*|\d+|v\d+(?:[a-z]+\d*)?)"
_PLAIN_PIECE = re.compile(rf"{_WORDISH}(?:[-_.]{_WORDISH})*"
                          r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


# pyahocorasick frees its trie recursively, a level per character of a word, ~16 bytes of C stack each: a 1 MB word
# overflows a main thread's 8 MB stack, a 256 KB one a 1 MB thread's. No word is longer than this: 64 KB of stack,
# a 128th of a main thread's, an eighth of a 512 KB thread's
LONGEST_WORD = 4096


class _Index:
    """What a redactor's snapshots (`_Matcher`) read, grown secret by secret as they are registered: a run learns its
    secrets a few at a time between cleanings (a demo run makes seven snapshots), and building all of it again for
    each took 50 ms of a post-deploy run's local time each time. Only the automaton is built per snapshot.

    - words: what the automaton finds — each form (its length, its secret's mark, and for a piece of a form longer
      than LONGEST_WORD that form and where the piece sits in it), each run of a secret quoted inside a text, and
      each anchor (how far around it the escaped secret may reach), and where a secret's bytes may be written a
      number a byte (`_byte_run_hints`); a word may be more than one. A form is found
      as itself before anything else that reads the same (a run of another secret, an anchor).
    - pieces: a run-long piece of every secret's edge part every STRIDE characters, and its last STRIDE -> where it
      sits: (part, offset, mark). A text that ends (or starts) with a piece of a secret holds one of those within
      STRIDE characters of its end and is then compared with that part directly: memory grows with the secrets'
      length, not its square (a 2 KB service-account key has 2,000 prefixes), and a STRIDEth of it. (A filter of
      every run-long window, to rule out most ends in one look instead of STRIDE, cost a demo run 25 ms a process to
      build, for 75,000 windows, and saved it a millisecond: 2,500 ends were looked up.)"""

    def __init__(self, run: int) -> None:
        self.run = run
        self.key = _fingerprint_key  # the marks' (`current`)
        # a keyed hash per secret, not per form: a fleet registers thousands of forms of a few hundred secrets
        self.marks: dict[str, str] = {}
        self.words: dict[str, tuple[int, str | None, int, tuple | None]] = {}
        self.pieces: dict[str, list[tuple[str, int, str]]] = {}
        self.edges: list[tuple[str, str]] = []  # (part, mark), in the order added: what pieces hold
        self.targets: set[str] = set()  # the secrets some form is found as
        self.longest, self.shortest = 0, 0
        self.everywhere = False

    def current(self) -> bool:
        return self.key is _fingerprint_key

    def mark(self, secret: str) -> str:
        mark = self.marks.get(secret)
        if mark is None:
            mark = self.marks[secret] = fingerprint(secret)
        return mark

    def add(self, forms: dict[str, str], edges: dict[str, str]) -> None:
        """Forms (each -> its secret) and edge parts (each -> its secret) registered since the last call."""
        for form, secret in forms.items():
            if len(form) <= LONGEST_WORD:
                self._put(form, (len(form), self.mark(secret), 0, None))
                continue
            for offset in _chunk_starts(len(form)):
                self._put(form[offset:offset + LONGEST_WORD], (LONGEST_WORD, self.mark(secret), 0, (form, offset)),
                          over_forms=False)
        targets = [secret for secret in dict.fromkeys(forms.values()) if secret not in self.targets]
        self.targets.update(targets)
        for secret in targets:
            self.longest = max(self.longest, len(secret))
            self.shortest = min(self.shortest, len(secret)) if self.shortest else len(secret)
            self._add_inner_runs(secret)
            self._add_separated_runs(secret)
        for secret in targets:
            self._add_anchor(secret)
            for word in _byte_run_hints(secret):  # where to read bytes written a number a byte; no form's place
                self.words.setdefault(word, (len(word), None, 0, _BYTE_RUN_HINT))
        for part, secret in edges.items():
            if len(part) >= self.run:
                self._add_edge(part, self.mark(secret))

    def _put(self, word: str, found: tuple, over_forms: bool = True) -> None:
        """A form's word: in place of what else reads the same (keeping an anchor's reach); a piece of a long form
        does not replace a form."""
        held = self.words.get(word)
        if held is not None and (held[1] is not None and (held[3] is None or len(held[3]) == 2)):
            if not over_forms:
                return  # another form's (the first one's)
        self.words[word] = found if held is None else (*found[:2], held[2], found[3])

    def _add_inner_runs(self, secret: str) -> None:
        """A run of the secret quoted inside a text: "token cronSecretV… rejected"."""
        mark = self.mark(secret)
        for base in _inner_bases(secret):
            length = _inner_run(len(base))
            for offset in range(len(base) - length + 1):
                piece = base[offset:offset + length]
                # (a window of words, `password`, is no key's; a byte run's hint gives way)
                if (piece not in self.words or self.words[piece][3] == _BYTE_RUN_HINT) and _short_key(piece):
                    # whether the base is the secret itself: all of it found is then the whole secret
                    self.words[piece] = (length, mark, 0, (base, offset, base == secret))

    def _add_separated_runs(self, secret: str) -> None:
        """The secret written with a separator between its characters or groups (`_separated_forms`): each form's first
        and last runs (as many of its characters as `_inner_run` masks), widened along the form as far as the
        text agrees — a copy whole is masked whole, a cut one as a part. Two words a form, not the form itself: a
        32-character token's 48 forms would add 2,000 characters to the automaton, its 96 runs 1,250, and no more for
        a longer one; each text is read in the one pass as before. So of its respellings (`_respellings`): a UUID's 13
        add 860 characters, a 32-digit hex key's other case 600 (its byte groups' 48 runs)."""
        mark = self.mark(secret)
        for spelling, size, forms in _separated_forms(secret):
            runs = _separated_runs(spelling, size)  # the same places in each separator's form
            for form in forms:
                self._add_runs(form, runs, mark)
        for form in _respellings(secret):  # a UUID without its hyphens, a hex key upper-cased: two words each too
            self._add_runs(form, _respelled_runs(form), mark)

    def _add_runs(self, form: str, runs: set[tuple[int, int]], mark: str) -> None:
        """Runs of a form of the secret, each found widened along the form (`_stretched`): all of it is the secret."""
        for start, end in runs:
            piece = form[start:end]
            if piece not in self.words or self.words[piece][3] == _BYTE_RUN_HINT:
                self.words[piece] = (end - start, mark, 0, (form, start, True))

    def _add_anchor(self, secret: str) -> None:
        if _ANCHOR_RUN.fullmatch(secret):
            return  # letters and digits only: no escape reads back to it that a form misses
        runs = _ANCHOR_RUN.findall(secret)
        anchor = (max(runs, key=len) if runs else "")[:LONGEST_WORD]  # the escaped secret holds its start too
        if len(anchor) < 4:
            self.everywhere = True
            return
        for word in {anchor, anchor.upper(), anchor.lower()}:
            length, mark, reach, piece_of = self.words.get(word, (len(word), None, 0, None))
            self.words[word] = (length, mark, max(reach, _Matcher.WIDEST * len(secret)), piece_of)

    def _add_edge(self, part: str, mark: str) -> None:
        self.edges.append((part, mark))
        _put_edge(self.pieces, part, mark, self.run)


def _put_edge(pieces: dict[str, list[tuple[str, int, str]]], part: str, mark: str, run: int) -> None:
    """A secret's edge part: its run-long pieces every STRIDE characters (and the last ones)."""
    stride, last = _Matcher.STRIDE, len(part) - run
    for offset in sorted({*range(0, last + 1, stride), *range(max(last - stride + 1, 0), last + 1)}):
        pieces.setdefault(part[offset:offset + run], []).append((part, offset, mark))


def _holds_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


class _Matcher:
    """One snapshot of the registered values, built for speed: a run registers hundreds of secrets (a fleet's
    database URLs and each one's encodings) and cleans every string of every outcome, so the cost of a text
    must not grow with the number of secrets. Whole values: one Aho-Corasick pass (every match, overlaps
    merged), over a text with a line break read without its breaks (a secret a wrap cut is whole there). Escaped
    values: reading a text's escapes costs more than that pass, so only a text that holds an escape is read, and
    only around an anchor — a secret's longest run of ASCII letters and digits, which no escape changes — and at
    its two ends. Edges: a text can only end with a secret's first k >= run characters
    if one of its last `run` + STRIDE - 1 characters' `run`-long windows is an indexed piece of that secret, so STRIDE
    dict lookups rule out almost every text."""

    # characters one escaped character takes at most: four %XX bytes, a \u pair, &#x with 8 digits (a few
    # long-named HTML entities of rare symbols take more, as do the four bytes of a character beyond the BMP in octal
    # or \x escapes, 16: a secret full of those may be missed escaped)
    WIDEST = 12
    STRIDE = 4  # how far apart the indexed pieces of a secret's edge part start (`pieces`)

    def __init__(self, index: "_Index") -> None:
        # The automaton: ahocorasick_rs's contiguous NFA, which reads an archive's 3 MB three times as fast as
        # pyahocorasick's trie and is built in half the time for a fleet's 20,000 words (a DFA reads faster still
        # but takes seconds to build for those). It takes only text UTF-8 can hold: a text with a lone surrogate
        # (bytes that were not UTF-8, read with surrogateescape) is read by pyahocorasick, built for it on first use;
        # so is a word holding one (a secret of such bytes), which only such a text can hold.
        # The index only grows: a snapshot keeps its own list of the words.
        self.words = list(index.words.items())
        self._build_automaton()
        self.run = index.run
        self.everywhere = index.everywhere  # a secret with no anchor: a text with an escape is read whole
        # pieces of the secrets' edge parts (where a text ending in one sits in its part): shared with the index,
        # which only adds to them (`_Index`)
        self.pieces, self.edges = index.pieces, index.edges
        # how far from an end of a text an escaped piece of a secret (cut there) can reach
        self.edge_reach = self.WIDEST * (index.longest + 1)
        # a run of escapes that may be a whole secret, each of its characters escaped (one escape at least each)
        self.escape_runs = _escape_runs(index.shortest)
        # Evidence repeats its words (column names, types, statuses) item after item: each short text is
        # cleaned once per snapshot. A new secret makes a new snapshot, so nothing stale is kept.
        self.seen: dict[str, str] = {}

    def _build_automaton(self) -> None:
        utf8 = [(word, found) for word, found in self.words if word.isascii() or not _holds_surrogate(word)]
        rs = lazy.load("ahocorasick_rs")
        self.automaton = rs.AhoCorasick([word for word, _ in utf8], matchkind=rs.MATCHKIND_STANDARD,
                                        implementation=rs.Implementation.ContiguousNFA)
        self.found_as = [found for _, found in utf8]
        self.surrogate_automaton = None

    # Pickled for the archive's writer process, which cleans the files it wrote with exactly these secrets (see
    # Redactor.shared_matcher): the automata are built again there, and so are the edge parts' pieces, from the edges
    # in the order they came (a STRIDEth of their length each: the pickle stays small).
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("automaton", "found_as", "surrogate_automaton", "pieces", "seen")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.pieces = {}
        for part, mark in self.edges:
            _put_edge(self.pieces, part, mark, self.run)
        self.seen = {}
        self._build_automaton()

    def clean(self, text: str, keep_lines: bool = False) -> str:
        if keep_lines and ("\n" in text or "\r" in text):  # long texts, never memoized
            return self._clean(text, keep_lines=True)
        known = self.seen.get(text)
        if known is not None:
            return known
        cleaned = self._clean(text)
        if len(text) <= self.MEMO_TEXT and len(self.seen) < self.MEMO_ENTRIES:
            self.seen[text] = cleaned
        return cleaned

    MEMO_TEXT = 200  # characters: the words of evidence, not whole bodies
    MEMO_ENTRIES = 100_000

    def _clean(self, text: str, keep_lines: bool = False) -> str:
        spans, near = self._found_unbroken(text)
        if _may_hold_escape(text):  # an escape may hide a secret (most texts hold none)
            spans += self._found_behind_escapes(text, near)
        return _masked(text, spans, keep_lines) if spans else text

    def _found_behind_escapes(self, text: str, near: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """What an escape hides in a text that holds one: a copy broken by escaped line breaks, and around each
        anchor (`near`), cut excerpt and end, the secrets the text read escape by escape holds."""
        spans = []
        escaped = _Unbroken.of_escaped(text)
        if escaped is not None:  # a copy a wrap broke with escaped breaks (`\n` in JSON): whole without them, and
            # an anchor a break cut is whole there too (a cut copy at an end is the ends' escaped reading's)
            spans, anchors = self._found(escaped.text, head=False, tail=False, within=escaped)
            near = near + anchors
        if "…" in text:  # an excerpt's cut inside the text is an end too: an escaped piece of a secret may end there
            near = near + [(m.start() - self.edge_reach, m.end() + self.edge_reach) for m in _ELLIPSIS.finditer(text)]
        if not self.everywhere and len(text) > 2 * self.edge_reach:  # a secret escaped character by character
            # hides its anchor too (and one of letters and digits has none): a run of escapes as long as the
            # shortest secret is read where it is
            runs, starts = self.escape_runs
            if any(start.search(text) for start in starts):
                near = near + [(m.start() - self.WIDEST, m.end() + self.WIDEST) for m in runs.finditer(text)]
        for start, end in self._windows(text, near):  # read those places
            found = self._found_escaped(text[start:end], head=start == 0, tail=end == len(text))
            spans += [(start + s, start + e, label) for s, e, label in found]
        return spans

    def _found_unbroken(self, text: str, head: bool = True, tail: bool = True) -> tuple[list, list]:
        """`_found` in the text read without its line breaks: a secret a line break cut in two is whole there. A
        text of UTF-16 or UTF-32 read as UTF-8 (a body without its charset) holds a NUL beside each ASCII character:
        it is read without them too."""
        unbroken = _Unbroken.of(text)
        hints: list[int] = []  # where a secret's bytes may be written a number a byte
        if unbroken is None:
            spans, near = self._found(text, head, tail, hints=hints)
        else:
            spans, near = self._found(unbroken.text, head, tail, within=unbroken, hints=hints)
            kept = unbroken.keeping_equals()
            if kept is not None:  # a '=' before a break: both readings, soft break and the secret's own
                spans += self._found(kept.text, head, tail, within=kept)[0]
        if "\x00" in text and _WIDE_HINT.search(text) and _WIDE_CHARACTERS.search(text):
            wide = _Unbroken(text, breaks=_NULS)
            spans += self._found(wide.text, head, tail, within=wide)[0]
        if _holds_dump(text):  # a hexdump: its bytes' hex and its printable column, each whole across its lines
            for dump in _dump_views(text):
                spans += self._found(dump.text, head=False, tail=False, within=dump, cuts=False)[0]
                for at in dump.heads:  # a dump cut before its first byte may start with a secret's end
                    cut = self._cut_at_start(dump.text[at:at + self.edge_reach])
                    if cut is not None:
                        spans.append((dump.start(at), dump.end(at + cut[0]), f"[redacted part of {cut[1]}]"))
        words = _word_dumps(text) if _WORD_DUMP_START in text else None
        if words is not None:  # hexdump's and od's 16-bit words: their bytes' hex, in order across their lines
            spans += self._found(words.text, head=False, tail=False, within=words, cuts=False)[0]
        spans += self._found_regrouped(text, unbroken)
        listed = _Bytes.of(text, sorted(hints)) if hints else None
        if listed is not None:  # bytes written a number a byte (`[75 113 …]`, od's columns): their hex, across lines
            spans += self._found(listed.text, head=False, tail=False, within=listed, cuts=False)[0]
            for began, ended in listed.runs:  # a run that ends with a secret's start: a dump cut short (an excerpt)
                cut = self._cut_at_end(listed.text[began:ended])
                if cut is not None:
                    spans.append((listed.start(began + cut[0]), listed.end(ended), f"[redacted part of {cut[1]}]"))
        return spans, near

    def _found_regrouped(self, text: str, unbroken: "_Unbroken | None") -> list[tuple[int, int, str]]:
        """A secret written in groups with any short separator between them, not only `_SEPARATORS`' (`K,q,7,…`,
        `Kq7v|R2mX|…`, Python's `['K', 'q', …]`), or of hex digits grouped anew (a UUID key as its bytes `3F 25 04 …`,
        a hex key as a UUID): found in the text read without its blanks and punctuation, by the forms that find it
        written whole (a UUID's joined, a hex key's other case), kept where its characters were written so
        (`_written_in_groups`). One more pass of the automaton, over a text of letters and digits alone. Of a text with
        line breaks, its reading without them (`unbroken`): a pretty-printed array's indentation is no separator."""
        read = text if unbroken is None else unbroken.text
        squeezed = _Squeezed(read)
        if len(squeezed.text) == len(read):
            return []
        found = self._found(squeezed.text, head=False, tail=False, within=squeezed, cuts=False)[0]
        return [(start, end, label) if unbroken is None else (unbroken.start(start), unbroken.end(end), label)
                for start, end, label in found if _written_in_groups(read, start, end, label)]

    # how many times a text is read escape by escape: a repr of a repr escapes a quote twice (`\\\'`), a repr of that
    # three times
    ESCAPE_DEPTH = 3

    def _found_escaped(self, text: str, head: bool, tail: bool) -> list[tuple[int, int, str]]:
        """Where a secret is in `text` read escape by escape — masked from its first escape to its last — and in
        that read so again, ESCAPE_DEPTH times: httpcore's DEBUG trace shows an exception's repr of one whose
        message is a repr of a reply's bytes, a secret's quote or backslash escaped twice."""
        spans: list[tuple[int, int, str]] = []
        views: list[_View] = []
        view = _View.of(text)
        while view is not None and len(views) < self.ESCAPE_DEPTH:
            views.append(view)
            for start, end, label in self._found_unbroken(view.text, head, tail)[0]:  # `\n` read as a break
                for outer in reversed(views):  # back through each reading to the text itself
                    start, end = outer.start(start), outer.end(end)
                spans.append((start, end, label))
            view = _View.of(view.text)
        return spans

    def _windows(self, text: str, near: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The parts of `text` to read escape by escape: around each anchor, and its two ends; merged."""
        if self.everywhere or len(text) <= 2 * self.edge_reach:  # a short text (an excerpt) is all ends
            return [(0, len(text))]
        wanted = sorted([*near, (0, self.edge_reach), (len(text) - self.edge_reach, len(text))])
        merged: list[tuple[int, int]] = []
        for start, end in wanted:
            start, end = max(start, 0), min(end, len(text))
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _found(self, text: str, head: bool = True, tail: bool = True,
               within: "_Unbroken | None" = None, cuts: bool = True,
               hints: list[int] | None = None) -> tuple[list, list]:
        """Where a secret (or, at an end of the text, a piece of one) is in `text` — start, end and what
        replaces it — and where an anchor may have an escaped secret around it. `text` may be a text read without
        its line breaks (`within`): one pass, whose places are given in the text itself. (All a plain pass finds,
        this one does: each form is registered as well as it reads there, `_unbroken_forms`.) `cuts`: an ellipsis
        inside it is an excerpt's cut (not in a hexdump's printable column, whose dots are bytes). `hints`: where a
        `_byte_run_hints` word starts, in the text itself, is added to it."""
        spans, near = [], []
        # where a piece of a form, widened, was found whole: (the form, where the form would start in the text) ->
        # (start, stop). A copy of a 2 KB secret holds ~2,000 of its pieces, each widened to that same copy: a piece
        # found inside one is masked already (`_masked` keeps the widest of spans that start together)
        widened: dict[tuple[int, int], tuple[int, int]] = {}
        for end, (length, mark, reach, piece_of) in self._matches(text):
            if piece_of == _BYTE_RUN_HINT and hints is not None:  # (equal, not the same: a pickled matcher's)
                hints.append(within.start(end + 1 - length) if within is not None else end + 1 - length)
            if mark is not None:
                start, stop = end + 1 - length, end + 1
                if piece_of is not None:
                    place = (id(piece_of[0]), start - piece_of[1])
                    known = widened.get(place)
                    if known is not None and known[0] <= start and stop <= known[1]:
                        mark = None
            if mark is not None and not _a_number_part(text, start, stop, within):
                label = f"[redacted {mark}]"
                if piece_of is not None:  # a piece of a long form: as far as the text goes on agreeing with it
                    found, (start, stop) = (start, stop), _stretched(text, stop, piece_of[0], piece_of[1], length)
                    if found[0] - start < LONGEST_WORD and stop - found[1] < LONGEST_WORD:  # not cut short: whole
                        widened[place] = (start, stop)
                    if len(piece_of) > 2 and not (piece_of[2] and stop - start >= len(piece_of[0])):
                        label = f"[redacted part of {mark}]"  # a run of a secret, not all of it
                spans.append((start, stop, label))
            if reach:
                near.append((end + 1 - length - reach, end + 1 + reach))
        cut = self._cut_at_end(text) if tail else None
        if cut is not None:
            spans.append((cut[0], len(text), f"[redacted part of {cut[1]}]"))
        cut = self._cut_at_start(text) if head else None
        if cut is not None:
            spans.append((0, cut[0], f"[redacted part of {cut[1]}]"))
        if cuts and ("…" in text or "..." in text):  # an excerpt cut inside the text (`'ppp…cnrykey…'… (161
            # characters)`, a server quoting a key cut short: `invalid key sk_live_4eC39HqL... (expired)`): its edges
            # are ends too
            for mark in _ELLIPSIS.finditer(text):
                before = max(0, mark.start() - self.edge_reach)  # no secret's piece is longer: no copy of the text
                cut = self._cut_at_end(text[before:mark.start()])
                if cut is not None:
                    spans.append((before + cut[0], _past_an_escaped_quote(text, mark.start()),
                                  f"[redacted part of {cut[1]}]"))
                cut = self._cut_at_start(text[mark.end():mark.end() + self.edge_reach])
                if cut is not None:
                    spans.append((mark.end(), mark.end() + cut[0], f"[redacted part of {cut[1]}]"))
        if within is not None and (spans or near):
            spans = [(within.start(start), within.end(end), label) for start, end, label in spans]
            near = [(within.start(max(start, 0)), within.end(max(end, 1))) for start, end in near]
        return spans, near

    def _matches(self, text: str) -> list[tuple[int, tuple]]:
        """Every word in `text`, overlaps too, in order of where each ends: (its last position, what it is)."""
        try:
            found = self.automaton.find_matches_as_indexes(text, overlapping=True)
        except UnicodeEncodeError:  # a lone surrogate
            if self.surrogate_automaton is None:
                automaton = lazy.load("ahocorasick").Automaton()
                for word, what in self.words:
                    automaton.add_word(word, what)
                automaton.make_automaton()
                self.surrogate_automaton = automaton
            return list(self.surrogate_automaton.iter(text))
        found_as = self.found_as
        return [(end - 1, found_as[word]) for word, _, end in found]

    def _cut_at_end(self, text: str) -> tuple[int, str] | None:
        """The start of a secret (k >= run characters, not all of it) that ends the text, maybe followed by an
        escape cut short (`\\u00`): where it starts, and its mark."""
        tail = text[-12:]
        partial = _PARTIAL_END.search(text, len(text) - len(tail)) if _may_hold_partial(tail) else None
        for end in (len(text), partial.start()) if partial else (len(text),):
            if end < self.run:
                continue
            best = None
            for back in range(min(self.STRIDE, end - self.run + 1)):  # an indexed piece ends `back` before the end
                for part, offset, mark in self.pieces.get(text[end - back - self.run:end - back], ()):
                    k = offset + self.run + back  # the text ends with part[:k], if it holds what comes before
                    if k < len(part) and k <= end and (best is None or k > best[0]) and text[end - k:end] == part[:k]:
                        best = (k, mark)
            if best is not None:
                return end - best[0], best[1]
        return None

    def _cut_at_start(self, text: str) -> tuple[int, str] | None:
        """The end of a secret that starts the text, maybe after the end of an escape cut short (`026;`):
        where it ends, and its mark."""
        partial = _partial_start(text)
        for start in range(partial + 1):
            best = None
            for ahead in range(self.STRIDE):  # an indexed piece starts `ahead` after the start
                for part, at, mark in self.pieces.get(text[start + ahead:start + ahead + self.run], ()):
                    offset = at - ahead  # the text starts with part[offset:], if it holds what follows the piece
                    k = _tail_held(text, start, part[offset:]) if 0 < offset else 0
                    if k and (best is None or k > best[0]):
                        best = (k, mark)
            if best is not None:
                return start + best[0], best[1]
        return None


def _tail_held(text: str, start: int, tail: str) -> int:
    """How many characters of `text` from `start` are `tail`: all of it, or all but its base64 padding (base64url
    is mostly written without: a JWT's parts); 0 when the text does not go on so."""
    if text.startswith(tail, start):
        return len(tail)
    bare = tail.rstrip("=")
    return len(bare) if len(bare) < len(tail) and text.startswith(bare, start) else 0


_ANCHOR_RUN = re.compile(r"[A-Za-z0-9]+")
_ELLIPSIS = re.compile(r"['\"]?(?:…|\.\.\.)['\"]?")  # where an excerpt was cut, with the quote that closed or opened it
# What an excerpt leaves of an escape it cuts: its start at the text's end, its end at the text's start
_PARTIAL_ESCAPE_START = r"\\(?:u[0-9A-Fa-f]{0,3})?|%[0-9A-Fa-f]?|&#?[xX]?[0-9A-Za-z]{0,10}"
# and of a character it cuts, its escapes whole but not all of them (`%C3` of ß's `%C3%9F`, `\ud83d` of a pair):
# the unescaped view reads each byte or unit as a lone surrogate, no character of a secret
_HALF_CHARACTER = r"[\ud800-\udfff]{1,3}"
_PARTIAL_END = re.compile(rf"(?:{_HALF_CHARACTER}(?:{_PARTIAL_ESCAPE_START})?|{_PARTIAL_ESCAPE_START})\Z")
# (each on its own, the longest taken: `7;` of `&#x27;` also reads as a \u escape's last digit `7`), a short
# escape's letter (`n` of `\n`, its backslash cut off), and a character's last bytes (`C3%9F` of `%C3%9F`)
_PARTIAL_STARTS = tuple(map(re.compile, (r"u?[0-9A-Fa-f]{1,4}", r"[\\/\"'bfnrt]")))
_PARTIAL_ENTITY_ENDS = tuple(map(re.compile, (r"#?[xX]?[0-9A-Fa-f]{0,8};", r"[A-Za-z0-9]{1,10};")))
_PARTIAL_CHARACTER_END = re.compile(rf"(?:u?[0-9A-Fa-f]{{1,4}})?{_HALF_CHARACTER}")


def _may_hold_partial(tail: str) -> bool:
    """Whether a text's last characters may be an escape or a character cut short (cheap: most texts' are not)."""
    return "\\" in tail or "%" in tail or "&" in tail or not tail.isascii()


def _partial_start(text: str) -> int:
    """How long the end of a cut escape or character that starts `text` may be, the longest reading taken; the
    patterns that need a ';' or a lone surrogate are tried only where the text's first characters hold one."""
    head = text[:12]
    escapes = _PARTIAL_STARTS
    if ";" in head:
        escapes += _PARTIAL_ENTITY_ENDS
    if not head.isascii():
        escapes += (_PARTIAL_CHARACTER_END,)
    return max((m.end() for m in (escape.match(text) for escape in escapes) if m), default=0)


def _inner_bases(secret: str) -> list[str]:
    """What of a secret is masked where a text quotes a run of it (`token cronSecretV… rejected`, `key ending
    …5b4a3210`): the secret as written — of a URL its path and query, of several lines or of JSON its key material
    (`_key_lines`), never its words — none of a `user:password` (the password is a secret of its own), nor of a value
    too big to index (`BIG_SECRET`)."""
    if isinstance(secret, _PairText):
        return []
    part = _secret_part(secret)
    if part is None or len(part) > BIG_SECRET:
        return []
    if _URL_START.match(secret):  # of a URL, each piece of its path and query: `/services/` is a word, not a key's
        return [piece for piece in _URL_PIECE_CUT.split(part) if len(piece) >= Redactor.MIN_RUN]
    return _key_lines(part) if _LINE_BREAK.search(part) or _JSON_STRUCTURE.search(part) else [part]


_URL_PIECE_CUT = re.compile(r"[/?&=#;]")


def _inner_run(length: int) -> int:
    """The shortest run of a secret `length` long masked inside a text: a third of it, from MIN_RUN (8, up to a
    24-character key) to 12 (from 36) — a few characters of a long key give nothing away, and half of one gave
    half of it away (11 of a 24-character token, or all of it cut into three 8-character fields)."""
    return max(Redactor.MIN_RUN, min(12, length // 3))


# A separator a page or a job's output puts between a secret's characters, or between its groups of 2 to 8, to make it
# readable (`Kq7v-R2mX-…`, `K q 7 v …`, `Kq:7v:R2`); a tab or a line break there is `_Unbroken`'s, which reads the
# text without them; any other, `_Matcher._found_regrouped`'s
_SEPARATORS = " -_.:/"
_GROUP_SIZES = range(1, 9)


def _separated_forms(secret: str) -> list[tuple[str, int, list[str]]]:
    """Per size of group, the secret with one separator after each of its groups (the last maybe shorter), a form per
    separator: as `_inner_bases`, of the secret as written (not of a URL, a pair, a value of several lines or JSON:
    their keys are secrets of their own), of one up to SMALL_SECRET_BYTES. Three groups at least: two joined once are
    as often two words (`Summer 2024` of a password `Summer2024`). Not of digits alone: digits at regular places are
    times, versions and addresses (a PIN `123456` is not the time 12:34:56), as digits on two lines are two numbers.
    Of a key of hex digits alone, its other case too, in groups of whole bytes (2 to 8 digits): a program prints a key's
    bytes upper-cased (.NET's `9F-86-D0-…`) where `openssl rand -hex` wrote it lower-cased. (spelling, size, forms)"""
    if _inner_bases(secret) != [secret] or len(_bytes(secret)) > SMALL_SECRET_BYTES or secret.isdigit():
        return []
    forms = []
    for spelling in (secret, *(_other_cases(secret) if secret.isalnum() else ())):  # (a UUID's: `_respellings`)
        for size in _GROUP_SIZES if spelling == secret else _BYTE_GROUP_SIZES:
            if 2 * size < len(secret):
                groups = [spelling[at:at + size] for at in range(0, len(spelling), size)]
                forms.append((spelling, size, [separator.join(groups) for separator in _SEPARATORS]))
    return forms


# any other separator between a secret's groups (`_Matcher._found_regrouped`): a run of characters that are no ASCII
# letter or digit, the same each time, this long at most — Python's `', '` between a list's characters, a JSON array's
# `", "` escaped in a JSON string (`\", \"`)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_LONGEST_SEPARATOR = 6
_LONGEST_GROUP = 64  # how far a group is read on beyond a secret's characters found in it
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]*")
_ALNUM_RUN_TO_END = re.compile(r"[A-Za-z0-9]*\Z")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_HEX_KEY_DIGITS = 16  # a 64-bit key's, half a UUID's
_NO_SEPARATOR = re.compile(r"…|\.\.\.|['\"].*:|:.*['\"]")  # an excerpt's cut; a key and its value


def _written_in_groups(text: str, start: int, end: int, label: str) -> bool:
    """Whether a secret's characters found at text[start:end], read without what is between them, were written in
    groups with one short separator between each two: 16 hex digits or more in any groups, two at least (a key's
    bytes, a UUID's 8-4-4-4-12 of a key that was none, two halves) — a key's hex digits are one secret whatever their
    grouping; else in groups of one size, the first and last maybe shorter (a cut), three at least: a passphrase's
    words are of many sizes, two joined once as often two words (`Summer 2024`, `AB3D EF9` of a short `Ab3dEf9`). A
    run of letters alone is no part of one (`CorrectH` of a heading's `Correct Horse`), nor digits alone any
    (`_a_number_part`: 12:34:56 is a time); all of it found with nothing between is the plain reading's. No separator
    is an excerpt's cut (`…": "…` between two excerpts of a key), nor a mapping's key and value (`': '`): masked,
    the JSON or repr around it would break."""
    separators = set(_NOT_ALNUM.findall(text, start, end))
    separator = separators.pop() if len(separators) == 1 else ""
    if not separator or len(separator) > _LONGEST_SEPARATOR or _NO_SEPARATOR.search(separator):
        return False
    characters = text[start:end].replace(separator, "")
    if label.startswith("[redacted part") and characters.isalpha():
        return False
    first = _ALNUM_RUN_TO_END.search(text, max(0, start - _LONGEST_GROUP), start).start()  # the groups it touches,
    last = _ALNUM_RUN.match(text, end, end + _LONGEST_GROUP).end()  # whole
    groups = text[first:last].split(separator)
    if len(characters) >= _HEX_KEY_DIGITS and _HEX.fullmatch("".join(groups)):
        return True
    size = len(groups[1])
    return (len(groups) >= 3 and all(len(group) == size for group in groups[1:-1])
            and len(groups[0]) <= size and len(groups[-1]) <= size)


_BYTE_GROUP_SIZES = range(2, 9, 2)
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*")  # a letter among them: a case to change
# groups of letters and digits joined by one separator, the same each time, three groups at least (a UUID's `-`)
_GROUPS = re.compile(rf"[A-Za-z0-9]+([{re.escape(_SEPARATORS)}])[A-Za-z0-9]+(?:\1[A-Za-z0-9]+)+")


def _other_cases(secret: str) -> list[str]:
    """Of a secret of hex digits (its groups' separators aside), its other case, or both of a mixed one."""
    groups = _GROUPS.fullmatch(secret)
    if not _HEX_DIGITS.fullmatch(secret.replace(groups[1], "") if groups else secret):
        return []
    return [case for case in dict.fromkeys((secret.lower(), secret.upper())) if case != secret]


def _respellings(secret: str) -> list[str]:
    """The secret as a program prints the same value otherwise, whole: of hex digits, in its other case (`_other_cases`:
    a hex key upper-cased, or a UUID); of groups joined by one separator (`_GROUPS`: a UUID, `Kq7v-R2mX-…`), joined
    by none (Python's `uuid.hex`, `.replace('-', '')`) or by another of `_SEPARATORS`, in either case of hex. As
    `_separated_forms`, of the secret as written up to SMALL_SECRET_BYTES, and not of digits alone (`12-34-56` is no
    `123456`, no `12:34:56`); none shorter than a secret may be."""
    if _inner_bases(secret) != [secret] or len(_bytes(secret)) > SMALL_SECRET_BYTES:
        return []
    groups = _GROUPS.fullmatch(secret)
    if groups is None:
        return _other_cases(secret)
    separator = groups[1]
    if secret.replace(separator, "").isdigit():
        return []
    spellings = {case.replace(separator, joiner) for case in (secret, *_other_cases(secret))
                 for joiner in ("", *_SEPARATORS)}
    return sorted(form for form in spellings - {secret} if len(form) >= Redactor.MIN_LENGTH)


def _respelled_runs(form: str) -> set[tuple[int, int]]:
    """Where a respelling's first and last runs are (as many of its characters as `_inner_run` masks), or all of it
    where it is that short or a run may read as words or a number (letters alone, no `_short_key`: a UUID's last group
    of digits)."""
    run, whole = _inner_run(len(form)), (0, len(form))
    if run >= len(form):
        return {whole}
    return {(at, at + run) if _short_key(piece := form[at:at + run]) and not piece.isalpha() else whole
            for at in (0, len(form) - run)}


def _separated_runs(secret: str, size: int) -> set[tuple[int, int]]:
    """Where the secret's first and last runs are in its form of groups of `size` (`_separated_forms`): as many of its
    characters as `_inner_run` masks quoted inside a text, a group and one more at least (a separator among them, so
    that no run is one of the secret's own). All of the form where the secret is that short, or where a run may read
    as words (no `_short_key`, or letters alone): a few letters of a passphrase spaced out may be words spaced out."""
    length = len(secret)
    run = max(_inner_run(length), size + 1)
    whole = (0, length + (length - 1) // size)
    if run >= length:
        return {whole}
    # letters alone may be words cut anywhere (`CorrectH` of CorrectHorseBatteryStaple, written `Correct Horse`)
    return {(at + at // size, at + run - 1 + (at + run - 1) // size + 1)
            if _short_key(piece := secret[at:at + run]) and not piece.isalpha() else whole
            for at in (0, length - run)}


def _chunk_starts(length: int) -> list[int]:
    """Where the automaton's pieces of a form `length` long start: LONGEST_WORD long, overlapping a little, the last
    ending with the form."""
    step = LONGEST_WORD - 64
    return sorted({*range(0, length - LONGEST_WORD, step), length - LONGEST_WORD})


def _stretched(text: str, end: int, form: str, offset: int, length: int = LONGEST_WORD) -> tuple[int, int]:
    """A piece (`length` long) of a form found ending at `end` of `text`, widened as far as the text goes on agreeing
    with the form around it: a piece of the form that a text cut, or that holds no whole chunk at one of its ends, is
    masked end to end. A LONGEST_WORD at most each way: beyond that a neighbouring piece was found and widens on."""
    start, after = end - length, offset + length
    back = min(LONGEST_WORD, start, offset)
    before = bisect.bisect_left(range(1, back + 1), True,
                                key=lambda n: text[start - n:start] != form[offset - n:offset])
    ahead = min(LONGEST_WORD, len(text) - end, len(form) - after)
    beyond = bisect.bisect_left(range(1, ahead + 1), True,
                                key=lambda n: text[end:end + n] != form[after:after + n])
    return start - before, end + beyond


def _past_an_escaped_quote(text: str, end: int) -> int:
    """Where a piece cut before an excerpt's mark ends: past the quote there when the piece ends in the backslash
    that escapes it (`q\\"…`: the secret's own quote, JSON-escaped, not the excerpt's) — half an escape masked would
    leave the quote unescaped and the JSON around it broken."""
    before = end
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return end + 1 if (end - before) % 2 and text.startswith(("'", '"'), end) else end


def _a_number_part(text: str, start: int, end: int, within: "_Unbroken | None") -> bool:
    """`_inside_a_number`, judged in the text itself when `text` is one read without its line breaks: a PIN on a
    line of its own above a number is the PIN; digits on two lines are two numbers (a year above a count, a date's
    parts a line each), not a PIN broken in two, which no echo does."""
    if within is None or not text[start:end].isdigit():
        return _inside_a_number(text, start, end)
    first, last = within.start(start), within.end(end)
    return (within.breaks.search(within.original, first, last) is not None
            or _inside_a_number(within.original, first, last))


def _inside_a_number(text: str, start: int, end: int) -> bool:
    """Digits found within a longer run of digits: a PIN's digits inside a timestamp (`"start": 1764582998537`) or
    a count are not the PIN — masking them would also break the JSON they sit in."""
    return (text[start:end].isascii() and text[start:end].isdigit()
            and ((start > 0 and "0" <= text[start - 1] <= "9") or (end < len(text) and "0" <= text[end] <= "9")))


def _in_base64(text: str, start: int, stop: int) -> tuple[int, int]:
    """A span beside letters or digits (a secret's piece in base64 of something longer) widened by the characters
    that may mix its bits with its neighbours': the letter or digit before it, and up to a group (4) of them after it
    with the padding that follows. The piece registered holds only the characters that are the secret's alone; the
    partial group after it holds its last one or two bytes (`MTM=` of `…13`), the character before it a few bits of
    its first. Nothing else is eaten: not a path's `/` (so a group holding one after a secret still shows), a word
    after a blank, nor anything near an escape's backslash or `%XX` (a URL or JSON stays one); a secret beside
    letters in plain text only masks a few more of them."""
    def letter_or_digit(at: int) -> bool:
        return text[at].isascii() and text[at].isalnum()

    def base64_character(at: int) -> bool:  # but `/`, which paths are made of
        return letter_or_digit(at) or text[at] in "+-_"

    if (0 < start and letter_or_digit(start) and letter_or_digit(start - 1)
            and "\\" not in text[max(0, start - 10):start] and "%" not in text[max(0, start - 3):start]):
        start -= 1
    # a span that ends on `/` inside a run of base64 (a letter or digit before it too) is a piece of base64 as well
    inside = base64_character(stop - 1) or (text[stop - 1] == "/" and 0 < start and letter_or_digit(start - 1))
    end = stop
    while end < len(text) and end - stop < 4 and inside and base64_character(end):
        end += 1
    while end > stop and end < len(text) and end - stop < 6 and text[end] == "=":
        end += 1
    return start, end


def _masked(text: str, spans: list[tuple[int, int, str]], keep_lines: bool = False) -> str:
    """`text` with each span replaced by its label (and, keep_lines, the line breaks it spanned); overlapping spans
    (two forms, or two secrets, sharing characters) become one, so no character of either is left between them."""
    spans = [(*_in_base64(text, start, stop), label) for start, stop, label in spans]
    pieces, last = [], 0
    # of two spans alike, the whole secret's label: a run of it found in one reading, all of it in another
    for start, end, label in sorted(spans, key=lambda span: (span[0], -span[1], span[2].startswith("[redacted part"))):
        if start < last:  # overlaps the mask before: widen it
            if keep_lines and end > last:
                pieces += _LINE_BREAKS.findall(text, last, end)
            last = max(last, end)
            continue
        pieces += [text[last:start], label, *(_LINE_BREAKS.findall(text, start, end) if keep_lines else ())]
        last = end
    return "".join(pieces) + text[last:]


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
