-- commit-to-ship demo database (healthy state).
-- Supabase-like: roles anon/authenticated/service_role exist cluster-wide (created by the runtime);
-- this file runs as superuser inside the system's own database. The API talks to Postgres
-- directly through DATABASE_URL; the client roles get nothing.
-- All timestamps are relative to now(). Escrow secrets stored here are obviously fake.

-- 0001..0005 -------------------------------------------------------------------------
create table public.commitments (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('personal', 'reward')),
  escrow_mode text not null default 'managed' check (escrow_mode in ('managed', 'assisted')),
  creator_wallet text not null,
  creator_privy_user_id text,
  title text not null,
  status text not null default 'open' check (status in ('open', 'completed', 'failed', 'cancelled')),
  escrow_address text not null unique,
  escrow_secret_encrypted text,                 -- ESCROW_DB_SECRET-encrypted; never selected by checks
  amount_lamports bigint not null check (amount_lamports >= 0),
  funded_lamports bigint not null default 0 check (funded_lamports >= 0),
  deadline timestamptz not null,
  token_mint text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table public.reward_milestones (
  id uuid primary key default gen_random_uuid(),
  commitment_id uuid not null references public.commitments (id) on delete cascade,
  position integer not null,
  title text not null,
  unlock_lamports bigint not null check (unlock_lamports >= 0),
  unlock_at timestamptz not null,
  approval_threshold numeric(6, 4) not null default 0.5,
  approvals_weight numeric(20, 4) not null default 0,
  claimable boolean not null default false,
  released_at timestamptz,
  release_signature text,
  unique (commitment_id, position)
);

create table public.milestone_approvals (
  id uuid primary key default gen_random_uuid(),
  milestone_id uuid not null references public.reward_milestones (id) on delete cascade,
  voter_wallet text not null,
  weight numeric(20, 4) not null default 1,        -- 0007_weighted_approvals
  created_at timestamptz not null default now(),
  unique (milestone_id, voter_wallet)
);

create table public.reward_release_locks (
  commitment_id uuid not null references public.commitments (id) on delete cascade,
  milestone_id uuid not null references public.reward_milestones (id) on delete cascade,
  locked_by text not null,
  locked_at timestamptz not null default now(),
  tx_signature text,
  primary key (commitment_id, milestone_id)
);

-- 0006_rate_limits -------------------------------------------------------------------
create table public.rate_limits (
  key text primary key,                            -- "<route>:<ip or wallet>"
  window_start timestamptz not null,
  count integer not null default 0,
  updated_at timestamptz not null default now()
);

-- 0008_audit_logs --------------------------------------------------------------------
create table public.audit_logs (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  event text not null,                             -- e.g. admin_commitment_resolve, vote_denied, release_error
  actor_wallet text,
  actor_privy_user_id text,
  commitment_id uuid references public.commitments (id) on delete set null,
  milestone_id uuid references public.reward_milestones (id) on delete set null,
  signature text,                                  -- Solana tx signature, when the action sent one
  ip text,
  metadata jsonb not null default '{}'::jsonb
);
create index audit_logs_created_at_idx on public.audit_logs (created_at desc);
create index audit_logs_event_idx on public.audit_logs (event);

-- RLS on, no policies: only the server (postgres / service role) reads and writes ---------
alter table public.commitments enable row level security;
alter table public.reward_milestones enable row level security;
alter table public.milestone_approvals enable row level security;
alter table public.reward_release_locks enable row level security;
alter table public.rate_limits enable row level security;
alter table public.audit_logs enable row level security;
revoke all on all tables in schema public from anon, authenticated;

-- migrations record -------------------------------------------------------------------
insert into supabase_migrations.schema_migrations (version, name, statements) values
  ('0001', 'init',                  array['create table public.commitments (...)']),
  ('0002', 'reward_milestones',     array['create table public.reward_milestones (...)']),
  ('0003', 'milestone_approvals',   array['create table public.milestone_approvals (...)']),
  ('0004', 'escrow_modes',          array['alter table public.commitments add column escrow_mode text']),
  ('0005', 'reward_release_locks',  array['create table public.reward_release_locks (...)']),
  ('0006', 'rate_limits',           array['create table public.rate_limits (...)']),
  ('0007', 'weighted_approvals',    array['alter table public.milestone_approvals add column weight numeric']),
  ('0008', 'audit_logs',            array['create table public.audit_logs (...)']);

-- seed --------------------------------------------------------------------------------
-- base58 demo addresses (valid alphabet, not real keys)
insert into public.commitments (id, kind, escrow_mode, creator_wallet, title, status, escrow_address, escrow_secret_encrypted,
                                amount_lamports, funded_lamports, deadline, created_at, updated_at) values
  ('f0000000-0000-4000-8000-000000000001', 'personal', 'managed', 'DemoCreator1111111111111111111111111111111',
   'Ship the beta by Friday', 'open', 'DemoEscrow111111111111111111111111111111111',
   'FAKE-ENCRYPTED-ESCROW-SECRET-1', 2000000000, 2000000000, now() + interval '5 days', now() - interval '9 days', now() - interval '9 days'),
  ('f0000000-0000-4000-8000-000000000002', 'reward', 'managed', 'DemoCreator2222222222222222222222222222222',
   'Launch the community token', 'open', 'DemoEscrow222222222222222222222222222222222',
   'FAKE-ENCRYPTED-ESCROW-SECRET-2', 3000000000, 3000000000, now() + interval '40 days', now() - interval '20 days', now() - interval '2 days'),
  ('f0000000-0000-4000-8000-000000000003', 'personal', 'assisted', 'DemoCreator3333333333333333333333333333333',
   'Write 10 blog posts', 'completed', 'DemoEscrow333333333333333333333333333333333',
   'FAKE-ENCRYPTED-ESCROW-SECRET-3', 500000000, 500000000, now() - interval '3 days', now() - interval '60 days', now() - interval '3 days');

insert into public.reward_milestones (id, commitment_id, position, title, unlock_lamports, unlock_at, approvals_weight,
                                      claimable, released_at, release_signature) values
  ('f1000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 1, 'Testnet launch', 1000000000,
   now() - interval '5 days', 3.0, true, now() - interval '2 days',
   '5DemoSig1111111111111111111111111111111111111111111111111111111111111111111111111111111'),
  ('f1000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000002', 2, 'Mainnet launch', 2000000000,
   now() + interval '30 days', 0, false, null, null);

insert into public.milestone_approvals (milestone_id, voter_wallet, weight, created_at) values
  ('f1000000-0000-4000-8000-000000000001', 'DemoVoterA111111111111111111111111111111111', 2.0, now() - interval '3 days'),
  ('f1000000-0000-4000-8000-000000000001', 'DemoVoterB111111111111111111111111111111111', 1.0, now() - interval '3 days');

-- the released milestone's lock, completed with its signature
insert into public.reward_release_locks (commitment_id, milestone_id, locked_by, locked_at, tx_signature) values
  ('f0000000-0000-4000-8000-000000000002', 'f1000000-0000-4000-8000-000000000001', 'api-instance-1',
   now() - interval '2 days 1 minute',
   '5DemoSig1111111111111111111111111111111111111111111111111111111111111111111111111111111');

insert into public.rate_limits (key, window_start, count, updated_at)
select 'vote:' || g || '.0.2.' || g, date_trunc('minute', now()), g, now() - interval '10 seconds'
from generate_series(1, 5) g;

insert into public.audit_logs (created_at, event, actor_wallet, commitment_id, milestone_id, signature, ip, metadata) values
  (now() - interval '20 days', 'commitment_created', 'DemoCreator2222222222222222222222222222222',
   'f0000000-0000-4000-8000-000000000002', null, null, '198.51.100.7', '{}'),
  (now() - interval '3 days', 'milestone_vote', 'DemoVoterA111111111111111111111111111111111',
   'f0000000-0000-4000-8000-000000000002', 'f1000000-0000-4000-8000-000000000001', null, '198.51.100.8', '{"weight": 2}'),
  (now() - interval '3 days', 'vote_denied', 'DemoVoterC111111111111111111111111111111111',
   'f0000000-0000-4000-8000-000000000002', 'f1000000-0000-4000-8000-000000000001', null, '198.51.100.9', '{"reason": "not a holder"}'),
  (now() - interval '2 days', 'admin_reward_milestone_release_success', 'DemoAdmin11111111111111111111111111111111111',
   'f0000000-0000-4000-8000-000000000002', 'f1000000-0000-4000-8000-000000000001',
   '5DemoSig1111111111111111111111111111111111111111111111111111111111111111111111111111111', '198.51.100.10', '{}'),
  (now() - interval '3 days', 'admin_commitment_resolve_success', 'DemoAdmin11111111111111111111111111111111111',
   'f0000000-0000-4000-8000-000000000003', null,
   '5DemoSig3333333333333333333333333333333333333333333333333333333333333333333333333333333', '198.51.100.10', '{}'),
  (now() - interval '2 hours', 'commitment_funded', 'DemoCreator1111111111111111111111111111111',
   'f0000000-0000-4000-8000-000000000001', null, null, '198.51.100.11', '{}'),
  (now() - interval '20 minutes', 'milestone_normalized', null, null, null, null, null, '{"updated": 0}');
