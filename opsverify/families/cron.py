"""cron: a scheduled endpoint rejects callers without its secret, and answers 200 with it.

Calling it with the secret makes the target do the scheduled work, so such items must be
marked mutating (refused where the environment forbids mutation). So must an item whose method is not safe:
every request it sends uses that method, and an endpoint that checks no secret runs its job on the very
requests that expect a rejection.

Without the secret, no answer, a 408 or 429 (turned away before the secret was read) or a 5xx (it failed, with or
without a secret) shows nothing of the secret check: *error* — unless the other request was accepted, which fails
it: the acceptance alone is the failure. A request the HTTP client refused to write reads "not sent".
With the secret, a 408 or 429 is an *error* too (whether the job runs was not seen); a 5xx fails (the job did).
"""

from __future__ import annotations

import secrets as _random

from dataclasses import replace
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from ..outcome import Outcome, error, verdict
from ..transports.http import SAFE_METHODS, Probe, Reply
from ._common import StrictParams, UrlPath
from .http import HTTP_TOKEN, READ_BY_HTTP, describe_reply

NAME = "cron"
NEEDS = ("url",)

REJECTIONS = (401, 403)
TURNED_AWAY = {408: "request timeout", 429: "rate-limited"}  # answered before any secret was read


def _carries_a_secret(value: str) -> str:
    why = READ_BY_HTTP.get(value.lower())
    if why:
        raise ValueError(f"{value.lower()} {why}, so a secret sent in it never reaches the endpoint to be checked; "
                         "name the header the endpoint reads its secret from (authorization, x-cron-secret)")
    return value


HeaderName = Annotated[str, Field(pattern=f"^{HTTP_TOKEN}$"), AfterValidator(_carries_a_secret)]


def _success(value: int) -> int:
    """The answer a job gives when it ran: a 2xx. A 401 or 302 (a login page) would pass a job that refused its
    secret, and a code no server sends (-1, 0, 999) could never match."""
    if not 200 <= value <= 299:
        raise ValueError(f"{value} is not a 2xx: with the secret the job must run and say so (200, 202, 204 ...)")
    return value


Success = Annotated[int, AfterValidator(_success)]


class Params(StrictParams):
    service: str
    path: UrlPath
    secret: str  # must be configured either way: an item naming a secret nobody set is a runbook typo
    header: HeaderName = "authorization"
    with_secret: bool = False
    method: Annotated[str, Field(pattern=r"^[A-Z]+$")] = "GET"
    status: Success | None = None  # with_secret only: the answer the job gives (default 200)

    @model_validator(mode="after")
    def _status_with_secret(self) -> "Params":
        if self.status is not None and not self.with_secret:
            raise ValueError("status is judged with with_secret: true only; without the secret the endpoint "
                             "must answer 401 or 403")
        return self

    @property
    def wanted(self) -> int:
        return 200 if self.status is None else self.status


def needs(params: Params) -> tuple[str, ...]:
    return ("url", f"secret:{params.secret}")


def validate_item(params: Params, mutating: bool) -> list[str]:
    if mutating:
        return []
    problems = []
    if params.with_secret:
        problems.append("mutating: calling a cron endpoint with its secret runs the job; mark the item mutating: true")
    if params.method not in SAFE_METHODS:
        problems.append(f"params.method: {params.method} is not a safe method; every request this item sends uses it "
                        "(a job that checks no secret runs on it): mark the item mutating: true")
    return problems


def _auth(header: str, value: str) -> dict[str, str]:
    return {header: f"Bearer {value}" if header.lower() == "authorization" else value}


def gather(target, checks) -> dict[str, list]:
    plans: list[tuple[str, str, Probe]] = []
    for c in checks:
        p: Params = c.params
        url = target.url(p.service, p.path)
        sent = {"verify": target.verify_tls(p.service), "connect_s": target.timeouts.connect_s}
        if p.with_secret:
            plans.append((c.key, "with the secret", Probe(p.method, url, _auth(p.header, target.secret(p.secret)),
                                                          mutating=True, **sent)))
        else:  # no exemption for an expected rejection: a job that checks no secret runs on these too
            wrong = "opsverify-wrong-" + _random.token_hex(8)
            plans.append((c.key, "without a secret", Probe(p.method, url, {}, mutating=c.mutating, **sent)))
            plans.append((c.key, "with a wrong secret", Probe(p.method, url, _auth(p.header, wrong),
                                                              mutating=c.mutating, **sent)))
    replies = target.fetch_all([probe for _, _, probe in plans])
    facts: dict[str, list] = {}
    for (key, how, probe), reply in zip(plans, replies):
        facts.setdefault(key, []).append((how, probe.url, reply))
    return facts


def _silent(how: str, reply: Reply) -> str:
    """A request with no answer: unanswered, or never sent (the HTTP library refused it: its failure says so)."""
    return f"{how}: no answer ({reply.failure})" if reply.sent else f"{how}: {reply.failure}"


def _unseen(how: str, status: int) -> str | None:
    """Why an answer shows nothing of the secret check: turned away first, or a server error."""
    if status in TURNED_AWAY:
        return f"{how}: {status} ({TURNED_AWAY[status]})"
    if status >= 500:
        return f"{how}: {status} (server error)"
    return None


def judge(check, facts) -> Outcome:
    p: Params = check.params
    attempts = facts[check.key]
    evidence = {how: describe_reply(url, p.method, reply) for how, url, reply in attempts}
    if p.with_secret:
        how, _, reply = attempts[0]
        expected = f"{p.method} {p.path} with {p.secret} answers {p.wanted}"
        if reply.status is None:
            return replace(error(f"could not look: {_silent(how, reply)}", **evidence), expected=expected)
        if reply.status in TURNED_AWAY:  # not seen whether the job runs (a stated status is a 2xx)
            return replace(error(f"could not look: {_unseen(how, reply.status)}: whether the job runs was not seen",
                                 **evidence), expected=expected)
        problems = [] if reply.status == p.wanted else [f"status {reply.status}"]
        return verdict(expected, problems, f"status {reply.status}", **evidence)
    expected = f"{p.method} {p.path} rejects callers without {p.secret} with 401 or 403"
    answered = [(how, reply) for how, _, reply in attempts if reply.status is not None]
    silent = [_silent(how, reply) for how, _, reply in attempts if reply.status is None]
    accepted = [f"{how}: accepted with {reply.status}" for how, reply in answered if 200 <= reply.status < 300]
    unseen = [text for how, reply in answered if (text := _unseen(how, reply.status))]
    if not accepted:  # an accepted call fails the item, whatever the other one answered, or if it answered at all
        if silent:
            return replace(error(f"could not look: {'; '.join(silent)}", **evidence), expected=expected)
        if unseen:
            return replace(error(f"could not look: {'; '.join(unseen)}: whether it checks {p.secret} was not seen",
                                 **evidence), expected=expected)
    problems = accepted + [f"{how}: status {reply.status}" for how, reply in answered
                           if not 200 <= reply.status < 300 and reply.status not in REJECTIONS] + silent
    return verdict(expected, problems, " and ".join(f"{how}: {r.status}" for how, _, r in attempts), **evidence)
