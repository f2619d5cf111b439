"""golang-migrate (`migrate -path … up`), PostgreSQL driver.

Table (database/postgres/postgres.go `ensureVersionTable`): schema_migrations (version bigint not
null primary key, dirty boolean not null), truncated and rewritten on every step: one row, the
version the database stands at. dirty = true means that migration failed part-way and the tool
refuses to go on until `migrate force`. Files (source/parse.go): <version>_<title>.up.<ext> and
.down.<ext>; every version up to the recorded one counts as applied, so `applied` needs
`from_repo`. Two up (or two down) files of one version are a folder the tool refuses ("duplicate
migration file", source/migration.go). No checksum.
"""

from __future__ import annotations

import re
from pathlib import Path

from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, clashes, integer_label, typed_rows, visible_files)

NAME = "golang-migrate"
TABLE = "public.schema_migrations"
LAYOUT = "<version>_<title>.up.sql"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = False
RECORDS_EACH = False
PER_APP = False
LABEL = (re.compile(r"^[0-9]+$"), "the version only (digits): schema_migrations records nothing else")

FILE = re.compile(r"^([0-9]+)_(.*)\.(down|up)\.(.*)$")
# as ensureVersionTable writes them: a NULL dirty is no clean version (golang-migrate cannot scan it), a float
# version (Infinity) none at all
COLUMNS = {"history": {"version": "integer", "dirty": "boolean"}}


def canonical(label: str) -> str:
    return integer_label(label)


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, f"select version, dirty from {table.sql}")}


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored, downs = [], [], []
    for path in visible_files(folder, takes=_up):
        match = FILE.match(path.name)
        if match and match.group(3) == "up":
            migrations.append(RepoMigration(integer_label(match.group(1)), path.name))
        elif match:
            downs.append((f"version {integer_label(match.group(1))}", path.name))
        else:
            ignored.append(path.name)
    migrations.sort(key=lambda m: int(m.key))
    same = clashes([(f"version {m.key}", m.file) for m in migrations]) + clashes(downs)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), same)


def _up(name: str) -> bool:
    """An up file: what `migrate up` reads (a down file only `migrate down` does)."""
    found = FILE.match(name)
    return found is not None and found.group(3) == "up"


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "version")
    if not rows:
        return History((), recorded=0, heads=(), standing="no version recorded")
    if len(rows) > 1:  # the tool rewrites its one row: which of several is the database's version is a guess
        raise ValueError(f"{len(rows)} rows; golang-migrate keeps exactly one")
    version, dirty = rows[0]["version"], rows[0]["dirty"]
    failures = (f"version {version} is dirty: its migration failed part-way (fix the schema, then"
                " `migrate force <last good version>`)",) if dirty else ()
    below = [m.key for m in (repo.migrations if repo else ()) if int(m.key) < version]
    applied = [Applied(k, frozenset({k})) for k in below]
    if not dirty and version >= 0:  # a dirty version is not applied; -1 is "none" (a failed first step)
        applied.append(Applied(str(version), frozenset({str(version)})))
    return History(tuple(applied), recorded=len(rows), failures=failures, heads=(str(version),) if not dirty else (),
                   standing=f"version {version}" + (" (dirty)" if dirty else ""))
