"""Stops the demo's servers if the process that started them dies without stopping them (kill -9,
out of memory). PostgreSQL runs as another user, which drops a parent-death signal, so this small
process — same user as the suite — holds one instead and passes the stop on.

    python -m demo.watchdog PID:SIGNAL ... [--remove PATH ...]

Once the servers are gone it removes the demo's folders (its data directory and the env files
holding every demo secret), so a killed run leaves nothing behind in TMPDIR.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import time

GONE_WITHIN_S = 15


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    if "--remove" in argv:
        cut = argv.index("--remove")
        argv, folders = argv[:cut], argv[cut + 1:]
    else:
        folders = []
    targets = [(int(pid), int(sig)) for pid, sig in (arg.split(":") for arg in argv)]

    def stop(*_: object) -> None:
        for pid, sig in targets:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + GONE_WITHIN_S
        while any(_alive(pid) for pid, _ in targets) and time.monotonic() < deadline:
            time.sleep(0.05)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: told when our parent dies
    if os.getppid() == 1:  # the parent died before we could ask
        stop()
    while True:
        signal.pause()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
