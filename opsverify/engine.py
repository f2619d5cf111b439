"""The run: gather facts from each target once (batched, concurrently), then judge each check.

    checks --prescreen--> skipped (manual, refused, not configured, family not built)
           --group by (system, family)--> family.gather(target, checks) -> facts
           --family.judge(check, facts)--> Outcome --redact--> reporters

A target's families that talk to its database run in one job, in turn, on one session: the job
first asks every statement they will send in one round trip (`Database.prefetch`), so each gather
finds its answers waiting; a statement nobody foresaw is asked by its gather on its own.

Groups start in the order pytest will ask for their items, and an item is answered as soon as its own
group is done, so the first systems are reported while later ones are still answering. A mutating check is the
exception: it is a job of its own, started only when pytest asks for its item — a run stopped early (-x,
--maxfail, --sw, Ctrl-C) never sends the call of an item it did not start (one interrupted while its call is out is
archived saying the call may have been sent). Families that learn
secrets from their targets (`LEARNS_SECRETS`: a key found in a page's scripts, env values a platform API returns)
start first, and no item is answered before they have ended: a page echoing such a secret is reported cleaned.

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
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from . import families
from .ambient import (libpq_passwords, masked_whole, named_addresses, named_connection_passwords,
                      named_credential_files, named_embedded_passwords, named_key_urls, named_passwords,
                      named_secrets, proxy_urls)
from .checklist import Check
from .display import one_line
from .environment import Environment
from .errors import DatabaseUnavailable, GatherError, NotConfigured, OpsverifyError
from .outcome import Outcome, Status, error, skipped
from .secrets import Redactor, database_passwords, run_keys, sealed, unsealed
from .target import Target, services_named

JUDGE_SLACK_S = 1.0  # judging and bookkeeping after the last answer
WAIT_SHOWN_S = 1.0  # a job still running after this long is named on the console
WAIT_REPEAT_S = 10.0  # ... and named again this often, with the time it has left
WAIT_POLL_S = 0.02
LEARNED = ".secrets"  # under xdist: a group's file of what its worker's redactor knows (see _SharedGroups)
GIVE_UP_S = 5.0  # under xdist, at close: the longest wait for the background evaluation to stop starting jobs
_WARNINGS_WRITTEN = threading.Lock()  # one worker's warnings file, written from two threads


@dataclass(frozen=True)
class Cause:
    """One reason many items could not be checked (a database that cannot be reached)."""

    system: str
    kind: str  # unreachable | credentials | stopped | budget
    message: str
    items: int


def learn_secrets(redactor: Redactor, env: Environment) -> None:
    """Every secret the environment holds, before anything is asked: declared ones whatever they look like;
    values that look secret; the keys in configured URLs (shorter ones where the URL is a secret's value)."""
    for system in env.model.systems.values():
        for value in system.secrets.values():
            redactor.add_declared(value)
        if system.database:  # its password, written into the file or set by a ${VAR} (libpq's key=value too),
            redactor.add(system.database)  # whatever it looks like, as a URL's is
            redactor.add_passwords(database_passwords(system.database))
            # and what libpq takes from the runner when the URL holds none: PGPASSWORD, a service, a passfile
            redactor.add_passwords(libpq_passwords(system.database))
    for value in env.secret_values:
        redactor.add(value)
    for url in env.urls:
        redactor.add_url_parts(url, from_secret=url in env.secret_values)
    for proxy in proxy_urls():  # its user and password, and their Basic form: Proxy-Authorization's
        redactor.add_url_parts(proxy)
    # what a team test's `dict(os.environ)` holds, printed by --showlocals: the runner's GITHUB_TOKEN and such, by
    # the env source's rule, and the run's own keys handed to its xdist workers there (in them too: each learns these)
    for name, value in named_secrets():  # SMTP_PASSWORD, SENTRY_DSN, GH_PAT=ghp_…: the value whole, whatever it looks like
        redactor.add_env_var(name, value, marked_secret=masked_whole(name, value))
    redactor.add_passwords(named_passwords())  # BASIC_AUTH=deploy:…, DOCKER_AUTH_CONFIG's "auth" over lines
    for url in named_addresses():  # DATABASE_URL: its user info's password, its host and path readable
        redactor.add_url_credentials(url)
    # a connection string's password under any name (ConnectionStrings__DefaultConnection), as the env source's
    redactor.add_passwords(named_connection_passwords())
    # what a value holds inside it under any name: an Azure connection string's key, a JVM property's password, a
    # StackExchange.Redis configuration's, SPRING_APPLICATION_JSON's; and a key in a URL's path or query (an RPC's)
    redactor.add_passwords(named_embedded_passwords())
    for url in named_key_urls():
        redactor.add_url_parts(url)
    # a Docker config, kubeconfig, netrc or .npmrc under any name (KUBE_CONFIG_DATA): its credentials, by content
    redactor.add_passwords(named_credential_files())
    for key in run_keys():
        redactor.add_declared(key)


class Run:
    """Everything one suite run shares: targets, their connections, and computed outcomes."""

    def __init__(self, env: Environment, redactor: Redactor | None = None, deployed_at: dt.datetime | None = None,
                 concurrency: int | None = None):
        self.env = env
        self.redactor = redactor or Redactor()
        learn_secrets(self.redactor, env)
        self.targets: dict[str, Target] = {
            system: Target(env, system, config, self.redactor) for system, config in env.model.systems.items()
        }
        for target in self.targets.values():
            target.deployed_at = deployed_at
            target.read_env_sources()  # an http item's page may echo a service's env: know its secrets first
        # what reading them at the start may take, before any job: part of every run's worst case (see bound)
        self._env_read_bound_s = sum(target.env_sources_bound_s() for target in self.targets.values())
        self.concurrency = max(1, concurrency or env.model.concurrency)
        self.on_wait: Callable[[str], None] | None = None  # told once about each job still running after WAIT_SHOWN_S
        self._outcomes: dict[str, Outcome] = {}
        self._claimed: list[_Claimed] = []  # under xdist: the groups this worker claimed, evaluated in the background
        self._asking: IO[str] | None = None  # under xdist: held while this worker may still ask (see _SharedGroups)
        # an xdist worker that cannot reach the run's shared folder: why (its mutating items send nothing, see outcome)
        self.apart: str | None = None
        self._redacted_at: dict[str, int] = {}  # key -> the redactor's version its outcome was cleaned with
        self._schedule: _Schedule | None = None
        self._lock = threading.Lock()

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
            found.append(Cause(system, problem.kind, one_line(self.redactor.text(problem.message)), count))
        return found

    # -- evaluation --------------------------------------------------------------------
    def outcome(self, check: Check, selected: Iterable[Check] = (), *, shared: Path | None = None) -> Outcome:
        """The outcome of one check. The first call starts evaluating every selected read-only check, all
        targets concurrently, in the order the items come (`selected`'s order), and returns as soon as this
        check's own group is done (and every group that learns secrets: see _Schedule.until): pytest reports the
        first systems while later ones are still answering. A mutating check is evaluated only when it is the
        one asked for: its call is sent for an item pytest reports, never ahead of it. With
        `shared` (a folder all xdist workers of the run see), each (system, family) group is evaluated by
        exactly one worker — the first to claim it; a worker claims every unclaimed read-only group at once,
        evaluates them concurrently in the background, publishing each as its job ends, and returns as soon as
        the asked group is done (as without xdist), or waits for it where another worker claimed it — so no target
        is asked twice; a mutating check is claimed by the worker asked for its item,
        so its call is sent once (a worker that dies loses only the groups it had not finished: their
        read-only items are asked again, a mutating one is not, see _SharedGroups)."""
        with self._lock:
            key = self._key(check)
            if key not in self._outcomes and shared is None and self.apart is not None and check.mutating \
                    and self._prescreen(check) is None:  # another worker may send it too: nobody would know
                self._publish({key: error(f"not sent: {self.apart}")})
            if key not in self._outcomes:
                if shared is None:
                    self._stream(check, selected)
                else:  # cleaned again here: with what the learner groups of other workers learned
                    self._publish(_SharedGroups(self, shared).outcomes(
                        [c for c in dict.fromkeys([*selected, check]) if self._key(c) not in self._outcomes], check))
            outcome, version = self._outcomes[key], self._redacted_at.get(key)
            if version is not None and version != self.redactor.version:  # a secret learned since: clean again
                outcome = self._outcomes[key] = outcome.redacted(self.redactor)
                self._redacted_at[key] = self.redactor.version
            return outcome

    def held(self, check: Check, *, shared: Path | None = None) -> Outcome | None:
        """The outcome the engine already holds of a read-only check no one asked for (a marker skipped its pytest
        test, while a sibling's ask gathered its group): here, or published by the xdist worker that evaluated its
        group. Never asks a target; None where it holds none."""
        key = self._key(check)
        with self._lock:
            outcome = self._outcomes.get(key)
        if outcome is None and shared is not None and not check.mutating:
            answer = shared / f"{_SharedGroups._name(check)}.json"
            outcome = _SharedGroups._read(answer, [check]).get(key) if answer.exists() else None
        return outcome.redacted(self.redactor) if outcome is not None else None

    def _stream(self, check: Check, selected: Iterable[Check]) -> None:
        key = self._key(check)
        if self._schedule is None or key not in self._schedule.keys:
            if self._schedule is not None:  # a check outside the earlier selection (not in a pytest run)
                self._publish(self._schedule.until_done())
            ordered = list(dict.fromkeys([*selected, check]))
            self._schedule = _Schedule(self, [c for c in ordered if self._key(c) not in self._outcomes],
                                       on_demand=True)
        self._publish(self._schedule.until(key))

    def _publish(self, results: dict[str, Outcome]) -> None:
        for key, outcome in results.items():
            self._outcomes[key] = outcome.redacted(self.redactor)
            self._redacted_at[key] = self.redactor.version

    @staticmethod
    def _key(check: Check) -> str:
        return f"{check.system}:{check.key}"

    def bound(self, checks: Iterable[Check]) -> float:
        """The worst-case time to evaluate `checks`, from the configured timeouts alone."""
        groups, _ = self._plan(checks)
        jobs = self._jobs(groups)
        # a mutating check's job starts only when pytest asks for its item, maybe once every other job has ended
        # and after the one before it: each may run alone, so each adds its own time
        alone = sum(job.bound_s + JUDGE_SLACK_S for job in jobs if job.mutating)
        return math.ceil((self._bound(jobs) + alone + self._env_read_bound_s) * 10) / 10

    def evaluate(self, checks: Iterable[Check], on_outcomes: Callable[[dict[str, Outcome]], None] | None = None,
                 stop: threading.Event | None = None) -> dict[str, Outcome]:
        """Every check's outcome, redacted, once all are done (xdist workers' groups, the engine's tests). Each
        job's outcomes go to `on_outcomes` as soon as it ends: an xdist worker publishes its group then. Once `stop`
        is set, no further job starts and what is known is returned at once (running jobs are left to end on
        their own: see close)."""
        schedule = _Schedule(self, list(checks))
        results: dict[str, Outcome] = {}
        cleaned_at: dict[str, int] = {}  # key -> the redactor's version its outcome was cleaned with
        while True:
            version = self.redactor.version
            fresh = schedule.until_any(stop)
            if stop is not None and stop.is_set():
                schedule.stop()
                return self._cleaned(results, cleaned_at)
            if on_outcomes is not None:  # handed out now: cleaned now, and again at the end if a secret is learned
                # since (with no one to hand them to, they are cleaned once, at the end: each new secret makes the
                # redactor build its matcher again)
                fresh = {key: outcome.redacted(self.redactor) for key, outcome in fresh.items()}
                cleaned_at.update(dict.fromkeys(fresh, version))
                if fresh:
                    on_outcomes(fresh)
            results.update(fresh)
            if not fresh and schedule.done():  # a job that ended first may hold what a later one learned
                return self._cleaned(results, cleaned_at)

    def _cleaned(self, outcomes: dict[str, Outcome], cleaned_at: dict[str, int]) -> dict[str, Outcome]:
        """`outcomes`, each cleaned with every secret the run has learned."""
        version = self.redactor.version
        return {key: outcome if cleaned_at.get(key) == version else outcome.redacted(self.redactor)
                for key, outcome in outcomes.items()}

    @property
    def warnings(self) -> list[str]:
        """Said once, on the console and in the archive: checker roles that could write; secrets that are words."""
        found = list(self.env.warnings)
        for system, target in self.targets.items():
            warning = target.database_warning()
            if warning:
                found.append(one_line(self.redactor.text(
                    f"{system}: {warning}; its sessions stay read-only, but give it a read-only role"
                    " (README: The checker role)")))
        return sorted(found)

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

    def _jobs(self, groups: dict[tuple[str, str], list[Check]]) -> list["_Job"]:
        """The units of concurrency: per target, one job for every family that talks to its database
        (they share one session, so they run in turn, and the session closes when they are done — a fleet
        never holds more connections than jobs running); one job per other (system, family) group; and one
        job per mutating check, which a run stopped early may never start (see _Schedule)."""
        database: dict[str, list[tuple[Any, list[Check]]]] = defaultdict(list)
        jobs: list[_Job] = []
        for (system, family_name), members in sorted(groups.items()):
            module = families.get(family_name)
            target = self.targets[system]
            read_only = [c for c in members if not c.mutating]
            for batch in [read_only] * bool(read_only) + [[c] for c in members if c.mutating]:
                uses_database = "database" in families.needs_kinds(module, batch)
                if uses_database and not batch[0].mutating:
                    database[system].append((module, batch))
                elif uses_database:  # its own session's time: it may start after the others' session closed
                    jobs.append(_Job(target, [(module, batch)], target.database_bound_s() + families.bound(
                        module, target, batch, include_database=False), closes_database=True))
                else:
                    jobs.append(_Job(target, [(module, batch)], families.bound(module, target, batch)))
        for system, parts in database.items():
            target = self.targets[system]
            seconds = target.database_bound_s() + sum(
                families.bound(module, target, members, include_database=False) for module, members in parts)
            jobs.insert(0, _Job(target, parts, seconds, closes_database=True))
        return jobs

    def _bound(self, jobs: list["_Job"]) -> float:
        if not jobs:
            return JUDGE_SLACK_S
        # each job is given up JUDGE_SLACK_S past its own bound, so that is its longest time
        longest = [job.bound_s + JUDGE_SLACK_S for job in jobs]
        lanes = min(self.concurrency, len(longest))
        # a greedy schedule of independent jobs on `lanes` workers ends within sum/lanes + max; rounded up
        return math.ceil((sum(longest) / lanes + max(longest)) * 10) / 10

    def _run_jobs(self, jobs: list["_Job"]) -> dict[str, Outcome]:
        """Each job in its own (daemon) thread, at most `concurrency` at a time, each under its bound."""
        return _Schedule(self, [], jobs=jobs).until_done()

    def _say_waiting(self, worker: "_Worker") -> None:
        """A job running past WAIT_SHOWN_S is named once, then again every WAIT_REPEAT_S with the time left
        before it is given up: a countdown, one line at a time (the same on a terminal and in a CI log)."""
        elapsed = worker.elapsed()
        if worker.announced is None:
            if elapsed > WAIT_SHOWN_S:
                worker.announced = elapsed
                self.on_wait(f"waiting for {worker.job.label()}: gives up within {worker.job.bound_s:.0f} s")
        elif elapsed - worker.announced >= WAIT_REPEAT_S:
            worker.announced = elapsed
            left = max(0, math.ceil(worker.job.bound_s - elapsed))
            self.on_wait(f"still waiting for {worker.job.label()}: gives up in {left} s")

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
            declared = families.needs(family, check.params)
        except Exception as exc:  # a family's bug: its own items' error, never the run's crash
            return error(f"internal error while reading the family's needs: {type(exc).__name__}: {exc}")
        unknown = [need for need in declared if not _known_need(need)]
        if unknown:
            return error(f"family '{check.family}' needs '{unknown[0]}', which the engine does not "
                         f"know (it knows: {', '.join(KNOWN_NEEDS)}); fix the family's NEEDS or needs()")
        try:
            for need in declared:
                _require(target, need, check.params)
        except NotConfigured as exc:
            return skipped(str(exc))
        except GatherError as exc:  # configured, and not there: this item could not be checked
            return error(f"could not look: {exc}")
        try:
            carried = families.sends_secrets(family, check.params)
        except Exception as exc:  # a family's bug: its own items' error
            return error(f"internal error while reading the secrets the family sends: {type(exc).__name__}: {exc}")
        for what, url, secrets in _addresses(target, declared, check.params, carried):
            route = target.clear_text_route(url) if secrets else None
            if route is not None:
                return error(f"not sent: it carries {', '.join(secrets)}, and {what}'s requests would go {route}:"
                             " the secret would cross the network in clear; give it an https:// URL (or leave this"
                             " host out of the proxy: NO_PROXY)")
        return None

    def stop(self) -> None:
        """No item will be asked for any more (pytest's loop ended: done, -x, Ctrl-C): start no further job.
        Running ones end on their own, each within its bound. Under xdist, the groups this worker claimed go on
        (other workers may wait for them) until close."""
        if self._schedule is not None:
            self._schedule.stop()
        if self._asking is not None:  # other workers see that this one asks no more
            self._asking.close()
            self._asking = None

    def close(self) -> None:
        """Under xdist, first the groups this worker claimed: evaluated to their end while another worker may
        still ask for them, then given up (see _Claimed.close); then every target's connections."""
        self.stop()
        for claimed in self._claimed:
            claimed.close()
        for target in self.targets.values():
            target.close()
        # a statement cut short is cancelled on the server before the process may exit (with it, the request's
        # thread): every target's requests waited for together, within one bound — a cancel request is a connection,
        # given the connect timeout a connection is (a loaded machine or a slow link takes over a second to open one)
        ends = time.monotonic() + max((t.timeouts.connect_s for t in self.targets.values()), default=0.0)
        for target in self.targets.values():
            target.cancels_sent(ends)


class _Schedule:
    """The jobs of one evaluation in flight: started in the order their first check comes, at most
    `concurrency` at a time, each given up past its bound; a job's outcomes are available as soon as it ends.
    A job that ends starts the next one itself, so no slot idles while pytest reports outcomes it already
    has. The thread that waits for an outcome (pytest's) collects: `until(key)` gathers what has ended,
    gives up what is overdue, names what it waits for, and returns when `key` is known — and every job that
    learns secrets has ended (they start first, so that wait is short; a run without any has none).
    With `on_demand`, a mutating check's job is held back until `until` names its key: it is started (first
    in line) for the item pytest runs, never ahead of it, so a run that stops early has not sent its call."""

    def __init__(self, run: Run, checks: list[Check], *, jobs: list["_Job"] | None = None,
                 on_demand: bool = False) -> None:
        self.run = run
        if jobs is None:
            groups, self.results = run._plan(checks)
            order = {run._key(c): i for i, c in enumerate(checks)}
            jobs = sorted(run._jobs(groups), key=lambda job: (not job.learns_secrets, min(
                order[run._key(c)] for _, members in job.parts for c in members)))
        else:
            self.results = {}
        self.learners = [job for job in jobs if job.learns_secrets]
        self.keys = {run._key(c) for c in checks} | {run._key(c) for job in jobs for _, ms in job.parts for c in ms}
        self.held = [job for job in jobs if on_demand and job.mutating]  # started when their key is asked for
        self.pending = [job for job in jobs if not (on_demand and job.mutating)]
        self.running: list[_Worker] = []
        self.slots = threading.BoundedSemaphore(run.concurrency)
        self.ended = threading.Event()  # set by a worker as it ends: the waiting thread looks at once
        self._lock = threading.Lock()  # pending and running: ending workers start jobs too
        self.taken: set[str] = set()  # keys already handed out

    def until(self, key: str | None) -> dict[str, Outcome]:
        """Drive the schedule until `key`'s outcome is known and no job that learns secrets is still to end (None:
        until every job has ended); returns every outcome not handed out before — cleaned by the caller with all
        the run has learned: an outcome seen before a secret was learned may hold it."""
        if key is not None:
            self._release(key)
        return self._drive(lambda: key is not None and key in self.results and self._learners_ended())

    def _release(self, key: str) -> None:
        """The held job of `key`, asked for now: next in line."""
        with self._lock:
            asked = [job for job in self.held if key in job.keys()]
            self.held = [job for job in self.held if key not in job.keys()]
            self.pending[:0] = asked

    def until_any(self, stop: threading.Event | None = None) -> dict[str, Outcome]:
        """Drive the schedule until some outcome not handed out before is known (or every job has ended, or `stop`
        is set); returns them all: what a job's end made known, as soon as it ended."""
        # every key handed out is a result's
        return self._drive(lambda: len(self.results) > len(self.taken) or (stop is not None and stop.is_set()))

    def _drive(self, enough: Callable[[], bool]) -> dict[str, Outcome]:
        while True:
            self.ended.clear()
            self._step()
            if enough() or self.done():
                return self._fresh()
            if self.run.on_wait is not None:
                for worker in self.running:
                    self.run._say_waiting(worker)
            self.ended.wait(WAIT_POLL_S)

    def _learners_ended(self) -> bool:
        """No job that learns secrets is pending or running (one given up past its bound has ended)."""
        if not self.learners:
            return True
        with self._lock:
            busy = {id(job) for job in self.pending} | {id(worker.job) for worker in self.running}
        return not any(id(job) in busy for job in self.learners)

    def until_done(self) -> dict[str, Outcome]:
        self.until(None)
        return dict(self.results)

    def done(self) -> bool:
        with self._lock:
            return not self.pending and not self.running

    def _fresh(self) -> dict[str, Outcome]:
        fresh = {k: o for k, o in self.results.items() if k not in self.taken}
        self.taken.update(fresh)
        return fresh

    def stop(self) -> None:
        with self._lock:
            stopped, self.pending, self.held = self.pending + self.held, [], []
        for job in stopped:  # should anything still ask, it is told why (never a pass)
            for _, members in job.parts:
                for check in members:
                    self.results[self.run._key(check)] = error("could not look: the run stopped before this "
                                                               "target was asked")

    def _start_pending(self) -> None:
        """Fill the free slots with the next jobs, in order."""
        starting = []
        with self._lock:
            while self.pending and self.slots.acquire(blocking=False):
                worker = _Worker(self.pending.pop(0), self.slots, self._worker_ended)
                self.running.append(worker)
                starting.append(worker)
        # started once the lock is free: a thread's start waits until it runs, and the thread that collects outcomes
        # (`_step`) and every job that ends would wait for that lock meanwhile (not started, a worker is not overdue)
        for worker in starting:
            worker.start()

    def _worker_ended(self) -> None:
        self.ended.set()
        self._start_pending()

    def _step(self) -> None:
        self._start_pending()
        with self._lock:
            running = list(self.running)
        for worker in running:
            if worker.done.is_set():
                self.results.update({self.run._key(c): o for c, o in worker.outcomes})
            elif worker.overdue():
                worker.abandon()
                reason = (f"could not look: no answer within the bound of {worker.job.bound_s:g} s "
                          f"(computed from the environment's timeouts); the target's conversation was abandoned")
                finished = dict(worker.outcomes)
                for _, members in worker.job.parts:
                    for check in members:
                        self.results[self.run._key(check)] = finished.get(check) or replace(error(
                            reason, cause="deadline", cause_detail=reason), duration_s=worker.job.bound_s)
            else:
                continue
            with self._lock:
                self.running.remove(worker)
        self._start_pending()  # into the slots of abandoned jobs


@dataclass
class _Job:
    target: Target
    parts: list[tuple[Any, list[Check]]]  # (family module, its checks), run in turn
    bound_s: float
    closes_database: bool = False

    @property
    def learns_secrets(self) -> bool:
        return any(_learns_secrets(module) for module, _ in self.parts)

    @property
    def mutating(self) -> bool:
        """A mutating check's own job (see Run._jobs)."""
        return any(check.mutating for _, checks in self.parts for check in checks)

    def keys(self) -> set[str]:
        return {Run._key(check) for _, checks in self.parts for check in checks}

    def label(self) -> str:
        names = ", ".join(module.NAME for module, _ in self.parts)
        return f"{self.target.system} database ({names})" if self.closes_database else f"{self.target.system} {names}"


class _Worker(threading.Thread):
    """One job's gathers and judgements. A daemon: a conversation that outlives its bound is abandoned,
    never waited for at exit."""

    def __init__(self, job: _Job, slots: threading.BoundedSemaphore, on_end: Callable[[], None]):
        super().__init__(daemon=True, name=f"opsverify-{job.target.system}")
        self.job = job
        self.slots = slots
        self.on_end = on_end  # the schedule's: wakes the waiting thread, starts the next job
        self.outcomes: list[tuple[Check, Outcome]] = []
        self.done = threading.Event()
        self.started_at = 0.0
        self.announced: float | None = None  # when it was last named on the console (its elapsed time)
        self._slot_lock = threading.Lock()
        self._slot_held = True

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            self._check()
        except BaseException as exc:  # nothing escapes a worker: an item it did not answer would be missing later
            self._unanswered(f"internal error while checking: {type(exc).__name__}: {exc}")
        finally:
            try:
                if self.job.closes_database:
                    self.job.target.close_database()
            finally:
                self.done.set()
                self._release()
                self.on_end()

    def _check(self) -> None:
        asked_s = _ask_ahead(self.job.target, self.job.parts) if self.job.closes_database else 0.0
        for family, checks in self.job.parts:
            outcomes = gather_and_judge(self.job.target, family, checks)
            # the shared round trip is part of every item's gather time
            self.outcomes += [(check, replace(outcome, duration_s=outcome.duration_s + asked_s))
                              for check, outcome in zip(checks, outcomes, strict=True)]

    def _unanswered(self, reason: str) -> None:
        """Every item of the job without an outcome yet ends as an error saying why (never a pass)."""
        answered = {id(check) for check, _ in self.outcomes}
        self.outcomes += [(check, replace(error(reason), duration_s=self.elapsed()))
                          for _, checks in self.job.parts for check in checks if id(check) not in answered]

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at if self.started_at else 0.0

    def overdue(self) -> bool:
        return bool(self.started_at) and time.monotonic() - self.started_at > self.job.bound_s + JUDGE_SLACK_S

    def abandon(self) -> None:
        self._release()  # its slot goes to the next job; the thread may finish (or not) on its own

    def _release(self) -> None:
        with self._slot_lock:
            if self._slot_held:
                self._slot_held = False
                self.slots.release()


class _SharedGroups:
    """Under xdist: claim unclaimed groups in a run-private folder, evaluate them in the background (_Claimed),
    publishing each group's outcomes as soon as its job ends; an item is reported once its own group is done, by
    this worker or by the one that claimed it. A mutating check is a group of its own
    (`<system>+<family>+<key>`), claimed only by a worker asked for its item: xdist runs each item on one
    worker, so its call is sent once, and only for an item that is reported.

    Per group the folder holds a lock that the worker evaluating it holds (`<group>.claim`: free once that worker
    is gone, killed or not) and, once published, its outcomes (`<group>.json`); `claims.json` says which worker (pid)
    evaluates each group, `deadlines.json` until when it may take (see `_record`). Each worker holds a lock
    (`asking-<pid>-<n>.lock`) while it may still ask for outcomes: a worker whose own items are done evaluates its
    groups to their end only while another may still need them (_Claimed.close).

    Every group publishes, just before its outcomes, the secrets its worker's redactor knows (`<group>.secrets`): a
    worker reporting a group's outcomes learns them first, so it cleans them as the worker that evaluated them did (a
    gather may register values of its own: the cron family's near misses of a secret). A group whose family learns
    secrets from its target is waited for as well: before reporting any outcome, a worker waits for every such group
    of the selection and learns what they learned; the master learns every group's before it writes the archive
    (`learn_shared_secrets`). Outcomes and secrets are sealed on disk (`secrets.sealed`): an outcome published before
    a secret was learned may hold it, and a folder left by a killed run is read by no one."""

    def __init__(self, run: Run, shared: Path):
        self.run = run
        self.shared = shared

    @staticmethod
    def _name(check: Check) -> str:
        """A (system, family) group's name; a mutating check is a group of its own, claimed only when asked for."""
        # `+` is in no system name, family or item key (checklist patterns): two groups can never share a name,
        # which `--` allowed (system a's item x--http--b and system a--http--x's item b)
        group = f"{check.system}+{check.family}"
        return f"{group}+{check.key}" if check.mutating else group

    def outcomes(self, wanted: Iterable[Check], check: Check) -> dict[str, Outcome]:
        """`check`'s group's outcomes, and every other one known here by now: the groups no worker had claimed are
        claimed and evaluated in the background (_Claimed), and this returns once the asked group is done — not
        once the slowest of them is."""
        self._ask()
        needed = self._name(check)
        by_group: dict[str, list[Check]] = defaultdict(list)  # in the order the items come
        for c in wanted:  # a mutating check other than the one asked for waits for the worker xdist gives it to
            if not c.mutating or self._name(c) == needed:
                by_group[self._name(c)].append(c)
        mine = self._claim(by_group)
        if mine:
            self._evaluate(mine, by_group)
        self._say_warnings()
        results = self._wait_for(needed, by_group[needed])
        learners = [name for name, members in by_group.items() if _learns_secrets(families.get(members[0].family))]
        for name in learners:  # before any outcome is reported: every learner group has ended
            if name != needed:
                results.update(self._wait_for(name, by_group[name]))
        for claimed in self.run._claimed:  # what this worker's other groups have found by now
            results.update({key: o for key, o in claimed.known().items() if key not in self.run._outcomes})
        for name in dict.fromkeys([needed, *learners]):  # ... and what the workers that evaluated them knew is known
            if self._own(name):  # here (this worker's redactor learned its own groups' secrets as it evaluated them)
                continue
            try:
                self._learn(name)
            except SharedFileAltered as exc:  # what it learned is unknown: any outcome here could show a secret
                said = error(f"could not look: {exc}; no outcome is shown that could hold a secret it held")
                return {key: said for key in results}
        return results

    def _evaluate(self, claimed: dict[str, IO[str]], by_group: dict[str, list[Check]],
                  decided: dict[str, Outcome] | None = None) -> "_Claimed":
        """Evaluate the claimed groups (all but the outcomes already `decided`) in the background, publishing each
        as soon as its job ends: a worker killed while its slowest group runs has lost none of the others, and
        nobody asks their targets again. A group's claim (its lock) ends as it is published."""
        evaluating = _Claimed(self, claimed, by_group, decided)
        self.run._claimed.append(evaluating)
        return evaluating

    def _own(self, name: str) -> bool:
        return any(name in claimed.members for claimed in self.run._claimed)

    def _ask(self) -> None:
        """Hold this worker's `asking-*.lock` while it may still ask for outcomes (until Run.stop): a worker that
        ends evaluates the groups it claimed to their end while another still holds one (_Claimed.close)."""
        if self.run._asking is None:
            self.run._asking = hold_asking(self.shared, f"{os.getpid()}-{id(self.run)}")

    def anyone_asking(self) -> bool:
        """Whether some worker of the run may still ask for outcomes (holds its `asking-*.lock`), or xdist's
        controller may still hand out items (holds `asking-controller-*.lock`, see plugin.ControllerAsks)."""
        for path in self.shared.glob("asking-*.lock"):
            try:
                handle = open(path)
            except OSError:  # gone with the folder: nobody asks
                continue
            with handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
        return False

    def _say_warnings(self) -> None:
        """What this worker found to warn about (a checker role that could write), for the controller to say: from
        the thread that asks and from the background's, whole or not at all."""
        warnings = self.run.warnings
        if warnings:
            with _WARNINGS_WRITTEN:
                self._write_registry(f"warnings-{os.getpid()}.json", warnings)  # type: ignore[arg-type]

    @contextmanager
    def _registry(self) -> Iterator[None]:
        """claims.json and deadlines.json are changed (a claim, a takeover) and read (a waiter's deadline) under this
        lock: a group taken over is seen with its new deadline."""
        with open(self.shared / "claims.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if we crash
            yield

    def _read_registry(self, name: str) -> dict[str, Any]:
        path = self.shared / name
        return json.loads(path.read_text()) if path.exists() else {}

    def _write_registry(self, name: str, entries: dict[str, Any]) -> None:
        path = self.shared / name
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(entries))
        partial.replace(path)

    def _record(self, names: Iterable[str], checks: list[Check]) -> None:
        """Note, under the registry's lock, that this worker evaluates the groups `names` from now on, and its
        deadline for them: the bound of all it evaluates now (`checks`), the worst case before the last of them is
        published, which the run's printed bound covers. The time is this machine's monotonic clock, which every
        worker of the run reads alike."""
        names = list(names)
        claims, deadlines = self._read_registry("claims.json"), self._read_registry("deadlines.json")
        claims.update(dict.fromkeys(names, os.getpid()))
        deadlines.update(dict.fromkeys(names, {"since": time.monotonic(), "bound_s": self.run.bound(checks)}))
        self._write_registry("deadlines.json", deadlines)
        self._write_registry("claims.json", claims)

    def _claim(self, by_group: dict[str, list[Check]]) -> dict[str, IO[str]]:
        """The groups no worker has claimed yet, each held by a lock on its own file while it is evaluated: a
        worker that dies (killed, out of memory) releases it, and a waiter takes the group over."""
        with self._registry():
            taken = self._read_registry("claims.json")
            mine = {name: self._hold(name) for name in by_group if name not in taken}
            if mine:
                self._record(mine, [c for name in mine for c in by_group[name]])
        return mine

    def _hold(self, name: str, wait: bool = True) -> IO[str] | None:
        held = open(self.shared / f"{name}.claim", "a")
        try:
            fcntl.flock(held, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:  # its worker holds it: still evaluating
            held.close()
            return None
        return held

    def _publish(self, name: str, outcomes: dict[str, Outcome]) -> None:
        self._write_sealed(f"{name}.json", {key: {**asdict(o), "status": o.status.value} for key, o in outcomes.items()})

    def _write_sealed(self, filename: str, payload: Any) -> None:
        """Whole or not at all (a waiter sees the file once it is complete), and sealed."""
        partial = self.shared / f"{filename}.partial"
        partial.write_bytes(sealed(json.dumps(payload, default=str).encode(), filename))
        partial.replace(self.shared / filename)

    def _learn(self, name: str) -> None:
        """What the worker that evaluated the learner group `name` had learned when it published it (none: the group
        was given up, its items are errors), learned here; the caller cleans the outcomes again."""
        learned = self.shared / f"{name}{LEARNED}"
        if learned.exists():  # an altered one raises SharedFileAltered: no outcome is reported without its secrets
            self.run.redactor.learn_known(_read_sealed(learned))

    def _wait_for(self, name: str, members: list[Check]) -> dict[str, Outcome]:
        """The group's published outcomes, waited for while the worker evaluating it lives (holds its lock) and is
        within its bound for all it evaluates (`_record`): a group queued behind that worker's others starts late
        and is no less healthy for it. A worker gone before publishing has released the lock: this worker takes
        the group over. A group this worker evaluates is waited for here, in memory."""
        for claimed in self.run._claimed:
            if name in claimed.members:
                found = claimed.outcomes_of(name)
                if found is not None:
                    return found
        answer = self.shared / f"{name}.json"
        while not answer.exists():
            with self._registry():
                held = self._hold(name, wait=False)
                orphaned = held is not None and not answer.exists()  # else published just now, or still evaluated
                if orphaned:
                    self._record([name], [c for c in members if not self._may_have_sent(c)])
                deadline = self._read_registry("deadlines.json")[name]
            if orphaned:
                return self._take_over(name, held, members)
            if held is not None:
                held.close()
                break
            if time.monotonic() > deadline["since"] + deadline["bound_s"]:
                return self._late(members, deadline["bound_s"])
            time.sleep(WAIT_POLL_S)
        return self._read(answer, members)

    def _take_over(self, name: str, held: IO[str], members: list[Check]) -> dict[str, Outcome]:
        """The group of a worker that stopped before publishing it. Its read-only items are evaluated again; a
        mutating one is not — its call may have been sent — and ends as error saying what may have been sent."""
        not_repeated = {}
        for check in members:
            if self._may_have_sent(check):
                said = f"could not look: the worker running it stopped after it may have sent {self._call(check)}"
                not_repeated[Run._key(check)] = error(f"{said}; not repeated").redacted(self.run.redactor)
        return self._evaluate({name: held}, {name: members}, decided=not_repeated).outcomes_of(name) or {}

    def _may_have_sent(self, check: Check) -> bool:
        return check.mutating and self.run._prescreen(check) is None  # a refused or unconfigured one never was

    def _call(self, check: Check) -> str:
        """What a mutating item sends, where its params say (`method`, `service`, `path`: cron, http); else its
        family's call to its system."""
        params = check.params
        service, path, method = (getattr(params, name, None) for name in ("service", "path", "method"))
        if isinstance(service, str) and isinstance(path, str):
            with suppress(NotConfigured):
                url = self.run.targets[check.system].url(service, path)
                return f"{method} {url}" if isinstance(method, str) else f"a request to {url}"
        return f"its {check.family} call to {check.system}"

    @staticmethod
    def _late(members: list[Check], bound_s: float) -> dict[str, Outcome]:
        reason = (f"could not look: the worker evaluating this group published no outcome within its bound of "
                  f"{bound_s:g} s (computed from the environment's timeouts)")
        return {Run._key(c): replace(error(reason, cause="deadline", cause_detail=reason), duration_s=bound_s)
                for c in members}

    @staticmethod
    def _read(answer: Path, members: list[Check] | None = None) -> dict[str, Outcome]:
        try:
            stored = _read_sealed(answer)
        except SharedFileAltered as exc:  # its outcomes cannot be trusted: its items were not seen to be checked
            return {Run._key(c): error(f"could not look: {exc}") for c in members or []}
        return {key: Outcome(Status(o["status"]), o["expected"], o["observed"], o["evidence"], o["remediation"],
                             o.get("duration_s", 0.0))
                for key, o in stored.items()}


class _Claimed:
    """Groups this worker claimed (see _SharedGroups), evaluated in a thread of their own and each published as soon
    as its job ends: the worker reports an item once its own group is done, while its slower groups go on — as
    `_Schedule.until` does without xdist. The claim of a group ends as it is published, or at `close`."""

    def __init__(self, groups: _SharedGroups, claimed: dict[str, IO[str]], by_group: dict[str, list[Check]],
                 decided: dict[str, Outcome] | None = None) -> None:
        self.groups = groups
        self.members = {name: by_group[name] for name in claimed}
        self.results: dict[str, Outcome] = dict(decided or {})
        self.unpublished = dict(claimed)
        self.changed = threading.Condition()  # a group done, the evaluation over, or given up
        self.stopping = threading.Event()
        self.ended = False
        self.given_up = False
        checks = [c for members in self.members.values() for c in members if Run._key(c) not in self.results]
        self.thread = threading.Thread(target=self._evaluate, args=(checks,), daemon=True, name="opsverify-claimed")
        self.thread.start()

    def _evaluate(self, checks: list[Check]) -> None:
        try:
            self._completed({})  # a group decided whole already (a mutating item taken over) is published at once
            self._completed(self.groups.run.evaluate(checks, self._completed, self.stopping))
        except BaseException as exc:  # nothing escapes: a waiter would wait for its group until the deadline
            reason = f"internal error while checking: {type(exc).__name__}: {exc}"
            with suppress(Exception):
                self._completed({Run._key(c): error(reason) for members in self.members.values() for c in members
                                 if Run._key(c) not in self.results})
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    def _completed(self, fresh: dict[str, Outcome]) -> None:
        """Outcomes come in (redacted): every group now whole is published, and its claim released."""
        with self.changed:
            if self.given_up:  # the session is over: nothing more is written for it
                return
            self.results.update(fresh)
            try:
                for name in [n for n in self.unpublished if self._whole(n)]:
                    members = self.members[name]
                    # what this worker's redactor knows, there before the outcomes: a worker reporting them cleans
                    # them with it too — a learner group's secrets, and what any gather registered as it asked (the
                    # cron family's near misses of a secret), else two workers would show one outcome two ways
                    self.groups._write_sealed(f"{name}{LEARNED}", self.groups.run.redactor.known())
                    self.groups._publish(name, {Run._key(c): self.results[Run._key(c)] for c in members})
                    self.unpublished.pop(name).close()
            finally:
                self.changed.notify_all()
        self.groups._say_warnings()  # a database's found once its session opened

    def _whole(self, name: str) -> bool:
        return all(Run._key(c) in self.results for c in self.members[name])

    def outcomes_of(self, name: str) -> dict[str, Outcome] | None:
        """The group's outcomes, once its job has ended (None: given up at close; its claim was released)."""
        with self.changed:
            while not self._whole(name) and not self.ended and not self.given_up:
                self.changed.wait(WAIT_REPEAT_S)  # woken as each job ends; the timeout only re-checks
            if not self._whole(name) and self.given_up:
                return None
            stopped = error("could not look: the run stopped before this target was asked")
            return {Run._key(c): self.results.get(Run._key(c), stopped) for c in self.members[name]}

    def known(self) -> dict[str, Outcome]:
        with self.changed:
            return dict(self.results)

    def close(self) -> None:
        """The session ends. While another worker may still ask (holds its `asking-*.lock`: the items xdist gave it
        may need these groups), or xdist's controller may still hand out items (a worker that has not asked yet may
        need them), the groups are evaluated to their end, each within its bound. Then what is left is given up: no
        further job starts, nothing more is published, and the claims still held are released — a worker that did
        ask later would take such a group over, never wait on it (Ctrl-C, -x: nobody does)."""
        while not self.ended and not self.given_up and self.groups.anyone_asking():
            self.thread.join(WAIT_POLL_S * 10)
        with self.changed:
            self.given_up = True
            self.stopping.set()
            for held in self.unpublished.values():
                held.close()
            self.unpublished.clear()
            self.changed.notify_all()
        self.thread.join(GIVE_UP_S)  # its schedule stopped (no job starts after the targets close), in milliseconds


def hold_asking(shared: Path, who: str) -> IO[str]:
    """`asking-<who>.lock` in the shared folder, held (until the handle closes): its holder may still ask for outcomes
    (see _SharedGroups.anyone_asking). The file is locked before it has its name, so a file seen is one held (or
    released: its holder asks no more)."""
    making = shared / f".asking-{who}"
    handle = open(making, "a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    making.replace(shared / f"asking-{who}.lock")
    return handle


def _learns_secrets(family: Any) -> bool:
    """Whether a family learns secrets from its targets mid-run (its module says `LEARNS_SECRETS = True`)."""
    return bool(getattr(family, "LEARNS_SECRETS", False))


class SharedFileAltered(GatherError):
    """A file of the run-private folder does not open under the run's key: changed (or swapped) while the run ran."""


def _read_sealed(path: Path) -> Any:
    from cryptography.exceptions import InvalidTag

    try:
        return json.loads(unsealed(path.read_bytes(), path.name))
    except (InvalidTag, ValueError) as exc:  # a flipped byte, a truncated file, another file's content
        raise SharedFileAltered(f"the run-private file {path.name} was altered while the run ran (it does not open "
                                f"under the run's key: {type(exc).__name__})") from None


def learn_shared_secrets(shared: Path | None, redactor: Redactor) -> None:
    """What the learner groups xdist workers evaluated had learned (see _SharedGroups): the master's redactor learns
    it before the archive and the summary are written. SharedFileAltered if a file of them does not open."""
    if shared is None or not shared.is_dir():
        return
    for path in sorted(shared.glob(f"*{LEARNED}")):
        redactor.learn_known(_read_sealed(path))


def shared_warnings(shared: Path | None) -> list[str]:
    """The warnings xdist workers found (see _SharedGroups)."""
    if shared is None or not shared.is_dir():
        return []
    return sorted({w for path in shared.glob("warnings-*.json") for w in json.loads(path.read_text())})


def _ask_ahead(target: Target, parts: list[tuple[Any, list[Check]]]) -> float:
    """Every statement the job's families will send, in one round trip; each answer waits for its gather.
    Whatever goes wrong here is left to the gathers: each asks what it lacks, and reports its own trouble.
    Returns the seconds it took."""
    started = time.perf_counter()
    statements = []
    for family, checks in parts:
        try:
            statements += families.database_statements(family, target, checks)
        except Exception:  # its gather fails the same way, as its checks' outcomes
            continue
    try:
        if statements:
            target.database.prefetch(statements)
    except Exception:  # never lose a job's outcomes to asking ahead
        pass
    return time.perf_counter() - started


def gather_and_judge(target: Target, family: Any, checks: list[Check]) -> list[Outcome]:
    """One family's conversation with one target, then a pure verdict per check, in checklist order.
    A failure to gather is every check's *error* (never a pass); a bug in a judge is that check's error.
    Each outcome carries its duration: the group's gather time (one conversation for all) plus its own judge time."""
    started = time.perf_counter()
    try:
        facts = family.gather(target, checks)
    except NotConfigured as exc:
        not_gathered = [skipped(exc.message or str(exc)) for _ in checks]
    except DatabaseUnavailable as exc:
        not_gathered = [error(f"could not look: {exc.message}", cause=exc.kind, cause_detail=exc.message)
                        for _ in checks]
    except OpsverifyError as exc:
        reason = exc.message or str(exc)
        not_gathered = [error(f"could not look: {reason}") for _ in checks]
    except Exception as exc:  # a bug in a family must not pass anything
        not_gathered = [error(f"internal error while gathering: {type(exc).__name__}: {exc}") for _ in checks]
    else:
        not_gathered = None
    gathered_s = time.perf_counter() - started
    if not_gathered is not None:
        return [replace(o, duration_s=gathered_s) for o in not_gathered]
    results = []
    for check in checks:
        judged = time.perf_counter()
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
        if not isinstance(outcome, Outcome):  # a family's bug, not a verdict: never a pass, never a dead worker
            outcome = error(f"internal error while judging: the family's judge returned {type(outcome).__name__}, "
                            "not an Outcome")
        if not outcome.remediation and check.remediation and outcome.status is Status.FAILED:
            outcome = Outcome(outcome.status, outcome.expected, outcome.observed, outcome.evidence, check.remediation)
        outcome = _with_cause(outcome, target)
        results.append(replace(outcome, duration_s=gathered_s + time.perf_counter() - judged))
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


KNOWN_NEEDS = ("database", "url", "env", "repo", "endpoint:<name>", "provider:<name>", "secret:<name>")


def _known_need(need: Any) -> bool:
    if not isinstance(need, str):
        return False
    kind, named, name = need.partition(":")
    return f"{kind}:<name>" in KNOWN_NEEDS and bool(name) if named else need in KNOWN_NEEDS


def _addresses(target: Target, declared: Iterable[str], params: Any,
               carried: tuple[str, ...]) -> Iterator[tuple[str, str | None, tuple[str, ...]]]:
    """(what, its URL, the secrets a request to it carries) of each address an item's requests go to: its service
    (the secrets the family sends, and one its URL holds), each endpoint it names (one its URL holds: an RPC key),
    each platform API (its token)."""
    for need in declared:
        kind, _, name = need.partition(":")
        if need == "url":
            service = getattr(params, "service", None)
            url = target.service_url(service)
            held = ("the secret in its URL",) if target.url_holds_a_secret(url) else ()
            yield f"service {service}", url, (*carried, *held)
        elif kind == "endpoint":
            url = target.config.endpoints.get(name)
            yield f"endpoint {name}", url, ("the secret in its URL",) if target.url_holds_a_secret(url) else ()
        elif kind == "provider":
            url = (target.config.providers.get(name) or {}).get("base_url")
            yield f"providers.{name}", url, (f"the {name} token",)


def _require(target: Target, need: str, params: Any) -> None:
    if need == "database":
        target.require_database()
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
