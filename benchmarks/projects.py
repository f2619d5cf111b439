"""What each variant runs: the same checks written two ways.

- as a team's opsverify project (checklists/ + environments/bench.yaml in a folder of its own),
  run the way a user runs it: `python -m pytest -m postdeploy --env bench`;
- as plain pytest files (`baselines/`): a trivial floor, a batched design and a naive one, reading
  the same checks from a JSON spec so that both sides check exactly the same things.

A check here is a dict: {"kind": "schema", "table": ...} | {"kind": "sql", ...} | {"kind": "http", ...}.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from .targets import COLUMNS, table_name

Check = dict


# -- the checks -------------------------------------------------------------------------------------
def schema_checks(count: int) -> list[Check]:
    """Table t000i exists, has its columns, and has row level security on."""
    return [{"kind": "schema", "table": table_name(i), "columns": list(COLUMNS), "rls": True}
            for i in range(1, count + 1)]


def sql_checks(count: int) -> list[Check]:
    """A measure per table: no row stuck in 'pending' (each table holds two 'done' rows)."""
    return [{"kind": "sql", "table": table_name(i), "column": "stuck", "eq": 0,
             "query": f"select count(*) as stuck from public.{table_name(i)} where status = 'pending'"}
            for i in range(1, count + 1)]


def http_checks(count: int) -> list[Check]:
    """GET /probe/i answers 200 with {"ok": true}."""
    return [{"kind": "http", "path": f"/probe/{i}"} for i in range(1, count + 1)]


# -- an opsverify project ------------------------------------------------------------------------------
def checklist_yaml(system: str, checks: list[Check]) -> str:
    lines = [f"system: {system}", "runbook: benchmark", "items:"]
    for n, check in enumerate(checks, 1):
        kind = check["kind"]
        if kind == "schema":
            params = {"table": f"public.{check['table']}", "columns": check["columns"], "rls": check["rls"]}
            head = {"id": f"SC{n}", "name": check["table"], "section": "Schema",
                    "title": f"{check['table']} has its columns and RLS on"}
        elif kind == "sql":
            params = {"query": check["query"], "expect": {check["column"]: {"eq": check["eq"]}}}
            head = {"id": f"SQ{n}", "name": f"{check['table']}-none-stuck", "section": "Jobs",
                    "title": f"nothing stuck in {check['table']}"}
        else:
            params = {"service": "web", "path": check["path"], "status": 200, "json": {"ok": True}}
            head = {"id": f"H{n}", "name": "probe", "section": "Web", "title": f"{check['path']} answers"}
        item = {**head, "family": kind, "cadence": "postdeploy", "params": params}
        lines.append("  - " + json.dumps(item))  # JSON is YAML: one flow mapping per item
    return "\n".join(lines) + "\n"


@dataclass
class System:
    name: str
    checks: list[Check]
    database_variable: str | None = None  # the ${VAR} holding its database URL
    web_variable: str | None = None


@dataclass
class Project:
    """A folder with its own checklists and environments/bench.yaml (and the variables it reads)."""

    root: Path
    systems: list[System]
    variables: dict[str, str] = field(default_factory=dict)
    concurrency: int | None = None

    @property
    def items(self) -> int:
        return sum(len(s.checks) for s in self.systems)

    def write(self) -> "Project":
        (self.root / "checklists").mkdir(parents=True, exist_ok=True)
        (self.root / "environments").mkdir(parents=True, exist_ok=True)
        # a rootdir of its own: pytest must not pick up an ini file above the temp folder
        (self.root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        for system in self.systems:
            (self.root / "checklists" / f"{system.name}.yaml").write_text(
                checklist_yaml(system.name, system.checks), encoding="utf-8")
        lines = ["name: bench",
                 # generous: a loaded machine must not turn a slow answer into an error
                 "timeouts: {connect_s: 30, statement_ms: 60000, database_s: 300, http_s: 60}"]
        if self.concurrency is not None:
            lines.append(f"concurrency: {self.concurrency}")
        lines.append("systems:")
        for system in self.systems:
            parts = []
            if system.database_variable:
                parts.append(f'database: "${{{system.database_variable}}}"')
            if system.web_variable:
                parts.append(f'services: {{web: {{url: "${{{system.web_variable}}}"}}}}')
            lines.append(f"  {system.name}: {{{', '.join(parts)}}}")
        (self.root / "environments" / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self


# -- plain pytest baselines ------------------------------------------------------------------------------
FLOOR = '''\
def test_one():
    pass
'''

TRIVIAL = '''\
"""pytest's own cost per item: BENCH_ITEMS parametrized tests that do nothing."""
import os

import pytest


@pytest.mark.parametrize("index", range(int(os.environ["BENCH_ITEMS"])))
def test_item(index):
    pass
'''

_SPEC = '''\
import json
import os
import pathlib

import pytest

SPEC = json.loads(pathlib.Path(os.environ["BENCH_SPEC"]).read_text())
SCHEMA = [c for c in SPEC if c["kind"] == "schema"]
SQL = [c for c in SPEC if c["kind"] == "sql"]
HTTP = [c for c in SPEC if c["kind"] == "http"]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
WEB_URL = os.environ.get("BENCH_WEB_URL", "")
# pg_catalog, as the product reads it (information_schema hides what a role may not see)
TABLES = """
select c.relname as name, c.relrowsecurity as rls,
       array(select a.attname::text from pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
"""


def table_ok(found, check):
    assert found is not None, f"{check['table']} is missing"
    rls, columns = found
    assert set(check["columns"]) <= set(columns), f"{check['table']}: columns {columns}"
    assert rls is check["rls"], f"{check['table']}: rls {rls}"


def http_ok(status, body):
    assert status == 200 and body["ok"] is True, (status, body)
'''

BATCHED = '''\
"""Batched pytest: one session connection — ONE catalog query for all schema items, the SQL items
pipelined in one round trip — and one httpx.AsyncClient firing every HTTP request at once; then one
trivial test per check asserting on the fetched facts."""
import asyncio

import httpx
import psycopg

''' + _SPEC + '''

@pytest.fixture(scope="session")
def database():
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        tables = {name: (rls, columns) for name, rls, columns in conn.execute(TABLES)} if SCHEMA else {}
        with conn.pipeline():
            cursors = [conn.execute(check["query"]) for check in SQL]
        answers = [cursor.fetchone()[0] for cursor in cursors]
    return tables, answers


@pytest.fixture(scope="session")
def replies():
    async def fetch_all():
        async with httpx.AsyncClient(base_url=WEB_URL) as client:
            return await asyncio.gather(*(client.get(check["path"]) for check in HTTP))

    return [(reply.status_code, reply.json()) for reply in asyncio.run(fetch_all())]


@pytest.mark.parametrize("index", range(len(SCHEMA)))
def test_schema(database, index):
    table_ok(database[0].get(SCHEMA[index]["table"]), SCHEMA[index])


@pytest.mark.parametrize("index", range(len(SQL)))
def test_sql(database, index):
    assert database[1][index] == SQL[index]["eq"]


@pytest.mark.parametrize("index", range(len(HTTP)))
def test_http(replies, index):
    http_ok(*replies[index])
'''

NAIVE = '''\
"""Naive pytest, as usually written: a new psycopg connection per database check and an
`httpx.get` per HTTP check (what Tavern does too: one request per test), one after another."""
import httpx
import psycopg

''' + _SPEC + '''
ONE_TABLE = TABLES + " and c.relname = %s"


@pytest.mark.parametrize("index", range(len(SCHEMA)))
def test_schema(index):
    check = SCHEMA[index]
    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute(ONE_TABLE, (check["table"],)).fetchone()
    table_ok(row and row[1:], check)


@pytest.mark.parametrize("index", range(len(SQL)))
def test_sql(index):
    with psycopg.connect(DATABASE_URL) as conn:
        assert conn.execute(SQL[index]["query"]).fetchone()[0] == SQL[index]["eq"]


@pytest.mark.parametrize("index", range(len(HTTP)))
def test_http(index):
    reply = httpx.get(WEB_URL + HTTP[index]["path"])
    http_ok(reply.status_code, reply.json())
'''

BASELINES = {"test_floor.py": FLOOR, "test_trivial.py": TRIVIAL, "test_batched.py": BATCHED, "test_naive.py": NAIVE}


def write_baselines(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for name, text in BASELINES.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def write_spec(path: Path, checks: list[Check]) -> Path:
    path.write_text(json.dumps(checks), encoding="utf-8")
    return path
