"""Small helpers the demo components share: a free port, a bounded wait, a parent-death signal,
a progress line, a stand-in server."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from typing import Callable, Iterable

_PR_SET_PDEATHSIG = 1
# resolved once, here: a forked child calling dlopen while another thread held its lock would hang
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def free_port() -> int:
    """A port nobody listens on right now (for servers that must be told their port). Another process
    may take it before the server binds it: the demo's own servers use ReservedPort instead."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReservedPort:
    """A free port, held until the server that is told it has bound it too. It is bound with
    SO_REUSEADDR and never listens: no bind(0) or connect() anywhere on the machine picks it meanwhile,
    while the server's own bind succeeds (PostgreSQL, Redis, asyncio and socketserver all set
    SO_REUSEADDR). On a shared machine, a port merely probed free was seen taken a millisecond later."""

    def __init__(self, port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]

    def release(self) -> None:
        self._sock.close()

    def __enter__(self) -> "ReservedPort":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def wait_until(ready: Callable[[], bool], what: str, timeout_s: float = 5.0, interval_s: float = 0.01) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except Exception:  # not up yet
            pass
        time.sleep(interval_s)
    raise RuntimeError(f"{what} did not become ready within {timeout_s:g} s")


def die_with_parent() -> None:
    """For Popen(preexec_fn=...): the child gets SIGTERM when the suite's process dies, even by kill -9.
    (Linux keeps this only while the child's user does not change; see opsverify_demo/watchdog.py for that case.)"""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a parent that is not us counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, and another user's
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


def wait_gone(pids: Iterable[int], timeout_s: float) -> bool:
    """Polls briefly (servers stopped by a signal exit within milliseconds); False on timeout."""
    waiting = list(pids)
    deadline = time.monotonic() + timeout_s
    while waiting:
        waiting = [pid for pid in waiting if not gone(pid)]
        if not waiting:
            break
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def say(text: str) -> None:
    """A progress line on stderr, worded like the suite's own (what a wait of more than a second is for)."""
    sys.stderr.write(f"opsverify: {text}\n")
    sys.stderr.flush()


class StandIn(socketserver.ThreadingTCPServer):
    """A small server on 127.0.0.1:`port`, in a thread of its own: it takes over the port of a server a fault stopped,
    and answers in that server's protocol as the server does in a state the checks must fail (`handler` speaks)."""

    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 200  # socketserver's 5 lost connections under load (see components/clamd.py)

    def __init__(self, port: int, handler: type[socketserver.BaseRequestHandler], name: str) -> None:
        super().__init__(("127.0.0.1", port), handler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)
