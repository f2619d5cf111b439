"""Under xdist a worker claims every unclaimed group at its first item and evaluates them in the background: it
reports an item as soon as that item's own group is done, not once its slowest claimed group is, as a run without
xdist does. Its other groups go on for the workers that wait for them; once no worker asks any more, they are given
up and their claims released, never left for a waiter to wait on.

Two `Run`s sharing a folder stand for two workers of one run; the target holds one page until the test lets it
answer, so no verdict depends on how fast the machine is."""

from __future__ import annotations

import fcntl
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

from opsverify import families
from opsverify.checklist import Cadence, Check, Severity
from opsverify.engine import Run
from opsverify.environment import load_environment
from opsverify.outcome import Status

from .helpers import UNUSED_PLUGINS
from .kit import route_server
from .project import Project

WITHIN_S = 60  # only turns a hang into a failure: each wait ends within milliseconds when the code is right


@contextmanager
def holding_target() -> Iterator[SimpleNamespace]:
    """An HTTP target on 127.0.0.1 counting requests per path; `/hold` answers only once `release` is set
    (`held` is set when it has come), any other path at once."""
    asked: Counter = Counter()
    lock = threading.Lock()
    release, held = threading.Event(), threading.Event()

    def answer(path: str):
        def handle(_headers, _body):
            with lock:
                asked[path] += 1
            if path == "/hold":
                held.set()
                release.wait(WITHIN_S)
            return 200, '{"ok": true}'
        return handle

    with route_server({("GET", path): answer(path) for path in ("/quick", "/hold")}) as base:
        try:
            yield SimpleNamespace(url=base, asked=asked, release=release, held=held)
        finally:
            release.set()


def _page(system: str, path: str) -> Check:
    return Check(system=system, id="H1", name="page", section="Web", title="the page answers", family="http",
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=False, remediation="", reason="",
                 params=families.params_model("http").model_validate({"service": "web", "path": path, "status": 200}))


def _setup(tmp_path: Path, base: str) -> tuple[list[Check], object, Path]:
    """alpha's page answers at once; zeta's is held. Timeouts far longer than any test waits: no group is given up."""
    systems = "".join(f"  {name}: {{services: {{web: {{url: '{base}'}}}}}}\n" for name in ("alpha", "zeta"))
    (tmp_path / "local.yaml").write_text(f"name: local\ntimeouts: {{connect_s: 5, http_s: 120}}\nsystems:\n{systems}",
                                         encoding="utf-8")
    shared = tmp_path / "shared"
    shared.mkdir()
    return [_page("alpha", "/quick"), _page("zeta", "/hold")], load_environment(tmp_path, "local"), shared


def _in_thread(call) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # shown by the assertion that reads the box
            box["raised"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _eventually(condition, what: str) -> None:
    deadline = time.monotonic() + WITHIN_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _claim_free(shared: Path, group: str) -> bool:
    """Whether no worker holds the group's claim (its lock)."""
    with open(shared / f"{group}.claim", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _reported_while_held(claimer: Run, alpha: Check, zeta: Check, shared: Path, target: SimpleNamespace) -> None:
    """The claimer asked for alpha's item claims both groups; alpha's outcome comes back while zeta's page is held."""
    asked, box = _in_thread(lambda: claimer.outcome(alpha, [alpha, zeta], shared=shared))
    assert target.held.wait(WITHIN_S), "zeta's page was never asked: the claimed groups did not run together"
    _eventually(lambda: not asked.is_alive(), "alpha's item waited for zeta's held page, a group it does not belong to")
    assert not target.release.is_set()
    assert box["value"].status is Status.PASSED, box


def test_an_item_is_reported_while_another_group_its_worker_claimed_still_runs(tmp_path):
    """The worker claims alpha's group and zeta's at alpha's item: alpha's outcome comes back while zeta's page is
    still held; zeta's group, published once it ends, is read by the other worker without asking the target again."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer, other = Run(env), Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            assert not (shared / "zeta+http.json").exists()  # still running: not published
            target.release.set()
            assert other.outcome(zeta, [alpha, zeta], shared=shared).status is Status.PASSED
            assert claimer.outcome(zeta, [alpha, zeta], shared=shared).status is Status.PASSED
        finally:
            target.release.set()
            claimer.close()
            other.close()
    assert target.asked == Counter({"/quick": 1, "/hold": 1}), target.asked


def test_a_worker_that_ends_while_another_asks_finishes_its_groups_for_it(tmp_path):
    """The claimer has no item left, but the other worker waits for zeta's group: closing, the claimer evaluates it
    to its end and publishes it, so the other worker reads it and the target is asked once."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer, other = Run(env), Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            waiting, box = _in_thread(lambda: other.outcome(zeta, [alpha, zeta], shared=shared))
            _eventually(lambda: len(list(shared.glob("asking-*"))) == 2, "the other worker never asked")
            closing, _ = _in_thread(claimer.close)
            target.release.set()
            for thread in (waiting, closing):
                thread.join(WITHIN_S)
            assert not waiting.is_alive() and not closing.is_alive()
            assert box["value"].status is Status.PASSED, box
        finally:
            target.release.set()
            claimer.close()
            other.close()
    assert target.asked == Counter({"/quick": 1, "/hold": 1}), target.asked  # nobody took zeta's group over


def test_a_worker_that_ends_when_nobody_asks_gives_its_groups_up_and_releases_them(tmp_path):
    """Nobody asks any more (-x, Ctrl-C: every worker's loop has ended): closing does not wait for zeta's held page;
    its group is not published and its claim is released, so a worker that did ask for it would take it over."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer = Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            assert not _claim_free(shared, "zeta+http")
            closing, _ = _in_thread(claimer.close)
            closing.join(WITHIN_S)
            assert not closing.is_alive(), "closing waited for a group nobody asks for"
            assert not target.release.is_set()
            assert _claim_free(shared, "zeta+http")
            assert not (shared / "zeta+http.json").exists()
            assert not list(shared.glob("*.partial"))
        finally:
            target.release.set()
            claimer.close()


# -- a whole run: a worker that has not asked yet ------------------------------------------------------------
GATE = """import os, time, pytest
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # zeta's worker is busy elsewhere before its first item: it asks only once the test lets it
    if item.nodeid.startswith("checklists/zeta.yaml"):
        deadline = time.monotonic() + 120
        while not os.path.exists(os.environ["GATE_FILE"]) and time.monotonic() < deadline:
            time.sleep(0.02)
"""


def _held(path: Path) -> bool:
    """Whether some process holds the lock of `path` (False once released)."""
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


def _given_up_or_kept(tmp: Path) -> str | None:
    """Once alpha's worker has claimed zeta's group and stopped asking: "given up" if its claim was released (zeta's
    page is held: it was not published), "kept" while the run still asks for it (the controller's lock); else None."""
    for shared in tmp.glob("opsverify-shared-*"):
        claims = shared / "claims.json"
        if not claims.exists() or "zeta+http" not in json.loads(claims.read_text() or "{}"):
            return None
        if _claim_free(shared, "zeta+http"):
            return "given up"
        workers = [p for p in shared.glob("asking-*.lock") if "controller" not in p.name]
        controller = list(shared.glob("asking-controller-*.lock"))
        if workers and not any(map(_held, workers)) and controller and all(map(_held, controller)):
            return "kept"
    return None


def test_a_worker_done_first_keeps_its_groups_for_a_worker_that_has_not_asked_yet(tmp_path):
    """`--dist loadfile`: one worker runs alpha's item, and claims zeta's group with its own; the other worker, busy
    before its only item (zeta's), has not asked yet when the first one is done. The first keeps evaluating zeta's
    group — xdist may still hand out items — and the other reads it: zeta's page is asked once. (Given up, it would
    be taken over and asked twice, the run waiting twice as long.)"""
    with holding_target() as target:
        project = Project(tmp_path / "project", {"GATE_FILE": str(tmp_path / "go")})
        for system, path in (("alpha", "/quick"), ("zeta", "/hold")):
            project.checklist(system, f"""
            - {{id: H1, name: page, section: Web, title: the page answers, family: http, cadence: postdeploy,
               params: {{service: web, path: {path}, status: 200}}}}
            """)
        project.environment(f"timeouts: {{connect_s: 5, http_s: 120}}\nsystems:\n"
                            f"  alpha: {{services: {{web: {{url: '{target.url}'}}}}}}\n"
                            f"  zeta: {{services: {{web: {{url: '{target.url}'}}}}}}\n")
        (project.root / "conftest.py").write_text(GATE, encoding="utf-8")
        tmp = tmp_path / "tmp"
        tmp.mkdir()
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
        environ.update(project.variables, TMPDIR=str(tmp))
        run = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m",
                                "postdeploy", "--env",
                                "local", "-n", "2", "--dist", "loadfile"], cwd=project.root, env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            seen: list[str] = []
            _eventually(lambda: seen.append(_given_up_or_kept(tmp) or "") or seen[-1],
                        "alpha's worker never claimed zeta's group and stopped asking")
            (tmp_path / "go").touch()  # zeta's worker asks now
            target.release.set()
            output, _ = run.communicate(timeout=180)
        finally:
            (tmp_path / "go").touch()
            target.release.set()
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
                run.communicate()
    assert seen[-1] == "kept", output[-3000:]
    assert run.returncode == 0, output[-3000:]
    assert target.asked == Counter({"/quick": 1, "/hold": 1}), target.asked
