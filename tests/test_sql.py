"""sql's calls that act outside the checker's read-only transaction, on a real PostgreSQL with logical decoding:
consuming a replication slot's changes, moving a replication origin, writing an index or the WAL — none of which
`BEGIN READ ONLY` stops or its rollback undoes — are refused at load; and the role check warns of a checker role that
may reach them (REPLICATION)."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from psycopg import sql as pgsql

from opsverify.engine import gather_and_judge
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports.postgres import Database

from .kit import make_check, make_target
from .project import scratch_database

# each tried on PostgreSQL 18 in BEGIN READ ONLY: not refused there, and its effect outlives the rollback (the
# standby's — replay, slot sync — on a hot standby, whose every transaction is read-only)
OUTSIDE = [
    ("pg_logical_slot_get_changes", "select count(*) as n from pg_logical_slot_get_changes('cdc', null, null)"),
    ("pg_logical_slot_get_binary_changes",
     "select count(*) as n from pg_catalog.PG_LOGICAL_SLOT_GET_BINARY_CHANGES('cdc', null, null)"),
    ("pg_replication_origin_advance", "select pg_replication_origin_advance('sub', '0/1234') is null as n"),
    ("pg_replication_origin_drop", "select pg_replication_origin_drop('sub') is null as n"),
    ("pg_replication_origin_session_setup", "select pg_replication_origin_session_setup('sub') is null as n"),
    ("pg_sync_replication_slots", "select pg_sync_replication_slots() is null as n"),
    ("pg_wal_replay_pause", "select pg_wal_replay_pause() is null as n"),
    ("pg_wal_replay_resume", "select pg_wal_replay_resume() is null as n"),
    ("pg_log_standby_snapshot", "select pg_log_standby_snapshot() is not null as n"),
    ("pg_log_backend_memory_contexts", "select count(*) as n from pg_stat_activity"
                                       " where pg_log_backend_memory_contexts(pid)"),
    ("brin_summarize_new_values", "select brin_summarize_new_values('public.b_brin') as n"),
    ("brin_summarize_range", "select brin_summarize_range('public.b_brin', 0) as n"),
    ("brin_desummarize_range", "select brin_desummarize_range('public.b_brin', 0) is null as n"),
    ("gin_clean_pending_list", "select gin_clean_pending_list('public.g_gin') as n"),
    # extensions' (pg_surgery, pg_visibility, pg_buffercache): superuser-only unless granted
    ("heap_force_kill", "select heap_force_kill('public.h', array['(0,1)'::tid]) is null as n"),
    ("heap_force_freeze", "select heap_force_freeze('public.h', array['(0,1)'::tid]) is null as n"),
    ("pg_truncate_visibility_map", "select pg_truncate_visibility_map('public.h') is null as n"),
    ("pg_buffercache_evict", "select count(*) as n from pg_buffercache_evict(1)"),
    ("pg_buffercache_evict_relation", "select count(*) as n from pg_buffercache_evict_relation('public.h')"),
    ("pg_buffercache_evict_all", "select count(*) as n from pg_buffercache_evict_all()"),
    # pg_prewarm's: a file in the data directory, a lasting background worker, pages loaded over others'
    ("autoprewarm_dump_now", "select autoprewarm_dump_now() >= 0 as n"),
    ("autoprewarm_start_worker", 'select public."autoprewarm_start_worker"() is null as n'),
    ("pg_prewarm", "select PG_PREWARM('public.h'::regclass, 'buffer') as n"),
]
# ... and what stays a read: peeking does not consume; what PostgreSQL refuses in a read-only transaction, or rolls
# back with it (a notification is sent at commit; a new origin or collation is a catalog row)
STILL_READS = [
    "select count(*) as n from pg_logical_slot_peek_changes('cdc', null, null)",
    "select count(*) as n from pg_logical_slot_peek_binary_changes('cdc', null, null)",
    "select count(*) as n from pg_replication_origin_status where pg_replication_origin_progress('sub', false) > '0/0'",
    "select pg_notify('ops', 'x') is null as n",
    "select pg_replication_origin_create('other') as n",
    "select pg_import_system_collations('public') as n",
]


@pytest.mark.parametrize("function, query", OUTSIDE, ids=[f for f, _ in OUTSIDE])
def test_a_call_acting_outside_the_read_only_transaction_is_refused_at_load(function, query):
    for field in ("query", "detail"):
        params = {"query": "select 1 as n", "expect": {"n": {"eq": 1}}, field: query}
        with pytest.raises(ValueError, match=rf"calls {function}\(\).*outside the checker's read-only transaction"):
            sql.Params.model_validate(params)


@pytest.mark.parametrize("query", STILL_READS)
def test_a_call_whose_effect_ends_with_the_transaction_loads(query):
    sql.Params.model_validate({"query": query, "expect": {"n": {"ge": 0}}})


# -- on a real PostgreSQL with wal_level=logical --------------------------------------------------------
@pytest.fixture(scope="module")
def logical_pg():
    """An embedded PostgreSQL of its own (the demo's has no logical decoding), with a logical slot `cdc`."""
    from opsverify_demo.postgres import EmbeddedPostgres

    pg = EmbeddedPostgres()
    try:
        pg.init()
        with open(pg.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("wal_level = logical\nmax_replication_slots = 4\n")
        pg.start(secrets.token_hex(12))
        pg.watch()  # stops it should this run be killed
        with pg.admin() as conn:
            conn.execute("create table public.t (x int)")
            conn.execute("select pg_create_logical_replication_slot('cdc', 'test_decoding')")
        yield pg
    finally:
        pg.stop()


def _pending(pg) -> int:
    with pg.admin() as conn:
        return conn.execute("select count(*) from pg_logical_slot_peek_changes('cdc', null, null)").fetchone()[0]


def test_an_item_cannot_consume_a_logical_slots_changes(logical_pg):
    """The peek functions read the slot; the get functions would consume its changes for good (the rollback does not
    give them back): refused at load, so the slot's consumer still gets them."""
    with logical_pg.admin() as conn:
        conn.execute("set synchronous_commit = on")  # decoding reads only WAL flushed to disk
        conn.execute("insert into public.t select generate_series(1, 5)")
    pending = _pending(logical_pg)
    assert pending > 0, "the slot holds no changes to protect"
    target = make_target({"database": logical_pg.url()})
    try:
        peek = make_check("sql", {"query": STILL_READS[0], "expect": {"n": {"eq": pending}}}, name="peek")
        (outcome,) = gather_and_judge(target, sql, [peek])
        assert outcome.status is Status.PASSED, f"item peek: expected passed, saw {outcome}"
        for function, query in OUTSIDE[:2]:
            with pytest.raises(ValueError, match=rf"calls {function}\(\)"):
                check = make_check("sql", {"query": query, "expect": {"n": {"ge": 0}}}, name="consume")
                gather_and_judge(target, sql, [check])  # it loaded: what it does to the slot is seen below
    finally:
        target.close()
    assert _pending(logical_pg) == pending, "the slot's pending changes were consumed by a read-only item"


def test_an_item_cannot_write_the_autoprewarm_file_or_prewarm_buffers(demo_deployment):
    """pg_prewarm's calls run in BEGIN READ ONLY and their effect outlives its rollback — autoprewarm.blocks stays
    written in the data directory (what the server loads at its next start), a relation's pages stay in shared
    buffers — so an item calling one is refused at load, as every other call of that list is."""
    with scratch_database(demo_deployment, "create extension pg_prewarm; create table public.h as"
                          " select generate_series(1, 1000) as x", prefix="prewarm") as db:
        with psycopg.connect(db["admin"]) as conn:  # a transaction of its own, rolled back on leaving
            conn.execute("begin read only")
            loaded, dumped = conn.execute("select pg_prewarm('public.h'), autoprewarm_dump_now()").fetchone()
            conn.rollback()
            written = conn.execute("select (pg_stat_file('autoprewarm.blocks', true)).size").fetchone()[0]
        assert loaded > 0 and dumped > 0 and written, (
            f"pg_prewarm in BEGIN READ ONLY: expected pages loaded and autoprewarm.blocks written past the rollback,"
            f" saw {loaded} pages loaded, {dumped} dumped, a file of {written} bytes")
        for function, query in OUTSIDE[-3:]:
            with pytest.raises(ValueError, match=rf"calls {function}\(\).*outside the checker's read-only transaction"):
                make_check("sql", {"query": query, "expect": {"n": {"ge": 0}}}, name=function)


# -- the role check: a checker role with REPLICATION ------------------------------------------------------
def test_a_checker_role_with_replication_is_warned_of(demo_deployment):
    """REPLICATION (Supabase's `postgres` role has it) lets the role create, drop and consume replication slots,
    which act outside the read-only transaction: warned of as a superuser is."""
    role, password = f"repl_checker_{secrets.token_hex(4)}", secrets.token_hex(12)
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login replication password {} in role pg_read_all_data").format(
            pgsql.Identifier(role), pgsql.Literal(password)))
    database = Database(demo_deployment.pg.url("postgres", role, password), connect_timeout_s=5,
                        statement_timeout_ms=5000, label="test")
    try:
        database.query("select 1 as one")
    finally:
        database.close()
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))
    assert database.warning and f"the checker role {role} " in database.warning, database.warning
    assert "has the REPLICATION attribute" in database.warning and "NOREPLICATION" in database.warning, \
        database.warning
