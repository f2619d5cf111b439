"""A target: one system of one environment, and the shared ways to reach it."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit, urlunsplit
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from pydantic import BaseModel

from .checklist import shown
from .errors import DatabaseUnavailable, GatherError, NotConfigured, OpsverifyError
from .lazy import load
from .limits import database_total_s
from .secrets import Redactor, without_secret_parameters

if TYPE_CHECKING:  # drivers load when a target is first asked something, not when a run starts
    from .environment import Environment, SystemModel
    from .transports import http
    from .transports.postgres import Database

SECRET_REF = re.compile(r"\{secret:([^}]+)\}")  # `{secret:NAME}`: how checklists cite a secret of the environment


class Target:
    def __init__(self, env: Environment, system: str, config: SystemModel, redactor: Redactor):
        self.env = env
        self.system = system
        self.config = config
        self.redactor = redactor
        self.timeouts = env.model.timeouts
        self._database: Database | None = None
        self._http: http.Session | None = None
        self.deployed_at = None  # set by the run from --deployed-at; queries may cite {deployed_at}
        self._env_cache: dict[str, dict[str, str] | GatherError] = {}  # a source that cannot be read: why
        self._lock = threading.Lock()

    # -- database -------------------------------------------------------------------
    def require_database(self) -> None:
        if not self.config.database:
            raise NotConfigured(f"no database configured for {self.system} in {self.env.name}")

    @property
    def database(self) -> Database:
        self.require_database()
        Database = load("opsverify.transports.postgres").Database  # psycopg loads with it, one thread at a time

        with self._lock:
            if self._database is None:
                self._database = Database(
                    self.config.database,
                    connect_timeout_s=self.timeouts.connect_s,
                    statement_timeout_ms=self.timeouts.statement_ms,
                    budget_s=self.timeouts.database_s,
                    label=f"{shown(self.env.path)}: systems.{self.system}.database",
                )
        return self._database

    def database_bound_s(self) -> float:
        """Worst case of everything this run asks the target's database (see transports.postgres)."""
        return database_total_s(self.timeouts.connect_s, self.timeouts.database_s)

    def database_problem(self) -> DatabaseUnavailable | None:
        """Why this target's database cannot be used in this run, once that is known."""
        return self._database.unavailable if self._database is not None else None

    def database_warning(self) -> str | None:
        return self._database.warning if self._database is not None else None

    def close_database(self) -> None:
        """Done with the database for this run: give the connection back (what was learnt stays)."""
        if self._database is not None:
            self._database.close()

    # -- services ---------------------------------------------------------------------
    def url(self, service: str, path: str = "") -> str:
        """The service's URL with `path` (an item's, which may hold a query) joined to its path. A query the
        service's URL holds (`?token=…`) stays the query, the item's own after it; a fragment is never sent (an HTTP
        client drops it), so it is dropped rather than read as part of the path."""
        config = self.config.services.get(service)
        if config is None or not config.url:
            raise NotConfigured(f"no URL for service '{service}' of {self.system} in {self.env.name}")
        base = urlsplit(config.url)
        item_path, _, item_query = path.partition("#")[0].partition("?")
        query = "&".join(part for part in (base.query, item_query) if part)
        joined = base.path.rstrip("/") + item_path
        return urlunsplit((base.scheme, base.netloc, joined or ("/" if query else ""), query, ""))

    def anonymous_url(self, service: str, path: str = "") -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """`url(service, path)` as a request meant to go without credentials sends it, the names of the query
        parameters it leaves off: each holding a secret the run knows (`?token=${API_TOKEN}`, Azure's `?code=`) —
        behind a gate letting callers with no key in, a 401 to a stale one proved nothing — and of those holding one it
        keeps: a hosting platform's gate key (Vercel's `?x-vercel-protection-bypass=`), without which the platform,
        not the app, refuses the request. Parameters holding none stay (`?region=eu`), and the path. (The URL's user
        and password the transport leaves off: `Probe.anonymous`.)"""
        url = self.url(service, path)
        configured = self.config.services[service].url
        # the keys a run learns from every configured URL before any item (`learn_secrets`), known to a lone target too
        self.redactor.add_url_parts(configured, from_secret=configured in self.env.secret_values)
        return without_secret_parameters(url, lambda text: self.redactor.text(text) != text)

    def service_url(self, service: Any) -> str | None:
        config = self.config.services.get(service) if isinstance(service, str) else None
        return config.url if config is not None else None

    def url_holds_a_secret(self, url: str | None) -> bool:
        """The URL holds a secret the run knows (a user and password, a key in its path or query): every request to
        it sends that."""
        return bool(url) and self.redactor.text(url) != url

    def clear_text_route(self, url: str | None) -> str | None:
        """How requests to `url` would cross the network unencrypted — plain http:// to another machine, or through
        an http proxy the process's environment names (HTTP_PROXY, ALL_PROXY; not for a NO_PROXY host), which the
        client obeys — said for a message; None where they would not (https, another scheme, no URL)."""
        import urllib.request

        from .environment import is_loopback

        if not url:
            return None
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return None
        if parts.scheme.lower() != "http":  # https through a proxy is tunnelled: still encrypted end to end
            return None
        if not is_loopback(host):
            return f"over http:// to {host}, not this machine"
        proxies = urllib.request.getproxies_environment()
        proxy = proxies.get("http") or proxies.get("all")
        if not proxy or _not_proxied(host, parts.port, proxies.get("no", "")):
            return None
        try:
            proxy_host = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname or proxy
        except ValueError:
            proxy_host = "?"
        if is_loopback(proxy_host):
            return None
        return f"over http:// through the proxy {proxy_host} (the environment's HTTP_PROXY or ALL_PROXY)"

    def verify_tls(self, service: str) -> bool | str:
        """How to verify the service's certificate: False, True (system trust store) or a CA bundle file."""
        config = self.config.services.get(service)
        if config is None:
            return True
        if not config.verify_tls:
            return False
        return config.ca_bundle or True

    def ca_bundle(self, service: str) -> str | None:
        config = self.config.services.get(service)
        return (config.ca_bundle or None) if config is not None else None

    def read_env_sources(self) -> None:
        """Read every service's env source once, at the start, so its secret-looking values are redacted from
        whatever item shows them (a debug page echoing STRIPE_SECRET_KEY), selected env items or not. A source
        that cannot be read is left for the env items to report (why is kept: it is not read again)."""
        for service, config in self.config.services.items():
            if config.env is not None:
                try:
                    self.env_vars(service)
                except (OpsverifyError, OSError, ValueError):
                    pass

    def env_sources_bound_s(self) -> float:
        """The worst case of read_env_sources: each service's env source read once."""
        from .transports.envsource import READ_S

        return READ_S * sum(1 for config in self.config.services.values() if config.env is not None)

    def env_vars(self, service: str) -> dict[str, str]:
        """The service's env vars; values go to the redactor the moment they are read. A source that cannot be read
        raises its GatherError each time it is asked, read once."""
        with self._lock:
            if service in self._env_cache:
                known = self._env_cache[service]
                if isinstance(known, GatherError):
                    raise known
                return known
        config = self.config.services.get(service)
        if config is None or config.env is None:
            raise NotConfigured(f"no env source for service '{service}' of {self.system} in {self.env.name}")
        from .transports import envsource

        if config.env.dotenv:
            try:
                values = envsource.read_dotenv(config.env.dotenv)
            except GatherError as exc:
                # a file no item can judge still holds secrets another item's target may echo: masked all the same
                self._learn(envsource.salvaged(config.env.dotenv))
                with self._lock:
                    self._env_cache[service] = exc
                raise
        elif config.env.process_prefix is not None:
            values = envsource.read_process(config.env.process_prefix)
        else:
            raise NotConfigured(f"env source of service '{service}' of {self.system} names no source")
        self._learn([*values.items(), *getattr(values, "node_readings", []), *getattr(values, "python_readings", [])])
        with self._lock:
            self._env_cache[service] = values
        return values

    def _learn(self, variables) -> None:
        """Each env var's value that is a secret (by its name or shape) goes to the redactor — not a platform export's
        placeholder for a value it withholds (`[SENSITIVE]`), which is no one's secret and which messages name."""
        from .transports.envsource import WITHHELD

        for name, value in variables:
            if value not in WITHHELD:
                self.redactor.add_env_var(name, value)

    def secret(self, name: str) -> str:
        value = self.config.secrets.get(name)
        if not value:
            raise NotConfigured(f"secret {name} not configured for {self.system} in {self.env.name}")
        return value

    def fill_secrets(self, headers: dict[str, str]) -> dict[str, str]:
        """Replace `{secret:NAME}` in header values; the result never goes into evidence. Only the checklist's
        own text is read for references, in one pass: a secret's value goes in as it is, whatever it holds
        (`{secret:` without a close, a reference to itself or to another secret)."""
        return {key: SECRET_REF.sub(lambda ref: self.secret(ref[1]), value) for key, value in headers.items()}

    def endpoint(self, name: str) -> str:
        value = self.config.endpoints.get(name)
        if not value:
            raise NotConfigured(f"no endpoint '{name}' configured for {self.system} in {self.env.name}")
        return value

    def provider(self, platform: str) -> dict[str, str]:
        """Settings of a platform API (base_url, token, ids); the token goes to the redactor at once."""
        settings = self.config.providers.get(platform)
        if not settings:
            raise NotConfigured(f"no providers.{platform} configured for {self.system} in {self.env.name}")
        self.redactor.add(settings.get("token"), even_if_plain=True)
        return settings

    def repo(self) -> Path:
        if not self.config.repo:
            raise NotConfigured(f"no repo checkout configured for {self.system} in {self.env.name}")
        path = Path(self.config.repo)
        if not path.is_dir():
            raise GatherError(f"repo checkout {path} is not a directory")
        return path

    def fetch_all(self, probes: list[http.Probe]) -> list[http.Reply]:
        """Concurrent requests over the target's own clients, shared by every family."""
        http = load("opsverify.transports.http")

        with self._lock:
            if self._http is None:
                self._http = http.Session(self.timeouts.http_s, connect_s=self.timeouts.connect_s)
        replies = self._http.fetch_all(probes)
        for probe, reply in zip(probes, replies, strict=True):
            # a redirect's Location may carry a login's token or password: learned before any family names it
            http.location_named(reply, probe.url, self.redactor.add)
        return replies

    def close(self) -> None:
        """The run is over with this target (or ending early): a statement still in flight is not waited for, and
        its database is closed for good (a job still running opens no new session for its next question)."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._database is not None:
            self._database.close(abort=True)

    def cancels_sent(self, ends: float) -> None:
        """Wait, until `ends` (time.monotonic()), for the database's requests to cancel the statements its close cut
        short (see transports.postgres: Database.cancels_sent); at once when there are none."""
        if self._database is not None:
            self._database.cancels_sent(ends)


def _not_proxied(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether NO_PROXY surely keeps the client (httpx) from sending this host's requests through the proxy: `*`, or
    an entry naming exactly this host, or this host and port. Read narrowly: httpx and urllib read a pattern such as
    `.localhost` differently (httpx: its subdomains only), and a secret must not go through a proxy either way."""
    host = host.lower().strip("[]")
    names = {host, f"{host}:{port}", f"[{host}]:{port}"} if port else {host}
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*" or entry.strip("[]") in names or entry in names:
            return True
    return False


def services_named(params: Any) -> set[str]:
    """Every service a check's params refer to (`service`, `services`, `equal.services`, the repo family's
    `per_key: {KEY: [services]}`)."""
    found: set[str] = set()
    data = _fields(params)
    if data is None:
        return found
    if isinstance(data.get("service"), str):
        found.add(data["service"])
    for key in ("services",):
        if isinstance(data.get(key), list):
            found.update(s for s in data[key] if isinstance(s, str))
    if isinstance(data.get("per_key"), dict):  # by name: other dicts of lists hold values (env's not_values)
        found.update(s for group in data["per_key"].values() if isinstance(group, list)
                     for s in group if isinstance(s, str))
    for value in map(_fields, data.values()):
        if value is not None and isinstance(value.get("services"), list):
            found.update(s for s in value["services"] if isinstance(s, str))
    return found


def _fields(value: Any) -> dict | None:
    """A params model's fields by name, as they are (not dumped: a run asks this of every item), or a mapping."""
    if isinstance(value, BaseModel):
        return dict(iter(value))  # its (name, value) pairs: a field may be called `keys`
    return value if isinstance(value, dict) else None
