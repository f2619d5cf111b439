from __future__ import annotations

import gc
import hashlib
import hmac
import json
import time

import pytest

from opsverify.heap import collect_less
from opsverify_demo import Deployment

# A worker's tests make objects that live a while (a demo evaluation's outcomes, a project's files): at CPython's
# young-collection threshold of 700 allocations, the collector's passes took 12% of test_faults's time (9 s of a
# worker's 75); every 50,000 allocations, a quarter of that: as a verification run does while its items run, for
# the worker's whole life
collect_less()


def pytest_configure(config):
    config.addinivalue_line("markers", "starts_first: a test of a minute or more, handed to a worker before the rest")


def pytest_collection_modifyitems(items):
    """The longest tests first (a stable sort: the rest keep their order): xdist hands items out in this order, and a
    test of a minute started last keeps one worker busy alone while the other has nothing left to run."""
    items.sort(key=lambda item: item.get_closest_marker("starts_first") is None)


@pytest.fixture(scope="session")
def demo_deployment():
    """One demo deployment for the engine tests; each user resets it to healthy first."""
    deployment = Deployment().start()
    # what this worker has loaded by now (the test modules, the demo) lives as long as it: frozen, the collector's
    # passes over the oldest generation walk only what each test makes (a tenth of each demo evaluation's CPU)
    gc.freeze()
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def demo(demo_deployment):
    demo_deployment.reset()
    return demo_deployment


# -- env / http / cron / webhook: a local HTTP target for their field cases (tests/fields/) ------
CRON_SECRET = "field-case-cron-secret-0123456789"


def _field_routes() -> dict:
    def cron(headers, _body):
        return (200, "{}") if headers.get("authorization") == f"Bearer {CRON_SECRET}" else (401, "")

    def webhook(headers, _body):
        if "stripe-signature" in headers:
            return 200, "{}"  # a Stripe check that accepts any signature
        if headers.get("x-shopify-shop-domain", "bannos.myshopify.com") != "bannos.myshopify.com":
            return 500, ""  # an unknown store crashes the handler
        return 401, ""

    def pinned_stripe(headers, body):  # stripe-go's ConstructEvent: the signature, then the event's API version
        found = dict(part.split("=", 1) for part in headers.get("stripe-signature", "").split(",") if "=" in part)
        stamp = found.get("t", "")
        mac = hmac.new(CRON_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
        if not (fresh and hmac.compare_digest(mac, found.get("v1", ""))):
            return 400, ""
        return (200, "{}") if json.loads(body).get("api_version") == "2024-06-20" else (400, "")

    return {
        ("GET", "/ok"): lambda h, b: (200, '{"ok": true}'),
        ("GET", "/guarded"): lambda h, b: (200, "{}") if h.get("x-key") == f"Key {CRON_SECRET}" else (401, ""),
        ("GET", "/cron"): cron,
        ("GET", "/cron-open"): lambda h, b: (200, "{}"),
        # a job that takes its own schedule in x-vercel-cron-schedule as the scheduler's word (anyone can send it)
        ("GET", "/cron-every-5"): lambda h, b: (
            (200, "{}") if h.get("x-vercel-cron-schedule") == "*/5 * * * *" else cron(h, b)),
        ("POST", "/hook"): webhook,
        ("POST", "/hook-pinned"): pinned_stripe,
    }


@pytest.fixture
def http_fields_target():
    """`api` serves the routes above; `elsewhere` is the same server under /elsewhere (every path 404)."""
    from .kit import make_target, route_server

    with route_server(_field_routes()) as base:
        target = make_target({"services": {"api": {"url": base}, "elsewhere": {"url": f"{base}/elsewhere"}},
                              "secrets": {"CRON_SECRET": CRON_SECRET, "OTHER_SECRET": "field-case-other-secret-987"}})
        try:
            yield target
        finally:
            target.close()


# -- migrations (Live cases of tests/fields/migrations.py) ------------------------------------
@pytest.fixture
def migrations_target(demo_deployment, tmp_path):
    """A scratch database with a Prisma history and its repo checkout (see prisma_field_scene)."""
    from .migrations_kit import prisma_field_scene, scratch_database

    with scratch_database(demo_deployment, tmp_path) as scratch:
        prisma_field_scene(scratch)
        yield scratch.target


# -- bundle: a small web app for the field cases (tests/fields/bundle.py) -------------------------
@pytest.fixture(scope="session")
def bundle_site():
    """/ loads two scripts (one of 4 KiB, one holding an anon key); /static has no script file; /checkout loads its
    own script and Stripe.js from js.stripe.com."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from opsverify_demo.services import supabase_key
    from opsverify_demo.web import WebHost

    anon = supabase_key("bundle-field-secret-0123456789abcdef", "anon")
    pages = {
        "/": '<html><script type="module" src="/assets/index.js"></script>'
             '<link rel="modulepreload" href="/assets/big.js"></html>',
        "/static": "<html><p>no scripts</p></html>",
        "/checkout": '<html><script src="/assets/index.js"></script><script src="https://js.stripe.com/v3/"></script>'
                     '</html>',
    }
    assets = {"/assets/index.js": f'const key="{anon}";', "/assets/big.js": "// filler\n" * 400}

    async def page(request):
        return HTMLResponse(pages[request.url.path])

    async def asset(request):
        return Response(assets[request.url.path], media_type="text/javascript")

    app = Starlette(routes=[Route(p, page) for p in pages] + [Route(a, asset) for a in assets])
    host = WebHost()
    base = host.add("fields/bundle", app)
    host.start()
    try:
        yield base
    finally:
        host.stop()


@pytest.fixture
def bundle_target(bundle_site):
    from .kit import make_target, refused_port

    target = make_target({"services": {"app": {"url": bundle_site},
                                       "old-app": {"url": f"http://127.0.0.1:{refused_port()}"}}},
                         timeouts={"connect_s": 2, "http_s": 5})
    yield target
    target.close()


# -- s3: the demo's moto S3 on its own, for the field cases (tests/fields/s3.py) ------------------
@pytest.fixture(scope="session")
def s3_server():
    from types import SimpleNamespace

    from opsverify_demo.components.s3 import S3, SYSTEM

    server = S3()
    server.start(SimpleNamespace(secrets={SYSTEM: {"S3_SECRET_ACCESS_KEY": "fields-secret-0123456789abcdef"}}))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_target(s3_server):
    """providers.s3 names the seeded bucket, providers.s3-archive one that does not exist;
    endpoints.s3 is moto, endpoints.s3-old a port where nothing listens."""
    from opsverify_demo.components.s3 import ACCESS_KEY_ID, BUCKET

    from .kit import make_target, refused_port

    keys = {"region": "us-east-1", "access_key_id": ACCESS_KEY_ID, "secret_access_key": s3_server.secret_key}
    return make_target({"endpoints": {"s3": s3_server.endpoint, "s3-old": f"http://127.0.0.1:{refused_port()}"},
                        "providers": {"s3": {"bucket": BUCKET, **keys}, "s3-archive": {"bucket": "archive-gone", **keys}}},
                       timeouts={"connect_s": 2, "http_s": 5})
