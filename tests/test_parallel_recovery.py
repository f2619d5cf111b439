"""Workers that share a run's groups (xdist) keep its promises when one of them dies or falls behind:
each group's outcomes are published as soon as its job ends, so a killed worker's finished calls are
never sent again; a read-only group it left unfinished is evaluated again, a mutating call it was sending is not;
a waiter waits as long as the worker evaluating its group lives and is within that worker's bound; and
workers started with `--tx` share their groups as those started with `-n` do.

The targets here answer when the test lets them, and the clocks the waiters read are the test's: no verdict
depends on how fast the machine is."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest

from opsverify import families, provenance
from opsverify.checklist import Cadence, Check, Severity, load_checklists
from opsverify.engine import Run, _SharedGroups
from opsverify.environment import load_environment
from opsverify.outcome import Status

from .helpers import UNUSED_PLUGINS
from .kit import route_server
from .project import Project, Ran

CRON_SECRET = "recovery-cron-secret-0123456789"
SIGNED = f"Bearer {CRON_SECRET}"


# -- a target that counts every request, and holds some until the test lets them answer ----------------------
@contextmanager
def counting_target(*held: tuple[str, bool]) -> Iterator[SimpleNamespace]:
    """An HTTP target on 127.0.0.1 logging (path, signed) per request: `/cron/<x>` answers 200 with the cron
    secret and 401 without; any other path 200 {"ok": true}. A request matching a `held` (path, signed) waits
    for `release`; `arrived` is set once every held request has come at least once."""
    asked: list[tuple[str, bool]] = []
    lock = threading.Lock()
    release, arrived = threading.Event(), threading.Event()

    def answer(path: str):
        def handle(headers, _body):
            signed = headers.get("authorization") == SIGNED
            with lock:
                asked.append((path, signed))
                if all((p, s) in asked for p, s in held):
                    arrived.set()
            if (path, signed) in held:
                release.wait(60)
            if path.startswith("/cron/"):
                return (200, "{}") if signed else (401, "{}")
            return 200, '{"ok": true}'
        return handle

    paths = ["/shop/h1", "/shop/h2", "/cron/shop", "/hold", "/cron/zjobs", *(f"/s{n}" for n in range(1, 9))]
    with route_server({("GET", path): answer(path) for path in paths}) as base:
        target = SimpleNamespace(url=base, asked=asked, release=release, arrived=arrived)
        try:
            yield target
        finally:
            release.set()


def _counts(target: SimpleNamespace) -> Counter:
    return Counter(target.asked)


# -- a team's project under xdist ---------------------------------------------------------------------
def _cron(system: str) -> str:
    return f"""
    - {{id: CR1, name: rejects, section: Cron, title: cron rejects callers without the secret, family: cron,
       cadence: postdeploy, params: {{service: web, path: /cron/{system}, secret: CRON_SECRET}}}}
    - {{id: CR2, name: runs, section: Cron, title: cron runs with the secret, family: cron, cadence: postdeploy,
       mutating: true, params: {{service: web, path: /cron/{system}, secret: CRON_SECRET, with_secret: true}}}}
    """


def _project(root: Path, base: str) -> Project:
    """shop (two http items, a cron pair), zjobs (a cron pair) and zslow (one http item) on one target. The
    checklists sort shop first, so the worker that claims the read-only groups does so at one of shop's items; and
    zslow last, so the other worker reaches zjobs' mutating item before it waits for zslow's page."""
    project = Project(root, {"TARGET_URL": base, "CRON_SECRET": CRON_SECRET})
    project.checklist("shop", """
    - {id: H1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
       params: {service: web, path: /shop/h1, status: 200}}
    - {id: H2, name: status, section: Web, title: status answers, family: http, cadence: postdeploy,
       params: {service: web, path: /shop/h2, status: 200}}
    """ + _cron("shop"))
    project.checklist("zslow", """
    - {id: H1, name: slow, section: Web, title: the slow page answers, family: http, cadence: postdeploy,
       params: {service: web, path: /hold, status: 200}}
    """)
    project.checklist("zjobs", _cron("zjobs"))
    system = '{services: {web: {url: "${TARGET_URL}"}}, secrets: {CRON_SECRET: "${CRON_SECRET}"}}'
    project.environment(f"""allow_mutating: true
timeouts: {{connect_s: 2, http_s: 120}}
systems:
  shop: {system}
  zjobs: {system}
  zslow: {system}
""")
    return project


@contextmanager
def started(project: Project, *args: str, tmp: Path) -> Iterator[subprocess.Popen]:
    """`python -m pytest ARGS` in the project, in the background, its temporary files (the workers' shared
    folder) under `tmp`; the whole process group is ended on exit."""
    tmp.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    environ.update(project.variables, TMPDIR=str(tmp))
    process = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", *args],
                                cwd=project.root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ,
                               start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


def _eventually(condition, what: str, within_s: float = 60) -> None:
    """Wait for something that happens within milliseconds when the code is right (`within_s` only turns a
    wrong answer into a failure instead of a hang)."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_killed_worker_repeats_nothing_it_finished_and_no_mutating_call(tmp_path):
    """One worker claims every read-only group at its first item and evaluates them in the background; it is
    SIGKILLed while zslow's page is unanswered, and so is the worker sending zjobs' signed cron call (the same worker,
    or the other: xdist decides who runs the item). shop's and zjobs' read-only groups, done, were published and are
    not asked again; zjobs' cron run, which may have happened, is not sent again — its item is an error saying its
    worker stopped. zslow's page is asked again by the worker that takes its group over, unless its item was running
    on a killed worker: then that item is an error saying so, and nobody asks again."""
    with counting_target(("/hold", False), ("/cron/zjobs", True)) as target:
        project = _project(tmp_path / "project", target.url)
        with started(project, "-m", "postdeploy", "--env", "local", "-n", "2", tmp=tmp_path / "tmp") as run:
            assert target.arrived.wait(60), "the held requests never came"
            (shared,) = (tmp_path / "tmp").glob("opsverify-shared-*")
            published = {"shop+http.json", "shop+cron.json", "zjobs+cron.json"}
            _eventually(lambda: published <= {p.name for p in shared.iterdir()},
                        "the read-only groups ended, but were not published while the worker's other groups ran")
            claims = json.loads((shared / "claims.json").read_text())
            assert "zjobs+cron+CR2-runs" in claims and "shop+cron" in claims, claims  # the mutating one: its own
            reader, sender = claims["zslow+http"], claims["zjobs+cron+CR2-runs"]  # group -> its worker's pid
            assert claims["zjobs+cron"] == claims["shop+http"] == reader, claims
            for pid in {reader, sender}:
                os.kill(pid, signal.SIGKILL)
            target.release.set()  # for the page's second asking; the killed workers' calls are gone with them
            output, _ = run.communicate(timeout=240)
    asked = _counts(target)
    assert asked[("/shop/h1", False)] == asked[("/shop/h2", False)] == 1, asked
    # once each, as run serially: none (as the scheduler, and as anyone), a wrong one, the near miss, the secret cut
    # at its end and at its start (each as is and changed), the 4 unset words
    assert asked[("/cron/shop", True)] == 1 and asked[("/cron/shop", False)] == 12, asked
    assert asked[("/cron/zjobs", True)] == 1, asked  # the mutating call: never sent again
    assert asked[("/cron/zjobs", False)] == 12, asked  # its read-only item's group was published: not asked again
    ran = Ran(subprocess.CompletedProcess(run.args, run.returncode, output, ""), 0.0, project.root)
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    rows = {(row["system"], row["key"]): row for row in results["checks"] if row.get("key")}
    assert rows["zjobs", "CR2-runs"]["status"] == "error", output[-3000:]
    assert rows["zjobs", "CR2-runs"]["observed"].startswith(  # a mutating item: its call may be out
        "could not look: the worker running it stopped after it may have sent its call (not repeated)"), rows
    assert rows["zjobs", "CR1-rejects"]["status"] == "passed", output[-3000:]
    slow = rows["zslow", "H1-slow"]
    if slow["status"] == "passed":  # asked by a live worker: read-only, unfinished, so asked again
        assert asked[("/hold", False)] == 2, asked
    else:  # its item ran on a killed worker: not checked, and said so
        assert slow["observed"].startswith("could not look: the worker running it stopped ("), slow
        assert asked[("/hold", False)] == 1, asked


def test_a_mutating_check_whose_worker_stopped_is_not_sent_again(tmp_path):
    """Asked for the same mutating check after the worker that claimed it stopped before publishing it (each item
    on each worker), a worker does not send its call again: it may have been sent; the item is an error saying
    so."""
    with counting_target() as target:
        (tmp_path / "local.yaml").write_text(
            f"name: local\nallow_mutating: true\nsystems:\n  zjobs: {{services: {{web: {{url: '{target.url}'}}}},"
            f" secrets: {{CRON_SECRET: '{CRON_SECRET}'}}}}\n", encoding="utf-8")
        env = load_environment(tmp_path, "local")
        project = _project(tmp_path / "project", target.url)
        (check,) = [c for c in load_checklists(project.root / "checklists") if c.system == "zjobs" and c.mutating]
        shared = tmp_path / "shared"
        shared.mkdir()
        stopped, asking = Run(env), Run(env)
        try:
            groups = _SharedGroups(stopped, shared)
            claimed = groups._claim({groups._name(check): [check]})
            for held in claimed.values():  # its worker gone: the claim's lock released, nothing published
                held.close()
            outcome = asking.outcome(check, [check], shared=shared)
        finally:
            stopped.close()
            asking.close()
    assert _counts(target) == Counter(), target.asked
    assert outcome.status is Status.ERROR
    assert outcome.observed == (f"could not look: the worker running it stopped after it may have sent GET "
                                f"{target.url}/cron/zjobs; not repeated"), outcome.observed


# -- a waiter whose group is queued behind others ----------------------------------------------------------
def _page(system: str, path: str) -> Check:
    return Check(system=system, id="H1", name="page", section="Web", title="the page answers", family="http",
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=False, remediation="", reason="",
                 params=families.params_model("http").model_validate({"service": "web", "path": path, "status": 200}))


def _queue(folder: Path, base: str) -> tuple[list[Check], object]:
    """Six systems, one page each, checked one at a time (`concurrency: 1`): s1's page first, which the target
    holds; s6's last."""
    systems = "".join(f"  s{n}: {{services: {{web: {{url: '{base}'}}}}}}\n" for n in range(1, 7))
    (folder / "local.yaml").write_text(f"name: local\nconcurrency: 1\ntimeouts: {{connect_s: 1, http_s: 30}}\n"
                                       f"systems:\n{systems}", encoding="utf-8")
    checks = [_page("s1", "/hold"), *(_page(f"s{n}", f"/s{n}") for n in range(2, 7))]
    return checks, load_environment(folder, "local")


class WaiterClock:
    """time.monotonic as the waiting worker reads it: after its first three readings it runs `jump` seconds ahead
    (every other thread reads the real clock). `jumped` counts the readings since."""

    def __init__(self, jump: float) -> None:
        self.real = time.monotonic
        self.jump = jump
        self.thread: threading.Thread | None = None
        self.readings = 0
        self.jumped = 0

    def __call__(self) -> float:
        now = self.real()
        if threading.current_thread() is not self.thread:
            return now
        self.readings += 1
        if self.readings <= 3:
            return now
        self.jumped += 1
        return now + self.jump


def _in_thread(call) -> tuple[threading.Thread, dict]:
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("outcome", call()), daemon=True)
    return thread, box


def _claimer_and_waiter(tmp_path, monkeypatch, target, jump_past) -> tuple[dict, dict, float]:
    """Two workers of one run: the claimer takes every group and works through them one at a time; the waiter
    needs s6's, the last. The waiter's clock jumps `jump_past(claimer's bound, waiter's old deadline)` seconds
    ahead while it waits; then the held page answers. Returns both outcomes and the claimer's bound."""
    checks, env = _queue(tmp_path, target.url)
    shared = tmp_path / "shared"
    shared.mkdir()
    claimer, waiter = Run(env), Run(env)
    whole = claimer.bound(checks)  # all of the claimer's groups, one after another
    own_deadline = waiter.bound(checks[-1:]) * 2 + 10  # what a waiter gave its own group
    assert whole > own_deadline + 30, (whole, own_deadline)  # room between the claim and the waiter's first look
    clock = WaiterClock(jump_past(whole, own_deadline))
    monkeypatch.setattr(time, "monotonic", clock)
    try:
        first, first_box = _in_thread(lambda: claimer.outcome(checks[0], checks, shared=shared))
        first.start()
        assert target.arrived.wait(60), "the claimer never asked for s1's page"
        last, last_box = _in_thread(lambda: waiter.outcome(checks[-1], checks, shared=shared))
        clock.thread = last
        last.start()
        # it looked at the jumped clock, and then gave up or looked again
        _eventually(lambda: clock.jumped >= 2 or (clock.jumped and not last.is_alive()), "the waiter never looked")
        target.release.set()
        for thread in (first, last):
            thread.join(60)
        assert not first.is_alive() and not last.is_alive()
    finally:
        target.release.set()
        claimer.close()
        waiter.close()
    return first_box, last_box, whole


def test_a_waiter_waits_for_a_live_worker_as_long_as_its_bound_allows(tmp_path, monkeypatch):
    """Its own group's bound (twice, plus 10 s) has passed while s6's group waited its turn behind s1's slow page:
    the claimer is alive and within its bound for everything it claimed, so the waiter goes on waiting, and s6's
    page passes — as it does without xdist."""
    with counting_target(("/hold", False)) as target:
        claimer, waiter, _ = _claimer_and_waiter(tmp_path, monkeypatch, target,
                                                 lambda whole, own_deadline: own_deadline + 1)
    assert claimer["outcome"].status is Status.PASSED, claimer
    assert waiter["outcome"].status is Status.PASSED, waiter["outcome"].observed
    assert set(_counts(target).values()) == {1}, target.asked  # nobody took a group over


def test_a_live_worker_past_its_bound_leaves_the_waiter_an_error_naming_it(tmp_path, monkeypatch):
    with counting_target(("/hold", False)) as target:
        _, waiter, whole = _claimer_and_waiter(tmp_path, monkeypatch, target, lambda whole, own_deadline: whole + 1)
    outcome = waiter["outcome"]
    assert outcome.status is Status.ERROR
    assert outcome.observed == (f"could not look: the worker evaluating this group published no outcome within its"
                                f" bound of {whole:g} s (computed from the environment's timeouts)"), outcome.observed


# -- workers started with --tx --------------------------------------------------------------------
@pytest.mark.parametrize("tx, dist, workers", [
    (["2*popen"], "load", 2),
    (["popen", "3*popen//python=python3"], "loadfile", 4),
    (["popen", "popen"], "load", 2),  # as xdist writes `-n 2`
    (["2*popen"], "no", None),  # --tx without a --dist mode starts no worker
    (["2*popen"], "-d", 2),  # -d: --dist load, said before xdist has said so
    ([], "no", None),
])
def test_the_manifest_counts_the_workers_of_tx_specs(tx, dist, workers):
    """(The plugin asks the same question, before xdist has started any, to give them a shared folder.)"""
    option = SimpleNamespace(tx=tx, dist="no" if dist == "-d" else dist, distload=dist == "-d", numprocesses=None)
    assert provenance.selection(option, [], systems=(), items=[])["workers"] == workers


def test_workers_started_with_tx_share_their_groups(tmp_path):
    """`--tx 2*popen --dist load` starts two workers as `-n 2` does: they share the run's groups, so each target is
    asked as often as in a serial run, and the manifest says two workers ran it."""
    with counting_target() as target:
        project = _project(tmp_path / "project", target.url)
        ran = project.run("-m", "postdeploy", "--env", "local", "--tx", "2*popen", "--dist", "load")
    assert ran.code == 0, ran.output[-3000:]
    assert _counts(target) == Counter({("/shop/h1", False): 1, ("/shop/h2", False): 1, ("/hold", False): 1,
                                       ("/cron/shop", False): 12, ("/cron/shop", True): 1,
                                       ("/cron/zjobs", False): 12, ("/cron/zjobs", True): 1}), target.asked
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["workers"] == 2
