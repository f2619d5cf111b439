"""One conversation per database per run: the job of a target's database families asks every statement
they will send in one round trip, and each gather takes its own answers — with exactly the outcomes,
errors and causes that one conversation per family gave."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify import engine
from opsverify.engine import Run
from opsverify.environment import Environment, EnvironmentModel
from opsverify.families import rpc, sql
from opsverify.outcome import Status
from opsverify.transports import postgres
from opsverify.transports.postgres import Database

from .kit import handler_server, make_check, refused_port
from .project import scratch_database

SHOP = """
create table public.orders (id serial primary key, status text not null, total numeric not null);
alter table public.orders enable row level security;
insert into public.orders (status, total) values ('paid', 10), ('stuck', 5);
"""

ITEMS = [
    make_check("schema", {"table": "public.orders", "columns": ["status", "total"], "rls": True}, item="D1", name="orders"),
    make_check("schema", {"table": "public.refunds"}, item="D2", name="refunds"),
    make_check("sql", {"query": "select count(*) as n from public.orders where status = 'paid'",
                       "expect": {"n": {"eq": 1}}}, item="D3", name="paid"),
    make_check("sql", {"query": "select count(*) as n from public.refunds", "expect": {"n": {"eq": 0}}},
               item="D4", name="missing"),
    make_check("sql", {"query": "select count(*) as n from public.orders where status = 'stuck'",
                       "expect": {"n": {"eq": 0}}}, item="D5", name="stuck"),
    make_check("sql", {"query": "select count(*) as n from public.orders where status = 'paid'",
                       "expect": {"n": {"eq": 1}}}, item="D6", name="paid-again"),  # the same statement twice
    make_check("scheduler", {"job": "nightly", "active": True}, item="D7", name="cron"),  # no pg_cron here
]
EXPECTED = {"D1": Status.PASSED, "D2": Status.FAILED, "D3": Status.PASSED, "D4": Status.ERROR,
            "D5": Status.FAILED, "D6": Status.PASSED, "D7": Status.ERROR}


@pytest.fixture
def shop(demo_deployment):
    with scratch_database(demo_deployment, SHOP, prefix="trip") as db:
        yield db


@pytest.fixture
def conversations(monkeypatch):
    """How many pipelined round trips the run had, and what each sent."""
    sent: list[list[bytes]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append(list(texts)) or real(self, texts, pinned))
    return sent


def _env(url: str) -> Environment:
    model = EnvironmentModel.model_validate({"name": "test", "timeouts": {"connect_s": 2, "statement_ms": 2000},
                                             "systems": {"joslyn-ai": {"database": url}}})
    return Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=())


def _evaluate(url: str, items=ITEMS) -> tuple[dict, Run, list]:
    """Outcomes by item id (durations aside), the run, and its causes."""
    run = Run(_env(url))
    try:
        outcomes = run.evaluate(items)
    finally:
        run.close()
    by_id = {key.split(":", 1)[1].split("-", 1)[0]: replace(o, duration_s=0.0) for key, o in outcomes.items()}
    return by_id, run, run.causes(outcomes)


def _one_per_family(monkeypatch) -> None:
    """The engine as it was: no asking ahead, so each family's gather has its own conversation."""
    monkeypatch.setattr(engine, "_ask_ahead", lambda target, parts: 0.0)


def test_every_family_of_a_database_shares_one_round_trip(shop, conversations):
    outcomes, _, _ = _evaluate(shop["url"])
    assert {key: o.status for key, o in outcomes.items()} == EXPECTED, outcomes
    assert len(conversations) == 1  # zone, role check, scheduler's statements, catalog query, sql's, all at once
    assert conversations[0][:2] == [postgres.SESSION_ZONE, postgres.ROLE_CHECK.encode()]
    # the session's zone (read, then UTC), role check, catalog query, sql (its visibility facts, which SECURITY DEFINER
    # functions its queries' words name, then each query),
    # scheduler (jobs, settings, scheduler, time zone, background workers, superuser jobs, launch active jobs, socket
    # directories, day fields' logic, worker slots)
    assert len(conversations[0]) == 1 + 1 + 1 + (2 + 4) + 10
    # a failing statement is its own item's error alone, with the server's SQLSTATE
    assert 'relation "public.refunds" does not exist (SQLSTATE 42P01)' in outcomes["D4"].observed


def test_outcomes_are_those_of_one_conversation_per_family(shop, conversations, monkeypatch):
    together, _, _ = _evaluate(shop["url"])
    asked_together = len(conversations)
    _one_per_family(monkeypatch)
    apart, _, _ = _evaluate(shop["url"])
    assert together == apart
    assert (asked_together, len(conversations) - asked_together) == (1, 3)


def test_a_statement_nobody_foresaw_costs_its_family_one_more_round_trip(shop, conversations, monkeypatch):
    """sql lists one statement too few: its gather asks that one itself; every answer is the same."""
    expected, _, _ = _evaluate(shop["url"])
    conversations.clear()
    listed = sql.database_statements
    monkeypatch.setattr(sql, "database_statements", lambda target, checks: listed(target, checks)[:-1])
    outcomes, _, _ = _evaluate(shop["url"])
    assert outcomes == expected
    assert len(conversations) == 2 and conversations[1] == [listed(SimpleNamespace(deployed_at=None), [ITEMS[-2]])[-1].encode()], conversations


def test_a_family_that_cannot_list_its_statements_still_gathers(shop, conversations, monkeypatch):
    monkeypatch.setattr(sql, "database_statements", lambda target, checks: 1 / 0)
    outcomes, _, _ = _evaluate(shop["url"])
    assert {key: o.status for key, o in outcomes.items()} == EXPECTED
    assert len(conversations) == 2  # the others' statements, then sql's own


def test_an_unreachable_database_is_every_item_of_every_family_one_cause(conversations, monkeypatch):
    url = f"postgresql://checker:pw-gone-1@127.0.0.1:{refused_port()}/shop"
    together, _, (cause,) = _evaluate(url)
    _one_per_family(monkeypatch)
    apart, _, _ = _evaluate(url)
    assert together == apart
    assert {o.status for o in together.values()} == {Status.ERROR}
    assert {o.evidence["cause"] for o in together.values()} == {"unreachable"}
    assert all("connection refused" in o.observed for o in together.values())
    assert (cause.kind, cause.items) == ("unreachable", len(ITEMS))
    assert conversations == []


def test_a_database_that_stops_mid_way_keeps_the_answers_it_gave(shop, monkeypatch):
    """The server answers up to the catalog query (the families go in name order: scheduler, schema, sql),
    then stops: the items answered keep their verdicts; sql's are the one cause, stopped."""
    real = postgres._Conversation.run

    def stops_after_the_catalog(self, texts, pinned=()):
        answered = next(i for i, text in enumerate(texts) if b"json_build_object" in text) + 1
        lost = postgres.DatabaseUnavailable(f"database {self.where}: stopped answering (phase: read)", "stopped")
        return real(self, texts[:answered], pinned[:answered]) + [lost] * (len(texts) - answered)

    monkeypatch.setattr(postgres._Conversation, "run", stops_after_the_catalog)
    outcomes, _, (cause,) = _evaluate(shop["url"])
    sql_items = ("D3", "D4", "D5", "D6")
    assert {key: o.status for key, o in outcomes.items() if key not in sql_items} == {
        key: status for key, status in EXPECTED.items() if key not in sql_items}
    assert "cause" not in outcomes["D7"].evidence  # pg_cron is not installed: its own answer, not the stop
    later = [outcomes[key] for key in sql_items]
    assert {o.status for o in later} == {Status.ERROR} and {o.evidence["cause"] for o in later} == {"stopped"}
    assert all("stopped answering (phase: read)" in o.observed for o in later)
    assert (cause.kind, cause.items) == ("stopped", len(later))


def test_the_role_check_rides_along_and_still_warns(shop, conversations):
    """A superuser checker is named once, from the one round trip."""
    _, run, _ = _evaluate(shop["admin"], ITEMS[:3])
    assert len(conversations) == 1
    assert run.warnings and "is a superuser" in run.warnings[0]


# -- the transport ------------------------------------------------------------------------------------
def test_each_kept_answer_is_used_once_and_only_for_its_exact_statement(shop, conversations):
    count = "select count(*) as n from public.orders where status = %(status)s"
    database = Database(shop["url"], connect_timeout_s=5, statement_timeout_ms=2000, label="test")
    try:
        database.prefetch([(count, {"status": "paid"}), (count, {"status": "paid"}), "select 1 as one",
                           "select * from public.refunds"])
        assert len(conversations) == 1
        first, other, one = database.query_many([(count, {"status": "paid"}), (count, {"status": "stuck"}),
                                                 "select 1 as one"])
        assert (first, other, one) == ([{"n": 1}], [{"n": 1}], [{"one": 1}])
        assert conversations[1:] == [[b"select count(*) as n from public.orders where status = 'stuck'"]]
        (second,) = database.query_many([(count, {"status": "paid"})])  # the second kept answer
        (failed,) = database.query_many(["select * from public.refunds"])  # an error is kept as it came
        assert second == [{"n": 1}] and "SQLSTATE 42P01" in str(failed)
        assert len(conversations) == 2
        database.query_many([(count, {"status": "paid"})])  # none kept any more: asked
        assert len(conversations) == 3
    finally:
        database.close()


def test_kept_answers_end_with_the_session(shop, conversations):
    database = Database(shop["url"], connect_timeout_s=5, statement_timeout_ms=2000, label="test")
    try:
        database.prefetch(["select 1 as one"])
        database.close()
        assert database.query_many(["select 1 as one"]) == [[{"one": 1}]]
        assert len(conversations) == 2
    finally:
        database.close()


# -- a clock read ahead ---------------------------------------------------------------------------------
STALE_S, SLOW_S, MAX_AGE_S = 10, 8, 5  # honest, the block is STALE_S old; read SLOW_S early, it looked 2 s old


class _StaleNode(BaseHTTPRequestHandler):
    """A Solana node whose newest finalized block was made STALE_S before it answers (by this machine's clock, which
    the database's shares)."""
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        calls = json.loads(self.rfile.read(int(self.headers["content-length"])))
        results = {"getLatestBlockhash": {"context": {"slot": 1000}, "value": {
            "blockhash": "4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZAMdL4VZHirAn", "lastValidBlockHeight": 900}},
            "getBlockTime": int(time.time()) - STALE_S}
        replies = [{"jsonrpc": "2.0", "id": c["id"], "result": results[c["method"]]}
                   for c in (calls if isinstance(calls, list) else [calls])]
        body = json.dumps(replies if isinstance(calls, list) else replies[0]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_block_time_is_judged_against_a_now_read_after_the_slow_statements(shop, conversations):
    """rpc's now() was asked ahead with every other family's statements, and a slow sql query after it in that
    round trip made the database's now look SLOW_S earlier than when rpc's clock started: a block STALE_S old passed
    `max_age_s: MAX_AGE_S`. Whatever the machine's speed, an honest now() finds it at least STALE_S old."""
    items = [make_check("rpc", {"method": "getBlockTime", "max_age_s": MAX_AGE_S}, item="R1", name="block-fresh"),
             make_check("sql", {"query": f"select 1 as one from pg_sleep({SLOW_S})", "expect": {"one": {"eq": 1}}},
                        item="R2", name="slow")]
    with handler_server(_StaleNode) as node:
        model = EnvironmentModel.model_validate({
            "name": "test", "timeouts": {"connect_s": 5, "http_s": 5, "statement_ms": 60_000, "database_s": 120},
            "systems": {"joslyn-ai": {"database": shop["url"], "endpoints": {"solana_rpc": node}}}})
        run = Run(Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=()))
        try:
            outcomes = run.evaluate(items)
        finally:
            run.close()
    block, slow = (outcomes[f"joslyn-ai:{check.key}"] for check in items)
    assert slow.status is Status.PASSED, slow
    assert block.status is Status.FAILED, (block.status, block.observed)
    assert block.observed.startswith("slot 1000 at ") and "s older than the database's now()" in block.observed
    assert block.evidence["age_s"] >= STALE_S, block.evidence
    # now() is rpc's last statement in a round trip after the slow one's, never before it in the same
    asked_now = next(i for i, sent in enumerate(conversations) if rpc.DB_NOW.encode() in sent)
    asked_slow = next(i for i, sent in enumerate(conversations) if any(b"pg_sleep" in s for s in sent))
    assert asked_now > asked_slow and conversations[asked_now][-1] == rpc.DB_NOW.encode(), conversations
