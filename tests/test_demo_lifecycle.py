"""The demo stops cleanly — and its servers go away even when the suite is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .helpers import ROOT

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
    import json

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
