-- bakery-ops demo database (healthy state).
-- Supabase-like: roles anon/authenticated/service_role exist cluster-wide (created by the runtime);
-- this file runs as superuser inside the system's own database.
-- Stage model: Filling -> Covering -> Decorating -> Packing -> Complete.
-- All writes go through SECURITY DEFINER RPCs; clients only read, under RLS.
-- All timestamps are relative to now() so the demo is fresh when loaded.

-- tables ------------------------------------------------------------------------------
create table public.staff (
  id uuid primary key references auth.users (id) on delete cascade,
  full_name text not null,
  role text not null default 'staff' check (role in ('admin', 'supervisor', 'staff')),
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  store text not null check (store in ('bannos', 'flourlane')),
  order_gid text not null,                       -- gid://shopify/Order/<id>
  order_number text not null,
  customer_name text,
  product_title text not null,
  flavour text,
  size text,
  quantity integer not null default 1 check (quantity > 0),
  due_date date not null,
  delivery_method text not null default 'pickup' check (delivery_method in ('pickup', 'delivery')),
  stage text not null default 'Filling'
    check (stage in ('Filling', 'Covering', 'Decorating', 'Packing', 'Complete')),
  priority text not null default 'medium' check (priority in ('high', 'medium', 'low')),
  assignee_id uuid references public.staff (id),
  barcode text,
  barcode_printed_at timestamptz,
  filling_complete_ts timestamptz,
  covering_complete_ts timestamptz,
  decorating_complete_ts timestamptz,
  packing_start_ts timestamptz,
  packing_complete_ts timestamptz,
  shopify_payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint orders_order_gid_key unique (order_gid)
);
create index orders_store_stage_due_idx on public.orders (store, stage, due_date);

create table public.stage_events (
  id uuid primary key default gen_random_uuid(),
  order_id uuid not null references public.orders (id) on delete cascade,
  stage text not null,
  event text not null check (event in ('barcode_printed', 'start', 'complete')),
  staff_id uuid references public.staff (id),
  created_at timestamptz not null default now()
);
create index stage_events_order_idx on public.stage_events (order_id, created_at);

create table public.components (
  id uuid primary key default gen_random_uuid(),
  store text not null check (store in ('bannos', 'flourlane')),
  sku text not null,
  name text not null,
  on_hand integer not null default 0,
  shopify_inventory_item_id text,
  updated_at timestamptz not null default now(),
  unique (store, sku)
);

create table public.work_queue (
  id uuid primary key default gen_random_uuid(),
  topic text not null check (topic in ('inventory_push', 'reconcile', 'order_sync', 'slack_notify')),
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'done', 'error')),
  retry_count integer not null default 0,
  max_retries integer not null default 5,
  next_retry_at timestamptz,
  locked_at timestamptz,
  locked_by text,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index work_queue_pending_idx on public.work_queue (status, next_retry_at) where status = 'pending';

create table public.worker_heartbeats (
  worker_id text primary key,
  last_processed_at timestamptz,
  items_per_min numeric(8, 2) not null default 0,
  error_rate numeric(5, 4) not null default 0,
  updated_at timestamptz not null default now()
);

create table public.settings (
  store text not null check (store in ('bannos', 'flourlane')),
  key text not null,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (store, key)
);

-- RLS on every public table; clients read only ------------------------------------------
alter table public.staff enable row level security;
alter table public.orders enable row level security;
alter table public.stage_events enable row level security;
alter table public.components enable row level security;
alter table public.work_queue enable row level security;
alter table public.worker_heartbeats enable row level security;
alter table public.settings enable row level security;

create policy "staff read staff" on public.staff for select to authenticated using (true);
create policy "active staff read orders" on public.orders for select to authenticated
  using (exists (select 1 from public.staff s where s.id = auth.uid() and s.active));
create policy "active staff read stage events" on public.stage_events for select to authenticated
  using (exists (select 1 from public.staff s where s.id = auth.uid() and s.active));
create policy "active staff read components" on public.components for select to authenticated
  using (exists (select 1 from public.staff s where s.id = auth.uid() and s.active));
create policy "active staff read settings" on public.settings for select to authenticated
  using (exists (select 1 from public.staff s where s.id = auth.uid() and s.active));
-- work_queue and worker_heartbeats: no client policy (Edge worker uses the service role)

revoke all on all tables in schema public from anon, authenticated;
grant select on public.staff, public.orders, public.stage_events, public.components, public.settings to authenticated;

-- RPCs: SECURITY DEFINER with a fixed search_path ---------------------------------------
create function public.ingest_order(p_store text, p_order_gid text, p_order_number text, p_product_title text,
                                    p_due_date date, p_payload jsonb default '{}'::jsonb)
returns uuid language plpgsql security definer set search_path = public, pg_temp as $$
declare v_id uuid;
begin
  insert into orders (store, order_gid, order_number, product_title, due_date, shopify_payload)
  values (p_store, p_order_gid, p_order_number, p_product_title, p_due_date, p_payload)
  on conflict (order_gid) do update set shopify_payload = excluded.shopify_payload, updated_at = now()
  returning id into v_id;
  return v_id;
end $$;

create function public.print_barcode(p_order_id uuid)
returns text language plpgsql security definer set search_path = public, pg_temp as $$
declare v_barcode text;
begin
  update orders set barcode = coalesce(barcode, 'BK-' || upper(substr(replace(id::text, '-', ''), 1, 10))),
                    barcode_printed_at = now(), updated_at = now()
  where id = p_order_id returning barcode into v_barcode;
  if v_barcode is null then raise exception 'ORDER_NOT_FOUND'; end if;
  insert into stage_events (order_id, stage, event, staff_id)
  select id, stage, 'barcode_printed', auth.uid() from orders where id = p_order_id;
  return v_barcode;
end $$;

create function public.advance_stage(p_order_id uuid, p_from text, p_to text)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  update orders set stage = p_to, updated_at = now() where id = p_order_id and stage = p_from;
  if not found then raise exception 'INVALID_STAGE' using detail = format('order is not in %s', p_from); end if;
  insert into stage_events (order_id, stage, event, staff_id) values (p_order_id, p_from, 'complete', auth.uid());
end $$;

create function public.complete_filling(p_order_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  perform advance_stage(p_order_id, 'Filling', 'Covering');
  update orders set filling_complete_ts = now() where id = p_order_id;
end $$;

create function public.complete_covering(p_order_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  perform advance_stage(p_order_id, 'Covering', 'Decorating');
  update orders set covering_complete_ts = now() where id = p_order_id;
end $$;

create function public.complete_decorating(p_order_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  perform advance_stage(p_order_id, 'Decorating', 'Packing');
  update orders set decorating_complete_ts = now() where id = p_order_id;
end $$;

create function public.start_packing(p_order_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  update orders set packing_start_ts = now(), updated_at = now() where id = p_order_id and stage = 'Packing';
  if not found then raise exception 'INVALID_STAGE'; end if;
  insert into stage_events (order_id, stage, event, staff_id) values (p_order_id, 'Packing', 'start', auth.uid());
end $$;

create function public.complete_packing(p_order_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  perform advance_stage(p_order_id, 'Packing', 'Complete');
  update orders set packing_complete_ts = now() where id = p_order_id;
  insert into work_queue (topic, payload) values ('order_sync', jsonb_build_object('order_id', p_order_id));
end $$;

create function public.assign_staff(p_order_id uuid, p_staff_id uuid)
returns void language plpgsql security definer set search_path = public, pg_temp as $$
begin
  update orders set assignee_id = p_staff_id, updated_at = now() where id = p_order_id;
  if not found then raise exception 'ORDER_NOT_FOUND'; end if;
end $$;

create function public.enqueue_work(p_topic text, p_payload jsonb)
returns uuid language sql security definer set search_path = public, pg_temp as $$
  insert into work_queue (topic, payload) values (p_topic, p_payload) returning id
$$;

revoke all on function public.ingest_order(text, text, text, text, date, jsonb) from public, anon, authenticated;
revoke all on function public.enqueue_work(text, jsonb) from public, anon, authenticated;
revoke all on function public.advance_stage(uuid, text, text) from public, anon, authenticated;
revoke all on function public.print_barcode(uuid), public.complete_filling(uuid), public.complete_covering(uuid),
  public.complete_decorating(uuid), public.start_packing(uuid), public.complete_packing(uuid),
  public.assign_staff(uuid, uuid) from public, anon;
grant execute on function public.print_barcode(uuid), public.complete_filling(uuid), public.complete_covering(uuid),
  public.complete_decorating(uuid), public.start_packing(uuid), public.complete_packing(uuid),
  public.assign_staff(uuid, uuid) to authenticated;
grant execute on all functions in schema public to service_role;

-- migrations record (matches demo/repos/bakery-ops/supabase/migrations/) ----------------
insert into supabase_migrations.schema_migrations (version, name, statements) values
  ('20250106090000', 'init_orders_staff',         array['create table public.staff (...)', 'create table public.orders (...)']),
  ('20250108113000', 'stage_events',              array['create table public.stage_events (...)']),
  ('20250113094500', 'work_queue',                array['create table public.work_queue (...)']),
  ('20250117150000', 'stage_rpcs',                array['create function public.complete_filling(uuid) ...']),
  ('20250124101500', 'orders_order_gid_unique',   array['alter table public.orders add constraint orders_order_gid_key unique (order_gid)']),
  ('20250131083000', 'rls_lockdown',              array['revoke all on all tables in schema public from anon, authenticated']),
  ('20250207120000', 'worker_heartbeats',         array['create table public.worker_heartbeats (...)']),
  ('20250214091500', 'components_settings',       array['create table public.components (...)', 'create table public.settings (...)']);

-- seed --------------------------------------------------------------------------------
insert into auth.users (id, email) values
  ('e0000000-0000-4000-8000-000000000001', 'sam@bakery.example'),
  ('e0000000-0000-4000-8000-000000000002', 'lee@bakery.example'),
  ('e0000000-0000-4000-8000-000000000003', 'jo@bakery.example');
insert into public.staff (id, full_name, role) values
  ('e0000000-0000-4000-8000-000000000001', 'Sam Baker', 'admin'),
  ('e0000000-0000-4000-8000-000000000002', 'Lee Cole',  'supervisor'),
  ('e0000000-0000-4000-8000-000000000003', 'Jo Park',   'staff');

-- 40 orders spread over both stores and every stage
insert into public.orders (store, order_gid, order_number, customer_name, product_title, flavour, size, quantity,
                           due_date, stage, assignee_id, barcode, barcode_printed_at,
                           filling_complete_ts, covering_complete_ts, decorating_complete_ts,
                           packing_start_ts, packing_complete_ts, created_at, updated_at)
select s.store,
       'gid://shopify/Order/' || (5600000000 + g),
       case s.store when 'bannos' then 'B' else 'F' end || (18000 + g),
       'Customer ' || g,
       (array['Celebration Cake', 'Sponge Cake', 'Cupcake Box', 'Wedding Tier'])[1 + g % 4],
       (array['Vanilla', 'Chocolate', 'Red Velvet', 'Lemon'])[1 + g % 4],
       (array['Small', 'Medium', 'Large'])[1 + g % 3],
       1 + g % 2,
       current_date + (g % 5),
       st.stage,
       ('e0000000-0000-4000-8000-00000000000' || (1 + g % 3))::uuid,
       'BK-' || lpad(g::text, 10, '0'),
       now() - interval '5 hours',
       case when st.rank >= 2 then now() - interval '4 hours' end,
       case when st.rank >= 3 then now() - interval '3 hours' end,
       case when st.rank >= 4 then now() - interval '2 hours' end,
       case when st.rank >= 4 then now() - interval '90 minutes' end,
       case when st.rank >= 5 then now() - interval '1 hour' end,
       now() - interval '1 day' - g * interval '10 minutes',
       now() - interval '30 minutes'
from generate_series(1, 40) g
cross join lateral (select case when g % 2 = 0 then 'bannos' else 'flourlane' end as store) s
cross join lateral (select (array['Filling', 'Covering', 'Decorating', 'Packing', 'Complete'])[1 + g % 5] as stage,
                           1 + g % 5 as rank) st;

insert into public.stage_events (order_id, stage, event, staff_id, created_at)
select o.id, 'Filling', 'barcode_printed', o.assignee_id, o.barcode_printed_at from public.orders o;
insert into public.stage_events (order_id, stage, event, staff_id, created_at)
select o.id, 'Filling', 'complete', o.assignee_id, o.filling_complete_ts from public.orders o where o.filling_complete_ts is not null;
insert into public.stage_events (order_id, stage, event, staff_id, created_at)
select o.id, 'Packing', 'complete', o.assignee_id, o.packing_complete_ts from public.orders o where o.packing_complete_ts is not null;

insert into public.components (store, sku, name, on_hand, shopify_inventory_item_id)
select st, 'CMP-' || lpad(g::text, 3, '0'), (array['Cake board', 'Box 8in', 'Ribbon', 'Candles', 'Topper'])[g], 100 - g * 7,
       'gid://shopify/InventoryItem/' || (4400000000 + g + case st when 'bannos' then 0 else 100 end)
from unnest(array['bannos', 'flourlane']) st, generate_series(1, 5) g;

-- work queue: mostly done, a small pending backlog, one retrying after an error, one locked now
insert into public.work_queue (topic, payload, status, retry_count, next_retry_at, locked_at, locked_by, created_at, updated_at)
select (array['inventory_push', 'reconcile', 'order_sync'])[1 + g % 3],
       jsonb_build_object('demo', g), 'done', case when g % 11 = 0 then 1 else 0 end, null, null, null,
       now() - g * interval '7 minutes', now() - g * interval '7 minutes' + interval '3 seconds'
from generate_series(1, 60) g;
insert into public.work_queue (topic, payload, status, retry_count, next_retry_at, locked_at, locked_by, created_at, updated_at)
values
  ('inventory_push', '{"sku": "CMP-001", "store": "bannos"}',    'pending', 0, null, null, null, now() - interval '40 seconds', now() - interval '40 seconds'),
  ('inventory_push', '{"sku": "CMP-002", "store": "flourlane"}', 'pending', 0, null, null, null, now() - interval '25 seconds', now() - interval '25 seconds'),
  ('reconcile',      '{"store": "bannos"}',                      'pending', 0, null, now() - interval '10 seconds', 'inventory-worker:edge-1',
   now() - interval '70 seconds', now() - interval '10 seconds'),
  ('order_sync',     '{"order_number": "B18012"}',               'error',   1, now() + interval '2 minutes', null, null,
   now() - interval '3 minutes', now() - interval '1 minute');
update public.work_queue set last_error = 'Shopify 429 Too Many Requests (demo)' where status = 'error';

insert into public.worker_heartbeats (worker_id, last_processed_at, items_per_min, error_rate, updated_at) values
  ('inventory-worker', now() - interval '1 minute', 4.50, 0.0120, now() - interval '1 minute');

insert into public.settings (store, key, value) values
  ('bannos',    'shop_domain', '"bannos.myshopify.com"'),
  ('flourlane', 'shop_domain', '"flourlane.myshopify.com"'),
  ('bannos',    'due_date_lead_days', '2'),
  ('flourlane', 'due_date_lead_days', '2');
