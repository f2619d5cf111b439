"""A name longer than PostgreSQL keeps: it stores an identifier's first 63 bytes (NAMEDATALEN - 1, cut on a UTF-8
character boundary), and SQL naming the object with every character finds it. The schema family compared the name as
written with the catalog's: `{table: <68 chars>, rls: true}` FAILED "does not exist" on a table with RLS on, and a role
of 65 characters in no_grants_to was an ERROR "role … does not exist". Each name an item writes is now read as
PostgreSQL stores it, and the outcome says where one was cut."""

from __future__ import annotations

from typing import Iterator

import psycopg
import pytest
from psycopg import sql as pgsql

from opsverify.families import schema
from opsverify.families._common import split_name
from opsverify.outcome import Status

from .test_schema_lints import Server, _debian_pg15
from .test_schema_stranger import judge_on

TABLE = "customer_subscription_billing_events_archive_partitioned_by_month_v2"  # 68 bytes
SCHEMA = "accounts_receivable_and_payable_ledgers_for_every_region_of_the_x"  # 65
COLUMN = "amount_charged_to_the_customer_in_the_currency_of_their_invoice_xy"  # 66
ROLE = "reporting_readonly_service_account_for_the_finance_dashboard_v1_x"  # 65
PUBLICATION = "realtime_changes_of_every_billing_table_for_the_analytics_stream_"  # 65
FUNCTION = "recalculate_the_outstanding_balance_of_every_customer_account_now"  # 65
TYPE = "the_state_an_invoice_is_in_from_drafted_through_paid_or_refunded_x"  # 66


def stored(name: str) -> str:
    """As PostgreSQL keeps it: these are ASCII, so the first 63 characters."""
    return name[:63]


# -- reading --------------------------------------------------------------------------------------
def test_a_table_name_is_read_as_postgresql_stores_it():
    assert split_name(TABLE) == ("public", stored(TABLE))
    assert split_name(f"{SCHEMA}.{TABLE}") == (stored(SCHEMA), stored(TABLE))
    assert split_name(f'"{SCHEMA}"."{TABLE}"') == (stored(SCHEMA), stored(TABLE))


def test_a_name_is_cut_on_a_character_boundary():
    """62 ASCII bytes and a 2-byte é are 64 bytes: PostgreSQL keeps the 62 (pg_mbcliplen), not half of the é."""
    name = "a" * 62 + "é"
    assert split_name(name) == ("public", "a" * 62)
    assert schema.Params.model_validate({"table": "t", "columns": [name]}).columns == ["a" * 62]


def test_every_name_an_item_compares_with_the_catalog_is_read_as_stored():
    p = schema.Params.model_validate({
        "table": f"{SCHEMA}.{TABLE}", "columns": [COLUMN], "not_null": [COLUMN], "defaults": {COLUMN: True},
        "types": {COLUMN: f"{SCHEMA}.{TYPE}"}, "published_in": [PUBLICATION], "no_grants_to": [ROLE],
        "grants_to": {f'"{ROLE}"': ["SELECT"]}, "policies_for": {"select": [ROLE]},
        "references_primary_keys_in": [SCHEMA],
    })
    assert p.table_names() == [(stored(SCHEMA), stored(TABLE))]
    assert p.columns == p.not_null == [stored(COLUMN)] and list(p.defaults) == [stored(COLUMN)]
    assert p.published_in == [stored(PUBLICATION)] and p.no_grants_to == [stored(ROLE)]
    assert list(p.grants_to) == [stored(ROLE)] and p.policies_for == {"select": [stored(ROLE)]}
    assert p.references_primary_keys_in == [stored(SCHEMA)]
    functions = schema.Params.model_validate({"functions_in": SCHEMA, "functions": [FUNCTION],
                                              "fixed_search_path": True})
    assert functions.functions_in == stored(SCHEMA) and functions.functions == [stored(FUNCTION)]
    extensions = schema.Params.model_validate({"extensions": [TYPE], "not_in_schemas": [f'"{SCHEMA}"']})
    assert extensions.extensions == [stored(TYPE)] and extensions.not_in_schemas == [stored(SCHEMA)]


def test_a_name_postgresql_keeps_whole_is_read_as_written():
    p = schema.Params.model_validate({"table": "auth.users", "columns": ["Ünï"], "no_grants_to": ["anon"]})
    assert p.table_names() == [("auth", "users")] and p.columns == ["Ünï"] and p.no_grants_to == ["anon"]


# -- on PostgreSQL ----------------------------------------------------------------------------------
DDL = f"""
create schema {SCHEMA};
create table {SCHEMA}.{TABLE} (id int primary key, {COLUMN} numeric not null);
alter table {SCHEMA}.{TABLE} enable row level security;
create table {TABLE} (id int);
alter table {TABLE} enable row level security;
create type {SCHEMA}.{TYPE} as enum ('drafted', 'paid');
alter table {SCHEMA}.{TABLE} add column state {SCHEMA}.{TYPE};
create publication {PUBLICATION} for table {SCHEMA}.{TABLE};
create function {SCHEMA}.{FUNCTION}() returns int language sql set search_path = '' as 'select 1';
do $$ begin create role {ROLE} nologin; exception when duplicate_object then null; end $$;
grant usage on schema {SCHEMA} to checker;
"""


@pytest.fixture(scope="module")
def pg15() -> Iterator[Server]:
    yield from _debian_pg15()


@pytest.fixture
def database(pg15: Server) -> Iterator[str]:
    """A fresh database holding DDL, every name in it written with all its characters; the checker's URL."""
    name = "long_names"
    with psycopg.connect(pg15.admin_url("postgres"), autocommit=True, connect_timeout=10) as conn:
        conn.execute(pgsql.SQL("create database {}").format(pgsql.Identifier(name)))
    try:
        with psycopg.connect(pg15.admin_url(name), autocommit=True, connect_timeout=10) as conn:
            conn.execute(DDL)
        yield pg15.checker_url(name)
    finally:
        with psycopg.connect(pg15.admin_url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(pgsql.SQL("drop database {} with (force)").format(pgsql.Identifier(name)))


@pytest.mark.needs_real_server
def test_objects_named_with_every_character_are_found(database):
    """As the probe found it: the 68-character table exists with RLS on (SQL naming it so finds it), and the
    65-character role exists; each item passes, and its evidence says which names PostgreSQL cut."""
    outcomes = judge_on(database, [
        {"table": TABLE, "rls": True},
        {"table": f"{SCHEMA}.{TABLE}", "rls": True, "columns": [COLUMN], "not_null": [COLUMN],
         "types": {"state": f"{SCHEMA}.{TYPE}"}, "published_in": [PUBLICATION], "no_grants_to": [ROLE]},
        {"functions_in": SCHEMA, "functions": [FUNCTION], "fixed_search_path": True},
        {"schemas": [SCHEMA], "no_grants_to": [ROLE]},
    ])
    for outcome in outcomes:
        assert outcome.status is Status.PASSED, outcome
    assert outcomes[0].evidence["names_as_stored"] == {TABLE: stored(TABLE)}
    assert outcomes[1].evidence["names_as_stored"] == {
        SCHEMA: stored(SCHEMA), TABLE: stored(TABLE), COLUMN: stored(COLUMN), TYPE: stored(TYPE),
        PUBLICATION: stored(PUBLICATION), ROLE: stored(ROLE)}
    assert outcomes[2].evidence["names_as_stored"] == {SCHEMA: stored(SCHEMA), FUNCTION: stored(FUNCTION)}


@pytest.mark.needs_real_server
def test_a_failure_on_a_cut_name_says_where_it_was_cut(database):
    """The message names the table as PostgreSQL keeps it, which is not what the item wrote: it says so."""
    failed, = judge_on(database, [{"table": TABLE, "rls": False}])
    assert failed.status is Status.FAILED, failed
    assert f"public.{stored(TABLE)} has row level security on" in failed.observed, failed.observed
    assert (f"(PostgreSQL keeps the first 63 bytes of a name: {TABLE} is {stored(TABLE)})"
            in failed.observed), failed.observed
    missing, = judge_on(database, [{"table": "no_" + TABLE, "rls": True}])
    assert missing.status is Status.FAILED, missing
    assert f"public.{stored('no_' + TABLE)} does not exist" in missing.observed, missing.observed
    assert missing.observed.count("PostgreSQL keeps") == 1, missing.observed
