"""http: one request per item — status, JSON fields, body text, latency — sent concurrently.

An item judges what it states. The status is always judged: the item's `status`, or, when it
states none, any 2xx — and `expected` then says "2xx (default status)", so a fast 500 on a
latency-only item reads as what it is. A latency or a body of an error page is not the
latency or the body the runbook asks about.

JSON whose object names a key twice means what its reader chooses (JSON.parse, Python and Go take the last value):
the JSON rules are an ERROR on it, and so is a `body_includes` or `body_excludes` text naming such a key (`"ok"`, as
the body spells it or its clients decode it), found or not; a text naming none is judged as any other. Where the
keys given twice cannot be seen — JSON (or a body starting as JSON does) cut at the read limit, nested too deep or
holding an integer too long for Python to read — a text holding any quoted string is such an ERROR.
"""

from __future__ import annotations

import dataclasses
import decimal
import fnmatch
import json
import math
import re
from typing import Annotated, Any, Iterable, Iterator, Literal
from urllib.parse import quote, unquote, unquote_plus

from pydantic import AfterValidator, BeforeValidator, Field, ValidatorFunctionWrapHandler, WrapValidator, \
    field_validator, model_validator

from .. import display
from ..checklist import WrittenNumber
from ..outcome import Outcome, Status, error, failed, passed
from ..secrets import PLATFORM_GATE_PARAMETERS, without_userinfo
from ..target import SECRET_REF
from ..transports.http import NotStrictJson, UnreadableJson, BODY_LIMIT, END_READ_LIMIT, SAFE_METHODS, Probe, Reply, key_twice_said, location_shown
from ._common import StrictParams, UrlPath, _credential_in_path, holds_non_finite, reference_problem
from ._credentials import a_login_pair, a_password_run, a_public_key, a_vendors_flag, an_email_address, \
    could_be_a_token, holds_a_token, holds_no_secret, names_a_credential, names_a_description, names_a_password, \
    names_a_token, says_no_credential, shaped_as_a_credential, written_as_described
from ._credentials import CURSOR_WORDS, LOGIN_COOKIE, _a_long_key, a_pagination_cursor, a_webhooks_key, \
    a_webhooks_token, names_a_secret_value, written_as_a_time

NAME = "http"


JsonType = Literal["object", "array", "string", "number", "integer", "boolean", "null"]
DEFAULT_STATUS = "2xx (default status)"
AUTH_REQUIRED = frozenset({401, 403})  # an item expecting only these shows a path refuses callers without credentials


def _exact_path(value: str) -> str:
    if not value or any(ch in value for ch in "*?[]"):
        raise ValueError(f"{value!r}: give an exact dotted path (globs are accepted in `json` only)")
    return value


def _finite(value: float | int) -> float | int:
    if isinstance(value, float) and not math.isfinite(value):  # an int always is (and may be past a float's range)
        raise ValueError("must be a finite number")
    return value


def _as_written(value: Any, handler: ValidatorFunctionWrapHandler) -> int | float:
    """A JSON bound as the checklist wrote it: an integer stays one (2^53 + 1 has no float), and a number YAML reads
    as a float keeps its text (a WrittenNumber), to be compared exactly and shown as written."""
    checked = handler(value)
    return value if isinstance(value, WrittenNumber) else checked


def _status_code(value: int) -> int:
    if not 100 <= value <= 599:
        raise ValueError(f"{value} is not an HTTP status code")
    if value < 200:  # the client reads on past it to the final answer, so it could never be the one judged
        raise ValueError(f"{value} is an interim answer, never a request's final status (a 101 switching to a "
                         "WebSocket is not probed by this family): give the final status expected, 200 to 599")
    return value


HTTP_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # an HTTP field name (RFC 9110 token)
_TOKEN = re.compile(HTTP_TOKEN)


# headers HTTP itself reads, never the endpoint (cron refuses them for its secret's header, too)
READ_BY_HTTP = {
    "content-length": "frames the request's body", "transfer-encoding": "frames the request's body",
    "host": "names the site the request is for",
    "expect": "asks the server for an interim answer (a value it does not know gets 417)",
    # hop-by-hop (RFC 9110 7.6.1): a proxy or platform edge on the way removes them
    **dict.fromkeys(("connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"),
                    "is hop-by-hop: a proxy or platform edge on the way removes it"),
}


def _header_name(name: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"{name[:60]!r} is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~: "
                         "no space, colon or other character)")
    why = READ_BY_HTTP.get(name.lower())
    if why:  # a GET with `content-length: 3` is cut short; `transfer-encoding: chunked` reads as request smuggling
        raise ValueError(f"{name.lower()} {why}, so HTTP reads it, not the endpoint, and a value written here cuts "
                         "the request short or reshapes it; leave it out of headers: the HTTP client sets what the "
                         "request needs")
    return name


def _header_value(value: str) -> str:
    """What HTTP/1.1 carries: visible ASCII, with spaces and tabs between (RFC 9110's field-value). Anything
    else could never be sent: refused here, not sent to fail as "no answer"."""
    odd = next((ch for ch in value if not (" " <= ch <= "~" or ch == "\t")), None)
    if odd is not None and odd.isascii():  # CR, LF, NUL and the other controls
        kind = "a line break" if odd in "\r\n" else "a control character"
        raise ValueError(f"holds {kind} ({odd!r}): a header value is one line of visible text")
    if odd is not None:
        raise ValueError(f"{odd!r} is not ASCII, and a header value is sent as ASCII: it cannot be sent as written; "
                         f"percent-encode it ({odd} is {quote(odd)}) if the endpoint decodes that, or leave it out")
    if value != value.strip(" \t"):
        raise ValueError("starts or ends with a space or tab, which HTTP does not carry: remove it")
    problem = reference_problem(value)
    if problem:
        raise ValueError(problem)
    return value


COOKIE_HEADERS = ("cookie", "set-cookie")


def _literal_cookie(text: str) -> bool:
    """Whether a cookie header carries a login as written: a pair whose name is a login's (`PHPSESSID=…`) holding what
    could be a token (`remember_me=false` holds none), one named as a password's holding anything but a short number
    or words saying none (`bb_password=P@ssw0rd!`; `remember_password=1` holds none), or a token beside a pair's or a
    bare value's {secret:…} (`PHPSESSID={secret:S}deadbeef1234`). Its own name, cookie, says nothing:
    `NEXT_LOCALE=de` or `_ga=GA1.2.…` is none."""
    for pair in text.split(";"):
        name, equals, value = pair.partition("=")
        cited = SECRET_REF.search(pair)
        if equals and not cited and a_login_pair(name.strip(), value):
            return True
        if equals and not cited and value.strip() and names_a_password(name.strip()) and \
                not holds_no_secret(value.strip()):
            return True
        if (cited or not equals) and holds_a_token(SECRET_REF.sub(" ", value if equals else pair)):
            return True
    return False


# a URL written in a header's value (a callback's `X-Notify-Url`, a `Link`'s `<…>`)
URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"']+", re.IGNORECASE)


def _urls_in(text: str) -> list[str]:
    """The URLs a header's value holds, as written and, written percent-encoded whole (`https%3A%2F%2Fhooks…`, a
    callback's URL as a query would carry it), decoded once."""
    decoded = unquote(text) if re.search(r"%3A%2F%2F", text, re.IGNORECASE) else ""
    return URL_IN_TEXT.findall(text) + URL_IN_TEXT.findall(decoded)


def _literal_credential(name: str, text: str) -> bool:
    """Whether a header's value, its {secret:…} references aside, carries a credential as written: a key its vendor
    gives out (`pk_live_…`) is none."""
    rest = SECRET_REF.sub(" ", text)
    if a_public_key(text):
        return False
    if shaped_as_a_credential(rest) or any(map(_credential_in_url, _urls_in(rest))):
        return True
    if name.lower() in COOKIE_HEADERS:  # each pair by its name: `_ga=GA1.2.…` is none, `session=…` one
        return _literal_cookie(text)
    if names_a_token(name) and holds_a_token(rest):
        return True
    if not names_a_credential(name):
        return False
    if SECRET_REF.search(text):
        return holds_a_token(rest)
    return not (a_vendors_flag(name, text) or an_email_address(name, text) or says_no_credential(text) or
                _a_description(name, text))


# a URL in a header's value is another's address, not this request's path (a Referer's, a Link's, a callback's): it
# holds a credential by a credential's shape (a webhook's key, a JWT, `ghp_…`), a password in its user info, a value
# under a name saying its value is a secret (`?password=`, `?access_token=`, a presigned URL's `?X-Amz-Signature=` or
# `?sig=`, `?api_key=`), a key or a credential's word holding a run of 20 letters and digits (`?key=…`, `?auth=…`) or a
# session's name holding one as long as a session's id (`;jsessionid=<32 hex>`) — not a storefront's short
# `?_sid=3f2c9a1b7` nor a page's cursor (`?page_token=`, `?next_token=`: opaque base64, yet no credential's shape)
SHORTEST_KEY_IN_URL = 20
# an authority as URLs write a host: a name or an IPv6 address, and a port of digits; one that is none (`deploy:Xy7`
# of `https://deploy:Xy7#kLm9Qz@proxy:3128/`) is a user's and a password cut at a `#`, `/` or `?` it holds unescaped,
# which lenient clients read to the last `@`
HOST_AND_PORT = re.compile(r"(?:[\w.~%-]*|\[[0-9a-f:.]+\])(?::\d*)?", re.IGNORECASE)


def _credential_in_url(url: str) -> bool:
    """Whether a URL holds a credential as written, whatever header it is under: a password in its user info, or one
    in its path, query or fragment by its shape or by a secret's name (a webhook's key, Google Chat's `?token=…`,
    `?access_token=…`); a session's short id or a page's cursor is none."""
    user_info, path = _user_info_and_path(url.partition("://")[2])
    if ":" in user_info:
        return True
    sent, hashed, fragment = path.partition("#")
    written, _, query = sent.partition("?")
    if a_webhooks_token(unquote(sent)) or a_webhooks_key(unquote(written)):
        return True
    for segment in written.split("/"):
        segment, *parameters = segment.split(";")
        if shaped_as_a_credential(unquote(segment)) or any(map(_secret_in_pair, parameters)):
            return True
    pieces = re.split(r"[&;]", query) + ([*re.split(r"[&;?/]", fragment), *re.split(r"[&;?/]", unquote(fragment))]
                                         if hashed else [])
    return any(_secret_in_pair(piece) or shaped_as_a_credential(unquote(piece)) for piece in pieces)


def _user_info_and_path(rest: str) -> tuple[str, str]:
    """A URL's user info and what follows its host, the scheme taken off: the user info ends at the last `@` of the
    authority, or, the authority no host (`deploy:Xy7` of `deploy:Xy7#kLm9Qz@proxy:3128/`), at the last `@` of all."""
    authority = re.split(r"[/?#]", rest)[0]
    if "@" in authority or "@" not in rest or HOST_AND_PORT.fullmatch(authority):
        return authority.rpartition("@")[0], rest[len(authority):]
    at = rest.rindex("@")
    host = re.split(r"[/?#]", rest[at + 1:])[0]
    return rest[:at], rest[at + 1 + len(host):]


def _names_a_cursor(name: str) -> bool:
    """Whether a query parameter is a page's cursor by its name: a cursor's word and token or cursor last
    (`page_token`, `nextPageToken`, `continuation-token`, `cursor`; `next` alone is a redirect's)."""
    camel_apart = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)  # pageToken as page_token
    words = [word for word in re.split(r"[^a-z0-9]+", camel_apart.lower()) if word]
    return bool(words) and words[-1] in ("token", "cursor") and bool(set(words) & CURSOR_WORDS)


def _secret_in_pair(pair: str, nested: bool = True) -> bool:
    """Whether a URL's `name=value` holds a secret (`access_token=…`, `X-Amz-Signature=…`, `;jsessionid=<32 hex>`), or,
    its value a path or URL (`next=/cb?access_token=…`), that one's query or fragment does, read once."""
    name, equals, value = (unquote_plus(part) for part in pair.partition("="))
    if not (equals and value) or a_public_key(value):
        return False
    if shaped_as_a_credential(value):
        return True
    if a_pagination_cursor(name, value) or _names_a_cursor(name):
        return False  # a page's cursor, opaque but for its shape
    if names_a_secret_value(name) and not holds_no_secret(value):
        return True
    long_key = _a_long_key(value, SHORTEST_KEY_IN_URL)
    if long_key and (name.lower() == "key" or names_a_credential(name) or LOGIN_COOKIE.search(name.lower())):
        return True
    if nested and re.match(r"(?:[a-z][a-z0-9+.-]*:)?/", value, re.IGNORECASE):
        sent, hashed, fragment = value.partition("#")
        inner = re.split(r"[&;]", sent.partition("?")[2]) + (re.split(r"[&;?/]", fragment) if hashed else [])
        return any(_secret_in_pair(piece, nested=False) for piece in inner)
    return False


def _a_description(name: str, text: str) -> bool:
    """Whether a value under a name saying it describes a credential (X-Token-Type, X-Session-Affinity, X-Key-Id,
    X-Auth-Request-Redirect) carries none: nothing that could be a token (as a path's query is judged, but from 6
    letters and digits holding both: `hunter2` could be a password), no one run of 8 or more but a word of a closed list
    (`correcthorsebat` is refused, `kerberos` loads), and, a URL, no user or password in it and no
    credential in its path, query or fragment. Anything else with a `:` or `@` (`deploy:hunter2`) could be a login —
    but a value written as the name says (a user's address, an ISO 8601 time: `written_as_described`)."""
    if written_as_a_time(name, text):  # an expiry as HTTP or Unix writes one too (`Thu, 31 Dec 2026 23:59:59 GMT`)
        return True
    if not names_a_description(name):
        return False
    if written_as_described(name, text):
        return True
    if could_be_a_token(text, shortest=6) or a_password_run(name, text):
        return False
    if text.startswith("/"):
        return _credential_in_path(text) is None
    scheme, separator, rest = text.partition("://")
    if not separator:
        return ":" not in text and "@" not in text
    authority, slash, path = rest.partition("/")
    authority = re.split(r"[?#]", authority)[0]
    return re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme, re.IGNORECASE) is not None and "@" not in authority and \
        _credential_in_path("/" + path if slash else "/" + rest[len(authority):]) is None


def _cited_example(name: str, text: str) -> str:
    if name.lower() in COOKIE_HEADERS:
        return f"'{name}: session={{secret:SESSION}}'"
    if _urls_in(SECRET_REF.sub(" ", text)):  # a URL is cited whole, as an environment keeps one (no `Bearer` in it)
        return f"'{name}: {{secret:URL}}'"
    return f"'{name}: Bearer {{secret:API_TOKEN}}'"


HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[str, AfterValidator(_header_value)]
ExactPath = Annotated[str, AfterValidator(_exact_path)]
Bound = Annotated[float, AfterValidator(_finite)]
JsonBound = Annotated[int | float, AfterValidator(_finite), WrapValidator(_as_written)]
StatusCode = Annotated[int, AfterValidator(_status_code)]


def _null_is_quoted(value: Any) -> Any:
    bare = [path for path, kind in value.items() if kind is None] if isinstance(value, dict) else []
    if bare:  # YAML reads `n: null` as no value at all, not as the type's name
        raise ValueError(f"{bare[0]}: null is YAML's empty value; to ask for a JSON null, quote the type: "
                         f"{bare[0]}: \"null\"")
    return value


# paths that must exist (of this type)
JsonHas = Annotated[list[ExactPath] | dict[ExactPath, JsonType], BeforeValidator(_null_is_quoted)]


def _not_json(value: Any) -> str:
    """What of an expected value JSON has no type for (a YAML date, bytes, a set), named; "" when it is all JSON."""
    if value is None or isinstance(value, str | bool | int | float):
        return ""
    if isinstance(value, list):
        return next(filter(None, map(_not_json, value)), "")
    if isinstance(value, dict):
        return next(filter(None, (_not_json(key) if not isinstance(key, str) else "" for key in value)), "") or \
            next(filter(None, map(_not_json, value.values())), "")
    return f"a {type(value).__name__} ({value!r:.40})"


class Params(StrictParams):
    service: str
    path: UrlPath
    method: str = "GET"
    headers: dict[HeaderName, HeaderValue] = {}
    status: StatusCode | Annotated[list[StatusCode], Field(min_length=1)] | None = None  # None: any 2xx
    json_fields: dict[str, Any] = Field(default={}, alias="json")  # `json` in checklists
    json_has: JsonHas = []
    json_max: dict[ExactPath, JsonBound] = {}  # numeric JSON fields at most this (e.g. a reported DB ping)
    json_min: dict[ExactPath, JsonBound] = {}  # numeric JSON fields at least this
    body_excludes: list[Annotated[str, Field(min_length=1)]] = []
    body_includes: list[Annotated[str, Field(min_length=1)]] = []
    max_latency_ms: Annotated[Bound, Field(gt=0)] | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        """A method's name (an HTTP token: GET, PROPFIND), read in capitals. One with a blank around it is said so:
        refused later as an unsafe method, the blank unseen, it read as a method the item must mark mutating."""
        if value.strip() != value and re.fullmatch(HTTP_TOKEN, value.strip()):
            raise ValueError(f"{value!r} has a blank before or after the method's name: write {value.strip().upper()}")
        if not re.fullmatch(HTTP_TOKEN, value):
            raise ValueError(f"{value!r} is no HTTP method's name: write one word, as GET, HEAD or POST")
        return value.upper()

    @field_validator("headers")
    @classmethod
    def _credentials_cited(cls, value: dict[str, str]) -> dict[str, str]:
        """A credential written into the checklist would be sent, shown and archived as written (the environment
        refuses one written into its file alike): a header that carries one cites it as {secret:NAME}."""
        for name, text in value.items():
            if _literal_credential(name, text):
                raise ValueError(f"{name}: a credential written into the checklist would be sent, shown and archived "
                                 "as written; cite it from the environment's secrets: {secret:NAME} (e.g. "
                                 f"{_cited_example(name, text)})")
        return value

    @model_validator(mode="after")
    def _readable(self) -> "Params":
        body_rules = [name for name, on in (("json", self.json_fields), ("json_has", self.json_has),
                                            ("json_max", self.json_max), ("json_min", self.json_min),
                                            ("body_includes", self.body_includes),
                                            ("body_excludes", self.body_excludes)) if on]
        given_empty = [name for name, field in (("json", "json_fields"), ("json_has", "json_has"),
                                                ("json_max", "json_max"), ("json_min", "json_min"),
                                                ("body_includes", "body_includes"), ("body_excludes", "body_excludes"))
                       if field in self.model_fields_set and not getattr(self, field)]
        if given_empty:  # written, yet judging nothing: a rule whose entries were lost
            raise ValueError(f"{', '.join(given_empty)} given empty: name what to check, or leave it out")
        globbed = [path for path, wanted in self.json_fields.items() if _glob(path) and isinstance(wanted, dict)]
        if globbed:  # a glob matches fields, never objects: it could not pass
            raise ValueError(f"json: {globbed[0]} is a glob with an object value; give the object's exact path,"
                             " or the fields' dotted paths (db.ok: true)")
        not_json = [path for path, wanted in self.json_fields.items() if _not_json(wanted)]
        if not_json:  # a YAML date, !!binary or !!set: no JSON body holds one, and it cannot be shown as JSON
            raise ValueError(f"json: {not_json[0]} expects {_not_json(self.json_fields[not_json[0]])}, which JSON has"
                             " not: quote it ('2026-01-01') to expect the text")
        unmatchable = [path for path, wanted in self.json_fields.items() if holds_non_finite(wanted)]
        if unmatchable:  # JSON has no NaN or infinity: a body saying one is refused, so this could never be judged
            raise ValueError(f"json: {unmatchable[0]} expects a value that is not a finite number; JSON has none")
        if self.method == "HEAD" and body_rules:
            raise ValueError(f"a HEAD answer has no body: {', '.join(body_rules)} need GET")
        for path in set(self.json_min) & set(self.json_max):
            if exactly(self.json_min[path]) > exactly(self.json_max[path]):
                raise ValueError(f"json_min of {path} is above its json_max: no value could pass")
        return self

    @property
    def statuses(self) -> list[int] | None:
        """The accepted statuses, or None for the default (any 2xx)."""
        if self.status is None:
            return None
        return [self.status] if isinstance(self.status, int) else list(self.status)

    @property
    def json_types(self) -> dict[str, str | None]:
        if isinstance(self.json_has, dict):
            return dict(self.json_has)
        return {path: None for path in self.json_has}

    @property
    def expects_auth_required(self) -> bool:
        """Every accepted status asks for credentials (401, 403): the item shows the path refuses anonymous callers."""
        return self.statuses is not None and set(self.statuses) <= AUTH_REQUIRED

    def accepts(self, status: int) -> bool:
        return 200 <= status < 300 if self.statuses is None else status in self.statuses

    @property
    def wanted_status(self) -> str:
        return DEFAULT_STATUS if self.statuses is None else " or ".join(map(str, self.statuses))


def needs(params: Params) -> tuple[str, ...]:
    """The URL, and every secret a header cites: a missing one skips this item, not its neighbours."""
    cited = sorted({name for value in params.headers.values() for name in SECRET_REF.findall(value)})
    return ("url", *(f"secret:{name}" for name in cited))


def validate_item(params: Params, mutating: bool) -> list[str]:
    if params.method not in SAFE_METHODS and not mutating:
        return [f"params.method: {params.method} is not a safe method; mark the item mutating: true"]
    return []  # (a method a header or `_method=` names is every family's rule: checklist._method_overrides)


def gather(target, checks) -> dict:
    """Each item's (url sent, reply) by its key; and by (its key, LEFT_OFF) the query parameters its request, sent
    without credentials, left off and the platform's gate keys it kept (`Target.anonymous_url`), where there are any."""
    probes, facts = [], {}
    for c in checks:
        # refused for the URL's user and password, or a key in its query, such a request proved nothing
        anonymous = c.params.expects_auth_required
        if anonymous:
            url, left_off, gate_kept = target.anonymous_url(c.params.service, c.params.path)
            if left_off or gate_kept:
                facts[(c.key, LEFT_OFF)] = (left_off, gate_kept)
        else:
            url = target.url(c.params.service, c.params.path)
        probes.append(Probe(
            method=c.params.method,
            url=url,
            headers=target.fill_secrets(c.params.headers),
            mutating=c.mutating,
            verify=target.verify_tls(c.params.service),
            connect_s=target.timeouts.connect_s,
            anonymous=anonymous,
            # a body past the bytes read is read on to its end (counted, not kept) for as long as the bound allows
            end_within_s=None if c.params.max_latency_ms is None else c.params.max_latency_ms / 1000,
        ))
    replies = target.fetch_all(probes)
    return facts | {c.key: (probe.url, reply) for c, probe, reply in zip(checks, probes, replies)}


LEFT_OFF = "left off"  # the facts' key, beside an item's, of the query parameters its anonymous requests left off
# (and of the platform's gate keys they kept)


def left_off_said(names: tuple[str, ...]) -> str:
    """What an item says of the query parameters its requests without credentials left off (names, never values)."""
    listed = f"parameters {', '.join(names)}: each holds" if len(names) > 1 else f"parameter {names[0]}: it holds"
    return f"sent without the URL's query {listed} a secret, and a request meant to go without credentials carries none"


def gate_kept_said(names: tuple[str, ...]) -> str:
    """What an item says of the platform's gate keys its requests without credentials kept (names, never values)."""
    listed = f"parameters {', '.join(names)}" if len(names) > 1 else f"parameter {names[0]}"
    platforms = ", ".join(dict.fromkeys(PLATFORM_GATE_PARAMETERS[name] for name in names))
    return (f"sent with the URL's query {listed}: the hosting platform's gate key ({platforms}), not the app's "
            "credential; without it the platform, not the app, would refuse the request")


def saying_left_off(outcome: Outcome, left_off: tuple[str, ...] = (), gate_kept: tuple[str, ...] = ()) -> Outcome:
    """`outcome` saying in its evidence, and a failure in what it observed as well, the query parameters its requests
    without credentials left off, and the platform's gate keys they kept: a reader of a 200 to such a request must
    know what it lacked, and what it carried."""
    said = {key: text for key, text in (("sent_without", left_off and left_off_said(left_off)),
                                        ("sent_with", gate_kept and gate_kept_said(gate_kept))) if text}
    if not said:
        return outcome
    observed = ("; ".join((outcome.observed, *said.values())) if outcome.status is Status.FAILED
                else outcome.observed)
    return dataclasses.replace(outcome, observed=observed, evidence={**outcome.evidence, **said})


# -- JSON ------------------------------------------------------------------------------------
def flatten(data: Any) -> list[tuple[tuple[str, ...], Any]]:
    """Every value inside the top object as (its keys from the top, value), objects included, in document order.
    Walked without recursion: a body may nest as deep as the parser goes."""
    found: list[tuple[tuple[str, ...], Any]] = []
    stack = [((key,), value) for key, value in reversed(data.items())] if isinstance(data, dict) else []
    while stack:
        keys, value = stack.pop()
        found.append((keys, value))
        if isinstance(value, dict):
            stack.extend(((*keys, key), inner) for key, inner in reversed(value.items()))
    return found


_MISSING = object()


class AmbiguousPath(ValueError):
    """A dotted path the body holds two ways (`{"a": {"b": 1}, "a.b": 2}`): which field it names is the body's
    choice, so neither is judged."""


def resolutions(document: Any, path: str, most: int = 2) -> list[tuple[tuple[str, ...], Any]]:
    """Up to `most` ways to read a dotted path as keys through objects that the body holds, each with its value: a
    key may hold a dot, so `checks.db.ping` is `checks` then `db.ping`, or `checks`, `db`, `ping`. Walked without
    recursion, each value of the body at most once (its keys from the top say how much of the path it took)."""
    parts = path.split(".")
    found: list[tuple[tuple[str, ...], Any]] = []
    stack: list[tuple[tuple[str, ...], Any, int]] = [((), document, 0)]
    while stack and len(found) < most:
        keys, value, start = stack.pop()
        if start == len(parts):
            found.append((keys, value))
        elif isinstance(value, dict):
            for end in range(len(parts), start, -1):  # the longest key pushed first: keys split at every dot come first
                key = ".".join(parts[start:end])
                if key in value:
                    stack.append(((*keys, key), value[key], end))
    return found


def lookup(document: Any, path: str) -> Any:
    """The value at a dotted path through JSON objects, or _MISSING; AmbiguousPath when the body holds it two ways."""
    found = resolutions(document, path)
    if len(found) > 1:
        ways = " and ".join(" → ".join(json.dumps(key) for key in keys) for keys, _ in found)
        raise AmbiguousPath(f"JSON path {path} is ambiguous: the body holds both {ways}")
    return found[0][1] if found else _MISSING


def _values(document: Any, paths: Iterable[str], unknown: list[str]) -> Iterator[tuple[str, Any]]:
    """Each path with its value (or _MISSING); a path the body holds two ways is said in `unknown` and skipped."""
    for path in paths:
        try:
            yield path, lookup(document, path)
        except AmbiguousPath as exc:
            unknown.append(str(exc))


def same(value: Any, wanted: Any) -> bool:
    """JSON equality that keeps booleans apart from numbers (Python says True == 1), inside objects and
    lists too; it goes only as deep as `wanted`, which the checklist wrote."""
    if isinstance(wanted, dict):
        return (isinstance(value, dict) and value.keys() == wanted.keys()
                and all(same(value[key], inner) for key, inner in wanted.items()))
    if isinstance(wanted, list):
        return isinstance(value, list) and len(value) == len(wanted) and all(map(same, value, wanted))
    if isinstance(value, bool) or isinstance(wanted, bool):
        return type(value) is type(wanted) and value == wanted
    return value == wanted


def shown(value: Any) -> str:
    try:
        return json.dumps(value)  # NaN and Infinity come out as they were sent
    except RecursionError:  # json.dumps recurses; the parser may have gone deeper
        return f"{_article(json_type(value))} nested too deep to show"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    return "number"


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def type_problem(value: Any, wanted: str) -> str | None:
    """Why `value` is not of JSON type `wanted` (None when it is); NaN and Infinity are no numbers."""
    actual = json_type(value)
    if _non_finite(value):
        return f"is {shown(value)}, not {'a finite number' if wanted in ('number', 'integer') else _article(wanted)}"
    if wanted == "integer" and actual == "number":
        return None if isinstance(value, int) or value.is_integer() else "has a fraction, not an integer"
    if actual != wanted:
        return f"is {_article(actual)}, not {_article(wanted)}"
    return None


def _article(kind: str) -> str:
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


def _glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def json_problems(document: Any, expected: dict[str, Any], unknown: list[str]) -> list[str]:
    """Each path's value equals the wanted one; an object or list must equal it whole. A path is read as `lookup`
    reads it (json_has's, json_max's): keys through objects whose names, joined by dots, are the path. A glob
    matches every value but a non-empty object whose keys, joined so, it matches — each of which must equal the
    wanted one, so a body holding one path two ways chooses nothing (its `*` crosses dots: `w.*` means every field
    anywhere under `w`)."""
    problems = []
    for path, value in _values(document, [path for path in expected if not _glob(path)], unknown):
        if value is _MISSING:
            problems.append(f"JSON field {path} is missing")
        elif not same(value, expected[path]):
            problems.append(f"{path} = {shown(value)}")
    flat = [(".".join(keys), value) for keys, value in flatten(document)] if any(map(_glob, expected)) else []
    for path, wanted in expected.items():
        if not _glob(path):
            continue
        # an empty object is a value too: a check reporting nothing (`"cache": {}`) is no check that is ok
        matches = [(name, value) for name, value in flat
                   if not (isinstance(value, dict) and value) and fnmatch.fnmatchcase(name, path)]
        if not matches:
            problems.append(f"no JSON field matches {path}")
        problems += [f"{name} = {shown(value)}" for name, value in matches if not same(value, wanted)]
    return problems


def json_has_problems(document: Any, types: dict[str, str | None], unknown: list[str]) -> list[str]:
    problems = []
    for path, value in _values(document, types, unknown):
        if value is _MISSING:
            problems.append(f"JSON field {path} is missing")
        elif types[path] is not None and (why := type_problem(value, types[path])):
            problems.append(f"{path} {why}")
    return problems


def exactly(bound: int | float) -> decimal.Decimal:
    """A bound as the number written (`WrittenNumber.exact`): 1.0e-400 is no 0, 2^53 + 1 no 2^53."""
    if isinstance(bound, WrittenNumber):
        return bound.exact()
    return decimal.Decimal(bound if isinstance(bound, int) else repr(bound))


def _limit(bound: int | float, value: Any) -> Any:
    """What a JSON number is compared with, as sql compares a float8 with a bound: a float with the float nearest the
    number written (a body's 0.1 is within json_max 0.1), else the number written, exactly."""
    exact = exactly(bound)
    if isinstance(value, float) and isinstance(bound, float) and (bound or not exact):
        return bound
    return exact


def written(bound: int | float) -> str:
    """A bound as the checklist wrote it (250123456, not 2.50123e+08)."""
    return bound.written if isinstance(bound, WrittenNumber) else str(bound) if isinstance(bound, int) else repr(bound)


def json_bound_problems(document: Any, bounds: dict[str, int | float], unknown: list[str], *,
                        upper: bool) -> list[str]:
    problems = []
    for path, value in _values(document, bounds, unknown):
        bound = bounds[path]
        if value is _MISSING:
            problems.append(f"JSON field {path} is missing")
        elif json_type(value) != "number":
            problems.append(f"{path} is {_article(json_type(value))}, not a number")
        elif _non_finite(value):
            problems.append(f"{path} is {shown(value)}, not a finite number")
        elif (value > _limit(bound, value)) if upper else (value < _limit(bound, value)):
            problems.append(f"{path} = {shown(value)}")
    return problems


def redirected_to(reply: Reply) -> str:
    """Where a 3xx answer sends its caller (its Location, cut, without a user and password; its secret-looking
    parts were learned as the reply came, see Target.fetch_all), or "": a 302 to a login page says why it is no
    200."""
    return location_shown(reply)


def status_said(reply: Reply) -> str:
    """`status 302 (to /login)`: the status, and where a redirect points."""
    to = redirected_to(reply)
    return f"status {reply.status}" + (f" (to {to})" if to else "")


def describe_reply(url: str, method: str, reply: Reply, read_limit: int = BODY_LIMIT) -> dict[str, Any]:
    return {
        "request": f"{method} {without_userinfo(url)}",  # never the user and password the service's URL holds
        "status": reply.status,
        **({"location": to} if (to := redirected_to(reply)) else {}),
        "elapsed_ms": reply.elapsed_ms,
        **({"first_attempt": reply.first_attempt} if reply.first_attempt else {}),
        "body_start": display.cut(reply.text, BODY_START_KEPT),  # marked: a secret cut there is masked
        **({"body_read": reply.read_as} if reply.read_as else {}),
        **({"failure": reply.failure} if reply.failure else {}),
        **({"truncated_at_bytes": read_limit} if reply.truncated else {}),
        **({"body_end": body_end_said(reply)} if reply.body_end else {}),
        **({"after_reply": f"{reply.unasked_bytes} bytes no request asked for followed this reply on its connection, "
                           "which was closed rather than reused"} if reply.unasked_bytes else {}),
    }


def body_end_said(reply: Reply) -> str:
    """How the end of a body longer than the bytes read went, where it was waited for (`Reply.body_end`)."""
    return {"came": f"came after {reply.body_bytes} bytes in all (read on, not kept): elapsed_ms is to it",
            "late": f"still coming after {reply.body_bytes} bytes when max_latency_ms had passed: not waited for",
            "capped": f"not reached within {END_READ_LIMIT} bytes, the most read to find it"}[reply.body_end]


# -- judging ---------------------------------------------------------------------------------
def expectations(p: Params) -> list[str]:
    out = [f"{p.method} {p.path} answers {p.wanted_status}"]
    if p.json_fields:
        out.append("JSON " + ", ".join(f"{k}={json.dumps(v)}" for k, v in p.json_fields.items()))
    if p.json_has:
        out.append("JSON has " + ", ".join(f"{k} ({t})" if t else k for k, t in p.json_types.items()))
    if p.json_min:
        out.append("JSON " + ", ".join(f"{k} ≥ {written(v)}" for k, v in p.json_min.items()))
    if p.json_max:
        out.append("JSON " + ", ".join(f"{k} ≤ {written(v)}" for k, v in p.json_max.items()))
    out += [f"body contains '{text}'" for text in p.body_includes]
    out += [f"body without '{text}'" for text in p.body_excludes]
    if p.max_latency_ms is not None:
        out.append(f"within {p.max_latency_ms:g} ms")
    return out


def body_problems(p: Params, reply: Reply) -> tuple[list[str], list[str]]:
    """(problems, what could not be judged): a body cut at the read limit, or one its charset cannot read,
    proves no absence."""
    problems: list[str] = []
    unknown: list[str] = []
    cut = f"the body is longer than the {BODY_LIMIT} bytes read"
    if reply.status == 206 and not reply.misread:  # a part of the body: what it holds is seen, what it lacks is not
        said = reply.header("content-range")
        said = f" ({display.cut(said, 60)})" if said else ""
        reply = dataclasses.replace(reply, misread=f"the reply is 206 Partial Content{said}, a part of the body")
    if p.json_fields or p.json_has or p.json_min or p.json_max:
        if reply.truncated:
            unknown.append(f"{cut}; its JSON was not judged")
        elif reply.misread:
            unknown.append(f"{reply.misread}; its JSON was not judged")
        else:
            try:
                document = reply.json()
            except UnreadableJson as exc:
                unknown.append(f"its JSON was not judged: {exc}")
            except NotStrictJson as exc:  # Python's reader takes it; no JSON client does
                problems.append(f"body is not JSON ({exc})")
            except ValueError:
                problems.append("body is not JSON")
            else:
                ambiguous: list[str] = []
                problems += json_problems(document, p.json_fields, ambiguous)
                problems += json_has_problems(document, p.json_types, ambiguous)
                problems += json_bound_problems(document, p.json_min, ambiguous, upper=False)
                problems += json_bound_problems(document, p.json_max, ambiguous, upper=True)
                unknown += dict.fromkeys(ambiguous)  # a path two rules name is said once
    # A text naming a key an object gives twice is judged by neither text rule: which value counts is the reader's
    # choice (JSON.parse, Python and Go take the last, others the first or refuse the body), so `"ok":true` found as
    # written is no proof a client reads ok=true — nor `"ok":false` found proof it reads ok=false (`body_excludes`:
    # the same choice, the target's to make) — and a text's absence as written is no proof of its absence from what
    # a client reads (`{"ok":true,"n":1,"ok":false}` parsed and written again is `{"ok":false,"n":1}`). As the JSON
    # rules say of such a body, an ERROR naming the key; a key given twice that the text does not name changes nothing.
    # Where the body is JSON (or starts as JSON does) not read whole — cut at the read limit, nested deeper or holding
    # an integer longer than Python reads, which JSON.parse reads all the same — which keys it gives twice was not
    # seen: a text that may name a key (holds a quoted string, `_key_named`) is an ERROR saying so, never judged.
    quoting = any('"' in text for text in p.body_includes + p.body_excludes)
    spelled_twice = _keys_twice_spelled(reply) if quoting else {}
    not_whole = _json_not_read_whole(reply) if quoting else ""
    for text in p.body_includes:
        if twice := _named_twice(spelled_twice, text):
            unknown.append(f"'{text}' was not judged: {key_twice_said(twice)}")
            continue
        if not_whole and (key := _key_named(text)):
            unknown.append(_twice_unseen(text, key, not_whole))
            continue
        if text in reply.text or _in_json_reading(reply, text, syntax_quotes=True) is not None:
            continue
        if reply.truncated:
            unknown.append(f"'{text}' not in the first {BODY_LIMIT} bytes")
        elif reply.misread:
            unknown.append(f"{reply.misread}; '{text}' may be in it")
        elif _unread_bytes_may_hold(reply.text, text):
            unknown.append(f"{UNREAD_BYTES}; '{text}' may be in them")
        else:
            problems.append(f"body lacks '{text}'")
    for text in p.body_excludes:
        if twice := _named_twice(spelled_twice, text):
            unknown.append(f"'{text}' was not judged: {key_twice_said(twice)}")
        elif not_whole and (key := _key_named(text)):
            unknown.append(_twice_unseen(text, key, not_whole))
        elif text in reply.text:
            problems.append(f"body contains '{text}' {_where_found(reply.text, text)}")
        elif text in reply.other_text:  # what another reader takes it for (a browser, a JSON client)
            problems.append(f"body contains '{text}' {_where_found(reply.other_text, text)}, read"
                            f" {reply.other_read_as}")
        elif found := _in_json_string(reply, text):  # `\u00e9chec`: every JSON client reads `échec`
            at, end = found
            past = " (past the 300 the evidence keeps)" if end > BODY_START_KEPT else ""
            problems.append(f"body contains '{text}' in the JSON string at character {at}{past}, read as a JSON"
                            " client decodes its escapes")
        elif found := _in_json_reading(reply, text):  # `"status":"\u00e9chec"`: a key and its value, decoded
            at, end = found
            past = " (past the 300 the evidence keeps)" if end > BODY_START_KEPT else ""
            problems.append(f"body contains '{text}' at character {at}{past}, read as a JSON client decodes its"
                            " strings' escapes")
        elif reply.truncated:
            unknown.append(f"{cut}; '{text}' may be in the rest")
        elif reply.misread:
            unknown.append(f"{reply.misread}; '{text}' may be in it")
        elif _unread_bytes_may_hold(reply.text, text):
            unknown.append(f"{UNREAD_BYTES}; '{text}' may be in them")
        elif reply.unasked_bytes:  # a Content-Length short of what the server sent: its body may go on there
            unknown.append(f"{reply.unasked_bytes} bytes followed the reply past the end its headers gave it (the"
                           f" server sent more than its Content-Length); '{text}' may be in them")
    return problems, unknown


def _keys_twice_spelled(reply: Reply) -> dict[str, str]:
    """Each spelling of a key that an object of a JSON body gives twice (`Reply.keys_twice`) → that key: as a JSON
    string read as its clients decode it (`"ok"`), and as the body writes it with escapes (`"\\u006fk"`). {} where no
    key is given twice, or the body is no JSON."""
    twice = reply.keys_twice
    spelled = {f'"{key}"': key for key in twice}
    if twice:
        wanted = set(twice)
        spelled.update((reply.text[at:end], decoded) for at, end, decoded in reply.json_strings if decoded in wanted)
    return spelled


def _named_twice(spelled_twice: dict[str, str], text: str) -> str | None:
    """The key given twice that `text` names (holds one of its spellings, quotes and all), or None."""
    return next((key for spelling, key in spelled_twice.items() if spelling in text), None)


JSON_SPACE = " \t\n\r"  # the whitespace JSON allows between its tokens
QUOTED = re.compile(r'"[^"]*"')
QUOTED_KEY = re.compile(r'"[^"]*"(?=[ \t\n\r]*:)')


def _json_not_read_whole(reply: Reply) -> str:
    """Why a body that is JSON, or starts as JSON holding objects does (`{`, `[`), was not read whole — so the keys it gives twice
    (`Reply.keys_twice`) are not known; "" where it was, or the body is no JSON. A body cut at the read limit is not
    parsed for this: no part of JSON is JSON."""
    if reply.truncated:
        starts_as_json = reply.text.lstrip(JSON_SPACE)[:1] in ("{", "[")
        return f"longer than the {BODY_LIMIT} bytes read" if starts_as_json else ""
    if reply.keys_twice:  # its parse went to the end: the keys it gives twice are known
        return ""
    return reply.unreadable_json  # nested too deep, an integer too long


def _key_named(text: str) -> str | None:
    """The key a text may name: a quoted string it holds (`"ok"`), the first one a `:` follows where there is one;
    None where it holds none. Any quoted string, not only one a `:` follows: a text that would be an ERROR had the
    key been seen given twice (`_named_twice`: `'"ok"'`, `'"ok", "n"'`) is one while it cannot be seen."""
    found = QUOTED_KEY.search(text) or QUOTED.search(text)
    return found.group() if found else None


def _twice_unseen(text: str, key: str, why: str) -> str:
    """How a text naming `key` in a body not read whole (`why`) is said: not judged."""
    return f"'{text}' was not judged: the body could not be read whole ({why}): whether it gives {key} twice was not" \
           " seen"


UNREAD_BYTES = "the body holds bytes its charset (UTF-8 when it declares none) cannot read"
BODY_START_KEPT = 300  # characters of a body the evidence keeps


def _where_found(body: str, text: str) -> str:
    """`at character 3012 (past the 300 the evidence keeps)` — where the body holds `text` first: the evidence keeps
    only the body's start, and a failure must say where its proof is. Not what surrounds it: an excerpt cut at any
    place may cut a secret the target put there, and the redactor masks a piece of one at a cut only from 8
    characters on."""
    at = body.index(text)
    past = " (past the 300 the evidence keeps)" if at + len(text) > BODY_START_KEPT else ""
    return f"at character {at}{past}"


def _in_json_string(reply: Reply, text: str) -> tuple[int, int] | None:
    """Where the first JSON string holding `text` once its escapes are decoded starts and ends in the body (a JSON
    body's reading by its clients, `Reply.json_strings`), or None."""
    return next(((at, end) for at, end, decoded in reply.json_strings if text in decoded), None)


def _in_json_reading(reply: Reply, text: str, *, syntax_quotes: bool = False) -> tuple[int, int] | None:
    """Where `text` first is in a JSON body read whole as its clients read it, each escaped string decoded in place
    (`Reply.json_reading`): its start and end in the body as written, or None. `syntax_quotes`, to find it *present*:
    only where each `"` it holds is JSON's syntax as the body writes it — a `"` decoded from an escape is a string's
    content, and a string holding `{\\"ok\\":true}` is no part of the body's structure. Its absence is looked for
    everywhere."""
    reading = reply.json_reading
    at = reading.find(text, syntax_quotes=syntax_quotes) if reading is not None and text else None
    if at is None:
        return None
    return reading.written_span(at, at + len(text))


def _unread_bytes_may_hold(body: str, text: str) -> bool:
    """A body read with stray bytes replaced (U+FFFD: a Latin-1 page that declares no charset) still shows every ASCII
    character it holds, so an ASCII text is there or not; a text beyond ASCII (`données`) may be in those bytes."""
    return "\ufffd" in body and not text.isascii()


def latency_judged(p: Params, reply: Reply) -> tuple[list[str], list[str]]:
    """(problems, what could not be judged) of `max_latency_ms`, to the body's end: a body longer than the bytes read
    was read on to it (`gather`), for as long as the bound allows. One whose end was not reached within the read cap,
    or not waited for, proves only a bound already passed."""
    if p.max_latency_ms is None:
        return [], []
    if reply.body_end == "late":  # never waited for any longer: the rest may never come
        return [f"took more than {p.max_latency_ms:g} ms: the body was still coming after {reply.body_bytes} bytes"], []
    if reply.elapsed_ms > p.max_latency_ms:
        return [f"took {reply.elapsed_ms:g} ms"], []
    if reply.body_end == "capped":
        return [], [f"the body went on past {END_READ_LIMIT // 2 ** 20} MiB, the most read to find its end"
                    f" ({reply.elapsed_ms:g} ms to them): the time to its end is unknown"]
    if reply.truncated and reply.body_end != "came":
        return [], [f"the body is longer than the {BODY_LIMIT} bytes read: its end was not waited for, so the time to"
                    f" it is unknown ({reply.elapsed_ms:g} ms to the first {BODY_LIMIT} bytes)"]
    return [], []


def judge(check, facts) -> Outcome:
    return saying_left_off(_judge(check, *facts[check.key]), *facts.get((check.key, LEFT_OFF), ()))


def _judge(check, url: str, reply: Reply) -> Outcome:
    p: Params = check.params
    expected = ", ".join(expectations(p))
    evidence = describe_reply(url, p.method, reply)
    if reply.status is None:  # a target that does not answer is not checked: error, never failed or passed
        said = f"no answer from {p.service}: " if reply.sent else f"{p.method} {p.path} of {p.service}: "
        if reply.head_status is not None:  # an answer came, its body no coding it names: nothing to judge either
            said = f"{p.service} answered {reply.head_status}, but its body could not be read: "
        return error(said + reply.failure, **evidence)
    problems = [] if p.accepts(reply.status) else [status_said(reply)]
    body, unknown = body_problems(p, reply)
    problems += body
    latency, unproven = latency_judged(p, reply)
    problems += latency
    unknown += unproven
    if problems:
        return failed(expected, "; ".join(problems), undecided=unknown, **evidence)
    if unknown:
        return error("could not look: " + "; ".join(unknown), **evidence)
    return passed(expected, f"status {reply.status} in {reply.elapsed_ms:g} ms", **evidence)
