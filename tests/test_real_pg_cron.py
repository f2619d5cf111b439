"""The scheduler family against REAL pg_cron (Debian postgresql-15-cron), not the demo's stand-in."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from opsverify_demo.postgres import free_port
from opsverify.checklist import load_checklists
from opsverify.engine import Run
from opsverify.environment import load_environment
from opsverify.families import scheduler
from opsverify.outcome import Status

from .helpers import ROOT
from .kit import real_binary

pytestmark = pytest.mark.needs_real_server
PGBIN = "/usr/lib/postgresql/15/bin"


class _Cluster:
    """A real PostgreSQL 15 with pg_cron preloaded on 127.0.0.1, its files in a scratch folder."""

    def __init__(self, cron_database: str = "postgres") -> None:
        real_binary(f"{PGBIN}/postgres", "postgresql-15")
        if not Path("/usr/lib/postgresql/15/lib/pg_cron.so").exists():
            real_binary("/usr/lib/postgresql/15/lib/pg_cron.so", "postgresql-15-cron")  # skips, or fails in CI
        self.user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="opsverify-pgcron-"))
        os.chmod(self.root, 0o755)
        if self.user:
            shutil.chown(self.root, self.user)
        self.port = free_port()
        self.data = self.root / "data"
        self._run(f"{PGBIN}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                       f"shared_preload_libraries = 'pg_cron'\ncron.database_name = '{cron_database}'\nfsync = off\n")
        self._run(f"{PGBIN}/pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "30", "start")

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def restart_with(self, settings: str) -> None:
        """`settings` added to postgresql.conf (a later line wins), and the server restarted: that is when
        `shared_preload_libraries` and `cron.*` are read. (ALTER SYSTEM would write an empty list as '""'.)"""
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(settings + "\n")
        self._run(f"{PGBIN}/pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-m", "fast", "-w", "-t",
                  "30", "restart")

    def wait_for_launcher(self, database: str) -> None:
        """pg_cron's launcher connects to its database after the server is up: wait (bounded) until it has."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            for _ in range(300):
                if conn.execute("select 1 from pg_stat_activity where application_name = 'pg_cron scheduler'"
                                " and datname = %s", (database,)).fetchone():
                    return
                time.sleep(0.1)
        raise AssertionError(f"no pg_cron launcher connected to {database}; see {self.root / 'log'}")

    def stop(self) -> None:
        subprocess.run([f"{PGBIN}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"], user=self.user,
                       cwd=self.root, capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *args) -> None:
        subprocess.run(args, user=self.user, cwd=self.root, capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def pg_cron():
    cluster = _Cluster()
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
        cluster.wait_for_launcher("postgres")
        yield cluster.url()
    finally:
        cluster.stop()


def _outcomes(url: str, tmp_path: Path, system: str = "cheersai", checks: list | None = None) -> dict[str, object]:
    """The scheduler items of the shipped checklists (or `checks`), against `url` as `system`'s database."""
    env_dir = tmp_path / "environments"
    env_dir.mkdir(exist_ok=True)
    (env_dir / "realcron.yaml").write_text(
        f"name: realcron\nsystems:\n  {system}:\n    database: ${{REAL_CRON_URL}}\n")
    os.environ["REAL_CRON_URL"] = url
    try:
        env = load_environment(env_dir, "realcron")
    finally:
        del os.environ["REAL_CRON_URL"]
    if checks is None:
        # the system's own: a team's system added to checklists/ is not configured here (and is none of this test's)
        checks = [c for c in load_checklists(ROOT / "checklists") if c.family == "scheduler" and c.system == system]
    run = Run(env)
    try:
        results = run.evaluate(checks)
    finally:
        run.close()
    return {c.id: results[f"{c.system}:{c.key}"] for c in checks}


def test_scheduler_checks_against_real_pg_cron(pg_cron, tmp_path):
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        assert conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        # what the cheersai runbook wants: no publish-queue job, the other two on their cadence
        conn.execute("select cron.schedule('materialise-weekly', '0 5 * * *', 'select 1')")
        conn.execute("select cron.schedule('media-derivatives', '*/15 * * * *', 'select 1')")
        healthy = _outcomes(pg_cron, tmp_path)
        # C8 wants 05:00 London every day: pg_cron 1.4 has no cron.timezone and runs in GMT, where that is 05:00 in
        # winter and 04:00 in summer — no one line, whatever the date of the run
        assert {k: o.status for k, o in healthy.items()} == {"C7": Status.PASSED, "C8": Status.ERROR,
                                                              "C9": Status.PASSED}, healthy
        assert healthy["C8"].observed.startswith("cannot convert '0 5 * * *' from Europe/London to GMT: the dates it"
                                                 " fires on"), healthy["C8"].observed
        assert healthy["C8"].evidence["server_timezone"] == "GMT"  # pg_cron 1.4 has no cron.timezone

        # someone re-enables the Supabase scheduler for publish-queue: C7 must go red
        conn.execute("select cron.schedule('publish-queue', '* * * * *', 'select 1')")
        enabled = _outcomes(pg_cron, tmp_path)
        assert enabled["C7"].status is Status.FAILED
        assert "'publish-queue' is active" in enabled["C7"].observed

        # disabled again through cron.alter_job: C7 passes, the job is present but inactive
        jobid = conn.execute("select jobid from cron.job where jobname = 'publish-queue'").fetchone()[0]
        conn.execute("select cron.alter_job(%s, active := false)", (jobid,))
        disabled = _outcomes(pg_cron, tmp_path)
        assert disabled["C7"].status is Status.PASSED and "inactive" in disabled["C7"].observed

        # a wrong cadence and an unscheduled job are caught
        conn.execute("select cron.schedule('media-derivatives', '0 * * * *', 'select 1')")
        conn.execute("select cron.unschedule('materialise-weekly')")
        broken = _outcomes(pg_cron, tmp_path)
        assert broken["C9"].status is Status.FAILED and "'0 * * * *'" in broken["C9"].observed
        assert broken["C8"].status is Status.FAILED and "no job named 'materialise-weekly'" in broken["C8"].observed


def test_a_checker_that_row_level_security_filters_is_told_not_passed(pg_cron, tmp_path):
    """cron.job shows each role only its own jobs: a checker without BYPASSRLS would read "no job" for a job
    that runs — C7 (publish-queue must be off) must not pass on that."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('publish-queue', '* * * * *', 'select 1')").fetchone()[0]
        conn.execute("select cron.alter_job(%s, active := true)", (jobid,))  # an earlier test may have paused it
        conn.execute("drop role if exists filtered_checker")
        conn.execute("create role filtered_checker login in role pg_read_all_data")
        try:
            filtered = _outcomes(pg_cron.replace("postgres@", "filtered_checker@", 1), tmp_path)
            assert filtered["C7"].status is Status.ERROR, filtered["C7"]
            assert "row level security on cron.job" in filtered["C7"].observed
            assert "BYPASSRLS" in filtered["C7"].observed
            conn.execute("alter role filtered_checker bypassrls")
            allowed = _outcomes(pg_cron.replace("postgres@", "filtered_checker@", 1), tmp_path)
            assert allowed["C7"].status is Status.FAILED and "'publish-queue' is active" in allowed["C7"].observed
        finally:
            conn.execute("select cron.unschedule('publish-queue')")
            conn.execute("drop role filtered_checker")


def _own_outcomes(url: str, tmp_path: Path, items: str) -> dict[str, object]:
    """The scheduler items given here (a team's own checklist), against `url`."""
    (tmp_path / "checklists").mkdir(exist_ok=True)
    (tmp_path / "checklists" / "shop.yaml").write_text("system: shop\nrunbook: r.md\nitems:\n" + items)
    return _outcomes(url, tmp_path, "shop", load_checklists(tmp_path / "checklists"))


def _item(item_id: str, params: str) -> str:
    return (f"  - {{id: {item_id}, name: job, section: Cron, title: t, family: scheduler, cadence: postdeploy,"
            f" severity: normal, params: {params}}}\n")


def test_a_cron_timezone_that_pg_cron_before_1_5_ignores_is_not_believed(pg_cron, tmp_path):
    """pg_cron 1.4 takes `cron.timezone` as a placeholder and still runs in GMT: 05:00 Berlin in January is
    '0 4 * 1 *' there, never '0 5 * 1 *' (whatever the date of the run)."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        if tuple(int(n) for n in version.split("-")[0].split(".")[:2]) >= (1, 5):
            pytest.skip(f"pg_cron {version} reads cron.timezone")
        conn.execute("alter database postgres set cron.timezone = 'Europe/Berlin'")
        conn.execute("select cron.schedule('berlin-five', '0 5 * 1 *', 'select 1')")
        conn.execute("select cron.schedule('berlin-four', '0 4 * 1 *', 'select 1')")
        try:
            berlin = _own_outcomes(pg_cron, tmp_path, _item(
                "K1", "{job: berlin-five, active: true, schedule: '0 5 * 1 *', timezone: Europe/Berlin}") + _item(
                "K2", "{job: berlin-four, active: true, schedule: '0 5 * 1 *', timezone: Europe/Berlin}"))
        finally:
            conn.execute("select cron.unschedule('berlin-five')")
            conn.execute("select cron.unschedule('berlin-four')")
            conn.execute("alter database postgres reset cron.timezone")
    assert berlin["K1"].status is Status.FAILED, berlin["K1"]
    assert berlin["K1"].evidence["server_timezone"] == "GMT"
    assert berlin["K2"].status is Status.PASSED, berlin["K2"]


def test_a_cron_job_table_without_pg_cron_is_not_read_as_jobs(pg_cron, tmp_path):
    """A hand-made cron.job in a database without the extension: no scheduler runs its rows."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop database if exists fakecron")
        conn.execute("create database fakecron")
    url = pg_cron.rsplit("/", 1)[0] + "/fakecron"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create schema cron; create table cron.job (jobid bigint, jobname text, schedule text,"
                         " active boolean); insert into cron.job values (1, 'publish-queue', '0 5 * * *', true)")
        fake = _own_outcomes(url, tmp_path, _item("K1", "{job: publish-queue, active: true}")
                             + _item("K2", "{job: off-job, active: false}"))
        assert {k: o.status for k, o in fake.items()} == {"K1": Status.ERROR, "K2": Status.ERROR}, fake
        assert "is not pg_cron's" in fake["K1"].observed
        with psycopg.connect(url, autocommit=True) as conn:  # a cron.job of another shape: named as such
            conn.execute("alter table cron.job drop column active")
        other = _own_outcomes(url, tmp_path, _item("K1", "{job: publish-queue, active: true}"))
        assert other["K1"].status is Status.ERROR and "cron.job in database" in other["K1"].observed, other
    finally:
        with psycopg.connect(pg_cron, autocommit=True) as conn:
            conn.execute("drop database fakecron with (force)")


def _version_of(conn) -> tuple[int, ...]:
    version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
    return tuple(int(n) for n in version.split("-")[0].split(".")[:2])


def test_a_job_scheduled_in_another_database_is_judged_there(pg_cron, tmp_path):
    """cron.schedule_in_database keeps the job in `postgres` and runs it in `cronapp`: an item about
    `postgres` does not count it; `database: cronapp` does."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop database if exists cronapp")
        conn.execute("create database cronapp")
        jobid = conn.execute("select cron.schedule_in_database('app-nightly', '0 3 * * *', 'select 1', 'cronapp')"
                             ).fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: app-nightly, active: true}")
                                 + _item("K2", "{job: app-nightly, active: true, database: cronapp,"
                                               " schedule: '0 3 * * *'}")
                                 + _item("K3", "{job: app-nightly, active: false}")
                                 + _item("K4", "{job: app-nightly, active: false, database: postgres}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
            conn.execute("drop database cronapp")
    # K3: "disabled" here, while it runs in cronapp and no database is named, cannot be told; K4 names this one
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.PASSED,
                                                       "K3": Status.ERROR, "K4": Status.PASSED}, seen
    assert f"jobid {jobid} runs in cronapp" in seen["K1"].observed
    assert seen["K2"].evidence["jobs"][0]["database"] == "cronapp"


def test_a_disabled_copy_here_does_not_pass_a_job_active_in_another_database(pg_cron, tmp_path):
    """The job runs in `cronapp` as its owner; an old copy of the name, postgres's own, is disabled in `postgres`:
    an item without `database:` cannot tell which is meant, as without the copy — never "present but inactive"."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop database if exists cronapp")
        conn.execute("create database cronapp")
        conn.execute("drop role if exists cronapp_owner")
        conn.execute("create role cronapp_owner login")
        running = conn.execute("select cron.schedule_in_database('app-publish', '* * * * *', 'select 1', 'cronapp',"
                               " 'cronapp_owner')").fetchone()[0]
        copy = conn.execute("select cron.schedule('app-publish', '* * * * *', 'select 1')").fetchone()[0]
        conn.execute("select cron.alter_job(%s, active := false)", (copy,))
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: app-publish, active: false}")
                                 + _item("K2", "{job: app-publish, active: false, database: postgres}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (running,))
            conn.execute("select cron.unschedule(%s)", (copy,))
            conn.execute("drop database cronapp")
            conn.execute("drop role cronapp_owner")
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.ERROR, "K2": Status.PASSED}, seen
    assert f"(jobid {copy} there is inactive), but one is active elsewhere (jobid {running} in cronapp)" \
        in seen["K1"].observed, seen["K1"].observed


def test_a_checker_that_may_not_read_cron_timezone_is_told_the_grant(pg_cron, tmp_path):
    """pg_cron >= 1.5 keeps cron.timezone from roles without pg_read_all_settings: the item that needs the
    zone is an error naming the grant; the others are judged. (The job is not a superuser's: whether pg_cron runs
    one of those takes cron.enable_superuser_jobs, superuser-only as well.)"""
    items = (_item("K1", "{job: tz-five, active: true, schedule: '0 5 * * *', timezone: Etc/UTC}")
             + _item("K2", "{job: tz-five, active: true, schedule: '0 5 * * *'}"))
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = _version_of(conn)
        conn.execute("drop role if exists tz_checker")
        conn.execute("create role tz_checker login bypassrls in role pg_read_all_data")
        conn.execute("drop role if exists tz_owner")
        conn.execute("create role tz_owner login")
        jobid = conn.execute("select cron.schedule_in_database('tz-five', '0 5 * * *', 'select 1', 'postgres',"
                             " 'tz_owner')").fetchone()[0]
        url = pg_cron.replace("postgres@", "tz_checker@", 1)
        try:
            refused = _own_outcomes(url, tmp_path, items)
            conn.execute("grant pg_read_all_settings to tz_checker")
            granted = _own_outcomes(url, tmp_path, items)
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
            conn.execute("drop role tz_checker")
            conn.execute("drop role tz_owner")
    assert refused["K2"].status is Status.PASSED, refused["K2"]
    assert granted["K1"].status is Status.PASSED, granted["K1"]  # cron.timezone's default, GMT, is UTC all day
    if version >= (1, 5):
        assert refused["K1"].status is Status.ERROR, refused["K1"]
        assert "grant pg_read_all_settings to tz_checker" in refused["K1"].observed
    else:
        assert refused["K1"].status is Status.PASSED, refused["K1"]  # GMT: nothing to read


@pytest.fixture
def pg_cron_in_app():
    """pg_cron installed in database `app` (CREATE EXTENSION works only in cron.database_name, so the server
    starts with it set to `app`), one job there, and a checker role as the suite's (no superuser, no
    pg_read_all_stats: pg_stat_activity shows it other roles' sessions without their backend_type; pg_cron's settings
    it reads, as the README's checker role does)."""
    cluster = _Cluster(cron_database="app")
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create database app")
            conn.execute("create role checker login bypassrls in role pg_read_all_data, pg_read_all_settings")
        with psycopg.connect(cluster.url("app"), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            conn.execute("select cron.schedule('nightly', '0 5 * * *', 'select 1')")
        cluster.wait_for_launcher("app")
        yield cluster
    finally:
        cluster.stop()


def test_jobs_no_pg_cron_launcher_reads_fail_the_items_that_need_them_running(pg_cron_in_app, tmp_path):
    """The extension (and its version) stays in `app` when the launcher runs elsewhere or not at all. Elsewhere, it
    reads cron.job there only: `app`'s table was left behind, and what runs may be anything — no item is judged from
    it. Not at all, the jobs never run: an active item fails; an item that wants a job off is satisfied as before."""
    cluster = pg_cron_in_app
    items = (_item("K1", "{job: nightly, active: true, schedule: '0 5 * * *'}")
             + _item("K2", "{job: publish-queue, active: false}") + _item("K3", "{job: nightly, active: false}"))
    as_checker = cluster.url("app", "checker")
    healthy = _own_outcomes(as_checker, tmp_path, items)
    assert {k: o.status for k, o in healthy.items()} == {"K1": Status.PASSED, "K2": Status.PASSED,
                                                          "K3": Status.FAILED}, healthy

    cluster.restart_with("cron.database_name = 'postgres'")  # (a) the launcher reads postgres's cron.job
    cluster.wait_for_launcher("postgres")
    elsewhere = _own_outcomes(as_checker, tmp_path, items)
    assert {k: o.status for k, o in elsewhere.items()} == {"K1": Status.ERROR, "K2": Status.ERROR,
                                                            "K3": Status.ERROR}, elsewhere
    for outcome in elsewhere.values():  # seen by a checker without pg_read_all_stats (its backend_type hidden)
        assert ("no pg_cron scheduler reads cron.job in database app: pg_cron's launcher ('pg_cron scheduler' in"
                " pg_stat_activity) is connected to database postgres") in outcome.observed, outcome.observed
        assert "point the system's database at the database pg_cron runs in (cron.database_name: postgres)" \
            in outcome.observed

    cluster.restart_with("shared_preload_libraries = ''")  # (b) no launcher at all
    with psycopg.connect(cluster.url("app"), autocommit=True) as conn:
        assert conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
    unloaded = _own_outcomes(as_checker, tmp_path, items)
    assert {k: o.status for k, o in unloaded.items()} == {"K1": Status.FAILED, "K2": Status.PASSED,
                                                          "K3": Status.FAILED}, unloaded
    assert "no pg_cron scheduler is connected to database app" in unloaded["K1"].observed
    # a client naming its session as the launcher does (PGAPPNAME): the checker sees its backend_type, a client's
    impostor = psycopg.connect(as_checker, autocommit=True, application_name="pg_cron scheduler")
    try:
        named_so = _own_outcomes(as_checker, tmp_path, items)
    finally:
        impostor.close()
    assert named_so["K1"].status is Status.FAILED, named_so["K1"]


def test_a_stored_schedule_pg_cron_cannot_read_fails(pg_cron, tmp_path):
    """cron.schedule refuses these, an UPDATE of cron.job does not: pg_cron then logs "invalid pg_cron schedule"
    and never runs the job (an interval too, below pg_cron 1.5)."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        # pg_cron splits fields on spaces and tabs only: an NBSP or a vertical tab leaves four
        unreadable = ["0 5 * * 8", "0 5/24 * * 1", "0\u00a05 * * 1", "0\x0b5 * * 1"] + (
            ["30 seconds"] if _version_of(conn) < (1, 5) else [])
        jobid = conn.execute("select cron.schedule('weekly', '0 5 * * 1', 'select 1')").fetchone()[0]
        seen = {}
        try:
            for stored in unreadable:
                conn.execute("update cron.job set schedule = %s where jobid = %s", (stored, jobid))
                seen[stored] = _own_outcomes(pg_cron, tmp_path, _item(
                    "K1", "{job: weekly, active: true, schedule: '0 5 * * 1'}"))["K1"]
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    for stored, outcome in seen.items():
        assert outcome.status is Status.FAILED, outcome
        assert f"pg_cron cannot read the stored schedule of jobid {jobid} ('" in outcome.observed  # (shown escaped)
        assert "the job never runs" in outcome.observed


# a line break ends a field, but pg_cron parts fields by spaces and tabs only (its Skip_Blanks)
BROKEN_OVER_LINES = ["0 5\n * * *", "0\n5 * * *", "0 5 * *\n *", "1\n,2 * * * *", "0 5\r\n* * *", "#c\n0 5\n* * *"]
AFTER_THE_FIFTH = ["0 5 * * *\n", "0 5 * * *\nextra", "0 5 * * * \n# a note", "0 5 * * *\r\n", "0 5 * *\t*\n"]


def test_stored_schedules_over_lines_are_read_as_pg_cron_reads_them(pg_cron, tmp_path):
    """cron.schedule refuses each of BROKEN_OVER_LINES (the parser the launcher reads cron.job with: stored by an
    UPDATE, the launcher logs "invalid pg_cron schedule" and never runs the job) and takes AFTER_THE_FIFTH; the
    family agrees with it on each, and fails the job stored with the first as never running."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        refused = {}
        for stored in BROKEN_OVER_LINES + AFTER_THE_FIFTH:
            try:
                jobid = conn.execute("select cron.schedule('probe', %s, 'select 1')", (stored,)).fetchone()[0]
                conn.execute("select cron.unschedule(%s)", (jobid,))
                refused[stored] = False
            except psycopg.errors.InvalidParameterValue:
                refused[stored] = True
        jobid = conn.execute("select cron.schedule('nightly', '0 5 * * *', 'select 1')").fetchone()[0]
        conn.execute("update cron.job set schedule = %s where jobid = %s", (BROKEN_OVER_LINES[0], jobid))
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: nightly, active: true}")
                                 + _item("K2", "{job: nightly, active: true, schedule: '0 5 * * *'}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert refused == {stored: stored in BROKEN_OVER_LINES for stored in refused}, refused
    assert {stored: scheduler.stored_schedule_problem(stored, version) is not None for stored in refused} == refused
    for outcome in seen.values():
        assert outcome.status is Status.FAILED, outcome
        assert (f"pg_cron cannot read the stored schedule of jobid {jobid} ('0 5\\x0a * * *': field 3 starts on a"
                f" line break") in outcome.observed, outcome.observed  # (the line break shown escaped)


def test_another_roles_job_of_the_same_name_counts(pg_cron, tmp_path):
    """pg_cron's job names are unique per (jobname, username): alice's `nightly` every minute runs too."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop role if exists alice")
        conn.execute("create role alice login")
        jobid = conn.execute("select cron.schedule('nightly', '0 5 * * *', 'select 1')").fetchone()[0]
        theirs = conn.execute("insert into cron.job (schedule, command, username, jobname)"
                              " values ('* * * * *', 'select 1', 'alice', 'nightly') returning jobid").fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: nightly, active: true, schedule: '0 5 * * *'}"))
        finally:
            conn.execute("delete from cron.job where jobid in (%s, %s)", (jobid, theirs))
            conn.execute("drop role alice")
    assert seen["K1"].status is Status.FAILED, seen["K1"]
    assert f"jobid {theirs} (owned by alice) runs on '* * * * *'" in seen["K1"].observed


@pytest.mark.parametrize("stored", ["* * * * * *", "* ** * * *"])
def test_a_schedule_pg_cron_takes_is_not_failed_as_unreadable(pg_cron, tmp_path, stored):
    """cron.schedule itself takes these (a sixth field ignored, `**` read as `*`): the job runs."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('loose', %s, 'select 1')", (stored,)).fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: loose, active: true}"))["K1"]
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert seen.status is Status.PASSED, seen


@pytest.fixture
def checker_of(pg_cron):
    """A checker role that reads cron.job, pg_cron's settings (pg_read_all_settings, as the README's checker role)
    and what PUBLIC may, bypassing row level security, and an admin connection. (Not in pg_read_all_data: that role
    reads pg_stat_activity whatever PUBLIC may.)"""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop role if exists plain_checker")
        conn.execute("create role plain_checker login bypassrls in role pg_read_all_settings")
        conn.execute("grant usage on schema cron to plain_checker; grant select on cron.job to plain_checker")
        jobid = conn.execute("select cron.schedule('nightly-plain', '0 5 * * *', 'select 1')").fetchone()[0]
        try:
            yield conn, pg_cron.replace("postgres@", "plain_checker@", 1)
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
            conn.execute("drop owned by plain_checker")  # its grants on cron
            conn.execute("drop role plain_checker")


PLAIN_ITEMS = _item("K1", "{job: nightly-plain, active: true}") + _item("K2", "{job: publish-plain, active: false}")


def test_a_revoked_pg_stat_activity_errors_only_the_items_that_need_a_scheduler(checker_of, tmp_path):
    conn, url = checker_of
    conn.execute("revoke select on pg_catalog.pg_stat_activity from public")
    try:
        seen = _own_outcomes(url, tmp_path, PLAIN_ITEMS)
    finally:
        conn.execute("grant select on pg_catalog.pg_stat_activity to public")
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.ERROR, "K2": Status.PASSED}, seen
    assert "grant select on pg_catalog.pg_stat_activity to plain_checker" in seen["K1"].observed


def test_a_checker_shown_only_its_own_sessions_cannot_tell_whether_the_scheduler_runs(checker_of, tmp_path):
    """A provider that shows each role only its own sessions (simulated: pg_stat_activity filtered so)."""
    conn, url = checker_of
    original = conn.execute("select pg_get_viewdef('pg_catalog.pg_stat_activity')").fetchone()[0].rstrip().rstrip(";")
    conn.execute("set allow_system_table_mods = on")
    conn.execute(f"create or replace view pg_catalog.pg_stat_activity as {original}"
                 f" where pg_has_role(s.usesysid, 'USAGE')")
    # a session of a role the checker is a member of is shown it: it proves nothing of the sessions hidden
    conn.execute("drop role if exists app_owner")
    conn.execute("create role app_owner login; grant app_owner to plain_checker")
    member = psycopg.connect(url.replace("plain_checker@", "app_owner@", 1), autocommit=True)
    try:
        hidden = _own_outcomes(url, tmp_path, PLAIN_ITEMS)
    finally:
        member.close()
        conn.execute(f"create or replace view pg_catalog.pg_stat_activity as {original}")
        conn.execute("reset allow_system_table_mods")
        conn.execute("drop role app_owner")
    assert {k: o.status for k, o in hidden.items()} == {"K1": Status.ERROR, "K2": Status.PASSED}, hidden
    assert "cannot tell whether a pg_cron scheduler runs" in hidden["K1"].observed
    assert "pg_read_all_stats" in hidden["K1"].observed
    assert _own_outcomes(url, tmp_path, PLAIN_ITEMS)["K1"].status is Status.PASSED


def test_a_standby_is_told_to_point_at_the_primary(pg_cron, tmp_path):
    """cron.job replicates to a hot standby, where no pg_cron launcher runs."""
    primary = pg_cron.rsplit(":", 1)[1].split("/")[0]
    root = Path(tempfile.mkdtemp(prefix="opsverify-standby-"))
    user = "postgres" if os.geteuid() == 0 else None
    os.chmod(root, 0o755)
    if user:
        shutil.chown(root, user)
    port, data = free_port(), root / "data"
    run = dict(user=user, cwd=root, capture_output=True, text=True, timeout=60, check=True)
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('nightly-replicated', '0 5 * * *', 'select 1')").fetchone()[0]
    try:
        subprocess.run([f"{PGBIN}/pg_basebackup", "-h", "127.0.0.1", "-p", primary, "-U", "postgres", "-D", str(data),
                        "-R", "-X", "stream"], **run)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {port}\nunix_socket_directories = '{root}'\n")
        subprocess.run([f"{PGBIN}/pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-t", "30", "start"], **run)
        standby = pg_cron.replace(f":{primary}/", f":{port}/", 1)
        seen = _own_outcomes(standby, tmp_path, _item("K1", "{job: nightly-replicated, active: true}")
                             + _item("K2", "{job: publish-replicated, active: false}"))
    finally:
        subprocess.run([f"{PGBIN}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], user=user, cwd=root,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
        with psycopg.connect(pg_cron, autocommit=True) as conn:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.ERROR, "K2": Status.PASSED}, seen
    assert "the database is a standby (in recovery)" in seen["K1"].observed


@pytest.mark.parametrize("name", ["refresh-materialized-view-customer-lifetime-value-and-churn-scores-nightly",
                                  "j" * 62 + "\u00e9" + "x" * 10])  # the two-byte é straddles byte 63
def test_a_job_name_longer_than_postgres_keeps_is_found_as_it_is_stored(pg_cron, tmp_path, name):
    """cron.job.jobname is a `name`: cron.schedule keeps its first 63 bytes (a character the cut would split goes
    whole), and cron.unschedule finds the job by the full name. `active: false` must not pass while it runs."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("select cron.schedule(%s, '0 5 * * *', 'select 1')", (name,))
        stored = conn.execute("select jobname from cron.job where jobname = %s::name", (name,)).fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", f"{{job: '{name}', active: false}}")
                                 + _item("K2", f"{{job: '{name}', active: true, schedule: '0 5 * * *'}}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (name,))
    assert len(stored.encode()) <= 63 and name.startswith(stored), stored
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.PASSED}, seen
    assert f"'{stored}'" in seen["K1"].evidence["jobname_as_stored"]


def test_a_range_written_high_to_low_that_pg_cron_takes_fails_as_never_running(pg_cron, tmp_path):
    """pg_cron takes `5-1 * * * *` and sets no minute from it: the job never runs (seen on 1.4: 0 runs)."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('backwards', '5-1 * * * *', 'select 1')").fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: backwards, active: true}"))["K1"]
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert seen.status is Status.FAILED, seen
    assert f"pg_cron fires the stored schedule of jobid {jobid} ('5-1 * * * *'" in seen.observed
    assert "the job never runs" in seen.observed


def test_a_schedule_of_a_date_that_never_comes_is_taken_by_pg_cron_and_fails_as_never_running(pg_cron, tmp_path):
    """pg_cron takes `0 0 31 2 *` (31 February) and fires on the dates there are: the job never runs."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('leapless', '0 0 31 2 *', 'select 1')").fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: leapless, active: true}")
                                 + _item("K2", "{job: leapless, active: false}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.FAILED}, seen
    assert f"pg_cron fires the stored schedule of jobid {jobid} ('0 0 31 2 *': field 3 ('31')" in seen["K1"].observed
    assert "day 31 of month 2 never comes" in seen["K1"].observed and "the job never runs" in seen["K1"].observed


def test_a_yearly_macro_is_judged_by_the_loaded_pg_cron_library(pg_cron, tmp_path):
    """`@yearly` / `@annually`: before 1.6 pg_cron sets January (bit 0) and the job runs on 1 January; from 1.6.0 its
    entry.c sets the month from FIRST_MINUTE (0), below the first month, so no month bit is set and the job never
    runs. Judged by the loaded library, which reads the schedules: the 1.4 here, also with the catalog made to say
    1.6 (as after ALTER EXTENSION pg_cron UPDATE without a restart). This test once wanted them failed there, read
    by extversion; 1.6's reading is tested on facts (tests/test_scheduler.py)."""
    items = (_item("Y1", "{job: year-end, active: true}") + _item("Y2", "{job: year-end, active: true, schedule:"
                                                                        " '@yearly'}")
             + _item("Y3", "{job: annual, active: true, schedule: '@annually'}"))
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        if _version_of(conn) >= (1, 6):
            pytest.skip(f"pg_cron {version} is one whose @yearly never fires: this asks for one before 1.6")
        yearly = conn.execute("select cron.schedule('year-end', '@yearly', 'select 1')").fetchone()[0]
        annual = conn.execute("select cron.schedule('annual', '@annually', 'select 1')").fetchone()[0]
        try:
            before = _own_outcomes(pg_cron, tmp_path / "before", items)
            conn.execute("update pg_extension set extversion = '1.6' where extname = 'pg_cron'")
            try:
                after = _own_outcomes(pg_cron, tmp_path / "after", items)
            finally:
                conn.execute("update pg_extension set extversion = %s where extname = 'pg_cron'", (version,))
        finally:
            conn.execute("select cron.unschedule(%s)", (yearly,))
            conn.execute("select cron.unschedule(%s)", (annual,))
    assert {k: o.status for k, o in before.items()} == dict.fromkeys(("Y1", "Y2", "Y3"), Status.PASSED), before
    assert {k: o.status for k, o in after.items()} == dict.fromkeys(("Y1", "Y2", "Y3"), Status.PASSED), after
    assert "pg_cron_library" not in before["Y1"].evidence, before["Y1"].evidence
    assert after["Y1"].evidence["pg_cron_library"] == (
        "1.4 (defines cron.enable_superuser_jobs, not cron.timezone); extversion 1.6: the server runs an older pg_cron"
        " library than its extension (a restart pending: PostgreSQL loads it at start)"), after["Y1"].evidence


def test_a_range_written_high_to_low_is_read_as_this_pg_cron_reads_it(pg_cron, tmp_path):
    """`0 22-2 * * *` loads (pg_cron 1.6 runs it at 22-2), and is read as the server's pg_cron reads it: before 1.6
    (the 1.4 here) it sets nothing, so the stored job never runs, and an item asking for it cannot be met."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        if _version_of(conn) >= (1, 6):
            pytest.skip(f"pg_cron {version} sets 22-2 with bit_nset: this asks for one before 1.6")
        wraps = conn.execute("select cron.schedule('wraps', '0 22-2 * * *', 'select 1')").fetchone()[0]
        split = conn.execute("select cron.schedule('split', '0 22-23,0-2 * * *', 'select 1')").fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: wraps, active: true, schedule: '0 22-2 * * *'}")
                                 + _item("K2", "{job: split, active: true, schedule: '0 22-2 * * *'}")
                                 + _item("K3", "{job: split, active: true, schedule: '0 0-2,22-23 * * *'}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (wraps,))
            conn.execute("select cron.unschedule(%s)", (split,))
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.ERROR,
                                                      "K3": Status.PASSED}, seen
    assert f"pg_cron fires the stored schedule of jobid {wraps} ('0 22-2 * * *'" in seen["K1"].observed
    assert f"from which pg_cron {version} sets nothing" in seen["K1"].observed
    assert seen["K2"].observed.startswith(f"the item's schedule '0 22-2 * * *' fires on no minute on pg_cron {version}")


def test_an_active_job_pg_cron_cannot_connect_for_fails(pg_cron, tmp_path):
    """Seen on pg_cron 1.4.2: every run of these ends "connection failed" (the server logs `database "gone" does not
    exist`, `role "nologin_owner" is not permitted to log in`): the catalog says so before any run."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop database if exists gone")
        conn.execute("create database gone")
        ghost = conn.execute("select cron.schedule_in_database('ghostdb', '0 5 * * *', 'select 1', 'gone')"
                             ).fetchone()[0]
        conn.execute("drop database gone")
        conn.execute("drop role if exists nologin_owner")
        conn.execute("create role nologin_owner nologin")
        locked = conn.execute("select cron.schedule('nologinjob', '0 5 * * *', 'select 1')").fetchone()[0]
        conn.execute("update cron.job set username = 'nologin_owner' where jobid = %s", (locked,))
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: ghostdb, active: true, database: gone,"
                                                                " schedule: '0 5 * * *'}")
                                 + _item("K2", "{job: nologinjob, active: true, schedule: '0 5 * * *'}"))
        finally:
            conn.execute("delete from cron.job where jobid in (%s, %s)", (ghost, locked))
            conn.execute("drop role nologin_owner")
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.FAILED}, seen
    assert f"jobid {ghost} (its database 'gone' does not exist)" in seen["K1"].observed
    assert f"jobid {locked} (its role 'nologin_owner' cannot log in)" in seen["K2"].observed
    assert all("the job never runs" in o.observed for o in seen.values()), seen


def test_a_database_named_that_does_not_exist_is_an_error_not_a_pass(pg_cron, tmp_path):
    """`database: CRONCASE` for a job active in `croncase`: `active: false` must not pass while it runs."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        conn.execute("drop database if exists croncase")
        conn.execute("create database croncase")
        jobid = conn.execute("select cron.schedule_in_database('otherdb', '0 1 * * *', 'select 1', 'croncase')"
                             ).fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: otherdb, active: false, database: CRONCASE}")
                                 + _item("K2", "{job: otherdb, active: false, database: croncase}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
            conn.execute("drop database croncase")
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.ERROR, "K2": Status.FAILED}, seen
    assert "database 'CRONCASE' does not exist" in seen["K1"].observed
    assert f"jobid {jobid} is active in croncase" in seen["K1"].observed


def test_text_after_the_fifth_field_is_not_compared(pg_cron, tmp_path):
    """pg_cron reads five fields and ignores the rest: `0 5 * * * extra` runs at 05:00 (seen on 1.4.2)."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        jobid = conn.execute("select cron.schedule('a b', '0 5 * * * extra', 'select 1')").fetchone()[0]
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: 'a b', active: true, schedule: '0 5 * * *'}"))
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert seen["K1"].status is Status.PASSED, seen["K1"]
    assert seen["K1"].evidence["ignored_by_pg_cron"] == [f"jobid {jobid}: 'extra' after the fifth field"]


def test_an_active_job_pg_cron_may_not_connect_for_or_connects_elsewhere_for_fails(pg_cron, tmp_path):
    """Seen on pg_cron 1.4.2 (cron.use_background_workers off): every run of these ends "connection failed" (the server
    logs `permission denied for database`, `too many connections for role` / `for database`, or nothing listens at
    the job's nodename:nodeport); a job stored with the server's socket directory runs."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        socket_dir = conn.execute("show unix_socket_directories").fetchone()[0]
        port = conn.execute("show port").fetchone()[0]
        conn.execute("drop database if exists closed_db")
        conn.execute("drop database if exists limited_db")
        conn.execute("create database closed_db")
        conn.execute("revoke connect on database closed_db from public")
        conn.execute("create database limited_db connection limit 0")
        conn.execute("drop role if exists no_connect_role")
        conn.execute("drop role if exists limited_role")
        conn.execute("create role no_connect_role login")
        conn.execute("create role limited_role login connection limit 0")
        # cron.schedule_in_database checks CONNECT when scheduling: revoked after, as a later migration would
        conn.execute("grant connect on database closed_db to no_connect_role")
        jobs = {
            "K1": conn.execute("select cron.schedule_in_database('closed-job', '0 5 * * *', 'select 1', 'closed_db',"
                               " 'no_connect_role')").fetchone()[0],
            "K2": conn.execute("select cron.schedule_in_database('limited-role-job', '0 5 * * *', 'select 1',"
                               " 'postgres', 'limited_role')").fetchone()[0],
            "K3": conn.execute("select cron.schedule_in_database('limited-db-job', '0 5 * * *', 'select 1',"
                               " 'limited_db', 'no_connect_role')").fetchone()[0],
            "K4": conn.execute("select cron.schedule('port-job', '0 5 * * *', 'select 1')").fetchone()[0],
            "K5": conn.execute("select cron.schedule('host-job', '0 5 * * *', 'select 1')").fetchone()[0],
            "K6": conn.execute("select cron.schedule('socket-job', '0 5 * * *', 'select 1')").fetchone()[0],
            "K7": conn.execute("select cron.schedule('healthy-job', '0 5 * * *', 'select 1')").fetchone()[0],
        }
        conn.execute("revoke connect on database closed_db from no_connect_role")
        conn.execute("update cron.job set nodeport = 1 where jobid = %s", (jobs["K4"],))
        conn.execute("update cron.job set nodename = 'db.invalid' where jobid = %s", (jobs["K5"],))
        conn.execute("update cron.job set nodename = %s where jobid = %s", (socket_dir, jobs["K6"]))
        names = {"K1": "closed-job", "K2": "limited-role-job", "K3": "limited-db-job", "K4": "port-job",
                 "K5": "host-job", "K6": "socket-job", "K7": "healthy-job"}
        items = "".join(_item(k, f"{{job: {name}, active: true, schedule: '0 5 * * *'"
                                  f"{', database: ' + name.split('-')[0] + '_db' if k in ('K1', 'K3') else ''}}}")
                        for k, name in names.items())
        try:
            seen = _own_outcomes(pg_cron, tmp_path, items)
        finally:
            conn.execute("delete from cron.job where jobid = any(%s)", (list(jobs.values()),))
            conn.execute("drop database closed_db")
            conn.execute("drop database limited_db")
            conn.execute("drop role no_connect_role")
            conn.execute("drop role limited_role")
    assert {k: o.status for k, o in seen.items()} == {**{k: Status.FAILED for k in ("K1", "K2", "K3", "K4", "K5")},
                                                      "K6": Status.PASSED, "K7": Status.PASSED}, seen
    for key, why in [("K1", "its role 'no_connect_role' has no CONNECT privilege on database 'closed_db'"),
                     ("K2", "its role 'limited_role' has connection limit 0"),
                     ("K3", "its database 'limited_db' has connection limit 0"),
                     ("K4", f"its nodeport 1 is not this server's port {port}"),
                     ("K5", "its nodename 'db.invalid' never resolves")]:
        assert f"jobid {jobs[key]} ({why}" in seen[key].observed, seen[key].observed
        assert "the job never runs" in seen[key].observed, seen[key].observed


def test_listen_addresses_localhost_is_127_0_0_1_not_every_loopback_address(tmp_path):
    """Seen on pg_cron 1.4.2 with `listen_addresses = 'localhost'` where localhost resolves to 127.0.0.1 only: a job
    at 127.0.0.2 ends every run "connection failed" (FAILED here); one at ::1 too, but where localhost also resolves
    to ::1 the server listens there, which the catalog does not show (not judged)."""
    resolved = {info[4][0] for info in socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)}
    if resolved != {"127.0.0.1"}:  # the server would listen on ::1 too; these tests bind 127.0.0.1 only
        pytest.skip(f"localhost resolves to {sorted(resolved)} here, not to 127.0.0.1 only")
    cluster = _Cluster()
    try:
        cluster.restart_with("listen_addresses = 'localhost'")
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            nodes = {"K1": "127.0.0.2", "K2": "::1", "K3": "127.0.0.1", "K4": "localhost"}
            for key, node in nodes.items():
                jobid = conn.execute("select cron.schedule(%s, '0 5 * * *', 'select 1')", (f"job-{key}",)).fetchone()[0]
                conn.execute("update cron.job set nodename = %s where jobid = %s", (node, jobid))
        items = "".join(_item(key, f"{{job: job-{key}, active: true}}") for key in nodes)
        seen = _own_outcomes(cluster.url(), tmp_path, items)
    finally:
        cluster.stop()
    assert {k: o.status for k, o in seen.items()} == {"K1": Status.FAILED, "K2": Status.PASSED,
                                                      "K3": Status.PASSED, "K4": Status.PASSED}, seen
    assert ("its nodename '127.0.0.2' is no address this server listens on (listen_addresses 'localhost')"
            in seen["K1"].observed), seen["K1"].observed


def test_a_job_at_0_0_0_0_reaches_the_server_listening_on_127_0_0_1(pg_cron, tmp_path):
    """cron.host = '0.0.0.0': Linux connects to it as 127.0.0.1, so libpq (as pg_cron opens each run) reaches the
    server there — seen on pg_cron 1.4.2, the job ran every minute."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        port = conn.execute("show port").fetchone()[0]
        assert conn.execute("show listen_addresses").fetchone()[0] == "127.0.0.1"
        jobid = conn.execute("select cron.schedule('zero-host', '0 5 * * *', 'select 1')").fetchone()[0]
        conn.execute("update cron.job set nodename = '0.0.0.0' where jobid = %s", (jobid,))
        try:
            with psycopg.connect(host="0.0.0.0", port=port, user="postgres", dbname="postgres") as zero:
                reached = zero.execute("select host(inet_server_addr())").fetchone()[0]
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: zero-host, active: true}"))["K1"]
        finally:
            conn.execute("select cron.unschedule(%s)", (jobid,))
    assert reached == "127.0.0.1"
    assert seen.status is Status.PASSED, seen
    with psycopg.connect(pg_cron) as conn:  # judged as Linux connects, not left unjudged: the platform is read
        platform = conn.execute(scheduler.SETTINGS).fetchone()[-1]
    assert "-linux" in platform, platform


def _logged(cluster: _Cluster, text: str) -> bool:
    """Whether the server's log says `text` (bounded wait: the launcher loads its jobs just after it starts)."""
    for _ in range(100):
        if text in (cluster.root / "log").read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def test_a_superusers_job_pg_cron_skips_with_cron_enable_superuser_jobs_off_fails(tmp_path):
    """Seen on pg_cron 1.4.2: with `cron.enable_superuser_jobs = off` the launcher logs "skipping job N since superuser
    jobs are currently disallowed" each time it loads the jobs and never runs one a superuser owns; another role's job
    runs. The setting is superuser-only: a checker without pg_read_all_settings is told the grant. A
    `cron.launch_active_jobs` line where pg_cron has no such setting (before 1.5) is a placeholder it never reads."""
    cluster = _Cluster()
    items = (_item("K1", "{job: as-postgres, active: true, schedule: '0 5 * * *'}")
             + _item("K2", "{job: as-owner, active: true, schedule: '0 5 * * *'}"))
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            version = _version_of(conn)
            conn.execute("create role owner_role login")
            conn.execute("create role checker login bypassrls in role pg_read_all_data")  # as the suite's
            jobid = conn.execute("select cron.schedule('as-postgres', '0 5 * * *', 'select 1')").fetchone()[0]
            conn.execute("select cron.schedule_in_database('as-owner', '0 5 * * *', 'select 1', 'postgres',"
                         " 'owner_role')")
        cluster.wait_for_launcher("postgres")
        allowed = _own_outcomes(cluster.url(), tmp_path, items)

        cluster.restart_with("cron.enable_superuser_jobs = off")
        cluster.wait_for_launcher("postgres")
        assert _logged(cluster, f"skipping job {jobid} since superuser jobs are currently disallowed")
        skipped = _own_outcomes(cluster.url(), tmp_path, items)
        refused = _own_outcomes(cluster.url(user="checker"), tmp_path, items)

        cluster.restart_with("cron.enable_superuser_jobs = on\ncron.launch_active_jobs = off")
        cluster.wait_for_launcher("postgres")
        launch_off = _own_outcomes(cluster.url(), tmp_path, items)
    finally:
        cluster.stop()
    assert {k: o.status for k, o in allowed.items()} == {"K1": Status.PASSED, "K2": Status.PASSED}, allowed
    assert {k: o.status for k, o in skipped.items()} == {"K1": Status.FAILED, "K2": Status.PASSED}, skipped
    assert skipped["K1"].observed == (f"pg_cron skips jobid {jobid} (its role 'postgres' is a superuser) while"
                                      f" cron.enable_superuser_jobs is off: the job never runs"), skipped["K1"].observed
    assert {k: o.status for k, o in refused.items()} == {"K1": Status.ERROR, "K2": Status.PASSED}, refused
    assert "grant pg_read_all_settings to checker" in refused["K1"].observed, refused["K1"].observed
    if version < (1, 5):  # a placeholder: both jobs run
        assert {k: o.status for k, o in launch_off.items()} == {"K1": Status.PASSED, "K2": Status.PASSED}, launch_off
    else:  # pg_cron's own setting: no active job runs
        assert {k: o.status for k, o in launch_off.items()} == {"K1": Status.FAILED, "K2": Status.FAILED}, launch_off
        assert "cron.launch_active_jobs is off" in launch_off["K2"].observed, launch_off["K2"].observed


def test_an_active_job_with_no_background_worker_slot_left_for_its_runs_fails(tmp_path):
    """Seen on pg_cron 1.4.2: with `cron.use_background_workers = on` and `max_worker_processes = 2` the pg_cron
    launcher and the logical replication launcher hold both slots, and every run ends `failed` with "could not start
    background process". A checker not shown other roles' backend_type (no pg_read_all_stats) cannot tell: an error."""
    cluster = _Cluster()
    items = _item("K1", "{job: bg, active: true}")
    try:
        cluster.restart_with("cron.use_background_workers = on\nmax_worker_processes = 2")
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            conn.execute("create role checker login bypassrls in role pg_read_all_data, pg_read_all_settings")
            conn.execute("select cron.schedule('bg', '* * * * *', 'select 1')")
        cluster.wait_for_launcher("postgres")
        full = _own_outcomes(cluster.url(), tmp_path, items)["K1"]
        unseen = _own_outcomes(cluster.url(user="checker"), tmp_path, items)["K1"]

        cluster.restart_with("max_worker_processes = 3")
        cluster.wait_for_launcher("postgres")
        free = _own_outcomes(cluster.url(), tmp_path, items)["K1"]
    finally:
        cluster.stop()
    assert full.status is Status.FAILED, full
    assert ("no slot is left for its runs: max_worker_processes is 2, and 2 background workers hold a slot (logical"
            " replication launcher, pg_cron launcher)") in full.observed, full.observed
    assert unseen.status is Status.ERROR and "grant pg_read_all_stats to checker" in unseen.observed, unseen
    assert free.status is Status.PASSED, free


def test_a_placeholder_cron_timezone_on_pg_cron_before_1_5_is_no_sign_of_a_later_library(tmp_path):
    """A loaded pg_cron library of 1.5 on defines cron.timezone (superuser-only) whatever pg_extension's extversion
    says: refused to a checker, or a row of pg_settings, it is taken for a library ahead of its extension. On the
    1.4 here `cron.timezone` set for the server (a line of postgresql.conf: PostgreSQL 15's ALTER SYSTEM refuses a
    parameter no library defines) is a placeholder: readable by any role, in no pg_settings row — no such sign for
    the checker, allowed to read settings or not, nor for a superuser. The items are judged in GMT (05:00 Berlin in
    January is 04:00 there), never an error."""
    cluster = _Cluster()
    items = (_item("K1", "{job: berlin-five, active: true, schedule: '0 5 * 1 *', timezone: Europe/Berlin}")
             + _item("K2", "{job: berlin-four, active: true, schedule: '0 5 * 1 *', timezone: Europe/Berlin}"))
    try:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            version = _version_of(conn)
            if version >= (1, 5):
                pytest.skip(f"pg_cron {version} defines cron.timezone: no placeholder to read")
            conn.execute("create role owner_role login")  # not a superuser's jobs: enable_superuser_jobs aside
            conn.execute("create role bare login bypassrls in role pg_read_all_data")  # as the suite's checker
            conn.execute("create role reader login bypassrls in role pg_read_all_data, pg_read_all_settings")
            for name, schedule in (("berlin-five", "0 5 * 1 *"), ("berlin-four", "0 4 * 1 *")):
                conn.execute("select cron.schedule_in_database(%s, %s, 'select 1', 'postgres', 'owner_role')",
                             (name, schedule))
        cluster.restart_with("cron.timezone = 'Europe/Berlin'")  # read at server start, as pg_cron 1.5 on reads it
        cluster.wait_for_launcher("postgres")
        seen, outcomes = {}, {}
        for user in ("postgres", "bare", "reader"):
            with psycopg.connect(cluster.url(user=user), autocommit=True) as conn:
                seen[user] = conn.execute(scheduler.TIMEZONE).fetchone()
            (tmp_path / user).mkdir()
            outcomes[user] = _own_outcomes(cluster.url(user=user), tmp_path / user, items)
    finally:
        cluster.stop()
    assert seen == dict.fromkeys(("postgres", "bare", "reader"), ("Europe/Berlin", False)), seen
    for user, judged in outcomes.items():
        assert {k: o.status for k, o in judged.items()} == {"K1": Status.FAILED, "K2": Status.PASSED}, (user, judged)
        assert judged["K1"].evidence["server_timezone"] == "GMT", (user, judged["K1"].evidence)
        assert "pg_cron_library" not in judged["K1"].evidence, (user, judged["K1"].evidence)


def test_a_library_behind_its_extension_is_read_as_it_runs(pg_cron, tmp_path):
    """ALTER EXTENSION pg_cron UPDATE without a restart: extversion names the new release, the postmaster still runs
    the old library (shared_preload_libraries is read at start). Made so here by setting extversion to 1.5 on the
    1.4 library, which defines cron.enable_superuser_jobs, not cron.timezone, and refuses '30 seconds' (its launcher
    logs "invalid pg_cron schedule" and never runs the job): the job fails, as the library reads it."""
    with psycopg.connect(pg_cron, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()[0]
        if _version_of(conn) >= (1, 5):
            pytest.skip(f"pg_cron {version} reads intervals: this asks for a library before 1.5")
        tick = conn.execute("select cron.schedule('tick', '* * * * *', 'select 1')").fetchone()[0]
        conn.execute("update cron.job set schedule = '30 seconds' where jobid = %s", (tick,))  # as 1.5 stores it
        conn.execute("update pg_extension set extversion = '1.5' where extname = 'pg_cron'")
        try:
            seen = _own_outcomes(pg_cron, tmp_path, _item("K1", "{job: tick, active: true, schedule: '30 seconds'}"))
        finally:
            conn.execute("update pg_extension set extversion = %s where extname = 'pg_cron'", (version,))
            conn.execute("select cron.unschedule(%s)", (tick,))
    assert seen["K1"].status is Status.FAILED, seen["K1"]
    assert "pg_cron 1.4 has no interval schedules (from 1.5 on)" in seen["K1"].observed, seen["K1"]
    assert seen["K1"].evidence["pg_cron_library"].startswith(
        "1.4 (defines cron.enable_superuser_jobs, not cron.timezone); extversion 1.5: the server runs an older pg_cron"
        " library than its extension"), seen["K1"].evidence
