"""One read-only PostgreSQL session per target, shared by the whole run.

Every statement a checklist gives runs alone in its own `BEGIN READ ONLY` transaction, which is
rolled back afterwards (with session advisory locks released): a statement can neither write nor
switch the session to read-write, and nothing it does outlives it. Many statements go out in one
pipelined round trip; each answer — rows, or the server's error with its SQLSTATE — is bound to
its own statement by position, in order, every run. A job that knows every statement its families
will send asks them all at once (`prefetch`); each answer is kept for the one later `query_many`
that asks exactly that statement (same text, same bound values), so the families' conversations
cost one round trip together, and a statement nobody foresaw is asked on its own. The one statement outside a
transaction is the session's first: it reads the TimeZone the app's sessions get (`default_zone`: the session's own,
unless the checker's role or URL set it, then the database's; `unknown_zone` where it cannot be read; `own_zone`: whence
the checker's own came, where it has one) and sets UTC for the rest of the session (`SESSION_ZONE`).

Time is bounded on the client too: `statement_timeout` only helps while the server is alive, so
the conversation waits at most `statement_timeout + grace` for each next answer. A database that
stops answering (a half-open network, a frozen server) is abandoned; its remaining statements,
and every later one in this run, end as an error naming the phase and the bound. So is one whose answers the client
cannot follow (any exception mid-pipeline): no later conversation may read its leftover answers as its own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import fractions
import functools
import json
import math
import os
import re
import selectors
import socket
import struct
import threading
import time
from concurrent.futures import Future, wait
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any, Mapping, Sequence

import psycopg
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.datetime import IntervalLoader, TimestamptzLoader
from psycopg.types.json import set_json_loads
from psycopg.types.string import TextLoader

from ..display import cut, one_line
from ..environment import LIBPQ_KEYWORDS
from ..errors import DatabaseUnavailable, GatherError, QueryFailed
from ..limits import READ_GRACE_S, database_total_s
from .loops import DaemonExecutor
from .pgvalues import SESSION_PARAMETERS, SESSION_PINS, BlankPadded, Bounded, InZone, Pinned

Rows = list[dict[str, Any]]
Statement = str | tuple[str, Mapping[str, Any] | Sequence[Any] | None]  # a Pinned text, or a tuple's, is pinned

BEGIN = b"begin transaction read only"
# before a Pinned statement, in its transaction (qualified: it runs with the session's search_path): that path, and
# the settings by which a literal's text is read back as PostgreSQL printed it (the schema family asks a constant
# policy expression's value so) — NULL in an array literal is NULL, an xml literal a fragment, `= NULL` as written —
# whatever the database sets; a checklist's own query, plain text, keeps the database's settings, as the app's does
PINNED_SETTINGS = (b"select pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true),"
                   b" pg_catalog.set_config('array_nulls', 'on', true),"
                   b" pg_catalog.set_config('xmloption', 'content', true),"
                   b" pg_catalog.set_config('transform_null_equals', 'off', true)")
# before an InZone statement, in its transaction: the zone it reads time in (the session's stays UTC)
ZONE_SETTING = b"select pg_catalog.set_config('TimeZone', %s, true)"
# first in a session's first conversation, outside any transaction (so that it lasts): the TimeZone the app's sessions
# read time in by default, and whether that reads as UTC (its offset now and half a year ago, read with the session set
# to it: no daylight saving either; not timezone(name, …), which reads `WET` as the abbreviation, UTC all year, not the
# zone); then UTC for the session, so the suite's own questions, a `timestamp` against {deployed_at} and the values
# read (a timestamptz's offset in evidence) are the same whatever the database sets. Not in the startup options, which
# would hide that zone. The app's zone is the one the session was given (the server's, ALTER ROLE ALL's or the
# database's) unless the checker's own setting gave it — its role's, its role's in this database, or its URL's
# `options` (source 'client': the transport sets no TimeZone and drops PGTZ), which the app's sessions do not get:
# then it is the database's setting (ALTER DATABASE, ALTER ROLE ALL IN DATABASE), else ALTER ROLE ALL's, else the
# server's configured one, which only a superuser can read: NULL (`own` says whence the checker's came; `unknown_zone`).
# (Qualified: it runs with the session's search_path.)
SESSION_ZONE = (
    b"select d.zone, d.utc, d.own, d.checker_zone, d.role, d.db,"
    b" pg_catalog.set_config('TimeZone', 'UTC', false) as pinned from (select a.*,"
    b" pg_catalog.date_part('timezone', pg_catalog.now()) operator(pg_catalog.=) 0"
    b" and pg_catalog.date_part('timezone', pg_catalog.now() operator(pg_catalog.-) '6 months'::pg_catalog.interval)"
    b" operator(pg_catalog.=) 0 as utc from (select z.*, pg_catalog.set_config('TimeZone',"
    b" coalesce(z.zone, z.checker_zone), false) as read from (select case when z.own is null"
    b" then z.checker_zone else (select l.zone from (select r.setdatabase, pg_catalog.substr(c.setting,"
    b" pg_catalog.strpos(c.setting, '=') operator(pg_catalog.+) 1) as zone from pg_catalog.pg_db_role_setting r,"
    b" pg_catalog.unnest(r.setconfig) as c(setting) where r.setrole operator(pg_catalog.=) 0::pg_catalog.oid"
    b" and r.setdatabase operator(pg_catalog.=) any(array[0::pg_catalog.oid, (select b.oid from"
    b" pg_catalog.pg_database b where b.datname operator(pg_catalog.=) pg_catalog.current_database())])"
    b" and pg_catalog.lower(pg_catalog.split_part(c.setting, '=', 1)) operator(pg_catalog.=) 'timezone') as l"
    b" order by l.setdatabase operator(pg_catalog.=) 0::pg_catalog.oid limit 1) end as zone, z.* from (select"
    b" pg_catalog.current_setting('TimeZone') as checker_zone, current_user::pg_catalog.text as role,"
    b" pg_catalog.quote_ident(pg_catalog.current_database()) as db, (select s.source from pg_catalog.pg_settings s"
    b" where s.name operator(pg_catalog.=) 'TimeZone' and s.source operator(pg_catalog.=)"
    b" any(array['user', 'database user', 'client'])) as own offset 0) as z offset 0) as z offset 0) as a offset 0)"
    b" as d")
SESSION_LEVEL = "session"  # a statement run outside any transaction: only SESSION_ZONE
# after each statement, in its own sync segment so it runs even when the statement failed (qualified: it runs with
# the session's search_path, where a function public.pg_advisory_unlock_all could stand in for it)
CLEANUP = (b"rollback", b"select pg_catalog.pg_advisory_unlock_all()")
# of the server's words (or the driver's about a value it cannot read) in an outcome: their start, which names the
# problem, and how long they were — PostgreSQL quotes a value it cannot read whole, megabytes of it
SERVER_TEXT_CHARS = 300


# What the checker role could do if a session were not read-only (see README: the checker role); and the known ways
# to act outside its read-only transaction that it may reach: dblink's and pg_background's functions, which the
# checklists may not call (`read_only_query`) but a function of the database's own may, foreign servers, and
# REPLICATION (replication slots: created, consumed and dropped whatever the transaction).
ROLE_CHECK = Pinned("""
with writable as (
  select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\\_%' and has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
select current_user as role, r.rolsuper as superuser, r.rolreplication as replication,
  (select count(*) from writable) as writable,
  (select array_agg(name) from (select name from writable order by name limit 3) w) as first,
  (select array_agg(distinct p.proname::text order by p.proname::text) from pg_proc p
   where p.proname in ('dblink_exec', 'dblink', 'dblink_send_query', 'dblink_open', 'pg_background_launch',
     'http', 'http_get', 'http_post', 'http_put', 'http_patch', 'http_delete', 'http_head')
     and has_function_privilege(p.oid, 'EXECUTE')) as runs_elsewhere,
  (select array_agg(distinct m.srvname::text order by m.srvname::text) from pg_user_mappings m
   where m.usename in (current_user, 'public') and has_server_privilege(m.srvid, 'USAGE')) as servers
from pg_roles r where r.rolname = current_user
""")


ROLE_COLUMNS = ("role", "superuser", "replication", "writable", "first", "runs_elsewhere", "servers")


def _lacking(row: Mapping[str, Any], columns: Sequence[str]) -> str | None:
    """What of `columns` a row of the session's own question lacks, said; None if none."""
    missing = [column for column in columns if column not in row]
    return f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}" if missing else None


def _zone_lacks(row: Mapping[str, Any]) -> str | None:
    """What SESSION_ZONE's row lacks that `_zone_pinned_by` reads (`_unknown_zone` too, where it names no zone)."""
    lacks = _lacking(row, ("zone", "utc"))
    if lacks is None and row["zone"] is None:
        lacks = _lacking(row, ("own", "checker_zone", "role", "db"))
        if lacks is None and row["own"] not in _OWN_ZONE:  # NULL only where the zone is the checker's: never NULL
            return f"names no zone and no source of the checker's own (own: {row['own']!r})"
    elif lacks is None and row.get("own") is not None:  # `_own_zone` says whence, with the role's and db's names
        lacks = _lacking(row, ("role", "db"))
        if lacks is None and row["own"] not in _OWN_ZONE:
            return f"names a source of the checker's own zone that no PostgreSQL gives (own: {row['own']!r})"
    return lacks


# whence the checker's session got its own TimeZone (pg_settings.source), and how to drop it
_OWN_ZONE = {"user": ("its role's own setting (ALTER ROLE {role} SET timezone)", "ALTER ROLE {role} RESET timezone"),
             "database user": ("its role's own setting in this database (ALTER ROLE {role} IN DATABASE {db} SET"
                               " timezone)", "ALTER ROLE {role} IN DATABASE {db} RESET timezone"),
             "client": ("the database URL's options (-c timezone=…)", "drop it from the URL's options")}


def _own_zone(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """Whence the checker's session got its own TimeZone (SESSION_ZONE's `own`), and how to drop it, said with the
    role's and database's names; None where its zone is the one the app's sessions get too."""
    own = row.get("own")
    return None if own is None else tuple(text.format(role=row["role"], db=row["db"]) for text in _OWN_ZONE[own])


def _unknown_zone(row: Mapping[str, Any]) -> str:
    """Why the zone the app's sessions read time in is not known (SESSION_ZONE found none), and how to make it so."""
    whence, undo = _own_zone(row)
    return (f"the zone the app's sessions read time in is not known: the checker's session got its TimeZone"
            f" ('{row['checker_zone']}') from {whence}, which the app's sessions do not get, and neither the database"
            " (ALTER DATABASE … SET timezone) nor ALTER ROLE ALL sets one: the app's sessions get the server's"
            " configured zone, which only a superuser can read. Say the app's zone where the checker reads it:"
            f" ALTER DATABASE {row['db']} SET timezone = '<the app's zone>' (or {undo}, so that the checker's"
            " session gets the server's zone as the app's do)")


def describe_url(url: str) -> str:
    """host:port/db for messages — never user or password, whatever the connection string's form."""
    try:
        parts = conninfo_to_dict(url)
    except Exception:  # psycopg's parse error would echo the string, password included
        return "(a database URL that cannot be parsed)"
    host = str(parts.get("host") or parts.get("hostaddr") or "")
    port = str(parts.get("port") or "5432")
    dbname = str(parts.get("dbname") or parts.get("user") or "")
    if not host or host.startswith("/"):
        where = f"unix socket {host or '(default)'}:{port}"
    else:
        where = f"{host}:{port}"
    return f"{where}/{dbname}" if dbname else where


@dataclass(frozen=True)
class Bounds:
    connect_s: float
    statement_s: float
    budget_s: float  # all of this database's conversations in one run, together
    grace_s: float = READ_GRACE_S

    @property
    def answer_s(self) -> float:
        """The longest wait for the next answer of a live server."""
        return self.statement_s + self.grace_s

    @property
    def total_s(self) -> float:
        """Worst case of everything this run asks the database: connect, then the budget."""
        return database_total_s(self.connect_s, self.budget_s)


class Database:
    def __init__(self, url: str, *, connect_timeout_s: float, statement_timeout_ms: int, label: str,
                 budget_s: float | None = None, grace_s: float = READ_GRACE_S):
        self.url = url
        self.label = label
        self.where = describe_url(url)
        statement_s = statement_timeout_ms / 1000
        self.bounds = Bounds(connect_timeout_s, statement_s, budget_s or max(20.0, statement_s), grace_s)
        self._budget_ends: float | None = None  # set by the first statement sent
        self.warning: str | None = None  # what the checker role could do if sessions were not read-only
        self._role_checked = False
        # the TimeZone the app's sessions get (see SESSION_ZONE) and whether it reads as UTC; None until read
        self.default_zone: tuple[str, bool] | None = None
        self.unknown_zone: str | None = None  # why the app's zone is not known, where it is not (see SESSION_ZONE)
        # whence the checker's session got its own TimeZone, and how to drop it (`_own_zone`): its reset_val is then
        # the checker's, not the app's sessions'; None where no setting of its own gave it
        self.own_zone: tuple[str, str] | None = None
        self._zone_pinned = False  # this session's TimeZone is UTC (a new session pins it again)
        self.statement_timeout_ms = statement_timeout_ms
        self._conn: psycopg.Connection | None = None
        self._unavailable: DatabaseUnavailable | None = None
        self._kept: dict[Any, list[Rows | GatherError]] = {}  # answers asked ahead, by statement; each used once
        self._lock = threading.Lock()
        # set by `close(abort=True)` from another thread, for good (the run is ending): a conversation in flight
        # stops waiting (Ctrl-C must not wait for a slow statement, up to timeouts.database_s, holding the lock
        # `close` needs), and no session is opened again — a job still running would send its next statement on
        # a new one, left running on the server once the process is gone
        self._closing = threading.Event()
        self._cancels: list[threading.Thread] = []  # cancel requests sent on threads of their own (`_abandon`)

    @property
    def unavailable(self) -> DatabaseUnavailable | None:
        return self._unavailable

    # -- connecting ----------------------------------------------------------------------
    def connect(self) -> None:
        """Open the session once; a failure is remembered, so the run asks a dead database only once."""
        with self._lock:
            self._connect_locked()

    def _connect_locked(self) -> None:
        if self._unavailable is not None:
            raise self._unavailable
        if self._closing.is_set():  # the run is ending (`close(abort=True)`): nothing more is sent, on any session
            raise DatabaseUnavailable(f"{self.label}: database {one_line(self.where)}: not asked: the run ended"
                                      " before it was sent", CLOSED)
        if self._conn is not None:
            return
        # the URL's own, then the settings the session pins (SESSION_PINS: why each), which win
        options = f"{_url_options(self.url)} {session_options(self.statement_timeout_ms)}"
        self._zone_pinned = False
        # libpq sends the runner's PGTZ and PGDATESTYLE as the session's TimeZone and DateStyle, after `options`: the
        # one SESSION_ZONE would take for the app's zone, the other would undo the DateStyle pinned above (a timestamptz
        # the driver cannot read, '03/04/2026' read day first). The checker's own environment decides neither
        for name in ("PGTZ", "PGDATESTYLE"):
            os.environ.pop(name, None)
        try:
            conninfo = make_conninfo(
                self.url,
                **_session_attrs_as_read_only(self.url),
                # each attempt's, as libpq reads it (each host, each address of a name): the whole connect is bounded
                # by `_connected`, all of them together
                connect_timeout=max(2, math.ceil(self.bounds.connect_s)),
                options=options,
                # client_encoding, application_name (SESSION_PARAMETERS: why each)
                **{name: value for name, (value, _) in SESSION_PARAMETERS.items()},
                # a peer that vanishes without a word is noticed by the kernel, too
                keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
                tcp_user_timeout=int(self.bounds.answer_s * 1000),
            )
            conn = _connected(conninfo, time.monotonic() + self.bounds.connect_s, self._closing)
            if self._closing.is_set():  # the run ended as the connect got through (`close` waits for this lock)
                conn.pgconn.finish()
                raise _Stopped("not waited for: the run ended before it connected", CLOSED)
            self._conn = conn
            self._conn.autocommit = True
            self._conn.prepare_threshold = None
            # a JSON number as the number it is: 9007199254740993.0 is not 2^53, as a float would have it
            set_json_loads(_JSON_LOADS, self._conn)
            # a char(n) as one, its padding kept: compared without it, as PostgreSQL compares it
            self._conn.adapters.register_loader("bpchar", _BlankPaddedLoader)
            # a bool and an interval only as PostgreSQL writes them: psycopg reads any bool but `t` as false, and an
            # interval it cannot parse as 0:00:00 — a lying server's `xxxx` would pass `eq: false`
            self._conn.adapters.register_loader("bool", _StrictBoolLoader)
            self._conn.adapters.register_loader("interval", _StrictIntervalLoader)
            # and so dates, times and numbers: psycopg reads the start of `2026-01-01 00:00:00xxxx` and drops the
            # rest, and `1_0` as 10; a real then as the float4 it is, widened (`_Float4Loader`): what PostgreSQL
            # compares with a float8 or a numeric
            for name, loader in _AS_WRITTEN_LOADERS.items():
                self._conn.adapters.register_loader(name, loader)
        except _Stopped as stop:  # the run is ending (`close`): the database did nothing wrong, nothing is remembered
            where = one_line(self.where)
            raise DatabaseUnavailable(f"{self.label}: database {where}: {stop.phase}", stop.kind) from None
        except _StartupFlood as flood:  # not PostgreSQL, or a broken pooler or proxy: remembered, not asked again
            where, host = one_line(self.where), cut(str(flood), 160)
            self._unavailable = DatabaseUnavailable(
                f"{self.label}: database {where}: the server sent more than {STARTUP_LIMIT >> 20} MiB while the"
                f" connection was opening; not read further (host {host}; a PostgreSQL sends a few KB then — TLS,"
                " authentication, its settings —: check that the URL names PostgreSQL, and any pooler or proxy in"
                " front of it)", "stopped")
            raise self._unavailable from None
        except _NotResolved as late:  # a silent name server: libpq's own lookup would have held every thread
            where, names = one_line(self.where), one_line(str(late))
            self._unavailable = DatabaseUnavailable(
                f"{self.label}: cannot reach database {where}: could not resolve {names} within"
                f" {self.bounds.connect_s:g} s (connect_s); check the host name and this machine's name servers",
                "unreachable")
            raise self._unavailable from None
        except psycopg.OperationalError as exc:
            self._unavailable = _classify(exc, self.label, self.where, self.bounds.connect_s)
            raise self._unavailable from None
        except (psycopg.ProgrammingError, psycopg.InterfaceError, ValueError) as exc:  # malformed: never echo it
            self._unavailable = _refused_option(exc, self.label) or DatabaseUnavailable(
                f"{self.label}: the database URL is not valid; write it as"
                " postgresql://<user>:<password>@<host>:<port>/<database>", "config")
            raise self._unavailable from None

    def _role_warning(self, answer: Rows | GatherError) -> str | None:
        """A warning when the checker role could write — a superuser, write grants on tables, or a way to act
        outside its read-only transaction (REPLICATION, dblink, a foreign server). The suite's sessions stay
        read-only either way, but the role should not be able to."""
        if isinstance(answer, GatherError) or not answer:
            return None
        row = answer[0]
        role = f"the checker role {row['role']} of database {self.where}"
        if row["superuser"]:
            return f"{role} is a superuser"
        found = []
        if row.get("replication"):
            found.append("has the REPLICATION attribute (it may create, consume and drop replication slots, which act"
                         " outside the read-only transaction; remove it: ALTER ROLE … NOREPLICATION)")
        if row["writable"]:
            first = row["first"] or []
            names = ", ".join(first)
            more = f", … (+{row['writable'] - len(first)})" if row["writable"] > len(first) else ""
            found.append(f"may write to {row['writable']} table{'s' if row['writable'] != 1 else ''} ({names}{more})")
        if row.get("runs_elsewhere"):
            found.append(f"may execute {', '.join(row['runs_elsewhere'])}, which act outside the read-only"
                         " transaction (run SQL in another session, or send HTTP requests: a function of the"
                         " database's own that calls one could write; revoke EXECUTE on them from PUBLIC)")
        if row.get("servers"):
            servers = ", ".join(row["servers"])
            found.append(f"may use foreign server{'s' if len(row['servers']) != 1 else ''} {servers} (a user mapping"
                         " lets dblink or a foreign table log in there as another role)")
        return f"{role} {'; it '.join(found)}" if found else None

    # -- asking --------------------------------------------------------------------------
    def query(self, sql: str, params: Any = None) -> Rows:
        """One statement; its error is raised."""
        (answer,) = self.query_many([(sql, params)])
        if isinstance(answer, GatherError):
            raise answer
        return answer

    def query_many(self, statements: Sequence[Statement]) -> list[Rows | GatherError]:
        """Every statement in one pipelined conversation; one answer per statement, in order: its rows,
        or the error that belongs to it. A statement asked ahead (`prefetch`) takes its kept answer
        and is not sent again. Never raises for the target's trouble: a database that cannot be
        reached or stops answering makes the affected answers a `DatabaseUnavailable`."""
        if not statements:
            return []
        with self._lock:
            answers: list[Rows | GatherError | None] = [self._kept_answer(s) for s in statements]
            missing = [i for i, answer in enumerate(answers) if answer is None]
            if missing:
                for i, answer in zip(missing, self._ask([statements[i] for i in missing]), strict=True):
                    answers[i] = answer
            return answers  # type: ignore[return-value]

    def prefetch(self, statements: Sequence[Statement]) -> None:
        """Ask `statements` now, in one conversation, and keep each answer for the later `query_many`
        that asks exactly that statement (until `close`)."""
        if not statements:
            return
        with self._lock:
            for statement, answer in zip(statements, self._ask(statements), strict=True):
                self._kept.setdefault(_identity(statement), []).append(answer)

    def _kept_answer(self, statement: Statement) -> Rows | GatherError | None:
        kept = self._kept.get(_identity(statement))
        return kept.pop(0) if kept else None

    def _ask(self, statements: Sequence[Statement]) -> list[Rows | GatherError]:
        """One conversation (the role check rides along with the first); the lock is held."""
        try:
            self._connect_locked()
        except DatabaseUnavailable as exc:
            return [exc] * len(statements)
        assert self._conn is not None
        texts = [self._text(s) for s in statements]
        if self._budget_ends is None:
            self._budget_ends = time.monotonic() + self.bounds.budget_s
        sent = [(t, _opening(s)) for s, t in zip(statements, texts) if not isinstance(t, GatherError)]
        asked = len(sent)
        first = not self._role_checked
        if first:
            sent.insert(0, (ROLE_CHECK.encode(), True))
        pin_zone = not self._zone_pinned
        if pin_zone:
            sent.insert(0, (SESSION_ZONE, SESSION_LEVEL))
        try:
            answers = _Conversation(self._conn, self.bounds, self.where, self._budget_ends, self._closing).run(
                [text for text, _ in sent], [pinned for _, pinned in sent])
            if pin_zone:
                answers = self._zone_pinned_by(answers.pop(0), answers)
            if first:
                answers = self._role_checked_by(answers.pop(0), answers)
        except Exception as exc:  # noqa: BLE001 - the session's own answers not as PostgreSQL gives them (or a bug)
            answers = [_given_up(self.where, exc)] * asked
        except BaseException:  # Ctrl-C mid-conversation: its answers are not all read, so the session is not reused
            self._abandon(cancel=True)
            raise
        stopped = next((a for a in answers if isinstance(a, DatabaseUnavailable)), None)
        if stopped is not None:
            if stopped.kind != CLOSED:  # the database did nothing wrong: a later question may open a new session
                self._unavailable = stopped
            # still working on what it was asked (slow, not gone): told to stop, not left to its statement_timeout
            self._abandon(cancel=stopped.kind in (CLOSED, "budget"))
        merged = iter(answers)
        return [t if isinstance(t, GatherError) else next(merged) for t in texts]

    def _zone_pinned_by(self, zone: Rows | GatherError, answers: list[Rows | GatherError]) -> list[Rows | GatherError]:
        """The answers, once SESSION_ZONE has set the session's TimeZone to UTC (and read the database's); where it
        could not, each answer was read in a zone not pinned: an error (the next conversation tries again)."""
        lacks = None if isinstance(zone, GatherError) or not zone else _zone_lacks(zone[0])
        if lacks is not None:
            return self._unread(f"the answer to the session's TimeZone question {lacks}", answers)
        if not isinstance(zone, GatherError) and zone:
            self._zone_pinned = True
            row = zone[0]
            known = row["zone"] is not None
            self.default_zone = (str(row["zone"]), bool(row["utc"])) if known else None
            self.unknown_zone = None if known else _unknown_zone(row)
            self.own_zone = _own_zone(row)
            return answers
        unpinned = GatherError(f"database {self.where}: could not set the session's TimeZone to UTC:"
                               f" {zone or 'no answer'}")
        return [answer if isinstance(answer, DatabaseUnavailable) else unpinned for answer in answers]

    def _role_checked_by(self, check: Rows | GatherError, answers: list[Rows | GatherError]
                         ) -> list[Rows | GatherError]:
        """The answers, once the role check's answer is read (`warning`); where it lacks what the check asks, each
        answer is an error (the next conversation asks again)."""
        lacks = None if isinstance(check, GatherError) or not check else _lacking(check[0], ROLE_COLUMNS)
        if lacks is not None:
            return self._unread(f"the answer to the suite's role check {lacks}", answers)
        self._role_checked = True
        self.warning = self._role_warning(check)
        return answers

    def _unread(self, what: str, answers: list[Rows | GatherError]) -> list[Rows | GatherError]:
        """Each answer as an error: the server answered the session's own question as no PostgreSQL does."""
        error = GatherError(f"database {self.where}: {what} — no PostgreSQL answers so (a broken proxy or pooler in"
                            " front of it, or not PostgreSQL?); this conversation's answers are not read")
        return [answer if isinstance(answer, DatabaseUnavailable) else error for answer in answers]

    def _text(self, statement: Statement) -> bytes | GatherError:
        sql, params = _parts(statement)
        try:
            if params is None:
                return sql.encode()
            # bound on the client: the pipeline sends plain text, and psycopg quotes every value
            return psycopg.ClientCursor(self._conn).mogrify(sql, params).encode()
        except (psycopg.Error, TypeError, KeyError, IndexError) as exc:
            return GatherError(f"statement could not be prepared: {type(exc).__name__}: {_said(str(exc))}")

    def _abandon(self, cancel: bool = False) -> None:
        """Drop a session that stopped answering without waiting for it to say goodbye. With `cancel`, a server
        that is working on a statement (slow, not gone) is asked to stop it — from a thread of its own, as a cancel
        request is a new connection to the server: the run does not wait for it (but for `cancels_sent`, as it
        ends)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        request = None
        if cancel:
            try:
                request = _cancel_request(conn.pgconn)
            except Exception:  # noqa: BLE001 - the connection is already broken: nothing runs to be stopped
                request = None
        try:
            conn.pgconn.finish()  # closes the socket; sends Terminate only if it fits
        except Exception:
            pass
        if request is not None:
            sending = threading.Thread(target=_send_cancel, args=(request,), name="opsverify-pg-cancel", daemon=True)
            sending.start()
            self._cancels = [thread for thread in self._cancels if thread.is_alive()] + [sending]

    def cancels_sent(self, ends: float) -> None:
        """Wait, until `ends` (time.monotonic()), for the cancel requests still on their way (`_abandon`): the run
        is ending, and an interpreter that exits kills their daemon threads, the request unsent — the server would
        run the statement on, up to its statement_timeout. Returns at once when none is."""
        for thread in self._cancels:
            thread.join(max(0.0, ends - time.monotonic()))
        self._cancels = [thread for thread in self._cancels if thread.is_alive()]

    def close(self, *, abort: bool = False) -> None:
        """Close the session; a later question opens a new one (what was learnt — a failure, the
        budget, the role warning — stays). A conversation in flight is waited for (another job may share the
        session), unless `abort` (the run is ending: Ctrl-C, SIGTERM, -x, or simply over): then it stops waiting
        at once, its statement is cancelled on the server, and the database is closed for good — a job still
        running asks its next question in vain (an answer of kind CLOSED), no session is opened for it."""
        if abort:
            self._closing.set()  # never cleared: see __init__
        with self._lock:
            conn, self._conn = self._conn, None
            self._kept.clear()
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass


# one function for every session: psycopg keeps the loader classes it makes for a function it has seen (made anew,
# four classes a connection, they took a fleet's 200 connections 0.15 s, and psycopg kept every one)
_JSON_LOADS = functools.partial(json.loads, parse_float=decimal.Decimal)


class _BlankPaddedLoader(TextLoader):
    """A bpchar value (in an array too) as `BlankPadded`."""

    def load(self, data):
        text = super().load(data)
        return BlankPadded(text) if isinstance(text, str) else text


class _Float4Loader(Loader):
    """A real (float4, in an array too) as PostgreSQL widens it to compare it with a float8 or a numeric: the exact
    binary value its text names — `0.1::real` is 0.100000001490116119384765625, and `0.1::real <= 0.1` is false —
    not the float8 nearest that shortest text (0.1), which would pass `le: 0.1`."""

    def load(self, data):
        return widened_float4(bytes(data).decode("ascii"))


class _StrictBoolLoader(Loader):
    """A bool (in an array too): `t` or `f`, as PostgreSQL writes it, else an error (never false)."""

    def load(self, data):
        if data == b"t" or data == b"f":
            return data == b"t"
        raise psycopg.DataError(f"can't parse boolean {bytes(data).decode(errors='replace')!r}")


class _InstantLoader(TimestamptzLoader):
    """A timestamptz (in an array, a range too) as the instant it is, also where the session's zone writes it in a
    year Python cannot hold: east of UTC `9999-12-31 23:59:59+00` ("never expires") is written in the year 10000,
    west of it Go's zero time `0001-01-01 00:00:00+00` in 1 BC. The sql family reads a query again in the app's zone:
    the same instant must read the same there. One whose instant Python cannot hold stays psycopg's error."""

    def load(self, data):
        try:
            return super().load(data)
        except psycopg.DataError:
            instant = _instant(bytes(data))
            if instant is None:
                raise
            try:
                return instant.astimezone(self._timezone)
            except OverflowError:  # past the ends in the session's zone: in UTC, as the instant is
                return instant


_WRITTEN_TIMESTAMPTZ = re.compile(rb"(\d{4,7})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
                                  rb"([+-])(\d\d)(?::(\d\d)(?::(\d\d))?)?( BC)?")
_GREGORIAN_CYCLE = (400, 146097)  # years, days: the calendar repeats every 400 years


def _instant(written: bytes) -> dt.datetime | None:
    """The UTC instant of a timestamptz as PostgreSQL writes it (ISO DateStyle), whatever its year; None where it is
    not written so, or is an instant outside Python's years 1 to 9999."""
    found = _WRITTEN_TIMESTAMPTZ.fullmatch(written)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, *offset, bc = found.groups()
    year = 1 - int(year) if bc else int(year)  # 1 BC is year 0
    cycles = (year - 1) // _GREGORIAN_CYCLE[0]  # moved into years 1 to 400, where Python's date holds it
    try:
        day_number = (dt.date(year - cycles * _GREGORIAN_CYCLE[0], int(month), int(day)).toordinal()
                      + cycles * _GREGORIAN_CYCLE[1])
    except ValueError:
        return None
    east = sum(int(part or 0) * scale for part, scale in zip(offset, (3600, 60, 1))) * (1 if sign == b"+" else -1)
    seconds = day_number * 86400 + int(hour) * 3600 + int(minute) * 60 + int(second) - east
    days, seconds = divmod(seconds, 86400)
    if not 1 <= days <= dt.date.max.toordinal():
        return None
    micros = int((fraction or b"").ljust(6, b"0"))
    return dt.datetime.fromordinal(days).replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds,
                                                                                        microseconds=micros)


class _StrictIntervalLoader(IntervalLoader):
    """An interval (in an array too) read only when psycopg's pattern reads all of it: it matches the empty start of
    any text, which it reads as 0:00:00."""

    def load(self, data):
        if not bytes(data) or not self._re_interval.fullmatch(data):
            raise psycopg.DataError(f"can't parse interval {bytes(data).decode(errors='replace')!r}")
        return super().load(data)


class _AsWrittenLoader(Loader):
    """A value (in an array too) read by the type's own loader only when all of it is as PostgreSQL writes that type
    in the session's settings (ISO DateStyle), else an error: psycopg's loaders read the start of any text that
    starts like one. What PostgreSQL writes but Python cannot hold (a BC date, infinity, a year past 9999) is the
    type's own loader's error, as ever."""

    kind = ""
    written: re.Pattern[bytes]
    read: type[Loader]

    def __init__(self, oid: int, context: Any = None):
        super().__init__(oid, context)
        self._read = self.read(oid, context).load

    def load(self, data):
        if self.written.fullmatch(data) is None:
            raise psycopg.DataError(f"can't parse {self.kind} {bytes(data).decode(errors='replace')!r}: not as"
                                    " PostgreSQL writes one")
        return self._read(data)


def _as_written(kind: str, written: bytes, read: type[Loader] | None = None) -> type[Loader]:
    """`_AsWrittenLoader` for type `kind`, in front of `read` (psycopg's own loader, its C one where installed).
    Made once: psycopg keeps every loader class it is given."""
    read = read or psycopg.adapters.get_loader(psycopg.adapters.types[kind].oid, pq.Format.TEXT)
    return type(f"_AsWritten_{kind}", (_AsWrittenLoader,), {"kind": kind, "written": re.compile(written), "read": read})


# How PostgreSQL writes each (EncodeDateOnly, EncodeTimeOnly, EncodeDateTime with DateStyle ISO; int8out, numeric_out,
# float8out): a year of 4 digits or more (294276 and 5874897 are the last of a timestamp and a date), ` BC` last,
# fractions of a second to the microsecond, an offset to the second (`+05:53:28`, a zone's local mean time). Each
# run of digits is bounded or possessive (`\d++`, never given back): a value of megabytes is refused in one pass.
_DATE, _TIME, _OFFSET = rb"\d{4,7}-\d\d-\d\d", rb"\d\d:\d\d:\d\d(?:\.\d{1,6})?", rb"[+-]\d\d(?::\d\d(?::\d\d)?)?"
_INTEGER, _FLOAT = rb"-?\d++", rb"-?\d++(?:\.\d++)?(?:e[+-]\d++)?|NaN|-?Infinity"


_FLOAT4, _FLOAT4_BITS = struct.Struct("<f"), struct.Struct("<I")


def widened_float4(text: str) -> float:
    """The float4 that `text` names (rounded to the nearest, ties to even, as the server's strtof does), as a float.
    Rounding its float8 to a float4 could round twice, so the float4s beside that one are weighed too, exactly."""
    value = float(text)  # NaN, Infinity and -Infinity as PostgreSQL writes them
    if not math.isfinite(value):
        return value
    exact = fractions.Fraction(decimal.Decimal(text))
    bits = _FLOAT4_BITS.unpack(_FLOAT4.pack(value))[0]
    candidates = [_FLOAT4.unpack(_FLOAT4_BITS.pack(b))[0] for b in (bits - 1, bits, bits + 1) if 0 <= b <= 0xFFFFFFFF]
    finite = [(abs(fractions.Fraction(c) - exact), _FLOAT4_BITS.unpack(_FLOAT4.pack(c))[0] & 1, c)
              for c in candidates if math.isfinite(c)]
    return min(finite)[2]


_AS_WRITTEN_LOADERS = {
    "date": _as_written("date", rb"-?infinity|" + _DATE + rb"(?: BC)?"),
    "timestamp": _as_written("timestamp", rb"-?infinity|" + _DATE + b" " + _TIME + rb"(?: BC)?"),
    "timestamptz": _as_written("timestamptz", rb"-?infinity|" + _DATE + b" " + _TIME + _OFFSET + rb"(?: BC)?",
                               _InstantLoader),
    "time": _as_written("time", _TIME),
    "timetz": _as_written("timetz", _TIME + _OFFSET),
    **{kind: _as_written(kind, _INTEGER) for kind in ("int2", "int4", "int8", "oid")},
    "numeric": _as_written("numeric", rb"-?\d++(?:\.\d++)?|NaN|-?Infinity"),
    "float8": _as_written("float8", _FLOAT),
    "float4": _as_written("float4", _FLOAT, _Float4Loader),
}


def session_options(statement_timeout_ms: int) -> str:
    """The `-c` options a session starts with: SESSION_PINS, each with its value for these bounds (the waits for a
    lock and in an open transaction bounded by the statement's)."""
    bounds = {"statement_ms": statement_timeout_ms, "lock_ms": min(statement_timeout_ms, 2000),
              "idle_ms": statement_timeout_ms * 2}
    return " ".join(f"-c {name}={value.format(**bounds)}" for name, (value, _) in SESSION_PINS.items())


def _url_options(url: str) -> str:
    """The URL's own `options` (`?options=-csearch_path%3Dapp`), which the session keeps: the suite's own settings
    come after them and win, as the server applies each `-c` in order and the last for a name stands."""
    try:
        return str(conninfo_to_dict(url).get("options") or "")
    except Exception:  # a URL that cannot be parsed fails to connect, with its own message
        return ""


def _identity(statement: Statement) -> Any:
    """What makes two statements the same question: the text, the bound values (repr keeps types:
    1 and True, a list and a tuple, differ) and what its transaction sets first (its search_path pinned, its zone)."""
    sql, params = _parts(statement)
    return (_opening(statement), sql) if params is None else (_opening(statement), sql, repr(params))


def _opening(statement: Statement) -> bool | bytes:
    """What a statement's transaction sets before it: True, the pinned settings (`Pinned`); a statement, its zone
    (`InZone`); False, nothing."""
    sql = _parts(statement)[0]
    if isinstance(sql, InZone):
        return ZONE_SETTING % ("'" + sql.zone.replace("'", "''") + "'").encode()  # standard_conforming_strings
    return isinstance(sql, Pinned)


def _parts(statement: Statement) -> tuple[str, Any]:
    """A statement's text and bound values (None for plain text)."""
    return (statement, None) if isinstance(statement, str) else statement


CLOSED = "closed"  # a conversation given up because its session was closed (the run ending early)
# bytes one conversation may be answered: a catalog of thousands of tables is a few MB, and an item's rows are bounded
# by its query (`limit`). A source that never stops sending rows (a broken pooler, an impostor) is stopped here,
# never read into memory whole.
ANSWER_LIMIT = 256 << 20
# bytes one attempt to connect (a host, an address of a name) may be sent while the connection opens, TLS included.
# A real server sends a few KB then: its certificates (OpenSSL takes a list of at most 100 KiB), GSSAPI tokens (64 KiB
# each at most), SCRAM's messages, a ParameterStatus per reported setting, BackendKeyData, a login trigger's notice.
# libpq keeps each message whole while it arrives: a server sending a notice declared 1 GiB long is stopped here.
STARTUP_LIMIT = 1 << 20
CLOSING_POLL_S = 0.2  # how soon a conversation waiting for an answer notices its session being closed


CANCEL_S = 5.0  # how long a cancel request may take: a server that never closes its end is not waited for longer


def _cancel_request(pgconn: Any) -> Any:
    """What `_send_cancel` sends: libpq 17's non-blocking cancel connection where it has one — the older PQcancel
    blocks until the server closes the connection, holding the interpreter's lock (psycopg calls it so), and a
    server that never does (an impostor, a broken proxy) would stop the whole run."""
    if pq.version() >= 170000 and hasattr(pgconn, "cancel_conn"):
        return pgconn.cancel_conn()
    return pgconn.get_cancel()


# every session here is read-only (`default_transaction_read_only=on` in its options), so libpq's read-write would
# refuse every server and its read-only take any: asked of the server's role instead (libpq 14+), as the URL meant
_SESSION_ATTRS_BY_ROLE = {"read-write": "primary", "read-only": "standby"}


def _session_attrs_as_read_only(url: str) -> dict[str, str]:
    """target_session_attrs (the URL's, else PGTARGETSESSIONATTRS) as this read-only session can ask it."""
    try:
        asked = conninfo_to_dict(url).get("target_session_attrs") or os.environ.get("PGTARGETSESSIONATTRS")
    except psycopg.ProgrammingError:  # malformed: make_conninfo says so, never echoing it
        return {}
    by_role = _SESSION_ATTRS_BY_ROLE.get(str(asked).strip().lower()) if asked else None
    return {"target_session_attrs": by_role} if by_role else {}


def _connected(conninfo: str, ends: float, closing: threading.Event) -> psycopg.Connection:
    """A session opened by `ends` (time.monotonic()), or an error. libpq's connect_timeout is each attempt's — each
    host of `host1,host2,…`, each address of a name, twice with target_session_attrs=prefer-standby —, so twenty
    silent hosts took twenty times connect_s; here every attempt shares the one deadline, the name lookups too
    (`_with_addresses`). `closing` set meanwhile (the run is ending) stops it at once, its socket closed: `close`
    waits for the lock this connect holds."""
    conninfo, unknown = _with_addresses(conninfo, ends, closing)
    pgconn = pq.PGconn.connect_start(conninfo.encode())
    received = _StartupBytes()
    try:
        while True:  # psycopg's own connect, polled with this deadline
            if pgconn.status == pq.ConnStatus.BAD:  # a connection string libpq refuses before trying any host
                raise psycopg.OperationalError(f"connection is bad: {_libpq_said(pgconn)}")
            status = pgconn.connect_poll()
            if status == pq.PollingStatus.OK:
                break
            if status == pq.PollingStatus.FAILED:  # the hosts left out as not found are named too
                raise psycopg.OperationalError(f"connection failed: {''.join(unknown)}{_libpq_said(pgconn)}")
            # libpq reads on while more arrives (a long message): counted after it, and again before it reads more
            received.check(pgconn, woken=False)
            events = selectors.EVENT_READ if status == pq.PollingStatus.READING else selectors.EVENT_WRITE
            _wait_to_connect(pgconn.socket, events, ends, closing)
            received.check(pgconn, woken=events == selectors.EVENT_READ)
    except BaseException:
        pgconn.finish()
        raise
    pgconn.nonblocking = 1
    return psycopg.Connection(pgconn)


class _StartupFlood(Exception):
    """A server that sent more than STARTUP_LIMIT while the connection was opening (the message: where it is)."""


class _StartupBytes:
    """What the server of the attempt under way has sent while the connection opens, against STARTUP_LIMIT. On Linux
    over TCP the kernel's count for the attempt's socket (`_kernel_received`: a new socket's starts at 0), exact;
    elsewhere the bytes waiting at each wake-up, summed over all attempts, as `_Conversation._count_received` does."""

    def __init__(self) -> None:
        self.waited = 0

    def check(self, pgconn: pq.PGconn, woken: bool) -> None:
        fd = pgconn.socket
        received = _kernel_received(fd)
        if received is None:
            if woken:
                self.waited += _waiting_bytes(fd)
            received = self.waited
        if received > STARTUP_LIMIT:
            host, port = (one_line((value or b"").decode(errors="replace")) for value in (pgconn.host, pgconn.port))
            raise _StartupFlood(f"{host}:{port}" if port else host)


_LOOKUPS = DaemonExecutor()  # name lookups nobody waits for past their connect's deadline


class _NotResolved(Exception):
    """Host names whose lookup did not end by the connect's deadline (the message: their names)."""


def _with_addresses(conninfo: str, ends: float, closing: threading.Event) -> tuple[str, list[str]]:
    """`conninfo` with its host names looked up here, by `ends`, and handed to libpq as numeric `hostaddr`s (`host`
    stays: TLS verifies it and sends it as SNI, messages name it); and libpq's words for each name not found, left
    out of the list (an error like libpq's when no host is left). libpq would look a name up inside PQconnectPoll,
    which psycopg calls holding the interpreter's lock: a silent name server stopped every thread — other jobs, the
    job watchdog, the console — for as long as the resolver waited. Here each lookup runs on a daemon thread
    (getaddrinfo lets go of the lock), all at once, and is left behind when late. A name of several addresses becomes
    that many entries, in the resolver's order (libpq's own call), as libpq tries every address of a name. A Unix
    socket, a numeric host and one the URL gives a hostaddr need no lookup (an empty entry: libpq takes the host);
    a list libpq will refuse (hosts and hostaddrs or ports that do not match) is left for it to say so."""
    params = conninfo_to_dict(conninfo)
    hosts, given, ports = (_listed(params, key, env) for key, env in
                           (("host", "PGHOST"), ("hostaddr", "PGHOSTADDR"), ("port", "PGPORT")))
    if (given and len(given) != len(hosts)) or len(ports) > 1 and len(ports) != len(hosts):
        return conninfo, []
    given = given or [""] * len(hosts)
    names = {host for host, addr in zip(hosts, given) if not addr and _needs_lookup(host)}
    if not names:
        return conninfo, []
    lookups = {name: _LOOKUPS.submit(socket.getaddrinfo, name, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
               for name in sorted(names)}
    _wait_for_lookups(lookups, ends, closing)
    entries: list[tuple[str, str, str | None]] = []  # host, hostaddr, its own port (None: one port for all)
    unknown: list[str] = []
    for i, (host, addr) in enumerate(zip(hosts, given)):
        port = ports[i] if len(ports) > 1 else None
        if host not in names or addr:
            entries.append((host, addr, port))
            continue
        try:
            addresses = dict.fromkeys(str(found[4][0]) for found in lookups[host].result())
        except (OSError, UnicodeError) as exc:  # libpq's words, which `_classify` reads as a host name not found
            said = getattr(exc, "strerror", None) or exc  # UnicodeError: not a name IDNA can write
            unknown.append(f'could not translate host name "{host}" to address: {said}\n')
            continue
        entries.extend((host, address, port) for address in addresses)
    if not entries:
        raise psycopg.OperationalError("".join(unknown).strip())
    listed = {"host": ",".join(e[0] for e in entries), "hostaddr": ",".join(e[1] for e in entries)}
    if len(ports) > 1:
        listed["port"] = ",".join(str(e[2]) for e in entries)
    return make_conninfo(conninfo, **listed), unknown


def _listed(params: Mapping[str, Any], key: str, env: str) -> list[str]:
    """A connection option's comma-separated list, the environment's where the string has none (as libpq reads it)."""
    value = params.get(key)
    value = os.environ.get(env) if value is None else value
    return str(value).split(",") if value else []


def _needs_lookup(host: str) -> bool:
    """A host name, not a Unix socket's directory (or abstract name), the default or an address."""
    if not host or host.startswith(("/", "@")):
        return False
    try:
        ip_address(host)
    except ValueError:
        return True
    return False


def _wait_for_lookups(lookups: Mapping[str, Future], ends: float, closing: threading.Event) -> None:
    pending = set(lookups.values())
    while pending:  # in slices: a session closed meanwhile is noticed within CLOSING_POLL_S
        if closing.is_set():
            raise _Stopped("not waited for: the run ended before it connected", CLOSED)
        left = ends - time.monotonic()
        if left <= 0:
            raise _NotResolved(", ".join(name for name, lookup in lookups.items() if lookup in pending))
        pending = wait(pending, timeout=min(CLOSING_POLL_S, left)).not_done


def _wait_to_connect(fd: int, events: int, ends: float, closing: threading.Event) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(fd, events)
        while True:  # in slices: a session closed meanwhile is noticed within CLOSING_POLL_S
            if closing.is_set():
                raise _Stopped("not waited for: the run ended before it connected", CLOSED)
            left = ends - time.monotonic()
            if left <= 0:
                raise psycopg.errors.ConnectionTimeout("connection timeout expired")
            if selector.select(timeout=min(CLOSING_POLL_S, left)):
                return


def _libpq_said(pgconn: pq.PGconn) -> str:
    return pgconn.error_message.decode(errors="replace")


def _send_cancel(request: Any) -> None:
    try:
        if not hasattr(request, "poll"):  # PQcancel: the only one an old libpq has
            request.cancel()
            return
        ends = time.monotonic() + CANCEL_S
        request.start()
        with selectors.DefaultSelector() as selector:
            while (status := request.poll()) not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
                left = ends - time.monotonic()
                if left <= 0:
                    return
                events = selectors.EVENT_READ if status == pq.PollingStatus.READING else selectors.EVENT_WRITE
                selector.register(request.socket, events)
                selector.select(timeout=left)
                selector.unregister(request.socket)
    except Exception:  # noqa: BLE001 - best effort: the server's statement_timeout ends the statement anyway
        pass
    finally:
        if hasattr(request, "finish"):
            request.finish()


class _Conversation:
    """One pipelined exchange: per statement, [BEGIN READ ONLY, (its pinned settings or its zone,) statement] Sync
    [ROLLBACK, unlock] Sync; a SESSION_LEVEL one (SESSION_ZONE) alone, [statement] Sync."""

    def __init__(self, conn: psycopg.Connection, bounds: Bounds, where: str, budget_ends: float,
                 closing: threading.Event | None = None):
        self.conn = conn
        self.pg = conn.pgconn
        self.bounds = bounds
        self.where = where
        self.budget_ends = budget_ends
        self.closing = closing or threading.Event()
        self.received = 0  # bytes the server sent in this conversation, as `_count_received` can tell
        # Linux's count of the bytes the connection received, read or not, as this conversation began (None: not a
        # TCP connection on Linux — a Unix socket, another OS — where only FIONREAD's waiting bytes are seen)
        self.kernel_received_at_start: int | None = None

    def run(self, texts: list[bytes], pinned: Sequence[bool | bytes | str] = ()) -> list[Rows | GatherError]:
        """`pinned`: per text, what its transaction sets first (see `_opening`), or SESSION_LEVEL for one run outside
        any transaction; nothing where not given."""
        if not texts:
            return []
        pg = self.pg
        answers: list[Rows | GatherError] = []
        pins = list(pinned) or [False] * len(texts)
        if len(pins) != len(texts):
            raise ValueError(f"{len(texts)} statements, {len(pins)} pinned flags")
        try:
            self.kernel_received_at_start = _kernel_received(pg.socket)
            pg.enter_pipeline_mode()
            for text, pin in zip(texts, pins):
                if pin == SESSION_LEVEL:
                    pg.send_query_params(text, None)
                    pg.pipeline_sync()
                    continue
                pg.send_query_params(BEGIN, None)
                for setting in _settings(pin):
                    pg.send_query_params(setting, None)
                pg.send_query_params(text, None)
                pg.pipeline_sync()
                for cleanup in CLEANUP:
                    pg.send_query_params(cleanup, None)
                pg.pipeline_sync()
            self._flush()
            for pin in pins:
                if pin == SESSION_LEVEL:
                    answers.append(self._answer([], *self._results(1)))
                    continue
                *opening, statement = self._results(2 + len(_settings(pin)))
                self._results(len(CLEANUP))
                answers.append(self._answer(opening, statement))
            pg.exit_pipeline_mode()
        except _Stopped as stop:
            lost = DatabaseUnavailable(f"database {self.where}: {stop.phase}", stop.kind)
            return answers + [lost] * (len(texts) - len(answers))
        except psycopg.Error as exc:
            lost = DatabaseUnavailable(f"database {self.where}: the session broke: {_said(_first_line(exc))}",
                                       "stopped")
            return answers + [lost] * (len(texts) - len(answers))
        except Exception as exc:  # noqa: BLE001 - raised, it would leave the pipeline mid-way: a later conversation
            # on the session would read this one's leftover answers as its own
            return answers + [_given_up(self.where, exc)] * (len(texts) - len(answers))
        return answers

    # -- the wire ------------------------------------------------------------------------
    def _wait(self, events: int, phase: str) -> None:
        """Wait for the socket; a live server answers each statement within statement_timeout + grace,
        and the whole run's questions to this database within its budget."""
        left = self.budget_ends - time.monotonic()
        if left <= 0:  # past it even while the server keeps sending (a flood of notices, of parameters)
            raise self._used_up(phase)
        limit = min(self.bounds.answer_s, left)
        ends = time.monotonic() + limit
        with selectors.DefaultSelector() as selector:
            selector.register(self.pg.socket, events)
            while True:  # in slices: a session closed meanwhile is noticed within CLOSING_POLL_S
                if self.closing.is_set():
                    raise _Stopped("not waited for: the run ended before it answered", CLOSED)
                if selector.select(timeout=max(0.0, min(CLOSING_POLL_S, ends - time.monotonic()))):
                    return
                if time.monotonic() >= ends:
                    break
        if limit < self.bounds.answer_s:
            raise self._used_up(phase)
        raise _Stopped(f"stopped answering (phase: {phase}): nothing within {self.bounds.answer_s:g} s"
                       f" (statement_timeout {self.bounds.statement_s:g} s + {self.bounds.grace_s:g} s grace)",
                       "stopped")

    def _used_up(self, phase: str) -> "_Stopped":
        return _Stopped(f"the run's time for this database is used up (phase: {phase}; timeouts.database_s"
                        f" {self.bounds.budget_s:g} s); later statements are not checked", "budget")

    def _flush(self) -> None:
        while self.pg.flush() != 0:  # 1: more to send, and the socket is full
            self._wait(selectors.EVENT_WRITE | selectors.EVENT_READ, "query")
            self.pg.consume_input()

    def _next_result(self) -> pq.PGresult | None:
        while self.pg.is_busy():
            self._wait(selectors.EVENT_READ, "read")
            self._count_received(waiting=True)
            self.pg.consume_input()
            # libpq reads on while more arrives (a long message, a value of hundreds of MB): counted after it too
            self._count_received(waiting=False)
        return self.pg.get_result()

    def _count_received(self, waiting: bool) -> None:
        """Stop the conversation once the server has sent more than ANSWER_LIMIT. On Linux over TCP the kernel's
        count of the bytes received is exact (what libpq took in, and what waits); elsewhere the bytes waiting at
        each wake-up (`waiting`) are all that can be seen, and what arrives while libpq reads is missed."""
        if self.kernel_received_at_start is not None:
            now = _kernel_received(self.pg.socket)
            if now is not None:
                self.received = now - self.kernel_received_at_start
        elif waiting:
            self.received += _waiting_bytes(self.pg.socket)
        if self.received > ANSWER_LIMIT:
            raise _Stopped(f"answered more than {ANSWER_LIMIT >> 20} MiB; not read further (the bound is the whole"
                           " conversation's, every item of this database together, counted up to this statement; no"
                           " checks' answers are that large: measure a large value in the query — length(), md5() —;"
                           " else a pooler or proxy in front of it may be broken)", "stopped")

    def _results(self, queries: int) -> list[pq.PGresult | None]:
        """The last result of each of `queries` queries, then the segment's sync marker."""
        out: list[pq.PGresult | None] = []
        for _ in range(queries):
            last = None
            while (result := self._next_result()) is not None:
                last = result
            out.append(last)
        marker = self._next_result()
        if marker is None or marker.status != pq.ExecStatus.PIPELINE_SYNC:
            raise psycopg.OperationalError("the pipeline lost its place (no sync marker where one belonged)")
        return out

    def _answer(self, opening: list[pq.PGresult | None], result: pq.PGresult | None) -> Rows | GatherError:
        """`opening`: the results of BEGIN READ ONLY, and of its settings (the pinned search_path, or its zone)."""
        for step, said in zip(opening, ("could not open a read-only transaction: ", "could not set up its session: ")):
            if step is not None and step.status == pq.ExecStatus.FATAL_ERROR:
                return _failure(step, self.pg, said)
        if result is None:
            return GatherError("the statement produced no result")
        if result.status == pq.ExecStatus.TUPLES_OK:
            try:
                return _rows(self.conn, result)
            except Exception as exc:  # a value Python cannot hold ('infinity'::timestamptz), or in a form the
                # client does not read: this answer's problem alone (raised, it would leave the pipeline mid-way,
                # and a later question of the session would read this conversation's leftover answers)
                return GatherError(f"the answer holds a value the client cannot read: {_said(_first_line(exc))}"
                                   " (cast it in the query, e.g. to text)")
        if result.status == pq.ExecStatus.COMMAND_OK:
            return []
        if result.status == pq.ExecStatus.FATAL_ERROR:
            return _failure(result, self.pg)
        if result.status == pq.ExecStatus.PIPELINE_ABORTED:
            return GatherError("the statement was not run: an earlier command in its segment failed")
        return GatherError(f"unexpected answer {result.status.name}")


def _settings(pin: bool | bytes | str) -> list[bytes]:
    """What a transaction runs between BEGIN and its statement (see `_opening`)."""
    if isinstance(pin, bytes):
        return [pin]
    return [PINNED_SETTINGS] if pin else []


# struct tcp_info (linux/tcp.h, kernel 4.1 and later): tcpi_bytes_received, a u64, at this offset
_TCPI_BYTES_RECEIVED = 128


def _kernel_received(fd: int) -> int | None:
    """The bytes the kernel has received on the TCP connection `fd`, read or still waiting (tcpi_bytes_received:
    its FIN counts one); None where it cannot say (a Unix socket, another OS, an older kernel)."""
    if not hasattr(socket, "TCP_INFO"):
        return None
    try:
        sock = socket.socket(fileno=fd)  # borrowed, never closed: libpq owns the descriptor
    except OSError:
        return None
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    except OSError:
        return None
    finally:
        sock.detach()
    if len(info) < _TCPI_BYTES_RECEIVED + 8:
        return None
    return struct.unpack_from("=Q", info, _TCPI_BYTES_RECEIVED)[0]


def _waiting_bytes(fd: int) -> int:
    """How many bytes the kernel holds for the socket, unread (0 where the platform cannot say)."""
    try:
        import fcntl  # POSIX only: cached after the first time
        import termios

        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except (ImportError, OSError):
        return 0


def _given_up(where: str, exc: Exception) -> DatabaseUnavailable:
    """The session's end when the client could not follow its answers (an answer no PostgreSQL gives, a bug of the
    client's): whatever it had yet to read is not read, by this conversation or any later one."""
    return DatabaseUnavailable(f"database {where}: the session was given up: the client could not follow its answers"
                               f" ({type(exc).__name__}: {_said(_first_line(exc))}); nothing more is asked of it in"
                               " this run", "stopped")


class _Stopped(Exception):
    def __init__(self, phase: str, kind: str):
        super().__init__(phase)
        self.phase = phase
        self.kind = kind


class TypedRows(list):
    """The rows of a result, with each column's type as its description gives it (`types`: name -> type OID; a
    domain's is its base type's): the client reads an enum, a citext or a money as `str`, which PostgreSQL compares
    otherwise than Python compares text."""

    repeated: dict[str, int] = {}

    def __init__(self, rows: Rows, types: dict[str, int]):
        super().__init__(rows)
        self.types = types


class RepeatedNames(TypedRows):
    """The rows of a result that names a column more than once (`select 5 as bad, 0 as bad`): each row,
    a dict, keeps the last such column's value; `repeated` says which names came how many times, so a
    reader of one of them can refuse to guess."""

    def __init__(self, rows: Rows, repeated: dict[str, int], types: dict[str, int] | None = None):
        super().__init__(rows, types or {})
        self.repeated = repeated


def _rows(conn: psycopg.Connection, result: pq.PGresult) -> Rows:
    from psycopg.adapt import Transformer

    names = [(result.fname(i) or b"?").decode() for i in range(result.nfields)]
    transformer = Transformer(conn)
    transformer.set_pgresult(result)
    try:
        loaded = transformer.load_rows(0, result.ntuples, list)
    except Exception as exc:  # which column's value it is: psycopg's words name the value alone
        column = _unreadable_column(transformer, result)
        if column is None:
            raise
        raise psycopg.DataError(f'column "{cut(one_line(names[column]), 64)}": {_first_line(exc)}') from None
    for r, values in enumerate(loaded):
        for i, value in enumerate(values):
            if isinstance(value, list) and result.ftype(i) not in _JSON_TYPES:  # a JSON array has no bounds
                values[i] = _bounded(value, result.get_value(r, i))
    rows = [dict(zip(names, values)) for values in loaded]
    types = {name: result.ftype(i) for i, name in enumerate(names)}
    repeated = {name: names.count(name) for name in names if names.count(name) > 1}
    return RepeatedNames(rows, repeated, types) if repeated else TypedRows(rows, types)


def _unreadable_column(transformer: Any, result: pq.PGresult) -> int | None:
    """The first column holding a value the client cannot read, found by reading the answer again column by column
    (only once it failed)."""
    for column in range(result.nfields):
        loader = transformer.get_loader(result.ftype(column), result.fformat(column))
        for row in range(result.ntuples):
            data = result.get_value(row, column)
            try:
                if data is not None:
                    loader.load(data)
            except Exception:
                return column
    return None


_JSON_TYPES = frozenset({114, 3802})  # json, jsonb
_BOUNDS = re.compile(rb"((?:\[-?\d+:-?\d+\])+)=")  # `[0:2]=`, `[0:1][1:2]=`: written only when some lower bound is not 1


def _bounded(items: list, text: bytes | None) -> list:
    """An array as `Bounded` when its text says its lower bounds (PostgreSQL writes them only when some is not 1)."""
    said = _BOUNDS.match(text or b"")
    return Bounded(items, said.group(1).decode()) if said else items


def _failure(result: pq.PGresult, pg: pq.PGconn, prefix: str = "") -> QueryFailed:
    def field(code: pq.DiagnosticField) -> str:
        value = result.error_field(code)
        return value.decode(errors="replace") if value else ""

    own = result.get_error_message()  # libpq's own words where no server sent any: str in psycopg 3.3, bytes before
    message = field(pq.DiagnosticField.MESSAGE_PRIMARY) or (
        own.decode(errors="replace") if isinstance(own, bytes) else str(own or "no message"))
    return QueryFailed(prefix + _said(message.strip()), field(pq.DiagnosticField.SQLSTATE))


def _said(text: str) -> str:
    """A server's or the driver's words, cut as every target's are (`display.cut`: the redactor reads its ellipsis as
    an edge, so a piece of a secret quoted up to the cut is masked)."""
    return cut(text, SERVER_TEXT_CHARS)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# The start of libpq's reason for refusing a connection string before any connection is tried: an option or a
# value it does not take, or a URL or key=value string it cannot parse. A configuration problem, not the network's.
_REFUSED_OPTION = re.compile(
    r"invalid (?:port number|integer value|connection option|URI query parameter|percent-encoded token|\w+ value"
    r"|SSL protocol version range)|missing \"=\" after|unterminated quoted string|end of string reached when looking"
    r"|IPv6 host address may not be empty|unexpected character|forbidden value %00"
    r"|(?:extra|missing) key/value separator|could not match \d+ ")
_QUOTED = re.compile(r"\s*(?::\s*)?\"([^\"]*)\"")
_SAID_AS_QUOTED = frozenset({"=", "]", ":", "/"}) | LIBPQ_KEYWORDS  # else a quoted part may be of the password


def _refused_option(exc: Exception, label: str) -> DatabaseUnavailable | None:
    """libpq's own reason for refusing the connection string (`invalid port number`, `invalid sslmode value`,
    `invalid connection option`, `missing "=" after`…), as a configuration problem; what it quotes is dropped
    (a value, a word of the string, the whole URL: any may hold the password) unless it is a connection keyword or
    a separator."""
    line = _first_line(exc)
    for prefix in ("connection is bad: ", "connection failed: "):
        line = line.removeprefix(prefix)
    if not _REFUSED_OPTION.match(line):
        return None
    reason = re.sub(r'after "[^"]*"', "after a word", line)
    reason = _QUOTED.sub(lambda m: f' "{m[1]}"' if m[1] in _SAID_AS_QUOTED else "", reason).strip()
    return DatabaseUnavailable(f"{label}: libpq refuses the database URL: {reason}; fix it in the environment file "
                               "(postgresql://<user>:<password>@<host>:<port>/<database>, or libpq's key=value form)", "config")


# what PostgreSQL's FATAL message says when it was reached and refused the URL's user (English messages); matched at
# the start of the server's first FATAL only: a database or role name (quoted in it, line breaks and all) may hold
# any of these words
_NAME = r'"(?s:.*)"'
_CREDENTIALS_REFUSED = re.compile(r"FATAL:\s+[\w-]+ authentication failed for user")
_LOGIN_REFUSALS = tuple((re.compile(pattern), why) for pattern, why in (
    (rf"FATAL:\s+role {_NAME} does not exist", "the role does not exist"),
    (rf"FATAL:\s+role {_NAME} is not permitted to log in", "the role may not log in (NOLOGIN)"),
    (r"FATAL:\s+pg_hba\.conf rejects connection", "pg_hba.conf rejects this host, user and database"),
    (r"FATAL:\s+no pg_hba\.conf entry", "pg_hba.conf has no entry for this host, user and database"),
    (rf"FATAL:\s+permission denied for database {_NAME}", "the role lacks CONNECT on the database"),
))
_NO_DATABASE = re.compile(rf"FATAL:\s+database {_NAME} does not exist")
# the server refusing a setting the URL asks for at start-up (`options=-c TimeZone=…`, a parameter such as
# application_name): the URL's fault, not the server's state
_SETTING_REFUSED = re.compile(r"FATAL:\s+(?:invalid value for parameter|unrecognized configuration parameter"
                              r"|parameter \"[^\"]*\" cannot be (?:changed|set)|permission denied to set parameter"
                              r"|invalid command-line argument|.{0,200}? is outside the valid range for parameter"
                              r"|-c \S+ requires a value|--\S+ requires a value)", re.DOTALL)


def _classify(exc: psycopg.OperationalError, label: str, where: str, connect_s: float) -> DatabaseUnavailable:
    refused = _refused_option(exc, label)
    if refused is not None:
        return refused
    text, where = str(exc), one_line(where)  # a database's name may hold a line break
    fatal_at = text.find("FATAL:")
    server_said = text[fatal_at:] if fatal_at >= 0 else ""  # the server's own answer, from its first FATAL
    # libpq's words, before any of the server's, by attempt: only their reasons are read, never the host's name or
    # the socket's path they name (`ssl-proxy.corp` not found is no TLS problem, `refused.corp` no refusal)
    attempts = _libpq_attempts(text[:fatal_at] if fatal_at >= 0 else text)
    reasons = " ".join(attempt.reason for attempt in attempts).lower()
    if _CREDENTIALS_REFUSED.match(server_said) or "no password supplied" in reasons:
        return DatabaseUnavailable(
            f"{label}: database {where} rejected the credentials; check the user and password in the database URL",
            "credentials")
    login = next((why for pattern, why in _LOGIN_REFUSALS if pattern.match(server_said)), None)
    if login is not None:  # the server answered, and refused this user: the credentials, not the network
        return DatabaseUnavailable(
            f"{label}: database {where} refused the login: {login}; check the user in the database URL and that the"
            " server lets it log in (its role's LOGIN and CONNECT, pg_hba.conf)", "credentials")
    if _NO_DATABASE.match(server_said):
        return DatabaseUnavailable(f"{label}: database {where} does not exist; check the database name", "unreachable")
    if _SETTING_REFUSED.match(server_said):
        reason = cut(one_line(server_said.removeprefix("FATAL:").strip().splitlines()[0]), 160)
        return DatabaseUnavailable(f"{label}: database {where} refused a setting the database URL asks for at "
                                   f"start-up: {reason}; fix it in the environment file (the URL's options= or "
                                   "its other parameters)", "config")
    if server_said:  # reached, and turned away for its own reason: too many clients, starting up, shutting down
        reason = cut(one_line(server_said.removeprefix("FATAL:").strip().splitlines()[0]), 160)
        return DatabaseUnavailable(f"{label}: database {where} refused the connection: {reason}; see the server's"
                                   " state (its connection slots, a restart under way)", "unreachable")
    if "timeout" in reasons or "timed out" in reasons:  # the connect's own deadline (`_connected`)
        return DatabaseUnavailable(f"{label}: cannot reach database {where}: no connection within {connect_s:g} s"
                                   " (connect timeout); check the URL and that it is reachable from here", "unreachable")
    libpq = _said(one_line("; ".join(attempt.said for attempt in attempts) or "(no reason given)"))
    fix = next((fix for pattern, fix in _SETTING_FIXES if any(pattern.search(a.reason) for a in attempts)), None)
    if fix is not None:  # reached, and not taken for what the URL asks (TLS, a standby, a primary)
        return DatabaseUnavailable(f"{label}: cannot connect to database {where}: libpq: {libpq}; {fix}",
                                   "unreachable")
    if "refused" in reasons:
        reason = "connection refused"
    elif any(attempt.not_found for attempt in attempts) or "name or service not known" in reasons:
        reason = "host name not found"
    else:
        reason = "connection failed"
    # libpq's words where they tell more: which host said what (several attempts), or a failure of no known kind
    told = "" if reason != "connection failed" and len(attempts) <= 1 else f" (libpq: {libpq})"
    return DatabaseUnavailable(f"{label}: cannot reach database {where}: {reason}{told}; check the URL and"
                               " that it is reachable from here", "unreachable")


# libpq's words for one attempt that failed: `connection to server at "db" (10.0.0.5), port 5432 failed: <reason>`, or
# `… on socket "/run/postgresql/.s.PGSQL.5432" failed: …`; a reason's later lines are libpq's hints
_ATTEMPT = re.compile(r'connection to server (?:at "([^"\n]*)"(?: \([^)\n]*\))?, port (\d+)|on socket "([^"\n]*)")'
                      r" failed: ")
# and for a host name not found, before any attempt (libpq's own lookup, or `_with_addresses`'s, in libpq's words)
_NOT_FOUND = re.compile(r'could not translate host name "[^"\n]*" to address: ')


@dataclass(frozen=True)
class _Attempt:
    said: str  # as the message shows it: where (a host and port, a socket), then libpq's reason
    reason: str  # libpq's reason alone, which names no host: what the words of a setting or a failure are looked for in
    not_found: bool = False  # a host name not found


def _libpq_attempts(text: str) -> list[_Attempt]:
    """libpq's own reason for each attempt that failed, by its host (`db:5432: Connection refused`, `db2:5432:
    server is not in hot standby mode`), and each host name not found; else libpq's first line, as it is."""
    for prefix in ("connection is bad: ", "connection failed: "):
        text = text.removeprefix(prefix)
    pieces = _ATTEMPT.split(text.strip())
    lead = [line.strip() for line in pieces[0].strip().splitlines()]
    said = [_Attempt(line, line[found.end():], True) for line in lead if (found := _NOT_FOUND.match(line))]
    if lead and not said:  # words of libpq's own that name no attempt (its older form, a connect's deadline)
        said.append(_Attempt(lead[0], lead[0]))
    for host, port, unix_socket, reason in zip(*[iter(pieces[1:])] * 4):
        place = f"{host}:{port}" if unix_socket is None else unix_socket
        reason = (reason.strip().splitlines() or ["(no reason given)"])[0]
        said.append(_Attempt(f"{place}: {reason}", reason))
    return said


# libpq's reasons for not taking a server the URL's settings turn away, and the setting to look at
_STANDBY_ASKED = ("the URL's target_session_attrs asks for a standby (standby, or read-only) and no host that answered"
                  " is one: name a standby, or set target_session_attrs=prefer-standby (or any)")
_PRIMARY_ASKED = ("the URL's target_session_attrs asks for a primary (primary, or read-write) and no host that"
                  " answered is one: name the primary, or set target_session_attrs=any")
_SETTING_FIXES = tuple((re.compile(pattern, re.IGNORECASE), fix) for pattern, fix in (
    (r"server does not support SSL, but SSL was required", "the URL's sslmode requires TLS and the server offers"
     " none: turn on ssl in the server, or, only where the network is trusted, set sslmode=prefer (or disable)"),
    (r"not in hot standby mode|session is not read-only", _STANDBY_ASKED),
    (r"is in hot standby mode|session is read-only", _PRIMARY_ASKED),
    (r"certificate|\bSSL\b|\bTLS\b", "check the URL's TLS settings (sslmode, sslrootcert, sslcert, sslkey) against"
     " the server's"),
    (r"\bGSS", "check the URL's gssencmode (and the client's Kerberos setup)"),
    (r"channel binding", "check the URL's channel_binding against the server's authentication (SCRAM over TLS)"),
))
