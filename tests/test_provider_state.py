"""provider: what an item proves and what it does not — a part whose setting is not configured leaves the rest
judged, a state read from a replayed answer proves nothing now, and an organisation secret the repository's shadows
is no job's value."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import provider
from opsverify.families.provider import Call, interpret, judge
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Reply

from .kit import make_target, route_server
from .test_provider import (NOW, _dated, addons, backups, deploys, gh, make_check, ok, service)
from .test_provider_hostile import _listed

FRESH = (NOW - timedelta(days=3)).isoformat().replace("+00:00", "Z")
STALE_400 = (NOW - timedelta(days=400)).isoformat().replace("+00:00", "Z")


# -- Render: secret_age needs providers.render.env_group; deploy_status does not ----------------------------------
DEPLOY_AND_AGE = {"platform": "render", "services": ["web"], "deploy_status": "live",
                  "secret_age": {"names": ["API_JWT_SECRET"], "max_days": 92}}


def _render_without_env_group(deploy_status: str, check):
    """A Render API answering web's newest deploy and the service; providers.render has no env_group. Returns the
    outcome and every path asked."""
    asked: list[str] = []

    def answer(path: str, body):
        def handler(headers, _body):
            asked.append(path)
            return 200, json.dumps(body)
        return handler

    routes = {("GET", "/services/srv-web/deploys?limit=1"): answer("deploys", deploys(deploy_status)),
              ("GET", "/services/srv-web"): answer("service", service())}
    with route_server(routes) as url:
        target = make_target({"providers": {"render": {"base_url": url, "token": "rnd-token-0123456789",
                                                       "service.web": "srv-web"}}})
        try:
            return gather_and_judge(target, provider, [check])[0], asked  # as a run judges it
        finally:
            target.close()


def test_a_failed_deploy_fails_though_the_env_group_is_not_configured():
    """The whole item had been skipped (exit 0) as not configured: web's build_failed deploy was never asked for."""
    outcome, asked = _render_without_env_group("build_failed", make_check(**DEPLOY_AND_AGE))
    assert outcome.status is Status.FAILED, outcome
    assert "web: newest deploy dep-1 is build_failed" in outcome.observed, outcome.observed
    assert ("secret_age (API_JWT_SECRET) not checked: providers.render.env_group not configured for joslyn-ai in "
            "test") in outcome.observed, outcome.observed
    assert sorted(asked) == ["deploys", "service"]


def test_a_live_deploy_does_not_pass_an_item_whose_env_group_is_not_configured():
    """What was checked is said, and the item is not PASSED for the secret_age it did not check."""
    outcome, _ = _render_without_env_group("live", make_check(**DEPLOY_AND_AGE))
    assert outcome.status is Status.SKIPPED, outcome
    assert outcome.observed.startswith("secret_age (API_JWT_SECRET) not checked: providers.render.env_group not "
                                       "configured for joslyn-ai in test"), outcome.observed
    assert "the rest as expected: newest deploys live, no service suspended" in outcome.observed, outcome.observed
    assert outcome.evidence["deploys"]["web"]["status"] == "live"
    assert outcome.evidence["not_configured"] == ["secret_age (API_JWT_SECRET) not checked: providers.render."
                                                  "env_group not configured for joslyn-ai in test"]


def test_an_item_of_secret_age_alone_without_the_env_group_is_skipped_asking_nothing():
    outcome, asked = _render_without_env_group("live", make_check(
        platform="render", services=["web"], secret_age={"names": ["API_JWT_SECRET"], "max_days": 92}))
    assert outcome.status is Status.SKIPPED, outcome
    assert "providers.render.env_group not configured" in outcome.observed
    assert asked == []


# -- GitHub: the repository's value shadows the organisation's --------------------------------------------------
def test_an_organisation_secret_the_repositorys_shadows_is_not_aged():
    """GitHub: the lowest level wins — a job sees the repository's value, never the organisation's of that name."""
    check = make_check(platform="github", secret_age={"names": ["CRON_SECRET"], "max_days": 90})
    outcome = judge(check, {check.key: gh(_listed(CRON_SECRET=FRESH), _listed(CRON_SECRET=STALE_400))})
    assert outcome.status is Status.PASSED, outcome
    seen = outcome.evidence["secret_age"]["CRON_SECRET"]
    assert seen["the repository"].startswith(f"updated {FRESH}")
    assert seen["the organisation"] == "shadowed by the repository's (no job sees it)"


def test_an_organisation_secret_is_aged_where_the_repository_has_none():
    check = make_check(platform="github", secret_age={"names": ["CRON_SECRET"], "max_days": 90})
    outcome = judge(check, {check.key: gh(_listed(OTHER=FRESH), _listed(CRON_SECRET=STALE_400))})
    assert outcome.status is Status.FAILED, outcome
    assert "CRON_SECRET (the organisation) last updated 400.0 days ago" in outcome.observed
