"""Liquibase (`liquibase update`).

Tables (as `liquibase updateSQL` prints them on PostgreSQL): databasechangelog (id, author,
filename varchar(255) not null, dateexecuted timestamp, orderexecuted int, exectype varchar(10),
md5sum varchar(35), description, comments, tag, liquibase, contexts, labels, deployment_id), one
row per changeset, exectype EXECUTED, RERAN, MARK_RAN (applied), SKIPPED or FAILED; and
databasechangeloglock (id int pk, locked boolean, lockgranted, lockedby), locked = true while a
run holds it or after one died (`liquibase release-locks`). A changeset is id + author (+ the
changelog path, which depends on how it was included, so it is not compared). Files: changesets
of the changelogs under the folder: formatted SQL (`--changeset author:id`), XML `<changeSet
id= author=>`, YAML/JSON `changeSet: {id, author}`. The md5sum is computed over Liquibase's own
normalised form of each change, which is not reproduced here: no checksum comparison.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

from ._model import (Applied, History, Query, RepoListing, RepoMigration, Table, parsed, read_bytes, relative,
                     visible_files, when)

NAME = "liquibase"
TABLE = "public.databasechangelog"
LAYOUT = "changesets in *.sql (formatted), *.xml, *.yaml, *.json changelogs"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = None

APPLIED = {"EXECUTED", "RERAN", "MARK_RAN"}
FORMATTED = re.compile(r"^\s*--\s*liquibase\s+formatted\s+sql", re.IGNORECASE)
CHANGESET = re.compile(r'^\s*--\s*changeset\s+("[^"]+"|[^:\s]+):("[^"]+"|\S+)', re.IGNORECASE | re.MULTILINE)


def canonical(label: str) -> str:
    return label


def changeset_key(changeset_id: str, author: str) -> str:
    return f"{changeset_id}::{author}"


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    found = {"history": Query(table, (
        f"select id, author, filename, exectype from {table.sql} order by orderexecuted, dateexecuted"))}
    if none_failed:
        lock = table.sibling(f"{table.name}lock")
        found["lock"] = Query(lock, f"select locked, lockedby, lockgranted from {lock.sql}")
    return found


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored = [], []
    for path in visible_files(folder, recursive=True):
        try:
            found = parsed(_changesets, path, folder)
        except (ValueError, ElementTree.ParseError, yaml.YAMLError, OSError, UnicodeDecodeError):
            found = None
        if not found:
            ignored.append(relative(path, folder))
            continue
        migrations += [RepoMigration(changeset_key(i, a), relative(path, folder)) for i, a in found]
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored))


def _changesets(path: Path) -> list[tuple[str, str]] | None:
    suffix = path.suffix.lower()
    if suffix == ".sql":
        text = read_bytes(path).decode("utf-8")
        if not FORMATTED.match(text):
            return None
        return [(i.strip('"'), a.strip('"')) for a, i in CHANGESET.findall(text)]
    if suffix == ".xml":
        root = ElementTree.fromstring(read_bytes(path))
        return [(e.get("id", ""), e.get("author", "")) for e in root.iter() if str(e.tag).endswith("changeSet")]
    if suffix in (".yaml", ".yml", ".json"):
        text = read_bytes(path).decode("utf-8")
        document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
        entries = document.get("databaseChangeLog", []) if isinstance(document, dict) else []
        return [(str(e["changeSet"].get("id", "")), str(e["changeSet"].get("author", ""))) for e in entries
                if isinstance(e, dict) and isinstance(e.get("changeSet"), dict)]
    return None


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = answers["history"]
    latest: dict[str, dict] = {}
    for row in rows:
        latest[changeset_key(str(row["id"]), str(row["author"]))] = row
    applied, failures = [], []
    for key, row in latest.items():
        kind = str(row["exectype"]).upper()
        if kind in APPLIED:
            labels = {key, str(row["id"]), f"{row['author']}:{row['id']}"}
            applied.append(Applied(key, frozenset(labels)))
        elif kind == "FAILED":
            failures.append(f"changeset {row['author']}:{row['id']} ({row['filename']}) FAILED")
    for lock in answers.get("lock", []):
        if lock["locked"]:
            failures.append(f"the changelog lock is held by {lock['lockedby'] or '?'} since {when(lock['lockgranted'])}:"
                            " a run is under way or died (`liquibase release-locks` once none runs)")
    return History(tuple(applied), recorded=len(rows), failures=tuple(failures))
