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
pending while its folder is in the repo, and nothing at all once the folder is gone. A failed step writes the
error to `logs` and counts no step (record_failed_step); a success counts its step, `migrate resolve --applied`
writes logs '' (an old CLI wrote the script as a success's logs, with its step counted). A row that finished with
an error in `logs` and no step counted had finished_at set by hand over its failure: Prisma takes it for applied.

Files: prisma/migrations/<timestamp>_<name>/migration.sql (+ migration_lock.toml); every folder of it is a
migration, a hidden one too (listMigrations: readdir, isDirectory); one without migration.sql is refused (P3015) only
when deploy would run it: it reads no applied migration's script. A lock file naming another provider than
postgresql makes every command refuse the folder (P3019, error_on_changed_provider: the first line starting
`provider`, less `provider = ` and quotes; no TOML parser); one missing or unreadable is no check (readFile(...)
.catch(() => null)). The checksum is the SHA-256 hex of migration.sql as the CLI reads it (utf-8: an invalid byte
becomes U+FFFD); Prisma also accepts the script with its line endings swapped (git may convert them) and, for old
rows, hex digits without zero padding (schema-connector checksum.rs).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, checksummed, listed, read_bytes, regular_file,
    typed_rows, visible_files, when)
from ...display import cut

NAME = "prisma"
TABLE = "public._prisma_migrations"
LAYOUT = "<timestamp>_<name>/migration.sql"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = True
RECORDS_EACH = True
PER_APP = False
LABEL = None
LOCK_FILE = "migration_lock.toml"
PROVIDER = "postgresql"  # the postgres connector_type (cockroachdb is another)
# as the postgres flavour writes them (started_at only orders and dates a message): a finished_at of text '' is
# no finished attempt; a checksum may be NULL in a table of the team's own making (named "no checksum recorded")
COLUMNS = {"history": {"migration_name": "text", "checksum": "text?", "finished_at": "timestamp?",
                       "rolled_back_at": "timestamp?", "logs": "text?", "applied_steps_count": "integer"}}


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, (
        "select migration_name, checksum, started_at, finished_at, rolled_back_at, logs, applied_steps_count"
        f" from {table.sql} order by started_at, finished_at nulls last, id"))}


def read_repo(folder: Path, checksums: bool = False) -> RepoListing:
    """The migration folders by name; their scripts are read only to hash them (`checksums`): a large seed script
    is a migration like any other until its checksum is asked."""
    migrations, ignored, refused = [], [], list(_lock_refused(folder))
    for path in visible_files(folder, takes=lambda name: False):  # Prisma reads no file here as a migration
        if path.name != LOCK_FILE:
            ignored.append(path.name)
    # every folder is a migration, a hidden one too (listMigrations: readdir, isDirectory; a symlink is none)
    for directory in sorted(folder / e.name for e in listed(folder, folder) if e.is_dir(follow_symlinks=False)):
        if regular_file(directory / "migration.sql", folder):
            migration = RepoMigration(directory.name, f"{directory.name}/migration.sql")
            migrations.append(checksummed(migration, folder, _sums) if checksums else migration)
        else:  # a migration all the same: Prisma refuses it only when it is to run (`refuses`)
            migrations.append(RepoMigration(directory.name, f"{directory.name}/",
                                            unhashed=f"{directory.name}/migration.sql is not there"))
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(refused))


def refuses(answers: dict, repo: RepoListing) -> tuple[tuple[str, str], ...]:
    """Folders without migration.sql of migrations `migrate deploy` would run (no row of the name stands un-rolled-
    back: apply_migrations reads only their scripts): it stops at the first (P3015), so none after it deploys."""
    standing = {row["migration_name"] for row in answers["history"] if row["rolled_back_at"] is None}
    return tuple((m.file, "no migration.sql, P3015: restore it or delete the folder") for m in repo.migrations
                 if m.file.endswith("/") and m.key not in standing)


def _lock_refused(folder: Path) -> tuple[tuple[str, str], ...]:
    """The lock file, when the provider Prisma reads from it is not postgresql: it refuses the folder (P3019)."""
    try:
        text = read_bytes(folder / LOCK_FILE, folder).decode("utf-8", "replace")
    except OSError:  # missing or unreadable: Prisma checks nothing
        return ()
    found = lock_provider(text)
    if found == PROVIDER:
        return ()
    named = f"names provider {json.dumps(cut(found, 40))}" if found is not None else "names no provider"
    return ((LOCK_FILE, f"{named}, not {PROVIDER}: P3019, Prisma refuses every migration of the folder; the"
                        " migrations were made for another database: start a history for postgresql"),)


def lock_provider(text: str) -> str | None:
    """The provider as error_on_changed_provider reads it (None: no line starts with `provider`)."""
    for line in text.split("\n"):  # Rust's lines(): \n or \r\n
        line = line.removesuffix("\r")
        if line.startswith("provider"):
            while line.startswith("provider = "):  # trim_start_matches
                line = line[len("provider = "):]
            return line.strip('"')
    return None


def _sums(script: bytes) -> tuple[frozenset[str], str]:
    """Every form Prisma accepts, of the script as the CLI reads it (utf-8, an invalid byte as U+FFFD) and of its bytes
    (the same for a utf-8 file), and the one it records now."""
    read = script.decode("utf-8", "replace").encode()
    return accepted_checksums(read) | accepted_checksums(script), hashlib.sha256(read).hexdigest()


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
        failures += [f"{name} failed (started {when(a['started_at'])}) and finished_at was set over its failure"
                     f" ({when(a['finished_at'])}): Prisma takes it for applied, its script may have run in part;"
                     " set finished_at back to NULL, then `prisma migrate resolve --rolled-back` and deploy again"
                     " (or `--applied` once its changes are made by hand)"
                     for a in attempts[name] if _forced(a)]
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


def _forced(attempt: dict) -> bool:
    """A finished attempt holding a failed step's error and no step counted: no Prisma command writes that."""
    return (attempt["finished_at"] is not None and attempt["rolled_back_at"] is None
            and attempt["applied_steps_count"] == 0 and bool((attempt["logs"] or "").strip()))
