"""schema: tables, columns, RLS, grants, policies, unique constraints, SECURITY DEFINER functions.

Facts come from `pg_catalog` (not information_schema, which hides what the checker's role
may not see) in one query per target, whatever the number of items.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import model_validator

from ..outcome import Outcome, failed, passed, verdict
from ._common import StrictParams, split_name

NAME = "schema"
NEEDS = ("database",)

WRITE_PRIVILEGES = frozenset({"INSERT", "UPDATE", "DELETE", "TRUNCATE"})


class Params(StrictParams):
    table: str | None = None
    tables: list[str] | None = None
    all_tables_in: str | None = None
    except_tables: list[str] = []
    columns: list[str] = []
    rls: bool | None = None
    no_grants_to: list[str] = []
    no_write_grants_to: list[str] = []
    no_policies_for: list[str] = []
    unique: list[str] | None = None
    functions_in: str | None = None
    functions: list[str] | None = None
    security_definer: bool | None = None
    fixed_search_path: bool | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> "Params":
        subjects = [x for x in (self.table, self.tables, self.all_tables_in, self.functions_in) if x]
        if len(subjects) != 1:
            raise ValueError("give exactly one of table, tables, all_tables_in, functions_in")
        if self.functions_in and (self.columns or self.rls is not None or self.unique):
            raise ValueError("functions_in cannot be combined with table expectations")
        if not self.functions_in and (self.functions or self.security_definer or self.fixed_search_path):
            raise ValueError("functions, security_definer and fixed_search_path need functions_in")
        return self

    def table_names(self) -> list[tuple[str, str]]:
        names = [self.table] if self.table else (self.tables or [])
        return [split_name(n) for n in names]


CATALOG_QUERY = """
with rels as (
  select c.oid, n.nspname as schema, c.relname as name, c.relrowsecurity as rls, c.relacl
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and n.nspname = any(%(schemas)s)
)
select json_build_object(
  'tables', (select coalesce(json_agg(json_build_object(
      'schema', r.schema, 'name', r.name, 'rls', r.rls,
      'columns', (select coalesce(json_agg(a.attname order by a.attnum), '[]'::json)
                  from pg_attribute a where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped),
      'grants', (select coalesce(json_agg(json_build_object(
                    'grantee', case when g.grantee = 0 then 'PUBLIC' else pg_get_userbyid(g.grantee) end,
                    'privilege', g.privilege_type)), '[]'::json)
                 from aclexplode(r.relacl) g),
      'column_grants', (select coalesce(json_agg(json_build_object(
                    'grantee', case when g.grantee = 0 then 'PUBLIC' else pg_get_userbyid(g.grantee) end,
                    'privilege', g.privilege_type, 'column', a.attname)), '[]'::json)
                 from pg_attribute a, aclexplode(a.attacl) g
                 where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped and a.attacl is not null),
      'policies', (select coalesce(json_agg(json_build_object(
                    'name', p.polname, 'command', p.polcmd,
                    'roles', (select json_agg(case when x = 0 then 'PUBLIC' else pg_get_userbyid(x) end)
                              from unnest(p.polroles) x))), '[]'::json)
                 from pg_policy p where p.polrelid = r.oid),
      'unique', (select coalesce(json_agg(u.cols), '[]'::json) from (
                   select (select json_agg(a.attname order by a.attname) from pg_attribute a
                           where a.attrelid = i.indrelid and a.attnum = any(i.indkey)) as cols
                   from pg_index i where i.indrelid = r.oid and i.indisunique and i.indpred is null) u)
    ) order by r.schema, r.name), '[]'::json) from rels r),
  'functions', (select coalesce(json_agg(json_build_object(
      'schema', n.nspname, 'name', p.proname, 'args', pg_get_function_identity_arguments(p.oid),
      'security_definer', p.prosecdef, 'config', p.proconfig) order by n.nspname, p.proname), '[]'::json)
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = any(%(function_schemas)s) and p.prokind in ('f', 'p'))
) as facts
"""


def gather(target, checks) -> dict[str, Any]:
    schemas: set[str] = set()
    function_schemas: set[str] = set()
    for check in checks:
        p: Params = check.params
        schemas.update(schema for schema, _ in p.table_names())
        if p.all_tables_in:
            schemas.add(p.all_tables_in)
        if p.functions_in:
            function_schemas.add(p.functions_in)
    rows = target.database.query(
        CATALOG_QUERY, {"schemas": sorted(schemas), "function_schemas": sorted(function_schemas)}
    )
    facts = rows[0]["facts"]
    if isinstance(facts, str):
        facts = json.loads(facts)
    return {
        "tables": {(t["schema"], t["name"]): t for t in facts["tables"]},
        "functions": facts["functions"],
    }


def judge(check, facts) -> Outcome:
    p: Params = check.params
    if p.functions_in:
        return _judge_functions(p, facts["functions"])
    if p.all_tables_in:
        excluded = {split_name(n, p.all_tables_in) for n in p.except_tables}
        tables = [t for key, t in facts["tables"].items() if key[0] == p.all_tables_in and key not in excluded]
        if not tables:
            return failed(f"tables in schema {p.all_tables_in}", f"no tables in schema {p.all_tables_in}")
        return _judge_tables(p, tables, missing=[])
    found, missing = [], []
    for key in p.table_names():
        (found if key in facts["tables"] else missing).append(facts["tables"].get(key, key))
    return _judge_tables(p, found, missing=[f"{s}.{n}" for s, n in missing])


def _applies(roles: list[str], grantee: str) -> bool:
    return grantee in roles or grantee == "PUBLIC"


def _judge_tables(p: Params, tables: list[dict], missing: list[str]) -> Outcome:
    expected = _describe_expectation(p)
    problems = [f"table {name} does not exist" for name in missing]  # one cause, not a cascade of columns
    evidence: dict[str, Any] = {"tables": {}}
    for t in tables:
        name = f"{t['schema']}.{t['name']}"
        grants = t["grants"] + t["column_grants"]
        evidence["tables"][name] = {
            "rls": t["rls"],
            "columns": len(t["columns"]),
            "grants": sorted({f"{g['grantee']}:{g['privilege']}" for g in grants}),
            "policies": [f"{pol['name']} ({', '.join(pol['roles'] or [])})" for pol in t["policies"]],
        }
        absent = [c for c in p.columns if c not in t["columns"]]
        if absent:
            problems.append(f"{name} lacks column{'s' if len(absent) > 1 else ''} {', '.join(absent)}")
        if p.rls is not None and t["rls"] != p.rls:
            problems.append(f"{name} has row level security {'on' if t['rls'] else 'off'}")
        bad = sorted({f"{g['privilege']} to {g['grantee']}" + (f" on column {g['column']}" if "column" in g else "")
                      for g in grants if _applies(p.no_grants_to, g["grantee"])})
        if bad:
            problems.append(f"{name} grants {', '.join(bad)}")
        bad = sorted({f"{g['privilege']} to {g['grantee']}" for g in grants
                      if _applies(p.no_write_grants_to, g["grantee"]) and g["privilege"] in WRITE_PRIVILEGES})
        if bad:
            problems.append(f"{name} grants {', '.join(bad)}")
        if p.no_policies_for:
            bad = [pol["name"] for pol in t["policies"]
                   if any(_applies(p.no_policies_for, role) for role in (pol["roles"] or ["PUBLIC"]))]
            if bad:
                problems.append(f"{name} has polic{'ies' if len(bad) > 1 else 'y'} {', '.join(bad)} for {'/'.join(p.no_policies_for)}")
        if p.unique is not None and sorted(p.unique) not in [sorted(u) for u in t["unique"] if u]:
            problems.append(f"{name} has no unique constraint or index on ({', '.join(p.unique)})")
    return verdict(expected, problems, f"{len(tables)} table(s) as expected", **evidence)


def _describe_expectation(p: Params) -> str:
    subject = p.table or (", ".join(p.tables) if p.tables else f"every table in {p.all_tables_in}")
    parts = [subject + " exist" + ("s" if p.table else "")] if not p.all_tables_in else [subject]
    if p.columns:
        parts.append(f"with columns {', '.join(p.columns)}")
    if p.rls is not None:
        parts.append(f"RLS {'on' if p.rls else 'off'}")
    if p.no_grants_to:
        parts.append(f"no grants to {'/'.join(p.no_grants_to)}")
    if p.no_write_grants_to:
        parts.append(f"no write grants to {'/'.join(p.no_write_grants_to)}")
    if p.no_policies_for:
        parts.append(f"no policies for {'/'.join(p.no_policies_for)}")
    if p.unique:
        parts.append(f"unique ({', '.join(p.unique)})")
    return ", ".join(parts)


def _judge_functions(p: Params, functions: list[dict]) -> Outcome:
    in_schema = [f for f in functions if f["schema"] == p.functions_in]
    problems = []
    if p.functions:
        names = {f["name"] for f in in_schema}
        problems += [f"function {p.functions_in}.{n} does not exist" for n in p.functions if n not in names]
        subject = [f for f in in_schema if f["name"] in p.functions]
    else:
        subject = [f for f in in_schema if f["security_definer"]]
    if p.security_definer:
        problems += [f"{p.functions_in}.{f['name']}({f['args']}) is SECURITY INVOKER" for f in subject
                     if not f["security_definer"]]
    if p.fixed_search_path:
        problems += [f"{p.functions_in}.{f['name']}({f['args']}) is SECURITY DEFINER with a mutable search_path"
                     for f in subject if f["security_definer"]
                     and not any(c.startswith("search_path=") for c in (f["config"] or []))]
    expected = (f"{'functions ' + ', '.join(p.functions) if p.functions else 'every SECURITY DEFINER function'}"
                f" in {p.functions_in}" + (" SECURITY DEFINER" if p.security_definer else "")
                + (" with a fixed search_path" if p.fixed_search_path else ""))
    evidence = {"functions": [{"name": f"{f['name']}({f['args']})", "security_definer": f["security_definer"],
                               "config": f["config"] or []} for f in subject]}
    if not subject and not problems:
        return passed(expected, f"no SECURITY DEFINER functions in {p.functions_in}", **evidence)
    return verdict(expected, problems, f"{len(subject)} function(s) as expected", **evidence)
