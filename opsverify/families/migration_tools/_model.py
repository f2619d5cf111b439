"""What every migration tool module produces: the history as the database holds it now, and the
migrations of the repo folder, in one shape the `migrations` judge reads."""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, TypeVar

from ...display import cut
from ...transports.pgvalues import BlankPadded
from .._catalog import qualified
from .._common import split_name

MAX_FILE_BYTES = 16 << 20  # a migration larger than this is a data dump, not something we hash
SKIPPED_DIRS = frozenset({"node_modules", "site-packages", "__pycache__", "venv"})


@dataclass(frozen=True)
class Table:
    schema: str
    name: str

    @classmethod
    def parse(cls, written: str) -> "Table":
        """`schema.table` or `table` (in public), read as the schema family reads `table:` (`split_name`): names as
        the catalog spells them, a part in double quotes as SQL writes it (`"my.app"._prisma_migrations`).
        ValueError for text that names no table: a quote left open, an empty or blank part, more than two parts."""
        return cls(*split_name(written))

    @property
    def label(self) -> str:
        """As messages name it, as the schema family names a table: a part that is no lower-case simple name in
        double quotes, so that no two tables share a label (`"billing.v2".h` is not `billing."v2.h"`) and the label
        reads as SQL reads it (`"App"."Hist"`: unquoted, App.Hist is app.hist)."""
        return qualified(self.schema, self.name)

    @property
    def sql(self) -> str:
        return f"{_quoted(self.schema)}.{_quoted(self.name)}"

    def sibling(self, name: str) -> "Table":
        return Table(self.schema, name)


def _quoted(part: str) -> str:
    return '"' + part.replace('"', '""') + '"'


class Query(NamedTuple):
    table: Table
    sql: str


@dataclass(frozen=True)
class Applied:
    """One migration the database holds as applied now."""

    key: str  # the identity the repo listing shares (a version, a folder name, "app.name")
    labels: frozenset[str]  # what a checklist may write for it
    checksum: str | None = None  # as the tool recorded it, when it records one
    scope: str = ""  # Django: the app; "newest" is asked per scope
    synthetic: bool = False  # recorded without a file of its own (Flyway's baseline): never "unknown"


@dataclass(frozen=True)
class History:
    applied: tuple[Applied, ...]  # the tool's order, newest last
    recorded: int  # rows read from the history table
    failures: tuple[str, ...] = ()  # failed, dirty, unfinished or locked *now*
    resolved: tuple[str, ...] = ()  # failures the tool's own recovery resolved: evidence, not a failure
    heads: tuple[str, ...] | None = None  # where the database stands, for tools that record only that
    standing: str | None = None  # that, in words, when the tool says more than the newest key
    not_applied: tuple[tuple[str, str], ...] = ()  # (key, why): rows of a migration that is not applied now
    unnamed: str | None = None  # why a name cannot be matched to some row (the history records no names)

    def newest(self, scope: str = "") -> Applied | None:
        if self.heads is not None and len(self.heads) != 1:
            return None
        inside = [a for a in self.applied if a.scope == scope or not scope]
        if self.heads is not None:
            return next((a for a in inside if a.key == self.heads[0]), None)
        return inside[-1] if inside else None

    def position(self, scope: str = "") -> str:
        """Where the database stands, in words, for a failed `latest`."""
        if self.standing:
            return self.standing
        newest = self.newest(scope)
        return newest.key if newest else "nothing applied" + (f" in {scope}" if scope else "")


@dataclass(frozen=True)
class RepoMigration:
    key: str
    file: str  # relative to the listed folder
    checksums: frozenset[str] = frozenset()  # every form the tool would accept as this file's checksum
    scope: str = ""
    parents: tuple[str, ...] = ()  # alembic: down revisions and dependencies
    replaces: tuple[str, ...] = ()  # Django squashed migrations: the keys they stand for
    checksum: str | None = None  # the file's as the tool would record it now, where `checksums` holds more forms
    unhashed: str | None = None  # why its file has no checksum here (too large, unreadable): it alone is in doubt
    # why the repo cannot tell whether it should be applied here (a Liquibase context or label filter, which each
    # run gives or not): neither expected applied nor, when applied, unknown
    unjudged: str | None = None

    @property
    def own_checksum(self) -> str | None:
        """The file's checksum to show beside a recorded one that differs: the one named, or the only form."""
        if self.checksum is not None:
            return self.checksum
        return next(iter(self.checksums)) if len(self.checksums) == 1 else None


@dataclass(frozen=True)
class RepoListing:
    migrations: tuple[RepoMigration, ...]
    looked_for: str  # the layout, for "no migration found in <folder> (looked for …)"
    ignored: tuple[str, ...] = ()  # files in the folder the tool passes over
    # (what, why): what makes the tool refuse the whole folder, so none of it deploys whatever the history says —
    # ("version 1", "1_a.sql and 1_b.sql, …") two files it cannot tell apart, ("20240501_e/", "no migration.sql …")
    # a migration folder without its script, ("3_Add_C.rb", "a name Rails …") a file it cannot name
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def keys(self) -> set[str]:
        return {m.key for m in self.migrations}


# -- helpers the tool modules share -------------------------------------------------------------
class TooDeep(Exception):
    """A repo file nested deeper than Python's parsers go: the folder cannot be listed (the file is named)."""


class Unreadable(Exception):
    """A repo file that cannot be read as the tool reads it without running it (an Alembic revision computed in
    code): the folder cannot be listed, so its items are errors (the file is named)."""


Parsed = TypeVar("Parsed")


def parsed(parse: Callable[[Path], Parsed], path: Path, folder: Path) -> Parsed:
    """`parse(path)`. Python's parsers recurse: an expression of 200,000 terms, JSON nested 100,000 deep raise
    RecursionError or MemoryError, which name no file; as TooDeep, only the items reading this folder hear of it."""
    try:
        return parse(path)
    except (RecursionError, MemoryError):
        raise TooDeep(f"{relative(path, folder)} is nested too deeply to read") from None


def read_bytes(path: Path, folder: Path | None = None) -> bytes:
    """The file's bytes; OSError for one above MAX_FILE_BYTES, or that is no regular file (a FIFO, a symlink to
    /dev/zero: read, it blocks or never ends), named relative to `folder` when given."""
    info = path.stat()
    name = relative(path, folder) if folder else path.name
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"{name} is {_kind(info.st_mode)}, not a regular file: nothing a migration tool can read")
    if info.st_size > MAX_FILE_BYTES:
        raise OSError(f"{name} is larger than {MAX_FILE_BYTES >> 20} MB")
    return path.read_bytes()


def _kind(mode: int) -> str:
    kinds = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
             stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}
    return kinds.get(stat.S_IFMT(mode), "no regular file")


def checksummed(migration: RepoMigration, folder: Path,
                sums: Callable[[bytes], tuple[frozenset[str], str | None]]) -> RepoMigration:
    """The migration with its file's checksums (`sums(bytes)` -> every accepted form, the one to show), or with why
    its file could not be hashed: a file too large or unreadable leaves only this migration's checksum in doubt."""
    try:
        data = read_bytes(folder / migration.file, folder)
    except OSError as exc:
        why = str(exc) if exc.errno is None else f"{migration.file}: {exc.strerror}"
        return replace(migration, unhashed=why)
    accepted, own = sums(data)
    return replace(migration, checksums=accepted, checksum=own)


def visible_files(folder: Path, pattern: str = "*", recursive: bool = False,
                  takes: Callable[[str], bool] | None = None, root: Path | None = None,
                  skips: Callable[[str], bool] | None = None) -> list[Path]:
    """Regular files under `folder` whose name matches `pattern`, sorted; with `recursive`, not in a folder `skips`
    names (by default hidden and dependency folders, not the project's). OSError naming a folder that cannot be listed
    (`walk`), and naming an entry the tool takes by its name (`takes`, else every name) that is neither a folder nor a
    regular file: a symlink to nothing, a FIFO, a device. The tool lists it as a migration and cannot read it (or
    never stops reading); passed over, it had gone unseen. Errors name paths from `root` (the listed folder of the
    repo) when `folder` lies inside it."""
    root = root or folder
    walked = walk(folder, root, skips) if recursive else [(folder, listed(folder, root))]
    found = []
    for parent, entries in walked:
        for entry in entries:
            if not fnmatch.fnmatchcase(entry.name, pattern) or entry.is_dir():
                continue
            if entry.is_file():
                found.append(parent / entry.name)
            elif takes is None or takes(entry.name):
                raise OSError(not_a_file(parent / entry.name, root))
    return sorted(found)


def regular_file(path: Path, folder: Path) -> bool:
    """Whether `path` is a regular file (False when there is nothing of that name); OSError naming it when it is
    something else a tool would try to read: a symlink to nothing, a FIFO, a device."""
    if path.is_file():
        return True
    if path.is_symlink() or path.exists() and not path.is_dir():
        raise OSError(not_a_file(path, folder))
    return False


def not_a_file(path: Path, folder: Path) -> str:
    name = relative(path, folder)
    if path.is_symlink() and not path.exists():
        return (f"{name} is a symlink to {os.readlink(path)}, which is not there: the tool lists it by its name and"
                " cannot read it; check out its target, or delete the link")
    what = _kind(path.stat().st_mode)
    return f"{name} is {what}, not a regular file: the tool lists it by its name and cannot read it"


def walk(folder: Path, root: Path | None = None,
         skips: Callable[[str], bool] | None = None) -> Iterator[tuple[Path, list[os.DirEntry]]]:
    """(folder, its entries) for `folder` and every folder under it, as a recursive glob walks them (a symlinked
    folder is not entered), but not one `skips` names (by default hidden and dependency folders). A folder that
    cannot be listed is OSError naming it (from `root`, else `folder`): pathlib's glob passes it over in silence, and
    a migration inside went unseen."""
    root, skips = root or folder, skips or _skipped
    pending = [folder]
    while pending:
        parent = pending.pop()
        entries = listed(parent, root)
        yield parent, entries
        pending += [parent / entry.name for entry in entries if _is_folder(entry, root) and not skips(entry.name)]


def listed(parent: Path, folder: Path) -> list[os.DirEntry]:
    """The entries of `parent`, a folder at or under `folder`; OSError naming it when they cannot be read."""
    try:
        with os.scandir(parent) as entries:
            return list(entries)
    except OSError as exc:
        raise OSError(f"{_folder_name(parent, folder)} cannot be listed ({exc.strerror or exc}): what it holds"
                      " cannot be checked; let the checker's user read it") from None


def _is_folder(entry: os.DirEntry, folder: Path) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError as exc:
        raise OSError(f"{_folder_name(Path(entry.path), folder)} cannot be looked at ({exc.strerror or exc})") from None


def _folder_name(path: Path, folder: Path) -> str:
    return "the folder" if path == folder else f"{relative(path, folder)}/"


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRS


def clashes(named: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(what, file) pairs -> `refused` entries: each `what` more than one file has, with those files (sorted):
    two files of one version are a folder the tool refuses (it would run, or record, only one of them)."""
    files: dict[str, list[str]] = {}
    for what, file in named:
        files.setdefault(what, []).append(file)
    return tuple((what, " and ".join(sorted(found)) + ", which it cannot tell apart (at most one ran)")
                 for what, found in files.items() if len(found) > 1)


def relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def in_bytecode_cache(path: Path, folder: Path) -> bool:
    """Whether `path` (under `folder`) is in a `__pycache__` folder: Python's bytecode cache, which Django's loader
    never reads a migration from (it lists modules; a folder without __init__ is none)."""
    return path.is_relative_to(folder) and "__pycache__" in path.relative_to(folder).parts


def cache_of_sources_beside(path: Path, folder: Path) -> bool:
    """Whether `path` (under `folder`; a file, or a whole folder git lists as ignored) is Python's bytecode cache of
    sources beside it: `__pycache__/x.cpython-311.pyc` where `x.py` is in the folder above. Alembic never reads
    those; with `sourceless = true` it does read one whose source is gone, and its walk enters a folder below
    `__pycache__`: those are not passed over (nor is anything that cannot be read)."""
    parts = path.relative_to(folder).parts if path.is_relative_to(folder) else ()
    if "__pycache__" not in parts:
        return False
    at = parts.index("__pycache__")
    cache = folder.joinpath(*parts[:at + 1])
    below = parts[at + 1:]
    if len(below) > 1:
        return False
    try:
        sources = {entry.name.split(".")[0] for entry in os.scandir(cache.parent) if entry.is_file()}
        entries = [cache / below[0]] if below else list(cache.iterdir())
        return all(entry.is_file() and entry.name.split(".")[0] in sources for entry in entries)
    except OSError:
        return False


# a history column's type as the tool writes it: `text`, `integer`, `boolean`, `timestamp`; `?` after it where the
# tool writes NULL there too (each tool's COLUMNS, per query role)
_WRITTEN = {"text": "text", "integer": "an integer", "boolean": "a boolean", "timestamp": "a timestamp"}


def typed_rows(rows: list[dict], columns: dict[str, str], key: str | None = None, what: str = "row") -> list[dict]:
    """`rows`, once each of `columns` ({column: type}) holds in every row a value of the type the tool writes there;
    ValueError naming the row (by `key`, once that is read, else `what` and its number), the column, what was
    expected and what was seen. Read by truthiness or str(), a value of another type means something the tool never
    does: text 'false' is true, a NULL `dirty` is clean, text '' a finished attempt, a float version an overflow."""
    order = ([key] if key else []) + [column for column in columns if column != key]
    for number, row in enumerate(rows, 1):
        where = f"{what} {number}"
        for column in order:
            written, nullable = columns[column].removesuffix("?"), columns[column].endswith("?")
            value = row[column]
            if not (value is None and nullable or _written_as(value, written)):
                expected = _WRITTEN[written] + (" or NULL" if nullable else " (not NULL)")
                raise ValueError(f"{where}: {column} is {_seen(value)}, expected {expected}")
            if column == key:
                where = f"{key} {cut(str(value), 60)}"
    return rows


def _written_as(value: Any, written: str) -> bool:
    if written == "text":  # a char(n) keeps its padding: 'FAILED    ' is no exectype the tool reads
        return isinstance(value, str) and not isinstance(value, BlankPadded)
    if written == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if written == "boolean":
        return isinstance(value, bool)
    return isinstance(value, datetime)


def _seen(value: Any) -> str:
    """A value as a message names it: its type, then the value, cut."""
    if value is None:
        return "NULL"
    if isinstance(value, BlankPadded):
        return f"char(n) {cut(str(value), 40)!r}"
    if isinstance(value, str):
        return f"text {cut(value, 40)!r}"
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (Decimal, "a numeric"),
             (datetime, "a timestamp"), (date, "a date"))
    kind = next((name for cls, name in kinds if isinstance(value, cls)), f"a {type(value).__name__}")
    return f"{kind} ({cut(str(value), 40)})"


def integer_label(label: str) -> str:
    """A version as an integer's text: "0005" and "5" are one version to Rails and golang-migrate."""
    return str(int(label)) if label.isdigit() else label


def when(value: Any) -> str:
    """A timestamp for a message, to the minute."""
    if value is None:
        return "?"
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else cut(str(value), 16)
