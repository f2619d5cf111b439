"""Redis, read-only: the suite itself refuses every command outside a short allow-list.

redis-py does the protocol; this wrapper only decides what may be sent, before anything is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..errors import GatherError, Refused

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


class ReadOnlyRedis:
    """One connection to one Redis; `pipeline` sends a batch of allowed commands in one round trip."""

    def __init__(self, url: str, *, connect_timeout_s: float, read_timeout_s: float):
        self.url = url
        if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
            raise GatherError("the endpoint is not a redis://, rediss:// or unix:// URL")
        self._client = redis.Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout_s,
            socket_timeout=read_timeout_s,
            retry=Retry(NoBackoff(), 0),  # a down server is an answer, not something to wait out
            driver_info=None,  # no CLIENT SETINFO: the suite changes nothing, not even its connection name
            decode_responses=True,
        )

    def pipeline(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Replies in order; a command's own error (e.g. WRONGTYPE) comes back as its reply."""
        for command in commands:
            guard(command)
        batch = self._client.pipeline(transaction=False)
        for command in commands:
            batch.execute_command(*command)
        return batch.execute(raise_on_error=False)

    def command(self, *command: Any) -> Any:
        guard(command)
        return self._client.execute_command(*command)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ReadOnlyRedis":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
