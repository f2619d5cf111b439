"""Liquibase (`liquibase update`).

Tables (as `liquibase updateSQL` prints them on PostgreSQL): databasechangelog (id, author,
filename varchar(255) not null, dateexecuted timestamp, orderexecuted int, exectype varchar(10),
md5sum varchar(35), description, comments, tag, liquibase, contexts, labels, deployment_id), one
row per changeset, exectype EXECUTED, RERAN, MARK_RAN (applied), SKIPPED or FAILED; and
databasechangeloglock (id int pk, locked boolean, lockgranted, lockedby), locked = true while a
run holds it or after one died (`liquibase release-locks`). A changeset is id + author + the
changelog path it was read from (Liquibase numbers ids per file as often as not): rows are matched to
the folder's files by that path as Liquibase records it (classpath: and a leading / dropped, relative to
its search path), by the longest run of trailing path parts the recorded path and the file share whole;
a row two files could be, or one file two rows in different states could be, cannot be told (`doubts`).
Files: changesets of the changelogs under the folder: formatted SQL (`--changeset author:id`), XML
`<changeSet id= author=>`, YAML/JSON `changeSet: {id, author}`. The md5sum is computed over
Liquibase's own normalised form of each change, which is not reproduced here: no checksum comparison. A
changeset whose `dbms` excludes postgresql never runs here, nor one marked `ignore: true` anywhere
(listed as ignored); one with a context or
label filter, on itself or on the `include`/`includeAll` that reaches its file (every way it is
reached), runs only where the run gives them, so it is not judged; an XML/YAML/JSON file naming
databaseChangeLog that does not parse stops Liquibase's run (`refused`).
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

from ._model import (Applied, History, Query, RepoListing, RepoMigration, Table, parsed, read_bytes, relative,
                     typed_rows, visible_files, when)

NAME = "liquibase"
TABLE = "public.databasechangelog"
LAYOUT = "changesets in *.sql (formatted), *.xml, *.yaml, *.json changelogs"
RECORDS_FAILURES = True
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = None

APPLIED = {"EXECUTED", "RERAN", "MARK_RAN"}
# as `updateSQL` writes them (lockedby and lockgranted only name who holds a lock): a `locked` of text or 0/1 is a
# table Liquibase did not make here (read by truthiness, text 'false' was a held lock, 0 none)
COLUMNS = {"history": {"id": "text", "author": "text", "filename": "text", "exectype": "text"},
           "lock": {"locked": "boolean"}}
# a formatted SQL changelog's lines as AbstractFormattedChangeLogParser matches them (Java's \s, ASCII case folding):
# `--changeset <author>:<id>`, either in double quotes; the author up to the first colon, spaces and all (John Smith)
JAVA = re.IGNORECASE | re.ASCII
CHANGESET = re.compile(r'\s*--\s*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+)(.*)', JAVA)
CHANGESET_LIKE = re.compile(r"\s*--\s*changeset.*|-\s*changeset\s.*", JAVA)  # any other such line stops the parse
FORMATTED = re.compile(r"\s*--\s*liquibase\s*formatted.*", JAVA)  # its first line not blank (FIRST_LINE_REGEX)
IGNORE_LINES = re.compile(r"--\s*ignoreLines:(\w+)", JAVA)  # `start` … `end`, or the next <count> lines
ATTRIBUTE = re.compile(r'(\w+):("[^"]*"|\S+)')  # `context:test labels:"a, b"` after `--changeset author:id`
RUN_FILTERS = ("context", "contexts", "contextfilter", "labels")  # given or not by each run: not judged
STRUCTURED = (".xml", ".yaml", ".yml", ".json")
CHANGELOGS = (".sql", *STRUCTURED)
CHANGELOG_ROOT = b"databaseChangeLog"  # a file that names it and does not parse is a changelog Liquibase refuses
LOCATION_PREFIX = re.compile(r"^(classpath\*?|file):", re.IGNORECASE)
# a label that names more than one changeset names none: `AMBIGUOUS` is how the judge says so
AMBIGUOUS = ("changesets", "write path::id::author, the changelog's path as the history records it or as in from_repo")


def canonical(label: str) -> str:
    """A `path::id::author` label with its path as Liquibase compares paths; other labels as written."""
    path, sep, rest = label.partition("::")
    return f"{changelog_path(path)}::{rest}" if sep and "::" in rest else label


def changelog_path(recorded: str) -> str:
    """A changelog path as Liquibase compares them (DatabaseChangeLog.normalizePath): no classpath: or file:
    prefix, forward slashes, `.` and `..` resolved, no leading slash."""
    text = LOCATION_PREFIX.sub("", str(recorded).strip()).replace("\\", "/")
    return posixpath.normpath(text).lstrip("/") if text else ""


def changeset_key(path: str, changeset_id: str, author: str) -> str:
    """As Liquibase names a changeset in its messages: path::id::author."""
    return f"{path}::{changeset_id}::{author}"


def _split(key: str) -> tuple[str, str]:
    """A changeset key's path and its `id::author` (a path holds no `::`)."""
    path, _, identity = key.partition("::")
    return path, identity


def _labels(path: str, changeset_id: str, author: str) -> frozenset[str]:
    return frozenset({changeset_key(path, changeset_id, author), f"{changeset_id}::{author}", changeset_id,
                      f"{author}:{changeset_id}"})


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    found = {"history": Query(table, (
        f"select id, author, filename, exectype from {table.sql} order by orderexecuted, dateexecuted"))}
    if none_failed:
        lock = table.sibling(f"{table.name}lock")
        found["lock"] = Query(lock, f"select locked, lockedby, lockgranted from {lock.sql}")
    return found


def read_repo(folder: Path) -> RepoListing:
    ignored, refused = [], []
    changelogs: dict[str, tuple[list, list]] = {}  # file -> (changesets, includes)
    for path in visible_files(folder, recursive=True, takes=lambda name: Path(name).suffix.lower() in CHANGELOGS):
        name = relative(path, folder)
        try:
            found = parsed(_changelog, path, folder)
        except (ValueError, ElementTree.ParseError, yaml.YAMLError, UnicodeDecodeError) as exc:
            if isinstance(exc, NotParsed) or (
                    path.suffix.lower() in STRUCTURED and CHANGELOG_ROOT in read_bytes(path, folder)):
                refused.append((name, f"Liquibase cannot parse this changelog: {_said(exc)}"))  # it stops the run
            else:
                ignored.append(name)
            continue
        except OSError as exc:
            if exc.errno is not None:  # a file the checker may not read may be a changelog: its changesets unseen
                raise OSError(f"{name}: {exc.strerror}") from None
            found = None  # larger than we read: a data file, passed over (listed as ignored)
        if not found or not (found[0] or found[1]):
            ignored.append(name)
            continue
        changelogs[name] = found
    gated = _gated_by_include(changelogs)
    migrations = []
    for name, (changesets, _) in changelogs.items():
        for changeset_id, author, filters in changesets:
            # logicalFilePath: the path Liquibase records instead of the file's (kept when a changelog moves)
            key = changeset_key(changelog_path(filters.get("logicalfilepath") or name), changeset_id, author)
            dbms = filters.get("dbms", "")
            if str(filters.get("ignore", "")).strip().lower() == "true":  # Liquibase never runs it, anywhere
                ignored.append(f"{name}: changeset {changeset_id}::{author} (ignore: true: never runs)")
            elif not runs_on_postgresql(dbms):
                ignored.append(f"{name}: changeset {changeset_id}::{author} (dbms {dbms}: never runs on PostgreSQL)")
            elif any(filters.get(f) for f in RUN_FILTERS):  # the run's --contexts / --label-filter decide
                migrations.append(RepoMigration(key, name, unjudged="filtered by context or labels"))
            elif name in gated:
                migrations.append(RepoMigration(key, name, unjudged=f"included by {gated[name]} with a context or"
                                                                    " label filter"))
            else:
                migrations.append(RepoMigration(key, name))
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(refused))


def _gated_by_include(changelogs: dict[str, tuple[list, list]]) -> dict[str, str]:
    """Files every include reaching them (from a changelog nothing includes: a master) passes a context or label
    filter, each with the changelog of one such include: they run only where the run gives those."""
    files = set(changelogs)
    edges = {name: [(child, filtered) for written, whole_folder, beside, filtered in includes
                    for child in _included(name, written, whole_folder, beside, files)]
             for name, (_, includes) in changelogs.items()}
    included = {child for children in edges.values() for child, _ in children}
    open_, gate, seen = set(), {}, set()
    stack: list[tuple[str, str | None]] = [(name, None) for name in sorted(files - included)]
    while stack:
        name, via = stack.pop()
        if (name, via is None) in seen:
            continue
        seen.add((name, via is None))
        if via is None:
            open_.add(name)
        else:
            gate.setdefault(name, via)
        for child, filtered in edges.get(name, ()):
            stack.append((child, via if via is not None else (name if filtered else None)))
    return {name: via for name, via in gate.items() if name not in open_}


def _included(including: str, written: str, whole_folder: bool, beside: bool, files: set[str]) -> list[str]:
    """The folder's changelogs an include (or includeAll, `whole_folder`) names: beside the including file
    (relativeToChangelogFile), else relative to Liquibase's search path, which may sit above the folder: the
    longest tail of the written path that names a file (a folder) here."""
    path = changelog_path(written)
    if beside:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(including), path))
        tails = [] if path.startswith("../") else [path]
    else:
        parts = path.split("/")
        tails = ["/".join(parts[k:]) for k in range(len(parts))]
    for tail in tails:
        found = sorted(f for f in files if f.startswith(tail.rstrip("/") + "/")) if whole_folder else (
            [tail] if tail in files else [])
        if found:
            return found
    return []


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


def _changelog(path: Path) -> tuple[list[tuple[str, str, dict[str, str]]], list[tuple[str, bool, bool, bool]]] | None:
    """The changesets of a changelog, (id, author, {filter: value}), and its includes, (path written, whole
    folder, relative to the changelog, filtered by context or labels); None for a file that is none."""
    suffix = path.suffix.lower()
    if suffix == ".sql":
        text = read_bytes(path).decode("utf-8-sig")  # an editor's byte order mark is no part of the header
        first = next((line for line in re.split(r"\r\n|\r|\n", text) if line.strip()), "")
        if not FORMATTED.fullmatch(first):
            return None
        logical = dict(ATTRIBUTE.findall(first)).get("logicalFilePath", "")
        return [(changeset_id, author, {"logicalfilepath": logical.strip('"'),
                                        **{k.lower(): v.strip('"') for k, v in ATTRIBUTE.findall(rest)}})
                for changeset_id, author, rest in _formatted_changesets(text)], []
    if suffix == ".xml":
        root = ElementTree.fromstring(read_bytes(path))
        logical = root.get("logicalFilePath", "")
        elements = [(str(e.tag).rsplit("}", 1)[-1], {k.lower(): v for k, v in e.attrib.items()}) for e in root.iter()]
    elif suffix in STRUCTURED:
        text = read_bytes(path).decode("utf-8-sig")
        document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
        entries = document.get("databaseChangeLog", []) if isinstance(document, dict) else []
        entries = entries if isinstance(entries, list) else []
        logical = next((str(e["logicalFilePath"]) for e in entries if isinstance(e, dict) and e.get("logicalFilePath")), "")
        elements = [(tag, {str(k).lower(): str(v) for k, v in e[tag].items() if v is not None})
                    for e in entries if isinstance(e, dict) for tag in ("changeSet", "include", "includeAll")
                    if isinstance(e.get(tag), dict)]
    else:
        return None
    changesets = [(a.get("id", ""), a.get("author", ""), {"logicalfilepath": logical, **a})
                  for tag, a in elements if tag == "changeSet"]
    includes = [(a.get("file" if tag == "include" else "path", ""), tag == "includeAll",
                 a.get("relativetochangelogfile", "").lower() == "true", any(a.get(f) for f in RUN_FILTERS))
                for tag, a in elements if tag in ("include", "includeAll")]
    return changesets, [i for i in includes if i[0]]


class NotParsed(ValueError):
    """A changelog Liquibase stops at when it parses it (its run fails)."""


def _formatted_changesets(text: str) -> list[tuple[str, str, str]]:
    """(id, author, the rest of the line) of each `--changeset` line of a formatted SQL changelog, read as Liquibase
    reads them line by line: the whole line matches, an `--ignoreLines` block or count is passed over, and the quotes
    around an author or id are dropped (StringUtil.stripEnclosingQuotes). NotParsed for a line Liquibase refuses: one
    that starts as a changeset and is not `--changeset <author>:<id>` (`--changeset alice: 3`, `--changeset alice`),
    or an id that is only colons and spaces."""
    found, skipping = [], 0
    lines = iter(enumerate(re.split(r"\r\n|\r|\n", text), 1))
    for number, line in lines:
        if skipping:
            skipping -= 1
            continue
        ignore = IGNORE_LINES.fullmatch(line)
        if ignore and ignore.group(1) == "start":
            for _, later in lines:  # up to its `end`
                end = IGNORE_LINES.fullmatch(later)
                if end and end.group(1) == "end":
                    break
            continue
        if ignore:
            if not ignore.group(1).isdigit():
                raise NotParsed(f"line {number} ({line.strip()}): ignoreLines takes start, end or a count")
            skipping = int(ignore.group(1))
            continue
        changeset = CHANGESET.fullmatch(line)
        if changeset is None:
            if CHANGESET_LIKE.fullmatch(line):
                raise NotParsed(f"line {number} ({line.strip()}) is not --changeset <author>:<id>")
            continue
        author, changeset_id, rest = changeset.groups()
        # the id right after the colon, as Liquibase checks once the line matched (`alice: 3` is refused)
        if not re.fullmatch(r"\s*--\s*changeset\s+" + re.escape(f"{author}:{changeset_id}") + ".*", line, JAVA):
            raise NotParsed(f"line {number} ({line.strip()}) is not --changeset <author>:<id>: a space before the id")
        changeset_id, author = _unquoted(changeset_id), _unquoted(author)
        if not changeset_id.replace(":", "").replace(" ", ""):
            raise NotParsed(f"line {number} ({line.strip()}): the changeset id is empty")
        found.append((changeset_id, author, rest))
    return found


def _unquoted(text: str) -> str:
    """StringUtil.stripEnclosingQuotes: one pair of double or single quotes around the whole text."""
    return text[1:-1] if len(text) > 1 and text[0] in "\"'" and text[-1] == text[0] else text


# -- the history, each row matched to its file of the folder ----------------------------------------------
def _by_file(repo: RepoListing | None) -> dict[str, list[str]]:
    """id::author -> the paths (the file's, or its logicalFilePath) of the folder's changesets of it."""
    files: dict[str, list[str]] = {}
    for m in repo.migrations if repo else ():
        path, identity = _split(m.key)
        files.setdefault(identity, []).append(path)
    return files


def _tail_shared(recorded: str, file: str) -> int:
    """How many trailing path parts two paths share when the shorter is a whole tail of the longer, else 0."""
    a, b = recorded.split("/"), file.split("/")
    n = min(len(a), len(b))
    return n if a[-n:] == b[-n:] else 0


def _candidates(recorded: str, files: list[str]) -> list[str]:
    """The files a recorded path names: the same path, else those sharing the longest whole tail with it."""
    if recorded in files:
        return [recorded]
    shared = {f: _tail_shared(recorded, f) for f in files}
    best = max(shared.values(), default=0)
    return sorted(f for f, n in shared.items() if n and n == best)


def _resolved(rows: list[dict], repo: RepoListing | None) -> tuple[list[tuple[str, list[str], dict]], list[str]]:
    """Each changeset of the history (id, author, recorded path) with its last row, and the keys of the folder's
    changesets it may be (its recorded key when none or no folder); and what the folder cannot settle."""
    latest: dict[tuple[str, str], dict] = {}  # the last row of each changeset: its state now
    for row in typed_rows(rows, COLUMNS["history"], "id"):
        identity = f"{row['id']}::{row['author']}"
        latest[(changelog_path(row["filename"]), identity)] = row
    files = _by_file(repo)
    entries, doubts = [], []
    claimed: dict[str, list[tuple[str, bool]]] = {}  # folder key -> (recorded key, applied) of the rows it may be
    for (recorded, identity), row in latest.items():
        own = f"{recorded}::{identity}"
        found = _candidates(recorded, files.get(identity, []))
        keys = [f"{f}::{identity}" for f in found] or [own]
        if len(found) > 1:
            doubts.append(f"could not tell which changeset the {row['exectype']} row of {own} records:"
                          f" {' or '.join(keys)} (ambiguous: its recorded path names each of these files)")
        for key in keys if found else ():
            claimed.setdefault(key, []).append((f"{own} ({row['exectype']})", str(row["exectype"]).upper() in APPLIED))
        entries.append((own, keys, row))
    for key, rows_of in claimed.items():
        if len({applied for _, applied in rows_of}) > 1:  # in one state, which of them it is changes nothing
            doubts.append(f"could not tell which row records {key}: {' or '.join(own for own, _ in rows_of)}"
                          " (ambiguous: each recorded path names its file)")
    return entries, doubts


def doubts(answers: dict, repo: RepoListing) -> list[str]:
    return _resolved(answers["history"], repo)[1]


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = answers["history"]
    applied, failures, not_applied = {}, [], []
    for own, keys, row in _resolved(rows, repo)[0]:
        kind = str(row["exectype"]).upper()
        if kind in APPLIED:
            labels = _labels(changelog_path(row["filename"]), str(row["id"]), str(row["author"]))
            for key in keys:  # a row two files could be: the judge says so (doubts), neither is "not applied"
                applied[key] = Applied(key, labels | {key}) if key not in applied else Applied(
                    key, applied[key].labels | labels)
            continue
        not_applied += [(key, kind) for key in keys]
        if kind == "FAILED":
            failures.append(f"changeset {row['author']}:{row['id']} ({row['filename']}) FAILED")
    for lock in typed_rows(answers.get("lock", []), COLUMNS["lock"], what="lock row"):
        if lock["locked"]:
            failures.append(f"the changelog lock is held by {lock['lockedby'] or '?'} since {when(lock['lockgranted'])}:"
                            " a run is under way or died (`liquibase release-locks` once none runs)")
    return History(tuple(applied.values()), recorded=len(rows), failures=tuple(failures),
                   not_applied=tuple((k, why) for k, why in not_applied if k not in applied))


def ambiguous(label: str, history: History, repo: RepoListing | None) -> tuple[str, ...]:
    """The changesets `label` names when it is no path::id::author (`author:id`, `id::author`, `id`) and more than
    one bears it, in the history or the folder: an id numbered per file names one in each."""
    written = canonical(label)
    named = {a.key for a in history.applied if written in a.labels}
    named |= {key for key, _ in history.not_applied if _named_by(key, written)}
    named |= {m.key for m in repo.migrations if _named_by(m.key, written)} if repo else set()
    return tuple(sorted(named)) if len(named) > 1 and written not in named else ()


def _named_by(key: str, label: str) -> bool:
    """Whether a changeset key (path::id::author) bears a label."""
    identity = _split(key)[1]
    changeset_id, _, author = identity.rpartition("::")
    return label in {key, identity, changeset_id, f"{author}:{changeset_id}"}
