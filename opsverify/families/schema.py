"""schema: database facts of a PostgreSQL / Supabase app, read from `pg_catalog` in one query per target.

An item names one subject and states expectations about it:

    table / tables / all_tables_in   columns (existence, NOT NULL, defaults, types, CHECK), RLS, grants,
                                     policies, unique keys, foreign keys, publication membership (and that
                                     the publication sends every change in full: operations, rows, columns, and
                                     where it publishes update or delete, a replica identity that it and every
                                     other publication of the table fit, else PostgreSQL refuses them)
    views_in                         security_invoker (of plain views, and of each plain view they read through,
                                     in any schema; a materialized view named fails it, one read ends the chain),
                                     grants (materialized views too); `reading` follows views through views —
                                     a view reads what its query's range table holds (FROM, at any depth of it),
                                     not what a function it selects from reads
    foreign_tables_in                grants
    functions_in                     SECURITY DEFINER, fixed search_path, EXECUTE grants (aggregates too)
    extensions / all_extensions      installed or not, versions, schema
    schemas                          USAGE / CREATE grants

A field the subject's judge does not read is a config error, so an accepted parameter is always judged.
Privileges are the effective ones: granted to the role, to PUBLIC, or to a role it inherits (see
docs/checklists.md for what is and is not followed). The catalog query lives in `_catalog.py`; it
reads only the sections the group's items declare (`FIELD_SECTIONS`), and a judge that uses a
section its item did not declare ends as an error. A policy expression's constant parts (`_nodetree.py`) are then
asked of PostgreSQL itself, in a second round trip only where there are some: a Python reading of its semantics had
counted what it did not read as "depends on the row".
"""

from __future__ import annotations

import decimal
import functools
import json
import re
from dataclasses import dataclass, replace
from typing import Annotated, Any, Iterable, Iterator, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from .. import lazy
from ..errors import GatherError, QueryFailed
from ..outcome import Outcome, Status, error, failed, passed
from ..transports.pgvalues import Pinned
from ._catalog import (
    ALL_PRIVILEGES,
    COMMANDS,
    DATABASE_OWNER,
    PUBLIC,
    RELATION_KINDS,
    SECTIONS,
    WRITE_PRIVILEGES,
    Catalog,
    Roles,
    NotRead,
    SectionNotRead,
    catalog_query,
    catalog_types,
    find_not_read,
    held_privileges,
    locked_itself,
    normal_type,
    parse_type,
    privilege_order,
    qualified,
    quote_ident,
    read_catalog,
    role_label,
    role_name,
    same_type,
    search_path_schemas,
    server_privileges,
    type_exists,
    type_lookup,
    written_type_names,
    Via,
)
from ._nodetree import BOOL_TESTS, Node, arguments, has_sublink, is_constant, nodes, read_tree, simple_case
from ._common import (NAME_BYTES, StrictParams, a_name, a_table_name, first_few, names_cut, no_name, noting_cuts,
                      nothing_found, plural, read_name, split_name, stored_name)

NAME = "schema"
NEEDS = ("database",)


def _one_name(value: str, what: str, example: str) -> str:
    """One name as `table:` writes a part: as the catalog spells it (a dot and all), or in double quotes as SQL
    writes it ('"App"', '"billing.v2"'), read as PostgreSQL stores it. An empty or blank one names nothing, and one
    SQL reads otherwise (`"App" `) would be judged as another: refused."""
    parts, why = read_name(value, most=1)
    if why is not None:
        raise ValueError(f"{no_name(value, why, what)}: write it as the catalog spells it, or in double quotes"
                         f" with a quote inside doubled ({example})")
    return stored_name(parts[0])


def _schema_name(value: str) -> str:
    return _one_name(value, "schema", '"App"')


def _function_name(value: str) -> str:
    """A function of the subject's schema (functions_in names it), written as a table's name part is."""
    return _one_name(value, "function", '"MixedFn"')


def _table_name(value: str) -> str:
    return a_table_name(value)  # one it cannot read is refused at load, not judged as a table no database has


def _view_name(value: str) -> str:
    return a_table_name(value, what="view")


def _column(value: str) -> str:
    return a_name(value, "column")


def _extension(value: str) -> str:
    return a_name(value, "extension")


def _publication(value: str) -> str:
    return a_name(value, "publication")


def _word(value: str) -> str:
    """A word no policy may mention: an empty or blank one is in every expression (blanks are not compared), one with
    a NUL in none (PostgreSQL's text holds none)."""
    if "\0" in value:
        raise ValueError("a word holding a NUL character is in no policy expression (PostgreSQL's text holds none),"
                         " so it would never be mentioned: write the word")
    if not value.strip():
        shown = "an empty word" if not value else f"{value!r} (blank)"
        raise ValueError(f"{shown} is in every policy expression, so it would always be mentioned: write the word,"
                         " or leave it out")
    return value


def _privilege(value: str) -> str:
    return value.upper()


def _type(value: str) -> str:
    parse_type(value)  # a typo is a config error, not a type no column has
    return noting_cuts(value, written_type_names(value))


def _role(value: str) -> str:
    return stored_name(role_name(value))


def _command(value: str) -> str:
    if value.lower() not in COMMANDS.values():
        raise ValueError(f"unknown command {value!r}: one of {', '.join(COMMANDS.values())}")
    return value.lower()


Role = Annotated[str, AfterValidator(_role)]
TableName = Annotated[str, AfterValidator(_table_name)]
ViewName = Annotated[str, AfterValidator(_view_name)]
Column = Annotated[str, AfterValidator(_column)]
Extension = Annotated[str, AfterValidator(_extension)]
Publication = Annotated[str, AfterValidator(_publication)]
Word = Annotated[str, AfterValidator(_word)]
SchemaName = Annotated[str, AfterValidator(_schema_name)]
FunctionName = Annotated[str, AfterValidator(_function_name)]
FunctionNames = Annotated[list[FunctionName], Field(min_length=1)]
Privilege = Annotated[str, AfterValidator(_privilege)]
Command = Annotated[str, AfterValidator(_command)]
TypeText = Annotated[str, AfterValidator(_type)]
TableNames = Annotated[list[TableName], Field(min_length=1)]  # a subject list: an empty one would check nothing
ViewNames = Annotated[list[ViewName], Field(min_length=1)]
Extensions = Annotated[list[Extension], Field(min_length=1)]
SchemaNames = Annotated[list[SchemaName], Field(min_length=1)]

SUBJECTS = ("table", "tables", "all_tables_in", "views_in", "foreign_tables_in", "functions_in",
            "extensions", "all_extensions", "schemas")
GRANTS = {"no_grants_to", "grants_to"}
TABLE_FIELDS = {
    "columns", "not_null", "defaults", "types", "checked", "no_columns_of_type", "rls", "unique",
    "foreign_keys_indexed", "references_primary_keys_in", "published_in", "not_published_in",
    "policies", "policies_for", "no_policies_for", "no_open_write_policies_for", "policies_never_mention",
    "no_write_grants_to", *GRANTS,
}
# what each subject's judge reads; anything else given with it is refused
READS: dict[str, set[str]] = {
    "table": TABLE_FIELDS,
    "tables": TABLE_FIELDS,
    "all_tables_in": TABLE_FIELDS | {"except_tables", "allow_empty"},
    "views_in": {"views", "materialized", "reading", "security_invoker", "no_write_grants_to", "allow_empty", *GRANTS},
    "foreign_tables_in": {"no_write_grants_to", "allow_empty", *GRANTS},
    "functions_in": {"functions", "except_functions", "security_definer_only", "security_definer",
                     "fixed_search_path", "allow_empty", *GRANTS},
    "extensions": {"installed", "min_versions", "up_to_date", "not_in_schemas"},
    "all_extensions": {"except_extensions", "up_to_date", "not_in_schemas", "allow_empty"},
    "schemas": set(GRANTS),
}
PRIVILEGE_KIND = {"functions_in": "function", "schemas": "schema"}  # the others: relation
RELATION_SUBJECTS = ("table", "tables", "all_tables_in", "views_in", "foreign_tables_in")
TABLE_SUBJECTS = ("table", "tables", "all_tables_in")
GRANT_FIELDS = {*GRANTS, "no_write_grants_to"}
# what a table must not grant or allow, judged on its partitions and inheritance children (their rows are its rows) and
# on the tables it is one of (a query on them reads and writes its rows): see _judge_parts, _judge_ancestors
REACHING_FIELDS = {"no_grants_to", "no_write_grants_to", "no_policies_for", "no_open_write_policies_for",
                   "policies_never_mention"}
# the catalog sections (_catalog.SECTIONS) each subject's judge reads, and what each field adds to them
SUBJECT_SECTIONS: dict[str, frozenset[str]] = {
    "table": frozenset({"relations"}),
    "tables": frozenset({"relations"}),
    "all_tables_in": frozenset({"relations", "schemas"}),
    "views_in": frozenset({"relations", "schemas", "reads", "security_invoker", "grants", "extension_members"}),
    "foreign_tables_in": frozenset({"relations", "schemas", "reads", "security_invoker", "grants", "extension_members"}),
    "functions_in": frozenset({"functions", "schemas"}),
    "extensions": frozenset({"extensions"}),
    "all_extensions": frozenset({"extensions"}),
    "schemas": frozenset({"schemas"}),
}
_KEYS = frozenset({"constraints", "indexes"})
FIELD_SECTIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(SUBJECTS, frozenset()),  # see SUBJECT_SECTIONS
    **dict.fromkeys(("except_tables", "views", "materialized", "functions", "except_functions",
                     "security_definer_only", "except_extensions", "allow_empty", "rls", "security_definer",
                     "fixed_search_path", "installed", "min_versions", "up_to_date",
                     "not_in_schemas"), frozenset()),  # read from the subject's own sections
    # what the views read read in turn, at any depth and in any schema
    **dict.fromkeys(("reading", "security_invoker"), frozenset({"view_graph"})),
    **dict.fromkeys(("columns", "not_null", "defaults", "types", "no_columns_of_type"), frozenset({"columns"})),
    "not_null": frozenset({"columns", *_KEYS}),  # PostgreSQL 18+: a NOT NULL constraint may be NOT VALID
    "checked": frozenset({"columns", "column_domains", *_KEYS}),  # a domain's CHECK constrains its columns
    "defaults": frozenset({"columns", "column_domains"}),  # an INSERT without the column gets its domain's default
    **dict.fromkeys(("unique", "foreign_keys_indexed", "references_primary_keys_in"), _KEYS),
    "published_in": frozenset({"publications", "table_publications", "table_publications_partly",
                               "table_publication_gaps"}),
    "not_published_in": frozenset({"publications", "table_publications", "table_publications_partly"}),
    **dict.fromkeys(("policies", "policies_never_mention"), frozenset({"policies"})),
    "policies_for": frozenset({"policies", "roles"}),
    # and, where RLS is off, what the roles hold (its columns' grants too): see _open_without_policies
    **dict.fromkeys(("no_policies_for", "no_open_write_policies_for"),
                    frozenset({"policies", "roles", "grants", "columns"})),
    # a relation's ACL is its own section; functions and schemas carry theirs (see catalog_sections)
    **dict.fromkeys(GRANT_FIELDS, frozenset({"roles"})),
    # what a "must not" names must exist, or a typo would pass: its schemas, its types
    "references_primary_keys_in": frozenset({*_KEYS, "schemas"}),
    "not_in_schemas": frozenset({"schemas"}),
    "no_columns_of_type": frozenset({"columns", "column_types", "types"}),  # through domains, arrays, fields
    "types": frozenset({"columns", "types"}),  # `_mood` is mood[] where the catalog says it is mood's array
}
_VERSION = re.compile(r"\d+(\.\d+)*")
# an installed version: a dotted number, and at most a pre-release tag after it (1.5beta1, 1.5-dev, 1.5.0-rc.2), which
# is below its release; what else follows the number (1.5p1, 1.5+custom) has no order known here
_INSTALLED_VERSION = re.compile(r"(?P<number>\d+(?:\.\d+)*)(?:[-._~]?(?P<tag>dev|alpha|a|beta|b|rc)[-.]?(?P<count>\d*))?",
                                re.IGNORECASE)
# a pre-release's stage: each below the next, and all below the release itself
_PRE_RELEASE = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "rc": 3}


class Params(StrictParams):
    # -- the subject: exactly one ------------------------------------------------------------
    table: TableName | None = None                # one table, schema-qualified (default public)
    tables: TableNames | None = None              # these tables
    all_tables_in: SchemaName | None = None       # every table of a schema
    views_in: SchemaName | None = None            # every view and materialized view of a schema
    foreign_tables_in: SchemaName | None = None   # every foreign table of a schema
    functions_in: SchemaName | None = None        # every function, procedure and aggregate of a schema
    extensions: Extensions | None = None          # these extensions
    all_extensions: Literal[True] | None = None   # every installed extension
    schemas: SchemaNames | None = None            # these schemas (their privileges)
    # -- narrowing a schema-wide subject -----------------------------------------------------
    except_tables: list[TableName] = []
    views: ViewNames | None = None                # only these views (each must exist)
    materialized: bool | None = None              # only materialized (true) or only plain (false) views
    reading: list[TableName] = []                 # only views that read one of these tables (auth.users)
    functions: FunctionNames | None = None        # only these functions (each must exist; all overloads)
    except_functions: list[FunctionName] = []
    security_definer_only: Literal[True] | None = None
    except_extensions: list[Extension] = []
    allow_empty: bool = False                     # an empty subject passes instead of being an error
    # -- tables: columns, constraints, RLS, policies, publications ---------------------------
    columns: list[Column] = []                    # exist
    not_null: list[Column] = []                   # are NOT NULL
    defaults: dict[Column, bool | int | float | str] = {}  # true: any default; false: none; else: this default
    types: dict[Column, TypeText] = {}            # column -> type, as PostgreSQL reads it (aliases allowed)
    checked: list[Column] = []                    # each is covered by a validated CHECK constraint
    no_columns_of_type: list[TypeText] = []       # no column has one of these types
    rls: bool | None = None
    unique: list[Column] | None = None            # a unique constraint or index on exactly these columns
    foreign_keys_indexed: Literal[True] | None = None
    references_primary_keys_in: list[SchemaName] = []  # foreign keys into these schemas use the primary key
    published_in: list[Publication] = []          # the table is in these publications
    not_published_in: list[Publication] = []
    policies: bool | None = None                  # true: at least one policy; false: none
    policies_for: dict[Command, list[Role]] = {}  # command -> roles a permissive policy must cover
    no_policies_for: list[Role] = []              # RLS on, and no policy applies to these roles (or PUBLIC)
    no_open_write_policies_for: list[Role] = []   # no write policy for them is always true
    policies_never_mention: list[Word] = []       # no policy expression contains these words
    # -- privileges ---------------------------------------------------------------------------
    no_grants_to: list[Role] | dict[Role, list[Privilege]] = []   # roles: none at all; mapping: not these
    no_write_grants_to: list[Role] = []           # no INSERT/UPDATE/DELETE/TRUNCATE
    grants_to: dict[Role, list[Privilege]] = {}   # the role holds these privileges (ALL: every one)
    # -- functions, views, extensions ---------------------------------------------------------
    security_definer: bool | None = None          # the functions are SECURITY DEFINER (false: INVOKER)
    fixed_search_path: Literal[True] | None = None
    security_invoker: Literal[True] | None = None
    installed: bool = True                        # false: the listed extensions must be absent
    min_versions: dict[Extension, str] = {}       # extension -> lowest acceptable version
    up_to_date: Literal[True] | None = None       # installed version is the server's default version
    not_in_schemas: list[SchemaName] = []         # extensions live outside these schemas

    @field_validator("*")
    @classmethod
    def _states_something(cls, value: Any, info: ValidationInfo) -> Any:
        """A list or mapping given empty (or a mapping's list: `policies_for: {select: []}`) would judge nothing
        and pass: refused, whatever the field."""
        if isinstance(value, (list, dict)) and not value:
            kind = "list" if isinstance(value, list) else "mapping"
            raise ValueError(f"got none; an empty {kind} would judge nothing (give at least one, or leave "
                             f"{info.field_name} out)")
        empty = [key for key, inner in value.items()
                 if isinstance(inner, (list, dict)) and not inner] if isinstance(value, dict) else []
        if empty:
            raise ValueError(f"{empty[0]}: got none; an empty list would judge nothing (give at least one, or "
                             f"leave {empty[0]} out)")
        return value

    @model_validator(mode="after")
    def _subject_reads_every_field(self) -> "Params":
        given = [s for s in SUBJECTS if getattr(self, s) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(SUBJECTS)} (got {', '.join(given) or 'none'})")
        subject = given[0]
        for name in sorted(self.model_fields_set - set(SUBJECTS) - READS[subject]):
            readers = [s for s in SUBJECTS if name in READS[s]]
            raise ValueError(f"{name} is not judged with {subject}; it applies to {', '.join(readers)}")
        kind = PRIVILEGE_KIND.get(subject, "relation")
        allowed = {*ALL_PRIVILEGES[kind], "ALL", *(("MAINTAIN",) if kind == "relation" else ())}
        mappings = [self.grants_to, self.no_grants_to if isinstance(self.no_grants_to, dict) else {}]
        for privileges in (p for mapping in mappings for p in mapping.values()):
            unknown = sorted(set(privileges) - allowed)
            if unknown:  # (an empty list is refused with its field)
                raise ValueError(f"privileges on a {kind} are {', '.join(sorted(allowed))}; got {', '.join(unknown)}")
        if self.security_invoker and self.materialized:
            raise ValueError("security_invoker applies to plain views; materialized views have none")
        if self.allow_empty and not self._may_be_empty():
            raise ValueError("allow_empty applies to a whole schema; named functions or views must exist and be of"
                             " the kind the item judges")
        if not self.installed and (self.min_versions or self.up_to_date or self.not_in_schemas):
            raise ValueError("installed: false cannot be combined with min_versions, up_to_date or not_in_schemas")
        stray = sorted(set(self.min_versions) - set(self.extensions or []))
        if stray:
            raise ValueError(f"min_versions names {', '.join(stray)}, not listed in extensions")
        bad = sorted(v for v in self.min_versions.values() if not _VERSION.fullmatch(v))
        if bad:
            raise ValueError(f"min_versions: {', '.join(bad)} is not a dotted number like 1.5")
        return self

    def _may_be_empty(self) -> bool:
        """Whether allow_empty may be given: to a whole schema only. Named ones must exist, and a filter after them
        (`reading`, `security_definer_only`) that leaves none is no pass either: what the catalog shows of them is not
        all they do (a view over a function reading auth.users reads "no relation"; an aggregate runs its support
        functions as their owner)."""
        return self.functions is None and self.views is None

    @property
    def subject(self) -> str:
        return next(s for s in SUBJECTS if getattr(self, s) is not None)

    def catalog_sections(self) -> frozenset[str]:
        """The catalog sections this item's judge reads: its subject's, and what its fields add (a field
        nobody declared reads everything)."""
        read = set(SUBJECT_SECTIONS[self.subject])
        for name in self.model_fields_set - set(SUBJECTS):
            read |= FIELD_SECTIONS.get(name, SECTIONS)
        if self.model_fields_set & GRANT_FIELDS and self.subject in RELATION_SUBJECTS:
            read.add("grants")
        if self.judges_ancestors():
            read.add("ancestors")
        return frozenset(read)

    def judges_ancestors(self) -> bool:
        """Whether the item judges the tables its tables are partitions or inheritance children of (_judge_ancestors)."""
        return self.subject in TABLE_SUBJECTS and bool(self.model_fields_set & REACHING_FIELDS)

    def table_names(self) -> list[tuple[str, str]]:
        names = [self.table] if self.table is not None else (self.tables or [])
        return [split_name(n) for n in names]


# -- gather ------------------------------------------------------------------------------------
def _sections(checks) -> frozenset[str]:
    return frozenset().union(*(check.params.catalog_sections() for check in checks))


def database_statements(target, checks) -> list[tuple[str, dict[str, list[str]]]]:
    """One catalog query for the group, reading only the sections its items judge; its search_path pinned (`Pinned`):
    a table, function or operator of the database's own must not stand in for the catalog's."""
    wanted: dict[str, set[str]] = {k: set() for k in ("table_schemas", "view_schemas", "foreign_table_schemas",
                                                        "function_schemas", "schema_grants")}
    named: set[tuple[str, str]] = set()  # read whatever their kind, to say what a named non-table is
    type_names: set[str] = set()
    for check in checks:
        p: Params = check.params
        # a named table is read by itself, not with its schema's every table: a migration's lock on another one
        # (ALTER TABLE holds ACCESS EXCLUSIVE) must not stop the catalog read of this one
        named.update(p.table_names())
        for key, value in (("table_schemas", p.all_tables_in), ("view_schemas", p.views_in),
                           ("foreign_table_schemas", p.foreign_tables_in), ("function_schemas", p.functions_in)):
            if value is not None:
                wanted[key].add(value)
        if p.views_in and p.views:  # a schema-qualified view is read in its own schema, and by name
            named.update(split_name(n, p.views_in) for n in p.views)  # to say what one of another kind is
            wanted["view_schemas"].update(split_name(n, p.views_in)[0] for n in p.views)
        if p.reading:  # read to tell one that does not exist (a typo) from one no view reads
            named.update(split_name(n) for n in p.reading)
        type_names.update(lookup[1] for lookup in map(type_lookup, p.no_columns_of_type) if lookup)
        type_names.update(lookup[1] for lookup in map(type_lookup, p.types.values()) if lookup)
        wanted["schema_grants"].update(p.schemas or [])
        if p.fixed_search_path:  # every schema's: which a function's search_path names is known once it is read
            wanted["schema_grants"].add("*")
    params = {key: sorted(values) for key, values in wanted.items()}
    params["named_schemas"] = [schema for schema, _ in sorted(named)]
    params["named_relations"] = [name for _, name in sorted(named)]
    params["type_names"] = sorted(type_names)
    return [(Pinned(catalog_query(_sections(checks))), params)]


def gather(target, checks) -> Catalog:
    ((query, params),) = database_statements(target, checks)
    rows = target.database.query(query, params)
    raw = rows[0]["facts"]
    if isinstance(raw, str):
        raw = json.loads(raw)
    if "policies" in _sections(checks):
        _ask_constants(target.database, raw.get("relations") or [])
    return read_catalog(raw, _sections(checks))


def constant_statement(expression: str) -> Pinned:
    """PostgreSQL's own value of a constant policy expression, as `pg_get_expr` printed it with the same search_path
    pinned (so it reads back the same operators and functions)."""
    return Pinned(f"select ({expression}) as value")


def _ask_constants(database, relations: list[dict]) -> None:
    """Each constant part of each policy expression (see `_nodetree`: PostgreSQL's own IMMUTABLE functions of
    constants, no row, no session) is asked of PostgreSQL — the whole expression where it is constant, else those of
    the arguments deciding it (AND / OR / NOT, IS TRUE, COALESCE, CASE) — each in a statement and read-only
    transaction of its own, so one that raises or runs out of time spoils no other. What the whole then is, whatever
    the row, is kept beside it as `using_value` / `check_value` (see `_whole_value`); none where that depends on the
    row. A second round trip only where there is such a part. Whether the expression tests a column of a row type for
    NULL is kept too, as `using_row_column_tested` / `check_row_column_tested` (see `_row_column_tested`)."""
    read: list[tuple[dict, str, Node, frozenset[str]]] = []
    asked: dict[str, None] = {}
    for relation in relations:
        for pol in relation.get("policies") or []:
            safe = frozenset(pol.pop("safe", None) or ())
            for key in ("using", "check"):
                tree = read_tree(pol.pop(f"{key}_tree", None))
                if tree is not None and pol[key] is not None:
                    pol[f"{key}_row_column_tested"] = _row_column_tested(tree)
                    read.append((pol, key, tree, safe))  # one with no such part may be told all the same (IN … NULL)
                    asked.update(dict.fromkeys(dict(_constant_parts(tree, pol[key], safe))))
    said: dict[str, str] = {}
    if asked:
        expressions = list(asked)
        answers = database.query_many([constant_statement(e) for e in expressions])
        if len(answers) != len(expressions):
            raise GatherError(f"the database gave {len(answers)} answers to {len(expressions)} constant expressions")
        said = dict(zip(expressions, map(_constant_value, answers), strict=True))
    for pol, key, tree, safe in read:
        value = _whole_value(tree, pol[key], safe, said)
        if value is not None:
            pol[f"{key}_value"] = value


def _row_column_tested(tree: Node) -> bool:
    """The expression tests for NULL a value of a row type that is not written as ROW(…) — a column of a composite
    type (or a domain over one), the whole row: PostgreSQL's parser marks such a test `argisrow`, and reads it field
    by field (`p IS NULL` and `p IS NOT NULL` are both FALSE where some of p's fields are NULL)."""
    return any(node.name == "NULLTEST" and node.fields.get("argisrow") == "true"
               and not (isinstance(node.fields.get("arg"), Node) and node.fields["arg"].name == "ROWEXPR")
               for node in nodes(tree))


def _constant_parts(tree: Node, text: str, safe: frozenset[str]) -> Iterator[tuple[str, Node]]:
    """The largest constant parts of an expression (its text and tree): itself, or those of the arguments that decide
    its value (`_nodetree.arguments`: an AND / OR / NOT's, IS TRUE's, COALESCE's, CASE's; each as `pg_get_expr`
    printed it within the whole)."""
    if is_constant(tree, safe):
        yield text, tree
    if not is_constant(tree, safe) or has_sublink(tree):  # beside a subquery, a part may raise at planning: asked too
        for part, node in arguments(text, tree) or ():
            yield from _constant_parts(node, part, safe)


def _whole_value(tree: Node, text: str, safe: frozenset[str], said: dict[str, str]) -> str | None:
    """What the expression is whatever the row, from PostgreSQL's values of its constant parts: "true", "false",
    "null", "not true" (FALSE or NULL, as the row has it), "not false" (TRUE or NULL), "raises: why", "undecided:
    why"; None where it depends on the row. AND and OR as PostgreSQL's planner folds them, argument by argument in
    order: a constant FALSE (TRUE for OR) decides it, and the arguments after it are never evaluated; one that raises
    before it raises there — unless it holds a subquery, which the planner leaves to run row by row, after the row's
    own arguments. IS TRUE and the like, COALESCE and CASE: see `_tested`, `_coalesced`, `_cased`."""
    if is_constant(tree, safe):
        value = said[text]
        # one holding a subquery that raised when evaluated whole: at planning, where a part beside it raises so
        if _word(value) == "raises" and has_sublink(tree) and _word(_combined(tree, text, safe, said)) == "raises":
            return AT_PLANNING + value.split(": ", 1)[-1]
        return value
    return _combined(tree, text, safe, said)


AT_PLANNING = "raises: at planning: "  # a constant holding a subquery whose raise is its other part's, folded


def _combined(tree: Node, text: str, safe: frozenset[str], said: dict[str, str]) -> str | None:
    """`_whole_value` of an expression from its parts' values (see there)."""
    if (listed := _in_list_holding_null(tree, safe)) is not None:
        return listed
    if tree.name == "DISTINCTEXPR":  # `x IS DISTINCT FROM y`: TRUE or FALSE, never NULL
        return "not null"
    parts = arguments(text, tree)
    if parts is None:  # `x IS [NOT] NULL` of what is not read: TRUE or FALSE, never NULL
        return "not null" if tree.name == "NULLTEST" else None
    # a part's raise may wait for the run (and a row) only where PostgreSQL evaluated it whole, it holds a subquery
    # and the error is one of running it (cardinality, SQLSTATE class 21: `(select …) = 1` of two rows); a data
    # error (class 22: `(select 1/0)`) is the subquery's constant folded as it is planned, and one read from its own
    # parts raised where they were folded: at planning
    values = [(value, has_sublink(node) and is_constant(node, safe) and "(SQLSTATE 21" in (value or "")
               and not (value or "").startswith(AT_PLANNING))
              for part, node in parts for value in [_whole_value(node, part, safe, said)]]
    if tree.name == "BOOLEANTEST":
        return _tested(values[0][0], tree.fields["booltesttype"])
    if tree.name == "NULLTEST":  # of its argument's value: its raise is the statement's, folded at planning
        value = values[0][0]
        if _word(value) in ("raises", "undecided"):
            return value
        null = {"t" if v == "n" else "f" for v in _possible(value)}
        return _named(null if tree.fields.get("nulltesttype") == "0" else {_NOT[v] for v in null})
    folded = [_Folded(value, subquery, _folds(node, safe)) for (value, subquery), (_, node) in zip(values, parts)]
    if tree.name in ("COALESCEEXPR", "CASEEXPR"):
        if simple_case(tree):  # its conditions compare the test value with constants: any may be taken, none raises
            test = tree.fields.get("arg")
            if not isinstance(test, Node) or is_constant(test, safe):
                return None  # a constant test folds each condition: which arm the planner keeps is not read here
            # a value no row equals (NULL), or one an earlier arm compares already, is never taken; the planner folds
            # every arm all the same (a condition on the test value is no constant of its)
            # (a NULL value makes its condition a constant NULL, which the planner drops with its arm unread)
            conditions = [_Folded("null", False, True) if reach is None else _Folded(None if reach else "false",
                                                                                    False, False)
                          for reach in _reachable_arms(tree.fields["args"])]
            folded = [part for pair in zip(conditions, folded[:-1]) for part in pair] + folded[-1:]
        return _coalesced(folded) if tree.name == "COALESCEEXPR" else _cased(folded)
    if tree.fields["boolop"] == "not":
        ((value, _),) = values
        word = _word(value)
        return value if word in ("null", "raises", "undecided") else _named({_NOT[v] for v in _possible(value)})
    return _junction(folded, "false" if tree.fields["boolop"] == "and" else "true")


def _folds(node: Node, safe: frozenset[str]) -> bool | None:
    """Whether PostgreSQL's planner turns the part into a constant (then an AND, OR, COALESCE or CASE stops at it):
    True for a constant of its own (no subquery: it evaluates it), False for one holding a subquery (that stays, to
    run), None for one that reads the row (`x OR true` folds to TRUE, a CASE whose every result is TRUE does not)."""
    return (not has_sublink(node)) if is_constant(node, safe) else None


def _junction(parts: list["_Folded"], deciding: str) -> str | None:
    """An AND (`deciding` "false") or OR ("true") as the planner folds it: its arguments in order, what raises among
    them raising the statement, up to the first constant of its that decides it; one that decides it on every row
    but is no such constant (a subquery, a part reading the row) decides the value, and what raises after it raises
    where the planner surely goes on (past a subquery), is undecided where it may not."""
    sets: list[frozenset[str]] = []
    sure, decided = True, None
    for part in parts:
        if (said := _folding(part, sure)) is not None:
            return said
        if part.word == deciding:
            if part.folds is True:  # the planner stops at it: what comes after is never folded
                return decided or part.value
            decided = decided or part.value
            sure = sure and part.folds is False
        elif decided is None:
            sets.append(_possible(part.value))  # a subquery's raise (run row by row, maybe never): any value
    if decided is not None:
        return decided
    combine = _AND if deciding == "false" else _OR
    return _named(functools.reduce(lambda a, b: {combine[x, y] for x in a for y in b}, sets))


def _reachable_arms(whens: list[Node]) -> list[bool | None]:
    """For each WHEN of a simple CASE (each comparing a plain constant, see `_nodetree.simple_case`), whether a row
    may take it: not for a value an earlier WHEN compares (the same constant, as stored); None for NULL, which no row
    equals and which the planner folds the condition to."""
    seen, reachable = set(), []
    for when in whens:
        const = when.fields["expr"].fields["args"][1].fields
        key = (const.get("consttype"), const.get("constcollid"), str(const.get("constvalue")))
        reachable.append(None if const.get("constisnull") == "true" else key not in seen)
        seen.add(key)
    return reachable


def _in_list_holding_null(tree: Node, safe: frozenset[str]) -> str | None:
    """`x IN (1, NULL)` — `x = ANY (ARRAY[1, NULL])` — is TRUE where x is one of the others and NULL elsewhere,
    never FALSE ("not false"); `x NOT IN (1, NULL)` — `<> ALL` — never TRUE ("not true"); None for any other node. Only
    for a list of plain constants and PostgreSQL's own operator (strict: NULL against a NULL)."""
    args = tree.fields.get("args") if tree.name == "SCALARARRAYOPEXPR" else None
    if not isinstance(args, list) or len(args) != 2 or not isinstance(args[1], Node) or args[1].name != "ARRAYEXPR":
        return None
    elements = args[1].fields.get("elements")
    if (not isinstance(elements, list) or not all(isinstance(e, Node) and e.name == "CONST" for e in elements)
            or args[1].fields.get("multidims") != "false" or f"operator:{tree.fields.get('opno')}" not in safe
            or not any(e.fields.get("constisnull") == "true" for e in elements)):
        return None
    return {"true": "not false", "false": "not true"}.get(tree.fields.get("useOr"))


# What a value may be on some row, as a set of TRUE, FALSE and NULL ("t", "f", "n"), and back: three-valued logic
# on what each part may be (sound, not exact: two parts reading the same column are taken as free of each other)
ANY = frozenset("tfn")
_SETS = {"true": frozenset("t"), "false": frozenset("f"), "null": frozenset("n"), "not true": frozenset("fn"),
         "not false": frozenset("tn"), "not null": frozenset("tf")}
_NOT = {"t": "f", "f": "t", "n": "n"}
_AND = {(x, y): "f" if "f" in (x, y) else "n" if "n" in (x, y) else "t" for x in "tfn" for y in "tfn"}
_OR = {(x, y): "t" if "t" in (x, y) else "n" if "n" in (x, y) else "f" for x in "tfn" for y in "tfn"}
# each BoolTestType's value of an argument TRUE, FALSE, NULL (PostgreSQL's enum order: IS TRUE, IS NOT TRUE, …)
_TESTS = dict(zip(BOOL_TESTS, ["tff", "ftt", "ftf", "tft", "fft", "ttf"]))


def _word(value: str | None) -> str | None:
    return value.split(":", 1)[0] if value else None


def _possible(value: str | None) -> frozenset[str]:
    """What a value may be; anything for one depending on the row, and for one that raises or is undecided."""
    return _SETS.get(_word(value) or "", ANY)


def _named(possible: set[str] | frozenset[str]) -> str | None:
    """The word for what a value may be; None for "anything" (or TRUE and FALSE: no word says it)."""
    return next((word for word, same in _SETS.items() if same == possible), None)


def _tested(value: str | None, test: str) -> str | None:
    """`arg IS TRUE` (…) of the argument's value: its argument is evaluated whatever the row, so what raises or is
    undecided there is so here."""
    if _word(value) in ("raises", "undecided"):
        return value
    return _named({_TESTS[test]["tfn".index(v)] for v in _possible(value)})


@dataclass(frozen=True)
class _Folded:
    """An AND's, OR's, COALESCE's or CASE's part: its value, whether its raise may wait for the run (a subquery
    evaluated whole), and whether the planner folds it to one value (`_folds`: then it stops at it, as PostgreSQL's
    eval_const_expressions does — an AND at its first constant FALSE, a COALESCE at its first constant not NULL, a
    CASE at its first condition constant TRUE, skipping an arm whose condition is constant FALSE or NULL)."""

    value: str | None
    subquery: bool
    folds: bool | None

    @property
    def word(self) -> str | None:
        return _word(self.value)

    def stops(self, *words: str) -> bool:
        return self.folds is True and self.word in words


def _folding(part: _Folded, sure: bool) -> str | None:
    """What folding `part` at planning says of the whole: its error or timeout where the planner surely folds it
    (`sure`), undecided where it may ("raises: …" on every row, or "undecided: …"); None where it says nothing."""
    if part.word == "undecided" or (part.word == "raises" and not part.subquery and sure):
        return part.value
    if part.word == "raises" and not part.subquery:
        return (f"undecided: whether PostgreSQL's planner folds a part that raises ({part.value.split(': ', 1)[-1]})"
                " cannot be told here")
    return None


def _coalesced(parts: list[_Folded]) -> str | None:
    """COALESCE: the first argument not NULL. The planner folds its arguments in order up to the first constant not
    NULL (what raises among them raises the statement, what runs out of time leaves it undecided); one TRUE or FALSE
    on every row that is no constant of its (`case when … then true else true end`) may or may not stop it, so what
    raises after it is undecided."""
    possible: set[str] = set()
    sure, decided = True, False  # `decided`: no row reaches this argument (an earlier one is never NULL)
    for part in parts:
        if (said := _folding(part, sure)) is not None:
            return said
        if part.stops("true", "false"):  # the planner stops at it: the arguments after it are never folded
            if not decided:
                possible.add(part.word[0])
            return _named(possible)
        if not decided:
            may_be = _possible(part.value)
            possible |= may_be - {"n"}
            decided = "n" not in may_be
        sure = sure and not (part.word in ("true", "false") and part.folds is None)
    if not decided:
        possible.add("n")
    return _named(possible)


def _cased(parts: list[_Folded]) -> str | None:
    """A searched CASE of its conditions and results, then ELSE (`[c1, r1, c2, r2, …, else]`), as the planner folds
    it: conditions in order, an arm whose condition is constant FALSE or NULL dropped unread, the result of every
    other arm folded, and the first constant TRUE condition ending it (its result stands for the ELSE then). What a
    row may be is what the results it may reach may be: an arm whose condition is never TRUE is never taken, one
    TRUE on every row is taken by every row that reaches it. A condition TRUE, FALSE or NULL on every row that is no
    constant of the planner's may or may not be folded into one: what raises where that decides is undecided."""
    possible: set[str] = set()
    sure, taken = True, False  # `taken`: every row reaching here took an earlier arm
    for condition, result in zip(parts[:-1:2], parts[1:-1:2]):
        if (said := _folding(condition, sure)) is not None:
            return said
        if condition.stops("false", "null"):
            continue  # dropped: its result is never folded
        derived = condition.folds is None
        if (said := _folding(result, sure and not (derived and condition.word in ("false", "null")))) is not None:
            return said
        if condition.stops("true"):  # the planner ends the CASE here: the ELSE is never folded
            if not taken:
                possible |= _possible(result.value)
            return _named(possible)
        may_take = _possible(condition.value)
        if not taken and "t" in may_take:
            possible |= _possible(result.value)
        taken = taken or may_take == {"t"}
        sure = sure and not (derived and condition.word == "true")
    default = parts[-1]
    if (said := _folding(default, sure)) is not None:
        return said
    if not taken:
        possible |= _possible(default.value)
    return _named(possible)


# SQLSTATE classes of an error the expression itself raises, on every row: 21 (cardinality: a scalar subquery of
# two rows) and 22 (data: invalid input, division by zero, overflow). Any other (a timeout, out of memory, a name
# read back differently) leaves the value undecided
_RAISES = ("21", "22")


def _constant_value(answer: Any) -> str:
    """PostgreSQL's answer for a constant expression, as the judge reads it: "true", "false", "null", "raises: why"
    (no row passes it: a statement it guards fails), or "undecided: why" (not known: never a pass)."""
    if isinstance(answer, QueryFailed) and answer.sqlstate[:2] in _RAISES:
        return f"raises: {answer}"
    if isinstance(answer, GatherError):
        return f"undecided: {answer}"
    value = answer[0].get("value") if len(answer) == 1 else answer
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return f"undecided: answered {value!r}, not a boolean"


# -- findings: problems grouped so that many objects make one short line ----------------------
class Findings:
    """Problems per kind, each with the objects it applies to: `table public.a has RLS off` for one,
    `26 tables grant INSERT to anon: public.a, public.b, … (+23)` for many (all names in evidence)."""

    def __init__(self, noun: str):
        self.noun = noun
        self.groups: dict[tuple[str, str], list[str]] = {}
        self.errors: list[str] = []  # could not judge (e.g. a role the item names does not exist)
        self.item: list[str] = []    # problems of the item itself, not of one object

    def add(self, name: str, one: str, many: str) -> None:
        names = self.groups.setdefault((one, many), [])
        if name not in names:
            names.append(name)

    def lines(self) -> list[str]:
        out = list(self.item)
        for (one, many), names in self.groups.items():
            out.append(f"{self.noun} {names[0]} {one}" if len(names) == 1
                       else f"{len(names)} {self.noun}s {many}: {first_few(names)}")
        return out

    def evidence(self) -> dict[str, list[str]]:
        return {many: names for (_, many), names in self.groups.items()}


def _verb(singular: str, plural_form: str, rest: str = "") -> tuple[str, str]:
    return (f"{singular} {rest}", f"{plural_form} {rest}") if rest else (singular, plural_form)


def _finish(expected: str, findings: Findings, checked: list[str], **evidence: Any) -> Outcome:
    evidence = {"checked": checked, **evidence}
    if findings.errors:
        return error("; ".join(findings.errors), **evidence)
    lines = findings.lines()
    if lines:
        return failed(expected, "; ".join(lines), problems=findings.evidence(), **evidence)
    return passed(expected, f"{plural(len(checked), findings.noun)} as expected", **evidence)


def _empty(p: Params, what: str, where: str, expected: str, exists: bool) -> Outcome:
    place = where if exists else f"{where} (which does not exist)"
    if p.allow_empty and exists:
        return passed(expected, f"no {what} in {where}, as allow_empty permits", checked=[])
    return nothing_found(what, place, advise=p._may_be_empty())


def _named_left_out(p: Params, what: str, why: str, expected: str, left_out: dict[str, dict],
                    kept: list[str]) -> Outcome:
    """Every named one exists, but the filter after the names (`reading`, `security_definer_only`) left some out: an
    error naming each and what the catalog shows of it (`why`) — never a pass, nor a pass of those it kept: that is
    not all a left-out one does (a function a view selects from reads what it reads; an aggregate runs its support
    functions as their owner), and it was named to be judged."""
    if not kept:
        return error(f"no {what} among those named: {why}; nothing was checked (name the ones that are, or drop the"
                     " filter to judge these)", checked=[], left_out=left_out)
    return error(f"not all named are {what}: {why}; nothing was checked, not even the {plural(len(kept), 'other')}"
                 " (name only the ones that are, or drop the filter to judge them all)", checked=[],
                 left_out=left_out, kept_by_the_filter=kept)


# -- judge ---------------------------------------------------------------------------------------
def judge(check, facts: Catalog) -> Outcome:
    outcome = _judge(check.params, facts)
    missing = find_not_read(outcome.evidence)
    if missing is not None:  # a section not read must not reach a report as if it were a fact
        raise SectionNotRead(missing.section)
    return _saying_cuts(outcome, names_cut(check.params))


def _saying_cuts(outcome: Outcome, cut: dict[str, str]) -> Outcome:
    """Where PostgreSQL keeps only the first NAME_BYTES bytes of a name the item wrote, the outcome judges the name it
    keeps, and says so (the evidence; a failure's message too, which shows that name, not the one written)."""
    if not cut:
        return outcome
    evidence = {**outcome.evidence, "names_as_stored": cut}
    observed = outcome.observed
    if outcome.status is not Status.PASSED:
        said = "; ".join(f"{written} is {stored}" for written, stored in cut.items())
        observed += f" (PostgreSQL keeps the first {NAME_BYTES} bytes of a name: {said})"
    return replace(outcome, observed=observed, evidence=evidence)


def _judge(p: Params, facts: Catalog) -> Outcome:
    subject = p.subject
    if subject in ("table", "tables", "all_tables_in"):
        return _judge_tables(p, facts)
    if subject in ("views_in", "foreign_tables_in"):
        return _judge_relations(p, facts)
    if subject == "functions_in":
        return _judge_functions(p, facts)
    if subject in ("extensions", "all_extensions"):
        return _judge_extensions(p, facts)
    return _judge_schemas(p, facts)


def _qualified(t: dict) -> str:
    return qualified(t["schema"], t["name"])


# -- privileges (every subject) ------------------------------------------------------------------
def _forbidden(p: Params) -> dict[str, set[str] | None]:
    """role -> the privileges it must not hold (None: none at all)."""
    out: dict[str, set[str] | None] = {}
    if isinstance(p.no_grants_to, dict):
        out.update({role: set(privileges) for role, privileges in p.no_grants_to.items()})
    else:
        out.update({role: None for role in p.no_grants_to})
    for role in p.no_write_grants_to:
        if role not in out or out[role] is not None:
            out[role] = (out.get(role) or set()) | set(WRITE_PRIVILEGES)
    return out


def _expand(privileges: Iterable[str], kind: str) -> set[str]:
    return {x for p in privileges for x in (ALL_PRIVILEGES[kind] if p == "ALL" else (p,))}


def _via(role: str, grantee: str | Via) -> str:
    if grantee is Via.SUPERUSER:
        return f"{role_label(role)} (a superuser)"
    if grantee in (role, PUBLIC):
        return role_label(grantee)
    return _inherited(grantee, role)


def _inherited(grantee: str, role: str) -> str:
    """`grantee`, whose privileges `role` inherits, as a message writes it: pg_database_owner's member is granted
    nowhere, so the message says who it is."""
    why = "; the database's owner is its member" if grantee == DATABASE_OWNER else ""
    return f"{role_label(grantee)} (inherited by {role_label(role)}{why})"


def _check_roles(p: Params, roles: Roles, findings: Findings) -> None:
    """A role an item names must exist: for a 'must not' that is an error (a typo would pass), for a
    'must' a failure (the role cannot hold anything)."""
    negative = {*_forbidden(p), *p.no_policies_for, *p.no_open_write_policies_for}
    positive = {*p.grants_to, *(r for rs in p.policies_for.values() for r in rs)}
    for role in sorted(negative):
        if not roles.exists(role):
            findings.errors.append(f"role {role_label(role)} does not exist on the target; nothing was checked for it")
    for role in sorted(positive):
        if not roles.exists(role):
            findings.item.append(f"role {role_label(role)} does not exist")


def _check_named_objects(p: Params, facts: Catalog, findings: Findings) -> None:
    """A schema, type or relation a field names must exist, as a role must: the views `reading` one, the foreign keys
    into one, the extensions in one, the columns of one would be none, and the item would pass on a typo (`auht`,
    `regprok`, `auth.user`). An error, whatever the field: nothing was checked for it."""
    nothing = "does not exist on the target; nothing was checked for it"
    for field in ("references_primary_keys_in", "not_in_schemas"):
        for schema in dict.fromkeys(getattr(p, field)):
            if schema not in facts.schemas:
                findings.errors.append(f"{field}: schema {quote_ident(schema)} {nothing}")
    for text in dict.fromkeys(p.no_columns_of_type):
        if not type_exists(text, facts.types):
            findings.errors.append(f"no_columns_of_type: type {normal_type(text)} {nothing}")
    for name in dict.fromkeys(p.reading):
        if split_name(name) not in facts.relations:
            findings.errors.append(f"reading: relation {qualified(*split_name(name))} {nothing}")


def _check_rls_binds(p: Params, roles: Roles, findings: Findings) -> None:
    """A role the policies are judged for must be one they bind: a superuser or a role with BYPASSRLS reads and writes
    every row whatever they say, so no policy (nor the lack of one) says what it may do. The role's own attribute
    only: PostgreSQL never inherits BYPASSRLS (a member that may SET ROLE to such a role is not followed, as for
    grants)."""
    for role in _policy_roles(p):
        if role == PUBLIC or not roles.exists(role):  # (a role that does not exist is said by _check_roles)
            continue
        if role in roles.superusers:
            attribute, fix = "is a superuser", "NOSUPERUSER"
        elif role in roles.bypass_rls:
            attribute, fix = "has BYPASSRLS", "NOBYPASSRLS"
        else:
            continue
        findings.item.append(f"{role_label(role)} {attribute}: no policy applies to it — fix: ALTER ROLE"
                             f" {quote_ident(role)} {fix}")


def _policy_roles(p: Params, negative_only: bool = False) -> list[str]:
    """The roles the item judges the policies for (`negative_only`: those of what must not be)."""
    named = {*p.no_policies_for, *p.no_open_write_policies_for}
    if not negative_only:
        named.update(r for rs in p.policies_for.values() for r in rs)
    return sorted(named)


# what a "must not" policy field is about: a role that holds none of these on a table whose RLS is off is kept from
# its rows by its grants alone, and the field holds (an internal table, RLS off, anon's grants revoked)
_KEPT_BY_POLICIES = {"no_policies_for": {"SELECT", "INSERT", "UPDATE", "DELETE"},
                     "no_open_write_policies_for": {"INSERT", "UPDATE", "DELETE"}}


def _check_rls_on(p: Params, name: str, t: dict, facts: Catalog, findings: Findings,
                  negative_only: bool = False, said_by_rls: bool = True) -> None:
    """With row level security off, PostgreSQL applies no policy on the table to anyone: each role the policies are
    judged for (PUBLIC too) reads and writes every row its grants allow, whatever they say — as the owner does
    unforced. A role `policies_for` names is one the policies must bind; one only a "must not" field names, only where
    it holds (table or column) a privilege that field is about.
    Not said where `rls: true` already fails it (`said_by_rls`: the table and its partitions, not its ancestors), nor
    for a superuser or BYPASSRLS role (said once, by _check_rls_binds)."""
    if t["rls"] or (p.rls and said_by_rls):
        return
    roles = facts.roles
    unbound = [role for role in _policy_roles(p, negative_only) if (role == PUBLIC or (
        roles.exists(role) and role not in roles.superusers and role not in roles.bypass_rls))
        and _open_without_policies(p, role, t, facts, negative_only)]
    if unbound and t["kind"] == "f":  # PostgreSQL refuses row level security on one: only its grants keep roles out
        owner = ", or give it another owner" if any(_owned_by(role, t["owner"], roles) for role in unbound) else ""
        roles_text = _roles_text(unbound)
        findings.add(name, f"is a foreign table: PostgreSQL has no row level security for one, so no policy applies"
                           f" to {roles_text} — fix: REVOKE their privileges on it{owner}",
                     f"are foreign tables: PostgreSQL has no row level security for them, so no policy applies to"
                     f" {roles_text} — fix: REVOKE their privileges on them{owner}")
    elif unbound:
        findings.add(name, *_verb("has", "have", f"row level security off, so no policy applies to"
                                                f" {_roles_text(unbound)} — fix: ALTER TABLE … ENABLE ROW LEVEL"
                                                " SECURITY"))


def _open_without_policies(p: Params, role: str, t: dict, facts: Catalog, negative_only: bool) -> bool:
    """Whether `role`, bound by no policy of table `t` (its RLS off), is let in where the item's policy fields say:
    named by `policies_for` (unless `negative_only`), or holding a privilege a "must not" field naming it is about —
    as its owner, or inheriting from it, it holds every one, whatever its ACL says (it may grant itself back any)."""
    if not negative_only and any(role in named for named in p.policies_for.values()):
        return True
    about = {privilege for field, privileges in _KEPT_BY_POLICIES.items() if role in getattr(p, field)
             for privilege in privileges}
    if about and _owned_by(role, t["owner"], facts.roles):
        return True
    held = set(held_privileges(role, t["grants"], facts.roles, "relation", facts.server_version))
    for column in t["columns"]:
        held |= set(held_privileges(role, column.get("grants") or [], facts.roles, "relation", facts.server_version))
    return bool(held & about)


def _check_owner_bound(p: Params, name: str, t: dict, roles: Roles, findings: Findings,
                       negative_only: bool = False) -> None:
    """A role the policies are judged for that owns the table, or inherits from its owner, is bound by none of them
    unless the table FORCEs row level security (PostgreSQL's check_enable_rls: the owner is whoever has the privileges
    of the owning role): it reads and writes every row whatever they say, as a BYPASSRLS role does (said once for the
    item by _check_rls_binds, as is a superuser). FORCE binds it only with row level security on: where it is off,
    _check_rls_on says that no policy applies to the owner either (and on a foreign table, which has none)."""
    if t["force_rls"] or t["kind"] == "f":
        return
    for role in _policy_roles(p, negative_only):
        if role == PUBLIC or not roles.exists(role) or role in roles.superusers or role in roles.bypass_rls:
            continue
        owning = _owned_by(role, t["owner"], roles)
        if owning is None:
            continue
        if role == t["owner"] or t["owner"] == DATABASE_OWNER:  # (the database's owner is its member by no GRANT)
            undo = "give it another owner"
        elif t["owner"] in roles.parents.get(role, ()):
            undo = f"REVOKE {quote_ident(t['owner'])} FROM {quote_ident(role)}"
        else:
            undo = f"end the membership through which {role_label(role)} inherits {role_label(t['owner'])}"
        findings.add(name, *_verb("is", "are", f"owned by {owning}: row level security does not bind its owner unless"
                                              f" forced, so no policy applies to {role_label(role)} — fix: ALTER"
                                              f" TABLE … FORCE ROW LEVEL SECURITY, or {undo}"))


def _check_privileges_exist(p: Params, facts: Catalog, findings: Findings) -> None:
    """MAINTAIN exists from PostgreSQL 17: on an older server no one holds it, so a "must not" would pass on
    nothing and a "must" fail on nothing — neither is judged."""
    named = {x for mapping in (p.grants_to, p.no_grants_to if isinstance(p.no_grants_to, dict) else {})
             for privileges in mapping.values() for x in privileges}
    if "MAINTAIN" not in named or "MAINTAIN" in server_privileges("relation", facts.server_version):
        return
    if facts.server_version is None:
        findings.errors.append("could not tell whether the server has the privilege MAINTAIN (PostgreSQL 17+):"
                               " its version was not read")
    else:
        findings.errors.append(f"MAINTAIN is a privilege from PostgreSQL 17, and this server is"
                               f" {facts.server_version // 10000}: no role can hold it there; leave MAINTAIN"
                               " out of the item for this server")


def _owned_by(role: str, owner: str, roles: Roles) -> str | None:
    """How `role` owns the object, if it does: it is the owner, or inherits from it (the owner may grant itself
    any privilege, and RLS does not bind it without FORCE) — as a message writes it; None otherwise."""
    if role == owner:
        return role_label(owner)
    if owner in roles.inherited(role):
        return _inherited(owner, role)
    return None


def _judge_grants(p: Params, name: str, grants: list[dict], owner: str, facts: Catalog, kind: str,
                  findings: Findings, columns: list[dict] = ()) -> None:
    _judge_forbidden_grants(p, name, grants, owner, facts, kind, findings, columns)
    roles, version = facts.roles, facts.server_version
    for role, privileges in p.grants_to.items():
        if not roles.exists(role):
            continue
        held = held_privileges(role, grants, roles, kind, version)
        missing = sorted(_expand(privileges, kind) - set(held), key=privilege_order)
        if missing:
            findings.add(name, *_verb("does not grant", "do not grant", f"{'/'.join(missing)} to {role_label(role)}"))


def _judge_forbidden_grants(p: Params, name: str, grants: list[dict], owner: str, facts: Catalog, kind: str,
                            findings: Findings, columns: list[dict] = ()) -> None:
    roles, version = facts.roles, facts.server_version
    for role, privileges in _forbidden(p).items():
        if not roles.exists(role):
            continue
        owning = _owned_by(role, owner, roles) if role not in roles.superusers else None  # a superuser: said below
        if owning:
            findings.add(name, *_verb("is", "are", f"owned by {owning}"))
        banned = _expand(privileges, kind) if privileges is not None else None
        held = held_privileges(role, grants, roles, kind, version)
        shown: dict[str, list[str]] = {}
        for privilege, via in sorted(held.items(), key=lambda x: privilege_order(x[0])):
            if banned is None or privilege in banned:
                shown.setdefault(_via(role, via), []).append(privilege)
        for column in columns:
            for privilege, via in held_privileges(role, column.get("grants") or [], roles, kind, version).items():
                if privilege not in held and (banned is None or privilege in banned):
                    shown.setdefault(_via(role, via), []).append(f"{privilege}({column['name']})")
        for via, labels in shown.items():
            findings.add(name, *_verb("grants", "grant", f"{'/'.join(labels)} to {via}"))


# -- a relation another session locks ------------------------------------------------------------------
POLICY_FIELDS = ("policies", "policies_for", "no_policies_for", "no_open_write_policies_for", "policies_never_mention")
NEGATIVE_POLICY_FIELDS = ("no_policies_for", "no_open_write_policies_for", "policies_never_mention")


def _lock_clause(lock: dict) -> str:
    """What a lock (see _catalog._HELD_LOCKS) does to its relation, as a message writes it after the relation."""
    if lock["pid"] is None:
        return ("is locked by a prepared transaction (AccessExclusiveLock: COMMIT PREPARED or ROLLBACK PREPARED it,"
                " see pg_prepared_xacts)")
    if lock["granted"]:
        return f"is locked by another session (pid {lock['pid']}, AccessExclusiveLock: a migration?)"
    return (f"has another session waiting for AccessExclusiveLock on it (pid {lock['pid']}: a migration?), which every"
            " read of it queues behind")


def _unread_while_locked(p: Params, name: str, t: dict, negative_only: bool = False) -> str | None:
    """Why the item cannot be judged on `t`: what it reads of it was not deparsed for a lock (its column defaults where
    `t` is locked itself, its policies where `t` or a relation one of them reads is); None where the item reads
    neither. Never judged as "no default" or "no policy": that would pass what was not read."""
    locks = t.get("locks") or []
    fields = NEGATIVE_POLICY_FIELDS if negative_only else POLICY_FIELDS
    reads_policies = bool(locks) and any(getattr(p, f) not in (None, [], {}) for f in fields)
    reads_defaults = bool(p.defaults) and not negative_only and locked_itself(t)
    if not (reads_policies or reads_defaults):
        return None
    again = " — check again once it is released"
    own = [lock for lock in locks if (lock["schema"], lock["name"]) == (t["schema"], t["name"])]
    if own:
        what = " and ".join(x for x, wanted in (("column defaults", reads_defaults), ("policies", reads_policies))
                            if wanted)
        return f"{name} {_lock_clause(own[0])}; its {what} were not read{again}"
    lock = locks[0]
    return (f"{name}: its policies read {qualified(lock['schema'], lock['name'])}, which {_lock_clause(lock)}; they"
            f" were not read{again}")


# -- tables ----------------------------------------------------------------------------------------
def _judge_tables(p: Params, facts: Catalog) -> Outcome:
    findings = Findings("table")
    expected = _describe(p)
    unmatched: dict[str, list[str]] = {}
    _check_named_objects(p, facts, findings)
    if p.all_tables_in is not None:
        in_schema = {key: t for key, t in facts.relations.items()
                     if key[0] == p.all_tables_in and t["kind"] in ("r", "p")}
        excluded = _except_tables(p)
        skipped = set(excluded)
        tables = [t for key, t in in_schema.items() if key not in skipped]
        if not tables and not findings.errors:
            return _empty(p, "tables", f"schema {quote_ident(p.all_tables_in)}", expected,
                          p.all_tables_in in facts.schemas)
        unmatched = _matching_nothing("except_tables", [qualified(*key) for key in excluded if key not in in_schema])
    else:
        tables = []
        for key in p.table_names():
            table = facts.relations.get(key)
            if table is None:  # one cause, not a cascade of column failures
                findings.add(qualified(*key), *_verb("does not exist", "do not exist"))
            elif table["kind"] not in ("r", "p"):
                kind = RELATION_KINDS.get(table["kind"], f"relation of kind {table['kind']}")
                findings.add(qualified(*key), *_verb("is", "are", f"a {kind}"))
            else:
                tables.append(table)
    _check_roles(p, facts.roles, findings)
    _check_rls_binds(p, facts.roles, findings)
    _check_privileges_exist(p, facts, findings)
    _check_publications(p, facts, findings)
    # a partition is judged once: not again where the item judges it as a table, nor under a second level of its
    # tree. One left out by except_tables is still judged with its parent: its rows are the parent's (except the
    # parent to leave them out)
    parts_skipped = {_qualified(x) for x in tables}
    children_skipped = set(parts_skipped)  # the same, for what each must hold (NOT NULL, CHECK)
    reached: dict[tuple[str, str], dict[str, Reach]] = {}  # ancestor -> {table whose rows it reaches: how}
    for t in tables:
        name = _qualified(t)
        unread = _unread_while_locked(p, name, t)
        if unread:  # an error: nothing else of it is judged
            findings.errors.append(unread)
            continue
        _judge_columns(p, name, t, facts, findings)
        _judge_children_columns(p, name, t, facts, findings, skipped=children_skipped)
        if p.rls is not None and t["rls"] != p.rls:
            findings.add(name, *_verb("has", "have", f"row level security {'on' if t['rls'] else 'off'}"))
        if p.rls:  # a partition or inheritance child queried directly applies its own policies only
            open_partitions = [_qualified(x) for x in t["partitions"] if not x["rls"]]
            if open_partitions:
                what = "partition" if t["kind"] == "p" else "child table"
                findings.add(name, *_verb("has", "have", f"{what}{'s' if len(open_partitions) > 1 else ''}"
                                                        f" {first_few(open_partitions)} with row level security off"))
        _judge_grants(p, name, t["grants"], t["owner"], facts, "relation", findings, t["columns"])
        _judge_keys(p, name, t, findings)
        _check_rls_on(p, name, t, facts, findings)
        _check_owner_bound(p, name, t, facts.roles, findings)
        _judge_policies(p, name, t["policies"], facts.roles, findings)
        _judge_parts(p, name, t, facts, findings, skipped=parts_skipped)
        _judge_publications(p, name, t, facts, findings)
        for ancestor in t["ancestors"] if p.judges_ancestors() else ():
            if ancestor["via"]:  # another parent of a part of it (or that one's ancestor)
                whose, reach = _qualified(ancestor["via"]), Reach(ancestor["depth"], f"a {_part_kind(t)} of {name}")
            else:
                whose, reach = name, Reach(ancestor["depth"])
            reached.setdefault((ancestor["schema"], ancestor["name"]), {}).setdefault(whose, reach)
    _judge_ancestors(p, reached, facts, findings, skipped=parts_skipped)
    return _finish(expected, findings, [_qualified(t) for t in tables],
                   tables={_qualified(t): _table_evidence(p, t, facts) for t in tables}, **unmatched)


def _part_kind(t: dict) -> str:
    """What a part of table `t` is to it, at any level."""
    return "partition" if t["kind"] == "p" else "child table"


def _part_label(part_name: str, t: dict, name: str) -> str:
    return f"{part_name} ({_part_kind(t)} of {name})"


def _judge_parts(p: Params, name: str, t: dict, facts: Catalog, findings: Findings, skipped: set[str]) -> None:
    """What a table must not grant or allow, judged on each of its partitions and inheritance children too (but those
    in `skipped`, which is given each one judged here): queried directly, a partition applies its own grants and
    policies, and its rows are the table's — a SELECT granted on orders_2024 reads the 2024 orders."""
    if not (_forbidden(p) or p.no_policies_for or p.no_open_write_policies_for or p.policies_never_mention):
        return
    for part in t["partitions"]:
        part_name = _qualified(part)
        row = facts.relations.get((part["schema"], part["name"]))
        if part_name in skipped:
            continue
        skipped.add(part_name)
        label = _part_label(part_name, t, name)
        if row is None:  # read with its parent in the same query: only a table made since is missing
            findings.errors.append(f"{label} was not read with {name}; check again")
            continue
        _judge_reaching(p, label, row, facts, findings)


def _judge_reaching(p: Params, label: str, row: dict, facts: Catalog, findings: Findings,
                    said_by_rls: bool = True) -> None:
    """What the table must not grant or allow, judged on a relation whose rows are its rows or that reaches them (a
    part, an ancestor): its grants, its row level security, its owner, its policies — unless a lock kept it unread.
    `said_by_rls`: whether `rls: true` on the item already says that relation's row level security is off."""
    unread = _unread_while_locked(p, label, row, negative_only=True)
    if unread:
        findings.errors.append(unread)
        return
    _judge_forbidden_grants(p, label, row["grants"], row["owner"], facts, "relation", findings, row["columns"])
    _check_rls_on(p, label, row, facts, findings, negative_only=True, said_by_rls=said_by_rls)
    _check_owner_bound(p, label, row, facts.roles, findings, negative_only=True)
    _judge_policies(p, label, row["policies"], facts.roles, findings, negative_only=True)


@dataclass(frozen=True)
class Reach:
    """How an ancestor reaches a table's rows (see _judge_ancestors): `depth` levels above it; `part`: where the table
    is one of the item's own, None, else how it is a part of one (`a child table of public.t`)."""

    depth: int
    part: str | None = None


def _ancestor_label(ancestor: str, children: dict[str, Reach]) -> str:
    """`ancestor` as a message writes it: which of the item's tables (or of their parts, for another parent of a
    part) it is a parent (or ancestor) of, whose rows a query on it reaches."""
    if len(children) == 1:
        ((child, reach),) = children.items()
        if reach.part:
            how = "another parent" if reach.depth == 1 else f"another ancestor ({reach.depth} levels up)"
            return f"{ancestor} ({how} of {child}, {reach.part}: the rows of {child} are reachable through it)"
        how = f"parent of {child}" if reach.depth == 1 else f"ancestor of {child}, {reach.depth} levels up"
        return f"{ancestor} ({how}: the rows of {child} are reachable through it)"
    kin = "parent" if {reach.depth for reach in children.values()} == {1} else "ancestor"
    return f"{ancestor} ({kin} of {first_few(list(children))}: their rows are reachable through it)"


def _judge_ancestors(p: Params, reached: dict[tuple[str, str], dict[str, Reach]], facts: Catalog,
                     findings: Findings, skipped: set[str]) -> None:
    """What a table must not grant or allow, judged on each table it is a partition or inheritance child of, at every
    level, and on each other table a part of it is a child of (multiple inheritance) with that one's ancestors
    (`reached`: ancestor -> the item's tables, or their parts, under it), but those in `skipped` (judged already, as a
    table or a part): a query on one reads and writes the table's rows under that one's grants and policies, not the
    table's own — anon updates a child's rows, its RLS forced, through a parent granting it UPDATE with RLS off."""
    for key, children in sorted(reached.items()):
        if qualified(*key) in skipped:
            continue
        label = _ancestor_label(qualified(*key), children)
        row = facts.relations.get(key)
        if row is None:  # read with its child in the same query: only a table made since is missing
            findings.errors.append(f"{label} was not read; check again")
            continue
        _judge_reaching(p, label, row, facts, findings, said_by_rls=False)


def _except_tables(p: Params) -> list[tuple[str, str]]:
    """except_tables as table names are read (the subject's schema by default), in the order written."""
    return list(dict.fromkeys(split_name(n, p.all_tables_in) for n in p.except_tables))


def _matching_nothing(field: str, names: list[str]) -> dict[str, list[str]]:
    """Evidence of the names a field leaves out that match nothing judged (a typo leaves out nothing)."""
    return {f"{field}_matching_nothing": names} if names else {}


def _judge_publications(p: Params, name: str, t: dict, facts: Catalog, findings: Findings) -> None:
    """A table is in a publication where it sends every row a query on the table returns: its own, each partition's
    and each inheritance child's (`publications`); where it sends some of them only (`publications_partly`), the
    table is not in it (realtime would miss the rest), yet it publishes rows all the same. For published_in, one that
    holds it so must also publish each change of those rows in full (`publication_gaps`): insert, update and delete,
    no row filter, every column."""
    partly = t["publications_partly"] if p.published_in or p.not_published_in else {}
    what = "partition" if t["kind"] == "p" else "child table"
    for pub in p.published_in:
        if pub in facts.publications and pub not in t["publications"]:
            part = partly.get(pub)
            detail = (f": it sends the rows of {first_few(_names(part['sent']))}, not those of"
                      f" {first_few(_names(part['unsent']))}") if part else ""
            findings.add(name, *_verb("is not", "are not", f"in publication {pub}{detail}"))
        elif pub in t["publications"]:
            gaps = t["publication_gaps"].get(pub) or {}
            left_out = _left_out(gaps)
            if left_out:
                findings.add(name, *_verb("is", "are", f"in publication {pub}, which leaves out {'; '.join(left_out)}"))
            refused = _refused_for_identity(name, gaps)
            if refused:
                findings.add(name, *_verb("is", "are", f"in publication {pub}, {refused}"))
            for refusal in _refused_by_publications(name, pub, gaps):
                findings.add(name, *_verb("is", "are", f"in publication {pub}, {refusal}"))
    for pub in p.not_published_in:
        if pub in t["publications"]:
            through = (" (itself or through its partitions)" if t["kind"] == "p"
                       else f" (itself and its {what}s)" if t["partitions"] else "")
            findings.add(name, *_verb("is", "are", f"in publication {pub}{through}"))
        elif pub in partly:  # some of its rows are published all the same
            sent = _names(partly[pub]["sent"])
            others = [x for x in sent if x != name]
            if len(others) < len(sent):  # its own rows: an inheritance parent listed without each child
                findings.add(name, *_verb("is", "are", f"in publication {pub}"
                                          + (f" (and so {'is' if len(others) == 1 else 'are'} its {what}"
                                             f"{'s' if len(others) > 1 else ''} {first_few(others)})" if others else "")))
            else:
                findings.add(name, *_verb("has", "have", f"{what}s in publication {pub}: {first_few(others)}"))


def _left_out(gaps: dict) -> list[str]:
    """What a publication holding a table leaves out of its changes, in words: the operations it does not publish,
    the rows a row filter does not pass, the columns a column list does not name."""
    out = []
    if gaps.get("operations"):
        out.append(f"operation{'s' if len(gaps['operations']) > 1 else ''} {', '.join(gaps['operations'])}"
                   " (not in its publish option)")
    for f in gaps.get("filters") or ():
        relation = qualified(*f["relation"])
        out.append(f"the rows its row filter on {relation} does not pass: WHERE {f['filter']}" if f["filter"] is not None
                   else f"the rows its row filter on {relation} does not pass (its expression not read: another"
                        f" session holds an ACCESS EXCLUSIVE lock on {relation})")
    for c in gaps.get("columns") or ():
        if c["columns"]:
            out.append(f"column{'s' if len(c['columns']) > 1 else ''} {', '.join(c['columns'])}"
                       f" (not in its column list of {qualified(*c['relation'])})")
    return out


def _refused_for_identity(table: str, gaps: dict) -> str:
    """Where a publication publishing update or delete holds relations of the table without a usable replica identity,
    in words: which identity each has, that PostgreSQL refuses those commands on them (and so sends none), and the
    fix. (The relations are in the evidence, with `publication_gaps`.)"""
    lacking = gaps.get("no_replica_identity") or []
    if not lacking:
        return ""
    ops = [op for op in ("update", "delete") if op not in (gaps.get("operations") or ())]
    if [qualified(*x["relation"]) for x in lacking] == [table]:
        whose, them = f"it has no usable replica identity ({_identity_text(lacking[0])})", "it"
    else:
        described = [f"{qualified(*x['relation'])} ({_identity_text(x)})" for x in lacking]
        whose = f"{first_few(described)} {'has' if len(lacking) == 1 else 'have'} no usable replica identity"
        them = "it" if len(lacking) == 1 else "them"
    return (f"which publishes {' and '.join(ops)}, yet {whose}: PostgreSQL refuses every"
            f" {' and '.join(op.upper() for op in ops)} of {them} and the publication sends none — add a primary key,"
            " or set REPLICA IDENTITY FULL, or USING INDEX on a valid, unique, non-deferrable index without WHERE")


def _refused_by_publications(table: str, pub: str, gaps: dict) -> list[str]:
    """For each relation of the table that `pub` sends updates or deletes of, and each publication it is in (`pub`
    itself or another) whose row filter, column list or unsent generated columns do not fit its replica identity, in
    words: the commands PostgreSQL refuses on it (so `pub` sends none of them), what of that publication's lacks
    what, and the fix. (The rows are in the evidence, with `publication_gaps`.)"""
    out = []
    for row in gaps.get("refused") or ():
        relation = qualified(*row["relation"])
        them = "it" if relation == table else relation
        other = row["publication"]
        whose = "its own" if other == pub else f"publication {other}'s"
        identity = ("REPLICA IDENTITY FULL" if row["identity"] == "f"
                    else f"the replica identity of {relation} ({', '.join(row.get('identity_columns') or ())})")
        reasons = []
        if row.get("outside_identity"):
            text = f" WHERE {row['filter']}" if row.get("filter") is not None else ""
            if row.get("unapplied_for_schema"):  # sends the rows whole, yet PostgreSQL checks the filter
                text += (f" (unapplied, as the publication lists schema {quote_ident(row['unapplied_for_schema'])}"
                         " too, yet checked)")
            reasons.append(f"{whose} row filter{text} reads {_columns_text(row['outside_identity'])}, outside"
                           f" {identity} — filter on replica identity columns alone, or set REPLICA IDENTITY FULL"
                           f" on {relation}")
        if row.get("uncovered"):
            reasons.append(f"{whose} column list ({', '.join(row['column_list'])}) leaves out"
                           f" {_columns_text(row['uncovered'])} of {identity} — add"
                           f" {'it' if len(row['uncovered']) == 1 else 'them'} to the column list")
        elif row["identity"] == "f" and row.get("column_list"):
            reasons.append(f"{whose} column list ({', '.join(row['column_list'])}) is one PostgreSQL never takes with"
                           f" REPLICA IDENTITY FULL, which {relation} has — drop the column list, or give {relation}"
                           " a replica identity by key that the list covers")
        if row.get("generated"):
            holder = f"REPLICA IDENTITY FULL of {relation}" if row["identity"] == "f" else identity
            reasons.append(f"{holder} holds generated {_columns_text(row['generated'])}, which publication {other}"
                           f" does not publish — set publish_generated_columns = stored on {other}")
        if row.get("virtual"):
            reasons.append(f"REPLICA IDENTITY FULL of {relation} holds virtual generated"
                           f" {_columns_text(row['virtual'])}, which no publication sends — give {relation} a replica"
                           " identity by key")
        ops = row.get("operations") or []
        out.append(f"which publishes {' and '.join(ops)}, yet PostgreSQL refuses every"
                   f" {' and '.join(op.upper() for op in ops)} of {them} and the publication sends none: "
                   + "; ".join(reasons))
    return out


def _columns_text(names: list[str]) -> str:
    return f"column{'s' if len(names) > 1 else ''} {', '.join(quote_ident(n) for n in names)}"


_IDENTITIES = {"d": "DEFAULT", "n": "NOTHING", "i": "USING INDEX", "f": "FULL"}


def _identity_text(row: dict) -> str:
    """A relation's replica identity as it stands, and what keeps PostgreSQL from using it."""
    identity = f"REPLICA IDENTITY {_IDENTITIES.get(row['identity'], row['identity'])}"
    index = row.get("index")
    if row["identity"] == "n":
        return identity
    if index is None:
        return f"{identity}, {'without a primary key' if row['identity'] == 'd' else 'its index dropped'}"
    lacks = [why for why, bad in (("not valid", not index["valid"]), ("not unique", not index["unique"]),
                                  ("DEFERRABLE", not index["immediate"]), ("partial", index["partial"])) if bad]
    what = "its primary key" if row["identity"] == "d" else "its index"
    return f"{identity}, {what} {quote_ident(index['name'])} {', '.join(lacks) or 'not usable'}"


def _names(pairs: list[list[str]] | None) -> list[str]:
    return [qualified(*pair) for pair in pairs or ()]


def _check_publications(p: Params, facts: Catalog, findings: Findings) -> None:
    for pub in p.published_in:
        if pub not in facts.publications:
            findings.item.append(f"publication {pub} does not exist")
    for pub in p.not_published_in:
        if pub not in facts.publications:
            findings.errors.append(f"publication {pub} does not exist on the target; nothing was checked for it")


def _judge_columns(p: Params, name: str, t: dict, facts: Catalog, findings: Findings) -> None:
    named = [*p.columns, *p.not_null, *p.defaults, *p.types, *p.checked]
    if not named and not p.no_columns_of_type:  # columns are read only when the item names some
        return
    columns = {c["name"]: c for c in t["columns"]}
    absent = [c for c in dict.fromkeys(named) if c not in columns]
    if absent:  # reported once, whatever else the item says about these columns
        findings.add(name, *_verb("lacks", "lack", f"column{'s' if len(absent) > 1 else ''} {', '.join(absent)}"))
    _judge_nulls_and_checks(p, name, t, findings)
    for column, want in p.defaults.items():
        if column in columns:
            problem = _default_problem(column, want, *_applied_default(columns[column]))
            if problem:
                findings.add(name, *_verb("has", "have", problem))
    for column, want in p.types.items():
        wants = catalog_types(want, facts.types)
        if column in columns and not any(same_type(w, columns[column]["type"], columns[column]["type_schema"])
                                         for w in wants):
            findings.add(name, *_verb("has", "have", f"{column} of type {columns[column]['type']}, not"
                                                    f" {' or '.join(map(normal_type, wants))}"))
    banned = [x for text in p.no_columns_of_type for x in catalog_types(text, facts.types)]
    for column in t["columns"] if banned else ():
        base = column.get("base") or {}  # a domain's type underneath (pg_upgrade looks through domains too)
        if any(same_type(x, column["type"], column["type_schema"], element=True) for x in banned):
            findings.add(name, *_verb("has", "have", f"column {column['name']} of type {column['type']}"))
        elif base and any(same_type(x, base["type"], base["schema"], element=True) for x in banned):
            findings.add(name, *_verb("has", "have", f"column {column['name']} of type {column['type']}, a domain"
                                                    f" over {base['type']}"))
        else:  # a composite type's field, a range's subtype, a domain under a domain (at any depth): pg_upgrade
            # refuses those too
            held = [x for x in column.get("inside") or []
                    if any(same_type(b, x["type"], x["schema"], element=True) for b in banned)]
            # the innermost named, as `base` is: a domain or composite type on the way only where nothing it holds
            # is banned too (`comp` holding `dint` holding integer, both banned: holds integer)
            held = ([x["type"] for x in held if x.get("kind") not in ("d", "c")]
                    or [x["type"] for x in held])
            if held:
                findings.add(name, *_verb("has", "have", f"column {column['name']} of type {column['type']}, which"
                                                        f" holds {', '.join(sorted(held))}"))


def _judge_nulls_and_checks(p: Params, name: str, t: dict, findings: Findings) -> None:
    """not_null and checked on the rows of `t` itself (a column it lacks is said once, by _judge_columns)."""
    if not (p.not_null or p.checked):
        return
    columns = {c["name"]: c for c in t["columns"]}
    present = [c for c in p.not_null if c in columns and not columns[c]["not_null"]]
    if present:
        findings.add(name, *_verb("allows", "allow", f"NULL in {', '.join(present)}"))
    # PostgreSQL 18+: NOT NULL ... NOT VALID sets attnotnull but leaves the NULLs already there
    not_valid = [k for k in t["constraints"] if k["type"] == "n" and not k["validated"]] if p.not_null else []
    for column in dict.fromkeys(p.not_null):
        invalid = [k["name"] for k in not_valid if column in (k["columns"] or [])]
        if column in columns and columns[column]["not_null"] and invalid:
            findings.add(name, *_verb("has", "have", f"NOT NULL constraint {invalid[0]} on {column} NOT VALID"))
    checks = [k for k in t["constraints"] if k["type"] == "c"] if p.checked else []
    for column in p.checked:
        if column not in columns:
            continue
        covering = [k for k in checks if column in (k["columns"] or [])]
        by_domains = _domain_checks(columns[column])
        if any(k["validated"] for k in covering) or any(k["validated"] for _, k in by_domains):
            continue
        if covering:
            findings.add(name, *_verb("has", "have", f"CHECK {covering[0]['name']} on {column} NOT VALID"))
        elif by_domains:
            domain, k = by_domains[0]
            findings.add(name, *_verb("has", "have",
                                      f"CHECK {k['name']} on {column} NOT VALID (of its domain {domain})"))
        else:
            findings.add(name, *_verb("has", "have", f"no CHECK constraint on {column}"))


def _domain_checks(column: dict) -> list[tuple[str, dict]]:
    """(domain, its CHECK constraint) for each CHECK of the domains the column's type is, nearest first: PostgreSQL
    checks every value stored in the column against each of them (a domain over a domain: every level)."""
    return [(qualified(d["schema"], d["name"]), k) for d in column.get("domains") or () for k in d["checks"]]


def _judge_children_columns(p: Params, name: str, t: dict, facts: Catalog, findings: Findings,
                            skipped: set[str]) -> None:
    """not_null and checked on each partition and inheritance child too (but those in `skipped`, which is given each
    one judged here): their rows are the table's to a query on it, and a child may allow what the table does not —
    a CHECK declared NO INHERIT holds on the table's own rows only (a NOT NULL too, from PostgreSQL 18), and before
    18 ALTER TABLE ONLY drops a child's inherited NOT NULL. A partition cannot differ so, and is judged the same.
    A foreign table fails whatever it declares: PostgreSQL copies the table's NOT NULL and CHECK onto it but never
    enforces them there — its rows are the remote server's, and cannot be shown to hold them (as a CHECK NOT VALID
    cannot)."""
    if not (p.not_null or p.checked):
        return
    for part in t["partitions"]:
        part_name = _qualified(part)
        if part_name in skipped:
            continue
        skipped.add(part_name)
        label = _part_label(part_name, t, name)
        row = facts.relations.get((part["schema"], part["name"]))
        if row is None:  # read with its parent in the same query: only a table made since is missing
            findings.errors.append(f"{label} was not read with {name}; check again")
            continue
        if row["kind"] == "f":
            findings.add(label, *_FOREIGN_CHILD)
            continue
        _judge_nulls_and_checks(p, label, row, findings)


_FOREIGN_CHILD = ("is a foreign table: its rows are the remote server's, PostgreSQL enforces no NOT NULL or CHECK on"
                  " them", "are foreign tables: their rows are the remote server's, PostgreSQL enforces no NOT NULL or"
                  " CHECK on them")


def _applied_default(column: dict) -> tuple[str | None, str | None]:
    """The default an INSERT without the column gets, as PostgreSQL applies it, and the domain it is of (None: the
    column's own): the column's own, else the one stored on its type where that is a domain — get_typdefault reads
    no further down (a domain over a domain copied its base's default when it was created; one set on the base
    later never reaches it). A DEFAULT NULL (the catalog's `default_is_null`: a column's own, kept only over a
    domain to override its default, or a domain's own over a domain) is no default."""
    own = column["default"]
    if own is not None:
        return (None if column.get("default_is_null") is True else own), None
    levels = column.get("domains")
    top = levels[0] if isinstance(levels, list) and levels else None
    if top and top.get("default") is not None and top.get("default_is_null") is not True:
        return top["default"], qualified(top["schema"], top["name"])
    return None, None


def _default_problem(column: str, want: bool | int | float | str, have: str | None,
                     domain: str | None = None) -> str | None:
    source = f"from its domain {domain}" if domain else ""
    if want is True:
        return None if have is not None else f"no default for {column}"
    if want is False:
        return None if have is None else f"a default for {column} ({', '.join(filter(None, (have, source)))})"
    want = str(want)
    if have is None:
        return f"no default for {column} (expected {want})"
    return (None if _same_default(want, have)
            else f"default {have} for {column}{f' ({source})' if source else ''}, not {want}")


def _same_default(want: str, have: str) -> bool:
    """As PostgreSQL prints it, blanks aside (but those inside a quoted literal: `'in progress'` is not
    `'inprogress'`); a trailing cast the item leaves out is not compared. A number is compared as one: PostgreSQL
    prints a negative default quoted and cast (`'-1'::integer`, `'-0.5'::numeric`), `numeric` keeps its scale
    (`1.50`), and `-1e3` reads `'-1000'::numeric`. The catalog is read with search_path pinned to pg_catalog, so
    every name outside it prints qualified; a default written as the app's usual search_path prints it — names in
    public unqualified (`nextval('orders_id_seq'::regclass)`) — is that default too."""
    as_public = as_public_path(have) if "public." not in want else have
    if as_public != have and _same_default(want, as_public):
        return True
    if _squeezed(want) == _squeezed(have):
        return True
    if "::" in want:
        return False
    cast = _TRAILING_CAST.search(have)
    bare = have[:cast.start()] if cast else have
    if _squeezed(bare) == _squeezed(want):
        return True
    number = _NUMBER.fullmatch(want.strip())
    printed = _NUMBER.fullmatch(bare) or (cast is not None and _NUMERIC_CAST.fullmatch(cast.group(1))
                                          and _QUOTED_NUMBER.fullmatch(bare))
    return bool(number and printed) and decimal.Decimal(number.group("n")) == decimal.Decimal(printed.group("n"))


def _squeezed(text: str) -> str:
    """The text without its blanks, those inside a quoted literal or identifier kept."""
    return _QUOTED_OR_BLANK.sub(lambda found: "" if found.group().isspace() else found.group(), text)


_PUBLIC_QUALIFIER = re.compile(r"(?<![\w.\"$])public\.(?=[\w\"])")  # `public.` before a name, as printed
# a quoted literal (its own text, never a name's, unless it is cast to regclass: a relation's name), or a quoted name
_LITERAL_OR_NAME = re.compile(r"'(?:[^']|'')*'(?:::regclass\b)?|\"(?:[^\"]|\"\")*\"")


def as_public_path(printed: str) -> str:
    """What PostgreSQL prints with the app's usual search_path (`"$user", public`), from what it printed with
    search_path pinned to pg_catalog: public's names unqualified — outside literals, and in a regclass literal
    (`nextval('public.orders_id_seq'::regclass)`); a text literal's words (`'public.uploads'`) stay as written."""
    out, at = [], 0
    for found in _LITERAL_OR_NAME.finditer(printed):
        out.append(_PUBLIC_QUALIFIER.sub("", printed[at:found.start()]))
        token = found.group()
        out.append(token.replace("'public.", "'", 1) if token.endswith("::regclass") else token)
        at = found.end()
    out.append(_PUBLIC_QUALIFIER.sub("", printed[at:]))
    return "".join(out)

_QUOTED_OR_BLANK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\s+")
# a type name as format_type prints it: words, a quoted name (any character, "" for "; never two quoted names
# together, which keeps the match linear), a modifier, []
_TRAILING_CAST = re.compile(r'::((?:"(?:[^"]|"")*"(?!")|[\w .$]|\(\d+(?:,\d+)?\)|\[\])+)$')
_NUMERIC_CAST = re.compile(r"(?:integer|bigint|smallint|numeric|real|double precision)(?:\(\d+(?:,\d+)?\))?")
_NUMBER = re.compile(r"(?P<n>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_QUOTED_NUMBER = re.compile(rf"'{_NUMBER.pattern}'")


def _judge_keys(p: Params, name: str, t: dict, findings: Findings) -> None:
    if p.unique is None and not p.foreign_keys_indexed and not p.references_primary_keys_in:
        return  # keys are read only when the item asks about them
    indexes = [i for i in t["indexes"] if i["valid"] and not i["partial"] and i["columns"]]
    # an expression key (lower(email)) has no column name (None): such an index is no column list
    plain = [i for i in indexes if None not in i["columns"]]
    if p.unique is not None:
        keys = [i for i in plain if i["unique"] and sorted(i["columns"]) == sorted(p.unique)]
        # a DEFERRABLE constraint's index checks uniqueness late (indimmediate false): ON CONFLICT cannot use it as
        # its arbiter, nor can a foreign key reference it, so an upsert on these columns fails
        deferred = [i["name"] for i in keys if not i["immediate"]]
        columns = ", ".join(p.unique)
        if not keys:
            findings.add(name, *_verb("has", "have", f"no unique constraint or index on ({columns})"))
        elif len(deferred) == len(keys):
            findings.add(name, *_verb("has", "have", f"unique ({columns}) only as DEFERRABLE {', '.join(deferred)},"
                                                    " which ON CONFLICT cannot use (nor a foreign key reference)"))
        # a query on the table returns its inheritance children's rows too, and PostgreSQL enforces a unique index
        # on its own table's rows only: a child may repeat a parent's key, or another child's, and ON CONFLICT on
        # the parent never sees them. A partitioned table's valid unique index is on every partition's rows too
        children = _inheritance_children(t)
        if children:
            findings.add(name, *_verb("has", "have", f"inheritance child{'ren' if len(children) > 1 else ''}"
                                                    f" {first_few(children)}: PostgreSQL enforces a unique index per"
                                                    f" table only, so ({columns}) may repeat across them (partition"
                                                    f" it declaratively by columns of ({columns}), or drop the"
                                                    " inheritance)"))
    foreign_keys = [k for k in t["constraints"] if k["type"] == "f"]
    if p.foreign_keys_indexed:
        for fk in foreign_keys:
            width = len(fk["columns"])
            if not any(len(i["columns"]) >= width and set(i["columns"][:width]) == set(fk["columns"]) for i in indexes):
                findings.add(name, *_verb("has", "have",
                                          f"no index on foreign key {fk['name']} ({', '.join(fk['columns'])})"))
    for fk in foreign_keys:
        if fk["references"][0] in p.references_primary_keys_in and not fk["references_primary_key"]:
            findings.add(name, *_verb("has", "have", f"foreign key {fk['name']} to {qualified(*fk['references'])}"
                                                    " on a unique key, not its primary key"))


def _inheritance_children(t: dict) -> list[str]:
    """The tables inheriting from `t` (`create table c () inherits (t)`, at every level); none of a partitioned
    table, whose descendants are its partitions."""
    return [] if t["kind"] == "p" else [_qualified(x) for x in t["partitions"]]


_ALWAYS_TRUE = {"true", "1=1"}
_ALWAYS_FALSE = {"false", "1=0", "0=1", "null", "null::boolean"}


def _constant(policy: dict, key: str) -> str | None:
    """PostgreSQL's own value of the policy's `key` expression ("using" / "check") where the catalog found it constant
    (see `_ask_constants`): "true", "false", "null", "raises" or "undecided"; None where it depends on the row (or the
    session, or a function of the database's own), or was not asked."""
    said = policy.get(f"{key}_value")
    return said.split(":", 1)[0] if said else None


def _always_true(policy: dict, key: str | None) -> bool:
    """The policy's `key` expression is TRUE whatever the row, as either reading says: PostgreSQL's value of it, or
    of its constant parts (`_ask_constants`); or its literal spellings, or what sqlglot's simplifier folds to TRUE
    (`true OR owner_id = 1`, `x IS NULL OR x IS NOT NULL`), or `_possible_values` reads TRUE on every row (`id = id`
    of a NOT NULL id). Either is enough: PostgreSQL's values of the parts are taken as free of each other, so `x IS
    NULL OR x IS NOT NULL` is TRUE or FALSE to it (`not null`), TRUE here — where x is a column of a scalar type: not
    where the catalog's tree says the expression tests a column of a row type for NULL (`_row_column_tested`;
    unknown: any column is taken as scalar)."""
    expression = policy[key] if key else None
    if expression is None:
        return False
    return (_constant(policy, key) == "true" or re.sub(r"[\s()]", "", expression.lower()) in _ALWAYS_TRUE
            or _folded(expression, _row_columns(policy, key), _not_null(policy)) == "true")


def _always_false(policy: dict, key: str | None) -> bool:
    """No row passes the policy's `key` expression, as either reading says (see `_always_true`): PostgreSQL's value of
    it, or of its constant parts, is FALSE or NULL, or it raises (the statement fails); or it is FALSE or NULL as
    written or as sqlglot's simplifier folds it (`false AND id > 0`, `x IS DISTINCT FROM x`), or FALSE or NULL on
    every row as `_possible_values` reads it (`NOT (x = x)`, `x IS NULL` of a NOT NULL column)."""
    expression = policy[key] if key else None
    if expression is None:
        return False
    return (_constant(policy, key) in ("false", "null", "not true", "raises")
            or re.sub(r"[\s()]", "", expression.lower()) in _ALWAYS_FALSE
            or _folded(expression, _row_columns(policy, key), _not_null(policy)) in ("false", "null", "not true"))


def _row_columns(policy: dict, key: str) -> bool:
    """The policy's `key` expression tests a column of a row type for NULL, as the catalog's tree says (unknown: no)."""
    return policy.get(f"{key}_row_column_tested") is True


def _not_null(policy: dict) -> frozenset[str]:
    """The columns of the policy's table NOT NULL on every row its policies read, as the catalog says (see
    `_catalog._NOT_NULL_COLUMNS`; unknown: none)."""
    return frozenset(policy.get("not_null_columns") or ())


def _undecided(policy: dict, keys: Iterable[str | None]) -> list[str]:
    """Why PostgreSQL could not say the value of these constant expressions of the policy (a timeout, …)."""
    return [f"{'USING' if key == 'using' else 'WITH CHECK'}: {policy[f'{key}_value'].split(': ', 1)[1]}"
            for key in dict.fromkeys(keys) if key and _constant(policy, key) == "undecided"]


@functools.lru_cache(maxsize=1024)
def _folded(expression: str, row_columns: bool = False, not_null: frozenset[str] = frozenset()) -> str | None:
    """What an expression is whatever the row: "true", "false" or "null" as sqlglot (PostgreSQL dialect) simplifies it
    (`true OR owner_id = 1`), with what it misses of one column read twice (`x IS NULL OR x IS NOT NULL`, `x IS
    DISTINCT FROM x`) — a reading beside PostgreSQL's (see `_always_true`); else what `_possible_values` says the
    folded expression may be ("not true": FALSE or NULL, …); None when it cannot be parsed, or may be anything. The
    simplifier keeps SQL's NULL logic (`a OR NOT a` stays as it is). `row_columns`: some column it tests for NULL is of
    a row type (see `_row_column_tested`); `not_null`: the table's columns NULL on no row (see `_not_null`)."""
    try:
        sqlglot = lazy.load("sqlglot")
        exp = lazy.load("sqlglot.expressions")
        simplify = lazy.load("sqlglot.optimizer.simplify").simplify
        # sqlglot reads `ALL (…)` as a call of a function ALL, which its simplifier negates as a value (NOT (x = ALL
        # a) as x <> ALL a, where it is x <> ANY a): read as the quantifier it is, negated as it negates ANY
        tree = sqlglot.parse_one(expression, read="postgres").transform(
            lambda node: exp.All(this=exp.Paren(this=node.expressions[0])) if isinstance(node, exp.Anonymous)
            and str(node.this).upper() == "ALL" and len(node.expressions) == 1 else node)

        def text_literal(node) -> bool:  # 'a'::text, as PostgreSQL prints a string constant
            return (isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string
                    and node.to.this in (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR)
                    and not node.to.expressions)

        def constant(node) -> bool:
            return isinstance(node, (exp.Boolean, exp.Literal)) or text_literal(node)

        def bare_select(node) -> bool:  # `SELECT <expressions>` and nothing else (no FROM, WHERE, LIMIT …): one row
            return isinstance(node, exp.Select) and all(not value for key, value in node.args.items()
                                                        if key != "expressions")

        def null_constant(node) -> bool:  # NULL, or NULL cast to a type
            return isinstance(node, exp.Null) or (isinstance(node, exp.Cast) and isinstance(node.this, exp.Null))

        def null_test(node):  # `x IS NULL` / `x IS NOT NULL` (negate, or NOT around it): (x, whether NOT), else None
            negated = isinstance(node, exp.Not)
            node = unwrapped(node.this) if negated else node
            if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
                return node.this, negated != bool(node.args.get("negate"))
            return None

        def scalar_column(node) -> bool:  # a column reference (not t.*), none of the expression's of a row type
            return isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier) and not row_columns

        def quantified(node) -> bool:  # ANY / ALL / SOME (…): a set of values (sqlglot may read ALL as a function)
            return isinstance(node, (exp.Any, exp.All, exp.Subquery)) or (
                isinstance(node, exp.Anonymous) and str(node.this).upper() in ("ANY", "ALL", "SOME"))

        def unwrapped(node):
            while isinstance(node, exp.Paren):
                node = node.this
            return node

        def junction_terms(node, kind=None) -> list:  # `a OR (b OR c)`: [a, b, c] (so AND), unwrapped
            node, kind = unwrapped(node), kind or type(node)
            return ([*junction_terms(node.this, kind), *junction_terms(node.expression, kind)]
                    if isinstance(node, kind) else [node])

        def read(node):
            # equality of two string constants does not depend on the cast; order would (collation)
            if isinstance(node, (exp.EQ, exp.NEQ)) and text_literal(node.this) and text_literal(node.expression):
                return node.__class__(this=node.this.this.copy(), expression=node.expression.this.copy())
            # `(SELECT true)`: a subquery of one constant and no FROM is that constant
            if isinstance(node, exp.Subquery) and bare_select(node.this) \
                    and len(node.this.expressions) == 1 and constant(node.this.expressions[0].unalias()):
                return node.this.expressions[0].unalias().copy()
            # COALESCE(NULL::boolean, true, …): the first argument that is a constant and not NULL is the value
            if isinstance(node, exp.Coalesce):
                for argument in [node.this, *node.expressions]:
                    if null_constant(argument):
                        continue
                    return argument.copy() if constant(argument) else node
            # a comparison with NULL (`NULL::integer = 1`, as PostgreSQL prints `null = 1`) is NULL, whatever the other
            # (not against ANY or ALL of an array: of an empty one, FALSE and TRUE)
            if isinstance(node, COMPARISONS) and (null_constant(node.this) or null_constant(node.expression)) \
                    and not any(quantified(side) for side in (node.this, node.expression)):
                return exp.Null()
            # `NULL::boolean IS TRUE` is false (NULL is neither true nor false); a constant IS NULL: whether it is
            if isinstance(node, exp.Is) and null_constant(node.this) and isinstance(node.expression, exp.Boolean):
                return exp.false()
            if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null) and constant(node.this):
                return exp.Boolean(this=bool(node.args.get("negate")))
            # `true = true`, `true IS TRUE`: booleans compared (the simplifier leaves both as they are)
            if isinstance(node, (exp.EQ, exp.NEQ, exp.Is)) and isinstance(node.this, exp.Boolean) \
                    and isinstance(node.expression, exp.Boolean):
                same = node.this.this == node.expression.this
                return exp.Boolean(this=same if not isinstance(node, exp.NEQ) else not same)
            # EXISTS (SELECT 1): a select of no FROM, WHERE, HAVING, LIMIT or OFFSET of constants returns its one row
            # (one of a set-returning function, `SELECT generate_series(1, 0)`, may return none)
            if isinstance(node, exp.Exists) and bare_select(node.this) \
                    and all(constant(e.unalias()) for e in node.this.expressions):
                return exp.true()
            # `1 = ANY (ARRAY[1, 2])`: a constant among constants is each equality, OR-ed
            if isinstance(node, exp.EQ) and constant(node.this) and isinstance(node.expression, exp.Any):
                array = unwrapped(node.expression.this)
                if isinstance(array, exp.Array) and array.expressions and all(map(constant, array.expressions)):
                    return exp.or_(*(read(exp.EQ(this=node.this.copy(), expression=e.copy()))
                                     for e in array.expressions))
            # `x IS NULL OR … OR x IS NOT NULL`: true whatever x is (the simplifier keeps SQL's NULL logic and misses
            # it), in any order among the OR-ed terms (PostgreSQL prints `a OR b OR c` flat) — where x is a column of
            # a scalar type: a row (ROW(a, b), (a, b), a composite column, t.*) is tested field by field, and both
            # are FALSE where some of its fields are NULL
            if isinstance(node, exp.Or):
                tests = {test for term in junction_terms(node) if (test := null_test(term))}
                if any((column, not negated) in tests for column, negated in tests if scalar_column(column)):
                    return exp.true()
            # `x IS NULL AND … AND x IS NOT NULL`: false whatever x is
            if isinstance(node, exp.And):
                tests = {test for term in junction_terms(node) if (test := null_test(term))}
                if any((column, not negated) in tests for column, negated in tests):
                    return exp.false()
            # `x IS [NOT] DISTINCT FROM x` of one column: FALSE (TRUE) whatever x is, NULL too
            if isinstance(node, (exp.NullSafeEQ, exp.NullSafeNEQ)) and isinstance(node.this, exp.Column) \
                    and node.this == node.expression:
                return exp.Boolean(this=isinstance(node, exp.NullSafeEQ))
            return node

        def branches(node) -> bool | None:
            # a CASE whose every result and ELSE is the same TRUE (FALSE), as the simplifier left each, is that for
            # every row, whatever its conditions; without an ELSE, NULL where none is taken
            node = unwrapped(node)
            if isinstance(node, exp.Boolean):
                return node.this
            if not isinstance(node, exp.Case) or node.args.get("default") is None:
                return None
            found = {branches(branch.args.get("true")) for branch in node.args.get("ifs") or ()}
            found.add(branches(node.args["default"]))
            return found.pop() if len(found) == 1 else None

        def same_branches(node):
            value = branches(node) if isinstance(node, exp.Case) else None
            return node if value is None else exp.Boolean(this=value)

        COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE)
        folded = tree.transform(read)
        # sqlglot's simplifier compares a date with a timestamp as text ('…' = '… 00:00:00': false): not run there
        if not any(cast.to.is_type(*exp.DataType.TEMPORAL_TYPES) for cast in tree.find_all(exp.Cast)):
            folded = simplify(folded)
            if any(True for _ in folded.find_all(exp.Case)):
                folded = simplify(folded.transform(same_branches))
        while isinstance(folded, exp.Paren):
            folded = folded.this
        if isinstance(folded, exp.Boolean):
            return "true" if folded.this is True else "false"
        return "null" if null_constant(folded) else _named(_possible_values(folded, not_null))
    except Exception:  # noqa: BLE001 - an expression sqlglot cannot read is judged by its literal spelling alone
        return None


def _write_keys(policy: dict) -> tuple[str | None, str | None]:
    """The expressions a permissive write policy applies: USING (which rows it changes; none for an INSERT) and
    the new row's check (WITH CHECK, which for UPDATE and ALL falls back to USING; none for a DELETE)."""
    command = COMMANDS[policy["command"]]
    check = "check" if policy["check"] is not None else ("using" if command != "insert" else None)
    return ("using" if command != "insert" else None), (check if command != "delete" else None)


def _open_write(policy: dict) -> bool:
    """A permissive write policy one of whose effective expressions is always true. An absent expression
    grants nothing (PostgreSQL then denies), except WITH CHECK, which falls back to USING."""
    if not policy["permissive"] or COMMANDS[policy["command"]] == "select":
        return False
    return any(_always_true(policy, key) for key in _write_keys(policy))


# a comparison of a value with itself where it is not NULL (where it is: NULL); IN (…, x, …) and BETWEEN x AND x as =
_COMPARED_WITH_ITSELF = {"EQ": "t", "GTE": "t", "LTE": "t", "In": "t", "Between": "t", "NEQ": "f", "LT": "f", "GT": "f"}


def _possible_values(node, not_null: frozenset[str]) -> frozenset[str]:
    """What a (sqlglot) boolean expression may be on some row, in three-valued logic (see `ANY`): `x = x` (>=, <=,
    IN (…, x, …), BETWEEN x AND x) is TRUE where x is not NULL and NULL where it is, `x <> x` (<, >) FALSE or NULL;
    `x IS NULL` FALSE where x is never NULL (a column in `not_null`, a constant …; of a boolean, by what it may be);
    NOT, AND, OR, IS [NOT] TRUE / FALSE of what their parts may be. Anything else may be anything."""
    exp = lazy.load("sqlglot.expressions")
    node = node.unnest()
    if isinstance(node, exp.Boolean):
        return frozenset("t" if node.this else "f")
    if isinstance(node, exp.Null):
        return frozenset("n")
    if isinstance(node, exp.Not):
        return frozenset(_NOT[v] for v in _possible_values(node.this, not_null))
    if isinstance(node, (exp.And, exp.Or)):
        table = _AND if isinstance(node, exp.And) else _OR
        left, right = (_possible_values(side, not_null) for side in (node.this, node.expression))
        return frozenset(table[x, y] for x in left for y in right)
    if isinstance(node, exp.Is) and isinstance(node.expression, (exp.Null, exp.Boolean)):
        # IS NULL: TRUE of a NULL; IS TRUE (FALSE): TRUE of a TRUE (FALSE), FALSE of anything else; NOT: `negate`
        tested = ({"n"} if isinstance(node.expression, exp.Null) else {"t" if node.expression.this else "f"})
        found = _possible_values(node.this, not_null) if tested != {"n"} else _nullness(node.this, not_null)
        value = frozenset(("t" if found & tested else "") + ("f" if found - tested else ""))
        return frozenset(_NOT[v] for v in value) if node.args.get("negate") else value
    if (itself := _itself(node)) is not None:
        if isinstance(node, (exp.NullSafeEQ, exp.NullSafeNEQ)):  # IS [NOT] DISTINCT FROM: never NULL
            return frozenset("t" if isinstance(node, exp.NullSafeEQ) else "f")
        return frozenset(_COMPARED_WITH_ITSELF[type(node).__name__]) | (_nullness(itself, not_null) & {"n"})
    if _same_value(node) or _compared(node):  # a boolean column, a comparison: NULL where a part is
        return frozenset("tf") | (_nullness(node, not_null) & {"n"})
    return ANY


def _compared(node) -> list | None:
    """The values a comparison compares (`a = b`, `a IN (b, c)`, `a BETWEEN b AND c`, `a < ANY (ARRAY[b, c])`), each
    one value (`_same_value`); None for another node, for one against ANY / ALL of a subquery or of no ARRAY[…], or one
    of other values."""
    exp = lazy.load("sqlglot.expressions")
    if (quantified := _quantified(node)) is not None:  # as PostgreSQL keeps it written
        sides = [node.this, *quantified[1].expressions]
    elif isinstance(node, (exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE, exp.NullSafeEQ, exp.NullSafeNEQ)):
        sides = [node.this, node.expression]
    elif isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        sides = [node.this, *node.expressions]
    elif isinstance(node, exp.Between):
        sides = [node.this, node.args.get("low"), node.args.get("high")]
    else:
        return None
    sides = [side.unnest() for side in sides]
    return sides if all(map(_same_value, sides)) else None


def _itself(node):
    """The value a comparison compares with itself (`x = x`, `x IN (1, x)`, `x BETWEEN x AND x`, `x IS NOT DISTINCT
    FROM x`, `x = ANY (ARRAY[1, x])`, `x <> ALL (ARRAY[1, x])`, `x < ALL (ARRAY[x])`), else None. Against ANY one
    element x decides where `x op x` is TRUE (an OR of TRUE), against ALL where it is FALSE; else every element must
    be x (`x = ALL (ARRAY[1, x])` is TRUE only where x is 1)."""
    sides = _compared(node)
    if sides is None:
        return None
    first, others = sides[0], sides[1:]
    quantified = _quantified(node)
    itself = _COMPARED_WITH_ITSELF.get(type(node).__name__)
    one_of = type(node).__name__ == "In" or (quantified is not None and (quantified[0], itself) in (
        ("any", "t"), ("all", "f")))
    same = (any if one_of else all)(other == first for other in others)
    return first if same else None


def _quantified(node):
    """("any" or "all", the ARRAY[…]) of a comparison with ANY / ALL of an array written out (`x = ANY (ARRAY[a,
    b])`, as PostgreSQL keeps IN), else None."""
    exp = lazy.load("sqlglot.expressions")
    if not isinstance(node, (exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE)):
        return None
    quantifier = node.expression
    if not isinstance(quantifier, (exp.Any, exp.All)):
        return None
    array = quantifier.this.unnest()
    if not (isinstance(array, exp.Array) and array.expressions):
        return None
    return ("any" if isinstance(quantifier, exp.Any) else "all"), array


def _same_value(node) -> bool:
    """The expression is one value each time a row reads it: of the row's columns (bare: no subquery is read),
    constants, casts, COALESCE, `+ - *` — no function, which may answer each call differently (`random()`)."""
    exp = lazy.load("sqlglot.expressions")
    node = node.unnest()
    if isinstance(node, exp.Column):
        return isinstance(node.this, exp.Identifier)
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
        return True
    if isinstance(node, (exp.Cast, exp.Neg)):
        return _same_value(node.this)
    if isinstance(node, exp.Coalesce):
        return all(_same_value(part) for part in [node.this, *node.expressions])
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
        return _same_value(node.this) and _same_value(node.expression)
    return False


def _nullness(node, not_null: frozenset[str]) -> frozenset[str]:
    """Whether a value may be NULL ("n") and may be another ("v"): a column in `not_null` never NULL, a constant but
    NULL never, a cast, `-` or `+ - *` where a part is, COALESCE where every argument is, a comparison of `_compared`
    values too (PostgreSQL's own operators: NULL of NULL only); of a boolean, by what it may be; else either."""
    exp = lazy.load("sqlglot.expressions")
    node = node.unnest()
    if isinstance(node, exp.Null):
        return frozenset("n")
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier):
        return frozenset("v" if node.name in not_null and not node.table else "nv")
    if isinstance(node, (exp.Literal, exp.Boolean, exp.NullSafeEQ, exp.NullSafeNEQ)):
        return frozenset("v")
    parts = ([node.this] if isinstance(node, (exp.Cast, exp.Neg)) else [node.this, node.expression]
             if isinstance(node, (exp.Add, exp.Sub, exp.Mul)) else _compared(node))
    if parts is not None:
        return frozenset("v") | frozenset().union(*(_nullness(part, not_null) & {"n"} for part in parts))
    if isinstance(node, exp.Coalesce):
        parts = [_nullness(part, not_null) for part in [node.this, *node.expressions]]
        return frozenset("v") | frozenset.intersection(*parts) & {"n"}
    possible = _possible_values(node, not_null)
    return frozenset(("n" if "n" in possible else "") + ("v" if possible - {"n"} else ""))


def _effective(policy: dict, command: str) -> str | None:
    """Which expression PostgreSQL applies for `command` ("using" / "check", None: none): WITH CHECK for an INSERT
    (USING where it has none, as a FOR ALL policy's), USING for the others (which rows it sees or changes)."""
    if command == "insert":
        return "check" if policy["check"] is not None else ("using" if policy["using"] is not None else None)
    return "using" if policy["using"] is not None else None


def _grants_rows(policy: dict, command: str) -> bool:
    """A permissive policy grants rows for `command`: it has the expression PostgreSQL applies, and it is not always
    false (PostgreSQL skips a permissive policy without it: no row)."""
    key = _effective(policy, command)
    return key is not None and not _always_false(policy, key)


def _new_row_check(policy: dict) -> str | None:
    """Which expression an UPDATE's new row must pass: WITH CHECK, else USING (PostgreSQL's fallback)."""
    return "check" if policy["check"] is not None else ("using" if policy["using"] is not None else None)


def _closes_all(policy: dict, command: str) -> bool:
    """A restrictive policy that no row passes for `command` (one without the expression restricts nothing); for an
    UPDATE, no row it lets be seen, or no new row it lets be written."""
    if command == "update" and _always_false(policy, _new_row_check(policy)):
        return True
    return _always_false(policy, _effective(policy, command))


def _covering(policies: list[dict], command: str, role: str, roles: Roles) -> list[dict]:
    """The policies that apply to `role` (named, PUBLIC, or a role it inherits) for `command`, ALL ones included."""
    return [pol for pol in policies if COMMANDS[pol["command"]] in (command, "all")
            and roles.covers(role, pol["roles"] or [PUBLIC])]


def _why_unseen(policies: list[dict], role: str, roles: Roles) -> str | None:
    """Why the role's SELECT policies grant it no row (None: they grant some): no permissive SELECT (or ALL) policy
    for it grants one, or a restrictive one closes them — that one named, for a permissive one exists."""
    covering = _covering(policies, "select", role, roles)
    if not any(pol["permissive"] and _grants_rows(pol, "select") for pol in covering):
        return f"no permissive SELECT policy for {role_label(role)} that grants a row"
    closed = [pol["name"] for pol in covering if not pol["permissive"] and _closes_all(pol, "select")]
    if closed:
        return (f"restrictive SELECT polic{'ies' if len(closed) > 1 else 'y'} {first_few(closed)} always false for"
                f" {role_label(role)}")
    return None


def _a(word: str) -> str:
    """`a DELETE`, `an UPDATE`, `an INSERT`: the article by the word's sound (SQL's commands: by their first letter)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _judge_policies(p: Params, name: str, policies: list[dict], roles: Roles, findings: Findings,
                    negative_only: bool = False) -> None:
    """`negative_only`: what must not be (a policy for a role, one always true, a word), not what must."""
    if p.policies is True and not policies and not negative_only:
        findings.add(name, *_verb("has", "have", "no policy"))
    if p.policies is False and policies and not negative_only:
        names = [pol["name"] for pol in policies]
        findings.add(name, *_verb("has", "have", f"polic{'ies' if len(names) > 1 else 'y'} {first_few(names)}"))
    for command, wanted in ({} if negative_only else p.policies_for).items():
        for role in wanted:
            if not roles.exists(role):
                continue
            covering = _covering(policies, command, role, roles)
            read = [(pol, (_effective(pol, command), _new_row_check(pol) if command == "update" else None))
                    for pol in covering]
            if command in ("update", "delete"):  # (their SELECT policies are read too, see below)
                read += [(pol, (_effective(pol, "select"),)) for pol in _covering(policies, "select", role, roles)]
            if _said_undecided(name, read, f"grants {role_label(role)} a row for {command.upper()}", findings):
                continue
            permissive = [pol for pol in covering if pol["permissive"]]
            granting = [pol for pol in permissive if _grants_rows(pol, command)]
            # an UPDATE needs a row some policy lets be seen and a new row some policy lets be written: the
            # permissive policies' USING and WITH CHECK are each OR-ed, apart
            unwritable = command == "update" and granting and not any(
                _new_row_check(pol) is not None and not _always_false(pol, _new_row_check(pol)) for pol in permissive)
            closed = [pol["name"] for pol in covering if not pol["permissive"] and _closes_all(pol, command)]
            said = f"no permissive {command.upper()} policy for {role_label(role)}"
            if not permissive:
                findings.add(name, *_verb("has", "have", said))
            elif not granting:  # PostgreSQL skips a permissive policy with no expression: it grants no row
                missing = "WITH CHECK or USING" if command == "insert" else "USING"
                findings.add(name, *_verb("has", "have", f"{said} that grants a row: "
                                                        f"{first_few([pol['name'] for pol in permissive])} "
                                                        f"{'has' if len(permissive) == 1 else 'have'} no {missing}"
                                                        " expression, or one that is always false or always raises"
                                                        " an error"))
            elif unwritable:
                findings.add(name, *_verb("has", "have", f"{said} that lets an updated row be written: "
                                                        f"{first_few([pol['name'] for pol in permissive])} "
                                                        f"{'has a' if len(permissive) == 1 else 'have'} WITH CHECK"
                                                        " always false"))
            elif closed:
                findings.add(name, *_verb("has", "have", f"restrictive {command.upper()} polic"
                                                        f"{'ies' if len(closed) > 1 else 'y'} {first_few(closed)}"
                                                        f" always false for {role_label(role)}: no row is granted"))
            elif command in ("update", "delete") and (unseen := _why_unseen(policies, role, roles)):
                # PostgreSQL applies the SELECT policies too where the statement reads a column (its WHERE,
                # RETURNING, `SET n = n + 1`): an UPDATE or DELETE that picks its rows sees none, and changes none
                findings.add(name, *_verb("has", "have", f"{unseen}: {_a(command.upper())} that reads a column "
                                                        f"(WHERE, RETURNING) sees no row, so it {command}s none"))
    for role in p.no_policies_for:
        if not roles.exists(role):
            continue
        bad = [pol["name"] for pol in policies if roles.covers(role, pol["roles"] or [PUBLIC])]
        if bad:
            findings.add(name, *_verb("has", "have",
                                      f"polic{'ies' if len(bad) > 1 else 'y'} {first_few(bad)} for {role_label(role)}"))
    for role in p.no_open_write_policies_for:
        if not roles.exists(role):
            continue
        for pol in policies:
            if not roles.covers(role, pol["roles"] or [PUBLIC]):
                continue
            if _open_write(pol):  # read so by either reading: what PostgreSQL could not evaluate does not hide it
                findings.add(name, *_verb("has", "have", f"{COMMANDS[pol['command']].upper()} policy {pol['name']}"
                                                        f" that is always true for {role_label(role)}"))
            elif pol["permissive"] and COMMANDS[pol["command"]] != "select":
                _said_undecided(name, [(pol, _write_keys(pol))], f"is always true for {role_label(role)}", findings)
    for word in p.policies_never_mention:
        for pol in policies:
            if any(_mentions(expression, word) for expression in (pol["using"], pol["check"]) if expression):
                findings.add(name, *_verb("has", "have", f"policy {pol['name']} mentioning {word}"))


def _said_undecided(name: str, read: list[tuple[dict, tuple[str | None, ...]]], question: str,
                    findings: Findings) -> bool:
    """Whether a constant expression among those read (policy, keys) has no value PostgreSQL could give (it ran out
    of time, …): then the question cannot be answered, which is an error, never a pass."""
    said = False
    for pol, keys in read:
        for why in _undecided(pol, keys):
            problem = (f"{name}: could not tell whether policy {pol['name']} {question}: PostgreSQL did not evaluate"
                       f" its constant {why} — fix: check again (or raise timeouts.statement_ms)")
            if problem not in findings.errors:
                findings.errors.append(problem)
            said = True
    return said


# a quoted string or name (kept as it is), or a run of blanks
_QUOTED_OR_BLANKS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")|\s+""")
_WORD_CHARACTER = re.compile(r"[\w$]")


def _unspaced(text: str) -> str:
    """`text` lower-cased with the blanks outside quotes that only space out operators dropped: one blank stays
    between two word characters (`is not null` is no `isnotnull`), so `1=1` reads as PostgreSQL's `1 = 1` and
    `meta->>'role'` as its `meta ->> 'role'`, while a quoted string keeps its blanks (`'a b'` is not `'ab'`)."""
    def blank(match: re.Match) -> str:
        if match.group(1) is not None:
            return match.group(1)
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        return " " if _WORD_CHARACTER.match(before) and _WORD_CHARACTER.match(after) else ""
    return _QUOTED_OR_BLANKS.sub(blank, text).lower()


def _mentions(expression: str, word: str) -> bool:
    """The policy expression, as `pg_get_expr` prints it back, contains `word`, in any case: as written, or whatever
    the blanks around its operators (PostgreSQL stores `1=1` and prints `(1 = 1)`). As written too, since a word is
    not read as SQL: `"role": "admin"` inside a string literal keeps its blank there, which `_unspaced` drops from
    the word (its `"…"` read as quoted names, the blank between them as outside quotes)."""
    return any(word.lower() in text.lower() or _unspaced(word) in _unspaced(text)
               for text in dict.fromkeys((expression, as_public_path(expression))))


NOT_READ_LOCKED = "(not read: locked by another session)"


def _table_evidence(p: Params, t: dict, facts: Catalog) -> dict[str, Any]:
    """The facts this item reads, per table (not the whole catalog row)."""
    fields = p.model_fields_set
    out: dict[str, Any] = {}
    # the owner, and who inherits from it, is bound only where forced; no one where RLS is off
    if "rls" in fields or _policy_roles(p):
        out["force_rls"] = t["force_rls"]
        out["rls"] = t["rls"]
        if t["partitions"]:
            out["partitions" if t["kind"] == "p" else "child_tables"] = {_qualified(x): x["rls"]
                                                                           for x in t["partitions"]}
    if p.judges_ancestors() and t["ancestors"]:  # their RLS switch, as read (see _judge_ancestors)
        for key, via in (("ancestors", False), ("ancestors_of_parts", True)):
            rows = {_qualified(x): facts.relations.get((x["schema"], x["name"])) for x in t["ancestors"]
                    if bool(x["via"]) == via}
            if rows:
                out[key] = {name: None if row is None else row["rls"] for name, row in rows.items()}
    if t.get("locks"):  # what another session's lock kept from being read (see _unread_while_locked)
        out["locks"] = t["locks"]
    if fields & {"columns", "not_null", "defaults", "types", "checked", "no_columns_of_type"}:
        out["columns"] = {c["name"]: {"type": c["type"], "not_null": c["not_null"],
                                      "default": NOT_READ_LOCKED if isinstance(c["default"], NotRead) else c["default"]}
                          for c in t["columns"]}
    applied = {c["name"]: _applied_default(c) for c in t["columns"] if c["name"] in p.defaults} if p.defaults else {}
    from_domains = {name: f"{default} (from its domain {domain})"
                    for name, (default, domain) in applied.items() if domain}
    if from_domains:  # said: the table's own columns do not show it
        out["defaults_from_domains"] = from_domains
    checked_by_domain = {}
    for column in (c for c in t["columns"] if c["name"] in p.checked) if p.checked else ():
        domains = list(dict.fromkeys(domain for domain, k in _domain_checks(column) if k["validated"]))
        if domains:  # said: the table's own constraints do not show it
            checked_by_domain[column["name"]] = (f"checked by its domain{'s' if len(domains) > 1 else ''}"
                                                 f" {', '.join(domains)}")
    if checked_by_domain:
        out["checked_by_domain"] = checked_by_domain
    if fields & {"not_null", "checked"} and t["partitions"]:  # their rows are the table's (_judge_children_columns)
        rows = {_qualified(x): facts.relations.get((x["schema"], x["name"])) for x in t["partitions"]}
        out["partitions_columns" if t["kind"] == "p" else "child_tables_columns"] = {
            child: None if row is None else {
                **({"foreign_table": True} if row["kind"] == "f" else {}),  # what it declares is not enforced
                "not_null": {c["name"]: c["not_null"] for c in row["columns"] if c["name"] in p.not_null},
                "constraints": [{k: c[k] for k in ("name", "type", "columns", "validated")}
                                for c in row["constraints"] if c["type"] in ("c", "n")]}
            for child, row in rows.items()}
    if fields & {"no_grants_to", "no_write_grants_to", "grants_to"}:
        out["grants"] = _grant_list(t["grants"], t["columns"])
        out["owner"] = role_label(t["owner"])
    if fields & set(POLICY_FIELDS) and isinstance(t["policies"], NotRead):
        out["policies"] = NOT_READ_LOCKED
    elif fields & set(POLICY_FIELDS):
        out["policies"] = [{"name": pol["name"], "command": COMMANDS[pol["command"]], "roles": [role_label(r) for r in pol["roles"] or [PUBLIC]],
                            "permissive": pol["permissive"], "using": pol["using"], "check": pol["check"],
                            # PostgreSQL's own value of a constant expression
                            **{f"{k}_value": pol[f"{k}_value"] for k in ("using", "check") if pol.get(f"{k}_value")}}
                           for pol in t["policies"]]
    if fields & {"unique", "foreign_keys_indexed", "references_primary_keys_in", "checked", "not_null"}:
        out["constraints"] = [{**{k: c[k] for k in ("name", "type", "columns", "validated")},
                               "references": qualified(*c["references"]) if c["references"] else None}
                              for c in t["constraints"]]
        out["indexes"] = [{k: i[k] for k in ("name", "unique", "partial", "valid", "immediate", "columns")}
                          for i in t["indexes"]]
        if p.unique is not None and _inheritance_children(t):  # rows no index of the table covers (_judge_keys)
            out["inheritance_children"] = _inheritance_children(t)
    if fields & {"published_in", "not_published_in"}:
        out["publications"] = t["publications"]
        if t["publications_partly"]:
            out["publications_partly"] = t["publications_partly"]
        if "published_in" in fields and t["publication_gaps"]:
            out["publication_gaps"] = t["publication_gaps"]
    return out


def _grant_list(grants: list[dict], columns: Iterable[dict] = ()) -> list[str]:
    items = {f"{role_label(g['grantee'])}:{g['privilege']}" for g in grants}
    items |= {f"{role_label(g['grantee'])}:{g['privilege']}({c['name']})" for c in columns for g in c.get("grants") or []}
    return sorted(items)


# -- views and foreign tables ----------------------------------------------------------------------
def _judge_relations(p: Params, facts: Catalog) -> Outcome:
    schema = p.views_in or p.foreign_tables_in
    kinds = ("v", "m") if p.views_in else ("f",)
    if p.materialized is not None:
        kinds = ("m",) if p.materialized else ("v",)
    noun = "foreign table" if p.foreign_tables_in else "materialized view" if kinds == ("m",) else "view"
    findings = Findings(noun)
    expected = _describe(p)
    if p.views is not None:  # each named view in its own schema: views_in, unless the name says another
        named = {split_name(n, schema) for n in p.views}
        found = [r for key, r in facts.relations.items()
                 if key in named and r["kind"] in kinds and not r["extension_member"]]
        for missing in sorted(named - {(r["schema"], r["name"]) for r in found}):
            findings.add(qualified(*missing), *_not_a_view(facts.relations.get(missing), kinds))
    else:
        found = [r for (s, _), r in facts.relations.items()
                 if s == schema and r["kind"] in kinds and not r["extension_member"]]
    named_found: list[dict] = []
    through: dict[str, list[str]] = {}  # view -> what of `reading` it reads only through other views
    ancestors: dict[str, dict[str, list[str]]] = {}  # view -> what of `reading` it reads through which parents
    descendants: dict[str, dict[str, list[str]]] = {}  # view -> what of `reading` it reads through which children
    if p.reading:  # what a view reads through other views, parents and children too (see _catalog.ViewGraph)
        through, ancestors, descendants = _read_through_views(found, [split_name(n) for n in p.reading],
                                                              facts.view_graph)
        named_found, found = found, [r for r in found if _qualified(r) in through]
    _check_named_objects(p, facts, findings)
    left = [r for r in named_found if r not in found] if p.views is not None and p.reading else []
    if left and not findings.groups and not findings.errors:
        return _named_left_out(p, f"{noun}s reading {', '.join(p.reading)}", _reading_none(left), expected,
                               {_qualified(r): {"reads": [qualified(*x) for x in r["reads"]]} for r in left},
                               kept=[_qualified(r) for r in found])
    if not found and not findings.groups and not findings.errors:
        what = f"{noun}s" + (f" reading {', '.join(p.reading)}" if p.reading else "")
        return _empty(p, what, f"schema {quote_ident(schema)}", expected, schema in facts.schemas)
    _check_roles(p, facts.roles, findings)
    _check_privileges_exist(p, facts, findings)
    definer_paths: dict[str, dict[str, list[str]]] = {}  # view -> each definer view it reads through -> the path
    for r in found:
        name = _qualified(r)
        if p.security_invoker and r["kind"] == "v" and not r["security_invoker"]:
            findings.add(name, *_verb("runs", "run", "with its owner's privileges (security_invoker is off)"))
        elif p.security_invoker and r["kind"] == "v":
            for inner, path in _definer_views_read(r, facts.view_graph):
                definer_paths.setdefault(name, {})[inner] = path
                findings.add(name, *_verb("reads", "read", f"through view {inner} ({_path_text(path)}), which runs"
                                          " with its owner's privileges (security_invoker is off): what it reads is"
                                          " read with its owner's rights and RLS, not the caller's — set"
                                          f" security_invoker on {inner} too"))
        # named, it was asked to read with the caller's rights, which a materialized view never does (a schema's
        # unnamed ones are not asked: security_invoker is the plain views' there)
        if p.security_invoker and r["kind"] == "m" and p.views is not None:
            findings.add(name, "is a materialized view: it has no security_invoker — its rows are read with its"
                               " owner's rights when refreshed, and anyone granted SELECT on it reads them all",
                         "are materialized views: they have no security_invoker — their rows are read with their"
                         " owners' rights when refreshed, and anyone granted SELECT on one reads them all")
        _judge_grants(p, name, r["grants"], r["owner"], facts, "relation", findings, r["columns"])
    return _finish(expected, findings, [_qualified(r) for r in found],
                   relations={_qualified(r): {"kind": RELATION_KINDS[r["kind"]], "security_invoker": r["security_invoker"],
                                              "reads": [qualified(*x) for x in r["reads"]],
                                              **({"reads_through_views": through[_qualified(r)]}
                                                 if through.get(_qualified(r)) else {}),
                                              **({"reads_through_ancestors": ancestors[_qualified(r)]}
                                                 if _qualified(r) in ancestors else {}),
                                              **({"reads_through_descendants": descendants[_qualified(r)]}
                                                 if _qualified(r) in descendants else {}),
                                              **({"reads_through_definer_views": definer_paths[_qualified(r)]}
                                                 if _qualified(r) in definer_paths else {}),
                                              "grants": _grant_list(r["grants"], r["columns"])}
                              for r in found})


def _reading_none(views: list[dict]) -> str:
    """`public.v reads none of them (it reads public.other)`: what one reads is said, many are only named (their
    evidence has what each reads)."""
    if len(views) > 1:
        return f"{first_few([_qualified(r) for r in views])} read none of them"
    reads = [qualified(*x) for x in views[0]["reads"]]
    return f"{_qualified(views[0])} reads none of them (it reads {first_few(reads) if reads else 'no relation'})"


def _read_through_views(views: list[dict], reading: list[tuple[str, str]], graph) -> tuple[
        dict[str, list[str]], dict[str, dict[str, list[str]]], dict[str, dict[str, list[str]]]]:
    """Of `views`, each reading one of `reading` (itself or through plain views, see ViewGraph.reaching; or one of its
    partition or inheritance parents, at any level, whole; or one of its partitions or inheritance children, at any
    level, ONLY too: their rows are its rows too) -> those it reads only through other views, -> for each it reads
    through such a parent, which, and -> for each it reads through such a child, which (evidence of why it was
    chosen; what it reads itself is its `reads`)."""
    through: dict[str, list[str]] = {}
    ancestors: dict[str, dict[str, list[str]]] = {}
    descendants: dict[str, dict[str, list[str]]] = {}
    below = {target: _readers_of_parts(graph, target) for target in reading}  # once per table, not per view
    for view in views:
        key, name = (view["schema"], view["name"]), _qualified(view)
        own = {tuple(x) for x in view["reads"]}
        read, itself = [], set()
        for target in reading:
            parents = [a for a in graph.ancestors.get(target, ()) if key in graph.reaching(frozenset({a}), whole=True)]
            children = below[target].get(key, [])
            if target in own or parents or children or key in graph.reaching(frozenset({target})):
                read.append(target)
            if target in own or set(parents) & graph.whole.get(key, frozenset()) or own.intersection(children):
                itself.add(target)
            if parents:
                ancestors.setdefault(name, {})[qualified(*target)] = [qualified(*a) for a in parents]
            if children:
                descendants.setdefault(name, {})[qualified(*target)] = [qualified(*c) for c in children]
        if read:
            through[name] = [qualified(*target) for target in sorted(set(read) - itself)]
    return through, ancestors, descendants


def _readers_of_parts(graph, table: tuple[str, str]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """view -> the partitions and inheritance children of `table` (any level) it reads, itself or through plain views,
    whole or ONLY: a query on the table returns their rows, so theirs are its."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for part in graph.descendants.get(table, ()):
        for view in graph.reaching(frozenset({part})):
            out.setdefault(view, []).append(part)
    return out


def _definer_views_read(view: dict, graph) -> list[tuple[str, list[str]]]:
    """Each plain view without security_invoker that a security_invoker view reads, directly or through other
    security_invoker views, with the shortest path to it (names, the view's first), the nearest first. A definer
    view's own reads are its owner's, not followed further; a materialized view is none: its stored rows are its own
    subject; nor the system's views or an extension's: their owner's by design. Read off the graph's walk
    (ViewGraph.definer_views), done once for every view: following each view's next one, no recursion."""
    walked, start = graph.definer_views(), (view["schema"], view["name"])
    paths = []
    for inner in walked.get(start, {}):
        path = [start]
        while path[-1] != inner:  # each next view is one nearer
            path.append(walked[path[-1]][inner][1])
        paths.append(path)
    paths.sort(key=lambda path: (len(path), path))
    return [(qualified(*path[-1]), [qualified(*x) for x in path]) for path in paths]


def _path_text(path: list[str]) -> str:
    """A chain of views as one readable line: its ends kept, a long middle counted (the whole path is in evidence)."""
    if len(path) <= 5:
        return " → ".join(path)
    return f"{' → '.join(path[:3])} → … ({len(path) - 5} more) → {' → '.join(path[-2:])}"


def _not_a_view(relation: dict | None, kinds: tuple[str, ...]) -> tuple[str, str]:
    """Why a named view is not among those judged: absent, of another kind, or an extension's."""
    if relation is None:
        return _verb("does not exist", "do not exist")
    if relation["kind"] in kinds:
        return _verb("belongs", "belong", "to an extension")
    return _verb("is", "are", f"a {RELATION_KINDS.get(relation['kind'], 'relation of kind ' + relation['kind'])}")


# -- functions -------------------------------------------------------------------------------------
FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}  # pg_proc.prokind


def _signature(f: dict) -> str:
    return f"{qualified(f['schema'], f['name'])}({f['args']})"


def _search_path_problem(config: list[str]) -> str | None:
    """Why a function's search_path is not fixed: none set, or pg_temp not listed last. PostgreSQL searches pg_temp
    first for relations unless the path lists it (then where first listed: a later listing of a schema counts for
    nothing), so a caller's temporary table would shadow a table the function reads, with `public` as with
    `pg_temp, public` or `pg_temp, public, pg_temp`. Fixed: pg_temp listed after every other schema (`public, pg_temp`,
    or `public, pg_temp, public`, whose repeat counts for nothing), or an empty path (`''`: every name the function
    uses is qualified). Where pg_catalog comes is not judged: PostgreSQL's documentation asks only that pg_temp come
    last."""
    value = next((c.split("=", 1)[1] for c in config if c.startswith("search_path=")), None)
    if value is None:
        return "a mutable search_path"
    schemas = search_path_schemas(value)
    if all(s == "" for s in schemas):
        return None
    searched = list(dict.fromkeys(schemas))  # PostgreSQL skips a schema listed again: `public, pg_temp, public`
    if "pg_temp" in searched and all(s in ("pg_temp", "") for s in searched[searched.index("pg_temp"):]):
        return None
    # an unquoted name never holds a comma: one that does is a quoted string meant as a list (`to 'public,pg_temp'`)
    quoted_lists = [s for s in schemas if "," in s]
    meant = [m for s in schemas for m in (search_path_schemas(s) if s in quoted_lists else [s])]
    suggested = ", ".join([*dict.fromkeys(quote_ident(s) for s in meant if s not in ("pg_temp", "")), "pg_temp"])
    twice = ", and a schema listed twice is searched where first listed" if schemas.count("pg_temp") > 1 else ""
    one_name = "".join(f"; the quoted string {quote_ident(s)} was taken as one schema name, not a list"
                       for s in quoted_lists)
    return (f"search_path {value} (pg_temp is searched first unless listed last{twice}: a caller's temporary table"
            f" can shadow a table it reads{one_name}{':' if quoted_lists else ';'} write set search_path = {suggested}"
            f"{' (unquoted)' if quoted_lists else ''}, or set search_path = '' and qualify every name)")


def _open_path_problem(p: Params, f: dict, facts: Catalog) -> str | None:
    """A search_path fixed in form that names a schema a distrusted role may CREATE in: anyone can then put a
    function or table there that the function finds first (CVE-2018-1058's pattern). Distrusted: PUBLIC (every
    role; it holds CREATE on `public` before PostgreSQL 15) and each role the item says must not hold privileges
    (`no_grants_to`: with `functions_in` the one such field), whether it holds CREATE itself, through a role it
    inherits, or owns the schema. Other roles are the runbook's own to trust. `$user` names the schema of the role
    the function runs as: a SECURITY DEFINER function's owner (a caller's runs with the caller's own privileges, so a
    schema of the caller's gains it nothing)."""
    value = next((c.split("=", 1)[1] for c in f["config"] or [] if c.startswith("search_path=")), "")
    shown = {}  # each schema searched -> how the path names it
    for schema in search_path_schemas(value):  # (`$user` is read so quoted or not)
        if schema == "$user" and f["security_definer"]:
            shown.setdefault(f["owner"], f'"$user" (its owner\'s, {quote_ident(f["owner"])})')
        else:
            shown.setdefault(schema, quote_ident(schema))
    roles = facts.roles  # (read when the item names roles: PUBLIC alone needs none of it)
    distrusted = [r for r in _forbidden(p)  # (a superuser among them is said by the grants' check)
                  if r != PUBLIC and roles.exists(r) and r not in roles.superusers]
    open_to: dict[str, list[str]] = {}  # schema -> who may create in it, as a message writes it
    missing: dict[str, str] = {}  # schema not there -> who may create it
    fixes: list[str] = []
    for schema in shown:
        if schema in ("", "pg_temp", "pg_catalog") or (schema == "$user" and not f["security_definer"]):
            continue  # (a caller's own schema gains a SECURITY INVOKER function's caller nothing)
        facts_of = facts.schemas.get(schema)
        if not facts_of:  # searched once made: by the first role that may create schemas in the database to do so
            makers = _schema_makers(distrusted, facts)
            if makers is None:
                missing[schema] = "which does not exist (who may create schemas in the database was not read)"
            elif makers:
                missing[schema] = f"which does not exist, and {', '.join(makers)} may create it"
            if makers != []:
                written = '"$user"' if shown[schema].startswith('"$user"') else quote_ident(schema)
                fixes.append(f"drop {written} from the path, or create schema {quote_ident(schema)} owned by a role"
                             " you trust")
            continue
        grants = facts_of.get("grants") or []
        if any(g["grantee"] == PUBLIC and g["privilege"] == "CREATE" for g in grants):
            open_to[schema] = ["PUBLIC may CREATE"]  # every role, the distrusted ones with them
            fixes.append(f"revoke create on schema {quote_ident(schema)} from public")
            continue
        for role in distrusted:
            owning = _owned_by(role, facts_of["owner"], roles)
            via = held_privileges(role, grants, roles, "schema", facts.server_version).get("CREATE")
            if owning:
                open_to.setdefault(schema, []).append(f"{owning} owns it")
                fixes.append(f"alter schema {quote_ident(schema)} owner to a role you trust")
            elif via is not None:
                open_to.setdefault(schema, []).append(f"{_via(role, via)} may CREATE")
                fixes.append(f"revoke create on schema {quote_ident(schema)} from {quote_ident(via)}")
    if not open_to and not missing:
        return None
    where = "; ".join([*(f"{shown[s]}, where {', '.join(who)}" for s, who in open_to.items()),
                       *(f"{shown[s]}, {said}" for s, said in missing.items())])
    return (f"search_path {value} naming {where}: such a role can place an object there that the function finds"
            f" first ({'; '.join(dict.fromkeys(fixes))}; or set search_path = '')")


def _schema_makers(distrusted: list[str], facts: Catalog) -> list[str] | None:
    """Who of PUBLIC and the distrusted roles may create a schema in the database (CREATE on it, held or inherited,
    or owning it), as a message writes each; None when the database's privileges were not read (never "nobody")."""
    database = facts.database
    if not isinstance(database, dict):
        return None
    grants = database.get("grants") or []
    if any(g["grantee"] == PUBLIC and g["privilege"] == "CREATE" for g in grants):
        return ["PUBLIC (every role)"]
    makers = []
    for role in distrusted:
        owning = _owned_by(role, database.get("owner", ""), facts.roles)
        via = held_privileges(role, grants, facts.roles, "database", facts.server_version).get("CREATE")
        if owning:
            makers.append(f"{owning} (owning the database)")
        elif via is not None:
            makers.append(_via(role, via))
    return makers


def _judge_functions(p: Params, facts: Catalog) -> Outcome:
    findings = Findings("function")
    expected = _describe(p)
    found = [f for f in facts.functions if f["schema"] == p.functions_in and not f["extension_member"]]
    if p.functions is not None:
        present = {f["name"] for f in found}
        for missing in (n for n in p.functions if n not in present):
            findings.add(qualified(p.functions_in, missing), *_verb("does not exist", "do not exist"))
        found = [f for f in found if f["name"] in p.functions]
    unmatched = _matching_nothing("except_functions", [n for n in dict.fromkeys(p.except_functions)
                                                       if n not in {f["name"] for f in found}])
    found = [f for f in found if f["name"] not in p.except_functions]
    if p.security_definer_only:
        named_found, found = found, [f for f in found if _runs_as_owner(f)]
        left = [f for f in named_found if not _runs_as_owner(f)] if p.functions is not None else []
        if left and not findings.groups:
            names = [_signature(f) for f in left]
            kinds = sorted({"an aggregate with no SECURITY DEFINER support function" if f["kind"] == "a" else
                            "SECURITY INVOKER" for f in left})
            return _named_left_out(p, "SECURITY DEFINER functions",
                                   f"{first_few(names)} {'is' if len(names) == 1 else 'are'} {' or '.join(kinds)}",
                                   expected, {_signature(f): {"security_definer": False, "kind": f["kind"]}
                                              for f in left}, kept=[_signature(f) for f in found])
    if not found and not findings.groups:
        what = "SECURITY DEFINER functions" if p.security_definer_only else "functions"
        return _empty(p, what, f"schema {quote_ident(p.functions_in)}", expected, p.functions_in in facts.schemas)
    _check_roles(p, facts.roles, findings)
    for f in found:
        name = _signature(f)
        aggregate = f["kind"] == "a"
        if p.security_definer and aggregate:
            findings.add(name, *_verb("is an aggregate,", "are aggregates,", "never SECURITY DEFINER (only support"
                                                                          " functions may be, each a function of"
                                                                          " its own)"))
        elif p.security_definer is not None and f["security_definer"] != p.security_definer:
            findings.add(name, *_verb("is", "are", "SECURITY DEFINER" if f["security_definer"] else "SECURITY INVOKER"))
        # an aggregate has no search_path of its own (no SET): it calls its support functions by oid — an invoker
        # one is judged as a function where its schema is an item's, a SECURITY DEFINER one here too, wherever it
        # lives: it runs as its owner for whoever may EXECUTE the aggregate
        if p.fixed_search_path:
            for label, g in ([(_reached(f, s), {**s, "security_definer": True}) for s in f["definer_support"]]
                             if aggregate else [(name, f)]):
                problem = _search_path_problem(g["config"] or []) or _open_path_problem(p, g, facts)
                if problem:
                    findings.add(label, *_verb("has", "have", problem))
        _judge_grants(p, name, f["grants"], f["owner"], facts, "function", findings)
    return _finish(expected, findings, [_signature(f) for f in found],
                   functions={_signature(f): _function_evidence(f) for f in found}, **unmatched)


def _runs_as_owner(f: dict) -> bool:
    """SECURITY DEFINER, or an aggregate calling a SECURITY DEFINER support function (PostgreSQL checks only the
    aggregate's owner's EXECUTE on it): either runs as its owner for whoever may EXECUTE it."""
    return f["security_definer"] or bool(f["definer_support"])


def _reached(aggregate: dict, support: dict) -> str:
    """A SECURITY DEFINER support function as judged through the aggregate of the item's schema that calls it."""
    return f"{_signature(support)} ({support['role']} function of aggregate {_signature(aggregate)})"


def _function_evidence(f: dict) -> dict:
    shown = {"kind": FUNCTION_KINDS[f["kind"]], "security_definer": f["security_definer"], "config": f["config"] or [],
             "grants": _grant_list(f["grants"]), "owner": role_label(f["owner"])}
    if f["definer_support"]:
        shown["definer_support"] = [{"role": s["role"], "function": _signature(s), "config": s["config"] or [],
                                     "owner": role_label(s["owner"])} for s in f["definer_support"]]
    return shown


# -- extensions ------------------------------------------------------------------------------------
def _version(text: str) -> tuple[tuple[int, ...], tuple[int, int]] | None:
    """The whole version read (a prefix is not a version: 1.5beta1 is not 1.5): its numbers, and its stage — a
    pre-release's (its tag's rank, its number) or, for a release, one above every pre-release's. None: no dotted
    number with at most a pre-release tag after it."""
    match = _INSTALLED_VERSION.fullmatch(text or "")
    if match is None:
        return None
    numbers = tuple(int(x) for x in match.group("number").split("."))
    tag = match.group("tag")
    stage = (_PRE_RELEASE[tag.lower()], int(match.group("count") or 0)) if tag else (len(_PRE_RELEASE), 0)
    return numbers, stage


def _below(have: tuple[tuple[int, ...], tuple[int, int]], want: tuple[tuple[int, ...], tuple[int, int]]) -> bool:
    """`have` is a lower version than `want`: its numbers as numbers, the shorter padded with zeros (1.6 is 1.6.0),
    then a pre-release below its release (1.5beta1 < 1.5rc1 < 1.5)."""
    (have_numbers, have_stage), (want_numbers, want_stage) = have, want
    width = max(len(have_numbers), len(want_numbers))
    padded = (have_numbers + (0,) * (width - len(have_numbers)), want_numbers + (0,) * (width - len(want_numbers)))
    return (padded[0], have_stage) < (padded[1], want_stage)


def _judge_extensions(p: Params, facts: Catalog) -> Outcome:
    findings = Findings("extension")
    expected = _describe(p)
    installed = facts.extensions
    _check_named_objects(p, facts, findings)
    if p.extensions is not None and not p.installed:
        for name in p.extensions:
            if name in installed:
                e = installed[name]
                findings.add(name, *_verb("is", "are", f"installed (version {e['version']} in schema "
                                                       f"{quote_ident(e['schema'])})"))
        return _finish(expected, findings, list(p.extensions), installed=sorted(installed))
    if p.extensions is not None:
        for name in p.extensions:
            if name not in installed:
                findings.add(name, *_verb("is", "are", "not installed"))
        subject = [installed[n] for n in p.extensions if n in installed]
    else:
        subject = [e for n, e in sorted(installed.items()) if n not in p.except_extensions]
        if not subject and not findings.errors:
            return _empty(p, "extensions", "the database", expected, True)
    unmatched = _matching_nothing("except_extensions", [n for n in dict.fromkeys(p.except_extensions)
                                                        if n not in installed])
    for e in subject:
        name = e["name"]
        if name in p.min_versions:
            have, want = _version(e["version"]), _version(p.min_versions[name])
            if have is None:
                findings.errors.append(f"extension {name} has version {e['version']!r}, which cannot be compared")
            elif _below(have, want):
                findings.add(name, *_verb("is", "are", f"at version {e['version']}, below {p.min_versions[name]}"))
        if p.up_to_date:
            if e["default_version"] is None:
                findings.errors.append(f"extension {name}: the server names no default version to compare with")
            elif e["version"] != e["default_version"]:
                findings.add(name, *_verb("is", "are", f"at version {e['version']}, not the default {e['default_version']}"))
        if e["schema"] in p.not_in_schemas:
            findings.add(name, *_verb("is", "are", f"installed in schema {quote_ident(e['schema'])}"))
    return _finish(expected, findings, [e["name"] for e in subject],
                   extensions={e["name"]: {k: e[k] for k in ("schema", "version", "default_version")} for e in subject},
                   **unmatched)


# -- schemas ---------------------------------------------------------------------------------------
def _judge_schemas(p: Params, facts: Catalog) -> Outcome:
    findings = Findings("schema")
    expected = _describe(p)
    _check_roles(p, facts.roles, findings)
    present = []
    for name in p.schemas or []:
        schema, shown = facts.schemas.get(name), quote_ident(name)
        if schema is None:
            findings.add(shown, *_verb("does not exist", "do not exist"))
            continue
        present.append(name)
        if schema.get("grants") is None:
            findings.errors.append(f"schema {shown}: its privileges were not read")
            continue
        _judge_grants(p, shown, schema["grants"], schema["owner"], facts, "schema", findings)
    return _finish(expected, findings, [quote_ident(n) for n in present],
                   schemas={quote_ident(n): _grant_list(facts.schemas[n].get("grants") or []) for n in present})


# -- the expectation, in words ---------------------------------------------------------------------
def _describe(p: Params) -> str:
    return ", ".join([_describe_subject(p), *_describe_fields(p)])


def _describe_subject(p: Params) -> str:
    if p.table:
        return f"{p.table} exists"
    if p.tables:
        return f"{', '.join(p.tables)} exist{'s' if len(p.tables) == 1 else ''}"
    if p.all_tables_in:
        excepted = ", ".join(qualified(*key) for key in _except_tables(p))
        return f"every table in {quote_ident(p.all_tables_in)}" + (f" except {excepted}" if excepted else "")
    if p.views_in or p.foreign_tables_in:
        noun = ("foreign table" if p.foreign_tables_in else
                {None: "view", True: "materialized view", False: "plain view"}[p.materialized])
        base = (f"{noun}s {', '.join(p.views)} in {quote_ident(p.views_in)}" if p.views is not None
                else f"every {noun} in {quote_ident(p.views_in or p.foreign_tables_in)}")
        return base + (f" reading {', '.join(p.reading)}" if p.reading else "")
    if p.functions_in:
        kind = "SECURITY DEFINER function" if p.security_definer_only else "function"
        base = (f"{kind}s {', '.join(map(quote_ident, p.functions))} in {quote_ident(p.functions_in)}"
                if p.functions is not None else f"every {kind} in {quote_ident(p.functions_in)}")
        return base + (f" except {', '.join(map(quote_ident, p.except_functions))}" if p.except_functions else "")
    if p.extensions is not None:
        return f"extension{'s' if len(p.extensions) > 1 else ''} {', '.join(p.extensions)}" + (
            " installed" if p.installed else " not installed")
    if p.all_extensions:
        return "every extension" + (f" except {', '.join(p.except_extensions)}" if p.except_extensions else "")
    schemas = [quote_ident(s) for s in p.schemas or []]
    return f"schema {schemas[0]} exists" if len(schemas) == 1 else f"schemas {', '.join(schemas)} exist"


def _roles_text(roles: Iterable[str]) -> str:
    return "/".join(role_label(r) for r in roles)


def _describe_fields(p: Params) -> list[str]:
    parts: list[str] = []
    add = parts.append
    if p.columns:
        add(f"with columns {', '.join(p.columns)}")
    if p.not_null:  # "NOT NULL on": a list of its own, never read as more of the columns' list before it
        add(f"NOT NULL on {', '.join(p.not_null)}")
    for column, want in p.defaults.items():
        add(f"{column} {'with a default' if want is True else 'without a default' if want is False else f'default {want}'}")
    for column, want in p.types.items():
        add(f"{column} of type {normal_type(want)}")
    if p.checked:
        add(f"CHECK on {', '.join(p.checked)}")
    if p.no_columns_of_type:
        add(f"no column of type {', '.join(p.no_columns_of_type)}")
    if p.rls is not None:
        add(f"RLS {'on' if p.rls else 'off'}")
    if p.unique:
        add(f"unique ({', '.join(p.unique)})")
    if p.foreign_keys_indexed:
        add("an index on every foreign key")
    if p.references_primary_keys_in:
        add(f"foreign keys into {', '.join(map(quote_ident, p.references_primary_keys_in))} on primary keys")
    if p.published_in:
        add(f"in publication {', '.join(p.published_in)}")
    if p.not_published_in:
        add(f"not in publication {', '.join(p.not_published_in)}")
    if p.policies is not None:
        add("at least one policy" if p.policies else "no policy")
    for command, roles in p.policies_for.items():
        add(f"{command.upper()} policies for {_roles_text(roles)}")
    if p.no_policies_for:
        add(f"no policies for {_roles_text(p.no_policies_for)}")
    if p.no_open_write_policies_for:
        add(f"no always-true write policy for {_roles_text(p.no_open_write_policies_for)}")
    if p.policies_never_mention:
        add(f"no policy mentioning {', '.join(p.policies_never_mention)}")
    if isinstance(p.no_grants_to, dict):
        parts.extend(f"no {'/'.join(privileges)} for {role_label(role)}" for role, privileges in p.no_grants_to.items())
    elif p.no_grants_to:
        add(f"no grants to {_roles_text(p.no_grants_to)}")
    if p.no_write_grants_to:
        add(f"no write grants to {_roles_text(p.no_write_grants_to)}")
    parts.extend(f"{'/'.join(privileges)} granted to {role_label(role)}" for role, privileges in p.grants_to.items())
    if p.security_definer is not None:
        add("SECURITY DEFINER" if p.security_definer else "SECURITY INVOKER")
    if p.fixed_search_path:
        add("with a fixed search_path")
    if p.security_invoker:
        add("security_invoker on")
    for name, version in p.min_versions.items():
        add(f"{name} at least {version}")
    if p.up_to_date:
        add("at the server's default version")
    if p.not_in_schemas:
        add(f"not in schema {', '.join(map(quote_ident, p.not_in_schemas))}")
    return parts
