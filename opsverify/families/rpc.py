"""rpc: a Solana JSON-RPC endpoint — health, blockhash, block time, balances, signature statuses.

`method` names the RPC method the item is about; each method takes its own params (none written blank):

    getHealth             expect_result: ok                         (default "ok")
    getLatestBlockhash    (a base58 blockhash, lastValidBlockHeight and context slot come back)
    getBlockTime          slot_from: getLatestBlockhash | getSlot   (default getLatestBlockhash)
                          max_age_s: 300      optional: the block time may differ from the
                                              database's now() by at most this (never the runner's clock;
                                              now() asked last, never ahead, and carried on to
                                              when the node answered);
                                              ahead of it by more than CLOCK_SKEW is an error (a clock lies)
    getBalance            account: <base58 pubkey>, or
                          account_from_secret: ESCROW_FEE_PAYER_SECRET_KEY   a keypair in `service`'s env
                          (base58 of 64 bytes or a JSON byte array; only its public half is ever shown)
                          service: app        skip_if_unset: true        min_lamports: 50000000
    getSignatureStatuses  signatures_query: SELECT returning `signature` (other columns are shown as context)
                          commitment: confirmed (confirmed or finalized) | finalized
                          allow_empty: false  a query that returns no row is an error unless this is true
    getMultipleAccounts   accounts_query: SELECT returning `address` and `expected_lamports` (others: context)
                          compare: ge (balance ≥ expected) | eq
                          allow_empty: false  as above
    endpoint: solana_rpc  the URL's name under `systems.<system>.endpoints` (the one source of the URL;
                          give it the value of the app's SOLANA_RPC_URL)

Each item's query runs as its own statement and its answer is bound to that item by position: a
query that fails (a missing table, a permission) makes exactly its item an *error* naming the
SQLSTATE, and its siblings keep their own outcomes.

One conversation per endpoint: a first JSON-RPC batch carries every call of every item
(signatures by 256, accounts by 100), a second one getBlockTime for the slot the first
returned. Each exchange ends within 2 × http_s, whatever the node does (a total deadline, not a
per-read timeout, that a slow parse does not outlast). A reply longer than its calls can answer (16 KiB a call,
1 KiB more for each signature or account it lists, at least 64 KiB) is refused before it is parsed: an *error* for
that endpoint's items only. A reply is read as the http family reads a body (led by a byte-order mark, or under a
charset it is not in). The URL is redacted (provider URLs embed API keys); evidence shows scheme and host.
An endpoint that does not answer in JSON-RPC (refused, silent, an HTML page, HTTP 401/403/429 whatever the
body, a redirect, a result under a status that is not 2xx) leaves its items unchecked: *error*; so does a
rate limit in JSON-RPC dress (error 429 or -32429, whatever the method), an error with a null id (the node could
not read the request), a batch whose replies name an id never asked or leave out an asked one that no null-id
error stands for (then no call of it has an answer), a slot, block height or balance outside a u64, and a
signature status without `err` (Solana always sends it), or a getBalance, getSignatureStatuses or
getMultipleAccounts reply without `context` or with a context.slot outside a u64. A JSON-RPC answer that is not
the healthy one (getHealth -32005, getBlockTime -32004, a low balance, a signature whose `err` or deprecated
`status: {"Err": …}` says it failed) fails the item.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ..display import cut
from ..errors import GatherError
from ..lazy import load
from ..limits import CLOCK_SKEW
from ..outcome import Outcome, error, failed, passed, skipped, verdict
from ..secrets import describe, key_of_a_secret_url
from ..transports.envsource import WITHHELD
from ..transports.jsonrpc import Answer, Call, RpcError, call_batch, exchange_s
from ..transports.pgvalues import Pinned
from ._common import StrictParams, nothing_found, plural, read_only_query
from .sql import VISIBILITY

NAME = "rpc"

Method = Literal["getHealth", "getLatestBlockhash", "getBlockTime", "getBalance", "getSignatureStatuses",
                 "getMultipleAccounts"]

# params each method accepts, and the defaults it fills in
_ALLOWED: dict[str, dict[str, Any]] = {
    "getHealth": {"expect_result": "ok"},
    "getLatestBlockhash": {},
    "getBlockTime": {"slot_from": "getLatestBlockhash", "max_age_s": None},
    "getBalance": {"account": None, "account_from_secret": None, "service": None, "skip_if_unset": False,
                   "min_lamports": None},
    "getSignatureStatuses": {"signatures_query": None, "commitment": "confirmed", "allow_empty": False},
    "getMultipleAccounts": {"accounts_query": None, "compare": "ge", "allow_empty": False},
}
SIGNATURES_PER_CALL = 256  # getSignatureStatuses limit
ACCOUNTS_PER_CALL = 100  # getMultipleAccounts limit
LISTED = 5  # offending rows named in the message; evidence keeps up to 20
EVIDENCE_CHARS = 2048  # a node's value kept in evidence as it came up to this much JSON
# the database's clock as this statement runs (clock_timestamp()): now() is its transaction's start, earlier by what
# the round trip ran before it, by which a block would seem younger
DB_NOW = Pinned("select extract(epoch from clock_timestamp())::float8 as now_epoch")
LAMPORTS_PER_SOL = 1_000_000_000
LATEST_BLOCK_TIME = 2 ** 34  # seconds since 1970 (year 2514): a larger block time is a node's lie
# 2018-01-01, before the genesis of any Solana cluster: an earlier block time (0: 1970) is a node's lie too
EARLIEST_BLOCK_TIME = 1_514_764_800
U64 = 2 ** 64  # slots, block heights and lamports are u64: a value outside 0 … 2**64-1 is a node's nonsense


class Params(StrictParams):
    method: Method
    endpoint: str = "solana_rpc"
    expect_result: str | None = None
    slot_from: Literal["getLatestBlockhash", "getSlot"] | None = None
    max_age_s: int | None = Field(default=None, gt=0)
    account: str | None = None
    account_from_secret: str | None = None
    service: str | None = None
    skip_if_unset: bool = False
    min_lamports: int | None = Field(default=None, ge=0)
    signatures_query: str | None = None
    commitment: Literal["confirmed", "finalized"] | None = None
    accounts_query: str | None = None
    compare: Literal["ge", "eq"] | None = None
    allow_empty: bool = False  # a signatures/accounts query that returns no row passes (else: error)

    @model_validator(mode="before")
    @classmethod
    def _per_method(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("method") not in _ALLOWED:
            return data  # the Literal reports an unknown method
        allowed = _ALLOWED[data["method"]]
        foreign = sorted(set(data) - set(allowed) - {"method", "endpoint"})
        if foreign:
            raise ValueError(f"{', '.join(foreign)} not used by {data['method']} "
                             f"(it takes: {', '.join(allowed) or 'nothing but endpoint'})")
        blank = next((name for name, value in data.items() if value is None), None)
        if blank:  # else a null would stand in for the default (expect_result: null would pass a null result)
            default = allowed.get(blank) if blank != "endpoint" else cls.model_fields["endpoint"].default
            fix = f" for the default {default}" if default not in (None, False) else ""
            raise ValueError(f"{blank}: blank (YAML reads an empty value or null as no value): write a value, "
                             f"or leave {blank} out{fix}")
        filled = {**{k: v for k, v in allowed.items() if v is not None and v is not False}, **data}
        if data["method"] == "getBalance":
            if bool(filled.get("account")) == bool(filled.get("account_from_secret")):
                raise ValueError("getBalance needs exactly one of account, account_from_secret")
            if filled.get("min_lamports") is None:
                raise ValueError("getBalance needs min_lamports")
            if filled.get("account_from_secret"):
                filled.setdefault("service", "app")
            elif filled.get("service") or filled.get("skip_if_unset"):
                raise ValueError("service and skip_if_unset go with account_from_secret")
        for method, required in (("getSignatureStatuses", "signatures_query"), ("getMultipleAccounts", "accounts_query")):
            if data["method"] == method and not filled.get(required):
                raise ValueError(f"{method} needs {required}")
        return filled

    @field_validator("signatures_query", "accounts_query")
    @classmethod
    def _read_only(cls, value: str | None) -> str | None:
        return None if value is None else read_only_query(value)

    @field_validator("account")
    @classmethod
    def _pubkey(cls, value: str | None) -> str | None:
        if value is not None and not is_base58_of(value, 32):
            raise ValueError("must be a base58 public key (32 bytes)")
        return value


DEFAULT_HASH = "1" * 32  # base58 of 32 zero bytes
ENDPOINTS_AT_ONCE = 8  # endpoints asked together, each on a thread of its own


def bound(target, checks) -> float:
    """Worst case of gather beyond the database (whose budget the engine adds): per endpoint two JSON-RPC
    exchanges, each within exchange_s; ENDPOINTS_AT_ONCE endpoints at a time."""
    endpoints = {c.params.endpoint for c in checks}
    return math.ceil(len(endpoints) / ENDPOINTS_AT_ONCE) * 2 * exchange_s(target.timeouts.http_s) + 1.0


def needs(params: Params) -> tuple[str, ...]:
    out = [f"endpoint:{params.endpoint}"]
    if params.signatures_query or params.accounts_query or params.max_age_s:
        out.append("database")
    if params.account_from_secret:
        out.append("env")
    return tuple(out)


# -- facts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Keypair:
    """What an env var holding a keypair says, without the secret."""

    present: bool
    described: dict[str, Any] = field(default_factory=dict)  # presence, length, fingerprint
    pubkey: str | None = None
    problem: str | None = None  # why no public key could be taken from it


@dataclass
class Chain:
    """Everything one endpoint answered."""

    shown: str  # scheme://host[:port], never the path or query that may hold an API key
    failure: str = ""  # the first batch got no JSON-RPC answer at all
    later_failure: str = ""  # the second batch (getBlockTime) got no JSON-RPC answer at all
    calls: dict[str, Answer] = field(default_factory=dict)  # getHealth, getLatestBlockhash, getSlot, getBlockTime:<source>
    slots: dict[str, int] = field(default_factory=dict)  # slot source -> slot asked for getBlockTime
    balances: dict[str, Answer] = field(default_factory=dict)  # getBalance: address -> lamports
    # getMultipleAccounts: address -> lamports (None: no such account); kept apart from getBalance's answers, so an
    # address asked both ways is judged by each item on its own call's answer
    accounts: dict[str, Answer] = field(default_factory=dict)
    statuses: dict[str, Answer] = field(default_factory=dict)  # signature -> status object or None
    elapsed_ms: float = 0.0
    answered_at: float | None = None  # time.monotonic() when the first batch (the slots) was answered


Rows = list[dict[str, Any]]


@dataclass
class Facts:
    chains: dict[str, Chain]
    rows: dict[str, Rows | GatherError]  # check key -> the answer to that item's own query
    keypairs: dict[tuple[str, str], Keypair | GatherError]
    visibility: Rows | GatherError | None = None  # who the checker is and whether RLS hides rows from it
    db_now: Rows | GatherError | None = None
    db_now_at: float | None = None  # time.monotonic() when db_now was answered: now() is carried on from there


def is_base58_of(text: Any, size: int) -> bool:
    base58 = load("base58")

    if not isinstance(text, str) or not text:
        return False
    try:
        return len(base58.b58decode(text)) == size
    except ValueError:
        return False


def public_key_of(secret: str) -> tuple[str | None, str | None]:
    """(base58 public key, None) of a 64-byte Solana keypair, or (None, why not) — never the secret."""
    base58 = load("base58")
    Ed25519PrivateKey = load("cryptography.hazmat.primitives.asymmetric.ed25519").Ed25519PrivateKey

    text = secret.strip()
    if text.startswith("["):
        form = "JSON byte array"
        try:
            raw = bytes(json.loads(text))
        except (ValueError, TypeError, RecursionError):  # (nested past the decoder's depth: no array of bytes either)
            return None, "is not a JSON array of bytes"
    else:
        form = "base58 value"
        try:
            raw = base58.b58decode(text)
        except ValueError:
            return None, "is neither base58 nor a JSON byte array"
    if len(raw) != 64:
        return None, f"is a {form} of {len(raw)} bytes, not a 64-byte keypair"
    # a keypair is seed + public key; a mismatch is a key the app cannot sign with
    derived = Ed25519PrivateKey.from_private_bytes(raw[:32]).public_key().public_bytes_raw()
    if derived != raw[32:]:
        return None, f"is a 64-byte {form} whose public half does not belong to its secret half"
    return base58.b58encode(raw[32:]).decode(), None


def shown_url(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"


def _register_url(redactor, url: str, named: frozenset[str] = frozenset()) -> None:
    """Provider URLs carry API keys in the path or query: hide the whole URL and that part. A path of words and
    slugs alone (`/solana/mainnet-beta`) holds no key: hidden, its words would hide an item named after them. So
    is a piece the checklist itself spells as an item's id or name (`named`: `/solana/node7beta` of the item
    node7beta): the checklist is committed, and the auditor must see which item the archive speaks of."""
    parts = urlsplit(url)
    keys = [piece for piece in parts.path.split("/") if key_of_a_secret_url(piece) and piece not in named]
    if parts.query or parts.username or parts.password or keys:
        redactor.add(url, even_if_plain=True)
        tail = url.split(parts.netloc, 1)[-1]
        redactor.add(tail, even_if_plain=True)


def gather(target, checks) -> Facts:
    params: list[Params] = [c.params for c in checks]
    rows, visibility, db_now = _ask_database(target, checks)
    db_now_at = time.monotonic()  # now() was the last statement of that round trip, never asked ahead

    keypairs: dict[tuple[str, str], Keypair | GatherError] = {}
    for p in params:
        if p.account_from_secret:
            keypairs[(p.service, p.account_from_secret)] = _read_keypair(target, p.service, p.account_from_secret)

    endpoints = list(dict.fromkeys(p.endpoint for p in params))
    urls = {endpoint: target.endpoint(endpoint) for endpoint in endpoints}
    named = frozenset(word for c in checks for word in (c.id, c.name))
    for url in urls.values():  # every key known before any endpoint answers (an answer may echo another's)
        _register_url(target.redactor, url, named)

    def ask(endpoint: str) -> Chain:  # endpoints apart: a slow node delays no other
        return _converse(target, urls[endpoint], [c for c in checks if c.params.endpoint == endpoint], rows, keypairs)

    with ThreadPoolExecutor(max_workers=max(1, min(ENDPOINTS_AT_ONCE, len(endpoints)))) as pool:
        chains = dict(zip(endpoints, pool.map(ask, endpoints), strict=True))
    return Facts(chains, rows, keypairs, visibility, db_now, db_now_at)


def _database_plan(checks) -> tuple[list[tuple[str, str]], list[str]]:
    """The statements, with what each answers: (role, check key), in order."""
    asked: list[tuple[str, str]] = []
    statements: list[str] = []
    querying = [c for c in checks if c.params.signatures_query or c.params.accounts_query]
    if querying:
        asked.append(("visibility", ""))
        statements.append(VISIBILITY)
    for check in querying:
        asked.append(("rows", check.key))
        statements.append(check.params.signatures_query or check.params.accounts_query)
    if any(c.params.max_age_s for c in checks):
        asked.append(("now", ""))
        statements.append(DB_NOW)
    return asked, statements


def database_statements(target, checks) -> list[str]:
    # all but now(): asked ahead, later statements of the same round trip (a slow sql query) would run between its
    # answer and `db_now_at`, each second of theirs a second the block seems younger. gather asks it, last, itself
    return [s for s in _database_plan(checks)[1] if s is not DB_NOW]


def _ask_database(target, checks) -> tuple[dict[str, Rows | GatherError], Any, Any]:
    """Each item's query as its own statement, plus who-sees-what and now() once; every answer is
    bound to the item (or role) that asked it by position, so one failing query stays its item's."""
    asked, statements = _database_plan(checks)
    answers = target.database.query_many(statements) if statements else []
    if len(answers) != len(statements):
        raise GatherError(f"the database gave {len(answers)} answers to {len(statements)} statements")
    rows: dict[str, Rows | GatherError] = {}
    shared: dict[str, Any] = {}
    for (role, key), answer in zip(asked, answers, strict=True):
        if role == "rows":
            rows[key] = answer
        else:
            shared[role] = answer
    return rows, shared.get("visibility"), shared.get("now")


def _read_keypair(target, service: str, name: str) -> Keypair | GatherError:
    try:
        value = target.env_vars(service).get(name)
    except GatherError as exc:
        return exc
    if not value:
        return Keypair(present=False, described=describe(value or None))
    if value in WITHHELD:  # set, its value not in the source: no key to derive an account from
        return GatherError(f"{name} on {service} is {value!r}, {WITHHELD[value]}")
    target.redactor.add(value)
    pubkey, problem = public_key_of(value)
    return Keypair(True, describe(value), pubkey, problem)


def _rows(rows: dict, key: str) -> Rows:
    answer = rows.get(key)
    return answer if isinstance(answer, list) else []


def _converse(target, url: str, checks: list, rows: dict, keypairs: dict) -> Chain:
    chain = Chain(shown_url(url))
    finalized = {"commitment": "finalized"}
    calls: dict[str, Call] = {}
    signatures: dict[str, None] = {}
    addresses: dict[str, None] = {}
    params = [c.params for c in checks]
    for check in checks:
        p = check.params
        if p.method == "getHealth":
            calls["getHealth"] = Call("getHealth")
        elif p.method == "getLatestBlockhash":
            calls["getLatestBlockhash"] = Call("getLatestBlockhash", [finalized])
        elif p.method == "getBlockTime":
            calls[p.slot_from] = Call(p.slot_from, [finalized])
        elif p.method == "getBalance":
            key = keypairs.get((p.service, p.account_from_secret)) if p.account_from_secret else None
            address = p.account or (key.pubkey if isinstance(key, Keypair) else None)
            if address:
                calls[f"getBalance:{address}"] = Call("getBalance", [address, finalized])
        elif p.method == "getSignatureStatuses":
            signatures.update((r.get("signature"), None) for r in _rows(rows, check.key)
                              if is_base58_of(r.get("signature"), 64))
        elif p.method == "getMultipleAccounts":
            addresses.update((r.get("address"), None) for r in _rows(rows, check.key)
                             if is_base58_of(r.get("address"), 32))
    signature_chunks = _chunks(list(signatures), SIGNATURES_PER_CALL)
    address_chunks = _chunks(list(addresses), ACCOUNTS_PER_CALL)
    for i, chunk in enumerate(signature_chunks):
        calls[f"getSignatureStatuses:{i}"] = Call("getSignatureStatuses", [chunk, {"searchTransactionHistory": True}])
    for i, chunk in enumerate(address_chunks):
        calls[f"getMultipleAccounts:{i}"] = Call(
            "getMultipleAccounts", [chunk, {**finalized, "encoding": "base64", "dataSlice": {"offset": 0, "length": 0}}])

    first = _exchange(target, url, calls)
    chain.elapsed_ms, chain.answered_at = first.elapsed_ms, time.monotonic()
    if first.failure:
        chain.failure = first.failure
        return chain
    if len(first.answers) != len(calls):
        chain.failure = f"{len(first.answers)} answers to {len(calls)} calls"
        return chain
    answers = dict(zip(calls, first.answers, strict=True))
    for key, answer in answers.items():
        if key.startswith("getBalance:"):
            chain.balances[key.split(":", 1)[1]] = _value_of(answer, lambda v: isinstance(v, int) and not isinstance(v, bool))
        elif ":" not in key:
            chain.calls[key] = answer
    for i, chunk in enumerate(signature_chunks):
        chain.statuses.update(_spread(answers[f"getSignatureStatuses:{i}"], chunk, lambda v: v))
    for i, chunk in enumerate(address_chunks):
        chain.accounts.update(_spread(answers[f"getMultipleAccounts:{i}"], chunk, _lamports))

    # getBlockTime needs a slot from the first batch
    later: dict[str, Call] = {}
    for source in dict.fromkeys(p.slot_from for p in params if p.method == "getBlockTime"):
        slot, _ = _slot_from(source, chain.calls.get(source))
        if slot is not None:
            chain.slots[source] = slot
            later[f"getBlockTime:{source}"] = Call("getBlockTime", [slot])
    if later:
        second = _exchange(target, url, later)
        chain.elapsed_ms += second.elapsed_ms
        if second.failure or len(second.answers) != len(later):
            chain.later_failure = second.failure or f"{len(second.answers)} answers to {len(later)} calls"
        else:
            chain.calls.update(dict(zip(later, second.answers, strict=True)))
    return chain


def _exchange(target, url: str, calls: dict[str, Call]):
    return call_batch(url, list(calls.values()), timeout_s=target.timeouts.http_s, connect_s=target.timeouts.connect_s)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _value_of(answer: Answer, ok) -> Answer:
    """`result.value` of a context/value reply, checked by `ok`. Solana always sends the context with the slot
    the value was read at: none, or a slot outside a u64, is a reply that says nothing."""
    if answer.error is not None:
        return answer
    result = answer.result
    if not isinstance(result, dict) or "value" not in result or not ok(result["value"]):
        return Answer(error=RpcError(None, f"unexpected reply shape: {_json(result)}"))
    context = result.get("context")
    if not isinstance(context, dict):
        return Answer(error=RpcError(None, f"the reply holds no context (Solana always sends one): {_json(result)}"))
    if not _is_u64(context.get("slot")):
        return Answer(error=RpcError(None, f"context.slot {_json(context.get('slot'))} is not a u64"))
    return Answer(result=result["value"])


def _spread(answer: Answer, keys: list[str], pick) -> dict[str, Answer]:
    """A list-valued reply (aligned with `keys`, null for unknown) as one answer per key; `pick` raises
    ValueError for an entry in another shape (that key's answer is then that error)."""
    value = _value_of(answer, lambda v: isinstance(v, list) and len(v) == len(keys))
    if value.error is not None:
        return {k: value for k in keys}
    spread = {}
    for k, item in zip(keys, value.result):
        try:
            spread[k] = Answer(result=None if item is None else pick(item))
        except ValueError as exc:
            spread[k] = Answer(error=RpcError(None, str(exc)))
    return spread


def _lamports(account: Any) -> int:
    """An account object's lamports; a bare number or an object without them is no account."""
    lamports = account.get("lamports") if isinstance(account, dict) else None
    if not _is_int(lamports):
        raise ValueError(f"an account in another shape ({_json(account)}), not an object with integer lamports")
    return lamports


def _slot_from(source: str, answer: Answer | None) -> tuple[int | None, str]:
    """(the slot `source` answered, "") or (None, why there is none to ask getBlockTime about)."""
    if answer is None or answer.error is not None:
        return None, f"{source} failed ({answer.error if answer is not None else 'not asked'})"
    result = answer.result
    if source == "getSlot":
        slot = result
    else:
        context = result.get("context") if isinstance(result, dict) else None
        slot = context.get("slot") if isinstance(context, dict) else None
        if slot is None:
            return None, f"{source} failed (its reply holds no slot)"
    if not _is_u64(slot):
        return None, f"{source} answered slot {_json(slot)}, not a u64"
    return slot, ""


# -- judging ------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_u64(value: Any) -> bool:
    return _is_int(value) and 0 <= value < U64


def _unanswered(answer: Answer) -> bool:
    """No JSON-RPC answer to this call: none or several in the batch, one to another id, a rate limit, an error
    with a null id, or one without the integer code JSON-RPC requires. The transport says so with a code-less
    error; a node's own has a code."""
    return answer.error is not None and answer.error.code is None


def _sol(lamports: int) -> str:
    """Exact for any u64 (a float would round the last lamports away)."""
    whole, part = divmod(lamports, LAMPORTS_PER_SOL)
    return f"{whole}.{part:09d}".rstrip("0").rstrip(".") + " SOL"


def _error_evidence(err: RpcError) -> dict[str, Any]:
    return {"code": _kept(err.code), "message": _kept(err.message),
            **({"data": _kept(err.data)} if err.data not in (None, {}) else {})}


def judge(check, facts: Facts) -> Outcome:
    p: Params = check.params
    chain = facts.chains[p.endpoint]
    if p.method == "getSignatureStatuses":
        return _judge_signatures(check, chain, facts)
    if p.method == "getMultipleAccounts":
        return _judge_accounts(check, chain, facts)
    judges = {"getHealth": _judge_health, "getLatestBlockhash": _judge_blockhash, "getBlockTime": _judge_block_time,
              "getBalance": _judge_balance}
    return judges[p.method](p, chain, facts)


def _json(value: Any) -> str:
    """A node's value as JSON, cut: a message names it, it does not carry megabytes."""
    return cut(json.dumps(value), 120)


def _kept(value: Any) -> Any:
    """A node's value for the evidence: as it came, unless its JSON is long (then its start, as text)."""
    text = json.dumps(value)
    return value if len(text) <= EVIDENCE_CHARS else cut(text, EVIDENCE_CHARS)


def _no_answer(chain: Chain, evidence: dict[str, Any], failure: str = "") -> Outcome:
    return error(f"could not look: no answer from {chain.shown}: {failure or chain.failure}", **evidence)


def _no_answer_to(method: str, chain: Chain, answer: Answer, evidence: dict[str, Any]) -> Outcome:
    return error(f"could not look: no answer to {method} from {chain.shown}: {answer.error}", **evidence)


def _judge_health(p: Params, chain: Chain, facts: Facts) -> Outcome:
    expected = f'getHealth on {chain.shown} answers "{p.expect_result}"'
    evidence: dict[str, Any] = {"endpoint": chain.shown}
    if chain.failure:
        return _no_answer(chain, evidence)
    answer = chain.calls["getHealth"]
    if _unanswered(answer):
        return _no_answer_to("getHealth", chain, answer, evidence)
    if answer.error is not None:
        return failed(expected, str(answer.error), **evidence, error=_error_evidence(answer.error))
    evidence["result"] = _kept(answer.result)
    if answer.result != p.expect_result:
        return failed(expected, f"result {_json(answer.result)}", **evidence)
    return passed(expected, f"result {_json(answer.result)}", **evidence)


def _judge_blockhash(p: Params, chain: Chain, facts: Facts) -> Outcome:
    expected = f"getLatestBlockhash on {chain.shown} returns a blockhash and lastValidBlockHeight"
    evidence: dict[str, Any] = {"endpoint": chain.shown}
    if chain.failure:
        return _no_answer(chain, evidence)
    answer = chain.calls["getLatestBlockhash"]
    if _unanswered(answer):
        return _no_answer_to("getLatestBlockhash", chain, answer, evidence)
    if answer.error is not None:
        return failed(expected, str(answer.error), **evidence, error=_error_evidence(answer.error))
    result = answer.result if isinstance(answer.result, dict) else {}
    value = result.get("value") if isinstance(result.get("value"), dict) else {}
    context = result.get("context") if isinstance(result.get("context"), dict) else {}
    blockhash, height, slot = value.get("blockhash"), value.get("lastValidBlockHeight"), context.get("slot")
    evidence.update(slot=_kept(slot), blockhash=_kept(blockhash), lastValidBlockHeight=_kept(height),
                    apiVersion=_kept(context.get("apiVersion")))
    nonsense = [f"{name} {_json(number)} is not a u64" for name, number in
                (("lastValidBlockHeight", height), ("context.slot", slot)) if number is not None and not _is_u64(number)]
    if nonsense:  # a height or slot no chain can have: the node's answer says nothing
        return error(f"could not look: getLatestBlockhash on {chain.shown} answered {'; '.join(nonsense)}", **evidence)
    problems = []
    if not is_base58_of(blockhash, 32):
        problems.append(f"blockhash {_json(blockhash)} is not a base58 32-byte hash")
    elif blockhash == DEFAULT_HASH:  # 32 zero bytes: Solana's Hash::default(), which no block ever has
        problems.append(f"blockhash {blockhash} is 32 zero bytes (the default hash), which no block has")
    if height is None:
        problems.append("lastValidBlockHeight null is not an integer")
    if slot is None:
        problems.append("context.slot null is not an integer")
    return verdict(expected, problems, f"blockhash {blockhash} at slot {slot}", **evidence)


def _judge_block_time(p: Params, chain: Chain, facts: Facts) -> Outcome:
    expected = f"getBlockTime on {chain.shown} gives an integer unix time for the slot of {p.slot_from}"
    if p.max_age_s:
        expected += f", within {p.max_age_s} s of the database's now()"
    evidence: dict[str, Any] = {"endpoint": chain.shown, "slot_from": p.slot_from}
    if chain.failure:
        return _no_answer(chain, evidence)
    slot = chain.slots.get(p.slot_from)
    if slot is None:
        _, why = _slot_from(p.slot_from, chain.calls.get(p.slot_from))
        return error(f"no slot to ask getBlockTime about: {why}", **evidence)
    evidence["slot"] = slot
    if chain.later_failure:
        return _no_answer(chain, evidence, chain.later_failure)
    answer = chain.calls[f"getBlockTime:{p.slot_from}"]
    if _unanswered(answer):
        return _no_answer_to(f"getBlockTime for slot {slot}", chain, answer, evidence)
    if answer.error is not None:
        return failed(expected, f"slot {slot}: {answer.error}", **evidence, error=_error_evidence(answer.error))
    block_time = answer.result
    if block_time is not None and not _is_int(block_time):  # getBlockTime answers an integer or null: anything else
        # (1.5, NaN, true, text) is no answer of the method, as in any other result
        return error(f"could not look: getBlockTime for slot {slot} from {chain.shown}: unexpected reply shape: "
                     f"{_json(block_time)}", **evidence)
    if not _is_int(block_time) or not 0 <= block_time < LATEST_BLOCK_TIME:
        return failed(expected, f"slot {slot}: result {_json(block_time)} is not a block time (seconds since 1970)",
                      **evidence)
    if block_time < EARLIEST_BLOCK_TIME:
        return failed(expected, f"slot {slot}: result {block_time} ({_iso(block_time)}) is before any Solana "
                      f"cluster's genesis", **evidence)
    evidence["block_time"] = _iso(block_time)
    if not p.max_age_s:
        return passed(expected, f"slot {slot} at {_iso(block_time)}", **evidence)
    now = facts.db_now
    if isinstance(now, GatherError) or not now:
        return error(f"could not read the database's now(): {now}", **evidence)
    # the database's now() carried on to when this node named its slot: endpoints asked after a slow one (or a slow
    # node itself) are not judged against a now() read seconds or minutes before they answered
    db_now = float(now[0]["now_epoch"])
    if facts.db_now_at is not None and chain.answered_at is not None:
        db_now += max(0.0, chain.answered_at - facts.db_now_at)
    age = round(db_now - block_time)
    evidence.update(database_now=_iso(db_now), age_s=age)
    side = "older than" if age > 0 else "ahead of"
    said = f"slot {slot} at {_iso(block_time)} is {abs(age)} s {side} the database's now()"
    if -age > CLOCK_SKEW.total_seconds():  # a block from the future: the node's clock or the database's lies
        return error(f"could not look: {said}, more than the {CLOCK_SKEW.total_seconds():.0f} s two clocks may "
                     f"differ: the node's clock or the database's is wrong", **evidence)
    if abs(age) > p.max_age_s:
        return failed(expected, said, **evidence)
    return passed(expected, f"slot {slot} at {_iso(block_time)}, {abs(age)} s {'ahead of' if age < 0 else 'before'} "
                  f"the database's now()", **evidence)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds")


def _judge_balance(p: Params, chain: Chain, facts: Facts) -> Outcome:
    evidence: dict[str, Any] = {"endpoint": chain.shown}
    if p.account_from_secret:
        name, service = p.account_from_secret, p.service
        key = facts.keypairs[(service, name)]
        if isinstance(key, GatherError):
            return error(f"could not read env of service '{service}': {key}")
        evidence[name] = key.described
        if not key.present:
            if p.skip_if_unset:
                return skipped(f"{name} is not set on {service}; the fee payer is checked only when it is set",
                               **evidence)
            return failed(f"{name} set on {service}", f"{name} is not set on {service}", **evidence)
        if key.problem:
            return failed(f"{name} on {service} is a 64-byte Solana keypair", f"{name} on {service} {key.problem}",
                          **evidence)
        address, label = key.pubkey, f"the public key of {name} ({key.pubkey})"
    else:
        address, label = p.account, p.account
    evidence["account"] = address
    expected = f"{label} holds ≥ {p.min_lamports} lamports ({_sol(p.min_lamports)})"
    if chain.failure:
        return _no_answer(chain, evidence)
    answer = chain.balances[address]
    if answer.error is not None:
        return error(f"getBalance of {address} failed: {answer.error}", **evidence)
    lamports = answer.result
    evidence["lamports"] = _kept(lamports)
    if not _is_u64(lamports):  # no account holds that: the node's answer says nothing
        return error(f"getBalance of {address} answered {_json(lamports)} lamports, not a u64", **evidence)
    seen = f"{lamports} lamports ({_sol(lamports)})"
    if lamports < p.min_lamports:
        return failed(expected, f"{address} holds {seen}", **evidence)
    return passed(expected, seen, **evidence)


def _visibility_problem(facts: Facts) -> str | None:
    rows = facts.visibility
    if isinstance(rows, GatherError):
        return f"could not look: who the checker role is could not be read: {rows}"
    if not rows or not rows[0]["sees_all"]:
        viewer = rows[0]["viewer"] if rows else "?"
        return (f"role {viewer} is subject to row level security, so the query may silently miss rows;"
                " give the checker role BYPASSRLS (its sessions stay read-only)")
    return None


def _query_rows(check, facts: Facts, field: str, what: str, columns: tuple[str, ...]) -> Rows | Outcome:
    """The item's own rows, or the outcome that says why there are none to judge."""
    problem = _visibility_problem(facts)
    if problem:
        return error(problem)
    rows = facts.rows[check.key]
    if isinstance(rows, GatherError):
        sqlstate = getattr(rows, "sqlstate", "")
        return error(f"could not look: {field} failed: {rows}", **({"sqlstate": sqlstate} if sqlstate else {}))
    if not rows and not check.params.allow_empty:
        return nothing_found(what, f"the rows of {field}")
    if rows and any(c not in rows[0] for c in columns):
        return error(f"{field} must return the columns {', '.join(columns)} (it returned: {', '.join(rows[0])})")
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)  # NaN, Infinity: no number to compare with
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _context(row: dict[str, Any], *skip: str) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row.items() if k not in skip}


def _judge_signatures(check, chain: Chain, facts: Facts) -> Outcome:
    p: Params = check.params
    wanted = "finalized" if p.commitment == "finalized" else "confirmed or finalized"
    rows = _query_rows(check, facts, "signatures_query", "signatures", ("signature",))
    if isinstance(rows, Outcome):
        return rows
    expected = f"every signature the query returns is {wanted} without error on {chain.shown}"
    evidence: dict[str, Any] = {"endpoint": chain.shown, "signatures": len(rows)}
    if rows and chain.failure:
        return _no_answer(chain, evidence)
    accepted = {"finalized"} if p.commitment == "finalized" else {"confirmed", "finalized"}
    offending: list[tuple[str, str, dict[str, Any]]] = []
    undecided: list[str] = []  # entries the node answered in no shape of its own: said beside any failure
    for row in rows:
        signature = row["signature"]
        if not is_base58_of(signature, 64):
            offending.append((str(signature), "is not a base58 64-byte signature", row))
            continue
        answer = chain.statuses[signature]
        if answer.error is not None:
            undecided.append(f"getSignatureStatuses failed: {answer.error}")
            continue
        status = answer.result
        confirmation = status.get("confirmationStatus") if isinstance(status, dict) else None
        if status is None:
            offending.append((signature, "not found on chain", row))
        elif not isinstance(status, dict):
            undecided.append(f"getSignatureStatuses: unexpected status {_json(status)} for {signature}")
        elif (failure := _transaction_error(status)) is not None:
            offending.append((signature, f"failed with {_json(failure)}", row))
        elif "err" not in status:  # Solana always sends err, null on success: no word on how the transaction went
            undecided.append(f"getSignatureStatuses: the node's answer for {signature} lacks err: {_json(status)}")
        elif confirmation is None and status.get("confirmations", 0) is None:
            pass  # a node writing no level: confirmations null is a rooted (finalized) one, as Solana's client reads
        elif confirmation not in COMMITMENTS:  # a level no node writes (`FINALIZED`, `rooted`, a list), or none
            undecided.append(f"getSignatureStatuses: the node's answer for {signature} has confirmationStatus"
                             f" {_json(confirmation)}, none of Solana's ({', '.join(COMMITMENTS)})")
        elif confirmation not in accepted:
            offending.append((signature, f"only {confirmation}", row))
    undecided = list(dict.fromkeys(undecided))  # a whole batch refused is one reason, said once
    # the engine's words last: a query column named `problem` is context, never the reason
    evidence["offending"] = [{**_context(r, "signature"), "signature": s, "problem": why} for s, why, r in offending[:20]]
    listed = [f"{s} {why}" for s, why, _ in offending[:LISTED]]
    if len(offending) > LISTED:
        listed.append(f"and {len(offending) - LISTED} more")
    if offending:
        head = f"{len(offending)} of {plural(len(rows), 'signature')} not {wanted} without error: "
        return failed(expected, head + "; ".join(listed), undecided=_listed(undecided), **evidence)
    if undecided:
        return error("; ".join(_listed(undecided)), **evidence)
    return passed(expected, f"{plural(len(rows), 'signature')}, all {wanted}", **evidence)


def _listed(reasons: list[str]) -> list[str]:
    """The first LISTED reasons, and how many more: one readable line (the evidence keeps the rest of the story)."""
    return reasons[:LISTED] + ([f"and {len(reasons) - LISTED} more"] if len(reasons) > LISTED else [])


COMMITMENTS = ("processed", "confirmed", "finalized")  # confirmationStatus, as Solana's nodes write it


def _transaction_error(status: dict[str, Any]) -> Any:
    """Why the transaction failed, None if nothing says it did: `err`, or the deprecated `status: {"Err": …}`,
    which a node may still send (either one saying Err is a failed transaction)."""
    if status.get("err") is not None:
        return status["err"]
    deprecated = status.get("status")
    return deprecated["Err"] if isinstance(deprecated, dict) and deprecated.get("Err") is not None else None


def _judge_accounts(check, chain: Chain, facts: Facts) -> Outcome:
    p: Params = check.params
    symbol = "≥" if p.compare == "ge" else "="
    rows = _query_rows(check, facts, "accounts_query", "accounts", ("address", "expected_lamports"))
    if isinstance(rows, Outcome):
        return rows
    expected = f"each queried account's balance on {chain.shown} is {symbol} its expected_lamports"
    evidence: dict[str, Any] = {"endpoint": chain.shown, "accounts": len(rows)}
    if rows and chain.failure:
        return _no_answer(chain, evidence)
    mismatches: list[tuple[str, dict[str, Any]]] = []
    undecided: list[str] = []  # rows or answers no balance can be compared with: said beside any failure
    for row in rows:
        address, wanted = row["address"], _plain(row["expected_lamports"])
        label = " ".join(str(v) for v in _context(row, "address", "expected_lamports").values())
        label = f"{label} {address}".strip()
        if not isinstance(wanted, (int, float)) or isinstance(wanted, bool) or not math.isfinite(wanted):
            undecided.append(f"expected_lamports of {label} is {_json(wanted)}, not a number")
            continue
        if wanted < 0:  # a balance is a u64: `ge` of a negative would pass any account, a missing one too
            undecided.append(f"expected_lamports of {label} is {_json(wanted)}: no balance is below 0")
            continue
        if not is_base58_of(address, 32):
            mismatches.append((f"{label}: not a base58 32-byte address", {**_context(row), "lamports": None}))
            continue
        answer = chain.accounts[address]
        if answer.error is not None:
            undecided.append(f"getMultipleAccounts failed: {answer.error}")
            continue
        lamports = answer.result
        if lamports is not None and not _is_u64(lamports):
            undecided.append(f"getMultipleAccounts: unexpected lamports {_json(lamports)} for {address}, not a u64")
            continue
        held = lamports or 0
        ok = held >= wanted if p.compare == "ge" else held == wanted
        if not ok:
            seen = "no such account" if lamports is None else f"holds {held} lamports"
            mismatches.append((f"{label}: {seen}, expected {symbol} {wanted}", {**_context(row), "lamports": lamports}))
    evidence["mismatches"] = [m for _, m in mismatches[:20]]
    problems = [text for text, _ in mismatches[:LISTED]]
    if len(mismatches) > LISTED:
        problems.append(f"and {len(mismatches) - LISTED} more")
    undecided = list(dict.fromkeys(undecided))  # a whole batch refused is one reason, said once
    if problems:
        return failed(expected, f"{len(mismatches)} of {plural(len(rows), 'account')} off: " + "; ".join(problems),
                      undecided=_listed(undecided), **evidence)
    if undecided:
        return error("; ".join(_listed(undecided)), **evidence)
    return passed(expected, f"{plural(len(rows), 'account')}, all {symbol} expected", **evidence)
