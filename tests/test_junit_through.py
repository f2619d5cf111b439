"""`--junitxml PATH` where PATH is a symlink, a device or a FIFO is written through, as pytest's own writer does
(README: junit.xml row): the run used to rename a temporary file over it, putting a regular file in its place — as
root, `--junitxml /dev/null` turned the system's /dev/null into a file; a FIFO's reader waited for ever; a symlink was
replaced, its target never written. A regular file is still replaced whole. Every node here is made in tmp_path: a
test never touches /dev."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.junit import Destination, NoReader, write

from .project import Project

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a device node (mknod) needs root")
XML = b"<?xml version='1.0' encoding='utf-8'?>\n<testsuites />\n"


def _to(path: Path) -> Destination:
    return Destination(path, None, None)


@needs_root
def test_a_device_stays_a_device():
    """A null device of the test's own (major 1, minor 3, as /dev/null), in a folder of its own."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        device = Path(folder) / "null"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        write(_to(device), XML)
        assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a regular file"
        assert sorted(os.listdir(folder)) == ["null"], "no temporary file left beside it"


def test_a_fifo_with_a_reader_gets_the_bytes(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 10
    while True:  # the reader's open() blocks until the writer's: wait until it has the FIFO open
        try:
            write(_to(fifo), XML)
            break
        except NoReader:
            assert time.monotonic() < deadline, "the reader never opened the FIFO"
            time.sleep(0.01)
    reader.join(10)
    assert read == [XML]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"


def test_a_fifo_no_process_reads_is_said_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NoReader, match="a FIFO no process reads from"):
        write(_to(fifo), XML)
    assert time.monotonic() - started < 5
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_has_its_target_written(tmp_path):
    real = tmp_path / "real.xml"
    real.write_bytes(b"old, longer than what replaces it " * 10)
    link = tmp_path / "link.xml"
    link.symlink_to(real)
    write(_to(link), XML)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == XML
    dangling = tmp_path / "dangling.xml"
    dangling.symlink_to(tmp_path / "made.xml")
    write(_to(dangling), XML)
    assert dangling.is_symlink() and (tmp_path / "made.xml").read_bytes() == XML


def test_a_regular_file_is_still_replaced_whole(tmp_path):
    target = tmp_path / "junit.xml"
    target.write_bytes(b"old")
    before = os.stat(target).st_ino
    write(_to(target), XML)
    assert target.read_bytes() == XML and os.stat(target).st_ino != before, "a temporary file renamed over it"


def _passing_project(root: Path) -> Project:
    """One env item on a dotenv file (no server), which holds: the run ends 0 unless its outputs cannot be written."""
    root.mkdir(parents=True)
    env_file = root / "web.env"
    env_file.write_text("STRIPE_SECRET_KEY=sk_live_0123456789abcdef01234567\n", encoding="utf-8")
    project = Project(root, {"WEB_ENV": str(env_file)})
    project.checklist("shop", """
    - {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: postdeploy,
       params: {service: web, required: [STRIPE_SECRET_KEY]}}
    """)
    project.environment("systems:\n  shop:\n    services: {web: {env: {dotenv: \"${WEB_ENV}\"}}}\n")
    return project


def test_a_run_writes_through_a_symlink_and_says_a_fifo_without_reader(tmp_path):
    project = _passing_project(tmp_path / "p")
    out = project.root / "out"
    out.mkdir()
    (out / "link.xml").symlink_to(out / "real.xml")
    ran = project.run("-m", "postdeploy", "--env", "local", "--no-archive", "--junitxml=out/link.xml")
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert (out / "link.xml").is_symlink() and b"E1-stripe" in (out / "real.xml").read_bytes()
    assert "junit: out/link.xml" in ran.output, ran.output[-2000:]

    os.mkfifo(out / "fifo")
    ran = project.run("-m", "postdeploy", "--env", "local", "--no-archive", "--junitxml=out/fifo", timeout=60)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    said = [line for line in ran.output.splitlines() if "junit not written" in line]
    assert len(said) == 1 and "out/fifo: a FIFO no process reads from" in said[0], ran.output[-2000:]
    assert stat.S_ISFIFO(os.lstat(out / "fifo").st_mode)


def test_a_symlink_into_the_reports_folder_is_still_refused(tmp_path):
    """Written through, a link pointing among the evidence would write there: refused before any check, as that
    path itself is."""
    project = _passing_project(tmp_path / "p")
    (project.root / "reports" / "local").mkdir(parents=True)
    (project.root / "into-reports.xml").symlink_to(project.root / "reports" / "local" / "chain.jsonl")
    ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml=into-reports.xml")
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    assert "opsverify: --junitxml into-reports.xml: " in ran.output and "E1" not in ran.output, ran.output[-2000:]
    assert not (project.root / "reports" / "local" / "chain.jsonl").exists()
