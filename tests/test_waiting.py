"""A wait longer than a second names what it waits for, then counts down to the moment it is given up —
one line at a time, the same on a terminal and in a CI log."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from opsverify import engine
from opsverify.checklist import Check, Severity
from opsverify.environment import load_environment
from opsverify.outcome import passed


def _slow_family(release: threading.Event):
    def gather(target, checks):
        release.wait(10)
        return {}

    return SimpleNamespace(NAME="slow", gather=gather, judge=lambda check, facts: passed("x", "x"))


def test_a_slow_job_is_named_then_counted_down(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "WAIT_SHOWN_S", 0.05)
    monkeypatch.setattr(engine, "WAIT_REPEAT_S", 0.1)
    (tmp_path / "local.yaml").write_text("name: local\nsystems:\n  shop: {}\n", encoding="utf-8")
    run = engine.Run(load_environment(tmp_path, "local"))
    said: list[str] = []
    release = threading.Event()

    def on_wait(text: str) -> None:
        said.append(text)
        if len(said) == 3:  # named, then counted down twice: let it finish
            release.set()

    run.on_wait = on_wait
    check = Check(system="shop", id="S1", name="slow", section="s", title="t", family="slow", cadence=None,
                  severity=Severity.normal, mutating=False, remediation="", reason="", params=None)
    job = engine._Job(run.targets["shop"], [(_slow_family(release), [check])], bound_s=60)
    results = run._run_jobs([job])
    assert results["shop:S1-slow"].status.value == "passed"
    assert said[0] == "waiting for shop slow: gives up within 60 s"
    assert [text.split(": ")[0] for text in said[1:]] == ["still waiting for shop slow"] * 2
    left = [int(text.rsplit("gives up in ", 1)[1].removesuffix(" s")) for text in said[1:]]
    assert all(0 < n <= 60 for n in left) and left == sorted(left, reverse=True)


def test_a_job_that_ends_starts_the_next_while_pytest_is_busy_elsewhere(tmp_path):
    """With one slot, the second job starts as the first ends — not when pytest next asks for an outcome
    (it may be busy reporting the first job's many items)."""
    (tmp_path / "local.yaml").write_text("name: local\nconcurrency: 1\nsystems:\n  a: {}\n  b: {}\n", encoding="utf-8")
    run = engine.Run(load_environment(tmp_path, "local"))
    started = {"a": threading.Event(), "b": threading.Event()}

    def gather(target, checks):
        started[target.system].set()
        return {}

    family = SimpleNamespace(NAME="quick", gather=gather, judge=lambda check, facts: passed("x", "x"))
    checks = {system: Check(system=system, id="Q1", name="q", section="s", title="t", family="quick", cadence=None,
                            severity=Severity.normal, mutating=False, remediation="", reason="", params=None)
              for system in started}
    jobs = [engine._Job(run.targets[system], [(family, [checks[system]])], bound_s=60) for system in started]
    schedule = engine._Schedule(run, [], jobs=jobs)
    assert schedule.until("a:Q1-q")["a:Q1-q"].status.value == "passed"
    assert started["b"].wait(30), "the second job waited for the next question instead of the free slot"
    assert schedule.until_done()["b:Q1-q"].status.value == "passed"


def test_a_stopped_run_starts_no_further_job(tmp_path):
    """pytest's loop has ended (-x, Ctrl-C): the jobs nobody will ask for are not started, and a question
    about one of them is answered as not checked."""
    (tmp_path / "local.yaml").write_text("name: local\nconcurrency: 1\nsystems:\n  a: {}\n  b: {}\n  c: {}\n",
                                         encoding="utf-8")
    run = engine.Run(load_environment(tmp_path, "local"))
    started = {system: threading.Event() for system in ("a", "b", "c")}
    release = threading.Event()

    def gather(target, checks):
        started[target.system].set()
        if target.system == "b":
            release.wait(30)
        return {}

    family = SimpleNamespace(NAME="quick", gather=gather, judge=lambda check, facts: passed("x", "x"))
    checks = [Check(system=system, id="Q1", name="q", section="s", title="t", family="quick", cadence=None,
                    severity=Severity.normal, mutating=False, remediation="", reason="", params=None)
              for system in started]
    run._schedule = schedule = engine._Schedule(
        run, [], jobs=[engine._Job(run.targets[c.system], [(family, [c])], bound_s=60) for c in checks])
    assert schedule.until("a:Q1-q")["a:Q1-q"].status.value == "passed"
    assert started["b"].wait(30)
    run.stop()
    release.set()
    for worker in list(schedule.running):
        worker.join(30)  # b's end would start c here, were the run not stopped
    assert [w.job.target.system for w in schedule.running] == ["b"] and not started["c"].is_set()
    assert schedule.until("c:Q1-q")["c:Q1-q"].observed == "could not look: the run stopped before this target was asked"


def test_the_printed_bound_holds_when_every_job_runs_to_its_own_deadline():
    """Each job is given up JUDGE_SLACK_S past its own bound: one lane and 14 jobs of 3 s take up to 14 × 4 s, so
    the run's bound may not promise less (it said 46 s for a run that could take 56 s)."""
    one_lane = SimpleNamespace(concurrency=1)
    jobs = [SimpleNamespace(bound_s=3.0)] * 14
    assert engine.Run._bound(one_lane, jobs) >= 14 * (3.0 + engine.JUDGE_SLACK_S)
    two_lanes = SimpleNamespace(concurrency=2)
    assert engine.Run._bound(two_lanes, jobs) >= 7 * (3.0 + engine.JUDGE_SLACK_S)
