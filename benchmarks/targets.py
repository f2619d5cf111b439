"""The targets every variant talks to, on 127.0.0.1: one PostgreSQL server (SCRAM login over TCP)
holding all the benchmark's databases, one small HTTP server, and a delay proxy in front of both.

The proxy holds every chunk `delay_s` in each direction, in order, so a round trip costs
2 × delay_s more — a CI runner talking to a deployment in another region. It also counts the
connections open through it at once (the fleet's bound on connections is read from there).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from opsverify_demo.postgres import EmbeddedPostgres

CHECKER = "bench_checker"  # read-only, like a real checker role: pg_read_all_data, bypasses RLS
COLUMNS = ("id", "name", "status", "created_at")


# -- the event loop the proxy and the HTTP server share -------------------------------------------
class Loop:
    """An asyncio loop in a daemon thread; servers started on it live until `close`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="bench-loop")
        self.thread.start()

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def cpu_s(self) -> float:
        """CPU time the loop's thread (the delay proxies and the HTTP target) has used so far."""
        assert self.thread.ident is not None
        return time.clock_gettime(time.pthread_getcpuclockid(self.thread.ident))

    def close(self) -> None:
        async def shutdown():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.call(shutdown())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)


def _listening_socket() -> socket.socket:
    # protocol IPPROTO_TCP, not 0: asyncio switches Nagle off only for sockets that say TCP
    # (with Nagle on, a keep-alive response waits ~40 ms for a delayed ACK)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


# -- the delay proxy ----------------------------------------------------------------------------------
class DelayProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`upstream`, each chunk held `delay_s` per direction."""

    def __init__(self, loop: Loop, upstream: int) -> None:
        self.loop = loop
        self.upstream = upstream
        self.delay_s = 0.0
        self.peak = 0  # most connections open at once since `reset`
        self.opened = 0  # connections since `reset`
        self._clients: set = set()  # client sockets not yet seen closing
        self._server: asyncio.base_events.Server | None = None
        self.port = loop.call(self._listen())

    @property
    def open(self) -> int:
        return len(self._clients)

    def reset(self) -> None:
        self.peak, self.opened = sum(1 for c in self._clients if _established(c)), 0

    async def _listen(self) -> int:
        sock = _listening_socket()
        self._server = await asyncio.start_server(self._handle, sock=sock, backlog=1024)
        return sock.getsockname()[1]

    async def _handle(self, client_reader, client_writer) -> None:
        # counted as the client holds it: from its connect until it closes its end (the close itself
        # still travels `delay_s` to the server, but the client holds nothing any more)
        client = client_writer.get_extra_info("socket")
        # a busy loop may see this connect before an earlier connection's close that the kernel had
        # already received: those (CLOSE_WAIT) are not counted as open alongside this one
        self.peak = max(self.peak, 1 + sum(1 for other in self._clients if _established(other)))
        self._clients.add(client)
        self.opened += 1

        def client_closed() -> None:
            self._clients.discard(client)

        try:
            if self.delay_s:
                # the local kernel completed the handshake at once; a remote one takes a round trip
                # (SYN there, SYN-ACK back) before the client's first bytes can leave
                await asyncio.sleep(2 * self.delay_s)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
            await asyncio.gather(self._pipe(client_reader, up_writer, client_closed),
                                 self._pipe(up_reader, client_writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            client_closed()
            client_writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, on_eof=None) -> None:
        """Copy one direction; with a delay, a queue keeps the chunks in order while each waits its time."""
        loop = asyncio.get_running_loop()
        if not self.delay_s:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            if on_eof is not None:
                on_eof()
            writer.close()
            return
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        delivering = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + self.delay_s, data))
        except (ConnectionError, OSError):
            pass
        if on_eof is not None:
            on_eof()
        queue.put_nowait((loop.time() + self.delay_s, None))
        try:
            await delivering
        except (ConnectionError, OSError):
            writer.close()


def _established(sock) -> bool:
    """The kernel's view: ESTABLISHED (1), not CLOSE_WAIT (the peer has closed) or gone."""
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1
    except OSError:
        return False


# -- the HTTP target ------------------------------------------------------------------------------
class HttpTarget:
    """HTTP/1.1 with keep-alive: every GET answers 200 `{"ok": true, "path": ...}` as JSON."""

    def __init__(self, loop: Loop) -> None:
        self.port = loop.call(self._listen())

    async def _listen(self) -> int:
        sock = _listening_socket()
        await asyncio.start_server(self._handle, sock=sock, backlog=1024)
        return sock.getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                body = json.dumps({"ok": True, "path": path}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
                if b"\r\nconnection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()


# -- the databases ---------------------------------------------------------------------------------
def table_name(index: int) -> str:
    return f"t{index:04d}"


def tables_ddl(count: int) -> str:
    """`count` tables t0001.. with a primary key, RLS on, and a few rows; as one script."""
    statements = []
    for i in range(1, count + 1):
        name = table_name(i)
        statements.append(
            f"create table public.{name} (id bigint primary key, name text not null,"
            f" status text not null default 'done', created_at timestamptz not null default now());"
            f" alter table public.{name} enable row level security;"
            f" insert into public.{name} (id, name) values (1, 'a'), (2, 'b');")
    return "\n".join(statements)


@dataclass
class Databases:
    """Names of the databases, by what they serve."""

    mixed: str = "bench_mixed"
    scale: str = "bench_scale"
    fleet_template: str = "bench_fleet_template"

    @staticmethod
    def fleet(index: int) -> str:
        return f"bench_fleet_{index:03d}"


class Postgres:
    """The demo's embedded PostgreSQL, holding every database of the benchmark."""

    def __init__(self) -> None:
        self.server = EmbeddedPostgres()
        self.checker_password = secrets.token_urlsafe(18)
        self.names = Databases()
        self.fleet_passwords: dict[int, str] = {}  # a fleet database's own checker role, as each team's has one

    @property
    def port(self) -> int:
        return self.server.port

    def start(self, *, mixed_tables: int, scale_tables: int, fleet_size: int, fleet_tables: int) -> None:
        self.server.init()
        self.server.watch()  # a harness killed (SIGTERM, SIGKILL) leaves no server and no data directory behind
        self.server.start(secrets.token_urlsafe(18))
        with self.server.admin() as conn:
            conn.execute(sql.SQL("create role {} login bypassrls password {} in role pg_read_all_data").format(
                sql.Identifier(CHECKER), sql.Literal(self.checker_password)))
        self._create(self.names.mixed, tables_ddl(mixed_tables))
        self._create(self.names.scale, tables_ddl(scale_tables))
        self._create(self.names.fleet_template, tables_ddl(fleet_tables))
        with self.server.admin() as conn:
            for i in range(1, fleet_size + 1):
                conn.execute(sql.SQL("create database {} template {} strategy file_copy").format(
                    sql.Identifier(self.names.fleet(i)), sql.Identifier(self.names.fleet_template)))
                self.fleet_passwords[i] = secrets.token_urlsafe(18)
                conn.execute(sql.SQL("create role {} login bypassrls password {} in role pg_read_all_data").format(
                    sql.Identifier(self.fleet_checker(i)), sql.Literal(self.fleet_passwords[i])))

    def _create(self, name: str, ddl: str) -> None:
        with self.server.admin() as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        with psycopg.connect(self.server.url(name), autocommit=True, connect_timeout=10) as conn:
            conn.execute(ddl)

    def cpu_s(self) -> float:
        """CPU time the server has used so far: the postmaster with the backends it reaped, and the
        processes alive now (auxiliary ones, backends not yet gone)."""
        postmaster = self.server.pid
        total = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
            pid, ppid = int(entry.name), int(fields[1])
            if pid == postmaster:
                total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            elif ppid == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def url(self, database: str, port: int) -> str:
        """The checker's URL for `database`, through `port` (the proxy's): SCRAM over TCP."""
        return f"postgresql://{CHECKER}:{self.checker_password}@127.0.0.1:{port}/{database}"

    @staticmethod
    def fleet_checker(index: int) -> str:
        return f"{CHECKER}_{index:03d}"

    def own_url(self, index: int, port: int) -> str:
        """The URL of fleet database `index` with its own checker role and password."""
        return (f"postgresql://{self.fleet_checker(index)}:{self.fleet_passwords[index]}@127.0.0.1:{port}/"
                f"{self.names.fleet(index)}")

    def stop(self) -> None:
        self.server.stop()
