"""HTTP probes, sent concurrently over one client per target, kept for the whole run.

Only safe methods go out unless the check is mutating (the engine has already refused
mutating checks where the environment forbids them) or the request is one the target is
expected to reject unread (an unsigned webhook).
"""

from __future__ import annotations

import ast
import bisect
import asyncio
import codecs
import concurrent.futures
import contextlib
import functools
import json
import math
import re
import socket
import ssl
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, AsyncIterator, Callable, Iterator
from urllib.parse import urljoin, urlsplit

from typing import TYPE_CHECKING

from ..display import cut, visible
from ..lazy import load
from . import loops, tlscontext
from .tlscontext import (alert_refusal, alert_words, apply_verification_rules, client_context, is_alert,
                         rejected_leaf, rejection_reason)

if TYPE_CHECKING:
    import httpx

from ..errors import GatherError, Refused
from ..secrets import without_userinfo

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_LIMIT = 64 * 1024  # read at most this much of a body unless the probe asks for more
# a body whose end is waited for (Probe.end_within_s) is read on to at most this many bytes as they come: a fast
# endless stream is bounded by it, as a page that drips forever is by the time
END_READ_LIMIT = 32 * 1024 * 1024
# the content-codings asked for: the ones `_Inflater` undoes (httpx would also offer br/zstd when installed)
ACCEPT_ENCODING = "gzip, deflate"
CLOSE_S = 2.0  # closing a target's clients: a loop that has not done so by then is wedged, and left behind


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    mutating: bool = False
    expect_rejection: bool = False  # e.g. an unsigned webhook: a correct target changes nothing
    # sent without credentials but its own headers: never the user and password its URL holds, which httpx sends as
    # `Authorization: Basic …` (a request showing the endpoint refuses callers without credentials must carry none;
    # the keys its URL's query held, its family left off: `Target.anonymous_url`)
    anonymous: bool = False
    verify: bool | str = True  # False, True (system trust store) or a CA bundle file trusted instead
    body_limit: int = BODY_LIMIT  # bytes read; the rest of a longer body is not downloaded
    raw: bool = False  # the body kept as bytes (Reply.content), not decoded: for a scan of ASCII tokens
    connect_s: float | None = None  # how long opening its connection (TCP, TLS) may take: the environment's connect_s
    # its status alone can decide its item (a forged webhook delivery, a cron call without the secret: a 2xx accepted
    # it): a head whose body then does not come whole keeps its status, `failure` saying why the body is unread.
    # Any other probe has no answer then: nothing judges a body cut short as whole
    judged_by_status: bool = False
    # its content-coding undone as Go's client reads it (Prometheus's scrape): gzip alone, where the first
    # Content-Encoding header says exactly `gzip` (Header.Get), else the bytes as they came. Any other probe undoes
    # every coding its headers list, in order, as browsers and curl do
    coding_as_go: bool = False
    # a body longer than body_limit read on to its end (its bytes counted as they come, neither kept nor inflated)
    # for at most this many seconds from the request's start and END_READ_LIMIT bytes: how long the whole body took
    # (`max_latency_ms`). None: the rest of a longer body is not downloaded
    end_within_s: float | None = None


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no HTTP answer at all
    elapsed_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    failure: str = ""  # why there was no answer (refused, timeout, TLS); with a status: why its body is unread
    truncated: bool = False  # the body was longer than the probe's body_limit
    misread: str = ""  # why `text` cannot show what is absent: the body is not text in any charset it could be
    content: bytes | bytearray = b""  # a raw probe's body as read (content-coding undone), instead of `text`
    charset: str | None = None  # a raw probe's declared charset
    sent: bool = True  # False: the request could not be built, so nothing went out (`failure` says why)
    unasked_bytes: int = 0  # bytes that followed the reply on its connection, asked for by no request (it was closed)
    # a raw probe's headers sent more than once: the first value of each (`headers` joins them with ", "), by the name
    # in lower case — what Go's Header.Get reads
    first_values: dict[str, str] = field(default_factory=dict)
    received_at: float | None = None  # the wall clock (time.time()) when the whole reply had come: this reply's own
    read_as: str = ""  # how its body was read as text when not plainly as declared (a byte-order mark, U+FFFD)
    # with a status (a head kept): why its body's content-coding could not be undone — the bytes came, and are not the
    # coding its header names (a plain body under `gzip`, bytes after the stream): the target's, not the transfer's
    undecodable: str = ""
    # a probe not judged by its status whose body's content-coding could not be undone: the status its head said
    # (`status` stays None, no answer to judge — but one came, and a message says so)
    head_status: int | None = None
    # the body's other clean reading, where it has one: its declared charset's where it was read as the UTF-8 it
    # cleanly is (a browser shows that: `異常` in UTF-16LE is the ASCII `pu8^`), UTF-8's where it was read as
    # declared (what fetch().text() and JSON readers take); and how it was read so
    other_text: str = ""
    other_read_as: str = ""
    # where a safe request was asked again on a new connection: what became of its first attempt, on a connection an
    # earlier request had used (`elapsed_ms` counts from that attempt's start: what a user of the endpoint waited)
    first_attempt: str = ""
    # a body longer than body_limit whose end was waited for (Probe.end_within_s): "came" (`elapsed_ms` is to its end),
    # "late" (still coming when that time ran out) or "capped" (more than END_READ_LIMIT bytes came, and no end);
    # `body_bytes`: how many bytes of it came, as they came (content-coding not undone)
    body_end: str = ""
    body_bytes: int = 0

    def json(self) -> Any:
        try:
            document = strict_json(self.text)
        except ValueError as exc:
            self.__dict__.setdefault("is_json", isinstance(exc, UnreadableJson))  # so `is_json` parses it no more
            self.__dict__.setdefault("keys_twice", getattr(exc, "keys_twice", ()))  # nor `keys_twice`
            self.__dict__.setdefault("unreadable_json", str(exc) if isinstance(exc, UnreadableJson) else "")
            raise
        self.__dict__.setdefault("is_json", True)
        self.__dict__.setdefault("keys_twice", ())
        self.__dict__.setdefault("unreadable_json", "")
        return document

    @functools.cached_property  # (a frozen dataclass keeps it: the cache is written past its __setattr__)
    def is_json(self) -> bool:
        """Whether the body is JSON, perhaps one a judge cannot take (`UnreadableJson`): learned from the first parse,
        the JSON rules' or this one, so a body is parsed once for both. Its document is not kept: a group's replies
        live until all its items are judged, and a parsed body takes many times its text's memory."""
        try:
            self.json()
        except UnreadableJson:
            return True
        except ValueError:
            return False
        return True

    @functools.cached_property
    def keys_twice(self) -> tuple[str, ...]:
        """The keys an object of a JSON body names twice (`UnreadableJson.keys_twice`), learned from the one parse as
        `is_json` is; () where none is, or the body is no JSON, or JSON that cannot be read whole (too deep, an integer
        too long: `unreadable_json` says which)."""
        try:
            self.json()
        except UnreadableJson as exc:
            return exc.keys_twice
        except ValueError:
            pass
        return ()

    @functools.cached_property
    def unreadable_json(self) -> str:
        """Why a JSON body cannot be judged (`UnreadableJson`'s message: a key given twice, nested too deep, an
        integer too long), learned from the one parse as `is_json` is; "" where it can, or the body is no JSON."""
        try:
            self.json()
        except UnreadableJson as exc:
            return str(exc)
        except ValueError:
            pass
        return ""

    @functools.cached_property
    def json_strings(self) -> tuple[tuple[int, int, str], ...]:
        """The strings (keys and values) of a JSON body that are written with escapes, as every JSON client decodes
        them — Python's `\\u00e9chec` is `échec`, Go's `\\u003cdb\\u003e \\u0026` is `<db> &` — each with where
        it starts and ends in `text`; () where the body is no JSON. A string written without one reads as it
        stands in `text`, and a body without a backslash is not parsed for this."""
        if "\\" not in self.text:
            return ()
        return tuple(_escaped_strings(self.text)) if self.is_json else ()

    @functools.cached_property
    def json_reading(self) -> JsonReading | None:
        """The body as a JSON client reads it whole: each string written with escapes (`json_strings`) replaced in
        place by its decoded text between its quotes, the rest (structure, spacing, strings without one) as written;
        None where no string holds an escape. `{"status":"\\u00e9chec"}` reads `{"status":"échec"}`."""
        strings = self.json_strings
        return JsonReading.of(self.text, strings) if strings else None

    def header(self, name: str) -> str:
        """A header's value (`name` in lower case) as Go's Header.Get reads it: the first of several sent, where a
        raw probe kept it; else as `headers` holds it; "" when none came."""
        if name in self.first_values:
            return self.first_values[name]
        return next((v for k, v in self.headers.items() if k.lower() == name), "")


URL_EDGES = "".join(map(chr, range(0x21)))  # a URL parser drops controls and spaces around a URL: `src=" /a.js "`
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")  # ... and tabs and line breaks wherever they are
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
SPECIAL_SCHEMES = frozenset({"ftp", "file", "http", "https", "ws", "wss"})  # the WHATWG URL standard's
_BEFORE_QUERY = re.compile(r"[^?#]*")


def as_url_parser_reads(written: str, base: str = "") -> str:
    """A URL (or a reference relative to `base`) as the WHATWG URL parser — a browser's, Node's — reads it before
    anything else: C0 controls and spaces trimmed off its ends, tabs and line breaks dropped, and in a URL of a
    special scheme (http, https, …; a relative one takes its base's) each `\\` before the query read as `/`:
    `<script src="\\assets\\app.js">` loads /assets/app.js."""
    text = _TAB_OR_NEWLINE.sub("", written.strip(URL_EDGES))
    scheme = _SCHEME.match(text) or _SCHEME.match(base)
    if not scheme or scheme[1].lower() not in SPECIAL_SCHEMES:
        return text
    path_end = _BEFORE_QUERY.match(text).end()
    return text[:path_end].replace("\\", "/") + text[path_end:]


def location_named(reply: Reply, url: str, learn: Callable[[str], None]) -> str:
    """Where a redirect (3xx) points, as a message may name it (`location_shown`), else "": a Location may carry a
    login's token or credentials, so the run learns its secret-looking parts first (`learn`: the run's redactor;
    masked wherever shown, as any URL's are). `url`: the request's, which a relative Location is resolved against
    for learning. Target.fetch_all does this for every reply, whichever family asked."""
    location = reply.header("location").strip(URL_EDGES)
    if reply.status is None or not 300 <= reply.status < 400 or not location:
        return ""
    try:
        learn(urljoin(url, location))
    except ValueError:  # no URL (`http://[::1/x`): learned as written
        learn(location)
    return location_shown(reply)


def location_shown(reply: Reply) -> str:
    """A redirect's (3xx) Location as a message names it, cut, without its user and password; "" for no redirect.
    Its secret-looking parts are masked as learned (`location_named`)."""
    location = reply.header("location").strip(URL_EDGES)
    if reply.status is None or not 300 <= reply.status < 400 or not location:
        return ""
    try:
        parts = urlsplit(location)
        location = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    except ValueError:  # no URL: named as written, its secret-looking parts masked all the same
        pass
    return cut(location, 200)


class UnreadableJson(ValueError):
    """Valid JSON whose meaning a judge cannot take: a key given twice in one object (readers differ on which
    one counts, so a lying target could pick), nesting deeper than the parser goes, or an integer longer than
    Python converts. `keys_twice`: every key an object names twice, each once, in the order the parse met them."""

    def __init__(self, message: str, keys_twice: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.keys_twice = keys_twice


class NotStrictJson(ValueError):
    """A body Python's reader takes but JSON has not: a bare `NaN`, `Infinity` or `-Infinity` (Python's json.dumps
    writes them for a float that is not finite). RFC 8259 has no such token, and JSON.parse and Go refuse the whole
    body: it is not JSON, wherever the token is."""


class _Constant(Exception):
    """Raised out of the parse at a NaN or ±Infinity (`parse_constant`); not a ValueError, so it is told apart."""


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


# a JSON string (skipped: its text may spell NaN) or a constant outside one
_CONSTANT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _constant_at(text: str) -> int:
    """Where the first NaN or ±Infinity outside a string is: the parse met it first, the body being JSON up to it."""
    return next((found.start(1) for found in _CONSTANT_OR_STRING.finditer(text) if found.group(1)), -1)


def key_twice_said(key: str) -> str:
    """How a key an object names twice is said, by the JSON rules and the text rules alike."""
    return f"a JSON object names the key {cut(json.dumps(key))} twice"


def strict_json(text: str) -> Any:
    """A target's JSON; raises ValueError when it is not JSON (`NotStrictJson` for a NaN or ±Infinity, which only
    Python's reader takes), `UnreadableJson` when it cannot be judged. A key given twice is said by the first found,
    and every such key is learned in the one parse (the text rules ask which keys: `Reply.keys_twice`)."""
    twice: dict[str, None] = {}  # each key once, in the order met
    try:
        document = json.loads(text, object_pairs_hook=functools.partial(_unique_keys, twice),
                              parse_constant=_refuse_constant)
    except _Constant as exc:
        raise NotStrictJson(f"{exc} at character {_constant_at(text)}, which JSON has not: JSON.parse and Go refuse"
                            " the whole body") from None
    except RecursionError:
        raise UnreadableJson("JSON nested deeper than it can be read") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # valid JSON, but int() refuses an integer this long (CVE-2020-10735's limit)
        raise UnreadableJson(f"JSON holds an integer of more than {sys.get_int_max_str_digits()} digits, "
                             "longer than it can be read") from None
    if twice:
        raise UnreadableJson(key_twice_said(next(iter(twice))), tuple(twice))
    return document


@dataclass(frozen=True)
class JsonReading:
    """A JSON body with its escaped strings decoded in place (`Reply.json_reading`): no longer than the body (an
    escape decodes to fewer characters), made in one pass. A `"` decoded from an escape (`\\"`, `\\u0022`) is
    string content, which reads in `text` like JSON's syntax: `decoded_quotes` says where each is."""

    text: str
    decoded_quotes: tuple[int, ...]  # where in `text` a `"` is one an escape decoded to, in order
    # where each piece of `text` starts, and where it starts in the body as written: a piece as written, or one
    # decoded string (its quotes with it)
    starts: tuple[int, ...]
    written_starts: tuple[int, ...]
    decoded: tuple[bool, ...]  # whether each piece is a decoded string

    @classmethod
    def of(cls, body: str, strings: tuple[tuple[int, int, str], ...]) -> JsonReading:
        parts: list[str] = []
        quotes: list[int] = []
        starts: list[int] = []
        written_starts: list[int] = []
        decoded: list[bool] = []
        length = written = 0
        for at, end, content in strings:
            for text, is_decoded, written_at in ((body[written:at], False, written), (f'"{content}"', True, at)):
                if is_decoded:
                    found = content.find('"')
                    while found != -1:
                        quotes.append(length + 1 + found)
                        found = content.find('"', found + 1)
                starts.append(length)
                written_starts.append(written_at)
                decoded.append(is_decoded)
                parts.append(text)
                length += len(text)
            written = end
        starts.append(length)
        written_starts.append(written)
        decoded.append(False)
        parts.append(body[written:])
        return cls("".join(parts), tuple(quotes), tuple(starts), tuple(written_starts), tuple(decoded))

    def written_span(self, start: int, end: int) -> tuple[int, int]:
        """Where `text[start:end]` is in the body as written: a character decoded counts as all of its escaped
        string, quotes and all."""
        first, last = (bisect.bisect_right(self.starts, index) - 1 for index in (start, end - 1))
        return (self.written_starts[first] + (0 if self.decoded[first] else start - self.starts[first]),
                self.written_starts[last + 1] if self.decoded[last]
                else self.written_starts[last] + end - self.starts[last])

    def find(self, text: str, *, syntax_quotes: bool = False) -> int | None:
        """Where `text` first is in the reading; `syntax_quotes`: only where every `"` it holds is one JSON's syntax
        writes (a string's own quotes), none decoded from an escape — a string holding `{\\"ok\\":true}` reads like
        the body's structure but is no part of it."""
        at = self.text.find(text)
        while at != -1 and syntax_quotes:
            nearest = bisect.bisect_left(self.decoded_quotes, at)
            if nearest == len(self.decoded_quotes) or self.decoded_quotes[nearest] >= at + len(text):
                break
            at = self.text.find(text, at + 1)
        return None if at == -1 else at


def _escaped_strings(text: str) -> Iterator[tuple[int, int, str]]:
    """The JSON strings of `text` holding an escape, decoded, with where each starts and ends. Outside its strings
    JSON has no `"`, so each `"` found past the last string opens the next; each character is read once. A string
    that does not read (in JSON no parser took whole: a key given twice, nested too deep) ends the scan."""
    at = text.find('"')
    while at != -1:
        try:
            decoded, end = json.decoder.scanstring(text, at + 1)
        except ValueError:
            return
        if text.find("\\", at, end) != -1:
            yield at, end, decoded
        at = text.find('"', end)


def _unique_keys(twice: dict[str, None], pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as `dict` reads it, each key it names twice added to `twice`: the parse goes on, so it learns all."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice.update((key, None) for key, _ in pairs if key in seen or seen.add(key))
    return found


def guard(probe: Probe) -> None:
    method = probe.method.upper()
    if method not in SAFE_METHODS and not (probe.mutating or probe.expect_rejection):
        raise Refused(f"{method} {without_userinfo(probe.url)}: only GET/HEAD/OPTIONS are sent unless the item is "
                      "marked mutating")


def fetch_all(probes: list[Probe], *, timeout_s: float, concurrency: int = 16) -> list[Reply]:
    """One-off batch with its own client (tests, tools); a run uses a `Session` per target."""
    session = Session(timeout_s, concurrency)
    try:
        return session.fetch_all(probes)
    finally:
        session.close()


def _tls_setting(verify: bool | str) -> bool | ssl.SSLContext:
    """The TLS context of a verification mode: the CA bundle's, or httpx's own trust store (certifi, or
    SSL_CERT_FILE / SSL_CERT_DIR), matching a host against subjectAltName only, never the common name — as browsers
    and Go have since 2017, and as the `tls` family does. False verifies nothing."""
    if verify is False:
        return False
    try:
        if not isinstance(verify, str):  # httpx's own trust store, verified by the same rules as a CA bundle
            return tlscontext.shared(None, lambda: apply_verification_rules(load("httpx").create_ssl_context()),
                                     default="httpx")
        return tlscontext.shared(verify, lambda: client_context(verify))
    except (OSError, ssl.SSLError) as exc:
        raise GatherError(f"CA bundle {verify}: {getattr(exc, 'strerror', None) or exc}") from None


class Session:
    """A target's HTTP clients (one per TLS-verification mode) on a private event loop, so every
    family that talks to the target reuses its keep-alive connections and TLS sessions."""

    def __init__(self, timeout_s: float, concurrency: int = 16, connect_s: float | None = None) -> None:
        httpx = load("httpx")  # loaded when a target is first asked, not when a run starts

        # opening a connection (TCP, TLS) within the environment's connect_s; a probe may give its own
        self.timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0 if connect_s is None else connect_s))
        self.connect_s = connect_s
        self.timeout_s = timeout_s
        self.concurrency = concurrency
        self._clients: dict[bool | str, httpx.AsyncClient] = {}
        self._settings: dict[bool | str, bool | ssl.SSLContext] = {}  # each verification mode's TLS context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def fetch_all(self, probes: list[Probe]) -> list[Reply]:
        """Send every probe concurrently; a reply per probe, in order. Never raises for network trouble."""
        for probe in probes:
            guard(probe)
        if not probes:
            return []
        for verify in {p.verify for p in probes} - set(self._settings):  # built once: it reads the trust store
            self._settings[verify] = _tls_setting(verify)
        settings = {p.verify: self._settings[p.verify] for p in probes}
        future = asyncio.run_coroutine_threadsafe(self._fetch_all(probes, settings), self._running_loop())
        # every request has its own total deadline; this only guards against a wedged loop
        try:
            return future.result(timeout=self.bound(len(probes)) + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return [Reply(None, self.timeout_s * 1000, failure="no answer: the HTTP client stalled") for _ in probes]
        except concurrent.futures.CancelledError:  # the session closed under a conversation the run had abandoned
            return [Reply(None, 0.0, failure="no answer: the run closed its HTTP clients") for _ in probes]

    def bound(self, requests: int) -> float:
        """Worst-case seconds for `requests` probes: each has a total deadline, `concurrency` run at once."""
        return self.timeout_s * max(1, math.ceil(requests / self.concurrency))

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = loops.new_event_loop()  # name lookups nobody waits for at exit
                self._thread = threading.Thread(target=_serve, args=(self._loop,), name="opsverify-http", daemon=True)
                self._thread.start()
            return self._loop

    async def _fetch_all(self, probes: list[Probe], settings: dict) -> list[Reply]:
        limit = asyncio.Semaphore(self.concurrency)
        for verify, setting in settings.items():
            if verify not in self._clients:
                self._clients[verify] = self._client(setting)

        async def one(probe: Probe) -> Reply:
            async with limit:
                started = time.perf_counter()
                heads: list[httpx.Response] = []  # the reply's head, once it came
                try:  # a total deadline: httpx's read timeout is per chunk, so a drip would go on and on
                    return await asyncio.wait_for(self._answer(probe, settings[probe.verify], heads), self.timeout_s)
                except asyncio.TimeoutError:
                    late = Reply(None, _ms(started), failure=f"no complete answer within {self.timeout_s:g} s"
                                                             " (the request's total deadline)")
                    return _head_kept(probe, heads[-1] if heads else None, late)

        return list(await asyncio.gather(*(one(p) for p in probes)))

    def _client(self, setting: bool | ssl.SSLContext) -> httpx.AsyncClient:
        httpx = load("httpx")
        # no pool limit of the client's own: each fetch_all holds at most `concurrency` requests, and the families
        # gathering at once share the client, so httpx's default of 100 let requests hung at one service make a
        # healthy one wait for a connection until its deadline
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=20)
        return httpx.AsyncClient(timeout=self.timeout, verify=setting, follow_redirects=False, limits=limits,
                                         headers={"user-agent": "opsverify", "accept-encoding": ACCEPT_ENCODING},
                                         cookies=no_cookies(), event_hooks={"response": [_unredirected]})

    def _timeout(self, probe: Probe) -> httpx.Timeout:
        """The client's timeouts, opening the connection within the probe's connect_s where it gives one."""
        if probe.connect_s is None:
            return self.timeout
        return load("httpx").Timeout(self.timeout_s, connect=min(probe.connect_s, self.timeout_s))

    async def _answer(self, probe: Probe, setting: bool | ssl.SSLContext, heads: list[httpx.Response]) -> Reply:
        if probe.connect_s is None and self.connect_s is not None:  # the target's, for a probe naming none
            probe = replace(probe, connect_s=self.connect_s)
        timeout = self._timeout(probe)
        started = time.perf_counter()
        reply, stale = await _send(self._clients[probe.verify], probe, timeout, heads)
        if stale and probe.method.upper() in SAFE_METHODS and not probe.mutating:  # a cron job runs once
            # A kept-alive connection the server closed (its idle timeout) as the request went out: no byte of a
            # reply came, so a safe request is asked once more on a new one, as browsers do. Where any byte came
            # (a head, part of one, bytes that are no HTTP) the server answered: that is the reply (`_send`). One
            # that is not safe is never asked again: it fails as no answer. The time counts from the first attempt.
            first = (f"on a connection an earlier request had used, no byte of a reply came ({reply.failure}) in "
                     f"{reply.elapsed_ms:g} ms: asked again on a new connection")
            async with self._client(setting) as fresh:
                reply, _ = await _send(fresh, probe, timeout, heads)
            reply = replace(reply, elapsed_ms=_ms(started), first_attempt=first)
        return reply

    def close(self) -> None:
        """Close the clients and stop the loop. Never raises: the run has its results by now, and cleaning up
        after a target must not turn them into a traceback and exit 1. A loop wedged by a stuck client (a
        CPU-bound read, a blocking call) cannot close anything: it is left to its daemon thread."""
        with self._lock:
            loop, thread, self._loop = self._loop, self._thread, None
        if loop is None:
            return
        clients, self._clients = list(self._clients.values()), {}
        try:
            asyncio.run_coroutine_threadsafe(_close_all(clients), loop).result(timeout=CLOSE_S)
        except Exception:  # wedged past CLOSE_S, or its loop already gone: its thread is not waited for
            thread = None
        with contextlib.suppress(RuntimeError):  # stops once it runs again; its thread then closes it
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=CLOSE_S)


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """A session's loop thread: the loop is closed by the thread that runs it, once stopped — never from
    outside while it may still be running. What is still pending then (an abandoned request, a close that
    came too late) is cancelled first, as asyncio.run does."""
    try:
        loop.run_forever()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    finally:
        loop.close()


async def _close_all(clients: list[httpx.AsyncClient]) -> None:
    for client in clients:
        with contextlib.suppress(Exception):  # one client failing to close keeps no other open
            await client.aclose()


_AS_WRITTEN = "opsverify.headers"  # a redirect's headers as they came, Location included (`_unredirected`)


async def _unredirected(response: httpx.Response) -> None:
    """A redirect is never followed, yet httpx builds the request it would send, and one whose Location it cannot
    make a URL of (`mailto:x`, `urn:x`: a scheme without `//`) raises from `send`, the reply lost. httpx is shown
    the reply without its Location; the Reply keeps it as written (`_headers`)."""
    if response.has_redirect_location:
        response.extensions[_AS_WRITTEN] = response.headers
        response.headers = load("httpx").Headers([(name, value) for name, value in response.headers.raw
                                                  if name.lower() != b"location"])


def _headers(response: httpx.Response) -> dict[str, str]:
    return dict(response.extensions.get(_AS_WRITTEN, response.headers))


def _first_values(response: httpx.Response) -> dict[str, str]:
    """The first value of each header the response sent more than once (see Reply.first_values)."""
    first: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in response.extensions.get(_AS_WRITTEN, response.headers).multi_items():
        key = name.lower()
        if key in first:
            repeated.add(key)
        else:
            first[key] = value
    return {key: first[key] for key in repeated}


async def _send(client: httpx.AsyncClient, probe: Probe, timeout: httpx.Timeout,
                heads: list[httpx.Response] | None = None) -> tuple[Reply, bool]:
    """The reply, and whether it failed as HTTP on a connection an earlier request had used; `heads` gets the
    reply's head as soon as it comes (for a total deadline that runs out while its body is read)."""
    httpx, h11 = load("httpx"), load("h11")

    connected = written = False
    response: httpx.Response | None = None
    unasked = 0
    body_end = ""

    async def trace(event: str, _info: dict) -> None:  # httpcore's hook: a new connection says so, and so does the
        nonlocal connected, written, unasked  # end of a reply, before its connection goes back to the pool
        connected = connected or event.startswith("connection.connect_")
        written = written or event == "http11.send_request_headers.complete"  # (h11 checks them before writing)
        if event == "http11.response_closed.started" and response is not None:
            unasked = _unasked_bytes(response)

    started = time.perf_counter()
    try:  # a value only known at run time (a secret) may hold what HTTP cannot carry: this probe alone fails
        request = client.build_request(probe.method.upper(), probe.url, headers=probe.headers, content=probe.body,
                                       timeout=timeout, extensions={"trace": trace})
    except Exception as exc:  # ValueError (UnicodeEncodeError is one), httpx.InvalidURL, or anything else it refuses
        return Reply(None, _ms(started), failure=_unbuildable(probe, exc), sent=False), False
    try:
        # the item's own Authorization header is what it sends, and an anonymous probe sends none: httpx would put a
        # Basic one, made from a user and password in the service's URL, there (httpx.Auth() itself changes nothing)
        if probe.anonymous or any(name.lower() == "authorization" for name in probe.headers):
            response = await client.send(request, stream=True, auth=httpx.Auth())
        else:
            response = await client.send(request, stream=True)
        if response.status_code > 599:  # h11 takes any three digits; RFC 9110 §15 ends at 599: no answer to judge
            await response.aclose()
            return Reply(None, _ms(started), failure=_not_a_status(response.status_code)), False
        if heads is not None:
            heads.append(response)
        try:
            chunks = response.aiter_raw()  # one iterator: a body read on past the limit goes on where it stopped
            body, truncated = await _read_at_most(response, probe.body_limit, as_go=probe.coding_as_go, chunks=chunks)
            if truncated and probe.end_within_s is not None:
                body_end = await _read_to_end(response, chunks, started + probe.end_within_s)
        finally:
            await response.aclose()  # a body left mid-way closes its connection (httpcore reuses none not DONE)
    except httpx.TimeoutException as exc:
        setting = "connect_s" if probe.connect_s is not None else "the connect timeout"
        failure = Reply(None, _ms(started), failure=_timed_out(exc, timeout, setting))
        return _head_kept(probe, response, failure), False
    except httpx.ConnectError as exc:
        return Reply(None, _ms(started), failure=_connect_reason(exc, request.url.host)), False
    except httpx.LocalProtocolError as exc:
        if written:  # refused later, on what came back or the body: the request went out
            return Reply(None, _ms(started), failure=_protocol_failure(exc, replied=response is not None)), False
        return Reply(None, _ms(started), failure=_unsendable(probe, exc), sent=False), False
    except httpx.DecodingError as exc:  # raised by `_Inflater` alone: the bytes that came are no such coding (or one
        # it does not undo: `coding_unread`)
        failure = Reply(None, _ms(started), failure=_protocol_failure(exc, replied=True))
        kept = _head_kept(probe, response, failure)
        if kept.status is None and response is not None:
            kept = replace(kept, head_status=response.status_code)
        undecodable = kept.status is not None and not getattr(exc, "coding_unread", False)
        return (replace(kept, undecodable=str(exc)) if undecodable else kept), False
    except httpx.HTTPError as exc:
        head_bytes = _head_bytes_unread(exc) if response is None else None
        stale = isinstance(exc, httpx.RemoteProtocolError) and not connected and head_bytes == 0
        failure = Reply(None, _ms(started), failure=_protocol_failure(exc, replied=response is not None))
        if head_bytes:  # httpcore says "without sending a response": part of a head had come
            failure = replace(failure, failure=f"the connection closed after {head_bytes} bytes of the reply's head,"
                                               " before its end")
        if response is not None and not probe.judged_by_status:  # no whole answer, yet the status it gave is named
            failure = replace(failure, failure=f"{failure.failure}; its head had said {response.status_code}")
        return _head_kept(probe, response, failure), stale
    except h11.ProtocolError as exc:  # h11 holds the body to the head's content-length as it writes them, and httpcore
        # lets that error out as h11's own, which httpx does not map either: it fails this request, not its batch
        if not isinstance(exc, h11.LocalProtocolError):
            failure = Reply(None, _ms(started), failure=_protocol_failure(exc, replied=response is not None))
            return _head_kept(probe, response, failure), False
        if written:
            return Reply(None, _ms(started), failure=_cut_short(probe, exc)), False
        return Reply(None, _ms(started), failure=_unsendable(probe, exc), sent=False), False
    except Exception as exc:  # what no branch above foresees fails this request, never the batch it was sent in
        # (the ssl module's error of an alert that came once the handshake was done, which httpx lets out as it is)
        failure = Reply(None, _ms(started), failure=alert_refusal(exc) or f"the HTTP client failed: {_named(exc)}")
        return _head_kept(probe, response, failure), False
    received_at = time.time()
    if probe.raw:
        return Reply(response.status_code, _ms(started), _headers(response), truncated=truncated, content=body,
                     charset=response.charset_encoding, unasked_bytes=unasked,
                     first_values=_first_values(response), received_at=received_at, body_end=body_end,
                     body_bytes=response.num_bytes_downloaded if body_end else 0), False
    read = readings(body, response.encoding or "utf-8", complete=not truncated)
    if read is None:  # this reply alone cannot be read; the batch goes on
        unreadable = Reply(None, _ms(started), _headers(response),
                           failure=f"HTTP {response.status_code} in {_charset(response)}", unasked_bytes=unasked)
        return _head_kept(probe, response, unreadable), False
    text, misread, read_as = read
    other_text, other_read_as = _other_reading(body, response.encoding or "utf-8", text, read_as,
                                               complete=not truncated)
    return Reply(response.status_code, _ms(started), _headers(response), text, truncated=truncated,
                 misread=misread, unasked_bytes=unasked, received_at=received_at, read_as=read_as,
                 other_text=other_text, other_read_as=other_read_as, body_end=body_end,
                 body_bytes=response.num_bytes_downloaded if body_end else 0), False


def _other_reading(body: bytes | bytearray, charset: str, text: str, read_as: str, *,
                   complete: bool) -> tuple[str, str]:
    """Another clean reading of a body than `text`, where it differs, and how it was read; ("", "") where there is
    none. Read as UTF-8 though it declares a charset: that charset's, which a browser shows. Read as the charset it
    declares: UTF-8's, which fetch().text() and JSON readers take whatever the header says (one NUL byte in ASCII
    sends it to a declared UTF-16, which reads it as CJK). A byte-order mark's reading is every reader's."""
    try:
        declared = codecs.lookup(charset).name
    except LookupError:
        return "", ""
    if read_as.startswith("as UTF-8"):
        other, how = _strict(body, declared, complete), f"as the {cut(charset, 40)} it declares, as a browser shows it"
    elif not read_as and declared != "utf-8":
        other, how = _strict(body, "utf-8", complete), f"as UTF-8, which reads it cleanly too ({cut(charset, 40)} declared)"
    else:
        return "", ""
    return (other, how) if other is not None and other != text else ("", "")


def _head_kept(probe: Probe, response: httpx.Response | None, failed: Reply) -> Reply:
    """A reply that failed once its head had come (`response`), with the head's status and headers when the probe is
    judged by its status alone; otherwise, or with no head, `failed` as it is: no answer."""
    if response is None or not probe.judged_by_status:
        return failed
    return replace(failed, status=response.status_code, headers=_headers(response),
                   first_values=_first_values(response) if probe.raw else {},
                   failure=f"its body could not be read: {failed.failure}")


def _head_bytes_unread(exc: BaseException) -> int | None:
    """How many bytes of a reply's head had come when its connection closed before the head's end (0: none), or None
    where the reply was never waited for — or its bytes were no head (h11 refused them) or cannot be counted. httpcore
    says "Server disconnected without sending a response" either way: the bytes are in the h11 state of the frame that
    raised it, reached through the traceback (its private layout; None if a version lays it out otherwise)."""
    h11 = load("h11")
    cause: BaseException | None = exc
    for _ in range(16):  # a chain is short; a cycle ends here
        if cause is None:
            return None
        tb = cause.__traceback__
        while tb is not None:
            state = getattr(tb.tb_frame.f_locals.get("self"), "_h11_state", None)
            if isinstance(state, h11.Connection):
                waiting = state.our_state in (h11.DONE, h11.MUST_CLOSE) and state.their_state is h11.SEND_RESPONSE
                return len(state.trailing_data[0]) if waiting else None
            tb = tb.tb_next
        cause = cause.__cause__ or cause.__context__
    return None


def _unasked_bytes(response: httpx.Response) -> int:
    """How many bytes followed a complete reply on its connection that no request asked for: a second reply in one
    write, the body of a HEAD or 204 answered with one. Read as the next reply's start, they would answer another
    item's request — so the connection is never reused: h11, told that our side failed, leaves it in ERROR and
    httpcore closes it as the response closes. Neither httpx nor httpcore exposes the h11 state that holds them:
    it is reached through their streams' private attributes (0 if a version lays them out otherwise; httpcore still
    drops an idle connection whose socket has bytes to read)."""
    h11 = load("h11")
    state: Any = response.stream
    for name in ("_stream", "_httpcore_stream", "_stream", "_connection", "_h11_state"):
        state = getattr(state, name, None)
    # a reply ending its connection (Connection: close) is MUST_CLOSE, not DONE: bytes past its body count the same
    if not isinstance(state, h11.Connection) or state.their_state not in (h11.DONE, h11.MUST_CLOSE):
        return 0  # a body cut short is neither: httpcore closes its connection anyway
    left, _ = state.trailing_data
    if left:
        state.send_failed()
    return len(left)


def no_cookies() -> "http.cookiejar.CookieJar":
    """A cookie jar that keeps nothing. A client shared by a run's items would otherwise send a cookie one reply set
    (a login's session) with every later request to that host, whatever port: a check that an endpoint refuses
    callers without credentials would then be made with them. A request carries only the headers its item states."""
    cookiejar = load("http.cookiejar")
    return cookiejar.CookieJar(cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _timed_out(exc: Exception, timeout: httpx.Timeout, setting: str = "connect_s") -> str:
    """Which of the request's timeouts ran out; `setting`: what sets the connect timeout."""
    httpx = load("httpx")
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {timeout.connect:g} s ({setting}: TCP and TLS)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"the request was not taken within {timeout.write:g} s (http_s)"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection within {timeout.pool:g} s (http_s)"
    return f"nothing came for {timeout.read:g} s (http_s)"  # a read timeout: silent between two chunks


# h11's words for a status it will not read as a reply: a 101 no request asked for, and a code below 100 (`000`),
# which it takes for an informational reply's
_UPGRADE = re.compile(r"Received server _SWITCH_UPGRADE event without a pending proposal")
_NO_STATUS = re.compile(r"InformationalResponse status_code should be in range \[100, 200\), not (\d+)")


def _protocol_failure(exc: Exception, *, replied: bool = False) -> str:
    """A reply that is not HTTP, in plain words where h11's are its own; `replied`: its head had come."""
    if _UPGRADE.search(str(exc)):
        return "answered 101 Switching Protocols, an upgrade nobody asked for: no HTTP reply to judge"
    no_status = _NO_STATUS.search(str(exc))
    if no_status is not None:
        return _not_a_status(int(no_status.group(1)))
    return _failure_words(exc, replied=replied)


def _not_a_status(code: int) -> str:
    return f"the status line says {code:03d}, which is no HTTP status (100-599)"


def _failure_words(exc: Exception, *, replied: bool = False) -> str:
    """An exception as the HTTP library words it or, where it says nothing (httpx's ReadError for a reset connection
    has no text), what its type means; `replied`: the reply's head had come."""
    refusal = alert_refusal(exc)  # a TLS alert on a read (TLS 1.3): httpx words it as a read error
    if refusal is not None:
        return refusal
    if str(exc):
        return _named(exc)
    httpx = load("httpx")
    gone = "connection reset" if _caused_by(exc, ConnectionResetError) else "connection reset or closed"
    if isinstance(exc, httpx.WriteError):
        return f"could not write the request: {gone}"
    if isinstance(exc, (httpx.ReadError, httpx.RemoteProtocolError)):
        return f"{gone} {'in the middle of the reply' if replied else 'before the reply'}"
    return f"the HTTP client failed ({type(exc).__name__}) without saying why"


def _named(exc: BaseException) -> str:
    """The exception's type, and its text where it has any (never a dangling "ReadError: "); the target's bytes it
    quotes (h11's `illegal status line: bytearray(b'HELLO')`) as the text they are."""
    return f"{type(exc).__name__}: {_bytes_as_text(str(exc))}" if str(exc) else type(exc).__name__


_BYTES_REPR = re.compile(r"""(?:bytearray\()?b('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)?""")


def _bytes_as_text(message: str) -> str:
    """Each bytes repr in a library's message as the text it holds, quoted, its invisible characters escaped."""
    def text(found: re.Match) -> str:
        try:
            raw = ast.literal_eval("b" + found.group(1))
        except (ValueError, SyntaxError):
            return found.group(0)
        return f"'{visible(raw.decode('utf-8', 'replace'))}'"
    return _BYTES_REPR.sub(text, message)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is in the chain of causes under `exc` (httpx wraps httpcore's, which wraps anyio's, which
    wraps the socket's)."""
    cause: BaseException | None = exc
    for _ in range(16):  # a chain is short; a cycle ends here
        if cause is None:
            return False
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _unbuildable(probe: Probe, exc: Exception) -> str:
    """Why a probe could not be built, naming the header at fault but never its value (it may be a secret)."""
    name = next((name for name, value in probe.headers.items() if not (name + value).isascii()), None)
    if name is not None:
        return f"not sent: header {name!r} holds text that is not ASCII, which HTTP cannot carry as it is"
    return f"not sent: the request could not be built ({_named(exc)})"


def _unsendable(probe: Probe, exc: Exception) -> str:
    """Why the HTTP library refused to write a request it had built (h11 checks every header as it writes them: a
    value with a blank at either end or a control character), naming the header at fault but never its value,
    which h11's message quotes (it may be a secret)."""
    text = str(exc)
    name = next((name for name, value in probe.headers.items()
                 if repr(value.encode("ascii", "replace")) in text or repr(name.encode("ascii", "replace")) in text),
                None)
    why = re.split(r" b['\"]", text, maxsplit=1)[0] or type(exc).__name__  # h11's words without the bytes it quotes
    if name is not None and why == "Illegal header value":
        return (f"not sent: header {name!r} holds a value HTTP cannot carry (a blank at either end, or a control"
                f" character): the HTTP client refused to write it")
    if name is not None:
        return f"not sent: the HTTP client refused header {name!r} ({why})"
    return f"not sent: the HTTP client refused the request ({why})"


def _cut_short(probe: Probe, exc: Exception) -> str:
    """A request the HTTP library gave up on once its head was written: h11 checks the body against the head's
    content-length only as it writes the body, so the target got a head and no complete request."""
    why = str(exc) or type(exc).__name__
    said = f"the request was cut short: its head went out, then the HTTP client refused to finish it ({why})"
    name = next((name for name in probe.headers if name.lower() == "content-length"), None)
    if name is None or "content-length" not in why.lower():
        return said
    return (f"{said}: header {name!r} does not give the body's length ({len(probe.body or b'')} bytes);"
            " leave it out of headers: the HTTP client sets it")


def decoded(body: bytes | bytearray, charset: str) -> str | None:
    """The body as text in its charset; None when the charset names a codec that is no text encoding
    (`hex`, `base64`, `zlib`, `rot13`) or one that cannot replace what it cannot read (`idna`)."""
    try:
        if codecs.lookup(charset)._is_text_encoding:  # what bytes.decode checks before it refuses
            return body.decode(charset, errors="replace")
    except (LookupError, ValueError):  # UnicodeError is a ValueError
        pass
    return None


def readings(body: bytes | bytearray, charset: str, *, complete: bool = True) -> tuple[str, str, str] | None:
    """(text, why it cannot show what is absent: "" when it can, how it was read: "" when as declared, or as UTF-8
    when nothing is declared); None when the charset is no text encoding.
    A body that starts with a byte-order mark is read in the encoding the mark names, without the mark, whatever the
    header says (`_byte_order_mark`). Otherwise a header may lie: a body the declared charset cannot read
    (`charset=utf-16` on ASCII) is read as the UTF-8 it cleanly is — and so is a plain UTF-8 body (no NUL) under a
    charset in which ASCII is not one byte a character (UTF-16 reads any even-length ASCII "cleanly", as CJK). A body
    no charset reads cleanly is shown with U+FFFD in place of what could not be read; in UTF-8 that hides nothing else
    (it reads on at the next character), in another charset it may hide anything: absence is then unproven
    (`misread`). Text holding NUL characters proves no absence either, however it was read: a page in UTF-16 or
    UTF-32 without a mark, under a charset that reads it "cleanly", is every other character a NUL."""
    read = _readings(body, charset, complete)
    if read is not None and not read[1] and "\0" in read[0]:
        return (read[0], "the body holds NUL characters: text in another encoding (UTF-16 or UTF-32 without a mark?)",
                read[2])
    # (UTF-8 read as itself is what it says: `一` is U+4E00 and real)
    if read is not None and not read[1] and _byte_swapped(read[0]) and _strict(body, "utf-8", complete) != read[0]:
        return (read[0], "the body reads as characters U+xx00 for the most part: text of the other byte order"
                         " (UTF-16LE declared as UTF-16BE, or the reverse)", read[2])
    return read


def _byte_swapped(text: str) -> bool:
    """Most characters are U+xx00 with xx printable ASCII: ASCII in UTF-16 read in the wrong byte order (`FATAL`
    as 䘀䄀吀䄀䰀), in which no ASCII word is ever found. Real text has few such characters (一 U+4E00 among them)."""
    swapped = sum(1 for c in text if not ord(c) & 0xFF and 0x20 <= ord(c) >> 8 < 0x7F)
    return swapped * 2 > len(text) > 0


def _readings(body: bytes | bytearray, charset: str, complete: bool) -> tuple[str, str, str] | None:
    marked = _byte_order_mark(body, charset, complete)
    if marked is not None:
        return _read_marked(bytes(body[len(marked[0]):]), marked[1], complete)
    text = decoded(body, charset)
    if text is None:
        return None
    codec = codecs.lookup(charset)
    as_utf8 = _strict(body, "utf-8", complete)
    if as_utf8 is not None and (codec.name == "utf-8" or (not ascii_compatible(codec.name) and b"\0" not in body)):
        return as_utf8, "", "" if codec.name == "utf-8" else f"as UTF-8, which reads it cleanly ({cut(charset, 40)} declared)"
    as_declared = _strict(body, codec.name, complete)
    if as_declared is not None:
        return as_declared, "", ""
    if as_utf8 is not None:
        return as_utf8, "", f"as UTF-8, which reads it cleanly ({cut(charset, 40)} declared does not)"
    return (text, "" if codec.name == "utf-8" else f"the body could not be read as {cut(charset, 40)}",
            f"as {cut(charset, 40)}, with bytes it cannot read shown as U+FFFD")


# the byte-order marks browsers read (WHATWG Encoding, "decode"), and UTF-32's, longest first: UTF-32LE's starts
# with UTF-16LE's, so a UTF-32 page read by the shorter mark is every other character a NUL
_UTF32_MARKS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"))
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _byte_order_mark(body: bytes | bytearray, charset: str, complete: bool) -> tuple[bytes, str] | None:
    """The byte-order mark a body starts with, and the encoding it names: as browsers read a body, it overrides the
    declared charset (an error page in UTF-16 need declare none), and JSON may start with one (RFC 8259 lets a
    reader ignore it). Browsers know no UTF-32: its mark is taken where the header declares UTF-32 or UTF-32 reads
    the body cleanly — which UTF-16 text (whose every other unit would have to be a NUL) never does."""
    for mark, name in _UTF32_MARKS:
        if not body.startswith(mark):
            continue
        if _declares_utf32(charset) or _strict(body[len(mark):], name, complete) is not None:
            return mark, name
    return next(((mark, name) for mark, name in _BYTE_ORDER_MARKS if body.startswith(mark)), None)


def _declares_utf32(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name.startswith("utf-32")
    except (LookupError, ValueError):  # no codec of that name: nothing is declared
        return False


def _read_marked(rest: bytes, encoding: str, complete: bool) -> tuple[str, str, str]:
    """A body after its byte-order mark, in the encoding the mark names; what that cannot read proves no absence
    (in UTF-8 a stray byte hides nothing else), nor does UTF-16 that reads as NUL characters: no text has them, but
    UTF-32 read as UTF-16 (its mark starts as UTF-16LE's) is every other character a NUL, and its words are not
    found in it."""
    how = f"as {encoding}, which its byte-order mark names"
    text = _strict(rest, encoding, complete)
    if text is None:
        return (rest.decode(encoding, errors="replace"),
                "" if encoding == "utf-8" else f"the body could not be read as {encoding} (its byte-order mark)",
                f"{how}, with bytes it cannot read shown as U+FFFD")
    if encoding.startswith("utf-16") and "\0" in text:
        return text, f"the body read as {encoding} (its byte-order mark) holds NUL characters, which no text has", how
    return text, "", how


def _strict(body: bytes | bytearray, charset: str, complete: bool) -> str | None:
    """The body in `charset`, or None where it is not; a body cut at the read limit may end mid-character."""
    try:
        return codecs.getincrementaldecoder(charset)().decode(body, final=complete)
    except (UnicodeError, ValueError):
        return None


def ascii_compatible(charset: str) -> bool:
    """Whether ASCII text is the same bytes in `charset` (not in UTF-16, UTF-32, UTF-7)."""
    ascii_text = bytes(range(128))
    try:
        return ascii_text.decode("ascii").encode(charset) == ascii_text
    except (LookupError, UnicodeError, ValueError):
        return False


def _charset(response: httpx.Response) -> str:
    return f"charset {cut(response.encoding or '', 40)!r}, which is not a text encoding that can be read"


async def _read_at_most(response: httpx.Response, limit: int, *, as_go: bool = False,
                        chunks: AsyncIterator[bytes] | None = None) -> tuple[bytearray, bool]:
    """At most `limit` bytes of the body, content-coding undone (`as_go`: as Go's client does, see
    Probe.coding_as_go), and whether there was more. The raw bytes are inflated here, never past the limit: httpx
    would inflate each chunk whole (64 KiB of a gzip bomb is 64 MiB of zeros). The buffer itself is returned: a copy
    as bytes would hold the body twice. `chunks`: the body's raw iterator, where the caller reads on after."""
    inflater = _Inflater(response, as_go=as_go)
    body = bytearray()
    async for chunk in chunks or response.aiter_raw():
        for piece in inflater.inflate(chunk, limit + 1 - len(body)):
            body += piece
        if len(body) > limit:
            del body[limit:]
            return body, True
    inflater.finish()
    return body, False


async def _read_to_end(response: httpx.Response, chunks: AsyncIterator[bytes], deadline: float) -> str:
    """The rest of a body read on (`chunks`, where `_read_at_most` stopped) until its end, counted and dropped:
    "came"; "late" where `deadline` (time.perf_counter()) passed first, "capped" where more than END_READ_LIMIT bytes
    came first — either way it is left there, never waited for on (closing the response closes its connection).
    A connection closed mid-body raises as it would in any read."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return "late"
    try:
        async with asyncio.timeout(left):  # a chunk waited for is cut short too: a drip may be slower than the bound
            async for _ in chunks:
                if response.num_bytes_downloaded > END_READ_LIMIT:
                    return "capped"
    except TimeoutError:
        return "late"
    return "came"


_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
PIECE = 64 * 1024  # inflated at a time: what one compressed chunk inflates to is never held whole beside the body


class _Inflater:
    """A body's content-coding undone chunk by chunk, each chunk's output cut at what is still wanted.
    Read as browsers and curl read it: every gzip member in turn, and NUL bytes padding the body after the last
    (GNU gzip, Python's gzip and Node's zlib ignore them; Go's reader, `as_go`, does not); a stream cut short, or
    other bytes after a stream, are an error — the part never read could hold the very text an item looks for."""

    def __init__(self, response: httpx.Response, *, as_go: bool = False) -> None:
        if as_go:  # the first header alone, compared with `gzip` as written; any other leaves the bytes as they came
            codings = ["gzip"] if response.headers.get_list("content-encoding")[:1] == ["gzip"] else []
        else:
            codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
            codings = [c for c in codings if c not in ("", "identity", "none")]
        self.response = response
        self.coding = codings[0] if codings else "identity"
        self.unreadable = None  # a coding not undone here fails once a body comes (a HEAD or 204 has none)
        if len(codings) > 1 or self.coding not in (*_WBITS, "identity"):
            self.unreadable = f"content-encoding {cut(', '.join(codings))!r} is not read (asked for {ACCEPT_ENCODING})"
        self.zlib = zlib.decompressobj(_WBITS[self.coding]) if self.coding in _WBITS else None
        self.fed = False
        self.raw_tried = False  # deflate without its zlib header is tried once, never again
        self.pads = not as_go  # zero padding after a gzip stream is ignored, as all but Go's reader ignore it
        self.padding = False  # past a gzip stream's end, in its zero padding: only more of it may follow
        self.next_member = False  # past a gzip member's end, reading what follows as the next one

    def inflate(self, data: bytes, room: int) -> Iterator[bytes]:
        """Pieces of at most PIECE bytes, together at most `room` (> 0) bytes when inflating; more input than
        that yields is dropped, as reading stops there."""
        if data and self.unreadable:
            self._fail(self.unreadable, ours=True)
        if self.zlib is None:
            if data:
                yield data
            return
        if self.padding:
            self._padded(data)
            return
        while data and room > 0:
            try:
                piece = self.zlib.decompress(data, min(room, PIECE))
            except zlib.error as exc:
                if not self.fed and self.coding == "deflate" and not self.raw_tried:
                    self.raw_tried = True  # raw deflate without the zlib header, as httpx allows
                    self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                if self.raw_tried and not self.fed:
                    self._fail(f"deflate: invalid body, neither zlib-wrapped nor raw deflate "
                               f"({str(exc).rpartition(': ')[2]})")
                if self.next_member and self.pads:  # (Go's reading says its own words: the metrics family quotes them)
                    self._fail(f"{self.coding}: bytes after the end of its compressed stream are neither zero padding"
                               f" nor another gzip member ({exc})")
                self._fail(f"{self.coding}: {exc}")
            self.fed = True
            self.next_member = self.next_member and not piece
            room -= len(piece)
            if piece:
                yield piece
            data = self.zlib.unconsumed_tail or self.zlib.unused_data
            if self.zlib.eof and data:  # past a stream's end: the next gzip member, zero padding, or garbage
                if self.coding == "deflate":
                    self._fail("deflate: bytes after the end of the compressed stream")
                if self.pads and data[:1] == b"\0":  # no member starts so: its magic is 1f 8b
                    self.padding = True
                    self._padded(data)
                    return
                self.zlib = zlib.decompressobj(_WBITS[self.coding])
                self.next_member = True

    def _padded(self, data: bytes) -> None:
        """Bytes of a gzip body's zero padding: NULs alone, or an error (GNU gzip reads no member after it)."""
        if data.strip(b"\0"):
            self._fail(f"{self.coding}: bytes after the zero padding that followed its end, which are not NULs")

    def finish(self) -> None:
        """The body has ended: so must its compressed stream."""
        if self.zlib is not None and self.fed and not self.zlib.eof:
            self._fail(f"{self.coding}: the body ends before its compressed stream does (cut short)")

    def _fail(self, why: str, *, ours: bool = False) -> None:
        """`ours`: a coding this client does not undo (the bytes may be fine), not bytes that are no such coding."""
        exc = load("httpx").DecodingError(why, request=self.response.request)
        exc.coding_unread = ours
        raise exc


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _connect_reason(exc: Exception, host: str) -> str:
    """Why no connection came about, from the innermost cause (httpx only says 'All connection attempts failed');
    a certificate rejected is said as the tls family and redis say it (`rejection_reason`)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate rejected ({rejection_reason(cause, rejected_leaf(cause), host) or 'verify failed'})"
        if isinstance(cause, (ConnectionResetError, BrokenPipeError)):
            return "connection reset"
        if is_alert(cause):
            return alert_words(cause.reason)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return f"TLS certificate rejected ({text.split(':')[-1].strip() or 'verify failed'})"
    if "refused" in text.lower():
        return "connection refused"
    return text or "connection failed"
