"""webhook: a webhook endpoint is deployed and refuses deliveries it cannot authenticate.

Two POSTs per item, sent together: one without a signature and one signed with a random key.
Both must get a 4xx — never 404 (not deployed), never 5xx (it crashed, and the sender will
retry), never 2xx (it accepted a delivery anyone could forge). The body is small, realistic
and harmless (a test order, an unknown Stripe event type, an unknown Fal request id), so a
broken target that does accept it has nothing real to act on.

```yaml
params:
  service: edge
  path: /functions/v1/orders-webhook
  scheme: shopify                   # shopify | stripe | fal
  shop_domain: bannos.myshopify.com # shopify only
  status: [401]                     # optional, 4xx codes but 404/405; default any 4xx except 404 and 405
                                    # (408 and 429 then mean "not judged": an error, never a pass)
```
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as _random
import time
import uuid
from dataclasses import replace
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ..outcome import Outcome, error, verdict
from ..transports.http import Probe, Reply
from ._common import StrictParams, UrlPath
from .http import describe_reply

NAME = "webhook"
NEEDS = ("url",)

SCHEMES = ("shopify", "stripe", "fal")
NOT_DEPLOYED = {404: "not deployed", 405: "does not take POST"}
TURNED_AWAY = {408: "request timeout", 429: "rate-limited"}  # refusals that say nothing of the signature


def _rejection(value: int) -> int:
    if not 400 <= value <= 499:
        raise ValueError(f"{value} is not a 4xx: a webhook must refuse a delivery it cannot authenticate")
    if value in NOT_DEPLOYED:  # accepting it would pass an endpoint that is not there at all
        raise ValueError(f"{value} ({NOT_DEPLOYED[value]}) says nothing of signatures: it cannot be the expected refusal")
    return value


Rejection = Annotated[int, AfterValidator(_rejection)]


class Params(StrictParams):
    service: str
    path: UrlPath
    scheme: Literal["shopify", "stripe", "fal"]
    shop_domain: str | None = None
    status: Rejection | Annotated[list[Rejection], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _shop_domain_for_shopify(self) -> "Params":
        if self.scheme == "shopify" and not self.shop_domain:
            raise ValueError("shop_domain is required for scheme shopify (the store whose deliveries are simulated)")
        if self.scheme != "shopify" and self.shop_domain:
            raise ValueError(f"shop_domain applies to scheme shopify only, not {self.scheme}")
        return self

    def accepts(self, status: int) -> bool:
        if self.status is None:
            return 400 <= status < 500 and status not in NOT_DEPLOYED
        return status in ([self.status] if isinstance(self.status, int) else self.status)

    @property
    def wanted(self) -> str:
        if self.status is None:
            return "4xx (not 404/405)"
        return " or ".join(map(str, [self.status] if isinstance(self.status, int) else self.status))


# -- what a delivery of each scheme looks like ---------------------------------------------
def _body(scheme: str) -> bytes:
    if scheme == "shopify":
        order = 820982911946154508  # Shopify's documented sample order id
        document = {"id": order, "admin_graphql_api_id": f"gid://shopify/Order/{order}", "name": "#OPSVERIFY",
                    "email": "opsverify@example.com", "test": True, "currency": "AUD", "total_price": "0.00",
                    "line_items": [], "note": "opsverify signature probe, not a real order"}
    elif scheme == "stripe":
        document = {"id": f"evt_opsverify_{_random.token_hex(8)}", "object": "event", "type": "opsverify.probe",
                    "livemode": False, "created": int(time.time()), "data": {"object": {}}}
    else:
        request_id = str(uuid.uuid4())
        document = {"request_id": request_id, "gateway_request_id": request_id, "status": "OK",
                    "payload": {"video": None}, "error": None}
    return json.dumps(document, separators=(",", ":")).encode()


def deliveries(params: Params) -> list[tuple[str, dict[str, str], bytes]]:
    """(how, headers, body) of the unsigned and the wrongly signed delivery."""
    body = _body(params.scheme)
    base = {"content-type": "application/json"}
    wrong_key = _random.token_bytes(32)
    now = str(int(time.time()))
    if params.scheme == "shopify":
        base |= {"x-shopify-topic": "orders/create", "x-shopify-shop-domain": params.shop_domain or "",
                 "x-shopify-webhook-id": str(uuid.uuid4()), "x-shopify-api-version": "2024-10"}
        signed = {"x-shopify-hmac-sha256": base64.b64encode(hmac.new(wrong_key, body, hashlib.sha256).digest()).decode()}
    elif params.scheme == "stripe":
        mac = hmac.new(wrong_key, f"{now}.".encode() + body, hashlib.sha256).hexdigest()
        signed = {"stripe-signature": f"t={now},v1={mac}"}
    else:  # Fal signs request id, user id, timestamp and sha256(body) with ed25519: 64 bytes, hex
        signed = {"x-fal-webhook-request-id": json.loads(body)["request_id"],
                  "x-fal-webhook-user-id": "opsverify", "x-fal-webhook-timestamp": now,
                  "x-fal-webhook-signature": _random.token_hex(64)}
    return [("unsigned", base, body), ("wrong signature", base | signed, body)]


def gather(target, checks) -> dict[str, list[tuple[str, str, Reply]]]:
    plans: list[tuple[str, str, Probe]] = []
    for c in checks:
        p: Params = c.params
        url = target.url(p.service, p.path)
        for how, headers, body in deliveries(p):
            plans.append((c.key, how, Probe("POST", url, headers, body, expect_rejection=True,
                                            verify=target.verify_tls(p.service))))
    replies = target.fetch_all([probe for _, _, probe in plans])
    facts: dict[str, list[tuple[str, str, Reply]]] = {}
    for (key, how, probe), reply in zip(plans, replies):
        facts.setdefault(key, []).append((how, probe.url, reply))
    return facts


def not_judged(params: Params, how: str, reply: Reply) -> str | None:
    """A delivery the endpoint never judged: no answer, or turned away before reading it (408, 429) — unless
    the item names that status itself."""
    if reply.status is None:
        return f"{how}: no answer ({reply.failure})"
    if reply.status in TURNED_AWAY and params.status is None:
        return f"{how}: {reply.status} ({TURNED_AWAY[reply.status]}): whether it checks signatures was not seen"
    return None


def problem(params: Params, how: str, reply: Reply) -> str | None:
    if params.accepts(reply.status):
        return None
    if reply.status in NOT_DEPLOYED:
        return f"{how}: {reply.status} ({NOT_DEPLOYED[reply.status]})"
    if 200 <= reply.status < 300:
        return f"{how}: accepted with {reply.status}"
    if reply.status >= 500:
        return f"{how}: {reply.status} (server error; the sender will retry)"
    return f"{how}: status {reply.status}"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    attempts = facts[check.key]
    expected = f"POST {p.path} rejects an unsigned and a wrongly signed {p.scheme} delivery with {p.wanted}"
    evidence = {how: describe_reply(url, "POST", reply) for how, url, reply in attempts}
    unseen = [text for how, _, reply in attempts if (text := not_judged(p, how, reply))]
    if unseen:
        return replace(error("could not look: " + "; ".join(unseen), **evidence), expected=expected)
    problems = [text for how, _, reply in attempts if (text := problem(p, how, reply))]
    seen = " and ".join(f"{how}: {reply.status}" for how, _, reply in attempts)
    return verdict(expected, problems, seen, **evidence)
