"""Redis, read-only: the suite itself refuses every command outside a short allow-list.

redis-py does the protocol (RESP2: its connection sends nothing of its own but AUTH when the URL holds a
password and SELECT for a database other than 0); this wrapper decides what may be sent, before anything is, and
bounds each conversation with one total deadline (connect + answers): a per-read socket
timeout alone would let a server that drips a byte a second hold the run for ever. A URL says no more than its
evidence shows (`shown`): redis-py would apply a query option over the checker's own settings (another database,
HELLO 3, CLIENT SETNAME, certificates unchecked), so one is refused before anything is sent (`url_problem`). What a
conversation reads is bounded too (REPLY_LIMIT, or a caller's lower `reply_limit`): a server answering PING with
400 MiB is not read to its end. MULTI and EXEC go out only around reads (`snapshot_guard`), in `snapshots`, each
reply of theirs read up to the limit of its own (EXEC's holds the snapshot's reads). A rediss:// certificate is
verified as the `tls` family verifies one (`tlscontext`), not by the context redis-py builds, which still matches a host against the certificate's common name.
redis-py is imported only when a conversation starts, so loading a checklist stays cheap.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
import ssl
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from ..display import cut
from ..errors import GatherError, Refused
from ..lazy import load
from . import loops
from .tlscontext import alert_refusal, rejected_leaf, rejection_reason, shared_client_context

# commands that read and never change data or server state
READ_ONLY = frozenset({"PING", "INFO", "EXISTS", "TYPE", "LLEN", "XLEN", "ZCARD", "SCARD", "XINFO", "XREVRANGE"})
# a command of several subcommands is sent with the ones named here alone: XINFO STREAM FULL reads every entry's
# fields (a job's payload), XINFO GROUPS only each consumer group's counts
SUBCOMMANDS = {"XINFO": frozenset({"GROUPS"})}
# a command sent in one shape alone, after its key: XREVRANGE reads entries with their fields (jobs' payloads), so
# only the stream's last one, for its id
SHAPES = {"XREVRANGE": ("+", "-", "COUNT", "1")}
# what a snapshot (`snapshots`) wraps its reads in, so that Redis answers them as of one moment; never sent alone, nor
# around anything `guard` refuses
TRANSACTION = ("MULTI", "EXEC")
REPLY_LIMIT = 4 * 2 ** 20  # bytes of one conversation's replies: INFO server is a few KiB, a key's five ~250 bytes
# (a stream's last entry is a job's fields: the redis family asks for those in snapshots, each read up to the limit)
DATABASE_PATH = re.compile(r"(/[0-9]*)?")  # redis-py reads /0/3 (and /%33) as database 3
UNIX_OPTIONS = frozenset({"db"})  # a socket's path is its URL's path: its database can only be the query's


def guard(command: tuple[Any, ...]) -> None:
    name = str(command[0]).upper() if command else ""
    if name not in READ_ONLY:
        raise Refused(f"Redis command {name or '(empty)'} refused: only {', '.join(sorted(READ_ONLY))} are sent")
    if name in SUBCOMMANDS:
        sub = str(command[1]).upper() if len(command) > 1 else ""
        if sub not in SUBCOMMANDS[name]:
            raise Refused(f"Redis command {name} {sub or '(no subcommand)'} refused: only {name} "
                          f"{', '.join(sorted(SUBCOMMANDS[name]))} is sent")
    if name in SHAPES and (len(command) != 2 + len(SHAPES[name])
                           or tuple(str(part).upper() for part in command[2:]) != SHAPES[name]):
        raise Refused(f"Redis command {name} refused: only {name} <key> {' '.join(SHAPES[name])} is sent (a stream's "
                      "last entry, for its id: more would read the stream's payloads)")


def snapshot_guard(commands: list[tuple[Any, ...]]) -> None:
    """A snapshot is MULTI, reads `guard` allows (one at least), EXEC: nothing before, between or after but those."""
    names = [str(command[0]).upper() if command else "" for command in commands]
    if len(commands) < 3 or (names[0], names[-1]) != TRANSACTION:
        raise Refused(f"Redis snapshot refused: only MULTI, then reads ({', '.join(sorted(READ_ONLY))}), then EXEC "
                      f"are sent as one (was: {' '.join(names) or 'nothing'})")
    for command in commands[1:-1]:  # MULTI or EXEC among them is refused here: neither is a read
        guard(command)


def shown(url: str) -> str:
    """The URL without its credentials, fit for evidence: all it says the checker takes (`url_problem`). One no
    parser reads (`redis://:pw@host:6379 `, an unclosed '[') is its scheme alone: what else it says may be the
    password."""
    parts = _parsed(url)
    if parts is None:
        scheme = url.partition("://")[0]
        return f"{scheme if scheme in _SCHEMES else '?'}://?"
    if parts.scheme == "unix":  # the socket's path, and its database when the query names one
        database = dict(parse_qsl(parts.query)).get("db")
        return f"unix://{unquote(parts.path)}" + (f"?db={database}" if database else "")
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def password(url: str) -> str | None:
    """The URL's password: one no parser reads (an unclosed '[') as written before its host, so it is redacted
    all the same."""
    try:
        return urlsplit(url).password
    except ValueError:
        userinfo = url.partition("://")[2].partition("/")[0].rpartition("@")[0]
        return unquote(userinfo.partition(":")[2]) or None


_SCHEMES = ("redis", "rediss", "unix")
_UNPARSED = ("not a URL a client reads (a blank around it, an unclosed '[', a port that is no number): write "
             "redis://:PASSWORD@host:6379/0, with no blank around it")


def _parsed(url: str):
    """`urlsplit(url)`, its port read too; None when either raises."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises on a port that is no number: '6379 ' (a blank after it), 'port'
    except ValueError:
        return None
    return parts


def url_problem(url: str) -> str | None:
    """Why the checker will not use this Redis URL, said without its values, else None: what the URL says beyond
    what `shown` shows would change, unseen, what is read (a query's db, a path redis-py reads otherwise), what is
    sent (HELLO 3, CLIENT SETNAME) or whom it trusts (ssl_cert_reqs=none). Only a unix socket's db is taken. A URL
    no parser reads is refused too: redis-py would raise on it, not as a Redis error."""
    parts = _parsed(url)
    if parts is None or url != url.strip():
        return _UNPARSED
    if parts.scheme in ("redis", "rediss") and not DATABASE_PATH.fullmatch(parts.path):
        return (f"the URL's path is not a database number (redis-py reads /0/3 as database 3): write the database "
                f"as {parts.scheme}://host:6379/3 (or no path, for database 0)")
    options = parse_qsl(parts.query, keep_blank_values=True)
    allowed = UNIX_OPTIONS if parts.scheme == "unix" else frozenset()
    refused = list(dict.fromkeys(name for name, _ in options if name not in allowed))
    if refused:
        return (f"the URL's query sets {_option_names(refused)}, which redis-py would apply over the checker's own "
                "settings (another database, HELLO 3, CLIENT SETNAME, certificates unchecked …) unseen in the "
                f"evidence: remove {'them' if len(refused) > 1 else 'it'}; {_WHERE_SETTINGS[parts.scheme == 'unix']}")
    databases = [value for name, value in options if name == "db"]
    if len(databases) > 1 or databases and not (databases[0].isascii() and databases[0].isdigit()):
        return "the URL's db must be a database number, given once: unix:///run/redis.sock?db=3"
    return None


# where what a refused query option would set is said instead; [False]: redis://, rediss://, [True]: unix://
_WHERE_SETTINGS = {
    False: "the database is the URL's path (redis://host:6379/3), the timeouts are the environment's timeouts "
           "(connect_s, statement_ms), and a rediss:// certificate is always verified (a private CA: SSL_CERT_FILE)",
    True: "a unix:// URL takes only db (unix:///run/redis.sock?db=3), and a password before the path "
          "(unix://:PASSWORD@/run/redis.sock); the timeouts are the environment's timeouts "
          "(connect_s, statement_ms)",
}


def _option_names(names: list[str]) -> str:
    """The options redis-py reads by these names, named; any other name only counted: it may be a value (a password
    written after '?'), and none is quoted."""
    known = [name for name in names if name in _redis_py_options()]
    others = len(names) - len(known)
    return ", ".join(known + ([f"{others} other option{'s' if others > 1 else ''} (not one of redis-py's)"]
                              if others else []))


@functools.cache
def _redis_py_options() -> frozenset[str]:
    """The query names redis-py takes: its URL parser's, and every keyword of its connections (it passes them on)."""
    connection = load("redis.asyncio.connection")
    names = set(connection.URL_QUERY_ARGUMENT_PARSERS)
    for kind in (connection.AbstractConnection, connection.Connection, connection.SSLConnection,
                 connection.UnixDomainSocketConnection):
        names.update(inspect.signature(kind.__init__).parameters)
    return frozenset(names - {"self", "args", "kwargs"})


class NoAnswer(GatherError):
    """Redis did not answer in its protocol: refused, timed out, reset, or bytes that are not RESP."""


class TooLong(NoAnswer):
    """The server answered in its protocol, at more length than is read (`ReplyTooLong`): unlike a broken conversation,
    a stream's last entry of a big job's fields, which its caller can judge without."""


class Refusal(GatherError):
    """Redis answered, with a refusal (wrong password, NOAUTH, LOADING ...)."""


class CertificateRejected(Exception):
    """The rediss:// server's certificate was refused; `reason` says why, as the `tls` family says it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"TLS certificate rejected: {reason}")
        self.reason = reason


class ReadOnlyRedis:
    """One Redis; `pipeline` sends a batch of allowed commands in one round trip, on its own
    connection, within `deadline_s` (default: connect + read timeout) from start to last reply, reading at most
    `reply_limit` bytes of replies on it. Replies are decoded as UTF-8; `decode_errors` "backslashreplace" shows the
    bytes that are not (a consumer group named in Latin-1) escaped, instead of losing every reply of the conversation
    ("strict", the default: not a Redis reply)."""

    def __init__(self, url: str, *, connect_timeout_s: float, read_timeout_s: float, deadline_s: float | None = None,
                 reply_limit: int = REPLY_LIMIT, decode_errors: str = "strict"):
        self.url = url
        if (problem := url_problem(url)) == _UNPARSED:  # said before the scheme: a word of it may be the password
            raise GatherError(problem)
        if urlsplit(url).scheme not in _SCHEMES:
            raise GatherError("the endpoint is not a redis://, rediss:// or unix:// URL")
        if problem:
            raise GatherError(problem)
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.deadline_s = deadline_s if deadline_s is not None else connect_timeout_s + read_timeout_s
        self.reply_limit = reply_limit
        self.decode_errors = decode_errors
        load("redis.asyncio")  # imported now, not on the conversation's clock
        # the default trust store (SSL_CERT_FILE for a private CA), read now too: once per process, not per endpoint
        self._tls_context = shared_client_context() if urlsplit(url).scheme == "rediss" else None

    def pipeline(self, commands: list[tuple[Any, ...]], *, verbatim: bool = False,
                 deadline_s: float | None = None) -> list[Any]:
        """Replies in order; a command's own error (e.g. WRONGTYPE) comes back as its reply; `verbatim`: each
        as the server sent it (INFO's text, not the dict redis-py's reader builds, or raises on); `deadline_s`: a
        shorter deadline than the client's (what an earlier pipeline left of it). Each pipeline is a connection of its
        own, its replies read up to `reply_limit`.
        Raises `NoAnswer` when the server does not answer within the deadline or not in RESP,
        and `Refusal` when it answers with one (a wrong password)."""
        for command in commands:
            guard(command)
        deadline = self.deadline_s if deadline_s is None else min(deadline_s, self.deadline_s)
        return _run(self.ask(commands, verbatim=verbatim), deadline)

    def command(self, *command: Any) -> Any:
        guard(command)
        (reply,) = self.pipeline([command])
        if isinstance(reply, Exception):
            raise reply
        return reply

    def snapshots(self, batches: list[list[tuple[Any, ...]]], *, deadline_s: float | None = None,
                  keep: Callable[[list[Any]], Any] = lambda replies: replies) -> list[Any]:
        """Every batch (MULTI, reads, EXEC: `snapshot_guard`) in one pipeline, their replies read up to `reply_limit`
        together; past it, each batch in a pipeline of its own, one after the other on one connection — all within
        `deadline_s` (as `pipeline`'s). Then each reply is read up to `reply_limit` alone, and each batch's replies are
        given to `keep` as soon as read (it keeps what its caller needs of them, and must not raise): one batch's long
        reply leaves that batch unread alone, and no more than one batch's replies are held at once. Returns, per
        batch, what `keep` made of its replies, or the `NoAnswer` or `Refusal` that left it unread: a `TooLong` for a
        batch whose replies pass the limit (that batch alone), any other for the deadline spent, the connection lost,
        bytes that are not RESP (that batch and the ones after it)."""
        for batch in batches:
            snapshot_guard(batch)
        deadline = self.deadline_s if deadline_s is None else min(deadline_s, self.deadline_s)
        kept: list[Any] = []

        async def together() -> bool:
            """Every batch in one pipeline, each reply within the limit and all of them within it too: one round
            trip for the usual streams, whose last entries are small. Any too long: none kept, each is sent alone."""
            client = self._client(verbatim=True, per_reply=True, in_all=self.reply_limit)
            try:
                replies = await _sent(client, [command for batch in batches for command in batch], self.url)
            except ReplyTooLong:
                return False
            finally:
                await client.aclose()
            at = 0
            for batch in batches:
                kept.append(keep(replies[at:at + len(batch)]))
                at += len(batch)
            return True

        async def each() -> None:
            if len(batches) > 1 and await together():
                return
            client = self._client(verbatim=True, per_reply=True)
            try:
                for batch in batches:
                    try:
                        kept.append(keep(await _sent(client, batch, self.url)))
                    except ReplyTooLong as exc:  # redis-py closed the connection mid-reply: the next one opens anew
                        kept.append(TooLong(str(exc)))
            finally:
                await client.aclose()

        try:
            _run(each(), deadline)
        except GatherError as exc:
            kept.extend([exc] * (len(batches) - len(kept)))
        return kept

    async def ask(self, commands: list[tuple[Any, ...]], *, verbatim: bool = False) -> list[Any]:
        """`pipeline` for a caller that runs its own event loop and deadline; redis-py's errors as raised, but a
        refused certificate as `CertificateRejected`."""
        for command in commands:
            guard(command)
        client = self._client(verbatim=verbatim)
        try:
            return await _sent(client, commands, self.url)
        finally:
            await client.aclose()

    def _client(self, *, verbatim: bool, per_reply: bool = False, in_all: int | None = None) -> Any:
        """A redis-py client of one connection pool, for one conversation: its replies read up to `reply_limit` in
        all, or each up to it alone (`per_reply`)."""
        Redis = load("redis.asyncio").Redis
        connection = load("redis.asyncio.connection")
        Retry = load("redis.asyncio.retry").Retry
        NoBackoff = load("redis.backoff").NoBackoff

        # what redis-py's ConnectionPool.from_url does, but a rediss:// connection verifies with the suite's context
        options: dict[str, Any] = dict(connection.parse_url(self.url))
        if self._tls_context is not None:
            options.update(connection_class=_verifying_connection(), tls_context=self._tls_context)
        client = Redis.from_pool(connection.ConnectionPool(
            **options,
            socket_connect_timeout=self.connect_timeout_s,
            socket_timeout=self.read_timeout_s,
            retry=Retry(NoBackoff(), 0),  # a down server is an answer, not something to wait out
            driver_info=None,  # no CLIENT SETINFO: the suite changes nothing, not even its connection name
            protocol=2,  # RESP2: no HELLO (a Redis before 6 refuses it) and no maintenance-notification setup
            decode_responses=True,
            encoding_errors=self.decode_errors,
            parser_class=_bounded_parser(self.reply_limit, per_reply, in_all),
        ))
        # PING's reply as the server sent it: redis-py reads anything but PONG as False, hiding what was said
        client.response_callbacks.pop("PING", None)
        if verbatim:  # a reader raising (INFO's, on a reply that is no text) would lose the whole pipeline's replies
            client.response_callbacks.clear()
        return client

    def close(self) -> None:
        """Nothing stays open between conversations."""

    def __enter__(self) -> "ReadOnlyRedis":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


async def _sent(client: Any, commands: list[tuple[Any, ...]], url: str) -> list[Any]:
    """`commands` (guarded by the caller) in one pipeline of `client`'s: their replies, a command's error as its reply
    (MULTI and EXEC too: sent as commands, not as redis-py's transaction, which keeps MULTI's refusal to itself)."""
    try:
        batch = client.pipeline(transaction=False)
        for command in commands:
            batch.execute_command(*command)
        return await batch.execute(raise_on_error=False)
    except load("redis").ConnectionError as exc:
        # over a unix socket redis-py sends AUTH while connecting, and wraps what came back (WRONGPASS, a reply
        # too long) in a ConnectionError: raised as itself, as over TCP
        if isinstance(exc.__cause__, (load("redis").RedisError, ReplyTooLong)):
            raise exc.__cause__ from None
        if refused := _refused_certificate(exc):
            raise CertificateRejected(rejection_reason(refused, rejected_leaf(refused),
                                                       urlsplit(url).hostname or "?")) from None
        raise


def _refused_certificate(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error redis-py's ConnectionError was raised over, if it was."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    return cause


@functools.cache
def _verifying_connection() -> type:
    """redis-py's TLS connection, handshaking with the context it is given (`tls_context`) instead of the one it
    builds itself."""
    connection = load("redis.asyncio.connection")

    class VerifyingConnection(connection.SSLConnection):
        def __init__(self, *, tls_context: ssl.SSLContext, **kwargs) -> None:
            super().__init__(**kwargs)
            self.tls_context = tls_context

        def _connection_arguments(self):
            # a TCP connection's arguments with this context: SSLConnection's would build redis-py's own first
            return {**connection.Connection._connection_arguments(self), "ssl": self.tls_context}

    return VerifyingConnection


class ReplyTooLong(Exception):
    """The server sent more than its limit of bytes in one conversation: no Redis answer to these commands is so long."""

    def __init__(self, limit: int = REPLY_LIMIT) -> None:
        size = f"{limit // 2 ** 20} MiB" if limit % 2 ** 20 == 0 else f"{limit // 1024:,} KiB"
        super().__init__(f"replies of more than {size}: read no further")


class _BoundedStream:
    """A connection's StreamReader as redis-py's parser reads it (a line, or a bulk string of a length it was told),
    refusing past `limit` bytes in all: an announced length too long is refused before any of it is read; a line
    is cut by asyncio at 64 KiB (a ValueError: not a Redis reply)."""

    def __init__(self, stream: asyncio.StreamReader, limit: int, in_all: int | None = None) -> None:
        self._stream = stream
        self._limit = limit
        self._left = limit
        self._in_all = in_all  # for all replies together, which renewing a reply's limit never renews (None: no bound)
        self._all_left = in_all

    def renew(self) -> None:
        """A new reply begins, read up to the limit alone."""
        self._left = self._limit

    def _take(self, size: int) -> None:
        if size > self._left:
            raise ReplyTooLong(self._limit)
        if self._all_left is not None:
            if size > self._all_left:
                raise ReplyTooLong(self._in_all)
            self._all_left -= size
        self._left -= size

    async def readexactly(self, size: int) -> bytes:
        self._take(size)
        return await self._stream.readexactly(size)

    async def readline(self) -> bytes:
        line = await self._stream.readline()
        self._take(len(line))
        return line

    def __getattr__(self, name: str) -> Any:  # at_eof(), _buffer: what the parser asks of the reader besides
        return getattr(self._stream, name)


@functools.cache
def _bounded_parser(limit: int, per_reply: bool = False, in_all: int | None = None) -> type:
    """redis-py's RESP2 parser (a connection's `parser_class`), reading through a _BoundedStream of `limit` bytes in
    all, or of `limit` for each reply (`per_reply`) and, given, `in_all` for them all: redis-py has no limit of its
    own on what it reads."""
    base = load("redis._parsers")._AsyncRESP2Parser

    class BoundedParser(base):
        def on_connect(self, connection) -> None:
            super().on_connect(connection)
            self._stream = _BoundedStream(self._stream, limit, in_all if per_reply else None)

        async def read_response(self, *args: Any, **kwargs: Any) -> Any:
            if per_reply and isinstance(self._stream, _BoundedStream):  # None once disconnected: said by the base
                self._stream.renew()
            return await super().read_response(*args, **kwargs)

    return BoundedParser


def _run(conversation, deadline_s: float) -> Any:
    redis = load("redis")

    async def bounded():
        return await asyncio.wait_for(conversation, deadline_s)

    try:
        return loops.run(bounded())
    except asyncio.TimeoutError:
        raise NoAnswer(f"no complete answer within {deadline_s:g} s") from None
    except CertificateRejected as exc:
        raise NoAnswer(str(exc)) from None
    except redis.AuthenticationError as exc:  # the server answered: with a refusal of the checker's credentials
        raise Refusal(f"{type(exc).__name__}: {exc} — fix the password (and user) in the endpoint's URL") from None
    except redis.ResponseError as exc:
        raise Refusal(f"{type(exc).__name__}: {exc}") from None  # the server answered: with a refusal
    # bytes redis-py cannot read as RESP (`:abc`, invalid UTF-8, …): a ValueError, an InvalidResponse from 8.2 on
    except (ValueError, RecursionError, redis.InvalidResponse) as exc:
        # cut marked "…": the redactor masks a secret's piece where an excerpt is cut
        raise NoAnswer(f"not a Redis reply ({type(exc).__name__}: {cut(str(exc), 120)})") from None
    except (redis.RedisError, OSError) as exc:  # a TLS alert said as every item says it (not redis-py's wrapping)
        raise NoAnswer(alert_refusal(exc) or f"{type(exc).__name__}: {exc}") from None
    except ReplyTooLong as exc:
        raise TooLong(str(exc)) from None
