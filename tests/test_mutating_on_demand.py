"""A mutating item's call is sent for the item pytest runs, when it runs it — never ahead of it: a run that stops
at its first failure (-x, --maxfail, --sw) has sent no call for the items it never reported, in one process and
under xdist; a run that goes on sends each call once. Read-only items are still asked ahead, all at once.

The target logs every request it is sent; no verdict depends on how fast the machine is."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from opsverify.engine import Run
from opsverify.environment import load_environment
from opsverify.outcome import Status

from .kit import make_check, route_server
from .project import Project

SYSTEMS = ("alpha", "bravo", "charlie", "delta")


@contextmanager
def logging_target() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Per system: GET /ok/<s> answers 200, GET /bad/<s> 500, POST /do/<s> 200 (the call that makes it work).
    Yields the base URL and the (method, path) of every request, in the order they came."""
    asked: list[tuple[str, str]] = []
    lock = threading.Lock()

    def answer(method: str, path: str, status: int):
        def handle(_headers, _body):
            with lock:
                asked.append((method, path))
            return status, '{"ok": true}'
        return handle

    routes = {}
    for system in SYSTEMS:
        routes[("GET", f"/ok/{system}")] = answer("GET", f"/ok/{system}", 200)
        routes[("GET", f"/bad/{system}")] = answer("GET", f"/bad/{system}", 500)
        routes[("POST", f"/do/{system}")] = answer("POST", f"/do/{system}", 200)
    with route_server(routes) as base:
        yield base, asked


def _project(root: Path, base: str) -> Project:
    """Each system: a page that answers, a page that fails, then a mutating POST; the first item to fail is alpha's
    A2, and every system's M1 comes after it."""
    project = Project(root, {"TARGET_URL": base})
    for system in SYSTEMS:
        project.checklist(system, f"""
        - {{id: A1, name: up, section: Web, title: the page answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok/{system}}}}}
        - {{id: A2, name: broken, section: Web, title: the broken page answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /bad/{system}}}}}
        - {{id: M1, name: kick, section: Jobs, title: the job starts, family: http, cadence: postdeploy,
           mutating: true, params: {{service: web, path: /do/{system}, method: POST}}}}
        """)
    systems = "".join(f"  {system}: {{services: {{web: {{url: '${{TARGET_URL}}'}}}}}}\n" for system in SYSTEMS)
    project.environment(f"allow_mutating: true\nsystems:\n{systems}")
    return project


def _posts(asked: list[tuple[str, str]]) -> Counter:
    return Counter(path for method, path in asked if method == "POST")


def _reported_kicks(output: str) -> set[str]:
    """The paths of the M1 items pytest reported (-rA lists each with its outcome)."""
    return {f"/do/{system}" for system in re.findall(r"^(?:PASSED|FAILED|ERROR|SKIPPED) checklists/(\w+)\.yaml::M1-kick",
                                                       output, re.MULTILINE)}


@pytest.mark.parametrize("stop", [["-x"], ["--maxfail=1"], ["--sw"]])
def test_a_run_stopped_at_its_first_failure_sends_no_mutating_call(tmp_path, stop):
    with logging_target() as (base, asked):
        ran = _project(tmp_path, base).run("-m", "postdeploy", "--env", "local", *stop, cache="--sw" in stop)
    assert ran.code == 1, ran.output[-3000:]
    assert "1 failed, 1 passed" in ran.output, ran.output[-3000:]
    assert _posts(asked) == Counter(), asked  # no M1 was reported: none of their calls was sent


def test_a_run_that_goes_on_sends_each_mutating_call_once(tmp_path):
    with logging_target() as (base, asked):
        ran = _project(tmp_path, base).run("-m", "postdeploy", "--env", "local")
    assert ran.code == 1, ran.output[-3000:]
    assert _posts(asked) == Counter({f"/do/{system}": 1 for system in SYSTEMS}), asked
    assert {key: status for key, status in ran.statuses().items() if key == "M1-kick"} == {"M1-kick": "passed"}
    assert "8 passed, 4 failed" in ran.output, ran.output[-3000:]


def test_under_xdist_a_mutating_call_is_sent_only_for_an_item_pytest_reports(tmp_path):
    with logging_target() as (base, asked):
        ran = _project(tmp_path, base).run("-m", "postdeploy", "--env", "local", "--maxfail=1", "-n", "2", "-rA")
    assert ran.code == 1, ran.output[-3000:]
    sent = _posts(asked)
    assert set(sent) <= _reported_kicks(ran.output), (sent, ran.output[-3000:])
    assert set(sent.values()) <= {1}, asked


def test_under_xdist_each_mutating_call_is_sent_once(tmp_path):
    with logging_target() as (base, asked):
        ran = _project(tmp_path, base).run("-m", "postdeploy", "--env", "local", "-n", "2", "-rA")
    assert ran.code == 1, ran.output[-3000:]
    assert _posts(asked) == Counter({f"/do/{system}": 1 for system in SYSTEMS}), asked
    assert _reported_kicks(ran.output) == {f"/do/{system}" for system in SYSTEMS}, ran.output[-3000:]
    assert Counter(path for method, path in asked if method == "GET") == Counter(
        {f"/{page}/{system}": 1 for page in ("ok", "bad") for system in SYSTEMS}), asked  # read-only: once each


# -- the engine: two "workers" of one run sharing their groups ----------------------------------------------
def _checks(base: str, folder: Path) -> tuple[list, object]:
    systems = "".join(f"  {system}: {{services: {{web: {{url: '{base}'}}}}}}\n" for system in SYSTEMS[:2])
    (folder / "local.yaml").write_text(f"name: local\nallow_mutating: true\nsystems:\n{systems}", encoding="utf-8")
    checks = []
    for system in SYSTEMS[:2]:
        for item, path, method, mutating in (("A1", f"/ok/{system}", "GET", False),
                                             ("M1", f"/do/{system}", "POST", True)):
            checks.append(replace(make_check("http", {"service": "web", "path": path, "method": method}, item=item,
                                             mutating=mutating), system=system))
    return checks, load_environment(folder, "local")


def test_a_worker_claims_no_mutating_check_it_was_not_asked_for(tmp_path):
    """A worker's first item claims every read-only group at once, and no mutating check: that is evaluated by the
    worker asked for it. Asked by two workers (each item on each), its call is sent once, and both see its
    outcome."""
    with logging_target() as (base, asked):
        checks, env = _checks(base, tmp_path)
        shared = tmp_path / "shared"
        shared.mkdir()
        workers = [Run(env), Run(env)]
        try:
            first = workers[0].outcome(checks[0], checks, shared=shared)
            assert first.status is Status.PASSED, first.observed
            assert _posts(asked) == Counter(), asked  # the first item's claim sent no mutating call

            def run_all(run: Run) -> dict:
                return {f"{c.system}:{c.key}": run.outcome(c, checks, shared=shared).status for c in checks}

            with ThreadPoolExecutor(2) as pool:
                seen = list(pool.map(run_all, workers))
        finally:
            for run in workers:
                run.close()
    assert seen[0] == seen[1] == {f"{c.system}:{c.key}": Status.PASSED for c in checks}
    assert _posts(asked) == Counter({"/do/alpha": 1, "/do/bravo": 1}), asked
    assert Counter(path for method, path in asked if method == "GET") == Counter({"/ok/alpha": 1, "/ok/bravo": 1})


def test_two_items_never_share_a_group_name():
    """System a's item x--http--b and system a--http--x's item b (both named c) were one group under `--`: asking
    for one would have sent the other's call too."""
    from opsverify.engine import _SharedGroups

    params = {"service": "web", "path": "/do", "method": "POST"}
    one = replace(make_check("http", params, item="x--http--b", name="c", mutating=True), system="a")
    other = replace(make_check("http", params, item="b", name="c", mutating=True), system="a--http--x")
    assert _SharedGroups._name(one) != _SharedGroups._name(other)
    read_only = [replace(make_check("http", {"service": "web", "path": "/ok"}), system=s) for s in ("a", "a-http")]
    assert len({_SharedGroups._name(c) for c in read_only}) == 2


# -- workers that cannot share the run's folder ----------------------------------------------------------
APART = "not sent: this xdist worker cannot reach the run's shared folder"


def test_a_worker_that_cannot_share_the_runs_folder_sends_no_mutating_call(tmp_path):
    """Workers that do not inherit the run's shared folder (`--tx socket=…`, `ssh=…`, or a popen spec that overrides
    it) cannot tell each other what they sent: with `--dist each` every one of them would send each mutating call.
    None is sent; each such item is an error saying why, and the console says once that read-only targets may be
    asked once per worker."""
    with logging_target() as (base, asked):
        ran = _project(tmp_path, base).run("-m", "postdeploy", "--env", "local", "--tx",
                                           "2*popen//env:OPSVERIFY_SHARED_OUTCOMES=", "--dist", "each", "-rA")
    assert _posts(asked) == Counter(), asked
    kicks = [row for row in json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
             if row["key"] == "M1-kick"]
    assert len(kicks) == len(SYSTEMS), kicks
    assert all(row["status"] == "error" and row["observed"].startswith(APART) for row in kicks), kicks
    said = [line for line in ran.output.splitlines() if "read-only targets may be asked once per worker" in line]
    assert len(said) == 1 and said[0].startswith("opsverify: "), ran.output[-3000:]
    assert ran.code == 1, ran.output[-3000:]  # A2's failures, and the errors of the calls not sent
