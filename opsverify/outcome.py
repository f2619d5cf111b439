"""The one result shape every family returns, whatever it checked."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from .display import visible


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
        """As the run shows it: no secret, and every character visible (see `visible`). The evidence stays
        as gathered: it is only ever written as JSON, which escapes what a terminal would act on."""
        return replace(
            self,
            expected=visible(redactor.text(self.expected)),
            observed=visible(redactor.text(self.observed)),
            evidence=redactor.data(self.evidence),
            remediation=visible(redactor.text(self.remediation)),
        )


def passed(expected: str, observed: str, **evidence: Any) -> Outcome:
    return Outcome(Status.PASSED, expected, observed, evidence)


def failed(expected: str, observed: str, **evidence: Any) -> Outcome:
    return Outcome(Status.FAILED, expected, observed, evidence)


def skipped(reason: str, **evidence: Any) -> Outcome:
    return Outcome(Status.SKIPPED, observed=reason, evidence=evidence)


def error(reason: str, **evidence: Any) -> Outcome:
    return Outcome(Status.ERROR, observed=reason, evidence=evidence)


def verdict(expected: str, problems: list[str], fine: str, **evidence: Any) -> Outcome:
    """Failed with every problem listed (not just the first), else passed."""
    if problems:
        return failed(expected, "; ".join(problems), **evidence)
    return passed(expected, fine, **evidence)
