"""provider: params, pure judging on fabricated platform answers, reply interpretation, and the
demo's fake platforms (healthy passes, a wrong token is a clear ERROR, nothing secret leaks)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import ValidationError

from opsverify.checklist import Check
from opsverify.engine import message
from opsverify.families import provider
from opsverify.families.provider import Answer, Call, Params, Trouble, interpret, judge
from opsverify.outcome import Outcome, Status
from opsverify.secrets import Redactor
from opsverify.errors import NotConfigured
from opsverify.transports.http import Reply

from .helpers import ROOT, by_id, evaluate
from .kit import make_target, route_server

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def make_check(**params) -> Check:
    return Check(system="demo", id="X1", name="provider-check", section="s", title="a platform fact",
                 family="provider", cadence=None, severity="normal", mutating=False, remediation="",
                 reason="", params=Params.model_validate(params))


def ok(data, request="GET https://api.example/x") -> Answer:
    return Answer(request, data, NOW, NOW)  # the platform's clock and the runner's agree


NO_SECRETS = {"total_count": 0, "secrets": []}


def gh(repo: dict, org: dict = NO_SECRETS, **environments: dict) -> dict:
    """A GitHub item's facts: the repository's secrets, the organisation's shared with it, and each environment's."""
    return {"secrets": ok(repo), "org_secrets": ok(org),
            "environments": ok({"total_count": len(environments), "names": list(environments)}),
            **{f"env:{name}": ok(listed) for name, listed in environments.items()}}


def iso(days: float = 0, hours: float = 0) -> str:
    return (NOW - timedelta(days=days, hours=hours)).isoformat().replace("+00:00", "Z")


def ms(days: float) -> int:
    return int((NOW - timedelta(days=days)).timestamp() * 1000)


# -- params --------------------------------------------------------------------------------
@pytest.mark.parametrize("params, problem", [
    ({"platform": "github"}, "give something to check"),
    ({"platform": "github", "backups": {"max_age_hours": 26}}, "backups not used with platform github"),
    ({"platform": "render", "deploy_status": "live"}, "deploy_status needs services"),
    ({"platform": "render", "services": ["web"]}, "services is used with deploy_status or secret_age"),
    ({"platform": "vercel", "required": ["A"], "pitr_days": 7}, "pitr_days not used with platform vercel"),
    ({"platform": "heroku", "required": ["A"]}, "Input should be"),
    ({"platform": "supabase", "secret_age": {"names": [], "max_days": 90}}, "at least 1 item"),
    # an empty list would be accepted and never read
    ({"platform": "supabase", "backups": {"max_age_hours": 26}, "required": []}, "required is empty"),
    ({"platform": "render", "services": ["web"], "deploy_status": "live", "cron_jobs": {}}, "cron_jobs is empty"),
    ({"platform": "vercel", "required": ["A"], "target": "staging", "platform_": 1}, "Extra inputs"),
    # beyond the calendar: the age could not be computed, and the platform would be blamed
    ({"platform": "github", "secret_age": {"names": ["A"], "max_days": 1e10}}, "less than or equal to 36525"),
    ({"platform": "github", "secret_age": {"names": ["A"], "max_days": float("inf")}}, "less than or equal to"),
    ({"platform": "supabase", "backups": {"max_age_hours": 1e12}}, "less than or equal to 876600"),
])
def test_params_reject(params, problem):
    with pytest.raises(ValidationError) as raised:
        Params.model_validate(params)
    assert problem in str(raised.value)


def test_needs_names_the_platform():
    assert provider.needs(Params(platform="vercel", required=["A"])) == ("provider:vercel",)


# -- judge: table-driven on fabricated answers --------------------------------------------------
GITHUB = {"total_count": 2, "secrets": [{"name": "CRON_SECRET", "updated_at": iso(days=3)},
                                        {"name": "OLD", "updated_at": iso(days=400)}]}
VERCEL = [
    {"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": ms(5)},
    {"key": "CRON_SECRET", "type": "encrypted", "target": ["preview"], "updatedAt": ms(90)},  # other target
    {"key": "FAL_KEY", "type": "sensitive", "target": ["production", "preview"], "updatedAt": ms(40)},
    {"key": "PREVIEW_ONLY", "type": "plain", "target": ["preview"], "updatedAt": ms(1)},
]
SUPABASE_SECRETS = [{"name": "A", "updated_at": iso(days=10)}, {"name": "B", "updated_at": iso(days=100)},
                    {"name": "NO_TIME", "updated_at": None}]


def deploys(status):
    return [{"deploy": {"id": "dep-1", "status": status, "finishedAt": iso(hours=1)}, "cursor": "c"}]


def service(suspended="not_suspended", suspenders=()):
    """A Render service as `GET /services/{id}` answers it (the fields around the two judged, trimmed)."""
    return {"id": "srv-1", "name": "joslyn-web", "type": "web_service", "suspended": suspended,
            "suspenders": list(suspenders)}


def running(*names: str) -> dict:
    """The services' own answers: none suspended."""
    return {f"service:{name}": ok(service()) for name in names}


def cron_events(*runs):
    return [{"event": {"id": f"evt-{n}", "type": kind, "timestamp": iso(hours=hours),
                       "details": {"cronJobRunId": f"crj-{n}", "status": status}}, "cursor": "c"}
            for n, (kind, hours, status) in enumerate(runs)]


def backups(pitr=False, daily_hours=(5, 29), physical_hours=None, status="COMPLETED"):
    physical = {}
    if physical_hours is not None:
        physical = {"earliest_physical_backup_date_unix": int((NOW - timedelta(days=7)).timestamp()),
                    "latest_physical_backup_date_unix": int((NOW - timedelta(hours=physical_hours)).timestamp())}
    return {"region": "eu", "walg_enabled": True, "pitr_enabled": pitr, "physical_backup_data": physical,
            "backups": [{"is_physical_backup": True, "status": status, "inserted_at": iso(hours=h)}
                        for h in daily_hours]}


def addons(variant):
    selected = [{"type": "compute_instance", "variant": {"id": "ci_small"}}]
    if variant:
        selected.append({"type": "pitr", "variant": {"id": variant, "name": "n days"}})
    return {"selected_addons": selected, "available_addons": []}


def own_env(*services: str, keys=("PORT",)) -> dict:
    return {f"service_env:{name}": ok({"keys": list(keys), "full": False}) for name in services}


GROUP = {"id": "evg-1", "name": "secrets", "updatedAt": iso(days=20), "keys": ["A", "B"],
         "service_ids": ["srv-w", "srv-a"]}


def listed(*others: dict, group: dict = GROUP) -> dict:
    """The env groups' list as gather keeps it (the named group `evg-1`, then `others`), and the named group's id;
    each other group linked to a service is read too (`linked_group:<id>`, as `GROUP` is)."""
    entries = [group, *others]
    return {"env_groups": ok({"groups": [{k: g[k] for k in ("id", "name", "updatedAt", "service_ids")}
                                         for g in entries], "more": False, "pages": 1}),
            "env_group_id": "evg-1", **{f"linked_group:{g['id']}": ok(g) for g in others}}

CASES = [
    # (id, params, facts by role, status, words in the observed text)
    ("github present", {"platform": "github", "required": ["CRON_SECRET"]}, gh(GITHUB),
     Status.PASSED, ["CRON_SECRET present"]),
    ("github missing", {"platform": "github", "required": ["CRON_SECRET", "NOPE"]}, gh(GITHUB),
     Status.FAILED, ["NOPE is not an Actions secret", "CRON_SECRET, OLD"]),
    ("github age", {"platform": "github", "secret_age": {"names": ["OLD"], "max_days": 90}},
     gh(GITHUB), Status.FAILED, ["OLD (the repository) last updated 400.0 days ago"]),
    # GitHub counts more secrets than its pages gave (past the page limit, or the list changed while read):
    # a name not seen may be on a page not read, so its absence is not known
    ("github not read whole", {"platform": "github", "required": ["NOPE"]},
     gh({**GITHUB, "total_count": 1500}), Status.ERROR,
     ["NOPE not among the secrets read (the repository: 2 of the 1500 secrets GitHub counts)"]),
    ("github age not read whole", {"platform": "github", "secret_age": {"names": ["NOPE"], "max_days": 9}},
     gh({**GITHUB, "total_count": 3}), Status.ERROR, ["NOPE not among the secrets read (the repository: 2 of the 3"]),
    ("github seen though not read whole", {"platform": "github", "required": ["CRON_SECRET"]},
     gh({**GITHUB, "total_count": 1500}), Status.PASSED, ["CRON_SECRET present"]),
    ("vercel set in production", {"platform": "vercel", "required": ["CRON_SECRET", "FAL_KEY"]},
     {"env": ok({"envs": VERCEL, "more": False})}, Status.PASSED, ["set in the Vercel project's production env"]),
    ("vercel other target only", {"platform": "vercel", "required": ["PREVIEW_ONLY"]}, {"env": ok({"envs": VERCEL, "more": False})},
     Status.FAILED, ["PREVIEW_ONLY is not set in the Vercel project's production env"]),
    ("vercel fresh", {"platform": "vercel", "secret_age": {"names": ["CRON_SECRET"], "max_days": 31}},
     {"env": ok({"envs": VERCEL, "more": False})}, Status.PASSED, ["1 secret updated within 31 days"]),
    ("vercel stale", {"platform": "vercel", "secret_age": {"names": ["CRON_SECRET", "FAL_KEY"], "max_days": 31}},
     {"env": ok({"envs": VERCEL, "more": False})}, Status.FAILED, ["FAL_KEY last updated 40.0 days ago"]),
    ("vercel preview target", {"platform": "vercel", "target": "preview",
                               "secret_age": {"names": ["CRON_SECRET"], "max_days": 31}},
     {"env": ok({"envs": VERCEL, "more": False})}, Status.FAILED, ["CRON_SECRET last updated 90.0 days ago"]),
    ("vercel more pages", {"platform": "vercel", "required": ["NOPE"]}, {"env": ok({"envs": VERCEL, "more": True})},
     Status.ERROR, ["NOPE not among the 4 env vars of the first page Vercel answered (it has more pages)"]),
    ("vercel more pages, seen", {"platform": "vercel", "required": ["CRON_SECRET"]},
     {"env": ok({"envs": VERCEL, "more": True})}, Status.PASSED, ["set in the Vercel project's production env"]),
    ("render live", {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "deploy:api": ok(deploys("live")), **running("web", "api")}, Status.PASSED,
     ["newest deploys live, no service suspended"]),
    ("render failed", {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "deploy:api": ok(deploys("update_failed")), **running("web", "api")},
     Status.FAILED, ["api: newest deploy dep-1 is update_failed"]),
    ("render no deploys", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok([]), **running("web")}, Status.FAILED, ["web has no deploys"]),
    # a suspended service keeps its last deploy "live" and serves nothing
    ("render suspended, newest deploy live",
     {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "deploy:api": ok(deploys("live")), **running("web"),
      "service:api": ok(service("suspended", ["billing", "user"]))}, Status.FAILED,
     ["api: service suspended by billing, user"]),
    ("render suspended by no one named", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "service:web": ok(service("suspended"))}, Status.FAILED,
     ["web: service suspended (Render names no suspender)"]),
    ("render suspended and newest deploy failed", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("build_failed")), "service:web": ok(service("suspended", ["admin"]))}, Status.FAILED,
     ["web: newest deploy dep-1 is build_failed", "web: service suspended by admin"]),
    # whether a service is suspended, not said: never a pass
    ("render service without suspended", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "service:web": ok({"id": "srv-1", "name": "joslyn-web"})}, Status.ERROR,
     ["web: Render's service answer holds no readable suspended (missing), not suspended or not_suspended"]),
    ("render suspended in another word", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "service:web": ok(service(True))}, Status.ERROR,
     ["web: Render's service answer holds no readable suspended (true)"]),
    ("cron ran", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
     {"cron:trim": ok(cron_events(("cron_job_run_started", 0.4, None), ("cron_job_run_ended", 0.5, "successful"),
                                  ("cron_job_run_ended", 1.5, "unsuccessful")))},
     Status.PASSED, ["1 cron job ran"]),
    ("cron unsuccessful", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
     {"cron:trim": ok(cron_events(("cron_job_run_ended", 0.5, "unsuccessful")))},
     Status.FAILED, ["newest run ended unsuccessful"]),
    ("cron missed", {"platform": "render", "cron_jobs": {"purge": {"max_age_hours": 26}}},
     {"cron:purge": ok(cron_events(("cron_job_run_ended", 30, "successful")))},
     Status.FAILED, ["newest run ended 30.0 h ago"]),
    ("cron never", {"platform": "render", "cron_jobs": {"purge": {"max_age_hours": 26}}},
     {"cron:purge": ok(cron_events(("cron_job_run_started", 1, None)))}, Status.FAILED, ["no finished run"]),
    ("render group fresh", {"platform": "render", "services": ["web", "api"],
                            "secret_age": {"names": ["A", "B"], "max_days": 92}},
     {"env_group": ok(GROUP), **listed(), "service_ids": {"web": "srv-w", "api": "srv-a"}, **own_env("web", "api")}, Status.PASSED,
     ["changed 20.0 days ago", "not that each key did"]),
    ("render group stale", {"platform": "render", "services": ["web"],
                            "secret_age": {"names": ["A"], "max_days": 10}},
     {"env_group": ok(GROUP), **listed(), "service_ids": {"web": "srv-w"}, **own_env("web")}, Status.FAILED, ["last changed 20.0 days ago"]),
    # another group linked to web sets A too: Render documents no order among linked groups, so it may be in force
    ("render other linked group stale", {"platform": "render", "services": ["web"],
                                         "secret_age": {"names": ["A"], "max_days": 30}},
     {"env_group": ok(GROUP), "service_ids": {"web": "srv-w"}, **own_env("web"),
      **listed({"id": "evg-2", "name": "legacy", "updatedAt": iso(days=400), "keys": ["A"], "service_ids": ["srv-w"]})},
     Status.FAILED, ["A also set in env group 'legacy' (evg-2), linked to web: it last changed 400.0 days ago"]),
    ("render other linked group not read", {"platform": "render", "services": ["web"],
                                            "secret_age": {"names": ["A"], "max_days": 30}},
     {"env_group": ok(GROUP), "service_ids": {"web": "srv-w"}, **own_env("web"),
      **{**listed({"id": "evg-2", "name": "legacy", "updatedAt": iso(days=1), "keys": [], "service_ids": ["srv-w"]}),
         "linked_group:evg-2": Trouble("GET https://api.example/evg-2", "Render API answered 503 for evg-2")}},
     Status.ERROR, ["Render API answered 503 for evg-2"]),
    ("render group lacks key and link", {"platform": "render", "services": ["worker"],
                                         "secret_age": {"names": ["A", "C"], "max_days": 92}},
     {"env_group": ok(GROUP), **listed(), "service_ids": {"worker": "srv-k"}, **own_env("worker")}, Status.FAILED,
     ["C not in env group 'secrets'", "not linked to worker"]),
    # a time later than the platform's own clock proves nothing fresh: unknown, never a pass
    ("github age in the future", {"platform": "github", "secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     gh({"total_count": 1, "secrets": [{"name": "CRON_SECRET", "updated_at": iso(days=-30)}]}),
     Status.ERROR, ["CRON_SECRET's update time (the repository) is", "later than the platform's own time"]),
    ("cron run ended in the future", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
     {"cron:trim": ok(cron_events(("cron_job_run_ended", -48, "successful")))},
     Status.ERROR, ["cron job trim: its newest run's end is"]),
    ("render group changed in the future", {"platform": "render", "services": ["web"],
                                            "secret_age": {"names": ["A"], "max_days": 10}},
     {"env_group": ok({**GROUP, "updatedAt": iso(days=-1)}), **listed(), "service_ids": {"web": "srv-w"}, **own_env("web")}, Status.ERROR,
     ["env group 'secrets' updatedAt is"]),
    ("backup in the future", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok(backups(daily_hours=(-72, 30)))}, Status.ERROR, ["the newest backup's time is"]),
    ("backups without a readable time", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({**backups(), "backups": [{"status": "COMPLETED", "inserted_at": "soon"}]})}, Status.ERROR,
     ["1 completed backup listed, none with a readable inserted_at"]),
    ("backups fresh", {"platform": "supabase", "backups": {"max_age_hours": 26}}, {"backups": ok(backups())},
     Status.PASSED, ["newest backup 5.0 h old"]),
    ("backups stale", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok(backups(daily_hours=(30, 54)))}, Status.FAILED, ["newest backup is 30.0 h old"]),
    ("backups stale, the newer ones failed", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({**backups(daily_hours=(50,)),
                     "backups": [*backups(daily_hours=(50,))["backups"],
                                 *backups(daily_hours=(2, 26), status="FAILED")["backups"]]})},
     Status.FAILED, ["newest backup is 50.0 h old", f"; since then 2 FAILED, the latest {iso(hours=2)}"]),
    ("backups only failed", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok(backups(status="FAILED"))}, Status.FAILED, ["no completed backup listed (2 backups)"]),
    ("backups pitr point counts", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok(backups(pitr=True, daily_hours=(), physical_hours=0.1))}, Status.PASSED, ["0.1 h old"]),
    ("pitr on", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok(backups(pitr=True, physical_hours=0.1)), "addons": ok(addons("pitr_14"))}, Status.PASSED,
     ["PITR on (pitr_14)"]),
    ("pitr off", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok(backups()), "addons": ok(addons(None))}, Status.FAILED,
     ["pitr_enabled is false", "no PITR add-on selected"]),
    ("pitr short", {"platform": "supabase", "pitr_days": 14},
     {"backups": ok(backups(pitr=True)), "addons": ok(addons("pitr_7"))}, Status.FAILED,
     ["PITR add-on pitr_7 keeps 7 days"]),
    ("supabase secret age", {"platform": "supabase", "secret_age": {"names": ["A", "B"], "max_days": 90}},
     {"secrets": ok(SUPABASE_SECRETS)}, Status.FAILED, ["B last updated 100.0 days ago"]),
    ("supabase secret missing", {"platform": "supabase", "secret_age": {"names": ["A", "Z"], "max_days": 90}},
     {"secrets": ok(SUPABASE_SECRETS)}, Status.FAILED, ["Z is not set"]),
    ("supabase no updated_at is never a pass", {"platform": "supabase",
                                                "secret_age": {"names": ["A", "NO_TIME"], "max_days": 90}},
     {"secrets": ok(SUPABASE_SECRETS)}, Status.ERROR, ["gives no update time for NO_TIME"]),
    # answers that lie by shape: never a pass
    ("pitr_enabled as text", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok({**backups(physical_hours=0.1), "pitr_enabled": "false"}), "addons": ok(addons("pitr_7"))},
     Status.ERROR, ['pitr_enabled is "false", not true or false']),
    # a list the answer does not hold is not an empty list: the field and the request are named
    ("addons without selected_addons", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok(backups(pitr=True, physical_hours=0.1)),
      "addons": ok({"error": "x"}, "GET https://api.supabase.com/v1/projects/p/billing/addons")}, Status.ERROR,
     ["selected_addons is missing, not a list (GET https://api.supabase.com/v1/projects/p/billing/addons)"]),
    ("addons with selected_addons null", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok(backups(pitr=True, physical_hours=0.1)), "addons": ok({"selected_addons": None})}, Status.ERROR,
     ["selected_addons is null, not a list (GET https://api.example/x)"]),
    ("backups without backups", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({"pitr_enabled": False, "region": "x"},
                    "GET https://api.supabase.com/v1/projects/p/database/backups")}, Status.ERROR,
     ["backups is missing, not a list (GET https://api.supabase.com/v1/projects/p/database/backups)"]),
    ("backups as an object", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok({**backups(pitr=True), "backups": {"0": {}}}), "addons": ok(addons("pitr_7"))}, Status.ERROR,
     ['backups is {"0": {}}, not a list (GET https://api.example/x)']),
    ("vercel key listed twice", {"platform": "vercel", "secret_age": {"names": ["CRON_SECRET"], "max_days": 31}},
     {"env": ok({"envs": [{"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": ms(400)},
                          {"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": ms(3)}],
                 "more": False})}, Status.ERROR, ["CRON_SECRET is listed twice for the production env"]),
    ("render two deploys for limit=1", {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live") + deploys("build_failed")), **running("web")}, Status.ERROR,
     ["2 deploys of web in answer to limit=1"]),
    ("cron run without a readable time", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
     {"cron:trim": ok([{"event": {"id": "e0", "type": "cron_job_run_ended", "timestamp": "yesterday-ish",
                                  "details": {"status": "unsuccessful"}}}]
                      + cron_events(("cron_job_run_ended", 2 / 60, "successful")))},
     Status.ERROR, ['cron job trim: 1 run event without a readable timestamp ("yesterday-ish")']),
    ("could not look", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": Trouble("GET x", "Supabase Management API refused the token with 401 for GET x: set ...")},
     Status.ERROR, ["refused the token with 401"]),
    # two runs ending at one moment: judged by the worse, whichever Render lists first
    *[(f"cron runs tied, {order}", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
       {"cron:trim": ok(cron_events(*runs))}, Status.FAILED, ["newest run ended unsuccessful"])
      for order, runs in (("failure first", (("cron_job_run_ended", 0.5, "unsuccessful"),
                                             ("cron_job_run_ended", 0.5, "successful"))),
                          ("failure last", (("cron_job_run_ended", 0.5, "successful"),
                                            ("cron_job_run_ended", 0.5, "unsuccessful"))))],
    # a time in another shape than the platform documents is unreadable, never a time in 1970
    ("github update time in seconds", {"platform": "github", "secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     gh({"total_count": 1, "secrets": [{"name": "CRON_SECRET",
                                          "updated_at": int((NOW - timedelta(hours=1)).timestamp())}]}),
     Status.ERROR, ["CRON_SECRET's update time", "not ISO 8601 text"]),
    ("vercel update time in seconds", {"platform": "vercel", "secret_age": {"names": ["CRON_SECRET"], "max_days": 31}},
     {"env": ok({"envs": [{"key": "CRON_SECRET", "type": "encrypted", "target": ["production"],
                           "updatedAt": ms(1) // 1000}], "more": False})},
     Status.ERROR, ["CRON_SECRET's update time", "not epoch milliseconds or ISO 8601 text"]),
    ("backup time as a number", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({**backups(), "backups": [{"status": "COMPLETED", "inserted_at": ms(0.1)}]})}, Status.ERROR,
     ["1 completed backup listed, none with a readable inserted_at"]),
    ("cron run time in seconds", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
     {"cron:trim": ok([{"event": {"id": "e0", "type": "cron_job_run_ended",
                                  "timestamp": int((NOW - timedelta(hours=1)).timestamp()),
                                  "details": {"status": "successful"}}}])},
     Status.ERROR, ["1 run event without a readable timestamp"]),
    # an entry a list filter cannot read is unknown, never passed over: it may be the newest one
    *[(f"cron newest event of type {label}", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 25}}},
       {"cron:trim": ok([event, *cron_events(("cron_job_run_ended", 5, "successful"))])},
       Status.ERROR, [f"cron job trim: 1 event without a readable type ({shown})"])
      for label, event, shown in (
          ("null", cron_events((None, 1, "unsuccessful"))[0], "null"),
          ("empty", cron_events(("", 1, "unsuccessful"))[0], '""'),
          ("a number", cron_events((7, 1, "unsuccessful"))[0], "7"),
          ("missing", {"event": {"id": "e0", "timestamp": iso(hours=1), "details": {"status": "unsuccessful"}}},
           "missing"),
          ("missing, an empty event", {"event": {}}, "missing"))],
    ("cron event of another type passed over", {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 25}}},
     {"cron:trim": ok(cron_events(("deploy_started", 1, "unsuccessful"), ("cron_job_run_ended", 5, "successful")))},
     Status.PASSED, ["1 cron job ran in their last cycle"]),
    ("backup newest without a status", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({**backups(daily_hours=(30,)), "backups": [
         {"status": None, "inserted_at": iso(hours=2)}, {"status": "COMPLETED", "inserted_at": iso(hours=30)}]})},
     Status.ERROR, ["1 backup listed without a readable status (null)", "the newest backup read is 30.0 h old"]),
    ("backup fresh beside one without a status", {"platform": "supabase", "backups": {"max_age_hours": 26}},
     {"backups": ok({**backups(daily_hours=(30,)), "backups": [
         {"inserted_at": iso(hours=40)}, {"status": "COMPLETED", "inserted_at": iso(hours=2)}]})},
     Status.PASSED, ["newest backup 2.0 h old"]),
    ("pitr add-on beside one without a type", {"platform": "supabase", "pitr_days": 7},
     {"backups": ok(backups(pitr=True, physical_hours=0.1)),
      "addons": ok({"selected_addons": [{"type": "pitr", "variant": {"id": "pitr_28"}},
                                        {"type": None, "variant": {"id": "pitr_7"}}]})},
     Status.ERROR, ["1 selected add-on without a readable type (null): any may be a PITR add-on"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_judge(case):
    _, params, found, status, words = case
    check = make_check(**params)
    outcome = judge(check, {check.key: found})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    if status is Status.FAILED:
        text = message(check, outcome)
        assert text.startswith("X1-provider-check a platform fact: expected ") and "; saw " in text


# -- a call that gave no usable answer beside the answers that came ----------------------------------------
def down(url="https://api.example/y") -> Trouble:
    return Trouble(f"GET {url}", f"the platform's API answered 503 for GET {url}: upstream unavailable")


DOWN = down().reason
SHAPE = "could not look: render answered in an unexpected shape (ValueError: 2 deploys of api in answer to limit=1)"
STALE_ORG = {"total_count": 1, "secrets": [{"name": "CRON_SECRET", "updated_at": iso(days=400)}]}

MIXED = [
    # (id, params, facts by role, status, words in the observed text, undecided)
    ("render deploy failed beside a 503", {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("build_failed")), "deploy:api": down(), **running("web", "api")},
     Status.FAILED, ["web: newest deploy dep-1 is build_failed", f"; and 1 could not be judged: {DOWN}"], [DOWN]),
    ("render deploy failed beside an answer of another shape",
     {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("build_failed")), "deploy:api": ok(deploys("live") + deploys("live")),
      **running("web", "api")},
     Status.FAILED, ["web: newest deploy dep-1 is build_failed"], [SHAPE]),
    ("render deploy live beside a 503: not looked at",
     {"platform": "render", "services": ["web", "api"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "deploy:api": down(), **running("web", "api")}, Status.ERROR, [DOWN], None),
    ("render suspended beside its deploys not read",
     {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": down(), "service:web": ok(service("suspended", ["billing"]))},
     Status.FAILED, ["web: service suspended by billing"], [DOWN]),
    ("render deploy live beside the service not read: not looked at",
     {"platform": "render", "services": ["web"], "deploy_status": "live"},
     {"deploy:web": ok(deploys("live")), "service:web": down()}, Status.ERROR, [DOWN], None),
    ("render cron failed beside a 503", {"platform": "render", "cron_jobs": {"a": {"max_age_hours": 25},
                                                                            "b": {"max_age_hours": 25}}},
     {"cron:a": ok(cron_events(("cron_job_run_ended", 1, "unsuccessful"))), "cron:b": down()},
     Status.FAILED, ["cron job a: newest run ended unsuccessful"], [DOWN]),
    ("render env group stale beside a service's env vars not read",
     {"platform": "render", "services": ["web"], "secret_age": {"names": ["A"], "max_days": 5}},
     {"env_group": ok(GROUP), **listed(), "service_ids": {"web": "srv-w"}, "service_env:web": down()},
     Status.FAILED, ["env group 'secrets' last changed 20.0 days ago"], [DOWN]),
    ("supabase backup stale beside its secrets not read",
     {"platform": "supabase", "backups": {"max_age_hours": 26}, "required": ["A"]},
     {"backups": ok(backups(daily_hours=(40,))), "secrets": down()},
     Status.FAILED, ["newest backup is 40.0 h old"], [DOWN]),
    ("supabase no PITR add-on beside its backups not read", {"platform": "supabase", "pitr_days": 7},
     {"backups": down(), "addons": ok(addons(None))}, Status.FAILED, ["no PITR add-on selected"], [DOWN]),
    ("github stale beside the organisation not read",
     {"platform": "github", "secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     {**gh(STALE_ORG), "org_secrets": down()},
     Status.FAILED, ["CRON_SECRET (the repository) last updated 400.0 days ago"],
     [DOWN, "not every value of CRON_SECRET was read (the organisation: not read)"]),
    ("github missing beside the environments not read", {"platform": "github", "required": ["NOPE"]},
     {**gh(GITHUB), "environments": down()}, Status.FAILED,
     ["NOPE is not an Actions secret (the repository: CRON_SECRET, OLD; the organisation: none)"], [DOWN]),
    ("github missing where the organisation was not read: unknown", {"platform": "github", "required": ["NOPE"]},
     {**gh(GITHUB), "org_secrets": down()}, Status.ERROR,
     [DOWN, "cannot judge: NOPE not among the secrets read (the organisation: not read)"], None),
    ("github present where its environment was not read",
     {"platform": "github", "required": ["CRON_SECRET"], "environment": "production"},
     {**gh(GITHUB), "env_secrets": down()}, Status.ERROR, [DOWN], None),
]


@pytest.mark.parametrize("case", MIXED, ids=[c[0] for c in MIXED])
def test_a_failure_stands_beside_a_call_that_gave_no_answer(case):
    """Every answer that came is judged: a definite failure is kept, with the calls that gave no usable answer (or
    one of another shape) listed as undecided; without a failure, such a call leaves the item an ERROR naming it.
    (A 503 beside a build_failed deploy was an ERROR naming the 503 only: the failure was in no message.)"""
    _, params, found, status, words, undecided = case
    check = make_check(**params)
    outcome = judge(check, {check.key: found})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    assert outcome.evidence.get("undecided") == undecided, outcome.evidence
    if status is Status.FAILED:
        text = message(check, outcome)
        assert text.startswith("X1-provider-check a platform fact: expected ") and "; saw " in text


def test_not_configured_is_raised_for_a_skip():
    check = make_check(platform="github", required=["A"])
    with pytest.raises(NotConfigured):
        judge(check, {check.key: NotConfigured("no providers.github")})


# -- reply interpretation -----------------------------------------------------------------------
CALL = Call("vercel", "https://api.vercel.com/v10/projects/p/env", (), "vercel-env")
DATE = {"date": "Wed, 25 Nov 2026 12:00:00 GMT"}


@pytest.mark.parametrize("reply, words", [
    (Reply(None, 1.0, failure="connection refused"), ["Vercel API did not answer", "connection refused"]),
    (Reply(401, 1.0, DATE, '{"error": {"code": "forbidden"}}'), ["refused the token with 401",
                                                                 "providers.vercel.token"]),
    (Reply(404, 1.0, DATE, "{}"), ["404", "check the ids in providers.vercel"]),
    (Reply(500, 1.0, DATE, '{"error": {"message": "boom"}}'), ["answered 500", "boom"]),
    (Reply(200, 1.0, DATE, "<html>"), ["not JSON"]),
    (Reply(200, 1.0, {}, '{"envs": []}'), ["no usable Date header"]),
    (Reply(200, 1.0, DATE, '{"projects": []}'), ["unexpected shape"]),
])
def test_interpret_trouble(reply, words):
    answer = interpret(CALL, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble)
    for word in words:
        assert word in answer.reason


def test_interpret_keeps_no_values_and_uses_the_platform_clock():
    redactor = Redactor()
    body = ('{"envs": [{"key": "CRON_SECRET", "type": "plain", "value": "plain-secret-value-123", '
            '"target": "production", "updatedAt": 1790000000000}]}')
    answer = interpret(CALL, Reply(200, 1.0, {"Date": "Wed, 25 Nov 2026 12:00:00 GMT"}, body), redactor, NOW)
    assert isinstance(answer, Answer)
    assert answer.now == NOW
    assert "plain-secret-value-123" not in repr(answer.data)
    assert answer.data["envs"][0]["target"] == ["production"] and answer.data["more"] is False
    assert redactor.text("x plain-secret-value-123 y") != "x plain-secret-value-123 y"
    paged = body[:-1] + ', "pagination": {"count": 1, "next": 1790000000001, "prev": null}}'
    assert interpret(CALL, Reply(200, 1.0, {"Date": "Wed, 25 Nov 2026 12:00:00 GMT"}, paged), redactor,
                     NOW).data["more"]


@pytest.mark.parametrize("key, kind", [("ZAPIER_WEBHOOK_URL", "encrypted"), ("ORDER_NOTIFY", "sensitive")],
                         ids=["named-so", "marked-sensitive"])
def test_a_vercel_value_that_is_a_plain_url_is_a_secret_when_its_name_or_type_says_so(key, kind):
    """As an env file's: a webhook URL named so (`ZAPIER_WEBHOOK_URL`) is a secret whole, its short id too; so is one
    Vercel marks sensitive whatever its name (the URL is the credential: it had shown raw wherever an endpoint quoted
    it); a public address (`NEXT_PUBLIC_SITE_URL`, `SITE_URL`) stays readable."""
    redactor = Redactor()
    hook = "https://hooks.zapier.com/hooks/catch/1234567/3abcde1/"
    body = json.dumps({"envs": [
        {"key": key, "type": kind, "value": hook, "target": ["production"], "updatedAt": 1},
        {"key": "NEXT_PUBLIC_SITE_URL", "type": "plain", "value": "https://shop.example.com/", "target": ["production"],
         "updatedAt": 1},
        {"key": "SITE_URL", "type": "encrypted", "value": "https://shop.example.com/", "target": ["production"],
         "updatedAt": 1}]})
    assert isinstance(interpret(CALL, Reply(200, 1.0, DATE, body), redactor, NOW), Answer)
    shown = redactor.text(f"posted to {hook} and https://hooks.zapier.com/hooks/catch/1234567/3abcde1")
    assert "3abcde1" not in shown and "hooks.zapier.com" not in shown.split("posted to")[1].split(" and")[0], shown
    assert "hooks.zapier.com/hooks" not in redactor.text(f"notify posted to {hook}")
    assert redactor.text("see https://shop.example.com/") == "see https://shop.example.com/"


def test_a_pin_a_platform_returns_is_a_secret_when_its_name_or_type_says_so():
    """A number of 6 or 7 digits is no secret by its shape (a limit, a port): under a name that says secret
    (ADMIN_PIN), a Vercel type that does (sensitive), or in Supabase's secrets, it is one — a PIN."""
    redactor = Redactor()
    body = json.dumps({"envs": [
        {"key": "ADMIN_PIN", "type": "encrypted", "value": "7654321", "target": ["production"], "updatedAt": 1},
        {"key": "DOOR", "type": "sensitive", "value": "246810", "target": ["production"], "updatedAt": 1},
        {"key": "MAX_ITEMS", "type": "encrypted", "value": "1000000", "target": ["production"], "updatedAt": 1},
        {"key": "SESSION_STAGE", "type": "encrypted", "value": "production", "target": ["production"],
         "updatedAt": 1}]})
    assert isinstance(interpret(CALL, Reply(200, 1.0, DATE, body), redactor, NOW), Answer)
    group = ('{"id": "evg-1", "name": "g", "updatedAt": "2026-11-01T00:00:00Z", "serviceLinks": [],'
             ' "envVars": [{"key": "ALARM_PIN", "value": "135791"}], "secretFiles": []}')
    call = Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group")
    assert isinstance(interpret(call, Reply(200, 1.0, DATE, group), redactor, NOW), Answer)
    shown = redactor.text("saw 7654321, 246810 and 135791; max 1000000 in production")
    assert "7654321" not in shown and "246810" not in shown and "135791" not in shown, shown
    assert "max 1000000 in production" in shown, shown


def test_a_platforms_plain_settings_stay_readable_as_an_env_files_do():
    """Render's env vars carry no mark of being secret, and Vercel's `plain` or `encrypted` (its default) says none:
    each value is a secret by the rule of an env file (its name or its shape). APP_NAME=bakery registered had masked
    the system named bakery, and HEALTH_STATUS_FIELD=healthy another item's expected value, in every verdict."""
    redactor = Redactor()
    group = json.dumps({"id": "evg-1", "name": "shared", "updatedAt": "2026-11-01T00:00:00Z", "serviceLinks": [],
                        "envVars": [{"key": "APP_NAME", "value": "bakery"}, {"key": "DB_SCHEMA", "value": "public"},
                                    {"key": "HEALTH_STATUS_FIELD", "value": "healthy"},
                                    {"key": "API_JWT_SECRET", "value": "groupJwtSecret0"}], "secretFiles": []})
    call = Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group")
    assert isinstance(interpret(call, Reply(200, 1.0, DATE, group), redactor, NOW), Answer)
    own = json.dumps([{"envVar": {"key": "LOG_FORMAT", "value": "logfmt-pretty"}, "cursor": "c0"},
                      {"envVar": {"key": "SIGNING_KEY", "value": "ownSigningKey1"}, "cursor": "c1"}])
    call = Call("render", "https://api.render.com/v1/services/srv-k/env-vars?limit=100", (), "render-service-env")
    assert isinstance(interpret(call, Reply(200, 1.0, DATE, own), redactor, NOW), Answer)
    envs = json.dumps({"envs": [
        {"key": "SITE_TITLE", "type": "plain", "value": "bakery-shop", "target": ["production"], "updatedAt": 1},
        {"key": "REGION_LABEL", "type": "encrypted", "value": "eu-central", "target": ["production"], "updatedAt": 1},
        {"key": "DOOR_CODE", "type": "sensitive", "value": "opensesame", "target": ["production"], "updatedAt": 1}]})
    assert isinstance(interpret(CALL, Reply(200, 1.0, DATE, envs), redactor, NOW), Answer)
    plain = "bakery W1: expected status=healthy in public, logfmt-pretty, bakery-shop, eu-central"
    assert redactor.text(plain) == plain
    shown = redactor.text("groupJwtSecret0 ownSigningKey1 opensesame")
    assert "Secret0" not in shown and "SigningKey1" not in shown and "opensesame" not in shown, shown


def test_render_env_group_values_are_dropped_and_redacted():
    redactor = Redactor()
    call = Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group")
    body = ('{"id": "evg-1", "name": "g", "updatedAt": "2026-11-01T00:00:00Z", "serviceLinks": [{"id": "srv-1"}],'
            ' "envVars": [{"key": "K", "value": "render-secret-value-9"}], "secretFiles": []}')
    answer = interpret(call, Reply(200, 1.0, DATE, body), redactor, NOW)
    assert answer.data == {"id": "evg-1", "name": "g", "updatedAt": "2026-11-01T00:00:00Z", "keys": ["K"],
                           "service_ids": ["srv-1"]}
    assert "render-secret-value-9" not in redactor.text("render-secret-value-9")


class StubTarget:
    """Answers GitHub secret pages like the API: 150 secrets (or `names`), 100 a page, dated by the runner's clock;
    records what was asked."""

    system = "demo"
    env = type("Env", (), {"name": "stub"})()

    def __init__(self, names: list[str] | None = None) -> None:
        self.redactor = Redactor()
        self.asked: list[str] = []
        self.names = names or [f"S{n:03d}" for n in range(150)]

    def provider(self, platform):
        return {"token": "stub-token-123456", "repo": "o/r", "base_url": "https://gh.example"}

    def fetch_all(self, probes):
        replies = []
        for probe in probes:
            self.asked.append(probe.url)
            assert probe.method == "GET" and probe.headers["authorization"] == "Bearer stub-token-123456"
            assert probe.body_limit == provider.API_BODY_LIMIT
            page = int(probe.url.rsplit("page=", 1)[1])
            if "/environments?" in probe.url:
                body = {"total_count": 0, "environments": []}
            elif "/organization-secrets?" in probe.url:
                body = {"total_count": 0, "secrets": []}
            else:
                names = self.names[(page - 1) * 100: page * 100]
                body = {"total_count": len(self.names),
                        "secrets": [{"name": n, "updated_at": iso(days=1)} for n in names]}
            replies.append(Reply(200, 1.0, {"date": formatdate(usegmt=True)}, json.dumps(body)))
        return replies


def test_github_pages_are_followed_only_as_far_as_total_count():
    target = StubTarget()
    check = make_check(platform="github", required=["S149", "S000"])
    facts = provider.gather(target, [check])
    assert [u.split("/r/", 1)[1] for u in target.asked] == [
        "actions/organization-secrets?per_page=100&page=1", "actions/secrets?per_page=100&page=1",
        "environments?per_page=100&page=1", "actions/secrets?per_page=100&page=2"]
    outcome = judge(check, facts)
    assert outcome.status is Status.PASSED, outcome
    assert "150 Actions secrets" in outcome.observed


def test_a_secret_listed_on_two_pages_is_listed_twice():
    """As on one page: which of its two change times counts would be the platform's choice."""
    names = [f"S{n:03d}" for n in range(150)]
    names[120] = "S005"  # on page 1 and again on page 2
    check = make_check(platform="github", secret_age={"names": ["S005"], "max_days": 31})
    outcome = judge(check, provider.gather(StubTarget(names), [check]))
    assert outcome.status is Status.ERROR, outcome
    assert "unexpected shape (ValueError: the secret S005 is listed twice)" in outcome.observed


# -- a Render service suspended: its last deploy stays "live" and it serves nothing -------------------------------
def render_api(service_answer: str):
    """A Render API on 127.0.0.1 whose web service's newest deploy is live; `service_answer`: its service object."""
    finished = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    live = json.dumps([{"deploy": {"id": "dep-9", "status": "live", "finishedAt": finished}, "cursor": "c"}])
    return route_server({("GET", "/services/srv-web/deploys?limit=1"): lambda h, b: (200, live),
                         ("GET", "/services/srv-web"): lambda h, b: (200, service_answer)})


def judged_against(service_answer: str):
    check = make_check(platform="render", services=["web"], deploy_status="live")
    with render_api(service_answer) as url:
        target = make_target({"providers": {"render": {"base_url": url, "token": "rnd-token-0123456789",
                                                       "service.web": "srv-web"}}})
        try:
            return check, judge(check, provider.gather(target, [check]))
        finally:
            target.close()


def test_a_suspended_service_fails_though_its_newest_deploy_is_live():
    """Suspended by its owner, for billing or by Render, a service keeps its last deploy "live": it passed."""
    answer = {**service("suspended", ["billing"]), "id": "srv-web",
              "serviceDetails": {"envSpecificDetails": {"startCommand": "node server.js"}}}
    check, outcome = judged_against(json.dumps(answer))
    assert outcome.status is Status.FAILED, outcome
    text = message(check, outcome)
    assert text.startswith("X1-provider-check a platform fact: expected newest Render deploy of web is live and the "
                           "service not suspended; saw web: service suspended by billing"), text
    assert outcome.evidence["suspended"] == {"web": {"suspended": "suspended", "suspenders": ["billing"]}}
    assert outcome.evidence["deploys"]["web"]["status"] == "live"
    asked = [request.rsplit("/services/", 1)[1] for request in outcome.evidence["requests"]]
    assert asked == ["srv-web/deploys?limit=1", "srv-web"], asked
    assert "startCommand" not in repr(outcome.evidence)  # what is not judged is not kept


def test_a_service_not_suspended_with_its_newest_deploy_live_passes():
    check, outcome = judged_against(json.dumps({**service(), "id": "srv-web"}))
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["suspended"] == {"web": {"suspended": "not_suspended", "suspenders": []}}


@pytest.mark.parametrize("answer, words", [
    (json.dumps({"id": "srv-web", "name": "joslyn-web"}), "holds no readable suspended (missing)"),
    (json.dumps({"id": "srv-web", "suspended": None}), "holds no readable suspended (null)"),
    (json.dumps([service("not_suspended")]), "unexpected shape (TypeError: the service is a list, not an object)"),
    ("null", "unexpected shape (TypeError: the service is null, not an object)"),
], ids=["missing", "null", "a-list", "json-null"])
def test_a_service_that_does_not_say_whether_it_is_suspended_is_an_error(answer, words):
    _, outcome = judged_against(answer)
    assert outcome.status is Status.ERROR, outcome
    assert words in outcome.observed, outcome.observed


# -- against the demo ----------------------------------------------------------------------------
PROVIDER_IDS = {"S6", "S15", "S16", "J6", "J19", "J20", "C19", "B14", "B15"}


def provider_checks():
    return [c for c in (c for i in sorted(PROVIDER_IDS) for c in by_id(i)) if c.family == "provider"]


def test_demo_healthy_provider_checks_pass(demo):
    results = evaluate(demo, provider_checks())
    assert {k: (o.status.value, o.observed) for k, (c, o) in results.items() if o.status is not Status.PASSED} == {}
    assert {c.id for c, o in results.values()} == PROVIDER_IDS


def test_fake_platforms_send_a_date_header_and_refuse_wrong_tokens(demo):
    platforms = next(c for c in demo.components if type(c).__name__ == "PlatformAPIs")
    url = platforms.urls["supabase"] + "/v1/projects/cheersaidemoproject0/database/backups"
    good = httpx.get(url, headers={"authorization": f"Bearer {platforms.tokens['supabase']}"}, timeout=5)
    assert good.status_code == 200 and good.headers.get("date")
    assert httpx.get(url, headers={"authorization": "Bearer wrong"}, timeout=5).status_code == 401
    assert httpx.post(url, headers={"authorization": f"Bearer {platforms.tokens['supabase']}"},
                      timeout=5).status_code == 405


def test_the_demos_supabase_backups_answer_as_the_real_api_does(demo):
    # a PITR project lists no daily backups (Supabase stops them once PITR is on): its point in time is the
    # physical_backup_data; a project without PITR lists its daily backups, each with an id
    platforms = next(c for c in demo.components if type(c).__name__ == "PlatformAPIs")
    headers = {"authorization": f"Bearer {platforms.tokens['supabase']}"}

    def answer(ref):
        return httpx.get(f"{platforms.urls['supabase']}/v1/projects/{ref}/database/backups", headers=headers,
                         timeout=5).json()

    pitr = answer("bakeryopsdemoproject")
    assert pitr["pitr_enabled"] is True and pitr["walg_enabled"] is True, pitr
    assert pitr["backups"] == [], pitr
    assert set(pitr["physical_backup_data"]) == {"earliest_physical_backup_date_unix",
                                                 "latest_physical_backup_date_unix"}, pitr
    daily = answer("cheersaidemoproject0")
    assert daily["pitr_enabled"] is False and daily["backups"], daily
    assert all(isinstance(b.get("id"), int) for b in daily["backups"]), daily["backups"]


def test_wrong_token_is_a_clear_error_naming_platform_and_fix(demo, tmp_path, monkeypatch):
    text = (ROOT / "environments" / "demo.yaml").read_text()
    (tmp_path / "demo.yaml").write_text(text.replace("${DEMO_PLATFORM_RENDER_TOKEN}", "${WRONG_RENDER_TOKEN}"))
    monkeypatch.setenv("WRONG_RENDER_TOKEN", "rnd_wrong_token_000")
    results = evaluate(demo, [c for c in provider_checks() if c.id in ("J19", "J20", "J6")], env_dir=tmp_path)
    for check, outcome in results.values():
        assert outcome.status is Status.ERROR, outcome
        assert "Render API refused the token with 401" in outcome.observed
        assert "set providers.render.token to a Render API key" in outcome.observed
        assert "rnd_wrong_token_000" not in outcome.observed


def test_unconfigured_platform_is_skipped_with_the_reason(demo, tmp_path):
    text = (ROOT / "environments" / "demo.yaml").read_text()
    cut = text.index("    providers:\n      supabase: {base_url: \"${DEMO_PLATFORM_SUPABASE_URL}\"")
    end = text.index("project: cheersaidemoproject0}\n") + len("project: cheersaidemoproject0}\n")
    (tmp_path / "demo.yaml").write_text(text[:cut] + text[end:])
    results = evaluate(demo, by_id("C19"), env_dir=tmp_path)
    (check, outcome), = results.values()
    assert outcome.status is Status.SKIPPED
    assert "no providers.supabase configured for cheersai" in outcome.observed


def test_no_secret_value_reaches_any_provider_outcome(demo):
    results = evaluate(demo, provider_checks())
    platforms = next(c for c in demo.components if type(c).__name__ == "PlatformAPIs")
    values = [v for system in demo.secrets.values() for v in system.values()] + list(platforms.tokens.values())
    for check, outcome in results.values():
        shown = repr((outcome.expected, outcome.observed, outcome.evidence))
        for value in values:
            assert value not in shown, check.key


def test_fault_names_item_expected_and_seen(demo):
    demo.apply("render-cron-missed")
    (check, outcome), = evaluate(demo, [c for c in by_id("J20") if c.family == "provider"]).values()
    text = message(check, outcome)
    assert outcome.status is Status.FAILED
    assert text.startswith("J20-scheduled-jobs-last-cycle ")
    assert "cron job database-purge: newest run succeeded within 26 h" in text.split("; saw ")[0]
    assert "saw cron job database-purge has no finished run in the last 27 h (since " in text


def test_a_suspended_demo_service_fails_its_deploy_item(demo):
    """The demo's Render suspends the API for billing: its newest deploy still reads live."""
    demo.apply("render-service-suspended")
    (check, outcome), = evaluate(demo, [c for c in by_id("J19") if c.family == "provider"]).values()
    text = message(check, outcome)
    assert outcome.status is Status.FAILED, outcome
    assert text.startswith("J19-latest-deploy-live latest Render deploy of web, API and worker is live: expected "
                           "newest Render deploy of web, api, worker is live and the services not suspended; "
                           "saw api: service suspended by billing"), text
    assert outcome.evidence["deploys"]["api"]["status"] == "live"
    assert outcome.evidence["suspended"]["api"] == {"suspended": "suspended", "suspenders": ["billing"]}



def test_bound_counts_every_request_and_githubs_further_pages():
    from types import SimpleNamespace

    from opsverify.environment import TimeoutsModel
    from opsverify.families import provider

    target = SimpleNamespace(timeouts=TimeoutsModel(connect_s=1, http_s=10))
    items = [SimpleNamespace(params=Params.model_validate(p)) for p in (
        {"platform": "github", "required": ["A"]},
        {"platform": "render", "services": ["web", "api", "worker"], "deploy_status": "live",
         "cron_jobs": {"trim": {"max_age_hours": 1}}},
        {"platform": "supabase", "backups": {"max_age_hours": 1}, "pitr_days": 7, "required": ["B"]},
    )]
    # the render item: each service's newest deploy and the service itself (suspended?), and the cron job's events
    assert [provider.calls_at_most(i.params) for i in items] == [3, 7, 3]
    # 13 requests: one wave; the secrets of up to 100 environments: 7 more; up to 9 further pages of the
    # repository's and the organisation's lists: 2 more
    assert provider.bound(target, items) == 1 + 10 * 10


def test_bound_counts_renders_env_group_pages_and_the_groups_linked():
    from types import SimpleNamespace

    from opsverify.environment import TimeoutsModel

    target = SimpleNamespace(timeouts=TimeoutsModel(connect_s=1, http_s=10))
    item = SimpleNamespace(params=Params.model_validate(
        {"platform": "render", "services": ["web", "api"], "secret_age": {"names": ["A"], "max_days": 9}}))
    # the named group, the groups' list, each service's own env vars
    assert provider.calls_at_most(item.params) == 4
    # one wave; up to 9 further pages of the list, a wave each; up to 32 linked groups: 2 waves
    assert provider.bound(target, [item]) == 1 + 10 * (1 + 9 + 2)


GITHUB_CALL = Call("github", "https://api.github.com/repos/o/r/actions/secrets?per_page=100&page=1", (),
                   "github-secrets")


@pytest.mark.parametrize("call, body, words", [
    (GITHUB_CALL, '{"total_count": "lots", "secrets": []}', 'total_count is "lots", not a count'),
    (GITHUB_CALL, '{"total_count": 1e999, "secrets": []}', "total_count is Infinity, not a count"),
    (GITHUB_CALL, '{"total_count": 2, "secrets": [{"name": "A", "updated_at": "2001-01-01T00:00:00Z"},'
                  ' {"name": "A", "updated_at": "2026-11-25T00:00:00Z"}]}', "the secret A is listed twice"),
    (CALL, '{"envs": [{"key": ["CRON_SECRET"], "target": ["production"]}]}', "unexpected shape"),
])
def test_an_answer_shaped_otherwise_is_trouble_never_a_crash(call, body, words):
    answer = interpret(call, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble) and "unexpected shape" in answer.reason and words in answer.reason, answer


def test_an_answer_holding_a_bare_nan_is_no_json():
    """JSON has no NaN (Python's json.dumps writes one; JSON.parse and Go refuse the whole body)."""
    answer = interpret(GITHUB_CALL, Reply(200, 1.0, DATE, '{"total_count": NaN, "secrets": []}'), Redactor(), NOW)
    assert isinstance(answer, Trouble) and answer.reason.endswith(
        "with a body that is not JSON (NaN at character 16, which JSON has not: JSON.parse and Go refuse the whole"
        " body)"), answer


@pytest.mark.parametrize("params, found", [
    ({"platform": "vercel", "secret_age": {"names": ["CRON_SECRET"], "max_days": 30}},
     {"env": ok({"envs": [{"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": 1e20}],
                 "more": False})}),
    ({"platform": "github", "secret_age": {"names": ["A"], "max_days": 30}},
     gh({"total_count": 1, "secrets": [{"name": "A", "updated_at": "0001-01-01T00:00:00+14:00"}]})),
    ({"platform": "render", "services": ["web"], "deploy_status": "live"}, {"deploy:web": ok({"not": "a list"})}),
    ({"platform": "render", "services": ["web"], "deploy_status": "live"}, {"deploy:web": ok([{"cursor": "c"}])}),
    ({"platform": "supabase", "backups": {"max_age_hours": 26}}, {"backups": ok([])}),
    ({"platform": "supabase", "backups": {"max_age_hours": 26}}, {"backups": ok({"backups": ["COMPLETED"]})}),
], ids=["time-beyond-the-clock", "time-before-the-calendar", "deploys-not-a-list", "deploy-without-deploy",
        "backups-a-list", "backup-a-word"])
def test_a_lying_platform_is_never_a_pass_nor_an_internal_error(params, found):
    check = make_check(**params)
    outcome = judge(check, {check.key: found})
    assert outcome.status in (Status.ERROR, Status.FAILED), outcome
    assert "internal error" not in outcome.observed


# -- platform answers that are not what they seem --------------------------------------------------
GITHUB_RESET = int(NOW.timestamp()) + 1800


@pytest.mark.parametrize("call, reply, words", [
    (GITHUB_CALL, Reply(403, 1.0, {**DATE, "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(GITHUB_RESET)},
                        '{"message": "API rate limit exceeded for user ID 1."}'),
     ["GitHub API rate-limited", "403: API rate limit exceeded", "the limit resets at 2026-11-25T12:30:00Z",
      "run again later"]),
    (GITHUB_CALL, Reply(403, 1.0, {**DATE, "retry-after": "60"},
                        '{"message": "You have exceeded a secondary rate limit."}'),
     ["GitHub API rate-limited", "it says retry after 60 s: run again later"]),
    (GITHUB_CALL, Reply(429, 1.0, {**DATE, "retry-after": "Wed, 25 Nov 2026 12:05:00 GMT"}, '{"message": "slow"}'),
     ["rate-limited", "it says retry after 2026-11-25T12:05:00Z"]),
    (CALL, Reply(429, 1.0, {**DATE, "x-ratelimit-reset": str(GITHUB_RESET)}, '{"error": {"message": "Too many"}}'),
     ["Vercel API rate-limited", "(429: Too many)", "the limit resets at 2026-11-25T12:30:00Z"]),
    (Call("render", "https://api.render.com/v1/services/srv-1/deploys?limit=1", (), "plain"),
     Reply(429, 1.0, {**DATE, "ratelimit-reset": "42"}, "{}"), ["Render API rate-limited", "resets in 42 s"]),
    (Call("supabase", "https://api.supabase.com/v1/projects/p/secrets", (), "supabase-secrets"),
     Reply(429, 1.0, DATE, '{"message": "Too many requests"}'), ["rate-limited", "it gives no reset time: run again"]),
    # nonsense in the headers is no reset time, never a crash of every item of the system
    (CALL, Reply(429, 1.0, {**DATE, "x-ratelimit-reset": "99999999999999999999"}, "{}"),
     ["rate-limited", "it gives no reset time"]),
    (CALL, Reply(429, 1.0, {**DATE, "retry-after": "\u00b2"}, "{}"), ["rate-limited", "it gives no reset time"]),
], ids=["github-primary", "github-secondary", "github-429", "vercel", "render", "supabase", "reset-beyond-time",
        "retry-after-superscript"])
def test_a_rate_limit_says_when_it_resets_and_asks_for_no_new_token(call, reply, words):
    answer = interpret(call, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    for word in words:
        assert word in answer.reason, answer.reason
    assert "token" not in answer.reason


def test_a_forbidden_token_is_still_said_so():
    reply = Reply(403, 1.0, {**DATE, "x-ratelimit-remaining": "4999"}, '{"message": "Resource not accessible"}')
    assert "refused the token with 403" in interpret(GITHUB_CALL, reply, Redactor(), NOW).reason


@pytest.mark.parametrize("date, believed", [
    ("Mon, 01 Jan 2001 00:00:00 GMT", False),  # a cache's, or a broken clock's: every age would be off by years
    ("Thu, 26 Nov 2026 12:00:01 GMT", False),
    ("Wed, 25 Nov 2026 20:00:00 GMT", True),  # hours of skew are the platform's clock, and its ages
    ("Tue, 24 Nov 2026 13:00:00 GMT", True),
])
def test_a_platform_date_far_from_the_runners_clock_is_not_believed(date, believed):
    body = '{"total_count": 1, "secrets": [{"name": "A", "updated_at": "2000-12-20T00:00:00Z"}]}'
    answer = interpret(GITHUB_CALL, Reply(200, 1.0, {"date": date}, body), Redactor(), NOW)
    assert isinstance(answer, Answer) is believed, answer
    if not believed:
        assert f"with Date {provider._stamp(provider._http_date(date))}" in answer.reason
        assert "from this runner's clock (2026-11-25T12:00:00Z)" in answer.reason and "not believed" in answer.reason


def test_a_truncated_answer_says_so_rather_than_not_json():
    reply = Reply(200, 1.0, DATE, '{"envs": [', truncated=True)
    answer = interpret(CALL, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble) and "with a body larger than the 8 MiB read" in answer.reason, answer


def test_a_project_with_many_env_vars_is_read_whole():
    """~140 encrypted values are over 100 KB of JSON: more than an HTTP item reads."""
    value = "eyJ2IjoidjIiLCJlcGsiOnsia3R5IjoiRUMiLCJjcnYiOiJQLTI1NiIsIngiOiJ" + "A" * 700
    envs = [{"key": f"VAR_{n:03d}", "type": "encrypted", "value": value, "target": ["production"],
             "updatedAt": int(datetime.now(timezone.utc).timestamp() * 1000)} for n in range(140)]
    body = json.dumps({"envs": envs})
    assert len(body) > 100_000
    with route_server({("GET", "/v10/projects/prj_1/env"): lambda h, b: (200, body)}) as url:
        target = make_target({"providers": {"vercel": {"base_url": url, "token": "vercel-token-0123", "project": "prj_1"}}})
        check = make_check(platform="vercel", required=["VAR_139"])
        try:
            outcome = judge(check, provider.gather(target, [check]))
        finally:
            target.close()
    assert outcome.status is Status.PASSED, outcome


VERCEL_BRANCHES = [
    {"key": "STALE", "type": "encrypted", "target": ["preview"], "updatedAt": ms(400)},
    {"key": "STALE", "type": "encrypted", "target": ["preview"], "updatedAt": ms(1), "gitBranch": "feature-x"},
    {"key": "BRANCH_ONLY", "type": "encrypted", "target": ["preview"], "updatedAt": ms(1), "gitBranch": "feature-x"},
    {"key": "FRESH", "type": "encrypted", "target": ["preview"], "updatedAt": ms(2)},
    {"key": "FRESH", "type": "encrypted", "target": ["preview"], "updatedAt": ms(900), "gitBranch": "old-branch"},
]


@pytest.mark.parametrize("params, status, words", [
    ({"secret_age": {"names": ["STALE"], "max_days": 31}}, Status.FAILED, ["STALE last updated 400.0 days ago"]),
    ({"required": ["BRANCH_ONLY"]}, Status.FAILED,
     ["BRANCH_ONLY is not set in the Vercel project's preview env (only for branch feature-x)"]),
    ({"secret_age": {"names": ["BRANCH_ONLY"], "max_days": 31}}, Status.FAILED,
     ["BRANCH_ONLY is not set in the Vercel project's preview env (only for branch feature-x)"]),
    ({"required": ["FRESH", "STALE"], "secret_age": {"names": ["FRESH"], "max_days": 31}}, Status.PASSED,
     ["1 secret updated within 31 days"]),
], ids=["stale-despite-a-fresh-branch-value", "set-for-a-branch-only", "aged-for-a-branch-only", "generic-values"])
def test_a_branchs_value_is_not_the_targets(params, status, words):
    check = make_check(platform="vercel", target="preview", **params)
    outcome = judge(check, {check.key: {"env": ok({"envs": VERCEL_BRANCHES, "more": False})}})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed


# -- the runner's clock bounds every age: a Date behind it makes nothing fresher ------------------------------
RENDER_EVENTS_CALL = Call("render", "https://api.render.com/v1/services/crn-1/events?type=cron_job_run_ended", (),
                          "plain")
SUPABASE_BACKUPS_CALL = Call("supabase", "https://api.supabase.com/v1/projects/p/database/backups", (), "plain")


def _dated(hours_off: float) -> dict[str, str]:
    return {"date": formatdate((NOW + timedelta(hours=hours_off)).timestamp(), usegmt=True)}


@pytest.mark.parametrize("call, body, params, role, words", [
    (RENDER_EVENTS_CALL, cron_events(("cron_job_run_ended", 45, "successful")),
     {"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 26}}}, "cron:trim",
     ["cron job trim: newest run ended 45.0 h ago"]),
    (SUPABASE_BACKUPS_CALL, backups(daily_hours=(45, 69)), {"platform": "supabase", "backups": {"max_age_hours": 26}},
     "backups", ["newest backup is 45.0 h old"]),
], ids=["cron-run", "backup"])
def test_a_date_behind_the_runners_clock_makes_nothing_fresher(call, body, params, role, words):
    """A cache replaying a 20 h old answer says Date: 20 h ago: measured from it, a 45 h old backup would look 25 h
    old. Ages are measured from the later of the two clocks, both of which the outcome shows."""
    answer = interpret(call, Reply(200, 1.0, _dated(-20), json.dumps(body)), Redactor(), NOW)
    check = make_check(**params)
    outcome = judge(check, {check.key: {role: answer}})
    assert outcome.status is Status.FAILED, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    assert "the platform's Date (2026-11-24T16:00:00Z) is 20.0 h behind this runner's clock (2026-11-25T12:00:00Z)" \
        in outcome.observed
    assert outcome.evidence["platform_now"] == "2026-11-24T16:00:00Z"
    assert outcome.evidence["runner_now"] == "2026-11-25T12:00:00Z"


def test_a_date_ahead_of_the_runners_clock_is_measured_from_and_said():
    body = cron_events(("cron_job_run_ended", 20, "successful"))  # 20 h before the runner's clock, 27 h before Date
    answer = interpret(RENDER_EVENTS_CALL, Reply(200, 1.0, _dated(7), json.dumps(body)), Redactor(), NOW)
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 26}})
    outcome = judge(check, {check.key: {"cron:trim": answer}})
    assert outcome.status is Status.FAILED, outcome
    assert "newest run ended 27.0 h ago" in outcome.observed
    assert "is 7.0 h ahead of this runner's clock" in outcome.observed


def test_clocks_within_the_skew_allowance_go_unremarked():
    answer = interpret(RENDER_EVENTS_CALL, Reply(200, 1.0, _dated(-0.05),
                                                 json.dumps(cron_events(("cron_job_run_ended", 1, "successful")))),
                       Redactor(), NOW)
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 26}})
    outcome = judge(check, {check.key: {"cron:trim": answer}})
    assert outcome.status is Status.PASSED, outcome
    assert "runner's clock" not in outcome.observed
    assert outcome.evidence["runner_now"] == "2026-11-25T12:00:00Z"


def test_a_time_later_than_the_platforms_own_is_still_unknown():
    """Measured against the platform's Date as before: a run it dates after its own now proves nothing."""
    body = cron_events(("cron_job_run_ended", 10, "successful"))  # after the Date 20 h ago
    answer = interpret(RENDER_EVENTS_CALL, Reply(200, 1.0, _dated(-20), json.dumps(body)), Redactor(), NOW)
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 26}})
    outcome = judge(check, {check.key: {"cron:trim": answer}})
    assert outcome.status is Status.ERROR, outcome
    assert "later than the platform's own time 2026-11-24T16:00:00Z" in outcome.observed


# -- a Vercel target is one Vercel has ----------------------------------------------------------------------
@pytest.mark.parametrize("target, said", [
    ("prod", "target 'prod' is not a Vercel environment; did you mean production?"),
    ("Preview", "did you mean preview?"),
    ("staging", "target 'staging' is not a Vercel environment: write production, preview, development or a custom "
                "environment's id (env_…)"),
    ("env_", "not a Vercel environment"),
])
def test_a_vercel_target_vercel_does_not_have_is_refused(target, said):
    with pytest.raises(ValidationError) as raised:
        Params.model_validate({"platform": "vercel", "required": ["A"], "target": target})
    assert said in str(raised.value)


CUSTOM = [
    {"key": "CRON_SECRET", "type": "encrypted", "target": [], "customEnvironmentIds": ["env_staging1"],
     "updatedAt": ms(3)},
    {"key": "OLD_KEY", "type": "encrypted", "target": ["preview"], "customEnvironmentIds": ["env_staging1"],
     "updatedAt": ms(90)},
    {"key": "PROD_ONLY", "type": "encrypted", "target": ["production"], "updatedAt": ms(1)},
]


@pytest.mark.parametrize("params, status, words", [
    ({"required": ["CRON_SECRET", "OLD_KEY"]}, Status.PASSED,
     ["set in the Vercel project's custom environment env_staging1"]),
    ({"required": ["PROD_ONLY"]}, Status.FAILED,
     ["PROD_ONLY is not set in the Vercel project's custom environment env_staging1"]),
    ({"secret_age": {"names": ["OLD_KEY"], "max_days": 31}}, Status.FAILED, ["OLD_KEY last updated 90.0 days ago"]),
], ids=["set", "other-target", "aged"])
def test_a_custom_environment_is_judged_by_its_ids(params, status, words):
    body = json.dumps({"envs": CUSTOM})
    answer = interpret(CALL, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    check = make_check(platform="vercel", target="env_staging1", **params)
    outcome = judge(check, {check.key: {"env": answer}})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed


# -- a moved repository ---------------------------------------------------------------------------------------
def test_a_moved_repository_names_the_setting_and_where_it_went():
    moved = "https://api.github.com/repositories/42/actions/secrets?per_page=100&page=1"
    reply = Reply(301, 1.0, {**DATE, "location": moved}, json.dumps({"message": "Moved Permanently", "url": moved}))
    answer = interpret(GITHUB_CALL, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert "GitHub API answered 301 (Moved Permanently) for GET https://api.github.com/repos/o/r/" in answer.reason
    assert "set providers.github.repo to the repository's new owner/name" in answer.reason
    assert f"it now answers at {moved}" in answer.reason


# -- Render lists the events of a time window: the last hour unless asked ----------------------------------------
RENDER_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"  # RFC 3339 UTC, as the API's other date-time fields


class RenderEventsStub:
    """Answers GET /services/{id}/events like Render documents it: `startTime` defaults to now - 1 hour and
    `endTime` to now; newest first, then `limit`. `runs`: service id -> [(hours ago the run ended, status)], by the
    runner's clock. Records the query of every request."""

    system = "demo"
    env = type("Env", (), {"name": "stub"})()

    def __init__(self, runs: dict[str, list[tuple[float, str]]], services: dict[str, str]) -> None:
        self.redactor = Redactor()
        self.runs = runs
        self.services = services
        self.asked: list[dict[str, list[str]]] = []

    def provider(self, platform):
        return {"token": "stub-token-123456", "base_url": "https://render.example/v1",
                **{f"service.{name}": sid for name, sid in self.services.items()}}

    def fetch_all(self, probes):
        return [self._events(probe.url) for probe in probes]

    def _events(self, url: str) -> Reply:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.asked.append(query)
        now = datetime.now(timezone.utc)
        start = provider.parse_time(query["startTime"][0]) if "startTime" in query else now - timedelta(hours=1)
        end = provider.parse_time(query["endTime"][0]) if "endTime" in query else now
        service = parts.path.split("/")[-2]
        ended = sorted(((now - timedelta(hours=h), status) for h, status in self.runs.get(service, [])),
                       reverse=True)
        rows = [{"event": {"id": f"evt-{n}", "type": "cron_job_run_ended", "serviceId": service,
                           "timestamp": at.isoformat().replace("+00:00", "Z"),
                           "details": {"cronJobRunId": f"crj-{n}", "status": status}}, "cursor": f"c{n}"}
                for n, (at, status) in enumerate(ended) if start <= at <= end]
        return Reply(200, 1.0, {"date": formatdate(usegmt=True)}, json.dumps(rows[:int(query["limit"][0])]))


def _render_cron(target, **jobs) -> tuple[Check, Outcome]:
    check = make_check(platform="render", cron_jobs={name: {"max_age_hours": h} for name, h in jobs.items()})
    return check, judge(check, provider.gather(target, [check]))


def test_a_daily_job_that_ran_hours_ago_is_found_in_the_window_asked():
    """Without startTime Render lists only the last hour: a purge that ran 5 h ago (26 h allowed) was 'never run'."""
    target = RenderEventsStub({"crn-purge": [(5, "successful"), (29, "successful")]}, {"purge": "crn-purge"})
    _, outcome = _render_cron(target, purge=26)
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["cron_runs"]["purge"]["status"] == "successful"


def test_the_events_request_asks_for_the_items_window_in_rfc3339():
    target = RenderEventsStub({}, {"purge": "crn-purge"})
    before = datetime.now(timezone.utc).replace(microsecond=0)
    _render_cron(target, purge=26)
    after = datetime.now(timezone.utc)
    (query,) = target.asked
    (start,) = query["startTime"]
    assert re.fullmatch(RENDER_STAMP, start), start
    window = timedelta(hours=26) + provider.CRON_WINDOW_MARGIN
    assert before - window <= provider.parse_time(start) <= after - window
    assert query["type"] == ["cron_job_run_ended"] and "endTime" not in query  # Render's endTime: now


@pytest.mark.parametrize("ran_hours_ago, words", [
    (30, ["cron job purge has no finished run in the last 27 h (since ", ", the window asked of Render)"]),
    (26.5, ["cron job purge: newest run ended 26.5 h ago"]),  # inside the margin: its age is shown
], ids=["outside-the-window", "inside-the-margin"])
def test_a_run_older_than_the_items_window_fails_saying_what_was_asked(ran_hours_ago, words):
    target = RenderEventsStub({"crn-purge": [(ran_hours_ago, "successful")]}, {"purge": "crn-purge"})
    check, outcome = _render_cron(target, purge=26)
    assert outcome.status is Status.FAILED, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    assert "newest 20 events" not in outcome.observed
    assert re.fullmatch(RENDER_STAMP, outcome.evidence["cron_windows"]["purge"])
    assert message(check, outcome).startswith("X1-provider-check a platform fact: expected cron job purge: ")


def test_items_citing_one_service_with_different_windows_each_get_their_own():
    target = RenderEventsStub({"crn-purge": [(5, "successful")]}, {"purge": "crn-purge", "purge-again": "crn-purge"})
    daily = make_check(platform="render", cron_jobs={"purge": {"max_age_hours": 26}})
    hourly = replace(daily, id="X2", params=Params(platform="render", cron_jobs={"purge": {"max_age_hours": 2}}))
    same_as_daily = replace(daily, id="X3",
                            params=Params(platform="render", cron_jobs={"purge-again": {"max_age_hours": 26}}))
    facts = provider.gather(target, [daily, hourly, same_as_daily])
    starts = sorted(provider.parse_time(q["startTime"][0]) for q in target.asked)
    assert len(starts) == 2 and starts[1] - starts[0] == timedelta(hours=24), target.asked  # one call per window
    assert judge(daily, facts).status is Status.PASSED
    assert judge(same_as_daily, facts).status is Status.PASSED
    outcome = judge(hourly, facts)
    assert outcome.status is Status.FAILED, outcome
    assert "cron job purge has no finished run in the last 3 h" in outcome.observed


def test_a_full_page_of_other_events_proves_no_missing_run():
    """Asked for cron_job_run_ended only, an answer of `limit` other events ignored the filter: a run may be past it."""
    others = [{"event": {"id": f"e{n}", "type": "server_restarted", "timestamp": iso(hours=n / 10), "details": {}}}
              for n in range(provider.RENDER_EVENTS)]
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 2}})
    outcome = judge(check, {check.key: {"cron:trim": ok(others)}})
    assert outcome.status is Status.ERROR, outcome
    assert "cron job trim: the 20 events Render listed hold no finished run" in outcome.observed


def test_the_demo_render_fake_lists_a_window_newest_first(demo):
    platforms = next(c for c in demo.components if type(c).__name__ == "PlatformAPIs")
    url = platforms.urls["render"] + "/v1/services/crn-joslynpurge00000000/events"
    headers = {"authorization": f"Bearer {platforms.tokens['render']}"}

    def ended(**query):
        reply = httpx.get(url, params={"type": "cron_job_run_ended", **query}, headers=headers, timeout=5)
        assert reply.status_code == 200, reply.text
        events = [row["event"] for row in reply.json()]
        moments = [provider.parse_time(e["timestamp"]) for e in events]
        assert moments == sorted(moments, reverse=True)  # newest first
        return [e["details"]["cronJobRunId"] for e in events]

    now = datetime.now(timezone.utc)
    assert ended() == []  # its runs ended 5 h and more ago: not in Render's default last hour
    since = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    runs = ended(startTime=since)
    assert len(runs) == 3
    assert ended(startTime=since, limit=1) == runs[:1]  # the newest, not the oldest
    assert ended(startTime=since, endTime=(now - timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")) == runs[1:]
    bad = httpx.get(url, params={"startTime": "yesterday"}, headers=headers, timeout=5)
    assert bad.status_code == 400 and set(bad.json()) == {"id", "message"} and "startTime" in bad.json()["message"]


def test_the_demo_render_fake_lists_env_groups_as_render_does(demo):
    """`GET /env-groups`: `{envGroup, cursor}` entries without values, a page of `limit`, the next from after the
    cursor given; and J6 reads every group linked to its services (the config group sets none of its names)."""
    platforms = next(c for c in demo.components if type(c).__name__ == "PlatformAPIs")
    url = platforms.urls["render"] + "/v1/env-groups"
    headers = {"authorization": f"Bearer {platforms.tokens['render']}"}
    whole = httpx.get(url, params={"limit": 100}, headers=headers, timeout=5).json()
    assert [set(row) for row in whole] == [{"envGroup", "cursor"}] * 2, whole
    assert all("envVars" not in row["envGroup"] and row["envGroup"]["serviceLinks"] for row in whole), whole
    first = httpx.get(url, params={"limit": 1}, headers=headers, timeout=5).json()
    rest = httpx.get(url, params={"limit": 1, "cursor": first[0]["cursor"]}, headers=headers, timeout=5).json()
    assert [row["cursor"] for row in first + rest] == [row["cursor"] for row in whole]
    (result,) = evaluate(demo, by_id("J6")).values()
    check, outcome = result
    assert outcome.status is Status.PASSED, outcome
    (config,) = outcome.evidence["linked_env_groups"].values()
    assert config["name"] == "production-config" and config["sets"] == [], outcome.evidence


def test_a_full_page_listed_oldest_first_cannot_show_the_newest_run():
    """Render lists newest first; a full page in the other order may stop before the newest run (a failed one
    past twenty older successes): which run is newest is unknown, never read from the page's newest."""
    runs = [("cron_job_run_ended", 1.9 - n / 20, "successful") for n in range(provider.RENDER_EVENTS)]
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 2}})
    outcome = judge(check, {check.key: {"cron:trim": ok(cron_events(*runs))}})
    assert outcome.status is Status.ERROR, outcome
    assert "oldest first" in outcome.observed
    newest_first = judge(check, {check.key: {"cron:trim": ok(cron_events(*reversed(runs)))}})
    assert newest_first.status is Status.PASSED, newest_first


def test_a_full_page_of_other_events_holding_one_run_is_read_by_every_events_order():
    """The type filter not applied: one run among 19 newer events of other kinds, oldest first. One run's time is
    always "sorted": the order is every event's, and a newer run may lie past the page (it had passed)."""
    events = [("cron_job_run_ended", 20, "successful")] + [("job_run_started", 19 - n / 2, None) for n in range(19)]
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 26}})
    outcome = judge(check, {check.key: {"cron:trim": ok(cron_events(*events))}})
    assert outcome.status is Status.ERROR and "oldest first" in outcome.observed, outcome
    newest_first = judge(check, {check.key: {"cron:trim": ok(cron_events(*reversed(events)))}})
    assert newest_first.status is Status.PASSED, newest_first


def test_render_secret_age_names_the_services_the_group_feeds():
    """Without services, a group linked to no service passed as feeding "its services"."""
    with pytest.raises(ValidationError, match="secret_age needs services"):
        make_check(platform="render", secret_age={"names": ["API_JWT_SECRET"], "max_days": 92})


@pytest.mark.parametrize("shape, answer", [
    ("vercel", {"envs": [None, {"key": "CRON_SECRET", "value": "sk_live_DECRYPTEDvalue0123456789abcdef"}]}),
    ("vercel", {"envs": [{"key": 7, "value": "x"}, {"key": "CRON_SECRET",
                                                   "value": "sk_live_DECRYPTEDvalue0123456789abcdef"}]}),
    ("supabase", [None, {"name": "CRON_SECRET", "value": "sk_live_DECRYPTEDvalue0123456789abcdef"}]),
    ("render", {"envVars": [None, {"key": "A", "value": "sk_live_DECRYPTEDvalue0123456789abcdef"}],
                "updatedAt": None}),
])
def test_every_value_an_answer_holds_is_a_secret_before_its_shape_is_judged(shape, answer):
    """An entry of another shape fails the answer, but the values after it were decrypted all the same: another item
    echoing one must show it masked (they reached the results in clear)."""
    from opsverify.secrets import Redactor

    redactor = Redactor()
    sanitize = {"vercel": provider.SANITIZERS["vercel-env"], "supabase": provider.SANITIZERS["supabase-secrets"],
                "render": provider.SANITIZERS["render-env-group"]}[shape]
    with pytest.raises(provider.SHAPE_ERRORS):
        sanitize(answer, redactor)
    assert "sk_live_DECRYPTED" not in redactor.text("echo sk_live_DECRYPTEDvalue0123456789abcdef")


def test_what_could_not_be_judged_beside_a_failure_is_recorded_undecided():
    """B is stale, NO_TIME's age unknown: the item fails naming both, and records NO_TIME as undecided, so a waiver
    of B's rotation does not take it and the run counts the item as could-not-check too (it had ended 0, waived)."""
    check = make_check(platform="supabase", secret_age={"names": ["B", "NO_TIME"], "max_days": 90})
    outcome = judge(check, {check.key: {"secrets": ok(SUPABASE_SECRETS)}})
    assert outcome.status is Status.FAILED, outcome
    assert "B last updated 100.0 days ago" in outcome.observed
    (unknown,) = outcome.evidence["undecided"]
    assert "NO_TIME" in unknown and f"; and 1 could not be judged: {unknown}" in outcome.observed


class _ReadSettings(dict):
    """A platform's settings that note every key asked of them."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("params", [
    {"platform": "github", "required": ["A"], "secret_age": {"names": ["A"], "max_days": 9}},
    {"platform": "github", "required": ["A"], "environment": "production"},
    {"platform": "vercel", "required": ["A"], "secret_age": {"names": ["A"], "max_days": 9}},
    {"platform": "render", "services": ["web"], "deploy_status": "live", "secret_age": {"names": ["A"], "max_days": 9},
     "cron_jobs": {"trim": {"max_age_hours": 2}}},
    {"platform": "supabase", "backups": {"max_age_hours": 2}, "pitr_days": 7, "required": ["A"]},
], ids=lambda p: p["platform"])
def test_a_platform_s_calls_read_only_the_settings_it_declares(params):
    """PROVIDER_SETTINGS is what the environment loader accepts under providers.<platform>: a key the calls read
    beyond it would be refused in every environment, one it lists and they do not read would pass a typo."""
    p = Params.model_validate(params)
    declared = set(provider.PROVIDER_SETTINGS[p.platform])
    settings = _ReadSettings({key: "x" for key in declared if not key.endswith(".")} |
                             {"service.web": "srv-1", "service.trim": "crn-1", "base_url": "https://api.example",
                              "repo": "o/r", "team": "team_x"})

    class Target:
        system, env = "demo", type("Env", (), {"name": "local"})

        def provider(self, platform):
            return settings

    provider._plan(Target(), p, NOW)
    assert {"service." if key.startswith("service.") else key for key in settings.read} == declared


# -- Render: every env group linked to the services, not only the one named ------------------------------------------
def _group(gid: str, name: str, days: float, keys: tuple[str, ...], links: tuple[str, ...] = ("srv-web",)) -> dict:
    """An env group as `GET /env-groups/{id}` answers it; `days`: how long ago it last changed (by the real clock:
    the route server's Date is)."""
    changed = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    return {"id": gid, "name": name, "ownerId": "tea-1", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": changed,
            "serviceLinks": [{"id": sid, "name": sid, "type": "web_service"} for sid in links],
            "envVars": [{"key": k, "value": f"{name}-{k}-value-0123456789"} for k in keys], "secretFiles": []}


def _meta(group: dict) -> dict:
    """The group as `GET /env-groups` lists it (envGroupMeta: no envVars, no secretFiles)."""
    return {k: v for k, v in group.items() if k not in ("envVars", "secretFiles")}


def render_groups(groups: list[dict], asked: list[str] | None = None, *, pages: list[list[dict]] | None = None,
                  bare: bool = False, broken: tuple[str, ...] = ()) -> dict:
    """Routes of a Render API holding `groups` (listed as `pages`, a page a request: each names the next by the
    cursor of its last entry), web's own env vars (PORT only) and api's; `asked` records each path; `broken`: paths
    answered 500."""
    pages = pages if pages is not None else [groups]

    def answer(path: str, body: Any):
        def handler(headers, _body):
            if asked is not None:
                asked.append(path)
            return (500, '{"message": "internal"}') if path in broken else (200, json.dumps(body))
        return handler

    routes = {}
    cursor = None
    for page in pages:
        path = "/env-groups?" + urlencode({"limit": 100, **({"cursor": cursor} if cursor else {})})
        listed = [_meta(g) if bare else {"envGroup": _meta(g), "cursor": f"cur-{g['id']}"} for g in page]
        routes[("GET", path)] = answer(path, listed)
        cursor = f"cur-{page[-1]['id']}" if page else None
    for group in groups:
        routes[("GET", f"/env-groups/{group['id']}")] = answer(f"/env-groups/{group['id']}", group)
    for sid in ("srv-web", "srv-api"):
        path = f"/services/{sid}/env-vars?limit=100"
        routes[("GET", path)] = answer(path, [{"envVar": {"key": "PORT", "value": "3000"}, "cursor": "c"}])
    return routes


def run_render(routes: dict, *checks: Check) -> list[Outcome]:
    with route_server(routes) as url:
        target = make_target({"providers": {"render": {
            "base_url": url, "token": "rnd-token-0123456789", "service.web": "srv-web", "service.api": "srv-api",
            "env_group": "evg-new"}}})
        try:
            facts = provider.gather(target, list(checks))
            return [judge(check, facts) for check in checks]
        finally:
            target.close()


def jwt_age(*services: str, item: str = "X1") -> Check:
    check = make_check(platform="render", services=list(services) or ["web"],
                       secret_age={"names": ["API_JWT_SECRET"], "max_days": 90})
    return replace(check, id=item)


NEW = _group("evg-new", "rotated", 2, ("API_JWT_SECRET",))
OLD = _group("evg-old", "legacy", 400, ("API_JWT_SECRET",))


def test_render_secret_age_fails_on_a_stale_group_linked_beside_the_named_one():
    """web is linked to two groups that both set API_JWT_SECRET: the one named changed 2 days ago, the other 400.
    Render documents no order among a service's linked groups, so the 400-day-old value may be the one web runs. The
    item had passed on the named group's age."""
    (outcome,) = run_render(render_groups([NEW, OLD]), jwt_age())
    assert outcome.status is Status.FAILED, outcome
    assert ("API_JWT_SECRET also set in env group 'legacy' (evg-old), linked to web: it last changed 400.0 days ago"
            in outcome.observed), outcome.observed
    assert "Render documents no order among a service's linked env groups" in outcome.observed
    assert outcome.evidence["linked_env_groups"]["evg-old"]["sets"] == ["API_JWT_SECRET"]
    said = repr(outcome)
    assert "API_JWT_SECRET-value" not in said and "rnd-token-0123456789" not in said


@pytest.mark.parametrize("other, status, seen", [
    # a fresh value is fresh whichever group Render takes it from
    (_group("evg-old", "legacy", 10, ("API_JWT_SECRET",)), Status.PASSED,
     "API_JWT_SECRET also set in env group 'legacy' (evg-old), linked to web, changed 10.0 days ago"),
    # a stale group linked to web that does not set the name has no say in it
    (_group("evg-old", "legacy", 400, ("LOG_LEVEL",)), Status.PASSED, "env group 'rotated' changed 2.0 days ago"),
    # nor does one linked to another service only
    (_group("evg-old", "legacy", 400, ("API_JWT_SECRET",), links=("srv-other",)), Status.PASSED,
     "env group 'rotated' changed 2.0 days ago"),
    # a time later than Render's own clock proves nothing fresh
    (_group("evg-old", "legacy", -3, ("API_JWT_SECRET",)), Status.ERROR,
     "env group 'legacy' (evg-old) updatedAt is"),
])
def test_render_secret_age_judges_each_other_group_linked_to_the_services(other, status, seen):
    (outcome,) = run_render(render_groups([NEW, other]), jwt_age())
    assert outcome.status is status, outcome
    assert seen in outcome.observed, outcome.observed


def test_render_env_groups_are_listed_once_and_each_read_once_for_every_item():
    """Two items over the same services: the list is asked once, each linked group once (facts gathered once per
    run, in waves)."""
    asked: list[str] = []
    api_only = _group("evg-api", "api-extra", 1, ("OTHER",), links=("srv-api",))
    outcomes = run_render(render_groups([NEW, OLD, api_only], asked), jwt_age("web", item="A1"),
                          jwt_age("web", "api", item="A2"))
    assert [o.status for o in outcomes] == [Status.FAILED, Status.FAILED], outcomes
    assert sorted(asked) == sorted(["/env-groups?limit=100", "/env-groups/evg-new", "/env-groups/evg-old",
                                    "/env-groups/evg-api", "/services/srv-web/env-vars?limit=100",
                                    "/services/srv-api/env-vars?limit=100"]), asked
    assert "linked to web" in outcomes[0].observed and "evg-api" not in outcomes[0].observed


def test_render_env_groups_are_read_page_after_page_by_cursor():
    """Render lists 100 groups a page at most, each entry with its cursor; the next page is the same request with
    `cursor` set to the last entry's. The stale group linked to web is on page 2."""
    others = [_group(f"evg-{n:03d}", f"g{n}", 400, ("API_JWT_SECRET",), links=("srv-other",)) for n in range(99)]
    asked: list[str] = []
    (outcome,) = run_render(render_groups([NEW, *others, OLD], asked, pages=[[NEW, *others], [OLD]]), jwt_age())
    assert outcome.status is Status.FAILED and "env group 'legacy' (evg-old)" in outcome.observed, outcome
    assert "/env-groups?limit=100&cursor=cur-evg-098" in asked, asked
    assert any(r.endswith("/env-groups?limit=100&cursor=cur-evg-098") for r in outcome.evidence["requests"])


def test_render_env_groups_listed_as_the_openapi_declares_them_are_read_too():
    """Render's OpenAPI declares the list as bare envGroupMeta entries (no cursor beside them): a short page is read
    the same; a full one names no cursor to go on from, so a linked group past it is unknown, never none."""
    (outcome,) = run_render(render_groups([NEW, OLD], bare=True), jwt_age())
    assert outcome.status is Status.FAILED and "env group 'legacy' (evg-old)" in outcome.observed, outcome
    others = [_group(f"evg-{n:03d}", f"g{n}", 1, ("X",), links=("srv-other",)) for n in range(99)]
    (outcome,) = run_render(render_groups([NEW, *others], bare=True), jwt_age())
    assert outcome.status is Status.ERROR, outcome
    assert "Render listed 100 env groups and more were not read" in outcome.observed, outcome.observed


def test_render_env_groups_beyond_the_pages_read_are_unknown():
    pages = [[_group(f"evg-{p}-{n:03d}", f"g{p}-{n}", 1, ("X",), links=("srv-other",)) for n in range(100)]
             for p in range(provider.RENDER_GROUPS_MAX_PAGES + 1)]
    groups = [NEW] + [g for page in pages for g in page]
    (outcome,) = run_render(render_groups(groups, pages=pages), jwt_age())
    assert outcome.status is Status.ERROR, outcome
    assert f"Render listed {100 * provider.RENDER_GROUPS_MAX_PAGES} env groups and more were not read" in outcome.observed


@pytest.mark.parametrize("broken, seen", [
    ("/env-groups/evg-old", "answered 500 for GET http"),
    ("/env-groups?limit=100", "answered 500 for GET http"),
])
def test_render_env_groups_not_read_leave_the_item_an_error(broken, seen):
    (outcome,) = run_render(render_groups([NEW, OLD], broken=(broken,)), jwt_age())
    assert outcome.status is Status.ERROR, outcome
    assert seen in outcome.observed and broken in outcome.observed, outcome.observed


def test_render_secret_age_beside_a_stale_linked_group_that_could_not_be_read_still_fails():
    """The named group is stale: the item fails on it, the linked group not read said beside it."""
    stale = _group("evg-new", "rotated", 200, ("API_JWT_SECRET",))
    (outcome,) = run_render(render_groups([stale, OLD], broken=("/env-groups/evg-old",)), jwt_age())
    assert outcome.status is Status.FAILED and "env group 'rotated' last changed 200.0 days ago" in outcome.observed
    assert any("/env-groups/evg-old" in u for u in outcome.evidence["undecided"]), outcome.evidence


def test_render_env_groups_linked_past_those_read_are_unknown():
    many = [_group(f"evg-{n:03d}", f"g{n}", 1, ("X",)) for n in range(provider.RENDER_LINKED_GROUPS)]
    (outcome,) = run_render(render_groups([NEW, *many]), jwt_age())
    assert outcome.status is Status.ERROR, outcome
    assert (f"env group 'g{provider.RENDER_LINKED_GROUPS - 1}' (evg-{provider.RENDER_LINKED_GROUPS - 1:03d}) is linked "
            f"to web and was not read") in outcome.observed, outcome.observed


@pytest.mark.parametrize("body, words", [
    ('{"envGroups": []}', "the env groups are an object, not a list"),
    ('[{"envGroup": {"name": "x", "serviceLinks": []}, "cursor": "c"}]', "an env group listed has no id"),
    ('[{"envGroup": {"id": "evg-1"}, "cursor": "c"}]', "serviceLinks is missing, not a list"),
    ('[{"envGroup": {"id": "evg-1", "serviceLinks": null}, "cursor": "c"}]', "serviceLinks is null, not a list"),
    ('[{"envGroup": {"id": "evg-1", "serviceLinks": []}, "cursor": 7}]', "cursor is a number, not text"),
])
def test_render_env_groups_listed_in_another_shape_are_an_error(body, words):
    """A list Render does not document is never read as no groups (nor a group as linked to nothing)."""
    call = Call("render", "https://api.render.com/v1/env-groups?limit=100", (), "render-env-groups")
    answer = interpret(call, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble) and words in answer.reason, answer


def test_render_env_group_values_a_list_would_hold_go_to_the_redactor():
    """The list documents no values; one that held them (a full group in each entry) has them masked, never kept."""
    redactor = Redactor()
    call = Call("render", "https://api.render.com/v1/env-groups?limit=100", (), "render-env-groups")
    body = json.dumps([{"envGroup": {"id": "evg-1", "serviceLinks": [], "envVars": [
        {"key": "API_JWT_SECRET", "value": "listed-jwt-secret-value-4410"}]}, "cursor": "c"}])
    answer = interpret(call, Reply(200, 1.0, DATE, body), redactor, NOW)
    assert isinstance(answer, Answer) and "listed-jwt" not in json.dumps(answer.data), answer
    assert "listed-jwt-secret-value-4410" not in redactor.text("x listed-jwt-secret-value-4410 y")


def test_a_name_both_required_and_aged_that_is_missing_is_said_once():
    """An item naming one missing secret in `required` and in `secret_age` said "CRON_SECRET is not set in the Vercel
    project's production env" twice: each part finds it missing."""
    v = provider._Verdict("vercel", [])
    v.expected.append("CRON_SECRET set")
    for _ in range(2):
        v.absent("CRON_SECRET", None, "is not set in the Vercel project's production env")
    outcome = v.outcome()
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.count("CRON_SECRET is not set") == 1, outcome.observed
