"""JSON-RPC 2.0 over HTTP: many calls in one batch (a JSON array), read-only methods only.

Providers that refuse batches get the same calls one by one (up to AT_ONCE at a time). A reply
that is not JSON-RPC (HTTP 401/429, an HTML page, a timeout) makes the whole exchange a
`failure`; a JSON-RPC error belongs to its one call, and so does a batch element that is no JSON-RPC 2.0
reply (no `"jsonrpc": "2.0"`): that call has no answer, the others' replies still count. Each request has a
total deadline of `timeout_s` (not a per-read timeout: a node that drips its answer is cut off), and the whole
exchange, fallback included, ends within `exchange_s(timeout_s)`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from typing import TYPE_CHECKING

from ..lazy import load

if TYPE_CHECKING:
    import httpx

from ..errors import Refused
from .http import ACCEPT_ENCODING, UnreadableJson, _charset, _connect_reason, _read_at_most, decoded, strict_json

# Methods that only read chain state; anything else (sendTransaction, requestAirdrop) is refused.
READ_ONLY_METHODS = frozenset({
    "getHealth", "getVersion", "getSlot", "getBlockHeight", "getLatestBlockhash", "getBlockTime",
    "getBalance", "getAccountInfo", "getMultipleAccounts", "getSignatureStatuses",
})


AT_ONCE = 16  # single calls in flight when a provider refuses batches
MESSAGE_CHARS = 500  # of a JSON-RPC error's message, as shown
ANSWER_LIMIT = 16 * 1024 * 1024  # bytes of one reply: 100 accounts with their data fit many times over


def exchange_s(timeout_s: float) -> float:
    """The longest one exchange takes: the batch, then (if refused) the single calls."""
    return 2 * timeout_s


@dataclass(frozen=True)
class Call:
    method: str
    params: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class RpcError:
    code: int | None
    message: str
    data: Any = None

    def __str__(self) -> str:
        return f"error {self.code}: {self.message}" if self.code is not None else self.message


@dataclass(frozen=True)
class Answer:
    result: Any = None
    error: RpcError | None = None


@dataclass(frozen=True)
class Exchange:
    answers: list[Answer]  # aligned with the calls; empty when the exchange failed
    failure: str = ""  # why there was no JSON-RPC answer at all
    elapsed_ms: float = 0.0


def call_batch(url: str, calls: list[Call], *, timeout_s: float, connect_s: float) -> Exchange:
    for call in calls:
        if call.method not in READ_ONLY_METHODS:
            raise Refused(f"JSON-RPC method {call.method} is not a read-only method")
    if not calls:
        return Exchange([])
    started = time.perf_counter()
    answers, failure = asyncio.run(_converse(url, calls, timeout_s, connect_s))
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Exchange([] if failure else answers, failure, elapsed)


async def _converse(url: str, calls: list[Call], timeout_s: float, connect_s: float) -> tuple[list[Answer], str]:
    loop = asyncio.get_running_loop()
    ends = loop.time() + exchange_s(timeout_s)
    httpx = load("httpx")
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, connect_s))
    headers = {"user-agent": "opsverify", "accept-encoding": ACCEPT_ENCODING}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, headers=headers) as client:
        async def post(body: Any) -> tuple[Any, str]:
            limit = min(timeout_s, ends - loop.time())
            try:
                return await asyncio.wait_for(_post(client, url, body), max(0.0, limit))
            except asyncio.TimeoutError:
                return None, f"no complete answer within {timeout_s:g} s (the request's total deadline)"

        if len(calls) == 1:
            reply, failure = await post(_request(0, calls[0]))
            return ([] if failure else _one(reply, 0)), failure
        reply, failure = await post([_request(i, c) for i, c in enumerate(calls)])
        if failure:
            return [], failure
        if not isinstance(reply, dict):
            return _aligned(reply, len(calls)), ""
        # batch refused: ask one call at a time, AT_ONCE in flight
        slots = asyncio.Semaphore(AT_ONCE)

        async def single(index: int, call: Call) -> tuple[Any, str]:
            async with slots:
                return await post(_request(index, call))

        singles = await asyncio.gather(*(single(i, c) for i, c in enumerate(calls)))
        failure = next((f for _, f in singles if f), "")
        return ([] if failure else [a for i, (r, _) in enumerate(singles) for a in _one(r, i)]), failure


def _request(index: int, call: Call) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": index, "method": call.method, "params": call.params}


async def _post(client: httpx.AsyncClient, url: str, body: Any) -> tuple[Any, str]:
    httpx = load("httpx")
    try:
        request = client.build_request("POST", url, json=body)
        response = await client.send(request, stream=True)
        try:
            data, too_long = await _read_at_most(response, ANSWER_LIMIT)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return None, "timed out"
    except httpx.ConnectError as exc:
        return None, _connect_reason(exc)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if too_long:  # read no further: a node that streams without end is not answering
        return None, f"HTTP {response.status_code}: a reply longer than {ANSWER_LIMIT // 2 ** 20} MiB"
    text = decoded(data, response.encoding or "utf-8")
    if text is None:
        return None, f"HTTP {response.status_code} in {_charset(response)}"
    try:
        document = strict_json(text)
    except UnreadableJson as exc:
        return None, f"HTTP {response.status_code}: a reply that cannot be judged: {exc}"
    except ValueError:
        document = None
    if isinstance(document, list) or (isinstance(document, dict) and document.get("jsonrpc") == "2.0"):
        return document, ""  # JSON-RPC, whatever the HTTP status
    start = text[:120].replace("\n", " ")
    return None, f"HTTP {response.status_code} without a JSON-RPC reply: {start!r}"


def _answer(item: Any) -> Answer:
    if not isinstance(item, dict):
        return Answer(error=RpcError(None, "reply is not a JSON-RPC object"))
    if item.get("jsonrpc") != "2.0":  # as for a single call: inside a batch too, every reply is a 2.0 reply
        return Answer(error=RpcError(None, 'reply is not JSON-RPC 2.0 (no "jsonrpc": "2.0")'))
    if item.get("error") is not None:
        err = item["error"]
        if isinstance(err, dict):
            code = err.get("code") if type(err.get("code")) is int else None
            return Answer(error=RpcError(code, str(err.get("message", ""))[:MESSAGE_CHARS], err.get("data")))
        return Answer(error=RpcError(None, json.dumps(err)[:200]))
    if "result" not in item:
        return Answer(error=RpcError(None, "reply has neither result nor error"))
    return Answer(result=item["result"])


def _id(item: Any) -> int | None:
    """A reply's id as sent: an integer (`true` is not 1, `[0]` is not 0)."""
    value = item.get("id") if isinstance(item, dict) else None
    return value if type(value) is int else None


def _one(reply: Any, index: int) -> list[Answer]:
    if isinstance(reply, dict) and _id(reply) != index and reply.get("error") is None:
        # an answer to another request is no answer to this one (an error may carry a null id: spec 5.1)
        return [Answer(error=RpcError(None, f"reply to another call (id {json.dumps(reply.get('id'))[:40]},"
                                            f" asked {index})"))]
    return [_answer(reply)]


def _aligned(reply: list[Any], count: int) -> list[Answer]:
    by_id: dict[int, list[Any]] = {}
    for item in reply:
        if _id(item) is not None:
            by_id.setdefault(_id(item), []).append(item)

    def answer(i: int) -> Answer:
        found = by_id.get(i, [])
        if not found:
            return Answer(error=RpcError(None, "no reply to this call in the batch"))
        if len(found) > 1:  # which one is the node's word? never the last by luck
            return Answer(error=RpcError(None, f"{len(found)} replies to this call in the batch"))
        return _answer(found[0])

    return [answer(i) for i in range(count)]
