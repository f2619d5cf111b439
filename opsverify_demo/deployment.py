"""Start, break, reset and stop the demo deployment.

Start-up overlaps what is slow: the components' slow servers are launched first (moto's S3 takes
about a second to import), the database is copied from a seeded cache (demo/pgcache.py) and the
components that need neither it nor the web host start alongside, in threads; `start` returns
once everything answers. Stopping signals every server at once and waits only for processes.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from psycopg import sql

from opsverify.errors import DemoFailed

from . import components, envs, pgcache, services
from .postgres import CopyFailed, EmbeddedPostgres, free_bytes, scratch_parent, size_of
from .support import say
from .web import WebHost

HERE = Path(__file__).parent
NOT_SUPABASE = {"joslyn-ai"}  # plain Postgres + Prisma; the others start from opsverify_demo/sql/_supabase.sql
FRESH_FOR_S = 60  # a reset moves seeds older than this back to "now"
SYSTEMS = ("sora-studio", "cheersai", "joslyn-ai", "bakery-ops", "commit-to-ship")
CHECKER = "opsverify_checker"  # the read-only role the suite logs in as
API_ROLES = ("anon", "authenticated", "service_role")  # Supabase's, cluster-wide
SEED_RECIPE = "2"  # bump when the cached cluster is made differently (roles, initdb options)
PG_CRON_SYSTEM = "cheersai"  # the system whose database has the pg_cron stand-in (sql/cheersai.sql)


def database_name(system: str) -> str:
    return system.replace("-", "_")


def variable_prefix(system: str) -> str:
    return "DEMO_" + system.replace("-", "_").upper()


class Deployment:
    def __init__(self) -> None:
        self.secrets = envs.make_secrets()
        self.checker_password = envs.demo_secret("checker")
        self.pg: EmbeddedPostgres | None = None
        self.web: WebHost | None = None
        self.switches = services.Switches()
        self.workdir = Path(tempfile.mkdtemp(prefix="opsverify-demo-", dir=scratch_parent()))
        self.applied: list[str] = []
        self._dirty: set[str] = set()
        self._seeded_at: dict[str, dt.datetime] = {}  # server time each database's rows are relative to
        self._loaded_at: dict[str, float] = {}  # when that was made true (monotonic)
        self.components: list = []  # extra servers (redis, clamd, smtp, s3, rpc, platform APIs)
        self.pg_cron_launcher: psycopg.Connection | None = None  # the stand-in's scheduler session

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> "Deployment":
        try:
            with ThreadPoolExecutor(max_workers=8, thread_name_prefix="opsverify-demo-start") as pool:
                try:
                    self._start_all(pool)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # what runs must end before stop() undoes it
                    raise
        except DemoFailed:
            self.stop()
            raise
        except Exception as exc:
            self.stop()
            raise DemoFailed(f"demo deployment failed to start: {type(exc).__name__}: {exc}") from exc
        except BaseException:  # Ctrl-C while starting: nothing left running either
            self.stop()
            raise
        return self

    def _start_all(self, pool: ThreadPoolExecutor) -> None:
        self.components = [component_class() for component_class in components.REGISTRY]  # stop() reaches each
        for component in self.components:  # on this thread: a parent-death signal follows the spawning thread
            if hasattr(component, "launch"):
                component.launch(self)
        self.pg = EmbeddedPostgres(leftovers=(self.workdir,))
        self.pg.watch()
        database = pool.submit(self._start_database, self.pg)
        parallel = [pool.submit(c.start, self) for c in self.components if getattr(c, "PARALLEL", False)]
        self.web = WebHost()
        for (system, service), app in services.build(self).items():
            self.web.add(f"{system}/{service}", app)
        database.result()
        self.hold_pg_cron_launcher()
        for component in self.components:
            if not getattr(component, "PARALLEL", False):
                component.start(self)
        self.web.start()
        for started in parallel:
            started.result()
        self._write_env_files()

    def stop(self) -> None:
        """Every server is told at once; returns when every process the demo started is gone and its
        folders are removed."""
        self.release_pg_cron_launcher()
        stoppable = [*reversed(self.components), *([self.web] if self.web is not None else [])]
        if self.pg is not None:
            stoppable.append(self.pg)
        with ThreadPoolExecutor(max_workers=max(len(stoppable), 1), thread_name_prefix="opsverify-demo-stop") as pool:
            for server in stoppable:
                pool.submit(_stop_quietly, server)
        shutil.rmtree(self.workdir, ignore_errors=True)  # after: the repos component removes its part too
        self.components.clear()
        self.web = None
        self.pg = None

    def __enter__(self) -> "Deployment":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what environments/demo.yaml reads ------------------------------------------
    def variables(self) -> dict[str, str]:
        assert self.pg is not None and self.web is not None
        out: dict[str, str] = {}
        for system in SYSTEMS:
            prefix = variable_prefix(system)
            out[f"{prefix}_DATABASE_URL"] = self.pg.url(database_name(system), CHECKER, self.checker_password)
            for name, value in self.secrets.get(system, {}).items():
                out[f"{prefix}_SECRET_{name}"] = value
        for key, url in self.web.urls.items():
            system, service = key.split("/")
            out[f"{variable_prefix(system)}_{service.replace('-', '_').upper()}_URL"] = url
        for system, service in envs.SERVICE_ENV:
            out[f"{variable_prefix(system)}_{service.replace('-', '_').upper()}_ENV"] = str(self._env_path(system, service))
        for component in self.components:  # repos: per-deployment checkouts (components/repos.py)
            out.update(component.variables())
        return out

    def admin_url(self, system: str) -> str:
        assert self.pg is not None
        return self.pg.url(database_name(system))

    # -- faults -------------------------------------------------------------------------
    def apply(self, name: str) -> None:
        from .faults import FAULTS, clash

        fault = FAULTS.get(name) or components.FAULTS.get(name)
        if fault is None:
            known = ", ".join(sorted({*FAULTS, *components.FAULTS}))
            raise DemoFailed(f"--demo-fault {name}: unknown fault (known: {known})")
        if name in self.applied:  # named twice: on once (most cannot be done twice: a column dropped, a row added)
            return
        refused = clash(name, self.applied)
        if refused is not None:
            raise DemoFailed(refused)
        fault.apply(self)
        self.applied.append(name)

    def reset(self) -> None:
        """Back to healthy: databases restored, env files and switches restored."""
        assert self.pg is not None
        # the databases a fault wrote to are loaded again; those whose seeds (relative to now()) are getting
        # old are moved to now: "ran within the last 5 minutes" must stay true however long a session lasts
        now = time.monotonic()
        reload = sorted(self._dirty)
        stale = [s for s, at in self._loaded_at.items() if now - at > FRESH_FOR_S and s not in self._dirty]
        if reload:
            with self.pg.admin() as conn:
                for system in reload:
                    conn.execute(sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(database_name(system))))
            self._note_seeded(_load_systems(self.pg, reload))
            self._dirty.clear()
        self._shift_seeds(stale)
        if PG_CRON_SYSTEM in reload or self.pg_cron_launcher is None or self.pg_cron_launcher.closed:
            # `with (force)` ended its session, or a fault (or the server) did
            self.hold_pg_cron_launcher()
        self.switches.reset()
        for component in self.components:
            component.reset()
        self.secrets = envs.make_secrets(previous=self.secrets)
        self._write_env_files()
        self.applied.clear()

    def hold_pg_cron_launcher(self) -> None:
        """The stand-in's scheduler: real pg_cron runs a launcher session in the database whose cron.job it reads
        (application_name 'pg_cron scheduler'), which is how the suite tells that jobs there run at all."""
        assert self.pg is not None
        self.release_pg_cron_launcher()
        self.pg_cron_launcher = psycopg.connect(self.admin_url(PG_CRON_SYSTEM), autocommit=True, connect_timeout=10,
                                                application_name="pg_cron scheduler")

    def release_pg_cron_launcher(self) -> None:
        """No scheduler reads cron.job: pg_cron not preloaded, or its cron.database_name names another database."""
        if self.pg_cron_launcher is not None:
            self.pg_cron_launcher.close()
            self.pg_cron_launcher = None

    def execute(self, system: str, statement: str) -> None:
        """Run SQL as the superuser in a system's database (faults only; the suite never writes)."""
        self._dirty.add(system)
        with psycopg.connect(self.admin_url(system), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)

    def set_env(self, system: str, service: str, name: str, value: str | None) -> None:
        path = self._env_path(system, service)
        values = envs.read(path)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
        envs.write(path, values)

    # -- internals ------------------------------------------------------------------------
    def _env_path(self, system: str, service: str) -> Path:
        return self.workdir / "env" / system / f"{service}.env"

    def _write_env_files(self) -> None:
        assert self.web is not None
        files = envs.healthy(self)
        for component in self.components:  # e.g. REDIS_URL pointing at the demo's own Redis
            for key, values in getattr(component, "env_overrides", lambda: {})().items():
                files.setdefault(key, {}).update(values)
        for (system, service), values in files.items():
            path = self._env_path(system, service)
            path.parent.mkdir(parents=True, exist_ok=True)
            envs.write(path, values)

    def _start_database(self, pg: EmbeddedPostgres) -> None:
        """This run's cluster: a copy of the cached, seeded one (built first if there is none)."""
        cache = pgcache.SeedCache(_seed_key(pg))
        seeded_at = cache.seeded_at()
        if seeded_at is not None and set(seeded_at) != set(SYSTEMS):
            seeded_at = None  # not the databases this recipe makes: as damaged as a seeded.json that cannot be read
        trouble = "incomplete" if seeded_at is None and cache.entry.exists() else ""  # published whole, or not
        if seeded_at is not None:
            started = False
            try:
                pg.copy_from(cache.data)
                pg.start(envs.demo_secret("superuser"))
                started = True
                self._first_queries(pg, seeded_at)  # the first reads of the copied rows
            except Exception as exc:  # a damaged entry would fail every run: it is made again, once
                # (an interrupted copy is no damage: its postgres.CopyInterrupted is a KeyboardInterrupt and passes)
                pg.discard()  # before the free space is looked at: a partial copy takes some
                if isinstance(exc, CopyFailed):
                    _scratch_at_fault(pg, cache, exc)  # nor is a scratch folder that cannot take the copy
                said = (str(exc).strip().splitlines() or [""])[0][:200]
                trouble = (f"could not be read ({type(exc).__name__}: {said})" if started
                           else f"did not start: {type(exc).__name__}")
                seeded_at = None
        if seeded_at is None:
            if trouble:
                say(f"the demo's database cache {trouble}; building it again …")
                cache.remove()
            else:
                say("building the demo's database cache (once) …")
            seeded_at = _build_cache(pg, cache)
            pg.start(envs.demo_secret("superuser"))
            self._first_queries(pg, seeded_at)

    def _first_queries(self, pg: EmbeddedPostgres, seeded_at: dict[str, dt.datetime]) -> None:
        """This run's checker password, and every database's rows moved to now: they read every table."""
        with pg.admin() as conn:
            conn.execute(sql.SQL("alter role {} password {}").format(
                sql.Identifier(CHECKER), sql.Literal(self.checker_password)))
        self._note_seeded(seeded_at)
        self._shift_seeds(SYSTEMS)

    def _note_seeded(self, seeded_at: dict[str, dt.datetime]) -> None:
        self._seeded_at.update(seeded_at)
        self._loaded_at.update({system: time.monotonic() for system in seeded_at})

    def _shift_seeds(self, systems) -> None:
        """Rows as old as when their seed was written, now (see pgcache.shift_seed_times); the databases
        in parallel, each on its own connection."""
        pg = self.pg
        assert pg is not None

        def shift(system: str) -> None:
            with pg.admin(database_name(system)) as conn:
                self._seeded_at[system] = pgcache.shift_seed_times(conn, self._seeded_at[system])
            self._loaded_at[system] = time.monotonic()

        if systems:
            with ThreadPoolExecutor(max_workers=len(systems), thread_name_prefix="opsverify-demo-shift") as pool:
                list(pool.map(shift, systems))


def _stop_quietly(server) -> None:
    try:
        server.stop()
    except Exception:  # stopping must reach every server
        pass


def _scratch_at_fault(pg: EmbeddedPostgres, cache: pgcache.SeedCache, failed: CopyFailed) -> None:
    """DemoFailed when the copy failed for want of room or of write access where it goes: the entry is kept (every
    run would fail the same way, rebuilding it or not) and the message says what to free or change."""
    scratch = pg.root.parent
    cp_said = "; ".join(failed.said[-2:]) or "no message"
    needed = size_of(cache.data)
    try:
        free = free_bytes(scratch)
    except OSError:
        free = None
    if failed.destination == "full" or (free is not None and free < needed):
        shown_free = f"{free >> 20} MB free" if free is not None else "free space unknown"
        raise DemoFailed(f"the temp folder {scratch} is full ({shown_free}, the demo needs ~{math.ceil(needed / (1 << 20))} MB for "
                         f"its database; cp said: {cp_said}): free some space there, or set TMPDIR to a folder with "
                         "room") from None
    if failed.destination == "unwritable":
        raise DemoFailed(f"the temp folder {scratch} cannot be written (cp said: {cp_said}): set TMPDIR to a folder "
                         "you can write") from None


def _seed_key(pg: EmbeddedPostgres) -> str:
    """Everything the seeded cluster's contents depend on."""
    scripts = sorted((HERE / "sql").glob("*.sql"))
    return pgcache.fingerprint(SEED_RECIPE, pg.identity(), repr((SYSTEMS, sorted(NOT_SUPABASE), API_ROLES, CHECKER)),
                               *(part for path in scripts for part in (path.name, path.read_bytes())))


def _build_cache(pg: EmbeddedPostgres, cache: pgcache.SeedCache) -> dict[str, dt.datetime]:
    """A new cluster with the roles and the five systems' databases, stopped cleanly and copied into the
    cache. Its passwords are throwaway ones: each run sets its own."""
    pg.init()
    # WAL kept small while building: the checkpoint that stops the cluster keeps as many WAL files for reuse as the
    # build wrote, and each run would copy (and remove) them
    pg.start(secrets.token_hex(16), "max_wal_size=4MB", "min_wal_size=2MB")
    with pg.admin() as conn:
        for role in API_ROLES:
            conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        conn.execute(sql.SQL("create role {} login bypassrls password {} in role pg_read_all_data").format(
            sql.Identifier(CHECKER), sql.Literal(secrets.token_hex(16))))
    seeded_at = _load_systems(pg, SYSTEMS)
    pg.shut_down()
    cache.publish(pg.data, seeded_at)
    return seeded_at


def _load_systems(pg: EmbeddedPostgres, systems) -> dict[str, dt.datetime]:
    """Create each system's database and run its SQL; returns the server time each seed was written at
    (now() of the transaction that ran it: the rows are relative to it)."""
    with pg.admin() as conn:
        for system in systems:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database_name(system))))
    seeded_at: dict[str, dt.datetime] = {}
    for system in systems:
        base = "" if system in NOT_SUPABASE else (HERE / "sql" / "_supabase.sql").read_text(encoding="utf-8")
        script = base + (HERE / "sql" / f"{system}.sql").read_text(encoding="utf-8")
        try:
            with psycopg.connect(pg.url(database_name(system)), connect_timeout=10) as conn:  # one transaction
                conn.execute(script)
                row = conn.execute("select now()").fetchone()
        except psycopg.Error as exc:
            raise DemoFailed(f"opsverify_demo/sql/{system}.sql failed to load: {str(exc).splitlines()[0]}") from None
        assert row is not None
        seeded_at[system] = row[0]
    return seeded_at
