"""A key the service URL holds in its query (`?token=${API_TOKEN}`, Azure Functions' `?code=`) is sent, as its user and
password are (tests/test_url_userinfo.py), only by requests meant to carry credentials. Those that show an endpoint
refuses callers without them (an http item expecting only 401/403, cron's calls without its secret, webhook deliveries
it must refuse, of an item without signed_with) leave off every query parameter holding a secret the run knows, and say
which (names, never values); parameters holding none stay (`?region=eu`). Behind a gate refusing a stale key with 401
and letting callers with no key in, such an item passed on an endpoint open to anyone."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import pytest

from opsverify.engine import gather_and_judge, learn_secrets
from opsverify.families import cron, http, webhook
from opsverify.outcome import Status

from .kit import handler_server, make_check, make_target
from .test_webhook import _verifies_stripe

TOKEN = "stale-7f3e9a1c5b2d4e6f8a0b"  # refused by the gate: the item's 401 came from the key, not from its absence
KEY = "fnkey-7Qw3Zr9XbT2mKp8sLd4V"
CRON_SECRET = "cron-0123456789abcdef0123456789abcdef"


def gate(seen: list, answer):
    """A server keeping each request's (method, path, query pairs) in `seen`; `answer(query) -> (status, text)`."""
    class Gate(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            seen.append((self.command, parts.path, query))
            status, text = answer(query)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    return handler_server(Gate)


def function_app(seen: list, handler):
    """Azure Functions' authLevel=function: 401 to a request without the URL's `?code=` key; past it, the function,
    `handler(headers, body) -> (status, text)`. Each request's query pairs kept in `seen`."""
    class Function(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            seen.append(query)
            status, text = (handler({k.lower(): v for k, v in self.headers.items()}, body) if query.get("code") == KEY
                            else (401, '{"error": "no function key"}'))
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args) -> None:
            pass

    return handler_server(Function)


def stale_key_refused(query: dict) -> tuple[int, str]:
    """Optional auth: a key it does not take -> 401; none -> anyone's, let in."""
    return (401, '{"error": "invalid token"}') if "token" in query else (200, '{"admin": "open to anyone"}')


def judged(family, url: str, params: dict, *, mutating: bool = False, secrets: dict | None = None, learn=True):
    return judged_and_shown(family, url, params, mutating=mutating, secrets=secrets, learn=learn)[0]


def judged_and_shown(family, url: str, params: dict, *, mutating: bool = False, secrets: dict | None = None,
                     learn=True):
    """The item's outcome, and what the run's output shows of it (masked by the run's redactor: a request that
    carried the URL's key names it in its evidence, as every output masks it)."""
    target = make_target({"services": {"app": {"url": url}}, "secrets": secrets or {}})
    if learn:  # as a run does before any item: the environment's secrets and its URLs' keys
        learn_secrets(target.redactor, target.env)
    try:
        outcome, = gather_and_judge(target, family, [make_check(family.__name__.rsplit(".")[-1], params,
                                                                mutating=mutating)])
        shown = target.redactor.text(json.dumps([outcome.expected, outcome.observed, outcome.evidence]))
    finally:
        target.close()
    return outcome, shown


def shows_no_key(outcome, *keys: str) -> str:
    shown = outcome.expected + outcome.observed + json.dumps(outcome.evidence)
    assert not any(key in shown for key in keys), shown
    return shown


# -- http ---------------------------------------------------------------------------------------------------------
def test_an_http_item_expecting_auth_required_leaves_off_the_urls_query_key():
    seen: list = []
    with gate(seen, stale_key_refused) as base:
        outcome = judged(http, f"{base}/?region=eu&token={TOKEN}", {"service": "app", "path": "/admin",
                                                                    "status": [401, 403]},
                         secrets={"API_TOKEN": TOKEN})
    assert seen == [("GET", "/admin", {"region": "eu"})], seen  # the routing parameter stays
    assert outcome.status is Status.FAILED, outcome
    assert "status 200" in outcome.observed, outcome
    assert "sent without the URL's query parameter token" in outcome.observed, outcome
    assert "token" in outcome.evidence["sent_without"], outcome.evidence
    assert outcome.evidence["request"].endswith("/admin?region=eu"), outcome.evidence  # what was sent
    shows_no_key(outcome, TOKEN)


def test_an_http_item_expecting_a_success_still_sends_the_urls_query_key():
    seen: list = []
    with gate(seen, lambda q: (200 if q.get("token") == TOKEN else 401, '{"ok": true}')) as base:
        outcome = judged(http, f"{base}/?token={TOKEN}", {"service": "app", "path": "/health"},
                         secrets={"API_TOKEN": TOKEN})
    assert outcome.status is Status.PASSED, outcome
    assert seen == [("GET", "/health", {"token": TOKEN})], seen
    assert "sent_without" not in outcome.evidence, outcome.evidence


def test_an_azure_code_in_a_configured_url_is_left_off_even_by_a_lone_target():
    """`?code=` is a key by its name (the redactor masks it): a target asked without a run's learning knows it too."""
    seen: list = []
    with gate(seen, lambda q: (200, '{"ok": true}') if q.get("code") == KEY else (401, '{"error": "unauthorized"}')) \
            as base:
        outcome = judged(http, f"{base}/api?code={KEY}", {"service": "app", "path": "/admin", "status": [401]},
                         learn=False)
    assert seen == [("GET", "/api/admin", {})], seen
    assert outcome.status is Status.PASSED, outcome
    assert "code" in outcome.evidence["sent_without"], outcome.evidence
    shows_no_key(outcome, KEY)


def test_a_parameter_holding_a_secret_inside_is_left_off_and_one_without_a_name_not_named():
    target = make_target({"services": {"app": {"url": f"http://127.0.0.1:9/api?auth=Bearer%20{TOKEN}&{KEY}"
                                                      "&page=2&lang=en"}},
                          "secrets": {"API_TOKEN": TOKEN, "FUNC_KEY": KEY}})
    learn_secrets(target.redactor, target.env)
    url, left_off, _ = target.anonymous_url("app", "/x?debug=1")
    assert url == "http://127.0.0.1:9/api/x?page=2&lang=en&debug=1", url
    assert left_off == ("auth", "one without a name"), left_off
    assert target.anonymous_url("app", "/x")[0] != target.url("app", "/x")
    plain = make_target({"services": {"app": {"url": "http://127.0.0.1:9/?region=eu-west-1&provider=google"}}})
    assert plain.anonymous_url("app", "/y") == ("http://127.0.0.1:9/y?region=eu-west-1&provider=google", (), ())


# -- cron ---------------------------------------------------------------------------------------------------------
CRON = {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET", "header": "x-cron-secret"}


def test_cron_calls_without_the_secret_leave_off_the_urls_query_key():
    seen: list = []
    with gate(seen, stale_key_refused) as base:
        outcome = judged(cron, f"{base}/?token={TOKEN}", CRON,
                         secrets={"CRON_SECRET": CRON_SECRET, "API_TOKEN": TOKEN})
    assert seen and all(query == {} for _, _, query in seen), seen
    assert outcome.status is Status.FAILED, outcome
    assert "without a secret: accepted with 200" in outcome.observed, outcome
    assert "sent without the URL's query parameter token" in outcome.observed, outcome
    shows_no_key(outcome, TOKEN, CRON_SECRET)


def test_cron_with_the_secret_still_sends_the_urls_query_key():
    seen: list = []
    with gate(seen, lambda q: (200, '{"ran": true}')) as base:
        outcome = judged(cron, f"{base}/?token={TOKEN}", {**CRON, "with_secret": True}, mutating=True,
                         secrets={"CRON_SECRET": CRON_SECRET, "API_TOKEN": TOKEN})
    assert outcome.status is Status.PASSED, outcome
    assert [query for _, _, query in seen] == [{"token": TOKEN}], seen


# -- webhook ------------------------------------------------------------------------------------------------------
def test_webhook_deliveries_to_refuse_leave_off_the_urls_query_key():
    seen: list = []
    with gate(seen, stale_key_refused) as base:
        outcome = judged(webhook, f"{base}/?token={TOKEN}", {"service": "app", "path": "/webhooks/stripe",
                                                             "scheme": "stripe"},
                         secrets={"API_TOKEN": TOKEN})
    assert seen and all(query == {} for _, _, query in seen), seen
    assert outcome.status is Status.FAILED, outcome
    assert "sent without the URL's query parameter token" in outcome.observed, outcome
    shows_no_key(outcome, TOKEN)


STRIPE_SECRET = "whsec_" + "4f" * 16
SIGNED = {"service": "app", "path": "/stripe-webhook", "scheme": "stripe",
          "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}


def test_with_signed_with_every_delivery_goes_past_the_urls_key_as_the_genuine_one():
    """Behind Azure's function key, a handler verifying no signature: the genuine delivery went with `?code=`, the
    forged ones without, so the platform's 401 refused every forgery and the item passed, claiming the endpoint
    refuses them. Every delivery now goes where the genuine one went (its key shown taken by the genuine one's 2xx):
    the forgeries are taken, and the item fails. The key is named, never shown."""
    seen: list = []
    with function_app(seen, lambda headers, body: (200, '{"received": true}')) as base:
        outcome, shown = judged_and_shown(webhook, f"{base}/api?code={KEY}", SIGNED, mutating=True,
                                         secrets={"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET})
    assert seen and all(query == {"code": KEY} for query in seen), seen
    assert outcome.status is Status.FAILED, outcome
    assert "unsigned: accepted with 200" in outcome.observed, outcome.observed
    assert "query parameter code" in outcome.evidence["credentials"], outcome.evidence
    assert "sent_without" not in outcome.evidence, outcome.evidence
    assert KEY not in shown and STRIPE_SECRET not in shown and "code" in shown, shown


def test_with_signed_with_a_function_verifying_signatures_behind_its_key_passes():
    seen: list = []
    with function_app(seen, _verifies_stripe(STRIPE_SECRET.encode())) as base:
        outcome, shown = judged_and_shown(webhook, f"{base}/api?code={KEY}", SIGNED, mutating=True,
                                         secrets={"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET})
    assert seen and all(query == {"code": KEY} for query in seen), seen
    assert outcome.status is Status.PASSED, outcome
    assert "correctly signed: 200" in outcome.observed, outcome.observed
    assert KEY not in shown and STRIPE_SECRET not in shown and "code" in shown, shown


def test_with_signed_with_a_stale_key_refused_by_the_gate_is_no_pass_and_said():
    """Every delivery refused by the platform for the URL's stale key, the genuine one too: nothing is shown, and the
    stale key is among the causes said."""
    with function_app([], lambda headers, body: (200, '{"received": true}')) as base:
        outcome = judged(webhook, f"{base}/api?code={TOKEN}", SIGNED, mutating=True,
                         secrets={"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "FUNCTION_KEY": TOKEN})
    assert outcome.status is Status.ERROR, outcome
    assert ("correctly signed: refused with 401 as well" in outcome.observed
            and "or the URL's query parameter code is refused, or" in outcome.observed), outcome.observed


def test_without_signed_with_a_pass_behind_the_urls_key_says_the_refusals_may_be_its_gates():
    """Without signed_with the deliveries go without the key (a stale one refused proved nothing): the platform's
    401 is then all they may show, and the pass says so, naming the parameter."""
    seen: list = []
    with function_app(seen, lambda headers, body: (200, '{"received": true}')) as base:
        outcome = judged(webhook, f"{base}/api?code={KEY}", {k: v for k, v in SIGNED.items() if k != "signed_with"})
    assert seen and all(query == {} for query in seen), seen
    assert outcome.status is Status.PASSED, outcome
    assert ("a refusal of the probe's content would read the same, and so would a gate's refusal of callers without "
            "the URL's query parameter code, which these deliveries were sent without") in outcome.observed, \
        outcome.observed
    assert "code" in outcome.evidence["sent_without"], outcome.evidence
    shows_no_key(outcome, KEY)


# -- a hosting platform's gate key stays: it lets the request reach the app, it is not the app's credential --------
BYPASS = "Qm7xZ2kLp9RtV4wYb8NcD3fGh6JsA1eU"  # Vercel's Protection Bypass for Automation secret


def vercel_protected(query: dict) -> tuple[int, str]:
    """Vercel's Deployment Protection in front (401 without its bypass), and behind it an app open to anyone."""
    if query.get("x-vercel-protection-bypass") != BYPASS:
        return 401, '{"error": "Authentication Required"}'
    return (401, '{"error": "invalid token"}') if "token" in query else (200, '{"admin": "open to anyone"}')


VERCEL_SECRETS = {"VERCEL_AUTOMATION_BYPASS_SECRET": BYPASS, "API_TOKEN": TOKEN, "CRON_SECRET": CRON_SECRET}
BYPASSED = f"?x-vercel-protection-bypass={BYPASS}&x-vercel-set-bypass-cookie=true&token={TOKEN}"
KEPT = {"x-vercel-protection-bypass": BYPASS, "x-vercel-set-bypass-cookie": "true"}


def test_vercels_protection_bypass_is_kept_and_the_app_key_left_off():
    target = make_target({"services": {"app": {"url": f"http://127.0.0.1:9/{BYPASSED}"}}, "secrets": VERCEL_SECRETS})
    learn_secrets(target.redactor, target.env)
    url, left_off, gate_kept = target.anonymous_url("app", "/x")
    assert url == (f"http://127.0.0.1:9/x?x-vercel-protection-bypass={BYPASS}&x-vercel-set-bypass-cookie=true"), url
    assert left_off == ("token",) and gate_kept == ("x-vercel-protection-bypass",), (left_off, gate_kept)


@pytest.mark.parametrize("family, params", [
    (http, {"service": "app", "path": "/api/admin", "status": [401, 403]}),
    (cron, CRON),
    (webhook, {"service": "app", "path": "/webhooks/stripe", "scheme": "stripe"}),
], ids=["http", "cron", "webhook"])
def test_behind_vercels_protection_a_request_without_credentials_reaches_the_app(family, params):
    """Left off, the bypass made Vercel's own gate answer 401, and the item passed on a route open to anyone past it."""
    seen: list = []
    with gate(seen, vercel_protected) as base:
        outcome = judged(family, f"{base}/{BYPASSED}", params, secrets=VERCEL_SECRETS)
    assert seen and all(query == KEPT for _, _, query in seen), seen
    assert outcome.status is Status.FAILED, outcome
    said = ("sent with the URL's query parameter x-vercel-protection-bypass: the hosting platform's gate key "
            "(Vercel's Deployment Protection bypass), not the app's credential")
    assert said in outcome.evidence["sent_with"] and said in outcome.observed, outcome
    assert "sent without the URL's query parameter token" in outcome.observed, outcome
    shows_no_key(outcome, TOKEN, CRON_SECRET)  # the bypass, sent, is masked where reported as any declared secret
