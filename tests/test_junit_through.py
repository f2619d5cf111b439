"""`--junitxml PATH` where PATH is a symlink, a device or a FIFO is written through, as pytest's own writer does
(README: junit.xml row): the run used to rename a temporary file over it, putting a regular file in its place — as
root, `--junitxml /dev/null` turned the system's /dev/null into a file; a FIFO's reader waited for ever; a symlink was
replaced, its target never written. A regular file is still replaced whole. Every node here is made in tmp_path: a
test never touches /dev."""

from __future__ import annotations

import fcntl
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.cli import main
from opsverify.junit import Destination, NoReader, Repointed, Stalled, resolve, write

from .kit import route_server
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


def _stalled_reader(fifo: Path) -> int:
    """The FIFO made and opened for reading by a reader that never reads, its pipe already full: a log collector
    that stopped. One page of pipe (the least there is), filled by a writer of the test's own, so no timing and no
    size of the JUnit decides whether the next write would block."""
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
    filler = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        while True:
            os.write(filler, b"x" * 4096)
    except BlockingIOError:
        pass
    finally:
        os.close(filler)
    return reader


def test_a_fifo_whose_reader_stopped_reading_is_said_not_waited_on_for_ever(tmp_path):
    reader = _stalled_reader(tmp_path / "fifo")
    try:
        with pytest.raises(Stalled, match=r"its reader took no byte for 0\.2 s .*cut short after 0 of 50000 bytes"):
            write(_to(tmp_path / "fifo"), b"y" * 50_000, stall_s=0.2)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)


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


def test_a_run_whose_fifo_reader_stopped_ends_26_with_its_archive_sealed(tmp_path):
    """The run wrote blocking into a FIFO whose reader had stopped, before sealing its archive: it never ended
    (SIGTERM and Ctrl-C are only noted while a run ends), and no archive was left. The timeout is the harness's."""
    project = _passing_project(tmp_path / "p")
    (project.root / "out").mkdir()
    reader = _stalled_reader(project.root / "out" / "fifo")
    try:
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml=out/fifo", timeout=60)
    finally:
        os.close(reader)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    said = [line for line in ran.output.splitlines() if "junit not written" in line]
    assert len(said) == 1 and "out/fifo: its reader took no byte for 5 s" in said[0], ran.output[-2000:]
    (sealed,) = (project.root / "reports" / "local").glob("*/manifest.json")
    assert main(["verify", str(sealed.parent)]) == exitcodes.OK, "the archive is sealed whatever the FIFO does"


# -- the place checked as the run starts is the place written ----------------------------------------------
def _repoint(link: Path, to: Path) -> None:
    os.symlink(to, link.with_name(link.name + ".new"))
    os.replace(link.with_name(link.name + ".new"), link)


def test_a_symlink_re_pointed_after_the_start_is_not_followed(tmp_path):
    """Resolved as the run starts (and checked then to be outside the evidence), re-pointed before the end: its
    new target was written (a sealed archive's results.json, in the run below)."""
    victim = tmp_path / "victim.json"
    victim.write_bytes(b'{"sealed": true}')
    for there in (True, False):  # a target there at the start, and one to be made
        mine = tmp_path / f"mine-{there}.xml"
        if there:
            mine.write_bytes(b"old")
        link = tmp_path / f"link-{there}.xml"
        link.symlink_to(mine)
        resolved = resolve(link)
        _repoint(link, victim)
        with pytest.raises(Repointed, match=r"it now leads to .*victim\.json, not to .*mine-.*\.xml as when the run "
                                            r"started .*nothing written"):
            write(Destination(link, None, None, resolved), XML)
        assert victim.read_bytes() == b'{"sealed": true}'
        assert (mine.read_bytes() == b"old") if there else not mine.exists()


def test_a_folder_on_the_way_re_pointed_after_the_start_is_not_followed(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "sealed").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "mine")
    resolved = resolve(tmp_path / "out" / "junit.xml")
    _repoint(tmp_path / "out", tmp_path / "sealed")
    with pytest.raises(Repointed, match="nothing written"):
        write(Destination(tmp_path / "out" / "junit.xml", None, None, resolved), XML)
    assert not any((tmp_path / "sealed").iterdir()) and not any((tmp_path / "mine").iterdir())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc on this system")
def test_a_link_to_the_runs_own_stdout_still_reaches_it(tmp_path):
    """As /dev/stdout is (a link to /proc/self/fd/1, which names `pipe:[…]`, no path to open): made in tmp_path."""
    project = _passing_project(tmp_path / "p")
    (project.root / "stdout.xml").symlink_to("/proc/self/fd/1")
    ran = project.run("-m", "postdeploy", "--env", "local", "--no-archive", "--junitxml=stdout.xml", timeout=60)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert "<testsuites" in ran.done.stdout and "E1-stripe" in ran.done.stdout, ran.output[-2000:]


def test_a_run_whose_junit_link_is_re_pointed_at_a_sealed_archive_leaves_it_sealed(tmp_path):
    link: list[Path] = []
    sealed_results: list[Path] = []

    def health(headers, body):
        if link and sealed_results:  # the run is past its start: the link now names the first archive's results
            _repoint(link[0], sealed_results[0])
        return 200, "{}"

    with route_server({("GET", "/health"): health}) as base:
        project = Project(tmp_path, {"WEB_URL": base})
        project.checklist("site", """
        - {id: S1, name: health, section: Web, title: up, family: http, cadence: postdeploy,
           params: {service: web, path: /health}}
        """)
        project.environment("systems:\n  site:\n    services: {web: {url: \"${WEB_URL}\"}}\n")
        first = project.run("-m", "postdeploy", "--env", "local", timeout=120)
        assert first.code == exitcodes.OK, first.output[-2000:]
        (manifest,) = (tmp_path / "reports" / "local").glob("*/manifest.json")
        results = manifest.parent / "results.json"
        before = results.read_bytes()
        (tmp_path / "out").mkdir()
        link.append(tmp_path / "junit.xml")
        link[0].symlink_to(tmp_path / "out" / "junit.xml")
        sealed_results.append(results)
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml=junit.xml", timeout=120)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    said = [line for line in ran.output.splitlines() if "junit not written" in line]
    assert len(said) == 1 and "junit.xml: it now leads to reports/local/" in said[0], ran.output[-2000:]
    assert results.read_bytes() == before
    assert main(["verify", str(manifest.parent)]) == exitcodes.OK
    assert not (tmp_path / "out" / "junit.xml").exists()


def test_a_loop_of_symlinks_at_the_path_is_refused_before_any_check(tmp_path):
    """a → b → a: said only after every check, when it could not be opened."""
    project = _passing_project(tmp_path / "p")
    (project.root / "a.xml").symlink_to("b.xml")
    (project.root / "b.xml").symlink_to("a.xml")
    ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml=a.xml", timeout=60)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    (line,) = [line for line in ran.output.splitlines() if "a.xml" in line]
    assert line.startswith("opsverify: --junitxml a.xml: a loop of symbolic links; "), line
    assert "E1" not in ran.output and not (project.root / "reports").exists(), ran.output[-2000:]
    assert os.readlink(project.root / "a.xml") == "b.xml" and os.readlink(project.root / "b.xml") == "a.xml"
