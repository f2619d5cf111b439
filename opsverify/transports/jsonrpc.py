"""JSON-RPC 2.0 over HTTP: many calls in one batch (a JSON array), read-only methods only.

Providers that refuse batches get the same calls one by one. A reply that is not JSON-RPC
(HTTP 401/429, an HTML page, a timeout) makes the whole exchange a `failure`; a JSON-RPC
error belongs to its one call.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import Refused
from .http import _connect_reason

# Methods that only read chain state; anything else (sendTransaction, requestAirdrop) is refused.
READ_ONLY_METHODS = frozenset({
    "getHealth", "getVersion", "getSlot", "getBlockHeight", "getLatestBlockhash", "getBlockTime",
    "getBalance", "getAccountInfo", "getMultipleAccounts", "getSignatureStatuses",
})


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
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, connect_s))
    with httpx.Client(timeout=timeout, follow_redirects=False, headers={"user-agent": "opsverify"}) as client:
        if len(calls) == 1:
            reply, failure = _post(client, url, _request(0, calls[0]))
            answers = [] if failure else _one(reply)
        else:
            reply, failure = _post(client, url, [_request(i, c) for i, c in enumerate(calls)])
            if not failure and isinstance(reply, dict):  # batch refused: ask one call at a time
                answers = []
                for i, call in enumerate(calls):
                    single, failure = _post(client, url, _request(i, call))
                    if failure:
                        break
                    answers += _one(single)
            else:
                answers = [] if failure else _aligned(reply, len(calls))
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Exchange([] if failure else answers, failure, elapsed)


def _request(index: int, call: Call) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": index, "method": call.method, "params": call.params}


def _post(client: httpx.Client, url: str, body: Any) -> tuple[Any, str]:
    try:
        response = client.post(url, json=body)
    except httpx.TimeoutException:
        return None, "timed out"
    except httpx.ConnectError as exc:
        return None, _connect_reason(exc)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, list) or (isinstance(document, dict) and document.get("jsonrpc") == "2.0"):
        return document, ""  # JSON-RPC, whatever the HTTP status
    start = response.text[:120].replace("\n", " ")
    return None, f"HTTP {response.status_code} without a JSON-RPC reply: {start!r}"


def _answer(item: Any) -> Answer:
    if not isinstance(item, dict):
        return Answer(error=RpcError(None, "reply is not a JSON-RPC object"))
    if item.get("error") is not None:
        err = item["error"]
        if isinstance(err, dict):
            return Answer(error=RpcError(err.get("code"), str(err.get("message", "")), err.get("data")))
        return Answer(error=RpcError(None, json.dumps(err)[:200]))
    if "result" not in item:
        return Answer(error=RpcError(None, "reply has neither result nor error"))
    return Answer(result=item["result"])


def _one(reply: Any) -> list[Answer]:
    return [_answer(reply)]


def _aligned(reply: list[Any], count: int) -> list[Answer]:
    by_id = {item.get("id"): item for item in reply if isinstance(item, dict)}
    return [_answer(by_id[i]) if i in by_id else Answer(error=RpcError(None, "no reply to this call in the batch"))
            for i in range(count)]
