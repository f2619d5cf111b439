"""Start, break, reset and stop the demo deployment."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from opsverify.errors import DemoFailed

from . import components, envs, services
from .postgres import EmbeddedPostgres
from .web import WebHost

HERE = Path(__file__).parent
NOT_SUPABASE = {"joslyn-ai"}  # plain Postgres + Prisma; the others start from demo/sql/_supabase.sql
FRESH_FOR_S = 60  # a reset reloads seeds older than this
SYSTEMS = ("sora-studio", "cheersai", "joslyn-ai", "bakery-ops", "commit-to-ship")
CHECKER = "opsverify_checker"  # the read-only role the suite logs in as


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
        self.workdir = Path(tempfile.mkdtemp(prefix="opsverify-demo-"))
        self.applied: list[str] = []
        self._dirty: set[str] = set()
        self._loaded_at: dict[str, float] = {}
        self.components: list = []  # extra servers (redis, clamd, smtp, s3, rpc, platform APIs)

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> "Deployment":
        try:
            self.pg = EmbeddedPostgres(leftovers=(self.workdir,))
            self.pg.start(envs.demo_secret("superuser"))
            self._load_databases()
            self.web = WebHost()
            for (system, service), app in services.build(self).items():
                self.web.add(f"{system}/{service}", app)
            for component_class in components.REGISTRY:
                component = component_class()
                self.components.append(component)  # appended first: stop() must reach a half-started one
                component.start(self)
            self.web.start()
            self._write_env_files()
        except DemoFailed:
            self.stop()
            raise
        except Exception as exc:
            self.stop()
            raise DemoFailed(f"demo deployment failed to start: {type(exc).__name__}: {exc}") from exc
        return self

    def stop(self) -> None:
        for component in reversed(self.components):
            try:
                component.stop()
            except Exception:  # stopping must reach every server
                pass
        self.components.clear()
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.pg is not None:
            self.pg.stop()
            self.pg = None
        shutil.rmtree(self.workdir, ignore_errors=True)

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
        from .faults import FAULTS

        fault = FAULTS.get(name) or components.FAULTS.get(name)
        if fault is None:
            known = ", ".join(sorted({*FAULTS, *components.FAULTS}))
            raise DemoFailed(f"--demo-fault {name}: unknown fault (known: {known})")
        fault.apply(self)
        self.applied.append(name)

    def reset(self) -> None:
        """Back to healthy: databases re-loaded, env files and switches restored."""
        assert self.pg is not None
        # the databases a fault wrote to, and those whose seeds (relative to now()) are getting old:
        # "ran within the last 5 minutes" must stay true however long a test session lasts
        now = time.monotonic()
        reload = self._dirty | {s for s, at in self._loaded_at.items() if now - at > FRESH_FOR_S}
        if reload:
            with self.pg.admin() as conn:
                for system in reload:
                    conn.execute(sql.SQL("drop database if exists {} with (force)").format(
                        sql.Identifier(database_name(system))))
            self._create_databases(sorted(reload))
            self._dirty.clear()
        self.switches.reset()
        for component in self.components:
            component.reset()
        self.secrets = envs.make_secrets(previous=self.secrets)
        self._write_env_files()
        self.applied.clear()

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

    def _load_databases(self) -> None:
        assert self.pg is not None
        with self.pg.admin() as conn:
            for role in ("anon", "authenticated", "service_role"):
                conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
            conn.execute(sql.SQL("create role {} login bypassrls password {} in role pg_read_all_data").format(
                sql.Identifier(CHECKER), sql.Literal(self.checker_password)))
        self._create_databases(SYSTEMS)

    def _create_databases(self, systems) -> None:
        assert self.pg is not None
        self._loaded_at.update({system: time.monotonic() for system in systems})
        with self.pg.admin() as conn:
            for system in systems:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(database_name(system))))
        for system in systems:
            base = "" if system in NOT_SUPABASE else (HERE / "sql" / "_supabase.sql").read_text(encoding="utf-8")
            script = base + (HERE / "sql" / f"{system}.sql").read_text(encoding="utf-8")
            try:
                with psycopg.connect(self.pg.url(database_name(system)), autocommit=True, connect_timeout=10) as conn:
                    conn.execute(script)
            except psycopg.Error as exc:
                raise DemoFailed(f"demo/sql/{system}.sql failed to load: {str(exc).splitlines()[0]}") from None
