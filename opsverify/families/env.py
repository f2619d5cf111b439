"""env: a service's env vars — presence, absence, exact and forbidden values, length, content,
formats, placeholders, conditions, and equality across services.

Values stay in memory: evidence shows presence, length and a short fingerprint only. A message
quotes a value only when it is a flag (true, 0, off …) or a literal the item itself wrote.

Names are exact (`[A-Za-z_][A-Za-z0-9_]*`), except in `required` and `forbidden`, where `*` and
`?` make a case-sensitive pattern (`NEXT_PUBLIC_*SECRET*`). Any other pattern character is a
config error: a name is never silently read as a literal when it was meant as a pattern.

`forbidden_jwt_roles` judges values, whatever their names: every variable of the service is scanned for keys as
the bundle family scans scripts (a JWT's payload decoded, no signature check; a Supabase API key counted as the role
it acts as), and one carrying a listed role fails, naming the variable and the role. A JWT-shaped value whose
payload cannot be read is an error for that variable, never a pass.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import io
import ipaddress
import re
import socket
import string
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterable, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from pydantic import AfterValidator, Field, model_validator

from ..display import FORMAT_CHARACTERS
from ..errors import GatherError, NotConfigured
from ..outcome import Outcome, error, failed, passed
from ..secrets import describe, fingerprint
from ..lazy import load
from ..transports.envsource import READ_S, WITHHELD, EnvFile, parse_dotenv
from ..transports.http import as_url_parser_reads
from ._common import StrictParams, first_few, nothing_found, plural
from .bundle import MAX_TOKENS, SUPABASE_KEY_ROLES, KeyRole, keys_in  # keys read in a value as in a script
from .repo import Params as RepoParams, source as repo_source  # repo_source: a system's checkout or GitHub

NAME = "env"
NEEDS = ("env",)

FALSY = {"", "false", "0", "no", "off"}
# the whitespace every reader trims off a value's ends: JavaScript's trim(), Python's str.strip() and a shell's
# [[:space:]] all take these, where Python alone takes U+001C-U+001F and U+0085 (JavaScript reads "\x1f" as set) and a
# shell no Unicode space
TRIMMED_BY_EVERY_READER = " \t\n\v\f\r"
DEFAULT_EXAMPLE = ".env.example"
_FLAG = re.compile(r"true|false|yes|no|on|off|0|1", re.IGNORECASE)  # fullmatch: `$` would let "true\n" by
_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"  # a local part's characters (RFC 5322), no quoting
_LABEL = r"[^\W_](?:-*[^\W_])*"  # a domain label: letters and digits, hyphens inside
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+"
_EMAIL = re.compile(rf"{_ADDRESS}|[^<>\x00-\x1f\x7f]*<{_ADDRESS}>")  # `a@b.c` or `Name <a@b.c>`, one line
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
# where a WHATWG URL's host must not hold them (forbidden domain code points), besides C0 controls
_NOT_IN_HOST = set(" #%/:<>?@[\\]^|\x7f")
_SPECIAL_SCHEME = re.compile(r"(https?:)/*", re.IGNORECASE)  # its slashes, any number (none too)
_AUTHORITY = re.compile(r"[^/?#]*")
_RIGHT_TO_LEFT_KINDS = {"R", "AL", "AN", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"}  # Bidi classes (RFC 5893 rule 2)
MATCH_TIMEOUT_S = 0.5  # per value: a pattern that backtracks without end is stopped, not waited for
MATCH_BOUND_S = 3 * MATCH_TIMEOUT_S  # the regex package reads its clock now and then: a timeout overshoots (2.5x seen)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PATTERN = re.compile(r"^[A-Za-z0-9_*?]+$")

Format = Literal["https-url", "url", "base58-pubkeys", "email", "integer", "bool"]


# -- names and patterns ------------------------------------------------------------------------
_NAME_CHARS = set(string.ascii_letters + string.digits + "_*?")  # str.isalnum() would let É and fullwidth Ａ by


def _not_a_name(value: str) -> str:
    odd = sorted({ch for ch in value if ch not in _NAME_CHARS})
    if odd:
        return (f"{value!r} is not an env var name: {' '.join(odd)} not allowed "
                "(ASCII letters, digits and _; patterns use * and ? only)")
    if not value:
        return "an env var name is empty"
    return f"{value!r} is not an env var name (it must not start with a digit)"


def _exact_name(value: str) -> str:
    if _NAME.match(value):
        return value
    if _PATTERN.match(value) and any(ch in value for ch in "*?"):
        raise ValueError(f"{value!r}: name patterns (* ?) are accepted in required and forbidden only")
    raise ValueError(_not_a_name(value))


def _name_or_pattern(value: str) -> str:
    if _NAME.match(value) or (_PATTERN.match(value) and any(ch in value for ch in "*?")):
        return value
    raise ValueError(_not_a_name(value))


def _regex(value: str) -> str:
    """A pattern in Python re's syntax, meaning what re makes of it: `matches` runs it in the regex package (for its
    time bound), which reads some texts re takes otherwise (`{e<=1}` as fuzzy matching, `[[:alpha:]]` as a class)."""
    with warnings.catch_warnings():  # re's warning of a nested set or a set operation: regex reads those otherwise
        warnings.simplefilter("error", FutureWarning)
        try:
            re.compile(value)  # compiled, never run: re's matching has no time bound
        except (re.error, FutureWarning) as exc:
            raise ValueError(f"{value!r} is not a regular expression (Python re's syntax): {exc}") from None
    brace = _literal_brace(value)
    if brace is not None:
        raise ValueError(f"{value!r}: expected a '{{' only as a repeat such as {{2,5}}; saw one at position {brace} that "
                         "Python re reads as itself and the regex package `matches` runs in may read as fuzzy matching "
                         "({e<=1} lets a value differ by a character) — fix: write a literal brace as \\{")
    regex = load("regex")
    parsed = io.StringIO()
    try:
        with contextlib.redirect_stdout(parsed):  # DEBUG prints the tree regex reads, whatever hides a brace from
            regex.compile(value, regex.DEBUG)     # _literal_brace (a (?x) comment, an escaped `)` in a (?#…))
    except regex.error as exc:
        raise ValueError(f"{value!r} is not a regular expression: {exc}") from None
    if re.search(r"^\s*FUZZY\b", parsed.getvalue(), re.MULTILINE):
        raise ValueError(f"{value!r}: expected a pattern Python re and the regex package `matches` runs in read alike;"
                         " saw a fuzzy-matching constraint to regex ({e<=1} lets a value differ by a character), text to"
                         " re — fix: write a literal brace as \\{")
    return value


_RE_REPEAT = re.compile(r"\{[0-9]*(?:,[0-9]*)?\}")  # re's {m}, {m,}, {,n}, {m,n}: a `{` of any other shape is itself


def _literal_brace(pattern: str) -> int | None:
    """Where Python re reads an unescaped `{` as a literal, outside a set and a (?#comment): where the regex package
    may read fuzzy matching (`a{e<=1}`, `(?:ab){i}`) or a repeat (`a{ 2}` under (?x)). None where there is none."""
    at, members_from = 0, None  # where the set being read starts its members (a `]` there is one of them)
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":  # an escape; `\N{NAME}` names a character in braces
            closing = pattern.find("}", at) if pattern.startswith("N{", at + 1) else at + 1
            at = closing + 1 if closing >= 0 else len(pattern)
            continue
        if members_from is not None:
            if char == "]" and at > members_from:
                members_from = None
        elif char == "[":
            members_from = at + 1 + pattern.startswith("^", at + 1)
        elif pattern.startswith("(?#", at):
            closing = pattern.find(")", at)
            at = closing + 1 if closing >= 0 else len(pattern)
            continue
        elif char == "{" and (pattern.startswith("{}", at) or not _RE_REPEAT.match(pattern, at)):
            return at
        at += 1
    return None


def _not_blank(value: str) -> str:
    if is_blank(value):  # blanks, or characters that show as nothing: a service's value of them reads as unset
        raise ValueError(f"{value!r} is blank: a blank value reads as unset, so no env could match it")
    return value


EnvName = Annotated[str, AfterValidator(_exact_name)]
NameOrPattern = Annotated[str, AfterValidator(_name_or_pattern)]
Text = Annotated[str, Field(min_length=1)]
Wanted = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]  # a value the env must (not) hold
Regex = Annotated[str, AfterValidator(_regex)]
# as the repo family's `file`: relative, inside the repository, normalized (`./.env.example` is `.env.example`, which
# GitHub's contents API is asked for, and read once)
RepoPath = Annotated[str, AfterValidator(RepoParams._inside_repo)]


def is_pattern(name: str) -> bool:
    return "*" in name or "?" in name


class Equal(StrictParams):
    names: list[EnvName] = Field(min_length=1)
    services: list[str]


class Params(StrictParams):
    service: str | None = None
    when: dict[EnvName, Wanted] = {}  # the item's rules apply only while every condition holds
    required: list[NameOrPattern] = []
    any_of: list[Annotated[list[EnvName], Field(min_length=1)]] = []
    forbidden: list[NameOrPattern] = []  # unset, blank or falsy
    # no variable's value, whatever its name, is a key (a JWT, a Supabase API key) carrying one of these roles
    forbidden_jwt_roles: list[KeyRole] = Field(default=[], min_length=1)
    values: dict[EnvName, Wanted] = {}  # a blank value reads as unset: expecting one could never be told apart
    values_if_set: dict[EnvName, Wanted] = {}  # unset is fine (the code's default); set, exactly this
    not_values: dict[EnvName, Annotated[list[Wanted], Field(min_length=1)]] = {}
    format: dict[EnvName, Format] = {}
    min_length: dict[EnvName, Annotated[int, Field(ge=1)]] = {}
    contains: dict[EnvName, Text] = {}
    matches: dict[EnvName, Regex] = {}  # the whole value (regex.fullmatch, with a time bound)
    not_equal: dict[EnvName, Wanted] = {}
    not_placeholder: list[EnvName] = []  # differs from the value in the repo's .env.example
    placeholders_from: RepoPath | None = None  # default .env.example at the repo root
    equal: Equal | None = None
    allow_empty: bool = False  # an env source with no variables at all is then judged, not an error

    @property
    def per_service_rules(self) -> list[str]:
        rules = ("required", "any_of", "forbidden", "forbidden_jwt_roles", "values", "values_if_set", "not_values",
                 "format", "min_length", "contains", "matches", "not_equal", "not_placeholder")
        return [name for name in rules if getattr(self, name)]

    @property
    def example_file(self) -> str:
        return self.placeholders_from or DEFAULT_EXAMPLE

    @property
    def services(self) -> list[str]:
        """Every service whose env the item reads, its own first."""
        named = ([self.service] if self.service else []) + (self.equal.services if self.equal else [])
        return list(dict.fromkeys(named))

    @model_validator(mode="after")
    def _shape(self) -> "Params":
        rules = self.per_service_rules
        if not rules and not self.equal:
            raise ValueError("give at least one rule: required, any_of, forbidden, forbidden_jwt_roles, values, "
                             "values_if_set, not_values, format, min_length, contains, matches, not_equal, "
                             "not_placeholder or equal")
        if (rules or self.when) and not self.service:
            raise ValueError(f"{', '.join(rules + (['when'] if self.when else []))} need a service")
        if self.service and not rules and not self.when:
            raise ValueError("service is read by no rule here: equal names its own services "
                             "(add `when` to make equal conditional on this service)")
        needed = [n for n in self.required if not is_pattern(n)] + [n for group in self.any_of for n in group]
        clash = sorted({n for n in needed for entry in self.forbidden if fnmatch.fnmatchcase(n, entry)})
        if clash:
            raise ValueError(f"{', '.join(clash)} both required and forbidden: no env could pass")
        for name, wanted in self.values.items():
            if any(wanted.strip().lower() == r.strip().lower() for r in self.not_values.get(name, [])):
                raise ValueError(f"{name}: values wants {wanted!r}, which not_values refuses: no env could pass")
            if not is_falsy_to_every_reader(wanted) and any(fnmatch.fnmatchcase(name, e) for e in self.forbidden):
                raise ValueError(f"{name}: values wants {wanted!r}, which forbidden refuses: no env could pass")
            if self.not_equal.get(name) == wanted:
                raise ValueError(f"{name}: values wants {wanted!r}, which not_equal forbids: no env could pass")
        for name, wanted in self.values_if_set.items():
            if name in self.values and self.values[name] != wanted:
                raise ValueError(f"{name}: values wants {self.values[name]!r} and values_if_set {wanted!r}: no env "
                                 "could pass")
        if self.placeholders_from and not self.not_placeholder:
            raise ValueError("placeholders_from is read only by not_placeholder")
        if self.equal and len(set(self.equal.services)) < 2:
            raise ValueError("equal needs at least two services")
        return self


# -- gathering -------------------------------------------------------------------------------
def gather(target, checks) -> dict[str, Any]:
    services: set[str] = set()
    for check in checks:
        services.update(check.params.services)
    facts: dict[str, Any] = {"services": {}, "examples": {}}
    for service in sorted(services):
        try:
            facts["services"][service] = target.env_vars(service)
        except GatherError as exc:
            facts["services"][service] = exc
    files = sorted({c.params.example_file for c in checks if c.params.not_placeholder})
    if files:
        facts["examples"] = read_examples(target, files)
    return facts


def read_examples(target, files: list[str]) -> dict[str, Any]:
    """Each .env.example as {name: placeholder}, read from the system's repo (checkout or GitHub);
    NotConfigured or GatherError in place of a file that cannot be read."""
    try:
        where = repo_source(target)
        texts = where.read_files(files)
    except (NotConfigured, GatherError) as exc:
        return {name: exc for name in files}
    out: dict[str, Any] = {}
    for name, text in texts.items():
        if text is None:
            out[name] = GatherError(f"{name} not found in {where.label}")
        elif isinstance(text, GatherError):
            out[name] = text
        else:
            try:  # read as the env files are: literally
                out[name] = parse_dotenv(text, f"{name} in {where.label}")
            except GatherError as exc:
                out[name] = exc
    return out


def local_s(checks) -> float:
    """Judging's own worst case: each `matches` pattern may run to its time bound."""
    return MATCH_BOUND_S * sum(len(check.params.matches) for check in checks)




def bound(target, checks) -> float:
    """No request is sent: each service's env source is read once (and the repo's .env.example, when an item
    compares with it), each a local file or the runner's own environment (READ_S, the most a read may take)."""
    sources = {service for check in checks for service in check.params.services} | {
        "repo example" for check in checks if check.params.not_placeholder}
    return READ_S * len(sources)


# -- formats ---------------------------------------------------------------------------------
def format_problem(kind: str, value: str) -> str | None:
    """Why `value` is not of format `kind`, without ever quoting it; None when fine."""
    if kind in ("https-url", "url"):
        return _url_problem(value, https=kind == "https-url")
    if kind == "base58-pubkeys":
        return _pubkeys_problem(value)
    if kind == "email":
        return None if _EMAIL.fullmatch(value) else "is not an email address"
    if kind == "integer":  # ASCII digits: `١٢٣` is a number to Python, NaN to Node
        return None if re.fullmatch(r"-?[0-9]+", value) else "is not an integer"
    if kind == "bool":
        return None if _FLAG.fullmatch(value) else "is not a boolean flag"
    return f"unknown format {kind}"


def _pubkeys_problem(value: str) -> str | None:
    """Comma-separated (spaces around a comma allowed), every entry a 32-byte base58 key."""
    keys = [entry.strip(" ") for entry in value.split(",")]
    if not any(keys):
        return "holds no keys"
    base58 = load("base58")
    bad = []
    for index, key in enumerate(keys, 1):
        if not key:
            bad.append(f"entry {index} is empty")
        elif not _BASE58.fullmatch(key):
            bad.append(f"key {index} is not base58")
        elif len(base58.b58decode(key)) != 32:
            bad.append(f"key {index} is not 32 bytes")
    return f"({len(keys)} comma-separated entries) " + ", ".join(bad) if bad else None


def _url_problem(value: str, *, https: bool) -> str | None:
    """Read as the app (Node's WHATWG URL) reads it: C0 controls and spaces trimmed, tabs and line breaks dropped,
    `\\` before the query read as `/` (`as_url_parser_reads`), any slashes after `http:` or `https:` (or none) taken
    as `//`, the user info no part of the host, a port 0-65535."""
    value = as_url_parser_reads(value)
    special = _SPECIAL_SCHEME.match(value)
    if not special:
        return "is not an http(s) URL"
    rest = value[special.end():]
    authority = _AUTHORITY.match(rest)[0]
    host_and_port = authority.rpartition("@")[2]
    try:
        parts = urlsplit(f"{special[1]}//{host_and_port}{rest[len(authority):]}")
        parts.port  # raises on a port that is no number, or too large
    except ValueError:
        return "is not a URL"
    bracketed = host_and_port.startswith("[")
    if bracketed and host_and_port.partition("]")[2][:1] not in ("", ":"):  # `[::1]x`: urlsplit drops the x
        return "is not a URL"
    if not bracketed and any(mark in host_and_port for mark in "[]"):  # `api.example.com[v1.x]`: urlsplit takes the
        return "has no valid host"  # bracketed part for the host; WHATWG forbids `[` and `]` outside an IPv6 literal
    if not parts.hostname:
        return "is not an http(s) URL"
    host = _whatwg_host(parts.hostname, bracketed=bracketed)
    if host is None:
        return "has no valid host"
    if not https:
        return None
    if parts.scheme != "https":
        return f"uses {parts.scheme}, not https"
    return f"points at {host}" if _is_loopback(host) else None


def _whatwg_host(host: str, *, bracketed: bool) -> str | None:
    """The host as a WHATWG parser ends with it — percent-decoded, UTS46-mapped (`ｌｏｃａｌｈｏｓｔ` is localhost,
    `１２７.０.０.１` 127.0.0.1), an IPv4 in any spelling as dotted decimal — or None where it refuses it."""
    if bracketed:  # an IPv6 literal (urlsplit has taken off its brackets); no other (`[v1.x]`) is a host
        try:
            return str(ipaddress.IPv6Address(host)) if "%" not in host else None
        except ValueError:
            return None
    try:
        decoded = unquote_to_bytes(host).decode("utf-8")
        mapped = load("idna").uts46_remap(decoded, std3_rules=False, transitional=False)
    except (UnicodeDecodeError, ValueError):  # idna's errors are ValueErrors
        return None
    if not mapped or any(ch in _NOT_IN_HOST or ch < " " for ch in mapped):
        return None
    labels = mapped.split(".")
    if not _uts46_valid(labels):
        return None
    if len(labels) > 1 and not labels[-1]:
        labels.pop()
    if re.fullmatch(r"[0-9]+", labels[-1]) or _ipv4_number(labels[-1]) is not None:  # an IPv4 address, or invalid
        return _ipv4(labels)
    return mapped


def _uts46_valid(labels: list[str]) -> bool:
    """UTS46's checks of the labels, as a WHATWG parser runs them: an `xn--` label decodes (Punycode) to one UTS46
    takes as it is (`xn--a`, `xn--` are no hosts), no label opens with a combining mark, a joiner (U+200C, U+200D)
    stands only where CONTEXTJ allows it, and a right-to-left label keeps the Bidi rule."""
    idna = load("idna")
    for label in labels:
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
                if not label or idna.uts46_remap(label, std3_rules=False, transitional=False) != label:
                    return False
            except (UnicodeError, ValueError):
                return False
        if label and unicodedata.category(label[0]).startswith("M"):  # a label opening with a combining mark
            return False
        if any(ch in "\u200c\u200d" and not idna.core.valid_contextj(label, at) for at, ch in enumerate(label)):
            return False
        if not _right_to_left_valid(label):
            return False
    return True


def _right_to_left_valid(label: str) -> bool:
    """The Bidi rule (RFC 5893, rules 2 to 4) on a right-to-left label as Node's parser keeps it: only characters of
    those kinds, ending in a letter or digit (marks and joiners after it), not both kinds of digits. A label opening
    with a left-to-right letter is no such label to it (`aא` is a host, `אa` is not), one opening with a digit may be
    (`1א` is a host, `1אx` is not); it checks no rule on a left-to-right label."""
    kinds = [unicodedata.bidirectional(ch) for ch in label]
    if not {"R", "AL", "AN"} & set(kinds) or kinds[0] == "L":
        return True
    last = next((kind for kind in reversed(kinds) if kind not in ("NSM", "BN")), None)
    return set(kinds) <= _RIGHT_TO_LEFT_KINDS and last in ("R", "AL", "EN", "AN") and not {"EN", "AN"} <= set(kinds)


def _ipv4_number(part: str) -> int | None:
    """A part of an IPv4 address as WHATWG reads it: `0x…` hex (`0x` alone is 0), `0…` octal, else decimal."""
    radix = 10
    if part[:2].lower() == "0x":
        part, radix = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        part, radix = part[1:], 8
    elif not part:
        return None
    if any(ch not in "0123456789abcdef"[:radix] for ch in part.lower()):
        return None
    return int(part, radix) if part else 0


def _ipv4(labels: list[str]) -> str | None:
    """The dotted decimal address of a host that ends in a number (`1.0x` is 1.0.0.0); None where WHATWG refuses it."""
    numbers = [_ipv4_number(label) for label in labels]
    if len(numbers) > 4 or None in numbers or any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (
            5 - len(numbers)):
        return None
    return str(ipaddress.IPv4Address(numbers[-1] + sum(n << 8 * (3 - at) for at, n in enumerate(numbers[:-1]))))


# what the distributions' own /etc/hosts names this machine besides localhost (Debian's, Red Hat's)
LOOPBACK_NAMES = frozenset({"localhost.localdomain", "localhost4", "localhost4.localdomain4", "localhost6",
                            "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"})


def _is_loopback(host: str) -> bool:
    """This machine, however it is written: `localhost.`, `127.1`, `0x7f.0.0.1`, `[::ffff:127.0.0.1]`, `0`."""
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost") or name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        try:  # the shorthand and hex forms resolvers and browsers accept
            address = ipaddress.IPv4Address(socket.inet_aton(name))
        except (OSError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


# -- judging ---------------------------------------------------------------------------------
def _shown(value: str) -> str:
    """Flags may be shown as they are; anything else only as its length."""
    return repr(value) if _FLAG.fullmatch(value) else f"a value of length {len(value)}"


def _literals(p: Params) -> set[str]:
    """The values the item itself wrote: the env holding one of them may be told so."""
    return {*p.values.values(), *p.values_if_set.values(), *p.when.values(),
            *(r for refused in p.not_values.values() for r in refused)}


def _shown_word(p: Params, value: str) -> str:
    """A flag or one of the item's own literals as it is; anything else (a mode that may be a key, whatever its
    name) as its length and fingerprint."""
    if _FLAG.fullmatch(value) or value in _literals(p):
        return repr(value)
    return f"a value of length {len(value)} ({fingerprint(value)})"


def is_blank(value: str | None) -> bool:
    """Unset, empty, or only whitespace and characters that show as nothing (a zero-width space, a byte order mark,
    a soft hyphen: Unicode's format characters): one notion for every rule (a service handed "   " as its key is as
    broken as one without it), and for the repo family's .env.example keys."""
    return value is None or not showing(value)


def showing(value: str) -> str:
    """What of a value shows: without blanks at its ends and characters that show as nothing. Blank to any reader is
    blank here (Python's whitespace holds all of JavaScript's but U+FEFF, a format character): a rule that wants a
    value never takes one some service reads as empty."""
    return _INVISIBLE.sub("", value).strip()


def is_falsy_to_every_reader(value: str) -> bool:
    """Blank or a false flag (`false`, `0`, `no`, `off`, any case) whoever reads it: trimmed of the whitespace every
    reader trims only, so a value set to any reader (`\x1f`, `false\x85`, `\u200b`) is set for `forbidden`."""
    return value.strip(TRIMMED_BY_EVERY_READER).lower() in FALSY


# what shows as nothing in a value: Unicode's format characters; controls (C0, DEL, C1: a terminal acts on them, a
# page shows none); and the glyphs drawn blank — the Hangul fillers, the braille blank, the combining grapheme
# joiner, the variation selectors, Mongolian's free variation selectors, Khmer's inherent vowels. A key of 40 DELs or
# 40 U+3164 is no 40-character secret
_INVISIBLE = re.compile(f"[{FORMAT_CHARACTERS}\x00-\x1f\x7f-\x9f\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d"
                        "\u2800\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")
# what a language writes of a value it never had, when a deploy script or template turns it into text, and a service
# reads as a value: set to one, a required key is as missing as unset (cron and webhook refuse the first two as keys).
# As written only: `NULL` or `none` may be a value of someone's (a Laravel driver may be `null`: values, contains,
# matches and format keep these as values)
UNSET_WORDS = {
    "undefined": "what JavaScript writes of a variable that was never set",
    "null": "what JavaScript writes of null",
    "None": "what Python writes of None",
    "<no value>": "what a Go template (Helm) writes of a value it was not given",
}


# a process environment holds C strings: a NUL byte ends a value there (Node's process.env reads "\0abc" as "") and
# python-dotenv's load_dotenv refuses it ("embedded null byte"), so no service gets such a value as written
NUL = "\0"


def _nul_byte(name: str, value: str | None) -> str | None:
    """Why a value holding a NUL byte is no value to judge (by any rule: nor is the part a reader keeps); None
    without one."""
    if value is None or NUL not in value:
        return None
    before = value.index(NUL)
    where = "starts with a NUL byte" if not before else f"holds a NUL byte after {plural(before, 'character')}"
    return (f"{name} {where}, which ends a value in every process environment (Node reads what is before it, "
            f"python-dotenv's load_dotenv refuses the file) — fix: remove the NUL byte from {name.split()[0]}")


def _unset(name: str, value: str | None) -> str | None:
    """Why a rule about a value has none to judge (`K is not set`, `K is blank`, a NUL byte in it); None when it has
    one."""
    if value is None:
        return f"{name} is not set"
    if why := _nul_byte(name, value):
        return why
    return f"{name} is blank" if is_blank(value) else None


def is_unset(value: str | None) -> bool:
    """Not set as a required value must be: missing, blank, a word an unset variable is written as, or holding a NUL
    byte (no service gets it as written; the repo family's .env.example keys read it so too); any of these inside
    quotes a reader kept (`""`)."""
    if is_blank(value) or NUL in value:
        return True
    inner = quotes_kept(value)
    return value.strip() in UNSET_WORDS or (inner is not None and (is_blank(inner) or inner.strip() in UNSET_WORDS))


def quotes_kept(value: str) -> str | None:
    """What is inside a value that is one pair of matching quotes round the rest (`""`, `'changeme'`), else None:
    an env file's `KEY=""` reaches a service as those two characters where its reader keeps quotes (`docker run
    --env-file`, `kubectl create secret --from-env-file`, a CI variable pasted with them)."""
    text = value.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else None


def _required_unset(name: str, value: str | None) -> str | None:
    """`_unset`, and for a value required to be set — by `required`, and by the rules that ask a value of its own
    (min_length, not_equal, not_placeholder: `undefined` is 9 characters, and no placeholder) — the words an unset
    value is written as (UNSET_WORDS), and either inside quotes a reader kept."""
    if value is not None and value.strip() in UNSET_WORDS:
        return f"{name} is '{value.strip()}' ({UNSET_WORDS[value.strip()]})"
    inner = quotes_kept(value) if value is not None and NUL not in value else None
    if inner is not None and (is_blank(inner) or inner.strip() in UNSET_WORDS):
        kept = value.strip()
        what = f"an unset value's word ({UNSET_WORDS[inner.strip()]})" if inner.strip() in UNSET_WORDS else "nothing"
        return (f"{name} is {kept} (quotes round {what}: a reader that keeps an env file's quotes, such as docker"
                " --env-file, hands a service these characters)")
    return _unset(name, value)


def _described(value: str | None) -> dict[str, Any]:
    seen = describe(value)
    if value is not None and not value.strip():
        seen["blank"] = True
    if value is not None and NUL in value:
        seen["nul_byte_at"] = value.index(NUL)
    return seen


def how_read_two_ways(env: dict[str, str], name: str) -> str | None:
    """How the env file splits Node's dotenv (what most services read it with) and python-dotenv on `name`: no
    rule (the repo family's .env.example check neither) can judge it then, either reading may be the service's."""
    if isinstance(env, EnvFile) and name in env.read_two_ways:
        return f"{env.label} {env.read_two_ways[name]}"
    return None


def _defined_twice(env: dict[str, str], name: str) -> str | None:
    lines = env.defined_twice.get(name) if isinstance(env, EnvFile) else None
    if not lines:
        return None
    times = "twice" if len(lines) == 2 else f"{len(lines)} times"
    return f"defined {times}, lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}: the last is read"


@dataclass
class Findings:
    """What one item expects and what it saw, rule by rule, without a single value in it."""

    service: str | None
    expected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # rules that could not be decided
    seen: dict[str, dict] = field(default_factory=dict)
    patterns: dict[str, list[str]] = field(default_factory=dict)
    jwt_roles: dict[str, list[str]] = field(default_factory=dict)  # name -> the roles of the keys its value holds
    failed: dict[str, list[str]] = field(default_factory=dict)
    read_two_ways: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> name -> how
    defined_twice: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # said whatever the verdict

    @property
    def where(self) -> str:
        return f"on {self.service}" if self.service else ""

    def expect(self, text: str) -> None:
        self.expected.append(f"{text} {self.where}")

    def problem(self, rule: str, name: str, text: str) -> None:
        line = f"{text} {self.where}"
        if line not in self.problems:  # `required` and `min_length` may both find a name unset
            self.problems.append(line)
        self.failed.setdefault(rule, [])
        if name not in self.failed[rule]:
            self.failed[rule].append(name)

    def cannot(self, text: str) -> None:
        if text not in self.unknown:
            self.unknown.append(text)

    def look(self, env: dict[str, str], *names: str) -> None:
        self.seen.update({n: _described(env.get(n)) for n in names})
        for name in names:
            self.twice(env, name, self.service or "")

    def twice(self, env: dict[str, str], name: str, service: str) -> None:
        """A name the file defines more than once is read at its last line, as every reader does: said, so
        that the earlier line is not taken for the one in force."""
        said = _defined_twice(env, name)
        if said and name not in self.defined_twice.get(service, {}):
            self.defined_twice.setdefault(service, {})[name] = said
            self.notes.append(f"{name} on {service} is {said}")

    def clear(self, env: dict[str, str], name: str, service: str | None = None, *, presence: bool = False) -> bool:
        """Whether `name` reads the same to Node's dotenv and python-dotenv, and its value is in the source (not a
        platform export's placeholder for it; `presence`: only whether it is set is asked, which that says); when not,
        the rule cannot judge it (either reading may be the service's) and says so."""
        how = how_read_two_ways(env, name)
        service = service or self.service or ""
        if how is None and not presence and env.get(name) in WITHHELD:
            if name not in self.read_two_ways.get(service, {}):
                self.read_two_ways.setdefault(service, {})[name] = WITHHELD[env[name]]
                self.cannot(f"{name} on {service} is {env[name]!r}, {WITHHELD[env[name]]}")
            return False
        if how is None:
            return True
        if name not in self.read_two_ways.get(service, {}):
            self.read_two_ways.setdefault(service, {})[name] = how
            self.cannot(f"{name} on {service} is read two ways ({how})")
        return False

    def set_or_undecided(self, env: dict[str, str], names: list[str]) -> bool:
        """Whether one of `names` is set, or only names read two ways could be (then said as undecided)."""
        readable = [n for n in names if how_read_two_ways(env, n) is None]
        if any(_required_unset(n, env.get(n)) is None for n in readable):
            return True
        unclear = [n for n in names if n not in readable]
        for name in unclear:
            self.clear(env, name)
        return bool(unclear)


def _names_matching(env: dict[str, str], pattern: str) -> list[str]:
    """The names matching `pattern` that either reader of the file reads: a name only Node's dotenv reads (after a
    U+2028, say) is one the service may use, so the rule must see it (and say it cannot judge it)."""
    names = set(env) | set(env.read_two_ways if isinstance(env, EnvFile) else ())
    return sorted(n for n in names if fnmatch.fnmatchcase(n, pattern))


def _judge_required(p: Params, env: dict[str, str], f: Findings) -> None:
    exact = [n for n in p.required if not is_pattern(n)]
    if exact:
        f.expect(f"{', '.join(exact)} set")
        f.look(env, *exact)
        for name in exact:
            if f.clear(env, name, presence=True) and (why := _required_unset(name, env.get(name))):
                f.problem("required", name, why)
    for pattern in (n for n in p.required if is_pattern(n)):
        f.expect(f"a name matching {pattern} set")
        matching = _names_matching(env, pattern)
        f.patterns[pattern] = matching
        f.look(env, *matching)
        if not f.set_or_undecided(env, matching):
            nul = {name: why for name in matching if (why := _nul_byte(name, env.get(name)))}
            blank = [name for name in matching if name not in nul]
            found = f" (only blank: {first_few(blank)})" if blank else ""
            f.problem("required", pattern, f"no name matching {pattern} is set{found}" + "".join(
                f" ({why})" for why in nul.values()))


def _judge_any_of(p: Params, env: dict[str, str], f: Findings) -> None:
    for group in p.any_of:
        f.expect(f"one of {' / '.join(group)} set")
        f.look(env, *group)
        if not f.set_or_undecided(env, group):
            nul = [why for name in group if (why := _nul_byte(name, env.get(name)))]
            f.problem("any_of", " / ".join(group), f"none of {' / '.join(group)} is set" + "".join(
                f" ({why})" for why in nul))


def _judge_forbidden(p: Params, env: dict[str, str], f: Findings) -> None:
    for entry in p.forbidden:
        if is_pattern(entry):
            f.expect(f"no name matching {entry} set (unless blank or false)")
            names = _names_matching(env, entry)
            f.patterns[entry] = names
        else:
            f.expect(f"{entry} unset or false")
            names = [entry]
        f.look(env, *names)
        for name in names:
            value = env.get(name)
            label = f"{name} (matches {entry})" if is_pattern(entry) else name
            if not f.clear(env, name) or value is None:
                continue
            if why := _nul_byte(label, value):  # `true\0` is true to Node, `\0` stops a Python service: no clean unset
                f.problem("forbidden", name, why)
            # a value of invisible characters only (U+200B) is set for forbidden: code reads it as true
            elif not is_falsy_to_every_reader(value):
                f.problem("forbidden", name, f"{label} is set to {_shown(value)}")


def _judge_forbidden_jwt_roles(p: Params, env: dict[str, str], f: Findings) -> None:
    """Every variable, whatever its name (`VITE_SUPABASE_ANON_KEY` may hold the service_role key): the keys its value
    holds, read as the bundle family reads a script's, and their roles."""
    if not p.forbidden_jwt_roles:
        return
    api_keys = "".join(f" or Supabase {kind} key (sb_{kind}_)" for kind, role in SUPABASE_KEY_ROLES.items()
                       if role in p.forbidden_jwt_roles)
    f.expect(f"no variable holding a JWT with role {' or '.join(p.forbidden_jwt_roles)}{api_keys}")
    names = set(env) | set(env.read_two_ways if isinstance(env, EnvFile) else ())  # as _names_matching: both readers'
    for name in sorted(names):
        if not f.clear(env, name) or env.get(name) is None:  # either reading may be the service's: said, not judged
            continue
        keys, more = keys_in(env[name].encode("utf-8", "replace"))  # a key is ASCII
        if not keys:
            continue
        f.look(env, name)
        if more:  # those past the limit are not decoded: one of them may be the forbidden role's
            f.cannot(f"{name} {f.where} holds more than {MAX_TOKENS} JWT-shaped strings or API keys: those past"
                     f" {MAX_TOKENS} were not read, so their roles are not known")
        f.jwt_roles[name] = [str(key["role"]) if key.get("decodable", True) else "unreadable" for key in keys]
        for key in keys:
            if key.get("decodable") is False:  # any role's key, as in the bundle family: not a pass
                f.cannot(f"could not read the role of the JWT-shaped value of {name} {f.where} (its payload is no "
                         f"JSON object; {key['fingerprint']})")
            elif key["role"] in p.forbidden_jwt_roles:
                kind = (f"a Supabase {key['prefix'][3:-1]} key ({key['prefix']}), role {key['role']}" if "prefix" in key
                        else f"a JWT with role {key['role']}")
                f.problem("forbidden_jwt_roles", name, f"{name} holds {kind} ({key['fingerprint']})")


def _judge_values(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, wanted in p.values.items():
        f.expect(f"{name}={wanted}")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _unset(name, value):
            f.problem("values", name, why)
        elif value != wanted:
            f.problem("values", name, f"{name} is {_shown_word(p, value)}")


def _judge_values_if_set(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, wanted in p.values_if_set.items():
        f.expect(f"{name}={wanted} or unset")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name) or value is None:  # unset: the code's default applies
            continue
        if why := _nul_byte(name, value):
            f.problem("values_if_set", name, why)
        elif is_blank(value):  # `??` reads it as the value, `||` as unset: which the code does is not known here
            f.problem("values_if_set", name, f"{name} is blank: unset it, or set it to {wanted}")
        elif value != wanted:
            f.problem("values_if_set", name, f"{name} is {_shown_word(p, value)}")


def _judge_not_values(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, refused in p.not_values.items():
        f.expect(f"{name} not {' / '.join(refused)} (unset is fine)")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        hit = next((r for r in refused if value is not None and value.strip().lower() == r.strip().lower()), None)
        if why := _nul_byte(name, value):  # `0\0` is 0 to Node
            f.problem("not_values", name, why)
        elif hit is not None:
            f.problem("not_values", name, f"{name} is {hit}")


def _judge_format(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, kind in p.format.items():
        f.expect(f"{name} is {kind}")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _unset(name, value):
            f.problem("format", name, why)
        elif problem := format_problem(kind, value):
            f.problem("format", name, f"{name} {problem}")


def _judge_min_length(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, least in p.min_length.items():
        f.expect(f"{name} at least {least} characters")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _required_unset(name, value):  # a value of its own is asked: `undefined` is none
            f.problem("min_length", name, why)
        elif len(shown := showing(value)) < least:  # padding is no strength: 31 blanks and `x`
            padded = (f" ({len(value)} with the blanks at its ends and the invisible characters in it)"
                      if len(shown) != len(value) else "")
            f.problem("min_length", name, f"{name} has {plural(len(shown), 'character')}{padded} (at least {least}"
                                          " wanted)")


def _judge_contains(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, needle in p.contains.items():
        f.expect(f"{name} contains '{needle}'")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _unset(name, value):
            f.problem("contains", name, why)
        elif needle not in value:
            f.problem("contains", name, f"{name} does not contain '{needle}'")


def _judge_matches(p: Params, env: dict[str, str], f: Findings) -> None:
    regex = load("regex")  # Python re's syntax with a time bound: `(a|aa)+b` must not hold the run for hours
    for name, pattern in p.matches.items():
        f.expect(f"{name} matches /{pattern}/")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _unset(name, value):
            f.problem("matches", name, why)
            continue
        try:
            matched = regex.fullmatch(pattern, value, timeout=MATCH_TIMEOUT_S, concurrent=True)
        except TimeoutError:
            f.cannot(f"/{pattern}/ took longer than {MATCH_TIMEOUT_S:g} s on {name}'s value {f.where}: simplify it "
                     "(a repeat inside a repeat, as in (a|aa)+, backtracks without end)")
            continue
        if not matched:
            f.problem("matches", name, f"{name} does not match /{pattern}/")


def _judge_not_equal(p: Params, env: dict[str, str], f: Findings) -> None:
    for name, literal in p.not_equal.items():
        f.expect(f"{name} is not the value not_equal names")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _required_unset(name, value):  # a value of its own is asked: `undefined` is none
            f.problem("not_equal", name, why)
        elif value == literal:
            f.problem("not_equal", name, f"{name} is the value not_equal forbids ({fingerprint(value)})")


def _judge_not_placeholder(p: Params, env: dict[str, str], examples: dict[str, Any], f: Findings) -> None:
    file = p.example_file
    placeholders = examples.get(file)
    if isinstance(placeholders, NotConfigured):
        raise placeholders  # no repo to read: the item is skipped with that reason
    for name in p.not_placeholder:
        f.expect(f"{name} is not the placeholder of {file}")
        f.look(env, name)
        value = env.get(name)
        if not f.clear(env, name):
            continue
        if why := _required_unset(name, value):  # a value of its own is asked: `undefined` is none
            f.problem("not_placeholder", name, why)
        elif placeholders is None or isinstance(placeholders, GatherError):
            f.cannot(f"cannot read {file}: {placeholders or 'it was not gathered'}")
        elif how := how_read_two_ways(placeholders, name):  # either reading may be the placeholder a service got
            f.cannot(f"{name} in {file} is read two ways ({how})")
        elif not placeholders.get(name):
            where = "has no value for" if name in placeholders else "does not list"
            f.cannot(f"{file} {where} {name}: no placeholder to compare with")
        elif value == placeholders[name]:
            f.problem("not_placeholder", name, f"{name} is still the placeholder from {file} ({fingerprint(value)})")
        elif quotes_kept(value) == placeholders[name]:
            f.problem("not_placeholder", name, f"{name} is still the placeholder from {file}, inside quotes a reader"
                                               f" kept ({fingerprint(value)})")


def _when_text(p: Params) -> str:
    return f"when {' and '.join(f'{n} is {v!r}' for n, v in p.when.items())}"


def _condition_fails(p: Params, env: dict[str, str], names: Iterable[str] | None = None) -> list[str]:
    """Why the item's `when` does not hold (empty when it holds), by all its conditions or those of `names`."""
    out = []
    for name, wanted in p.when.items():
        if names is not None and name not in names:
            continue
        value = env.get(name)
        if why := _unset(name, value):
            out.append(why + _near_names(name, env))
        elif value != wanted:
            out.append(f"{name} is {_shown_word(p, value)}, not {wanted!r}")
    return out


def _near_names(name: str, env: dict[str, str]) -> str:
    """A condition on a name the service does not set, beside one it sets that is spelt almost alike, may be a typo
    that would keep the item not applicable for ever: say the near name (never its value)."""
    near = [n for n in env if n.upper() == name.upper() and n != name]
    near += [n for n in difflib.get_close_matches(name, list(env), n=2, cutoff=0.85) if n not in near and n != name]
    return f" (the service sets {' and '.join(near)}: is the condition's name misspelt?)" if near else ""


PER_SERVICE = (_judge_required, _judge_any_of, _judge_forbidden, _judge_forbidden_jwt_roles, _judge_values,
               _judge_values_if_set, _judge_not_values, _judge_format,
               _judge_min_length, _judge_contains, _judge_matches, _judge_not_equal)


def _judge_equal(p: Params, services: dict[str, dict[str, str]], f: Findings, evidence: dict) -> None:
    assert p.equal is not None
    f.expected.append(f"{', '.join(p.equal.names)} identical on {', '.join(p.equal.services)}")
    for name in p.equal.names:
        values = {s: services[s].get(name) for s in p.equal.services}
        evidence.setdefault("equal", {})[name] = {s: _described(v) for s, v in values.items()}
        for service in p.equal.services:
            f.twice(services[service], name, service)
        readable = {s: f.clear(services[s], name, s) for s in p.equal.services}  # every split and withheld one said
        if not all(readable.values()):
            # what the services read cleanly may already disagree, whatever the others are: one not set beside a value
            # withheld (set, not shown), or two values that differ
            clean = {s: values[s] for s in p.equal.services if readable[s]}
            unset = [s for s, v in clean.items() if is_unset(v)]
            if unset and all(values[s] in WITHHELD for s in p.equal.services if not readable[s]):
                f.problems.append(f"{name} is {_unset_where({s: clean[s] for s in unset})}, and set on the others")
                f.failed.setdefault("equal", []).append(name)
            elif len({v for v in clean.values() if not is_unset(v)}) > 1:
                shown = ", ".join(f"{s} {fingerprint(v)}" for s, v in clean.items() if not is_unset(v))
                f.problems.append(f"{name} differs across services ({shown})")
                f.failed.setdefault("equal", []).append(name)
            continue
        nul = [s for s, v in values.items() if v is not None and NUL in v]
        if nul:  # the part before it may agree where the values do not: neither is what a service gets
            f.problems.append(f"{name} holds a NUL byte on {', '.join(nul)}, which ends a value in every process "
                              f"environment — fix: remove the NUL byte from {name}")
            f.failed.setdefault("equal", []).append(name)
        elif any(is_unset(v) for v in values.values()):  # unset on both is no agreement: neither has a value
            f.problems.append(f"{name} is {_unset_where(values)}")
            f.failed.setdefault("equal", []).append(name)
        elif len(set(values.values())) > 1:
            shown = ", ".join(f"{s} {fingerprint(v)}" for s, v in values.items())
            f.problems.append(f"{name} differs across services ({shown})")
            f.failed.setdefault("equal", []).append(name)


def _unset_where(values: dict[str, str | None]) -> str:
    """Where a name is unset, as is_unset means it (missing, blank, a NUL byte, a word an unset variable is written as), by
    service: `not set on web and 'undefined' (what JavaScript writes …) on api`. The words are no one's secret."""
    where: dict[str, list[str]] = {"not set": [], "blank": []}  # in this order, then each word as seen
    for service, value in values.items():
        if value is None:
            where["not set"].append(service)
        elif is_blank(value):
            where["blank"].append(service)
        elif NUL in value:
            where.setdefault("holding a NUL byte (which ends a value in every process environment)", []).append(service)
        elif value.strip() in UNSET_WORDS:
            word = value.strip()
            where.setdefault(f"'{word}' ({UNSET_WORDS[word]})", []).append(service)
        elif (inner := quotes_kept(value)) is not None and (is_blank(inner) or inner.strip() in UNSET_WORDS):
            # only these are shown: a quoted value that is set is someone's secret
            where.setdefault(f"{value.strip()} (quotes a reader kept round no value)", []).append(service)
    return " and ".join(f"{how} on {', '.join(services)}" for how, services in where.items() if services)


def _with_notes(observed: str, f: Findings) -> str:
    return "; ".join([observed, *f.notes])


def _file_evidence(f: Findings) -> dict[str, Any]:
    """What the env files said beside the values: the names read two ways, the names defined twice."""
    out: dict[str, Any] = {}
    if f.read_two_ways:
        out["read_two_ways"] = f.read_two_ways
    if f.defined_twice:
        out["defined_twice"] = f.defined_twice
    return out


def judge(check, facts) -> Outcome:
    p: Params = check.params
    services: dict[str, Any] = facts["services"]
    for service in p.services:
        env = services.get(service)
        if isinstance(env, GatherError):
            return error(f"could not read env of service '{service}': {env}")
        if not env and not p.allow_empty:
            return nothing_found("env vars", f"the env source of service '{service}'")
    f = Findings(service=p.service)
    evidence: dict[str, Any] = {}
    if p.service:
        env = services[p.service]
        when = {n: _described(env.get(n)) for n in p.when}
        for name in p.when:
            f.twice(env, name, p.service)
        readable = {n: f.clear(env, n) for n in p.when}  # (every unclear one said)
        if not all(readable.values()):  # either reading may be the service's, or its value is withheld: no verdict,
            # unless a condition read cleanly does not hold — then none of the rules applies, whatever the others are
            clear = [n for n, ok in readable.items() if ok and _nul_byte(n, env.get(n)) is None]
            if unmet := _condition_fails(p, env, clear):
                return passed(f"{_when_text(p)}: the item's rules {f.where}",
                              _with_notes(f"not applicable: {'; '.join(unmet)}", f), when=when, **_file_evidence(f))
            return error(_with_notes("could not look: " + "; ".join(f.unknown), f), when=when, **_file_evidence(f))
        nul = {name: why for name in p.when if (why := _nul_byte(name, env.get(name)))}
        if nul:  # Node reads the part before it (which may hold), a Python service stops: neither applies nor not
            return failed(f"{_when_text(p)}: the item's rules {f.where}", _with_notes(
                "; ".join(f"{why} {f.where}" for why in nul.values()), f), when=when, failed_rules={"when": list(nul)},
                **_file_evidence(f))
        unmet = _condition_fails(p, env)
        if unmet:
            return passed(f"{_when_text(p)}: the item's rules {f.where}",
                          _with_notes(f"not applicable: {'; '.join(unmet)}", f), when=when, **_file_evidence(f))
        for rule in PER_SERVICE:
            rule(p, env, f)
        if p.not_placeholder:
            _judge_not_placeholder(p, env, facts.get("examples", {}), f)
        evidence[p.service] = f.seen
        if f.patterns:
            evidence["patterns"] = f.patterns
        if f.jwt_roles:
            evidence["jwt_roles"] = f.jwt_roles
    if p.equal:
        _judge_equal(p, services, f, evidence)
    if f.failed:
        evidence["failed_rules"] = f.failed
    evidence.update(_file_evidence(f))
    expected = "; ".join(f.expected)
    if p.when:
        expected = f"{_when_text(p)}: {expected}"
        evidence["when"] = when
    if f.problems:  # what could not be judged besides stays so: no waiver or --fail-on may take it (see items)
        return failed(expected, _with_notes("; ".join(f.problems), f), undecided=f.unknown, **evidence)
    if f.unknown:
        return error(_with_notes("could not look: " + "; ".join(f.unknown), f), **evidence)
    return passed(expected, _with_notes("all as expected" + (" (conditions hold)" if p.when else ""), f), **evidence)
