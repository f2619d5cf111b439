"""The run: gather facts from each target once (batched, concurrently), then judge each check.

    checks --prescreen--> skipped (manual, refused, not configured, family not built)
           --group by (system, family)--> family.gather(target, checks) -> facts
           --family.judge(check, facts)--> Outcome --redact--> reporters

Time is bounded whatever a target does: each transport has its own deadlines, and each group
runs under a deadline computed from the environment's timeouts (`bound`). A group that outlives
it is abandoned — its items end as *error* naming the bound — and every other group goes on.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import families
from .checklist import Check
from .environment import Environment
from .errors import GatherError, NotConfigured, OpsverifyError
from .outcome import Outcome, Status, error, skipped
from .secrets import Redactor
from .target import Target, services_named
from .transports.postgres import DatabaseUnavailable

JUDGE_SLACK_S = 1.0  # judging and bookkeeping after the last answer
WAIT_POLL_S = 0.02


@dataclass(frozen=True)
class Cause:
    """One reason many items could not be checked (a database that cannot be reached)."""

    system: str
    kind: str  # unreachable | credentials | stopped | budget
    message: str
    items: int


@dataclass
class Timing:
    bound_s: float = 0.0
    took_s: float = 0.0
    groups: int = 0


class Run:
    """Everything one suite run shares: targets, their connections, and computed outcomes."""

    def __init__(self, env: Environment, redactor: Redactor | None = None, deployed_at: dt.datetime | None = None,
                 concurrency: int | None = None):
        self.env = env
        self.redactor = redactor or Redactor()
        for value in env.secret_values:
            self.redactor.add(value)
        for url in env.urls:
            self.redactor.add_url_parts(url)
        self.targets: dict[str, Target] = {
            system: Target(env, system, config, self.redactor) for system, config in env.model.systems.items()
        }
        for target in self.targets.values():
            target.deployed_at = deployed_at
        self.concurrency = max(1, concurrency or env.model.concurrency)
        self.timing = Timing()
        self.warnings: list[str] = []  # said once: on the console and in the archive
        self._outcomes: dict[str, Outcome] = {}
        self._lock = threading.Lock()

    # -- preflight ---------------------------------------------------------------------
    def preflight(self, systems: Iterable[str] | None = None) -> None:
        """Open every database the run will need, concurrently. A database that cannot be reached is
        remembered (asked once per run), its items become errors with that one cause, and the run goes on."""
        wanted = [t for s, t in self.targets.items() if t.config.database and (systems is None or s in systems)]
        found: list[str] = []
        threads = [threading.Thread(target=_try_connect, args=(t, found), daemon=True) for t in wanted]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.warnings = sorted(self.redactor.text(w) for w in found)

    def causes(self, outcomes: dict[str, Outcome] | None = None) -> list[Cause]:
        """Databases that could not be used, with how many of this run's items they left unchecked."""
        outcomes = self._outcomes if outcomes is None else outcomes
        found = []
        for system, target in self.targets.items():
            problem = target.database_problem()
            if problem is None:
                continue
            count = sum(1 for key, o in outcomes.items() if key.startswith(f"{system}:") and o.status is Status.ERROR
                        and o.evidence.get("cause") == problem.kind)
            found.append(Cause(system, problem.kind, self.redactor.text(problem.message), count))
        return found

    # -- evaluation --------------------------------------------------------------------
    def outcome(self, check: Check, selected: Iterable[Check] = (), *, shared: Path | None = None) -> Outcome:
        """The outcome of one check. The first call evaluates every selected check at once, all
        targets concurrently. With `shared` (a folder all xdist workers of the run see), each
        (system, family) group is evaluated by exactly one worker — the first to claim it; a worker
        claims every unclaimed group at once and evaluates them concurrently, then waits for the
        groups others claimed — so no target is asked twice and no mutating call is repeated."""
        with self._lock:
            key = self._key(check)
            if key not in self._outcomes:
                wanted = {self._key(c): c for c in {*selected, check} if self._key(c) not in self._outcomes}
                if shared is None:
                    self._outcomes.update(self.evaluate(wanted.values()))
                else:
                    self._outcomes.update(_SharedGroups(self, shared).outcomes(wanted.values(), check))
            return self._outcomes[key]

    @staticmethod
    def _key(check: Check) -> str:
        return f"{check.system}:{check.key}"

    def bound(self, checks: Iterable[Check]) -> float:
        """The worst-case time to evaluate `checks`, from the configured timeouts alone."""
        groups, _ = self._plan(checks)
        return self._bound(groups)

    def evaluate(self, checks: Iterable[Check]) -> dict[str, Outcome]:
        started = time.monotonic()
        groups, results = self._plan(checks)
        bound = self._bound(groups)
        results.update(self._run_groups(groups))
        self.timing.bound_s += bound
        self.timing.took_s += time.monotonic() - started
        self.timing.groups += len(groups)
        return {key: outcome.redacted(self.redactor) for key, outcome in results.items()}

    def _plan(self, checks: Iterable[Check]) -> tuple[dict[tuple[str, str], list[Check]], dict[str, Outcome]]:
        results: dict[str, Outcome] = {}
        groups: dict[tuple[str, str], list[Check]] = defaultdict(list)
        for check in checks:
            reason = self._prescreen(check)
            if reason is not None:
                results[self._key(check)] = reason
            else:
                groups[(check.system, check.family)].append(check)
        return dict(groups), results

    def _group_bound(self, groups: dict[tuple[str, str], list[Check]], key: tuple[str, str]) -> float:
        system, family_name = key
        return families.bound(families.get(family_name), self.targets[system], groups[key])

    def _bound(self, groups: dict[tuple[str, str], list[Check]]) -> float:
        if not groups:
            return JUDGE_SLACK_S
        bounds = [self._group_bound(groups, key) for key in groups]
        lanes = min(self.concurrency, len(bounds))
        # a greedy schedule of independent jobs on `lanes` workers ends within sum/lanes + max
        return round(sum(bounds) / lanes + max(bounds) + JUDGE_SLACK_S, 1)

    def _run_groups(self, groups: dict[tuple[str, str], list[Check]]) -> dict[str, Outcome]:
        """Each group in its own (daemon) thread, at most `concurrency` at a time, each under its bound."""
        results: dict[str, Outcome] = {}
        if not groups:
            return results
        slots = threading.BoundedSemaphore(self.concurrency)
        pending = list(groups)
        running: dict[tuple[str, str], _Worker] = {}
        while pending or running:
            while pending and slots.acquire(blocking=False):
                key = pending.pop(0)
                worker = _Worker(self.targets[key[0]], families.get(key[1]), groups[key],
                                 self._group_bound(groups, key), slots)
                running[key] = worker
                worker.start()
            for key, worker in list(running.items()):
                if worker.done.is_set():
                    results.update({self._key(c): o for c, o in zip(groups[key], worker.outcomes, strict=True)})
                    del running[key]
                elif worker.overdue():
                    worker.abandon()
                    reason = (f"could not look: no answer within the bound of {worker.bound_s:g} s "
                              f"(computed from the environment's timeouts); the target's conversation was abandoned")
                    results.update({self._key(c): error(reason, cause="deadline", cause_detail=reason)
                                    for c in groups[key]})
                    del running[key]
            if running:
                next(iter(running.values())).done.wait(WAIT_POLL_S)
        return results

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

    def close(self) -> None:
        for target in self.targets.values():
            target.close()


def _try_connect(target: Target, warnings: list[str]) -> None:
    try:
        target.database.connect()
    except (DatabaseUnavailable, NotConfigured):
        return  # remembered by the database; its items report it
    warning = target.database.role_warning()
    if warning:
        warnings.append(f"{target.system}: {warning}; its sessions stay read-only, but give it a read-only role"
                        " (README: The checker role)")


class _Worker(threading.Thread):
    """One group's gather + judge. A daemon: a conversation that outlives its bound is abandoned,
    never waited for at exit."""

    def __init__(self, target: Target, family: Any, checks: list[Check], bound_s: float,
                 slots: threading.BoundedSemaphore):
        super().__init__(daemon=True, name=f"opsverify-{target.system}-{family.NAME}")
        self.target, self.family, self.checks = target, family, checks
        self.bound_s = bound_s
        self.slots = slots
        self.outcomes: list[Outcome] = []
        self.done = threading.Event()
        self.started_at = 0.0
        self._slot_lock = threading.Lock()
        self._slot_held = True

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            self.outcomes = gather_and_judge(self.target, self.family, self.checks)
        finally:
            self.done.set()
            self._release()

    def overdue(self) -> bool:
        return bool(self.started_at) and time.monotonic() - self.started_at > self.bound_s + JUDGE_SLACK_S

    def abandon(self) -> None:
        self._release()  # its slot goes to the next group; the thread may finish (or not) on its own

    def _release(self) -> None:
        with self._slot_lock:
            if self._slot_held:
                self._slot_held = False
                self.slots.release()


class _SharedGroups:
    """Under xdist: claim unclaimed groups in a run-private folder, evaluate them, publish outcomes."""

    def __init__(self, run: Run, shared: Path):
        self.run = run
        self.shared = shared

    @staticmethod
    def _name(system: str, family: str) -> str:
        return f"{system}--{family}"

    def outcomes(self, wanted: Iterable[Check], check: Check) -> dict[str, Outcome]:
        wanted = list(wanted)
        by_group: dict[str, list[Check]] = defaultdict(list)
        for c in wanted:
            by_group[self._name(c.system, c.family)].append(c)
        mine = self._claim(sorted(by_group))
        results = self.run.evaluate([c for name in mine for c in by_group[name]]) if mine else {}
        for name in mine:
            self._publish(name, {Run._key(c): results[Run._key(c)] for c in by_group[name]})
        needed = self._name(check.system, check.family)
        if needed not in mine:
            results.update(self._wait_for(needed, by_group[needed]))
        return results

    def _claim(self, names: list[str]) -> list[str]:
        claims = self.shared / "claims.json"
        with open(self.shared / "claims.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if we crash
            taken: dict[str, int] = json.loads(claims.read_text()) if claims.exists() else {}
            mine = [n for n in names if n not in taken]
            taken.update({n: os.getpid() for n in mine})
            partial = claims.with_suffix(".partial")
            partial.write_text(json.dumps(taken))
            partial.replace(claims)
        return mine

    def _publish(self, name: str, outcomes: dict[str, Outcome]) -> None:
        partial = self.shared / f"{name}.partial"
        partial.write_text(json.dumps({key: {**asdict(o), "status": o.status.value} for key, o in outcomes.items()},
                                      default=str), encoding="utf-8")
        partial.replace(self.shared / f"{name}.json")

    def _wait_for(self, name: str, members: list[Check]) -> dict[str, Outcome]:
        answer = self.shared / f"{name}.json"
        deadline = time.monotonic() + self.run.bound(members) * 2 + 10
        while not answer.exists():
            owner = json.loads((self.shared / "claims.json").read_text()).get(name)
            if time.monotonic() > deadline or (owner and not _alive(owner)):
                why = "the worker evaluating it stopped" if owner and not _alive(owner) else "no outcome in time"
                return {Run._key(c): error(f"could not look: {why}") for c in members}
            time.sleep(WAIT_POLL_S)
        stored = json.loads(answer.read_text(encoding="utf-8"))
        return {key: Outcome(Status(o["status"]), o["expected"], o["observed"], o["evidence"], o["remediation"])
                for key, o in stored.items()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def gather_and_judge(target: Target, family: Any, checks: list[Check]) -> list[Outcome]:
    """One family's conversation with one target, then a pure verdict per check, in checklist order.
    A failure to gather is every check's *error* (never a pass); a bug in a judge is that check's error."""
    try:
        facts = family.gather(target, checks)
    except NotConfigured as exc:
        return [skipped(exc.message or str(exc)) for _ in checks]
    except DatabaseUnavailable as exc:
        return [error(f"could not look: {exc.message}", cause=exc.kind, cause_detail=exc.message) for _ in checks]
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
        except DatabaseUnavailable as exc:
            outcome = error(f"could not look: {exc.message}", cause=exc.kind, cause_detail=exc.message)
        except GatherError as exc:
            outcome = error(f"could not look: {exc}")
        except Exception as exc:
            outcome = error(f"internal error while judging: {type(exc).__name__}: {exc}")
        if not outcome.remediation and check.remediation and outcome.status is Status.FAILED:
            outcome = Outcome(outcome.status, outcome.expected, outcome.observed, outcome.evidence, check.remediation)
        results.append(_with_cause(outcome, target))
    return results


def _with_cause(outcome: Outcome, target: Target) -> Outcome:
    """An error caused by the target's database being unavailable says so, whichever family saw it,
    so the summary can give that one cause instead of many identical errors."""
    if outcome.status is not Status.ERROR or "cause" in outcome.evidence:
        return outcome
    problem = target.database_problem()
    if problem is None or problem.message not in outcome.observed:
        return outcome
    return Outcome(outcome.status, outcome.expected, outcome.observed,
                   {**outcome.evidence, "cause": problem.kind, "cause_detail": problem.message}, outcome.remediation)


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
