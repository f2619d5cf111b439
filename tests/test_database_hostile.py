"""What a database says is bounded like what any target says, and so is the time it takes to connect: a server that
quotes a 20 MB value in its error, or sends a value the client cannot read, gives the item a message of a few hundred
characters; a URL of many hosts that never answer ends within connect_s, and closing the session stops a connect in
progress."""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Callable

import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import sql
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports import postgres
from opsverify.transports.postgres import Database

from .kit import make_check, make_target, refused_port, serving, silent_server
from .project import Project, scratch_database

HUGE = 1 << 20  # characters: far past any message's bound, small enough to send fast
HANG_GUARD_S = 60  # only a guard against hanging: a bounded connect ends in seconds


def _message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def _columns(*columns: tuple[str, int]) -> bytes:
    body = struct.pack("!H", len(columns))
    for name, oid in columns:
        body += name.encode() + b"\0" + struct.pack("!IHIhih", 0, 0, oid, -1, -1, 0)
    return _message(b"T", body)


def _row(*values: bytes | None) -> bytes:
    body = struct.pack("!H", len(values))
    for value in values:
        body += struct.pack("!i", -1) if value is None else struct.pack("!i", len(value)) + value
    return _message(b"D", body)


def _suites_own(query: bytes) -> bytes | None:
    """The answer (RowDescription, rows, CommandComplete) to a statement the session sends itself, else None."""
    if query.startswith(b"select d.zone"):
        return _columns(("zone", 25), ("utc", 16), ("pinned", 25)) + _row(b"UTC", b"t", b"UTC")
    if b"with writable as" in query:
        return (_columns(("role", 19), ("superuser", 16), ("replication", 16), ("writable", 20), ("first", 1009),
                         ("runs_elsewhere", 1009), ("servers", 1009))
                + _row(b"checker", b"f", b"f", b"0", None, None, None))
    if b"as sees_all" in query:  # the sql family's: whether the checker sees every row
        return (_columns(("viewer", 19), ("sees_all", 16), ("rls_tables", 1009), ("views", 1009),
                         ("loose_collations", 16)) + _row(b"checker", b"f", b"{}", b"{}", b"f"))
    if query.startswith((b"begin", b"rollback")):
        return _message(b"n")
    if b"advisory_unlock_all" in query:
        return _columns(("unlocked", 16)) + _row(b"t")
    return None


def _fake_postgres(answer: Callable[[bytes], bytes], own: Callable[[bytes], bytes | None] = _suites_own
                   ) -> Callable[[socket.socket, threading.Event], None]:
    """A server speaking enough of PostgreSQL's protocol to be logged in to (trust) and asked pipelined statements:
    the session's own are answered by `own` (as a real server would, unless told otherwise), the item's by
    `answer(query)` (its messages after BindComplete: a RowDescription and rows, or an ErrorResponse). A primary:
    it says it is not in hot standby, as PostgreSQL 14+ does at login."""

    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        conn.settimeout(30)
        reader = conn.makefile("rb")
        while True:  # SSLRequest and GSSENCRequest: no
            length, code = struct.unpack("!II", reader.read(8))
            reader.read(length - 8)
            if code not in (80877103, 80877104):
                break
            conn.sendall(b"N")
        hello = _message(b"R", struct.pack("!I", 0))
        for name, value in ((b"server_version", b"15.4"), (b"server_encoding", b"UTF8"), (b"client_encoding", b"UTF8"),
                            (b"DateStyle", b"ISO, MDY"), (b"IntervalStyle", b"postgres"), (b"integer_datetimes", b"on"),
                            (b"standard_conforming_strings", b"on"), (b"in_hot_standby", b"off")):
            hello += _message(b"S", name + b"\0" + value + b"\0")
        conn.sendall(hello + _message(b"K", struct.pack("!II", 1, 2)) + _message(b"Z", b"I"))
        query, failed, out = b"", False, b""
        while not stopping.is_set():
            kind = reader.read(1)
            if not kind or kind == b"X":
                return
            body = reader.read(struct.unpack("!I", reader.read(4))[0] - 4)
            if kind == b"S":
                conn.sendall(out + _message(b"Z", b"I"))
                failed, out = False, b""
            elif failed:
                continue
            elif kind == b"P":
                query = body.partition(b"\0")[2].partition(b"\0")[0]
                out += _message(b"1")
            elif kind == b"B":
                out += _message(b"2")
            elif kind == b"E":
                said = own(query)
                if said is None:
                    said = answer(query)
                    failed = said.startswith(b"E")
                    out += said if failed else said + _message(b"C", b"SELECT 1\0")
                else:
                    out += said + _message(b"C", (query.split()[0].upper() if said == _message(b"n") else
                                                  b"SELECT 1") + b"\0")

    return handle


def _error(text: bytes, sqlstate: bytes = b"22P02") -> bytes:
    return _message(b"E", b"SERROR\0VERROR\0C" + sqlstate + b"\0M" + text + b"\0Dthe detail " + b"d" * HUGE
                    + b"\0Hthe hint\0\0")


def _ask(port: int, query: str = "select v from measured") -> str:
    check = make_check("sql", {"query": query, "expect": {"v": {"eq": 1}}})
    target = make_target({"database": f"postgresql://checker:pw@127.0.0.1:{port}/shop?sslmode=disable"},
                         timeouts={"connect_s": 5, "statement_ms": 5000, "database_s": 30})
    try:
        (outcome,) = gather_and_judge(target, sql, [check])
    finally:
        target.close()
    assert outcome.status == Status.ERROR, (outcome.status, outcome.observed[:300])
    return outcome.observed


# -- what the server says is cut ------------------------------------------------------------------------------------
def test_a_servers_error_quoting_a_huge_value_is_cut_to_its_start_and_length(demo_deployment):
    """A real PostgreSQL quotes the whole value it cannot read (`invalid input syntax for type integer: "xxxx…"`):
    the item's message keeps the start, which names the problem, and says how long it was — not megabytes."""
    with scratch_database(demo_deployment, "select 1", prefix="huge") as db:
        check = make_check("sql", {"query": f"select ('x' || repeat('y', {HUGE}))::int as n",
                                   "expect": {"n": {"eq": 1}}})
        target = make_target({"database": db["url"]})
        try:
            (outcome,) = gather_and_judge(target, sql, [check])
        finally:
            target.close()
    said = outcome.observed
    assert outcome.status == Status.ERROR, (outcome.status, said[:300])
    assert len(said) < 2000, f"the item's message is {len(said):,} characters: {said[:300]}…"
    assert 'invalid input syntax for type integer: "xyyy' in said, said
    assert f"… ({HUGE + 42:,} characters)" in said and "(SQLSTATE 22P02)" in said, said


def test_an_error_response_of_a_lying_server_is_cut_detail_and_all():
    with serving(_fake_postgres(lambda _query: _error(b"bad value: " + b"q" * HUGE))) as port:
        said = _ask(port)
    assert len(said) < 2000, f"the item's message is {len(said):,} characters: {said[:300]}…"
    assert "bad value: qqq" in said and f"… ({HUGE + 11:,} characters)" in said and "(SQLSTATE 22P02)" in said, said
    assert "the detail" not in said, said  # the detail stays unsaid, as before: only the message names the problem


def test_a_value_the_client_cannot_read_is_named_by_a_cut_message():
    """The driver's words for a value it cannot read quote the value: a date of megabytes is an error of a few
    hundred characters, whatever the type."""
    for oid in (1082, 1114, 1184, 700, 869):  # date, timestamp, timestamptz, float4, inet
        value = b"x" * HUGE
        with serving(_fake_postgres(lambda _query, oid=oid: _columns(("v", oid)) + _row(value))) as port:
            said = _ask(port)
        assert len(said) < 2000, f"type {oid}: the item's message is {len(said):,} characters: {said[:300]}…"
        assert "the answer holds a value the client cannot read" in said, (oid, said)


def test_a_secret_cut_where_the_servers_message_is_cut_is_masked():
    """The cut is the one every target's words get (`display.cut`): the redactor reads its ellipsis as an edge, so
    the piece of a secret the server quoted up to the cut is masked."""
    secret = "pw-4eC39HqLyjWDarjtT1zdp7dc"
    redactor = Redactor()
    redactor.add(secret)
    kept = postgres.SERVER_TEXT_CHARS
    for at in (kept - 8, kept - 14, kept - 20):
        text = ("v" * at + secret + "w" * 1000).encode()
        with serving(_fake_postgres(lambda _query, text=text: _error(text))) as port:
            said = _ask(port)
        shown = redactor.text(said)
        assert secret[:kept - at] not in shown and "[redacted part of" in shown, (at, shown)


# -- connecting is bounded as a whole, and a close stops it -----------------------------------------------------------
def _many_hosts(port: int, hosts: int) -> str:
    return f"postgresql://checker:pw-hostile-1@{','.join([f'127.0.0.1:{port}'] * hosts)}/shop?sslmode=disable"


def test_a_multi_host_url_whose_hosts_never_answer_ends_within_connect_s():
    """libpq's connect_timeout is per attempt (each host, each address of a name): 40 silent hosts took 40 ×
    connect_s. The whole connect has the one deadline."""
    with silent_server() as silent:
        database = Database(_many_hosts(silent["port"], 40), connect_timeout_s=1, statement_timeout_ms=1000,
                            label="shop")
        answers: list = []
        asking = threading.Thread(target=lambda: answers.extend(database.query_many(["select 1 as x"])), daemon=True)
        asking.start()
        asking.join(HANG_GUARD_S)
        try:
            assert not asking.is_alive(), f"still connecting after {HANG_GUARD_S} s (40 hosts × connect_s 1 s)"
        finally:
            database.close(abort=True)
    (answer,) = answers
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == "unreachable", answer
    assert "no connection within 1 s (connect timeout)" in str(answer), answer


def test_closing_the_session_stops_a_connect_in_progress():
    """Target.close (the run ending) waits for the session's lock: a connect held it to its end, and the process
    outlived its printed bound by that much."""
    with silent_server() as silent:
        database = Database(_many_hosts(silent["port"], 1), connect_timeout_s=600, statement_timeout_ms=1000,
                            label="shop")
        answers: list = []
        asking = threading.Thread(target=lambda: answers.extend(database.query_many(["select 1 as x"])), daemon=True)
        asking.start()
        while silent["connections"] == 0 and asking.is_alive():
            time.sleep(0.05)
        closing = threading.Thread(target=database.close, kwargs={"abort": True}, daemon=True)
        closing.start()
        closing.join(HANG_GUARD_S)
        asking.join(HANG_GUARD_S)
        assert not closing.is_alive() and not asking.is_alive(), "close waited for the connect (connect_s 600 s)"
    (answer,) = answers
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == postgres.CLOSED, answer
    assert database.unavailable is None  # the database did nothing wrong: a later question may connect again


def test_a_run_with_many_silent_hosts_ends_within_its_printed_bound(tmp_path):
    with silent_server() as silent:
        project = Project(tmp_path, {"SHOP_DATABASE_URL": _many_hosts(silent["port"], 60)})
        project.checklist("shop", """
        - {id: S1, name: counted, section: DB, title: a count, family: sql, cadence: postdeploy,
           params: {query: "select 1 as n", expect: {n: {eq: 1}}}}
        """)
        project.environment("timeouts: {connect_s: 1, statement_ms: 1000, database_s: 2, http_s: 2}\n"
                            "systems:\n  shop: {database: \"${SHOP_DATABASE_URL}\"}\n")
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"S1-counted": "error"}, ran.output[-3000:]
    assert "no connection within 1 s (connect timeout)" in ran.rows()["S1-counted"]["message"], ran.output[-3000:]
    bound, took = ran.bound_and_took()
    assert took <= bound, (took, bound)
    # the process itself, summary printed: not the 60 attempts × 2 s (libpq's least connect_timeout) it took
    assert ran.wall_s < bound + HANG_GUARD_S, (ran.wall_s, bound)


def test_a_bool_or_interval_the_client_cannot_read_is_an_error_never_false_or_zero():
    """psycopg reads any bool but `t` as false and an interval it cannot parse as 0:00:00 (its pattern matches the
    empty start of any text): a lying server's `xxxx` would pass `eq: false` or `lt: 1 minute`."""
    for oid, value in ((16, b"xxxx"), (16, b""), (1000, b"{t,xxxx}"), (1186, b"xxxx"), (1186, b"1 day xxxx"),
                       (1186, b""), (1187, b"{00:00:01,xxxx}")):  # bool, bool[], interval, interval[]
        with serving(_fake_postgres(lambda _query, oid=oid, value=value: _columns(("v", oid)) + _row(value))) as port:
            said = _ask(port)
        assert "the answer holds a value the client cannot read" in said, (oid, value, said)


def test_a_bool_or_interval_as_postgresql_writes_it_is_read():
    from datetime import timedelta

    for oid, value, read in ((16, b"t", True), (16, b"f", False), (1000, b"{t,f,NULL}", [True, False, None]),
                             (1186, b"1 year 2 mons -3 days +04:05:06.5", timedelta(days=365 + 60 - 3, hours=4,
                                                                                  minutes=5, seconds=6.5)),
                             (1186, b"-00:00:01", timedelta(seconds=-1)), (1186, b"00:00:00", timedelta(0))):
        with serving(_fake_postgres(lambda _query, oid=oid, value=value: _columns(("v", oid)) + _row(value))) as port:
            database = Database(f"postgresql://checker:pw@127.0.0.1:{port}/shop?sslmode=disable", connect_timeout_s=5,
                                statement_timeout_ms=5000, label="shop")
            try:
                (answer,) = database.query_many(["select v from t"])
            finally:
                database.close()
        assert list(answer) == [{"v": read}], (oid, value, answer)


# -- an answer the client cannot follow never leaves the pipeline mid-way ---------------------------------------------
def _counts(query: bytes) -> bytes:
    """`bad`: two columns described, one value sent (libpq makes that error itself: no server message); `stuck`: 5;
    any other count: 0."""
    if b"bad" in query:
        return _columns(("v", 20), ("w", 20)) + _row(b"1")
    return _columns(("n", 20)) + _row(b"5" if b"stuck" in query else b"0")


def _session(port: int) -> Database:
    return Database(f"postgresql://checker:pw-hostile-1@127.0.0.1:{port}/shop?sslmode=disable", connect_timeout_s=5,
                    statement_timeout_ms=5000, label="shop")


def test_an_error_libpq_makes_itself_is_that_statements_alone_and_the_next_reads_its_own_answer():
    """libpq's own error (no server message) was read with .decode() on the str psycopg gives: the exception left
    the pipeline mid-way, the session stayed, and the next conversation read the leftover answers as its own (the
    server's 5 read as another statement's 0)."""
    with serving(_fake_postgres(_counts)) as port:
        database = _session(port)
        try:
            assert database.query_many(["select 0 as n"]) == [[{"n": 0}]]
            bad, other = database.query_many(["select 1 as bad", "select count(*) as n from orders where false"])
            (stuck,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    assert isinstance(bad, postgres.QueryFailed) and "unexpected field count" in str(bad).lower(), bad
    assert other == [{"n": 0}], other
    assert stuck == [{"n": 5}], f"select count(*) from stuck_jobs: expected the server's 5, read {stuck!r}"


def test_a_failure_the_client_did_not_foresee_gives_up_the_session_and_no_later_answer_is_stale(monkeypatch):
    """Any exception while the pipeline is being read (a bug of the client's, an answer it cannot follow) ends the
    session: its statements are errors saying so, and no later conversation reads the leftover answers."""
    def unforeseen(*_args, **_kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(postgres, "_failure", unforeseen)
    with serving(_fake_postgres(_counts)) as port:
        database = _session(port)
        try:
            assert database.query_many(["select 0 as n"]) == [[{"n": 0}]]
            bad, other = database.query_many(["select 1 as bad", "select count(*) as n from orders where false"])
            (stuck,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    for answer in (bad, other):
        assert isinstance(answer, postgres.DatabaseUnavailable), answer
        assert "the session was given up" in str(answer) and "RuntimeError: unforeseen" in str(answer), answer
    assert stuck != [{"n": 0}], "select count(*) from stuck_jobs read the broken conversation's leftover answer"
    assert isinstance(stuck, postgres.GatherError), stuck


# -- the session's own questions, answered without what they ask ------------------------------------------------------
def _lying(role_row: bytes | None = None, zone_row: bytes | None = None) -> Callable[[bytes], bytes | None]:
    def own(query: bytes) -> bytes | None:
        if role_row is not None and b"with writable as" in query:
            return role_row
        if zone_row is not None and query.startswith(b"select d.zone"):
            return zone_row
        return _suites_own(query)

    return own


@pytest.mark.parametrize("own, said", [
    (_lying(role_row=_columns(("role", 19), ("superuser", 16)) + _row(b"checker", b"f")),
     "the answer to the suite's role check lacks the columns replication, writable, first, runs_elsewhere, servers"),
    (_lying(zone_row=_columns(("zone", 25), ("utc", 16), ("own", 25), ("checker_zone", 25), ("role", 25), ("db", 25))
            + _row(None, None, None, b"UTC", b"checker", b"shop")),
     "names no zone and no source of the checker's own (own: None)"),
    (_lying(zone_row=_columns(("pinned", 25)) + _row(b"UTC")),
     "the answer to the session's TimeZone question lacks the columns zone, utc"),
], ids=["role-check", "zone-and-own-null", "zone-columns"])
def test_an_answer_to_the_sessions_own_question_lacking_what_it_asks_is_a_clear_error(own, said):
    with serving(_fake_postgres(_counts, own)) as port:
        database = _session(port)
        try:
            (answer,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    assert isinstance(answer, postgres.GatherError), f"expected an error, read {answer!r}"
    assert said in str(answer) and "127.0.0.1" in str(answer), answer
    assert "KeyError" not in str(answer), answer


def test_a_role_check_saying_writable_tables_without_their_names_still_warns():
    row = (_columns(("role", 19), ("superuser", 16), ("replication", 16), ("writable", 20), ("first", 1009),
                    ("runs_elsewhere", 1009), ("servers", 1009)) + _row(b"checker", b"f", b"f", b"3", None, None, None))
    with serving(_fake_postgres(_counts, _lying(role_row=row))) as port:
        database = _session(port)
        try:
            (answer,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    assert answer == [{"n": 5}], answer
    assert database.warning is not None and "may write to 3 tables" in database.warning, database.warning


# -- libpq's own reason for not connecting is said, with the setting that fits ---------------------------------------
def _tls_refusing(conn: socket.socket, _stopping: threading.Event) -> None:
    """A server without TLS: it says no to the SSLRequest, and then waits for the client to give up."""
    reader = conn.makefile("rb")
    length, _code = struct.unpack("!II", reader.read(8))
    reader.read(length - 8)
    conn.sendall(b"N")
    reader.read(1)


@pytest.mark.parametrize("url, said, fix", [
    ("postgresql://checker:pw-hostile-1@127.0.0.1:{port}/shop?sslmode=require",
     "server does not support SSL, but SSL was required", "sslmode"),
    ("postgresql://checker:pw-hostile-1@127.0.0.1:{refused},127.0.0.1:{port}/shop?sslmode=disable"
     "&target_session_attrs=standby", "server is not in hot standby mode", "target_session_attrs"),
    ("postgresql://checker:pw-hostile-1@127.0.0.1:{port}/shop?sslmode=disable&target_session_attrs=read-only",
     "server is not in hot standby mode", "target_session_attrs"),
], ids=["sslmode-require", "standby-two-hosts", "read-only"])
def test_libpqs_reason_for_not_connecting_is_said_with_the_setting_to_fix(url, said, fix):
    """A server without TLS under sslmode=require read "connection failed; check … reachable", and a primary asked
    for a standby "connection refused" (its first host's): libpq's own reason was dropped."""
    handle = _tls_refusing if "require" in url else _fake_postgres(_counts)
    with serving(handle) as port:
        database = Database(url.format(port=port, refused=refused_port()), connect_timeout_s=5,
                            statement_timeout_ms=5000, label="shop")
        try:
            (answer,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    assert isinstance(answer, postgres.DatabaseUnavailable), answer
    assert said in str(answer) and fix in str(answer), answer
    assert "pw-hostile" not in str(answer), answer
    if "{refused}" in url:
        assert "Connection refused" in str(answer), answer  # the first host's reason too, each by its host
