"""rpc family against the demo's fake Solana node: healthy passes, each fault fails its item."""

from __future__ import annotations

import json
import secrets

import pytest
from psycopg import sql

from opsverify_demo.components.rpc import SolanaRpc
from opsverify.engine import gather_and_judge, message
from opsverify.families import rpc
from opsverify.outcome import Status

from .helpers import CHECKS, evaluate
from .kit import make_check, make_target

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


def test_rpc_that_does_not_answer_json_rpc_leaves_every_item_unchecked(demo):
    rpc_node = node(demo)
    saved = rpc_node.token
    rpc_node.token = "rotated-" + saved  # every request now gets HTTP 401: refused, the node was not asked
    try:
        results = outcomes(demo)
    finally:
        rpc_node.token = saved
    by_status = {key: o.status for key, (_, o) in results.items()}
    assert by_status == {key: Status.ERROR for key in by_status} and len(by_status) == 6
    assert "HTTP 401: the provider refused to answer" in results["T5-rpc-health"][1].observed


# -- each item's query is its own statement with its own answer ---------------------------------
@pytest.fixture
def scratch_database(demo):
    """A database of its own on the demo's server: one table of escrows, and no `ledger` table."""
    name = f"rpc_scratch_{secrets.token_hex(4)}"
    with demo.pg.admin() as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        with demo.pg.admin(name) as conn:
            conn.execute("create table public.escrows (id text, address text, expected_lamports bigint)")
            conn.execute("insert into public.escrows values ('fee-payer', %s, 1000)", (node(demo).fee_payer,))
        yield demo.pg.url(name)
    finally:
        with demo.pg.admin() as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def test_a_query_over_a_missing_table_errors_its_item_only(demo, scratch_database):
    target = make_target({"database": scratch_database, "endpoints": {"solana_rpc": node(demo).url}})
    query = "select id, address, expected_lamports from public.{} where expected_lamports > 0"
    checks = [make_check("rpc", {"method": "getMultipleAccounts", "accounts_query": query.format("escrows")},
                         name="first-good"),
              make_check("rpc", {"method": "getMultipleAccounts", "accounts_query": query.format("ledger")},
                         name="missing-table"),
              make_check("rpc", {"method": "getMultipleAccounts", "accounts_query": query.format("escrows")},
                         name="second-good"),
              make_check("rpc", {"method": "getHealth"}, name="health")]
    try:
        results = dict(zip((c.key for c in checks), gather_and_judge(target, rpc, checks), strict=True))
    finally:
        target.close()
    assert {key: o.status for key, o in results.items()} == {
        "J99-first-good": Status.PASSED, "J99-missing-table": Status.ERROR, "J99-second-good": Status.PASSED,
        "J99-health": Status.PASSED}
    missing = results["J99-missing-table"]
    assert missing.observed == ('could not look: accounts_query failed: relation "public.ledger" does not exist'
                                " (SQLSTATE 42P01)")
    assert missing.evidence == {"sqlstate": "42P01"}
    assert results["J99-first-good"].observed == "1 account, all ≥ expected"


def test_a_query_that_finds_no_account_is_an_error_unless_allowed(demo, scratch_database):
    target = make_target({"database": scratch_database, "endpoints": {"solana_rpc": node(demo).url}})
    query = "select id, address, expected_lamports from public.escrows where id = 'none'"
    checks = [make_check("rpc", {"method": "getMultipleAccounts", "accounts_query": query}, name="strict"),
              make_check("rpc", {"method": "getMultipleAccounts", "accounts_query": query, "allow_empty": True},
                         name="lenient")]
    try:
        strict, lenient = gather_and_judge(target, rpc, checks)
    finally:
        target.close()
    assert strict.status is Status.ERROR and strict.observed.startswith("no accounts found in the rows of accounts_query")
    assert lenient.status is Status.PASSED
