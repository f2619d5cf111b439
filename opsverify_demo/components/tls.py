"""A private CA and the certificate the joslyn web and API serve over https.

The environment trusts the CA through `ca_bundle`; a fault swaps in a certificate that
expires in 3 days (still valid, so only the tls checks notice).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import trustme

from ..faults import Fault

HTTPS_SERVICES = ("joslyn-ai/web", "joslyn-ai/api")


class Certificates:
    def __init__(self) -> None:
        self.ca: trustme.CA | None = None
        self.web = None
        self.directory: Path | None = None
        self.expiring = False

    def start(self, deployment) -> None:
        self.web = deployment.web
        self.directory = deployment.workdir / "tls"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA(organization_name="opsverify demo CA")
        self.ca.cert_pem.write_to_path(str(self.directory / "ca.pem"))
        self._issue(days=365)
        for name in HTTPS_SERVICES:
            self.web.use_tls(name, str(self.directory / "cert.pem"), str(self.directory / "key.pem"))

    def variables(self) -> dict[str, str]:
        assert self.directory is not None
        return {"DEMO_CA_BUNDLE": str(self.directory / "ca.pem")}

    def expire_soon(self, days: int) -> None:
        self._issue(days=days)
        self._reload()
        self.expiring = True

    def reset(self) -> None:
        if self.expiring:
            self._issue(days=365)
            self._reload()
            self.expiring = False

    def stop(self) -> None:
        self.web = None  # the files live in the deployment's workdir, removed with it

    def _issue(self, *, days: int) -> None:
        assert self.ca is not None and self.directory is not None
        now = datetime.now(timezone.utc)
        leaf = self.ca.issue_cert("127.0.0.1", "localhost", not_before=now - timedelta(days=80),
                                  not_after=now + timedelta(days=days))
        leaf.private_key_pem.write_to_path(str(self.directory / "key.pem"))
        leaf.cert_chain_pems[0].write_to_path(str(self.directory / "cert.pem"))

    def _reload(self) -> None:
        for name in HTTPS_SERVICES:
            self.web.reload_tls(name)


def _certificates(deployment) -> Certificates:
    return next(c for c in deployment.components if isinstance(c, Certificates))


FAULTS = [
    Fault("certificate-expiring", frozenset({"J7", "J8"}), "the joslyn web/API certificate expires in 3 days",
          lambda d: _certificates(d).expire_soon(days=3)),
]
