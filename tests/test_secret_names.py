"""Which env var names say their value is a secret. A strong word (SECRET, TOKEN, PASSWORD, KEY, PASS…) makes any
value one, a plain word too; SESSION, COOKIE, AUTH or WEBHOOK followed by a word naming a plain setting
(SESSION_DRIVER, COOKIE_DOMAIN, AUTH_PROVIDER), or a secret word inside an ordinary word (KEYCLOAK, AUTHOR,
PASSENGER), leave the value to its shape: masked, `SESSION_DRIVER=database` hid the word `database` in every title,
observed text and excerpt of the run."""

from __future__ import annotations

import json

import pytest

from opsverify.secrets import Redactor, looks_secret, names_a_secret

from .kit import route_server
from .project import Project

# a plain setting under a name that only seems to say secret: each value must stay readable
PLAIN_SETTINGS = {
    "SESSION_DRIVER": "database",  # Laravel's .env.example
    "SESSION_STORE": "memory",
    "SESSION_SAME_SITE": "strict",
    "SESSION_CONNECTION": "sessions",
    "SESSION_COOKIE_NAME": "shopsession",  # Django's SESSION_COOKIE_*
    "KEYCLOAK_REALM": "master",
    "AUTH_PROVIDER": "github",
    "FIREBASE_AUTH_DOMAIN": "shop.firebaseapp.com",
    "COOKIE_DOMAIN": "example.com",
    "WEBHOOK_MODE": "queued",
    "AUTHOR_NAME": "marketing",
    "PASSENGER_LOG_LEVEL": "verbose",
    "COMPASS_THEME": "midnight",
    "KEYWORDS": "storefront",
    "SESSION_CACHE_ALIAS": "default",  # Django
    "FIREBASE_AUTH_EMULATOR_HOST": "localhost:9099",
}

# a secret under a name that says so, however plain the value: each must stay masked
STRONG_SECRETS = {
    "DB_PASSWORD": "sunshine",
    "DBPASS": "tulipfield",
    "APIKEY": "abcdefgh",
    "MYSQLPASSWORD": "lighthouse",
    "STRIPESECRET": "marmalade",
    "SESSION_SECRET": "pinecones",
    "AUTH_TOKEN": "riverbank",
    "NEXTAUTH_SECRET": "snowflake",
    "COOKIE_SECRET": "gingerbread",
    "WEBHOOK_SECRET": "thunderbolt",
    "SESSION_KEY": "base64:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MDE=",
    "PASSWD": "cornflower",
    "SESSION": "moonlight",  # a session's value itself
    "BASIC_AUTH": "admin:hunter2",
    "AUTH_HEADER": "Bearer wildflower",
    "SLACK_WEBHOOK": "butterscotch",
    "KEYCLOAK_CLIENT_SECRET": "raspberry",
    "KEYCLOAK_ADMIN_PASSWORD": "blueberry",
    "PASSENGER_API_KEY": "peppermint",
    "PROTECTION_BYPASS": "nightingale",  # Vercel's Deployment Protection bypass is a secret
    "SESSION_CONNECTION_STRING": "Server=db;Password=starlight x",  # no setting: a string that holds a password
    "WEBHOOK_PATH": "/hook/Zk3mQ9wxT8aa",  # a webhook's path may be its key
    "SESSION_STORE_AUTH": "sunflower",  # AUTH last
}


@pytest.mark.parametrize("name, value", PLAIN_SETTINGS.items())
def test_a_plain_setting_under_a_weak_or_ordinary_name_stays_readable(name, value):
    assert not names_a_secret(name), f"{name}: expected a plain setting's name, seen one that names a secret"
    assert not looks_secret(name, value), f"{name}={value}: expected readable, seen judged secret"
    redactor = Redactor()
    redactor.add_env_var(name, value)
    text = f"sessions are kept in the {value}"
    assert redactor.text(text) == text, f"{name}: expected {value!r} readable, seen {redactor.text(text)!r}"


@pytest.mark.parametrize("name", ["SESSION_DRIVER", "KEYCLOAK_REALM", "AUTH_PROVIDER", "AUTHOR_NAME", "COOKIE_DOMAIN"])
def test_a_weak_name_still_masks_a_value_shaped_as_a_secret(name):
    """The weak reading leaves the value to its shape: a URL with a password, long hex, a long mixed key."""
    for value in ("redis://:Hunter2pw@cache:6379/0", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                  "Zk3mQ9wxT8aaPq71LmN0vBc4"):
        assert looks_secret(name, value), f"{name}: expected {value[:12]}… judged secret by its shape, seen readable"


@pytest.mark.parametrize("name, value", STRONG_SECRETS.items())
def test_a_strong_name_masks_any_value_a_plain_word_too(name, value):
    assert looks_secret(name, value), f"{name}: expected its value judged secret, seen readable"
    redactor = Redactor()
    redactor.add_env_var(name, value)
    assert value not in redactor.text(f"echo: {value}"), f"{name}: expected its value masked, seen it in the text"


def test_names_split_by_case_or_fused_keep_their_strong_words():
    for name in ("apiKey", "dbPass", "sessionSecret", "PASSwd", "KEYCLOAKApiKey", "keycloakApiKey", "myKeYvalue",
                 "sessionCookie", "SESSIONDRIVER", "sesSion_driver_token"):
        assert names_a_secret(name), f"{name}: expected a secret's name, seen a plain one"
    for name in ("sessionDriver", "keycloakRealm", "authorName", "cookieDomain"):
        assert not names_a_secret(name), f"{name}: expected a plain setting's name, seen a secret's"


def test_a_run_shows_plain_settings_and_hides_secrets_of_one_env_file(tmp_path):
    """The probe's run: a Laravel-style env file. Its plain words stay readable in titles, expectations and a
    target's answer; its secrets appear nowhere in the console or results.json."""
    items = """
    - {id: E1, name: session, section: Config, title: sessions are kept in the database, family: env,
       cadence: postdeploy, params: {service: web, values: {SESSION_DRIVER: redis}}}
    - {id: H1, name: health, section: Web, title: health answers on master, family: http, cadence: postdeploy,
       params: {service: web, path: /ok, json: {db: ok}}}
    - {id: E2, name: plain, section: Config, title: "TITLE", family: env, cadence: postdeploy,
       params: {service: web, required: [APP_NAME]}}
    """.replace("TITLE", " ".join(PLAIN_SETTINGS.values()))
    env_file = tmp_path / "web.env"
    env_file.write_text("APP_NAME=shop\n" + "".join(f'{k}="{v}"\n' for k, v in {**PLAIN_SETTINGS,
                                                                             **STRONG_SECRETS}.items()))
    answer = json.dumps({"db": "database unreachable", "realm": "master", "login": "github", "secret": "sunshine",
                         "key": "abcdefgh", "session": "moonlight"})
    with route_server({("GET", "/ok"): lambda h, b: (503, answer)}) as url:
        project = Project(tmp_path, {"WEB_URL": url, "WEB_ENV": str(env_file)})
        project.checklist("shop", items)
        project.environment("""
        systems:
          shop:
            services: {web: {url: "${WEB_URL}", env: {dotenv: "${WEB_ENV}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA")
    rows = ran.rows()
    assert rows["E1-session"]["title"] == "sessions are kept in the database", rows["E1-session"]
    assert rows["H1-health"]["title"] == "health answers on master", rows["H1-health"]
    observed = str(rows["H1-health"]["observed"])
    assert "database unreachable" in observed, f"H1: expected the answer's words readable, seen {observed!r}"
    plain = " ".join(PLAIN_SETTINGS.values())
    assert rows["E2-plain"]["title"] == plain, f"E2: expected the title {plain!r}, seen {rows['E2-plain']['title']!r}"
    text = json.dumps(rows) + ran.output
    for name, value in STRONG_SECRETS.items():
        assert value not in text, f"{name}: expected its value masked everywhere, seen it in the run's output"


@pytest.mark.parametrize("name, value, password", [
    ("ConnectionStrings__DefaultConnection",
     "Server=tcp:db.example.net,1433;Initial Catalog=shop;User ID=app;Password=Lantern 42;", "Lantern 42"),
    ("ConnectionStrings__AuthConnection", "Data Source=db;Pwd='it''s blue';", "it's blue"),
    ("SESSION_CONNECTION", 'Host=db;Username=app;PASSWORD="say ""hi""";', 'say "hi"'),
    ("DB_CONNECTION", "host=db dbname=shop user=app password=harbourlights", "harbourlights"),
    ("ODBC_SETTINGS", "Driver={ODBC Driver 18};Server=db;UID=app;PWD={Lan;tern42x};", "Lan;tern42x"),
    ("ACCESS_DB", "Provider=Microsoft.ACE.OLEDB.12.0;Data Source=db.accdb;Jet OLEDB:Database Password=Quiet9;",
     "Quiet9"),
    ("OLEDB", "Provider=x;Data Source=db;User ID=app;User Password=Meadow7;", "Meadow7"),
    ("APP_SETTINGS_JSON", '{"ConnectionStrings": {"Default": "Server=db; User Id=app; Password=Harbour77"}}',
     "Harbour77"),
    ("REDIS_ARGS", "--requirepass Orchard5x --appendonly yes", "Orchard5x"),
])
def test_a_connection_strings_password_is_masked_under_any_name(name, value, password):
    """A connection string with spaces (`User ID=…;Password=…`) is no secret by its shape, and CONNECTION names a
    plain setting after SESSION (Laravel's SESSION_CONNECTION=sessions): its password, echoed by a target, was shown.
    Its password is one under any name; its host stays readable."""
    redactor = Redactor()
    redactor.add_env_var(name, value)
    shown = redactor.text(f"echo: {value} / {password}")
    assert password not in shown, f"{name}: expected its password masked, seen {shown!r}"
    assert "db" in shown or "db" not in value, f"{name}: expected its host readable, seen {shown!r}"


def test_phpredis_save_paths_password_is_masked_on_its_own():
    """PHP's SESSION_SAVE_PATH holds phpredis's `tcp://redis:6379?weight=1&auth=<password>`: masked whole (its name is
    no plain setting's: SAVE is left out of them), and the password echoed alone too (`auth` is a secret query key)."""
    redactor = Redactor()
    redactor.add_env_var("SESSION_SAVE_PATH", "tcp://db:6379?weight=1&auth=Pebble88x")
    shown = redactor.text("auth failed for Pebble88x; tcp://db:6379?weight=1&auth=Pebble88x")
    assert "Pebble88x" not in shown, shown
