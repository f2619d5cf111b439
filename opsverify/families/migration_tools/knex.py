"""Knex (`knex migrate:latest`).

Tables (lib/migrations/migrate/table-creator.js; on PostgreSQL, as `--debug` prints them):
knex_migrations ("id" serial primary key, "name" varchar(255), "batch" integer,
"migration_time" timestamptz), one row per applied file, name = the file name with its
extension; and knex_migrations_lock ("index" serial primary key, "is_locked" integer), whose row
stays at 1 when a run died holding the lock (`knex migrate:unlock`). Knex locks by `update … set is_locked = 1
where is_locked = 0` and throws unless exactly one row changed (Migrator.js `_lockMigrations`): a table of two
rows (a first-run race) or a NULL fails every run for good. An empty one is fine: knex inserts its row first
(table-creator.js `_insertLockRowIfNeeded`). Files: the migrations folder
itself (no subfolders), extensions .co .coffee .eg .iced .js .cjs .litcoffee .ls .ts
(DEFAULT_LOAD_EXTENSIONS). Each migration runs in a transaction: no failure row, no checksum.
"""

from __future__ import annotations

from pathlib import Path

from .._common import plural
from ._model import Applied, History, Query, RepoListing, RepoMigration, Table, typed_rows, visible_files

NAME = "knex"
TABLE = "public.knex_migrations"
LAYOUT = "<timestamp>_<name>.js|.ts|.cjs (…)"
RECORDS_FAILURES = True  # the lock held by a run that died
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = None

EXTENSIONS = (".co", ".coffee", ".eg", ".iced", ".js", ".cjs", ".litcoffee", ".ls", ".ts")
# as table-creator.js writes them; a NULL is_locked is its DDL's (a lock knex cannot take), a boolean false is not 0
# to knex's `where is_locked = 0` (PostgreSQL has no boolean = integer): every run fails
COLUMNS = {"history": {"name": "text"}, "lock": {"is_locked": "integer?"}}


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
    for path in visible_files(folder, takes=lambda name: Path(name).suffix in EXTENSIONS):
        if path.suffix in EXTENSIONS:
            migrations.append(RepoMigration(path.name, path.name))
        else:
            ignored.append(path.name)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored))


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "name")
    applied = tuple(Applied(r["name"], _labels(r["name"])) for r in rows)
    locks = typed_rows(answers.get("lock", []), COLUMNS["lock"], what="lock row")
    return History(applied, recorded=len(rows), failures=_lock_failures(locks))


def _lock_failures(rows: list[dict]) -> tuple[str, ...]:
    """What keeps the next run from taking the lock: the update of the rows at 0 to 1 must change exactly one row."""
    states = [r["is_locked"] for r in rows]
    if states in ([], [0]):  # an empty table gets its one row at 0 before knex locks
        return ()
    if states == [1]:
        return ("the migration lock is held (is_locked = 1 in the _lock table): a run is under way or died;"
                " `knex migrate:unlock` once none runs",)
    shown = ", ".join("NULL" if s is None else str(s) for s in states[:5]) + (", …" if len(states) > 5 else "")
    return (f"the _lock table holds {plural(len(states), 'row')} (is_locked {shown}), not one row at 0: knex"
            " takes the lock only when `set is_locked = 1 where is_locked = 0` changes exactly one row, so every run"
            " fails (\"Migration table is already locked\"); `knex migrate:unlock` once none runs leaves that one row",)


def _labels(name: str) -> frozenset[str]:
    stem = name.rsplit(".", 1)[0] if any(name.endswith(e) for e in EXTENSIONS) else name
    return frozenset({name, stem})
