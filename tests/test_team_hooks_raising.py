"""A team's conftest hook that raises late in the run — a pool that will not close as the session ends, a Slack post
that fails in its terminal summary, a marker its pytest_collection_modifyitems expected — is the project's bug, not
the target's: the checks' verdicts stand (the archive written and sealed all the same; where the hook chose the
items, none is checked), the error is one line naming the conftest and the hook, masked by the environment's secrets
(its words may quote a password), never a traceback, and the exit code is 20 (bad config) where the run would end 0 —
a failed check's 1 is never faked, nor hidden."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .project import MisbehavingHttp
from .test_collection_once import CONFTEST_SECRET, ITEMS, _fleet_with_a_secret, _nothing_leaked


def _raising_in(hook: str, args: str, words: str = "cannot close the pool of") -> str:
    return f'import os\n\ndef {hook}({args}):\n    raise RuntimeError("{words} " + os.environ["DB_PASSWORD"])\n'


def _with_a_failing_item(project):
    path = project.root / "checklists" / "alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: alpha answers again, family: http, cadence: postdeploy,\n     params: {service: web, path: /ok}",
        "title: alpha answers again, family: http, cadence: postdeploy,\n     params: {service: web, path: /fail}", 1),
        encoding="utf-8")
    assert "/fail" in path.read_text(encoding="utf-8")
    return project


def _hidden(ran) -> str:
    return ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")


def _verifies(project) -> None:
    done = subprocess.run([sys.executable, "-m", "opsverify", "verify", str(project.root / "reports" / "local")],
                          capture_output=True, text=True, timeout=60, cwd=project.root)
    assert done.returncode == 0, done.stdout + done.stderr


def _said_once(ran, hook: str, words: str = "cannot close the pool of") -> str:
    """The one line saying the team's hook raised: naming the conftest and the hook, its words masked."""
    lines = [line for line in ran.output.splitlines() if f"pytest_{hook} raised" in line]
    assert len(lines) == 1, _hidden(ran)
    [line] = lines
    assert line.startswith(f"opsverify: conftest.py: its pytest_{hook} raised (RuntimeError: {words} "), line
    assert "Traceback" not in ran.output and "INTERNALERROR" not in ran.output, _hidden(ran)
    return line


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
@pytest.mark.parametrize("failing", [False, True], ids=["all-passed", "one-failed"])
def test_a_conftest_sessionfinish_that_raises_leaves_the_archive_sealed(tmp_path, workers, failing):
    """pluggy stopped the hook's chain at the team's pytest_sessionfinish: no archive though every item was checked,
    the password in a traceback as raised, exit 1 with every check passed. The archive is sealed as the checks left
    it (it verifies, its manifest's exit code is theirs), the error is one masked line, and the run ends 20 — or 1
    where a check failed: the target's verdict outranks the project's bug."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(tmp_path, web, _raising_in("pytest_sessionfinish", "session"), "conftest.py")
        if failing:
            _with_a_failing_item(project)
        ran = project.run("--env", "local", "-m", "postdeploy", *workers)
    assert ran.code == (1 if failing else 20), _hidden(ran)
    _nothing_leaked(project, ran)
    _said_once(ran, "sessionfinish")
    statuses = ran.statuses()
    assert set(statuses) == ITEMS, statuses
    assert (statuses["A2-up-again"] == "failed") == failing, statuses
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_code"] == (1 if failing else 0), manifest["exit_code"]
    assert "archive: reports/local/" in ran.done.stdout, _hidden(ran)
    _verifies(project)


def test_a_conftest_terminal_summary_that_raises_leaves_the_summary_and_the_archive(tmp_path):
    """The team's pytest_terminal_summary raised after the archive was sealed: pluggy skipped the plugin's summary
    (the archive's path and hash) and printed the password in a traceback, exit 1 while every check passed and the
    manifest says 0. The summary is whole, the error one masked line, exit 20, the archive untouched."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(tmp_path, web, _raising_in("pytest_terminal_summary", "terminalreporter",
                                                                  "cannot post to slack with"), "conftest.py")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 20, _hidden(ran)
    _nothing_leaked(project, ran)
    _said_once(ran, "terminal_summary", "cannot post to slack with")
    assert "archive: reports/local/" in ran.done.stdout, _hidden(ran)
    assert ran.statuses() == dict.fromkeys(ITEMS, "passed"), ran.statuses()
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_code"] == 0, manifest["exit_code"]
    _verifies(project)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_a_conftest_modifyitems_that_raises_checks_nothing_and_says_so(tmp_path, workers):
    """The team's pytest_collection_modifyitems raised (a marker it expected is missing): pytest's INTERNALERROR
    traceback printed the password, exit 3. Which items the hook meant to run is unknown, so none is checked: one
    masked line naming the conftest and its error, exit 20 (a broken file of the project), and no archive — never a
    sealed one of no item that verifies as a run."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(tmp_path, web, _raising_in(
            "pytest_collection_modifyitems", "items", "no owner marker, looked it up with"), "conftest.py")
        ran = project.run("--env", "local", "-m", "postdeploy", *workers)
    assert ran.code == 20, _hidden(ran)
    _nothing_leaked(project, ran)
    line = _said_once(ran, "collection_modifyitems", "no owner marker, looked it up with")
    assert "no item was checked" in line, line
    reports = project.root / "reports" / "local"
    assert not reports.exists() or not [p for p in reports.iterdir() if not p.name.startswith(".")], _hidden(ran)
    assert "passed" not in ran.done.stdout.strip().splitlines()[-1], _hidden(ran)
