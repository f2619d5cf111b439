"""cron family: an answer that shows nothing of the secret check (turned away, or a server error) is not judged."""

from __future__ import annotations

import datetime
import json
import re
import string
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.errors import Refused
from opsverify.families import cron
from opsverify.outcome import Status
from opsverify.transports.http import Probe, Reply, guard

from .kit import make_check

GUARDED = {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET"}


def judged(params: dict, *statuses: int):
    check = make_check("cron", params, mutating=params.get("with_secret", False))
    hows = ["with the secret"] if params.get("with_secret") else ["without a secret", "with a wrong secret"]
    return cron.judge(check, {check.key: [(how, "u", Reply(s, 1.0)) for how, s in zip(hows, statuses, strict=True)]})


@pytest.mark.parametrize("without, wrong, status, seen", [
    # a pass on refusals alone says what they cannot tell apart (a blanket 401 in front of a missing route)
    (401, 403, Status.PASSED, "without a secret: 401 and with a wrong secret: 403; not ruled out: a path where every"
                              " caller is refused (an auth wall in front of it, or no route behind one) reads the same"),
    # turned away before the secret was read, or failed whatever it was sent: the secret check was not seen
    (429, 429, Status.ERROR, "could not look: without a secret: 429 (rate-limited); with a wrong secret: 429 "
                             "(rate-limited): whether it checks CRON_SECRET was not seen"),
    (408, 401, Status.ERROR, "without a secret: 408 (request timeout): whether it checks CRON_SECRET was not seen"),
    (401, 503, Status.ERROR, "with a wrong secret: 503 (server error): whether it checks CRON_SECRET was not seen"),
    # an accepted call fails it whatever the other one answered
    (429, 200, Status.FAILED, "with a wrong secret: accepted with 200"),
    (401, 404, Status.FAILED, "with a wrong secret: status 404"),
])
def test_without_the_secret(without, wrong, status, seen):
    outcome = judged(GUARDED, without, wrong)
    assert outcome.status is status and seen in outcome.observed, outcome


@pytest.mark.parametrize("without, wrong, seen, undecided", [
    (404, Reply(503, 1.0), "without a secret: status 404", "with a wrong secret: 503 (server error)"),
    (302, Reply(429, 1.0), "without a secret: status 302", "with a wrong secret: 429 (rate-limited)"),
    (405, Reply(None, 1.0, failure="timed out"), "without a secret: status 405",
     "with a wrong secret: no answer (timed out)"),
])
def test_a_failure_seen_fails_beside_a_request_not_seen(without, wrong, seen, undecided):
    """A 404 (no job there), a 302 to a login page or a 405 fails the item by itself: a request that shows nothing
    of the secret check beside it (a 5xx, turned away, no answer) is said as undecided, never hides it (as the
    webhook family judges the same mix)."""
    check = make_check("cron", GUARDED)
    outcome = cron.judge(check, {check.key: [("without a secret", "u", Reply(without, 1.0)),
                                             ("with a wrong secret", "u", wrong)]})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == f"{seen}; and 1 could not be judged: {undecided}", outcome.observed
    assert outcome.evidence["undecided"] == [undecided], outcome.evidence


@pytest.mark.parametrize("answer, status, seen", [
    (200, Status.PASSED, "status 200"),
    (429, Status.ERROR, "could not look: with the secret: 429 (rate-limited): whether the job runs was not seen"),
    (500, Status.FAILED, "status 500"),  # the job ran and failed
])
def test_with_the_secret(answer, status, seen):
    outcome = judged({**GUARDED, "with_secret": True}, answer)
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_stated_2xx_status_is_judged():
    assert judged({**GUARDED, "with_secret": True, "status": 202}, 202).status is Status.PASSED
    assert judged({**GUARDED, "with_secret": True, "status": 202}, 200).status is Status.FAILED


@pytest.mark.parametrize("status", [401, 302, 429, 500, -1, 0, 199, 300, 999])
def test_a_status_outside_2xx_is_a_config_error(status):
    """A job that refused its secret (401) or sent a login page (302) must not pass; -1, 0 or 999 never match."""
    with pytest.raises(ValidationError, match=f"status\n  Value error, {status} is not a 2xx") as raised:
        make_check("cron", {**GUARDED, "with_secret": True, "status": status}, mutating=True)
    assert len(raised.value.errors()) == 1


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_a_method_that_is_not_safe_marks_the_item_mutating(method):
    """Every request the item sends uses its method — the two that expect a rejection too: a broken target runs
    its job on them. So a method that is not safe is refused at load unless the item is marked mutating (then
    skipped, with the reason, where the environment forbids mutation)."""
    with pytest.raises(ValueError, match=f"params.method: {method} is not a safe method; every request this item "
                                         "sends uses it .* mark the item mutating: true"):
        load_item_params("cron", {**GUARDED, "method": method})
    assert load_item_params("cron", {**GUARDED, "method": method}, mutating=True).method == method
    for safe in ("GET", "HEAD"):
        assert load_item_params("cron", {**GUARDED, "method": safe}).method == safe


@pytest.mark.parametrize("method, mutating", [("GET", False), ("POST", True)])
def test_the_requests_without_the_secret_are_as_mutating_as_the_item(method, mutating):
    """No exemption for an expected rejection (the webhook's unsigned POST is the one): the transport's own guard
    refuses an unsafe method that the item does not declare mutating."""
    from opsverify.secrets import Redactor

    sent: list[Probe] = []
    target = SimpleNamespace(url=lambda service, path: "http://127.0.0.1:9/" + path, verify_tls=lambda service: True,
                             anonymous_url=lambda service, path: ("http://127.0.0.1:9/" + path, (), ()), timeouts=SimpleNamespace(connect_s=1.5), secret=lambda name: "cron-9f3e7a1c5b2d",
                             clear_text_route=lambda url: None, redactor=Redactor(),
                             fetch_all=lambda probes: [sent.extend(probes), [Reply(401, 1.0) for _ in probes]][1])
    check = make_check("cron", {**GUARDED, "method": method}, mutating=mutating)
    cron.gather(target, [check])
    assert [(p.method, p.mutating, p.expect_rejection, p.connect_s) for p in sent] == [
        (method, mutating, False, 1.5)] * 12  # a connection opens within the environment's connect_s
    as_the_scheduler = {"user-agent": "vercel-cron/1.0", "x-vercel-cron": "1",  # anyone can send them: a job
                        "x-vercel-cron-schedule": "0 0 * * *"}  # trusting them is open
    assert [p.headers for p in sent[8:]] == [as_the_scheduler | {"authorization": value} for value in (
        "Bearer undefined", "Bearer null", "Bearer None", "Bearer")]
    assert sent[0].headers == as_the_scheduler, sent[0].headers
    assert sent[1].headers == {}, sent[1].headers  # and once as anyone calls it: the suite's own User-Agent
    for probe in sent:
        guard(probe)
    with pytest.raises(Refused, match="POST .* only GET/HEAD/OPTIONS are sent unless the item is marked mutating"):
        guard(replace(sent[0], method="POST", mutating=False))


def test_bytes_another_reply_left_never_decide_a_jobs_verdict(tmp_path):
    """A health endpoint that answers twice in one write, and a page that answers HEAD with its body, leave bytes on
    their kept-alive connections. The jobs run after them get their own replies: the one that always fails fails
    ("status 500", not the health endpoint's second 200), the healthy one passes (not "no answer")."""
    from opsverify import exitcodes

    from .project import KeepAliveHttp, Project, raw_reply

    second = b'{"status": "ok", "admin": "no auth here"}'
    replies = {("GET", "/double"): raw_reply(200, b'{"status": "ok"}') + raw_reply(200, second),
               ("HEAD", "/page"): raw_reply(200, b"<html>hello</html>\r\n", "text/html"),
               ("GET", "/down"): raw_reply(500, b'{"status": "down"}'), ("GET", "/good"): raw_reply(200, b"{}")}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "CRON_SECRET": "cron-" + "9f3e7a1c5b2d"})
        project.checklist("shop", """
        - {id: A1, name: health, section: Web, title: health answers ok, family: http, cadence: postdeploy,
           params: {service: web, path: /double, json: {status: ok}}}
        - {id: A2, name: head, section: Web, title: the page answers HEAD, family: http, cadence: postdeploy,
           params: {service: web, path: /page, method: HEAD}}
        - {id: M1, name: publish, section: Cron, title: the publish job, family: cron, cadence: postdeploy,
           mutating: true, params: {service: web, path: /down, secret: CRON_SECRET, with_secret: true}}
        - {id: M2, name: sweep, section: Cron, title: the sweep job, family: cron, cadence: postdeploy,
           mutating: true, params: {service: web, path: /good, secret: CRON_SECRET, with_secret: true}}
        """)
        project.environment("""
        allow_mutating: true
        timeouts: {connect_s: 2, http_s: 3}
        systems: {shop: {services: {web: {url: "${WEB_URL}"}}, secrets: {CRON_SECRET: "${CRON_SECRET}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"A1-health": "passed", "A2-head": "passed", "M1-publish": "failed",
                              "M2-sweep": "passed"}, ran.output[-3000:]
    rows = ran.rows()
    assert "status 500" in rows["M1-publish"]["message"], rows["M1-publish"]
    assert "no auth here" not in json.dumps(rows["M1-publish"]["evidence"])
    assert "followed this reply" in rows["A1-health"]["evidence"]["after_reply"], rows["A1-health"]
    assert ran.code == exitcodes.FAILED


@pytest.mark.parametrize("without, wrong, seen", [
    (200, None, "without a secret: accepted with 200"),
    (None, 204, "with a wrong secret: accepted with 204"),
])
def test_an_accepted_call_fails_even_when_the_other_got_no_answer(without, wrong, seen):
    """The acceptance alone is the failure: the call that went unanswered cannot make it pass or unjudged."""
    check = make_check("cron", GUARDED)
    replies = [Reply(s, 1.0) if s is not None else Reply(None, 2.0, failure="connection reset")
               for s in (without, wrong)]
    outcome = cron.judge(check, {check.key: list(zip(("without a secret", "with a wrong secret"), "uu", replies))})
    assert outcome.status is Status.FAILED and seen in outcome.observed, outcome
    assert "no answer (connection reset)" in outcome.observed, outcome


@pytest.mark.parametrize("without", [None, 429, 500], ids=["no-answer", "429", "500"])
def test_a_refusal_not_seen_beside_an_acceptance_is_undecided_so_no_waiver_covers_it(without):
    """An endpoint that takes what an unset secret reads as (`Bearer undefined`) fails; its call without a secret
    unanswered, turned away or a server error shows nothing of the secret check: undecided beside the failure (as
    webhook has it), never one of its reasons — a waiver of the failure had covered it and the run ended 0."""
    check = make_check("cron", GUARDED)
    missing = Reply(without, 1.0) if without is not None else Reply(None, 3.0, failure="no complete answer within 3 s")
    attempts = [("without a secret", "u", missing), ("with Bearer undefined", "u", Reply(200, 1.0))]
    outcome = cron.judge(check, {check.key: attempts})
    assert outcome.status is Status.FAILED and "with Bearer undefined: accepted with 200" in outcome.observed, outcome
    assert outcome.evidence.get("undecided") and "without a secret" in outcome.evidence["undecided"][0], outcome


@pytest.mark.parametrize("params, statuses, expected", [
    (GUARDED, (429, 401), "GET /api/cron/publish rejects callers without CRON_SECRET with 400, 401 or 403"),
    (GUARDED, (None, None), "GET /api/cron/publish rejects callers without CRON_SECRET with 400, 401 or 403"),
    ({**GUARDED, "with_secret": True}, (429,), "GET /api/cron/publish with CRON_SECRET answers 200"),
    ({**GUARDED, "with_secret": True}, (None,), "GET /api/cron/publish with CRON_SECRET answers 200"),
])
def test_an_error_says_what_was_expected(params, statuses, expected):
    outcome = judged(params, *statuses)
    assert outcome.status is Status.ERROR and outcome.expected == expected, outcome


@pytest.mark.parametrize("secret, problem", [
    ("", "an empty name names no secret an environment can define"),
    (" ", "' ' names no secret an environment can define"),
    ("cron secret", "'cron secret' names no secret an environment can define"),
    ("{secret:CRON_SECRET}", "{secret:CRON_SECRET}: give the secret's name alone, not a reference to it: write"
                             " CRON_SECRET"),
])
def test_a_secret_no_environment_can_define_is_refused_at_load(secret, problem):
    """`secret: ""` passed loading, then each run said the item skips and errs at once, in words meant for the
    engine's developers: a name with a blank, or none, is a runbook typo, refused with the item's other faults."""
    with pytest.raises(ValidationError, match=re.escape(f"secret\n  Value error, {problem}")):
        load_item_params("cron", {**GUARDED, "secret": secret})


@pytest.mark.parametrize("header", ["content-length", "Transfer-Encoding", "host", "connection", "keep-alive",
                                    "proxy-connection", "te", "trailer", "upgrade", "expect"])
def test_a_header_http_itself_reads_is_refused_at_load(header):
    """The request's framing (content-length, transfer-encoding), its site (host), or its connection (hop-by-hop:
    a proxy on the way removes them; expect asks for an interim answer): a secret sent there never reaches the
    endpoint as a secret, whatever it checks."""
    with pytest.raises(ValidationError, match=f"header\n  Value error, {header.lower()} "):
        load_item_params("cron", {**GUARDED, "header": header})
    for usable in ("authorization", "x-cron-secret", "X-Cron-Secret"):
        assert load_item_params("cron", {**GUARDED, "header": usable}).header == usable


def test_a_secret_the_http_library_refuses_to_send_reads_not_sent_and_stays_unshown():
    """A secret with a trailing blank: httpx builds the request, h11 refuses to write its header
    (LocalProtocolError). Nothing went out: "not sent", naming the header, never its value."""
    from .kit import make_target, route_server

    from opsverify.engine import gather_and_judge

    secret = "cron-9f3e7a1c5b2d-trailing "
    with route_server({("GET", "/api/cron/publish"): lambda h, b: (200 if h.get("authorization") else 401, "{}")}) \
            as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"CRON_SECRET": secret}})
        try:
            outcome, = gather_and_judge(target, cron, [make_check("cron", {**GUARDED, "with_secret": True},
                                                                  mutating=True)])
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    assert "with the secret: not sent: header 'authorization' holds a value HTTP cannot carry" in outcome.observed, \
        outcome
    assert "no answer" not in outcome.observed
    shown = outcome.observed + json.dumps(outcome.evidence)
    assert secret.strip() not in shown and "9f3e7a1c5b2d" not in shown, shown
    assert outcome.expected == "GET /api/cron/publish with CRON_SECRET answers 200"


# -- a deployment whose CRON_SECRET is unset ---------------------------------------------------------------------
def _compares_with(unset_as: str, header: str = "authorization"):
    """A job comparing the header with the secret it was deployed with, which is unset: `Bearer
    ${process.env.CRON_SECRET}` reads "Bearer undefined"; `header.split(" ")[1] !== secret` lets a bare "Bearer"
    through when both are undefined. The header a random secret is sent in never matches."""
    def answer(headers, _body):
        return (200, '{"ran": true}') if headers.get(header) == unset_as else (401, '{"error": "unauthorized"}')
    return answer


def _refuses(status: int):
    return lambda _headers, _body: (status, "{}")


def _gather_and_judge(routes: dict, params: dict, *, mutating: bool = False, secret: str = "cron-9f3e7a1c5b2d"):
    from opsverify.engine import gather_and_judge

    from .kit import make_target, route_server

    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"CRON_SECRET": secret}})
        try:
            outcome, = gather_and_judge(target, cron, [make_check("cron", params, mutating=mutating)])
        finally:
            target.close()
    return outcome


UNSET_HOWS = {"with 'Bearer undefined'", "with 'Bearer null'", "with a bare 'Bearer'", "with 'Bearer None'"}


@pytest.mark.parametrize("route, status, seen", [
    (_refuses(401), Status.PASSED, "with a bare 'Bearer': 401"),
    # RFC 6750 answers a malformed credential (no token after Bearer) with 400: a refusal too
    (lambda h, b: (400 if h.get("authorization") == "Bearer" else 401, "{}"), Status.PASSED,
     "with a bare 'Bearer': 400"),
    # ... and a missing one (a framework refusing a request without the header): the job did not run
    (lambda h, b: (400 if "authorization" not in h else 401, "{}"), Status.PASSED, "without a secret: 400"),
    (_compares_with("Bearer undefined"), Status.FAILED,
     "with 'Bearer undefined': accepted with 200: CRON_SECRET is probably unset in the deployment"),
    (_compares_with("Bearer null"), Status.FAILED, "with 'Bearer null': accepted with 200"),
    (_compares_with("Bearer"), Status.FAILED, "with a bare 'Bearer': accepted with 200"),
    # Python's f"Bearer {os.getenv('CRON_SECRET')}": an unset variable reads as None
    (_compares_with("Bearer None"), Status.FAILED,
     "with 'Bearer None': accepted with 200: CRON_SECRET is probably unset in the deployment"),
])
def test_the_secret_an_unset_variable_becomes_is_refused(route, status, seen):
    """A random wrong secret is refused by a job whose own secret is unset too: only what an unset secret reads as
    shows it. These are sent where the item's other rejected requests are (prod too, for a GET)."""
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): route}, GUARDED)
    assert outcome.status is status and seen in outcome.observed, outcome
    assert set(outcome.evidence) == {"without a secret", cron.PLAIN, "with a wrong secret", cron.NEAR_MISS,
                                     cron.CUT_SHORT,
                                     cron.CUT_SHORT_CHANGED, cron.CUT_AT_START, cron.CUT_AT_START_CHANGED,
                                     *UNSET_HOWS}, \
        outcome.evidence


@pytest.mark.parametrize("unset_as, status, seen", [
    ("never sent", Status.PASSED, "with x-cron-secret: null: 401"),
    ("undefined", Status.FAILED, "with x-cron-secret: undefined: accepted with 200"),
    ("null", Status.FAILED, "with x-cron-secret: null: accepted with 200"),
    ("", Status.FAILED, "with x-cron-secret empty: accepted with 200: CRON_SECRET is probably unset"),
    ("None", Status.FAILED, "with x-cron-secret: None: accepted with 200: CRON_SECRET is probably unset"),
])
def test_a_custom_header_gets_the_unset_values_raw(unset_as, status, seen):
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _compares_with(unset_as, "x-cron-secret")},
                                {**GUARDED, "header": "x-cron-secret"})
    assert outcome.status is status and seen in outcome.observed, outcome
    assert set(outcome.evidence) == {"without a secret", cron.PLAIN, "with a wrong secret", cron.NEAR_MISS,
                                     cron.CUT_SHORT,
                                     cron.CUT_SHORT_CHANGED, cron.CUT_AT_START, cron.CUT_AT_START_CHANGED,
                                     "with x-cron-secret: undefined",
                                     "with x-cron-secret: null", "with x-cron-secret empty",
                                     "with x-cron-secret: None"}, outcome.evidence


# -- a job trusting the scheduler's User-Agent ---------------------------------------------------------------------
def _trusts_the_schedulers_user_agent(secret: str, *, alone: bool):
    """`if (req.headers["user-agent"] === "vercel-cron/1.0") return run();` — instead of its secret (`alone`), or as
    well as it: anyone sends that header."""
    def check(headers, _body):
        from_scheduler = headers.get("user-agent") == "vercel-cron/1.0"
        with_secret = headers.get("authorization") == f"Bearer {secret}"
        takes = from_scheduler if alone else from_scheduler or with_secret
        return (200, '{"ran": true}') if takes else (401, '{"error": "unauthorized"}')
    return check


@pytest.mark.parametrize("alone", [True, False], ids=["instead-of-the-secret", "as-well-as-the-secret"])
def test_a_job_trusting_the_schedulers_user_agent_fails(alone):
    """Vercel calls a cron job with `User-Agent: vercel-cron/1.0`; a job that takes that header as the scheduler's
    word takes anyone's call. Every request without the secret says it: each is taken, and the item fails."""
    secret = "cron-9f3e7a1c5b2d"
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _trusts_the_schedulers_user_agent(secret, alone=alone)},
                                GUARDED, secret=secret)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(
        "without a secret: accepted with 200: the endpoint checks no CRON_SECRET, or trusts the headers Vercel's"
        " scheduler calls with (user-agent: vercel-cron/1.0, x-vercel-cron: 1, x-vercel-cron-schedule: 0 0 * * *),"
        " which anyone can send;"), outcome.observed
    # every request made as the scheduler's is taken; the plain one, no secret and none of its headers, refused
    assert {how: answer["status"] for how, answer in outcome.evidence.items() if answer["status"] != 200} == {
        cron.PLAIN: 401}, outcome.evidence


def test_only_the_job_run_with_the_secret_keeps_the_suites_own_user_agent():
    """The job's call with its secret is the suite's own (`opsverify` in the job's logs); each without it is made as
    the scheduler's — but where the item's `header` is the User-Agent itself, whose value is what is sent."""
    seen: list[tuple[str, str]] = []

    def records(headers, _body):
        seen.append((headers.get("user-agent", ""), headers.get("authorization", "")))
        return (200, '{"ran": true}') if headers.get("authorization") == "Bearer cron-9f3e7a1c5b2d" else (401, "{}")

    route = {("GET", "/api/cron/publish"): records}
    assert _gather_and_judge(route, {**GUARDED, "with_secret": True}, mutating=True).status is Status.PASSED
    assert seen == [("opsverify", "Bearer cron-9f3e7a1c5b2d")], seen
    seen.clear()
    assert _gather_and_judge(route, GUARDED).status is Status.PASSED
    assert len(seen) == 12 and sorted({agent for agent, _ in seen}) == ["opsverify", "vercel-cron/1.0"], seen
    assert [agent for agent, _ in seen].count("opsverify") == 1, seen  # the plain call, as anyone makes it
    seen.clear()
    _gather_and_judge(route, {**GUARDED, "header": "user-agent"})
    agents = [agent for agent, _ in seen]  # the call without a secret alone made as the scheduler's
    assert agents.count("vercel-cron/1.0") == 1 and "undefined" in agents and len(agents) == 12, seen


# -- what the job says of its run ---------------------------------------------------------------------------------
def _job_says(text: str):
    return lambda headers, _body: (200, text) if headers.get("authorization") == "Bearer cron-9f3e7a1c5b2d" \
        else (401, "{}")


@pytest.mark.parametrize("answer, rules, status, seen", [
    ('{"ok": true, "published": 3}', {"json": {"ok": True}}, Status.PASSED, "status 200"),
    ('{"ok":false,"error":"job failed"}', {"json": {"ok": True}}, Status.FAILED, "ok = false"),
    ('{"ok":false,"error":"job failed"}', {"body_excludes": ["job failed"]}, Status.FAILED,
     "body contains 'job failed'"),
    ('{"ok":false,"error":"\\u00e9chec de la t\\u00e2che"}', {"body_excludes": ["échec"]}, Status.FAILED,
     "body contains 'échec' in the JSON string at character 20"),
    ('{"published": 0}', {"json_min": {"published": 1}}, Status.FAILED, "published = 0"),
    ("<html>done</html>", {"json_has": ["published"]}, Status.FAILED, "body is not JSON"),
    ('{"ok": true, "ok": false}', {"json": {"ok": True}}, Status.ERROR, "names the key \"ok\" twice"),
    # a text naming a key the answer gives twice: JSON.parse, Python and Go read this job's answer as ok=false
    ('{"ok":true,"published":0,"ok":false,"error":"job failed"}', {"body_includes": ['"ok":true']}, Status.ERROR,
     '\'"ok":true\' was not judged: a JSON object names the key "ok" twice'),
    ('{"ok":true,"published":1,"published":2}', {"body_includes": ['"ok":true']}, Status.PASSED, "status 200"),
    # ... or one it may give twice beside an integer Python does not read (JSON.parse reads ok=false)
    ('{"ok":true,"published":' + "1" * 5000 + ',"ok":false}', {"body_includes": ['"ok":true']}, Status.ERROR,
     'could not be read whole (JSON holds an integer of more than'),
    ('{"ok":true,"published":3}', {"body_includes": ['"ok":true']}, Status.PASSED, "status 200"),
])
def test_the_body_of_a_job_run_is_judged_as_http_judges_one(answer, rules, status, seen):
    """A job that failed may say so in a 200's body: judged by the http family's body rules."""
    params = {**GUARDED, "with_secret": True, **rules}
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _job_says(answer)}, params, mutating=True)
    assert outcome.status is status and seen in outcome.observed, outcome
    assert outcome.expected.startswith("GET /api/cron/publish with CRON_SECRET answers 200, "), outcome.expected


@pytest.mark.parametrize("params, problem", [
    ({**GUARDED, "json": {"ok": True}}, "json: the body of a job run is judged with with_secret: true only"),
    ({**GUARDED, "with_secret": True, "body_excludes": []}, "body_excludes given empty"),
    ({**GUARDED, "with_secret": True, "method": "HEAD", "json": {"ok": True}}, "a HEAD answer has no body"),
    ({**GUARDED, "with_secret": True, "json_has": {"n": None}}, "quote the type"),
    ({**GUARDED, "with_secret": True, "json_min": {"n": 5}, "json_max": {"n": 1}}, "above its json_max"),
    ({**GUARDED, "with_secret": True, "max_latency_ms": 100}, "Extra inputs"),
])
def test_body_rules_are_refused_where_http_refuses_them(params, problem):
    with pytest.raises(ValidationError, match=problem):
        make_check("cron", params, mutating=True)


# each rule refused where http refuses it, as `json` names it and as its field's name (`json_fields`) does: the
# loader takes both spellings, so both are checked at load, before the job is called
@pytest.mark.parametrize("rule, problem", [
    ({"db.*": {"ok": True}}, "json: db.* is a glob with an object value"),
    ({}, "json given empty"),
    ({"at": datetime.date(2026, 1, 1)}, "json: at expects a date"),
    ({"n": float("nan")}, "json: n expects a value that is not a finite number"),
])
@pytest.mark.parametrize("spelling", ["json", "json_fields"])
def test_a_json_rule_is_refused_at_load_whichever_name_it_is_written_under(spelling, rule, problem):
    with pytest.raises(ValidationError, match=re.escape(problem)):
        make_check("cron", {**GUARDED, "with_secret": True, spelling: rule}, mutating=True)
    with pytest.raises(ValidationError, match="a HEAD answer has no body: json need GET"):
        make_check("cron", {**GUARDED, "with_secret": True, "method": "HEAD", spelling: {"ok": True}}, mutating=True)
    with pytest.raises(ValidationError, match="json: the body of a job run is judged with with_secret: true only"):
        make_check("cron", {**GUARDED, spelling: {"ok": True}})


def test_a_json_rule_under_its_fields_name_is_refused_before_any_request_is_sent(tmp_path):
    """A bad rule written as `json_fields` (the name the loader also takes for `json`) was checked only when judged:
    the job ran with its secret, the signed delivery went, and the item ended as an internal error. Refused at load,
    one line an item, as `json` is, and nothing is sent."""
    from opsverify import exitcodes

    from .kit import route_server
    from .project import Project

    sent = []

    def answers(headers, _body):
        sent.append(headers)
        return 200, '{"ok": true}'

    with route_server({("GET", "/api/cron/run"): answers, ("HEAD", "/api/cron/run"): answers,
                       ("POST", "/hook"): answers}) as base:
        project = Project(tmp_path, {"WEB_URL": base, "CRON_SECRET": "cron-" + "9f3e7a1c5b2d",
                                     "STRIPE_WEBHOOK_SECRET": "whsec_" + "0123456789abcdef"})
        project.checklist("shop", """
        - {id: C1, name: globbed, section: Cron, title: t, family: cron, cadence: postdeploy, mutating: true,
           params: {service: web, path: /api/cron/run, secret: CRON_SECRET, with_secret: true,
                    json_fields: {"db.*": {ok: true}}}}
        - {id: C2, name: head, section: Cron, title: t, family: cron, cadence: postdeploy, mutating: true,
           params: {service: web, path: /api/cron/run, secret: CRON_SECRET, with_secret: true, method: HEAD,
                    json_fields: {ok: true}}}
        - {id: C3, name: empty, section: Cron, title: t, family: cron, cadence: postdeploy, mutating: true,
           params: {service: web, path: /api/cron/run, secret: CRON_SECRET, with_secret: true, json_fields: {}}}
        - {id: W1, name: globbed, section: Hooks, title: t, family: webhook, cadence: postdeploy, mutating: true,
           params: {service: web, path: /hook, scheme: stripe, signed_with: "{secret:STRIPE_WEBHOOK_SECRET}",
                    json_fields: {"db.*": {ok: true}}}}
        - {id: W2, name: empty, section: Hooks, title: t, family: webhook, cadence: postdeploy, mutating: true,
           params: {service: web, path: /hook, scheme: stripe, signed_with: "{secret:STRIPE_WEBHOOK_SECRET}",
                    json_fields: {}}}
        """)
        project.environment("""
        allow_mutating: true
        timeouts: {connect_s: 2, http_s: 3}
        systems: {shop: {services: {web: {url: "${WEB_URL}"}},
                         secrets: {CRON_SECRET: "${CRON_SECRET}", STRIPE_WEBHOOK_SECRET: "${STRIPE_WEBHOOK_SECRET}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert sent == [], sent
    said = ran.output.replace("Value error, ", "")
    for line in ("C1-globbed: params: json: db.* is a glob with an object value",
                 "C2-head: params: a HEAD answer has no body: json need GET",
                 "C3-empty: params: json given empty: name what to check, or leave it out",
                 "W1-globbed: params: json: db.* is a glob with an object value",
                 "W2-empty: params: json given empty: name what to check, or leave it out"):
        assert line in said, said[-3000:]
    assert "ValidationError" not in said and "internal error" not in said, said[-3000:]


def test_the_bound_counts_every_request_an_item_sends():
    """Twelve requests for an item without the secret (none, as the scheduler and as anyone, a wrong one, the near
    miss, the secret cut short at its end and at its start, each as is and changed, four unset values), one with it:
    16 go at once, so two of the first are two waves, and four are three."""
    from .kit import make_target

    target = make_target({"services": {"app": {"url": "http://127.0.0.1:9"}}}, timeouts={"connect_s": 2, "http_s": 5})
    without = [make_check("cron", GUARDED, name=f"n{i}") for i in range(4)]
    # then each request turned away for now asked again: a round per request of an item, each a capped wait and one
    # wave of the items' requests
    retry = 5.0 + 5
    assert cron.bound(target, without[:1]) == 2 + 5 + 12 * retry  # 12 requests: one wave
    assert cron.bound(target, without[:2]) == 2 + 5 * 2 + 12 * retry  # 24 requests: two
    assert cron.bound(target, without) == 2 + 5 * 3 + 12 * retry  # 48: three; a round asks each item's again at once
    # the job run is never asked again (it may have run), nor are a mutating item's requests
    assert cron.bound(target, [make_check("cron", {**GUARDED, "with_secret": True}, mutating=True)]) == 2 + 5
    assert cron.bound(target, [make_check("cron", {**GUARDED, "method": "POST"}, mutating=True)]) == 2 + 5


def test_an_endpoint_that_takes_any_caller_is_not_said_to_have_an_unset_secret():
    check = make_check("cron", GUARDED)
    hows = ["without a secret", "with a wrong secret", *cron.unset_values("authorization")]
    outcome = cron.judge(check, {check.key: [(how, "u", Reply(200, 1.0)) for how in hows]})
    assert outcome.status is Status.FAILED and "with 'Bearer null': accepted with 200" in outcome.observed
    assert "probably unset" not in outcome.observed, outcome.observed


# -- an endpoint behind a rate limit: the requests sent together are turned away for now ---------------------------
def _rate_limited(answer, params: dict, *, mutating: bool = False, **limit):
    from opsverify.engine import gather_and_judge

    from .kit import make_target
    from .test_webhook import rate_limited

    with rate_limited(answer, **limit) as (base, seen):
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"CRON_SECRET": "cron-9f3e7a1c5b2d"}})
        try:
            outcome, = gather_and_judge(target, cron, [make_check("cron", params, mutating=mutating)])
        finally:
            target.close()
    return outcome, sorted(seen.values())


def test_a_rate_limited_endpoint_is_asked_again_after_its_retry_after():
    """Twelve requests go together; a rate limit of two turns ten away with 429 (Retry-After: 1). Each is asked
    once more after the wait it names, one at a time: the endpoint refuses them all, as it should: a pass."""
    outcome, tries = _rate_limited(_refuses(401), GUARDED)
    assert outcome.status is Status.PASSED, outcome
    assert all(answer["status"] == 401 for answer in outcome.evidence.values()), outcome.evidence
    assert tries == [1, 1] + [2] * 10


def test_an_unset_secret_behind_a_rate_limit_still_fails(monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    outcome, tries = _rate_limited(_compares_with("Bearer undefined"), GUARDED)
    assert outcome.status is Status.FAILED, outcome
    assert "with 'Bearer undefined': accepted with 200: CRON_SECRET is probably unset" in outcome.observed, outcome


@pytest.mark.parametrize("retry_after, status", [("2", 429), (None, 429), ("0", 503), ("3600", 503)])
def test_the_job_run_turned_away_is_not_asked_again(monkeypatch, retry_after, status):
    """A 503, or a 429, does not show the job did not run: called again with the secret, it might run twice. Not
    seen whether it runs: an error naming what was seen, and that it was not asked again."""
    monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail("waited"))
    outcome, tries = _rate_limited(_job_says('{"ok": true}'), {**GUARDED, "with_secret": True}, mutating=True,
                                   let_through=0, retry_after=retry_after, status=status)
    assert tries == [1]
    assert outcome.status is Status.ERROR, outcome
    said = f"with the secret: {status} ({'rate-limited' if status == 429 else 'unavailable'}" + (
        f"; Retry-After: {retry_after})" if retry_after else ")")
    assert said in outcome.observed, outcome.observed
    assert outcome.observed.endswith("whether the job runs was not seen; not asked again: the call may have run the "
                                     "job"), outcome.observed


def test_the_requests_of_a_mutating_item_are_not_asked_again(monkeypatch):
    """A POST without the secret runs the job of an endpoint that checks none: an item marked mutating sends each
    request once, turned away or not."""
    monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail("waited"))
    outcome, tries = _rate_limited(_refuses(401), {**GUARDED, "method": "POST"}, mutating=True, let_through=0)
    assert tries == [1] * 12
    assert outcome.status is Status.ERROR, outcome
    assert "with a wrong secret: 429 (rate-limited)" in outcome.observed, outcome.observed
    assert outcome.observed.endswith("not asked again: the item is mutating, and a job that checks no secret runs on "
                                     "each"), outcome.observed


def test_a_method_in_lower_case_says_how_to_write_it():
    with pytest.raises(ValidationError, match="method\n  Value error, write POST in capitals"):
        load_item_params("cron", {**GUARDED, "method": "post"}, mutating=True)
    with pytest.raises(ValidationError, match="method\n  Value error, 'GE T' is not an HTTP method"):
        load_item_params("cron", {**GUARDED, "method": "GE T"})


def test_a_request_turned_away_twice_is_not_judged(monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    outcome, tries = _rate_limited(_refuses(429), GUARDED)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("with a bare 'Bearer': 429 (rate-limited): whether it checks CRON_SECRET was not "
                                     "seen; each turned away for now (429, or 503 with Retry-After) was asked again "
                                     "once, after the wait it names (at most 5 s)"), outcome.observed
    assert tries == [2] * 12


def test_a_503_naming_no_wait_is_not_asked_again(monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: pytest.fail("waited"))
    outcome, tries = _rate_limited(_refuses(401), GUARDED, retry_after=None, status=503)
    assert outcome.status is Status.ERROR and "503 (server error)" in outcome.observed, outcome
    assert "asked again" not in outcome.observed and tries == [1] * 12


# -- a head that came, then a body that did not ----------------------------------------------------------------
def _head_only_outcome(status: int, params: dict, *, mutating: bool = False):
    from opsverify.engine import gather_and_judge

    from .kit import make_target, serving
    from .test_http_transport_failures import head_only

    with serving(head_only(status)) as port:
        target = make_target({"services": {"app": {"url": f"http://127.0.0.1:{port}"}},
                              "secrets": {"CRON_SECRET": "cron-9f3e7a1c5b2d"}}, timeouts={"connect_s": 2, "http_s": 5})
        try:
            outcome, = gather_and_judge(target, cron, [make_check("cron", params, mutating=mutating)])
        finally:
            target.close()
    return outcome


@pytest.mark.parametrize("status, verdict, seen", [
    (200, Status.FAILED, "without a secret: accepted with 200 (its body could not be read: RemoteProtocolError: "),
    (401, Status.ERROR, "could not look: without a secret: 401, but its body could not be read: "),
], ids=["accepted", "refused"])
def test_a_call_answered_with_a_head_whose_body_is_cut_short_is_judged_by_its_status_only_if_accepted(
        status, verdict, seen):
    """A 200 head to a call without the secret: the job took it, whatever became of the body. A refusal whose
    body was cut short is no whole answer: not judged."""
    outcome = _head_only_outcome(status, GUARDED)
    assert outcome.status is verdict and seen in outcome.observed, outcome
    assert outcome.evidence["without a secret"]["status"] == status, outcome.evidence


def test_a_job_run_whose_body_is_cut_short_is_never_judged_on_the_part_read():
    """With the secret the answer's body is judged: a body cut short is none, whatever its head said."""
    outcome = _head_only_outcome(200, {**GUARDED, "with_secret": True, "body_excludes": ["error"]}, mutating=True)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: with the secret: "), outcome.observed


def _cron_and_http(tmp_path, http_item: str):
    from opsverify.checklist import load_checklists

    folder = tmp_path / "checklists"
    folder.mkdir(parents=True)
    (folder / "shop.yaml").write_text(
        "system: shop\nrunbook: r\nitems:\n"
        "  - {id: C1, name: job, section: s, title: t, family: cron, cadence: postdeploy, mutating: true,"
        " params: {service: web, path: /api/cron/sync, secret: CRON_SECRET, with_secret: true}}\n" + http_item)
    return load_checklists(folder)


@pytest.mark.parametrize("path", ["/api/cron/sync", "/api/cron/sync/", "/api/cron/sync?dry=1", "/api/cron/./sync",
                                  "/api/cron/x/../sync", "//api//cron/sync", "/api/cron/%73ync", "/API/cron/sync",
                                  "/api/cron/sync;x=1", "/api\\cron\\sync", "/api/cron/sync."])
def test_an_http_item_sending_the_cron_secret_to_the_job_must_be_marked_mutating(tmp_path, path):
    """A GET with the job's secret runs the job (Vercel's crons are GETs): an http item doing so in prod, not marked
    mutating, ran it where the environment forbids mutating items. Refused at load, naming the cron item."""
    from opsverify.errors import ConfigError

    item = ("  - {id: H1, name: probe, section: s, title: t, family: http, cadence: postdeploy, params: {service: web,"
            f" path: '{path}', headers: {{authorization: 'Bearer {{secret:CRON_SECRET}}'}}}}}}\n")
    with pytest.raises(ConfigError) as raised:
        _cron_and_http(tmp_path, item)
    assert ("H1-probe: it sends CRON_SECRET to web " + path + ", with which C1-job (cron) calls the job: a request"
            " carrying it runs the job; mark it mutating: true") in raised.value.message, raised.value.message
    marked = item.replace("cadence: postdeploy,", "cadence: postdeploy, mutating: true,")
    assert [c.key for c in _cron_and_http(tmp_path / "marked", marked)] == ["C1-job", "H1-probe"]


@pytest.mark.parametrize("path", ["/api/cron/sync", "/API/cron/sync/", "/api/cron/%73ync?x=1"])
def test_a_webhook_item_posting_to_the_jobs_path_must_be_marked_mutating(tmp_path, path):
    """A webhook item's deliveries are POSTs, sent unmarked because a webhook endpoint rejects them unread; at a cron
    item's path they reached a job that runs on any POST, in prod, where the cron item's own POST was refused."""
    from opsverify.errors import ConfigError

    item = ("  - {id: W1, name: hook, section: s, title: t, family: webhook, cadence: postdeploy, params: {service:"
            f" web, path: '{path}', scheme: stripe}}}}\n")
    with pytest.raises(ConfigError) as raised:
        _cron_and_http(tmp_path, item)
    assert (f"W1-hook: its deliveries POST to web {path}, with which C1-job (cron) calls a job: a POST there may run"
            " it; mark it mutating: true") in raised.value.message, raised.value.message
    marked = item.replace("cadence: postdeploy,", "cadence: postdeploy, mutating: true,")
    assert [c.key for c in _cron_and_http(tmp_path / "marked", marked)] == ["C1-job", "W1-hook"]
    elsewhere = item.replace(path, "/api/webhooks/stripe")
    assert [c.key for c in _cron_and_http(tmp_path / "elsewhere", elsewhere)] == ["C1-job", "W1-hook"]


def test_an_http_item_with_another_secret_or_path_is_not_the_jobs_call(tmp_path):
    items = ("  - {id: H1, name: other-path, section: s, title: t, family: http, cadence: postdeploy, params: {service:"
             " web, path: /api/admin, headers: {authorization: 'Bearer {secret:CRON_SECRET}'}}}\n"
             "  - {id: H2, name: other-secret, section: s, title: t, family: http, cadence: postdeploy, params:"
             " {service: web, path: /api/cron/sync, headers: {authorization: 'Bearer {secret:ADMIN_TOKEN}'}}}\n")
    assert len(_cron_and_http(tmp_path, items)) == 3


# -- a check of only part of the secret ----------------------------------------------------------------------------
@pytest.mark.parametrize("secret, almost", [
    ("cron-9f3e7a1c5b2d", "cron-9f3e7a1c5b3d"), ("cron-secret-9", "cron-secret99"), ("CRON_SECRET_ZZ", "CRON_SECRET_CZ"),
    ("cron-secret-za", "cron-secret-aa"), ("cron-secret_x", "cron-secret-x"), ("cronsecretkey==", "cronsecretkky=="),
    ("cron.secret.k", "cron.secretck"), ("abc+d", "abcad"), ("abc/d", "abcad"), ("ab-c+d", "ab-cad"),
    # a hex secret stays hex ('f' is followed by no letter it holds: round to the first), digits stay digits
    ("9c1e5a7b3d2f4e6a9ff0", "9c1e5a7b3d2f4e6a9fa0"), ("4242424242", "4242424222"),
    # one character throughout: none other held, the next of its kind
    ("aaaaaaaa", "aaaaaaba"), ("........", "......a."),
])
def test_the_near_miss_is_the_secret_with_its_next_to_last_character_changed_for_another_it_holds(secret, almost):
    assert cron.near_miss(secret) == almost


@pytest.mark.parametrize("alphabet, make", [
    ("0123456789abcdef", lambda random: random.token_hex(32)),
    ("0123456789ABCDEF", lambda random: random.token_hex(32).upper()),
    ("0123456789", lambda random: "".join(random.choice("0123456789") for _ in range(24))),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
     lambda random: __import__("base64").b64encode(random.token_bytes(32)).decode()),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
     lambda random: random.token_urlsafe(32)),
])
def test_the_near_miss_keeps_the_secrets_alphabet(alphabet, make):
    """A hex secret's near miss whose `f` became `g` was no longer hex: a correct endpoint decoding the key (Node's
    Buffer.from(token, 'hex') stops at the `g`) crashed on it alone, and the item was an error. Its character is one
    the secret holds."""
    import secrets as random

    for _ in range(200):
        secret = make(random)
        almost = cron.near_miss(secret)
        assert len(almost) == len(secret) and set(almost) <= set(secret) <= set(alphabet), (secret, almost)
        assert sum(a != b for a, b in zip(almost, secret)) == 1, (secret, almost)
        assert cron.near_miss(secret) == almost  # the same every run: nothing random in it


def test_a_job_decoding_a_hex_secret_refuses_its_near_miss_and_passes():
    """`crypto.timingSafeEqual(Buffer.from(token, 'hex'), key)` behind a guard on the token's length: it refuses every
    token of the secret's alphabet, and threw (500) on a near miss that was not hex."""
    secret = "9c1e5a7b3d2f4e6a8b0c1d3e5f7a9b1c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9ff0"  # its next-to-last character an f

    def decodes_hex(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if len(token) != len(secret):
            return 401, '{"error": "unauthorized"}'
        try:
            given = bytes.fromhex(token)
        except ValueError:
            return 500, "RangeError: Input buffers must have the same byte length"
        return (200, '{"ran": true}') if given == bytes.fromhex(secret) else (401, '{"error": "unauthorized"}')

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): decodes_hex}, GUARDED, secret=secret)
    assert outcome.status is Status.PASSED and f"{cron.NEAR_MISS}: 401" in outcome.observed, outcome


def test_the_near_miss_of_a_base64url_key_decodes_to_another_key():
    """base64's last character may hold bits a decoder drops: the 43rd of token_urlsafe(32) holds two, so a near miss
    changed there decoded to the very key for about 3 secrets in 4, and an endpoint comparing the decoded key in
    constant time took it — a false failure ("compares only part of CRON_SECRET")."""
    import base64
    import secrets as random

    def key(token: str) -> bytes:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    for _ in range(200):
        token = random.token_urlsafe(32)
        assert key(cron.near_miss(token)) != key(token), token
    # standard base64: a decoder reading both alphabets (Node's Buffer.from(s, 'base64'), Python's urlsafe_b64decode
    # of a std secret) reads `+` as `-` and `/` as `_`: a `+` changed to `-` was the key itself
    for token in ("ab+d" * 11, "ab/d" * 11, "ab+=", "ab/="):
        lenient = token.replace("+", "-").replace("/", "_")
        assert key(cron.near_miss(token).replace("+", "-").replace("/", "_")) != key(lenient), token


LENGTH_ONLY = "/api/cron/length-only"
PREFIX_ONLY = "/api/cron/prefix-only"


def _compares_part_of(secret: str):
    """Two common hand-made checks: the token's length only, or its first 8 characters only. Each refuses no
    header and every unset value; the first takes a random secret as long as the secret."""
    def answer(path):
        def check(headers, _body):
            token = headers.get("authorization", "").removeprefix("Bearer ")
            takes = len(token) == len(secret) if path == LENGTH_ONLY else token[:8] == secret[:8] and len(token) > 8
            return (200, '{"ran": true}') if takes else (401, '{"error": "unauthorized"}')
        return check
    return {("GET", path): answer(path) for path in (LENGTH_ONLY, PREFIX_ONLY)}


NEAR_MISS_TAKEN = (f"{cron.NEAR_MISS}: accepted with 200: the endpoint compares only part of CRON_SECRET (its length,"
                   " or its first characters)")
CUT_SHORT_TAKEN = (f"{cron.CUT_SHORT}: accepted with 200: the endpoint takes a part of CRON_SECRET (it compares only as"
                   " many characters as it is given: the secret can be found one character at a time)")



WRONG_SECRET_TAKEN = ("with a wrong secret: accepted with 200: the endpoint checks only the token's length or form,"
                      " not CRON_SECRET itself (a random one as long, of its alphabet)")
CUT_SHORT_CHANGED_TAKEN = (f"{cron.CUT_SHORT_CHANGED}: accepted with 200: the endpoint compares only part of"
                           " CRON_SECRET (its first characters)")


@pytest.mark.parametrize("path, seen", [
    # the cut secret with its middle (9th of 16) character changed: the length check refuses it (it is shorter), the
    # check of the first 8 takes it
    (LENGTH_ONLY, f"{WRONG_SECRET_TAKEN}; {NEAR_MISS_TAKEN}"),
    (PREFIX_ONLY, f"{NEAR_MISS_TAKEN}; {CUT_SHORT_TAKEN}; {CUT_SHORT_CHANGED_TAKEN}")])
def test_an_endpoint_comparing_part_of_the_secret_fails(path, seen):
    """A random wrong secret is as long as the secret and shares no prefix with it: a check of the length alone takes
    it, a check of the first characters only a near miss of the secret itself. It is named in words, never shown."""
    secret = "cron-9f3e7a1c5b2d"  # 17 characters: not the random one's 32
    outcome = _gather_and_judge({**_compares_part_of(secret), ("GET", "/api/cron/publish"): _refuses(401)},
                                {**GUARDED, "path": path})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == seen, outcome.observed
    assert "with CRON_SECRET but for its next-to-last character" in outcome.expected, outcome.expected
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert cron.near_miss(secret) not in shown and secret not in shown and secret[:8] not in shown, shown
    correct = _gather_and_judge({("GET", "/api/cron/publish"): _refuses(401)}, GUARDED)
    assert correct.status is Status.PASSED and f"{cron.NEAR_MISS}: 401" in correct.observed, correct
    assert f"{cron.CUT_SHORT}: 401" in correct.observed and "unsent" not in correct.observed, correct
    assert cron.PARTS_UNSENT not in correct.observed and cron.CUT_SHORT_UNSENT not in correct.observed


HEX_KEY = "9c1e5a7b3d2f4e6a8b0c1d3e5f7a9b1c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9fa0"  # openssl rand -hex 32
BASE64URL_16 = "Xk3vT9qLm2Z7wR4pN8sYbA"  # token_urlsafe(16): 22 characters
BASE64URL_32 = "v8kp-YkHR-2SJywuytWLYQeklE4T1LGz10KbCCTmXsg"  # token_urlsafe(32): 43 characters
BASE64_32 = "q1lC0m2XfJ7b3Yk8sR9tVwZpA4uE6nH5dG+/LxMoIaQ="  # openssl rand -base64 32: 44 characters, one `=`
BASE32_20 = "HJ7RTQXELMENN4NCTQ36QC2NL5RKSHB6"  # a 20-byte base32 key (a TOTP seed's shape): 32 characters


@pytest.mark.parametrize("secret, part", [
    ("cron-9f3e7a1c5b2d", "cron-9f3e7a1c5b2"), ("cronsecretkey==", "cronsecr"), ("Zq3vT9kLm2X=", "Zq3vT9kL"),
    ("abcdefghi", "abcdefgh"), ("abcdefghijklmnop", "abcdefgh"),
    # 8 or fewer: no whole group of 8 as long as the redactor masks, so an even length (a hex key's whole bytes)
    ("abcdefg", "abcdef"), ("abcdefgh", "abcdef"), ("abcdef", None), ("abcdefg=", "abcdef"), ("abcdef==", None),
    # a multiple of 8: whole groups of hex, base64 and base32, no padding wanted, no bits left over
    (HEX_KEY, HEX_KEY[:56]), (BASE64URL_16, BASE64URL_16[:16]), (BASE64URL_32, BASE64URL_32[:40]),
    (BASE64_32, BASE64_32[:40]), (BASE32_20, BASE32_20[:24]),
])
def test_the_secret_cut_short_is_its_longest_part_of_whole_groups_of_8_without_padding(secret, part):
    """A decoder reads the key without its `=` padding: left off alone, the key itself. The part is a multiple of 8
    characters (one to eight off): every strict decoder reads it. Where that is shorter than the redactor masks, an
    even length; shorter still, it is not made (it could not be kept out of an echo)."""
    assert cron.cut_short(secret) == part


@pytest.mark.parametrize("key_bytes", [16, 31, 32, 33])
def test_the_secret_cut_short_decodes_to_fewer_bytes_than_the_key(key_bytes):
    """An endpoint comparing the decoded key (in constant time) refuses it, however leniently it decodes (the
    whole bytes its characters hold): no false failure. Its padding alone left off, it would decode to the key."""
    import base64
    import secrets as random

    key = random.token_bytes(key_bytes)
    for token, bits in ((base64.b64encode(key).decode(), 6), (base64.urlsafe_b64encode(key).decode().rstrip("="), 6),
                        (key.hex(), 4)):
        assert len(cron.cut_short(token)) * bits // 8 < key_bytes, token


def _encodings(key: bytes):
    """The key as tools write it, each with a strict decoder: hex, padded base64, unpadded base64url, padded base32."""
    import base64

    return ((key.hex(), _strict_hex), (base64.b64encode(key).decode(), _strict_base64),
            (base64.urlsafe_b64encode(key).decode().rstrip("="), _canonical_base64url),
            (base64.b32encode(key).decode(), _strict_base32))


@pytest.mark.parametrize("key_bytes", [16, 20, 31, 32, 33])
def test_the_secret_cut_short_is_read_by_strict_decoders_as_the_keys_first_bytes(key_bytes):
    """A job decoding its token strictly (padding wanted, no stray bits, whole groups of base32) and taking a prefix
    of the key takes the cut secret: it is whole groups, no padding wanted. An even length was refused. Its twin,
    changed in its middle, decodes to no prefix of the key."""
    import secrets as random

    key = random.token_bytes(key_bytes)
    for token, decode in _encodings(key):
        part = cron.cut_short(token)
        assert key.startswith(decode(part)) and len(decode(part)) < key_bytes, token
        twin = cron.changed_inside(part, token, at_end=True)
        assert len(twin) == len(part) and not key.startswith(decode(twin)), token


@pytest.mark.parametrize("secret", ["cron_9f3e7a1c5b2d4e6f8a0b2c4d6e8f0a1b", "sk_live_51HqLyjWDarjtT1zdp7dc",
                                    "9f3e7a1c5b2d4e6f8a0b2c4d6e8f0a1b_prod", BASE64_32, BASE32_20])
def test_the_twins_of_the_cut_secret_keep_what_a_job_checks_of_its_form(secret):
    """Changed in their middle: a check of a fixed prefix or suffix (`cron_`, `sk_live_`, `_prod`) reads each twin as
    it reads its cut value — changed at its first character, the twin lost the prefix the cut one kept, and a job
    refusing it there while crashing on the cut one's length read as having taken the cut one. Yet neither is what the
    secret begins or ends with."""
    for part, belongs, at_end in ((cron.cut_short(secret), secret.startswith, True),
                                  (cron.cut_at_start(secret), secret.endswith, False)):
        twin = cron.changed_inside(part, secret, at_end=at_end)
        unpadded = part.rstrip("=")
        # the cut secret's twin keeps all it begins with; the one cut at the start all it ends with
        kept = twin[:len(unpadded) - 1] == part[:len(unpadded) - 1] if at_end else twin[1:] == part[1:]
        assert len(twin) == len(part) and kept, (part, twin)
        assert sum(a != b for a, b in zip(twin, part)) == 1 and belongs(part) and not belongs(twin), part


def _takes_what_the_secret_starts_with(secret: str, shortest: int = 1):
    """`CRON_SECRET.startsWith(token)` behind a guard refusing no token, an empty one and the unset values: it refuses
    no secret, a random one and the near miss, and takes every part the secret begins with (`shortest` at least)."""
    def check(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        takes = token not in ("", "Bearer", "undefined", "null") and len(token) >= shortest and secret.startswith(token)
        return (200, '{"ran": true}') if takes else (401, '{"error": "unauthorized"}')
    return check


@pytest.mark.parametrize("shortest", [1, 12])
def test_an_endpoint_taking_a_part_the_secret_starts_with_fails(shortest):
    """Found one character at a time: only a part of the secret itself shows it (the near miss is as long as the
    secret, and differs before its end). The longest part is sent, so a guard wanting a token of some length does
    not hide it. Named in words, never shown."""
    secret = "cron-9f3e7a1c5b2d"
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _takes_what_the_secret_starts_with(secret, shortest)},
                                GUARDED)
    assert outcome.status is Status.FAILED and outcome.observed == CUT_SHORT_TAKEN, outcome
    assert "with CRON_SECRET without its last one to eight characters" in outcome.expected, outcome.expected
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert secret[:8] not in shown and cron.cut_short(secret) not in shown, shown


def _strict_hex(token: str) -> bytes:
    return bytes.fromhex(token)  # an odd length or a digit that is no hex: ValueError


def _strict_base64url(token: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))  # 1 more than a multiple of 4: binascii.Error


def _strict_base64(token: str) -> bytes:
    """As Python's base64.b64decode and Go's StdEncoding read a token: its `=` padding required, none added."""
    import base64

    return base64.b64decode(token, validate=True)  # not whole 4-character groups: binascii.Error


def _canonical_base64url(token: str) -> bytes:
    """As Go's RawURLEncoding.Strict() and Rust's base64 engines read a token: no bits set past its last whole byte
    (decoded and encoded again, it is the same text)."""
    import base64

    given = _strict_base64url(token)
    if base64.urlsafe_b64encode(given).decode().rstrip("=") != token:
        raise ValueError("stray bits after the last whole byte")
    return given


def _strict_base32(token: str) -> bytes:
    import base64

    return base64.b32decode(token)  # not whole 8-character groups: binascii.Error


# a secret as a tool makes it, and a decoder refusing any other text than such a tool's
STRICT_DECODERS = [(HEX_KEY, _strict_hex), (BASE64URL_16, _strict_base64url), (BASE64_32, _strict_base64),
                   (BASE64URL_32, _canonical_base64url), (BASE32_20, _strict_base32)]


def _takes_part_of_the_key_decoded_strictly(secret: str, decode, ends: bool = False):
    """Decodes the token strictly (a text it cannot read: 401), wants 8 bytes at least, and takes it where the key
    begins with them (`key.startswith(given)`, a loop over the given bytes) — or, `ends`, ends with them
    (`key.endswith(given)`): every whole-byte prefix (or ending) of the key."""
    key = decode(secret)

    def check(headers, _body):
        try:
            given = decode(headers.get("authorization", "").removeprefix("Bearer "))
        except ValueError:  # binascii.Error is one
            return 401, '{"error": "unauthorized"}'
        takes = len(given) >= 8 and (key.endswith(given) if ends else key.startswith(given))
        return (200, '{"ran": true}') if takes else (401, '{"error": "unauthorized"}')
    return check


@pytest.mark.parametrize("secret, decode", STRICT_DECODERS)
def test_an_endpoint_taking_a_prefix_of_the_key_it_decodes_strictly_fails(secret, decode):
    """The key found a byte at a time. The secret cut to any even length was refused by a strict decoder, and the
    item passed: 42 of `openssl rand -base64 32`'s characters want their `=`, 42 of `token_urlsafe(32)`'s leave bits
    set after the last whole byte, and base32 comes in groups of 8."""
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _takes_part_of_the_key_decoded_strictly(
        secret, decode)}, GUARDED, secret=secret)
    assert outcome.status is Status.FAILED and outcome.observed == CUT_SHORT_TAKEN, outcome
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert secret[:8] not in shown and cron.cut_short(secret) not in shown, shown


def test_a_job_comparing_a_strictly_decoded_hex_key_in_constant_time_passes():
    """`hmac.compare_digest(bytes.fromhex(token), key)` behind a guard refusing every other length with 401: every
    request refused, none crashed on (a 500 on nothing)."""
    import hmac

    def compares_the_key(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if len(token) != len(HEX_KEY):
            return 401, '{"error": "unauthorized"}'
        try:
            given = bytes.fromhex(token)
        except ValueError:
            return 401, '{"error": "unauthorized"}'
        return (200, '{"ran": true}') if hmac.compare_digest(given, bytes.fromhex(HEX_KEY)) else (401, "{}")

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): compares_the_key}, GUARDED, secret=HEX_KEY)
    assert outcome.status is Status.PASSED and f"{cron.CUT_SHORT}: 401" in outcome.observed, outcome


@pytest.mark.parametrize("secret, decode", STRICT_DECODERS)
def test_a_job_comparing_the_key_it_decodes_strictly_in_constant_time_passes(secret, decode):
    """`hmac.compare_digest(decode(token), key)`, a token it cannot read refused: every value sent but the secret is
    refused (compare_digest refuses bytes of another length, no crash), whatever the decoder."""
    import hmac

    key = decode(secret)

    def compares_the_key(headers, _body):
        try:
            given = decode(headers.get("authorization", "").removeprefix("Bearer "))
        except ValueError:
            return 401, '{"error": "unauthorized"}'
        return (200, '{"ran": true}') if hmac.compare_digest(given, key) else (401, '{"error": "unauthorized"}')

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): compares_the_key}, GUARDED, secret=secret)
    assert outcome.status is Status.PASSED, outcome
    assert f"{cron.CUT_SHORT}: 401" in outcome.observed and f"{cron.CUT_AT_START}: 401" in outcome.observed, outcome


CRASHED_ON_LENGTH = ("a server error to these two, shorter than the secret, one it begins with and one it does not, "
                     "and to no request but the cut ones: a crash on their length, which ran nothing, read as refused")
CRASHED_ON_BOTH = f"{cron.CUT_SHORT}: 500 and {cron.CUT_SHORT_CHANGED}: 500 ({CRASHED_ON_LENGTH})"
CRASHED_AT_START_ON_BOTH = (f"{cron.CUT_AT_START}: 500 and {cron.CUT_AT_START_CHANGED}: 500 (a server error to these"
                            " two, shorter than the secret, one it ends with and one it does not, and to no request"
                            " but the cut ones: a crash on their length, which ran nothing, read as refused)")


def _timing_safe_equal_behind_a_length_guard(secret: str, shortest: int = 16):
    """`if (!token || token.length < 16) return 401;` then `crypto.timingSafeEqual(Buffer.from(token),
    Buffer.from(CRON_SECRET))`, which throws on buffers of different lengths (500). With a secret as long as the
    random one (32), the secret cut short is the only token that reaches the comparison at another length."""
    def check(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if len(token) < shortest:
            return 401, '{"error": "unauthorized"}'
        if len(token.encode()) != len(secret.encode()):
            return 500, "RangeError: Input buffers must have the same byte length"
        return (200, '{"ran": true}') if token == secret else (401, '{"error": "unauthorized"}')
    return check


def test_a_job_crashing_on_a_token_of_another_length_passes_and_says_so():
    """It refuses every value but the secret: the secret cut short at its end and at its start, each as is and
    changed, reach its comparison alone at another length, and their 500 is a crash that ran nothing — refused, said
    in the pass for each pair. It was an error ("server error")."""
    secret = "cron-9f3e7a1c5b2d4e6f8a0b2c4d6e8"  # as long as the random wrong one
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _timing_safe_equal_behind_a_length_guard(secret)},
                                GUARDED, secret=secret)
    assert outcome.status is Status.PASSED, outcome
    assert CRASHED_ON_BOTH in outcome.observed and CRASHED_AT_START_ON_BOTH in outcome.observed, outcome.observed


@pytest.mark.parametrize("secret", [
    "cron-9f3e7a1c5b2d4e6f8a0b2c4d6e8", HEX_KEY, BASE64URL_32, BASE64_32, BASE32_20, "cron-9f3e7a1c5b2d4e6f"],
    ids=["32", "hex-64", "base64url-43", "base64-44", "base32-32", "21"])
def test_a_job_crashing_on_a_token_of_another_length_passes_whatever_the_secrets_length(secret):
    """The random wrong secret was always 32 characters: with a secret of any other length (`openssl rand -hex 32`'s
    64) the job crashed on it too, and the item was an error ("whether it checks CRON_SECRET was not seen"). It is as
    long as the secret, so the cut ones are the only tokens of another length."""
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _timing_safe_equal_behind_a_length_guard(secret)},
                                GUARDED, secret=secret)
    assert outcome.status is Status.PASSED, outcome.observed
    assert "with a wrong secret: 401" in outcome.observed, outcome.observed


def _decoded_strictly(token: str, alphabet: str) -> bytes:
    """The bytes a strict decoder reads (Go's RawURLEncoding.Strict, Python's validate=True): one that would drop
    bits, or read a character of another alphabet, raises."""
    import base64
    import binascii

    body = token.rstrip("=")
    if alphabet == "hex":
        return bytes.fromhex(token)
    if alphabet == "base32":
        key = base64.b32decode(body + "=" * (-len(body) % 8))
        assert base64.b32encode(key).decode().rstrip("=") == body, f"{token}: bits a strict decoder refuses"
        return key
    decode, encode = ((base64.urlsafe_b64decode, base64.urlsafe_b64encode) if alphabet == "base64url"
                      else (lambda text: base64.b64decode(text, validate=True), base64.b64encode))
    if alphabet == "base64url" and set(body) - set(string.ascii_letters + string.digits + "-_"):
        raise binascii.Error(f"{token}: not base64url")
    key = decode(body + "=" * (-len(body) % 4))
    assert encode(key).decode().rstrip("=") == body, f"{token}: bits a strict decoder refuses"
    return key


@pytest.mark.parametrize("secret, alphabet", [
    (HEX_KEY, "hex"), (HEX_KEY.upper(), "hex"), ("9f3e7a1c", "hex"), ("c9f3e7", "hex"), (BASE64URL_32, "base64url"),
    (BASE64URL_16, "base64url"), (BASE64_32, "base64"), ("q1lC0m2XfJ7b3Yk8sR9tVwZpA4uE6nH5dG+/LxMoIQ==", "base64"),
    (BASE32_20, "base32"), ("HJ7RTQXELMENN4NCTQ36QC2NL5RKSHB6HJ7RTQA", "base32"),
    ("cron-9f3e7a1c5b2d", None), ("cron_9f3e7a1c5b2d4e6f8a0b2c4d6e8f0a1b", None), ("20251107", None),
    ("pa$$word!With.Symbols", None),
])
def test_the_wrong_secret_is_random_as_long_as_the_secret_and_of_its_alphabet(secret, alphabet):
    """A job crashing on a token of another length (`crypto.timingSafeEqual`) or on one it cannot decode
    (`Buffer.from(token, 'hex')`, a strict base64 decoder) crashed on the 32 characters of `opsverify-wrong-<hex>` —
    another length, and not hex. It is as long as the secret, `=` padding and all, of its alphabet, decoded as
    strictly, never the secret — and random: nothing of the secret but its length and alphabet."""
    drawn = {cron.wrong_secret(secret) for _ in range(50)}
    assert len(drawn) > 1 and secret not in drawn, drawn
    narrowest = next(chars for chars in (string.digits, "0123456789abcdef", "0123456789ABCDEF",
                                         string.ascii_letters + string.digits + "-_",
                                         string.ascii_letters + string.digits + "+/",
                                         string.ascii_letters + string.digits + string.punctuation)
                     if set(secret.rstrip("=")) <= set(chars))
    for wrong in drawn:
        assert len(wrong) == len(secret) and len(wrong.rstrip("=")) == len(secret.rstrip("=")), (secret, wrong)
        assert set(wrong.rstrip("=")) <= set(narrowest), (secret, wrong)
        if alphabet:
            assert len(_decoded_strictly(wrong, alphabet)) == len(_decoded_strictly(secret, alphabet)), wrong
    # the same characters wherever they fall: no character of the secret is kept in place
    kept = sum(sum(a == b for a, b in zip(wrong, secret.rstrip("="))) for wrong in drawn) / len(drawn)
    assert kept < len(secret.rstrip("=")) / 2, (secret, drawn)


def test_a_job_taking_any_token_is_not_said_to_have_an_unset_secret():
    """`if (!token) return 401`: it takes the random wrong secret and "Bearer undefined" alike — no unset secret is
    shown by what it takes, nor a check of the length alone."""
    check = make_check("cron", GUARDED)
    taken = ["with a wrong secret", *cron.unset_values("authorization")]
    outcome = cron.judge(check, {check.key: [("without a secret", "u", Reply(401, 1.0))]
                                 + [(how, "u", Reply(200, 1.0)) for how in taken]})
    assert outcome.status is Status.FAILED and "with 'Bearer None': accepted with 200" in outcome.observed, outcome
    assert "probably unset" not in outcome.observed and "length" not in outcome.observed, outcome.observed


def test_the_wrong_secret_sent_is_one_of_its_own_each_run():
    from opsverify.secrets import Redactor

    sent: list[Probe] = []
    target = SimpleNamespace(url=lambda service, path: "http://127.0.0.1:9/" + path, verify_tls=lambda service: True,
                             anonymous_url=lambda service, path: ("http://127.0.0.1:9/" + path, (), ()), timeouts=SimpleNamespace(connect_s=1.5), secret=lambda name: HEX_KEY,
                             clear_text_route=lambda url: None, redactor=Redactor(),
                             fetch_all=lambda probes: [sent.extend(probes), [Reply(401, 1.0) for _ in probes]][1])
    for _ in range(2):
        cron.gather(target, [make_check("cron", GUARDED)])
    each_run = len(sent) // 2  # none, none as anyone, then the wrong one
    wrong = [probe.headers["authorization"].removeprefix("Bearer ") for probe in (sent[2], sent[each_run + 2])]
    assert wrong[0] != wrong[1], "a wrong secret of its own each run"
    assert all(len(token) == len(HEX_KEY) and bytes.fromhex(token) != bytes.fromhex(HEX_KEY) for token in wrong)


def _checks_its_format_then_crashes_on_length(secret: str, well_formed):
    """`if (!wellFormed(token)) return 401;` (a fixed prefix or suffix: `cron_…`, `sk_live_…`, `…_prod`) then
    `crypto.timingSafeEqual`, which throws on another length (500): a healthy job, that refuses every value but the
    secret."""
    ran_on = []

    def check(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if not well_formed(token):
            return 401, '{"error": "unauthorized"}'
        if len(token.encode()) != len(secret.encode()):
            return 500, "RangeError: Input buffers must have the same byte length"
        if token != secret:
            return 401, '{"error": "unauthorized"}'
        ran_on.append(token)
        return 200, '{"ran": true}'
    check.ran_on = ran_on
    return check


@pytest.mark.parametrize("secret, well_formed, crashed", [
    ("cron_9f3e7a1c5b2d4e6f8a0b2c4d6e8f0a1b", lambda token: token.startswith("cron_"), CRASHED_ON_BOTH),
    ("9f3e7a1c5b2d4e6f8a0b2c4d6e8f0a1b_prod", lambda token: token.endswith("_prod"), CRASHED_AT_START_ON_BOTH),
], ids=["prefix", "suffix"])
def test_a_job_checking_its_tokens_format_before_a_comparison_crashing_on_length_passes(secret, well_formed, crashed):
    """The cut one that keeps the secret's prefix (or suffix) reaches the comparison and crashes on its length, and so
    does its twin, changed in its middle: a crash, which ran nothing, read as refused. Changed at its first character,
    the twin lost the prefix the cut one kept and was refused (401): the job was failed as having taken the cut one
    past its check."""
    endpoint = _checks_its_format_then_crashes_on_length(secret, well_formed)
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): endpoint}, GUARDED, secret=secret)
    assert endpoint.ran_on == [], "the job never ran"
    assert outcome.status is Status.PASSED, outcome.observed
    assert crashed in outcome.observed, outcome.observed


def test_a_job_taking_a_part_of_the_secret_and_then_failing_fails():
    """`CRON_SECRET.startsWith(token)` before a job that fails on its own (an upstream down: 500): the secret cut short
    got a 500 alone, read as a crash on its length — a pass for an endpoint whose secret anyone finds a character at a
    time, that ran its job on a part of it. The other cut one, as long, is refused: no length crash, taken."""
    secret = "cron-9f3e7a1c5b2d"
    ran_on = []

    def starts_with_then_fails(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token in ("", "Bearer", "undefined", "null") or not secret.startswith(token):
            return 401, '{"error": "unauthorized"}'
        ran_on.append(token)
        return 500, '{"error": "job failed: upstream timeout"}'

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): starts_with_then_fails}, GUARDED, secret=secret)
    assert ran_on == [cron.cut_short(secret)], "the job ran on the secret cut short"
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == TAKEN_THEN_FAILED, outcome.observed
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert secret[:8] not in shown and cron.cut_short(cron.near_miss(secret)) not in shown, shown


def test_a_server_error_to_the_secret_cut_short_beside_others_is_not_read_as_taken():
    """An endpoint failing some of the requests sent together (overloaded: a 503 naming no wait), among them the secret
    cut short, while its twin as long was refused: which failed before any check cannot be told — undecided, never
    "took it past its check" (a healthy endpoint had failed so, by the order its requests happened to arrive in)."""
    secret = "cron-9f3e7a1c5b2d"

    def overloaded(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token in ("", cron.cut_short(secret)):  # what it happened to fail: the cut one, and a call without a secret
            return 503, "Service Unavailable"
        return 401, '{"error": "unauthorized"}'

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): overloaded}, GUARDED, secret=secret)
    assert outcome.status is Status.ERROR, outcome
    assert "took it past its check" not in outcome.observed, outcome.observed
    assert f"{cron.CUT_SHORT}: 503 (server error)" in outcome.observed, outcome.observed


TAKEN_THEN_FAILED = (f"{cron.CUT_SHORT}: 500 (server error), where {cron.CUT_SHORT_CHANGED}, as long, was refused with"
                     " 401: the job took it past its check and failed after; the endpoint takes a part of CRON_SECRET"
                     " (it compares only as many characters as it is given: the secret can be found one character at"
                     " a time)")


REFUSED_HOWS = ["without a secret", cron.PLAIN, "with a wrong secret", cron.NEAR_MISS, cron.CUT_SHORT,
                cron.CUT_SHORT_CHANGED, cron.CUT_AT_START, cron.CUT_AT_START_CHANGED,
                *cron.unset_values("authorization")]


def _judged_refusals(answers: dict[str, int]):
    check = make_check("cron", GUARDED)
    return cron.judge(check, {check.key: [(how, "u", Reply(answers.get(how, 401), 1.0))
                                      for how in REFUSED_HOWS]})


@pytest.mark.parametrize("answers, status, seen", [
    # both cut short crashed, and nothing else: their length, refused
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 500}, Status.PASSED, CRASHED_ON_BOTH),
    ({cron.CUT_SHORT: 200}, Status.FAILED, f"{cron.CUT_SHORT}: accepted with 200"),
    # the one the secret begins with alone: the other, as long, was refused — taken past the check, then failed
    ({cron.CUT_SHORT: 500}, Status.FAILED, TAKEN_THEN_FAILED),
    ({cron.CUT_SHORT: 502, cron.CUT_SHORT_CHANGED: 403}, Status.FAILED,
     f"{cron.CUT_SHORT}: 502 (server error), where {cron.CUT_SHORT_CHANGED}, as long, was refused with 403"),
    # the other neither refused nor crashed: the cut one's 5xx is not read either way
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 404}, Status.FAILED,
     f"{cron.CUT_SHORT_CHANGED}: status 404; and 1 could not be judged: {cron.CUT_SHORT}: 500 (server error)"),
    ({cron.CUT_SHORT_CHANGED: 500}, Status.ERROR, f"could not look: {cron.CUT_SHORT_CHANGED}: 500 (server error)"),
    # a server error to another request too: not a length alone, not seen as before
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 500, "with 'Bearer undefined'": 500}, Status.ERROR,
     f"could not look: {cron.CUT_SHORT}: 500 (server error); {cron.CUT_SHORT_CHANGED}: 500 (server error); with "
     "'Bearer undefined': 500 (server error)"),
    ({cron.CUT_SHORT: 500, "with a wrong secret": 200}, Status.FAILED, "with a wrong secret: accepted with 200"),
])
def test_judge_a_server_error_to_the_secret_cut_short(answers, status, seen):
    outcome = _judged_refusals(answers)
    assert outcome.status is status and seen in outcome.observed, outcome


def test_judge_an_endpoint_failing_every_request_is_judged_as_before():
    outcome = _judged_refusals(dict.fromkeys(REFUSED_HOWS, 500))
    assert outcome.status is Status.ERROR, outcome
    assert f"{cron.CUT_SHORT}: 500 (server error)" in outcome.observed and CRASHED_ON_LENGTH not in outcome.observed


def test_a_secret_too_short_to_mask_cut_short_is_not_sent_and_a_pass_says_so():
    received = []

    def records(headers, _body):
        received.append(headers.get("authorization", ""))
        return 401, "{}"

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): records}, GUARDED, secret="c9f3e7")
    assert outcome.status is Status.PASSED and outcome.observed.endswith(cron.CUT_SHORT_UNSENT), outcome
    assert cron.CUT_SHORT not in outcome.evidence and cron.NEAR_MISS in outcome.evidence, outcome.evidence
    assert len(received) == 8 and "Bearer c9f3e" not in received, received


def test_the_near_miss_never_crosses_the_network_in_clear():
    """All of the secret but one character: where the item's requests would cross the network in clear (plain
    http:// to another machine, or through a proxy) it is not sent, and a pass says what that leaves open."""
    from opsverify.engine import gather_and_judge

    from .kit import make_target, route_server

    received = []

    def records(headers, _body):
        received.append(headers.get("authorization", ""))
        return 401, "{}"

    with route_server({("GET", "/api/cron/publish"): records}) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"CRON_SECRET": "cron-9f3e7a1c5b2d"}})
        target.clear_text_route = lambda url: "over http:// to cron.example, not this machine"  # as if it were
        try:
            outcome, = gather_and_judge(target, cron, [make_check("cron", GUARDED)])
        finally:
            target.close()
    assert outcome.status is Status.PASSED and outcome.observed.endswith(cron.PARTS_UNSENT), outcome
    assert cron.NEAR_MISS not in outcome.evidence and "but for its next-to-last character" not in outcome.expected
    assert cron.CUT_SHORT not in outcome.evidence and "without its last one to eight" not in outcome.expected
    assert cron.CUT_AT_START not in outcome.evidence and "without its first eight" not in outcome.expected
    assert len(received) == 7 and not any("cron-9f3e7a1c5b2" in value for value in received), received


def _node_hex(token: str) -> bytes:
    """Node's Buffer.from(token, 'hex'): whole pairs up to the first that is no hex; an odd last digit dropped."""
    out = bytearray()
    for at in range(0, len(token) - 1, 2):
        try:
            out.append(int(token[at:at + 2], 16))
        except ValueError:
            break
    return bytes(out)


def _node_base64url(token: str) -> bytes:
    """Node's Buffer.from(token, 'base64url'): a last partial digit's bits dropped."""
    import base64

    whole = token[:len(token) - len(token) % 4] if len(token) % 4 == 1 else token
    return base64.urlsafe_b64decode(whole + "=" * (-len(whole) % 4))


@pytest.mark.parametrize("secret, decode", [
    ("9c1e5a7b3d2f4e6a8b0c1d3e5f7a9b1c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9fa0", _node_hex),  # openssl rand -hex 32
    ("q3Zk1vT0bW9lR2xhY2tfc2VjcmV0X2Zvcl90ZXN0aW5nXzE", _node_base64url),  # token_urlsafe(32)-like
])
def test_a_job_taking_a_prefix_of_its_decoded_key_then_failing_fails(secret, decode):
    """A job that reads the token as the key's encoding and takes a prefix of the key, then fails on its own (500):
    the secret cut short decodes to a prefix, and so might one changed at its end (a decoder drops a last partial
    base64 digit's bits) — the other cut value is changed in its middle, so it is refused, and the 5xx
    to the cut secret is no crash on a length: taken, failed."""
    ran_on = []

    def prefix_then_fails(headers, _body):
        given, key = decode(headers.get("authorization", "").removeprefix("Bearer ")), decode(secret)
        if not given or key[:len(given)] != given:
            return 401, '{"error": "unauthorized"}'
        ran_on.append(given)
        return 500, '{"error": "job failed: upstream timeout"}'

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): prefix_then_fails},
                                {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET"}, secret=secret)
    assert len(ran_on) == 1, ran_on  # the cut secret alone got past the check
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"{cron.CUT_SHORT}: 500 (server error), where {cron.CUT_SHORT_CHANGED}, as long, was refused with 401" \
        in outcome.observed, outcome.observed
    assert secret[:12] not in outcome.observed


# -- the mirror: the secret without its first characters, a part it ends with ---------------------------------------
@pytest.mark.parametrize("secret, part", [
    ("cron-9f3e7a1c5b2d", "e7a1c5b2d"), ("cronsecretkey12==", "etkey12=="), ("abcdefghijklmn", "ijklmn"),
    ("abcdefghijklm", None), ("abcdefghijklm=", None),  # five left, its padding aside: shorter than the redactor masks
    (HEX_KEY, HEX_KEY[8:]), (BASE64URL_16, BASE64URL_16[8:]), (BASE64URL_32, BASE64URL_32[8:]),
    (BASE64_32, BASE64_32[8:]), (BASE32_20, BASE32_20[8:]),
])
def test_the_secret_cut_at_its_start_is_it_without_its_first_eight_characters_its_padding_kept(secret, part):
    assert cron.cut_at_start(secret) == part


@pytest.mark.parametrize("key_bytes", [16, 20, 31, 32, 33])
def test_the_secret_cut_at_its_start_decodes_to_the_keys_last_bytes_and_its_twin_to_none(key_bytes):
    """Eight characters are whole groups of hex, base64 and base32: decoded strictly, the part is an ending of the key
    (an endpoint decoding the token and taking an ending of the key takes it); its twin, changed in its middle,
    decodes to no ending of the key."""
    import secrets as random

    key = random.token_bytes(key_bytes)
    for token, decode in _encodings(key):
        part = cron.cut_at_start(token)
        assert key.endswith(decode(part)) and len(decode(part)) < key_bytes, token
        twin = cron.changed_inside(part, token, at_end=False)
        assert len(twin) == len(part) and not key.endswith(decode(twin)), token


@pytest.mark.parametrize("secret", [
    "9c1e5a7b3d2f4e6a8b0c1d3e5f7a9b1c.2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a1",  # <key id>.<key>: the cut's middle is the dot
    "3f2b9c1e-5a7b-4d2f-8e6a-0b1c3d5e7f9a:5a7b3d2f-4e6a-4b0c-9d3e-5f7a9b1c2d4e",  # two UUIDs joined
])
def test_the_twin_keeps_the_tokens_form_and_key_id(secret):
    """Changed in its middle, the twin lost a separator that fell there (a dot for a digit), or changed the key id of a
    token of equal halves: a healthy endpoint refusing a malformed token or an unknown key id (401) before a
    comparison that throws on another length (500) then answered the cut one 500 and its twin 401 — read as taken
    past its check, a wrong failure. The twin changes a letter or digit at the cut one's end (the start of the one cut
    at its start), past the key id."""
    sep = "." if "." in secret else ":"
    kid_wanted = secret.partition(sep)[0]
    for part, at_end in ((cron.cut_short(secret), True), (cron.cut_at_start(secret), False)):
        twin = cron.changed_inside(part, secret, at_end=at_end)
        assert [c for c in twin if not c.isalnum()] == [c for c in part if not c.isalnum()], (part, twin)
        assert sum(a != b for a, b in zip(twin, part)) == 1 and not secret.startswith(twin), (part, twin)

    def splits_then_compares(headers, _body):  # malformed or another key id: 401; the key part: timingSafeEqual
        token = headers.get("authorization", "").removeprefix("Bearer ")
        kid, _, key = token.partition(sep)
        if not key or kid != kid_wanted or any(not c.isalnum() and c != "-" for c in kid + key):
            return 401, '{"error": "malformed"}'
        if len(token) != len(secret):
            return 500, "RangeError: Input buffers must have the same byte length"
        return (200, '{"ran": true}') if token == secret else (401, '{"error": "unauthorized"}')

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): splits_then_compares}, GUARDED, secret=secret)
    assert outcome.status is Status.PASSED, outcome


def _takes_what_the_secret_ends_with(secret: str, shortest: int = 1, then: int = 200):
    """`CRON_SECRET.endsWith(token)` behind a guard refusing no token, an empty one and the unset values: it refuses
    no secret, a random one, the near miss and every part the secret begins with, and takes every part it ends with
    (`shortest` at least), answering `then` (a job failing on its own after: 500)."""
    ran_on = []

    def check(headers, _body):
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token in ("", "Bearer", "undefined", "null") or len(token) < shortest or not secret.endswith(token):
            return 401, '{"error": "unauthorized"}'
        ran_on.append(token)
        return then, '{"ran": true}' if then == 200 else '{"error": "job failed: upstream timeout"}'
    check.ran_on = ran_on
    return check


CUT_AT_START_TAKEN = (f"{cron.CUT_AT_START}: accepted with 200: the endpoint takes an ending of CRON_SECRET (it"
                      " compares only the characters it is given, from the end: found one character at a time)")


@pytest.mark.parametrize("shortest", [1, 12])
def test_an_endpoint_taking_a_part_the_secret_ends_with_fails(shortest):
    """The mirror of `startsWith`: anyone finds the secret one character at a time from its end. Every part the
    secret begins with is refused by it, so only a part it ends with shows it; the longest sent but eight characters,
    so a guard wanting a token of some length does not hide it. Named in words, never shown."""
    secret = "cron-9f3e7a1c5b2d4e6f8"  # 13 characters left at its start: a guard wanting 12 lets them through
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _takes_what_the_secret_ends_with(secret, shortest)},
                                GUARDED, secret=secret)
    assert outcome.status is Status.FAILED and outcome.observed == CUT_AT_START_TAKEN, outcome
    assert ("with CRON_SECRET without its first eight characters, and so cut with one more changed"
            in outcome.expected), outcome.expected
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    ending = cron.cut_at_start(secret)
    assert secret[-8:] not in shown and ending not in shown and cron.changed_inside(ending, secret, at_end=False) not in shown, shown


@pytest.mark.parametrize("secret, decode", STRICT_DECODERS)
def test_an_endpoint_taking_an_ending_of_the_key_it_decodes_strictly_fails(secret, decode):
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _takes_part_of_the_key_decoded_strictly(
        secret, decode, ends=True)}, GUARDED, secret=secret)
    assert outcome.status is Status.FAILED and outcome.observed == CUT_AT_START_TAKEN, outcome
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert secret[-8:] not in shown and cron.cut_at_start(secret) not in shown, shown


def test_a_job_taking_an_ending_of_the_secret_and_then_failing_fails():
    """`CRON_SECRET.endsWith(token)` before a job failing on its own (500): the secret's ending alone got past the
    check — its twin, as long, was refused — so its 500 is no crash on a length: taken, failed."""
    secret = "cron-9f3e7a1c5b2d"
    endpoint = _takes_what_the_secret_ends_with(secret, then=500)
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): endpoint}, GUARDED, secret=secret)
    assert endpoint.ran_on == [cron.cut_at_start(secret)], "the job ran on the secret's ending"
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == (
        f"{cron.CUT_AT_START}: 500 (server error), where {cron.CUT_AT_START_CHANGED}, as long, was refused with 401:"
        " the job took it past its check and failed after; the endpoint takes an ending of CRON_SECRET (it compares"
        " only the characters it is given, from the end: found one character at a time)"), outcome.observed


def test_a_job_comparing_the_whole_secret_refuses_its_ending_and_passes():
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _refuses(401)}, GUARDED)
    assert outcome.status is Status.PASSED, outcome
    assert f"{cron.CUT_AT_START}: 401 and {cron.CUT_AT_START_CHANGED}: 401" in outcome.observed, outcome.observed


@pytest.mark.parametrize("answers, status, seen", [
    ({cron.CUT_AT_START: 500, cron.CUT_AT_START_CHANGED: 500}, Status.PASSED, CRASHED_AT_START_ON_BOTH),
    # all four cut ones crashed, and nothing else: each pair a crash on its length
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 500, cron.CUT_AT_START: 500, cron.CUT_AT_START_CHANGED: 500},
     Status.PASSED, f"{CRASHED_ON_BOTH} and {CRASHED_AT_START_ON_BOTH}"),
    ({cron.CUT_AT_START: 200}, Status.FAILED, CUT_AT_START_TAKEN),
    ({cron.CUT_AT_START_CHANGED: 200}, Status.FAILED,
     f"{cron.CUT_AT_START_CHANGED}: accepted with 200: the endpoint compares only part of CRON_SECRET (its last"
     " characters)"),
    ({cron.CUT_AT_START: 502, cron.CUT_AT_START_CHANGED: 403}, Status.FAILED,
     f"{cron.CUT_AT_START}: 502 (server error), where {cron.CUT_AT_START_CHANGED}, as long, was refused with 403"),
    # one pair crashed, and the other's part taken past its check: failed
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 500, cron.CUT_AT_START: 500}, Status.FAILED,
     f"{cron.CUT_AT_START}: 500 (server error), where {cron.CUT_AT_START_CHANGED}, as long, was refused with 401"),
    # a twin's 5xx alone beside a crashed pair: not seen
    ({cron.CUT_SHORT: 500, cron.CUT_SHORT_CHANGED: 500, cron.CUT_AT_START_CHANGED: 500}, Status.ERROR,
     f"could not look: {cron.CUT_AT_START_CHANGED}: 500 (server error)"),
])
def test_judge_a_server_error_to_the_secret_cut_at_its_start(answers, status, seen):
    outcome = _judged_refusals(answers)
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_secret_too_short_to_mask_cut_at_its_start_is_not_sent_and_a_pass_says_so():
    received = []

    def records(headers, _body):
        received.append(headers.get("authorization", ""))
        return 401, "{}"

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): records}, GUARDED, secret="c9f3e7a1b5d2f")
    assert outcome.status is Status.PASSED and outcome.observed.endswith(cron.CUT_AT_START_UNSENT), outcome
    assert cron.CUT_SHORT in outcome.evidence and cron.CUT_AT_START not in outcome.evidence, outcome.evidence
    assert len(received) == 10 and not any(value.endswith("b5d2f") for value in received), received


# -- a secret with blanks (a passphrase): every value sent is one HTTP can carry ---------------------------------------
SPACED = "the cron secret value"  # cut to 16, "the cron secret " would end in a blank; without its first 8, start in one
SPACED_LONGER = "the cron secret value of this job"  # without its first 8 it starts in a blank, without its first 16 not


def _carried_by_http(value: str) -> bool:
    """What h11 writes as a header value: no blank (space or tab) at either end, which HTTP would trim."""
    return value == value.strip(" \t")


@pytest.mark.parametrize("secret, part, ending", [
    # cut to 16 it ends in a blank: the next smaller whole group; without its first 16, five left: too short to mask
    (SPACED, "the cron", None),
    (SPACED_LONGER, SPACED_LONGER[:32], SPACED_LONGER[16:]),
    ("abcdefg abcdefg x", None, "abcdefg x"),  # every whole group of 8 it begins with ends in a blank
    (" leading blank secrets!", None, "ecrets!"),  # every part it begins with starts in one
    ("abcdefghijklmno\tabcdef", "abcdefgh", "ijklmno\tabcdef"),  # a tab too
])
def test_the_secret_cut_is_never_a_value_with_a_blank_at_either_end(secret, part, ending):
    """HTTP cannot carry a header value starting or ending with a blank (h11 refuses it: "not sent"), so a healthy
    job could never pass: the cut moves to the next smaller whole group whose ends are no blank, else is not made."""
    assert (cron.cut_short(secret), cron.cut_at_start(secret)) == (part, ending)


@pytest.mark.parametrize("secret", [SPACED, SPACED_LONGER, "aaaa aaaa aaaa aaaa a", "a b c d e f g h i j k l m n o",
                                    "two blanks  inside  and   more words", "tell no one this cron secret"])
def test_no_value_sent_for_a_spaced_secret_starts_or_ends_with_a_blank(secret):
    """The near miss, the wrong secret, the cut ones and their twins: a twin's changed character is never a blank
    ('aaaa aaaa aaaa a' changed at its end once ended in one)."""
    sent = [cron.near_miss(secret), cron.wrong_secret(secret)]
    for part, at_end in ((cron.cut_short(secret), True), (cron.cut_at_start(secret), False)):
        if part is not None:
            sent += [part, cron.changed_inside(part, secret, at_end=at_end)]
    assert all(map(_carried_by_http, sent)), [repr(value) for value in sent]


def _compares_the_whole_secret(secret: str, header: str):
    def check(headers, _body):
        token = headers.get(header, "")
        token = token.removeprefix("Bearer ") if header == "authorization" else token
        return (200, '{"ran": true}') if token == secret else (401, '{"error": "unauthorized"}')
    return check


@pytest.mark.parametrize("secret", [SPACED, SPACED_LONGER])
@pytest.mark.parametrize("header", ["x-cron-secret", "authorization"])
def test_a_healthy_job_whose_secret_holds_blanks_passes(secret, header):
    """A passphrase as the secret: every request is sent and refused, so the item passes (it was an ERROR on every
    run, the secret cut short to a blank at its end 'not sent')."""
    params = {**GUARDED, "header": header}
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _compares_the_whole_secret(secret, header)}, params,
                                secret=secret)
    assert outcome.status is Status.PASSED and "not sent:" not in outcome.observed, outcome
    shown = outcome.observed + outcome.expected + json.dumps(outcome.evidence)
    assert secret[:8] not in shown, shown


@pytest.mark.parametrize("secret, endpoint, sent, taken, unsent, twin", [
    (SPACED, _takes_what_the_secret_starts_with, cron.CUT_SHORT_FURTHER, "a part of", cron.CUT_SHORT,
     cron.CUT_SHORT_FURTHER_CHANGED),
    (SPACED_LONGER, _takes_what_the_secret_ends_with, cron.CUT_AT_START_FURTHER, "an ending of", cron.CUT_AT_START,
     cron.CUT_AT_START_FURTHER_CHANGED)], ids=["starts-with", "ends-with"])
def test_an_endpoint_taking_a_piece_of_a_spaced_secret_fails_on_the_cut_moved_to_a_smaller_group(
        secret, endpoint, sent, taken, unsent, twin):
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): endpoint(secret)}, GUARDED, secret=secret)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(f"{sent}: accepted with 200: the endpoint takes {taken} CRON_SECRET"), \
        outcome.observed
    end = "last" if sent == cron.CUT_SHORT_FURTHER else "first"
    assert f"without more than its {end} eight characters" in outcome.expected, outcome.expected
    assert unsent not in outcome.evidence and twin in outcome.evidence


def test_a_spaced_secret_with_no_cut_http_carries_is_not_cut_and_a_pass_says_so():
    secret = "abcdefg abcdefg x"
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _compares_the_whole_secret(secret, "authorization")},
                                GUARDED, secret=secret)
    assert outcome.status is Status.PASSED and outcome.observed.endswith(cron.CUT_SHORT_UNSENT), outcome
    assert not {cron.CUT_SHORT, cron.CUT_SHORT_FURTHER, cron.CUT_AT_START} & set(outcome.evidence), outcome.evidence


# -- a job trusting the other headers Vercel's scheduler sends -------------------------------------------------------
def _trusts(trusted):
    """A job that lets in a call its `trusted(headers)` reads as the scheduler's, else one with its secret."""
    def check(headers, _body):
        takes = trusted(headers) or headers.get("authorization") == "Bearer cron-9f3e7a1c5b2d"
        return (200, '{"ran": true}') if takes else (401, '{"error": "unauthorized"}')
    return check


@pytest.mark.parametrize("trusted", [
    lambda h: h.get("x-vercel-cron") == "1",  # `req.headers['x-vercel-cron'] === '1'`
    lambda h: bool(h.get("x-vercel-cron")),  # `!!req.headers['x-vercel-cron']`
    lambda h: h.get("user-agent") == "vercel-cron/1.0" and bool(h.get("x-vercel-cron-schedule")),
    lambda h: bool(h.get("x-vercel-cron-schedule")),
], ids=["x-vercel-cron-is-1", "x-vercel-cron-there", "user-agent-and-schedule", "schedule-there"])
def test_a_job_trusting_the_schedulers_other_headers_fails(trusted):
    """Vercel's scheduler calls with `x-vercel-cron-schedule` (the job's schedule) beside its User-Agent, and many
    jobs take `x-vercel-cron: 1` as its mark: anyone can send either. Each request without the secret carries them,
    and the failure says what was sent."""
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _trusts(trusted)}, GUARDED)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(
        "without a secret: accepted with 200: the endpoint checks no CRON_SECRET, or trusts the headers Vercel's"
        " scheduler calls with (user-agent: vercel-cron/1.0, x-vercel-cron: 1, x-vercel-cron-schedule: 0 0 * * *),"
        " which anyone can send;"), outcome.observed


def test_the_schedule_sent_is_the_items_own():
    """A job comparing the schedule header with its own (`=== "*/5 * * * *"`) takes the call that names it: the item
    names it (`schedule`), as vercel.json does."""
    trusted = _trusts(lambda h: h.get("x-vercel-cron-schedule") == "*/5 * * * *")
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): trusted}, {**GUARDED, "schedule": "*/5 * * * *"})
    assert outcome.status is Status.FAILED, outcome
    assert "x-vercel-cron-schedule: */5 * * * *)" in outcome.observed, outcome.observed
    assert _gather_and_judge({("GET", "/api/cron/publish"): trusted}, GUARDED).status is Status.PASSED


@pytest.mark.parametrize("params, said", [
    ({"schedule": "every minute"}, "schedule"),
    ({"schedule": "* * * * *", "with_secret": True}, "schedule is sent with with_secret: false only"),
    # a YAML `|` block ends it with a line break, which no header carries: refused here, not a run-time error
    ({"schedule": "0 0 * * *\n"}, "has a blank at an end, which the scheduler's x-vercel-cron-schedule header"),
    ({"schedule": " 0 0 * * *"}, "write it as '0 0 * * *'"),
])
def test_a_schedule_vercel_would_not_take_is_refused_at_load(params, said):
    with pytest.raises(ValidationError, match=re.escape(said)):
        load_item_params("cron", {**GUARDED, **params})


# -- a job asking only the scheduler for its secret ----------------------------------------------------------------
def _asks_only_the_scheduler(claims):
    """`if (req.headers['x-vercel-cron']) { if (auth !== `Bearer ${CRON_SECRET}`) return 401; } run();` — the secret
    demanded only of a caller `claims(headers)` reads as the scheduler: anyone else, a plain `curl`, runs the job."""
    def check(headers, _body):
        if claims(headers) and headers.get("authorization") != "Bearer cron-9f3e7a1c5b2d":
            return 401, '{"error": "unauthorized"}'
        return 200, '{"ran": true}'
    return check


@pytest.mark.parametrize("claims", [
    lambda h: "x-vercel-cron" in h,
    lambda h: h.get("user-agent", "").startswith("vercel-cron"),
    lambda h: "x-vercel-cron-schedule" in h,
], ids=["x-vercel-cron", "user-agent", "schedule"])
def test_a_job_asking_only_the_scheduler_for_its_secret_fails(claims):
    """Every request made as the scheduler's is refused, yet a plain call with no secret and none of the scheduler's
    headers runs the job: one such call goes too, judged as the others, and its 200 fails the item."""
    outcome = _gather_and_judge({("GET", "/api/cron/publish"): _asks_only_the_scheduler(claims)}, GUARDED)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(
        "without a secret or the scheduler's headers: accepted with 200: the endpoint asks for CRON_SECRET only of"
        " callers saying they are Vercel's scheduler (user-agent: vercel-cron/1.0, x-vercel-cron: 1,"
        " x-vercel-cron-schedule: 0 0 * * *): anyone else runs the job"), outcome.observed
    assert outcome.evidence["without a secret"]["status"] == 401, outcome.evidence


def test_the_plain_call_carries_no_secret_and_none_of_the_schedulers_headers():
    """The second request an item without the secret sends is a plain caller's: the suite's own User-Agent, neither
    `x-vercel-cron` nor `x-vercel-cron-schedule`, no `authorization`; every other one without the secret is made as
    the scheduler's. A job that checks its secret of every caller refuses it: a pass, the plain call named in it."""
    seen: list[dict] = []

    def records(headers, _body):
        seen.append(dict(headers))
        return (200, '{"ran": true}') if headers.get("authorization") == "Bearer cron-9f3e7a1c5b2d" else (401, "{}")

    outcome = _gather_and_judge({("GET", "/api/cron/publish"): records}, GUARDED)
    assert outcome.status is Status.PASSED, outcome
    assert "without a secret: 401 and without a secret or the scheduler's headers: 401 and" in outcome.observed
    plain = [h for h in seen if "x-vercel-cron" not in h]
    assert len(plain) == 1 and len(seen) == 12, seen
    assert plain[0].get("user-agent") == "opsverify" and not {"authorization", "x-vercel-cron-schedule"} & set(
        plain[0]), plain[0]
