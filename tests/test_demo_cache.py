"""The demo's seeded-cluster cache: built once, copied after, rows as old as when they were written."""

from __future__ import annotations

import datetime as dt
import shutil

from opsverify_demo import Deployment, pgcache
from opsverify_demo.deployment import CHECKER, SYSTEMS, database_name

WRITTEN_AT = dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.timezone.utc)  # "now()" when the probe rows were written

PROBE = """
create schema app;
create table app.jobs (
  id int primary key,
  ran_at timestamptz,
  logged timestamp,
  due date,
  never_ran timestamptz,
  days_left int generated always as (due - date '2000-01-01') stored,
  updated_at timestamptz
);
create function app.touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
create trigger touch before update on app.jobs for each row execute function app.touch();
create table public.users (id int primary key, created_at timestamptz);
create view public.recent as select * from app.jobs;
-- written "at" 2020-01-01 12:00 UTC: ran 40 s before, logged (local time) then too, due 2 days after
insert into app.jobs (id, ran_at, logged, due, never_ran, updated_at)
values (1, '2020-01-01 11:59:20+00', '2020-01-01 11:59:20', '2020-01-03', null, '2020-01-01 11:00:00+00');
insert into public.users values (1, '2019-12-02 12:00:00+00');
"""


def test_seed_times_move_forward_by_the_time_passed(demo_deployment):
    pg = demo_deployment.pg
    with pg.admin() as admin:
        admin.execute("drop database if exists shift_probe")
        admin.execute("create database shift_probe")
    try:
        with pg.admin("shift_probe") as conn:
            conn.execute(PROBE)
            now = pgcache.shift_seed_times(conn, WRITTEN_AT)
            ran_at, logged, due, never_ran, days_left, updated_at = conn.execute(
                "select ran_at, logged, due, never_ran, days_left, updated_at from app.jobs").fetchone()
            (created_at,) = conn.execute("select created_at from public.users").fetchone()
        assert now > WRITTEN_AT
        assert now - ran_at == dt.timedelta(seconds=40)  # as old as when written, exactly
        assert now.replace(tzinfo=None) - logged == dt.timedelta(seconds=40)  # the server's time zone is UTC
        assert due == now.date() + dt.timedelta(days=2)
        assert never_ran is None
        assert days_left == (due - dt.date(2000, 1, 1)).days  # the generated column follows
        assert now - updated_at == dt.timedelta(hours=1)  # the update trigger did not fire
        assert now - created_at == dt.timedelta(days=30)  # every schema's tables
    finally:
        with pg.admin() as admin:
            admin.execute("drop database if exists shift_probe with (force)")


def test_the_first_start_builds_the_cache_and_later_ones_copy_it(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with Deployment() as first:
        _assert_usable(first)
    assert "building the demo's database cache (once)" in capfd.readouterr().err
    entries = list((tmp_path / "opsverify").glob("demo-pg-*"))
    assert len(entries) == 1 and (entries[0] / "seeded.json").is_file()

    with Deployment() as second:
        _assert_usable(second)
    assert "database cache" not in capfd.readouterr().err

    shutil.rmtree(entries[0] / "data" / "global")  # a damaged entry: the server cannot start from it
    with Deployment() as third:
        _assert_usable(third)
    assert "the demo's database cache did not start: RuntimeError; building it again" in capfd.readouterr().err
    assert (entries[0] / "data" / "global").is_dir()


def _assert_usable(deployment: Deployment) -> None:
    """This run's passwords work, and the seeds are fresh: bakery's oldest pending job was queued 40 s
    before the seed was written (opsverify_demo/sql/bakery-ops.sql), so no more than a minute ago."""
    import psycopg

    for system in SYSTEMS:
        url = deployment.pg.url(database_name(system), CHECKER, deployment.checker_password)
        with psycopg.connect(url, connect_timeout=10) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    with deployment.pg.admin("bakery_ops") as conn:
        (age,) = conn.execute("select now() - min(created_at) from public.work_queue"
                              " where topic = 'inventory_push' and status = 'pending'").fetchone()
    assert dt.timedelta(seconds=40) <= age < dt.timedelta(seconds=100)
