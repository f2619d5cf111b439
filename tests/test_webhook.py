"""webhook: unsigned and wrongly signed deliveries must get a 4xx — not 404, 5xx or 2xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import httpx
import pytest
from pydantic import ValidationError

from opsverify.checklist import Check, Severity
from opsverify.engine import message
from opsverify.families import webhook
from opsverify.outcome import Status
from opsverify.transports.http import Reply

from .helpers import by_id, evaluate


def check(**params) -> Check:
    return Check("bakery-ops", "B6", "orders-webhook", "Webhooks", "orders webhook rejects unsigned", "webhook",
                 None, Severity.blocker, False, "", "", webhook.Params(**params))


SHOPIFY = {"service": "edge", "path": "/functions/v1/orders-webhook", "scheme": "shopify",
           "shop_domain": "bannos.myshopify.com"}


def facts(c: Check, *statuses: int | None) -> dict:
    replies = [Reply(s, 12.0, text="{}") if s is not None else Reply(None, 3.0, failure="connection refused")
               for s in statuses]
    return {c.key: [(how, "https://edge.example/functions/v1/orders-webhook", r)
                    for how, r in zip(("unsigned", "wrong signature"), replies)]}


@pytest.mark.parametrize("params, statuses, status, observed", [
    ({}, (401, 401), Status.PASSED, "unsigned: 401 and wrong signature: 401"),
    ({}, (400, 403), Status.PASSED, "unsigned: 400 and wrong signature: 403"),
    ({}, (404, 404), Status.FAILED, "unsigned: 404 (not deployed); wrong signature: 404 (not deployed)"),
    ({}, (405, 401), Status.FAILED, "unsigned: 405 (does not take POST)"),
    ({}, (200, 401), Status.FAILED, "unsigned: accepted with 200"),
    ({}, (401, 202), Status.FAILED, "wrong signature: accepted with 202"),
    ({}, (500, 500), Status.FAILED, "unsigned: 500 (server error; the sender will retry)"),
    ({}, (302, 401), Status.FAILED, "unsigned: status 302"),
    ({}, (None, 401), Status.ERROR, "unsigned: no answer (connection refused)"),  # not judged: could not look
    ({}, (429, 401), Status.ERROR, "unsigned: 429 (rate-limited): whether it checks signatures was not seen"),
    ({}, (401, 408), Status.ERROR, "wrong signature: 408 (request timeout)"),
    ({"status": [401, 429]}, (429, 401), Status.PASSED, "unsigned: 429"),  # the item's own choice
    ({"status": [401]}, (401, 403), Status.FAILED, "wrong signature: status 403"),
    ({"status": 400}, (400, 400), Status.PASSED, "unsigned: 400"),
])
def test_judge(params, statuses, status, observed):
    c = check(**SHOPIFY, **params)
    outcome = webhook.judge(c, facts(c, *statuses))
    assert outcome.status is status
    assert observed in outcome.observed
    assert "POST /functions/v1/orders-webhook rejects an unsigned and a wrongly signed shopify delivery" in outcome.expected
    assert set(outcome.evidence) == {"unsigned", "wrong signature"}


def test_default_status_wording():
    c = check(**SHOPIFY)
    assert "with 4xx (not 404/405)" in webhook.judge(c, facts(c, 401, 401)).expected


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
])
def test_params_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        webhook.Params(**params)


def test_shopify_deliveries():
    (how1, unsigned, body1), (how2, signed, body2) = webhook.deliveries(webhook.Params(**SHOPIFY))
    assert (how1, how2) == ("unsigned", "wrong signature")
    assert body1 == body2 and b'"test":true' in body1
    assert "x-shopify-hmac-sha256" not in unsigned
    assert unsigned["x-shopify-topic"] == "orders/create"
    assert unsigned["x-shopify-shop-domain"] == "bannos.myshopify.com"
    digest = base64.b64decode(signed["x-shopify-hmac-sha256"])
    assert len(digest) == 32  # shaped like a real HMAC-SHA256, made with a random key
    assert digest != hmac.new(b"", body2, hashlib.sha256).digest()


def test_stripe_and_fal_deliveries():
    (_, unsigned, _), (_, signed, _) = webhook.deliveries(webhook.Params(service="app", path="/h", scheme="stripe"))
    assert "stripe-signature" not in unsigned
    assert re.fullmatch(r"t=\d{10},v1=[0-9a-f]{64}", signed["stripe-signature"])
    (_, unsigned, _), (_, signed, body) = webhook.deliveries(webhook.Params(service="app", path="/h", scheme="fal"))
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
