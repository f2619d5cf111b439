"""Where the time goes over a slow link: the batched engine against a naive design, as ratios.

Starts the demo deployment, puts a TCP proxy adding DELAY ms each way in front of its database
and HTTP services, and times in one run:
  batched  — the engine: one shared session per database, one pipelined/batched conversation per
             (system, family), all groups concurrently (what `pytest --env ...` does)
  serial   — same shared session, but one conversation per check, one after another
  naive    — a new connection / HTTP client per check, one after another (pytest + psycopg.connect per test)
Ratios are what to watch (they hold across machines); absolute times are printed for context.

    python benchmarks/latency.py [--delay-ms 25] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo import Deployment  # noqa: E402
from opsverify import families  # noqa: E402
from opsverify.checklist import load_checklists  # noqa: E402
from opsverify.engine import Run  # noqa: E402
from opsverify.environment import load_environment  # noqa: E402

NETWORK_FAMILIES = {"schema", "migrations", "sql", "scheduler", "http", "cron"}


class DelayProxy:
    """Forwards 127.0.0.1:<port> to a target, holding every chunk `delay` seconds each way."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.servers: list[asyncio.base_events.Server] = []

    def forward(self, host: str, port: int) -> int:
        return asyncio.run_coroutine_threadsafe(self._listen(host, port), self.loop).result()

    async def _listen(self, host: str, port: int) -> int:
        async def handle(reader, writer):
            try:
                up_reader, up_writer = await asyncio.open_connection(host, port)
                await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
            except (OSError, asyncio.CancelledError):  # shutdown or a peer gone: just close
                writer.close()

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        server = await asyncio.start_server(handle, sock=sock)
        self.servers.append(server)
        return sock.getsockname()[1]

    async def _pipe(self, reader, writer):
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - self.loop.time()))
                if data is None:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        task = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((self.loop.time() + self.delay_s, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((self.loop.time() + self.delay_s, None))
        try:
            await task
        except (ConnectionError, OSError):
            pass

    def close(self) -> None:
        async def shutdown():
            for server in self.servers:
                server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def proxied_variables(deployment: Deployment, proxy: DelayProxy) -> dict[str, str]:
    out = {}
    for key, value in deployment.variables().items():
        if value.startswith(("http://127.0.0.1:", "postgresql://")):
            parts = urlsplit(value)
            port = proxy.forward(parts.hostname, parts.port)
            netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
            value = urlunsplit(parts._replace(netloc=netloc))
        out[key] = value
    return out


def environment(variables: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        return load_environment(ROOT / "environments", "demo")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def batched(env, checks) -> None:
    run = Run(env)
    try:
        run.evaluate(checks)
    finally:
        run.close()


def serial(env, checks) -> None:
    run = Run(env)
    try:
        for check in checks:
            run.evaluate([check])
    finally:
        run.close()


def naive(env, checks) -> None:
    for check in checks:
        run = Run(env)  # a fresh connection / client per check
        try:
            run.evaluate([check])
        finally:
            run.close()


def timed(fn, env, checks, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(env, checks)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way (RTT = 2x)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    checks = [c for c in load_checklists(ROOT / "checklists")
              if c.family in NETWORK_FAMILIES and families.get(c.family) is not None]
    with Deployment() as deployment:
        proxy = DelayProxy(args.delay_ms / 1000)
        try:
            env = environment(proxied_variables(deployment, proxy))
            results = {name: timed(fn, env, checks, args.repeat)
                       for name, fn in (("batched", batched), ("serial", serial), ("naive", naive))}
        finally:
            proxy.close()
    print(f"{len(checks)} database and HTTP checks, {2 * args.delay_ms:g} ms round trip, median of {args.repeat}")
    for name, seconds in results.items():
        print(f"  {name:<8} {seconds:7.2f} s   {seconds / results['batched']:6.1f}x batched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
