"""sql compares a value as PostgreSQL compares its type: the client reads an enum, a citext, a money, a pg_lsn, a
named composite as `str`, and Python's order of their text (or its case) is not the type's. Each item below asks
the server the same comparison in its own query (`server`): the verdict must be the server's."""

from __future__ import annotations

import datetime as dt

import pytest

from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports import postgres
from opsverify.transports.postgres import TypedRows

from .kit import make_check
from .project import scratch_database
from .test_sql_bounds import _judged

SIGNS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
TYPES_DDL = """
create type public.severity as enum ('low', 'high', 'critical');
create type public.pair as (n int, s text);
create extension citext;
create domain public.email as citext;
create type public.latency as (p99_ms float8, unit text);
create type public.amount as (value numeric, currency text);
create type public.samples as (name text, ms float8[]);
create type public.tagged as (tag text, amount public.amount);
create type public.frange as range (subtype = float8);
create extension cube;
create table public.alerts (id serial, sev public.severity);
insert into public.alerts (sev) values ('low'), ('critical');
"""
# (name, the measure, operator, bound[, the bound as the server's own comparison writes it]): the measure read as text
# by the client, of a type that compares otherwise
READ_AS_TEXT = [
    ("enum-le", "(select max(sev) from public.alerts)", "le", "high"),
    ("enum-ge", "(select max(sev) from public.alerts)", "ge", "high"),
    ("enum-eq", "(select max(sev) from public.alerts)", "eq", "critical"),
    ("domain-over-citext-ne", "'ADMIN@x.com'::public.email", "ne", "admin@x.com"),
    ("citext-ne", "'ADMIN@x.com'::citext", "ne", "admin@x.com"),
    ("citext-eq", "'ADMIN@x.com'::citext", "eq", "admin@x.com"),
    ("citext-lt", "'B'::citext", "lt", "a"),
    ("money-lt", "10::numeric::money", "lt", "$9.00"),
    ("money-gt", "10::numeric::money", "gt", "$9.00"),
    ("lsn-lt", "'0/10'::pg_lsn", "lt", "0/9"),
    ("lsn-eq", "'0/10'::pg_lsn", "eq", "0/10"),
    ("composite-gt", "row(5, 'x')::public.pair", "gt", "(10,x)", "'(10,x)'::public.pair"),
    ("text-lt", "'B'::text", "lt", "a"),
    ("varchar-ge", "'b'::varchar(3)", "ge", "a"),
    ("char-lt", "'ok'::char(5)", "lt", "ol"),
    ("quote-in-text", "'it''s'::citext", "eq", "IT'S"),
    ("composite-finite-gt", "row(1.5, 'ms')::public.latency", "gt", "(0,ms)", "'(0,ms)'::public.latency"),
    # the text NaN or Infinity is no number: compared as ever
    ("composite-text-nan-gt", "row(5, 'NaN')::public.pair", "gt", "(1,x)", "'(1,x)'::public.pair"),
    ("composite-text-infinity-eq", "row(1, 'Infinity')::public.pair", "eq", "(1,Infinity)",
     "'(1,Infinity)'::public.pair"),
    ("composite-quoted-text-nan-gt", "row(1.5, 'a \"NaN\", (b)')::public.latency", "gt", "(0,ms)",
     "'(0,ms)'::public.latency"),
    ("composite-null-number-text-nan-gt", "row(null, 'NaN')::public.latency", "gt", "(0,ms)",
     "'(0,ms)'::public.latency"),
    ("percent-in-query", "(select max(s) from (values ('5%'::citext)) t(s) where s like '%\\%')", "eq", "5%"),
]
ARRAYS = [
    ("enum-array-eq", "array['low', 'critical']::public.severity[]", "eq", ["low", "critical"],
     "array['low', 'critical']::public.severity[]"),
    ("money-array-ne", "array[1::numeric::money]", "ne", ["$1.00"], "array['$1.00'::money]"),
    ("citext-array-eq", "array['A'::citext, null]", "eq", ["a", None], "array['a'::citext, null]"),
    # PostgreSQL's `=` compares an array's bounds too (one extended by a[0] := x starts at 0); the client's list has none
    ("int-array-eq", "array[0, 1, 2]", "eq", [0, 1, 2], "'{0,1,2}'::int[]"),
    ("int-array-from-0-eq", "'[0:2]={0,1,2}'::int[]", "eq", [0, 1, 2], "'{0,1,2}'::int[]"),
    ("int-array-from-0-ne", "'[0:2]={0,1,2}'::int[]", "ne", [0, 1, 2], "'{0,1,2}'::int[]"),
    ("text-array-from-0-eq", "'[0:1]={z,a}'::text[]", "eq", ["z", "a"], "'{z,a}'::text[]"),
    ("float-array-from-minus-1-eq", "'[-1:0]={0.5,1}'::float8[]", "eq", [0.5, 1], "'{0.5,1}'::float8[]"),
    ("int-matrix-from-0-eq", "'[0:1][1:2]={{1,2},{3,4}}'::int[]", "eq", [[1, 2], [3, 4]], "'{{1,2},{3,4}}'::int[]"),
    ("timetz-array-from-0-eq", "'[0:0]={10:00:00+01}'::timetz[]", "eq", ["10:00:00+01:00"],
     "array['10:00:00+01'::timetz]"),
    ("composites-text-infinity-ne", "array[row(2, 'Infinity')::public.latency]", "ne", ["(0,ms)"],
     "array['(0,ms)'::public.latency]"),
    ("enum-array-from-0-eq", "'[0:1]={low,high}'::public.severity[]", "eq", ["low", "high"],
     "'{low,high}'::public.severity[]"),
]


# NaN and ±Infinity satisfy no comparison, as a float8 column's do; PostgreSQL would order NaN above every number
NON_FINITE = [
    ("composite-nan-gt", "row('NaN', 'ms')::public.latency", "gt", "(0,ms)"),
    ("composite-nan-ne", "row('NaN', 'ms')::public.latency", "ne", "(0,ms)"),
    ("composite-infinity-ge", "row('Infinity', 'ms')::public.latency", "ge", "(100,ms)"),
    ("composite-numeric-nan-ge", "row('NaN', 'EUR')::public.amount", "ge", "(100,EUR)"),
    ("nested-composite-nan-ne", "row('x', row('NaN', 'EUR'))::public.tagged", "ne", '(x,"(1,EUR)")'),
    ("array-in-composite-nan-gt", "row('p99', array[1, 'NaN']::float8[])::public.samples", "gt", '(p99,"{1,1}")'),
    ("array-of-composites-ne", "array[row('-Infinity', 'ms')::public.latency]", "ne", ["(0,ms)"]),
    # a multirange's ranges, and the geometric types' floats
    ("multirange-infinity-gt", "public.fmultirange(public.frange(1, 'Infinity'))", "gt", "{[0,1)}"),
    ("box-infinity-gt", "box(point(0, 0), point('Infinity', 1))", "gt", "(1,1),(0,0)"),
    ("box-infinity-eq", "box(point(0, 0), point('Infinity', 1))", "eq", "(Infinity,1),(0,0)"),
    ("circle-infinity-gt", "circle(point(0, 0), 'Infinity')", "gt", "<(0,0),1>"),
    ("lseg-nan-ne", "lseg(point(0, 0), point('NaN', 0))", "ne", "[(0,0),(1,0)]"),
    # and an extension's own base type of floats (contrib's cube)
    ("cube-infinity-gt", "cube(array['Infinity'::float8])", "gt", "(0)"),
    ("cube-nan-eq", "cube(array['NaN'::float8])", "eq", "(NaN)"),
]


def test_a_composite_holding_a_non_finite_number_never_passes(demo_deployment):
    items = [make_check("sql", {"query": f"select {measure} as v", "expect": {"v": {op: bound}}}, item=f"N{i}",
                        name=name) for i, (name, measure, op, bound, *_) in enumerate(NON_FINITE)]
    with scratch_database(demo_deployment, TYPES_DDL, prefix="nonfinite") as db:
        outcomes = _judged(db["url"], items)
    for check, outcome in zip(items, outcomes):
        assert outcome.status is Status.FAILED, _said(check.name, Status.FAILED, outcome)
        assert "(holds a value that is not a finite number)" in outcome.observed, outcome.observed


def _said(name: str, want: Status, outcome) -> str:
    return (f"item {name}: expected {want.value}, saw {outcome.status.value}"
            f" (expected: {outcome.expected!r}; observed: {outcome.observed!r})")


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _items(cases, column: str = "v") -> list:
    items = []
    quoted = '"' + column.replace('"', '""') + '"'
    for i, (name, measure, op, bound, *written) in enumerate(cases):
        server = f"{measure} {SIGNS[op]} {written[0] if written else sql_text(bound)}"
        items.append(make_check("sql", {"query": f"select {measure} as {quoted}, {server} as server",
                                        "expect": {column: {op: bound}}}, item=f"T{i}", name=name))
    return items


def _disagreeing(items, outcomes) -> list[str]:
    return [_said(check.name, want, outcome) for check, outcome in zip(items, outcomes)
            for want in [Status.PASSED if outcome.evidence.get("row", {}).get("server") else Status.FAILED]
            if outcome.status is not want]


def test_a_value_read_as_text_is_compared_as_postgresql_compares_its_type(demo_deployment):
    items = _items(READ_AS_TEXT)
    items += [make_check("sql", {"query": f"select {measure} as v, {measure} {SIGNS[op]} {server} as server",
                                 "expect": {"v": {op: bound}}}, item=f"A{i}", name=name)
              for i, (name, measure, op, bound, server) in enumerate(ARRAYS)]
    with scratch_database(demo_deployment, TYPES_DDL, prefix="typed") as db:
        outcomes = _judged(db["url"], items)
    wrong = _disagreeing(items, outcomes)
    assert not wrong, "\n".join(wrong)
    worst = outcomes[0]
    assert "(compared by PostgreSQL as its type public.severity)" in worst.observed, worst


# the column's name is quoted into the follow-up, which the client formats: a `%` there is no placeholder
PERCENT_NAMES = ["worst %", "% done", "%(bound)s", "%s", "100%%"]


def test_a_percent_in_the_columns_name_is_compared_all_the_same(demo_deployment):
    items = [item for column in PERCENT_NAMES
             for item in _items([(f"enum-le {column}", "(select max(sev) from public.alerts)", "le", "high"),
                                 (f"text-lt {column}", "'B'::text", "lt", "a")], column)]
    with scratch_database(demo_deployment, TYPES_DDL, prefix="percent") as db:
        outcomes = _judged(db["url"], items)
    wrong = _disagreeing(items, outcomes)
    assert not wrong, "\n".join(wrong)


# a timetz orders equal instants by their zone: '10:00+01' is the instant 09:00Z, and neither equal to it nor after it
ZONED = [
    ("timetz-eq-same-instant", "'10:00:00+01'::timetz", "eq", "09:00:00Z"),
    ("timetz-ge-same-instant", "'10:00:00+01'::timetz", "ge", "09:00:00Z"),
    ("timetz-lt-same-instant", "'10:00:00+01'::timetz", "lt", "09:00:00Z"),
    ("timetz-eq-same-zone", "'10:00:00+01'::timetz", "eq", "10:00:00+01:00"),
    ("timetz-gt-earlier", "'10:00:00+01'::timetz", "gt", "08:30:00Z"),
    ("timetz-lt-earlier", "'10:00+02'::timetz", "lt", "09:00Z"),
    ("timetz-eq-other-offset", "'10:00+02'::timetz", "eq", "08:00:00+00:00"),
    ("timetz-gt-later", "'10:00+00'::timetz", "gt", "10:30+00:00"),
    ("timetz-array-eq", "array['10:00:00+01'::timetz]", "eq", ["09:00:00Z"], "array['09:00:00Z'::timetz]"),
]


def test_a_timetz_is_compared_as_postgresql_orders_it_zone_and_all(demo_deployment):
    items = _items(ZONED)
    with scratch_database(demo_deployment, "select 1", prefix="timetz") as db:
        outcomes = _judged(db["url"], items)
    wrong = _disagreeing(items, outcomes)
    assert not wrong, "\n".join(wrong)


@pytest.mark.needs_real_server
def test_text_is_ordered_by_the_querys_own_collation():
    """An ICU collation (`en-x-icu`: 'a' < 'B') orders otherwise than code points ('B' < 'a'); the query's COLLATE
    is the one the comparison uses. Needs a server built with ICU (the demo's is not): Debian's PostgreSQL 15, or
    the one PGICU_URL names."""
    import os

    from .test_real_pg_cron import _Cluster

    cases = [("icu-lt", "(select max(v collate \"en-x-icu\") from (values ('a'), ('B')) t(v))", "lt", "a"),
             ("icu-gt", "(select max(v collate \"en-x-icu\") from (values ('a'), ('B')) t(v))", "gt", "a"),
             ("c-lt", "(select max(v collate \"C\") from (values ('a'), ('B')) t(v))", "lt", "B")]
    items = _items(cases)
    # a column of two conflicting collations has none: PostgreSQL refuses to order it, and so must the item (under the
    # database's default, C.UTF-8 here, 'B' < 'a' holds)
    refused = _items([("no-collation-lt", NO_COLLATION, "lt", "a"), ("no-collation-ge", NO_COLLATION, "ge", "a")])
    measured = [make_check("sql", {"query": f"select {NO_COLLATION} as v", "expect": {"v": {op: "a"}}}, item=f"M{i}",
                           name=f"measured-{op}") for i, op in enumerate(["lt", "ge", "gt"])]
    cluster = None if os.environ.get("PGICU_URL") else _Cluster()
    try:
        url = os.environ.get("PGICU_URL") or cluster.url()
        wrong = _disagreeing(items, _judged(url, items))
        outcomes = _judged(url, refused + measured)
    finally:
        if cluster is not None:
            cluster.stop()
    assert not wrong, "\n".join(wrong)
    for check, outcome in zip(refused + measured, outcomes):
        assert outcome.status is Status.ERROR, _said(check.name, Status.ERROR, outcome)
        assert "could not determine which collation" in outcome.observed, outcome.observed
        if check in measured:  # the follow-up's refusal says what to do
            assert "say in the query which collation" in outcome.observed, outcome.observed


@pytest.mark.needs_real_server
def test_text_equality_under_a_nondeterministic_collation_is_postgresqls():
    """A nondeterministic collation (ICU's case-insensitive level 2) makes 'ADMIN' = 'admin' true: compared in Python,
    `ne: admin` passed a value PostgreSQL calls equal. Where the database has such a collation, text's equality is
    asked of PostgreSQL too (and only there: a database of deterministic collations takes no second round trip)."""
    import os

    import psycopg

    from .test_real_pg_cron import _Cluster

    ddl = ("create collation public.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
           " create domain public.nocase_text as text collate public.nocase;"
           " create table public.users (email text collate public.nocase, tags text[] collate public.nocase);"
           " insert into public.users values ('ADMIN@x.com', array['Ops'])")
    cases = [("nocase-ne", "(select email from public.users)", "ne", "admin@x.com"),
             ("nocase-eq", "(select email from public.users)", "eq", "admin@x.com"),
             ("nocase-eq-other", "(select email from public.users)", "eq", "root@x.com"),
             ("nocase-array-ne", "(select tags from public.users)", "ne", ["ops"], "array['ops']"),
             ("nocase-array-eq", "(select tags from public.users)", "eq", ["ops"], "array['ops']"),
             ("domain-ne", "'ABC'::public.nocase_text", "ne", "abc"),  # described as its base type, text
             ("char-ne", "'a'::char(3) collate public.nocase", "ne", "A"),
             ("plain-ne", "'ADMIN@x.com'::text", "ne", "admin@x.com")]
    items = _items(cases)
    cluster = None if os.environ.get("PGICU_URL") else _Cluster()
    try:
        url = os.environ.get("PGICU_URL") or cluster.url()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(DROP_NOCASE)
            conn.execute(ddl)
        try:
            outcomes = _judged(url, items)
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(DROP_NOCASE)
    finally:
        if cluster is not None:
            cluster.stop()
    wrong = _disagreeing(items, outcomes)
    assert not wrong, "\n".join(wrong)
    assert outcomes[0].status is Status.FAILED and "compared by PostgreSQL" in outcomes[0].observed, outcomes[0]


DROP_NOCASE = ("drop table if exists public.users; drop domain if exists public.nocase_text;"
               " drop collation if exists public.nocase")


# two columns of different collations: coalesce's value has no collation (each column has its own, implicitly)
NO_COLLATION = ("(select coalesce(e.v, u.v) from (select 'B'::text collate \"und-x-icu\" as v) u"
                " left join (select 'x'::text collate \"en-x-icu\" as v) e on false)")


def test_common_values_take_no_second_round_trip(demo_deployment, monkeypatch):
    """Numbers, booleans, timestamps, text's equality and arrays of them (their bounds too) are compared here, exactly:
    one conversation."""
    conversations = []
    ask = postgres.Database._ask

    def counted(self, statements):
        conversations.append(len(statements))
        return ask(self, statements)

    monkeypatch.setattr(postgres.Database, "_ask", counted)
    item = make_check("sql", {"query": "select 1 as n, true as ok, now() as at, 'x'::text as s, 'y'::varchar as v,"
                                       " array[1, 2] as a, '[0:1]={1,2}'::int[] as shifted",
                              "expect": {"n": {"eq": 1}, "ok": {"eq": True}, "at": {"gt": "2020-01-01T00:00:00Z"},
                                         "s": {"eq": "x"}, "v": {"ne": "x"}, "a": {"eq": [1, 2]},
                                         "shifted": {"ne": [1, 2]}}}, name="common")
    with scratch_database(demo_deployment, "select 1", prefix="common") as db:
        (outcome,) = _judged(db["url"], [item])
    assert outcome.status is Status.PASSED, _said("common", Status.PASSED, outcome)
    assert len(conversations) == 1, f"expected one conversation, saw {len(conversations)}: {conversations}"


UNKNOWN_TYPE = 16385  # an OID the judge knows nothing of: an enum, a citext of this database


@pytest.mark.parametrize("value, type_oid, expect", [
    ("critical", UNKNOWN_TYPE, {"le": "high"}),  # code point order would pass it
    ("ADMIN@x.com", UNKNOWN_TYPE, {"ne": "admin@x.com"}),  # case-sensitive Python would pass it
    ("B", 25, {"lt": "a"}),  # text's order is its collation's
    ("B", None, {"lt": "a"}),  # no type described
    (dt.time(10, tzinfo=dt.timezone(dt.timedelta(hours=1))), 1266, {"eq": "09:00:00Z"}),  # a timetz: its zone too
])
def test_a_comparison_postgresql_was_not_asked_is_an_error_never_a_python_pass(value, type_oid, expect):
    check = make_check("sql", {"query": "select 1", "expect": {"v": expect}}, name="unasked")
    rows = TypedRows([{"v": value}], {} if type_oid is None else {"v": type_oid})
    visibility = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": [], "reads": [],
                   "own_functions": []}]
    outcome = sql.judge(check, {"visibility": visibility, "deployed_at": None, "answers": {check.key: {"query": rows}}})
    assert outcome.status is Status.ERROR, _said("unasked", Status.ERROR, outcome)
    assert "cannot be compared here" in outcome.observed, outcome.observed


LATENCY, FLOAT8, TEXT = 16400, 701, 25
LATENCY_SHAPES = {LATENCY: ("c", [FLOAT8, TEXT], ","), FLOAT8: ("n", [], ","), TEXT: ("o", [], ",")}


@pytest.mark.parametrize("shapes, want, said", [
    (LATENCY_SHAPES, Status.FAILED, "(holds a value that is not a finite number)"),
    (sql.GatherError("relation pg_range is locked"), Status.ERROR, "could not be told"),  # never PostgreSQL's pass
    ({}, Status.ERROR, "could not be told"),
])
def test_a_non_finite_number_read_as_text_never_takes_postgresqls_pass(shapes, want, said):
    check = make_check("sql", {"query": "select 1", "expect": {"v": {"gt": "(0,ms)"}}}, name="nan")
    rows = TypedRows([{"v": "(NaN,ms)"}], {"v": LATENCY})
    visibility = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": [], "reads": [],
                   "own_functions": []}]
    answers = {check.key: {"query": rows, "compared": {"v": {"gt": [{"holds": True}]}}}}
    outcome = sql.judge(check, {"visibility": visibility, "deployed_at": None, "answers": answers,
                                "type_shapes": shapes})
    assert outcome.status is want, _said("nan", want, outcome)
    assert said in outcome.observed, outcome.observed


def test_a_value_nested_deeper_than_is_compared_is_an_error_not_a_crash(demo_deployment):
    """A 900-deep JSON array is read by the client, then compared and shown by recursion: the judge ended in
    "internal error: RecursionError". Said as what it is, with how to measure it."""
    items = [make_check("sql", {"query": "select (repeat('[', 900) || repeat(']', 900))::jsonb as v",
                                "expect": {"v": {"eq": []}}}, item="D1", name="deep")]
    with scratch_database(demo_deployment, "", prefix="deep") as db:
        (outcome,) = _judged(db["url"], items)
    assert outcome.status is Status.ERROR and "nested more than 100 levels deep" in outcome.observed, outcome


def test_a_query_reads_the_database_by_its_own_settings(demo_deployment):
    """The settings the suite pins to read its own SQL back (array_nulls, transform_null_equals) are its own
    statements' alone: pinned for the whole session, a team's `where customer_id = null` under the database's
    transform_null_equals = on counted no orphan, and the item passed where the app's own query finds one."""
    ddl = ("do $$ begin execute format('alter database %I set transform_null_equals = on', current_database());"
           " execute format('alter database %I set array_nulls = off', current_database()); end $$;\n"
           "create table public.orders (id int, customer_id int);\n"
           "insert into public.orders values (1, null), (2, 7);\n")
    items = [make_check("sql", {"query": "select count(*) as orphans from public.orders where customer_id = null",
                                "expect": {"orphans": {"eq": 0}}}, item="O1", name="orphans"),
             make_check("sql", {"query": "select array_position('{a,NULL}'::text[], 'NULL') as at",
                                "expect": {"at": {"eq": 2}}}, item="A1", name="nulls")]
    with scratch_database(demo_deployment, ddl, prefix="settings") as db:
        orphans, nulls = _judged(db["url"], items)
    assert orphans.status is Status.FAILED and "orphans = 1" in orphans.observed, orphans
    assert nulls.status is Status.PASSED, nulls  # under array_nulls = off, 'NULL' is the text
