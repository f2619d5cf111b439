"""Environments: `environments/<name>.yaml`, where each system of a deployment lives.

Secrets appear only as `${VAR}` references, resolved from the process environment or
from the untracked `environments/<name>.secrets.env`. The whole file is validated before
any check runs; every problem is reported at once, naming the file and the field.
"""

from __future__ import annotations

import datetime
import difflib
import io
import ipaddress
import os
import re
import ssl
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any, get_args, get_origin
from urllib.parse import SplitResult, unquote, urlsplit

import idna
import yaml
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from dotenv.variables import Variable, parse_variables
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from . import families
from .checklist import (_ENVIRONMENT_NUMBERS, _MERGE, Check, Unquoted, WordKeepingLoader, _as_number, _kind_of,
                        _location, _number_read_as_text, _read_yaml, _summarise, file_errors, only_boolean, shown)
from .display import cut, spelled, visible
from .errors import ConfigError, MissingVariable, UnknownEnvironment
from .secrets import (Redactor, database_passwords, dsn_passwords, looks_secret, may_be_a_key, names_a_query_key,
                      names_a_secret, query_passwords, reads_as_a_key, url_passwords)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLAIN_WORD = re.compile(r"[a-z]+")
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
# `$$` (a literal $), `${NAME}` or `${NAME:-default}` with a plain default; the bare `$` alternative catches
# every other `$`, which is refused rather than kept as text that would fail only at run time
_DOLLAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^$}]*))?\}|\$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ONE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-)?\}")  # `${NAME}`, or `${NAME:-}` (optional)
# providers.<platform> settings that hold credentials: tokens, keys' secret halves, passwords (not ids such as
# access_key_id, nor service.<name> ids)
_CREDENTIAL = re.compile(r"token|secret|password|private", re.IGNORECASE)
PLATFORMS = ("github", "vercel", "render", "supabase", "s3")  # providers.<platform>: the provider and s3 families
_LONG_PASSWORD = 8  # a URL password shorter than this is likely a word found elsewhere in the reports
_SHORTEST_URL_PASSWORD = 4  # shorter, it is not redacted (it would mask letters of ordinary words): refused
# also a folder under reports/; not `-` first: `--env -x` is read by pytest as its own option -x
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")
_HTTP_FAMILIES = ("rpc", "s3")  # families that send HTTP requests to their endpoint (others speak TCP, Redis)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _no_boolean(value: Any) -> Any:
    """pydantic reads true as 1 where a number belongs: `http_s: yes` would be a one-second timeout. It reads text as
    the number Python would (`"1_6"` as 16, `"010"` as 10), which the file refuses unquoted: a number is written as
    one (no ${VAR} can give it: the file is validated as written)."""
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a boolean, not a number (YAML reads true/false, yes/no and on/off "
                         "as booleans): write the number")
    if isinstance(value, str) and "$" in value:
        raise ValueError("a ${VAR} cannot give a number (the file is validated before variables are read): write the "
                         "number")
    if isinstance(value, str):
        raise ValueError("is text (in quotes), not a number: write the number without quotes")
    return value


def _text_as_written(value: Any) -> Any:
    """A name or description YAML reads as a boolean, number or date (`name: yes`): pydantic would say only "Input
    should be a valid string"; the word is said as written, with how to quote it."""
    if isinstance(value, Unquoted):
        raise ValueError(value.problem())
    return value


class EnvSourceModel(_Strict):
    """Where a service's env vars are read from (names and values stay in memory)."""

    model_config = ConfigDict(title="an env source")

    dotenv: str | None = None  # a file, e.g. from `vercel env pull` or a Render secret file
    process_prefix: str | None = None  # the runner's own environment, names prefixed

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> "EnvSourceModel":
        given = [name for name in ("dotenv", "process_prefix") if name in self.model_fields_set]
        if len(given) != 1:  # none would skip every env item of the service; with both, one would be ignored
            raise ValueError("name one of dotenv or process_prefix" + (", not both" if given else ""))
        if info.context == "as written" and not getattr(self, given[0]):
            # `process_prefix: ""` would read the runner's whole environment; an optional `${VAR:-}` may be empty
            raise ValueError(f"{given[0]} is empty: name a file (dotenv) or a prefix (process_prefix)")
        return self


class ServiceModel(_Strict):
    model_config = ConfigDict(title="a service")

    url: str | None = None
    env: EnvSourceModel | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None  # PEM file of CAs trusted instead of the system store (a private CA)

    _switches = field_validator("verify_tls", mode="before")(only_boolean)

    @model_validator(mode="after")
    def _bundle_is_used(self) -> "ServiceModel":
        if self.ca_bundle and not self.verify_tls:  # nothing is verified, so the bundle would be ignored
            raise ValueError("ca_bundle is not used with verify_tls: false; keep one of them")
        return self


class SystemModel(_Strict):
    model_config = ConfigDict(title="a system")

    database: str | None = None
    repo: str | None = None  # a checkout of the deployed commit (migration files, workflow files)
    services: dict[str, ServiceModel] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    endpoints: dict[str, str] = Field(default_factory=dict)  # redis, clamav, smtp, s3, rpc...
    providers: dict[str, dict[str, str]] = Field(default_factory=dict)  # platform API settings


class TimeoutsModel(_Strict):
    model_config = ConfigDict(title="timeouts")

    connect_s: float = Field(default=5.0, gt=0, le=60, allow_inf_nan=False)  # opening a connection (TCP, TLS, login)
    statement_ms: int = Field(default=5000, gt=0, le=120_000)  # one SQL statement, enforced by the server
    database_s: float = Field(default=20.0, gt=0, le=600, allow_inf_nan=False)  # all of one database's statements
    http_s: float = Field(default=10.0, gt=0, le=120, allow_inf_nan=False)  # one HTTP request, start to last byte

    _numbers = field_validator("*", mode="before")(_no_boolean)

    @model_validator(mode="after")
    def _budget_holds_a_statement(self) -> "TimeoutsModel":
        if self.database_s < self.statement_ms / 1000:
            raise ValueError("database_s must be at least one statement's time (statement_ms / 1000)")
        return self


class EnvironmentModel(_Strict):
    model_config = ConfigDict(title="an environment")

    name: str
    description: str = ""
    demo: bool = False  # start the built-in demo deployment, which provides the DEMO_* variables
    allow_mutating: bool = False
    timeouts: TimeoutsModel = Field(default_factory=TimeoutsModel)
    systems: dict[str, SystemModel]
    concurrency: int = Field(default=32, ge=1, le=1024)  # groups (and so database sessions) at once

    _numbers = field_validator("concurrency", mode="before")(_no_boolean)
    _switches = field_validator("demo", "allow_mutating", mode="before")(only_boolean)
    _words = field_validator("name", "description", mode="before")(_text_as_written)


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_SWITCHES = {"demo", "allow_mutating"}  # an environment's true-or-false settings; a service's is verify_tls
_WORDS = {"name", "description"}  # top-level text kept as written, to say how to quote it


@dataclass(frozen=True)
class Environment:
    name: str
    path: Path
    model: EnvironmentModel
    secret_values: tuple[str, ...]  # values from ${VAR}s that hold secrets: redacted everywhere
    # the file's bytes as loaded, the very ones parsed: what the archive keeps (the file may change during the run)
    data: bytes | None = field(default=None, repr=False, compare=False)
    # items citing a name no environment file defines (no near one either): they skip in every environment
    defined_nowhere: tuple[str, ...] = ()

    @property
    def urls(self) -> tuple[str, ...]:
        """Every configured URL: a token in a path or query (an RPC key) must be redacted too."""
        found: list[str] = []
        for system in self.model.systems.values():
            found += [s.url for s in system.services.values() if s.url]
            found += [v for v in system.endpoints.values() if "://" in v]
            found += [v for p in system.providers.values() for v in p.values() if "://" in v]
        return tuple(found)

    @property
    def warnings(self) -> list[str]:
        """Secrets that are ordinary words, and URL passwords shorter than 8 characters: redacted wherever those
        characters appear, so reports read oddly (a key of results.json, a title, a system named like the password)
        — and such a secret is guessed. Said without the word."""
        words = sorted({len(v) for v in self.secret_values if _PLAIN_WORD.fullmatch(v)})
        found = [f"{shown(self.path)}: a secret is an ordinary word ({n} lowercase letters): every place that word "
                 f"appears in the reports reads [redacted …]; give it a real secret" for n in words]
        # a database's password in either of libpq's forms too: registered whatever it looks like (`staging`)
        databases = [system.database for system in self.model.systems.values() if system.database]
        key_value = [v for v in databases if not v.startswith(_LIBPQ_URL_PREFIXES)]
        short = sorted({len(p) for v in (*self.secret_values, *databases) if v not in key_value
                        for p in url_passwords(v) if len(p) < _LONG_PASSWORD})
        short_in_key_value = sorted({len(p) for v in key_value for p in database_passwords(v)
                                     if len(p) < _LONG_PASSWORD})
        found += list(self.defined_nowhere)
        found += [f"{shown(self.path)}: systems.{spelled(system)}.services.{spelled(name)}: verify_tls: false: its "
                  f"answers are not authenticated (whoever is on the way can give them), and a secret its items send "
                  f"(a cron secret, a header's, a webhook signature) goes to whoever answers"
                  for system, config in self.model.systems.items() for name, service in config.services.items()
                  if not service.verify_tls]
        return found + [f"{shown(self.path)}: {whose} password is {n} characters: every place those characters "
                        f"appear in the reports (a system's name, a word) reads [redacted …]; give it one of at least "
                        f"{_LONG_PASSWORD}" for whose, lengths in (("a URL's", short),
                                                                  ("a database's (key=value)", short_in_key_value))
                        for n in lengths]

    @property
    def allow_mutating(self) -> bool:
        return self.model.allow_mutating

    @property
    def demo(self) -> bool:
        return self.model.demo


_TOO_SHORT = "a secret this short would be found inside ordinary words, so it cannot be kept out of the output"


def _is_secret(where: tuple) -> bool:
    """`systems.<system>.secrets.<name>`: a value sent to targets (a header), redacted everywhere."""
    return len(where) == 4 and where[0] == "systems" and where[2] == "secrets"


def _secret_field(where: tuple, var: str, value: str) -> bool:
    """Values to redact everywhere: secrets, database URLs (what of them is secret: `Redactor.add`), tokens — not
    hostnames or file paths."""
    keys = [str(k) for k in where]
    if "secrets" in keys or (keys and keys[-1] == "database"):
        return True
    return looks_secret(keys[-1] if keys else var, value) or looks_secret(var, value)


def _local_values(local_file: Path) -> dict[str, str]:
    """The untracked `<name>.secrets.env`, when there is one."""
    if os.path.lexists(local_file) and not local_file.is_file():  # there but not read (a FIFO would block the run)
        what = ("a symbolic link to nothing (or a loop of links)" if local_file.is_symlink() and not local_file.exists()
                else "not a regular file (a device, a FIFO or a folder)")
        raise ConfigError(f"{shown(local_file)}: {what}, so its variables cannot be read: make it a file of KEY=value "
                          "lines, or remove it and export the variables")
    if not local_file.is_file():
        return {}
    try:
        lines = _check_lines(local_file, local_file.read_text(encoding="utf-8"))
        _check_expansions(local_file, lines)
        return {k: v for k, v in dotenv_values(local_file, encoding="utf-8").items() if v is not None}
    except UnicodeDecodeError as exc:
        raise MissingVariable(f"{shown(local_file)}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                              f"{exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise MissingVariable(f"{shown(local_file)}: cannot read: {exc.strerror}") from None


def _check_expansions(local_file: Path, lines: dict[str, int]) -> None:
    """python-dotenv expands `${NAME}` in a value, quoted or not (single quotes too), line by line
    (`dotenv.main.resolve_variables`, override=True in dotenv_values): from the value a line above gave NAME, else the
    process environment's, else the default (only where NAME is unset, not where it is empty), else nothing — a later
    line, the key itself, is never seen. A reference that comes to nothing silently makes the value another (a password
    dropped from a URL, then refused as wrong credentials): refused, naming the key and the reference, never the value.
    `${NAME:-}` says the part is optional. A key the process environment sets is taken from there: its line is not
    read, but a later line's reference still reads it."""
    written = dotenv_values(local_file, encoding="utf-8", interpolate=False)
    above: dict[str, str] = {}  # each key's value as python-dotenv has expanded it so far
    hollow: dict[str, str] = {}  # key -> the reference in its line that came to nothing
    for key, value in written.items():  # in the file's order; a key given twice was refused (_check_lines)
        if value is None:
            continue
        seen = {**os.environ, **above}  # as resolve_variables builds it: the lines above win
        for atom in parse_variables(value):
            if not isinstance(atom, Variable) or atom.default == "":
                continue
            why = _came_to_nothing(atom.name, atom.default is not None, key, above, hollow, lines)
            if why:
                hollow.setdefault(key, atom.name)
                if key not in os.environ:  # the process's value wins: this line's is not used
                    if atom.name not in written and atom.name not in os.environ and atom.name != key:
                        # named by no variable: `${…}` may be part of a generated password, never shown
                        raise ConfigError(
                            f"{shown(local_file)}: {spelled(key)}: a `${{…}}` in its value ({len(atom.name)}"
                            " characters between the braces, naming no variable set here) is expanded to nothing by"
                            " python-dotenv"
                            " (quoted or not), so the value is not the one written; set the variable it names, or set"
                            f" {spelled(key)} in the process environment instead (taken as written, and it wins over"
                            " the file)")
                    fix = (f"define {spelled(atom.name)} on a line above {spelled(key)}"
                           if atom.name in written and atom.name != key else f"set {spelled(atom.name)}")
                    raise ConfigError(
                        f"{shown(local_file)}: {spelled(key)}: ${{{spelled(atom.name)}}} {why}, so the value is not "
                        f"the one written; {fix}, or set {spelled(key)} in the process environment instead (taken as "
                        "written, and it wins over the file)")
        above[key] = "".join(atom.resolve(seen) for atom in parse_variables(value))


def _came_to_nothing(name: str, has_default: bool, key: str, above: dict[str, str], hollow: dict[str, str],
                     lines: dict[str, int]) -> str:
    """Why python-dotenv reads `${name}` in key's line as nothing, or as a value missing a part; '' when it does not."""
    unset_default = ", and python-dotenv takes a default only where the name is unset" if has_default else ""
    if name in above:
        if name in hollow:
            return (f"reads line {lines[name]}, whose own ${{{spelled(hollow[name])}}} expands to nothing "
                    "(python-dotenv takes the line above over the process environment)")
        return f"is empty (line {lines[name]}){unset_default}" if above[name] == "" else ""
    if name in os.environ:
        return f"is empty in the process environment{unset_default}" if os.environ[name] == "" else ""
    if has_default:
        return ""
    if name == key:
        return f"names {spelled(key)} itself, which python-dotenv reads as nothing (no line above sets it)"
    if name in lines:
        return (f"is defined only below it (line {lines[name]}), and python-dotenv expands a line with the lines "
                "above it: it expands to nothing")
    return "is set nowhere, so python-dotenv expands it to nothing (quoted or not)"


def _check_lines(local_file: Path, text: str) -> dict[str, int]:
    """What python-dotenv passes over with a log line or reads as unset: a line it cannot parse, a bare `KEY`, a
    key given twice (it keeps the last). Said with the line number, never the value. Each key's line."""
    first_line: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        start = binding.original.string
        line = binding.original.line + start[:len(start) - len(start.lstrip())].count("\n")  # after blank lines
        if binding.error:
            raise ConfigError(f"{shown(local_file)}: line {line}: not a KEY=value line; write KEY=value (quote a value "
                              "holding spaces or #: KEY='…')")
        if binding.key is None:  # a comment or blank line
            continue
        # a line without `KEY=` is most often the rest of a value that ran onto it (a wrapped token, a PEM's body):
        # its words are never quoted
        if not _NAME.fullmatch(binding.key):  # no ${…} could name it: a stray quote or character
            raise ConfigError(f"{shown(local_file)}: line {line}: does not start with a variable name (letters, "
                              "digits and _); write KEY=value, and quote a value that spans lines: KEY=\"…\"")
        if binding.value is None:
            raise ConfigError(f"{shown(local_file)}: line {line}: no '=' on it; write KEY=value, and quote a value "
                              "that spans lines: KEY=\"…\"")
        if binding.key in first_line:
            raise ConfigError(f"{shown(local_file)}: {visible(binding.key)} is given twice (lines "
                              f"{first_line[binding.key]} and {line}); keep one")
        first_line[binding.key] = line
    return first_line


def _short_query_key(where: tuple, value: str, match: re.Match[str], found: str) -> str | None:
    """The name (or "without a name") of the query parameter of a service's or endpoint's URL that ${VAR} `match`
    sets to a key too short to mask: one the variable's or the parameter's name says is secret (ADMIN_PIN, `?token=`,
    Azure's `?code=`), or shaped as a key (`a8F3`). Neither masked nor known to the run, it would be in the reports and
    sent by the requests meant to go without credentials (`Target.anonymous_url`), a gate's 401 to it passing an item
    on an endpoint open to anyone. `?password=` keeps the URL password's rule (`_short_url_password`)."""
    url = (len(where) == 5 and where[2:5:2] == ("services", "url")) or (len(where) == 4 and where[2] == "endpoints")
    if where[:1] != ("systems",) or not url or len(found) >= Redactor.MIN_LENGTH:
        return None
    name = _query_parameter_at(value, match.start(), match.end())
    if name is None or name.lower() == "password":
        return None
    if not (names_a_secret(match.group(1)) or names_a_query_key(name) or reads_as_a_key(found)):
        return None  # a setting (`?region=${REGION}`, `?v=2`): no key, sent and shown as it is
    return spelled(name) if name else "without a name"


def _query_parameter_at(value: str, start: int, end: int) -> str | None:
    """The name, decoded, of the query parameter of URL `value` whose value holds `value[start:end]` ('' for a bare
    `?${KEY}`); None where that is not in a parameter's value (the host, the path, a name, the fragment)."""
    scheme = value.find("://")
    query = value.find("?", scheme + 3) if scheme != -1 else -1
    if query == -1 or start < query or "#" in value[query:start]:
        return None
    name, equals, _ = value[query + 1:start].rpartition("&")[2].partition("=")
    if not equals and (name or "=" in value[end:].partition("&")[0]):
        return None  # in a parameter's name (`?${NAME}=x`)
    return urllib.parse.unquote_plus(name)


def _in_url_path(value: str, at: int) -> bool:
    """Whether position `at` of `value` lies in a URL's path or query (after its host), not in the host."""
    scheme = value.find("://")
    path = value.find("/", scheme + 3) if scheme != -1 else -1
    return path != -1 and at > path


# libpq's connection parameters, as its documentation lists them ("Parameter Key Words",
# https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS): a URL's query or a key=value
# string naming another fails every item at connect time ("invalid connection option"). Read here, not from the
# driver: a run that asks no database loads none.
LIBPQ_KEYWORDS = frozenset((
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth", "channel_binding",
    "connect_timeout", "client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
    "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication", "gssencmode",
    "sslmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslkeylogfile", "sslpassword",
    "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
    "ssl_max_protocol_version", "min_protocol_version", "max_protocol_version", "krbsrvname", "gsslib",
    "gssdelegation", "service", "target_session_attrs", "load_balance_hosts", "oauth_issuer", "oauth_client_id",
    "oauth_client_secret", "oauth_scope", "scram_client_key", "scram_server_key",
))
# The keywords whose value is a secret: a message never quotes their value, nor a key right after one (an unescaped
# '&' or space cuts the secret there, and libpq reads its rest as a key)
SECRET_KEYWORDS = frozenset(("password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"))
# Older names libpq still takes though its list no longer shows them (requiressl=1: sslmode=require)
LEGACY_KEYWORDS = frozenset(("requiressl",))
# What Prisma's connection URL takes and libpq does not: a DATABASE_URL copied from a Prisma app holds them
# (Supabase's pooler URL: ?pgbouncer=true), and libpq refuses the whole URL for any of them
PRISMA_URL_PARAMETERS = frozenset(("pgbouncer", "schema", "connection_limit", "pool_timeout", "socket_timeout",
                                   "statement_cache_size", "sslaccept", "sslidentity"))
_PRISMA_ONLY = (" (it is Prisma's, which libpq refuses: give opsverify the URL without it — a read-only checker "
                "role's, README: The checker role)")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# placeholders in <…>: a value written without its scheme (`127.0.0.1:5432/db`) is a secret, and the redactor would
# mask the run of it an example shared (`:5432/db`), hiding the fix
_DATABASE_URL_FORMS = "write postgresql://<user>:<password>@<host>:<port>/<database>, or libpq's key=value form"
_SAYABLE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")  # a key or a value read as a word, quoted in a message
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_C_SPACE = " \t\n\r\f\v"  # what libpq's key=value form reads as a space (C's isspace)


def database_url_problem(url: str) -> str | None:
    """What libpq would refuse or misread in a database URL, said without quoting it (it holds a password): an
    unescaped '/' or '@', a blank inside a part, a port out of 1–65535, a query key libpq does not take, an sslmode it
    does not know, an unclosed '[' (a URL) or quote (libpq's key=value form). Read with the standard library, as libpq
    reads it: a URL only where the text starts with `postgresql://` or `postgres://`, in lowercase; any other text is
    libpq's key=value form (whose values may hold a URL: application_name=https://…)."""
    if not url.startswith(_LIBPQ_URL_PREFIXES):
        return _not_a_url_problem(url)
    rest = url.split("://", 1)[1]
    # libpq looks for the user info's '@' up to the first '/' only (not '?'); the user info ends at the first '@'
    lookahead = rest.split("/", 1)[0]
    userinfo, _, after_userinfo = rest.partition("@") if "@" in lookahead else ("", "", rest)
    hosts = re.split(r"[/?]", after_userinfo, maxsplit=1)[0]  # then /dbname, then ?query (a dbname holds no '?')
    # an '@' left in the hosts: a second one in the user info; an '@' in the path with none before it: a password's
    # unescaped '/' cut the user info short (an '@' in the query — ?application_name=ops@ci — is the value's own)
    cut_short = "@" not in lookahead and "@" in rest.partition("?")[0]
    if "@" in hosts or cut_short:
        return ("the user or password holds an unescaped '/' or '@', so libpq would read part of the password as "
                "the host or the database: percent-encode them in the URL (%2F, %40)")
    if _BAD_PERCENT.search(rest):
        return ("a '%' not followed by two hexadecimal digits, which libpq refuses: write a '%' of the password "
                "(or of any part) as %25")
    if "%00" in rest:
        return "%00 (a NUL character), which libpq refuses in any part of the URL"
    user, has_password, password = userinfo.partition(":")
    after_hosts = after_userinfo[len(hosts):]
    dbname = after_hosts[1:].partition("?")[0] if after_hosts.startswith("/") else ""
    query = after_hosts.partition("?")[2]
    parts = [("the user or password", user), ("the user or password", password), ("the database name", dbname)]
    problem = next((_space_inside(part) for part, text in parts if _uri_part(text) is None), None)
    if problem:
        return problem
    passwords = [_uri_part(password)] if has_password else []
    problem = _hosts_problem(hosts)
    if problem:
        return problem
    settings = []  # (key, value), decoded, in the query's order
    pieces = query.split("&") if query else []
    for index, piece in enumerate(pieces):
        if not piece and index == len(pieces) - 1:  # a trailing '&' ends the query, as libpq reads it
            continue
        if piece.count("=") != 1:
            what = "no '='" if "=" not in piece else "a second '=' (write an '=' inside a value as %3D)"
            return f"query parameter {index + 1} has {what}: write ?key=value&key=value"
        key, value = (_uri_part(text) for text in piece.split("="))
        if key is None or value is None:
            return _space_inside(f"query parameter {index + 1}")
        settings.append(("sslmode", "require") if (key, value) == ("ssl", "true") else (key, value))
    passwords += [value for key, value in settings if key in SECRET_KEYWORDS]
    return _settings_problem(settings, passwords, "query parameter")


_LIBPQ_URL_PREFIXES = ("postgresql://", "postgres://")  # libpq compares them as written: case matters
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _not_a_url_problem(text: str) -> str | None:
    """A text that is no URL to libpq: its key=value form, or a URL libpq would read as that form and refuse (a
    scheme in capitals, a blank before it, another scheme)."""
    stripped = text.lstrip(_C_SPACE)
    scheme = _URL_SCHEME.match(stripped)
    if scheme is None:
        return _conninfo_problem(text) if "=" in text else f"not a database URL: {_DATABASE_URL_FORMS}"
    if stripped.startswith(_LIBPQ_URL_PREFIXES):
        return "a blank before postgresql://: libpq then reads the text as its key=value form, and refuses it; remove it"
    name = scheme.group()[:-3]
    if name.lower() in ("postgresql", "postgres"):
        return ("write the scheme in lowercase, postgresql:// or postgres://: libpq reads any other spelling as its "
                "key=value form, and refuses it")
    return f"a {len(name)}-letter URL scheme where postgresql:// or postgres:// belongs"


def _uri_part(text: str) -> str | None:
    """A part of a URL as libpq decodes it: the blanks around it dropped, percent-escapes decoded; None where a blank
    is left inside it, which libpq refuses ("unexpected spaces found")."""
    trimmed = text.strip(" ")
    return None if " " in trimmed else unquote(trimmed)


def _space_inside(part: str) -> str:
    return f"a space inside {part}, which libpq refuses (\"unexpected spaces found\"): write it as %20"


def _hosts_problem(hosts: str) -> str | None:
    """A URL's `host:port,host:port` list as libpq reads it: an IPv6 address in [], each port a number libpq reads
    in 1–65535 (or none, for the default); no blank inside the hosts or the ports, each list decoded whole."""
    names, ports = [], []
    for host in hosts.split(","):
        if host.startswith("["):
            closing = host.find("]")
            if closing == -1:
                return "a '[' with no ']' in the host: write an IPv6 address as [::1]:5432"
            if closing == 1:
                return "an empty '[]' where an IPv6 address belongs: write it as [::1]:5432"
            after = host[closing + 1:]
            if after and not after.startswith(":"):
                return "something other than ':port' after ']' in the host: write an IPv6 address as [::1]:5432"
            names.append(host[1:closing])
            ports.append(after[1:])
        elif "]" in host or "[" in host:
            return "a ']' with no '[' in the host: write an IPv6 address as [::1]:5432"
        else:
            name, _, port = host.partition(":")
            names.append(name)
            ports.append(port)
    if _uri_part(",".join(names)) is None:
        return _space_inside("the host")
    if _uri_part(",".join(ports)) is None:
        return _space_inside("the port")
    return next(filter(None, (_port_problem(unquote(port.strip(" "))) for port in ports)), None)


# a port as libpq reads it (strtol, base 10): blanks around it, a sign, digits
_LIBPQ_PORT = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+)[ \t\n\r\f\v]*")


def _port_problem(port: str) -> str | None:
    """A port as libpq reads it: none (the default) or a number in 1–65535, which may be signed or padded with blanks
    (`+5432`, `' 5432 '`). Digits are said; anything else is not (a password that ended the user early would be
    read as the port)."""
    if not port:
        return None
    number = _LIBPQ_PORT.fullmatch(port)
    if number is None:
        return ("a port that is no number (a whole number in 1–65535 after the host's ':'); a password holding '/', "
                "'@' or ':' before its '@' must be percent-encoded (%2F, %40, %3A)")
    if not 1 <= int(number.group(1)) <= 65535:
        return f"port {int(number.group(1))} is out of range 1–65535"
    return None


_CUT_PASSWORD = {"query parameter": "a password holding '&' must be percent-encoded, %26",
                 "key": "a password holding a space must be quoted, password='a b'"}


def _settings_problem(settings: list[tuple[str, str]], passwords: list[str], called: str) -> str | None:
    """The keys and values of a URL's query or of libpq's key=value form: each key libpq's, each port and sslmode
    one it takes. A key or value is quoted only when it is a plain word and no part of a password (in `?password=a&b=1`,
    libpq reads `b` as a key)."""
    previous = ""
    for number, (key, value) in enumerate(settings, 1):
        # a key right after the password may be the password's own rest, cut by an unescaped '&' (or a space)
        after_password, previous = previous in SECRET_KEYWORDS, key
        if key not in LIBPQ_KEYWORDS and key not in LEGACY_KEYWORDS:
            sayable = _sayable(key, passwords) and not after_password
            said = f"{called} '{key}'" if sayable else f"{called} {number}"
            close = difflib.get_close_matches(key, sorted(LIBPQ_KEYWORDS), n=1) if sayable else []
            hint = (f"; did you mean {close[0]}?" if close else f" (it follows the password: {_CUT_PASSWORD[called]})"
                    if after_password else _PRISMA_ONLY if sayable and key in PRISMA_URL_PARAMETERS
                    else " (see libpq's \"Parameter Key Words\")")
            return f"{said} is not a libpq connection parameter{hint}"
        if key == "sslmode" and value not in SSLMODES:
            said = f" '{value}'" if _sayable(value, passwords) else " (empty)" if not value else ""
            return f"sslmode{said} is not one of {', '.join(SSLMODES)}"
        if key == "port":
            problem = next(filter(None, map(_port_problem, value.split(","))), None)
            if problem:
                return problem
    return None


def _sayable(word: str, passwords: list[str]) -> bool:
    """A plain word that is no part of a password, and holds none."""
    return bool(_SAYABLE_WORD.fullmatch(word)) and not any(word in password or password in word
                                                            for password in passwords if password)


def _conninfo_problem(text: str) -> str | None:
    settings = conninfo_settings(text)
    if isinstance(settings, str):
        return settings
    passwords = [value for key, value in settings if key in SECRET_KEYWORDS]
    return _settings_problem(settings, passwords, "key")


def conninfo_settings(text: str) -> list[tuple[str, str]] | str:
    """libpq's key=value form (`host=db dbname=app password='a b'`) as libpq parses it: each word `key=value`,
    a value quoted in '…' when it holds a space, `\\` escaping the next character; or what is wrong with it."""
    settings: list[tuple[str, str]] = []
    at, words = 0, 0
    while True:
        while at < len(text) and text[at] in _C_SPACE:
            at += 1
        if at == len(text):
            break
        words += 1
        start = at
        while at < len(text) and text[at] != "=" and text[at] not in _C_SPACE:
            at += 1
        key = text[start:at]
        while at < len(text) and text[at] in _C_SPACE:
            at += 1
        if at == len(text) or text[at] != "=":  # the word is said by its place: it may be part of a password
            return (f"libpq's key=value form: word {words} has no '=' after it; a value holding a space must be "
                    "quoted: password='a b'")
        at += 1
        while at < len(text) and text[at] in _C_SPACE:
            at += 1
        value: list[str] = []
        if at < len(text) and text[at] == "'":
            at += 1
            while True:
                if at == len(text):
                    return ("libpq's key=value form: a quoted value is never closed (a ' with no closing '); close it, "
                            "and write a ' inside a value as \\'")
                if text[at] == "\\" and at + 1 < len(text):
                    value.append(text[at + 1])
                    at += 2
                elif text[at] == "'":
                    at += 1
                    break
                else:
                    value.append(text[at])
                    at += 1
        else:
            while at < len(text) and text[at] not in _C_SPACE:
                if text[at] == "\\" and at + 1 < len(text):
                    at += 1
                value.append(text[at])
                at += 1
        settings.append((key, "".join(value)))
    return settings


def _redis_url_problem(address: str) -> str | None:
    """A Redis URL that says more than its evidence would show (a query option: another database, HELLO 3,
    certificates unchecked): refused at load, as the redis families refuse it before connecting."""
    if "://" not in address or urlsplit(address).scheme not in ("redis", "rediss", "unix"):
        return None  # host:port (a tcp endpoint on a host named redis), or no Redis URL
    from .transports.redis import url_problem

    return url_problem(address)


def address_problem(url: str) -> str | None:
    """What an HTTP or Redis client would misread in a service's or endpoint's URL, said without quoting it: a
    password holding an unescaped '#', '?' or '/' ends the address there, and its first part becomes the port
    (which the client's error would then print); a host the resolver cannot encode (`a..example`); a blank around it."""
    text = url
    if text != text.strip():  # read as written, as the client reads it: a port '6379 ' stops every item on it
        return _BLANK_AROUND
    if "://" not in text:
        return _bare_port_problem(text)  # host:port, as tcp endpoints are written
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed '['
        broken = True
    else:
        try:
            port = parts.port  # raises on a port that is no number, or one above 65535
        except ValueError:
            port = None
            broken = True
        else:
            broken = bool(parts.netloc) and not parts.hostname  # (unix:///run/redis.sock names no host, rightly)
            if parts.scheme.lower() == "unix":  # a socket's path, and perhaps a user and password: never a host
                broken = bool(parts.netloc.rpartition("@")[2])
        if broken or port == 0:  # 0 is no port to a client: it would ask the scheme's default port instead
            out_of_range = _port_out_of_range(text, parts)
            if out_of_range:
                return out_of_range
            broken = True
    if broken:
        return ("not an address a client can read (no host, or a port that is no number): a password holding '#', "
                "'?', '/' or '@' must be percent-encoded (%23, %3F, %2F, %40)")
    try:  # as the client encodes the host: else every item would fail at run time, nothing sent
        _encode_host(parts.hostname or "")
    except UnicodeError as exc:  # idna.IDNAError is one
        # idna quotes the label it refuses (in '…', of "…"), and names the character and where it is: a label may be
        # a variable's value (a tenant key), so only the kind of problem is said
        reason = _IDNA_QUOTED.sub("", str(exc.__cause__ or exc))
        reason = _IDNA_WHERE.sub("", reason).strip()
        if "not allowed" in reason or not reason:
            reason = "it holds a character IDNA does not allow in a host name"
        return (f"the host is no DNS name ({visible(reason)}); write the host as its name is "
                "registered: no empty part between dots (two dots in a row, a leading dot), none over 63 characters")
    return None


_BLANK_AROUND = ("a blank (a space, a tab, a no-break space …) at its start or end, which the client would read as "
                 "part of the address (a port '6379 ' is no number): remove it")
_IDNA_QUOTED = re.compile(r"""\s*(?:\b(?:in|of)\s+)?b?(?:'.*'|".*")""")  # the label, in '…' or "…" (to the last quote)
_IDNA_WHERE = re.compile(r"\s*(?:U\+[0-9A-Fa-f]{4,6}|\bat position \d+)")  # the character and where it is


def _bare_port_problem(address: str) -> str | None:
    """`host:port` (a tcp endpoint): one the URL parser cannot read at all (`[::1:3310`, an unclosed '['), and a
    port of digits out of 1–65535 — 0 too, which the client reads as no port, so the protocol's default port would
    be asked instead. Anything else is the family's to read."""
    as_url = f"tcp://{address}"
    try:
        parts = urlsplit(as_url)
    except ValueError:  # an unclosed '[', a '[…]' holding no IP address, a character NFKC reads as ':' or '/'
        return "not an address a client can read: write host:port, or an IPv6 address as [::1]:3310"
    if not _HOST_PORT.fullmatch(address):
        return None
    return _port_out_of_range(as_url, parts)


_HOST_PORT = re.compile(r"(?:\[[^\]]*\]|[^:/@\[\]]+):[0-9]+")  # name:port, [v6]:port


def _port_out_of_range(text: str, parts: SplitResult) -> str | None:
    """`http://host:99999`, `http://host:0`: a port of digits out of 1–65535, said as such; not where an '@' follows
    the address as the parser cut it (a password's unescaped '#', '?' or '/' ended it: its digits would be read as
    the port)."""
    after = text.split("://", 1)[1][len(parts.netloc):]
    host_port = parts.netloc.rpartition("@")[2]
    port = host_port.rpartition("]")[2] if host_port.startswith("[") else host_port
    port = port.partition(":")[2]
    if "@" in after or not port.isascii() or not port.isdigit() or not parts.hostname or 1 <= int(port) <= 65535:
        return None
    return f"port {int(port)} is out of range 1–65535"


def _encode_host(host: str) -> None:
    """Raises what the client would on `host`: a non-ASCII one as httpx encodes it (`idna.encode`, IDNA 2008, which
    allows a digit ending a right-to-left label and refuses a symbol such as ☃); an ASCII one as the resolver and
    ssl take it (no empty label, none over 63 characters)."""
    if host.isascii():
        host.encode("idna")
    else:
        idna.encode(host.lower())


def known_environments(directory: Path) -> list[str]:
    """The environments `--env` can name: a file whose name is no environment name (`my.env.yaml`) is none, nor is
    anything that is no regular file (a folder, a FIFO, a link to nothing): `--env` would refuse it."""
    return sorted(p.stem for p in directory.glob("*.yaml") if _ENVIRONMENT_NAME.fullmatch(p.stem) and p.is_file())


def environment_path(directory: Path, name: str) -> Path:
    if not _ENVIRONMENT_NAME.fullmatch(name or ""):
        raise UnknownEnvironment(f"--env: '{spelled(name[:100])}' is not an environment name (letters, digits, _ "
                                 f"and -, not first; known: {', '.join(known_environments(directory)) or 'none'})"
                                 f"{_rename_hint(directory, name)}")
    if directory.is_file():  # else "unknown environment; known: none" would send the operator looking for a name
        raise ConfigError(f"--environments-dir {shown(directory)} is a file, not a folder: name the folder holding "
                          f"{name}.yaml")
    path = directory / f"{name}.yaml"
    if os.path.lexists(path) and not path.is_file():  # there, but not one to read: not "unknown" either
        what = ("a symbolic link to nothing (or a loop of links)" if path.is_symlink() and not path.exists()
                else "not a regular file (a device, a FIFO or a folder)")
        raise ConfigError(f"{shown(path)}: {what}: point it at a file")
    if not path.is_file():
        known = ", ".join(known_environments(directory)) or "none"
        raise UnknownEnvironment(
            f"--env {name}: unknown environment ({shown(path)} not found); known: {known}{_unread_hint(path)}"
        )
    twins = _spelled_otherwise(path)
    if twins:  # never read: a fix made in it would be lost without a word
        raise ConfigError(f"{shown(twins[0])} beside {shown(path)}: one environment, one file: merge it into "
                          f"{path.name} and remove {twins[0].name}")
    return path


def _spelled_otherwise(path: Path) -> list[Path]:
    """Files beside `staging.yaml` named as it but for the extension (`staging.yml`, `staging.YAML`): never read."""
    try:
        return sorted(p for p in path.parent.iterdir() if p.stem == path.stem and p.is_file()
                      and p.suffix.lower() in (".yaml", ".yml") and p.suffix != ".yaml")
    except OSError:
        return []


def _unread_hint(path: Path) -> str:
    """A `staging.yml` or `staging.YAML` where `staging.yaml` is looked for: said, as a checklist's is."""
    found = _spelled_otherwise(path)
    return f"; {shown(found[0])}: environments are *.yaml files; rename it {path.name}" if found else ""


def _rename_hint(directory: Path, name: str) -> str:
    """When a file is there under that name (`my.env.yaml`), how to make it one --env can name."""
    if "/" in name or len(name) > 100:
        return ""
    try:
        there = (directory / f"{name}.yaml").is_file()
    except (OSError, ValueError):  # a name no file system takes
        return ""
    if not there:
        return ""
    # a letter with a mark as the letter (Ü as U), any other character as -, never first (pytest's option)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fixed = re.sub(r"[^A-Za-z0-9_-]", "-", ascii_name).lstrip("-")[:96] or "env"
    taken, number = fixed, 2
    while (directory / f"{fixed}.yaml").exists():  # another environment's file: never offered to overwrite
        fixed, number = f"{taken}-{number}", number + 1
    return (f"; {shown(directory / f'{name}.yaml')} cannot be named: rename it {fixed}.yaml, with name: {fixed} "
            f"in it")


def peek(directory: Path, name: str) -> EnvironmentModel:
    """Validate the file's structure without resolving variables (e.g. to see `demo: true`)."""
    path = environment_path(directory, name)
    raw = _load_raw(path)
    return _as_written(path, raw)


def _as_written(path: Path, raw: dict) -> EnvironmentModel:
    """The file's structure, before its ${VAR}s are set. One that names no system (`systems: {}`, each commented out
    in a merge) is refused: every item would skip "not configured", and the run end green having checked nothing."""
    model = _validate(path, raw, as_written=True)
    if not model.systems:
        raise ConfigError(f"{shown(path)}: systems: names no system, so every item would skip and the run check "
                          "nothing; name at least one system under it")
    return model


def _no_proxy_the_client_reads() -> None:
    """The process's NO_PROXY as the HTTP client reads it: httpx cannot read a bracketed IPv6 entry (`[::1]`), and
    every request would then end as an internal error, blamed on each target."""
    for variable in ("NO_PROXY", "no_proxy"):
        odd = [entry.strip() for entry in os.environ.get(variable, "").split(",") if "[" in entry or "]" in entry]
        if odd:
            bare = re.sub(r"^\[([^\]]*)\].*$", r"\1", odd[0])
            raise ConfigError(f"{variable}: the entry {spelled(odd[0])} is one the HTTP client (httpx) cannot read;"
                              f" write the IPv6 address without brackets ({spelled(bare)})")


@dataclass
class _Substitution:
    """What setting a file's ${VAR}s met: the problems load_environment refuses, and the values a run redacts."""

    missing: list[tuple[str, str, bool]] = field(default_factory=list)  # (where, variable, set but empty)
    garbled: list[tuple[str, str, str]] = field(default_factory=list)  # (where, variable, what is wrong with it)
    malformed: list[str] = field(default_factory=list)  # a `$` that is neither `$$` nor a ${VAR}
    too_short: list[str] = field(default_factory=list)  # a URL's password, a secret written in the file: too short
    used: list[str] = field(default_factory=list)  # values from ${VAR}s that hold secrets: redacted everywhere
    # where -> the ${VAR}s its value is set from: a problem with a value is said with them, never with the value
    sources: dict[tuple, str] = field(default_factory=dict)


def _substituted(raw: Any, local: dict[str, str]) -> tuple[Any, _Substitution]:
    """`raw` with each ${VAR} set from the process's environment or `local`, and what that met."""
    met = _Substitution()
    missing, garbled, malformed, too_short, used = (met.missing, met.garbled, met.malformed, met.too_short,
                                                    met.used)

    def substitute(value: Any, where: tuple) -> Any:
        if isinstance(value, dict):
            return {k: substitute(v, where + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [substitute(v, where + (i,)) for i, v in enumerate(value)]
        if not isinstance(value, str) or isinstance(value, Unquoted):  # a switch's true, kept as written: no ${VAR}
            return value

        def one(match: re.Match[str]) -> str:
            if match.group() == "$$":
                return "$"
            if match.group() == "$":
                malformed.append(f"{_location(where)}: {_bad_dollar(value[match.start():])}")
                return ""
            var, default = match.group(1), match.group(2)
            found = os.environ.get(var, local.get(var))
            unset = found is None
            if found:  # `echo secret > file` leaves a line break: drop it (a lone one leaves the value empty)
                found = found.removesuffix("\n").removesuffix("\r")
            from_default = not found and default is not None
            if from_default:  # as the shell's :-, an empty value takes the default too;
                found = default  # the default is sent as the value would be: the same rules apply
            if not found:  # an unset secret is often an empty string (GitHub Actions): not "not configured"
                if default is None:
                    missing.append((_location(where), var, found is not None))
                return ""  # `${VAR:-}`: optional, so empty means not configured
            secret = _secret_field(where, var, found)
            if secret or (_in_url_path(value, match.start()) and may_be_a_key(found)):
                # a key in a URL's path or query (…/rpc/${KEY}) too; kept before any problem with the value is said:
                # a refusal of the inputs is masked by it where the environment does not load (`as_far_as_it_reads`)
                used.append(found)
            if _CONTROL.search(found):  # a control character left inside the value
                garbled.append((_location(where), var, "holds a control character inside the value (a line break,"
                                " a tab, or another such as a bell); set it to the value alone (e.g. printf '%s' ..."
                                " rather than echo)"))
                return ""
            if _NOT_UTF8.search(found):  # bytes that are not UTF-8 reach os.environ as lone surrogates
                garbled.append((_location(where), var, "holds bytes that are not UTF-8 text; set it to the value "
                                "as UTF-8"))
                return ""
            if secret and len(found) < Redactor.MIN_LENGTH and "secrets" in map(str, where):
                # a default is the file's to fix, not the variable's
                what = (f"is {'unset' if unset else 'empty'}, and its default written in the file is"
                        if from_default else "is")
                garbled.append((_location(where), var, f"{what} {len(found)} characters: {_TOO_SHORT}; use one "
                                f"of at least {Redactor.MIN_LENGTH}"))
                return ""
            parameter = _short_query_key(where, value, match, found)
            if parameter is not None:  # said as the URL password's rule says its own, never the value
                too_short.append(f"{_location(where)}: the URL's query parameter {parameter}, set from ${{{var}}}, is "
                                 f"{len(found)} characters: {_TOO_SHORT}; use one of at least {Redactor.MIN_LENGTH} "
                                 "characters, or take it out of the URL")
                return ""
            return found

        said = len(garbled)
        text = _DOLLAR.sub(one, value)
        variables = dict.fromkeys(f"${{{m.group(1)}}}" for m in _DOLLAR.finditer(value) if m.group(1))
        if variables:
            met.sources[where] = ", ".join(variables)
        if _is_secret(where) and 0 < len(text) < Redactor.MIN_LENGTH and len(garbled) == said:
            # written in the file (a variable's own value too short is said above): the redactor would pass over it
            too_short.append(f"{_location(where)}: the value written in the file is {len(text)} characters: "
                             f"{_TOO_SHORT}; use one of at least {Redactor.MIN_LENGTH}")
        short = _short_url_password(text) if where[:1] == ("systems",) else None
        if short:  # said with the variables it came from, never the URL
            source = f" from {', '.join(variables)}" if variables else ""
            too_short.append(
                f"{_location(where)}: the URL{source} has a password of {short} character{'s' if short > 1 else ''}: "
                f"a password this short is found inside ordinary words, so it cannot be kept out of the output; give "
                f"it one of at least {_LONG_PASSWORD}")
        return text

    return substitute(raw, ()), met


def load_environment(directory: Path, name: str, *, checks: list[Check] | None = None,
                     systems: tuple[str, ...] | list[str] = ()) -> Environment:
    """`checks` (every item of the checklists) cross-check the names the environment gives: a misspelt
    system, service, endpoint, provider or secret would leave its items skipped, and the run green."""
    path = environment_path(directory, name)
    _no_proxy_the_client_reads()
    kept: dict[Path, bytes] = {}
    raw = _load_raw(path, kept)
    _as_written(path, raw)  # structure first: a typo is reported even when variables are unset
    _check_credentials_are_references(path, raw)

    local_file = directory / f"{name}.secrets.env"
    local = _local_values(local_file)
    if systems:  # narrowed with --system: the other systems' variables are not needed
        raw = {**raw, "systems": {k: v for k, v in (raw.get("systems") or {}).items() if k in systems}}
    resolved, met = _substituted(raw, local)
    missing, garbled, malformed, too_short, used = (met.missing, met.garbled, met.malformed, met.too_short,
                                                    met.used)
    if malformed:
        raise ConfigError(_summarise([f"{shown(path)}: {problem}" for problem in malformed], "environment"))
    if missing or garbled or too_short:
        # an empty exported variable (GitHub Actions' value for a missing secret) wins over the file's value: said so,
        # or the fix given ("add it to the file") would be one already made
        hidden = {var for _, var, is_empty in missing
                  if is_empty and var in os.environ and (local.get(var) or "").strip("\r\n")}
        raise MissingVariable(_variables_message(path, local_file, missing, garbled, too_short, hidden))
    model = _validate(path, resolved)
    problems = []  # every address and file problem, said together: a run finds them all
    for system, config in model.systems.items():
        at = f"{shown(path)}: systems.{spelled(system)}"
        problem = database_url_problem(config.database) if config.database else None
        if problem:
            problems.append(f"{at}.database: {problem}")
        for where, address in _addresses(system, config).items():
            problem = address_problem(address) if isinstance(address, str) and address else None
            if problem is None and isinstance(address, str) and where[2] == "endpoints":
                problem = _redis_url_problem(address)
            if problem == _BLANK_AROUND and where in met.sources:  # the variable's value is to fix, not the file
                problem += f" (it is set from {met.sources[where]})"
            if problem:
                problems.append(f"{at}.{'.'.join(map(spelled, where[2:]))}: {problem}")
        for service in config.services.values():
            source = service.env
            if source is not None and not (source.dotenv or source.process_prefix):
                service.env = None  # an optional `${VAR:-}` source left empty: only this service's env items skip
    if model.name != name:
        problems.insert(0, f"{shown(path)}: name: '{spelled(model.name)}' does not match the file name '{name}' (an "
                           "environment's file is <name>.yaml: rename the file or the name)")
    problems += _file_problems(path, model)
    if problems:
        raise ConfigError(_summarise(problems, "environment"))
    if checks is not None:
        # an item's name no environment defines, near one this environment has, first: else the environment's name,
        # then used by no item, would be said to be the typo (`services.web: unknown service (checks use: wbe)`)
        nowhere = _check_cited_names(path, model, checks, raw)
        _check_references(path, model, _services_in_use(checks))
        _check_job_calls_by_value(path, model, checks)
    else:
        nowhere = ()
    _check_names(path, model, checks)
    # after the names: a misspelt one is said first
    _check_sendable(path, model, _http_endpoints(checks or []), _redis_endpoints(checks or []))
    return Environment(name=name, path=path, model=model, secret_values=tuple(used), data=kept[path],
                       defined_nowhere=nowhere)


def as_far_as_it_reads(path: Path, text: str) -> tuple[Environment | None, list[str], list[str]]:
    """The environment file at `path` (its `text`), for masking a refusal of the inputs, which may be of this very
    file (a ${VAR} unset, a file it names missing, a key misspelt): read leniently, every ${VAR} set substituted as
    load_environment sets it and every problem passed over. The environment where its structure validates; the
    values of its ${VAR}s a run redacts, judged as load_environment judges them; the URLs it holds once set. A file
    YAML cannot read is read line by line, each line's keys those above it by indentation."""
    from .transports.envsource import salvaged

    local_file = path.with_name(f"{path.stem}.secrets.env")
    try:
        local = _local_values(local_file)
    except (ConfigError, MissingVariable):  # refused, perhaps the refusal itself: its lines as far as they read
        local = dict(salvaged(str(local_file)))
    raw = _read_yaml(path, [], _EnvironmentLoader)
    try:
        resolved, met = _substituted(raw, local)
    except RecursionError:  # nested deeper than a walk of it goes
        raw = None
    if not isinstance(raw, dict):
        return None, *_secrets_line_by_line(text, local)
    urls = [value for value in _texts(resolved) if "://" in value]
    try:
        model = _validate(path, resolved)
    except ConfigError:  # its structure is what is refused: the values judged secret, and the URLs' credentials
        return None, met.used, urls
    return Environment(name=path.stem, path=path, model=model, secret_values=tuple(met.used)), met.used, urls


def _texts(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [text for value in data.values() for text in _texts(value)]
    if isinstance(data, list):
        return [text for value in data for text in _texts(value)]
    return [data] if isinstance(data, str) else []


def _secrets_line_by_line(text: str, local: dict[str, str]) -> tuple[list[str], list[str]]:
    """As `as_far_as_it_reads`, for a file YAML cannot read: where a value stands (a URL's password with a comma in it,
    a flow mapping over two lines) cannot be told, so every ${VAR} it cites that is set is taken as a secret — a path
    among them is masked too, in a refusal that is about this file anyway."""
    values = [os.environ.get(name) or local.get(name) for name in dict.fromkeys(CITED_VARIABLE.findall(text))]
    return [value for value in values if value], []


CITED_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")  # a ${VAR} the file cites


def _hides(local_file: Path) -> str:
    """What an empty exported variable does to the value the secrets file holds for it, and the fix (never the value)."""
    return f"exported empty, which hides its value in {shown(local_file)}: unset it, or export its value"


def _missing_message(path: Path, local_file: Path, missing: list[tuple[str, str, bool]], hidden: set[str]) -> str:
    """Every unset variable, once, with every field that needs it: all of them are needed before anything runs, so
    naming a few would leave the rest to be found one run at a time. One variable is one line; more are a line
    saying how many and the fix, then one line each. One exported empty over the secrets file's value (`hidden`)
    is said so, with its own fix."""
    fields: dict[str, list[str]] = {}  # variable -> the fields needing it, in the file's order
    empty: set[str] = set()
    for where, var, is_empty in missing:
        fields.setdefault(var, []).append(where)
        if is_empty:
            empty.add(var)
    optional = "; write ${NAME:-} where a value may be empty" if empty - hidden else ""
    fix = f"or add {'it' if len(fields) == 1 else 'them'} to {shown(local_file)} (untracked){optional}"

    def name(var: str) -> str:
        if var in hidden:
            return f"${{{var}}} ({_hides(local_file)})"
        return f"${{{var}}}{' (set but empty)' if var in empty else ''}"

    if len(fields) == 1:
        [(var, places)] = fields.items()
        need = "needs" if len(places) == 1 else "need"
        if var in hidden:
            return (f"{shown(path)}: 1 variable not set: {', '.join(places)} {need} ${{{var}}}; {var} is "
                    f"{_hides(local_file)}")
        return f"{shown(path)}: 1 variable not set: {', '.join(places)} {need} {name(var)}; export it {fix}"
    lines = "".join(f"\n  {name(var)}: {', '.join(places)}" for var, places in fields.items())
    how = (f"export them {fix}" if set(fields) - hidden else
           f"each is exported empty, which hides its value in {shown(local_file)}: unset them, or export their values")
    return f"{shown(path)}: {len(fields)} variables not set, each below with the fields that need it; {how}:{lines}"


def _variables_message(path: Path, local_file: Path, missing: list[tuple[str, str, bool]],
                       garbled: list[tuple[str, str, str]], too_short: list[str], hidden: set[str]) -> str:
    """Every variable problem at once, each with the fields it concerns, never a value: one run finds them all.
    Only unset ones: as _missing_message says them. One other problem alone: one line, as it was."""
    others = [f"{', '.join(places)}: ${{{var}}} {problem}"
              for (var, problem), places in _fields_of(garbled).items()] + too_short
    if not others:
        return _missing_message(path, local_file, missing, hidden)
    if not missing and len(others) == 1:
        return f"{shown(path)}: {others[0]}"
    unset = [f"{', '.join(places)}: ${{{var}}} is "
             f"{_hides(local_file) if var in hidden else 'set but empty' if is_empty else 'not set'}"
             for (var, is_empty), places in _fields_of(missing).items()]
    optional = ("; write ${NAME:-} where a value may be empty"
                if any(is_empty and var not in hidden for _, var, is_empty in missing) else "")
    fix = (f" (a variable not set: export it or add it to {shown(local_file)} (untracked){optional})"
           if any(var not in hidden for _, var, _ in missing) else "")
    lines = "".join(f"\n  {line}" for line in unset + others)
    count = len(unset) + len(others)
    return f"{shown(path)}: {count} variable problems, each below with the fields it concerns{fix}:{lines}"


def _fields_of(found: list[tuple[str, Any, Any]]) -> dict[tuple[Any, Any], list[str]]:
    """(variable, what is wrong) -> the fields it is found in, in the file's order, from (field, variable, what)."""
    fields: dict[tuple[Any, Any], list[str]] = {}
    for where, var, what in found:
        fields.setdefault((var, what), []).append(where)
    return fields


def _short_url_password(value: str) -> int | None:
    """The length of a URL's password too short to be redacted (a 3-character one would mask those letters in every
    word), as written or as the client sends it (percent-decoded) — in the userinfo, in the query (`?password=`,
    which libpq reads too) or in libpq's key=value form (`password=abc`); else None."""
    written = [*query_passwords(value)] if "://" in value else dsn_passwords(value)
    if "://" in value and "@" in value:
        try:
            written.append(urlsplit(value.strip()).password or "")
        except ValueError:  # not a URL a parser reads: address_problem and database_url_problem say so
            pass
    lengths = [min(len(p), len(unquote(p))) for p in written if p]
    short = [n for n in lengths if n < _SHORTEST_URL_PASSWORD]
    return min(short) if short else None


def _endpoints_used(checks: list[Check], uses: Callable[[Check], bool]) -> dict[str, dict[str, str]]:
    """System -> each endpoint an item that `uses` holds names -> the first such item."""
    found: dict[str, dict[str, str]] = {}
    for check in checks:
        module = families.get(check.family) if uses(check) else None
        for need in families.needs(module, check.params) if module is not None else ():
            kind, _, name = need.partition(":")
            if kind == "endpoint":
                found.setdefault(check.system, {}).setdefault(name, check.key)
    return found


def _http_endpoints(checks: list[Check]) -> dict[str, dict[str, str]]:
    """System -> each endpoint an item sends HTTP requests to -> the first such item."""
    return _endpoints_used(checks, lambda check: check.family in _HTTP_FAMILIES)


def _redis_endpoints(checks: list[Check]) -> dict[str, dict[str, str]]:
    """System -> each endpoint an item speaks Redis to (the redis family; tcp's `protocol: redis`) -> the first
    such item: a Redis client takes only a redis://, rediss:// or unix:// URL there."""
    def speaks_redis(check: Check) -> bool:
        params = check.params  # the family's Params, or a dict for a family not built
        protocol = params.get("protocol") if isinstance(params, dict) else getattr(params, "protocol", None)
        return check.family == "redis" or (check.family == "tcp" and protocol == "redis")

    return _endpoints_used(checks, speaks_redis)


_HTTP_FIX = "write http://host:port or https://host"
_REDIS_SCHEMES = ("redis", "rediss", "unix")


def _check_sendable(path: Path, model: EnvironmentModel, http_endpoints: dict[str, dict[str, str]],
                    redis_endpoints: dict[str, dict[str, str]] | None = None) -> None:
    for system, config in model.systems.items():
        problem = _unsendable(config, http_endpoints.get(system, {}), (redis_endpoints or {}).get(system, {}))
        if problem:
            raise ConfigError(f"{shown(path)}: systems.{spelled(system)}.{problem}")


def _unsendable(config: SystemModel, http_endpoints: dict[str, str],
                redis_endpoints: dict[str, str] | None = None) -> str | None:
    """A URL no HTTP request can be sent to (`127.0.0.1:18431`: no scheme; `https://`: no host) would fail every item
    at run time as "did not answer", though nothing was sent: where it is (below the system), and the fix. A
    provider's base_url carries a bearer token: plain http only to this machine."""
    from .checklist import unsafe_query_methods

    for name, service in config.services.items():
        if service.url and _http_host(service.url) is None:
            return f"services.{spelled(name)}.url: not an http(s) URL with a host: {_HTTP_FIX}"
        # its query goes with every request (a GET, a webhook's POST): one naming another method makes each that one
        unsafe = unsafe_query_methods(service.url or "")
        if unsafe:
            return (f"services.{spelled(name)}.url: its query's {unsafe[0]} asks the server to take every"
                    " request to the service as another method; leave it out (an item that means to send one says"
                    " method: and mutating: true)")
    for name, item in http_endpoints.items():
        value = config.endpoints.get(name)
        if value and _http_host(value) is None:
            return (f"endpoints.{spelled(name)}: not an http(s) URL with a host ({item} sends it HTTP requests): "
                    f"{_HTTP_FIX}")
        unsafe = unsafe_query_methods(value or "")
        if unsafe:
            return (f"endpoints.{spelled(name)}: its query's {unsafe[0]} asks the server to take every"
                    f" request of {item} as another method; leave it out")
    for name, item in (redis_endpoints or {}).items():
        value = config.endpoints.get(name)
        parts = urlsplit(value) if value else None
        if parts is not None and parts.scheme.lower() in ("redis", "rediss") and not parts.hostname:
            return (f"endpoints.{spelled(name)}: a Redis URL with no host ({item} speaks Redis to it; the client "
                    "would ask localhost:6379): write redis://host:6379")
        if parts is not None and parts.scheme.lower() == "unix" and not parts.path:
            return f"endpoints.{spelled(name)}: a unix:// URL with no socket path ({item}): write unix:///path/to/sock"
        if parts is not None and parts.scheme.lower() not in _REDIS_SCHEMES:  # `host:port` reads as a scheme `host`
            return (f"endpoints.{spelled(name)}: not a redis://, rediss:// or unix:// URL ({item} speaks Redis to "
                    "it): write redis://host:6379 (rediss:// for TLS)")
    for platform, settings in config.providers.items():
        base = settings.get("base_url")
        scheme_host = _http_host(base) if base else ("https", "")
        if scheme_host is None or scheme_host[0] != "https" and not is_loopback(scheme_host[1]):
            return (f"providers.{spelled(platform)}.base_url: not an https URL with a host: it carries the token, so "
                    "http is only for a loopback host (127.0.0.1, ::1, localhost); write https://host")
    return None


def _http_host(url: str) -> tuple[str, str] | None:
    """(scheme, host) of an http(s) URL with a host, else None."""
    try:
        parts = urlsplit(url)  # a blank around it was refused with the addresses
        host = parts.hostname
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return (scheme, host) if scheme in ("http", "https") and host else None


def is_loopback(host: str) -> bool:
    """A host name or address that is this machine (a name other than localhost may resolve anywhere)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return False


def _addresses(system: str, config: SystemModel) -> dict[tuple, Any]:
    """Where in the file (`systems`, system, …) -> each address a client is given: a service's URL, an endpoint, a
    provider's base_url."""
    found: dict[tuple, Any] = {("systems", system, "services", name, "url"): service.url
                               for name, service in config.services.items()}
    found.update({("systems", system, "endpoints", name): value for name, value in config.endpoints.items()})
    found.update({("systems", system, "providers", platform, "base_url"): settings.get("base_url")
                  for platform, settings in config.providers.items()})
    return found


def _check_credentials_are_references(path: Path, raw: dict) -> None:
    """A credential under providers (a token, a secret access key) written into the file would be committed, and
    copied into every archive's inputs/: it must be one ${VAR}. Said as the file has it, before any variable is
    read, naming the field and never the value."""
    found = [f"systems.{spelled(str(system))}.providers.{spelled(str(platform))}.{spelled(str(key))}"
             for system, config in (raw.get("systems") or {}).items()
             for platform, settings in ((config or {}).get("providers") or {}).items()
             for key, value in (settings or {}).items()
             if not str(key).startswith("service.") and _CREDENTIAL.search(str(key))
             and not (isinstance(value, str) and _ONE_REFERENCE.fullmatch(value))]
    if found:
        what = "a token" if found[0].endswith(".token") else "a secret"
        more = f" (and {len(found) - 1} more: {', '.join(found[1:])})" if len(found) > 1 else ""
        raise ConfigError(f"{shown(path)}: {found[0]} must be a ${{VAR}} reference: {what} written in the file would "
                          f"be committed{more}")


def _bad_dollar(text: str) -> str:
    """Why `text`, which starts with a `$`, is no `$$` nor `${NAME}` nor `${NAME:-default}`. A bare `$word` is not
    quoted: it may be part of a password written into the file."""
    fix = "write ${NAME} or ${NAME:-default} for a variable, $$ for a literal $"
    if not text.startswith("${"):
        return f"a $ that starts no ${{NAME}}; {fix}"
    if "}" not in text:
        return f"'{visible(cut(text, 40))}' is never closed; add the }}"
    inner = text[2:text.index("}")]
    if "$" in inner:
        return f"a default cannot hold another ${{…}} (${{A:-${{B}}}} is not read); {fix}"
    return f"'${{{visible(cut(inner, 40))}}}' is not a variable (a name is letters, digits and _); {fix}"


class _EnvironmentLoader(WordKeepingLoader):
    """The loader of environment files: a number under timeouts or concurrency written as YAML 1.2 (and JSON, and a
    checklist's params) reads it — `5e3`, `1.5E+3` — is that number; YAML 1.1 wants a dot and a signed exponent, and
    reads it as text, which pydantic then cannot read as a whole number. Elsewhere (names, URLs) text stays text.
    The switches (demo, allow_mutating, each service's verify_tls), name and description are kept as written where
    YAML reads them otherwise (`allow_mutating: yes` as true): the model takes only true and false, and says how."""

    def construct_document(self, node):
        _numbers_as_written(node)
        for mapping in _with_merged(node):
            self._keep_words(mapping, _SWITCHES | _WORDS)
        for service in _services(node):
            self._keep_words(service, {"verify_tls"})
        return super().construct_document(node)

    def _keep_words(self, mapping: Any, keys: set[str]) -> None:
        """`keep_words`, but a number is left as YAML reads it: one written in a form YAML reads otherwise is said as
        such (`description: 12:30`, base 60: see `_FileLoader`), and any other by its field (not text, not a
        boolean)."""
        self.keep_words(mapping, {key_node.value for key_node, value_node in mapping.value
                                  if isinstance(key_node, yaml.ScalarNode) and key_node.value in keys
                                  and value_node.tag not in (_INT, _FLOAT)})


def _with_merged(mapping: Any) -> list[Any]:
    """A mapping node and the mappings its `<<:` merges (theirs too): the keys they give are the mapping's own."""
    found: list[Any] = []
    stack = [mapping]
    while stack:
        node = stack.pop()
        if not isinstance(node, yaml.MappingNode) or any(node is seen for seen in found):
            continue
        found.append(node)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                stack += value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
    return found


def _values_of(mapping: Any, key: str | None = None) -> list[Any]:
    """The value nodes of a mapping node and the mappings it merges: every one, or the one of `key`."""
    return [value_node for node in _with_merged(mapping) for key_node, value_node in node.value
            if key_node.tag != _MERGE and (key is None or (isinstance(key_node, yaml.ScalarNode)
                                                           and key_node.value == key))]


def _services(document: Any) -> list[Any]:
    """The mapping nodes of `systems.<system>.services.<service>` (with the mappings each merges)."""
    return [mapping for systems in _values_of(document, "systems") for system in _values_of(systems)
            for services in _values_of(system, "services") for service in _values_of(services)
            for mapping in _with_merged(service)]


def _numbers_as_written(document: Any) -> None:
    """In the document's node, each scalar under a top-level key whose values are numbers (timeouts, concurrency)
    that YAML 1.1 reads as text and YAML 1.2 as a number becomes a node of that number (a merged mapping's keys are
    those of the mapping merging it; each node once)."""
    seen: set[int] = set()
    stack: list[tuple[Any, bool, bool]] = [(document, True, False)]  # (node, at the top, under a number's key)
    while stack:
        node, top, numbers = stack.pop()
        if not isinstance(node, yaml.MappingNode) or id(node) in seen:
            continue
        seen.add(id(node))
        for index, (key_node, value_node) in enumerate(node.value):
            if key_node.tag == _MERGE:
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                stack += [(mapping, top, numbers) for mapping in merged]
                continue
            under = numbers or (top and isinstance(key_node, yaml.ScalarNode)
                                and key_node.value in _ENVIRONMENT_NUMBERS)
            if under and _number_read_as_text(value_node):
                node.value[index] = (key_node, _as_number(value_node))
            stack.append((value_node, False, under))


def _load_raw(path: Path, kept: dict[Path, bytes] | None = None) -> dict:
    """The file's data, read once: its keys are checked in the same bytes (`kept`, also the caller's, gets them)."""
    problems: list[str] = []
    kept = {} if kept is None else kept
    raw = _read_yaml(path, problems, _EnvironmentLoader, kept=kept)
    if problems:  # a number YAML reads otherwise may be written more than once: each is said
        raise ConfigError(_summarise(problems, "environment"))
    if raw is None:  # nothing, a comment, a lone `---`
        raise ConfigError(f"{shown(path)}: the file is empty; an environment needs name and systems")
    if not isinstance(raw, dict):
        raise ConfigError(f"{shown(path)}: expected a mapping with name, systems, ...; got {type(raw).__name__}")
    misread = _keys_read_otherwise(kept[path].decode("utf-8"))
    if misread:
        raise ConfigError(_summarise([f"{shown(path)}: {problem}" for problem in misread], "environment"))
    return raw


_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NOT_TEXT = {f"tag:yaml.org,2002:{t}": kind for t, kind in
             (("bool", ""), ("int", "a number"), ("float", "a number"), ("timestamp", "a date"),
              ("null", "nothing (null)"))}


def _keys_read_otherwise(text: str) -> list[str]:
    """Keys YAML 1.1 reads as no text — `no:` is false, `on:` true, `1:` a number — each where it is written and as
    written: pydantic would name the value read (`systems.0: Input should be a valid string`). The file's nodes
    are walked (each once: an alias is no second copy), not its data, which no longer holds the word."""
    document = yaml.compose(text, Loader=_COMPOSER)
    found: list[tuple[int, str]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str, ...]]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, yaml.MappingNode) or id(node) in seen:
            continue
        seen.add(id(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # the keys it merges are this mapping's own
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                stack += [(mapping, where) for mapping in merged]
            elif isinstance(key_node, yaml.ScalarNode):
                at = (*where, key_node.value)
                if key_node.style or key_node.tag not in _NOT_TEXT or not key_node.value:  # an empty one: pydantic's
                    stack.append((value_node, at))
                    continue
                word = key_node.value
                kind = _NOT_TEXT[key_node.tag] or ("a boolean" if word.lower() in ("true", "false") else
                                                   str(yaml.safe_load(word)).lower())
                found.append((key_node.start_mark.line, f"{'.'.join(map(spelled, at))}: YAML reads the key "
                                                        f"{spelled(word)} as {kind}, not as text: quote it: "
                                                        f"'{spelled(word)}'"))
    return [problem for _, problem in sorted(found)]


def _validate(path: Path, raw: dict, *, as_written: bool = False) -> EnvironmentModel:
    """`as_written`: the file before its ${VAR}s are set, where an empty value was written so."""
    try:
        return EnvironmentModel.model_validate(raw, context="as written" if as_written else None)
    except ValidationError as exc:
        problems = [f"{shown(path)}: {_location(error['loc']) or '(top level)'}: {_message(error, said)}"
                    for error, said in file_errors(EnvironmentModel, exc.errors())]
        raise ConfigError(_summarise(problems, "environment")) from None


def _message(error: dict, said: str) -> str:
    field = str(error["loc"][-1]) if error["loc"] else ""
    unit = " of seconds" if field.endswith("_s") else " of milliseconds" if field.endswith("_ms") else ""
    if error["type"] == "finite_number":  # .nan, .inf: pydantic would name a bound, which is no help
        return f"must be a finite number{unit}"
    if error["type"] == "int_from_float":  # 12.5, or 1.25e1: pydantic would not say what it was given
        return f"must be a whole number{unit}, not {error['input']!r}"
    if error["type"] in ("model_type", "dict_type"):  # pydantic would name a class of ours, or a Python dictionary
        return _mapping_expected(error)
    if error["type"] == "string_type" and isinstance(error.get("input"), (bool, int, float, datetime.date)):
        # `redis: 6379`, `repo: yes`: YAML read a word as something else; its kind is said, never its value
        return f"must be text, not {_kind_of(error['input'])} (as YAML reads the word unquoted): quote it"
    return said


def _mapping_expected(error: dict) -> str:
    """Where a mapping belongs (`timeouts: [5, 5000]`, `systems: {shop: [...]}`): what it takes, in the file's words
    (a section's keys, or names each mapped to what), and what was given instead — its kind, never its value (it may
    be a URL with a password)."""
    from .families._common import annotations_at

    takes = ""
    for choice in annotations_at(EnvironmentModel, tuple(error["loc"])):
        if isinstance(choice, type) and issubclass(choice, BaseModel):
            title = choice.model_config.get("title") or "it"
            keys = list(choice.model_fields)
            takes = f" ({title} takes {', '.join(keys[:-1])} and {keys[-1]})" if len(keys) > 1 else f" ({keys[0]})"
        elif get_origin(choice) is dict:
            value = get_args(choice)[1]
            each = (value.model_config.get("title") if isinstance(value, type) and issubclass(value, BaseModel)
                    else "a mapping" if get_origin(value) is dict else "text" if value is str else None)
            takes = f" of each name to {each}" if each else ""
    return f"must be a mapping{takes}, not {_kind_of(error.get('input'))}"



def _file_problems(path: Path, model: EnvironmentModel) -> list[str]:
    """A CA bundle is read at load, not when a request first needs it (an error then, after the run began); each
    bundle that cannot be used is said. (A repo checkout may be made after the environment loads — a CI step, the
    demo — so it is looked at when an item needs it: an error of that item.)"""
    problems = []
    for system, config in model.systems.items():
        for service, settings in config.services.items():
            if not settings.ca_bundle:
                continue
            where = f"{shown(path)}: systems.{spelled(system)}.services.{spelled(service)}.ca_bundle"
            bundle = visible(settings.ca_bundle)  # a file name as written, shown
            try:
                ssl.create_default_context(cafile=settings.ca_bundle)
            except FileNotFoundError:
                problems.append(f"{where}: {bundle} not found; name the PEM file of the CA that signs the service's "
                                "certificate")
            except IsADirectoryError:
                problems.append(f"{where}: {bundle} is a folder; name the PEM file in it")
            except ssl.SSLError:  # an OSError too: said first
                problems.append(f"{where}: {bundle} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            except OSError as exc:
                problems.append(f"{where}: cannot read {bundle}: {exc.strerror}")
    return problems


def _services_in_use(checks: list[Check]) -> dict[str, set[str]]:
    """System -> the services its checks name."""
    from .target import services_named  # target imports this module

    in_use: dict[str, set[str]] = {}
    for check in checks:
        in_use.setdefault(check.system, set()).update(services_named(check.params))
    return in_use


def _check_references(path: Path, model: EnvironmentModel, services_in_use: dict[str, set[str]]) -> None:
    """Unknown system or service names are typos: the checks for them would silently skip."""
    problems = []
    for system, config in model.systems.items():
        if system not in services_in_use:
            problems.append(f"{shown(path)}: systems.{spelled(system)}: unknown system (checklists define: "
                            f"{_names(services_in_use)})")
            continue
        # a service items use that this file lacks may be the typo, the item's (`service: api` meant `metrics`)
        lacking = sorted(services_in_use[system] - set(config.services))
        item_side = (f"; {_names(set(lacking))} {'is' if len(lacking) == 1 else 'are'} used by items but no service"
                     " here: if an item means this one, fix the item's service:") if lacking else ""
        for service in config.services:
            if service not in services_in_use[system]:
                problems.append(f"{shown(path)}: systems.{spelled(system)}.services.{spelled(service)}: unknown "
                                f"service (checks use: {_names(services_in_use[system]) or 'none'}){item_side}")
    if problems:
        raise ConfigError(_summarise(problems, "environment"))


def _check_names(path: Path, model: EnvironmentModel, checks: list[Check] | None) -> None:
    """A provider, endpoint or secret under a name no item asks for is a typo: the items asking for the right
    name would skip as "not configured". A secret may be declared only to be redacted (a page might echo it),
    so one is refused only when it is close to a name an item cites that the environment lacks. Without the
    checks, only a provider close to a platform's name is known to be a typo."""
    cited = _cited(checks or [])
    problems = []
    for system, config in model.systems.items():
        at, items = f"{shown(path)}: systems.{spelled(system)}", cited.get(system, {})
        providers = set(PLATFORMS) | _named(items, "provider")
        for name, settings in config.providers.items():
            if name not in providers and (checks is not None or difflib.get_close_matches(name, PLATFORMS, n=1)):
                problems.append(f"{at}.providers.{spelled(name)}: not a platform{_hint(name, providers, 'known')}")
            else:
                problems += _unread_settings(f"{at}.providers.{spelled(name)}", name, settings,
                                             _citing(checks or [], system, name))
        if checks is None:
            continue
        endpoints = _named(items, "endpoint")
        problems += [f"{at}.endpoints.{spelled(name)}: no item of {spelled(system)} uses this endpoint"
                     f"{_hint(name, endpoints, 'items use')}" for name in config.endpoints if name not in endpoints]
        lacking = sorted(_named(items, "secret") - set(config.secrets))
        for name in set(config.secrets) - _named(items, "secret"):  # one an item uses: see _check_cited_names
            close = difflib.get_close_matches(name, lacking, n=1)
            if close:
                problems.append(f"{at}.secrets.{spelled(name)}: no item uses it, and {items[f'secret:{close[0]}']} "
                                f"cites {spelled(close[0])}, which is not given; did you mean {spelled(close[0])}?")
    if problems:
        raise ConfigError(_summarise(problems, "environment"))


def _unread_settings(at: str, platform: str, settings: dict[str, str], citing: set[str]) -> list[str]:
    """A key no family reads under providers.<platform> is a typo: `repository` for `repo` would leave the items
    skipped as "not configured", `baseurl` for `base_url` would send the token to the platform's public API. A
    platform no family is known to read (a team's own name, the checks unknown) is left as written."""
    known = families.provider_settings(platform, citing)
    if not known:
        return []
    readable = sorted(f"{key}<name>" if key.endswith(".") else key for key in known)  # `service.` as service.<name>
    problems = []
    for key in settings:
        if not families.is_provider_setting(key, known):
            # a longer or shorter spelling of a name (`repository` for `repo`) is too far for difflib alone
            close = difflib.get_close_matches(key, readable, n=1) or [
                name for name in readable if key.lower().startswith(name) or name.startswith(key.lower())][:1]
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"{at}.{spelled(key)}: not a setting of {spelled(platform)}{hint} (the settings read "
                            f"there: {', '.join(readable)})")
    return problems


def _citing(checks: list[Check], system: str, platform: str) -> set[str]:
    """The families whose items of `system` name providers.<platform> among their needs."""
    need = f"provider:{platform}"
    return {check.family for check in checks if check.system == system and (module := families.get(check.family))
            is not None and need in families.needs(module, check.params)}


def _host_as_reached(host: str) -> str:
    """A host as a request reaches it: its case, a trailing dot (`shop.example.`) and an internationalised name's
    two spellings (`bücher.example`, `xn--bcher-kva.example`, which the client sends) are one host."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:  # no name a client could send: compared as written
        return host


def _check_job_calls_by_value(path: Path, model: EnvironmentModel, checks: list[Check]) -> None:
    """The checklists' rule that an item sending a cron item's secret to its path is mutating (`checklist`), by the
    secrets' values here: CRON_KEY given the value of CRON_SECRET is the job's secret all the same."""
    from .checklist import route_path, unmarked_job_calls

    def value(system: str, secret: str) -> str | None:
        config = model.systems.get(system)
        return (config.secrets.get(secret) or None) if config is not None else None

    def url(check: Check) -> tuple[str, str] | None:
        """Where a request of the item goes, whole: its service's origin, and the path the service's own and the
        item's make (another system's service may be the same server; a service's URL may hold part of the path)."""
        config = model.systems.get(check.system)
        service = config.services.get(getattr(check.params, "service", None) or "") if config is not None else None
        if service is None or not service.url:
            return None
        try:
            parts = urllib.parse.urlsplit(service.url)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
            origin = f"{parts.scheme.lower()}://{_host_as_reached(parts.hostname or '')}:{port}"
        except ValueError:
            return None
        return origin, route_path(parts.path.rstrip("/") + "/" + str(check.params.path).lstrip("/"))

    def named_at_load(check: Check, secret: str, cron: Check) -> bool:
        """What the checklists' own rule refused when they loaded: one secret name, one system, one path."""
        return (secret == cron.params.secret and check.system == cron.system
                and route_path(check.params.path) == route_path(cron.params.path))

    found = {(check.key, check.system, secret, cron.key, cron.system): (check, secret, cron)
             for matched in (unmarked_job_calls(checks, value), unmarked_job_calls(checks, value, url))
             for check, secret, cron in matched if not named_at_load(check, secret, cron)}
    problems = [f"{shown(path)}: systems.{spelled(check.system)}.secrets.{spelled(secret)}: {check.key} sends it to"
                f" {check.params.path}, and it holds the value of"
                f" {'' if cron.system == check.system else f'{spelled(cron.system)}: '}{spelled(cron.params.secret)},"
                f" with which {cron.key} (cron) calls the job there: a request carrying it runs the job; mark the item"
                " mutating: true"
                for check, secret, cron in found.values()]
    problems += _job_secrets_in_urls(path, model, checks, value, url)
    # a webhook item's POSTs at a cron item's URL, whole: the checklists' own rule compares one system's paths
    jobs = {at: cron for cron in checks if cron.family == "cron" and not cron.manual and (at := url(cron)) is not None}
    problems += [f"{shown(path)}: {check.key} (webhook) POSTs to {check.params.service} {check.params.path}, which is"
                 f" where {jobs[at].key} (cron{'' if jobs[at].system == check.system else f' of {jobs[at].system}'})"
                 " calls a job (the same server and path): a POST there may run it; mark the item mutating: true"
                 for check in checks if check.family == "webhook" and not check.manual and not check.mutating
                 and (at := url(check)) in jobs and not (jobs[at].system == check.system
                                                         and route_path(check.params.path)
                                                         == route_path(jobs[at].params.path))]
    if problems:
        raise ConfigError(_summarise(problems, "environment"))


def _url_pieces(url: str) -> set[str]:
    """Every piece of a URL a server may read a secret from, as it reads it: the password, each path segment and
    each query value, unescaped."""
    try:
        parts = urllib.parse.urlsplit(url)
        pieces = {unquote(parts.password or "")}
    except ValueError:
        return set()
    pieces |= {unquote(segment) for segment in parts.path.split("/")}
    pieces |= {value for _, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
    return pieces - {""}


def _job_secrets_in_urls(path: Path, model: EnvironmentModel, checks: list[Check],
                         value: Callable[[str, str], str | None],
                         url: Callable[[Check], tuple[str, str] | None]) -> list[str]:
    """A cron item's secret written into the URL its job is called at — the service's URL (`?key=${CRON_SECRET}`,
    whose query every request keeps) or an item's path: every request sent there carries it, whatever the item
    means to send. An item not marked mutating would run the job (in prod too), and the cron item's own calls
    "without the secret" would carry it: both refused. Paths are said without their query, which may hold it."""
    from .checklist import route_path

    def carried(check: Check) -> set[str]:
        config = model.systems.get(check.system)
        service = config.services.get(getattr(check.params, "service", None) or "") if config is not None else None
        return _url_pieces(service.url if service is not None and service.url else "") | _url_pieces(
            "http://host/" + str(check.params.path).lstrip("/"))

    problems = []
    jobs = [c for c in checks if c.family == "cron" and not c.manual and hasattr(c.params, "secret")]
    for cron in jobs:
        secret = value(cron.system, cron.params.secret)
        where = url(cron)
        if secret is None or where is None:
            continue
        for check in checks:
            if check.manual or not hasattr(check.params, "path") or url(check) != where:
                continue
            pieces = carried(check)  # a long secret may sit inside a piece too (`?auth=Bearer%20…`)
            if secret not in pieces and not (len(secret) >= 8 and any(secret in piece for piece in pieces)):
                continue
            at = f"{route_path(check.params.path)} at a URL holding the value of {spelled(cron.params.secret)}"
            if check.family == "cron":
                problems.append(f"{shown(path)}: systems.{spelled(check.system)}: {check.key} (cron) calls {at}:"
                                " its calls without the secret would carry it (and run the job); take the secret out"
                                " of the service's URL and the path — cron sends it in the header it names")
            elif not check.mutating:
                problems.append(f"{shown(path)}: systems.{spelled(check.system)}: {check.key} sends a request to {at},"
                                f" with which {cron.key} (cron) calls the job there: a request carrying it runs the"
                                " job; mark the item mutating: true, or take the secret out of the URL")
    return list(dict.fromkeys(problems))


def _check_cited_names(path: Path, model: EnvironmentModel, checks: list[Check], raw: dict) -> tuple[str, ...]:
    """The other side of `_check_names`: an item naming a service, endpoint, secret or platform id that this
    environment lacks is skipped as "not configured", which is right where another environment has it
    (prod-only), and a typo where no environment file beside this one defines it and this one has a close name
    (refused). One no environment file defines, and near no name, is a warning (returned): it skips everywhere,
    which a team writing items before configuring them means, and a green run must not hide. So is a setting it
    needs (a database, a service's URL) that no environment file sets. `raw` is this file as written."""
    from .target import services_named  # target imports this module

    # this file's own as written too: its `${VAR:-}`, empty in the model, is set (optional), not missing
    defined = _defined_anywhere(path.parent, besides=path) | _defined_in(raw)
    problems, nowhere = [], []
    for check in checks:
        config = model.systems.get(check.system)
        if config is None:
            continue
        have = {"service": set(config.services), "endpoint": set(config.endpoints), "secret": set(config.secrets)}
        module = families.get(check.family)
        needs = set(families.needs(module, check.params)) if module is not None else set()
        if needs & {"url", "env"}:  # the services it names are the environment's (a provider's are the platform's)
            needs |= {f"service:{name}" for name in services_named(check.params)}
        cited = []  # (kind, name, how the message says it)
        for need in needs:
            kind, _, name = need.partition(":")
            if kind in have:
                cited.append((kind, name, f"{kind} '{spelled(name)}'"))
        for platform, names in _platform_ids(check).items():
            kind = f"providers.{platform}.service"
            have[kind] = _ids(config.providers.get(platform, {}))
            cited += [(kind, name, f"{spelled(platform)} service '{spelled(name)}' ({kind}.{spelled(name)})")
                      for name in names]
        nowhere += _settings_set_nowhere(path, config, check, defined)
        nowhere += _system_settings_set_nowhere(path, check, needs, defined)
        for kind, name, said in sorted(cited):
            if name in have[kind] or (check.system, kind, name) in defined:
                continue
            close = difflib.get_close_matches(name, sorted(have[kind]), n=1)
            where = shown(Path(check.source)) if check.source else spelled(check.system)
            if close:
                problems.append(f"{where}: {check.key}: {said} is defined for {spelled(check.system)} by no "
                                f"environment in {shown(path.parent)}, so the item would always skip; did you mean "
                                f"{spelled(close[0])}?")
            else:
                nowhere.append(f"{where}: {check.key}: {said} is defined for {spelled(check.system)} by no environment"
                               f" in {shown(path.parent)}: the item skips in every one until one defines it")
    if problems:
        raise ConfigError(_summarise(problems, "checklist"))
    return tuple(dict.fromkeys(nowhere))


def _settings_set_nowhere(path: Path, config: Any, check: Check, defined: set[tuple[str, str, str]]) -> list[str]:
    """A `providers.<platform>` setting a part of the item needs (Render's env_group, for secret_age) that neither
    this environment nor any beside it sets: that part is checked in none (the rest of the item still is)."""
    module = families.get(check.family)
    said = []
    for platform, keys in (families.platform_settings(module, check.params) if module is not None else {}).items():
        configured = {key for key, value in config.providers.get(platform, {}).items() if value}
        for key, part in sorted(keys.items()):
            if key in configured or (check.system, f"providers.{platform}", key) in defined:
                continue
            where = shown(Path(check.source)) if check.source else spelled(check.system)
            said.append(f"{where}: {check.key}: {spelled(platform)}'s {key} (providers.{spelled(platform)}.{key}) is "
                        f"set for {spelled(check.system)} by no environment in {shown(path.parent)}: its {part} is "
                        f"checked in none until one sets it")
    return said


def _system_settings_set_nowhere(path: Path, check: Check, needs: set[str],
                                 defined: set[tuple[str, str, str]]) -> list[str]:
    """The system's database or repo checkout, or the URL or env source of a service the item names, when it needs
    one that no environment file sets (`url: ''`, `web: {}`, no database): it skips "not configured" in every one. A
    service no file names is said by its name instead (once)."""
    from .target import services_named

    settings = {need: need for need in ("database", "repo") if need in needs}
    settings.update({f"services.{name}.{need}": f"services.{spelled(name)}.{need}"
                     for need in ("url", "env") if need in needs for name in services_named(check.params)
                     if (check.system, "service", name) in defined})
    where = shown(Path(check.source)) if check.source else spelled(check.system)
    return [f"{where}: {check.key}: systems.{spelled(check.system)}.{said} is set by no environment in "
            f"{shown(path.parent)}: the item skips in every one until one sets it"
            for setting, said in sorted(settings.items()) if (check.system, "setting", setting) not in defined]


def _platform_ids(check: Check) -> dict[str, set[str]]:
    """Platform -> the names the item cites as `providers.<platform>.service.<name>` (its family says which)."""
    module = families.get(check.family)
    return families.platform_ids(module, check.params) if module is not None else {}


def _ids(keys: Any) -> set[str]:
    """The names of a platform's `service.<name>` settings, from their keys."""
    return {key.removeprefix("service.") for key in map(str, keys) if key.startswith("service.")}


def _defined_anywhere(directory: Path, besides: Path) -> set[tuple[str, str, str]]:
    """What every environment file in the folder but `besides` (loaded already: not read twice) defines
    (`_defined_in`); a file that does not read as one adds nothing."""
    defined: set[tuple[str, str, str]] = set()
    for other in sorted(directory.glob("*.yaml")):
        if other != besides:
            defined |= _defined_in(_read_yaml(other, []))
    return defined


def _defined_in(raw: Any) -> set[tuple[str, str, str]]:
    """(system, kind, name) for every service, endpoint, secret and platform id an environment file's data defines,
    each `providers.<platform>` setting it gives, and (system, "setting", name) for each of `database`, `repo`,
    `services.<name>.url` and `services.<name>.env` it gives a value: read as written (no ${VAR} resolved, so an
    optional `${VAR:-}` is set); an empty value (`url: ''`) sets nothing."""
    defined: set[tuple[str, str, str]] = set()
    systems = raw.get("systems") if isinstance(raw, dict) else None
    for system, config in (systems.items() if isinstance(systems, dict) else ()):
        system, config = str(system), config if isinstance(config, dict) else {}
        for kind in ("service", "endpoint", "secret"):
            names = config.get(f"{kind}s")
            defined.update((system, kind, str(name)) for name in (names if isinstance(names, dict) else ()))
        defined.update((system, "setting", key) for key in ("database", "repo") if config.get(key))
        services = config.get("services")
        for name, service in (services.items() if isinstance(services, dict) else ()):
            defined.update((system, "setting", f"services.{name}.{key}") for key in ("url", "env")
                           if isinstance(service, dict) and service.get(key))
        providers = config.get("providers")
        for platform, settings in (providers.items() if isinstance(providers, dict) else ()):
            names = _ids(settings) if isinstance(settings, dict) else set()
            defined.update((system, f"providers.{platform}.service", name) for name in names)
            defined.update((system, f"providers.{platform}", str(key))  # a setting given (env_group)
                           for key, value in (settings.items() if isinstance(settings, dict) else ()) if value)
    return defined


def _cited(checks: list[Check]) -> dict[str, dict[str, str]]:
    """System -> each need its items cite ("endpoint:redis", "secret:CRON_SECRET") -> the first item citing it."""
    cited: dict[str, dict[str, str]] = {}
    for check in checks:
        module = families.get(check.family)
        needs = list(families.needs(module, check.params)) if module is not None else []
        for need in needs:
            cited.setdefault(check.system, {}).setdefault(need, check.key)
    return cited


def _named(items: dict[str, str], kind: str) -> set[str]:
    return {need.split(":", 1)[1] for need in items if need.startswith(f"{kind}:")}


def _hint(name: str, known: set[str], listed: str) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    if close:
        return f"; did you mean {spelled(close[0])}?"
    return f" ({listed}: {_names(known)}); rename or remove it" if known else "; remove it"


def _names(names: Any) -> str:
    """Names from the files (systems, services, endpoints), sorted, each with every character seen."""
    return ", ".join(spelled(name) for name in sorted(names))
