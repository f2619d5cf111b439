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
normalised form of each change, which is not reproduced here: no checksum comparison. A changeset
whose `dbms` excludes postgresql never runs here (listed as ignored); one with a context or label
filter runs only where the run gives them, so it is not judged; an XML/YAML/JSON file naming
databaseChangeLog that does not parse stops Liquibase's run (`refused`).
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
CHANGESET = re.compile(r'^\s*--\s*changeset\s+("[^"]+"|[^:\s]+):("[^"]+"|\S+)(.*)$', re.IGNORECASE | re.MULTILINE)
ATTRIBUTE = re.compile(r'(\w+):("[^"]*"|\S+)')  # `context:test labels:"a, b"` after `--changeset author:id`
RUN_FILTERS = ("context", "contexts", "contextfilter", "labels")  # given or not by each run: not judged
STRUCTURED = (".xml", ".yaml", ".yml", ".json")
CHANGELOG_ROOT = b"databaseChangeLog"  # a file that names it and does not parse is a changelog Liquibase refuses


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
    migrations, ignored, refused = [], [], []
    for path in visible_files(folder, recursive=True):
        name = relative(path, folder)
        try:
            found = parsed(_changesets, path, folder)
        except (ValueError, ElementTree.ParseError, yaml.YAMLError, UnicodeDecodeError) as exc:
            if path.suffix.lower() in STRUCTURED and CHANGELOG_ROOT in read_bytes(path, folder):
                refused.append((name, f"Liquibase cannot parse this changelog: {_said(exc)}"))  # it stops the run
            else:
                ignored.append(name)
            continue
        except OSError:
            found = None
        if not found:
            ignored.append(name)
            continue
        for changeset_id, author, filters in found:
            key = changeset_key(changeset_id, author)
            dbms = filters.get("dbms", "")
            if not runs_on_postgresql(dbms):
                ignored.append(f"{name}: changeset {key} (dbms {dbms}: never runs on PostgreSQL)")
            elif any(filters.get(f) for f in RUN_FILTERS):  # the run's --contexts / --label-filter decide
                migrations.append(RepoMigration(key, name, unjudged="filtered by context or labels"))
            else:
                migrations.append(RepoMigration(key, name))
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(refused))


def _said(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "problem", None) or exc).split())


def runs_on_postgresql(dbms: str) -> bool:
    """Whether a changeset's `dbms` list lets it run on PostgreSQL, as Liquibase reads the list: empty or `all`
    runs everywhere, `none` nowhere, `!name` everywhere but there, names only there."""
    names = [n.strip().lower() for n in str(dbms).split(",") if n.strip()]
    if not names or "all" in names:
        return "none" not in names
    if "none" in names or "!postgresql" in names:
        return False
    named = [n for n in names if not n.startswith("!")]
    return not named or "postgresql" in named


def _changesets(path: Path) -> list[tuple[str, str, dict[str, str]]] | None:
    """(id, author, {filter: value}) of each changeset of a changelog; None for a file that is none."""
    suffix = path.suffix.lower()
    if suffix == ".sql":
        text = read_bytes(path).decode("utf-8-sig")  # an editor's byte order mark is no part of the header
        if not FORMATTED.match(text):
            return None
        return [(i.strip('"'), a.strip('"'), {k.lower(): v.strip('"') for k, v in ATTRIBUTE.findall(rest)})
                for a, i, rest in CHANGESET.findall(text)]
    if suffix == ".xml":
        root = ElementTree.fromstring(read_bytes(path))
        return [(e.get("id", ""), e.get("author", ""), {k.lower(): v for k, v in e.attrib.items()})
                for e in root.iter() if str(e.tag).endswith("changeSet")]
    if suffix in STRUCTURED:
        text = read_bytes(path).decode("utf-8-sig")
        document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
        entries = document.get("databaseChangeLog", []) if isinstance(document, dict) else []
        changesets = [e["changeSet"] for e in entries if isinstance(e, dict) and isinstance(e.get("changeSet"), dict)]
        return [(str(c.get("id", "")), str(c.get("author", "")),
                 {str(k).lower(): str(v) for k, v in c.items() if v is not None}) for c in changesets]
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
