"""A seeded PostgreSQL data directory, built once and kept in the user's cache folder.

initdb and loading the five systems' SQL cost seconds; copying a stopped, seeded cluster costs a
fraction of that. An entry is keyed by everything its contents depend on (the SQL, the roles,
the binaries, the owner), so a change to any of them builds a new one; runs only copy it.

The seeds are written relative to now() ("ran 40 seconds ago"). An entry remembers, per
database, the server time its seed was written at; `shift_seed_times` moves every timestamp and
date of a database's tables forward by the time passed since, so the rows are as old as they were
when written, whenever the copy starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from .postgres import private_folder
from .support import die_with_parent

UNUSED_FOR_S = 14 * 86400  # entries no run has used for this long are removed when a new one is built
# Each venv's server binary makes a key of its own (~70 MB an entry): a day of fresh clones made dozens. Beyond
# the most recently used few, an entry no run has used for an hour goes too (one in use is touched as it is read).
KEEP_RECENT = 3
ABANDONED_AFTER_S = 3600  # a half-copied entry this old belongs to no running build
SEEDED = "seeded.json"

# every timestamp, timestamptz and date column of the database's own tables
# (partitions are plain tables here too: a row is shifted once, through its own partition)
SEED_TIME_COLUMNS = """
select n.nspname, c.relname, a.attname, a.atttypid = 'date'::regtype
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
  and a.atttypid in ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype)
  and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
order by n.nspname, c.relname, a.attnum
"""


def cache_root() -> Path:
    """$XDG_CACHE_HOME/opsverify, else ~/.cache/opsverify; the temp dir when neither can be written."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    root = Path(base) / "opsverify"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK | os.X_OK):
            return root
    except OSError:
        pass
    return private_folder(Path(tempfile.gettempdir()) / f"opsverify-cache-{os.geteuid()}", "the demo's cache folder",
                          "remove it, or set XDG_CACHE_HOME to a folder of your own")


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:20]


class SeedCache:
    """One entry: `<cache>/demo-pg-<key>/` holding `data/` (a stopped cluster) and seeded.json."""

    def __init__(self, key: str, root: Path | None = None) -> None:
        self.root = root or cache_root()
        self.entry = self.root / f"demo-pg-{key}"

    @property
    def data(self) -> Path:
        return self.entry / "data"

    def seeded_at(self) -> dict[str, dt.datetime] | None:
        """When each database's seed was written (server time); None while there is no entry, or one whose
        seeded.json is not as `publish` writes it (a damaged entry: the caller makes it again)."""
        try:
            seeded = json.loads((self.entry / SEEDED).read_text(encoding="utf-8"))
            if not isinstance(seeded, dict) or not all(isinstance(at, str) for at in seeded.values()):
                return None
            written = {name: dt.datetime.fromisoformat(at) for name, at in seeded.items()}
        except (OSError, ValueError):  # ValueError: not JSON, not UTF-8, not an ISO time
            return None
        try:
            os.utime(self.entry / SEEDED)  # used: kept by the clean-up of `publish`
        except OSError:  # a cache we may read but not write
            pass
        return written

    def publish(self, data: Path, seeded_at: dict[str, dt.datetime]) -> None:
        """Copy a stopped cluster in; atomic, so a run copying from the entry never sees half of it.
        When two runs build at once, the first to finish wins and the other's copy is dropped."""
        staging = Path(tempfile.mkdtemp(prefix=f".{self.entry.name}-", dir=self.root))
        try:
            subprocess.run(["cp", "-a", "--reflink=auto", str(data), str(staging / "data")], check=True,
                           capture_output=True, timeout=300, preexec_fn=die_with_parent)
            (staging / SEEDED).write_text(json.dumps({name: at.isoformat() for name, at in seeded_at.items()}),
                                          encoding="utf-8")
            os.chmod(staging, 0o755)
            try:
                os.rename(staging, self.entry)
            except OSError:  # another run published this key first
                pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._remove_unused()

    def remove(self) -> None:
        """Out of the way first (a rename is atomic), then deleted: a run copying it meanwhile fails whole."""
        doomed = self.root / f".{self.entry.name}-removed-{os.getpid()}"
        try:
            os.rename(self.entry, doomed)
        except OSError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def _remove_unused(self) -> None:
        """Entries no run has used for two weeks, those beyond the KEEP_RECENT most recently used that none has used
        for an hour, and what a run killed while publishing left behind."""
        now = time.time()
        used: list[tuple[float, Path]] = []
        for entry in self.root.glob("demo-pg-*"):
            try:
                used.append((now - (entry / SEEDED).stat().st_mtime, entry))
            except OSError:
                continue
        for rank, (idle, entry) in enumerate(sorted(used, key=lambda pair: pair[0])):
            if entry != self.entry and (idle > UNUSED_FOR_S or (rank >= KEEP_RECENT and idle > ABANDONED_AFTER_S)):
                SeedCache(entry.name.removeprefix("demo-pg-"), self.root).remove()
        for staging in self.root.glob(".demo-pg-*"):
            try:
                abandoned = now - staging.stat().st_mtime > ABANDONED_AFTER_S
            except OSError:
                continue
            if abandoned:
                shutil.rmtree(staging, ignore_errors=True)


def shift_seed_times(conn: psycopg.Connection, since: dt.datetime) -> dt.datetime:
    """Move every timestamp and date of the database's tables forward by the time passed since
    `since` (the server time the seed was written at, or last shifted to): one statement per
    table, in one transaction, triggers off (an `updated_at = now()` trigger would undo the shift).
    Returns the server time the rows are now relative to. (A unique index over a shifted column could
    clash in mid-statement, rows being moved one by one; no seed has one.)"""
    with conn.transaction():
        conn.execute("set local session_replication_role = replica")
        conn.execute("set local timezone = 'UTC'")  # days of 24 hours: no daylight-saving step in the shift
        columns: dict[tuple[str, str], list[tuple[str, bool]]] = {}
        for schema, table, column, is_date in conn.execute(SEED_TIME_COLUMNS):
            columns.setdefault((schema, table), []).append((column, is_date))
        for (schema, table), shifted in columns.items():
            conn.execute(sql.SQL("update only {} set {}").format(
                sql.Identifier(schema, table),
                sql.SQL(", ").join(sql.SQL("{0} = {0} + {1}").format(
                    sql.Identifier(column),
                    sql.SQL("(current_date - {}::timestamptz::date)" if is_date else "(now() - {}::timestamptz)")
                    .format(sql.Literal(since)))
                    for column, is_date in shifted)))
        now = conn.execute("select now()").fetchone()
    assert now is not None
    return now[0]
