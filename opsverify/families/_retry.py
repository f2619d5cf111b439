"""Asking again once, after the wait it names, a request turned away for now (a 429, or a 503 with Retry-After):
families that send several requests to one endpoint at once (webhook, cron) trip rate limits one alone never would.
Only a request a correct endpoint refuses unread is asked again: a mutating one (a genuine webhook delivery, a cron
job called with its secret) may have been acted on before the answer said to come back, and is sent once."""

from __future__ import annotations

import math
import re
import time

from typing import Callable

from ..transports.http import Probe, Reply
from . import REQUESTS_AT_ONCE

# requests sent together trip a rate limit of a few a second that one alone never would: one turned away for now —
# a 429, or a 503 that says when to ask again — is asked once more after the wait its Retry-After names (seconds;
# a 429 naming none, or a date: RETRY_WAIT_S), at most RETRY_WAIT_CAP_S, which the family's bound allows for
RETRY_WAIT_S = 1.0
RETRY_WAIT_CAP_S = 5.0
RETRY_SECONDS = re.compile(r"[0-9]+")
ASKED_AGAIN = (f"each turned away for now (429, or 503 with Retry-After) was asked again once, after the wait it "
               f"names (at most {RETRY_WAIT_CAP_S:g} s)")


def retry_wait_s(reply: Reply) -> float | None:
    """How long to wait before asking again, when the answer turned the request away for now — a 429, or a 503 that
    says when (Retry-After) — at most RETRY_WAIT_CAP_S; None for any other answer."""
    after = next((value.strip() for name, value in reply.headers.items() if name.lower() == "retry-after"), None)
    if reply.status != 429 and (reply.status != 503 or after is None):
        return None
    seconds = float(after) if after is not None and RETRY_SECONDS.fullmatch(after) else RETRY_WAIT_S
    return min(seconds, RETRY_WAIT_CAP_S)


def retry_after_said(reply: Reply) -> str:
    """'; Retry-After: 2' when the answer names a wait, for a message naming what turned the request away."""
    after = next((value.strip() for name, value in reply.headers.items() if name.lower() == "retry-after"), None)
    return f"; Retry-After: {after}" if after is not None else ""


def asked_again(probe: Probe) -> bool:
    """Whether a probe turned away for now is asked again: not a mutating one — a 503 (or a 429 its own code sent)
    does not show that the job did not run or the delivery was not acted on, and a second one would act twice."""
    return not probe.mutating


def fetch_retrying(target, plans: list[tuple[str, str, Probe]]) -> list[Reply]:
    """The reply to each (item key, how, probe), sent together; each probe turned away for now (`retry_wait_s`) is
    asked once more after its wait, unless it is mutating (`asked_again`). An item's are asked again one at a time,
    each after its own wait — a rate limit that turned them away lets few through at once — the items' side by side
    (`retries_bound`)."""
    replies = target.fetch_all([probe for _, _, probe in plans])
    queues: dict[str, list[int]] = {}
    for index, ((key, _, probe), reply) in enumerate(zip(plans, replies, strict=True)):
        if retry_wait_s(reply) is not None and asked_again(probe):
            queues.setdefault(key, []).append(index)
    while queues:
        asked = [queue.pop(0) for queue in queues.values()]
        queues = {key: queue for key, queue in queues.items() if queue}
        time.sleep(max(retry_wait_s(replies[index]) for index in asked))
        for index, reply in zip(asked, target.fetch_all([plans[index][2] for index in asked]), strict=True):
            replies[index] = reply
    return replies


def retries_bound(target, sent: list[int]) -> float:
    """The worst case of `fetch_retrying`'s second asking, items sending `sent` requests each that may be asked again
    (not the mutating ones): a round per request of the item sending most, each a capped wait and then the items'
    requests, REQUESTS_AT_ONCE at a time."""
    rounds = range(1, max(sent, default=0) + 1)
    asked = [sum(n >= round_ for n in sent) for round_ in rounds]  # items with a request asked again in that round
    return sum(RETRY_WAIT_CAP_S + target.timeouts.http_s * math.ceil(n / REQUESTS_AT_ONCE) for n in asked)


def crashed_on_length_alone(attempts: list, cut: str, as_long: str, alike: tuple[str, ...] = ()) -> bool:
    """Whether the endpoint answered the request `cut` names (a value cut short: the cron secret by its last one to
    eight characters, or by its first eight; a webhook signature by whole bytes, at its end or its start) and the
    one `as_long` names (a value of the same length that is not that part of the right one) both with a server error
    that came whole, and no other request so but those `alike` names (the other pair of values cut short, judged as a
    pair of their own). A verifier comparing with Node's `crypto.timingSafeEqual` throws on a value of another length
    than the one it holds (500), on all these alike, the only such values sent — a crash, which took and ran nothing:
    refused. Where `as_long` was refused, or any other request got a server error too (one saying when to come back
    aside), it is no length alone: judged as any other answer (`took_the_cut`)."""
    pair = {how: reply for how, _, reply in attempts if how in (cut, as_long)}
    if len(pair) != 2 or not all(map(_server_error, pair.values())):
        return False
    return not any(_server_error(reply) for how, _, reply in attempts if how not in pair and how not in alike)


def took_the_cut(attempts: list, cut: str, as_long: str, refused: Callable[[int], bool],
                 alike: tuple[str, ...] = ()) -> bool:
    """Whether the endpoint answered the value cut short (`cut`) with a server error that came whole, yet refused
    (`refused`, of its whole answer's status) the one `as_long` names, of the same length but not that part of the
    right value (what it begins with, or ends with). A crash on the length alone meets both: this one got past the
    check on that part of the right value, and failed after it (a job or a handler failing on its own — an upstream
    down, an order already recorded): taken. Only where no other request got a server error too — but the other
    pair of values cut short (`alike`) where it got one to both, a crash on its length that explains them: an
    endpoint failing some of the requests sent together (overloaded, a 503 naming no wait) may have failed this one
    before any check, which cannot be told."""
    replies = {how: reply for how, _, reply in attempts if how in (cut, as_long)}
    if cut not in replies or as_long not in replies or not _server_error(replies[cut]):
        return False
    others = [(how, reply) for how, _, reply in attempts if how != cut]
    crashed_alike = {how for how, _ in others if how in alike}
    if not (len(crashed_alike) == len(alike) and all(_server_error(r) for how, r in others if how in alike)):
        crashed_alike = set()
    if any(_server_error(reply) for how, reply in others if how not in crashed_alike):
        return False
    other = replies[as_long]
    return other.status is not None and not other.failure and refused(other.status)


def _server_error(reply: Reply) -> bool:
    """A 5xx that came whole, not one saying when to come back (turned away for now)."""
    return (reply.status is not None and reply.status >= 500 and not reply.failure
            and retry_wait_s(reply) is None)
