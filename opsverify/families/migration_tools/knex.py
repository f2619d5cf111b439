"""Knex (`knex migrate:latest`).

Tables (lib/migrations/migrate/table-creator.js; on PostgreSQL, as `--debug` prints them):
knex_migrations ("id" serial primary key, "name" varchar(255), "batch" integer,
"migration_time" timestamptz), one row per applied file, name = the file name with its
extension; and knex_migrations_lock ("index" serial primary key, "is_locked" integer), whose row
stays at 1 when a run died holding the lock (`knex migrate:unlock`). Files: the migrations folder
itself (no subfolders), extensions .co .coffee .eg .iced .js .cjs .litcoffee .ls .ts
(DEFAULT_LOAD_EXTENSIONS). Each migration runs in a transaction: no failure row, no checksum.
"""

from __future__ import annotations

from pathlib import Path

from ._model import Applied, History, Query, RepoListing, RepoMigration, Table, visible_files

NAME = "knex"
TABLE = "public.knex_migrations"
LAYOUT = "<timestamp>_<name>.js|.ts|.cjs (…)"
RECORDS_FAILURES = True  # the lock held by a run that died
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = None

EXTENSIONS = (".co", ".coffee", ".eg", ".iced", ".js", ".cjs", ".litcoffee", ".ls", ".ts")


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    found = {"history": Query(table, f"select name from {table.sql} order by id")}
    if none_failed:
        lock = table.sibling(f"{table.name}_lock")
        found["lock"] = Query(lock, f"select is_locked from {lock.sql}")
    return found


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored = [], []
    for path in visible_files(folder):
        if path.suffix in EXTENSIONS:
            migrations.append(RepoMigration(path.name, path.name))
        else:
            ignored.append(path.name)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored))


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = answers["history"]
    applied = tuple(Applied(str(r["name"]), _labels(str(r["name"]))) for r in rows)
    held = [r for r in answers.get("lock", []) if r["is_locked"]]
    failures = ("the migration lock is held (is_locked = 1 in the _lock table): a run is under way or died;"
                " `knex migrate:unlock` once none runs",) if held else ()
    return History(applied, recorded=len(rows), failures=failures)


def _labels(name: str) -> frozenset[str]:
    stem = name.rsplit(".", 1)[0] if any(name.endswith(e) for e in EXTENSIONS) else name
    return frozenset({name, stem})
