"""The demo stops cleanly — and its servers go away even when the suite is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsverify_demo.support import wait_until

from .helpers import ROOT, interruptible
from .test_demo_cache import _own_cache

STARTER = """
import json, os, sys
from opsverify_demo import Deployment
d = Deployment().start()
from opsverify_demo.components.redis_server import RedisServer
from opsverify_demo.components.s3 import S3
pids = ([d.pg.pid] + [c.server.process.pid for c in d.components if isinstance(c, RedisServer)]
        + [c.process.pid for c in d.components if isinstance(c, S3)])
print(json.dumps({"pids": pids, "folders": [str(d.workdir), str(d.pg.root)]}), flush=True)
sys.stdin.read()  # wait to be killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_servers_and_folders_go_with_a_killed_suite():
    starter = subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(starter.stdout.readline())
        pids, folders = started["pids"], [Path(f) for f in started["folders"]]
        assert len(pids) == 3 and all(_alive(p) for p in pids)  # postgres, redis, moto's S3
        assert all(f.is_dir() for f in folders)
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (any(_alive(p) for p in pids) or any(f.exists() for f in folders)):
        time.sleep(0.1)
    assert [p for p in pids if _alive(p)] == []
    assert [f for f in folders if f.exists()] == []  # the watchdog removed them once postgres was gone


# the suite handles its Ctrl-C (pytest does), and is then killed before it stops the demo
SIGNALLED_STARTER = """
import json, signal, sys
from opsverify_demo import Deployment
d = Deployment().start()
signal.signal(signal.SIGINT, lambda *_: None)
print(json.dumps({"server": d.pg.pid, "watchdog": d.pg.watchdog.pid, "folders": [str(d.workdir), str(d.pg.root)]}),
      flush=True)
sys.stdin.read()  # wait to be killed
"""


def _ignores(pid: int, *signums: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        ignored = int(next(line for line in status if line.startswith("SigIgn:")).split()[1], 16)
    return all(ignored >> (signum - 1) & 1 for signum in signums)


def _wait_for_exit(pid: int, timeout_s: float) -> None:
    """Until the process has exited: by a pidfd, as it is not our child (waitpid cannot wait for it)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        select.select([pidfd], [], [], timeout_s)
    finally:
        os.close(pidfd)


@pytest.mark.parametrize("closing", [signal.SIGHUP, signal.SIGINT], ids=["terminal-closed", "ctrl-c-then-kill-9"])
def test_a_terminals_signal_to_the_suites_group_then_kill_9_leaves_nothing(tmp_path, closing):
    """Closing the terminal (SIGHUP to its foreground group), or Ctrl-C there and kill -9 at once: the watchdog is
    not in that group, nor stopped by either signal; it stops the server once the suite is gone and removes the
    folders, without a traceback."""
    errors = tmp_path / "stderr"
    with open(errors, "w") as err:  # the starter's stderr, shared by the watchdog it starts
        starter = subprocess.Popen([sys.executable, "-c", SIGNALLED_STARTER], cwd=ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=err, text=True, preexec_fn=interruptible,
                                   start_new_session=True)  # a group of its own: the terminal's, as a shell makes it
    started = json.loads(starter.stdout.readline())
    server, watchdog, folders = started["server"], started["watchdog"], [Path(f) for f in started["folders"]]
    try:
        try:
            assert os.getpgid(watchdog) != starter.pid  # out of the terminal's group: its signals do not reach it
            wait_until(lambda: _ignores(watchdog, signal.SIGINT, signal.SIGHUP),
                       "the watchdog ignoring SIGINT and SIGHUP")  # nor would they stop it
            os.killpg(starter.pid, closing)
        finally:
            starter.kill()
            starter.wait(timeout=10)
        _wait_for_exit(watchdog, timeout_s=60)  # it exits once the server is gone and the folders are removed
        assert not _alive(watchdog) and not _alive(server)
        assert [f for f in folders if f.exists()] == []
        assert "watchdog.py" not in errors.read_text()
    finally:  # what a broken watchdog left behind
        if _alive(server):
            os.kill(server, signal.SIGQUIT)
            _wait_for_exit(server, timeout_s=20)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def test_stop_leaves_nothing_running(demo_deployment):
    from opsverify_demo import Deployment
    from opsverify_demo.components.redis_server import RedisServer
    from opsverify_demo.components.s3 import S3

    deployment = Deployment().start()
    pids = ([deployment.pg.pid, deployment.pg.watchdog.pid]
            + [c.server.process.pid for c in deployment.components if isinstance(c, RedisServer)]
            + [c.process.pid for c in deployment.components if isinstance(c, S3)])
    workdir, pgroot = deployment.workdir, deployment.pg.root
    deployment.stop()
    assert [p for p in pids if _alive(p)] == []
    assert not workdir.exists() and not pgroot.exists()


# `cp` copying the cached cluster, slow enough to be killed mid-way: it writes on until something stops it. Like
# `cp -a`, it makes the destination folder once and never its parents: a file whose folder was removed under it is
# an error it goes past (a stand-in that made the folders again raced the watchdog's removal under load)
SLOW_CP = """#!{python}
import json, os, sys, time
destination = sys.argv[-1]
os.mkdir(destination)
with open(os.environ["SLOW_CP_REPORT"] + ".tmp", "w") as report:
    report.write(json.dumps({{"pid": os.getpid(), "destination": destination}}))
os.rename(os.environ["SLOW_CP_REPORT"] + ".tmp", os.environ["SLOW_CP_REPORT"])
written = 0
while True:
    try:
        open(os.path.join(destination, f"file-{{written}}"), "w").close()
    except FileNotFoundError:  # silently: a word to the dead suite's pipe (SIGPIPE) would end it, not what is tested
        pass
    written += 1
    time.sleep(0.01)
"""


def test_a_suite_killed_while_copying_the_cluster_leaves_no_copy(demo_deployment, tmp_path, monkeypatch):
    """kill -9 while `cp` copies the cluster from the cache: the copy ends with the suite, and the watchdog removes
    its folder once nothing writes there any more (before, `cp` wrote on into a folder removed once, for ever)."""
    _own_cache(demo_deployment, tmp_path, monkeypatch)  # an entry to copy from: this run copies, never builds
    stand_in = tmp_path / "bin" / "cp"
    stand_in.parent.mkdir()
    stand_in.write_text(SLOW_CP.format(python=sys.executable))
    stand_in.chmod(0o755)
    report = tmp_path / "cp.json"
    env = {**os.environ, "PATH": f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}", "SLOW_CP_REPORT": str(report)}
    errors = tmp_path / "stderr"
    with open(errors, "w") as err:
        starter = subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=err, env=env)
    copying = None
    try:
        wait_until(lambda: report.exists() or starter.poll() is not None, "the copy to start", timeout_s=120)
        assert report.exists(), f"the starter exited ({starter.returncode}) before copying: {errors.read_text()[-2000:]}"
        copying = json.loads(report.read_text())
    finally:
        starter.kill()
        starter.wait(timeout=10)
    pg_root = Path(copying["destination"]).parent
    try:
        _wait_for_exit(copying["pid"], timeout_s=60)
        assert not _alive(copying["pid"]), "cp wrote on after the suite was killed"
        wait_until(lambda: not pg_root.exists(), "the data directory's removal", timeout_s=60)
    finally:
        if _alive(copying["pid"]):
            os.kill(copying["pid"], signal.SIGKILL)
            _wait_for_exit(copying["pid"], timeout_s=10)
        shutil.rmtree(pg_root, ignore_errors=True)
