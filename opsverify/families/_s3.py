"""provider, platform s3: the bucket a service uses answers HeadBucket with that service's own
endpoint, region and keys (read from its env; values never leave memory).

Reachability is the thing checked, so no answer, a missing bucket or refused keys are FAILED.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import GatherError
from ..outcome import Outcome, error, failed, passed


def _head_bucket(env: dict[str, str], p, timeouts) -> dict[str, Any]:
    bucket = env.get(p.bucket_env)
    if not bucket:
        return {"missing_env": p.bucket_env}
    endpoint = env.get(p.endpoint_env) if p.endpoint_env else None
    client = boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=env.get(p.region_env) or "us-east-1",
        aws_access_key_id=env.get(p.access_key_env) or None,
        aws_secret_access_key=env.get(p.secret_key_env) or None,
        config=Config(connect_timeout=timeouts.connect_s, read_timeout=timeouts.http_s,
                      retries={"max_attempts": 1}),
    )
    where = {"bucket": bucket, "endpoint": endpoint or "AWS default"}
    try:
        reply = client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code") or str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
        return {**where, "status": code}
    except BotoCoreError as exc:
        return {**where, "failure": f"{type(exc).__name__}: {exc}"}
    return {**where, "status": str(reply["ResponseMetadata"]["HTTPStatusCode"])}


def gather(target, checks) -> dict[str, Any]:
    def one(check) -> tuple[str, Any]:
        try:
            env = target.env_vars(check.params.service)
        except GatherError as exc:
            return check.key, exc
        return check.key, _head_bucket(env, check.params, target.timeouts)

    with ThreadPoolExecutor(max_workers=min(8, len(checks))) as pool:
        return dict(pool.map(one, checks))


def judge(check, found) -> Outcome:
    p = check.params
    if isinstance(found, GatherError):
        return error(f"could not read env of service '{p.service}': {found}")
    expected = f"the bucket in {p.bucket_env} of {p.service} answers HeadBucket with 200"
    if "missing_env" in found:
        return failed(expected, f"{p.bucket_env} is not set on {p.service}")
    shown = f"bucket {found['bucket']} at {found['endpoint']}"
    if "failure" in found:
        return failed(expected, f"no answer for {shown}: {found['failure']}", **found)
    if found["status"] != "200":
        meaning = {"404": "does not exist", "403": "refuses the service's keys"}.get(found["status"], "answered")
        return failed(expected, f"{shown} {meaning} ({found['status']})", **found)
    return passed(expected, f"{shown} answered 200", **found)
