"""provider: what an item proves and what it does not — a part whose setting is not configured leaves the rest
judged, a state read from a replayed answer proves nothing now, and an organisation secret the repository's shadows
is no job's value."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

import pytest

from opsverify.engine import gather_and_judge
from opsverify.families import provider
from opsverify.families.provider import Answer, Call, interpret, judge
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Reply

from .kit import handler_server, make_target, route_server
from .test_provider import (GROUP, NEW, NOW, NO_SECRETS, StubTarget, _dated, _group, addons, backups, cron_events,
                            deploys, gh, iso, jwt_age, listed, make_check, ms, ok, own_env, render_groups, run_render,
                            service)
from .test_provider_hostile import VercelPagesStub, _listed

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


# -- a state read from an answer whose Date is behind the runner's clock proves nothing now -------------------------
RENDER_DEPLOYS = Call("render", "https://api.render.com/v1/services/srv-web/deploys?limit=1", (), "plain")
RENDER_SERVICE = Call("render", "https://api.render.com/v1/services/srv-web", (), "render-service")
SUPABASE_BACKUPS = Call("supabase", "https://api.supabase.com/v1/projects/p/database/backups", (), "plain")
SUPABASE_ADDONS = Call("supabase", "https://api.supabase.com/v1/projects/p/billing/addons", (), "plain")
SUPABASE_SECRETS = Call("supabase", "https://api.supabase.com/v1/projects/p/secrets", (), "supabase-secrets")
VERCEL_ENV = Call("vercel", "https://api.vercel.com/v10/projects/p/env", (), "vercel-env")
GITHUB_SECRETS = Call("github", "https://api.github.com/repos/o/r/actions/secrets?per_page=100&page=1", (),
                      "github-secrets")


def _answered(call: Call, body, hours_off: float):
    """The call's answer with Date `hours_off` from the runner's clock (NOW)."""
    return interpret(call, Reply(200, 1.0, _dated(hours_off), json.dumps(body)), Redactor(), NOW)


def _render_deploy(hours_off: float, status: str = "live") -> dict:
    return {"deploy:web": _answered(RENDER_DEPLOYS, deploys(status), hours_off),
            "service:web": _answered(RENDER_SERVICE, service(), hours_off)}


def _supabase_pitr(hours_off: float) -> dict:
    return {"backups": _answered(SUPABASE_BACKUPS, backups(pitr=True, physical_hours=1), hours_off),
            "addons": _answered(SUPABASE_ADDONS, addons("pitr_7"), hours_off)}


def _github_required(hours_off: float) -> dict:
    return {**gh(_listed()), "secrets": _answered(GITHUB_SECRETS, _listed(CRON_SECRET=FRESH), hours_off)}


VERCEL_BODY = {"envs": [{"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": 1}]}
REPLAYED = ("2026-11-24T16:00:00Z, 20.0 h behind this runner's clock as it asked (2026-11-25T12:00:00Z): a cached "
            "or replayed answer shows the state as it was then, not now")


@pytest.mark.parametrize("params, facts, words", [
    ({"platform": "render", "services": ["web"], "deploy_status": "live"}, _render_deploy,
     ["web's newest deploy not judged: Render API answered GET https://api.render.com/v1/services/srv-web/deploys"
      "?limit=1 with Date " + REPLAYED, "web's suspension not judged"]),
    ({"platform": "supabase", "pitr_days": 7}, _supabase_pitr,
     ["pitr_enabled not judged: Supabase Management API answered GET https://api.supabase.com/v1/projects/p/"
      "database/backups with Date " + REPLAYED, "the PITR add-on not judged"]),
    ({"platform": "supabase", "required": ["CRON_SECRET"]},
     lambda off: {"secrets": _answered(SUPABASE_SECRETS, [{"name": "CRON_SECRET", "value": "v" * 20}], off)},
     ["CRON_SECRET set not judged: Supabase Management API answered"]),
    ({"platform": "vercel", "required": ["CRON_SECRET"]},
     lambda off: {"env": _answered(VERCEL_ENV, VERCEL_BODY, off)}, ["CRON_SECRET set not judged: Vercel API"]),
    ({"platform": "github", "required": ["CRON_SECRET"]}, _github_required,
     ["CRON_SECRET present not judged: GitHub API answered"]),
], ids=["render-deploy", "supabase-pitr", "supabase-required", "vercel-required", "github-required"])
def test_a_state_read_from_a_replayed_answer_is_an_error_not_a_pass(params, facts, words):
    """A cache replaying a 20 h old answer: the deploy it shows live may have been replaced by a failed one since;
    an age only looks older from it, a state may look healthier."""
    check = make_check(**params)
    outcome = judge(check, {check.key: facts(-20)})
    assert outcome.status is Status.ERROR, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    # the same answers with the clocks agreeing (3 minutes apart: within the skew allowance) pass
    assert judge(check, {check.key: facts(-0.05)}).status is Status.PASSED


# -- a cron job's newest run is a state too: how it ended is not judged from a replay; its age keeps the rule ----------
RENDER_EVENTS = Call("render", "https://api.render.com/v1/services/crn-1/events?type=cron_job_run_ended", (), "plain")
CRON = {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 6}}}
BEHIND_3H = ("2026-11-25T09:00:00Z, 3.0 h behind this runner's clock as it asked (2026-11-25T12:00:00Z): a cached or "
             "replayed answer shows the state as it was then, not now")


def _cron(events: list, hours_off: float) -> dict:
    return {"cron:trim": _answered(RENDER_EVENTS, events, hours_off)}


@pytest.mark.parametrize("status, live", [("successful", Status.PASSED), ("failed", Status.FAILED)])
def test_how_a_cron_jobs_newest_run_ended_is_not_judged_from_a_replayed_answer(status, live):
    """The events list of 3 h ago: its newest run (1 h before that) need not be the newest now, which may have ended
    otherwise since — neither a pass nor a failure."""
    check = make_check(**CRON)
    events = cron_events(("cron_job_run_ended", 4, status))
    outcome = judge(check, {check.key: _cron(events, -3)})
    assert outcome.status is Status.ERROR, outcome
    assert (f"cron job trim: its newest run's status not judged: Render API answered {RENDER_EVENTS.request} with "
            f"Date {BEHIND_3H}") in outcome.observed, outcome.observed
    assert outcome.evidence["cron_runs"]["trim"]["status"] == status  # what was seen, said as not judged
    assert "not judged" in outcome.evidence["cron_runs"]["trim"]["judged"]
    assert judge(check, {check.key: _cron(events, -0.05)}).status is live  # the clocks agreeing: judged


def test_a_cron_run_too_old_in_a_replayed_answer_still_fails():
    """Ages keep their rule: measured from the runner's clock, the newest run seen is 8 h old."""
    check = make_check(**CRON)
    outcome = judge(check, {check.key: _cron(cron_events(("cron_job_run_ended", 8, "successful")), -3)})
    assert outcome.status is Status.FAILED, outcome
    assert "cron job trim: newest run ended 8.0 h ago" in outcome.observed, outcome.observed
    assert any("its newest run's status not judged" in u for u in outcome.evidence["undecided"]), outcome.evidence


class _ReplayingEvents(BaseHTTPRequestHandler):
    """A cache in front of Render's API answering the events list it stored 3 h ago, dated then: the newest run, 1 h
    before that, had succeeded. (send_response_only: send_response would add a live Date before ours.)"""

    def do_GET(self):
        then = datetime.now(timezone.utc) - timedelta(hours=3)
        ended = (then - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        found = self.path.startswith("/services/crn-trim/events?")
        body = json.dumps([{"event": {"id": "evt-1", "type": "cron_job_run_ended", "timestamp": ended,
                                      "details": {"cronJobRunId": "crj-1", "status": "successful"}},
                            "cursor": "c"}] if found else {}).encode()
        self.send_response_only(200 if found else 404)
        self.send_header("date", formatdate(then.timestamp(), usegmt=True))
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_run_replaying_a_cron_jobs_events_is_an_error():
    """As a run gathers it: the answer's Date is measured against the runner's clock as it asked."""
    check = make_check(**CRON)
    with handler_server(_ReplayingEvents) as url:
        target = make_target({"providers": {"render": {"base_url": url, "token": "rnd-token-0123456789",
                                                       "service.trim": "crn-trim"}}})
        try:
            (outcome,) = gather_and_judge(target, provider, [check])
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    assert "cron job trim: its newest run's status not judged" in outcome.observed, outcome.observed
    assert "3.0 h behind this runner's clock as it asked" in outcome.observed, outcome.observed


# -- secret_age: whether a name is set is a state; its age keeps the rule ------------------------------------------
SUPABASE_SECRET = {"name": "CRON_SECRET", "value": "v" * 20}
GITHUB_ENV_SECRETS = Call("github", "https://api.github.com/repos/o/r/environments/production/secrets?per_page=100&"
                                    "page=1", (), "github-env-secrets")
RENDER_GROUP = Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group")


def _behind(data, hours_off: float, request: str) -> Answer:
    """An answer as read (its sanitized shape), dated `hours_off` from the runner's clock (NOW) as it asked."""
    return Answer(request, data, NOW + timedelta(hours=hours_off), NOW)


def _vercel(hours_off: float, **days: float) -> dict:
    envs = [{"key": k, "type": "encrypted", "target": ["production"], "updatedAt": ms(d)} for k, d in days.items()]
    return {"env": _answered(VERCEL_ENV, {"envs": envs}, hours_off)}


def _supabase(hours_off: float, **days: float) -> dict:
    return {"secrets": _answered(SUPABASE_SECRETS, [{**SUPABASE_SECRET, "name": k, "updated_at": iso(days=d)}
                                                    for k, d in days.items()], hours_off)}


def _github(hours_off: float, **days: float) -> dict:
    return {**gh(_listed()), "secrets": _answered(GITHUB_SECRETS, _listed(**{k: iso(days=d) for k, d in days.items()}),
                                                  hours_off)}


def _github_environment(hours_off: float, **days: float) -> dict:
    return {"secrets": ok(NO_SECRETS), "org_secrets": ok(NO_SECRETS),
            "env_secrets": _answered(GITHUB_ENV_SECRETS, _listed(**{k: iso(days=d) for k, d in days.items()}),
                                     hours_off)}


def _render(hours_off: float, linked: bool = True, **days: float) -> dict:
    """The env group holding the names, changed as the freshest of them; linked to web, or not."""
    group = {**GROUP, "keys": list(days), "updatedAt": iso(days=min(days.values(), default=2)),
             "service_ids": ["srv-w"] if linked else []}
    return {**listed(group=group), "env_group": _behind(group, hours_off, RENDER_GROUP.request),
            "service_ids": {"web": "srv-w"}, **own_env("web")}


SECRETS_OF = {"vercel": _vercel, "supabase": _supabase, "github": _github, "github-environment": _github_environment,
              "render": _render}
PRESENCE_NOT_JUDGED = {
    "vercel": f"CRON_SECRET set not judged: Vercel API answered {VERCEL_ENV.request} with Date {REPLAYED}",
    "supabase": f"CRON_SECRET set not judged: Supabase Management API answered {SUPABASE_SECRETS.request} with Date "
                f"{REPLAYED}",
    "github": f"CRON_SECRET present not judged: GitHub API answered {GITHUB_SECRETS.request} with Date {REPLAYED}",
    "github-environment": f"CRON_SECRET present not judged: GitHub API answered {GITHUB_ENV_SECRETS.request} with "
                          f"Date {REPLAYED}",
    "render": f"env group 'secrets' holding CRON_SECRET and linked to web not judged: Render API answered "
              f"{RENDER_GROUP.request} with Date {REPLAYED}"}


def _secret_age(platform: str, names: list | None = None, max_days: float = 30):
    more = {"environment": "production"} if platform == "github-environment" else {}
    more |= {"services": ["web"]} if platform == "render" else {}
    return make_check(platform=platform.removesuffix("-environment"),
                      secret_age={"names": names or ["CRON_SECRET"], "max_days": max_days}, **more)


@pytest.mark.parametrize("platform", sorted(SECRETS_OF))
def test_a_name_set_in_a_replayed_answer_is_not_judged_set(platform):
    """A Vercel answer dated 20 h behind showing CRON_SECRET set and fresh: it may have been removed since, as
    `required` already says — secret_age had passed on it."""
    check = _secret_age(platform)
    outcome = judge(check, {check.key: SECRETS_OF[platform](-20, CRON_SECRET=2)})
    assert outcome.status is Status.ERROR, outcome
    assert PRESENCE_NOT_JUDGED[platform] in outcome.observed, outcome.observed
    # the same answers with the clocks agreeing pass
    assert judge(check, {check.key: SECRETS_OF[platform](-0.05, CRON_SECRET=2)}).status is Status.PASSED


@pytest.mark.parametrize("platform", sorted(SECRETS_OF))
@pytest.mark.parametrize("names", [["CRON_SECRET"], ["CRON_SECRET", ["SMTP_PASS", "EMAIL_SERVER"]]],
                         ids=["a-name", "an-either-or-group"])
def test_a_name_not_set_in_a_replayed_answer_is_not_a_failure(platform, names):
    """It may have been set since: unknown, never 'not set' (the same answer live fails)."""
    check = _secret_age(platform, names)
    outcome = judge(check, {check.key: SECRETS_OF[platform](-20, OTHER=2)})
    assert outcome.status is Status.ERROR, outcome
    assert PRESENCE_NOT_JUDGED[platform].replace("CRON_SECRET", check.params.secret_age.shown) in outcome.observed, \
        outcome.observed
    assert judge(check, {check.key: SECRETS_OF[platform](-0.05, OTHER=2)}).status is Status.FAILED


def test_a_render_env_group_not_linked_in_a_replayed_answer_is_not_a_failure():
    check = _secret_age("render")
    outcome = judge(check, {check.key: _render(-20, linked=False, CRON_SECRET=2)})
    assert outcome.status is Status.ERROR, outcome
    assert PRESENCE_NOT_JUDGED["render"] in outcome.observed, outcome.observed
    live = judge(check, {check.key: _render(-0.05, linked=False, CRON_SECRET=2)})
    assert live.status is Status.FAILED and "env group 'secrets' is not linked to web" in live.observed, live


@pytest.mark.parametrize("platform", sorted(SECRETS_OF))
def test_an_age_that_fails_in_a_replayed_answer_still_fails(platform):
    """Measured from the runner's clock, a replay only makes a value look older: the failure stands, whether the
    name is still set said as not judged beside it."""
    check = _secret_age(platform)
    outcome = judge(check, {check.key: SECRETS_OF[platform](-20, CRON_SECRET=100)})
    assert outcome.status is Status.FAILED, outcome
    assert "100.0 days ago" in outcome.observed, outcome.observed
    assert PRESENCE_NOT_JUDGED[platform] in outcome.evidence["undecided"], outcome.evidence


OTHER_GROUP = {"id": "evg-2", "name": "legacy", "updatedAt": iso(days=1), "keys": ["PORT"], "service_ids": ["srv-w"]}


@pytest.mark.parametrize("role, replayed, words", [
    ("env_groups", lambda facts: _behind(facts["env_groups"].data, -20, "GET https://api.render.com/v1/env-groups"),
     "which env groups are linked to web not judged: Render API answered GET https://api.render.com/v1/env-groups"),
    ("linked_group:evg-2", lambda facts: _behind(OTHER_GROUP, -20, "GET https://api.render.com/v1/env-groups/evg-2"),
     "whether env group 'legacy' (evg-2) sets CRON_SECRET not judged: Render API answered"),
    ("service_env:web", lambda facts: _behind({"keys": ["PORT"], "full": False}, -20,
                                              "GET https://api.render.com/v1/services/srv-w/env-vars"),
     "whether service web sets CRON_SECRET itself not judged: Render API answered"),
], ids=["groups-listed", "another-linked-group", "the-services-own"])
def test_which_render_groups_or_services_set_a_name_is_not_judged_from_a_replayed_answer(role, replayed, words):
    """Another group linked since, or the service setting the name itself since, may hold a stale value in force."""
    check = _secret_age("render")
    facts = {**_render(-0.05, CRON_SECRET=2), **listed(OTHER_GROUP, group={**GROUP, "keys": ["CRON_SECRET"]})}
    assert judge(check, {check.key: facts}).status is Status.PASSED
    outcome = judge(check, {check.key: {**facts, role: replayed(facts)}})
    assert outcome.status is Status.ERROR, outcome
    assert words in outcome.observed, outcome.observed


def test_a_replayed_list_of_githubs_environments_is_not_judged():
    """An environment made since may hold a stale value a job sees."""
    check = _secret_age("github")
    facts = {**_github(-0.05, CRON_SECRET=2),
             "environments": _behind({"total_count": 0, "names": []}, -20,
                                     "GET https://api.github.com/repos/o/r/environments?per_page=100&page=1")}
    outcome = judge(check, {check.key: facts})
    assert outcome.status is Status.ERROR, outcome
    assert ("CRON_SECRET present not judged: GitHub API answered GET https://api.github.com/repos/o/r/environments"
            in outcome.observed), outcome.observed


def test_a_slow_wave_makes_no_live_answer_look_replayed():
    """Answers are taken in when the whole wave is in: a live answer dated 10 minutes before that, but after it was
    asked, is no replay."""
    check = make_check(platform="render", services=["web"], deploy_status="live")
    asked, dated = NOW - timedelta(minutes=12), NOW - timedelta(minutes=10)
    facts = {"deploy:web": Answer(RENDER_DEPLOYS.request, deploys("live"), dated, NOW, sent=asked),
             "service:web": Answer(RENDER_SERVICE.request, service(), dated, NOW, sent=asked)}
    assert judge(check, {check.key: facts}).status is Status.PASSED


def test_a_failure_of_age_beside_a_replayed_state_still_fails():
    """Ages keep their rule: measured from the later clock, a stale one stands; the state beside it is unknown."""
    check = make_check(platform="supabase", pitr_days=7, backups={"max_age_hours": 26})
    facts = {"backups": _answered(SUPABASE_BACKUPS, backups(pitr=True, daily_hours=(45,)), -20),
             "addons": _answered(SUPABASE_ADDONS, addons("pitr_7"), -20)}
    outcome = judge(check, {check.key: facts})
    assert outcome.status is Status.FAILED, outcome
    assert "newest backup is 45.0 h old" in outcome.observed
    assert "pitr_enabled not judged" in outcome.observed, outcome.observed


# -- a cache stands before each page's URL alone: a replayed later page proves no more than a replayed first --------
class _ReplaysPages:
    """`inner`, but each answer to a URL holding `marker` comes dated 3 h behind the runner's clock: a cache replaying
    that page as it stored it then."""

    def __init__(self, inner, marker: str) -> None:
        self.inner, self.marker = inner, marker
        self.date = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def fetch_all(self, probes):
        replies = self.inner.fetch_all(probes)
        stale = {"date": formatdate(self.date.timestamp(), usegmt=True)}
        return [replace(r, headers={**{k: v for k, v in r.headers.items() if k.lower() != "date"}, **stale})
                if self.marker in probe.url else r for probe, r in zip(probes, replies, strict=True)]

    def replayed(self, what: str, label: str, url: str) -> str:
        """The error a state read from the replayed page at `url` is: that page's URL and Date named."""
        return (f"{what} not judged: {label} answered GET {url} with Date {self.date:%Y-%m-%dT%H:%M:%SZ}, 3.0 h "
                "behind this runner's clock as it asked")


GITHUB_PAGE_2_NAMES = [f"S{n:03d}" for n in range(149)] + ["DEPLOY_KEY"]  # DEPLOY_KEY on page 2 only


@pytest.mark.parametrize("stale_page", [1, 2])
def test_a_replayed_page_of_a_github_list_is_not_judged_whichever_page(stale_page):
    """150 Actions secrets, DEPLOY_KEY on page 2 only: page 2 replayed from a cache (DEPLOY_KEY since deleted) is as
    unjudgeable as page 1 replayed; the error names that page's URL and Date."""
    check = make_check(platform="github", required=["DEPLOY_KEY"])
    live = judge(check, provider.gather(StubTarget(GITHUB_PAGE_2_NAMES), [check]))
    assert live.status is Status.PASSED, live
    target = _ReplaysPages(StubTarget(GITHUB_PAGE_2_NAMES), f"/actions/secrets?per_page=100&page={stale_page}")
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    page = f"https://gh.example/repos/o/r/actions/secrets?per_page=100&page={stale_page}"
    assert target.replayed("DEPLOY_KEY present", "GitHub API", page) in outcome.observed, outcome.observed
    aged = make_check(platform="github", secret_age={"names": ["DEPLOY_KEY"], "max_days": 30})
    outcome = judge(aged, provider.gather(_ReplaysPages(StubTarget(GITHUB_PAGE_2_NAMES), "page=2"), [aged]))
    assert outcome.status is Status.ERROR and "DEPLOY_KEY present not judged" in outcome.observed, outcome


def test_a_replayed_later_page_of_a_vercel_list_is_not_judged():
    check = make_check(platform="vercel", required=["CRON_SECRET", "PAGE2_VAR"])
    live = judge(check, provider.gather(VercelPagesStub([["CRON_SECRET"], ["PAGE2_VAR"]]), [check]))
    assert live.status is Status.PASSED, live
    target = _ReplaysPages(VercelPagesStub([["CRON_SECRET"], ["PAGE2_VAR"]]), "until=")
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert target.asked[1].endswith("until=1700000000000"), target.asked
    assert target.replayed("CRON_SECRET, PAGE2_VAR set", "Vercel API", target.asked[1]) in outcome.observed, \
        outcome.observed


def test_a_replayed_later_page_of_renders_env_groups_is_not_judged():
    """Which groups are linked to web is a state: page 2 replayed may list as unlinked a group linked since."""
    others = [_group(f"evg-{n:03d}", f"g{n}", 400, ("API_JWT_SECRET",), links=("srv-other",)) for n in range(99)]
    unlinked = _group("evg-late", "late", 400, ("API_JWT_SECRET",), links=("srv-other",))
    routes = render_groups([NEW, *others, unlinked], pages=[[NEW, *others], [unlinked]])
    (live,) = run_render(routes, jwt_age())
    assert live.status is Status.PASSED, live
    with route_server(routes) as url:
        target = _ReplaysPages(make_target({"providers": {"render": {
            "base_url": url, "token": "rnd-token-0123456789", "service.web": "srv-web", "env_group": "evg-new"}}}),
            "cursor=")
        try:
            check = jwt_age()
            outcome = judge(check, provider.gather(target, [check]))
        finally:
            target.close()
    assert outcome.status is Status.ERROR, outcome
    page = f"{url}/env-groups?limit=100&cursor=cur-evg-098"
    assert target.replayed("which env groups are linked to web", "Render API", page) in outcome.observed, \
        outcome.observed


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
