"""The runner's own variables (what a team test's dump of os.environ prints) that hold a secret under a name not
ending in a secret's word: a tool's password variable, a stage's suffix, an Erlang cookie — and what only mentions a
password (a commit's title) stays readable. Probe 278's findings."""

from __future__ import annotations

import pytest

from opsverify import engine
from opsverify.environment import load_environment

_SHOP = 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n'


def _shown(tmp_path, monkeypatch, variables: dict[str, str], text: str | None = None) -> str:
    """What the run's redactor makes of `text` (the variables' repr, as a dump of os.environ shows them) with
    `variables` in the runner's environment."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "local.yaml").write_text("name: local\n" + _SHOP, encoding="utf-8")
    redactor = engine.Run(load_environment(tmp_path, "local")).redactor
    return redactor.text(repr(variables) if text is None else text)


@pytest.mark.parametrize("name, value", [
    ("SSHPASS", "tallgreentrees"), ("REDISCLI_AUTH", "bluecheesewheel"), ("MYSQL_PWD", "bluecheesewheel"),
    ("PGPASSWORD", "bluecheesewheel"), ("LFTP_PASSWORD", "bluecheesewheel"), ("RSYNC_PASSWORD", "bluecheesewheel"),
    ("DB_PASSWORD_PROD", "Summer2024!"), ("POSTGRES_PASSWORD_RO", "bluecheesewheel"),
    ("API_TOKEN_STAGING", "quietriver"), ("SMTP_PASSWORD_V2", "quietriver"), ("DB_PASSWORD_OLD", "quietriver"),
    ("DEPLOY_SECRET_1", "quietriver"), ("ADMIN_PASSWORD_NEW", "quietriver"),
    ("RABBITMQ_ERLANG_COOKIE", "SWQOKODSQALRPCLNMEQG"), ("RELEASE_COOKIE", "shopreleasecookievalue"),
    ("ERLANG_COOKIE", "ABCDEFGHIJKLMNOPQRST"),
])
def test_a_tools_password_variable_or_a_suffixed_secret_name_is_masked_whatever_its_shape(name, value, tmp_path,
                                                                                          monkeypatch):
    """sshpass' SSHPASS and redis-cli's REDISCLI_AUTH end in no secret word; DB_PASSWORD_PROD, POSTGRES_PASSWORD_RO
    and API_TOKEN_STAGING end in a stage's or a role's; an Erlang cookie (20 capitals, as erl makes one) has no digit:
    none was token-shaped, and a team test's dump of os.environ printed them."""
    shown = _shown(tmp_path, monkeypatch, {name: value})
    assert value not in shown, shown


@pytest.mark.parametrize("name, value, word", [
    ("DB_PASSWORD_FILE", "/run/secrets/db", "db"), ("PASSWORD_RESET_TIMEOUT", "259200", "259200"),
    ("TOKEN_SCOPE_PROD", "metrics", "metrics"), ("SECRET_NAME_PROD", "shop-prod-2024", "shop-prod-2024"),
    ("API_TOKEN_URL_PROD", "https://sso.example.com/token", "sso.example.com"),
    ("SESSION_COOKIE", "shopsession", "shopsession"), ("RELEASE_COOKIE", "short", "short"),
])
def test_a_name_describing_a_secret_before_a_stage_stays_readable(name, value, word, tmp_path, monkeypatch):
    said = f"{name}={value}; the {word} item"
    assert _shown(tmp_path, monkeypatch, {name: value}, said) == said


@pytest.mark.parametrize("name, value", [
    ("CI_COMMIT_TITLE", "cli: with host= set, password= prompt replaces the --password flag"),
    ("BUILDKITE_MESSAGE", "docs: say user=app and password=prompt in the login example"),
])
def test_a_commit_title_mentioning_connection_keys_masks_nothing(name, value, tmp_path, monkeypatch):
    """GitLab's CI_COMMIT_TITLE saying `host= set, password= prompt … --password flag` was read as a connection
    string: 'prompt' and 'flag' were masked in every message, and an item named login-prompt refused (exit 20)."""
    said = f"{value}; cli/login-prompt-the login prompt appears; the flag"
    assert _shown(tmp_path, monkeypatch, {name: value}, said) == said


@pytest.mark.parametrize("name, value, password", [
    ("LIBPQ", "host=db.internal user=app password=prompt dbname=shop", "prompt"),
    ("ADO", "Server=db; Database=shop; User Id=app; Password=BlueSky2024x;", "BlueSky2024x"),
    ("NPGSQL", "Host=localhost;Username=app;Password='a;bcd';Database=shop", "a;bcd"),
    ("JDBC_MSSQL", "jdbc:sqlserver://db:1433;databaseName=shop;user=app;password=BlueSky2024x;", "BlueSky2024x"),
    ("KAFKA_SASL_JAAS_CONFIG", 'org.apache.kafka.common.security.plain.PlainLoginModule required username="shop" '
                               'password="tallgreentrees";', "tallgreentrees"),
    ("MYSQL_ARGS", "--host=db --user=app --password=bluebird99z", "bluebird99z"),
])
def test_a_connection_string_still_gives_up_its_password(name, value, password, tmp_path, monkeypatch):
    shown = _shown(tmp_path, monkeypatch, {name: value}, f"{name}={value}")
    assert password not in shown, shown
