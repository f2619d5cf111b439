"""rpc family against the demo's fake Solana node: healthy passes, each fault fails its item."""

from __future__ import annotations

import json

import pytest

from demo.components.rpc import SolanaRpc
from opsverify.engine import message
from opsverify.outcome import Status

from .helpers import CHECKS, evaluate

RPC_CHECKS = [c for c in CHECKS if c.family == "rpc"]


def node(deployment) -> SolanaRpc:
    return next(c for c in deployment.components if isinstance(c, SolanaRpc))


def outcomes(deployment):
    return {check.key: (check, outcome) for check, outcome in evaluate(deployment, RPC_CHECKS).values()}


def test_healthy_node_passes_every_rpc_item(demo):
    results = outcomes(demo)
    assert {key for key, (_, o) in results.items() if o.status is not Status.PASSED} == set()
    assert set(results) == {"T5-rpc-health", "T5-rpc-latest-blockhash", "T5-rpc-block-time", "T7-fee-payer-funded",
                            "T13-admin-signatures-confirmed", "T14-escrow-balances-match"}
    assert results["T7-fee-payer-funded"][1].evidence["account"] == node(demo).fee_payer
    assert results["T13-admin-signatures-confirmed"][1].evidence["signatures"] == 2
    assert results["T14-escrow-balances-match"][1].evidence["accounts"] == 2


@pytest.mark.parametrize("fault, key, seen", [
    ("rpc-unhealthy", "T5-rpc-health", "saw error -32005: Node is behind by 42 slots"),
    ("rpc-no-block-time", "T5-rpc-block-time", "error -32004: Block not available for slot"),
    ("fee-payer-drained", "T7-fee-payer-funded", "holds 5000 lamports (0.000005 SOL)"),
    ("admin-tx-failed", "T13-admin-signatures-confirmed",
     'failed with {"InstructionError": [0, {"Custom": 1}]}'),
    ("escrow-underfunded", "T14-escrow-balances-match", "holds 1500000000 lamports, expected ≥ 2000000000"),
])
def test_fault_fails_its_item_naming_expected_and_seen(demo, fault, key, seen):
    demo.apply(fault)
    results = outcomes(demo)
    failing = {k for k, (_, o) in results.items() if o.status is not Status.PASSED}
    assert failing == {key}
    check, outcome = results[key]
    assert outcome.status is Status.FAILED
    text = message(check, outcome)
    assert text.startswith(f"{key} {check.title}: expected ") and seen in text


def test_admin_tx_fault_names_both_the_failed_and_the_unknown_signature(demo):
    demo.apply("admin-tx-failed")
    outcome = outcomes(demo)["T13-admin-signatures-confirmed"][1]
    failed_sig, unknown_sig = node(demo).admin_signatures[:2]
    assert f"{failed_sig} failed with" in outcome.observed and f"{unknown_sig} not found on chain" in outcome.observed
    assert {o["event"] for o in outcome.evidence["offending"]} == {
        "admin_reward_milestone_release_success", "admin_commitment_resolve_success"}


def test_fee_payer_unset_is_skipped_with_the_reason(demo):
    demo.set_env("commit-to-ship", "app", "ESCROW_FEE_PAYER_SECRET_KEY", None)
    outcome = outcomes(demo)["T7-fee-payer-funded"][1]
    assert outcome.status is Status.SKIPPED
    assert "ESCROW_FEE_PAYER_SECRET_KEY is not set on app" in outcome.observed


def test_fee_payer_secret_and_rpc_api_key_never_leave(demo):
    rpc_node = node(demo)
    results = outcomes(demo)
    text = json.dumps([[o.expected, o.observed, o.evidence] for _, o in results.values()], default=str)
    assert rpc_node.fee_payer_secret not in text
    assert rpc_node.token not in text and rpc_node.url not in text
    assert rpc_node.fee_payer in text  # the public key is evidence


def test_rpc_down_fails_t5_and_errors_the_rest(demo):
    rpc_node = node(demo)
    saved = rpc_node.token
    rpc_node.token = "rotated-" + saved  # every request now gets HTTP 401 without a JSON-RPC reply
    try:
        results = outcomes(demo)
    finally:
        rpc_node.token = saved
    by_status = {key: o.status for key, (_, o) in results.items()}
    assert by_status == {"T5-rpc-health": Status.FAILED, "T5-rpc-latest-blockhash": Status.FAILED,
                         "T5-rpc-block-time": Status.FAILED, "T7-fee-payer-funded": Status.ERROR,
                         "T13-admin-signatures-confirmed": Status.ERROR, "T14-escrow-balances-match": Status.ERROR}
    assert "HTTP 401 without a JSON-RPC reply" in results["T5-rpc-health"][1].observed
