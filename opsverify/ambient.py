"""Secrets the runner's own environment adds to what an environment file says, which a client sends all the same:
the password libpq takes from PGPASSWORD, a service file or a password file when a database's URL holds none, and an
HTTP proxy's credentials (HTTP_PROXY's `user:password@`). A target that quotes what it was sent (a server's error, a
pooler's, a proxy's error page echoing Proxy-Authorization) shows them, so the run registers them before its first
item, as it does a URL's own password. And the runner's variables whose names say secret (GITHUB_TOKEN), which a
team test's dump of os.environ shows."""

from __future__ import annotations

import base64
import getpass
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .environment import conninfo_settings
from .families._credentials import AUTH_SCHEMES, NO_CREDENTIAL_WORDS, says_no_credential, shaped_as_a_credential
from .secrets import (connection_string_passwords, holds_a_private_key, name_words, names_a_query_key, names_a_secret,
                      names_a_secret_outright, query_passwords, without_userinfo)

_LIBPQ_URL_PREFIXES = ("postgresql://", "postgres://")
_DEFAULT_PORT = "5432"
_DEFAULT_HOST = "localhost"  # what libpq matches a password file's host against for a unix socket or no host
# the settings libpq takes from the environment when a database's URL and its service leave them out
_FROM_ENVIRONMENT = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE",
                     "user": "PGUSER", "passfile": "PGPASSFILE"}


def proxy_urls(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The proxies the process's environment names for its clients (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, in either
    case, which httpx and the other clients read), each as a URL: one without a scheme is http's, as httpx reads it."""
    return [value if "://" in value else f"http://{value}" for name, value in environ.items()
            if name.lower().endswith("_proxy") and name.lower() != "no_proxy" and value.strip()]


def named_secrets(environ: Mapping[str, str] = os.environ) -> list[tuple[str, str]]:
    """The runner's own variables that hold a secret (a CI job's GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, a *_PASSWORD or
    *_API_KEY), cited by no environment file: a team test that hands a subprocess `dict(os.environ)` and fails under
    --showlocals prints them all. A value shaped as a credential whatever its name (`ghp_…` in GH_PAT, GitLab's
    CI_JOB_JWT, `squ_…`). Else by name, the env source's rule (`names_a_secret`: SESSION_DRIVER stays a setting): one
    whose last word is the secret's (`names_the_value`: SMTP_PASSWORD, PGPASSWORD, SENTRY_DSN, SLACK_WEBHOOK_URL)
    holds one whatever its value looks like — a passphrase, an 8-character password, an address — but a password
    anyone could guess (`_guessable`); any other only when its value is shaped as a token (`_token_shaped`): a runner
    holds many variables a secret-sounding word does not make secret (CACHE_KEY_PREFIX=shop, SECRET_NAME=shop-prod,
    REFRESH_TOKEN_TTL=604800, DESKTOP_SESSION=ubuntu), and masking one would hide that word in every message of the
    run — a system's name, which the run then refuses as an item's (an address gives up only its user info's
    password: `named_addresses`). Not a folder or file that exists (PWD, OLDPWD, XAUTHORITY, SSH_AUTH_SOCK name the
    project's folder and the runner's files; a key that starts with `/` is no file)."""
    return [(name, value) for name, value in environ.items()
            if not _existing_path(value) and (shaped_as_a_credential(value) or holds_a_private_key(value)
                                              or _names_a_held_secret(name) and (
                _token_shaped(value) or names_the_value(name, value) and not _guessable(value, name, environ)))]


# a name's last word saying its value describes a secret, not holds it: what it may do (GITHUB_TOKEN_SCOPE=read:metrics,
# TOKEN_SCOPES), what runs it (AUTH_IMAGE=keycloak:24.0.1, its TAG, VERSION), where it is kept (KEY_VAULT_NAME,
# DB_SECRET_ARN; a key's id: KMS_KEY_ID) — read as a secret, its word vanished from every message and an item named
# with it was refused; a vendor's key under such a name is one all the same (`shaped_as_a_credential`)
_DESCRIBING_LAST_WORDS = frozenset({"SCOPE", "SCOPES", "IMAGE", "TAG", "VERSION", "NAME", "ARN", "AUDIENCE",
                                    "ISSUER", "STORE", "SERVICE", "MOUNT", "PROVIDER", "ALGORITHM", "TYPE", "ENDPOINT"})
# … and a token's endpoint (Spring's …_PROVIDER_KEYCLOAK_TOKEN_URI, OAUTH_TOKEN_URL): where a token is asked, public;
# a webhook's URL, or a password's, is the secret itself
_DESCRIBING_LAST_PAIRS = frozenset({("TOKEN", "URI"), ("TOKEN", "URL")})


def _names_a_held_secret(name: str) -> bool:
    """Whether a name says secret (`names_a_secret`) and not that its value only describes one (a session's id is
    one: SESSION_ID; a key's is not: KMS_KEY_ID)."""
    words = _without_stage(name_words(name))  # SECRET_NAME_PROD describes as SECRET_NAME does
    describes = bool(words) and (words[-1] in _DESCRIBING_LAST_WORDS or words[-2:] == ["KEY", "ID"]
                                 or tuple(words[-2:]) in _DESCRIBING_LAST_PAIRS)
    return names_a_secret(name) and not describes


def masked_whole(name: str, value: str) -> bool:
    """Whether a runner's secret (`named_secrets`) is masked whole whatever it looks like, not by its shape alone."""
    return names_the_value(name, value) or shaped_as_a_credential(value)


def names_the_value(name: str, value: str) -> bool:
    """Whether the name says its value is the secret itself (`names_a_secret_outright`) — but a DSN that is no
    address, which names an ODBC data source (ODBC_DSN=warehouse), not a Sentry key. A stage's or a role's word
    after the name says the same (DB_PASSWORD_PROD, POSTGRES_PASSWORD_RO, API_TOKEN_V2), and so do the tools' own
    names for a password (`_TOOL_PASSWORDS`) and an Erlang cookie (`_an_erlang_cookie`)."""
    if not _names_the_value_outright(name, value):
        return False
    return not (re.search(r"DSN$", name, re.IGNORECASE) and "://" not in value and "@" not in value)


# words after a secret's name that say which stage, role or rotation it is for (DB_PASSWORD_PROD,
# POSTGRES_PASSWORD_RO, API_TOKEN_STAGING, DB_PASSWORD_OLD, DEPLOY_SECRET_1, SMTP_PASSWORD_V2): the name still ends
# in the secret's word; a describing word before them still describes (DB_PASSWORD_FILE_PROD, TOKEN_URL_PROD)
_STAGE_WORDS = frozenset({"PROD", "PRODUCTION", "PRD", "STAGING", "STAGE", "STG", "DEV", "DEVELOPMENT", "TEST",
                          "TESTING", "QA", "UAT", "PREVIEW", "SANDBOX", "LOCAL", "CI", "LIVE", "RO", "RW",
                          "READONLY", "READWRITE", "READER", "WRITER", "REPLICA", "PRIMARY", "SECONDARY", "BACKUP",
                          "OLD", "NEW", "PREV", "PREVIOUS", "CURRENT", "NEXT", "LEGACY"})
# the variables tools read a password from whose names end in no secret word: sshpass -e, redis-cli
_TOOL_PASSWORDS = frozenset({"SSHPASS", "REDISCLI_AUTH"})
_SHORTEST_COOKIE = 16  # what erl generates is 20 capitals; a shorter one is a CI's placeholder as often


def _without_stage(words: list[str]) -> list[str]:
    """A name's words without the stage, role or version words that end it (`_STAGE_WORDS`, 1, V2 — which
    `name_words` reads as V and 2); never none."""
    end = len(words)
    while end > 1 and (words[end - 1] in _STAGE_WORDS or words[end - 1].isdigit()
                       or (words[end - 1] == "V" and end < len(words) and words[end].isdigit())):
        end -= 1
    return words[:end]


def _names_the_value_outright(name: str, value: str) -> bool:
    return (names_a_secret_outright("_".join(_without_stage(name_words(name))))
            or name.upper() in _TOOL_PASSWORDS or _an_erlang_cookie(name, value))


def _an_erlang_cookie(name: str, value: str) -> bool:
    """RabbitMQ's RABBITMQ_ERLANG_COOKIE, an Elixir release's RELEASE_COOKIE, an ERLANG_COOKIE: what lets a node join
    the cluster, as erl generates it 20 capitals (no digit: no token's shape)."""
    words = name_words(name)
    return (words[-1:] == ["COOKIE"] and ("ERLANG" in words or words == ["RELEASE", "COOKIE"])
            and len(value.strip()) >= _SHORTEST_COOKIE)


# what a CI job's service containers are given as their password by custom (POSTGRES_PASSWORD=postgres,
# DB_PASSWORD=password, RABBITMQ_DEFAULT_PASS=guest): it guards nothing anyone could not guess, and masked it would
# hide that word in every message of the run ("the [redacted] of …") and refuse an item named with it
_KNOWN_DEFAULTS = frozenset({"password", "passwd", "postgres", "postgresql", "root", "admin", "secret", "changeme",
                             "example", "test", "testing", "guest", "default", "mysql", "mariadb", "redis", "mongo",
                             "mongodb", "rabbitmq", "user", "pass", "dev", "local",
                             "changeit"})  # Java's truststore's (-Djavax.net.ssl.trustStorePassword=changeit)


def _guessable(password: str, name: str, environ: Mapping[str, str], *beside: str) -> bool:
    """Whether a password is one anyone could guess: a service's default, a word of its variable's own name
    (MYSQL_PASSWORD=mysql, KEYCLOAK_ADMIN_PASSWORD=keycloak), what stands beside it in its URL (its user, its
    database: postgres://bakery:bakery@…/bakery), or what the runner shows under a name that says nothing secret
    (POSTGRES_USER=bakery beside POSTGRES_PASSWORD=bakery, the service container's custom)."""
    word = password.strip().lower()
    if word in _KNOWN_DEFAULTS or word in {part.lower() for part in re.split(r"[-_]", name) if part}:
        return True
    if word in {part.lower() for part in beside}:
        return True
    return any(value.strip().lower() == word for other, value in environ.items()
               if other != name and not names_a_secret(other))


def named_addresses(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The URLs the runner's variables hold whose user info carries a password (DATABASE_URL=postgres://app:…@…,
    REDIS_URL, a CACHE_KEY_URL) or is a token with none (`_token_user`: REPO_URL=https://<token>@github.com/…),
    under a name that does not mask them whole: the address is no secret (its path may
    hold an id, the nil UUID), but the password is one whatever its shape — a client sends it as it is — unless
    anyone could guess it (`_guessable`: postgres://postgres:postgres@localhost/postgres)."""
    found = []
    for name, value in environ.items():
        if "://" not in value or masked_whole(name, value) and _names_a_held_secret(name):
            continue
        if "@" in value:
            user, password, database = _userinfo_and_database(value)
            if password and not _guessable(password, name, environ, user, database) or \
                    not password and _token_user(user):
                found.append(value)
        elif any(not _guessable(password, name, environ) for password in query_passwords(value)):
            found.append(value)  # a JDBC URL's ?user=shop&password=…, libpq's too: its query's password
    return found


def _token_user(user: str) -> bool:
    """Whether a URL's user, with no password, is a token (GitHub takes one so: `https://<token>@github.com/…`, a
    classic token's 40 hex digits): a vendor's key, or 20 characters or more of one word mixing letters and digits —
    not a name (`git`, `deploy-bot`)."""
    return shaped_as_a_credential(user) or len(user) >= 20 and _token_shaped(user)


def named_passwords(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Passwords the runner's variables hold inside a value that is not one whole, under a name that says secret
    (`names_a_secret`): a `user:password` pair (BASIC_AUTH=deploy:happylittlehorse, what an htpasswd or a curl -u
    takes), and, in a JSON object, what a key naming a secret holds (GitLab's DOCKER_AUTH_CONFIG, written over
    lines: `"auth": "<base64 of user:password>"`) — each whatever its shape, but one anyone could guess."""
    found = []
    for name, value in environ.items():
        if not _names_a_held_secret(name):
            continue
        # a pair under a name masked whole too (Jenkins' X_CREDS=user:password): its password stands alone elsewhere
        pair = None if "://" in value else USER_PASSWORD.fullmatch(value.strip())  # an address: named_addresses
        if pair and not _VERSION_TAG.fullmatch(pair["password"]) and \
                not _guessable(pair["password"], name, environ, pair["user"]):
            found += [pair["password"], value.strip()]
        if not masked_whole(name, value):
            found += [inner for key, inner in _json_strings(value)
                      if names_a_secret(key) and not _guessable(inner, key, environ)]
    return found


def named_connection_passwords(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The passwords of the connection strings the runner's variables hold, under any name (.NET's
    ConnectionStrings__DefaultConnection=`Server=…;Password=…`, libpq's key=value in a DATABASE_CONNECTION), as the
    env source masks them (`connection_string_passwords`): its host and database stay readable; but one anyone could
    guess. Only a value that says `password=` or `pwd=` is read."""
    return [password for name, value in environ.items() if _a_connection_string(value)
            for password in connection_string_passwords(value) if not _guessable(password, name, environ)]


_PASSWORD_KEY = re.compile(r"(?:password|pwd)\s*=", re.IGNORECASE)  # what a connection string's password follows
# … beside what says where it connects, as a key of its own (a commit message saying `password = None`, or `with
# host= set, password= prompt replaces the --password flag`, is prose, no connection string: read so, it masked
# 'None', 'prompt' and 'flag' in every message and refused an item named with a word of them)
_CONNECTION_KEY = re.compile(r"server|host|hostaddr|data\s+source|address|addr|database|dbname|initial\s+catalog"
                             r"|user\s+id|uid|user|username|port", re.IGNORECASE)
# a pair's key ending in a password's word (Password, Pwd, `Jet OLEDB:Database Password`)
_KEYED_PASSWORD_KEY = re.compile(r"(?:.*(?<![A-Za-z]))?(?:password|pwd)", re.IGNORECASE)
# a Kafka client's SASL JAAS configuration (`…PlainLoginModule required username="…" password="…";`)
_JAAS_LOGIN = re.compile(r"LoginModule\s+(?:required|requisite|sufficient|optional)\b")


def _a_connection_string(value: str) -> bool:
    """Whether a value is a connection string holding a password: one line, its password's key beside a key of where
    it connects, as its pairs (`Server=…;Password=…`, libpq's `host=db password=…` with every word a pair, a JAAS
    login's `username="…" password="…"`), or a server's flags (`--requirepass …`)."""
    if "\n" in value or "\r" in value:
        return False
    if value.lstrip().startswith("--"):
        return bool(re.search(r"--(?:requirepass|masterauth|password)", value, re.IGNORECASE))
    if _PASSWORD_KEY.search(value) is None:
        return False
    return _keyed_pairs(value) or _libpq_pairs(value) or _JAAS_LOGIN.search(value) is not None


def _keyed_pairs(value: str) -> bool:
    """`;`-separated pairs (ADO.NET, ODBC, OLE DB, a JDBC URL's properties) of which one is a password's and one
    says where it connects (a braced or quoted password holding a `;` leaves its key a pair's all the same)."""
    if ";" not in value:
        return False
    keys = [piece.partition("=")[0].strip() for piece in value.split(";") if "=" in piece]
    return (any(_KEYED_PASSWORD_KEY.fullmatch(key) for key in keys)
            and any(_CONNECTION_KEY.fullmatch(key) for key in keys))


def _libpq_pairs(value: str) -> bool:
    """libpq's key=value form, every word of it a pair, one a password and one where it connects."""
    settings = conninfo_settings(value)
    if isinstance(settings, str):  # a word that is no pair: prose
        return False
    keys = [key for key, _ in settings]
    return "password" in keys and any(_CONNECTION_KEY.fullmatch(key) for key in keys)


def named_embedded_passwords(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The secrets a runner's value holds inside it under any name, each by its own form's rule (its other parts —
    hosts, accounts, flags, settings — stay readable): an Azure connection string's key (`_azure_keys`), a JVM
    system property named as a secret (`_system_property_secrets`), a StackExchange.Redis configuration's password
    (`_redis_configuration_passwords`), a JSON configuration's member named as a secret (`_json_member_secrets`:
    SPRING_APPLICATION_JSON), a Kafka JAAS login's password unquoted (`_jaas_passwords`). A runner's variables are
    not judged by the env source's broad `looks_secret`: it holds many long harmless values (GITHUB_SHA, a cache's
    key, a digest) its evidence must keep readable."""
    found = []
    for name, value in environ.items():
        found += [*_azure_keys(value), *_system_property_secrets(value, environ),
                  *_redis_configuration_passwords(name, value, environ), *_json_member_secrets(value, environ),
                  *_jaas_passwords(name, value, environ)]
    return found


def named_key_urls(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The runner's values that are one web address (http, https, ws, wss: MAINNET_RPC_URL, ALERTS_URL), without
    their user info (`named_addresses` judges a password there), each kept to what may be a key there
    (`_runner_url_keys`), for the env source's rule of a URL's keys (`Redactor.add_url_parts`: an RPC's `/v2/<key>`,
    a webhook's path, `?sig=`, `?code=`, `?key=`); a plain address (https://github.com/org/repo, GITHUB_SERVER_URL)
    gives up nothing."""
    return [_runner_url_keys(without_userinfo(value.strip())) for value in environ.values()
            if _ONE_WEB_URL.fullmatch(value.strip())]


_ONE_WEB_URL = re.compile(r"(?:https?|wss?)://\S+", re.IGNORECASE)
# hex alone: a git object id (a commit's SHA, short or whole), a digest, a compare range of two commits — what a
# runner's addresses name a build by (CIRCLE_COMPARE_URL's .../compare/<sha>...<sha>, ?sha=<commit>)
_HEX_NAME = re.compile(r"(?:sha256:)?[0-9a-f]{7,64}(?:\.\.\.?[0-9a-f]{7,64})?")
_API_VERSION = re.compile(r"v\d{1,2}")


def _runner_url_keys(url: str) -> str:
    """`url` kept to the pieces that may be a key in a runner's address: a path segment but a file's name (a dot in it:
    `app-<sha>.tar.gz`, `main.3f2c9a1b.js`) or hex alone (a commit, a digest) unless it follows an API's version (an
    RPC key, Infura's `/v3/<32 hex>`); a query pair whose name says a key (`?sig=`, `?token=`; not `?sha=`, `?ref=`),
    and a piece alone (`?<key>`).
    The run's commit is its deploy id and its evidence: a build's address names it, and must not make it a secret."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    kept = [segment for at, segment in enumerate(segments)
            if "." not in segment and (not _HEX_NAME.fullmatch(segment)
                                       or (at > 0 and _API_VERSION.fullmatch(segments[at - 1])))]
    query = "&".join(piece for piece in re.split(r"[&;]", parts.query)
                     if "=" not in piece or names_a_query_key(unquote(piece.partition("=")[0])))
    return parts._replace(path="/".join(kept), query=query).geturl()


# Azure Storage's and Cosmos DB's AccountKey, Service Bus', Event Hubs' and IoT Hub's SharedAccessKey, a SAS
# connection string's SharedAccessSignature: each up to the next `;` (base64 holds none)
_AZURE_KEY = re.compile(r"(?:^|;)\s*(?:AccountKey|SharedAccessKey|SharedAccessSignature)\s*=\s*([^;]+)",
                        re.IGNORECASE)
_SAS_SIGNATURE = re.compile(r"(?:^|[&\s])sig=([^&\s;]+)")


def _azure_keys(value: str) -> list[str]:
    """An Azure connection string's key, and a shared access signature's `sig` on its own (a URL carries it too)."""
    if "=" not in value:
        return []
    keys = [match.group(1).strip() for match in _AZURE_KEY.finditer(value)]
    return [*keys, *(match.group(1) for key in keys for match in _SAS_SIGNATURE.finditer(key))]


# `-D<name>=<value>` (JAVA_TOOL_OPTIONS, MAVEN_OPTS, JAVA_OPTS, _JAVA_OPTIONS, GRADLE_OPTS, any value of such flags)
_SYSTEM_PROPERTY = re.compile(r"""(?:^|\s)["']?-D([^\s="']+)=(?:"([^"]*)"|'([^']*)'|([^\s"']*))""")


def _system_property_secrets(value: str, environ: Mapping[str, str]) -> list[str]:
    """The value of each JVM system property whose name says it holds a secret as a variable's would
    (`_secret_by_its_name`: javax.net.ssl.trustStorePassword, spring.datasource.password, sonar.token); a token's
    URL, a secret's name, the truststore's path and Java's default `changeit` stay readable."""
    if "-D" not in value:
        return []
    found = []
    for match in _SYSTEM_PROPERTY.finditer(value):
        secret = next(group for group in match.groups()[1:] if group is not None)
        if _secret_by_its_name(match.group(1), secret, environ):
            found.append(secret)
    return found


# StackExchange.Redis' configuration (`host:port,password=…,ssl=True,abortConnect=False`): endpoints, then options
_REDIS_ENDPOINT = re.compile(r"(?:[A-Za-z0-9][\w-]*(?:\.[\w-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
_REDIS_OPTION = re.compile(r"[$A-Za-z][\w$.-]*")


def _redis_configuration_passwords(name: str, value: str, environ: Mapping[str, str]) -> list[str]:
    """The password of a StackExchange.Redis configuration string: one line, `,`-separated, its first piece an
    endpoint with a port or a domain (`cache.example.com:6380`), every other an endpoint or an `option=value`."""
    if "," not in value or "password" not in value.lower() or "\n" in value:
        return []
    first, *rest = (piece.strip() for piece in value.split(","))
    if not _REDIS_ENDPOINT.fullmatch(first) or not re.search(r"[.:]", first):
        return []
    found = []
    for piece in rest:
        option, equals, setting = piece.partition("=")
        if not equals:
            if not _REDIS_ENDPOINT.fullmatch(piece):
                return []  # prose, not a configuration
        elif not _REDIS_OPTION.fullmatch(option.strip()):
            return []
        elif option.strip().lower() == "password" and not _guessable(setting.strip(), name, environ):
            found.append(setting.strip())
    return found


# the most one variable holds on Linux (MAX_ARG_STRLEN, 32 pages): a longer value is not parsed as JSON
_LONGEST_JSON = 131_072


def _json_member_secrets(value: str, environ: Mapping[str, str]) -> list[str]:
    """In a value that is a JSON object (SPRING_APPLICATION_JSON, an APP_CONFIG), each string a member named as a
    secret holds, by the rule of a variable's name (`_secret_by_its_name`: "password", "clientSecret" whatever its
    shape, an "apiKey" shaped as a key), or one shaped as a credential; "max_tokens", "token_type", "secret_name"
    describe, and stay readable."""
    if len(value) > _LONGEST_JSON:
        return []
    return [inner for key, inner in _json_strings(value) if shaped_as_a_credential(inner)
            or _JSON_MEMBER_NAME.fullmatch(key) and _secret_by_its_name(key, inner, environ)]


# a member's name that names, as a variable's does; a map's key is data (the run's own OPSVERIFY_INPUTS maps each
# input file's path, `…/test_a_secret…/shop.yaml`, to its SHA-256: read as names, the digests were masked)
_JSON_MEMBER_NAME = re.compile(r"[A-Za-z_$][\w$.-]{0,127}")


_JAAS_PASSWORD = re.compile(r'(?:^|\s)password\s*=\s*"((?:[^"\\]|\\.)*)"')


def _jaas_passwords(name: str, value: str, environ: Mapping[str, str]) -> list[str]:
    """A JAAS login's password without its quotes (`named_connection_passwords` masks it as written, `"…";`)."""
    if _JAAS_LOGIN.search(value) is None:
        return []
    return [secret for secret in _JAAS_PASSWORD.findall(value) if not _guessable(secret, name, environ)]


def _secret_by_its_name(name: str, value: str, environ: Mapping[str, str]) -> bool:
    """Whether a value is a secret by the name it is given, as a runner's variable is (`named_secrets`): a name
    saying secret and not describing one, and a value shaped as a token, or named as the secret itself and not
    anyone's guess."""
    return _names_a_held_secret(name) and (
        _token_shaped(value) or names_the_value(name, value) and not _guessable(value, name, environ))


def named_credential_files(environ: Mapping[str, str] = os.environ) -> list[str]:
    """What a credential file the runner holds in a variable under any name says is a credential, found by its
    content: a Docker config's `"auth"` (k8s' .dockerconfigjson), a kubeconfig's token, key or password, a netrc's
    password, an .npmrc's `_authToken`, `_auth` or `_password`, a Composer auth.json's tokens and passwords
    (COMPOSER_AUTH), an HTTP Authorization header's credential (git's http.extraheader in GIT_CONFIG_VALUE_n), a
    Maven settings.xml's passwords, a .pgpass's, what Helm values or Gradle properties hold under a key naming a
    password or token — each as written and, where it is base64 of a password or `user:password`, that password
    too; in a value that is base64 of such a file (kubectl actions' KUBE_CONFIG_DATA), the whole value as well.
    Hosts, users and the rest stay readable; a value holding none of the markers of such a file is not parsed."""
    found = []
    for name, value in environ.items():
        text, wrapped = _unwrapped(value)
        secrets = [secret for secret in _file_secrets(text, settings=not _names_prose(name))
                   if not _guessable(secret, name, environ)]
        found += [*secrets, *_decoded_passwords(secrets)]
        if secrets and wrapped:  # the file's base64 is its credentials too, as given and without its line breaks
            found += [value.strip(), "".join(value.split())]
    return found


def _unwrapped(value: str) -> tuple[str, bool]:
    """A value as written, or the text its base64 holds and True (a file in base64, wrapped over lines or not)."""
    compact = "".join(value.split())
    text = _base64_text(compact) if len(compact) >= 24 else ""
    return (text, True) if text else (value, False)


def _base64_text(value: str) -> str:
    """The printable text base64 holds; "" where it is no base64 of text."""
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return ""
    return text if text.replace("\n", "").replace("\t", "").isprintable() else ""


# a variable holding what people write (CI_COMMIT_MESSAGE, CI_MERGE_REQUEST_DESCRIPTION, BUILDKITE_MESSAGE): a commit
# quoting a setting (`secret: optional`) is no settings file
_PROSE_WORDS = frozenset({"MESSAGE", "TITLE", "DESCRIPTION", "BODY", "SUBJECT", "COMMENT", "NOTES", "CHANGELOG",
                          "SUMMARY"})


def _names_prose(name: str) -> bool:
    return any(word in _PROSE_WORDS for word in name_words(name))


def _file_secrets(text: str, settings: bool = True) -> list[str]:
    """What a credential file says is a credential (`named_credential_files`); `settings`: Helm values, properties
    and dotenv read too (not in what people write: a commit message quoting settings)."""
    found = []
    if '"auths"' in text:  # a Docker config: what a registry's entry holds as its credential
        found += [inner for key, inner in _json_strings(text) if key.lower() in _DOCKER_SECRET_KEYS]
    if "users:" in text and ("clusters:" in text or "apiVersion:" in text):  # a kubeconfig
        found += _KUBECONFIG_SECRET.findall(text)
    if re.match(r"\s*(?:machine|default)\s", text):
        found += _netrc_passwords(text)
    if "_auth" in text or "_password" in text:  # an .npmrc (its `_password` is the password's base64)
        found += [secret for key, secret in _NPMRC_SECRET.findall(text)
                  for secret in (secret, _base64_text(secret) if key == "_password" else "")]
    # an HTTP header (git's http.extraheader in GIT_CONFIG_VALUE_n: `AUTHORIZATION: basic <base64>`, as
    # actions/checkout persists it): its credential, a scheme's own word aside (`basic ***`, `Bearer invalid`)
    found += [credential for scheme, credential in _AUTHORIZATION_HEADER.findall(text)
              if scheme.lower() in AUTH_SCHEMES and not says_no_credential(credential)]
    if "<server" in text:  # a Maven settings.xml: a server's password or its key's passphrase
        found += [secret.strip() for secret in _MAVEN_SECRET.findall(text)]
    if text.count(":") >= 4:
        found += _pgpass_passwords(text)
    if settings and (":" in text or "=" in text):  # Helm values (YAML), Gradle or Java properties, a dotenv
        found += _settings_secrets(text)
    if text.lstrip().startswith("{") and any(f'"{section}"' in text for section in _COMPOSER_SECTIONS):
        found += _composer_secrets(text)  # Composer's auth.json (COMPOSER_AUTH)
    return [secret for secret in found if secret and not secret.startswith("${")]  # a reference is no secret


# Composer's auth.json, which COMPOSER_AUTH holds whole: under each section a host's credential — a token as a string
# under the host's name (github-oauth, gitlab-token, gitlab-oauth, bearer: no key names it a secret), or an object
# (http-basic's password, gitlab-token's token, bitbucket-oauth's consumer key and secret), or custom headers
_COMPOSER_SECTIONS = frozenset({"http-basic", "github-oauth", "gitlab-token", "gitlab-oauth", "bearer",
                                "bitbucket-oauth", "forgejo-token", "custom-headers"})


def _composer_secrets(text: str) -> list[str]:
    """What a Composer auth.json holds as its hosts' credentials: each string under a host but a user's name, and
    of a custom header the value of one whose name says secret (`API-TOKEN: …`)."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    for section, hosts in document.items() if isinstance(document, dict) else ():
        for credential in hosts.values() if section in _COMPOSER_SECTIONS and isinstance(hosts, dict) else ():
            if isinstance(credential, str):
                found.append(credential)
            elif isinstance(credential, dict):
                found += [inner for key, inner in credential.items() if isinstance(inner, str) and key != "username"]
            elif isinstance(credential, list):  # custom-headers: ["API-TOKEN: …", "X-Client: shop"]
                found += [header.partition(":")[2].strip() for header in credential
                          if isinstance(header, str) and names_a_secret(header.partition(":")[0])]
    return found


_MAVEN_SECRET = re.compile(r"<(?:password|passphrase)>([^<]*+)</")
# one line of a settings file: YAML's `key: value` (a list's `- key: value` too), a properties file's `key=value`;
# a key starts with a word's character (`-Dkey=…` is a JVM flag, read as one: _system_property_secrets)
_SETTING_LINE = re.compile(r"[ \t]*+(?:-[ \t]++)?+[\"']?+(\w[\w.-]*+)[\"']?+[ \t]*+(:(?=[ \t]|$)|=)[ \t]*+(.*)")
_QUOTED = re.compile(r"\"([^\"]*+)\"|'([^']*+)'")
_PORT = re.compile(r"\d{1,5}|\*")


def _pgpass_passwords(text: str) -> list[str]:
    """A .pgpass's passwords, where each of its lines (but comments) is one of `host:port:database:user:password`
    (its port a number or `*`): each as libpq reads it and as written (`\\:` for a ':' in it)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    entries = [_passfile_fields(line) for line in lines]
    if not entries or not all(len(fields) >= 5 and _PORT.fullmatch(fields[1]) for fields in entries):
        return []
    return [form for fields in entries
            for form in (fields[4], fields[4].replace("\\", "\\\\").replace(":", "\\:"))]


def _settings_secrets(text: str) -> list[str]:
    """What a settings file (Helm's values, gradle.properties, a dotenv) holds under a key naming the secret itself
    (`password:`, `token:`, `signing.password=`, `mavenPassword=`; `apiKey`, `accessKey`), where the text is such a
    file: two of its lines settings, or one line `key=value`. A YAML value is one word or quoted (`token: none is
    sent now` is prose); not a reference (`${…}`, `{{ … }}`), a Secret's name (`existingSecret`), nor a word
    saying none (`null`, `false`)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "!"))]
    settings = [found for found in map(_SETTING_LINE.fullmatch, lines) if found]
    if not (len(settings) >= 2 or len(lines) == 1 and settings and settings[0][2] == "="):
        return []
    return [value for key, separator, rest in (found.groups() for found in settings)
            if _names_the_secret(key) and (value := _setting_value(separator, rest))]


def _names_the_secret(key: str) -> bool:
    words = name_words(key)
    return bool(words) and words[0] != "EXISTING" and (names_a_secret_outright(key)
                                                       or words[-2:] in (["API", "KEY"], ["ACCESS", "KEY"]))


def _setting_value(separator: str, rest: str) -> str:
    """A setting's value as its file means it: a quoted one's inside, YAML's first word before a comment, a
    property's whole rest; "" where it holds no secret (a reference, a block's start, `null`, `***`)."""
    quoted = _QUOTED.match(rest)
    if quoted:
        value = quoted[1] if quoted[1] is not None else quoted[2]
    elif separator == ":":
        words = rest.split(" #", 1)[0].split()
        value = words[0] if len(words) == 1 else ""
    else:
        value = rest.strip()
    if value.startswith(("${", "{{", "$(", "<", "|", ">", "&", "*")) or value.lower() in NO_CREDENTIAL_WORDS:
        return ""
    return value if any(c.isalnum() for c in value) else ""


_AUTHORIZATION_HEADER = re.compile(r"(?<![\w-])(?:proxy-)?authorization[ \t]*+:[ \t]*+([a-z]++)[ \t]++"
                                   r"([\w~+/.-]++=*+)", re.IGNORECASE)
_DOCKER_SECRET_KEYS = frozenset({"auth", "password", "identitytoken", "registrytoken"})
_KUBECONFIG_SECRET = re.compile(r"^[ \t-]*(?:token|client-key-data|password|id-token|refresh-token|client-secret)"
                                r"[ \t]*:[ \t]*[\"']?([^\s\"'#]+)", re.MULTILINE)
_NPMRC_SECRET = re.compile(r"^[ \t]*(?:\S*:)?(_authToken|_auth|_password)[ \t]*=[ \t]*\"?([^\s\"]+)", re.MULTILINE)
_NETRC_WORDS = frozenset({"machine", "login", "password", "account", "port"})  # each followed by its value


def _netrc_passwords(text: str) -> list[str]:
    """A netrc's passwords and accounts, where the text is one: its words keywords each followed by a value (a
    sentence that starts with `machine` is none)."""
    words, found, at = text.split(), [], 0
    while at < len(words) and words[at] != "macdef":  # a macro runs to a blank line: no more entries are read
        if words[at] == "default":
            at += 1
            continue
        if words[at] not in _NETRC_WORDS or at + 1 >= len(words):
            return []
        if words[at] in ("password", "account"):
            found.append(words[at + 1])
        at += 2
    return found


def _decoded_passwords(secrets: list[str]) -> list[str]:
    """The password of each secret that is base64 of `user:password` (a Docker `auth`, an .npmrc `_auth`): a registry
    that refuses it may quote it decoded."""
    pairs = [_base64_text(secret) if len(secret) % 4 == 0 else "" for secret in secrets]
    return [password for _, colon, password in (pair.partition(":") for pair in pairs) if colon and password]


USER_PASSWORD = re.compile(r"(?P<user>[^\s:/@]{1,64}):(?P<password>[^\s:]{6,})")
# an image's tag, no password: keycloak:24.0.1, redis:7.2.4-alpine, app:v1.12
_VERSION_TAG = re.compile(r"v?\d+(?:\.\d+)+(?:[-+_.][\w.]+)?")


def _json_strings(value: str) -> list[tuple[str, str]]:
    """Each string a JSON object holds under a key (a list's strings under its key too), at any depth, with its key;
    none where the value is no object."""
    if not value.lstrip().startswith("{"):
        return []
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, str]] = []
    pending = [document]
    while pending and len(found) < 1000:
        node = pending.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, inner in items:
            if isinstance(inner, str) and isinstance(key, str):
                found.append((key, inner))
            elif isinstance(inner, list) and isinstance(key, str):  # `"apiKeys": ["…", "…"]`: each is the key's
                found += [(key, each) for each in inner if isinstance(each, str)]
                pending += [each for each in inner if isinstance(each, (dict, list))]
            elif isinstance(inner, (dict, list)):
                pending.append(inner)
    return found


def _userinfo_and_database(url: str) -> tuple[str, str, str]:
    """A URL's user, password and first path segment (a database URL's database), each unquoted; "" where none."""
    try:
        parts = urlsplit(url.strip())
        return (unquote(parts.username or ""), unquote(parts.password or ""),
                unquote(parts.path.lstrip("/").split("/")[0]))
    except ValueError:  # a port that is no number, a bracket unclosed: what is before the `@` is its user info
        userinfo = url.partition("://")[2].rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        return unquote(user), unquote(password), ""


def _token_shaped(value: str) -> bool:
    """A token, key or generated password: 12 characters or more, one word, letters and digits both; or a PEM key."""
    if "PRIVATE KEY-----" in value:
        return True
    return (len(value) >= 12 and not any(c.isspace() for c in value) and "://" not in value
            and any(c.isalpha() for c in value) and any(c.isdigit() for c in value))


def _existing_path(value: str) -> bool:
    try:
        return os.path.isabs(value) and os.path.lexists(value)
    except (OSError, ValueError):  # too long a name, or one the system cannot take: no file
        return False


def libpq_passwords(database: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """What libpq may send as `database`'s password beyond the one it holds: with none in it (nor an empty one),
    PGPASSWORD, the password of its service (`service=`/PGSERVICE, in PGSERVICEFILE or ~/.pg_service.conf, and
    PGSYSCONFDIR's pg_service.conf), and every line of its password file (`passfile=`, PGPASSFILE or ~/.pgpass)
    that matches one of its hosts, port, database and user as libpq matches them (`*` for any)."""
    settings = _settings(database)
    if settings is None or settings.get("password"):
        return []
    service = _service(settings.get("service") or environ.get("PGSERVICE", ""), environ)
    found = [environ.get("PGPASSWORD", ""), *(values.get("password", "") for values in service)]
    # libpq's precedence: the URL, then its service (the first file that has it), then the environment, then defaults
    merged = {**{key: environ[name] for key, name in _FROM_ENVIRONMENT.items() if environ.get(name)},
              **(service[0] if service else {}), **{key: value for key, value in settings.items() if value}}
    passfile = merged.get("passfile") or str(Path("~/.pgpass").expanduser())
    found += _passfile_passwords(Path(passfile), merged)
    return [password for password in dict.fromkeys(found) if password]


def _settings(database: str) -> dict[str, str] | None:
    """A database's connection settings as libpq reads them, the later of a key given twice; None if unreadable."""
    if not database.startswith(_LIBPQ_URL_PREFIXES):
        settings = conninfo_settings(database)
        return None if isinstance(settings, str) else dict(settings)
    rest = database.split("://", 1)[1]
    found: dict[str, str] = {}
    if "@" in rest.split("/", 1)[0]:  # libpq looks for the user info up to the first '/'
        userinfo, _, rest = rest.partition("@")
        user, colon, password = userinfo.partition(":")
        found.update(user=unquote(user), **({"password": unquote(password)} if colon else {}))
    hosts = re.split(r"[/?]", rest, maxsplit=1)[0]
    after = rest[len(hosts):]
    names, ports = [], []
    for host in hosts.split(","):
        if host.startswith("["):  # an IPv6 address: [::1]:5432
            name, _, port = host[1:].partition("]")
            port = port.removeprefix(":")
        else:
            name, _, port = host.partition(":")
        names.append(unquote(name.strip(" ")))
        ports.append(unquote(port.strip(" ")))
    found.update(host=",".join(names), port=",".join(ports))
    if after.startswith("/"):
        found["dbname"] = unquote(after[1:].partition("?")[0])
    for piece in after.partition("?")[2].split("&"):
        key, equals, value = piece.partition("=")
        if equals:
            found[unquote(key)] = unquote(value)
    return found


# where libpq builds look for the system's pg_service.conf without PGSYSCONFDIR: Debian's and psycopg's binary wheels
# (/etc/postgresql-common), PostgreSQL's own default prefix, and /etc itself
SYSTEM_FOLDERS = ("/etc/postgresql-common", "/usr/local/pgsql/etc", "/etc")


def _service(name: str, environ: Mapping[str, str]) -> list[dict[str, str]]:
    """The settings a connection service gives, from each file that has it: the user's (PGSERVICEFILE, else
    ~/.pg_service.conf), which libpq reads first, then the system's (PGSYSCONFDIR's pg_service.conf, else each of
    SYSTEM_FOLDERS')."""
    if not name:
        return []
    files = [Path(environ.get("PGSERVICEFILE") or Path("~/.pg_service.conf").expanduser())]
    if environ.get("PGSYSCONFDIR"):
        files.append(Path(environ["PGSYSCONFDIR"]) / "pg_service.conf")
    else:  # the folder libpq was built with, which Python cannot ask: each one a build of it uses
        files += [Path(folder) / "pg_service.conf" for folder in SYSTEM_FOLDERS]
    found = []
    for path in files:
        section: str | None = None
        values: dict[str, str] = {}
        for line in _lines(path):
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
            elif section == name and "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value
        if values:
            found.append(values)
    return found


def _passfile_passwords(path: Path, settings: Mapping[str, str]) -> list[str]:
    """The passwords of a password file's lines (`host:port:database:user:password`, `\\` escaping ':' and itself)
    that libpq would take for one of the connection's hosts: each field `*` or the connection's own — its host
    (`localhost` for none or a socket's directory), its port (5432 for none), its database (the user's name for none)
    and its user (the runner's login name for none). Read whatever the file's mode: libpq skips a file others may
    read, but its password may still be the one the server knows."""
    user = settings.get("user") or _login()
    database = settings.get("dbname") or user
    hosts = (settings.get("host") or settings.get("hostaddr") or "").split(",")
    ports = (settings.get("port") or "").split(",")
    wanted = []
    for index, host in enumerate(hosts):
        port = (ports[index] if len(ports) == len(hosts) else ports[0]) or _DEFAULT_PORT
        # a socket's directory is `localhost` to libpq when it is the default one, else itself: both are taken
        for name in dict.fromkeys([host or _DEFAULT_HOST, _DEFAULT_HOST if host.startswith(("/", "@")) else host]):
            if name:
                wanted.append((name, port, database, user))
    found = []
    for line in _lines(path):
        if not line or line.startswith("#"):
            continue
        fields = _passfile_fields(line)
        if len(fields) >= 5 and any(all(field in ("*", value) for field, value in zip(fields, connection))
                                    for connection in wanted):
            found.append(fields[4])
    return found


def _passfile_fields(line: str) -> list[str]:
    """A password file's line split at each ':' no backslash escapes, each field unescaped (the password ends at
    the fifth, as libpq reads it)."""
    fields, field, at = [], [], 0
    while at < len(line):
        if line[at] == "\\" and at + 1 < len(line):
            at += 1
        elif line[at] == ":":
            fields.append("".join(field))
            field = []
            at += 1
            continue
        field.append(line[at])
        at += 1
    return [*fields, "".join(field)]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:  # no such file, a folder, unreadable: libpq reads nothing from it either
        return []


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user with no name
        return ""
