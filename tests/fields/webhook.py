"""webhook: every field of webhook.Params changes the outcome."""

from opsverify.transports.http import Reply

from .kinds import Flips, Live

LOCAL = "http_fields_target"  # tests/conftest.py: POST /hook refuses, but takes any Stripe signature

FAL = {"service": "api", "path": "/hook", "scheme": "fal"}
STRIPE = {"service": "api", "path": "/hook", "scheme": "stripe"}
SHOPIFY = {"service": "api", "path": "/hook", "scheme": "shopify", "shop_domain": "bannos.myshopify.com"}


def refused_with(status):
    return lambda check: {check.key: [("unsigned", "u", Reply(status, 5.0)),
                                      ("wrong signature", "u", Reply(status, 5.0))]}


def genuine_refused_too(check):
    """Every delivery refused: fine without a signed one; with it, the refusals were about the content."""
    found = [("unsigned", "u", Reply(400, 5.0)), ("wrong signature", "u", Reply(400, 5.0))]
    if check.params.signed_with:
        found.append(("correctly signed", "u", Reply(400, 5.0)))
    return {check.key: found}


CASES = {
    "service": Live(FAL, {**FAL, "service": "elsewhere"}, LOCAL),
    "path": Live(FAL, {**FAL, "path": "/not-deployed"}, LOCAL),
    "scheme": Live(FAL, {**FAL, "scheme": "stripe"}, LOCAL),
    "shop_domain": Live(SHOPIFY, {**SHOPIFY, "shop_domain": "unknown.myshopify.com"}, LOCAL),
    "status": Flips(FAL, {**FAL, "status": [401]}, refused_with(403)),
    "signed_with": Flips(STRIPE, {**STRIPE, "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}, genuine_refused_too),
}
