"""s3: the bucket is reachable and listable with the configured keys (HEAD bucket, list one key).

```yaml
params:
  provider: s3                      # providers.<name>: {bucket, region, access_key_id, secret_access_key}
  endpoint: s3                      # endpoints.<name>: the S3 API URL (AWS, R2, MinIO ...)
  bucket: joslyn-documents          # optional: default the provider's bucket
  listable: true                    # also ListObjectsV2 with MaxKeys=1
```
A listing must be an S3 ListBucketResult naming the bucket (its root element, read from the body as sent, and a
KeyCount of 0 or more: a ListObjects V1 answer has none); without `listable`, a listing (MaxKeys=1)
of a bucket that cannot exist must be refused as an S3 API refuses it: 404 or 403 with an S3 error
code (NoSuchBucket, AccessDenied …) — anything else (a website's 404 page, a 200, a redirect, a 5xx)
says nothing of this bucket: *error*. A `bucket` that is no bucket name (botocore's rule: 1 to 255
letters, digits, `.`, `-`, `_`) is refused when the checklist loads; one in `providers.<name>`, or a
`region` that is no region name, is an *error* of the item, before anything is asked.
An S3 API that gives no HTTP answer (refused, timed out, TLS, a drip past the deadline) leaves
the item unchecked: *error* with the reason; so does a 5xx (the server failed, whatever the bucket),
and a redirect elsewhere (`Location`) that names no bucket region (`x-amz-bucket-region`): a login
page or a proxy, not S3; and a status S3 never gives (204, 206, 300, 304, a 301 naming no region) or a listing refused
naming no S3 error code (a website's 404 page, a WAF's 403). Any other answer that is not 200 (404 no such bucket,
403 keys refused, S3's 301 for a bucket of another region, named; a redirect naming the configured region is said as
that) fails it. One attempt, no retries and no redirects (botocore's region redirector would follow one with more requests of its own, and recurse on a
redirect that names no region); every item's conversation runs at once, each
within connect_s + 2 × http_s (plus a moment to make the client) from start to last byte. Items with the
same endpoint, region and keys share one client. Object names are never read into evidence. boto3 is
loaded only when a bucket is asked.
An endpoint URL botocore cannot send to (a query, not http(s)) is an *error* said "not sent". A body is read up to
ANSWER_LIMIT (*error* past it), a listing botocore cannot read is an *error*, and the status reported is the one the
endpoint sent (botocore rewrites a 200 that is no listing to 500). What the endpoint writes is shown cut short.
"""

from __future__ import annotations

import functools
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator

from ..display import cut
from ..errors import GatherError, NotConfigured
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import describe
from ._common import StrictParams

NAME = "s3"

REQUIRED = ("access_key_id", "secret_access_key")
# what `settings` reads under providers.<name> (families.PROVIDER_SETTINGS: another key is refused at load): under
# s3, its items' default, and under any name an item gives
PROVIDER_SETTINGS = {"s3": (*REQUIRED, "bucket", "region"), "*": (*REQUIRED, "bucket", "region")}


# botocore's own rule for a bucket name (it refuses any other before sending): legacy buckets may hold capitals
# and underscores, so nothing stricter
BUCKET_NAME = re.compile(r"[a-zA-Z0-9.\-_]{1,255}")
NOT_A_BUCKET = ("is not a bucket name: a bucket name is 1 to 255 letters, digits, '.', '-' and '_'; write the name"
                " the bucket has in S3")


class Params(StrictParams):
    provider: str = "s3"
    endpoint: str = "s3"
    bucket: str | None = None
    listable: bool = True

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, bucket: str | None) -> str | None:
        if bucket is not None and not BUCKET_NAME.fullmatch(bucket):
            raise ValueError(f"{bucket!r} {NOT_A_BUCKET}")
        return bucket


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}", f"provider:{params.provider}")


# Clients are made before any item's clock starts (local work, not the target's time): the first reads the S3
# model from disk, the others share it (about 10 ms each, generously 0.1 s on a loaded machine)
CLIENT_S = 3.0
EACH_CLIENT_S = 0.1
SLACK_S = 3.0  # an item's thread starting and parsing on a loaded machine, beyond the target's own timeouts


def deadline_s(target) -> float:
    """One item's conversation, its client made: connect, HEAD bucket, ListObjectsV2."""
    return SLACK_S + target.timeouts.connect_s + 2 * target.timeouts.http_s


def bound(target, checks) -> float:
    keys = set()
    for check in checks:
        try:
            keys.add(_client_key(settings(target, check.params)))
        except (NotConfigured, GatherError):
            pass
    return CLIENT_S + EACH_CLIENT_S * len(keys) + deadline_s(target) + 1.0  # the clients, then every item at once


def _where(target, p: Params, setting: str = "") -> str:
    return f"providers.{p.provider}{' ' + setting if setting else ''} of {target.system} in {target.env.name}"


def settings(target, p: Params) -> dict[str, str]:
    """The provider's settings for the item; NotConfigured when one is missing, GatherError when its bucket is no
    bucket name (botocore would refuse it without asking anything)."""
    config = target.config.providers.get(p.provider) or {}
    missing = [k for k in REQUIRED if not config.get(k)] + ([] if p.bucket or config.get("bucket") else ["bucket"])
    if missing:
        raise NotConfigured(f"{_where(target, p)} lacks {', '.join(missing)}")
    for name in REQUIRED:
        target.redactor.add(config[name])
    bucket = p.bucket or config["bucket"]
    if not BUCKET_NAME.fullmatch(bucket):  # only the provider's can be: the item's was checked at load
        raise GatherError(f"{_where(target, p, f'bucket {bucket!r}')} {NOT_A_BUCKET}")
    endpoint = target.endpoint(p.endpoint)
    if unusable := _endpoint_problem(endpoint):
        raise GatherError(f"not sent: endpoints.{p.endpoint} of {target.system} in {target.env.name} {unusable}")
    return {**config, "bucket": bucket, "endpoint": endpoint, "region": config.get("region") or "us-east-1"}


def _endpoint_problem(url: str) -> str:
    """What botocore refuses in an endpoint URL before it sends anything (an http or https URL without a query), said
    without quoting the URL: its query may hold a token. "" when botocore takes it, or is left to say why."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # botocore's own refusal names it (Clients.get)
        return ""
    if parts.scheme not in ("http", "https"):
        return "is not an http or https URL: write the S3 API's URL, https://host[:port]"
    if parts.query:
        return ("holds a query (?…), which botocore refuses in an endpoint URL: write the S3 API's URL without it "
                "(the keys go in providers.<name>)")
    return ""


REDIRECTS = (301, 302, 303, 307, 308)
# an answer to HEAD or to a one-key listing is a few KB; botocore would read any body whole (a 1.5 GB listing took
# 4.8 GB of memory, in a thread that went on after its item was given up)
ANSWER_LIMIT = 1024 * 1024


class AnswerTooLarge(Exception):
    """A body longer than ANSWER_LIMIT: the rest was not read, and its connection closed."""


class _Sent(threading.local):
    """The status the endpoint sent for this thread's last request, and its body's root element: each item asks in a
    thread of its own, on a client it may share. botocore rewrites a 200 whose body is an S3 <Error> or no XML to
    500 (to retry it) before any answer reaches us, and reads any other root as the listing it asked for: what the
    endpoint sent is kept here, where the send is."""

    status: int | None = None
    root: str | None = None  # the root element's local name (no namespace prefix); None: no XML element


# the first element of an XML body, past a byte-order mark, the declaration, comments, processing instructions and a
# DOCTYPE (without an internal subset: S3 sends none)
XML_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*>\s*)*<([A-Za-z_][\w.:-]*)",
                      re.DOTALL)
LISTING_ROOT = "ListBucketResult"


def _root(body: bytes) -> str | None:
    found = XML_ROOT.match(body)
    return found[1].decode("ascii").rsplit(":", 1)[-1] if found else None


_SENT = _Sent()


class _ReadBody:
    """A body read already, as botocore's response reads one (`raw.stream()`)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, *_args: Any, **_kwargs: Any):
        return iter((self._data,))


def _bounded_send(http_session):
    """A `before-send` handler (the one hook between botocore's send and its reading of the body): it sends the
    request on the client's own HTTP session, leaving the body unread, then reads at most ANSWER_LIMIT of it."""
    AWSResponse = load("botocore.awsrequest").AWSResponse
    exceptions, urllib3 = load("botocore.exceptions"), load("urllib3.exceptions")

    def send(request, **_):
        request.stream_output = True  # botocore's session would read the body whole
        response = http_session.send(request)
        _SENT.status = response.status_code
        try:
            body = _at_most(response.raw, ANSWER_LIMIT)
        except urllib3.ReadTimeoutError as exc:  # as botocore's session says what breaks while it reads
            raise exceptions.ReadTimeoutError(endpoint_url=request.url, error=exc) from None
        except urllib3.ProtocolError as exc:
            raise exceptions.ConnectionClosedError(endpoint_url=request.url, request=request, error=exc) from None
        except urllib3.HTTPError as exc:
            raise exceptions.HTTPClientError(error=exc) from None
        _SENT.root = _root(body)
        return AWSResponse(request.url, response.status_code, response.headers, _ReadBody(body))

    return send


def _at_most(raw, limit: int) -> bytes:
    """The body of a urllib3 response, or AnswerTooLarge once it runs past `limit` (its connection is closed then:
    what is left of the body is never read)."""
    read = bytearray()
    for chunk in raw.stream(64 * 1024):
        read += chunk
        if len(read) > limit:
            raw.close()
            raw.release_conn()
            raise AnswerTooLarge
    return bytes(read)


def _rejection(exc) -> dict[str, Any]:
    metadata = exc.response.get("ResponseMetadata", {})
    status = metadata.get("HTTPStatusCode")
    code = exc.response.get("Error", {}).get("Code", "")
    # botocore gives the bare status as the code when the body names none (a web page, a HEAD): no S3 code
    named = code and not code.isdigit()
    seen: dict[str, Any] = {"status": status, **({"code": cut(code)} if named else {})}
    if _SENT.status == 200 and status != 200:  # botocore's rewrite of a 200 that is no answer: the sent one counts
        seen["status"] = 200
        seen["no_listing"] = (f"its body is an S3 error naming {cut(code)}" if named
                              else "its body is no XML, or an S3 error naming no code")
    headers = metadata.get("HTTPHeaders") or {}
    if status in REDIRECTS:
        if headers.get("x-amz-bucket-region"):
            seen["region"] = cut(headers["x-amz-bucket-region"])
        if headers.get("location"):  # the host only: a login URL's query may carry a token
            seen["location"] = cut(urlsplit(headers["location"]).hostname or "a relative URL")
    return seen


def _no_redirects(context: dict, **_) -> None:
    """Marks each request as redirected already, so botocore's S3 region redirector (registered on every S3
    client, with no setting to turn it off) leaves a redirect as the answer rather than asking again."""
    redirect = context.get("s3_redirect")
    if isinstance(redirect, dict):
        redirect["redirected"] = True


def _head(client, bucket: str, exceptions) -> dict[str, Any]:
    """HEAD bucket: its status, or the S3 API's refusal (status and code)."""
    return _answer(lambda: {"status": client.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"]},
                   exceptions)


def _listing(client, bucket: str, exceptions) -> dict[str, Any]:
    """ListObjectsV2 with MaxKeys=1: whether the answer is a listing of the bucket, or the S3 API's refusal."""
    def listed() -> dict[str, Any]:
        reply = client.list_objects_v2(Bucket=bucket, MaxKeys=1)
        answer = {"status": reply["ResponseMetadata"]["HTTPStatusCode"], "key_count": reply.get("KeyCount"),
                  # a ListBucketResult names its bucket; a web page parses to nothing
                  "names_bucket": reply.get("Name") == bucket}
        # botocore reads whatever root the body has as the listing it asked for (ListAllMyBucketsResult, an <Error>
        # naming no code); and a count of keys, whatever its sign, or none (a ListObjects V1 answer)
        if _SENT.root != LISTING_ROOT:
            shown = f"<{cut(_SENT.root, 60)}>" if _SENT.root else "no XML element"
            answer["no_listing"] = f"its root element is {shown}, not <{LISTING_ROOT}>"
        elif answer["key_count"] is None:
            answer["no_listing"] = "it has no KeyCount, which every ListObjectsV2 answer has: list-type=2 was asked"
        elif isinstance(answer["key_count"], int) and answer["key_count"] < 0:
            answer["no_listing"] = f"its KeyCount is {answer['key_count']}, where a listing counts 0 keys or more"
        elif isinstance(answer["key_count"], int) and answer["key_count"] != _keys_listed(reply):
            answer["no_listing"] = (f"its KeyCount is {answer['key_count']} with {_keys_listed(reply)} key(s) "
                                    "listed, where a listing counts the keys it lists (at most MaxKeys=1)")
        return answer

    return _answer(listed, exceptions)


def _keys_listed(reply: dict[str, Any]) -> int:
    return len(reply.get("Contents") or ()) + len(reply.get("CommonPrefixes") or ())


def _answer(ask, exceptions) -> dict[str, Any]:
    """What one request's answer says (`ask`'s reading of it), or the S3 API's refusal, or why it was not read: a
    body past ANSWER_LIMIT, or one botocore could not read (`<KeyCount>lots</KeyCount>`: a ValueError)."""
    _SENT.status, _SENT.root = None, None
    try:
        return ask()
    except exceptions.ClientError as exc:
        return _rejection(exc)
    except AnswerTooLarge:
        return {"status": _SENT.status, "too_large": ANSWER_LIMIT}
    except (ValueError, load("botocore.parsers").ResponseParserError) as exc:  # (which is no BotoCoreError)
        if _SENT.status is None:  # raised before anything was sent: not the endpoint's
            raise
        return {"status": _SENT.status, "unreadable": cut(f"{type(exc).__name__}: {exc}", 160)}


def _client_key(s: dict[str, str]) -> tuple[str, ...]:
    return s["endpoint"], s["region"], s["access_key_id"], s["secret_access_key"]


def _make_client(target, session, s: dict[str, str], items: int):
    Config = load("botocore.config").Config
    client = session.client("s3", endpoint_url=s["endpoint"], region_name=s["region"],
                            aws_access_key_id=s["access_key_id"], aws_secret_access_key=s["secret_access_key"],
                            config=Config(
        connect_timeout=target.timeouts.connect_s, read_timeout=target.timeouts.http_s,
        # total_max_attempts counts the first try (botocore's max_attempts would allow one retry)
        retries={"total_max_attempts": 1, "mode": "standard"},
        # a connection for each of its items, all asking at once (urllib3 discards any above the pool's size)
        max_pool_connections=items,
    ))
    # after the redirector's own handler, which fills in context["s3_redirect"]
    client.meta.events.register_last("before-parameter-build.s3", _no_redirects)
    # botocore offers no bound on what it reads, nor another way to its HTTP session than this attribute
    client.meta.events.register("before-send.s3", _bounded_send(client._endpoint.http_session))
    return client


_SESSION_LOCK = threading.Lock()


@functools.cache
def _session():
    """The process's one boto3 session: its loader keeps the S3 model it read (~80 ms of CPU to read again) for every
    client made later — each target's, each run's in the same process. The clients carry their own endpoint, region
    and keys."""
    return load("boto3").session.Session()


class Clients:
    """One botocore client for the items with the same endpoint, region and keys, made before the items ask (`make`):
    making a client reads the S3 model, once for the session they all share (`_session`), and 60 items each making a
    session of their own on a 2-CPU machine took 12 s of CPU inside the items' deadline (healthy buckets ended as
    errors). A client is thread-safe: its items ask at once; the last one done closes it."""

    def __init__(self, target, items: Counter) -> None:
        self._target = target
        self._left = dict(items)  # items yet to be done, per client
        self._lock = threading.Lock()
        self._made: dict[tuple[str, ...], Any] = {}  # the client, or botocore's refusal to make it (a str)

    def make(self, given: Iterable[dict[str, str]]) -> None:
        for s in given:
            self.get(s)

    def get(self, s: dict[str, str]):
        key = _client_key(s)
        with self._lock:
            if key not in self._made:
                try:
                    with _SESSION_LOCK:  # a session is not thread-safe; the clients it makes are
                        self._made[key] = _make_client(self._target, _session(), s, self._left[key])
                except ValueError as exc:  # botocore's word for an unusable endpoint URL or region
                    self._made[key] = str(exc)
            made = self._made[key]
        if isinstance(made, str):
            raise ValueError(made)
        return made

    def done(self, s: dict[str, str]) -> None:
        key = _client_key(s)
        with self._lock:
            self._left[key] -= 1
            made = self._made.get(key)
            if not self._left[key] and made is not None and not isinstance(made, str):
                made.close()


def _check_region(target, p: Params, region: str) -> None:
    """botocore's own rule for a region, before anything is asked: else its refusal reads as the endpoint's."""
    try:
        load("botocore.utils").validate_region_name(region)
    except ValueError:  # botocore's InvalidRegionError
        raise GatherError(f"{_where(target, p, f'region {region!r}')} is not a region name: botocore takes a host"
                          " label (letters, digits and '-', as us-east-1, or auto for R2); write the provider's"
                          " region") from None


def look(target, p: Params, s: dict[str, str], clients: Clients | None = None) -> dict[str, Any]:
    try:
        load("boto3")
    except ImportError:
        raise GatherError('the s3 family needs boto3: install the s3 extra from the opsverify checkout: pip install'
                          ' "<opsverify checkout>[s3]"') from None
    exceptions = load("botocore.exceptions")
    _check_region(target, p, s["region"])
    clients = clients or Clients(target, Counter([_client_key(s)]))
    try:
        try:
            client = clients.get(s)
        except ValueError as exc:
            raise GatherError(f"endpoint '{p.endpoint}': {exc}") from None
        return _ask(client, p, s, exceptions, target.timeouts)
    finally:
        clients.done(s)


def _ask(client, p: Params, s: dict[str, str], exceptions, timeouts) -> dict[str, Any]:
    facts: dict[str, Any] = {"endpoint": s["endpoint"], "bucket": s["bucket"], "region": s["region"],
                             "access_key_id": describe(s["access_key_id"])}
    try:
        facts["head"] = _head(client, s["bucket"], exceptions)
        if p.listable and facts["head"]["status"] == 200:
            facts["list"] = _listing(client, s["bucket"], exceptions)
        elif facts["head"]["status"] == 200:
            # HEAD has no body to tell an S3 API from a web server with a page of the bucket's name: list a bucket
            # that cannot exist, which an S3 API refuses in its own words (an S3 error code), a website does not
            absent = f"opsverify-absent-{secrets.token_hex(8)}"
            facts["control"] = {"bucket": absent, **_listing(client, absent, exceptions)}
        elif _refused(facts["head"]):
            # a refused HEAD has no body either (a website's 404 page, a WAF's 403 read the same): the bucket's listing,
            # which an S3 API refuses naming its error code (NoSuchBucket, AccessDenied …)
            facts["refusal"] = _listing(client, s["bucket"], exceptions)
    except exceptions.EndpointResolutionError as exc:  # botocore made no request of the endpoint: nothing was sent
        facts["unsent"] = cut(str(exc), 200)
    except exceptions.BotoCoreError as exc:  # no HTTP answer: refused, timed out, TLS
        facts["failure"] = _failure(exc, exceptions, timeouts)
    return facts


def _failure(exc: Exception, exceptions, timeouts) -> str:
    """botocore's words, after which of the environment's timeouts ran out, when one did: the setting to look at."""
    said = cut(f"{type(exc).__name__}: {exc}", 300)
    if isinstance(exc, exceptions.ConnectTimeoutError):
        return f"no connection within {timeouts.connect_s:g} s (connect_s): {said}"
    if isinstance(exc, exceptions.ReadTimeoutError):
        return f"no answer within {timeouts.http_s:g} s (http_s, for each read): {said}"
    return said


def gather(target, checks) -> dict[str, Any]:
    """Every item in its own (daemon) thread, all at once; an item whose answer is not complete
    by the deadline is left behind with that reason (botocore's timeouts are per read)."""
    facts: dict[str, Any] = {}
    given: dict[str, dict[str, str]] = {}
    for check in checks:
        try:
            given[check.key] = settings(target, check.params)
        except (NotConfigured, GatherError) as exc:
            facts[check.key] = exc
            continue
        facts[check.key] = {"endpoint": given[check.key]["endpoint"], "bucket": given[check.key]["bucket"],
                            "pending": True}
    clients = Clients(target, Counter(_client_key(s) for s in given.values()))
    try:
        clients.make(given.values())  # before the clock: making them is this machine's work, not the target's
    except Exception:  # noqa: BLE001 — said by each item as it asks (no boto3, an unusable endpoint or region)
        pass
    threads: list[threading.Thread] = []
    for check in checks:
        if check.key not in given:
            continue

        def ask(key=check.key, params=check.params) -> None:
            try:
                facts[key] = look(target, params, given[key], clients)
            except GatherError as exc:
                facts[key] = exc
            except Exception as exc:  # botocore raising what it does not say it raises: named, not read as silence
                facts[key] = GatherError(f"the S3 client failed asking {given[key]['endpoint']}: "
                                         f"{type(exc).__name__}: {cut(str(exc), 160)}")

        threads.append(threading.Thread(target=ask, daemon=True, name=f"opsverify-s3-{check.key}"))
    limit = deadline_s(target)
    ends = time.monotonic() + limit
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, ends - time.monotonic()))
    late = f"no complete answer within {limit:g} s (connect_s + 2 × http_s + {SLACK_S:g} s)"
    return {c.key: _unless_pending(facts[c.key], late) for c in checks}


def _unless_pending(seen: Any, late: str) -> Any:
    if isinstance(seen, dict) and seen.get("pending"):
        return {"endpoint": seen["endpoint"], "bucket": seen["bucket"], "failure": late}
    return seen


TURNED_AWAY = (408, 429)  # a proxy's or S3's refusal for now (request timeout, throttling): no word on the bucket


def _shown(answer: dict[str, Any]) -> str:
    return f"{answer['status']} {answer['code']}" if "code" in answer else str(answer["status"])


def _unread(answer: dict[str, Any], what: str, seen: dict[str, Any]) -> str | None:
    """Why an answer was not read: a body past ANSWER_LIMIT, or one botocore could not read."""
    if "too_large" in answer:
        return (f"{seen['endpoint']} answered {what} with {answer['status']} and a body larger than "
                f"{answer['too_large']:,} bytes, not read past that (a one-key listing is a few KB)")
    if "unreadable" in answer:
        return (f"{seen['endpoint']} answered {what} with {answer['status']}: a listing botocore could not read: "
                f"{answer['unreadable']}")
    return None


def _not_about_the_bucket(answer: dict[str, Any], what: str, seen: dict[str, Any]) -> str | None:
    """Why an answer says nothing of the bucket: a server error, or a redirect elsewhere without S3's region."""
    if unread := _unread(answer, what, seen):
        return unread
    status = answer["status"]
    if isinstance(status, int) and status >= 500:
        return f"{seen['endpoint']} answered {what} with {_shown(answer)}, a server error: it says nothing of the bucket"
    if status in TURNED_AWAY:
        return (f"{seen['endpoint']} answered {what} with {_shown(answer)}: turned away for now (too many requests,"
                " or too slow a request), which says nothing of the bucket")
    if "location" in answer and "region" not in answer:
        return (f"{seen['endpoint']} redirected {what} ({_shown(answer)}) to {answer['location']}, naming no bucket "
                "region as S3 does: is the endpoint an S3 API, or behind a login?")
    if _no_s3_status(answer):
        return (f"{seen['endpoint']} answered {what} with {_shown(answer)}, which is no S3 API's answer (it answers 200,"
                " a refusal of 400 or more, or a redirect naming the bucket's region): it says nothing of the bucket;"
                " is the endpoint an S3 API?")
    return None


def _no_s3_status(answer: dict[str, Any]) -> bool:
    """A status S3 never answers HEAD or a listing with: a 2xx but 200 (204, 206), or a 3xx that is not its redirect
    naming the bucket's region (300, 304, a bare 301)."""
    status = answer["status"]
    if not isinstance(status, int) or status == 200 or status >= 400:
        return False
    return not (status in REDIRECTS and "region" in answer)


def _refused(head: dict[str, Any]) -> bool:
    """A HEAD refused with a client error (404, 403, 400 …), which S3 and a website's or a proxy's page give alike."""
    status = head["status"]
    return isinstance(status, int) and 400 <= status < 500 and status not in TURNED_AWAY and "too_large" not in head


def _refusal_unsaid(seen: dict[str, Any], bucket: str) -> str | None:
    """Why a refused HEAD is no S3 API's word on the bucket: its listing, asked then, names no S3 error code (or was
    not asked, not read, or answered as if the bucket were there)."""
    refusal, head = seen.get("refusal"), _shown(seen["head"])
    if refusal is None:
        return (f"{seen['endpoint']} answered HEAD of bucket {bucket} with {head}, and its listing was not asked: "
                "nothing tells an S3 API's refusal from a website's")
    if unread := _unread(refusal, f"the listing of bucket {bucket}", seen):
        return unread
    if refusal["status"] == 200 or "code" not in refusal:
        said = _shown(refusal) if "code" in refusal else f"{refusal['status']} and no S3 error code"
        return (f"{seen['endpoint']} answered HEAD of bucket {bucket} with {head}, and its listing with {said}, where "
                "an S3 API refuses both, the listing naming an S3 error code (NoSuchBucket, AccessDenied …): a "
                "website's page or a proxy's refusal says nothing of the bucket; is the endpoint an S3 API?")
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
    if "unsent" in seen:
        return error(f"could not look: not sent to {seen['endpoint']}: botocore made no request of it: "
                     f"{seen['unsent']}", **seen)
    if "failure" in seen:  # no HTTP answer: not checked
        return error(f"could not look: no answer from {seen['endpoint']}: {seen['failure']}", **seen)
    head = seen["head"]
    unseen = _not_about_the_bucket(head, f"HEAD of bucket {bucket}", seen)
    if unseen:
        return error(f"could not look: {unseen}", **seen)
    if head["status"] != 200:
        if _refused(head) and (unsaid := _refusal_unsaid(seen, bucket)):
            return error(f"could not look: {unsaid}", **seen)
        reason = {404: "does not exist", 403: "refuses the configured keys"}.get(head["status"], "answered")
        in_region = f": it is in region {head['region']}" if "region" in head else ""
        if head.get("region") == seen["region"]:  # no other region to be in: say what the answer was
            to = f" to {head['location']}" if "location" in head else ""
            in_region = f": a redirect{to} naming region {head['region']}, the one configured"
        listing = f"; listing: {_shown(seen['refusal'])}" if "refusal" in seen else ""
        return failed(expected, f"bucket {bucket} {reason} (HEAD {_shown(head)}{listing}){in_region}", **seen)
    if p.listable:
        listed = seen["list"]
        unseen = _not_about_the_bucket(listed, f"the listing of {bucket}", seen)
        if unseen:
            return error(f"could not look: {unseen}", **seen)
        if listed["status"] != 200 and "code" not in listed:  # HEAD's 200 may be a website's too: no word of S3's
            return error(f"could not look: {seen['endpoint']} answered the listing of bucket {bucket} with"
                         f" {listed['status']} and no S3 error code, where an S3 API refusing a listing names one"
                         " (NoSuchBucket, AccessDenied …): a website's page or a proxy's refusal says nothing of the"
                         " bucket; is the endpoint an S3 API?", **seen)
        if listed["status"] != 200:
            return failed(expected, f"listing {bucket} answered {_shown(listed)}", **seen)
        if not listed.get("names_bucket") or "no_listing" in listed:
            why = f" ({listed['no_listing']})" if "no_listing" in listed else ""
            return error(f"could not look: {seen['endpoint']} answered the listing with 200 but no S3 listing of"
                         f" bucket {bucket}{why}: is the endpoint an S3 API?", **seen)
        return passed(expected, f"HEAD 200, listed ({listed['key_count']} key seen with MaxKeys=1)", **seen)
    control = seen.get("control")
    if control is None:  # facts gathered for a listing: nothing told an S3 API from a website
        return error(f"could not look: {seen['endpoint']} was not asked to list a bucket that does not exist, which"
                     " only an S3 API refuses naming an S3 error code", **seen)
    if unread := _unread(control, f"the listing of bucket {control['bucket']}, which does not exist,", seen):
        return error(f"could not look: {unread}", **seen)
    if control["status"] not in (403, 404) or "code" not in control:  # what an S3 API says, in its own words
        said = _shown(control) if "code" in control else f"{control['status']} and no S3 error code"
        return error(f"could not look: {seen['endpoint']} answered the listing of bucket {control['bucket']}, which"
                     f" does not exist, with {said}, where an S3 API refuses it with 404 or 403 naming an S3 error"
                     " code (NoSuchBucket, AccessDenied …): is the endpoint an S3 API?", **seen)
    return passed(expected, f"HEAD 200 (and {_shown(control)} listing a bucket that does not exist)", **seen)
