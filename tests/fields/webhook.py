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


SIGNED = {**STRIPE, "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}
# a receiver pinned to API version 2024-06-20 (stripe-go's ConstructEvent): it refuses an event of none
PINNED = {**STRIPE, "path": "/hook-pinned", "signed_with": "{secret:CRON_SECRET}"}


def genuine_answers(text: str):
    """Every forged delivery refused and the genuine one taken with 200: judged only by the body rules."""
    return lambda check: {check.key: [*((how, "u", Reply(400, 5.0)) for how in (
        "unsigned", "wrong signature", "correctly signed for another body", "correctly signed an hour ago")),
        ("correctly signed", "u", Reply(200, 5.0, text=text))]}


CASES = {
    "service": Live(FAL, {**FAL, "service": "elsewhere"}, LOCAL),
    "path": Live(FAL, {**FAL, "path": "/not-deployed"}, LOCAL),
    "scheme": Live(FAL, {**FAL, "scheme": "stripe"}, LOCAL),
    "shop_domain": Live(SHOPIFY, {**SHOPIFY, "shop_domain": "unknown.myshopify.com"}, LOCAL),
    "status": Flips(FAL, {**FAL, "status": [401]}, refused_with(403)),
    "signed_with": Flips(STRIPE, {**STRIPE, "signed_with": "{secret:STRIPE_WEBHOOK_SECRET}"}, genuine_refused_too),
    "api_version": Live(PINNED, {**PINNED, "api_version": "2024-06-20"}, LOCAL, mutating=True),
    "json_fields": Flips(SIGNED, {**SIGNED, "json": {"received": True}}, genuine_answers('{"received": false}')),
    "json_has": Flips(SIGNED, {**SIGNED, "json_has": ["id"]}, genuine_answers('{"received": true}')),
    "json_min": Flips(SIGNED, {**SIGNED, "json_min": {"processed": 1}}, genuine_answers('{"processed": 0}')),
    "json_max": Flips(SIGNED, {**SIGNED, "json_max": {"errors": 0}}, genuine_answers('{"errors": 2}')),
    "body_includes": Flips(SIGNED, {**SIGNED, "body_includes": ["received"]}, genuine_answers("{}")),
    "body_excludes": Flips(SIGNED, {**SIGNED, "body_excludes": ["error"]}, genuine_answers('{"error": "x"}')),
}
