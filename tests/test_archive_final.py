"""What a run's archive ends as: a name nothing else in the env folder has (a dangling symlink there too), a
write failure that names the path it failed on, and no file larger than `verify` accepts."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import resource
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from opsverify import archive_writer, exitcodes, seal
from opsverify.cli import main

from .helpers import UNUSED_PLUGINS
from .runbook import make_runbook


def test_a_dangling_symlink_under_the_next_archives_name_is_stepped_around(tmp_path, capsys):
    """All items passed, then the archive was lost ("Not a directory", exit 26): `os.replace` onto a symlink that
    leads nowhere. Names taken by anything at all are taken."""
    runbook = make_runbook(tmp_path)
    runbook.env_dir.mkdir(parents=True)
    now = dt.datetime.now(dt.timezone.utc)
    planted = {f"{now + dt.timedelta(seconds=s):%Y%m%dT%H%M%SZ}_dl" for s in range(-5, 600)}
    for name in planted:
        (runbook.env_dir / name).symlink_to("/nonexistent")
    result = runbook.run("--item", "S1", "--deploy-id", "dl")
    assert result.returncode == exitcodes.OK, result.stdout[-2000:] + result.stderr[-2000:]
    (archive,) = runbook.archives()
    assert re.fullmatch(r"\d{8}T\d{6}Z_dl-2", archive.name) and archive.name.removesuffix("-2") in planted
    assert main(["verify", str(archive)]) == exitcodes.OK
    assert main(["verify", str(runbook.env_dir)]) == exitcodes.TAMPERED  # the links are said
    assert "a symlink under an archive's name" in capsys.readouterr().out


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_an_archive_not_written_names_the_path_it_failed_on(tmp_path):
    runbook = make_runbook(tmp_path)
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p", "no:cacheprovider",
               "-m",
               "postdeploy", "--reports-dir", str(runbook.reports)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **runbook.variables()},
                            preexec_fn=_file_size_limit(2048))
    # S2 failed: its 1 outranks the archive's 26 (exitcodes.PRECEDENCE), and the line still says what was not written
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:] + result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if "archive not written" in line]
    assert re.fullmatch(r"opsverify: archive not written: reports/fx/\.partial-[^/]+/[^:]+: File too large", line), line


def test_the_writer_writes_no_file_larger_than_verify_hashes(tmp_path, monkeypatch):
    assert archive_writer.FILE_LIMIT == 2 << 30 and seal.FILE_LIMIT == archive_writer.FILE_LIMIT
    monkeypatch.setattr(archive_writer, "FILE_LIMIT", 8)
    archive_writer.write_file(str(tmp_path / "at-the-limit"), b"x" * 8, replace=False)
    with pytest.raises(OSError) as refused:
        archive_writer.write_file(str(tmp_path / "over"), b"x" * 9, replace=False)
    assert refused.value.errno == errno.EFBIG and not (tmp_path / "over").exists()


def test_a_name_taken_while_the_manifest_is_sealed_is_stepped_around(tmp_path, monkeypatch):
    """The env lock keeps out runs, not a link made between choosing the name and the rename (a race that lost a
    finished run's archive, exit 26): the name is claimed atomically, and when it was taken meanwhile the archive
    is sealed again under the next free name."""
    from opsverify.archive import Archive
    from opsverify.secrets import Redactor

    from .test_archive_stream import _archive

    archive = _archive(tmp_path, Redactor())
    chosen = Archive._final_name

    def taken_once_chosen(self):
        final = chosen(self)
        if not final.name.endswith("-2"):
            final.symlink_to("/nonexistent")  # made after the name was chosen, before the rename
        return final

    monkeypatch.setattr(Archive, "_final_name", taken_once_chosen)
    final = archive.complete({"results.json": b"{}"}, {})
    assert final.name == "20261201T000000Z_d1-2" and final.is_dir() and not final.is_symlink()
    assert json.loads((final / "manifest.json").read_text())["archive"] == final.name
    assert (final.parent / "20261201T000000Z_d1").is_symlink()
    assert main(["verify", str(final)]) == exitcodes.OK


def test_a_name_a_prune_freed_is_not_taken_before_a_later_one_of_the_same_second(tmp_path):
    """Runs of one second are named `…_d1`, `…_d1-2`, …: a prune that removed `…_d1` left the name free, and the next
    run of that second took it, so its name sorted before the archive it follows (a fast machine's test saw it)."""
    from opsverify.secrets import Redactor

    from .test_archive_stream import _archive

    archive = _archive(tmp_path, Redactor())
    (archive.env_dir / "20261201T000000Z_d1-2").mkdir(parents=True)  # `…_d1` pruned: `…_d1-2` the newest kept
    (archive.env_dir / "20261201T000000Z_d1-x").mkdir()  # no run's name: not counted
    final = archive.complete({"results.json": b"{}"}, {})
    assert final.name == "20261201T000000Z_d1-3"


def test_a_suffix_grown_past_a_file_names_room_is_stepped_back_from(tmp_path):
    from opsverify.secrets import Redactor

    from .test_archive_stream import _archive

    archive = _archive(tmp_path, Redactor())
    base = "20261201T000000Z_d1"
    (archive.env_dir / f"{base}-{'9' * (255 - len(base) - 1)}").mkdir(parents=True)  # no run's: as long as a name goes
    assert archive.complete({"results.json": b"{}"}, {}).name == base


@pytest.mark.parametrize("options, code", [(("-k", "nomatch"), exitcodes.NO_CHECKS), (("--collect-only",), exitcodes.OK)],
                         ids=["nothing-selected", "collect-only"])
def test_the_junit_of_a_run_that_checked_nothing_lists_no_manual_item(tmp_path, options, code):
    """`-m postdeploy` leaves S5 (manual) out; a run lists it in junit.xml as skipped only beside what it ran: with
    nothing selected, or nothing run, a CI's test view must not read a green run of skipped items."""
    runbook = make_runbook(tmp_path)
    result = runbook.run("--junitxml", "junit.xml", *options, marks="postdeploy")
    assert result.returncode == code, result.stdout[-3000:] + result.stderr[-3000:]
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.findall("testcase") == [] and suite.get("tests") == "0"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert "manual" not in properties and properties["ran"] == "0"
