"""Building blocks for family tests: a check, a target, a silent server, real server binaries."""

from __future__ import annotations

import os
import socket
import struct
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from opsverify import families
from opsverify.checklist import Cadence, Check, Severity
from opsverify.environment import Environment, EnvironmentModel
from opsverify.secrets import Redactor
from opsverify.target import Target

REQUIRE_REAL_SERVERS = "OPSVERIFY_REQUIRE_REAL_SERVERS"


def make_check(family: str, params: dict[str, Any], *, item: str = "J99", name: str = "probe",
               title: str = "a test item", mutating: bool = False) -> Check:
    model = families.params_model(family)
    return Check(system="joslyn-ai", id=item, name=name, section="Tests", title=title, family=family,
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=mutating, remediation="",
                 reason="", params=model.model_validate(params))


def make_target(system: dict[str, Any], *, timeouts: dict[str, Any] | None = None) -> Target:
    model = EnvironmentModel.model_validate(
        {"name": "test", "timeouts": timeouts or {}, "systems": {"joslyn-ai": system}})
    env = Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=())
    return Target(env, "joslyn-ai", model.systems["joslyn-ai"], Redactor())


def real_binary(path: str, package: str) -> str:
    """The Debian server binary, or skip — unless CI demands real servers, then fail."""
    if os.access(path, os.X_OK):
        return path
    reason = f"{path} is not installed (apt-get install -y {package})"
    if os.environ.get(REQUIRE_REAL_SERVERS) == "1":
        pytest.fail(f"{reason}; {REQUIRE_REAL_SERVERS}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@contextmanager
def serving(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """A TCP server on 127.0.0.1 calling `handle(conn, stopping)` in a thread per connection (a client hanging up
    mid-reply is no error; `stopping` is set on exit, for a handler that waits); yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def guarded(conn: socket.socket) -> None:
        with conn:
            try:
                handle(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(5)
            threading.Thread(target=guarded, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@contextmanager
def silent_server() -> Iterator[dict[str, Any]]:
    """Accepts connections and never says a word: every client must give up on its own. Yields its port and
    how many connections it took."""
    state: dict[str, Any] = {"connections": 0}
    count = threading.Lock()

    def hold(_conn: socket.socket, stopping: threading.Event) -> None:
        with count:
            state["connections"] += 1
        stopping.wait()

    with serving(hold) as port:
        state["port"] = port
        yield state


def refused_port() -> int:
    """A port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


Handler = Callable[[dict[str, str], bytes], tuple[int, str] | tuple[int, str, dict[str, str]]]



class RealBacklogServer(ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: a burst of more connections (a webhook item's eight deliveries at
    once) on a loaded machine overflowed it, and one was reset after a second — a test server's limit, not the
    target's. Servers in production listen with a backlog of 128 or more."""

    request_queue_size = 128


@contextmanager
def route_server(routes: dict[tuple[str, str], Handler]) -> Iterator[str]:
    """A small HTTP server on 127.0.0.1: `routes[(method, path)](headers, body) -> (status, text)`, or
    `(status, text, headers)` for a reply with headers of its own (its content-type, else JSON's or text's by the
    text); anything else answers 404. Yields its base URL; stopped on exit."""

    class Routes(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            route = routes.get((self.command, self.path))
            status, text, *extra = route({k.lower(): v for k, v in self.headers.items()}, body) if route else (404, "")
            data = text.encode()
            self.send_response(status)
            headers = extra[0] if extra else {}
            for name, value in headers.items():
                self.send_header(name, value)
            if "content-type" not in map(str.lower, headers):  # a type of its own is sent alone
                self.send_header("content-type", "application/json" if text.startswith("{") else "text/plain")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    with handler_server(Routes) as url:
        yield url


@contextmanager
def handler_server(handler: type[BaseHTTPRequestHandler], *, join_s: float = 5) -> Iterator[str]:
    """`handler` served on 127.0.0.1 in a thread of its own; yields the base URL, stopped on exit."""
    server = RealBacklogServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=join_s)


def reset_after_the_request(conn: socket.socket, _stopping) -> None:
    """Reads a whole HTTP request, then resets the connection (RST: SO_LINGER 0) without a reply."""
    request = b""
    while b"\r\n\r\n" not in request and (chunk := conn.recv(65536)):
        request += chunk
    head, _, body = request.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
