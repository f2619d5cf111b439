"""sql: a read-only query measures one row; each named column is compared to its expectation.

The query computes the measure (count, max, ratio, age against the database's own `now()`);
the judge only compares. Every query of a target goes out in one pipelined round trip.
"""

from __future__ import annotations

import datetime as dt
import decimal
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


class Params(StrictParams):
    query: str
    expect: dict[str, dict[str, Any]] = Field(min_length=1)
    detail: str | None = None

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
        return value


# Under RLS a role without BYPASSRLS silently counts zero rows: a stuck-job count would pass.
VISIBILITY = "select current_user as viewer, (rolsuper or rolbypassrls) as sees_all from pg_roles where rolname = current_user"


DEPLOYED_AT = "{deployed_at}"  # in a query: the deploy's time (--deployed-at), or NULL when not given


def render(query: str, deployed_at: dt.datetime | None) -> str:
    """Fill in `{deployed_at}` as a timestamptz literal (we format it ourselves: nothing to escape)."""
    literal = f"'{deployed_at.isoformat()}'::timestamptz" if deployed_at else "null::timestamptz"
    return query.replace(DEPLOYED_AT, literal)


def gather(target, checks) -> dict[str, Any]:
    deployed_at = target.deployed_at
    statements: list[str] = [VISIBILITY]
    for check in checks:
        statements.append(check.params.query)
        if check.params.detail:
            statements.append(check.params.detail)
    unique = list(dict.fromkeys(statements))
    answers = target.database.query_many([render(q, deployed_at) for q in unique])
    facts: dict[str, Any] = dict(zip(unique, answers))
    facts["deployed_at"] = deployed_at.isoformat() if deployed_at else None
    return facts


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.timedelta)):
        return str(value)
    return value


def judge(check, facts) -> Outcome:
    p: Params = check.params
    visibility = facts[VISIBILITY]
    if isinstance(visibility, GatherError) or not visibility or not visibility[0]["sees_all"]:
        viewer = "?" if isinstance(visibility, GatherError) or not visibility else visibility[0]["viewer"]
        return error(f"role {viewer} is subject to row level security, so counts may be silently low;"
                     " give the checker role BYPASSRLS (its sessions stay read-only)")
    rows = facts[p.query]
    if isinstance(rows, GatherError):
        return error(f"query failed: {rows}")
    if len(rows) != 1:
        return error(f"query returned {len(rows)} rows; a measure must return exactly one")
    row = {k: _plain(v) for k, v in rows[0].items()}
    problems, wanted = [], []
    for column, ops in p.expect.items():
        for op, bound in ops.items():
            test, symbol = OPERATORS[op]
            wanted.append(f"{column} {symbol} {bound}")
            if column not in row:
                return error(f"query returned no column '{column}' (columns: {', '.join(row)})")
            value = row[column]
            try:
                ok = value is not None and test(value, bound) if op not in ("eq", "ne") else test(value, bound)
            except TypeError:
                ok = False
            if not ok:
                problems.append(f"{column} = {value}")
    evidence: dict[str, Any] = {"row": row}
    if DEPLOYED_AT in p.query:
        evidence["deployed_at"] = facts.get("deployed_at") or "not given (--deployed-at): the query's fallback window"
    if p.detail:
        detail = facts.get(p.detail)
        evidence["detail"] = (
            f"detail query failed: {detail}" if isinstance(detail, GatherError)
            else [{k: _plain(v) for k, v in r.items()} for r in (detail or [])[:5]]
        )
    fine = ", ".join(f"{k} = {row[k]}" for k in p.expect)
    return verdict(" and ".join(wanted), problems, fine, **evidence)
