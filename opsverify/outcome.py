"""The one result shape every family returns, whatever it checked."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import Any


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


# What a terminal or a page acts on rather than shows: C0 controls but the line break and tab (a carriage
# return rewrites the line, ESC starts a colour or a cursor move), DEL, C1, and the bidirectional controls
# that reorder what is read.
_ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text from a target, safe to print: each such character written as its escape (ESC as \\x1b)."""
    if not _ACTED_ON.search(text):
        return text
    return _ACTED_ON.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


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
