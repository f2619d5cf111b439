"""The registry of check families: one line per family.

A family is one module with the same names everywhere:
    NAME     the family name used in checklists, test files and docs
    Params   a strict pydantic model of the item's `params`
    NEEDS    what the target must configure: "database", "url", "env", "repo", "endpoint:<name>"
             (or a function `needs(params) -> tuple`)
    gather(target, checks) -> facts     one batched, read-only conversation with the target
    judge(check, facts) -> Outcome      pure: no I/O, no clock ("now" comes from the facts)
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from . import (
    bundle,
    cron,
    env,
    http,
    metrics,
    migrations,
    provider,
    redis,
    repo,
    rpc,
    s3,
    scheduler,
    schema,
    sql,
    tcp,
    tls,
    webhook,
)

BUILT: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        schema,
        migrations,
        sql,
        env,
        http,
        cron,
        scheduler,
        rpc,
        provider,
        webhook,
        metrics,
        tls,
        bundle,
        redis,
        tcp,
        s3,
        repo,
    )
}

# Families an inventory item may name before they are built: collected and skipped, never passed.
PLANNED: tuple[str, ...] = ()

FAMILY_NAMES: frozenset[str] = frozenset({*BUILT, *PLANNED, "manual"})


def get(name: str) -> ModuleType | None:
    return BUILT.get(name)


def params_model(name: str) -> Any:
    module = BUILT.get(name)
    return None if module is None else module.Params


def needs(module: ModuleType, params: Any) -> tuple[str, ...]:
    custom = getattr(module, "needs", None)
    return tuple(custom(params)) if callable(custom) else tuple(getattr(module, "NEEDS", ()))
