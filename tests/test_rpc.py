"""rpc family: params, keypairs, the judge on fabricated facts, and gather over real HTTP."""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import decimal
import json
import secrets
import threading
from typing import Any

import base58
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from opsverify_demo.web import WebHost
from opsverify.checklist import Cadence, Check, Severity
from opsverify.environment import TimeoutsModel
from opsverify.checklist import load_checklists
from opsverify.errors import ConfigError, GatherError, Refused
from opsverify.families import rpc
from opsverify.families.rpc import Chain, Facts, Keypair, Params, public_key_of
from opsverify.families.sql import VISIBILITY
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.postgres import QueryFailed
from opsverify.transports import jsonrpc
from opsverify.transports.jsonrpc import Answer, Call, RpcError, call_batch


def keypair() -> tuple[bytes, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    return private.private_bytes_raw() + public, base58.b58encode(public).decode()


def sig(n: int) -> str:
    return base58.b58encode(n.to_bytes(64, "big")).decode()


def addr(n: int) -> str:
    return base58.b58encode(n.to_bytes(32, "big")).decode()


def check(name: str = "x", **params) -> Check:
    return Check(system="commit-to-ship", id="T5", name=name, section="s", title="t", family="rpc",
                 cadence=Cadence.postdeploy, severity=Severity.critical, mutating=False, remediation="", reason="",
                 params=Params.model_validate(params))


SIGS_QUERY = "select signature, event from public.audit_logs"
ACCOUNTS_QUERY = "select id, address, expected_lamports from x"
SEES_ALL = [{"viewer": "checker", "sees_all": True}]


def facts(chain: Chain | None = None, rows: dict | None = None, keypairs: dict | None = None,
          visibility=None, now=None) -> Facts:
    """Facts as gather binds them: each item's query answer under its own check key."""
    return Facts({"solana_rpc": chain or Chain("https://rpc.example")}, rows or {}, keypairs or {},
                 SEES_ALL if visibility is None else visibility, now)


def ok(result) -> Answer:
    return Answer(result=result)


def err(code, message, data=None) -> Answer:
    return Answer(error=RpcError(code, message, data))


# -- params -------------------------------------------------------------------------------
def test_params_fill_per_method_defaults():
    assert Params(method="getHealth").expect_result == "ok"
    assert Params(method="getBlockTime").slot_from == "getLatestBlockhash"
    assert Params(method="getSignatureStatuses", signatures_query=SIGS_QUERY).commitment == "confirmed"
    assert Params(method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY).compare == "ge"
    fee = Params(method="getBalance", account_from_secret="FEE", min_lamports=1)
    assert fee.service == "app" and fee.skip_if_unset is False


@pytest.mark.parametrize("params, message", [
    ({"method": "getHealth", "min_lamports": 5}, "min_lamports not used by getHealth"),
    ({"method": "getBalance", "min_lamports": 5}, "exactly one of account, account_from_secret"),
    ({"method": "getBalance", "account": addr(1), "account_from_secret": "X", "min_lamports": 5}, "exactly one"),
    ({"method": "getBalance", "account": addr(1)}, "needs min_lamports"),
    ({"method": "getBalance", "account": addr(1), "min_lamports": 1, "skip_if_unset": True}, "go with account_from_secret"),
    ({"method": "getBalance", "account": "not-a-key", "min_lamports": 1}, "base58 public key"),
    ({"method": "getSignatureStatuses"}, "needs signatures_query"),
    ({"method": "getSignatureStatuses", "signatures_query": "delete from audit_logs"}, "read-only"),
    ({"method": "getMultipleAccounts", "accounts_query": "select 1; select 2"}, "single statement"),
    ({"method": "getBlockTime", "slot_from": "getBlockHeight"}, "slot_from"),
    ({"method": "sendTransaction"}, "method"),
    ({"method": "getHealth", "allow_empty": True}, "allow_empty not used by getHealth"),  # no set to be empty
    ({"method": "getBalance", "account": addr(1), "min_lamports": 1, "allow_empty": True}, "allow_empty not used"),
])
def test_params_reject(params, message):
    with pytest.raises(ValidationError) as info:
        Params.model_validate(params)
    assert message in str(info.value)


@pytest.mark.parametrize("params", [
    {"method": "getHealth", "expect_result": None},  # else a node answering `"result": null` would pass
    {"method": "getMultipleAccounts", "accounts_query": ACCOUNTS_QUERY, "compare": None},  # not silently eq
    {"method": "getBlockTime", "slot_from": None},  # else every item on the endpoint errs at run time
    {"method": "getBlockTime", "max_age_s": None},
    {"method": "getSignatureStatuses", "signatures_query": SIGS_QUERY, "commitment": None},
    {"method": "getBalance", "account_from_secret": "FEE", "min_lamports": 1, "service": None},
    {"method": "getHealth", "endpoint": None},
])
def test_a_blank_param_is_refused_not_read_as_its_default_or_as_none(params):
    blank = next(name for name, value in params.items() if value is None)
    with pytest.raises(ValidationError) as info:
        Params.model_validate(params)
    assert f"{blank}: blank (YAML reads an empty value or null as no value)" in str(info.value)


def test_a_blank_param_is_bad_input_at_load(tmp_path):
    (tmp_path / "lab.yaml").write_text(
        "system: lab\nrunbook: r.md\nitems:\n  - {id: N1, name: health, section: s, title: t, family: rpc,"
        " cadence: postdeploy, severity: normal, params: {method: getHealth, expect_result: null}}\n")
    with pytest.raises(ConfigError) as raised:
        load_checklists(tmp_path)
    assert raised.value.exit_code == 20
    assert "N1-health: params: expect_result: blank" in raised.value.message, raised.value.message


def test_needs_depend_on_params():
    assert rpc.needs(Params(method="getHealth")) == ("endpoint:solana_rpc",)
    assert rpc.needs(Params(method="getBlockTime", max_age_s=60)) == ("endpoint:solana_rpc", "database")
    assert rpc.needs(Params(method="getSignatureStatuses", signatures_query=SIGS_QUERY, endpoint="backup")) == (
        "endpoint:backup", "database")
    assert rpc.needs(Params(method="getBalance", account_from_secret="FEE", min_lamports=1)) == (
        "endpoint:solana_rpc", "env")


# -- keypairs -----------------------------------------------------------------------------
def test_public_key_of_base58_and_json_keypairs():
    raw, pubkey = keypair()
    assert public_key_of(base58.b58encode(raw).decode()) == (pubkey, None)
    assert public_key_of(json.dumps(list(raw))) == (pubkey, None)


@pytest.mark.parametrize("make, problem", [
    (lambda raw: base58.b58encode(raw[:32]).decode(), "32 bytes, not a 64-byte keypair"),
    (lambda raw: base58.b58encode(raw[:32] + bytes(32)).decode(), "public half does not belong"),
    (lambda raw: json.dumps([300] * 64), "not a JSON array of bytes"),
    (lambda raw: "0OIl-not-base58", "neither base58 nor a JSON byte array"),
    # nested past the JSON decoder's depth: RecursionError took the whole family's gather down with it
    (lambda raw: "[" * 3000 + "]" * 3000, "not a JSON array of bytes"),
])
def test_public_key_of_problems_never_quote_the_secret(make, problem):
    raw, _ = keypair()
    secret = make(raw)
    pubkey, why = public_key_of(secret)
    assert pubkey is None and problem in why and secret not in why


# -- judge: T5 ----------------------------------------------------------------------------
BLOCKHASH = {"context": {"slot": 2792, "apiVersion": "2.1.16"},
             "value": {"blockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N", "lastValidBlockHeight": 3090}}


@pytest.mark.parametrize("chain, status, seen", [
    (Chain("https://rpc.example", calls={"getHealth": ok("ok")}), Status.PASSED, 'result "ok"'),
    (Chain("https://rpc.example", calls={"getHealth": ok("behind")}), Status.FAILED, 'result "behind"'),
    (Chain("https://rpc.example", calls={"getHealth": err(-32005, "Node is behind by 42 slots",
                                                            {"numSlotsBehind": 42})}),
     Status.FAILED, "error -32005: Node is behind by 42 slots"),
    # no JSON-RPC answer at all: not checked
    (Chain("https://rpc.example", failure="connection refused"), Status.ERROR,
     "could not look: no answer from https://rpc.example: connection refused"),
])
def test_judge_health(chain, status, seen):
    outcome = rpc.judge(check(method="getHealth"), facts(chain))
    assert outcome.status is status and seen in outcome.observed
    if status is not Status.ERROR:
        assert outcome.expected == 'getHealth on https://rpc.example answers "ok"'


@pytest.mark.parametrize("answer, status, seen", [
    (ok(BLOCKHASH), Status.PASSED, "blockhash EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N at slot 2792"),
    (ok({**BLOCKHASH, "value": {"blockhash": "abc", "lastValidBlockHeight": 3090}}), Status.FAILED,
     'blockhash "abc" is not a base58 32-byte hash'),
    # base58 of 32 zero bytes: Hash::default(), what a node that has no block says (no block has it)
    (ok({**BLOCKHASH, "value": {"blockhash": "1" * 32, "lastValidBlockHeight": 3090}}), Status.FAILED,
     "blockhash 11111111111111111111111111111111 is 32 zero bytes (the default hash), which no block has"),
    (ok({"value": {"blockhash": BLOCKHASH["value"]["blockhash"]}}), Status.FAILED,
     "lastValidBlockHeight null is not an integer; context.slot null is not an integer"),
    (err(-32601, "Method not found"), Status.FAILED, "error -32601: Method not found"),
])
def test_judge_latest_blockhash(answer, status, seen):
    outcome = rpc.judge(check(method="getLatestBlockhash"),
                        facts(Chain("https://rpc.example", calls={"getLatestBlockhash": answer})))
    assert outcome.status is status and seen in outcome.observed


def block_time_chain(answer: Answer | None, slot: int | None = 2792) -> Chain:
    chain = Chain("https://rpc.example", calls={"getLatestBlockhash": ok(BLOCKHASH)})
    if slot is not None:
        chain.slots["getLatestBlockhash"] = slot
        chain.calls["getBlockTime:getLatestBlockhash"] = answer
    return chain


@pytest.mark.parametrize("answer, status, seen", [
    (ok(1795598644), Status.PASSED, "slot 2792 at 2026-11-25T"),
    (err(-32004, "Block not available for slot 2792"), Status.FAILED,
     "slot 2792: error -32004: Block not available for slot 2792"),
    (ok(None), Status.FAILED, "result null is not a block time"),
    # not the method's shape (an integer or null): no answer, as in any other result
    (ok(1.7955e9), Status.ERROR, "unexpected reply shape: 1795500000.0"),
    (ok(True), Status.ERROR, "unexpected reply shape: true"),
    (ok(float("nan")), Status.ERROR, "unexpected reply shape: NaN"),
    (ok("1795598644"), Status.ERROR, 'unexpected reply shape: "1795598644"'),
    (ok(10 ** 20), Status.FAILED, "result 100000000000000000000 is not a block time"),
    (ok(-1), Status.FAILED, "result -1 is not a block time"),
    # a lie that is an integer: no slot of a live chain was made in 1970 (nothing judged the date without max_age_s)
    (ok(0), Status.FAILED, "slot 2792: result 0 (1970-01-01T00:00:00+00:00) is before any Solana cluster's genesis"),
    (ok(1_514_764_799), Status.FAILED, "is before any Solana cluster's genesis"),
    (ok(1_514_764_800), Status.PASSED, "slot 2792 at 2018-01-01T"),
])
def test_judge_block_time(answer, status, seen):
    outcome = rpc.judge(check(method="getBlockTime"), facts(block_time_chain(answer)))
    assert outcome.status is status and seen in outcome.observed


def test_judge_block_time_without_a_slot_is_an_error():
    chain = Chain("https://rpc.example", calls={"getLatestBlockhash": err(-32601, "Method not found")})
    outcome = rpc.judge(check(method="getBlockTime"), facts(chain))
    assert outcome.status is Status.ERROR and "getLatestBlockhash failed (error -32601" in outcome.observed


@pytest.mark.parametrize("db_now, status, seen", [
    (1795598644 + 20, Status.PASSED, "20 s before the database's now()"),
    (1795598644 + 900, Status.FAILED, "is 900 s older than the database's now()"),
    (1795598644 - 900, Status.ERROR, "is 900 s ahead of the database's now()"),  # beyond the clock skew
    (GatherError("permission denied"), Status.ERROR, "could not read the database's now()"),
])
def test_judge_block_time_age_against_database_now(db_now, status, seen):
    now = db_now if isinstance(db_now, GatherError) else [{"now_epoch": float(db_now)}]
    outcome = rpc.judge(check(method="getBlockTime", max_age_s=300),
                        facts(block_time_chain(ok(1795598644)), now=now))
    assert outcome.status is status and seen in outcome.observed
    if status is not Status.ERROR:
        assert "within 300 s of the database's now()" in outcome.expected


def test_a_block_time_is_judged_against_the_database_now_when_its_node_answered():
    """now() is read once, before the nodes are asked one after another: a node that answered 40 s later (a slow
    one, or one asked after a slow one) named a slot 65 s old, not 25 s old. The run's clock only measures the
    time between the two answers (monotonic); the date is the database's."""
    chain = block_time_chain(ok(1795598644))
    chain.answered_at = 1040.0
    now = [{"now_epoch": float(1795598644 + 25)}]
    outcome = rpc.judge(check(method="getBlockTime", max_age_s=60), dataclasses.replace(
        facts(chain, now=now), db_now_at=1000.0))
    assert outcome.status is Status.FAILED, outcome.observed
    assert "is 65 s older than the database's now()" in outcome.observed, outcome.observed


# -- judge: T7 ----------------------------------------------------------------------------
FEE = "ESCROW_FEE_PAYER_SECRET_KEY"


def fee_check(**extra):
    return check(method="getBalance", account_from_secret=FEE, min_lamports=50_000_000, **extra)


def test_judge_fee_payer_unset_is_skipped_never_passed():
    key = {("app", FEE): Keypair(present=False, described={"present": False})}
    outcome = rpc.judge(fee_check(skip_if_unset=True), facts(keypairs=key))
    assert outcome.status is Status.SKIPPED and f"{FEE} is not set on app" in outcome.observed
    strict = rpc.judge(fee_check(), facts(keypairs=key))
    assert strict.status is Status.FAILED and strict.observed == f"{FEE} is not set on app"


@pytest.mark.parametrize("lamports, status, seen", [
    (ok(250_000_000), Status.PASSED, "250000000 lamports (0.25 SOL)"),
    (ok(50_000_000), Status.PASSED, "50000000 lamports (0.05 SOL)"),
    (ok(5_000), Status.FAILED, "holds 5000 lamports (0.000005 SOL)"),
    (ok(2 ** 64 - 1), Status.PASSED, "18446744073709551615 lamports (18446744073.709551615 SOL)"),  # exact
    # no account holds more than a u64 or less than nothing: the node's answer says nothing
    (ok(2 ** 64 + 5), Status.ERROR, "answered 18446744073709551621 lamports, not a u64"),
    (ok(-5), Status.ERROR, "answered -5 lamports, not a u64"),
    (err(-32602, "Invalid param: WrongSize"), Status.ERROR, "getBalance of"),
])
def test_judge_fee_payer_balance(lamports, status, seen):
    pubkey = addr(7)
    key = {("app", FEE): Keypair(True, {"present": True, "length": 88}, pubkey)}
    outcome = rpc.judge(fee_check(), facts(Chain("https://rpc.example", balances={pubkey: lamports}), keypairs=key))
    assert outcome.status is status and seen in outcome.observed
    if status is Status.FAILED:
        assert outcome.expected == f"the public key of {FEE} ({pubkey}) holds ≥ 50000000 lamports (0.05 SOL)"
    assert outcome.evidence[FEE] == {"present": True, "length": 88}


def test_judge_fee_payer_bad_keypair_and_unreachable_rpc():
    bad = {("app", FEE): Keypair(True, {"present": True}, None, "is a base58 value of 32 bytes, not a 64-byte keypair")}
    outcome = rpc.judge(fee_check(), facts(keypairs=bad))
    assert outcome.status is Status.FAILED and outcome.observed == f"{FEE} on app is a base58 value of 32 bytes, not a 64-byte keypair"
    good = {("app", FEE): Keypair(True, {"present": True}, addr(7))}
    down = rpc.judge(fee_check(), facts(Chain("https://rpc.example", failure="timed out"), keypairs=good))
    assert down.status is Status.ERROR and "timed out" in down.observed
    unreadable = rpc.judge(fee_check(), facts(keypairs={("app", FEE): GatherError("no such file")}))
    assert unreadable.status is Status.ERROR


def test_a_fee_payer_key_a_platform_export_withholds_is_no_key():
    """`vercel env pull` writes "[SENSITIVE]" for a Sensitive variable: read as the key, the item failed ("not a JSON
    array of bytes") a deployment whose real key is fine; what the key is cannot be told."""
    from types import SimpleNamespace

    target = SimpleNamespace(env_vars=lambda service: {FEE: "[SENSITIVE]"}, redactor=SimpleNamespace(add=lambda v: None))
    key = rpc._read_keypair(target, "app", FEE)
    outcome = rpc.judge(fee_check(), facts(keypairs={("app", FEE): key}))
    assert outcome.status is Status.ERROR and "the placeholder `vercel env pull` writes" in outcome.observed, outcome


def test_judge_literal_account():
    outcome = rpc.judge(check(method="getBalance", account=addr(3), min_lamports=10),
                        facts(Chain("https://rpc.example", balances={addr(3): ok(9)})))
    assert outcome.status is Status.FAILED and outcome.observed == f"{addr(3)} holds 9 lamports (0.000000009 SOL)"


# -- judge: T13 ---------------------------------------------------------------------------
FINAL = {"slot": 48, "confirmations": None, "err": None, "status": {"Ok": None}, "confirmationStatus": "finalized"}
CONFIRMED = {**FINAL, "confirmations": 10, "confirmationStatus": "confirmed"}
PROCESSED = {**FINAL, "confirmations": 0, "confirmationStatus": "processed"}
FAILED_TX = {**FINAL, "err": {"InstructionError": [0, {"Custom": 1}]}, "status": {"Err": {"InstructionError": [0, {"Custom": 1}]}}}


def signatures_outcome(statuses: dict[str, Answer], rows=None, commitment="confirmed", visibility=None,
                       **params):
    rows = [{"signature": s, "event": "admin_commitment_resolve_success"} for s in statuses] if rows is None else rows
    item = check(method="getSignatureStatuses", signatures_query=SIGS_QUERY, commitment=commitment, **params)
    return rpc.judge(item, facts(Chain("https://rpc.example", statuses=statuses), rows={item.key: rows},
                                 visibility=visibility))


def test_judge_signatures_all_confirmed():
    outcome = signatures_outcome({sig(1): ok(FINAL), sig(2): ok(CONFIRMED)})
    assert outcome.status is Status.PASSED and outcome.observed == "2 signatures, all confirmed or finalized"


def test_judge_signatures_lists_each_offender():
    outcome = signatures_outcome({sig(1): ok(FINAL), sig(2): ok(None), sig(3): ok(FAILED_TX), sig(4): ok(PROCESSED)})
    assert outcome.status is Status.FAILED
    assert outcome.observed.startswith("3 of 4 signatures not confirmed or finalized without error: ")
    assert f"{sig(2)} not found on chain" in outcome.observed
    assert f'{sig(3)} failed with {{"InstructionError": [0, {{"Custom": 1}}]}}' in outcome.observed
    assert f"{sig(4)} only processed" in outcome.observed
    assert outcome.evidence["offending"][0] == {"signature": sig(2), "problem": "not found on chain",
                                                "event": "admin_commitment_resolve_success"}


NO_ERR_FIELD = {k: v for k, v in FINAL.items() if k != "err"}


@pytest.mark.parametrize("status", [
    {**NO_ERR_FIELD, "status": FAILED_TX["status"]},  # no err, and the deprecated status says Err
    {**FINAL, "status": FAILED_TX["status"]},  # err null, and the deprecated status says Err
])
def test_judge_signatures_a_deprecated_status_err_is_a_failed_transaction(status):
    outcome = signatures_outcome({sig(1): ok(status)}, commitment="finalized")
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f'{sig(1)} failed with {{"InstructionError": [0, {{"Custom": 1}}]}}'), \
        outcome.observed


@pytest.mark.parametrize("status", [NO_ERR_FIELD, {}])
def test_judge_signatures_a_status_without_err_is_could_not_look(status):
    """Solana always sends err (null on success): an answer without it says nothing of the transaction."""
    outcome = signatures_outcome({sig(1): ok(status)})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith(f"getSignatureStatuses: the node's answer for {sig(1)} lacks err: "), \
        outcome.observed


@pytest.mark.parametrize("status", [{k: v for k, v in FINAL.items() if k != "confirmationStatus"},
                                    {**FINAL, "confirmationStatus": None}])
def test_judge_signatures_no_level_with_confirmations_null_is_finalized(status):
    """A node that writes no confirmationStatus: confirmations null is a rooted transaction, as Solana's client reads
    it (it had failed "only None")."""
    outcome = signatures_outcome({sig(1): ok(status)}, commitment="finalized")
    assert outcome.status is Status.PASSED, outcome.observed


def test_judge_signatures_finalized_commitment_and_long_lists():
    assert signatures_outcome({sig(1): ok(CONFIRMED)}, commitment="finalized").observed.endswith("only confirmed")
    many = signatures_outcome({sig(i): ok(None) for i in range(1, 9)})
    assert many.observed.endswith("; and 3 more") and len(many.evidence["offending"]) == 8


def test_judge_signatures_malformed_in_database_fails():
    outcome = signatures_outcome({}, rows=[{"signature": "not-a-signature"}])
    assert outcome.status is Status.FAILED and "not-a-signature is not a base58 64-byte signature" in outcome.observed


@pytest.mark.parametrize("statuses, rows, visibility, seen", [
    ({sig(1): err(-32602, "Invalid params")}, None, None, "getSignatureStatuses failed: error -32602"),
    ({}, [{"sig": sig(1)}], None, "signatures_query must return the columns signature"),
    ({}, QueryFailed('relation "public.audit_logs" does not exist', "42P01"), None,
     'could not look: signatures_query failed: relation "public.audit_logs" does not exist (SQLSTATE 42P01)'),
    ({}, GatherError("database 127.0.0.1:5432/app: stopped answering"), None, "stopped answering"),
    ({sig(1): ok(FINAL)}, None, [{"viewer": "app", "sees_all": False}], "row level security"),
    ({sig(1): ok(FINAL)}, None, GatherError("permission denied for table pg_roles"),
     "who the checker role is could not be read: permission denied"),
])
def test_judge_signatures_could_not_look(statuses, rows, visibility, seen):
    outcome = signatures_outcome(statuses, rows=rows, visibility=visibility)
    assert outcome.status is Status.ERROR and seen in outcome.observed


def test_a_failed_query_names_its_sqlstate_in_evidence():
    outcome = signatures_outcome({}, rows=QueryFailed('relation "x" does not exist', "42P01"))
    assert outcome.evidence == {"sqlstate": "42P01"}


def test_judge_signatures_none_to_check_is_an_error_unless_allowed_and_rpc_down():
    nothing = signatures_outcome({}, rows=[])
    assert nothing.status is Status.ERROR
    assert nothing.observed.startswith("no signatures found in the rows of signatures_query; nothing was checked")
    allowed = signatures_outcome({}, rows=[], allow_empty=True)
    assert allowed.status is Status.PASSED and allowed.observed == "0 signatures, all confirmed or finalized"
    item = check(method="getSignatureStatuses", signatures_query=SIGS_QUERY)
    down = rpc.judge(item, facts(Chain("https://rpc.example", failure="connection refused"),
                                 rows={item.key: [{"signature": sig(1)}]}))
    assert down.status is Status.ERROR and "connection refused" in down.observed


# -- judge: T14 ---------------------------------------------------------------------------
def accounts_outcome(balances: dict[str, Answer], rows, compare="ge", **params):
    item = check(method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY, compare=compare, **params)
    return rpc.judge(item, facts(Chain("https://rpc.example", accounts=balances), rows={item.key: rows}))


def row(n: int, expected: int) -> dict:
    return {"id": f"c{n}", "address": addr(n), "expected_lamports": expected}


@pytest.mark.parametrize("balances, rows, compare, status, seen", [
    ({addr(1): ok(2_000_890_880)}, [row(1, 2_000_000_000)], "ge", Status.PASSED, "1 account, all ≥ expected"),
    ({addr(1): ok(1_500_000_000)}, [row(1, 2_000_000_000)], "ge", Status.FAILED,
     f"1 of 1 account off: c1 {addr(1)}: holds 1500000000 lamports, expected ≥ 2000000000"),
    ({addr(1): ok(None)}, [row(1, 5)], "ge", Status.FAILED, f"c1 {addr(1)}: no such account, expected ≥ 5"),
    ({addr(1): ok(None)}, [row(1, 0)], "ge", Status.PASSED, "all ≥ expected"),
    ({addr(1): ok(7)}, [row(1, 5)], "eq", Status.FAILED, "holds 7 lamports, expected = 5"),
    ({}, [{"id": "c9", "address": "bad", "expected_lamports": 5}], "ge", Status.FAILED,
     "c9 bad: not a base58 32-byte address"),
    ({addr(1): err(-32602, "Too many inputs")}, [row(1, 5)], "ge", Status.ERROR, "getMultipleAccounts failed"),
    ({}, [{"id": "c1", "address": addr(1)}], "ge", Status.ERROR, "address, expected_lamports"),
    ({}, [], "ge", Status.ERROR, "no accounts found in the rows of accounts_query; nothing was checked"),
])
def test_judge_accounts(balances, rows, compare, status, seen):
    outcome = accounts_outcome(balances, rows, compare)
    assert outcome.status is status and seen in outcome.observed


@pytest.mark.parametrize("value", [[99_999_999_999], [{"owner": "x"}], [{"lamports": "9"}], [{"lamports": True}]])
def test_an_account_in_another_shape_is_no_balance(value):
    """A bare number, or an object without integer lamports, where getMultipleAccounts puts an account."""
    spread = rpc._spread(ok({"context": {"slot": 1}, "value": value}), [addr(1)], rpc._lamports)
    outcome = accounts_outcome(spread, [row(1, 5)])
    assert outcome.status is Status.ERROR and "getMultipleAccounts failed: an account in another shape" in outcome.observed


@pytest.mark.parametrize("expected", [decimal.Decimal("Infinity"), decimal.Decimal("NaN"), float("nan"), True])
def test_expected_lamports_that_are_no_number_are_named(expected):
    outcome = accounts_outcome({addr(1): ok(5)}, [{"id": "c1", "address": addr(1), "expected_lamports": expected}])
    assert outcome.status is Status.ERROR and "expected_lamports of c1" in outcome.observed
    assert outcome.observed.endswith("not a number")


@pytest.mark.parametrize("malformed, said", [
    (ok({**FINAL, "confirmationStatus": ["finalized"]}), 'has confirmationStatus ["finalized"], none of Solana\'s'),
    (ok({**FINAL, "confirmationStatus": "FINALIZED"}), 'has confirmationStatus "FINALIZED", none of Solana\'s'),
    (ok({**FINAL, "confirmationStatus": "rooted"}), 'has confirmationStatus "rooted"'),
    (ok({**CONFIRMED, "confirmationStatus": None}), "has confirmationStatus null"),  # with confirmations 10: which?
    (ok("finalized"), 'getSignatureStatuses: unexpected status "finalized"'),
    (ok(NO_ERR_FIELD), "lacks err"),
    (err(-32602, "Invalid params"), "getSignatureStatuses failed: error -32602"),
])
def test_a_failed_transaction_fails_beside_an_entry_the_node_answered_in_no_shape(malformed, said):
    """One entry the node answered in no shape of Solana's (a list for a confirmationStatus had raised TypeError in
    the judge) hid a transaction the same answer says failed: the item was an error, the run exit 10. It fails,
    naming the failed one, the other said beside it as not judged."""
    outcome = signatures_outcome({sig(1): ok(FAILED_TX), sig(2): malformed})
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"{sig(1)} failed with" in outcome.observed and said in outcome.observed, outcome.observed
    assert outcome.evidence["undecided"] and said in outcome.evidence["undecided"][0], outcome.evidence
    alone = signatures_outcome({sig(1): ok(FINAL), sig(2): malformed})
    assert alone.status is Status.ERROR and said in alone.observed, alone.observed


@pytest.mark.parametrize("rows, answers, said", [
    ([row(1, 100), row(2, 5)], {addr(1): ok(0), addr(2): Answer(error=rpc.RpcError(None, "an account in another"
                                                                                  " shape"))},
     "getMultipleAccounts failed: an account in another shape"),
    ([row(1, 100), {"id": "c2", "address": addr(2), "expected_lamports": "100"}], {addr(1): ok(0), addr(2): ok(5)},
     f'expected_lamports of c2 {addr(2)} is "100", not a number'),
    ([row(1, 100), row(2, -5)], {addr(1): ok(0), addr(2): ok(None)}, f"expected_lamports of c2 {addr(2)} is -5"),
])
def test_an_underfunded_account_fails_beside_a_row_or_answer_no_balance_compares_with(rows, answers, said):
    outcome = accounts_outcome(answers, rows)
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"c1 {addr(1)}: holds 0 lamports" in outcome.observed and said in outcome.observed, outcome.observed


@pytest.mark.parametrize("expected", [-5, -1, decimal.Decimal("-0.5")])
def test_a_negative_expected_lamports_is_no_expectation(expected):
    """A balance is a u64: `ge` of a negative passed any account, one that does not exist too."""
    outcome = accounts_outcome({addr(1): ok(None)}, [{"id": "c1", "address": addr(1), "expected_lamports": expected}])
    assert outcome.status is Status.ERROR and "no balance is below 0" in outcome.observed, outcome.observed


def test_judge_accounts_empty_allowed():
    outcome = accounts_outcome({}, [], allow_empty=True)
    assert outcome.status is Status.PASSED and outcome.observed == "0 accounts, all ≥ expected"


def test_judge_accounts_lists_first_mismatches_and_counts_the_rest():
    rows = [row(n, 10) for n in range(1, 9)]
    outcome = accounts_outcome({addr(n): ok(1) for n in range(1, 9)}, rows)
    assert outcome.observed.startswith("8 of 8 accounts off: ") and outcome.observed.endswith("; and 3 more")
    assert outcome.evidence["mismatches"][0] == {"id": "c1", "address": addr(1), "expected_lamports": 10, "lamports": 1}


# -- transport and gather over real HTTP ---------------------------------------------------
UNREAD_REPLY = {"jsonrpc": "2.0", "id": None, "error": {"code": -32603, "message": "Internal error"}}
UNREAD = "the node could not read the request: -32603 Internal error"
JUNK = [[{}]] * 40_000  # 200 KB of valid JSON, a Python call per object to parse: more than any few calls answer


class Node:
    """A scripted JSON-RPC server: records every request body; `mode` changes how it answers."""

    def __init__(self) -> None:
        self.mode = "batch"
        self.bodies: list = []
        self.statuses: dict[str, dict] = {sig(1): FINAL}
        self.results: dict[str, Any] = {}  # a method's result in place of the healthy one
        self.balances: dict[str, int] = {}  # an account's lamports in place of 99
        self.errors: dict[str, dict] = {}  # a method's JSON-RPC error in place of its result
        self.unread: set[str] = set()  # methods answered with an error under a null id (request not read)
        self.http_status = 200  # of every answer
        self.http_headers: dict[str, str] = {}
        self.echoed_id: Any = None  # the id mode "echoed-id" answers a single call with
        self.junk_keys: set[str] = set()  # URL keys whose healthy replies come with JUNK beside them
        self.encoded: Any = None  # (the reply's JSON text) -> (its bytes, content-type), in place of plain UTF-8

    def answer(self, item: dict) -> dict:
        method, params = item["method"], item.get("params", [])
        listed = params[0] if params and isinstance(params[0], list) else []  # getBlockTime's is a slot
        results = {
            "getHealth": "ok",
            "getLatestBlockhash": BLOCKHASH,
            "getSlot": 2800,
            "getBlockTime": 1795598644,
            "getBalance": {"context": {"slot": 1}, "value": self.balances.get(str(params[:1]), 99)},
            "getMultipleAccounts": {"context": {"slot": 1}, "value": [None for _ in listed]},
            "getSignatureStatuses": {"context": {"slot": 1},
                                     "value": [self.statuses.get(s) for s in listed]},
            **self.results,
        }
        if method in self.unread:  # JSON-RPC 2.0, 5.1: the server could not read the request's id
            return UNREAD_REPLY
        if method in self.errors:
            return {"jsonrpc": "2.0", "error": self.errors[method], "id": item["id"]}
        if method not in results:
            return {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": item["id"]}
        return {"jsonrpc": "2.0", "result": results[method], "id": item["id"]}

    def app(self) -> Starlette:
        async def endpoint(request: Request):
            body = await request.json()
            self.bodies.append(body)
            if self.mode == "html":
                return PlainTextResponse("<html>Unauthorized</html>", status_code=401)
            if request.path_params["key"] in self.junk_keys:  # healthy replies, and a valid JSON value to ignore
                if isinstance(body, list):
                    return JSONResponse([*(self.answer(i) for i in body), JUNK])
                return JSONResponse({**self.answer(body), "junk": JUNK})
            if self.encoded is not None:  # healthy replies, in other bytes than plain UTF-8
                document = [self.answer(i) for i in body] if isinstance(body, list) else self.answer(body)
                content, content_type = self.encoded(json.dumps(document))
                return Response(content, headers={"content-type": content_type})
            if self.mode == "slow":
                await asyncio.sleep(2)
            if self.mode == "empty" and isinstance(body, list):  # a batch answered with no reply at all
                return JSONResponse([])
            if self.mode == "huge":
                return JSONResponse({"jsonrpc": "2.0", "id": 0, "result": "x" * (2 * 2 ** 20)})
            if self.mode == "other-id":  # answers that name another call: `true` is not 1, 7 is not 0
                other = [{**self.answer(i), "id": True if i["id"] == 1 else 7} for i in
                         (body if isinstance(body, list) else [body])]
                return JSONResponse(other if isinstance(body, list) else other[0])
            if self.mode == "unversioned" and isinstance(body, list):  # getHealth's reply is not JSON-RPC 2.0
                return JSONResponse([{k: v for k, v in self.answer(i).items() if k != "jsonrpc" or
                                      i["method"] != "getHealth"} for i in body])
            if self.mode == "shifted" and isinstance(body, list):  # every id one off: 0, 1 answered as 1, 2
                return JSONResponse([{**self.answer(i), "id": i["id"] + 1} for i in body])
            if self.mode == "shifted-dropped" and isinstance(body, list):  # 0, 1 answered as 1; 2 is left out
                return JSONResponse([{**self.answer(i), "id": i["id"] + 1} for i in body][:-1])
            if self.mode == "idless" and isinstance(body, list):  # the first call's reply carries no id
                replies = [self.answer(i) for i in body]
                return JSONResponse([{k: v for k, v in replies[0].items() if k != "id"}, *replies[1:]])
            if self.mode == "unread-twice" and isinstance(body, list):  # two null-id errors for one call left out
                return JSONResponse([self.answer(i) for i in body[1:]] + [UNREAD_REPLY, UNREAD_REPLY])
            if self.mode == "unread-short" and isinstance(body, list):  # one null-id error for two calls left out
                return JSONResponse([UNREAD_REPLY] + [self.answer(i) for i in body[2:]])
            if self.mode == "echoed-id" and isinstance(body, dict):  # a single call answered under another id
                return JSONResponse({**self.answer(body), "id": self.echoed_id})
            if self.mode == "error-other-id":  # an error naming another request, not a null id
                return JSONResponse({"jsonrpc": "2.0", "id": 4242, "error": {"code": -32005, "message": "Node is behind"}})
            if self.mode == "refused":  # a provider's refusal dressed as JSON-RPC, under http_status
                return JSONResponse({"jsonrpc": "2.0", "id": None, "error": {"code": 429, "message": "Too many requests"}},
                                    status_code=self.http_status, headers=self.http_headers)
            if self.mode == "twice" and isinstance(body, list):  # every call answered twice, the copies differ
                return JSONResponse([{**self.answer(i), "result": n} for i in body for n in ("first", "second")])
            if isinstance(body, list):
                if self.mode == "no-batch":
                    return JSONResponse({"jsonrpc": "2.0", "error": {"code": -32600, "message": "batch not allowed"},
                                         "id": None}, status_code=400)
                return JSONResponse([self.answer(i) for i in reversed(body)],  # any order: matched by id
                                    status_code=self.http_status, headers=self.http_headers)
            return JSONResponse(self.answer(body), status_code=self.http_status, headers=self.http_headers)

        return Starlette(routes=[Route("/{key}", endpoint, methods=["POST"])])


@pytest.fixture(scope="module")
def node_url():
    node = Node()
    host = WebHost()
    base = host.add("test/rpc", node.app())
    host.start()
    try:
        yield node, f"{base}/key-{secrets.token_hex(8)}"
    finally:
        host.stop()


@pytest.fixture
def node(node_url):
    node, url = node_url
    node.mode, node.bodies[:] = "batch", []
    node.results.clear()
    node.balances.clear()
    node.errors.clear()
    node.unread.clear()
    node.http_status, node.http_headers = 200, {}
    node.echoed_id = None
    node.junk_keys.clear()
    node.encoded = None
    return node, url


def test_call_batch_matches_replies_by_id(node):
    server, url = node
    exchange = call_batch(url, [Call("getHealth"), Call("getSlot"), Call("getVersion")], timeout_s=2, connect_s=1)
    assert [a.result for a in exchange.answers[:2]] == ["ok", 2800]
    assert exchange.answers[2].error == RpcError(-32601, "Method not found")
    assert len(server.bodies) == 1 and isinstance(server.bodies[0], list)


def test_call_batch_falls_back_to_single_calls_when_batches_are_refused(node):
    server, url = node
    server.mode = "no-batch"
    exchange = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert [a.result for a in exchange.answers] == ["ok", 2800] and len(server.bodies) == 3


@pytest.mark.parametrize("mode, failure", [("html", "HTTP 401: the provider refused to answer: '<html>Unauthorized</html>'"),
                                           ("slow", "no complete answer within 0.5 s")])
def test_call_batch_failures(node, mode, failure):
    server, url = node
    server.mode = mode
    exchange = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=0.5, connect_s=0.5)
    assert exchange.answers == [] and failure in exchange.failure


def test_a_reply_naming_another_call_answers_none(node):
    """A single call answered with another id, or a batch whose ids are not the ones sent (JSON `true` is not 1):
    no answer for that call, never another call's result taken for it."""
    server, url = node
    server.mode = "other-id"
    single = call_batch(url, [Call("getHealth")], timeout_s=2, connect_s=1)
    assert single.answers[0].result is None and "reply to another call (id 7, asked 0)" in str(single.answers[0].error)
    batch = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert [a.result for a in batch.answers] == [None, None]
    assert all(UNASKED in str(a.error) for a in batch.answers), batch.answers


UNASKED = "was never asked: its replies are numbered otherwise than the calls, so none is taken"


def test_a_batch_naming_an_id_never_asked_answers_no_call(node):
    """Calls 0, 1 answered as 1, 2: the reply named 1 is call 0's. A reply to an id never asked says the node
    numbers its replies otherwise than the calls: no reply is matched to a call, so the poor account never
    passes with the rich one's balance."""
    for outcome in _rich_and_poor(node, "shifted"):
        assert outcome.status is Status.ERROR, outcome
        assert f"the batch's reply id 2 (asked 0 … 1) {UNASKED}" in outcome.observed, outcome.observed


def _rich_and_poor(node, mode: str) -> list:
    """A rich account's and a poor one's getBalance items, each needing 1 SOL, asked of the node in `mode`."""
    server, url = node
    server.mode = mode
    rich, poor = addr(5), addr(6)
    server.balances.update({str([rich]): 10 ** 10, str([poor]): 5})
    items = [check("rich", method="getBalance", account=rich, min_lamports=10 ** 9),
             check("poor", method="getBalance", account=poor, min_lamports=10 ** 9)]
    got = rpc.gather(FakeTarget(url, {}), items)
    return [rpc.judge(item, got) for item in items]


def test_a_single_error_naming_another_id_is_no_answer(node):
    """Only an error with a null id (the node could not read the request's) stands without the request's id."""
    server, url = node
    server.mode = "error-other-id"
    single = call_batch(url, [Call("getHealth")], timeout_s=2, connect_s=1)
    assert single.answers == [Answer(error=RpcError(None, "reply to another call (id 4242, asked 0)"))]
    health = check("a", method="getHealth")
    outcome = rpc.judge(health, rpc.gather(FakeTarget(url, {}), [health]))
    assert outcome.status is Status.ERROR and "reply to another call (id 4242, asked 0)" in outcome.observed


def test_an_error_with_a_null_id_is_no_answer_in_a_batch_as_alone(node):
    """A null id says the node could not read the request (JSON-RPC 2.0, 5.1): a word on our request, not on the
    node's health — getHealth in the batch and getBlockTime asked alone are both unchecked, the others count."""
    server, url = node
    server.unread.update({"getHealth", "getBlockTime"})
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    health, blockhash, block_time, balance = (rpc.judge(c, got) for c in SINGLE_CALLS)
    assert isinstance(server.bodies[0], list) and isinstance(server.bodies[1], dict)  # getBlockTime went alone
    for outcome in (health, block_time):
        assert outcome.status is Status.ERROR and outcome.observed.endswith(UNREAD), outcome
    assert blockhash.status is Status.PASSED and balance.status is Status.PASSED
    alone = check("a", method="getHealth")
    outcome = rpc.judge(alone, rpc.gather(FakeTarget(url, {}), [alone]))
    assert outcome.status is Status.ERROR and outcome.observed.endswith(UNREAD), outcome


@pytest.mark.parametrize("mode, missing", [("shifted-dropped", "0"), ("idless", "0"), ("empty", "0, 1")])
def test_a_batch_leaving_out_an_asked_id_answers_no_call(node, mode, missing):
    """A server answers every call of a batch: a call left without a reply (and no null-id error standing for it)
    says the replies are numbered otherwise than the calls — 0, 1 answered as 1 alone would pass the poor account
    on the rich one's balance."""
    for outcome in _rich_and_poor(node, mode):
        assert outcome.status is Status.ERROR, outcome
        assert f"the batch holds no reply to id {missing} (asked 0 … 1) {UNALIGNED}" in outcome.observed, outcome


UNALIGNED = "and no error without an id stands for it: its replies may be numbered otherwise than the calls, so none is taken"


@pytest.mark.parametrize("mode, why", [
    ("unread-twice", "the batch holds 2 errors without an id for 1 call without a reply (id 0, asked 0 … 2)"),
    ("unread-short", "the batch holds no reply to id 0, 1 (asked 0 … 2) and only 1 error without an id stands for"
                     " them"),
])
def test_null_id_errors_that_do_not_count_the_calls_left_out_answer_no_call(node, mode, why):
    """Each null-id error stands for one call left out; any other count and the replies cannot be matched."""
    server, url = node
    server.mode = mode
    batch = call_batch(url, [Call("getHealth"), Call("getSlot"), Call("getVersion")], timeout_s=2, connect_s=1)
    assert [str(a.error) for a in batch.answers] == [
        f"{why}: its replies may be numbered otherwise than the calls, so none is taken"] * 3


@pytest.mark.parametrize("code", [429, -32429])
def test_a_rate_limit_in_json_rpc_dress_under_200_is_could_not_look_for_every_method(node, code):
    """QuickNode and Alchemy say 429, Helius -32429, in a JSON-RPC error under HTTP 200: the provider's gate spoke,
    not the node — as HTTP 429, no item fails on it (getHealth and getLatestBlockhash as getBalance)."""
    server, url = node
    for method in ("getHealth", "getLatestBlockhash", "getBalance"):
        server.errors[method] = {"code": code, "message": "Too many requests"}
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    for item in SINGLE_CALLS:
        outcome = rpc.judge(item, got)
        assert outcome.status is Status.ERROR, outcome
        assert f"the provider limited the rate: error {code}: Too many requests" in outcome.observed, outcome


def test_a_rate_limit_with_a_null_id_is_no_answer(node):
    server, url = node
    server.mode = "refused"  # HTTP 200: a JSON-RPC error 429, id null, to the batch and to each call alone
    single = call_batch(url, [Call("getHealth")], timeout_s=2, connect_s=1)
    assert single.failure == "" and single.answers == [
        Answer(error=RpcError(None, "the provider limited the rate: error 429: Too many requests"))]
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    for item in SINGLE_CALLS:
        outcome = rpc.judge(item, got)
        assert outcome.status is Status.ERROR and "the provider limited the rate: error 429" in outcome.observed, outcome


def test_a_call_answered_twice_in_a_batch_has_no_answer(node):
    """Two replies with one id: which is the node's word is unknown — never the last one by luck."""
    server, url = node
    server.mode = "twice"
    batch = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert [a.result for a in batch.answers] == [None, None]
    assert [str(a.error) for a in batch.answers] == ["2 replies to this call in the batch"] * 2


def test_a_batch_reply_without_jsonrpc_2_0_answers_none_of_its_call(node):
    """`{"id": 0, "result": "ok"}` is an error for a single call; inside a batch it is no answer either — for its
    own call only: the honest replies beside it still count."""
    server, url = node
    server.mode = "unversioned"
    batch = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert batch.failure == "" and batch.answers[1] == Answer(result=2800)
    assert batch.answers[0] == Answer(error=RpcError(None, 'reply is not JSON-RPC 2.0 (no "jsonrpc": "2.0")'))
    health, blockhash = check("a", method="getHealth"), check("b", method="getLatestBlockhash")
    got = rpc.gather(FakeTarget(url, {}), [health, blockhash])
    outcome = rpc.judge(health, got)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith('no answer to getHealth from {0}: reply is not JSON-RPC 2.0 (no "jsonrpc":'
                                     ' "2.0")'.format(url.rsplit("/", 1)[0]))
    assert rpc.judge(blockhash, got).status is Status.PASSED


def test_a_reply_longer_than_the_limit_is_not_read(node):
    server, url = node
    server.mode = "huge"  # 2 MiB answering getHealth
    exchange = call_batch(url, [Call("getHealth")], timeout_s=2, connect_s=1)
    assert exchange.answers == [] and exchange.failure == (
        "HTTP 200: a reply larger than 64 KiB, more than 1 call can answer: not read further")


def _fine_and_junk(node) -> tuple[FakeTarget, list[Check]]:
    """getHealth and getLatestBlockhash asked of a healthy endpoint and of one whose replies carry JUNK beside the
    healthy ones."""
    server, url = node
    server.junk_keys.add("junk")
    urls = {"fine": url, "junk": url.rsplit("/", 1)[0] + "/junk"}
    target = FakeTarget(url, {})
    target.endpoint = urls.__getitem__
    return target, [check(f"{name}-{method}", method=method, endpoint=name) for name in urls
                    for method in ("getHealth", "getLatestBlockhash")]


def test_a_reply_larger_than_its_calls_can_answer_is_refused_before_parsing(node, monkeypatch):
    """200 KB of valid JSON beside two healthy replies (16 MiB of it held one exchange 8-13 s past its 4 s deadline:
    asyncio cannot interrupt the parse, and the job's bound then dropped every endpoint's items). Two calls answer in
    far less than 64 KiB: the reply is refused before it is parsed, an ERROR for its endpoint only."""
    target, items = _fine_and_junk(node)
    parsed: list[str] = []
    real = jsonrpc.strict_json
    monkeypatch.setattr(jsonrpc, "strict_json", lambda text: parsed.append(text) or real(text))
    got = rpc.gather(target, items)
    fine, fine_blockhash, junk, junk_blockhash = (rpc.judge(c, got) for c in items)
    assert fine.status is Status.PASSED and fine_blockhash.status is Status.PASSED
    for outcome in (junk, junk_blockhash):
        assert outcome.status is Status.ERROR, outcome
        assert outcome.observed.endswith(
            "HTTP 200: a reply larger than 64 KiB, more than 2 calls can answer: not read further"), outcome.observed
    assert parsed and max(map(len, parsed)) < 64 * 1024  # the junk reached no parser


def test_the_reply_limit_fits_the_largest_answers_the_methods_give():
    """What the family asks: a scalar or small object per call, 256 signature statuses, 100 accounts without their
    data. Their largest honest replies (every status failed, with err and the deprecated status.Err; every account
    with the longest numbers) fit the limit the calls are given; 4 scalar calls are allowed 64 KiB."""
    status = {"slot": 2 ** 63, "confirmations": None, "err": {"InstructionError": [255, {"Custom": 2 ** 32 - 1}]},
              "status": {"Err": {"InstructionError": [255, {"Custom": 2 ** 32 - 1}]}}, "confirmationStatus": "finalized"}
    account = {"data": ["", "base64"], "executable": False, "lamports": 2 ** 64 - 1, "owner": addr(2 ** 255),
               "rentEpoch": 2 ** 64 - 1, "space": 2 ** 64 - 1}
    for method, value, count in (("getSignatureStatuses", status, 256), ("getMultipleAccounts", account, 100)):
        call = Call(method, [[sig(1)] * count, {}])
        reply = {"jsonrpc": "2.0", "id": 0, "result": {"context": {"slot": 2 ** 63, "apiVersion": "2.1.16"},
                                                        "value": [value] * count}}
        assert len(json.dumps(reply)) < jsonrpc.answer_limit([call]), method
    scalars = [Call("getHealth"), Call("getSlot"), Call("getLatestBlockhash"), Call("getBalance", [addr(1)])]
    assert jsonrpc.answer_limit(scalars) == 64 * 1024


def test_a_parse_that_outlasts_the_deadline_ends_the_exchange(node, monkeypatch):
    """A parse cannot be interrupted by asyncio's deadline where it runs on the loop: one that never ends on its own
    (here, until released) still leaves the exchange at its deadline, with no answer."""
    _, url = node
    released = threading.Event()

    def endless(text: str):
        released.wait(5)
        return json.loads(text)

    monkeypatch.setattr(jsonrpc, "strict_json", endless)
    try:
        exchange = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=0.5, connect_s=0.5)
    finally:
        released.set()
    assert exchange.answers == [] and exchange.failure == (
        "no complete answer within 0.5 s (the request's total deadline)"), exchange


@pytest.mark.parametrize("error", [{}, {"message": ""}, {"code": "-32005"}])
def test_an_error_object_with_no_code_or_message_says_so(node, error):
    """`{"error": {}}` read "no answer to getHealth …: " and "getSlot failed ()", blank where the reason goes."""
    server, url = node
    server.errors.update(getHealth=error, getSlot=error)
    items = [check("a", method="getHealth"), check("c", method="getBlockTime", slot_from="getSlot")]
    got = rpc.gather(FakeTarget(url, {}), items)
    health, block_time = (rpc.judge(c, got) for c in items)
    said = f"an error object with no code or message: {json.dumps(error)}"
    assert health.status is Status.ERROR and health.observed.endswith(f"no answer to getHealth from {url.rsplit('/', 1)[0]}: {said}"), health
    assert block_time.status is Status.ERROR and block_time.observed == (
        f"no slot to ask getBlockTime about: getSlot failed ({said})"), block_time


def test_an_error_with_a_code_and_no_message_says_so(node):
    server, url = node
    server.errors["getHealth"] = {"code": -32005}
    health = check("a", method="getHealth")
    outcome = rpc.judge(health, rpc.gather(FakeTarget(url, {}), [health]))
    assert outcome.status is Status.FAILED and outcome.observed == "error -32005 (no message)", outcome


def test_a_connection_reset_before_the_reply_is_named():
    """httpx's ReadError carries no words of its own: the failure read "ReadError: " with nothing after it."""
    from .kit import reset_after_the_request, serving

    with serving(reset_after_the_request) as port:
        exchange = call_batch(f"http://127.0.0.1:{port}/key", [Call("getHealth")], timeout_s=2, connect_s=1)
    assert exchange.answers == [] and exchange.failure in (  # as the http family says it (an RST is seen as one)
        "connection reset before the reply", "connection reset or closed before the reply"), exchange


@pytest.mark.parametrize("encoded", [
    lambda text: (codecs.BOM_UTF8 + text.encode(), "application/json"),  # RFC 8259 lets a reader ignore the mark
    lambda text: (text.encode(), "application/json; charset=utf-16"),  # a header that lies: the body is UTF-8
    lambda text: (text.encode("utf-16"), "application/json"),  # UTF-16 with its mark
], ids=["utf-8-bom", "utf-8-under-utf-16-header", "utf-16-bom"])
def test_a_reply_the_http_family_reads_is_read_here_too(node, encoded):
    """The http family reads these bodies as JSON; here they were "HTTP 200 without a JSON-RPC reply"."""
    server, url = node
    server.encoded = encoded
    exchange = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert exchange.failure == "" and [a.result for a in exchange.answers] == ["ok", 2800], exchange
    single = call_batch(url, [Call("getHealth")], timeout_s=2, connect_s=1)
    assert single.failure == "" and single.answers == [Answer(result="ok")], single


def test_call_batch_refuses_writing_methods(node):
    _, url = node
    with pytest.raises(Refused):
        call_batch(url, [Call("sendTransaction", ["..."])], timeout_s=1, connect_s=1)


class FakeTarget:
    def __init__(self, url: str, rows: dict, env: dict | None = None):
        self.redactor = Redactor()
        self.timeouts = TimeoutsModel(http_s=2, connect_s=1)
        self._url, self._rows, self._env = url, rows, env or {}
        self.database = self

    def endpoint(self, name: str) -> str:
        return self._url

    def query_many(self, statements):
        return [self._rows.get(s, SEES_ALL if s == VISIBILITY else []) for s in statements]

    def env_vars(self, service: str) -> dict:
        return self._env


def test_gather_one_batch_then_block_time_and_chunks(node):
    server, url = node
    rows = {SIGS_QUERY: [{"signature": sig(n)} for n in range(1, 301)] + [{"signature": "junk"}],
            ACCOUNTS_QUERY: [{"id": n, "address": addr(n), "expected_lamports": 0} for n in range(1, 151)]}
    raw, pubkey = keypair()
    target = FakeTarget(url, rows, {FEE: base58.b58encode(raw).decode()})
    checks = [check("a", method="getHealth"), check("b", method="getBlockTime"),
              check("c", method="getBlockTime", slot_from="getSlot"),
              check("d", method="getSignatureStatuses", signatures_query=SIGS_QUERY),
              check("e", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY),
              check("f", method="getBalance", account_from_secret=FEE, min_lamports=1)]
    got = rpc.gather(target, checks)
    first, second = server.bodies
    assert sorted(c["method"] for c in first) == sorted(
        ["getHealth", "getLatestBlockhash", "getSlot", "getBalance", "getSignatureStatuses", "getSignatureStatuses",
         "getMultipleAccounts", "getMultipleAccounts"])
    assert [len(c["params"][0]) for c in first if c["method"] == "getSignatureStatuses"] == [256, 44]
    assert all(c["params"][1] == {"searchTransactionHistory": True} for c in first if c["method"] == "getSignatureStatuses")
    assert [c["params"] for c in second] == [[2792], [2800]]
    outcomes = {c.params.method + (c.params.slot_from or ""): rpc.judge(c, got) for c in checks}
    assert outcomes["getBlockTimegetSlot"].evidence["slot"] == 2800
    assert outcomes["getBalance"].evidence["account"] == pubkey and outcomes["getBalance"].status is Status.PASSED
    signatures = outcomes["getSignatureStatuses"]
    assert signatures.status is Status.FAILED and signatures.observed.startswith("300 of 301 signatures")
    assert outcomes["getMultipleAccounts"].status is Status.PASSED  # absent accounts hold 0 ≥ 0
    # the API key in the URL path is redacted; evidence shows scheme and host only
    key = url.rsplit("/", 1)[1]
    assert key not in target.redactor.text(url) and outcomes["getHealth"].evidence["endpoint"] == url.rsplit("/", 1)[0]


@pytest.mark.parametrize("path, hidden", [
    ("/solana/mainnet-beta", []),  # words and slugs: no key, and an item named mainnet-beta stays readable
    ("/v2/qwertyuiopasdfghjklz", ["qwertyuiopasdfghjklz"]),  # a key of lower-case letters alone
    ("/solana/01234567890123456789", ["01234567890123456789"]),  # of digits alone, long (a short number: an id)
    # a slug of words 16 or more long is no key either: an item named after it (R-solana-mainnet-beta) stays readable
    ("/solana-mainnet-beta", []),
    ("/eth_mainnet_archive", []),
    ("/Solana-Mainnet.Beta", []),
    ("/v2/abc123XYZdef456GHIjkl", ["abc123XYZdef456GHIjkl"]),  # a key stays one, broken or not
    ("/rpc/0123456789-0123456789", ["0123456789-0123456789"]),
    ("/rpc/qwertyuiopasdfghjklz-mainnet", ["qwertyuiopasdfghjklz-mainnet"]),  # 16 letters without a break: no word
    ("/rpc?api-key=opsverify-canary", ["opsverify-canary"]),
])
def test_an_endpoint_url_is_hidden_when_it_carries_a_key(path, hidden):
    target = FakeTarget("http://127.0.0.1:9" + path, {})
    rpc._register_url(target.redactor, target.endpoint("solana_rpc"))
    shown = target.redactor.text(f"mainnet-beta-health: {target.endpoint('solana_rpc')}")
    assert shown.startswith("mainnet-beta-health: "), shown
    if not hidden:
        named = f"R{path.replace('/', '-')}"
        assert target.redactor.text(f"checklists/shop.yaml::{named}") == f"checklists/shop.yaml::{named}"
    for key in hidden:
        assert key not in shown, shown
    if not hidden:
        assert shown.endswith(path), shown


def test_endpoints_are_asked_together_so_a_slow_one_delays_no_other():
    """Node A answers only once node B has been asked: asked one after the other, A would wait out its deadline and
    end as an error; asked together, both answer. (No timing is judged: A waits on B's request, not a clock.)"""
    from .kit import serving

    b_asked = threading.Event()

    def node(conn, stopping, *, first: bool) -> None:
        with conn.makefile("rb") as reader:
            length = 0
            while (line := reader.readline().strip()):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = json.loads(reader.read(length))
            if first:
                b_asked.wait(30)
            else:
                b_asked.set()
            reply = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": "ok"}).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                         b"connection: close\r\n\r\n%s" % (len(reply), reply))

    with serving(lambda c, s: node(c, s, first=True)) as a, serving(lambda c, s: node(c, s, first=False)) as b:
        urls = {"node_a": f"http://127.0.0.1:{a}/", "node_b": f"http://127.0.0.1:{b}/"}
        target = FakeTarget("", {})
        target.timeouts = TimeoutsModel(http_s=5, connect_s=2)
        target.endpoint = urls.__getitem__
        checks = [check("a", method="getHealth", endpoint="node_a"), check("b", method="getHealth", endpoint="node_b")]
        facts = rpc.gather(target, checks)
    assert [rpc.judge(c, facts).status for c in checks] == [Status.PASSED, Status.PASSED], \
        [rpc.judge(c, facts).observed for c in checks]


def test_a_piece_the_checklist_names_an_item_by_is_no_key():
    """`/solana/node7beta` reads as a key (letters and a digit), but the item node7beta spells it: hiding it hid that
    item's id in the archive's ids, keys and messages."""
    redactor = Redactor()
    rpc._register_url(redactor, "http://127.0.0.1:9/solana/node7beta", frozenset({"node7beta", "health"}))
    assert redactor.text("node7beta-health: ok") == "node7beta-health: ok"
    rpc._register_url(redactor, "http://127.0.0.1:9/solana/node8beta", frozenset({"node7beta", "health"}))
    assert "node8beta" not in redactor.text("node8beta-health: ok")  # a piece no item spells stays a key


SINGLE_CALLS = [check("a", method="getHealth"), check("b", method="getLatestBlockhash"),
                check("c", method="getBlockTime"), check("d", method="getBalance", account=addr(4), min_lamports=5)]


@pytest.mark.parametrize("mode, seen", [("empty", UNALIGNED), ("other-id", UNASKED), ("shifted", UNASKED),
                                        ("shifted-dropped", UNALIGNED)])
def test_no_reply_to_a_call_is_could_not_look_for_every_method(node, mode, seen):
    """A batch answered with `[]`, or with replies naming other calls: nothing was checked, whatever the method."""
    server, url = node
    server.mode = mode
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    for item in SINGLE_CALLS:
        outcome = rpc.judge(item, got)
        assert outcome.status is Status.ERROR and seen in outcome.observed, outcome


@pytest.mark.parametrize("status, headers, seen", [
    (429, {"retry-after": "7"}, "HTTP 429: the provider refused to answer (Retry-After 7): Too many requests"),
    (429, {}, "HTTP 429: the provider refused to answer: Too many requests"),
    (401, {}, "HTTP 401: the provider refused to answer: Too many requests"),
    (403, {}, "HTTP 403: the provider refused to answer: Too many requests"),
])
def test_a_refusal_in_json_rpc_dress_is_could_not_look_for_every_method(node, status, headers, seen):
    """A rate limit or a bad key, even with a JSON-RPC error body: the node was not asked about its health, so no
    item fails on it (getHealth and getLatestBlockhash as getBalance)."""
    server, url = node
    server.mode, server.http_status, server.http_headers = "refused", status, headers
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    for item in SINGLE_CALLS:
        outcome = rpc.judge(item, got)
        assert outcome.status is Status.ERROR and outcome.observed.endswith(seen), outcome


@pytest.mark.parametrize("status, location, seen", [
    (503, None, "HTTP 503 with a JSON-RPC result: the HTTP layer says the call did not succeed"),
    (307, "/elsewhere", "HTTP 307: a redirect, not followed (an endpoint's URL must be the node's own)"),
    # a Location httpx cannot make a URL of (a scheme without `//`): still the redirect it is, not an internal error
    (307, "mailto:ops@example.com", "HTTP 307: a redirect, not followed (an endpoint's URL must be the node's own)"),
    (302, "urn:x", "HTTP 302: a redirect, not followed (an endpoint's URL must be the node's own)"),
])
def test_a_result_under_a_failing_or_redirecting_status_is_could_not_look(node, status, location, seen):
    server, url = node
    where = url + location if location and location.startswith("/") else location
    server.http_status, server.http_headers = status, {"location": where} if location else {}
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    for item in SINGLE_CALLS:
        outcome = rpc.judge(item, got)
        assert outcome.status is Status.ERROR and outcome.observed.endswith(seen), outcome
    assert len(server.bodies) == 1  # the redirect was not followed, nor the batch asked again one by one


def test_an_unexpected_exception_from_the_http_client_fails_its_exchange_not_the_run(node, monkeypatch):
    """Whatever the HTTP client raises that no branch expects is the exchange's failure, named by its type, as the
    http family's request: never an internal error that takes the target's every item with it."""
    class Unforeseen(Exception):
        pass

    async def send(client, request, **kwargs):
        raise Unforeseen("a surprise")

    server, url = node
    monkeypatch.setattr(httpx.AsyncClient, "send", send)
    exchange = call_batch(url, [Call("getHealth"), Call("getSlot")], timeout_s=2, connect_s=1)
    assert (exchange.answers, exchange.failure) == ([], "the HTTP client failed: Unforeseen: a surprise"), exchange


@pytest.mark.parametrize("status", [200, 503])
def test_a_nodes_own_json_rpc_error_fails_its_item_under_200_or_5xx(node, status):
    server, url = node
    server.http_status = status
    server.errors["getHealth"] = {"code": -32005, "message": "Node is behind by 500 slots"}
    health = check("a", method="getHealth")
    outcome = rpc.judge(health, rpc.gather(FakeTarget(url, {}), [health]))
    assert outcome.status is Status.FAILED and outcome.observed == "error -32005: Node is behind by 500 slots"


def test_a_reply_with_both_result_and_error_is_no_answer():
    """JSON-RPC 2.0 allows one of the two: the error had won, failing a node on a reply that is not one."""
    from opsverify.transports.jsonrpc import _answer

    both = _answer({"jsonrpc": "2.0", "id": 0, "result": "ok", "error": {"code": -32005, "message": "behind"}})
    assert both.result is None and both.error.code is None and "both result and error" in str(both.error)
    chain = Chain("https://rpc.example", calls={"getHealth": both})
    outcome = rpc.judge(check(method="getHealth"), facts(chain))
    assert outcome.status is Status.ERROR and "both result and error" in outcome.observed, outcome



@pytest.mark.parametrize("reply, result, code", [
    ({"result": "ok", "error": None}, "ok", None),
    ({"result": None, "error": {"code": -32005, "message": "Node is behind by 150 slots"}}, None, -32005),
], ids=["null-error", "null-result"])
def test_a_member_written_null_beside_the_other_is_absent_whichever_it_is(reply, result, code):
    """One rule for both: a null error beside a result had been absent, a null result beside an error had made the
    node's own -32005 "no answer" (an unhealthy node read as could-not-check)."""
    from opsverify.transports.jsonrpc import _answer

    answer = _answer({"jsonrpc": "2.0", "id": 0, **reply})
    assert answer.result == result and (answer.error.code if answer.error else None) == code, answer


@pytest.mark.parametrize("answer", [err(None, "reply has neither result nor error"),
                                    err(None, "2 replies to this call in the batch")])
def test_a_call_without_its_answer_is_could_not_look(answer):
    chain = Chain("https://rpc.example", calls={"getHealth": answer, "getLatestBlockhash": answer})
    for method in ("getHealth", "getLatestBlockhash", "getBlockTime"):
        outcome = rpc.judge(check(method=method), facts(chain))
        assert outcome.status is Status.ERROR and str(answer.error) in outcome.observed, outcome
    later = rpc.judge(check(method="getBlockTime"), facts(block_time_chain(answer)))
    assert later.status is Status.ERROR and later.observed == (
        f"could not look: no answer to getBlockTime for slot 2792 from https://rpc.example: {answer.error}")


def test_slots_heights_and_lamports_outside_u64_are_could_not_look(node):
    """A slot of -7, a height of -1, 2**64+5 lamports: no chain holds them; never a pass, and no block time is
    asked about slot -7."""
    server, url = node
    server.results.update(getLatestBlockhash={"context": {"slot": -7}, "value": {**BLOCKHASH["value"],
                                                                                 "lastValidBlockHeight": -1}},
                          getBalance={"context": {"slot": 1}, "value": 2 ** 64 + 5})
    got = rpc.gather(FakeTarget(url, {}), SINGLE_CALLS)
    health, blockhash, block_time, balance = (rpc.judge(c, got) for c in SINGLE_CALLS)
    assert health.status is Status.PASSED
    assert blockhash.status is Status.ERROR and blockhash.observed.endswith(
        "answered lastValidBlockHeight -1 is not a u64; context.slot -7 is not a u64")
    assert block_time.status is Status.ERROR and block_time.observed == (
        "no slot to ask getBlockTime about: getLatestBlockhash answered slot -7, not a u64")
    assert len(server.bodies) == 1  # getBlockTime was not asked
    assert balance.status is Status.ERROR and "answered 18446744073709551621 lamports, not a u64" in balance.observed


@pytest.mark.parametrize("slot", [2 ** 64, "2792", 2.5, True])
def test_a_blockhash_reply_with_an_impossible_slot_is_could_not_look(slot):
    answer = ok({**BLOCKHASH, "context": {"slot": slot}})
    outcome = rpc.judge(check(method="getLatestBlockhash"),
                        facts(Chain("https://rpc.example", calls={"getLatestBlockhash": answer})))
    assert outcome.status is Status.ERROR and f"context.slot {json.dumps(slot)} is not a u64" in outcome.observed


def test_accounts_with_impossible_lamports_are_could_not_look():
    item = check(method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)
    chain = Chain("https://rpc.example", accounts={addr(1): ok(2 ** 64)})
    outcome = rpc.judge(item, facts(chain, rows={item.key: [row(1, 5)]}))
    assert outcome.status is Status.ERROR and "unexpected lamports 18446744073709551616" in outcome.observed


def test_gather_unreachable_endpoint_leaves_every_item_unchecked():
    port_closed = "http://127.0.0.1:9/key-abcdef"
    target = FakeTarget(port_closed, {ACCOUNTS_QUERY: [row(1, 5)]})
    checks = [check("a", method="getHealth"), check("b", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)]
    got = rpc.gather(target, checks)
    health, accounts = (rpc.judge(c, got) for c in checks)
    assert health.status is Status.ERROR and "could not look: no answer from http://127.0.0.1:9" in health.observed
    assert accounts.status is Status.ERROR and "could not look" in accounts.observed


def test_gather_binds_each_answer_to_its_own_item_even_for_the_same_query():
    """Two items with the same query text get two statements and two answers, by position."""
    answers = [SEES_ALL, QueryFailed('relation "x" does not exist', "42P01"), [row(1, 5)]]
    target = FakeTarget("http://127.0.0.1:9/k", {})
    target.query_many = lambda statements: answers[:len(statements)]
    checks = [check("a", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY),
              check("b", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)]
    got = rpc.gather(target, checks)
    assert got.rows == {"T5-a": answers[1], "T5-b": answers[2]}


def test_gather_refuses_answers_that_do_not_match_the_statements():
    target = FakeTarget("http://127.0.0.1:9/k", {})
    target.query_many = lambda statements: statements[:-1]
    with pytest.raises(GatherError, match="answers to"):
        rpc.gather(target, [check("a", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)])


@pytest.mark.parametrize("body", ["y" * 97 + "CnRyRpcPath7Q2xW9zLmP4vB", "[" + "y" * 100 + "CnRyRpcPath7Q2xW9zLmP4vB]"])
def test_the_start_of_a_refusal_cut_in_a_secret_is_masked_where_it_is_cut(body):
    """A body quoted as its first characters ends in "…" where it is cut: the redactor masks a secret's piece there
    (a bare cut followed by a quote left 23 of a key's 24 characters readable)."""
    from opsverify.secrets import Redactor

    key = "CnRyRpcPath7Q2xW9zLmP4vB"
    redactor = Redactor()
    redactor.add_declared(key)
    for shown in (jsonrpc._gist(None, body), f"{jsonrpc._start(body)!r}"):
        assert key[:7] not in redactor.text(f"HTTP 401: the provider refused to answer: {shown}"), shown


def _echoing(server, echoed: str, case: str) -> list:
    """The item a node's reply quoting `echoed` (long enough to be cut inside it) reaches, as `case` has the node
    answer: a JSON-RPC error's message or non-object error, a single call's id, an account's value."""
    if case == "error-message":
        server.errors["getSlot"] = {"code": -32005, "message": "m" * 490 + echoed}
    elif case == "error-not-an-object":
        server.errors["getSlot"] = "e" * 180 + echoed
    elif case == "other-id":
        server.mode, server.echoed_id = "echoed-id", "i" * 20 + echoed
        return [check("a", method="getHealth")]
    elif case == "account-shape":
        server.results["getMultipleAccounts"] = {"context": {"slot": 1}, "value": ["a" * 100 + echoed]}
        return [check("e", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)]
    return [check("c", method="getBlockTime", slot_from="getSlot")]  # "getSlot failed (…)": words follow


@pytest.mark.parametrize("case", ["error-message", "error-not-an-object", "other-id", "account-shape"])
def test_a_secret_a_node_echoes_cut_mid_message_leaves_no_piece_of_it(node, case):
    """What a node said is cut where a message quotes it, and the message goes on after the cut: the cut is
    marked, so the redactor masks the piece of a secret the node echoed."""
    from .test_secret_forms import pieces_shown

    server, url = node
    echoed = f"tok{secrets.token_hex(16)}"
    redactor = Redactor()
    redactor.add(echoed)
    items = _echoing(server, echoed, case)
    rows = {ACCOUNTS_QUERY: [{"id": 1, "address": addr(1), "expected_lamports": 0}]}
    outcome = rpc.judge(items[0], rpc.gather(FakeTarget(url, rows), items)).redacted(redactor)
    assert outcome.status is Status.ERROR, outcome
    shown = f"{outcome.observed} {json.dumps(outcome.evidence)}"
    assert "…" in outcome.observed and pieces_shown(echoed, shown) == [], shown


def test_a_node_that_never_completes_tls_names_the_timeout_that_ran_out():
    """An https endpoint that takes the connection and says nothing: the handshake waits connect_s, and the failure
    names that setting (it said only "timed out")."""
    from .kit import silent_server

    with silent_server() as server:
        exchange = call_batch(f"https://127.0.0.1:{server['port']}", [Call("getHealth")], timeout_s=5, connect_s=0.3)
    assert exchange.answers == [] and exchange.failure == "no connection within 0.3 s (connect_s: TCP and TLS)"


# -- each call's answer stays its own; engine words win in evidence; clocks and context slots ---------
def test_a_balance_keeps_its_own_answer_when_the_same_account_is_in_getmultipleaccounts(node):
    """getBalance says 10, getMultipleAccounts says 1000 for the same address: each item judges its own call's
    answer (never the other's, whichever comes last)."""
    server, url = node
    server.balances[str([addr(7)])] = 10
    server.results["getMultipleAccounts"] = {"context": {"slot": 1}, "value": [{"lamports": 1000}]}
    checks = [check("a", method="getBalance", account=addr(7), min_lamports=1000),
              check("b", method="getMultipleAccounts", accounts_query=ACCOUNTS_QUERY)]
    got = rpc.gather(FakeTarget(url, {ACCOUNTS_QUERY: [row(7, 1000)]}), checks)
    balance, accounts = (rpc.judge(c, got) for c in checks)
    assert balance.status is Status.FAILED and balance.observed == f"{addr(7)} holds 10 lamports (0.00000001 SOL)"
    assert accounts.status is Status.PASSED
    # an error of one call is not the other's either
    server.errors["getMultipleAccounts"] = {"code": -32602, "message": "Too many inputs"}
    got = rpc.gather(FakeTarget(url, {ACCOUNTS_QUERY: [row(7, 1000)]}), checks)
    balance, accounts = (rpc.judge(c, got) for c in checks)
    assert balance.status is Status.FAILED and accounts.status is Status.ERROR


def test_a_query_column_named_like_an_engine_key_does_not_replace_the_engines_word():
    rows = [{"signature": sig(2), "problem": "all good", "event": "e"}]
    outcome = signatures_outcome({sig(2): ok(None)}, rows=rows)
    assert outcome.status is Status.FAILED
    assert outcome.evidence["offending"][0]["problem"] == "not found on chain"
    assert outcome.evidence["offending"][0]["signature"] == sig(2)


@pytest.mark.parametrize("ahead, max_age_s, status, seen", [
    (96, 300, Status.PASSED, "slot 2792 at 2026-11-25T09:24:04+00:00, 96 s ahead of the database's now()"),
    (0, 300, Status.PASSED, "0 s before the database's now()"),
    # ahead of the database's clock by more than clocks may drift: one of the two clocks lies, never a pass
    (400, 3600, Status.ERROR, "is 400 s ahead of the database's now(), more than the 300 s two clocks may differ"),
    (900, 300, Status.ERROR, "is 900 s ahead of the database's now()"),
])
def test_a_block_time_ahead_of_the_database_clock(ahead, max_age_s, status, seen):
    now = [{"now_epoch": float(1795598644 - ahead)}]
    outcome = rpc.judge(check(method="getBlockTime", max_age_s=max_age_s),
                        facts(block_time_chain(ok(1795598644)), now=now))
    assert outcome.status is status and seen in outcome.observed


@pytest.mark.parametrize("context, seen", [
    ({"slot": -7}, "context.slot -7 is not a u64"),
    ({"slot": 2 ** 64}, "context.slot 18446744073709551616 is not a u64"),
    ({"slot": "12"}, 'context.slot "12" is not a u64'),
    ({"slot": 2.5}, "context.slot 2.5 is not a u64"),
    ({}, "context.slot null is not a u64"),
    (None, "no context"),
])
def test_a_context_slot_outside_a_u64_or_no_context_is_could_not_look(context, seen):
    """Solana answers getBalance, getSignatureStatuses and getMultipleAccounts with a context holding the slot."""
    def reply(value):
        return ok({"value": value} if context is None else {"context": context, "value": value})

    accounts = accounts_outcome(rpc._spread(reply([{"lamports": 9}]), [addr(1)], rpc._lamports), [row(1, 5)])
    assert accounts.status is Status.ERROR and seen in accounts.observed
    statuses = rpc._spread(reply([FINAL]), [sig(1)], lambda v: v)
    signatures = signatures_outcome(statuses)
    assert signatures.status is Status.ERROR and seen in signatures.observed
    balance = rpc.judge(check(method="getBalance", account=addr(3), min_lamports=1), facts(Chain(
        "https://rpc.example", balances={addr(3): rpc._value_of(reply(9), rpc._is_int)})))
    assert balance.status is Status.ERROR and seen in balance.observed
