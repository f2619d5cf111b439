"""Secrets never leave: show presence, length and a short fingerprint, never the value.

Every value the suite learns that could be a secret is registered with the run's
`Redactor`; outcomes pass through it before any reporter sees them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from . import lazy
from .display import shown_forms

_NOT_SECRET = re.compile(r"^(true|false|yes|no|on|off|\d{1,7})$", re.IGNORECASE)


def fingerprint(value: str) -> str:
    """Short, stable fingerprint: enough to tell two values apart, useless to recover one."""
    return "sha256:" + hashlib.sha256(_bytes(value)).hexdigest()[:8]


def _bytes(value: str) -> bytes:
    """A value's bytes as given: what was not UTF-8 (os.environ keeps it as lone surrogates) goes back as it was."""
    return value.encode("utf-8", "surrogateescape")


def describe(value: str | None) -> dict[str, Any]:
    if value is None:
        return {"present": False}
    return {"present": True, "length": len(value), "fingerprint": fingerprint(value)}


_SECRET_NAME = re.compile(
    r"(KEY|SECRET|TOKEN|PASS|PASSWORD|PWD|DSN|CREDENTIAL|PRIVATE|AUTH|SALT|SIGNING|COOKIE|SESSION|WEBHOOK)",
    re.IGNORECASE,
)


def looks_secret(name: str, value: str) -> bool:
    """Whether an env var is worth redacting: a secret-sounding name, a URL carrying credentials,
    or a long high-entropy value. Plain words ('joslyn') are left alone so text stays readable."""
    if _SECRET_NAME.search(name):
        return True
    if "://" in value and "@" in value:
        return True
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return len(value) >= 20 and classes >= 3 and " " not in value


def _is_plain_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query
    )


def encodings(value: str) -> set[str]:
    """The forms a secret travels in besides itself: URL-encoded, JSON-escaped, repr, hex, base64 —
    including base64 of the secret wrapped in something unknown (`user:secret` in a Basic header):
    for each of the three alignments, the part of the encoding that depends on the secret alone."""
    raw = _bytes(value)
    escaped = html.escape(value)  # an error page echoing it: &amp; &lt; &quot; and &#x27; (or &#39;)
    quoted = quote(raw, safe="")
    forms = {escaped, escaped.replace("&#x27;", "&#39;"), html.escape(value, quote=False),
             quoted, _lower_escapes(quoted), quote_plus(raw), json.dumps(value)[1:-1], repr(value)[1:-1],
             raw.hex(), raw.hex().upper(),
             # a target that shouts or folds what it echoes, or escapes every byte (`%73%33…`)
             value.upper(), value.lower(), "".join(f"%{b:02X}" for b in raw), "".join(f"%{b:02x}" for b in raw)}
    for shown in shown_forms(value):  # as a terminal or the report's markdown shows it, and that in JSON
        forms.update((shown, json.dumps(shown, ensure_ascii=False)[1:-1], json.dumps(shown)[1:-1]))
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        # characters touched by the unknown prefix or the unknown suffix are dropped
        start = math.ceil(offset * 4 / 3)
        end = (offset + len(raw)) // 3 * 4
        if end - start >= Redactor.MIN_RUN:
            forms.add(encoded[start:end])
        forms.add(base64.urlsafe_b64encode(b"\0" * offset + raw).decode()[start:end])
    return {form for form in forms if len(form) >= Redactor.MIN_RUN and form != value}


def _lower_escapes(quoted: str) -> str:
    """`%2F` written `%2f`, as some encoders do."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quoted)


class Redactor:
    """Replaces every registered secret value — and the usual encodings of it — in text and nested
    data; a run of at least MIN_RUN characters of a secret at the edge of a text (an excerpt that
    cut a secret in two) is masked as well."""

    MIN_LENGTH = 6  # shorter values are flags and ports; redacting them would mangle text
    MIN_RUN = 8  # the shortest piece of a secret worth masking at an excerpt's edge

    def __init__(self) -> None:
        self._values: dict[str, str] = {}  # what to find (a secret or one of its encodings) -> the secret
        self._secrets: set[str] = set()  # the values themselves (not their encodings)
        self._edges: dict[str, str] = {}  # the part of a secret masked where a text cuts it -> the secret
        self._lock = threading.Lock()
        self._matcher: _Matcher | None = None  # built on first use after a change
        self.version = 0  # grows with every new secret: what was cleaned before may need cleaning again

    def add(self, value: str | None, *, even_if_plain: bool = False) -> None:
        if not value or len(value) < self.MIN_LENGTH or _NOT_SECRET.match(value):
            return
        if _is_plain_url(value) and not even_if_plain:
            return
        with self._lock:
            if value in self._secrets:
                return
            new = [value, *_url_passwords(value)]
            for secret in new:
                self._secrets.add(secret)
                edge = _secret_part(secret)
                if edge:
                    self._edges.setdefault(edge, secret)
                self._values.setdefault(secret, secret)
                for form in encodings(secret):
                    self._values.setdefault(form, secret)
            self._matcher = None
            self.version += 1

    def add_url_parts(self, url: str | None) -> None:
        """A URL may carry a token in its path or query (an RPC key, `?api-key=`): register those parts."""
        if not url or "://" not in url:
            return
        try:
            parts = urlsplit(url)
        except ValueError:
            return
        if parts.password:
            self.add(parts.password, even_if_plain=True)
        for segment in parts.path.split("/"):
            if looks_like_token(segment):
                self.add(segment, even_if_plain=True)
        for _, value in parse_qsl(parts.query, keep_blank_values=True):
            if len(value) >= self.MIN_LENGTH:
                self.add(value, even_if_plain=True)

    def _current(self) -> "_Matcher | None":
        with self._lock:
            if not self._values:
                return None
            if self._matcher is None:
                self._matcher = _Matcher(self._values, self._edges, self.MIN_RUN)
            return self._matcher

    def text(self, text: str) -> str:
        matcher = self._current()
        return text if matcher is None else matcher.clean(text)

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


def _secret_part(value: str) -> str | None:
    """What of a secret is secret where a text cuts it: a URL's scheme and host are not (an excerpt ending in
    `https://rpc.example.com` shows a host, not part of a key); its path and query are, its password is a
    secret of its own."""
    if "://" not in value:
        return value
    try:
        netloc = urlsplit(value).netloc
    except ValueError:
        return value
    tail = value.split(netloc, 1)[-1] if netloc else value
    return tail if len(tail) >= Redactor.MIN_RUN else None


def _url_passwords(value: str) -> list[str]:
    """A URL's password as the URL parser reads it, and as written up to the last '@' (a password holding an
    unescaped '/' or '@' is read otherwise by each parser: both readings are kept out of the output)."""
    if "://" not in value or "@" not in value:
        return []
    found = []
    try:
        found.append(urlsplit(value).password or "")
    except ValueError:  # not a URL a parser can read (an unclosed '[')
        pass
    userinfo = value.split("://", 1)[1].rsplit("@", 1)[0]
    found.append(userinfo.split(":", 1)[1] if ":" in userinfo else "")
    return [p for p in dict.fromkeys(found) if len(p) >= 4]


def looks_like_token(segment: str, shortest: int = 16) -> bool:
    """A URL path segment that is a key rather than a word: long, and mixing letters with digits."""
    return (len(segment) >= shortest and bool(re.search(r"\d", segment)) and bool(re.search(r"[A-Za-z]", segment))
            and not re.fullmatch(r"v\d+|\d{4}-\d{2}-\d{2}", segment))


class _Matcher:
    """One snapshot of the registered values, built for speed: a run registers hundreds of secrets (a fleet's
    database URLs and each one's encodings) and cleans every string of every outcome, so the cost of a text
    must not grow with the number of secrets. Whole values: one Aho-Corasick pass (leftmost, longest).
    Edges: a text can only end with a secret's first k >= run characters if its last `run` characters are
    a `run`-long piece of that secret, so one set lookup rules out almost every text."""

    def __init__(self, values: dict[str, str], edges: dict[str, str], run: int) -> None:
        ahocorasick = lazy.load("ahocorasick")
        self.automaton = ahocorasick.Automaton()
        for form, secret in values.items():
            self.automaton.add_word(form, (len(form), fingerprint(secret)))
        self.automaton.make_automaton()
        self.run = run
        self.heads: dict[str, str] = {}  # a secret's first k characters (k >= run) -> its fingerprint
        self.tails: dict[str, str] = {}  # its last k characters -> its fingerprint
        self.pieces: set[str] = set()  # every run-long piece of every secret
        self.longest = 0
        for part, secret in sorted(edges.items(), key=lambda e: len(e[0])):  # a longer part's entry wins a tie
            if len(part) < run:
                continue
            mark = fingerprint(secret)
            self.longest = max(self.longest, len(part) - 1)
            for k in range(run, len(part)):
                self.heads[part[:k]] = mark
                self.tails[part[-k:]] = mark
            self.pieces.update(part[i:i + run] for i in range(len(part) - run + 1))
        # Evidence repeats its words (column names, types, statuses) item after item: each short text is
        # cleaned once per snapshot. A new secret makes a new snapshot, so nothing stale is kept.
        self.seen: dict[str, str] = {}

    def clean(self, text: str) -> str:
        known = self.seen.get(text)
        if known is not None:
            return known
        cleaned = self._clean(text)
        if len(text) <= self.MEMO_TEXT and len(self.seen) < self.MEMO_ENTRIES:
            self.seen[text] = cleaned
        return cleaned

    MEMO_TEXT = 200  # characters: the words of evidence, not whole bodies
    MEMO_ENTRIES = 100_000

    def _clean(self, text: str) -> str:
        pieces, last = [], 0
        for end, (length, mark) in self.automaton.iter_long(text):
            start = end + 1 - length
            pieces += [text[last:start], f"[redacted {mark}]"]
            last = end + 1
        if pieces:
            text = "".join(pieces) + text[last:]
        if len(text) < self.run:
            return text
        if text[-self.run:] in self.pieces:  # the start of a secret cut off at the end of the text
            for k in range(min(self.longest, len(text)), self.run - 1, -1):
                mark = self.heads.get(text[-k:])
                if mark is not None:
                    text = text[:-k] + f"[redacted part of {mark}]"
                    break
        if text[:self.run] in self.pieces:  # the end of a secret at the start of the text
            for k in range(min(self.longest, len(text)), self.run - 1, -1):
                mark = self.tails.get(text[:k])
                if mark is not None:
                    text = f"[redacted part of {mark}]" + text[k:]
                    break
        return text
