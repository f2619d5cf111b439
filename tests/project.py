"""A team's own project, built in tmp_path: checklists and environments of the test's own, run the
way a user runs the plugin (`pytest -m postdeploy --env local` in that folder), against targets on
127.0.0.1 — scratch databases on the demo's PostgreSQL, and small servers that misbehave on purpose.
The engine's tests use these instead of the shipped seed checklists."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psycopg
from psycopg import sql as pgsql

from opsverify_demo.deployment import CHECKER

from .helpers import UNUSED_PLUGINS, interruptible


# -- a project folder ---------------------------------------------------------------------------
@dataclass
class Project:
    root: Path
    variables: dict[str, str] = field(default_factory=dict)

    def checklist(self, system: str, items: str, runbook: str = "runbook.md") -> Path:
        path = self.root / "checklists" / f"{system}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"system: {system}\nrunbook: {runbook}\nitems:\n" + textwrap.indent(textwrap.dedent(items), "  "),
                        encoding="utf-8")
        return path

    def environment(self, body: str, name: str = "local") -> Path:
        path = self.root / "environments" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"name: {name}\n" + textwrap.dedent(body), encoding="utf-8")
        return path

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 240, cache: bool = False,
            every_plugin: bool = False) -> "Ran":
        """`python -m pytest ARGS` in the project folder, as a user runs it (without UNUSED_PLUGINS, unless
        `every_plugin`: a test of what one of them does in a run); with its wall time."""
        command, environ = self.command(*args, env=env, cache=cache, every_plugin=every_plugin)
        started = time.monotonic()
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=timeout, env=environ,
                              preexec_fn=interruptible)  # Ctrl-C as a terminal gives it, whoever started the suite
        return Ran(done, time.monotonic() - started, self.root)

    def command(self, *args: str, env: dict[str, str] | None = None, cache: bool = False,
                every_plugin: bool = False) -> tuple[list[str], dict[str, str]]:
        """What `run` starts, and its environment: for a test that starts it another way (its stdout its own)."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
        environ.update(self.variables)
        environ.update(env or {})
        options = [*(() if every_plugin else UNUSED_PLUGINS), *([] if cache else ["-p", "no:cacheprovider"])]
        return [sys.executable, "-m", "pytest", *options, *args], environ


@dataclass
class Ran:
    done: subprocess.CompletedProcess
    wall_s: float
    root: Path

    @property
    def code(self) -> int:
        return self.done.returncode

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr

    def bound_and_took(self) -> tuple[float, float]:
        line = next(line for line in self.done.stdout.splitlines() if line.startswith("bound "))
        parts = line.replace(",", "").split()
        return float(parts[1]), float(parts[4])

    def archive(self, env: str = "local") -> Path:
        (found,) = [p for p in (self.root / "reports" / env).iterdir() if not p.name.startswith(".")]
        return found

    def rows(self, env: str = "local") -> dict[str, dict]:
        """key -> row of the archive's results.json."""
        data = json.loads((self.archive(env) / "results.json").read_text(encoding="utf-8"))
        return {row["key"]: row for row in data["checks"] if row.get("key")}

    def statuses(self, env: str = "local") -> dict[str, str]:
        return {key: row["status"] for key, row in self.rows(env).items()}


# -- scratch databases on the demo's server ---------------------------------------------------------
@contextmanager
def scratch_database(deployment, ddl: str, *, prefix: str = "scratch") -> Iterator[dict[str, str]]:
    """A fresh database holding `ddl`, readable by the demo's checker role; dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with deployment.pg.admin() as conn:
        conn.execute(pgsql.SQL("create database {}").format(pgsql.Identifier(name)))
    try:
        with psycopg.connect(deployment.pg.url(name), autocommit=True, connect_timeout=10) as conn:
            conn.execute(ddl)
        yield {"name": name, "url": deployment.pg.url(name, CHECKER, deployment.checker_password),
               "admin": deployment.pg.url(name), "port": str(deployment.pg.port)}
    finally:
        with deployment.pg.admin() as conn:
            conn.execute(pgsql.SQL("drop database if exists {} with (force)").format(pgsql.Identifier(name)))


# -- servers that misbehave -------------------------------------------------------------------------
class _Server:
    """A TCP server on 127.0.0.1 in daemon threads; each connection is handed to `handle`."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._safely, args=(conn,), daemon=True).start()

    def _safely(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except OSError:
            pass

    def handle(self, conn: socket.socket) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self.stopping.set()
        try:  # wakes the thread blocked in accept(): a closed listener it still waits on would listen on
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MisbehavingHttp(_Server):
    """HTTP/1.1 by hand, one behaviour per path:
        /ok       200 {"ok": true}            /fail   500 {"ok": false}
        /drip     headers, then a byte every `drip_s` forever
        /hang     reads the request, never answers
        /garbage  answers bytes that are not HTTP
        /reflect  200 with 295 characters, then the request's x-key header (a secret cut by an excerpt)
        /reflect64 200 with base64("user:" + x-key) (a secret re-encoded by the target)
        /surrogate 200 JSON whose strings hold lone surrogate escapes (`\\ud800`): valid JSON, not valid text
        /latin    500 with a Latin-1 byte in its body (no charset): a body rule beyond ASCII cannot be judged"""

    def __init__(self, drip_s: float = 0.5) -> None:
        self.drip_s = drip_s
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1].decode()
        if path.startswith("/key/"):  # a base URL carrying a token in its path: route on what follows it
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/ok"
        if path == "/hang":
            self.stopping.wait()
            return
        if path == "/garbage":
            conn.sendall(b"\x00\x01SSH-2.0-nonsense\r\n\r\n")
            return
        if path == "/drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n")
            while not self.stopping.wait(self.drip_s):
                conn.sendall(b" ")
            return
        status, body = {"/ok": (200, b'{"ok": true}'), "/fail": (500, b'{"ok": false}'),
                        "/surrogate": (200, b'{"ok": true, "status": "up \\ud800 \\udfff", "\\udc80": 1}'),
                        "/latin": (500, b"caf\xe9 broken"),
                        }.get(path, (404, b"{}"))
        key = next((line.split(b":", 1)[1].strip() for line in data.split(b"\r\n")
                    if line.lower().startswith(b"x-key:")), b"")
        if path == "/reflect":
            status, body = 200, b"x" * 295 + key
        elif path == "/reflect64":
            status, body = 200, base64.b64encode(b"user:" + key)
        conn.sendall(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                     % (status, len(body), body))
        conn.close()


def raw_reply(status: int, body: bytes = b"", content_type: str = "application/json", **headers: str) -> bytes:
    """An HTTP/1.1 reply as bytes, its content-length the body's (even where HTTP says no body follows);
    `content_encoding="gzip"` adds `content-encoding: gzip`."""
    lines = {"content-type": content_type, "content-length": str(len(body)),
             **{name.replace("_", "-"): value for name, value in headers.items()}}
    head = "".join(f"{name}: {value}\r\n" for name, value in lines.items())
    return f"HTTP/1.1 {status} X\r\n{head}\r\n".encode("latin-1") + body


class KeepAliveHttp(_Server):
    """HTTP/1.1 that keeps each connection open for the next request (MisbehavingHttp closes it, so a
    client never reuses one): `replies[(method, path)]` are the bytes sent, exactly, for that request;
    anything else is a 404. `connections` holds every connection accepted."""

    def __init__(self, replies: dict[tuple[str, str], bytes]) -> None:
        self.replies = replies
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, conn: socket.socket) -> None:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(pending) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            pending = pending[length:]
            method, path = head.decode("latin-1").split(" ", 2)[:2]
            conn.sendall(self.replies.get((method, path), raw_reply(404, b"{}")))


class FreezingProxy(_Server):
    """Forwards to 127.0.0.1:`upstream` until frozen — by `freeze()`, or once the client sends bytes
    holding `marker` (those still reach the server): then it holds every socket open and forwards
    nothing more — what a half-open network (or a SIGSTOPped server) looks like mid-query."""

    def __init__(self, upstream: int, marker: bytes | None = None) -> None:
        self.upstream = upstream
        self.marker = marker
        self.frozen = threading.Event()
        super().__init__()

    def freeze(self) -> None:
        self.frozen.set()

    def handle(self, conn: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", self.upstream))
        self.connections.append(server)

        def pump(src: socket.socket, dst: socket.socket, from_client: bool) -> None:
            try:
                while True:
                    chunk = src.recv(65536)
                    if not chunk:
                        return
                    if self.frozen.is_set():
                        self.stopping.wait()  # swallow it, and everything after
                        return
                    if from_client and self.marker is not None and self.marker in chunk:
                        self.frozen.set()  # before the server can answer: its answer must not get through
                    dst.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=pump, args=(server, conn, False), daemon=True).start()
        pump(conn, server, True)
