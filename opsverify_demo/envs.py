"""Env vars of the demo's services, as a `vercel env pull` / Render secret file would hold them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

# (system, service) pairs that have an env source
SERVICE_ENV = (
    ("sora-studio", "app"), ("cheersai", "app"), ("joslyn-ai", "web"), ("joslyn-ai", "api"),
    ("joslyn-ai", "worker"), ("bakery-ops", "app"), ("bakery-ops", "edge"), ("commit-to-ship", "app"),
)

# secrets the environment file hands to checks (request headers); same values as in the env files
SECRET_NAMES = {
    "sora-studio": ("ADMIN_DASHBOARD_TOKEN", "CRON_SECRET", "FAL_KEY"),
    "cheersai": ("CRON_SECRET", "RESEND_API_KEY"),
    "joslyn-ai": ("INTERNAL_API_KEY", "API_JWT_SECRET", "NEXTAUTH_SECRET", "ADMIN_API_KEY", "SMTP_PASS",
                  "S3_SECRET_ACCESS_KEY", "OPENAI_API_KEY"),
    "bakery-ops": ("SUPABASE_SERVICE_ROLE_KEY", "SHOPIFY_BANNOS_TOKEN", "SHOPIFY_FLOURLANE_TOKEN",
                   "SHOPIFY_WEBHOOK_SECRET", "VITE_SUPABASE_ANON_KEY"),
    "commit-to-ship": ("ESCROW_DB_SECRET", "PRIVY_APP_SECRET", "SUPABASE_SERVICE_ROLE_KEY", "ADMIN_API_TOKEN"),
}
ADMIN_WALLETS = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU,9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"


CANARY_VARIABLE = "OPSVERIFY_DEMO_CANARY"  # tests plant a canary through this


def demo_secret(label: str) -> str:
    """A fresh secret for the demo. With a canary planted, every secret starts with it, so a test
    can search everything the suite produced for the canary and catch any secret that leaked."""
    canary = os.environ.get(CANARY_VARIABLE)
    return f"{canary}{label}{secrets.token_hex(4)}" if canary else f"demo_{label}_{secrets.token_urlsafe(18)}"


def make_secrets(previous: dict | None = None) -> dict[str, dict[str, str]]:
    if previous is not None:  # a reset keeps the values the environment already resolved
        return {system: dict(values) for system, values in previous.items()}
    return {system: {name: demo_secret(name.lower()) for name in names} for system, names in SECRET_NAMES.items()}


def healthy(deployment) -> dict[tuple[str, str], dict[str, str]]:
    s = deployment.secrets
    sora, cheers, joslyn, bakery, cts = (s["sora-studio"], s["cheersai"], s["joslyn-ai"], s["bakery-ops"],
                                         s["commit-to-ship"])
    joslyn_shared = {"API_JWT_SECRET": joslyn["API_JWT_SECRET"], "INTERNAL_API_KEY": joslyn["INTERNAL_API_KEY"]}
    return {
        ("sora-studio", "app"): {
            "ADMIN_DASHBOARD_TOKEN": sora["ADMIN_DASHBOARD_TOKEN"], "CRON_SECRET": sora["CRON_SECRET"],
            "FAL_KEY": sora["FAL_KEY"], "NEXT_PUBLIC_SUPABASE_URL": "https://sora.supabase.example",
        },
        ("cheersai", "app"): {
            "CRON_SECRET": cheers["CRON_SECRET"], "RESEND_API_KEY": cheers["RESEND_API_KEY"],
            "RESEND_FROM": "CheersAI <alerts@cheers.example>", "ALERT_EMAIL": "ops@cheers.example",
            "ENABLE_CONNECTION_DIAGNOSTICS": "false",
        },
        ("joslyn-ai", "web"): {
            "API_JWT_SECRET": joslyn["API_JWT_SECRET"], "NEXTAUTH_SECRET": joslyn["NEXTAUTH_SECRET"],
            "JOSLYN_API_ORIGIN": "https://api.joslyn.example", "NEXTAUTH_URL": "https://joslyn.example",
        },
        ("joslyn-ai", "api"): {
            **joslyn_shared,
            "REDIS_URL": "redis://redis.joslyn.internal:6379/0", "OPENAI_API_KEY": joslyn["OPENAI_API_KEY"],
            "S3_ENDPOINT": "https://s3.joslyn.example", "S3_BUCKET": "joslyn-documents",
            "S3_ACCESS_KEY_ID": "AKIADEMOJOSLYN0001", "S3_SECRET_ACCESS_KEY": joslyn["S3_SECRET_ACCESS_KEY"],
            "DATABASE_URL": "postgresql://joslyn:unused@db.joslyn.internal:5432/joslyn",
            "ADMIN_API_KEY": joslyn["ADMIN_API_KEY"],
            "EMAIL_FROM": "Joslyn AI <no-reply@joslyn.example>", "SMTP_HOST": "smtp.joslyn.example",
            "SMTP_USER": "joslyn", "SMTP_PASS": joslyn["SMTP_PASS"],
            "CLAMAV_HOST": "clamav.joslyn.internal", "CLAMAV_PORT": "3310", "CLAMAV_FAIL_CLOSED": "true",
            "RUN_MIGRATIONS": "true",
        },
        ("joslyn-ai", "worker"): {
            **joslyn_shared, "API_URL": "https://api.joslyn.example",
            "REDIS_URL": "redis://redis.joslyn.internal:6379/0",
        },
        ("bakery-ops", "app"): {
            "VITE_SUPABASE_URL": "https://bakery.supabase.example", "VITE_SUPABASE_ANON_KEY": bakery["VITE_SUPABASE_ANON_KEY"],
        },
        ("bakery-ops", "edge"): {
            "SUPABASE_SERVICE_ROLE_KEY": bakery["SUPABASE_SERVICE_ROLE_KEY"],
            "SHOPIFY_BANNOS_TOKEN": bakery["SHOPIFY_BANNOS_TOKEN"],
            "SHOPIFY_FLOURLANE_TOKEN": bakery["SHOPIFY_FLOURLANE_TOKEN"],
            "SHOPIFY_WEBHOOK_SECRET": bakery["SHOPIFY_WEBHOOK_SECRET"],
            "SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T000/B000/demo",
        },
        ("commit-to-ship", "app"): {
            "DATABASE_URL": "postgresql://cts:unused@db.cts.internal:5432/cts",
            "ESCROW_DB_SECRET": cts["ESCROW_DB_SECRET"], "ADMIN_WALLET_PUBKEYS": ADMIN_WALLETS,
            "APP_ORIGIN": "https://commit-to-ship.example", "PRIVY_APP_SECRET": cts["PRIVY_APP_SECRET"],
            "SUPABASE_SERVICE_ROLE_KEY": cts["SUPABASE_SERVICE_ROLE_KEY"],
        },
    }


def read(path: Path) -> dict[str, str]:
    return {k: v or "" for k, v in dotenv_values(path).items()}


def write(path: Path, values: dict[str, str]) -> None:
    lines = [f"{name}={_quote(value)}" for name, value in values.items()]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
