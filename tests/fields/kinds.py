"""The kinds of evidence that a parameter is judged (see `tests/fields/__init__.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Flips:
    """judge() on the same facts gives a different status for `base` and `changed`.
    `facts` may be a callable taking the check (facts keyed by check.key, as http's are)."""

    base: dict
    changed: dict
    facts: Any


@dataclass(frozen=True)
class Live:
    """gather() + judge() against a real local target: `target` names a pytest fixture returning a
    `Target` (tests/kit.make_target builds one); the two outcomes differ in status."""

    base: dict
    changed: dict
    target: str
    mutating: bool = False  # the item's: its unsafe requests (a genuine webhook delivery) are sent


@dataclass(frozen=True)
class Shows:
    """A field that only adds evidence (e.g. sql's `detail`): evidence[key] differs."""

    base: dict
    changed: dict
    facts: Any
    key: str


@dataclass(frozen=True)
class Rejected:
    """The field set this way is refused when the checklist is loaded."""

    params: dict
    match: str = ""
    mutating: bool = False
    notes: list[str] = field(default_factory=list)


Case = Flips | Live | Shows | Rejected
Facts = Any | Callable[..., Any]
