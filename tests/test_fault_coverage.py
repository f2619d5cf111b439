"""Every automated entry can be shown to fail: some named demo fault turns it FAILED — not merely ERROR, which
says the target did not answer, never that the check catches what it is there to catch."""

from __future__ import annotations

import re

import pytest

from opsverify.outcome import Status
from opsverify_demo import FAULTS
from opsverify_demo.components import FAULTS as COMPONENT_FAULTS

from .helpers import CHECKS, evaluate
from .test_faults import without_timing

ALL_FAULTS = {**FAULTS, **COMPONENT_FAULTS}
AUTOMATED = [check for check in CHECKS if not check.manual]

# Entries ("system:id-name") that no fault can turn FAILED, only ERROR, each with why no well-formed answer of a
# target could fail it. None so far: every family fails on some answer that is not the healthy one.
ONLY_ERRORS: dict[str, str] = {}


def entry(check) -> str:
    return f"{check.system}:{check.key}"


def test_every_automated_item_is_failed_by_a_named_fault():
    """Per id, from the declarations alone (no demo): `unchecked` (ERROR) does not count."""
    failed = set().union(*(fault.breaks for fault in ALL_FAULTS.values()))
    automated = {check.id for check in AUTOMATED}
    assert sorted(automated - failed) == []


@pytest.mark.starts_first  # every fault against the demo, one after another
def test_every_automated_entry_fails_under_some_fault(demo):
    """Per entry, as run: each entry of an item is a check of its own, and one of them failing proves nothing of
    its siblings. Each fault is run on the entries of its ids not yet seen failing (so most run on few or none)."""
    unproven = {entry(check): check for check in AUTOMATED}
    seen: dict[str, dict[str, str]] = {}
    for name, fault in sorted(ALL_FAULTS.items()):
        checks = [check for check in unproven.values() if check.id in fault.breaks]
        if not checks:
            continue
        demo.reset()
        demo.apply(name)
        for key, (check, outcome) in evaluate(demo, without_timing(checks, keep=fault.breaks)).items():
            seen.setdefault(key, {})[name] = outcome.status.value
            if outcome.status is Status.FAILED:
                unproven.pop(key)
    demo.reset()
    never_failed = {key: seen.get(key, "no fault declares its id") for key in unproven if key not in ONLY_ERRORS}
    assert never_failed == {}
    assert sorted(set(ONLY_ERRORS) - set(unproven)) == []  # listed, yet a fault fails it: the list is stale


def test_the_only_errors_list_names_automated_entries_with_a_reason():
    automated = {entry(check) for check in AUTOMATED}
    assert sorted(set(ONLY_ERRORS) - automated) == []
    assert all(why.strip() for why in ONLY_ERRORS.values())


def test_faults_break_only_known_automated_items():
    automated = {check.id for check in AUTOMATED}
    unknown = {name: sorted((fault.breaks | fault.unchecked) - automated) for name, fault in ALL_FAULTS.items()
               if (fault.breaks | fault.unchecked) - automated}
    assert unknown == {}


def test_fault_names_are_unique_across_the_demo_and_its_components():
    assert set(FAULTS).isdisjoint(COMPONENT_FAULTS)


def test_faults_command_shows_what_each_fault_fails_and_what_it_leaves_unchecked(capsys):
    """`opsverify faults`: the ids a fault fails, and apart from them the ids it leaves unchecked (ERROR)."""
    from opsverify.cli import main

    assert main(["faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name, fault in ALL_FAULTS.items():
        (line,) = [line for line in lines if line.startswith(f"{name} ")]
        for ids, word in ((fault.breaks, "fails"), (fault.unchecked, "unchecked")):
            shown = re.search(rf"\b{word} ([A-Z]\d+(?:, [A-Z]\d+)*)", line)
            assert (set(shown.group(1).split(", ")) if shown else set()) == set(ids), line
        assert fault.description in line
