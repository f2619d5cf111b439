"""Ending the process without tearing the interpreter down, once nothing is left to do but exit.

A demo run hosts its servers' libraries (moto, uvicorn, starlette: ~1,100 modules in all). After its summary,
Python's shutdown spends ~45 ms clearing them module by module, freeing memory the kernel takes back at once when
the process ends. `arm(code)` — called once the run's exit code is final, in pytest's own program — makes the
process end with that code as soon as every atexit handler has run (each one, in Python's order: coverage's,
logging's, a plugin's) and the standard streams are flushed.

Anything unusual leaves the ordinary exit to happen: an exception nobody caught after arming (Python has printed
it, exit 1), a handler registered after arming (Python has run it already, and would run it again), a standard
stream that cannot be flushed (Python reports it, exit 120), or standard output replaced after the code was decided
(pytest's answer to a closed pipe, exit 1). `atexit._run_exitfuncs` and `_ncallbacks` are the module's own
(underscored, there since Python 3.0)."""

from __future__ import annotations

import atexit
import os
import sys


def arm(code: int) -> None:
    atexit.unregister(_leave)  # armed once: the last code decided is the one
    atexit.register(_leave, int(code), _identity(1), atexit._ncallbacks() + 1, getattr(sys, "last_value", None))


def _identity(fd: int) -> tuple[int, int] | None:
    try:
        status = os.fstat(fd)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _leave(code: int, stdout_was: tuple[int, int] | None, registered: int, last_error: object) -> None:
    if getattr(sys, "last_value", None) is not last_error:  # set as Python prints an exception nobody caught
        return
    if atexit._ncallbacks() != registered:  # not the last one registered (a slot unregistered stays counted)
        return
    # registered last, so called first: the others run now, as Python would have run them after this one
    atexit.unregister(_leave)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            return
    if stdout_was is None or _identity(1) != stdout_was:
        return
    os._exit(code)
