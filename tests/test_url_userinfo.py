"""A service URL's user and password (`http://user:pw@host`, a /metrics behind Basic auth) are sent, as the HTTP
client's `Authorization: Basic …`, only by requests meant to carry credentials: never by those that show an endpoint
refuses callers without them (cron's without the right secret, webhook deliveries it must refuse without signed_with, an
http item expecting only 401/403). Behind an optional-auth gate (a bad Authorization -> 401, none -> anonymous) those
were refused for the credentials opsverify added, and passed on endpoints open to anyone. Nor do the user and password
appear in what an item says."""

from __future__ import annotations

import json

import pytest

from opsverify.engine import gather_and_judge
from opsverify.errors import Refused
from opsverify.families import cron, http, webhook
from opsverify.outcome import Status
from opsverify.transports.http import Probe, Session, guard

from .kit import make_check, make_target, route_server

USER, PASSWORD = "scrapeuser-a1", "scrape-pass-7f3a9c21"
BASIC = "Basic c2NyYXBldXNlci1hMTpzY3JhcGUtcGFzcy03ZjNhOWMyMQ=="  # base64 of USER:PASSWORD
SECRET = "cron-0123456789abcdef0123456789abcdef"
CRON = {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET", "header": "x-cron-secret"}


def gated(app, seen: list):
    """Optional auth: an Authorization header other than the URL's Basic one -> 401; none -> anonymous. Every
    Authorization that came is kept in `seen` (None for none)."""
    def answer(headers, body):
        auth = headers.get("authorization")
        seen.append(auth)
        if auth is not None and auth != BASIC:
            return 401, '{"error": "invalid credentials"}'
        return app(headers, body)
    return answer


def open_to_anyone(_headers, _body):
    return 200, '{"ran": true}'


def judged(family, routes: dict, params: dict, *, mutating: bool = False, secrets: dict | None = None):
    with route_server(routes) as base:
        url = base.replace("http://", f"http://{USER}:{PASSWORD}@")
        target = make_target({"services": {"app": {"url": url}}, "secrets": secrets or {"CRON_SECRET": SECRET}})
        try:
            outcome, = gather_and_judge(target, family, [make_check(family.__name__.rsplit(".")[-1], params,
                                                                    mutating=mutating)])
        finally:
            target.close()
    return outcome


def shows_no_login(outcome) -> None:
    shown = outcome.expected + outcome.observed + json.dumps(outcome.evidence)
    assert USER not in shown and PASSWORD not in shown, shown


# -- cron ---------------------------------------------------------------------------------------------------------
def test_cron_open_to_anyone_fails_though_the_url_holds_a_login():
    seen: list = []
    outcome = judged(cron, {("GET", "/api/cron/publish"): gated(open_to_anyone, seen)}, CRON)
    assert outcome.status is Status.FAILED, outcome
    assert "without a secret: accepted with 200" in outcome.observed, outcome
    assert BASIC not in seen, seen  # no request of the item sent the URL's login
    shows_no_login(outcome)


def test_cron_refusing_anonymous_callers_passes_though_it_takes_the_urls_login():
    """An app that lets a signed-in user (the URL's Basic login) run the job, and checks the secret of everyone
    else: the item asks about callers without the secret, so it passes — it failed, saying the job took no secret."""
    def job(headers, _body):
        if headers.get("authorization") == BASIC or headers.get("x-cron-secret") == SECRET:
            return 200, '{"ran": true}'
        return 401, '{"error": "unauthorized"}'

    outcome = judged(cron, {("GET", "/api/cron/publish"): job}, CRON)
    assert outcome.status is Status.PASSED, outcome
    shows_no_login(outcome)


def test_cron_with_the_secret_still_sends_the_urls_login():
    seen: list = []
    outcome = judged(cron, {("GET", "/api/cron/publish"): gated(open_to_anyone, seen)},
                     {**CRON, "with_secret": True}, mutating=True)
    assert outcome.status is Status.PASSED, outcome
    assert seen == [BASIC], seen
    shows_no_login(outcome)


# -- webhook ------------------------------------------------------------------------------------------------------
STRIPE = {"service": "app", "path": "/webhooks/stripe", "scheme": "stripe"}


def test_webhook_taking_any_delivery_fails_though_the_url_holds_a_login():
    seen: list = []
    outcome = judged(webhook, {("POST", "/webhooks/stripe"): gated(lambda h, b: (200, '{"received": true}'), seen)},
                     STRIPE)
    assert outcome.status is Status.FAILED, outcome
    assert "unsigned: accepted with 200" in outcome.observed, outcome
    assert seen and set(seen) == {None}, seen
    shows_no_login(outcome)


def login_required(app, seen: list):
    """A gate wanting the URL's Basic login (401 to anyone else); past it, `app`. Every Authorization kept in `seen`."""
    def answer(headers, body):
        seen.append(headers.get("authorization"))
        return app(headers, body) if headers.get("authorization") == BASIC else (401, '{"error": "login required"}')
    return answer


STRIPE_KEY = "whsec_0123456789abcdef0123456789abcdef"
STRIPE_SIGNED = {**STRIPE, "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}


def test_with_signed_with_every_delivery_sends_the_urls_login_as_the_genuine_one():
    """Behind a gate wanting the URL's login, a handler verifying no signature: the genuine delivery went with the
    login, the forged ones without, so the gate's 401 refused every forgery and the item passed. Every delivery now
    goes as the genuine one (the login shown taken by its 2xx): the forgeries are taken, and the item fails."""
    seen: list = []
    outcome = judged(webhook, {("POST", "/webhooks/stripe"): login_required(lambda h, b: (200, '{"ok": true}'), seen)},
                     STRIPE_SIGNED, mutating=True, secrets={"STRIPE_WEBHOOK_SECRET": STRIPE_KEY})
    assert seen and set(seen) == {BASIC}, seen
    assert outcome.status is Status.FAILED, outcome
    assert "unsigned: accepted with 200" in outcome.observed, outcome.observed
    assert "user and password" in outcome.evidence["credentials"], outcome.evidence
    shows_no_login(outcome)


def test_without_signed_with_a_pass_behind_a_login_says_the_refusals_may_be_the_gates():
    seen: list = []
    outcome = judged(webhook, {("POST", "/webhooks/stripe"): login_required(lambda h, b: (200, '{"ok": true}'), seen)},
                     STRIPE)
    assert seen and set(seen) == {None}, seen
    assert outcome.status is Status.PASSED, outcome
    assert ("and so would a gate's refusal of callers without the URL's user and password, which these deliveries "
            "were sent without" in outcome.observed), outcome.observed
    shows_no_login(outcome)


# -- http ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [[401, 403], 401, [403]])
def test_an_http_item_expecting_auth_required_fails_on_an_open_route(status):
    seen: list = []
    outcome = judged(http, {("GET", "/api/admin/users"): gated(lambda h, b: (200, '{"users": []}'), seen)},
                     {"service": "app", "path": "/api/admin/users", "status": status})
    assert outcome.status is Status.FAILED, outcome
    assert "200" in outcome.observed, outcome
    assert seen == [None], seen
    shows_no_login(outcome)


def test_an_http_item_expecting_a_success_sends_the_urls_login():
    seen: list = []
    outcome = judged(http, {("GET", "/metrics"): gated(lambda h, b: (200 if h.get("authorization") == BASIC else 401,
                                                                     "up 1\n"), seen)},
                     {"service": "app", "path": "/metrics"})
    assert outcome.status is Status.PASSED, outcome
    assert seen == [BASIC], seen
    shows_no_login(outcome)


# -- the transport --------------------------------------------------------------------------------------------------
def test_an_anonymous_probe_sends_no_login_from_its_url():
    seen: list = []
    with route_server({("GET", "/echo"): gated(open_to_anyone, seen)}) as base:
        url = base.replace("http://", f"http://{USER}:{PASSWORD}@") + "/echo"
        session = Session(timeout_s=5, concurrency=1)
        try:
            replies = session.fetch_all([Probe("GET", url, anonymous=True), Probe("GET", url)])
        finally:
            session.close()
    assert [r.status for r in replies] == [200, 200], replies
    assert seen == [None, BASIC], seen


def test_a_refused_method_is_named_without_the_urls_login():
    with pytest.raises(Refused) as refused:
        guard(Probe("POST", f"http://{USER}:{PASSWORD}@127.0.0.1:9/hook"))
    assert "http://127.0.0.1:9/hook" in str(refused.value), refused.value
    assert USER not in str(refused.value) and PASSWORD not in str(refused.value), refused.value
