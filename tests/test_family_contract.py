"""A family that breaks its contract (a judge returning no Outcome, a requirement the engine does not know, a gather
that kills its thread) costs only its own items: each is an error saying what the family did; every other item is
judged as usual, and the run never crashes."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from opsverify import engine, families
from opsverify.checklist import Cadence, Check, Severity
from opsverify.engine import Run
from opsverify.environment import Environment, EnvironmentModel
from opsverify.outcome import Status, passed

SYSTEM = "joslyn-ai"


def fake_family(monkeypatch: pytest.MonkeyPatch, name: str, **behaviour) -> types.ModuleType:
    """A family module registered as `name` for this test: passes every item unless `behaviour` overrides."""
    module = types.ModuleType(f"opsverify.families.{name.replace('-', '_')}")
    module.NAME = name
    module.NEEDS = ()
    module.gather = lambda target, checks: {c.key: "fine" for c in checks}
    module.judge = lambda check, facts: passed("fine", facts[check.key])
    module.bound = lambda target, checks: 1.0
    for attribute, value in behaviour.items():
        setattr(module, attribute, value)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(families.BUILT, name, module.__name__.rsplit(".", 1)[1])
    return module


def check(family: str, name: str, item: str = "J1") -> Check:
    return Check(system=SYSTEM, id=item, name=name, section="Tests", title="a test item", family=family,
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=False, remediation="",
                 reason="", params=None)


def evaluated(checks: list[Check]) -> dict[str, tuple[Status, str]]:
    model = EnvironmentModel.model_validate({"name": "test", "systems": {SYSTEM: {}}})
    env = Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=())
    run = Run(env)
    try:
        outcomes = run.evaluate(checks)
        assert run.bound(checks) > 0  # the summary asks again: it must not raise either
    finally:
        run.close()
    return {key.split(":", 1)[1]: (o.status, o.observed) for key, o in outcomes.items()}


def test_a_judge_returning_no_outcome_is_that_items_error_only(monkeypatch):
    def judge(check, facts):
        return None if check.name == "boom" else passed("fine", "fine")

    fake_family(monkeypatch, "contract-none", judge=judge)
    results = evaluated([check("contract-none", "ok", "J1"), check("contract-none", "boom", "J2"),
                         check("contract-none", "after", "J3")])
    assert results["J1-ok"][0] is Status.PASSED and results["J3-after"][0] is Status.PASSED
    assert results["J2-boom"] == (Status.ERROR, "internal error while judging: the family's judge returned "
                                                "NoneType, not an Outcome")


def test_a_worker_that_dies_leaves_errors_never_a_missing_outcome(monkeypatch):
    fake_family(monkeypatch, "contract-ok")
    # what kills the worker here is the engine's own bookkeeping, past the family's guarded calls
    real = engine.gather_and_judge

    def dying(target, family, checks):
        if family.NAME == "contract-dies":
            raise SystemExit("a family called sys.exit")
        return real(target, family, checks)

    fake_family(monkeypatch, "contract-dies")
    monkeypatch.setattr(engine, "gather_and_judge", dying)
    results = evaluated([check("contract-ok", "fine", "J1"), check("contract-dies", "a", "J2"),
                         check("contract-dies", "b", "J3")])
    assert results["J1-fine"][0] is Status.PASSED
    for key in ("J2-a", "J3-b"):
        status, observed = results[key]
        assert status is Status.ERROR
        assert observed == "internal error while checking: SystemExit: a family called sys.exit"


def test_an_unknown_requirement_is_its_familys_error_only(monkeypatch):
    fake_family(monkeypatch, "contract-ok")
    fake_family(monkeypatch, "contract-odd", needs=lambda params: ("resolver",))
    results = evaluated([check("contract-ok", "fine", "J1"), check("contract-odd", "odd", "J2")])
    assert results["J1-fine"][0] is Status.PASSED
    status, observed = results["J2-odd"]
    assert status is Status.ERROR
    assert observed.startswith("family 'contract-odd' needs 'resolver', which the engine does not "
                               "know (it knows: database, url, env, repo, endpoint:<name>")


def test_a_needs_that_raises_is_its_familys_error_only(monkeypatch):
    def needs(params):
        raise KeyError("endpoint")

    fake_family(monkeypatch, "contract-ok")
    fake_family(monkeypatch, "contract-bad-needs", needs=needs)
    results = evaluated([check("contract-ok", "fine", "J1"), check("contract-bad-needs", "odd", "J2")])
    assert results["J1-fine"][0] is Status.PASSED
    assert results["J2-odd"] == (Status.ERROR, "internal error while reading the family's needs: KeyError: "
                                               "'endpoint'")
