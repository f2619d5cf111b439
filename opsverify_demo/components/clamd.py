"""A ClamAV stand-in speaking clamd's TCP protocol for joslyn-ai's upload scanner.

Answers PING and VERSION in the three forms clamd accepts: `zCMD\\0` (replies end in NUL),
`nCMD\\n` and plain `CMD\\n` (replies end in newline). The real clamd is exercised in the tests.
"""

from __future__ import annotations

import socketserver
import threading

from ..faults import Fault
from ..support import ReservedPort

SYSTEM = "joslyn-ai"
VERSION = "ClamAV 1.4.6/27831/Wed Nov 25 09:30:00 2026"
GARBAGE = b"\x15\x03\x03\x00\x02\x02\x28"  # what a TLS terminator in front of the port would say
MAX_COMMAND = 1024


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        data = b""
        while len(data) < MAX_COMMAND:
            chunk = self.request.recv(MAX_COMMAND)
            if not chunk:
                break
            data += chunk
            if (data[:1] == b"z" and b"\0" in data) or (data[:1] != b"z" and b"\n" in data):
                break
        if self.server.garbled:
            self.request.sendall(GARBAGE)
            return
        if data[:1] == b"z":
            command, end = data[1:].split(b"\0", 1)[0], b"\0"
        elif data[:1] == b"n":
            command, end = data[1:].split(b"\n", 1)[0], b"\n"
        else:
            command, end = data.strip(), b"\n"
        known = {} if self.server.knows_nothing else {b"PING": b"PONG", b"VERSION": VERSION.encode()}
        reply = known.get(command.strip(), b"UNKNOWN COMMAND")
        self.request.sendall(reply + end)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    # socketserver's backlog of 5 lost connections under load on a sandboxed network stack (the client's
    # handshake completed, accept() never saw it); a real clamd queues 200 (MaxConnectionQueueLength)
    request_queue_size = 200
    garbled = False
    knows_nothing = False  # every command is UNKNOWN COMMAND: a clamd answering, but not as a scanner that works


class Clamd:
    def __init__(self) -> None:
        self.port = 0
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, deployment=None) -> None:
        with ReservedPort(self.port) as reserved:  # held until the server has bound it; the same port on a restart
            self.port = reserved.port
            self.server = _Server(("127.0.0.1", self.port), _Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="opsverify-demo-clamd", daemon=True)
        self.thread.start()

    def variables(self) -> dict[str, str]:
        return {"DEMO_JOSLYN_AI_CLAMAV_PORT": str(self.port)}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        # a loopback name, not 127.0.0.1: env values are redacted from all output, and that IP is everywhere
        return {(SYSTEM, "api"): {"CLAMAV_HOST": "clamav.localhost", "CLAMAV_PORT": str(self.port)}}

    def garble(self) -> None:
        assert self.server is not None
        self.server.garbled = True

    def forget_commands(self) -> None:
        assert self.server is not None
        self.server.knows_nothing = True

    def reset(self) -> None:
        if self.server is None:
            self.start()
        self.server.garbled = False
        self.server.knows_nothing = False

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None


def _clamd(deployment) -> Clamd:
    return next(c for c in deployment.components if isinstance(c, Clamd))


FAULTS = [
    # a server that does not answer in its protocol leaves the item unchecked: an error, not a failure
    Fault("clamav-down", frozenset(), "nothing listens on the ClamAV port",
          lambda d: _clamd(d).stop(), unchecked=frozenset({"J5"})),
    Fault("clamav-garbled", frozenset(), "the ClamAV port answers PING with bytes that are not PONG",
          lambda d: _clamd(d).garble(), unchecked=frozenset({"J5"})),
    # a well-formed answer that is not the healthy one fails it
    Fault("clamav-unknown-command", frozenset({"J5"}), "the ClamAV port answers every command UNKNOWN COMMAND",
          lambda d: _clamd(d).forget_commands()),
]
