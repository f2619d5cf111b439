"""migrations against a real PostgreSQL, one tool at a time: the tool's table created by its own DDL
(tests/data/migrations/<tool>.sql, each naming its source), rows as the tool writes them, a repo
folder laid out as the tool expects. Every rule goes healthy → broken → fixed."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

import psycopg
import pytest
import yaml
from psycopg import sql as pgsql
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.errors import GatherError, QueryFailed
from opsverify.engine import gather_and_judge
from opsverify.families import migrations
from opsverify.families.migration_tools import (
    RepoListing, RepoMigration, Table, alembic, django, flyway, golang_migrate, liquibase, prisma, rails, supabase)
from opsverify.families.migration_tools._model import MAX_FILE_BYTES
from opsverify.outcome import Outcome, Status

from .kit import make_check, make_target
from .migrations_kit import DDL, Scratch, flyway_file, flyway_row, prisma_attempt, scratch_database


@pytest.fixture
def scratch(demo_deployment, tmp_path):
    with scratch_database(demo_deployment, tmp_path / "checkout") as s:
        s.repo.mkdir()
        yield s


def passed(outcome: Outcome) -> bool:
    return outcome.status is Status.PASSED


@dataclass(frozen=True)
class Rule:
    name: str
    breaks: Callable[[Scratch], None]
    fixes: Callable[[Scratch], None]
    seen: str  # in the observed text of the failure


# -- supabase ----------------------------------------------------------------------------------
SUPABASE = {"tool": "supabase", "applied": ["20250101000000_init"], "latest": "20250102000000_orders",
            "from_repo": "supabase/migrations"}


def supabase_healthy(s: Scratch) -> None:
    s.ddl("supabase")
    for version, name in (("20250101000000", "init"), ("20250102000000", "orders")):
        s.write(f"supabase/migrations/{version}_{name}.sql", f"-- {name}\nselect 1;\n")
        s.sql("insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
              version, name, ["select 1"])
    s.write("supabase/migrations/README.md", "not a migration")


def supabase_row(version: str, name: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("insert into supabase_migrations.schema_migrations (version, name) values (%s, %s)",
                           version, name)


def supabase_delete(version: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("delete from supabase_migrations.schema_migrations where version = %s", version)


SUPABASE_RULES = [
    Rule("missing", lambda s: s.write("supabase/migrations/20250103000000_more.sql", "select 1;"),
         lambda s: s.remove("supabase/migrations/20250103000000_more.sql"), "repo migration not applied: 20250103000000"),
    Rule("applied", supabase_delete("20250101000000"), supabase_row("20250101000000", "init"),
         "not applied: 20250101000000_init"),
    Rule("latest", supabase_delete("20250102000000"), supabase_row("20250102000000", "orders"),
         "newest applied is 20250101000000, not 20250102000000_orders"),
    Rule("unknown", supabase_row("20250109000000", "hotfix"), supabase_delete("20250109000000"),
         "applied migration not in supabase/migrations: 20250109000000"),
    # two files of one version: the CLI refuses the folder (duplicate key), and at most one of them ran
    Rule("duplicate", lambda s: s.write("supabase/migrations/20250102000000_orders_v2.sql", "select 2;"),
         lambda s: s.remove("supabase/migrations/20250102000000_orders_v2.sql"),
         "version 20250102000000 (20250102000000_orders.sql and 20250102000000_orders_v2.sql"),
]


# -- prisma ------------------------------------------------------------------------------------
P1, P2, P3, P4 = "20240101000000_init", "20240201000000_orders", "20240301000000_totals", "20240401000000_index"
PRISMA = {"tool": "prisma", "applied": [P1], "latest": P3, "none_failed": True, "from_repo": "prisma/migrations",
          "checksums": True}


def script(name: str) -> str:
    return f"-- {name}\nCREATE TABLE \"{name.split('_', 1)[1]}\" (id text PRIMARY KEY);\n"


def prisma_healthy(s: Scratch) -> None:
    s.ddl("prisma")
    s.write("prisma/migrations/migration_lock.toml", 'provider = "postgresql"\n')
    for age, name in ((300, P1), (200, P2), (100, P3)):
        s.write(f"prisma/migrations/{name}/migration.sql", script(name))
    prisma_attempt(s, P1, script(P1), age_minutes=300)
    # P2 failed once, was resolved (`migrate resolve --rolled-back`) and deployed again: history, not a failure
    prisma_attempt(s, P2, script(P2), age_minutes=210, finished=False, rolled_back_after=5)
    prisma_attempt(s, P2, script(P2), age_minutes=200)
    prisma_attempt(s, P3, script(P3), age_minutes=100)


def prisma_deploy_fails(s: Scratch) -> None:
    s.write(f"prisma/migrations/{P4}/migration.sql", script(P4))
    prisma_attempt(s, P4, script(P4), age_minutes=10, finished=False)


def prisma_recovers(s: Scratch) -> None:
    s.sql("update _prisma_migrations set rolled_back_at = now() where migration_name = %s", P4)  # resolve --rolled-back
    prisma_attempt(s, P4, script(P4), age_minutes=1)  # migrate deploy
    s.sql("delete from _prisma_migrations where migration_name = %s", P4)  # back to healthy's latest P3
    s.remove(f"prisma/migrations/{P4}/migration.sql")


PRISMA_RULES = [
    Rule("failed", prisma_deploy_fails, prisma_recovers, f"{P4} failed"),
    # rolled back and its folder still there: pending (not applied), which from_repo says, with why
    Rule("rolled-back", lambda s: s.sql("update _prisma_migrations set rolled_back_at = now() where migration_name = %s", P3),
         lambda s: prisma_attempt(s, P3, script(P3), age_minutes=1), f"repo migration not applied: {P3} (rolled back"),
    Rule("checksum", lambda s: s.write(f"prisma/migrations/{P2}/migration.sql", script(P2) + "-- edited\n"),
         lambda s: s.write(f"prisma/migrations/{P2}/migration.sql", script(P2)), f"(checksum differs): {P2}"),
    Rule("missing", lambda s: s.write(f"prisma/migrations/{P4}/migration.sql", script(P4)),
         lambda s: s.remove(f"prisma/migrations/{P4}/migration.sql"), f"repo migration not applied: {P4}"),
    Rule("latest", lambda s: (s.write(f"prisma/migrations/{P4}/migration.sql", script(P4)),
                              prisma_attempt(s, P4, script(P4), age_minutes=1)),
         lambda s: (s.sql("delete from _prisma_migrations where migration_name = %s", P4),
                    s.remove(f"prisma/migrations/{P4}/migration.sql")), f"newest applied is {P4}, not {P3}"),
    Rule("unknown", lambda s: prisma_attempt(s, "20231201000000_ghost", "x", age_minutes=400),
         lambda s: s.sql("delete from _prisma_migrations where migration_name = '20231201000000_ghost'"),
         "not in prisma/migrations: 20231201000000_ghost"),
    # P3015 "Could not find the migration file": `migrate deploy` stops there, whatever the history says
    Rule("no script", lambda s: s.write(f"prisma/migrations/{P4}/README.md", "notes\n"),
         lambda s: s.remove(f"prisma/migrations/{P4}/README.md"), f"{P4}/ (no migration.sql"),
]


# -- rails -------------------------------------------------------------------------------------
RAILS = {"tool": "rails", "applied": ["20240101000000"], "latest": "20240202000000", "from_repo": "db/migrate"}


def rails_healthy(s: Scratch) -> None:
    s.ddl("rails")
    s.write("db/migrate/20240101000000_create_users.rb", "class CreateUsers < ActiveRecord::Migration[7.1]; end\n")
    s.write("db/migrate/20240202000000_add_email_to_users.rb", "class AddEmailToUsers < ActiveRecord::Migration[7.1]; end\n")
    s.write("db/migrate/.keep", "")
    for version in ("20240101000000", "20240202000000"):
        s.sql("insert into schema_migrations (version) values (%s)", version)


def rails_row(version: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("insert into schema_migrations (version) values (%s)", version)


def rails_delete(version: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("delete from schema_migrations where version = %s", version)


RAILS_RULES = [
    Rule("missing", lambda s: s.write("db/migrate/20240303000000_add_index.rb", "class AddIndex; end\n"),
         lambda s: s.remove("db/migrate/20240303000000_add_index.rb"), "repo migration not applied: 20240303000000"),
    Rule("applied", rails_delete("20240101000000"), rails_row("20240101000000"), "not applied: 20240101000000"),
    Rule("latest", rails_delete("20240202000000"), rails_row("20240202000000"),
         "newest applied is 20240101000000, not 20240202000000"),
    Rule("unknown", rails_row("20240909000000"), rails_delete("20240909000000"),
         "not in db/migrate: 20240909000000"),
    # DuplicateMigrationVersionError / DuplicateMigrationNameError: Rails refuses the folder
    Rule("duplicate", lambda s: s.write("db/migrate/20240202000000_add_phone_to_users.rb", "class AddPhone; end\n"),
         lambda s: s.remove("db/migrate/20240202000000_add_phone_to_users.rb"),
         "version 20240202000000 (20240202000000_add_email_to_users.rb and 20240202000000_add_phone_to_users.rb"),
    Rule("duplicate name", lambda s: (s.write("db/migrate/old/20231201000000_create_users.rb", "class CreateUsers; end\n"),
                                      rails_row("20231201000000")(s)),
         lambda s: (s.remove("db/migrate/old/20231201000000_create_users.rb"), rails_delete("20231201000000")(s)),
         "name CreateUsers (20240101000000_create_users.rb and old/20231201000000_create_users.rb"),
    # two names Rails camelizes to one class (AddIndex1): DuplicateMigrationNameError as well
    Rule("duplicate class", lambda s: (s.write("db/migrate/20231201000000_add_index1.rb", "class AddIndex1; end\n"),
                                       s.write("db/migrate/20231202000000_add_index_1.rb", "class AddIndex1; end\n"),
                                       rails_row("20231201000000")(s), rails_row("20231202000000")(s)),
         lambda s: (s.remove("db/migrate/20231201000000_add_index1.rb"),
                    s.remove("db/migrate/20231202000000_add_index_1.rb"),
                    rails_delete("20231201000000")(s), rails_delete("20231202000000")(s)),
         "name AddIndex1 (20231201000000_add_index1.rb and 20231202000000_add_index_1.rb"),
    # Rails' glob takes it, its pattern does not: IllegalMigrationNameError, and `db:migrate` runs nothing
    Rule("illegal name", lambda s: s.write("db/migrate/20240303000000_Add_Index.rb", "class AddIndex; end\n"),
         lambda s: s.remove("db/migrate/20240303000000_Add_Index.rb"), "20240303000000_Add_Index.rb (not a name Rails reads"),
]


# -- django ------------------------------------------------------------------------------------
DJANGO = {"tool": "django", "applied": ["orders.0001_initial"], "latest": "orders.0002_total",
          "from_repo": "src"}
SQUASHED = "class Migration:\n    replaces = [('users', '0001_initial'), ('users', '0002_profile')]\n"


def django_healthy(s: Scratch) -> None:
    s.ddl("django")
    for app, names in (("orders", ["0001_initial", "0002_total"]), ("users", ["0001_initial", "0002_profile"])):
        s.write(f"src/{app}/migrations/__init__.py", "")
        for name in names:
            s.write(f"src/{app}/migrations/{name}.py", "class Migration:\n    pass\n")
    s.write("src/users/migrations/0001_squashed_0002_profile.py", SQUASHED)  # applied through what it replaces
    s.write("src/.venv/lib/django/contrib/auth/migrations/0001_initial.py", "")  # not the project's
    for app, name in (("contenttypes", "0001_initial"), ("auth", "0001_initial"), ("orders", "0001_initial"),
                      ("orders", "0002_total"), ("users", "0001_initial"), ("users", "0002_profile")):
        s.sql("insert into django_migrations (app, name, applied) values (%s, %s, now())", app, name)


def django_row(app: str, name: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("insert into django_migrations (app, name, applied) values (%s, %s, now())", app, name)


def django_delete(app: str, name: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("delete from django_migrations where app = %s and name = %s", app, name)


DJANGO_RULES = [
    Rule("missing", lambda s: s.write("src/orders/migrations/0003_discount.py", "class Migration: pass\n"),
         lambda s: s.remove("src/orders/migrations/0003_discount.py"), "repo migration not applied: orders.0003_discount"),
    Rule("squashed", django_delete("users", "0002_profile"), django_row("users", "0002_profile"),
         "users.0001_squashed_0002_profile"),
    Rule("applied", django_delete("orders", "0001_initial"), django_row("orders", "0001_initial"),
         "not applied: orders.0001_initial"),
    Rule("latest", django_delete("orders", "0002_total"), django_row("orders", "0002_total"),
         "newest applied in orders is orders.0001_initial, not orders.0002_total"),
    Rule("unknown", django_row("orders", "0009_hotfix"), django_delete("orders", "0009_hotfix"),
         "not in src: orders.0009_hotfix"),
]


# -- alembic -----------------------------------------------------------------------------------
ALEMBIC = {"tool": "alembic", "applied": ["a1b2c3d4e5f6"], "latest": "c3d4e5f6a7b8", "from_repo": "alembic/versions"}


def revision(rev: str, down: str | None, *, typed: bool = False) -> str:
    if typed:  # the template of Alembic 1.13+
        return (f'revision: str = "{rev}"\ndown_revision: Union[str, None] = {down!r}\n'
                "branch_labels = None\ndepends_on = None\n\ndef upgrade() -> None:\n    pass\n")
    return f"revision = '{rev}'\ndown_revision = {down!r}\n\ndef upgrade():\n    pass\n"


def alembic_healthy(s: Scratch) -> None:
    s.ddl("alembic")
    s.write("alembic/versions/a1b2c3d4e5f6_init.py", revision("a1b2c3d4e5f6", None))
    s.write("alembic/versions/b2c3d4e5f6a7_orders.py", revision("b2c3d4e5f6a7", "a1b2c3d4e5f6", typed=True))
    s.write("alembic/versions/c3d4e5f6a7b8_totals.py", revision("c3d4e5f6a7b8", "b2c3d4e5f6a7"))
    s.write("alembic/versions/__init__.py", "")
    s.sql("insert into alembic_version (version_num) values ('c3d4e5f6a7b8')")


def alembic_at(version: str) -> Callable[[Scratch], None]:
    return lambda s: s.sql("update alembic_version set version_num = %s", version)


ALEMBIC_RULES = [
    Rule("missing", lambda s: s.write("alembic/versions/d4e5_index.py", revision("d4e5f6a7b8c9", "c3d4e5f6a7b8")),
         lambda s: s.remove("alembic/versions/d4e5_index.py"), "repo migration not applied: d4e5f6a7b8c9"),
    Rule("branch", lambda s: s.write("alembic/versions/e5_side.py", revision("e5f6a7b8c9d0", "a1b2c3d4e5f6")),
         lambda s: s.remove("alembic/versions/e5_side.py"), "not applied: e5f6a7b8c9d0"),
    Rule("latest", alembic_at("b2c3d4e5f6a7"), alembic_at("c3d4e5f6a7b8"), "newest applied is b2c3d4e5f6a7, not c3d4e5f6a7b8"),
    Rule("heads", lambda s: s.sql("insert into alembic_version values ('ffff00001111')"),
         lambda s: s.sql("delete from alembic_version where version_num = 'ffff00001111'"), "2 heads"),
    Rule("unknown", alembic_at("9999aaaabbbb"), alembic_at("c3d4e5f6a7b8"), "not in alembic/versions: 9999aaaabbbb"),
]


# -- flyway ------------------------------------------------------------------------------------
FLYWAY = {"tool": "flyway", "applied": ["1.1"], "latest": "2", "none_failed": True, "from_repo": "db/migration",
          "checksums": True}


def flyway_healthy(s: Scratch, *, schema: str | None = None) -> None:
    s.ddl("flyway", schema=schema)
    if schema:
        s.sql(f'set search_path = "{schema}"')
    s.write("db/migration/V1__init.sql", "create table a (id int);\n")  # below the baseline: never run here
    orders = flyway_file(s, "db/migration/V1_1__orders.sql", "create table orders (id int);\r\n")
    more = flyway_file(s, "db/migration/sub/V2__more.sql", "\ufeffalter table orders add total int;\n")
    views = flyway_file(s, "db/migration/R__views.sql", "create or replace view v as select 1;\n")
    s.write("db/migration/U2__more.sql", "alter table orders drop total;\n")
    flyway_row(s, 1, "1", "<< Flyway Baseline >>", "<< Flyway Baseline >>", None, kind="BASELINE")
    flyway_row(s, 2, "1.1", "orders", "V1_1__orders.sql", orders)
    flyway_row(s, 3, "2", "more", "sub/V2__more.sql", more)
    flyway_row(s, 4, None, "views", "R__views.sql", views)


def flyway_fails(s: Scratch) -> None:
    checksum = flyway_file(s, "db/migration/V3__broken.sql", "alter table nope add x int;\n")
    flyway_row(s, 5, "3", "broken", "V3__broken.sql", checksum, success=False)


def flyway_rename(s: Scratch, old: str, new: str) -> None:
    text = (s.repo / "db/migration" / old).read_bytes()
    s.remove(f"db/migration/{old}")
    s.write(f"db/migration/{new}", text)


def flyway_repaired(s: Scratch) -> None:
    s.sql("delete from flyway_schema_history where success = false")  # flyway repair
    s.remove("db/migration/V3__broken.sql")


FLYWAY_RULES = [
    Rule("failed", flyway_fails, flyway_repaired, "V3__broken.sql failed"),
    Rule("checksum", lambda s: s.write("db/migration/V1_1__orders.sql", "create table orders (id bigint);\n"),
         lambda s: s.write("db/migration/V1_1__orders.sql", "create table orders (id int);\n"),
         "(checksum differs): 1.1"),
    Rule("repeatable", lambda s: s.write("db/migration/R__views.sql", "create or replace view v as select 2;\n"),
         lambda s: s.write("db/migration/R__views.sql", "create or replace view v as select 1;\n"),
         "(checksum differs): R__views"),
    Rule("missing", lambda s: s.write("db/migration/V2_5__index.sql", "create index i on orders (id);\n"),
         lambda s: s.remove("db/migration/V2_5__index.sql"), "repo migration not applied: 2.5"),
    Rule("latest", lambda s: s.sql("update flyway_schema_history set type = 'DELETE' where installed_rank = 3"),
         lambda s: s.sql("update flyway_schema_history set type = 'SQL' where installed_rank = 3"),
         "newest applied is 1.1, not 2"),
    Rule("renamed", lambda s: flyway_rename(s, "sub/V2__more.sql", "sub/V2__more_columns.sql"),
         lambda s: flyway_rename(s, "sub/V2__more_columns.sql", "sub/V2__more.sql"),
         'version 2 (sub/V2__more_columns.sql describes it as "more columns", the history as "more"'),
    Rule("unknown", lambda s: flyway_row(s, 6, "9", "hotfix", "V9__hotfix.sql", 1),
         lambda s: s.sql("delete from flyway_schema_history where installed_rank = 6"), "not in db/migration: 9"),
    # a file's row without a checksum cannot show the file unchanged (only a baseline has none)
    Rule("checksum not recorded", lambda s: s.sql("update flyway_schema_history set checksum = null"
                                                  " where installed_rank = 2"),
         lambda s: s.sql("update flyway_schema_history set checksum ="
                         f" {flyway.checksum(b'create table orders (id int);' + bytes([13, 10]))} where installed_rank = 2"),
         "1 applied migration with no checksum recorded, so not shown unchanged: 1.1"),
    # "Found more than one migration with version 1.1" (1_1 and 1.1.0 are one version; subfolders too)
    Rule("duplicate", lambda s: s.write("db/migration/sub/V1.1.0__again.sql", "create table orders (id int);\r\n"),
         lambda s: s.remove("db/migration/sub/V1.1.0__again.sql"), "version 1.1 (V1_1__orders.sql and sub/V1.1.0__again.sql"),
    Rule("duplicate repeatable", lambda s: s.write("db/migration/sub/R__views.sql", "create or replace view v as select 1;\n"),
         lambda s: s.remove("db/migration/sub/R__views.sql"), "repeatable views (R__views.sql and sub/R__views.sql"),
]


# -- golang-migrate ----------------------------------------------------------------------------
GOLANG = {"tool": "golang-migrate", "applied": ["2"], "latest": "3", "none_failed": True, "from_repo": "migrations"}


def golang_healthy(s: Scratch) -> None:
    s.ddl("golang-migrate")
    for version, title in ((1, "init"), (2, "orders"), (3, "totals")):
        for direction in ("up", "down"):
            s.write(f"migrations/{version:06d}_{title}.{direction}.sql", "select 1;\n")
    s.sql("insert into schema_migrations (version, dirty) values (3, false)")


def golang_at(version: int, dirty: bool = False) -> Callable[[Scratch], None]:
    return lambda s: s.sql("update schema_migrations set version = %s, dirty = %s", version, dirty)


GOLANG_RULES = [
    Rule("dirty", golang_at(3, True), golang_at(3), "version 3 is dirty"),
    Rule("missing", lambda s: s.write("migrations/000004_index.up.sql", "select 1;"),
         lambda s: s.remove("migrations/000004_index.up.sql"), "repo migration not applied: 4"),
    Rule("applied", golang_at(1), golang_at(3), "not applied: 2"),
    Rule("latest", golang_at(2), golang_at(3), "newest applied is version 2, not 3"),
    Rule("unknown", golang_at(7), golang_at(3), "not in migrations: 7"),
    # source/migration.go: "duplicate migration file" (000002 and 2 are one version)
    Rule("duplicate", lambda s: s.write("migrations/2_orders_again.up.sql", "select 2;\n"),
         lambda s: s.remove("migrations/2_orders_again.up.sql"), "version 2 (000002_orders.up.sql and 2_orders_again.up.sql"),
]


# -- knex --------------------------------------------------------------------------------------
KNEX = {"tool": "knex", "applied": ["20240101120000_init"], "latest": "20240102120000_orders.ts",
        "none_failed": True, "from_repo": "migrations"}


def knex_healthy(s: Scratch, table: str = "knex_migrations") -> None:
    # knexfile `migrations: {tableName}`: the same DDL under that name, the lock table beside it
    s.sql((DDL / "knex.sql").read_text().replace("knex_migrations", table))
    s.write("migrations/20240101120000_init.js", "exports.up = async () => {};\n")
    s.write("migrations/20240102120000_orders.ts", "export async function up() {}\n")
    s.write("migrations/helpers/shared.js", "module.exports = {};\n")  # subfolders are not read
    for batch, name in ((1, "20240101120000_init.js"), (2, "20240102120000_orders.ts")):
        s.sql(f'insert into "{table}" (name, batch, migration_time) values (%s, %s, now())', name, batch)
    s.sql(f'insert into "{table}_lock" (is_locked) values (0)')


KNEX_RULES = [
    Rule("locked", lambda s: s.sql("update knex_migrations_lock set is_locked = 1"),
         lambda s: s.sql("update knex_migrations_lock set is_locked = 0"), "lock is held"),
    # knex locks only when `where is_locked = 0` updates exactly one row: two rows (a first-run race), or a NULL,
    # fail every run for good; `knex migrate:unlock` leaves one row at 0
    Rule("two lock rows", lambda s: s.sql("insert into knex_migrations_lock (is_locked) values (0)"),
         lambda s: s.sql("delete from knex_migrations_lock where index > (select min(index) from knex_migrations_lock)"),
         "the _lock table holds 2 rows (is_locked 0, 0), not one row at 0"),
    Rule("lock null", lambda s: s.sql("update knex_migrations_lock set is_locked = null"),
         lambda s: s.sql("update knex_migrations_lock set is_locked = 0"),
         "the _lock table holds 1 row (is_locked NULL), not one row at 0"),
    Rule("missing", lambda s: s.write("migrations/20240103120000_index.js", "exports.up = 1;"),
         lambda s: s.remove("migrations/20240103120000_index.js"), "repo migration not applied: 20240103120000_index.js"),
    Rule("latest", lambda s: s.sql("delete from knex_migrations where batch = 2"),
         lambda s: s.sql("insert into knex_migrations (name, batch, migration_time)"
                         " values ('20240102120000_orders.ts', 2, now())"),
         "newest applied is 20240101120000_init.js, not 20240102120000_orders.ts"),
    Rule("unknown", lambda s: s.sql("insert into knex_migrations (name, batch) values ('20231231_old.js', 3)"),
         lambda s: s.sql("delete from knex_migrations where name = '20231231_old.js'"),
         "not in migrations: 20231231_old.js"),
]


# -- liquibase ---------------------------------------------------------------------------------
LIQUIBASE = {"tool": "liquibase", "applied": ["alice:1"], "latest": "carol:4", "none_failed": True,
             "from_repo": "db/changelog"}
FORMATTED_SQL = ("--liquibase formatted sql\n\n--changeset alice:1\ncreate table a (id int);\n"
                 "--changeset alice:2 runOnChange:true\ncreate table b (id int);\n")
XML_CHANGELOG = ('<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog'
                 ' xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
                 '  <changeSet author="bob" id="3"><sql>select 1</sql></changeSet>\n</databaseChangeLog>\n')
YAML_CHANGELOG = ("databaseChangeLog:\n  - changeSet:\n      id: '4'\n      author: carol\n"
                  "      changes:\n        - sql: {sql: select 1}\n")


def liquibase_healthy(s: Scratch) -> None:
    s.ddl("liquibase")
    s.sql("insert into databasechangeloglock (id, locked) values (1, false)")
    s.write("db/changelog/db.changelog-master.yaml",
            "databaseChangeLog:\n  - includeAll: {path: changes/, relativeToChangelogFile: true}\n")
    s.write("db/changelog/changes/001-tables.sql", FORMATTED_SQL)
    s.write("db/changelog/changes/002-more.xml", XML_CHANGELOG)
    s.write("db/changelog/changes/003-yaml.yaml", YAML_CHANGELOG)
    for order, (cid, author, file) in enumerate((("1", "alice", "001-tables.sql"), ("2", "alice", "001-tables.sql"),
                                                 ("3", "bob", "002-more.xml"), ("4", "carol", "003-yaml.yaml")), 1):
        liquibase_row(s, cid, author, f"db/changelog/changes/{file}", order)


def liquibase_row(s: Scratch, cid: str, author: str, file: str, order: int, kind: str = "EXECUTED") -> None:
    s.sql("insert into databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum,"
          " liquibase, deployment_id) values (%s, %s, %s, now(), %s, %s, '9:0123456789abcdef0123456789abcdef',"
          " '4.29.2', '1234567890')", cid, author, file, order, kind)


LIQUIBASE_RULES = [
    Rule("locked", lambda s: s.sql("update databasechangeloglock set locked = true, lockedby = 'ci-runner-7',"
                                   " lockgranted = now()"),
         lambda s: s.sql("update databasechangeloglock set locked = false, lockedby = null, lockgranted = null"),
         "lock is held by ci-runner-7"),
    Rule("failed", lambda s: liquibase_row(s, "5", "dave", "x.sql", 5, "FAILED"),
         lambda s: s.sql("delete from databasechangelog where id = '5'"), "dave:5 (x.sql) FAILED"),
    Rule("missing", lambda s: s.write("db/changelog/changes/004-new.sql", "--liquibase formatted sql\n--changeset erin:5\nselect 1;\n"),
         lambda s: s.remove("db/changelog/changes/004-new.sql"), "repo migration not applied: changes/004-new.sql::5::erin"),
    Rule("latest", lambda s: s.sql("delete from databasechangelog where id = '4'"),
         lambda s: liquibase_row(s, "4", "carol", "db/changelog/changes/003-yaml.yaml", 4),
         "newest applied is changes/002-more.xml::3::bob, not carol:4"),
    Rule("unknown", lambda s: liquibase_row(s, "0", "zed", "old.xml", 0),
         lambda s: s.sql("delete from databasechangelog where id = '0'"), "not in db/changelog: old.xml::0::zed"),
    # a changeset is id, author and file: bob:3 of another file is another changeset, not yet run
    Rule("same id in another file", lambda s: s.write("db/changelog/changes/005-more.sql",
                                                      "--liquibase formatted sql\n--changeset bob:3\nselect 5;\n"),
         lambda s: s.remove("db/changelog/changes/005-more.sql"), "repo migration not applied: changes/005-more.sql::3::bob"),
]


SCENARIOS = {
    "supabase": (supabase_healthy, SUPABASE, SUPABASE_RULES),
    "prisma": (prisma_healthy, PRISMA, PRISMA_RULES),
    "rails": (rails_healthy, RAILS, RAILS_RULES),
    "django": (django_healthy, DJANGO, DJANGO_RULES),
    "alembic": (alembic_healthy, ALEMBIC, ALEMBIC_RULES),
    "flyway": (flyway_healthy, FLYWAY, FLYWAY_RULES),
    "golang-migrate": (golang_healthy, GOLANG, GOLANG_RULES),
    "knex": (knex_healthy, KNEX, KNEX_RULES),
    "liquibase": (liquibase_healthy, LIQUIBASE, LIQUIBASE_RULES),
}
CASES = [(tool, rule) for tool, (_, _, rules) in SCENARIOS.items() for rule in rules]


@pytest.mark.parametrize("tool, rule", CASES, ids=[f"{tool}-{rule.name}" for tool, rule in CASES])
def test_healthy_broken_fixed(scratch, tool, rule):
    healthy, params, _ = SCENARIOS[tool]
    healthy(scratch)
    outcome = scratch.check(params)
    assert passed(outcome), outcome
    rule.breaks(scratch)
    outcome = scratch.check(params)
    assert outcome.status is Status.FAILED, outcome
    assert rule.seen in outcome.observed, outcome.observed
    assert outcome.expected, outcome
    rule.fixes(scratch)
    outcome = scratch.check(params)
    assert passed(outcome), outcome


# -- what every tool shares ----------------------------------------------------------------------
def prisma_unfinished_as_text(s: Scratch) -> None:
    prisma_deploy_fails(s)
    s.sql("alter table _prisma_migrations alter column finished_at type text")
    s.sql("update _prisma_migrations set finished_at = '' where finished_at is null")


@pytest.mark.parametrize("tool, breaks, seen", [
    # Flyway's failed V3 as text 'false' (truthy): read as a success, its failure passed none_failed
    ("flyway", lambda s: (s.sql("alter table flyway_schema_history alter column success type text"), flyway_fails(s)),
     "success is text 'true', expected a boolean (not NULL)"),
    # a NULL dirty (its DDL says NOT NULL; golang-migrate cannot scan it) read as clean
    ("golang-migrate", lambda s: s.sql("alter table schema_migrations alter column dirty drop not null;"
                                       " update schema_migrations set dirty = null"),
     "version 3: dirty is NULL, expected a boolean (not NULL)"),
    # a float version: Infinity had been an internal error (OverflowError), not the family's own
    ("golang-migrate", lambda s: s.sql("alter table schema_migrations alter column version type float8;"
                                       " update schema_migrations set version = 'Infinity'"),
     "row 1: version is a float (inf), expected an integer (not NULL)"),
    # an unfinished attempt's finished_at as text '' (not NULL): read as finished
    ("prisma", prisma_unfinished_as_text, "finished_at is text '"),
], ids=["flyway-success-text", "golang-dirty-null", "golang-version-infinity", "prisma-finished-text"])
def test_a_history_column_of_a_type_the_tool_never_writes_is_could_not_read(scratch, tool, breaks, seen):
    healthy, params, _ = SCENARIOS[tool]
    healthy(scratch)
    breaks(scratch)
    outcome = scratch.check(params)
    assert outcome.status is Status.ERROR, outcome
    table = params.get("table") or migrations.TOOLS[tool].TABLE
    assert outcome.observed.startswith(f"could not read {table} as {tool}'s history: "), outcome.observed
    assert seen in outcome.observed, outcome.observed


@pytest.mark.parametrize("tool", sorted(SCENARIOS))
def test_a_missing_history_table_is_an_error_naming_table_and_tool(scratch, tool):
    _, params, _ = SCENARIOS[tool]
    outcome = scratch.check({"tool": tool, "latest": params["latest"]})
    assert outcome.status is Status.ERROR, outcome
    assert tool in outcome.observed and "does not exist" in outcome.observed


def test_prisma_resolved_failure_is_history_not_a_failure(scratch):
    prisma_healthy(scratch)
    outcome = scratch.check(PRISMA)
    assert passed(outcome) and "1 resolved failure in its history" in outcome.observed, outcome
    assert outcome.evidence["resolved"] and P2 in outcome.evidence["resolved"][0]


def test_a_pass_of_latest_says_a_failure_it_does_not_judge(scratch):
    """Without none_failed an unresolved failed attempt is not the item's question, but its pass must not read as if
    the history were clean: it says so."""
    prisma_healthy(scratch)
    prisma_attempt(scratch, "20260301000000_later", script("20260301000000_later"), age_minutes=50, finished=False)
    outcome = scratch.check({"tool": "prisma", "latest": P3})
    assert passed(outcome), outcome
    assert "failed now, not judged here (none_failed: true judges it): " in outcome.observed, outcome.observed
    assert "20260301000000_later" in outcome.observed, outcome.observed


def test_prisma_folder_with_sql_files_but_no_migration_folders_is_an_error(scratch):
    prisma_healthy(scratch)
    scratch.write("prisma/flat/20240101000000_init.sql", "select 1;")
    outcome = scratch.check({"tool": "prisma", "from_repo": "prisma/flat"})
    assert outcome.status is Status.ERROR, outcome
    assert "no prisma migration found in prisma/flat (looked for <timestamp>_<name>/migration.sql;" in outcome.observed
    assert "20240101000000_init.sql" in outcome.observed
    assert passed(scratch.check({"tool": "prisma", "from_repo": "prisma/flat", "allow_empty": True,
                                 "unknown_applied": "report"}))


def test_an_empty_history_is_an_error_unless_allowed(scratch):
    scratch.ddl("prisma")
    outcome = scratch.check({"tool": "prisma", "none_failed": True})
    assert outcome.status is Status.ERROR and "public._prisma_migrations" in outcome.observed
    assert passed(scratch.check({"tool": "prisma", "none_failed": True, "allow_empty": True}))


def test_a_folder_that_is_not_there_is_an_error(scratch):
    supabase_healthy(scratch)
    outcome = scratch.check({"tool": "supabase", "from_repo": "supabase/nope"})
    assert outcome.status is Status.ERROR and "supabase/nope is not a folder" in outcome.observed


def test_flyway_in_another_schema_with_table(scratch):
    flyway_healthy(scratch, schema="app")
    assert passed(scratch.check({**FLYWAY, "table": "app.flyway_schema_history"}))
    outcome = scratch.check(FLYWAY)
    assert outcome.status is Status.ERROR and "public.flyway_schema_history" in outcome.observed


def test_knex_with_its_own_table_name_reads_the_lock_beside_it(scratch):
    knex_healthy(scratch, table="app_migrations")
    params = {**KNEX, "table": "app_migrations"}
    assert passed(scratch.check(params))
    scratch.sql("update app_migrations_lock set is_locked = 1")
    assert scratch.check(params).status is Status.FAILED


@pytest.fixture
def reader_role(demo_deployment, scratch):
    """Makes a login role for the scratch database (`in role …` as given, no BYPASSRLS) and its target;
    both dropped afterwards."""
    made: list[tuple[str, object]] = []

    def make(membership: str = "in role pg_read_all_data"):
        role, password = f"mig_reader_{secrets.token_hex(4)}", secrets.token_hex(12)
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("create role {} login password {} nobypassrls " + membership).format(
                pgsql.Identifier(role), pgsql.Literal(password)))
        target = make_target({"database": demo_deployment.pg.url(scratch.url.rsplit("/", 1)[1], role, password),
                              "repo": str(scratch.repo)})
        made.append((role, target))
        return role, target

    yield make
    for role, target in made:
        target.close()
        scratch.sql(pgsql.SQL("drop owned by {}").format(pgsql.Identifier(role)))  # its grants in the scratch database
        with demo_deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop role {}").format(pgsql.Identifier(role)))


@pytest.fixture
def rls_reader(reader_role):
    """A checker role that reads all data but is subject to row level security (no BYPASSRLS)."""
    return reader_role()[1]


def test_a_history_in_a_schema_the_role_may_not_use_errors_only_its_own_item(scratch, reader_role):
    """What RLS hides is asked of every history table at once: one the role cannot reach must not take the
    others' verdicts with it."""
    rails_healthy(scratch)
    scratch.sql("create schema locked; create table locked.schema_migrations (version varchar primary key)")
    role, reader = reader_role("")
    scratch.sql(pgsql.SQL("grant select on public.schema_migrations to {}").format(pgsql.Identifier(role)))
    checks = [make_check("migrations", RAILS, name="public"),
              make_check("migrations", {**RAILS, "table": "locked.schema_migrations", "from_repo": None},
                         name="locked")]
    public, locked = gather_and_judge(reader, migrations, checks)
    assert public.status is Status.PASSED, public
    assert locked.status is Status.ERROR and "locked.schema_migrations" in locked.observed, locked


@pytest.mark.parametrize("tool, params, hidden", [
    ("knex", KNEX, "knex_migrations_lock"),  # the held lock is hidden
    ("prisma", {**PRISMA, "allow_empty": True}, "_prisma_migrations"),  # the failed attempt is hidden
])
def test_row_level_security_on_a_history_table_is_could_not_look(scratch, rls_reader, tool, params, hidden):
    """A role RLS applies to would read a held lock or a failed row as none: error naming the fix, never a pass."""
    {"knex": knex_healthy, "prisma": prisma_healthy}[tool](scratch)
    {"knex": lambda s: s.sql("update knex_migrations_lock set is_locked = 1"), "prisma": prisma_deploy_fails}[tool](
        scratch)
    scratch.sql(f'alter table "{hidden}" enable row level security')
    assert scratch.check(params).status is Status.FAILED  # the owner sees every row
    outcome = gather_and_judge(rls_reader, migrations, [make_check("migrations", params)])[0]
    assert outcome.status is Status.ERROR, outcome
    assert f"public.{hidden}" in outcome.observed and "BYPASSRLS" in outcome.observed, outcome


def test_a_prisma_row_without_a_checksum_is_named_not_taken_for_a_changed_file(scratch):
    prisma_healthy(scratch)
    scratch.sql("alter table _prisma_migrations alter column checksum drop not null")  # a table of its own making
    scratch.sql("update _prisma_migrations set checksum = null where migration_name = %s", P3)
    outcome = scratch.check({**PRISMA, "checksums": True})
    assert outcome.status is Status.FAILED and "no checksum recorded" in outcome.observed, outcome
    assert "checksum differs" not in outcome.observed, outcome


def test_unknown_applied_report_shows_without_failing(scratch):
    supabase_healthy(scratch)
    supabase_row("20250109000000", "hotfix")(scratch)
    outcome = scratch.check({**SUPABASE, "latest": "20250109000000", "unknown_applied": "report"})
    assert passed(outcome) and "not in supabase/migrations: 20250109000000" in outcome.observed, outcome
    assert outcome.evidence["applied_not_in_repo"] == ["20250109000000"]


def test_one_round_trip_for_every_check_of_a_target(scratch, monkeypatch):
    prisma_healthy(scratch)
    supabase_healthy(scratch)
    calls = []
    database = scratch.target.database
    original = database.query_many
    monkeypatch.setattr(database, "query_many", lambda statements: calls.append(statements) or original(statements))
    checks = [make_check("migrations", PRISMA, name="a"), make_check("migrations", SUPABASE, name="b"),
              make_check("migrations", {"tool": "prisma", "latest": P3}, name="c")]
    outcomes = gather_and_judge(scratch.target, migrations, checks)
    assert [o.status for o in outcomes] == [Status.PASSED] * 3
    assert len(calls) == 1 and len(calls[0]) == 3  # two history tables, and what RLS hides of them


# -- pure: Params the judge would not read are refused -----------------------------------------
@pytest.mark.parametrize("params, match", [
    ({"tool": "prisma"}, "give applied, latest, none_failed or from_repo"),
    ({"tool": "supabase", "none_failed": True}, "supabase leaves no trace of a failed run"),
    ({"tool": "django", "none_failed": True}, "django leaves no trace"),
    ({"tool": "rails", "from_repo": "db/migrate", "checksums": True}, "rails records no checksum"),
    ({"tool": "liquibase", "from_repo": "db", "checksums": True}, "liquibase records no checksum"),
    ({"tool": "prisma", "none_failed": True, "checksums": True}, "checksums compares the repo's files"),
    ({"tool": "prisma", "none_failed": True, "unknown_applied": "report"}, "unknown_applied compares"),
    ({"tool": "alembic", "applied": ["a1b2"]}, "alembic records only where the database stands"),
    ({"tool": "golang-migrate", "applied": ["3"]}, "golang-migrate records only where"),
    ({"tool": "rails", "applied": ["20240101000000_create_users"]}, "the version only"),
    ({"tool": "golang-migrate", "latest": "3_totals"}, "the version only"),
    ({"tool": "django", "latest": "0002_total"}, "app.name"),
    ({"tool": "prisma", "none_failed": True, "table": "a.b.c"}, "schema.table"),
    ({"tool": "prisma", "none_failed": True, "table": '"public.x'}, "schema.table"),  # a quote left open
    ({"tool": "prisma", "none_failed": True, "table": ".x"}, "schema.table"),
    ({"tool": "prisma", "none_failed": True, "table": '"a".b.c'}, "schema.table"),
    ({"tool": "prisma", "from_repo": "../elsewhere"}, "inside the repo checkout"),
    ({"tool": "prisma", "from_repo": "/abs/path"}, "inside the repo checkout"),
    ({"tool": "prisma", "from_repo": ""}, r"write \. for the checkout itself"),
    ({"tool": "sqitch", "latest": "x"}, "tool"),
    ({"source": "prisma", "all_finished": True}, "Extra inputs"),
    ({"tool": "golang-migrate", "none_failed": True, "latest": ""}, "'' names no migration"),
    ({"tool": "flyway", "latest": "  "}, "'  ' names no migration"),
    ({"tool": "prisma", "applied": ["20240101000000_init", ""]}, "'' names no migration"),
])
def test_params_refused(params, match):
    with pytest.raises((ValidationError, ValueError), match=match):
        load_item_params("migrations", params)


# -- pure: what each tool's rows mean -----------------------------------------------------------


def attempt(name, started, finished=True, rolled_back=None):
    """A Prisma attempt started (and rolled back) on the given day of January 2024: timestamps, as Prisma writes them."""
    def day(n):
        return None if n is None else datetime(2024, 1, int(n), tzinfo=timezone.utc)
    return {"migration_name": name, "checksum": "c", "started_at": day(started),
            "finished_at": day(started) if finished else None, "rolled_back_at": day(rolled_back),
            "logs": None if finished else "Database error code: 42P07", "applied_steps_count": 1 if finished else 0}


@pytest.mark.parametrize("rows, applied, failures, resolved", [
    ([attempt("a", "1")], ["a"], [], 0),
    ([attempt("a", "1", finished=False, rolled_back="2"), attempt("a", "3")], ["a"], [], 1),  # resolved, re-applied
    ([attempt("a", "1", finished=False)], [], ["a failed"], 0),  # P3009: unresolved
    # resolved (`migrate resolve --rolled-back`), not re-applied: Prisma counts it neither failed nor applied
    ([attempt("a", "1", finished=False, rolled_back="2")], [], [], 1),
    ([attempt("a", "1", rolled_back="2")], [], [], 1),  # finished, then rolled back by hand
    ([attempt("a", "1", finished=False), attempt("a", "3")], ["a"], ["a failed"], 0),  # Prisma would refuse to deploy
    # a row finished and not rolled back is applied to Prisma, whatever later attempts did: it would not run it again
    ([attempt("a", "1"), attempt("a", "2", finished=False, rolled_back="3")], ["a"], [], 1),
    ([attempt("a", "1"), attempt("a", "2", rolled_back="3")], ["a"], [], 1),
])
def test_prisma_attempts(rows, applied, failures, resolved):
    history = prisma.history({"history": rows}, None)
    assert [a.key for a in history.applied] == applied
    assert [f.split(" (")[0] for f in history.failures] == failures
    assert len(history.resolved) == resolved


def test_prisma_compares_the_checksum_of_the_attempt_that_applied_it():
    rows = [{**attempt("a", "1"), "checksum": "applied"}, {**attempt("a", "2", rolled_back="3"), "checksum": "other"}]
    (applied,) = prisma.history({"history": rows}, None).applied
    assert applied.checksum == "applied"


def test_prisma_accepts_the_checksum_across_line_endings_and_the_old_unpadded_form():
    lf, crlf = b"create table a (id int);\nselect 1;\n", b"create table a (id int);\r\nselect 1;\r\n"
    assert hashlib.sha256(lf).hexdigest() in prisma.accepted_checksums(crlf)
    assert hashlib.sha256(crlf).hexdigest() in prisma.accepted_checksums(lf)
    digest = hashlib.sha256(lf).digest()
    assert "".join(f"{b:x}" for b in digest) in prisma.accepted_checksums(lf)
    assert hashlib.sha256(lf + b"-- edited\n").hexdigest() not in prisma.accepted_checksums(lf)


def test_flyway_checksum_is_a_signed_crc32_over_lines_without_endings_or_bom():
    expected = zlib.crc32(b"create table a (id int);select 1;")
    signed = expected - (1 << 32) if expected >= 1 << 31 else expected
    for text in (b"create table a (id int);\nselect 1;\n", b"create table a (id int);\r\nselect 1;",
                 b"\xef\xbb\xbfcreate table a (id int);\rselect 1;\n"):
        assert flyway.checksum(text) == str(signed)
    assert int(flyway.checksum(b"x" * 40 + b"\n")) >= -(1 << 31)
    assert flyway.checksum(b"select 2;") != flyway.checksum(b"select 1;")


@pytest.mark.parametrize("written, key", [("1", "1"), ("1.0", "1"), ("1_1", "1.1"), ("1.01", "1.1"), ("2.0.0", "2"),
                                          ("10", "10"), ("0", "0")])
def test_flyway_versions_compare_as_flyway_does(written, key):
    assert flyway.version_key(written) == key


def flyway_history_row(rank, version, kind="SQL", success=True, description="d"):
    return {"installed_rank": rank, "version": version, "description": description, "type": kind,
            "script": f"V{version}__d.sql" if version else f"R__{description}.sql", "checksum": 7, "success": success}


def test_flyway_rows_in_installed_rank_order_decide_the_state():
    rows = [flyway_history_row(0, "0", kind="SCHEMA"), flyway_history_row(1, "1", kind="BASELINE"),
            flyway_history_row(2, "2"), flyway_history_row(3, "3", success=False), flyway_history_row(4, "4"),
            flyway_history_row(5, "4", kind="UNDO_SQL"), flyway_history_row(6, "5"), flyway_history_row(7, "5", kind="DELETE"),
            flyway_history_row(8, None, description="views")]
    repo = RepoListing((RepoMigration("0.5", "V0_5__old.sql"), RepoMigration("2", "V2__d.sql")), "")
    history = flyway.history({"history": rows}, repo)
    assert [a.key for a in history.applied] == ["0.5", "R__views", "1", "2"]
    assert [f.split(" ")[0] for f in history.failures] == ["V3__d.sql"]
    assert history.newest().key == "2"


@pytest.mark.parametrize("rows, repo, applied, failures, standing", [
    ([], (), [], 0, "no version recorded"),
    ([{"version": 3, "dirty": False}], (), ["3"], 0, "version 3"),
    ([{"version": 3, "dirty": False}], ("1", "2", "3", "4"), ["1", "2", "3"], 0, "version 3"),
    ([{"version": 3, "dirty": True}], ("1", "2", "3"), ["1", "2"], 1, "version 3 (dirty)"),
    ([{"version": -1, "dirty": True}], ("1",), [], 1, "version -1 (dirty)"),  # the first step failed
])
def test_golang_migrate_one_row(rows, repo, applied, failures, standing):
    listing = RepoListing(tuple(RepoMigration(v, f"{v}_x.up.sql") for v in repo), "")
    history = golang_migrate.history({"history": rows}, listing)
    assert [a.key for a in history.applied] == applied
    assert len(history.failures) == failures and history.position() == standing


def test_a_history_in_another_shape_is_could_not_look():
    check = make_check("migrations", {"tool": "golang-migrate", "latest": "3"})
    facts = {"history": {("golang-migrate", "public.schema_migrations"): {
        "history": [{"version": 3, "dirty": False}, {"version": 2, "dirty": True}]}}, "repo": {}}
    outcome = migrations.judge(check, facts)
    assert outcome.status is Status.ERROR
    assert outcome.observed == ("could not read public.schema_migrations as golang-migrate's history: 2 rows;"
                                " golang-migrate keeps exactly one")


NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
# per tool: a history as the tool writes it, and params that read every column of it
WRITTEN = {
    "supabase": ({"history": [{"version": "20240101000000", "name": "init"}]}, {"latest": "20240101000000"}),
    "prisma": ({"history": [{"migration_name": "a", "checksum": "c", "started_at": NOW, "finished_at": NOW,
                             "rolled_back_at": None, "logs": None, "applied_steps_count": 1}]}, {"none_failed": True}),
    "rails": ({"history": [{"version": "1"}]}, {"latest": "1"}),
    "django": ({"history": [{"app": "a", "name": "0001_x"}]}, {"latest": "a.0001_x"}),
    "alembic": ({"history": [{"version_num": "a1"}]}, {"latest": "a1"}),
    "flyway": ({"history": [{"installed_rank": 1, "version": "1", "description": "d", "type": "SQL",
                             "script": "V1__d.sql", "checksum": 7, "success": True}]}, {"none_failed": True}),
    "golang-migrate": ({"history": [{"version": 1, "dirty": False}]}, {"none_failed": True}),
    "knex": ({"history": [{"name": "1_a.js"}], "lock": [{"is_locked": 0}]}, {"none_failed": True}),
    "liquibase": ({"history": [{"id": "1", "author": "al", "filename": "a.sql", "exectype": "EXECUTED"}],
                   "lock": [{"locked": False, "lockedby": None, "lockgranted": None}]}, {"none_failed": True}),
}
# every column a judge reads, with the type its tool's DDL (tests/data/migrations) writes there; `?`: NULL too (Prisma's
# checksum: a table of the team's own making, named "no checksum recorded"; knex's is_locked: its DDL's)
READ = {
    "supabase": {"history": {"version": "text", "name": "text"}},
    "prisma": {"history": {"migration_name": "text", "checksum": "text?", "finished_at": "timestamp?",
                           "rolled_back_at": "timestamp?", "logs": "text?", "applied_steps_count": "integer"}},
    "rails": {"history": {"version": "text"}},
    "django": {"history": {"app": "text", "name": "text"}},
    "alembic": {"history": {"version_num": "text"}},
    "flyway": {"history": {"installed_rank": "integer", "version": "text?", "description": "text", "type": "text",
                           "script": "text", "checksum": "integer?", "success": "boolean"}},
    "golang-migrate": {"history": {"version": "integer", "dirty": "boolean"}},
    "knex": {"history": {"name": "text"}, "lock": {"is_locked": "integer?"}},
    "liquibase": {"history": {"id": "text", "author": "text", "filename": "text", "exectype": "text"},
                  "lock": {"locked": "boolean"}},
}
# a value of another type than each the tools write, which truthiness or str() had read as a healthy one
OTHER_TYPE = {"text": 1, "integer": "1", "boolean": "false", "timestamp": ""}
OTHER_SHAPES = [(tool, role, column, value) for tool, roles in READ.items()
                for role, columns in roles.items() for column, written in columns.items()
                for value in [OTHER_TYPE[written.removesuffix("?")], *([] if written.endswith("?") else [None])]]


def judged_rows(tool: str, answers: dict, params: dict) -> Outcome:
    check = make_check("migrations", {"tool": tool, **params})
    return migrations.judge(check, {"history": {(tool, check.params.history_table.label): answers}, "repo": {}})


def test_each_history_as_its_tool_writes_it_passes():
    for tool, (answers, params) in WRITTEN.items():
        assert passed(judged_rows(tool, answers, params)), tool


@pytest.mark.parametrize("tool, role, column, value", OTHER_SHAPES,
                         ids=[f"{tool}-{column}-{value!r}" for tool, _, column, value in OTHER_SHAPES])
def test_every_history_column_read_holds_the_type_its_tool_writes_or_could_not_read(tool, role, column, value):
    """Each column a judge reads, of another type than the tool writes there (or NULL where its DDL says NOT NULL),
    is never judged: read by truthiness, text 'false' was a success, NULL a clean version, '' a finished attempt."""
    answers, params = WRITTEN[tool]
    rows = [{**answers[role][0], column: value}]
    outcome = judged_rows(tool, {**answers, role: rows}, params)
    assert outcome.status is Status.ERROR, outcome
    seen = "NULL" if value is None else f"text {value!r}" if isinstance(value, str) else f"an integer ({value})"
    assert f"{column} is {seen}, expected " in outcome.observed, outcome.observed
    assert outcome.observed.startswith(f"could not read {migrations.TOOLS[tool].TABLE} as {tool}'s history: ")


def test_every_typed_column_is_one_its_tool_queries():
    for tool, module in migrations.TOOLS.items():
        queries = module.queries(Table("public", "h"), True)
        assert module.COLUMNS == READ[tool] and set(module.COLUMNS) == set(queries), tool
        for role, columns in module.COLUMNS.items():
            for column in columns:
                assert re.search(rf"\b{column}\b", queries[role].sql), (tool, column)


@pytest.mark.parametrize("version", [float("inf"), float("-inf"), float("nan"), Decimal("Infinity"), Decimal("3"), 3.0])
def test_a_golang_migrate_version_of_no_integer_is_could_not_read_not_an_internal_error(version):
    outcome = judged_rows("golang-migrate", {"history": [{"version": version, "dirty": False}]}, {"latest": "3"})
    assert outcome.status is Status.ERROR, outcome
    assert "could not read public.schema_migrations as golang-migrate's history: row 1: version is a" in \
        outcome.observed and "expected an integer (not NULL)" in outcome.observed, outcome.observed


def test_a_knex_lock_of_boolean_false_is_not_the_lock_at_0():
    """`where is_locked = 0` against a boolean is an error in PostgreSQL: knex never takes that lock."""
    outcome = judged_rows("knex", {"history": [{"name": "1_a.js"}], "lock": [{"is_locked": False}]},
                          {"none_failed": True})
    assert outcome.status is Status.ERROR and "lock row 1: is_locked is a boolean (False)" in outcome.observed, outcome


def test_a_liquibase_exectype_padded_as_char_n_is_could_not_read():
    """A char(10) `FAILED    ` is neither FAILED nor applied: read as text, its failure had gone unseen."""
    from opsverify.transports.pgvalues import BlankPadded

    answers, params = WRITTEN["liquibase"]
    rows = [{**answers["history"][0], "exectype": BlankPadded("FAILED    ")}]
    outcome = judged_rows("liquibase", {**answers, "history": rows}, params)
    assert outcome.status is Status.ERROR and "id 1: exectype is char(n) 'FAILED    ', expected text (not NULL)" in \
        outcome.observed, outcome


def test_golang_migrate_with_more_than_its_one_row_is_not_read():
    """The tool rewrites its one row: with two, which is the database's version depends on storage order."""
    with pytest.raises(ValueError, match="2 rows; golang-migrate keeps exactly one"):
        golang_migrate.history({"history": [{"version": 3, "dirty": False}, {"version": 2, "dirty": True}]}, None)


def test_flyway_version_that_is_no_version_is_named():
    with pytest.raises(ValueError, match="version '2.a' is not a Flyway version"):
        flyway.history({"history": [{"installed_rank": 1, "version": "2.a", "description": "d", "type": "SQL",
                                     "script": "V2_a__d.sql", "checksum": 1, "success": True}]}, None)


def test_alembic_applied_is_every_ancestor_of_the_heads_through_merges():
    repo = RepoListing((RepoMigration("a", "a.py"), RepoMigration("b1", "b1.py", parents=("a",)),
                        RepoMigration("b2", "b2.py", parents=("a", "some_branch_label")),
                        RepoMigration("m", "m.py", parents=("b1", "b2")), RepoMigration("n", "n.py", parents=("m",))), "")
    history = alembic.history({"history": [{"version_num": "m"}]}, repo)
    assert {a.key for a in history.applied} == {"a", "b1", "b2", "m"}
    assert history.newest().key == "m"
    two = alembic.history({"history": [{"version_num": "b1"}, {"version_num": "b2"}]}, repo)
    assert two.newest() is None and two.position() == "2 heads: b1, b2"


def test_alembic_reads_revision_files_without_importing_them(tmp_path):
    (tmp_path / "a_init.py").write_text("import sys; sys.exit(1)\nrevision = 'a'\ndown_revision = None\n")
    (tmp_path / "m_merge.py").write_text("revision: str = 'm'\ndown_revision: Union[str, Sequence[str]] = ('a', 'b')\n"
                                         "depends_on = 'c'\n")
    (tmp_path / "env.py").write_text("from alembic import context\n")
    (tmp_path / "2026").mkdir()  # recursive_version_locations: revisions by year
    (tmp_path / "2026" / "c3_more.py").write_text("revision = 'c3'\ndown_revision = 'm'\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "stale.py").write_text("revision = 'zz'\n")
    listing = alembic.read_repo(tmp_path)
    assert {(m.key, m.parents) for m in listing.migrations} == {("a", ()), ("m", ("a", "b", "c")), ("c3", ("m",))}
    assert [m.file for m in listing.migrations if m.key == "c3"] == ["2026/c3_more.py"]
    assert listing.ignored == ("env.py",)


def test_django_squashed_migration_stands_for_what_it_replaces():
    repo = RepoListing((RepoMigration("u.0001_a", "", scope="u"), RepoMigration("u.0002_b", "", scope="u"),
                        RepoMigration("u.0001_squashed_0002_b", "", scope="u", replaces=("u.0001_a", "u.0002_b"))), "")
    replaced = django.history({"history": [{"app": "u", "name": "0001_a"}, {"app": "u", "name": "0002_b"}]}, repo)
    assert {a.key for a in replaced.applied} == {"u.0001_a", "u.0002_b", "u.0001_squashed_0002_b"}
    half = django.history({"history": [{"app": "u", "name": "0001_a"}]}, repo)
    assert {a.key for a in half.applied} == {"u.0001_a"}
    # its own row is not enough (Django's loader marks a squash applied only when all it replaces is recorded):
    # beside a replaced one unrecorded, neither counts — that one is pending; the other recorded one stands
    own_row = django.history({"history": [{"app": "u", "name": "0001_a"},
                                          {"app": "u", "name": "0001_squashed_0002_b"}]}, repo)
    assert {a.key for a in own_row.applied} == {"u.0001_a"}
    alone = django.history({"history": [{"app": "u", "name": "0001_squashed_0002_b"}]}, repo)
    assert {a.key for a in alone.applied} == set()


def test_django_reads_only_migration_packages(tmp_path):
    (tmp_path / "shop/orders/migrations").mkdir(parents=True)
    (tmp_path / "shop/orders/migrations/__init__.py").write_text("")
    (tmp_path / "shop/orders/migrations/0001_initial.py").write_text("")
    (tmp_path / "shop/orders/migrations/_helpers.py").write_text("")
    (tmp_path / "shop/loose/migrations").mkdir(parents=True)  # a namespace folder: Django ignores it
    (tmp_path / "shop/loose/migrations/0001_initial.py").write_text("")
    (tmp_path / "node_modules/x/migrations").mkdir(parents=True)
    listing = django.read_repo(tmp_path)
    assert [m.key for m in listing.migrations] == ["orders.0001_initial"]
    assert listing.ignored == ("shop/loose/migrations/ (no __init__.py)",)


@pytest.mark.parametrize("kind, applied", [("EXECUTED", True), ("RERAN", True), ("MARK_RAN", True),
                                           ("SKIPPED", False), ("FAILED", False)])
def test_liquibase_exectypes(kind, applied):
    rows = [{"id": "1", "author": "a", "filename": "f.sql", "exectype": kind}]
    history = liquibase.history({"history": rows}, None)
    assert bool(history.applied) is applied
    assert bool(history.failures) is (kind == "FAILED")


def test_supabase_skips_a_legacy_first_init_file_as_the_cli_does(tmp_path):
    for name in ("20211208000000_init.sql", "20211210000000_orders.sql", "notes.txt"):
        (tmp_path / name).write_text("select 1;")
    listing = supabase.read_repo(tmp_path)
    assert [m.key for m in listing.migrations] == ["20211210000000"]
    assert set(listing.ignored) == {"20211208000000_init.sql", "notes.txt"}


@pytest.mark.parametrize("before", ["00_archive/", ".gitkeep"])
def test_a_legacy_init_file_after_a_folder_or_a_dotfile_is_applied_as_the_cli_applies_it(tmp_path, before):
    """The CLI skips `<ts>_init.sql` only as the folder's first entry of all (fs.ReadDir: folders and dotfiles too):
    after `00_archive/` or `.gitkeep` it is applied, so never ran here means not applied — it had been ignored."""
    (tmp_path / before.rstrip("/")).mkdir() if before.endswith("/") else (tmp_path / before).write_text("")
    for name in ("20200101000000_init.sql", "20240101000000_orders.sql"):
        (tmp_path / name).write_text("select 1;")
    listing = supabase.read_repo(tmp_path)
    assert [m.key for m in listing.migrations] == ["20200101000000", "20240101000000"], listing


def test_a_database_that_cannot_be_reached_is_said_so_not_an_rls_question():
    """No conversation at all is the run's named cause (unreachable → exit 23), not "could not tell whether row
    level security hides rows"."""
    from .kit import refused_port

    target = make_target({"database": f"postgresql://checker:pw-0123456789@127.0.0.1:{refused_port()}/shop"})
    try:
        (outcome,) = gather_and_judge(target, migrations, [make_check("migrations", RAILS | {"from_repo": None})])
    finally:
        target.close()
    assert outcome.status is Status.ERROR and "row level security" not in outcome.observed, outcome
    assert target.database_problem() is not None and target.database_problem().kind == "unreachable"


# -- a repo folder the tool itself refuses ----------------------------------------------------------
@pytest.mark.parametrize("tool, files, seen", [
    ("supabase", {"20240201120000_add_b.sql": "x", "20240201120000_add_c.sql": "y"},
     "version 20240201120000 (20240201120000_add_b.sql and 20240201120000_add_c.sql"),
    ("rails", {"20240201120000_create_b.rb": "", "20240201120000_create_c.rb": ""},
     "version 20240201120000 (20240201120000_create_b.rb and 20240201120000_create_c.rb"),
    ("golang-migrate", {"1_a.up.sql": "x", "1_b.up.sql": "y", "1_a.down.sql": "x", "1_b.down.sql": "y"},
     "version 1 (1_a.up.sql and 1_b.up.sql"),
    ("golang-migrate", {"1_a.up.sql": "x", "1_a.down.sql": "x", "1_b.down.sql": "y"},  # downs too: the tool refuses
     "version 1 (1_a.down.sql and 1_b.down.sql"),
    ("flyway", {"V1__a.sql": "x", "V1.0__b.sql": "y"}, "version 1 (V1.0__b.sql and V1__a.sql"),
])
def test_two_files_of_one_version_are_named(tmp_path, tool, files, seen):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    listing = {"supabase": supabase, "rails": rails, "golang-migrate": golang_migrate, "flyway": flyway}[tool].read_repo(
        tmp_path)
    assert any(seen in f"{what} ({why})" for what, why in listing.refused), listing.refused


@pytest.mark.parametrize("files, refused, ignored", [
    # the glob `[0-9]*_*.rb` takes them, MigrationFilenameRegexp does not: IllegalMigrationNameError
    (["1_a.rb", "3_Add_C.rb", "sub/3_add-c.rb", "README.rb", "helper.rb", "3add.rb", "2_b.txt"],
     ["3_Add_C.rb", "sub/3_add-c.rb"], ["3add.rb", "README.rb", "helper.rb"]),
    (["1_a.rb", "2_b.up.rb"], [], []),
])
def test_rails_refuses_a_file_its_glob_takes_and_its_pattern_does_not(tmp_path, files, refused, ignored):
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    listing = rails.read_repo(tmp_path)
    assert [what for what, _ in listing.refused] == refused
    assert all("IllegalMigrationNameError" in why for _, why in listing.refused)
    assert sorted(listing.ignored) == ignored


def test_prisma_refuses_a_migration_folder_without_its_script(tmp_path):
    (tmp_path / "20240101000000_init").mkdir()
    (tmp_path / "20240101000000_init" / "migration.sql").write_text("select 1;\n")
    (tmp_path / "20240501000000_e").mkdir()
    (tmp_path / "20240501000000_e" / "README.md").write_text("x")
    (tmp_path / ".hidden").mkdir()  # every folder is a migration to Prisma, a hidden one too
    listing = prisma.read_repo(tmp_path)
    assert [m.key for m in listing.migrations] == [".hidden", "20240101000000_init", "20240501000000_e"]
    assert listing.refused == () and listing.ignored == ()
    # `migrate deploy` reads the script of a migration it applies only (apply_migrations: unapplied_migrations)
    refused = prisma.refuses({"history": []}, listing)
    assert [what for what, _ in refused] == [".hidden/", "20240501000000_e/"] and "P3015" in refused[0][1]
    rows = [{"migration_name": "20240501000000_e", "rolled_back_at": None}]
    assert [what for what, _ in prisma.refuses({"history": rows}, listing)] == [".hidden/"]


def test_a_prisma_folder_of_only_a_folder_without_its_script_fails(scratch):
    """Nothing Prisma would run, and a folder it refuses: that is the tool's refusal (fails), not "nothing found"."""
    prisma_healthy(scratch)
    scratch.write(f"m/{P4}/notes.md", "x")
    outcome = scratch.check({"tool": "prisma", "from_repo": "m", "unknown_applied": "report"})
    assert outcome.status is Status.FAILED and f"{P4}/ (no migration.sql" in outcome.observed, outcome
    assert list(outcome.evidence["repo_refused"]) == [f"{P4}/"], outcome


def test_an_applied_prisma_folder_without_its_script_deploys_as_prisma_does(scratch):
    """apply_migrations reads the script of an unapplied migration only: an applied one's folder may lack it. Its
    checksum cannot be compared then (an error naming it)."""
    prisma_healthy(scratch)
    scratch.remove(f"prisma/migrations/{P1}/migration.sql")
    scratch.write(f"prisma/migrations/{P1}/notes.md", "x")
    assert passed(scratch.check({**PRISMA, "checksums": False})), scratch.check({**PRISMA, "checksums": False})
    outcome = scratch.check(PRISMA)
    assert outcome.status is Status.ERROR, outcome
    assert f"could not compare the checksum of 1 applied migration: {P1}/migration.sql is not there" in \
        outcome.observed, outcome.observed


def test_a_changed_file_shows_both_checksums(scratch):
    prisma_healthy(scratch)
    edited = script(P2) + "-- edited\n"
    scratch.write(f"prisma/migrations/{P2}/migration.sql", edited)
    outcome = scratch.check(PRISMA)
    recorded, now = hashlib.sha256(script(P2).encode()).hexdigest(), hashlib.sha256(edited.encode()).hexdigest()
    assert outcome.status is Status.FAILED, outcome
    assert f"{P2} (recorded {recorded[:12]}…, file {now[:12]}…)" in outcome.observed, outcome.observed
    assert outcome.evidence["checksum_differs"] == {P2: {"recorded": recorded, "file": now}}


def test_supabase_two_files_of_one_applied_version_fail_naming_both(scratch):
    """One row, 20240201120000/add_b; the folder holds add_b and add_c of that version: add_c never ran."""
    scratch.ddl("supabase")
    for version, name in (("20240101120000", "init"), ("20240201120000", "add_b")):
        scratch.write(f"m/{version}_{name}.sql", "select 1;\n")
        supabase_row(version, name)(scratch)
    assert passed(scratch.check({"tool": "supabase", "from_repo": "m"}))
    scratch.write("m/20240201120000_add_c.sql", "create table c (id int);\n")
    outcome = scratch.check({"tool": "supabase", "from_repo": "m"})
    assert outcome.status is Status.FAILED, outcome
    assert "20240201120000_add_b.sql and 20240201120000_add_c.sql, which it cannot tell apart" in outcome.observed
    assert "supabase refuses m as it is" in outcome.observed and outcome.evidence["repo_refused"], outcome


def test_a_supabase_file_renamed_after_it_ran_is_applied_by_its_version(scratch):
    """Applied as 20250101000000_init, then renamed create_users in the repo: the CLI knows it by its version. With
    from_repo the label the repo's file gives passes; without, it fails saying the version is applied as init, never
    a bare "not applied"."""
    scratch.ddl("supabase")
    supabase_row("20250101000000", "init")(scratch)
    scratch.write("m/20250101000000_create_users.sql", "select 1;\n")
    label = {"tool": "supabase", "applied": ["20250101000000_create_users"]}
    assert passed(scratch.check({**label, "from_repo": "m"}))
    assert passed(scratch.check({**label, "applied": ["20250101000000_init", "20250101000000"], "from_repo": "m"}))
    alone = scratch.check(label)
    assert alone.status is Status.FAILED, alone
    assert ("not applied: 20250101000000_create_users (version 20250101000000 is applied, recorded as"
            " 20250101000000_init: write 20250101000000") in alone.observed, alone
    other = scratch.check({"tool": "supabase", "applied": ["20250101000001_create_users"]})
    assert other.status is Status.FAILED and "is applied" not in other.observed, other


# -- prisma: `migrate resolve --rolled-back` is resolved history -----------------------------------
def test_prisma_rolled_back_migration_whose_folder_is_gone_is_history_not_a_failure(scratch):
    """A failed deploy resolved with `migrate resolve --rolled-back`, its folder then deleted: Prisma ignores the
    row (`migrate status`: up to date), so none_failed and from_repo pass, and the row is named as history."""
    prisma_healthy(scratch)
    bad = "20240250000000_bad"
    prisma_attempt(scratch, bad, "create table oops;", age_minutes=150, finished=False, rolled_back_after=5)
    outcome = scratch.check(PRISMA)
    assert passed(outcome), outcome
    assert f"{bad}: rolled back" in " ".join(outcome.evidence["resolved"]), outcome
    assert outcome.evidence["failures"] == [] and f"not applied now: {bad} (rolled back" in outcome.observed, outcome
    assert passed(scratch.check({"tool": "prisma", "none_failed": True}))
    # its folder back in the repo: that migration is pending, which from_repo says (with why)
    scratch.write(f"prisma/migrations/{bad}/migration.sql", "create table oops;")
    outcome = scratch.check(PRISMA)
    assert outcome.status is Status.FAILED, outcome
    assert f"repo migration not applied: {bad} (rolled back" in outcome.observed, outcome
    assert scratch.check({**PRISMA, "applied": [bad], "from_repo": None, "checksums": False}).status is Status.FAILED


def test_prisma_applied_then_a_later_attempt_rolled_back_is_still_applied(scratch):
    """Prisma counts a migration applied when a row of it finished and was not rolled back, and would not run it
    again: a later attempt that failed and was resolved `--rolled-back` is history, not "not applied"."""
    prisma_healthy(scratch)
    prisma_attempt(scratch, P3, script(P3), age_minutes=50, finished=False, rolled_back_after=5)
    outcome = scratch.check(PRISMA)
    assert passed(outcome), outcome
    assert "2 resolved failures in its history" in outcome.observed, outcome
    assert any(r.startswith(f"{P3}: attempt of ") and "rolled back" in r for r in outcome.evidence["resolved"]), outcome
    assert "recorded_not_applied" not in outcome.evidence


# -- a repo file nested deeper than Python's parsers go ----------------------------------------------
DEEP_FILES = [
    ("alembic", "zz_data.py", "TABLE = " + "-" * 100_000 + "1\n"),  # ast.parse: MemoryError
    ("alembic", "zz_data.py", "revision = " + "+".join(["'a'"] * 200_000) + "\n"),  # ast.parse: RecursionError
    ("django", "shop/migrations/0002_data.py", "X = " + "+".join(["1"] * 200_000) + "\n"),
    ("liquibase", "fixtures.json", "[" * 100_000 + "]" * 100_000),  # json: RecursionError
    ("liquibase", "fixtures.yaml", "[" * 100_000 + "]" * 100_000),  # PyYAML: RecursionError
]


@pytest.mark.parametrize("tool, name, text", DEEP_FILES, ids=["unary", "terms", "django", "json", "yaml"])
def test_a_repo_file_nested_too_deeply_to_read_is_named(tmp_path, tool, name, text):
    """An unnamed "internal error while gathering" before: every migrations item of the system, whatever it read."""
    (tmp_path / "m" / name).parent.mkdir(parents=True)
    (tmp_path / "m" / name).write_text(text)
    (tmp_path / "m" / "shop" / "migrations" / "__init__.py").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "m" / "shop" / "migrations" / "__init__.py").write_text("")
    listing = migrations._list_folder(make_target({"repo": str(tmp_path)}), tool, "m")
    assert isinstance(listing, GatherError), listing
    assert str(listing) == f"cannot read m: {name} is nested too deeply to read"


def test_a_repo_file_too_deep_to_read_errors_only_the_items_reading_it(scratch):
    alembic_healthy(scratch)
    scratch.write("alembic/versions/zz_data.py", "TABLE = " + "-" * 100_000 + "1\n")
    checks = [make_check("migrations", ALEMBIC, name="a"),
              make_check("migrations", {"tool": "alembic", "latest": "c3d4e5f6a7b8"}, name="b")]
    reading, other = gather_and_judge(scratch.target, migrations, checks)
    assert reading.status is Status.ERROR, reading
    assert reading.observed == ("could not list the alembic migrations of the repo: cannot read alembic/versions: "
                                "zz_data.py is nested too deeply to read"), reading
    assert passed(other), other


# -- supabase: a history an older CLI made records no names ----------------------------------------
def supabase_versions_only(s: Scratch) -> None:
    s.sql("create schema supabase_migrations;"
          " create table supabase_migrations.schema_migrations (version text not null primary key)")
    s.sql("insert into supabase_migrations.schema_migrations values ('20240101120000'), ('20240201120000')")
    s.write("m/20240101120000_init.sql", "select 1;\n")
    s.write("m/20240201120000_add_b.sql", "select 1;\n")


@pytest.mark.parametrize("params", [{"tool": "supabase", "applied": ["add_b"]},
                                    {"tool": "supabase", "latest": "20240201120000_add_b"},
                                    {"tool": "supabase", "latest": "add_b"}])
def test_supabase_names_against_a_history_without_names_are_could_not_look(scratch, params):
    supabase_versions_only(scratch)
    outcome = scratch.check(params)
    assert outcome.status is Status.ERROR, outcome
    assert "records no names" in outcome.observed and "write the version" in outcome.observed, outcome
    assert "give from_repo" in outcome.observed and "supabase_migrations.schema_migrations" in outcome.observed
    assert passed(scratch.check({**params, "from_repo": "m"}))  # the repo's file names each version


def test_a_name_that_starts_with_digits_is_a_name_not_a_version(scratch):
    """`001_seed` (a numbered file's name) is no version_name of this history, whose versions have 14 digits: a row
    without a recorded name could hold it, so it cannot be told — not "not applied"."""
    supabase_versions_only(scratch)
    for params in ({"applied": ["001_seed"]}, {"latest": "001_seed"}):
        outcome = scratch.check({"tool": "supabase", **params})
        assert outcome.status is Status.ERROR and "records no names" in outcome.observed, outcome


def test_supabase_versions_against_a_history_without_names_are_judged(scratch):
    supabase_versions_only(scratch)
    assert passed(scratch.check({"tool": "supabase", "applied": ["20240101120000"], "latest": "20240201120000"}))
    # a version no row has is decided whatever the names: not applied
    outcome = scratch.check({"tool": "supabase", "applied": ["20240301120000_add_c"]})
    assert outcome.status is Status.FAILED and "not applied: 20240301120000_add_c" in outcome.observed, outcome
    outcome = scratch.check({"tool": "supabase", "latest": "20240301120000"})
    assert outcome.status is Status.FAILED, outcome


# -- a checker role without the privilege: the hint names the grant --------------------------------
def test_no_select_on_the_history_table_names_the_grant(scratch, reader_role):
    rails_healthy(scratch)
    role, reader = reader_role("")
    (outcome,) = gather_and_judge(reader, migrations, [make_check("migrations", RAILS)])
    assert outcome.status is Status.ERROR, outcome
    assert f"GRANT SELECT ON public.schema_migrations TO {role}" in outcome.observed, outcome
    assert "wrong database" not in outcome.observed, outcome


def test_no_usage_on_the_history_schema_names_the_grant(scratch, reader_role):
    supabase_healthy(scratch)
    role, reader = reader_role("")  # SELECT on the table, and no USAGE on its schema
    scratch.sql(pgsql.SQL("grant select on supabase_migrations.schema_migrations to {}").format(pgsql.Identifier(role)))
    (outcome,) = gather_and_judge(reader, migrations, [make_check("migrations", SUPABASE)])
    assert outcome.status is Status.ERROR, outcome
    assert f"GRANT USAGE ON SCHEMA supabase_migrations TO {role}" in outcome.observed, outcome
    assert "wrong database" not in outcome.observed, outcome


def test_no_select_on_the_knex_lock_table_names_the_grant(scratch, reader_role):
    knex_healthy(scratch)
    role, reader = reader_role("")
    scratch.sql(pgsql.SQL("grant select on knex_migrations to {}").format(pgsql.Identifier(role)))
    (outcome,) = gather_and_judge(reader, migrations, [make_check("migrations", KNEX)])
    assert outcome.status is Status.ERROR, outcome
    assert "public.knex_migrations_lock" in outcome.observed, outcome
    assert f"GRANT SELECT ON public.knex_migrations_lock TO {role}" in outcome.observed, outcome
    assert "wrong database" not in outcome.observed, outcome
    assert passed(gather_and_judge(reader, migrations, [make_check("migrations", {**KNEX, "none_failed": False})])[0])


# -- knex: a held lock over an empty history is read, and fails -------------------------------------
def test_knex_empty_history_with_the_lock_held_fails(scratch):
    """The first `migrate:latest` died holding the lock: nothing applied, and the lock says so."""
    scratch.ddl("knex")
    scratch.sql("insert into knex_migrations_lock (is_locked) values (1)")
    for params in ({"tool": "knex", "none_failed": True}, {"tool": "knex", "none_failed": True, "from_repo": "m"}):
        scratch.write("m/20240101120000_init.js", "exports.up = async () => {};\n")
        outcome = scratch.check(params)
        assert outcome.status is Status.FAILED and "the migration lock is held" in outcome.observed, outcome
    scratch.sql("update knex_migrations_lock set is_locked = 0")
    outcome = scratch.check({"tool": "knex", "none_failed": True})
    assert outcome.status is Status.ERROR and "nothing was checked" in outcome.observed, outcome


@pytest.mark.parametrize("locks, fails", [
    ([], None),  # knex inserts its one row at 0 into an empty table before it locks
    ([0], None), ([1], "the migration lock is held"),
    ([0, 0], "holds 2 rows (is_locked 0, 0)"), ([1, 0], "holds 2 rows (is_locked 1, 0)"),
    ([None], "holds 1 row (is_locked NULL)"), ([2], "holds 1 row (is_locked 2)"),
])
def test_knex_lock_table_is_healthy_only_as_one_row_at_0(locks, fails):
    from opsverify.families.migration_tools import knex

    failures = knex.history({"history": [{"name": "1_a.js"}], "lock": [{"is_locked": v} for v in locks]}, None).failures
    assert (failures == ()) if fails is None else (len(failures) == 1 and fails in failures[0]), failures


# -- from_repo: "." is the checkout itself ----------------------------------------------------------
def test_from_repo_dot_is_the_checkout_itself(scratch):
    supabase_healthy(scratch)
    for written in (".", "./", "././"):
        assert load_item_params("migrations", {"tool": "supabase", "from_repo": written}).from_repo == written
    scratch.target.close()
    scratch.target = make_target({"database": scratch.url, "repo": str(scratch.repo / "supabase" / "migrations")})
    assert passed(scratch.check({"tool": "supabase", "from_repo": "."}))
    scratch.write("supabase/migrations/20250103000000_more.sql", "select 1;")
    outcome = scratch.check({"tool": "supabase", "from_repo": "."})
    assert outcome.status is Status.FAILED and "not applied: 20250103000000" in outcome.observed, outcome


# -- a version written as YAML writes a number --------------------------------------------------------
def test_an_unquoted_supabase_version_is_its_digits(scratch):
    """`latest: 20250102000000` unquoted is a number to YAML: a Supabase version (the CLI's timestamp) reads
    back as the same digits, so it is taken as the version it spells."""
    params = yaml.safe_load("{tool: supabase, applied: [20250101000000], latest: 20250102000000}")
    assert params["latest"] == 20250102000000
    loaded = load_item_params("migrations", params)
    assert (loaded.applied, loaded.latest) == (["20250101000000"], "20250102000000")
    supabase_healthy(scratch)
    assert passed(scratch.check(params))
    outcome = scratch.check({**params, "latest": 20250101000000})
    assert "newest applied is 20250102000000, not 20250101000000" in outcome.observed, outcome


@pytest.mark.parametrize("written, read", [
    ("{tool: golang-migrate, latest: 000010}", "8"),  # YAML 1.1 reads a zero-padded number as octal
    ("{tool: rails, applied: [20240101000000]}", "20240101000000"),
    ("{tool: flyway, latest: 2_1}", "21"),  # Flyway's version 2.1, to YAML the number 21
    ("{tool: flyway, latest: 1.10}", "1.1"),
    ("{tool: supabase, latest: 1.10}", "1.1"),
])
def test_a_number_where_the_text_written_may_differ_says_to_quote_it(written, read):
    params = yaml.safe_load(written)
    field = "latest" if "latest" in params else "applied"
    with pytest.raises(ValidationError, match=rf"YAML reads it as the number {re.escape(read)}.*quote it") as caught:
        load_item_params("migrations", params)
    assert caught.value.errors()[0]["loc"][0] == field


# -- a history table in a schema that needs quoting -----------------------------------------------------
@pytest.mark.parametrize("written, schema, name", [
    ('"my-app"._prisma_migrations', "my-app", "_prisma_migrations"),
    ("my-app._prisma_migrations", "my-app", "_prisma_migrations"),
    ('"billing.v2"."Hist"', "billing.v2", "Hist"),
    ('"we""ird\'s".h', 'we"ird\'s', "h"),
    ("app.flyway_schema_history", "app", "flyway_schema_history"),
    ("_prisma_migrations", "public", "_prisma_migrations"),
    ("public.x; drop table y", "public", "x; drop table y"),  # one name, quoted wherever SQL names it
])
def test_a_history_table_is_named_as_the_schema_family_names_a_table(written, schema, name):
    table = load_item_params("migrations", {"tool": "prisma", "none_failed": True, "table": written}).history_table
    assert (table.schema, table.name) == (schema, name)
    assert table.sql == '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def test_a_history_table_in_a_quoted_schema_on_a_real_database(scratch, rls_reader):
    """Quotes and a single quote in the schema's name: the history query and what RLS hides of it name it."""
    weird = 'my-app"\'s'
    scratch.sql(pgsql.SQL("create schema {}").format(pgsql.Identifier(weird)))
    scratch.sql(pgsql.SQL("set search_path to {}").format(pgsql.Identifier(weird)))
    prisma_healthy(scratch)
    scratch.sql("set search_path to public")
    params = {**PRISMA, "table": '"my-app""\'s"._prisma_migrations'}
    outcome = scratch.check(params)
    assert passed(outcome), outcome
    assert outcome.evidence["table"] == '"my-app""\'s"._prisma_migrations', outcome.evidence
    scratch.sql(pgsql.SQL("alter table {}._prisma_migrations enable row level security").format(
        pgsql.Identifier(weird)))
    outcome = gather_and_judge(rls_reader, migrations, [make_check("migrations", params)])[0]
    assert outcome.status is Status.ERROR and "BYPASSRLS" in outcome.observed, outcome
    assert '"my-app""\'s"._prisma_migrations' in outcome.observed, outcome


@pytest.mark.parametrize("schema, name, label", [
    ("App", "Hist", '"App"."Hist"'),  # App.Hist would be app.hist to SQL
    ("app", "hist", "app.hist"),
    ("my.app", "_prisma_migrations", '"my.app"._prisma_migrations'),
    ("app", "hi$t", 'app."hi$t"'),
    ("app", "1hist", 'app."1hist"'),
])
def test_a_history_table_is_labelled_as_sql_reads_the_label(schema, name, label):
    """Only a lower-case simple name goes unquoted: SQL folds an unquoted name to lower case."""
    assert Table(schema, name).label == label


def test_a_mixed_case_history_table_is_named_in_quotes_on_a_real_database(scratch):
    scratch.sql('create schema "App"')
    scratch.sql('set search_path to "App"')
    prisma_healthy(scratch)
    scratch.sql("set search_path to public")
    scratch.sql('alter table "App"._prisma_migrations rename to "Hist"')
    for written in ("App.Hist", '"App"."Hist"'):
        outcome = scratch.check({**PRISMA, "table": written})
        assert passed(outcome), outcome
        assert 'applied in "App"."Hist"' in outcome.observed, outcome
        assert outcome.evidence["table"] == '"App"."Hist"', outcome.evidence


# -- a Supabase history without its primary key ---------------------------------------------------------
def test_a_supabase_version_recorded_twice_is_one_migration(scratch):
    supabase_healthy(scratch)
    scratch.sql("alter table supabase_migrations.schema_migrations drop constraint schema_migrations_pkey")
    supabase_row("20250102000000", "orders")(scratch)
    outcome = scratch.check(SUPABASE)
    assert passed(outcome), outcome
    assert "2 migrations applied in supabase_migrations.schema_migrations" in outcome.observed, outcome
    assert (outcome.evidence["rows"], outcome.evidence["applied"]) == (3, 2), outcome.evidence


# -- a script too large to hash: only `checksums` reads it, and only its migration is in doubt ----------
def big_script(s: Scratch, relative: str) -> None:
    """A migration.sql above the hashing limit (a data seed): its name is all a listing needs."""
    s.write(relative, b"-- seed\n" + b"insert into t values (1);\n" * ((MAX_FILE_BYTES >> 4) // 26 * 17))


def test_a_prisma_script_too_large_to_hash_is_judged_by_name_without_checksums(scratch):
    prisma_healthy(scratch)
    big_script(scratch, f"prisma/migrations/{P2}/migration.sql")
    outcome = scratch.check({**PRISMA, "checksums": False})
    assert passed(outcome), outcome
    # the limit is the hashing's: a folder listed by name does not open any script
    listing = prisma.read_repo(scratch.repo / "prisma/migrations")
    assert [m.key for m in listing.migrations] == [P1, P2, P3] and not any(m.checksums for m in listing.migrations)


def test_a_prisma_script_too_large_to_hash_errors_naming_it_and_hides_no_other_verdict(scratch):
    prisma_healthy(scratch)
    big_script(scratch, f"prisma/migrations/{P2}/migration.sql")
    outcome = scratch.check(PRISMA)
    assert outcome.status is Status.ERROR, outcome
    assert f"{P2}/migration.sql" in outcome.observed and "16 MB" in outcome.observed, outcome
    assert "changed in the repo" not in outcome.observed and "cannot read prisma/migrations" not in outcome.observed
    assert outcome.evidence["checksum_not_compared"] == {P2: f"{P2}/migration.sql is larger than 16 MB"}, outcome
    scratch.write(f"prisma/migrations/{P3}/migration.sql", script(P3) + "-- edited\n")  # another one changed: said too
    outcome = scratch.check(PRISMA)
    assert outcome.status is Status.ERROR and f"{P2}/migration.sql" in outcome.observed, outcome
    assert f"changed in the repo since it ran (checksum differs): {P3}" in outcome.observed, outcome


def test_a_flyway_script_too_large_to_hash_is_judged_by_name_without_checksums(scratch):
    flyway_healthy(scratch)
    big_script(scratch, "db/migration/sub/V2__more.sql")
    assert passed(scratch.check({**FLYWAY, "checksums": False}))
    outcome = scratch.check(FLYWAY)
    assert outcome.status is Status.ERROR and "sub/V2__more.sql is larger than 16 MB" in outcome.observed, outcome


# -- a history table that is locked or slow is not "the wrong database" --------------------------------
@pytest.mark.parametrize("sqlstate, says, not_says", [
    ("55P03", ["locked", "timeouts.statement_ms"], ["wrong database"]),
    ("57014", ["locked or slow", "timeouts.statement_ms"], ["wrong database"]),
    ("42P01", ["wrong database or schema"], ["timeouts"]),
    ("3F000", ["wrong database or schema"], ["timeouts"]),
    ("42703", ["wrong database or schema"], ["timeouts"]),
    ("22P02", [], ["wrong database", "timeouts"]),
])
def test_the_hint_for_a_history_table_that_could_not_be_read_fits_its_cause(sqlstate, says, not_says):
    hint = migrations._hint(QueryFailed("it failed", sqlstate), Table("public", "_prisma_migrations"), "checker")
    assert all(s in hint for s in says) and not any(s in hint for s in not_says), hint


def test_a_locked_history_table_says_locked_and_names_the_timeout(scratch):
    prisma_healthy(scratch)
    with psycopg.connect(scratch.url) as locker:  # a migration run holding its table (lock_timeout ends the wait)
        locker.execute("lock table _prisma_migrations in access exclusive mode")
        outcome = scratch.check({"tool": "prisma", "latest": P3})
    assert outcome.status is Status.ERROR, outcome
    assert "locked" in outcome.observed and "timeouts.statement_ms" in outcome.observed, outcome
    assert "wrong database" not in outcome.observed, outcome


def test_a_history_read_past_the_statement_timeout_names_the_timeout(scratch):
    prisma_healthy(scratch)
    scratch.sql("create schema slow; create view slow._prisma_migrations as"
                " select m.* from public._prisma_migrations m, pg_sleep(600)")
    target = make_target({"database": scratch.url, "repo": str(scratch.repo)},
                         timeouts={"statement_ms": 300, "database_s": 30})
    try:
        (outcome,) = gather_and_judge(target, migrations, [make_check(
            "migrations", {"tool": "prisma", "latest": P3, "table": "slow._prisma_migrations"})])
    finally:
        target.close()
    assert outcome.status is Status.ERROR, outcome
    assert "locked or slow" in outcome.observed and "timeouts.statement_ms" in outcome.observed, outcome
    assert "wrong database" not in outcome.observed, outcome


# -- a Supabase name that more than one version bears ---------------------------------------------------
def supabase_name_twice(s: Scratch) -> None:
    s.ddl("supabase")
    supabase_row("20240101000000", "add_index")(s)
    s.write("m/20240101000000_add_index.sql", "select 1;\n")


@pytest.mark.parametrize("params", [{"applied": ["add_index"]}, {"latest": "add_index"}])
def test_a_supabase_name_of_two_versions_in_the_repo_is_ambiguous(scratch, params):
    supabase_name_twice(scratch)
    check = {"tool": "supabase", "from_repo": "m", **params}
    assert passed(scratch.check(check))
    scratch.write("m/20250101000000_add_index.sql", "create index i on t (id);\n")  # never applied
    outcome = scratch.check(check)
    assert outcome.status is Status.ERROR, outcome
    assert "add_index" in outcome.observed and "ambiguous: write the version or version_name" in outcome.observed
    assert "the name of versions 20240101000000, 20250101000000" in outcome.observed, outcome
    assert "repo migration not applied: 20250101000000" in outcome.observed, outcome  # the rest still said
    assert passed(scratch.check({"tool": "supabase", "applied": ["20240101000000_add_index"]}))


@pytest.mark.parametrize("params", [{"applied": ["add_index"]}, {"latest": "add_index"}])
def test_a_supabase_name_of_two_recorded_versions_is_ambiguous(scratch, params):
    supabase_name_twice(scratch)
    supabase_row("20250101000000", "add_index")(scratch)
    outcome = scratch.check({"tool": "supabase", **params})
    assert outcome.status is Status.ERROR, outcome
    assert "ambiguous: write the version or version_name" in outcome.observed, outcome
    assert passed(scratch.check({"tool": "supabase", "applied": ["20250101000000"],
                                 "latest": "20250101000000_add_index"}))


# -- a name written in another Unicode normalization ------------------------------------------------------
def test_names_that_differ_only_in_unicode_normalization_are_said_so(scratch):
    composed, decomposed = unicodedata.normalize("NFC", "1_café"), unicodedata.normalize("NFD", "1_café")
    scratch.ddl("prisma")
    prisma_attempt(scratch, composed, "select 1;\n", age_minutes=10)
    scratch.write(f"prisma/migrations/{decomposed}/migration.sql", "select 1;\n")  # as a macOS checkout may name it
    outcome = scratch.check({"tool": "prisma", "from_repo": "prisma/migrations"})
    assert outcome.status is Status.FAILED, outcome
    assert "differ only in Unicode normalization" in outcome.observed, outcome
    outcome = scratch.check({"tool": "prisma", "applied": [decomposed]})
    assert outcome.status is Status.FAILED, outcome
    assert "differ only in Unicode normalization" in outcome.observed, outcome


# -- a repo folder read as the tool reads it (pure: the history rows as the database returns them) -------------
def judged_against(tmp_path, tool: str, files: dict[str, str], rows: list[dict], **params) -> Outcome:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    check = make_check("migrations", {"tool": tool, "from_repo": ".", **params})
    listing = migrations.TOOLS[tool].read_repo(tmp_path)
    p = check.params
    answers = {"history": rows, **({"lock": []} if p.none_failed else {})}
    return migrations.judge(check, {"history": {(tool, p.history_table.label): answers},
                                    "repo": {(tool, "."): listing}, "viewer": "checker"})


def alembic_revision(rev: str, down) -> str:
    return f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n"


@pytest.mark.parametrize("broken, named", [
    ('revision = "ccc"\ndown_revision = "bbb"\ndef upgrade(:\n    pass\n', "c.py"),
    ("revision = 'ccc'\x00\n", "c.py"),
])
def test_an_alembic_revision_file_python_cannot_parse_fails_naming_it(tmp_path, broken, named):
    outcome = judged_against(tmp_path, "alembic", {"a.py": alembic_revision("aaa", None),
                                                   "b.py": alembic_revision("bbb", "aaa"), "c.py": broken},
                             [{"version_num": "bbb"}])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "alembic refuses . as it is: c.py (" in outcome.observed, outcome.observed
    assert named not in outcome.evidence["repo_ignored"]


def test_an_alembic_revision_written_as_a_tuple_assignment_is_read(tmp_path):
    outcome = judged_against(tmp_path, "alembic", {"a.py": alembic_revision("aaa", None),
                                                   "b.py": alembic_revision("bbb", "aaa"),
                                                   "c.py": 'revision, down_revision = "ccc", "bbb"\n'},
                             [{"version_num": "bbb"}])
    assert outcome.status is Status.FAILED and "1 repo migration not applied: ccc" in outcome.observed, outcome


@pytest.mark.parametrize("files, head, named", [
    ({"b.py": alembic_revision("bbb", "aaa"), "m.py": alembic_revision("mmm", ("bbb", "zzz"))}, "mmm",
     "revision mmm (m.py: its down_revision zzz is in no file of the folder"),
    ({"b.py": alembic_revision("bbb", "zzz")}, "bbb", "revision bbb (b.py: its down_revision zzz is in no file"),
    ({"a.py": alembic_revision("aaa", "bbb"), "b.py": alembic_revision("bbb", "aaa")}, "bbb",
     "revisions aaa, bbb (a cycle: each is an ancestor of itself"),
], ids=["merge-missing-parent", "missing-parent", "cycle"])
def test_an_alembic_history_that_goes_nowhere_or_round_fails_naming_it(tmp_path, files, head, named):
    files = {"a.py": alembic_revision("aaa", None), **files}
    outcome = judged_against(tmp_path, "alembic", files, [{"version_num": head}])
    assert outcome.status is Status.FAILED, outcome.observed
    assert named in outcome.observed, outcome.observed


def test_an_alembic_revision_computed_in_code_leaves_the_folder_unread(tmp_path):
    """`REV = "ddd"; revision = REV`: alembic imports the file and runs ddd; read without running it, it had been
    passed over, and a pending revision passed `from_repo`."""
    files = {"a.py": alembic_revision("aaa", None), "b.py": alembic_revision("bbb", "aaa"),
             "d.py": 'REV = "ddd"\nrevision = REV\ndown_revision = "bbb"\n'}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    listing = migrations._list_folder(make_target({"repo": str(tmp_path)}), "alembic", ".")
    assert isinstance(listing, GatherError), listing
    assert "d.py: its revision is computed (`revision = REV`)" in str(listing)


@pytest.mark.parametrize("name, text, status, seen", [
    # alembic's legacy: a file with no revision variable whose name is a revision id is that revision
    ("ddd.py", 'down_revision = "bbb"\n', Status.FAILED, "1 repo migration not applied: ddd"),
    # and one whose name is no id stops every alembic command (CommandError: could not determine revision id)
    ("helpers.py", "def add_audit_columns(op, table):\n    pass\n", Status.FAILED,
     "alembic refuses . as it is: helpers.py (no revision variable and a name that is no revision id"),
    ("__init__.py", "", Status.PASSED, "2 migrations applied"),
], ids=["legacy-name", "helpers", "init"])
def test_an_alembic_file_without_a_revision_is_read_as_alembic_reads_it(tmp_path, name, text, status, seen):
    outcome = judged_against(tmp_path, "alembic", {"a.py": alembic_revision("aaa", None),
                                                   "b.py": alembic_revision("bbb", "aaa"), name: text},
                             [{"version_num": "bbb"}])
    assert outcome.status is status, outcome.observed
    assert seen in outcome.observed, outcome.observed


def test_an_alembic_parent_that_is_a_branch_label_is_no_missing_parent(tmp_path):
    files = {"a.py": alembic_revision("aaa", None) + "branch_labels = ('core',)\n",
             "b.py": "revision = 'bbb'\ndown_revision = None\nbranch_labels = ['extra']\ndepends_on = 'core'\n"}
    outcome = judged_against(tmp_path, "alembic", files, [{"version_num": "aaa"}, {"version_num": "bbb"}])
    assert outcome.status is Status.PASSED, outcome.observed


LIQUIBASE_XML = ('<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
                 '{}\n</databaseChangeLog>\n')


def changeset(cid: str, author: str, extra: str = "") -> str:
    return f'<changeSet id="{cid}" author="{author}" {extra}><sql>select 1</sql></changeSet>'


def liquibase_record(cid: str, author: str) -> dict:
    return {"id": cid, "author": author, "filename": "a.xml", "exectype": "EXECUTED"}


@pytest.mark.parametrize("name, text", [
    ("b.xml", LIQUIBASE_XML.format(changeset("2", "bob")).replace("</databaseChangeLog>", "")),
    ("b.yaml", "databaseChangeLog:\n  - changeSet:\n      id: 2\n      author: bob\n      changes: [\n"),
    ("b.json", '{"databaseChangeLog": [{"changeSet": {"id": "2", "author": "bob",}}]}'),
])
def test_a_liquibase_changelog_that_does_not_parse_fails_naming_it(tmp_path, name, text):
    outcome = judged_against(tmp_path, "liquibase", {"a.xml": LIQUIBASE_XML.format(changeset("1", "alice")),
                                                     name: text, "notes.xml": "<notes><unclosed></notes>"},
                             [liquibase_record("1", "alice")])
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"liquibase refuses . as it is: {name} (" in outcome.observed, outcome.observed
    assert outcome.evidence["repo_ignored"] == ["notes.xml"]  # no changelog: not Liquibase's


def test_a_formatted_sql_changelog_with_a_byte_order_mark_is_read(tmp_path):
    outcome = judged_against(tmp_path, "liquibase", {
        "a.xml": LIQUIBASE_XML.format(changeset("1", "alice")),
        "b.sql": "\ufeff--liquibase formatted sql\n--changeset bob:2\nselect 2;\n",
        "c.json": '\ufeff{"databaseChangeLog": [{"changeSet": {"id": "3", "author": "carol", "changes": []}}]}'},
        [liquibase_record("1", "alice")])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "2 repo migrations not applied: b.sql::2::bob, c.json::3::carol" in outcome.observed, outcome.observed


@pytest.mark.parametrize("line, key", [
    ("--changeset John Smith:2", "b.sql::2::John Smith"),  # the author runs to the first colon, spaces and all
    ('--changeset "Jane Doe":"two ids" context:', "b.sql::two ids::Jane Doe"),  # one pair of quotes dropped
    ("--changeset 'bob':'2'", "b.sql::2::bob"),
    ("  --  ChangeSet bob:2 runOnChange:true", "b.sql::2::bob"),
])
def test_a_formatted_sql_changeset_is_read_as_liquibase_reads_its_line(tmp_path, line, key):
    """AbstractFormattedChangeLogParser's `changeset\\s+("[^"]+"|[^:]+):\\s*("[^"]+"|\\S+)`: an author with a space
    had been no changeset at all, and the pending changeset passed."""
    outcome = judged_against(tmp_path, "liquibase", {
        "a.sql": "--liquibase formatted sql\n--changeset alice:1\nselect 1;\n",
        "b.sql": f"--liquibase formatted sql\n{line}\nselect 2;\n"}, [liquibase_row_of("1", "alice", "a.sql")])
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"1 repo migration not applied: {key}" in outcome.observed, outcome.observed


@pytest.mark.parametrize("line, says", [
    ("--changeset alice: 3", "line 3 (--changeset alice: 3) is not --changeset <author>:<id>: a space before the id"),
    ("--changeset alice", "line 3 (--changeset alice) is not --changeset <author>:<id>"),
    ("-- changeset notes follow", "line 3 (-- changeset notes follow) is not --changeset <author>:<id>"),
    ("--changeset alice::", "line 3 (--changeset alice::): the changeset id is empty"),
])
def test_a_formatted_sql_line_liquibase_refuses_fails_naming_it(tmp_path, line, says):
    """Liquibase stops its parse at such a line (ChangeLogParseException), so none of the changelog deploys; it had
    been passed over, and the changesets it holds with it."""
    outcome = judged_against(tmp_path, "liquibase", {
        "a.sql": f"--liquibase formatted sql\n--changeset alice:1\n{line}\nselect 2;\n"},
        [liquibase_row_of("1", "alice", "a.sql")])
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"liquibase refuses . as it is: a.sql (Liquibase cannot parse this changelog: {says}" in outcome.observed, \
        outcome.observed


@pytest.mark.parametrize("header", ["--liquibase formatted", "--liquibaseformatted sql", "\n\n  -- Liquibase Formatted SQL"])
def test_a_formatted_sql_header_is_the_one_liquibase_takes(tmp_path, header):
    """FIRST_LINE_REGEX `\\s*--\\s*liquibase\\s*formatted.*` on the first line not blank: its changesets had gone unseen
    where the header lacked ` sql`."""
    outcome = judged_against(tmp_path, "liquibase", {
        "a.sql": "--liquibase formatted sql\n--changeset alice:1\nselect 1;\n",
        "b.sql": f"{header}\n--changeset bob:2\nselect 2;\n"}, [liquibase_row_of("1", "alice", "a.sql")])
    assert outcome.status is Status.FAILED and "1 repo migration not applied: b.sql::2::bob" in outcome.observed, \
        outcome.observed


def test_a_changeset_in_an_ignore_lines_block_is_none(tmp_path):
    outcome = judged_against(tmp_path, "liquibase", {
        "a.sql": "--liquibase formatted sql\n--changeset alice:1\nselect 1;\n--ignoreLines:start\n--changeset x:9\n"
                 "--ignoreLines:end\n--ignoreLines:1\n--changeset x:10\n"}, [liquibase_row_of("1", "alice", "a.sql")])
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("extra, sql", [
    ('context="test"', "context:test"), ('contexts="test"', "contextFilter:test"), ('labels="v2"', "labels:v2"),
])
def test_a_liquibase_changeset_filtered_by_context_or_label_is_not_judged(tmp_path, extra, sql):
    outcome = judged_against(tmp_path, "liquibase", {
        "a.xml": LIQUIBASE_XML.format(changeset("1", "alice") + changeset("2", "alice", extra)),
        "b.sql": f"--liquibase formatted sql\n--changeset bob:3 {sql}\nselect 3;\n"}, [liquibase_record("1", "alice")])
    assert outcome.status is Status.PASSED, outcome.observed
    assert "2 repo migrations not judged (filtered by context or labels): a.xml::2::alice, b.sql::3::bob" in outcome.observed
    applied = judged_against(tmp_path, "liquibase", {}, [liquibase_record("1", "alice"), liquibase_record("2", "alice")])
    assert applied.status is Status.PASSED, applied.observed  # where that context runs: known, not "unknown"


@pytest.mark.parametrize("dbms, expected", [("h2", False), ("h2, mysql", False), ("!postgresql", False),
                                            ("none", False), ("postgresql", True), ("all", True), ("!h2", True)])
def test_a_liquibase_changeset_for_another_database_is_not_expected(tmp_path, dbms, expected):
    outcome = judged_against(tmp_path, "liquibase", {
        "a.xml": LIQUIBASE_XML.format(changeset("1", "alice") + changeset("2", "alice", f'dbms="{dbms}"'))},
        [liquibase_record("1", "alice")])
    assert (outcome.status is Status.FAILED) is expected, outcome.observed
    if not expected:
        assert any("2::alice" in ignored and "PostgreSQL" in ignored for ignored in outcome.evidence["repo_ignored"])


DJANGO_SQUASH = ("from django.db import migrations\nclass Migration(migrations.Migration):\n"
                 "    replaces = [('orders', '0001_initial'), ('orders', '0002_total')]\n    operations = []\n")


def test_a_django_squash_whose_originals_are_gone_passes_with_their_rows(tmp_path):
    """What `migrate` writes: the originals' rows, then the squash's; the originals' files deleted afterwards."""
    files = {"orders/__init__.py": "", "orders/migrations/__init__.py": "",
             "orders/migrations/0001_squashed_0002_total.py": DJANGO_SQUASH}
    rows = [{"app": "orders", "name": n} for n in ("0001_initial", "0002_total", "0001_squashed_0002_total")]
    outcome = judged_against(tmp_path, "django", files, rows)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("apps_py, app", [
    ("from django.apps import AppConfig\nclass OrdersConfig(AppConfig):\n    name = 'orders'\n    label = 'shop'\n",
     "shop"),
    ("from django.apps import AppConfig\nclass OrdersConfig(AppConfig):\n    name = 'orders'\n", "orders"),
])
def test_a_django_app_is_named_by_its_label(tmp_path, apps_py, app):
    files = {"orders/__init__.py": "", "orders/apps.py": apps_py, "orders/migrations/__init__.py": "",
             "orders/migrations/0001_initial.py": "class Migration:\n    pass\n"}
    outcome = judged_against(tmp_path, "django", files, [{"app": app, "name": "0001_initial"}])
    assert outcome.status is Status.PASSED, outcome.observed


# -- liquibase: a changeset is id, author and changelog file -------------------------------------------------
def liquibase_row_of(cid: str, author: str, filename: str, kind: str = "EXECUTED") -> dict:
    return {"id": cid, "author": author, "filename": filename, "exectype": kind}


PER_FILE = {"changelog/001_a.sql": "--liquibase formatted sql\n--changeset alice:1\ncreate table a (id int);\n",
            "changelog/002_b.sql": "--liquibase formatted sql\n--changeset alice:1\ncreate table b (id int);\n"}


def test_a_liquibase_id_numbered_per_file_is_a_changeset_of_each_file(tmp_path):
    outcome = judged_against(tmp_path, "liquibase", PER_FILE, [liquibase_row_of("1", "alice", "changelog/001_a.sql")],
                             none_failed=True)
    assert outcome.status is Status.FAILED, outcome.observed
    assert "1 repo migration not applied: changelog/002_b.sql::1::alice" in outcome.observed, outcome.observed
    ran = [liquibase_row_of("1", "alice", "changelog/001_a.sql"), liquibase_row_of("1", "alice", "changelog/002_b.sql")]
    assert judged_against(tmp_path, "liquibase", {}, ran, none_failed=True).status is Status.PASSED


@pytest.mark.parametrize("recorded", ["changelog/001_a.sql", "classpath:changelog/001_a.sql", "/changelog/001_a.sql",
                                      "classpath:/db/changelog/001_a.sql", "001_a.sql", "db\\changelog\\001_a.sql"])
def test_a_liquibase_row_names_its_file_as_liquibase_records_it(tmp_path, recorded):
    """The recorded path is the changelog's as the run found it (classpath root, search path): matched to the
    folder's file by the longest run of trailing path parts the two share whole."""
    outcome = judged_against(tmp_path, "liquibase", {"changelog/001_a.sql": PER_FILE["changelog/001_a.sql"]},
                             [liquibase_row_of("1", "alice", recorded)])
    assert outcome.status is Status.PASSED, outcome.observed
    outcome = judged_against(tmp_path / "changelog", "liquibase", {}, [liquibase_row_of("1", "alice", recorded)])
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_failed_liquibase_changeset_is_not_hidden_by_another_files_changeset_of_its_id():
    check = make_check("migrations", {"tool": "liquibase", "none_failed": True})
    rows = [liquibase_row_of("1", "alice", "changelog/002_b.sql", "FAILED"),
            liquibase_row_of("1", "alice", "changelog/001_a.sql")]
    outcome = migrations.judge(check, {"history": {("liquibase", "public.databasechangelog"): {
        "history": rows, "lock": []}}, "repo": {}, "viewer": "checker"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert "changeset alice:1 (changelog/002_b.sql) FAILED" in outcome.observed, outcome.observed


def test_a_liquibase_row_two_files_of_the_folder_could_be_is_ambiguous(tmp_path):
    files = {"a/x.sql": PER_FILE["changelog/001_a.sql"], "b/x.sql": PER_FILE["changelog/002_b.sql"]}
    outcome = judged_against(tmp_path, "liquibase", files, [liquibase_row_of("1", "alice", "x.sql")])
    assert outcome.status is Status.ERROR, outcome.observed
    assert "ambiguous" in outcome.observed and "a/x.sql" in outcome.observed and "b/x.sql" in outcome.observed
    # the row that names more of the path is told apart
    outcome = judged_against(tmp_path, "liquibase", {}, [liquibase_row_of("1", "alice", "db/a/x.sql"),
                                                         liquibase_row_of("1", "alice", "db/b/x.sql")])
    assert outcome.status is Status.PASSED, outcome.observed


def test_two_liquibase_rows_of_one_file_of_the_folder_in_different_states_are_ambiguous(tmp_path):
    rows = [liquibase_row_of("1", "alice", "old/x.sql"), liquibase_row_of("1", "alice", "new/x.sql", "FAILED")]
    outcome = judged_against(tmp_path, "liquibase", {"x.sql": PER_FILE["changelog/001_a.sql"]}, rows)
    assert outcome.status is Status.ERROR, outcome.observed
    assert "ambiguous" in outcome.observed and "old/x.sql" in outcome.observed and "new/x.sql" in outcome.observed


def test_a_liquibase_name_two_changesets_bear_is_ambiguous(tmp_path):
    outcome = judged_against(tmp_path, "liquibase", PER_FILE, [liquibase_row_of("1", "alice", "changelog/001_a.sql")],
                             applied=["alice:1"])
    assert outcome.status is Status.ERROR, outcome.observed
    assert "could not tell which migration alice:1 means" in outcome.observed, outcome.observed
    outcome = judged_against(tmp_path, "liquibase", {}, [liquibase_row_of("1", "alice", "changelog/001_a.sql")],
                             applied=["changelog/001_a.sql::1::alice"])
    assert "could not tell" not in outcome.observed and "002_b.sql::1::alice" in outcome.observed, outcome.observed


# -- liquibase: a context or label filter on an include ----------------------------------------------------
def liquibase_include(extra: str) -> str:
    return LIQUIBASE_XML.format(f'<include file="main.xml" relativeToChangelogFile="true"/>{extra}')


@pytest.mark.parametrize("master, name, data", [
    (liquibase_include('<include file="test-data.xml" relativeToChangelogFile="true" context="test"/>'), "master.xml",
     "test-data.xml"),
    (liquibase_include('<include file="cl/test-data.xml" contextFilter="test"/>'), "master.xml", "test-data.xml"),
    (liquibase_include('<includeAll path="data/" relativeToChangelogFile="true" labels="seed"/>'), "master.xml",
     "data/seed.xml"),
    ("databaseChangeLog:\n  - include: {file: main.xml, relativeToChangelogFile: true}\n"
     "  - include: {file: test-data.xml, relativeToChangelogFile: true, context: test}\n", "master.yaml",
     "test-data.xml"),
    ('{"databaseChangeLog": [{"include": {"file": "cl/main.xml"}},'
     ' {"includeAll": {"path": "classpath:cl/data", "context": "test"}}]}', "master.json", "data/more/seed.xml"),
])
def test_a_liquibase_include_filtered_by_context_or_label_is_not_judged(tmp_path, master, name, data):
    outcome = judged_against(tmp_path / "cl", "liquibase", {
        name: master, "main.xml": LIQUIBASE_XML.format(changeset("m1", "a")),
        data: LIQUIBASE_XML.format(changeset("td1", "a"))}, [{**liquibase_record("m1", "a"), "filename": "cl/main.xml"}])
    assert outcome.status is Status.PASSED, outcome.observed
    assert f"1 repo migration not judged (included by {name} with a context or label filter): {data}::td1::a" \
        in outcome.observed, outcome.observed


def test_a_liquibase_file_included_without_a_filter_anywhere_is_judged(tmp_path):
    master = liquibase_include('<include file="data.xml" relativeToChangelogFile="true" context="test"/>'
                               '<include file="data.xml" relativeToChangelogFile="true"/>')
    outcome = judged_against(tmp_path, "liquibase", {
        "master.xml": master, "main.xml": LIQUIBASE_XML.format(changeset("m1", "a")),
        "data.xml": LIQUIBASE_XML.format(changeset("td1", "a"))}, [liquibase_record("m1", "a") | {"filename": "main.xml"}])
    assert outcome.status is Status.FAILED and "data.xml::td1::a" in outcome.observed, outcome.observed


# -- flyway: a history with rows and nothing applied is empty; a renamed migration is refused -------------------
def test_a_flyway_history_of_only_its_schema_row_is_empty(scratch):
    """What Flyway leaves when `locations` is wrong: the table and its SCHEMA row, no migration run."""
    scratch.ddl("flyway")
    flyway_row(scratch, 0, None, "<< Flyway Schema Creation >>", '"public"', None, kind="SCHEMA")
    outcome = scratch.check({"tool": "flyway", "none_failed": True})
    assert outcome.status is Status.ERROR and "nothing was checked" in outcome.observed, outcome
    assert passed(scratch.check({"tool": "flyway", "none_failed": True, "allow_empty": True}))
    flyway_row(scratch, 1, "1", "init", "V1__init.sql", 1, success=False)
    assert scratch.check({"tool": "flyway", "none_failed": True}).status is Status.FAILED  # a failure is judged


@pytest.mark.parametrize("file, described, refused", [
    ("V1__add_users.sql", "add users", False),  # underscores read as spaces
    ("V1__add_users.sql", "add_users", True),
    ("V1__totally_different.sql", "init", True),
    ("V1__" + "x" * 210 + ".sql", "x" * 197 + "...", False),  # Flyway records 200 characters at most
    ("V1__.sql", "<< no description >>", False),
])
def test_flyway_compares_each_applied_versions_description_as_its_validate_does(tmp_path, file, described, refused):
    outcome = judged_against(tmp_path, "flyway", {file: "select 1;\n"}, [
        {"installed_rank": 1, "version": "1", "description": described, "type": "SQL", "script": file,
         "checksum": 1, "success": True}])
    assert (outcome.status is Status.FAILED) is refused, outcome.observed
    if refused:
        assert f'version 1 ({file} describes it as "' in outcome.observed, outcome.observed


def test_flyway_compares_no_checksum_of_a_version_below_its_baseline(tmp_path):
    """`flyway baseline` on an existing database: V1 ran before Flyway kept this history, with no row and no
    checksum; its validate compares none. `checksums: true` had failed this healthy history."""
    from opsverify.families.migration_tools import flyway

    six = "create table six (id int);\n"
    rows = [{"installed_rank": 1, "version": "5", "description": "<< Flyway Baseline >>", "type": "BASELINE",
             "script": "<< Flyway Baseline >>", "checksum": None, "success": True},
            {"installed_rank": 2, "version": "6", "description": "six", "type": "SQL", "script": "V6__six.sql",
             "checksum": int(flyway.checksum(six.encode())), "success": True}]
    check = make_check("migrations", {"tool": "flyway", "from_repo": ".", "checksums": True, "latest": "6"})
    for name, text in {"V1__init.sql": "create table a (id int);\n", "V6__six.sql": six}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    listing = migrations.TOOLS["flyway"].read_repo(tmp_path, checksums=True)
    outcome = migrations.judge(check, {"history": {("flyway", check.params.history_table.label): {"history": rows}},
                                       "repo": {("flyway", "."): listing}, "viewer": "checker"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_flyway_does_not_compare_the_description_of_a_version_up_to_its_baseline(tmp_path):
    rows = [{"installed_rank": 1, "version": "2", "description": "<< Flyway Baseline >>", "type": "BASELINE",
             "script": "<< Flyway Baseline >>", "checksum": None, "success": True}]
    outcome = judged_against(tmp_path, "flyway", {"V1__renamed.sql": "select 1;\n", "V2__b.sql": "select 2;\n"}, rows)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("files", [
    {"db/changelog.xml": LIQUIBASE_XML.format(changeset("1", "al") + changeset("2", "al", 'ignore="true"'))},
    {"db/changelog.sql": "--liquibase formatted sql\n--changeset al:1\nselect 1;\n--changeset al:2 ignore:true\n"
                         "select 2;\n"},
    {"db/changelog.yaml": "databaseChangeLog:\n  - changeSet: {id: '1', author: al, changes: []}\n"
                          "  - changeSet: {id: '2', author: al, ignore: true, changes: []}\n"},
], ids=["xml", "sql", "yaml"])
def test_a_liquibase_changeset_marked_ignore_is_never_expected_applied(tmp_path, files):
    """Liquibase never runs a changeset with `ignore: true`: it had been expected applied, failing a healthy repo."""
    name = next(iter(files))
    outcome = judged_against(tmp_path, "liquibase", files, [liquibase_row_of("1", "al", name)])
    assert outcome.status is Status.PASSED, outcome.observed
    assert any("ignore: true" in line for line in outcome.evidence["repo_ignored"]), outcome.evidence


@pytest.mark.parametrize("files", [
    {"moved/a.xml": LIQUIBASE_XML.format(changeset("1", "alice")).replace(
        "<databaseChangeLog ", '<databaseChangeLog logicalFilePath="db/changelog/a.xml" ')},
    {"moved/a.xml": LIQUIBASE_XML.format(changeset("1", "alice", 'logicalFilePath="db/changelog/a.xml"'))},
    {"moved/a.yaml": "databaseChangeLog:\n  - logicalFilePath: db/changelog/a.xml\n"
                     "  - changeSet: {id: '1', author: alice, changes: []}\n"},
    {"moved/a.sql": "--liquibase formatted sql\n--changeset alice:1 logicalFilePath:db/changelog/a.xml\nselect 1;\n"},
])
def test_a_liquibase_changelog_with_a_logical_file_path_is_known_by_it(tmp_path, files):
    """logicalFilePath is what Liquibase records instead of the file's path: a changelog moved keeps its rows."""
    outcome = judged_against(tmp_path, "liquibase", files, [liquibase_row_of("1", "alice", "db/changelog/a.xml")])
    assert outcome.status is Status.PASSED, outcome.observed


# -- what Prisma and the Supabase CLI do, as their sources do it --------------------------------------------
@pytest.mark.parametrize("lock, seen", [
    ('# Please do not edit this file manually\nprovider = "sqlite"\n', 'names provider "sqlite"'),
    ('provider = "cockroachdb"\n', 'names provider "cockroachdb"'),
    # error_on_changed_provider reads the first line starting `provider`, less `provider = ` and quotes: no TOML
    ('provider="postgresql"\n', 'names provider "provider=\\"postgresql"'),
    ('# nothing else\n', "names no provider"),
])
def test_prisma_refuses_a_folder_whose_lock_file_names_another_provider(scratch, lock, seen):
    """`migrate deploy` checks migration_lock.toml first (P3019): a folder made for another database deploys none of
    its migrations, applied or not."""
    prisma_healthy(scratch)
    scratch.write("prisma/migrations/migration_lock.toml", lock)
    outcome = scratch.check(PRISMA)
    assert outcome.status is Status.FAILED, outcome
    assert "prisma refuses prisma/migrations as it is: migration_lock.toml (" in outcome.observed, outcome.observed
    assert seen in outcome.observed and "P3019" in outcome.observed, outcome.observed
    assert list(outcome.evidence["repo_refused"]) == ["migration_lock.toml"], outcome


@pytest.mark.parametrize("lock", ['provider = "postgresql"\r\n', '# comment\nprovider = "postgresql"', None, "link"])
def test_prisma_takes_a_postgresql_lock_file_or_none_it_can_read(scratch, lock):
    """CRLF lines are lines to it; no lock file, or one it cannot read (listMigrations: readFile(...).catch(() =>
    null)), is no provider check at all."""
    prisma_healthy(scratch)
    path = scratch.repo / "prisma/migrations/migration_lock.toml"
    path.unlink()
    if lock == "link":
        path.symlink_to(scratch.repo / "gone.toml")
    elif lock is not None:
        scratch.write("prisma/migrations/migration_lock.toml", lock)
    assert passed(scratch.check(PRISMA)), scratch.check(PRISMA)


PRISMA_P4 = {**PRISMA, "latest": P4}  # P4 applied last


def test_a_prisma_attempt_that_failed_then_was_marked_finished_by_hand_fails_none_failed(scratch):
    """A failed step writes `logs` (record_failed_step) and counts no step; a deploy that succeeds counts its step, and
    `migrate resolve --applied` writes logs ''. finished_at set by hand over such a row (the P3009 "fix") makes
    Prisma take it for applied, though its script failed part way."""
    prisma_healthy(scratch)
    prisma_attempt(scratch, P4, script(P4), age_minutes=10, finished=False)
    scratch.write(f"prisma/migrations/{P4}/migration.sql", script(P4))
    scratch.sql("update _prisma_migrations set finished_at = now() where migration_name = %s", P4)
    outcome = scratch.check(PRISMA_P4)
    assert outcome.status is Status.FAILED, outcome
    assert f"{P4} failed (started " in outcome.observed and "finished_at was set over its failure" in outcome.observed
    assert "prisma migrate resolve" in outcome.observed, outcome.observed
    # what Prisma itself leaves: `migrate resolve --applied` (logs '', no step), an old CLI's success (logs: its script)
    scratch.sql("update _prisma_migrations set logs = '' where migration_name = %s", P4)
    assert passed(scratch.check(PRISMA_P4)), scratch.check(PRISMA_P4)
    scratch.sql("update _prisma_migrations set logs = %s, applied_steps_count = 1 where migration_name = %s",
                script(P4), P4)
    assert passed(scratch.check(PRISMA_P4)), scratch.check(PRISMA_P4)


def test_a_prisma_script_of_no_utf8_is_hashed_as_prisma_reads_it(scratch):
    """The CLI reads migration.sql as utf-8 (invalid bytes: U+FFFD) and the engine hashes that text."""
    prisma_healthy(scratch)
    latin1 = b"-- caf\xe9\ncreate table latin (id int);\n"
    scratch.write(f"prisma/migrations/{P4}/migration.sql", latin1)
    recorded = hashlib.sha256(latin1.decode("utf-8", "replace").encode()).hexdigest()
    scratch.sql("insert into _prisma_migrations (id, checksum, finished_at, migration_name, started_at,"
                " applied_steps_count) values ('latin', %s, now(), %s, now(), 1)", recorded, P4)
    assert passed(scratch.check(PRISMA_P4)), scratch.check(PRISMA_P4)
    scratch.sql("update _prisma_migrations set checksum = %s where id = 'latin'", hashlib.sha256(b"other").hexdigest())
    outcome = scratch.check(PRISMA_P4)
    assert outcome.status is Status.FAILED and f"{P4} (recorded " in outcome.observed, outcome
    assert outcome.evidence["checksum_differs"][P4]["file"] == recorded, outcome.evidence


@pytest.mark.parametrize("params, seen", [({"applied": ["20240301000000"]}, "not applied: 20240301000000"),
                                          ({"latest": "20240301000000"}, "not 20240301000000")])
def test_a_supabase_label_of_digits_is_a_version_never_a_name(scratch, params, seen):
    """The CLI knows a migration by its version: digits that are another row's name do not name that row."""
    scratch.ddl("supabase")
    supabase_row("20240101000000", "init")(scratch)
    supabase_row("20240201000000", "20240301000000")(scratch)
    outcome = scratch.check({"tool": "supabase", **params})
    assert outcome.status is Status.FAILED and seen in outcome.observed, outcome
    assert passed(scratch.check({"tool": "supabase", "applied": ["20240201000000_20240301000000", "init"]}))


def test_supabase_skips_a_first_file_holding_a_legacy_init_name_anywhere_as_the_cli_does(tmp_path):
    """shouldSkip's `([0-9]{14})_init\\.sql` is not anchored: FindStringSubmatch finds it inside a longer name."""
    for name in ("0_20200101000000_init.sql", "20240101000000_orders.sql"):
        (tmp_path / name).write_text("select 1;")
    listing = supabase.read_repo(tmp_path)
    assert [m.key for m in listing.migrations] == ["20240101000000"], listing
    assert listing.ignored == ("0_20200101000000_init.sql",)
