"""What a run builds before its first check — imports, checklists, items — lives as long as the run.

CPython's cyclic collector walks the whole heap on each pass of its oldest generation, and those passes come
more often as objects pile up: loading a 1,000-item checklist after pytest's and opsverify's imports spent half
its time there. Built with the collector paused, and frozen once built (`gc.freeze`), none of it is walked again.
Reference counting still frees at once what such a phase throws away; only garbage in cycles waits for the
collector to be back on.

While the items run, what the run makes mostly lives until its end too (outcomes, reports, the archive's
records): young collections every 700 allocations, CPython's default, find little garbage and promote the rest
for the older generations to walk again. A run collects every `RUN_YOUNG_THRESHOLD` allocations instead: garbage
in cycles is found a little later.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator

RUN_YOUNG_THRESHOLD = 50_000


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


def collect_less() -> Callable[[], None]:
    """Young collections every RUN_YOUNG_THRESHOLD allocations (never more often than they were); returns what
    puts the thresholds back as they were (a process that runs pytest.main gets its own back)."""
    before = gc.get_threshold()
    if 0 < before[0] < RUN_YOUNG_THRESHOLD:  # 0: the collector was switched off that way, left so
        gc.set_threshold(RUN_YOUNG_THRESHOLD, *before[1:])
    return lambda: gc.set_threshold(*before)
