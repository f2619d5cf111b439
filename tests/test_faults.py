"""The demo is green when healthy, and each named fault turns exactly its items red."""

from __future__ import annotations

import pytest

from demo import FAULTS
from demo.components import FAULTS as COMPONENT_FAULTS
from opsverify.outcome import Status

from .helpers import evaluate, ids_with

ALL_FAULTS = {**FAULTS, **COMPONENT_FAULTS}


def test_healthy_demo_has_no_failures_or_errors(demo):
    results = evaluate(demo)
    bad = {key: f"{o.status.value}: {o.observed}" for key, (c, o) in results.items()
           if o.status in (Status.FAILED, Status.ERROR)}
    assert bad == {}
    assert ids_with(results, Status.PASSED)


@pytest.mark.parametrize("name", sorted(ALL_FAULTS))
def test_fault_breaks_exactly_its_items(demo, name):
    """healthy → broken (exactly the declared items, each message naming item, expected, seen) → fixed."""
    fault = ALL_FAULTS[name]
    demo.apply(name)
    results = evaluate(demo)
    assert ids_with(results, Status.ERROR) == set(), {k: o.observed for k, (c, o) in results.items()
                                                      if o.status is Status.ERROR}
    assert ids_with(results, Status.FAILED) == set(fault.breaks)
    for check, outcome in results.values():
        if outcome.status is Status.FAILED:
            from opsverify.engine import message

            text = message(check, outcome)
            assert text.startswith(f"{check.key} {check.title}: expected ")
            assert "; saw " in text
    demo.reset()  # fixed: the same checks pass again
    broken = [check for check, outcome in results.values() if outcome.status is Status.FAILED]
    assert {o.status for _, o in evaluate(demo, broken).values()} == {Status.PASSED}
