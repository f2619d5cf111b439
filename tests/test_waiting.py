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
