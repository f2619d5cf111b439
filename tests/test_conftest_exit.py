"""A team's conftest that calls `pytest.exit` in a hook before any check ran ("outside the deploy window"): a run
that checked nothing never ends 0, whatever code it gives. While collecting, it ends as pytest.exit without a code
does (2, "interrupted before any check was selected", no archive), under xdist too; as the run is configured or its
session starts, in one masked line naming the conftest, the code as a conftest exiting at import gives it."""

from __future__ import annotations

import pytest

from .project import MisbehavingHttp
from .test_collection_once import CONFTEST_SECRET, _fleet_with_a_secret, _nothing_leaked

EXITS = 'import os, pytest\n\n\ndef {hook}:\n    pytest.exit("no flags " + os.environ["DB_PASSWORD"]{code})\n\n\n'


def _exiting(tmp_path, web, hook: str, code: str):
    return _fleet_with_a_secret(tmp_path, web, EXITS.format(hook=hook, code=code), where="conftest.py")


def _no_archive(project) -> None:
    local = project.root / "reports" / "local"
    assert not local.exists() or not any(local.iterdir()), sorted(local.iterdir())


@pytest.mark.parametrize("code, args", [
    (", returncode=0", []),
    ("", []),  # as it was: the same run, the code pytest.exit gives without one
    (", returncode=0", ["-n", "2"]),
    ("", ["-n", "2"]),
], ids=["exit-0", "exit", "exit-0-xdist", "exit-xdist"])
def test_a_conftest_exiting_while_collecting_ends_interrupted_with_nothing_selected(tmp_path, code, args):
    """`pytest.exit(..., returncode=0)` in pytest_collection_modifyitems ended 0 with a sealed archive of no row,
    `exit_code: 0`, not interrupted; under xdist any pytest.exit there ended in xdist's INTERNALERROR (exit 3), or,
    without a code, in its workers crashing one after another for a minute. Now each ends 2, interrupted before any
    check was selected, naming the conftest and its words masked, with no archive."""
    with MisbehavingHttp() as web:
        project = _exiting(tmp_path, web, "pytest_collection_modifyitems(items)", code)
        ran = project.run("--env", "local", "-m", "postdeploy", *args, timeout=60)
    shown = ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    assert ran.code == 2, shown
    _nothing_leaked(project, ran)
    assert "INTERNALERROR" not in ran.output and "Traceback" not in ran.output and "crashed" not in ran.output, shown
    [line] = [line for line in ran.done.stdout.splitlines() if line.startswith("interrupted before any check")]
    assert line.startswith("interrupted before any check was selected (conftest.py called pytest.exit: no flags "
                           "[redacted"), line
    assert line.endswith("): nothing was checked"), line
    assert "opsverify: no archive: interrupted before any check was selected (while collecting)" in ran.output, shown
    _no_archive(project)


@pytest.mark.parametrize("hook, code, args, exit_code", [
    ("pytest_sessionstart(session)", ", returncode=0", [], 2),
    ("pytest_configure(config)", ", returncode=0", [], 2),
    ("pytest_sessionstart(session)", "", [], 2),
    ("pytest_configure(config)", "", [], 2),
    ("pytest_sessionstart(session)", ", returncode=25", [], 25),  # a code the table gives is kept
    ("pytest_sessionstart(session)", ", returncode=0", ["-n", "2"], 2),
], ids=["sessionstart-0", "configure-0", "sessionstart", "configure", "sessionstart-25", "sessionstart-0-xdist"])
def test_a_conftest_exiting_as_the_run_starts_stops_it_in_one_masked_line(tmp_path, hook, code, args, exit_code):
    """`pytest.exit(..., returncode=0)` in pytest_sessionstart or pytest_configure ended 0, nothing checked, no
    archive; with or without a code, pytest wrote `Exit: <its words>` unmasked on stderr. One line now, masked,
    naming the conftest and the hook, the code as one exiting at import gives it (never 0), nothing written."""
    with MisbehavingHttp() as web:
        project = _exiting(tmp_path, web, hook, code)
        ran = project.run("--env", "local", "-m", "postdeploy", *args, timeout=60)
    shown = ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    assert ran.code == exit_code, shown
    _nothing_leaked(project, ran)
    assert "Traceback" not in ran.output and "!!!" not in ran.output, shown
    [line] = ran.done.stderr.strip().splitlines()
    name = hook.partition("(")[0]
    assert line.startswith(f"opsverify: conftest.py ended the run in {name} (pytest.exit: no flags [redacted"), line
    assert line.endswith("): no item was checked"), line
    assert not (project.root / "reports").exists() or not any((project.root / "reports").iterdir())
