"""A name an item writes either names something or is a config error at load: an empty or blank name (`table: ''`,
`extensions: ['']`) would judge nothing — `table: ''` passed as "0 tables as expected" on a table with RLS off and
ALL granted to anon — and a table name no reading makes one table of (`'"a'`, `a.b.c`, `a..b`) ended as a FAIL
about a mangled name that does not exist. Both are refused as the item is loaded (exit 20), naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify import exitcodes
from opsverify.checklist import load_item_params
from opsverify.families import schema
from opsverify.families._common import split_name
from opsverify.families.migration_tools._model import Table

from .project import Project

# every field of the schema family that names something, with the params around it: (params, field)
NAMED = [
    ({"table": "{}", "rls": True}, "table"),
    ({"tables": ["{}"], "rls": True}, "tables"),
    ({"all_tables_in": "{}", "rls": True}, "all_tables_in"),
    ({"views_in": "{}", "security_invoker": True}, "views_in"),
    ({"foreign_tables_in": "{}", "no_grants_to": ["anon"]}, "foreign_tables_in"),
    ({"functions_in": "{}", "fixed_search_path": True}, "functions_in"),
    ({"extensions": ["{}"], "installed": False}, "extensions"),
    ({"schemas": ["{}"], "no_grants_to": ["anon"]}, "schemas"),
    ({"all_tables_in": "public", "except_tables": ["{}"], "rls": True}, "except_tables"),
    ({"views_in": "public", "views": ["{}"], "security_invoker": True}, "views"),
    ({"views_in": "public", "reading": ["{}"], "security_invoker": True}, "reading"),
    ({"functions_in": "public", "functions": ["{}"], "fixed_search_path": True}, "functions"),
    ({"functions_in": "public", "except_functions": ["{}"], "fixed_search_path": True}, "except_functions"),
    ({"all_extensions": True, "except_extensions": ["{}"], "up_to_date": True}, "except_extensions"),
    ({"table": "t", "columns": ["{}"]}, "columns"),
    ({"table": "t", "not_null": ["{}"]}, "not_null"),
    ({"table": "t", "defaults": {"{}": True}}, "defaults"),
    ({"table": "t", "types": {"{}": "uuid"}}, "types"),
    ({"table": "t", "checked": ["{}"]}, "checked"),
    ({"table": "t", "unique": ["{}"]}, "unique"),
    ({"table": "t", "references_primary_keys_in": ["{}"]}, "references_primary_keys_in"),
    ({"table": "t", "published_in": ["{}"]}, "published_in"),
    ({"table": "t", "not_published_in": ["{}"]}, "not_published_in"),
    ({"table": "t", "policies_never_mention": ["{}"]}, "policies_never_mention"),
    ({"extensions": ["pg_cron"], "min_versions": {"{}": "1.5"}}, "min_versions"),
    ({"extensions": ["pg_cron"], "not_in_schemas": ["{}"]}, "not_in_schemas"),
]


def _written(params, name: str):
    """`params` with `{}` (in a value, a list or a mapping's key) replaced by `name`."""
    def fill(value):
        if isinstance(value, str):
            return value.replace("{}", name) if value == "{}" else value
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        return value
    return {key: fill(value) for key, value in params.items()}


def test_every_field_that_names_something_is_covered():
    """A name-like field added later is added here: else its empty name could pass unseen."""
    not_names = {"all_extensions", "materialized", "security_definer_only", "allow_empty", "no_columns_of_type", "rls",
                 "foreign_keys_indexed", "policies", "policies_for", "no_policies_for", "no_open_write_policies_for",
                 "no_grants_to", "no_write_grants_to", "grants_to", "security_definer", "fixed_search_path",
                 "security_invoker", "installed", "up_to_date"}  # switches, and roles and types (read on their own)
    assert {field for _, field in NAMED} == set(schema.Params.model_fields) - not_names


# the fields that read a name in double quotes
QUOTING = ("table", "tables", "all_tables_in", "views_in", "foreign_tables_in", "functions_in", "schemas",
           "except_tables", "views", "reading", "functions", "except_functions", "references_primary_keys_in",
           "not_in_schemas")


@pytest.mark.parametrize("name", ["", "  ", '""'], ids=["empty", "blank", "empty-quoted"])
@pytest.mark.parametrize("params, field", NAMED, ids=[field for _, field in NAMED])
def test_an_empty_or_blank_name_is_refused_at_load(params, field, name):
    if not name.startswith('"') or field in QUOTING:
        with pytest.raises(ValidationError) as refused:
            schema.Params.model_validate(_written(params, name))
        assert refused.value.errors()[0]["loc"][0] == field, refused.value
        assert "empty" in str(refused.value) or "blank" in str(refused.value), refused.value


@pytest.mark.parametrize("written, why", [
    ('"a', "a double quote is left open"),
    ('"a"."b"."c"', "3 parts"),
    ("a.b.c", "3 parts"),
    ("a..b", "an empty part"),
    (".", "an empty part"),
    (".x", "an empty part"),
    ("x.", "an empty part"),
    ('"a".""', "an empty part"),
    ("a. ", "a blank part"),
])
@pytest.mark.parametrize("field", ["table", "tables", "except_tables", "views", "reading"])
def test_a_table_name_that_names_no_table_is_refused_at_load(field, written, why):
    params = _written(next(p for p, f in NAMED if f == field), written)
    with pytest.raises(ValidationError) as refused:
        schema.Params.model_validate(params)
    assert refused.value.errors()[0]["loc"][0] == field, refused.value
    assert why in str(refused.value) and "schema." in str(refused.value), refused.value


@pytest.mark.parametrize("field", QUOTING)
def test_a_name_blank_inside_its_quotes_is_a_name(field):
    """PostgreSQL takes `create table " " ()`: a quoted name is exact, and one blank is a name (`""` is none)."""
    params = _written(next(p for p, f in NAMED if f == field), '" "')
    schema.Params.model_validate(params)


@pytest.mark.parametrize("written, why", [
    ('"a"b', "text after a closing double quote"),
    ('x."a"b', "text after a closing double quote"),
    ('a"b"', "a double quote inside a part not in double quotes"),
    ('a"b', "a double quote inside a part not in double quotes"),
    ('a""b', "a double quote inside a part not in double quotes"),
    ('"Billing" . invoices', "a blank outside double quotes"),
    ('"Billing".invoices ', "a blank outside double quotes"),
    ('x."a b" ', "a blank outside double quotes"),
    ('Billing .invoices', "a blank outside double quotes"),
    (' jobs', "a blank outside double quotes"),
])
@pytest.mark.parametrize("field", ["table", "except_tables", "views", "reading"])
def test_a_table_name_sql_reads_otherwise_is_refused_at_load(field, written, why):
    """`"a"b` and `a"b"` are no SQL name, and read as `ab`; around a dot SQL drops a blank that a name as the catalog
    spells it keeps (`"Billing" . invoices` was schema `Billing ` and table ` invoices`): each is refused, saying
    why and how to write it, not judged as a table no database has."""
    params = _written(next(p for p, f in NAMED if f == field), written)
    with pytest.raises(ValidationError) as refused:
        schema.Params.model_validate(params)
    assert refused.value.errors()[0]["loc"][0] == field, refused.value
    assert why in str(refused.value) and "schema." in str(refused.value), refused.value
    with pytest.raises(ValueError, match="schema.table"):
        Table.parse(written)


@pytest.mark.parametrize("written, why", [
    ('"App"x', "text after a closing double quote"),
    ('A"pp"', "a double quote inside a part not in double quotes"),
    ('"App" ', "a blank outside double quotes"),
    ('public ', "a blank outside double quotes"),
])
@pytest.mark.parametrize("field", ["all_tables_in", "schemas", "functions", "not_in_schemas"])
def test_a_schema_or_function_name_sql_reads_otherwise_is_refused_at_load(field, written, why):
    params = _written(next(p for p, f in NAMED if f == field), written)
    with pytest.raises(ValidationError) as refused:
        schema.Params.model_validate(params)
    assert refused.value.errors()[0]["loc"][0] == field, refused.value
    assert why in str(refused.value), refused.value


def test_a_run_refuses_a_name_sql_reads_otherwise_before_it_connects(tmp_path):
    project = Project(tmp_path)
    project.checklist("shop", """\
        - {id: DB-1, name: spaced, section: Database, title: t has RLS on, family: schema, cadence: postdeploy,
           severity: critical, params: {table: '"Billing" . invoices', rls: true}}
        """)
    project.environment("systems:\n  shop:\n    database: postgresql://checker:not-a-secret-9@127.0.0.1:9/x\n")
    ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output
    said = [line.strip() for line in ran.done.stderr.splitlines() if "shop.yaml" in line]
    assert len(said) == 1, ran.done.stderr
    assert "DB-1-spaced: params.table: '\"Billing\" . invoices' is no table name (a blank outside double quotes" \
        in said[0], said[0]


@pytest.mark.parametrize("written, read", [
    ("jobs", ("public", "jobs")),
    ("select", ("public", "select")),
    ("a$b", ("public", "a$b")),
    ("Ünï", ("public", "Ünï")),
    ("my app.my table", ("my app", "my table")),
    ('"a""b"', ("public", 'a"b')),
    ('" "', ("public", " ")),
    ('" "." "', (" ", " ")),
    ("auth.users", ("auth", "users")),
    ('"billing.v2".invoices', ("billing.v2", "invoices")),
    ('"App"."Users"', ("App", "Users")),
    ('App."Users"', ("App", "Users")),
    ('"a.b"', ("public", "a.b")),
    ('"say ""hi"""', ("public", 'say "hi"')),
    ('" padded "', ("public", " padded ")),
])
def test_a_table_name_that_names_a_table_still_reads_as_it_did(written, read):
    assert split_name(written) == read
    assert schema.Params.model_validate({"table": written, "rls": True}).table_names() == [read]


@pytest.mark.parametrize("written", ["", " ", "a..b", "a.b.c", '"a', "."])
def test_the_migrations_history_table_is_read_by_the_same_parser(written):
    with pytest.raises(ValueError, match="schema.table"):
        Table.parse(written)
    with pytest.raises((ValidationError, ValueError), match="schema.table"):
        load_item_params("migrations", {"tool": "prisma", "none_failed": True, "table": written})


def test_a_run_refuses_an_empty_subject_before_it_connects(tmp_path):
    """As the probe ran it: `table: ''` and `all_tables_in: ''` had passed, judging nothing; each is now one line
    naming the item and the field, and the run exits 20 without asking the database anything."""
    project = Project(tmp_path)
    project.checklist("shop", """\
        - {id: DB-1, name: rls-on, section: Database, title: t has RLS on, family: schema, cadence: postdeploy,
           severity: critical, params: {table: '', rls: true, no_grants_to: [anon]}}
        - {id: DB-2, name: rls-all, section: Database, title: every table has RLS on, family: schema,
           cadence: postdeploy, severity: critical, params: {all_tables_in: '', rls: true}}
        - {id: DB-3, name: mangled, section: Database, title: t has RLS on, family: schema, cadence: postdeploy,
           severity: critical, params: {table: 'a..b', rls: true}}
        """)
    project.environment("systems:\n  shop:\n    database: postgresql://checker:not-a-secret-9@127.0.0.1:9/x\n")
    ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output
    assert "Traceback" not in ran.output and "passed" not in ran.done.stdout, ran.output
    said = [line.strip() for line in ran.done.stderr.splitlines() if "shop.yaml" in line]
    assert len(said) == 3, ran.done.stderr
    assert said[0].endswith("DB-1-rls-on: params.table: an empty name is no table name: write table or schema.table,"
                            " each part as the catalog spells it or in double quotes as SQL writes it, a quote inside"
                            " doubled ('\"billing.v2\".invoices')"), said[0]
    assert "DB-2-rls-all: params.all_tables_in: an empty name is no schema name" in said[1], said[1]
    assert "DB-3-mangled: params.table: 'a..b' is no table name (an empty part): write table or schema.table" in said[2]


# -- a NUL, and the blanks SQL drops ---------------------------------------------------------------
# every field that names a role or a type, beside NAMED's: (params, field)
ROLES_AND_TYPES = [
    ({"table": "t", "policies_for": {"select": ["{}"]}}, "policies_for"),
    ({"table": "t", "no_policies_for": ["{}"]}, "no_policies_for"),
    ({"table": "t", "no_open_write_policies_for": ["{}"]}, "no_open_write_policies_for"),
    ({"table": "t", "no_grants_to": ["{}"]}, "no_grants_to"),
    ({"table": "t", "no_grants_to": {"{}": ["INSERT"]}}, "no_grants_to"),
    ({"table": "t", "no_write_grants_to": ["{}"]}, "no_write_grants_to"),
    ({"table": "t", "grants_to": {"{}": ["SELECT"]}}, "grants_to"),
    ({"table": "t", "types": {"id": "{}"}}, "types"),
    ({"table": "t", "no_columns_of_type": ["{}"]}, "no_columns_of_type"),
]


@pytest.mark.parametrize("name", ["t\x00x", '"t\x00x"', "app.t\x00", "\x00"], ids=["bare", "quoted", "end", "alone"])
@pytest.mark.parametrize("params, field", NAMED + ROLES_AND_TYPES, ids=[f for _, f in NAMED + ROLES_AND_TYPES])
def test_a_nul_in_a_name_is_refused_at_load(params, field, name):
    """PostgreSQL's text holds no NUL: a name with one was accepted, and the group's one catalog query then failed on
    it ("text fields cannot contain NUL"), every item of the group an ERROR. Refused at load, naming the field."""
    with pytest.raises(ValidationError) as refused:
        schema.Params.model_validate(_written(params, name))
    assert refused.value.errors()[0]["loc"][0] == field, refused.value
    assert "a NUL character" in str(refused.value), refused.value
    assert "\x00" not in refused.value.errors()[0]["msg"], refused.value  # shown as its escape


def test_a_run_refuses_a_nul_in_a_name_before_it_connects(tmp_path):
    project = Project(tmp_path)
    project.checklist("shop", """\
        - {id: DB-1, name: nul, section: Database, title: t has RLS on, family: schema, cadence: postdeploy,
           severity: critical, params: {table: "t\\0x", rls: true}}
        - {id: DB-2, name: fine, section: Database, title: ok has RLS on, family: schema, cadence: postdeploy,
           severity: critical, params: {table: ok, rls: true}}
        """)
    project.environment("systems:\n  shop:\n    database: postgresql://checker:not-a-secret-9@127.0.0.1:9/x\n")
    ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output
    said = [line.strip() for line in ran.done.stderr.splitlines() if "shop.yaml" in line]
    assert len(said) == 1, ran.done.stderr
    assert "DB-1-nul: params.table: 't\\x00x' is no table name (a NUL character" in said[0], said[0]


@pytest.mark.parametrize("written, read", [
    ("tbl\u00a0", ("public", "tbl\u00a0")),
    ("\u00a0tbl", ("public", "\u00a0tbl")),
    ("app\u3000.t", ("app\u3000", "t")),
    ("app.\u00a0", ("app", "\u00a0")),
    ("t\u2028", ("public", "t\u2028")),
    ("\x85", ("public", "\x85")),
])
def test_a_bare_name_ending_in_a_blank_sql_keeps_is_that_name(written, read):
    """PostgreSQL's scanner reads every character above ASCII as part of an identifier (`create table public.tbl<NBSP>
    ()` makes 'tbl\\xa0'): only the ASCII blanks of its `space` class ( \\t\\n\\r\\f, and \\v from PostgreSQL 16) are
    dropped — a non-ASCII blank at an end had been refused as one SQL drops."""
    assert split_name(written) == read
    assert schema.Params.model_validate({"table": written, "rls": True}).table_names() == [read]
    schema.Params.model_validate({"all_tables_in": read[0], "rls": True})
    assert schema.Params.model_validate({"table": "t", "columns": [read[1]]}).columns == [read[1]]


@pytest.mark.parametrize("blank", [" ", "\t", "\n", "\r", "\f", "\v"], ids=repr)
def test_a_bare_name_ending_in_an_ascii_blank_is_still_refused(blank):
    """SQL drops them (PostgreSQL 15 refuses \\v outright, 16+ drops it): the name SQL reads is not the one written."""
    for field, written in (("table", f"t{blank}"), ("table", f"{blank}t"), ("all_tables_in", f"app{blank}")):
        with pytest.raises(ValidationError, match="a blank outside double quotes"):
            schema.Params.model_validate({field: written, "rls": True})
    with pytest.raises(ValidationError, match="blank"):
        schema.Params.model_validate({"table": "t", "columns": [blank * 2]})


def test_a_type_name_beginning_with_a_blank_sql_keeps_keeps_it():
    """`create type "\\xa0mood"`, written bare: the blank is the name's, not space before it."""
    assert schema.Params.model_validate({"table": "t", "no_columns_of_type": ["\u00a0mood"]})
    from opsverify.families._catalog import parse_type
    assert parse_type("\u00a0mood").name == '"\u00a0mood"'
    assert parse_type(" mood ").name == "mood"
