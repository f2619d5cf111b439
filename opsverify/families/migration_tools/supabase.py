"""Supabase CLI (`supabase migration up`, `db push`).

Table (supabase/cli pkg/migration/history.go): supabase_migrations.schema_migrations
(version text primary key, statements text[], name text), one row per applied file, deleted on
repair; a table an older CLI created has `version` only (judged by version then). Files:
supabase/migrations/<version>_<name>.sql, version = the leading digits
(pkg/migration/file.go `^([0-9]+)_(.*)\\.sql$`); other files are skipped by the CLI. A migration
runs in one implicit transaction, so a failure leaves no row; no checksum is kept. Two files of one
version are a folder the CLI refuses (the second insert of the version is a duplicate key). A
checklist's label of digits only is a version, never a row's name (the CLI knows a row by its version).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, clashes, relative, typed_rows, visible_files)

NAME = "supabase"
TABLE = "supabase_migrations.schema_migrations"
LAYOUT = "<version>_<name>.sql"
RECORDS_FAILURES = False
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = None  # any version, name or version_name

FILE = re.compile(r"^([0-9]+)_(.*)\.sql$")
# the CLI skips an old first `<ts>_init.sql`; its pattern is not anchored (FindStringSubmatch: anywhere in the name)
LEGACY_INIT = re.compile(r"([0-9]{14})_init\.sql")
VERSION_NAME = re.compile(r"^([0-9]+)_(.+)$")
# version text not null primary key; the name as the query reads it ('' where none)
COLUMNS = {"history": {"version": "text", "name": "text"}}


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    # `name` (and `statements`) came with later CLIs (ADD COLUMN IF NOT EXISTS): a table an older CLI made
    # has only `version`. The row as JSON has the name when there is one, in the same single statement.
    return {"history": Query(table, f"select h.version, coalesce(to_jsonb(h.*) ->> 'name', '') as name"
                                    f" from {table.sql} h order by h.version")}


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored = [], []
    # the CLI skips a legacy init only as the folder's very first entry, by name, of all it holds: a sub-folder or a
    # `.gitkeep` sorting before it makes the CLI apply it
    first = min(os.listdir(folder), key=os.fsencode, default=None)
    for path in visible_files(folder, takes=FILE.match):
        match = FILE.match(path.name)
        legacy = LEGACY_INIT.search(path.name)
        if path.name == first and legacy and int(legacy.group(1)) < 20211209000000:
            ignored.append(path.name)
        elif match:
            migrations.append(RepoMigration(match.group(1), relative(path, folder)))
        else:
            ignored.append(path.name)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored),
                       clashes(sorted((f"version {m.key}", m.file) for m in migrations)))


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "version")
    # one migration per version: a table without its primary key may hold a version twice (names merged)
    labels: dict[str, frozenset[str]] = {}
    for r in rows:
        version = r["version"]
        labels[version] = labels.get(version, frozenset()) | _labels(version, r["name"], repo)
    applied = tuple(Applied(version, names) for version, names in labels.items())
    nameless = [a.key for a in applied if len(a.labels) == 1]
    unnamed = (f"records no names for {len(nameless)} of its {len(applied)} versions ({nameless[0]}"
               f"{', …' if len(nameless) > 1 else ''}: a table an older Supabase CLI made has `version` only)"
               ) if nameless else None
    return History(applied, recorded=len(rows), unnamed=unnamed)


def undecided(label: str, history: History) -> bool:
    """A `name` or `version_name` this history cannot match or rule out: a row of no recorded name could be it.
    A version is always decided, and so is a version_name whose version no row has. A label is a version_name
    only when its leading number is written as this history's versions are (`20240101000000_init`); `001_seed`
    is a name that starts with digits, which any nameless row could hold."""
    nameless = {a.key for a in history.applied if len(a.labels) == 1}
    if not nameless or label.isdigit():
        return False
    version_name = VERSION_NAME.match(label)
    widths = {len(a.key) for a in history.applied if a.key.isdigit()}
    if version_name and len(version_name.group(1)) in widths:
        return version_name.group(1) in nameless  # a version no row has is decided: not applied
    return True


def ambiguous(label: str, history: History, repo: RepoListing | None) -> tuple[str, ...]:
    """The versions whose name `label` is, by the history's rows and the repo's files (the CLI allows one name for
    many versions): more than one, and the label names no migration. A version or version_name names one."""
    if label.isdigit():  # a version, never a name
        return ()
    versions = {a.key for a in history.applied
                if label in a.labels and label != a.key and not label.startswith(f"{a.key}_")}
    for migration in repo.migrations if repo else ():
        named = FILE.match(Path(migration.file).name)
        if named and named.group(2) == label and label != migration.key:
            versions.add(migration.key)
    return tuple(sorted(versions)) if len(versions) > 1 else ()


def _repo_name(version: str, repo: RepoListing | None) -> str:
    """The name of the repo's one file of this version (the CLI knows a migration by its version)."""
    names = [FILE.match(Path(m.file).name) for m in (repo.migrations if repo else ()) if m.key == version]
    return names[0].group(2) if len(names) == 1 and names[0] else ""


def _labels(version: str, name: str, repo: RepoListing | None = None) -> frozenset[str]:
    """What a checklist may write for a row: its version, name and version_name, by the row's recorded name and by
    its repo file's (a file renamed after it ran keeps its version: the CLI still takes it as applied). A row
    without a name (an older CLI's table has no `name` column) is known by its version, and by its repo file's
    name. A name of digits only is no label: digits are a version, and the CLI knows a row by its version alone."""
    names = {name, _repo_name(version, repo)} - {""}
    return frozenset({version} | {f"{version}_{n}" for n in names} | {n for n in names if not n.isdigit()})


def applied_as(label: str, history: History) -> str:
    """Why a `<version>_<name>` label no row bears is not applied though its version is: the row of that version
    records another name (the file was renamed after it ran, or another migration took its version)."""
    version_name = VERSION_NAME.match(label)
    row = next((a for a in history.applied if version_name and a.key == version_name.group(1)), None)
    if row is None:
        return ""
    recorded = sorted(n for n in row.labels if n.startswith(f"{row.key}_"))
    return (f"version {row.key} is applied, recorded as {' and '.join(recorded)}: write {row.key} to judge the"
            " version alone, or give from_repo so the repo's file of that version names it") if recorded else ""
