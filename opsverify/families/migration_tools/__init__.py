"""The migration tools the `migrations` family knows: one module per tool, each with the same names.

    NAME               the `tool:` value
    TABLE              where the tool keeps its history by default (schema.table)
    LAYOUT             the repo folder's layout, as `from_repo` looks for it
    RECORDS_FAILURES   the tool leaves a trace of a failed or unfinished run (`none_failed`)
    RECORDS_CHECKSUMS  the tool records a checksum of each file we can recompute (`checksums`)
    RECORDS_EACH       one row per applied migration (else only where the database stands)
    PER_APP            `latest` is asked per app (Django)
    LABEL              (pattern, hint) a checklist's `applied`/`latest` value must match, or None
    COLUMNS            {role: {column: type}}: each column `history` reads, with the type the tool's DDL writes
                       there (text, integer, boolean, timestamp; `?`: NULL too); a row holding another is
                       ValueError naming it (`typed_rows`), never read by truthiness or str()
    canonical(label)   the label as the tool compares it ("0005" is version 5 to Rails)
    queries(table, none_failed) -> {role: Query}      read-only SELECTs, one round trip
    read_repo(folder) -> RepoListing                   the files the tool would run (and what it `refused`:
                                                       files it cannot tell apart or will not read, so it
                                                       refuses the folder); OSError, TooDeep (a file nested
                                                       deeper than Python's parsers go) or Unreadable (a file read
                                                       only by running it) when it cannot be read;
                                                       read_repo(folder, checksums=True) where RECORDS_CHECKSUMS:
                                                       each file hashed too (or why not, in `unhashed`)
    history({role: rows}, repo | None) -> History      what the rows mean now (pure)
    undecided(label, history) -> bool                  optional (supabase): a label no row can be matched
                                                       to or ruled out by (its history records no names)
    ambiguous(label, history, repo | None) -> versions optional (supabase): the versions a bare name belongs
                                                       to when more than one (the label then names none)
    AMBIGUOUS = (kind, fix)                            optional: how the judge names what an ambiguous label
                                                       could be, and the fix (liquibase: changesets)
    UNREAD(path, folder) -> bool                       optional (alembic, django: Python's bytecode cache): a
                                                       path of the folder the tool never reads a migration from;
                                                       git listing it (a gitignored cache) leaves `from_repo` the
                                                       commit's
    refuses(rows, repo) -> ((what, why), ...)          optional (flyway): what the tool refuses only once
                                                       history and folder are compared (a renamed version)
    doubts(rows, repo) -> [text]                       optional (liquibase): history rows the folder cannot
                                                       match to one file (an error, the rest still judged)
"""

from __future__ import annotations

from types import ModuleType

from . import alembic, django, flyway, golang_migrate, knex, liquibase, prisma, rails, supabase
from ._model import Applied, History, Query, RepoListing, RepoMigration, Table, TooDeep, Unreadable

TOOLS: dict[str, ModuleType] = {
    m.NAME: m for m in (supabase, prisma, rails, django, alembic, flyway, golang_migrate, knex, liquibase)
}

__all__ = ["TOOLS", "Applied", "History", "Query", "RepoListing", "RepoMigration", "Table", "TooDeep", "Unreadable"]
