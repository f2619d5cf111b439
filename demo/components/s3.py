"""S3 for joslyn-ai's documents: moto's S3 server on 127.0.0.1 with the bucket and one object."""

from __future__ import annotations

import logging

import boto3
from moto.server import ThreadedMotoServer

from ..faults import Fault
from ..support import wait_until

SYSTEM = "joslyn-ai"
BUCKET = "joslyn-documents"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIADEMOJOSLYN0001"  # the same id the API's env file holds


class S3:
    def __init__(self) -> None:
        self.port = 0
        self.server: ThreadedMotoServer | None = None
        self.secret_key = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, deployment) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the suite's output
        self.secret_key = deployment.secrets[SYSTEM]["S3_SECRET_ACCESS_KEY"]
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        wait_until(lambda: self.client().list_buckets() is not None, f"moto S3 on port {self.port}")
        self.seed()

    def client(self):
        return boto3.session.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=self.secret_key,
                                     region_name=REGION).client("s3", endpoint_url=self.endpoint)

    def seed(self) -> None:
        client = self.client()
        if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="uploads/welcome.txt", Body=b"welcome to joslyn\n")

    def remove_bucket(self) -> None:
        client = self.client()
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
        client.delete_bucket(Bucket=BUCKET)

    def variables(self) -> dict[str, str]:
        return {"DEMO_JOSLYN_AI_S3_PORT": str(self.port), "DEMO_JOSLYN_AI_S3_ACCESS_KEY_ID": ACCESS_KEY_ID}

    def env_overrides(self) -> dict[tuple[str, str], dict[str, str]]:
        return {(SYSTEM, "api"): {"S3_ENDPOINT": self.endpoint, "S3_BUCKET": BUCKET}}

    def reset(self) -> None:
        self.seed()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def _s3(deployment) -> S3:
    return next(c for c in deployment.components if isinstance(c, S3))


FAULTS = [
    Fault("s3-bucket-missing", frozenset({"J18"}), "the joslyn-documents bucket was deleted",
          lambda d: _s3(d).remove_bucket()),
]
