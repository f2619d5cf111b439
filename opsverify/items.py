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
from typing import TYPE_CHECKING, Any

import pytest

from .display import visible
from .errors import CouldNotCheck
from .outcome import Status

if TYPE_CHECKING:
    from .checklist import Check
    from .outcome import Outcome

CADENCES = ("postdeploy", "daily", "weekly", "monthly")
# One encoder for every record. ASCII: a record crosses xdist's pipe, which carries only valid UTF-8, and a
# target's JSON may hold half of a UTF-16 pair (escaped here, read back as it was).
_as_ascii_json = json.JSONEncoder(default=str).encode


@dataclass(frozen=True)
class Checked:
    check: Check
    outcome: Outcome
    message: str  # the one message pattern, redacted: a runbook's title may quote a secret it should not


def marks_for(check: Check) -> list[pytest.MarkDecorator]:
    marks = [getattr(pytest.mark, check.cadence.value)] if check.cadence else []
    if check.manual:
        marks.append(pytest.mark.manual)
    if check.mutating:
        marks.append(pytest.mark.mutating)
    return marks


def check_fields(check: Check) -> dict[str, Any]:
    """What the reporters name an item by, from its checklist entry."""
    return {"key": check.key, "id": check.id, "name": check.name, "system": check.system, "family": check.family,
            "section": check.section, "title": check.title, "severity": check.severity.value,
            "cadence": check.cadence.value if check.cadence else None}


def _record(check: Check, outcome: Outcome, message: str, waiver: dict | None) -> str:
    """Everything the reporters need of one item, handed to the master (under xdist) with the report.
    The Allure results, JUnit and results.json are written from it at the end of the run (see `archive`)."""
    status = "waived" if waiver else outcome.status.value
    return _as_ascii_json({
        **check_fields(check), "status": status,
        # an item that could not be judged, or was skipped, says what it would have checked: its title
        "expected": outcome.expected or check.title, "observed": outcome.observed, "remediation": outcome.remediation,
        "message": message, "cause": outcome.evidence.get("cause"), "cause_detail": outcome.evidence.get("cause_detail"),
        "evidence": outcome.evidence,
        "duration_s": outcome.duration_s, "waiver": waiver,
    })


class _CouldNotDecide(CouldNotCheck, pytest.fail.Exception):
    """CouldNotCheck as pytest renders a `fail(..., pytrace=False)`: its message alone. pytest's traceback
    repr would parse the source of every frame — about 0.1 s per item, minutes when a fleet is down."""

    def __init__(self, message: str) -> None:
        CouldNotCheck.__init__(self, message)
        self.msg, self.pytrace = message, False


class _Failed(pytest.fail.Exception):
    """A failed verdict as `pytest.fail(message, pytrace=False)` renders it: its message alone."""

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


# what the engine's own verdict raises: its message was redacted when it was made (see `judged`), so pytest's report
# of it is printed as it is; anything else a checklist item's test raised (a conftest hook's error) is masked first
VERDICT_RAISES = (_CouldNotDecide, _Failed)


def checked_outcome(node: pytest.Item, check: Check) -> Checked:
    """The item's outcome, recorded for the reporters; an *error* is raised here, in setup, so pytest
    reports ERROR (could not check); a skip is a skip with its reason; a failure with an active waiver
    is reported *waived* (an xfail whose reason starts 'waived: '), which does not fail the run."""
    from .plugin import STATE

    state = node.config.stash[STATE]
    if state.inputs_changed is not None:  # this worker read other inputs than the run archives: nothing is asked
        from .outcome import error

        outcome = error(state.inputs_changed)
    else:
        outcome = state.run.outcome(check, state.selected, shared=state.shared)
    result, waiver, record = judged(node.config, check, outcome)
    node.user_properties.append(("opsverify", record))
    state.verdicts.keep(node.nodeid, record)  # what the archive reads, whatever a hook makes of the reports
    if outcome.status is Status.ERROR:
        raise _CouldNotDecide(result.message)
    if outcome.status is Status.SKIPPED:  # placed at the item (`-rs`: its checklist line), not at this line
        raise pytest.skip.Exception(result.message, _use_item_location=True)
    if waiver is not None:  # a person's words (-v prints them): redacted and shown, never obeyed, as in the summary
        pytest.xfail(visible(state.run.redactor.text(f"waived: {waiver.describe()} — {result.message}")))
    return result


def judged(config: pytest.Config, check: Check, outcome: Outcome) -> tuple[Checked, Any, str]:
    """The item's result, the waiver that applies to it (or None) and its record, from its check's outcome."""
    from .engine import message
    from .plugin import STATE

    state = config.stash[STATE]
    result = Checked(check, outcome, state.run.redactor.text(message(check, outcome)))
    waivers = getattr(state, "waivers", None)
    runxfail = getattr(config.option, "runxfail", False)  # every xfail reported as the failure it is
    # a waiver covers a failure, never what could not be judged beside it (outcome.evidence["undecided"]); one
    # --runxfail ignores is not applied, so not recorded as applied either
    waiver = (waivers.active_for(check) if waivers is not None and outcome.status is Status.FAILED and not runxfail
              and not outcome.evidence.get("undecided") else None)
    return result, waiver, _record(check, outcome, result.message, waiver.record() if waiver else None)


ITEM_MARK = "opsverify-item"  # a report's user property naming the checklist item it is of (`system/key`)
# an item whose setup a hook reported passed though it ended otherwise: its outcome was never taken
NOT_RUN = "not run: its setup did not end passed (a hook rewrote pytest's report of it)"


def verdict(result: Checked) -> None:
    """Turn an outcome into the pytest result: passed, or failed with the one message pattern."""
    if result.outcome.status is Status.FAILED:
        raise _Failed(result.message)
    assert result.outcome.status is Status.PASSED, result.message


# -- collection straight from the YAML ----------------------------------------------------------
class ChecklistItem(pytest.Item):
    """One runbook item, straight from the YAML. A plain Item, not a Function with a fixture: pytest's
    fixture machinery per item would cost more than judging it. The outcome is taken in `setup`, so a
    check that could not decide is reported ERROR (as with the fixture of `checks/`)."""

    def __init__(self, *, check: Check, **kwargs) -> None:
        super().__init__(**kwargs)
        self.opsverify_check = check
        self.checked: Checked | None = None
        for mark in marks_for(check):
            self.add_marker(mark)

    def setup(self) -> None:
        self.checked = checked_outcome(self, self.opsverify_check)

    def runtest(self) -> None:
        if self.checked is None:  # a hook turned a setup that ended otherwise into passed: nothing to report here
            pytest.fail(NOT_RUN, pytrace=False)
        verdict(self.checked)

    def reportinfo(self):
        """Where the item is written: its line in the checklist (0-based, as pytest counts), the first if unknown."""
        return self.path, max(self.opsverify_check.line - 1, 0), f"{self.opsverify_check.system} {self.name}"


class ChecklistFile(pytest.File):
    """`checklists/<system>.yaml`: one test per item, in the file's order. The items were loaded and
    validated (every file, all problems at once) before collection started."""

    def collect(self):
        from .plugin import STATE

        state = self.config.stash.get(STATE, None)
        if state is None:
            from .plugin import NEEDS_ENV, WITHOUT_ENV

            self.config.stash[WITHOUT_ENV] = True
            yield pytest.Function.from_parent(self, name=NEEDS_ENV, callobj=_needs_env)
            return
        for check in state.checks_in(self.path):
            yield ChecklistItem.from_parent(self, name=check.key, check=check)


def _needs_env() -> None:
    pytest.skip("runbook checks need --env NAME (see environments/)")
