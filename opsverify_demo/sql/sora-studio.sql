-- sora-studio demo database (healthy state).
-- Supabase-like: roles anon/authenticated/service_role exist cluster-wide (created by the runtime);
-- this file runs as superuser inside the system's own database.
-- All timestamps are relative to now() so the demo is fresh when loaded.

-- tables ------------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  display_name text,
  credits integer not null default 0,
  job_tray_cleared_before timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.jobs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id) on delete cascade,
  prompt text not null,
  model text not null default 'sora-2',
  duration_seconds integer not null default 8,
  aspect_ratio text not null default '16:9',
  status text not null default 'IN_QUEUE'
    check (status in ('IN_QUEUE', 'processing', 'completed', 'failed', 'cancelled')),
  provider text not null default 'fal',
  provider_request_id text,
  provider_status text,
  queue_position integer,
  provider_error text,
  provider_last_checked timestamptz,
  credits_cost integer not null default 0,
  video_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_status_updated_at_idx on public.jobs (status, updated_at);
create index jobs_user_id_created_at_idx on public.jobs (user_id, created_at desc);

create table public.credit_ledger (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.profiles (id) on delete cascade,
  delta integer not null,
  reason text not null,
  job_id uuid references public.jobs (id) on delete set null,
  stripe_event_id text,
  created_at timestamptz not null default now()
);

create table public.stripe_checkout_sessions (
  id text primary key,                         -- cs_... session id
  user_id uuid not null references public.profiles (id) on delete cascade,
  price_id text not null,
  credits integer not null,
  amount_total integer not null,
  currency text not null default 'usd',
  status text not null default 'open' check (status in ('open', 'complete', 'expired')),
  created_at timestamptz not null default now(),
  completed_at timestamptz
);

create table public.stripe_events (
  event_id text primary key,                   -- evt_... id
  type text not null,
  status text not null default 'received'
    check (status in ('received', 'processed', 'errored', 'ignored')),
  checkout_session_id text references public.stripe_checkout_sessions (id),
  error_message text,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  processed_at timestamptz
);
create index stripe_events_created_at_idx on public.stripe_events (created_at desc);

-- RLS and access ----------------------------------------------------------------------
alter table public.profiles enable row level security;
alter table public.jobs enable row level security;
alter table public.credit_ledger enable row level security;
alter table public.stripe_checkout_sessions enable row level security;
alter table public.stripe_events enable row level security;

create policy "own profile readable" on public.profiles
  for select to authenticated using (id = auth.uid());
create policy "own profile tray clear" on public.profiles
  for update to authenticated using (id = auth.uid()) with check (id = auth.uid());
create policy "own jobs readable" on public.jobs
  for select to authenticated using (user_id = auth.uid());
create policy "own ledger readable" on public.credit_ledger
  for select to authenticated using (user_id = auth.uid());

-- Stripe tables are service-role only: no grants, no policies for the client roles.
revoke all on public.stripe_checkout_sessions from anon, authenticated;
revoke all on public.stripe_events from anon, authenticated;
-- the ledger and jobs are written by the server only
revoke insert, update, delete, truncate on public.jobs, public.credit_ledger from anon, authenticated;
revoke all on public.profiles, public.jobs, public.credit_ledger from anon;

-- migrations record -------------------------------------------------------------------
insert into supabase_migrations.schema_migrations (version, name, statements) values
  ('20250302101500', 'profiles_and_jobs',           array['create table public.profiles (...)', 'create table public.jobs (...)']),
  ('20250309140000', 'credit_ledger',               array['create table public.credit_ledger (...)']),
  ('20250318093000', 'stripe_checkout',             array['create table public.stripe_checkout_sessions (...)', 'create table public.stripe_events (...)']),
  ('20250402120000', 'jobs_provider_tracking',      array['alter table public.jobs add column provider_status text', 'alter table public.jobs add column queue_position integer']),
  ('20250415083000', 'profiles_job_tray_cleared',   array['alter table public.profiles add column job_tray_cleared_before timestamptz']);

-- seed --------------------------------------------------------------------------------
insert into auth.users (id, email, created_at) values
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a01', 'maya@example.com',  now() - interval '60 days'),
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a02', 'theo@example.com',  now() - interval '41 days'),
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a03', 'priya@example.com', now() - interval '12 days');

insert into public.profiles (id, email, display_name, credits, job_tray_cleared_before, created_at, updated_at)
select u.id, u.email, initcap(split_part(u.email, '@', 1)), 120,
       case when u.email like 'maya%' then now() - interval '2 days' end, u.created_at, now() - interval '1 hour'
from auth.users u;

-- completed jobs over the last two weeks
insert into public.jobs (user_id, prompt, status, provider_request_id, provider_status, queue_position,
                         provider_last_checked, credits_cost, video_url, created_at, updated_at)
select p.id,
       'demo prompt #' || g,
       'completed',
       'fal-req-demo-' || lpad(g::text, 4, '0'),
       'COMPLETED',
       null,
       now() - (g * interval '7 hours') + interval '4 minutes',
       10,
       'https://cdn.example.invalid/videos/demo-' || g || '.mp4',
       now() - (g * interval '7 hours'),
       now() - (g * interval '7 hours') + interval '4 minutes'
from generate_series(1, 24) g
join lateral (select id from public.profiles order by id offset (g % 3) limit 1) p on true;

-- one failed job (refunded), one queued and one processing right now
insert into public.jobs (user_id, prompt, status, provider_request_id, provider_status, queue_position,
                         provider_error, provider_last_checked, credits_cost, created_at, updated_at) values
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a02', 'a lighthouse in a storm', 'failed', 'fal-req-demo-0901', 'FAILED', null,
   'content policy rejection', now() - interval '3 days', 10, now() - interval '3 days 10 minutes', now() - interval '3 days'),
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a01', 'paper boats on a river', 'IN_QUEUE', 'fal-req-demo-0902', 'IN_QUEUE', 3,
   null, now() - interval '40 seconds', 10, now() - interval '90 seconds', now() - interval '40 seconds'),
  ('6f1c1a52-0d8e-4c5b-9a57-0c8f4b1e2a03', 'a city timelapse at dusk', 'processing', 'fal-req-demo-0903', 'IN_PROGRESS', 0,
   null, now() - interval '30 seconds', 10, now() - interval '3 minutes', now() - interval '30 seconds');

insert into public.stripe_checkout_sessions (id, user_id, price_id, credits, amount_total, currency, status, created_at, completed_at)
select 'cs_test_demo_' || lpad(g::text, 4, '0'),
       p.id, 'price_demo_credits_100', 100, 1000, 'usd',
       case when g = 7 then 'expired' else 'complete' end,
       now() - (g * interval '1 day'),
       case when g = 7 then null else now() - (g * interval '1 day') + interval '2 minutes' end
from generate_series(1, 7) g
join lateral (select id from public.profiles order by id offset (g % 3) limit 1) p on true;

-- webhook events: every one processed (checkout completions and a few others)
insert into public.stripe_events (event_id, type, status, checkout_session_id, payload, created_at, processed_at)
select 'evt_demo_' || lpad(g::text, 4, '0'),
       case when g <= 6 then 'checkout.session.completed' when g = 7 then 'checkout.session.expired'
            else 'payment_intent.succeeded' end,
       'processed',
       case when g <= 7 then 'cs_test_demo_' || lpad(g::text, 4, '0') end,
       jsonb_build_object('livemode', false),
       now() - (g * interval '1 day') + interval '2 minutes',
       now() - (g * interval '1 day') + interval '2 minutes 1 second'
from generate_series(1, 14) g;

insert into public.credit_ledger (user_id, delta, reason, job_id, stripe_event_id, created_at)
select s.user_id, s.credits, 'stripe_checkout', null, 'evt_demo_' || substr(s.id, 14), s.completed_at
from public.stripe_checkout_sessions s where s.status = 'complete';
insert into public.credit_ledger (user_id, delta, reason, job_id, created_at)
select j.user_id, -j.credits_cost, 'job_charge', j.id, j.created_at
from public.jobs j where j.credits_cost > 0;
insert into public.credit_ledger (user_id, delta, reason, job_id, created_at)
select j.user_id, 10, 'refund: provider failure', j.id, j.updated_at
from public.jobs j where j.status = 'failed';
