"""One read-only PostgreSQL session per target, shared by the whole run.

The session is read-only from its first packet (`default_transaction_read_only`), has a
statement and lock timeout, and a connect timeout: nothing a check runs can write or hang.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import dict_row

from ..errors import GatherError, TargetAuthFailed, TargetUnreachable


def describe_url(url: str) -> str:
    """host:port/db without credentials, for messages."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port or 5432}{parts.path or ''}"
    except ValueError:
        return "(unparseable database URL)"


class Database:
    def __init__(self, url: str, *, connect_timeout_s: float, statement_timeout_ms: int, label: str):
        self.url = url
        self.label = label
        self.connect_timeout_s = connect_timeout_s
        self.statement_timeout_ms = statement_timeout_ms
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def connect(self) -> None:
        if self._conn is not None:
            return
        options = (
            "-c default_transaction_read_only=on"
            f" -c statement_timeout={self.statement_timeout_ms}"
            f" -c lock_timeout={min(self.statement_timeout_ms, 2000)}"
            f" -c idle_in_transaction_session_timeout={self.statement_timeout_ms * 2}"
        )
        try:
            self._conn = psycopg.connect(
                self.url,
                connect_timeout=max(1, round(self.connect_timeout_s)),
                options=options,
                application_name="opsverify",
                autocommit=True,
                row_factory=dict_row,
            )
        except psycopg.OperationalError as exc:
            raise _classify(exc, self.label, self.url) from None
        except psycopg.ProgrammingError as exc:  # malformed URL
            raise TargetUnreachable(f"{self.label}: database URL is not valid: {_first_line(exc)}") from None

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.connect()
        with self._lock:
            try:
                with self._conn.cursor() as cur:  # type: ignore[union-attr]
                    cur.execute(sql, params)
                    return cur.fetchall() if cur.description else []
            except psycopg.Error as exc:
                raise GatherError(_first_line(exc)) from None

    def query_many(self, statements: list[str]) -> list[list[dict[str, Any]] | GatherError]:
        """Several independent queries in one round trip (pipeline mode); each may fail alone."""
        self.connect()
        results: list[list[dict[str, Any]] | GatherError] = []
        with self._lock:
            conn = self._conn
            assert conn is not None
            cursors = []
            try:
                with conn.pipeline() as pipeline:
                    for sql in statements:
                        cur = conn.cursor()
                        try:
                            cur.execute(sql)
                        except psycopg.Error as exc:
                            cursors.append(exc)
                            continue
                        cursors.append(cur)
                        pipeline.sync()  # a failing statement must not abort the ones after it
            except psycopg.Error:
                pass  # errors are collected per cursor below
            for cur in cursors:
                if isinstance(cur, Exception):
                    results.append(GatherError(_first_line(cur)))
                    continue
                try:
                    results.append(cur.fetchall() if cur.description else [])
                except psycopg.Error as exc:
                    results.append(GatherError(_first_line(exc)))
        return results

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _classify(exc: psycopg.OperationalError, label: str, url: str) -> Exception:
    text = str(exc)
    where = describe_url(url)
    if "password authentication failed" in text or "authentication failed" in text or "no password supplied" in text:
        return TargetAuthFailed(
            f"{label}: database {where} rejected the credentials; check the user and password in the database URL"
        )
    if "does not exist" in text and "database" in text:
        return TargetUnreachable(f"{label}: database {where}: {_first_line(exc).split('FATAL:')[-1].strip()}")
    return TargetUnreachable(
        f"{label}: cannot connect to database {where}: {_short_reason(text)}; check the URL and that it is reachable from here"
    )


def _short_reason(text: str) -> str:
    lowered = text.lower()
    if "timeout" in lowered:
        return "connection timed out"
    if "refused" in lowered:
        return "connection refused"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return "host name not found"
    return _first_line(Exception(text)).replace("connection failed: ", "")
