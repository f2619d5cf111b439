"""The demo stops cleanly — and its servers go away even when the suite is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from .helpers import ROOT

STARTER = """
import json, os, sys
from demo import Deployment
d = Deployment().start()
from demo.components.redis_server import RedisServer
pids = [d.pg._pid()] + [c.server.process.pid for c in d.components if isinstance(c, RedisServer)]
print(json.dumps(pids), flush=True)
sys.stdin.read()  # wait to be killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_servers_die_with_a_killed_suite():
    import json

    starter = subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(starter.stdout.readline())
        assert len(pids) >= 2 and all(_alive(p) for p in pids)  # postgres and redis
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    assert [p for p in pids if _alive(p)] == []


def test_stop_leaves_nothing_running(demo_deployment):
    from demo import Deployment

    deployment = Deployment().start()
    pid = deployment.pg._pid()
    workdir, pgroot = deployment.workdir, deployment.pg.root
    deployment.stop()
    assert not _alive(pid)
    assert not workdir.exists() and not pgroot.exists()
