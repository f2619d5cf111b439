"""Small helpers the demo components share: a free port, a bounded wait."""

from __future__ import annotations

import socket
import time
from typing import Callable


def free_port() -> int:
    """A port nobody listens on right now (for servers that must be told their port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    (Linux keeps this only while the child's user does not change; see demo/watchdog.py for that case.)"""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
