"""Flyway (`flyway migrate`).

Table (flyway-database-postgresql PostgreSQLDatabase.getRawCreateScript): flyway_schema_history
(installed_rank int pk, version varchar(50), description, type varchar(20), script, checksum int,
installed_by, installed_on, execution_time, success boolean), one row per run in installed_rank
order. Types (CoreMigrationType): SQL, JDBC, SCRIPT, CUSTOM run a migration; BASELINE marks every
version up to it as present; SCHEMA, TABLE are bookkeeping; DELETE (repair) and UNDO_* take a
version back. A row with success = false is a failed migration until `flyway repair`.

Files (recursively): V<version>__<description>.sql (version: digits, `.` or `_` between parts,
compared part by part as integers, trailing zero parts dropped: MigrationVersion),
R__<description>.sql repeatable (re-run when its checksum changes), U… undo. Two files of one
version ("Found more than one migration with version"), or two repeatables of one description,
are a folder Flyway refuses, and so is an applied version above the baseline whose file describes it otherwise
than its row (validateOnMigrate, on by default: "Migration description mismatch"; the description is the
name after `__`, underscores read as spaces, cut to 197 characters + "..." past 200). The checksum is a
CRC32 over the file's lines without their line endings, BOM dropped, UTF-8, stored as a signed
int (ChecksumCalculator / LoadableResource).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from ...display import cut
from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, checksummed, clashes, relative, typed_rows,
    visible_files)

NAME = "flyway"
TABLE = "public.flyway_schema_history"
LAYOUT = "V<version>__<description>.sql, R__<description>.sql"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = True
RECORDS_EACH = True
PER_APP = False
LABEL = None

VERSIONED = re.compile(r"^V([0-9][0-9._]*?)__(.*)\.sql$")
REPEATABLE = re.compile(r"^R__(.+)\.sql$")
BOOKKEEPING = {"SCHEMA", "TABLE"}
NO_DESCRIPTION = "<< no description >>"  # what Flyway records for an empty description where it cannot store ""
# what each column read holds as Flyway's PostgreSQL DDL writes it: a `success` of text or 0/1 is a table Flyway
# did not make (read by truthiness, text 'false' was a success)
COLUMNS = {"history": {"installed_rank": "integer", "version": "text?", "description": "text", "type": "text",
                       "script": "text", "checksum": "integer?", "success": "boolean"}}


def canonical(label: str) -> str:
    return version_key(label) if re.fullmatch(r"[0-9][0-9._]*", label) else label


def version_key(version: str) -> str:
    if not re.fullmatch(r"[0-9][0-9._]*", version):
        raise ValueError(f"version {cut(version, 40)!r} is not a Flyway version (digits separated by . or _)")
    parts = [int(p) for p in re.split(r"[._]", version) if p != ""]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return ".".join(str(p) for p in parts)


def version_order(key: str) -> tuple[int, ...]:
    return tuple(int(p) for p in key.split("."))


def repeatable_key(description: str) -> str:
    return f"R__{description}"


def checksum(script: bytes) -> str:
    text = script.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)
    crc = zlib.crc32("".join(lines).encode("utf-8"))
    return str(crc - (1 << 32) if crc >= 1 << 31 else crc)


def _sums(script: bytes) -> tuple[frozenset[str], str]:
    crc = checksum(script)
    return frozenset({crc}), crc


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, (
        "select installed_rank, version, description, type, script, checksum, success"
        f" from {table.sql} order by installed_rank"))}


def read_repo(folder: Path, checksums: bool = False) -> RepoListing:
    """The migration files by name; read only to hash them (`checksums`)."""
    migrations, ignored = [], []
    for path in visible_files(folder, "*.sql", recursive=True,
                              takes=lambda name: bool(VERSIONED.match(name) or REPEATABLE.match(name))):
        versioned, repeatable = VERSIONED.match(path.name), REPEATABLE.match(path.name)
        if versioned and version_key(versioned.group(1)):
            key = version_key(versioned.group(1))
        elif repeatable:
            key = repeatable_key(repeatable.group(1).replace("_", " "))
        else:
            ignored.append(relative(path, folder))
            continue
        migration = RepoMigration(key, relative(path, folder))
        migrations.append(checksummed(migration, folder, _sums) if checksums else migration)
    named = [(f"repeatable {m.key.removeprefix('R__')}" if m.key.startswith("R__") else f"version {m.key}", m.file)
             for m in migrations]
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), clashes(named))


def description(file_name: str) -> str | None:
    """A versioned file's description as Flyway derives and records it: the name after the first `__`,
    underscores read as spaces, longer than 200 characters cut to 197 + "..." (MigrationInfoHelper,
    AbbreviationUtils); None for a file that is not a versioned migration."""
    versioned = VERSIONED.match(file_name)
    if not versioned:
        return None
    described = versioned.group(2).replace("_", " ")
    return described if len(described) <= 200 else described[:197] + "..."


def _states(rows: list[dict]) -> tuple[dict[str, dict], tuple[int, ...] | None]:
    """The last row of each version / repeatable (its state now), and the baseline's version."""
    latest: dict[str, dict] = {}
    baseline: tuple[int, ...] | None = None
    for row in typed_rows(rows, COLUMNS["history"], "installed_rank"):
        kind = str(row["type"]).upper()
        if kind in BOOKKEEPING:
            continue
        if row["version"] is None:
            latest[repeatable_key(str(row["description"]))] = row
            continue
        key = version_key(str(row["version"]))
        if kind == "BASELINE" and row["success"]:
            baseline = version_order(key)
        latest[key] = row
    return latest, baseline


def refuses(answers: dict, repo: RepoListing) -> tuple[tuple[str, str], ...]:
    """Applied versions whose file describes them otherwise than their row: Flyway's validate (run by every
    `migrate`) refuses the folder until the file is renamed back or `flyway repair` rewrites the row. Versions up
    to the baseline are not compared, as Flyway does not."""
    latest, baseline = _states(answers["history"])
    refused = []
    for migration in repo.migrations:
        row = latest.get(migration.key)
        described = description(migration.file.rsplit("/", 1)[-1])
        if row is None or described is None or not row["success"] or str(row["type"]).upper() in (
                "BASELINE", "DELETE") or str(row["type"]).upper().startswith("UNDO"):
            continue
        if baseline is not None and version_order(migration.key) <= baseline:
            continue
        recorded = str(row["description"])
        if recorded != described and not (recorded == NO_DESCRIPTION and described == ""):
            refused.append((f"version {migration.key}",
                            f'{migration.file} describes it as "{described}", the history as "{recorded}": a'
                            " description mismatch its validate refuses; rename the file back, or `flyway repair`"))
    return tuple(refused)


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = answers["history"]
    latest, baseline = _states(rows)
    applied, failures = [], []
    for key, row in latest.items():
        kind = str(row["type"]).upper()
        if kind == "DELETE" or kind.startswith("UNDO"):
            continue
        if not row["success"]:
            failures.append(f"{row['script'] or key} failed (installed_rank {row['installed_rank']}); run `flyway repair`")
            continue
        labels = {key, str(row["script"]), str(row["script"]).removesuffix(".sql"), str(row["version"] or "")} - {""}
        applied.append(Applied(key, frozenset(labels), None if row["checksum"] is None else str(row["checksum"]),
                               synthetic=kind == "BASELINE"))
    # versions at or below the baseline: applied before Flyway kept this history, no row and no checksum of their
    # own (its validate compares none of them)
    below_baseline = [Applied(m.key, frozenset({m.key}), synthetic=True)
                      for m in (repo.migrations if repo and baseline else ())
                      if not m.key.startswith("R__") and m.key not in latest and version_order(m.key) <= baseline]
    versioned = sorted((a for a in applied if not a.key.startswith("R__")), key=lambda a: version_order(a.key))
    repeatable = [a for a in applied if a.key.startswith("R__")]
    return History(tuple(below_baseline + repeatable + versioned), recorded=len(rows), failures=tuple(failures))
