"""Table-driven tests of the `schema` family's pure judge: fabricated catalog facts in, outcome out."""

from __future__ import annotations


import pytest
import yaml
from pydantic import ValidationError

from opsverify.checklist import load_checklists
from opsverify.errors import ConfigError

from opsverify.families import schema
from opsverify.families._catalog import PUBLIC, normal_type, role_label, role_name, same_type
from opsverify.outcome import Status

from .catalog import (catalog, column, constraint, domain, extension, function, index, policy, role, table,
                      view)
from .kit import make_check

PASSED, FAILED, ERROR = Status.PASSED, Status.FAILED, Status.ERROR


def judge(params: dict, facts):
    check = make_check("schema", params)
    outcome = schema.judge(check, facts)
    # the catalog query reads only the item's own sections: judged on those alone, the same outcome
    assert schema.judge(check, facts.only(check.params.catalog_sections())) == outcome
    return outcome


def verdict(params, facts, status, seen=""):
    outcome = judge(params, facts)
    assert outcome.status is status, outcome
    assert seen in outcome.observed, outcome.observed
    return outcome


# -- tables: columns, RLS, keys ------------------------------------------------------------------
@pytest.mark.parametrize("params, facts, status, seen", [
    ({"table": "public.jobs", "columns": ["updated_at"], "rls": True}, catalog(table()), PASSED, "1 table as expected"),
    ({"table": "public.jobs", "columns": ["provider_error"]}, catalog(table()), FAILED,
     "table public.jobs lacks column provider_error"),
    ({"table": "public.jobs", "rls": True}, catalog(table(rls=False)), FAILED, "row level security off"),
    ({"table": "public.jobs", "rls": False}, catalog(table(rls=True)), FAILED, "row level security on"),
    ({"table": "public.gone", "columns": ["a", "b"]}, catalog(table()), FAILED, "table public.gone does not exist"),
    ({"table": "public.jobs"}, catalog(view("jobs")), FAILED, "table public.jobs is a view"),
    ({"tables": ["jobs", "public.orders"]}, catalog(table()), FAILED, "table public.orders does not exist"),
    ({"table": "public.jobs", "unique": ["order_gid"]}, catalog(table()), FAILED,
     "no unique constraint or index on (order_gid)"),
    ({"table": "public.jobs", "unique": ["b", "a"]}, catalog(table(indexes=[index("k", ["a", "b"])])), PASSED, ""),
    ({"table": "public.jobs", "unique": ["a"]}, catalog(table(indexes=[index("k", ["a"], partial=True)])), FAILED,
     "no unique constraint"),
    ({"table": "public.jobs", "unique": ["a"]}, catalog(table(indexes=[index("k", ["a"], valid=False)])), FAILED,
     "no unique constraint"),
    ({"all_tables_in": "public", "rls": True}, catalog(table(), table("b", rls=False)), FAILED,
     "table public.b has row level security off"),
    ({"all_tables_in": "public", "rls": True, "except_tables": ["b"]}, catalog(table(), table("b", rls=False)),
     PASSED, "1 table as expected"),
    # a stranger's names: in double quotes as SQL writes them, a name may hold a dot (or a quote, doubled)
    ({"table": '"billing.v2"."Odd ""name"""', "rls": True}, catalog(table('Odd "name"', schema="billing.v2")),
     PASSED, "1 table as expected"),
    ({"table": '"odd.name"', "rls": True}, catalog(table("odd.name", rls=False)), FAILED,
     "row level security off"),
    ({"table": '"odd.name"'}, catalog(table("name", schema="odd")), FAILED, "does not exist"),
])
def test_tables(params, facts, status, seen):
    verdict(params, facts, status, seen)


def test_a_missing_table_is_one_cause_not_a_cascade():
    outcome = verdict({"table": "public.gone", "columns": ["a"], "rls": True, "not_null": ["a"]},
                      catalog(table()), FAILED)
    assert outcome.observed == "table public.gone does not exist"


ORDERS = table("orders", columns=[
    column("id", "uuid", not_null=True, default="gen_random_uuid()"),
    column("stage", "text", not_null=True, default="'Filling'::text"),
    column("quantity", "integer", default="1"),
    column("due", "timestamp(3) with time zone"),
    column("price", "numeric(8,2)"),
    column("tags", "character varying(20)[]"),
    column("mood", "public.mood"),
    column("n", "bigint", not_null=True, default="GENERATED ALWAYS AS IDENTITY"),
    # as PostgreSQL prints them: a negative number quoted and cast, numeric with its scale, text as written
    column("offset", "integer", default="'-1'::integer"), column("rate", "numeric", default="'-0.5'::numeric"),
    column("fee", "numeric", default="1.50"), column("label", "text", default="'in progress'::text"),
    column("minus_text", "text", default="'-1'::text"),
], constraints=[
    constraint("orders_stage_check", "c", ["stage"]),
    constraint("orders_quantity_check", "c", ["quantity"], validated=False),
])


@pytest.mark.parametrize("params, status, seen", [
    ({"not_null": ["id", "stage"]}, PASSED, ""),
    ({"not_null": ["quantity"]}, FAILED, "table public.orders allows NULL in quantity"),
    ({"defaults": {"id": True, "due": False, "stage": "'Filling'", "n": True}}, PASSED, ""),
    ({"defaults": {"stage": "'Filling'::text", "quantity": "1"}}, PASSED, ""),
    ({"defaults": {"quantity": 1}}, PASSED, ""),
    ({"defaults": {"quantity": 2}}, FAILED, "has default 1 for quantity, not 2"),
    ({"defaults": {"due": True}}, FAILED, "has no default for due"),
    ({"defaults": {"id": False}}, FAILED, "has a default for id (gen_random_uuid())"),
    ({"defaults": {"stage": "'Packing'"}}, FAILED, "has default 'Filling'::text for stage, not 'Packing'"),
    ({"defaults": {"due": "now()"}}, FAILED, "has no default for due (expected now())"),
    # a number is compared as one, however PostgreSQL prints it (a healthy schema failed `-1`)
    ({"defaults": {"offset": -1, "rate": -0.5, "fee": 1.5}}, PASSED, ""),
    ({"defaults": {"offset": -2}}, FAILED, "has default '-1'::integer for offset, not -2"),
    ({"defaults": {"minus_text": -1}}, FAILED, "has default '-1'::text for minus_text, not -1"),  # text, no number
    # blanks inside a quoted literal are its own: a broken default passed
    ({"defaults": {"label": "'in progress'"}}, PASSED, ""),
    ({"defaults": {"label": "'inprogress'"}}, FAILED, "has default 'in progress'::text for label, not 'inprogress'"),
    ({"types": {"id": "uuid", "due": "timestamptz", "price": "numeric(8,2)", "tags": "varchar[]", "n": "int8",
                "mood": "mood"}}, PASSED, ""),
    ({"types": {"price": "numeric(10,2)"}}, FAILED, "has price of type numeric(8,2), not numeric(10,2)"),
    ({"types": {"quantity": "bigint"}}, FAILED, "has quantity of type integer, not bigint"),
    ({"checked": ["stage"]}, PASSED, ""),
    ({"checked": ["due"]}, FAILED, "has no CHECK constraint on due"),
    ({"checked": ["quantity"]}, FAILED, "has CHECK orders_quantity_check on quantity NOT VALID"),
    ({"no_columns_of_type": ["regproc", "json"]}, PASSED, ""),
    ({"no_columns_of_type": ["timestamptz"]}, FAILED, "has column due of type timestamp(3) with time zone"),
    ({"no_columns_of_type": ["varchar"]}, FAILED, "has column tags of type character varying(20)[]"),
    ({"not_null": ["ghost"], "types": {"ghost": "text"}, "checked": ["ghost"]}, FAILED,
     "table public.orders lacks column ghost"),
])
def test_columns(params, status, seen):
    outcome = verdict({"table": "public.orders", **params}, catalog(ORDERS), status, seen)
    if status is FAILED:
        assert outcome.observed.count("ghost") <= 1


@pytest.mark.parametrize("levels, status, seen, said", [
    ([domain("ledger.amount"), domain("ledger.posint", checks=[("posint_positive", True)])], PASSED, "",
     "checked by its domain ledger.posint"),
    ([domain("ledger.amount", checks=[("amount_cap", True)]),
      domain("ledger.posint", checks=[("posint_positive", True)])], PASSED, "",
     "checked by its domains ledger.amount, ledger.posint"),
    ([domain("ledger.posint", checks=[("posint_positive", False)])], FAILED,
     "has CHECK posint_positive on amount NOT VALID (of its domain ledger.posint)", None),
    ([domain("ledger.posint")], FAILED, "has no CHECK constraint on amount", None),
])
def test_a_domains_check_constrains_its_columns(levels, status, seen, said):
    facts = catalog(table("entries", schema="ledger", columns=[column("amount", "ledger.amount", domains=levels)]))
    outcome = verdict({"table": "ledger.entries", "checked": ["amount"]}, facts, status, seen)
    assert outcome.evidence["tables"]["ledger.entries"].get("checked_by_domain", {}).get("amount") == said


FLAG = [domain("public.flag", default="false")]
# ledger.amount, a domain over ledger.posint, made while posint had no default; posint's default set later
AMOUNT = [domain("ledger.amount"), domain("ledger.posint", default="7")]


@pytest.mark.parametrize("col, want, status, seen", [
    (column("x", "public.flag", domains=FLAG), False, FAILED,
     "has a default for x (false, from its domain public.flag)"),
    (column("x", "public.flag", domains=FLAG), True, PASSED, ""),
    (column("x", "public.flag", domains=FLAG), "false", PASSED, ""),
    (column("x", "public.flag", domains=FLAG), "true", FAILED, "has default false for x (from its domain public.flag),"
                                                              " not true"),
    # the column's own comes first; its DEFAULT NULL (kept only over a domain) overrides the domain's: none
    (column("x", "public.flag", default="true", domains=FLAG), "true", PASSED, ""),
    (column("x", "public.flag", default="NULL::boolean", default_is_null=True, domains=FLAG), False, PASSED, ""),
    (column("x", "public.flag", default="NULL::boolean", default_is_null=True, domains=FLAG), True, FAILED,
     "has no default for x"),
    # however its type's name prints: the catalog says it is a NULL constant
    (column("x", "public.m", default='NULL::public."my-type"', default_is_null=True,
            domains=[domain("public.m", default="'a'::public.\"my-type\"")]), True, FAILED, "has no default for x"),
    # only the column's type's own: PostgreSQL does not look down a domain over a domain (get_typdefault)
    (column("n", "ledger.amount", domains=AMOUNT), True, FAILED, "has no default for n"),
    (column("n", "ledger.amount", domains=AMOUNT), False, PASSED, ""),
    (column("n", "ledger.amount", domains=[domain("ledger.amount", default="7"), *AMOUNT[1:]]), 7, PASSED, ""),
    (column("n", "ledger.amount", domains=[domain("ledger.amount", default="8"), *AMOUNT[1:]]), 7, FAILED,
     "has default 8 for n (from its domain ledger.amount), not 7"),
    # a domain's own DEFAULT NULL (kept over a domain, printed NULL::integer) is no default
    (column("n", "ledger.amount", domains=[domain("ledger.amount", default="NULL::integer", default_is_null=True),
                                           *AMOUNT[1:]]), True, FAILED, "has no default for n"),
    (column("n", "ledger.amount", domains=[domain("ledger.amount", default="NULL::integer", default_is_null=True),
                                           *AMOUNT[1:]]), False, PASSED, ""),
])
def test_a_column_without_a_default_of_its_own_gets_its_domains(col, want, status, seen):
    """An INSERT without the column gets its domain's default: judged as PostgreSQL applies it."""
    outcome = verdict({"table": "t", "defaults": {col["name"]: want}}, catalog(table("t", columns=[col])), status, seen)
    said = outcome.evidence["tables"]["public.t"].get("defaults_from_domains", {})
    assert bool(said) == (col["default"] is None and bool(col["domains"][0]["default"])
                          and not col["domains"][0]["default_is_null"]), said


def _tree(kind: str, *children: dict) -> list[dict]:
    """A table `ev` (with v NOT NULL and CHECK ev_q on q) and the partitions or inheritance children given."""
    return [table("ev", kind=kind, columns=[column("v", not_null=True), column("q", "integer")],
                  constraints=[constraint("ev_q", "c", ["q"])],
                  partitions=[(f"public.{c['name']}", True) for c in children]),
            *children]


def _child(name: str, *, v_not_null: bool = True, q_checked: bool = True) -> dict:
    return table(name, columns=[column("v", not_null=v_not_null), column("q", "integer")],
                 constraints=[constraint("ev_q", "c", ["q"])] if q_checked else [])


@pytest.mark.parametrize("kind, what", [("r", "child table"), ("p", "partition")])
def test_not_null_and_checked_hold_on_every_child_the_tables_reads_return(kind, what):
    """Their rows are the table's: a child allowing NULL (ALTER TABLE ONLY … DROP NOT NULL before PostgreSQL 18), or
    without the table's CHECK (declared NO INHERIT), fails the table — partitions are judged the same way."""
    params = {"table": "ev", "not_null": ["v"], "checked": ["q"]}
    verdict(params, catalog(*_tree(kind, _child("ev1"), _child("ev2"))), PASSED)
    broken = verdict(params, catalog(*_tree(kind, _child("ev1"), _child("ev2", v_not_null=False, q_checked=False))),
                     FAILED, f"table public.ev2 ({what} of public.ev) allows NULL in v; table public.ev2 ({what} of"
                             " public.ev) has no CHECK constraint on q")
    seen = broken.evidence["tables"]["public.ev"]["partitions_columns" if kind == "p" else "child_tables_columns"]
    assert seen["public.ev2"]["not_null"] == {"v": False} and seen["public.ev2"]["constraints"] == []


@pytest.mark.parametrize("kind, what", [("r", "child table"), ("p", "partition")])
def test_a_foreign_child_fails_not_null_and_checked_whatever_it_declares(kind, what):
    """PostgreSQL copies the table's NOT NULL and CHECK onto a foreign partition or child, and enforces neither
    there: the remote server's rows cannot be shown to hold them."""
    params = {"table": "ev", "not_null": ["v"], "checked": ["q"]}
    remote = {**_child("ev2"), "kind": "f"}
    outcome = verdict(params, catalog(*_tree(kind, _child("ev1"), remote)), FAILED,
                      f"table public.ev2 ({what} of public.ev) is a foreign table: its rows are the remote server's,"
                      " PostgreSQL enforces no NOT NULL or CHECK on them")
    assert "public.ev1" not in outcome.observed
    seen = outcome.evidence["tables"]["public.ev"]["partitions_columns" if kind == "p" else "child_tables_columns"]
    assert seen["public.ev2"]["foreign_table"] is True and "foreign_table" not in seen["public.ev1"]


def test_a_child_judged_as_a_table_of_its_own_is_said_once():
    facts = catalog(*_tree("r", _child("ev1", v_not_null=False)))
    outcome = verdict({"tables": ["ev", "ev1"], "not_null": ["v"]}, facts, FAILED, "table public.ev1 allows NULL in v")
    assert "child table" not in outcome.observed, outcome.observed


def test_a_child_not_read_with_its_table_is_an_error():
    facts = catalog(*_tree("r", _child("ev1"))[:1])
    verdict({"table": "ev", "not_null": ["v"]}, facts, ERROR,
            "public.ev1 (child table of public.ev) was not read with public.ev; check again")


@pytest.mark.parametrize("written, printed", [
    ("timestamptz", "timestamp with time zone"), ("varchar(20)", "character varying(20)"),
    ("INT", "integer"), ("numeric( 8, 2 )", "numeric(8,2)"), ("bool[]", "boolean[]"), ("serial", "integer"),
])
def test_type_aliases_read_as_postgresql_prints_them(written, printed):
    assert normal_type(written) == printed
    assert same_type(written, printed)


# a stranger's types: quoted names keep their case, modifiers sit where format_type puts them, and the
# schema of a type visible on the search_path (printed without it) is the catalog's
PEOPLE = table("people", columns=[
    column("m", '"Mood"', type_schema="public"), column("m3", '"MOOD"', type_schema="public"),
    column("m2", "mood", type_schema="public"), column("mail", "email_address", type_schema="public"),
    column("at3", "timestamp(3) with time zone"), column("t0", "timestamp(0) without time zone"),
    column("span", "interval day to second(3)"), column("amount", "numeric(8,0)"),
    column("other", "app.mood[]"),
])


@pytest.mark.parametrize("types, status, seen", [
    ({"m": '"Mood"', "m3": '"MOOD"', "m2": "mood", "mail": "public.email_address", "at3": "timestamptz(3)",
      "t0": "timestamp(0)", "span": "interval day to second(3)", "amount": "numeric(8)", "other": "app.mood[]"},
     PASSED, ""),
    ({"m2": "MOOD", "mail": "email_address", "at3": "timestamp(3) with time zone", "t0": "timestamp",
      "other": "mood[]"}, PASSED, ""),
    ({"m3": '"Mood"'}, FAILED, 'has m3 of type "MOOD", not "Mood"'),
    ({"m": "mood"}, FAILED, 'has m of type "Mood", not mood'),
    ({"mail": "auth.email_address"}, FAILED, "has mail of type email_address, not auth.email_address"),
    ({"at3": "timestamptz(6)"}, FAILED, "has at3 of type timestamp(3) with time zone, not timestamp(6) with time zone"),
    ({"t0": "timestamptz(0)"}, FAILED, "not timestamp(0) with time zone"),
    ({"span": "interval year to month"}, FAILED, "not interval year to month"),
    ({"other": "public.mood[]"}, FAILED, "has other of type app.mood[], not public.mood[]"),
    ({"other": "app.mood"}, FAILED, "not app.mood"),
])
def test_types_are_compared_as_postgresql_reads_them(types, status, seen):
    verdict({"table": "public.people", "types": types}, catalog(PEOPLE), status, seen)


# a stranger's type named as one of PostgreSQL's own: a bare `text` is pg_catalog.text (searched first), as PostgreSQL
# reads it, never a domain public.text over another type
SHADOWS = table("shadows", columns=[
    column("s", "public.text", type_schema="public"), column("u", "app.uuid", type_schema="app"),
    column("j", "public.jsonb[]", type_schema="public"), column("t", "text"),
])


@pytest.mark.parametrize("types, status, seen", [
    ({"s": "text"}, FAILED, "has s of type public.text, not text"),
    ({"u": "uuid"}, FAILED, "has u of type app.uuid, not uuid"),
    ({"j": "jsonb[]"}, FAILED, "has j of type public.jsonb[], not jsonb[]"),
    ({"s": "public.text", "u": "app.uuid", "j": "public.jsonb[]", "t": "text"}, PASSED, ""),
    ({"t": "pg_catalog.text"}, PASSED, ""),
])
def test_a_bare_name_of_a_built_in_type_is_postgresqls_own(types, status, seen):
    verdict({"table": "public.shadows", "types": types}, catalog(SHADOWS), status, seen)


@pytest.mark.parametrize("banned, status, seen", [
    (["text"], FAILED, "has column t of type text"),
    (["uuid", "jsonb"], PASSED, ""),  # app.uuid and public.jsonb are not PostgreSQL's own
])
def test_a_banned_built_in_type_is_postgresqls_own(banned, status, seen):
    verdict({"table": "public.shadows", "no_columns_of_type": banned}, catalog(SHADOWS), status, seen)


@pytest.mark.parametrize("banned, status, seen", [
    (['"Mood"'], FAILED, 'has column m of type "Mood"'),
    (["public.email_address"], FAILED, "has column mail of type email_address"),
    (["auth.email_address", "MOOD_X", "app.email_address"], PASSED, ""),
    (["app.mood"], FAILED, "has column other of type app.mood[]"),
])
def test_banned_types_are_read_as_postgresql_reads_them(banned, status, seen):
    # types no column has, that exist (one that does not is an error: see test_schema_named_objects)
    others = [("auth", "email_address"), ("public", "mood_x"), ("app", "email_address")]
    verdict({"table": "public.people", "no_columns_of_type": banned}, catalog(PEOPLE, types=others), status, seen)


@pytest.mark.parametrize("written, printed", [
    ("_text", "text[]"), ('"_text"', "text[]"), ("_int4", "integer[]"), ("_varchar(20)", "character varying(20)[]"),
    ("_bpchar", "character[]"), ("_char", '"char"[]'), ("_timestamptz(3)", "timestamp(3) with time zone[]"),
    ("pg_catalog._numeric(8)", "pg_catalog.numeric(8,0)[]"), ("_text[]", "text[]"),
    # not PostgreSQL's own: whatever type of that name the catalog holds
    ("_mood", "_mood"), ("public._text", "public._text"), ('"_TEXT"', '"_TEXT"'), ("_int", "_int"),
])
def test_an_array_types_own_name_is_that_array_type(written, printed):
    """PostgreSQL names its array types `_` and the element's pg_type name: `_text` is text[] in SQL, and what
    information_schema's udt_name shows for a text[] column."""
    assert normal_type(written) == printed


ARRAYS = table("posts", columns=[column("id", "integer"), column("tags", "text[]"),
                                 column("sizes", "character varying(20)[]")])


@pytest.mark.parametrize("params, status, seen", [
    # it matched no text[] column and passed (it exists: no error), where text[] fails
    ({"no_columns_of_type": ["_text"]}, FAILED, "has column tags of type text[]"),
    ({"no_columns_of_type": ["_varchar"]}, FAILED, "has column sizes of type character varying(20)[]"),
    ({"no_columns_of_type": ["_int8"]}, PASSED, ""),
    ({"types": {"tags": "_text", "sizes": "_varchar(20)", "id": "int4"}}, PASSED, ""),  # it failed: not _text
    ({"types": {"tags": "_varchar"}}, FAILED, "has tags of type text[], not character varying[]"),
])
def test_an_array_type_named_as_pg_type_names_it_is_that_array_type(params, status, seen):
    verdict({"table": "public.posts", **params}, catalog(ARRAYS, types=[("pg_catalog", "_text")]), status, seen)


@pytest.mark.parametrize("field", ["types", "no_columns_of_type"])
@pytest.mark.parametrize("written", ["timestamp(3", "text text", "a.b.c", '"Mood" x', "int[](3)"])
def test_a_type_that_is_no_type_name_is_refused(field, written):
    value = {"a": written} if field == "types" else [written]
    with pytest.raises(ValidationError, match="is not a type name"):
        schema.Params.model_validate({"table": "a", field: value})


@pytest.mark.parametrize("field", ["types", "no_columns_of_type"])
@pytest.mark.parametrize("written", ['""', 'public.""', '"".mood', '""[]'])
def test_an_empty_quoted_type_name_is_refused(field, written):
    """PostgreSQL refuses a zero-length quoted identifier; it had loaded, to fail `types:` or make
    no_columns_of_type an ERROR only when run."""
    value = {"a": written} if field == "types" else [written]
    with pytest.raises(ValidationError, match="is not a type name: a quoted name may not be empty"):
        schema.Params.model_validate({"table": "a", field: value})


def test_names_holding_dots_stay_apart():
    """Two tables whose names print alike without quotes: each judged on its own facts, named as SQL writes it."""
    facts = catalog(table("invoices", schema="billing.v2", rls=True), table("v2.invoices", schema="billing", rls=False))
    outcome = verdict({"tables": ['"billing.v2".invoices', 'billing."v2.invoices"'], "rls": True}, facts, FAILED)
    assert outcome.observed == 'table billing."v2.invoices" has row level security off'
    assert outcome.evidence["checked"] == ['"billing.v2".invoices', 'billing."v2.invoices"']
    assert outcome.evidence["tables"] == {'billing."v2.invoices"': {"rls": False, "force_rls": False},
                                          '"billing.v2".invoices': {"rls": True, "force_rls": False}}


def test_names_holding_dots_stay_apart_in_what_a_view_reads_and_a_key_references():
    facts = catalog(view("v", reads=['billing."v2.invoices"']), table("t", constraints=[
        constraint("t_fk", "f", ["id"], references='"billing.v2".invoices', references_primary_key=False)]),
        table("invoices", schema="billing.v2"), table("v2.invoices", schema="billing"),
        schemas={"public": None, "billing": None, "billing.v2": None})
    verdict({"views_in": "public", "reading": ['"billing.v2".invoices'], "allow_empty": True}, facts, PASSED,
            "no views reading")  # nothing reads that one
    outcome = verdict({"views_in": "public", "reading": ['billing."v2.invoices"']}, facts, PASSED, "1 view")
    assert outcome.evidence["relations"]["public.v"]["reads"] == ['billing."v2.invoices"']
    verdict({"table": "t", "references_primary_keys_in": ["billing"]}, facts, PASSED)
    verdict({"table": "t", "references_primary_keys_in": ["billing.v2"]}, facts, FAILED,
            'foreign key t_fk to "billing.v2".invoices on a unique key')


@pytest.mark.parametrize("kind, what", [("v", "a view"), ("m", "a materialized view"), ("f", "a foreign table"),
                                        ("S", "a sequence")])
def test_a_table_item_naming_another_kind_of_relation_says_what_it_is(kind, what):
    verdict({"table": "public.thing", "rls": True}, catalog(table("thing", kind=kind)), FAILED,
            f"table public.thing is {what}")


def test_a_table_item_reads_the_relations_it_names_whatever_their_kind():
    check = make_check("schema", {"tables": ['"billing.v2".invoices', "v_orders"], "rls": True})
    ((_, params),) = schema.database_statements(None, [check])
    assert (params["named_schemas"], params["named_relations"]) == (["billing.v2", "public"], ["invoices", "v_orders"])


KEYS = table("stage_events", columns=["id", "order_id", "staff_id", "email"], constraints=[
    constraint("stage_events_order_id_fkey", "f", ["order_id"], references="public.orders", references_primary_key=True),
    constraint("stage_events_staff_id_fkey", "f", ["staff_id"], references="public.staff", references_primary_key=True),
    constraint("stage_events_email_fkey", "f", ["email"], references="auth.users", references_primary_key=False),
], indexes=[index("pk", ["id"]), index("by_order", ["order_id", "id"], unique=False),
            index("by_staff_partial", ["staff_id"], unique=False, partial=True)])


@pytest.mark.parametrize("params, status, seen", [
    ({"foreign_keys_indexed": True}, FAILED, "no index on foreign key stage_events_staff_id_fkey (staff_id)"),
    ({"references_primary_keys_in": ["auth"]}, FAILED,
     "foreign key stage_events_email_fkey to auth.users on a unique key, not its primary key"),
    ({"references_primary_keys_in": ["public"]}, PASSED, ""),
])
def test_foreign_keys(params, status, seen):
    outcome = verdict({"table": "stage_events", **params}, catalog(KEYS), status, seen)
    assert "order_id" not in outcome.observed  # (order_id, id) covers the order_id foreign key


@pytest.mark.parametrize("params, status, seen", [
    ({"published_in": ["supabase_realtime"]}, PASSED, ""),
    ({"not_published_in": ["supabase_realtime"]}, FAILED, "table public.jobs is in publication supabase_realtime"),
    ({"published_in": ["other"]}, FAILED, "publication other does not exist"),
    ({"not_published_in": ["other"]}, ERROR, "publication other does not exist on the target"),
])
def test_publications(params, status, seen):
    verdict({"table": "jobs", **params}, catalog(table(publications=["supabase_realtime"]), publications=[
        "supabase_realtime"]), status, seen)


@pytest.mark.parametrize("gaps, seen", [
    ({"operations": ["insert", "update", "delete"]},
     "table public.jobs is in publication supabase_realtime, which leaves out operations insert, update, delete"
     " (not in its publish option)"),
    ({"filters": [{"relation": ["public", "jobs"], "filter": "false"}]},
     "which leaves out the rows its row filter on public.jobs does not pass: WHERE false"),
    ({"filters": [{"relation": ["public", "jobs"], "filter": None}]},
     "does not pass (its expression not read: another session holds an ACCESS EXCLUSIVE lock on public.jobs)"),
    ({"operations": ["delete"], "columns": [{"relation": ["public", "jobs"], "columns": ["updated_at"]}]},
     "which leaves out operation delete (not in its publish option); column updated_at (not in its column list of"
     " public.jobs)"),
])
def test_a_publication_holding_the_table_must_send_each_change_in_full(gaps, seen):
    facts = catalog(table(publications=["supabase_realtime"], publication_gaps={"supabase_realtime": gaps}),
                    publications=["supabase_realtime"])
    outcome = verdict({"table": "jobs", "published_in": ["supabase_realtime"]}, facts, FAILED, seen)
    assert outcome.evidence["tables"]["public.jobs"]["publication_gaps"] == {"supabase_realtime": gaps}
    # it sends some of the table's changes all the same
    verdict({"table": "jobs", "not_published_in": ["supabase_realtime"]}, facts, FAILED,
            "table public.jobs is in publication supabase_realtime")


def _no_identity(relation: str, identity: str, index: dict | None = None) -> dict:
    return {"relation": relation.split("."), "identity": identity, "index": index}


@pytest.mark.parametrize("gaps, seen", [
    ({"no_replica_identity": [_no_identity("public.jobs", "d")]},
     "table public.jobs is in publication supabase_realtime, which publishes update and delete, yet it has no usable"
     " replica identity (REPLICA IDENTITY DEFAULT, without a primary key): PostgreSQL refuses every UPDATE and DELETE"
     " of it and the publication sends none — add a primary key, or set REPLICA IDENTITY FULL, or USING INDEX"),
    ({"no_replica_identity": [_no_identity("public.jobs", "n")]}, "(REPLICA IDENTITY NOTHING)"),
    ({"no_replica_identity": [_no_identity("public.jobs", "i")]}, "(REPLICA IDENTITY USING INDEX, its index dropped)"),
    ({"no_replica_identity": [_no_identity("public.jobs", "i", {"name": "jobs_key", "valid": False, "unique": True,
                                                                "immediate": True, "partial": False})]},
     "(REPLICA IDENTITY USING INDEX, its index jobs_key not valid)"),
    ({"no_replica_identity": [_no_identity("public.jobs", "d", {"name": "jobs_pkey", "valid": True, "unique": True,
                                                                "immediate": False, "partial": False})]},
     "(REPLICA IDENTITY DEFAULT, its primary key jobs_pkey DEFERRABLE)"),
    # it publishes insert and update only: UPDATE is refused, DELETE is not published at all
    ({"operations": ["delete"], "no_replica_identity": [_no_identity("public.jobs", "d")]},
     "which publishes update, yet it has no usable replica identity (REPLICA IDENTITY DEFAULT, without a primary key):"
     " PostgreSQL refuses every UPDATE of it"),
    ({"no_replica_identity": [_no_identity("public.jobs_1", "d"), _no_identity("public.jobs_2", "n")]},
     "yet public.jobs_1 (REPLICA IDENTITY DEFAULT, without a primary key), public.jobs_2 (REPLICA IDENTITY NOTHING)"
     " have no usable replica identity: PostgreSQL refuses every UPDATE and DELETE of them"),
])
def test_a_publication_sending_updates_needs_a_replica_identity_on_what_it_holds(gaps, seen):
    facts = catalog(table(publications=["supabase_realtime"], publication_gaps={"supabase_realtime": gaps}),
                    publications=["supabase_realtime"])
    outcome = verdict({"table": "jobs", "published_in": ["supabase_realtime"]}, facts, FAILED, seen)
    assert outcome.evidence["tables"]["public.jobs"]["publication_gaps"] == {"supabase_realtime": gaps}


def _refusal(publication: str, identity: str = "d", relation: str = "public.jobs", **problem) -> dict:
    return {"relation": relation.split("."), "publication": publication, "operations": ["update", "delete"],
            "identity": identity, **({"identity_columns": ["id"]} if identity != "f" else {}), **problem}


@pytest.mark.parametrize("refused, seen", [
    ([_refusal("audit", filter="(total > 0)", outside_identity=["total"], operations=["update"])],
     "table public.jobs is in publication supabase_realtime, which publishes update, yet PostgreSQL refuses every"
     " UPDATE of it and the publication sends none: publication audit's row filter WHERE (total > 0) reads column"
     " total, outside the replica identity of public.jobs (id) — filter on replica identity columns alone, or set"
     " REPLICA IDENTITY FULL on public.jobs"),
    # the filter's text not read (a lock), its columns are: from the stored tree
    ([_refusal("audit", outside_identity=["total", "Note"])],
     "publication audit's row filter reads columns total, \"Note\", outside the replica identity"),
    ([_refusal("supabase_realtime", filter="(total > 0)", outside_identity=["total"])],
     "and the publication sends none: its own row filter WHERE (total > 0) reads column total"),
    ([_refusal("audit", column_list=["total", "note"], uncovered=["id"])],
     "which publishes update and delete, yet PostgreSQL refuses every UPDATE and DELETE of it and the publication"
     " sends none: publication audit's column list (total, note) leaves out column id of the replica identity of"
     " public.jobs (id) — add it to the column list"),
    ([_refusal("audit", "f", column_list=["id", "total"])],
     "publication audit's column list (id, total) is one PostgreSQL never takes with REPLICA IDENTITY FULL, which"
     " public.jobs has — drop the column list, or give public.jobs a replica identity by key that the list covers"),
    ([_refusal("audit", "f", generated=["twice"])],
     "REPLICA IDENTITY FULL of public.jobs holds generated column twice, which publication audit does not publish —"
     " set publish_generated_columns = stored on audit"),
    ([_refusal("supabase_realtime", "i", generated=["code"])],
     "the replica identity of public.jobs (id) holds generated column code, which publication supabase_realtime does"
     " not publish"),
    ([_refusal("audit", "f", virtual=["label"])],
     "REPLICA IDENTITY FULL of public.jobs holds virtual generated column label, which no publication sends — give"
     " public.jobs a replica identity by key"),
    # a partition's: named, and each publication's refusal is its own finding
    ([_refusal("audit", relation="public.jobs_1", filter="(total > 0)", outside_identity=["total"],
               operations=["delete"]),
      _refusal("archive", relation="public.jobs_2", column_list=["note"], uncovered=["id"])],
     "which publishes delete, yet PostgreSQL refuses every DELETE of public.jobs_1 and the publication sends none:"
     " publication audit's row filter WHERE (total > 0) reads column total, outside the replica identity of"
     " public.jobs_1 (id) — filter on replica identity columns alone, or set REPLICA IDENTITY FULL on public.jobs_1;"
     " table public.jobs is in publication supabase_realtime, which publishes update and delete, yet PostgreSQL"
     " refuses every UPDATE and DELETE of public.jobs_2"),
])
def test_a_publication_whose_filter_or_column_list_misses_the_replica_identity_refuses_updates(refused, seen):
    gaps = {"refused": refused}
    facts = catalog(table(publications=["supabase_realtime"], publication_gaps={"supabase_realtime": gaps}),
                    publications=["supabase_realtime"])
    outcome = verdict({"table": "jobs", "published_in": ["supabase_realtime"]}, facts, FAILED, seen)
    assert outcome.evidence["tables"]["public.jobs"]["publication_gaps"] == {"supabase_realtime": gaps}


def test_a_column_list_naming_every_column_leaves_nothing_out():
    gaps = {"supabase_realtime": {"columns": [{"relation": ["public", "jobs"], "columns": None}]}}
    verdict({"table": "jobs", "published_in": ["supabase_realtime"]},
            catalog(table(publications=["supabase_realtime"], publication_gaps=gaps), publications=["supabase_realtime"]),
            PASSED)


def test_publication_membership_missing():
    verdict({"tables": ["a", "b"], "published_in": ["supabase_realtime"]},
            catalog(table("a", publications=["supabase_realtime"]), table("b")), FAILED,
            "table public.b is not in publication supabase_realtime")


# -- grants ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, facts, status, seen", [
    ({"table": "public.jobs", "no_grants_to": ["anon"]}, catalog(table(grants_=[("anon", "SELECT")])),
     FAILED, "table public.jobs grants SELECT to anon"),
    ({"table": "public.jobs", "no_grants_to": ["anon"]}, catalog(table(grants_=[("PUBLIC", "SELECT")])),
     FAILED, "SELECT to PUBLIC"),
    ({"table": "public.jobs", "no_grants_to": ["anon"]}, catalog(table(grants_=[("service_role", "SELECT")])),
     PASSED, ""),
    ({"table": "public.jobs", "no_grants_to": ["anon"]},
     catalog(table(columns=["id", column("email", grants_=[("anon", "SELECT")])])),
     FAILED, "grants SELECT(email) to anon"),
    ({"table": "public.jobs", "no_grants_to": {"anon": ["INSERT"]}}, catalog(table(grants_=[("anon", "SELECT")])),
     PASSED, ""),
    ({"table": "public.jobs", "no_grants_to": {"anon": ["insert"]}}, catalog(table(grants_=[("anon", "INSERT")])),
     FAILED, "grants INSERT to anon"),
    ({"all_tables_in": "public", "no_write_grants_to": ["authenticated"]},
     catalog(table(grants_=[("authenticated", "SELECT")]), table("orders", grants_=[("authenticated", "INSERT")])),
     FAILED, "table public.orders grants INSERT to authenticated"),
    ({"table": "jobs", "no_write_grants_to": ["anon"]},
     catalog(table(columns=["id", column("note", grants_=[("anon", "UPDATE")])])), FAILED, "UPDATE(note) to anon"),
    ({"table": "jobs", "grants_to": {"reporting": ["SELECT"]}}, catalog(table(grants_=[("reporting", "SELECT")])),
     PASSED, ""),
    ({"table": "jobs", "grants_to": {"reporting": ["SELECT"]}},
     catalog(table(columns=["id", column("email", grants_=[("reporting", "SELECT")])])),
     FAILED, "table public.jobs does not grant SELECT to reporting"),
    ({"table": "jobs", "grants_to": {"service_role": ["ALL"]}},
     catalog(table(grants_=[("service_role", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE")])),
     FAILED, "does not grant TRUNCATE/REFERENCES/TRIGGER to service_role"),
    ({"table": "jobs", "grants_to": {"anon": ["SELECT"]}}, catalog(table(grants_=[("PUBLIC", "SELECT")])), PASSED, ""),
    ({"table": "jobs", "grants_to": {"postgres": ["ALL"]}}, catalog(table()), PASSED, ""),  # a superuser
    ({"table": "jobs", "grants_to": {"ghost": ["SELECT"]}}, catalog(table()), FAILED, "role ghost does not exist"),
    ({"table": "jobs", "no_grants_to": ["ghost"]}, catalog(table()), ERROR, "role ghost does not exist on the target"),
    ({"table": "jobs", "no_grants_to": ["public"]}, catalog(table(grants_=[("PUBLIC", "SELECT")])), FAILED,
     "grants SELECT to PUBLIC"),
])
def test_table_grants(params, facts, status, seen):
    verdict(params, facts, status, seen)


def test_privileges_held_through_role_inheritance():
    roles = [role("postgres", superuser=True), role("staff"), role("anon", member_of=["staff"]),
             role("auditor"), role("authenticated", member_of=["auditor"], inherit=False)]
    facts = catalog(table(grants_=[("staff", "SELECT"), ("auditor", "INSERT")]), roles=roles)
    verdict({"table": "jobs", "no_grants_to": ["anon"]}, facts, FAILED, "grants SELECT to staff (inherited by anon)")
    verdict({"table": "jobs", "grants_to": {"anon": ["SELECT"]}}, facts, PASSED)
    # a membership without INHERIT does not pass privileges on
    verdict({"table": "jobs", "no_grants_to": ["authenticated"]}, facts, PASSED)


def test_a_role_named_superuser_is_a_role_not_superuser_power():
    """Held as superuser is no grantee: a real role called superuser, granted to app, is named as the role app
    inherits, and a real superuser is still said to be one."""
    roles = [role("postgres", superuser=True), role("superuser"), role("app", member_of=["superuser"]),
             role("root", superuser=True)]
    facts = catalog(table(grants_=[("superuser", "INSERT")]), roles=roles)
    outcome = verdict({"table": "jobs", "no_write_grants_to": ["app"]}, facts, FAILED,
                      "grants INSERT to superuser (inherited by app)")
    assert "a superuser" not in outcome.observed
    verdict({"table": "jobs", "no_write_grants_to": ["superuser"]}, facts, FAILED, "grants INSERT to superuser")
    verdict({"table": "jobs", "no_write_grants_to": ["root"]}, facts, FAILED, "grants INSERT/UPDATE/DELETE/TRUNCATE to root (a superuser)")
    verdict({"table": "jobs", "grants_to": {"root": ["ALL"]}}, facts, PASSED)


def test_predefined_roles_hold_what_no_acl_shows():
    roles = [role("postgres", superuser=True), role("pg_read_all_data"), role("reporting", member_of=["pg_read_all_data"])]
    facts = catalog(table(), roles=roles)
    verdict({"table": "jobs", "grants_to": {"reporting": ["SELECT"]}}, facts, PASSED)
    verdict({"table": "jobs", "grants_to": {"reporting": ["INSERT"]}}, facts, FAILED, "does not grant INSERT")


def test_many_objects_make_one_short_line_and_the_full_list_goes_to_evidence():
    tables = [table(f"t{i:02d}", grants_=[("anon", "INSERT"), ("anon", "UPDATE"), ("anon", "DELETE")]) for i in range(26)]
    outcome = verdict({"all_tables_in": "public", "no_write_grants_to": ["anon"]}, catalog(*tables), FAILED)
    assert outcome.observed == ("26 tables grant INSERT/UPDATE/DELETE to anon: public.t00, public.t01, public.t02,"
                                " … (+23)")
    assert len(outcome.evidence["problems"]["grant INSERT/UPDATE/DELETE to anon"]) == 26
    assert len(outcome.evidence["checked"]) == 26


@pytest.mark.parametrize("allow_empty, status", [(False, ERROR), (True, PASSED)])
def test_an_empty_schema_checks_nothing(allow_empty, status):
    outcome = verdict({"all_tables_in": "public", "rls": True, "allow_empty": allow_empty}, catalog(), status)
    if status is ERROR:
        assert "no tables found in schema public" in outcome.observed


def test_a_schema_that_does_not_exist_is_an_error_even_when_empty_is_allowed():
    verdict({"all_tables_in": "pubic", "rls": True, "allow_empty": True}, catalog(table()), ERROR,
            "schema pubic (which does not exist)")


# -- policies --------------------------------------------------------------------------------------
READ_OWN = policy("read own", ["authenticated"], "r")
EVERYONE = policy("everyone", ["PUBLIC"], "r", using="true")
OPEN_UPDATE = policy("anyone updates", ["anon"], "w", using="true")
OPEN_INSERT = policy("anyone inserts", ["authenticated"], "a", using=None, check="(1 = 1)")
BARE_INSERT = policy("bare insert", ["anon"], "a", using=None, check=None)


@pytest.mark.parametrize("params, policies, status, seen", [
    ({"no_policies_for": ["anon"]}, [READ_OWN], PASSED, ""),
    ({"no_policies_for": ["anon"]}, [EVERYONE], FAILED, "table public.jobs has policy everyone for anon"),
    ({"policies": True}, [], FAILED, "table public.jobs has no policy"),
    ({"policies": True}, [READ_OWN], PASSED, ""),
    ({"policies": False}, [READ_OWN], FAILED, "has policy read own"),
    ({"policies_for": {"select": ["authenticated"]}}, [READ_OWN], PASSED, ""),
    ({"policies_for": {"select": ["anon"]}}, [READ_OWN], FAILED, "has no permissive SELECT policy for anon"),
    ({"policies_for": {"select": ["anon"]}}, [EVERYONE], PASSED, ""),
    ({"policies_for": {"update": ["authenticated"]}}, [policy("all", ["authenticated"], "*")], PASSED, ""),
    ({"policies_for": {"all": ["authenticated"]}}, [READ_OWN], FAILED, "no permissive ALL policy for authenticated"),
    ({"policies_for": {"select": ["authenticated"]}}, [policy("r", ["authenticated"], permissive=False)], FAILED,
     "no permissive SELECT policy"),
    ({"no_open_write_policies_for": ["anon", "authenticated"]}, [READ_OWN, EVERYONE], PASSED, ""),
    ({"no_open_write_policies_for": ["anon"]}, [OPEN_UPDATE], FAILED,
     "has UPDATE policy anyone updates that is always true for anon"),
    ({"no_open_write_policies_for": ["authenticated"]}, [OPEN_INSERT], FAILED, "INSERT policy anyone inserts"),
    ({"no_open_write_policies_for": ["anon"]}, [BARE_INSERT], PASSED, ""),  # no expression grants nothing
    ({"policies_never_mention": ["user_metadata"]}, [READ_OWN], PASSED, ""),
    ({"policies_never_mention": ["user_metadata"]},
     [policy("admins", using="((auth.jwt() -> 'user_metadata'::text) ->> 'role'::text) = 'admin'::text")],
     FAILED, "has policy admins mentioning user_metadata"),
])
def test_policies(params, policies, status, seen):
    verdict({"table": "jobs", **params}, catalog(table(policies=policies)), status, seen)


# An UPDATE or DELETE that reads a column sees only the rows the SELECT policies grant: where a permissive one grants
# rows but a restrictive SELECT policy always false closes them, that policy is named (it had been "no permissive
# SELECT policy", though one exists); the article is the command's ("a DELETE", "an UPDATE")
OPEN_ALL = policy("allp", command="*", using="true")
CLOSED_SELECT = policy("r", command="r", permissive=False, using="false")


@pytest.mark.parametrize("command, policies, seen", [
    ("update", [OPEN_ALL, CLOSED_SELECT],
     "table public.jobs has restrictive SELECT policy r always false for authenticated: an UPDATE that reads a column"
     " (WHERE, RETURNING) sees no row, so it updates none"),
    ("delete", [OPEN_ALL, CLOSED_SELECT],
     "table public.jobs has restrictive SELECT policy r always false for authenticated: a DELETE that reads a column"
     " (WHERE, RETURNING) sees no row, so it deletes none"),
    ("delete", [policy("d", command="d", using="true")],
     "table public.jobs has no permissive SELECT policy for authenticated that grants a row: a DELETE that reads a"
     " column (WHERE, RETURNING) sees no row, so it deletes none"),
])
def test_a_write_that_sees_no_row_names_why(command, policies, seen):
    outcome = verdict({"table": "jobs", "policies_for": {command: ["authenticated"]}}, catalog(table(policies=policies)),
                      FAILED, seen)
    assert outcome.observed == seen, outcome.observed


# A role that bypasses row level security (its own BYPASSRLS, or a superuser) reads and writes every row: no policy,
# nor the lack of one, says what it may do
BYPASSING = [role("postgres", superuser=True), role("anon", bypass_rls=True), role("authenticated"),
             role("member", member_of=["anon"])]


@pytest.mark.parametrize("params, status, seen", [
    ({"no_open_write_policies_for": ["anon"]}, FAILED,
     "anon has BYPASSRLS: no policy applies to it — fix: ALTER ROLE anon NOBYPASSRLS"),
    ({"no_policies_for": ["anon", "authenticated"]}, FAILED, "anon has BYPASSRLS: no policy applies to it"),
    ({"policies_for": {"select": ["anon"]}}, FAILED, "anon has BYPASSRLS"),
    ({"policies_for": {"select": ["postgres"]}}, FAILED,
     "postgres is a superuser: no policy applies to it — fix: ALTER ROLE postgres NOSUPERUSER"),
    ({"no_open_write_policies_for": ["authenticated", "member"]}, PASSED, ""),  # BYPASSRLS is not inherited
])
def test_a_role_that_bypasses_row_level_security_fails_policy_items_naming_it(params, status, seen):
    outcome = verdict({"table": "jobs", **params}, catalog(table(policies=[READ_OWN, EVERYONE]), roles=BYPASSING),
                      status, seen)
    assert outcome.observed.count("has BYPASSRLS") <= 1, outcome.observed  # said once, not per table


# The table's owner, and a role inheriting its privileges, is bound by no policy unless the table FORCEs row level
# security: like BYPASSRLS, the policy items naming it fail (they had passed while it wrote every row)
OWNING = [role("postgres", superuser=True), role("app_owner"), role("authenticated", member_of=["app_owner"]),
          role("anon"), role("via", member_of=["authenticated"]), role("setter", member_of=["app_owner"], inherit=False)]


@pytest.mark.parametrize("params, force, status, seen", [
    ({"no_open_write_policies_for": ["authenticated"]}, False, FAILED,
     "table public.jobs is owned by app_owner (inherited by authenticated): row level security does not bind its"
     " owner unless forced, so no policy applies to authenticated — fix: ALTER TABLE … FORCE ROW LEVEL SECURITY, or"
     " REVOKE app_owner FROM authenticated"),
    ({"policies_for": {"update": ["app_owner"]}}, False, FAILED,
     "table public.jobs is owned by app_owner: row level security does not bind its owner unless forced, so no policy"
     " applies to app_owner — fix: ALTER TABLE … FORCE ROW LEVEL SECURITY, or give it another owner"),
    ({"no_policies_for": ["anon", "via"]}, False, FAILED,
     "owned by app_owner (inherited by via): row level security does not bind its owner unless forced, so no policy"
     " applies to via — fix: ALTER TABLE … FORCE ROW LEVEL SECURITY, or end the membership through which via"
     " inherits app_owner"),
    ({"no_open_write_policies_for": ["authenticated"], "policies_for": {"update": ["app_owner"]}}, True, PASSED, ""),
    ({"no_open_write_policies_for": ["anon", "setter"]}, False, PASSED, ""),  # no INHERIT: bound until SET ROLE
])
def test_the_tables_owner_and_who_inherits_it_fail_policy_items_unless_rls_is_forced(params, force, status, seen):
    policies = [READ_OWN, policy("own", ["authenticated", "app_owner", "via"], "*")]
    facts = catalog(table(policies=policies, owner="app_owner", force_rls=force),
                    table("other", policies=policies, owner="app_owner", force_rls=force), roles=OWNING)
    verdict({"table": "jobs", **params}, facts, status, seen)
    # many tables: one line
    many = judge({"tables": ["jobs", "other"], **params}, facts)
    assert many.status is status and many.observed.count("unless forced") <= len(params), many.observed
    if status is FAILED:
        assert "2 tables are owned by app_owner" in many.observed, many.observed


def test_a_table_owned_by_pg_database_owner_is_owned_by_the_databases_owner():
    roles = [*OWNING, role("pg_database_owner"), role("app_user", member_of=["pg_database_owner"])]
    verdict({"table": "jobs", "no_open_write_policies_for": ["app_user"]},
            catalog(table(owner="pg_database_owner"), roles=roles), FAILED,
            "owned by pg_database_owner (inherited by app_user; the database's owner is its member): row level security"
            " does not bind its owner unless forced, so no policy applies to app_user — fix: ALTER TABLE … FORCE ROW"
            " LEVEL SECURITY, or give it another owner")


def test_a_partition_owned_by_the_role_fails_what_the_table_must_not_allow():
    """Queried directly, a partition applies its own policies — to whom its own owner is."""
    facts = catalog(table("ev", kind="p", partitions=[("public.ev1", True)], policies=[READ_OWN]),
                    table("ev1", policies=[READ_OWN], owner="app_owner"), roles=OWNING)
    verdict({"table": "ev", "no_open_write_policies_for": ["authenticated"]}, facts, FAILED,
            "table public.ev1 (partition of public.ev) is owned by app_owner (inherited by authenticated)")


# Row level security off: PostgreSQL applies no policy on the table to anyone — each role named reads and writes every
# row its grants allow, as its owner does unforced
@pytest.mark.parametrize("params, status, seen", [
    ({"no_open_write_policies_for": ["anon"]}, FAILED,
     "table public.jobs has row level security off, so no policy applies to anon — fix: ALTER TABLE … ENABLE ROW"
     " LEVEL SECURITY"),
    ({"no_policies_for": ["PUBLIC"]}, FAILED, "so no policy applies to PUBLIC"),
    ({"policies_for": {"select": ["authenticated"]}, "no_policies_for": ["anon"]}, FAILED,
     "so no policy applies to anon/authenticated"),
    ({"no_policies_for": ["postgres", "member"]}, FAILED, "so no policy applies to member —"),  # postgres: said once
    ({"policies": True, "policies_never_mention": ["user_metadata"]}, PASSED, ""),  # what is written, not whom it binds
])
def test_policy_fields_fail_a_table_whose_row_level_security_is_off(params, status, seen):
    roles = [role("postgres", superuser=True), role("anon"), role("authenticated"), role("member")]
    grants = [("anon", "INSERT"), ("PUBLIC", "SELECT")]  # (what a role holds is what no policy keeps it from)
    facts = catalog(table(rls=False, policies=[READ_OWN], grants_=grants),
                    table("other", rls=False, policies=[READ_OWN], grants_=grants), roles=roles)
    outcome = verdict({"table": "jobs", **params}, facts, status, seen)
    assert "postgres —" not in outcome.observed and "postgres/" not in outcome.observed, outcome.observed
    many = judge({"tables": ["jobs", "other"], **params}, facts)  # many tables: one line
    assert many.status is status, many
    if status is FAILED:
        assert "2 tables have row level security off, so no policy applies to" in many.observed, many.observed


@pytest.mark.parametrize("grants, params, status", [
    ((), {"no_policies_for": ["anon"], "no_open_write_policies_for": ["anon"]}, PASSED),  # anon's grants revoked
    ((), {"policies_for": {"select": ["anon"]}}, FAILED),  # the policies were to bind it: they bind no one
    ((("anon", "SELECT"),), {"no_open_write_policies_for": ["anon"]}, PASSED),  # it reads, writes nothing
    ((("anon", "SELECT"),), {"no_policies_for": ["anon"]}, FAILED),
    ((("anon", "UPDATE(note)"),), {"no_open_write_policies_for": ["anon"]}, FAILED),  # a column's grant too
    ((("PUBLIC", "DELETE"),), {"no_open_write_policies_for": ["anon"]}, FAILED),  # everyone's
])
def test_with_row_level_security_off_a_must_not_field_fails_only_for_a_role_holding_what_it_is_about(
        grants, params, status):
    """An internal table with RLS off and anon's grants revoked keeps anon out by its grants alone: a schema-wide
    `no_open_write_policies_for: [anon]` holds there (it had failed every such table)."""
    table_grants = [g for g in grants if "(" not in g[1]]
    columns = ["id", column("note", grants_=[(g[0], g[1].split("(")[0]) for g in grants if "(" in g[1]])]
    facts = catalog(table(rls=False, policies=[READ_OWN], grants_=table_grants, columns=columns),
                    roles=[role("postgres", superuser=True), role("anon")])
    outcome = judge({"table": "jobs", **params}, facts)
    assert outcome.status is status, outcome.observed
    if status is FAILED:
        assert "row level security off, so no policy applies to anon" in outcome.observed, outcome.observed


def test_a_partition_with_row_level_security_off_fails_what_the_table_must_not_allow():
    """Queried directly, a partition applies its own policies: with its RLS off, none."""
    facts = catalog(table("ev", kind="p", partitions=[("public.ev1", False)], policies=[READ_OWN]),
                    table("ev1", rls=False, grants_=[("anon", "INSERT")]))
    verdict({"table": "ev", "no_open_write_policies_for": ["anon"]}, facts, FAILED,
            "table public.ev1 (partition of public.ev) has row level security off, so no policy applies to anon")
    outcome = verdict({"table": "ev", "rls": True, "no_policies_for": ["anon"]}, facts, FAILED,
                      "table public.ev has partition public.ev1 with row level security off")
    assert "no policy applies" not in outcome.observed, outcome.observed  # said once, by rls: true


# -- views and foreign tables ----------------------------------------------------------------------
VIEWS = [view("stats", security_invoker=True, grants_=[("authenticated", "SELECT")]),
         view("profiles_v", reads=["auth.users", "public.profiles"], grants_=[("anon", "SELECT")]),
         table("daily", kind="m", rls=False, indexes=[], grants_=[("authenticated", "SELECT")]),
         view("pg_stat_statements", extension_member=True)]


@pytest.mark.parametrize("params, status, seen", [
    ({"security_invoker": True}, FAILED, "view public.profiles_v runs with its owner's privileges"),
    ({"views": ["stats"], "security_invoker": True}, PASSED, "1 view as expected"),
    # one named is asked to read with the caller's rights: a materialized view never does
    ({"views": ["stats", "daily"], "security_invoker": True}, FAILED,
     "view public.daily is a materialized view: it has no security_invoker — its rows are read with its owner's"
     " rights when refreshed, and anyone granted SELECT on it reads them all"),
    ({"views": ["nope"]}, FAILED, "view public.nope does not exist"),
    ({"reading": ["auth.users"], "no_grants_to": ["anon", "authenticated"]}, FAILED,
     "view public.profiles_v grants SELECT to anon"),
    ({"reading": ["auth.sessions"], "no_grants_to": ["anon"]}, ERROR, "no views reading auth.sessions found"),
    ({"reading": ["auth.sessions"], "no_grants_to": ["anon"], "allow_empty": True}, PASSED, "as allow_empty permits"),
    ({"materialized": True, "no_grants_to": ["authenticated"]}, FAILED,
     "materialized view public.daily grants SELECT to authenticated"),
    ({"materialized": False, "no_grants_to": ["authenticated"]}, FAILED, "view public.stats grants SELECT"),
])
def test_views(params, status, seen):
    read = [table("users", schema="auth"), table("sessions", schema="auth"), table("profiles")]  # what views read
    outcome = verdict({"views_in": "public", **params}, catalog(*VIEWS, *read), status, seen)
    assert "pg_stat_statements" not in str(outcome.evidence)  # extension-owned views are not the app's


# A security_invoker view reads with the caller's rights only as far as each view it reads does too: a plain view
# without it, in any schema and at any depth, reads what it reads with its owner's rights and RLS (the catalog's
# view_graph has what every view reads itself; the judge follows it).
CHAIN = [view("my_notes", security_invoker=True, reads=["private.notes_all"]),
         view("notes_all", schema="private", reads=["public.notes"]), table("notes")]


@pytest.mark.parametrize("relations, seen", [
    (CHAIN, "view public.my_notes reads through view private.notes_all (public.my_notes → private.notes_all), which"
            " runs with its owner's privileges (security_invoker is off): what it reads is read with its owner's rights"
            " and RLS, not the caller's — set security_invoker on private.notes_all too"),
    # three deep, through invoker views, each in another schema: the path to the nearest definer view, and no further
    ([view("deep", security_invoker=True, reads=["a.one"]),
      view("one", schema="a", security_invoker=True, reads=["b.two"]),
      view("two", schema="b", security_invoker=True, reads=["c.three"]),
      view("three", schema="c", reads=["d.four"]),
      view("four", schema="d", reads=["public.notes"])],       # behind the definer view: its owner's reads
     "view public.deep reads through view c.three (public.deep → a.one → b.two → c.three)"),
    # of two ways to the same definer view, the shorter; of two as short, the one whose names come first
    ([view("deep", security_invoker=True, reads=["z.long", "b.two", "a.one"]),
      view("long", schema="z", security_invoker=True, reads=["y.longer"]),
      view("longer", schema="y", security_invoker=True, reads=["c.three"]),
      view("one", schema="a", security_invoker=True, reads=["c.three"]),
      view("two", schema="b", security_invoker=True, reads=["c.three"]),
      view("three", schema="c")],
     "view public.deep reads through view c.three (public.deep → a.one → c.three)"),
])
def test_a_security_invoker_view_reading_through_a_definer_view_fails(relations, seen):
    outcome = verdict({"views_in": "public", "security_invoker": True}, catalog(*relations), FAILED, seen)
    assert "d.four" not in outcome.observed


@pytest.mark.parametrize("relations", [
    # invoker views all the way down
    [view("notes_mine", schema="private", security_invoker=True, reads=["public.notes"])],
    # a materialized view stores its rows: what it read is its own subject (its grants), not the view's read
    [table("notes_daily", schema="private", kind="m", rls=False, indexes=[], reads=["private.notes_all"]),
     view("notes_all", schema="private")],
    # a cycle (CREATE OR REPLACE VIEW can make one) ends the walk
    [view("one", schema="a", security_invoker=True, reads=["b.two"]),
     view("two", schema="b", security_invoker=True, reads=["public.my_notes", "a.one"])],
])
def test_a_security_invoker_view_over_invoker_views_or_a_materialized_view_passes(relations):
    reads = [f"{r['schema']}.{r['name']}" for r in relations[:1]]
    verdict({"views_in": "public", "security_invoker": True},
            catalog(view("my_notes", security_invoker=True, reads=reads), *relations), PASSED, "1 view as expected")


def test_a_definer_view_reached_through_a_long_chain_is_found_without_recursion():
    depth = 5000  # far past Python's recursion limit
    names = [f"s{n}.v" for n in range(depth)]
    chain = [view("v", schema=f"s{n}", security_invoker=n < depth - 1, reads=names[n + 1:n + 2]) for n in range(depth)]
    outcome = verdict({"views_in": "public", "security_invoker": True},
                      catalog(view("top", security_invoker=True, reads=[names[0]]), *chain), FAILED,
                      f"view public.top reads through view {names[-1]} (public.top → s0.v → s1.v → … ({depth - 4}"
                      f" more) → {names[-2]} → {names[-1]}), which runs with its owner's privileges")
    assert outcome.evidence["relations"]["public.top"]["reads"] == ["s0.v"]
    assert outcome.evidence["relations"]["public.top"]["reads_through_definer_views"] == {
        names[-1]: ["public.top", *names]}  # the whole path


def test_every_view_of_a_long_chain_is_judged_in_one_walk():
    """Each view's way to the definer view below is read off one walk of the graph, not walked again from each view
    (a walk from each of 500 views is 125,000 steps)."""
    depth = 500
    chain = [view(f"v{n}", security_invoker=n > 0, reads=[f"public.v{n - 1}"] if n else ["public.notes"])
             for n in range(depth)]
    facts = catalog(*chain, table("notes"))
    steps = []
    readers = facts.view_graph.readers
    facts.view_graph._walks["readers"] = _Counted(readers(), steps)
    outcome = verdict({"views_in": "public", "security_invoker": True}, facts, FAILED,
                      "view public.v1 reads through view public.v0 (public.v1 → public.v0)")
    assert outcome.evidence["relations"][f"public.v{depth - 1}"]["reads_through_definer_views"] == {
        "public.v0": [f"public.v{n}" for n in range(depth - 1, -1, -1)]}
    assert len(steps) <= 2 * depth, len(steps)  # each view's readers looked up once or so


class _Counted(dict):
    """A dict counting its look-ups."""

    def __init__(self, data: dict, steps: list):
        super().__init__(data)
        self.steps = steps

    def get(self, key, default=None):
        self.steps.append(key)
        return super().get(key, default)


def test_reading_follows_views_through_views_not_through_a_materialized_view():
    facts = catalog(view("emails", reads=["private.users_v"]), view("users_v", schema="private", reads=["auth.users"]),
                    view("snapshot", reads=["private.users_mv"]),
                    table("users_mv", schema="private", kind="m", rls=False, indexes=[], reads=["auth.users"]),
                    table("users", schema="auth"))
    outcome = verdict({"views_in": "public", "reading": ["auth.users"]}, facts, PASSED, "1 view as expected")
    assert outcome.evidence["checked"] == ["public.emails"]
    assert outcome.evidence["relations"]["public.emails"] == {
        "kind": "view", "security_invoker": False, "reads": ["private.users_v"], "reads_through_views": ["auth.users"],
        "grants": ["postgres:SELECT"]}


def test_foreign_tables():
    facts = catalog(table("remote", kind="f", rls=False, grants_=[("anon", "SELECT")]))
    verdict({"foreign_tables_in": "public", "no_grants_to": ["anon"]}, facts, FAILED,
            "foreign table public.remote grants SELECT to anon")
    verdict({"foreign_tables_in": "public", "no_grants_to": ["authenticated"]}, facts, PASSED)
    verdict({"foreign_tables_in": "other", "no_grants_to": ["anon"]}, facts, ERROR, "no foreign tables found")


# -- functions -------------------------------------------------------------------------------------
B3 = {"functions_in": "public", "functions": ["complete_filling"], "security_definer": True, "fixed_search_path": True}
FIXED = ("search_path=public, pg_temp",)  # a fixed search_path: pg_temp listed last


@pytest.mark.parametrize("functions, status, seen", [
    ([function("complete_filling", config=FIXED)], PASSED, ""),
    ([function("complete_filling", config=None)], FAILED, "public.complete_filling(uuid) has a mutable search_path"),
    ([function("complete_filling", definer=False)], FAILED, "SECURITY INVOKER"),
    ([], FAILED, "public.complete_filling does not exist"),
])
def test_named_functions(functions, status, seen):
    verdict(B3, catalog(functions=functions), status, seen)


@pytest.mark.parametrize("params, status, seen", [
    ({"fixed_search_path": True}, FAILED, "function public.touch_updated_at() has a mutable search_path"),
    ({"fixed_search_path": True, "except_functions": ["touch_updated_at"]}, PASSED, "2 functions as expected"),
    ({"security_definer_only": True, "fixed_search_path": True}, PASSED, ""),
    ({"security_definer_only": True, "no_grants_to": ["anon"]}, FAILED,
     "function public.ingest(jsonb) grants EXECUTE to PUBLIC"),
    ({"security_definer_only": True, "no_grants_to": ["authenticated"]}, FAILED, "EXECUTE to PUBLIC"),
    ({"functions": ["assign"], "grants_to": {"authenticated": ["EXECUTE"]}}, PASSED, ""),
    ({"functions": ["assign"], "no_grants_to": ["anon"]}, PASSED, ""),
    ({"functions": ["ingest"], "grants_to": {"authenticated": ["EXECUTE"]}}, PASSED, ""),  # via PUBLIC
    ({"functions": ["assign"], "security_definer": False}, FAILED, "public.assign(uuid) is SECURITY DEFINER"),
])
def test_schema_functions(params, status, seen):
    functions = [function("assign", grants_=[("postgres", "EXECUTE"), ("authenticated", "EXECUTE")], config=FIXED),
                 function("ingest", args="jsonb", grants_=[("PUBLIC", "EXECUTE")], config=FIXED),
                 function("touch_updated_at", args="", definer=False, config=None, grants_=[("PUBLIC", "EXECUTE")]),
                 function("similarity", args="text, text", definer=False, config=None, extension_member=True)]
    outcome = verdict({"functions_in": "public", **params}, catalog(functions=functions), status, seen)
    assert "similarity" not in outcome.observed


def test_no_definer_functions_is_an_error_unless_allowed():
    facts = catalog(functions=[function("touch", definer=False)])
    verdict({"functions_in": "public", "security_definer_only": True, "no_grants_to": ["anon"]}, facts, ERROR,
            "no SECURITY DEFINER functions found in schema public")
    verdict({"functions_in": "public", "security_definer_only": True, "no_grants_to": ["anon"], "allow_empty": True},
            facts, PASSED)


# Named functions narrowed by security_definer_only: a named one that is SECURITY INVOKER (or an aggregate, whose
# support functions run as their owner) leaves nothing judged — an error naming it, never a pass, and allow_empty is
# refused with named functions
def test_named_functions_none_security_definer_is_an_error_naming_them():
    facts = catalog(functions=[function("inv", definer=False, args=""), function("inv", definer=False, args="integer"),
                               function("other", definer=True)])
    item = {"functions_in": "public", "functions": ["inv"], "security_definer_only": True, "no_grants_to": ["anon"]}
    outcome = verdict(item, facts, ERROR, "no SECURITY DEFINER functions among those named: public.inv(),"
                                          " public.inv(integer) are SECURITY INVOKER; nothing was checked (name the"
                                          " ones that are, or drop the filter to judge these)")
    assert set(outcome.evidence["left_out"]) == {"public.inv()", "public.inv(integer)"}, outcome.evidence
    with pytest.raises(ValidationError, match="allow_empty applies to a whole schema"):
        schema.Params.model_validate({**item, "allow_empty": True})


def test_named_functions_all_excepted_give_no_advice_the_loader_refuses():
    facts = catalog(functions=[function("f")])
    outcome = verdict({"functions_in": "public", "functions": ["f"], "except_functions": ["f"]}, facts, ERROR,
                      "nothing was checked")
    assert "allow_empty" not in outcome.observed, outcome.observed


# -- extensions ------------------------------------------------------------------------------------
EXTENSIONS = [extension("plpgsql", "1.0", schema="pg_catalog"), extension("pg_cron", "1.4.2", schema="pg_catalog"),
              extension("pg_trgm", "1.3", schema="public", default="1.6")]


@pytest.mark.parametrize("params, status, seen", [
    ({"extensions": ["pg_cron"]}, PASSED, ""),
    ({"extensions": ["vector"]}, FAILED, "extension vector is not installed"),
    ({"extensions": ["plv8", "timescaledb"], "installed": False}, PASSED, ""),
    ({"extensions": ["pg_trgm"], "installed": False}, FAILED, "extension pg_trgm is installed (version 1.3 in schema public)"),
    ({"extensions": ["pg_cron"], "min_versions": {"pg_cron": "1.4"}}, PASSED, ""),
    ({"extensions": ["pg_cron"], "min_versions": {"pg_cron": "1.5"}}, FAILED, "pg_cron is at version 1.4.2, below 1.5"),
    ({"all_extensions": True, "up_to_date": True}, FAILED, "extension pg_trgm is at version 1.3, not the default 1.6"),
    ({"all_extensions": True, "not_in_schemas": ["public"]}, FAILED, "extension pg_trgm is installed in schema public"),
    ({"all_extensions": True, "not_in_schemas": ["public"], "except_extensions": ["pg_trgm"]}, PASSED, ""),
])
def test_extensions(params, status, seen):
    verdict(params, catalog(extensions=EXTENSIONS), status, seen)


@pytest.mark.parametrize("installed, minimum, status", [
    ("1.6", "1.6.0", PASSED),  # the same number: a trailing zero adds nothing
    ("1.6.0", "1.6", PASSED),
    ("1.6", "1.6.0.1", FAILED),
    ("1.10", "1.9.9", PASSED),  # numbers, not text
    ("2", "1.99", PASSED),
    ("1.4.2", "1.4.10", FAILED),
    ("1.5beta1", "1.5", FAILED),  # a pre-release is below its release
    ("1.5-dev", "1.5", FAILED),
    ("1.5rc1", "1.5", FAILED),
    ("1.5.0-rc.2", "1.5", FAILED),
    ("1.5alpha", "1.5.0", FAILED),
    ("1.5beta1", "1.4.9", PASSED),  # and above the releases before it
    ("1.6-dev", "1.5", PASSED),
    ("1.5.1rc1", "1.5", PASSED),
])
def test_min_versions_compares_numbers_padded_with_zeros_a_pre_release_below_its_release(installed, minimum, status):
    verdict({"extensions": ["citext"], "min_versions": {"citext": minimum}},
            catalog(extensions=[extension("citext", installed)]), status,
            "" if status is PASSED else f"citext is at version {installed}, below {minimum}")


@pytest.mark.parametrize("installed", ["beta", "1.5+custom", "1.5p1", "1.5.x", "1.5 beta", "v1.5", "1.5beta1dev"])
def test_unreadable_extension_version_is_an_error(installed):
    """Anything but a dotted number, with at most a pre-release tag after it: no order is known, never a pass."""
    verdict({"extensions": ["odd"], "min_versions": {"odd": "1.0"}}, catalog(extensions=[extension("odd", installed)]),
            ERROR, "cannot be compared")


# -- schemas ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, status, seen", [
    ({"schemas": ["public"], "grants_to": {"anon": ["USAGE"]}}, PASSED, ""),      # via PUBLIC
    ({"schemas": ["public"], "no_grants_to": {"PUBLIC": ["CREATE"]}}, PASSED, ""),
    ({"schemas": ["public"], "no_grants_to": ["anon"]}, FAILED, "schema public grants USAGE to PUBLIC"),
    ({"schemas": ["private"], "no_grants_to": ["anon"]}, PASSED, ""),
    ({"schemas": ["private"], "grants_to": {"anon": ["USAGE"]}}, FAILED, "schema private does not grant USAGE to anon"),
    ({"schemas": ["gone"], "no_grants_to": ["anon"]}, FAILED, "schema gone does not exist"),
])
def test_schemas(params, status, seen):
    facts = catalog(schemas={"public": [("postgres", "USAGE"), ("postgres", "CREATE"), ("PUBLIC", "USAGE")],
                             "private": [("postgres", "USAGE")]})
    verdict(params, facts, status, seen)


# -- params: a field the subject's judge does not read is refused -----------------------------------
SAMPLE = {
    "table": "public.jobs", "tables": ["public.jobs"], "all_tables_in": "public", "views_in": "public",
    "foreign_tables_in": "public", "functions_in": "public", "extensions": ["pg_cron"], "all_extensions": True,
    "schemas": ["public"], "except_tables": ["a"], "views": ["v"], "materialized": True, "reading": ["auth.users"],
    "functions": ["f"], "except_functions": ["f"], "security_definer_only": True, "except_extensions": ["x"],
    "allow_empty": True, "columns": ["id"], "not_null": ["id"], "defaults": {"id": True}, "types": {"id": "uuid"},
    "checked": ["id"], "no_columns_of_type": ["json"], "rls": True, "unique": ["id"], "foreign_keys_indexed": True,
    "references_primary_keys_in": ["auth"], "published_in": ["p"], "not_published_in": ["p"], "policies": True,
    "policies_for": {"select": ["anon"]}, "no_policies_for": ["anon"], "no_open_write_policies_for": ["anon"],
    "policies_never_mention": ["x"], "no_grants_to": ["anon"], "no_write_grants_to": ["anon"],
    "grants_to": {"anon": ["ALL"]}, "security_definer": True, "fixed_search_path": True, "security_invoker": True,
    "installed": False, "min_versions": {"pg_cron": "1.5"}, "up_to_date": True, "not_in_schemas": ["public"],
}
UNREAD = [(subject, name) for subject in schema.SUBJECTS for name in schema.Params.model_fields
          if name not in schema.SUBJECTS and name not in schema.READS[subject]]


def test_every_field_has_a_sample_and_is_read_by_some_subject():
    assert set(SAMPLE) == set(schema.Params.model_fields)
    unread = set(schema.Params.model_fields) - set(schema.SUBJECTS) - set().union(*schema.READS.values())
    assert unread == set()


@pytest.mark.parametrize("subject, name", UNREAD, ids=[f"{s}-{n}" for s, n in UNREAD])
def test_a_field_its_subject_does_not_read_is_refused(subject, name):
    with pytest.raises(ValidationError, match=f"{name} is not judged with {subject}; it applies to"):
        schema.Params.model_validate({subject: SAMPLE[subject], name: SAMPLE[name]})


@pytest.mark.parametrize("params, match", [
    ({"table": "a", "all_tables_in": "public"}, "exactly one of"),
    ({"columns": ["a"]}, "exactly one of"),
    ({"tables": []}, "at least 1 item"),
    ({"functions_in": "public", "grants_to": {"anon": ["SELECT"]}}, "privileges on a function are ALL, EXECUTE"),
    ({"schemas": ["public"], "no_grants_to": {"anon": ["SELECT"]}}, "privileges on a schema"),
    ({"table": "a", "grants_to": {"anon": []}}, "got none"),
    ({"table": "a", "policies_for": {"read": ["anon"]}}, "unknown command"),
    ({"functions_in": "public", "functions": ["f"], "allow_empty": True}, "allow_empty applies to a whole schema"),
    ({"extensions": ["a"], "installed": False, "up_to_date": True}, "installed: false cannot be combined"),
    ({"extensions": ["a"], "min_versions": {"b": "1.0"}}, "min_versions names b"),
    ({"extensions": ["a"], "min_versions": {"a": "latest"}}, "not a dotted number"),
    ({"functions_in": "public", "fixed_search_path": False}, "Input should be True"),
    ({"views_in": "public", "materialized": True, "security_invoker": True}, "materialized views have none"),
])
def test_params_refused(params, match):
    with pytest.raises(ValidationError, match=match):
        schema.Params.model_validate(params)


def test_role_and_privilege_names_are_normalised():
    p = schema.Params.model_validate({"table": "a", "no_grants_to": {"public": ["select"]}, "grants_to": {"anon": ["all"]}})
    assert p.no_grants_to == {PUBLIC: ["SELECT"]} and p.grants_to == {"anon": ["ALL"]}


# -- role names: PUBLIC is everyone, a name in double quotes the role it spells ----------------------
@pytest.mark.parametrize("written, role", [
    ("PUBLIC", PUBLIC), ("public", PUBLIC), ("Public", PUBLIC),   # unquoted, any case: the keyword
    ('"public"', PUBLIC),                                          # as in SQL: no role may be called public
    ('"PUBLIC"', "PUBLIC"), ('"Public"', "Public"),                # real roles (PostgreSQL allows them)
    ("anon", "anon"), ("Web.User", "Web.User"), ('"Web.User"', "Web.User"), ('"say ""hi"""', 'say "hi"'),
])
def test_a_role_is_named_as_sql_names_it(written, role):
    p = schema.Params.model_validate({"table": "a", "no_write_grants_to": [written], "grants_to": {written: ["SELECT"]}})
    assert p.no_write_grants_to == [role] and p.grants_to == {role: ["SELECT"]}


@pytest.mark.parametrize("written", ['"Public', '"a"b"'])  # '""' is an empty name: see below
def test_a_role_in_broken_quotes_is_refused(written):
    with pytest.raises(ValidationError, match="double quotes"):
        schema.Params.model_validate({"table": "a", "no_grants_to": [written]})


@pytest.mark.parametrize("written", ["", '""'])
@pytest.mark.parametrize("field", ["no_grants_to", "no_write_grants_to", "grants_to", "no_policies_for"])
def test_an_empty_role_name_is_refused_at_load(field, written):
    value = {written: ["SELECT"]} if field == "grants_to" else [written]
    with pytest.raises(ValidationError, match="role name is empty") as refused:
        schema.Params.model_validate({"table": "a", field: value})
    assert "double quotes" not in str(refused.value)


@pytest.mark.parametrize("role", [" PUBLIC", "PUBLIC ", "Public", "PUBLIC", '"PUBLIC"', '"x', " anon", "anon\t",
                                  "a b", "anon", "Web.User", 'say "hi"'])
def test_a_role_label_reads_back_as_the_role(role):
    label = role_label(role)
    assert role_name(label) == role
    assert (label == role) == (role in ("a b", "anon", "Web.User", 'say "hi"'))  # the rest need quotes


def test_everyone_is_labelled_public_and_an_empty_name_shows_as_empty_quotes():
    assert role_label(PUBLIC) == "PUBLIC" and role_label("") == '""'


def test_a_role_whose_name_has_spaces_at_its_ends_is_not_shown_as_everyone():
    roles = [role("postgres", superuser=True), role(" PUBLIC"), role("anon ")]
    facts = catalog(table(grants_=[('" PUBLIC"', "UPDATE"), ('"anon "', "DELETE")]), roles=roles)
    verdict({"table": "jobs", "no_write_grants_to": ['" PUBLIC"']}, facts, FAILED, 'grants UPDATE to " PUBLIC"')
    verdict({"table": "jobs", "no_write_grants_to": ['"anon "']}, facts, FAILED, 'grants DELETE to "anon "')
    outcome = judge({"table": "jobs", "no_grants_to": ["anon"]}, facts)
    assert outcome.evidence["tables"]["public.jobs"]["grants"] == ['" PUBLIC":UPDATE', '"anon ":DELETE', "postgres:SELECT"]


CAPITAL_ROLES = [role("postgres", superuser=True), role("anon"), role("authenticated"), role("service_role"),
                 role("PUBLIC"), role("Public")]
CAPITAL = catalog(table("k", grants_=[('"PUBLIC"', "SELECT"), ('"Public"', "INSERT")],
                        policies=[policy("k_insert", ['"PUBLIC"'], "a", using=None, check="true"),
                                  policy("k_select", ['"PUBLIC"'], "r", using="true")]),
                  table("everyone", grants_=[("PUBLIC", "SELECT")], policies=[policy("e", ["PUBLIC"], "a", check="true")]),
                  roles=CAPITAL_ROLES)


@pytest.mark.parametrize("params, status, seen", [
    ({"table": "k", "no_grants_to": ["anon"]}, PASSED, ""),
    ({"table": "k", "grants_to": {"anon": ["SELECT"]}}, FAILED, "table public.k does not grant SELECT to anon"),
    ({"table": "k", "no_open_write_policies_for": ["anon"]}, PASSED, ""),
    ({"table": "k", "policies_for": {"select": ["authenticated"]}}, FAILED, "no permissive SELECT policy for authenticated"),
    ({"table": "k", "no_grants_to": ['"PUBLIC"']}, FAILED, 'table public.k grants SELECT to "PUBLIC"'),
    ({"table": "k", "no_write_grants_to": ['"Public"']}, FAILED, 'table public.k grants INSERT to "Public"'),
    ({"table": "k", "no_write_grants_to": ["Public"]}, PASSED, ""),
    ({"table": "k", "policies_for": {"select": ['"PUBLIC"']}}, PASSED, ""),
    ({"table": "everyone", "no_grants_to": ["anon"]}, FAILED, "table public.everyone grants SELECT to PUBLIC"),
    ({"table": "everyone", "no_grants_to": ['"PUBLIC"']}, FAILED, "grants SELECT to PUBLIC"),  # everyone's is its too
    ({"table": "everyone", "no_open_write_policies_for": ["anon"]}, FAILED, "INSERT policy e that is always true"),
])
def test_a_role_named_public_in_capitals_is_a_role_not_everyone(params, status, seen):
    outcome = verdict(params, CAPITAL, status, seen)
    assert '"PUBLIC"' not in outcome.expected or '"PUBLIC"' in str(params)


def test_everyone_and_a_role_named_public_are_told_apart_in_the_evidence():
    outcome = judge({"table": "k", "no_policies_for": ["anon"], "no_grants_to": ["anon"]}, CAPITAL)
    assert outcome.evidence["tables"]["public.k"]["grants"] == ['"PUBLIC":SELECT', '"Public":INSERT', "postgres:SELECT"]
    assert [p["roles"] for p in outcome.evidence["tables"]["public.k"]["policies"]] == [['"PUBLIC"'], ['"PUBLIC"']]
    outcome = judge({"table": "everyone", "no_grants_to": ["authenticated"], "policies": True}, CAPITAL)
    assert "PUBLIC:SELECT" in outcome.evidence["tables"]["public.everyone"]["grants"]
    assert outcome.observed == "table public.everyone grants SELECT to PUBLIC"
    p = make_check("schema", {"table": "public.k", "no_grants_to": {'"PUBLIC"': ["ALL"], "public": ["INSERT"]}}).params
    assert schema._describe(p) == 'public.k exists, no ALL for "PUBLIC", no INSERT for PUBLIC'


# -- a list or mapping given empty states nothing: refused -------------------------------------------
EMPTY_FIELDS = [name for name, value in SAMPLE.items() if isinstance(value, (list, dict))]


@pytest.mark.parametrize("name", EMPTY_FIELDS)
def test_an_empty_list_or_mapping_is_refused(name):
    subject = next(s for s in schema.SUBJECTS if name == s or name in schema.READS[s])
    params = {subject: SAMPLE[subject], name: type(SAMPLE[name])()}
    with pytest.raises(ValidationError) as refused:
        schema.Params.model_validate(params)
    assert refused.value.errors()[0]["loc"][0] == name, refused.value
    assert "got none" in str(refused.value) or "at least 1 item" in str(refused.value), refused.value


@pytest.mark.parametrize("params, where", [
    ({"table": "a", "no_grants_to": {}}, "no_grants_to"),
    ({"table": "a", "policies_for": {"select": []}}, "policies_for"),
    ({"table": "a", "policies_for": {"select": ["anon"], "update": []}}, "policies_for"),
    ({"table": "a", "grants_to": {"anon": []}}, "grants_to"),
    ({"table": "a", "no_grants_to": {"anon": []}}, "no_grants_to"),
])
def test_an_empty_list_inside_a_mapping_is_refused(params, where):
    with pytest.raises(ValidationError, match="got none") as refused:
        schema.Params.model_validate(params)
    assert refused.value.errors()[0]["loc"][0] == where, refused.value


def test_the_loader_names_the_item_and_the_field_of_an_empty_list(tmp_path):
    items = [{"id": "X1", "name": "empty", "section": "S", "title": "t", "family": "schema", "cadence": "postdeploy",
              "severity": "normal", "params": {"table": "public.g", "no_grants_to": []}},
             {"id": "X2", "name": "roles", "section": "S", "title": "t", "family": "schema", "cadence": "postdeploy",
              "severity": "normal", "params": {"table": "public.g", "policies_for": {"select": []}}}]
    (tmp_path / "x.yaml").write_text(yaml.safe_dump({"system": "x", "runbook": "none.txt", "items": items}))
    with pytest.raises(ConfigError) as refused:
        load_checklists(tmp_path)
    said = str(refused.value)
    assert "X1-empty: params.no_grants_to:" in said and "X2-roles: params.policies_for:" in said, said
    assert said.count("got none") == 2, said


# -- schema names as SQL quotes them; what a named view is; except names that match nothing ----------
APP = catalog(table("Users", schema="App", rls=True), table("Users", schema="app", rls=False),
              functions=[function("Fn", schema="App", config=FIXED)], schemas={"App": [], "app": [], "public": []})


@pytest.mark.parametrize("params, status, seen", [
    ({"functions_in": '"App"', "fixed_search_path": True}, PASSED, "1 function as expected"),
    ({"functions_in": "App", "fixed_search_path": True}, PASSED, "1 function as expected"),
    ({"all_tables_in": '"App"', "rls": True}, PASSED, "1 table as expected"),
    ({"all_tables_in": "app", "rls": True}, FAILED, "table app.\"Users\" has row level security off"),
    ({"functions_in": '"Ap"', "fixed_search_path": True}, ERROR, 'no functions found in schema "Ap" (which does not'),
    ({"schemas": ['"App"'], "no_grants_to": ["anon"]}, PASSED, "1 schema as expected"),
])
def test_a_schema_name_may_be_written_in_double_quotes(params, status, seen):
    verdict(params, APP, status, seen)


@pytest.mark.parametrize("params", [{"functions_in": '"App'}, {"all_tables_in": '"a"."b"'}, {"views_in": '"a".b'}])
def test_a_schema_name_that_is_no_schema_name_is_refused(params):
    with pytest.raises(ValidationError, match="schema name"):
        schema.Params.model_validate(params)


def test_a_quoted_schema_name_is_what_the_query_reads():
    check = make_check("schema", {"functions_in": '"App"', "fixed_search_path": True})
    ((_, params),) = schema.database_statements(None, [check])
    assert params["function_schemas"] == ["App"]


KINDS = catalog(table("base"), view("v_base"), table("mv_base", kind="m", rls=False, indexes=[]))


@pytest.mark.parametrize("params, seen", [
    ({"views": ["mv_base"], "materialized": False}, "view public.mv_base is a materialized view"),
    ({"views": ["base"]}, "view public.base is a table"),
    ({"views": ["v_base"], "materialized": True}, "materialized view public.v_base is a view"),
    ({"views": ["gone"]}, "view public.gone does not exist"),
])
def test_a_named_view_of_another_kind_is_said_to_be_one(params, seen):
    outcome = verdict({"views_in": "public", **params}, KINDS, FAILED, seen)
    assert outcome.observed == seen


def test_a_named_view_is_read_whatever_its_kind():
    check = make_check("schema", {"views_in": "public", "views": ["base", "private.x"]})
    ((_, params),) = schema.database_statements(None, [check])
    assert list(zip(params["named_schemas"], params["named_relations"])) == [("private", "x"), ("public", "base")]


def test_except_tables_are_named_as_parsed_and_those_matching_nothing_are_in_the_evidence():
    facts = catalog(table("a.b", rls=False), table("c"))
    outcome = verdict({"all_tables_in": "public", "rls": True, "except_tables": ["a.b", "nosuch"]}, facts, FAILED,
                      'table public."a.b" has row level security off')
    assert outcome.expected == "every table in public except a.b, public.nosuch, RLS on"
    assert outcome.evidence["except_tables_matching_nothing"] == ["a.b", "public.nosuch"]
    outcome = verdict({"all_tables_in": "public", "rls": True, "except_tables": ['"a.b"']}, facts, PASSED)
    assert outcome.expected == 'every table in public except public."a.b", RLS on'
    assert "except_tables_matching_nothing" not in outcome.evidence


def test_except_functions_and_extensions_matching_nothing_are_in_the_evidence():
    functions = catalog(functions=[function("a", config=FIXED), function("b", config=FIXED)])
    outcome = verdict({"functions_in": "public", "except_functions": ["b", "nope"], "fixed_search_path": True},
                      functions, PASSED, "1 function as expected")
    assert outcome.evidence["except_functions_matching_nothing"] == ["nope"]
    outcome = verdict({"all_extensions": True, "except_extensions": ["pg_trgm", "vectr"], "up_to_date": True},
                      catalog(extensions=EXTENSIONS), PASSED)
    assert outcome.evidence["except_extensions_matching_nothing"] == ["vectr"]


@pytest.mark.parametrize("want, have, same", [
    # read with search_path pinned to pg_catalog, a name in public prints qualified: written as the app's usual
    # search_path prints it, unqualified, it is the same default
    ("nextval('orders_id_seq'::regclass)", "nextval('public.orders_id_seq'::regclass)", True),
    ("nextval('public.orders_id_seq'::regclass)", "nextval('public.orders_id_seq'::regclass)", True),
    ("public.next_code()", "public.next_code()", True),
    ("next_code()", "public.next_code()", True),
    ("nextval('other_seq'::regclass)", "nextval('public.orders_id_seq'::regclass)", False),
    ("uuid_generate_v4()", "extensions.uuid_generate_v4()", False),  # another schema's stays its own
    ("'public.x'", "'public.x'::text", True),
])
def test_a_default_naming_public_may_be_written_unqualified(want, have, same):
    assert schema._same_default(want, have) is same


@pytest.mark.parametrize("want, have, same", [
    ("'a'", "'a'::public.\"my-type\"", True),
    ("'a'", "'a'::\"Mood\"", True),
    ("'x'", "'x'::character varying(10)", True),
    ("1.5", "1.5::numeric(8,2)", True),
    ("-1", "'-1'::numeric(8,2)", True),
    ("'a'", "'b'::public.\"my-type\"", False),
    ("'a'", "('a'::text || 'b'::text)", False),  # no trailing cast: an expression's parentheses stay
])
def test_a_trailing_cast_left_out_is_any_type_name(want, have, same):
    """A trailing cast is a type name as format_type prints it: quoted (any character), with a modifier, an array."""
    assert schema._same_default(want, have) is same


def test_a_trailing_cast_is_found_in_linear_time():
    """A run of doubled quotes that a backtracking pattern reads 2^40 ways: it returns at all only if the pattern reads
    each character once (no clock is read: a slow machine is no failure, a pattern gone exponential never returns)."""
    assert not schema._same_default("'a'", "'a'::" + '""' * 40 + "'")


# -- what another session's lock kept from being deparsed is never read as "no default" / "no policy" ---------------
HELD = {"schema": "public", "name": "jobs", "pid": 4242, "granted": True}


@pytest.mark.parametrize("params, status, seen", [
    ({"defaults": {"updated_at": False}}, ERROR, "public.jobs is locked by another session (pid 4242,"
                                                 " AccessExclusiveLock: a migration?); its column defaults were not read"),
    ({"no_open_write_policies_for": ["anon"], "defaults": {"id": True}}, ERROR, "its column defaults and policies were"
                                                                              " not read — check again once it is released"),
    ({"policies": False}, ERROR, "its policies were not read"),
    ({"columns": ["id"], "rls": True, "no_grants_to": ["anon"]}, PASSED, "1 table as expected"),  # nothing deparsed
])
def test_a_locked_relations_unread_parts_make_its_items_errors(params, status, seen):
    facts = catalog(table(locks=[HELD], policies=[READ_OWN]))
    outcome = verdict({"table": "jobs", **params}, facts, status, seen)
    assert outcome.evidence["tables"]["public.jobs"]["locks"] == [HELD]


def test_a_lock_on_what_a_policy_reads_leaves_the_defaults_read():
    elsewhere = {**HELD, "name": "orders", "granted": False}
    facts = catalog(table(locks=[elsewhere], columns=[column("id", default="0")], policies=[READ_OWN]),
                    table("ev", kind="p", partitions=[("public.jobs", True)]))
    verdict({"table": "jobs", "defaults": {"id": "0"}}, facts, PASSED)
    verdict({"table": "jobs", "policies": True}, facts, ERROR,
            "public.jobs: its policies read public.orders, which has another session waiting for AccessExclusiveLock on"
            " it (pid 4242: a migration?), which every read of it queues behind; they were not read")
    verdict({"table": "ev", "no_policies_for": ["anon"]}, facts, ERROR,
            "public.jobs (partition of public.ev): its policies read public.orders")
