"""s3: the bucket is reachable and listable with the configured keys (HEAD bucket, list one key).

```yaml
params:
  provider: s3                      # providers.<name>: {bucket, region, access_key_id, secret_access_key}
  endpoint: s3                      # endpoints.<name>: the S3 API URL (AWS, R2, MinIO ...)
  bucket: joslyn-documents          # optional: default the provider's bucket
  listable: true                    # also ListObjectsV2 with MaxKeys=1
```
A listing must be an S3 ListBucketResult naming the bucket; without `listable`, a HEAD of a bucket
that cannot exist must answer as an S3 API does, 404 or 403 — anything else (200, a redirect, a 5xx)
says nothing of this bucket: *error*.
An S3 API that gives no HTTP answer (refused, timed out, TLS, a drip past the deadline) leaves
the item unchecked: *error* with the reason; so does a 5xx (the server failed, whatever the bucket),
and a redirect elsewhere (`Location`) that names no bucket region (`x-amz-bucket-region`): a login
page or a proxy, not S3. Any other answer that is not 200 (404 no such bucket, 403 keys refused,
S3's 301 for a bucket of another region) fails it. One attempt, no retries and no redirects
(botocore's region redirector would follow one with more requests of its own, and recurse on a
redirect that names no region); every item's conversation runs at once, each
within connect_s + 2 × http_s (plus a moment to make the client) from start to last byte. Object names are never read into
evidence. boto3 is loaded only when a bucket is asked.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from ..errors import GatherError, NotConfigured
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import describe
from ._common import StrictParams

NAME = "s3"

REQUIRED = ("access_key_id", "secret_access_key")


class Params(StrictParams):
    provider: str = "s3"
    endpoint: str = "s3"
    bucket: str | None = None
    listable: bool = True


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}", f"provider:{params.provider}")


CLIENT_S = 3.0  # making a boto3 client (its service model is read from disk) on a loaded machine


def deadline_s(target) -> float:
    """One item's conversation: make the client, connect, HEAD bucket, ListObjectsV2."""
    return CLIENT_S + target.timeouts.connect_s + 2 * target.timeouts.http_s


def bound(target, checks) -> float:
    return deadline_s(target) + 1.0  # every item at once


def settings(target, p: Params) -> dict[str, str]:
    config = target.config.providers.get(p.provider) or {}
    where = f"providers.{p.provider} of {target.system} in {target.env.name}"
    missing = [k for k in REQUIRED if not config.get(k)] + ([] if p.bucket or config.get("bucket") else ["bucket"])
    if missing:
        raise NotConfigured(f"{where} lacks {', '.join(missing)}")
    for name in REQUIRED:
        target.redactor.add(config[name])
    return {**config, "bucket": p.bucket or config["bucket"], "endpoint": target.endpoint(p.endpoint)}


REDIRECTS = (301, 302, 303, 307, 308)


def _rejection(exc) -> dict[str, Any]:
    metadata = exc.response.get("ResponseMetadata", {})
    status = metadata.get("HTTPStatusCode")
    code = exc.response.get("Error", {}).get("Code", "")
    seen: dict[str, Any] = {"status": status, **({"code": code} if code and code != str(status) else {})}
    headers = metadata.get("HTTPHeaders") or {}
    if status in REDIRECTS:
        if headers.get("x-amz-bucket-region"):
            seen["region"] = headers["x-amz-bucket-region"]
        if headers.get("location"):  # the host only: a login URL's query may carry a token
            seen["location"] = urlsplit(headers["location"]).hostname or "a relative URL"
    return seen


def _no_redirects(context: dict, **_) -> None:
    """Marks each request as redirected already, so botocore's S3 region redirector (registered on every S3
    client, with no setting to turn it off) leaves a redirect as the answer rather than asking again."""
    redirect = context.get("s3_redirect")
    if isinstance(redirect, dict):
        redirect["redirected"] = True


def _head(client, bucket: str, client_error: type[Exception]) -> dict[str, Any]:
    """HEAD bucket: its status, or the S3 API's refusal (status and code)."""
    try:
        return {"status": client.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"]}
    except client_error as exc:
        return _rejection(exc)


def look(target, p: Params, s: dict[str, str]) -> dict[str, Any]:
    try:
        boto3 = load("boto3")
    except ImportError:
        raise GatherError('the s3 family needs boto3: install the s3 extra from the opsverify checkout: pip install'
                          ' "<opsverify checkout>[s3]"') from None
    Config = load("botocore.config").Config
    exceptions = load("botocore.exceptions")
    BotoCoreError, ClientError = exceptions.BotoCoreError, exceptions.ClientError

    session = boto3.session.Session(aws_access_key_id=s["access_key_id"], aws_secret_access_key=s["secret_access_key"],
                                    region_name=s.get("region") or "us-east-1")
    try:
        client = session.client("s3", endpoint_url=s["endpoint"], config=Config(
            connect_timeout=target.timeouts.connect_s, read_timeout=target.timeouts.http_s,
            # total_max_attempts counts the first try (botocore's max_attempts would allow one retry)
            retries={"total_max_attempts": 1, "mode": "standard"},
        ))
    except ValueError as exc:  # botocore's word for an unusable endpoint URL or region
        raise GatherError(f"endpoint '{p.endpoint}': {exc}") from None
    # after the redirector's own handler, which fills in context["s3_redirect"]
    client.meta.events.register_last("before-parameter-build.s3", _no_redirects)
    facts: dict[str, Any] = {"endpoint": s["endpoint"], "bucket": s["bucket"], "region": session.region_name,
                             "access_key_id": describe(s["access_key_id"])}
    try:
        facts["head"] = _head(client, s["bucket"], ClientError)
        if p.listable and facts["head"]["status"] == 200:
            try:
                reply = client.list_objects_v2(Bucket=s["bucket"], MaxKeys=1)
                facts["list"] = {"status": reply["ResponseMetadata"]["HTTPStatusCode"],
                                 "key_count": reply.get("KeyCount", 0),
                                 # a ListBucketResult names its bucket; a web page parses to nothing
                                 "names_bucket": reply.get("Name") == s["bucket"]}
            except ClientError as exc:
                facts["list"] = _rejection(exc)
        elif facts["head"]["status"] == 200:
            # HEAD has no body to tell an S3 API from any web server that answers 200: ask about a bucket
            # that cannot exist, which an S3 API refuses
            absent = f"opsverify-absent-{secrets.token_hex(8)}"
            facts["control"] = {"bucket": absent, **_head(client, absent, ClientError)}
    except BotoCoreError as exc:  # no HTTP answer: refused, timed out, TLS
        facts["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return facts


def gather(target, checks) -> dict[str, Any]:
    """Every item in its own (daemon) thread, all at once; an item whose answer is not complete
    by the deadline is left behind with that reason (botocore's timeouts are per read)."""
    facts: dict[str, Any] = {}
    threads: list[threading.Thread] = []
    for check in checks:
        try:
            given = settings(target, check.params)
        except NotConfigured as exc:
            facts[check.key] = exc
            continue
        facts[check.key] = {"endpoint": given["endpoint"], "bucket": given["bucket"], "pending": True}

        def ask(key=check.key, params=check.params, given=given) -> None:
            try:
                facts[key] = look(target, params, given)
            except GatherError as exc:
                facts[key] = exc

        threads.append(threading.Thread(target=ask, daemon=True, name=f"opsverify-s3-{check.key}"))
    limit = deadline_s(target)
    ends = time.monotonic() + limit
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, ends - time.monotonic()))
    late = f"no complete answer within {limit:g} s (connect_s + 2 × http_s + {CLIENT_S:g} s for the client)"
    return {c.key: _unless_pending(facts[c.key], late) for c in checks}


def _unless_pending(seen: Any, late: str) -> Any:
    if isinstance(seen, dict) and seen.get("pending"):
        return {"endpoint": seen["endpoint"], "bucket": seen["bucket"], "failure": late}
    return seen


def _shown(answer: dict[str, Any]) -> str:
    return f"{answer['status']} {answer['code']}" if "code" in answer else str(answer["status"])


def _not_about_the_bucket(answer: dict[str, Any], what: str, seen: dict[str, Any]) -> str | None:
    """Why an answer says nothing of the bucket: a server error, or a redirect elsewhere without S3's region."""
    status = answer["status"]
    if isinstance(status, int) and status >= 500:
        return f"{seen['endpoint']} answered {what} with {_shown(answer)}, a server error: it says nothing of the bucket"
    if "location" in answer and "region" not in answer:
        return (f"{seen['endpoint']} redirected {what} ({_shown(answer)}) to {answer['location']}, naming no bucket "
                "region as S3 does: is the endpoint an S3 API, or behind a login?")
    return None


def judge(check, facts) -> Outcome:
    p: Params = check.params
    seen = facts[check.key]
    if isinstance(seen, NotConfigured):
        raise seen
    if isinstance(seen, GatherError):
        return error(f"could not look: {seen}")
    bucket = seen["bucket"]
    expected = f"bucket {bucket} at {seen['endpoint']} answers HEAD 200" + (" and lists" if p.listable else "")
    if "failure" in seen:  # no HTTP answer: not checked
        return error(f"could not look: no answer from {seen['endpoint']}: {seen['failure']}", **seen)
    head = seen["head"]
    unseen = _not_about_the_bucket(head, f"HEAD of bucket {bucket}", seen)
    if unseen:
        return error(f"could not look: {unseen}", **seen)
    if head["status"] != 200:
        reason = {404: "does not exist", 403: "refuses the configured keys"}.get(head["status"], "answered")
        in_region = f": it is in region {head['region']}" if "region" in head else ""
        return failed(expected, f"bucket {bucket} {reason} (HEAD {_shown(head)}){in_region}", **seen)
    if p.listable:
        listed = seen["list"]
        unseen = _not_about_the_bucket(listed, f"the listing of {bucket}", seen)
        if unseen:
            return error(f"could not look: {unseen}", **seen)
        if listed["status"] != 200:
            return failed(expected, f"listing {bucket} answered {_shown(listed)}", **seen)
        if not listed.get("names_bucket"):
            return error(f"could not look: {seen['endpoint']} answered the listing with 200 but no S3 listing of"
                         f" bucket {bucket}: is the endpoint an S3 API?", **seen)
        return passed(expected, f"HEAD 200, listed ({listed['key_count']} key seen with MaxKeys=1)", **seen)
    control = seen.get("control") or {}
    if control.get("status") not in (403, 404):  # what an S3 API says of a bucket that is not there (or not ours)
        said = f"HEAD {_shown(control)}" if control.get("status") is not None else "no answer"
        return error(f"could not look: {seen['endpoint']} answers {said} for bucket {control.get('bucket', '?')},"
                     " which does not exist, where an S3 API answers 404 or 403: is the endpoint an S3 API?", **seen)
    return passed(expected, f"HEAD 200 (and {_shown(control) if control else 'no answer'} for a bucket that does"
                            " not exist)", **seen)
