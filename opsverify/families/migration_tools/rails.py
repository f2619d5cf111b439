"""Rails Active Record migrations (`bin/rails db:migrate`).

Table (activerecord schema_migration.rb, `create_table(id: false) { t.string :version,
primary_key: true }`): schema_migrations (version character varying not null primary key), one
row per applied migration holding only its version (the integer, as text). Files:
db/migrate/**/<version>_<name>.rb (migration.rb `MigrationFilenameRegexp`); the version is read
as an integer, so 0005_x.rb is version 5. Two files of one version, or of one name, are a folder
Rails refuses (DuplicateMigrationVersionError, DuplicateMigrationNameError: migration.rb
`validate`, names compared as the classes they camelize to: add_index_1 is add_index1); so is a file its glob `[0-9]*_*.rb` lists and the pattern does not take (`3_Add_C.rb`:
IllegalMigrationNameError). PostgreSQL runs each migration in a DDL transaction: no failure row, no checksum.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from ._model import (
    Applied, History, Query, RepoListing, RepoMigration, Table, clashes, integer_label, relative, typed_rows,
    visible_files)

NAME = "rails"
TABLE = "public.schema_migrations"
LAYOUT = "<version>_<name>.rb (subfolders too)"
RECORDS_FAILURES = False
RECORDS_CHECKSUMS = False
RECORDS_EACH = True
PER_APP = False
LABEL = (re.compile(r"^[0-9]+$"), "the version only (digits): schema_migrations records nothing else")

GLOB = "[0-9]*_*.rb"  # migration.rb `migration_files`: what Rails lists (case-sensitive, as Ruby's Dir.glob)
COLUMNS = {"history": {"version": "text"}}  # character varying not null: the version's digits as text
FILE = re.compile(r"\A([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb\Z")  # MigrationFilenameRegexp: what it then takes


def canonical(label: str) -> str:
    return integer_label(label)


def queries(table: Table, none_failed: bool) -> dict[str, Query]:
    return {"history": Query(table, f"select version from {table.sql}")}


def read_repo(folder: Path) -> RepoListing:
    migrations, ignored, names, unnamed = [], [], [], []
    for path in visible_files(folder, "*.rb", recursive=True, takes=lambda name: fnmatch.fnmatchcase(name, GLOB)):
        match = FILE.match(path.name)
        if match:
            migrations.append(RepoMigration(integer_label(match.group(1)), relative(path, folder)))
            names.append((f"name {_camelized(match.group(2))}", relative(path, folder)))  # the class Rails names
        elif fnmatch.fnmatchcase(path.name, GLOB):  # listed by Rails, then not parsed: it refuses the folder
            unnamed.append((relative(path, folder), "not a name Rails reads, IllegalMigrationNameError: after the"
                                                    " version only lower-case letters, digits and _; rename it"))
        else:
            ignored.append(relative(path, folder))
    migrations.sort(key=_order)
    same = clashes([(f"version {m.key}", m.file) for m in migrations]) + clashes(names)
    return RepoListing(tuple(migrations), LAYOUT, tuple(ignored), tuple(unnamed) + same)


def _camelized(name: str) -> str:
    """The class name Rails gives a migration file's name (ActiveSupport's `camelize`, no acronyms): add_index_1 and
    add_index1 are both AddIndex1, one name twice (DuplicateMigrationNameError)."""
    head = re.match(r"[a-z0-9]*", name).group()
    return re.sub(r"_([a-z0-9]*)", lambda m: m.group(1).capitalize(), head.capitalize() + name[len(head):])


def history(answers: dict, repo: RepoListing | None) -> History:
    rows = typed_rows(answers["history"], COLUMNS["history"], "version")
    versions = sorted({integer_label(r["version"]) for r in rows}, key=lambda v: (not v.isdigit(), len(v), v))
    return History(tuple(Applied(v, frozenset({v})) for v in versions), recorded=len(rows))


def _order(migration: RepoMigration) -> tuple:
    return (len(migration.key), migration.key)
