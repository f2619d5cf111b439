"""Prisma Migrate (`prisma migrate deploy`).

Table (prisma-engines schema-engine postgres flavour `create_migrations_table`): _prisma_migrations
(id varchar(36) pk, checksum varchar(64), finished_at, migration_name, logs, rolled_back_at,
started_at, applied_steps_count), in the schema of the URL's `?schema=` (public by default). One
row per *attempt*: a failed attempt keeps finished_at null until `migrate resolve` sets its
rolled_back_at; the re-applied migration is a new row. So a resolved failure stays in the table
for good: it is history, not a failure. Prisma's failed set is finished_at IS NULL AND
rolled_back_at IS NULL; a rolled-back attempt it ignores. A migration is applied when any of its
rows finished and was not rolled back (`migrate deploy` runs only a migration with no row whose
rolled_back_at is null), whatever came before or after it; with rolled-back rows only, it is
pending while its folder is in the repo, and nothing at all once the folder is gone.

Files: prisma/migrations/<timestamp>_<name>/migration.sql (+ migration_lock.toml); every folder of it is a
migration, a hidden one too (listMigrations: readdir, isDirectory). The checksum
is the SHA-256 hex of migration.sql; Prisma also accepts the script with its line endings
swapped (git may convert them) and, for old rows, hex digits without zero padding
(schema-connector checksum.rs).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, checksummed, listed, regular_file, typed_rows,
    visible_files, when)

NAME = "prisma"
TABLE = "public._prisma_migrations"
LAYOUT = "<timestamp>_<name>/migration.sql"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = True
RECORDS_EACH = True
PER_APP = False
LABEL = None
# as the postgres flavour writes them (started_at only orders and dates a message): a finished_at of text '' is
# no finished attempt; a checksum may be NULL in a table of the team's own making (named "no checksum recorded")
COLUMNS = {"history": {"migration_name": "text", "checksum": "text?", "finished_at": "timestamp?",
                       "rolled_back_at": "timestamp?"}}


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, (
        "select migration_name, checksum, started_at, finished_at, rolled_back_at"
        f" from {table.sql} order by started_at, finished_at nulls last, id"))}


def read_repo(folder: Path, checksums: bool = False) -> RepoListing:
    """The migration folders by name; their scripts are read only to hash them (`checksums`): a large seed script
    is a migration like any other until its checksum is asked."""
    migrations, ignored, refused = [], [], []
    for path in visible_files(folder, takes=lambda name: False):  # Prisma reads no file here as a migration
        if path.name != "migration_lock.toml":
            ignored.append(path.name)
    # every folder is a migration, a hidden one too (listMigrations: readdir, isDirectory; a symlink is none)
    for directory in sorted(folder / e.name for e in listed(folder, folder) if e.is_dir(follow_symlinks=False)):
        if regular_file(directory / "migration.sql", folder):
            migration = RepoMigration(directory.name, f"{directory.name}/migration.sql")
            migrations.append(checksummed(migration, folder, _sums) if checksums else migration)
        else:  # every folder is a migration to Prisma: it stops at this one, so none after it deploys
            refused.append((f"{directory.name}/", "no migration.sql, P3015: restore it or delete the folder"))
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(refused))


def _sums(script: bytes) -> tuple[frozenset[str], str]:
    return accepted_checksums(script), hashlib.sha256(script).hexdigest()


def accepted_checksums(script: bytes) -> frozenset[str]:
    variants = {script, script.replace(b"\r\n", b"\n"), script.replace(b"\n", b"\r\n")}
    digests = [hashlib.sha256(v).digest() for v in variants]
    return frozenset({d.hex() for d in digests} | {"".join(f"{b:x}" for b in d) for d in digests})


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "migration_name")
    attempts: dict[str, list[dict]] = defaultdict(list)
    for row in rows:  # started_at order
        attempts[row["migration_name"]].append(row)
    applied, failures, resolved, not_applied = [], [], [], []
    for name in sorted(attempts):
        unresolved = [a for a in attempts[name] if a["finished_at"] is None and a["rolled_back_at"] is None]
        failures += [f"{name} failed (started {when(a['started_at'])}) and is not resolved" for a in unresolved]
        rolled_back = [a for a in attempts[name] if a["rolled_back_at"] is not None]
        standing = [a for a in attempts[name] if a["finished_at"] is not None and a["rolled_back_at"] is None]
        if standing:  # Prisma would not run it again, whatever its other attempts did
            applied.append(Applied(name, frozenset({name}), standing[-1]["checksum"]))  # None: none recorded
            resolved += [f"{name}: attempt of {when(a['started_at'])} rolled back {when(a['rolled_back_at'])};"
                         f" applied by the attempt of {when(standing[-1]['started_at'])}" for a in rolled_back]
        elif rolled_back:  # `migrate resolve --rolled-back`: resolved, not applied
            why = f"rolled back {when(rolled_back[-1]['rolled_back_at'])}, not applied again"
            resolved.append(f"{name}: {why}")
            not_applied.append((name, why))
    return History(tuple(applied), recorded=len(rows), failures=tuple(failures), resolved=tuple(resolved),
                   not_applied=tuple(not_applied))
