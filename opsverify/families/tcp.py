"""tcp: a server answers its own protocol — ClamAV PING, an SMTP banner and EHLO, Redis PING.

```yaml
params:
  endpoint: clamav                  # systems.<system>.endpoints.<name>
  protocol: clamd                   # clamd (host:port, default 3310) | smtp (host:port, default 25;
                                    # smtps://host:465 for implicit TLS) | redis (a redis:// URL)
```
Reachability is what these items check: a refused connection, a timeout or a wrong reply
is a failure with its reason. Only greetings go out: PING, VERSION, EHLO, QUIT, INFO.
"""

from __future__ import annotations

import smtplib
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import redis as redis_py

from ..errors import GatherError
from ..outcome import Outcome, error, failed, passed
from ..transports.redis import ReadOnlyRedis, password, shown
from ._common import StrictParams

NAME = "tcp"

DEFAULT_PORTS = {"clamd": 3310, "smtp": 25, "smtps": 465}
REPLY_LIMIT = 4096


class Params(StrictParams):
    endpoint: str
    protocol: Literal["clamd", "smtp", "redis"]


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}",)


@dataclass(frozen=True)
class Answer:
    address: str
    replies: dict[str, Any] = field(default_factory=dict)
    failure: str = ""  # why the conversation stopped (refused, timeout, TLS)
    elapsed_ms: float = 0.0


def address(value: str, default_scheme: str) -> tuple[str, str, int]:
    """(scheme, host, port) of `host:port` or `scheme://host:port`."""
    parts = urlsplit(value if "://" in value else f"{default_scheme}://{value}")
    try:
        port = parts.port
    except ValueError:
        raise GatherError(f"endpoint '{value}' has an invalid port") from None
    if not parts.hostname:
        raise GatherError(f"endpoint '{value}' names no host")
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS.get(parts.scheme, DEFAULT_PORTS[default_scheme])


def why(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server closed the connection ({exc})"
    return f"{type(exc).__name__}: {exc}"


def clamd_exchange(host: str, port: int, command: str, connect_s: float, read_s: float) -> bytes:
    """One z-command (NUL-terminated) on its own connection, as clamd closes after each."""
    with socket.create_connection((host, port), timeout=connect_s) as sock:
        sock.settimeout(read_s)
        sock.sendall(b"z" + command.encode() + b"\0")
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < REPLY_LIMIT:
            chunk = sock.recv(REPLY_LIMIT)
            if not chunk:
                break
            reply += chunk
    return reply


def probe_clamd(target, value: str) -> Answer:
    _, host, port = address(value, "clamd")
    connect_s, read_s = target.timeouts.connect_s, target.timeouts.statement_ms / 1000
    replies: dict[str, Any] = {}
    try:
        replies["PING"] = clamd_exchange(host, port, "PING", connect_s, read_s)
        if replies["PING"] == b"PONG\0":
            replies["VERSION"] = clamd_exchange(host, port, "VERSION", connect_s, read_s)
    except OSError as exc:
        return Answer(f"{host}:{port}", replies, why(exc))
    return Answer(f"{host}:{port}", replies)


def probe_smtp(target, value: str) -> Answer:
    scheme, host, port = address(value, "smtp")
    client_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
    replies: dict[str, Any] = {}
    client = client_class(timeout=target.timeouts.connect_s, local_hostname="opsverify.localdomain")
    try:
        replies["banner"] = client.connect(host, port)
        if replies["banner"][0] == 220:
            replies["EHLO"] = client.ehlo()
            client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        return Answer(f"{host}:{port}", replies, why(exc))
    finally:
        client.close()
    return Answer(f"{host}:{port}", replies)


def probe_redis(target, value: str) -> Answer:
    target.redactor.add(value)
    target.redactor.add(password(value))
    replies: dict[str, Any] = {}
    try:
        with ReadOnlyRedis(value, connect_timeout_s=target.timeouts.connect_s,
                           read_timeout_s=target.timeouts.statement_ms / 1000) as client:
            ping, info = client.pipeline([("PING",), ("INFO", "server")])
    except redis_py.RedisError as exc:
        return Answer(shown(value), replies, f"{type(exc).__name__}: {exc}")
    replies["PING"] = "PONG" if ping is True else ping
    replies["version"] = info.get("redis_version") if isinstance(info, dict) else None
    return Answer(shown(value), replies)


PROBES = {"clamd": probe_clamd, "smtp": probe_smtp, "redis": probe_redis}


def gather(target, checks) -> dict[str, Answer | GatherError]:
    def one(check) -> Answer | GatherError:
        started = time.perf_counter()
        try:
            answer = PROBES[check.params.protocol](target, target.endpoint(check.params.endpoint))
        except GatherError as exc:
            return exc
        return Answer(answer.address, answer.replies, answer.failure,
                      round((time.perf_counter() - started) * 1000, 1))

    with ThreadPoolExecutor(max_workers=max(1, len(checks))) as pool:
        return dict(zip((c.key for c in checks), pool.map(one, checks)))


def _text(reply: Any, limit: int = 80) -> str:
    if isinstance(reply, tuple):  # an SMTP (code, message) reply
        return f"{reply[0]} {_text(reply[1], limit)}"
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return repr(str(reply)[:limit])


def judge(check, facts) -> Outcome:
    p: Params = check.params
    answer = facts[check.key]
    if isinstance(answer, GatherError):
        return error(f"endpoint '{p.endpoint}' is not usable: {answer}")
    evidence = {"address": answer.address, "elapsed_ms": answer.elapsed_ms,
                "replies": {k: _text(v, 300) for k, v in answer.replies.items()}}
    where = f"{p.protocol} at {answer.address}"
    if p.protocol == "clamd":
        expected = f"{where} answers zPING with PONG"
        reply = answer.replies.get("PING")
        if answer.failure and reply is None:
            return failed(expected, answer.failure, **evidence)
        if reply != b"PONG\0":
            return failed(expected, f"replied {_text(reply)}" if reply else "no reply before the connection closed",
                          **evidence)
        version = answer.replies.get("VERSION", b"").rstrip(b"\0").decode("utf-8", "replace")
        return passed(expected, f"PONG ({version or 'version unknown'})", **evidence)
    if p.protocol == "smtp":
        expected = f"{where} greets with 220 and answers EHLO with 250"
        banner = answer.replies.get("banner")
        if banner is None:
            return failed(expected, answer.failure, **evidence)
        if banner[0] != 220:
            return failed(expected, f"banner {_text(banner)}", **evidence)
        ehlo = answer.replies.get("EHLO")
        if ehlo is None:
            return failed(expected, f"no EHLO reply: {answer.failure}", **evidence)
        if ehlo[0] != 250:
            return failed(expected, f"EHLO answered {_text(ehlo)}", **evidence)
        return passed(expected, f"banner {_text(banner)}, EHLO 250", **evidence)
    expected = f"{where} answers PING with PONG"
    if answer.failure:
        return failed(expected, answer.failure, **evidence)
    if answer.replies.get("PING") != "PONG":
        return failed(expected, f"PING answered {_text(answer.replies.get('PING'))}", **evidence)
    return passed(expected, f"PONG (redis {answer.replies.get('version') or '?'})", **evidence)
