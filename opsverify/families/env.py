"""env: a service's env vars — required, any-of, forbidden, exact flags, formats, equal across services.

Values stay in memory: evidence shows presence, length and a short fingerprint only.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal
from urllib.parse import urlsplit

import base58
from pydantic import model_validator

from ..errors import GatherError
from ..outcome import Outcome, error, verdict
from ..secrets import describe, fingerprint
from ._common import StrictParams

NAME = "env"
NEEDS = ("env",)

FALSY = {"", "false", "0", "no", "off"}
_FLAG = re.compile(r"^(true|false|yes|no|on|off|0|1)$", re.IGNORECASE)
_EMAIL = re.compile(r"^(?:[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>)$")

Format = Literal["https-url", "url", "base58-pubkeys", "email", "integer", "bool"]


class Equal(StrictParams):
    names: list[str]
    services: list[str]


class Params(StrictParams):
    service: str | None = None
    required: list[str] = []
    any_of: list[list[str]] = []
    forbidden: list[str] = []
    values: dict[str, str] = {}
    format: dict[str, Format] = {}
    equal: Equal | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Params":
        per_service = self.required or self.any_of or self.forbidden or self.values or self.format
        if per_service and not self.service:
            raise ValueError("required/any_of/forbidden/values/format need a service")
        if not per_service and not self.equal:
            raise ValueError("give at least one of required, any_of, forbidden, values, format, equal")
        if self.equal and len(self.equal.services) < 2:
            raise ValueError("equal needs at least two services")
        return self


def gather(target, checks) -> dict[str, Any]:
    services: set[str] = set()
    for check in checks:
        p: Params = check.params
        if p.service:
            services.add(p.service)
        if p.equal:
            services.update(p.equal.services)
    facts: dict[str, Any] = {}
    for service in sorted(services):
        try:
            facts[service] = target.env_vars(service)
        except GatherError as exc:
            facts[service] = exc
    return facts


def _shown(value: str) -> str:
    """Flags may be shown as they are; anything else only as its length."""
    return repr(value) if _FLAG.match(value) else f"a value of length {len(value)}"


def format_problem(kind: str, value: str) -> str | None:
    """Why `value` is not of format `kind`, without ever quoting it; None when fine."""
    if kind in ("https-url", "url"):
        try:
            parts = urlsplit(value)
        except ValueError:
            return "is not a URL"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "is not an http(s) URL"
        if kind == "https-url":
            if parts.scheme != "https":
                return f"uses {parts.scheme}, not https"
            host = parts.hostname
            loopback = host in ("localhost", "0.0.0.0") or host.endswith(".localhost")
            try:
                loopback = loopback or ipaddress.ip_address(host).is_loopback
            except ValueError:
                pass
            if loopback:
                return f"points at {host}"
        return None
    if kind == "base58-pubkeys":
        keys = [k for k in re.split(r"[\s,]+", value) if k]
        if not keys:
            return "holds no keys"
        bad = []
        for index, key in enumerate(keys, 1):
            try:
                if len(base58.b58decode(key)) != 32:
                    bad.append(f"key {index} is not 32 bytes")
            except ValueError:
                bad.append(f"key {index} is not base58")
        return f"({len(keys)} keys) " + ", ".join(bad) if bad else None
    if kind == "email":
        return None if _EMAIL.match(value) else "is not an email address"
    if kind == "integer":
        return None if re.fullmatch(r"-?\d+", value) else "is not an integer"
    if kind == "bool":
        return None if _FLAG.match(value) else "is not a boolean flag"
    return f"unknown format {kind}"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    for service in ([p.service] if p.service else []) + (p.equal.services if p.equal else []):
        if isinstance(facts.get(service), GatherError):
            return error(f"could not read env of service '{service}': {facts[service]}")
    problems: list[str] = []
    expected: list[str] = []
    evidence: dict[str, Any] = {}
    if p.service:
        env: dict[str, str] = facts[p.service]
        where = f"on {p.service}"
        seen = {}
        if p.required:
            expected.append(f"{', '.join(p.required)} set {where}")
            missing = [n for n in p.required if not env.get(n)]
            if missing:
                problems.append(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set {where}")
            seen.update({n: describe(env.get(n) or None) for n in p.required})
        for group in p.any_of:
            expected.append(f"one of {' / '.join(group)} set {where}")
            if not any(env.get(n) for n in group):
                problems.append(f"none of {' / '.join(group)} is set {where}")
            seen.update({n: describe(env.get(n) or None) for n in group})
        for name in p.forbidden:
            expected.append(f"{name} unset or false {where}")
            value = env.get(name)
            if value is not None and value.strip().lower() not in FALSY:
                problems.append(f"{name} is set to {_shown(value)} {where}")
            seen[name] = describe(value)
        for name, wanted in p.values.items():
            expected.append(f"{name}={wanted} {where}")
            value = env.get(name)
            if value is None:
                problems.append(f"{name} is not set {where}")
            elif value != wanted:
                problems.append(f"{name} is {_shown(value)} {where}")
            seen[name] = describe(value)
        for name, kind in p.format.items():
            expected.append(f"{name} is {kind} {where}")
            value = env.get(name)
            if not value:
                problems.append(f"{name} is not set {where}")
            else:
                why = format_problem(kind, value)
                if why:
                    problems.append(f"{name} {why} {where}")
            seen[name] = describe(value)
        evidence[p.service] = seen
    if p.equal:
        expected.append(f"{', '.join(p.equal.names)} identical on {', '.join(p.equal.services)}")
        for name in p.equal.names:
            values = {s: facts[s].get(name) for s in p.equal.services}
            evidence.setdefault("equal", {})[name] = {s: describe(v) for s, v in values.items()}
            absent = [s for s, v in values.items() if not v]
            if absent:
                problems.append(f"{name} is not set on {', '.join(absent)}")
            elif len(set(values.values())) > 1:
                shown = ", ".join(f"{s} {fingerprint(v)}" for s, v in values.items())
                problems.append(f"{name} differs across services ({shown})")
    return verdict("; ".join(expected), problems, "all as expected", **evidence)
