"""The run: gather facts from each target once (batched, concurrently), then judge each check.

    checks --prescreen--> skipped (manual, refused, not configured, family not built)
           --group by (system, family)--> family.gather(target, checks) -> facts
           --family.judge(check, facts)--> Outcome --redact--> reporters
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable

from . import families
from .checklist import Check
from .environment import Environment
from .errors import GatherError, NotConfigured, OpsverifyError, StopRun
from .outcome import Outcome, Status, error, skipped
from .secrets import Redactor
from .target import Target, services_named

MAX_PARALLEL_GATHERS = 16


class Run:
    """Everything one suite run shares: targets, their connections, and computed outcomes."""

    def __init__(self, env: Environment, redactor: Redactor | None = None, deployed_at: dt.datetime | None = None):
        self.env = env
        self.redactor = redactor or Redactor()
        for value in env.secret_values:
            self.redactor.add(value)
        self.targets: dict[str, Target] = {
            system: Target(env, system, config, self.redactor) for system, config in env.model.systems.items()
        }
        for target in self.targets.values():
            target.deployed_at = deployed_at
        self._outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()

    # -- preflight ---------------------------------------------------------------------
    def preflight(self, systems: Iterable[str] | None = None) -> None:
        """Open every database the run will need, concurrently; a dead target stops the run
        with one clear line instead of a hundred identical errors."""
        wanted = [t for s, t in self.targets.items() if t.config.database and (systems is None or s in systems)]

        def connect(target: Target) -> StopRun | None:
            try:
                target.database.connect()
            except StopRun as exc:
                return exc
            return None

        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            problems = [p for p in pool.map(connect, wanted) if p is not None]
        if problems:
            raise problems[0]

    # -- evaluation --------------------------------------------------------------------
    def outcome(self, check: Check, selected: Iterable[Check] = (), *, shared: Path | None = None) -> Outcome:
        """The outcome of one check. The first call evaluates every selected check at once, all
        targets concurrently. With `shared` (a folder all xdist workers of the run see), checks are
        evaluated by (system, family) group, each group by exactly one worker: the others wait for
        its outcomes — so no target is asked twice and no mutating call is repeated."""
        with self._lock:
            key = self._key(check)
            if key not in self._outcomes:
                if shared is None:
                    pending = {self._key(c): c for c in {*selected, check} if self._key(c) not in self._outcomes}
                    self._outcomes.update(self.evaluate(pending.values()))
                else:
                    group = {c for c in selected if (c.system, c.family) == (check.system, check.family)} | {check}
                    self._outcomes.update(self._evaluate_once(group, shared, f"{check.system}--{check.family}"))
            return self._outcomes[key]

    def _evaluate_once(self, group: set[Check], shared: Path, name: str) -> dict[str, Outcome]:
        """Evaluate a group unless another process of this run already did; outcomes are redacted."""
        answer = shared / f"{name}.json"
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if we crash
            if answer.exists():
                stored = json.loads(answer.read_text(encoding="utf-8"))
                return {key: Outcome(Status(o["status"]), o["expected"], o["observed"], o["evidence"], o["remediation"])
                        for key, o in stored.items()}
            outcomes = self.evaluate(group)
            partial = shared / f"{name}.partial"
            partial.write_text(json.dumps({key: {**asdict(o), "status": o.status.value} for key, o in outcomes.items()},
                                          default=str), encoding="utf-8")
            partial.replace(answer)
            return outcomes

    @staticmethod
    def _key(check: Check) -> str:
        return f"{check.system}:{check.key}"

    def evaluate(self, checks: Iterable[Check]) -> dict[str, Outcome]:
        results: dict[str, Outcome] = {}
        groups: dict[tuple[str, str], list[Check]] = defaultdict(list)
        for check in checks:
            reason = self._prescreen(check)
            if reason is not None:
                results[self._key(check)] = reason
            else:
                groups[(check.system, check.family)].append(check)

        def work(group: tuple[tuple[str, str], list[Check]]) -> dict[str, Outcome]:
            (system, family_name), members = group
            return self._gather_and_judge(self.targets[system], families.get(family_name), members)

        if groups:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_GATHERS, len(groups))) as pool:
                for part in pool.map(work, groups.items()):
                    results.update(part)
        return {key: outcome.redacted(self.redactor) for key, outcome in results.items()}

    def _prescreen(self, check: Check) -> Outcome | None:
        if check.manual:
            return skipped(f"manual item: {check.reason}")
        family = families.get(check.family)
        if family is None:
            return skipped(f"family '{check.family}' is not built yet; this item is not checked")
        if check.mutating and not self.env.allow_mutating:
            return skipped(
                f"mutating check refused: environment '{self.env.name}' has allow_mutating: false"
            )
        target = self.targets.get(check.system)
        if target is None:
            return skipped(f"system {check.system} is not configured in environment '{self.env.name}'")
        try:
            for need in families.needs(family, check.params):
                _require(target, need, check.params)
        except NotConfigured as exc:
            return skipped(str(exc))
        return None

    def _gather_and_judge(self, target: Target, family: Any, checks: list[Check]) -> dict[str, Outcome]:
        return {self._key(c): o for c, o in zip(checks, gather_and_judge(target, family, checks), strict=True)}

    def close(self) -> None:
        for target in self.targets.values():
            target.close()


def gather_and_judge(target: Target, family: Any, checks: list[Check]) -> list[Outcome]:
    """One family's conversation with one target, then a pure verdict per check, in checklist order.
    A failure to gather is every check's *error* (never a pass); a bug in a judge is that check's error."""
    try:
        facts = family.gather(target, checks)
    except NotConfigured as exc:
        return [skipped(exc.message or str(exc)) for _ in checks]
    except OpsverifyError as exc:
        reason = exc.message or str(exc)
        return [error(f"could not look: {reason}") for _ in checks]
    except Exception as exc:  # a bug in a family must not pass anything
        return [error(f"internal error while gathering: {type(exc).__name__}: {exc}") for _ in checks]
    results = []
    for check in checks:
        try:
            outcome = family.judge(check, facts)
        except NotConfigured as exc:
            outcome = skipped(str(exc))
        except GatherError as exc:
            outcome = error(f"could not look: {exc}")
        except Exception as exc:
            outcome = error(f"internal error while judging: {type(exc).__name__}: {exc}")
        if not outcome.remediation and check.remediation and outcome.status is Status.FAILED:
            outcome = Outcome(outcome.status, outcome.expected, outcome.observed, outcome.evidence, check.remediation)
        results.append(outcome)
    return results


def _require(target: Target, need: str, params: Any) -> None:
    if need == "database":
        target.database  # noqa: B018 - raises NotConfigured when absent
    elif need == "url":
        for service in services_named(params):
            target.url(service)
    elif need == "env":
        for service in services_named(params):
            config = target.config.services.get(service)
            if config is None or config.env is None:
                raise NotConfigured(f"no env source for service '{service}' of {target.system} in {target.env.name}")
    elif need == "repo":
        target.repo()
    elif need.startswith("endpoint:"):
        target.endpoint(need.split(":", 1)[1])
    elif need.startswith("provider:"):
        target.provider(need.split(":", 1)[1])
    elif need.startswith("secret:"):
        target.secret(need.split(":", 1)[1])
    else:
        raise ValueError(f"unknown requirement {need!r}")


def message(check: Check, outcome: Outcome) -> str:
    """The one message pattern: `<id> <title>: expected …; saw …`."""
    if outcome.status in (Status.SKIPPED, Status.ERROR):
        return f"{check.key} {check.title}: {outcome.observed}"
    text = f"{check.key} {check.title}: expected {outcome.expected}; saw {outcome.observed}"
    if outcome.remediation and outcome.status is Status.FAILED:
        text += f" — fix: {outcome.remediation}"
    return text
