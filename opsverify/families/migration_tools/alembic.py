"""Alembic (`alembic upgrade head`).

Table (alembic runtime/migration.py; `alembic upgrade --sql` prints it): alembic_version
(version_num varchar(32) not null, constraint alembic_version_pkc primary key (version_num)): the
revision(s) the database stands at, one row per head, nothing about the way there. Files:
<versions folder>/**/*.py (subfolders too, hidden ones included, as `recursive_version_locations` walks
them; not __pycache__, `__init__*` or an editor's `.#*`), each with
module-level `revision`, `down_revision` (None, one id or a tuple for a merge) and `depends_on`,
read here without importing the file: one whose revision (or parents) is computed in code cannot be
read so, and leaves the folder unread (an error); one with no `revision` is, as alembic reads it, the
revision its name is (`ddd.py`, hex) or, named otherwise, refused (alembic: cannot determine its
revision id). A file Python cannot parse, a parent no file (nor branch label) has and a cycle are
what alembic refuses the folder for (`refused`). A revision counts as
applied when it is a head or an ancestor of one, so `applied` needs `from_repo`. No failure
state (a failed upgrade rolls back on PostgreSQL), no checksum.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ._model import (Applied, History, Query, RepoListing, RepoMigration, Table, Unreadable, cache_of_sources_beside,
                     parsed, read_bytes, relative, typed_rows, visible_files)

NAME = "alembic"
TABLE = "public.alembic_version"
LAYOUT = "<revision>_<slug>.py with revision = ..."
RECORDS_FAILURES = False
RECORDS_CHECKSUMS = False
RECORDS_EACH = False
PER_APP = False
LABEL = None
# Python's bytecode cache of a revision beside it: never read (a sourceless .pyc whose source is gone may be)
UNREAD = cache_of_sources_beside
COLUMNS = {"history": {"version_num": "text"}}  # varchar(32) not null: a NULL head is none alembic wrote


def canonical(label: str) -> str:
    return label


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, f"select version_num from {table.sql} order by version_num")}


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored, refused, labels, downs = [], [], [], set(), {}
    # subfolders too: `recursive_version_locations` (alembic.ini) lays revisions out by year or feature; its os.walk
    # enters every folder, hidden ones too, but __pycache__ (script/base.py `_list_py_dir`)
    for path in visible_files(folder, "*.py", recursive=True, takes=_revision_file,
                              skips=lambda name: name == "__pycache__"):
        if not _revision_file(path.name):
            continue
        try:
            names = parsed(_module_constants, path, folder)
        except (SyntaxError, ValueError) as exc:  # alembic imports every file of the folder: it stops at this one
            refused.append((relative(path, folder), f"Python cannot parse it, so alembic cannot load it: {_said(exc)}"))
            continue
        computed = [name for name in ("revision", "down_revision", "depends_on", "branch_labels")
                    if names.get(name) is _COMPUTED]
        if computed:  # alembic runs the file to learn them; this reader runs none
            raise Unreadable(f"{relative(path, folder)}: its {', '.join(computed)} is computed (`revision = REV`), not"
                             " written as a literal: what it is cannot be told without running the file, which"
                             " opsverify does not do; write it as alembic writes it (revision = \"<id>\")")
        revision = names.get("revision")
        if "revision" not in names and _LEGACY_NAME.fullmatch(path.name):  # alembic's legacy: the name is the id
            revision = path.name.removesuffix(".py")
        elif "revision" not in names and path.name == "env.py" and path.parent == folder:
            ignored.append(relative(path, folder))  # the script location's own: `from_repo` names that folder
            continue
        elif "revision" not in names:  # in a versions folder, alembic stops every command at it
            refused.append((relative(path, folder), "no revision variable and a name that is no revision id: alembic"
                            " cannot determine its revision id"))
            continue
        if isinstance(revision, str) and revision:
            parents = _ids(names.get("down_revision")) + _ids(names.get("depends_on"))
            migrations.append(RepoMigration(revision, relative(path, folder), parents=parents))
            labels.update(_ids(names.get("branch_labels")))
            downs[revision] = _ids(names.get("down_revision"))
        else:
            ignored.append(relative(path, folder))
    refused += _broken_graph(migrations, labels, downs)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(refused))


def _said(exc: Exception) -> str:
    if isinstance(exc, SyntaxError):
        return f"line {exc.lineno}: {exc.msg}"
    return str(exc)


def _broken_graph(migrations: list[RepoMigration], labels: set[str],
                  downs: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """What makes alembic refuse the revision map: a parent no file has ("Revision zzz referenced from … is not
    present"), and revisions that are their own ancestors (a cycle)."""
    ids = {m.key for m in migrations}
    refused = [(f"revision {m.key}", f"{m.file}: its {'down_revision' if parent in downs[m.key] else 'depends_on'}"
                f" {parent} is in no file of the folder nor a branch label (alembic: revision not present)")
               for m in migrations for parent in m.parents if parent not in ids and parent not in labels]
    parents = {m.key: [p for p in m.parents if p in ids] for m in migrations}
    looping = sorted(key for key in parents if _reaches(parents, key))
    if looping:
        refused.append((f"revisions {', '.join(looping)}", "a cycle: each is an ancestor of itself (alembic: cycle"
                        " detected)"))
    return refused


def _reaches(parents: dict[str, list[str]], start: str) -> bool:
    """Whether `start` is among its own ancestors."""
    seen, stack = set(), list(parents[start])
    while stack:
        revision = stack.pop()
        if revision == start:
            return True
        if revision not in seen:
            seen.add(revision)
            stack.extend(parents.get(revision, ()))
    return False


def _revision_file(name: str) -> bool:
    """A `.py` name alembic loads (script/base.py `_only_source_rev_file`): not `__init__*`, nor an editor's `.#` lock
    file (Emacs leaves it as a symlink to nothing)."""
    return not name.startswith(("__init__", ".#"))


_LEGACY_NAME = re.compile(r"[a-f0-9]+\.py")  # alembic's `_legacy_rev`: a file with no revision variable named by its id
_COMPUTED = object()  # a name assigned a value that is no literal (`revision = REV`)


def _module_constants(path: Path) -> dict:
    """Module-level names assigned a literal (`revision = "a"`, `revision: str = "a"`, `revision, down_revision =
    "b", "a"`); one assigned anything else is _COMPUTED. SyntaxError or ValueError for a file Python cannot parse."""
    tree = ast.parse(read_bytes(path))
    found = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        if isinstance(target, ast.Name) and node.value is not None:
            pairs = [(target, node.value)]
        elif (isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
              and len(target.elts) == len(node.value.elts)):
            pairs = list(zip(target.elts, node.value.elts))
        else:
            continue
        for name, value in pairs:
            if isinstance(name, ast.Name):
                try:
                    found[name.id] = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError):
                    found[name.id] = _COMPUTED
    return found


def _ids(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "version_num")
    heads = tuple(r["version_num"] for r in rows)
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
