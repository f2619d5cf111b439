"""Stops the demo's servers if the process that started them dies without stopping them (kill -9,
out of memory). PostgreSQL runs as another user, which drops a parent-death signal, so this small
process — same user as the suite — holds one instead and passes the stop on.

    python opsverify_demo/watchdog.py PID:SIGNAL|@PIDFILE:SIGNAL ... [--remove PATH ...]

`@PIDFILE` names a file whose first line is the pid (PostgreSQL's postmaster.pid), read when the
watchdog acts: the server may be started, or restarted, after the watchdog.

Once the servers are gone it removes the demo's folders (its data directory and the env files
holding every demo secret), so a killed run leaves nothing behind in TMPDIR.

It runs in a session of its own and ignores SIGINT and SIGHUP: a Ctrl-C at the terminal, or the
terminal closing, is the suite's to handle; were the watchdog stopped by it, a suite then killed
(kill -9 after Ctrl-C) would leave its servers running. It acts on its parent's death alone.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import time

GONE_WITHIN_S = 15
REMOVED_WITHIN_S = 30  # a process of the suite told to stop with it (`cp` of the data directory) may write a moment more


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie nobody reaps has exited all the same
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _pid(target: str) -> int | None:
    if not target.startswith("@"):
        return int(target)
    try:
        with open(target[1:]) as pidfile:
            return int(pidfile.readline())
    except (OSError, ValueError):  # not started, or already stopped
        return None


def _remove(folders: list[str]) -> None:
    """Until each folder is gone (or a bound): a removal that ran while something still wrote there (a file made
    after its folder was listed) leaves the folder, and tries again."""
    deadline = time.monotonic() + REMOVED_WITHIN_S
    left = list(folders)
    while left:
        for folder in left:
            shutil.rmtree(folder, ignore_errors=True)
        left = [folder for folder in left if os.path.lexists(folder)]
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def main(argv: list[str]) -> int:
    for terminals_signal in (signal.SIGINT, signal.SIGHUP):
        signal.signal(terminals_signal, signal.SIG_IGN)
    if "--remove" in argv:
        cut = argv.index("--remove")
        argv, folders = argv[:cut], argv[cut + 1:]
    else:
        folders = []
    targets = [arg.rsplit(":", 1) for arg in argv]

    def stop(*_: object) -> None:
        signalled = []
        for target, sig in targets:
            pid = _pid(target)
            if pid is None:
                continue
            try:
                os.kill(pid, int(sig))
                signalled.append(pid)
            except OSError:
                pass
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(_alive(pid) for pid in signalled) and time.monotonic() < deadline:
            time.sleep(0.05)
        _remove(folders)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: told when our parent dies
    if os.getppid() == 1:  # the parent died before we could ask
        stop()
    while True:
        signal.pause()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
