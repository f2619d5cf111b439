"""The demo's HTTP services, one Starlette app per deployed service of each system.

They behave like the real endpoints the runbooks describe (guards, health shapes), and read
`Switches` on every request so that a fault can take a service down, slow it or open a guard.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


@dataclass
class Switches:
    down: set[str] = field(default_factory=set)  # "system/service" answering 503
    slow_ms: dict[str, int] = field(default_factory=dict)
    open_guards: set[str] = field(default_factory=set)  # "system/route" that forgot its auth check
    broken: set[str] = field(default_factory=set)  # named misbehaviours, e.g. "commit-to-ship/db"
    webhook_failures: int = 0

    def reset(self) -> None:
        self.down.clear()
        self.slow_ms.clear()
        self.open_guards.clear()
        self.broken.clear()
        self.webhook_failures = 0


def _bearer_ok(request: Request, expected: str) -> bool:
    header = request.headers.get("authorization", "")
    return bool(expected) and hmac.compare_digest(header, f"Bearer {expected}")


def _service(deployment, system: str, service: str, routes: list[Route]) -> Starlette:
    key = f"{system}/{service}"
    switches: Switches = deployment.switches

    async def gate(request: Request, call_next):
        if key in switches.down:
            return PlainTextResponse("Service Unavailable", status_code=503)
        delay = switches.slow_ms.get(key)
        if delay:
            await asyncio.sleep(delay / 1000)
        return await call_next(request)

    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=gate)])


def build(deployment) -> dict[tuple[str, str], Starlette]:
    switches: Switches = deployment.switches

    def secret(system: str, name: str) -> str:
        return deployment.secrets[system][name]

    def guarded(system: str, route: str, name: str):
        """An endpoint behind `Authorization: Bearer <secret>` (unless a fault opened it)."""

        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                if f"{system}/{route}" not in switches.open_guards and not _bearer_ok(request, secret(system, name)):
                    return JSONResponse({"error": "unauthorized"}, status_code=401)
                return await handler(request)

            return endpoint

        return wrap

    # sora-studio ---------------------------------------------------------------------
    @guarded("sora-studio", "poller", "ADMIN_DASHBOARD_TOKEN")
    async def sora_poller(request: Request) -> Response:
        return JSONResponse({"polled": 0, "limit": int(request.query_params.get("limit", "5"))})

    @guarded("sora-studio", "jobs", "ADMIN_DASHBOARD_TOKEN")
    async def sora_job(request: Request) -> Response:
        return JSONResponse({"error": "job not found"}, status_code=404)

    async def fal_webhook(request: Request) -> Response:
        # Fal signs deliveries (x-fal-webhook-signature, ed25519); an unsigned request is refused
        if request.headers.get("x-fal-webhook-signature") is None:
            return JSONResponse({"error": "missing signature"}, status_code=401)
        return JSONResponse({"error": "invalid signature"}, status_code=401)

    # cheersai ------------------------------------------------------------------------
    @guarded("cheersai", "cron-publish", "CRON_SECRET")
    async def cheers_publish(request: Request) -> Response:
        return JSONResponse({"ok": True, "forwarded": "publish-queue"})

    # joslyn-ai ---------------------------------------------------------------------
    async def joslyn_home(request: Request) -> Response:
        return HTMLResponse("<!doctype html><title>Joslyn AI</title><main>Joslyn AI</main>")

    async def joslyn_billing(request: Request) -> Response:
        return HTMLResponse("<!doctype html><title>Billing</title><main>Billing</main>")

    async def joslyn_api_health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def joslyn_queues(request: Request) -> Response:
        key = request.headers.get("x-internal-key", "")
        if "joslyn-ai/queues" not in switches.open_guards and not hmac.compare_digest(
                key, secret("joslyn-ai", "INTERNAL_API_KEY")):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return JSONResponse({
            "queues": {"jobs": {"waiting": 3, "active": 1}, "jobs:dead": {"waiting": 0}},
            "webhooks": {"received": 120, "processed": 120 - switches.webhook_failures,
                         "failed": switches.webhook_failures},
        })

    async def worker_health(request: Request) -> Response:
        return JSONResponse({"ok": True, "worker": "running"})

    # bakery-ops --------------------------------------------------------------------------
    async def bakery_index(request: Request) -> Response:
        bundle = "service_role" if "bakery-ops/bundle-leak" in switches.broken else "anon"
        return HTMLResponse(
            '<!doctype html><html><head><script type="module" src="/assets/index-3f2a.js"></script></head>'
            f'<body><div id="root" data-role="{bundle}"></div></body></html>'
        )

    async def bakery_queue(request: Request) -> Response:
        return HTMLResponse("<!doctype html><title>Queue</title><div id='root'></div>")

    async def bakery_health(request: Request) -> Response:
        latency = 4 if "bakery-ops/db-slow" not in switches.broken else 1800
        return JSONResponse({"status": "up", "db": {"ok": True, "latency_ms": latency}})

    async def orders_webhook(request: Request) -> Response:
        body = await request.body()
        given = request.headers.get("x-shopify-hmac-sha256", "")
        digest = hmac.new(secret("bakery-ops", "SHOPIFY_WEBHOOK_SECRET").encode(), body, hashlib.sha256).digest()
        import base64

        if "bakery-ops/webhook" in switches.open_guards or (given and hmac.compare_digest(
                given, base64.b64encode(digest).decode())):
            return JSONResponse({"ok": True})
        return JSONResponse({"error": "invalid signature"}, status_code=401)

    # commit-to-ship ----------------------------------------------------------------------
    async def cts_health(request: Request) -> Response:
        if "commit-to-ship/db" in switches.broken:
            return JSONResponse({"error": "Database connection failed"}, status_code=503)
        return JSONResponse({"ok": True, "db": "connected"})

    @guarded("commit-to-ship", "normalize", "ADMIN_API_TOKEN")
    async def cts_normalize(request: Request) -> Response:
        return JSONResponse({"normalized": 0})

    return {
        ("sora-studio", "app"): _service(deployment, "sora-studio", "app", [
            Route("/api/sora/poller", sora_poller, methods=["GET", "POST"]),
            Route("/api/sora/jobs/{job_id}", sora_job, methods=["GET", "DELETE"]),
            Route("/api/provider/fal/webhook", fal_webhook, methods=["POST"]),
        ]),
        ("cheersai", "app"): _service(deployment, "cheersai", "app", [
            Route("/api/cron/publish", cheers_publish, methods=["GET", "POST"]),
        ]),
        ("joslyn-ai", "web"): _service(deployment, "joslyn-ai", "web", [
            Route("/", joslyn_home), Route("/settings/billing", joslyn_billing),
        ]),
        ("joslyn-ai", "api"): _service(deployment, "joslyn-ai", "api", [
            Route("/health", joslyn_api_health), Route("/internal/metrics/queues", joslyn_queues),
        ]),
        ("joslyn-ai", "worker"): _service(deployment, "joslyn-ai", "worker", [Route("/health", worker_health)]),
        ("bakery-ops", "app"): _service(deployment, "bakery-ops", "app", [
            Route("/", bakery_index), Route("/queue", bakery_queue),
        ]),
        ("bakery-ops", "edge"): _service(deployment, "bakery-ops", "edge", [
            Route("/edge/health", bakery_health),
            Route("/functions/v1/orders-webhook", orders_webhook, methods=["POST"]),
        ]),
        ("commit-to-ship", "app"): _service(deployment, "commit-to-ship", "app", [
            Route("/api/health", cts_health),
            Route("/api/admin/reward-milestones/normalize", cts_normalize, methods=["GET", "POST"]),
        ]),
    }
