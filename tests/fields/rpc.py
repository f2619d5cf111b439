"""rpc: every field of rpc.Params changes the outcome (facts as `rpc.gather` binds them: each item's
query answer under its own check key, the chain's answers per endpoint)."""

import base58

from opsverify.families.rpc import Chain, Facts, Keypair
from opsverify.transports.jsonrpc import Answer, RpcError

from .kinds import Flips

SEES_ALL = [{"viewer": "checker", "sees_all": True}]
RICH, POOR = base58.b58encode(bytes([1]) * 32).decode(), base58.b58encode(bytes([2]) * 32).decode()
SIGNED = base58.b58encode(bytes([3]) * 64).decode()
BLOCK_TIME = 1_795_598_644

HEALTHY = Chain(
    "https://rpc.example",
    calls={"getHealth": Answer(result="ok"), "getLatestBlockhash": Answer(result={
        "context": {"slot": 2800}, "value": {"blockhash": RICH, "lastValidBlockHeight": 3090}}),
        "getBlockTime:getLatestBlockhash": Answer(result=BLOCK_TIME)},
    slots={"getLatestBlockhash": 2800},
    balances={RICH: Answer(result=10_000), POOR: Answer(result=5)},
    accounts={RICH: Answer(result=10_000), POOR: Answer(result=5)},  # getMultipleAccounts' own answers
    statuses={SIGNED: Answer(result={"err": None, "confirmationStatus": "confirmed"})},
)
BEHIND = Chain("https://backup.example", calls={"getHealth": Answer(error=RpcError(-32005, "Node is behind"))})

KEYS = {("app", "FEE_PAYER"): Keypair(True, {"present": True}, RICH),
        ("app", "OLD_FEE_PAYER"): Keypair(True, {"present": True}, POOR),
        ("worker", "FEE_PAYER"): Keypair(False, {"present": False})}

SIGNATURES = "select signature from public.audit_logs"
NO_SIGNATURES = "select signature from public.audit_logs where false"
ACCOUNTS = "select address, expected_lamports from public.escrows"
UNDERFUNDED = "select address, 50 as expected_lamports from public.escrows"
ROWS = {SIGNATURES: [{"signature": SIGNED}], NO_SIGNATURES: [],
        ACCOUNTS: [{"address": RICH, "expected_lamports": 100}],
        UNDERFUNDED: [{"address": POOR, "expected_lamports": 50}]}


def chain_facts(check):
    query = check.params.signatures_query or check.params.accounts_query
    rows = {check.key: ROWS[query]} if query else {}
    return Facts({"solana_rpc": HEALTHY, "backup_rpc": BEHIND}, rows, KEYS, SEES_ALL,
                 [{"now_epoch": float(BLOCK_TIME + 600)}])


SIGS = {"method": "getSignatureStatuses", "signatures_query": SIGNATURES}
ACCTS = {"method": "getMultipleAccounts", "accounts_query": ACCOUNTS}
FEE = {"method": "getBalance", "account_from_secret": "FEE_PAYER", "min_lamports": 100}

CASES = {
    "method": Flips({"method": "getHealth"}, {"method": "getBlockTime", "slot_from": "getSlot"}, chain_facts),
    "endpoint": Flips({"method": "getHealth"}, {"method": "getHealth", "endpoint": "backup_rpc"}, chain_facts),
    "expect_result": Flips({"method": "getHealth"}, {"method": "getHealth", "expect_result": "behind"}, chain_facts),
    "slot_from": Flips({"method": "getBlockTime"}, {"method": "getBlockTime", "slot_from": "getSlot"}, chain_facts),
    "max_age_s": Flips({"method": "getBlockTime"}, {"method": "getBlockTime", "max_age_s": 300}, chain_facts),
    "account": Flips({"method": "getBalance", "account": RICH, "min_lamports": 100},
                     {"method": "getBalance", "account": POOR, "min_lamports": 100}, chain_facts),
    "account_from_secret": Flips(FEE, {**FEE, "account_from_secret": "OLD_FEE_PAYER"}, chain_facts),
    "service": Flips(FEE, {**FEE, "service": "worker"}, chain_facts),
    "skip_if_unset": Flips({**FEE, "service": "worker"}, {**FEE, "service": "worker", "skip_if_unset": True},
                           chain_facts),
    "min_lamports": Flips(FEE, {**FEE, "min_lamports": 20_000}, chain_facts),
    "signatures_query": Flips(SIGS, {**SIGS, "signatures_query": NO_SIGNATURES}, chain_facts),
    "commitment": Flips(SIGS, {**SIGS, "commitment": "finalized"}, chain_facts),
    "accounts_query": Flips(ACCTS, {**ACCTS, "accounts_query": UNDERFUNDED}, chain_facts),
    "compare": Flips(ACCTS, {**ACCTS, "compare": "eq"}, chain_facts),
    "allow_empty": Flips({**SIGS, "signatures_query": NO_SIGNATURES},
                         {**SIGS, "signatures_query": NO_SIGNATURES, "allow_empty": True}, chain_facts),
}
