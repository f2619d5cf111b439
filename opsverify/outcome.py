"""The one result shape every family returns, whatever it checked."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from .display import one_line


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # not evaluated, with a reason (refused, not built, not configured)
    ERROR = "error"  # could not decide: the target could not be looked at


@dataclass(frozen=True)
class Outcome:
    status: Status
    expected: str = ""
    observed: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str = ""
    duration_s: float = field(default=0.0, compare=False)  # this item's gather + judge time (set by the engine)

    def redacted(self, redactor) -> "Outcome":
        """As the run shows it: no secret, every character visible and each text one line (see `one_line`). The
        evidence stays as gathered: it is only ever written as JSON, which escapes what a terminal would act on."""
        return replace(
            self,
            expected=one_line(redactor.text(self.expected)),
            observed=one_line(redactor.text(self.observed)),
            evidence=redactor.data(self.evidence),
            remediation=one_line(redactor.text(self.remediation)),
        )


def passed(expected: str, observed: str, **evidence: Any) -> Outcome:
    return Outcome(Status.PASSED, expected, observed, evidence)


def failed(expected: str, observed: str, *, undecided: list[str] | tuple[str, ...] = (), **evidence: Any) -> Outcome:
    """Failed. `undecided`: parts of the item that could not be judged beside the failure — said after it, and
    recorded (evidence `undecided`) so that no waiver covers them and the run counts the item as could-not-check too:
    a failure a waiver or `--fail-on` accepts must not hide an unread part."""
    if undecided:
        observed += and_undecided(list(undecided))
        evidence["undecided"] = list(undecided)
    return Outcome(Status.FAILED, expected, observed, evidence)


def and_undecided(unknown: list[str]) -> str:
    """What a failure adds about what could not be judged besides: the operator sees all of it in one run."""
    return f"; and {len(unknown)} could not be judged: {'; '.join(unknown)}" if unknown else ""


def skipped(reason: str, **evidence: Any) -> Outcome:
    return Outcome(Status.SKIPPED, observed=reason, evidence=evidence)


def error(reason: str, **evidence: Any) -> Outcome:
    return Outcome(Status.ERROR, observed=reason, evidence=evidence)


def verdict(expected: str, problems: list[str], fine: str, **evidence: Any) -> Outcome:
    """Failed with every problem listed (not just the first), else passed."""
    if problems:
        return failed(expected, "; ".join(problems), **evidence)
    return passed(expected, fine, **evidence)
