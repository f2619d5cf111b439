"""Every automated item can be shown to fail: some named demo fault breaks it."""

from __future__ import annotations

from opsverify_demo import FAULTS
from opsverify_demo.components import FAULTS as COMPONENT_FAULTS

from .helpers import CHECKS

ALL_FAULTS = {**FAULTS, **COMPONENT_FAULTS}


def test_every_automated_item_is_broken_by_a_named_fault():
    """Broken: the fault fails it, or leaves it unchecked (a target that stops answering)."""
    broken = set().union(*(fault.breaks | fault.unchecked for fault in ALL_FAULTS.values()))
    automated = {check.id for check in CHECKS if not check.manual}
    assert sorted(automated - broken) == []


def test_faults_break_only_known_automated_items():
    automated = {check.id for check in CHECKS if not check.manual}
    unknown = {name: sorted((fault.breaks | fault.unchecked) - automated) for name, fault in ALL_FAULTS.items()
               if (fault.breaks | fault.unchecked) - automated}
    assert unknown == {}


def test_fault_names_are_unique_across_the_demo_and_its_components():
    assert set(FAULTS).isdisjoint(COMPONENT_FAULTS)
