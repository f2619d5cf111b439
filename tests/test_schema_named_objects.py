"""What a `schema` item names is judged as PostgreSQL has it: an aggregate is one of a schema's functions (ALL FUNCTIONS
IN SCHEMA grants on it, PUBLIC may EXECUTE it, and it runs its support functions as they say — a SECURITY DEFINER one
as its owner), and a schema, type or relation a field names that does not exist is an error, never a pass on nothing
(`reading: [auth.user]`, `references_primary_keys_in: [auht]`, `not_in_schemas: [pubilc]`,
`no_columns_of_type: [regprok]`: a typo would pass where the right spelling fails).

Judged on fabricated catalog facts, and on a scratch database of the demo's PostgreSQL 18 and of Debian's
PostgreSQL 15 as the read-only checker role.
"""

from __future__ import annotations

import pytest
import psycopg
from pydantic import ValidationError

from opsverify.families import schema
from opsverify.outcome import Status

from .catalog import catalog, column, constraint, extension, function, table, view
from .kit import make_check
from . import test_schema_stranger
from .test_schema_stranger import expect, judge_on, verdict

server = test_schema_stranger.server  # the fixture: a scratch database of PostgreSQL 18, and of 15

PASSED, FAILED, ERROR = Status.PASSED, Status.FAILED, Status.ERROR
NOTHING = "does not exist on the target; nothing was checked for it"


# -- aggregates are functions of the schema -----------------------------------------------------------
AGGREGATES = catalog(functions=[
    function("step", args="s text, x integer", definer=True, config=None, grants_=[("postgres", "EXECUTE")]),
    function("whoami", args="integer", kind="a", definer=False, config=None,
             grants_=[("PUBLIC", "EXECUTE"), ("postgres", "EXECUTE")]),
])


@pytest.mark.parametrize("params, status, seen", [
    ({"no_grants_to": ["anon"]}, FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
    ({"functions": ["whoami"], "no_grants_to": ["anon"]}, FAILED, "whoami(integer) grants EXECUTE to PUBLIC"),
    ({"functions": ["whoami"], "grants_to": {"anon": ["EXECUTE"]}}, PASSED, "1 function as expected"),
    ({"functions": ["whoami"], "security_definer": False}, PASSED, "1 function as expected"),
    ({"functions": ["whoami"], "security_definer": True}, FAILED,
     "function public.whoami(integer) is an aggregate, never SECURITY DEFINER (only support functions"),
    # no search_path of its own: its support functions are judged as functions
    ({"fixed_search_path": True}, FAILED, "function public.step(s text, x integer) has a mutable search_path"),
    ({"functions": ["whoami"], "fixed_search_path": True}, PASSED, "1 function as expected"),
    ({"security_definer_only": True, "no_grants_to": ["anon"]}, PASSED, "1 function as expected"),
])
def test_an_aggregate_is_judged_as_a_function_of_its_schema(params, status, seen):
    outcome = verdict({"functions_in": "public", **params}, AGGREGATES, status, seen)
    if "whoami" in str(outcome.evidence["checked"]):
        assert outcome.evidence["functions"]["public.whoami(integer)"]["kind"] == "aggregate", outcome.evidence


def test_a_window_function_is_judged_as_any_function():
    facts = catalog(functions=[function("ranked", args="integer", kind="w", definer=True, config=None)])
    verdict({"functions_in": "public", "fixed_search_path": True}, facts, FAILED,
            "function public.ranked(integer) has a mutable search_path")
    verdict({"functions_in": "public", "security_definer": False}, facts, FAILED, "is SECURITY DEFINER")


def test_aggregates_on_a_real_database(server):
    """The aggregate anon may execute runs the SECURITY DEFINER function revoked from PUBLIC as its owner."""
    _, fresh = server
    ddl = """create function public.step(s text, x int) returns text language sql security definer
               set search_path = '' as $$ select current_user::text $$;
             revoke execute on function public.step(text, int) from public;
             create aggregate public.whoami(int) (sfunc = public.step, stype = text);"""
    with fresh(ddl) as url:
        outcomes = judge_on(url, [{"functions_in": "public", "no_grants_to": ["anon"]},
                                  {"functions_in": "public", "functions": ["whoami"], "no_grants_to": ["anon"]},
                                  {"functions_in": "public", "fixed_search_path": True},
                                  {"functions_in": "public", "functions": ["whoami"], "security_definer": True}])
    expect(outcomes, [(FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
                      (FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
                      (PASSED, "2 functions as expected"),
                      (FAILED, "function public.whoami(integer) is an aggregate, never SECURITY DEFINER")])
    assert outcomes[0].evidence["functions"]["public.whoami(integer)"]["kind"] == "aggregate"
    assert outcomes[0].evidence["functions"]["public.step(s text, x integer)"]["kind"] == "function"



# An aggregate calls its support functions by oid, and a SECURITY DEFINER one runs as its owner for whoever may
# EXECUTE the aggregate (PostgreSQL checks the aggregate's owner's EXECUTE on it, not the caller's): the aggregate is an
# entry point to definer code, and the support function is judged as a definer function wherever it lives, named with
# the aggregate reaching it. Before, `security_definer_only` left every aggregate out and a support function in
# another schema was judged by no item of this one: a pass while anon ran a definer function of a mutable search_path.
def reaching(search_path: str | None, role: str = "state") -> object:
    step = function("step", schema="private", args="s text, x integer", config=search_path and [search_path],
                    grants_=[("postgres", "EXECUTE")])
    return catalog(functions=[
        function("other", args="", config=['search_path=""'], grants_=[("postgres", "EXECUTE")]),
        function("whoami", args="integer", kind="a", definer=False, config=None,
                 grants_=[("PUBLIC", "EXECUTE"), ("postgres", "EXECUTE")], definer_support=[(role, step)]),
    ])


REACHED = "function private.step(s text, x integer) (state function of aggregate public.whoami(integer))"


@pytest.mark.parametrize("params", [{"security_definer_only": True, "fixed_search_path": True},
                                    {"fixed_search_path": True},
                                    {"functions": ["whoami"], "fixed_search_path": True},
                                    {"functions": ["whoami"], "security_definer_only": True,
                                     "fixed_search_path": True}])
def test_an_aggregates_definer_support_function_elsewhere_is_judged_for_its_search_path(params):
    item = {"functions_in": "public", **params}
    healthy = verdict(item, reaching("search_path=pg_catalog, pg_temp"), PASSED)
    assert "public.whoami(integer)" in healthy.evidence["checked"], healthy.evidence
    outcome = verdict(item, reaching(None), FAILED, f"{REACHED} has a mutable search_path")
    assert "fixed search_path" in outcome.expected or "search_path" in outcome.expected, outcome.expected
    assert outcome.evidence["functions"]["public.whoami(integer)"]["definer_support"] == [
        {"role": "state", "function": "private.step(s text, x integer)", "config": [], "owner": "postgres"}]


def test_an_aggregate_reaching_a_definer_function_is_an_entry_point_security_definer_only_keeps():
    """The step is revoked from PUBLIC, the aggregate is not: anon runs the step as its owner through it."""
    item = {"functions_in": "public", "security_definer_only": True, "no_grants_to": ["anon"]}
    verdict(item, reaching('search_path=""'), FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC")
    verdict({**item, "except_functions": ["whoami"]}, reaching('search_path=""'), PASSED, "1 function as expected")


@pytest.mark.parametrize("role", ["final", "combine", "moving state"])
def test_any_definer_support_function_of_an_aggregate_is_reached(role):
    verdict({"functions_in": "public", "security_definer_only": True, "fixed_search_path": True}, reaching(None, role),
            FAILED, f"function private.step(s text, x integer) ({role} function of aggregate public.whoami(integer))")


def test_an_aggregate_reaching_a_definer_function_elsewhere_on_a_real_database(server):
    """private.step (state) and private.fin (final) are SECURITY DEFINER and revoked from PUBLIC; public's aggregates
    over them are not, and anon runs them as their owner: judged by public's items, healthy (search_path set) and
    broken (none)."""
    _, fresh = server
    ddl = """create schema private;
             create function private.step(s text, x int) returns text language sql security definer {path}
               as $$ select current_user::text $$;
             create function private.fin(s int) returns text language sql security definer {path}
               as $$ select s::text $$;
             revoke execute on all functions in schema private from public;
             create aggregate public.whoami(int) (sfunc = private.step, stype = text);
             create aggregate public.tally(int) (sfunc = pg_catalog.int4pl, stype = int, finalfunc = private.fin);
             create function public.other() returns int language sql security definer set search_path = ''
               as 'select 1';
             revoke execute on function public.other() from public;"""
    items = [{"functions_in": "public", "security_definer_only": True, "fixed_search_path": True},
             {"functions_in": "public", "fixed_search_path": True},
             {"functions_in": "public", "security_definer_only": True, "no_grants_to": ["anon"]}]
    entry = "2 functions grant EXECUTE to PUBLIC: public.tally(integer), public.whoami(integer)"
    with fresh(ddl.format(path="set search_path = ''")) as url:
        with psycopg.connect(url.admin, autocommit=True) as conn:  # what the verdict rests on
            conn.execute("set role anon")
            assert conn.execute("select public.whoami(1)").fetchone()[0] != "anon"
        expect(judge_on(url, items), [(PASSED, "3 functions as expected"), (PASSED, "3 functions as expected"),
                                      (FAILED, entry)])
    with fresh(ddl.format(path="")) as url:
        outcomes = judge_on(url, items)
    mutable = ("2 functions have a mutable search_path: private.fin(s integer) (final function of aggregate"
               " public.tally(integer)), private.step(s text, x integer) (state function of aggregate"
               " public.whoami(integer))")
    expect(outcomes, [(FAILED, mutable), (FAILED, mutable), (FAILED, entry)])


# -- a relation `reading` names must exist ------------------------------------------------------------
READERS = catalog(view("emails", reads=["auth.users"], grants_=[("anon", "SELECT")]),
                  table("users", schema="auth"), table("sessions", schema="auth"))


@pytest.mark.parametrize("reading, status, seen", [
    (["auth.users"], FAILED, "view public.emails grants SELECT to anon"),
    (["auth.sessions"], PASSED, "no views reading auth.sessions in schema public, as allow_empty permits"),
    (["auth.user"], ERROR, f"reading: relation auth.user {NOTHING}"),
    (["users"], ERROR, f"reading: relation public.users {NOTHING}"),  # public's, as a table's name is read
    (["auth.users", "auth.user"], ERROR, f"reading: relation auth.user {NOTHING}"),  # the other is judged
])
def test_a_relation_reading_names_that_does_not_exist_is_an_error(reading, status, seen):
    verdict({"views_in": "public", "reading": reading, "no_grants_to": ["anon"], "allow_empty": True}, READERS,
            status, seen)


# Named views narrowed by `reading`: a named view that reads none of the tables, as the catalog shows it, leaves
# nothing judged — an error naming it and what it reads, never a pass (a view over a function reading auth.users reads
# "no relation" there), and allow_empty is refused with named views
NAMED_NOT_READING = catalog(view("v", reads=["public.other"], grants_=[("anon", "SELECT")]), table("other"),
                            view("w", reads=[], grants_=[("anon", "SELECT")]), table("users", schema="auth"))
NAMED_ITEM = {"views_in": "public", "views": ["v"], "reading": ["auth.users"], "no_grants_to": ["anon"]}


def test_a_named_view_reading_none_of_the_tables_is_an_error_naming_what_it_reads():
    outcome = verdict(NAMED_ITEM, NAMED_NOT_READING, ERROR,
                      "no views reading auth.users among those named: public.v reads none of them (it reads"
                      " public.other); nothing was checked (name the ones that are, or drop the filter to judge"
                      " these)")
    assert outcome.evidence["left_out"] == {"public.v": {"reads": ["public.other"]}}, outcome.evidence
    verdict({**NAMED_ITEM, "views": ["v", "w"]}, NAMED_NOT_READING, ERROR,
            "public.v, public.w read none of them; nothing was checked")
    # a named view that does not exist fails: it was not checked
    verdict({**NAMED_ITEM, "views": ["v", "gone"]}, NAMED_NOT_READING, FAILED, "view public.gone does not exist")


def test_a_named_view_left_out_beside_one_kept_is_an_error_never_a_pass_of_the_other():
    """views [direct, via_fn] with reading auth.users: via_fn selects from a SECURITY DEFINER function returning
    auth.users rows ("reads no relation" in the catalog) and anon reads them; it was dropped without a word and the
    item passed "1 view as expected" on direct alone."""
    facts = catalog(view("direct", reads=["auth.users"]), view("via_fn", reads=[], grants_=[("anon", "SELECT")]),
                    table("users", schema="auth"))
    outcome = verdict({**NAMED_ITEM, "views": ["direct", "via_fn"]}, facts, ERROR,
                      "not all named are views reading auth.users: public.via_fn reads none of them (it reads no"
                      " relation); nothing was checked, not even the 1 other")
    assert outcome.evidence["left_out"] == {"public.via_fn": {"reads": []}}, outcome.evidence
    assert outcome.evidence["kept_by_the_filter"] == ["public.direct"], outcome.evidence


def test_a_named_aggregate_left_out_beside_a_definer_function_is_an_error_never_a_pass_of_the_other():
    """functions [step, whoami] with security_definer_only: whoami, an aggregate calling no SECURITY DEFINER support
    function (an aggregate that calls one is kept: it runs it as its owner), was dropped without a word and the item
    passed "1 function as expected" on step alone."""
    outcome = verdict({"functions_in": "public", "functions": ["step", "whoami"], "security_definer_only": True,
                       "no_grants_to": ["anon"]}, AGGREGATES, ERROR,
                      "not all named are SECURITY DEFINER functions: public.whoami(integer) is an aggregate with no"
                      " SECURITY DEFINER support function; nothing was checked, not even the 1 other")
    assert outcome.evidence["kept_by_the_filter"] == ["public.step(s text, x integer)"], outcome.evidence


@pytest.mark.parametrize("item", [{**NAMED_ITEM, "allow_empty": True},
                                  {"functions_in": "public", "functions": ["f"], "security_definer_only": True,
                                   "allow_empty": True}])
def test_allow_empty_is_refused_with_named_views_or_functions(item):
    """A view selecting from a SECURITY DEFINER function that returns auth.users rows reads "no relation" in the
    catalog; an aggregate whose state function is SECURITY DEFINER is no SECURITY DEFINER function itself: with
    allow_empty they passed "reads none of them" / "is SECURITY INVOKER" while anon read the rows."""
    with pytest.raises(ValidationError, match="allow_empty applies to a whole schema"):
        schema.Params.model_validate(item)


def test_named_ones_not_of_the_filters_kind_on_a_real_database(server):
    _, fresh = server
    ddl = """create schema app; create table app.users(id int); create table app.other(id int);
             create view app.v as select * from app.other; grant select on app.v to anon;
             create function app.inv() returns int language sql as 'select 1';
             create function app.step(int, int) returns int language sql security definer as 'select $1 + $2';
             create function app.plus(int, int) returns int language sql as 'select $1 + $2';
             create aggregate app.total(int) (sfunc = app.plus, stype = int, initcond = '0');
             create aggregate app.definer_total(int) (sfunc = app.step, stype = int, initcond = '0');"""
    view_item = {"views_in": "app", "views": ["v"], "reading": ["app.users"], "no_grants_to": ["anon"]}
    function_item = {"functions_in": "app", "functions": ["inv"], "security_definer_only": True,
                     "no_grants_to": ["anon"]}
    with fresh(ddl) as url:
        outcomes = judge_on(url, [view_item, function_item, {**function_item, "functions": ["total"]},
                                  {**function_item, "functions": ["step", "inv"]},
                                  {**function_item, "functions": ["definer_total"]}])
    expect(outcomes, [
        (ERROR, "no views reading app.users among those named: app.v reads none of them (it reads app.other);"
                " nothing was checked"),
        (ERROR, "no SECURITY DEFINER functions among those named: app.inv() is SECURITY INVOKER; nothing was checked"),
        (ERROR, "app.total(integer) is an aggregate with no SECURITY DEFINER support function; nothing was checked"),
        (ERROR, "not all named are SECURITY DEFINER functions: app.inv() is SECURITY INVOKER; nothing was checked,"
                " not even the 1 other"),
        # its state function runs as its owner for whoever may EXECUTE it: kept, and judged
        (FAILED, "function app.definer_total(integer) grants EXECUTE to PUBLIC"),
    ])


def test_allow_empty_with_named_views_needs_reading():
    with pytest.raises(ValidationError, match="allow_empty applies to a whole schema"):
        schema.Params.model_validate({"views_in": "public", "views": ["v"], "allow_empty": True})


def test_the_relations_reading_names_are_read_by_name():
    check = make_check("schema", {"views_in": "public", "reading": ["auth.users", '"billing.v2".invoices', "users"]})
    ((_, params),) = schema.database_statements(None, [check])
    assert list(zip(params["named_schemas"], params["named_relations"])) == [
        ("auth", "users"), ("billing.v2", "invoices"), ("public", "users")]


# -- a schema or type a "must not" names must exist ---------------------------------------------------
NAMED = catalog(table("p", columns=["id", column("em"), column("hook", "regproc"), column("m", "public.mood")],
                      constraints=[constraint("p_em_fkey", "f", ["em"], references="auth.users",
                                              references_primary_key=False)]),
                extensions=[extension("pg_trgm", schema="public")],
                schemas={"public": None, "auth": None, "extensions": None}, types=[("extensions", "citext")])


@pytest.mark.parametrize("params, status, seen", [
    ({"table": "public.p", "references_primary_keys_in": ["auth"]}, FAILED, "foreign key p_em_fkey to auth.users"),
    ({"table": "public.p", "references_primary_keys_in": ["auht"]}, ERROR,
     f"references_primary_keys_in: schema auht {NOTHING}"),
    ({"table": "public.p", "references_primary_keys_in": ["extensions"]}, PASSED, "1 table as expected"),
    ({"extensions": ["pg_trgm"], "not_in_schemas": ["public"]}, FAILED, "extension pg_trgm is installed in schema"),
    ({"extensions": ["pg_trgm"], "not_in_schemas": ["pubilc"]}, ERROR, f"not_in_schemas: schema pubilc {NOTHING}"),
    ({"all_extensions": True, "not_in_schemas": ["pubilc"], "except_extensions": ["pg_trgm"], "allow_empty": True},
     ERROR, f"not_in_schemas: schema pubilc {NOTHING}"),
    ({"extensions": ["pg_trgm"], "not_in_schemas": ["extensions"]}, PASSED, "1 extension as expected"),
    ({"table": "public.p", "no_columns_of_type": ["regproc"]}, FAILED, "column hook of type regproc"),
    ({"table": "public.p", "no_columns_of_type": ["regprok"]}, ERROR, f"no_columns_of_type: type regprok {NOTHING}"),
    ({"table": "public.p", "no_columns_of_type": ["pg_catalog.regprok"]}, ERROR, "type pg_catalog.regprok does not"),
    ({"table": "public.p", "no_columns_of_type": ["public.citext"]}, ERROR, "type public.citext does not exist"),
    ({"table": "public.p", "no_columns_of_type": ["citext", "extensions.citext", "regrole"]}, PASSED, "1 table"),
    ({"table": "public.p", "no_columns_of_type": ["mood"]}, FAILED, "column m of type public.mood"),
    ({"table": "public.p", "no_columns_of_type": ["auth.mood"]}, ERROR, "type auth.mood does not exist"),
])
def test_a_schema_or_type_a_must_not_names_that_does_not_exist_is_an_error(params, status, seen):
    verdict(params, NAMED, status, seen)


def test_the_types_no_columns_of_type_names_are_asked_by_name():
    checks = [make_check("schema", {"table": "a", "no_columns_of_type": ["regproc", '"Mood"', "app.hook[]"]}),
              make_check("schema", {"all_tables_in": "public", "no_columns_of_type": ["pg_catalog.regprok", "text"]})]
    ((_, params),) = schema.database_statements(None, checks)
    assert params["type_names"] == ["Mood", "hook", "regprok"]  # PostgreSQL's own are never asked


# -- a user type's array named as pg_type names it ----------------------------------------------------
# `_mood` is mood[] (PostgreSQL reads '_mood'::regtype so; information_schema's udt_name shows it): where the catalog
# says so. A type taking an array's name (`create type _feel`) renames the array (`__feel`), so only the catalog knows
USER_ARRAYS = catalog(table("posts", columns=["id", column("moods", "public.mood[]"), column("pairs", "public.pair[]"),
                                              column("feels", "public.feel[]"), column("own", "public._feel")]),
                      table("feelings", columns=["id", column("feels", "public.feel[]")]),
                      types=[("public", "_mood", "public.mood[]"), ("public", "_pair", "public.pair[]"),
                             ("public", "_feel", "public._feel"), ("public", "__feel", "public.feel[]")])
USER_ARRAY_ITEMS = [
    # it matched no mood[] column and passed (it exists: no error), where mood[] fails
    ({"table": "public.posts", "no_columns_of_type": ["_mood"]}, FAILED, "column moods of type public.mood[]"),
    ({"table": "public.posts", "no_columns_of_type": ["public._mood"]}, FAILED, "column moods of type public.mood[]"),
    ({"table": "public.posts", "no_columns_of_type": ["_pair"]}, FAILED, "column pairs of type public.pair[]"),
    ({"table": "public.posts", "no_columns_of_type": ["auth._mood"]}, ERROR, f"type auth._mood {NOTHING}"),
    # a type of its own named `_feel` is itself, not feel[]; `__feel` is feel's array
    ({"table": "public.feelings", "no_columns_of_type": ["_feel"]}, PASSED, "1 table as expected"),
    ({"table": "public.feelings", "no_columns_of_type": ["__feel"]}, FAILED, "column feels of type public.feel[]"),
    # it failed: not _mood
    ({"table": "public.posts", "types": {"moods": "_mood", "pairs": "public._pair", "own": "_feel", "feels": "__feel"}},
     PASSED, "1 table as expected"),
    ({"table": "public.posts", "types": {"pairs": "_mood"}}, FAILED, "has pairs of type public.pair[], not public.mood[]"),
    ({"table": "public.posts", "types": {"feels": "_feel"}}, FAILED, "has feels of type public.feel[], not _feel"),
]


@pytest.mark.parametrize("params, status, seen", USER_ARRAY_ITEMS)
def test_a_user_types_array_named_as_pg_type_names_it_is_that_array(params, status, seen):
    verdict(params, USER_ARRAYS, status, seen)


def test_the_types_types_names_are_asked_by_name():
    check = make_check("schema", {"table": "a", "types": {"a": "_mood", "b": "text", "c": "_text", "d": "app._pair"}})
    assert "types" in check.params.catalog_sections()
    ((_, params),) = schema.database_statements(None, [check])
    assert params["type_names"] == ["_mood", "_pair"]  # PostgreSQL's own are never asked


def test_a_user_types_array_named_as_pg_type_names_it_on_a_real_database(server):
    _, fresh = server
    ddl = """create type public.mood as enum ('up'); create type public.pair as (a int, b text);
             create type public.feel as enum ('x'); create type public._feel as enum ('y');  -- feel[] is now __feel
             create table public.posts(id int, moods public.mood[], pairs public.pair[], feels public.feel[],
                                       own public._feel);
             create table public.feelings(id int, feels public.feel[]);"""
    with fresh(ddl) as url:
        outcomes = judge_on(url, [params for params, _, _ in USER_ARRAY_ITEMS])
    expect(outcomes, [(status, seen) for _, status, seen in USER_ARRAY_ITEMS])


def test_names_that_do_not_exist_on_a_real_database(server):
    _, fresh = server
    ddl = """create schema auth; create table auth.users(id int primary key, email text unique);
             create type public."Mood" as enum ('up');
             create table public.p(id int primary key, em text references auth.users(email), hook regproc,
                                   m public."Mood");
             create extension pg_trgm schema public;
             create view public.emails as select id, email from auth.users;
             grant select on public.emails to anon;"""
    items = [({"table": "public.p", "references_primary_keys_in": ["auth"]}, FAILED, "on a unique key"),
             ({"table": "public.p", "references_primary_keys_in": ["auht"]}, ERROR, "schema auht does not exist"),
             ({"extensions": ["pg_trgm"], "not_in_schemas": ["public"]}, FAILED, "installed in schema public"),
             ({"extensions": ["pg_trgm"], "not_in_schemas": ["pubilc"]}, ERROR, "schema pubilc does not exist"),
             ({"table": "public.p", "no_columns_of_type": ["regproc"]}, FAILED, "column hook of type regproc"),
             ({"table": "public.p", "no_columns_of_type": ["regprok"]}, ERROR, "type regprok does not exist"),
             ({"table": "public.p", "no_columns_of_type": ["pg_catalog.regprok"]}, ERROR, "pg_catalog.regprok"),
             ({"table": "public.p", "no_columns_of_type": ['"Mood"']}, FAILED, 'column m of type public."Mood"'),
             ({"table": "public.p", "no_columns_of_type": ['auth."Mood"']}, ERROR, 'type auth."Mood" does not'),
             ({"table": "public.p", "no_columns_of_type": ["mood"]}, ERROR, "type mood does not exist"),
             ({"views_in": "public", "reading": ["auth.users"], "no_grants_to": ["anon"], "allow_empty": True},
              FAILED, "view public.emails grants SELECT to anon"),
             ({"views_in": "public", "reading": ["auth.user"], "no_grants_to": ["anon"], "allow_empty": True},
              ERROR, "reading: relation auth.user does not exist"),
             ({"views_in": "public", "reading": ["users"], "no_grants_to": ["anon"], "allow_empty": True},
              ERROR, "reading: relation public.users does not exist"),
             ({"views_in": "public", "reading": ["public.p"], "no_grants_to": ["anon"], "allow_empty": True},
              PASSED, "no views reading public.p in schema public, as allow_empty permits")]
    with fresh(ddl) as url:
        outcomes = judge_on(url, [params for params, _, _ in items])
    expect(outcomes, [(status, seen) for _, status, seen in items])

