"""JSON-RPC 2.0 over HTTP: many calls in one batch (a JSON array), read-only methods only.

Providers that refuse batches get the same calls one by one (up to AT_ONCE at a time). A reply
that is not JSON-RPC (an HTML page, a timeout) makes the whole exchange a `failure`, and so does one the HTTP
layer says is no answer whatever its body: HTTP 401/403/429 (the provider refused: the node was not asked), a
redirect (never followed), a result under a status that is not 2xx. A JSON-RPC error belongs to its one call
(also under a 4xx/5xx: it is the node's word) — unless it is a rate limit (codes 429, -32429: the provider's gate
spoke, as with HTTP 429) or carries a null id (JSON-RPC 2.0, 5.1: the server could not read the request): that
call has no answer. So has the call of a batch element that is no JSON-RPC 2.0 reply (no `"jsonrpc": "2.0"`);
the others' replies still count. A server answers every call of a batch: a batch whose replies name an id never
asked, or leave out an asked one that no null-id error stands for (one such error for each), is numbered
otherwise than its calls: none of its replies answers a call. Each request has a total deadline of `timeout_s`
(not a per-read timeout: a node that drips its answer is cut off), and the whole exchange, fallback included,
ends within `exchange_s(timeout_s)`: a reply is read up to what its calls can answer (`answer_limit`) and parsed
off the event loop, whose deadline cannot interrupt a parse running on it. A reply is read as the http family reads
a body (a byte-order mark, a charset the body is not in).
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

from ..display import cut
from ..errors import Refused
from . import loops
from .http import (ACCEPT_ENCODING, UnreadableJson, _charset, _connect_reason, _failure_words, _named, _read_at_most,
                   _timed_out, _unredirected, no_cookies, readings, strict_json)

# Methods that only read chain state; anything else (sendTransaction, requestAirdrop) is refused.
READ_ONLY_METHODS = frozenset({
    "getHealth", "getVersion", "getSlot", "getBlockHeight", "getLatestBlockhash", "getBlockTime",
    "getBalance", "getAccountInfo", "getMultipleAccounts", "getSignatureStatuses",
})


AT_ONCE = 16  # single calls in flight when a provider refuses batches
MESSAGE_CHARS = 500  # of a JSON-RPC error's message, as shown
LISTED_IDS = 10  # ids a batch left without a reply named in the message
# Bytes a reply may take, from what the calls asked can answer (compact JSON, as Solana nodes write it): a parse costs
# a Python call per JSON object (~0.5 s a MiB of `[{}]` on a loaded runner), so a reply is refused before it is
# parsed once it is longer than any honest one. CALL_BYTES holds one call's scalar or small object (a blockhash, a
# balance in its context) or an error with its message and data; a call listing keys adds ENTRY_BYTES for each: a
# signature status takes at most ~220 bytes (a failed one carries err and the deprecated status.Err), an account
# asked with dataSlice length 0 ~200 — getSignatureStatuses of 256 failed signatures is ~57 KB of the 272 KiB it is
# given, getMultipleAccounts of 100 accounts ~21 KB of 116 KiB.
# No reply need be shorter than LEAST_BYTES (a provider's error page; what the http family reads of a body).
CALL_BYTES = 16 * 1024
ENTRY_BYTES = 1024
LEAST_BYTES = 64 * 1024
REFUSALS = frozenset({401, 403, 429})  # the provider's gate said no (key, plan, rate): the node was not asked
# JSON-RPC error codes providers answer a rate limit with, even under HTTP 200 (429: QuickNode's and Alchemy's docs;
# -32429: what Helius clients handle); no Solana node error has them (its -32005 is "unhealthy", never a rate limit)
RATE_LIMITS = frozenset({429, -32429})


def exchange_s(timeout_s: float) -> float:
    """The longest one exchange takes: the batch, then (if refused) the single calls."""
    return 2 * timeout_s


def answer_limit(calls: list[Call]) -> int:
    """The most bytes a reply to `calls` may take (see CALL_BYTES)."""
    return max(LEAST_BYTES, sum(CALL_BYTES + ENTRY_BYTES * _keys_listed(call) for call in calls))


def _keys_listed(call: Call) -> int:
    """How many signatures or accounts a call lists (its first param, when a list): one answer each."""
    first = call.params[0] if call.params else None
    return len(first) if isinstance(first, list) else 0


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
        if self.code is None:
            return self.message
        return f"error {self.code}: {self.message}" if self.message else f"error {self.code} (no message)"


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
    answers, failure = loops.run(_converse(url, calls, timeout_s, connect_s))
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Exchange([] if failure else answers, failure, elapsed)


async def _converse(url: str, calls: list[Call], timeout_s: float, connect_s: float) -> tuple[list[Answer], str]:
    loop = asyncio.get_running_loop()
    ends = loop.time() + exchange_s(timeout_s)
    httpx = load("httpx")
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, connect_s))
    headers = {"user-agent": "opsverify", "accept-encoding": ACCEPT_ENCODING}
    # a redirect's Location is hidden from httpx, which would raise on one it cannot build (mailto:) though it follows
    # none: the 3xx is judged as what it is
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, headers=headers, cookies=no_cookies(),
                                 event_hooks={"response": [_unredirected]}) as client:
        async def post(body: Any, asked: list[Call]) -> tuple[Any, str]:
            limit = min(timeout_s, ends - loop.time())
            try:
                return await asyncio.wait_for(_post(client, url, body, asked), max(0.0, limit))
            except asyncio.TimeoutError:
                return None, f"no complete answer within {timeout_s:g} s (the request's total deadline)"

        if len(calls) == 1:
            reply, failure = await post(_request(0, calls[0]), calls)
            return ([] if failure else _one(reply, 0)), failure
        reply, failure = await post([_request(i, c) for i, c in enumerate(calls)], calls)
        if failure:
            return [], failure
        if not isinstance(reply, dict):
            return _aligned(reply, len(calls)), ""
        # batch refused: ask one call at a time, AT_ONCE in flight
        slots = asyncio.Semaphore(AT_ONCE)

        async def single(index: int, call: Call) -> tuple[Any, str]:
            async with slots:
                return await post(_request(index, call), [call])

        singles = await asyncio.gather(*(single(i, c) for i, c in enumerate(calls)))
        failure = next((f for _, f in singles if f), "")
        return ([] if failure else [a for i, (r, _) in enumerate(singles) for a in _one(r, i)]), failure


def _request(index: int, call: Call) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": index, "method": call.method, "params": call.params}


async def _post(client: httpx.AsyncClient, url: str, body: Any, asked: list[Call]) -> tuple[Any, str]:
    httpx = load("httpx")
    limit = answer_limit(asked)
    try:
        request = client.build_request("POST", url, json=body)
        response = await client.send(request, stream=True)
        try:
            data, too_long = await _read_at_most(response, limit)
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        return None, _timed_out(exc, client.timeout)
    except httpx.ConnectError as exc:
        return None, _connect_reason(exc, request.url.host)
    except httpx.HTTPError as exc:
        return None, _failure_words(exc)
    except Exception as exc:  # what no branch above foresees fails this exchange, never the target's every item
        return None, f"the HTTP client failed: {_named(exc)}"
    if too_long:  # read no further, parse none of it: no answer to these calls is so long
        return None, (f"HTTP {response.status_code}: a reply larger than {limit // 1024:,} KiB, more than "
                      f"{_count(len(asked), 'call')} can answer: not read further")
    status = response.status_code
    if 300 <= status < 400:  # the suite follows none: where it leads is not the node named
        return None, f"HTTP {status}: a redirect, not followed (an endpoint's URL must be the node's own)"
    read = readings(data, response.encoding or "utf-8")  # as the http family reads a body
    if read is None:
        return None, f"HTTP {status} in {_charset(response)}"
    text = read[0]
    try:  # on a thread: the exchange's deadline still ends a parse that outlasts it (the thread's result is dropped)
        document = await asyncio.to_thread(strict_json, text)
    except UnreadableJson as exc:
        return None, f"HTTP {status}: a reply that cannot be judged: {exc}"
    except ValueError:
        document = None
    if status in REFUSALS:  # even in JSON-RPC dress: no word from the node on its health
        retry = response.headers.get("retry-after")
        waited = f" (Retry-After {cut(retry, 40)})" if retry else ""
        return None, f"HTTP {status}: the provider refused to answer{waited}: {_gist(document, text)}"
    if not (isinstance(document, list) or (isinstance(document, dict) and document.get("jsonrpc") == "2.0")):
        return None, f"HTTP {status} without a JSON-RPC reply: {_start(text)!r}"
    if not response.is_success and _holds_result(document):  # a node's error under a 5xx is its word; a result is not
        return None, f"HTTP {status} with a JSON-RPC result: the HTTP layer says the call did not succeed"
    return document, ""


def _start(text: str) -> str:
    """The body's start, marked "…" where it is cut: the redactor masks a secret's piece at such a cut."""
    return cut(text.replace("\n", " "), 120)


def _gist(document: Any, text: str) -> str:
    """What a refusal says: its JSON-RPC error's message, else the start of its body."""
    error = document.get("error") if isinstance(document, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return cut(message, 120) if isinstance(message, str) and message else repr(_start(text))


def _holds_result(document: Any) -> bool:
    replies = document if isinstance(document, list) else [document]
    return any(isinstance(reply, dict) and "result" in reply for reply in replies)


def _answer(item: Any) -> Answer:
    if not isinstance(item, dict):
        return Answer(error=RpcError(None, "reply is not a JSON-RPC object"))
    if item.get("jsonrpc") != "2.0":  # as for a single call: inside a batch too, every reply is a 2.0 reply
        return Answer(error=RpcError(None, 'reply is not JSON-RPC 2.0 (no "jsonrpc": "2.0")'))
    # JSON-RPC 2.0 (5): one or the other, never both; a member written null beside the other (serializers that write
    # every field) is read as absent, whichever it is
    if item.get("error") is not None and item.get("result") is not None:
        return Answer(error=RpcError(None, "reply has both result and error (JSON-RPC 2.0 allows one): which is the "
                                           "node's word is unknown"))
    if item.get("error") is not None:
        error = _error(item["error"])
        if error.code in RATE_LIMITS:  # the provider's gate, not the node, as HTTP 429
            return Answer(error=RpcError(None, f"the provider limited the rate: {error}"))
        if item.get("id") is None:  # about our request, not the node's health (JSON-RPC 2.0, 5.1)
            return Answer(error=RpcError(None, f"the node could not read the request: {_code_and_message(error)}"))
        return Answer(error=error)
    if "result" not in item:
        return Answer(error=RpcError(None, "reply has neither result nor error"))
    return Answer(result=item["result"])


def _error(err: Any) -> RpcError:
    if not isinstance(err, dict):
        return RpcError(None, cut(json.dumps(err), 200))
    code = err.get("code") if type(err.get("code")) is int else None
    message = "" if err.get("message") is None else cut(str(err["message"]), MESSAGE_CHARS)
    if code is None and not message:  # `{}`: nothing to say why, so the object itself is shown
        return RpcError(None, f"an error object with no code or message: {cut(json.dumps(err), 200)}", err.get("data"))
    return RpcError(code, message, err.get("data"))


def _code_and_message(error: RpcError) -> str:
    return f"{error.code} {error.message}" if error.code is not None else error.message


def _id(item: Any) -> int | None:
    """A reply's id as sent: an integer (`true` is not 1, `[0]` is not 0)."""
    value = item.get("id") if isinstance(item, dict) else None
    return value if type(value) is int else None


def _one(reply: Any, index: int) -> list[Answer]:
    if isinstance(reply, dict) and _id(reply) != index and not _unread_id_error(reply):
        # an answer to another request is no answer to this one
        return [Answer(error=RpcError(None, f"reply to another call (id {cut(json.dumps(reply.get('id')), 40)},"
                                            f" asked {index})"))]
    return [_answer(reply)]


def _unread_id_error(reply: dict[str, Any]) -> bool:
    """An error with a null id: the node could not read the request's (JSON-RPC 2.0, section 5.1), so it stands
    without it. An error naming another id is another request's."""
    return reply.get("error") is not None and reply.get("id") is None


def _aligned(reply: list[Any], count: int) -> list[Answer]:
    unaligned = _unaligned(reply, count)
    if unaligned:
        return [Answer(error=RpcError(None, unaligned))] * count
    by_id: dict[int, list[Any]] = {}
    for item in reply:
        if _id(item) is not None:
            by_id.setdefault(_id(item), []).append(item)
    # each call left out has a null-id error of its own (counted in _unaligned); the verdict is the same for each
    unread = [_answer(item) for item in reply if isinstance(item, dict) and _unread_id_error(item)]

    def answer(i: int) -> Answer:
        found = by_id.get(i, [])
        if not found:
            return unread.pop(0)
        if len(found) > 1:  # which one is the node's word? never the last by luck
            return Answer(error=RpcError(None, f"{len(found)} replies to this call in the batch"))
        return _answer(found[0])

    return [answer(i) for i in range(count)]


def _unaligned(reply: list[Any], count: int) -> str:
    """Why a batch's replies cannot be matched to its calls by id, else "". A server answers every call of a batch:
    a reply naming an id never asked, or an asked id no reply names and no null-id error stands for, says its
    replies are numbered otherwise than the calls (0, 1 answered as 1, 2 — or as 1 alone: the reply named 1 may be
    call 0's)."""
    asked = f"asked 0 … {count - 1}"
    unasked = _unasked_id(reply, count)
    if unasked is not None:
        return (f"the batch's reply id {cut(json.dumps(unasked), 40)} ({asked}) was never asked: "
                "its replies are numbered otherwise than the calls, so none is taken")
    named = {_id(item) for item in reply}
    missing = [i for i in range(count) if i not in named]
    unread = sum(1 for item in reply if isinstance(item, dict) and _unread_id_error(item))
    if unread == len(missing):
        return ""
    ids = ", ".join(map(str, missing[:LISTED_IDS])) + (", …" if len(missing) > LISTED_IDS else "")
    if unread < len(missing):
        standing = (f"only {_count(unread, 'error')} without an id {'stands' if unread == 1 else 'stand'} for them"
                    if unread else "no error without an id stands for it")
        return (f"the batch holds no reply to id {ids} ({asked}) and {standing}: its replies may be numbered "
                "otherwise than the calls, so none is taken")
    left_out = f" (id {ids}, {asked})" if missing else ""
    return (f"the batch holds {_count(unread, 'error')} without an id for {_count(len(missing), 'call')} without a "
            f"reply{left_out}: its replies may be numbered otherwise than the calls, so none is taken")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unasked_id(reply: list[Any], count: int) -> Any:
    """The first id a batch's replies name that no call had (`true`, "1", 7 of 0 … 6), else None. A null or
    missing id names no call: that element answers none (a null-id error may stand for a call left out)."""
    for item in reply:
        value = item.get("id") if isinstance(item, dict) else None
        if value is not None and not (type(value) is int and 0 <= value < count):
            return value
    return None
