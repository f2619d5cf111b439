"""Small helpers the demo components share: a free port, a bounded wait, a parent-death signal,
a progress line."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from typing import Callable, Iterable

_PR_SET_PDEATHSIG = 1
# resolved once, here: a forked child calling dlopen while another thread held its lock would hang
_prctl = ctypes.CDLL(None, use_errno=True).prctl


_promised: set[int] = set()  # ports free_port() handed out: servers starting in parallel never share one
_promising = threading.Lock()


def free_port() -> int:
    """A port nobody listens on right now (for servers that must be told their port), and one this
    process has not handed out before: the demo's servers start in parallel, so a port promised to one
    may not be bound yet when another asks. Bind it soon: other processes do not know the promise."""
    with _promising:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in _promised:
                _promised.add(port)
                return port


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
