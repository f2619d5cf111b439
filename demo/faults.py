"""Named faults of the demo deployment. Each declares the inventory ids it must break; a test
proves that switching it on turns exactly those items red (and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: frozenset[str]  # inventory ids that must fail, and only these
    description: str
    apply: Callable[["object"], None]


def _sql(system: str, statement: str) -> Callable:
    return lambda d: d.execute(system, statement)


def _env(system: str, service: str, name: str, value: str | None) -> Callable:
    return lambda d: d.set_env(system, service, name, value)


def _switch(update: Callable) -> Callable:
    return lambda d: update(d.switches)


_ALL = [
    # schema
    Fault("jobs-column-dropped", frozenset({"S12"}), "sora jobs lost provider_error",
          _sql("sora-studio", "alter table public.jobs drop column provider_error")),
    Fault("stripe-rls-off", frozenset({"S8"}), "stripe_events has RLS disabled",
          _sql("sora-studio", "alter table public.stripe_events disable row level security")),
    Fault("stripe-anon-grant", frozenset({"S8"}), "anon may read stripe_checkout_sessions",
          _sql("sora-studio", "grant select on public.stripe_checkout_sessions to anon")),
    Fault("anon-write-grant", frozenset({"B3"}), "anon may insert orders directly",
          _sql("bakery-ops", "grant insert on public.orders to anon")),
    Fault("mutable-search-path", frozenset({"B3"}), "an RPC lost its fixed search_path",
          _sql("bakery-ops", "alter function public.complete_filling reset search_path")),
    Fault("bakery-rls-off", frozenset({"B13"}), "work_queue has RLS disabled",
          _sql("bakery-ops", "alter table public.work_queue disable row level security")),
    Fault("orders-unique-dropped", frozenset({"B7"}), "orders no longer deduplicated by order_gid",
          _sql("bakery-ops", "do $$ declare c text; begin"
                             " select conname into c from pg_constraint where conrelid = 'public.orders'::regclass"
                             " and contype = 'u'; execute format('alter table public.orders drop constraint %I', c);"
                             " end $$")),
    # migrations
    Fault("migration-missing", frozenset({"T1"}), "0008_audit_logs is not recorded as applied",
          _sql("commit-to-ship", "delete from supabase_migrations.schema_migrations"
                                 " where version like '0008%' or name like '%audit_logs%'")),
    Fault("prisma-rolled-back", frozenset({"J15"}), "the newest Prisma migration was rolled back",
          _sql("joslyn-ai", "update public._prisma_migrations set rolled_back_at = now()"
                            " where id = (select id from public._prisma_migrations order by started_at desc limit 1)")),
    Fault("repo-migration-unapplied", frozenset({"B4"}), "a repo migration is missing from the database",
          _sql("bakery-ops", "delete from supabase_migrations.schema_migrations"
                             " where version = (select max(version) from supabase_migrations.schema_migrations)")),
    # sql measures
    Fault("stripe-event-errored", frozenset({"S10"}), "an old stripe event is errored",
          _sql("sora-studio", "update public.stripe_events set status = 'errored'"
                              " where event_id = (select event_id from public.stripe_events order by created_at limit 1)")),
    Fault("stuck-job", frozenset({"S5"}), "a job has been processing for 30 minutes",
          _sql("sora-studio", "update public.jobs set status = 'processing', updated_at = now() - interval '30 minutes'"
                              " where id = (select id from public.jobs order by created_at limit 1)")),
    Fault("work-queue-stuck-lock", frozenset({"B8"}), "a pending work item locked 40 minutes ago",
          _sql("bakery-ops", "update public.work_queue set status = 'pending', locked_at = now() - interval '40 minutes',"
                             " locked_by = 'worker-dead' where id = (select id from public.work_queue order by id limit 1)")),
    Fault("publish-queue-enabled", frozenset({"C7"}), "the Supabase pg_cron publish-queue job was re-enabled",
          _sql("cheersai", "insert into cron.job (jobname, schedule, command, active) values"
                           " ('publish-queue', '* * * * *', 'select 1', true)"
                           " on conflict (jobname, username) do update set active = true")),
    # env
    Fault("resend-key-missing", frozenset({"C15"}), "RESEND_API_KEY is not set",
          _env("cheersai", "app", "RESEND_API_KEY", None)),
    Fault("diagnostics-enabled", frozenset({"C16"}), "ENABLE_CONNECTION_DIAGNOSTICS=true in production",
          _env("cheersai", "app", "ENABLE_CONNECTION_DIAGNOSTICS", "true")),
    Fault("mock-mode-on", frozenset({"T3"}), "CTS_MOCK_MODE=1",
          _env("commit-to-ship", "app", "CTS_MOCK_MODE", "1")),
    Fault("jwt-secret-mismatch", frozenset({"J3"}), "the worker has a different API_JWT_SECRET",
          _env("joslyn-ai", "worker", "API_JWT_SECRET", "demo_rotated_on_worker_only_0123456789")),
    Fault("api-origin-localhost", frozenset({"J16"}), "JOSLYN_API_ORIGIN points at http://localhost",
          _env("joslyn-ai", "web", "JOSLYN_API_ORIGIN", "http://localhost:4000")),
    # webhooks, worker metrics, client bundle
    Fault("fal-webhook-missing", frozenset({"S4"}), "/api/provider/fal/webhook is not deployed (404)",
          _switch(lambda s: s.broken.add("sora-studio/fal-webhook"))),
    Fault("shopify-webhook-accepts-unsigned", frozenset({"B6"}), "orders-webhook skips the Shopify HMAC check",
          _switch(lambda s: s.open_guards.add("bakery-ops/webhook"))),
    Fault("shopify-webhook-crashes", frozenset({"B6"}), "orders-webhook answers 500 (Shopify retries)",
          _switch(lambda s: s.broken.add("bakery-ops/orders-webhook"))),
    Fault("metrics-missing-retries", frozenset({"J11"}), "the worker no longer exports job_retries",
          _switch(lambda s: s.broken.add("joslyn-ai/metrics-no-retries"))),
    Fault("metrics-endpoint-down", frozenset({"J11"}), "the worker's :9090/metrics answers 503",
          _switch(lambda s: s.down.add("joslyn-ai/worker-metrics"))),
    Fault("bundle-has-service-role", frozenset({"B1"}), "the admin chunk of the SPA embeds the service-role key",
          _switch(lambda s: s.broken.add("bakery-ops/bundle-leak"))),
    # http / cron
    Fault("api-down", frozenset({"J8", "J10", "J13"}), "the joslyn API answers 503",
          _switch(lambda s: s.down.add("joslyn-ai/api"))),
    Fault("api-slow", frozenset({"J8"}), "the joslyn API takes 2.5 s per request",
          _switch(lambda s: s.slow_ms.__setitem__("joslyn-ai/api", 2500))),
    Fault("cron-open", frozenset({"C4"}), "/api/cron/publish accepts requests without CRON_SECRET",
          _switch(lambda s: s.open_guards.add("cheersai/cron-publish"))),
    Fault("poller-open", frozenset({"S3"}), "the sora poller accepts requests without the admin token",
          _switch(lambda s: s.open_guards.add("sora-studio/poller"))),
    Fault("db-connection-failed", frozenset({"T10"}), "the commit-to-ship API says Database connection failed",
          _switch(lambda s: s.broken.add("commit-to-ship/db"))),
    Fault("webhook-failures", frozenset({"J13"}), "webhooks.failed counter is 3",
          _switch(lambda s: setattr(s, "webhook_failures", 3))),
]

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _ALL}
