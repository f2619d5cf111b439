"""Redis, read-only: the suite itself refuses every command outside a short allow-list.

redis-py does the protocol (RESP2: its connection sends nothing of its own but AUTH when the URL holds a
password and SELECT for a database other than 0); this wrapper decides what may be sent, before anything is, and
bounds each conversation with one total deadline (connect + answers): a per-read socket
timeout alone would let a server that drips a byte a second hold the run for ever.
redis-py is imported only when a conversation starts, so loading a checklist stays cheap.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from ..display import cut
from ..errors import GatherError, Refused
from ..lazy import load

# commands that read and never change data or server state
READ_ONLY = frozenset({"PING", "INFO", "EXISTS", "TYPE", "LLEN", "XLEN", "ZCARD", "SCARD"})


def guard(command: tuple[Any, ...]) -> None:
    name = str(command[0]).upper() if command else ""
    if name not in READ_ONLY:
        raise Refused(f"Redis command {name or '(empty)'} refused: only {', '.join(sorted(READ_ONLY))} are sent")


def shown(url: str) -> str:
    """The URL without its credentials, fit for evidence."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def password(url: str) -> str | None:
    return urlsplit(url).password


class NoAnswer(GatherError):
    """Redis did not answer in its protocol: refused, timed out, reset, or bytes that are not RESP."""


class Refusal(GatherError):
    """Redis answered, with a refusal (wrong password, NOAUTH, LOADING ...)."""


class ReadOnlyRedis:
    """One Redis; `pipeline` sends a batch of allowed commands in one round trip, on its own
    connection, within `deadline_s` (default: connect + read timeout) from start to last reply."""

    def __init__(self, url: str, *, connect_timeout_s: float, read_timeout_s: float, deadline_s: float | None = None):
        self.url = url
        if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
            raise GatherError("the endpoint is not a redis://, rediss:// or unix:// URL")
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.deadline_s = deadline_s if deadline_s is not None else connect_timeout_s + read_timeout_s
        load("redis.asyncio")  # imported now, not on the conversation's clock

    def pipeline(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Replies in order; a command's own error (e.g. WRONGTYPE) comes back as its reply.
        Raises `NoAnswer` when the server does not answer within the deadline or not in RESP,
        and `Refusal` when it answers with one (a wrong password)."""
        for command in commands:
            guard(command)
        return _run(self.ask(commands), self.deadline_s)

    def command(self, *command: Any) -> Any:
        guard(command)
        (reply,) = self.pipeline([command])
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def ask(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """`pipeline` for a caller that runs its own event loop and deadline; redis-py's errors as raised."""
        for command in commands:
            guard(command)
        Redis = load("redis.asyncio").Redis
        Retry = load("redis.asyncio.retry").Retry
        NoBackoff = load("redis.backoff").NoBackoff

        client = Redis.from_url(
            self.url,
            socket_connect_timeout=self.connect_timeout_s,
            socket_timeout=self.read_timeout_s,
            retry=Retry(NoBackoff(), 0),  # a down server is an answer, not something to wait out
            driver_info=None,  # no CLIENT SETINFO: the suite changes nothing, not even its connection name
            protocol=2,  # RESP2: no HELLO (a Redis before 6 refuses it) and no maintenance-notification setup
            decode_responses=True,
        )
        # PING's reply as the server sent it: redis-py reads anything but PONG as False, hiding what was said
        client.response_callbacks.pop("PING", None)
        try:
            batch = client.pipeline(transaction=False)
            for command in commands:
                batch.execute_command(*command)
            return await batch.execute(raise_on_error=False)
        finally:
            await client.aclose()

    def close(self) -> None:
        """Nothing stays open between conversations."""

    def __enter__(self) -> "ReadOnlyRedis":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _run(conversation, deadline_s: float) -> Any:
    redis = load("redis")

    async def bounded():
        return await asyncio.wait_for(conversation, deadline_s)

    try:
        return asyncio.run(bounded())
    except asyncio.TimeoutError:
        raise NoAnswer(f"no complete answer within {deadline_s:g} s") from None
    except (redis.AuthenticationError, redis.ResponseError) as exc:
        raise Refusal(f"{type(exc).__name__}: {exc}") from None  # the server answered: with a refusal
    except (redis.RedisError, OSError) as exc:
        raise NoAnswer(f"{type(exc).__name__}: {exc}") from None
    except (ValueError, RecursionError) as exc:  # bytes redis-py cannot read as RESP (`:abc`, invalid UTF-8, …)
        # cut marked "…": the redactor masks a secret's piece where an excerpt is cut
        raise NoAnswer(f"not a Redis reply ({type(exc).__name__}: {cut(str(exc), 120)})") from None
