"""The demo is green when healthy, and each named fault turns exactly its items red."""

from __future__ import annotations

import dataclasses

import pytest

from opsverify_demo import FAULTS
from opsverify_demo.components import FAULTS as COMPONENT_FAULTS
from opsverify.outcome import Status

from .helpers import CHECKS, evaluate, ids_with

ALL_FAULTS = {**FAULTS, **COMPONENT_FAULTS}


def without_timing(checks, keep=frozenset()):
    """The checks, except that items other than `keep` do not judge response time: on a loaded
    machine the demo's services answer slowly, and a fault test must not hinge on machine speed.
    (Latency rules are judged in their own table-driven tests, and by the faults that target them.)"""
    relaxed = []
    for check in checks:
        if check.id not in keep and getattr(check.params, "max_latency_ms", None) is not None:
            check = dataclasses.replace(check, params=check.params.model_copy(update={"max_latency_ms": None}))
        relaxed.append(check)
    return relaxed


def test_healthy_demo_has_no_failures_or_errors(demo):
    results = evaluate(demo, without_timing(CHECKS))
    bad = {key: f"{o.status.value}: {o.observed}" for key, (c, o) in results.items()
           if o.status in (Status.FAILED, Status.ERROR)}
    assert bad == {}
    assert ids_with(results, Status.PASSED)


@pytest.mark.parametrize("name", sorted(ALL_FAULTS))
def test_fault_breaks_exactly_its_items(demo, name):
    """healthy → broken (exactly the declared items, each message naming item, expected, seen) → fixed."""
    fault = ALL_FAULTS[name]
    checks = without_timing(CHECKS, keep=fault.breaks)
    demo.apply(name)
    results = evaluate(demo, checks)
    assert ids_with(results, Status.ERROR) == set(fault.unchecked), {
        k: o.observed for k, (c, o) in results.items() if o.status is Status.ERROR}
    assert ids_with(results, Status.FAILED) == set(fault.breaks)
    for check, outcome in results.values():
        if outcome.status is Status.FAILED:
            from opsverify.engine import message

            text = message(check, outcome)
            assert text.startswith(f"{check.key} {check.title}: expected ")
            assert "; saw " in text
    demo.reset()  # fixed: the same checks pass again (what they measure of time aside: the machine may be loaded)
    broken = [check for check, outcome in results.values() if outcome.status in (Status.FAILED, Status.ERROR)]
    assert {o.status for _, o in evaluate(demo, without_timing(broken)).values()} == {Status.PASSED}


# Faults added with a stricter check of an item that already had others: the new check must be the one that
# catches it (the item's older checks pass under the fault, which is why the stricter one was added).
CAUGHT_ONLY_BY = {
    "publish-queue-emergency-schedule": {"C7-no-active-job-calls-publish-queue"},
    "definer-rpc-mutable-search-path": {"B3-all-definers-fixed-search-path"},
    "writable-view-for-clients": {"B3-no-client-writes-through-views"},
    "stuck-job-polled": {"S5-no-stuck-jobs"},
    "publish-queue-runs-failing": {"C6-publish-queue-ran-recently"},
    "prisma-migration-unapplied": {"J15-prisma-repo-migrations-applied"},
    "stripe-events-empty": {"S9-newest-events-processed", "S10-no-errored-events"},
    "github-secret-stale": {"S16-github-cron-secret-rotated-monthly"},
    "github-environment-secret-stale": {"S16-github-cron-secret-rotated-monthly"},
    "audit-admin-event": {"T8-no-admin-events"},
    "job-cancel-delete-open": {"S3-job-cancel-delete-requires-token"},
    "normalize-post-open": {"T12-normalization-post-requires-admin"},
}


@pytest.mark.parametrize("name", sorted(CAUGHT_ONLY_BY))
def test_stricter_check_is_what_catches_its_fault(demo, name):
    fault = ALL_FAULTS[name]
    checks = without_timing([c for c in CHECKS if c.id in fault.breaks], keep=fault.breaks)
    demo.apply(name)
    results = evaluate(demo, checks)
    assert {c.key for c, o in results.values() if o.status is not Status.PASSED} == CAUGHT_ONLY_BY[name], {
        c.key: f"{o.status.value}: {o.observed}" for c, o in results.values()}


# -- faults switched on together ------------------------------------------------------------------------------------
def test_every_fault_named_as_exclusive_is_a_fault():
    from opsverify_demo.faults import EXCLUSIVE

    assert {name for pair in EXCLUSIVE for name in pair} <= set(ALL_FAULTS)
    assert all(len(pair) == 2 for pair in EXCLUSIVE)


def _exclusive_pairs():
    from opsverify_demo.faults import EXCLUSIVE

    return [pytest.param(first, second, id=f"{first}+{second}")
            for pair in EXCLUSIVE for first, second in (sorted(pair), sorted(pair, reverse=True))]


@pytest.mark.parametrize("first, second", _exclusive_pairs())
def test_two_faults_that_set_one_thing_two_ways_are_refused_naming_both(demo, first, second):
    """ClamAV closed and answering, Redis loading and its queues filled, a secret missing and stale: in one order
    the second fault found the server the first took away (a bare "AssertionError: "), in the other it undid the
    first unseen. Either way the pair is refused, in words naming both."""
    from opsverify.errors import DemoFailed

    demo.apply(first)
    with pytest.raises(DemoFailed) as refused:
        demo.apply(second)
    said = str(refused.value)
    assert said.startswith(f"--demo-fault {first} and --demo-fault {second} cannot both be on: "), said
    assert said.endswith("; switch on one of them"), said
    assert demo.applied == [first]
    demo.reset()


@pytest.mark.parametrize("name", ["vercel-env-missing", "jobs-column-dropped", "clamav-down", "redis-loading",
                                  "s3-bucket-missing", "stripe-event-unprocessed"])
def test_a_fault_named_twice_is_on_once(demo, name):
    """`--demo-fault X --demo-fault X`: a column is dropped once, a secret popped once, a server stopped once."""
    fault = ALL_FAULTS[name]
    demo.apply(name)
    demo.apply(name)
    assert demo.applied == [name]
    results = evaluate(demo, without_timing(CHECKS, keep=fault.breaks))
    assert ids_with(results, Status.FAILED) == set(fault.breaks)
    demo.reset()


def test_a_run_asking_for_two_faults_that_cannot_both_be_on_says_so_in_one_line(tmp_path):
    from opsverify import exitcodes

    from .helpers import run_pytest

    result = run_pytest("checks", "--collect-only", "-q", "-p", "no:cacheprovider", "--reports-dir",
                        str(tmp_path / "reports"), "--env", "demo", "--demo-fault", "clamav-down", "--demo-fault",
                        "clamav-garbled", timeout=120)
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith("…")]
    assert result.returncode == exitcodes.DEMO and len(lines) == 1, result.stdout + result.stderr
    assert lines[0] == ("opsverify: --demo-fault clamav-down and --demo-fault clamav-garbled cannot both be on: the "
                        "ClamAV port cannot be closed and answer PING at once; switch on one of them"), lines


def test_a_fault_that_fails_to_switch_on_is_named_with_what_it_raised(monkeypatch):
    """What no refusal foresaw still names the fault, the ones already on, and the error without a dangling colon."""
    import opsverify_demo
    from opsverify.errors import DemoFailed
    from opsverify.plugin import _start_demo

    class Deployment:
        def __init__(self):
            self.applied, self.stopped = [], False

        def start(self):
            return self

        def apply(self, name):
            if name == "second":
                raise AssertionError()
            self.applied.append(name)

        def stop(self):
            self.stopped = True

    monkeypatch.setattr(opsverify_demo, "Deployment", Deployment)
    with pytest.raises(DemoFailed) as failed:
        _start_demo(["first", "second"])
    assert str(failed.value) == "--demo-fault second could not be switched on (with first on): AssertionError"


# A stand-in for the demo deployment, loaded with `-p`: the run's own handling of --demo-fault is tested without
# starting the demo's servers (slow on a loaded machine). STAND_IN_START says what its start does.
STAND_IN_DEMO = '''
import os
import re
from pathlib import Path

import opsverify_demo


class StandIn:
    def __init__(self):
        self.applied = []

    def start(self):
        if os.environ.get("STAND_IN_START") == "interrupt":
            raise KeyboardInterrupt
        return self

    def apply(self, name):
        self.applied.append(name)

    def variables(self):
        text = Path("environments/demo.yaml").read_text()
        out = {}
        for name in set(re.findall(r"\\$\\{([A-Z0-9_]+)\\}", text)):
            if name.endswith("_PORT"):
                out[name] = "9"
            elif name.endswith("DATABASE_URL"):
                out[name] = "postgresql://checker:stand-in-password@127.0.0.1:9/db"
            elif name.endswith("_URL"):
                out[name] = "http://127.0.0.1:9"
            elif name.endswith("_PASSWORD"):  # inside a URL: no '/' of a folder's path
                out[name] = "stand-in-password"
            else:
                out[name] = os.environ["STAND_IN_DIR"]
        return out

    def stop(self):
        pass


opsverify_demo.Deployment = StandIn
'''


def _run_with_stand_in_demo(tmp_path, *args, start="ok"):
    from .helpers import run_pytest

    (tmp_path / "standin_demo.py").write_text(STAND_IN_DEMO)
    return run_pytest("-p", "standin_demo", "-p", "no:cacheprovider", "--no-archive", "--env", "demo", *args,
                      env={"PYTHONPATH": str(tmp_path), "STAND_IN_DIR": str(tmp_path), "STAND_IN_START": start},
                      timeout=300)


# what `-m postdeploy --demo-fault escrow-underfunded` says: its one item, T14, is commit-to-ship's daily one
ESCROW_NOT_SELECTED = ("opsverify: --demo-fault escrow-underfunded breaks T14, which this run did not select (T14 is a"
                       " daily item, which -m 'postdeploy' leaves out): no selected check can see the fault")


def test_a_fault_none_of_whose_items_is_selected_is_said_naming_its_items_and_why(tmp_path):
    """`-m postdeploy --demo-fault escrow-underfunded`: its item T14 is a daily item, so the run could not see the
    fault, and a green run must not read as "the suite missed it" — one line, visible with -q, says why."""
    result = _run_with_stand_in_demo(tmp_path, "--collect-only", "-q", "-m", "postdeploy", "--system",
                                     "commit-to-ship", "--demo-fault", "escrow-underfunded")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    said = [line for line in out.splitlines() if "escrow-underfunded" in line]
    assert said == [ESCROW_NOT_SELECTED], out


def test_a_fault_of_a_system_the_run_leaves_out_is_said_naming_the_system(tmp_path):
    result = _run_with_stand_in_demo(tmp_path, "--collect-only", "-q", "--system", "commit-to-ship",
                                     "--demo-fault", "stripe-rls-off")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    said = [line for line in out.splitlines() if "stripe-rls-off" in line]
    assert said == ["opsverify: --demo-fault stripe-rls-off breaks S8, which this run did not select (S8 is an item "
                    "of sora-studio, which --system leaves out): no selected check can see the fault"], out


def test_a_fault_whose_items_are_selected_is_not_said(tmp_path):
    result = _run_with_stand_in_demo(tmp_path, "--collect-only", "-q", "-m", "daily", "--system", "commit-to-ship",
                                     "--demo-fault", "escrow-underfunded")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "did not select" not in out, out


def test_ctrl_c_while_the_demo_starts_says_the_demo_was_starting(tmp_path):
    from opsverify import exitcodes

    result = _run_with_stand_in_demo(tmp_path, "-q", "-m", "postdeploy", start="interrupt")
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith("…")]
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout + result.stderr
    assert lines == ["opsverify: interrupted while starting the demo deployment: nothing was checked"], lines


def test_a_teams_item_of_the_same_id_as_a_faults_does_not_hide_the_fault(tmp_path):
    """A fault's items are the demo systems' (T14: commit-to-ship's daily trial balance). A team's own system with a
    postdeploy item it also calls T14 is no item of the fault: the run still says the fault's was not selected."""
    import shutil

    from .helpers import ROOT

    checklists = tmp_path / "checklists"
    shutil.copytree(ROOT / "checklists", checklists)
    (checklists / "ledger-hub.yaml").write_text(
        "system: ledger-hub\nrunbook: ledger-hub-runbook.md\nitems:\n"
        "  - {id: T14, name: trial-balance, section: Journal, title: trial balance is zero, family: sql,\n"
        "     cadence: postdeploy, params: {query: select 0 as off_by, expect: {off_by: {eq: 0}}}}\n", encoding="utf-8")
    result = _run_with_stand_in_demo(tmp_path, "--collect-only", "-q", "-m", "postdeploy", f"--checklists-dir={checklists}",
                                     "--demo-fault", "escrow-underfunded")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    said = [line for line in out.splitlines() if "escrow-underfunded" in line]
    assert said == [ESCROW_NOT_SELECTED], out
