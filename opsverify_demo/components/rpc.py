"""A fake Solana JSON-RPC 2.0 node for commit-to-ship (no solana-test-validator is installable).

Its chain agrees with the seeded database: every signature the app recorded is finalized, and
each escrow holds what was funded minus what was released (plus the rent-exempt minimum). The
URL carries a demo API key in its path, as provider URLs do, so redaction is exercised.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import base58
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..envs import demo_secret
from ..faults import Fault

SYSTEM = "commit-to-ship"
RENT_EXEMPT_LAMPORTS = 890_880  # a 0-byte system account
FEE_PAYER_LAMPORTS = 250_000_000  # 0.25 SOL, above the runbook's 0.05 SOL floor
FIRST_SLOT = 312_000_000
SLOT_SECONDS = 0.4
FINALIZED_LAG = 32  # slots between the tip and the finalized slot
API_VERSION = "2.1.16"
PROVIDER_URL = "https://solana-mainnet.rpc-provider.example"  # what the app's env names; the key follows in the path


@dataclass
class ChainState:
    balances: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # signature -> status object
    behind: int = 0  # getHealth answers -32005 when > 0
    block_times_missing: bool = False  # getBlockTime answers -32004
    unsupported: set[str] = field(default_factory=set)  # methods answered -32601 Method not found


def _status(slot: int, err: Any = None) -> dict[str, Any]:
    return {"slot": slot, "confirmations": None, "err": err,
            "status": {"Ok": None} if err is None else {"Err": err}, "confirmationStatus": "finalized"}


def _new_keypair() -> tuple[str, str]:
    """(base58 of the 64-byte secret+public keypair, base58 public key)."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes_raw()
    return base58.b58encode(seed + public).decode(), base58.b58encode(public).decode()


class SolanaRpc:
    def __init__(self) -> None:
        self.url = ""
        self.token = ""
        self.fee_payer_secret = ""
        self.fee_payer = ""
        self.admin_signatures: list[str] = []
        self.open_escrows: list[str] = []
        self.healthy = ChainState()
        self.chain = ChainState()
        self._started_at = time.time()

    # -- component protocol -------------------------------------------------------------
    def start(self, deployment) -> None:
        self.token = demo_secret("rpckey")
        self.fee_payer_secret, self.fee_payer = _new_keypair()
        self.healthy = self._chain_from(deployment.admin_url(SYSTEM))
        self.healthy.balances[self.fee_payer] = FEE_PAYER_LAMPORTS
        self.reset()
        base = deployment.web.add(f"{SYSTEM}/rpc", self._app())
        self.url = f"{base}/{self.token}"

    def variables(self) -> dict[str, str]:
        return {"DEMO_COMMIT_TO_SHIP_SOLANA_RPC_URL": self.url}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        # the app's SOLANA_RPC_URL is the provider's public https URL, as in production (T5 refuses http and
        # localhost); the environment's solana_rpc endpoint is this local node, standing in for that provider
        return {(SYSTEM, "app"): {"SOLANA_RPC_URL": f"{PROVIDER_URL}/{self.token}",
                                  "ESCROW_FEE_PAYER_SECRET_KEY": self.fee_payer_secret}}

    def reset(self) -> None:
        self.chain = copy.deepcopy(self.healthy)

    def stop(self) -> None:  # served by the deployment's WebHost, which stops it
        self.chain = ChainState()

    # -- chain state ----------------------------------------------------------------------
    def _chain_from(self, admin_url: str) -> ChainState:
        state = ChainState()
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            signatures = conn.execute(
                "select signature, event from public.audit_logs where signature is not null"
                " union select tx_signature, null from public.reward_release_locks where tx_signature is not null"
                " union select release_signature, null from public.reward_milestones where release_signature is not null"
            ).fetchall()
            escrows = conn.execute(
                "select c.escrow_address, c.status, c.funded_lamports,"
                " coalesce((select sum(m.unlock_lamports) from public.reward_milestones m"
                "           where m.commitment_id = c.id and m.released_at is not null), 0)::bigint"
                " from public.commitments c order by c.created_at"
            ).fetchall()
        for signature, event in signatures:
            # a slot below the tip, stable per signature
            offset = int.from_bytes(hashlib.sha256(signature.encode()).digest()[:4], "big") % 1_000_000
            state.statuses[signature] = _status(FIRST_SLOT - 1_000_000 + offset)
            if event and event.startswith("admin_"):
                self.admin_signatures.append(signature)
        self.admin_signatures.sort()
        for address, status, funded, released in escrows:
            held = funded - released if status == "open" else 0
            state.balances[address] = RENT_EXEMPT_LAMPORTS + max(held, 0)
            if status == "open":
                self.open_escrows.append(address)
        return state

    def _tip(self) -> int:
        return FIRST_SLOT + int((time.time() - self._started_at) / SLOT_SECONDS)

    def _time_of(self, slot: int) -> int:
        return int(self._started_at + (slot - FIRST_SLOT) * SLOT_SECONDS)

    # -- JSON-RPC -----------------------------------------------------------------------------
    def _app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            if not secrets.compare_digest(request.path_params["token"], self.token):
                return JSONResponse({"error": "invalid api key"}, status_code=401)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse(_error(None, -32700, "Parse error"))
            if isinstance(body, list):
                if not body:
                    return JSONResponse(_error(None, -32600, "Invalid request"))
                return JSONResponse([self._answer(item) for item in body])
            return JSONResponse(self._answer(body))

        return Starlette(routes=[Route("/{token}", endpoint, methods=["POST"])])

    def _answer(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or "method" not in request:
            return _error(None, -32600, "Invalid request")
        rid, method, params = request.get("id"), request["method"], request.get("params") or []
        handler = getattr(self, f"_rpc_{method}", None)
        if handler is None or method in self.chain.unsupported:
            return _error(rid, -32601, "Method not found")
        try:
            return {"jsonrpc": "2.0", "result": handler(params), "id": rid}
        except _RpcFailure as exc:
            return _error(rid, exc.code, exc.message, exc.data)
        except (TypeError, ValueError, IndexError, KeyError):
            return _error(rid, -32602, "Invalid params")

    def _context(self) -> dict[str, Any]:
        return {"slot": self._finalized(), "apiVersion": API_VERSION}

    def _finalized(self) -> int:
        return self._tip() - FINALIZED_LAG

    def _rpc_getHealth(self, params: list) -> str:
        if self.chain.behind:
            raise _RpcFailure(-32005, f"Node is behind by {self.chain.behind} slots",
                              {"numSlotsBehind": self.chain.behind})
        return "ok"

    def _rpc_getSlot(self, params: list) -> int:
        return self._finalized()

    def _rpc_getLatestBlockhash(self, params: list) -> dict[str, Any]:
        slot = self._finalized()
        blockhash = base58.b58encode(hashlib.sha256(f"blockhash:{slot}".encode()).digest()).decode()
        return {"context": self._context(), "value": {"blockhash": blockhash, "lastValidBlockHeight": slot - 4_000 + 150}}

    def _rpc_getBlockTime(self, params: list) -> int:
        slot = params[0]
        if not isinstance(slot, int) or isinstance(slot, bool):
            raise ValueError(slot)
        if self.chain.block_times_missing or slot > self._finalized():
            raise _RpcFailure(-32004, f"Block not available for slot {slot}")
        return self._time_of(slot)

    def _rpc_getBalance(self, params: list) -> dict[str, Any]:
        return {"context": self._context(), "value": self.chain.balances.get(_pubkey(params[0]), 0)}

    def _rpc_getMultipleAccounts(self, params: list) -> dict[str, Any]:
        addresses = [_pubkey(a) for a in params[0]]
        if len(addresses) > 100:
            raise _RpcFailure(-32602, "Too many inputs provided; max 100")
        value = []
        for address in addresses:
            lamports = self.chain.balances.get(address)
            value.append(None if lamports is None else {
                "data": ["", "base64"], "executable": False, "lamports": lamports,
                "owner": "11111111111111111111111111111111", "rentEpoch": 18446744073709551615, "space": 0})
        return {"context": self._context(), "value": value}

    def _rpc_getSignatureStatuses(self, params: list) -> dict[str, Any]:
        signatures = params[0]
        if len(signatures) > 256:
            raise _RpcFailure(-32602, "Too many inputs provided; max 256")
        for signature in signatures:
            if len(base58.b58decode(signature)) != 64:
                raise _RpcFailure(-32602, "Invalid param: WrongSize")
        return {"context": self._context(), "value": [self.chain.statuses.get(s) for s in signatures]}


class _RpcFailure(Exception):
    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def _pubkey(text: Any) -> str:
    if not isinstance(text, str) or len(base58.b58decode(text)) != 32:
        raise _RpcFailure(-32602, "Invalid param: WrongSize")
    return text


def _error(rid: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "error": err, "id": rid}


# -- faults ---------------------------------------------------------------------------------
def _node(deployment) -> SolanaRpc:
    return next(c for c in deployment.components if isinstance(c, SolanaRpc))


def _unhealthy(deployment) -> None:
    _node(deployment).chain.behind = 42


def _no_block_time(deployment) -> None:
    _node(deployment).chain.block_times_missing = True


def _no_latest_blockhash(deployment) -> None:
    _node(deployment).chain.unsupported.add("getLatestBlockhash")


def _drain_fee_payer(deployment) -> None:
    node = _node(deployment)
    node.chain.balances[node.fee_payer] = 5_000


def _fail_admin_tx(deployment) -> None:
    node = _node(deployment)
    failed_one = node.admin_signatures[0]
    node.chain.statuses[failed_one] = _status(node.chain.statuses[failed_one]["slot"],
                                              {"InstructionError": [0, {"Custom": 1}]})
    for dropped in node.admin_signatures[1:2]:  # and one the chain never saw
        node.chain.statuses.pop(dropped, None)


def _underfund_escrow(deployment) -> None:
    node = _node(deployment)
    escrow = node.open_escrows[-1]
    node.chain.balances[escrow] -= 500_000_000 + RENT_EXEMPT_LAMPORTS


FAULTS = [
    Fault("rpc-unhealthy", frozenset({"T5"}), "the Solana RPC node is 42 slots behind (getHealth -32005)", _unhealthy),
    Fault("rpc-no-block-time", frozenset({"T5"}), "getBlockTime answers -32004 Block not available", _no_block_time),
    # getBlockTime's slot comes from getLatestBlockhash: without one, that item is unchecked
    Fault("rpc-no-latest-blockhash", frozenset({"T5"}),
          "the RPC provider does not support getLatestBlockhash (-32601 Method not found, as before Solana 1.9)",
          _no_latest_blockhash, unchecked=frozenset({"T5"})),
    Fault("fee-payer-drained", frozenset({"T7"}), "the escrow fee payer holds 5000 lamports", _drain_fee_payer),
    Fault("admin-tx-failed", frozenset({"T13"}),
          "an admin release transaction failed on chain and another was never seen", _fail_admin_tx),
    Fault("escrow-underfunded", frozenset({"T14"}), "an open escrow holds 0.5 SOL less than it should",
          _underfund_escrow),
]
