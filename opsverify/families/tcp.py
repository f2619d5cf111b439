"""tcp: a server answers its own protocol — ClamAV PING, an SMTP banner and EHLO, Redis PING.

```yaml
params:
  endpoint: clamav                  # systems.<system>.endpoints.<name>
  protocol: clamd                   # clamd (host:port, default 3310) | smtp (host:port, default 25;
                                    # smtps://host:465 for implicit TLS) | redis (a redis:// URL)
  max_signature_age_days: 3         # clamd only, optional: zVERSION names a daily signature database built within
                                    # 3 days (its date in clamd's unnamed local zone: read in the one kindest to it)
```
A server that does not answer in its protocol — refused, timed out, reset, closed (a clean close, told from a
reset), silent, dripping, or sending bytes that are not its protocol — was not checked: the item is an *error* with
the reason.
A well-formed reply that is not the healthy one (clamd `UNKNOWN COMMAND` to zPING, or a zVERSION reply that is
not `ClamAV <version>…`: `UNKNOWN COMMAND`, a `PONG` to anything; an SMTP 554 banner, an SMTP server speaking before
EHLO is sent, a Redis `-LOADING`) fails it; so does an SMTP server that, having answered EHLO 250, leaves NOOP or QUIT
unanswered or answers them with another code than 250 and 221 (a script writing `220`, `250`, `221` without reading,
at any pace, gives NOOP its 221); a Redis is judged by PING's own answer (INFO, asked after PONG on its
own connection, is only the version: unread, it is said so in the evidence);
a refused password is the checker's credentials: *error*, as is a Redis `NOPERM` to PING (the URL's ACL user lacks
+ping) and a refused SELECT or AUTH before PING (the URL's database or user: PING was never sent). Every conversation runs under one total deadline,
connect_s + statement_ms, so a server that drips a byte a second ends in time too; all items' conversations run
at once. Only greetings go out: PING, VERSION, EHLO, NOOP, QUIT, INFO. What a server did send before it fell silent is
quoted beside the timeout (clamd `PONG\\n`, the connection held open). A Redis URL is taken as the `redis` family
takes it: no query option (a unix:// socket's `?db=` alone). A reply is read up to what a greeting takes
(GREETING_LIMIT, 64 KiB; a clamd reply 4 KiB): a longer one is an *error* for its item, refused before it is parsed
further, so it cannot hold the other items' conversations, which share one event loop.
"""

from __future__ import annotations

import ast
import asyncio
import re
import select
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from ..display import cut
from ..errors import GatherError
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import without_userinfo
from ..transports import loops
from ..transports.redis import CertificateRejected, ReadOnlyRedis, ReplyTooLong, password, shown
from ._common import StrictParams

NAME = "tcp"

DEFAULT_PORTS = {"clamd": 3310, "smtp": 25, "smtps": 465}
REPLY_LIMIT = 4096
LINE_LIMIT = 64 * 1024  # bytes of one SMTP line, as asyncio's readline allows (and of a Redis line, by it)
# Bytes of one SMTP reply, and of one Redis conversation's replies: PONG, an error line, INFO server (~2 KiB), an SMTP
# reply of SMTP_LINES lines of 512 bytes (RFC 5321 4.5.3.1.5) all fit. Every item's conversation runs on one event
# loop, and redis-py parses RESP a Python call per element: a 4 MB array answering PING held its neighbours past
# their deadlines. Past this a reply is refused, and no more of it parsed.
GREETING_LIMIT = 64 * 1024
SMTP_LINES = 100  # a reply longer than this is not SMTP
CLIENT_NAME = b"opsverify.localdomain"
# The SMTP exchange after a 220 banner: each command, the reply code a healthy server answers it with. NOOP sits
# between EHLO and QUIT so that a script writing a banner, a 250 and a 221 without reading fails by order alone,
# whatever its pace: its 221 answers NOOP. (A script writing exactly these four replies is not told from a server.)
SMTP_EXCHANGE = (("EHLO", 250), ("NOOP", 250), ("QUIT", 221))
# `ClamAV 1.0.3/27105/Mon Nov 30 09:33:14 2023`: printable ASCII on one line, NUL-ended
CLAMD_VERSION = re.compile(rb"ClamAV \d[\x20-\x7e]*\0")
# what follows the engine's version (clamd/session.c print_ver): the daily signature database's version and build
# time, ctime'd in clamd's own local time zone, which it does not name; nothing when no daily database is loaded
CLAMD_DATABASE = re.compile(r"(?P<version>\d+)/(?P<built>.*)")
CTIME = re.compile(r"(?P<weekday>[A-Z][a-z]{2}) (?P<month>[A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # ctime's, whatever the runner's locale
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# the UTC offsets a clock may be set to (UTC-12 … UTC+14): clamd's date, read as UTC, is the instant up to 12 h
# later or 14 h earlier, so an age is judged in the zone kindest to clamd, and only a certain one fails
ZONE_WEST, ZONE_EAST = timedelta(hours=12), timedelta(hours=14)
CLOCK_SKEW = timedelta(hours=1)  # a date further ahead than the zones explain: libclamav warns past an hour too
# what SMTP's reply text may hold (RFC 5321 4.2: printable ASCII and tab; RFC 6531's UTF-8 beyond it): no other control
_SMTP_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


class Params(StrictParams):
    endpoint: str
    protocol: Literal["clamd", "smtp", "redis"]
    # clamd: its daily signature database loaded, and built within this many days (a decade past that is a typo)
    max_signature_age_days: Annotated[float, Field(gt=0, le=3650)] | None = None

    @model_validator(mode="after")
    def _signatures_are_clamds(self) -> "Params":
        if self.max_signature_age_days is not None and self.protocol != "clamd":
            raise ValueError(f"max_signature_age_days: only a clamd item has a signature database, not a"
                             f" {self.protocol} one")
        return self


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}",)


def deadline_s(target) -> float:
    """One item's whole conversation: open the connection, then the greeting exchange."""
    return target.timeouts.connect_s + target.timeouts.statement_ms / 1000


def bound(target, checks) -> float:
    """Every item's conversation runs at once, each under its own deadline."""
    return deadline_s(target) + 1.0


@dataclass(frozen=True)
class Answer:
    address: str
    replies: dict[str, Any] = field(default_factory=dict)
    failure: str = ""  # why the conversation stopped before the protocol answered (refused, timeout, garbage)
    elapsed_ms: float = 0.0
    timed_out: bool = False  # the run's time limit ended it: the server may only be slow


class NotProtocol(Exception):
    """The peer answered with bytes that are not its protocol."""


class ServerClosed(Exception):
    """The peer closed the connection (FIN) before it answered: a close, not a reset (RST)."""


# the schemes an endpoint of each protocol may be written with: another (https://, redis:// for an smtp item) names
# another server than the one asked, and was talked to in this protocol all the same
SCHEMES = {"clamd": ("clamd", "tcp"), "smtp": ("smtp", "smtps")}


def address(value: str, default_scheme: str) -> tuple[str, str, int]:
    """(scheme, host, port) of `host:port` or `scheme://host:port`; a GatherError, this item's alone, for one that
    is no address."""
    try:
        parts = urlsplit(value if "://" in value else f"{default_scheme}://{value}")
    except ValueError:  # an unclosed '[', a '[…]' holding no IP address: nothing of it is said (it may hold a password)
        raise GatherError("not an address a client can read: write host:port, or an IPv6 address as "
                          f"[::1]:{DEFAULT_PORTS[default_scheme]}") from None
    if parts.scheme.lower() not in SCHEMES[default_scheme]:
        written = " or ".join(f"{scheme}://host:port" for scheme in SCHEMES[default_scheme])
        raise GatherError(f"endpoint is a {parts.scheme}:// address, where a {default_scheme} item talks "
                          f"{default_scheme}: write host:port or {written}")
    shown = without_userinfo(parts.geturl())  # never a user or password it holds
    try:
        port = parts.port
    except ValueError:
        raise GatherError(f"endpoint '{shown}' has an invalid port") from None
    if not parts.hostname:
        raise GatherError(f"endpoint '{shown}' names no host")
    if port is None:  # a port written as 0 stays 0 (nothing answers there), never the default: another server
        port = DEFAULT_PORTS.get(parts.scheme.lower(), DEFAULT_PORTS[default_scheme])
    return parts.scheme.lower(), parts.hostname, port


def why(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, ConnectionRefusedError) or isinstance(cause, ConnectionRefusedError) \
            or "Error 111 " in str(exc):  # redis-py wraps the refusal in its ConnectionError
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, (CertificateRejected, NotProtocol, ReplyTooLong, ServerClosed)):
        return str(exc)
    if isinstance(exc, ValueError) and isinstance(exc.__context__, asyncio.LimitOverrunError):
        # asyncio's readline, under redis-py, on a line with no end in sight: its words are its own
        return f"not a Redis reply: a line longer than {LINE_LIMIT // 1024} KiB"
    return unbytes(f"{type(exc).__name__}: {exc}")  # redis-py quotes what it could not read as bytes


# Python's bytes repr inside a library's message (redis-py's `Protocol Error: b'…'`), perhaps cut short: the
# body's escapes, then its closing quote — or the end of the text, where a cut may have split an escape
_BYTES_REPR = re.compile(r"""(?<!\w)b(?P<quote>['"])(?P<body>(?:\\x[0-9a-fA-F]{2}|\\[^x]|(?!(?P=quote))[ -\[\]-~])*)"""
                         r"""(?:(?P<closed>(?P=quote))|\\(?:x[0-9a-fA-F]?)?$|$)""")


def unbytes(text: str) -> str:
    """`text` with every bytes repr in it shown as the peer's text: a secret's non-ASCII letters stay letters
    (`ü`, not the `\\xc3\\xbc` no redactor looks for); control characters stay visible escapes."""
    def readable(match: re.Match) -> str:
        try:
            raw = ast.literal_eval(f"b{match['quote']}{match['body']}{match['quote']}")
        except (SyntaxError, ValueError):
            return match[0]
        shown = repr(raw.decode("utf-8", "replace"))
        return shown if match["closed"] else f"{shown[:-1]}…"  # cut short: no closing quote

    return _BYTES_REPR.sub(readable, text)


# -- clamd ---------------------------------------------------------------------------------
async def clamd_exchange(host: str, port: int, command: str, heard: bytearray | None = None) -> bytes:
    """One z-command (NUL-terminated) on its own connection, as clamd closes after each; `heard` gets the reply's
    bytes as they come (what a reply cut off by the deadline did say)."""
    reader, writer = await asyncio.open_connection(host, port)
    heard = bytearray() if heard is None else heard
    try:
        writer.write(b"z" + command.encode() + b"\0")
        await writer.drain()
        while not heard.endswith(b"\0") and len(heard) < REPLY_LIMIT:
            chunk = await reader.read(REPLY_LIMIT - len(heard))
            if not chunk:
                break
            heard += chunk
        return bytes(heard)
    finally:
        writer.close()


async def probe_clamd(value: str, replies: dict[str, Any], target) -> None:
    _, host, port = address(value, "clamd")
    if await _clamd_reply(host, port, "PING", replies) == b"PONG\0":
        await _clamd_reply(host, port, "VERSION", replies)


async def _clamd_reply(host: str, port: int, command: str, replies: dict[str, Any]) -> bytes:
    """replies[command]: the reply, or what came of it before the conversation was cut off (`PONG\\n`, the
    connection held open) — then the judge quotes it beside the timeout."""
    heard = bytearray()
    try:
        replies[command] = await clamd_exchange(host, port, command, heard)
    finally:
        if command not in replies and heard:
            replies[command] = bytes(heard)
    return replies[command]


# -- smtp ----------------------------------------------------------------------------------
class SmtpLines:
    """The server's lines from a buffer of our own (asyncio's StreamReader cannot say what it holds): what is
    left once a reply is read is what the server sent before it was asked."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.held = bytearray()
        self.reply = bytearray()  # the lines of the reply being read: with `held`, what came of it so far

    async def fill(self) -> bool:
        """Read what has come; False when the connection closed."""
        chunk = await self.reader.read(LINE_LIMIT)
        self.held += chunk
        return bool(chunk)

    async def next(self) -> bytes:
        """One line with its end, or what is left when the connection closed (b"" when nothing is)."""
        while b"\n" not in self.held and len(self.held) <= LINE_LIMIT and await self.fill():
            pass
        end = self.held.find(b"\n") + 1 or len(self.held)
        if end > LINE_LIMIT:
            raise NotProtocol("not SMTP: a reply line longer than 64 KiB")
        line = bytes(self.held[:end])
        del self.held[:end]
        self.reply += line
        return line

    def so_far(self) -> bytes:
        """What came of the reply being read: its lines, and a line without its end."""
        return bytes(self.reply + self.held)


async def smtp_reply(lines: SmtpLines) -> tuple[int, bytes]:
    """One SMTP reply: `250-first` … `250 last` lines; (code, the lines' text joined by newlines)."""
    codes, texts, size = [], [], 0
    lines.reply.clear()
    while len(codes) < SMTP_LINES:
        line = await lines.next()
        if not line:
            raise ServerClosed("the server closed the connection") if not codes else NotProtocol(
                "not SMTP: the connection closed inside a reply")
        size += len(line)
        if size > GREETING_LIMIT:
            raise NotProtocol(f"not SMTP: a reply longer than {GREETING_LIMIT // 1024} KiB")
        code, separator = line[:3], line[3:4]
        if len(code) != 3 or not code.isdigit() or separator not in (b" ", b"-", b"\r", b"\n", b""):
            raise NotProtocol(f"not SMTP: {quoted(line)}")
        if codes and int(code) != codes[0]:  # RFC 5321 4.2.1: every line of a reply carries the same code
            raise NotProtocol(f"not SMTP: a reply whose lines carry codes {codes[0]} and {int(code)}")
        text = line[4:].rstrip(b"\r\n")
        try:
            readable = not _SMTP_CONTROL.search(text.decode("utf-8"))
        except UnicodeDecodeError:
            readable = False
        if not readable:  # NUL, an escape sequence, bytes no charset of SMTP's reads: no server's reply text
            raise NotProtocol(f"not SMTP: a reply line holding bytes SMTP's reply text does not (control characters"
                              f" or no UTF-8): {quoted(line)}")
        codes.append(int(code))
        texts.append(text)
        if separator != b"-":
            return codes[0], b"\n".join(texts)
    raise NotProtocol(f"not SMTP: a reply of more than {SMTP_LINES} lines")


async def spoken_unasked(lines: SmtpLines, writer: asyncio.StreamWriter) -> bytes:
    """What the server sent after its last reply, before the next command: a healthy one sends nothing until asked
    (RFC 5321 4.3),
    so bytes already held, or already waiting on a plain socket, are no answer to anything. Nothing is waited for."""
    sock = writer.get_extra_info("socket")
    if not lines.held and writer.get_extra_info("sslcontext") is None and sock is not None and _readable(sock):
        await lines.fill()  # readable at once: bytes, or the server's close (nothing held then)
    return bytes(lines.held)


def _readable(sock) -> bool:
    """Whether bytes (or a close) wait on the socket now; poll, not select: any descriptor number will do."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


async def probe_smtp(value: str, replies: dict[str, Any], target) -> None:
    scheme, host, port = address(value, "smtp")
    tls = None
    if scheme == "smtps":  # whether its certificate is trusted is the tls family's question
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None)
    lines = SmtpLines(reader)
    try:
        replies["banner"] = await smtp_reply(lines)
        if replies["banner"][0] != 220:
            return
        for command, healthy in SMTP_EXCHANGE:
            if unasked := await spoken_unasked(lines, writer):
                replies["unasked"] = unasked  # not sent: no reply after this one could be told from these
                return
            writer.write(command.encode() + (b" " + CLIENT_NAME if command == "EHLO" else b"") + b"\r\n")
            await writer.drain()
            replies[command] = await smtp_reply(lines)
            if replies[command][0] != healthy:
                return
    except (asyncio.CancelledError, OSError):  # cut off (the deadline, a reset): what came of the reply it waited
        # for is said (a reply that is no SMTP is quoted by its own error)
        if partial := lines.so_far():
            replies["partial"] = partial
        raise
    finally:
        writer.close()


# -- redis ---------------------------------------------------------------------------------
async def probe_redis(value: str, replies: dict[str, Any], target) -> None:
    if password(value):  # a URL without one is an address, shown as such
        target.redactor.add(value)
        target.redactor.add(password(value))
    client = ReadOnlyRedis(value, connect_timeout_s=target.timeouts.connect_s,
                           read_timeout_s=target.timeouts.statement_ms / 1000, reply_limit=GREETING_LIMIT)
    try:  # PING alone: redis-py reads a pipeline's replies whole, and INFO's reader raising would take PING's along
        (ping,) = await client.ask([("PING",)])
    except Exception as exc:  # redis-py's errors, imported only when used
        if not _error_reply(exc):
            raise
        ping = exc  # raised on connecting (AUTH), or at once by redis-py (LOADING is a ConnectionError to it)
        if isinstance(exc, load("redis").ResponseError) and not _credentials_refused(exc):
            # an error reply raised, not returned as PING's: the SELECT (a database the server does not have, or an
            # ACL user without +select: NoPermissionError) or AUTH redis-py sends first was refused, so PING was never
            # sent — the URL's, not the server's state
            replies["setup"] = _server_words(exc)
            return
    if isinstance(ping, Exception):  # in the pipeline, PING's own error reply comes back as its reply
        replies[_refused_for(ping)] = _server_words(ping)
        return
    replies["PING"] = ping
    if ping == "PONG":  # the version is evidence of a server that answers: asked once it did
        replies.update(await _version(client))


async def _version(client: ReadOnlyRedis) -> dict[str, str]:
    """{"version": …} from INFO server, or {"INFO": why it is unread}: INFO never decides the verdict."""
    try:
        (info,) = await client.ask([("INFO", "server")])
    except Exception as exc:  # redis-py's errors, or its INFO reader failing on a reply that is no text
        return {"INFO": f"unread: {_unread_info(exc)}"}
    if isinstance(info, Exception):  # an error reply (NOPERM: the URL's ACL user lacks +info)
        return {"INFO": f"unread: {_unread_info(info)}"}
    version = info.get("redis_version") if isinstance(info, dict) else None
    return {"version": str(version)} if version is not None else {"INFO": "unread: no redis_version in it"}


def _unread_info(exc: Exception) -> str:
    if _error_reply(exc):
        return _server_words(exc)
    if isinstance(exc, (load("redis").RedisError, OSError, ReplyTooLong)):  # refused, reset, timed out, too long
        return why(exc)
    return "a reply that is not INFO's text"  # a number, nil or an array: redis-py's INFO reader wants text


def _error_reply(exc: Exception) -> bool:
    """The server answered with an error line (`-LOADING …`, `-ERR max number of clients reached`): redis-py
    raises some of those as connection errors, but they are the server's answer, not silence."""
    redis = load("redis")

    return isinstance(exc, (redis.ResponseError, redis.AuthenticationError, redis.BusyLoadingError)) \
        or getattr(exc, "status_code", None) is not None  # set by redis-py's parser, from the reply's code


def _refused_for(exc: Exception) -> str:
    """Whose refusal an error reply is: the checker's (credentials, permission) or the server's own state."""
    if _credentials_refused(exc):
        return "credentials"
    if isinstance(exc, load("redis.exceptions").NoPermissionError):  # an ACL user without +ping: the checker's access
        return "permission"
    return "refusal"


def _credentials_refused(exc: Exception) -> bool:
    """WRONGPASS, NOAUTH, invalid password: the URL's credentials, which say nothing of the server."""
    redis = load("redis")

    return isinstance(exc, redis.AuthenticationError) or str(exc).upper().startswith(("WRONGPASS", "NOAUTH"))


def _server_words(exc: Exception) -> str:
    """An error reply as the server sent it: redis-py keeps its code (`LOADING`, `NOPERM`) apart, in status_code
    (a redis-py without it: the exception's class names the code)."""
    code = getattr(exc, "status_code", None)
    if code:  # a code redis-py has no class for stays in the text too: `BUSY Redis is busy …`
        return str(exc) if str(exc).startswith(f"{code} ") else f"{code} {exc}"
    return f"{type(exc).__name__}: {exc}"


PROBES = {"clamd": probe_clamd, "smtp": probe_smtp, "redis": probe_redis}


# -- gather --------------------------------------------------------------------------------
async def _converse(target, check, limit_s: float) -> Answer | GatherError:
    p: Params = check.params
    try:
        value = target.endpoint(p.endpoint)
        where = shown(value) if p.protocol == "redis" else "{1}:{2}".format(*address(value, p.protocol))
    except GatherError as exc:
        return exc
    replies: dict[str, Any] = {}
    started = time.perf_counter()
    failure, timed_out = "", False
    try:
        await asyncio.wait_for(PROBES[p.protocol](value, replies, target), limit_s)
    except asyncio.TimeoutError:
        failure, timed_out = f"no complete answer within {limit_s:g} s (connect_s + statement_ms)", True
    except GatherError as exc:  # the endpoint cannot be used (not a redis:// URL)
        return exc
    except Exception as exc:  # refused, reset, TLS, not the protocol, redis-py's connection errors
        failure = why(exc)
    return Answer(where, replies, failure, round((time.perf_counter() - started) * 1000, 1), timed_out)


def gather(target, checks) -> dict[str, Answer | GatherError]:
    limit_s = deadline_s(target)
    if any(c.params.protocol == "redis" for c in checks):
        load("redis.asyncio")  # imported before the conversations' clocks start

    async def everyone() -> list[Answer | GatherError]:
        return list(await asyncio.gather(*(_converse(target, c, limit_s) for c in checks)))

    return dict(zip((c.key for c in checks), loops.run(everyone()), strict=True))


# -- judge ---------------------------------------------------------------------------------
def quoted(reply: Any, limit: int = 80) -> str:
    """A target's reply, quoted and cut: a message names what was said, it does not carry megabytes."""
    if isinstance(reply, tuple):  # an SMTP (code, message) reply, its code in three digits as sent (`000`)
        return f"{reply[0]:03d} {quoted(reply[1], limit)}"
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    text = str(reply)
    shown = repr(text[:limit])
    return shown if len(text) <= limit else f"{shown}… ({len(text):,} characters)"


def _no_answer(where: str, answer: Answer, evidence: dict, detail: str = "") -> Outcome:
    reason = detail or answer.failure or "no reply"
    return error(f"could not look: {where} did not answer in its protocol: {reason}", **evidence)


def judge(check, facts) -> Outcome:
    p: Params = check.params
    answer = facts[check.key]
    if isinstance(answer, GatherError):
        return error(f"endpoint '{p.endpoint}' is not usable: {answer}")
    evidence = {"address": answer.address, "elapsed_ms": answer.elapsed_ms,
                "replies": {k: quoted(v, 300) for k, v in answer.replies.items()},
                **({"failure": answer.failure} if answer.failure else {})}
    where = f"{p.protocol} at {answer.address}"
    if p.protocol == "clamd":
        return _judge_clamd(where, answer, evidence, p.max_signature_age_days)
    if p.protocol == "smtp":
        return _judge_smtp(where, answer, evidence)
    return _judge_redis(where, answer, evidence)


def _clamd_unread(reply: bytes | None, command: str = "") -> str:
    """Why `reply` is no clamd reply at all ("" when it is one): missing, empty, or without its NUL."""
    who = f"{command} " if command else ""
    if reply is None:
        return f"no {who}reply"
    if not reply:
        return f"no {who}reply before the connection closed"
    if not reply.endswith(b"\0"):  # every clamd reply to a z-command ends with NUL
        return f"{who}replied {quoted(reply)} (not a NUL-terminated clamd reply)"
    return ""


def _judge_clamd(where: str, answer: Answer, evidence: dict, max_age_days: float | None) -> Outcome:
    expected = f"{where} answers zPING with PONG and zVERSION with its ClamAV version"
    if max_age_days is not None:
        expected += f" and a signature database built within {max_age_days:g} days (max_signature_age_days)"
    ping = answer.replies.get("PING")
    if ping is None:
        return _no_answer(where, answer, evidence)
    if unread := _clamd_unread(ping):  # with the reason it stopped there (a deadline), when it was cut off
        return _no_answer(where, answer, evidence, unread + (f": {answer.failure}" if answer.failure else ""))
    if ping != b"PONG\0":
        return failed(expected, f"replied {quoted(ping)}", **evidence)
    version = answer.replies.get("VERSION")  # asked once zPING answered PONG
    if unread := _clamd_unread(version, "zVERSION"):
        return _no_answer(where, answer, evidence, unread + (f": {answer.failure}" if answer.failure else ""))
    if not CLAMD_VERSION.fullmatch(version):  # UNKNOWN COMMAND, or PONG to anything: not a clamd that works
        return failed(expected, f"PONG, but zVERSION answered {quoted(version)}", **evidence)
    said = version.rstrip(b"\0").decode("ascii")  # printable ASCII: CLAMD_VERSION matched
    _, named, database = said.partition("/")  # `ClamAV 1.4.6` `/` `27345/Mon Dec  2 08:26:29 2024`
    evidence["signature_database"] = _database_evidence(database) if named else "none named by zVERSION"
    if max_age_days is None:  # the database is shown, not judged
        return passed(expected, f"PONG ({cut(said, 120)})", **evidence)
    if not named:  # clamd names no daily database: it scans, and detects nothing real
        return failed(expected, f"PONG, but no signature database loaded: zVERSION answered {quoted(said)} (no"
                                " /<database version>/<date>)", **evidence)
    return _judge_signature_age(expected, said, database, max_age_days, evidence)


def _database_evidence(database: str) -> dict[str, str] | str:
    if match := CLAMD_DATABASE.fullmatch(database):
        return {"version": cut(match["version"], 20),
                "built": f"{cut(match['built'], 60)} (clamd's local time; its zone is not named)"}
    return f"unread: {quoted('/' + database)}"


def _judge_signature_age(expected: str, said: str, database: str, max_age_days: float, evidence: dict) -> Outcome:
    """The daily database's build time against max_age_days, in the time zone kindest to clamd: clamd names none."""
    unjudged = f"could not judge the signature database's age (max_signature_age_days: {max_age_days:g})"
    match = CLAMD_DATABASE.fullmatch(database)
    if not match:  # never a pass: the age is not known
        return error(f"{unjudged}: zVERSION's database part {quoted('/' + database)} is not /<version>/<date>",
                     **evidence)
    built = _ctime(match["built"])
    if built is None:
        return error(f"{unjudged}: its date {quoted(match['built'])} is not one as clamd writes it (Mon Dec  2"
                     " 08:26:29 2024)", **evidence)
    now = datetime.now(timezone.utc)
    named = f"signature database {cut(match['version'], 20)} of {cut(match['built'], 60)} (clamd's local time)"
    ahead = built - ZONE_EAST - now  # read in UTC+14, the earliest instant the date may be
    if ahead > CLOCK_SKEW:
        return error(f"{unjudged}: {named} is ahead of the runner's clock ({now:%Y-%m-%dT%H:%M:%SZ}) by at least"
                     f" {ahead // timedelta(minutes=6) / 10} h, more than any time zone (UTC-12 … UTC+14) and an hour"
                     " of clock skew explain: clamd's or the runner's clock is wrong", **evidence)
    age = now - (built + ZONE_WEST)  # read in UTC-12, the latest instant the date may be
    if age > timedelta(days=max_age_days):
        return failed(expected, f"PONG, but {named} is at least {age // timedelta(hours=2.4) / 10} days old (read in"
                                f" UTC-12, the zone kindest to it), more than {max_age_days:g}", **evidence)
    return passed(expected, f"PONG ({cut(said, 120)}; signature database built within {max_age_days:g} days)",
                  **evidence)


def _ctime(text: str) -> datetime | None:
    """clamd's `Mon Dec  2 08:26:29 2024` as that wall clock in UTC, or None for what ctime does not write: another
    form, a weekday that is not the date's, 30 February, cli_ctime's `invalid timestamp` (cut to `…timestam`)."""
    match = CTIME.fullmatch(text)
    if not match or match["weekday"] not in WEEKDAYS or match["month"] not in MONTHS:
        return None
    day, hour, minute, second, year = (int(number) for number in match.groups()[2:])
    if not 1969 <= year <= 9998:  # no time_t clamd holds (1970 in UTC, 1969 west of it); and room for the zones
        return None
    try:
        wall = datetime(year, MONTHS.index(match["month"]) + 1, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None
    return wall if WEEKDAYS[wall.weekday()] == match["weekday"] else None


def _judge_smtp(where: str, answer: Answer, evidence: dict) -> Outcome:
    expected = f"{where} greets with 220 and answers EHLO with 250, NOOP with 250 and QUIT with 221, each once asked"
    banner = answer.replies.get("banner")
    came = f" (it sent {quoted(answer.replies['partial'])} of it)" if "partial" in answer.replies else ""
    if banner is None:
        return _no_answer(where, answer, evidence, f"{answer.failure or 'no reply'}{came}" if came else "")
    if banner[0] != 220:
        return failed(expected, f"banner {quoted(banner)}", **evidence)
    said = f"banner {quoted(banner)}"
    for command, healthy in SMTP_EXCHANGE:
        reply = answer.replies.get(command)
        if reply is None and "unasked" in answer.replies:  # a script that never reads, or a server out of turn
            return failed(expected, f"{said}, then {quoted(answer.replies['unasked'])} before {command} was sent"
                                    " (a server speaks only when asked: RFC 5321 §4.3)", **evidence)
        if reply is None and command == "EHLO":  # nothing said but the banner: not yet seen speaking SMTP
            return _no_answer(where, answer, evidence, f"no EHLO reply: {answer.failure or 'none'}{came}")
        if reply is None and answer.timed_out:  # the run's clock ran out, not the server's answers: maybe slow
            return _no_answer(where, answer, evidence, f"{said}, then no {command} reply: {answer.failure}{came} (a"
                                                       " server that greets or answers late, as a tarpit does, needs"
                                                       " a longer timeouts.statement_ms)")
        if reply is None:  # it answered EHLO, so it speaks SMTP: a command it leaves unanswered fails it
            return failed(expected, f"{said}, then no {command} reply: {answer.failure or 'none'}{came} (every command"
                                    " is answered: RFC 5321 §4.2; a script writing replies it was not asked for runs"
                                    " out of them)", **evidence)
        if reply[0] != healthy:
            return failed(expected, f"{said}, {command} answered {quoted(reply)}", **evidence)
        said += f", {command} {reply[0]}"
    return passed(expected, said, **evidence)


def _judge_redis(where: str, answer: Answer, evidence: dict) -> Outcome:
    expected = f"{where} answers PING with PONG"
    if "credentials" in answer.replies:  # as the redis family says it: the checker could not look
        return error(f"could not look: {where} refused the checker's credentials ({cut(answer.replies['credentials'], 200)});"
                     " fix the password in the endpoint's URL", **evidence)
    if "permission" in answer.replies:  # NOPERM: the URL's ACL user may not PING, which says nothing of the server
        return error(f"could not look: {where} refused the checker's PING ({cut(answer.replies['permission'], 200)});"
                     " give the endpoint URL's ACL user +ping", **evidence)
    if "setup" in answer.replies:  # PING never sent: nothing is known of the server's health
        return error(f"could not look: {where} refused the checker's connection setup before PING was sent"
                     f" ({cut(answer.replies['setup'], 200)}); fix the endpoint's URL (its database number, user and"
                     " password)", **evidence)
    if "refusal" in answer.replies:
        return failed(expected, f"refused: {answer.replies['refusal']}", **evidence)
    if "PING" not in answer.replies:
        return _no_answer(where, answer, evidence)
    if answer.replies["PING"] != "PONG":
        return failed(expected, f"PING answered {_resp_seen(answer.replies['PING'])}", **evidence)
    if "version" not in answer.replies:  # INFO unread (why is in the evidence) or not asked in time
        return passed(expected, "PONG (redis version unknown: INFO unread)", **evidence)
    return passed(expected, f"PONG (redis {cut(answer.replies['version'], 40)})", **evidence)


def _resp_seen(reply: Any) -> str:
    """A RESP reply as a message names it: nil, or quoted and cut, with its kind when it is not text."""
    if reply is None:
        return "nil"
    kind = {int: "an integer", list: "an array"}.get(type(reply))
    return f"{quoted(reply)} ({kind})" if kind else quoted(reply)
