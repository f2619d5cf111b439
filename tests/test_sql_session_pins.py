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
    # a string current_setting() is given, read as PostgreSQL reads it (escapes decoded)
    (r"select (current_setting(E'statement\x5ftimeout') = '0')::int as n", "statement_timeout"),
    (r"select (current_setting(e'lock\137timeout') = '0')::int as n", "lock_timeout"),
    (r"select (current_setting(U&'statement\005ftimeout') = '0')::int as n", "statement_timeout"),
    (r"select (current_setting(u&'j!0069t' UESCAPE '!') = 'off')::int as n", "jit"),
    # settings the session implies: every statement runs in BEGIN READ ONLY, the connection names its encoding
    ("select (current_setting('transaction_read_only') = 'on')::int as n", "transaction_read_only"),
    ("select count(*) as n from pg_settings where name = 'transaction_read_only' and setting = 'off'",
     "transaction_read_only"),
    ("select (current_setting('client_encoding') <> 'UTF8')::int as n", "client_encoding"),
    # a name cast so PostgreSQL trims or cuts it (to bpchar, char(n), varchar(n)) is no plain name: built
    ("select (current_setting('statement_timeout '::bpchar) <> '0')::int as n", "statement_timeout"),
    ("select (current_setting('statement_timeoutXX'::varchar(17)) <> '0')::int as n", "statement_timeout"),
    # current_setting in attribute notation: PostgreSQL runs (x).current_setting as current_setting(x)
    ("select (('statement_timeout'::text).current_setting <> '0')::int as n", "statement_timeout"),
    ("select ((('lock_timeout'::text)).\"current_setting\" <> '0')::int as n", "lock_timeout"),
    ("select count(*) as n from (values ('jit'::text)) v(p) where (v.p).current_setting = 'off'", "current_setting"),
])
def test_a_setting_the_session_pins_is_an_error_not_the_servers(query, setting):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and setting in outcome.observed and "session" in outcome.observed, (
        f"item pins: query {query!r}: expected an ERROR naming {setting} (the checker's session sets it); saw"
        f" {outcome.status.value}: {outcome.observed!r}")


# pg_settings' rows read by other than `name = '…'` / `name in ('…')` of plain strings: any may be a pinned one
@pytest.mark.parametrize("query", [
    "select count(*) as n from pg_settings where name = any('{statement_timeout,idle_in_transaction_session_timeout}')"
    " and setting <> '0'",
    "select count(*) as n from pg_settings where name = any(string_to_array('statement_timeout,lock_timeout', ','))"
    " and setting <> '0'",
    "select count(*) as n from pg_settings where '[\"statement_timeout\"]'::jsonb ? name and setting = '0'",
    r"select count(*) as n from pg_settings where name = E'statement\x5ftimeout' and setting = '0'",
    r"select count(*) as n from pg_settings where name = U&'statement\005ftimeout' and setting = '0'",
    "select count(*) as n from pg_settings where name = 'statement' || '_timeout' and setting = '0'",
    "select count(*) as n from pg_settings where name = 'statement' || chr(95) || 'timeout' and setting = '0'",
    "select count(*) as n from pg_settings where name = replace('statement-timeout', '-', '_') and setting = '0'",
    "select count(*) as n from pg_settings where name = reverse('tuoemit_tnemetats') and setting = '0'",
    "select count(*) as n from pg_settings where starts_with(name, 'statement_t') and setting = '0'",
    "select count(*) as n from pg_settings where left(name, 11) = 'statement_t' and reset_val = '0'",
    "select count(*) as n from pg_settings where name > 'statement' and name < 'statementz' and setting = '0'",
    "select count(*) as n from pg_settings where source = 'client'",
    "select count(*) as n from pg_settings s where row_to_json(s)::text like '%\"statement_timeout\"%\"0\"%'",
    "select count(*) as n from (select * from pg_settings) s where s.name = 'jit' and s.setting = 'off'",
    "select count(*) as n from pg_show_all_settings() s where s.name = any('{jit}') and s.setting = 'off'",
    "select count(*) as n from pg_settings as s(setting_name, value) where setting_name = any('{jit}')"
    " and value = 'off'",
    'select count(*) as n from U&"pg\\005fsettings" where setting = \'0\'',  # a U& name decoded
    "select count(*) as n from pg_catalog.pg_settings where name like 'statement%'"
    " and pg_catalog.pg_settings.setting = '0'",
    "select (select s.setting from pg_settings s where s.name = 'max_connections') as x,"
    " (select count(*) from pg_settings p where p.name ~ 'time' and p.sourcefile is null) as n",
    # names cast so PostgreSQL trims or cuts them: not the strings as written
    "select count(*) as n from pg_settings where name = 'statement_timeout '::bpchar and setting <> '0'",
    "select count(*) as n from pg_settings where name = 'statement_timeoutXX'::varchar(17) and setting <> '0'",
    "select count(*) as n from pg_settings where name in ('max_connections', 'statement_timeout '::char(18))"
    " and name <> 'max_connections' and setting <> '0'",
    # setting compared by the join itself, no column of it written
    "select count(*) as n from pg_settings natural join (values ('statement_timeout', '0')) v(name, setting)",
    "select count(*) as n from pg_settings join (values ('statement_timeout', '0')) v(name, setting)"
    " using (name, setting)",
    "select count(*) as n from pg_settings s(n, value) join (values ('statement_timeout', '0')) v(n, value)"
    " using (n, value)",
])
def test_settings_read_by_other_than_literal_names_are_an_error(query):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and "statement_timeout" in outcome.observed and (
        "name in ('" in outcome.observed), (
        f"item pins: query {query!r}: expected an ERROR naming the pinned settings and how to name the ones read"
        f" (name in ('…')); saw {outcome.status.value}: {outcome.observed!r}")


@pytest.mark.parametrize("query", [
    "select count(*) as n from pg_settings where name = 'max_connections' and setting::int < 100",
    "select (current_setting('server_version_num')::int < 150000)::int as n",
    "select (current_setting('app.tenant', true) is null)::int as n",
    "select count(*) as n from pg_settings where pending_restart",
    "select count(*) as n from pg_db_role_setting d, unnest(d.setconfig) c where c like 'statement_timeout=%'",
    "select count(*) as n from app_jobs where state = 'jit'",  # no setting read: a string is only a string
    "select count(*) as n from pg_settings where name = 'max_connections' -- not statement_timeout",
    # rows read by any name, but none of the columns the session's settings change
    "select count(*) as n from pg_settings where pending_restart and context = 'postmaster'",
    "select count(*) as n from (select name, unit, vartype, min_val, max_val, enumvals, short_desc, boot_val"
    " from pg_settings where pending_restart) p",
    "select count(*) as n from pg_show_all_settings() where pending_restart",
    "select count(*) as n from pg_settings where name in ('max_connections', 'shared_buffers') and source <> 'default'",
    "select count(*) as n from pg_settings s join pg_settings w on w.name = 'work_mem'"
    " where s.name = 'max_connections' and s.setting::int < w.setting::int",
    # a string naming a pinned setting that no setting is read by
    "select sum(c) as n from (select count(*) as c from pg_settings where name = 'max_connections'"
    " and setting::int < 100 union all select count(*) from app_jobs where state = 'jit') u",
    "select (current_setting('server_version_num')::int < 150000 and 'statement_timeout' = 'x')::int as n",
    'select count(*) as n from app_jobs where state = U&"st\\0061te"',  # a U& name that is no pg_settings
    # casts that keep the name as written; attribute notation given one; a join by name alone
    "select count(*) as n from pg_settings where name = 'max_connections'::text and setting::int < 100",
    "select count(*) as n from pg_settings where name in ('max_connections'::name) and setting::int < 100",
    "select (('server_version_num'::text).current_setting::int < 150000)::int as n",
    "select count(*) as n from pg_settings join (values ('max_connections')) v(name) using (name)"
    " where pending_restart",
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


def _readme_checker(srv) -> str:
    """The server's checker role with the README's grants (every setting shown): only the pinned rule may make an
    item reading settings an error."""
    with psycopg.connect(srv.admin_url("postgres"), autocommit=True) as conn:
        conn.execute("grant pg_read_all_settings, pg_read_all_stats to checker")
    return srv.checker_url("postgres")


@pytest.mark.needs_real_server
def test_on_postgresql_15_settings_named_otherwise_and_the_read_only_transaction_are_the_sessions():
    """A read-write primary with no timeouts: pinned settings named in an array literal (`eq: 2` passed), escaped in
    current_setting()'s argument, and transaction_read_only (on in every checker statement: 'replica refuses writes'
    passed, 'primary writable' failed) are ERRORs; an item reading only columns the pins leave alone is judged."""
    for srv in _debian_pg15():
        url = _readme_checker(srv)
        wrong = {
            "timeouts": ("select count(*) as n from pg_settings where name ="
                         " any('{statement_timeout,idle_in_transaction_session_timeout}') and setting <> '0'", 2),
            "escaped": (r"select (current_setting(E'statement\x5ftimeout') <> '0')::int as n", 1),
            "replica_read_only": ("select (current_setting('transaction_read_only') = 'on')::int as n", 1),
            "primary_writable": ("select count(*) as n from pg_settings where name = 'transaction_read_only'"
                                 " and setting = 'off'", 1),
            # the probe's: a trimmed name, attribute notation, a NATURAL join (each passed on this server)
            "padded": ("select (current_setting('statement_timeout '::bpchar) <> '0')::int as n", 1),
            "attribute": ("select (('statement_timeout'::text).current_setting <> '0')::int as n", 1),
            "natural": ("select count(*) as n from pg_settings natural join (values ('statement_timeout', '0'))"
                        " v(name, setting)", 0),
        }
        judged = {
            "none_pending": ("select count(*) as n from pg_settings where pending_restart", 0),
            "connections": ("select count(*) as n from pg_settings where name in ('max_connections')"
                            " and setting::int > 0", 1),
        }
        checks = [make_check("sql", {"query": q, "expect": {"n": {"eq": n}}}, item=f"P{i}", name=name)
                  for i, (name, (q, n)) in enumerate({**wrong, **judged}.items())]
        target = make_target({"database": url})
        try:
            outcomes = dict(zip((c.name for c in checks), gather_and_judge(target, sql, checks)))
        finally:
            target.close()
        with psycopg.connect(url, autocommit=True) as conn:
            plain = conn.execute("select current_setting('transaction_read_only'), pg_is_in_recovery(),"
                                 " current_setting('statement_timeout')").fetchone()
        assert plain == ("off", False, "0"), f"the server, in a plain session: expected a read-write primary, no" \
                                             f" statement timeout; saw {plain}"
        for name in wrong:
            outcome = outcomes[name]
            assert outcome.status is Status.ERROR and "checker's session" in outcome.observed, (
                f"item {name}: expected ERROR (reads a setting the checker's session sets); saw"
                f" {outcome.status.value}: {outcome.observed!r}")
        for name in ("replica_read_only", "primary_writable"):
            assert "transaction_read_only" in outcomes[name].observed and "pg_is_in_recovery()" in outcomes[
                name].observed, f"item {name}: expected the message to name transaction_read_only and" \
                                f" pg_is_in_recovery(); saw {outcomes[name].observed!r}"
        for name in judged:
            assert outcomes[name].status is Status.PASSED, (
                f"item {name}: expected PASSED (no column the session changes read); saw"
                f" {outcomes[name].status.value}: {outcomes[name].observed!r}")


@pytest.mark.needs_real_server
def test_on_postgresql_15_the_settings_and_columns_the_session_changes_are_the_ones_judged():
    """Every row and column of pg_settings in a session the transport makes, against a plain session's in a
    transaction, as the same role: the settings that differ are the ones the sql family reads as the session's
    (SESSION_SETTINGS, and TimeZone, set once the session started: SESSION_SET_LATER), and the columns that differ are
    the ones it holds changed (pending_restart, boot_val, context … are the server's; TimeZone's reset_val too)."""
    columns = ", ".join(f"{column}::text as {column}" for column in sql.PG_SETTINGS_COLUMNS)
    query = f"select {columns} from pg_settings order by name"
    for srv in _debian_pg15():
        url = _readme_checker(srv)
        with psycopg.connect(url, autocommit=True) as conn:
            listed = [d.name for d in conn.execute("select * from pg_settings limit 0").description]
            with conn.transaction():
                plain = {row[0]: row for row in conn.execute(query).fetchall()}
        target = make_target({"database": url})
        try:
            (rows,) = target.database.query_many([query])
        finally:
            target.close()
        session = {row["name"]: tuple(row.values()) for row in rows}
        assert listed == list(sql.PG_SETTINGS_COLUMNS), f"pg_settings' columns: expected {sql.PG_SETTINGS_COLUMNS}" \
                                                        f" in order; saw {listed}"
        differ = {(name, column) for name in plain for at, column in enumerate(sql.PG_SETTINGS_COLUMNS)
                  if plain[name][at] != session.get(name, (None,) * len(listed))[at]}
        assert {name for name, _ in differ} == set(pgvalues.SESSION_SETTINGS) | set(pgvalues.SESSION_SET_LATER), (
            f"settings read otherwise in the checker's session: expected SESSION_SETTINGS and TimeZone; saw"
            f" {sorted(differ)}")
        assert {column for _, column in differ} == sql.SESSION_VALUE_COLUMNS, (
            f"pg_settings' columns the checker's session changes: expected {sorted(sql.SESSION_VALUE_COLUMNS)};"
            f" saw {sorted(differ)}")
        zone = {column for name, column in differ if name == "TimeZone"}
        assert "source" in zone and zone <= sql.LATER_VALUE_COLUMNS, (
            f"TimeZone's columns the checker's session changes (set once it started): expected source among them,"
            f" reset_val not (the zone the session started with); saw {sorted(zone)}")


# pg_show_all_settings() as a function of ROWS FROM (…): the ROWS FROM's alias names its columns (sqlglot holds the
# function inside a Table of its own, the alias outside it); pg_settings inside a parenthesised join read by the join's
# alias (`(pg_settings join …) as j`, `j.setting`): each passed, reading the checker's own statement_timeout
@pytest.mark.parametrize("query", [
    "select count(*) as n from rows from (pg_show_all_settings()) s where s.name = 'statement_timeout'"
    " and s.setting <> '0'",
    "select count(*) as n from rows from (pg_show_all_settings()) with ordinality s where s.name = 'statement_timeout'"
    " and s.setting <> '0'",
    "select count(*) as n from rows from (pg_catalog.pg_show_all_settings()) as s where s.name = 'statement_timeout'"
    " and s.setting <> '0'",
    "select count(*) as n from rows from (pg_show_all_settings(), generate_series(1, 1)) s"
    " where s.name = 'statement_timeout' and s.setting <> '0'",
    "select count(*) as n from rows from (pg_show_all_settings()) s(k, v) where s.k = 'statement_timeout'"
    " and s.v <> '0'",
    "select count(*) as n from rows from (generate_series(1, 1), pg_show_all_settings()) s(a, b, c)"
    " where s.b = 'statement_timeout' and s.c <> '0'",
    "select count(*) as n from rows from (pg_show_all_settings()) s where s.name like 'statement%' and s.source = 'client'",
    "select count(*) as n from (pg_settings join (values ('statement_timeout')) v(name) using (name)) as j"
    " where j.setting <> '0'",
    "select count(*) as n from (pg_settings s cross join (values (1)) v(x)) as j where j.name = 'statement_timeout'"
    " and j.setting <> '0'",
    "select count(*) as n from (values (1)) w(y) join (pg_settings cross join (values (1)) v(x)) j on true"
    " where j.name = 'statement_timeout' and j.reset_val <> '0'",
    "select count(*) as n from ((pg_settings join (values ('statement_timeout')) v(name) using (name))"
    " cross join (values (1)) w(y)) as j where j.setting <> '0'",
    "select count(*) as n from (pg_settings join (values ('statement_timeout')) v(name) using (name)) j(a, b)"
    " where j.b <> '0'",
    "select count(*) as n from (pg_settings join (values ('statement_timeout')) v(name) using (name)) j"
    " join (values ('0')) w(setting) using (setting)",
])
def test_settings_read_through_rows_from_or_a_joins_alias_are_an_error(query):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and "statement_timeout" in outcome.observed and (
        "checker's session" in outcome.observed), (
        f"item pins: query {query!r}: expected an ERROR naming statement_timeout (read through ROWS FROM or a join's"
        f" alias: the checker's session's value); saw {outcome.status.value}: {outcome.observed!r}")


@pytest.mark.parametrize("query", [
    "select count(*) as n from rows from (pg_show_all_settings()) s where s.name = 'max_connections'"
    " and s.setting::int < 0",
    "select count(*) as n from rows from (pg_show_all_settings()) s where s.pending_restart",
    "select count(*) as n from (pg_settings join (values ('max_connections')) v(name) using (name)) as j"
    " where j.pending_restart",
])
def test_settings_through_rows_from_or_a_joins_alias_the_session_does_not_pin_are_judged(query):
    outcome = _judged(query)
    assert outcome.status is Status.PASSED, (
        f"item pins: query {query!r}: expected PASSED (no pinned setting read); saw {outcome.status.value}:"
        f" {outcome.observed!r}")


# a detail is evidence only: where it reads a pinned setting its rows are the checker's own value (statement_timeout
# 2000, source client, on a server with none), shown as the server's in the evidence and the failure's message
PINNED_DETAIL = "select name, setting, source from pg_settings where name in ('statement_timeout')"
SESSION_ROWS = [{"name": "statement_timeout", "setting": "2000", "source": "client"}]


@pytest.mark.parametrize("detail, n, status", [
    (PINNED_DETAIL, 0, Status.FAILED),
    (PINNED_DETAIL, 1, Status.PASSED),
    ("select s.name, s.setting from rows from (pg_show_all_settings()) s where s.name = 'statement_timeout'", 0,
     Status.FAILED),
])
def test_a_detail_reading_a_pinned_setting_shows_why_not_the_sessions_rows(detail, n, status):
    check = make_check("sql", {"query": "select count(*) as n from pg_db_role_setting where setrole = 0",
                               "expect": {"n": {"eq": 1}}, "detail": detail}, name="pins")
    facts = {"visibility": [SEES_ALL], "deployed_at": None,
             "answers": {check.key: {"query": [{"n": n}], "detail": SESSION_ROWS}}}
    outcome = sql.judge(check, facts)
    shown = outcome.evidence.get("detail")
    assert outcome.status is status and "2000" not in outcome.observed and isinstance(shown, str) and (
        "detail" in shown and "statement_timeout" in shown and "checker's session" in shown), (
        f"item pins: detail {detail!r}: expected {status.value} with the detail's rows replaced by why (the checker's"
        f" session's own statement_timeout); saw {outcome.status.value}: {outcome.observed!r}, detail {shown!r}")


def test_a_detail_reading_settings_the_session_leaves_alone_is_shown():
    rows = [{"name": "max_connections", "setting": "100"}]
    check = make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 0}},
                               "detail": "select name, setting from pg_settings where name = 'max_connections'"},
                       name="pins")
    facts = {"visibility": [SEES_ALL], "deployed_at": None, "answers": {check.key: {"query": [{"n": 1}],
                                                                                    "detail": rows}}}
    outcome = sql.judge(check, facts)
    assert outcome.status is Status.FAILED and outcome.evidence["detail"] == rows and (
        "name=max_connections" in outcome.observed), f"saw {outcome.status.value}: {outcome.observed!r}"


@pytest.mark.needs_real_server
def test_on_postgresql_15_rows_from_a_joins_alias_and_a_detail_read_as_the_sessions():
    """The probe's, on a server with no statement timeout: ROWS FROM (pg_show_all_settings()) s and
    (pg_settings join … using (name)) as j, each reading the checker's own statement_timeout, passed `n eq 1`; a detail
    showed `setting=2000, source=client` as the server's. Items are ERRORs; the detail's rows are replaced by why."""
    for srv in _debian_pg15():
        url = _readme_checker(srv)
        items = [
            {"query": "select count(*) as n from rows from (pg_show_all_settings()) s"
                      " where s.name = 'statement_timeout' and s.setting <> '0'", "expect": {"n": {"eq": 1}}},
            {"query": "select count(*) as n from (pg_settings join (values ('statement_timeout')) v(name)"
                      " using (name)) as j where j.setting <> '0'", "expect": {"n": {"eq": 1}}},
            {"query": "select count(*) as n from pg_db_role_setting where setrole = 0 and setdatabase = 0",
             "expect": {"n": {"eq": 1}}, "detail": PINNED_DETAIL},
        ]
        checks = [make_check("sql", params, item=f"P{i}", name=f"probe{i}") for i, params in enumerate(items)]
        target = make_target({"database": url}, timeouts={"statement_ms": 2000})
        try:
            rows_from, joined, detailed = gather_and_judge(target, sql, checks)
        finally:
            target.close()
        with psycopg.connect(url, autocommit=True) as conn:
            plain = conn.execute("select current_setting('statement_timeout')").fetchone()[0]
        assert plain == "0", f"the server, in a plain session: expected no statement timeout; saw {plain}"
        for name, outcome in (("rows_from", rows_from), ("joined", joined)):
            assert outcome.status is Status.ERROR and "statement_timeout" in outcome.observed, (
                f"item {name}: expected ERROR (reads the checker's session's statement_timeout); saw"
                f" {outcome.status.value}: {outcome.observed!r}")
        shown = detailed.evidence.get("detail")
        assert detailed.status is Status.FAILED and "2000" not in detailed.observed and isinstance(shown, str) and (
            "statement_timeout" in shown), (f"item detailed: expected FAILED, the detail's rows replaced by why; saw"
                                           f" {detailed.status.value}: {detailed.observed!r}, detail {shown!r}")


# a dollar-quoted string ($$…$$, $tag$…$tag$) is a plain string, its body as written: a name chosen by one is a name
@pytest.mark.parametrize("query", [
    "select count(*) as n from pg_settings where name = $$max_connections$$ and setting::int < 100",
    "select count(*) as n from pg_settings where name = $q$max_connections$q$ and setting::int < 100",
    "select count(*) as n from pg_settings where name in ($$max_connections$$, $x$shared_buffers$x$)"
    " and source = 'default'",
    "select count(*) as n from pg_settings where $$max_connections$$::text = name and setting::int < 100",
    "select max_conn - used - res as n from (select count(*) used from pg_stat_activity) t1,"
    " (select setting::int res from pg_settings where name=$$superuser_reserved_connections$$) t2,"
    " (select setting::int max_conn from pg_settings where name=$$max_connections$$) t3",
])
def test_settings_chosen_by_dollar_quoted_names_are_judged(query):
    outcome = _judged(query)
    assert outcome.status is Status.PASSED, (
        f"item pins: query {query!r}: expected PASSED (rows chosen by dollar-quoted names of settings the session"
        f" leaves alone); saw {outcome.status.value}: {outcome.observed!r}")


@pytest.mark.parametrize("query, setting", [
    ("select count(*) as n from pg_settings where name = $$statement_timeout$$ and setting = '0'",
     "statement_timeout"),
    ("select count(*) as n from pg_settings where name in ($$max_connections$$, $t$lock_timeout$t$)"
     " and setting = '0'", "lock_timeout"),
])
def test_a_pinned_setting_chosen_by_a_dollar_quoted_name_is_named(query, setting):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and f"the query reads {setting}, which" in outcome.observed, (
        f"item pins: query {query!r}: expected an ERROR naming {setting} as read; saw {outcome.status.value}:"
        f" {outcome.observed!r}")


def test_a_detail_breaking_a_rule_is_said_as_the_details_not_the_querys():
    check = make_check("sql", {"query": "select 1 as n", "expect": {"n": {"eq": 0}}, "detail": PINNED_DETAIL},
                       name="pins")
    facts = {"visibility": [SEES_ALL], "deployed_at": None,
             "answers": {check.key: {"query": [{"n": 1}], "detail": SESSION_ROWS}}}
    shown = sql.judge(check, facts).evidence.get("detail")
    assert isinstance(shown, str) and "the detail reads statement_timeout" in shown and "the query" not in shown, (
        f"item pins: detail {PINNED_DETAIL!r}: expected why its rows are not shown said of the detail; saw {shown!r}")


# TimeZone: the session sets it to UTC after it starts (set_config(…, false), transports.postgres SESSION_ZONE), so its
# setting, source ('session'), sourcefile and sourceline — and current_setting('TimeZone') — are the session's on every
# server (no second reading where the app's zone reads as UTC: Etc/UTC, Atlantic/Reykjavik); reset_val is still the
# zone the session started with
@pytest.mark.parametrize("query", [
    "select (current_setting('TimeZone') in ('UTC', 'Etc/UTC'))::int as n",
    "select (current_setting('timezone') = 'UTC')::int as n",
    "select (current_setting($$TimeZone$$) <> 'UTC')::int as n",
    "select (setting = 'Etc/UTC')::int as n from pg_settings where name = 'TimeZone'",
    "select count(*) as n from pg_settings where name = 'TimeZone' and source = 'configuration file'",
    "select count(*) as n from pg_settings where name in ('TimeZone', 'max_connections') and sourcefile is null",
    "select count(*) as n from pg_settings s where s.name = 'TimeZone' and s.sourceline is not null",
    "select count(*) as n from (select * from pg_settings where name = 'TimeZone') s where s.setting = 'UTC'",
    "select count(*) as n from pg_settings where source = 'session'",  # any row: TimeZone's among them
])
def test_timezone_as_the_session_set_it_is_an_error_naming_reset_val(query):
    outcome = _judged(query)
    assert outcome.status is Status.ERROR and "TimeZone" in outcome.observed and (
        "checker's session" in outcome.observed), (
        f"item pins: query {query!r}: expected an ERROR naming TimeZone (the checker's session sets it to UTC); saw"
        f" {outcome.status.value}: {outcome.observed!r}")
    if "source = 'session'" not in query:  # a read of TimeZone by name: the message says what reads the app's zone
        assert "reset_val" in outcome.observed and "pg_file_settings" in outcome.observed, (
            f"item pins: query {query!r}: expected the message to name reset_val and pg_file_settings (what reads"
            f" the zone the app's sessions start with); saw {outcome.observed!r}")


@pytest.mark.parametrize("query", [
    "select (reset_val = 'Etc/UTC')::int as n from pg_settings where name = 'TimeZone'",
    "select count(*) as n from pg_settings where name = 'TimeZone' and boot_val <> 'GMT'",
    "select count(*) as n from pg_settings s(k, v) where s.k = 'TimeZone' and s.reset_val = 'UTC'",
    "select count(*) as n from pg_db_role_setting d, unnest(d.setconfig) c where c like 'TimeZone=%'",
    "select count(*) as n from pg_file_settings where name = 'timezone' and applied and setting <> 'UTC'",
])
def test_timezone_read_by_what_the_session_leaves_alone_is_judged(query):
    outcome = _judged(query)
    assert outcome.status is Status.PASSED, (
        f"item pins: query {query!r}: expected PASSED (reset_val, boot_val, pg_db_role_setting, pg_file_settings: the"
        f" zone the app's sessions start with); saw {outcome.status.value}: {outcome.observed!r}")


_OWN_ZONE = ("its role's own setting (ALTER ROLE checker SET timezone)", "ALTER ROLE checker RESET timezone")


@pytest.mark.parametrize("query, checkers_own", [
    ("select reset_val as zone from pg_settings where name = 'TimeZone'", True),
    ("select count(*) as n from pg_settings s(k, v) where s.k = 'TimeZone' and s.reset_val = 'UTC'", True),
    ("select s from pg_settings s where name in ('TimeZone', 'max_connections')", True),  # whole rows
    ("select count(*) as n from pg_settings where name = 'TimeZone' and boot_val <> 'GMT'", False),
    ("select reset_val as v from pg_settings where name = 'max_connections'", False),
])
def test_timezones_reset_val_where_the_checkers_own_setting_gave_it_is_the_checkers(query, checkers_own):
    """Where the checker's own setting (its role's, its URL's: the transport's own_zone) gave its session its zone,
    TimeZone's reset_val is that, not the app's sessions': read by name, an error saying whence and how to drop it."""
    said = sql.pinned_problem(query, _OWN_ZONE)
    if not checkers_own:
        assert said is None, f"query {query!r}: reads no reset_val of TimeZone; saw {said!r}"
        return
    assert said and "reset_val" in said and "the checker's own" in said and _OWN_ZONE[0] in said, (
        f"query {query!r}: expected an error saying reset_val is the checker's own, from {_OWN_ZONE[0]}; saw {said!r}")
    assert _OWN_ZONE[1] in said and "pg_db_role_setting" in said and "pg_file_settings" in said, said
    assert "select reset_val from pg_settings" not in said, f"query {query!r}: recommends reset_val: {said!r}"


@pytest.mark.needs_real_server
def test_on_postgresql_15_timezone_reads_as_the_sessions_and_reset_val_as_the_servers():
    """The probe's: on a server in Atlantic/Reykjavik (UTC all year: no second reading), 'TimeZone is UTC' passed
    reading the checker's own 'UTC'; on one in Etc/UTC `setting = 'Etc/UTC'` failed; `source = 'configuration file'`
    failed on every server (the session's is 'session'); on a database in Asia/Tokyo, `current_setting('TimeZone') =
    'UTC'` was an error blaming a `timestamp without time zone`. Each is an ERROR naming TimeZone now, and what its
    message says reads the app's zone does: reset_val (the server's, then the database's), pg_file_settings,
    pg_db_role_setting."""
    for srv in _debian_pg15():
        with psycopg.connect(srv.admin_url("postgres"), autocommit=True) as conn:
            conn.execute("grant select on pg_file_settings to checker")
            conn.execute("grant execute on function pg_show_all_file_settings() to checker")
        url = _readme_checker(srv)
        wrong = {
            "is_utc": "select (current_setting('TimeZone') in ('UTC', 'Etc/UTC'))::int as n",
            "from_file": "select count(*) as n from pg_settings where name = 'TimeZone'"
                         " and source = 'configuration file'",
            "utc_now": "select (current_setting('TimeZone') = 'UTC')::int as n",
        }
        rounds = [  # the zone set, how; what reset_val and a setting file read; the ones an item of its own expects
            ("alter system set timezone = 'Atlantic/Reykjavik'", "Atlantic/Reykjavik", {
                **wrong, "set": "select (setting = 'Atlantic/Reykjavik')::int as n from pg_settings"
                                " where name = 'TimeZone'"}),
            ("alter system set timezone = 'Etc/UTC'", "Etc/UTC", {
                **wrong, "set": "select (setting = 'Etc/UTC')::int as n from pg_settings where name = 'TimeZone'"}),
            ("alter database postgres set timezone = 'Asia/Tokyo'", "Asia/Tokyo", wrong),
        ]
        for change, zone, items in rounds:
            with psycopg.connect(srv.admin_url("postgres"), autocommit=True) as conn:
                conn.execute(change)
                conn.execute("select pg_reload_conf()")
            right = {
                "reset_val": f"select (reset_val = '{zone}')::int as n from pg_settings where name = 'TimeZone'",
                "file": "select count(*) as n from pg_file_settings where name = 'timezone' and applied"
                        f" and setting = '{'Etc/UTC' if zone == 'Asia/Tokyo' else zone}'",
                "role_setting": "select (count(*) = 1)::int as n from pg_db_role_setting d, unnest(d.setconfig) c"
                                f" where c = 'TimeZone={zone}'" if zone == "Asia/Tokyo" else "select 1 as n",
            }
            checks = [make_check("sql", {"query": q, "expect": {"n": {"eq": 1}}}, item=f"P{i}", name=name)
                      for i, (name, q) in enumerate({**items, **right}.items())]
            with psycopg.connect(url, autocommit=True) as conn:
                plain = conn.execute("select current_setting('TimeZone')").fetchone()[0]
            assert plain == zone, f"{change}: expected the checker's plain session in {zone}; saw {plain}"
            target = make_target({"database": url})
            try:
                outcomes = dict(zip((c.name for c in checks), gather_and_judge(target, sql, checks)))
            finally:
                target.close()
            for name in items:
                outcome = outcomes[name]
                assert outcome.status is Status.ERROR and "TimeZone" in outcome.observed and (
                    "reset_val" in outcome.observed and "timestamp without time zone" not in outcome.observed), (
                    f"{change}: item {name}: expected ERROR naming TimeZone (the checker's session set it to UTC) and"
                    f" reset_val; saw {outcome.status.value}: {outcome.observed!r}")
            for name in right:
                assert outcomes[name].status is Status.PASSED, (
                    f"{change}: item {name}: expected PASSED (reads the zone the app's sessions start with); saw"
                    f" {outcomes[name].status.value}: {outcomes[name].observed!r}")
