-- cheersai demo database (healthy state).
-- Supabase-like: roles anon/authenticated/service_role exist cluster-wide (created by the runtime);
-- this file runs as superuser inside the system's own database.
-- All timestamps are relative to now() so the demo is fresh when loaded.
-- Tokens stored here are obviously fake.

-- auth (the base is in demo/sql/_supabase.sql) --------------------------------------------
alter table auth.users add column raw_user_meta_data jsonb not null default '{}'::jsonb;
create function public.current_account_id() returns uuid language sql stable
set search_path = public, pg_temp as $$
  select nullif(current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata' ->> 'account_id', '')::uuid
$$;

-- tables ------------------------------------------------------------------------------
create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  email text,
  timezone text not null default 'Europe/London',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.posting_defaults (
  account_id uuid primary key references public.accounts (id) on delete cascade,
  default_posting_time time not null default '07:00',
  facebook_location_id text,
  instagram_location_id text,
  notifications jsonb not null default '{"emailFailures": true, "emailTokenExpiring": true}'::jsonb,
  updated_at timestamptz not null default now()
);

create table public.connections (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  provider text not null check (provider in ('facebook', 'instagram', 'gbp')),
  status text not null default 'active' check (status in ('active', 'needs_action', 'disconnected')),
  display_name text,
  access_token text,
  refresh_token text,
  expires_at timestamptz,
  last_synced_at timestamptz,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, provider)
);

create table public.media_assets (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  storage_path text not null,
  file_name text not null,
  media_type text not null check (media_type in ('image', 'video')),
  mime_type text,
  size_bytes bigint,
  processed_status text not null default 'pending'
    check (processed_status in ('pending', 'processing', 'ready', 'failed', 'skipped')),
  processed_at timestamptz,
  derived_variants jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  name text not null,
  campaign_type text not null check (campaign_type in ('weekly', 'event', 'promotion', 'instant')),
  status text not null default 'scheduled' check (status in ('draft', 'scheduled', 'completed', 'cancelled')),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

create table public.content_items (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  campaign_id uuid references public.campaigns (id) on delete set null,
  platform text not null check (platform in ('facebook', 'instagram', 'gbp')),
  placement text not null default 'feed' check (placement in ('feed', 'story')),
  status text not null default 'draft'
    check (status in ('draft', 'scheduled', 'queued', 'publishing', 'posted', 'failed')),
  scheduled_for timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.content_variants (
  id uuid primary key default gen_random_uuid(),
  content_item_id uuid not null unique references public.content_items (id) on delete cascade,
  body text not null,
  media_ids uuid[] not null default '{}',
  updated_at timestamptz not null default now()
);

create table public.publish_jobs (
  id uuid primary key default gen_random_uuid(),
  content_item_id uuid not null references public.content_items (id) on delete cascade,
  variant_id uuid references public.content_variants (id) on delete set null,
  placement text not null default 'feed',
  status text not null default 'queued' check (status in ('queued', 'in_progress', 'succeeded', 'failed')),
  attempt integer not null default 0,
  next_attempt_at timestamptz,
  last_error text,
  provider_response jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index publish_jobs_status_next_attempt_idx on public.publish_jobs (status, next_attempt_at);

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  category text not null,
  message text not null,
  metadata jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);

-- one row per invocation of a scheduled function (written by /api/cron/publish and the
-- Supabase functions themselves)
create table public.job_runs (
  id bigint generated always as identity primary key,
  job_name text not null,
  trigger text not null check (trigger in ('vercel-cron', 'scheduler', 'manual', 'upload')),
  status text not null check (status in ('running', 'succeeded', 'failed')),
  processed integer not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index job_runs_job_started_idx on public.job_runs (job_name, started_at desc);

-- RLS and access ----------------------------------------------------------------------
alter table public.accounts enable row level security;
alter table public.posting_defaults enable row level security;
alter table public.connections enable row level security;
alter table public.media_assets enable row level security;
alter table public.campaigns enable row level security;
alter table public.content_items enable row level security;
alter table public.content_variants enable row level security;
alter table public.publish_jobs enable row level security;
alter table public.notifications enable row level security;
alter table public.job_runs enable row level security;

create policy "account members" on public.accounts for all to authenticated
  using (id = public.current_account_id()) with check (id = public.current_account_id());
create policy "account members" on public.posting_defaults for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
create policy "account members" on public.connections for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
create policy "account members" on public.media_assets for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
create policy "account members" on public.campaigns for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
create policy "account members" on public.content_items for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
create policy "account members" on public.content_variants for all to authenticated
  using (exists (select 1 from public.content_items ci
                 where ci.id = content_item_id and ci.account_id = public.current_account_id()));
create policy "account members read" on public.publish_jobs for select to authenticated
  using (exists (select 1 from public.content_items ci
                 where ci.id = content_item_id and ci.account_id = public.current_account_id()));
create policy "account members" on public.notifications for all to authenticated
  using (account_id = public.current_account_id()) with check (account_id = public.current_account_id());
-- job_runs: service role only
revoke all on public.job_runs from anon, authenticated;
revoke all on all tables in schema public from anon;

-- pg_cron stand-in (the real extension needs shared_preload_libraries) ----------------
create schema cron;
create table cron.job (
  jobid bigserial primary key,
  schedule text not null,
  command text not null,
  nodename text not null default 'localhost',
  nodeport integer not null default 5432,
  database text not null default current_database(),
  username text not null default current_user,
  active boolean not null default true,
  jobname name,
  unique (jobname, username)
);
create table cron.job_run_details (
  jobid bigint,
  runid bigserial primary key,
  job_pid integer,
  database text,
  username text,
  command text,
  status text,
  return_message text,
  start_time timestamptz,
  end_time timestamptz
);
-- registered in the catalog as a real install is (a superuser's row: the files of the real extension are not
-- in this server), at a version that reads cron.timezone; a cron.job without the extension is no scheduler's
insert into pg_catalog.pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
select (max(oid)::int + 1)::oid, 'pg_cron', (select oid from pg_roles where rolname = current_user),
       'cron'::regnamespace, false, '1.6' from pg_catalog.pg_extension;
-- pg_cron >= 1.5 reads cron.timezone; the project runs its schedules in London time.
do $$ begin
  execute format('alter database %I set cron.timezone = %L', current_database(), 'Europe/London');
end $$;

insert into cron.job (schedule, command, active, jobname) values
  ('0 5 * * *',
   $c$select net.http_post(url := 'https://demo-project.supabase.co/functions/v1/materialise-weekly', headers := jsonb_build_object('Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')))$c$,
   true, 'materialise-weekly'),
  ('*/15 * * * *',
   $c$select net.http_post(url := 'https://demo-project.supabase.co/functions/v1/media-derivatives', headers := jsonb_build_object('Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')))$c$,
   true, 'media-derivatives'),
  -- emergency schedule kept disabled: the Vercel cron is the primary bridge
  ('* * * * *',
   $c$select net.http_post(url := 'https://demo-project.supabase.co/functions/v1/publish-queue', headers := jsonb_build_object('Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')))$c$,
   false, 'publish-queue');

insert into cron.job_run_details (jobid, job_pid, database, username, command, status, return_message, start_time, end_time)
select j.jobid, 4000 + g, current_database(), current_user, j.command, 'succeeded', '1 row',
       date_trunc('minute', now()) - g * interval '15 minutes',
       date_trunc('minute', now()) - g * interval '15 minutes' + interval '1 second'
from cron.job j, generate_series(1, 8) g
where j.jobname = 'media-derivatives';

-- migrations record -------------------------------------------------------------------
insert into supabase_migrations.schema_migrations (version, name, statements) values
  ('20250105090000', 'initial_schema',          array['create table public.accounts (...)']),
  ('20250112110000', 'publish_queue',           array['create table public.publish_jobs (...)']),
  ('20250120153000', 'media_derivatives',       array['alter table public.media_assets add column processed_status text']),
  ('20250201100000', 'connection_metadata',     array['alter table public.connections add column metadata jsonb']),
  ('20250214120000', 'notifications_job_runs',  array['create table public.notifications (...)', 'create table public.job_runs (...)']);

-- seed --------------------------------------------------------------------------------
insert into public.accounts (id, name, email, timezone, created_at) values
  ('a0000000-0000-4000-8000-000000000001', 'The Crown Inn',   'owner@crown.example',   'Europe/London', now() - interval '120 days'),
  ('a0000000-0000-4000-8000-000000000002', 'The Anchor Bar',  'owner@anchor.example',  'Europe/London', now() - interval '45 days');
insert into auth.users (email, raw_user_meta_data, created_at) values
  ('owner@crown.example',  '{"account_id": "a0000000-0000-4000-8000-000000000001"}', now() - interval '120 days'),
  ('owner@anchor.example', '{"account_id": "a0000000-0000-4000-8000-000000000002"}', now() - interval '45 days');
insert into public.posting_defaults (account_id) values
  ('a0000000-0000-4000-8000-000000000001'), ('a0000000-0000-4000-8000-000000000002');

insert into public.connections (account_id, provider, status, display_name, access_token, refresh_token,
                                expires_at, last_synced_at, metadata, created_at) values
  ('a0000000-0000-4000-8000-000000000001', 'facebook', 'active', 'The Crown Inn',
   'FAKE-FB-PAGE-TOKEN-not-a-real-token', null, now() + interval '54 days', now() - interval '2 hours',
   '{"pageId": "100000000000001", "pageName": "The Crown Inn"}', now() - interval '110 days'),
  ('a0000000-0000-4000-8000-000000000001', 'instagram', 'active', '@thecrowninn',
   'FAKE-IG-PAGE-TOKEN-not-a-real-token', null, now() + interval '54 days', now() - interval '2 hours',
   '{"pageId": "100000000000001", "igBusinessId": "17841400000000001", "instagramUsername": "thecrowninn"}', now() - interval '110 days'),
  ('a0000000-0000-4000-8000-000000000001', 'gbp', 'active', 'The Crown Inn, High Street',
   'FAKE-GBP-ACCESS-TOKEN-not-real', 'FAKE-GBP-REFRESH-TOKEN-not-real', now() + interval '40 days', now() - interval '3 hours',
   '{"accountId": "accounts/100000000000000000001", "locationId": "locations/1000000000000000001"}', now() - interval '100 days'),
  ('a0000000-0000-4000-8000-000000000002', 'facebook', 'active', 'The Anchor Bar',
   'FAKE-FB-PAGE-TOKEN-2-not-a-real-token', null, now() + interval '38 days', now() - interval '5 hours',
   '{"pageId": "100000000000002", "pageName": "The Anchor Bar"}', now() - interval '44 days'),
  ('a0000000-0000-4000-8000-000000000002', 'instagram', 'disconnected', null,
   null, null, null, null, '{}', now() - interval '44 days');

-- media: mostly ready, one video skipped, one being processed right now, one just uploaded
insert into public.media_assets (id, account_id, storage_path, file_name, media_type, mime_type, size_bytes,
                                 processed_status, processed_at, derived_variants, created_at, updated_at)
select ('b0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       case when g % 4 = 0 then 'a0000000-0000-4000-8000-000000000002' else 'a0000000-0000-4000-8000-000000000001' end::uuid,
       'media/' || g || '/original.jpg', 'photo-' || g || '.jpg', 'image', 'image/jpeg', 800000 + g * 1000,
       'ready', now() - g * interval '1 day',
       jsonb_build_object('square', 'media/' || g || '/square.jpg', 'story', 'media/' || g || '/story.jpg',
                          'landscape', 'media/' || g || '/landscape.jpg'),
       now() - g * interval '1 day' - interval '1 minute', now() - g * interval '1 day'
from generate_series(1, 12) g;
insert into public.media_assets (account_id, storage_path, file_name, media_type, mime_type, size_bytes,
                                 processed_status, processed_at, created_at, updated_at) values
  ('a0000000-0000-4000-8000-000000000001', 'media/v1/original.mp4', 'quiz-night.mp4', 'video', 'video/mp4', 14000000,
   'skipped', now() - interval '6 days', now() - interval '6 days', now() - interval '6 days'),
  ('a0000000-0000-4000-8000-000000000001', 'media/13/original.jpg', 'sunday-roast.jpg', 'image', 'image/jpeg', 910000,
   'processing', null, now() - interval '2 minutes', now() - interval '1 minute'),
  ('a0000000-0000-4000-8000-000000000002', 'media/14/original.jpg', 'live-music.jpg', 'image', 'image/jpeg', 640000,
   'pending', null, now() - interval '20 seconds', now() - interval '20 seconds');

insert into public.campaigns (id, account_id, name, campaign_type, status, created_at) values
  ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'Weekly quiz night', 'weekly', 'scheduled', now() - interval '30 days'),
  ('c0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000002', 'Summer beer festival', 'event', 'scheduled', now() - interval '10 days');

-- posted history (last 10 days), 36 items, all with media
insert into public.content_items (id, account_id, campaign_id, platform, status, scheduled_for, created_at, updated_at)
select ('d0000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
       (array['facebook', 'instagram', 'gbp'])[1 + g % 3], 'posted',
       now() - g * interval '6 hours', now() - g * interval '6 hours' - interval '2 days', now() - g * interval '6 hours'
from generate_series(1, 36) g;
-- recently posted (inside the 15-minute window) and upcoming scheduled posts
insert into public.content_items (id, account_id, campaign_id, platform, status, scheduled_for, created_at, updated_at)
select ('d0000000-0000-4000-8000-' || lpad((100 + g)::text, 12, '0'))::uuid,
       'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001',
       (array['facebook', 'instagram', 'gbp'])[1 + g % 3], 'posted',
       now() - g * interval '2 minutes', now() - interval '1 day', now() - g * interval '2 minutes'
from generate_series(1, 4) g;
insert into public.content_items (id, account_id, campaign_id, platform, status, scheduled_for, created_at, updated_at)
select ('d0000000-0000-4000-8000-' || lpad((200 + g)::text, 12, '0'))::uuid,
       case when g % 2 = 0 then 'a0000000-0000-4000-8000-000000000002' else 'a0000000-0000-4000-8000-000000000001' end::uuid,
       case when g % 2 = 0 then 'c0000000-0000-4000-8000-000000000002' else 'c0000000-0000-4000-8000-000000000001' end::uuid,
       case when g % 2 = 0 then 'facebook' else (array['facebook', 'instagram', 'gbp'])[1 + g % 3] end,
       'scheduled', date_trunc('hour', now()) + g * interval '1 day' + interval '7 hours',
       now() - interval '3 days', now() - interval '3 days'
from generate_series(1, 8) g;
-- drafts without media are allowed (not scheduled yet)
insert into public.content_items (account_id, platform, status, created_at)
values ('a0000000-0000-4000-8000-000000000002', 'facebook', 'draft', now() - interval '1 day');

insert into public.content_variants (content_item_id, body, media_ids, updated_at)
select ci.id, 'Demo post copy for ' || ci.platform,
       array[('b0000000-0000-4000-8000-' || lpad((1 + (row_number() over (order by ci.id)) % 12)::text, 12, '0'))::uuid],
       ci.updated_at
from public.content_items ci where ci.status <> 'draft';
insert into public.content_variants (content_item_id, body, media_ids)
select ci.id, 'Draft copy', '{}' from public.content_items ci where ci.status = 'draft';

-- publish jobs: succeeded history, two old failures, a few queued for upcoming posts
insert into public.publish_jobs (content_item_id, variant_id, status, attempt, next_attempt_at, provider_response, created_at, updated_at)
select ci.id, v.id, 'succeeded', 1, ci.scheduled_for,
       jsonb_build_object('postId', 'demo-post-' || substr(ci.id::text, 25)),
       ci.scheduled_for - interval '5 minutes', ci.scheduled_for + interval '20 seconds'
from public.content_items ci join public.content_variants v on v.content_item_id = ci.id
where ci.status = 'posted';
insert into public.publish_jobs (content_item_id, variant_id, status, attempt, next_attempt_at, last_error, created_at, updated_at)
select ci.id, v.id, 'failed', 3, null, 'provider rate limit (demo); requeued with ops:retry-failed', ci.scheduled_for - interval '5 minutes', ci.scheduled_for + interval '2 seconds'
from public.content_items ci join public.content_variants v on v.content_item_id = ci.id
where ci.status = 'posted' and ci.id in ('d0000000-0000-4000-8000-000000000020', 'd0000000-0000-4000-8000-000000000033');
insert into public.publish_jobs (content_item_id, variant_id, status, attempt, next_attempt_at, created_at, updated_at)
select ci.id, v.id, 'queued', 0, ci.scheduled_for, now() - interval '3 days', now() - interval '3 days'
from public.content_items ci join public.content_variants v on v.content_item_id = ci.id
where ci.status = 'scheduled';

-- notifications from the last two months
insert into public.notifications (account_id, category, message, read_at, created_at)
select case when g % 3 = 0 then 'a0000000-0000-4000-8000-000000000002' else 'a0000000-0000-4000-8000-000000000001' end::uuid,
       (array['publish_success', 'publish_failed', 'token_expiring', 'media_ready'])[1 + g % 4],
       'Demo notification ' || g,
       case when g > 3 then now() - g * interval '2 days' + interval '1 hour' end,
       now() - g * interval '2 days'
from generate_series(1, 25) g;

-- scheduled function runs: Vercel cron every minute for the last half hour
insert into public.job_runs (job_name, trigger, status, processed, started_at, finished_at)
select 'publish-queue', 'vercel-cron', 'succeeded', case when g % 5 = 0 then 1 else 0 end,
       now() - g * interval '1 minute' - interval '5 seconds',
       now() - g * interval '1 minute' - interval '3 seconds'
from generate_series(0, 29) g;
insert into public.job_runs (job_name, trigger, status, processed, started_at, finished_at)
select 'media-derivatives', 'scheduler', 'succeeded', 0,
       date_trunc('minute', now()) - g * interval '15 minutes', date_trunc('minute', now()) - g * interval '15 minutes' + interval '4 seconds'
from generate_series(1, 8) g;
insert into public.job_runs (job_name, trigger, status, processed, started_at, finished_at)
values ('materialise-weekly', 'scheduler', 'succeeded', 7, date_trunc('day', now()) - interval '19 hours', date_trunc('day', now()) - interval '19 hours' + interval '9 seconds');
