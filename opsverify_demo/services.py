"""The demo's HTTP services, one Starlette app per deployed service of each system.

They behave like the real endpoints the runbooks describe (guards, health shapes), and read
`Switches` on every request so that a fault can take a service down, slow it or open a guard.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets as _random
import time
from dataclasses import dataclass, field
from typing import Callable

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


@dataclass
class Switches:
    down: set[str] = field(default_factory=set)  # "system/service" answering 503
    slow_ms: dict[str, int] = field(default_factory=dict)
    # "system/route" that forgot its auth check, or "system/route:METHOD" whose handler of that method alone did
    open_guards: set[str] = field(default_factory=set)
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


def _service(deployment, system: str, service: str, routes: list[Route]) -> Callable:
    """The service's routes behind its switches (down: 503; slow: answers late). A plain ASGI wrapper: starlette's
    BaseHTTPMiddleware runs each request through a task group and a memory stream (half the demo web server's CPU)."""
    key = f"{system}/{service}"
    switches: Switches = deployment.switches
    app = Starlette(routes=routes)

    async def gated(scope, receive, send) -> None:
        if scope["type"] == "http":
            if key in switches.down:
                return await PlainTextResponse("Service Unavailable", status_code=503)(scope, receive, send)
            delay = switches.slow_ms.get(key)
            if delay:
                await asyncio.sleep(delay / 1000)
        await app(scope, receive, send)

    return gated


def worker_registry(*, with_retries: bool = True) -> CollectorRegistry:
    """What the joslyn worker's exporter on :9090 exposes, made with prometheus_client itself."""
    registry = CollectorRegistry()
    processed = Counter("jobs_processed", "Jobs processed", ["queue", "result"], registry=registry)
    processed.labels("jobs", "ok").inc(1240)
    processed.labels("jobs", "failed").inc(3)
    if with_retries:
        Counter("job_retries", "Job retries", ["queue"], registry=registry).labels("jobs").inc(7)
    duration = Histogram("job_duration_seconds", "Job duration", ["queue"], registry=registry,
                         buckets=(0.5, 1, 5, 15, 60, 300))
    for seconds in (0.8, 2.4, 3.1, 12.0, 41.5):
        duration.labels("jobs").observe(seconds)
    depth = Gauge("queue_depth", "Jobs waiting", ["queue"], registry=registry)
    depth.labels("jobs").set(3)
    depth.labels("jobs:dead").set(0)
    return registry


def supabase_key(secret: str, role: str) -> str:
    """A Supabase-style API key: an HS256 JWT whose `role` claim decides what it may do."""
    now = int(time.time())
    claims = {"iss": "supabase", "ref": "bakerydemo", "role": role, "iat": now, "exp": now + 10 * 365 * 86400}
    return jwt.encode(claims, secret, algorithm="HS256")


def fal_message(headers, body: bytes) -> bytes:
    """What Fal signs: request id, user id, timestamp and the body's sha256, one per line."""
    parts = [headers.get("x-fal-webhook-request-id", ""), headers.get("x-fal-webhook-user-id", ""),
             headers.get("x-fal-webhook-timestamp", ""), hashlib.sha256(body).hexdigest()]
    return "\n".join(parts).encode()


def build(deployment) -> dict[tuple[str, str], Starlette]:
    switches: Switches = deployment.switches

    def secret(system: str, name: str) -> str:
        return deployment.secrets[system][name]

    def guarded(system: str, route: str, name: str):
        """An endpoint behind `Authorization: Bearer <secret>` (unless a fault opened it, or one method's handler)."""

        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                opened = {f"{system}/{route}", f"{system}/{route}:{request.method}"} & switches.open_guards
                if not opened and not _bearer_ok(request, secret(system, name)):
                    return JSONResponse({"error": "unauthorized"}, status_code=401)
                return await handler(request)

            return endpoint

        return wrap

    # sora-studio ---------------------------------------------------------------------
    @guarded("sora-studio", "poller", "ADMIN_DASHBOARD_TOKEN")
    async def sora_poller(request: Request) -> Response:
        if "sora-studio/poller" in switches.broken:  # passes the guard, then throws
            return JSONResponse({"error": "poller failed"}, status_code=500)
        return JSONResponse({"polled": 0, "limit": int(request.query_params.get("limit", "5"))})

    @guarded("sora-studio", "jobs", "ADMIN_DASHBOARD_TOKEN")
    async def sora_job(request: Request) -> Response:
        return JSONResponse({"error": "job not found"}, status_code=404)

    fal_public_key = Ed25519PrivateKey.generate().public_key()  # Fal's JWKS key; only "Fal" held the private half

    async def fal_webhook(request: Request) -> Response:
        if "sora-studio/fal-webhook" in switches.broken:  # the route was not deployed
            return PlainTextResponse("Not Found", status_code=404)
        body = await request.body()
        headers = request.headers
        names = ("x-fal-webhook-request-id", "x-fal-webhook-user-id", "x-fal-webhook-timestamp",
                 "x-fal-webhook-signature")
        if not all(headers.get(name) for name in names):
            return JSONResponse({"error": "missing signature headers"}, status_code=401)
        try:
            if abs(time.time() - int(headers["x-fal-webhook-timestamp"])) > 300:
                return JSONResponse({"error": "stale timestamp"}, status_code=401)
            fal_public_key.verify(bytes.fromhex(headers["x-fal-webhook-signature"]), fal_message(headers, body))
        except (ValueError, InvalidSignature):
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        return JSONResponse({"ok": True})

    # cheersai ------------------------------------------------------------------------
    @guarded("cheersai", "cron-publish", "CRON_SECRET")
    async def cheers_publish(request: Request) -> Response:
        if "cheersai/cron-publish" in switches.broken:  # the forward to publish-queue fails
            return JSONResponse({"error": "publish-queue invocation failed"}, status_code=500)
        return JSONResponse({"ok": True, "forwarded": "publish-queue"})

    # joslyn-ai ---------------------------------------------------------------------
    async def joslyn_home(request: Request) -> Response:
        return HTMLResponse("<!doctype html><title>Joslyn AI</title><main>Joslyn AI</main>")

    async def joslyn_billing(request: Request) -> Response:
        if "joslyn-ai/billing" in switches.broken:  # the page throws while loading Stripe data
            return PlainTextResponse("Internal Server Error", status_code=500)
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

    worker_exposition = {True: generate_latest(worker_registry()), False: generate_latest(
        worker_registry(with_retries=False))}

    async def worker_metrics(request: Request) -> Response:
        with_retries = "joslyn-ai/metrics-no-retries" not in switches.broken
        return Response(worker_exposition[with_retries], media_type=CONTENT_TYPE_LATEST)

    # bakery-ops --------------------------------------------------------------------------
    # the Vite build: an entry chunk with the anon key, a vendor chunk, and a lazily loaded admin page
    jwt_secret = _random.token_urlsafe(32)
    anon_key, service_key = supabase_key(jwt_secret, "anon"), supabase_key(jwt_secret, "service_role")

    async def bakery_index(request: Request) -> Response:
        return HTMLResponse(
            '<!doctype html><html><head><meta charset="UTF-8"><title>Bakery Ops</title>'
            '<script type="module" crossorigin src="/assets/index-B7f3a2c1.js"></script>'
            '<link rel="modulepreload" crossorigin href="/assets/vendor-D41e9b0a.js">'
            '<link rel="stylesheet" crossorigin href="/assets/index-C9d2e4f0.css">'
            '</head><body><div id="root"></div></body></html>'
        )

    async def bakery_asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "index-B7f3a2c1.js":
            text = ('import{c as createClient}from"./vendor-D41e9b0a.js";'
                    f'const supabase=createClient("https://bakery.supabase.example",{json.dumps(anon_key)});'
                    'const routes={queue:()=>import("./Queue-A1b2c3d4.js"),'
                    'admin:()=>import("./Admin-E5f6a7b8.js")};export{supabase,routes};')
        elif name == "vendor-D41e9b0a.js":
            text = 'function c(url,key){return{url,key,from(t){return{select(){return[]}}}}}export{c};'
        elif name == "Queue-A1b2c3d4.js":
            text = 'import{supabase as s}from"./index-B7f3a2c1.js";export default()=>s.from("work_queue").select();'
        elif name == "Admin-E5f6a7b8.js":
            leaked = "bakery-ops/bundle-leak" in switches.broken  # someone wired the admin page to the service key
            key = json.dumps(service_key) if leaked else "s.key"
            text = ('import{c as createClient}from"./vendor-D41e9b0a.js";import{supabase as s}from"./index-B7f3a2c1.js";'
                    f'const admin=createClient("https://bakery.supabase.example",{key});export default admin;')
        elif name == "index-C9d2e4f0.css":
            return Response("#root{margin:0}", media_type="text/css")
        else:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(text, media_type="text/javascript")

    async def bakery_queue(request: Request) -> Response:
        if "bakery-ops/queue-route" in switches.broken:  # the SPA fallback for deep links is gone
            return PlainTextResponse("Not Found", status_code=404)
        return HTMLResponse("<!doctype html><title>Queue</title><div id='root'></div>")

    async def bakery_health(request: Request) -> Response:
        if "bakery-ops/edge-health" in switches.broken:  # the function cannot reach the database
            return JSONResponse({"status": "down", "db": {"ok": False, "error": "connection timeout"}},
                                status_code=503)
        latency = 1800 if "bakery-ops/db-slow" in switches.broken else 4
        return JSONResponse({"status": "up", "db": {"ok": True, "latency_ms": latency}})

    async def orders_webhook(request: Request) -> Response:
        if "bakery-ops/orders-webhook" in switches.broken:  # the function throws before answering
            return PlainTextResponse("Internal Server Error", status_code=500)
        body = await request.body()
        given = request.headers.get("x-shopify-hmac-sha256", "")
        digest = hmac.new(secret("bakery-ops", "SHOPIFY_WEBHOOK_SECRET").encode(), body, hashlib.sha256).digest()
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
        ("joslyn-ai", "worker-metrics"): _service(deployment, "joslyn-ai", "worker-metrics", [
            Route("/metrics", worker_metrics),
        ]),
        ("bakery-ops", "app"): _service(deployment, "bakery-ops", "app", [
            Route("/", bakery_index), Route("/queue", bakery_queue), Route("/assets/{name}", bakery_asset),
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
