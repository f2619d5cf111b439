"""HTTP probes, sent concurrently over one client per batch.

Only safe methods go out unless the check is mutating (the engine has already refused
mutating checks where the environment forbids them) or the request is one the target is
expected to reject unread (an unsigned webhook).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import GatherError, Refused

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_LIMIT = 64 * 1024  # read at most this much of a body unless the probe asks for more


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    mutating: bool = False
    expect_rejection: bool = False  # e.g. an unsigned webhook: a correct target changes nothing
    verify: bool | str = True  # False, True (system trust store) or a CA bundle file trusted instead
    body_limit: int = BODY_LIMIT  # bytes read; the rest of a longer body is not downloaded


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no HTTP answer at all
    elapsed_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    failure: str = ""  # why there was no answer (refused, timeout, TLS)
    truncated: bool = False  # the body was longer than the probe's body_limit


    def json(self) -> Any:
        return json.loads(self.text)


def guard(probe: Probe) -> None:
    method = probe.method.upper()
    if method not in SAFE_METHODS and not (probe.mutating or probe.expect_rejection):
        raise Refused(f"{method} {probe.url}: only GET/HEAD/OPTIONS are sent unless the item is marked mutating")


def fetch_all(probes: list[Probe], *, timeout_s: float, concurrency: int = 16) -> list[Reply]:
    """Send every probe concurrently; a reply per probe, in order. Never raises for network trouble."""
    for probe in probes:
        guard(probe)
    if not probes:
        return []
    return asyncio.run(_fetch_all(probes, timeout_s, concurrency))


def _tls_setting(verify: bool | str) -> bool | ssl.SSLContext:
    if not isinstance(verify, str):
        return verify
    try:
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise GatherError(f"CA bundle {verify}: {getattr(exc, 'strerror', None) or exc}") from None


async def _fetch_all(probes: list[Probe], timeout_s: float, concurrency: int) -> list[Reply]:
    limit = asyncio.Semaphore(concurrency)
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
    settings = {verify: _tls_setting(verify) for verify in {p.verify for p in probes}}
    # one client per TLS-verification mode, shared by every probe of the batch
    clients = {
        verify: httpx.AsyncClient(timeout=timeout, verify=setting, follow_redirects=False,
                                  headers={"user-agent": "opsverify"})
        for verify, setting in settings.items()
    }
    try:
        async def one(probe: Probe) -> Reply:
            async with limit:
                return await _send(clients[probe.verify], probe)

        return list(await asyncio.gather(*(one(p) for p in probes)))
    finally:
        for client in clients.values():
            await client.aclose()


async def _send(client: httpx.AsyncClient, probe: Probe) -> Reply:
    started = time.perf_counter()
    request = client.build_request(probe.method.upper(), probe.url, headers=probe.headers, content=probe.body)
    try:
        response = await client.send(request, stream=True)
        try:
            body, truncated = await _read_at_most(response, probe.body_limit)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return Reply(None, _ms(started), failure="timed out")
    except httpx.ConnectError as exc:
        return Reply(None, _ms(started), failure=_connect_reason(exc))
    except httpx.HTTPError as exc:
        return Reply(None, _ms(started), failure=f"{type(exc).__name__}: {exc}")
    text = body.decode(response.encoding or "utf-8", errors="replace")
    return Reply(response.status_code, _ms(started), dict(response.headers), text, truncated=truncated)


async def _read_at_most(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _connect_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        return f"TLS certificate rejected ({text.split(':')[-1].strip() or 'verify failed'})"
    if "refused" in text.lower():
        return "connection refused"
    return text or "connection failed"
