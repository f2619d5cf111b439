"""The demo's seeded-cluster cache: built once, copied after, rows as old as when they were written."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys

import pytest

from opsverify import exitcodes
from opsverify_demo import Deployment, pgcache
from opsverify_demo.deployment import CHECKER, SYSTEMS, _seed_key, database_name

from .project import Project

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


def _own_cache(demo_deployment, tmp_path, monkeypatch) -> pgcache.SeedCache:
    """A copy of the shared cache's entry, the cache of this test's runs (XDG_CACHE_HOME): a run that loses it
    loses its own, not the entry other tests start from."""
    key = _seed_key(demo_deployment.pg)
    shared = pgcache.SeedCache(key)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    own = pgcache.SeedCache(key)
    subprocess.run(["cp", "-a", str(shared.entry), str(own.entry)], check=True, timeout=60)
    return own


def _copies_end_by(signum: int, tmp_path, monkeypatch) -> None:
    """`cp` as a terminal's Ctrl-C (or a CI job's SIGTERM to the process group) ends it: by the signal, mid-way."""
    stand_in = tmp_path / "bin" / "cp"
    stand_in.parent.mkdir()
    # Python, not sh: a suite started as a background job inherits SIGINT ignored, which sh cannot undo
    name = signal.Signals(signum).name
    stand_in.write_text(f"#!{sys.executable}\nimport os, signal\nsignal.signal(signal.{name}, signal.SIG_DFL)\n"
                        f"os.kill(os.getpid(), signal.{name})\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_copy_ended_by_an_interrupt_keeps_the_cache_and_interrupts_the_start(demo_deployment, tmp_path, monkeypatch,
                                                                              capfd, signum):
    """An interrupted copy is no damaged entry: the entry stays (other runs copy it), nothing is built again, and
    the start ends as interrupted, with nothing of it left."""
    cache = _own_cache(demo_deployment, tmp_path, monkeypatch)
    entry = cache.entry.stat().st_ino
    _copies_end_by(signum, tmp_path, monkeypatch)
    deployment = Deployment()
    with pytest.raises(KeyboardInterrupt):
        deployment.start()
    assert "database cache" not in capfd.readouterr().err  # neither "did not start" nor "building it again"
    assert cache.entry.stat().st_ino == entry and cache.seeded_at() is not None  # the same entry, whole
    assert not deployment.workdir.exists()


def test_a_run_whose_demo_copy_is_interrupted_exits_2_and_keeps_the_cache(demo_deployment, tmp_path, monkeypatch):
    cache = _own_cache(demo_deployment, tmp_path, monkeypatch)
    _copies_end_by(signal.SIGINT, tmp_path, monkeypatch)
    project = Project(tmp_path / "project")
    project.checklist("site", """
    - {id: M1, name: call, section: S, title: someone phones the vendor, family: manual, reason: a phone call}
    """)
    project.environment("demo: true\nsystems: {site: {}}\n", name="demo")
    ran = project.run("--env", "demo", env={"XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], "PATH": os.environ["PATH"]})
    assert ran.code == exitcodes.INTERRUPTED, ran.output[-3000:]
    assert "database cache" not in ran.output and "Traceback" not in ran.output
    assert cache.seeded_at() is not None


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


def test_building_an_entry_removes_all_but_the_recently_used_few(tmp_path):
    """Each venv's binary keys an entry of its own: a day of fresh clones must not keep one each for two weeks. An
    entry used within the hour stays (a run may be copying it), as do the KEEP_RECENT most recently used."""
    root = tmp_path / "cache"
    root.mkdir()
    hours_idle = {"a": 0.1, "b": 0.2, "c": 0.5, "d": 2, "e": 30, "f": 24 * 15}
    for key, hours in hours_idle.items():
        entry = pgcache.SeedCache(key, root).entry
        (entry / "data").mkdir(parents=True)
        (entry / pgcache.SEEDED).write_text("{}")
        when = dt.datetime.now().timestamp() - hours * 3600
        os.utime(entry / pgcache.SEEDED, (when, when))
    data = tmp_path / "cluster"
    data.mkdir()
    (data / "PG_VERSION").write_text("18\n")

    pgcache.SeedCache("new", root).publish(data, {"db": WRITTEN_AT})

    # kept: the three most recently used (the new one, a, b), and c beyond them but used within the hour; d and e
    # are idle beyond the three, f unused for two weeks; nothing half-removed is left behind
    assert sorted(p.name for p in root.iterdir()) == ["demo-pg-a", "demo-pg-b", "demo-pg-c", "demo-pg-new"]
    assert (root / "demo-pg-new" / "data" / "PG_VERSION").read_text() == "18\n"
