"""S3 for joslyn-ai's documents: moto's S3 server on 127.0.0.1 with the bucket and one object.

moto runs in its own process, spawned first thing (`launch`): importing it takes about a second,
which then overlaps the rest of the start instead of adding to it. The demo talks to it with
signed S3 REST requests (botocore's signer, no client: a client loads the whole S3 model), so
the suite's process never imports moto.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..faults import Fault
from ..support import die_with_parent, wait_until

SYSTEM = "joslyn-ai"
BUCKET = "joslyn-documents"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIADEMOJOSLYN0001"  # the same id the API's env file holds
SEED_KEY = "uploads/welcome.txt"
READY_WITHIN_S = 60  # a loaded machine can take many seconds to import moto
S3_XML = "{http://s3.amazonaws.com/doc/2006-03-01/}"
LISTENING = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")  # werkzeug's start-up line


class S3:
    PARALLEL = True  # start() only waits for moto and seeds it: it needs neither the database nor the web host

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = Path()
        self.secret_key = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self, deployment) -> None:
        """On the caller's thread: the parent-death signal belongs to the thread that spawned the child.
        moto picks its own port (one picked for it could be taken while it imports) and logs it."""
        # the log tells the port; in the deployment's folder when there is one, so a killed suite leaves none
        fd, name = tempfile.mkstemp(prefix="moto-s3-", suffix=".log", dir=getattr(deployment, "workdir", None))
        self.log = Path(name)
        with os.fdopen(fd, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                preexec_fn=die_with_parent,  # gone with the suite, even when it is killed
            )

    def start(self, deployment) -> None:
        self.secret_key = deployment.secrets[SYSTEM]["S3_SECRET_ACCESS_KEY"]
        if self.process is None:
            self.launch(deployment)
        process = self.process
        assert process is not None
        wait_until(lambda: process.poll() is not None or self._listening(), "moto's S3 server",
                   timeout_s=READY_WITHIN_S)
        if process.poll() is not None:
            last = self.log.read_text(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"moto's S3 server exited (code {process.returncode}) before it answered: {last}")
        self.seed()

    def _listening(self) -> bool:
        if not self.port:
            found = LISTENING.search(self.log.read_text(errors="replace"))
            if found is None:
                return False
            self.port = int(found.group(1))
        return self._request("GET", "/")[0] == 200

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One signed S3 REST request (moto reads the key id from the signature; anonymous deletes are refused)."""
        path = quote(path, safe="/?=&-")
        request = AWSRequest(method=method, url=self.endpoint + path, data=body or b"")
        S3SigV4Auth(Credentials(ACCESS_KEY_ID, self.secret_key), "s3", REGION).add_auth(request)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=dict(request.headers.items()))
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def _ok(self, method: str, path: str, body: bytes | None = None) -> bytes:
        status, answer = self._request(method, path, body)
        if status >= 300:
            raise RuntimeError(f"moto S3: {method} {path} answered {status}")
        return answer

    def seed(self) -> None:
        if self._request("HEAD", f"/{BUCKET}")[0] == 404:
            self._ok("PUT", f"/{BUCKET}")
            self._ok("PUT", f"/{BUCKET}/{SEED_KEY}", b"welcome to joslyn\n")

    def remove_bucket(self) -> None:
        listing = ElementTree.fromstring(self._ok("GET", f"/{BUCKET}?list-type=2"))
        for key in listing.iter(f"{S3_XML}Key"):
            self._ok("DELETE", f"/{BUCKET}/{key.text}")
        self._ok("DELETE", f"/{BUCKET}")

    def variables(self) -> dict[str, str]:
        return {"DEMO_JOSLYN_AI_S3_PORT": str(self.port), "DEMO_JOSLYN_AI_S3_ACCESS_KEY_ID": ACCESS_KEY_ID}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        return {(SYSTEM, "api"): {"S3_ENDPOINT": self.endpoint, "S3_BUCKET": BUCKET}}

    def reset(self) -> None:
        self.seed()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # it keeps nothing; on SIGTERM it would spend ~0.3 s tearing down moto's modules
            self.process.wait(timeout=5)
            self.process = None
            self.log.unlink(missing_ok=True)


def _s3(deployment) -> S3:
    return next(c for c in deployment.components if isinstance(c, S3))


FAULTS = [
    Fault("s3-bucket-missing", frozenset({"J18"}), "the joslyn-documents bucket was deleted",
          lambda d: _s3(d).remove_bucket()),
]
