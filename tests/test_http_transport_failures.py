"""The HTTP transport's failures in words: a connection that goes away says so (not an exception's empty text),
and a request the HTTP library gives up on mid-write fails alone, never the batch it was sent in."""

from __future__ import annotations

import gzip
import random
import re
import threading

import httpx
import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import http
from opsverify.outcome import Status
from opsverify.transports import http as http_transport
from opsverify.transports.http import BODY_LIMIT, Probe, Reply, Session, _failure_words, fetch_all

from .kit import RealBacklogServer, make_check, make_target, reset_after_the_request, serving
from .project import KeepAliveHttp, raw_reply


def judged(answer):
    check = make_check("http", {"service": "api", "path": "/h"})
    return http.judge(check, {check.key: ("http://x/h", answer)})


# -- a connection that goes away ------------------------------------------------------------------------
def test_a_connection_reset_before_the_reply_says_so_in_words():
    """httpx's ReadError for a reset carries no text: the failure says what happened, not 'ReadError: '."""
    with serving(reset_after_the_request) as port:
        (answer,) = fetch_all([Probe("GET", f"http://127.0.0.1:{port}/h")], timeout_s=5)
    assert answer.status is None and answer.sent, answer
    assert answer.failure == "connection reset before the reply", answer
    outcome = judged(answer)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == "no answer from api: connection reset before the reply", outcome


@pytest.mark.parametrize("exc, replied, words", [
    (httpx.ReadError(""), False, "connection reset or closed before the reply"),
    (httpx.ReadError(""), True, "connection reset or closed in the middle of the reply"),
    (httpx.RemoteProtocolError(""), False, "connection reset or closed before the reply"),
    (httpx.WriteError(""), False, "could not write the request: connection reset or closed"),
    (httpx.CloseError(""), True, "the HTTP client failed (CloseError) without saying why"),
    # an exception with words of its own keeps them
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), False,
     "RemoteProtocolError: Server disconnected without sending a response."),
])
def test_an_exception_without_text_is_told_by_what_it_means(exc, replied, words):
    assert _failure_words(exc, replied=replied) == words


def test_a_reset_found_under_an_empty_exception_is_named_a_reset():
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as cause:
            raise httpx.ReadError("") from cause
    except httpx.ReadError as exc:
        assert _failure_words(exc, replied=True) == "connection reset in the middle of the reply"


# -- a request the HTTP library gives up on while writing it --------------------------------------------
@pytest.mark.parametrize("bad", [
    Probe("GET", "/ok", {"content-length": "3"}),  # h11: too little data for the declared length
    Probe("POST", "/ok", {"content-length": "1"}, body=b"{}", mutating=True),  # h11: too much data
])
def test_a_content_length_that_is_not_the_bodys_fails_its_request_alone(bad):
    """h11 checks a declared content-length against the body only once the request's head is written, and its error
    escapes httpx: it is that request's failure, and the batch beside it is still answered — on one connection at
    a time, so the one it leaves is not reused."""
    with KeepAliveHttp({("GET", "/ok"): raw_reply(200, b'{"ok": true}')}) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            failing, healthy = session.fetch_all([Probe(bad.method, server.url + bad.url, bad.headers, bad.body,
                                                        mutating=bad.mutating),
                                                  Probe("GET", server.url + "/ok")])
        finally:
            session.close()
    assert (healthy.status, healthy.text) == (200, '{"ok": true}'), healthy
    assert failing.status is None and failing.sent, failing  # its head went out
    assert failing.failure.startswith("the request was cut short: its head went out, then the HTTP client refused"), \
        failing
    assert f"header 'content-length' does not give the body's length ({len(bad.body or b'')} bytes)" \
        in failing.failure, failing
    assert "leave it out of headers: the HTTP client sets it" in failing.failure, failing
    outcome = judged(failing)
    assert outcome.status is Status.ERROR and "the request was cut short" in outcome.observed, outcome


# -- a redirect whose Location is no URL httpx can follow ----------------------------------------------
@pytest.mark.parametrize("location", ["mailto:ops@example.com", "javascript:alert(1)", "urn:x", "http://[::1"])
def test_a_redirect_to_a_location_httpx_cannot_build_is_judged_as_the_3xx_it_is(location):
    """httpx builds the request a redirect would send even when it follows none, and raises on a Location with a
    scheme but no `//` (InvalidURL, no HTTPError): the 3xx is that item's reply, judged as any other, its Location
    kept as written; the items beside it, other services' too, are answered."""
    with KeepAliveHttp({("GET", "/old"): raw_reply(302, b"moved", "text/plain", location=location),
                        ("GET", "/health"): raw_reply(200, b"ok", "text/plain")}) as web, \
            KeepAliveHttp({("GET", "/beacon"): raw_reply(200, b"up", "text/plain")}) as api:
        target = make_target({"services": {"web": {"url": web.url}, "api": {"url": api.url}}})
        checks = [make_check("http", {"service": "web", "path": "/health", "status": 200}, item="H1"),
                  make_check("http", {"service": "web", "path": "/old", "status": 302}, item="H2"),
                  make_check("http", {"service": "api", "path": "/beacon", "status": 200}, item="H3")]
        try:
            facts = http.gather(target, checks)
        finally:
            target.close()
    _, moved = facts[checks[1].key]
    assert (moved.status, moved.text, moved.headers.get("location")) == (302, "moved", location), moved
    for check in checks:
        outcome = http.judge(check, facts)
        assert outcome.status is Status.PASSED, (check.id, outcome)


def test_an_unexpected_exception_from_the_http_client_fails_its_request_alone(monkeypatch):
    """Whatever the HTTP client raises for one request that no branch expects is that request's failure, named by
    its type, never its batch's."""
    class Unforeseen(Exception):
        pass

    real_send = httpx.AsyncClient.send

    async def send(client, request, **kwargs):
        if request.url.path == "/odd":
            raise Unforeseen("a surprise")
        return await real_send(client, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", send)
    with KeepAliveHttp({("GET", "/ok"): raw_reply(200, b'{"ok": true}')}) as server:
        odd, healthy = fetch_all([Probe("GET", server.url + "/odd"), Probe("GET", server.url + "/ok")], timeout_s=5)
    assert (healthy.status, healthy.text) == (200, '{"ok": true}'), healthy
    assert odd.status is None, odd
    assert odd.failure == "the HTTP client failed: Unforeseen: a surprise", odd


def test_a_cookie_one_reply_sets_is_never_sent_with_another_request():
    """A login's Set-Cookie (one item) went out with every later request of the run to that host — any port — so a
    "refused without credentials" item was checked with a session: a healthy endpoint failed, a broken one (CSRF only
    for callers with a session) passed. Each request carries the headers its item states, nothing learnt."""
    from http.server import BaseHTTPRequestHandler
    import threading

    cookies_seen: dict[str, str | None] = {}

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            cookies_seen[self.path] = self.headers.get("cookie")
            self.send_response(200)
            if self.path == "/login":
                self.send_header("set-cookie", "session=admin-session; Path=/")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = RealBacklogServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    session = Session(timeout_s=10, concurrency=1)
    try:
        session.fetch_all([Probe("GET", url + "/login")])
        later = session.fetch_all([Probe("GET", url + "/admin")])
    finally:
        session.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert later[0].status == 200 and cookies_seen == {"/login": None, "/admin": None}, cookies_seen


# -- a head that came, then a body that did not ---------------------------------------------------------
def _read_request(conn) -> None:
    """Reads one whole HTTP request (its head, and a body of its content-length) off `conn`."""
    request = b""
    while b"\r\n\r\n" not in request and (chunk := conn.recv(65536)):
        request += chunk
    head, _, body = request.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk


def head_only(status: int, *, hang: bool = False):
    """A `serving` handler answering each request `status` with a head that promises 100 bytes of JSON, and one of
    them: then it closes the connection (the body cut short) or, `hang`, holds it open until the server stops."""
    def handle(conn, stopping) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{" % status)
        if hang:
            stopping.wait()
    return handle


@pytest.mark.parametrize("hang, why", [
    (False, "its body could not be read: RemoteProtocolError: peer closed connection without sending complete "
            "message body"),
    (True, "its body could not be read: no complete answer within 2 s (the request's total deadline)"),
], ids=["cut short", "hung"])
def test_a_head_whose_body_never_comes_whole_keeps_its_status_only_where_the_status_alone_is_judged(hang, why):
    """A 200 head, then a body cut short or never finished: a forged webhook delivery (or a cron call without its
    secret) was accepted all the same, and its probe keeps the status, the failure saying what became of the body.
    Any other probe has no whole answer to judge: no status, as before — never a partial body read as whole."""
    with serving(head_only(200, hang=hang)) as port:
        url = f"http://127.0.0.1:{port}/hook"
        session = Session(timeout_s=2)  # the hang runs the deadline out: no verdict depends on it
        try:
            by_status, whole = session.fetch_all([
                Probe("POST", url, {}, b"{}", expect_rejection=True, judged_by_status=True),
                Probe("GET", url)])
        finally:
            session.close()
    assert (by_status.status, by_status.text) == (200, ""), by_status
    assert by_status.failure.startswith(why), by_status
    assert by_status.headers.get("content-length") == "100", by_status
    assert whole.status is None and whole.failure and not whole.failure.startswith("its body"), whole
    outcome = judged(whole)  # the http family's judge needs the body: still no answer
    assert outcome.status is Status.ERROR and outcome.observed.startswith("no answer from api: "), outcome


def test_a_head_whose_body_no_charset_reads_keeps_its_status_only_where_the_status_alone_is_judged():
    with KeepAliveHttp({("POST", "/hook"): raw_reply(200, b"{}", "application/json; charset=hex")}) as server:
        by_status, whole = fetch_all([Probe("POST", server.url + "/hook", {}, b"{}", expect_rejection=True,
                                            judged_by_status=True),
                                      Probe("POST", server.url + "/hook", {}, b"{}", expect_rejection=True)],
                                     timeout_s=5)
    assert by_status.status == 200 and by_status.text == "", by_status
    assert by_status.failure == "its body could not be read: HTTP 200 in charset 'hex', which is not a text " \
                                "encoding that can be read", by_status
    assert whole.status is None and whole.failure.startswith("HTTP 200 in charset 'hex'"), whole


def _coded(coding: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-encoding: {coding}\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode() + body


def test_a_whole_body_that_is_no_such_coding_says_so_apart_from_a_body_never_read():
    """A plain body under `Content-Encoding: gzip` came whole: its bytes are the target's fault, said in
    `undecodable` beside the failure (the metrics family fails it); a coding this client does not undo (`br`) is
    no fault of the bytes, and says nothing there. A probe not judged by its status has no answer either way."""
    with KeepAliveHttp({("GET", "/gzip"): _coded("gzip", b"plain text"),
                        ("GET", "/br"): _coded("br", b"\x0b\x02\x80plain")}) as server:
        plain, br, whole = fetch_all([Probe("GET", server.url + "/gzip", judged_by_status=True),
                                      Probe("GET", server.url + "/br", judged_by_status=True),
                                      Probe("GET", server.url + "/gzip")], timeout_s=5)
    assert plain.status == 200 and plain.failure.startswith("its body could not be read: DecodingError: gzip: "), plain
    assert plain.undecodable.startswith("gzip: ") and "incorrect header check" in plain.undecodable, plain
    assert br.status == 200 and "is not read" in br.failure and br.undecodable == "", br
    assert whole.status is None and whole.undecodable == "", whole


def test_a_status_line_that_is_not_http_is_quoted_as_text_never_a_bytes_repr():
    with KeepAliveHttp({("GET", "/x"): b"HELLO \x1b[31mTHERE\r\n\r\n"}) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            (reply,) = session.fetch_all([Probe("GET", server.url + "/x")])
        finally:
            session.close()
    assert reply.status is None, reply
    assert "'HELLO \\x1b[31mTHERE'" in reply.failure and "bytearray(" not in reply.failure, reply.failure


def test_an_items_own_authorization_header_is_sent_though_the_url_holds_a_login():
    """httpx replaced the item's `Authorization: Bearer …` with a Basic one made from the service URL's user and
    password: an item proving a token is refused was judged on another credential."""
    from .kit import route_server

    seen = []
    with route_server({("GET", "/echo"): lambda headers, body: (seen.append(headers.get("authorization")) or
                                                                 (200, "{}"))}) as url:
        with_login = url.replace("http://", "http://opsuser:S3cr3tVal@")
        session = Session(timeout_s=5, concurrency=1)
        try:
            session.fetch_all([Probe("GET", with_login + "/echo", {"Authorization": "Bearer tok-123"}),
                               Probe("GET", with_login + "/echo")])
        finally:
            session.close()
    assert seen[0] == "Bearer tok-123", seen
    assert seen[1].startswith("Basic "), seen  # no header of its own: the URL's login, as before


def test_requests_hung_at_one_service_leave_a_healthy_one_its_connection():
    """Families gathering at once share a target's client: 7 batches of 16 requests hung at a silent server had
    taken every connection of httpx's default pool (100), and a healthy endpoint was reached only once hung ones
    had given up — past its own deadline where it took a moment to answer. By order, not by the clock: the healthy
    request must reach its server while every hung one is still held."""
    import threading

    held, let_go = threading.Semaphore(0), threading.Event()
    hung_closed: list[int] = []

    def never_answers(conn, stopping):
        held.release()
        let_go.wait()
        hung_closed.append(1)

    def answers(conn, stopping):
        reached.append(len(hung_closed))  # how many hung requests had given up when this one came
        conn.recv(65536)
        conn.sendall(raw_reply(200, b"ok", "text/plain"))

    reached: list[int] = []
    session = Session(60.0, connect_s=30.0)
    hung = []
    try:
        with serving(never_answers) as silent, serving(answers) as healthy:
            hung = [threading.Thread(target=session.fetch_all,
                                     args=([Probe("GET", f"http://127.0.0.1:{silent}/hang") for _ in range(16)],))
                    for _ in range(7)]
            for thread in hung:
                thread.start()
            for _ in range(100):  # a pool's worth in flight
                assert held.acquire(timeout=60)
            answer = []
            asking = threading.Thread(target=lambda: answer.extend(
                session.fetch_all([Probe("GET", f"http://127.0.0.1:{healthy}/health")])))
            asking.start()
            asking.join(timeout=10)  # healthy: at once; starved: until a hung request gives up (let go below)
            let_go.set()
            asking.join()
    finally:
        let_go.set()
        session.close()
        for thread in hung:
            thread.join()
    assert reached == [0] and answer[0].status == 200, (reached, answer)


# -- a request on a connection an earlier request had used --------------------------------------------------------
def _request_came(conn) -> bool:
    """Reads one request's head off `conn` (these carry no body); False when the client closed the connection."""
    return _request_path(conn) is not None


def answers_then_breaks(broken: bytes, *, stall_s: float = 0.0):
    """A `serving` handler answering the first request on each connection 200, and the second, after `stall_s`,
    with `broken` — then it closes the connection; `connections` counts those accepted."""
    def handle(conn, stopping) -> None:
        handle.connections += 1
        served = 0
        while _request_came(conn):
            if served:
                stopping.wait(stall_s)
                conn.sendall(broken)
                return
            conn.sendall(raw_reply(200, b'{"ok": true}'))
            served += 1
    handle.connections = 0
    return handle


def _warm_then(port: int, path: str, **probe) -> Reply:
    """A request that leaves its kept-alive connection in the pool, then one on it."""
    session = Session(timeout_s=20, concurrency=1)
    try:
        (warm,) = session.fetch_all([Probe("GET", f"http://127.0.0.1:{port}/warm")])
        (reply,) = session.fetch_all([Probe("GET", f"http://127.0.0.1:{port}{path}", **probe)])
    finally:
        session.close()
    assert warm.status == 200, warm
    return reply


def test_a_request_asked_again_after_a_stalled_reused_connection_counts_its_time_from_the_first_attempt():
    """The reused connection held the GET 1.5 s, then closed without a byte: asked again on a new connection, it
    answered at once — a user of the endpoint waited both. The elapsed time counts from the first attempt (a lower
    bound the stall sets, whatever the machine's speed), and the evidence says there were two."""
    handler = answers_then_breaks(b"", stall_s=1.5)
    with serving(handler) as port:
        reply = _warm_then(port, "/health")
    assert reply.status == 200 and handler.connections == 2, (reply, handler.connections)
    assert reply.elapsed_ms >= 1500, reply
    assert reply.first_attempt.startswith("on a connection an earlier request had used, no byte of a reply came"), \
        reply
    check = make_check("http", {"service": "api", "path": "/health", "max_latency_ms": 1000})
    outcome = http.judge(check, {check.key: ("http://x/health", reply)})
    assert outcome.status is Status.FAILED and outcome.observed.startswith("took "), outcome
    assert outcome.evidence["first_attempt"] == reply.first_attempt, outcome.evidence


def test_a_reply_whose_head_came_on_a_reused_connection_is_never_asked_again():
    """A 500 whose head came whole, then the connection closed mid-body, is the answer a client got: asked again on
    a new connection (which answers 200) it was hidden, and `status: 200` with `body_excludes` passed. Browsers ask
    again only where no byte of the reply came."""
    broken = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: 200\r\n\r\n"
              b"Database connection failed")
    handler = answers_then_breaks(broken)
    with serving(handler) as port:
        reply = _warm_then(port, "/health")
    assert handler.connections == 1, handler.connections
    assert reply.status is None and not reply.first_attempt, reply
    assert "peer closed connection without sending complete message body" in reply.failure, reply
    assert "500" in reply.failure, reply  # the head that came is named
    check = make_check("http", {"service": "api", "path": "/health", "status": 200,
                                "body_excludes": ["Database connection failed"]})
    outcome = http.judge(check, {check.key: ("http://x/health", reply)})
    assert outcome.status is Status.ERROR, outcome


def test_part_of_a_head_on_a_reused_connection_is_never_asked_again():
    """Bytes of a reply came (a status line cut short): the server answered; what it said is not asked again."""
    handler = answers_then_breaks(b"HTTP/1.1 500 Internal Ser")
    with serving(handler) as port:
        reply = _warm_then(port, "/health")
    assert handler.connections == 1, handler.connections
    assert reply.status is None and not reply.first_attempt, reply
    assert "the connection closed after 25 bytes of the reply's head" in reply.failure, reply


def test_a_reused_connection_closed_without_a_byte_is_asked_again_at_once():
    handler = answers_then_breaks(b"")
    with serving(handler) as port:
        reply = _warm_then(port, "/health")
    assert (reply.status, reply.text) == (200, '{"ok": true}') and handler.connections == 2, reply
    assert reply.first_attempt, reply


# -- a body longer than the bytes read, under max_latency_ms: its end is waited for ---------------------------------
def _request_path(conn) -> str | None:
    """The path of the next request read off `conn` (these carry no body); None when the client closed it."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        request += chunk
    return request.split(b" ", 2)[1].decode()


def long_page(first: bytes, rest: bytes, *, before_rest=lambda stopping: None, close_early: bool = False,
              **headers: str):
    """A `serving` handler answering `/` with `first + rest` (its content-length the whole), calling
    `before_rest(stopping)` between the two (`close_early`: closing the connection there instead), and `/ok` with a
    small 200; `connections` counts those accepted."""
    def handle(conn, stopping) -> None:
        handle.connections += 1
        while (path := _request_path(conn)) is not None:
            if path != "/":
                conn.sendall(raw_reply(200, b'{"ok": true}'))
                continue
            conn.sendall(raw_reply(200, first, "text/html", **headers).replace(
                b"content-length: %d" % len(first), b"content-length: %d" % (len(first) + len(rest))))
            if close_early:
                return
            before_rest(stopping)
            conn.sendall(rest)
    handle.connections = 0
    return handle


def endless_stream(conn, stopping) -> None:
    """Answers 200 with a chunked body that never ends, as fast as the client takes it, until it hangs up."""
    if _request_path(conn) is None:
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    while not stopping.is_set():
        conn.sendall(chunk)


def _judged_with(handler, params: dict, *, http_s: float = 30, then: str = "") -> tuple:
    """The http item `params` (service `web`, path `/`) judged against `handler` through a target, and — where
    `then` names a path — the reply to a request for it on the same target after (its kept-alive connection, if
    one was left)."""
    check = make_check("http", {"service": "web", "path": "/", **params})
    with serving(handler) as port:
        target = make_target({"services": {"web": {"url": f"http://127.0.0.1:{port}"}}}, timeouts={"http_s": http_s})
        try:
            (outcome,) = gather_and_judge(target, http, [check])
            after = target.fetch_all([Probe("GET", f"http://127.0.0.1:{port}{then}")])[0] if then else None
        finally:
            target.close()
    return outcome, after


HOME_PAGE = b"<html><body>" + random.Random(147).randbytes(100 * 1024).hex().encode() + b"</body></html>"  # ~200 KiB


@pytest.mark.parametrize("coding", ["identity", "gzip"])
def test_a_long_page_whose_end_comes_within_the_bound_passes_with_the_time_to_its_end(coding):
    """A server-rendered home page of 200 KiB under `max_latency_ms: 3000` was always an ERROR (its end past the 64 KiB
    read was not waited for): read on to its end, counted and dropped, it passes. The server pauses 0.3 s before its
    second half, so the time judged is to the body's end (at least that pause, whatever the machine's speed); the
    connection, read to its end, serves the next request."""
    body = HOME_PAGE if coding == "identity" else gzip.compress(HOME_PAGE)
    half = len(body) // 2
    handler = long_page(body[:half], body[half:], before_rest=lambda stopping: stopping.wait(0.3),
                        content_encoding=coding)
    outcome, after = _judged_with(handler, {"max_latency_ms": 60_000, "body_includes": ["<html><body>"]}, then="/ok")
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["elapsed_ms"] >= 300, outcome.evidence
    assert outcome.observed == f"status 200 in {outcome.evidence['elapsed_ms']:g} ms", outcome
    assert outcome.evidence["truncated_at_bytes"] == BODY_LIMIT, outcome.evidence  # body rules judged 64 KiB
    assert outcome.evidence["body_end"] == f"came after {len(body)} bytes in all (read on, not kept): elapsed_ms is" \
                                          " to it", outcome.evidence
    assert after.status == 200 and handler.connections == 1, (after, handler.connections)


def test_a_long_page_whose_rest_comes_after_the_bound_fails_without_waiting_for_it():
    """The rest of the page comes only once the test releases it, after the check ended: the bound passed while the
    body was still coming, so it fails, naming the bytes that had come. The connection, abandoned mid-body, is closed:
    the next request goes on a new one."""
    released = threading.Event()
    handler = long_page(HOME_PAGE[:100 * 1024], HOME_PAGE[100 * 1024:],
                        before_rest=lambda stopping: released.wait(60))
    try:
        outcome, after = _judged_with(handler, {"max_latency_ms": 200}, then="/ok")
    finally:
        released.set()
    assert outcome.status is Status.FAILED, outcome
    said = re.fullmatch(r"took more than 200 ms: the body was still coming after (\d+) bytes", outcome.observed)
    assert said and BODY_LIMIT < int(said[1]) <= 100 * 1024, outcome
    assert outcome.expected.endswith("within 200 ms"), outcome
    assert outcome.evidence["body_end"].startswith(f"still coming after {said[1]} bytes"), outcome.evidence
    assert after.status == 200 and handler.connections == 2, (after, handler.connections)


def test_an_item_without_max_latency_reads_only_the_first_64_kib_of_a_long_page():
    released = threading.Event()
    handler = long_page(HOME_PAGE[:100 * 1024], HOME_PAGE[100 * 1024:],
                        before_rest=lambda stopping: released.wait(60))
    try:
        outcome, _ = _judged_with(handler, {"body_includes": ["<html><body>"]})
    finally:
        released.set()
    assert outcome.status is Status.PASSED, outcome


def test_an_endless_fast_body_is_an_error_at_the_most_read_to_find_its_end():
    """A body that never ends, sent as fast as it is taken: the bound (generous here) would not stop it soon, the
    cap on bytes read to find its end does — an ERROR naming it, never a pass or a failure."""
    outcome, _ = _judged_with(endless_stream, {"max_latency_ms": 100_000}, http_s=120)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(
        f"could not look: the body went on past {http_transport.END_READ_LIMIT // 2 ** 20} MiB, the most read to find its end"), \
        outcome


def test_a_long_page_whose_connection_closes_mid_body_is_an_error():
    """Its head promised 200 KiB; the connection closed after half: no whole answer, whatever the time."""
    handler = long_page(HOME_PAGE[:100 * 1024], HOME_PAGE[100 * 1024:], close_early=True)
    outcome, _ = _judged_with(handler, {"max_latency_ms": 60_000})
    assert outcome.status is Status.ERROR, outcome
    assert "peer closed connection without sending complete message body" in outcome.observed, outcome
