-- joslyn-ai demo database (healthy state): plain Postgres managed by Prisma.
-- Runs as superuser inside the system's own database. Timestamps relative to now().

set client_min_messages = warning;

-- Prisma's own bookkeeping table, exactly as `prisma migrate deploy` creates it.
create table public._prisma_migrations (
  id                  varchar(36)  primary key not null,
  checksum            varchar(64)  not null,
  finished_at         timestamptz,
  migration_name      varchar(255) not null,
  logs                text,
  rolled_back_at      timestamptz,
  started_at          timestamptz  not null default now(),
  applied_steps_count integer      not null default 0
);

-- application tables (models mapped to snake_case with @@map) ---------------------------
create table public.users (
  id            text primary key,
  email         text not null unique,
  name          text,
  role          text not null default 'USER',
  password_hash text,
  created_at    timestamp(3) not null default current_timestamp,
  updated_at    timestamp(3) not null
);

create table public.documents (
  id          text primary key,
  user_id     text not null references public.users (id) on delete cascade,
  filename    text not null,
  s3_key      text not null unique,
  mime_type   text not null,
  size_bytes  integer not null,
  status      text not null default 'UPLOADED',  -- UPLOADED | SCANNING | READY | INFECTED | FAILED
  scanned_at  timestamp(3),
  created_at  timestamp(3) not null default current_timestamp,
  updated_at  timestamp(3) not null
);
create index documents_user_id_idx on public.documents (user_id);

create table public.questions (
  id          text primary key,
  user_id     text not null references public.users (id) on delete cascade,
  document_id text references public.documents (id) on delete set null,
  question    text not null,
  answer      text,
  status      text not null default 'PENDING',   -- PENDING | ANSWERED | FAILED
  created_at  timestamp(3) not null default current_timestamp,
  answered_at timestamp(3)
);

create table public.letters (
  id          text primary key,
  user_id     text not null references public.users (id) on delete cascade,
  title       text not null,
  status      text not null default 'DRAFT',     -- DRAFT | GENERATING | READY | SENT
  created_at  timestamp(3) not null default current_timestamp,
  updated_at  timestamp(3) not null
);

create table public.subscriptions (
  id                     text primary key,
  user_id                text not null unique references public.users (id) on delete cascade,
  stripe_customer_id     text not null,
  stripe_subscription_id text unique,
  plan                   text not null,
  status                 text not null,           -- active | trialing | past_due | canceled
  current_period_end     timestamp(3),
  created_at             timestamp(3) not null default current_timestamp,
  updated_at             timestamp(3) not null
);

create table public.stripe_webhook_events (
  id              text primary key,
  stripe_event_id text not null unique,
  type            text not null,
  status          text not null default 'RECEIVED', -- RECEIVED | PROCESSED | FAILED
  error           text,
  received_at     timestamp(3) not null default current_timestamp,
  processed_at    timestamp(3)
);

create table public.ephemeral_uploads (
  id         text primary key,
  s3_key     text not null,
  expires_at timestamp(3) not null,
  created_at timestamp(3) not null default current_timestamp
);

-- migrations: all applied and finished now; one failed attempt in the history, resolved the
-- way Prisma's docs say (`migrate resolve --rolled-back`, then `migrate deploy` applied it again)
insert into public._prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
select md5(m.name)::uuid::text,
       encode(sha256(convert_to(m.name, 'UTF8')), 'hex'),
       now() - m.age + interval '1 second',
       m.name, null, null,
       now() - m.age,
       1
from (values
  ('20240112093000_init',                    interval '300 days'),
  ('20240305141500_documents_scan_status',   interval '240 days'),
  ('20240419110000_letters',                 interval '190 days'),
  ('20240601080000_subscriptions',           interval '140 days'),
  ('20240718123000_stripe_webhook_events',   interval '90 days'),
  ('20240902101500_ephemeral_uploads',       interval '30 days')
) as m(name, age);
insert into public._prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
values (md5('20240601080000_subscriptions attempt 1')::uuid::text,
        encode(sha256(convert_to('20240601080000_subscriptions', 'UTF8')), 'hex'),
        null, '20240601080000_subscriptions',
        'Database error code: 40P01 deadlock detected', now() - interval '140 days 1 hour',
        now() - interval '140 days 2 hours', 0);

-- seed -------------------------------------------------------------------------------
insert into public.users (id, email, name, role, password_hash, created_at, updated_at) values
  ('clu0demo0000000000000001', 'ana@example.com',   'Ana',   'ADMIN', 'not-a-real-hash', now() - interval '200 days', now() - interval '2 days'),
  ('clu0demo0000000000000002', 'ben@example.com',   'Ben',   'USER',  'not-a-real-hash', now() - interval '90 days',  now() - interval '9 days'),
  ('clu0demo0000000000000003', 'chloe@example.com', 'Chloe', 'USER',  'not-a-real-hash', now() - interval '15 days',  now() - interval '1 day');

insert into public.documents (id, user_id, filename, s3_key, mime_type, size_bytes, status, scanned_at, created_at, updated_at)
select 'cld0demo' || lpad(g::text, 16, '0'),
       'clu0demo000000000000000' || (1 + g % 3),
       'lease-' || g || '.pdf', 'uploads/demo/' || g || '.pdf', 'application/pdf', 120000 + g * 900,
       'READY', now() - g * interval '1 day' + interval '5 seconds', now() - g * interval '1 day', now() - g * interval '1 day'
from generate_series(1, 10) g;

insert into public.questions (id, user_id, document_id, question, answer, status, created_at, answered_at)
select 'clq0demo' || lpad((row_number() over (order by d.id, g))::text, 16, '0'), d.user_id, d.id, 'What is the notice period?', 'Two months (demo).',
       'ANSWERED', d.created_at + interval '1 minute', d.created_at + interval '1 minute 8 seconds'
from public.documents d, generate_series(1, 2) g;

insert into public.letters (id, user_id, title, status, created_at, updated_at) values
  ('cll0demo0000000000000001', 'clu0demo0000000000000002', 'Deposit return request', 'READY', now() - interval '8 days', now() - interval '8 days'),
  ('cll0demo0000000000000002', 'clu0demo0000000000000003', 'Repair request',         'SENT',  now() - interval '2 days', now() - interval '1 day');

insert into public.subscriptions (id, user_id, stripe_customer_id, stripe_subscription_id, plan, status, current_period_end, created_at, updated_at) values
  ('cls0demo0000000000000001', 'clu0demo0000000000000002', 'cus_demo_0001', 'sub_demo_0001', 'pro', 'active', now() + interval '21 days', now() - interval '70 days', now() - interval '9 days');

insert into public.stripe_webhook_events (id, stripe_event_id, type, status, received_at, processed_at)
select 'clw0demo' || lpad(g::text, 16, '0'), 'evt_demo_' || lpad(g::text, 4, '0'),
       (array['checkout.session.completed', 'invoice.paid', 'customer.subscription.updated'])[1 + g % 3],
       'PROCESSED', now() - g * interval '3 days', now() - g * interval '3 days' + interval '1 second'
from generate_series(1, 8) g;

insert into public.ephemeral_uploads (id, s3_key, expires_at, created_at) values
  ('cle0demo0000000000000001', 'tmp/demo/upload-1', now() + interval '20 hours', now() - interval '4 hours');
