"""Fabricated `schema` facts in the shape the catalog query answers, for pure judge tests. Grantees (of grants
and policies) are written as items write roles: PUBLIC is everyone, '"PUBLIC"' the real role of that name."""

from __future__ import annotations

from typing import Any, Iterable

from opsverify.families._catalog import Catalog, parse_type, read_catalog, role_name
from opsverify.families._common import split_name

ROLES = ("postgres", "anon", "authenticated", "service_role", "reporting")


def grants(*pairs: tuple[str, str]) -> list[dict]:
    return [{"grantee": role_name(g), "privilege": p} for g, p in pairs]


def column(name: str, type_: str = "text", *, not_null: bool = False, default: str | None = None,
           default_is_null: bool = False, grants_: Iterable[tuple[str, str]] = (), type_schema: str | None = None,
           domains: Iterable[dict] | None = None) -> dict:
    """`type_` as format_type prints it; its schema: as printed, else `type_schema`, else pg_catalog; `domains`: the
    domains it is, nearest first (see `domain`); `default_is_null`: its default is a DEFAULT NULL (kept only over a
    domain), as the catalog reads the stored expression."""
    schema = type_schema or parse_type(type_).schema or "pg_catalog"
    return {"name": name, "type": type_, "type_schema": schema, "not_null": not_null, "default": default,
            "default_is_null": default_is_null,
            "grants": grants(*grants_), "domains": list(domains) if domains is not None else None}


def domain(name: str, *, checks: Iterable[tuple[str, bool]] = (), default: str | None = None,
           default_is_null: bool = False) -> dict:
    """One level of a column's domains: its qualified name, (name, validated) of each CHECK of it, its default as
    pg_get_expr prints it (`default_is_null`: a DEFAULT NULL, kept over a domain to override its default)."""
    schema, bare = split_name(name)
    return {"schema": schema, "name": bare, "default": default, "default_is_null": default_is_null,
            "checks": [{"name": k, "validated": v} for k, v in checks]}


def policy(name: str, roles: Iterable[str] = ("authenticated",), command: str = "r", *, permissive: bool = True,
           using: str | None = "(owner = auth.uid())", check: str | None = None) -> dict:
    return {"name": name, "command": command, "permissive": permissive, "roles": [role_name(r) for r in roles],
            "using": using, "check": check}


def table(name: str = "jobs", *, schema: str = "public", kind: str = "r", rls: bool = True, force_rls: bool = False,
          columns: Iterable[Any] = ("id", "updated_at"), grants_: Iterable[tuple[str, str]] = (),
          policies: Iterable[dict] = (), constraints: Iterable[dict] = (), indexes: Iterable[dict] | None = None,
          publications: Iterable[str] = (), publications_partly: dict | None = None,
          publication_gaps: dict | None = None, reads: Iterable[str] = (),
          security_invoker: bool = False,
          extension_member: bool = False, owner: str = "postgres",
          partitions: Iterable[tuple[str, bool]] = (), ancestors: Iterable[tuple] = (),
          locks: Iterable[dict] = ()) -> dict:
    """`partitions`: (qualified name, RLS on) of each partition of a partitioned table, at every level;
    `ancestors`: (qualified name, levels up) of each table it is a partition or inheritance child of, nearest first;
    (qualified name, levels up, part) of each table outside it that one of its `partitions` is a child of too;
    `publications_partly`: publication -> {"sent": [[schema, name], …], "unsent": […]}; `publication_gaps`:
    publication -> {"operations": […], "filters": [{"relation": [schema, name], "filter": …}], "columns": […],
    "no_replica_identity": [{"relation": [schema, name], "identity": relreplident, "index": {…} or None}],
    "refused": [{"relation": [schema, name], "publication": …, "operations": […], "identity": relreplident, …}]};
    `locks`: another session's ACCESS EXCLUSIVE locks on it or on a relation its policies read ({schema, name, pid,
    granted})."""
    cols = [c if isinstance(c, dict) else column(c) for c in columns]
    return {"schema": schema, "name": name, "kind": kind, "rls": rls, "force_rls": force_rls, "owner": role_name(owner),
            "partitions": [{**dict(zip(("schema", "name"), split_name(p))), "rls": on} for p, on in partitions],
            "ancestors": [{**dict(zip(("schema", "name"), split_name(a))), "depth": depth,
                           "via": dict(zip(("schema", "name"), split_name(via[0]))) if via else None}
                          for a, depth, *via in ancestors],
            "extension_member": extension_member,
            "security_invoker": security_invoker, "grants": grants(("postgres", "SELECT"), *grants_), "columns": cols,
            "constraints": list(constraints),
            "indexes": list(indexes) if indexes is not None else [index(f"{name}_pkey", ["id"])],
            "policies": list(policies), "publications": list(publications),
            "publications_partly": dict(publications_partly or {}),
            "publication_gaps": dict(publication_gaps or {}),
            "reads": [list(split_name(r)) for r in reads],
            "locks": list(locks) or None}


def view(name: str, **kwargs: Any) -> dict:
    return table(name, kind="v", rls=False, indexes=[], **kwargs)


def index(name: str, columns: list[str], *, unique: bool = True, partial: bool = False, valid: bool = True,
          immediate: bool = True) -> dict:
    """`immediate`: false for the index of a DEFERRABLE constraint (pg_index.indimmediate)."""
    return {"name": name, "unique": unique, "partial": partial, "valid": valid, "columns": columns,
            "immediate": immediate}


def constraint(name: str, type_: str, columns: list[str], *, validated: bool = True, references: str | None = None,
               references_primary_key: bool | None = None) -> dict:
    return {"name": name, "type": type_, "columns": columns, "validated": validated,
            "references": list(split_name(references)) if references else None,
            "references_primary_key": references_primary_key}


def function(name: str, *, schema: str = "public", args: str = "uuid", definer: bool = True,
             config: Iterable[str] | None = ("search_path=public, pg_temp",), grants_: Iterable[tuple[str, str]] | None = None,
             extension_member: bool = False, owner: str = "postgres", kind: str = "f",
             definer_support: Iterable[tuple[str, dict]] = ()) -> dict:
    """`kind`: pg_proc.prokind (f function, p procedure, a aggregate, w window function). `definer_support`: an
    aggregate's SECURITY DEFINER support functions, (role, function(...)) — `("state", function("step"))`."""
    acl = grants(*(grants_ if grants_ is not None else [("postgres", "EXECUTE")]))
    return {"schema": schema, "name": name, "args": args, "kind": kind, "security_definer": definer,
            "owner": role_name(owner),
            "config": list(config) if config else None, "grants": acl, "extension_member": extension_member,
            "definer_support": [{"role": r, **{k: s[k] for k in ("schema", "name", "args", "config", "owner")}}
                                for r, s in definer_support]}


def extension(name: str, version: str = "1.6", *, schema: str = "extensions", default: str | None = None) -> dict:
    return {"name": name, "schema": schema, "version": version, "default_version": default or version}


def role(name: str, *, member_of: Iterable[str] = (), superuser: bool = False, inherit: bool = True,
         bypass_rls: bool = False) -> dict:
    return {"name": name, "superuser": superuser, "bypass_rls": bypass_rls, "inherit": inherit,
            "member_of": [{"role": r, "inherit_option": inherit} for r in member_of]}


def catalog(*relations: dict, functions: Iterable[dict] = (), extensions: Iterable[dict] = (),
            schemas: dict[str, list[tuple[str, str]] | None] | None = None, roles: Iterable[dict] | None = None,
            publications: Iterable[str] = ("supabase_realtime",),
            schema_owners: dict[str, str] | None = None, database: dict | None = None,
            types: Iterable[tuple[str, str]] = ()) -> Catalog:
    """`types`: (schema, pg_type name) of types of the database's own that exist beside those of the relations'
    columns (PostgreSQL's own exist always), and how format_type prints it where that matters: (public, _mood,
    public.mood[])."""
    schema_rows = schemas if schemas is not None else {"public": [("postgres", "USAGE"), ("postgres", "CREATE"),
                                                                  ("PUBLIC", "USAGE")], "auth": None}
    return read_catalog({
        "relations": list(relations),
        "functions": list(functions),
        "extensions": list(extensions),
        "schemas": [{"name": n, "owner": role_name((schema_owners or {}).get(n, "postgres")),
                     "grants": grants(*g) if g is not None else None} for n, g in schema_rows.items()],
        "roles": list(roles) if roles is not None else [role(r, superuser=r == "postgres") for r in ROLES],
        "publications": list(publications),
        "types": [list(t) for t in {*_column_types(relations), *types}],
        "view_graph": view_graph(relations),
        "database": database or {"owner": "postgres", "grants": grants(
            ("PUBLIC", "CONNECT"), ("PUBLIC", "TEMPORARY"), ("postgres", "CREATE"), ("postgres", "CONNECT"))},
    })


def _column_types(relations: Iterable[dict]) -> set[tuple[str, str]]:
    """(schema, pg_type name) of each column's type (PostgreSQL's own too: harmless, they exist)."""
    out = set()
    for relation in relations:
        for c in relation.get("columns") or []:
            name = parse_type(c["type"]).name
            out.add((c["type_schema"], name[1:-1].replace('""', '"') if name.startswith('"') else name))
    return out


def view_graph(relations: Iterable[dict]) -> dict:
    """The catalog's graph of what every view reads (_catalog._VIEW_GRAPH), of these relations: each view's `reads`
    its edges; a relation read that is not among them is a table."""
    rows = {(r["schema"], r["name"]): r for r in relations}
    names = list(rows)
    for r in rows.values():
        names += [tuple(x) for x in r["reads"] if tuple(x) not in rows]
    oid = {name: str(16384 + n) for n, name in enumerate(dict.fromkeys(names))}
    return {"reads": {oid[key]: [int(oid[tuple(x)]) for x in r["reads"]]
                      for key, r in rows.items() if r["kind"] in ("v", "m")},
            "relations": {oid[name]: [*name, rows[name]["kind"], rows[name]["security_invoker"],
                                      rows[name]["extension_member"]] if name in rows else [*name, "r", False, False]
                          for name in oid}}
