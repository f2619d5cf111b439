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
    unchecked: frozenset[str] = frozenset()  # ids that must end as error (a target that stops answering)


def _sql(system: str, statement: str) -> Callable:
    return lambda d: d.execute(system, statement)


def _env(system: str, service: str, name: str, value: str | None) -> Callable:
    return lambda d: d.set_env(system, service, name, value)


def _service_role_key_as(system: str, service: str, name: str) -> Callable:
    """A Supabase service_role key (an HS256 JWT, as the demo's Supabase signs them) set as `name`."""
    def apply(d) -> None:
        from .envs import demo_secret
        from .services import supabase_key

        d.set_env(system, service, name, supabase_key(demo_secret("jwt_secret"), "service_role"))

    return apply


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
    Fault("definer-rpc-open-to-anon", frozenset({"B3"}), "a new SECURITY DEFINER RPC kept PUBLIC's default EXECUTE",
          _sql("bakery-ops", "create function public.reopen_order(p_order_id uuid) returns void language plpgsql"
                             " security definer set search_path = public, pg_temp as $$"
                             " begin update orders set stage = 'Filling' where id = p_order_id; end $$")),
    Fault("definer-rpc-mutable-search-path", frozenset({"B3"}),
          "a new SECURITY DEFINER RPC (not among the named ones, EXECUTE for authenticated only) has no fixed search_path",
          _sql("bakery-ops", "create function public.set_priority(p_order_id uuid, p_priority text) returns void"
                             " language plpgsql security definer as $$"
                             " begin update orders set priority = p_priority where id = p_order_id; end $$;"
                             " revoke all on function public.set_priority(uuid, text) from public, anon;"
                             " grant execute on function public.set_priority(uuid, text) to authenticated")),
    Fault("writable-view-for-clients", frozenset({"B3"}),
          "a new view over orders lets anon and authenticated write through it (the table itself stays locked)",
          _sql("bakery-ops", "create view public.orders_board as select id, store, order_gid, stage from public.orders;"
                             " grant select, insert, update, delete on public.orders_board to anon, authenticated")),
    Fault("bakery-rls-off", frozenset({"B13"}), "work_queue has RLS disabled",
          _sql("bakery-ops", "alter table public.work_queue disable row level security")),
    Fault("orders-unique-dropped", frozenset({"B7"}), "orders no longer deduplicated by order_gid",
          _sql("bakery-ops", "do $$ declare c text; begin"
                             " select conname into c from pg_constraint where conrelid = 'public.orders'::regclass"
                             " and contype = 'u'; execute format('alter table public.orders drop constraint %I', c);"
                             " end $$")),
    Fault("ledger-column-renamed", frozenset({"S11"}), "credit_ledger.reason was renamed to note",
          _sql("sora-studio", "alter table public.credit_ledger rename column reason to note")),
    Fault("profiles-column-dropped", frozenset({"S13"}), "profiles lost job_tray_cleared_before",
          _sql("sora-studio", "alter table public.profiles drop column job_tray_cleared_before")),
    Fault("rate-limits-dropped", frozenset({"T9"}), "public.rate_limits is gone (0006 recorded, table dropped)",
          _sql("commit-to-ship", "drop table public.rate_limits")),
    # T13's query reads the column too: it cannot ask the chain about signatures it cannot select
    Fault("audit-logs-signature-dropped", frozenset({"T8"}), "public.audit_logs lost its signature column",
          _sql("commit-to-ship", "alter table public.audit_logs drop column signature"),
          unchecked=frozenset({"T13"})),
    # migrations
    Fault("migration-missing", frozenset({"T1"}), "0008_audit_logs is not recorded as applied",
          _sql("commit-to-ship", "delete from supabase_migrations.schema_migrations"
                                 " where version like '0008%' or name like '%audit_logs%'")),
    Fault("prisma-rolled-back", frozenset({"J15"}), "the newest Prisma migration was rolled back",
          _sql("joslyn-ai", "update public._prisma_migrations set rolled_back_at = now()"
                            " where id = (select id from public._prisma_migrations order by started_at desc limit 1)")),
    Fault("prisma-migration-failed", frozenset({"J15"}), "the last `migrate deploy` failed and was not resolved",
          _sql("joslyn-ai", "insert into public._prisma_migrations (id, checksum, migration_name, logs, started_at)"
                            " values (md5('failed')::uuid::text, md5('failed') || md5('failed'),"
                            " '20240915090000_letters_index', 'Database error code: 42P07', now())")),
    Fault("prisma-migration-unapplied", frozenset({"J15"}),
          "the newest Prisma migration of the repo was never applied (no row in _prisma_migrations)",
          _sql("joslyn-ai", "delete from public._prisma_migrations"
                            " where migration_name = (select max(migration_name) from public._prisma_migrations)")),
    Fault("repo-migration-unapplied", frozenset({"B4"}), "a repo migration is missing from the database",
          _sql("bakery-ops", "delete from supabase_migrations.schema_migrations"
                             " where version = (select max(version) from supabase_migrations.schema_migrations)")),
    # sql measures
    Fault("stripe-event-errored", frozenset({"S10"}), "an old stripe event is errored",
          _sql("sora-studio", "update public.stripe_events set status = 'errored'"
                              " where event_id = (select event_id from public.stripe_events order by created_at limit 1)")),
    Fault("stripe-events-empty", frozenset({"S9", "S10"}), "stripe_events holds no row: the webhook records nothing",
          _sql("sora-studio", "delete from public.stripe_events")),
    Fault("stuck-job", frozenset({"S5"}), "a job has been processing for 30 minutes",
          _sql("sora-studio", "update public.jobs set status = 'processing', updated_at = now() - interval '30 minutes'"
                              " where id = (select id from public.jobs order by created_at limit 1)")),
    Fault("stuck-job-polled", frozenset({"S5"}),
          "a job IN_QUEUE for 2 hours that the poller touched 30 seconds ago (updated_at is fresh)",
          _sql("sora-studio", "update public.jobs set status = 'IN_QUEUE', provider_status = 'IN_QUEUE',"
                              " created_at = now() - interval '2 hours',"
                              " provider_last_checked = now() - interval '30 seconds',"
                              " updated_at = now() - interval '30 seconds'"
                              " where id = (select id from public.jobs where status = 'completed'"
                              " order by created_at desc limit 1)")),
    Fault("work-queue-stuck-lock", frozenset({"B8"}), "a pending work item locked 40 minutes ago",
          _sql("bakery-ops", "update public.work_queue set status = 'pending', locked_at = now() - interval '40 minutes',"
                             " locked_by = 'worker-dead' where id = (select id from public.work_queue order by id limit 1)")),
    Fault("publish-queue-enabled", frozenset({"C7"}), "the Supabase pg_cron publish-queue job was re-enabled",
          _sql("cheersai", "insert into cron.job (jobname, schedule, command, active) values"
                           " ('publish-queue', '* * * * *', 'select 1', true)"
                           " on conflict (jobname, username) do update set active = true")),
    Fault("publish-queue-emergency-schedule", frozenset({"C7"}),
          "an emergency pg_cron schedule calling publish-queue, named otherwise, was left active",
          _sql("cheersai", "insert into cron.job (jobname, schedule, command, active) values"
                           " ('publish-queue-emergency', '* * * * *',"
                           " 'select net.http_post(url := ''https://demo-project.supabase.co/functions/v1/publish-queue'')',"
                           " true)")),
    Fault("stripe-event-unprocessed", frozenset({"S9"}), "the newest stripe event is still 'received'",
          _sql("sora-studio", "insert into public.stripe_events (event_id, type, status, payload, created_at)"
                              " values ('evt_demo_unprocessed', 'checkout.session.completed', 'received',"
                              " '{\"livemode\": false}', now() - interval '5 minutes')")),
    Fault("checkout-logging-stopped", frozenset({"S14"}), "stripe_checkout_sessions is empty",
          _sql("sora-studio", "update public.stripe_events set checkout_session_id = null;"
                              " delete from public.stripe_checkout_sessions")),
    Fault("work-item-exhausted", frozenset({"B9"}), "an errored work item used up its retries",
          _sql("bakery-ops", "update public.work_queue set retry_count = max_retries where status = 'error'")),
    Fault("worker-heartbeat-stale", frozenset({"B11"}), "the inventory worker last processed 25 minutes ago",
          _sql("bakery-ops", "update public.worker_heartbeats set last_processed_at = now() - interval '25 minutes',"
                             " updated_at = now() - interval '25 minutes'")),
    Fault("order-stage-invalid", frozenset({"B12"}), "an order was written with stage 'Baking'",
          _sql("bakery-ops", "alter table public.orders drop constraint orders_stage_check;"
                             " update public.orders set stage = 'Baking'"
                             " where id = (select id from public.orders order by id limit 1)")),
    Fault("publish-failures", frozenset({"C1"}), "every publish job of the last 15 minutes failed",
          _sql("cheersai", "update public.publish_jobs set status = 'failed', last_error = 'provider auth error (demo)'"
                           " where status = 'succeeded' and updated_at >= now() - interval '15 minutes'")),
    Fault("publish-backlog", frozenset({"C2"}), "24 more publish jobs queued for upcoming posts",
          _sql("cheersai", "insert into public.publish_jobs (content_item_id, variant_id, status, next_attempt_at)"
                           " select ci.id, v.id, 'queued', ci.scheduled_for from public.content_items ci"
                           " join public.content_variants v on v.content_item_id = ci.id, generate_series(1, 3)"
                           " where ci.status = 'scheduled'")),
    Fault("publish-queue-stopped", frozenset({"C6"}), "publish-queue has not run for 20 minutes",
          _sql("cheersai", "delete from public.job_runs"
                           " where job_name = 'publish-queue' and started_at > now() - interval '20 minutes'")),
    Fault("publish-queue-runs-failing", frozenset({"C6"}), "every publish-queue run of the last half hour failed",
          _sql("cheersai", "update public.job_runs set status = 'failed'"
                           " where job_name = 'publish-queue' and started_at > now() - interval '30 minutes'")),
    Fault("materialise-weekly-rescheduled", frozenset({"C8"}),
          "materialise-weekly set to 04:00 (hand-converted to UTC, but pg_cron runs in London time)",
          _sql("cheersai", "update cron.job set schedule = '0 4 * * *' where jobname = 'materialise-weekly'")),
    Fault("media-derivatives-inactive", frozenset({"C9"}), "the media-derivatives pg_cron job was deactivated",
          _sql("cheersai", "update cron.job set active = false where jobname = 'media-derivatives'")),
    Fault("pg-cron-not-running", frozenset({"C8", "C9"}),
          "no pg_cron launcher reads cheersai's cron.job (pg_cron dropped from shared_preload_libraries)",
          lambda d: d.release_pg_cron_launcher()),
    Fault("publish-job-overdue", frozenset({"C10"}), "a queued publish job was due 30 minutes ago",
          _sql("cheersai", "update public.publish_jobs set next_attempt_at = now() - interval '30 minutes'"
                           " where id = (select id from public.publish_jobs where status = 'queued'"
                           " order by next_attempt_at limit 1)")),
    Fault("token-expiring", frozenset({"C11"}), "the GBP token expires in 3 days",
          _sql("cheersai", "update public.connections set expires_at = now() + interval '3 days'"
                           " where provider = 'gbp' and status = 'active'")),
    Fault("connection-page-id-missing", frozenset({"C12"}), "an active Facebook connection lost its pageId",
          _sql("cheersai", "update public.connections set metadata = metadata - 'pageId'"
                           " where provider = 'facebook' and account_id = 'a0000000-0000-4000-8000-000000000002'")),
    Fault("media-stuck-processing", frozenset({"C13"}), "a media asset has been processing for 40 minutes",
          _sql("cheersai", "update public.media_assets set updated_at = now() - interval '40 minutes'"
                           " where processed_status = 'processing'")),
    Fault("notifications-not-purged", frozenset({"C14"}), "a notification is 120 days old",
          _sql("cheersai", "insert into public.notifications (account_id, category, message, created_at)"
                           " values ('a0000000-0000-4000-8000-000000000001', 'publish_success',"
                           " 'Demo notification (old)', now() - interval '120 days')")),
    Fault("scheduled-post-without-media", frozenset({"C18"}), "the next scheduled post lost its media",
          _sql("cheersai", "update public.content_variants set media_ids = '{}'"
                           " where content_item_id = (select id from public.content_items where status = 'scheduled'"
                           " order by scheduled_for limit 1)")),
    Fault("audit-denied-event", frozenset({"T8"}), "a release_denied audit event 10 minutes ago",
          _sql("commit-to-ship", "insert into public.audit_logs (created_at, event, actor_wallet, commitment_id, ip,"
                                 " metadata) values (now() - interval '10 minutes', 'release_denied',"
                                 " 'DemoVoterC111111111111111111111111111111111',"
                                 " 'f0000000-0000-4000-8000-000000000002', '198.51.100.9',"
                                 " '{\"reason\": \"not claimable\"}')")),
    Fault("audit-admin-event", frozenset({"T8"}), "an admin_commitment_resolve_start audit event 10 minutes ago",
          _sql("commit-to-ship", "insert into public.audit_logs (created_at, event, actor_wallet, commitment_id, ip,"
                                 " metadata) values (now() - interval '10 minutes', 'admin_commitment_resolve_start',"
                                 " 'DemoAdmin11111111111111111111111111111111111',"
                                 " 'f0000000-0000-4000-8000-000000000002', '198.51.100.10', '{}')")),
    Fault("release-lock-stale", frozenset({"T11"}), "a release lock without tx signature, 40 minutes old",
          _sql("commit-to-ship", "insert into public.reward_release_locks (commitment_id, milestone_id, locked_by,"
                                 " locked_at) values ('f0000000-0000-4000-8000-000000000002',"
                                 " 'f1000000-0000-4000-8000-000000000002', 'api-instance-2',"
                                 " now() - interval '40 minutes')")),
    # env
    Fault("resend-key-missing", frozenset({"C15"}), "RESEND_API_KEY is not set",
          _env("cheersai", "app", "RESEND_API_KEY", None)),
    Fault("diagnostics-enabled", frozenset({"C16"}), "ENABLE_CONNECTION_DIAGNOSTICS=true in production",
          _env("cheersai", "app", "ENABLE_CONNECTION_DIAGNOSTICS", "true")),
    Fault("mock-mode-on", frozenset({"T3"}), "CTS_MOCK_MODE=1",
          _env("commit-to-ship", "app", "CTS_MOCK_MODE", "1")),
    Fault("jwt-secret-mismatch", frozenset({"J3"}), "the worker has a different API_JWT_SECRET",
          _env("joslyn-ai", "worker", "API_JWT_SECRET", "demo_rotated_on_worker_only_0123456789")),
    Fault("dead-letter-queue-renamed", frozenset({"J12"}),
          "the worker's JOB_DEAD_LETTER_QUEUE is jobs:failed: queue-depth watches an empty jobs:dead",
          _env("joslyn-ai", "worker", "JOB_DEAD_LETTER_QUEUE", "jobs:failed")),
    Fault("api-origin-localhost", frozenset({"J16"}), "JOSLYN_API_ORIGIN points at http://localhost",
          _env("joslyn-ai", "web", "JOSLYN_API_ORIGIN", "http://localhost:4000")),
    Fault("slack-webhook-missing", frozenset({"B2"}), "SLACK_WEBHOOK_URL is not set on the Edge Functions",
          _env("bakery-ops", "edge", "SLACK_WEBHOOK_URL", None)),
    Fault("cheers-cron-secret-missing", frozenset({"C17"}), "CRON_SECRET is not set on the cheersai app",
          _env("cheersai", "app", "CRON_SECRET", None)),
    Fault("email-from-malformed", frozenset({"J1"}), "EMAIL_FROM on the API is not an email address",
          _env("joslyn-ai", "api", "EMAIL_FROM", "Joslyn AI no-reply")),
    Fault("jwt-secret-web-mismatch", frozenset({"J2"}), "web has a different API_JWT_SECRET than the API",
          _env("joslyn-ai", "web", "API_JWT_SECRET", "demo_rotated_on_web_only_0123456789abc")),
    Fault("clamav-port-malformed", frozenset({"J4"}), "CLAMAV_PORT on the API holds a URL, not a port",
          _env("joslyn-ai", "api", "CLAMAV_PORT", "tcp://clamav.localhost:3310")),
    Fault("escrow-secret-missing", frozenset({"T2"}), "ESCROW_DB_SECRET is not set",
          _env("commit-to-ship", "app", "ESCROW_DB_SECRET", None)),
    Fault("admin-wallet-invalid", frozenset({"T4"}), "ADMIN_WALLET_PUBKEYS lists an Ethereum address",
          _env("commit-to-ship", "app", "ADMIN_WALLET_PUBKEYS",
               "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU,0x52908400098527886E0F7030069857D2E4169EE7")),
    Fault("privy-secret-missing", frozenset({"T6"}), "PRIVY_APP_SECRET is not set",
          _env("commit-to-ship", "app", "PRIVY_APP_SECRET", None)),
    Fault("client-env-service-role", frozenset({"B1"}), "the SPA's build env carries VITE_SERVICE_ROLE_KEY",
          _env("bakery-ops", "app", "VITE_SERVICE_ROLE_KEY", "demo_service_role_in_client_0123456789abcdef")),
    Fault("client-env-service-role-as-anon-key", frozenset({"B1"}),
          "the SPA's build env carries the service_role key as VITE_SUPABASE_ANON_KEY (the wrong key pasted)",
          _service_role_key_as("bakery-ops", "app", "VITE_SUPABASE_ANON_KEY")),
    Fault("rpc-url-localhost", frozenset({"T5"}), "the app's SOLANA_RPC_URL points at a local validator",
          _env("commit-to-ship", "app", "SOLANA_RPC_URL", "http://localhost:8899")),
    Fault("sora-cron-secret-missing", frozenset({"S6", "S15"}), "CRON_SECRET is not set in sora-studio's Vercel env",
          _env("sora-studio", "app", "CRON_SECRET", None)),
    Fault("run-migrations-off", frozenset({"J15"}), "RUN_MIGRATIONS=false on the API: boot skips migrate deploy",
          _env("joslyn-ai", "api", "RUN_MIGRATIONS", "false")),
    Fault("worker-api-url-http", frozenset({"J16"}), "the worker's API_URL is plain http",
          _env("joslyn-ai", "worker", "API_URL", "http://api.joslyn.internal:4000")),
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
    Fault("job-cancel-open", frozenset({"S3"}), "/api/sora/jobs/{id} answers without the admin token",
          _switch(lambda s: s.open_guards.add("sora-studio/jobs"))),
    Fault("job-cancel-delete-open", frozenset({"S3"}),
          "DELETE /api/sora/jobs/{id} cancels without the admin token (GET still checks it)",
          _switch(lambda s: s.open_guards.add("sora-studio/jobs:DELETE"))),
    Fault("db-connection-failed", frozenset({"T10"}), "the commit-to-ship API says Database connection failed",
          _switch(lambda s: s.broken.add("commit-to-ship/db"))),
    Fault("cron-publish-crashes", frozenset({"C5"}), "/api/cron/publish answers 500 with a valid CRON_SECRET",
          _switch(lambda s: s.broken.add("cheersai/cron-publish"))),
    Fault("poller-crashes", frozenset({"S2"}), "/api/sora/poller answers 500 with the admin token",
          _switch(lambda s: s.broken.add("sora-studio/poller"))),
    Fault("normalize-open", frozenset({"T12"}), "the milestone normalization endpoint skips the admin check",
          _switch(lambda s: s.open_guards.add("commit-to-ship/normalize"))),
    Fault("normalize-post-open", frozenset({"T12"}),
          "POST to the normalization endpoint skips the admin check (GET still checks it)",
          _switch(lambda s: s.open_guards.add("commit-to-ship/normalize:POST"))),
    Fault("queue-route-missing", frozenset({"B5"}), "the SPA's /queue route answers 404",
          _switch(lambda s: s.broken.add("bakery-ops/queue-route"))),
    # the bundle check reads the scripts the page loads: with no page, it cannot look
    Fault("bakery-app-down", frozenset({"B5"}), "the bakery SPA's host answers 503",
          _switch(lambda s: s.down.add("bakery-ops/app")), unchecked=frozenset({"B1"})),
    Fault("edge-db-slow", frozenset({"B10"}), "/edge/health reports a 1.8 s database ping",
          _switch(lambda s: s.broken.add("bakery-ops/db-slow"))),
    Fault("edge-health-down", frozenset({"B10"}), "/edge/health answers 503 status down (no database)",
          _switch(lambda s: s.broken.add("bakery-ops/edge-health"))),
    Fault("worker-down", frozenset({"J9"}), "the joslyn worker answers 503",
          _switch(lambda s: s.down.add("joslyn-ai/worker"))),
    Fault("web-down", frozenset({"J7", "J17"}), "the joslyn web service answers 503",
          _switch(lambda s: s.down.add("joslyn-ai/web"))),
    Fault("billing-page-crashes", frozenset({"J17"}), "/settings/billing answers 500",
          _switch(lambda s: s.broken.add("joslyn-ai/billing"))),
    Fault("webhook-failures", frozenset({"J13"}), "webhooks.failed counter is 3",
          _switch(lambda s: setattr(s, "webhook_failures", 3))),
]

FAULTS: dict[str, Fault] = {fault.name: fault for fault in _ALL}

# Faults that set one thing two ways (the demo's and its components'): switched on together, the second would undo
# the first, or find the server the first took away and fail to switch on. A run asking for both is refused.
_NO_QUEUE_WHILE_LOADING = ("while Redis loads its dataset it answers every command -LOADING: no queue can be filled "
                           "or read (J12 is unchecked under redis-loading)")
EXCLUSIVE: dict[frozenset[str], str] = {
    frozenset({"clamav-down", "clamav-garbled"}): "the ClamAV port cannot be closed and answer PING at once",
    frozenset({"clamav-down", "clamav-unknown-command"}): "the ClamAV port cannot be closed and answer commands at once",
    frozenset({"redis-loading", "redis-backlog"}): _NO_QUEUE_WHILE_LOADING,
    frozenset({"redis-loading", "dead-letter-not-empty"}): _NO_QUEUE_WHILE_LOADING,
    frozenset({"vercel-cron-secret-missing", "vercel-secret-stale"}):
        "a CRON_SECRET missing from the Vercel project has no last update to be stale",
    frozenset({"github-secret-missing", "github-secret-stale"}):
        "a CRON_SECRET that is no Actions secret has no last update to be stale",
}


def clash(name: str, applied: list[str]) -> str | None:
    """Why `name` cannot be switched on beside the faults already on, naming both; None when it can."""
    other = next((on for on in applied if frozenset({name, on}) in EXCLUSIVE), None)
    if other is None:
        return None
    return (f"--demo-fault {other} and --demo-fault {name} cannot both be on: {EXCLUSIVE[frozenset({name, other})]};"
            " switch on one of them")


def unknown(names) -> str | None:
    """Why the first of `names` that is no fault of the demo (its own or its components') cannot be switched on, with
    the name it was likely meant as; None when every one is known. Checked before the demo starts: a typo costs no
    start-up."""
    from opsverify.coverage import near_ids

    from .components import FAULTS as COMPONENT_FAULTS

    known = {*FAULTS, *COMPONENT_FAULTS}
    for name in names:
        if name not in known:
            close = near_ids(name, known)
            return (f"--demo-fault {name!r}: unknown fault; `opsverify faults` lists the {len(known)} there are"
                    + (f"; did you mean {' or '.join(close)}?" if close else ""))
    return None
