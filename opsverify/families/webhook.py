"""webhook: a webhook endpoint is deployed and refuses deliveries it cannot authenticate.

POSTs sent together: one without a signature, one signed with a random key, for Stripe one whose header holds its
time and no signature (a verifier checking that every signature given matches takes it) and one whose header holds
its time and only a random `v0` signature (the fake scheme of Stripe's test events, which its libraries ignore: a
verifier letting test events through, or taking any scheme, takes it), for Shopify and Stripe
three signed with what a signing secret unset in the deployment reads as (an empty key, and the texts "undefined" and
"null" JavaScript makes of a missing variable: a random key is refused by such an endpoint too, anyone can sign
with these) and one whose signature header is there but empty (Stripe's `t=<now>,v1=`: a comparison of as many
characters as it was given takes it), and the randomly signed one again as text/plain (a verifier put on the route's
JSON parser checks JSON deliveries only; a correct endpoint may refuse it for its type, 415: any refusal of it will
do, whatever `status` says). All must get a 4xx — never 404 or 410 (not deployed, removed), never 5xx (it crashed,
and the sender will retry), never 2xx (it accepted a delivery anyone could forge — a 2xx head too, whose body was
then cut short or never finished); a 408, a 429 or a 503 with Retry-After was turned away before any signature was
read: not judged (an error, never a pass), so no `status` may name one; nor is any other answer whose body never
came whole. One turned away for now (a 429, or a 503 with Retry-After) is sent again once, after the wait it names
(at most RETRY_WAIT_CAP_S). The body is small, realistic and harmless (a test order, an unknown Stripe event type,
an unknown Fal request id), so a broken target that does accept it has nothing real to act on; each delivery's is
its own (its own order, event or request id, Shopify's order name and email, a Stripe event's object id, and Shopify
webhook id: a handler keyed on one fails on none for having taken another first), the one sent as text/plain aside
(the randomly signed one as it is but for its type).

A 4xx does not show by itself that the signature was refused: an endpoint that checks none but refuses the probe's
content (an event type it does not handle) answers the same, and a pass says so. `signed_with` cites the endpoint's
signing secret: a third delivery, correctly signed, its body's bytes as its sender writes them (Stripe's
pretty-printed as its Ruby generator writes it, Shopify's compact with `/` escaped, `&` escaped in both; holding
what common re-serializers change, so none writes it again), must then not be refused (2xx; a 4xx leaves signature
checking unshown: error — but fails where the same delivery with its body re-serialized as JSON.stringify writes it
was taken: the signature is checked over the body re-parsed and written again, and every real delivery is refused; a
5xx fails). That delivery is a real one, so the item must be marked mutating, and it is never sent twice: turned
away for now, it is an error, not asked again. Its answer's body may be judged by the http family's body rules, as
cron judges a job run's. With the secret, deliveries a correct
endpoint refuses though they carry the right signature: one signed for another body (the signature must bind the
body), one whose signature is cut short by whole bytes (Stripe's hex without its last 2 characters, 31 bytes;
Shopify's base64 without its last 4, padding with them, 30 bytes: still what the right one begins with, and still
decodable): a comparison of only as many characters, or decoded bytes, as it is given, behind a guard against an
empty one, takes it — a forgery found a character or a byte at a time (cut by one character, it made a verifier that
decodes first, as Python's do, raise: a 500 that hid the flaw), one whose signature is without its first whole bytes
(the mirror: Stripe's hex without its first 4 characters, 30 bytes; Shopify's base64 without its first group of 4,
its `=` padding kept, 29 bytes: what the right one ends with, and decoded the digest's last bytes): a comparison of
only what it is given from the end (`expected.endsWith(given)`) takes it — a forgery found a character or a byte at
a time from its end — and for Stripe, whose signature carries its time,
one signed an hour ago (beyond its 300 s tolerance: a captured delivery replayed, its event's `created` as old). Any
4xx refusal will do for these, whatever `status` says. With each cut one goes a wrong signature cut as far, the same
way (as long, and not what the right one begins or ends with: any 4xx will do); each pair is judged alike: a 5xx to
both, where no other delivery but the other cut ones got one, is read as refused: a verifier comparing with Node's
`crypto.timingSafeEqual` throws on a signature of another length, which no sender sends (a crash that took nothing,
said so; a 2xx still fails). A 5xx to the right one cut where the wrong one was refused fails: the verifier took it
past its check, and the handler failed after (on an order already recorded, say). An endpoint missing the
check one of them tests acts on it: like the genuine one, none is ever sent twice (turned away for now, it is an
error, not asked again). Fal signs with its own ed25519 key, which no secret of the endpoint can reproduce: no
`signed_with` for fal. With the secret, an answer quoting the valid signature of the body sent, one the delivery
did not carry (`{"expected": "<signature>"}`, a debug message), fails: anyone can POST a body and read back a
signature of it (a signing oracle); each such signature is masked. With the secret, every delivery goes as the genuine
one, with the URL's user and password and query keys: a refusal shows a signature check only where it comes from what
the genuine delivery reached (sent without them, a gate wanting the key refused every forgery of an endpoint verifying
none). Without it, none carries them (a stale one refused proved nothing), and a pass says a gate's refusal would read
the same. No delivery is signed with a near miss of the secret (as cron sends one): HMAC reads its whole key, so a
verifier that takes one refuses no random key either. Every real Stripe event carries its endpoint's API version,
and stripe-go and stripe-dotnet refuse one of another: `api_version` gives the endpoint's, written into every Stripe
event sent; without it none carries one (a version unasked would be a guess those refuse all the same).

```yaml
params:
  service: edge
  path: /functions/v1/orders-webhook
  scheme: shopify                   # shopify | stripe | fal
  shop_domain: bannos.myshopify.com # shopify only: an ASCII host name, as Shopify sends it
  status: [401]                     # optional, 4xx codes but 404/405/410/421 and 408/413/414/426/429/431;
                                    # default any 4xx but 404/405/410/421 (not there: fails) and the others
                                    # (turned away before a signature was read: "not judged", an error)
  signed_with: "{secret:SHOPIFY_WEBHOOK_SECRET}"  # optional, shopify and stripe: mark the item mutating: true
  json: {received: true}            # signed_with only, optional: http's body rules on the genuine delivery's answer
  api_version: 2024-06-20           # stripe and signed_with only, optional: the endpoint's API version, in every event
```
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import math
import re
import secrets as _random
import time
import uuid
from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ..display import visible
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import without_userinfo
from ..target import SECRET_REF
from ..transports.http import Probe, Reply
from . import REQUESTS_AT_ONCE
from ._common import UrlPath, a_secret_name
from ._retry import (ASKED_AGAIN, RETRY_WAIT_CAP_S, crashed_on_length_alone, fetch_retrying, retries_bound,
                     retry_after_said, retry_wait_s, took_the_cut)
from .cron import AnswerBodyRules
from .http import LEFT_OFF, body_problems, describe_reply, expectations, saying_left_off, status_said

NAME = "webhook"

SCHEMES = ("shopify", "stripe", "fal")
NOT_DEPLOYED = {404: "not deployed", 405: "does not take POST", 410: "gone: the route was removed",
                421: "misdirected: this server does not serve that host"}
# refusals that say nothing of the signature: the request was turned away before one was read
TURNED_AWAY = {408: "request timeout", 413: "content too large", 414: "URI too long", 426: "upgrade required",
               429: "rate-limited", 431: "request headers too large"}
GENUINE = "correctly signed"  # the delivery signed with the endpoint's own secret (signed_with), as its sender writes it
# a delivery correctly signed too, its body compact JSON as JSON.stringify writes it (`_rewritten`): a verifier over
# the body re-serialized from its parsed JSON (`JSON.stringify(req.body)` after express.json(), the best-known
# webhook bug) takes it, and refuses GENUINE, whose bytes are the sender's: every real delivery. A correct endpoint
# may take it or refuse it; it tells that bug from a refusal of the probe's content (which refuses both)
REWRITTEN = "correctly signed, its body re-serialized (compact JSON, as JSON.stringify writes it)"
# the deliveries signed over their body as sent, which a correct endpoint acts on: sent once, never asked again
SIGNED_AS_SENT = (GENUINE, REWRITTEN)
# how each sender writes a delivery's body, as `expected` names it (`_as_sent`)
AS_SENT = {"stripe": "its body pretty-printed JSON", "shopify": "its body compact JSON, / written \\/ and & \\u0026"}
# signed with the endpoint's own secret too, yet to be refused: what a correct signature check also rules out
REPLAYED = "correctly signed an hour ago"  # a captured delivery sent again (schemes whose signature has a time)
OTHER_BODY = "correctly signed for another body"  # a signature moved onto a body it was not made for
# the right signature without its last whole bytes (`_cut_short`): a comparison of only as many characters or decoded
# bytes as it is given (`expected.startsWith(given)`, a loop over the given's length) behind a guard against an empty
# one takes it, and any part the signature begins with — a forgery found one character (Stripe's hex: 16 guesses) or
# one byte (256) at a time
CUT_SIGNATURE = "correctly signed, its signature cut short by whole bytes"
# a wrong signature cut short the same way: as long as CUT_SIGNATURE's, and not what the right one begins with. A
# verifier crashing on a signature's length alone crashes on both; one that refuses this and fails on CUT_SIGNATURE
# took that past its check (`took_the_cut`)
WRONG_CUT = "wrong signature, cut short by as many whole bytes"
# the mirror: the right signature without its first whole bytes (`_cut_at_start`): a comparison of only the characters
# or decoded bytes it is given, from the end (`expected.endsWith(given)`), takes it, and any part the signature ends
# with — a forgery found one character or byte at a time from its end
CUT_SIGNATURE_START = "correctly signed, its signature without its first whole bytes"
# a wrong signature cut so as well: as long as CUT_SIGNATURE_START's, and not what the right one ends with
WRONG_CUT_START = "wrong signature, without as many of its first whole bytes"
# each signature cut, with a wrong one cut as far: judged as a pair (`crashed_on_length_alone`, `took_the_cut`)
CUT_PAIRS = ((CUT_SIGNATURE, WRONG_CUT), (CUT_SIGNATURE_START, WRONG_CUT_START))
STALE_S = 3600  # beyond every sender's tolerance (Stripe's libraries allow 300 s)
SIGNED_REFUSALS = {REPLAYED: "the endpoint does not check the signature's timestamp (a captured delivery can be "
                             "sent again)",
                   OTHER_BODY: "the endpoint does not check the signature against the body",
                   CUT_SIGNATURE: "the endpoint compares only as much of the signature as it is given (a signature "
                                  "can be found a character or a byte at a time)",
                   CUT_SIGNATURE_START: "the endpoint takes an ending of the signature (it compares only as much as "
                                        "it is given, from the end: a signature can be found a character or a byte "
                                        "at a time)"}
# the answer to a delivery quoted the valid signature of its body, one it was not sent with (`{"expected": "<sig>"}`):
# anyone can POST a body and read back its signature (signed_with only: the secret makes it)
HANDED_OUT = "hands out signatures"
SIGNING_ORACLE = ("the endpoint hands out valid signatures: anyone can POST a body and read back a signature of it (a "
                  "signing oracle)")
NOT_ASKED_AGAIN = "not asked again: the delivery may have been acted on"
OTHERS_ASKED_AGAIN = ("each other delivery turned away for now (429, or 503 with Retry-After) was asked again once, "
                      f"after the wait it names (at most {RETRY_WAIT_CAP_S:g} s)")
# what an unset signing secret reads as: "" (an empty variable, `?? ""`), or the text JavaScript makes of
# undefined or null (`${process.env.SECRET}`, String(null)); an endpoint keyed with one verifies what anyone signs
UNSET_KEYS = {"signed with an empty key": "", "signed with the key 'undefined'": "undefined",
              "signed with the key 'null'": "null"}
# Stripe's header may carry several v1 signatures; one holding its time and none (`t=…`) is refused by Stripe's
# libraries ("no signatures found"), but taken by a verifier that checks that each one given matches (an every()
# over none is true)
NO_SIGNATURE = "a signature header with its time and no v1 signature"
# Stripe's test events carry a fake `v0` signature beside v1, and its docs say to ignore every scheme but v1 (a
# downgrade): its libraries refuse a header with its time and only a v0 ("No signatures found with expected scheme
# v1"). A verifier letting test events through on their v0, or taking a signature of any scheme, takes a random one
V0_ONLY = "a signature header with its time and only a v0 signature (Stripe's test-mode scheme), no v1"
# the signature header there, with nothing in it (Stripe's `t=<now>,v1=`): a hand-made comparison that checks as
# many characters as it was given (`expected.startsWith(given)`, a loop over the given's length) takes it. HMAC
# schemes only: Fal's ed25519 signature is verified, not compared
EMPTY_SIGNATURE = "an empty signature"
# a verifier put on the route's JSON parser checks JSON deliveries only: the randomly signed delivery again, as another
# content type, is taken unchecked there. A correct endpoint refuses it, for its signature or its type (415; a router
# matching the content type has no route: 404, 405, which a genuine delivery taken must show is no missing route —
# `routed_elsewhere`): any 4xx will do
OTHER_CONTENT_TYPE = "text/plain"
OTHER_TYPE = f"wrong signature, sent as {OTHER_CONTENT_TYPE}"
# what a forgery of these taken says of an endpoint that refuses the plain ones (unsigned, a random key)
FORGERY_TAKEN = {EMPTY_SIGNATURE: "the endpoint compares only as much of the signature as it is given",
                 V0_ONLY: "the endpoint takes a signature of another scheme than v1 (Stripe's test events carry a "
                          "fake v0 beside it: anyone can write one)",
                 OTHER_TYPE: f"the endpoint does not check the signature of a delivery sent as {OTHER_CONTENT_TYPE}",
                 WRONG_CUT: "the endpoint does not compare a signature of another length than the right one's",
                 WRONG_CUT_START: "the endpoint does not compare a signature of another length than the right one's"}

def _rejection(value: int) -> int:
    if not 400 <= value <= 499:
        raise ValueError(f"{value} is not a 4xx: a webhook must refuse a delivery it cannot authenticate")
    if value in NOT_DEPLOYED:  # accepting it would pass an endpoint that is not there at all
        raise ValueError(f"{value} ({NOT_DEPLOYED[value]}) says nothing of signatures: it cannot be the expected refusal")
    if value in TURNED_AWAY:  # accepting it would pass an endpoint whose rate limiter or timeout answered first
        raise ValueError(f"{value} ({TURNED_AWAY[value]}) says nothing of signatures: the delivery was turned away "
                         "before one was read; it cannot be the expected refusal")
    return value


def _refused(status: int) -> bool:
    """A 4xx that says the delivery was judged and refused: not NOT_DEPLOYED (not there), nor TURNED_AWAY."""
    return 400 <= status < 500 and status not in NOT_DEPLOYED and status not in TURNED_AWAY


Rejection = Annotated[int, AfterValidator(_rejection)]


def _shop_domain(value: str) -> str:
    """As Shopify sends X-Shopify-Shop-Domain: an ASCII host name, lowercase (an IDN in its A-label form)."""
    idna = load("idna")
    try:
        sent = idna.encode(value, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"not a host name ({visible(str(exc))}): write the store's domain as Shopify sends it "
                         "(bannos.myshopify.com)") from None
    if sent != value:
        raise ValueError(f"Shopify sends a shop domain in ASCII, lowercase (an international name in its A-label "
                         f"form): write {sent!r}")
    return value


def _unquoted_reference(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("secret:"):
        raise ValueError('YAML reads an unquoted {secret:NAME} as a mapping: quote it, "{secret:NAME}"')
    return value


def _cites_a_secret(value: str) -> str:
    found = SECRET_REF.fullmatch(value)
    if not found:  # the value is not repeated: it may be the secret itself
        raise ValueError('must cite a secret of the environment, as "{secret:NAME}" with NAME one its system declares'
                         ' (e.g. "{secret:STRIPE_WEBHOOK_SECRET}"): a signing secret written into the checklist would'
                         " be committed, and copied into every archive")
    a_secret_name(found.group(1))  # `{secret: }` cites no name an environment can define
    return value


SecretReference = Annotated[str, BeforeValidator(_unquoted_reference), AfterValidator(_cites_a_secret)]

# a Stripe API version: a date (`2024-06-20`), and since 2024-09-30 its release's name after it (`2025-03-31.basil`)
_STRIPE_API_VERSION = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(\.[a-z]+)?")


def _as_written(value: Any) -> Any:
    """YAML reads `2024-06-20` unquoted as a date: the version as written (one line of YAML, unquoted, will do)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _a_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _stripe_api_version(value: str) -> str:
    found = _STRIPE_API_VERSION.fullmatch(value)
    if not found or not _a_date(found.group(1)):
        why = " (a date that does not exist)" if found else ""
        raise ValueError(f"{visible(repr(value))} is not a Stripe API version{why}: write the endpoint's as Stripe "
                         "shows it, 2024-06-20 or 2025-03-31.basil")
    return value


StripeApiVersion = Annotated[str, BeforeValidator(_as_written), AfterValidator(_stripe_api_version)]


class Params(AnswerBodyRules):
    ANSWERED_WITH = "POST"  # the body rules judge the answer to the correctly signed delivery

    service: str
    path: UrlPath
    scheme: Literal["shopify", "stripe", "fal"]
    shop_domain: Annotated[str, AfterValidator(_shop_domain)] | None = None
    status: Rejection | Annotated[list[Rejection], Field(min_length=1)] | None = None
    signed_with: SecretReference | None = None  # the endpoint's signing secret: adds a correctly signed delivery
    # the API version of the endpoint's events, in every Stripe event as Stripe writes each (stripe-go and
    # stripe-dotnet refuse an event of another); none without it: any version written unasked would be a guess
    api_version: StripeApiVersion | None = None

    @model_validator(mode="after")
    def _shop_domain_for_shopify(self) -> "Params":
        if self.scheme == "shopify" and not self.shop_domain:
            raise ValueError("shop_domain is required for scheme shopify (the store whose deliveries are simulated)")
        if self.scheme != "shopify" and self.shop_domain:
            raise ValueError(f"shop_domain applies to scheme shopify only, not {self.scheme}")
        if self.scheme != "stripe" and self.api_version:
            raise ValueError(f"api_version applies to scheme stripe only, not {self.scheme}: only a Stripe event "
                             "carries its API version")
        if self.api_version and not self.signed_with:  # only a correctly signed event reaches a version check
            raise ValueError("api_version is judged with signed_with only: a receiver refuses every other delivery on"
                             " its signature, before it reads the event's API version; give signed_with too, or leave"
                             " api_version out")
        if self.scheme == "fal" and self.signed_with:
            raise ValueError("signed_with applies to shopify and stripe: Fal signs its deliveries with its own "
                             "ed25519 key, which no secret of the endpoint can reproduce; leave it out")
        if self.given_body_rules and not self.signed_with:
            raise ValueError(f"{', '.join(self.given_body_rules)}: the answer to a correctly signed delivery is judged "
                             "with signed_with only; the deliveries without it must be refused")
        return self

    @property
    def secret_name(self) -> str | None:
        found = SECRET_REF.fullmatch(self.signed_with) if self.signed_with else None
        return found.group(1) if found else None

    def accepts(self, status: int) -> bool:
        if self.status is None:
            return _refused(status)
        return status in ([self.status] if isinstance(self.status, int) else self.status)

    @property
    def wanted(self) -> str:
        if self.status is None:
            return "4xx (not 404/405/410/421)"
        return " or ".join(map(str, [self.status] if isinstance(self.status, int) else self.status))


# -- what a delivery of each scheme looks like ---------------------------------------------
PROBE_NOTE = "opsverify signature probe, not a real order"


# what the common re-serializers of a parsed body change, in each sender's body: written again by PHP's json_encode
# (`/` as `\/`, non-ASCII as `\uXXXX`, `&` as it is, `{}` as `[]`), JSON.stringify or Ruby's to_json (`/` and `&` as
# they are), Python's json.dumps (`, ` and `: `, non-ASCII as `\uXXXX`) or Go's json.Marshal (keys sorted), none is the
# bytes sent, so a verifier over the body re-serialized refuses the genuine delivery, as it refuses every real one
PROBE_SITE = "https://opsverify.example/?utm_source=opsverify&utm_medium=signature-probe"  # a `/` and an `&`
PROBE_NOTE_ATTRIBUTE = "opsverify — not a real order"  # non-ASCII: an em dash


def _body(scheme: str, note: str = PROBE_NOTE, at: int | None = None, rewritten: bool = False,
          api_version: str | None = None) -> bytes:
    """A delivery's body, with ids of its own (an order's and its name and email, an event's and its object's, a
    request's: a handler keyed on any fails on none for having taken another first); `at`: when its event happened
    (now by default): a captured delivery's is as old as its signature. Its bytes as its sender writes them
    (`_as_sent`), or `rewritten` as JSON.stringify would (`_rewritten`). Shopify's and Stripe's hold a `/`, an `&` and
    a non-ASCII character, Stripe's an empty object and an empty array, their keys unsorted: no common re-serializer
    writes them again as their sender does (the note above PROBE_SITE). A Stripe event carries `api_version`, where
    Stripe writes it, when one is given."""
    at = int(time.time()) if at is None else at
    if scheme == "shopify":  # 13 digits, as Shopify's order ids now have: exact in a JavaScript number (< 2**53)
        order = 10 ** 12 + _random.randbelow(9 * 10 ** 12)
        document = {"id": order, "admin_graphql_api_id": f"gid://shopify/Order/{order}",
                    "name": f"#OPSVERIFY-{order}", "email": f"opsverify+{order}@example.com", "test": True,
                    "currency": "AUD", "total_price": "0.00", "referring_site": PROBE_SITE, "line_items": [],
                    "note": note, "note_attributes": [{"name": "opsverify", "value": PROBE_NOTE_ATTRIBUTE}]}
    elif scheme == "stripe":
        probe = _random.token_hex(8)
        version = {"api_version": api_version} if api_version else {}
        document = {"id": f"evt_opsverify_{probe}", "object": "event", **version, "type": "opsverify.probe",
                    "livemode": False, "created": at,
                    "data": {"object": {"id": f"opsverify_{probe}", "object": "opsverify.probe",
                                        "description": "opsverify — not a real event", "url": "/v1/opsverify",
                                        "return_url": PROBE_SITE, "metadata": {}, "lines": []}}}
    else:
        request_id = str(uuid.uuid4())
        document = {"request_id": request_id, "gateway_request_id": request_id, "status": "OK",
                    "payload": {"video": None}, "error": None}
    return _rewritten(document) if rewritten else _as_sent(scheme, document)


def _as_sent(scheme: str, document: dict) -> bytes:
    """The bytes its sender sends: Stripe pretty-prints its events as its Ruby JSON generator does (`_stripe_json`);
    Shopify writes compact JSON with `/` escaped as `\\/` and `&` as `\\u0026` (`"gid:\\/\\/shopify\\/Order\\/…"`),
    non-ASCII as UTF-8. So a verifier over the body re-serialized refuses it, as it refuses every real delivery. Fal's
    bytes are not known here (no delivery of it is signed with the endpoint's key): compact."""
    if scheme == "stripe":
        return _stripe_json(document).encode()
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("/", "\\/").replace("&", "\\u0026") if scheme == "shopify" else text).encode()


def _stripe_json(value: Any, depth: int = 0) -> str:
    """JSON as Stripe writes a delivery (its captured deliveries, signatures checked, show it): two-space indents,
    `": "`, an empty object `{\\n<indent>}` and an empty array `[\\n\\n<indent>]` (JSON.stringify(body, null, 2) and
    json.dumps(indent=2) write `{}`, `[]`), `&` as `\\u0026`, `/` and non-ASCII as they are."""
    inner, closing = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict):
        members = ",\n".join(f"{inner}{_stripe_json(key)}: {_stripe_json(item, depth + 1)}"
                              for key, item in value.items())
        return f"{{\n{members}\n{closing}}}" if members else f"{{\n{closing}}}"
    if isinstance(value, list):
        return "[\n" + ",\n".join(f"{inner}{_stripe_json(item, depth + 1)}" for item in value) + f"\n{closing}]"
    return json.dumps(value, ensure_ascii=False).replace("&", "\\u0026")


def _rewritten(document: dict) -> bytes:
    """The body as `JSON.stringify` writes it once parsed: compact, `/` and non-ASCII as they are."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _signature(scheme: str, key: bytes, body: bytes, now: str) -> dict[str, str]:
    """The header Shopify or Stripe signs a delivery with, made with `key`."""
    if scheme == "shopify":  # base64 of HMAC-SHA256 over the body
        return {"x-shopify-hmac-sha256": base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()}
    mac = hmac.new(key, f"{now}.".encode() + body, hashlib.sha256).hexdigest()  # Stripe: over "<t>.<body>"
    return {"stripe-signature": f"t={now},v1={mac}"}


def _made_with_the_secret(headers: dict[str, str]) -> list[str]:
    """The signatures made with the endpoint's signing secret: each a valid delivery's for ever (Shopify's carry no
    time), and a test of any guess of the secret offline, so a secret of the run's as soon as it is made."""
    found, digests = [], []
    # a signature cut short (`_cut_short`) decodes to the digest's first bytes, as good as it for a test of guesses of
    # the secret: masked in each form as well
    if "x-shopify-hmac-sha256" in headers:
        found.append(signature := headers["x-shopify-hmac-sha256"])
        if len(signature) % 4 == 0:
            digests.append(base64.b64decode(signature))
    if "stripe-signature" in headers:
        found += [headers["stripe-signature"], signature := headers["stripe-signature"].partition(",v1=")[2]]
        if len(signature) % 2 == 0:
            digests.append(bytes.fromhex(signature))
    for digest in digests:  # in each form an endpoint may quote it: the header's own, the other, and the byte forms
        # the redactor reads a declared secret's bytes in (hex with colons, base32: a debug page's, a TOTP tool's)
        found += [base64.b64encode(digest).decode(), digest.hex(), base64.urlsafe_b64encode(digest).decode(),
                  base64.b32encode(digest).decode().rstrip("="),
                  *(digest.hex(between) for between in ":- "), *(digest.hex(between).upper() for between in ":- ")]
    return found


def _valid_signatures(scheme: str, key: bytes, headers: dict[str, str], body: bytes) -> list[str]:
    """The valid signature of a delivery's body made with `key`, in each form `_made_with_the_secret` masks: what an
    endpoint saying the signature it expected quotes (`{"expected": "<signature>"}`, a debug message). Stripe's for
    the time its header carries, else its event's (`created`: the time it is sent at)."""
    if scheme == "shopify":
        return _made_with_the_secret(_signature(scheme, key, body, ""))
    found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
    return _made_with_the_secret(_signature(scheme, key, body, found.get("t") or str(json.loads(body)["created"])))


def _hands_out(reply: Reply, signatures: list[str]) -> bool:
    """Whether the answer quotes one of `signatures` (its body, or a header) as an endpoint may write a digest: in
    either case (hex is written both ways, and no other text matches 32 bytes of base64 but for its case), base64
    without its `=` padding, `/` escaped as PHP's JSON writes it, URL-encoded."""
    wanted = {signature.rstrip("=").lower() for signature in signatures}
    for text in (reply.text, reply.other_text, *reply.headers.values()):
        views = {text or "", (text or "").replace("\\/", "/"), unquote(text or "")}
        if any(form in view.lower() for view in views for form in wanted):
            return True
    return False


def _cut_short(signed: dict[str, str]) -> dict[str, str]:
    """The signature header with the signature's last whole bytes left off, so what is sent is both a part the right
    signature begins with and, decoded, a part of the digest: a verifier decoding the signature first
    (`bytes.fromhex`, `base64.b64decode`, strict as Python's are) raises on one cut by a character, and its 500, read
    as refused, hid a comparison of only as many bytes as given. Stripe's hex without its last 2 characters (31
    bytes); Shopify's base64 (44 characters, 32 bytes) without its last group of 4, `=` with them: its first 40 (30
    bytes, no padding needed). As long as a decodable part can be, so a check that wants a signature of some length
    takes it too."""
    if "x-shopify-hmac-sha256" in signed:
        whole = signed["x-shopify-hmac-sha256"].rstrip("=")
        return {"x-shopify-hmac-sha256": whole[:(len(whole) - 1) // 4 * 4]}  # whole groups of 4, one less
    return {"stripe-signature": signed["stripe-signature"][:-2]}  # `t=…,v1=<hex>`: the hex ends it, 2 a byte


def _cut_at_start(signed: dict[str, str]) -> dict[str, str]:
    """The signature header with the signature's first whole bytes left off (the mirror of `_cut_short`), so what is
    sent is both a part the right signature ends with and, decoded, the digest's last bytes: Stripe's hex without its
    first 4 characters (2 bytes: 30 left); Shopify's base64 without its first group of 4 (3 bytes: 29 left), its `=`
    padding kept, as it still belongs to its last group."""
    if "x-shopify-hmac-sha256" in signed:
        return {"x-shopify-hmac-sha256": signed["x-shopify-hmac-sha256"][4:]}
    head, _, mac = signed["stripe-signature"].partition(",v1=")
    return {"stripe-signature": f"{head},v1={mac[4:]}"}


def deliveries(params: Params, signing_secret: str | None = None) -> list[tuple[str, dict[str, str], bytes]]:
    """(how, headers, body) of the unsigned and the wrongly signed deliveries (a random key, for Stripe a header
    with no signature and one with only a v0 signature, for Shopify and Stripe each key of UNSET_KEYS and an empty
    signature, and the random key again as OTHER_CONTENT_TYPE),
    and — given the endpoint's signing secret — of correctly signed ones that must be refused all the same (Stripe's
    signed an hour ago; one whose signature was made for another body; one whose signature is cut short by whole
    bytes, and one without its first whole bytes), of a wrong signature cut as far each way (WRONG_CUT,
    WRONG_CUT_START: what tells a crash on the length from a part taken), and of one correctly signed. Each is a delivery of its own (`delivery`) but OTHER_TYPE, the randomly
    signed one again."""
    now = str(int(time.time()))
    base = {"content-type": "application/json"}
    if params.scheme == "shopify":
        base |= {"x-shopify-topic": "orders/create", "x-shopify-shop-domain": params.shop_domain or "",
                 "x-shopify-api-version": "2024-10"}

    def delivery(note: str = PROBE_NOTE, at: int = int(now), rewritten: bool = False) -> tuple[dict[str, str], bytes]:
        """A body of its own — its own ids (`_body`), so a handler keyed on one (an order inserted once)
        fails on none for having taken another first — and the headers its sender sends with it, each delivery's own
        too: Shopify's webhook id, and its event id (what Shopify tells receivers to drop duplicates by) and the time
        it was triggered, as Shopify writes them."""
        body = _body(params.scheme, note, at, rewritten, params.api_version)
        own = {}
        if params.scheme == "shopify":
            triggered = datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            own = {"x-shopify-webhook-id": str(uuid.uuid4()), "x-shopify-event-id": str(uuid.uuid4()),
                   "x-shopify-triggered-at": triggered}
        return base | own, body

    def randomly_signed(headers: dict[str, str], body: bytes) -> dict[str, str]:
        if params.scheme == "fal":  # Fal signs request id, user id, timestamp and sha256(body) with ed25519: hex
            return headers | {"x-fal-webhook-request-id": json.loads(body)["request_id"],
                              "x-fal-webhook-user-id": "opsverify", "x-fal-webhook-timestamp": now,
                              "x-fal-webhook-signature": _random.token_hex(64)}
        return headers | _signature(params.scheme, _random.token_bytes(32), body, now)

    found = [("unsigned", *delivery())]
    headers, body = delivery()
    wrong_signature = randomly_signed(headers, body), body
    found.append(("wrong signature", *wrong_signature))
    if params.scheme == "stripe":
        headers, body = delivery()
        found.append((NO_SIGNATURE, headers | {"stripe-signature": f"t={now}"}, body))
        headers, body = delivery()  # a v0 as long as a real one (hex of 32 bytes), made with no key at all
        found.append((V0_ONLY, headers | {"stripe-signature": f"t={now},v0={_random.token_hex(32)}"}, body))
    if params.scheme != "fal":  # Fal's signature is made with Fal's key, never with one the endpoint holds
        for how, key in UNSET_KEYS.items():
            headers, body = delivery()
            found.append((how, headers | _signature(params.scheme, key.encode(), body, now), body))
        empty = {"x-shopify-hmac-sha256": ""} if params.scheme == "shopify" else {"stripe-signature": f"t={now},v1="}
        headers, body = delivery()
        found.append((EMPTY_SIGNATURE, headers | empty, body))
    # the randomly signed one again, as it is but for its type: only its type can make it taken where that was refused
    headers, body = wrong_signature
    found.append((OTHER_TYPE, headers | {"content-type": OTHER_CONTENT_TYPE}, body))
    if signing_secret is not None:
        key = signing_secret.encode()
        genuine_headers, genuine = delivery()
        if params.scheme == "stripe":  # each its own event, not the genuine one again (which a dedup would take)
            old = int(now) - STALE_S  # as captured: the event of an hour ago, with the signature it was sent with
            headers, stale = delivery(at=old)
            found.append((REPLAYED, headers | _signature(params.scheme, key, stale, str(old)), stale))
        headers, other = delivery(note="opsverify signature probe, sent with another delivery's signature")
        found.append((OTHER_BODY, headers | _signature(params.scheme, key, genuine, now), other))
        headers, cut = delivery(note="opsverify signature probe, its signature cut short")
        found.append((CUT_SIGNATURE, headers | _cut_short(_signature(params.scheme, key, cut, now)), cut))
        headers, wrong = delivery(note="opsverify signature probe, a wrong signature cut short")
        found.append((WRONG_CUT, headers | _cut_short(_signature(params.scheme, _random.token_bytes(32), wrong, now)),
                      wrong))
        headers, ending = delivery(note="opsverify signature probe, its signature without its first bytes")
        found.append((CUT_SIGNATURE_START, headers | _cut_at_start(_signature(params.scheme, key, ending, now)),
                      ending))
        headers, wrong = delivery(note="opsverify signature probe, a wrong signature without its first bytes")
        found.append((WRONG_CUT_START, headers | _cut_at_start(_signature(params.scheme, _random.token_bytes(32),
                                                                          wrong, now)), wrong))
        headers, rewritten = delivery(note="opsverify signature probe, its body re-serialized", rewritten=True)
        found.append((REWRITTEN, headers | _signature(params.scheme, key, rewritten, now), rewritten))
        found.append((GENUINE, genuine_headers | _signature(params.scheme, key, genuine, now), genuine))
    return found


def needs(params: Params) -> tuple[str, ...]:
    """The URL, and the signing secret signed_with cites: unconfigured, this item is skipped, not its neighbours."""
    return ("url", f"secret:{params.secret_name}") if params.secret_name else ("url",)


def validate_item(params: Params, mutating: bool) -> list[str]:
    if params.signed_with and not mutating:
        return [f"mutating: the delivery signed with {params.secret_name} is a genuine one, acted on like any "
                f"delivery from {params.scheme.capitalize()}; mark the item mutating: true"]
    return []


def _sent(params: Params) -> int:
    """How many deliveries `deliveries` makes for the item: counted there, so no delivery added is left out."""
    return len(deliveries(params, "" if params.signed_with else None))  # a key's value changes no count


def _signed_with_another_key(params: Params) -> int:
    """How many deliveries of `deliveries` carry no signature made with the endpoint's secret. Only these are asked
    again: one correctly signed may be acted on."""
    return sum(how not in SIGNED_AS_SENT and how not in SIGNED_REFUSALS
               for how, _, _ in deliveries(params, "" if params.signed_with else None))


def bound(target, checks) -> float:
    """The deliveries of each item (`deliveries`), REQUESTS_AT_ONCE at a time, each within http_s; then those turned
    away for now, asked again (`fetch_retrying`): those signed with another key than the endpoint's."""
    sent = [_sent(c.params) for c in checks]
    waves = math.ceil(sum(sent) / REQUESTS_AT_ONCE)
    resent = [_signed_with_another_key(c.params) for c in checks]
    return target.timeouts.connect_s + target.timeouts.http_s * waves + retries_bound(target, resent)


CREDENTIALS = "credentials"  # the facts' key, beside an item's, of the URL's credentials (`url_credentials`)


def url_credentials(target, service: str, path: str) -> tuple[str, ...]:
    """The credentials the service's URL holds, as an item names them (never their values): its user and password,
    and each query parameter holding a secret the run knows (`Target.anonymous_url`)."""
    url = target.url(service, path)
    _, left_off, _ = target.anonymous_url(service, path)
    login = ("user and password",) if without_userinfo(url) != url else ()
    return (*login, *(f"query parameter {name}" for name in left_off))


def credentials_said(credentials: tuple[str, ...]) -> str:
    """What a signed_with item's deliveries did with the URL's credentials (names, never values)."""
    return (f"every delivery sent as the correctly signed one, with the URL's {' and '.join(credentials)}: each "
            "refusal came from what the correctly signed delivery reached, past any gate wanting them")


def gather(target, checks) -> dict:
    """Each item's (how, url, reply) by its key; and by (its key, HANDED_OUT) the deliveries whose answer quoted a
    valid signature of their body that they were not sent with (signed_with only: known with the secret alone)."""
    plans: list[tuple[str, str, Probe]] = []
    unsent: list[list[str]] = []  # each delivery's valid signatures it does not carry, in the forms masked
    facts: dict = {}  # and by (its key, LEFT_OFF) what the deliveries it must refuse left off of the query, and kept
    for c in checks:
        p: Params = c.params
        url = target.url(p.service, p.path)
        if credentials := url_credentials(target, p.service, p.path):
            facts[(c.key, CREDENTIALS)] = credentials
        if p.signed_with:  # a refusal shows a signature check only where the genuine delivery, taken, got to: sent as
            # it is, with the URL's credentials (its 2xx shows them taken: none is sent that the sender does not send)
            refused_url, anonymous = url, False
        else:  # none carries the URL's credentials: refused for a stale one, it proved nothing
            refused_url, left_off, gate_kept = target.anonymous_url(p.service, p.path)
            anonymous = True
            if left_off or gate_kept:
                facts[(c.key, LEFT_OFF)] = (left_off, gate_kept)
        secret = target.secret(p.secret_name) if p.secret_name else None
        for how, headers, body in deliveries(p, secret):
            valid = _valid_signatures(p.scheme, secret.encode(), headers, body) if secret is not None else []
            sent = _made_with_the_secret(headers) if secret is not None else []
            # an endpoint echoing the one it got, or saying the one it expected, would show a forgery's key
            for value in valid + (sent if how in (*SIGNED_REFUSALS, *SIGNED_AS_SENT) else []):
                target.redactor.add(value, even_if_plain=True)
            unsent.append([value for value in valid if value not in sent])
            genuine = how in SIGNED_AS_SENT  # real deliveries: sent only for an item marked mutating, never twice
            # the others signed with the endpoint's secret: one missing the very check they test acts on them,
            # so they are never sent twice either (`_retry.asked_again`)
            acted_on = (genuine and c.mutating) or how in SIGNED_REFUSALS
            plans.append((c.key, how, Probe("POST", url if genuine else refused_url, headers, body, mutating=acted_on,
                                            expect_rejection=not genuine, judged_by_status=not genuine,
                                            anonymous=anonymous and not genuine,
                                            verify=target.verify_tls(p.service), connect_s=target.timeouts.connect_s)))
    replies = fetch_retrying(target, plans)
    for (key, how, probe), reply, signatures in zip(plans, replies, unsent, strict=True):
        facts.setdefault(key, []).append((how, probe.url, reply))
        if _hands_out(reply, signatures):  # looked for before the evidence is masked
            facts.setdefault((key, HANDED_OUT), []).append(how)
    return facts


def not_judged(how: str, reply: Reply) -> str | None:
    """A delivery the endpoint never judged: no answer, or turned away before reading it (408, 429, a 503 saying
    when to come back) — or an answer whose body never came whole, unless its status accepted the delivery."""
    if reply.status is None:
        return f"{how}: no answer ({reply.failure})" if reply.sent else f"{how}: {reply.failure}"
    if reply.failure:  # the head came, not the body: a 2xx accepted the delivery all the same (`problem`)
        return None if 200 <= reply.status < 300 else f"{how}: {reply.status}, but {reply.failure}"
    turned_away = retry_wait_s(reply) is not None  # for now: asked again, unless signed with the endpoint's secret
    if reply.status in TURNED_AWAY or turned_away:
        why = TURNED_AWAY.get(reply.status, "unavailable") + retry_after_said(reply)
        return (f"{how}: {reply.status} ({why}): whether it checks signatures was not seen"
                + (f"; {NOT_ASKED_AGAIN}" if turned_away and how in SIGNED_REFUSALS else ""))
    return None


# how a pass reads a pair of cut signatures' 5xx (`crashed_on_length_alone`), said after the second of the pair
CRASHED_ON_LENGTH = ("a server error to these two, signatures of another length, the right one's first bytes and a "
                     "wrong one's, and to no delivery but the cut ones: a crash on their length, which took nothing, "
                     "read as refused")
CRASHED_ON_LENGTH_AT_START = ("a server error to these two, signatures of another length, the right one's last bytes "
                              "and a wrong one's, and to no delivery but the cut ones: a crash on their length, which "
                              "took nothing, read as refused")


def problem(params: Params, how: str, reply: Reply, checks_a_key: bool = False) -> str | None:
    """What fails the item in the answer to a delivery it must refuse; `checks_a_key`: the endpoint refused the
    unsigned and the randomly signed ones, so one it takes signed with an unset key says which key it holds, and
    one of FORGERY_TAKEN which check it lacks. The correctly signed ones, and the one of another content type, may
    be refused for another reason than a bad signature: any refusal will do."""
    accepted = 200 <= reply.status < 300
    if reply.failure and not accepted:  # its body never came whole: not judged, `not_judged` says so
        return None
    # refused for another reason than its signature too: the correctly signed ones and the wrong ones cut (of a
    # length no sender sends: a 400 for its shape) by any refusal, the one of another
    # content type by any 4xx a server judging it gives — a router matching the content type has no route for it
    # (gorilla/mux, Spring: 404, 405, 415), refused all the same where the route is there (`routed_elsewhere`)
    if params.accepts(reply.status) or (
            how in (*SIGNED_REFUSALS, WRONG_CUT, WRONG_CUT_START) and _refused(reply.status)) or (
            how == OTHER_TYPE and 400 <= reply.status < 500 and reply.status not in TURNED_AWAY):
        return None
    if reply.status in TURNED_AWAY or retry_wait_s(reply) is not None:  # not judged: `not_judged` says so
        return None
    if reply.status in NOT_DEPLOYED:
        return f"{how}: {reply.status} ({NOT_DEPLOYED[reply.status]})"
    taken = f"{how}: accepted with {reply.status}" + (f" ({reply.failure})" if reply.failure else "")
    if accepted and how in SIGNED_REFUSALS:
        return f"{taken}: {SIGNED_REFUSALS[how]}"
    if accepted and how in UNSET_KEYS and checks_a_key:
        return f"{taken}: the endpoint's signing secret is probably unset in the deployment"
    if accepted and how in FORGERY_TAKEN and checks_a_key:
        return f"{taken}: {FORGERY_TAKEN[how]}"
    if accepted:
        return taken
    if reply.status >= 500:
        return f"{how}: {reply.status} (server error; the sender will retry)"
    return f"{how}: {status_said(reply)}"


def routed_elsewhere(attempts: list, genuine: Reply | None) -> list[str]:
    """The delivery sent as text/plain answered as a route that is not there (404, 405, 410): a router that matches
    the content type answers so for a route that is, and so does a route not deployed at all behind a verifier on
    the JSON parser, in front of routing (which refused the JSON ones). Only a genuine delivery taken (signed_with)
    tells them apart: without one it is not judged."""
    if genuine is not None and genuine.status is not None and 200 <= genuine.status < 300:
        return []
    return [f"{how}: {reply.status} ({NOT_DEPLOYED[reply.status]}): a router matching the content type answers so,"
            " and so does a route not deployed behind a verifier on the JSON parser (which refused the JSON ones);"
            " signed_with tells them apart (a genuine delivery taken shows the route is there)"
            for how, _, reply in attempts if how == OTHER_TYPE and reply.status in NOT_DEPLOYED]


def genuine_problem(reply: Reply, how: str = GENUINE) -> str | None:
    """What fails the item in the answer to a correctly signed delivery (its 4xx, and a 503 saying to come back,
    are judged apart)."""
    if retry_wait_s(reply) is not None:
        return None
    if reply.status >= 500:
        return f"{how}: {reply.status} (server error on a genuine delivery; the sender will retry)"
    if not (200 <= reply.status < 300 or 400 <= reply.status < 500):
        return f"{how}: {status_said(reply)}"
    return None


def rewritten_problem(genuine: Reply | None, rewritten: Reply | None) -> str | None:
    """The genuine delivery, its bytes the sender's, refused where the same one re-serialized was taken: the endpoint
    verifies the signature over the body re-serialized from its parsed JSON, and refuses every real delivery. A
    refusal of both (the probe's content) is not this: `genuine_unseen` says what it leaves unshown."""
    if genuine is None or rewritten is None or genuine.status is None or rewritten.status is None:
        return None
    if genuine.failure or not _refused(genuine.status) or not 200 <= rewritten.status < 300:
        return None
    return (f"{GENUINE}: refused with {genuine.status}, where {REWRITTEN}, was accepted with {rewritten.status}: the"
            " endpoint verifies the signature over the body re-serialized from its parsed JSON, not over the bytes"
            " sent: it refuses every real delivery")


def genuine_unseen(params: Params, reply: Reply, credentials: tuple[str, ...] = ()) -> str | None:
    """Why the correctly signed delivery shows nothing of a signature check: not answered, or refused as well (by a
    gate refusing the URL's `credentials` too, a stale key say)."""
    if reply.status is None:
        return f"{GENUINE}: no answer ({reply.failure})" if reply.sent else f"{GENUINE}: {reply.failure}"
    if reply.status in TURNED_AWAY or retry_wait_s(reply) is not None:  # a 503 saying when to come back too
        why = TURNED_AWAY.get(reply.status, "unavailable") + retry_after_said(reply)
        return (f"{GENUINE}: {reply.status} ({why}): whether it takes a genuine delivery was not seen"
                + (f"; {NOT_ASKED_AGAIN}" if retry_wait_s(reply) is not None else ""))
    if 400 <= reply.status < 500:
        # the genuine body holds what re-serializers change: one verifying the body written again refuses it too
        causes = [f"{params.secret_name} is not the secret it verifies with",
                  *([f"the URL's {' and '.join(credentials)} is refused"] if credentials else []),
                  "it verifies the signature over the body re-serialized from its JSON (as PHP's json_encode writes "
                  "it, say), not over the bytes sent",
                  *([_api_version_cause(params)] if params.scheme == "stripe" else [])]
        return (f"{GENUINE}: refused with {reply.status} as well: its refusals may be about the content, not the "
                f"signature; that it checks signatures was not shown (or {', or '.join(causes)})")
    return None


def _api_version_cause(params: Params) -> str:
    """stripe-go (v73 on) and stripe-dotnet refuse, by default, an event whose api_version is not the one they are
    pinned to (its release, `.basil`, for the newer): every real event carries the endpoint's."""
    mismatch = "stripe-go and stripe-dotnet refuse an event of another API version"
    if params.api_version:
        return f"{mismatch}: {params.api_version} may not be the endpoint's"
    return f"{mismatch}: give the endpoint's as api_version"


def not_ruled_out(params: Params, credentials: tuple[str, ...] = ()) -> str:
    """What a pass on refusals alone leaves open, and how to close it: sent without the URL's credentials, a gate
    wanting them refuses the deliveries before any handler reads one."""
    how = ("a Fal signature cannot be made to tell them apart" if params.scheme == "fal"
           else "signed_with would show the signature is what it checks")
    gate = (f", and so would a gate's refusal of callers without the URL's {' and '.join(credentials)}, which these"
            " deliveries were sent without" if credentials else "")
    return f"not ruled out: a refusal of the probe's content would read the same{gate} ({how})"


def judge(check, facts) -> Outcome:
    return saying_left_off(_judge(check, facts), *facts.get((check.key, LEFT_OFF), ()))


def _judge(check, facts) -> Outcome:
    p: Params = check.params
    attempts = facts[check.key]
    refusals = [(how, url, reply) for how, url, reply in attempts if how not in SIGNED_AS_SENT]
    genuine = next((reply for how, _, reply in attempts if how == GENUINE), None)
    rewritten = next((reply for how, _, reply in attempts if how == REWRITTEN), None)
    hows = {how for how, _, _ in attempts}
    wrongly = [said for how, said in ((NO_SIGNATURE, "a header with no signature"),
                                      (V0_ONLY, "one with only a v0 signature"),
                                      (EMPTY_SIGNATURE, "an empty signature"),
                                      (OTHER_TYPE, f"one sent as {OTHER_CONTENT_TYPE}"),
                                      (WRONG_CUT, "one cut short by whole bytes"),
                                      (WRONG_CUT_START, "one without its first whole bytes")) if how in hows]
    if hows & set(UNSET_KEYS):
        wrongly.append("the empty, 'undefined' and 'null' keys an unset secret reads as")
    keys = ["a random key", *wrongly]
    signed = f" ({', '.join(keys[:-1])}{',' * (len(keys) > 2)} and {keys[-1]})" if wrongly else ""
    expected = f"POST {p.path} rejects an unsigned and a wrongly signed {p.scheme} delivery{signed} with {p.wanted}"
    if OTHER_TYPE in hows and p.status is not None:  # refused for its type is refused: not only `status`
        expected += f" ({OTHER_CONTENT_TYPE}: any 4xx)"
    if WRONG_CUT in hows and p.status is not None:  # of a length no sender sends: refused for its shape, refused
        expected += " (those cut: any 4xx)" if WRONG_CUT_START in hows else " (the one cut short: any 4xx)"
    signed_refusals = [how.replace("correctly signed", "one signed") for how, _, _ in attempts
                       if how in SIGNED_REFUSALS]
    if signed_refusals:
        listed = " and ".join([", ".join(signed_refusals[:-1]), signed_refusals[-1]] if signed_refusals[:-1]
                              else signed_refusals)
        expected += f", refuses {listed}, with 4xx"
    rules = p.body_rules
    if p.signed_with:
        version = f", its event of API version {p.api_version}" if p.api_version else ""
        expected += (f", and accepts one signed with {p.secret_name} as {p.scheme.capitalize()} signs it"
                     f" ({AS_SENT[p.scheme]}{version}) with 2xx")
        if rules:
            expected += ", its answer " + ", ".join(expectations(rules)[1:])  # the first is http's status
    evidence = {how: describe_reply(url, "POST", reply) for how, url, reply in attempts}
    credentials = facts.get((check.key, CREDENTIALS), ())
    if credentials and p.signed_with:  # (without it, `sent_without` names what the deliveries left off)
        evidence[CREDENTIALS] = credentials_said(credentials)
    unseen = [text for how, _, reply in refusals if (text := not_judged(how, reply))]
    checks_a_key = not any(how not in UNSET_KEYS and how not in SIGNED_REFUSALS and how not in FORGERY_TAKEN
                           and reply.status is not None and 200 <= reply.status < 300 for how, _, reply in refusals)
    # a 5xx to a pair of cut signatures (and to no other delivery but the other pair): refused; to the right one's,
    # the wrong one refused: taken
    cut_hows = {how for pair in CUT_PAIRS for how in pair}
    crashed = [pair for pair in CUT_PAIRS
               if crashed_on_length_alone(attempts, *pair, alike=tuple(cut_hows - set(pair)))]
    took = [pair for pair in CUT_PAIRS
            if took_the_cut(attempts, *pair, lambda status: _refused(status) or p.accepts(status),
                            alike=tuple(cut_hows - set(pair)))]
    read = {how for pair in crashed for how in pair} | {cut for cut, _ in took}  # judged here
    problems = [text for how, _, reply in refusals if reply.status is not None
                and how not in read and (text := problem(p, how, reply, checks_a_key))]
    for cut, wrong in took:
        cut_reply, wrong_reply = (next(reply for how, _, reply in attempts if how == named) for named in (cut, wrong))
        problems.append(f"{cut}: {cut_reply.status} (server error), where {wrong}, as long, was refused with "
                        f"{wrong_reply.status}: the endpoint took it past its check and failed after; "
                        f"{SIGNED_REFUSALS[cut]}")
    if handed_out := facts.get((check.key, HANDED_OUT)):
        problems.append("the answer to each of these carried the valid signature of the body sent, one it was not sent"
                        f" with (masked here): {'; '.join(handed_out)} — {SIGNING_ORACLE}")
    if genuine is not None and genuine.status is not None and (text := genuine_problem(genuine)):
        problems.append(text)
    if rewritten is not None and rewritten.status is not None and (text := genuine_problem(rewritten, REWRITTEN)):
        problems.append(text)
    if text := rewritten_problem(genuine, rewritten):
        problems.append(text)
    body, unread = [], []  # what the genuine delivery's answer says of it, by the body rules
    if rules and genuine is not None and genuine.status is not None and 200 <= genuine.status < 300:
        body, unread = body_problems(rules, genuine)
        problems += [f"{GENUINE}: {text}" for text in body]
    if problems:  # a forgeable or crashing endpoint fails, whatever else was seen (or not seen): a refusal
        # not seen said beside it (whether a genuine delivery is taken is moot once a forged one is)
        return failed(expected, "; ".join(problems), undecided=unseen + [f"{GENUINE}: {text}" for text in unread],
                      **evidence)
    if genuine is not None and (text := genuine_unseen(p, genuine, credentials)):
        unseen.append(text)
    unseen += routed_elsewhere(attempts, genuine)
    if unseen:  # each turned away for now says whether it was asked again (only those signed with another key are)
        turned_away = [how for how, _, reply in attempts if retry_wait_s(reply) is not None]
        asked_again = [how for how in turned_away if how not in SIGNED_AS_SENT and how not in SIGNED_REFUSALS]
        again = ASKED_AGAIN if asked_again == turned_away else OTHERS_ASKED_AGAIN
        return replace(error("could not look: " + "; ".join(unseen) + (f"; {again}" if asked_again else ""),
                             **evidence), expected=expected)
    if unread:
        return replace(error("could not look: " + "; ".join(f"{GENUINE}: {text}" for text in unread), **evidence),
                       expected=expected)
    said_after = {WRONG_CUT: CRASHED_ON_LENGTH, WRONG_CUT_START: CRASHED_ON_LENGTH_AT_START}
    crash_said = {wrong: said_after[wrong] for _, wrong in crashed}
    seen = " and ".join(f"{how}: {reply.status}" + (f" ({crash_said[how]})" if how in crash_said else "")
                        for how, _, reply in attempts)
    return passed(expected, seen if genuine is not None else f"{seen}; {not_ruled_out(p, credentials)}", **evidence)
