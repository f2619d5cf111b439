-- What every Supabase project has before its own migrations run; loaded before each Supabase
-- system's file (all but joslyn-ai, which is plain Postgres + Prisma). Roles anon/authenticated/
-- service_role exist cluster-wide (created by the runtime).

set client_min_messages = warning;

-- Supabase defaults: the API roles use public, and new tables are granted to them.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;

-- auth stand-in
create schema auth;
create table auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  created_at timestamptz not null default now()
);
create function auth.uid() returns uuid language sql stable as $$
  select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid() to anon, authenticated, service_role;

-- what `supabase migration up` records
create schema supabase_migrations;
create table supabase_migrations.schema_migrations (
  version text primary key,
  name text,
  statements text[]
);
