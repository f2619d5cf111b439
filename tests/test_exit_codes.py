"""Every exit code of the one table (opsverify/exitcodes.py) is produced by a real run, and means
what the table says; `opsverify --help` prints the table."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from opsverify import exitcodes
from opsverify.cli import main

from .helpers import UNUSED_PLUGINS, interruptible
from .kit import refused_port
from .project import MisbehavingHttp, Project, scratch_database

ITEM = """
- {{id: E1, name: probe, section: S, title: the probe answers, family: http, cadence: postdeploy,
   params: {{service: web, path: {path}}}}}
"""


def _project(tmp_path, web, path="/ok", **variables) -> Project:
    project = Project(tmp_path, {"WEB_URL": web.url, **variables})
    project.checklist("site", ITEM.format(path=path))
    project.environment("""
    timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
    systems: {site: {services: {web: {url: "${WEB_URL}"}}}}
    """)
    return project


def _with_database(project: Project, url: str) -> None:
    project.variables["DB_URL"] = url
    project.checklist("data", """
    - {id: D1, name: answers, section: S, title: the database answers, family: sql, cadence: postdeploy,
       params: {query: select 1 as n, expect: {n: {eq: 1}}}}
    """)
    project.environment("""
    timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
    systems: {site: {services: {web: {url: "${WEB_URL}"}}}, data: {database: "${DB_URL}"}}
    """)


def ok(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local")


def failed(tmp_path, web, request):
    return _project(tmp_path, web, "/fail").run("--env", "local")


def interrupted(tmp_path, web, request):
    """Ctrl-C while a target hangs."""
    project = _project(tmp_path, web, "/hang")
    process = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env",
                                "local"],
                               cwd=project.root, env={**_environ(), **project.variables}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, preexec_fn=interruptible)
    time.sleep(0.1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (project.root / "reports").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    return _Done(process.returncode, out)


def internal(tmp_path, web, request):
    project = _project(tmp_path, web)
    (project.root / "conftest.py").write_text("def pytest_collection_finish(session):\n    raise RuntimeError('boom')\n")
    return project.run("--env", "local")


def usage(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local", "--no-such-option")


def no_checks(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local", "-m", "weekly")


def could_not_check(tmp_path, web, request):
    return _project(tmp_path, web, "/hang").run("--env", "local")


def bad_config(tmp_path, web, request):
    project = _project(tmp_path, web)
    (project.root / "checklists" / "site.yaml").write_text("system: site\nitems: [unclosed\n")
    return project.run("--env", "local")


def unknown_env(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "prodd")


def missing_variable(tmp_path, web, request):
    project = _project(tmp_path, web)
    del project.variables["WEB_URL"]
    return project.run("--env", "local")


def unreachable(tmp_path, web, request):
    project = _project(tmp_path, web)
    _with_database(project, f"postgresql://u:pw-refused-1@127.0.0.1:{refused_port()}/d")
    return project.run("--env", "local")


def credentials(tmp_path, web, request):
    demo = request.getfixturevalue("demo_deployment")
    project = _project(tmp_path, web)
    with scratch_database(demo, "select 1") as db:
        _with_database(project, db["url"].replace(demo.checker_password, "wrong-password"))
        return project.run("--env", "local")


def archive_failed(tmp_path, web, request):
    """The reports folder cannot be made (a file sits where it should be): the checks ran, no evidence."""
    project = _project(tmp_path, web)
    (project.root / "reports").write_text("not a folder")
    return project.run("--env", "local")


def demo_failed(tmp_path, web, request):
    project = _project(tmp_path, web)
    project.environment("demo: true\nsystems: {site: {}}\n", name="demo")
    return project.run("--env", "demo", "--demo-fault", "no-such-fault")


def _waive_expired(project: Project) -> None:
    (project.root / "waivers").mkdir()
    (project.root / "waivers" / "local.yaml").write_text(
        "waivers:\n  - {item: E1, reason: r, approver: a, ticket: T-1, expires: 2020-01-01}\n")


def waiver_expired(tmp_path, web, request):
    """Nothing failed, but the waiver of a checked item has run out."""
    project = _project(tmp_path, web)
    _waive_expired(project)
    return project.run("--env", "local")


def report_failed(tmp_path, web, request):
    """--html with no renderer installed: the archive is complete, its HTML is not."""
    return _project(tmp_path, web).run("--env", "local", "--html", env={"OPSVERIFY_RENDERER_DIR": str(tmp_path / "none")})


def _archives(tmp_path, web, count: int = 2, env: dict[str, str] | None = None) -> list:
    project = _project(tmp_path, web)
    for _ in range(count):
        assert project.run("--env", "local", env=env).code == 0
    return sorted(p for p in (project.root / "reports" / "local").iterdir() if p.is_dir())


def _verify(*args: str) -> _Done:
    done = subprocess.run([sys.executable, "-m", "opsverify", "verify", *args], capture_output=True, text=True,
                          timeout=60)
    return _Done(done.returncode, done.stdout + done.stderr)


def tampered(tmp_path, web, request):
    first, _ = _archives(tmp_path, web)
    (first / "results.json").write_text("{}")
    return _verify(str(first))


def bad_signature(tmp_path, web, request):
    """Every file intact, the manifest edited after it was signed."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from opsverify import seal

    (archive,) = _archives(tmp_path, web, 1, env={seal.SIGNING_KEY_ENV: seal.private_pem(Ed25519PrivateKey.generate())})
    manifest = archive / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"deploy_id": "local"', '"deploy_id": "other"'))
    return _verify(str(archive))


def broken_chain(tmp_path, web, request):
    """The older of two archives removed by hand, not by `opsverify prune`."""
    import shutil

    first, second = _archives(tmp_path, web)
    shutil.rmtree(first)
    return _verify(str(second.parent))


def not_an_archive(tmp_path, web, request):
    return _verify(str(tmp_path))


SCENARIOS = {
    "ok": ok, "failed": failed, "interrupted": interrupted, "internal": internal, "usage": usage,
    "no-checks": no_checks, "could-not-check": could_not_check, "bad-config": bad_config, "unknown-env": unknown_env,
    "missing-variable": missing_variable, "unreachable": unreachable, "credentials": credentials, "demo": demo_failed,
    "archive": archive_failed, "waiver-expired": waiver_expired, "report": report_failed, "tampered": tampered,
    "bad-signature": bad_signature, "broken-chain": broken_chain, "not-an-archive": not_an_archive,
}


class _Done:
    def __init__(self, code: int, output: str):
        self.code, self.output = code, output


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}


@pytest.mark.parametrize("entry", exitcodes.TABLE, ids=[e.name for e in exitcodes.TABLE])
def test_every_exit_code_is_produced(entry, tmp_path, request):
    scenario = SCENARIOS.get(entry.name)
    assert scenario is not None, f"no scenario produces exit code {entry.code} ({entry.name})"
    with MisbehavingHttp() as web:
        ran = scenario(tmp_path, web, request)
    assert ran.code == entry.code, ran.output[-3000:]
    assert "Traceback" not in ran.output or entry.name == "internal"


def test_help_prints_the_table(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for entry in exitcodes.TABLE:
        assert f"{entry.code:>3}  {entry.name}" in out


def test_readme_lists_the_table():
    from .helpers import ROOT

    assert exitcodes.markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_order_of_the_codes_is_said_beside_the_table(capsys):
    """A Ctrl-C'd run in which a check failed exits 1, not 2: the README and --help say which code outranks which,
    in the words exitcodes.py orders them by."""
    from .helpers import ROOT

    assert "1, then 24, 23, 10, then 26 (" in exitcodes.PRECEDENCE and "then 2, then 27, then 5" in exitcodes.PRECEDENCE
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert exitcodes.PRECEDENCE in readme
    with pytest.raises(SystemExit):
        main(["--help"])
    assert exitcodes.PRECEDENCE in " ".join(capsys.readouterr().out.split())  # argparse may wrap the epilog


@pytest.mark.parametrize("exitstatus, blocking, errors, causes, expired, interrupted, code", [
    (exitcodes.FAILED, 1, 1, {"credentials"}, True, True, exitcodes.FAILED),
    (exitcodes.FAILED, 0, 1, {"credentials", "unreachable"}, True, True, exitcodes.CREDENTIALS),
    (exitcodes.FAILED, 0, 1, {"unreachable"}, True, True, exitcodes.UNREACHABLE),
    (exitcodes.FAILED, 0, 1, set(), True, True, exitcodes.COULD_NOT_CHECK),
    (exitcodes.FAILED, 0, 0, set(), True, True, exitcodes.INTERRUPTED),  # -x stopped it on a failure below --fail-on
    (exitcodes.FAILED, 0, 0, set(), True, False, exitcodes.WAIVER_EXPIRED),
    (exitcodes.OK, 0, 0, set(), True, False, exitcodes.WAIVER_EXPIRED),
    (exitcodes.FAILED, 0, 0, set(), False, False, exitcodes.OK),  # only failures below --fail-on
    # Ctrl-C (or a CI job's SIGTERM) after what ran had already decided the run: the first that holds still wins
    (exitcodes.INTERRUPTED, 1, 1, {"unreachable"}, True, True, exitcodes.FAILED),
    (exitcodes.INTERRUPTED, 0, 1, {"credentials", "unreachable"}, True, True, exitcodes.CREDENTIALS),
    (exitcodes.INTERRUPTED, 0, 1, {"unreachable"}, True, True, exitcodes.UNREACHABLE),
    (exitcodes.INTERRUPTED, 0, 1, set(), True, True, exitcodes.COULD_NOT_CHECK),
    (exitcodes.INTERRUPTED, 0, 0, set(), True, True, exitcodes.INTERRUPTED),  # only failures below --fail-on, if any
])
def test_the_first_exit_code_that_holds_wins(exitstatus, blocking, errors, causes, expired, interrupted, code):
    """The order exitcodes.py states: 1, then 24, 23, 10 (the verifier could not look), then 2, then 27."""
    from opsverify.archive import run_exit_code

    assert run_exit_code(exitstatus, blocking=blocking, errors=errors, cause_kinds=causes, expired=expired,
                         interrupted=interrupted) == code


@pytest.mark.parametrize("code, then", [
    (exitcodes.FAILED, exitcodes.FAILED), (exitcodes.CREDENTIALS, exitcodes.CREDENTIALS),
    (exitcodes.UNREACHABLE, exitcodes.UNREACHABLE), (exitcodes.COULD_NOT_CHECK, exitcodes.COULD_NOT_CHECK),
    (exitcodes.INTERRUPTED, exitcodes.ARCHIVE), (exitcodes.WAIVER_EXPIRED, exitcodes.ARCHIVE),
    (exitcodes.NO_CHECKS, exitcodes.ARCHIVE), (exitcodes.OK, exitcodes.ARCHIVE),
])
def test_evidence_not_written_falls_after_1_24_23_10(code, then):
    """26 where PRECEDENCE puts it: a broken deploy, or one that could not be looked at, is never hidden by a disk that
    filled up at the end of the run; 26 outranks what only the lost archive would have said (2, 27, 5)."""
    assert exitcodes.evidence_missing(code) == then
    order = [int(n) for n in re.findall(r"\b\d+\b", exitcodes.PRECEDENCE.split(" else 0")[0].split(": ", 1)[1])]
    assert order == [1, 24, 23, 10, 26, 2, 27, 5]
    assert all(order.index(c) < order.index(exitcodes.ARCHIVE) for c in exitcodes.OUTRANK_MISSING_EVIDENCE)


@pytest.mark.parametrize("stop", [("-x",), ("--maxfail", "1")], ids=["x", "maxfail"])
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_run_stopped_early_never_exits_0(tmp_path, stop, workers):
    """-x stops at S2's failure, which --fail-on blocker does not count: the items after it were never checked,
    so the run is interrupted, not clean. (Under xdist every item may have run before the stop: then it is clean.)"""
    from .runbook import make_runbook, read_json

    runbook = make_runbook(tmp_path)
    result = runbook.run("--system", "shop", "--system", "till", "-k", "not S4", "--fail-on", "blocker", *stop, *workers)
    manifest = read_json(runbook.newest() / "manifest.json")
    assert manifest["interrupted"] is (manifest["ran"] < manifest["selected"]) or not workers
    expected = exitcodes.INTERRUPTED if manifest["interrupted"] else exitcodes.OK
    assert result.returncode == manifest["exit_code"] == expected, result.stdout[-3000:]
    if not workers:
        assert manifest["interrupted"] is True and manifest["ran"] == 2  # S1 passed, S2 failed, then the stop


@pytest.mark.parametrize("path, database, code", [
    ("/ok", True, exitcodes.UNREACHABLE), ("/hang", False, exitcodes.COULD_NOT_CHECK)], ids=["unreachable", "error"])
def test_could_not_look_outranks_an_expired_waiver(tmp_path, path, database, code):
    """An expired waiver (27) says the rest was checked and held: not so when the verifier could not look."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, path)
        if database:
            _with_database(project, f"postgresql://u:pw-refused-1@127.0.0.1:{refused_port()}/d")
        _waive_expired(project)
        ran = project.run("--env", "local")
    assert ran.code == code, ran.output[-3000:]
    assert "waiver expired" in ran.output


SIGNAL_ONCE_DECIDED = """
import os, signal

decided = []

def pytest_runtest_logreport(report):
    if report.failed:
        decided.append(report.nodeid)

def pytest_runtest_setup(item):  # an item failed or could not check; the run is stopped before the next one
    if decided:
        os.kill(os.getpid(), signal.{stop})
"""


LATER = """
- {{id: {id}, name: later, section: S, title: the site answers later, family: http, cadence: postdeploy,
   params: {{service: web, path: /ok}}}}
"""


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("path, database, code", [
    ("/fail", False, exitcodes.FAILED), ("/ok", True, exitcodes.UNREACHABLE)], ids=["failed", "unreachable"])
def test_an_interrupted_run_that_failed_exits_with_what_failed(tmp_path, stop, path, database, code):
    """Interrupted after an item failed (1), or after a database could not be reached (23): that outranks 2, as
    exitcodes.py orders them; the archive says both."""
    from .runbook import read_json

    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, path)
        project.checklist("site", ITEM.format(path=path) + LATER.format(id="E2"))
        if database:
            _with_database(project, f"postgresql://u:pw-refused-1@127.0.0.1:{refused_port()}/d")
            project.checklist("zz", LATER.format(id="Z1"))  # after the database's item, whichever system is first
        (project.root / "conftest.py").write_text(SIGNAL_ONCE_DECIDED.format(stop=stop))
        process = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env",
                                  "local"],
                                 cwd=project.root, env={**_environ(), **project.variables}, capture_output=True,
                                 text=True, timeout=120, preexec_fn=interruptible)
    out = process.stdout + process.stderr
    (archive,) = [p for p in (project.root / "reports" / "local").iterdir() if not p.name.startswith(".")]
    manifest = read_json(archive / "manifest.json")
    assert manifest["interrupted"] is True and manifest["ran"] < manifest["selected"], out[-3000:]
    assert process.returncode == manifest["exit_code"] == code, out[-3000:]
    assert "Traceback" not in out


def test_an_interrupted_rendering_keeps_a_failed_runs_1(tmp_path):
    """Ctrl-C during --html, after the archive of a failed run was sealed: the run still exits 1, as its archive says."""
    from .runbook import INTERRUPTED_RENDERING, make_runbook, read_json

    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(INTERRUPTED_RENDERING)
    result = runbook.run("--item", "S2", "--html")  # S2 fails (tests/runbook.py)
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:] + result.stderr
    assert "report not rendered: interrupted (the archive is complete" in result.stdout
    assert read_json(runbook.newest() / "manifest.json")["exit_code"] == exitcodes.FAILED


# Signals are sent by the run itself, from a hook at a known moment (no sleeping, no timing): a conftest.py.
SIGNAL_AT_SUMMARY = """
import os, signal
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter):  # the archive is sealed; its summary is about to be printed
    os.kill(os.getpid(), signal.{stop})
"""

SIGNAL_WHILE_SEALING = """
import os, signal
from opsverify import archive

sealing = archive.ArchiveReporter._complete_archive

def signalled_while_sealing(self, *args, **kwargs):  # the moment the archive is being sealed
    os.kill(os.getpid(), signal.{stop})
    return sealing(self, *args, **kwargs)

archive.ArchiveReporter._complete_archive = signalled_while_sealing
"""

SIGNAL_AT_CLEANUP = """
import os, signal

def pytest_configure(config):  # a cleanup registered now runs before the run's own last ones (the demo stopping)
    config.add_cleanup(lambda: os.kill(os.getpid(), signal.{stop}))
"""

SIGNAL_TWICE = """
import os, signal

def pytest_runtest_setup(item):  # the first stops the run, as a CI job's timeout does
    os.kill(os.getpid(), signal.SIGTERM)

def pytest_keyboard_interrupt(excinfo):  # a second one while pytest handles the first
    os.kill(os.getpid(), signal.{stop})

def pytest_sessionfinish(session):  # and one more as the run ends
    os.kill(os.getpid(), signal.{stop})
"""


SIGNAL_AT_EXIT = """
import atexit, os, signal, sys

def at_exit():  # the process's last Python code: after the run's last cleanup, pytest.main returned
    os.kill(os.getpid(), signal.{stop})
    # what holds until the very end: the interpreter then puts a Python handler back to the default
    dispositions = [signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)]
    sys.stderr.write(f"at exit: {{'ignored' if dispositions == [signal.SIG_IGN] * 2 else dispositions}}\\n")

def pytest_configure(config):
    atexit.register(at_exit)
"""


def _signalled(tmp_path, web, conftest: str, path: str = "/ok"):
    project = _project(tmp_path, web, path)
    (project.root / "conftest.py").write_text(conftest)
    process = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env",
                                "local"],
                               cwd=project.root, env={**_environ(), **project.variables}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    from .runbook import read_json

    (archive,) = [p for p in (project.root / "reports" / "local").iterdir() if not p.name.startswith(".")]
    return process.returncode, out, err, archive, read_json(archive / "manifest.json")


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_signal_while_the_summary_prints_ends_2_with_the_archive_line(tmp_path, stop):
    """The archive is sealed (every item ran: it says 0); a signal then is noted, not raised: the summary is printed
    whole — its archive line is the anchor for verify --expect — with no traceback, and the run exits 2."""
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, SIGNAL_AT_SUMMARY.format(stop=stop))
    assert code == exitcodes.INTERRUPTED, out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err
    assert f"archive: reports/local/{archive.name} (" in out
    assert manifest["exit_code"] == exitcodes.OK and manifest["interrupted"] is False
    assert f"opsverify: {stop} arrived as the run was ending: its archive and summary are complete" in err


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_signal_while_the_archive_is_sealed_is_noted_not_dropped(tmp_path, stop):
    """Sealing finishes (every item ran: the archive says 0), and the signal is not lost: the run exits 2."""
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, SIGNAL_WHILE_SEALING.format(stop=stop))
    assert code == exitcodes.INTERRUPTED, out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err
    assert f"archive: reports/local/{archive.name} (" in out and manifest["exit_code"] == exitcodes.OK


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_signal_while_the_run_cleans_up_is_noted_not_fatal(tmp_path, stop):
    """After the summary, while the run stops what it started: the signal neither kills it (143) nor is lost."""
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, SIGNAL_AT_CLEANUP.format(stop=stop))
    assert code == exitcodes.INTERRUPTED, out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err and f"archive: reports/local/{archive.name} (" in out


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("moment", [SIGNAL_WHILE_SEALING, SIGNAL_AT_SUMMARY, SIGNAL_AT_CLEANUP],
                         ids=["sealing", "summary", "cleanup"])
def test_a_signal_while_a_failed_run_ends_keeps_its_1(tmp_path, stop, moment):
    """Every item ran and one failed: a signal while the run ends is noted, and 1 outranks 2, as exitcodes.py orders
    them (interrupted or not) and as the archive says."""
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, moment.format(stop=stop), path="/fail")
    assert code == exitcodes.FAILED == manifest["exit_code"], out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err and f"archive: reports/local/{archive.name} (" in out
    assert (f"opsverify: {stop} arrived as the run was ending: its archive and summary are complete; it exits 1, "
            "which outranks 2 (interrupted)") in err


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_a_second_signal_while_the_first_is_handled_ends_2_without_traceback(tmp_path, stop):
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, SIGNAL_TWICE.format(stop=stop))
    assert code == exitcodes.INTERRUPTED == manifest["exit_code"], out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err
    assert manifest["interrupted"] is True
    assert f"archive: reports/local/{archive.name} (" in out and ", interrupted)" in out


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("path", ["/ok", "/fail"])
def test_a_signal_after_the_exit_code_is_decided_does_not_change_it(tmp_path, stop, path):
    """The archive is sealed, the summary printed and the run's last cleanup has decided its exit code: a CI's
    SIGTERM (or Ctrl-C) as the process exits — xdist's teardown, the interpreter's — neither kills it (143, 130)
    nor changes its code: it ends with the code its archive says."""
    with MisbehavingHttp() as web:
        code, out, err, archive, manifest = _signalled(tmp_path, web, SIGNAL_AT_EXIT.format(stop=stop), path=path)
    assert code == manifest["exit_code"] == (exitcodes.OK if path == "/ok" else exitcodes.FAILED), \
        out[-3000:] + err[-3000:]
    assert "Traceback" not in out + err and f"archive: reports/local/{archive.name} (" in out
    assert "at exit: ignored" in err, err[-3000:]  # as the interpreter finishes, too


HANDLED_IN_EXEC = """
import os, signal
from opsverify.plugin import INTERRUPTIONS

INTERRUPTIONS.install()
try:  # the signal lands while a string is exec'd (a dataclass being built as a module loads)
    exec("os.kill(os.getpid(), signal.SIGTERM)\\nfor _ in range(10 ** 8): pass")
except KeyboardInterrupt:
    print("handled")
INTERRUPTIONS.exit_code_decided()
raise SystemExit(2)
"""


def test_an_interrupt_handled_inside_exec_keeps_the_exit_code_the_run_chose(tmp_path):
    """CPython marks a KeyboardInterrupt raised inside exec() of a string as unhandled even once caught, and a
    `python -m` program then died of SIGINT (130) at exit: a SIGTERM while the checklists loaded ended 130 now and
    then instead of 2, after saying "interrupted while loading". The run's last cleanup clears the mark."""
    (tmp_path / "handled_in_exec.py").write_text(HANDLED_IN_EXEC)
    done = subprocess.run([sys.executable, "-m", "handled_in_exec"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**_environ(), "PYTHONPATH": str(tmp_path)}, preexec_fn=interruptible)
    assert "handled" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])


EMBEDDED = """
import signal, sys
import pytest

before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
code = pytest.main(["-p", "no:cacheprovider", "--env", "local"])
after = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
print("handlers as before" if after == before else f"handlers changed: {before} -> {after}")
sys.exit(int(code))
"""


def test_a_run_inside_another_program_gives_its_signals_back(tmp_path):
    """pytest.main() called by another program: once the run is over, Ctrl-C and SIGTERM are that program's again,
    as it had them (only pytest's own program keeps noting them to its exit)."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web)
        done = subprocess.run([sys.executable, "-c", EMBEDDED], cwd=project.root, capture_output=True, text=True,
                              timeout=120, env={**_environ(), **project.variables}, preexec_fn=interruptible)
    assert done.returncode == exitcodes.OK, done.stdout[-3000:] + done.stderr[-3000:]
    assert "handlers as before" in done.stdout, done.stdout[-3000:]


# -- an empty selection (exit 5) says what most likely made it empty ---------------------------------------------
@pytest.mark.parametrize("options, said", [
    (["-m", "postdeploi"], "-m 'postdeploi' names a mark no runbook item carries; theirs: daily, postdeploy"),
    (["-m", "postdeploy", "--item", "N1"], "--item N1 is a daily item, which -m 'postdeploy' leaves out"),
    (["-m", "daily", "--item", "N1", "-k", "zzz"], "--item N1 was left out by -k 'zzz'"),
])
def test_an_empty_selection_says_why(tmp_path, options, said):
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web)
        project.checklist("nightly", """
        - {id: N1, name: up, section: S, title: the site answers at night, family: http, cadence: daily,
           params: {service: web, path: /ok}}
        """)
        project.environment("""
        systems:
          site: {services: {web: {url: "${WEB_URL}"}}}
          nightly: {services: {web: {url: "${WEB_URL}"}}}
        """)
        ran = project.run("--env", "local", *options)
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert f"no archive: no check was selected ({said})" in ran.output


def test_a_run_started_below_the_project_says_where_to_start_it(tmp_path):
    """pytest follows the ini's testpaths only when started in the project folder; below it, it looks where it is."""
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web)
        (project.root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["checklists"]\n')
        below = project.root / "docs"
        below.mkdir()
        done = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env",
                               "local"], cwd=below,
                              capture_output=True, text=True, timeout=240, env={**_environ(), **project.variables})
    assert done.returncode == exitcodes.NO_CHECKS, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"pytest was started in {below}, below the project: it looks only there; start it in {project.root}" in (
        done.stdout + done.stderr)
