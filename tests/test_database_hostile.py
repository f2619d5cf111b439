"""What a database says is bounded like what any target says, and so is the time it takes to connect: a server that
quotes a 20 MB value in its error, or sends a value the client cannot read, gives the item a message of a few hundred
characters; a URL of many hosts that never answer ends within connect_s, closing the session stops a connect in progress, and
a server streaming a message while the connection opens is stopped at STARTUP_LIMIT."""

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
from opsverify.transports.postgres import Database, GatherError

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


def _started_in_the_clear(conn: socket.socket):
    """The client's start-up read off `conn`, its SSLRequest and GSSENCRequest each answered no: the reader, past the
    StartupMessage."""
    reader = conn.makefile("rb")
    while True:
        length, code = struct.unpack("!II", reader.read(8))
        reader.read(length - 8)
        if code not in (80877103, 80877104):
            return reader
        conn.sendall(b"N")


def _fake_postgres(answer: Callable[[bytes], bytes], own: Callable[[bytes], bytes | None] = _suites_own
                   ) -> Callable[[socket.socket, threading.Event], None]:
    """A server speaking enough of PostgreSQL's protocol to be logged in to (trust) and asked pipelined statements:
    the session's own are answered by `own` (as a real server would, unless told otherwise), the item's by
    `answer(query)` (its messages after BindComplete: a RowDescription and rows, or an ErrorResponse). A primary:
    it says it is not in hot standby, as PostgreSQL 14+ does at login."""

    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        conn.settimeout(30)
        reader = _started_in_the_clear(conn)
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
    assert database.unavailable is None  # the database did nothing wrong: nothing is remembered against it


def _counted(seen: dict) -> Callable[[socket.socket, threading.Event], None]:
    """`_fake_postgres` answering `select v …` with 1, counting the sessions it takes (`seen["connections"]`), the
    cancel requests (`seen["cancels"]`), the connections that ended (`seen["ended"]`) and every statement executed
    (`seen["statements"]`)."""
    lock = threading.Lock()

    def own(query: bytes) -> bytes | None:  # asked first for every statement the server executes
        with lock:
            seen["statements"] += 1
        return _suites_own(query)

    handle = _fake_postgres(lambda _query: _columns(("v", 23)) + _row(b"1"), own)

    def counting(conn: socket.socket, stopping: threading.Event) -> None:
        length, code = struct.unpack("!II", conn.recv(8, socket.MSG_PEEK | socket.MSG_WAITALL))
        with lock:
            seen["cancels" if code == CANCEL_REQUEST_CODE else "connections"] += 1
        try:
            if code != CANCEL_REQUEST_CODE:  # a cancel request: taken, and its connection closed
                handle(conn, stopping)
        finally:
            with lock:
                seen["ended"] += 1

    return counting


def _all_ended(seen: dict) -> None:
    deadline = time.monotonic() + HANG_GUARD_S  # only a guard: the client closes its sockets at once
    while seen["ended"] < seen["connections"] + seen["cancels"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen["ended"] == seen["connections"] + seen["cancels"], f"a connection still open {HANG_GUARD_S} s on: {seen}"


def test_a_session_closed_as_the_run_ends_opens_no_new_one():
    """close(abort=True) is the run ending (Ctrl-C, SIGTERM, -x): a job still running went on to its next family's
    question, which opened a brand-new session and sent the statement again — left running on the server once the
    process was gone, its cancel never sent. The session is closed for good: a later question is answered as cut
    short by the run's end, and nothing reaches the server."""
    seen = {"connections": 0, "cancels": 0, "statements": 0, "ended": 0}
    with serving(_counted(seen)) as port:
        database = _session(port)
        assert database.query_many(["select v from measured"]) == [[{"v": 1}]]
        database.close(abort=True)
        asked = seen["statements"]
        (answer,) = database.query_many(["select v from measured"])
        database.prefetch(["select v from other"])
        (kept,) = database.query_many(["select v from other"])
        database.close()  # a session opened meanwhile, closed: its statements counted, the test not held up
        _all_ended(seen)
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == postgres.CLOSED, answer
    assert "the run ended" in str(answer) and "pw-hostile" not in str(answer), answer
    assert isinstance(kept, postgres.DatabaseUnavailable) and kept.kind == postgres.CLOSED, kept
    assert seen["connections"] == 1, f"expected no session opened once the run ended, saw {seen['connections']}"
    assert seen["statements"] == asked, f"expected no statement sent once the run ended: {seen}"
    assert database.unavailable is None  # the database did nothing wrong: nothing is remembered against it


def test_a_connect_that_completes_as_the_run_ends_is_not_used():
    """The run's end came while a connect was under way, and the connect got through before it noticed: that
    session is dropped unused — no statement is sent on it."""
    seen = {"connections": 0, "cancels": 0, "statements": 0, "ended": 0}
    with serving(_counted(seen)) as port:
        database = _session(port)
        connected = postgres._connected
        closing: list[threading.Thread] = []

        def connected_as_the_run_ends(*args, **kwargs):
            conn = connected(*args, **kwargs)
            # the run's end (Target.close, from another thread): it marks the session closing, then waits for
            # the lock this connect holds
            closing.append(threading.Thread(target=database.close, kwargs={"abort": True}, daemon=True))
            closing[0].start()
            assert database._closing.wait(HANG_GUARD_S), "close(abort=True) never said the session is closing"
            return conn

        postgres._connected = connected_as_the_run_ends
        try:
            (answer,) = database.query_many(["select v from measured"])
        finally:
            postgres._connected = connected
        closing[0].join(HANG_GUARD_S)
        assert not closing[0].is_alive(), "close(abort=True) still waiting for the session's lock"
        _all_ended(seen)
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == postgres.CLOSED, answer
    assert seen["connections"] == 1 and seen["statements"] == 0, \
        f"expected the session opened as the run ended dropped before any statement was sent: {seen}"


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


# -- what a server sends while the connection opens is bounded too ----------------------------------------------------
STREAMED_AT_MOST = 256 << 20  # the fake's own stop, far past the start-up bound: the client is to stop well before


def _endless_notice(sent: list[int], done: threading.Event) -> Callable[[socket.socket, threading.Event], None]:
    """Logs the client in (trust), then sends a NoticeResponse declared 1 GiB long and streams its body, adding to
    `sent` each chunk the socket took (up to STREAMED_AT_MOST, then it holds), until the client hangs up. libpq keeps
    a message whole while it arrives; `done` is set once the server stops sending."""

    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        try:
            reader = _started_in_the_clear(conn)
            conn.sendall(_message(b"R", struct.pack("!I", 0)) + b"N" + struct.pack("!I", 4 + (1 << 30)) + b"M")
            chunk = b"x" * (64 << 10)
            while sent[0] < STREAMED_AT_MOST and not stopping.is_set():
                conn.sendall(chunk)
                sent[0] += len(chunk)
        finally:
            done.set()
        stopping.wait(HANG_GUARD_S)

    return handle


def test_a_server_streaming_a_message_while_the_connection_opens_is_stopped_at_the_startup_limit():
    """The answer bound was applied only once the session was open: a server that sent AuthenticationOk and then a
    notice declared 1 GiB long was read on while the connect waited for its deadline (one such database took the
    run to 1 GiB). What the connection receives while it opens is counted too, and the connect given up past
    STARTUP_LIMIT: the server could send only what fits in the sockets' buffers past it."""
    sent, done = [0], threading.Event()
    with serving(_endless_notice(sent, done)) as port:
        database = Database(f"postgresql://checker:pw-hostile-1@127.0.0.1:{port}/shop?sslmode=disable",
                            connect_timeout_s=20, statement_timeout_ms=5000, label="shop")
        try:
            (answer,) = database.query_many(["select 1 as x"])
        finally:
            database.close(abort=True)
        assert done.wait(HANG_GUARD_S), "the server was still sending after the client gave up"
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == "stopped", answer
    assert "the server sent more than 1 MiB while the connection was opening; not read further" in str(answer), answer
    assert "pw-hostile" not in str(answer), answer
    # the bound, what libpq reads in one go past it and what the sockets' buffers hold: far short of all it offered
    assert sent[0] < STREAMED_AT_MOST // 2, f"the server sent {sent[0] >> 20} MiB before the client gave up"


CANCEL_REQUEST_CODE = 80877102  # the startup code of PostgreSQL's CancelRequest


def test_the_runs_end_waits_for_a_cancel_on_its_way_but_only_until_its_bound(monkeypatch):
    """A session closed while its statement runs sends a cancel request from a daemon thread, which an exiting
    interpreter kills before it is sent: `cancels_sent` waits for it — up to the bound it is given, never for a
    server that holds the request (it is left to its statement_timeout) — and at once when none is on its way."""
    asked, cancel_held, released = threading.Event(), threading.Event(), threading.Event()
    answering = _fake_postgres(lambda _query: (asked.set(), released.wait(HANG_GUARD_S))
                               and _columns(("v", 23)) + _row(b"1"))

    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        length, code = struct.unpack("!II", conn.recv(8, socket.MSG_PEEK | socket.MSG_WAITALL))
        if code != CANCEL_REQUEST_CODE:
            return answering(conn, stopping)
        cancel_held.set()  # taken, and held open: the request is not done until the server closes it
        released.wait(HANG_GUARD_S)

    monkeypatch.setattr(postgres, "CANCEL_S", HANG_GUARD_S)  # the request's own bound is not what ends it here
    with serving(handle) as port:
        database = Database(f"postgresql://checker:pw@127.0.0.1:{port}/shop?sslmode=disable", connect_timeout_s=5,
                            statement_timeout_ms=600_000, label="shop", budget_s=600)
        try:
            database.cancels_sent(time.monotonic() + HANG_GUARD_S)  # none on its way: returns at once
            asking = threading.Thread(target=database.query_many, args=(["select v from measured"],), daemon=True)
            asking.start()
            assert asked.wait(HANG_GUARD_S), "the statement never reached the server"
            database.close(abort=True)
            asking.join(HANG_GUARD_S)
            assert cancel_held.wait(HANG_GUARD_S), "expected a cancel request once the session closed: none came"
            waiting = threading.Thread(target=database.cancels_sent, args=(time.monotonic() + 0.2,), daemon=True)
            waiting.start()
            waiting.join(HANG_GUARD_S)
            assert not waiting.is_alive(), f"cancels_sent still waiting {HANG_GUARD_S} s past its bound of 0.2 s"
            sending = list(database._cancels)
            assert sending and all(t.is_alive() for t in sending), \
                "expected the held cancel request still on its way once the wait's bound passed"
            released.set()  # the server closes it: the request is done
            database.cancels_sent(time.monotonic() + HANG_GUARD_S)
            assert not any(t.is_alive() for t in sending), "expected the cancel request waited for until done"
        finally:
            released.set()
            database.close(abort=True)


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
        answer = _read(oid, value, column="v")
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


def _three_conversations() -> tuple:
    """Against `_counts`' server: a healthy conversation, then one whose first answer libpq cannot follow (with
    another statement's), then the next one's answer: (bad, other, stuck)."""
    with serving(_fake_postgres(_counts)) as port:
        database = _session(port)
        try:
            assert database.query_many(["select 0 as n"]) == [[{"n": 0}]]
            bad, other = database.query_many(["select 1 as bad", "select count(*) as n from orders where false"])
            (stuck,) = database.query_many(["select count(*) as n from stuck_jobs"])
        finally:
            database.close(abort=True)
    return bad, other, stuck


def test_an_error_libpq_makes_itself_is_that_statements_alone_and_the_next_reads_its_own_answer():
    """libpq's own error (no server message) was read with .decode() on the str psycopg gives: the exception left
    the pipeline mid-way, the session stayed, and the next conversation read the leftover answers as its own (the
    server's 5 read as another statement's 0)."""
    bad, other, stuck = _three_conversations()
    assert isinstance(bad, postgres.QueryFailed) and "unexpected field count" in str(bad).lower(), bad
    assert other == [{"n": 0}], other
    assert stuck == [{"n": 5}], f"select count(*) from stuck_jobs: expected the server's 5, read {stuck!r}"


def test_a_failure_the_client_did_not_foresee_gives_up_the_session_and_no_later_answer_is_stale(monkeypatch):
    """Any exception while the pipeline is being read (a bug of the client's, an answer it cannot follow) ends the
    session: its statements are errors saying so, and no later conversation reads the leftover answers."""
    def unforeseen(*_args, **_kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(postgres, "_failure", unforeseen)
    bad, other, stuck = _three_conversations()
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


# a value psycopg reads only the start of, or in a form PostgreSQL never writes (the session pins ISO DateStyle)
_LAX_VALUES = (
    (1114, b"2026-01-01 00:00:00xxxx"), (1114, b"2026-01-01 00:00:00 yesterday"),  # timestamp
    (1114, b"2026-01-01T00:00:00"), (1114, b"2026/01/01 00:00:00"), (1114, b"2026-01-01 00:00:00.1234567"),
    (1184, b"2026-01-01 00:00:00+00:00:00xyz"), (1184, b"2026-01-01 00:00:00+00 tomorrow"),  # timestamptz
    (1184, b"2026-01-01 00:00:00"),
    (1083, b"12:00:00 yesterday"), (1083, b"12:00:00.5.5"), (1083, b"12:00"),  # time
    (1266, b"12:00:00+00 x"), (1266, b"12:00:00"),  # timetz
    (1082, b"2026-01-01x"), (1082, b"2026-01-01 00:00:00"), (1082, b"infinityx"),  # date
    (1115, b'{"2026-01-01 00:00:00xxxx"}'), (1183, b"{12:00:00x}"),  # timestamp[], time[]
    (23, b" 5"), (23, b"+5"), (23, b"1_0"), (23, b"5 "), (23, b""),  # int4
    (20, b"1_0"), (21, b"+5"), (26, b"1_0"),  # int8, int2, oid
    (1007, b"{1_0}"),  # int4[]
    (1700, b" 5"), (1700, b"+5"), (1700, b"1_0"), (1700, b"1e1"), (1700, b"inf"), (1700, b"sNaN"),  # numeric
    (701, b"1_0"), (701, b"+5"), (701, b"0x10"), (701, b"inf"), (700, b"1_0"), (700, b" 5"),  # float8, float4
)


def _read(oid: int, value: bytes, column: str = "last_seen") -> object:
    """The answer a Database reads of one row of `column`, typed `oid`, holding `value`."""
    answer = _columns((column, oid)) + _row(value)
    with serving(_fake_postgres(lambda _query: answer)) as port:
        database = Database(f"postgresql://checker:pw@127.0.0.1:{port}/shop?sslmode=disable", connect_timeout_s=5,
                            statement_timeout_ms=5000, label="shop")
        try:
            (read,) = database.query_many([f"select {column} from measured"])
        finally:
            database.close()
    return read


def test_a_value_postgresql_never_writes_is_an_error_naming_its_column_and_text_never_its_start():
    """psycopg reads the start of a timestamp, a time or a date and drops the rest, and an int or a numeric with
    blanks, a `+` or a `_` in it: a lying server's `2026-01-01 00:00:00xxxx` would pass `eq: 2026-01-01T00:00:00`,
    and `1_0` `eq: 10`."""
    wrong = []
    for oid, value in _LAX_VALUES:
        read = _read(oid, value)
        text = value.decode().strip('{}"')
        if not isinstance(read, GatherError) or 'column "last_seen"' not in str(read) or repr(text) not in str(read):
            wrong.append((oid, value, read))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_lying_servers_timestamp_or_time_read_by_its_start_passes_no_sql_item():
    for oid, value, expected in ((1114, b"2026-01-01 00:00:00xxxx", "2026-01-01T00:00:00"),
                                 (1184, b"2026-01-01 00:00:00+00:00:00xyz", "2026-01-01T00:00:00+00:00"),
                                 (1083, b"12:00:00 yesterday", "12:00:00"), (23, b"1_0", 10)):
        answer = _columns(("last_seen", oid)) + _row(value)
        with serving(_fake_postgres(lambda _query, answer=answer: answer)) as port:
            check = make_check("sql", {"query": "select last_seen from measured",
                                       "expect": {"last_seen": {"eq": expected}}})
            target = make_target({"database": f"postgresql://checker:pw@127.0.0.1:{port}/shop?sslmode=disable"},
                                 timeouts={"connect_s": 5, "statement_ms": 5000, "database_s": 30})
            try:
                (outcome,) = gather_and_judge(target, sql, [check])
            finally:
                target.close()
        assert outcome.status == Status.ERROR, (value, outcome.status, outcome.observed)
        assert 'the answer holds a value the client cannot read: column "last_seen"' in outcome.observed, outcome
        assert repr(value.decode()) in outcome.observed, outcome


def test_a_huge_value_postgresql_never_writes_is_an_error_of_a_few_hundred_characters():
    for oid, value in ((1114, b"2026-01-01 00:00:00." + b"1" * HUGE), (1184, b"2026-01-01 00:00:00" + b"+00" * HUGE),
                       (1083, b"12:00:00" + b"0" * HUGE), (1082, b"2" * HUGE + b"-01-01"), (23, b"1" * HUGE + b"x"),
                       (1700, b"1" * HUGE + b"." + b"1" * HUGE + b"x"), (701, b"1" * HUGE + b"e")):
        with serving(_fake_postgres(lambda _query, oid=oid, value=value: _columns(("v", oid)) + _row(value))) as port:
            said = _ask(port)
        assert len(said) < 2000, f"type {oid}: the item's message is {len(said):,} characters: {said[:300]}…"
        assert "the answer holds a value the client cannot read" in said and '"v"' in said, (oid, said)


def test_every_value_as_postgresql_writes_it_reads_as_before(demo_deployment):
    """What a real PostgreSQL writes reads as ever: fractions, offsets to the second (a zone's local mean time),
    the ends of each type's range, arrays; what Python cannot hold is the same error, with its hint to cast."""
    import datetime as dt
    from decimal import Decimal

    from opsverify.transports.pgvalues import InZone

    utc, real = dt.timezone.utc, (lambda text: struct.unpack("<f", struct.pack("<f", float(text)))[0])
    read_as = {
        "'2026-07-04 12:34:56.789'::timestamp": dt.datetime(2026, 7, 4, 12, 34, 56, 789000),
        "'0001-01-01 00:00:00'::timestamp": dt.datetime(1, 1, 1),
        "'9999-12-31 23:59:59.999999'::timestamp": dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        "'2026-01-01 00:00:00.5+05:30'::timestamptz": dt.datetime(2025, 12, 31, 18, 30, 0, 500000, utc),
        "'2026-01-01'::date": dt.date(2026, 1, 1), "'0001-01-01'::date": dt.date(1, 1, 1),
        "'9999-12-31'::date": dt.date(9999, 12, 31),
        "'00:00:00'::time": dt.time(0), "'23:59:59.999999'::time": dt.time(23, 59, 59, 999999),
        "'12:00:00.5-05:53:28'::timetz": dt.time(12, 0, 0, 500000, dt.timezone(-dt.timedelta(hours=5, minutes=53,
                                                                                            seconds=28))),
        "'12:00:00+05:30'::timetz": dt.time(12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        "'-32768'::int2": -32768, "'-2147483648'::int4": -2147483648, "'9223372036854775807'::int8": 2**63 - 1,
        "'4294967295'::oid": 2**32 - 1, "'0'::int4": 0,
        "'1.50'::numeric": Decimal("1.50"), "'-0.000001'::numeric": Decimal("-0.000001"),
        "'1e100'::numeric": Decimal(10) ** 100, "'1e-100'::numeric": Decimal("1e-100"),
        "'Infinity'::numeric": Decimal("Infinity"), "'-Infinity'::numeric": Decimal("-Infinity"),
        "'1e300'::float8": 1e300, "'-1.5e-300'::float8": -1.5e-300, "'0.1'::float8": 0.1,
        "'123456789012345678901'::float8": 1.2345678901234568e20, "'-Infinity'::float8": float("-inf"),
        "'0.1'::real": real("0.1"), "'1e-45'::real": real("1e-45"), "'3.4e38'::real": real("3.4e38"),
        "'-0'::float8": -0.0, "true": True, "'1 day -00:00:01.5'::interval": dt.timedelta(days=1, seconds=-1.5),
        "array['2026-01-01 00:00:00'::timestamp, null]": [dt.datetime(2026, 1, 1), None],
        "array['12:00:00.25'::time]": [dt.time(12, 0, 0, 250000)], "array[1, -2]::int8[]": [1, -2],
        "array[1.5, -2]::numeric[]": [Decimal("1.5"), Decimal(-2)], "array['2026-01-01'::date]": [dt.date(2026, 1, 1)],
    }
    cannot = {
        "'infinity'::timestamp": "too large", "'-infinity'::timestamp": "too small",
        "'0001-01-01 00:00:00 BC'::timestamp": "too small", "'10000-01-01'::timestamp": "too large",
        "'294276-12-31 23:59:59.999999'::timestamp": "too large", "'infinity'::timestamptz": "too large",
        "'0001-01-01 00:00:00+00 BC'::timestamptz": "too small", "'infinity'::date": "too large",
        "'4713-01-01 BC'::date": "too small", "'5874897-12-31'::date": "too large", "'24:00:00'::time": "hour must be",
    }
    with scratch_database(demo_deployment, "select 1", prefix="written") as db:
        database = Database(db["url"], connect_timeout_s=5, statement_timeout_ms=5000, label="shop")
        try:
            answers = database.query_many([f"select {expression} as v" for expression in [*read_as, *cannot]]
                                          + [InZone("select '1900-01-01 00:00:00+00'::timestamptz as v,"
                                                    " '1900-01-01 00:00:00+00'::timestamptz::text as t", "Asia/Kolkata")])
        finally:
            database.close()
    values, unreadable, (lmt,) = answers[:len(read_as)], answers[len(read_as):-1], answers[-1]
    wrong = [(expression, answer) for (expression, expected), answer in zip(read_as.items(), values, strict=True)
             if isinstance(answer, GatherError) or answer[0]["v"] != expected or type(answer[0]["v"]) != type(expected)]
    assert not wrong, wrong
    for (expression, said), answer in zip(cannot.items(), unreadable, strict=True):
        assert isinstance(answer, GatherError) and said in str(answer) and "(cast it in the query" in str(answer) \
            and 'column "v"' in str(answer), (expression, answer)
    # Kolkata's zone in 1900 is Madras time: +05:21:10, an offset to the second
    assert lmt["t"] == "1900-01-01 05:21:10+05:21:10" and lmt["v"] == dt.datetime(1900, 1, 1, tzinfo=utc), lmt
