"""http rules, table-driven: status (stated or the documented default), JSON existence and types,
finite bounds, body text and latency — each passes on a healthy answer and fails on a broken one."""

from __future__ import annotations

import asyncio
import base64
import codecs
import datetime as dt
import gzip
import json
import math
import re
import sys
import threading
import time
import tracemalloc
import zlib

import httpx
import pytest
from pydantic import ValidationError

from opsverify import exitcodes
from opsverify.checklist import load_item_params
from opsverify.engine import gather_and_judge, message
from opsverify.families import http
from opsverify.families.http import READ_BY_HTTP
from opsverify.outcome import Status
from opsverify.transports import http as http_transport, jsonrpc
from opsverify.transports.http import BODY_LIMIT, Probe, Reply, Session, _read_at_most, fetch_all

from .kit import make_check, make_target, silent_server
from .project import KeepAliveHttp, Project, raw_reply


def reply(status=200, text="", ms=10.0, truncated=False):
    return Reply(status, ms, {}, text, truncated=truncated)


def long_reply(body_end: str, ms: float, body_bytes: int = 204800) -> Reply:
    """A reply whose body was longer than the bytes read, its end waited for: `body_end` says how that went."""
    return Reply(200, ms, {}, "<html>", truncated=True, body_end=body_end, body_bytes=body_bytes)


def judge(params: dict, answer: Reply):
    check = make_check("http", {"service": "api", "path": "/h", **params})
    return check, http.judge(check, {check.key: ("http://x/h", answer)})


DOCS = ('{"documents": [{"id": 1}],'
        ' "meta": {"count": 3, "ratio": 0.5, "next": null, "name": "x", "ok": true, "page": {}}}')

DOTTED = '{"status": "ok", "checks": {"db.ping": "ok"}}'  # a key that holds a dot

CASES = [
    # status: stated, or the default any 2xx — judged either way and shown in expected
    ({}, reply(200), Status.PASSED, "status 200", "GET /h answers 2xx (default status)"),
    ({}, reply(204), Status.PASSED, "status 204", "2xx (default status)"),
    ({}, reply(301), Status.FAILED, "status 301", "2xx (default status)"),
    ({"status": 204}, reply(200), Status.FAILED, "status 200", "GET /h answers 204"),
    ({"status": [401, 403]}, reply(403), Status.PASSED, "", "answers 401 or 403"),
    # a latency-only or body-only item still judges the default status, and says so
    ({"max_latency_ms": 2000}, reply(500, ms=3.0), Status.FAILED, "status 500",
     "GET /h answers 2xx (default status), within 2000 ms"),
    ({"body_excludes": ["Database connection failed"]}, reply(500, ""), Status.FAILED, "status 500",
     "2xx (default status), body without 'Database connection failed'"),
    ({"max_latency_ms": 100}, reply(200, ms=350.0), Status.FAILED, "took 350 ms", "within 100 ms"),
    # a body longer than the bytes read, its end waited for (its rest counted, not kept): the time is to its end
    ({"max_latency_ms": 3000}, long_reply("came", ms=640.0), Status.PASSED, "status 200 in 640 ms", "within 3000 ms"),
    ({"max_latency_ms": 100}, long_reply("came", ms=350.0), Status.FAILED, "took 350 ms", ""),
    # the bound passed while it was still coming: not waited for any longer
    ({"max_latency_ms": 3000}, long_reply("late", ms=3000.4, body_bytes=98304), Status.FAILED,
     "took more than 3000 ms: the body was still coming after 98304 bytes", "within 3000 ms"),
    # more than the most read to find its end came within the bound: the time to its end is unknown
    ({"max_latency_ms": 3000}, long_reply("capped", ms=80.0, body_bytes=http_transport.END_READ_LIMIT + 1),
     Status.ERROR, f"could not look: the body went on past {http_transport.END_READ_LIMIT // 2 ** 20} MiB, the most"
     " read to find its end (80 ms to them): the time to its end is unknown", "within 3000 ms"),
    # a reply whose end was not waited for (no probe of this family asks so) proves no time within a bound
    ({"max_latency_ms": 3000}, reply(200, "<html>", ms=64.0, truncated=True), Status.ERROR,
     f"could not look: the body is longer than the {BODY_LIMIT} bytes read: its end was not waited for, so the"
     f" time to it is unknown (64 ms to the first {BODY_LIMIT} bytes)", "within 3000 ms"),
    ({"max_latency_ms": 100}, reply(200, "<html>", ms=350.0, truncated=True), Status.FAILED, "took 350 ms", ""),
    ({"status": 200}, reply(200, "<html>", ms=64.0, truncated=True), Status.PASSED, "", ""),  # no latency asked
    # json_has: existence, and type when given
    ({"json_has": ["documents", "meta.count", "meta.next"]}, reply(200, DOCS), Status.PASSED, "", "JSON has documents"),
    ({"json_has": ["documents", "meta.total"]}, reply(200, DOCS), Status.FAILED, "meta.total is missing", ""),
    ({"json_has": {"documents": "array", "meta": "object", "meta.page": "object", "meta.count": "integer",
                   "meta.ratio": "number", "meta.next": "null", "meta.name": "string", "meta.ok": "boolean"}},
     reply(200, DOCS), Status.PASSED, "", "documents (array)"),
    ({"json_has": {"documents": "object"}}, reply(200, DOCS), Status.FAILED, "is an array, not an object", ""),
    ({"json_has": {"meta.ratio": "integer"}}, reply(200, DOCS), Status.FAILED, "meta.ratio has a fraction", ""),
    ({"json_has": {"meta.count": "integer"}}, reply(200, '{"meta": {"count": 3.0}}'), Status.PASSED, "", ""),
    ({"json_has": {"meta.ok": "number"}}, reply(200, DOCS), Status.FAILED, "meta.ok is a boolean, not a number", ""),
    ({"json_has": {"meta.next": "string"}}, reply(200, DOCS), Status.FAILED, "meta.next is null, not a string", ""),
    # a number past a float's range (JSON all the same) reads as Infinity: no finite number
    ({"json_has": {"x": "number"}}, reply(200, '{"x": 1e999}'), Status.FAILED, "x is Infinity, not a finite number", ""),
    ({"json_has": {"x": "integer"}}, reply(200, '{"x": -1e999}'), Status.FAILED, "x is -Infinity, not a finite", ""),
    ({"json_has": ["x"]}, reply(200, '{"x": 1e999}'), Status.PASSED, "", ""),  # it exists; no type was asked
    # NaN, Infinity and -Infinity are no JSON tokens (Python's json.dumps writes them; JSON.parse and Go refuse the
    # whole body): the body is not JSON, wherever the token is, whatever the rules name
    ({"json_has": ["x"]}, reply(200, '{"x": NaN}'), Status.FAILED, "body is not JSON (NaN at character 6", ""),
    ({"json": {"ok": True}}, reply(200, '{"ok": true, "p99_ms": NaN}'), Status.FAILED,
     "body is not JSON (NaN at character 23", ""),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": 3}, "rate": [1, -Infinity]}'), Status.FAILED,
     "body is not JSON (-Infinity at character 30", ""),
    ({"json_min": {"n": 1}}, reply(200, '{"n": 2, "m": Infinity}'), Status.FAILED, "(Infinity at character 14", ""),
    ({"json": {"s": "NaN"}}, reply(200, '{"s": "NaN", "t": "-Infinity"}'), Status.PASSED, "", ""),  # strings: JSON
    ({"json_has": ["documents"]}, reply(200, '[{"documents": []}]'), Status.FAILED, "documents is missing", ""),
    ({"json_has": ["documents"]}, reply(200, "<html>"), Status.FAILED, "body is not JSON", ""),
    # json_min / json_max: finite numbers only
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": 4}}'), Status.PASSED, "", "JSON db.ms ≤ 500"),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": 1800}}'), Status.FAILED, "db.ms = 1800", ""),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": -1e999}}'), Status.FAILED, "is -Infinity", ""),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": true}}'), Status.FAILED, "is a boolean, not a number", ""),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {"ms": "4"}}'), Status.FAILED, "is a string, not a number", ""),
    ({"json_max": {"db.ms": 500}}, reply(200, '{"db": {}}'), Status.FAILED, "JSON field db.ms is missing", ""),
    ({"json_min": {"count": 1}}, reply(200, '{"count": 3}'), Status.PASSED, "", "JSON count ≥ 1"),
    ({"json_min": {"count": 1}}, reply(200, '{"count": 0}'), Status.FAILED, "count = 0", ""),
    ({"json_min": {"count": 1}}, reply(200, '{"count": 1e999}'), Status.FAILED, "is Infinity, not a finite", ""),
    ({"json_min": {"n": 1}, "json_max": {"n": 5}}, reply(200, '{"n": 5}'), Status.PASSED, "", "n ≥ 1, JSON n ≤ 5"),
    # json: equal values, booleans kept apart from numbers
    ({"json": {"ok": True}}, reply(200, '{"ok": true}'), Status.PASSED, "", "JSON ok=true"),
    ({"json": {"ok": True}}, reply(200, '{"ok": 1}'), Status.FAILED, "ok = 1", ""),
    ({"json": {"failed": 0}}, reply(200, '{"failed": false}'), Status.FAILED, "failed = false", ""),
    ({"json": {"failed": 0}}, reply(200, '{"failed": 0.0}'), Status.PASSED, "", ""),
    ({"json": {"w.*.failed": 0}}, reply(200, '{"w": {"a": {"failed": 0}, "b": {"failed": 2}}}'), Status.FAILED,
     "w.b.failed = 2", ""),
    # an object or list value equals the whole value at its path, booleans kept apart from numbers inside too
    ({"json": {"db": {"ok": True}, "meta": {}}}, reply(200, '{"db": {"ok": true}, "meta": {}}'), Status.PASSED, "",
     'JSON db={"ok": true}, meta={}'),
    ({"json": {"db": {"ok": True}}}, reply(200, '{"db": {"ok": true, "ms": 3}}'), Status.FAILED,
     'db = {"ok": true, "ms": 3}', ""),
    ({"json": {"db": {"ok": True}}}, reply(200, '{"db": {"ok": 1}}'), Status.FAILED, 'db = {"ok": 1}', ""),
    ({"json": {"meta": {}}}, reply(200, '{"meta": {"page": 1}}'), Status.FAILED, 'meta = {"page": 1}', ""),
    ({"json": {"db": True}}, reply(200, '{"db": {"ok": true}}'), Status.FAILED, 'db = {"ok": true}', ""),
    ({"json": {"tags": [True]}}, reply(200, '{"tags": [1]}'), Status.FAILED, "tags = [1]", ""),
    ({"json": {"w.*": 0}}, reply(200, '{"w": {"a": 0, "b": {"c": 0}}}'), Status.PASSED, "", ""),
    # an empty object is a value: a check reporting nothing is no check that is ok
    ({"json": {"w.*": 0}}, reply(200, '{"w": {"a": 0, "b": {"c": 0}, "d": {}}}'), Status.FAILED, "w.d = {}", ""),
    ({"json": {"checks.*": "ok"}}, reply(200, '{"checks": {"db": "ok", "cache": {}}}'), Status.FAILED,
     "checks.cache = {}", ""),
    # a path is keys through objects whose names, joined by dots, are the path — for `json` as for json_has,
    # json_min and json_max: a key may hold a dot (`checks` then `db.ping`)
    ({"json": {"checks.db.ping": "ok"}}, reply(200, DOTTED), Status.PASSED, "", ""),
    ({"json": {"checks.db.ping": "ok"}}, reply(200, '{"checks": {"db.ping": "down"}}'), Status.FAILED,
     'checks.db.ping = "down"', ""),
    ({"json_has": {"checks.db.ping": "string"}}, reply(200, DOTTED), Status.PASSED, "", ""),
    ({"json_max": {"db.latency_ms": 500}, "json_min": {"db.latency_ms": 1}}, reply(200, '{"db.latency_ms": 3}'),
     Status.PASSED, "", ""),
    ({"json_max": {"db.latency_ms": 500}}, reply(200, '{"db.latency_ms": 900}'), Status.FAILED, "db.latency_ms = 900",
     ""),
    ({"json_has": ["checks.db.ping"]}, reply(200, '{"checks": {"db": {}, "db.pong": 1}}'), Status.FAILED,
     "JSON field checks.db.ping is missing", ""),
    # a path the body holds two ways names two fields: a lying target would choose which is judged
    ({"json": {"a.b": True}}, reply(200, '{"a": {"b": false}, "a.b": true}'), Status.ERROR,
     'could not look: JSON path a.b is ambiguous: the body holds both "a" → "b" and "a.b"', ""),
    ({"json": {"a.b": True}}, reply(200, '{"a.b": true, "a": {"b": true}}'), Status.ERROR, "a.b is ambiguous", ""),
    ({"json_has": ["checks.db.ping"]}, reply(200, '{"checks": {"db.ping": 1, "db": {"ping": 1}}}'), Status.ERROR,
     'JSON path checks.db.ping is ambiguous: the body holds both "checks" → "db" → "ping" and '
     '"checks" → "db.ping"', ""),
    ({"json_max": {"a.b": 5}}, reply(200, '{"a.b": 1, "a": {"b": 1}}'), Status.ERROR, "a.b is ambiguous", ""),
    # a glob matches each field whose keys, joined by dots, it matches: each must hold, so none is chosen
    ({"json": {"db.*": 1}}, reply(200, '{"db.latency_ms": 1}'), Status.PASSED, "", ""),
    ({"json": {"db.*": 1}}, reply(200, '{"db": {"a.b": 1, "c": {"d": 1}}, "db.x": 2}'), Status.FAILED, "db.x = 2", ""),
    ({"json": {"a.*": 1}}, reply(200, '{"a": {"b": 1}, "a.b": 2}'), Status.FAILED, "a.b = 2", ""),
    ({"json": {"ok": True}}, reply(200, '{"ok": false, "ok": true}'), Status.ERROR,
     'its JSON was not judged: a JSON object names the key "ok" twice', ""),
    ({"json": {"ok": True}}, reply(200, '{"a":' * 5000 + "1" + "}" * 5000), Status.ERROR,
     "its JSON was not judged: JSON nested deeper than it can be read", ""),
    # valid JSON whose integer Python will not convert (more than 4300 digits): not "not JSON", not judged
    ({"json": {"ok": True}}, reply(200, '{"ok": true, "n": ' + "9" * 5000 + "}"), Status.ERROR,
     "its JSON was not judged: JSON holds an integer of more than 4300 digits", ""),
    # as deep as the parser goes, and judged: walking it never recurses
    ({"json": {"ok": True}}, reply(200, '{"a":' * 900 + "1" + "}" * 900), Status.FAILED, "JSON field ok is missing", ""),
    ({"json": {"a": 1}}, reply(200, '{"a":' * 900 + "1" + "}" * 900), Status.FAILED, "a = ", ""),
    # body text
    ({"body_includes": ["<div id=root>"]}, reply(200, "<html><div id=root></div>"), Status.PASSED, "", ""),
    ({"body_includes": ["<div id=root>"]}, reply(200, "<html>"), Status.FAILED, "body lacks '<div id=root>'", ""),
    ({"body_excludes": ["failed"]}, reply(200, "DB connection failed"), Status.FAILED,
     "body contains 'failed' at character 14", ""),
    # found past what the evidence's body_start keeps: the message says where, never what surrounds it (a cut at any
    # place may cut a secret the target put there)
    ({"body_excludes": ["failed"]}, reply(200, "<p>ok</p>" * 400 + "Database connection failed for user app" + "x" * 300),
     Status.FAILED, "body contains 'failed' at character 3620 (past the 300 the evidence keeps)", ""),
    # a body cut at the read limit: what the part read disproves fails; what it cannot prove is an error
    ({"body_excludes": ["failed"]}, reply(200, "ok " * 10, truncated=True), Status.ERROR, "may be in the rest", ""),
    ({"body_excludes": ["failed"]}, reply(200, "failed", truncated=True), Status.FAILED, "body contains 'failed'", ""),
    ({"body_includes": ["ok"]}, reply(200, "ok", truncated=True), Status.PASSED, "", ""),
    ({"body_includes": ["end"]}, reply(200, "ok", truncated=True), Status.ERROR, "'end' not in the first", ""),
    ({"json_has": ["x"]}, reply(200, '{"x": 1, "y": "', truncated=True), Status.ERROR, "its JSON was not judged", ""),
    ({"json_has": ["x"]}, reply(503, '{"x": 1, "y": "', truncated=True), Status.FAILED, "status 503", ""),
    # no answer at all
    ({}, Reply(None, 3.0, failure="connection refused"), Status.ERROR, "no answer from api: connection refused", ""),
]


@pytest.mark.parametrize("params, answer, status, seen, expected", CASES)
def test_http_rule(params, answer, status, seen, expected):
    check, outcome = judge(params, answer)
    assert outcome.status is status, outcome
    assert seen in outcome.observed
    if status is not Status.ERROR:
        assert expected in outcome.expected
        assert message(check, outcome).startswith(f"{check.key} {check.title}: expected ")


def test_a_rule_not_judged_beside_a_failure_is_recorded_undecided():
    """503 fails the item; its JSON, cut at the read limit, was not judged: said beside it and recorded, so no waiver
    of the 503 takes the unjudged rule (the run counts it as could-not-check too)."""
    _, outcome = judge({"json_has": ["x"]}, reply(503, '{"x": 1, "y": "', truncated=True))
    assert outcome.status is Status.FAILED
    assert outcome.evidence["undecided"] == [f"the body is longer than the {http.BODY_LIMIT} bytes read; its JSON was "
                                             "not judged"]


@pytest.mark.parametrize("params, problem", [
    ({"method": "HEAD", "json_has": ["x"]}, "a HEAD answer has no body: json_has need GET"),
    ({"method": "HEAD", "body_excludes": ["x"]}, "a HEAD answer has no body"),
    ({"json_min": {"n": 5}, "json_max": {"n": 1}}, "json_min of n is above its json_max"),
    ({"json_max": {"n": math.nan}}, "must be a finite number"),
    ({"json": {"v": math.nan}}, "json: v expects a value that is not a finite number"),  # could never pass
    ({"json": {"v": [1, math.inf]}}, "json: v expects a value that is not a finite number"),
    # a YAML date, !!binary or !!set: accepted, then every such item was an internal error (not JSON serializable)
    ({"json": {"day": dt.date(2026, 1, 1)}}, "json: day expects a date .*, which JSON has not: quote it"),
    ({"json": {"v": [b"hello"]}}, "json: v expects a bytes"),
    ({"json": {"v": {"a": {1, 2}}}}, "json: v expects a set"),
    ({"json_min": {"n": math.inf}}, "must be a finite number"),
    ({"json_has": ["documents.*"]}, "globs are accepted in `json` only"),
    ({"json_max": {"db.*": 1}}, "globs are accepted in `json` only"),
    ({"json_has": {"x": "float"}}, "object"),
    ({"json_has": {"n": None}}, 'n: null is YAML\'s empty value; to ask for a JSON null, quote the type: n: "null"'),
    ({"status": 99}, "not an HTTP status code"),
    ({"status": []}, "at least 1 item"),
    ({"max_latency_ms": 0}, "greater than 0"),
    ({"max_latency_ms": math.inf}, "must be a finite number"),  # latency would never be judged
    ({"max_latency_ms": "1e309"}, "must be a finite number"),
    ({"json": {}}, "json given empty"),
    ({"json": {"w.*": {"ok": True}}}, "w.* is a glob with an object value"),
    ({"body_includes": [], "json_has": []}, "json_has, body_includes given empty"),
    ({"body_excludes": [""]}, "at least 1 character"),
    ({"method": "POST"}, "not a safe method"),
    # a GET many frameworks take as the method a header or `_method` names: that method's request, if not safe
    ({"headers": {"X-HTTP-Method-Override": "DELETE"}}, "params.headers.X-HTTP-Method-Override: 'DELETE' asks the"
                                                         " server to take the request as another method"),
    ({"headers": {"x-http-method": "put"}}, "another method; mark the item mutating: true"),
    ({"headers": {"X-Method-Override": "PATCH"}}, "another method"),
    ({"path": "/h?_method=DELETE"}, "params.path: _method='DELETE' asks the server"),
    # PHP reads `.method` (and ` method`, `[method`) as `_method`, which Laravel and Symfony take as the method
    ({"path": "/h?.method=DELETE"}, r"params.path: '.method' \(read as _method\)='DELETE' asks the server"),
    ({"path": "/h?a=1&%5Bmethod=put"}, r"params.path: '\[method' \(read as _method\)='put' asks the server"),
    ({"path": "/h?_method%00x=DELETE"}, r"params.path: '_method\\x00x' \(read as _method\)='DELETE' asks the"),
    ({"headers": {"X_HTTP_Method_Override": "DELETE"}}, "another method"),  # WSGI servers read `_` as `-`
    # a header HTTP cannot carry is refused at load, not sent to fail as "no answer"
    ({"headers": {"x-note": "café ✓"}}, "'é' is not ASCII, .* cannot be sent as written; percent-encode it "
                                         r"\(é is %C3%A9\) .* or leave it out"),
    ({"headers": {"bad name": "x"}}, "'bad name' is not an HTTP header name"),
    ({"headers": {"x-a:": "x"}}, "'x-a:' is not an HTTP header name"),
    ({"headers": {"x-a": "a\r\nInjected: 1"}}, r"holds a line break \('\\r'\)"),
    ({"headers": {"x-a": "a\x00b"}}, r"holds a control character \('\\x00'\)"),
    ({"headers": {"x-a": " a"}}, "starts or ends with a space or tab"),
])
def test_rejected(params, problem):
    with pytest.raises((ValidationError, ValueError), match=problem):
        load_item_params("http", {"service": "api", "path": "/h", **params})


@pytest.mark.parametrize("method, problem", [
    (" GET", "' GET' has a blank before or after the method's name: write GET"),
    ("HEAD\t", "'HEAD\\t' has a blank before or after the method's name: write HEAD"),
    ("\u00a0post", "'\\xa0post' has a blank before or after the method's name: write POST"),
    ("G ET", "'G ET' is no HTTP method's name"),
    ("P@ST", "'P@ST' is no HTTP method's name"),
    ("\u200bGET", "'\\u200bGET' is no HTTP method's name"),
])
@pytest.mark.parametrize("mutating", [False, True])
def test_a_method_with_blanks_or_no_method_name_says_so(method, problem, mutating):
    """Not "not a safe method; mark the item mutating" (the blank invisible, the advice wrong): what is wrong."""
    with pytest.raises(ValueError) as refused:
        load_item_params("http", {"service": "api", "path": "/h", "method": method}, mutating=mutating)
    assert problem in str(refused.value) and "mutating" not in str(refused.value), refused.value


def test_a_method_override_naming_a_safe_method_or_marked_mutating_is_taken():
    load_item_params("http", {"service": "api", "path": "/h?_method=get", "headers": {"X-HTTP-Method-Override": "HEAD"}})
    load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-HTTP-Method-Override": "DELETE"}},
                     mutating=True)


@pytest.mark.parametrize("family, params", [
    ("cron", {"service": "web", "path": "/api/cron/sync?_method=DELETE", "secret": "CRON_SECRET"}),
    ("metrics", {"service": "web", "path": "/metrics?_method=DELETE", "families": {"up": "gauge"}}),
    ("webhook", {"service": "web", "path": "/api/hooks?_method=DELETE", "scheme": "stripe"}),
    ("webhook", {"service": "web", "path": "/api/hooks?.method=DELETE", "scheme": "stripe"}),
])
def test_every_family_that_sends_a_path_is_held_to_the_method_it_names(family, params):
    """`?_method=DELETE` on a cron, metrics or webhook item loaded and was sent (a server honouring it ran DELETEs)."""
    with pytest.raises(ValueError, match=r"params.path: (_method|'.method' \(read as _method\))='DELETE' asks the"
                                         " server"):
        load_item_params(family, params)


@pytest.mark.parametrize("name, value", [("content-length", "3"), ("Transfer-Encoding", "chunked"),
                                         ("host", "admin.internal"), ("connection", "close"), ("keep-alive", "5"),
                                         ("proxy-connection", "close"), ("te", "trailers"), ("trailer", "x-a"),
                                         ("upgrade", "websocket"), ("expect", "100-continue")])
def test_a_header_http_itself_reads_is_refused_at_load(name, value):
    """The request's framing (a GET cut short at `content-length: 3`, or shaped like request smuggling with
    `transfer-encoding: chunked`), its site, `expect`, or a hop-by-hop header: HTTP reads them, no endpoint does —
    refused at load with cron's reason, whatever their case."""
    why = re.escape(READ_BY_HTTP[name.lower()])
    with pytest.raises(ValidationError, match=f"Value error, {name.lower()} {why}, so HTTP reads it, not the endpoint"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})
    for usable, sent in (("authorization", "Bearer {secret:T}"), ("x-request-id", "x"), ("Accept", "x")):
        assert load_item_params("http", {"service": "api", "path": "/h", "headers": {usable: sent}}).headers == {
            usable: sent}


def test_a_bare_null_type_is_one_problem_saying_to_quote_it():
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "json_has": {"n": None, "documents": "array"}})
    assert raised.value.error_count() == 1  # not also "should be a valid list" for the list form
    assert load_item_params("http", {"service": "api", "path": "/h", "json_has": {"n": "null"}}).json_types == {
        "n": "null"}


def test_head_with_status_only_is_fine():
    assert load_item_params("http", {"service": "api", "path": "/h", "method": "HEAD"}).method == "HEAD"


def test_a_missing_header_secret_skips_only_its_own_item():
    from pathlib import Path

    from opsverify.engine import Run
    from opsverify.environment import Environment, EnvironmentModel

    from .kit import route_server

    with route_server({("GET", "/ok"): lambda h, b: (200, "{}")}) as base:
        system = {"services": {"api": {"url": base}}}
        model = EnvironmentModel.model_validate({"name": "test", "systems": {"joslyn-ai": system}})
        run = Run(Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=()))
        plain = make_check("http", {"service": "api", "path": "/ok"}, name="plain")
        keyed = make_check("http", {"service": "api", "path": "/ok", "headers": {"x-key": "{secret:MISSING_KEY}"}},
                           name="keyed")
        try:
            outcomes = run.evaluate([plain, keyed])
        finally:
            run.close()
    assert outcomes[f"joslyn-ai:{plain.key}"].status is Status.PASSED
    skipped = outcomes[f"joslyn-ai:{keyed.key}"]
    assert skipped.status is Status.SKIPPED and "MISSING_KEY" in skipped.observed


# -- the transport: each reply read on its own, and no further than its limit ----------------------
@pytest.mark.parametrize("charset", ["hex", "base64", "zlib", "rot13", "idna"])
def test_a_reply_in_a_charset_that_is_no_text_encoding_fails_alone(charset):
    """Python has codecs that are not text encodings (or cannot replace what they cannot read): a target
    naming one makes its own reply unreadable, never the batch it came in."""
    replies = {("GET", "/odd"): raw_reply(200, b"7b7d", f"application/json; charset={charset}"),
               ("GET", "/ok"): raw_reply(200, b'{"ok": true}'),
               ("POST", "/rpc"): raw_reply(200, b'{"jsonrpc": "2.0", "id": 0, "result": "ok"}',
                                           f"application/json; charset={charset}")}
    with KeepAliveHttp(replies) as server:
        odd, ok = fetch_all([Probe("GET", server.url + "/odd"), Probe("GET", server.url + "/ok")], timeout_s=5)
        node = jsonrpc.call_batch(server.url + "/rpc", [jsonrpc.Call("getHealth")], timeout_s=5, connect_s=2)
    assert odd.status is None and f"HTTP 200 in charset {charset!r}, which is not a text encoding" in odd.failure
    assert (ok.status, ok.text) == (200, '{"ok": true}')
    assert node.answers == [] and f"charset {charset!r}" in node.failure, node


ERROR_PAGE = b"ERROR: Database connection failed"  # 33 bytes: no UTF-16 or UTF-32 reads it


@pytest.mark.parametrize("charset, body, status, seen", [
    # a header that lies about a plain body: the body is the UTF-8 it cleanly is, and the text is found
    ("utf-16", ERROR_PAGE, Status.FAILED, "body contains 'failed'"),
    ("utf-16", ERROR_PAGE + b"!", Status.FAILED, "body contains 'failed'"),  # even: UTF-16 reads it as CJK
    ("utf-32", ERROR_PAGE, Status.FAILED, "body contains 'failed'"),
    ("utf-32", ERROR_PAGE + b"!!!", Status.FAILED, "body contains 'failed'"),
    # a body truly in its charset is read in it
    ("utf-16", "ERROR: failed".encode("utf-16"), Status.FAILED, "body contains 'failed'"),
    ("utf-16", "all good".encode("utf-16"), Status.PASSED, "status 200"),
    ("iso-8859-1", "all good, café".encode("latin-1"), Status.PASSED, "status 200"),
    # UTF-8 with a stray byte reads on at the next character: nothing else is hidden
    ("utf-8", b"status ok \xff\xfe\xc3( fine", Status.PASSED, "status 200"),
    # neither its charset nor UTF-8 reads it: the text may be in what could not be read
    ("utf-16", "all good".encode("utf-16-le") + b"\xff", Status.ERROR,
     "could not look: the body could not be read as utf-16; 'failed' may be in it"),
])
def test_a_body_its_charset_cannot_read_proves_no_absence(charset, body, status, seen):
    replies = {("GET", "/page"): raw_reply(200, body, f"text/plain; charset={charset}")}
    with KeepAliveHttp(replies) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    _, outcome = judge({"body_excludes": ["failed"]}, answer)
    assert outcome.status is status and seen in outcome.observed, outcome


@pytest.mark.parametrize("body, status", [
    ("異常".encode("utf-16-le"), Status.FAILED),
    ("異常 ok".encode("utf-16-le"), Status.FAILED),  # NUL bytes in it: read in its charset, as ever
    ("pu8^".encode(), Status.FAILED),  # the same bytes
    ("ok".encode("utf-16-le"), Status.PASSED),
])
def test_what_a_browser_reads_in_a_declared_utf16_is_looked_at_for_absence(body, status):
    """A body UTF-8 reads cleanly is read so though it declares UTF-16 (servers declare it over ASCII); where the
    declared charset reads it cleanly too, otherwise, text a browser shows in it is not absent: `異常` in UTF-16LE is
    the ASCII `pu8^`, and body_excludes of it passed."""
    replies = {("GET", "/page"): raw_reply(200, body, "text/plain; charset=utf-16le")}
    with KeepAliveHttp(replies) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    _, outcome = judge({"body_excludes": ["異常"]}, answer)
    assert outcome.status is status, outcome
    if status is Status.FAILED:
        assert "body contains '異常'" in outcome.observed, outcome.observed


@pytest.mark.parametrize("body, charset, excluded, status, seen", [
    (b"FATAL: database down\0!", "utf-16le", "FATAL", Status.FAILED,  # one NUL: read as declared, all CJK
     "read as UTF-8, which reads it cleanly too (utf-16le declared)"),
    ("FATAL: database down".encode("utf-16-le"), "utf-16le", "FATAL", Status.FAILED, ""),  # really UTF-16: as ever
    (b"all good now\0!", "utf-16le", "FATAL", Status.PASSED, ""),  # in neither reading
    ("異常".encode(), "iso-8859-1", "異常", Status.FAILED,  # fetch().text() and JSON readers take UTF-8 whatever
     "read as UTF-8, which reads it cleanly too (iso-8859-1 declared)"),
    ("données".encode(), "windows-1252", "FATAL", Status.PASSED, ""),  # in neither reading
    ("pu8^".encode(), "utf-16le", "異常", Status.FAILED, "read as the utf-16le it declares, as a browser shows it"),
])
def test_the_utf8_reading_of_a_body_read_in_its_declared_charset_is_looked_at_for_absence(body, charset, excluded,
                                                                                         status, seen):
    """The mirror of the rule above: a body read in the charset it declares where UTF-8 reads it cleanly too — an
    ASCII error page with one NUL byte declared UTF-16LE (the NUL sends it to the declared reading, all CJK), a UTF-8
    page declared Latin-1 — is also looked at as UTF-8, what a JSON client or fetch().text() reads. `FATAL` in the
    former had passed body_excludes. Each failure says in which reading it was found."""
    replies = {("GET", "/page"): raw_reply(200, body, f"text/plain; charset={charset}")}
    with KeepAliveHttp(replies) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    _, outcome = judge({"body_excludes": [excluded]}, answer)
    assert outcome.status is status, outcome
    if status is Status.FAILED:
        assert f"body contains '{excluded}'" in outcome.observed and seen in outcome.observed, outcome.observed


@pytest.mark.parametrize("rule, text, status, seen", [
    ("body_excludes", "données indisponible", Status.ERROR, "could not look: " + http.UNREAD_BYTES +
     "; 'données indisponible' may be in them"),
    ("body_includes", "données indisponible", Status.ERROR, "'données indisponible' may be in them"),
    ("body_excludes", "base de", Status.FAILED, "body contains 'base de'"),  # ASCII is read whatever the rest
    ("body_excludes", "timeout", Status.PASSED, "status 200"),
])
def test_a_body_in_a_charset_it_does_not_declare_proves_no_absence_of_text_beyond_ascii(rule, text, status, seen):
    """A Latin-1 page declaring no charset is read as UTF-8, its accented letters replaced: an error page saying
    "base de données indisponible" passed body_excludes of that text, and a healthy one failed body_includes."""
    body = "Erreur : base de données indisponible".encode("latin-1")
    replies = {("GET", "/page"): raw_reply(200, body, "text/plain")}
    with KeepAliveHttp(replies) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    _, outcome = judge({rule: [text]}, answer)
    assert outcome.status is status and seen in outcome.observed, outcome


FLASK_DOWN = '{"status": "\\u00e9chec", "detail": "base de donn\\u00e9es injoignable"}'  # json.dumps' ensure_ascii
GO_DOWN = '{"status":"down","detail":"\\u003cdb\\u003e timeout \\u0026 retries exhausted"}'  # Go's json.Marshal


@pytest.mark.parametrize("body, rule, text, status, seen", [
    (FLASK_DOWN, "body_excludes", "échec", Status.FAILED,
     "body contains 'échec' in the JSON string at character 11, read as a JSON client decodes its escapes"),
    (FLASK_DOWN, "body_excludes", "base de données", Status.FAILED, "in the JSON string at character 35,"),
    (GO_DOWN, "body_excludes", "<db> timeout", Status.FAILED, "in the JSON string at character 26,"),
    (GO_DOWN, "body_excludes", "timeout & retries", Status.FAILED, "in the JSON string at character 26,"),
    ('{"\\u00e9chec": 1}', "body_excludes", "échec", Status.FAILED, "in the JSON string at character 1,"),  # a key
    ('{"error": "relation \\"users\\" does not exist"}', "body_excludes", 'relation "users" does not exist',
     Status.FAILED, "in the JSON string at character 10,"),
    ('{"a": "x", "a": "\\u00e9chec"}', "body_excludes", "échec", Status.FAILED,  # JSON still, though not judgeable
     "in the JSON string at character 16,"),
    ('{"pad": "' + "x" * 300 + '", "s": "\\u00e9chec"}', "body_excludes", "échec", Status.FAILED,
     "at character 317 (past the 300 the evidence keeps), read as a JSON client"),
    (GO_DOWN, "body_excludes", "all healthy", Status.PASSED, "status 200"),
    ("status: \\u00e9chec", "body_excludes", "échec", Status.PASSED, "status 200"),  # no JSON: nobody decodes it
    (FLASK_DOWN, "body_includes", "base de données", Status.PASSED, "status 200"),
    (GO_DOWN, "body_includes", "<db> timeout", Status.PASSED, "status 200"),
    # a `"` in a JSON body is its syntax: a string holding {"ok":true} does not make the body say "ok":true
    ('{"ok": false, "last": "{\\"ok\\":true}"}', "body_includes", '"ok":true', Status.FAILED,
     "body lacks '\"ok\":true'"),
    # the body read whole, each escaped string decoded in place (structure and spacing as written): a key and its
    # value — it passed {"status":"\u00e9chec"}, which it fails written unescaped
    ('{"status":"\\u00e9chec"}', "body_excludes", '"status":"échec"', Status.FAILED,
     "body contains '\"status\":\"échec\"' at character 1, read as a JSON client decodes its strings' escapes"),
    (FLASK_DOWN, "body_excludes", '"status": "échec"', Status.FAILED, "at character 1, read as a JSON client"),
    (FLASK_DOWN, "body_excludes", '"status":"échec"', Status.PASSED, "status 200"),  # spacing as written
    ('{"pad": "' + "x" * 300 + '", "s": "\\u00e9chec"}', "body_excludes", '"s": "échec"', Status.FAILED,
     "at character 312 (past the 300 the evidence keeps), read as a JSON client decodes its strings' escapes"),
    (GO_DOWN, "body_includes", '"detail":"<db> timeout', Status.PASSED, "status 200"),
    ('{"status":"\\u006fk"}', "body_includes", '"status":"ok"', Status.PASSED, "status 200"),
    # ... where every `"` it holds is the body's syntax: one decoded from an escape is a string's content
    ('{"ok": false, "last": "\\"status\\":\\"ok\\""}', "body_includes", '"status":"ok"', Status.FAILED,
     "body lacks '\"status\":\"ok\"'"),
    ('{"last": "\\u0022status\\u0022:\\u0022ok", "status":"o\\u006b"}', "body_includes", '"status":"ok"',
     Status.PASSED, "status 200"),  # its second reading is the body's own
])
def test_json_strings_are_read_as_a_json_client_decodes_their_escapes(body, rule, text, status, seen):
    """JSON writers escape text by default (Python's json.dumps writes `échec` as `\\u00e9chec`, Go's encoding/json
    `<` `>` `&` as `\\u003c` `\\u003e` `\\u0026`): body_excludes passed such an error body, body_includes failed
    such a healthy one, though every JSON client — and the item's own `json` rule — reads the text in it."""
    _, outcome = judge({rule: [text]}, reply(200, body))
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_json_body_is_parsed_once_for_its_json_and_its_text(monkeypatch):
    """The body rules' JSON reading reuses what the JSON rules' parse learned: a body of 64 KiB is not parsed twice."""
    parsed = []
    real = http_transport.strict_json
    monkeypatch.setattr(http_transport, "strict_json", lambda text: parsed.append(text) or real(text))
    _, outcome = judge({"json": {"status": "échec"}, "body_excludes": ["base de données"]}, reply(200, FLASK_DOWN))
    assert outcome.status is Status.FAILED and "in the JSON string" in outcome.observed, outcome
    assert len(parsed) == 1, parsed


JOB_SAID_TWICE = '{"ok":true,"n":1,"ok":false,"error":"job failed"}'  # JSON.parse, Python and Go read ok=false
TWICE = 'was not judged: a JSON object names the key "ok" twice'


@pytest.mark.parametrize("body, rule, text, status, seen", [
    # a text naming a key an object gives twice: which value counts is the reader's choice, as the json rule says
    (JOB_SAID_TWICE, "body_includes", '"ok":true', Status.ERROR, f"'\"ok\":true' {TWICE}"),
    ('{"job": {"ok": true, "ok": false}}', "body_includes", '"ok": true', Status.ERROR, TWICE),
    ('{"ok":false,"ok":false}', "body_includes", '"ok":true', Status.ERROR, TWICE),  # read back, it may be there
    ('{"ok":false,"ok":true}', "body_excludes", '"ok":false', Status.ERROR, TWICE),  # JSON.parse reads ok=true
    ('{"ok":true,"n":1,"ok":false}', "body_excludes", '"ok":false,"n"', Status.ERROR, TWICE),  # {"ok":false,"n":1}
    # spelled as the body writes it, or as its clients decode it
    ('{"\\u006fk":true,"ok":false}', "body_includes", '"ok":true', Status.ERROR, TWICE),
    ('{"\\u006fk":true,"ok":false}', "body_includes", '"\\u006fk":true', Status.ERROR, TWICE),
    # a key given twice that the text does not name changes nothing
    ('{"ok":true,"n":1,"n":2}', "body_includes", '"ok":true', Status.PASSED, "status 200"),
    ('{"ok":true,"n":1,"n":2}', "body_excludes", '"ok":false', Status.PASSED, "status 200"),
    ('{"ok":false,"ok":false,"error":"job failed"}', "body_excludes", "job failed", Status.FAILED,
     "body contains 'job failed' at character 32"),
    ('{"ok":true,"n":1}', "body_includes", '"ok":true', Status.PASSED, "status 200"),
])
def test_a_text_naming_a_key_given_twice_is_not_judged(body, rule, text, status, seen):
    """`body_includes: ['"ok":true']` passed a job's answer naming "ok" twice, which JSON.parse, Python and Go read
    as ok=false, though the json rule calls that body undecidable."""
    _, outcome = judge({rule: [text]}, reply(200, body))
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_body_naming_a_key_twice_is_parsed_once_for_its_json_and_its_text(monkeypatch):
    parsed = []
    real = http_transport.strict_json
    monkeypatch.setattr(http_transport, "strict_json", lambda text: parsed.append(text) or real(text))
    _, outcome = judge({"json": {"ok": True}, "body_includes": ['"ok":true']}, reply(200, JOB_SAID_TWICE))
    assert outcome.status is Status.ERROR and "its JSON was not judged" in outcome.observed, outcome
    assert f"'\"ok\":true' {TWICE}" in outcome.observed, outcome
    assert len(parsed) == 1, parsed


UNSEEN = 'the body could not be read whole ({}): whether it gives "ok" twice was not seen'
PAST_LIMIT = '{"ok":true,"log":"' + "x" * BODY_LIMIT + '","ok":false}'  # read: its first BODY_LIMIT characters
DEEP = '{"ok":true,"d":' + "[" * 3000 + "]" * 3000 + ',"ok":false}'
LONG_NUMBER = '{"ok":true,"n":' + "1" * 5000 + ',"ok":false}'  # JSON.parse reads it: ok=false
TOO_DEEP = "JSON nested deeper than it can be read"
TOO_LONG = f"JSON holds an integer of more than {sys.get_int_max_str_digits()} digits, longer than it can be read"


@pytest.mark.parametrize("body, truncated, rule, text, status, seen", [
    # JSON not read whole: which keys it gives twice was not seen, so a text naming a key is not judged, found or not
    (PAST_LIMIT[:BODY_LIMIT], True, "body_includes", '"ok":true', Status.ERROR,
     "'\"ok\":true' was not judged: " + UNSEEN.format(f"longer than the {BODY_LIMIT} bytes read")),
    (DEEP, False, "body_includes", '"ok":true', Status.ERROR, UNSEEN.format(TOO_DEEP)),
    (LONG_NUMBER, False, "body_includes", '"ok":true', Status.ERROR, UNSEEN.format(TOO_LONG)),
    (LONG_NUMBER, False, "body_excludes", '"ok":false', Status.ERROR, UNSEEN.format(TOO_LONG)),
    (" \n[" + PAST_LIMIT[:BODY_LIMIT], True, "body_excludes", '"ok": false', Status.ERROR, "whether it gives"),
    (DEEP, False, "body_includes", '"ok"', Status.ERROR, UNSEEN.format(TOO_DEEP)),  # a key, no value
    (DEEP, False, "body_includes", '"status":"ok"', Status.ERROR, 'whether it gives "status" twice'),
    # a text naming no key is judged as before
    (PAST_LIMIT[:BODY_LIMIT], True, "body_includes", "ok", Status.PASSED, "status 200"),
    (PAST_LIMIT[:BODY_LIMIT], True, "body_excludes", "failed", Status.ERROR, "may be in the rest"),
    (DEEP, False, "body_includes", "true", Status.PASSED, "status 200"),
    # a body cut short that is no JSON is text: a quoted text in it is judged as text
    ('job "ok": ' + "x" * BODY_LIMIT, True, "body_includes", '"ok"', Status.PASSED, "status 200"),
    ("<p>" + "x" * BODY_LIMIT, True, "body_excludes", '"ok":false', Status.ERROR, "may be in the rest"),
    # JSON read whole, no key given twice
    ('{"ok":true,"n":' + "1" * 400 + "}", False, "body_includes", '"ok":true', Status.PASSED, "status 200"),
    ('{"ok":true,"d":' + "[" * 50 + "]" * 50 + "}", False, "body_excludes", '"ok":false', Status.PASSED, "status 200"),
])
def test_a_text_naming_a_key_of_json_not_read_whole_is_not_judged(body, truncated, rule, text, status, seen):
    """`body_includes: ['"ok":true']` passed an answer whose second "ok" (false, as JSON.parse reads it) lay past the
    read limit, or beside nesting or an integer Python does not read: the key-twice ERROR needed a whole parse."""
    _, outcome = judge({rule: [text]}, reply(200, body, truncated=truncated))
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_job_answer_giving_ok_twice_past_the_read_limit_is_not_judged():
    """As a target sends it: the second "ok" lies past the bytes read, where no parse can see it."""
    from .kit import route_server

    check = make_check("http", {"service": "api", "path": "/job", "body_includes": ['"ok":true']})
    with route_server({("GET", "/job"): lambda h, b: (200, PAST_LIMIT)}) as base:
        target = make_target({"services": {"api": {"url": base}}})
        try:
            outcome, = gather_and_judge(target, http, [check])
        finally:
            target.close()
    assert outcome.status is Status.ERROR and UNSEEN.format(f"longer than the {BODY_LIMIT} bytes read") \
        in outcome.observed, outcome


def test_the_json_strings_of_a_hostile_body_are_read_in_linear_time():
    """A scan that tried each `"` of an unterminated run of escaped quotes to the end would take minutes."""
    body = "[" * 100_000 + '"' + '\\"' * 30_000  # nested too deep to parse (JSON all the same), then never closed
    _, outcome = judge({"body_excludes": ["échec"]}, reply(200, body))
    assert outcome.status is Status.PASSED, outcome


def test_a_json_body_read_whole_is_read_in_linear_time():
    """Every string escaped, and a text whose every place in the reading holds a `"` decoded from an escape."""
    body = "[" + ",".join(['"\\u00e9\\""'] * 40_000) + ',"' + '\\"' * 60_000 + '"]'
    started = time.perf_counter()
    _, outcome = judge({"body_includes": ['é""'], "body_excludes": ['"é","x']}, reply(200, body))
    assert outcome.status is Status.FAILED and "body lacks" in outcome.observed, outcome
    # a hang guard, not a speed verdict: the quadratic reading this guards against takes minutes
    assert time.perf_counter() - started < 60, time.perf_counter() - started


def test_what_an_unreadable_body_lacks_or_parses_to_is_not_judged():
    unreadable = Reply(200, 1.0, {}, "\ufffd" * 4, misread="the body could not be read as utf-16")
    for params in ({"body_includes": ["ok"]}, {"json": {"ok": True}}):
        _, outcome = judge(params, unreadable)
        assert outcome.status is Status.ERROR and "the body could not be read as utf-16" in outcome.observed, outcome


@pytest.mark.parametrize("method, path", [("HEAD", "/ping"), ("GET", "/empty")])
def test_a_body_http_says_is_not_there_never_starts_the_next_reply(method, path):
    """A HEAD or 204 answered with a body leaves bytes on the kept-alive connection, where the next request would
    meet them as its reply's start: the connection is closed, and the next request gets a new one."""
    replies = {("HEAD", "/ping"): raw_reply(200, b'{"ok": true}'), ("GET", "/empty"): raw_reply(204, b'{"ok": true}'),
               ("GET", "/ok"): raw_reply(200, b'{"ok": false}')}
    with KeepAliveHttp(replies) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            (first,) = session.fetch_all([Probe(method, server.url + path)])
            (second,) = session.fetch_all([Probe("GET", server.url + "/ok")])  # on the same pooled connection
        finally:
            session.close()
    assert first.status in (200, 204) and first.text == "", first
    assert (second.status, second.text) == (200, '{"ok": false}'), second
    assert len(server.connections) == 2


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_request_that_is_not_safe_is_never_sent_twice(method):
    """Not a POST, nor a mutating GET (a cron endpoint with its secret runs the job): once, whatever comes back —
    a broken reply on a reused connection is not asked again, as a safe request would be."""
    replies = {("GET", "/ok"): raw_reply(200, b'{"ok": true}'), (method, "/run"): b"NOT HTTP AT ALL\r\n\r\n"}
    with KeepAliveHttp(replies) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            session.fetch_all([Probe("GET", server.url + "/ok")])
            (ran,) = session.fetch_all([Probe(method, server.url + "/run", body=b"{}" if method == "POST" else None,
                                              mutating=True)])
        finally:
            session.close()
    assert ran.status is None and "RemoteProtocolError" in ran.failure, ran
    assert len(server.connections) == 1


# -- bytes no request asked for ----------------------------------------------------------------------
DOUBLE = raw_reply(200, b'{"ok": true}') + raw_reply(200, b'{"ok": true, "admin": "no auth here"}')


@pytest.mark.parametrize("first_method, first_path, replies", [
    ("GET", "/double", {("GET", "/double"): DOUBLE}),  # a buggy server that answers twice, in one write
    ("HEAD", "/page", {("HEAD", "/page"): raw_reply(200, b"<html>hello</html>", "text/html")}),  # HEAD with a body
    ("GET", "/empty", {("GET", "/empty"): raw_reply(204, b"<html>hello</html>", "text/html")}),  # 204 with a body
], ids=["two-replies", "head-with-body", "204-with-body"])
@pytest.mark.parametrize("method, mutating", [("GET", False), ("GET", True), ("POST", True)],
                         ids=["safe", "mutating-get", "post"])
def test_bytes_left_after_a_reply_never_answer_another_request(first_method, first_path, replies, method, mutating):
    """A connection holding bytes after a complete reply is closed, not reused: the next request — a read-only
    probe, a cron job run with its secret, a webhook delivery — gets its own reply on a new connection, and the
    reply that left them says so in its evidence."""
    replies = {**replies, (method, "/down"): raw_reply(500, b'{"status": "down"}')}
    with KeepAliveHttp(replies) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            (first,) = session.fetch_all([Probe(first_method, server.url + first_path)])
            (second,) = session.fetch_all([Probe(method, server.url + "/down", body=b"{}" if method == "POST" else None,
                                                 mutating=mutating)])
        finally:
            session.close()
    assert (second.status, second.text) == (500, '{"status": "down"}'), second
    assert len(server.connections) == 2
    assert first.status in (200, 204) and first.unasked_bytes > 0, first
    evidence = http.describe_reply(server.url + first_path, first_method, first)
    assert evidence["after_reply"] == (f"{first.unasked_bytes} bytes no request asked for followed this reply on its "
                                       "connection, which was closed rather than reused"), evidence
    _, outcome = judge({"method": first_method} if first_method == "HEAD" else {}, first)
    assert outcome.status is Status.PASSED, outcome  # its own reply stands as HTTP framed it, as curl reads it


@pytest.mark.parametrize("closing", [b"", b"Connection: close\r\n"], ids=["kept-alive", "connection-close"])
def test_an_absence_is_not_proven_by_a_body_its_server_sent_more_of_than_its_content_length(closing):
    """`Content-Length: 15`, then the 15 bytes and `DATABASE ERROR` in one write: the reply stands as HTTP framed it,
    but body_excludes claims the server sent no such text, and it did: not judged (error), as a body cut at the read
    limit is not — on a connection the reply closes too."""
    short = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n" + closing + b"\r\n"
             b'{"status":"ok"}      DATABASE ERROR')
    with KeepAliveHttp({("GET", "/short"): short}) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            (reply,) = session.fetch_all([Probe("GET", server.url + "/short")])
        finally:
            session.close()
    assert reply.unasked_bytes == 20, reply
    _, excluded = judge({"json": {"status": "ok"}, "body_excludes": ["DATABASE ERROR"]}, reply)
    assert excluded.status is Status.ERROR, excluded
    assert ("20 bytes followed the reply past the end its headers gave it (the server sent more than its"
            " Content-Length); 'DATABASE ERROR' may be in them") in excluded.observed, excluded.observed
    _, included = judge({"json": {"status": "ok"}}, reply)
    assert included.status is Status.PASSED, included  # what the reply holds is judged as framed


def test_a_reply_that_left_nothing_keeps_its_connection():
    replies = {("GET", "/ok"): raw_reply(200, b'{"ok": true}')}
    with KeepAliveHttp(replies) as server:
        session = Session(timeout_s=5, concurrency=1)
        try:
            first, second = (session.fetch_all([Probe("GET", server.url + "/ok")])[0] for _ in range(2))
        finally:
            session.close()
    assert first.unasked_bytes == second.unasked_bytes == 0
    assert "after_reply" not in http.describe_reply(server.url + "/ok", "GET", first)
    assert len(server.connections) == 1


@pytest.mark.parametrize("reply, said", [
    (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
     "answered 101 Switching Protocols, an upgrade nobody asked for: no HTTP reply to judge"),
    (b"HTTP/1.1 000 Zero\r\ncontent-length: 0\r\n\r\n", "the status line says 000, which is no HTTP status (100-599)"),
    (b"HTTP/1.1 099 Low\r\ncontent-length: 0\r\n\r\n", "the status line says 099, which is no HTTP status (100-599)"),
    # h11 reads any three digits: one past 599 is no answer either (a webhook called it a server error)
    (b"HTTP/1.1 600 High\r\ncontent-length: 0\r\n\r\n", "the status line says 600, which is no HTTP status (100-599)"),
    (b"HTTP/1.1 999 Max\r\ncontent-length: 2\r\n\r\nok", "the status line says 999, which is no HTTP status (100-599)"),
], ids=["101", "000", "099", "600", "999"])
def test_a_status_that_is_no_reply_is_said_plainly(reply, said):
    with KeepAliveHttp({("GET", "/odd"): reply}) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/odd")], timeout_s=5)
    assert answer.status is None and answer.failure == said, answer


# -- a body that starts with a byte-order mark ---------------------------------------------------------
ERROR_TEXT = "Database connection failed"
UTF32_PAGE = '{"status":"ok","note":"Database connection failed"}'


@pytest.mark.parametrize("body, content_type, params, status, seen", [
    # the BOM says UTF-16: read so, whatever the header says or leaves out (WHATWG: a BOM overrides the charset)
    (codecs.BOM_UTF16_LE + ERROR_TEXT.encode("utf-16-le"), "text/plain", {"body_excludes": [ERROR_TEXT]},
     Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    (codecs.BOM_UTF16_BE + ERROR_TEXT.encode("utf-16-be"), "text/plain; charset=iso-8859-1",
     {"body_excludes": [ERROR_TEXT]}, Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    (codecs.BOM_UTF8 + f"<html>{ERROR_TEXT}</html>".encode(), "text/html; charset=utf-16",
     {"body_excludes": [ERROR_TEXT]}, Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    # JSON may start with a BOM (RFC 8259 lets a reader ignore it): it is read, not "not JSON"
    (codecs.BOM_UTF8 + b'{"status":"ok"}', "application/json", {"json": {"status": "ok"}}, Status.PASSED, "status 200"),
    (codecs.BOM_UTF16_LE + '{"status":"ok"}'.encode("utf-16-le"), "application/json; charset=utf-16le",
     {"json": {"status": "ok"}}, Status.PASSED, "status 200"),
    (codecs.BOM_UTF16_LE + '{"status":"error"}'.encode("utf-16-le"), "application/json",
     {"json": {"status": "ok"}}, Status.FAILED, 'status = "error"'),
    # what the BOM's encoding cannot read proves no absence
    (codecs.BOM_UTF16_LE + "all good".encode("utf-16-le") + b"\xff", "text/plain", {"body_excludes": ["failed"]},
     Status.ERROR, "the body could not be read as utf-16-le (its byte-order mark)"),
    # UTF-32LE's mark starts with UTF-16LE's: the longer mark is taken where UTF-32 reads the body (or is declared)
    (codecs.BOM_UTF32_LE + UTF32_PAGE.encode("utf-32-le"), "application/json; charset=utf-32",
     {"body_excludes": [ERROR_TEXT]}, Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    (codecs.BOM_UTF32_LE + '{"status":"ok"}'.encode("utf-32-le"), "application/json; charset=utf-32",
     {"json": {"status": "ok"}}, Status.PASSED, "status 200"),
    (codecs.BOM_UTF32_LE + UTF32_PAGE.encode("utf-32-le"), "application/json",
     {"body_excludes": [ERROR_TEXT]}, Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    (codecs.BOM_UTF32_BE + UTF32_PAGE.encode("utf-32-be"), "text/plain",
     {"body_excludes": [ERROR_TEXT]}, Status.FAILED, f"body contains '{ERROR_TEXT}'"),
    # declared UTF-32 that UTF-32 cannot read proves no absence
    (codecs.BOM_UTF32_LE + "all good".encode("utf-32-le") + b"\xff\xff", "text/plain; charset=utf-32",
     {"body_excludes": ["failed"]}, Status.ERROR, "the body could not be read as utf-32-le (its byte-order mark)"),
    # nor does a UTF-16 reading full of NUL characters (UTF-32 cut short, read as UTF-16): no text is in it to find
    (codecs.BOM_UTF32_LE + "all good".encode("utf-32-le") + b"\xff\xff", "text/plain",
     {"body_excludes": ["failed"]}, Status.ERROR, "holds NUL characters"),
    # and without a mark: UTF-32 under a UTF-16 charset, UTF-32 or UTF-16 under none, reads "cleanly", NULs between
    (UTF32_PAGE.encode("utf-32-le"), "text/html; charset=utf-16le", {"body_excludes": [ERROR_TEXT]}, Status.ERROR,
     "holds NUL characters"),
    (UTF32_PAGE.encode("utf-32-le"), "text/html", {"body_excludes": [ERROR_TEXT]}, Status.ERROR,
     "holds NUL characters"),
    (UTF32_PAGE.encode("utf-16-le"), "text/html", {"body_excludes": [ERROR_TEXT]}, Status.ERROR,
     "holds NUL characters"),
    # UTF-16 declared in the other byte order reads "cleanly", every ASCII letter a U+xx00 no word is found in
    (UTF32_PAGE.encode("utf-16-le"), "text/plain; charset=utf-16be", {"body_excludes": [ERROR_TEXT]}, Status.ERROR,
     "text of the other byte order"),
    (UTF32_PAGE.encode("utf-16-be"), "text/plain; charset=utf-16le", {"body_excludes": [ERROR_TEXT]}, Status.ERROR,
     "text of the other byte order"),
    ("一二三 ok".encode("utf-16-le"), "text/plain; charset=utf-16le", {"body_excludes": ["failed"]}, Status.PASSED,
     "status 200"),  # CJK's U+4E00 is a U+xx00 too: a few are text
    ("一".encode("utf-8"), "text/plain; charset=utf-8", {"body_excludes": ["错误"]}, Status.PASSED,
     "status 200"),  # and UTF-8 read as itself is what it says, however short
], ids=["utf16le-no-charset", "utf16be-over-latin1", "utf8-over-utf16", "utf8-json", "utf16le-json-declared",
        "utf16le-json-error", "utf16le-broken", "utf32le-declared-error-page", "utf32le-declared-json",
        "utf32le-undeclared", "utf32be-undeclared", "utf32le-declared-broken", "utf16le-full-of-nul",
        "utf32le-as-utf16-no-mark", "utf32le-no-charset-no-mark", "utf16le-no-charset-no-mark",
        "utf16le-declared-be", "utf16be-declared-le", "cjk-utf16le", "cjk-utf8-one-character"])
def test_a_byte_order_mark_says_how_the_body_reads(body, content_type, params, status, seen):
    with KeepAliveHttp({("GET", "/page"): raw_reply(200, body, content_type)}) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    assert not answer.text.startswith("\ufeff"), answer
    _, outcome = judge(params, answer)
    assert outcome.status is status and seen in outcome.observed, outcome


# -- how long a connection may take to open ---------------------------------------------------------------
def test_a_connection_that_never_opens_gives_up_after_connect_s_and_says_so():
    """A listener that never completes the TLS handshake: given up after the environment's connect_s, not a fixed
    5 s, and the failure names the timeout that ran out."""
    with silent_server() as silent:
        (answer,) = fetch_all([Probe("GET", f"https://127.0.0.1:{silent['port']}/ok", connect_s=0.5)], timeout_s=5)
    assert answer.status is None and answer.failure == "no connection within 0.5 s (connect_s: TCP and TLS)", answer


def test_the_http_family_opens_connections_within_the_environments_connect_s():
    with silent_server() as silent:
        target = make_target({"services": {"web": {"url": f"https://127.0.0.1:{silent['port']}"}}},
                             timeouts={"connect_s": 0.5, "http_s": 5})
        check = make_check("http", {"service": "web", "path": "/ok"})
        try:
            (outcome,) = gather_and_judge(target, http, [check])
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == "no answer from web: no connection within 0.5 s (connect_s: TCP and TLS)", outcome


def test_every_family_opens_a_targets_connections_within_its_connect_s():
    """A probe that names no connect_s of its own (metrics, bundle, provider …) opens its connection within the
    target's: the session is made with the environment's connect_s."""
    with silent_server() as silent:
        target = make_target({"services": {"web": {"url": f"https://127.0.0.1:{silent['port']}"}}},
                             timeouts={"connect_s": 0.5, "http_s": 5})
        try:
            (answer,) = target.fetch_all([Probe("GET", f"https://127.0.0.1:{silent['port']}/metrics")])
        finally:
            target.close()
    assert answer.status is None and answer.failure == "no connection within 0.5 s (connect_s: TCP and TLS)", answer


def _gzip_bomb(inflated_mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(2 ** 20)
    return b"".join(packer.compress(zeros) for _ in range(inflated_mib)) + packer.flush()


def _read(raw: bytes, coding: str, limit: int = BODY_LIMIT, chunk: int = 65536, *,
          as_go: bool = False) -> tuple[bytes, bool]:
    async def chunks():
        for start in range(0, len(raw), chunk):
            yield raw[start:start + chunk]

    response = httpx.Response(200, headers={"content-encoding": coding}, content=chunks(),
                              request=httpx.Request("GET", "http://x/"))
    return asyncio.run(_read_at_most(response, limit, as_go=as_go))


def test_a_compressed_body_is_inflated_no_further_than_the_read_limit():
    """A gzip bomb: 64 KiB that inflate to 64 MiB of zeros. Reading stops at the limit, and so does inflating:
    what is held at once stays near the limit, not the 64 MiB one chunk inflates to."""
    bomb = _gzip_bomb(64)
    assert len(bomb) <= 70_000
    tracemalloc.start()
    try:
        body, truncated = _read(bomb, "gzip", chunk=len(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert truncated and body == bytes(BODY_LIMIT)
    assert peak < 2 ** 20 + len(bomb), peak


TEXT = b'{"ok": true, "pad": "' + b"x" * 3000 + b'"}'


@pytest.mark.parametrize("coding, raw", [
    ("gzip", gzip.compress(TEXT)),
    ("GZIP, identity", gzip.compress(TEXT)),
    ("deflate", zlib.compress(TEXT)),
    ("deflate", zlib.compress(TEXT, wbits=-zlib.MAX_WBITS)),  # raw deflate without its header, as servers send it
    ("identity", TEXT),
    ("none", TEXT),  # a server's way of saying identity
    # two gzip members are one body, as browsers and curl read it: the second is not dropped
    ("gzip", gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])),
    # NUL bytes padding the body after its last member, which GNU gzip, Python's gzip and Node's zlib ignore
    ("gzip", gzip.compress(TEXT) + bytes(8)),
    ("gzip", gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:]) + bytes(20)),
], ids=["gzip", "gzip-identity", "deflate", "raw-deflate", "identity", "none", "gzip-members", "gzip-zero-padding",
        "gzip-members-zero-padding"])
def test_a_compressed_body_that_fits_is_read_whole(coding, raw):
    assert _read(raw, coding, chunk=7) == (TEXT, False)
    assert _read(raw, coding, limit=100, chunk=7) == (TEXT[:100], True)


@pytest.mark.parametrize("chunk", [7, 65536])  # the padding split over reads, and in the member's own
def test_zero_padding_after_a_gzip_body_is_ignored_and_anything_else_is_not(chunk):
    packed = gzip.compress(TEXT)
    assert _read(packed + bytes(8), "gzip", chunk=chunk) == (TEXT, False)
    with pytest.raises(httpx.DecodingError, match="gzip: bytes after the zero padding that followed its end"):
        _read(packed + bytes(8) + b"junk", "gzip", chunk=chunk)
    with pytest.raises(httpx.DecodingError, match="gzip: bytes after the zero padding that followed its end"):
        _read(packed + bytes(8) + gzip.compress(b"more"), "gzip", chunk=chunk)  # GNU gzip reads no member there
    # as Prometheus reads a scrape: Go's gzip reader takes the padding for a member with no valid header
    with pytest.raises(httpx.DecodingError, match="incorrect header check"):
        _read(packed + bytes(8), "gzip", chunk=chunk, as_go=True)


@pytest.mark.parametrize("coding, raw, problem", [
    ("gzip", TEXT, "gzip: Error -3"),
    ("br", TEXT, "content-encoding 'br' is not read"),
    ("gzip, gzip", gzip.compress(gzip.compress(TEXT)), "content-encoding 'gzip, gzip' is not read"),
    # the part never read could hold what an item looks for
    ("gzip", gzip.compress(TEXT)[:-40], "gzip: the body ends before its compressed stream does"),
    ("gzip", gzip.compress(TEXT) + b"trailing garbage", "gzip: bytes after the end of its compressed stream are"
                                                        " neither zero padding nor another gzip member \\(Error -3"),
    ("deflate", zlib.compress(TEXT) + zlib.compress(TEXT), "deflate: bytes after the end"),
], ids=["not-gzip", "br", "gzip-twice", "gzip-cut-short", "gzip-then-garbage", "deflate-then-more"])
def test_a_body_that_cannot_be_inflated_is_no_answer(coding, raw, problem):
    with pytest.raises(httpx.DecodingError, match=problem):
        _read(raw, coding)


def test_an_http_item_reads_a_zero_padded_gzip_body_and_names_the_answer_whose_body_is_no_gzip():
    """A health endpoint behind an encoder padding its gzip with NULs passes, as every gzip reader but Go's takes it;
    bytes after the stream that are no padding are an ERROR saying what came (200, its body unread), never "no
    answer"."""
    packed = gzip.compress(b'{"status":"ok"}')
    replies = {("GET", "/padded"): raw_reply(200, packed + bytes(8), content_encoding="gzip"),
               ("GET", "/garbage"): raw_reply(200, packed + b"trailing garbage", content_encoding="gzip")}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"api": {"url": server.url}}})
        checks = [make_check("http", {"service": "api", "path": path, "json": {"status": "ok"}}, item=item)
                  for item, path in (("H1", "/padded"), ("H2", "/garbage"))]
        try:
            padded, garbage = gather_and_judge(target, http, checks)
        finally:
            target.close()
    assert padded.status is Status.PASSED, padded
    assert garbage.status is Status.ERROR, garbage
    assert "no answer" not in garbage.observed, garbage.observed
    assert garbage.observed.startswith("api answered 200, but its body could not be read: "), garbage.observed
    assert "neither zero padding nor another gzip member" in garbage.observed, garbage.observed


@pytest.mark.parametrize("coding", ["br", "gzip", "zstd, gzip"])
def test_a_reply_without_a_body_has_nothing_to_decode(coding):
    """A HEAD or 204 reply may name any content-encoding: no body, nothing left coded."""
    assert _read(b"", coding) == (b"", False)


# -- a body its content-coding does not describe ------------------------------------------------------
NOT_DEFLATE = b'{"status":"ok"}'  # plain JSON under `content-encoding: deflate`: neither zlib nor raw deflate


def test_a_body_labelled_deflate_that_is_neither_zlib_nor_raw_deflate_is_an_error():
    """Raw deflate is tried once when the zlib header is missing; when that fails too, the body is unreadable."""
    with pytest.raises(httpx.DecodingError, match="deflate: invalid .*neither zlib-wrapped nor raw deflate"):
        _read(NOT_DEFLATE, "deflate")


def test_a_mislabelled_deflate_body_errors_its_own_item_and_the_run_ends_could_not_check(tmp_path):
    """The item whose body is not what its content-encoding says errors alone; its neighbour on the same target
    passes, and the run ends 10 — no traceback from closing the target's HTTP clients."""
    replies = {("GET", "/ok"): raw_reply(200, b'{"ok": true}'),
               ("GET", "/mislabelled"): raw_reply(200, NOT_DEFLATE, content_encoding="deflate")}
    with KeepAliveHttp(replies) as server:
        project = Project(tmp_path, {"WEB_URL": server.url})
        project.checklist("site", """
        - {id: D1, name: ok, section: Web, title: ok answers, family: http, cadence: postdeploy,
           params: {service: web, path: /ok, json: {ok: true}}}
        - {id: D2, name: mislabelled, section: Web, title: a deflate body that is not deflate, family: http,
           cadence: postdeploy, params: {service: web, path: /mislabelled}}
        """)
        project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"D1-ok": "passed", "D2-mislabelled": "error"}, ran.output[-3000:]
    assert "deflate: invalid body, neither zlib-wrapped nor raw deflate" in ran.rows()["D2-mislabelled"]["message"]
    assert ran.code == exitcodes.COULD_NOT_CHECK, ran.output[-3000:]
    assert "Traceback" not in ran.output, ran.output[-3000:]


def test_closing_a_session_whose_loop_is_wedged_does_not_raise():
    """Whatever a stuck client does to the event loop (a CPU-bound read, a blocking call), closing the session
    after the run has its results is no error: the wedged loop is left to its daemon thread."""
    session = Session(timeout_s=5)
    release = threading.Event()
    session._running_loop().call_soon_threadsafe(release.wait)  # the loop runs nothing else until released
    try:
        session.close()
    finally:
        release.set()
    session._thread.join(timeout=10)  # once free, the loop runs its stop and its thread closes it
    assert not session._thread.is_alive()


# -- a request that cannot be built or sent -------------------------------------------------------------
def test_a_request_that_cannot_be_built_is_an_error_of_its_own_item_only():
    """A header value only known at run time (a secret the environment gives) may hold what HTTP cannot carry:
    that probe is not sent and says why; the probes beside it are sent and answered."""
    with KeepAliveHttp({("GET", "/ok"): raw_reply(200, b'{"ok": true}')}) as server:
        unsendable, healthy = fetch_all([Probe("GET", server.url + "/ok", {"x-key": "Crön-secret-value"}),
                                         Probe("GET", server.url + "/ok")], timeout_s=5)
    assert (healthy.status, healthy.text) == (200, '{"ok": true}')
    assert unsendable.status is None and not unsendable.sent, unsendable
    assert "header 'x-key' holds text that is not ASCII" in unsendable.failure
    assert "Crön" not in unsendable.failure  # the value may be a secret
    _, outcome = judge({}, unsendable)
    assert outcome.status is Status.ERROR and outcome.observed.startswith("GET /h of api: not sent: header 'x-key'"), \
        outcome


def test_a_header_http_cannot_carry_is_bad_input_not_a_target_that_did_not_answer(tmp_path):
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("site", """
    - {id: X1, name: ok, section: Web, title: ok answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: X2, name: bad-name, section: Web, title: a header name with a space, family: http, cadence: postdeploy,
       params: {service: web, path: /ok, headers: {"bad name": x}}}
    - {id: X3, name: newline, section: Web, title: a line break in a header value, family: http, cadence: postdeploy,
       params: {service: web, path: /ok, headers: {x-a: "a\\r\\nInjected: 1"}}}
    """)
    project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    said = ran.output.replace("Value error, ", "")  # pydantic's prefix, whether the loader keeps it or not
    assert "X2-bad-name: params.headers.bad name: 'bad name' is not an HTTP header name" in said, said[-3000:]
    assert "X3-newline: params.headers.x-a: holds a line break" in said, said[-3000:]


def test_a_body_cut_mid_secret_marks_its_cut_and_leaves_no_piece_of_it():
    """The evidence keeps a body's start: cut as every excerpt is — marked, with the body's length — so the piece
    of a secret the target echoed where the cut falls is masked as a cut piece, whatever the text put after it."""
    import json
    import secrets

    from opsverify.secrets import Redactor

    from .test_secret_forms import pieces_shown

    echoed = f"tok{secrets.token_hex(16)}"
    redactor = Redactor()
    redactor.add(echoed)
    body = "y" * 280 + echoed + " and the page goes on"
    _, outcome = judge({}, reply(500, body))
    outcome = outcome.redacted(redactor)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.evidence["body_start"].endswith(f"… ({len(body)} characters)"), outcome.evidence
    shown = f"{outcome.observed} {json.dumps(outcome.evidence)}"
    assert pieces_shown(echoed, shown) == [], shown


# -- json_min / json_max compare the number written, exactly, and show it as written ----------------------------------
@pytest.mark.parametrize("params, body, status, seen, expected", [
    ({"json_min": {"workers": 9007199254740993}}, '{"workers": 9007199254740992}', Status.FAILED,
     "workers = 9007199254740992", "JSON workers ≥ 9007199254740993"),  # 2^53 + 1: one float with 2^53
    ({"json_max": {"n": 9007199254740992}}, '{"n": 9007199254740993}', Status.FAILED, "n = 9007199254740993",
     "JSON n ≤ 9007199254740992"),
    ({"json_min": {"h": 250123456}}, '{"h": 250123455}', Status.FAILED, "h = 250123455", "JSON h ≥ 250123456"),
    ({"json_min": {"h": 250123456}}, '{"h": 250123456}', Status.PASSED, "", "JSON h ≥ 250123456"),
    ({"json_max": {"r": 0.1}}, '{"r": 0.1}', Status.PASSED, "", "JSON r ≤ 0.1"),  # a float body: the nearest float
    ({"json_max": {"r": 0.1}}, '{"r": 0.10000001}', Status.FAILED, "r = 0.10000001", ""),
])
def test_json_bounds_are_the_numbers_written(params, body, status, seen, expected):
    _, outcome = judge(params, reply(200, body))
    assert outcome.status is status, outcome
    assert seen in outcome.observed and expected in outcome.expected, outcome


def test_json_bounds_from_a_checklist_are_compared_and_shown_as_written(tmp_path):
    from opsverify.checklist import load_checklists

    (tmp_path / "shop.yaml").write_text(
        "system: shop\nrunbook: r\nitems:\n- {id: A1, name: a, section: s, title: t, family: http, cadence: daily,\n"
        "   params: {service: api, path: /h, json_min: {n: 1.0e-400, m: 250123456}, json_max: {r: 2.50e+2}}}\n",
        encoding="utf-8")
    (check,) = load_checklists(tmp_path)
    outcome = http.judge(check, {check.key: ("http://x/h", reply(200, '{"n": 0, "m": 250123456, "r": 250}'))})
    assert outcome.status is Status.FAILED and outcome.observed == "n = 0", outcome  # YAML's float of 1.0e-400 is 0
    assert "JSON n ≥ 1.0e-400, m ≥ 250123456, JSON r ≤ 2.50e+2" in outcome.expected, outcome.expected


# -- a header value shaped like a secret reference but not {secret:NAME} is refused at load, never sent as text ------
@pytest.mark.parametrize("value, said", [
    ("${LEDGER_INTERNAL_KEY}", "${LEDGER_INTERNAL_KEY} would be sent as written, not as a secret (${…} is the "
                               "environment file's syntax): write {secret:LEDGER_INTERNAL_KEY}"),
    ("Bearer {secrets:KEY}", "{secrets:KEY} would be sent as written, not as a secret: write {secret:KEY}"),
    # GitHub Actions' `${{ secrets.KEY }}` misremembered: the fix names the secret, not `secrets.KEY` (no such one)
    ("Bearer ${secrets.KEY}", "${secrets.KEY} would be sent as written, not as a secret (${…} is the environment "
                              "file's syntax): write {secret:KEY}"),
    ("{Secret:KEY}", "{Secret:KEY} would be sent as written, not as a secret: write {secret:KEY}"),
    ("{secret: KEY}", "{secret: KEY} would be sent as written, not as a secret: did you mean {secret:KEY}?"),
    ("{ secret:KEY }", "{ secret:KEY } would be sent as written, not as a secret: did you mean {secret:KEY}?"),
    ("{secret:KEY", "{secret:KEY would be sent as written, not as a secret: write {secret:KEY}"),
    ("{secret:}", "{secret:} would be sent as written, not as a secret: name the secret, {secret:NAME}"),
])
def test_a_misspelt_secret_reference_in_a_header_is_refused(value, said):
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"x-key": value}})
    assert said in str(raised.value), str(raised.value)


@pytest.mark.parametrize("value", ["{secret:KEY}", "Bearer {secret:KEY}", "{secret:A}:{secret:B}", '{"secret": 1}',
                                   "$Version=1", "price $5", "Basic Healthcheck Bot/1.0", "Basic subscription",
                                   "basic checkout", "Bearer tokens are disabled here", "Mozilla/5.0 (X11; Linux x86_64)",
                                   "6f1c2b9e-8d1a-4f0e-9b7c-2a1d3e4f5a6b", '"33a64df551425fcc55e4d42a148795d9f25f89d4"',
                                   "Bearer tokens"])
def test_a_header_value_of_references_or_plain_text_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"x-note": value}}).headers == {
        "x-note": value}


@pytest.mark.parametrize("name, value", [("authorization", "Bearer Zk3q9TvLm2Xw8RpQ4sNa"), ("x-api-key", "abc123"),
                                         ("Cookie", "session=9f8e7d6c"), ("x-auth-token", "t0k3n"),
                                         ("proxy-authorization", "Basic ZGVwbG95Olpx"),
                                         # an identity proxy's assertion, by its name or by a JWT's shape
                                         ("x-goog-iap-jwt-assertion", "x.y.z"), ("x-bearer", "Zk3q9TvLm2"),
                                         ("cf-access-jwt-assertion", "eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl"),
                                         ("x-forwarded-user-id", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYWRtaW4ifQ.sig"),
                                         ("x-upstream", "Bearer Zk3q9TvLm2Xw8RpQ4sNa"),
                                         # a {secret:…} beside it leaves the literal one sent as written
                                         ("cookie", "session=9f8e7d6c5b4a; csrf={secret:CSRF}"),
                                         ("x-upstream", "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYWRtaW4ifQ.c2ln;{secret:X}"),
                                         # a token without a digit, a JWT with an empty payload, fused names
                                         ("x-upstream", "Basic dXNlcjpwYXNz"),
                                         ("x-upstream", "Bearer abcdefghijklmnopqrstuvwxyzABCDEF"),
                                         ("x-upstream", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"),
                                         ("x-authtoken", "t0k3n"), ("x-vercel-protection-bypass", "Zk3q9TvLm2"),
                                         ("apikey", "anonkey1"), ("Authorization", "Basic {secret:U}:hunter2pass"),
                                         # key or pass fused or not last (the word rule first missed them)
                                         *((name, "9f8e7d6c5b4a3f2e1d0c") for name in (
                                             "x-accesskey", "X-AppKey", "x-privatekey", "x-passkey", "x-passcode",
                                             "x-api-keys", "x-api-key-id", "x-api-key-v2", "x-access-key-id",
                                             "x-clientkey", "x-userpass", "x-key-id", "x-devkey"))])
def test_a_credential_written_into_a_header_is_refused(name, value):
    """The environment refuses a token written into its file; a checklist's header alike: it would be sent, shown in
    the archive's copy of the checklist and echoed back as written. Cited as {secret:NAME}, it loads."""
    with pytest.raises(ValidationError, match=f"{name}: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})
    cited = load_item_params("http", {"service": "api", "path": "/h", "headers": {name: "Bearer {secret:API_TOKEN}"}})
    assert cited.headers == {name: "Bearer {secret:API_TOKEN}"}


# -- a path is sent as written: a reference in it (`${VAR}`, `{secret:NAME}`) is refused at load, never sent as text --
PATH_FAMILIES = {  # each family taking a URL path, with the least else it needs
    "http": {"service": "api"}, "cron": {"service": "api", "secret": "CRON_SECRET"}, "bundle": {"service": "api"},
    "metrics": {"service": "api", "families": {"jobs": "counter"}}, "webhook": {"service": "api", "scheme": "stripe"},
}


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, shown, name", [
    ("/api?key=${SHOP_OLD_KEY}", "${SHOP_OLD_KEY}", "SHOP_OLD_KEY"),
    ("/api?key={secret:OLD_KEY}", "{secret:OLD_KEY}", "OLD_KEY"),
    ("/v1/{Secrets: TOKEN}/run", "{Secrets: TOKEN}", "TOKEN"),
    ("/api/${", "${", "NAME"),
])
def test_a_secret_reference_in_a_path_is_refused(family, path, shown, name):
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = str(raised.value)
    assert f"{shown} would be sent as written" in said, said
    assert "logs" in said and f"{{secret:{name}}}" in said and "header" in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/api/{id}", "/price/$5", "/q?filter={a:1}", "/$metadata", "/{secret}"])
def test_a_path_of_braces_or_dollars_that_cite_nothing_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- a 1xx is an interim answer, never the status a request ends with -----------------------------------------------
@pytest.mark.parametrize("status", [100, 101, 199, [200, 101]])
def test_an_interim_status_is_refused_at_load(status):
    """httpx reads past a 1xx to the final answer, so `status: 100` could never pass (101 would switch protocols:
    a WebSocket upgrade is not what this family asks for)."""
    with pytest.raises(ValidationError, match="is an interim answer, never a request's final status"):
        load_item_params("http", {"service": "api", "path": "/h", "status": status})


def test_a_redirect_says_where_it_points():
    """A 302 to a login page fails an item that wants 200: the message and evidence say where it sent the caller."""
    _, outcome = judge({}, Reply(302, 10.0, {"Location": "https://app.example/login?next=%2Fh"}, ""))
    assert outcome.status is Status.FAILED
    assert outcome.observed == "status 302 (to https://app.example/login?next=%2Fh)", outcome.observed
    assert outcome.evidence["location"] == "https://app.example/login?next=%2Fh"
    _, plain = judge({}, reply(503))
    assert plain.observed.startswith("status 503") and "location" not in plain.evidence


def test_a_206_part_proves_no_absence():
    """An unasked-for 206 sends a part of the body: text it holds is seen, text it lacks may be in the rest, and its
    JSON is no document."""
    part = Reply(206, 10.0, {"Content-Range": "bytes 0-13/40"}, "status: all ok")
    _, outcome = judge({"body_excludes": ["down"]}, part)
    assert outcome.status is Status.ERROR and "206 Partial Content (bytes 0-13/40)" in outcome.observed, outcome
    _, outcome = judge({"body_excludes": ["all ok"]}, part)
    assert outcome.status is Status.FAILED, outcome
    _, outcome = judge({"json": {"ok": True}}, part)
    assert outcome.status is Status.ERROR, outcome


@pytest.mark.parametrize("body, content_type, read", [
    ("all good".encode("utf-8"), "text/plain", None),  # as declared (or UTF-8 when nothing is): nothing to say
    ("all good, café".encode("latin-1"), "text/plain; charset=iso-8859-1", None),
    ("all good".encode("utf-16"), "text/plain", "as utf-16-le, which its byte-order mark names"),
    ("Erreur : base de données".encode("latin-1"), "text/plain", "as utf-8, with bytes it cannot read shown as U+FFFD"),
    (ERROR_PAGE, "text/plain; charset=utf-16", "as UTF-8, which reads it cleanly (utf-16 declared)"),
])
def test_the_evidence_says_how_a_body_was_read_when_not_as_declared(body, content_type, read):
    """An auditor reading `caf\ufffd` or CJK in body_start is told why: the body was read by its byte-order mark, as
    UTF-8 against its header, or with bytes its charset cannot read replaced."""
    replies = {("GET", "/page"): raw_reply(200, body, content_type)}
    with KeepAliveHttp(replies) as server:
        (answer,) = fetch_all([Probe("GET", server.url + "/page")], timeout_s=5)
    _, outcome = judge({"status": 200}, answer)
    assert outcome.evidence.get("body_read") == read, outcome.evidence


@pytest.mark.parametrize("secret", ["Xk9Lm(Qz7wR2vB4t", "hunter2 correct horse battery", 'Ab3"Xy7Qw2Zk', "Kp7Wq2{\"a\":1}"])
def test_where_a_match_is_says_nothing_of_what_surrounds_it(secret):
    """An excerpt around the match, cut anywhere, cut secrets the target put beside it (a password holding a quote, a
    bracket or a blank), and the redactor masks a piece of one at a cut only from 8 characters on: the message
    says where the match is, never what surrounds it."""
    body = "login FAILED " + "x" * 44 + " password=" + secret + " retry later" + " y" * 200
    said = http._where_found(body, "FAILED")
    assert said == "at character 6"
    assert not any(secret[i:i + 5] in said for i in range(len(secret) - 4))


# -- a path is one line of visible text: a control character in it is refused at load, never sent ---------------
@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, said", [
    ("/health\n", r"holds a line break ('\n') at character 7"), ("/x\r", r"holds a line break ('\r') at character 2"),
    ("/a\tb", r"holds a control character ('\t') at character 2"),
    ("\t/a", r"holds a control character ('\t') at character 0"),  # named before "must start with /"
    ("/a\x00", r"('\x00') at character 2"), ("/a\x7f", r"('\x7f') at character 2"),
])
def test_a_control_character_in_a_path_is_refused_at_load(family, path, said):
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    assert said in str(raised.value) and "one line of visible text" in str(raised.value), str(raised.value)


def test_a_path_a_yaml_block_ends_with_a_line_break_is_bad_input_in_one_line(tmp_path):
    """`path: |` keeps the line break after `/health`: refused at load (exit 20), the character named escaped."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("site", """
    - id: H1
      name: health
      section: Web
      title: health answers
      family: http
      cadence: postdeploy
      params:
        service: web
        path: |
          /health
    """)
    project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    said = ran.output.replace("Value error, ", "")
    line = next((line for line in said.splitlines() if "H1-health: params.path:" in line), "")
    assert "holds a line break ('\\n') at character 7" in line, said[-3000:]


@pytest.mark.parametrize("name, value", [
    ("cookie", "app_version=2024.06.1; session={secret:S}"), ("cookie", "consent=1700000000; session={secret:S}"),
    ("cookie", "_ga=GA1.2.123456789.1700000000; session={secret:S}"), ("cookie", "locale=en_US2; session={secret:S}"),
    ("x-bypass-cache", "1"), ("x-author", "deploy-bot"), ("idempotency-key", "6f1c2b9e-8d1a-4f0e-9b7c-2a1d3e4f5a6b"),
    ("x-cache-key", "home"), ("x-passenger-count", "2"),
])
def test_a_header_that_only_seems_to_carry_a_credential_loads(name, value):
    """A cookie's public pairs beside a cited one, and names that only hold a credential's word (bypass in
    x-bypass-cache, auth in x-author, key in Stripe's idempotency-key) were refused as credentials written in."""
    _header_loads(name, value)


# -- a Cookie header's pairs are judged by their names, as a browser's session cookies are named ----------------------
LITERAL = "q1w2e3r4t5LITSESS6u7i8o9p0"


def _header_loads(name: str, value: str) -> None:
    """An http item sending `name: value` loads, the header as written."""
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}}).headers == {
        name: value}


def _header_refused(name: str, value: str) -> None:
    """An http item sending `name: value` is refused at load as a credential written in, never quoting it."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})
    said = _messages(raised.value)
    assert f"{name}: a credential written into the checklist" in said and value not in said, said


def _messages(raised: ValidationError) -> str:
    return "; ".join(problem["msg"] for problem in raised.errors())


@pytest.mark.parametrize("pair", [f"{name}={LITERAL}" for name in (
    "PHPSESSID", "connect.sid", "sid", "SID", "jwt", "_gh_sess", "SSESS3f2e1d0c9b8a", "wordpress_logged_in_59ba1c",
    "KEYCLOAK_IDENTITY", "CloudFront-Signature", "_pomerium", "remember_web_59ba36addc2b", "JSESSIONID",
    "ASP.NET_SessionId", "__Secure-3PSID", ".AspNetCore.Cookies", "csrftoken")] + [
    "PHPSESSID={secret:S}deadbeef1234"])  # a token written beside the cited one
def test_a_session_cookie_written_beside_a_cited_pair_is_refused(pair):
    """`PHPSESSID=…; csrf={secret:CSRF}` loaded: the pair's name was read as an env var's (names_a_secret), which
    knows no cookie's session names, and a token after a pair's reference was not looked for."""
    with pytest.raises(ValidationError, match="Cookie: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"{pair}; csrf={{secret:C}}"}})
    with pytest.raises(ValidationError, match="Cookie: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": pair}})


@pytest.mark.parametrize("value", ["NEXT_LOCALE=de", "feature_beta=1; ab_bucket=B", "cookieconsent_status=dismiss",
                                   "sidebar_state=open; theme=dark", "_ga=GA1.2.123456789.1700000000; _gid=GA1.2.9",
                                   "NEXT_LOCALE=de; PHPSESSID={secret:PHP_SESSION}"])
def test_a_cookie_of_public_pairs_loads(value):
    """`Cookie: NEXT_LOCALE=de` was refused as a credential (the header's name holds `cookie`), though the same pair
    loaded beside a cited one."""
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


def test_a_refused_cookie_is_shown_cited_as_a_cookie():
    """The fix offered for a cookie was `Cookie: Bearer {secret:API_TOKEN}`, which no server reads as a cookie."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"PHPSESSID={LITERAL}"}})
    said = _messages(raised.value)  # pydantic's own text shows the input; the loader shows the message alone
    assert "'Cookie: session={secret:SESSION}'" in said and "Bearer" not in said and LITERAL not in said, said


def test_a_literal_session_cookie_is_bad_input_and_never_sent(tmp_path):
    """End to end: the session cookie written beside a cited pair is refused at load (exit 20), the item named, and
    no request goes out, so it reaches no output."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9", "SHOP_CSRF": "csrfVALUEcited0042"})
    project.checklist("site", f"""
    - id: C1
      name: logged-in-page
      section: Web
      title: the account page answers for a logged-in user
      family: http
      cadence: postdeploy
      params:
        service: web
        path: /account
        headers: {{Cookie: "PHPSESSID={LITERAL}; csrf={{secret:CSRF}}"}}
    """)
    project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}, secrets: {CSRF: "${SHOP_CSRF}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    line = next((line for line in ran.output.splitlines() if "C1-logged-in-page: params.headers" in line), "")
    assert "Cookie: a credential written into the checklist" in line, ran.output[-3000:]
    assert LITERAL not in ran.output, ran.output[-3000:]


# -- credential headers by a vendor's name, a British spelling, or a one-time code ------------------------------------
@pytest.mark.parametrize("name, value", [
    ("X-Honeycomb-Team", LITERAL), ("X-JFrog-Art-Api", "AKCp8" + LITERAL), ("Authorisation", f"Bearer {LITERAL}x"),
    ("Authorisation", "abc"), ("Apiauth", LITERAL), ("API-Sign", LITERAL), ("X-Csrf", "a8f9d0e1c2b3"),
    ("X-Xsrf", "a8f9d0e1c2b3"), ("X-OTP", "123456"), ("X-Pin", "4821"),
    # a vendor's token, whatever the header's name
    ("X-Upstream", "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"), ("X-Upstream", "github_pat_11ABCDEFG0" + "x" * 30),
    ("X-Upstream", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"), ("X-Upstream", "rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("X-Upstream", "xoxb-" + "1234567890-abcdefghijkl"), ("X-Upstream", "glpat-" + "aB3dE5fG7hJ9kL1mN3pQ"),
    ("X-Upstream", "AKIA" + "IOSFODNN7EXAMPLE"), ("X-Upstream", "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("X-Upstream", "Token " + "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
])
def test_a_credential_header_the_word_rule_missed_is_refused(name, value):
    with pytest.raises(ValidationError, match=f"{name}: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})


@pytest.mark.parametrize("name, value", [
    ("X-CSRF", "1"), ("X-Requested-With", "XMLHttpRequest"), ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-"
     "00f067aa0ba902b7-01"), ("Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324"), ("X-Cache-Key", "page-123456"),
    ("X-Authored-By", "bob2024"), ("X-Authorised-User", "bob"), ("X-Design", "v2"), ("X-Pinned", "1"),
    ("X-Upstream", "Token tokens are off"), ("X-Partition-Key", "eu-west-1"), ("X-Sort-Keys", "name123"),
])
def test_an_ordinary_header_near_those_words_loads(name, value):
    _header_loads(name, value)


# -- a credential in a path's query is refused at load: a path is sent, shown and archived as written ---------------
@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, name", [
    (f"/account?api_key={LITERAL}", "api_key"), (f"/a?page=2&token={LITERAL}", "token"), (f"/maps?key={LITERAL}", "key"),
    (f"/api/HttpTrigger?code={LITERAL}", "code"), (f"/me?access_token={LITERAL}", "access_token"),
    (f"/blob?sv=2024&sig={LITERAL}", "sig"), (f"/x?x-vercel-protection-bypass={LITERAL}", "x-vercel-protection-bypass"),
    (f"/x?apiKey={LITERAL}#top", "apiKey"), (f"/x?api%5Fkey={LITERAL}", "api_key"),
])
def test_a_credential_in_a_path_query_is_refused(family, path, name):
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert f"?{name}=" in said and "written into the checklist" in said and LITERAL not in said, said
    assert "service's URL" in said and "header" in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/x?page=2", "/x?keyword=deploy", "/x?cache_key=home", "/x?token=",
                                  "/x?country_code=DE&promo_code=SUMMER", "/x?author=bob", "/x?sort_key=name",
                                  "/api/sora/poller?limit=5", "/x?q=a&b"])
def test_an_ordinary_path_query_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- a query parameter is judged by its value, under its name: a credential's name holding a word, a number or a path
# carries none; a token under it, or a value shaped as one under any name, is refused ------------------------------
AZURE_CODE = "aZ3kQ9vX2mP7rT1wY5uB8nC4dE6fG0hJ_LkMnOpQrStUvWx-yz12345AB=="  # a Functions key's length and alphabet


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/api/coupons?code=SUMMER", "/api/currency?code=EUR", "/health?code=200", "/oauth/callback?code=abc",
    "/api/coupons?code=SUMMER2024", "/api/flags?key=new_checkout", "/api/config?keys=a,b", "/s3?Key=photos/x.jpg",
    "/x?token_type=bearer", "/x?auth_mode=public", "/x?signature_version=2", "/v1/models?max_tokens=16",
    "/api/items?pageToken=CAUQAA", "/api/items?pageToken=CAESBggDEAEYAQ", "/x?public_key=pk_live_51H",
    "/x?public_key=pk_live_51HqLyjWDarjtT1zdp7dcAbCdEf", "/x?key_id=3", "/x?secret=false", "/x?token=none",
    "/x?session=current", "/x?pass_rate=0.9", "/x?hmac=sha256", "/x?signature_method=HMAC-SHA1", "/x?sid=2",
    "/x?p=2", "/blog?p=hello-world", "/x?sortkey=ts", "/x?partitionkey=eu", "/x?a=1;b=2",
    "/x?key=8e03-40d5", "/app;jsessionid=", "/x?token_type=refresh_token&grant_type=client_credentials",
])
def test_a_query_parameter_named_as_a_credential_holding_none_loads(family, path):
    """Every one of these was refused at load by its parameter's name alone (`?code=SUMMER`, `?key=new_checkout`,
    `?max_tokens=16`), whatever its value: a healthy runbook could not be loaded."""
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, name", [
    (f"/api/HttpTrigger?code={AZURE_CODE}", "code"), ("/account?api_key=abc123def456", "api_key"),
    (f"/index.php?PHPSESSID={LITERAL}", "PHPSESSID"), (f"/x?sid={LITERAL}", "sid"),
    ("/rest/ping.view?u=admin&p=hunter2pass&v=1.16.1&c=ov", "p"), ("/x?pw=hunter2pass", "pw"),
    ("/x?pwd=hunter2pass", "pwd"), (f"/x?a=1;token={LITERAL}", "token"),
    ("/x?password=correcthorsebatterystaple", "password"), ("/x?token=8e03978e-40d5-43e8-bc93-6894a57f9324", "token"),
    ("/x?q=" + "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "q"),
])
def test_a_token_in_a_path_query_is_refused(family, path, name):
    """A literal session id under a name only the cookie rule knew (`?PHPSESSID=`, `?sid=`), Subsonic's `?p=`, and a
    pair after `;` loaded."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert f"?{name}=" in said and "written into the checklist" in said, said
    assert LITERAL not in said and AZURE_CODE not in said and "hunter2pass" not in said, said


# -- a path's segments and its `;name=value` parameters are sent, shown and archived as its query is ------------------
TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, shown", [
    (f"/bot{TELEGRAM}/getMe", "the path's segment 1"),
    ("/hooks/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "the path's segment 2"),
    ("/mirror/ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8/status", "the path's segment 2"),
    ("/proxy/sk_live_4eC39HqLyjWDarjtT1zdp7dc/ping", "the path's segment 2"),
    (f"/app/home;jsessionid={LITERAL}", ";jsessionid="), (f"/app;jsessionid={LITERAL}?page=2", ";jsessionid="),
])
def test_a_credential_in_a_path_segment_is_refused(family, path, shown):
    """A token shaped as one (a Telegram bot's, a JWT, ghp_…) was refused in `?q=` but loaded as a segment of the
    path, and a servlet's `;jsessionid=` was never read."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert shown in said and "written into the checklist" in said and "service's URL" in said, said
    for secret in (TELEGRAM.split(":")[1], "eyJhbGciOiJIUzI1NiJ9", "ghp_A1b2", "sk_live_4e", LITERAL):
        assert secret not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/bot/status", "/api/v2/users/8e03978e-40d5-43e8-bc93-6894a57f9324",
                                  "/sk-learn/docs", "/api/tasks/abc123def456", "/matrix;a=1;b=2/x"])
def test_an_ordinary_path_segment_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- login cookies by their products' names; a login cookie holding a flag or a number carries none --------------------
@pytest.mark.parametrize("name", ["_oauth2_proxy", "_oauth2_proxy_csrf", "wordpress_sec_59ba1c2f0e8d7a6b",
                                  "wordpress_59ba1c2f0e8d7a6b", "i_like_gitea", "gitea_incredible", "VouchCookie",
                                  "jupyterhub-hub-login", "jupyterhub-session-id", "FedAuth", "rtFa", "_t",
                                  "ocq8l3ps2kd9"])
def test_a_products_login_cookie_is_refused(name):
    """Each product's default login cookie loaded written as a literal: no session word is in its name."""
    with pytest.raises(ValidationError, match="Cookie: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"{name}={LITERAL}"}})


@pytest.mark.parametrize("value", ["mage-cache-sessid=true", "grafana_session_expiry=1700000000", "remember_me=false",
                                   "visid_incap_1=x1", "wordpress_test_cookie=WP%20Cookie%20check", "_t=",
                                   "remember_me=1; theme=dark", "csrf_enabled=yes"])
def test_a_login_cookie_holding_a_flag_or_a_number_loads(value):
    """A login cookie's name was refused whatever its value: `remember_me=false` carries no login."""
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- vendors' keys by their prefixes, whatever the header's name ------------------------------------------------------
@pytest.mark.parametrize("value", [
    "sk-proj-" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eF", "sk-" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFgHiJ",
    "sk-ant-api03-" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5v", "SG." + "Ab3dEf5gHi7jKl9mNo1pQr" + "." + "Ab3dEf5gHi7jKl9mNo1pQr3"
    "sTu5vWx7yZa9bCd1eF", "npm_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9b", "hf_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa",
    "shpat_" + "0123456789abcdef0123456789abcdef", "shpss_" + "0123456789abcdef0123456789abcdef",
    "shpca_" + "0123456789abcdef0123456789abcdef", "ASIA" + "IOSFODNN7EXAMPLE",
    "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", TELEGRAM,
    "squ_" + "4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d5c4b3a29", "sb_secret_" + "N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
    "lin_api_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e", "dop_v1_" + "0123456789abcdef" * 4,
    "xapp-1-" + "A0123456789-1234567890123-abcdef", "SSWS " + "00QCjAl4MlV-WPXM-ABCDEFGHIJKLMN",
    "ApiKey " + "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==",
    # probe 267: real formats that loaded under a neutral header name
    "ATATT3xFfGF0" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e" * 3, "figd_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e",
    "secret_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFgH", "ntn_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e",
    "HRKU-" + "AAb3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bC", "dp.st." + "prd_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e",
    "hvs." + "CAESI" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e" * 3, "dapi" + "0123456789abcdef" * 2,
    "PMAK-" + "0123456789abcdef01234567" + "-" + "0123456789abcdef0123456789abcdef01",
    "sntrys_" + "eyJpYXQiOjE2OTQwMDAwMDAuMCwidXJsIjoiaHR0cHM6Ly9zZW50cnkuaW8ifQ==" + "_Ab3dEf5gHi7jKl9mNo1pQr",
    "glsa_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7y" + "_0123abcd", "gldt-" + "Ab3dEf5gHi7jKl9mNo1p",
    "glrt-" + "Ab3dEf5gHi7jKl9mNo1p", "key-" + "0123456789abcdef" * 2,
    "sk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjbGV4YW1wbGUwMDAwMDAwMDAwMDAwMDAwMDAifQ" + "." + "Ab3dEf5gHi7jKl9mNo1pQr",
    "tskey-auth-" + "kAb3dEf5gHi7CNTRL-Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZ", "xoxe.xoxp-1-" + "Ab3dEf5gHi7jKl9mNo1p" * 4,
    "ops_eyJ" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e" * 3, "pul-" + "0123456789abcdef0123456789abcdef01234567",
    "sbp_" + "0123456789abcdef0123456789abcdef01234567", "gsk_" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFgHiJkLm",
    "xai-" + "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1e" * 2,
    "dt0c01." + "ABCDEFGHIJKLMNOPQRSTUVWX" + "." + "0123456789ABCDEF" * 4,
    "pat-na1-" + "01234567-89ab-cdef-0123-456789abcdef",
])
def test_a_vendors_key_by_its_prefix_is_refused(value):
    with pytest.raises(ValidationError, match="X-Upstream: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Upstream": value}})


@pytest.mark.parametrize("name, value", [
    ("X-Upstream", "sk-learn"), ("X-Upstream", "risk-assessment-2024"), ("X-Upstream", "ASIA-pacific"),
    ("X-Upstream", "SG.eu"), ("X-Upstream", "hf_model"), ("x-ms-documentdb-partitionkey", '["eu"]'),
    ("X-Sortkey", "name123"), ("X-RowKey", "row-0042"), ("X-Public-Key", "pk_live_51HqLyjWDarjtT1zdp7dc"),
    ("X-Upstream", "sb_secret_"), ("X-Upstream", "ApiKey rotation"), ("X-Upstream", "xapp-store"),
    ("X-Upstream", "secret_santa"), ("X-Upstream", "key-rotation-2024"), ("X-Upstream", "dapi-v2"),
    ("X-Upstream", "pat-na1"), ("X-Upstream", "figd_"), ("X-Upstream", "glsa_read"),
])
def test_a_value_near_a_vendors_prefix_or_a_fused_data_key_loads(name, value):
    """Cosmos DB's x-ms-documentdb-partitionkey was refused as a credential while X-Partition-Key loaded."""
    _header_loads(name, value)


# -- a path's fragment is shown and archived as its query is: a token in it is refused though it is never sent -------
JWT_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlMTIz"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, shown", [
    (f"/health#access_token={JWT_TOKEN}&token_type=bearer", "#access_token="),
    (f"/callback#state=1&id_token={LITERAL}", "#id_token="), (f"/app#/reset/{JWT_TOKEN}", "the path's fragment"),
    (f"/app#/login?token={LITERAL}", "#token="),
])
def test_a_credential_in_a_path_fragment_is_refused(family, path, shown):
    """`/health#access_token=<JWT>` (an OAuth implicit flow's answer, pasted) loaded: the fragment was cut off before
    the path was judged, and the token reached results.json and Allure whole."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert shown in said and "written into the checklist" in said and "never sent" in said, said
    assert "eyJhbGciOiJIUzI1NiJ9" not in said and LITERAL not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/docs#top", "/docs#section-2", "/app#/settings/profile", "/x?a=1#token_type=bearer",
                                  "/app#/items/8e03-40d5"])
def test_an_ordinary_path_fragment_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- Subsonic's token login (?u=&t=&s=): the token and its salt are a reusable login, as its ?p= is -------------------
SUBSONIC_TOKEN = "26719a1196d2a940705a59634eb18eab"  # md5(password + salt)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [f"/rest/ping.view?u=admin&t={SUBSONIC_TOKEN}&s=c19b2d&v=1.16.1&c=ov",
                                  f"/rest/ping?s=c19b2d&t={SUBSONIC_TOKEN}&f=json"])
def test_a_subsonic_token_login_in_a_path_query_is_refused(family, path):
    """Subsonic's and Navidrome's `?t=<md5>&s=<salt>` loaded and was echoed: the pair logs in as its `?p=` does."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert "?t=" in said and "written into the checklist" in said and SUBSONIC_TOKEN not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [f"/x?t={SUBSONIC_TOKEN}", "/x?t=1700000000&s=5", "/x?s=c19b2d&t=",
                                  "/search?s=shoes&t=dark"])
def test_a_t_parameter_without_a_salt_or_holding_no_token_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- a header named as a credential's whose value says it is none: a negative check, a flag, a type, a key's id -------
@pytest.mark.parametrize("name, value", [
    ("Authorization", "Bearer invalid"), ("Authorization", "Bearer expired-token"), ("Authorization", "bearer"),
    ("Authorization", "Bearer\tinvalid"), ("Authorization", "Basic invalid"), ("Authorization", "invalid"), ("X-Api-Key", "none"), ("X-Api-Key", "wrong"),
    ("Authorization", "Bearer wrong_password"), ("X-Token-Type", "bearer"), ("X-Session-Affinity", "sticky"),
    ("X-Key-Id", "2024-01"), ("X-Auth-Request-Redirect", "https://app.example.com/health"),
    ("X-Auth-Request-Redirect", "/health?next=2"),
    ("x-vercel-set-bypass-cookie", "true"), ("x-vercel-set-bypass-cookie", "samesitenone"),
])
def test_a_credential_header_holding_no_credential_loads(name, value):
    """`Authorization: Bearer invalid`, a negative check expecting 401, was refused at load (exit 20) by the header's
    name whatever its value, and so were Vercel's documented `x-vercel-set-bypass-cookie: true`, a token's type, a
    session's affinity, a key's id and oauth2-proxy's redirect."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("Authorization", "Bearer test"), ("Authorization", "Bearer secret"), ("Authorization", "Bearer changeme"),
    ("Authorization", "Bearer invalid hunter2"), ("Authorization", "hunter2"), ("X-Api-Key", "admin"),
    ("X-Password", "hunter2"), ("X-Pin", "4821"), ("Authorization", "Basic dXNlcjpwYXNz"),
    ("X-Key-Id", "9f8e7d6c5b4a3f2e1d0c"), ("X-Session-Affinity", "9f8e7d6c5b4a"), ("X-Auth-Type", "hunter2"),
    ("X-Auth-Type", "deploy:hunter2"), ("X-Session-Id", "sticky"),
    ("X-Auth-Request-Redirect", "https://deploy:hunter2@app.example.com/health"),
    ("X-Auth-Request-Redirect", "https://app.example.com/cb?access_token=abc123def456"),
    ("X-Auth-Request-Redirect", f"https://app.example.com/cb#access_token={JWT_TOKEN}"),
    ("x-vercel-set-bypass-cookie", "Zk3q9TvLm2Xw8RpQ4sNa"), ("x-vercel-set-bypass-cookie", "yes-please"),
])
def test_a_credential_header_holding_what_could_be_one_is_still_refused(name, value):
    with pytest.raises(ValidationError, match=f"{name}: a credential written into the checklist"):
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})


def test_a_negative_auth_check_with_a_bogus_bearer_runs(tmp_path):
    """End to end: `Authorization: Bearer invalid` expecting 401 loads and runs (it was refused at load, exit 20)."""
    replies = {("GET", "/private"): raw_reply(401, b'{"error": "unauthorized"}', "application/json")}
    with KeepAliveHttp(replies) as server:
        project = Project(tmp_path, {"WEB_URL": server.url})
        project.checklist("site", """
        - id: A1
          name: private-refuses-a-bad-token
          section: Web
          title: the private API refuses a bad token
          family: http
          cadence: postdeploy
          params: {service: web, path: /private, status: 401, headers: {Authorization: "Bearer invalid"}}
        """)
        project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-3000:]


# -- an analytics product's cookie named with a session's word carries no login ---------------------------------------
@pytest.mark.parametrize("value", ["_hjSession_123456=eyJpZCI6IjEyMyIsImMiOjE3MDAwMDAwMDB9",
                                   "_hjSessionUser_123456=eyJpZCI6IjEyMyIsImNyZWF0ZWQiOjE3MDB9"])
def test_hotjars_session_cookies_load(value):
    """Hotjar's `_hjSession_<site>` and `_hjSessionUser_<site>` were refused as login cookies: they hold an
    analytics visit's id, no login."""
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- under a query name that says its value is a secret (a password's, a token's, an API key's), any value is one but a
# word of the closed list saying none, a short number or nothing: words joined by `-` or `_` are a password too ------
@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, name", [
    ("/x?password=correct-horse-battery-staple", "password"), ("/x?pass=Tr0ub4dor_and-3", "pass"),
    ("/x?api_key=abcd-efgh-ijkl-mnop", "api_key"), ("/x?apiKey=abcd-efgh", "apiKey"), ("/x?secret=hunter", "secret"),
    ("/x?client_secret=blue-whale-42", "client_secret"), ("/x?access_token=abc-def", "access_token"),
    ("/x?token=sunshine", "token"), ("/x?pwd=letmein", "pwd"), ("/x?signature=abc-def-ghi", "signature"),
    ("/x?sig=abc_def", "sig"), ("/x?x-api-key=blue-whale", "x-api-key"), ("/x?passwd=123456", "passwd"),
    ("/app#/login?password=correct-horse", "password"),
])
def test_a_password_of_words_under_a_secrets_query_name_is_refused(family, path, name):
    """`?password=correct-horse-battery-staple` loaded and was echoed into results.json and Allure: a value under a
    secret's name was judged by its runs of letters and digits alone, and none of a password's words reached 8
    letters and a digit or 16 letters."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert f"{name}=" in said and "written into the checklist" in said, said
    value = re.split(r"[?#&]" + re.escape(name) + "=", path)[1]
    assert value not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/x?pass=1", "/x?page=2", "/x?key=users", "/x?token=", "/x?token=none",
                                  "/x?secret=false", "/x?password=invalid", "/x?api_key=wrong-key", "/x?pwd=0",
                                  "/x?pageToken=CAUQAA", "/x?page_token=next-page", "/x?next_token=abc-def",
                                  "/x?key=new_checkout", "/x?public_key=pk-demo", "/x?token_type=refresh_token",
                                  "/x?signature_version=2", "/x?pass_rate=0.9", "/x?passenger=adult-one"])
def test_a_secrets_query_name_holding_no_secret_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


def test_a_query_password_of_words_is_bad_input_and_never_sent(tmp_path):
    """End to end: the checklist is refused at load (exit 20), the item and the parameter named, the password in no
    output."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("site", """
    - id: Q1
      name: login-page
      section: Web
      title: the login page answers
      family: http
      cadence: postdeploy
      params: {service: web, path: "/login?user=ops&password=correct-horse-battery-staple"}
    """)
    project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    line = next((line for line in ran.output.splitlines() if "Q1-login-page: params.path" in line), "")
    assert "?password=" in line and "written into the checklist" in line, ran.output[-3000:]
    assert "correct-horse-battery-staple" not in ran.output, ran.output[-3000:]


# -- a webhook's URL whose path is its key: Slack's, Discord's, Microsoft Teams' -------------------------------------
SLACK_KEY = "abcdEFGHijklMNOPqrst1234"
DISCORD_KEY = "aB3dEf5gHi7jKl9mNo1pQr3sTu5vWx7yZa9bCd1eFgHiJkLmNoPqRsTuVwXyZa1b2c3d"  # 68 characters
DISCORD_WORDS = "abcdefghij-klmnopqrstuvwxyz_ABCDEFGHIJ-KLMNOPQRSTUVWXYZ_abcdefghij-kl"
TEAMS_KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, vendor, secret", [
    (f"/services/T0123ABCD/B0456EFGH/{SLACK_KEY}", "Slack", SLACK_KEY),
    (f"/services/TH7FEDVUH/B018WQN0D2Z/{SLACK_KEY}?x=1", "Slack", SLACK_KEY),
    (f"/triggers/T0123ABCD/1234567890123/{TEAMS_KEY}", "Slack", TEAMS_KEY),
    (f"/api/webhooks/123456789012345678/{DISCORD_KEY}", "Discord", DISCORD_KEY),
    (f"/api/v10/webhooks/1234567890123456789/{DISCORD_WORDS}?wait=true", "Discord", DISCORD_WORDS),
    ("/webhookb2/8e03978e-40d5-43e8-bc93-6894a57f9324@2f2b54b7-0141-4ba7-8fcd-ab7d17a60547/IncomingWebhook/"
     f"{TEAMS_KEY}/4361420b-8fde-48eb-b62a-0e34fec63f5c", "Microsoft Teams", TEAMS_KEY),
    ("/webhook/8e03978e-40d5-43e8-bc93-6894a57f9324@2f2b54b7-0141-4ba7-8fcd-ab7d17a60547/IncomingWebhook/"
     f"{TEAMS_KEY}/4361420b-8fde-48eb-b62a-0e34fec63f5c", "Microsoft Teams", TEAMS_KEY),
])
def test_a_webhooks_key_in_a_path_is_refused(family, path, vendor, secret):
    """A Slack, Discord or Teams webhook's URL path loaded and was echoed: whoever reads it posts as the integration,
    and no segment of it is shaped as a token on its own (Discord's may be words joined by `-` and `_`)."""
    _refused_as_a_webhooks_key(family, path, vendor, secret)


def _refused_as_a_webhooks_key(family: str, path: str, vendor: str, secret: str) -> None:
    """Refused at load, named as the vendor's webhook key, never with the key."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert f"the path's {vendor} webhook key" in said and "written into the checklist" in said, said
    assert secret not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/services/status", "/services/T0123ABCD/B0456EFGH", "/services/api/v2/health", "/api/webhooks",
    "/api/webhooks/123456789012345678", "/api/webhooks/stripe/events", "/api/webhooks/123/retry",
    "/webhookb2/health", "/triggers/nightly/run", "/bot/status",
])
def test_a_path_near_a_webhooks_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers"
    "%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIjKlMnOpQ", f"/bot{TELEGRAM}/sendMessage"])
def test_a_power_automate_signature_or_a_telegram_bots_token_is_refused(family, path):
    """Power Automate's `?sig=` and a Telegram bot's token already were: kept so."""
    with pytest.raises(ValidationError, match="written into the checklist"):
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})


# -- a header naming a description of a credential (X-Auth-Mode, X-Token-Type) holding a password of one run ------------
@pytest.mark.parametrize("name, value", [
    ("X-Auth-Mode", "correcthorsebat"), ("X-Auth-Mode", "sunshine"), ("X-Token-Type", "Opensesame"),
    ("X-Session-Affinity", "letmeinnow"), ("X-Auth-Method", "12345678"), ("X-Key-Id", "swordfishes"),
])
def test_a_password_under_a_describing_credential_header_is_refused(name, value):
    """`X-Auth-Mode: correcthorsebat` loaded: a describing name's value was judged by its runs (a digit and 6, or 16
    letters), and a password of 8 to 15 letters, or of digits alone, is neither."""
    _header_refused(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Auth-Mode", "oauth"), ("X-Auth-Mode", "optional"), ("X-Auth-Mode", "Required"), ("X-Auth-Type", "password"),
    ("X-Auth-Method", "kerberos"), ("X-Auth-Method", "negotiate"), ("X-Token-Type", "refresh_token"),
    ("X-Session-Affinity", "sourceip"), ("X-Auth-Mode", "anonymous"), ("X-Key-Id", "20240101"),
    ("X-Auth-Version", "20240101"), ("X-Token-Type", "bearer"), ("X-Session-Affinity", "sticky"),
])
def test_a_describing_credential_headers_word_loads(name, value):
    _header_loads(name, value)


# -- login cookies of Gogs, Gerrit, Bugzilla, symfony 1 and CakePHP, named by no session word ---------------------------
@pytest.mark.parametrize("name", ["i_like_gogs", "gogs_incredible", "GerritAccount", "Bugzilla_logincookie", "symfony",
                                  "CAKEPHP"])
def test_another_products_login_cookie_is_refused(name):
    """Each loaded written as a literal (Gitea's i_like_gitea was refused, Gogs' own i_like_gogs not)."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"lang=en; {name}={LITERAL}"}})
    said = _messages(raised.value)
    assert "Cookie: a credential written into the checklist" in said and LITERAL not in said, said


@pytest.mark.parametrize("value", ["gogs_awesome=deploy-bot", "lang=en-US; i_like_gogs=", "symfony_theme=darkmode1",
                                   "bugzilla_lang=en; GerritAccount={secret:GERRIT}", "cakephp_locale=en_US2"])
def test_a_cookie_near_those_products_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- values vendors document under a credential's name that carry none: SAP's CSRF fetch, Atlassian's XSRF opt-out, an
# account's e-mail, a negative check's fused word, a pagination cursor -------------------------------------------------
@pytest.mark.parametrize("name, value", [
    ("X-CSRF-Token", "Fetch"), ("x-csrf-token", "fetch"), ("X-Atlassian-Token", "no-check"),
    ("X-Atlassian-Token", "nocheck"), ("X-Auth-Email", "ops@example.com"), ("X-Auth-Email", "first.last+ci@corp.co.uk"),
    ("Authorization", "Bearer invalidtoken"), ("Authorization", "Bearer badtoken"), ("X-Api-Key", "expiredkey"),
    ("Authorization", "Bearer notatoken"), ("Authorization", "Bearer not-a-token"), ("X-Auth-Token", "fakejwt"),
])
def test_a_documented_harmless_value_under_a_credentials_name_loads(name, value):
    """Each was refused at load (exit 20): `X-CSRF-Token: Fetch` is how SAP Gateway asks for a token, `no-check` how
    Atlassian's REST API is told a call needs no XSRF token, an e-mail is Cloudflare's account name, `invalidtoken` a
    negative check's bogus token written as one word."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-CSRF-Token", "Fetch4u2day"), ("X-CSRF-Token", "a8f9d0c1e2b3"), ("X-Atlassian-Token", "no-check-q1w2e3r4"),
    ("X-Atlassian-Token", "ATATT3xFfGF0q1w2e3r4t5y6"), ("X-Auth-Email", "hunter2pass"),
    ("X-Auth-Email", "ops@example.com:Tr0ub4dor3"), ("X-Auth-Key", "ops@example.com"),
    ("Authorization", "Bearer invalidtokenq1w2"), ("Authorization", "Bearer invalidhunter"), ("X-Api-Key", "aaaabad"),
])
def test_a_credential_beside_those_harmless_values_is_refused(name, value):
    _header_refused(name, value)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/v1/items?next_page_token=eyJvZmZzZXQiOjEwMH0",  # base64 of {"offset":100}
    "/v1/items?pageToken=eyJwYWdlIjogMywgImN1cnNvciI6ICJhYmMxMjMifQ==",  # {"page": 3, "cursor": "abc123"}
    "/odata/Items?$skiptoken=abc123def456", "/odata/Items?%24skiptoken=abc123def456",
    "/x?access_token=invalidtoken",
])
def test_a_pagination_cursor_under_a_tokens_query_name_loads(family, path):
    """`?next_page_token=` holding base64 of `{"offset":100}`, and OData's `$skiptoken` (its server's paging option),
    were refused as tokens."""
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, name", [
    # a JWT's payload ({"sub":"1234567890","name":"ops"}) and a whole JWT under a cursor's name
    ("/v1/items?next_page_token=eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Im9wcyJ9", "next_page_token"),
    ("/v1/items?next_page_token=eyJhbGciOiJIUzI1NiJ9.eyJvZmZzZXQiOjEwMH0.c2lnbmF0dXJlMTIz", "next_page_token"),
    ("/v1/items?page_token=q1w2e3r4t5y6u7i8", "page_token"),
    ("/odata/Items?$skiptoken=ghp_q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8", "$skiptoken"),
    ("/odata/Items?skiptoken=abc123def456", "skiptoken"),
])
def test_a_token_under_a_cursors_query_name_is_refused(family, path, name):
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert "written into the checklist" in said and path.rpartition("=")[2] not in said, said


# -- a password in Subsonic's login query (`?u=…&p=…`, its hex form `?p=enc:…`) or a cookie named as a password -----
@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/rest/ping.view?u=admin&p=enc:736563726574&v=1.16.1&c=ov",
                                  "/rest/ping.view?u=admin&p=Sup3r-S3cret!&v=1.16.1", "/x?p=enc:68756e74657232",
                                  "/rest/ping.view?p=hunter&u=admin", "/x?p=ENC%3A736563726574"])
def test_a_subsonic_password_in_a_query_is_refused(family, path):
    """`?p=enc:736563726574` (Subsonic's documented hex form of a password: its runs are digits alone) and
    `?u=admin&p=Sup3r-S3cret!` (no run of 8) loaded and were echoed into results.json and Allure."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert "?p=…" in said and "written into the checklist" in said, said
    assert re.search(r"[?&]p=([^&]*)", path).group(1) not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/?p=123", "/?p=1234567", "/x?u=admin&p=1", "/blog?p=hello-world", "/x?p=encore",
                                  "/x?u=admin&p=none", "/x?p=enc:", "/x?user=ops&page=enc:2"])
def test_a_p_parameter_holding_no_password_loads(family, path):
    """WordPress's `?p=<post id>` and a page's slug are no password; a short number under Subsonic's `?p=` says none."""
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("pair, value", [("bb_password=P@ssw0rd!", "P@ssw0rd!"), ("UserPassword=hunter", "hunter"),
                                         ("wiki_pass=letmein", "letmein"), ("app_passwd=correct-horse", "correct-horse")])
def test_a_cookie_named_as_a_password_is_refused(pair, value):
    """`bb_password=P@ssw0rd!` loaded: a cookie's value was judged by its runs (8 letters and digits holding both)."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"lang=en; {pair}"}})
    said = _messages(raised.value)
    assert "Cookie: a credential written into the checklist" in said and value not in said, said


@pytest.mark.parametrize("value", ["remember_password=1", "save_password=false", "password_reset_seen=1",
                                   "passenger=adult-one", "bypass=cdn", "wiki_pass=", "bb_password={secret:BB}"])
def test_a_cookie_near_a_passwords_name_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- login cookies of OWIN, Redmine, MantisBT, JupyterHub, Confluence and Jira, UniFi, Splunk, phpMyAdmin, Adminer,
# XenForo and phpBB, named by no session word -------------------------------------------------------------------------
@pytest.mark.parametrize("name", [".AspNet.ApplicationCookie", ".AspNet.ExternalCookie", ".AspNet.Cookies",
                                  "autologin", "MANTIS_STRING_COOKIE", "BUGS_STRING_COOKIE", "jupyterhub-user-admin",
                                  "seraph.confluence", "seraph.rememberme.cookie", "unifises", "splunkd_8000",
                                  "phpMyAdmin", "phpMyAdmin_https", "adminer_permanent", "xf_user", "phpbb3_abc_k"])
def test_more_products_login_cookies_are_refused(name):
    """Each loaded written as a literal and was sent and archived as written: no session word is in its name."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"lang=en; {name}={LITERAL}"}})
    said = _messages(raised.value)
    assert "Cookie: a credential written into the checklist" in said and LITERAL not in said, said


@pytest.mark.parametrize("value", [
    ".AspNetCore.Culture=c%3Den-US%7Cuic%3Den-US", ".AspNet.Culture=en-US2024", "autologin_hint=shown2024",
    "MANTIS_VIEW_ALL_COOKIE=12345678a", "MANTIS_PROJECT_COOKIE=0;q=abc12345", "jupyterhub-hub-theme=darkmode1",
    "seraphim=angel2024x", "unifi_theme=darkmode1", "splunkweb_uid=A1B2C3D4-5E6F", "pma_lang=en; phpMyAdmin={secret:P}",
    "adminer_version=4.8.1", "xf_notice_dismiss=12345678a", "xf_user=", "phpbb3_abc_u=2", "mybb_k=abc12345",
    "autologin=false",
])
def test_a_cookie_near_those_products_login_cookies_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- a key under an app's id (OpenWeather's ?appid=), a token in a redirect's own query, a percent-encoded fragment -----
OPENWEATHER_KEY = "0123456789abcdef0123456789abcdef"
NESTED_TOKEN = "Ab3dEf5gHi7jKl9mNo1pQr3sTu5vWx7y"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, shown, value", [
    (f"/data/2.5/weather?q=London&appid={OPENWEATHER_KEY}", "?appid=…", OPENWEATHER_KEY),
    (f"/x?APPID={OPENWEATHER_KEY}", "?APPID=…", OPENWEATHER_KEY),
    (f"/x?app_id={OPENWEATHER_KEY}", "?app_id=…", OPENWEATHER_KEY),
    (f"/login?next=/cb?access_token={NESTED_TOKEN}", "?next=…?access_token=…", NESTED_TOKEN),
    (f"/login?next=/cb?x=1%26access_token={NESTED_TOKEN}", "?next=…?access_token=…", NESTED_TOKEN),
    (f"/login?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fsid%3D{NESTED_TOKEN}", "?redirect_uri=…?sid=…",
     NESTED_TOKEN),
    (f"/login?next=/cb%23access_token%3D{NESTED_TOKEN}", "?next=…#access_token=…", NESTED_TOKEN),
    (f"/x#access_token%3D{NESTED_TOKEN}", "#access_token=…", NESTED_TOKEN),
    (f"/app#%2Flogin%3Ftoken%3D{NESTED_TOKEN}", "#token=…", NESTED_TOKEN),
])
def test_a_key_under_an_apps_id_or_nested_in_a_redirect_or_an_encoded_fragment_is_refused(family, path, shown, value):
    """Each loaded and was echoed: `?appid=` names no credential by its words, a redirect's value was judged whole
    (`/cb?access_token=…` under `?next=`), and a fragment's `%3D` hid its `=`."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert f"{shown} is a credential written into the checklist" in said and value not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/x?appid=com.example.app", "/x?app_id=1234567890123", "/x?appid=8e03978e-40d5-43e8-bc93-6894a57f9324",
    "/x?appid=wx1234567890abcdef", "/login?next=/dashboard", "/login?next=/search?q=tokens&page=2",
    "/login?next=/cb?page_token=next-page", "/login?next=/cb?access_token=invalid",
    "/login?next=https://app.example/cb?lang=en", "/x#section%3Dintro", "/x#%2Fdocs%2Ftoken-types",
])
def test_an_apps_id_a_redirect_or_an_encoded_fragment_holding_no_credential_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- a negative signature check in its vendor's own format: the scheme's labels read as labels, the words after them -------
SIGNATURE_HEX = "5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"


@pytest.mark.parametrize("name, value", [
    ("X-Hub-Signature-256", "sha256=invalid"), ("X-Hub-Signature", "sha1=invalid"), ("X-Slack-Signature", "v0=invalid"),
    ("Stripe-Signature", "t=1492774577,v1=invalid"), ("webhook-signature", "v1,invalid"),
    ("Paddle-Signature", "ts=1700000000;h1=invalid"), ("X-Signature-Timestamp", "1700000000"),
    ("Stripe-Signature", "t=1492774577, v1=bad-signature"),
])
def test_a_bad_signature_in_its_vendors_format_loads(name, value):
    """`X-Hub-Signature-256: sha256=invalid`, a negative check expecting 401, was refused at load (exit 20): the
    label before the words saying none (`sha256=`, Stripe's `t=…,v1=`, Svix's `v1,`) was read as part of a token,
    and Discord's timestamp header, named with signature, as a PIN."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Hub-Signature-256", f"sha256={SIGNATURE_HEX}"), ("X-Slack-Signature", f"v0={SIGNATURE_HEX}"),
    ("Stripe-Signature", f"t=1492774577,v1={SIGNATURE_HEX}"), ("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
    ("Paddle-Signature", f"ts=1700000000;h1={SIGNATURE_HEX}"), ("Stripe-Signature", "t=1492774577,v1=invalid hunter2"),
    ("Stripe-Signature", "t=sunshine,v1=invalid"), ("X-Hub-Signature-256", "sha256=letmein"),
    ("X-Signature-Timestamp", "correcthorsebat"), ("X-Signature-Timestamp", "hunter2"),
])
def test_a_signature_in_its_vendors_format_is_still_refused(name, value):
    _header_refused(name, value)


# -- a negative check's value of the closed lists' words alone, however long: judged before a Bearer token's length ------
@pytest.mark.parametrize("name, value", [
    ("Authorization", "Bearer not-a-valid-token"), ("Authorization", "Bearer expired-session-token"),
    ("Authorization", "Bearer invalid-access-token"), ("X-Api-Key", "invalid-api-key"),
    ("Authorization", "Token invalid-api-token-value"), ("Authorization", "Bearer invalidaccesstoken"),
])
def test_a_long_negative_value_of_the_closed_words_loads(name, value):
    """`Authorization: Bearer not-a-valid-token` was refused at load (exit 20): a Bearer token of 16 characters was a
    credential's shape before its words were read, and api or access was no word of the closed lists."""
    _header_loads(name, value)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/api/v1/me?api_key=invalid-api-key", "/x?access_token=expired-access-token"])
def test_a_long_negative_value_of_the_closed_words_in_a_query_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("name, value", [
    ("Authorization", "Bearer invalid-access-token-9f8e7d6c"), ("Authorization", "Bearer api-access-session-auth"),
    ("Authorization", f"Bearer invalid {JWT_TOKEN}"), ("Authorization", "Bearer invalid-ghp_" + "a" * 36),
    ("X-Api-Key", "api-access-key"), ("Authorization", "Bearer correcthorsebatterystaple"),
    ("Authorization", "Token api-access-secret-session"),
])
def test_a_long_value_beside_the_closed_words_is_still_refused(name, value):
    _header_refused(name, value)


# -- an identity proxy's user, groups and project, a session's timeout: a short plain value describes, not carries --------
@pytest.mark.parametrize("name, value", [
    ("X-Auth-Request-User", "admin"), ("X-Auth-Request-Groups", "admins"),
    ("X-Auth-Request-Preferred-Username", "alice"), ("X-Auth-Project-Id", "42"), ("X-Session-Timeout", "3600"),
    ("X-Token-Expires-In", "3600"), ("X-Auth-Roles", "viewer,editor"), ("X-Session-Ttl", "900"),
    ("X-Token-Expires-At", "2030-01-01"),
])
def test_an_identity_or_a_lifetime_under_a_credentials_name_loads(name, value):
    """`X-Auth-Request-User: admin`, an oauth2-proxy spoofing check, and `X-Session-Timeout: 3600` were refused at
    load (exit 20) by the auth or session in their names, though `X-Auth-Request-Email: admin@example.com` loaded."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Auth-Request-User", "hunter2"), ("X-Auth-Request-Groups", "correcthorsebat"),
    ("X-Auth-Request-Groups", "9f8e7d6c5b4a"), ("X-Auth-Project-Id", "deploy:hunter2"),
    ("X-Session-Timeout", "12345678"), ("X-Token-Expires-In", f"{JWT_TOKEN}"), ("X-Auth-User", "admin:hunter2"),
])
def test_a_token_or_a_password_under_an_identity_or_a_lifetime_name_is_still_refused(name, value):
    _header_refused(name, value)


# -- a cursor's token named in camelCase is read word by word, as its snake_case spelling ---------------------------------
@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/api/v1/items?nextPageToken=eyJvZmZzZXQiOjEwMH0",
                                  "/api/v1/items?NextPageToken=eyJvZmZzZXQiOjEwMH0",
                                  "/api/v1/items?next_page_token=eyJvZmZzZXQiOjEwMH0"])
def test_a_camelcase_cursors_token_of_a_pages_offset_loads(family, path):
    """`?next_page_token=<base64 {"offset":100}>` loaded and `?nextPageToken=` of the same was refused."""
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
def test_a_camelcase_cursors_token_holding_a_jwts_payload_is_still_refused(family):
    payload = "eyJzdWIiOiIxMjM0NTY3ODkwIn0"  # {"sub":"1234567890"}
    with pytest.raises(ValidationError, match=r"\?nextPageToken=… is a credential written into the checklist"):
        load_item_params(family, {**PATH_FAMILIES[family], "path": f"/x?nextPageToken={payload}"})


# -- a chat's or an applet's webhook whose path is its key: Mattermost's, Rocket.Chat's, IFTTT's -------------------------
MATTERMOST_KEY = "xi3jb8n5oprqze9y1m4fa6ocgh"  # 26 lowercase letters and digits
ROCKETCHAT_KEY = "4fKz9Lq2Xw8NvB3hT7cR1dE6mJ0sY5aU9iO4pG2lF8kH3jD7"  # 48
IFTTT_KEY = "dQw4w9WgXcQabcdEFGH12z"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path, vendor, secret", [
    (f"/hooks/{MATTERMOST_KEY}", "Mattermost", MATTERMOST_KEY),
    (f"/chat/hooks/{MATTERMOST_KEY}?x=1", "Mattermost", MATTERMOST_KEY),
    (f"/hooks/ZsMx8N5rB6kY2q7pW/{ROCKETCHAT_KEY}", "Rocket.Chat", ROCKETCHAT_KEY),
    (f"/trigger/deploy_done/with/key/{IFTTT_KEY}", "IFTTT", IFTTT_KEY),
    (f"/trigger/deploy_done/json/with/key/{IFTTT_KEY}", "IFTTT", IFTTT_KEY),
])
def test_a_chat_or_applet_webhooks_key_in_a_path_is_refused(family, path, vendor, secret):
    """Each loaded and was echoed into results.json and Allure: whoever reads the path posts as the integration."""
    _refused_as_a_webhooks_key(family, path, vendor, secret)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    "/hooks", "/hooks/status", "/hooks/abcdefghijklmnopqrstuvwxyz", "/api/v4/hooks/incoming",
    "/repos/o/r/hooks/12345678/deliveries", "/hooks/ZsMx8N5rB6kY2q7pW", "/hooks/ZsMx8N5rB6kY2q7pW/status",
    "/trigger/deploy_done", "/trigger/deploy_done/with/key/", "/trigger/deploy_done/with/key/{id}",
])
def test_a_path_near_a_chat_or_applet_webhooks_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- login cookies of Synology DSM, Cockpit, Jupyter, SAP, Magento's admin and Apereo CAS, named by no session word -----
@pytest.mark.parametrize("pair, value", [
    ("id=Xyz8fhT3kLmN0pQrStUv1234", "Xyz8fhT3kLmN0pQrStUv1234"),
    ("cockpit=dj0yO2s9YTg5ZjBkMWMyZTNmNGE1YjZjN2Q4ZQ==", "dj0yO2s9YTg5ZjBkMWMyZTNmNGE1YjZjN2Q4ZQ"),
    ("username-localhost-8888=2|1:0|10:1700000000|23:username-localhost-8888|44:ZmQ5YzAxYmUyMw==|8a7b6c5d4e3f",
     "ZmQ5YzAxYmUyMw"),
    ("username-127-0-0-1-8888=2|1:0|10:1700000000|44:ZmQ5YzAxYmUyMw==|8a7b6c5d4e3f", "ZmQ5YzAxYmUyMw"),
    ("MYSAPSSO2=AjQxMDMBABhKAEEASwBFAEwAUwBUAEUAUgAgACAgIAIAAQ", "AjQxMDMBABhKAEEASwBFAEwAUwBUAEUAUgAgACAgIAIAAQ"),
    ("admin=8f14e45fceea167a5a36dedd4b", "8f14e45fceea167a5a36dedd4b"),
    ("CASTGC=TGT-1-abcdefghijklmnop0123456789-cas01", "abcdefghijklmnop0123456789"),
])
def test_a_nas_console_notebook_sso_shop_or_cas_login_cookie_is_refused(pair, value):
    """Each loaded and was archived: Synology DSM's `id`, Cockpit's `cockpit`, Jupyter's `username-<host>-<port>`,
    SAP's logon ticket `MYSAPSSO2`, Magento's backend `admin` and CAS's ticket-granting `CASTGC` carry a login."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"lang=en; {pair}"}})
    said = _messages(raised.value)
    assert "Cookie: a credential written into the checklist" in said and value not in said, said


@pytest.mark.parametrize("value", ["id=1", "id=8e03978e-40d5-43e8-bc93-6894a57f9324", "id=abc123def456",
                                   "admin=1", "admin=true", "cockpit=", "username=alice", "user-theme-8888=dark",
                                   "castgc_seen=1", "ids=Xyz8fhT3kLmN0pQrStUv1234"])
def test_a_cookie_near_those_login_cookies_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": value}}).headers == {
        "Cookie": value}


# -- a negative check's Basic pair of the closed words: read by its password, as a Bearer's token is ---------------------
def _basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize("pair", ["wrong:wrong", "invalid:invalid", "bad:bad", "nope:nope", "admin:wrong",
                                  "deploy:invalid-password", "fake:fake", "wrong:"])
def test_a_basic_pair_whose_password_says_none_loads(pair):
    """`Authorization: Basic d3Jvbmc6d3Jvbmc=` (wrong:wrong), a negative check expecting 401, was refused at load
    (exit 20) where `Bearer invalid-token` loaded: any base64 of `user:password` was a credential."""
    value = _basic(pair)
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Authorization": value}}).headers == {
        "Authorization": value}


@pytest.mark.parametrize("pair", ["deploy:hunter2", "wrong:hunter2pass", "admin:test", "test:test", "admin:changeme",
                                  "ghp_q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8:invalid", "q1w2e3r4t5y6:wrong",
                                  "sk_live_q1w2e3r4t5y6u7i8o9p0:", "wrong:invalid hunter2"])
def test_a_basic_pair_holding_a_password_or_a_key_is_still_refused(pair):
    value = _basic(pair)
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Authorization": value}})
    said = _messages(raised.value)
    assert "Authorization: a credential written into the checklist" in said and value.split()[1] not in said, said

@pytest.mark.parametrize("pair", ["correct-horse-battery-staple:wrong", "p@ss-w0rd!:wrong", "correct-horse-battery:",
                                  "pa$$word:invalid", "Tr0ub4dor&3:", "hunter two:wrong"])
def test_a_basic_pair_whose_user_could_be_a_password_is_still_refused(pair):
    """`Basic base64(correct-horse-battery-staple:wrong)` loaded and was sent and archived: a pair whose password
    says none was let through by a user that is no token, yet a passphrase or a punctuated password sent as the user
    is a password all the same. Only a plain user name (letters apart by `.`, `-` or `_`) or an e-mail is one."""
    value = _basic(pair)
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Authorization": value}})
    said = _messages(raised.value)
    assert "Authorization: a credential written into the checklist" in said and value.split()[1] not in said, said


@pytest.mark.parametrize("pair", ["alice.smith:wrong", "deploy_bot:invalid", "ci-bot@example.com:wrong",
                                  "ci-bot:", ":wrong"])
def test_a_basic_pair_of_a_plain_user_and_no_password_loads(pair):
    value = _basic(pair)
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Authorization": value}}).headers == {
        "Authorization": value}



# -- keys their vendors give out: Mapbox's public token, Supabase's publishable key, Stripe's publishable key ------------
def _b64url_json(said: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(said, separators=(",", ":")).encode()).decode().rstrip("=")


MAPBOX_PAYLOAD = _b64url_json({"u": "example-team", "a": "clk0abcd1234efgh5678ijkl"})
MAPBOX_PUBLIC = f"pk.{MAPBOX_PAYLOAD}.Q2xhc3NpY1NpZ25hdHVyZQ1x2"
MAPBOX_SECRET = f"sk.{MAPBOX_PAYLOAD}.Q2xhc3NpY1NpZ25hdHVyZQ1x2"
SUPABASE_PUBLISHABLE = "sb_publishable_AbCdEf012345GhIjKl6789Mn_OpQrSt"
SUPABASE_SECRET = "sb_secret_AbCdEf012345GhIjKl6789Mn_OpQrSt"
STRIPE_PUBLISHABLE = "pk_live_51HxYzAbCdEfGhIjKlMnOpQr"


@pytest.mark.parametrize("name, value", [
    ("apikey", SUPABASE_PUBLISHABLE), ("Authorization", f"Bearer {SUPABASE_PUBLISHABLE}"),
    ("Authorization", f"Bearer {MAPBOX_PUBLIC}"), ("Authorization", f"Bearer {STRIPE_PUBLISHABLE}"),
    ("Authorization", "Bearer pk_test_51HxYzAbCdEfGhIjKlMnOpQr"), ("x-api-key", MAPBOX_PUBLIC),
])
def test_a_public_key_under_a_credentials_name_loads(name, value):
    """`apikey: sb_publishable_…` (Supabase's key for browsers, role anon) and Mapbox's `pk.eyJ…` token were refused
    at load (exit 20) as credentials: each is given out to every visitor of the page that uses it."""
    _header_loads(name, value)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [f"/styles/v1/mapbox/streets-v12?access_token={MAPBOX_PUBLIC}",
                                  f"/v1/tokens?key={STRIPE_PUBLISHABLE}", f"/rest/v1/items?apikey={SUPABASE_PUBLISHABLE}"])
def test_a_public_key_in_a_query_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("name, value, secret", [
    ("apikey", SUPABASE_SECRET, SUPABASE_SECRET), ("Authorization", f"Bearer {MAPBOX_SECRET}", MAPBOX_SECRET),
    ("x-api-key", MAPBOX_SECRET, MAPBOX_SECRET),
    # pk. and a JWT's payload (not Mapbox's {"u":…}), a publishable key with a secret beside it
    ("x-api-key", f"pk.{_b64url_json({'sub': 'admin', 'role': 'service'})}.c2lnbmF0dXJlMTIz", "c2lnbmF0dXJlMTIz"),
    ("apikey", f"{SUPABASE_PUBLISHABLE} q1w2e3r4t5y6", "q1w2e3r4t5y6"),
    ("Authorization", f"Bearer {STRIPE_PUBLISHABLE}:hunter2pass", "hunter2pass"),
])
def test_a_secret_beside_the_public_keys_is_still_refused(name, value, secret):
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})
    said = _messages(raised.value)
    assert f"{name}: a credential written into the checklist" in said and secret not in said, said


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
def test_a_mapbox_secret_token_in_a_query_is_still_refused(family):
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": f"/styles/v1?access_token={MAPBOX_SECRET}"})
    said = _messages(raised.value)
    assert "written into the checklist" in said and MAPBOX_SECRET not in said, said


# -- what an identity's user, a lifetime's end and a signature's algorithm are written as: a name, a time, a name -------
@pytest.mark.parametrize("name, value", [
    ("X-Auth-Request-User", "deployer"), ("X-Auth-Request-User", "alice.smith"),
    ("X-Auth-Request-User", "ci-bot@example.com"), ("X-Auth-Request-Preferred-Username", "administrator"),
    ("X-Token-Expires-At", "2026-12-31T23:59:59Z"), ("X-Session-Expires-At", "2026-12-31T23:59:59+02:00"),
    ("X-Token-Expires-At", "2026-12-31T23:59:59.123Z"), ("Expires-At", "2026-12-31T23:59:59Z"),
    ("X-Signature-Algorithm", "HMAC-SHA256"), ("X-Hub-Signature-Algorithm", "sha256"),
    ("X-Signature-Algorithm", "ES256"), ("X-Signature-Algorithm", "RS256"), ("X-Signature-Algorithm", "Ed25519"),
    ("X-Signature-Algorithm", "rsa-pss-sha512"), ("X-Auth-Algorithm", "AWS4-HMAC-SHA256"),
])
def test_a_user_a_time_or_an_algorithm_under_a_describing_name_loads(name, value):
    """Each was refused at load (exit 20): `deployer` as one run of 8 letters (a password's), `ci-bot@example.com` by
    its `@`, an ISO 8601 time by its `:`, and `HMAC-SHA256`, `sha256` or `Ed25519` as runs holding a digit."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Auth-Request-User", "hunter2pass"), ("X-Auth-Request-User", "correcthorsebatterystaple"),
    ("X-Auth-Request-User", "deploy:hunter2"), ("X-Auth-Request-User", "ops@example.com:Tr0ub4dor3"),
    ("X-Auth-Request-User", "P@ssw0rd!"), ("X-Auth-Mode", "correcthorsebat"),
    ("X-Token-Expires-At", "2026-12-31T23:59:59Z hunter2pass"), ("X-Token-Expires-At", "correcthorsebat"),
    ("X-Signature-Algorithm", "HMAC-SHA256:9f8e7d6c5b4a"), ("X-Signature-Algorithm", "sha256=9f8e7d6c5b4a3f2e"),
    ("X-Signature-Algorithm", "hunter2"), ("X-Signature-Timestamp", "2026-12-31T23:59:59Z hunter2"),
])
def test_a_password_beside_a_user_a_time_or_an_algorithm_is_still_refused(name, value):
    _header_refused(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Token-Expires-At", "Thu, 31 Dec 2026 23:59:59 GMT"), ("X-Token-Expires-At", "1798761599"),
    ("X-Session-Expires-At", "2026-12-31 23:59:59Z"), ("X-Token-Expiry", "2026-12-31T23:59:59Z"),
    ("X-Token-Expiry", "Thu, 31 Dec 2026 23:59:59 GMT"), ("X-Signature-Timestamp", "2026-12-31 23:59:59+02:00"),
])
def test_an_http_date_epoch_seconds_or_a_spaced_time_under_an_expiry_loads(name, value):
    """`X-Token-Expires-At: Thu, 31 Dec 2026 23:59:59 GMT` (RFC 9110's IMF-fixdate) or epoch seconds were refused at
    load (exit 20): only ISO 8601 was read as a time."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Token-Expires-At", "Thu, 31 Dec 2026 23:59:59 GMT hunter2pass"), ("X-Token-Expires-At", "17987615991"),
    ("X-Token-Expiry", "hunter2pass"), ("X-Token-Expiry", "2026-12-31 hunter2pass"),
])
def test_a_password_beside_an_expiry_is_still_refused(name, value):
    _header_refused(name, value)


# -- a Google Chat webhook: its token is in the URL's query, where every Chat webhook shares one API key ---------------
GOOGLE_CHAT_KEY = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
GOOGLE_CHAT_TOKEN = "q1W2e3R4t5Y6u7I8o9P0a-S_d3F4g5H6j7K8l9Z0x1c"
GOOGLE_CHAT_PATH = f"/v1/spaces/AAAA1234567/messages?key={GOOGLE_CHAT_KEY}&token={GOOGLE_CHAT_TOKEN}%3D"


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", [
    GOOGLE_CHAT_PATH, f"/v1/spaces/AAAA1234567/messages?token={GOOGLE_CHAT_TOKEN}%3D",
    f"/v1/spaces/AAAA1234567/messages?threadKey=deploys&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    f"&key={GOOGLE_CHAT_KEY}&token={GOOGLE_CHAT_TOKEN}%3D",
    f"/v1/spaces/AAAA1234567/messages%3Fkey%3D{GOOGLE_CHAT_KEY}%26token%3D{GOOGLE_CHAT_TOKEN}%3D",
])
def test_a_google_chat_webhooks_token_in_a_path_is_refused_by_its_vendors_shape(family, path):
    """Named as the Google Chat webhook token, never with it (it was named `?key=…`, the API key every Chat webhook
    shares, and its percent-encoded query loaded)."""
    with pytest.raises(ValidationError) as raised:
        load_item_params(family, {**PATH_FAMILIES[family], "path": path})
    said = _messages(raised.value)
    assert "the Google Chat webhook token is a credential written into the checklist" in said, said
    assert GOOGLE_CHAT_TOKEN not in said, said


@pytest.mark.parametrize("value, secret", [
    (f"https://chat.googleapis.com{GOOGLE_CHAT_PATH}", GOOGLE_CHAT_TOKEN),
    (f"https://chat.googleapis.com/v1/spaces/AAAA1234567/messages?token={GOOGLE_CHAT_TOKEN}%3D", GOOGLE_CHAT_TOKEN),
    ("https://hooks.slack.com/services/T00000000/B00000000/Zk3q9TvLm2Xw8RpQ4sNa1b2c", "Zk3q9TvLm2Xw8RpQ4sNa1b2c"),
    ("<https://app.example/cb?access_token=Zk3q9TvLm2Xw8RpQ4sNa>; rel=next", "Zk3q9TvLm2Xw8RpQ4sNa"),
])
def test_a_webhooks_url_in_any_header_is_refused(value, secret):
    """A Google Chat webhook's URL under a header named as no credential (a callback's `X-Notify-Url`) loaded and
    was sent, shown and archived: a URL in a header's value is judged as a path is."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Notify-Url": value}})
    said = _messages(raised.value)
    assert "X-Notify-Url: a credential written into the checklist" in said and secret not in said, said


@pytest.mark.parametrize("value", [
    "https://chat.googleapis.com/v1/spaces/AAAA1234567/messages?token={secret:GCHAT_TOKEN}",
    "https://app.example/health?page=2", "<https://api.example/items?page=3>; rel=next",
    "https://hooks.slack.com/services/status",
])
def test_a_url_holding_no_credential_in_a_header_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Notify-Url": value}}).headers == {
        "X-Notify-Url": value}


# -- a URL in a header is refused for a credential's shape or a secret query name's value, not for a session's name ----
@pytest.mark.parametrize("name, value", [
    ("Referer", "https://shop.example.com/products/widget?_pos=1&_sid=3f2c9a1b7&_ss=r"),
    ("Referer", "https://api.example.com/v1/items?page_token=CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA"),
    ("Link", "<https://api.example.com/v1/items?next_token=eyAibGFzdCI6IDQyIH0x7Rq9>; rel=next"),
    ("X-Next-Url", "https://api.example.com/v1/items?continuation_token=1%2FChQKEgoMbmFtZTk4NzY1NDMyMQ"),
    ("X-Callback-Url", "https://app.example.com/oauth/callback?state=abc123&code_challenge_method=S256"),
    ("Origin", "https://app.example.com"), ("X-Asset-Url", "https://cdn.example.com/assets/app.3f2c9a1b.js?v=9f8e7d6c"),
    ("Referer", "https://login.example.com/.well-known/openid-configuration?client_id=web1a2b3c4d"),
])
def test_a_harmless_url_in_any_header_loads(name, value):
    """A Shopify storefront's Referer (`?_sid=3f2c9a1b7`, a search session's short id) and an opaque page cursor in a
    URL (`?page_token=`, `?next_token=`, `?continuation_token=`) were refused at load (exit 20): a URL in a header was
    judged as a path, where a session's name or a token's word holding letters and digits is one."""
    _header_loads(name, value)


@pytest.mark.parametrize("value, secret", [
    ("https://bucket.s3.amazonaws.com/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=9f8e7d6c5b4a39281706",
     "9f8e7d6c5b4a39281706"),
    ("https://acct.blob.core.windows.net/c/a.txt?sv=2022-11-02&sig=Zk3q9TvLm2Xw8RpQ4sNa%3D", "Zk3q9TvLm2Xw8RpQ4sNa"),
    ("https://deploy:hunter2pass@proxy.internal:3128/", "hunter2pass"),
    ("https://app.example/cb?password=correct-horse-battery-staple", "correct-horse-battery-staple"),
    ("https://app.example/cb?api_key=abcd-efgh-ijkl", "abcd-efgh-ijkl"),
    ("https://app.example/cb#access_token=Zk3q9TvLm2Xw8RpQ4sNa", "Zk3q9TvLm2Xw8RpQ4sNa"),
    ("https://app.example/app;jsessionid=1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D", "1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D"),
    ("https://app.example/login?next=/cb%3Faccess_token%3DZk3q9TvLm2Xw8RpQ4sNa", "Zk3q9TvLm2Xw8RpQ4sNa"),
    ("https://discord.com/api/webhooks/123456789012345678/Zk3q9TvLm2Xw8RpQ4sNa1b2cZk3q9TvLm2Xw8RpQ4sNa1b2c",
     "Zk3q9TvLm2Xw8RpQ4sNa1b2cZk3q9TvLm2Xw8RpQ4sNa1b2c"),
    ("https://app.example/v1/items?page_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl", "c2lnbmF0dXJl"),
])
def test_a_credential_in_a_url_in_a_referer_is_still_refused(value, secret):
    """Named without the secret, and cited as a URL is — not as `Referer: Bearer {secret:…}`."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Referer": value}})
    said = _messages(raised.value)
    assert "Referer: a credential written into the checklist" in said and secret not in said, said
    assert "Bearer" not in said and "'Referer: {secret:" in said, said


@pytest.mark.parametrize("value, secret", [
    ("https://deploy:Xy7#kLm9Qz@proxy.internal:3128/", "kLm9Qz"), ("mysql://root:My$ecret#2024@db/app", "ecret#2024"),
    ("https://deploy:ab/cd?e5f6@proxy.internal/", "cd?e5f6"), ("<https://ci:Xy7#kLm9Qz@git.example/x.git>", "kLm9Qz"),
])
def test_a_url_whose_password_holds_a_hash_a_slash_or_a_question_mark_is_refused(value, secret):
    """`https://deploy:Xy7#kLm9Qz@proxy…` loaded and was sent and archived: its user info was read up to the `#`
    (`deploy:Xy7`, no `@`), where lenient clients read it to the last `@`, the password whole."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Upstream": value}})
    said = _messages(raised.value)
    assert "X-Upstream: a credential written into the checklist" in said and secret not in said, said


@pytest.mark.parametrize("value", ["https://app.example:8443/users/alice@example.com", "https://app.example/a@b",
                                   "https://app.example/#/u/alice@example.com", "https://[::1]:8080/x@y"])
def test_a_url_with_an_at_sign_after_its_host_loads(value):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Upstream": value}}).headers == {
        "X-Upstream": value}


@pytest.mark.parametrize("value, secret", [
    ("https%3A%2F%2Fhooks.slack.com%2Fservices%2FT00000000%2FB00000000%2FZk3q9TvLm2Xw8RpQ4sNa1b2c",
     "Zk3q9TvLm2Xw8RpQ4sNa1b2c"),
    ("https%3a%2f%2fapp.example%2fcb%3faccess_token%3dZk3q9TvLm2Xw8RpQ4sNa", "Zk3q9TvLm2Xw8RpQ4sNa"),
])
def test_a_percent_encoded_url_in_a_header_is_judged_decoded(value, secret):
    """A Slack webhook's URL written percent-encoded whole (as a query would carry it) loaded: no `://` was seen."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Notify-Url": value}})
    said = _messages(raised.value)
    assert "X-Notify-Url: a credential written into the checklist" in said and secret not in said, said


def test_a_percent_encoded_url_holding_no_credential_loads():
    value = "https%3A%2F%2Fapp.example%2Fhealth%3Fpage%3D2"
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"X-Notify-Url": value}}).headers == {
        "X-Notify-Url": value}


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
@pytest.mark.parametrize("path", ["/v1/spaces/AAAA1234567/messages", "/v1/spaces/AAAA1234567/messages?threadKey=x",
                                  "/v1/spaces/AAAA1234567/messages?token=invalid"])
def test_a_path_near_a_google_chat_webhook_loads(family, path):
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


# -- login cookies named by a credential's word and a version (LtpaToken2, auth0) or an access manager's own -----------
LTPA = "K3jP2fQ8vL1mN5bR7tY9wZ0xC4dE6gH8jK2lM4nP6qR8sT0uV2wX4yZ6aB8cD0eF"
AM_TOKEN = "AQIC5wM2LY4SfczntBbXvEAOuECbqMY3J4NW3byH6xwgkGE"


@pytest.mark.parametrize("pair, secret", [
    (f"LtpaToken2={LTPA}", LTPA), (f"auth0=s%3A{LTPA}", LTPA),
    (f"iPlanetDirectoryPro={AM_TOKEN}.*AAJTSQACMDE.*", AM_TOKEN),
    (f"ObSSOCookie={LITERAL}", LITERAL), (f"OAMAuthnCookie_app.example.com_443={LITERAL}", LITERAL),
    (f"OAM_ID={LITERAL}", LITERAL),
])
def test_a_versioned_or_an_access_managers_login_cookie_is_refused(pair, secret):
    """Each loaded and was sent and archived: IBM's LtpaToken2 (the 2 hid token; LtpaToken was refused), Auth0's
    auth0, ForgeRock/OpenAM's iPlanetDirectoryPro and Oracle Access Manager's ObSSOCookie, OAMAuthnCookie_<host>_<port>
    and OAM_ID carry a login."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": f"lang=en; {pair}"}})
    said = _messages(raised.value)
    assert "Cookie: a credential written into the checklist" in said and secret not in said, said


@pytest.mark.parametrize("cookie", ["LtpaToken2=", "LtpaToken2=invalid", "iPlanetDirectoryPro=",
                                    "ObSSOCookie=loggedout", "OAMAuthnCookie_app.example.com_443=",
                                    "auth0.is.authenticated=true", "OAMAuthnHintCookie=1", "amlbcookie=01",
                                    "iPlanetDirectoryPro={secret:AM_SSO}"])
def test_an_access_managers_cookie_holding_no_token_loads(cookie):
    assert load_item_params("http", {"service": "api", "path": "/h", "headers": {"Cookie": cookie}}).headers == {
        "Cookie": cookie}


# -- OVH's consumer key, a literal beside a reference, Kubernetes' token in a WebSocket subprotocol, Docker's registry
# config ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value, secret", [
    ("X-Ovh-Consumer", "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1", "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"),
    ("X-Ovh-Signature", "$1$" + "a3f1" * 10, "a3f1" * 10),
    ("X-Api-Key", "{secret:K}:correcthorsebatterystaple", "correcthorsebatterystaple"),
    ("Authorization", "Basic {secret:U}:correcthorsebatterystaple", "correcthorsebatterystaple"),
    ("X-Api-Key", "{secret:K}correcthorsebatterystaple", "correcthorsebatterystaple"),
    ("Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkluUmxj",
     "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkluUmxj"),
    ("Sec-WebSocket-Protocol", "v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.ZXlKaGJHY2lPaUpTVXpJMU5p",
     "ZXlKaGJHY2lPaUpTVXpJMU5p"),
    ("X-Registry-Config", "eyJyZWdpc3RyeS5leGFtcGxlIjp7InVzZXJuYW1lIjoiY2kiLCJwYXNzd29yZCI6Imh1bnRlcjIifX0=",
     "eyJyZWdpc3RyeS5leGFtcGxlIjp7InVzZXJuYW1lIjoiY2kiLCJwYXNzd29yZCI6Imh1bnRlcjIifX0"),
    ("X-Registry-Auth", "eyJ1c2VybmFtZSI6ImNpIiwicGFzc3dvcmQiOiJodW50ZXIyIn0=", "eyJ1c2VybmFtZSI6ImNpIiwicGFzc3dvcmQi"),
])
def test_a_vendors_key_header_a_literal_beside_a_reference_or_a_subprotocols_token_is_refused(name, value, secret):
    """Each loaded and was sent and archived: OVH's consumer key (X-Ovh-Consumer, named by no credential word), a
    password of words beside a reference (a digit-less run was not judged there), Kubernetes' bearer token as a
    WebSocket subprotocol, Docker's registry config (base64 JSON of users and passwords)."""
    with pytest.raises(ValidationError) as raised:
        load_item_params("http", {"service": "api", "path": "/h", "headers": {name: value}})
    said = _messages(raised.value)
    assert f"{name}: a credential written into the checklist" in said and secret not in said, said


@pytest.mark.parametrize("name, value", [
    ("X-Ovh-Consumer", "{secret:OVH_CK}"), ("X-Ovh-Application", "7kbG7Bk7S9Nt7ZSV"), ("X-Ovh-Timestamp", "1700000000"),
    ("X-Api-Key", "{secret:K}"), ("Authorization", "Basic {secret:BASIC}"), ("X-Auth", "{secret:U}:{secret:P}"),
    ("Authorization", "Token token={secret:T}"), ("Sec-WebSocket-Protocol", "v4.channel.k8s.io"),
    ("Sec-WebSocket-Protocol", "v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.{secret:K8S_TOKEN_B64URL}"),
    ("X-Registry-Config", "{secret:REGISTRY_CONFIG}"),
])
def test_a_cited_credential_or_a_vendors_id_beside_them_loads(name, value):
    _header_loads(name, value)


# -- probe 277's wrong refusals: an id in an id's shape, a user's numeric id or Swift's account:user, an ISO time under
# a lifetime, a consent's word, S3's continuation token ------------------------------------------------------------
@pytest.mark.parametrize("name, value", [
    ("X-Auth-Project-Id", "6e1b5b8ad7c4457fa5e2c8c7d0c6a0d9"), ("X-Key-Id", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ("X-Auth-Project-Id", "8e03978e-40d5-43e8-bc93-6894a57f9324"), ("X-Auth-Request-User", "118234567890123456789"),
    ("X-Auth-User", "test:tester"), ("X-Auth-User", "admin:admin"), ("X-Session-Timeout", "2026-12-31T23:59:59Z"),
    ("X-Session-Ttl", "2026-12-31"), ("X-Cookie-Consent", "accepted"), ("X-Cookie-Consent", "rejected"),
])
def test_an_id_a_users_id_or_name_a_time_or_a_consent_under_a_credentials_name_loads(name, value):
    """Each was refused at load (exit 20): Keystone's project id (32 hex, as Keystone writes every id), a key's UUID,
    Google's 21-digit OIDC subject under oauth2-proxy's user, Swift TempAuth's account:user (its key goes in
    X-Auth-Key), an ISO time under a session's timeout, a cookie consent's answer."""
    _header_loads(name, value)


@pytest.mark.parametrize("name, value", [
    ("X-Key-Id", "6e1b5b8ad7c4457fa5e2c8c7d0c6a0d9"), ("X-Auth-Project-Id", "6e1b5b8ad7c4457fa5e2c8c7d0c6a0d9x"),
    ("X-Auth-Request-User", "1182345678901234567a"), ("X-Auth-User", "test:hunter22"),
    ("X-Auth-User", "test:P@ssw0rd!"),
    ("X-Auth-Key", "testing"), ("X-Storage-Pass", "testing"), ("X-Session-Timeout", "2026-12-31T23:59:59Z hunter22"),
    ("X-Cookie-Consent", "correcthorsebat"),
])
def test_a_key_or_a_password_beside_those_is_still_refused(name, value):
    _header_refused(name, value)


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
def test_an_s3_continuation_token_loads(family):
    """S3's ListObjectsV2 `?continuation-token=` (its documented example, base64 of opaque bytes) was refused at load
    as a token: a server's paging option, as OData's `$skiptoken` is."""
    path = "/bucket?list-type=2&continuation-token=1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    assert load_item_params(family, {**PATH_FAMILIES[family], "path": path}).path == path


@pytest.mark.parametrize("family", sorted(PATH_FAMILIES))
def test_a_jwt_as_an_s3_continuation_token_is_still_refused(family):
    with pytest.raises(ValidationError, match=r"\?continuation-token=… is a credential written into the checklist"):
        load_item_params(family, {**PATH_FAMILIES[family], "path": f"/bucket?continuation-token={JWT_TOKEN}"})
