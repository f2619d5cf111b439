"""The runner's own variables (what a team test's dump of os.environ prints) that hold a secret inside a value no
name says is one: an Azure connection string's key, a key in a URL's path or query, a JSON configuration's password,
a JVM system property's, a StackExchange.Redis configuration's, a tool's password variable, an Erlang cookie — and
what only mentions a password (a commit's title) stays readable. Probe 278's findings."""

from __future__ import annotations

import time

import pytest

from opsverify import ambient, engine
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


_AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_SAS_SIG = "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7%2Bqw%3D"


@pytest.mark.parametrize("name, value, secret, readable", [
    ("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=https;AccountName=shopstore;AccountKey="
     f"{_AZURE_KEY};EndpointSuffix=core.windows.net", _AZURE_KEY, "shopstore"),
    ("AZURE_SERVICEBUS_CONNECTION_STRING", "Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName="
     "RootManageSharedAccessKey;SharedAccessKey=pQ9xZ2mV7kL1nB4cR8tY3wE6uI0oP5aS2dF7gH1jK4l=",
     "pQ9xZ2mV7kL1nB4cR8tY3wE6uI0oP5aS2dF7gH1jK4l=", "RootManageSharedAccessKey"),
    ("EVENTHUB", "Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;"
     "SharedAccessKey=Zr2LmN4pQ7x9kV3bW8cY1dF6gH0jT5sA2eR7uI9oP3a=;EntityPath=orders",
     "Zr2LmN4pQ7x9kV3bW8cY1dF6gH0jT5sA2eR7uI9oP3a=", "orders"),
    ("COSMOS", "AccountEndpoint=https://shop.documents.azure.com:443/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEH"
     "LM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;", "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9n",
     "shop.documents.azure.com"),
    ("STORAGE_SAS", "BlobEndpoint=https://shopstore.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b"
     f"&srt=co&sp=rl&se=2026-12-31&sig={_SAS_SIG}", "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7", "shopstore"),
])
def test_an_azure_connection_strings_key_is_masked_under_any_name(name, value, secret, readable, tmp_path,
                                                                   monkeypatch):
    """Azure Storage's AccountKey, Service Bus' and Event Hubs' SharedAccessKey, Cosmos DB's AccountKey and a SAS
    connection string's SharedAccessSignature, under their documented names (no secret word), were printed whole by
    a team test's dump of os.environ: the key's value is masked, the account's and endpoint's names stay readable."""
    shown = _shown(tmp_path, monkeypatch, {name: value})
    assert secret not in shown and readable in shown, shown


@pytest.mark.parametrize("name, value, secret", [
    ("MAINNET_RPC_URL", "https://eth-mainnet.g.alchemy.com/v2/Zq8vLr2mWx77AbCdEfGhIjKl", "Zq8vLr2mWx77AbCdEfGhIjKl"),
    ("INFURA_WS", "wss://mainnet.infura.io/ws/v3/4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d", "4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d"),
    ("ALERTS_URL", "https://hooks.slack.com/services/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",
     "B2cD3eF4gH5iJ6kL7mN8oP9q"),
    ("BACKUP_CONTAINER_URL", "https://shopstore.blob.core.windows.net/backups?sv=2022-11-02&sp=rl&se=2026-12-31"
     f"&spr=https&sig={_SAS_SIG}", "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7"),
    ("RENDER_DEPLOY", "https://api.render.com/deploy/srv-c9x2k3lm4?key=Rk8vQz2LmWx7", "Rk8vQz2LmWx7"),
])
def test_a_key_in_a_runner_urls_path_or_query_is_masked_under_a_plain_name(name, value, secret, tmp_path,
                                                                           monkeypatch):
    """An Alchemy or Infura RPC URL (`/v2/<key>`, `/v3/<key>`), a Slack webhook, an Azure SAS URL's `sig=` and a
    deploy hook's `?key=` under names saying no secret were printed whole: the env source's URL rules apply to the
    runner's variables holding one URL. The host stays readable."""
    shown = _shown(tmp_path, monkeypatch, {name: value})
    assert secret not in shown and value.split("/")[2].split("?")[0] in shown, shown


@pytest.mark.parametrize("name, value", [
    ("GITHUB_SERVER_URL", "https://github.com"), ("REPO", "https://github.com/acme-shop/storefront-api"),
    ("ACTIONS_RESULTS_URL", "https://results-receiver.actions.githubusercontent.com/"),
    ("CI_JOB_URL", "https://gitlab.com/acme/shop/-/jobs/6543210987"),
    ("DOCS_URL", "https://docs.example.com/guides/deploying?section=rollback&lang=en"),
    ("ELASTIC_URL", "http://elastic:elastic@localhost:9200/"),
    # a build's commit and image digest: the deploy id and the evidence name them
    ("CIRCLE_COMPARE_URL", "https://github.com/acme/shop/compare/3f2c9a1b7e4d...9e8d7c6b5a4f"),
    ("COMMIT_URL", "https://github.com/acme/shop/commit/3f2c9a1b7e4d5c6b8a9f0e1d2c3b4a5968776655"),
    ("IMAGE_URL", "https://ghcr.io/v2/acme/shop/manifests/"
                  "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    # a build's artifacts named by its commit, a deploy hook told the commit (probe 282)
    ("ARTIFACT_URL", "https://artifacts.example.com/shop/app-3f2c9a1b7e4d5c6b8a9f0e1d2c3b4a5968776655.tar.gz"),
    ("SOURCE_MAP_URL", "https://cdn.example.com/assets/main.3f2c9a1b.js.map"),
    ("STATUS_URL", "https://deploy.example.com/status?sha=3f2c9a1b7e4d5c6b8a9f0e1d2c3b4a5968776655&ref=main"),
    ("MR_DIFF_URL", "https://gitlab.com/acme/shop/-/merge_requests/42/diffs?commit_id=3f2c9a1b7e4d5c6b8a9f"
                    "0e1d2c3b4a5968776655"),
])
def test_a_plain_runner_url_stays_readable(name, value, tmp_path, monkeypatch):
    said = f"{name}={value}; the storefront-api rollback item"
    assert _shown(tmp_path, monkeypatch, {name: value}, said) == said


@pytest.mark.parametrize("name, value, secret", [
    ("SPRING_APPLICATION_JSON", '{"spring":{"datasource":{"url":"jdbc:postgresql://db/shop","username":"shop",'
                                '"password":"tallgreentrees"}}}', "tallgreentrees"),
    ("APP_CONFIG", '{"stripe": {"apiKey": "rk8Vq2LmWx7Zp3Kn"}, "smtp": {"clientSecret": "quietriverstone"}}',
     "quietriverstone"),
    ("APP_CONFIG", '{"stripe": {"apiKey": "rk8Vq2LmWx7Zp3Kn"}, "smtp": {"clientSecret": "quietriverstone"}}',
     "rk8Vq2LmWx7Zp3Kn"),
])
def test_a_json_configurations_secret_member_is_masked_under_a_plain_name(name, value, secret, tmp_path,
                                                                          monkeypatch):
    """SPRING_APPLICATION_JSON (Spring Boot reads its whole configuration from it) held the datasource's password
    and was printed whole: a member named a password, secret or token has its value masked whatever its shape, one
    named a key when it is shaped as one; the other members stay readable."""
    shown = _shown(tmp_path, monkeypatch, {name: value})
    assert secret not in shown and ('"username":"shop"' in shown or '"smtp"' in shown), shown


@pytest.mark.parametrize("value", [
    '{"/builds/acme/test_a_secret_item/checklists/shop.yaml": "507bdaa794ab2ec7b21cbc68f1687075930d68460d18fcd35ac8'
    '66f5c51a2d42", "checklists/secret-token.yaml": '
    '"e0d92e690b06f5a51ce08e901f49340c230741b1bbc71b04b59c09eb3330b86c"}',
    '{"model": "gpt-4o", "max_tokens": "4096", "tokenizer": "cl100k", "token_type": "bearer", "password_policy": '
    '"strict", "secret_name": "shop-prod", "token_url": "https://sso.example.com/token"}',
])
def test_a_json_configurations_settings_about_secrets_stay_readable(value, tmp_path, monkeypatch):
    """A member's name that is no name (a path the run's own OPSVERIFY_INPUTS maps to its file's SHA-256, holding
    the word secret) says nothing of its value; "max_tokens", "token_type", "secret_name" describe a secret."""
    said = f"APP_CONFIG={value}; the strict bearer shop-prod item"
    assert _shown(tmp_path, monkeypatch, {"APP_CONFIG": value}, said) == said


@pytest.mark.parametrize("name, value, secret", [
    ("JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=/etc/ts.jks -Djavax.net.ssl.trustStorePassword=tallgreentrees",
     "tallgreentrees"),
    ("MAVEN_OPTS", "-Xmx1g -Dspring.datasource.password=Zq8vLr2mWx77", "Zq8vLr2mWx77"),
    ("JAVA_OPTS", '-Dapp.client.secret="blue cheese wheel" -Dfile.encoding=UTF-8', "blue cheese wheel"),
    ("GRADLE_OPTS", "-Dorg.gradle.daemon=false -Dsonar.token=quietriverstone", "quietriverstone"),
])
def test_a_jvm_system_propertys_password_is_masked(name, value, secret, tmp_path, monkeypatch):
    """`-Djavax.net.ssl.trustStorePassword=…` in JAVA_TOOL_OPTIONS, `-Dspring.datasource.password=…` in MAVEN_OPTS
    were printed whole: a property named a password, secret or token has its value masked; the other flags (a
    truststore's path, the file encoding) stay readable."""
    shown = _shown(tmp_path, monkeypatch, {name: value})
    assert secret not in shown and "-D" in shown, shown


def test_a_jvm_propertys_default_or_describing_name_stays_readable(tmp_path, monkeypatch):
    value = ("-Djavax.net.ssl.trustStorePassword=changeit -Dapp.token.url=https://sso.example.com/token "
             "-Dapp.secret.name=shop-prod")
    said = f"JAVA_TOOL_OPTIONS={value}; the shop-prod item"
    assert _shown(tmp_path, monkeypatch, {"JAVA_TOOL_OPTIONS": value}, said) == said


@pytest.mark.parametrize("value", [
    "redis.example.com:6380,password=tallgreentrees,ssl=True,abortConnect=False",
    "shop-cache.redis.cache.windows.net:6380, password=tallgreentrees, ssl=True",
    "10.0.0.5:6379,10.0.0.6:6379,user=app,password=tallgreentrees",
])
def test_a_stackexchange_redis_configurations_password_is_masked(value, tmp_path, monkeypatch):
    """StackExchange.Redis' configuration string (`host:port,password=…,ssl=True`), as .NET's
    ConnectionStrings__Redis holds it, says no `host=`: it was no connection string, and its password was printed."""
    shown = _shown(tmp_path, monkeypatch, {"ConnectionStrings__Redis": value})
    assert "tallgreentrees" not in shown and ":63" in shown, shown


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


@pytest.mark.parametrize("name", ["CI_COMMIT_MESSAGE", "CI_MERGE_REQUEST_DESCRIPTION", "BUILDKITE_MESSAGE"])
def test_a_commit_message_quoting_settings_masks_nothing(name, tmp_path, monkeypatch):
    """A commit message quoting the settings it changes (`metrics.token: required`, `secret: optional`) was read as
    Helm values: 'required' and 'optional' were masked in every message, and an item login-required refused
    (probe 282)."""
    value = "chore: make the metrics token mandatory\n\nmetrics.token: required\nsecret: optional\n"
    said = "the login-required item: required, optional"
    assert _shown(tmp_path, monkeypatch, {name: value}, said) == said


def test_a_list_of_keys_under_a_json_configurations_secret_member_is_masked(tmp_path, monkeypatch):
    """`"apiKeys": ["…", "…"]` (keys being rotated) was printed whole: a list's strings are its member's."""
    value = '{"auth": {"apiKeys": ["Zq8vLr2mWx77Ab", "Yp3kTn9wQv44Cd"]}, "region": "eu-west-1"}'
    shown = _shown(tmp_path, monkeypatch, {"APP_CONFIG": value})
    assert "Zq8vLr2mWx77Ab" not in shown and "Yp3kTn9wQv44Cd" not in shown and "eu-west-1" in shown, shown


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


def test_reading_the_runners_values_is_linear_in_their_size():
    """A value 64 times longer takes not much more than 64 times as long to read (each rule's scan is linear)."""
    def cost(size: int) -> float:
        pieces = ["-Dx=y ", "a:1,", '{"a": "b", ', "Key=v;", "https://h/" + "a" * 20 + "?sig=", "password= x "]
        environ = {f"V{at}": (piece * (size // len(piece)))[:size] for at, piece in enumerate(pieces)}
        started = time.process_time()
        ambient.named_embedded_passwords(environ), ambient.named_key_urls(environ)
        return time.process_time() - started

    cost(2_000)
    small = min(cost(2_000) for _ in range(3))
    large = min(cost(128_000) for _ in range(3))
    assert large < 64 * 8 * max(small, 1e-4), (small, large)
