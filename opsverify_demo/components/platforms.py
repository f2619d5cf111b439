"""Fake platform APIs of the demo: Vercel, Render, GitHub and the Supabase Management API (one
Starlette app each on the demo's web host), all on 127.0.0.1.

They answer the documented paths and shapes the `provider` family reads, only to GET, only with
the right bearer token (401 otherwise), and send a `Date` header (uvicorn's) as the real ones do.
Times are kept as ages and turned into timestamps per request, so the demo stays "now" however
long it runs. Healthy by default; the faults below age or remove one fact each.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from opsverify_demo.envs import demo_secret
from opsverify_demo.faults import Fault

VERCEL_PROJECT = "prj_sora_studio_demo"
VERCEL_TEAM = "team_demo"
GITHUB_REPO = "sora-studio/sora-studio"
RENDER_ENV_GROUP = "evg-joslyn0secrets00000"
RENDER_CONFIG_GROUP = "evg-joslyn0config000000"  # a second group linked to the same services: config, no secrets
RENDER_SERVICES = {  # name -> (id, type)
    "web": ("srv-joslynweb00000000000", "web_service"),
    "api": ("srv-joslynapi00000000000", "web_service"),
    "worker": ("srv-joslynworker0000000", "background_worker"),
    "dead-letter-trim": ("crn-joslyntrim000000000", "cron_job"),
    "database-purge": ("crn-joslynpurge00000000", "cron_job"),
}
SUPABASE_PROJECTS = {"cheersai": "cheersaidemoproject0", "bakery-ops": "bakeryopsdemoproject"}


def _iso(ago: timedelta) -> str:
    return _stamp_ms(datetime.now(timezone.utc) - ago)


def _stamp_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _render_time(request: Request, name: str, default: datetime) -> datetime:
    """A query time as Render documents it (an RFC 3339 date-time, offset included), or its default; ValueError
    says what is wrong."""
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"invalid {name} {text[:40]!r}: expected an RFC 3339 date-time such as 2021-06-17T08:15:30Z")
    return moment


def _ms(ago: timedelta) -> int:
    return int((datetime.now(timezone.utc) - ago).timestamp() * 1000)


def _unix(ago: timedelta) -> int:
    return int((datetime.now(timezone.utc) - ago).timestamp())


@dataclass
class CronRun:
    ended_ago: timedelta
    status: str = "successful"


@dataclass
class PlatformState:
    """What the fake platforms say; faults change it, reset() rebuilds it."""

    vercel_env: dict[str, dict] = field(default_factory=dict)  # key -> {type, target, updated_ago}
    github_secrets: dict[str, timedelta] = field(default_factory=dict)  # name -> updated ago
    # deployment environment -> its own secrets (name -> updated ago), which its jobs see over the repository's
    github_environments: dict[str, dict[str, timedelta]] = field(default_factory=dict)
    render_deploys: dict[str, str] = field(default_factory=dict)  # service name -> newest deploy status
    # service name -> who suspended it (Render's `suspenders`): a suspended service keeps its last deploy live
    render_suspended: dict[str, list[str]] = field(default_factory=dict)
    render_cron: dict[str, list[CronRun]] = field(default_factory=dict)
    render_group_updated: timedelta = timedelta(days=12)
    # a secret the env group holds under another name the app reads as well (SMTP_PASS as EMAIL_SERVER): old -> new
    render_group_renamed: dict[str, str] = field(default_factory=dict)
    # service name -> the env vars it sets itself (key -> value), used over the env group's
    render_service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    supabase_backups: dict[str, dict] = field(default_factory=dict)  # system -> settings
    supabase_secrets_updated: dict[str, timedelta] = field(default_factory=dict)


def healthy_state() -> PlatformState:
    day, hour = timedelta(days=1), timedelta(hours=1)
    return PlatformState(
        vercel_env={
            "ADMIN_DASHBOARD_TOKEN": {"type": "encrypted", "target": ["production", "preview"], "ago": 9 * day},
            "CRON_SECRET": {"type": "encrypted", "target": ["production", "preview"], "ago": 9 * day},
            "FAL_KEY": {"type": "sensitive", "target": ["production"], "ago": 20 * day},
            "NEXT_PUBLIC_SUPABASE_URL": {"type": "plain", "target": ["production", "preview", "development"],
                                         "ago": 200 * day},
        },
        github_secrets={"CRON_SECRET": 9 * day, "VERCEL_TOKEN": 40 * day, "SUPABASE_ACCESS_TOKEN": 60 * day},
        github_environments={"production": {"DEPLOY_HOOK_URL": 30 * day}},
        render_deploys={name: "live" for name in ("web", "api", "worker")},
        render_service_env={"web": {"PORT": "3000"}, "api": {"PORT": "4000"}, "worker": {"QUEUE_CONCURRENCY": "4"}},
        render_cron={
            # hourly trim and daily purge; several past runs, newest first
            "dead-letter-trim": [CronRun(timedelta(minutes=20 + 60 * n)) for n in range(5)],
            "database-purge": [CronRun(5 * hour + n * day) for n in range(3)],
        },
        render_group_updated=12 * day,
        supabase_backups={
            "cheersai": {"pitr": None, "daily_ago": 6 * hour, "physical_ago": None},
            "bakery-ops": {"pitr": "pitr_7", "daily_ago": 4 * hour, "physical_ago": timedelta(minutes=2)},
        },
        supabase_secrets_updated={"SUPABASE_SERVICE_ROLE_KEY": 30 * day, "SHOPIFY_BANNOS_TOKEN": 30 * day,
                                  "SHOPIFY_FLOURLANE_TOKEN": 30 * day, "SHOPIFY_WEBHOOK_SECRET": 30 * day,
                                  "SLACK_WEBHOOK_URL": 30 * day},
    )


def _guard(token: Callable[[], str], unauthorized: dict):
    """GET only, with `Authorization: Bearer <token>`; anything else is refused like the platform does."""

    def wrap(handler):
        async def endpoint(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            if not hmac.compare_digest(header.encode(), f"Bearer {token()}".encode()):
                return JSONResponse(unauthorized, status_code=401)
            return await handler(request)

        return endpoint

    return wrap


class PlatformAPIs:
    def __init__(self) -> None:
        self.state = healthy_state()
        self.tokens = {p: demo_secret(f"{p}token") for p in ("vercel", "render", "github", "supabase")}
        self.urls: dict[str, str] = {}
        self.deployment = None

    # -- component protocol ------------------------------------------------------------
    def start(self, deployment) -> None:
        self.deployment = deployment
        for platform, app in (("vercel", self._vercel()), ("render", self._render()), ("github", self._github()),
                              ("supabase", self._supabase())):
            self.urls[platform] = deployment.web.add(f"platform/{platform}", app)

    def variables(self) -> dict[str, str]:
        out = {f"DEMO_PLATFORM_{p.upper()}_URL": url for p, url in self.urls.items()}
        out.update({f"DEMO_PLATFORM_{p.upper()}_TOKEN": token for p, token in self.tokens.items()})
        return out

    def reset(self) -> None:
        self.state = healthy_state()

    def stop(self) -> None:
        pass  # the apps live on the deployment's web host, which stops them

    # -- Vercel: GET /v10/projects/{idOrName}/env?teamId= ----------------------------------
    def _vercel(self) -> Starlette:
        @_guard(lambda: self.tokens["vercel"], {"error": {"code": "forbidden", "message": "Not authorized",
                                                          "invalidToken": True}})
        async def project_env(request: Request) -> Response:
            if (request.path_params["project"] not in (VERCEL_PROJECT, "sora-studio")
                    or request.query_params.get("teamId") != VERCEL_TEAM):
                return JSONResponse({"error": {"code": "not_found", "message": "Project not found"}}, status_code=404)
            envs = []
            for key, env in self.state.vercel_env.items():
                created = env["ago"] + timedelta(days=300)
                envs.append({
                    "id": hashlib.sha1(key.encode()).hexdigest()[:16], "key": key, "type": env["type"],
                    "value": self._vercel_value(key, env["type"]), "target": env["target"],
                    "configurationId": None, "createdAt": _ms(created), "updatedAt": _ms(env["ago"]),
                    "createdBy": "demo-user", "updatedBy": "demo-user",
                })
            return JSONResponse({"envs": envs})

        return Starlette(routes=[Route("/v10/projects/{project}/env", project_env, methods=["GET"]),
                                 Route("/v9/projects/{project}/env", project_env, methods=["GET"])])

    def _vercel_value(self, key: str, kind: str) -> str:
        if kind == "sensitive":
            return ""  # Vercel never returns sensitive values
        if kind == "plain":
            return "https://sora.supabase.example"
        actual = self.deployment.secrets["sora-studio"].get(key, "")
        return "enc_" + hashlib.sha256(actual.encode()).hexdigest()  # an opaque encrypted-looking blob

    # -- GitHub: GET /repos/{owner}/{repo}/ actions/secrets, actions/organization-secrets, environments and
    # environments/{name}/secrets, each ?per_page=&page= ---------------------------------------------------------
    def _github(self) -> Starlette:
        def not_found() -> Response:
            return JSONResponse({"message": "Not Found", "status": "404"}, status_code=404)

        def listing(request: Request, key: str, rows: list[dict]) -> Response:
            if f"{request.path_params['owner']}/{request.path_params['repo']}" != GITHUB_REPO:
                return not_found()
            per_page = min(100, int(request.query_params.get("per_page", "30")))
            page = max(1, int(request.query_params.get("page", "1")))
            return JSONResponse({"total_count": len(rows), key: rows[(page - 1) * per_page: page * per_page]})

        def secrets(updated: dict[str, timedelta]) -> list[dict]:
            return [{"name": n, "created_at": _iso(updated[n] + timedelta(days=100))[:19] + "Z",
                     "updated_at": _iso(updated[n])[:19] + "Z"} for n in sorted(updated)]

        guard = _guard(lambda: self.tokens["github"], {"message": "Bad credentials",
                                                       "documentation_url": "https://docs.github.com/rest",
                                                       "status": "401"})

        @guard
        async def repo_secrets(request: Request) -> Response:
            return listing(request, "secrets", secrets(self.state.github_secrets))

        @guard
        async def organization_secrets(request: Request) -> Response:  # shared with the repository: none
            return listing(request, "secrets", [])

        @guard
        async def environments(request: Request) -> Response:
            return listing(request, "environments", [{"id": 161088068 + i, "name": name, "protection_rules": []}
                                                     for i, name in enumerate(sorted(self.state.github_environments))])

        @guard
        async def environment_secrets(request: Request) -> Response:
            own = self.state.github_environments.get(request.path_params["name"])
            return not_found() if own is None else listing(request, "secrets", secrets(own))

        base = "/repos/{owner}/{repo}"
        return Starlette(routes=[Route(f"{base}/actions/secrets", repo_secrets, methods=["GET"]),
                                 Route(f"{base}/actions/organization-secrets", organization_secrets, methods=["GET"]),
                                 Route(f"{base}/environments", environments, methods=["GET"]),
                                 Route(f"{base}/environments/{{name}}/secrets", environment_secrets,
                                       methods=["GET"])])

    # -- Render: /v1/services/{id}, its /deploys, /events and /env-vars, /v1/env-groups and /v1/env-groups/{id} ---
    def _render(self) -> Starlette:
        by_id = {sid: name for name, (sid, _) in RENDER_SERVICES.items()}
        guard = _guard(lambda: self.tokens["render"], {"id": "unauthorized", "message": "unauthorized"})
        not_found = JSONResponse({"id": "not-found", "message": "service not found"}, status_code=404)

        @guard
        async def deploys(request: Request) -> Response:
            name = by_id.get(request.path_params["service_id"])
            if name not in self.state.render_deploys:
                return not_found
            limit = int(request.query_params.get("limit", "20"))
            newest = self.state.render_deploys[name]
            rows = []
            for n, status in enumerate([newest, "deactivated", "deactivated"]):
                ago = timedelta(hours=2 + 24 * n)
                rows.append({"deploy": {
                    "id": f"dep-{name}{n:02d}demo", "commit": {"id": f"{n:040x}", "message": "release",
                                                               "createdAt": _iso(ago + timedelta(minutes=5))},
                    "status": status, "trigger": "new_commit", "createdAt": _iso(ago),
                    "updatedAt": _iso(ago - timedelta(minutes=4)),
                    "finishedAt": _iso(ago - timedelta(minutes=4)),
                }, "cursor": f"c{n}"})
            return JSONResponse(rows[:limit])

        @guard
        async def service(request: Request) -> Response:
            sid = request.path_params["service_id"]
            name = by_id.get(sid)
            if name is None:
                return not_found
            suspenders = self.state.render_suspended.get(name, [])
            return JSONResponse({
                "id": sid, "name": f"joslyn-{name}", "type": RENDER_SERVICES[name][1], "slug": f"joslyn-{name}",
                "ownerId": "tea-joslyndemo00000000", "repo": "https://github.com/joslyn-ai/joslyn", "branch": "main",
                "autoDeploy": "yes", "notifyOnFail": "default", "rootDir": "",
                "createdAt": _iso(timedelta(days=400)), "updatedAt": _iso(timedelta(days=2)),
                "suspended": "suspended" if suspenders else "not_suspended", "suspenders": suspenders,
                "dashboardUrl": f"https://dashboard.render.com/web/{sid}",
            })

        @guard
        async def events(request: Request) -> Response:
            sid = request.path_params["service_id"]
            name = by_id.get(sid)
            if name is None:
                return not_found
            wanted = set(request.query_params.getlist("type"))
            limit = int(request.query_params.get("limit", "20"))
            now = datetime.now(timezone.utc)
            try:  # Render's defaults: the last hour
                start = _render_time(request, "startTime", now - timedelta(hours=1))
                end = _render_time(request, "endTime", now)
            except ValueError as exc:
                return JSONResponse({"id": "invalid-parameter", "message": str(exc)}, status_code=400)
            rows = []
            for n, run in enumerate(self.state.render_cron.get(name, [])):
                run_id = f"crj-{name}-{n:03d}"
                rows.append(("cron_job_run_ended", now - run.ended_ago, {"cronJobRunId": run_id, "status": run.status}))
                rows.append(("cron_job_run_started", now - run.ended_ago - timedelta(minutes=1),
                             {"cronJobRunId": run_id}))
            rows.sort(key=lambda r: r[1], reverse=True)  # newest first, as Render lists them
            out = [{"event": {"id": f"evt-{sid[-8:]}{i:012d}", "timestamp": _stamp_ms(at), "serviceId": sid,
                              "type": kind, "details": details}, "cursor": f"c{i}"}
                   for i, (kind, at, details) in enumerate(rows)
                   if (not wanted or kind in wanted) and start <= at <= end]
            return JSONResponse(out[:limit])

        def groups() -> dict[str, dict]:
            """The workspace's env groups as `GET /env-groups/{id}` answers them: the secrets the services share, and
            their config (linked to the same services, setting none of the secrets)."""
            joslyn = self.deployment.secrets["joslyn-ai"]
            keys = ("NEXTAUTH_SECRET", "API_JWT_SECRET", "INTERNAL_API_KEY", "ADMIN_API_KEY", "SMTP_PASS",
                    "S3_SECRET_ACCESS_KEY")
            env_vars = [{"key": self.state.render_group_renamed.get(k, k), "value": joslyn[k]} for k in keys]
            env_vars.append({"key": "S3_ACCESS_KEY_ID", "value": "AKIADEMOJOSLYN0001"})
            links = [{"id": RENDER_SERVICES[n][0], "name": f"joslyn-{n}", "type": RENDER_SERVICES[n][1]}
                     for n in ("web", "api", "worker")]
            owner = "tea-joslyndemo00000000"
            return {
                RENDER_ENV_GROUP: {
                    "id": RENDER_ENV_GROUP, "name": "production-secrets", "ownerId": owner,
                    "createdAt": _iso(timedelta(days=400)), "updatedAt": _iso(self.state.render_group_updated),
                    "serviceLinks": links, "envVars": env_vars, "secretFiles": []},
                RENDER_CONFIG_GROUP: {
                    "id": RENDER_CONFIG_GROUP, "name": "production-config", "ownerId": owner,
                    "createdAt": _iso(timedelta(days=400)), "updatedAt": _iso(timedelta(days=200)),
                    "serviceLinks": links, "envVars": [{"key": "LOG_LEVEL", "value": "info"}], "secretFiles": []},
            }

        @guard
        async def env_group(request: Request) -> Response:
            group = groups().get(request.path_params["group_id"])
            if group is None:
                return JSONResponse({"id": "not-found", "message": "env group not found"}, status_code=404)
            return JSONResponse(group)

        @guard
        async def env_groups(request: Request) -> Response:
            """As Render lists: `{envGroup, cursor}` entries (the group without its env vars and secret files), `limit`
            (20 by default, 100 at most) a page, from after the entry whose cursor is given."""
            limit = min(100, int(request.query_params.get("limit", "20")))
            rows = [{"envGroup": {k: v for k, v in g.items() if k not in ("envVars", "secretFiles")}, "cursor": gid}
                    for gid, g in sorted(groups().items())]
            after = request.query_params.get("cursor")
            start = next((i + 1 for i, row in enumerate(rows) if row["cursor"] == after), None) if after else 0
            if start is None:
                return JSONResponse({"id": "invalid-parameter", "message": "invalid cursor"}, status_code=400)
            return JSONResponse(rows[start:start + limit])

        @guard
        async def service_env(request: Request) -> Response:
            name = next((n for n, (sid, _) in RENDER_SERVICES.items() if sid == request.path_params["service_id"]),
                        None)
            if name is None:
                return JSONResponse({"id": "not-found", "message": "service not found"}, status_code=404)
            own = self.state.render_service_env.get(name, {})
            limit = min(100, int(request.query_params.get("limit", "20")))
            return JSONResponse([{"envVar": {"key": key, "value": value}, "cursor": f"c{i}"}
                                 for i, (key, value) in enumerate(sorted(own.items()))][:limit])

        return Starlette(routes=[
            Route("/v1/services/{service_id}", service, methods=["GET"]),
            Route("/v1/services/{service_id}/env-vars", service_env, methods=["GET"]),
            Route("/v1/services/{service_id}/deploys", deploys, methods=["GET"]),
            Route("/v1/services/{service_id}/events", events, methods=["GET"]),
            Route("/v1/env-groups", env_groups, methods=["GET"]),
            Route("/v1/env-groups/{group_id}", env_group, methods=["GET"]),
        ])

    # -- Supabase Management API: backups, billing add-ons, secrets -----------------------
    def _supabase(self) -> Starlette:
        by_ref = {ref: system for system, ref in SUPABASE_PROJECTS.items()}
        guard = _guard(lambda: self.tokens["supabase"], {"message": "Unauthorized"})

        def system_of(request: Request) -> str | None:
            return by_ref.get(request.path_params["ref"])

        @guard
        async def backups(request: Request) -> Response:
            system = system_of(request)
            if system is None:
                return JSONResponse({"message": "Project not found"}, status_code=404)
            s = self.state.supabase_backups[system]
            # as Supabase answers: once PITR is on it takes no daily backups (an empty list), and its recovery
            # window is the physical_backup_data; without PITR, the daily backups, each with its id
            daily = [] if s["pitr"] else [
                {"id": 1000 + 7 - n, "is_physical_backup": True, "status": "COMPLETED",
                 "inserted_at": _iso(s["daily_ago"] + n * timedelta(days=1))} for n in range(7)]
            physical = {}
            if s["pitr"] and s["physical_ago"] is not None:
                days = int(s["pitr"].split("_")[1])
                physical = {"earliest_physical_backup_date_unix": _unix(timedelta(days=days)),
                            "latest_physical_backup_date_unix": _unix(s["physical_ago"])}
            return JSONResponse({"region": "eu-west-2", "walg_enabled": True, "pitr_enabled": bool(s["pitr"]),
                                 "backups": daily, "physical_backup_data": physical})

        @guard
        async def addons(request: Request) -> Response:
            system = system_of(request)
            if system is None:
                return JSONResponse({"message": "Project not found"}, status_code=404)
            selected = [{"type": "compute_instance", "variant": {"id": "ci_small", "name": "Small",
                                                                 "price": {"description": "$0.0206/hour",
                                                                           "type": "usage", "interval": "hourly",
                                                                           "amount": 0.0206}}}]
            pitr = self.state.supabase_backups[system]["pitr"]
            if pitr:
                selected.append({"type": "pitr", "variant": {"id": pitr, "name": f"{pitr.split('_')[1]} days",
                                                             "price": {"description": "$100/month", "type": "fixed",
                                                                       "interval": "monthly", "amount": 100}}})
            return JSONResponse({"selected_addons": selected, "available_addons": []})

        @guard
        async def project_secrets(request: Request) -> Response:
            system = system_of(request)
            if system is None:
                return JSONResponse({"message": "Project not found"}, status_code=404)
            values = self.deployment.secrets.get(system, {})
            names = self.state.supabase_secrets_updated if system == "bakery-ops" else {}
            return JSONResponse([{"name": n, "value": hashlib.sha256(values.get(n, n).encode()).hexdigest(),
                                  "updated_at": _iso(ago)} for n, ago in names.items()])

        return Starlette(routes=[
            Route("/v1/projects/{ref}/database/backups", backups, methods=["GET"]),
            Route("/v1/projects/{ref}/billing/addons", addons, methods=["GET"]),
            Route("/v1/projects/{ref}/secrets", project_secrets, methods=["GET"]),
        ])


def _component(deployment) -> PlatformAPIs:
    return next(c for c in deployment.components if isinstance(c, PlatformAPIs))


def _change(update: Callable[[PlatformState], None]) -> Callable:
    return lambda deployment: update(_component(deployment).state)


def _stale_backups(system: str) -> Callable[[PlatformState], None]:
    def update(state: PlatformState) -> None:
        backups = state.supabase_backups[system]
        backups["daily_ago"] = timedelta(hours=50)
        if backups["physical_ago"] is not None:
            backups["physical_ago"] = timedelta(hours=50)

    return update


def _pitr_off(state: PlatformState) -> None:
    state.supabase_backups["bakery-ops"].update(pitr=None, physical_ago=None)


def _cron_missed(state: PlatformState) -> None:
    state.render_cron["database-purge"] = [CronRun(timedelta(hours=30) + n * timedelta(days=1)) for n in range(3)]


FAULTS = [
    Fault("vercel-secret-stale", frozenset({"S16"}), "CRON_SECRET in Vercel was last updated 45 days ago",
          _change(lambda s: s.vercel_env["CRON_SECRET"].__setitem__("ago", timedelta(days=45)))),
    Fault("vercel-env-missing", frozenset({"S15", "S16"}), "FAL_KEY is missing from the Vercel project",
          _change(lambda s: s.vercel_env.pop("FAL_KEY"))),
    Fault("vercel-cron-secret-missing", frozenset({"S6", "S15", "S16"}),
          "CRON_SECRET is missing from the Vercel project's production env",
          _change(lambda s: s.vercel_env.pop("CRON_SECRET"))),
    Fault("github-secret-missing", frozenset({"S6", "S16"}), "CRON_SECRET is not an Actions secret of the repository",
          _change(lambda s: s.github_secrets.pop("CRON_SECRET"))),
    Fault("github-secret-stale", frozenset({"S16"}), "the CRON_SECRET Actions secret was last updated 45 days ago",
          _change(lambda s: s.github_secrets.__setitem__("CRON_SECRET", timedelta(days=45)))),
    Fault("github-environment-secret-stale", frozenset({"S16"}),
          "the production environment's own CRON_SECRET, which its jobs see over the repository's, was last "
          "updated 120 days ago",
          _change(lambda s: s.github_environments["production"].__setitem__("CRON_SECRET", timedelta(days=120)))),
    Fault("render-deploy-failed", frozenset({"J19"}), "the worker's newest Render deploy failed to build",
          _change(lambda s: s.render_deploys.__setitem__("worker", "build_failed"))),
    Fault("render-service-suspended", frozenset({"J19"}),
          "the API service is suspended for billing (its newest deploy still reads live)",
          _change(lambda s: s.render_suspended.__setitem__("api", ["billing"]))),
    Fault("render-cron-missed", frozenset({"J20"}), "the database purge cron last ran 30 hours ago",
          _change(_cron_missed)),
    Fault("render-secret-stale", frozenset({"J6"}), "the production-secrets env group last changed 120 days ago",
          _change(lambda s: setattr(s, "render_group_updated", timedelta(days=120)))),
    Fault("backups-stale", frozenset({"C19"}), "cheersai's newest Supabase backup is 50 hours old",
          _change(_stale_backups("cheersai"))),
    Fault("bakery-backups-stale", frozenset({"B14"}),
          "bakery-ops' PITR point (its newest backup: PITR takes no daily ones) is 50 hours old",
          _change(_stale_backups("bakery-ops"))),
    Fault("pitr-disabled", frozenset({"B14"}), "PITR is off for the bakery-ops Supabase project",
          _change(_pitr_off)),
    Fault("supabase-secret-stale", frozenset({"B15"}), "SHOPIFY_WEBHOOK_SECRET was last set 120 days ago",
          _change(lambda s: s.supabase_secrets_updated.__setitem__("SHOPIFY_WEBHOOK_SECRET", timedelta(days=120)))),
]
