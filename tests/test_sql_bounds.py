"""sql's bounds: a query is never fetched beyond the rows it is judged on (one for the measure, the first 25 of
`detail`), whatever shape it has; what the read-only check accepts is what its message lists; a time compares
with a time."""

from __future__ import annotations

import datetime as dt

import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports import postgres

from .kit import make_check, make_target
from .project import scratch_database

UTC = dt.timezone.utc
MANY = 100_000  # rows a query would return, were it fetched whole


def _said(name: str, want: Status, outcome) -> str:
    return (f"item {name}: expected {want.value}, saw {outcome.status.value}"
            f" (expected: {outcome.expected!r}; observed: {outcome.observed!r})")


def _facts(check, rows, detail=None):
    visibility = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": [], "reads": [],
                   "own_functions": []}]
    answers = {"query": rows} if detail is None else {"query": rows, "detail": detail}
    return {"visibility": visibility, "deployed_at": None, "answers": {check.key: answers}}


@pytest.fixture
def rows_fetched(monkeypatch):
    """The number of rows of each answer the client received from the server, in order."""
    seen: list[int] = []
    read = postgres._rows

    def counting(conn, result):
        seen.append(result.ntuples)
        return read(conn, result)

    monkeypatch.setattr(postgres, "_rows", counting)
    return seen


def _judged(url: str, items: list) -> list:
    target = make_target({"database": url})
    try:
        return gather_and_judge(target, sql, items)
    finally:
        target.close()


# -- 1: never more rows than judged ---------------------------------------------------------------
def test_the_statements_sent_ask_only_for_the_rows_judged():
    check = make_check("sql", {"query": "select count(*) as n from t", "expect": {"n": {"eq": 0}},
                               "detail": "select id from t order by id"}, name="stuck")
    target = make_target({"database": "postgresql://checker@127.0.0.1:9/x"})
    *_, query, detail = sql.database_statements(target, [check])  # (after the visibility facts, and DEFINERS)
    assert query.endswith("limit 2") and "\nselect count(*) as n from t\n" in query, query
    assert detail.endswith(f"limit {sql.KEPT_ROWS + 1}") and "\nselect id from t order by id\n" in detail, detail


def test_a_query_returning_many_rows_is_fetched_no_further_than_judged(demo_deployment, rows_fetched):
    many = f"select g as n from generate_series(1, {MANY}) g"
    items = [make_check("sql", {"query": many, "expect": {"n": {"eq": 1}}}, item="M1", name="many"),
             make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 0}},
                                "detail": f"select g as id, 'x' as pad from generate_series(1, {MANY}) g"
                                          " order by g desc"}, item="M2", name="many-detail"),
             make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 1}}}, item="M3", name="after")]
    with scratch_database(demo_deployment, "select 1", prefix="many") as db:
        many_rows, many_detail, after = _judged(db["url"], items)
    assert max(rows_fetched) <= sql.KEPT_ROWS + 1, f"rows fetched per answer: {rows_fetched}"
    assert many_rows.status is Status.ERROR and "returned more than one row" in many_rows.observed, many_rows
    assert many_detail.status is Status.FAILED, _said("many-detail", Status.FAILED, many_detail)
    kept = many_detail.evidence["detail"]
    assert [row["id"] for row in kept] == list(range(MANY, MANY - sql.KEPT_ROWS, -1)), kept  # its order, kept
    assert "first rows: (id=100000, pad=x), (id=99999, pad=x), (id=99998, pad=x)" in many_detail.observed
    assert f"more than {sql.KEPT_ROWS} rows" in many_detail.observed, many_detail.observed
    assert after.status is Status.PASSED, _said("after", Status.PASSED, after)


def test_a_detail_of_exactly_the_rows_kept_is_not_said_to_have_more():
    check = make_check("sql", {"query": "select 1", "expect": {"n": {"eq": 0}}, "detail": "select 2"}, name="few")
    outcome = sql.judge(check, _facts(check, [{"n": 1}], [{"id": i} for i in range(sql.KEPT_ROWS)]))
    assert outcome.status is Status.FAILED and f"(+{sql.KEPT_ROWS - 3} more)" in outcome.observed, outcome.observed
    assert "more than" not in outcome.observed and len(outcome.evidence["detail"]) == sql.KEPT_ROWS, outcome


SHAPES = [
    # (name, query, expect, status, said): every shape the read-only check accepts reads as it did unwrapped
    ("values", "values (1)", {"column1": {"eq": 1}}, Status.PASSED, None),
    ("values-many", "values (1), (2), (3)", {"column1": {"eq": 1}}, Status.ERROR, "returned more than one row"),
    ("table", "table public.one", {"n": {"eq": 7}}, Status.PASSED, None),
    ("with", "with x as (select n from public.one) select n * 2 as n from x", {"n": {"eq": 14}}, Status.PASSED, None),
    ("order-limit", "select g as n from generate_series(1, 9) g order by g desc limit 1", {"n": {"eq": 9}},
     Status.PASSED, None),
    ("union", "select 1 as n union all select 2 order by 1 desc", {"n": {"eq": 2}}, Status.ERROR,
     "returned more than one row"),
    ("none", "select n from public.one where false", {"n": {"eq": 7}}, Status.ERROR, "returned 0 rows"),
    ("named-twice", "select 5 as bad, 0 as bad", {"bad": {"eq": 0}}, Status.ERROR, "bad 2 times"),
    ("trailing-comment", "select 1 as n -- the measure", {"n": {"eq": 1}}, Status.PASSED, None),
    ("semicolon-then-comment", "select 1 as n; -- the measure", {"n": {"eq": 1}}, Status.PASSED, None),
    ("unnamed", "select 3", {"?column?": {"eq": 3}}, Status.PASSED, None),
]


@pytest.mark.parametrize("name, query, expect, want, said", SHAPES, ids=[s[0] for s in SHAPES])
def test_every_accepted_shape_reads_as_written_when_bounded(demo_deployment, rows_fetched, name, query, expect,
                                                             want, said):
    items = [make_check("sql", {"query": query, "expect": expect}, item="S1", name=name)]
    with scratch_database(demo_deployment, "create table public.one (n int); insert into public.one values (7)",
                          prefix="shape") as db:
        (outcome,) = _judged(db["url"], items)
    assert outcome.status is want, _said(name, want, outcome)
    assert said is None or said in outcome.observed, _said(name, want, outcome)
    assert max(rows_fetched) <= 2, f"item {name}: rows fetched per answer: {rows_fetched}"


# -- 2: what the read-only check accepts, and says it accepts ---------------------------------------
@pytest.mark.parametrize("query", ["values (1)", "VALUES (1), (2)", "/* a row */ values (1);", "table public.jobs",
                                   "select 1", "with x as (select 1) select * from x"])
def test_each_read_only_start_is_accepted(query):
    assert sql.Params(query=query, expect={"n": {"eq": 1}}).query.rstrip(";") == query.rstrip(";")


@pytest.mark.parametrize("query", ["delete from public.jobs", "(select 1)", "explain select 1",
                                   "insert into t values (1)"])
def test_a_query_starting_otherwise_is_refused_naming_every_accepted_start(query):
    with pytest.raises(ValueError, match=r"starting with SELECT, WITH, VALUES or TABLE \["):
        sql.Params(query=query, expect={"n": {"eq": 1}})


# -- 3: a time compares with a time ------------------------------------------------------------------
TIMES = [
    ("time-lt", {"t": dt.time(10, 0)}, {"t": {"lt": "11:00"}}, Status.PASSED, None),
    ("time-gt-seconds", {"t": dt.time(10, 0)}, {"t": {"gt": "10:00:01"}}, Status.FAILED, None),
    ("time-eq", {"t": dt.time(10, 0, 0, 500)}, {"t": {"eq": "10:00:00.0005"}}, Status.PASSED, None),
    ("time-lt-aware", {"t": dt.time(10, 0)}, {"t": {"lt": "11:00Z"}}, Status.ERROR,
     "a time without time zone cannot be compared with 11:00:00+00:00"),
    ("time-lt-not-a-time", {"t": dt.time(10, 0)}, {"t": {"lt": "soon"}}, Status.ERROR, "cannot be compared"),
    ("time-lt-number", {"t": dt.time(10, 0)}, {"t": {"lt": 11}}, Status.ERROR, "cannot be compared"),
    # a timetz with a well-written bound is PostgreSQL's to compare (test_sql_compared.py); a bound that is no time is
    # said here
    ("timetz-lt-naive", {"t": dt.time(10, 0, tzinfo=UTC)}, {"t": {"lt": "11:00"}}, Status.ERROR,
     "no time zone: write its offset, or Z"),
    ("timetz-lt-not-a-time", {"t": dt.time(10, 0, tzinfo=UTC)}, {"t": {"lt": "soon"}}, Status.ERROR,
     "write an ISO-8601 time, e.g. 09:00:00Z"),
]


@pytest.mark.parametrize("name, row, expect, want, said", TIMES, ids=[t[0] for t in TIMES])
def test_a_time_compares_with_a_time_written_as_iso_8601(name, row, expect, want, said):
    check = make_check("sql", {"query": "select 1", "expect": expect}, name=name)
    outcome = sql.judge(check, _facts(check, [row]))
    assert outcome.status is want, _said(name, want, outcome)
    assert said is None or said in outcome.observed, _said(name, want, outcome)


@pytest.mark.parametrize("expect", [{"stuck": {"eq": 0}, "mode": {"eq": 1}}, {"stuck": {"eq": 0, "lt": "a"}}],
                         ids=["another-column", "another-bound"])
def test_a_bound_that_fails_beside_one_that_cannot_be_compared_fails_saying_both(expect):
    """`stuck = 5` against 0 fails; the bound that cannot be compared is said beside it and recorded undecided (the
    item had been an error that named no failure)."""
    check = make_check("sql", {"query": "select 1", "expect": expect})
    outcome = sql.judge(check, _facts(check, [{"stuck": 5, "mode": "x"}]))
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("stuck = 5; and 1 could not be judged: cannot be compared: "), outcome.observed
    assert len(outcome.evidence["undecided"]) == 1, outcome.evidence


def test_time_columns_from_postgresql_compare(demo_deployment):
    items = [make_check("sql", {"query": "select '10:00'::time as t, '10:00+02'::timetz as tz",
                                "expect": {"t": {"lt": "11:00"}, "tz": {"lt": "09:00Z"}}}, item="T1", name="times"),
             make_check("sql", {"query": "select '10:00+02'::timetz as tz",
                                "expect": {"tz": {"ge": "08:00:01+00:00"}}}, item="T2", name="late")]
    with scratch_database(demo_deployment, "select 1", prefix="times") as db:
        times, late = _judged(db["url"], items)
    assert times.status is Status.PASSED, _said("times", Status.PASSED, times)
    assert late.status is Status.FAILED, _said("late", Status.FAILED, late)


# -- 4: a uuid, inet or cidr compares with the bound read as its type, as PostgreSQL reads a literal -------------
U = "6f1c2a9e-3b1d-4c55-9a0e-2d3f4b5c6d7e"
TYPED = [
    # (name, select list, expect, status, said)
    ("uuid-eq", f"'{U}'::uuid as id", {"id": {"eq": U}}, Status.PASSED, None),
    ("uuid-eq-upper-braced", f"'{U}'::uuid as id", {"id": {"eq": "{" + U.upper() + "}"}}, Status.PASSED, None),
    ("uuid-eq-other", f"'{U}'::uuid as id", {"id": {"eq": U.replace("6f", "00", 1)}}, Status.FAILED, None),
    ("uuid-ne-other", f"'{U}'::uuid as id", {"id": {"ne": U.replace("6f", "00", 1)}}, Status.PASSED, None),
    ("uuid-order", f"'{U}'::uuid as id", {"id": {"gt": "00000000-0000-0000-0000-000000000000",
                                                 "lt": "ffffffff-ffff-ffff-ffff-ffffffffffff"}}, Status.PASSED, None),
    ("uuid-array", f"array['{U}'::uuid] as ids", {"ids": {"eq": [U]}}, Status.PASSED, None),
    ("uuid-not-a-uuid", f"'{U}'::uuid as id", {"id": {"eq": "main"}}, Status.ERROR,
     "a uuid cannot be compared with 'main' (text PostgreSQL does not read as a uuid"),
    ("uuid-urn", f"'{U}'::uuid as id", {"id": {"eq": f"urn:uuid:{U}"}}, Status.ERROR,  # Python reads it; PostgreSQL not
     "text PostgreSQL does not read as a uuid"),
    ("uuid-number", f"'{U}'::uuid as id", {"id": {"eq": 5}}, Status.ERROR, "a uuid cannot be compared with 5 (a number"),
    ("inet-eq", "'10.0.0.1'::inet as ip", {"ip": {"eq": "10.0.0.1"}}, Status.PASSED, None),
    ("inet-eq-masklen", "'10.0.0.1'::inet as ip", {"ip": {"eq": "10.0.0.1/32"}}, Status.PASSED, None),
    ("inet-ne-prefix", "'10.0.0.1/24'::inet as ip", {"ip": {"eq": "10.0.0.1"}}, Status.FAILED, None),
    ("inet-v4-before-v6", "'255.255.255.255'::inet as ip", {"ip": {"lt": "::1"}}, Status.PASSED, None),
    # PostgreSQL orders by the network part both share, then the mask's length: 10.0.0.0/8 < 10.0.0.0/16 < 10.0.0.1
    ("inet-order-network", "'10.0.0.0/8'::inet as ip", {"ip": {"lt": "10.0.0.0/16"}}, Status.PASSED, None),
    ("inet-order-masklen", "'10.255.0.0/16'::inet as ip", {"ip": {"lt": "10.0.0.1"}}, Status.FAILED, None),
    ("cidr-eq", "'10.0.0.0/8'::cidr as net", {"net": {"eq": "10.0.0.0/8"}}, Status.PASSED, None),
    ("cidr-host-bits", "'10.0.0.0/8'::cidr as net", {"net": {"eq": "10.0.0.1/8"}}, Status.ERROR,
     "a cidr cannot be compared with '10.0.0.1/8' (text PostgreSQL does not read as a cidr"),
    ("inet-not-an-address", "'10.0.0.1'::inet as ip", {"ip": {"eq": "localhost"}}, Status.ERROR,
     "an inet cannot be compared with 'localhost'"),
]


@pytest.mark.parametrize("name, select, expect, want, said", TYPED, ids=[t[0] for t in TYPED])
def test_a_uuid_or_network_column_compares_with_its_bound_read_as_its_type(demo_deployment, name, select, expect,
                                                                            want, said):
    """PostgreSQL compares `id = '6f1c…'` by reading the literal as a uuid (an inet, a cidr): so does the judge, in
    PostgreSQL's order (a network's by family, shared network part, mask length, address); text it cannot read as
    the type is an error in PostgreSQL's type names, saying how to write one."""
    items = [make_check("sql", {"query": f"select {select}", "expect": expect}, item="U1", name=name)]
    with scratch_database(demo_deployment, "select 1", prefix="typed") as db:
        (outcome,) = _judged(db["url"], items)
    assert outcome.status is want, _said(name, want, outcome)
    assert said is None or said in outcome.observed, _said(name, want, outcome)
    assert "UUID" not in outcome.observed and "IPv4" not in outcome.observed, _said(name, want, outcome)
