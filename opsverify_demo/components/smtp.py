"""A real SMTP server (aiosmtpd) for joslyn-ai's outbound email: it greets, answers EHLO and
discards whatever it is sent."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from ..faults import Fault
from ..support import ReservedPort

SYSTEM = "joslyn-ai"
SERVER_NAME = "smtp.demo.test"


class Smtp:
    def __init__(self) -> None:
        self.port = 0
        self.controller: Controller | None = None

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

    def reset(self) -> None:
        if self.controller is None:
            self.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _smtp(deployment) -> Smtp:
    return next(c for c in deployment.components if isinstance(c, Smtp))


FAULTS = [
    Fault("smtp-down", frozenset(), "nothing listens on the SMTP port", lambda d: _smtp(d).stop(),
          unchecked=frozenset({"J18"})),
]
