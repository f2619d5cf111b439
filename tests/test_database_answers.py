"""Each statement's answer belongs to its own item, whatever its neighbours do; and nothing a
checklist statement does can write, or outlive its statement."""

from __future__ import annotations

import contextlib
import decimal
import subprocess
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from opsverify.engine import gather_and_judge
from opsverify.families import migrations, rpc, scheduler, schema, sql
from opsverify.outcome import Status
from opsverify.transports.pgvalues import Pinned
from opsverify.transports.postgres import ROLE_CHECK, Database, DatabaseUnavailable, GatherError, QueryFailed, describe_url

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


# -- statements that run outside the read-only transaction ------------------------------------------------
# BEGIN READ ONLY binds the checker's own session only: dblink and pg_background run their statement in
# another session, which may write. Such calls are refused at load, however the name is written.
ESCAPES = [
    ("dblink_exec", "select dblink_exec('loopback', 'delete from public.stripe_events') as n"),
    ("dblink", "select count(*) as n from dblink('loopback', 'select 1') as t(x int)"),
    ("dblink_exec", "SELECT Public.DBLINK_EXEC ('loopback', 'delete from public.orders') AS n"),
    ("dblink_exec", 'select "public"."dblink_exec"(\'loopback\', \'delete from public.orders\') as n'),
    ("dblink_exec", "select dblink_exec /* a comment */ ('loopback', 'delete from public.orders') as n"),
    ("dblink_send_query", "select dblink_send_query('c', 'delete from public.orders') as n"),
    ("dblink_connect", "select dblink_connect('c', 'loopback') as n"),
    ("dblink_open", "select dblink_open('c', 'cur', 'select 1') as n"),
    ("pg_background_launch", "select pg_background_launch('delete from public.orders') as n"),
    ("dblink_exec", "with w as (select dblink_exec('loopback', 'delete from public.orders') as r)"
                    " select count(*) as n from w"),
    # a backslash does not end a standard string: the call after 'x\' is code, as the server reads it
    ("dblink_exec", r"select 'x\', dblink_exec('loopback', 'delete from public.orders') as n, '' as y"),
    ("dblink_exec", 'select U&"d\\0062link_exec"(\'loopback\', \'delete from public.orders\') as n'),
    ("dblink_exec", 'select U&"d!0062link_exec" UESCAPE \'!\' (\'loopback\', \'x\') as n'),
    # SQL given as text to a function that runs it (query_to_xml …) is read too
    ("dblink_exec", "select length(query_to_xml('select dblink_exec(''loopback'', ''delete from public.orders'')',"
                    " true, true, '')::text) as n"),
    # string constants separated by a newline are one constant to PostgreSQL: read joined
    ("dblink_exec", "select length(query_to_xml('select dbl'\n'ink_exec(''loopback'', ''delete from public.orders'')',"
                    " true, true, '')::text) as n"),
    ("dblink_exec", "select length(query_to_xml('select dbl' -- a comment\n  'ink_exec(''loopback'', ''x'')',"
                    " true, true, '')::text) as n"),
    # any literal that reads as a statement is read as SQL, whatever function it goes to (ts_rewrite runs it too)
    ("dblink_exec", "select ts_rewrite('a'::tsquery, 'select dblink_exec(''loopback'', ''delete from public.orders'')"
                    " , ''a''::tsquery, ''b''::tsquery')::text as n"),
    ("dblink", "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery from dbl'\n"
                    "'ink(''loopback'', ''select 1'') as t(x int)')::text as n"),
    # PostgreSQL skips empty statements, whitespace and comments before one: such SQL runs all the same
    ("dblink_exec", "select length(query_to_xml(';select dblink_exec(''loopback'', ''delete from public.orders'')',"
                    " true, true, '')::text) as n"),
    ("pg_prewarm", "select length(query_to_xml(';;select pg_prewarm(''public.orders'')', true, true, '')::text) as n"),
    ("pg_prewarm", "select length(query_to_xml(' \t\n ; select pg_prewarm(''public.orders'')', true, true, '')::text)"
                   " as n"),
    ("pg_prewarm", "select length(query_to_xml('/* a /* nested */ one */ ; -- and a line\n ;select"
                   " pg_prewarm(''public.orders'')', true, true, '')::text) as n"),
    ("pg_prewarm", "select length(query_to_xml(nulls => true, query => ';select pg_prewarm(''public.orders'')',"
                   " tableforest => true, targetns => '')::text) as n"),
    # SQL a function runs is read whatever it starts with (tablefunc's connectby splices a table's name into SQL)
    ("dblink_exec", "select count(*) as n from connectby('public.orders, lateral dblink_exec(''loopback'', ''x'') d',"
                    " 'id', 'status', '1', 0) as t(id int, parent int, level int)"),
    ("pg_prewarm", "select count(*) as n from crosstab('values (pg_prewarm(''public.orders''), 1, 1)')"
                   " as t(a int, b int)"),
    # xml2's xpath_table splices its key and criteria into `SELECT key, document FROM relation WHERE criteria`
    ("dblink_exec", "select count(*) as n from xpath_table('dblink_exec(''loopback'', ''create table pwned()'')',"
                    " 'doc', 'public.orders', '/a', 'true') as t(id text, a text)"),
    ("dblink_exec", "select count(*) as n from xpath_table('id', 'doc', 'public.orders', '/a',"
                    " '1=1 and dblink_exec(''loopback'', ''x'') is not null') as t(id text, a text)"),
    # a literal that reaches such a function by another way (a CTE's column) is read when it starts as a statement
    ("dblink_exec", "with q(s) as (values (';;select dblink_exec(''loopback'', ''delete from public.orders'')'))"
                    " select count(*) as n from q"),
    # effects outside the transaction that BEGIN READ ONLY does not stop, nor the rollback undo
    ("http_post", "select status as n from http_post('http://127.0.0.1:1/', 'x', 'text/plain')"),
    ("http_get", "select status as n from extensions.http_get('http://127.0.0.1:1/')"),
    ("http", "select (http(('GET', 'http://127.0.0.1:1/', null, null, null)::http_request)).status as n"),
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity where pg_terminate_backend(pid)"),
    ("pg_cancel_backend", "select pg_catalog.pg_cancel_backend(42) as n"),
    ("pg_reload_conf", "select pg_reload_conf() as n"),
    ("pg_rotate_logfile_old", "select pg_rotate_logfile_old() as n"),  # pg_rotate_logfile's older name (PG 15)
    ("lo_export", "select lo_export(16400, '/tmp/out') as n"),
    ("pg_create_physical_replication_slot", "select pg_create_physical_replication_slot('s') is null as n"),
    ("pg_stat_reset", "select pg_stat_reset() is null as n"),
    # attribute notation: PostgreSQL runs `(x).f` as f(x), and `t.f` so where t has no column f (a scalar function in
    # FROM makes t its value): a denied name after a dot is a call, however written (tried on PostgreSQL 15)
    ("pg_terminate_backend", "select count(*) filter (where (pid).pg_terminate_backend) as n from pg_stat_activity"),
    ("dblink_connect", "select ('host=127.0.0.1 dbname=app'::text).dblink_connect as n"),
    ("dblink_exec", "select ('delete from public.orders'::text).\"dblink_exec\" as n"),
    ("dblink_exec", "select ('delete from public.orders'::text).DBLINK_EXEC as n"),
    ("dblink_exec", "select ((('delete from public.orders'))).dblink_exec as n"),
    ("dblink_exec", "select (array['delete from public.orders'])[1].dblink_exec as n"),
    ("dblink_exec", "select ('delete from public.orders'::text) . /* spaced */ dblink_exec as n"),
    ("dblink_exec", "select ('delete from public.orders'::text).U&\"dblink_exe\\0063\" as n"),
    ("dblink_exec", "select t.dblink_exec as n from lower('delete from public.orders') t"),
    ("dblink_exec", "select trim(from t.dblink_exec) as n from lower('delete from public.orders') t"),
    ("dblink_exec", "select 1 as n from lower('delete from public.orders') t order by 1, t.dblink_exec"),
    ("pg_terminate_backend", "select (pid).pg_catalog.pg_terminate_backend as n from pg_stat_activity"),
    ("pg_cancel_backend", 'select (pid).PG_CATALOG."pg_cancel_backend" as n from pg_stat_activity'),
    ("http_get", "select (('http://127.0.0.1:1/'::varchar).http_get).status as n"),
    ("pg_terminate_backend", "select length(query_to_xml('select (pid).pg_terminate_backend from pg_stat_activity',"
                             " true, true, '')::text) as n"),
    ("dblink_exec", "select (('select 1 from (values (1)) v where (''x''::text).dblink_exec is null'::text).ts_stat)"
                    ".nentry as n"),
    # the FROM of `IS [NOT] DISTINCT FROM` starts no FROM list: what follows it is an expression, `p.f` a call on p
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
                             " where false is distinct from p.pg_terminate_backend"),
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
                             " where true is not distinct from p.pg_terminate_backend"),
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
                             ' where false is distinct from "p"."pg_terminate_backend"'),
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
                             ' where false is distinct from p.U&"pg_terminate_backen\\0064"'),
    ("pg_terminate_backend", "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
                             " where false is /* x */ distinct -- y\n from p . pg_terminate_backend"),
    ("dblink_exec", "select 1 as n from lower('x') t order by null is distinct from t.dblink_exec"),
    ("dblink_exec", "select 1 as n from lower('x') t join pg_class c on null is distinct from t.dblink_exec"),
    ("dblink_exec", "select case when null is distinct from t.dblink_exec then 1 end as n from lower('x') t"),
    ("dblink_exec", "select (select 1 from lower('x') t where null is distinct from t.dblink_exec) as n"),
    ("dblink_exec", "select count(*) as n from lower('x') t, lateral (values (null is distinct from t.dblink_exec)) v"),
    ("dblink_exec", "select count(*) as n from lower('x') t, rows from (abs(1)) r where 1 is distinct from r.abs"
                    " and null is distinct from t.dblink_exec"),
    ("dblink_exec", "with q as (select null is distinct from t.dblink_exec as n from lower('x') t) select n from q"),
    ("dblink_exec", "select length(query_to_xml('select 1 from lower(''x'') t where null is distinct from"
                    " t.dblink_exec', true, true, '')::text) as n"),
    # nor a comma after it: the list it goes on is the SELECT's (or ORDER BY's, however spelled)
    ("dblink_exec", "select null is distinct from t.t, t.dblink_exec as n from lower('x') t"),
    ("dblink_exec", "select 1 as n from lower('x') t order /* split */ by n, t.dblink_exec"),
    ("dblink_exec", "select 1 as n from lower('x') t group -- split\nby 1, t.dblink_exec"),
    ("dblink_exec", "select 1 as n from lower('x') t join pg_class c on c.oid = 1, lower('y') u"
                    " order by null is distinct from u.u, t.dblink_exec"),
    # an ON condition is an expression: `t.f` there is a call, comma or not
    ("dblink_exec", "select 1 as n from lower('x') t join pg_class c on c.relname = t.dblink_exec"),
    ("dblink_exec", "select 1 as n from lower('x') t join pg_class c on c.relname in ('a', t.dblink_exec)"),
]
NOT_ESCAPES = [
    "select count(*) as n from pg_stat_activity where query like '%dblink_exec(%'",  # a literal mentions it
    "select $$dblink_exec('loopback', 'x')$$ as n",
    "select count(*) as n from pg_extension where extname in ('dblink', 'pg_background')",
    'select 1 as "dblink_exec"',
    "select count(*) as n from public.dblink_log",  # a table, not a call
    "select length(query_to_xml('select 1', true, true, '')::text) as n",
    "select 'dblink_exec(' as n",
    "select count(*) as n from pg_proc where proname = 'dblink_exec'",
    "select has_function_privilege('dblink_exec(text, text)', 'execute') as n",
    "select count(*) as n from pg_proc where oid = 'public.http_post(varchar, varchar, varchar)'::regprocedure",
    "select count(*) as n from pg_stat_activity where query ~ '^http(s)?://'",
    # a column named like no denied function, after a dot; a denied name in a literal or as an alias
    "select count(*) as n from pg_stat_activity s where s.state = 'active' and s.pid > 0 and (s).pid > 0",
    "select t.count as n from public.tallies t",
    "select count(*) as n from pg_stat_activity where query like '%(pid).pg_terminate_backend%'",
    "select 1 as pg_terminate_backend, 2 as n",
    # a relation or a type named like one, qualified: where PostgreSQL reads a relation's or a type's name
    "select count(*) as n from only public.dblink_log l, app.dblink_jobs j left join app.dblink_runs r using (id)",
    "select public.dblink_log.id as n from public.dblink_log",
    "table public.dblink_log",
    # a FROM list goes on with a comma after an ON condition, TABLESAMPLE, WITH ORDINALITY, an alias's column list
    "select count(*) as n from app.jobs j join app.runs r on r.job_id = j.id, public.dblink_log l",
    "select count(*) as n from app.jobs j join app.runs r on r.job_id is distinct from j.id, public.dblink_log l",
    "select count(*) as n from app.jobs j tablesample system (100) repeatable (1), public.dblink_log l",
    "select count(*) as n from unnest(array[1]) with ordinality u(a, b), public.dblink_log l",
    "select count(*) as n from rows from (abs(1), abs(2)) with ordinality r(a, b, o), public.dblink_log l",
    "select count(*) as n from app.jobs j join app.runs r on case when r.a then true end, only public.dblink_log l"
    " join public.dblink_runs d using (id)",
    "select count(*) as n from app.jobs j, lateral (select 1 from app.runs r where r.id is distinct from j.id) s,"
    " public.dblink_log l",
    "select null::public.dblink_pkey_results is null as n, cast(null as public.dblink_pkey_results) is null as m",
    "select ((('select v from app.docs'::text)).ts_stat).nentry as n",
    "select 1 as n -- dblink_exec('loopback', 'x')\n",
    "select 'select dbl'\n'ink' as n",
    "select length(query_to_xml('select ''dblink_exec(''''a'''', ''''b'''')''', true, true, '')::text) as n",
    "select pg_notify('ops', 'x') is null as n",  # delivered at commit only: the rollback drops it
    "select count(*) as n from pg_stat_activity where query like '%;%' or query = ';select 1'",  # a plain string
    "select length(query_to_xml(';select 1; ;select 2;', true, true, '')::text) as n",
    "select length(query_to_xml('select 1'::text, true, true, '')::text) as n",
    "select length(query_to_xml(query => E'select\\n1', nulls => true, tableforest => true, targetns => '')) as n",
    "select length(query_to_xml('select dbl'\n'ink_log_count from public.stats', true, true, '')::text) as n",
    "select numnode(ts_rewrite(to_tsquery('a'), 'a'::tsquery, 'b'::tsquery)) as n",  # three tsqueries: no SQL
    "select numnode(ts_rewrite('a'::tsquery, 'select t, s from app.aliases')) as n",
    "select count(*) as n from ts_stat('select v from app.docs', 'ab')",
]
# SQL built at run time cannot be read: a function that runs it is not given it
BUILT = [
    ("xpath_table", "select count(*) as n from xpath_table('id', 'doc', 'public.orders', '/a', concat('1=', '1'))"
                    " as t(id text, a text)"),
    ("query_to_xml", "select length(query_to_xml(concat(';sel', 'ect dblink_exec(''loopback'', ''x'')'), true, true,"
                     " '')::text) as n"),
    ("query_to_xml", "select length(query_to_xml(format('select %s(''x'')', 'pg_prewarm'), true, true, '')::text)"
                     " as n"),
    ("query_to_xml", "select length(query_to_xml('select 1' || '', true, true, '')::text) as n"),
    ("query_to_xml", "select length(query_to_xml(targetns => '', query => q.s, nulls => true, tableforest => true)"
                     "::text) as n from (values ('select 1')) as q(s)"),
    ("query_to_xmlschema", "select length(pg_catalog.QUERY_TO_XMLSCHEMA(s, true, true, '')::text) as n"
                           " from (values ('select 1')) as q(s)"),
    ("ts_stat", "select count(*) as n from ts_stat((select 'select v from app.docs'))"),
    ("ts_rewrite", "select numnode(ts_rewrite('a'::tsquery, s)) as n from (values ('select 1')) as q(s)"),
    ("crosstab", "select count(*) as n from crosstab(repeat('values (1, 1, 1)', 1)) as t(a int, b int)"),
    # in attribute notation too: `(x).ts_stat` runs x (tried on PostgreSQL 15)
    ("ts_stat", "select ((concat('sel', 'ect v from app.docs')).ts_stat).nentry as n"),
    ("ts_stat", "select (q.s).ts_stat as n from (values ('select 1')) as q(s)"),
    ("ts_stat", "select ((array['select v from app.docs'])[1].ts_stat).nentry as n"),
]


@pytest.mark.parametrize("function, query", ESCAPES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(ESCAPES)])
def test_a_call_that_runs_sql_outside_the_read_only_transaction_is_refused_at_load(function, query):
    for field in ("query", "detail"):
        params = {"query": "select 1 as n", "expect": {"n": {"eq": 1}}, field: query}
        with pytest.raises(ValueError, match=rf"calls {function}\(\).*outside the checker's read-only transaction"):
            sql.Params.model_validate(params)


@pytest.mark.parametrize("query", NOT_ESCAPES)
def test_a_name_that_is_not_such_a_call_is_fine(query):
    sql.Params.model_validate({"query": query, "expect": {"n": {"ge": 0}}})


@pytest.mark.parametrize("function, query", BUILT, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BUILT)])
def test_sql_built_at_run_time_for_a_function_that_runs_it_is_refused_at_load(function, query):
    for field in ("query", "detail"):
        params = {"query": "select 1 as n", "expect": {"n": {"eq": 1}}, field: query}
        with pytest.raises(ValueError, match=rf"gives {function}\(\) SQL built at run time.*outside the checker's"
                                             r" read-only transaction.*as a string literal"):
            sql.Params.model_validate(params)


def test_the_refusal_names_the_item_the_function_and_why(tmp_path):
    from opsverify.checklist import load_checklists
    from opsverify.errors import ConfigError

    (tmp_path / "shop.yaml").write_text(
        "system: shop\nrunbook: none\nitems:\n"
        "  - {id: W3, name: dblink-server, section: s, title: t, family: sql, cadence: postdeploy, severity: normal,\n"
        "     params: {query: \"select dblink_exec('loopback', 'delete from public.stripe_events') as n\","
        " expect: {n: {ne: null}}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_checklists(tmp_path)
    said = str(refused.value)
    assert "W3-dblink-server" in said and "params.query" in said and "dblink_exec()" in said, said
    assert "another session" in said and "could write" in said, said


ESCAPE_HATCHES = """
create extension dblink;
create server loopback foreign data wrapper dblink_fdw options (host '127.0.0.1', dbname 'elsewhere');
create user mapping for public server loopback options (user 'writer', password 'writer-pw-1');
grant usage on foreign server loopback to public;
"""


def test_a_checker_that_may_run_dblink_or_use_a_foreign_server_is_warned(demo_deployment, shop):
    """A function of the database's own that calls dblink_exec is not seen at load: the role check says the checker
    could reach it (EXECUTE on dblink's functions, USAGE on a foreign server with a user mapping)."""
    def warning(url: str) -> str | None:
        database = Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="test")
        try:
            database.query_many(["select 1 as n"])
            return database.warning
        finally:
            database.close()

    assert warning(shop["url"]) is None  # a read-only checker, no dblink: nothing to say
    with scratch_database(demo_deployment, ESCAPE_HATCHES, prefix="hatch") as db:
        said = warning(db["url"]) or ""
    assert "dblink_exec" in said and "outside the read-only transaction" in said, said
    assert "foreign server loopback" in said, said


@contextlib.contextmanager
def _loopback_writer(shop: dict, prefix: str, *setup: str):
    """A role that may delete orders, and the dblink connection string that logs in as it (a loopback from the
    checker's own read-only session), with dblink installed and `setup` run by the admin; dropped after."""
    writer, password = f"{prefix}_writer_{shop['name'][-8:]}", f"{prefix}-writer-pw-1"
    with psycopg.connect(shop["admin"], autocommit=True) as conn:
        conn.execute("create extension dblink")
        conn.execute(f"create role {writer} login password '{password}'")
        conn.execute(f"grant select, delete on public.orders to {writer}")
        for statement in setup:
            conn.execute(statement)
    try:
        yield f"host=127.0.0.1 port={shop['port']} dbname={shop['name']} user={writer} password={password}"
    finally:
        with psycopg.connect(shop["admin"], autocommit=True) as conn:
            conn.execute(f"drop owned by {writer}")
            conn.execute(f"drop role {writer}")


def _run_read_only(url: str, queries: list[str]) -> list:
    """The queries as the checker runs them: each in its own read-only transaction."""
    database = Database(url, connect_timeout_s=5, statement_timeout_ms=5000, label="test")
    try:
        return database.query_many(queries)
    finally:
        database.close()


def _orders_left(shop: dict) -> list[int]:
    with psycopg.connect(shop["admin"], autocommit=True) as conn:
        return [row[0] for row in conn.execute("select id from public.orders order by id")]


def test_the_escapes_found_in_sql_text_really_write_and_are_refused_at_load(demo_deployment, shop):
    """SQL given as a literal to a function that runs it (ts_rewrite), joined across a newline as
    PostgreSQL joins it or after empty statements it skips, runs dblink from the checker's read-only session and
    deletes: each is refused at load."""
    queries = [
        "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery from dbl'\n"
        "'ink_exec(''LOOP'', ''delete from public.orders where id = 1'') as d')::text as n",
        "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery"
        " from dblink_exec(''LOOP'', ''delete from public.orders where id = 2'') as d')::text as n",
        # the empty statements, blanks and comments before it are skipped: the statement runs
        "select ts_rewrite('a'::tsquery, ' ;; /* skipped */ select ''a''::tsquery, ''b''::tsquery"
        " from dblink_exec(''LOOP'', ''delete from public.orders where id = 3'') as d')::text as n",
    ]
    with _loopback_writer(shop, "loop") as loop:
        for query in queries:
            with pytest.raises(ValueError, match=r"calls dblink(_exec)?\(\).*outside the checker's read-only"):
                sql.Params.model_validate({"query": query, "expect": {"n": {"ne": None}}})
        answers = _run_read_only(shop["url"], [q.replace("LOOP", loop.replace("'", "")) for q in queries])
        assert not any(isinstance(a, QueryFailed) for a in answers), answers
        left = _orders_left(shop)
        assert left == [], left  # each ran: what load refuses is a real write


def test_calls_in_attribute_notation_really_write_and_kill_and_are_refused_at_load(demo_deployment, shop):
    """PostgreSQL runs `(x).f` as f(x): from a read-only session, `('delete …'::text).dblink_exec` deletes through
    another session and `(pid).pg_terminate_backend` ends one. Each is refused at load."""
    victim_app = f"victim_{shop['name'][-8:]}"
    queries = [
        "select ('LOOP'::text).dblink_connect as c, ('delete from public.orders where id = 1'::text).dblink_exec as d",
        "select count(*) filter (where (pid).pg_terminate_backend) as n from pg_stat_activity"
        f" where application_name = '{victim_app}'",
    ]
    with _loopback_writer(shop, "attr") as loop, \
            psycopg.connect(shop["admin"], autocommit=True, application_name=victim_app) as victim:
        for query in queries:
            with pytest.raises(ValueError, match=r"calls (dblink_connect|pg_terminate_backend)\(\).*attribute notation"
                                                 r".*outside the checker's read-only transaction"):
                sql.Params.model_validate({"query": query, "expect": {"n": {"ne": None}}})
        # as the server runs them, each in its read-only transaction (the admin may signal any session)
        answers = _run_read_only(shop["admin"], [q.replace("LOOP", loop) for q in queries])
        assert not any(isinstance(a, QueryFailed) for a in answers), answers
        left = _orders_left(shop)
        assert left == [2, 3], left  # what load refuses is a real write
        with pytest.raises(psycopg.OperationalError):
            victim.execute("select 1")  # and a real kill


SETTINGS = ("select current_setting('search_path') as search_path, current_setting('statement_timeout') as timeout,"
            " current_setting('default_transaction_read_only') as ro, current_setting('TimeZone') as tz,"
            " current_setting('extra_float_digits') as digits, current_setting('client_encoding') as encoding,"
            " current_setting('standard_conforming_strings') as strings, current_setting('jit') as jit")


def _settings(url: str) -> dict:
    database = Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="test")
    try:
        return database.query(SETTINGS)[0]
    finally:
        database.close()


def test_the_urls_own_options_are_kept_and_the_suites_come_after_them(shop):
    """`?options=-csearch_path%3Dapp` names the schema a team's queries read: it is kept. The suite's own settings
    follow it, and a later `-c` wins: a URL cannot turn read-only off, lift the timeout or change how values read."""
    kept = _settings(shop["url"] + "?options=-csearch_path%3Dapp%2Cpublic")
    assert kept["search_path"] == "app,public", kept
    weakened = _settings(shop["url"] + "?options=" + quote(
        "-c search_path=app -c default_transaction_read_only=off -c statement_timeout=0"
        " -c TimeZone=Asia/Tokyo -c extra_float_digits=-14 -c client_encoding=SQL_ASCII"
        " -c standard_conforming_strings=off -c jit=on") + "&client_encoding=LATIN1")
    # no JIT: the catalog query of a thousand named relations is estimated dear, and would be compiled first
    assert weakened == {"search_path": "app", "timeout": "2s", "ro": "on", "tz": "UTC", "digits": "3",
                        "encoding": "UTF8", "strings": "on", "jit": "off"}, weakened
    written = _settings(make_conninfo(**conninfo_to_dict(shop["url"]), options="-c search_path=app"))  # key=value form
    assert written["search_path"] == "app" and written["ro"] == "on", written


# -- a source that never stops sending rows (a broken pooler, an impostor) ------------------------------------------
class _EndlessRows:
    """Speaks enough of PostgreSQL's protocol to be logged in to (trust), then answers any query with rows of 1 KB,
    forever (or, `parameters`, with ParameterStatus messages, each a new parameter)."""

    def __init__(self, parameters: bool = False) -> None:
        import socket

        from .project import _Server

        class Server(_Server):
            def handle(self, conn: socket.socket) -> None:
                import struct

                def message(kind: bytes, body: bytes) -> bytes:
                    return kind + struct.pack("!i", len(body) + 4) + body

                length = struct.unpack("!i", conn.recv(4))[0]
                if conn.recv(length - 4)[:4] == struct.pack("!i", 80877103):  # SSLRequest: no
                    conn.sendall(b"N")
                    length = struct.unpack("!i", conn.recv(4))[0]
                    conn.recv(length - 4)
                hello = message(b"R", struct.pack("!i", 0))
                for name, value in ((b"client_encoding", b"UTF8"), (b"server_version", b"16.0"),
                                    (b"integer_datetimes", b"on"), (b"standard_conforming_strings", b"on")):
                    hello += message(b"S", name + b"\0" + value + b"\0")
                hello += message(b"K", struct.pack("!ii", 1, 2)) + message(b"Z", b"I")
                conn.sendall(hello)
                conn.recv(65536)  # the first conversation
                column = b"x\0" + struct.pack("!ihihih", 0, 0, 25, -1, -1, 0)
                conn.sendall(message(b"1", b"") + message(b"2", b"") + message(b"T", struct.pack("!h", 1) + column))
                row = message(b"D", struct.pack("!hi", 1, 1024) + b"r" * 1024) * 64
                count = 0
                while not self.stopping.is_set():
                    if parameters:
                        count += 1
                        conn.sendall(message(b"S", b"p%d\0v\0" % count))
                    else:
                        conn.sendall(row)

        self.server = Server()
        self.url = f"postgresql://checker:pw@127.0.0.1:{self.server.port}/shop?sslmode=disable"

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()


def test_a_source_that_never_stops_sending_rows_is_stopped_at_the_answer_limit(monkeypatch):
    """An answer larger than ANSWER_LIMIT is not read further: memory stays bounded, the database's items are
    errors naming why, within the timeouts."""
    from opsverify.transports import postgres

    monkeypatch.setattr(postgres, "ANSWER_LIMIT", 2 << 20)
    with _EndlessRows() as source:
        database = Database(source.url, connect_timeout_s=5, statement_timeout_ms=60_000, label="shop")
        try:
            (answer,) = database.query_many(["select 1 as x"])
        finally:
            database.close(abort=True)
    assert isinstance(answer, postgres.DatabaseUnavailable), answer
    assert "answered more than 2 MiB; not read further" in str(answer), answer


def test_one_value_larger_than_the_answer_limit_is_counted_whole_and_stopped_there(monkeypatch, shop):
    """A real PostgreSQL sends a long value as one message, which libpq reads on for as long as more arrives: the
    bytes waiting at each wake-up were a few percent of it (24 MiB counted as about 1), and a value far past the
    limit was read whole and passed. What the kernel received on the connection is counted, however libpq reads it."""
    from opsverify.transports import postgres

    counted = []
    results = postgres._Conversation._results

    def counting(self, queries):
        try:
            return results(self, queries)
        finally:
            counted.append(self.received)

    monkeypatch.setattr(postgres._Conversation, "_results", counting)
    value = 24 << 20
    check = make_check("sql", {"query": f"select repeat('x', {value}) as body", "expect": {"body": {"ne": ""}}})
    for limit in (postgres.ANSWER_LIMIT, 2 << 20):
        monkeypatch.setattr(postgres, "ANSWER_LIMIT", limit)
        target = make_target({"database": shop["url"]})
        try:
            (outcome,) = gather_and_judge(target, sql, [check])
        finally:
            target.close()
        if limit > value:
            assert outcome.status == Status.PASSED, (outcome.status, outcome.observed[:80])
            assert max(counted) >= value, f"a {value >> 20} MiB value counted as {max(counted) / (1 << 20):.1f} MiB"
        else:
            assert outcome.status == Status.ERROR, (outcome.status, outcome.observed[:80])
            assert "answered more than 2 MiB; not read further" in outcome.observed, outcome.observed


def test_a_source_that_floods_without_answering_is_stopped_at_the_databases_time():
    """ParameterStatus after ParameterStatus, never an answer: each wait found data ready, so the run's time for the
    database (timeouts.database_s) was never looked at, and a CPU stayed pinned to the end of the run. Then the
    statement is cancelled on a connection of its own, which this source never closes: libpq's old PQcancel waited
    for that holding the interpreter's lock, and the whole run stopped with it."""
    import time

    from opsverify.transports import postgres

    with _EndlessRows(parameters=True) as source:
        database = Database(source.url, connect_timeout_s=5, statement_timeout_ms=1000, label="shop", budget_s=2)
        started = time.monotonic()
        try:
            (answer,) = database.query_many(["select 1 as x"])
        finally:
            database.close(abort=True)
    assert isinstance(answer, postgres.DatabaseUnavailable) and "used up" in str(answer), answer
    assert time.monotonic() - started < 30  # its budget (2 s), not the run's end


# -- the suite's own SQL reads PostgreSQL's objects, whatever the database's search_path -----------------------------
SHADOWED_NOW = """
create function public.now() returns timestamptz language sql stable as $$ select '2000-01-01 00:00+00'::timestamptz $$;
do $$ begin execute format('alter database %I set search_path = public, pg_catalog', current_database()); end $$;
"""


def test_a_pinned_statement_reads_pg_catalogs_objects_and_a_checklists_the_databases(demo_deployment):
    """The database lists public before pg_catalog: a checklist's query reads its public.now(), as the app's would;
    the same text `Pinned` (the suite's own) reads pg_catalog's — asked ahead (`prefetch`) or not, each its own
    question."""
    text = "select now() as now"
    with scratch_database(demo_deployment, SHADOWED_NOW, prefix="shadow") as db:
        database = Database(db["url"], connect_timeout_s=5, statement_timeout_ms=2000, label="shop")
        try:
            asked = database.query_many([Pinned(text), text])
            database.prefetch([text, Pinned(text)])
            kept = database.query_many([Pinned(text), text])
        finally:
            database.close()
    for pinned, plain in (asked, kept):
        assert pinned[0]["now"].year > 2000 and plain[0]["now"].year == 2000, (pinned, plain)


def test_every_statement_the_suite_writes_itself_is_pinned():
    """Those that name no object of the app's through its search_path: the role check, the catalog query, the
    scheduler's, the migrations', sql's and rpc's own questions (sql's RESOLVED resolves the app's names through the
    session's search_path: it is written qualified instead)."""
    catalog = schema.database_statements(None, [make_check("schema", {"table": "public.t", "rls": True})])
    history = migrations.database_statements(None, [make_check("migrations", {
        "tool": "rails", "applied": ["20240101000000"], "latest": "20240202000000", "from_repo": "db/migrate"})])
    statements = [ROLE_CHECK, *catalog, *scheduler.database_statements(None, []), *history, sql.VISIBILITY, sql.CLOCK,
                  rpc.DB_NOW]
    unpinned = [s for s in statements if not isinstance(s if isinstance(s, str) else s[0], Pinned)]
    assert not unpinned, unpinned


def test_every_session_reads_json_with_the_same_loaders(shop):
    """JSON numbers are read as decimals by loader classes psycopg makes once for the suite's function: made anew
    for each session, a fleet's 200 connections each built four classes (and psycopg kept them all)."""
    loaders = []
    for _ in range(2):
        database = Database(shop["url"], connect_timeout_s=5, statement_timeout_ms=2000, label="test")
        try:
            assert database.query("select '{\"n\": 9007199254740993.0}'::jsonb as v")[0]["v"] == {
                "n": decimal.Decimal("9007199254740993.0")}
            adapters = database._conn.adapters
            loaders.append([adapters.get_loader(adapters.types[name].oid, psycopg.pq.Format.TEXT)
                            for name in ("json", "jsonb")])
        finally:
            database.close()
    assert loaders[0] == loaders[1], loaders


@pytest.mark.parametrize("attrs, connects", [("read-write", True), ("read-only", False), ("primary", True)])
def test_target_session_attrs_are_asked_of_the_servers_role(shop, demo_deployment, attrs, connects):
    """Every session is read-only (default_transaction_read_only in its options): libpq's read-write refused a
    healthy primary ("session is read-only"), its read-only would take one. Asked as primary / standby instead."""
    url = demo_deployment.pg.url(shop["name"]) + f"?target_session_attrs={attrs}"
    database = Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="test")
    try:
        answers = database.query_many(["select 1 as one"])
    except DatabaseUnavailable as exc:
        answers = exc
    finally:
        database.close()
    if connects:
        assert answers == [[{"one": 1}]], answers
    else:  # no standby here: the primary is not taken for one
        assert isinstance(answers, DatabaseUnavailable) or isinstance(answers[0], GatherError), answers


def test_calls_after_is_distinct_from_really_write_and_kill_and_are_refused_at_load(demo_deployment, shop):
    """The FROM of `IS DISTINCT FROM` starts no FROM list: over a scalar FROM item, `false is distinct from
    p.pg_terminate_backend` ends a session and `'' is distinct from t.dblink_exec` deletes, from a read-only
    session. Each is refused at load; a relation named like dblink after a JOIN's ON condition loads and is read."""
    victim_app = f"victim_{shop['name'][-8:]}"
    queries = [
        "select count(*) as n from lower('LOOP') c, lower('delete from public.orders where id = 1') t"
        " where '' is distinct from c.dblink_connect and '' is not distinct from t.dblink_exec",
        "select count(*) as n from pg_stat_activity a, abs(a.pid) p"
        f" where a.application_name = '{victim_app}' and false is distinct from p.pg_terminate_backend",
    ]
    healthy = "select count(*) as n from public.orders o join public.orders p on p.id = o.id, public.dblink_log l"
    dblink_log = "create table public.dblink_log (id int); insert into public.dblink_log values (1)"
    with _loopback_writer(shop, "dist", dblink_log) as loop, \
            psycopg.connect(shop["admin"], autocommit=True, application_name=victim_app) as victim:
        for query in queries:
            with pytest.raises(ValueError, match=r"calls (dblink_connect|pg_terminate_backend)\(\).*attribute notation"
                                                 r".*outside the checker's read-only transaction"):
                sql.Params.model_validate({"query": query, "expect": {"n": {"ne": None}}})
        sql.Params.model_validate({"query": healthy, "expect": {"n": {"eq": 3}}})
        # as the server runs them, each in its read-only transaction (the admin may signal any session)
        answers = _run_read_only(shop["admin"], [q.replace("LOOP", loop) for q in [healthy, *queries]])
        assert not any(isinstance(a, QueryFailed) for a in answers), answers
        assert answers[0] == [{"n": 3}], f"healthy query {healthy!r}: expected n = 3, saw {answers[0]}"
        left = _orders_left(shop)
        assert left == [2, 3], left  # what load refuses is a real write
        with pytest.raises(psycopg.OperationalError):
            victim.execute("select 1")  # and a real kill
