from __future__ import annotations

import pytest

from demo import Deployment


@pytest.fixture(scope="session")
def demo_deployment():
    """One demo deployment for the engine tests; each user resets it to healthy first."""
    deployment = Deployment().start()
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

    return {
        ("GET", "/ok"): lambda h, b: (200, '{"ok": true}'),
        ("GET", "/guarded"): lambda h, b: (200, "{}") if h.get("x-key") == "open-sesame" else (401, ""),
        ("GET", "/cron"): cron,
        ("GET", "/cron-open"): lambda h, b: (200, "{}"),
        ("POST", "/hook"): webhook,
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
