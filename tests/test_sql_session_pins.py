"""sql items reading a setting the checker's own session sets at its start (`-c statement_timeout=…`,
default_transaction_read_only, DateStyle, standard_conforming_strings, …): pg_settings and current_setting() show the
session's value there, not the server's, so such an item is an ERROR naming the setting — never a verdict on the
checker's own value (a server with no statement timeout passed "a statement timeout is configured"; a healthy one
failed "the database is not left read-only"). The pinned names come from the transport's one list."""

from __future__ import annotations

import psycopg
import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports import pgvalues, postgres

from .kit import make_check, make_target
from .test_schema_lints import _debian_pg15

# a checker that sees every setting: only the pinned rule may make these an error
SEES_ALL = {"viewer": "checker", "sees_all": True, "rls_tables": [], "views": [], "sees_stats": True,
            "catalog_hidden": [], "search_path": "public", "sees_settings": True, "settings_seen": []}


def _judged(query: str):
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, name="pins")
    facts = {"visibility": [SEES_ALL], "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    return sql.judge(check, facts)


@pytest.mark.parametrize("query, setting", [
    ("select count(*) as n from pg_settings where name = 'statement_timeout' and setting = '0'", "statement_timeout"),
    ("select (current_setting('idle_in_transaction_session_timeout') = '0')::int as n",
     "idle_in_transaction_session_timeout"),
    ("select count(*) as n from pg_settings where name = 'default_transaction_read_only' and setting = 'on'",
     "default_transaction_read_only"),
    ("select count(*) as n from pg_catalog.pg_settings where name = 'standard_conforming_strings'"
     " and setting <> 'on'", "standard_conforming_strings"),
    # setting names are case-insensitive: any spelling reads the same setting
    ("select (pg_catalog.current_setting('STATEMENT_TIMEOUT') = '0')::int as n", "statement_timeout"),
    ("select (current_setting('datestyle') <> 'ISO, MDY')::int as n", "DateStyle"),
    ("select count(*) as n from pg_settings where name = 'DateStyle' and setting <> 'ISO, MDY'", "DateStyle"),
    ("select count(*) as n from pg_settings where name in ('max_connections', 'Lock_Timeout') and setting = '0'",
     "lock_timeout"),
    ("select (current_setting(E'jit') = 'off')::int as n", "jit"),
    ("select (current_setting($$extra_float_digits$$)::int < 1)::int as n", "extra_float_digits"),
    # a pattern matching one, or a name nested in SQL a function runs
    ("select count(*) as n from pg_settings where name like '%timeout' and setting = '0'", "statement_timeout"),
    ("select count(*) as n from pg_settings where name ~ 'interval' and setting <> 'postgres'", "IntervalStyle"),
    ("select (xpath('/row/n/text()', query_to_xml('select (current_setting(''lock_timeout'') = ''0'')::int as n',"
     " false, false, '')))[1]::text::int as n", "lock_timeout"),
    # the setting read by an expression: which one cannot be told
    ("select count(*) as n from (values ('statement_'), ('lock_')) v(p) where current_setting(v.p || 'timeout') = '0'",
     "statement_timeout"),
    ("select count(*) as n from pg_settings s where current_setting(s.name) <> s.boot_val", "current_setting"),
])
def test_a_setting_the_session_pins_is_an_error_not_the_servers(query, setting):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and setting in outcome.observed and "session" in outcome.observed, (
        f"item pins: query {query!r}: expected an ERROR naming {setting} (the checker's session sets it); saw"
        f" {outcome.status.value}: {outcome.observed!r}")


@pytest.mark.parametrize("query", [
    "select count(*) as n from pg_settings where name = 'max_connections' and setting::int < 100",
    "select (current_setting('server_version_num')::int < 150000)::int as n",
    "select (current_setting('app.tenant', true) is null)::int as n",
    "select count(*) as n from pg_settings where pending_restart",
    "select count(*) as n from pg_db_role_setting d, unnest(d.setconfig) c where c like 'statement_timeout=%'",
    "select count(*) as n from app_jobs where state = 'jit'",  # no setting read: a string is only a string
    "select count(*) as n from pg_settings where name = 'max_connections' -- not statement_timeout",
])
def test_settings_the_session_does_not_pin_are_judged(query):
    outcome = _judged(query)
    assert outcome.status is Status.PASSED, (
        f"item pins: query {query!r}: expected PASSED (no pinned setting read); saw {outcome.status.value}:"
        f" {outcome.observed!r}")


def test_the_pins_judged_are_the_options_the_transport_sends():
    """One list: the `-c` options the session starts with name exactly the settings the sql family reads as pinned
    (a new pin is covered by being sent)."""
    options = postgres.session_options(5000).split()
    sent = {pair.split("=", 1)[0] for flag, pair in zip(options, options[1:]) if flag == "-c"}
    assert sent == set(pgvalues.SESSION_PINS), f"sent {sorted(sent)}; SESSION_PINS {sorted(pgvalues.SESSION_PINS)}"
    assert {"statement_timeout", "default_transaction_read_only", "DateStyle", "jit"} <= sent


@pytest.mark.needs_real_server
def test_on_postgresql_15_the_pinned_settings_read_as_the_sessions():
    """A server with no statement timeout and standard_conforming_strings off, read-write by default: each item about
    those is an ERROR (it passed, or failed the healthy default_transaction_read_only); and what the message says the
    checker could read holds on the server: reset_val is the session's too, boot_val the compiled default, source
    'client', pg_db_role_setting readable."""
    for srv in _debian_pg15():
        with psycopg.connect(srv.admin_url("postgres"), autocommit=True) as conn:
            conn.execute("alter system set standard_conforming_strings = off")
            conn.execute("select pg_reload_conf()")
        queries = [
            "select count(*) as n from pg_settings where name = 'statement_timeout' and setting = '0'",
            "select (current_setting('idle_in_transaction_session_timeout') = '0')::int as n",
            "select count(*) as n from pg_settings where name = 'standard_conforming_strings' and setting <> 'on'",
            "select count(*) as n from pg_settings where name = 'default_transaction_read_only' and setting = 'on'",
        ]
        checks = [make_check("sql", {"query": q, "expect": {"n": {"eq": 0}}}, item=f"P{n}", name=f"pin{n}")
                  for n, q in enumerate(queries)]
        target = make_target({"database": srv.checker_url("postgres")})
        try:
            outcomes = gather_and_judge(target, sql, checks)
            read = target.database.query_many([
                "select name, setting, reset_val, boot_val, source from pg_settings"
                " where name = 'statement_timeout'", "select count(*) as n from pg_db_role_setting"])
        finally:
            target.close()
        for check, outcome in zip(checks, outcomes):
            assert outcome.status is Status.ERROR and "checker's session sets" in outcome.observed, (
                f"item {check.name}: expected ERROR (a setting the session pins); saw {outcome.status.value}:"
                f" {outcome.observed!r}")
        (row,), counted = read
        assert row["setting"] == row["reset_val"] != row["boot_val"] == "0" and row["source"] == "client", (
            f"statement_timeout in the checker's session: expected setting = reset_val = the pin, boot_val 0, source"
            f" client; saw {row}")
        assert isinstance(counted, list), f"pg_db_role_setting: expected the checker may read it; saw {counted}"
