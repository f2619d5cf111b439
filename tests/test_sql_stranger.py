"""sql against a stranger's database: the RLS guard resolves names as PostgreSQL does (search_path,
case folding, one name in two schemas, functions), and the judge compares only values of one kind,
exactly — never text against a number, a float for a numeric, a time as text, or one of two columns
that share a name."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import re
import secrets
import uuid

import psycopg
import pytest
from psycopg import sql as pgsql
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from opsverify.checklist import load_checklists
from opsverify.engine import gather_and_judge
from opsverify.errors import ConfigError, GatherError
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports import postgres
from opsverify.transports.postgres import RepeatedNames, TypedRows

from .kit import make_check, make_target
from .project import scratch_database


def _said(name: str, want: Status, outcome) -> str:
    """An assertion's message: the item, what was expected, what was seen."""
    return (f"item {name}: expected {want.value}, saw {outcome.status.value}"
            f" (expected: {outcome.expected!r}; observed: {outcome.observed!r})")


SEES_ALL = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": [], "reads": [], "own_functions": []}]


def _facts(check, rows, visibility=SEES_ALL):
    return {"visibility": visibility, "deployed_at": None, "answers": {check.key: {"query": _described(rows)}}}


def _described(rows):
    """Rows as the transport gives them, each column read as `str` described as text: what these tests mean by it."""
    if isinstance(rows, (TypedRows, GatherError)):
        return rows
    return TypedRows(rows, {column: TEXT for row in rows for column, value in row.items() if isinstance(value, str)})


TEXT = 25  # text's type OID


# -- comparing: one kind with one kind, exactly ------------------------------------------------
UTC = dt.timezone.utc
TWO_53 = 2**53

COMPARED = [
    # 05: text against a number, or a YAML boolean, never passes `ne` (nor `eq`)
    ("text-ne-number", {"setting": "0"}, {"setting": {"ne": 0}}, Status.ERROR),
    ("text-eq-number", {"setting": "0"}, {"setting": {"eq": 0}}, Status.ERROR),
    ("text-ne-yaml-off", {"fsync": "off"}, {"fsync": {"ne": False}}, Status.ERROR),
    ("bool-eq-number", {"on": True}, {"on": {"eq": 1}}, Status.ERROR),
    ("number-ne-bool", {"n": 0}, {"n": {"ne": False}}, Status.ERROR),
    ("uuid-ne-text", {"id": uuid.UUID(int=1)}, {"id": {"ne": "x"}}, Status.ERROR),
    ("text-ne-text", {"fsync": "off"}, {"fsync": {"ne": "on"}}, Status.PASSED),
    ("bool-ne-bool", {"fsync": False}, {"fsync": {"ne": True}}, Status.PASSED),
    ("bool-has-no-order", {"on": True}, {"on": {"gt": False}}, Status.ERROR),
    ("null-ne-value", {"n": None}, {"n": {"ne": "x"}}, Status.FAILED),
    ("value-ne-null", {"n": "x"}, {"n": {"ne": None}}, Status.PASSED),
    # 06: a numeric is compared exactly, with the number the checklist writes
    ("numeric-2^53+1-eq-2^53", {"total": decimal.Decimal(TWO_53 + 1)}, {"total": {"eq": TWO_53}}, Status.FAILED),
    ("numeric-2^53+1-eq-itself", {"total": decimal.Decimal(TWO_53 + 1)}, {"total": {"eq": TWO_53 + 1}}, Status.PASSED),
    ("numeric-2^53+1-gt-2^53", {"total": decimal.Decimal(TWO_53 + 1)}, {"total": {"gt": TWO_53}}, Status.PASSED),
    ("numeric-tiny-eq-0", {"diff": decimal.Decimal("1e-400")}, {"diff": {"eq": 0}}, Status.FAILED),
    ("numeric-tiny-gt-0", {"diff": decimal.Decimal("1e-400")}, {"diff": {"gt": 0}}, Status.PASSED),
    ("numeric-0.1-eq-0.1", {"r": decimal.Decimal("0.1")}, {"r": {"eq": 0.1}}, Status.PASSED),
    ("numeric-0.3-le-0.1", {"r": decimal.Decimal("0.3")}, {"r": {"le": 0.1}}, Status.FAILED),
    ("numeric-nan-ne-0", {"r": decimal.Decimal("NaN")}, {"r": {"ne": 0}}, Status.FAILED),
    ("numeric-inf-ge-0", {"r": decimal.Decimal("Infinity")}, {"r": {"ge": 0}}, Status.FAILED),
    ("numeric-neg-inf-le-0", {"r": decimal.Decimal("-Infinity")}, {"r": {"le": 0}}, Status.FAILED),
    ("bigint-eq-float", {"n": TWO_53 + 1}, {"n": {"eq": float(TWO_53)}}, Status.FAILED),
    # a float8 against an integer: the float nearest it, as PostgreSQL compares float8 = int8
    ("float-2^53-eq-2^53+1", {"n": float(TWO_53)}, {"n": {"eq": TWO_53 + 1}}, Status.PASSED),
    ("float-2^53-gt-2^53-1", {"n": float(TWO_53)}, {"n": {"gt": TWO_53 - 1}}, Status.PASSED),
    ("float-0.5-lt-1", {"n": 0.5}, {"n": {"lt": 1}}, Status.PASSED),
    ("float-below-huge-int", {"n": 1e308}, {"n": {"lt": 10**400}}, Status.PASSED),
    ("float-nan-ne-int", {"n": math.nan}, {"n": {"ne": 0}}, Status.FAILED),
    ("float-inf-gt-int", {"n": math.inf}, {"n": {"gt": 0}}, Status.FAILED),
    # "is set" (`ne: null`) is no pass for a NaN either: it is there, but is no number the runbook can mean
    ("float-nan-ne-null", {"n": math.nan}, {"n": {"ne": None}}, Status.FAILED),
    ("numeric-inf-ne-null", {"n": decimal.Decimal("Infinity")}, {"n": {"ne": None}}, Status.FAILED),
    ("float-array-nan-ne-null", {"n": [1.0, math.nan]}, {"n": {"ne": None}}, Status.FAILED),
    # ... nor for a built-in range or multirange holding one (numrange, nummultirange: the driver's Range objects)
    ("numrange-nan-ne-null", {"n": Range(decimal.Decimal(0), decimal.Decimal("NaN"))}, {"n": {"ne": None}},
     Status.FAILED),
    ("nummultirange-inf-ne-null", {"n": Multirange([Range(decimal.Decimal(1), decimal.Decimal("Infinity"))])},
     {"n": {"ne": None}}, Status.FAILED),
    ("numrange-ne-null", {"n": Range(decimal.Decimal(0), decimal.Decimal(1))}, {"n": {"ne": None}}, Status.PASSED),
    ("unbounded-numrange-ne-null", {"n": Range(None, decimal.Decimal(1))}, {"n": {"ne": None}}, Status.PASSED),
    # ... inside an array too: {NaN} ≠ {0} holds for PostgreSQL, but says nothing about a ratio
    ("numeric-array-nan-ne", {"r": [decimal.Decimal("NaN")]}, {"r": {"ne": [0]}}, Status.FAILED),
    ("numeric-array-neg-inf-ne", {"n": [decimal.Decimal("-Infinity"), 1]}, {"n": {"ne": [0, 1]}}, Status.FAILED),
    ("float-array-nested-inf-ne", {"n": [[1.0], [math.inf]]}, {"n": {"ne": [[1], [2]]}}, Status.FAILED),
    ("numeric-array-ne", {"r": [decimal.Decimal("0.5")]}, {"r": {"ne": [0]}}, Status.PASSED),
    # 07: times compare as times, or not at all
    ("tstz-lt-iso-z", {"last_run": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"last_run": {"lt": "2026-11-30T09:00:00Z"}}, Status.FAILED),
    ("tstz-gt-iso-z", {"last_run": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"last_run": {"gt": "2026-11-30T09:00:00Z"}}, Status.PASSED),
    ("tstz-eq-other-offset", {"at": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"at": {"eq": "2026-11-30T12:00:00+02:00"}}, Status.PASSED),
    ("tstz-lt-yaml-timestamp", {"at": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"at": {"lt": dt.datetime(2026, 11, 30, 9, tzinfo=UTC)}}, Status.FAILED),
    ("tstz-lt-naive-text", {"at": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"at": {"lt": "2026-11-30T09:00:00"}}, Status.ERROR),
    ("tstz-lt-not-a-time", {"at": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)},
     {"at": {"lt": "yesterday"}}, Status.ERROR),
    ("tstz-lt-number", {"at": dt.datetime(2026, 11, 30, 10, tzinfo=UTC)}, {"at": {"lt": 5}}, Status.ERROR),
    ("timestamp-lt-naive-text", {"at": dt.datetime(2026, 11, 30, 10)}, {"at": {"lt": "2026-11-30 09:00:00"}},
     Status.FAILED),
    ("timestamp-lt-aware-text", {"at": dt.datetime(2026, 11, 30, 10)}, {"at": {"lt": "2026-11-30T11:00:00Z"}},
     Status.ERROR),
    ("date-lt-iso", {"day": dt.date(2026, 11, 30)}, {"day": {"lt": "2026-12-01"}}, Status.PASSED),
    ("date-ge-yaml-date", {"day": dt.date(2026, 11, 30)}, {"day": {"ge": dt.date(2026, 12, 1)}}, Status.FAILED),
    ("interval-lt-text", {"lag": dt.timedelta(hours=10)}, {"lag": {"lt": "9:00:00"}}, Status.ERROR),
    ("interval-lt-number", {"lag": dt.timedelta(hours=10)}, {"lag": {"lt": 9}}, Status.ERROR),
    ("interval-ne-text", {"lag": dt.timedelta(hours=10)}, {"lag": {"ne": "10:00:00"}}, Status.ERROR),
]


@pytest.mark.parametrize("name, row, expect, want", COMPARED, ids=[c[0] for c in COMPARED])
def test_sql_compares_only_values_of_one_kind_exactly(name, row, expect, want):
    check = make_check("sql", {"query": "select 1", "expect": expect}, name=name)
    outcome = sql.judge(check, _facts(check, [row]))
    assert outcome.status is want, _said(name, want, outcome)
    if want is Status.ERROR and "cannot be compared" in outcome.observed:
        column = next(iter(expect))
        assert column in outcome.observed and "expected" in outcome.observed, _said(name, want, outcome)


def test_sql_numeric_is_shown_exactly():
    check = make_check("sql", {"query": "select 1", "expect": {"total": {"eq": TWO_53}}}, name="bigsum")
    outcome = sql.judge(check, _facts(check, [{"total": decimal.Decimal(TWO_53 + 1)}]))
    assert str(TWO_53 + 1) in outcome.observed, _said("bigsum", Status.FAILED, outcome)
    assert outcome.evidence["row"] == {"total": TWO_53 + 1}, f"item bigsum: evidence row {outcome.evidence['row']}"


def test_values_from_postgresql_compare_as_postgresql_compares_them(demo_deployment):
    """A float8 with an integer bound compares with the float nearest it (PostgreSQL: float8 = int8 is true), and a
    char(n) without its trailing blanks (PostgreSQL's bpchar comparison ignores them); the evidence keeps the value as
    read, and a failure says what was compared."""
    items = [make_check("sql", {"query": "select 9007199254740993::float8 as n", "expect": {"n": {"eq": TWO_53 + 1}}},
                        item="P1", name="float8-int"),
             make_check("sql", {"query": "select 'ok'::char(5) as s, array['ok', 'no']::char(4)[] as many",
                                "expect": {"s": {"eq": "ok", "lt": "ol"}, "many": {"eq": ["ok", "no"]}}},
                        item="P2", name="char-padded"),
             make_check("sql", {"query": "select 'ok'::char(5) as s", "expect": {"s": {"eq": "no"}}},
                        item="P3", name="char-differs"),
             make_check("sql", {"query": "select 'ok  '::text as s", "expect": {"s": {"eq": "ok"}}},
                        item="P4", name="text-keeps-blanks"),
             make_check("sql", {"query": "select 'ok'::char(5) as s", "expect": {"s": {"eq": 0}}},
                        item="P5", name="char-vs-number")]
    with scratch_database(demo_deployment, "select 1", prefix="kinds") as db:
        floated, padded, differs, text, number = _judged(db["url"], items)
    assert floated.status is Status.PASSED, _said("float8-int", Status.PASSED, floated)
    assert padded.status is Status.PASSED, _said("char-padded", Status.PASSED, padded)
    assert padded.evidence["row"]["s"] == "ok   ", padded.evidence  # the value as read
    assert differs.status is Status.FAILED, _said("char-differs", Status.FAILED, differs)
    assert "s = 'ok   ' (a char(n): compared without its trailing blanks, as 'ok')" in differs.observed, differs.observed
    assert text.status is Status.FAILED, _said("text-keeps-blanks", Status.FAILED, text)  # text keeps its blanks
    assert number.status is Status.ERROR and "cannot be compared" in number.observed, number


# a real compared as PostgreSQL compares it with a number written in a query: widened to its exact binary value
# (0.1::real is 0.100000001490116…), not read as the float8 nearest its shortest text (0.1)
REALS = [("0.1", "le", 0.1), ("0.1", "gt", 0.1), ("0.1", "eq", 0.1), ("-0.1", "lt", -0.1), ("0.5", "eq", 0.5),
         ("16777217", "eq", 16777217), ("16777217", "eq", 16777216), ("123456789", "ge", 123456789),
         ("3.4028235e+38", "lt", 3.4028235e+38)]


def test_a_real_compares_as_postgresql_widens_it(demo_deployment):
    """Each item's verdict is the server's own answer to the same comparison, asked in the same query."""
    items = [make_check("sql", {"query": f"select {text}::real as r, {text}::real {sign} {bound!r} as server",
                                "expect": {"r": {op: bound}}}, item=f"R{i}", name=f"{text} {op} {bound!r}")
             for i, (text, op, bound) in enumerate(REALS)
             for sign in [{"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]]]
    items.append(make_check("sql", {"query": "select array[0.1, 0.5]::real[] as r", "expect": {"r": {"eq": [0.1, 0.5]}}},
                            item="RA", name="array"))
    with scratch_database(demo_deployment, "select 1", prefix="reals") as db:
        outcomes = _judged(db["url"], items)
    *compared, array = outcomes
    wrong = [_said(check.name, want, outcome) for check, outcome in zip(items, compared)
             for want in [Status.PASSED if outcome.evidence["row"]["server"] else Status.FAILED]
             if outcome.status is not want]
    assert not wrong, "\n".join(wrong)
    assert array.status is Status.FAILED and "0.10000000149011612" in array.observed, array  # each element widened


# -- 08: two columns of one name ------------------------------------------------------------
def test_sql_a_column_named_twice_is_not_guessed():
    rows = RepeatedNames([{"bad": 0, "good": 1}], {"bad": 2})
    read = make_check("sql", {"query": "select 5 as bad, 0 as bad, 1 as good", "expect": {"bad": {"eq": 0}}},
                      name="dup-read")
    outcome = sql.judge(read, _facts(read, rows))
    assert outcome.status is Status.ERROR and "bad 2 times" in outcome.observed, _said("dup-read", Status.ERROR, outcome)
    other = make_check("sql", {"query": "select 5 as bad, 0 as bad, 1 as good", "expect": {"good": {"eq": 1}}},
                       name="dup-unread")
    outcome = sql.judge(other, _facts(other, rows))
    assert outcome.status is Status.PASSED, _said("dup-unread", Status.PASSED, outcome)


# -- the RLS guard: names as PostgreSQL reads them ------------------------------------------------
@pytest.mark.parametrize("query, tables", [
    ("SELECT COUNT(*) AS n FROM PUBLIC.TASKS", ('"public"."tasks"',)),
    ('select count(*) as n from "App"."Jobs" join Jobs on true', ('"App"."Jobs"', '"jobs"')),
    ('select count(*) as n from "we""ird"', ('"we""ird"',)),
    ("with j as (select * from app.jobs) select count(*) as n from j", ('"app"."jobs"',)),  # j is its own CTE
])
def test_sql_names_are_folded_as_postgresql_folds_them(query, tables):
    names = sql.names_read(query)
    assert names is not None and names.tables == tables, f"query {query!r}: expected {tables}, saw {names}"


# a function the database may define under a name sqlglot knows from some dialect (nvl, year, median, if, …) is
# a call all the same, named as written: sqlglot parses it as its own kind of node, not as an unknown function
@pytest.mark.parametrize("query, called", [
    ("select nvl(0) as stuck", {("", "nvl")}),
    ('select IfNull(1, 2) + "NVL"(3) + app.nvl(4) as n', {("", "ifnull"), ("", "NVL"), ("app", "nvl")}),
    ("select year(now()) + median(1) + count_if(true) as n", {("", "year"), ("", "now"), ("", "median"),
                                                               ("", "count_if")}),
    ("select if(true, 1, 2) + mod(5, 3) + max_by(1, 2) + date_part('year', now()) as n",
     {("", "if"), ("", "mod"), ("", "max_by"), ("", "date_part"), ("", "now")}),
    ("select count(*) as n from uuid() as first(x)", {("", "count"), ("", "uuid")}),  # first(x) names columns
])
def test_every_call_is_named_as_written_whatever_sqlglot_parses_it_as(query, called):
    names = sql.names_read(query)
    assert names is not None and set(names.functions) == called, f"query {query!r}: expected {called}, saw {names}"


# a CTE's name hides a table only where PostgreSQL resolves it: in its WITH's own query and in the CTEs after it
# (in all of them, itself too, under WITH RECURSIVE) — not in its own body, nor outside the subquery holding it
@pytest.mark.parametrize("query, tables", [
    ("with rls_on as (select * from rls_on) select count(*) as n from rls_on", ('"rls_on"',)),
    ("select count(*) as n from rls_on where not exists (with rls_on as (select 1) select 1 from rls_on where false)",
     ('"rls_on"',)),
    ("select (select count(*) from rls_on) + (with rls_on as (select 1 as z) select count(*) from rls_on) - 1 as n",
     ('"rls_on"',)),
    ("with a as (select * from b), b as (select 1) select count(*) as n from a", ('"b"',)),  # b is not yet defined
    ('with "RLS_ON" as (select 1) select count(*) as n from RLS_ON', ('"rls_on"',)),  # RLS_ON folds to rls_on
    ("with recursive r(x) as (select 1 union all select x + 1 from r where x < 3) select count(*) as n from r", ()),
    ("with recursive a as (select * from b), b as (select 1) select count(*) as n from a", ()),
    ("with a as (select 1), b as (select * from a) select count(*) as n from b", ()),
    ("with j as (select 1) select (select count(*) from j where exists (select 1 from j)) as n", ()),
    ("select (with j as (select 1) select count(*) from (select * from j) s) as n", ()),
])
def test_a_cte_hides_a_table_only_where_postgresql_resolves_the_name_to_it(query, tables):
    names = sql.names_read(query)
    assert names is not None and names.tables == tables, f"query {query!r}: expected {tables}, saw {names}"


# PostgreSQL reads `x.name` as name(x) where x has no column name (attribute notation): each name after a dot may be
# such a call; and the SQL a function runs as the role (given as a string constant) is read as the query's own
@pytest.mark.parametrize("query, attributes, tables, given, unread", [
    ("select sum(q.backlog) as n from queues q", ("backlog",), ('"queues"',), (), ()),
    ("select (q).backlog + (q.*).other + q.a.b + s.t.c as n from queues q", ("a", "b", "c", "t"), ('"queues"',), (),
     ()),
    ("select count(*) as n from app.jobs", (), ('"app"."jobs"',), (), ()),
    ("select sum(n) as n from crosstab('select s, s, count(*)::int from app.jobs group by 1 order by 1')"
     " as ct(s text, n int)", (), ('"app"."jobs"',), (('"app"."jobs"', "crosstab"),), ()),
    # its source and category queries; a number is no SQL; E'' escapes and $$ bodies read as PostgreSQL reads them
    ("select 1 as n from public.crosstab(E'select 1 from \\x61pp.a', $$select 1 from b$$),"
     " crosstab('select 1 from c', 2)",
     (), ('"app"."a"', '"b"', '"c"'), (('"app"."a"', "crosstab"), ('"b"', "crosstab"), ('"c"', "crosstab")), ()),
    # connectby splices its relation, key, parent (and orderby) into a SELECT: a key may read another table
    ("select count(*) as n from connectby('app.jobs', '(select max(id) from app.s)', 'parent', '1', 0)"
     " as t(id int, parent int, level int)", (), ('"app"."jobs"', '"app"."s"'),
     (('"app"."jobs"', "connectby"), ('"app"."s"', "connectby")), ()),
    ("select count(*) as n from connectby('app.jobs', 'id', 'parent', '(select 1 from app.o)', '1', 0)"
     " as t(id int, parent int, level int, s int)", (), ('"app"."jobs"', '"app"."o"'),
     (('"app"."jobs"', "connectby"), ('"app"."o"', "connectby")), ()),
    ("select count(*) as n from xpath_table('id', 'doc', 'app.docs', '/a', 'id in (select id from app.s)')"
     " as t(id int, a text)", (), ('"app"."docs"', '"app"."s"'),
     (('"app"."docs"', "xpath_table"), ('"app"."s"', "xpath_table")), ()),
    ("select length(query_to_xml(query => 'select 1 from app.jobs', nulls => true, tableforest => true,"
     " targetns => '')::text) as n", (), ('"app"."jobs"',), (('"app"."jobs"', "query_to_xml"),), ()),
    # SQL that cannot be followed: built at run time, or not parsed
    ("select count(*) as n from crosstab(q.sql) as ct(s text, n int), queries q", ("sql",), ('"queries"',), (),
     ("crosstab",)),
    ("select count(*) as n from connectby(r.name, 'id', 'parent', '1', 0) as t(id int, parent int, level int),"
     " rels r", ("name",), ('"rels"',), (), ("connectby",)),
    ("select count(*) as n from crosstab('select from where') as ct(s text, n int)", (), (), (), ("crosstab",)),
    # called in attribute notation, `(x).ts_stat` runs x: a string constant is followed, anything else is not
    ("select (('select v from app.docs'::text).ts_stat).nentry as n", (), ('"app"."docs"',),
     (('"app"."docs"', "ts_stat"),), ()),
    ("select ((q.s).ts_stat).nentry as n from queries q", ("s",), ('"queries"',), (), ("ts_stat",)),
    # after `IS DISTINCT FROM` (no FROM list), `t.ts_stat` runs t: a value that is no string constant there
    ("select 1 as n from lower('select v from app.docs') t where null is distinct from t.ts_stat", ("ts_stat",), (),
     (), ("ts_stat",)),
    ("select null is not distinct from t.x, t.ts_stat as n from lower('select v from app.docs') t",
     ("ts_stat", "x"), (), (), ("ts_stat",)),
])
def test_names_read_follow_attribute_notation_and_sql_run_by_functions(query, attributes, tables, given, unread):
    names = sql.names_read(query)
    seen = None if names is None else (names.attributes, names.tables, names.given, names.unread)
    assert seen == (attributes, tables, given, unread), (
        f"query {query!r}: expected attributes, tables, given and unread {(attributes, tables, given, unread)},"
        f" saw {seen}")


# after a dot that follows an expression (`(x).f`, `x[1].f`, `$1.f`) PostgreSQL reads f(x) whatever x's type (an int,
# text, an array): such names are asked about apart from those after a relation's name (`q.f`, `s.t.f`: a row);
# a qualified type's name (`::app.money_t`) is neither
@pytest.mark.parametrize("query, values, attributes", [
    ("select ('stuck'::text).stuck_of as n", ("stuck_of",), ()),
    ("select (1).backlog + (q).other + (q.*).more + (select 1).sub as n from queues q",
     ("backlog", "more", "other", "sub"), ()),
    ("select q.arr[1].f + (q.id).g.h + $1.p as n from queues q", ("f", "g", "h", "p"), ("arr", "id")),
    ("select sum(q.backlog)::app.money_t as n from app.queues q", (), ("backlog", "money_t")),
    ("select sum(n) as n from crosstab('select s, s, (count(*)).c::int from app.jobs group by 1 order by 1')"
     " as ct(s text, n int)", ("c",), ()),
])
def test_names_read_tell_a_call_on_any_value_from_one_on_a_row(query, values, attributes):
    names = sql.names_read(query)
    seen = None if names is None else (names.values, names.attributes)
    assert seen == (values, attributes), (
        f"query {query!r}: expected names after an expression's dot {values} and after a relation's {attributes},"
        f" saw {seen}")


def _reading(*reads, functions=(), rls_tables=("app.jobs",), rls_on_viewer=None, attribute_functions=(),
             value_functions=()):
    row = {"viewer": "reader", "sees_all": False, "rls_tables": list(rls_tables), "views": [],
           "reads": [{**dict(zip(("name", "relation", "schema", "kind", "rls"), r)),
                      "built_in": r[2] in ("pg_catalog", "information_schema")} for r in reads],
           "own_functions": list(functions), "own_attribute_functions": list(attribute_functions),
           "own_value_functions": list(value_functions)}
    if rls_on_viewer is not None:  # the tables RLS applies to for the role, as RESOLVED asks them
        row["rls_on_viewer"] = list(rls_on_viewer)
    return [row]


def _statistics(name, view="pg_stats", **kwargs):
    return _reading((name, f"pg_catalog.{view}", "pg_catalog", "v", False), **kwargs)


GUARDED = [
    ("search-path", "select count(*) as n from jobs", _reading(('"jobs"', "app.jobs", "app", "r", True)),
     Status.ERROR),
    ("two-schemas-public", "select count(*) as n from public.orders",
     _reading(('"public"."orders"', "public.orders", "public", "r", False)), Status.PASSED),
    ("upper-case", "SELECT COUNT(*) AS n FROM PUBLIC.TASKS",
     _reading(('"public"."tasks"', "public.tasks", "public", "r", True)), Status.ERROR),
    ("owner-without-force", "select count(*) as n from app.jobs",
     _reading(('"app"."jobs"', "app.jobs", "app", "r", False)), Status.PASSED),
    ("missing-or-cte", "with j as (select 1) select count(*) as n from j", _reading(('"j"', None, None, None, None)),
     Status.PASSED),
    ("view", "select count(*) as n from v", _reading(('"v"', "public.v", "public", "v", False)), Status.ERROR),
    ("catalog", "select count(*) as n from pg_class", _reading(('"pg_class"', "pg_catalog.pg_class", "pg_catalog",
                                                                "r", False)), Status.PASSED),
    ("own-function", "select public.stuck_jobs() as n", _reading(functions=["stuck_jobs"]), Status.ERROR),
    ("own-function-named-like-a-known-one", "select nvl(0) as n", _reading(functions=["nvl"]), Status.ERROR),
    ("own-function-no-rls", "select public.stuck_jobs() as n", _reading(functions=["stuck_jobs"], rls_tables=()),
     Status.PASSED),
    ("query-to-xml", "select length(query_to_xml('select * from app.jobs', true, true, '')::text) as n",
     _reading(), Status.ERROR),
    ("ts-rewrite", "select numnode(ts_rewrite('a'::tsquery, 'select t, s from app.aliases')) as n", _reading(),
     Status.ERROR),
    ("not-asked", "select count(*) as n from jobs", _reading(), Status.ERROR),
    ("query-to-xml-unguarded", "select length(query_to_xml('select * from public.orders', true, true, '')::text) as n",
     _reading(('"public"."orders"', "public.orders", "public", "r", False)), Status.PASSED),
    ("table-to-xml", "select length(table_to_xml('public.orders', true, true, '')::text) as n", _reading(),
     Status.ERROR),  # a table given as regclass: not followed
    # a function of the database's own called in attribute notation: q.backlog is backlog(q)
    ("attribute-notation", "select sum(q.backlog) as n from public.queues q",
     _reading(('"public"."queues"', "public.queues", "public", "r", False), attribute_functions=["backlog"]),
     Status.ERROR),
    ("attribute-a-column", "select sum(q.backlog) as n from public.queues q",
     _reading(('"public"."queues"', "public.queues", "public", "r", False)), Status.PASSED),
    # ... on any value: (x).f is f(x) whatever x's type; after a relation's name only a row is given
    ("attribute-notation-on-text", "select ('stuck'::text).stuck_of as n", _reading(value_functions=["stuck_of"]),
     Status.ERROR),
    ("attribute-notation-on-an-int", "select (1).backlog as n", _reading(value_functions=["backlog"]), Status.ERROR),
    ("attribute-notation-on-an-element", "select sum(q.ids[1].backlog) as n from public.queues q",
     _reading(('"public"."queues"', "public.queues", "public", "r", False), value_functions=["backlog"]),
     Status.ERROR),
    ("attribute-a-column-not-on-a-row", "select count(*) as n from public.orders o where o.status = 'paid'",
     _reading(('"public"."orders"', "public.orders", "public", "r", False), value_functions=["status"]),
     Status.PASSED),
    # an extension's function running the SQL (or reading the table) it is given, as the role
    ("crosstab", "select sum(n) as n from crosstab('select s, s, count(*)::int from app.jobs group by 1 order by 1')"
     " as ct(s text, n int)", _reading(('"app"."jobs"', "app.jobs", "app", "r", True)), Status.ERROR),
    ("crosstab-unguarded", "select sum(n) as n from crosstab('select s, s, count(*)::int from public.orders"
     " group by 1 order by 1') as ct(s text, n int)",
     _reading(('"public"."orders"', "public.orders", "public", "r", False)), Status.PASSED),
    ("ts-stat-attribute-notation", "select (('select v from app.jobs'::text).ts_stat).nentry as n",
     _reading(('"app"."jobs"', "app.jobs", "app", "r", True)), Status.ERROR),
    ("connectby", "select count(*) as n from connectby('app.jobs', 'id', 'parent', '1', 0)"
     " as t(id int, parent int, level int)", _reading(('"app"."jobs"', "app.jobs", "app", "r", True)), Status.ERROR),
    ("xpath-table-criteria", "select count(*) as n from xpath_table('id', 'doc', 'public.docs', '/a',"
     " 'id in (select id from app.jobs)') as t(id int, a text)",
     _reading(('"app"."jobs"', "app.jobs", "app", "r", True),
              ('"public"."docs"', "public.docs", "public", "r", False)), Status.ERROR),
    # PostgreSQL's statistics views leave out the rows of every table RLS applies to for the role: a catalog read
    # that hides rows, however it is written
    ("pg-stats", "select count(*) as n from pg_stats where null_frac > 0.3",
     _statistics('"pg_stats"', rls_on_viewer=["app.jobs"]), Status.ERROR),
    ("pg-stats-qualified-upper", "SELECT COUNT(*) AS n FROM PG_CATALOG.PG_STATS",
     _statistics('"pg_catalog"."pg_stats"', rls_on_viewer=["app.jobs"]), Status.ERROR),
    ("pg-stats-ext-quoted", 'select count(*) as n from "pg_catalog"."pg_stats_ext"',
     _statistics('"pg_catalog"."pg_stats_ext"', "pg_stats_ext", rls_on_viewer=["app.jobs"]), Status.ERROR),
    ("pg-stats-ext-exprs", "select count(*) as n from pg_stats_ext_exprs",
     _statistics('"pg_stats_ext_exprs"', "pg_stats_ext_exprs", rls_on_viewer=["app.jobs"]), Status.ERROR),
    ("pg-stats-run-as-text", "select length(query_to_xml('select * from pg_stats', true, true, '')::text) as n",
     _reading(rls_on_viewer=["app.jobs"]), Status.ERROR),
    ("pg-stats-not-resolved", "select count(*) as n from pg_stats", _reading(), Status.ERROR),  # every RLS table
    # RLS applies to the role on no table (it owns them, none FORCEs it), or no table has RLS: nothing is left out
    ("pg-stats-owner", "select count(*) as n from pg_stats", _statistics('"pg_stats"', rls_on_viewer=[]),
     Status.PASSED),
    ("pg-stats-no-rls", "select count(*) as n from pg_stats", _statistics('"pg_stats"', rls_tables=()),
     Status.PASSED),
]


@pytest.mark.parametrize("name, query, visibility, want", GUARDED, ids=[g[0] for g in GUARDED])
def test_sql_rls_guard_uses_the_databases_resolution(name, query, visibility, want):
    check = make_check("sql", {"query": query, "expect": {"n": {"ge": 0}}}, name=name)
    outcome = sql.judge(check, _facts(check, [{"n": 1}], visibility=visibility))
    assert outcome.status is want, _said(name, want, outcome)


@pytest.mark.parametrize("query, said", [
    ("select sum(q.backlog) as n from public.queues q", "function backlog() (called in attribute notation"),
    ("select sum(n) as n from crosstab('select s, s, count(*)::int from app.jobs group by 1 order by 1')"
     " as ct(s text, n int)", "app.jobs (in the SQL given to crosstab())"),
    ("select sum(n) as n from queries q, crosstab(q.sql) as ct(s text, n int)",
     "function crosstab() (given SQL to run that is no string constant"),
])
def test_the_rls_guard_names_the_function_that_reads(query, said):
    """(SQL built at run time for crosstab is refused as a checklist loads, `_runs_elsewhere`: asked of the guard.)"""
    visibility = _reading(('"public"."queues"', "public.queues", "public", "r", False),
                          ('"app"."jobs"', "app.jobs", "app", "r", True),
                          ('"queries"', "public.queries", "public", "r", False), attribute_functions=["backlog"])
    problem = sql.rls_problem(query, visibility)
    assert problem is not None and said in problem, (
        f"query {query!r}: expected an RLS problem saying {said!r}, saw {problem!r}")


# -- against a real database, as a checker role without BYPASSRLS ------------------------------------
STRANGER = """
create schema app;
grant usage on schema app to {reader};
create table app.jobs (id int, status text);
insert into app.jobs values (1, 'stuck'), (2, 'stuck');
alter table app.jobs enable row level security;
create table public.orders (id int, status text);
insert into public.orders values (1, 'paid');
create table app.orders (id int, status text);
insert into app.orders values (1, 'stuck');
alter table app.orders enable row level security;
create table public.tasks (id int, status text);
insert into public.tasks values (1, 'stuck');
alter table public.tasks enable row level security;
create table public."TASKS" (id int, status text);
create function public.stuck_jobs() returns bigint language sql stable security invoker
  as $$ select count(*) from app.jobs where status = 'stuck' $$;
create function public.nvl(int) returns bigint language sql stable security invoker
  as $$ select count(*) + $1 from app.jobs where status = 'stuck' $$;
create table app.aliases (t tsquery, s tsquery);
insert into app.aliases values ('a', 'b & c');
alter table app.aliases enable row level security;
create extension citext schema public;
create extension tablefunc schema public;
create table public.queues (name text);
insert into public.queues values ('stuck');
create function public.backlog(q public.queues) returns bigint language sql stable
  as $$ select count(*) from app.jobs where status = q.name $$;
create function public.backlogs(variadic qs public.queues[]) returns bigint language sql stable
  as $$ select count(*) from app.jobs where status = qs[1].name $$;
create function public.status(int) returns bigint language sql stable as $$ select count(*) from app.jobs $$;
create function public.stuck_of(s text) returns bigint language sql stable
  as $$ select count(*) from app.jobs where status = s $$;
analyze app.jobs;
do $$ begin execute format('alter database %I set search_path = app, public', current_database()); end $$;
"""

REAL = [
    # 03: found through search_path; one name in two schemas
    ("unqualified-app", "select count(*) as stuck from jobs where status = 'stuck'", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("unqualified-orders", "select count(*) as stuck from orders where status = 'stuck'", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("public-orders", "select count(*) as stuck from public.orders where status = 'stuck'", {"stuck": {"eq": 0}},
     Status.PASSED, Status.PASSED),
    # 04: upper case folds; quoted does not
    ("upper-unquoted", "SELECT COUNT(*) AS stuck FROM PUBLIC.TASKS WHERE status = 'stuck'", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("quoted-upper", 'select count(*) as stuck from public."TASKS"', {"stuck": {"eq": 0}},
     Status.PASSED, Status.PASSED),
    ("invoker-function", "select public.stuck_jobs() as stuck", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    # SQL given as text, run by PostgreSQL's own function as the checker role
    ("ts-rewrite", "select numnode(ts_rewrite('a'::tsquery, 'select t, s from app.aliases')) as stuck",
     {"stuck": {"eq": 1}}, Status.ERROR, Status.FAILED),
    ("function-named-like-a-known-one", "select nvl(0) as stuck", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    # a function of the database's own in attribute notation: q.backlog is backlog(q), which counts app.jobs
    ("attribute-notation", "select sum(q.backlog) as stuck from public.queues q", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("attribute-notation-variadic", "select sum(q.backlogs) as stuck from public.queues q", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    # ... and on a value of any type: (x).f is f(x), also where f takes text or an int (public.status(int))
    ("attribute-notation-on-text", "select ('stuck'::text).stuck_of as stuck", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("attribute-notation-on-an-int", "select (1).status as stuck", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    ("attribute-notation-on-an-element", "select (array[1])[1].status as stuck", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    # a column named like a function a row cannot be given alone (public.status(int)) is the column
    ("attribute-a-column", "select count(*) as paid from public.orders o where o.status = 'paid'", {"paid": {"eq": 1}},
     Status.PASSED, Status.PASSED),
    # tablefunc's crosstab and connectby run the SQL (splice the table) they are given, as the checker role
    ("crosstab", "select coalesce(sum(n), 0) as stuck from crosstab('select status, status, count(*)::int"
     " from app.jobs group by 1 order by 1') as ct(status text, n int)", {"stuck": {"eq": 0}},
     Status.ERROR, Status.FAILED),
    ("crosstab-unguarded", "select coalesce(sum(n), 0) as paid from crosstab('select status, status, count(*)::int"
     " from public.orders group by 1 order by 1') as ct(status text, n int)", {"paid": {"eq": 1}},
     Status.PASSED, Status.PASSED),
    ("connectby", "select count(*) - 1 as stuck from connectby('app.jobs', 'id::text', 'status', 'stuck', 0)"
     " as t(id text, parent text, level int)", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    # an extension's overload of a built-in (citext's max, replace) is no function of the app's: it reads no table
    ("extension-overloads", "select max(id) as top, replace(max(status), 'p', 'q') as s from public.orders",
     {"top": {"eq": 1}, "s": {"eq": "qaid"}}, Status.PASSED, Status.PASSED),
    # a function in FROM keeps its schema; a CTE named like an RLS table is the query's own
    ("function-in-from", "select count(*) - 1 as stuck from public.stuck_jobs() as f(n) where f.n > 0",
     {"stuck": {"eq": 0}}, Status.ERROR, Status.PASSED),
    ("cte-named-like-rls-table", "with tasks as (select 1 as x) select count(*) as n from tasks", {"n": {"eq": 1}},
     Status.PASSED, Status.PASSED),
    # ... but only where PostgreSQL resolves the name to it: not in its own body, nor outside its subquery
    ("cte-reads-its-namesake", "with jobs as (select * from jobs) select count(*) as stuck from jobs",
     {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    ("cte-in-not-exists", "select count(*) as stuck from jobs where not exists (with jobs as (select 1)"
     " select 1 from jobs where false)", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    ("cte-in-later-subquery", "select (select count(*) from jobs) + (with jobs as (select 1 as z)"
     " select count(*) from jobs) - 1 as stuck", {"stuck": {"eq": 0}}, Status.ERROR, Status.FAILED),
    # 05 to 08, on the server's own values
    ("setting-text-ne", "select setting from pg_catalog.pg_settings where name = 'max_prepared_transactions'",
     {"setting": {"ne": 0}}, Status.ERROR, Status.ERROR),
    ("yaml-off", "select 'off'::text as fsync", {"fsync": {"ne": False}}, Status.ERROR, Status.ERROR),
    ("bigsum-eq", "select 9007199254740993::numeric as total", {"total": {"eq": 9007199254740992}},
     Status.FAILED, Status.FAILED),
    ("bigsum-exact", "select 9007199254740993::numeric as total", {"total": {"eq": 9007199254740993}},
     Status.PASSED, Status.PASSED),
    ("tiny-numeric", "select 1e-400::numeric as diff", {"diff": {"eq": 0}}, Status.FAILED, Status.FAILED),
    ("ts-lt", "select timestamptz '2026-11-30 10:00:00+00' as last_run", {"last_run": {"lt": "2026-11-30T09:00:00Z"}},
     Status.FAILED, Status.FAILED),
    ("interval-lt", "select interval '10 hours' as lag", {"lag": {"lt": "9:00:00"}}, Status.ERROR, Status.ERROR),
    ("dup-cols", "select 5 as bad, 0 as bad", {"bad": {"eq": 0}}, Status.ERROR, Status.ERROR),
    # a catalog view hiding the statistics rows of the tables RLS applies to for the role
    ("pg-stats", "select count(*) as columns from pg_stats where schemaname = 'app' and tablename = 'jobs'",
     {"columns": {"eq": 0}}, Status.ERROR, Status.FAILED),
]


@pytest.fixture
def stranger(demo_deployment):
    """A database whose search_path puts `app` first, with RLS tables; and a login role that reads all
    data but is subject to RLS (no BYPASSRLS), dropped afterwards."""
    reader, password = f"rls_reader_{secrets.token_hex(4)}", secrets.token_hex(12)
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login password {} nobypassrls in role pg_read_all_data").format(
            pgsql.Identifier(reader), pgsql.Literal(password)))
    try:
        with scratch_database(demo_deployment, STRANGER.format(reader=reader), prefix="stranger") as db:
            db["reader"] = demo_deployment.pg.url(db["name"], reader, password)
            yield db
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(reader)))


def test_the_stranger_reader_is_subject_to_rls(stranger):
    with psycopg.connect(stranger["reader"]) as conn:
        row = conn.execute("select rolsuper, rolbypassrls, (select count(*) from app.jobs) from pg_roles"
                           " where rolname = current_user").fetchone()
    assert row == (False, False, 0), f"role for the RLS items: expected no superuser/BYPASSRLS seeing 0 rows, saw {row}"


@pytest.mark.parametrize("url_key, column", [("reader", 3), ("url", 4)], ids=["under-rls", "bypassrls"])
def test_sql_items_on_a_strangers_database(stranger, url_key, column, monkeypatch):
    """Under RLS every item reading an RLS table — however it names it — is an error; the demo's
    checker (BYPASSRLS) sees the rows and fails them, in one round trip; a role subject to RLS costs a second,
    which asks the database what each name the queries read resolves to."""
    sent: list[list[bytes]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append(list(texts)) or real(self, texts, pinned))
    items = [make_check("sql", {"query": q, "expect": e}, item=f"S{i}", name=name)
             for i, (name, q, e, *_) in enumerate(REAL)]
    target = make_target({"database": stranger[url_key]})
    try:
        outcomes = gather_and_judge(target, sql, items)
    finally:
        target.close()
    wrong = [_said(check.name, case[column], outcome)
             for case, check, outcome in zip(REAL, items, outcomes, strict=True) if outcome.status is not case[column]]
    assert not wrong, "\n".join(wrong)
    trips = 2 if url_key == "reader" else 1
    assert len(sent) == trips, f"round trips: expected {trips}, saw {len(sent)}"
    by_name = {c.name: o for c, o in zip(items, outcomes)}
    if url_key == "reader":
        assert "app.jobs" in by_name["unqualified-app"].observed, _said("unqualified-app", Status.ERROR,
                                                                        by_name["unqualified-app"])
        assert "app.orders" in by_name["unqualified-orders"].observed
        assert "public.tasks" in by_name["upper-unquoted"].observed
        assert "stuck_jobs" in by_name["invoker-function"].observed
        assert "function nvl()" in by_name["function-named-like-a-known-one"].observed
        assert "function backlog() (called in attribute notation" in by_name["attribute-notation"].observed
        assert "function stuck_of() (called in attribute notation" in by_name["attribute-notation-on-text"].observed
        assert "app.jobs (in the SQL given to crosstab())" in by_name["crosstab"].observed
        assert "app.jobs (in the SQL given to connectby())" in by_name["connectby"].observed
        stats = by_name["pg-stats"].observed
        assert "app.jobs" in stats and "app.orders" in stats and "pg_catalog.pg_stats" in stats, stats
    assert "bad 2 times" in by_name["dup-cols"].observed, _said("dup-cols", Status.ERROR, by_name["dup-cols"])
    assert "cannot be compared" in by_name["setting-text-ne"].observed


def test_resolution_failure_is_an_error_for_every_item():
    check = make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 1}}}, name="blind")
    outcome = sql.judge(check, _facts(check, [{"n": 1}], visibility=GatherError("boom")))
    assert outcome.status is Status.ERROR, _said("blind", Status.ERROR, outcome)


def test_a_schema_the_role_may_not_use_errors_only_its_own_item(demo_deployment):
    """to_regclass raises for a schema without USAGE: that name is left to its own item's query, and every other
    item of the target is still resolved and judged."""
    role, password = f"narrow_{secrets.token_hex(4)}", secrets.token_hex(12)
    ddl = f"""
create schema hidden;
create table hidden.t (id int);
create table public.orders (id int);
insert into public.orders values (1);
create table public.jobs (id int);
alter table public.jobs enable row level security;
create role {role} login password '{password}';
grant usage on schema public to {role};
grant select on public.orders to {role};
"""
    try:
        with scratch_database(demo_deployment, ddl, prefix="narrow") as db:
            items = [make_check("sql", {"query": "select count(*) as n from public.orders", "expect": {"n": {"eq": 1}}},
                                item="N1", name="orders"),
                     make_check("sql", {"query": "select count(*) as n from hidden.t", "expect": {"n": {"eq": 0}}},
                                item="N2", name="hidden")]
            orders, hidden = _judged(demo_deployment.pg.url(db["name"], role, password), items)
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))
    assert orders.status is Status.PASSED, _said("orders", Status.PASSED, orders)
    assert hidden.status is Status.ERROR and "permission denied for schema hidden" in hidden.observed, hidden


# what a database's owner may add: a pg_class holding no table under RLS, and an operator = (oid, oid) that matches
# nothing (the relation a name resolves to would read as none: a CTE's, or a query failing on its own), found before
# pg_catalog's through the database's search_path
SHADOWED_RLS = """
create table public.jobs (id int, status text);
insert into public.jobs values (1, 'stuck');
alter table public.jobs enable row level security;
create table public.pg_class (oid oid, relname name, relnamespace oid, relkind "char", relrowsecurity bool);
create function public.never_equal(oid, oid) returns boolean language sql immutable as 'select false';
create operator public.= (leftarg = oid, rightarg = oid, function = public.never_equal);
do $$ begin execute format('alter database %I set search_path = public, pg_catalog', current_database()); end $$;
"""


def test_rls_is_seen_whatever_the_databases_search_path_puts_before_pg_catalog(demo_deployment):
    """The query reads its table through the database's search_path (the app's); what the suite asks about RLS reads
    PostgreSQL's catalog and operators: counting under RLS stays an error, never a count of the rows it lets through."""
    role, password = f"shadowed_{secrets.token_hex(4)}", secrets.token_hex(12)
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login password {} nobypassrls in role pg_read_all_data").format(
            pgsql.Identifier(role), pgsql.Literal(password)))
    try:
        with scratch_database(demo_deployment, SHADOWED_RLS, prefix="shadowed") as db:
            item = make_check("sql", {"query": "select count(*) as stuck from jobs where status = 'stuck'",
                                      "expect": {"stuck": {"eq": 0}}}, item="R1", name="stuck")
            (outcome,) = _judged(demo_deployment.pg.url(db["name"], role, password), [item])
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))
    assert outcome.status is Status.ERROR, _said("stuck", Status.ERROR, outcome)
    assert "row level security on public.jobs" in outcome.observed, outcome.observed


# an extension's functions that read tables as the caller (Supabase Queues' pgmq.metrics: PL/pgSQL counting a queue
# table, RLS on; pgmq itself is not installed here, so the functions are made tablefunc's members), and what a
# superuser may create in the catalogs' schemas: none of it is PostgreSQL's
EXTENDED_RLS = """
create role {owner};
create extension tablefunc;
create schema pgmq;
grant usage on schema pgmq to {owner};
create table pgmq.q_emails (msg_id bigserial, message jsonb);
insert into pgmq.q_emails (message) select '{{}}' from generate_series(1, 500);
alter table pgmq.q_emails enable row level security;  -- no policy: a role RLS applies to sees no row
grant select on pgmq.q_emails to {owner};
create function pgmq.metrics(queue_name text, out queue_length bigint) language plpgsql as $$
begin execute format('select count(*) from pgmq.%I', 'q_' || queue_name) into queue_length; end $$;
alter extension tablefunc add function pgmq.metrics(text);
create function pgmq.metrics_as_owner(queue_name text, out queue_length bigint) language plpgsql security definer
  as $$ begin execute format('select count(*) from pgmq.%I', 'q_' || queue_name) into queue_length; end $$;
alter function pgmq.metrics_as_owner(text) owner to {owner};
alter extension tablefunc add function pgmq.metrics_as_owner(text);
-- an extension's aggregates: pg_proc lists each as internal and IMMUTABLE, whatever its state or final function is
-- written in (here the extension's PL/pgSQL counting the queue table as the caller); and one whose are PostgreSQL's
create function pgmq.backlog_step(acc bigint, x int) returns bigint language plpgsql stable
  as $$ begin return acc + (select count(*) from pgmq.q_emails); end $$;
create aggregate pgmq.backlog_total(int) (sfunc = pgmq.backlog_step, stype = bigint, initcond = '0');
create function pgmq.backlog_final(acc bigint) returns bigint language plpgsql stable
  as $$ begin return coalesce(acc, 0) + (select count(*) from pgmq.q_emails); end $$;
create aggregate pgmq.backlog_after(int) (sfunc = pg_catalog.int4_sum, stype = bigint, finalfunc = pgmq.backlog_final);
create aggregate pgmq.biggest(int) (sfunc = pg_catalog.int4larger, stype = int);
alter extension tablefunc add function pgmq.backlog_step(bigint, int);
alter extension tablefunc add aggregate pgmq.backlog_total(int);
alter extension tablefunc add function pgmq.backlog_final(bigint);
alter extension tablefunc add aggregate pgmq.backlog_after(int);
alter extension tablefunc add aggregate pgmq.biggest(int);
create function pg_catalog.queue_depth() returns bigint language sql stable
  as 'select count(*) from pgmq.q_emails';
create table information_schema.q_backlog (id int);
insert into information_schema.q_backlog select generate_series(1, 500);
alter table information_schema.q_backlog enable row level security;
create view information_schema.backlog_view as select * from pgmq.q_emails;
alter view information_schema.backlog_view owner to {owner};
"""

EXTENDED_CASES = [  # name, query, expected under RLS, expected for the checker that bypasses it
    ("extension-invoker-function", "select queue_length from pgmq.metrics('emails')", Status.ERROR, Status.FAILED),
    ("extension-definer-function", "select queue_length from pgmq.metrics_as_owner('emails')", Status.ERROR,
     Status.ERROR),
    ("extension-c-function", "select count(*) - 400 as queue_length from normal_rand(500, 0, 1)", Status.PASSED,
     Status.PASSED),
    ("extension-aggregate-of-plpgsql", "select pgmq.backlog_total(1) as queue_length", Status.ERROR, Status.FAILED),
    ("extension-aggregate-finishing-in-plpgsql", "select pgmq.backlog_after(1) as queue_length", Status.ERROR,
     Status.FAILED),
    ("extension-aggregate-of-postgresqls-own", "select pgmq.biggest(g) - 400 as queue_length"
     " from generate_series(1, 500) g", Status.PASSED, Status.PASSED),
    ("function-in-pg-catalog", "select queue_depth() as queue_length", Status.ERROR, Status.FAILED),
    ("table-in-information-schema", "select count(*) as queue_length from information_schema.q_backlog",
     Status.ERROR, Status.FAILED),
    ("view-in-information-schema", "select count(*) as queue_length from information_schema.backlog_view",
     Status.ERROR, Status.ERROR),
    ("postgresqls-own", "select count(*) - 1 as queue_length from pg_catalog.pg_class c"
     " join information_schema.tables t on t.table_name = c.relname where c.relname = 'q_emails'",
     Status.PASSED, Status.PASSED),
]


@pytest.mark.parametrize("who", ["under-rls", "bypassrls"])
def test_an_extensions_function_or_a_superusers_object_in_a_catalog_schema_is_no_builtin(demo_deployment, who):
    """An extension's PL/pgSQL function counting a queue table as the caller (pgmq.metrics) read 0 of 500 messages
    under RLS and `queue_length: {le: 100}` passed: an extension's function not written in C (nor IMMUTABLE) is
    judged as the app's own are — an error under RLS, and for the checker that bypasses it when it is SECURITY
    DEFINER of an owner RLS applies to. A function, a table or a view a superuser created in pg_catalog or
    information_schema is told from PostgreSQL's by its OID, not its schema; PostgreSQL's own and an extension's C
    function (tablefunc's normal_rand) are still trusted. An extension's aggregate is judged by its state and final
    functions (pg_proc lists every aggregate as internal and IMMUTABLE): one whose are the extension's PL/pgSQL read
    0 of 500 under RLS and passed; one whose are PostgreSQL's is trusted."""
    role, password, owner = f"queues_{secrets.token_hex(4)}", secrets.token_hex(12), f"qowner_{secrets.token_hex(4)}"
    column = 2 if who == "under-rls" else 3
    items = [make_check("sql", {"query": q, "expect": {"queue_length": {"le": 100}}}, item=f"E{i}", name=name)
             for i, (name, q, *_) in enumerate(EXTENDED_CASES)]
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login password {} nobypassrls in role pg_read_all_data").format(
            pgsql.Identifier(role), pgsql.Literal(password)))
    try:
        with scratch_database(demo_deployment, EXTENDED_RLS.format(owner=owner), prefix="extended") as db:
            url = demo_deployment.pg.url(db["name"], role, password) if who == "under-rls" else db["url"]
            outcomes = _judged(url, items)
    finally:
        with demo_deployment.pg.admin() as conn:
            for name in (role, owner):
                conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(name)))
    wrong = [_said(case[0], case[column], outcome) for case, outcome in zip(EXTENDED_CASES, outcomes, strict=True)
             if outcome.status is not case[column]]
    assert not wrong, "\n".join(wrong)
    by_name = {check.name: outcome for check, outcome in zip(items, outcomes)}
    said = {"extension-invoker-function": "function pgmq.metrics()", "function-in-pg-catalog": "queue_depth()",
            "extension-aggregate-of-plpgsql": "function pgmq.backlog_total()",
            "extension-aggregate-finishing-in-plpgsql": "function pgmq.backlog_after()",
            "table-in-information-schema": "information_schema.q_backlog",
            "view-in-information-schema": "information_schema.backlog_view"} if who == "under-rls" else {
        "extension-definer-function": f"function pgmq.metrics_as_owner() (owner {owner})",
        "view-in-information-schema": f"view information_schema.backlog_view (owner {owner})"}
    missing = [f"item {name}: expected the error to name {part!r}; saw {by_name[name].observed!r}"
               for name, part in said.items() if part not in by_name[name].observed]
    assert not missing, "\n".join(missing)


# -- the checker bypasses RLS; a view's or a SECURITY DEFINER function's owner may not --------------
OWNED_UNDER_RLS = """
create role {owner}; create role {reporting}; create role {trusted} bypassrls;
create table public.jobs (id serial, tenant_id int, status text);
insert into public.jobs (tenant_id, status) select 1, 'processing' from generate_series(1, 7);
alter table public.jobs owner to {owner};
alter table public.jobs enable row level security;
alter table public.jobs force row level security;
create policy tenant on public.jobs using (tenant_id = nullif(current_setting('app.tenant', true), '')::int);
grant select on public.jobs to {reporting}, {trusted};
create table public.notes (id int, status text);  -- no RLS
insert into public.notes values (1, 'processing');
alter table public.notes enable row level security;
alter table public.notes owner to {reporting};  -- its owner, not forced: RLS does not apply to it there
create schema app;
create view app.stuck_jobs as select * from public.jobs where status = 'processing';
alter view app.stuck_jobs owner to {owner};  -- the table's owner, and the table FORCEs RLS
create view public.report as select * from public.jobs where status = 'processing';
alter view public.report owner to {reporting};  -- no BYPASSRLS
create materialized view public.snapshot as select * from public.jobs;
alter materialized view public.snapshot owner to {reporting};
create function public.stuck_count() returns bigint language sql stable security definer
  as $$ select count(*) from public.jobs where status = 'processing' $$;
alter function public.stuck_count() owner to {owner};
-- as healthy: an invoker's view, a view whose owner bypasses RLS, an invoker's function
create view public.invoker_report with (security_invoker = on) as select * from public.jobs;
alter view public.invoker_report owner to {reporting};
create view public.trusted_report as select * from public.jobs;
alter view public.trusted_report owner to {trusted};
create function public.stuck_invoker() returns bigint language sql stable
  as $$ select count(*) from public.jobs where status = 'processing' $$;
alter function public.stuck_invoker() owner to {owner};
-- read through other views, in another schema, through an invoker's view: public.report's owner reads the rows
create schema deep;
create view deep.middle with (security_invoker = on) as select * from public.report;
alter view deep.middle owner to {reporting};
create view public.overview as select * from deep.middle;  -- the superuser's
-- two views reading each other (CREATE OR REPLACE allows it; a query of either fails)
create view public.loop_a as select 1 as stuck;
create view public.loop_b as select * from public.loop_a;
create or replace view public.loop_a as select * from public.loop_b;
-- as healthy: views over views over a table without RLS, and over a view whose owner bypasses RLS
create table public.events (id int, status text);
insert into public.events values (1, 'processing');
grant select on public.events to {trusted};
create view public.events_inner as select * from public.events;
alter view public.events_inner owner to {trusted};
create view public.events_overview as select * from public.events_inner;
create view public.trusted_overview as select * from public.trusted_report;
-- a superuser's view calling the SECURITY DEFINER function whose owner RLS applies to (the function, not a view, reads)
create view public.stuck_summary as select public.stuck_count() as stuck;
create view public.invoker_summary as select public.stuck_invoker() as stuck;  -- healthy: the caller's rights
-- a materialized view refreshed while its owner was subject to RLS, then given to one that bypasses it, unrefreshed:
-- it holds the rows RLS let through at the refresh (none); and one a superuser owns, over the same table
create materialized view public.stale_snapshot as select * from public.jobs with no data;
alter materialized view public.stale_snapshot owner to {reporting};
set role {reporting}; refresh materialized view public.stale_snapshot; reset role;
alter materialized view public.stale_snapshot owner to {trusted};
create view public.stale_overview as select * from public.stale_snapshot;
create materialized view public.superuser_snapshot as select * from public.jobs;
-- materialized views whose owner RLS applies to, reading the table through a function (SQL, PL/pgSQL; neither
-- SECURITY DEFINER): the refresh runs as the owner, so they hold none of the rows, and their rules name no table
create function public.processing_rows() returns setof public.jobs language sql stable
  as $$ select * from public.jobs where status = 'processing' $$;
create function public.processing_count() returns bigint language plpgsql stable
  as $$ begin return (select count(*) from public.jobs where status = 'processing'); end $$;
create materialized view public.rows_through_function as select * from public.processing_rows() with no data;
create materialized view public.count_through_function as select public.processing_count() as stuck with no data;
-- one refreshed under RLS on a table whose RLS was disabled since (its owner still subject to it on public.jobs)
create table public.tasks (id int, tenant_id int, status text);
insert into public.tasks select g, 1, 'processing' from generate_series(1, 4) g;
alter table public.tasks enable row level security;  -- no policy: a role RLS applies to sees no row
grant select on public.tasks to {reporting};
create materialized view public.tasks_snapshot as select * from public.tasks with no data;
-- one refreshed through the function while its owner was subject to RLS, then given to one that bypasses it
create materialized view public.stale_count as select public.processing_count() as stuck with no data;
alter materialized view public.rows_through_function owner to {reporting};
alter materialized view public.count_through_function owner to {reporting};
alter materialized view public.tasks_snapshot owner to {reporting};
alter materialized view public.stale_count owner to {reporting};
set role {reporting};
refresh materialized view public.rows_through_function; refresh materialized view public.count_through_function;
refresh materialized view public.tasks_snapshot; refresh materialized view public.stale_count;
reset role;
alter table public.tasks disable row level security;
alter materialized view public.stale_count owner to {trusted};
-- as healthy: materialized views over a table without RLS (one calling PostgreSQL's own function)
create materialized view public.events_snapshot as select * from public.events;
create materialized view public.events_lowered as select pg_catalog.lower(status) as status from public.events;
do $$ begin execute format('alter database %I set search_path = app, public', current_database()); end $$;
"""

OWNED_CASES = [
    ("view-through-views", "select count(*) as stuck from overview", Status.ERROR,
     ("view public.overview, which reads view deep.middle, which reads view public.report (owner {reporting})",)),
    ("views-in-a-cycle", "select count(*) as stuck from public.loop_a", Status.ERROR, ("infinite recursion",)),
    ("view-calling-a-definer-function", "select stuck from public.stuck_summary", Status.ERROR,
     ("view public.stuck_summary, which calls function public.stuck_count() (owner {owner})",)),
    ("view-calling-an-invoker-function", "select stuck from public.invoker_summary", Status.FAILED, ()),
    ("views-over-a-table-without-rls", "select count(*) as stuck from public.events_overview", Status.FAILED, ()),
    ("view-over-a-bypassing-owners-view",
     "select count(*) as stuck from public.trusted_overview where status = 'processing'", Status.FAILED, ()),
    ("table", "select count(*) as stuck from public.jobs where status = 'processing'", Status.FAILED, ()),
    ("view-of-the-forced-owner", "select count(*) as stuck from app.stuck_jobs", Status.ERROR,
     ("view app.stuck_jobs (owner {owner})", "security_invoker = true")),
    ("unqualified-view", "select count(*) as stuck from stuck_jobs", Status.ERROR, ("view app.stuck_jobs",)),
    ("view-of-another-owner", "select count(*) as stuck from public.report", Status.ERROR,
     ("view public.report (owner {reporting})", "BYPASSRLS")),
    ("materialized-view", "select count(*) as stuck from public.snapshot", Status.ERROR,
     ("materialized view public.snapshot",)),
    ("materialized-view-whose-owner-bypasses-rls-now", "select count(*) as stuck from public.stale_snapshot",
     Status.ERROR, ("materialized view public.stale_snapshot", "public.jobs", "query the tables directly")),
    ("view-over-a-materialized-view", "select count(*) as stuck from public.stale_overview", Status.ERROR,
     ("view public.stale_overview, which reads materialized view public.stale_snapshot",)),
    ("materialized-view-of-a-superuser", "select count(*) as stuck from public.superuser_snapshot", Status.ERROR,
     ("materialized view public.superuser_snapshot",)),
    ("materialized-view-over-a-table-without-rls", "select count(*) as stuck from public.events_snapshot",
     Status.FAILED, ()),
    ("materialized-view-calling-postgresqls-own", "select count(*) as stuck from public.events_lowered",
     Status.FAILED, ()),
    ("materialized-view-reading-through-a-function", "select count(*) as stuck from public.rows_through_function",
     Status.ERROR, ("materialized view public.rows_through_function (owner {reporting}, subject to row level"
                    " security", "calls public.processing_rows()")),
    ("materialized-view-reading-through-plpgsql", "select stuck from public.count_through_function", Status.ERROR,
     ("materialized view public.count_through_function (owner {reporting}",)),
    ("materialized-view-over-a-table-rls-left-since", "select count(*) as stuck from public.tasks_snapshot",
     Status.ERROR, ("materialized view public.tasks_snapshot (owner {reporting}, subject to row level security",)),
    ("materialized-view-through-a-function-whose-owner-bypasses-rls-now", "select stuck from public.stale_count",
     Status.ERROR, ("materialized view public.stale_count (calls public.processing_count()",)),
    ("definer-function", "select public.stuck_count() as stuck", Status.ERROR,
     ("function public.stuck_count() (owner {owner})", "query the tables directly")),
    ("definer-function-unqualified", "select stuck_count() as stuck", Status.ERROR, ("stuck_count()",)),
    ("invoker-view", "select count(*) as stuck from public.invoker_report where status = 'processing'",
     Status.FAILED, ()),
    ("bypassing-owners-view", "select count(*) as stuck from public.trusted_report where status = 'processing'",
     Status.FAILED, ()),
    ("invoker-function", "select public.stuck_invoker() as stuck", Status.FAILED, ()),
    ("owners-own-table-unforced", "select count(*) - 1 as stuck from public.notes", Status.PASSED, ()),
]


def _judged_where_owners_are_under_rls(demo_deployment, monkeypatch, items: list) -> tuple[dict, list, list]:
    """The items judged on a scratch database of OWNED_UNDER_RLS (its roles' names made unique, dropped after): the
    names, the outcomes, and what each round trip sent."""
    names = {key: f"{key}_{secrets.token_hex(4)}" for key in ("owner", "reporting", "trusted")}
    sent: list[list[bytes]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append(list(texts)) or real(self, texts, pinned))
    try:
        with scratch_database(demo_deployment, OWNED_UNDER_RLS.format(**names), prefix="owned") as db:
            outcomes = _judged(db["url"], items)
    finally:
        with demo_deployment.pg.admin() as conn:
            for role in names.values():
                conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))
    return names, outcomes, sent


def test_a_view_or_definer_function_whose_owner_rls_applies_to_is_an_error_for_the_bypassing_checker(
        demo_deployment, monkeypatch):
    """The demo's checker bypasses RLS, yet PostgreSQL applies the policies as a view's owner (not security_invoker)
    and as a SECURITY DEFINER function's: 7 stuck jobs read as 0 through them, and `stuck: {eq: 0}` passed. Each
    such item is an error naming the object, its owner and the fix — also one the query reaches only through other
    views (a superuser's view over an invoker's view over it: 0 passed), naming the path; the same rows read directly,
    through an invoker's view or function, or a view whose owner bypasses RLS (directly or under another view), are
    judged, and views reading each other in a cycle end the walk. A materialized view whose owner RLS applies to read
    0 of 7 through a function (SQL, PL/pgSQL) and passed, as did one over a table whose RLS was disabled after its
    refresh, and one refreshed through a function before its owner got BYPASSRLS: each is an error naming why; one
    over a table without RLS, calling PostgreSQL's own function, is judged. The owners, and the views each view reads,
    are asked in one more round trip, as the queries' words name views and a SECURITY DEFINER function."""
    items = [make_check("sql", {"query": q, "expect": {"stuck": {"eq": 0}}}, item=f"O{i}", name=name)
             for i, (name, q, *_) in enumerate(OWNED_CASES)]
    names, outcomes, sent = _judged_where_owners_are_under_rls(demo_deployment, monkeypatch, items)
    wrong = [_said(name, want, outcome) for (name, _, want, _), outcome in zip(OWNED_CASES, outcomes, strict=True)
             if outcome.status is not want]
    assert not wrong, "\n".join(wrong)
    for (name, _, _, said), outcome in zip(OWNED_CASES, outcomes):
        missing = [part.format(**names) for part in said if part.format(**names) not in outcome.observed]
        assert not missing, f"item {name}: expected the error to name {missing}; saw {outcome.observed!r}"
        if "materialized" in name:  # PostgreSQL refuses that option on a materialized view
            assert "security_invoker" not in outcome.observed, f"item {name}: advice refused: {outcome.observed!r}"
    assert len(sent) == 2 and sent[1] == [sql.OWNERS_UNDER_RLS.encode()], f"round trips: {len(sent)}"


def test_views_read_through_a_cycle_are_followed_once_each_to_the_view_whose_owner_rls_applies_to():
    """Views reading each other in a cycle (a → b → a) and on to a view whose owner RLS applies to: the walk ends,
    naming the shortest path; what that view reads is its owner's, not followed; an unnamed cycle is no error."""
    under_rls = [{"kind": "view", "schema": "app", "name": "hidden", "owner": "reporting"},
                 {"kind": "view", "schema": "app", "name": "beyond", "owner": "other"}]
    view_reads = [["x", "a", "v", "x", "b"], ["x", "b", "v", "x", "a"], ["x", "b", "m", "app", "hidden"],
                  ["app", "hidden", "v", "app", "beyond"], ["x", "c", "v", "x", "c"]]
    said = sql._owner_problem("select count(*) as stuck from a", under_rls, view_reads)
    path = "view x.a, which reads materialized view x.b, which reads view app.hidden (owner reporting)"
    assert said and path in said and "beyond" not in said, (
        f"a → b → hidden: expected the path named, hidden's reads not followed; saw {said!r}")
    assert sql._owner_problem("select count(*) as stuck from c", under_rls, view_reads) is None


def test_a_materialized_view_reading_a_table_under_rls_is_an_error_whatever_its_owner_now():
    """A materialized view holds the rows of its last refresh, read with the rights its owner had then (not recorded):
    one reading a table with RLS, directly or through views, is an error however its owner stands now, its advice one
    that fits (no security_invoker, which PostgreSQL refuses on it; no BYPASSRLS for an owner that may have it)."""
    under_rls = [{"kind": "materialized view", "schema": "public", "name": "stuck_jobs", "owner": "postgres",
                  "reads": ["public.jobs"]}]
    said = sql._owner_problem("select count(*) as stuck from stuck_jobs", under_rls, [])
    assert said and "materialized view public.stuck_jobs" in said and "public.jobs" in said, said
    assert "refresh" in said and "query the tables directly" in said, said
    assert "security_invoker" not in said and "BYPASSRLS" not in said and "whose owner" not in said, said


def test_a_materialized_view_says_each_reason_its_rows_may_be_short():
    """Its owner subject to RLS (the refresh ran as it: any function it calls may read a table with RLS), the tables
    with RLS it reads, the functions of the database's own it calls (their bodies are not followed): each named,
    none with advice a materialized view cannot take."""
    under_rls = [{"kind": "materialized view", "schema": "public", "name": "stuck_mv", "owner": "reporting",
                  "owner_under_rls": True, "reads": None, "calls": ["public.stuck_rows"]}]
    said = sql._owner_problem("select count(*) as stuck from public.stuck_mv", under_rls, [])
    assert said and ("materialized view public.stuck_mv (owner reporting, subject to row level security; calls"
                     " public.stuck_rows()") in said, said
    assert "reads public" not in said and "security_invoker" not in said, said


def test_where_no_query_names_a_view_or_definer_function_their_owners_cost_nothing(demo_deployment, monkeypatch):
    """The same database (RLS on, a view and a SECURITY DEFINER function whose owners it applies to), queries reading
    tables and PostgreSQL's own functions only: judged in the one round trip, the owners never asked (a fleet's 200
    databases paid half a second of the server's CPU when every query asked them)."""
    items = [make_check("sql", {"query": "select count(*) as stuck from public.jobs where status = 'processing'"
                                         " and now() > '2000-01-01'", "expect": {"stuck": {"eq": 0}}},
                        item="T1", name="table"),
             make_check("sql", {"query": "select coalesce(max(id), 0) as stuck from notes",
                                "expect": {"stuck": {"eq": 0}}}, item="T2", name="notes")]
    _, outcomes, sent = _judged_where_owners_are_under_rls(demo_deployment, monkeypatch, items)
    assert [o.status for o in outcomes] == [Status.FAILED, Status.FAILED], outcomes
    assert len(sent) == 1 and sql.OWNERS_UNDER_RLS.encode() not in sent[0], f"round trips: {len(sent)}"


@pytest.mark.parametrize("query, named", [
    ("select count(*) from Report", "report"),  # folded, as PostgreSQL folds it
    ('select count(*) from "Report"', "Report"),  # quoted: as written
    ('select "a""b"()', 'a"b'),
    ("select my$fn()", "my$fn"),
    ("select count(*) from Ärger", "Ärger"),  # only ASCII letters fold
    ("select 'report' as x", "report"),  # words in strings too: a superset, never one left out
    ("select count(*) from public.stuck€", "stuck€"),  # any character past ASCII is part of an unquoted name
    ("select count(*) from report\u00a0x", "report\u00a0x"),  # (a no-break space too, as PostgreSQL's lexer reads it)
    ("select count(*) from " + "v" * 70, "v" * 63),  # cut to 63 bytes, as PostgreSQL cuts a name
    ('select count(*) from "' + "é" * 40 + '"', "é" * 31),  # between characters: 62 of its bytes
])
def test_the_words_that_may_name_a_view_or_function(query, named):
    assert named in sql._identifiers(query)


def test_a_views_listed_name_is_read_whatever_dots_its_schema_has():
    """VISIBILITY lists `schema.name` unquoted: a schema "a.b" is not told from a name "b.stuck"; both are looked for."""
    row = {"views": ["a.b.stuck"], "definers": []}
    assert sql._reads_as_owner("select count(*) from \"a.b\".stuck", row)
    assert not sql._reads_as_owner("select count(*) from public.jobs", row)


@pytest.mark.parametrize("query", [
    "select count(*) filter (where status <> '\"') as stuck from public.stuck_report where \"status\" = 'x'",
    "select count(*) from public.stuck_report where s = E'it\\'s \"' and \"t\" = 1",
    "select $q$\"$q$ as a, count(*) from stuck_report where \"t\" = 1",
    "select /* \" */ count(*) from stuck_report where \"t\" = 1",
])
def test_a_quote_inside_a_string_or_a_comment_hides_no_name(query):
    """A `"` in a string, a dollar-quoted body or a comment paired with the next quoted name, and the view's name
    between them was read as part of one quoted word: its owner was never asked."""
    assert "stuck_report" in sql._identifiers(query)
    assert sql._reads_as_owner(query, {"views": ["public.stuck_report"], "definers": []})


def test_a_unicode_escaped_call_asks_the_owners_with_no_view_to_name():
    """`public.U&"stuck\\005fcount"()` names a SECURITY DEFINER function DEFINERS cannot ask about by its words: the
    owners are asked (the database had no view, so nothing else asked them)."""
    assert sql._reads_as_owner('select public.U&"stuck\\005fcount"() as stuck', {"views": [], "definers": []})


def test_a_unicode_escaped_identifier_reads_as_naming_anything():
    assert "anything" in sql._identifiers('select count(*) from U&"d\\0061t"')


def test_a_number_yaml_read_as_text_says_how_to_write_it():
    check = make_check("sql", {"query": "select 1", "expect": {"v": {"lt": "1e-3"}}}, name="tiny")
    outcome = sql.judge(check, _facts(check, [{"v": decimal.Decimal("0.0001")}]))
    assert outcome.status is Status.ERROR and outcome.observed.endswith(
        "(a text); a quoted number is text: write it without quotes: 1e-3"), outcome
    quoted = make_check("sql", {"query": "select 1", "expect": {"v": {"ge": "9"}}}, name="quoted")
    outcome = sql.judge(quoted, _facts(quoted, [{"v": 10}]))
    assert outcome.status is Status.ERROR and "write it without quotes: 9" in outcome.observed, outcome
    endless = make_check("sql", {"query": "select 1", "expect": {"v": {"lt": "Infinity"}}}, name="endless")
    outcome = sql.judge(endless, _facts(endless, [{"v": 10}]))
    assert outcome.status is Status.ERROR and "quotes" not in outcome.observed, outcome  # no hint that loops


@pytest.mark.parametrize("expect, said", [
    ("lt: 1e-3", None),  # YAML 1.2's number, as the checklist loader reads it: never text, so no hint is needed
    ("lt: '1e-3'", "(a text); a quoted number is text: write it without quotes: 1e-3"),
    ('lt: "1E-3"', "(a text); a quoted number is text: write it without quotes: 1E-3"),
    # no YAML reads these as numbers, quoted or not (Python's float does): their number in plain digits, not advice
    # to drop quotes they may not have, or to write `1_000`, which the loader refuses
    ("lt: 1_0e-3", "(a text); YAML reads 1_0e-3 as text, not as the number 0.010: write 0.010"),
    ("lt: '1_000'", "(a text); YAML reads 1_000 as text, not as the number 1000: write 1000"),
])
def test_a_bound_of_text_that_reads_as_a_number_says_what_to_write(tmp_path, expect, said):
    check = _loaded(tmp_path, "tiny", expect)
    outcome = sql.judge(check, _facts(check, [{"v": decimal.Decimal("0.0001")}]))
    if said is None:
        assert outcome.status is Status.PASSED, outcome
    else:
        assert outcome.status is Status.ERROR and outcome.observed.endswith(said), outcome


@pytest.mark.parametrize("bound", [[math.inf], [1, math.nan], [[0], [-math.inf]]])
def test_a_bound_that_is_no_finite_number_is_refused_inside_a_list_too(bound):
    with pytest.raises(ValueError, match="needs a finite number"):
        sql.Params(query="select 1 as n", expect={"n": {"eq": bound}})


# -- a bound is the number the checklist writes, not YAML's float of it --------------------------------
WRITTEN = [
    # a numeric or an integer is compared exactly with the written number: YAML's float of it is 0.0, 0.3, 2^53
    ("tiny-gt", decimal.Decimal("1e-401"), "gt: 1.0e-400", Status.FAILED, "v > 1.0e-400"),
    ("tiny-ge-zero", decimal.Decimal("0"), "ge: 1.0e-400", Status.FAILED, "v ≥ 1.0e-400"),
    ("precise-ge", decimal.Decimal("0.3"), "ge: 0.30000000000000001", Status.FAILED, "v ≥ 0.30000000000000001"),
    ("beyond-float", decimal.Decimal("1e399"), "lt: 1.0e+400", Status.PASSED, "v < 1.0e+400"),
    ("count-beyond-2-53", TWO_53 + 1, "eq: 9007199254740993.0", Status.PASSED, "v = 9007199254740993.0"),
    ("in-an-array", [decimal.Decimal("0.3")], "eq: [0.30000000000000001]", Status.FAILED,
     "v = [0.30000000000000001]"),
    ("in-json", {"r": decimal.Decimal("0.3")}, "eq: {r: 0.30000000000000001}", Status.FAILED,
     "v = {'r': 0.30000000000000001}"),
    # a float column compares as a float, as PostgreSQL compares a float8 with a numeric: 0.1 is its 0.1
    ("float-eq", 0.1, "eq: 0.1", Status.PASSED, "v = 0.1"),
    ("float-below-beyond-float", 1e308, "lt: 1.0e+400", Status.PASSED, "v < 1.0e+400"),
    ("float-zero-ge-tiny", 0.0, "ge: 1.0e-400", Status.FAILED, "v ≥ 1.0e-400"),  # not YAML's 0.0 for it
]


def _loaded(tmp_path, name: str, expect: str):
    folder = tmp_path / "checklists"
    folder.mkdir(exist_ok=True)
    (folder / "shop.yaml").write_text(
        "system: shop\nrunbook: r\nitems:\n"
        f"  - id: N1\n    name: {name}\n    section: s\n    title: t\n    family: sql\n    cadence: postdeploy\n"
        f"    params:\n      query: select 1 as v\n      expect:\n        v:\n          {expect}\n", encoding="utf-8")
    (check,) = load_checklists(folder)
    return check


@pytest.mark.parametrize("name, value, expect, want, shown", WRITTEN, ids=[w[0] for w in WRITTEN])
def test_a_bound_is_the_number_as_written(tmp_path, name, value, expect, want, shown):
    check = _loaded(tmp_path, name, expect)
    outcome = sql.judge(check, _facts(check, [{"v": value}]))
    assert outcome.status is want, _said(name, want, outcome)
    assert outcome.expected == shown, f"item {name}: expected shown as {shown!r}, saw {outcome.expected!r}"


@pytest.mark.parametrize("expect", ["lt: .inf", "ne: .NaN", "eq: [1, -.inf]"])
def test_a_bound_written_as_no_finite_number_is_refused_at_load(tmp_path, expect):
    with pytest.raises(ConfigError, match="needs a finite number"):
        _loaded(tmp_path, "endless", expect)


def test_a_value_python_cannot_hold_errors_its_item_only(demo_deployment):
    """'infinity'::timestamptz has no Python datetime: that answer is unreadable, the session is not broken."""
    with scratch_database(demo_deployment, "create table t (id int)", prefix="inf") as db:
        items = [make_check("sql", {"query": "select 'infinity'::timestamptz as last_run",
                                    "expect": {"last_run": {"lt": "2026-01-01T00:00:00Z"}}}, item="I1", name="inf"),
                 make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 1}}}, item="I2", name="after")]
        target = make_target({"database": db["url"]})
        try:
            infinite, after = gather_and_judge(target, sql, items)
        finally:
            target.close()
    assert infinite.status is Status.ERROR and "a value the client cannot read" in infinite.observed, infinite
    assert after.status is Status.PASSED, _said("after", Status.PASSED, after)


def test_a_record_is_not_compared_as_the_words_its_fields_came_back_as(demo_deployment):
    """The driver reads a record (`row(…)`, an array of them) as a tuple of its fields' texts, their types lost: a
    NaN field is the word 'NaN'. Compared with a list, `ne` always held and `eq` never did; each is an error that
    says to select the fields as columns."""
    items = [make_check("sql", {"query": "select row(1, 2) as r", "expect": {"r": {"ne": ["1", "2"]}}},
                        item="R1", name="record-ne"),
             make_check("sql", {"query": "select row('a', 'b') as r", "expect": {"r": {"eq": ["a", "b"]}}},
                        item="R2", name="record-eq"),
             make_check("sql", {"query": "select array[row('done')] as a", "expect": {"a": {"ne": [["done"]]}}},
                        item="R3", name="records-array"),
             make_check("sql", {"query": "select row('NaN'::float8, 1) as r", "expect": {"r": {"ne": ["0", "1"]}}},
                        item="R4", name="record-nan"),
             make_check("sql", {"query": "select null::record as r", "expect": {"r": {"eq": None}}},
                        item="R5", name="record-null")]
    with scratch_database(demo_deployment, "select 1", prefix="records") as db:
        outcomes = _judged(db["url"], items)
    for check, outcome in zip(items[:4], outcomes):
        assert outcome.status is Status.ERROR, _said(check.name, Status.ERROR, outcome)
        assert "a record (row(…), or an array of them) comes back with each field as text" in outcome.observed, outcome
    assert outcomes[4].status is Status.PASSED, _said("record-null", Status.PASSED, outcomes[4])  # NULL is NULL


@pytest.mark.parametrize("row, expect, status", [
    ([decimal.Decimal("0.1"), decimal.Decimal("0.2")], {"eq": [0.1, 0.2]}, Status.PASSED),
    ([decimal.Decimal("0.1"), decimal.Decimal("0.3")], {"eq": [0.1, 0.2]}, Status.FAILED),
    ([decimal.Decimal("0.1"), None], {"eq": [0.1, None]}, Status.PASSED),
    ([decimal.Decimal("0.1")], {"eq": ["0.1"]}, Status.ERROR),  # text against a number, inside an array too
    ([1, 2], {"eq": [1, 2, 3]}, Status.FAILED),
])
def test_arrays_compare_element_by_element_by_the_same_rules(row, expect, status):
    check = make_check("sql", {"query": "select 1", "expect": {"v": expect}}, name="array")
    outcome = sql.judge(check, _facts(check, [{"v": row}]))
    assert outcome.status is status, outcome
    assert "Decimal(" not in outcome.observed


# -- JSON: compared as JSON, a boolean only with a boolean at every depth, numbers exactly -------------------
JSON_COMPARED = [
    ("obj-int-vs-bool", {"maintenance": 1}, {"eq": {"maintenance": True}}, Status.ERROR),
    ("obj-zero-vs-false", {"paused": 0}, {"eq": {"paused": False}}, Status.ERROR),
    ("arr-of-obj", [{"ok": 1}], {"eq": [{"ok": True}]}, Status.ERROR),
    ("arr-int-vs-bool", [1], {"eq": [True]}, Status.ERROR),
    ("obj-ne-int-vs-bool", {"n": 1}, {"ne": {"n": True}}, Status.ERROR),
    ("obj-str-vs-num", {"n": "0"}, {"eq": {"n": 0}}, Status.ERROR),
    ("obj-extra-key-int-vs-bool", {"n": 1, "m": 2}, {"ne": {"n": True}}, Status.ERROR),
    ("obj-bignum", {"n": decimal.Decimal("9007199254740993.0")}, {"eq": {"n": TWO_53}}, Status.FAILED),
    ("obj-extra-key", {"a": 1, "b": 2}, {"eq": {"a": 1}}, Status.FAILED),
    ("obj-nested-eq", {"a": [{"b": False, "n": decimal.Decimal("2.5")}], "c": None},
     {"eq": {"a": [{"b": False, "n": 2.5}], "c": None}}, Status.PASSED),
    ("obj-bool-ne", {"ok": False}, {"ne": {"ok": True}}, Status.PASSED),
]


@pytest.mark.parametrize("name, value, expect, want", JSON_COMPARED, ids=[c[0] for c in JSON_COMPARED])
def test_json_compares_as_json_a_boolean_only_with_a_boolean(name, value, expect, want):
    check = make_check("sql", {"query": "select 1", "expect": {"v": expect}}, name=name)
    outcome = sql.judge(check, _facts(check, [{"v": value}]))
    assert outcome.status is want, _said(name, want, outcome)
    if want is Status.ERROR:
        assert "cannot be compared" in outcome.observed, _said(name, want, outcome)


def test_json_from_postgresql_keeps_its_numbers_exact(demo_deployment):
    """A JSON number is read as the number it is: 9007199254740993.0 is not 2^53 (a float would say it is)."""
    cases = [("big", "select '{\"n\": 9007199254740993.0}'::jsonb as v", {"n": TWO_53}, Status.FAILED),
             ("big-scalar", "select '9007199254740993.0'::jsonb as v", TWO_53, Status.FAILED),
             ("flag", "select '{\"maintenance\": 1}'::json as v", {"maintenance": True}, Status.ERROR),
             ("exact", "select '{\"ok\": true, \"n\": 2.5, \"big\": 9007199254740993}'::jsonb as v",
              {"ok": True, "n": 2.5, "big": TWO_53 + 1}, Status.PASSED)]
    items = [make_check("sql", {"query": q, "expect": {"v": {"eq": bound}}}, item=f"J{i}", name=name)
             for i, (name, q, bound, _) in enumerate(cases)]
    with scratch_database(demo_deployment, "create table t (id int)", prefix="json") as db:
        target = make_target({"database": db["url"]})
        try:
            outcomes = gather_and_judge(target, sql, items)
        finally:
            target.close()
    wrong = [_said(name, want, o) for (name, _, _, want), o in zip(cases, outcomes) if o.status is not want]
    assert not wrong, "\n".join(wrong)
    assert outcomes[3].evidence["row"] == {"v": {"ok": True, "n": 2.5, "big": TWO_53 + 1}}, outcomes[3].evidence


# -- size: a message and the evidence show an excerpt of a long value, with its length; the verdict reads all of it --
BIG = 3_000_000


@pytest.mark.parametrize("name, value, bound, want", [
    ("text", "y" * BIG, "z", Status.FAILED),
    ("text-equal", "y" * BIG, "y" * BIG, Status.PASSED),
    ("text-differs-at-its-end", "y" * BIG + "a", "y" * BIG + "b", Status.FAILED),
    ("bytea", b"\x00" * BIG, None, Status.PASSED),
    ("array", list(range(BIG // 10)), [0], Status.FAILED),
    ("json", {"payload": "x" * BIG}, {"payload": "x"}, Status.FAILED),
])
def test_a_long_value_is_shown_as_an_excerpt_with_its_length(name, value, bound, want):
    op = "ne" if bound is None else "eq"
    check = make_check("sql", {"query": "select 1", "expect": {"v": {op: bound}}}, name=name)
    outcome = sql.judge(check, _facts(check, [{"v": value}]))
    assert outcome.status is want, _said(name, want, outcome)
    assert len(outcome.observed) + len(outcome.expected) < 2000, (name, len(outcome.observed), len(outcome.expected))
    assert len(json.dumps(outcome.evidence)) < 10_000, (name, len(json.dumps(outcome.evidence)))
    assert "characters)" in json.dumps(outcome.evidence), outcome.evidence


def test_a_passed_item_says_a_long_values_own_length_and_an_empty_bound_quoted():
    """The message is made from the value, not from its evidence excerpt (2,048 characters and a note): a passed item
    says the length a failed one says; a bound of no characters reads as "", not as nothing."""
    check = make_check("sql", {"query": "select 1", "expect": {"body": {"ne": ""}}}, name="long-pass")
    outcome = sql.judge(check, _facts(check, [{"body": "y" * BIG}]))
    assert outcome.status is Status.PASSED, _said("long-pass", Status.PASSED, outcome)
    assert outcome.observed.endswith("(3,000,000 characters)"), outcome.observed
    assert outcome.expected == 'body ≠ ""', outcome.expected


def test_an_integral_numeric_beyond_pythons_digit_limit_is_judged_and_shown_cut():
    """power(10::numeric, 5000) is a numeric of 5,001 digits: Python's int of it cannot be written (4,300 digits at
    most), so it is kept as its text, cut with its length, and judged as ever."""
    check = make_check("sql", {"query": "select 1", "expect": {"n": {"gt": 0}}}, name="huge")
    outcome = sql.judge(check, _facts(check, [{"n": decimal.Decimal("1" + "0" * 5000)}]))
    assert outcome.status is Status.PASSED, _said("huge", Status.PASSED, outcome)
    assert "(5,001 characters)" in outcome.observed and len(outcome.observed) < 300, outcome.observed
    assert "(5,001 characters)" in json.dumps(outcome.evidence), outcome.evidence


def test_the_rows_of_a_long_detail_are_kept_as_excerpts():
    check = make_check("sql", {"query": "select 1", "expect": {"n": {"eq": 0}}, "detail": "select 2"},
                       name="big-detail")
    facts = _facts(check, [{"n": 1}])
    facts["answers"][check.key]["detail"] = [{"id": i, "payload": "x" * 2_000_000} for i in range(1000)]
    outcome = sql.judge(check, facts)
    assert outcome.status is Status.FAILED and "first rows: (id=0, payload=xxx" in outcome.observed, outcome.observed
    # a gather fetches KEPT_ROWS + 1 rows of a detail: more than that is "more", never a count
    assert "(more than 25 rows)" in outcome.observed and len(outcome.observed) < 2000, len(outcome.observed)
    assert len(outcome.evidence["detail"]) == 25 and len(json.dumps(outcome.evidence)) < 100_000
    assert "(2,000,000 characters)" in outcome.evidence["detail"][0]["payload"], outcome.evidence["detail"][0]


# -- time: the database's clock and session settings never decide a verdict ---------------------------
_ERRORS_SINCE = {"query": "select count(*) as n from public.app_errors where created_at >= {deployed_at}",
                 "expect": {"n": {"eq": 0}}}
_TIME_DDL = """
create table public.app_errors (id serial, created_at timestamptz not null default now());
create table public.jobs (id serial, status text, created_at timestamp(3) not null default (now() at time zone 'utc'));
insert into public.app_errors default values;
insert into public.jobs (status) values ('failed'), ('failed');
"""


def _judged(db_url: str, items: list, deployed_at: dt.datetime | None = None) -> list:
    target = make_target({"database": db_url})
    target.deployed_at = deployed_at
    try:
        return gather_and_judge(target, sql, items)
    finally:
        target.close()


def test_a_database_clock_behind_the_deploy_time_is_an_error_not_an_empty_window(demo_deployment):
    """The deploy time was given; the database stamps rows by its own clock, which reads earlier: "errors since
    the deploy" would count none (a pass unlooked). Compared in the same round trip, it is the item's error."""
    since = make_check("sql", _ERRORS_SINCE, item="T1", name="errors-since")
    plain = make_check("sql", {"query": "select count(*) as n from public.app_errors", "expect": {"n": {"eq": 1}},
                               "detail": "select id from public.app_errors where created_at >= {deployed_at}"},
                       item="T2", name="errors-ever")  # the deploy time in its detail only: evidence, no verdict
    now = dt.datetime.now(dt.timezone.utc)
    with scratch_database(demo_deployment, _TIME_DDL, prefix="clock") as db:
        ahead = _judged(db["url"], [since, plain], now + dt.timedelta(hours=2))  # as a clock 2 h behind sees it
        fine = _judged(db["url"], [since, plain], now - dt.timedelta(minutes=30))
    assert ahead[0].status is Status.ERROR and "the database's clock reads" in ahead[0].observed, ahead[0]
    assert "before the deploy time" in ahead[0].observed and "fix the database's clock" in ahead[0].observed
    assert ahead[1].status is Status.PASSED, ahead[1]  # a query not citing the deploy time is judged as ever
    assert fine[0].status is Status.FAILED and fine[1].status is Status.PASSED, fine


FALLBACKS = [
    # no deploy time and no fallback: `created_at >= null` matches nothing, and a count of 0 would pass
    ("no-fallback", _ERRORS_SINCE["query"], Status.ERROR),
    ("no-fallback-twice", "select count(*) as n from public.app_errors where created_at >= {deployed_at}"
                          " and created_at > coalesce({deployed_at}, now() - interval '1 hour')", Status.ERROR),
    ("fallback-last", "select count(*) as n from public.app_errors"
                      " where created_at > coalesce(now() - interval '1 hour', {deployed_at})", Status.ERROR),
    ("fallback", "select count(*) as n from public.app_errors"
                 " where created_at > coalesce({deployed_at}, now() - interval '60 minutes')", Status.FAILED),
    ("fallback-shifted", "select count(*) as n from public.app_errors where created_at"
                         " > coalesce({deployed_at} - interval '5 minutes', now() - interval '1 hour')",
     Status.FAILED),
    ("FALLBACK-upper", "SELECT COUNT(*) AS n FROM public.app_errors"
                       " WHERE created_at > COALESCE({deployed_at}, now() - interval '1 hour')", Status.FAILED),
    # parentheses and a coalesce of one argument pass the null on to the fallback
    ("fallback-in-parens", "select count(*) as n from public.app_errors"
                           " where created_at > coalesce(({deployed_at}), now() - interval '1 hour')", Status.FAILED),
    ("fallback-nested", "select count(*) as n from public.app_errors"
                        " where created_at > coalesce(coalesce({deployed_at}), now() - interval '1 hour')",
     Status.FAILED),
    # greatest and least ignore a null in PostgreSQL: the other argument is the window
    ("fallback-greatest", "select count(*) as n from public.app_errors"
                          " where created_at > greatest({deployed_at}, now() - interval '1 hour')", Status.FAILED),
    # a fallback that is null itself is none
    ("fallback-null", "select count(*) as n from public.app_errors"
                      " where created_at > coalesce({deployed_at}, null)", Status.ERROR),
    ("fallback-null-cast", "select count(*) as n from public.app_errors"
                           " where created_at > coalesce({deployed_at}, null::timestamptz, ({deployed_at}))",
     Status.ERROR),
    # the fallback must give the window, not the count of an empty one
    ("fallback-outside-subquery", "select coalesce((select count(*) from public.app_errors"
                                  " where created_at >= {deployed_at}), 0) as n", Status.ERROR),
    # ... nor a true or false made of it: `created_at >= null` read as false counts nothing
    ("fallback-for-the-comparison", "select count(*) as n from public.app_errors"
                                    " where coalesce(created_at >= {deployed_at}, false)", Status.ERROR),
    ("fallback-for-a-filter", "select count(*) filter (where coalesce(created_at > {deployed_at}, false)) as n"
                              " from public.app_errors", Status.ERROR),
    ("fallback-for-a-negation", "select count(*) as n from public.app_errors"
                                " where not coalesce(created_at < {deployed_at}, true)", Status.ERROR),
    ("fallback-for-a-boolean-function", "select count(*) as n from public.app_errors"
                                        " where created_at > now() - interval '1 day'"
                                        " and coalesce(isfinite({deployed_at}), false)", Status.ERROR),
    # ... nor for a value of the row computed from it: `created_at - null` is no window
    ("fallback-for-an-age", "select count(*) as n from public.app_errors"
                            " where greatest(created_at - {deployed_at}, interval '0') > interval '0'", Status.ERROR),
    ("fallback-for-an-age-coalesced", "select count(*) as n from public.app_errors"
                                      " where coalesce(created_at - {deployed_at}, interval '0') > interval '0'",
     Status.ERROR),
    # a comparison after the fallback is the window's; a CASE choosing the citation by the row passes its NULL on
    ("fallback-then-compared", "select count(*) as n from public.app_errors"
                               " where coalesce(created_at >= coalesce({deployed_at}, now() - interval '1 hour'),"
                               " false)", Status.FAILED),
    ("fallback-in-a-case", "select count(*) as n from public.app_errors where created_at >= coalesce(case"
                           " when id > 0 then {deployed_at} end, now() - interval '1 hour')", Status.FAILED),
]


@pytest.mark.parametrize("name, query, want", FALLBACKS, ids=[f[0] for f in FALLBACKS])
def test_a_query_citing_the_deploy_time_without_a_fallback_is_an_error_when_none_was_given(demo_deployment, name,
                                                                                            query, want):
    """Without --deployed-at, {deployed_at} is null: only `coalesce({deployed_at}, fallback)` gives a window."""
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, item="T4", name=name)
    with scratch_database(demo_deployment, _TIME_DDL, prefix="since") as db:
        (outcome,) = _judged(db["url"], [check], None)
        (given,) = _judged(db["url"], [check], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
    assert outcome.status is want, _said(name, want, outcome)
    if want is Status.ERROR:
        assert "cites {deployed_at}" in outcome.observed and "give --deployed-at or a fallback" in outcome.observed
        assert "coalesce({deployed_at}, now() - interval '60 minutes')" in outcome.observed, outcome.observed
    assert given.status is Status.FAILED, _said(name, Status.FAILED, given)  # with a deploy time, judged as ever


_EMPTY_MAX = "(select max(created_at) from public.app_errors where false)"  # a subquery whose max() is NULL

NULL_WHEN_RUN = [
    # the fallback is written, but NULL when the query runs: no window, and a count of 0 would pass
    ("subquery-on-nothing", "coalesce({deployed_at}, (select max(created_at) from public.app_errors where false))",
     Status.ERROR),
    ("unset-setting", "coalesce({deployed_at}, current_setting('app.deployed_at', true)::timestamptz)", Status.ERROR),
    ("nullif", "coalesce({deployed_at}, nullif(now(), now()))", Status.ERROR),
    ("case-without-else", "coalesce({deployed_at}, case when false then now() end)", Status.ERROR),
    ("greatest", "greatest({deployed_at}, (select max(created_at) from public.app_errors where false))", Status.ERROR),
    ("shifted", "coalesce({deployed_at} - interval '5 minutes', nullif(now(), now()))", Status.ERROR),
    ("as-a-date", "coalesce({deployed_at}::date, (select max(created_at)::date from public.app_errors where false))",
     Status.ERROR),
    # ... and not when it holds a time: the window is the fallback's
    ("subquery", "coalesce({deployed_at}, (select min(created_at) from public.app_errors))", Status.FAILED),
    ("setting-or-hour", "coalesce({deployed_at}, current_setting('app.deployed_at', true)::timestamptz,"
                        " now() - interval '1 hour')", Status.FAILED),
    ("outer-fallback", "coalesce(greatest({deployed_at}, nullif(now(), now())), now() - interval '1 hour')",
     Status.FAILED),
    ("as-a-date-held", "coalesce({deployed_at}::date, (select min(created_at)::date from public.app_errors))",
     Status.FAILED),
    # a truncation of the clock is NULL when its unit or zone is (an unset setting)
    ("trunc-unit-setting", "coalesce({deployed_at}, date_trunc(current_setting('app.window_unit', true), now()))",
     Status.ERROR),
    ("trunc-zone-setting", "coalesce({deployed_at}, date_trunc('hour', now(), current_setting('app.tz', true)))",
     Status.ERROR),
    # an enclosing fallback that is never NULL gives the window, through a plain function between the two
    ("outer-greatest-over-trunc", f"greatest(date_trunc('hour', coalesce({{deployed_at}}, {_EMPTY_MAX})),"
                                  " now() - interval '1 day')", Status.FAILED),
    ("outer-coalesce-over-trunc", f"coalesce(date_trunc('hour', coalesce({{deployed_at}}, {_EMPTY_MAX})),"
                                  " now() - interval '1 day')", Status.FAILED),
    ("outer-greatest-at-time-zone", f"greatest(coalesce({{deployed_at}}, {_EMPTY_MAX}) at time zone 'utc',"
                                    " (now() - interval '1 day') at time zone 'utc')", Status.FAILED),
    ("outer-fallback-null-too", f"coalesce(date_trunc('hour', coalesce({{deployed_at}}, {_EMPTY_MAX})),"
                                " nullif(now(), now()))", Status.ERROR),
    ("nullif-between", f"coalesce(nullif(coalesce({{deployed_at}}, now()), now()), {_EMPTY_MAX})", Status.ERROR),
    # a fallback read from the row (per row, not once): still checked where it is NULL
    ("column", "coalesce({deployed_at}, created_at - interval '1 hour')", Status.FAILED),
]


@pytest.mark.parametrize("name, since, want", NULL_WHEN_RUN, ids=[n[0] for n in NULL_WHEN_RUN])
def test_a_fallback_that_is_null_when_the_query_runs_is_an_error_not_an_empty_window(demo_deployment, name, since,
                                                                                     want):
    """Without --deployed-at the window starts at the fallback; one that PostgreSQL finds NULL (an empty subquery,
    an unset setting) is no window: the query stops there, and the item is an ERROR saying so (with an index on
    the column, and its planner's estimates, which must not evaluate the check ahead of time)."""
    ddl = _TIME_DDL + "create index on public.app_errors (created_at); analyze public.app_errors;"
    query = f"select count(*) as n from public.app_errors where created_at >= {since}"
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}},
                               "detail": f"select id from public.app_errors where created_at >= {since}"},
                       item="W1", name=name)
    with scratch_database(demo_deployment, ddl, prefix="nullwin") as db:
        (outcome,) = _judged(db["url"], [check], None)
        (given,) = _judged(db["url"], [check], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
    assert outcome.status is want, _said(name, want, outcome)
    if want is Status.ERROR:
        assert "the fallback for {deployed_at} was NULL when the query ran" in outcome.observed, outcome.observed
        assert "pass --deployed-at" in outcome.observed and "query failed" not in outcome.observed, outcome.observed
    else:
        assert outcome.evidence["detail"] == [{"id": 1}], outcome.evidence
    assert given.status is Status.FAILED, _said(name, Status.FAILED, given)  # with a deploy time, judged as ever


_EMPTY_GRACE = "(select max(id) * interval '1 minute' from public.app_errors where false)"  # NULL: no row

# a window NULL for what surrounds its fallback (`coalesce(…) - <NULL>`), or around a given deploy time: no window,
# with or without --deployed-at; each with what is wanted without a deploy time, and with one
NULL_AROUND = [
    ("minus-unset-setting", "coalesce({deployed_at}, now() - interval '60 minutes')"
                            " - current_setting('app.grace', true)::interval", Status.ERROR, Status.ERROR),
    ("nullif-of-the-fallback", "nullif(coalesce({deployed_at}, now() - interval '1 hour'), now() - interval '1 hour')",
     Status.ERROR, Status.FAILED),
    ("plus-empty-subquery", f"coalesce({{deployed_at}}, now() - interval '1 hour') + {_EMPTY_GRACE}",
     Status.ERROR, Status.ERROR),
    ("trunc-unit-setting-around", "date_trunc(current_setting('app.window_unit', true),"
                                  " coalesce({deployed_at}, now() - interval '1 hour'))", Status.ERROR, Status.ERROR),
    ("zone-setting-around", "(coalesce({deployed_at}, now() - interval '1 hour')"
                            " at time zone current_setting('app.tz', true)) at time zone 'utc'",
     Status.ERROR, Status.ERROR),
    ("cast-around", f"(coalesce({{deployed_at}}, now() - interval '1 hour') - {_EMPTY_GRACE})::timestamptz",
     Status.ERROR, Status.ERROR),
    # a deploy time given, the window NULL all the same (with none, it has no fallback)
    ("given-minus-empty-subquery", f"{{deployed_at}} - {_EMPTY_GRACE}", Status.ERROR, Status.ERROR),
    ("given-in-parens", f"(({{deployed_at}}) - {_EMPTY_GRACE})", Status.ERROR, Status.ERROR),
    # ... and healthy: what surrounds the fallback is never NULL
    ("minus-setting-or-zero", "coalesce({deployed_at}, now() - interval '60 minutes')"
                              " - coalesce(current_setting('app.grace', true)::interval, interval '0')",
     Status.FAILED, Status.FAILED),
    ("minus-held-subquery", "coalesce({deployed_at}, now() - interval '1 hour')"
                            " - (select min(id) * interval '1 minute' from public.app_errors)",
     Status.FAILED, Status.FAILED),
    ("given-minus-literal", "{deployed_at} - interval '5 minutes'", Status.ERROR, Status.FAILED),
    ("trunc-of-the-fallback", "date_trunc('minute', coalesce({deployed_at}, now() - interval '1 hour'))",
     Status.FAILED, Status.FAILED),
]


@pytest.mark.parametrize("name, since, without, given", NULL_AROUND, ids=[n[0] for n in NULL_AROUND])
def test_a_window_null_around_its_fallback_is_an_error_with_or_without_a_deploy_time(demo_deployment, name, since,
                                                                                      without, given):
    """The whole window is checked, not only the fallback call inside it: `coalesce({deployed_at}, now() - …) -
    <an unset setting>` is NULL, and so is `{deployed_at} - <an empty subquery>` with the deploy time given; a window
    since NULL holds nothing, and the count of 0 would pass."""
    ddl = _TIME_DDL + "create index on public.app_errors (created_at); analyze public.app_errors;"
    query = f"select count(*) as n from public.app_errors where created_at >= {since}"
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, item="W3", name=name)
    with scratch_database(demo_deployment, ddl, prefix="nullaround") as db:
        (outcome,) = _judged(db["url"], [check], None)
        (timed,) = _judged(db["url"], [check], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
    assert outcome.status is without, _said(name, without, outcome)
    assert timed.status is given, _said(f"{name} with --deployed-at", given, timed)
    if name.startswith("given-"):  # without a deploy time: no fallback at all
        assert "cites {deployed_at} with no fallback" in outcome.observed, outcome.observed
    elif without is Status.ERROR:
        assert "the fallback for {deployed_at} was NULL when the query ran" in outcome.observed, outcome.observed
        assert f"the window {since} was NULL" in outcome.observed, outcome.observed
        assert "pass --deployed-at" in outcome.observed and "query failed" not in outcome.observed, outcome.observed
    if given is Status.ERROR:
        assert f"the window {since} was NULL when the query ran" in timed.observed, timed.observed
        assert "deploy time" in timed.observed and "query failed" not in timed.observed, timed.observed


# valid PostgreSQL the parser cannot read: where its window is written cannot be told, so it cannot be guarded
UNPARSED = [
    ("normalized-null-grace", f"status is nfc normalized and created_at >= {{deployed_at}} - {_EMPTY_GRACE}"),
    ("normalized-literal-grace", "status is nfc normalized and created_at >= {deployed_at} - interval '5 minutes'"),
    ("typed-literal", f"box '((0,0),(1,1))' @> point '(0.5,0.5)' and created_at >= {{deployed_at}} - {_EMPTY_GRACE}"),
]


@pytest.mark.parametrize("name, where", UNPARSED, ids=[u[0] for u in UNPARSED])
def test_a_query_whose_windows_cannot_be_found_is_an_error_with_or_without_a_deploy_time(demo_deployment, name,
                                                                                         where):
    """With --deployed-at, `{deployed_at} - <an empty subquery>` is NULL and counts nothing: a query the parser
    cannot read is sent unguarded, so it is an ERROR saying so — never a count of 0 passed (nor, without a deploy
    time, said to lack a fallback it may have)."""
    query = f"select count(*) as n from public.jobs where {where}"
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, item="W5", name=name)
    refused = make_check("sql", {"query": query + " and", "expect": {"n": {"eq": 0}}}, item="W6", name="refused")
    with scratch_database(demo_deployment, _TIME_DDL, prefix="unparsed") as db:
        timed = _judged(db["url"], [check, refused], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
        without = _judged(db["url"], [check, refused], None)
    for outcome in (timed[0], without[0]):
        assert outcome.status is Status.ERROR, _said(name, Status.ERROR, outcome)
        assert "could not be parsed to tell where each window" in outcome.observed, outcome.observed
    assert timed[0].evidence.get("deployed_at"), timed[0].evidence
    for outcome in (timed[1], without[1]):  # the server's own words, where it refused the query
        assert outcome.status is Status.ERROR and "query failed: syntax error" in outcome.observed, outcome.observed


def test_a_null_window_in_the_detail_with_a_deploy_time_says_so_in_the_evidence(demo_deployment):
    check = make_check("sql", {"query": "select count(*) as n from public.app_errors where created_at >= {deployed_at}",
                               "expect": {"n": {"eq": 0}},
                               "detail": "select id from public.app_errors"
                                         f" where created_at >= {{deployed_at}} - {_EMPTY_GRACE}"},
                       item="W4", name="detail-null-window-given")
    with scratch_database(demo_deployment, _TIME_DDL, prefix="nulldetail") as db:
        (outcome,) = _judged(db["url"], [check], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
    assert outcome.status is Status.FAILED, _said("detail-null-window-given", Status.FAILED, outcome)
    said = outcome.evidence["detail"]
    assert f"the window {{deployed_at}} - {_EMPTY_GRACE} was NULL when the detail query ran" in said, said
    assert "boolean" not in said and "invalid input" not in said, said


def test_a_fallback_null_in_the_detail_only_says_so_in_the_evidence(demo_deployment):
    """The query's window is never NULL, the detail's is: the detail holds no rows, and its evidence says why in
    words (not PostgreSQL's complaint about the text it could not read as a boolean)."""
    check = make_check("sql", {"query": "select count(*) as n from public.app_errors"
                                        " where created_at >= coalesce({deployed_at}, now() - interval '1 hour')",
                               "expect": {"n": {"eq": 0}},
                               "detail": "select id from public.app_errors"
                                         f" where created_at >= coalesce({{deployed_at}}, {_EMPTY_MAX})"},
                       item="W2", name="detail-null-window")
    with scratch_database(demo_deployment, _TIME_DDL, prefix="nulldetail") as db:
        (outcome,) = _judged(db["url"], [check], None)
    assert outcome.status is Status.FAILED, _said("detail-null-window", Status.FAILED, outcome)
    said = outcome.evidence["detail"]
    assert "the fallback for {deployed_at} was NULL when the detail query ran" in said, said
    assert "pass --deployed-at" in said and "boolean" not in said and "invalid input" not in said, said


_INDEXED_WINDOW = """
create table public.events (id bigserial, created_at timestamptz not null);
insert into public.events (created_at) select now() - g * interval '1 minute' from generate_series(1, 5000) g;
create index events_created_at on public.events (created_at);
create table public.settings (k text, v timestamptz);
analyze public.events; analyze public.settings;
"""


def test_a_guarded_fallback_read_once_keeps_the_window_indexable(demo_deployment):
    """Guarding a fallback must not cost the query its index: a fallback that reads no column of the row (a
    subquery, a setting) is computed once, before the scan, so `created_at >= …` stays an index condition — and
    still stops the query when it is NULL."""
    query = ("select count(*) as n from public.events"
             " where created_at >= coalesce({deployed_at}, (select max(v) from public.settings))")
    sent = sql.render(query, None)
    assert "timeofday" in sent, sent  # guarded
    with scratch_database(demo_deployment, _INDEXED_WINDOW, prefix="indexed") as db:
        with psycopg.connect(db["admin"], autocommit=True, connect_timeout=10) as conn:
            conn.execute("set enable_seqscan = off")  # the index when it may be used at all (rows are few)
            plan = "\n".join(row[0] for row in conn.execute(f"explain {sent}").fetchall())
            assert any("Index Cond" in line and "created_at >=" in line for line in plan.splitlines()), plan
            with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="fallback for deployed_at was NULL"):
                conn.execute(sent)  # no setting: no window
            conn.execute("insert into public.settings values ('deploy', now() - interval '90 minutes')")
            (counted,) = conn.execute(sent).fetchone()  # the rows of the last 90 minutes, not all nor none
            assert 0 < counted < 5000, (counted, sent)


@pytest.mark.parametrize("window, given", [
    ("coalesce({deployed_at}, now() - interval '1 hour') - (select max(g) from public.settings)", False),
    ("coalesce({deployed_at}, now() - interval '1 hour') - (select max(g) from public.settings)", True),
    ("{deployed_at} - (select max(g) from public.settings)", True),
], ids=["fallback-minus-setting", "fallback-minus-setting-given", "given-minus-setting"])
def test_a_whole_window_guarded_keeps_its_index(demo_deployment, window, given):
    """The window guarded whole (what surrounds the fallback, or the given time, may be NULL) reads no row: it is
    computed once, before the scan, so `created_at >= …` stays an index condition — and stops the query when
    NULL."""
    deployed = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30) if given else None
    sent = sql.render(f"select count(*) as n from public.events where created_at >= {window}", deployed)
    assert "timeofday" in sent and ">= (select coalesce(" in sent, sent
    with scratch_database(demo_deployment, _INDEXED_WINDOW + "alter table public.settings add g interval;",
                          prefix="indexed") as db:
        with psycopg.connect(db["admin"], autocommit=True, connect_timeout=10) as conn:
            conn.execute("set enable_seqscan = off")  # the index when it may be used at all (rows are few)
            plan = "\n".join(row[0] for row in conn.execute(f"explain {sent}").fetchall())
            assert any("Index Cond" in line and "created_at >=" in line for line in plan.splitlines()), plan
            with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="window"):
                conn.execute(sent)  # no grace set: no window
            conn.execute("insert into public.settings (k, g) values ('grace', interval '10 minutes')")
            (counted,) = conn.execute(sent).fetchone()  # the rows of the last 70 (40) minutes, not all nor none
            assert 0 < counted < 5000, (counted, sent)


def test_a_window_that_is_never_null_with_a_deploy_time_is_sent_as_written():
    """The deploy time given, a window that cannot be NULL is the literal filled in, nothing more: the plan is the
    query's own."""
    deployed = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    for window in ("{deployed_at}", "{deployed_at} - interval '5 minutes'",
                   "coalesce({deployed_at}, now() - interval '1 hour')",
                   "coalesce({deployed_at}, (select max(v) from settings))",
                   "greatest({deployed_at}, (select max(v) from settings))",
                   "date_trunc('hour', {deployed_at})", "{deployed_at}::date"):
        query = f"select count(*) as n from jobs where created_at >= {window} and status = 'failed'"
        rendered = sql.render(query, deployed)
        assert rendered == query.replace("{deployed_at}", f"'{deployed.isoformat()}'::timestamptz"), rendered


def test_a_fallback_that_reads_the_row_is_guarded_in_place_and_one_that_does_not_once():
    """A column in the fallback is the row's (checked per row, in place); a subquery or setting is checked once."""
    row = sql.render("select count(*) as n from jobs where created_at >= greatest({deployed_at}, enabled_at)", None)
    assert "timeofday" in row and "(select coalesce(greatest(" not in row, row
    once = sql.render("select count(*) as n from jobs where created_at >= coalesce({deployed_at},"
                      " (select max(v) from settings s where s.k = 'deploy'))", None)
    assert once.startswith("select count(*) as n from jobs where created_at >= (select coalesce(coalesce("), once
    correlated = sql.render("select count(*) as n from jobs j where created_at >= coalesce({deployed_at},"
                            " (select max(v) from settings s where s.k = j.status), j.enabled_at)", None)
    assert "(select coalesce(coalesce(" not in correlated and "timeofday" in correlated, correlated
    counted = sql.render("select count(*) as n from jobs group by status"
                         " having max(created_at) >= greatest({deployed_at}, now() - count(*) * (select max(i)"
                         " from gaps))", None)  # the group's count(*): in a subquery of its own it would be 1
    assert "timeofday" in counted and "(select coalesce(greatest(" not in counted, counted


def test_a_fallback_for_a_comparison_is_no_fallback_for_the_window():
    """`coalesce(created_at >= coalesce({deployed_at}, …), false)` falls back for the comparison, not the time:
    the inner call is still guarded (an empty window with a count of 0 would pass)."""
    sent = sql.render("select count(*) as n from app_errors where coalesce(created_at >= coalesce({deployed_at},"
                      " (select max(v) from settings)), false)", None)
    assert sent.startswith("select count(*) as n from app_errors where coalesce(created_at >= (select coalesce("), sent
    assert sent.endswith(" end)), false)"), sent


def test_a_fallback_that_is_never_null_is_sent_as_written():
    """`now() - interval …`, a literal: nothing to check when the query runs, and the plan stays the query's own."""
    for fallback in ("now() - interval '60 minutes'", "'infinity'", "current_timestamp - 3 * interval '1 hour'",
                     "date_trunc('day', now())", "statement_timestamp()"):
        query = f"select count(*) as n from jobs where created_at >= coalesce({{deployed_at}}, {fallback})"
        rendered = sql.render(query, None)
        assert rendered == query.replace("{deployed_at}", "null::timestamptz"), rendered


def test_the_deploy_time_in_a_quoted_identifier_is_refused_as_such():
    params = {"query": 'select count(*) as "{deployed_at}" from jobs', "expect": {"{deployed_at}": {"eq": 0}}}
    with pytest.raises(ValueError, match=r"\{deployed_at\} is inside a quoted identifier.*outside the double quotes"):
        sql.Params.model_validate(params)


@pytest.mark.parametrize("field", ["query", "detail"])
@pytest.mark.parametrize("written", [
    "select count(*) as n from public.app_errors where note = 'since {deployed_at}'",
    "select length($$ created_at >= {deployed_at} $$) as n",
    "select count(*) as n from public.app_errors where note = E'at {deployed_at}\\n'",
])
def test_the_deploy_time_inside_a_string_is_refused_at_load(field, written):
    """It is filled in as `'…'::timestamptz`: inside a string its quotes would end that string."""
    params = {"query": "select 1 as n", "expect": {"n": {"eq": 0}}, field: written}
    with pytest.raises(ValueError, match=r"\{deployed_at\} is inside a string.*write it outside the quotes"):
        sql.Params.model_validate(params)


def test_the_deploy_time_in_a_comment_or_outside_strings_loads():
    for written in ("select count(*) as n from public.app_errors -- since {deployed_at}\n"
                    " where created_at >= coalesce({deployed_at}, now()) and note <> '{deployed}'",):
        sql.Params.model_validate({"query": written, "expect": {"n": {"eq": 0}}})


@pytest.mark.parametrize("setting", ["datestyle = 'German, DMY'", "intervalstyle = 'sql_standard'",
                                     "datestyle = 'SQL, DMY'"])
def test_the_databases_own_time_settings_decide_nothing(demo_deployment, setting):
    """A role or database may set its session's DateStyle or IntervalStyle: the checker's session pins them (ISO),
    so every value is read, and a `timestamp` column compares with the deploy time as UTC."""
    ddl = _TIME_DDL + (f"do $$ begin execute format('alter database %I set {setting.replace(chr(39), chr(39) * 2)}',"
                       " current_database()); end $$;")
    with scratch_database(demo_deployment, ddl, prefix="tz") as db:
        (outcome,) = _judged(db["url"], [_FAILED_SINCE], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30))
    assert outcome.status is Status.FAILED and "failed = 2" in outcome.observed, outcome


@pytest.mark.needs_real_server
def test_a_date_literal_is_read_in_the_servers_own_order():
    """initdb of an en_GB, de_DE or fr_FR cluster writes datestyle = 'iso, dmy': the app's sessions read a query's
    '01/12/2026' as 1 December. The checker pins DateStyle's output form only and reads it so too; pinned as ISO,MDY
    it read 12 January, and an invoice unpaid since June passed "none unpaid before 01/12/2026"."""
    from .test_schema_lints import _debian_pg15
    servers = _debian_pg15("datestyle = 'iso, dmy'")
    server = next(servers)
    try:
        with psycopg.connect(server.admin_url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute("create table public.invoices (issued_on date, paid boolean);"
                         " insert into public.invoices values ('2026-06-01', false)")
        overdue = make_check("sql", {"query": "select count(*) as n from public.invoices"
                                              " where not paid and issued_on < '01/12/2026'",
                                     "expect": {"n": {"eq": 0}}}, item="B1", name="overdue")
        (outcome,) = _judged(server.checker_url("postgres"), [overdue])
    finally:
        servers.close()
    assert outcome.status is Status.FAILED and "n = 1" in outcome.observed, outcome


_FAILED_SINCE = make_check("sql", {"query": "select count(*) as failed, max(created_at) as last,"
                                            " interval '1 day 2 hours' as span,"
                                            " (select max(created_at) from public.app_errors) as last_error"
                                            " from public.jobs where status = 'failed' and created_at >= {deployed_at}",
                                   "expect": {"failed": {"eq": 0}}}, item="T3", name="failed-since")
_IN_TOKYO = "do $$ begin execute format('alter database %I set timezone = ''Asia/Tokyo''', current_database()); end $$;"
# a worker that stamps its heartbeat as `default now()` does: the database's wall time, in a column of no zone
_HEARTBEATS = """
set timezone = 'Asia/Tokyo';  -- the app's session, in the database's zone
create table public.heartbeats (worker text, beat timestamp default now(), beat_tz timestamptz default now());
insert into public.heartbeats values ('dead', now() - interval '8 hours', now() - interval '8 hours');
insert into public.heartbeats (worker) values ('alive');
"""
_AGE = ("select extract(epoch from now() - max(beat))::int as age_s from public.heartbeats"
        " where worker = '{worker}'")


def _fresh(worker: str, query: str = _AGE) -> object:
    return make_check("sql", {"query": query.format(worker=worker), "expect": {"age_s": {"le": 600}}},
                      item=f"H{worker}", name=f"heartbeat-{worker}")


def test_a_timestamp_whose_zone_decides_the_verdict_is_an_error_not_the_checkers_utc(demo_deployment):
    """The database's default TimeZone is Asia/Tokyo; `beat timestamp default now()` holds Tokyo's wall time. In the
    checker's UTC a heartbeat 8 hours stale read as an hour in the future, and `age_s <= 600` passed; an app stamping
    UTC into such a column (`_TIME_DDL`'s jobs) reads right only in UTC, and in the database's zone 2 failures since
    the deploy read as none. Which one the app does cannot be told: where the two readings judge otherwise, the item
    is an error naming the zone; where they agree, or the query reads no time of no zone, it is judged as ever."""
    items = [_fresh("dead"), _fresh("alive"),
             _fresh("dead-tz", "select extract(epoch from now() - max(beat_tz))::int as age_s from public.heartbeats"
                               " where worker = 'dead'"),
             _FAILED_SINCE]
    with scratch_database(demo_deployment, _TIME_DDL + _HEARTBEATS + _IN_TOKYO, prefix="tokyo") as db:
        dead, alive, dead_tz, failed_since = _judged(db["url"], items, dt.datetime.now(UTC) - dt.timedelta(minutes=30))
    for name, outcome in (("heartbeat-dead", dead), ("failed-since", failed_since)):
        assert outcome.status is Status.ERROR, _said(name, Status.ERROR, outcome)
        assert "depends on the time zone" in outcome.observed and "in Asia/Tokyo" in outcome.observed, outcome.observed
        assert "now() at time zone 'Asia/Tokyo'" in outcome.observed, outcome.observed
    # the heartbeat ages while the machine works between writing it and judging it: a slow runner adds seconds
    utc_age = re.search(r"in UTC \(the checker's session\) it passed \(age_s = (-?\d+)", dead.observed)
    tokyo_age = re.search(r"in Asia/Tokyo \(the database's default, as the app's sessions read it\) it failed"
                          r" \(age_s = (-?\d+)", dead.observed)
    assert utc_age and tokyo_age, dead.observed
    assert -3600 <= int(utc_age[1]) < -3000 and 28800 <= int(tokyo_age[1]) < 29400, dead.observed
    assert alive.status is Status.PASSED, _said("heartbeat-alive", Status.PASSED, alive)  # both readings pass it
    assert dead_tz.status is Status.FAILED, _said("heartbeat-dead-tz", Status.FAILED, dead_tz)  # a timestamptz


def test_a_database_whose_zone_is_utc_costs_no_second_round_trip(demo_deployment, monkeypatch):
    """The zone is read and the session pinned to UTC in the first conversation, outside any transaction; only a
    database whose default zone is not UTC has its queries asked again in that zone."""
    sent: list[list[bytes]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append(list(texts)) or real(self, texts, pinned))
    def zone(name: str) -> str:
        return f"do $$ begin execute format('alter database %I set timezone = ''{name}''', current_database()); end $$;"

    # WET: the zone (UTC+1 in summer), which timezone('WET', …) would read as the abbreviation (UTC all year)
    for ddl, trips in ((_HEARTBEATS + zone("Etc/UTC"), 1), (_HEARTBEATS + zone("UTC0"), 1),
                       (_HEARTBEATS + _IN_TOKYO, 2), (_HEARTBEATS + zone("WET"), 2)):
        sent.clear()
        with scratch_database(demo_deployment, ddl, prefix="trips") as db:
            (outcome,) = _judged(db["url"], [_fresh("dead")])
        assert len(sent) == trips, f"{ddl[-60:]}: round trips: expected {trips}, saw {len(sent)}"
        if ddl.endswith(_IN_TOKYO):  # (stamped in Tokyo: on the other databases the data is not the app's)
            assert outcome.status is Status.ERROR, _said("heartbeat-dead", Status.ERROR, outcome)


def test_the_runners_pgtz_does_not_pass_for_the_databases_zone(demo_deployment, monkeypatch):
    """libpq sends PGTZ from the runner's environment as the session's TimeZone: taken for the database's, a Tokyo
    database's stale heartbeat passed in UTC with no second reading. The checker's sessions never take it."""
    monkeypatch.setenv("PGTZ", "UTC")
    with scratch_database(demo_deployment, _HEARTBEATS + _IN_TOKYO, prefix="pgtz") as db:
        (dead,) = _judged(db["url"], [_fresh("dead")])
    assert dead.status is Status.ERROR and "in Asia/Tokyo" in dead.observed, _said("heartbeat-dead", Status.ERROR, dead)


@contextlib.contextmanager
def _checker_with_its_own_zone(demo_deployment, ddl: str, how: str, zone: str = "UTC"):
    """A scratch database of `ddl` and the URL of a checker whose session gets `zone` from its own setting, not the
    app's: its role's (ALTER ROLE … SET, a role made for it), its role's in that database, or its URL's `options`."""
    role, password = f"checker_tz_{secrets.token_hex(4)}", secrets.token_hex(12)
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login bypassrls password {} in role pg_read_all_data").format(
            pgsql.Identifier(role), pgsql.Literal(password)))
        if how == "role":
            conn.execute(pgsql.SQL("alter role {} set timezone = {}").format(pgsql.Identifier(role),
                                                                               pgsql.Literal(zone)))
    try:
        with scratch_database(demo_deployment, ddl, prefix="ownzone") as db:
            url = demo_deployment.pg.url(db["name"], role, password)
            if how == "role in database":
                with demo_deployment.pg.admin() as conn:
                    conn.execute(pgsql.SQL("alter role {} in database {} set timezone = {}").format(
                        pgsql.Identifier(role), pgsql.Identifier(db["name"]), pgsql.Literal(zone)))
            elif how == "url options":
                url += ("&" if "?" in url else "?") + f"options=-c%20timezone%3D{zone.replace('/', '%2F')}"
            yield db, url
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))


@pytest.mark.parametrize("how", ["role", "role in database", "url options"])
def test_the_checkers_own_zone_does_not_pass_for_the_apps(demo_deployment, how):
    """A monitoring role that sets its own TimeZone (ALTER ROLE checker SET timezone = 'UTC'), or a URL whose
    `options` do, gave the checker's session UTC: taken for the app's zone, a Tokyo database's heartbeat 8 hours
    stale read -3600 s with no second reading and passed. The app's sessions get the database's zone, Tokyo."""
    with _checker_with_its_own_zone(demo_deployment, _HEARTBEATS + _IN_TOKYO, how) as (_, url):
        dead, alive = _judged(url, [_fresh("dead"), _fresh("alive")])
        database = postgres.Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="tz")
        try:
            database.query("select 1")
            assert database.default_zone == ("Asia/Tokyo", False), f"{how}: {database.default_zone}"
        finally:
            database.close()
    assert dead.status is Status.ERROR and "in Asia/Tokyo" in dead.observed, _said("heartbeat-dead", Status.ERROR, dead)
    assert alive.status is Status.PASSED, _said("heartbeat-alive", Status.PASSED, alive)


_RESET_VAL = "select reset_val as zone from pg_settings where name = 'TimeZone'"


@pytest.mark.parametrize("how", ["role", "role in database", "url options"])
def test_timezones_reset_val_is_an_error_where_it_is_the_checkers_own(demo_deployment, how):
    """TimeZone's reset_val is the zone a session starts with: where the checker's own setting (its role's, its role's
    in the database, its URL's options) gave its session UTC, it is the checker's, not the app's: on a database in
    Asia/Tokyo "reset_val is UTC" passed and "reset_val is Asia/Tokyo" failed (the role's setting outranks the
    database's), and a detail reading it showed UTC. Each is an ERROR (the detail's rows replaced by why) naming
    whence the checker's zone came, how to drop it, and what reads the app's; a plain checker's reading is judged."""
    items = [make_check("sql", {"query": _RESET_VAL, "expect": {"zone": {"eq": "UTC"}}}, item="R1", name="utc"),
             make_check("sql", {"query": _RESET_VAL, "expect": {"zone": {"eq": "Asia/Tokyo"}}}, item="R2",
                        name="tokyo"),
             make_check("sql", {"query": "select * from pg_settings where name = 'TimeZone'",
                                "expect": {"reset_val": {"eq": "UTC"}}}, item="R3", name="whole-row"),
             make_check("sql", {"query": "select 0 as n", "detail": _RESET_VAL, "expect": {"n": {"eq": 1}}},
                        item="R4", name="detail")]
    with _checker_with_its_own_zone(demo_deployment, _IN_TOKYO, how) as (db, url):
        utc, tokyo, whole_row, detail = _judged(url, items)
        plain = _judged(db["url"], items[1:2])[0]
    for name, outcome in (("utc", utc), ("tokyo", tokyo), ("whole-row", whole_row)):
        assert outcome.status is Status.ERROR, _said(name, Status.ERROR, outcome)
        said = outcome.observed
        assert "reset_val" in said and "the checker's own" in said and "pg_db_role_setting" in said, said
        assert "pg_file_settings" in said, said
        whence = {"role": "ALTER ROLE checker_tz_", "role in database": f"IN DATABASE {db['name']} SET timezone",
                  "url options": "the database URL's options"}[how]
        assert whence in said, f"{how}: expected whence the checker's zone came ({whence!r}); saw {said!r}"
    assert detail.status is Status.FAILED, _said("detail", Status.FAILED, detail)
    shown = detail.evidence["detail"]
    assert isinstance(shown, str) and "the detail reads" in shown and "the checker's own" in shown, shown
    assert plain.status is Status.PASSED, _said("tokyo (a checker with no zone of its own)", Status.PASSED, plain)


def test_the_zone_errors_readings_write_text_alike(demo_deployment):
    """The zone ERROR wrote a passed reading's text bare (`z = UTC`) and a failed one's quoted (`z = 'JST'`): each
    reading's values are written alike, text quoted."""
    items = [make_check("sql", {"query": "select to_char(now(), 'TZ') as z", "expect": {"z": {"eq": "UTC"}}},
                        item="Z2", name="zone-abbreviation")]
    with scratch_database(demo_deployment, _IN_TOKYO, prefix="quoted") as db:
        (outcome,) = _judged(db["url"], items)
    assert outcome.status is Status.ERROR, _said("zone-abbreviation", Status.ERROR, outcome)
    assert "it passed (z = 'UTC')" in outcome.observed and "it failed (z = 'JST')" in outcome.observed, (
        f"expected both readings' text quoted alike; saw {outcome.observed!r}")


def test_alter_role_all_gives_the_apps_zone_where_the_database_sets_none(demo_deployment):
    """ALTER ROLE ALL SET timezone is every session's default where the database sets none (and the database's wins
    over it): the app's zone for a checker whose own zone is not the app's. (This worker's own server: reset after.)"""
    kolkata = _IN_TOKYO.replace("Asia/Tokyo", "Asia/Kolkata")
    zones = []
    with demo_deployment.pg.admin() as conn:
        conn.execute("alter role all set timezone = 'Asia/Tokyo'")
    try:
        for ddl in (_HEARTBEATS, _HEARTBEATS + kolkata):
            with _checker_with_its_own_zone(demo_deployment, ddl, "role") as (_, url):
                database = postgres.Database(url, connect_timeout_s=5, statement_timeout_ms=2000, label="tz")
                try:
                    database.query("select 1")
                    zones.append((database.default_zone, database.unknown_zone))
                finally:
                    database.close()
                if ddl == _HEARTBEATS:
                    (dead,) = _judged(url, [_fresh("dead")])
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute("alter role all reset timezone")
    assert zones == [(("Asia/Tokyo", False), None), (("Asia/Kolkata", False), None)], zones
    assert dead.status is Status.ERROR and "in Asia/Tokyo" in dead.observed, _said("heartbeat-dead", Status.ERROR, dead)


_STALE = "select count(*) as stale from public.heartbeats where beat_tz < now() - interval '1 hour'"


@pytest.mark.parametrize("how", ["role", "url options"])
def test_where_the_apps_zone_is_unknown_only_an_item_the_zone_decides_is_an_error(demo_deployment, how, monkeypatch):
    """The checker's session has its own zone and neither the database nor ALTER ROLE ALL sets one: the app's sessions
    get the server's configured zone, which only a superuser can read. Each query is read again at the two ends of
    the zones in use, UTC-12 and UTC+14, in the one second round trip a known zone costs: an item judged otherwise at
    either is an error naming what is not known and how to make it known, never a verdict read in the checker's
    zone (a heartbeat stamped in Tokyo wall time, 8 hours stale, passed in UTC); an item no zone decides — `select 1`,
    a count over a timestamptz, a heartbeat within a day wherever it was stamped — is judged on its own merits."""
    sent: list[tuple[list[bytes], list]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append((list(texts), list(pinned)))
                        or real(self, texts, pinned))
    items = [_fresh("dead"), _fresh("alive"),
             make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 1}}}, item="N1", name="one"),
             make_check("sql", {"query": _STALE, "expect": {"stale": {"eq": 1}}}, item="C1", name="one-stale"),
             make_check("sql", {"query": _STALE, "expect": {"stale": {"eq": 0}}}, item="C2", name="none-stale"),
             make_check("sql", {"query": _AGE.format(worker="dead"), "expect": {"age_s": {"le": 86400}}}, item="H3",
                        name="beat-within-a-day"),
             # text is compared by PostgreSQL, on the value read in UTC: the hour read otherwise is not judged
             make_check("sql", {"query": "select to_char(now(), 'HH24') as h", "expect": {"h": {"ge": "00"}}},
                        item="Z1", name="hour-of-now")]
    with _checker_with_its_own_zone(demo_deployment, _HEARTBEATS, how) as (db, url):
        dead, alive, one, one_stale, none_stale, within_a_day, hour = _judged(url, items)
    for name, outcome in (("heartbeat-dead", dead), ("heartbeat-alive", alive), ("hour-of-now", hour)):
        assert outcome.status is Status.ERROR, _said(name, Status.ERROR, outcome)
        assert "zone the app's sessions read time in is not known" in outcome.observed, outcome.observed
        assert f"alter database {db['name']} set timezone = '<the app's zone>'" in outcome.observed.lower(), \
            outcome.observed
    # 8 hours stale in Tokyo's wall time: an hour ahead read in UTC, 13 hours behind at UTC-12, 13 ahead at UTC+14
    assert "in UTC (the checker's session) it passed (age_s = " in dead.observed, dead.observed
    assert "at UTC-12 (Etc/GMT+12) it passed (age_s = -" in dead.observed, dead.observed
    assert "at UTC+14 (Etc/GMT-14) it failed (age_s = " in dead.observed, dead.observed
    assert "at UTC+14 (Etc/GMT-14) it failed" in alive.observed, alive.observed  # 9 hours ahead in UTC, 5 behind there
    assert hour.observed.startswith("a value compared depends"), hour.observed  # passed in each, each hour another
    for name, outcome, want in (("one", one, Status.PASSED), ("one-stale", one_stale, Status.PASSED),
                                ("none-stale", none_stale, Status.FAILED),
                                ("beat-within-a-day", within_a_day, Status.PASSED)):
        assert outcome.status is want, _said(name, want, outcome)
    assert "stale = 1" in none_stale.observed, none_stale.observed
    # as for a known zone: the queries (and the zone read first); each read in another zone; the text compared
    assert len(sent) == 3, f"round trips: expected 3 (as for a known zone), saw {len(sent)}"
    zones = sorted(pin for pin in sent[1][1] if isinstance(pin, bytes))
    assert zones == sorted([b"select pg_catalog.set_config('TimeZone', 'Etc/GMT+12', true)",
                            b"select pg_catalog.set_config('TimeZone', 'Etc/GMT-14', true)"] * len(items)), zones


def _in_zone(name: str) -> str:
    """DDL setting the scratch database's default TimeZone (the app's sessions') to `name`."""
    return _IN_TOKYO.replace("Asia/Tokyo", name)


# sentinels of a timestamptz: "never expires", and Go's zero time ("never seen")
_SENTINELS = """
create table public.licenses (id int primary key, valid_until timestamptz not null default '9999-12-31 23:59:59+00');
insert into public.licenses values (1, default), (2, now() + interval '30 days');
create table public.devices (id int primary key, last_seen_at timestamptz not null default '0001-01-01 00:00:00+00');
insert into public.devices values (1, now() - interval '1 minute'), (2, default);
"""


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_a_timestamptz_sentinel_is_one_instant_in_every_zone(demo_deployment, zone):
    """'9999-12-31 23:59:59+00' and '0001-01-01 00:00:00+00' are one instant each, whatever the zone; but east of UTC
    PostgreSQL writes the first in the year 10000, and west of it the second in 1 BC, which Python's datetime cannot
    hold: the reading in the database's zone was unreadable, and the item an error "the verdict depends on the time
    zone … a `timestamp without time zone`" — of a timestamptz. Read as the instant it is, each is judged as in UTC;
    a timestamptz the zone does move (a `timestamp` cast in the session's zone) is still an error."""
    items = [
        make_check("sql", {"query": "select max(valid_until) as latest from public.licenses",
                           "expect": {"latest": {"gt": "2027-01-01T00:00:00Z"}}}, item="S1", name="one-valid"),
        make_check("sql", {"query": "select min(last_seen_at) as oldest from public.devices",
                           "expect": {"oldest": {"gt": "2020-01-01T00:00:00Z"}}}, item="S2", name="none-unseen"),
        make_check("sql", {"query": "select (select min(last_seen_at) from public.devices) as oldest,"
                                    " (select array[max(valid_until)] from public.licenses) as latest",
                           "expect": {"oldest": {"eq": "0001-01-01T00:00:00Z"},
                                      "latest": {"eq": ["9999-12-31T23:59:59Z"]}}}, item="S3", name="sentinels"),
        # the zone moves this one: 12:00 of the session's zone
        make_check("sql", {"query": "select timestamp '9999-12-31 12:00'::timestamptz as t",
                           "expect": {"t": {"eq": "9999-12-31T12:00:00Z"}}}, item="S4", name="cast-in-the-zone"),
    ]
    with scratch_database(demo_deployment, _SENTINELS + _in_zone(zone), prefix="sentinel") as db:
        outcomes = _judged(db["url"], items)
    for item, outcome, want in zip(items, outcomes, (Status.PASSED, Status.FAILED, Status.PASSED, Status.ERROR)):
        assert outcome.status is want, _said(f"{item.name} ({zone})", want, outcome)
    assert "oldest = 0001-01-01 00:00:00+00:00" in outcomes[1].observed, outcomes[1].observed
    assert "depends on the time zone" in outcomes[3].observed and f"in {zone}" in outcomes[3].observed, \
        outcomes[3].observed


@pytest.mark.parametrize("written, instant", [
    (b"10000-01-01 08:59:59.5+09", dt.datetime(9999, 12, 31, 23, 59, 59, 500000, UTC)),
    (b"0001-12-31 16:07:02-07:52:58 BC", dt.datetime(1, 1, 1, tzinfo=UTC)),  # Los Angeles' local mean time
    (b"2026-05-01 10:00:00+02", dt.datetime(2026, 5, 1, 8, tzinfo=UTC)),
    (b"10000-01-01 00:00:00+00", None),  # an instant past Python's years: the driver's error, as ever
    (b"0001-12-31 23:00:00+00 BC", None),
    (b"10000-02-30 00:00:00+09", None),
])
def test_a_timestamptz_is_read_as_its_instant_whatever_year_the_zone_writes(written, instant):
    assert postgres._instant(written) == instant, f"{written!r}: expected {instant}, saw {postgres._instant(written)}"


# divides by zero in any zone of another offset (not current_setting('TimeZone'): the session's own, an error itself)
_ONLY_IN_UTC = "select 1 / (extract(timezone from now()) = 0)::int as n"


@pytest.mark.parametrize("how", ["known", "unknown"])
def test_a_reading_in_another_zone_that_fails_is_said_so_not_blamed_on_a_timestamp(demo_deployment, how):
    """The query read again in another zone can fail for a reason of its own there (a lock, a timeout, an error):
    it said "the verdict depends on the time zone … in Asia/Tokyo it error (…) — a `timestamp without time zone` …".
    Whether the zone decides was not seen: an error that says which reading failed, where, and why. A reading that
    is judged an error ("query returned 0 rows") is said in words, not "it error"."""
    items = [make_check("sql", {"query": _ONLY_IN_UTC, "expect": {"n": {"eq": 1}}}, item="F1", name="fails-there"),
             make_check("sql", {"query": "select 1 as n where extract(timezone from now()) = 0",
                                "expect": {"n": {"eq": 1}}}, item="F2", name="no-row-there")]
    if how == "known":
        with scratch_database(demo_deployment, _IN_TOKYO, prefix="unread") as db:
            failing, no_row = _judged(db["url"], items)
        where = "read again in Asia/Tokyo (the database's default, as the app's sessions read it)"
    else:
        with _checker_with_its_own_zone(demo_deployment, "select 1", "role") as (_, url):
            failing, no_row = _judged(url, items)
        where = "read again at UTC-12 (Etc/GMT+12)"
    assert failing.status is Status.ERROR, _said("fails-there", Status.ERROR, failing)
    assert failing.observed.startswith("whether the time zone the query is read in decides the verdict could not be"
                                       " told: in UTC (the checker's session) it passed (n = 1)"), failing.observed
    assert f"{where}, the query failed: division by zero" in failing.observed, failing.observed
    assert "timestamp without time zone" not in failing.observed, failing.observed
    assert no_row.status is Status.ERROR, _said("no-row-there", Status.ERROR, no_row)
    assert " it error" not in no_row.observed and "it was an error (query returned 0 rows" in no_row.observed, \
        no_row.observed


def test_a_built_in_range_holding_nan_or_infinity_is_no_pass_for_is_set(demo_deployment):
    """`ne: null` is no pass for a NaN or ±Infinity, in an array, a composite, a range or a multirange: the driver
    reads numrange and nummultirange as Range objects, which were not looked into."""
    items = [make_check("sql", {"query": query, "expect": {"band": {"ne": None}}}, item=f"R{i}", name=name)
             for i, (name, query) in enumerate((("nan", "select numrange(0, 'NaN') as band"),
                                                ("inf", "select nummultirange(numrange(1, 'Infinity')) as band"),
                                                ("finite", "select numrange(0, 1) as band")))]
    with scratch_database(demo_deployment, "select 1", prefix="ranges") as db:
        outcomes = _judged(db["url"], items)
    for item, outcome, want in zip(items, outcomes, (Status.FAILED, Status.FAILED, Status.PASSED)):
        assert outcome.status is want, _said(item.name, want, outcome)
    assert "(holds a value that is not a finite number)" in outcomes[0].observed, outcomes[0].observed


@pytest.mark.parametrize("params", [
    {"query": 'select count(*) as n from "jobs\0"', "expect": {"n": {"eq": 0}}},
    {"query": "select 0 as n", "detail": "select '\0' as id", "expect": {"n": {"eq": 0}}},
    {"query": "select 0 as n", "expect": {"n\0": {"eq": 0}}},
], ids=["query", "detail", "column"])
def test_a_nul_in_what_goes_to_postgresql_is_refused_at_load(params):
    """libpq sends SQL as C strings, and a column name holds no NUL: a NUL in a query was accepted, and where the
    checker is subject to RLS the name it made went into the one statement that resolves every item's names — which
    the driver refused, an error for every item on that database."""
    with pytest.raises(ValueError, match=r"holds a NUL character \(\\0\)"):
        make_check("sql", params)


def test_a_nul_in_a_query_is_refused_at_load_in_one_line(tmp_path):
    folder = tmp_path / "checklists"
    folder.mkdir()
    (folder / "shop.yaml").write_text(
        "system: shop\nrunbook: r\nitems:\n  - id: N1\n    name: nul\n    section: s\n    title: t\n    family: sql\n"
        '    cadence: postdeploy\n    params:\n      query: "select count(*) as n from \\"jobs\\0\\""\n'
        "      expect:\n        n: {eq: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"N1[\s\S]*query[\s\S]*holds a NUL character") as raised:
        load_checklists(folder)
    assert "\0" not in str(raised.value), repr(str(raised.value))  # never printed raw to a terminal


def test_an_expect_column_longer_than_postgresql_keeps_says_so(demo_deployment):
    """PostgreSQL keeps the first 63 bytes of a column's alias: an `expect` naming all of a longer one found no such
    column, and the error did not say why."""
    long = "jobs_waiting_for_a_worker_longer_than_the_alert_threshold_in_seconds"  # 68 bytes
    check = make_check("sql", {"query": f"select 0 as {long}", "expect": {long: {"eq": 0}}}, item="L1", name="long")
    with scratch_database(demo_deployment, "select 1", prefix="longname") as db:
        (outcome,) = _judged(db["url"], [check])
    assert outcome.status is Status.ERROR, _said("long", Status.ERROR, outcome)
    assert f"(PostgreSQL keeps the first 63 bytes of a name: {long} is {long[:63]})" in outcome.observed, \
        outcome.observed


def test_the_runners_pgdatestyle_does_not_undo_the_pinned_datestyle(demo_deployment, monkeypatch):
    """libpq sends PGDATESTYLE after the session's options: 'SQL, DMY' made a timestamptz unreadable to the driver (an
    error) and '03/04/2026' a 3 April read as 4 March."""
    monkeypatch.setenv("PGDATESTYLE", "SQL, DMY")
    items = [make_check("sql", {"query": "select now() as at, 1 as n", "expect": {"n": {"eq": 1}}}, item="D1",
                        name="reads-a-time"),
             make_check("sql", {"query": "select extract(month from date '03/04/2026')::int as month",
                                "expect": {"month": {"eq": 3}}}, item="D2", name="month-first")]
    with scratch_database(demo_deployment, "select 1", prefix="datestyle") as db:
        outcomes = _judged(db["url"], items)
    assert [o.status for o in outcomes] == [Status.PASSED, Status.PASSED], outcomes


def test_the_session_reads_time_in_utc_whatever_the_database_sets(demo_deployment):
    """What the pin protected stays: a checklist's query and the suite's own statements run in UTC and a timestamptz
    reads with offset +00:00 (evidence says times alike on every database), after a new session too; the zone the
    app's sessions get is read before the pin."""
    asked = "select current_setting('TimeZone') as zone, timestamptz '2026-01-01 09:00+09' as at"
    with scratch_database(demo_deployment, _IN_TOKYO, prefix="pin") as db:
        database = postgres.Database(db["url"], connect_timeout_s=5, statement_timeout_ms=2000, label="tz")
        try:
            plain, pinned = database.query_many([asked, postgres.Pinned(asked)])
            assert database.default_zone == ("Asia/Tokyo", False), database.default_zone
            database._abandon()  # a new session pins it again
            (again,) = database.query_many([asked + " -- again"])
        finally:
            database.close()
    for name, rows in (("query", plain), ("pinned", pinned), ("new session", again)):
        assert not isinstance(rows, GatherError) and rows[0]["zone"] == "UTC", f"{name}: expected UTC, saw {rows}"
        assert rows[0]["at"].utcoffset() == dt.timedelta(0) and str(rows[0]["at"]) == "2026-01-01 00:00:00+00:00", \
            f"{name}: expected the instant in UTC, saw {rows[0]['at']}"


@pytest.mark.parametrize("setting", ["extra_float_digits = -14", "client_encoding = 'SQL_ASCII'"])
def test_the_databases_own_settings_do_not_change_how_values_read(demo_deployment, setting):
    """extra_float_digits = -14 would make 1234.5 read as 1000.0 (a wrong pass); SQL_ASCII would make every text read
    as bytes (an error on a healthy target). The session pins both, whatever the role or database sets."""
    ddl = _TIME_DDL + (f"do $$ begin execute format('alter database %I set {setting.replace(chr(39), chr(39) * 2)}',"
                       " current_database()); end $$;")
    items = [make_check("sql", {"query": "select 1234.5::float8 as avg_ms", "expect": {"avg_ms": {"le": 1000}}},
                        item="F1", name="avg-ms"),
             make_check("sql", {"query": "select 'ok'::text as s, 'café'::text as word",
                                "expect": {"s": {"eq": "ok"}, "word": {"eq": "café"}}}, item="F2", name="text")]
    with scratch_database(demo_deployment, ddl, prefix="reads") as db:
        slow, text = _judged(db["url"], items, None)
    assert slow.status is Status.FAILED and "avg_ms = 1234.5" in slow.observed, _said("avg-ms", Status.FAILED, slow)
    assert text.status is Status.PASSED, _said("text", Status.PASSED, text)


@pytest.mark.parametrize("stamped, want", [("now() + interval '1 day'", Status.FAILED),
                                            ("now() + interval '1 minute'", Status.PASSED),
                                            ("now() - interval '1 minute'", Status.PASSED),
                                            ("now() - interval '1 hour'", Status.FAILED)])
def test_a_heartbeat_stamped_in_the_future_does_not_keep_the_seed_check_green(demo_deployment, stamped, want):
    """bakery-ops B11 counts heartbeats of the last 10 minutes: a row an app with a skewed clock stamped tomorrow
    would count for a day after the worker stopped. A few minutes ahead (clock skew) still count."""
    from .helpers import by_id

    (heartbeat,) = by_id("B11")
    ddl = ("create table public.worker_heartbeats (worker_id text primary key, last_processed_at timestamptz,"
           " items_per_min numeric(8, 2) not null default 0, error_rate numeric(5, 4) not null default 0);"
           " insert into public.worker_heartbeats (worker_id, last_processed_at)"
           f" values ('inventory-worker', {stamped});")
    with scratch_database(demo_deployment, ddl, prefix="beat") as db:
        (outcome,) = _judged(db["url"], [heartbeat], None)
    assert outcome.status is want, _said(f"B11 with a heartbeat at {stamped}", want, outcome)


# -- bytea: shown as text or as PostgreSQL's hex, never as a Python bytes repr a redactor cannot read ----
def _masked(canary: str, outcome) -> str:
    """The outcome's message and evidence as a report shows them, with `canary` a declared secret."""
    from opsverify.secrets import Redactor

    redactor = Redactor()
    redactor.add_declared(canary)
    return redactor.text(outcome.observed) + str(redactor.data(outcome.evidence))


def test_a_bytea_holding_text_is_shown_as_that_text_and_a_secret_in_it_masked():
    canary = f"CNRYünïΩ+Key/{secrets.token_hex(8)}"
    compared = make_check("sql", {"query": "select 1", "expect": {"b": {"eq": "x"}}}, name="bytea")
    outcome = sql.judge(compared, _facts(compared, [{"b": canary.encode()}]))
    assert outcome.status is Status.ERROR, outcome
    assert f"b = '{canary}': a bytea cannot be compared with 'x' (a text)" in outcome.observed, outcome.observed
    assert outcome.evidence["row"] == {"b": canary}
    counted = make_check("sql", {"query": "select 1", "expect": {"n": {"eq": 0}}, "detail": "select 2"}, name="rows")
    facts = _facts(counted, [{"n": 1}])
    facts["answers"][counted.key]["detail"] = [{"k": "uni", "b": canary.encode(), "bs": [canary.encode()]}]
    listed = sql.judge(counted, facts)
    assert listed.status is Status.FAILED and f"first rows: (k=uni, b={canary}, bs=['{canary}'])" in listed.observed
    assert listed.evidence["detail"] == [{"k": "uni", "b": canary, "bs": [canary]}]
    for seen in (outcome, listed):
        assert "b'CNRY" not in seen.observed + str(seen.evidence) and "\\xc3" not in seen.observed + str(seen.evidence)
        assert "CNRY" not in _masked(canary, seen)


def test_a_bytea_that_is_not_text_is_shown_in_hex_as_postgresql_shows_it_and_a_secret_in_it_masked():
    canary = f"CNRYünïΩ+Key/{secrets.token_hex(8)}"
    value = b"\x00\xff" + canary.encode()
    check = make_check("sql", {"query": "select 1", "expect": {"b": {"eq": "x"}}}, name="binary")
    outcome = sql.judge(check, _facts(check, [{"b": value}]))
    assert outcome.status is Status.ERROR and f"b = \\x00ff{canary.encode().hex()}:" in outcome.observed, outcome
    assert outcome.evidence["row"] == {"b": "\\x" + value.hex()}
    assert canary.encode().hex() not in _masked(canary, outcome)


def test_bytea_from_postgresql_is_shown_as_text_or_hex(demo_deployment):
    canary = f"CNRYünïΩ+Key/{secrets.token_hex(8)}"
    ddl = f"create table public.config (k text, v text); insert into public.config values ('uni', '{canary}');"
    items = [make_check("sql", {"query": "select convert_to(v, 'UTF8') as b from public.config",
                                "expect": {"b": {"eq": "x"}}}, item="B1", name="text"),
             make_check("sql", {"query": "select '\\x00ff'::bytea || convert_to(v, 'UTF8') as b from public.config",
                                "expect": {"b": {"eq": "x"}}}, item="B2", name="binary")]
    with scratch_database(demo_deployment, ddl, prefix="bytea") as db:
        target = make_target({"database": db["url"]})
        try:
            text, binary = gather_and_judge(target, sql, items)
        finally:
            target.close()
    assert text.status is Status.ERROR and text.evidence["row"] == {"b": canary}, text
    assert binary.status is Status.ERROR and binary.evidence["row"] == {"b": "\\x00ff" + canary.encode().hex()}, binary
    assert "CNRY" not in _masked(canary, text) and canary.encode().hex() not in _masked(canary, binary)


@pytest.mark.parametrize("sqlstate, says", [
    ("42501", "GRANT SELECT on it to the checker role"),
    ("55P03", "the wait for a lock is capped at timeouts.statement_ms"),
    ("42P01", ""),
])
def test_a_refused_query_says_the_fix_where_the_servers_words_do_not(sqlstate, says):
    from opsverify.errors import QueryFailed

    check = make_check("sql", {"query": "select count(*) as n from public.jobs", "expect": {"n": {"eq": 0}}})
    outcome = sql.judge(check, _facts(check, QueryFailed("permission denied for table jobs", sqlstate)))
    assert outcome.status is Status.ERROR
    assert outcome.observed.startswith(f"query failed: permission denied for table jobs (SQLSTATE {sqlstate})")
    assert says in outcome.observed if says else outcome.observed.endswith(f"(SQLSTATE {sqlstate})"), outcome.observed


@pytest.mark.parametrize("bound", [0, "done", None, True])
def test_a_bound_written_without_its_operator_says_the_form(bound):
    from pydantic import ValidationError

    from opsverify.checklist import load_item_params

    with pytest.raises(ValidationError, match=r"stuck: a bound is an operator and a value, e\.g\. stuck: \{eq: "):
        load_item_params("sql", {"query": "select 1 as stuck", "expect": {"stuck": bound}})


@pytest.mark.parametrize("value, expect, status, said", [
    (None, {"eq": None}, Status.PASSED, "a = NULL"),
    (None, {"lt": 1}, Status.FAILED, "expected a < 1; saw a = NULL"),
    (1, {"eq": None}, Status.FAILED, "expected a = null; saw a = 1"),
    (False, {"eq": True}, Status.FAILED, "expected a = true; saw a = false"),
    (True, {"eq": True}, Status.PASSED, "a = true"),
    (float("nan"), {"ne": 0}, Status.FAILED, "a = NaN (not a finite number)"),
    (float("-inf"), {"gt": 0}, Status.FAILED, "a = -Infinity (not a finite number)"),
    ([True, None], {"eq": [True, None]}, Status.PASSED, "a = [true, null]"),
    ([False, None], {"eq": [True, None]}, Status.FAILED, "expected a = [true, null]; saw a = [false, null]"),
    ([float("nan"), 1.5], {"ne": [0]}, Status.FAILED, "a = [NaN, 1.5] (holds a value that is not a finite number)"),
])
def test_values_are_said_as_postgresql_and_the_checklist_write_them(value, expect, status, said):
    """NULL, booleans and non-finite floats read as PostgreSQL writes them (not Python's None, False, nan); a bound as
    the checklist writes it (null, true)."""
    check = make_check("sql", {"query": "select 1", "expect": {"a": expect}}, name="words")
    outcome = sql.judge(check, _facts(check, [{"a": value}]))
    assert outcome.status is status, outcome
    text = f"expected {outcome.expected}; saw {outcome.observed}"
    assert said in text, text
    assert not {"None", "True", "False", "nan", "inf"} & set(re.findall(r"\w+", outcome.observed)), outcome.observed


def test_a_sequence_the_query_would_advance_is_said_so_not_a_grant_to_add(demo_deployment):
    with scratch_database(demo_deployment, "create sequence public.jobs_id_seq", prefix="seq") as db:
        items = [make_check("sql", {"query": "select nextval('public.jobs_id_seq') as n", "expect": {"n": {"gt": 0}}},
                            item="Q1", name="nextval")]
        target = make_target({"database": db["url"]})
        try:
            (outcome,) = gather_and_judge(target, sql, items)
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    assert "GRANT SELECT" not in outcome.observed, outcome.observed
    assert ("read its last_value" in outcome.observed or "read-only transaction" in outcome.observed), outcome.observed
