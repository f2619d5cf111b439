"""The registry of check families: one line per family.

A family is one module with the same names everywhere:
    NAME     the family name used in checklists, test files and docs
    Params   a strict pydantic model of the item's `params`
    NEEDS    what the target must configure: "database", "url", "env", "repo", "endpoint:<name>",
             "provider:<name>", "secret:<name>" (or a function `needs(params) -> tuple`); anything else
             makes the family's items errors naming it (engine.KNOWN_NEEDS)
    gather(target, checks) -> facts     one batched, read-only conversation with the target
    judge(check, facts) -> Outcome      pure: no I/O, no clock ("now" comes from the facts)
    bound(target, checks) -> seconds    optional: the worst-case time of `gather` apart from the database
                                        (whose budget the engine counts), from the timeouts
    local_s(checks) -> seconds          optional: time `gather` spends on its own work (parsing a large
                                        answer), added to the bound so a slow parse is not blamed on the target
    platform_ids(params) -> {platform: {name}}
                                        optional, for a family whose items name a platform's objects by the
                                        `providers.<platform>.service.<name>` settings that map them to ids:
                                        the names an item cites, so a misspelt one is refused at load
    platform_settings(params) -> {platform: {key: part}}
                                        optional: the `providers.<platform>` settings a part of an item needs
                                        beyond ids (the part, by key): one no environment sets is warned of
    PROVIDER_SETTINGS   optional, for a family that reads `providers.<platform>` settings: {platform: the keys
                        it reads there}; a key ending in "." stands for every key it begins (`service.` for
                        `service.web`), and platform "*" for whatever provider its items name in their needs
                        (`provider:<name>`: s3's). A key no family reads is refused when the environment loads;
                        such a family is listed in PROVIDER_READERS
    database_statements(target, checks) -> [statement]
                                        optional, for a family that talks to the database: the statements
                                        its `gather` sends (it builds them with this very function), so the
                                        engine can ask those of every family of a target in one round trip

Modules are imported when a checklist names them, so a run pays only for the families it uses.
"""

from __future__ import annotations

import importlib
import math
from types import ModuleType
from typing import Any, Iterable

# name -> module (under opsverify.families); one line per family
BUILT: dict[str, str] = {
    "schema": "schema",
    "migrations": "migrations",
    "sql": "sql",
    "env": "env",
    "http": "http",
    "cron": "cron",
    "scheduler": "scheduler",
    "rpc": "rpc",
    "provider": "provider",
    "webhook": "webhook",
    "metrics": "metrics",
    "tls": "tls",
    "bundle": "bundle",
    "redis": "redis",
    "tcp": "tcp",
    "s3": "s3",
    "repo": "repo",
}

FAMILY_NAMES: frozenset[str] = frozenset({*BUILT, "manual"})
# the families that declare PROVIDER_SETTINGS: imported only when an environment configures a provider
PROVIDER_READERS = ("provider", "repo", "s3")
REQUESTS_AT_ONCE = 16  # concurrent requests per target (transports.http.Session)


def get(name: str) -> ModuleType | None:
    module = BUILT.get(name)
    return None if module is None else importlib.import_module(f"{__name__}.{module}")


def params_model(name: str) -> Any:
    module = get(name)
    return None if module is None else module.Params


def needs(module: ModuleType, params: Any) -> tuple[str, ...]:
    custom = getattr(module, "needs", None)
    return tuple(custom(params)) if callable(custom) else tuple(getattr(module, "NEEDS", ()))


def sends_secrets(module: ModuleType, params: Any) -> tuple[str, ...]:
    """The secrets an item's requests carry (or are signed with): a family's own `sends_secrets(params)`, else every
    secret its needs cite."""
    custom = getattr(module, "sends_secrets", None)
    if callable(custom):
        return tuple(custom(params))
    return tuple(need.split(":", 1)[1] for need in needs(module, params)
                 if isinstance(need, str) and need.startswith("secret:"))


def platform_ids(module: ModuleType, params: Any) -> dict[str, set[str]]:
    custom = getattr(module, "platform_ids", None)
    return custom(params) if callable(custom) else {}


def platform_settings(module: ModuleType, params: Any) -> dict[str, dict[str, str]]:
    custom = getattr(module, "platform_settings", None)
    return custom(params) if callable(custom) else {}


def provider_settings(platform: str, citing: Iterable[str] = ()) -> set[str]:
    """The keys some family reads under `providers.<platform>`: what each reader declares for that platform, and what
    each family of `citing` (whose items name the platform in their needs) reads under any name it is given. Empty
    when no family is known to read it (a team's own name, read by a family whose items are not known)."""
    keys: set[str] = set()
    for name in PROVIDER_READERS:
        declared = get(name).PROVIDER_SETTINGS
        keys.update(declared.get(platform, ()), declared.get("*", ()) if name in citing else ())
    return keys


def is_provider_setting(key: str, settings: set[str]) -> bool:
    """Whether `key` is one of `settings`, or begins with one that ends in "." (`service.web`: `service.`)."""
    return key in settings or any(s.endswith(".") and key.startswith(s) and key != s for s in settings)


def needs_kinds(module: ModuleType | None, checks: list) -> set[str]:
    if module is None:
        return set()
    return {need for check in checks for need in needs(module, check.params)}


def bound(module: ModuleType, target: Any, checks: list, *, include_database: bool = True) -> float:
    """The worst-case seconds of one group's gather: the target database's budget for the whole run
    (when the family talks to it), plus the rest — the family's own `bound(target, checks)` (which
    covers everything but the database), else requests in waves of REQUESTS_AT_ONCE."""
    kinds = needs_kinds(module, checks)
    seconds = target.database_bound_s() if include_database and "database" in kinds else 0.0
    local = getattr(module, "local_s", None)  # the family's own work on what it fetched (parsing a large answer)
    if callable(local):
        seconds += float(local(checks))
    custom = getattr(module, "bound", None)
    if callable(custom):
        return seconds + float(custom(target, checks))
    if kinds - {"database"} or not kinds:
        timeouts = target.timeouts
        waves = math.ceil(2 * len(checks) / REQUESTS_AT_ONCE)  # some families send two requests per item
        seconds += timeouts.connect_s + timeouts.http_s * waves
    return seconds


def database_statements(module: ModuleType, target: Any, checks: list) -> list:
    """The statements a family's gather will send to the target's database ([] when it does not say)."""
    statements = getattr(module, "database_statements", None)
    return list(statements(target, checks)) if callable(statements) else []
