"""What a run builds before its first check — imports, checklists, items — lives as long as the run.

CPython's cyclic collector walks the whole heap on each pass of its oldest generation, and those passes come
more often as objects pile up: loading a 1,000-item checklist after pytest's and opsverify's imports spent half
its time there. Built with the collector paused, and frozen once built (`gc.freeze`), none of it is walked again.
Reference counting still frees at once what such a phase throws away; only garbage in cycles waits for the
collector to be back on.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """The cyclic collector off for the block (as it was after it: a pause inside a pause changes nothing);
    with `freeze`, what is alive at the end is moved out of the collector's sight for good."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()
