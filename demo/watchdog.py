"""Stops the demo's servers if the process that started them dies without stopping them (kill -9,
out of memory). PostgreSQL runs as another user, which drops a parent-death signal, so this small
process — same user as the suite — holds one instead and passes the stop on.

    python -m demo.watchdog PID:SIGNAL ...
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def main(argv: list[str]) -> int:
    targets = [(int(pid), int(sig)) for pid, sig in (arg.split(":") for arg in argv)]

    def stop(*_: object) -> None:
        for pid, sig in targets:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: told when our parent dies
    if os.getppid() == 1:  # the parent died before we could ask
        stop()
    while True:
        signal.pause()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
