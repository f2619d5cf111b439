"""A verification run whose console goes away — a reader that stopped reading (`pytest … | head -1`), a stdout that
cannot be written, or none at all (`>&-`) — checks every selected item, seals its archive and ends with its checks'
exit code: the console is not the evidence. pytest's own answer ended a healthy run 1 ("a check failed") with no
archive, or with an INTERNALERROR."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable

import pytest

from opsverify import exitcodes
from opsverify.cli import main

from .helpers import interruptible
from .project import MisbehavingHttp, Project

ITEM = ("- {{id: C{n}, name: probe{n}, section: S, title: the probe answers, family: http, cadence: postdeploy,\n"
        "   params: {{service: web, path: {path}}}}}\n")
LOST_LINE = "opsverify: the console could not be written ("


def _project(tmp_path, web: MisbehavingHttp, last_path: str, *, demo: bool = False) -> Project:
    """Four items: three that pass, and the last on `last_path`."""
    project = Project(tmp_path / "project", {"WEB_URL": web.url})
    project.checklist("site", "".join(ITEM.format(n=n, path="/ok" if n < 4 else last_path) for n in range(1, 5)))
    project.environment(f"""
    {"demo: true" if demo else ""}
    timeouts: {{connect_s: 5, statement_ms: 5000, http_s: 5}}
    systems: {{site: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}}}
    """, name="run")
    return project


def _read_one_line_then_stop(project: Project, *args: str, stderr_too: bool = False) -> tuple[int, str]:
    """The run's stdout read as `| head -1` reads it: its first line, then the reader goes away (`2>&1 | head -1`
    with `stderr_too`: the first line is then the run's own, on stderr, and nothing of stderr is left to read)."""
    command, environ = project.command("-m", "postdeploy", "--env", "run", *args)
    with subprocess.Popen(command, cwd=project.root, env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if stderr_too else subprocess.PIPE,
                          preexec_fn=interruptible) as started:
        first = started.stdout.readline()
        assert first
        started.stdout.close()
        try:
            err = first.decode(errors="replace") if stderr_too else started.stderr.read().decode(errors="replace")
            return started.wait(timeout=240), err
        finally:
            started.kill()


def _run_with_stdout(project: Project, stdout, preexec=interruptible) -> tuple[int, str]:
    command, environ = project.command("-m", "postdeploy", "--env", "run")
    done = subprocess.run(command, cwd=project.root, env=environ, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=240, preexec_fn=preexec)
    return done.returncode, done.stderr


def _stdout_closed() -> None:
    interruptible()
    os.close(1)  # as `>&-` starts it: Python's sys.stdout is None


def _stderr_closed(stdout_too: bool) -> Callable[[], None]:
    def closing() -> None:
        interruptible()
        os.close(2)  # as `2>&-` starts it: Python's sys.stderr is None
        if stdout_too:
            os.close(1)
    return closing


def _sealed(project: Project) -> tuple[str, dict]:
    """The run's one archive, whole (it verifies, and every selected item ran): as the run names it, with its
    manifest's hash, and its manifest."""
    (archive,) = [p for p in (project.root / "reports" / "run").iterdir() if not p.name.startswith(".")]
    assert main(["verify", str(archive)]) == exitcodes.OK, f"{archive}: expected a sealed archive that verifies"
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["interrupted"], manifest["ran"], manifest["selected"]) == (False, 4, 4), manifest
    anchor = hashlib.sha256((archive / "manifest.json").read_bytes()).hexdigest()[:32]
    return f"reports/run/{archive.name} (manifest sha256:{anchor})", manifest


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and "INTERNALERROR" not in err, err


@pytest.mark.parametrize(("last_path", "code", "demo", "args"), [
    ("/ok", exitcodes.OK, False, ()),
    ("/fail", exitcodes.FAILED, False, ()),
    ("/ok", exitcodes.OK, True, ()),  # quickexit ends a demo run
    ("/ok", exitcodes.OK, False, ("-n", "2")),  # xdist's controller writes the console
], ids=["healthy", "failing", "healthy-demo", "healthy-xdist"])
def test_a_reader_that_goes_away_leaves_the_run_its_code_and_its_archive(tmp_path, capsys, last_path, code, demo,
                                                                         args):
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, last_path, demo=demo)
        got, err = _read_one_line_then_stop(project, *args)
    assert got == code, f"stdout read as `| head -1`: expected exit {code}; saw {got}; stderr: {err}"
    _no_traceback(err)
    assert LOST_LINE not in err, err  # a reader that stopped on purpose is told nothing, as `opsverify verify | head`
    _, manifest = _sealed(project)
    assert manifest["exit_code"] == code


@pytest.mark.parametrize("how", ["closed", "unwritable"])
def test_a_stdout_that_cannot_be_written_is_one_line_on_stderr_naming_the_archive(tmp_path, capsys, how):
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, "/ok")
        if how == "closed":
            got, err = _run_with_stdout(project, None, _stdout_closed)
        else:  # a file opened for reading: every write fails (EBADF), as one to a full disk fails (ENOSPC)
            (tmp_path / "console").write_text("")
            with open(tmp_path / "console", "rb") as read_only:
                got, err = _run_with_stdout(project, read_only)
    assert got == exitcodes.OK, f"stdout {how}: expected exit 0 (every check passed); saw {got}; stderr: {err}"
    _no_traceback(err)
    name, manifest = _sealed(project)
    assert manifest["exit_code"] == exitcodes.OK
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(LOST_LINE), err
    why = "standard output is closed" if how == "closed" else "Bad file descriptor"
    assert lines[0].startswith(f"{LOST_LINE}{why}): its summary is missing or cut short; the run went on to its end, "
                               f"exit 0; archive: {name}"), lines[0]


@pytest.mark.parametrize(("stdout", "last_path", "code", "args"), [
    ("unwritable", "/ok", exitcodes.OK, ()),
    ("unwritable", "/fail", exitcodes.FAILED, ()),
    ("unwritable", "/ok", exitcodes.OK, ("-n", "2")),
    ("closed", "/ok", exitcodes.OK, ()),  # `>&- 2>&-`: pytest's faulthandler asked the missing stderr for its fd
    ("closed", "/ok", exitcodes.OK, ("-n", "2")),
    ("read", "/ok", exitcodes.OK, ()),
], ids=["unwritable", "unwritable-failing", "unwritable-xdist", "closed", "closed-xdist", "read"])
def test_a_stderr_closed_leaves_the_run_its_code_and_its_archive(tmp_path, capsys, stdout, last_path, code, args):
    """`2>&-`: the run's own lines (the console lost, the demo starting) are dropped, never an AttributeError out of
    its last cleanup (exit 1, the archive saying 0) nor an INTERNALERROR with nothing checked."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, last_path)
        command, environ = project.command("-m", "postdeploy", "--env", "run", *args)
        (tmp_path / "console").write_text("")
        with open(tmp_path / "console", "rb") as read_only:  # every write fails (EBADF), as one to a full disk
            done = subprocess.run(command, cwd=project.root, env=environ, timeout=240,
                                  stdout={"unwritable": read_only, "closed": None, "read": subprocess.PIPE}[stdout],
                                  preexec_fn=_stderr_closed(stdout_too=stdout == "closed"), text=True)
    seen = done.stdout or ""
    assert done.returncode == code, (f"stdout {stdout}, stderr closed: expected exit {code} (the checks'); saw "
                                     f"{done.returncode}; stdout: {seen[-2000:]}")
    _no_traceback(seen)
    _, manifest = _sealed(project)
    assert manifest["exit_code"] == code
    if stdout == "read":
        assert "4 passed" in seen, seen[-2000:]


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["demo", "demo-xdist"])
def test_a_reader_of_stdout_and_stderr_that_goes_away_leaves_a_demo_run_its_code_and_its_archive(tmp_path, capsys,
                                                                                                 args):
    """`2>&1 | head -1`: the reader takes "starting the demo deployment …" and goes; "demo ready" then met a broken
    pipe, which ended the run 1 with nothing checked and no archive."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, "/ok", demo=True)
        got, first = _read_one_line_then_stop(project, *args, stderr_too=True)
    assert first.startswith("opsverify: starting the demo deployment"), first
    assert got == exitcodes.OK, f"stdout and stderr read as `2>&1 | head -1`: expected exit 0; saw {got}"
    _, manifest = _sealed(project)
    assert manifest["exit_code"] == exitcodes.OK


def test_a_stderr_without_a_reader_beside_a_stdout_that_cannot_be_written_leaves_the_run_its_code(tmp_path, capsys):
    """The line saying the console was lost meets a stderr whose reader has gone: dropped, the run's code kept."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, "/ok")
        command, environ = project.command("-m", "postdeploy", "--env", "run")
        (tmp_path / "console").write_text("")
        with open(tmp_path / "console", "rb") as read_only, \
                subprocess.Popen(command, cwd=project.root, env=environ, stdout=read_only, stderr=subprocess.PIPE,
                                 preexec_fn=interruptible) as started:
            started.stderr.close()  # the reader gone before anything is written
            try:
                got = started.wait(timeout=240)
            finally:
                started.kill()
    assert got == exitcodes.OK, f"stdout unwritable, stderr's reader gone: expected exit 0; saw {got}"
    _, manifest = _sealed(project)
    assert manifest["exit_code"] == exitcodes.OK
