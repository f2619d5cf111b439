"""A real SMTP server (aiosmtpd) for joslyn-ai's outbound email: it greets, answers EHLO and
discards whatever it is sent."""

from __future__ import annotations

import socketserver

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from ..faults import Fault
from ..support import ReservedPort, StandIn

SYSTEM = "joslyn-ai"
SERVER_NAME = "smtp.demo.test"
NO_SERVICE = f"554 5.7.1 {SERVER_NAME} no SMTP service here for this client\r\n".encode()


class _NoService(socketserver.StreamRequestHandler):
    """A server that will not serve this client greets with 554 instead of 220, then answers any command with 503
    until QUIT (RFC 5321 §3.1): what a relay that blocked the sending host's address says."""

    timeout = 5

    def handle(self) -> None:
        try:
            self.wfile.write(NO_SERVICE)
            for line in iter(self.rfile.readline, b""):
                if line.strip().upper() == b"QUIT":
                    self.wfile.write(b"221 2.0.0 Bye\r\n")
                    return
                self.wfile.write(b"503 5.5.1 Bad sequence of commands\r\n")
        except OSError:  # the client hung up or went quiet
            return


class Smtp:
    def __init__(self) -> None:
        self.port = 0
        self.controller: Controller | None = None
        self.stand_in: StandIn | None = None  # on the port instead of aiosmtpd, while a fault says so

    def start(self, deployment=None) -> None:
        with ReservedPort(self.port) as reserved:  # held until aiosmtpd has bound it; the same port on a restart
            self.port = reserved.port
            self.controller = Controller(Sink(), hostname="127.0.0.1", port=self.port, server_hostname=SERVER_NAME,
                                         ready_timeout=5)
            self.controller.start()

    def variables(self) -> dict[str, str]:
        return {"DEMO_JOSLYN_AI_SMTP_PORT": str(self.port)}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        # a loopback name, not 127.0.0.1: env values are redacted from all output, and that IP is everywhere
        return {(SYSTEM, "api"): {"SMTP_HOST": "smtp.localhost", "SMTP_PORT": str(self.port)}}

    def refuse_service(self) -> None:
        self.stop()
        self.stand_in = StandIn(self.port, _NoService, "opsverify-demo-smtp-554")

    def reset(self) -> None:
        self._stop_stand_in()
        if self.controller is None:
            self.start()

    def stop(self) -> None:
        self._stop_stand_in()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _stop_stand_in(self) -> None:
        if self.stand_in is not None:
            self.stand_in.stop()
            self.stand_in = None


def _smtp(deployment) -> Smtp:
    return next(c for c in deployment.components if isinstance(c, Smtp))


FAULTS = [
    Fault("smtp-down", frozenset(), "nothing listens on the SMTP port", lambda d: _smtp(d).stop(),
          unchecked=frozenset({"J18"})),
    Fault("smtp-refusing", frozenset({"J18"}), "the SMTP relay greets with 554: it will not serve this host",
          lambda d: _smtp(d).refuse_service()),
]
