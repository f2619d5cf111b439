"""What pytest sees of one checklist item: its test id, its marks, and its verdict.

Two ways to collect the same items, one verdict:
  * any folder holding `checklists/*.yaml`: the plugin collects one test per item straight from
    the YAML (`ChecklistFile`), with no test modules to copy;
  * this repository's `checks/test_<family>.py`: thin modules whose `check` parameter the plugin
    fills in (`pytest_generate_tests`), using the `checked` fixture of `fixtures/checks.py`.
Either way the outcome comes from the run's engine (computed once, batched) through `checked_outcome`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from .errors import CouldNotCheck
from .outcome import Status

if TYPE_CHECKING:
    from .checklist import Check
    from .outcome import Outcome

CADENCES = ("postdeploy", "daily", "weekly", "monthly")


@dataclass(frozen=True)
class Checked:
    check: Check
    outcome: Outcome

    @property
    def message(self) -> str:
        from .engine import message

        return message(self.check, self.outcome)


def marks_for(check: Check) -> list[pytest.MarkDecorator]:
    marks = [getattr(pytest.mark, check.cadence.value)] if check.cadence else []
    if check.manual:
        marks.append(pytest.mark.manual)
    if check.mutating:
        marks.append(pytest.mark.mutating)
    return marks


def _label(check: Check) -> None:
    """Allure groups results system → runbook section → item id, so an auditor walks the runbook."""
    import allure

    allure.dynamic.parent_suite(check.system)
    allure.dynamic.suite(check.section)
    allure.dynamic.sub_suite(check.id)
    allure.dynamic.epic(check.system)
    allure.dynamic.feature(check.section)
    allure.dynamic.story(check.id)
    allure.dynamic.severity(allure.severity_level[check.severity.value.upper()])
    allure.dynamic.tag(check.cadence.value if check.cadence else "manual")
    allure.dynamic.label("family", check.family)


def _title(check: Check) -> None:
    """allure-pytest resets a result's name and description once setup ends, so these are set at teardown."""
    import allure

    allure.dynamic.title(f"{check.key} {check.title}")
    if check.remediation:
        allure.dynamic.description(f"Remediation: {check.remediation}")


def checked_outcome(request: pytest.FixtureRequest, check: Check) -> Checked:
    """The item's outcome, recorded for the reporters; an *error* is raised here, in setup, so pytest
    reports ERROR (could not check); a skip is a skip with its reason."""
    from .plugin import STATE

    state = request.config.stash[STATE]
    allure_on = bool(getattr(request.config.option, "allure_report_dir", None))
    if allure_on:
        _label(check)
        request.addfinalizer(lambda: _title(check))
    outcome = state.run.outcome(check, state.selected, shared=state.shared)
    result = Checked(check, outcome)
    request.node.user_properties.append(("opsverify", json.dumps({
        "key": check.key, "id": check.id, "system": check.system, "family": check.family,
        "section": check.section, "title": check.title, "severity": check.severity.value,
        "status": outcome.status.value, "expected": outcome.expected, "observed": outcome.observed,
        "message": result.message, "cause": outcome.evidence.get("cause"),
        "cause_detail": outcome.evidence.get("cause_detail"),
    }, default=str)))
    if outcome.evidence and allure_on:
        import allure

        allure.attach(json.dumps(outcome.evidence, indent=2, default=str), name="evidence",
                      attachment_type=allure.attachment_type.JSON)
    if outcome.status is Status.ERROR:
        raise CouldNotCheck(result.message)
    if outcome.status is Status.SKIPPED:
        pytest.skip(result.message)
    return result


def verdict(result: Checked) -> None:
    """Turn an outcome into the pytest result: passed, or failed with the one message pattern."""
    if result.outcome.status is Status.FAILED:
        pytest.fail(result.message, pytrace=False)
    assert result.outcome.status is Status.PASSED, result.message


# -- collection straight from the YAML ----------------------------------------------------------
@pytest.fixture
def opsverify_checked(request: pytest.FixtureRequest) -> Checked:
    return checked_outcome(request, request.node.opsverify_check)


def run_item(opsverify_checked: Checked) -> None:
    """A runbook item: its outcome decides the test (see the item's checklist entry)."""
    verdict(opsverify_checked)


class ChecklistFile(pytest.File):
    """`checklists/<system>.yaml`: one test per item, in the file's order. The items were loaded and
    validated (every file, all problems at once) before collection started."""

    def collect(self):
        from .plugin import STATE

        state = self.config.stash.get(STATE, None)
        if state is None:
            yield pytest.Function.from_parent(self, name="needs-env", callobj=_needs_env)
            return
        for check in state.checks_in(self.path):
            item = pytest.Function.from_parent(self, name=check.key, callobj=run_item)
            item.opsverify_check = check
            for mark in marks_for(check):
                item.add_marker(mark)
            yield item


def _needs_env() -> None:
    pytest.skip("runbook checks need --env NAME (see environments/)")
