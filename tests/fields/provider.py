"""provider: every field of provider.Params changes the outcome (facts as `provider.gather` keys them:
per item, each API answer under its role, already stripped of values)."""

from datetime import datetime, timedelta, timezone

from opsverify.families.provider import Answer

from .kinds import Flips

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def ago(**delta) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def answer(data) -> Answer:
    return Answer("GET https://api.example/x", data, NOW)


def run(hours: float) -> dict:
    return {"event": {"type": "cron_job_run_ended", "timestamp": ago(hours=hours),
                      "details": {"status": "successful", "cronJobRunId": "run-1"}}}


BY_PLATFORM = {
    "github": {"secrets": answer({"total_count": 1, "secrets": [{"name": "CRON_SECRET", "updated_at": ago(days=45)}]}),
               "org_secrets": answer({"total_count": 0, "secrets": []}),
               "environments": answer({"total_count": 0, "names": []}),
               # what a job of environment production sees over the repository's
               "env_secrets": answer({"total_count": 1, "secrets": [{"name": "CRON_SECRET", "updated_at": ago(days=1)}]}),
               "workflows": answer({"total_count": 1}),
               "workflow:nightly.yml": answer({"state": "disabled_inactivity", "name": "Nightly",
                                               "path": ".github/workflows/nightly.yml"})},
    "vercel": {"env": answer({"envs": [{"key": "CRON_SECRET", "type": "encrypted", "updatedAt": ago(days=1),
                                        "target": ["preview"]}], "more": False})},
    "render": {
        "deploy:web": answer([{"deploy": {"id": "dep-1", "status": "live", "finishedAt": ago(hours=1)}}]),
        "deploy:worker": answer([{"deploy": {"id": "dep-2", "status": "build_failed", "finishedAt": ago(hours=1)}}]),
        "service:web": answer({"id": "srv-web", "suspended": "not_suspended", "suspenders": []}),
        "service:worker": answer({"id": "srv-worker", "suspended": "not_suspended", "suspenders": []}),
        "cron:trim": answer([run(hours=1)]),
        "cron:purge": answer([run(hours=30)]),
        "env_group": answer({"name": "secrets", "updatedAt": ago(days=3), "keys": ["API_KEY"],
                             "service_ids": ["srv-web", "srv-worker"]}),
        "service_ids": {"web": "srv-web", "worker": "srv-worker"},
        "env_group_id": "evg-1",
        "env_groups": answer({"groups": [{"id": "evg-1", "name": "secrets", "updatedAt": ago(days=3),
                                          "service_ids": ["srv-web", "srv-worker"]}], "more": False, "pages": 1}),
        "service_env:web": answer({"keys": ["PORT"], "full": False}),
        "service_env:worker": answer({"keys": ["PORT"], "full": False}),
    },
    "supabase": {
        "backups": answer({"pitr_enabled": True, "walg_enabled": True, "physical_backup_data": {},
                           "backups": [{"status": "COMPLETED", "inserted_at": ago(hours=10)}]}),
        "addons": answer({"selected_addons": [{"type": "pitr", "variant": {"id": "pitr_7"}}]}),
    },
}


def found(check):
    return {check.key: BY_PLATFORM[check.params.platform]}


GITHUB = {"platform": "github", "required": ["CRON_SECRET"]}
VERCEL = {"platform": "vercel", "required": ["CRON_SECRET"]}
RENDER_GROUP = {"platform": "render", "services": ["worker"], "secret_age": {"names": ["API_KEY"], "max_days": 30}}
SUPABASE = {"platform": "supabase", "backups": {"max_age_hours": 26}}
GITHUB_AGE = {"platform": "github", "secret_age": {"names": ["CRON_SECRET"], "max_days": 30}}

CASES = {
    "platform": Flips(GITHUB, {**GITHUB, "platform": "vercel"}, found),
    "required": Flips(GITHUB, {**GITHUB, "required": ["FAL_KEY"]}, found),
    "secret_age": Flips(GITHUB, {**GITHUB, "secret_age": {"names": ["CRON_SECRET"], "max_days": 30}}, found),
    "target": Flips(VERCEL, {**VERCEL, "target": "preview"}, found),
    "services": Flips({"platform": "render", "services": ["web"], "deploy_status": "live"},
                      {"platform": "render", "services": ["web", "worker"], "deploy_status": "live"}, found),
    "deploy_status": Flips(RENDER_GROUP, {**RENDER_GROUP, "deploy_status": "live"}, found),
    "cron_jobs": Flips({"platform": "render", "cron_jobs": {"trim": {"max_age_hours": 2}}},
                       {"platform": "render", "cron_jobs": {"purge": {"max_age_hours": 26}}}, found),
    "backups": Flips(SUPABASE, {**SUPABASE, "backups": {"max_age_hours": 5}}, found),
    "pitr_days": Flips(SUPABASE, {**SUPABASE, "pitr_days": 14}, found),
    "environment": Flips({**GITHUB_AGE, "environment": "production"}, GITHUB_AGE, found),
    "workflows_active": Flips(GITHUB, {**GITHUB, "workflows_active": ["nightly.yml"]}, found),
}
