"""Alembic (`alembic upgrade head`).

Table (alembic runtime/migration.py; `alembic upgrade --sql` prints it): alembic_version
(version_num varchar(32) not null, constraint alembic_version_pkc primary key (version_num)): the
revision(s) the database stands at, one row per head, nothing about the way there. Files:
<versions folder>/**/*.py (subfolders too, as `recursive_version_locations` allows), each with
module-level `revision`, `down_revision` (None, one id or a tuple for a merge) and `depends_on`,
read here without importing the file. A revision counts as
applied when it is a head or an ancestor of one, so `applied` needs `from_repo`. No failure
state (a failed upgrade rolls back on PostgreSQL), no checksum.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ._model import (Applied, History, Query, RepoListing, RepoMigration, Table, parsed, read_bytes, relative,
                     visible_files)

NAME = "alembic"
TABLE = "public.alembic_version"
LAYOUT = "<revision>_<slug>.py with revision = ..."
RECORDS_FAILURES = False
RECORDS_CHECKSUMS = False
RECORDS_EACH = False
PER_APP = False
LABEL = None


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, f"select version_num from {table.sql} order by version_num")}


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored = [], []
    # subfolders too: `recursive_version_locations` (alembic.ini) lays revisions out by year or feature
    for path in visible_files(folder, "*.py", recursive=True):
        if path.name == "__init__.py":
            continue
        names = parsed(_module_constants, path, folder)
        revision = names.get("revision")
        if isinstance(revision, str) and revision:
            parents = _ids(names.get("down_revision")) + _ids(names.get("depends_on"))
            migrations.append(RepoMigration(revision, relative(path, folder), parents=parents))
        else:
            ignored.append(relative(path, folder))
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored))


def _module_constants(path: Path) -> dict:
    try:
        tree = ast.parse(read_bytes(path))
    except (SyntaxError, ValueError, OSError):
        return {}
    found = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        if isinstance(target, ast.Name) and node.value is not None:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError):
                continue
    return found


def _ids(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = answers["history"]
    heads = tuple(str(r["version_num"]) for r in rows)
    parents = {m.key: m.parents for m in repo.migrations} if repo else {}
    reached, stack = [], list(heads)
    while stack:  # every ancestor of a head is applied
        revision = stack.pop()
        if revision not in reached:
            reached.append(revision)
            stack.extend(p for p in parents.get(revision, ()) if p in parents)  # not branch labels
    applied = tuple(Applied(r, frozenset({r})) for r in reversed(reached))
    standing = (f"{len(heads)} heads: {', '.join(heads)}" if len(heads) > 1
                else heads[0] if heads else "no revision recorded")
    return History(applied, recorded=len(rows), heads=heads, standing=standing)
