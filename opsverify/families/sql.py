"""sql: a read-only query measures one row; each named column is compared to its expectation.

The query computes the measure (count, max, ratio, age against the database's own `now()`);
the judge only compares. Every query of a target goes out in one pipelined round trip, each in
its own read-only transaction, and each answer (rows or the server's error) is bound to its item.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from pydantic import Field, field_validator

from ..errors import GatherError
from ..outcome import Outcome, error, verdict
from ._common import StrictParams, read_only_query

NAME = "sql"
NEEDS = ("database",)

OPERATORS = {
    "eq": (lambda a, b: a == b, "="),
    "ne": (lambda a, b: a != b, "≠"),
    "lt": (lambda a, b: a < b, "<"),
    "le": (lambda a, b: a <= b, "≤"),
    "gt": (lambda a, b: a > b, ">"),
    "ge": (lambda a, b: a >= b, "≥"),
}
SHOWN_ROWS = 3  # offending rows quoted in a failure message (all of `detail`'s rows go to evidence)


class Params(StrictParams):
    query: str
    expect: dict[str, dict[str, Any]] = Field(min_length=1)
    detail: str | None = None  # rows shown with a failure: the offending objects, not only their count

    @field_validator("query", "detail")
    @classmethod
    def _read_only_single(cls, value: str | None) -> str | None:
        return None if value is None else read_only_query(value)

    @field_validator("expect")
    @classmethod
    def _known_operators(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for column, ops in value.items():
            unknown = set(ops) - set(OPERATORS)
            if unknown or not ops:
                raise ValueError(f"{column}: operators must be some of {', '.join(OPERATORS)}")
            for op, bound in ops.items():
                if bound is None and op not in ("eq", "ne"):
                    raise ValueError(f"{column}: {op} needs a value (null only works with eq/ne)")
                if isinstance(bound, float) and not math.isfinite(bound):
                    raise ValueError(f"{column}: {op} needs a finite number")
        return value


# Under RLS a role without BYPASSRLS silently counts zero rows: a stuck-job count would pass. What
# the role sees is a fact of the database; which tables have RLS decides which queries it affects.
VISIBILITY = (
    "select current_user as viewer, r.rolsuper or r.rolbypassrls as sees_all,"
    " (select coalesce(array_agg(n.nspname || '.' || c.relname), '{}') from pg_class c"
    "  join pg_namespace n on n.oid = c.relnamespace where c.relrowsecurity) as rls_tables,"
    " (select coalesce(array_agg(n.nspname || '.' || c.relname), '{}') from pg_class c"
    "  join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('v', 'm')"
    "  and n.nspname not in ('pg_catalog', 'information_schema')) as views"
    " from pg_roles r where r.rolname = current_user"
)
CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

DEPLOYED_AT = "{deployed_at}"  # in a query: the deploy's time (--deployed-at), or NULL when not given


def render(query: str, deployed_at: dt.datetime | None) -> str:
    """Fill in `{deployed_at}` as a timestamptz literal (we format it ourselves: nothing to escape)."""
    literal = f"'{deployed_at.isoformat()}'::timestamptz" if deployed_at else "null::timestamptz"
    return query.replace(DEPLOYED_AT, literal)


def _plan(target, checks) -> tuple[list[tuple[str, str]], list[str]]:
    """The visibility facts, then each item's query (and detail), in checklist order; with what each
    statement after the first answers: (check key, "query" | "detail")."""
    deployed_at = target.deployed_at
    asked: list[tuple[str, str]] = []
    statements: list[str] = [VISIBILITY]
    for check in checks:
        asked.append((check.key, "query"))
        statements.append(render(check.params.query, deployed_at))
        if check.params.detail:
            asked.append((check.key, "detail"))
            statements.append(render(check.params.detail, deployed_at))
    return asked, statements


def database_statements(target, checks) -> list[str]:
    return _plan(target, checks)[1]


def gather(target, checks) -> dict[str, Any]:
    """One pipeline (see `_plan`); answers are zipped back by position only after checking that every
    statement has one."""
    deployed_at = target.deployed_at
    asked, statements = _plan(target, checks)
    answers = target.database.query_many(statements)
    if len(answers) != len(statements):
        raise GatherError(f"the database gave {len(answers)} answers to {len(statements)} statements")
    visibility, *rest = answers
    facts: dict[str, Any] = {
        "visibility": visibility,
        "deployed_at": deployed_at.isoformat() if deployed_at else None,
        "answers": {},
    }
    for (key, kind), answer in zip(asked, rest, strict=True):
        facts["answers"].setdefault(key, {})[kind] = answer
    return facts


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.timedelta)):
        return str(value)
    return value


def tables_read(query: str) -> set[str] | None:
    """schema.name of every relation the query names (unqualified: public, or pg_catalog for pg_*);
    None when the query cannot be parsed — the caller then assumes the worst."""
    import sqlglot  # only needed for a checker role that RLS applies to
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(query, read="postgres")
    except sqlglot.errors.ParseError:
        return None
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        schema = table.db or ("pg_catalog" if table.name.startswith("pg_") else "public")
        found.add(f"{schema}.{table.name}")
    return found


def rls_problem(query: str, visibility: Any) -> str | None:
    """Why RLS may hide rows from this query's viewer, or None when it cannot: the role bypasses RLS,
    or the query reads only catalogs and tables without RLS (views count as unknown)."""
    if isinstance(visibility, GatherError) or not visibility:
        return f"could not tell which rows the checker role sees: {visibility or 'no answer'}"
    row = visibility[0]
    if row["sees_all"]:
        return None
    read = tables_read(query)
    hidden = "; give the checker role BYPASSRLS (its sessions stay read-only)"
    if read is None:
        return f"role {row['viewer']} is subject to row level security and the query could not be parsed{hidden}"
    guarded = sorted(t for t in read if t in set(row["rls_tables"]) | set(row["views"])
                     and t.split(".", 1)[0] not in CATALOG_SCHEMAS)
    if guarded:
        return (f"role {row['viewer']} is subject to row level security on {', '.join(guarded)},"
                f" so counts may be silently low{hidden}")
    return None


def _holds(op: str, value: Any, bound: Any) -> tuple[bool, str]:
    """Whether `value op bound` holds; a NULL, NaN or infinity never satisfies a comparison."""
    test, _ = OPERATORS[op]
    if value is None:
        return (test(value, bound) if bound is None else False), "NULL"
    if isinstance(value, float) and not math.isfinite(value):
        return False, f"{value} (not a finite number)"
    try:
        return bool(test(value, bound)), repr(value) if isinstance(value, str) else str(value)
    except TypeError:
        return False, f"{value!r} (cannot be compared with {bound!r})"


def _row_text(row: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}={_plain(v)}" for k, v in row.items()) + ")"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    answers = facts["answers"][check.key]
    rows = answers["query"]
    if isinstance(rows, GatherError):
        return error(f"query failed: {rows}")
    why = rls_problem(p.query, facts["visibility"])
    if why:
        return error(why)
    if len(rows) != 1:
        return error(f"query returned {len(rows)} rows; a measure must return exactly one")
    row = {k: _plain(v) for k, v in rows[0].items()}
    absent = [column for column in p.expect if column not in row]
    if absent:
        return error(f"query returned no column {', '.join(absent)} (columns: {', '.join(row)})")
    problems, wanted = [], []
    for column, ops in p.expect.items():
        for op, bound in ops.items():
            wanted.append(f"{column} {OPERATORS[op][1]} {bound}")
            ok, shown = _holds(op, row[column], bound)
            if not ok:
                problems.append(f"{column} = {shown}")
    evidence: dict[str, Any] = {"row": row}
    if DEPLOYED_AT in p.query:
        evidence["deployed_at"] = facts.get("deployed_at") or "not given (--deployed-at): the query's fallback window"
    if p.detail:
        detail = answers.get("detail")
        if isinstance(detail, GatherError):
            evidence["detail"] = f"detail query failed: {detail}"
        else:
            evidence["detail"] = [{k: _plain(v) for k, v in r.items()} for r in (detail or [])[:25]]
            if problems and detail:
                shown = ", ".join(_row_text(r) for r in detail[:SHOWN_ROWS])
                more = f" (+{len(detail) - SHOWN_ROWS} more)" if len(detail) > SHOWN_ROWS else ""
                problems.append(f"first rows: {shown}{more}")
    fine = ", ".join(f"{k} = {row[k]}" for k in p.expect)
    return verdict(" and ".join(wanted), problems, fine, **evidence)
