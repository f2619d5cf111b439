"""sql items over catalog views that show the checker only what its own privileges allow: information_schema's
views (grants to or by its roles, functions it may EXECUTE, tables it may change) and the statistics views that
show other roles' sessions blank without pg_read_all_stats. Each is an ERROR naming the view, why and the fix where
the checker role is one they hide rows from — decided by what it holds, asked in the batched visibility query, no
round trip more — and judged where they hide nothing (a superuser, a member of pg_read_all_stats). On a real
PostgreSQL, with the demo's checker (BYPASSRLS, pg_read_all_data) and the README's roles."""

from __future__ import annotations

import re
import secrets

import psycopg
import pytest
from psycopg import sql as pgsql

from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.transports import postgres

from .kit import make_check, make_target
from .project import scratch_database
from .test_schema_lints import _debian_pg15
from .test_sql_bounds import _judged

WAITS = 2000  # polls of pg_stat_activity for the app's session, a hang guard only (each returns at once when seen)


def _said(name: str, want: Status, outcome) -> str:
    return (f"item {name}: expected {want.value}, saw {outcome.status.value}"
            f" (expected: {outcome.expected!r}; observed: {outcome.observed!r})")


@pytest.fixture
def round_trips(monkeypatch):
    """The conversations with the database, each a list of the statements sent in it."""
    sent: list[list[bytes]] = []
    real = postgres._Conversation.run
    monkeypatch.setattr(postgres._Conversation, "run",
                        lambda self, texts, pinned=(): sent.append(list(texts)) or real(self, texts, pinned))
    return sent


@pytest.fixture
def stats_reader(demo_deployment):
    """A login role as README's "The checker role" writes it: BYPASSRLS, pg_read_all_data and pg_read_all_stats."""
    role, password = f"stats_reader_{secrets.token_hex(4)}", secrets.token_hex(12)
    with demo_deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create role {} login bypassrls password {} in role pg_read_all_data,"
                               " pg_read_all_settings, pg_read_all_stats").format(
            pgsql.Identifier(role), pgsql.Literal(password)))
    try:
        yield role, password
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}").format(pgsql.Identifier(role)))


# -- information_schema: views that filter by the checker's own privileges ------------------------------------------
CATALOG_DDL = """
create role {anon} nologin;
create table public.orders (id int primary key, total int check (total > 0));
grant select, insert, update, delete on public.orders to {anon};
create function public.admin_reset() returns int language sql security definer as 'select 1';
revoke execute on function public.admin_reset() from public;
create function public.audit() returns trigger language plpgsql as 'begin return new; end';
create trigger orders_audit after insert on public.orders for each row execute function public.audit();
create table public.triggers (id int);  -- the app's own table of that name: no view of information_schema
create role {anon}_svc nologin in role {anon};  -- a membership of a role the checker is no member of
"""
GRANTS = "select count(*) as n from information_schema.role_table_grants where grantee = '{anon}'"
PRIVILEGES = "select count(*) as n from information_schema.table_privileges where grantee = '{anon}'"
DEFINERS = ("select count(*) as n from information_schema.routines"
            " where routine_schema = 'public' and security_type = 'DEFINER'")
PRIMARY_KEY = ("select count(*) as n from information_schema.table_constraints"
               " where table_schema = 'public' and table_name = 'orders' and constraint_type = 'PRIMARY KEY'")
TRIGGERS = 'select count(*) as n from "information_schema"."triggers" where event_object_table = \'orders\''
COLUMNS = ("select count(*) as n from information_schema.columns"
           " where table_schema = 'public' and table_name = 'orders' and column_name <> 'parameters'")
OWN_TABLE = "select count(*) as n from public.triggers"
MEMBERS = "select count(*) as n from information_schema.applicable_roles where role_name = '{anon}'"
# information_schema.tables, which pg_read_all_data shows whole, its count written `as views`: no view `views` read
VIEW_COUNT = ("select count(*) as views from information_schema.tables"
              " where table_schema = 'public' and table_type = 'VIEW'")
CATALOG_ITEMS = [
    # (name, query, expect, as the demo's checker, as a superuser, the view named, what the fix names)
    ("no-anon-grants", GRANTS, {"n": {"eq": 0}}, Status.ERROR, Status.FAILED, "information_schema.role_table_grants",
     "aclexplode"),
    ("no-anon-privileges", PRIVILEGES, {"n": {"eq": 0}}, Status.ERROR, Status.FAILED,
     "information_schema.table_privileges", "aclexplode"),
    ("no-definer-fns", DEFINERS, {"n": {"eq": 0}}, Status.ERROR, Status.FAILED, "information_schema.routines",
     "pg_proc"),
    ("orders-has-pk", PRIMARY_KEY, {"n": {"eq": 1}}, Status.ERROR, Status.PASSED,
     "information_schema.table_constraints", "pg_constraint"),
    ("orders-audited", TRIGGERS, {"n": {"ge": 1}}, Status.ERROR, Status.PASSED, "information_schema.triggers",
     "pg_trigger"),
    # pg_read_all_data reads every table: the views listing what the role may SELECT hide nothing from it
    ("orders-columns", COLUMNS, {"n": {"eq": 2}}, Status.PASSED, Status.PASSED, None, None),
    ("own-table-named-triggers", OWN_TABLE, {"n": {"eq": 0}}, Status.PASSED, Status.PASSED, None, None),
    # applicable_roles lists only the memberships of roles the checker role is a member of: anon's member hidden
    ("no-anon-members", MEMBERS, {"n": {"eq": 0}}, Status.ERROR, Status.FAILED, "information_schema.applicable_roles",
     "pg_auth_members"),
    ("no-views", VIEW_COUNT, {"views": {"eq": 0}}, Status.PASSED, Status.PASSED, None, None),
]


def test_information_schema_views_hiding_rows_from_the_checker_are_an_error_not_a_count(demo_deployment,
                                                                                        round_trips):
    """The demo's checker owns nothing and may change nothing: role_table_grants shows it no grant to anon, routines
    no function it may not EXECUTE, table_constraints and triggers no table it may not change — a count of 0 there
    passed `eq: 0` with 4 grants and a SECURITY DEFINER function present, and failed a healthy table's primary key.
    Each is an error naming the view, why and the pg_catalog table to read instead, in one round trip; a superuser
    is shown every row, and its items are judged."""
    anon = f"anon_{secrets.token_hex(4)}"
    items = [make_check("sql", {"query": query.format(anon=anon), "expect": expect}, item=f"I{i}", name=name)
             for i, (name, query, expect, *_) in enumerate(CATALOG_ITEMS)]
    try:
        with scratch_database(demo_deployment, CATALOG_DDL.format(anon=anon), prefix="hidden") as db:
            as_checker = _judged(db["url"], items)
            trips = len(round_trips)
            as_superuser = _judged(db["admin"], items)
    finally:
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role if exists {}, {}").format(pgsql.Identifier(f"{anon}_svc"),
                                                                        pgsql.Identifier(anon)))
    assert trips == 1, f"round trips as the checker: expected 1 (the facts ride the batched query), saw {trips}"
    wrong = []
    for case, checker, superuser in zip(CATALOG_ITEMS, as_checker, as_superuser, strict=True):
        name, _, _, want_checker, want_superuser, view, fix = case
        if checker.status is not want_checker:
            wrong.append("as the checker: " + _said(name, want_checker, checker))
        elif view and not (view in checker.observed and fix in checker.observed
                           and "privileges" in checker.observed):
            wrong.append(f"as the checker: item {name}: expected the error to name {view}, why (the checker's own"
                         f" privileges) and the fix ({fix}); saw {checker.observed!r}")
        if superuser.status is not want_superuser:
            wrong.append("as a superuser: " + _said(name, want_superuser, superuser))
    assert not wrong, "\n".join(wrong)


# -- statistics views: other roles' sessions blank without pg_read_all_stats ---------------------------------------
IDLE = "select count(*) as n from pg_stat_activity where state = 'idle in transaction'"


def test_session_views_without_pg_read_all_stats_are_an_error_not_a_count(demo_deployment, stats_reader):
    """The app's session idles in a transaction: the demo's checker (no pg_read_all_stats) sees its state as NULL, so
    `eq: 0` passed; it is an error naming pg_stat_activity and the grant to add. The README's checker role, a member
    of pg_read_all_stats, sees the session and fails the item."""
    role, password = stats_reader
    items = [make_check("sql", {"query": IDLE, "expect": {"n": {"eq": 0}}}, item="A1", name="no-idle-in-tx")]
    with scratch_database(demo_deployment, "create table public.jobs (id int)", prefix="activity") as db:
        holder = psycopg.connect(db["admin"])  # the app's session: a transaction left open
        try:
            holder.execute("select 1")
            with psycopg.connect(db["admin"], autocommit=True) as conn:  # until the server lists it so
                seen = next((n for _ in range(WAITS) if (n := conn.execute(IDLE).fetchone()[0])), 0)
            assert seen, "the app's session never showed as idle in transaction"
            (blind,) = _judged(db["url"], items)
            (reader,) = _judged(demo_deployment.pg.url(db["name"], role, password), items)
        finally:
            holder.close()
    assert blind.status is Status.ERROR, _said("no-idle-in-tx (demo checker)", Status.ERROR, blind)
    assert "pg_stat_activity" in blind.observed and "grant pg_read_all_stats to opsverify_checker" in blind.observed, (
        f"item no-idle-in-tx: expected the error to name pg_stat_activity and the grant; saw {blind.observed!r}")
    assert reader.status is Status.FAILED, _said("no-idle-in-tx (member of pg_read_all_stats)", Status.FAILED, reader)


VIEWER = {"viewer": "checker", "sees_all": True, "rls_tables": [], "views": []}
STATS_NAMED = [
    # (query, sees other roles' sessions, the name the error gives or None for a verdict)
    ("select count(*) as n from pg_catalog.pg_stat_replication where state <> 'streaming'", False,
     "pg_stat_replication"),
    ("select count(*) as n from pg_stat_progress_vacuum", False, "pg_stat_progress_vacuum"),
    ("select count(*) as n from pg_stat_wal_receiver where status = 'streaming'", False, "pg_stat_wal_receiver"),
    ("select count(*) as n from pg_stat_ssl where not ssl", False, "pg_stat_ssl"),
    ("select count(*) as n from pg_stat_gssapi where gss_authenticated", False, "pg_stat_gssapi"),
    ("select count(*) as n from pg_stat_statements where query like '%orders%'", False, "pg_stat_statements"),
    ("select count(*) as n from pg_stat_get_activity(null) where state is null", False, "pg_stat_get_activity"),
    ("select count(*) as n from pg_stat_activity", True, None),  # a member of pg_read_all_stats (or a superuser)
    ("select count(*) as n from pg_stat_user_tables where n_dead_tup > 1000", False, None),  # no session shown
    ("select count(*) as n from pg_stat_subscription", False, None),  # shown to every role
    # named as a relation only: quoted, qualified, or in the SQL a function runs as the role
    ('select count(*) as n from "pg_stat_activity" where state is null', False, "pg_stat_activity"),
    ("select count(*) as n from pg_catalog . pg_stat_activity", False, "pg_stat_activity"),
    ("select length(query_to_xml('select * from pg_stat_activity', true, true, '')::text) as n", False,
     "pg_stat_activity"),
    # a string or a comment names no view: is the extension installed?
    ("select count(*) as n from pg_catalog.pg_extension where extname = 'pg_stat_statements'", False, None),
    ("select count(*) as n from pg_stat_user_tables -- not pg_stat_activity\n where n_dead_tup > 1000", False,
     None),
    ("select count(*) as n from pg_class /* pg_stat_ssl */ where relname = $$pg_stat_progress_vacuum$$", False,
     None),
    # a `--` comment ends at a carriage return too (PostgreSQL's scan.l): what follows is read
    ("-- stuck sessions\rselect count(*) as n from pg_stat_activity where state = 'idle in transaction'", False,
     "pg_stat_activity"),
]


@pytest.mark.parametrize("query, sees_stats, named", STATS_NAMED, ids=[n or f"judged-{i}" for i, (_, _, n) in
                                                                       enumerate(STATS_NAMED)])
def test_each_view_showing_other_sessions_blank_is_named(query, sees_stats, named):
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, name="sessions")
    facts = {"visibility": [{**VIEWER, "sees_stats": sees_stats, "catalog_hidden": [], "search_path": "public"}],
             "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    outcome = sql.judge(check, facts)
    want = Status.ERROR if named else Status.PASSED
    assert outcome.status is want, _said(query, want, outcome)
    assert named is None or (named in outcome.observed and "pg_read_all_stats" in outcome.observed), (
        f"query {query!r}: expected the error to name {named} and pg_read_all_stats; saw {outcome.observed!r}")


CATALOG_NAMED = [
    # (query, the classes hidden from the role, its search_path, the view the error names or None for a verdict)
    ("select count(*) as n from information_schema.key_column_usage", ["changes"], "public",
     "information_schema.key_column_usage"),
    ('select count(*) as n from INFORMATION_SCHEMA."check_constraints"', ["owned"], "public",
     "information_schema.check_constraints"),
    ("select length(query_to_xml('select * from information_schema.role_routine_grants', true, true, '')::text)"
     " as n", ["grants"], "public", "information_schema.role_routine_grants"),
    ("select count(*) as n from information_schema.parameters", ["execute"], "public",
     "information_schema.parameters"),
    ("select count(*) as n from triggers", ["changes"], '"$user", public, information_schema',
     "information_schema.triggers"),  # found through the session's search_path
    ("select count(*) as n from triggers", ["changes"], '"$user", public', None),  # the app's own table
    ("select count(*) as n from information_schema.table_constraints", [], "public", None),  # a superuser's
    ("select count(*) as n from information_schema.tables", ["changes", "owned", "grants", "execute"], "public",
     None),  # pg_read_all_data: every table readable
    ("select count(*) as n from information_schema.tables", ["readable"], "public", "information_schema.tables"),
    ("select count(*) as n from information_schema.columns where column_name = 'parameters'", ["execute"], "public",
     None),  # a word in a string names no view
    # a comment between the schema and its dot is SQL's blank: the same view
    ("select count(*) as n from information_schema/**/.role_table_grants", ["grants"], "public",
     "information_schema.role_table_grants"),
    ("select count(*) as n from information_schema -- x\n .role_table_grants", ["grants"], "public",
     "information_schema.role_table_grants"),
    ("-- grants\rselect count(*) as n from information_schema.role_table_grants", ["grants"], "public",
     "information_schema.role_table_grants"),
    ('select count(*) as n from information_schema . "role_table_grants"', ["grants"], "public",
     "information_schema.role_table_grants"),
    ("select count(*) as n from information_schema.enabled_roles", ["roles"], "public",
     "information_schema.enabled_roles"),
    ("select count(*) as n from information_schema.administrable_role_authorizations", ["roles"], "public",
     "information_schema.administrable_role_authorizations"),
    # a column alias, a string or a comment names no view, information_schema named elsewhere or not
    ("select count(*) as views from information_schema.tables where table_type = 'VIEW'", ["owned"], "public",
     None),
    ("select count(*) as routines from information_schema.tables t join information_schema.columns c"
     " using (table_name)", ["owned", "execute"], "public", None),
    ("select count(*) as n from information_schema.tables where table_name <> 'triggers' -- not routines",
     ["changes", "execute"], "public", None),
    ("select count(*) as n from pg_class where relname = 'information_schema.role_table_grants'", ["grants"],
     "public", None),
    # unqualified, on a search_path listing information_schema: a relation the query reads, not any word
    ("select count(*) as triggers from pg_class", ["changes"], '"$user", public, information_schema', None),
    ("select count(*) as n from pg_class c join triggers t on true", ["changes"],
     '"$user", public, information_schema', "information_schema.triggers"),
    # a name spelled in escapes, not decoded: any view
    ('select count(*) as n from information_schema.U&"\\0074riggers"', ["changes"], "public",
     "information_schema.triggers"),
    # a function given a relation by name, not followed: read as any word naming it
    ("select length(table_to_xml('information_schema.role_table_grants'::regclass, true, true, '')::text) as n",
     ["grants"], "public", "information_schema.role_table_grants"),
]


@pytest.mark.parametrize("query, hidden, path, named", CATALOG_NAMED,
                         ids=[f"{i}-{n or 'judged'}" for i, (_, _, _, n) in enumerate(CATALOG_NAMED)])
def test_each_information_schema_view_hiding_rows_from_the_role_is_named(query, hidden, path, named):
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, name="catalog")
    facts = {"visibility": [{**VIEWER, "sees_stats": True, "catalog_hidden": hidden, "search_path": path}],
             "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    outcome = sql.judge(check, facts)
    want = Status.ERROR if named else Status.PASSED
    assert outcome.status is want, _said(query, want, outcome)
    assert named is None or named in outcome.observed, (
        f"query {query!r}: expected the error to name {named}; saw {outcome.observed!r}")


def test_facts_without_what_the_role_is_shown_are_an_error_for_a_view_that_may_hide():
    """Visibility facts that do not say what the role is shown (not asked): a query naming such a view is an error,
    never a count."""
    check = make_check("sql", {"query": IDLE, "expect": {"n": {"eq": 0}}}, name="unasked")
    facts = {"visibility": [VIEWER], "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    outcome = sql.judge(check, facts)
    assert outcome.status is Status.ERROR, _said("unasked", Status.ERROR, outcome)


@pytest.mark.parametrize("query, asked", [
    ("select count(*) from stripe_events where status = 'failed'", False),
    ("select count(*) from app.jobs where state = 'stuck'", False),
    ("select count(*) from information_schema.role_table_grants where grantee = 'anon'", True),
    ("select count(*) from routines", True),  # unqualified: the search_path may list information_schema
    ("select count(*) from pg_stat_activity where state = 'idle in transaction'", True),
    ("select count(*) from pg_stat_progress_vacuum", True),
    ("select count(*) from pg_extension where extname = 'pg_stat_statements'", False),  # a string names no view
    ("select count(*) from app.jobs -- not pg_settings", False),
])
def test_what_the_role_is_shown_is_asked_only_where_a_query_names_such_a_view(query, asked):
    """In a cold session those questions cost the server about four times the rest of the visibility question (a
    fleet of 200 databases asks it 200 times), for facts only a query naming such a view needs."""
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}})
    first = sql.database_statements(make_target({}), [check])[0]
    assert (first is sql.VISIBILITY_OF_SHOWN_VIEWS) is asked and (first is sql.VISIBILITY) is not asked
    assert ("catalog_hidden" in first) is asked
    question, _ = sql._resolution([check])
    assert ("catalog_hidden" in question) is asked


@pytest.mark.parametrize("detail, tables", [
    ("select name, setting from pg_settings where pending_restart", ()),
    ("select pid, state from pg_stat_activity where state = 'idle in transaction'", ()),
    ("select id from app.jobs where state = 'stuck'", ("app.jobs",)),
])
def test_what_the_role_is_shown_is_asked_for_a_detail_too(detail, tables):
    """A detail is held to the same rules as the query (its rows are evidence): the facts they need are asked for the
    names it reads too."""
    check = make_check("sql", {"query": "select count(*) as n from app.plain", "expect": {"n": {"eq": 0}},
                               "detail": detail})
    first = sql.database_statements(make_target({}), [check])[0]
    assert (first is sql.VISIBILITY_OF_SHOWN_VIEWS) is (not tables), f"detail {detail!r}: the shown views not asked"
    _, asked = sql._resolution([check])
    assert set(tables) <= {name.replace('"', "") for name in asked["tables"]}, f"detail {detail!r}: {asked}"


SEEN = ["max_prepared_transactions", "max_connections", "fsync", "port"]


@pytest.mark.parametrize("query, sees_settings, status", [
    ("select count(*) as n from pg_settings where name = 'shared_preload_libraries'", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'shared_preload_libraries'", None, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'shared_preload_libraries'", True, Status.PASSED),
    ("select count(*) as n from pg_settings where name like 'cron.%'", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'cron.use_background_workers'", False, Status.ERROR),
    ("select count(*) as n from pg_settings", False, Status.ERROR),  # a count over every setting may be low
    # a setting the role is shown, asked by name: judged
    ("select count(*) as n from pg_settings where name = 'max_prepared_transactions' and setting <> 'off'", False,
     Status.PASSED),
    ("select count(*) as n from pg_settings where name in ('max_connections', 'shared_preload_libraries')", False,
     Status.ERROR),
    # rows read by anything but equality with shown names, conjunctively, may be hidden ones
    ("select count(*) as n from pg_settings where pending_restart and name <> 'max_connections'", False,
     Status.ERROR),
    ("select count(*) as n from pg_settings where name not in ('max_connections', 'fsync')", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'max_connections' or pending_restart", False, Status.ERROR),
    ("select count(*) as n from pg_settings s join pg_settings t on t.name = 'fsync' where s.setting = t.setting",
     False, Status.ERROR),  # s: every setting
    ("select count(*) as n from pg_settings where lower(name) = 'fsync'", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'max_connections' and pending_restart"
     " -- shared_preload_libraries is not asked", False, Status.PASSED),
    ("select count(*) as n from pg_catalog.pg_settings s where s.name in ('max_connections', 'fsync')"
     " and s.setting <> s.boot_val", False, Status.PASSED),
    ("select count(*) as n from pg_settings s join pg_settings t on t.name = 'fsync'"
     " where s.name = 'max_connections' and s.setting = t.setting", False, Status.PASSED),
    ("select (select setting from pg_settings where name = 'max_connections')::int - 100 as n", False,
     Status.PASSED),
    # a setting PostgreSQL 15 and 18 show only with pg_read_all_settings, missing from the list before
    ("select count(*) as n from pg_settings where (name = 'ssl_min_protocol_version' and setting = 'TLSv1')"
     " or (name = 'password_encryption' and setting = 'md5')", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'ssl_min_protocol_version'", False, Status.ERROR),
    # sourcefile and sourceline: NULL for every setting, shown ones too
    ("select count(*) as n from pg_settings where name = 'port' and sourcefile is not null", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'port' and sourceline > 0", False, Status.ERROR),
    ("select count(*) as n from pg_settings where name = 'port' and sourcefile is not null", True, Status.PASSED),
    ("select *, 0 as n from pg_settings where name = 'port'", False, Status.ERROR),  # its sourcefile too
    # a column alias list renames name: a bare `name` is then an outer query's column, restricting nothing
    ("select count(*) as n from (values ('max_connections')) v(name) where exists (select 1 from pg_settings"
     " as s(setting_name) where name = 'max_connections' and s.pending_restart)", False, Status.ERROR),
    ("select count(*) as n from pg_settings as s(a, name) where name = 'max_connections' and pending_restart", False,
     Status.ERROR),  # (`name` is setting here)
    ("select count(*) as n from pg_settings as s(setting_name) where setting_name = 'max_connections'"
     " and s.pending_restart", False, Status.PASSED),  # the renamed column, mapped
    ("select count(*) as n from pg_settings as s(setting_name) where s.setting_name = 'max_connections'"
     " and s.pending_restart", False, Status.PASSED),
    # an alias as PostgreSQL compares it: quoted as written, unquoted folded
    ("select count(*) as n from pg_settings as \"S\" where \"S\".name = 'max_connections' and \"S\".pending_restart",
     False, Status.PASSED),
    ("select count(*) as n from pg_settings as S where s.name = 'max_connections' and S.pending_restart", False,
     Status.PASSED),
    ("select count(*) as n from pg_settings as \"S\" where s.name = 'max_connections'", False, Status.ERROR),
])
def test_pg_settings_without_pg_read_all_settings_is_an_error_not_a_count(query, sees_settings, status):
    """pg_settings leaves out the superuser-only settings (shared_preload_libraries, cron.*) for a role without
    pg_read_all_settings: `count(*) … where name = 'shared_preload_libraries'` {eq: 0} passed with the row there. A
    setting it is shown, asked by name, is judged."""
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, name="settings")
    seen = {"settings_seen": SEEN} if sees_settings is None else {"sees_settings": sees_settings,
                                                                   "settings_seen": SEEN}
    facts = {"visibility": [{**VIEWER, "sees_stats": True, "catalog_hidden": [], "search_path": "public", **seen}],
             "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    outcome = sql.judge(check, facts)
    assert outcome.status is status, outcome
    assert status is Status.PASSED or "grant pg_read_all_settings to checker" in outcome.observed, outcome.observed
    assert sql.database_statements(make_target({}), [check])[0] is sql.VISIBILITY_OF_SHOWN_VIEWS


@pytest.mark.parametrize("query, said", [
    ("select count(*) as n from pg_settings where name = 'port' and sourcefile is not null", "sourcefile"),
    ("select count(*) as n from pg_settings where name = 'ssl_min_protocol_version'", "ssl_min_protocol_version"),
    ("select count(*) as n from pg_settings where pending_restart and name <> 'max_connections'", "pg_settings"),
])
def test_the_pg_settings_error_says_what_may_read_wrong(query, said):
    check = make_check("sql", {"query": query, "expect": {"n": {"eq": 0}}}, name="settings")
    facts = {"visibility": [{**VIEWER, "sees_stats": True, "catalog_hidden": [], "search_path": "public",
                             "sees_settings": False, "settings_seen": SEEN}],
             "deployed_at": None, "answers": {check.key: {"query": [{"n": 0}]}}}
    outcome = sql.judge(check, facts)
    assert outcome.status is Status.ERROR and said in outcome.observed, (
        f"query {query!r}: expected an error naming {said}; saw {outcome.status.value}: {outcome.observed!r}")


# -- what the lists above hold, re-derived on the servers the tests run ----------------------------------------------
@pytest.fixture(scope="module", params=["demo-pg18", pytest.param("debian-pg15", marks=pytest.mark.needs_real_server)])
def superuser_url(request):
    """A superuser's URL of the demo's PostgreSQL 18, and of Debian's PostgreSQL 15 where installed."""
    if request.param == "demo-pg18":
        yield request.getfixturevalue("demo_deployment").pg.url()
        return
    for pg15 in _debian_pg15():
        yield pg15.admin_url("postgres")


def test_the_settings_hidden_without_pg_read_all_settings_are_those_listed(superuser_url):
    """The settings pg_settings lists to a superuser and not to a role holding nothing, compared with
    HIDDEN_SETTINGS of that major version: a version whose list differs (a new setting hidden) is caught here."""
    plain = f"plain_{secrets.token_hex(4)}"
    with psycopg.connect(superuser_url, autocommit=True, connect_timeout=10) as conn:
        major = int(conn.execute("show server_version_num").fetchone()[0]) // 10000
        every = {name for (name,) in conn.execute("select name from pg_catalog.pg_settings")}
        conn.execute(pgsql.SQL("create role {}").format(pgsql.Identifier(plain)))
        try:
            with conn.transaction():
                conn.execute(pgsql.SQL("set local role {}").format(pgsql.Identifier(plain)))
                shown = {name for (name,) in conn.execute("select name from pg_catalog.pg_settings")}
        finally:
            conn.execute(pgsql.SQL("drop role {}").format(pgsql.Identifier(plain)))
    hidden = {name for name in every - shown if "." not in name}  # an extension's: any dotted name counts as hidden
    listed = sql.HIDDEN_SETTINGS.get(major)
    assert listed is not None, f"PostgreSQL {major}: expected HIDDEN_SETTINGS to list it; hidden here: {sorted(hidden)}"
    assert hidden == listed, (f"PostgreSQL {major}: hidden without pg_read_all_settings but not listed:"
                              f" {sorted(hidden - listed)}; listed but shown: {sorted(listed - hidden)}")
    assert listed <= sql.SUPERUSER_ONLY_SETTINGS


# a filter by the reading role's own privileges, as information_schema.sql writes one
_PRIVILEGE_FILTER = re.compile(r"\b(?:pg_has_role|has_[a-z_]+_privilege)\(")


def test_every_information_schema_view_filtering_by_the_role_is_listed(superuser_url):
    """Each view of information_schema whose definition filters by the reading role's privileges (pg_has_role,
    has_*_privilege), or that reads such a view (role_table_grants through enabled_roles), is in
    HIDDEN_BY_PRIVILEGES — applicable_roles and enabled_roles were not, and 'anon is no member of service_role'
    passed — and none listed is free of such a filter."""
    with psycopg.connect(superuser_url, autocommit=True, connect_timeout=10) as conn:
        major = int(conn.execute("show server_version_num").fetchone()[0]) // 10000
        definitions = dict(conn.execute(
            "select c.relname, pg_catalog.pg_get_viewdef(c.oid) from pg_catalog.pg_class c"
            " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'information_schema' and c.relkind = 'v'").fetchall())
        reads = conn.execute(
            "select distinct v.relname, r.relname from pg_catalog.pg_rewrite w"
            " join pg_catalog.pg_class v on v.oid = w.ev_class"
            " join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = w.oid"
            "  and d.refclassid = 'pg_catalog.pg_class'::regclass"
            " join pg_catalog.pg_class r on r.oid = d.refobjid and r.relkind = 'v' and r.oid <> v.oid"
            " join pg_catalog.pg_namespace n on n.oid = v.relnamespace and n.oid = r.relnamespace"
            " where n.nspname = 'information_schema'").fetchall()
    filtering = {name for name, text in definitions.items() if _PRIVILEGE_FILTER.search(text)}
    while more := {view for view, read in reads if read in filtering} - filtering:
        filtering |= more
    listed = {view for _, _, views in sql.HIDDEN_BY_PRIVILEGES.values() for view in views}
    assert filtering == listed, (f"PostgreSQL {major}: information_schema views filtering by the role's privileges"
                                 f" but not listed: {sorted(filtering - listed)}; listed but not filtering:"
                                 f" {sorted(listed - filtering)}")
