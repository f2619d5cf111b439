"""s3 family: judge table, the demo's moto S3, one attempt only, keys never shown."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest

from opsverify_demo.components.s3 import ACCESS_KEY_ID, BUCKET, S3
from opsverify.engine import message
from opsverify.families import s3 as family
from opsverify.lazy import load
from opsverify.outcome import Status
from opsverify.errors import NotConfigured

from .helpers import by_id, evaluate
from .kit import RealBacklogServer, make_check, make_target, refused_port, serving, silent_server

SEEN = {"endpoint": "https://s3.example", "bucket": "docs", "region": "us-east-1",
        "access_key_id": {"present": True, "length": 20, "fingerprint": "hmac:0"}}


# -- judge: pure, table-driven ---------------------------------------------------------------
@pytest.mark.parametrize("params, seen, status, observed", [
    ({}, {"head": {"status": 200}, "list": {"status": 200, "key_count": 1, "names_bucket": True}}, Status.PASSED,
     "HEAD 200, listed (1 key seen with MaxKeys=1)"),
    ({"listable": False}, {"head": {"status": 200},
                           "control": {"bucket": "opsverify-absent-1", "status": 404, "code": "NoSuchBucket"}},
     Status.PASSED, "HEAD 200 (and 404 NoSuchBucket listing a bucket that does not exist)"),
    # any web server answers 200: only an S3 API lists the bucket, or refuses one that does not exist
    ({}, {"head": {"status": 200}, "list": {"status": 200, "key_count": 0, "names_bucket": False}}, Status.ERROR,
     "could not look: https://s3.example answered the listing with 200 but no S3 listing of bucket docs:"
     " is the endpoint an S3 API?"),
    # a website answers 404 (or 403) for a page it does not have, too: only an S3 API names an S3 error code
    *[({"listable": False}, {"head": {"status": 200}, "control": {"bucket": "opsverify-absent-1", "status": code}},
       Status.ERROR, f"could not look: https://s3.example answered the listing of bucket opsverify-absent-1, which"
       f" does not exist, with {code} and no S3 error code, where an S3 API refuses it with 404 or 403 naming an S3"
       " error code (NoSuchBucket, AccessDenied …): is the endpoint an S3 API?")
      for code in (200, 301, 307, 400, 403, 404, 500, 503)],
    ({"listable": False}, {"head": {"status": 200},
                           "control": {"bucket": "opsverify-absent-1", "status": 400, "code": "InvalidRequest"}},
     Status.ERROR, "could not look: https://s3.example answered the listing of bucket opsverify-absent-1, which"
     " does not exist, with 400 InvalidRequest, where an S3 API refuses it with 404 or 403 naming an S3"
     " error code (NoSuchBucket, AccessDenied …): is the endpoint an S3 API?"),
    ({"listable": False}, {"head": {"status": 200},
                           "control": {"bucket": "opsverify-absent-1", "status": 403, "code": "AccessDenied"}},
     Status.PASSED, "HEAD 200 (and 403 AccessDenied listing a bucket that does not exist)"),
    ({}, {"head": {"status": 404}, "refusal": {"status": 404, "code": "NoSuchBucket"}}, Status.FAILED,
     "bucket docs does not exist (HEAD 404; listing: 404 NoSuchBucket)"),
    ({}, {"head": {"status": 403}, "refusal": {"status": 403, "code": "InvalidAccessKeyId"}}, Status.FAILED,
     "bucket docs refuses the configured keys (HEAD 403; listing: 403 InvalidAccessKeyId)"),
    # a refused HEAD has no body: a website's 404 page or a WAF's 403 read the same; the listing's S3 code tells
    *[({}, {"head": {"status": code}, "refusal": refusal}, Status.ERROR,
       f"could not look: https://s3.example answered HEAD of bucket docs with {code}, and its listing with {said}, "
       "where an S3 API refuses both, the listing naming an S3 error code (NoSuchBucket, AccessDenied …): a website's "
       "page or a proxy's refusal says nothing of the bucket; is the endpoint an S3 API?")
      for code, refusal, said in ((404, {"status": 404}, "404 and no S3 error code"),
                                  (403, {"status": 403}, "403 and no S3 error code"),
                                  (401, {"status": 401}, "401 and no S3 error code"),
                                  (404, {"status": 200, "names_bucket": True, "key_count": 0}, "200 and no S3 error code"))],
    ({}, {"head": {"status": 404}}, Status.ERROR,
     "could not look: https://s3.example answered HEAD of bucket docs with 404, and its listing was not asked: nothing"
     " tells an S3 API's refusal from a website's"),
    # a status S3 never answers HEAD with (a 2xx but 200, a 3xx that is not its redirect naming the bucket's region)
    *[({}, {"head": {"status": code}}, Status.ERROR,
       f"could not look: https://s3.example answered HEAD of bucket docs with {code}, which is no S3 API's answer (it"
       " answers 200, a refusal of 400 or more, or a redirect naming the bucket's region): it says nothing of the"
       " bucket; is the endpoint an S3 API?")
      for code in (204, 206, 300, 301, 304)],
    ({}, {"head": {"status": 301, "region": "eu-west-1"}}, Status.FAILED,
     "bucket docs answered (HEAD 301): it is in region eu-west-1"),
    # a redirect elsewhere that names no bucket region is a login page or a proxy, not S3; a 5xx is the server's
    ({}, {"head": {"status": 302, "location": "login.example.com"}}, Status.ERROR,
     "could not look: https://s3.example redirected HEAD of bucket docs (302) to login.example.com, naming no"
     " bucket region as S3 does: is the endpoint an S3 API, or behind a login?"),
    ({}, {"head": {"status": 503, "code": "SlowDown"}}, Status.ERROR,
     "could not look: https://s3.example answered HEAD of bucket docs with 503 SlowDown, a server error: it says"
     " nothing of the bucket"),
    ({}, {"head": {"status": 200}, "list": {"status": 500, "code": "InternalError"}}, Status.ERROR,
     "could not look: https://s3.example answered the listing of docs with 500 InternalError, a server error: it"
     " says nothing of the bucket"),
    # throttled or timed out (S3's own or a proxy's): turned away for now, no word on the bucket
    *[(params, {"head": {"status": code, **({"code": "SlowDown"} if code == 429 else {})}}, Status.ERROR,
       f"could not look: https://s3.example answered HEAD of bucket docs with {code}"
       f"{' SlowDown' if code == 429 else ''}: turned away for now (too many requests, or too slow a request), which"
       " says nothing of the bucket")
      for code in (408, 429) for params in ({}, {"listable": False})],
    ({}, {"head": {"status": 200}, "list": {"status": 429}}, Status.ERROR,
     "could not look: https://s3.example answered the listing of docs with 429: turned away for now (too many"
     " requests, or too slow a request), which says nothing of the bucket"),
    ({}, {"head": {"status": 200}, "list": {"status": 403, "code": "AccessDenied"}}, Status.FAILED,
     "listing docs answered 403 AccessDenied"),
    # a listing refused with no S3 error code (a website's 404 page, a WAF's 403) says nothing of the bucket
    *[({}, {"head": {"status": 200}, "list": {"status": code}}, Status.ERROR,
       f"could not look: https://s3.example answered the listing of bucket docs with {code} and no S3 error code, where"
       " an S3 API refusing a listing names one (NoSuchBucket, AccessDenied …): a website's page or a proxy's refusal"
       " says nothing of the bucket; is the endpoint an S3 API?")
      for code in (400, 401, 403, 404)],
    ({}, {"head": {"status": 200}, "list": {"status": 204, "key_count": None, "names_bucket": False}}, Status.ERROR,
     "could not look: https://s3.example answered the listing of docs with 204, which is no S3 API's answer (it"
     " answers 200, a refusal of 400 or more, or a redirect naming the bucket's region): it says nothing of the"
     " bucket; is the endpoint an S3 API?"),
    # no HTTP answer: not checked
    ({}, {"failure": "EndpointConnectionError: Could not connect"}, Status.ERROR,
     "could not look: no answer from https://s3.example: EndpointConnectionError: Could not connect"),
    ({}, {"head": {"status": 200}, "failure": "ReadTimeoutError: Read timeout"}, Status.ERROR,
     "could not look: no answer from https://s3.example: ReadTimeoutError: Read timeout"),
])
def test_judge(params, seen, status, observed):
    check = make_check("s3", params)
    outcome = family.judge(check, {check.key: {**SEEN, **seen}})
    assert (outcome.status, outcome.observed) == (status, observed)
    if status is not Status.ERROR:
        assert outcome.expected.startswith("bucket docs at https://s3.example answers HEAD 200")


def test_judge_not_configured_is_a_skip():
    check = make_check("s3", {})
    with pytest.raises(NotConfigured):
        family.judge(check, {check.key: NotConfigured("providers.s3 lacks bucket")})


@pytest.mark.parametrize("params", [{"platform": "s3"}, {"listable": "maybe"}, {"bucket_env": "S3_BUCKET"}])
def test_params_are_strict(params):
    with pytest.raises(ValueError):
        make_check("s3", params)


@pytest.mark.parametrize("bucket", ["Bad_Bucket!", "", "docs/2026", "s3://docs", "docs\n", "x" * 256])
def test_a_bucket_that_is_no_bucket_name_is_refused_at_load(bucket):
    """botocore would refuse it before sending anything, and that was reported as no answer from the endpoint."""
    with pytest.raises(ValueError, match="is not a bucket name"):
        make_check("s3", {"bucket": bucket})


@pytest.mark.parametrize("bucket", ["Legacy_Bucket", "docs.example.com", "x" * 255])
def test_a_legacy_bucket_name_botocore_takes_is_taken(bucket):
    assert make_check("s3", {"bucket": bucket}).params.bucket == bucket


@pytest.mark.parametrize("provider, missing", [
    ({}, "access_key_id, secret_access_key, bucket"),
    ({"bucket": "docs", "access_key_id": "AKIA0000000000000000"}, "secret_access_key"),
])
def test_missing_settings_are_named(provider, missing):
    target = make_target({"endpoints": {"s3": "http://127.0.0.1:1"}, "providers": {"s3": provider}})
    check = make_check("s3", {})
    with pytest.raises(NotConfigured, match=f"providers.s3 of joslyn-ai in test lacks {missing}"):
        family.judge(check, family.gather(target, [check]))


# -- against the demo's moto S3 -----------------------------------------------------------------
def _settings(endpoint: str, secret: str = "demo-secret-key-0123456789", **provider: str) -> dict:
    return {"endpoints": {"s3": endpoint},
            "providers": {"s3": {"bucket": BUCKET, "region": "us-east-1", "access_key_id": ACCESS_KEY_ID,
                                 "secret_access_key": secret, **provider}}}


def test_healthy_demo_passes(demo):
    (check, outcome), = evaluate(demo, [c for c in by_id("J18") if c.family == "s3"]).values()
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["list"] == {"status": 200, "key_count": 1, "names_bucket": True}
    assert "secret_access_key" not in str(outcome.evidence)


def test_bucket_missing_fails_naming_the_bucket(demo):
    demo.apply("s3-bucket-missing")
    (check, outcome), = evaluate(demo, [c for c in by_id("J18") if c.family == "s3"]).values()
    assert outcome.status is Status.FAILED
    assert message(check, outcome).startswith(f"J18-s3-bucket-reachable {check.title}: expected bucket ")
    assert outcome.observed.endswith("does not exist (HEAD 404; listing: 404 NoSuchBucket)")


def test_keys_stay_secret(demo):
    s3 = next(c for c in demo.components if isinstance(c, S3))
    target = make_target(_settings(s3.endpoint, secret=s3.secret_key))
    check = make_check("s3", {})
    outcome = family.judge(check, family.gather(target, [check])).redacted(target.redactor)
    assert outcome.status is Status.PASSED
    assert s3.secret_key not in str(outcome) and ACCESS_KEY_ID not in str(outcome)
    assert outcome.evidence["access_key_id"]["present"] is True


def test_healthy_demo_passes_without_listing(demo):
    """moto refuses the listing of a bucket that does not exist as S3 does: 404 NoSuchBucket."""
    s3 = next(c for c in demo.components if isinstance(c, S3))
    target = make_target(_settings(s3.endpoint, secret=s3.secret_key))
    check = make_check("s3", {"listable": False})
    outcome = family.judge(check, family.gather(target, [check]))
    assert (outcome.status, outcome.observed) == (
        Status.PASSED, "HEAD 200 (and 404 NoSuchBucket listing a bucket that does not exist)")


def test_nothing_listening_is_an_error():
    target = make_target(_settings(f"http://127.0.0.1:{refused_port()}"))
    check = make_check("s3", {})
    outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR
    assert "EndpointConnectionError" in outcome.observed and outcome.observed.startswith("could not look: no answer")


@pytest.mark.parametrize("params", [{}, {"listable": False}], ids=["listable", "head-only"])
def test_a_web_server_that_answers_200_to_everything_is_no_bucket(params):
    """The endpoint points at the app's website, not at S3: that proves nothing about the bucket."""
    def website(conn, stopping):
        data = b""
        while not stopping.is_set():
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
            while b"\r\n\r\n" in data:
                head, data = data.split(b"\r\n\r\n", 1)
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                data = data[length:]
                body = b"" if head.startswith(b"HEAD") else b"<html>hello</html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 18\r\n\r\n" + body)

    with serving(website) as port:
        target = make_target(_settings(f"http://127.0.0.1:{port}"))
        check = make_check("s3", params)
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("is the endpoint an S3 API?")


def website(*pages: str):
    """A web server with `pages` (200, HTML) and a 404 page for any other path, as `python -m http.server` serves a
    folder; yields its URL and the requests it took."""
    def respond(command: str, path: str) -> tuple[int, dict[str, str], bytes]:
        found = path.split("?")[0] in pages
        body = b"<html>a page</html>" if found else b"<html><h1>404 Not Found</h1></html>"
        return (200 if found else 404), {"content-type": "text/html"}, body

    return _answering(respond)


def test_a_website_with_a_page_named_like_the_bucket_is_no_bucket():
    """HEAD 200 for /<bucket> and 404 for any other page: a HEAD has no body to tell that from S3, a listing's
    refusal does (an S3 API names its error code)."""
    with website(f"/{BUCKET}") as (url, asked):
        target = make_target(_settings(url), timeouts={"connect_s": 1, "http_s": 1})
        check = make_check("s3", {"listable": False})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert "with 404 and no S3 error code" in outcome.observed and outcome.observed.endswith("an S3 API?")
    head, control = asked
    assert head == f"HEAD /{BUCKET}"
    assert re.fullmatch(r"GET /opsverify-absent-[0-9a-f]{16}\?list-type=2&max-keys=1&encoding-type=url", control)


@pytest.mark.parametrize("provider, said", [
    ({"bucket": "Bad_Bucket!"}, "providers.s3 bucket 'Bad_Bucket!' of joslyn-ai in test is not a bucket name: "),
    ({"region": "eu west 1"}, "providers.s3 region 'eu west 1' of joslyn-ai in test is not a region name: "),
], ids=["bucket", "region"])
def test_a_bad_setting_of_the_provider_is_named_and_nothing_is_asked(provider, said):
    with s3_answering(200, {}) as (url, asked):
        target = make_target(_settings(url, **provider), timeouts={"connect_s": 1, "http_s": 1})
        check = make_check("s3", {})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not look: {said}"), outcome.observed
    assert "no answer" not in outcome.observed and "endpoint" not in outcome.observed
    assert asked == []


LISTING = b"<ListBucketResult><Name>%s</Name><KeyCount>0</KeyCount></ListBucketResult>" % BUCKET.encode()


@pytest.fixture
def clients_made(monkeypatch):
    """Each client a session makes: its access key id and its connection pool's size."""
    boto3 = load("boto3")
    made: list[tuple[str, int]] = []
    make = boto3.session.Session.client

    def counted(session, *args, **kwargs):
        made.append((kwargs["aws_access_key_id"], kwargs["config"].max_pool_connections))
        return make(session, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", counted)
    return made


def test_items_with_the_same_endpoint_region_and_keys_share_one_client(clients_made):
    """Making a client reads the S3 model from disk: 40 items each making their own on a busy machine ran out of
    time before they asked anything."""
    with s3_answering(200, {"content-type": "application/xml"}, LISTING) as (url, asked):
        target = make_target(_settings(url), timeouts={"connect_s": 5, "http_s": 5})
        checks = [make_check("s3", {}, name=f"probe{i}") for i in range(12)]
        facts = family.gather(target, checks)
    assert [family.judge(c, facts).observed for c in checks] == ["HEAD 200, listed (0 key seen with MaxKeys=1)"] * 12
    assert clients_made == [(ACCESS_KEY_ID, 12)]  # one client, a connection for each item: all ask at once
    assert len(asked) == 24


def test_items_with_other_keys_get_a_client_of_their_own(clients_made):
    with s3_answering(200, {"content-type": "application/xml"}, LISTING) as (url, asked):
        system = _settings(url)
        system["providers"]["archive"] = {**system["providers"]["s3"], "access_key_id": "AKIAOTHERKEY00000001"}
        target = make_target(system, timeouts={"connect_s": 5, "http_s": 5})
        checks = [make_check("s3", {"provider": provider}, name=f"probe{i}")
                  for i, provider in enumerate(["s3", "archive", "s3", "archive", "s3"])]
        facts = family.gather(target, checks)
    assert [family.judge(c, facts).status for c in checks] == [Status.PASSED] * 5
    assert sorted(clients_made) == [(ACCESS_KEY_ID, 3), ("AKIAOTHERKEY00000001", 2)]


def test_making_the_clients_is_not_the_targets_time(monkeypatch):
    """Clients are made before the items' clock starts, from one shared session: 60 items with keys of their own,
    each client a session of its own made inside the deadline, took 12 s of CPU on a 2-CPU machine and healthy
    buckets ended as errors. Here each client takes longer to make than an item's whole deadline."""
    boto3 = load("boto3")
    sessions, make, cpu = [], boto3.session.Session.client, threading.Lock()

    def slow(session, *args, **kwargs):
        sessions.append(id(session))
        with cpu:  # CPU work, one thread at a time (the GIL): a loaded machine reading the S3 model
            time.sleep(0.6)
        return make(session, *args, **kwargs)

    monkeypatch.setattr(boto3.session.Session, "client", slow)
    with s3_answering(200, {"content-type": "application/xml"}, LISTING) as (url, asked):
        system = _settings(url)
        for i in range(4):
            system["providers"][f"p{i}"] = {**system["providers"]["s3"], "access_key_id": f"AKIAOTHERKEY0000000{i}"}
        target = make_target(system, timeouts={"connect_s": 0.5, "http_s": 0.5})
        monkeypatch.setattr(family, "SLACK_S", 0.5, raising=False)  # each item's deadline 2 s: the four
        monkeypatch.setattr(family, "CLIENT_S", 0.5)  # clients take 2.4 s
        checks = [make_check("s3", {"provider": f"p{i}"}, name=f"probe{i}") for i in range(4)]
        facts = family.gather(target, checks)
    assert [family.judge(c, facts).status for c in checks] == [Status.PASSED] * 4, \
        [family.judge(c, facts).observed for c in checks]
    assert len(sessions) == 4 and len(set(sessions)) == 1  # one session, whose S3 model is read once
    assert family.bound(target, checks) >= family.CLIENT_S + 4 * family.EACH_CLIENT_S + family.deadline_s(target)


def test_an_unusable_endpoint_url_is_said_for_each_of_its_items(clients_made):
    target = make_target(_settings("http://bad host:9"), timeouts={"connect_s": 1, "http_s": 1})
    checks = [make_check("s3", {}, name=f"probe{i}") for i in range(3)]
    facts = family.gather(target, checks)
    assert [family.judge(c, facts).observed for c in checks] == [
        "could not look: endpoint 's3': Invalid endpoint: http://bad host:9"] * 3
    assert len(clients_made) == 1  # botocore's refusal is kept: the others do not try again


def test_a_silent_endpoint_gets_one_attempt_within_the_timeouts():
    load("boto3")  # imported before the clock starts, as a run that already asked another bucket has
    with silent_server() as server:
        target = make_target(_settings(f"http://127.0.0.1:{server['port']}"),
                             timeouts={"connect_s": 0.3, "http_s": 0.3})
        check = make_check("s3", {})
        started = time.monotonic()
        outcome = family.judge(check, family.gather(target, [check]))
        assert time.monotonic() - started < family.bound(target, [check]) + 5  # bounded, whatever the load
        assert outcome.status is Status.ERROR and "ReadTimeoutError" in outcome.observed
        assert f"no answer from http://127.0.0.1:{server['port']}: no answer within 0.3 s (http_s, for each read): " \
               "ReadTimeoutError" in outcome.observed  # the setting to look at is named
        assert server["connections"] == 1  # botocore would otherwise retry twice more


def test_a_dripping_endpoint_is_left_behind_at_the_deadline():
    """A header line a byte every 0.1 s never trips botocore's per-read timeout; the deadline does."""
    with dripping_http() as port:
        # a read timeout 15 drips long: a busy machine that stalls the dripping thread for a while is no answer
        target = make_target(_settings(f"http://127.0.0.1:{port}"), timeouts={"connect_s": 0.3, "http_s": 1.5})
        check = make_check("s3", {})
        started = time.monotonic()
        outcome = family.judge(check, family.gather(target, [check]))
        assert time.monotonic() - started < family.bound(target, [check]) + 5
    assert outcome.status is Status.ERROR
    assert f"no complete answer within {family.deadline_s(target):g} s" in outcome.observed


def s3_answering(status: int, headers: dict[str, str], body: bytes = b"", *, list_status: int | None = None):
    """An endpoint answering HEAD (and GET, the listing) of any bucket with `status` and `headers`; yields its URL
    and the requests it took."""
    return _answering(lambda command, path: (list_status if command == "GET" and list_status else status, headers,
                                             body))


@contextmanager
def _answering(respond):
    """An HTTP endpoint answering HEAD and GET with `respond(command, path)` -> (status, headers, body); yields its
    URL and the requests it took."""
    asked: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            asked.append(f"{self.command} {self.path}")
            code, headers, body = respond(self.command, self.path)
            self.send_response_only(code)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET = _answer

        def log_message(self, *args) -> None:
            pass

    with _running(Answer) as url:
        yield url, asked


@contextmanager
def _running(handler: type[BaseHTTPRequestHandler]):
    server = RealBacklogServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


ERROR_XML = b"<Error><Code>%s</Code><Message>m</Message></Error>"


@pytest.mark.parametrize("status, headers, list_status, seen", [
    # botocore's region redirector asked HEAD again and again (a RecursionError) until the deadline
    (302, {"location": "https://login.example.com/sso?next=/&token=abc"}, None,
     "redirected HEAD of bucket joslyn-documents (302) to login.example.com, naming no bucket region"),
    (307, {"location": "http://127.0.0.1:9/joslyn-documents"}, None, "(307) to 127.0.0.1, naming no bucket region"),
    (503, {"content-type": "application/xml"}, None, "answered HEAD of bucket joslyn-documents with 503, a server"
                                                     " error"),
    (200, {"content-type": "application/xml"}, 500, "answered the listing of joslyn-documents with 500 InternalError,"
                                                    " a server error"),
    (429, {"content-type": "application/xml"}, None, "answered HEAD of bucket joslyn-documents with 429: turned away"
                                                     " for now"),
    (408, {}, None, "answered HEAD of bucket joslyn-documents with 408: turned away for now"),
], ids=["302-to-a-login", "307-without-a-region", "head-503", "list-500", "head-429", "head-408"])
def test_a_redirect_elsewhere_or_a_server_error_is_one_request_and_an_error(status, headers, list_status, seen):
    body = ERROR_XML % b"InternalError" if list_status else b""
    with s3_answering(status, headers, body, list_status=list_status) as (url, asked):
        target = make_target(_settings(url), timeouts={"connect_s": 1, "http_s": 1})
        check = make_check("s3", {})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert seen in outcome.observed and "sso" not in outcome.observed and "token=abc" not in outcome.observed
    assert asked == ["HEAD /joslyn-documents"] + (["GET /joslyn-documents?list-type=2&max-keys=1&encoding-type=url"]
                                                  if list_status else [])


def test_s3s_redirect_to_the_buckets_region_is_a_failure_naming_the_region():
    headers = {"x-amz-bucket-region": "eu-west-1", "content-type": "application/xml"}
    with s3_answering(301, headers) as (url, asked):
        target = make_target(_settings(url), timeouts={"connect_s": 1, "http_s": 1})
        check = make_check("s3", {})
        outcome = family.judge(check, family.gather(target, [check]))
    assert (outcome.status, outcome.observed) == (
        Status.FAILED, "bucket joslyn-documents answered (HEAD 301): it is in region eu-west-1")
    assert asked == ["HEAD /joslyn-documents"]  # not asked again at another region's address


@contextmanager
def dripping_http():
    """Reads the request, then answers a status line and a header one byte every 0.1 s, never ending it."""
    def drip(conn, stopping):
        conn.recv(4096)
        for byte in b"HTTP/1.1 200 OK\r\nx-drip: " + b"a" * 600:
            if stopping.wait(0.1):
                return
            conn.sendall(bytes([byte]))

    with serving(drip) as port:
        yield port


# -- what the endpoint sends is bounded, read as sent, and shown cut --------------------------------------------------
def _listing(body: bytes, status: int = 200, **headers: str):
    """An endpoint answering HEAD with 200 and the listing with `status` and `body`."""
    return _answering(lambda command, path: (status if command == "GET" else 200,
                                             {"content-type": "application/xml", **headers}, body))


def _judged(url: str, params: dict | None = None):
    target = make_target(_settings(url), timeouts={"connect_s": 1, "http_s": 2})
    check = make_check("s3", params or {})
    return family.judge(check, family.gather(target, [check]))


def test_a_listing_larger_than_the_limit_is_not_read_past_it(monkeypatch):
    """A 1.5 GB listing was read whole (4.8 GB of memory), by a thread that went on after the item was given up."""
    monkeypatch.setattr(family, "ANSWER_LIMIT", 64 * 1024)
    huge = LISTING.replace(b"</ListBucketResult>", b"<Contents><Key>" + b"k" * 300_000 + b"</Key></Contents>"
                                                   b"</ListBucketResult>")
    with _listing(huge) as (url, _):
        outcome = _judged(url)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (f"could not look: {url} answered the listing of {BUCKET} with 200 and a body larger"
                                " than 65,536 bytes, not read past that (a one-key listing is a few KB)"), outcome


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_listing_botocore_cannot_read_is_said_as_that():
    """`<KeyCount>lots</KeyCount>`: botocore raises a ValueError, which ended the item's thread (a traceback) and
    read as "no complete answer within …"."""
    with _listing(LISTING.replace(b"<KeyCount>0</KeyCount>", b"<KeyCount>lots</KeyCount>")) as (url, _):
        outcome = _judged(url)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not look: {url} answered the listing of {BUCKET} with 200: a listing"
                                       " botocore could not read: ValueError: "), outcome.observed
    assert "no complete answer" not in outcome.observed


@pytest.mark.parametrize("body, why", [
    (b"<!DOCTYPE html><html><body><p>Please sign in<br></body></html>",
     "its body is no XML, or an S3 error naming no code"),
    (ERROR_XML % b"InternalError", "its body is an S3 error naming InternalError"),
])
def test_a_200_that_is_no_listing_is_said_with_the_status_sent(body, why):
    """botocore rewrites a 200 whose body is an S3 <Error> or no XML to 500 (to retry it): that was reported as the
    endpoint's "500, a server error"."""
    with _listing(body) as (url, _):
        outcome = _judged(url)
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, f"could not look: {url} answered the listing with 200 but no S3 listing of bucket {BUCKET}"
                      f" ({why}): is the endpoint an S3 API?"), outcome


def test_a_200_to_the_listing_of_a_bucket_that_does_not_exist_is_said_as_200():
    with _listing(b"<!DOCTYPE html><html><body><p>Please sign in<br></body></html>") as (url, _):
        outcome = _judged(url, {"listable": False})
    assert outcome.status is Status.ERROR, outcome
    assert "which does not exist, with 200 and no S3 error code" in outcome.observed, outcome.observed


def test_text_from_the_endpoint_is_shown_cut():
    """A 200 KB error code, a 60 KB region header: copied whole into the message and the evidence."""
    with _listing(ERROR_XML % (b"AccessDenied" + b"A" * 200_000), status=403) as (url, _):
        code = _judged(url)
    with s3_answering(301, {"x-amz-bucket-region": "r" * 60_000}) as (url, _):
        region = _judged(url)
    assert code.status is Status.FAILED and region.status is Status.FAILED, (code, region)
    assert code.observed.startswith(f"listing {BUCKET} answered 403 AccessDeniedAAA"), code.observed
    assert region.observed.startswith(f"bucket {BUCKET} answered (HEAD 301): it is in region rrr"), region.observed
    for outcome in (code, region):
        assert len(outcome.observed) < 300 and "characters)" in outcome.observed, outcome.observed
        assert len(str(outcome.evidence)) < 2000, outcome.evidence


@pytest.mark.parametrize("endpoint, why", [
    ("{url}/?token=abc", "holds a query (?…), which botocore refuses"),
    ("ftp://127.0.0.1:9", "is not an http or https URL"),
])
def test_an_endpoint_url_botocore_cannot_use_is_not_sent(endpoint, why):
    """`?token=` passed loading, then read "no answer from …: EndpointResolutionError": nothing had been sent."""
    with s3_answering(200, {}) as (url, asked):
        outcome = _judged(endpoint.format(url=url))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: not sent: endpoints.s3 of joslyn-ai in test "), outcome.observed
    assert why in outcome.observed and "abc" not in outcome.observed and "no answer" not in outcome.observed
    assert asked == []


# -- a 200 is a listing only as S3 writes one: its root ListBucketResult, a count of keys of 0 or more ---------------
@pytest.mark.parametrize("body, why", [
    (LISTING.replace(b"ListBucketResult", b"ListAllMyBucketsResult"),
     "its root element is <ListAllMyBucketsResult>, not <ListBucketResult>"),
    # botocore takes an <Error> in S3's namespace for a listing (it looks for the tag `Error` alone)
    (LISTING.replace(b"<ListBucketResult>", b'<Error xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')
     .replace(b"</ListBucketResult>", b"</Error>"), "its root element is <Error>, not <ListBucketResult>"),
    (b'<?xml version="1.0"?><!-- x --><s3:Owner xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Name>'
     + BUCKET.encode() + b"</s3:Name></s3:Owner>", "its root element is <Owner>, not <ListBucketResult>"),
    (LISTING.replace(b"<KeyCount>0</KeyCount>", b"<KeyCount>-5</KeyCount>"),
     "its KeyCount is -5, where a listing counts 0 keys or more"),
    # more keys than MaxKeys=1 allows, listing none; or a count that is not the keys it lists
    (LISTING.replace(b"<KeyCount>0</KeyCount>", b"<KeyCount>5</KeyCount>"),
     "its KeyCount is 5 with 0 key(s) listed, where a listing counts the keys it lists (at most MaxKeys=1)"),
    (LISTING.replace(b"<KeyCount>0</KeyCount>", b"<KeyCount>0</KeyCount><Contents><Key>a</Key></Contents>"),
     "its KeyCount is 0 with 1 key(s) listed, where a listing counts the keys it lists (at most MaxKeys=1)"),
])
def test_a_200_whose_root_or_count_is_no_listing_is_no_listing(body, why):
    """A ListAllMyBucketsResult, or an <Error> without a <Code> (which botocore leaves a 200), naming the bucket
    passed as its listing; so did a listing of -5 keys, and one of 5 keys that listed none."""
    with _listing(body) as (url, _):
        outcome = _judged(url)
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, f"could not look: {url} answered the listing with 200 but no S3 listing of bucket {BUCKET}"
                      f" ({why}): is the endpoint an S3 API?"), outcome


def test_a_listing_without_a_keycount_is_no_listobjectsv2_answer():
    """A ListObjects (V1) answer, which has no KeyCount, passed as "listed (0 key seen with MaxKeys=1)". The listing
    asks list-type=2, to which S3 always answers with a KeyCount (moto too: test_healthy_demo_passes)."""
    v1 = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
          b"<Name>" + BUCKET.encode() + b"</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1</MaxKeys>"
          b"<IsTruncated>false</IsTruncated></ListBucketResult>")
    with _listing(v1) as (url, asked):
        outcome = _judged(url)
    assert [request for request in asked if request.startswith("GET") and "list-type=2" in request], asked
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, f"could not look: {url} answered the listing with 200 but no S3 listing of bucket {BUCKET}"
                      " (it has no KeyCount, which every ListObjectsV2 answer has: list-type=2 was asked): is the"
                      " endpoint an S3 API?"), outcome


@pytest.mark.parametrize("body", [
    LISTING,
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Name>" + BUCKET.encode() + b"</Name><KeyCount>1</KeyCount><Contents><Key>a</Key><Size>1</Size></Contents>"
    b"</ListBucketResult>",
])
def test_a_listing_as_s3_writes_it_passes(body):
    with _listing(body) as (url, _):
        outcome = _judged(url)
    assert outcome.status is Status.PASSED, outcome


def test_a_redirect_naming_the_configured_region_says_so():
    """A 307 elsewhere naming the configured region was said "it is in region us-east-1": the region configured."""
    headers = {"x-amz-bucket-region": "us-east-1", "location": "https://login.example.com/x?token=abc"}
    with s3_answering(307, headers) as (url, _):
        outcome = _judged(url)
    assert (outcome.status, outcome.observed) == (
        Status.FAILED, f"bucket {BUCKET} answered (HEAD 307): a redirect to login.example.com naming region "
                       "us-east-1, the one configured"), outcome


HTML = b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>"


@pytest.mark.parametrize("list_status", [404, 403, 400, 204])
def test_a_listing_a_web_page_refuses_is_an_error_not_a_failure_of_the_bucket(list_status):
    """HEAD 200, then the listing answered by a website's or a WAF's page with no S3 error code: it failed the bucket
    ("listing … answered 404"), where the same refusal of a HEAD was an error."""
    with _answering(lambda command, path: (200, {}, b"") if command == "HEAD"
                    else (list_status, {"content-type": "text/html"}, HTML)) as (url, asked):
        outcome = _judged(url)
    assert outcome.status is Status.ERROR, outcome
    said = f"{list_status} and no S3 error code" if list_status != 204 else "204, which is no S3 API's answer"
    assert outcome.observed.startswith(f"could not look: {url} answered the listing of "), outcome.observed
    assert said in outcome.observed and BUCKET in outcome.observed, outcome.observed
    assert len(asked) == 2


@pytest.mark.parametrize("status, headers", [(204, {}), (206, {}), (300, {}), (304, {}), (301, {})])
def test_a_head_answer_s3_never_gives_is_an_error(status, headers):
    """A HEAD answered 204, 206, 300, 304, or 301 naming neither a place nor a region: no S3 API's answer."""
    with s3_answering(status, headers) as (url, _):
        outcome = _judged(url)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not look: {url} answered HEAD of bucket {BUCKET} with {status}, which"
                                       " is no S3 API's answer"), outcome.observed
