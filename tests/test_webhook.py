"""webhook: unsigned and wrongly signed deliveries must get a 4xx — not 404, 5xx or 2xx."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote

import httpx
import pytest
from pydantic import ValidationError

from opsverify.checklist import Check, Severity, load_item_params
from opsverify.engine import gather_and_judge, message
from opsverify.families import _retry, webhook
from opsverify.outcome import Status
from opsverify.transports.http import Reply

from .helpers import by_id, evaluate
from .kit import handler_server, make_check, make_target, route_server


def check(**params) -> Check:
    return Check("bakery-ops", "B6", "orders-webhook", "Webhooks", "orders webhook rejects unsigned", "webhook",
                 None, Severity.blocker, False, "", "", webhook.Params(**params))


SHOPIFY = {"service": "edge", "path": "/functions/v1/orders-webhook", "scheme": "shopify",
           "shop_domain": "bannos.myshopify.com"}


def facts(c: Check, *statuses: int | None) -> dict:
    replies = [Reply(s, 12.0, text="{}") if s is not None else Reply(None, 3.0, failure="connection refused")
               for s in statuses]
    return {c.key: [(how, "https://edge.example/functions/v1/orders-webhook", r)
                    for how, r in zip(("unsigned", "wrong signature", "correctly signed"), replies)]}


@pytest.mark.parametrize("params, statuses, status, observed", [
    ({}, (401, 401), Status.PASSED, "unsigned: 401 and wrong signature: 401"),
    ({}, (400, 403), Status.PASSED, "unsigned: 400 and wrong signature: 403"),
    ({}, (404, 404), Status.FAILED, "unsigned: 404 (not deployed); wrong signature: 404 (not deployed)"),
    ({}, (405, 401), Status.FAILED, "unsigned: 405 (does not take POST)"),
    # 410 Gone: the route was removed, as surely as a 404 says it is not there
    ({}, (410, 410), Status.FAILED, "unsigned: 410 (gone: the route was removed); wrong signature: 410 (gone: the "
                                    "route was removed)"),
    ({}, (200, 401), Status.FAILED, "unsigned: accepted with 200"),
    ({}, (401, 202), Status.FAILED, "wrong signature: accepted with 202"),
    ({}, (500, 500), Status.FAILED, "unsigned: 500 (server error; the sender will retry)"),
    ({}, (302, 401), Status.FAILED, "unsigned: status 302"),
    ({}, (None, 401), Status.ERROR, "unsigned: no answer (connection refused)"),  # not judged: could not look
    ({}, (429, 401), Status.ERROR, "unsigned: 429 (rate-limited): whether it checks signatures was not seen"),
    ({}, (401, 408), Status.ERROR, "wrong signature: 408 (request timeout)"),
    # a status the item names changes nothing: a 429 or 408 was turned away before any signature was read
    ({"status": [401]}, (429, 429), Status.ERROR, "unsigned: 429 (rate-limited): whether it checks signatures was not "
                                                  "seen; wrong signature: 429 (rate-limited)"),
    ({"status": 400}, (400, 408), Status.ERROR, "wrong signature: 408 (request timeout): whether it checks signatures"),
    # nor does a 421 (this server serves another host: the endpoint is not here), nor a 426 or 431 (turned away
    # before any header was read for a signature)
    ({}, (421, 421), Status.FAILED, "unsigned: 421 (misdirected: this server does not serve that host)"),
    ({}, (426, 426), Status.ERROR, "unsigned: 426 (upgrade required): whether it checks signatures was not seen"),
    ({}, (401, 431), Status.ERROR, "wrong signature: 431 (request headers too large)"),
    # a forgeable endpoint fails whatever the other delivery got: turned away or unanswered, it cannot save it
    ({}, (200, 429), Status.FAILED, "unsigned: accepted with 200"),
    ({}, (200, None), Status.FAILED, "unsigned: accepted with 200"),
    ({}, (None, 202), Status.FAILED, "wrong signature: accepted with 202"),
    ({}, (408, 500), Status.FAILED, "wrong signature: 500 (server error; the sender will retry)"),
    ({"status": [401]}, (401, 403), Status.FAILED, "wrong signature: status 403"),
    ({"status": 400}, (400, 400), Status.PASSED, "unsigned: 400"),
])
def test_judge(params, statuses, status, observed):
    c = check(**SHOPIFY, **params)
    outcome = webhook.judge(c, facts(c, *statuses))
    assert outcome.status is status
    assert observed in outcome.observed
    assert "POST /functions/v1/orders-webhook rejects an unsigned and a wrongly signed shopify delivery" in outcome.expected
    assert set(outcome.evidence) - {"undecided"} == {"unsigned", "wrong signature"}


def test_a_pass_without_signed_with_says_what_it_did_not_rule_out():
    """An endpoint that checks no signature but refuses the probe's content (an unknown event type) answers the
    same 4xx: the pass says so, and how to prove it."""
    c = check(service="app", path="/hook", scheme="stripe")
    outcome = webhook.judge(c, facts(c, 400, 400))
    assert outcome.status is Status.PASSED
    assert "a refusal of the probe's content would read the same" in outcome.observed
    assert "signed_with" in outcome.observed


STRIPE_SIGNED = {"service": "app", "path": "/hook", "scheme": "stripe", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}


@pytest.mark.parametrize("statuses, status, observed", [
    ((401, 401, 200), Status.PASSED, "unsigned: 401 and wrong signature: 401 and correctly signed: 200"),
    ((401, 400, 204), Status.PASSED, "correctly signed: 204"),
    # refused with a signature it should take: its refusals are about the content; signatures were not shown
    ((400, 400, 400), Status.ERROR, "correctly signed: refused with 400 as well: its refusals may be about the "
                                    "content, not the signature; that it checks signatures was not shown"),
    ((401, 401, 404), Status.ERROR, "correctly signed: refused with 404 as well"),
    ((401, 401, 500), Status.FAILED, "correctly signed: 500 (server error on a genuine delivery"),
    ((401, 401, 302), Status.FAILED, "correctly signed: status 302"),
    ((401, 401, None), Status.ERROR, "correctly signed: no answer (connection refused)"),
    ((401, 401, 429), Status.ERROR, "correctly signed: 429 (rate-limited)"),
    # a forgeable endpoint fails, whatever the genuine delivery got
    ((200, 401, 200), Status.FAILED, "unsigned: accepted with 200"),
    ((401, 202, 400), Status.FAILED, "wrong signature: accepted with 202"),
    ((200, 429, 200), Status.FAILED, "unsigned: accepted with 200"),
    ((429, 401, 500), Status.FAILED, "correctly signed: 500 (server error on a genuine delivery"),
])
def test_judge_with_a_correctly_signed_delivery(statuses, status, observed):
    c = check(**STRIPE_SIGNED)
    outcome = webhook.judge(c, facts(c, *statuses))
    assert outcome.status is status, outcome
    assert observed in outcome.observed, outcome.observed
    assert "and accepts one signed with STRIPE_WEBHOOK_SECRET as Stripe signs it (its body pretty-printed JSON) with 2xx" in outcome.expected
    assert set(outcome.evidence) - {"undecided"} == {"unsigned", "wrong signature", "correctly signed"}
    assert "would read the same" not in outcome.observed


def test_a_refusal_not_seen_beside_a_failure_is_recorded_undecided():
    """A genuine delivery answered 500 fails the item; the unsigned probe turned away (429) was not seen: said
    beside it and recorded, so no waiver of the 500 takes it and the run counts it as could-not-check too."""
    c = check(**STRIPE_SIGNED)
    outcome = webhook.judge(c, facts(c, 429, 401, 500))
    assert outcome.status is Status.FAILED
    assert outcome.evidence["undecided"] == ["unsigned: 429 (rate-limited): whether it checks signatures was not seen"]
    assert "; and 1 could not be judged: unsigned: 429" in outcome.observed


def test_default_status_wording():
    c = check(**SHOPIFY)
    assert "with 4xx (not 404/405/410/421)" in webhook.judge(c, facts(c, 401, 401)).expected


@pytest.mark.parametrize("params, problem", [
    ({"service": "edge", "path": "/hook", "scheme": "shopify"}, "shop_domain is required"),
    ({"service": "app", "path": "/hook", "scheme": "fal", "shop_domain": "x.myshopify.com"}, "shopify only"),
    ({"service": "app", "path": "hook", "scheme": "stripe"}, "must start with /"),
    ({"service": "app", "path": "/hook", "scheme": "github"}, "shopify"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "secret": "X"}, "Extra inputs"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": 200}, "200 is not a 4xx"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [401, 500]}, "500 is not a 4xx"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": []}, "at least 1 item"),
    # an endpoint that is not deployed must never pass
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [404]}, r"404 \(not deployed\)"),
    ({"service": "app", "path": "/hook", "scheme": "fal", "status": 405}, r"405 \(does not take POST\)"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [401, 410]},
     r"410 \(gone: the route was removed\)"),
    # turned away before any signature was read: a rate limiter or a timeout must not pass a broken endpoint
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [400, 429]},
     r"429 \(rate-limited\) says nothing of signatures"),
    ({"service": "app", "path": "/hook", "scheme": "fal", "status": 408},
     r"408 \(request timeout\) says nothing of signatures"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [401, 421]}, r"421 \(misdirected"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": [426]},
     r"426 \(upgrade required\) says nothing"),
    ({"service": "app", "path": "/hook", "scheme": "stripe", "status": 431}, r"431 \(request headers too large\)"),
    # the body of the answer to a genuine delivery: judged only where there is one
    ({**SHOPIFY, "json": {"received": True}}, "judged with signed_with only"),
    ({**STRIPE_SIGNED, "body_includes": []}, "body_includes given empty"),
    # a shop domain goes out as a header, as Shopify sends it: an ASCII host name
    ({**SHOPIFY, "shop_domain": "bäckerei.myshopify.com"},
     "Shopify sends a shop domain in ASCII, .*: write 'xn--bckerei-5wa.myshopify.com'"),
    ({**SHOPIFY, "shop_domain": "Bannos.myshopify.com"}, "write 'bannos.myshopify.com'"),
    ({**SHOPIFY, "shop_domain": "x.myshopify.com\r\nX-Injected: 1"}, "not a host name"),
    ({**SHOPIFY, "shop_domain": "bad_name.myshopify.com"}, "not a host name"),
    # the signing secret: only cited from the environment, never written into the checklist
    ({**STRIPE_SIGNED, "signed_with": "whsec_0123456789abcdef"}, "must cite a secret of the environment"),
    ({**STRIPE_SIGNED, "signed_with": {"secret:STRIPE_WEBHOOK_SECRET": None}}, "quote it"),
    ({**STRIPE_SIGNED, "signed_with": "{secret: }"}, "names no secret an environment can define"),
    ({**STRIPE_SIGNED, "signed_with": "{secret:STRIPE WEBHOOK}"}, "names no secret an environment can define"),
    ({**STRIPE_SIGNED, "scheme": "fal"}, "Fal signs its deliveries with its own ed25519 key"),
])
def test_params_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        webhook.Params(**params)


def test_a_correctly_signed_delivery_is_a_real_one_so_the_item_is_mutating():
    with pytest.raises(ValueError, match="mark the item mutating: true"):
        load_item_params("webhook", STRIPE_SIGNED)
    assert load_item_params("webhook", STRIPE_SIGNED, mutating=True).signed_with == "{secret:STRIPE_WEBHOOK_SECRET}"
    assert webhook.needs(webhook.Params(**STRIPE_SIGNED)) == ("url", "secret:STRIPE_WEBHOOK_SECRET")
    assert webhook.needs(webhook.Params(**SHOPIFY)) == ("url",)


def test_shopify_deliveries():
    (how1, unsigned, body1), (how2, signed, body2), *unset, (how3, empty, _), (how4, other, _) = webhook.deliveries(
        webhook.Params(**SHOPIFY))
    assert (how1, how2, how3, how4) == ("unsigned", "wrong signature", webhook.EMPTY_SIGNATURE, webhook.OTHER_TYPE)
    assert empty["x-shopify-hmac-sha256"] == "" and other["content-type"] == "text/plain"
    for (how, headers, body), key in zip(unset, [b"", b"undefined", b"null"], strict=True):
        assert body != body1 and how in webhook.UNSET_KEYS  # each its own order
        digest = hmac.new(key, body, hashlib.sha256).digest()
        assert headers["x-shopify-hmac-sha256"] == base64.b64encode(digest).decode()
    assert b'"test":true' in body1 and b'"test":true' in body2
    assert "x-shopify-hmac-sha256" not in unsigned
    assert unsigned["x-shopify-topic"] == "orders/create"
    assert unsigned["x-shopify-shop-domain"] == "bannos.myshopify.com"
    digest = base64.b64decode(signed["x-shopify-hmac-sha256"])
    assert len(digest) == 32  # shaped like a real HMAC-SHA256, made with a random key
    assert digest != hmac.new(b"", body2, hashlib.sha256).digest()


@pytest.mark.parametrize("params, id_of", [
    ({**SHOPIFY, "signed_with": "{secret:SHOPIFY_WEBHOOK_SECRET}"}, lambda document: document["id"]),
    (STRIPE_SIGNED, lambda document: document["id"]),
    ({"service": "app", "path": "/h", "scheme": "fal"}, lambda document: document["request_id"]),
], ids=["shopify", "stripe", "fal"])
def test_each_delivery_carries_an_id_of_its_own(params, id_of):
    """Every delivery carried Shopify's sample order id (820982911946154508): a handler inserting the order once
    answered 500 to whichever of two taken came second — the cut signature's, read as a crash on its length, hid a
    verifier that took it. Each delivery is its own order, event or request (the one sent again as text/plain aside:
    the randomly signed one as it is but for its type), and a Shopify one its own webhook id; ids shaped as the
    sender's (an order id of 13 digits, as Shopify's now are, exact where JavaScript parses it)."""
    sent = [(how, headers, json.loads(body)) for how, headers, body in
            webhook.deliveries(webhook.Params(**params), "whsec_field-test-0123456789abcdef")
            if how != webhook.OTHER_TYPE]
    ids = [id_of(document) for _, _, document in sent]
    assert len(ids) == len(set(ids)) == len(sent) >= 3, ids
    if params["scheme"] == "shopify":
        assert all(isinstance(order, int) and len(str(order)) == 13 and order < 2 ** 53 for order in ids), ids
        assert all(document["admin_graphql_api_id"] == f"gid://shopify/Order/{document['id']}"
                   for _, _, document in sent)
        webhook_ids = [headers["x-shopify-webhook-id"] for _, headers, _ in sent]
        assert len(set(webhook_ids)) == len(sent), webhook_ids
    if params["scheme"] == "fal":  # the header names the request the body is about
        assert all(headers["x-fal-webhook-request-id"] == document["request_id"] for how, headers, document in sent
                   if "x-fal-webhook-request-id" in headers)


def test_deliveries_signed_with_the_endpoint_secret_verify_as_the_sender_signs_them():
    secret = "whsec_field-test-0123456789abcdef"
    stripe = webhook.Params(**STRIPE_SIGNED)
    hows = [how for how, _, _ in webhook.deliveries(stripe, secret)]
    assert hows == ["unsigned", "wrong signature", webhook.NO_SIGNATURE, webhook.V0_ONLY, *webhook.UNSET_KEYS,
                    webhook.EMPTY_SIGNATURE, webhook.OTHER_TYPE, webhook.REPLAYED, webhook.OTHER_BODY, webhook.CUT_SIGNATURE, webhook.WRONG_CUT,
                    webhook.CUT_SIGNATURE_START, webhook.WRONG_CUT_START, webhook.REWRITTEN, "correctly signed"]
    _, headers, body = webhook.deliveries(stripe, secret)[-1]
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["stripe-signature"]).groups()
    assert mac == hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert json.loads(body)["type"] == "opsverify.probe"  # as inert a body as the refused ones
    shop = webhook.Params(**SHOPIFY, signed_with="{secret:SHOPIFY_WEBHOOK_SECRET}")
    _, headers, body = webhook.deliveries(shop, secret)[-1]
    assert headers["x-shopify-hmac-sha256"] == base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_stripe_and_fal_deliveries():
    (_, unsigned, _), (_, signed, _), (_, none, _), (_, v0, _), *unset, _, _ = webhook.deliveries(
        webhook.Params(service="app", path="/h", scheme="stripe"))
    assert "stripe-signature" not in unsigned
    assert re.fullmatch(r"t=\d{10},v1=[0-9a-f]{64}", signed["stripe-signature"])
    assert re.fullmatch(r"t=\d{10}", none["stripe-signature"])  # its time, and no signature at all
    assert re.fullmatch(r"t=\d{10},v0=[0-9a-f]{64}", v0["stripe-signature"])  # its time, and only a test-mode v0
    for (_, headers, body), key in zip(unset, [b"", b"undefined", b"null"], strict=True):
        stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["stripe-signature"]).groups()
        assert mac == hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    (_, unsigned, _), (_, signed, body), _ = webhook.deliveries(webhook.Params(service="app", path="/h", scheme="fal"))
    assert not any(name.startswith("x-fal-webhook") for name in unsigned)
    assert re.fullmatch(r"[0-9a-f]{128}", signed["x-fal-webhook-signature"])  # 64-byte ed25519 signature, hex
    assert signed["x-fal-webhook-request-id"] in body.decode()
    assert signed["x-fal-webhook-timestamp"].isdigit()


# -- against the demo ----------------------------------------------------------------------
WEBHOOK_CHECKS = by_id("S4") + by_id("B6")


def test_demo_healthy_passes(demo):
    results = evaluate(demo, WEBHOOK_CHECKS)
    assert {o.status for _, o in results.values()} == {Status.PASSED}
    assert len(results) == 3


@pytest.mark.parametrize("fault, ids, seen", [
    ("fal-webhook-missing", {"S4"}, "unsigned: 404 (not deployed)"),
    ("shopify-webhook-accepts-unsigned", {"B6"}, "unsigned: accepted with 200"),
    ("shopify-webhook-crashes", {"B6"}, "unsigned: 500 (server error; the sender will retry)"),
])
def test_demo_fault_fails(demo, fault, ids, seen):
    demo.apply(fault)
    results = evaluate(demo, WEBHOOK_CHECKS)
    failed = {c.key: message(c, o) for c, o in results.values() if o.status is Status.FAILED}
    assert {key.split("-")[0] for key in failed} == ids
    for key, text in failed.items():
        assert text.startswith(f"{key} ") and "expected POST " in text and f"; saw {seen}" in text


def test_demo_orders_webhook_accepts_a_genuine_delivery(demo):
    """The healthy demo rejects only what is not signed with the shop's secret, so the check discriminates."""
    body = b'{"id":1,"test":true}'
    digest = hmac.new(demo.secrets["bakery-ops"]["SHOPIFY_WEBHOOK_SECRET"].encode(), body, hashlib.sha256).digest()
    url = demo.variables()["DEMO_BAKERY_OPS_EDGE_URL"] + "/functions/v1/orders-webhook"
    reply = httpx.post(url, content=body, headers={"x-shopify-hmac-sha256": base64.b64encode(digest).decode()},
                       timeout=5)
    assert reply.status_code == 200


# -- against a local endpoint ---------------------------------------------------------------------
STRIPE_SECRET = "whsec_local-test-0123456789abcdef"


def _stripe_signed(headers: dict, body: bytes) -> bool:
    return _verifies_stripe(STRIPE_SECRET.encode())(headers, body)[0] == 200


def _checks_signatures(headers, body):
    return (200, "{}") if _stripe_signed(headers, body) else (400, '{"error": "bad signature"}')


def _reads_the_type_only(_headers, body):
    """Checks no signature; refuses an event type it does not handle — as the probe's is."""
    known = json.loads(body).get("type", "").startswith("payment_intent.")
    return (200, "{}") if known else (400, '{"error": "unhandled event type"}')


@pytest.mark.parametrize("path, status, seen", [
    ("/checks", Status.PASSED, "correctly signed: 200"),
    ("/reads-type", Status.ERROR, "correctly signed: refused with 400 as well"),
])
def test_signed_with_tells_a_signature_check_from_a_refusal_of_the_content(path, status, seen):
    with route_server({("POST", "/checks"): _checks_signatures, ("POST", "/reads-type"): _reads_the_type_only}) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        signed = make_check("webhook", {**STRIPE_SIGNED, "path": path}, mutating=True)
        unsigned = make_check("webhook", {**STRIPE_SIGNED, "path": path, "signed_with": None}, name="unsigned")
        try:
            with_secret, without = gather_and_judge(target, webhook, [signed, unsigned])
        finally:
            target.close()
    assert with_secret.status is status and seen in with_secret.observed, with_secret
    assert without.status is Status.PASSED and "would read the same" in without.observed, without  # not ruled out


def test_a_delivery_that_cannot_be_built_errors_its_own_item_only():
    """Defence behind the load-time check: a header HTTP cannot carry fails that item's deliveries, not its
    neighbours' (they were all one batch)."""
    with route_server({("POST", "/hook"): lambda h, b: (401, "{}")}) as base:
        target = make_target({"services": {"app": {"url": base}}})
        healthy = make_check("webhook", SHOPIFY | {"service": "app", "path": "/hook"}, name="healthy")
        broken = replace(healthy, name="broken",
                         params=webhook.Params.model_construct(**{**healthy.params.model_dump(),
                                                                 "shop_domain": "bäckerei.myshopify.com"}))
        try:
            good, bad = gather_and_judge(target, webhook, [healthy, broken])
        finally:
            target.close()
    assert good.status is Status.PASSED, good
    assert bad.status is Status.ERROR and "unsigned: not sent: header 'x-shopify-shop-domain'" in bad.observed, bad


# -- an endpoint whose signing secret is unset in the deployment ---------------------------------------------------
def _verifies_with(key: bytes):
    """Verifies Shopify and Stripe signatures as a correct endpoint does, with `key`: what `""`, or the text
    "undefined" an unset variable becomes in JavaScript, leaves it keyed with."""
    def answer(headers, body):
        shopify = headers.get("x-shopify-hmac-sha256", "")
        if shopify and hmac.compare_digest(shopify, base64.b64encode(hmac.new(key, body, hashlib.sha256).digest())
                                           .decode()):
            return 200, "{}"
        found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
        mac = hmac.new(key, found.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        if found and hmac.compare_digest(mac, found.get("v1", "")):
            return 200, "{}"
        return 401, '{"error": "bad signature"}'
    return answer


@pytest.mark.parametrize("scheme", ["shopify", "stripe"])
@pytest.mark.parametrize("path, status, seen", [
    ("/configured", Status.PASSED, "signed with the key 'null': 401"),
    ("/empty-key", Status.FAILED, "signed with an empty key: accepted with 200: the endpoint's signing secret is "
                                  "probably unset"),
    ("/undefined-key", Status.FAILED, "signed with the key 'undefined': accepted with 200: the endpoint's signing "
                                      "secret is probably unset"),
    ("/null-key", Status.FAILED, "signed with the key 'null': accepted with 200"),
])
def test_a_delivery_signed_with_the_key_an_unset_secret_becomes_is_refused(scheme, path, status, seen):
    """A random key is refused by an endpoint with no secret configured too: only a delivery signed with what an
    unset secret reads as ("", "undefined", "null") shows it. Inert, like the other refused ones: sent in prod."""
    routes = {("POST", "/configured"): _verifies_with(STRIPE_SECRET.encode()),
              ("POST", "/empty-key"): _verifies_with(b""), ("POST", "/undefined-key"): _verifies_with(b"undefined"),
              ("POST", "/null-key"): _verifies_with(b"null")}
    params = SHOPIFY if scheme == "shopify" else {"service": "app", "path": "/", "scheme": "stripe"}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}, "edge": {"url": base}}})
        item = make_check("webhook", {**params, "path": path})
        assert not item.mutating  # nothing here needs allow_mutating
        try:
            outcome, = gather_and_judge(target, webhook, [item])
        finally:
            target.close()
    assert outcome.status is status and seen in outcome.observed, outcome
    assert set(outcome.evidence) == {"unsigned", "wrong signature", "signed with an empty key",
                                     "signed with the key 'undefined'", "signed with the key 'null'",
                                     webhook.EMPTY_SIGNATURE, webhook.OTHER_TYPE,
                                     *([webhook.NO_SIGNATURE, webhook.V0_ONLY] if scheme == "stripe" else [])}
    assert "the empty, 'undefined' and 'null' keys an unset secret reads as" in outcome.expected


def test_fal_has_no_key_an_unset_secret_could_become():
    """Fal signs with its own ed25519 key: the endpoint holds no secret that could be unset."""
    hows = [how for how, _, _ in webhook.deliveries(webhook.Params(service="app", path="/h", scheme="fal"))]
    assert hows == ["unsigned", "wrong signature", webhook.OTHER_TYPE]  # no empty signature: Fal's is not compared


def test_the_bound_counts_the_unset_keys_deliveries():
    target = make_target({"services": {"app": {"url": "http://127.0.0.1:9"}}}, timeouts={"connect_s": 2, "http_s": 5})
    stripe = [make_check("webhook", {"service": "app", "path": "/h", "scheme": "stripe"}, name=f"s{i}")
              for i in range(4)]
    fal = [make_check("webhook", {"service": "app", "path": "/h", "scheme": "fal"}, name=f"f{i}") for i in range(8)]
    # then each delivery turned away for now asked again: a round per delivery of an item, each a capped wait and
    # one wave of the items' deliveries
    retry = _retry.RETRY_WAIT_CAP_S + 5
    # a Stripe item's 9: unsigned, a random key, no v1, only a v0, the three unset keys, an empty v1, and text/plain
    assert webhook.bound(target, stripe[:1]) == 2 + 5 + 9 * retry  # 9 deliveries: one wave
    assert webhook.bound(target, stripe[:2]) == 2 + 5 * 2 + 9 * retry  # 18: two
    assert webhook.bound(target, stripe) == 2 + 5 * 3 + 9 * retry  # 36: three
    assert webhook.bound(target, fal) == 2 + 5 * 2 + 3 * retry  # Fal has no unset keys, nor an empty signature: 24
    signed = make_check("webhook", {**STRIPE_SIGNED, "path": "/h"}, name="signed", mutating=True)
    # and the correctly signed one, and the four correctly signed ones that must be refused (signed an hour ago, for
    # another body, cut short, without its first bytes) and it re-serialized: 17 in all, two waves, never asked again
    # (an endpoint may have acted on each); the wrong signatures cut as far are asked again, as the other wrong ones are
    assert webhook.bound(target, [signed]) == 2 + 5 * 2 + 11 * retry
    many = [make_check("webhook", {"service": "app", "path": "/h", "scheme": "stripe"}, name=f"m{i}")
            for i in range(17)]
    assert webhook.bound(target, many) == 2 + 5 * 10 + 9 * (retry + 5)  # 153 deliveries; 17 asked again per round


def test_an_endpoint_that_takes_any_delivery_is_not_said_to_have_an_unset_secret():
    """It checks no signature at all: the unset-secret hint is kept for an endpoint that refuses the others."""
    c = check(**SHOPIFY)
    hows = ["unsigned", "wrong signature", *webhook.UNSET_KEYS]
    open_door = {c.key: [(how, "u", Reply(200, 1.0)) for how in hows]}
    outcome = webhook.judge(c, open_door)
    assert outcome.status is Status.FAILED and "signed with an empty key: accepted with 200" in outcome.observed
    assert "probably unset" not in outcome.observed, outcome.observed
    unset_only = {c.key: [(how, "u", Reply(200 if how == "signed with an empty key" else 401, 1.0)) for how in hows]}
    assert "signing secret is probably unset" in webhook.judge(c, unset_only).observed


def _checks_every_signature_given(key: bytes):
    """A Stripe verifier with a common bug: every v1 signature the header gives must match — and a header giving
    none passes (an every() over nothing is true). Refuses no header, a random key and each unset key."""
    def answer(headers, body):
        if "stripe-signature" not in headers:
            return 401, '{"error": "no signature"}'
        parts = [part.split("=", 1) for part in headers["stripe-signature"].split(",") if "=" in part]
        stamp = dict(parts).get("t", "")
        mac = hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if all(hmac.compare_digest(mac, value) for name, value in parts if name == "v1"):
            return 200, '{"received": true}'
        return 401, '{"error": "bad signature"}'
    return answer


def test_a_stripe_header_with_no_signature_is_refused():
    """A header with its time and no v1 signature is one anyone can send: an endpoint taking it fails, naming it;
    Stripe's own libraries refuse it, and so passes an endpoint verifying as they do."""
    routes = {("POST", "/every"): _checks_every_signature_given(STRIPE_SECRET.encode()),
              ("POST", "/stripe"): _verifies_stripe(STRIPE_SECRET.encode())}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}})
        try:
            every, correct = gather_and_judge(target, webhook, [
                make_check("webhook", {**STRIPE_ITEM, "path": "/every"}, name="every"),
                make_check("webhook", {**STRIPE_ITEM, "path": "/stripe"}, name="stripe")])
        finally:
            target.close()
    assert every.status is Status.FAILED, every
    assert every.observed == (f"{webhook.NO_SIGNATURE}: accepted with 200; {webhook.V0_ONLY}: accepted with 200"), \
        every.observed  # a header whose only signature is a v0 holds no v1 either
    assert "a header with no signature" in every.expected, every.expected
    assert correct.status is Status.PASSED, correct
    assert f"{webhook.NO_SIGNATURE}: 401" in correct.observed


def _takes_a_test_mode_signature(key: bytes):
    """A Stripe verifier that lets test-mode events through: Stripe's test events carry a fake `v0` signature beside
    v1, so a header holding some `v0=` is taken unread; any other is verified as Stripe's libraries do."""
    verify = _verifies_stripe(key)

    def answer(headers, body):
        if any(part.startswith("v0=") for part in headers.get("stripe-signature", "").split(",")):
            return 200, '{"received": true}'
        return verify(headers, body)
    return answer


def _checks_every_signature_of_a_header_holding_one(key: bytes):
    """A Stripe verifier that refuses a header with no signature of any scheme, then checks that every v1 given
    matches: a header whose only signature is a v0 passes (an every() over no v1 is true)."""
    every = _checks_every_signature_given(key)

    def answer(headers, body):
        if not re.search(r"(^|,)v\d+=", headers.get("stripe-signature", "")):
            return 401, '{"error": "no signature"}'
        return every(headers, body)
    return answer


@pytest.mark.parametrize("path", ["/test-mode", "/any-scheme"])
def test_a_stripe_header_with_only_a_v0_signature_is_refused(path):
    """Stripe's test events carry a fake `v0` signature beside v1; its libraries verify v1 only ("No signatures found
    with expected scheme v1"), and its docs say to ignore every other scheme. A header with its time and only a v0
    (random) is one anyone can write: an endpoint taking it fails, the message naming the item, what was expected and
    what was seen; one verifying as Stripe's libraries do passes."""
    routes = {("POST", "/test-mode"): _takes_a_test_mode_signature(STRIPE_SECRET.encode()),
              ("POST", "/any-scheme"): _checks_every_signature_of_a_header_holding_one(STRIPE_SECRET.encode()),
              ("POST", "/stripe"): _verifies_stripe(STRIPE_SECRET.encode())}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}})
        try:
            item = make_check("webhook", {**STRIPE_ITEM, "path": path}, name="taken")
            taken, correct = gather_and_judge(target, webhook, [
                item, make_check("webhook", {**STRIPE_ITEM, "path": "/stripe"}, name="stripe")])
        finally:
            target.close()
    assert taken.status is Status.FAILED, taken
    assert taken.observed == (f"{webhook.V0_ONLY}: accepted with 200: the endpoint takes a signature of another "
                              "scheme than v1 (Stripe's test events carry a fake v0 beside it: anyone can write one)"), \
        taken.observed
    text = message(item, taken)
    assert text.startswith(f"{item.key} ") and f"expected POST {path} rejects" in text, text
    assert "one with only a v0 signature" in text, text  # what was expected names it
    assert f"; saw {webhook.V0_ONLY}: accepted with 200" in text, text
    assert correct.status is Status.PASSED, correct
    assert f"{webhook.V0_ONLY}: 401" in correct.observed, correct.observed


# -- an endpoint behind a rate limit: the deliveries sent together are turned away for now -------------------------
@contextmanager
def rate_limited(answer, *, let_through: int = 2, retry_after: str | None = "1", status: int = 429):
    """A server on 127.0.0.1 whose rate limit lets the first `let_through` distinct requests through and turns the
    first try of each later one away (`status`, with `Retry-After: retry_after` unless None); a request asked again
    gets `answer(headers, body) -> (status, text)` or `(status, text, {header: value})`. By count, not by the clock:
    the verdict cannot depend on how fast the machine is. Yields (its base URL, how many times each distinct request came)."""
    seen: dict[tuple, int] = {}
    lock = threading.Lock()

    class Limited(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = (self.command, self.path, tuple(sorted(headers.items())), body)
            with lock:
                seen[request] = seen.get(request, 0) + 1
                turned_away = seen[request] == 1 and len(seen) > let_through
            answered = (status, "slow down", {"retry-after": retry_after} if retry_after is not None
                        else {}) if turned_away else answer(headers, body)
            code, text, extra = answered if len(answered) == 3 else (*answered, {})
            data = text.encode()
            self.send_response(code)
            for name, value in {"content-type": "text/plain", "content-length": str(len(data)), **extra}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with handler_server(Limited, join_s=10) as url:
        yield url, seen


STRIPE_ITEM = {"service": "app", "path": "/hook", "scheme": "stripe"}
STRIPE_HOWS = {"unsigned", "wrong signature", webhook.NO_SIGNATURE, webhook.V0_ONLY, *webhook.UNSET_KEYS,
               webhook.EMPTY_SIGNATURE, webhook.OTHER_TYPE}


def _rate_limited_outcome(**limit):
    with rate_limited(_verifies_with(STRIPE_SECRET.encode()), **limit) as (base, seen):
        target = make_target({"services": {"app": {"url": base}}})
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", STRIPE_ITEM)])
        finally:
            target.close()
    return outcome, sorted(seen.values())


def test_a_rate_limited_endpoint_is_asked_again_after_its_retry_after():
    """Nine deliveries go together; a rate limit of two turns seven away with 429 (Retry-After: 1). Each is asked
    once more after the wait it names, one at a time: the endpoint refuses them all, as it should: a pass."""
    outcome, tries = _rate_limited_outcome()
    assert outcome.status is Status.PASSED, outcome
    assert set(outcome.evidence) == STRIPE_HOWS
    assert all(answer["status"] == 401 for answer in outcome.evidence.values()), outcome.evidence
    assert tries == [1, 1] + [2] * 7  # each turned-away delivery asked once more, no other


@pytest.mark.parametrize("retry_after, status, waited", [
    ("3", 429, [3.0] * 7), (None, 429, [1.0] * 7),  # a 429 naming no wait: 1 s
    ("Wed, 21 Oct 2026 07:28:00 GMT", 429, [1.0] * 7),  # a date: 1 s too
    ("3600", 429, [_retry.RETRY_WAIT_CAP_S] * 7),  # capped: the bound allows for no more
    ("0", 503, [0.0] * 7),  # a 503 that says when to ask again is turned away for now too
])
def test_the_wait_before_asking_again(monkeypatch, retry_after, status, waited):
    waits = []
    monkeypatch.setattr(_retry.time, "sleep", waits.append)  # no test waits for real here
    outcome, tries = _rate_limited_outcome(retry_after=retry_after, status=status)
    assert outcome.status is Status.PASSED, outcome
    assert waits == waited and tries == [1, 1] + [2] * 7


def test_a_503_naming_no_wait_is_not_asked_again(monkeypatch):
    monkeypatch.setattr(_retry.time, "sleep", lambda seconds: pytest.fail("waited"))
    outcome, tries = _rate_limited_outcome(retry_after=None, status=503)
    assert outcome.status is Status.FAILED and "503 (server error; the sender will retry)" in outcome.observed
    assert tries == [1] * 9


BUSY = {"retry-after": "1"}


@pytest.mark.parametrize("reply, status, said, ending", [
    (lambda headers, body: (429, "slow down"), 429,
     "signed with the key 'null': 429 (rate-limited): whether it checks signatures was not seen",
     "; each turned away for now (429, or 503 with Retry-After) was asked again once, after the wait it names (at most"
     " 5 s)"),
    (lambda headers, body: (503, "slow down", BUSY), 503,
     "unsigned: 503 (unavailable; Retry-After: 1): whether it checks signatures was not seen", _retry.ASKED_AGAIN),
], ids=["429", "503-retry-after"])
def test_a_delivery_turned_away_twice_is_not_judged(monkeypatch, reply, status, said, ending):
    """Asked once more, never twice: still turned away, whether it checks signatures was not seen."""
    monkeypatch.setattr(_retry.time, "sleep", lambda seconds: None)
    with rate_limited(reply, status=status) as (base, seen):
        target = make_target({"services": {"app": {"url": base}}})
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", STRIPE_ITEM)])
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    assert said in outcome.observed, outcome.observed
    assert outcome.observed.endswith(ending), outcome.observed
    assert sorted(seen.values()) == [2] * 9  # each asked once more, never twice


# -- a genuine delivery is never sent twice ---------------------------------------------------------------------
def _verifies_stripe(key: bytes, tolerance_s: float | None = 300):
    """Verifies a Stripe signature as Stripe's libraries do: HMAC-SHA256 over "<t>.<body>" with `key`, t within
    `tolerance_s` of now (their default: 300 s); None checks no timestamp, so a captured delivery can be replayed."""
    def answer(headers, body):
        found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
        stamp = found.get("t", "")
        mac = hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not (found and hmac.compare_digest(mac, found.get("v1", ""))):
            return 401, '{"error": "bad signature"}'
        if tolerance_s is not None and abs(time.time() - int(stamp)) > tolerance_s:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        return 200, '{"received": true}'
    return answer


def _judged_on(routes: dict, params: dict) -> tuple[object, str]:
    """One webhook item of `params` (mutating: its genuine delivery is sent) judged against an endpoint of `routes`,
    and what its outcome shows once the run's secrets are masked."""
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", params, mutating=True)])
            shown = target.redactor.text(json.dumps([outcome.observed, outcome.expected, outcome.evidence],
                                                    default=str))
        finally:
            target.close()
    return outcome, shown


def _signed_item_behind(answer, **limit):
    with rate_limited(answer, **limit) as (base, seen):
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", STRIPE_SIGNED, mutating=True)])
        finally:
            target.close()
    return outcome, seen


@pytest.mark.parametrize("status", [429, 503])
def test_a_genuine_delivery_turned_away_is_not_sent_again(monkeypatch, status):
    """A 503 (or a 429) does not show the delivery was not acted on: sent again, a real delivery would be acted on
    twice. Only the deliveries that must be refused are asked again; the item is an error naming what was seen."""
    monkeypatch.setattr(_retry.time, "sleep", lambda seconds: None)
    outcome, seen = _signed_item_behind(_verifies_stripe(STRIPE_SECRET.encode()), let_through=0, status=status)
    genuine = [tries for (_, _, headers, body), tries in seen.items()
               if _verifies_stripe(STRIPE_SECRET.encode())(dict(headers), body)[0] == 200]
    assert genuine == [1, 1], seen  # the real one once, and it re-serialized; so are the four correctly signed ones
    assert sorted(seen.values()) == [1] * 6 + [2] * 11, seen  # that must be refused; each signed with another key twice
    assert outcome.status is Status.ERROR, outcome
    assert f"correctly signed: {status}" in outcome.observed and "Retry-After: 1" in outcome.observed, outcome
    assert outcome.observed.endswith("not asked again: the delivery may have been acted on"), outcome.observed


# -- a correct signature that must still be refused: replayed, or for another body ---------------------------------
REPLAYED, OTHER_BODY, GENUINE = "correctly signed an hour ago", "correctly signed for another body", "correctly signed"
CUT_SIGNATURE = "correctly signed, its signature cut short by whole bytes"
WRONG_CUT = "wrong signature, cut short by as many whole bytes"
CRASHED_ON_LENGTH = ("a server error to these two, signatures of another length, the right one's first bytes and a "
                     "wrong one's, and to no delivery but the cut ones: a crash on their length, which took nothing, "
                     "read as refused")
CRASHED_ON_BOTH = f"{CUT_SIGNATURE}: 500 and {WRONG_CUT}: 500 ({CRASHED_ON_LENGTH})"
CUT_SIGNATURE_START = "correctly signed, its signature without its first whole bytes"
WRONG_CUT_START = "wrong signature, without as many of its first whole bytes"
CRASHED_AT_START_ON_BOTH = (f"{CUT_SIGNATURE_START}: 500 and {WRONG_CUT_START}: 500 (a server error to these two, "
                            "signatures of another length, the right one's last bytes and a wrong one's, and to no "
                            "delivery but the cut ones: a crash on their length, which took nothing, read as refused)")
ENDING_TAKEN = (f"{CUT_SIGNATURE_START}: accepted with 200: the endpoint takes an ending of the signature (it compares "
                "only as much as it is given, from the end: a signature can be found a character or a byte at a time)")
TAKEN_THEN_FAILED = (f"{CUT_SIGNATURE}: 500 (server error), where {WRONG_CUT}, as long, was refused with 401: the "
                     "endpoint took it past its check and failed after; the endpoint compares only as much of the "
                     "signature as it is given (a signature can be found a character or a byte at a time)")


def test_a_correctly_signed_delivery_of_an_hour_ago_or_for_another_body_must_be_refused():
    """Stripe signs "<t>.<body>": a signature an hour old is one a captured delivery replayed carries; one made for
    another body is one moved onto a forged body. Shopify signs the body only: no timestamp to replay."""
    secret = "whsec_field-test-0123456789abcdef"
    stripe = {how: (headers, body) for how, headers, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED),
                                                                                secret)}
    genuine_body = stripe[webhook.GENUINE][1]
    headers, body = stripe[webhook.REPLAYED]
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["stripe-signature"]).groups()
    assert int(stamp) <= time.time() - 3600  # beyond any sender's tolerance (Stripe's is 300 s)
    assert mac == hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers, body = stripe[webhook.OTHER_BODY]
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["stripe-signature"]).groups()
    assert mac != hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert json.loads(body)["type"] == "opsverify.probe" and body != genuine_body  # inert as well
    shop = webhook.Params(**SHOPIFY, signed_with="{secret:SHOPIFY_WEBHOOK_SECRET}")
    shopify = {how: (headers, body) for how, headers, body in webhook.deliveries(shop, secret)}
    assert webhook.REPLAYED not in shopify
    headers, body = shopify[webhook.OTHER_BODY]
    assert body != shopify[webhook.GENUINE][1] and b'"test":true' in body
    assert headers["x-shopify-hmac-sha256"] == base64.b64encode(
        hmac.new(secret.encode(), shopify[webhook.GENUINE][1], hashlib.sha256).digest()).decode()
    assert headers["x-shopify-webhook-id"] != shopify[webhook.GENUINE][0]["x-shopify-webhook-id"]  # its own delivery
    assert webhook.OTHER_BODY not in dict((how, 0) for how, _, _ in webhook.deliveries(webhook.Params(**SHOPIFY)))


@pytest.mark.parametrize("scheme, header", [("shopify", "x-shopify-hmac-sha256"), ("stripe", "stripe-signature")])
def test_a_signature_made_with_the_endpoints_secret_never_reaches_the_evidence(scheme, header):
    """An endpoint that quotes the signature it got in its refusal (a debug message) would put into the archive a
    delivery valid for ever (Shopify signs no time) and a test of any guess of the secret: each signature made with
    the secret is a secret of the run from the moment it is made."""
    received = []

    def quotes_the_signature(headers, body):
        received.append((headers.get(header, ""), body))
        value = headers.get(header, "")
        mac = value.partition(",v1=")[2] if scheme == "stripe" else value
        try:  # and in the other encoding: a Shopify signature as hex, a Stripe one as base64
            other = bytes.fromhex(mac) if scheme == "stripe" else base64.b64decode(mac)
        except ValueError:
            other = b""
        again = base64.b64encode(other).decode() if scheme == "stripe" else other.hex()
        return 401, f"invalid hmac: got {value!r} ({again})"

    params = {**(SHOPIFY if scheme == "shopify" else STRIPE_SIGNED), "service": "app", "path": "/hook",
              "signed_with": "{secret:HOOK_SECRET}"}
    with route_server({("POST", "/hook"): quotes_the_signature}) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"HOOK_SECRET": STRIPE_SECRET}})
        check = make_check("webhook", params, mutating=True)
        try:
            (outcome,) = gather_and_judge(target, webhook, [check])
            shown = target.redactor.text(json.dumps([message(check, outcome), outcome.evidence], default=str))
        finally:
            target.close()
    key = STRIPE_SECRET.encode()
    bodies = [body if isinstance(body, bytes) else body.encode() for _, body in received]
    made = set()
    for value, _ in received:  # the signatures the secret makes over a body sent (another delivery's too)
        stamp, _, mac = value.partition(",v1=")
        for body in bodies:
            digest = hmac.new(key, body, hashlib.sha256).digest()
            if scheme == "shopify" and value == base64.b64encode(digest).decode():
                made.update({value, digest.hex()})
            signed = stamp[2:].encode() + b"." + body
            if scheme == "stripe" and mac == hmac.new(key, signed, hashlib.sha256).hexdigest():
                made.update({value, mac, base64.b64encode(bytes.fromhex(mac)).decode()})
    cut = set()  # the right signature cut at its end or its start, as sent and in the other encoding
    for value, body in received:
        stamp, _, mac = value.partition(",v1=")
        if scheme == "shopify":
            whole = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
            if value and value != whole and (whole.startswith(value) or whole.endswith(value)):
                cut.update({value, base64.b64decode(value).hex()})
        else:
            whole = hmac.new(key, stamp[2:].encode() + b"." + body, hashlib.sha256).hexdigest()
            if mac and mac != whole and (whole.startswith(mac) or whole.endswith(mac)):
                cut.update({mac, base64.b64encode(bytes.fromhex(mac)).decode()})
    assert made and len(cut) == 4 and "invalid hmac" in shown, (received, shown)
    for value in made | cut:
        assert value not in shown, (value, shown)


# -- an endpoint whose refusal quotes the signature it expected: a signing oracle ------------------------------------
def _stamp(headers: dict, body: bytes) -> str:
    """The time a Stripe signature of `body` is made for: its header's, else its event's."""
    found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
    return found.get("t") or str(json.loads(body)["created"])


def _valid_forms(scheme: str, headers: dict, body: bytes) -> set[str]:
    """The valid signature of a delivery's body made with STRIPE_SECRET, in the forms an endpoint may quote it."""
    signed = body if scheme == "shopify" else _stamp(headers, body).encode() + b"." + body
    digest = hmac.new(STRIPE_SECRET.encode(), signed, hashlib.sha256).digest()
    return {base64.b64encode(digest).decode(), digest.hex()}


def _says_what_it_expected(scheme: str, form, received: list):
    """A correct verifier whose refusal says the signature it expected (a debug message), in `form`: anyone can POST
    a body and read back a valid signature of it."""
    verify = _verifies_with(STRIPE_SECRET.encode()) if scheme == "shopify" else _verifies_stripe(STRIPE_SECRET.encode())

    def answer(headers, body):
        received.append((dict(headers), body))
        status, text = verify(headers, body)
        if status < 400:
            return status, text
        signed = body if scheme == "shopify" else _stamp(headers, body).encode() + b"." + body
        expected = form(hmac.new(STRIPE_SECRET.encode(), signed, hashlib.sha256).digest())
        received.append(("quoted", expected))
        return status, json.dumps({"error": "invalid hmac", "expected": expected})
    return answer


def _quotes_what_it_got(scheme: str):
    """A correct verifier whose refusal quotes the signature header it got: no signature it did not receive."""
    verify = _verifies_with(STRIPE_SECRET.encode()) if scheme == "shopify" else _verifies_stripe(STRIPE_SECRET.encode())
    header = "x-shopify-hmac-sha256" if scheme == "shopify" else "stripe-signature"

    def answer(headers, body):
        status, text = verify(headers, body)
        return (status, text) if status < 400 else (status, f"invalid hmac: got {headers.get(header, '')!r}")
    return answer


SIGNED_ITEMS = {"shopify": SHOPIFY | {"service": "app", "path": "/hook",
                                      "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}, "stripe": STRIPE_SIGNED}


@pytest.mark.parametrize("scheme", ["shopify", "stripe"])
@pytest.mark.parametrize("form", [
    lambda raw: base64.b64encode(raw).decode(), lambda raw: raw.hex(), lambda raw: raw.hex().upper(),  # .NET, Java
    lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="),  # Node's digest('base64url')
    lambda raw: base64.b64encode(raw).decode().rstrip("="), lambda raw: quote(base64.b64encode(raw).decode(), safe=""),
    lambda raw: raw.hex("-").upper(),  # .NET's BitConverter.ToString
    lambda raw: raw.hex(" "),
], ids=["base64", "hex", "HEX", "base64url-unpadded", "base64-unpadded", "base64-url-encoded", "bitconverter",
        "spaced-hex"])
def test_an_endpoint_saying_the_signature_it_expected_fails_and_never_shows_one(scheme, form):
    """`{"error": "invalid hmac", "expected": "<signature>"}` hands anyone a valid signature of any body they POST
    (a signing oracle): it fails the item, naming the delivery whose answer carried one, and the valid signature of
    each body sent is masked in the evidence (a forgery for ever, and a test of guesses of the secret)."""
    received: list = []
    with route_server({("POST", "/hook"): _says_what_it_expected(scheme, form, received)}) as base:
        target = make_target({"services": {"app": {"url": base}}, "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        item = make_check("webhook", SIGNED_ITEMS[scheme], mutating=True)
        try:
            (outcome,) = gather_and_judge(target, webhook, [item])
            shown = target.redactor.text(json.dumps([message(item, outcome), outcome.evidence], default=str))
        finally:
            target.close()
    quoted = {value for headers, value in received if headers == "quoted"}
    valid = {value for headers, body in received if headers != "quoted"
             for value in _valid_forms(scheme, headers, body)} | quoted
    assert quoted and "invalid hmac" in shown, shown
    for value in valid:
        assert value not in shown, (value, shown)
    assert outcome.status is Status.FAILED, outcome
    assert message(item, outcome).startswith(item.key), message(item, outcome)
    handed_out = re.search(r"carried the valid signature of the body sent, one it was not sent with \(masked "
                           r"here\): (.*) — the endpoint hands out valid signatures: .* \(a signing oracle\)",
                           outcome.observed)
    assert handed_out and "wrong signature" in handed_out[1].split("; "), outcome.observed
    assert webhook.GENUINE not in handed_out[1].split("; ")  # taken: it had nothing to quote


@pytest.mark.parametrize("scheme", ["shopify", "stripe"])
@pytest.mark.parametrize("answer", ["plain", "quotes"], ids=["plain", "quotes-what-it-got"])
def test_an_endpoint_saying_no_signature_it_was_not_sent_passes(scheme, answer):
    """A correct verifier passes whether its refusal says nothing of the signature or quotes the one it got (the
    replayed and cut ones carry a right signature, or part of one: that is no signature handed out)."""
    answer = _quotes_what_it_got(scheme) if answer == "quotes" else _verifies_stripe_and_shopify
    outcome, _ = _judged_on({("POST", "/hook"): answer}, SIGNED_ITEMS[scheme])
    assert outcome.status is Status.PASSED, outcome


@pytest.mark.parametrize("path, status, seen", [
    ("/strict", Status.PASSED, "correctly signed an hour ago: 400 and correctly signed for another body: 401 and "
                               f"{webhook.CUT_SIGNATURE}: 401 and {webhook.WRONG_CUT}: 401 and "
                               f"{webhook.CUT_SIGNATURE_START}: 401 and {webhook.WRONG_CUT_START}: 401"),
    ("/replayable", Status.FAILED, "correctly signed an hour ago: accepted with 200: the endpoint does not check "
                                   "the signature's timestamp (a captured delivery can be sent again)"),
])
def test_an_endpoint_that_takes_a_replayed_delivery_fails(path, status, seen):
    routes = {("POST", "/strict"): _verifies_stripe(STRIPE_SECRET.encode()),
              ("POST", "/replayable"): _verifies_stripe(STRIPE_SECRET.encode(), tolerance_s=None)}
    outcome, _ = _judged_on(routes, {**STRIPE_SIGNED, "path": path})
    assert outcome.status is status and seen in outcome.observed, outcome
    assert ("refuses one signed an hour ago, one signed for another body, one signed, its signature cut short by"
            " whole bytes and one signed, its signature without its first whole bytes, with 4xx") in outcome.expected, \
        outcome.expected


# -- the right signature cut short: a comparison of as many characters as it is given ------------------------------
def test_a_correct_signature_cut_short_by_whole_bytes_is_its_first_characters_and_decodes_to_its_first_bytes():
    """Stripe's hex 2 characters short (31 bytes); Shopify's base64 its first 40 characters (30 bytes, the `=` padding
    and the group it ends left off): what the right signature begins with, as text and decoded — Python's strict
    decoders (bytes.fromhex, base64.b64decode) raised on one cut by a character. Each its own delivery."""
    secret = "whsec_field-test-0123456789abcdef"
    stripe = {how: (headers, body) for how, headers, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED),
                                                                                secret)}
    headers, body = stripe[webhook.CUT_SIGNATURE]
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{62})", headers["stripe-signature"]).groups()
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
    assert mac == digest.hex()[:-2] and bytes.fromhex(mac) == digest[:31], mac
    assert body != stripe[webhook.GENUINE][1] and json.loads(body)["type"] == "opsverify.probe"  # inert as well
    shop = webhook.Params(**SHOPIFY, signed_with="{secret:SHOPIFY_WEBHOOK_SECRET}")
    shopify = {how: (headers, body) for how, headers, body in webhook.deliveries(shop, secret)}
    headers, body = shopify[webhook.CUT_SIGNATURE]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    whole = base64.b64encode(digest).decode()
    assert len(whole) == 44 and headers["x-shopify-hmac-sha256"] == whole[:40], headers
    assert base64.b64decode(headers["x-shopify-hmac-sha256"], validate=True) == digest[:30]
    assert body != shopify[webhook.GENUINE][1] and b'"test":true' in body
    assert headers["x-shopify-webhook-id"] != shopify[webhook.GENUINE][0]["x-shopify-webhook-id"]  # its own delivery
    assert webhook.CUT_SIGNATURE not in dict((how, 0) for how, _, _ in webhook.deliveries(webhook.Params(**SHOPIFY)))


def _given_and_expected(key: bytes, headers: dict, body: bytes) -> tuple[str, str | None]:
    """The signature a delivery gives (Shopify's header, Stripe's `v1`) and the one `key` makes of it; None for the
    expected one of a Stripe delivery outside its 300 s tolerance."""
    if "x-shopify-hmac-sha256" in headers:
        return (headers["x-shopify-hmac-sha256"],
                base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode())
    found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
    given, stamp = found.get("v1", ""), found.get("t", "0")
    if abs(time.time() - int(stamp)) > 300:
        return given, None
    return given, hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _compares_as_many_as_given(key: bytes, shortest: int = 1):
    """A hand-made check that refuses an empty signature (and one shorter than `shortest`), then compares only as
    many characters as it was given (`expected.startsWith(given)`): it refuses every forgery but a part of the right
    signature, which anyone finds one character at a time. Stripe's time is checked."""
    def answer(headers, body):
        given, expected = _given_and_expected(key, headers, body)
        if expected is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        if len(given) >= max(shortest, 1) and expected.startswith(given):
            return 200, '{"received": true}'
        return 401, '{"error": "bad signature"}'
    return answer


def _recorded(answer, sent: list):
    """`answer`, each signature it was given and its status noted in `sent`."""
    def records(headers, body):
        reply = answer(headers, body)
        sent.append((headers.get("x-shopify-hmac-sha256") or headers.get("stripe-signature", ""), reply[0]))
        return reply
    return records


@pytest.mark.parametrize("params", [STRIPE_SIGNED, {**SHOPIFY, "service": "app", "path": "/hook",
                                                    "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}],
                         ids=["stripe", "shopify"])
@pytest.mark.parametrize("shortest", [1, 32])
def test_an_endpoint_comparing_as_many_characters_as_it_is_given_fails_with_signed_with(params, shortest):
    """It refuses the empty signature and every other forgery: only a part of the right signature shows it, the
    longest, so a guard wanting a signature of some length does not hide it. Named, never shown."""
    sent = []
    outcome, shown = _judged_on({("POST", "/hook"): _recorded(_compares_as_many_as_given(STRIPE_SECRET.encode(), shortest), sent)},
                                params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == (f"{webhook.CUT_SIGNATURE}: accepted with 200: the endpoint compares only as much of "
                                "the signature as it is given (a signature can be found a character or a byte at a "
                                "time)"), outcome.observed
    cut = min((value for value, status in sent if status == 200), key=len)  # taken: it and the genuine one
    assert cut not in shown and cut.split("v1=")[-1] not in shown, (cut, shown)


def _decoded_strictly(headers, given_text: str, expected_text: str) -> tuple[bytes, bytes]:
    """The given and expected signatures' bytes, as a Python verifier decodes them: `base64.b64decode` (Shopify's
    header) or `bytes.fromhex` (Stripe's v1) — strict, a ValueError on an odd length or bad padding."""
    if "x-shopify-hmac-sha256" in headers:
        return base64.b64decode(given_text), base64.b64decode(expected_text)
    return bytes.fromhex(given_text), bytes.fromhex(expected_text)


def _decodes_then_compares_as_many_bytes_as_given(key: bytes):
    """A Python verifier that decodes the signature first (`bytes.fromhex(v1)`, `base64.b64decode(header)`: strict,
    raising on an odd length or bad padding, a 500 from Flask) and then compares only as many bytes as it was given,
    in a hand-made "constant time" loop: forgeable a byte at a time (256 guesses a byte). It quotes the bytes it took,
    as hex and base64, in its answer."""
    def answer(headers, body):
        given_text, expected_text = _given_and_expected(key, headers, body)
        if expected_text is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        try:
            given, expected = _decoded_strictly(headers, given_text, expected_text)
        except ValueError:
            return 500, "Internal Server Error"
        if not given or any(a != b for a, b in zip(given, expected)):
            return 401, '{"error": "bad signature"}'
        return 200, json.dumps({"received": True, "hex": given.hex(), "b64": base64.b64encode(given).decode()})
    return answer


@pytest.mark.parametrize("params", [STRIPE_SIGNED, {**SHOPIFY, "service": "app", "path": "/hook",
                                                    "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}],
                         ids=["stripe", "shopify"])
def test_an_endpoint_decoding_the_signature_then_comparing_as_many_bytes_as_given_fails(params):
    """A signature cut by one character could not be decoded: the endpoint raised, and its lone 500 was read as
    refused (Node's timingSafeEqual crashes so) — a pass for an endpoint forgeable a byte at a time. Cut by whole
    bytes it decodes, and is taken. What it quotes of the cut signature, in either encoding, is masked."""
    taken = []

    def records(headers, body):
        status, text = _decodes_then_compares_as_many_bytes_as_given(STRIPE_SECRET.encode())(headers, body)
        if status == 200:
            taken.append(json.loads(text))
        return status, text

    outcome, shown = _judged_on({("POST", "/hook"): records}, params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(f"{webhook.CUT_SIGNATURE}: accepted with 200: the endpoint compares only as "
                                       "much of the signature as it is given"), outcome.observed
    cut = min(taken, key=lambda quoted: len(quoted["hex"]))  # taken: it and the genuine one
    assert len(bytes.fromhex(cut["hex"])) < 32 and "received" in shown, (cut, shown)  # its answer is shown
    for value in (cut["hex"], cut["b64"], cut["b64"].rstrip("=")):
        assert value not in shown, (value, shown)


def _node_timing_safe_equal(key: bytes):
    """A verifier as Shopify's Node sample and many tutorials write it: `if (!hmac) return 400;` then
    `crypto.timingSafeEqual(Buffer.from(hmac), Buffer.from(computed))`, which throws on buffers of different lengths
    (500 from Express). It refuses every forgery and takes the genuine delivery; Stripe's `v1` compared so as well."""
    def answer(headers, body):
        given, computed = _given_and_expected(key, headers, body)
        if computed is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        if not given:
            return 400, '{"error": "missing signature"}'
        if len(given.encode()) != len(computed.encode()):
            return 500, "RangeError: Input buffers must have the same byte length"
        return (200, '{"received": true}') if hmac.compare_digest(given, computed) else (401, '{"error": "bad"}')
    return answer


@pytest.mark.parametrize("params", [STRIPE_SIGNED, {**SHOPIFY, "service": "app", "path": "/hook",
                                                    "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}],
                         ids=["stripe", "shopify"])
def test_a_verifier_crashing_on_a_signature_of_another_length_passes_and_says_so(params):
    """Node's timingSafeEqual throws on a signature of another length: the right one and a wrong one cut by whole
    bytes, at their end and at their start, are the only such signatures sent (no sender sends one), so their 500 is
    a crash that took nothing — refused, said in the pass for each pair. It failed the item ("server error; the sender
    will retry")."""
    outcome, _ = _judged_on({("POST", "/hook"): _node_timing_safe_equal(STRIPE_SECRET.encode())}, params)
    assert outcome.status is Status.PASSED, outcome
    assert CRASHED_ON_BOTH in outcome.observed and CRASHED_AT_START_ON_BOTH in outcome.observed, outcome.observed
    assert "correctly signed: 200" in outcome.observed


@pytest.mark.parametrize("answers, status, seen", [
    # the two cut ones alone crashed: their length, refused, as the pass says
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, GENUINE: 200}, Status.PASSED, CRASHED_ON_BOTH),
    ({CUT_SIGNATURE: 502, WRONG_CUT: 500, GENUINE: 200}, Status.PASSED,
     f"{CUT_SIGNATURE}: 502 and {WRONG_CUT}: 500 ({CRASHED_ON_LENGTH})"),
    # taken still fails
    ({CUT_SIGNATURE: 200, GENUINE: 200}, Status.FAILED, f"{CUT_SIGNATURE}: accepted with 200"),
    # the right one's alone, the wrong one as long refused: taken past the check, then failed (a duplicate order)
    ({CUT_SIGNATURE: 500, GENUINE: 200}, Status.FAILED, TAKEN_THEN_FAILED),
    ({CUT_SIGNATURE: 503, WRONG_CUT: 400, GENUINE: 200}, Status.FAILED,
     f"{CUT_SIGNATURE}: 503 (server error), where {WRONG_CUT}, as long, was refused with 400: the endpoint took it"),
    # the wrong one cut short taken: the endpoint compares no signature of another length
    ({WRONG_CUT: 200, GENUINE: 200}, Status.FAILED, f"{WRONG_CUT}: accepted with 200: the endpoint does not compare a "
                                                    "signature of another length than the right one's"),
    # a server error elsewhere too: the endpoint fails on more than a length, judged as before
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, GENUINE: 500}, Status.FAILED,
     f"{CUT_SIGNATURE}: 500 (server error; the sender will retry); {WRONG_CUT}: 500 (server error; the sender will "
     "retry); correctly signed: 500"),
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, "unsigned": 500, GENUINE: 200}, Status.FAILED,
     f"unsigned: 500 (server error; the sender will retry); {CUT_SIGNATURE}: 500 (server error"),
])
def test_judge_a_server_error_to_the_signature_cut_short(answers, status, seen):
    c = check(**STRIPE_SIGNED)
    outcome = webhook.judge(c, _signed_facts(c, answers))
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_prefix_verifier_whose_handler_fails_on_an_order_it_has_fails():
    """`expected.startsWith(given)` behind a guard against an empty signature, in front of a handler whose insert of
    the order fails (500) when the order is already there: the cut delivery, taken, got a 500 alone — read as a crash
    on its length, a pass for an endpoint forgeable a byte at a time. The wrong signature cut short as far is refused:
    no length crash. (The genuine delivery is let through first: in a run, a race between two sent together.)"""
    orders: set[int] = set()
    lock, genuine_done, forged = threading.Lock(), threading.Event(), []

    def endpoint(headers, body):
        given = headers.get("x-shopify-hmac-sha256", "")
        expected = base64.b64encode(hmac.new(STRIPE_SECRET.encode(), body, hashlib.sha256).digest()).decode()
        if not given or not expected.startswith(given):
            return 401, '{"error": "bad signature"}'
        if given != expected:
            forged.append(given)
            genuine_done.wait(3)
        with lock:  # INSERT INTO orders: a unique violation, unhandled
            order = json.loads(body)["id"]
            if order in orders:
                return 500, '{"error": "duplicate key value violates unique constraint"}'
            orders.add(order)
        genuine_done.set()
        return 200, '{"received": true}'

    params = {**SHOPIFY, "service": "app", "path": "/hook", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}
    outcome, _ = _judged_on({("POST", "/hook"): endpoint}, params)
    assert len(forged) == 1, forged  # the cut one, taken
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(f"{CUT_SIGNATURE}: ") and ("the endpoint compares only as much of the signature"
                                                                  " as it is given") in outcome.observed, outcome


def test_judge_an_endpoint_crashing_on_every_delivery_is_judged_as_before():
    c = check(**STRIPE_SIGNED)
    hows = [how for how, _, _ in webhook.deliveries(c.params, "whsec_x")]
    outcome = webhook.judge(c, _signed_facts(c, dict.fromkeys(hows, 500)))
    assert outcome.status is Status.FAILED, outcome
    assert f"{CUT_SIGNATURE}: 500 (server error; the sender will retry)" in outcome.observed, outcome.observed
    assert CRASHED_ON_LENGTH not in outcome.observed


def _signed_facts(c: Check, answers: dict[str, int]) -> dict:
    hows = [how for how, _, _ in webhook.deliveries(c.params, "whsec_x")]
    return {c.key: [(how, "u", Reply(answers.get(how, 401), 1.0, text="{}")) for how in hows]}


@pytest.mark.parametrize("params, answers, status, seen", [
    # a signature made for another body: the endpoint does not bind it to what it acts on
    ({}, {OTHER_BODY: 200, GENUINE: 200}, Status.FAILED,
     "correctly signed for another body: accepted with 200: the endpoint does not check the signature against the "
     "body"),
    # refused for its own reason (a stale timestamp: 400), whatever status the item names for a bad signature
    ({"status": [401]}, {REPLAYED: 400, GENUINE: 200}, Status.PASSED,
     "correctly signed an hour ago: 400"),
    ({"status": [401]}, {REPLAYED: 429, GENUINE: 200}, Status.ERROR,
     "correctly signed an hour ago: 429 (rate-limited): whether it checks signatures was not seen"),
])
def test_judge_correctly_signed_deliveries_that_must_be_refused(params, answers, status, seen):
    c = check(**STRIPE_SIGNED, **params)
    outcome = webhook.judge(c, _signed_facts(c, answers))
    assert outcome.status is status and seen in outcome.observed, outcome


# -- what the endpoint says of a genuine delivery ----------------------------------------------------------------
def _receives(text: str):
    """Takes a correctly signed delivery with 200 and `text`; refuses the rest."""
    verify = _verifies_stripe(STRIPE_SECRET.encode())
    return lambda headers, body: (200, text) if verify(headers, body)[0] == 200 else verify(headers, body)


@pytest.mark.parametrize("text, rules, status, seen", [
    ('{"received": true}', {"json": {"received": True}}, Status.PASSED, "correctly signed: 200"),
    ('{"received": false}', {"json": {"received": True}}, Status.FAILED, "correctly signed: received = false"),
    ('{"error": "bad signature"}', {"body_excludes": ["error"]}, Status.FAILED,
     "correctly signed: body contains 'error'"),
])
def test_the_answer_to_a_genuine_delivery_is_judged_by_http_body_rules(text, rules, status, seen):
    """An endpoint may answer 200 and say it did not take the delivery: the http family's body rules judge it."""
    outcome, _ = _judged_on({("POST", "/hook"): _receives(text)}, {**STRIPE_SIGNED, **rules})
    assert outcome.status is status and seen in outcome.observed, outcome
    assert "accepts one signed with STRIPE_WEBHOOK_SECRET as Stripe signs it (its body pretty-printed JSON) with 2xx, its answer " in outcome.expected, outcome.expected


@pytest.mark.parametrize("rule, problem", [
    ({"db.*": {"ok": True}}, "json: db.* is a glob with an object value"),
    ({}, "json given empty"),
])
@pytest.mark.parametrize("spelling", ["json", "json_fields"])
def test_a_json_rule_is_refused_at_load_whichever_name_it_is_written_under(spelling, rule, problem):
    """Refused before the correctly signed delivery is sent, as `json` or as its field's name (`json_fields`)."""
    with pytest.raises(ValidationError, match=re.escape(problem)):
        make_check("webhook", {**STRIPE_SIGNED, spelling: rule}, mutating=True)
    with pytest.raises(ValidationError, match="json: the answer to a correctly signed delivery is judged with"):
        make_check("webhook", {**STRIPE_SIGNED, "signed_with": None, spelling: {"ok": True}})


# -- a replay is the captured delivery itself: its event dated when it was signed ----------------------------------
def _refuses_events_older_than(key: bytes, tolerance_s: float = 300):
    """Verifies v1 over "<t>.<body>" without looking at t, and refuses a replay by the signed event's own `created`
    (older than `tolerance_s`): a captured delivery cannot be sent again."""
    verify = _verifies_stripe(key, tolerance_s=None)

    def answer(headers, body):
        status, text = verify(headers, body)
        if status == 200 and abs(time.time() - json.loads(body)["created"]) > tolerance_s:
            return 400, '{"error": "event too old"}'
        return status, text
    return answer


def test_a_delivery_signed_an_hour_ago_carries_an_event_of_an_hour_ago():
    """A captured delivery is its signature and the body it was made for: the event's `created` is as old as the
    signature's t. An endpoint refusing replays by the signed event's time is not one that can be replayed."""
    deliveries = {how: (headers, body) for how, headers, body in
                  webhook.deliveries(webhook.Params(**STRIPE_SIGNED), STRIPE_SECRET)}
    headers, body = deliveries[webhook.REPLAYED]
    stamp = re.fullmatch(r"t=(\d+),v1=[0-9a-f]{64}", headers["stripe-signature"]).group(1)
    assert json.loads(body)["created"] == int(stamp) <= time.time() - webhook.STALE_S
    genuine_headers, genuine_body = deliveries[webhook.GENUINE]
    assert f"t={json.loads(genuine_body)['created']}," in genuine_headers["stripe-signature"]  # signed as sent
    outcome, _ = _judged_on({("POST", "/hook"): _refuses_events_older_than(STRIPE_SECRET.encode())}, STRIPE_SIGNED)
    assert outcome.status is Status.PASSED, outcome
    assert "correctly signed an hour ago: 400" in outcome.observed, outcome.observed


# -- a 503 saying when to come back: turned away for now, like a 429 --------------------------------------------


def test_a_503_saying_when_to_come_back_is_not_judged():
    """A rate limiter in front answers 503 with Retry-After: the delivery was turned away before any signature was
    read, as with a 429 — not judged (an error, as cron says), never a server error failing the item."""
    c = check(**SHOPIFY)
    busy = Reply(503, 1.0, {"Retry-After": "1"}, text='{"error": "slow down"}')
    outcome = webhook.judge(c, {c.key: [("unsigned", "u", busy), ("wrong signature", "u", Reply(401, 1.0))]})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: unsigned: 503 (unavailable; Retry-After: 1): whether it "
                                       "checks signatures was not seen"), outcome.observed
    no_wait = webhook.judge(c, {c.key: [("unsigned", "u", Reply(503, 1.0)), ("wrong signature", "u", Reply(401, 1.0))]})
    assert no_wait.status is Status.FAILED and "unsigned: 503 (server error; the sender will retry)" in \
        no_wait.observed, no_wait




# -- a delivery carrying the endpoint's own signature may be acted on: never sent twice ---------------------------
def test_a_delivery_carrying_a_correct_signature_is_never_sent_twice(monkeypatch):
    """An endpoint that checks v1 but not t acts on the delivery signed an hour ago — exactly the check it lacks —
    then answers 503 with Retry-After (its queue is full). Asked again, it would act on it twice: the deliveries
    carrying a correct signature are sent once, as the genuine one is; those signed with another key are asked
    again."""
    monkeypatch.setattr(_retry.time, "sleep", lambda seconds: None)
    acted: list[str] = []
    verify = _verifies_stripe(STRIPE_SECRET.encode(), tolerance_s=None)

    def acts_then_busy(headers, body):
        if verify(headers, body)[0] != 200:
            return 401, '{"error": "bad signature"}'
        acted.append(json.loads(body)["id"])
        return 503, '{"error": "queue full"}', BUSY

    outcome, seen = _signed_item_behind(acts_then_busy, let_through=100)  # its own 503s only
    assert len(acted) == len(set(acted)) == 3, acted  # the genuine delivery, it re-serialized and the one signed an
    assert sorted(seen.values()) == [1] * 17, seen  # hour ago, once each: none was turned away but those
    assert outcome.status is Status.ERROR, outcome
    for how in (webhook.REPLAYED, webhook.GENUINE):
        assert f"{how}: 503 (unavailable; Retry-After: 1): whether " in outcome.observed, outcome.observed
    assert (f"{webhook.REPLAYED}: 503 (unavailable; Retry-After: 1): whether it checks signatures was not seen; "
            "not asked again: the delivery may have been acted on") in outcome.observed, outcome.observed
    assert outcome.observed.endswith("not asked again: the delivery may have been acted on"), outcome.observed
    assert _retry.ASKED_AGAIN not in outcome.observed, outcome.observed


# -- a head that came, then a body that did not: the status is what is judged ---------------------------------------
@pytest.mark.parametrize("status, hang, verdict, seen", [
    (200, False, Status.FAILED, "unsigned: accepted with 200 (its body could not be read: RemoteProtocolError: "),
    (200, True, Status.FAILED, "unsigned: accepted with 200 (its body could not be read: no complete answer within "
                               "2 s (the request's total deadline))"),
    # a refusal cut short is no whole answer: not judged, as before
    (401, False, Status.ERROR, "could not look: unsigned: 401, but its body could not be read: "),
], ids=["200 cut short", "200 hung", "401 cut short"])
def test_a_delivery_accepted_with_a_head_whose_body_never_comes_whole_fails(status, hang, verdict, seen):
    """An endpoint that answers a forged delivery with a 200 head, then cuts the body or never finishes it, has
    accepted the delivery: the status line says so."""
    from .kit import serving
    from .test_http_transport_failures import head_only

    with serving(head_only(status, hang=hang)) as port:
        target = make_target({"services": {"app": {"url": f"http://127.0.0.1:{port}"}}},
                             timeouts={"connect_s": 2, "http_s": 2})  # the hang runs the deadline out
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", STRIPE_ITEM)])
        finally:
            target.close()
    assert outcome.status is verdict, outcome
    assert seen in outcome.observed, outcome.observed
    assert outcome.evidence["unsigned"]["status"] == status, outcome.evidence
    assert outcome.evidence["unsigned"]["failure"].startswith("its body could not be read: "), outcome.evidence


@pytest.mark.parametrize("shown", [
    lambda raw: raw.hex(":"), lambda raw: raw.hex(":").upper(), lambda raw: base64.b32encode(raw).decode(),
    lambda raw: base64.b64encode(raw).decode(), lambda raw: raw.hex(),
], ids=["colon-hex", "colon-hex-upper", "base32", "base64", "hex"])
def test_a_signature_made_with_the_secret_is_masked_in_each_form_an_endpoint_may_echo(shown):
    """A Shopify signature is a valid delivery for ever and a test of guesses of the secret: an endpoint echoing the
    one it got as colon-separated hex or base32 (forms the redactor reads a declared secret's bytes in) had shown it."""
    from opsverify.families.webhook import _made_with_the_secret
    from opsverify.secrets import Redactor

    raw = hmac.new(b"shpss_the_endpoints_secret", b'{"id": 1}', hashlib.sha256).digest()
    redactor = Redactor()
    for value in _made_with_the_secret({"x-shopify-hmac-sha256": base64.b64encode(raw).decode()}):
        redactor.add(value, even_if_plain=True)
    text = f"got {shown(raw)} (rejected)"
    assert shown(raw).rstrip("=") not in redactor.text(text), redactor.text(text)


# -- a verifier that checks JSON deliveries only --------------------------------------------------------------------
def _verifies_json_only(verify):
    """`verify` put on the route's JSON parser: a delivery of another content type is taken unchecked."""
    def answer(headers, body):
        if not headers.get("content-type", "").startswith("application/json"):
            return 200, '{"received": true}'
        return verify(headers, body)
    return answer


def _verifies_stripe_and_shopify(headers, body):
    if "x-shopify-hmac-sha256" in headers:
        return _verifies_with(STRIPE_SECRET.encode())(headers, body)
    return _verifies_stripe(STRIPE_SECRET.encode())(headers, body)


def _refuses_other_types(headers, body):
    """A correct endpoint that refuses what is not JSON before it reads a signature: 415, whatever `status` says."""
    if not headers.get("content-type", "").startswith("application/json"):
        return 415, '{"error": "unsupported media type"}'
    return _verifies_stripe_and_shopify(headers, body)


def _routes_json_only(headers, body):
    """A correct endpoint behind a router that matches the content type (gorilla/mux's .Headers, Spring's consumes):
    no route for text/plain, 404."""
    if not headers.get("content-type", "").startswith("application/json"):
        return 404, "404 page not found"
    return _verifies_stripe_and_shopify(headers, body)


@pytest.mark.parametrize("params, mutating", [
    (SHOPIFY | {"service": "app"}, False), (STRIPE_ITEM, False), ({**STRIPE_ITEM, "scheme": "fal"}, False),
    (SHOPIFY | {"service": "app", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}, True), (STRIPE_SIGNED, True),
], ids=["shopify", "stripe", "fal", "shopify-signed", "stripe-signed"])
def test_a_forged_delivery_of_another_content_type_is_refused(params, mutating):
    """Every other forged delivery is application/json: an endpoint verifying JSON deliveries only refused them all
    and passed, while anyone's text/plain delivery was acted on. The randomly signed one goes as text/plain too; a
    correct endpoint refuses it, for its signature or (415) its type, whatever `status` names."""
    routes = {("POST", "/json-only"): _verifies_json_only(_verifies_stripe_and_shopify),
              ("POST", "/hook"): _verifies_stripe_and_shopify, ("POST", "/typed"): _refuses_other_types,
              ("POST", "/routed"): _routes_json_only}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}},
                              "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        items = [make_check("webhook", {**params, "path": path, "status": [401, 400]}, name=path.strip("/"),
                            mutating=mutating) for path in ("/json-only", "/hook", "/typed", "/routed")]
        try:
            json_only, correct, typed, routed = gather_and_judge(target, webhook, items)
        finally:
            target.close()
    assert json_only.status is Status.FAILED, json_only
    assert json_only.observed.startswith(f"{webhook.OTHER_TYPE}: accepted with 200: the endpoint does not check the "
                                         "signature of a delivery sent as text/plain"), json_only.observed
    assert "one sent as text/plain" in json_only.expected and "(text/plain: any 4xx)" in json_only.expected
    assert correct.status is Status.PASSED and f"{webhook.OTHER_TYPE}: 401" in correct.observed, correct
    assert typed.status is Status.PASSED and f"{webhook.OTHER_TYPE}: 415" in typed.observed, typed
    # a router with no route for text/plain: its 404 had failed the item "(not deployed)", the JSON ones refused;
    # a genuine delivery taken shows the route is there, without one it is not judged (`routed_elsewhere`)
    if mutating:
        assert routed.status is Status.PASSED and f"{webhook.OTHER_TYPE}: 404" in routed.observed, routed
    else:
        assert routed.status is Status.ERROR and f"{webhook.OTHER_TYPE}: 404 (not deployed): a router matching the" \
            " content type answers so" in routed.observed, routed


def _verifier_in_front_of_no_route(headers, body):
    """The signature checked by a JSON parser in front of routing (`app.use(express.json({verify}))`), and the webhook
    route not deployed: every JSON forgery is refused by the verifier, the text/plain one by the router, 404 — and
    so would a genuine delivery be."""
    if headers.get("content-type", "").startswith("application/json"):
        status, text = _verifies_stripe_and_shopify(headers, body)
        if status >= 400:
            return status, text
    return 404, "Cannot POST /hook"


@pytest.mark.parametrize("params, mutating, status", [
    (STRIPE_ITEM, False, Status.ERROR), (STRIPE_SIGNED, True, Status.ERROR),  # its genuine delivery 404s: not seen
], ids=["stripe", "stripe-signed"])
def test_a_route_not_deployed_behind_a_verifier_on_the_json_parser_never_passes(params, mutating, status):
    """Every JSON forgery got the verifier's 401 and the text/plain one the router's 404: counted a refusal, the item
    passed a route no genuine delivery reaches."""
    with route_server({("POST", "/hook"): _verifier_in_front_of_no_route}) as base:
        target = make_target({"services": {"app": {"url": base}},
                              "secrets": {"STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}})
        try:
            outcome, = gather_and_judge(target, webhook, [make_check("webhook", {**params, "path": "/hook"},
                                                                     mutating=mutating)])
        finally:
            target.close()
    assert outcome.status is status, outcome


def test_the_delivery_of_another_content_type_is_the_randomly_signed_one():
    """The same body and signature headers as the randomly signed JSON delivery: an endpoint that checks a signature
    is there before it verifies it refuses it, so only its type can make it taken."""
    for params in (SHOPIFY, STRIPE_ITEM, {**STRIPE_ITEM, "scheme": "fal"}):
        sent = {how: (headers, body) for how, headers, body in webhook.deliveries(webhook.Params(**params))}
        wrong, other = sent["wrong signature"], sent[webhook.OTHER_TYPE]
        assert other[0] == wrong[0] | {"content-type": "text/plain"} and other[1] == wrong[1], params


# -- a comparison of as many characters as were given --------------------------------------------------------------
def _compares_a_prefix(key: bytes):
    """A hand-made comparison with a common bug: `expected.startsWith(given)` — an empty signature, anyone's, is a
    prefix of every one. Refuses no header, a random key, each unset key and Stripe's header with no v1."""
    def answer(headers, body):
        if "x-shopify-hmac-sha256" in headers:
            expected = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
            given = headers["x-shopify-hmac-sha256"]
        else:
            found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
            if "t" not in found or "v1" not in found:
                return 401, '{"error": "no signature"}'
            expected = hmac.new(key, found["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            given = found["v1"]
        return (200, '{"received": true}') if expected.startswith(given) else (401, '{"error": "bad signature"}')
    return answer


@pytest.mark.parametrize("params", [SHOPIFY | {"service": "app"}, STRIPE_ITEM], ids=["shopify", "stripe"])
def test_an_empty_signature_is_refused(params):
    """Its signature header there with nothing in it (Stripe's `t=<now>,v1=`): an endpoint comparing a prefix takes
    it from anyone, and refused every other forgery. Fal's signature is verified, not compared: none sent there."""
    routes = {("POST", "/prefix"): _compares_a_prefix(STRIPE_SECRET.encode()),
              ("POST", "/hook"): _verifies_stripe_and_shopify}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}})
        try:
            prefix, correct = gather_and_judge(target, webhook, [
                make_check("webhook", {**params, "path": path}, name=path.strip("/")) for path in ("/prefix", "/hook")])
        finally:
            target.close()
    assert prefix.status is Status.FAILED, prefix
    assert prefix.observed == (f"{webhook.EMPTY_SIGNATURE}: accepted with 200: the endpoint compares only as much of "
                               "the signature as it is given"), prefix.observed
    assert "an empty signature" in prefix.expected, prefix.expected
    assert correct.status is Status.PASSED and f"{webhook.EMPTY_SIGNATURE}: 401" in correct.observed, correct
    sent = {how: headers for how, headers, _ in webhook.deliveries(webhook.Params(**params))}
    assert re.fullmatch(r"t=\d{10},v1=", sent[webhook.EMPTY_SIGNATURE].get("stripe-signature", "t=1234567890,v1="))
    assert sent[webhook.EMPTY_SIGNATURE].get("x-shopify-hmac-sha256", "") == ""
    assert webhook.EMPTY_SIGNATURE not in dict((how, 0) for how, _, _ in webhook.deliveries(
        webhook.Params(**{**STRIPE_ITEM, "scheme": "fal"})))


# -- the mirror: the right signature without its first whole bytes, a part it ends with ------------------------------
def test_a_correct_signature_without_its_first_whole_bytes_is_its_last_characters_and_decodes_to_its_last_bytes():
    """Stripe's hex without its first 4 characters (30 bytes); Shopify's base64 without its first group of 4, its `=`
    padding kept (29 bytes): what the right signature ends with, as text and decoded. The wrong one cut so is as long,
    and ends otherwise. Each its own delivery."""
    secret = "whsec_field-test-0123456789abcdef"
    stripe = {how: (headers, body) for how, headers, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED),
                                                                                secret)}
    headers, body = stripe[webhook.CUT_SIGNATURE_START]
    stamp, mac = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{60})", headers["stripe-signature"]).groups()
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).digest()
    assert mac == digest.hex()[4:] and bytes.fromhex(mac) == digest[2:], mac
    wrong = re.fullmatch(r"t=\d+,v1=([0-9a-f]{60})", stripe[webhook.WRONG_CUT_START][0]["stripe-signature"]).group(1)
    assert wrong != mac
    assert body != stripe[webhook.GENUINE][1] and json.loads(body)["type"] == "opsverify.probe"  # inert as well
    shop = webhook.Params(**SHOPIFY, signed_with="{secret:SHOPIFY_WEBHOOK_SECRET}")
    shopify = {how: (headers, body) for how, headers, body in webhook.deliveries(shop, secret)}
    headers, body = shopify[webhook.CUT_SIGNATURE_START]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    whole = base64.b64encode(digest).decode()
    assert headers["x-shopify-hmac-sha256"] == whole[4:] and whole.endswith("="), headers
    assert base64.b64decode(headers["x-shopify-hmac-sha256"], validate=True) == digest[3:]
    assert len(shopify[webhook.WRONG_CUT_START][0]["x-shopify-hmac-sha256"]) == 40
    assert headers["x-shopify-webhook-id"] != shopify[webhook.GENUINE][0]["x-shopify-webhook-id"]  # its own delivery
    assert webhook.CUT_SIGNATURE_START not in dict((how, 0) for how, _, _ in webhook.deliveries(
        webhook.Params(**SHOPIFY)))


def _compares_the_end_given(key: bytes, shortest: int = 1, then: int = 200):
    """`expected.endsWith(given)` behind a guard refusing an empty signature (and one shorter than `shortest`): it
    refuses every forgery, and every part the right signature begins with, but takes a part it ends with, which anyone
    finds one character at a time from its end; answering `then` (a handler failing after: 500). Stripe's time is
    checked."""
    def answer(headers, body):
        given, expected = _given_and_expected(key, headers, body)
        if expected is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        if len(given) >= max(shortest, 1) and expected.endswith(given):
            return (200, '{"received": true}') if then == 200 or given == expected else (then, '{"error": "failed"}')
        return 401, '{"error": "bad signature"}'
    return answer


SHOPIFY_SIGNED = {**SHOPIFY, "service": "app", "path": "/hook", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
@pytest.mark.parametrize("shortest", [1, 28])
def test_an_endpoint_taking_what_the_signature_ends_with_fails(params, shortest):
    """The mirror of `startsWith`: a signature cut short is a part the right one begins with, which it refuses; only
    a part it ends with shows it, the longest sent but whole bytes, so a guard wanting a signature of some length
    does not hide it. Named, never shown."""
    sent = []
    outcome, shown = _judged_on({("POST", "/hook"): _recorded(_compares_the_end_given(STRIPE_SECRET.encode(), shortest), sent)},
                                params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == ENDING_TAKEN, outcome.observed
    ending = min((value for value, status in sent if status == 200), key=len)  # taken: it and the genuine one
    assert ending not in shown and ending.split("v1=")[-1] not in shown, (ending, shown)


def _decodes_then_takes_an_ending_of_the_digest(key: bytes):
    """Decodes the signature strictly (`bytes.fromhex`, `base64.b64decode`: a 500 on what it cannot read), then takes
    it where the digest ends with its bytes (8 at least): forgeable a byte at a time from the end."""
    def answer(headers, body):
        given_text, expected_text = _given_and_expected(key, headers, body)
        if expected_text is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        try:
            given, expected = _decoded_strictly(headers, given_text, expected_text)
        except ValueError:
            return 500, "Internal Server Error"
        if len(given) < 8 or not expected.endswith(given):
            return 401, '{"error": "bad signature"}'
        return 200, '{"received": true}'
    return answer


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
def test_an_endpoint_decoding_the_signature_then_taking_an_ending_of_the_digest_fails(params):
    outcome, _ = _judged_on({("POST", "/hook"): _decodes_then_takes_an_ending_of_the_digest(
        STRIPE_SECRET.encode())}, params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == ENDING_TAKEN, outcome.observed


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
def test_an_endpoint_taking_an_ending_then_failing_in_its_handler_fails(params):
    """`expected.endsWith(given)` in front of a handler that fails on a forged delivery (500): the cut signature's
    500 alone, its wrong twin refused, is no crash on a length — taken past the check."""
    outcome, _ = _judged_on({("POST", "/hook"): _compares_the_end_given(STRIPE_SECRET.encode(), then=500)}, params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == (
        f"{CUT_SIGNATURE_START}: 500 (server error), where {WRONG_CUT_START}, as long, was refused with 401: the "
        "endpoint took it past its check and failed after; the endpoint takes an ending of the signature (it compares "
        "only as much as it is given, from the end: a signature can be found a character or a byte at a time)"), \
        outcome.observed


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
def test_a_verifier_comparing_the_whole_signature_refuses_its_ending_and_passes(params):
    outcome, _ = _judged_on({("POST", "/hook"): _node_timing_safe_equal_or_refuses(STRIPE_SECRET.encode())}, params)
    assert outcome.status is Status.PASSED, outcome
    assert f"{CUT_SIGNATURE_START}: 401 and {WRONG_CUT_START}: 401" in outcome.observed, outcome.observed


def _node_timing_safe_equal_or_refuses(key: bytes):
    """As `_node_timing_safe_equal`, its length checked first (a 401, no crash)."""
    def answer(headers, body):
        given, computed = _given_and_expected(key, headers, body)
        if computed is None:
            return 400, '{"error": "timestamp outside the tolerance zone"}'
        if not given or len(given) != len(computed):
            return 401, '{"error": "bad signature"}'
        return (200, '{"received": true}') if hmac.compare_digest(given, computed) else (401, '{"error": "bad"}')
    return answer


@pytest.mark.parametrize("answers, status, seen", [
    ({CUT_SIGNATURE_START: 500, WRONG_CUT_START: 500, GENUINE: 200}, Status.PASSED, CRASHED_AT_START_ON_BOTH),
    # all four cut ones crashed, and nothing else: each pair a crash on its length
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, CUT_SIGNATURE_START: 500, WRONG_CUT_START: 500, GENUINE: 200},
     Status.PASSED, f"{CRASHED_ON_BOTH} and {CRASHED_AT_START_ON_BOTH}"),
    ({CUT_SIGNATURE_START: 200, GENUINE: 200}, Status.FAILED, ENDING_TAKEN),
    ({CUT_SIGNATURE_START: 500, GENUINE: 200}, Status.FAILED,
     f"{CUT_SIGNATURE_START}: 500 (server error), where {WRONG_CUT_START}, as long, was refused with 401: the "
     "endpoint took it past its check"),
    # one pair crashed, the other's right one taken past its check: failed
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, CUT_SIGNATURE_START: 502, GENUINE: 200}, Status.FAILED,
     f"{CUT_SIGNATURE_START}: 502 (server error), where {WRONG_CUT_START}, as long, was refused with 401"),
    ({WRONG_CUT_START: 200, GENUINE: 200}, Status.FAILED, f"{WRONG_CUT_START}: accepted with 200: the endpoint does "
                                                          "not compare a signature of another length"),
    # the wrong one's 5xx alone beside a crashed pair: a server error, as before
    ({CUT_SIGNATURE: 500, WRONG_CUT: 500, WRONG_CUT_START: 500, GENUINE: 200}, Status.FAILED,
     f"{WRONG_CUT_START}: 500 (server error; the sender will retry)"),
])
def test_judge_a_server_error_to_the_signature_without_its_first_bytes(answers, status, seen):
    c = check(**STRIPE_SIGNED)
    outcome = webhook.judge(c, _signed_facts(c, answers))
    assert outcome.status is status and seen in outcome.observed, outcome


# -- a delivery's bytes as its sender writes them ----------------------------------------------------------------------
def _js_stringify(body: bytes) -> bytes:
    """`JSON.stringify(req.body)` after `express.json()`: the body parsed, then written again compact."""
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()


def _verifies_the_body_rewritten(key: bytes):
    """Stripe's best-known webhook bug (stripe-node #341, stripe-php #884), Shopify's too: the signature checked over
    the body re-serialized from its parsed JSON, not over the bytes sent — every real delivery is refused, and one
    whose bytes JSON.stringify would write the same is taken."""
    def answer(headers, body):
        try:
            rewritten = _js_stringify(body)
        except ValueError:
            return 400, '{"error": "bad json"}'
        if "x-shopify-hmac-sha256" in headers:
            given, expected = headers["x-shopify-hmac-sha256"], base64.b64encode(
                hmac.new(key, rewritten, hashlib.sha256).digest()).decode()
        else:
            found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
            stamp = found.get("t", "")
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
                return 400, '{"error": "no signature"}'
            given, expected = found.get("v1", ""), hmac.new(key, stamp.encode() + b"." + rewritten,
                                                            hashlib.sha256).hexdigest()
        return (200, '{"received": true}') if hmac.compare_digest(given, expected) else (400, '{"error": "bad"}')
    return answer


@pytest.mark.parametrize("params, as_sent", [
    (STRIPE_SIGNED, "as Stripe signs it (its body pretty-printed JSON)"),
    ({**SHOPIFY, "service": "app", "path": "/hook", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"},
     "as Shopify signs it (its body compact JSON, / written \\/ and & \\u0026)"),
], ids=["stripe", "shopify"])
def test_an_endpoint_verifying_the_body_rewritten_from_its_json_fails(params, as_sent):
    """The genuine delivery's bytes are its sender's: Stripe's pretty-printed, Shopify's compact with `/` and `&`
    escaped. An endpoint verifying the signature over the body re-serialized refuses it — and takes the same delivery
    whose bytes JSON.stringify writes alike: the item fails, naming both answers."""
    outcome, _ = _judged_on({("POST", "/hook"): _verifies_the_body_rewritten(STRIPE_SECRET.encode())}, params)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.expected.endswith(f"and accepts one signed with STRIPE_WEBHOOK_SECRET {as_sent} with 2xx"), \
        outcome.expected
    assert outcome.observed == (
        f"correctly signed: refused with 400, where {webhook.REWRITTEN}, was accepted with 200: the endpoint verifies"
        " the signature over the body re-serialized from its parsed JSON, not over the bytes sent: it refuses every"
        " real delivery"), outcome.observed


@pytest.mark.parametrize("path, status", [("/checks", Status.PASSED), ("/reads-type", Status.ERROR)])
def test_a_delivery_with_its_body_rewritten_changes_no_other_verdict(path, status):
    """A verifier over the raw bytes takes both; one refusing the probe's content refuses both: not shown, as
    before."""
    outcome, _ = _judged_on({("POST", "/checks"): _checks_signatures, ("POST", "/reads-type"): _reads_the_type_only},
                            {**STRIPE_SIGNED, "path": path})
    assert outcome.status is status, outcome
    assert outcome.evidence[webhook.REWRITTEN]["status"] in (200, 400), outcome.evidence


def test_the_genuine_deliverys_bytes_are_its_senders():
    """Stripe delivers its events pretty-printed (two-space indents, `": "`); Shopify compact, `/` written `\\/`
    (`gid:\\/\\/shopify\\/Order\\/…`). The delivery re-serialized is compact, as JSON.stringify writes it."""
    secret = "whsec_field-test-0123456789abcdef"
    stripe = {how: body for how, _, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED), secret)}
    assert stripe[webhook.GENUINE].startswith(b'{\n  "id": "evt_opsverify_'), stripe[webhook.GENUINE]
    assert b'\n  "type": "opsverify.probe",\n' in stripe[webhook.GENUINE]
    assert stripe[webhook.REWRITTEN] == _js_stringify(stripe[webhook.REWRITTEN])
    shop = webhook.Params(**SHOPIFY, signed_with="{secret:SHOPIFY_WEBHOOK_SECRET}")
    shopify = {how: body for how, _, body in webhook.deliveries(shop, secret)}
    assert b'"admin_graphql_api_id":"gid:\\/\\/shopify\\/Order\\/' in shopify[webhook.GENUINE]
    assert b'"test":true' in shopify[webhook.GENUINE] and b"\n" not in shopify[webhook.GENUINE]
    assert shopify[webhook.REWRITTEN] == _js_stringify(shopify[webhook.REWRITTEN])
    assert b'"gid://shopify/Order/' in shopify[webhook.REWRITTEN]


# -- no common re-serializer writes the genuine delivery's bytes again ------------------------------------------------
def _php_json_encode(body: bytes) -> bytes:
    """`json_encode(json_decode($raw, true))` with PHP's defaults: compact, `/` written `\\/`, non-ASCII `\\uXXXX`, `&`
    as it is; an object decoded as an array, so an empty one is written `[]`."""
    def as_array(value):
        if isinstance(value, dict):
            return {key: as_array(inner) for key, inner in value.items()} if value else []
        return [as_array(inner) for inner in value] if isinstance(value, list) else value
    return json.dumps(as_array(json.loads(body)), separators=(",", ":")).replace("/", "\\/").encode()


def _integral_floats_as_ints(value):
    """JavaScript has one number type: 1.0 is written 1."""
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(inner) for inner in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _js(body: bytes) -> bytes:
    """`JSON.stringify(JSON.parse(raw))`: compact, `/`, `&` and non-ASCII as they are, 1.0 as 1."""
    return json.dumps(_integral_floats_as_ints(json.loads(body)), separators=(",", ":"), ensure_ascii=False).encode()


def _js_pretty(body: bytes) -> bytes:
    """`JSON.stringify(req.body, null, 2)`: two-space indents, `{}` and `[]` for empty ones, `/`, `&` and non-ASCII as
    they are (stripe-node's README testing example writes its payload so; copied into a receiver, stripe-node #1504)."""
    return json.dumps(_integral_floats_as_ints(json.loads(body)), indent=2, ensure_ascii=False).encode()


def _rails_to_json(body: bytes) -> bytes:
    """ActiveSupport's `to_json`: compact, `&`, `<`, `>` written `\\u0026`, `\\u003c`, `\\u003e`, `/` as it is."""
    text = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").encode()


def _go_marshal(body: bytes) -> bytes:
    """Go's `json.Marshal` of a `map[string]any`: keys sorted, compact, `&<>` escaped, non-ASCII as it is."""
    text = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").encode()


RESERIALIZERS = {
    "PHP json_encode(json_decode($raw, true))": _php_json_encode,
    "JSON.stringify": _js,
    "JSON.stringify(body, null, 2)": _js_pretty,
    "Python json.dumps": lambda body: json.dumps(json.loads(body)).encode(),
    "Python json.dumps(indent=2)": lambda body: json.dumps(json.loads(body), indent=2).encode(),
    "Ruby to_json": lambda body: json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode(),
    "Rails to_json": _rails_to_json,
    "Go json.Marshal": _go_marshal,
}
SHOPIFY_SIGNED = {**SHOPIFY, "service": "app", "path": "/hook", "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
def test_no_common_reserializer_writes_the_genuine_body_again(params):
    """A verifier over the body re-serialized takes a delivery only if its re-serializer writes the bytes sent: PHP's
    json_encode wrote the Shopify body byte for byte (no `&`, no non-ASCII, no empty object in it), the item passed,
    and every real delivery (Shopify writes `&` as `\\u0026`) was refused. The genuine body holds what each changes."""
    genuine = {how: body for how, _, body in webhook.deliveries(webhook.Params(**params), STRIPE_SECRET)}[
        webhook.GENUINE]
    written_again = [name for name, rewrite in RESERIALIZERS.items() if rewrite(genuine) == genuine]
    assert not written_again, (written_again, genuine)


def test_the_genuine_body_holds_what_re_serializers_change_as_its_sender_writes_it():
    """Shopify (Rails) writes compact JSON, `/` as `\\/`, `&` as `\\u0026`, non-ASCII as UTF-8 (Shopify/shopify-api-js
    #320, Shopify/shopify-express #15); Stripe pretty-prints, non-ASCII as UTF-8 (stripe/stripe-node #371), `/` as it
    is, `&` as `\\u0026`, an empty object as `{\\n<indent>}` and an empty array as `[\\n\\n<indent>]`. Neither's keys
    are sorted."""
    shop = {how: body for how, _, body in webhook.deliveries(webhook.Params(**SHOPIFY_SIGNED), STRIPE_SECRET)}
    body = shop[webhook.GENUINE]
    assert b"\\u0026" in body and b"&" not in body and b"\\/" in body, body
    assert "—".encode() in body and b"\\u2014" not in body and b"\n" not in body, body
    stripe = {how: body for how, _, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED), STRIPE_SECRET)}
    body = stripe[webhook.GENUINE]
    assert "—".encode() in body and b"\\u2014" not in body and b"\\/" not in body and b"/" in body, body
    assert b"\\u0026" in body and b"&" not in body, body
    assert b'"metadata": {\n      }' in body and b'[\n\n      ]' in body, body
    assert body.startswith(b'{\n  "id": "evt_opsverify_'), body
    for document in (json.loads(shop[webhook.GENUINE]), json.loads(body)):
        assert list(document) != sorted(document), list(document)


def _verifies_as_php_re_encodes_it(key: bytes):
    """A PHP receiver HMAC-ing `json_encode(json_decode($raw, true))`, not the bytes sent (Shopify's header)."""
    def answer(headers, body):
        try:
            again = _php_json_encode(body)
        except ValueError:
            return 400, '{"error": "bad json"}'
        mac = base64.b64encode(hmac.new(key, again, hashlib.sha256).digest()).decode()
        return (200, '{"received": true}') if hmac.compare_digest(
            mac, headers.get("x-shopify-hmac-sha256", "")) else (401, '{"error": "bad hmac"}')
    return answer


def test_a_php_receiver_verifying_the_body_re_encoded_never_passes():
    """It passed, taking the genuine delivery; a real one holding `&` it refuses. Now it refuses the genuine one too:
    nothing shows it checks signatures, and a re-serialized body is among the causes said."""
    outcome, _ = _judged_on({("POST", "/hook"): _verifies_as_php_re_encodes_it(STRIPE_SECRET.encode())},
                            SHOPIFY_SIGNED)
    assert outcome.status is not Status.PASSED, outcome
    assert "correctly signed: refused with 401 as well" in outcome.observed, outcome.observed
    assert "or it verifies the signature over the body re-serialized" in outcome.observed, outcome.observed


# -- Stripe's bytes, as its Ruby JSON generator writes them -------------------------------------------------------------
def _verifies_the_body_written_again_pretty(key: bytes):
    """`stripe.webhooks.constructEvent(JSON.stringify(req.body, null, 2), sig, secret)`: the signature checked over
    the body parsed and pretty-printed again, not over the bytes sent."""
    def answer(headers, body):
        try:
            again = _js_pretty(body)
        except ValueError:
            return 400, '{"error": "bad json"}'
        return _verifies_stripe(key)(headers, again)
    return answer


def test_stripe_writes_empty_objects_and_arrays_and_an_ampersand_as_its_deliveries_show():
    """Captured Stripe deliveries, their signatures checked against their secrets (Stripe CLI's, 2017 and 2021): an
    empty object is `{\\n<indent>}`, an empty array `[\\n\\n<indent>]`; `&` is `\\u0026`, `/` and non-ASCII as they
    are."""
    document = {"id": "evt_1", "object": "event", "data": {"object": {
        "metadata": {}, "tax_ids": [], "cancel_url": "https://example.com/?a=1&b=2", "note": "—", "types": ["card"],
        "total_details": {"amount_tax": 0}}}, "livemode": False, "request": {"id": None}}
    assert webhook._as_sent("stripe", document) == (
        b'{\n  "id": "evt_1",\n  "object": "event",\n  "data": {\n    "object": {\n      "metadata": {\n      },\n'
        b'      "tax_ids": [\n\n      ],\n      "cancel_url": "https://example.com/?a=1\\u0026b=2",\n'
        b'      "note": "\xe2\x80\x94",\n      "types": [\n        "card"\n      ],\n'
        b'      "total_details": {\n        "amount_tax": 0\n      }\n    }\n  },\n  "livemode": false,\n'
        b'  "request": {\n    "id": null\n  }\n}')


def test_a_receiver_verifying_the_body_pretty_printed_again_never_passes():
    """It passed: the genuine Stripe body was what JSON.stringify(body, null, 2) writes (`"metadata": {}`), so a
    receiver verifying that took it — and refuses every real delivery (`"metadata": {\\n      }`). Now it refuses the
    genuine one too: nothing shows it checks signatures, and a re-serialized body is among the causes said."""
    outcome, _ = _judged_on({("POST", "/hook"): _verifies_the_body_written_again_pretty(STRIPE_SECRET.encode())},
                            STRIPE_SIGNED)
    assert outcome.status is not Status.PASSED, outcome
    assert "correctly signed: refused with 401 as well" in outcome.observed, outcome.observed
    assert "or it verifies the signature over the body re-serialized" in outcome.observed, outcome.observed


# -- no two deliveries share what a handler may key on ------------------------------------------------------------------
NATURAL_KEYS = {"shopify": {"order id": lambda doc, _: doc["id"], "order name": lambda doc, _: doc["name"],
                            "email": lambda doc, _: doc["email"],
                            # Shopify's own advice on duplicates: key on the event id header
                            "event id": lambda _, headers: headers.get("x-shopify-event-id"),
                            "webhook id": lambda _, headers: headers.get("x-shopify-webhook-id")},
                "stripe": {"event id": lambda doc, _: doc["id"],
                           "object id": lambda doc, _: doc["data"]["object"].get("id")}}


@pytest.mark.parametrize("params", [STRIPE_SIGNED, SHOPIFY_SIGNED], ids=["stripe", "shopify"])
def test_no_two_deliveries_share_what_a_handler_may_key_on(params):
    """An order recorded once by its name (Shopify's order number) or its email, an event's object by its id: the
    deliveries shared `"name": "#OPSVERIFY"` and an email, and Stripe's object had no id (every one keyed alike)."""
    p = webhook.Params(**params)
    sent = [(json.loads(body), {k.lower(): v for k, v in headers.items()})
            for how, headers, body in webhook.deliveries(p, STRIPE_SECRET) if how != webhook.OTHER_TYPE]
    for key, read in NATURAL_KEYS[p.scheme].items():
        values = [read(doc, headers) for doc, headers in sent]
        assert None not in values and len(set(values)) == len(values), (key, values)


def _records_once_keyed_on(read, rewritten_first: threading.Event):
    """A correct receiver (the signature over the bytes sent, Stripe's within 300 s) recording each order once, keyed
    on `read(document)`: 409 to one already recorded. It holds the genuine delivery back until the re-serialized one
    (compact, as JSON.stringify writes it) was recorded: the order is fixed, not raced."""
    lock, recorded = threading.Lock(), set()

    def answer(headers, body):
        status, text = _verifies_stripe_and_shopify(headers, body)
        if status != 200:
            return status, text
        rewritten = body == _js_stringify(body)
        if not rewritten:
            rewritten_first.wait(10)
        with lock:
            key = json.dumps(read(json.loads(body), {k.lower(): v for k, v in headers.items()}))
            taken = key in recorded
            recorded.add(key)
        if rewritten:
            rewritten_first.set()
        return (409, '{"error": "order already recorded"}') if taken else (200, '{"received": true}')
    return answer


@pytest.mark.parametrize("params, key", [(SHOPIFY_SIGNED, "order name"), (SHOPIFY_SIGNED, "email"),
                                         (SHOPIFY_SIGNED, "event id"), (STRIPE_SIGNED, "object id")],
                         ids=["shopify-name", "shopify-email", "shopify-event-id", "stripe-object-id"])
def test_a_receiver_keyed_on_a_natural_key_passes_whichever_delivery_came_first(params, key):
    """The re-serialized delivery recorded first, the genuine one got 409 and the item failed, saying the receiver
    verifies a re-serialized body."""
    rewritten_first = threading.Event()
    scheme = params["scheme"]
    outcome, _ = _judged_on({("POST", "/hook"): _records_once_keyed_on(NATURAL_KEYS[scheme][key], rewritten_first)},
                            params)
    assert rewritten_first.is_set(), outcome  # the re-serialized one was taken, first
    assert outcome.status is Status.PASSED, outcome
    assert "correctly signed: 200" in outcome.observed, outcome.observed


# -- a Stripe event carries the endpoint's API version ----------------------------------------------------------------
def _constructs_event_pinned_to(pinned: str, key: bytes):
    """stripe-go's webhook.ConstructEvent (v73 on) and stripe-dotnet's EventUtility.ConstructEvent with their defaults:
    the signature verified over the bytes sent, then the event's api_version must be the library's pinned one — its
    release train (`.basil`) where the pin has one, the very date where not: every real event carries the endpoint's
    version, set to match; one of another, or of none, is refused with 400."""
    verify = _verifies_stripe(key)

    def answer(headers, body):
        status, text = verify(headers, body)
        if status != 200:
            return status, text
        version = json.loads(body).get("api_version") or ""
        train = pinned.partition(".")[2]
        same = version.partition(".")[2] == train and "." in version if train else version == pinned
        return (200, '{"received": true}') if same else (400, '{"error": "received event with API version '
                                                               f'{version}, but the library expects {pinned}"}}')
    return answer


API_VERSION_CAUSE = "stripe-go and stripe-dotnet refuse an event of another API version"


@pytest.mark.parametrize("pinned, given", [("2024-06-20", "2024-06-20"), ("2025-03-31.basil", "2025-06-30.basil")],
                         ids=["exact", "release-train"])
def test_a_receiver_refusing_events_of_another_api_version_passes_given_the_endpoints(pinned, given):
    """Every real Stripe event carries api_version; stripe-go and stripe-dotnet refuse one whose version is not theirs.
    Without api_version the genuine delivery carries none: refused, an ERROR naming that cause among the others; with
    the endpoint's, it is taken and the item passes."""
    routes = {("POST", "/hook"): _constructs_event_pinned_to(pinned, STRIPE_SECRET.encode())}
    outcome, _ = _judged_on(routes, STRIPE_SIGNED)
    assert outcome.status is Status.ERROR, outcome
    assert "correctly signed: refused with 400 as well" in outcome.observed, outcome.observed
    assert f"{API_VERSION_CAUSE}: give the endpoint's as api_version" in outcome.observed, outcome.observed
    outcome, _ = _judged_on(routes, {**STRIPE_SIGNED, "api_version": given})
    assert outcome.status is Status.PASSED, outcome
    assert "correctly signed: 200" in outcome.observed, outcome.observed
    assert f"(its body pretty-printed JSON, its event of API version {given}) with 2xx" in outcome.expected


def test_an_api_version_given_and_still_refused_is_named_as_maybe_not_the_endpoints():
    routes = {("POST", "/hook"): _constructs_event_pinned_to("2025-03-31.basil", STRIPE_SECRET.encode())}
    outcome, _ = _judged_on(routes, {**STRIPE_SIGNED, "api_version": "2024-06-20"})
    assert outcome.status is Status.ERROR, outcome
    assert f"{API_VERSION_CAUSE}: 2024-06-20 may not be the endpoint's" in outcome.observed, outcome.observed


def test_every_stripe_event_carries_the_api_version_given_where_stripe_writes_it():
    """Stripe writes it after `object`; without api_version no event carries one (any version would be a guess)."""
    given = webhook.deliveries(webhook.Params(**STRIPE_SIGNED, api_version="2025-03-31.basil"), STRIPE_SECRET)
    assert all(list(json.loads(body))[:3] == ["id", "object", "api_version"]
               and json.loads(body)["api_version"] == "2025-03-31.basil" for _, _, body in given), given
    genuine = {how: body for how, _, body in given}[webhook.GENUINE]
    assert re.match(rb'\{\n  "id": "evt_opsverify_[0-9a-f]+",\n  "object": "event",\n  "api_version": '
                    rb'"2025-03-31.basil",\n  "type"', genuine), genuine
    assert not any(b"api_version" in body for _, _, body in webhook.deliveries(webhook.Params(**STRIPE_SIGNED),
                                                                               STRIPE_SECRET))


@pytest.mark.parametrize("value, problem", [
    ("latest", "not a Stripe API version"),
    ("2024-6-20", "not a Stripe API version"),
    ("2024-06-20.Basil", "not a Stripe API version"),
    ("2025-03-31.basil\n", "not a Stripe API version"),
    ("2024-02-30", "not a Stripe API version .*a date that does not exist"),
    (20240620, "valid string"),
])
def test_an_api_version_not_of_stripes_form_is_refused(value, problem):
    with pytest.raises(ValidationError, match=problem):
        webhook.Params(**STRIPE_SIGNED, api_version=value)


@pytest.mark.parametrize("params", [SHOPIFY, {"service": "app", "path": "/hook", "scheme": "fal"}],
                         ids=["shopify", "fal"])
def test_an_api_version_is_stripes_only(params):
    with pytest.raises(ValidationError, match="api_version applies to scheme stripe only"):
        webhook.Params(**params, api_version="2024-06-20")


def test_an_api_version_written_unquoted_is_the_date_yaml_reads():
    """`api_version: 2024-06-20` is a YAML date: one line of YAML, as the endpoint's page shows it, is taken."""
    loaded = load_item_params("webhook", {**STRIPE_SIGNED, "api_version": datetime.date(2024, 6, 20)}, mutating=True)
    assert loaded.api_version == "2024-06-20"


def test_an_api_version_without_signed_with_is_refused():
    """Only the correctly signed delivery reaches a receiver's version check (every other one is refused on its
    signature first): given without signed_with, api_version was accepted and judged nothing."""
    unsigned = {key: value for key, value in STRIPE_SIGNED.items() if key != "signed_with"}
    with pytest.raises(ValidationError, match="api_version is judged with signed_with only"):
        webhook.Params(**unsigned, api_version="2024-06-20")
