"""Runs the demo's HTTP services: uvicorn servers on 127.0.0.1, free ports, one background loop."""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn


class _Server(uvicorn.Server):
    """uvicorn's server, woken by stop() at once instead of noticing should_exit at its next 0.1 s tick."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self.wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):  # still ticks: it refreshes the Date header every second
            counter = (counter + 1) % 864000
            try:
                await asyncio.wait_for(self.wake.wait(), 0.1)
            except asyncio.TimeoutError:
                pass


def _listening_socket() -> socket.socket:
    # IPPROTO_TCP explicitly: a protocol-0 socket makes asyncio leave Nagle on (40 ms stalls)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # no SO_REUSEADDR: a bind(0) with it may share a port another demo server holds reserved (ReservedPort)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class WebHost:
    def __init__(self) -> None:
        self._servers: list[_Server] = []
        self._sockets: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._named: dict[str, _Server] = {}
        self.urls: dict[str, str] = {}

    def add(self, name: str, app) -> str:
        sock = _listening_socket()
        config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off", timeout_keep_alive=30)
        self._servers.append(_Server(config))
        self._sockets.append(sock)
        self._named[name] = self._servers[-1]
        self.urls[name] = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.urls[name]

    def use_tls(self, name: str, certfile: str, keyfile: str) -> str:
        """Serve an added app over https (before start())."""
        config = self._named[name].config
        config.ssl_certfile, config.ssl_keyfile = certfile, keyfile
        self.urls[name] = self.urls[name].replace("http://", "https://", 1)
        return self.urls[name]

    def reload_tls(self, name: str, timeout_s: float = 5.0) -> None:
        """Load the (rewritten) certificate files again; new connections get the new certificate."""
        config = self._named[name].config
        assert self._loop is not None and config.ssl is not None

        async def load() -> None:
            config.ssl.load_cert_chain(config.ssl_certfile, config.ssl_keyfile)

        asyncio.run_coroutine_threadsafe(load(), self._loop).result(timeout_s)

    def start(self, timeout_s: float = 10.0) -> None:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)

            async def main() -> None:
                tasks = [asyncio.create_task(s.serve(sockets=[sock])) for s, sock in zip(self._servers, self._sockets)]
                while not all(s.started for s in self._servers):
                    if any(t.done() for t in tasks):
                        break
                    await asyncio.sleep(0.005)
                ready.set()
                await asyncio.gather(*tasks, return_exceptions=True)

            self._loop.run_until_complete(main())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="opsverify-demo-web", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s) or not all(s.started for s in self._servers):
            self.stop()
            raise RuntimeError("demo HTTP services did not start")

    def stop(self) -> None:
        """Every server closes its listening socket at once; the thread then ends by itself, after
        uvicorn's fixed 0.1 s grace for responses in flight, which nobody needs to wait for."""
        for server in self._servers:
            server.should_exit = True
        loop = self._loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            for sock in self._sockets:  # never served: uvicorn did not take them over
                sock.close()
            return
        try:
            loop.call_soon_threadsafe(self._wake_all)
        except RuntimeError:  # the loop has just closed: nothing left to wake
            pass

    def _wake_all(self) -> None:
        for server in self._servers:
            if server.wake is not None:
                server.wake.set()
