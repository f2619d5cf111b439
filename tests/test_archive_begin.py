"""A run interrupted while its archive begins (Ctrl-C, SIGTERM while git is asked for the suite's commit, which a
large checkout makes take seconds) leaves nothing behind: not its hidden `.partial-*` folder, nor the folders it
made for it."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify import archive, exitcodes
from opsverify.archive import hold_partial
from opsverify.secrets import Redactor

from .runbook import make_runbook


def _interrupted_begin(monkeypatch, reports: Path) -> None:
    def interrupted(root: Path) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(archive, "suite_commit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        archive.Archive.begin(reports=reports, env=SimpleNamespace(name="fx"), root=reports.parent, deploy_id=None,
                              redactor=Redactor())


def test_an_archive_interrupted_as_it_begins_leaves_no_folder_it_made(tmp_path, monkeypatch):
    locks = []

    def hold(partial: Path) -> int:
        locks.append((hold_partial(partial), str(partial.parent)))
        return locks[-1][0]

    monkeypatch.setattr(archive, "hold_partial", hold)
    _interrupted_begin(monkeypatch, tmp_path / "evidence" / "reports")
    assert sorted(tmp_path.iterdir()) == [], f"expected nothing left under {tmp_path}, saw {list(tmp_path.rglob('*'))}"
    ((fd, env_dir),) = locks
    with contextlib.suppress(FileNotFoundError):  # the partial folder's lock is let go (its number maybe reused)
        assert not os.readlink(f"/proc/self/fd/{fd}").startswith(env_dir), "the partial folder's lock is still held"


def test_an_archive_interrupted_as_it_begins_leaves_the_env_folder_as_it_was(tmp_path, monkeypatch):
    earlier = tmp_path / "reports" / "fx" / "20260101T000000Z_local"
    earlier.mkdir(parents=True)
    _interrupted_begin(monkeypatch, tmp_path / "reports")
    assert sorted((tmp_path / "reports" / "fx").iterdir()) == [earlier]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_stopped_while_git_names_the_suites_commit_leaves_no_partial_folder(tmp_path, signum):
    """A `git` that stops its caller as Ctrl-C or a CI job's timeout would, while the run asks it for the suite's
    commit: the run's partial folder is made by then. No timing: the signal is sent from inside the call."""
    runbook = make_runbook(tmp_path / "project")
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nkill -{signal.Signals(signum).name.removeprefix('SIG')} $PPID\nexit 1\n")
    fake.chmod(0o755)
    result = runbook.run(env={"PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"})
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-2000:] + result.stderr[-2000:]
    assert "opsverify: interrupted while" in result.stderr and "nothing was checked" in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    left = sorted(str(p.relative_to(runbook.root)) for p in runbook.reports.rglob("*")) if runbook.reports.exists() \
        else None
    assert left is None, f"expected no reports folder after the interrupted start, saw {left}"
