"""Each statement's answer belongs to its own item, whatever its neighbours do; and nothing a
checklist statement does can write, or outlive its statement."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports.postgres import Database, QueryFailed, describe_url

from .kit import make_check, make_target
from .project import scratch_database

SHOP = """
create table public.orders (id serial primary key, status text not null, total numeric not null);
insert into public.orders (status, total) values ('paid', 10), ('paid', 12), ('stuck', 5);
"""


def _item(name: str, query: str, expect: dict, **more) -> object:
    return make_check("sql", {"query": query, "expect": expect, **more}, item=f"Q{name}", name=name)


ITEMS = [
    _item("paid", "select count(*) as n from public.orders where status = 'paid'", {"n": {"eq": 2}}),
    _item("missing", "select count(*) as n from public.refunds", {"n": {"eq": 0}}),
    _item("stuck", "select count(*) as n from public.orders where status = 'stuck'", {"n": {"eq": 0}},
          detail="select id, status from public.orders where status = 'stuck'"),
    _item("slow", "select count(*) as n from pg_sleep(3)", {"n": {"eq": 1}}),
    _item("nan", "select 'NaN'::float8 as ratio", {"ratio": {"le": 5}}),
    _item("total", "select sum(total)::float8 as total from public.orders", {"total": {"eq": 27}}),
]
EXPECTED = {"paid": Status.PASSED, "missing": Status.ERROR, "stuck": Status.FAILED, "slow": Status.ERROR,
            "nan": Status.FAILED, "total": Status.PASSED}


@pytest.fixture
def shop(demo_deployment):
    with scratch_database(demo_deployment, SHOP, prefix="shop") as db:
        yield db


def test_each_statement_answers_for_its_own_item_every_time(shop):
    """A failing statement (missing table, statement timeout) is exactly its own item's error, with the
    server's SQLSTATE; its siblings keep their true outcomes — in checklist order, run after run."""
    seen = []
    for _ in range(3):
        target = make_target({"database": shop["url"]}, timeouts={"statement_ms": 1000})
        try:
            outcomes = gather_and_judge(target, sql, ITEMS)
        finally:
            target.close()
        seen.append({check.name: (o.status, o.observed) for check, o in zip(ITEMS, outcomes)})
    assert seen[0] == seen[1] == seen[2]
    statuses = {name: status for name, (status, _) in seen[0].items()}
    assert statuses == EXPECTED
    assert "relation \"public.refunds\" does not exist (SQLSTATE 42P01)" in seen[0]["missing"][1]
    assert "statement timeout (SQLSTATE 57014)" in seen[0]["slow"][1]
    assert "first rows: (id=3, status=stuck)" in seen[0]["stuck"][1]
    assert "not a finite number" in seen[0]["nan"][1]


WRITES = [
    "select set_config('default_transaction_read_only', 'off', false) as x",
    "select lo_create(0) as x",
    "select set_config('transaction_read_only', 'off', true) as x, lo_create(0) as y",
    "select pg_advisory_lock(4242) as x",
    "select set_config('role', 'postgres', false) as x",
    "with gone as (delete from public.orders returning id) select count(*) as x from gone",
    "select nextval('public.orders_id_seq') as x",
    "select txid_current() as x",
]


def _dump(url: str, demo_deployment) -> str:
    pg_dump = demo_deployment.pg.bin / "pg_dump"
    done = subprocess.run([str(pg_dump), "--no-comments", "--large-objects", "--restrict-key=opsverify", url], capture_output=True, text=True,
                          timeout=60, user=demo_deployment.pg.user, cwd="/")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_write_attempts_change_nothing_even_for_a_role_that_may_write(shop, demo_deployment):
    """A checker role with write grants (and BYPASSRLS): every write through a checklist query is
    refused, and session-level effects (settings, advisory locks) do not reach the next statement."""
    with psycopg.connect(shop["admin"], autocommit=True) as conn:
        conn.execute("drop role if exists careless_checker")
        conn.execute("create role careless_checker login password 'careless-pw-1' bypassrls")
        conn.execute("grant all on all tables in schema public to careless_checker")
        conn.execute("grant all on all sequences in schema public to careless_checker")
        conn.execute("grant create on schema public to careless_checker")
    url = demo_deployment.pg.url(shop["name"], "careless_checker", "careless-pw-1")
    try:
        before = _dump(shop["admin"], demo_deployment)
        database = Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="test")
        try:
            answers = database.query_many([*WRITES,
                                           "select current_setting('default_transaction_read_only') as ro,"
                                           " current_setting('transaction_read_only') as tro, current_user as who,"
                                           " (select count(*) from pg_locks where locktype = 'advisory') as locks"])
        finally:
            database.close()
        *writes, after_all = answers
        refused = {text: a for text, a in zip(WRITES, writes) if isinstance(a, QueryFailed)}
        assert set(refused) >= {WRITES[1], WRITES[2], WRITES[5], WRITES[6]}, answers
        assert after_all == [{"ro": "on", "tro": "on", "who": "careless_checker", "locks": 0}]
        assert _dump(shop["admin"], demo_deployment) == before
    finally:
        with psycopg.connect(shop["admin"], autocommit=True) as conn:
            conn.execute("drop owned by careless_checker")
            conn.execute("drop role careless_checker")


@pytest.mark.parametrize("url, shown", [
    ("postgresql://u:secret-pw@db.example:6543/app", "db.example:6543/app"),
    ("host=127.0.0.1 port=1 user=u password=secret-pw dbname=d", "127.0.0.1:1/d"),
    ("postgresql://u:secret-pw@/app?host=/var/run/postgresql", "unix socket /var/run/postgresql:5432/app"),
    ("postgresql://u:se%cret pw@h/app", "(a database URL that cannot be parsed)"),
    ("host=/tmp dbname=x password=secret-pw", "unix socket /tmp:5432/x"),
])
def test_database_is_described_without_credentials(url, shown):
    assert describe_url(url) == shown
    assert "secret" not in describe_url(url)


def test_connection_errors_never_echo_the_connection_string():
    for url in ("host=127.0.0.1 port=1 user=u password=secret-pw-1 dbname=d connect_timeout=2",
                "postgresql://u:se%cret pw-1@127.0.0.1:1/app"):
        database = Database(url, connect_timeout_s=2, statement_timeout_ms=1000, label="environments/x.yaml: db")
        (answer,) = database.query_many(["select 1"])
        assert "secret" not in str(answer) and "pw-1" not in str(answer), answer
        assert str(answer).startswith("environments/x.yaml: db")
