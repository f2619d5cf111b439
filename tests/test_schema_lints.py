"""Supabase splinter's security lints, each written as a `schema` item: healthy → broken → fixed on a
scratch database of the demo's embedded PostgreSQL 18 — and of Debian's PostgreSQL 15, what Supabase
runs, when installed — judged as a read-only checker role (pg_read_all_data + bypassrls, no superuser).
docs/checklists.md lists which lints are supported.

The SQL below builds objects for the test; the item itself never needs SQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from opsverify_demo.deployment import CHECKER
from opsverify_demo.support import free_port
from opsverify.engine import gather_and_judge
from opsverify.families import schema
from opsverify.outcome import Status

from .kit import make_check, make_target, real_binary

# what a fresh Supabase project has before the app's migrations (anon/authenticated/service_role
# exist cluster-wide in the demo)
SUPABASE = """
grant usage on schema public to anon, authenticated, service_role;
create schema auth;
create table auth.users (id uuid primary key, email text unique, raw_user_meta_data jsonb);
create function auth.uid() returns uuid language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create function auth.jwt() returns jsonb language sql stable
  as $$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
create schema extensions;
"""

NOTES = """
create table public.notes (id uuid primary key default gen_random_uuid(), owner uuid not null, body text);
alter table public.notes enable row level security;
create policy "owners read notes" on public.notes for select to authenticated using (owner = auth.uid());
grant select on public.notes to authenticated;
"""

REG_TYPES = ["regcollation", "regconfig", "regdictionary", "regnamespace", "regoper", "regoperator", "regproc",
             "regprocedure"]


@dataclass(frozen=True)
class Lint:
    code: str          # splinter's lint file, e.g. 0013_rls_disabled_in_public
    params: dict       # the schema item that states the lint
    healthy: str       # SQL: the objects in a state the lint accepts
    broken: str        # SQL: what the lint flags
    fixed: str         # SQL: the fix
    names: str         # the object the failure must name
    note: str = field(default="", compare=False)


LINTS = [
    Lint("0002_auth_users_exposed",
         {"views_in": "public", "reading": ["auth.users"], "no_grants_to": ["anon", "authenticated"], "allow_empty": True},
         "create view public.user_emails as select id, email from auth.users;",
         "grant select on public.user_emails to anon;",
         "revoke select on public.user_emails from anon;", "public.user_emails"),
    Lint("0007_policy_exists_rls_disabled", {"all_tables_in": "public", "rls": True}, NOTES,
         "alter table public.notes disable row level security;",
         "alter table public.notes enable row level security;", "public.notes",
         note="stricter: every table has RLS on, with or without policies"),
    Lint("0008_rls_enabled_no_policy", {"all_tables_in": "public", "policies": True}, NOTES,
         'drop policy "owners read notes" on public.notes;',
         'create policy "owners read notes" on public.notes for select to authenticated using (owner = auth.uid());',
         "public.notes"),
    Lint("0010_security_definer_view", {"views_in": "public", "security_invoker": True},
         NOTES + "create view public.my_notes with (security_invoker = on) as select id, body from public.notes;"
                 "grant select on public.my_notes to authenticated;",
         "alter view public.my_notes reset (security_invoker);",
         "alter view public.my_notes set (security_invoker = true);", "public.my_notes",
         note="stricter: every view, whoever may select it"),
    Lint("0011_function_search_path_mutable", {"functions_in": "public", "fixed_search_path": True},
         "create function public.touch() returns trigger language plpgsql set search_path = ''"
         " as $$ begin new.updated_at := now(); return new; end $$;",
         "alter function public.touch() reset search_path;",
         "alter function public.touch() set search_path = '';", "public.touch()"),
    Lint("0013_rls_disabled_in_public", {"all_tables_in": "public", "rls": True}, NOTES,
         "create table public.leads (id bigint primary key, email text);",
         "alter table public.leads enable row level security;", "public.leads"),
    Lint("0014_extension_in_public", {"all_extensions": True, "not_in_schemas": ["public"]},
         "create extension pg_trgm schema extensions;",
         "alter extension pg_trgm set schema public;",
         "alter extension pg_trgm set schema extensions;", "pg_trgm"),
    Lint("0015_rls_references_user_metadata", {"all_tables_in": "public", "policies_never_mention": ["user_metadata"]},
         NOTES + "create policy \"admins read notes\" on public.notes for select to authenticated"
                 " using ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');",
         "create policy \"editors read notes\" on public.notes for select to authenticated"
         " using ((auth.jwt() -> 'user_metadata' ->> 'role') = 'editor');",
         'drop policy "editors read notes" on public.notes;', "public.notes"),
    Lint("0016_materialized_view_in_api",
         {"views_in": "public", "materialized": True, "no_grants_to": ["anon", "authenticated"]},
         NOTES + "create materialized view public.note_counts as select owner, count(*) from public.notes group by owner;",
         "grant select on public.note_counts to authenticated;",
         "revoke select on public.note_counts from authenticated;", "public.note_counts"),
    Lint("0017_foreign_table_in_api", {"foreign_tables_in": "public", "no_grants_to": ["anon", "authenticated"]},
         "create foreign data wrapper lint_fdw; create server lint_server foreign data wrapper lint_fdw;"
         " create foreign table public.remote_orders (id bigint) server lint_server;",
         "grant select on public.remote_orders to anon;",
         "revoke select on public.remote_orders from anon;", "public.remote_orders"),
    Lint("0018_unsupported_reg_types", {"all_tables_in": "public", "no_columns_of_type": REG_TYPES}, NOTES,
         "alter table public.notes add column handler regproc;",
         "alter table public.notes drop column handler;", "public.notes"),
    # through a domain (and a domain over a domain, an array of one): the column holds a reg* value all the same
    Lint("0018_unsupported_reg_types-through-a-domain", {"all_tables_in": "public", "no_columns_of_type": REG_TYPES},
         NOTES + "create domain public.procdom as regproc; create domain public.procdom2 as public.procdom;",
         "alter table public.notes add column handler public.procdom2; alter table public.notes add column"
         " handlers public.procdom[];",
         "alter table public.notes drop column handler; alter table public.notes drop column handlers;",
         "column handler of type public.procdom2, a domain over regproc"),
    # a domain over an array of one (its pg_type row has no element type of its own), and a composite type with a
    # reg* field (pg_upgrade refuses both too)
    Lint("0018_unsupported_reg_types-through-a-domain-over-an-array",
         {"all_tables_in": "public", "no_columns_of_type": REG_TYPES},
         NOTES + "create domain public.procdom as regproc; create domain public.procs as public.procdom[];",
         "alter table public.notes add column handlers public.procs;",
         "alter table public.notes drop column handlers;",
         "column handlers of type public.procs, a domain over regproc"),
    Lint("0018_unsupported_reg_types-in-a-composite-field",
         {"all_tables_in": "public", "no_columns_of_type": REG_TYPES},
         NOTES + "create type public.hook as (name text, fn regproc); create type public.hooks as (list public.hook[]);",
         "alter table public.notes add column hooks public.hooks;",
         "alter table public.notes drop column hooks;",
         "column hooks of type public.hooks, which holds regproc"),
    Lint("0019_insecure_queue_exposed_in_api", {"all_tables_in": "pgmq", "rls": True},
         "create schema pgmq; grant usage on schema pgmq to anon, authenticated;"
         " create table pgmq.q_emails (msg_id bigint primary key, message jsonb);"
         " alter table pgmq.q_emails enable row level security; grant select on pgmq.q_emails to anon, authenticated;",
         "alter table pgmq.q_emails disable row level security;",
         "alter table pgmq.q_emails enable row level security;", "pgmq.q_emails",
         note="stricter: every table of the queue schema has RLS on"),
    Lint("0021_fkey_to_auth_unique", {"all_tables_in": "public", "references_primary_keys_in": ["auth"]},
         "create table public.profiles (id uuid primary key references auth.users (id)); "
         "alter table public.profiles enable row level security;",
         "alter table public.profiles add column email text constraint profiles_email_fkey references auth.users (email);",
         "alter table public.profiles drop constraint profiles_email_fkey;", "public.profiles"),
    Lint("0022_extension_versions_outdated", {"all_extensions": True, "up_to_date": True},
         "create extension pg_trgm schema extensions;",
         "drop extension pg_trgm; create extension pg_trgm version '1.3' schema extensions;",
         "alter extension pg_trgm update;", "pg_trgm"),
    Lint("0023_sensitive_columns_exposed", {"all_tables_in": "public", "rls": True},
         "create table public.accounts (id uuid primary key, password text, api_key text);"
         " alter table public.accounts enable row level security; grant select on public.accounts to anon;",
         "alter table public.accounts disable row level security;",
         "alter table public.accounts enable row level security;", "public.accounts",
         note="stricter: RLS on every table, whatever its column names"),
    Lint("0024_rls_policy_always_true", {"all_tables_in": "public", "no_open_write_policies_for": ["anon", "authenticated"]},
         NOTES + "create policy \"owners delete notes\" on public.notes for delete to authenticated"
                 " using (owner = auth.uid());",
         "create policy \"anyone deletes notes\" on public.notes for delete to authenticated using (true);",
         'drop policy "anyone deletes notes" on public.notes;', "public.notes"),
    Lint("0025_pg17_deprecated_extensions", {"extensions": ["tablefunc"], "installed": False},
         "select 1;", "create extension tablefunc schema extensions;", "drop extension tablefunc;", "tablefunc",
         note="plv8, timescaledb and adminpack cannot be installed on the demo's PostgreSQL 18: tablefunc stands in"),
    Lint("0026_pg_graphql_anon_table_exposed", {"all_tables_in": "public", "no_grants_to": ["anon"]}, NOTES,
         "grant select (body) on public.notes to anon;",
         "revoke select (body) on public.notes from anon;", "public.notes"),
    Lint("0027_pg_graphql_authenticated_table_exposed", {"all_tables_in": "public", "no_grants_to": ["authenticated"]},
         NOTES + "revoke select on public.notes from authenticated; grant select on public.notes to service_role;",
         "grant select on public.notes to authenticated;",
         "revoke select on public.notes from authenticated;", "public.notes"),
    Lint("0028_anon_security_definer_function_executable",
         {"functions_in": "public", "security_definer_only": True, "no_grants_to": ["anon"]},
         "create function public.claim_invite(code text) returns void language plpgsql security definer"
         " set search_path = '' as $$ begin end $$;"
         " revoke execute on function public.claim_invite(text) from public;"
         " grant execute on function public.claim_invite(text) to authenticated;",
         "grant execute on function public.claim_invite(text) to public;",  # PostgreSQL's own default
         "revoke execute on function public.claim_invite(text) from public;", "public.claim_invite(code text)"),
    Lint("0029_authenticated_security_definer_function_executable",
         {"functions_in": "public", "security_definer_only": True, "no_grants_to": ["authenticated"]},
         "create function public.purge_user(id uuid) returns void language plpgsql security definer"
         " set search_path = '' as $$ begin end $$;"
         " revoke execute on function public.purge_user(uuid) from public;"
         " grant execute on function public.purge_user(uuid) to service_role;",
         "grant execute on function public.purge_user(uuid) to authenticated;",
         "revoke execute on function public.purge_user(uuid) from authenticated;", "public.purge_user(id uuid)"),
]

# other catalog facts real apps state (issues 8 and 11), same healthy → broken → fixed
FACTS = [
    # a search_path fixed in form, naming a schema everyone may create in (CVE-2018-1058's pattern)
    Lint("fixed_search_path-schema-public-may-create", {"functions_in": "app", "fixed_search_path": True},
         "create schema app; create function app.touch() returns trigger language plpgsql security definer"
         " set search_path = app, pg_temp as $$ begin return new; end $$;",
         "grant create on schema app to public;",
         "revoke create on schema app from public;", "app.touch()"),
    # `$user` in a SECURITY DEFINER function's path is its owner's schema: one PUBLIC may create in is as open
    Lint("fixed_search_path-the-owners-own-schema", {"functions_in": "app", "fixed_search_path": True},
         "create schema app; create function app.setting() returns int language sql security definer"
         ' set search_path = "$user", pg_temp as $$ select 1 $$;',
         "do $$ begin execute format('create schema %I', current_user);"
         " execute format('grant create on schema %I to public', current_user); end $$;",
         "do $$ begin execute format('drop schema %I', current_user); end $$;", "\"$user\" (its owner's"),
    # a schema on the path that does not exist is made by the first role that may create schemas in the database:
    # a distrusted one (CREATE on the database) would own what the definer then finds first
    Lint("fixed_search_path-missing-schema-anon-may-create",
         {"functions_in": "app", "fixed_search_path": True, "no_grants_to": ["anon"]},
         "create schema app; create function app.h() returns int language sql security definer"
         " set search_path = pubilc, pg_temp as $$ select 1 $$; revoke execute on function app.h() from public;",
         "do $$ begin execute format('grant create on database %I to anon', current_database()); end $$;",
         "do $$ begin execute format('revoke create on database %I from anon', current_database()); end $$;",
         "pubilc, which does not exist, and anon may create it"),
    # a role the item distrusts (must hold nothing) may create in a schema on the path: it can plant objects the
    # definer then runs with its owner's rights — held directly, through a role it inherits, or as the owner
    Lint("fixed_search_path-schema-anon-may-create",
         {"functions_in": "app", "fixed_search_path": True, "no_grants_to": ["anon"]},
         "create schema app; create function app.touch() returns trigger language plpgsql security definer"
         " set search_path = app, pg_temp as $$ begin return new; end $$;"
         " revoke execute on function app.touch() from public;",
         "grant create on schema app to anon;",
         "revoke create on schema app from anon;", "app, where anon may CREATE"),
    Lint("fixed_search_path-schema-create-inherited-by-anon",
         {"functions_in": "app", "fixed_search_path": True, "no_grants_to": ["anon"]},
         "create schema app; create function app.touch() returns trigger language plpgsql security definer"
         " set search_path = app, pg_temp as $$ begin return new; end $$;"
         " revoke execute on function app.touch() from public; create role lint_planter_{db} nologin;"
         " grant create on schema app to lint_planter_{db};",
         "grant lint_planter_{db} to anon;",
         "revoke lint_planter_{db} from anon;", "(inherited by anon) may CREATE"),
    Lint("fixed_search_path-schema-owned-by-anon",
         {"functions_in": "public", "fixed_search_path": True, "no_grants_to": ["anon"]},
         "create schema lint_ext_{db}; create function public.touch() returns trigger language plpgsql"
         " security definer set search_path = lint_ext_{db}, pg_temp as $$ begin return new; end $$;"
         " revoke execute on function public.touch() from public;",
         "alter schema lint_ext_{db} owner to anon;",
         "alter schema lint_ext_{db} owner to current_user;", "anon owns it"),
    Lint("grants_to-reporting-select", {"tables": ["public.notes"], "grants_to": {"reporting": ["SELECT"]}},
         NOTES + "grant select on public.notes to reporting;",
         "revoke select on public.notes from reporting;",
         "grant select on public.notes to reporting;", "public.notes"),
    Lint("no_grants_to-through-inherited-role", {"table": "public.notes", "no_grants_to": ["reporting"]},
         NOTES + "create role lint_staff_{db} nologin; grant select on public.notes to lint_staff_{db};",
         "grant lint_staff_{db} to reporting;",
         "revoke lint_staff_{db} from reporting; drop owned by lint_staff_{db}; drop role lint_staff_{db};",
         "lint_staff_"),
    Lint("schema-usage-for-anon", {"schemas": ["private"], "no_grants_to": ["anon"]},
         "create schema private;", "grant usage on schema private to public;",
         "revoke usage on schema private from public;", "schema private grants USAGE to PUBLIC"),
    Lint("schema-create-for-public", {"schemas": ["public"], "no_grants_to": {"PUBLIC": ["CREATE"]},
                                      "grants_to": {"anon": ["USAGE"]}},
         "select 1;", "grant create on schema public to public;",
         "revoke create on schema public from public;", "schema public grants CREATE to PUBLIC"),
    Lint("realtime-publication", {"tables": ["public.notes"], "published_in": ["supabase_realtime"]},
         NOTES + "create publication supabase_realtime for table public.notes;",
         "alter publication supabase_realtime drop table public.notes;",
         "alter publication supabase_realtime add table public.notes;", "public.notes"),
    Lint("columns-check-not-null-default-type",
         {"table": "public.orders", "not_null": ["stage"], "checked": ["stage"], "defaults": {"stage": "'new'"},
          "types": {"stage": "text", "created_at": "timestamptz"}},
         "create table public.orders (id bigint primary key, stage text not null default 'new'"
         " constraint orders_stage_check check (stage in ('new', 'done')), created_at timestamptz default now());",
         "alter table public.orders drop constraint orders_stage_check;",
         "alter table public.orders add constraint orders_stage_check check (stage in ('new', 'done'));",
         "public.orders"),
    # a query on a table returns its inheritance children's rows: a child may allow NULL where the parent does not
    # (PostgreSQL before 18: ALTER TABLE ONLY drops the inherited NOT NULL; 18: the parent's is NO INHERIT)
    Lint("not_null-on-an-inheritance-child", {"table": "public.par", "not_null": ["v"]},
         "create table public.par (id int not null, v text not null);"
         " create table public.kid () inherits (public.par);",
         "do $$ begin if current_setting('server_version_num')::int >= 180000 then"
         " execute 'alter table public.par alter column v drop not null';"  # (in text: 15 cannot parse the next one)
         " execute 'alter table only public.par add constraint par_v_nn not null v no inherit';"
         " else alter table only public.kid alter column v drop not null; end if; end $$;",
         "alter table public.par alter column v drop not null; alter table public.par alter column v set not null;",
         "table public.kid (child table of public.par) allows NULL in v"),
    # PostgreSQL copies a table's NOT NULL and CHECK onto a foreign partition or child but never enforces them there
    # (postgres_fdw's remote rows come back NULL or out of the CHECK); the wrapper here has no handler — the
    # catalog is what is judged, the same as postgres_fdw's, without contrib installed
    Lint("not_null-checked-on-a-foreign-partition",
         {"table": "public.orders", "not_null": ["x"], "checked": ["y"]},
         "create foreign data wrapper remote_rows; create server remote foreign data wrapper remote_rows;"
         " create table public.orders (x int not null, y int check (y > 0), k int) partition by list (k);"
         " create table public.orders_local partition of public.orders for values in (1);",
         "create foreign table public.orders_remote partition of public.orders for values in (2) server remote;",
         "drop foreign table public.orders_remote;",
         "table public.orders_remote (partition of public.orders) is a foreign table: its rows are the remote"
         " server's, PostgreSQL enforces no NOT NULL or CHECK on them"),
    Lint("not_null-on-a-foreign-inheritance-child", {"table": "public.par", "not_null": ["v"]},
         "create foreign data wrapper remote_rows; create server remote foreign data wrapper remote_rows;"
         " create table public.par (id int, v text not null);",
         "create foreign table public.kid () inherits (public.par) server remote;",
         "drop foreign table public.kid;",
         "table public.kid (child table of public.par) is a foreign table"),
    # a CHECK declared NO INHERIT holds on the parent's own rows only
    Lint("checked-on-an-inheritance-child", {"table": "public.par", "checked": ["q"]},
         "create table public.par (id int, q int constraint q_pos check (q > 0));"
         " create table public.kid () inherits (public.par);",
         "alter table public.par drop constraint q_pos;"
         " alter table public.par add constraint q_pos check (q > 0) no inherit;",
         "alter table public.par drop constraint q_pos; alter table public.par add constraint q_pos check (q > 0);",
         "table public.kid (child table of public.par) has no CHECK constraint on q"),
    # a domain's CHECK constrains each column of it, through a domain over it too
    Lint("checked-through-a-domain", {"table": "ledger.entries", "checked": ["amount"]},
         "create schema ledger; create domain ledger.posint as int constraint posint_positive check (value > 0);"
         " create domain ledger.amount as ledger.posint; create table ledger.entries (id int, amount ledger.amount);",
         "alter domain ledger.posint drop constraint posint_positive;",
         "alter domain ledger.posint add constraint posint_positive check (value > 0);",
         "table ledger.entries has no CHECK constraint on amount"),
    # an INSERT without the column gets its domain's default (the column's own, even DEFAULT NULL, comes first)
    Lint("defaults-none-but-the-domain-has-one", {"table": "public.flags", "defaults": {"x": False}},
         "create domain public.flag as boolean; create table public.flags (id int, x public.flag);",
         "alter domain public.flag set default false;",
         "alter table public.flags alter column x set default null;",
         "has a default for x (false, from its domain public.flag)"),
    # the default of the column's own domain: a domain over a domain copies its base's when created (7 here), and
    # keeps its own since — dropped, none applies, whatever its base's
    Lint("defaults-this-one-from-the-domain", {"table": "ledger.entries", "defaults": {"n": 7}},
         "create schema ledger; create domain ledger.posint as int default 7; create domain ledger.amount as"
         " ledger.posint; create table ledger.entries (id int, n ledger.amount);",
         "alter domain ledger.amount set default 8;",
         "alter domain ledger.amount set default 7;",
         "has default 8 for n (from its domain ledger.amount), not 7"),
    Lint("foreign-keys-indexed", {"all_tables_in": "public", "foreign_keys_indexed": True},
         "create table public.parents (id bigint primary key);"
         " create table public.children (id bigint primary key, parent_id bigint references public.parents (id));"
         " create index children_parent_idx on public.children (parent_id);",
         "drop index public.children_parent_idx;",
         "create index children_parent_idx on public.children (parent_id);", "public.children"),
]


PG15 = "/usr/lib/postgresql/15/bin"  # Supabase runs PostgreSQL 15: no per-membership INHERIT, no MAINTAIN
ROLES = ("anon", "authenticated", "service_role", "reporting")


@dataclass(frozen=True)
class Server:
    admin_url: Callable[[str], str]    # database -> superuser URL
    checker_url: Callable[[str], str]  # database -> the read-only checker's URL


def _ensure_roles(url: str, checker: str | None = None) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        for role in ROLES + ((checker,) if checker else ()):
            conn.execute(sql.SQL("do $$ begin create role {} nologin; exception when duplicate_object then null; end $$")
                         .format(sql.Identifier(role)))
        if checker:
            conn.execute(sql.SQL("alter role {} login bypassrls; grant pg_read_all_data to {}").format(
                sql.Identifier(checker), sql.Identifier(checker)))


def _debian_pg15(conf_extra: str = "") -> Iterator[Server]:
    """Debian's PostgreSQL 15, a server of its own (`conf_extra`: more postgresql.conf lines)."""
    real_binary(f"{PG15}/postgres", "postgresql-15")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="opsverify-schema-pg15-"))
    os.chmod(root, 0o755)
    if user:
        shutil.chown(root, user)
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run(args, user=user, cwd=root, capture_output=True, text=True, timeout=60, check=True)

    run(f"{PG15}/initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8", "--no-sync")
    with open(root / "data" / "postgresql.conf", "a") as conf:
        conf.write(f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{root}'\nfsync = off\n"
                   f"{conf_extra}\n")
    run(f"{PG15}/pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-t", "30", "start")
    try:
        url = lambda db, who="postgres": f"postgresql://{who}@127.0.0.1:{port}/{db}"  # noqa: E731
        _ensure_roles(url("postgres"), checker="checker")
        yield Server(url, lambda db: url(db, "checker"))
    finally:
        subprocess.run([f"{PG15}/pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-w", "stop"], user=user,
                       cwd=root, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", params=["demo-pg18", pytest.param("debian-pg15", marks=pytest.mark.needs_real_server)])
def server(request) -> Iterator[Server]:
    """The demo's embedded PostgreSQL (as its checker role), and Debian's PostgreSQL 15 when installed."""
    if request.param == "debian-pg15":
        yield from _debian_pg15()
        return
    deployment = request.getfixturevalue("demo_deployment")
    _ensure_roles(deployment.pg.url())
    yield Server(deployment.pg.url, lambda db: deployment.pg.url(db, CHECKER, deployment.checker_password))


@pytest.fixture
def scratch(server: Server):
    """A fresh database, built as superuser, judged as the read-only checker."""
    name = f"lint_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.admin_url("postgres"), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    target = make_target({"database": server.checker_url(name)})

    def run(statements: str) -> None:
        with psycopg.connect(server.admin_url(name), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statements.replace("{db}", name))

    run(SUPABASE)
    try:
        yield run, target
    finally:
        target.close()
        with psycopg.connect(server.admin_url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
            for role in (f"lint_staff_{name}", f"lint_planter_{name}"):
                conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def _judge(target, params: dict):
    return gather_and_judge(target, schema, [make_check("schema", params)])[0]


@pytest.mark.parametrize("lint", LINTS + FACTS, ids=[lint.code for lint in LINTS + FACTS])
def test_healthy_broken_fixed(lint: Lint, scratch):
    run, target = scratch
    run(lint.healthy)
    healthy = _judge(target, lint.params)
    assert healthy.status is Status.PASSED, healthy
    run(lint.broken)
    broken = _judge(target, lint.params)
    assert broken.status is Status.FAILED, broken
    assert lint.names in broken.observed, broken.observed
    run(lint.fixed)
    fixed = _judge(target, lint.params)
    assert fixed.status is Status.PASSED, fixed


def test_a_column_checked_by_its_domain_says_so(scratch):
    """Counted, and said: the table itself has no CHECK on the column; one NOT VALID on the domain fails."""
    run, target = scratch
    run("create schema ledger; create domain ledger.posint as int; create table ledger.entries (amount ledger.posint);"
        "alter domain ledger.posint add constraint posint_positive check (value > 0) not valid;")
    params = {"table": "ledger.entries", "checked": ["amount"]}
    not_valid = _judge(target, params)
    assert not_valid.status is Status.FAILED, not_valid
    assert "has CHECK posint_positive on amount NOT VALID (of its domain ledger.posint)" in not_valid.observed
    run("alter domain ledger.posint validate constraint posint_positive;")
    valid = _judge(target, params)
    assert valid.status is Status.PASSED, valid
    assert valid.evidence["tables"]["ledger.entries"]["checked_by_domain"] == {
        "amount": "checked by its domain ledger.posint"}


def test_a_generated_column_has_no_default_of_its_domain(scratch):
    """Its value is its expression's: the domain's default never applies to it."""
    run, target = scratch
    run("create domain public.level as int default 1; create table public.scores (raw int,"
        " level public.level generated always as (raw / 10) stored);")
    outcome = _judge(target, {"table": "public.scores", "defaults": {"level": False}})
    assert outcome.status is Status.PASSED, outcome


def test_a_default_is_the_one_postgresql_applies(scratch):
    """The column's own, else the one stored on its type (get_typdefault looks no further down): a default set on a
    base domain after a domain over it was made never reaches its columns, and a DEFAULT NULL — a domain's own over
    a domain, or a column's own over a domain, whatever its type's name prints — is none. Each INSERT stores NULL."""
    run, target = scratch
    run("""create domain public.d1 as int; create domain public.d2 as public.d1; alter domain public.d1 set default 5;
           create domain public.d3 as int default 7; create domain public.d4 as public.d3 default null;
           create type public."my-type" as enum ('a'); create domain public.md as public."my-type" default 'a';
           create domain public.short as varchar(10) default 'x';
           create table public.t (a public.d2, b public.d4, c public.md default null, e public.short default null,
                                  f public.md);  -- f: its domain's own, printed 'a'::public."my-type" """)
    columns = ("a", "b", "c", "e")
    none = _judge(target, {"table": "public.t", "defaults": {**dict.fromkeys(columns, False), "f": "'a'"}})
    assert none.status is Status.PASSED, none
    some = _judge(target, {"table": "public.t", "defaults": dict.fromkeys(columns, True)})
    assert some.status is Status.FAILED, some
    assert all(f"no default for {c}" in some.observed for c in columns), some.observed


def test_items_of_every_subject_share_one_catalog_query(scratch, monkeypatch):
    """However many items and subjects, one round trip per target."""
    run, target = scratch
    run(NOTES + "create view public.my_notes with (security_invoker = on) as select id from public.notes;"
                "create function public.touch() returns trigger language plpgsql set search_path = ''"
                " as $$ begin return new; end $$; create extension pg_trgm schema extensions;")
    items = [{"all_tables_in": "public", "rls": True, "policies": True}, {"views_in": "public", "security_invoker": True},
             {"functions_in": "public", "fixed_search_path": True}, {"all_extensions": True, "up_to_date": True},
             {"schemas": ["public"], "no_grants_to": {"PUBLIC": ["CREATE"]}},
             {"table": "public.notes", "grants_to": {"authenticated": ["SELECT"]}, "no_grants_to": ["anon"]}]
    calls = []
    real_query = target.database.query
    monkeypatch.setattr(target.database, "query", lambda *a, **k: calls.append(a) or real_query(*a, **k))
    outcomes = gather_and_judge(target, schema, [make_check("schema", p, name=f"i{n}") for n, p in enumerate(items)])
    assert [o.status for o in outcomes] == [Status.PASSED] * len(items), outcomes
    assert len(calls) == 1


def test_a_lock_on_one_table_leaves_items_naming_others_judged(server: Server, scratch):
    """Right after a deploy a migration may hold ACCESS EXCLUSIVE on a table (a long ALTER TABLE): reading a
    column's default takes ACCESS SHARE and waits. An item naming another table reads that table alone, and is
    judged; one naming the locked table cannot look (an error, never a pass)."""
    run, target = scratch
    run("create table public.accounts (id bigint primary key, email text not null default '');"
        "create table public.defs (id bigint primary key, n int default -1);")
    database = target.database.url.rsplit("/", 1)[-1]
    with psycopg.connect(server.admin_url(database), connect_timeout=10) as holder:
        holder.execute("lock table public.defs in access exclusive mode")  # held until the block ends
        other = _judge(target, {"table": "public.accounts", "columns": ["email"], "defaults": {"email": "''"}})
        locked = _judge(target, {"table": "public.defs", "defaults": {"n": -1}})
        holder.rollback()
    assert other.status is Status.PASSED, other
    assert locked.status is Status.ERROR and "lock" in locked.observed, locked
