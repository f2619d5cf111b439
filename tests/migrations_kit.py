"""A scratch database on the demo's PostgreSQL and a repo checkout in tmp_path, with each migration
tool's table created by the tool's own DDL (tests/data/migrations/<tool>.sql) and rows written as
the tool writes them."""

from __future__ import annotations

import hashlib
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import psycopg

from opsverify.engine import gather_and_judge
from opsverify.families import migrations
from opsverify.families.migration_tools import flyway
from opsverify.outcome import Outcome

from .kit import make_check, make_target

DDL = Path(__file__).resolve().parent / "data" / "migrations"


class Scratch:
    def __init__(self, conn: psycopg.Connection, repo: Path, url: str):
        self.conn = conn
        self.repo = repo
        self.url = url
        self.target = make_target({"database": url, "repo": str(repo)})

    def ddl(self, tool: str, *, schema: str | None = None) -> None:
        text = (DDL / f"{tool}.sql").read_text()
        if schema:  # what the tool does when told to keep its history in another schema
            self.sql(f'create schema if not exists "{schema}"')
            text = text.replace('"public".', f'"{schema}".').replace("public.", f"{schema}.")
        self.sql(text)

    def sql(self, statement: str, *params: Any) -> None:
        self.conn.execute(statement, params or None)

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    def remove(self, relative: str) -> None:
        """As a checkout has it once the file is gone: git keeps no empty folder (a Prisma migration folder
        left empty is one Prisma refuses)."""
        path = self.repo / relative
        path.unlink()
        for folder in path.parents:
            if folder == self.repo or any(folder.iterdir()):
                break
            folder.rmdir()

    def check(self, params: dict) -> Outcome:
        return gather_and_judge(self.target, migrations, [make_check("migrations", params)])[0]

    def close(self) -> None:
        self.target.close()
        self.conn.close()


@contextmanager
def scratch_database(deployment, repo: Path) -> Iterator[Scratch]:
    """A fresh database (dropped at the end, even when the test fails) and a repo checkout."""
    name = f"mig_{uuid.uuid4().hex[:12]}"
    with deployment.pg.admin() as admin:
        admin.execute(f'create database "{name}"')
    scratch = None
    try:
        scratch = Scratch(psycopg.connect(deployment.pg.url(name), autocommit=True), repo, deployment.pg.url(name))
        yield scratch
    finally:
        if scratch is not None:
            scratch.close()
        with deployment.pg.admin() as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


# -- rows as each tool writes them ----------------------------------------------------------
def prisma_checksum(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()


def prisma_attempt(s: Scratch, name: str, script: str, *, age_minutes: int, finished: bool = True,
                   rolled_back_after: int | None = None) -> None:
    """One row of `migrate deploy` (record_migration_started, then finished or failed); a rolled-back
    attempt is what `migrate resolve --rolled-back` leaves."""
    s.sql("insert into _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at,"
          " started_at, applied_steps_count)"
          " select %s, %s, case when %s then t.started + interval '1 second' end, %s, %s,"
          " t.started + make_interval(mins => %s::int), t.started, %s"
          " from (select now() - make_interval(mins => %s) as started) as t",
          str(uuid.uuid4()), prisma_checksum(script), finished, name,
          None if finished else "Database error code: 42P07", rolled_back_after, 1 if finished else 0, age_minutes)


def flyway_row(s: Scratch, rank: int, version: str | None, description: str, script: str, checksum: int | None,
               *, kind: str = "SQL", success: bool = True) -> None:
    s.sql("insert into flyway_schema_history (installed_rank, version, description, type, script, checksum,"
          " installed_by, execution_time, success) values (%s, %s, %s, %s, %s, %s, 'flyway', 12, %s)",
          rank, version, description, kind, script, checksum, success)


def flyway_file(s: Scratch, relative: str, text: str) -> int:
    """Write a migration file; its checksum as Flyway computes and stores it."""
    return int(flyway.checksum(s.write(relative, text).read_bytes()))


def prisma_field_scene(s: Scratch) -> None:
    """For tests/fields/migrations.py: two applied Prisma migrations (the second after a resolved
    failure); prisma/migrations holds both, the second edited since it ran; prisma/pending holds a
    third that never ran."""
    s.ddl("prisma")
    first, second, third = "20240101000000_init", "20240201000000_orders", "20240301000000_totals"
    prisma_attempt(s, first, "create table a (id int);\n", age_minutes=300)
    prisma_attempt(s, second, "create table b (id int);\n", age_minutes=210, finished=False, rolled_back_after=5)
    prisma_attempt(s, second, "create table b (id int);\n", age_minutes=200)
    s.write(f"prisma/migrations/{first}/migration.sql", "create table a (id int);\n")
    s.write(f"prisma/migrations/{second}/migration.sql", "create table b (id bigint);\n")
    s.write(f"prisma/pending/{first}/migration.sql", "create table a (id int);\n")
    s.write(f"prisma/pending/{second}/migration.sql", "create table b (id int);\n")
    s.write(f"prisma/pending/{third}/migration.sql", "create table c (id int);\n")
