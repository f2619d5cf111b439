"""An item a run was running when it was interrupted (Ctrl-C, SIGTERM) is archived as interrupted *while it ran* —
never as "interrupted before this item was reached" — and a mutating one says its call may have been sent; an item
whose xdist worker died under it reads ERROR on pytest's console, as in the archive.

The target holds the mutating call until the test has interrupted the run, and the worker that dies kills itself
as its item starts: an order of events, whatever the machine's speed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from opsverify import exitcodes

from .helpers import UNUSED_PLUGINS, interruptible
from .kit import route_server
from .project import Project

NOT_REACHED = "not reported: the run was interrupted before this item was reached; no verdict recorded"
WHILE_IT_RAN = "not reported: the run was interrupted while this item ran; no verdict recorded"
CALL_OUT = f"{WHILE_IT_RAN}; its call may have been sent (not repeated)"


def held_call_project(root: Path, base: str) -> Project:
    """alpha: a page, then a mutating POST (which the target holds), then another page."""
    project = Project(root, {"TARGET_URL": base})
    project.checklist("alpha", """
    - {id: A1, name: up, section: Web, title: the page answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: M1, name: kick, section: Jobs, title: the job starts, family: http, cadence: postdeploy,
       mutating: true, params: {service: web, path: /do, method: POST}}
    - {id: A2, name: after, section: Web, title: the later page answers, family: http, cadence: postdeploy,
       params: {service: web, path: /after}}
    """)
    project.environment("allow_mutating: true\ntimeouts: {connect_s: 5, http_s: 120}\n"
                        "systems:\n  alpha: {services: {web: {url: '${TARGET_URL}'}}}\n")
    return project


def interrupted_once_posted(run: subprocess.Popen, posted: threading.Event, release: threading.Event,
                            interrupt) -> str:
    """The run's output, `interrupt()` sent once the target holds the mutating call, then the call let go (the run
    is interrupted already, whatever a worker does next); a run still there after is killed."""
    try:
        assert posted.wait(120), "the mutating call never came"
        interrupt()
        release.set()
        output, _ = run.communicate(timeout=180)
    finally:
        release.set()
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
    return output


def origin_items_project(root: Path, count: int) -> Project:
    """alpha: `count` env items E1… reading one variable of a dotenv file that has it (each passes)."""
    project = Project(root)
    project.checklist("alpha", "".join(f"""
    - {{id: E{n}, name: origin, section: S, title: the origin is set, family: env, cadence: postdeploy,
       params: {{service: web, required: [APP_ORIGIN]}}}}""" for n in range(1, count + 1)))
    (root / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    project.environment(f"systems:\n  alpha: {{services: {{web: {{env: {{dotenv: '{root / 'web.env'}'}}}}}}}}\n")
    return project


@pytest.mark.parametrize("workers, whom, sent", [
    ((), "run", signal.SIGINT),  # Ctrl-C, one process
    (("-n", "2"), "group", signal.SIGINT),  # a terminal's Ctrl-C reaches the controller and its workers
    (("-n", "2"), "run", signal.SIGTERM),  # a CI job's timeout ends the controller alone
], ids=["serial", "xdist-ctrl-c", "xdist-sigterm"])
def test_a_mutating_item_interrupted_while_its_call_is_out_says_its_call_may_have_been_sent(tmp_path, workers, whom,
                                                                                             sent):
    posted, release = threading.Event(), threading.Event()
    posts: list[str] = []

    def kick(_headers, _body):
        posts.append("/do")
        posted.set()
        release.wait(120)
        return 200, '{"ok": true}'

    routes = {("GET", "/ok"): lambda h, b: (200, '{"ok": true}'), ("GET", "/after"): lambda h, b: (200, '{"ok": 1}'),
              ("POST", "/do"): kick}
    with route_server(routes) as base:
        project = held_call_project(tmp_path, base)
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
        environ.update(project.variables)
        run = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m",
                                "postdeploy", "--env",
                                "local", "-rA", *workers], cwd=tmp_path, env=environ, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True, preexec_fn=interruptible)
        output = interrupted_once_posted(run, posted, release, lambda: (os.killpg if whom == "group" else os.kill)(
            run.pid, sent))
    assert run.returncode == exitcodes.INTERRUPTED, output[-3000:]
    assert posts == ["/do"], posts
    (archive,) = [p for p in (tmp_path / "reports" / "local").iterdir() if not p.name.startswith(".")]
    results = json.loads((archive / "results.json").read_text(encoding="utf-8"))
    rows = {row["key"]: row for row in results["checks"]}
    assert results["interrupted"] is True
    assert (rows["M1-kick"]["status"], rows["M1-kick"]["message"]) == ("skipped", CALL_OUT), output[-3000:]
    if not workers:  # one process: A1 ran, A2 was never reached
        assert rows["A1-up"]["status"] == "passed"
        assert rows["A2-after"]["message"] == NOT_REACHED, rows["A2-after"]
    for key in ("A1-up", "A2-after"):  # a read-only item says no call of its own
        assert "its call" not in rows[key]["message"], rows[key]


def test_an_item_whose_worker_died_reads_error_on_the_console_as_in_the_archive(tmp_path):
    """xdist reports an item whose worker died as failed; it was not checked: the console says ERROR and counts
    it an error, as the summary, results.json and the exit code (10, could not check) do."""
    project = origin_items_project(tmp_path, 3)
    (tmp_path / "conftest.py").write_text(
        "import os, signal, pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtest_setup(item):\n"
        "    if item.name.startswith('E2-') and hasattr(item.config, 'workerinput'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "-n", "2", "-rA")
    assert ran.code == exitcodes.COULD_NOT_CHECK, ran.output[-3000:]
    lines = ran.done.stdout.splitlines()
    assert any(line.startswith("ERROR checklists/alpha.yaml::E2-origin") for line in lines), ran.output[-3000:]
    assert not any(line.startswith("FAILED ") for line in lines), ran.output[-3000:]
    assert any(" of alpha E2-origin " in line for line in lines), ran.output[-3000:]  # its headline names the item
    assert "2 passed, 1 error" in lines[-1] and "failed" not in lines[-1], lines[-1]
    assert ran.statuses() == {"E1-origin": "passed", "E2-origin": "error", "E3-origin": "passed"}


# the signal reaches the process inside the archive's hook, between its reading of the item's report and of its verdict
SIGNAL_INSIDE_THE_ARCHIVES_HOOK = """
import os, signal
from opsverify import archive

_item_of = archive.ArchiveReporter._item_of

def _interrupted_inside(self, report, known):
    if report.nodeid.endswith("E1-origin") and report.when == "setup" and not hasattr(self, "_interrupted"):
        self._interrupted = True
        os.kill(os.getpid(), signal.SIGINT)  # Python runs its handler before this function's next line
    return _item_of(self, report, known)

archive.ArchiveReporter._item_of = _interrupted_inside
"""


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_ctrl_c_while_the_archive_takes_an_items_report_keeps_what_the_check_decided(tmp_path, workers):
    """Ctrl-C landed at any line of the archive's hook: one arriving between its reading of an item's report and of
    the check's verdict left the item's row without it — a checked item archived "error: not checked: pytest reported
    no outcome of it", and the run 'could not check' (10) where it was interrupted (2): under xdist, about one run in
    two of test_a_mutating_item_interrupted… once the controller read verdicts from files. The signal now waits for
    the hook's end."""
    project = origin_items_project(tmp_path, 2)
    (tmp_path / "conftest.py").write_text(SIGNAL_INSIDE_THE_ARCHIVES_HOOK, encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", *workers)
    assert ran.code == exitcodes.INTERRUPTED, ran.output[-3000:]
    rows = ran.rows()
    assert rows["E1-origin"]["status"] == "passed", rows["E1-origin"]
    assert "not checked" not in rows["E1-origin"]["message"], rows["E1-origin"]
