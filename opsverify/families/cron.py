"""cron: a scheduled endpoint rejects callers without its secret, and answers 200 with it.

Calling it with the secret makes the target do the scheduled work, so such items must be
marked mutating (refused where the environment forbids mutation). So must an item whose method is not safe:
every request it sends uses that method, and an endpoint that checks no secret runs its job on the very
requests that expect a rejection.

Without the secret, no answer, a 408 or 429 (turned away before the secret was read) or a 5xx (it failed, with or
without a secret) shows nothing of the secret check: *error* — unless another answer fails it by itself: accepted
(a 2xx head too, whose body was then cut short or never finished), or neither accepted nor refused (a 404, a 302 to
a login page); what was not seen is then said beside the failure, undecided (as webhook judges the same mix). Any
other answer whose body never came whole is not judged. A request the HTTP client refused to write reads "not sent".
With the secret, a 408 or 429 is an *error* too (whether the job runs was not seen), as is a 503 with Retry-After;
any other 5xx fails (the job did).
A request turned away for now (a 429, or a 503 with Retry-After) is sent again once, after the wait it names (at
most RETRY_WAIT_CAP_S, 5 s): the twelve sent together trip a rate limit one alone would not. Never the job's call with
the secret, nor any request of a mutating item: a 503 does not show the job did not run, and a second call would run
it twice. The job's call so turned away is an *error*, naming its status and Retry-After.

Every request without the secret says it comes from Vercel's scheduler (`scheduler_headers`: `User-Agent:
vercel-cron/1.0` and `x-vercel-cron-schedule`, the headers Vercel calls a cron job with, the latter with the item's
`schedule` or DEFAULT_SCHEDULE; and `x-vercel-cron: 1`, which many jobs check): a job taking any of them as the
scheduler's word, instead of its secret or as well as it, takes anyone's call, and fails the item ("without a secret:
accepted with 200: the endpoint checks no CRON_SECRET, or trusts the headers Vercel's scheduler calls with (…)"). The
job's call with the secret keeps the suite's own User-Agent (`opsverify`) and sends none of the others; an item whose
`header` is one of them sends its values in it. One more goes without the secret and without any of them, as anyone
calls (`PLAIN`): a job asking only the scheduler for its secret (`if (req.headers['x-vercel-cron']) check it`) refuses
every other request, and runs for that one, which fails the item as any 2xx does.

Without the secret also means with what an unset secret reads as: `Bearer ${process.env.CRON_SECRET}` sends
"Bearer undefined" when the variable is unset (Python's `f"Bearer {os.getenv('CRON_SECRET')}"` "Bearer None"), and a
job deployed without it compares with the same text, so it refuses a random wrong secret and takes these. And with
a near miss of the secret: the secret with its next-to-last character changed for another the secret holds (of its
kind where it holds one: a digit for a digit, a letter for a letter), so as long as it, equal but for that
character, and of its alphabet (a hex secret stays hex: an endpoint decoding the key refuses it, not crashes on it) —
a check of only the token's first characters refuses the random wrong secret (no prefix in common) and takes it; one
of only its length takes both. The wrong secret is random, drawn anew each run, as long as the secret and of its
alphabet (`=` padding and all, decoded as strictly: `wrong_secret`), so a job that decodes the key or compares with
`crypto.timingSafeEqual` reaches its comparison and refuses it. And with the secret cut short:
its last one to eight characters left off (cut to a multiple of 8: whole bytes of hex, whole groups of base64 and
base32, a text every strict decoder reads; and its `=` padding, which a decoder reads the key without) — a comparison
of only as many characters or bytes as it is given (`CRON_SECRET.startsWith(token)`, a loop over the token's length,
`key.startswith(b64decode(token))`) refuses no secret, the random one and the near miss, and takes every part of the
secret it begins with: found one character (or byte) at a time. The longest such part of whole groups, so a check
that also wants a token of some length takes it too — of those HTTP carries: where it would start or end with a blank
(a passphrase's space), which no header value can (the request would never be sent), the next smaller one that does
not ("more than its last eight characters left off"). And with that cut one's last letter or digit changed for another
the secret holds (`changed_inside`) as well: as long, and not what the secret begins with — at its end, so whatever a
job checks of the token's form or identity first (`token.startsWith("cron_")`, a key id of `<key id>.<key>`) treats
the two alike; a whole group, whose bits no decoder drops (a short secret's even-length cut: nearest its middle). And the mirror of the two: the secret without its first eight
characters (`cut_at_start`; its `=` padding kept: it still belongs; where it would start with a blank, without its
first 16, 24 …: "more than its first eight characters left off"), which `CRON_SECRET.endsWith(token)` takes, with
every part the secret ends with — found one character at a time from its end; eight keep hex, base64 and base32
aligned to whole groups, so decoded it is the key's last bytes too — and that one with its first letter or digit changed:
as long, and not what the secret ends with. No character changed becomes a blank: each value sent in the secret's place
is one HTTP carries, and a healthy job whose secret is a passphrase passes. Each is all of the secret but a few characters:
registered with the redactor before it is sent, named in words only, and not sent where the item's requests would
cross the network in clear (plain http:// to another machine, or through a proxy; a pass there says what that
leaves open) — nor the cut ones where they would be too short to be masked (Redactor.MIN_LENGTH), or no cut long
enough is free of a blank at either end, nor those cut at the start where the ones cut at the end are not sent.
Each must be refused, as the calls without a secret and with a wrong one must (400, 401 or 403: RFC 6750 answers a
missing or malformed credential with 400 as well, and many frameworks refuse a missing header so); a 2xx fails,
naming the value taken (the near miss and the cut ones by their names). Each pair of cut ones (at the end, at the
start) is judged alike: a 5xx to both, where no other request but the other cut ones got one, is read as refused and
a pass says so: a job comparing with Node's `crypto.timingSafeEqual` behind a guard against short tokens throws on a
token of another length than the secret (a crash that ran nothing), and the cut ones are the only such tokens that
pass that guard (the wrong secret is as long as the secret, the unset values are short). A 5xx to the part of the
secret where its twin was refused, and no other request got one, fails: the job took it past its check, then failed
(`CRON_SECRET.startsWith(token)`, or `endsWith`, before a job whose upstream is down); with 5xx to others as well
(overloaded), which failed before any check cannot be told: *error*.

With the secret, the body of the answer may be judged by the http family's body rules (`json`, `json_has`,
`json_min`, `json_max`, `body_includes`, `body_excludes`): a job that failed may still answer 200.
"""

from __future__ import annotations

import math
import re
import secrets as _random
import string

from dataclasses import replace
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, ValidationError, model_validator

from ..outcome import Outcome, error, failed, passed, verdict
from ..secrets import Redactor
from ..transports.http import SAFE_METHODS, Probe, Reply
from . import REQUESTS_AT_ONCE
from ._common import SecretName, StrictParams, UrlPath
from .repo import vercel_schedule_problem
from .http import HTTP_TOKEN, LEFT_OFF, READ_BY_HTTP, ExactPath, JsonBound, JsonHas, body_problems, describe_reply, \
    expectations, saying_left_off, status_said
from .http import Params as HttpParams
from ._retry import (ASKED_AGAIN, crashed_on_length_alone, fetch_retrying, retries_bound, retry_after_said,
                     retry_wait_s, took_the_cut)

NAME = "cron"
NEEDS = ("url",)

# a call without the secret, refused: RFC 6750 answers a missing or malformed credential (a bare "Bearer") with 400
REJECTIONS = (400, 401, 403)
# the User-Agent Vercel's scheduler calls a cron job with: a job taking it as the scheduler's word, instead of its
# secret or as well as it, takes anyone's call (anyone can send it). Every request without the secret carries it; the
# job's call with the secret keeps the suite's own
SCHEDULER_USER_AGENT = "vercel-cron/1.0"
# the other headers a job takes as the scheduler's mark, as forgeable: `x-vercel-cron-schedule` (the cron expression
# that fired, Vercel's docs) and `x-vercel-cron: 1` (what many jobs check: `req.headers['x-vercel-cron'] === '1'`)
SCHEDULER_MARK = "x-vercel-cron"
SCHEDULE_HEADER = "x-vercel-cron-schedule"
# the one call without the secret that is not made as the scheduler's: a job asking only the scheduler for its secret
# (`if (req.headers['x-vercel-cron']) check it`) refuses every other, and runs for a plain `curl`
PLAIN = "without a secret or the scheduler's headers"
# the schedule sent where the item names none: once a day, one every Vercel plan takes
DEFAULT_SCHEDULE = "0 0 * * *"
# the http family's body rules, judged on the answer of a job run: as checklists name them, and as fields
BODY_RULES = {"json": "json_fields", "json_has": "json_has", "json_min": "json_min", "json_max": "json_max",
              "body_includes": "body_includes", "body_excludes": "body_excludes"}
TURNED_AWAY = {408: "request timeout", 429: "rate-limited"}  # answered before any secret was read
NOT_ASKED_AGAIN = "not asked again: the call may have run the job"
# what refusals alone cannot tell apart: a pass on them says so, as the webhook family's does
NOT_RULED_OUT = ("not ruled out: a path where every caller is refused (an auth wall in front of it, or no route"
                 " behind one) reads the same (a with_secret item shows the job answers its secret)")
NOT_ASKED_AGAIN_MUTATING = "not asked again: the item is mutating, and a job that checks no secret runs on each"
# the secret with its next-to-last character changed (`near_miss`): a check of only the token's first characters
# refuses a random wrong secret and takes this (a check of only its length takes both). Named, never shown: it is
# all of the secret but one character
NEAR_MISS = "with the secret, its next-to-last character changed"
# the secret without its last one to eight characters (`cut_short`: a multiple of WHOLE_GROUPS, a text every strict
# decoder reads): a comparison of only as many characters or decoded bytes as it is given
# (`CRON_SECRET.startsWith(token)`) takes it, and every part the secret begins with. Named, never shown: it is all of
# the secret but a few characters
CUT_SHORT = "with the secret, its last one to eight characters left off"
# characters in whole groups of hex (4 bytes), base64 (6) and base32 (5): what a strict decoder reads, no padding
# wanted, no bits left over
WHOLE_GROUPS = 8
# the secret cut short with its last letter or digit changed (`changed_inside`): as long as CUT_SHORT, and not what the
# secret begins with — changed at its end, a whole group no decoder drops, past whatever a job checks of the token's
# form first (changed at its first, it lost a `cron_` the cut one kept, at its middle a key id: a job refusing it
# there and crashing on the cut one's length read as having taken the cut one). A job crashing on a token's length alone crashes on both; one that
# refuses this and fails on CUT_SHORT took that past its check (`took_the_cut`). All of the secret but a few
# characters: named, never shown
CUT_SHORT_CHANGED = "with the secret, its last one to eight characters left off and one more changed"
# the secret without its first DROPPED_AT_START characters (`cut_at_start`): the mirror of CUT_SHORT, a comparison of
# only the characters it is given from the end (`CRON_SECRET.endsWith(token)`) takes it, and every part the secret
# ends with. WHOLE_GROUPS: hex, base64 and base32 stay aligned to whole groups, so decoded it is the key's last bytes.
# All of the secret but eight characters: named, never shown
DROPPED_AT_START = WHOLE_GROUPS
CUT_AT_START = "with the secret, its first eight characters left off"
# that one with its first letter or digit changed (`changed_inside`): as long, and not what the secret ends with, the
# start of a whole group, before whatever a job checks at the token's end (a checksum). A job crashing on a token's length alone crashes on
# both; one that refuses this and fails on CUT_AT_START took that past its check (`took_the_cut`). Named, never shown
CUT_AT_START_CHANGED = "with the secret, its first eight characters left off and one more changed"
# a secret with blanks (a passphrase): where the cut would start or end with one, which HTTP cannot carry, it moves to
# the next smaller whole group (`cut_short`, `cut_at_start`), and is named so: more than eight characters left off
CUT_SHORT_FURTHER = "with the secret, more than its last eight characters left off"
CUT_SHORT_FURTHER_CHANGED = "with the secret, more than its last eight characters left off and one more changed"
CUT_AT_START_FURTHER = "with the secret, more than its first eight characters left off"
CUT_AT_START_FURTHER_CHANGED = "with the secret, more than its first eight characters left off and one more changed"
# each value cut short, with its twin as long: judged as a pair (`crashed_on_length_alone`, `took_the_cut`); at most
# one pair cut at the end and one cut at the start is sent
CUT_PAIRS = ((CUT_SHORT, CUT_SHORT_CHANGED), (CUT_AT_START, CUT_AT_START_CHANGED),
             (CUT_SHORT_FURTHER, CUT_SHORT_FURTHER_CHANGED), (CUT_AT_START_FURTHER, CUT_AT_START_FURTHER_CHANGED))
CUTS_AT_END = (CUT_SHORT, CUT_SHORT_FURTHER)
CUTS_AT_START = (CUT_AT_START, CUT_AT_START_FURTHER)
# what HTTP trims off a header value's ends (h11 will not write a value starting or ending with one): never at either
# end of a value sent in the secret's place
BLANKS = " \t"
# where its requests cross the network in clear neither is sent: an eavesdropper would be one guess from the secret
PARTS_UNSENT = ("the secret with its next-to-last character changed, without its last one to eight characters and"
                " without its first eight (each cut one as is and changed), were not sent (plain http:// to another"
                " machine, or through a proxy: each would give the secret away but a few characters), so a check of"
                " only part of it is not ruled out")
CUT_SHORT_UNSENT = (f"the secret without its last one to eight characters, and without its first eight (each as is"
                    f" and changed), was not sent (neither it nor a shorter part of whole groups was both"
                    f" {Redactor.MIN_LENGTH} characters or more, to be masked where an endpoint echoed it, and free of"
                    " a blank at either end, which HTTP cannot carry), so a comparison of only as many characters as it"
                    " is given is not ruled out")
CUT_AT_START_UNSENT = (f"the secret without its first eight characters (one more changed or not) was not sent"
                       f" (neither it nor a shorter part of whole groups was both {Redactor.MIN_LENGTH} characters or"
                       " more, to be masked where an endpoint echoed it, and free of a blank at either end, which HTTP"
                       " cannot carry), so a comparison of only the characters it is given, from the end, is not ruled"
                       " out")
# the alphabets a random wrong secret is drawn from (`wrong_secret`), narrowest first: the first holding every character
# of the secret's (its `=` padding aside) is its own, so an endpoint decoding the key (hex, base32, base64) reads a
# wrong one as it reads the secret, and refuses it rather than crashing on it
_B64_DIGITS = string.ascii_uppercase + string.ascii_lowercase + string.digits  # base64's first 62, in its order
_ALPHABETS = (string.digits, string.digits + "abcdef", string.digits + "ABCDEF", string.hexdigits,
              string.ascii_uppercase + "234567", string.ascii_lowercase + "234567", _B64_DIGITS, _B64_DIGITS + "-_",
              _B64_DIGITS + "+/", string.ascii_letters + string.digits + string.punctuation.replace("=", ""))
# base32's and base64's digits, each at its value, the bits each holds, and the characters of a whole group: a strict
# decoder wants the bits of a text's last character past its last whole byte zero
_HEX = _ALPHABETS[:4]  # decimal digits, and hex of either case
_BASES = ((string.ascii_uppercase + "234567", 5, 8), (string.ascii_lowercase + "234567", 5, 8),
          (_B64_DIGITS + "+/", 6, 4), (_B64_DIGITS + "-_", 6, 4))
# a character of each kind, so the near miss keeps the secret's shape: a digit for a digit, a letter for a letter
_KINDS = (string.digits, string.ascii_lowercase, string.ascii_uppercase, "-_")
# one base64 digit in each alphabet: a decoder reading both (Node's Buffer.from(s, 'base64')) reads them as one
_TWINS = {"+": "-", "-": "+", "/": "_", "_": "/"}


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


def _method(value: str) -> str:
    """An HTTP method as servers match it: case-sensitive, so in capitals."""
    if re.fullmatch(r"[A-Z]+", value):
        return value
    if re.fullmatch(r"[A-Za-z]+", value):
        raise ValueError(f"write {value.upper()} in capitals: methods are case-sensitive, and a server that takes "
                         f"{value.upper()} may not take {value}")
    raise ValueError(f"{value!r} is not an HTTP method: write one in capitals (GET, POST)")


class AnswerBodyRules(StrictParams):
    """The http family's body rules, judged on the answer of the one request a family's item expects to be acted
    on: cron's job run with its secret, webhook's correctly signed delivery."""
    ANSWERED_WITH: ClassVar[str | None] = None  # the method of that request; None: the item's own `method`

    json_fields: dict[str, Any] = Field(default={}, alias="json")
    json_has: JsonHas = []
    json_min: dict[ExactPath, JsonBound] = {}
    json_max: dict[ExactPath, JsonBound] = {}
    body_includes: list[Annotated[str, Field(min_length=1)]] = []
    body_excludes: list[Annotated[str, Field(min_length=1)]] = []

    @model_validator(mode="after")
    def _body_rules_as_http_takes_them(self) -> "AnswerBodyRules":
        """The body rules are refused where an http item's would be (given empty, a HEAD, no value could pass),
        in its words: checked by the http family's own Params, on the values read — so under whichever name a rule
        was written (`json` or its field's name, `json_fields`), and as the judge will take them. A value of the wrong
        type was refused before, by the fields, which name where it is."""
        given = self._given_body_rules
        if given:
            try:
                self._as_http_item(given)
            except ValidationError as exc:
                raise ValueError("; ".join(map(_said, exc.errors()))) from None
        return self

    @property
    def _given_body_rules(self) -> dict[str, Any]:
        """The body rules the item gives, by field, given empty or not."""
        return {field: getattr(self, field) for field in BODY_RULES.values() if field in self.model_fields_set}

    def _as_http_item(self, rules: dict[str, Any]) -> HttpParams:
        return HttpParams.model_validate({"service": self.service, "path": self.path,
                                          "method": self.ANSWERED_WITH or self.method, **rules})

    @property
    def given_body_rules(self) -> list[str]:
        """The body rules the item gives, as checklists name them."""
        return [name for name, field in BODY_RULES.items() if field in self.model_fields_set]

    @property
    def body_rules(self) -> HttpParams | None:
        """The body rules as an http item holding them, for the http family's judge; None when none is given (one
        given empty is refused at load)."""
        given = {field: rule for field, rule in self._given_body_rules.items() if rule}
        return self._as_http_item(given) if given else None


class Params(AnswerBodyRules):
    service: str
    path: UrlPath
    secret: SecretName  # must be configured either way: an item naming a secret nobody set is a runbook typo
    header: HeaderName = "authorization"
    with_secret: bool = False
    method: Annotated[str, AfterValidator(_method)] = "GET"
    status: Success | None = None  # with_secret only: the answer the job gives (default 200)
    # without the secret only: the job's schedule, as vercel.json writes it, sent as the scheduler sends it
    schedule: str | None = None
    # with_secret only: the body rules (AnswerBodyRules), the job's answer judged as the http family judges one

    @model_validator(mode="after")
    def _status_with_secret(self) -> "Params":
        if self.status is not None and not self.with_secret:
            raise ValueError("status is judged with with_secret: true only; without the secret the endpoint "
                             "must answer 400, 401 or 403")
        if self.schedule is not None:
            if self.with_secret:
                raise ValueError("schedule is sent with with_secret: false only (in the scheduler's headers, which "
                                 "anyone can send); the job's call with the secret keeps the suite's own")
            if self.schedule != self.schedule.strip():  # a YAML `|` block leaves a line break: no header carries it
                raise ValueError(f"schedule: {self.schedule!r} has a blank at an end, which the scheduler's"
                                 f" {SCHEDULE_HEADER} header cannot carry; write it as '{self.schedule.strip()}'")
            if problem := vercel_schedule_problem(self.schedule):
                raise ValueError(f"schedule: {problem}")
        given = self.given_body_rules
        if given and not self.with_secret:
            raise ValueError(f"{', '.join(given)}: the body of a job run is judged with with_secret: true only; "
                             "without the secret the endpoint must answer 400, 401 or 403")
        return self

    @property
    def wanted(self) -> int:
        return 200 if self.status is None else self.status


def _said(problem: dict) -> str:
    where = ".".join(map(str, problem["loc"]))
    text = problem["msg"].removeprefix("Value error, ")
    return f"{where}: {text}" if where else text


def needs(params: Params) -> tuple[str, ...]:
    return ("url", f"secret:{params.secret}")


def sends_secrets(params: Params) -> tuple[str, ...]:
    """Only a with_secret item sends the secret; the others send wrong values, and none at all (its near miss and
    the four cut short only where they do not cross the network in clear: `gather` leaves them out there)."""
    return (params.secret,) if params.with_secret else ()


def bound(target, checks) -> float:
    """One request for a with_secret item, else 8 (none, as the scheduler and as anyone, a wrong one, the near miss,
    the secret cut short at its end and at its start, each as is and changed) + the unset values', REQUESTS_AT_ONCE
    at a time, each within http_s; then those turned away for now, asked again (`fetch_retrying`): none of a mutating
    item's."""
    sent = [1 if c.params.with_secret else 8 + len(unset_values(c.params.header)) for c in checks]
    waves = math.ceil(sum(sent) / REQUESTS_AT_ONCE)
    resent = [0 if c.mutating or c.params.with_secret else n for c, n in zip(checks, sent)]
    return target.timeouts.connect_s + target.timeouts.http_s * waves + retries_bound(target, resent)


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


def scheduler_headers(schedule: str | None) -> dict[str, str]:
    """The headers a call from Vercel's scheduler carries that anyone can send: its User-Agent, the mark many jobs
    check (`x-vercel-cron: 1`), and the schedule that fired (the item's, else DEFAULT_SCHEDULE)."""
    return {"user-agent": SCHEDULER_USER_AGENT, SCHEDULER_MARK: "1", SCHEDULE_HEADER: schedule or DEFAULT_SCHEDULE}


def _as_the_scheduler(headers: dict[str, str], schedule: str | None) -> dict[str, str]:
    """`headers` with the scheduler's (`scheduler_headers`), but where the item's header is one of those: its value
    is what is sent."""
    own = {name.lower() for name in headers}
    return {**{name: value for name, value in scheduler_headers(schedule).items() if name not in own}, **headers}


def unset_values(header: str) -> dict[str, str]:
    """how → the header's value when the secret is unset where it is read or sent: JavaScript's text for undefined
    or null (Java's `"Bearer " + null` too), Python's for None (`f"Bearer {os.getenv('CRON_SECRET')}"`), or nothing
    (Ruby's nil, PHP's null, Go's unset variable). `Bearer ${""}` ends in a blank that HTTP trims (and h11 will not
    send): a bare "Bearer" is what the job reads, and what `split(" ")[1]` makes undefined."""
    if header.lower() == "authorization":
        return {"with 'Bearer undefined'": "Bearer undefined", "with 'Bearer null'": "Bearer null",
                "with 'Bearer None'": "Bearer None", "with a bare 'Bearer'": "Bearer"}
    return {f"with {header}: undefined": "undefined", f"with {header}: null": "null", f"with {header}: None": "None",
            f"with {header} empty": ""}


def wrong_secret(secret: str) -> str:
    """A random secret as long as `secret` and of its alphabet (`_ALPHABETS`: a hex secret's is hex, a base64 one's
    base64), its `=` padding as long, never `secret` itself: so a job comparing with `crypto.timingSafeEqual` (which
    throws on another length) or decoding the key strictly reaches its comparison and refuses it — the secret cut
    short, and cut at its start, are the only tokens of another length sent. Base32's and base64's last character
    leaves no bits set past the last whole byte, which a strict decoder (Go's) refuses. Nothing of the secret but its
    length and alphabet: drawn anew each run, it is no secret of the run. A passphrase's (a secret with blanks) is drawn
    from the widest alphabet, which holds no blank: none at its ends, where HTTP could not carry it."""
    body = secret.rstrip("=") or secret
    padding = secret[len(body):]
    alphabet = next(chars for chars in _ALPHABETS if set(body) <= set(chars)) if set(body) <= set(_ALPHABETS[-1]) \
        else _ALPHABETS[-1]
    last = alphabet
    for digits, bits, per_group in _BASES if alphabet not in _HEX else ():  # hex: any digit ends a whole half-byte
        if set(alphabet) <= set(digits):
            spare = len(body) * bits % 8  # bits past the last whole byte, all in the last character
            if len(body) % per_group and spare < bits:
                last = [char for char in alphabet if digits.index(char) % (1 << spare) == 0]
            break
    while True:
        drawn = "".join(_random.choice(alphabet) for _ in body[:-1]) + _random.choice(last) + padding
        if drawn != secret:
            return drawn


def near_miss(secret: str) -> str:
    """`secret` with its next-to-last character (before any `=` padding) changed for another the secret holds
    (`_stand_in`): as long, equal but for that one character, and of the secret's own alphabet — a hex secret stays
    hex, a base64 one base64, so an endpoint decoding the key refuses it rather than crashing on it. Not the last:
    base64's last character may hold bits a decoder drops (the 43rd of `token_urlsafe(32)` holds two), so an
    endpoint comparing the decoded key would take a change there as the secret itself. Almost the secret: register it
    as one before it is sent."""
    at = max(len(secret.rstrip("=")) - 2, 0)
    return secret[:at] + _stand_in(secret, secret[at]) + secret[at + 1:]


def _stand_in(secret: str, old: str) -> str:
    """Another character for `old`, from those `secret` holds: of its kind where it holds one (a digit for a digit, a
    letter for a letter of the same case), else any; the next after `old` in that order, round again to the first:
    the same for the same secret. Never `=` (where a decoder stops), nor `old`'s twin in base64's other alphabet
    (`+` for `-`, `/` for `_`: a decoder reading both reads them as one digit), nor a blank (`BLANKS`: at a value's
    end, HTTP cannot carry it). A secret of one character throughout holds no other: the next of its kind ('a' where
    it has none)."""
    held = sorted(set(secret) - {old, _TWINS.get(old), "=", *BLANKS})
    kind = next((chars for chars in _KINDS if old in chars), "")
    pool = [char for char in held if char in kind] or held
    if pool:
        return next((char for char in pool if char > old), pool[0])
    return kind[(kind.index(old) + 1) % len(kind)] if kind else "a"


def changed_inside(value: str, secret: str, *, at_end: bool) -> str:
    """`value` (a part of the secret) with one letter or digit changed for another the secret holds (`_stand_in`): as
    long, and not that part of the secret. The last of a part the secret begins with (`at_end`: the secret cut short),
    the first of a part it ends with (cut at its start), so whatever a job checks of the token's form or identity
    before comparing it — a fixed prefix (`cron_`, `sk_live_`), a key id (`<key id>.<key>`), a checksum at its end —
    reads the twin as it reads `value`, and only the content it compares differs (changed at the part's first
    character, the twin lost a prefix the cut one kept; at its middle, the key id of a token of equal halves). Both
    ends are whole groups (WHOLE_GROUPS: nothing a decoder drops); where the cut is not (an even length, a short
    secret's), the character nearest the middle, never the last, whose bits a base64 decoder may drop."""
    body = len(value.rstrip("="))
    if not body:
        return value
    if at_end and body % WHOLE_GROUPS == 0:
        order = list(range(body - 1, -1, -1))
    elif not at_end:
        order = list(range(body))
    else:
        middle = body // 2
        order = sorted(range(max(body - 1, 1)), key=lambda i: (abs(i - middle), i))
    at = next((i for i in order if value[i].isalnum()), order[0])
    return value[:at] + _stand_in(secret, value[at]) + value[at + 1:]


def cut_short(secret: str) -> str | None:
    """`secret` without its last one to eight characters, before any `=` padding (a decoder reads the key the same
    without it): cut to the largest multiple of WHOLE_GROUPS shorter than it — whole bytes of hex, whole 3-byte groups
    of base64 (no padding wanted, no bits left over) and whole 5-byte groups of base32, a text every strict decoder
    reads, so an endpoint decoding the token strictly and taking a prefix of the key takes it as well (an even length
    was not enough: 42 of `openssl rand -base64 32`'s characters want their `=` in Python's and Go's decoders, 42 of
    `token_urlsafe(32)`'s leave bits set that Go's strict one refuses). A part it begins with, the longest of whole
    groups, so a check that wants a token of some length as well takes it too. Decoded, it is fewer bytes than the
    key. Where that is shorter than the redactor masks (Redactor.MIN_LENGTH), the largest even length shorter than it
    (whole bytes of hex), else None: it could not be kept out of what an endpoint echoes. Where it would start or end
    with a blank (a passphrase's space, `BLANKS`), which HTTP cannot carry (the request would never be sent), the next
    smaller whole group that does not, so long as the redactor masks it, else None. Almost the secret: register it as
    one before it is sent."""
    unpadded = secret.rstrip("=")
    groups = range((len(unpadded) - 1) // WHOLE_GROUPS * WHOLE_GROUPS, Redactor.MIN_LENGTH - 1, -WHOLE_GROUPS)
    lengths = groups or range((len(unpadded) - 1) // 2 * 2, Redactor.MIN_LENGTH - 1, -2)
    return next((unpadded[:length] for length in lengths if _carried(unpadded[:length])), None)


def cut_at_start(secret: str) -> str | None:
    """`secret` without its first DROPPED_AT_START characters, its `=` padding kept (it belongs to its last group): a
    part it ends with, the mirror of `cut_short`. Eight keep hex, base64 and base32 aligned to whole groups, so
    decoded it is the key's last bytes: an endpoint decoding the token strictly and taking an ending of the key takes
    it as well. Where it would start with a blank (`BLANKS`: HTTP cannot carry it), a further whole group is left off,
    and another, until it does not. None where what is left, its padding aside, is shorter than the redactor masks
    (Redactor.MIN_LENGTH). Almost the secret: register it as one before it is sent."""
    for dropped in range(DROPPED_AT_START, len(secret), WHOLE_GROUPS):
        part = secret[dropped:]
        if len(part.rstrip("=")) < Redactor.MIN_LENGTH:
            return None
        if _carried(part):
            return part
    return None


def _carried(value: str) -> bool:
    """Whether HTTP carries `value` as a header value as it is: no blank at either end (`BLANKS`)."""
    return value == value.strip(BLANKS)


def gather(target, checks) -> dict[str, list]:
    plans: list[tuple[str, str, Probe]] = []
    facts: dict = {}  # and by (an item's key, LEFT_OFF) what its secretless calls left off the query, and kept
    for c in checks:
        p: Params = c.params
        url = target.url(p.service, p.path)
        sent = {"verify": target.verify_tls(p.service), "connect_s": target.timeouts.connect_s}
        if p.with_secret:
            plans.append((c.key, "with the secret", Probe(p.method, url, _auth(p.header, target.secret(p.secret)),
                                                          mutating=True, **sent)))
        else:  # no exemption for an expected rejection: a job that checks no secret runs on these too
            wrong = wrong_secret(target.secret(p.secret))  # as long: no other length but the cut ones
            # a 2xx head alone fails the item; none carries the URL's user and password, which the job may take, nor
            # a key its query holds (the job's own secret there is refused at load: `_job_secrets_in_urls`)
            refused = {**sent, "mutating": c.mutating, "judged_by_status": True, "anonymous": True}
            url, left_off, gate_kept = target.anonymous_url(p.service, p.path)
            if left_off or gate_kept:
                facts[(c.key, LEFT_OFF)] = (left_off, gate_kept)

            def without(headers: dict[str, str]) -> Probe:  # made as the scheduler's call: anyone can send that
                return Probe(p.method, url, _as_the_scheduler(headers, p.schedule), **refused)

            plans.append((c.key, "without a secret", without({})))
            plans.append((c.key, PLAIN, Probe(p.method, url, {}, **refused)))  # as anyone calls it
            plans.append((c.key, "with a wrong secret", without(_auth(p.header, wrong))))
            if target.clear_text_route(url) is None:  # almost the secret: never across the network in clear
                secret = target.secret(p.secret)
                almost = near_miss(secret)
                target.redactor.add_declared(almost)  # an endpoint echoing it would show all of the secret but one
                plans.append((c.key, NEAR_MISS, without(_auth(p.header, almost))))
                if (part := cut_short(secret)) is not None:  # as long as the other cut, so masked as surely
                    other = changed_inside(part, secret, at_end=True)
                    target.redactor.add_declared(part)  # as the near miss: all of the secret but a few characters
                    target.redactor.add_declared(other)  # ... and one changed
                    # moved to a smaller whole group (a blank would have ended it): named as what it is
                    further = len(secret.rstrip("=")) - len(part) > WHOLE_GROUPS
                    named, twin_named = CUT_PAIRS[2] if further else CUT_PAIRS[0]
                    plans.append((c.key, named, without(_auth(p.header, part))))
                    plans.append((c.key, twin_named, without(_auth(p.header, other))))
                    if (ending := cut_at_start(secret)) is not None:  # only where the cut one goes
                        twin = changed_inside(ending, secret, at_end=False)
                        target.redactor.add_declared(ending)  # all of the secret but eight characters (or more)
                        target.redactor.add_declared(twin)  # ... and one changed
                        further = len(secret) - len(ending) > DROPPED_AT_START
                        named, twin_named = CUT_PAIRS[3] if further else CUT_PAIRS[1]
                        plans.append((c.key, named, without(_auth(p.header, ending))))
                        plans.append((c.key, twin_named, without(_auth(p.header, twin))))
            plans += [(c.key, how, without({p.header: value}))
                      for how, value in unset_values(p.header).items()]
    # a rate limit that turned some away for now: asked again, once — a mutating item's never (they may run the job)
    replies = fetch_retrying(target, plans)
    for (key, how, probe), reply in zip(plans, replies):
        facts.setdefault(key, []).append((how, probe.url, reply))
    return facts


def _silent(how: str, reply: Reply) -> str:
    """A request with no answer: unanswered, never sent (the HTTP library refused it: its failure says so), or
    answered with a head whose body never came whole."""
    if reply.status is not None:
        return f"{how}: {reply.status}, but {reply.failure}"
    return f"{how}: no answer ({reply.failure})" if reply.sent else f"{how}: {reply.failure}"


def _whole_or_accepted(reply: Reply) -> bool:
    """Whether an answer can be judged: it came whole, or its head alone accepted the call (a 2xx, whatever became
    of its body)."""
    return reply.status is not None and (not reply.failure or 200 <= reply.status < 300)


def _unseen(how: str, status: int) -> str | None:
    """Why an answer shows nothing of the secret check: turned away first, or a server error."""
    if status in TURNED_AWAY:
        return f"{how}: {status} ({TURNED_AWAY[status]})"
    if status >= 500:
        return f"{how}: {status} (server error)"
    return None


# how a pass reads a pair of cut tokens' 5xx (`crashed_on_length_alone`), said after the second of the pair
CRASHED_ON_LENGTH = ("a server error to these two, shorter than the secret, one it begins with and one it does not,"
                     " and to no request but the cut ones: a crash on their length, which ran nothing, read as refused")
CRASHED_ON_LENGTH_AT_START = ("a server error to these two, shorter than the secret, one it ends with and one it does"
                              " not, and to no request but the cut ones: a crash on their length, which ran nothing,"
                              " read as refused")


def judge(check, facts) -> Outcome:
    return saying_left_off(_judge(check, facts[check.key]), *facts.get((check.key, LEFT_OFF), ()))


def _judge(check, attempts: list) -> Outcome:
    p: Params = check.params
    evidence = {how: describe_reply(url, p.method, reply) for how, url, reply in attempts}
    if p.with_secret:
        return _judge_with_secret(p, attempts[0], evidence)
    unset = unset_values(p.header)
    hows = {how for how, _, _ in attempts}
    expected = f"{p.method} {p.path} rejects callers without {p.secret} with 400, 401 or 403"
    if NEAR_MISS in hows:
        expected += f", with {p.secret} but for its next-to-last character"
    if CUT_SHORT in hows:
        expected += f", with {p.secret} without its last one to eight characters, and so cut with one more changed"
    if CUT_SHORT_FURTHER in hows:  # a blank would have ended the cut to eight or fewer
        expected += f", with {p.secret} without more than its last eight characters, and so cut with one more changed"
    if CUT_AT_START in hows:
        expected += f", with {p.secret} without its first eight characters, and so cut with one more changed"
    if CUT_AT_START_FURTHER in hows:  # a blank would have started the cut by eight
        expected += f", with {p.secret} without more than its first eight characters, and so cut with one more changed"
    if hows & set(unset):
        shown = ", ".join(repr(value) for value in unset.values())
        expected += f", and with what an unset {p.secret} reads as ({shown})"
    answered = [(how, reply) for how, _, reply in attempts if _whole_or_accepted(reply)]
    silent = [_silent(how, reply) for how, _, reply in attempts if not _whole_or_accepted(reply)]
    taken = [how for how, reply in answered if 200 <= reply.status < 300]
    # what it took when it refused no secret says how it compares: with what an unset secret reads as (where it
    # refused a random one), only the token's form (a random one as long, of its alphabet), or only part of the secret
    wrong_taken = "with a wrong secret" in taken
    guessed = {**{how: f"{p.secret} is probably unset in the deployment" for how in unset if not wrong_taken},
               "with a wrong secret": f"the endpoint checks only the token's length or form, not {p.secret} itself"
                                      " (a random one as long, of its alphabet)",
               NEAR_MISS: f"the endpoint compares only part of {p.secret} (its length, or its first characters)",
               CUT_SHORT: f"the endpoint takes a part of {p.secret} (it compares only as many characters as it is"
                          " given: the secret can be found one character at a time)",
               CUT_SHORT_CHANGED: f"the endpoint compares only part of {p.secret} (its first characters)",
               CUT_AT_START: f"the endpoint takes an ending of {p.secret} (it compares only the characters it is"
                             " given, from the end: found one character at a time)",
               CUT_AT_START_CHANGED: f"the endpoint compares only part of {p.secret} (its last characters)"}
    guessed |= {further: guessed[cut] for further, cut in zip(CUT_PAIRS[2] + CUT_PAIRS[3], CUT_PAIRS[0] + CUT_PAIRS[1])}
    checks_a_secret = all(how in guessed for how in taken)
    sent = ", ".join(f"{name}: {value}" for name, value in scheduler_headers(p.schedule).items())
    guessed_anyway = {"without a secret": f"the endpoint checks no {p.secret}, or trusts the headers Vercel's"
                                          f" scheduler calls with ({sent}), which anyone can send"}
    if "without a secret" not in taken:  # refused as the scheduler's, taken as anyone's
        guessed_anyway[PLAIN] = (f"the endpoint asks for {p.secret} only of callers saying they are Vercel's"
                                 f" scheduler ({sent}): anyone else runs the job")
    accepted = [f"{how}: accepted with {reply.status}" + (f" ({reply.failure})" if reply.failure else "")
                + (f": {guessed[how]}" if how in guessed and checks_a_secret else "")
                + (f": {guessed_anyway[how]}" if how in guessed_anyway else "")
                for how, reply in answered if 200 <= reply.status < 300]
    # a 5xx to a pair cut short (and to no other request but the other pair): refused; to the part of the secret, its
    # twin refused: taken
    cut_hows = {how for pair in CUT_PAIRS for how in pair} & hows  # the pairs sent: judged alike
    crashed = [pair for pair in CUT_PAIRS
               if crashed_on_length_alone(attempts, *pair, alike=tuple(cut_hows - set(pair)))]
    took = [pair for pair in CUT_PAIRS if took_the_cut(attempts, *pair, lambda status: status in REJECTIONS,
                                                       alike=tuple(cut_hows - set(pair)))]
    read = {how for pair in crashed for how in pair} | {cut for cut, _ in took}  # not unseen: judged
    unseen = [text for how, reply in answered if how not in read and (text := _unseen(how, reply.status))]
    problems = accepted + [f"{how}: {status_said(reply)}" for how, reply in answered
                           if not 200 <= reply.status < 300 and reply.status not in REJECTIONS
                           and not _unseen(how, reply.status)]
    for cut, twin in took:
        cut_reply, twin_reply = (next(reply for how, _, reply in attempts if how == named) for named in (cut, twin))
        problems.append(f"{cut}: {cut_reply.status} (server error), where {twin}, as long, was refused with"
                        f" {twin_reply.status}: the job took it past its check and failed after; {guessed[cut]}")
    # an answer that fails the item by itself (accepted, a 404, a 302 to a login page) fails it, whatever the others
    # answered, or if they answered at all; a refusal not seen (no answer, turned away, a server error) is undecided
    # beside the failure, never one of its reasons: a waiver or --fail-on accepts the failure, not what could not be
    # judged beside it (as webhook says)
    if problems and (silent or unseen):
        return failed(expected, "; ".join(problems), undecided=silent + unseen, **evidence)
    if silent:
        return replace(error(f"could not look: {'; '.join(silent)}", **evidence), expected=expected)
    if unseen:
        turned_away = any(retry_wait_s(reply) is not None for _, reply in answered)
        again = NOT_ASKED_AGAIN_MUTATING if check.mutating else ASKED_AGAIN
        return replace(error(f"could not look: {'; '.join(unseen)}: whether it checks {p.secret} was not seen"
                             + (f"; {again}" if turned_away else ""), **evidence), expected=expected)
    said_after = {CUT_SHORT_CHANGED: CRASHED_ON_LENGTH, CUT_AT_START_CHANGED: CRASHED_ON_LENGTH_AT_START,
                  CUT_SHORT_FURTHER_CHANGED: CRASHED_ON_LENGTH, CUT_AT_START_FURTHER_CHANGED: CRASHED_ON_LENGTH_AT_START}
    crash_said = {twin: said_after[twin] for _, twin in crashed}
    seen = " and ".join(f"{how}: {r.status}" + (f" ({crash_said[how]})" if how in crash_said else "")
                        for how, _, r in attempts)
    unsent = ""
    if NEAR_MISS not in hows:  # neither went: the requests would cross the network in clear
        unsent = f"; {PARTS_UNSENT}"
    elif not hows & set(CUTS_AT_END):  # too short to be masked, or a blank at an end of each cut
        unsent = f"; {CUT_SHORT_UNSENT}"
    elif not hows & set(CUTS_AT_START):  # so too, at its start
        unsent = f"; {CUT_AT_START_UNSENT}"
    return verdict(expected, problems, f"{seen}; {NOT_RULED_OUT}{unsent}", **evidence)


def _judge_with_secret(p: Params, attempt: tuple[str, str, Reply], evidence: dict) -> Outcome:
    how, _, reply = attempt
    rules = p.body_rules
    expected = ", ".join([f"{p.method} {p.path} with {p.secret} answers {p.wanted}",
                          *(expectations(rules)[1:] if rules else [])])  # the first is http's status
    if reply.status is None:
        return replace(error(f"could not look: {_silent(how, reply)}", **evidence), expected=expected)
    turned_away = retry_wait_s(reply) is not None  # a 429, or a 503 with Retry-After: never called again
    if reply.status in TURNED_AWAY or turned_away:  # not seen whether the job runs (a stated status is a 2xx)
        why = TURNED_AWAY.get(reply.status, "unavailable") + retry_after_said(reply)
        return replace(error(f"could not look: {how}: {reply.status} ({why}): whether the job runs was not seen"
                             + (f"; {NOT_ASKED_AGAIN}" if turned_away else ""), **evidence), expected=expected)
    problems = [] if reply.status == p.wanted else [status_said(reply)]
    body, unknown = body_problems(rules, reply) if rules else ([], [])
    if problems or body:
        return failed(expected, "; ".join(problems + body), undecided=unknown, **evidence)
    if unknown:
        return replace(error("could not look: " + "; ".join(unknown), **evidence), expected=expected)
    return passed(expected, f"status {reply.status}", **evidence)
