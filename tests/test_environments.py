"""Environment files: the shipped ones are valid, every field known, every service used by a check; and a
bad one — a variable set but empty, a malformed `${…}`, a misspelt name, a missing CA bundle, a broken
secrets.env — is one line naming the file and the field at load, never a skipped item and a green run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import trustme

from opsverify import families
from opsverify.checklist import Check, Severity, load_checklists, shown
from opsverify.engine import Run
from opsverify.environment import PLATFORMS, environment_path, load_environment, peek
from opsverify.errors import ConfigError, MissingVariable, UnknownEnvironment
from opsverify.families import provider
from opsverify.outcome import Status
from opsverify.target import services_named

from .helpers import CHECKS, ROOT, UNUSED_PLUGINS, placeholder


def _shipped(name: str, monkeypatch, **overrides: str) -> Path:
    path = ROOT / "environments" / f"{name}.yaml"
    for variable in set(re.findall(r"\$\{([A-Z0-9_]+)(?::-[^}]*)?\}", path.read_text())):
        monkeypatch.setenv(variable, overrides.get(variable, _shipped_value(variable)))
    return path


def _shipped_value(variable: str) -> str:
    """The placeholder, but an https URL for an endpoint items send HTTP requests to (refused at load otherwise)."""
    if variable.endswith(("_S3_ENDPOINT", "_RPC_URL")):
        return f"https://{variable.lower().replace('_', '-')}.example"
    return placeholder(variable)


# every checklist of the project, a team's own system's too: the shipped environments may name it beside the seeds
EVERY_CHECK = load_checklists(ROOT / "checklists")


@pytest.mark.parametrize("name", ["prod", "staging"])
def test_shipped_environment_validates_once_its_variables_are_set(name, monkeypatch):
    _shipped(name, monkeypatch)
    in_use: dict[str, set[str]] = {}
    for check in EVERY_CHECK:
        in_use.setdefault(check.system, set()).update(services_named(check.params))
    env = load_environment(ROOT / "environments", name, checks=EVERY_CHECK)
    assert {c.system for c in CHECKS} <= set(env.model.systems) <= {c.system for c in EVERY_CHECK}
    assert env.allow_mutating is (name == "staging")
    for system, config in env.model.systems.items():
        assert set(config.services) == in_use[system], system  # every service a check uses has a place


def test_the_services_an_item_names_are_read_from_its_fields_as_its_dump_holds_them():
    """services_named reads a params model's fields as they are (a run asks it of every item): every seed item
    names the services its dumped params name."""
    def dumped(params) -> set[str]:
        data = params.model_dump() if hasattr(params, "model_dump") else params
        found = {data["service"]} if isinstance(data, dict) and isinstance(data.get("service"), str) else set()
        for value in [data, *data.values()] if isinstance(data, dict) else []:
            found.update(s for s in (value.get("services") if isinstance(value, dict) else None) or []
                         if isinstance(s, str))
        for group in (data.get("per_key") or {}).values() if isinstance(data, dict) else []:
            found.update(s for s in group if isinstance(s, str))
        return found

    named = [services_named(check.params) for check in CHECKS]
    assert named == [dumped(check.params) for check in CHECKS]
    assert sum(map(len, named)) > 50  # the seeds name services in service, services, equal and per_key


def test_an_optional_variable_left_empty_is_not_configured(monkeypatch):
    """`${X:-}` says "may be empty": the shipped repo checkouts, GitHub Actions giving "" for a missing one."""
    _shipped("prod", monkeypatch, CHEERSAI_PROD_REPO="", SORA_STUDIO_PROD_DEPLOYED_SHA="")
    env = load_environment(ROOT / "environments", "prod", checks=EVERY_CHECK)
    assert env.model.systems["cheersai"].repo == ""
    assert env.model.systems["sora-studio"].providers["github"]["ref"] == "main"  # :- takes the default when empty


def _check(item: str, family: str, params: dict, system: str = "shop") -> Check:
    return Check(system=system, id=item, name=item.lower(), section="s", title="t", family=family, cadence=None,
                 severity=Severity.normal, mutating=False, remediation="", reason="",
                 params=families.params_model(family).model_validate(params))


ENV_ITEM = _check("E1", "env", {"service": "web", "required": ["APP_ORIGIN"]})
REDIS_ITEM = _check("R1", "redis", {"keys": {"queue": {"max": 10}}})
HEADER_ITEM = _check("H1", "http", {"service": "web", "path": "/admin", "headers": {"x-key": "{secret:ADMIN_KEY}"}})


def _load(tmp_path: Path, monkeypatch, systems: str, *, variables: dict[str, str] | None = None,
          secrets_env: str | None = None, checks: list[Check] | None = None):
    (tmp_path / "local.yaml").write_text(f"name: local\nsystems:\n{systems}", encoding="utf-8")
    if secrets_env is not None:
        (tmp_path / "local.secrets.env").write_text(secrets_env, encoding="utf-8")
    for name, value in (variables or {}).items():
        monkeypatch.setenv(name, value)
    return load_environment(tmp_path, "local", checks=checks)


# -- a variable set but empty is not "not configured" ----------------------------------------------
@pytest.mark.parametrize("empty", ["", "\n"])  # `echo > file` leaves a lone line break
@pytest.mark.parametrize("field, text", [
    ("systems.shop.database", "  shop: {database: \"${X}\"}\n"),
    ("systems.shop.services.web.url", "  shop: {services: {web: {url: \"${X}\"}}}\n"),
    ("systems.shop.services.web.env.dotenv", "  shop: {services: {web: {env: {dotenv: \"${X}\"}}}}\n"),
    ("systems.shop.services.web.env.process_prefix", "  shop: {services: {web: {env: {process_prefix: \"${X}\"}}}}\n"),
    ("systems.shop.endpoints.redis", "  shop: {endpoints: {redis: \"${X}\"}}\n"),
])
def test_a_variable_set_but_empty_is_missing(tmp_path, monkeypatch, field, text, empty):
    with pytest.raises(MissingVariable, match=re.escape(f"{field} needs ${{X}} (set but empty)")) as raised:
        _load(tmp_path, monkeypatch, text, variables={"X": empty})
    assert raised.value.exit_code == 22 and "\n" not in raised.value.message


SHOP_URL = "http://127.0.0.1:1/private-Qz7Kp2Lm9Xw4"


def test_an_empty_exported_variable_hiding_the_secrets_file_value_is_said_so(tmp_path, monkeypatch):
    """GitHub Actions exports "" for a secret it does not have, which wins over the value local.secrets.env holds: the
    message used to say "export it or add it to local.secrets.env", a fix already made."""
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, "  shop: {services: {web: {url: \"${X}\"}}}\n", variables={"X": ""},
              secrets_env=f"X={SHOP_URL}\n")
    message = raised.value.message
    assert message.endswith(f"systems.shop.services.web.url needs ${{X}}; X is exported empty, which hides its value "
                            f"in {tmp_path / 'local.secrets.env'}: unset it, or export its value"), message
    assert "add it to" not in message and "Qz7Kp2" not in message and raised.value.exit_code == 22


def test_hidden_and_unset_variables_each_get_their_own_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("Y", raising=False)
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, "  shop: {services: {web: {url: \"${X}\"}, api: {url: \"${Y}\"}}}\n",
              variables={"X": ""}, secrets_env=f"X={SHOP_URL}\n")
    message = raised.value.message
    assert "2 variables not set" in message and "export them or add them to" in message, message
    assert f"\n  ${{X}} (exported empty, which hides its value in {tmp_path / 'local.secrets.env'}: unset it, or " \
           "export its value): systems.shop.services.web.url" in message, message
    assert "\n  ${Y}: systems.shop.services.api.url" in message and "Qz7Kp2" not in message, message


def test_an_empty_exported_variable_the_file_leaves_empty_too_is_set_but_empty(tmp_path, monkeypatch):
    with pytest.raises(MissingVariable, match=re.escape("needs ${X} (set but empty); export it or add it")):
        _load(tmp_path, monkeypatch, "  shop: {services: {web: {url: \"${X}\"}}}\n", variables={"X": ""},
              secrets_env="X=\n")


def test_a_default_applies_to_an_empty_value_as_in_the_shell(tmp_path, monkeypatch):
    env = _load(tmp_path, monkeypatch, "  shop: {services: {web: {url: \"${X:-http://fallback}\"}}}\n",
                variables={"X": ""})
    assert env.model.systems["shop"].services["web"].url == "http://fallback"


# -- an env source names exactly one source; an optional empty one skips only its own service -------
@pytest.mark.parametrize("source, said", [
    ("{}", "name one of dotenv or process_prefix"),
    ("{dotenv: f.env, process_prefix: NOPE_}", "name one of dotenv or process_prefix, not both"),
    ("{process_prefix: ''}", "process_prefix is empty"),
    ("{dotenv: null}", "dotenv is empty"),
])
def test_an_env_source_names_one_source(tmp_path, monkeypatch, source, said):
    with pytest.raises(ConfigError, match=re.escape(f"systems.shop.services.web.env: {said}")):
        _load(tmp_path, monkeypatch, f"  shop: {{services: {{web: {{env: {source}}}}}}}\n")


def test_an_optional_empty_env_source_skips_only_its_own_service(tmp_path, monkeypatch):
    (tmp_path / "web.env").write_text("APP_ORIGIN=https://shop.example\n")
    monkeypatch.delenv("UNSET_WEB_ENV", raising=False)
    web = f"      web: {{env: {{dotenv: {tmp_path / 'web.env'}}}}}\n"
    empty = "      empty: {env: {dotenv: \"${UNSET_WEB_ENV:-}\"}}\n"
    env = _load(tmp_path, monkeypatch, f"  shop:\n    services:\n{web}{empty}")
    run = Run(env)
    try:
        outcomes = run.evaluate([ENV_ITEM, _check("E2", "env", {"service": "empty", "required": ["APP_ORIGIN"]})])
    finally:
        run.close()
    assert outcomes["shop:E1-e1"].status is Status.PASSED
    assert outcomes["shop:E2-e2"].status is Status.SKIPPED
    assert "service 'empty'" in outcomes["shop:E2-e2"].observed


# -- names the checks use: a typo is refused, with the name meant --------------------------------
def test_a_misspelt_endpoint_is_refused(tmp_path, monkeypatch):
    """Another environment beside it has the item's name: this one's is the typo (else see
    test_a_single_use_name_an_item_misspells_is_blamed_on_the_item)."""
    (tmp_path / "prod.yaml").write_text("name: prod\nsystems:\n  shop: {endpoints: {redis: x}}\n")
    with pytest.raises(ConfigError, match=r"systems\.shop\.endpoints\.rdis: no item of shop uses this endpoint; "
                                          r"did you mean redis\?"):
        _load(tmp_path, monkeypatch, "  shop: {endpoints: {rdis: 'redis://127.0.0.1:1/0'}}\n", checks=[REDIS_ITEM])


def test_a_misspelt_secret_is_refused_but_a_secret_kept_for_redaction_is_not(tmp_path, monkeypatch):
    (tmp_path / "prod.yaml").write_text("name: prod\nsystems:\n  shop: {secrets: {ADMIN_KEY: x}}\n")
    text = "  shop: {services: {web: {url: 'http://x'}}, secrets: {ADMIN_KY: '${K}', WEBHOOK_URL: '${K}'}}\n"
    with pytest.raises(ConfigError, match=r"systems\.shop\.secrets\.ADMIN_KY: no item uses it, and H1-h1 cites "
                                          r"ADMIN_KEY, which is not given; did you mean ADMIN_KEY\?"):
        _load(tmp_path, monkeypatch, text, variables={"K": "long-enough-secret"}, checks=[HEADER_ITEM])
    _load(tmp_path, monkeypatch, text.replace("ADMIN_KY", "ADMIN_KEY"), checks=[HEADER_ITEM])


@pytest.mark.parametrize("item, kind, name, meant", [
    (_check("H2", "http", {"service": "wbe", "path": "/p"}), "service", "wbe", "web"),
    (_check("R2", "redis", {"endpoint": "rdis", "keys": {"q": {"max": 1}}}), "endpoint", "rdis", "redis"),
    (_check("H3", "http", {"service": "web", "path": "/a", "headers": {"x": "{secret:ADMIN_KY}"}}),
     "secret", "ADMIN_KY", "ADMIN_KEY"),
])
def test_an_item_naming_what_no_environment_defines_is_a_typo(tmp_path, monkeypatch, item, kind, name, meant):
    """The environment's name is used by other items, so the environment side finds nothing unused: the item
    with the misspelt name would skip in every environment, and the run stay green."""
    text = ("  shop: {services: {web: {url: 'http://x'}}, endpoints: {redis: 'redis://127.0.0.1:1/0'},"
            " secrets: {ADMIN_KEY: '${K}'}}\n")
    checks = [HEADER_ITEM, REDIS_ITEM, item]
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, text, variables={"K": "long-enough-secret"}, checks=checks)
    assert raised.value.message == (f"shop: {item.key}: {kind} '{name}' is defined for shop by no environment in "
                                    f"{tmp_path}, so the item would always skip; did you mean {meant}?")
    assert raised.value.exit_code == 20
    # another environment beside it has the name (a prod-only service): this one rightly skips the item
    (tmp_path / "prod.yaml").write_text(f"name: prod\nsystems:\n  shop: {{{kind}s: {{{name}: x}}}}\n")
    _load(tmp_path, monkeypatch, text, checks=checks)


def test_a_platforms_service_names_are_not_the_environments(tmp_path, monkeypatch):
    """A provider item's `services` are the platform's (mapped by providers.render.service.<name>), not services of
    the environment: one the environment lacks is no typo."""
    render = _check("R1", "provider", {"platform": "render", "services": ["web", "api-eu"], "deploy_status": "live"})
    text = ("  shop: {services: {web: {url: 'http://x'}, api: {url: 'http://x'}}, providers: {render: {token: '${T}',"
            " service.web: srv-1, service.api-eu: srv-2}}}\n")
    env = _load(tmp_path, monkeypatch, text, variables={"T": "rnd_Zk3mQ9wxLp2Tq7Vb"},
                checks=[render, _check("H1", "http", {"service": "api", "path": "/"})])
    assert set(env.model.systems["shop"].services) == {"web", "api"}


RENDER = "  shop: {providers: {render: {token: '${T}', service.web: srv-1, service.database-purge: crn-1}}}\n"


@pytest.mark.parametrize("params, name, meant", [
    ({"platform": "render", "cron_jobs": {"databse-purge": {"max_age_hours": 26}}}, "databse-purge", "database-purge"),
    ({"platform": "render", "services": ["wbe"], "deploy_status": "live"}, "wbe", "web"),
])
def test_a_misspelt_platform_id_is_refused(tmp_path, monkeypatch, params, name, meant):
    """`cron_jobs: {databse-purge: …}` against `service.database-purge`: the item would skip as "not configured"
    in every environment, and the run stay green."""
    item = _check("J1", "provider", params)
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, RENDER, variables={"T": "rnd_Zk3mQ9wxLp2Tq7Vb"}, checks=[item])
    assert raised.value.message == (f"shop: J1-j1: render service '{name}' (providers.render.service.{name}) is "
                                    f"defined for shop by no environment in {tmp_path}, so the item would always "
                                    f"skip; did you mean {meant}?")
    assert raised.value.exit_code == 20
    # another environment beside it has the id (a prod-only job): this one rightly skips the item
    (tmp_path / "prod.yaml").write_text(f"name: prod\nsystems:\n  shop: {{providers: {{render: "
                                        f"{{service.{name}: srv-9}}}}}}\n")
    _load(tmp_path, monkeypatch, RENDER, checks=[item])


def test_a_misspelt_platform_id_in_the_environment_is_refused(tmp_path, monkeypatch):
    item = _check("J1", "provider", {"platform": "render", "cron_jobs": {"database-purge": {"max_age_hours": 26}}})
    with pytest.raises(ConfigError, match=r"render service 'database-purge' .* did you mean databse-purge\?"):
        _load(tmp_path, monkeypatch, RENDER.replace("service.database-purge", "service.databse-purge"),
              variables={"T": "rnd_Zk3mQ9wxLp2Tq7Vb"}, checks=[item])


@pytest.mark.parametrize("providers", ["{render: {token: '${T}', service.web: srv-1}}", "{}"])
def test_a_platform_id_with_no_near_name_is_skipped_at_run(tmp_path, monkeypatch, providers):
    """A job this environment does not have, or a platform it does not configure: the item skips, saying so."""
    item = _check("J1", "provider", {"platform": "render", "cron_jobs": {"database-purge": {"max_age_hours": 26}}})
    _load(tmp_path, monkeypatch, f"  shop: {{providers: {providers}}}\n", variables={"T": "rnd_Zk3mQ9wxLp2Tq7Vb"},
          checks=[item])


def test_an_env_group_no_environment_sets_is_warned_of(tmp_path, monkeypatch):
    """Render secret_age needs providers.render.env_group: where no environment file sets it, that part is checked in
    none of them (the item's deploy_status still is), which a green run must not hide."""
    item = _check("R1", "provider", {"platform": "render", "services": ["web"], "deploy_status": "live",
                                     "secret_age": {"names": ["API_JWT_SECRET"], "max_days": 92}})
    env = _load(tmp_path, monkeypatch, RENDER, variables={"T": "rnd_Zk3mQ9wxLp2Tq7Vb"}, checks=[item])
    said = (f"shop: R1-r1: render's env_group (providers.render.env_group) is set for shop by no environment in "
            f"{tmp_path}: its secret_age is checked in none until one sets it")
    assert said in env.warnings, env.warnings
    # another environment beside it sets it (a prod-only group): this one rightly leaves that part unchecked
    (tmp_path / "prod.yaml").write_text("name: prod\nsystems:\n  shop: {providers: {render: {env_group: evg-1}}}\n")
    env = _load(tmp_path, monkeypatch, RENDER, checks=[item])
    assert not [w for w in env.warnings if "env_group" in w], env.warnings
    # nor is it warned of where this environment sets it, nor for an item that does not need it
    set_here = RENDER.replace("service.web: srv-1", "service.web: srv-1, env_group: evg-1")
    (tmp_path / "prod.yaml").unlink()
    env = _load(tmp_path, monkeypatch, set_here, checks=[item])
    assert not [w for w in env.warnings if "env_group" in w], env.warnings
    deploy_only = _check("R2", "provider", {"platform": "render", "services": ["web"], "deploy_status": "live"})
    env = _load(tmp_path, monkeypatch, RENDER, checks=[deploy_only])
    assert not [w for w in env.warnings if "env_group" in w], env.warnings


def test_a_provider_is_a_platform_or_named_by_an_item(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"systems\.shop\.providers\.githib: not a platform; did you mean github\?"):
        _load(tmp_path, monkeypatch, "  shop: {providers: {githib: {repo: a/b}}}\n")  # even without the checks
    with pytest.raises(ConfigError, match=r"providers\.minio: not a platform"):
        _load(tmp_path, monkeypatch, "  shop: {providers: {minio: {bucket: b}}}\n", checks=[ENV_ITEM])
    s3_item = _check("B1", "s3", {"provider": "minio"})
    _load(tmp_path, monkeypatch, "  shop: {providers: {minio: {bucket: b}}}\n", checks=[s3_item])


GITHUB_ITEM = _check("P1", "provider", {"platform": "github", "required": ["CRON_SECRET"]})
VERCEL_ITEM = _check("P2", "provider", {"platform": "vercel", "required": ["CRON_SECRET"]})


@pytest.mark.parametrize("settings, key, meant, read", [
    # the item would skip as "providers.github.repo not configured", the run green
    ("github: {token: '${T}', repository: o/r}", "github.repository", "repo", "base_url, ref, repo, token"),
    ("vercel: {tokn: '${T}', project: prj_x}", "vercel.tokn", "token", "base_url, project, team, token"),
    # the token would go to the public api.github.com, not the host meant
    ("github: {baseurl: 'https://gh.internal', token: '${T}', repo: o/r}", "github.baseurl", "base_url",
     "base_url, ref, repo, token"),
    ("render: {token: '${T}', services.web: srv-1}", "render.services.web", "service.<name>",
     "base_url, env_group, service.<name>, token"),
])
@pytest.mark.parametrize("checks", [None, [GITHUB_ITEM, VERCEL_ITEM]], ids=["without-checks", "with-checks"])
def test_a_misspelt_provider_setting_is_refused(tmp_path, monkeypatch, settings, key, meant, read, checks):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, f"  shop: {{providers: {{{settings}}}}}\n", variables={"T": "tok_Zk3mQ9wxLp2Tq7Vb"},
              checks=checks)
    assert raised.value.message == (f"{shown(tmp_path / 'local.yaml')}: systems.shop.providers.{key}: not a setting "
                                    f"of {key.split('.')[0]}; did you mean {meant}? (the settings read there: {read})")
    assert raised.value.exit_code == 20


def test_every_setting_some_family_reads_is_accepted(tmp_path, monkeypatch):
    """`ref` is the repo family's (GitHub's contents API), read with the provider family's repo and token."""
    _load(tmp_path, monkeypatch, "  shop:\n    providers:\n"
          "      github: {base_url: 'https://gh.internal', token: '${T}', repo: o/r, ref: main}\n"
          "      vercel: {token: '${T}', project: prj_x, team: team_x}\n"
          "      render: {token: '${T}', service.web: srv-1, env_group: evg-1}\n"
          "      supabase: {token: '${T}', project: refxyz}\n"
          "      s3: {bucket: b, region: eu-west-1, access_key_id: AKIA1, secret_access_key: '${T}'}\n",
          variables={"T": "tok_Zk3mQ9wxLp2Tq7Vb"})


def test_a_teams_own_provider_name_takes_the_settings_its_family_reads(tmp_path, monkeypatch):
    """s3's `provider: minio` names a team's own: its settings are s3's, and a typo there is one all the same;
    without the checks, what reads such a name is not known, so its settings are left as written."""
    minio = "  shop: {providers: {minio: {bucket: b, acess_key_id: AKIA1}}}\n"
    with pytest.raises(ConfigError, match=r"providers\.minio\.acess_key_id: not a setting of minio; did you mean "
                                          r"access_key_id\? \(the settings read there: access_key_id, bucket, region, "
                                          r"secret_access_key\)"):
        _load(tmp_path, monkeypatch, minio, checks=[_check("B1", "s3", {"provider": "minio"})])
    _load(tmp_path, monkeypatch, minio)


def test_the_provider_readers_are_the_families_declaring_settings():
    """families.PROVIDER_READERS is how the loader finds PROVIDER_SETTINGS without importing every family."""
    declaring = {name for name in families.BUILT if hasattr(families.get(name), "PROVIDER_SETTINGS")}
    assert declaring == set(families.PROVIDER_READERS)


def test_platforms_are_the_provider_familys_and_s3():
    assert set(PLATFORMS) == {*provider.BASE_URLS, "s3"}


# -- a malformed ${…} is refused at load, not sent as text --------------------------------------
@pytest.mark.parametrize("value, said", [
    ("${NOPE:-${WEB_PATH}}", "a default cannot hold another ${…}"),
    ("${WEB-PATH}", "'${WEB-PATH}' is not a variable"),
    ("${WEB_PATH", "'${WEB_PATH' is never closed"),
    ("http://x/$WEB_PATH", "a $ that starts no ${NAME}"),
])
def test_a_malformed_reference_is_refused(tmp_path, monkeypatch, value, said):
    with pytest.raises(ConfigError, match=re.escape(f"systems.shop.services.web.url: {said}")) as raised:
        _load(tmp_path, monkeypatch, f"  shop: {{services: {{web: {{url: \"{value}\"}}}}}}\n",
              variables={"NOPE": "set", "WEB_PATH": "/p"})
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message


def test_a_doubled_dollar_is_a_literal_dollar(tmp_path, monkeypatch):
    env = _load(tmp_path, monkeypatch, "  shop: {services: {web: {url: \"http://x/$${WEB_PATH}/a$$b\"}}}\n")
    assert env.model.systems["shop"].services["web"].url == "http://x/${WEB_PATH}/a$b"


# -- a CA bundle is read at load ----------------------------------------------------------------
def test_a_ca_bundle_is_checked_at_load(tmp_path, monkeypatch):
    def service(bundle: str, extra: str = "") -> str:
        return f"  shop: {{services: {{web: {{url: 'https://x', ca_bundle: '{bundle}'{extra}}}}}}}\n"

    (tmp_path / "not.pem").write_text("hello\n")
    for bundle, said in [("/nonexistent/ca.pem", "not found"), (str(tmp_path), "is a folder"),
                         (str(tmp_path / "not.pem"), "holds no PEM certificate")]:
        with pytest.raises(ConfigError, match=re.escape(f"systems.shop.services.web.ca_bundle: {bundle} {said}")):
            _load(tmp_path, monkeypatch, service(bundle))
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    _load(tmp_path, monkeypatch, service(str(tmp_path / "ca.pem")))
    with pytest.raises(ConfigError, match="ca_bundle is not used with verify_tls: false"):
        _load(tmp_path, monkeypatch, service(str(tmp_path / "ca.pem"), ", verify_tls: false"))


# -- an address a client would misread is refused at load, unquoted -----------------------------------
@pytest.mark.parametrize("field, text", [
    ("services.web.url", "  shop: {services: {web: {url: \"${U}\"}}}\n"),
    ("endpoints.redis", "  shop: {endpoints: {redis: \"${U}\"}}\n"),
])
@pytest.mark.parametrize("address", [
    "redis://:LongSecretPart9#tailQx@127.0.0.1:6390/0",  # the client's "port 'LongSecretPart9'" would print it
    "http://checker:LongSecretPart9?tailQx@127.0.0.1:18802/",
    "http://checker:LongSecretPart9/tailQx@127.0.0.1:18802/",
])
def test_an_address_whose_password_ends_it_early_is_refused_unquoted(tmp_path, monkeypatch, field, text, address):
    with pytest.raises(ConfigError, match=re.escape(f"systems.shop.{field}: not an address a client can read")) as raised:
        _load(tmp_path, monkeypatch, text, variables={"U": address})
    assert "LongSecret" not in raised.value.message and "tailQx" not in raised.value.message
    assert raised.value.exit_code == 20


@pytest.mark.parametrize("field, text", [
    ("services.web.url", "  shop: {services: {web: {url: \"${U}\"}}}\n"),
    ("endpoints.chain", "  shop: {endpoints: {chain: \"${U}\"}}\n"),
])
@pytest.mark.parametrize("address", ["https://a..example:18400/", f"https://{'x' * 64}.example/",
                                     "redis://:LongSecretPart9@.example:6390/0"])
def test_a_host_that_is_no_dns_name_is_refused_at_load(tmp_path, monkeypatch, field, text, address):
    """The resolver and ssl encode the host as IDNA, which refuses an empty label or one over 63 characters: the
    item would fail at run time though the target was never asked."""
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, text, variables={"U": address})
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message
    assert raised.value.message == (f"{tmp_path / 'local.yaml'}: systems.shop.{field}: the host is no DNS name "
                                    "(label empty or too long); write the host as its name is registered: no empty "
                                    "part between dots (two dots in a row, a leading dot), none over 63 characters")


@pytest.mark.parametrize("address", ["redis://:pw%23tail@127.0.0.1:6390/0", "unix:///run/redis.sock",
                                     "https://api.example.com/users/@me", "http://[::1]:8080/",
                                     f"https://{'x' * 63}.example./", "https://bücher.example/", "redis:2525",
                                     "unix:6379"])
def test_addresses_a_client_reads_are_kept(tmp_path, monkeypatch, address):
    env = _load(tmp_path, monkeypatch, "  shop: {endpoints: {redis: \"${U}\"}}\n", variables={"U": address})
    assert env.model.systems["shop"].endpoints["redis"] == address


@pytest.mark.parametrize("address, named", [
    ("redis://:LongSecretPart9@127.0.0.1:6390/0?db=3", "db"),
    ("rediss://:LongSecretPart9@127.0.0.1:6390/0?ssl_cert_reqs=none", "ssl_cert_reqs"),
    ("redis://127.0.0.1:6390/0?protocol=3&client_name=x", "protocol, client_name"),
    ("redis://127.0.0.1:6390/0/3", "not a database number"),
])
def test_a_redis_url_saying_more_than_its_evidence_is_refused_at_load(tmp_path, monkeypatch, address, named):
    """redis-py would apply a query option over the checker's settings, unseen in the evidence: refused when the
    environment loads (exit 20), as the redis families refuse it before connecting; never quoting a value."""
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, "  shop: {endpoints: {redis: \"${U}\"}}\n", variables={"U": address})
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message
    assert "systems.shop.endpoints.redis: the URL's" in raised.value.message and named in raised.value.message
    assert "LongSecret" not in raised.value.message and "none" not in raised.value.message.split("sets")[-1][:40]


# -- <env>.secrets.env: every line read, or one line saying which is not ----------------------------
@pytest.mark.parametrize("lines, said", [
    ("A=first-value-1\n# note\n\nA=second-value-2\n", "local.secrets.env: A is given twice (lines 1 and 4); keep one"),
    ("B=ok-value-123\nA\n", "local.secrets.env: line 2: no '=' on it; write KEY=value"),
    ("\nA B=hidden-value-9\n", "local.secrets.env: line 2: not a KEY=value line"),
    ("B=ok-value-123\n\"A=hidden-value-9\n", "local.secrets.env: line 2: does not start with a variable name"),
    # a value that ran onto the next line: that line is the secret's rest, never quoted
    ("B=abcdefgh\nQz7Kp2Lm9Xw4Rt8VcanaryTAIL\n", "local.secrets.env: line 2: no '=' on it"),
    ("B=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj+x/y\n",
     "local.secrets.env: line 2: does not start with a variable name"),
])
def test_a_secrets_file_line_that_cannot_be_read_is_named(tmp_path, monkeypatch, lines, said):
    monkeypatch.delenv("A", raising=False)
    with pytest.raises(ConfigError, match=re.escape(said)) as raised:
        _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n", secrets_env=lines)
    for piece in ("value-", "canary", "MIIE", "Qz7K", "abcdefgh"):
        assert piece not in raised.value.message


def test_a_secrets_file_value_python_dotenv_would_expand_to_nothing_is_refused(tmp_path, monkeypatch):
    """`Zq8${kLm2}Xy9pQ7` would read as `Zq8Xy9pQ7` (python-dotenv expands `${…}`, quoted or not): a password
    silently changed, then refused as wrong credentials. Refused at load, naming the key and the reference, never the
    value; set in the process environment it is taken as written, and a reference to a variable that is set is the
    expansion meant."""
    for name in ("A", "kLm2", "DB_USER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=re.escape("local.secrets.env: A: a `${…}` in its value (4 characters between"
                                                    " the braces, naming no variable set here)")) as raised:
        _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n", secrets_env="A=Zq8${kLm2}Xy9pQ7\n")
    # (what is between the braces, named by no variable, may be part of a generated password: never shown)
    assert not any(part in raised.value.message for part in ("Zq8", "Xy9pQ7", "kLm2"))
    env = _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n", secrets_env="A=Zq8${kLm2}Xy9pQ7\n",
                variables={"A": "postgresql://u:Zq8${kLm2}Xy9pQ7@db/x"})
    assert env.model.systems["shop"].database == "postgresql://u:Zq8${kLm2}Xy9pQ7@db/x"
    monkeypatch.delenv("A")
    env = _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n",
                secrets_env="DB_USER=checker\nA=postgresql://${DB_USER}:pw-123456@db/x\n")
    assert env.model.systems["shop"].database == "postgresql://checker:pw-123456@db/x"


# python-dotenv expands line by line (dotenv.main.resolve_variables): a `${NAME}` reads NAME's value from the lines
# above, else from the process environment, else its default, else nothing — a later line is never seen
@pytest.mark.parametrize("lines, process, said", [
    ("A=postgresql://u:${PW}@db/x\nPW=Zq8vLm2xKp4w\n", {}, "A: ${PW} is defined only below it (line 2)"),
    ("A=postgresql://u:Zq8${A}Xy9@db/x\n", {}, "A: ${A} names A itself"),
    ("PW=\nA=postgresql://u:${PW}@db/x\n", {}, "A: ${PW} is empty (line 1)"),
    ("A=postgresql://u:${PW}@db/x\n", {"PW": ""}, "A: ${PW} is empty in the process environment"),
    ("PW=\nA=postgresql://u:${PW:-Zq8vLm2xKp4w}@db/x\n", {},
     "A: ${PW} is empty (line 1), and python-dotenv takes a default only where the name is unset"),
    # BASE's own line loses a part; the process's BASE is not what A reads: python-dotenv takes the line above first
    ("BASE=Zq8${NOPE}Xy9\nA=postgresql://u:${BASE}@db/x\n", {"BASE": "Zq8vLm2xKp4w"},
     "A: ${BASE} reads line 1, whose own ${NOPE} expands to nothing"),
])
def test_a_secrets_file_reference_python_dotenv_reads_as_nothing_is_refused(tmp_path, monkeypatch, lines, process,
                                                                            said):
    for name in ("A", "PW", "BASE", "NOPE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=re.escape(f"local.secrets.env: {said}")) as raised:
        _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n", secrets_env=lines, variables=process)
    for piece in ("Zq8", "Xy9", "Lm2x", "postgresql"):
        assert piece not in raised.value.message
    assert "\n" not in raised.value.message


@pytest.mark.parametrize("lines, process, database", [
    ("PW=Zq8vLm2xKp4w\nA=postgresql://u:${PW}@db/x\n", {}, "postgresql://u:Zq8vLm2xKp4w@db/x"),
    ("A=postgresql://u:${PW}@db/x\n", {"PW": "Zq8vLm2xKp4w"}, "postgresql://u:Zq8vLm2xKp4w@db/x"),
    ("A=postgresql://u:${PW:-Zq8vLm2xKp4w}@db/x\n", {}, "postgresql://u:Zq8vLm2xKp4w@db/x"),
    ("A=postgresql://u:Zq8vLm2xKp4w@db/x${OPT:-}\n", {}, "postgresql://u:Zq8vLm2xKp4w@db/x"),  # said optional
    # the process's A wins and is taken as written: its line in the file is not read
    ("A=postgresql://u:${PW}@db/x\nPW=Zq8vLm2xKp4w\n", {"A": "postgresql://u:Zq8vLm2xKp4w@db/y"},
     "postgresql://u:Zq8vLm2xKp4w@db/y"),
])
def test_a_secrets_file_reference_python_dotenv_fills_in_is_taken(tmp_path, monkeypatch, lines, process, database):
    for name in ("A", "PW", "OPT"):
        monkeypatch.delenv(name, raising=False)
    env = _load(tmp_path, monkeypatch, "  shop: {database: \"${A}\"}\n", secrets_env=lines, variables=process)
    assert env.model.systems["shop"].database == database


# -- messages that say what to write ------------------------------------------------------------
@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_a_timeout_that_is_no_number_is_said_so(tmp_path, monkeypatch, value):
    (tmp_path / "local.yaml").write_text(f"name: local\ntimeouts: {{connect_s: {value}}}\nsystems: {{}}\n")
    with pytest.raises(ConfigError, match=r"timeouts\.connect_s: must be a finite number of seconds$"):
        load_environment(tmp_path, "local")


def test_an_environments_dir_that_is_a_file_is_said_so(tmp_path):
    (tmp_path / "envs").write_text("")
    with pytest.raises(ConfigError, match=r"--environments-dir .*envs is a file, not a folder"):
        environment_path(tmp_path / "envs", "local")


def test_an_empty_variable_stops_the_run_in_one_line(tmp_path):
    """As GitHub Actions gives a missing secret: the run stops with 22, writes nothing, shows no traceback."""
    (tmp_path / "checklists").mkdir()
    (tmp_path / "environments").mkdir()
    (tmp_path / "checklists" / "shop.yaml").write_text(
        "system: shop\nrunbook: r\nitems:\n  - {id: E1, name: origin, section: S, title: t, family: env, "
        "cadence: postdeploy, params: {service: web, required: [APP_ORIGIN]}}\n")
    (tmp_path / "environments" / "local.yaml").write_text(
        "name: local\nsystems:\n  shop: {database: \"${DBURL}\", services: {web: {env: {dotenv: web.env}}}}\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    ran = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env",
                          "local"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env={**environ, "DBURL": ""})
    assert ran.returncode == 22, ran.stdout + ran.stderr
    said = [line for line in ran.stderr.splitlines() if line.strip()]
    assert said == ["opsverify: environments/local.yaml: 1 variable not set: systems.shop.database needs ${DBURL} "
                    "(set but empty); export it or add it to environments/local.secrets.env (untracked); write "
                    "${NAME:-} where a value may be empty"], ran.stderr
    assert not (tmp_path / "reports").exists()


def test_every_unset_variable_is_named_once_with_every_field_needing_it(monkeypatch):
    """Counted per place of use, the first three once pushed a third variable off the list unsaid."""
    _shipped("prod", monkeypatch)
    for variable in ("SUPABASE_ACCESS_TOKEN", "CHEERSAI_PROD_RESEND_API_KEY", "COMMIT_TO_SHIP_PROD_ADMIN_API_TOKEN"):
        monkeypatch.delenv(variable)
    with pytest.raises(MissingVariable) as raised:
        load_environment(ROOT / "environments", "prod", checks=EVERY_CHECK)
    path = ROOT / "environments" / "prod.yaml"
    assert raised.value.exit_code == 22
    assert raised.value.message.splitlines() == [
        f"{shown(path)}: 3 variables not set, each below with the fields that need it; export them or add them to "
        f"{shown(path.with_name('prod.secrets.env'))} (untracked):",
        "  ${CHEERSAI_PROD_RESEND_API_KEY}: systems.cheersai.secrets.RESEND_API_KEY",
        "  ${SUPABASE_ACCESS_TOKEN}: systems.cheersai.providers.supabase.token, "
        "systems.bakery-ops.providers.supabase.token",
        "  ${COMMIT_TO_SHIP_PROD_ADMIN_API_TOKEN}: systems.commit-to-ship.secrets.ADMIN_API_TOKEN",
    ]


def test_one_unset_variable_used_twice_is_one_line_naming_both_fields(monkeypatch):
    _shipped("prod", monkeypatch)
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN")
    with pytest.raises(MissingVariable) as raised:
        load_environment(ROOT / "environments", "prod", checks=EVERY_CHECK)
    path = ROOT / "environments" / "prod.yaml"
    assert raised.value.message == (
        f"{shown(path)}: 1 variable not set: systems.cheersai.providers.supabase.token, "
        "systems.bakery-ops.providers.supabase.token need ${SUPABASE_ACCESS_TOKEN}; export it or add it to "
        f"{shown(path.with_name('prod.secrets.env'))} (untracked)")


# -- a credential under providers is a ${VAR}, never written into the file ------------------------------
@pytest.mark.parametrize("providers, field, what", [
    ('{github: {token: "ghp_LiteralTokenInTheFile0123456789", repo: a/b}}', "providers.github.token", "a token"),
    ('{vercel: {token: "${VERCEL_TOKEN:-vcp_LiteralDefault0123}", project: prj_1}}', "providers.vercel.token",
     "a token"),  # a default is written in the file too
    ('{s3: {bucket: b, access_key_id: AKIA0000000000000000, secret_access_key: "LiteralSecretKey/0123456789"}}',
     "providers.s3.secret_access_key", "a secret"),
    ('{render: {token: "Bearer ${RENDER_TOKEN}", service.web: srv-1}}', "providers.render.token", "a token"),
])
def test_a_credential_written_into_the_file_is_refused_at_load(tmp_path, monkeypatch, providers, field, what):
    monkeypatch.delenv("VERCEL_TOKEN", raising=False)
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, f"  shop: {{providers: {providers}}}\n", variables={"RENDER_TOKEN": "rnd_0123456"})
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message
    assert raised.value.message.endswith(f"local.yaml: systems.shop.{field} must be a ${{VAR}} reference: {what} "
                                         "written in the file would be committed")
    assert "Literal" not in raised.value.message


def test_credentials_as_references_load(tmp_path, monkeypatch):
    env = _load(tmp_path, monkeypatch, "  shop: {providers: {github: {token: \"${GH}\", repo: a/b}, "
                "s3: {bucket: b, access_key_id: AKIA0000000000000000, secret_access_key: \"${S3_KEY}\"}, "
                "vercel: {token: \"${VERCEL:-}\", project: prj_1}}}\n",
                variables={"GH": "ghp_fromTheEnvironment0123", "S3_KEY": "fromTheEnvironment/0123", "VERCEL": ""})
    assert env.model.systems["shop"].providers["github"]["token"] == "ghp_fromTheEnvironment0123"



# ==== provider, URL and key checks at load (fix-helper block) ==============================================
HTTP_ITEM = _check("H9", "http", {"service": "web", "path": "/"})
RPC_ITEM = _check("P1", "rpc", {"method": "getHealth", "endpoint": "chain"})
TCP_ITEM = _check("T1", "tcp", {"endpoint": "clamav", "protocol": "clamd"})
REDIS_QUEUE_ITEM = _check("B7", "redis", {"endpoint": "cache", "keys": {"queue": {"max": 10}}})
REDIS_PING_ITEM = _check("B6", "tcp", {"endpoint": "cache", "protocol": "redis"})


# -- a URL a client cannot send to is refused at load, not "did not answer" at run -----------------------
@pytest.mark.parametrize("systems, checks, said", [
    ('  shop: {services: {web: {url: "127.0.0.1:18431"}}}\n', [HTTP_ITEM],
     "systems.shop.services.web.url: not an http(s) URL with a host: write http://host:port or https://host"),
    ('  shop: {services: {web: {url: "ftp://127.0.0.1/"}}}\n', [HTTP_ITEM],
     "systems.shop.services.web.url: not an http(s) URL with a host"),
    ('  shop: {services: {web: {url: "https://"}}}\n', [HTTP_ITEM], "systems.shop.services.web.url: not an http(s)"),
    ('  shop: {endpoints: {chain: "127.0.0.1:8899"}}\n', [RPC_ITEM],
     "systems.shop.endpoints.chain: not an http(s) URL with a host (P1-p1 sends it HTTP requests)"),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "127.0.0.1:18432/g-ok"}}}\n', None,
     "systems.shop.providers.github.base_url: not an https URL with a host"),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "http://gh.example.com/api"}}}\n', None,
     "systems.shop.providers.github.base_url: not an https URL with a host: it carries the token, so http is "
     "only for a loopback host (127.0.0.1, ::1, localhost)"),
    # a Redis client takes only a redis://, rediss:// or unix:// URL (each item would err "not usable" at run time)
    ('  shop: {endpoints: {cache: "127.0.0.1:6379"}}\n', [REDIS_QUEUE_ITEM],
     "systems.shop.endpoints.cache: not a redis://, rediss:// or unix:// URL (B7-b7 speaks Redis to it): write "
     "redis://host:6379"),
    ('  shop: {endpoints: {cache: "http://127.0.0.1:6379"}}\n', [REDIS_PING_ITEM],
     "systems.shop.endpoints.cache: not a redis://, rediss:// or unix:// URL (B6-b6 speaks Redis to it)"),
    ('  shop: {endpoints: {cache: "redis:///0"}}\n', [REDIS_QUEUE_ITEM],
     "systems.shop.endpoints.cache: a Redis URL with no host (B7-b7 speaks Redis to it; the client would ask"),
    ('  shop: {endpoints: {cache: "unix://"}}\n', [REDIS_PING_ITEM],
     "systems.shop.endpoints.cache: a unix:// URL with no socket path (B6-b6)"),
], ids=["service-host-port", "service-ftp", "service-no-host", "rpc-endpoint", "base-url-no-scheme",
        "base-url-plain-http", "redis-host-port", "redis-ping-http", "redis-no-host", "unix-no-path"])
def test_a_url_without_an_http_scheme_is_refused_at_load(tmp_path, monkeypatch, systems, checks, said):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, systems, variables={"T": "ghp_0123456789abcdef"}, checks=checks)
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message
    assert raised.value.message.startswith(f"{tmp_path / 'local.yaml'}: {said}"), raised.value.message


@pytest.mark.parametrize("systems, checks", [
    ('  shop: {services: {web: {url: "http://127.0.0.1:18431"}}}\n', [HTTP_ITEM]),
    ('  shop: {endpoints: {clamav: "127.0.0.1:3310"}}\n', [TCP_ITEM]),  # host:port, as tcp endpoints are written
    ('  shop: {endpoints: {cache: "rediss://127.0.0.1:6380/2"}}\n', [REDIS_QUEUE_ITEM, REDIS_PING_ITEM]),
    ('  shop: {endpoints: {cache: "unix:///run/redis.sock"}}\n', [REDIS_QUEUE_ITEM]),
    ('  shop: {endpoints: {chain: "https://rpc.example.com/key"}}\n', [RPC_ITEM]),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "https://gh.example.com/api"}}}\n', None),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "http://127.0.0.1:18432/g-ok"}}}\n', None),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "http://localhost:18432"}}}\n', None),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "http://[::1]:18432"}}}\n', None),
    ('  shop: {providers: {github: {token: "${T}", repo: a/b, base_url: "${NO_URL:-}"}}}\n', None),  # the real API
])
def test_urls_a_client_sends_to_load(tmp_path, monkeypatch, systems, checks):
    _load(tmp_path, monkeypatch, systems, variables={"T": "ghp_0123456789abcdef", "NO_URL": ""}, checks=checks)


# -- a URL's password of 1-3 characters is refused as a short secret is, never said ---------------------
@pytest.mark.parametrize("systems, variables, said", [
    ('  shop: {endpoints: {redis: "${REDIS_URL}"}}\n', {"REDIS_URL": "redis://:abc@127.0.0.1:6379/0"},
     "systems.shop.endpoints.redis: the URL from ${REDIS_URL} has a password of 3 characters"),
    ('  shop: {database: "postgresql://checker:${PW}@127.0.0.1:5432/shop"}\n', {"PW": "x"},
     "systems.shop.database: the URL from ${PW} has a password of 1 character"),
    ('  shop: {database: "postgresql://checker:qz@127.0.0.1:5432/shop"}\n', {},
     "systems.shop.database: the URL has a password of 2 characters"),
    # libpq reads a password in the query, and in its key=value form, as it reads the userinfo's
    ('  shop: {database: "${DBURL}"}\n', {"DBURL": "postgresql://checker@127.0.0.1:5432/shop?password=abc"},
     "systems.shop.database: the URL from ${DBURL} has a password of 3 characters"),
    ('  shop: {database: "${DBURL}"}\n', {"DBURL": "host=127.0.0.1 dbname=shop user=checker password=abc"},
     "systems.shop.database: the URL from ${DBURL} has a password of 3 characters"),
])
def test_a_url_password_of_a_few_characters_is_refused(tmp_path, monkeypatch, systems, variables, said):
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, systems, variables=variables)
    message = raised.value.message
    assert raised.value.exit_code == 22 and "\n" not in message
    assert f"local.yaml: {said}: a password this short is found inside ordinary words" in message, message
    assert ":abc@" not in message and ":qz@" not in message and ":x@" not in message


def test_a_url_password_of_four_characters_loads_with_the_warning(tmp_path, monkeypatch):
    env = _load(tmp_path, monkeypatch, '  shop: {endpoints: {redis: "${REDIS_URL}"}}\n',
                variables={"REDIS_URL": "redis://:abcd@127.0.0.1:6379/0"})
    assert any("a URL's password is 4 characters" in warning for warning in env.warnings)


# -- a key of 1-5 characters set into a URL's query is refused: never masked, nor known to leave it off -------------
@pytest.mark.parametrize("systems, variables, said", [
    ('  shop: {services: {web: {url: "https://127.0.0.1/?pin=${ADMIN_PIN}"}}}\n', {"ADMIN_PIN": "4821"},
     "systems.shop.services.web.url: the URL's query parameter pin, set from ${ADMIN_PIN}, is 4 characters"),
    ('  shop: {endpoints: {rpc: "https://127.0.0.1/rpc?region=eu&token=${API_TOKEN}"}}\n', {"API_TOKEN": "Zk3m9"},
     "systems.shop.endpoints.rpc: the URL's query parameter token, set from ${API_TOKEN}, is 5 characters"),
    # a key by the parameter's name (Azure's ?code=), or by its shape, whatever the variable is called
    ('  shop: {services: {web: {url: "https://127.0.0.1/api?code=${FN}"}}}\n', {"FN": "k3Q9a"},
     "systems.shop.services.web.url: the URL's query parameter code, set from ${FN}, is 5 characters"),
    ('  shop: {services: {web: {url: "https://127.0.0.1/?v=${X}"}}}\n', {"X": "a8F3"},
     "systems.shop.services.web.url: the URL's query parameter v, set from ${X}, is 4 characters"),
    ('  shop: {services: {web: {url: "https://127.0.0.1/?${X}"}}}\n', {"X": "a8F3"},
     "systems.shop.services.web.url: the URL's query parameter without a name, set from ${X}, is 4 characters"),
], ids=["pin-by-its-variable", "endpoint-token", "code-by-its-parameter", "key-by-its-shape", "no-name"])
def test_a_short_key_set_into_a_urls_query_is_refused(tmp_path, monkeypatch, systems, variables, said):
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, systems, variables=variables)
    message = raised.value.message
    assert raised.value.exit_code == 22 and "\n" not in message
    assert message.startswith(f"{tmp_path / 'local.yaml'}: {said}: a secret this short would be found inside "
                              "ordinary words, so it cannot be kept out of the output; use one of at least 6 "
                              "characters, or take it out of the URL"), message
    assert not any(value in message for value in variables.values()), message


@pytest.mark.parametrize("url, variables", [
    ("https://127.0.0.1/?region=${REGION}&v=${V}&lang=${LANG_CODE}", {"REGION": "eu", "V": "2", "LANG_CODE": "de-CH"}),
    ("https://127.0.0.1/${ADMIN_PIN}/x?page=1", {"ADMIN_PIN": "4821"}),  # in the path: the query's rule only
    ("https://127.0.0.1/?pin=${ADMIN_PIN}", {"ADMIN_PIN": "482193"}),  # long enough to be masked and left off
], ids=["plain-settings", "in-the-path", "long-enough"])
def test_a_short_plain_value_or_a_long_key_in_a_urls_query_loads(tmp_path, monkeypatch, url, variables):
    env = _load(tmp_path, monkeypatch, f'  shop: {{services: {{web: {{url: "{url}"}}}}}}\n', variables=variables)
    assert env.model.systems["shop"].services["web"].url.startswith("https://127.0.0.1/")


def test_a_short_password_in_a_urls_query_keeps_the_password_rule(tmp_path, monkeypatch):
    """`?password=` of 4-7 characters is masked (`SHORTEST_PASSWORD`) and said with a warning, not refused."""
    env = _load(tmp_path, monkeypatch, '  shop: {endpoints: {rpc: "https://127.0.0.1/rpc?password=${RPC_PW}"}}\n',
                variables={"RPC_PW": "qz7w"})
    assert env.model.systems["shop"].endpoints["rpc"].endswith("password=qz7w")


def test_an_unknown_service_beside_one_the_items_use_and_the_file_lacks_says_the_item_may_be_the_typo(
        tmp_path, monkeypatch):
    """An item's `service: api` meant the environment's `metrics`: the refusal named only the environment's service,
    in the file that was right."""
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, '  shop: {services: {metrics: {url: "http://x"}}}\n', checks=[HTTP_ITEM])
    assert raised.value.message.endswith("systems.shop.services.metrics: unknown service (checks use: web); web is"
                                         " used by items but no service here: if an item means this one, fix the"
                                         " item's service:"), raised.value.message


# -- a user's key is shown, never obeyed ---------------------------------------------------------------
@pytest.mark.parametrize("systems, said", [
    ('  "\\e[31mshop\\u202e": {services: {web: {url: "http://x"}}}\n',
     "systems.\\x1b[31mshop\\u202e: unknown system (checklists define: shop)"),
    ('  shop: {services: {"a\\rpi": {url: "http://x"}}}\n',  # near no name an item uses: the environment's typo
     "systems.shop.services.a\\x0dpi: unknown service (checks use: web)"),
    ('  shop: {services: {web: {url: "http://x"}}, endpoints: {"r\\e]8;;x\\u0007": "redis://127.0.0.1:1"}}\n',
     "systems.shop.endpoints.r\\x1b]8;;x\\x07: no item of shop uses this endpoint"),
    ('  shop: {services: {web: {url: "http://x", "v\\u202erify": 1}}}\n',
     "systems.shop.services.web.v\\u202erify: unknown key; did you mean verify_tls?"),
    ('  shop: {services: {web: {url: "${\\e[2J}"}}}\n',
     "systems.shop.services.web.url: '${\\x1b[2J}' is not a variable"),
], ids=["system", "service", "endpoint", "pydantic-location", "reference"])
def test_a_key_is_shown_with_its_control_characters_escaped(tmp_path, monkeypatch, systems, said):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, systems, checks=[HTTP_ITEM])
    assert said in raised.value.message, raised.value.message
    assert not re.search("[\x1b\r\x07\u202e]", raised.value.message)


def test_a_misnamed_file_name_field_is_shown_escaped(tmp_path, monkeypatch):
    (tmp_path / "local.yaml").write_text('name: "loc\\e[8mal"\nsystems: {shop: {}}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("name: 'loc\\x1b[8mal' does not match the file name 'local'")):
        load_environment(tmp_path, "local")


# -- a YAML 1.1 word as a key is said as written, with the quoting that fixes it --------------------------
@pytest.mark.parametrize("text, said", [
    ("name: local\nsystems:\n  no: {services: {web: {url: 'http://x'}}}\n",
     "systems.no: YAML reads the key no as false, not as text: quote it: 'no'"),
    ("name: local\nsystems:\n  shop: {services: {on: {url: 'http://x'}}}\n",
     "systems.shop.services.on: YAML reads the key on as true, not as text: quote it: 'on'"),
    ("name: local\nyes: 1\nsystems: {}\n", "yes: YAML reads the key yes as true, not as text: quote it: 'yes'"),
    ("name: local\nsystems:\n  shop: {endpoints: {1: 'redis://127.0.0.1:1'}}\n",
     "systems.shop.endpoints.1: YAML reads the key 1 as a number, not as text: quote it: '1'"),
    ("name: local\nsystems:\n  shop: {secrets: {~: '${X}'}}\n",
     "systems.shop.secrets.~: YAML reads the key ~ as nothing (null), not as text: quote it: '~'"),
])
def test_a_yaml_word_as_a_key_is_said_as_written(tmp_path, text, said):
    (tmp_path / "local.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.message == f"{tmp_path / 'local.yaml'}: {said}"


# -- an empty file; a file whose name is no environment name ---------------------------------------------
@pytest.mark.parametrize("text", ["", "# nothing yet\n", "---\n"])
def test_an_empty_environment_file_is_said_so(tmp_path, text):
    (tmp_path / "local.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.message == (f"{tmp_path / 'local.yaml'}: the file is empty; an environment needs name and "
                                    "systems")


def test_a_file_named_as_no_environment_can_be_is_not_listed_as_one(tmp_path):
    (tmp_path / "my.env.yaml").write_text("name: my.env\nsystems: {}\n", encoding="utf-8")
    (tmp_path / "local.yaml").write_text("name: local\nsystems: {}\n", encoding="utf-8")
    with pytest.raises(UnknownEnvironment) as raised:
        environment_path(tmp_path, "my.env")
    assert "known: local)" in raised.value.message and "my.env," not in raised.value.message
    assert "rename" in raised.value.message and "my.env.yaml" in raised.value.message
    with pytest.raises(UnknownEnvironment) as raised:
        environment_path(tmp_path, "prd")
    assert raised.value.message.endswith("known: local")


# -- every variable problem is said at once, each with its fields, never its value -------------------------------------
def test_every_variable_problem_is_said_in_one_message(tmp_path, monkeypatch):
    """Unset, empty, a control character, bytes not UTF-8, a secret or a URL password too short: all are found
    before the run stops, so none waits for another run to be found."""
    monkeypatch.delenv("MISSING_ONE", raising=False)
    systems = ('  shop:\n    database: "postgresql://checker:${PW}@127.0.0.1:5432/shop"\n'
               '    secrets: {k1: "${CTL_ONE}", k2: "${CTL_TWO}", k3: "${MISSING_ONE}", k4: "${EMPTY_ONE}", '
               'k5: "${RAW_ONE}", k6: "${SHORT_ONE}", k7: "${CTL_ONE}"}\n')
    variables = {"CTL_ONE": "bell\x07-Kanary-One", "CTL_TWO": "tab\t-Kanary-Two", "EMPTY_ONE": "", "PW": "qz",
                 "RAW_ONE": os.fsdecode(b"raw-\xff-Kanary-Raw"), "SHORT_ONE": "Kan"}
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, systems, variables=variables)
    message = raised.value.message
    assert raised.value.exit_code == 22
    assert "Kanary" not in message and "Kan" not in message and ":qz@" not in message
    lines = message.splitlines()
    assert lines[0] == (f"{tmp_path / 'local.yaml'}: 7 variable problems, each below with the fields it concerns (a "
                        f"variable not set: export it or add it to {tmp_path / 'local.secrets.env'} (untracked); write "
                        "${NAME:-} where a value may be empty):"), message
    control = ("holds a control character inside the value (a line break, a tab, or another such as a bell); set it"
               " to the value alone (e.g. printf '%s' ... rather than echo)")
    assert lines[1:] == [
        "  systems.shop.secrets.k3: ${MISSING_ONE} is not set",
        "  systems.shop.secrets.k4: ${EMPTY_ONE} is set but empty",
        f"  systems.shop.secrets.k1, systems.shop.secrets.k7: ${{CTL_ONE}} {control}",
        f"  systems.shop.secrets.k2: ${{CTL_TWO}} {control}",
        "  systems.shop.secrets.k5: ${RAW_ONE} holds bytes that are not UTF-8 text; set it to the value as UTF-8",
        "  systems.shop.secrets.k6: ${SHORT_ONE} is 3 characters: a secret this short would be found inside ordinary "
        "words, so it cannot be kept out of the output; use one of at least 6",
        "  systems.shop.database: the URL from ${PW} has a password of 2 characters: a password this short is found "
        "inside ordinary words, so it cannot be kept out of the output; give it one of at least 8",
    ], message


# -- a non-ASCII host is judged as httpx encodes it (IDNA 2008), not as Python's codec does (IDNA 2003) ---------------
@pytest.mark.parametrize("address", ["http://\u05d0\u05d1\u05d21.example/",  # a digit ending a right-to-left label
                                     "https://stra\u00dfe.de/", "https://B\u00fccher.Example/"])
def test_a_host_httpx_reaches_is_kept(tmp_path, monkeypatch, address):
    env = _load(tmp_path, monkeypatch, "  shop: {endpoints: {rpc: \"${U}\"}}\n", variables={"U": address})
    assert env.model.systems["shop"].endpoints["rpc"] == address


@pytest.mark.parametrize("address, said", [
    # the character and where it is are not said: the label may be a variable's value (see below)
    ("https://\u2603.net/", "it holds a character IDNA does not allow in a host name"),
    ("https://\U0001F600.example/", "it holds a character IDNA does not allow in a host name"),
    ("https://b\u00fccher..example/", "Empty Label"),
])
def test_a_host_httpx_refuses_is_refused_at_load(tmp_path, monkeypatch, address, said):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, "  shop: {endpoints: {rpc: \"${U}\"}}\n", variables={"U": address})
    assert raised.value.exit_code == 20
    assert raised.value.message == (f"{tmp_path / 'local.yaml'}: systems.shop.endpoints.rpc: the host is no DNS name "
                                    f"({said}); write the host as its name is registered: no empty part between dots "
                                    "(two dots in a row, a leading dot), none over 63 characters")


@pytest.mark.parametrize("secret", [
    "Tk_9fQ2xW7zLmP4vB8nR",  # `_`: "Codepoint U+005F at position 3 of '…' not allowed"
    "Tk9fQ\u200d2xW7zLmP4vB8nR",  # a joiner: "Joiner U+200D not allowed at position 6 in '…'"
    "Tk9fQ\u00b72xW7zLmP4vB8nR",  # a middle dot: "Codepoint U+00B7 not allowed at position 6 in '…'"
    "Tk'9fQ\u00e92xW7zLmP4vB8nR",  # a quote beside a non-ASCII letter: quoted in "…"
])
def test_a_refused_host_never_quotes_its_label(tmp_path, monkeypatch, secret):
    """A label may be a variable's value (a tenant key in the host): the reason says what is wrong, not the label,
    nor which of its characters or where."""
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, "  shop: {endpoints: {rpc: \"https://${K}.b\u00fccher.example/\"}}\n",
              variables={"K": secret})
    message = raised.value.message
    assert "the host is no DNS name (it holds a character IDNA does not allow in a host name)" in message, message
    assert "U+" not in message and "position" not in message, message
    for piece in (secret[i:i + 4] for i in range(0, len(secret) - 3)):
        assert piece.lower() not in message.lower(), (piece, message)


# -- numbers as written: YAML 1.1's other forms refused, a boolean is no number ----------------------------------------
def _local(tmp_path: Path, text: str) -> str:
    (tmp_path / "local.yaml").write_text(f"name: local\n{text}systems: {{}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message, raised.value.message
    return raised.value.message


@pytest.mark.parametrize("text, said", [
    ("timeouts: {http_s: 010}\n", "local.yaml:2: timeouts.http_s: YAML reads 010 as 8 (a leading 0 makes a number"
                                  " octal): write 10"),
    ("timeouts:\n  connect_s: 0x10\n", "local.yaml:3: timeouts.connect_s: YAML reads 0x10 as 16 (0x makes a number"
                                       " hexadecimal): write 16"),
    ("timeouts: {database_s: 1:30}\n", "local.yaml:2: timeouts.database_s: YAML reads 1:30 as 90 (a colon makes a"
                                       " number base 60): write 90"),
    ("concurrency: 1_6\n", "local.yaml:2: concurrency: YAML reads 1_6 as 16 (it drops the _): write 16"),
])
def test_a_number_yaml_reads_otherwise_is_refused_naming_the_line(tmp_path, text, said):
    assert _local(tmp_path, text) == f"{tmp_path / said}"


@pytest.mark.parametrize("text, field", [
    ("timeouts: {http_s: yes}\n", "timeouts.http_s"), ("timeouts: {connect_s: true}\n", "timeouts.connect_s"),
    ("timeouts: {statement_ms: on}\n", "timeouts.statement_ms"), ("concurrency: yes\n", "concurrency"),
])
def test_a_boolean_where_a_number_belongs_is_refused(tmp_path, text, field):
    assert _local(tmp_path, text) == (f"{tmp_path / 'local.yaml'}: {field}: true is a boolean, not a number (YAML "
                                      "reads true/false, yes/no and on/off as booleans): write the number")


def test_numbers_as_written_load(tmp_path):
    (tmp_path / "local.yaml").write_text("name: local\ntimeouts: {http_s: 0.5, connect_s: 10, statement_ms: 1000,"
                                         " database_s: 1e1}\nconcurrency: 8\nsystems: {shop: {}}\n", encoding="utf-8")
    timeouts = load_environment(tmp_path, "local").model.timeouts
    assert (timeouts.http_s, timeouts.connect_s, timeouts.statement_ms, timeouts.database_s) == (0.5, 10, 1000, 10)


@pytest.mark.parametrize("written, statement_ms, concurrency", [
    ("timeouts: {statement_ms: 5e3}\n", 5000, 32), ("timeouts:\n  statement_ms: 1.5E+3\nconcurrency: 1e1\n", 1500, 10),
    ("timeouts: {<<: {statement_ms: 2e3}}\n", 2000, 32),
], ids=["exponent", "signed-exponent", "merged"])
def test_an_exponent_number_is_the_number_as_in_checklist_params(tmp_path, written, statement_ms, concurrency):
    """YAML 1.1 reads `5e3` as text (it wants `5.0e+3`); YAML 1.2, JSON and a checklist's params read the number. A
    whole number written so is taken where a whole number belongs, as 5000.0 is."""
    (tmp_path / "local.yaml").write_text(f"name: local\n{written}systems: {{shop: {{}}}}\n", encoding="utf-8")
    model = load_environment(tmp_path, "local").model
    assert (model.timeouts.statement_ms, model.concurrency) == (statement_ms, concurrency)
    assert type(model.timeouts.statement_ms) is int and type(model.concurrency) is int


def test_an_exponent_number_that_is_not_whole_is_refused_where_a_whole_one_belongs(tmp_path):
    assert _local(tmp_path, "timeouts: {statement_ms: 1.25e1}\n") == (
        f"{tmp_path / 'local.yaml'}: timeouts.statement_ms: must be a whole number of milliseconds, not 12.5")


# -- an environment file that is no regular file is said so, not "unknown" -------------------------------------------
@pytest.mark.parametrize("make, said", [
    (lambda path: path.mkdir(), "not a regular file (a device, a FIFO or a folder): point it at a file"),
    (lambda path: os.mkfifo(path), "not a regular file (a device, a FIFO or a folder): point it at a file"),
    (lambda path: path.symlink_to("/etc"), "not a regular file (a device, a FIFO or a folder): point it at a file"),
    (lambda path: path.symlink_to(path.parent / "gone.yaml"),
     "a symbolic link to nothing (or a loop of links): point it at a file"),
    (lambda path: path.symlink_to(path), "a symbolic link to nothing (or a loop of links): point it at a file"),
], ids=["folder", "fifo", "link-to-folder", "dangling-link", "link-loop"])
def test_an_environment_file_that_is_no_regular_file_is_bad_input(tmp_path, make, said):
    (tmp_path / "local.yaml").write_text("name: local\nsystems: {}\n", encoding="utf-8")
    make(tmp_path / "d.yaml")
    with pytest.raises(ConfigError) as raised:
        environment_path(tmp_path, "d")
    assert raised.value.message == f"{tmp_path / 'd.yaml'}: {said}"
    assert raised.value.exit_code == 20
    with pytest.raises(UnknownEnvironment) as raised:  # and it is no environment --env can name
        environment_path(tmp_path, "prd")
    assert raised.value.message.endswith("known: local"), raised.value.message


def test_a_name_with_a_line_break_is_spelled_out(tmp_path):
    with pytest.raises(UnknownEnvironment) as raised:
        environment_path(tmp_path, "staging\nx")
    assert raised.value.message.startswith("--env: 'staging\\x0ax' is not an environment name"), raised.value.message


# -- an unknown key names the key it was likely meant to be -------------------------------------------------------
@pytest.mark.parametrize("text, said", [
    ("allow_mutatng: true\nsystems: {}\n", "allow_mutatng: unknown key; did you mean allow_mutating?"),
    ("timeouts: {http: 5}\nsystems: {}\n", "timeouts.http: unknown key; did you mean http_s?"),
    ("systems: {shop: {servces: {}}}\n", "systems.shop.servces: unknown key; did you mean services?"),
    ("zzz: 1\nsystems: {}\n", "zzz: unknown key (an environment takes name, description, demo, allow_mutating,"
                              " timeouts, systems and concurrency)"),
])
def test_an_unknown_key_names_the_near_key(tmp_path, text, said):
    (tmp_path / "local.yaml").write_text(f"name: local\n{text}", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.message == f"{tmp_path / 'local.yaml'}: {said}"


# -- a secret written into the file is refused when too short, as a ${VAR}'s value is ---------------------------------
@pytest.mark.parametrize("written, length", [("k9Z2q", 5), ("'12345'", 5), ("\"a$$b\"", 3)])
def test_a_short_secret_written_in_the_file_is_refused_as_a_variables_is(tmp_path, monkeypatch, written, length):
    """The redactor passes over a value under 6 characters: one written literally under `secrets:` would be sent,
    and shown in the evidence and archive, as plainly as `${X:-12345}` would be were it not refused."""
    monkeypatch.delenv("NOT_SET_SHORT", raising=False)
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, f"  shop: {{secrets: {{ADMIN_KEY: {written}}}}}\n")
    assert raised.value.exit_code == 22
    assert raised.value.message == (
        f"{tmp_path / 'local.yaml'}: systems.shop.secrets.ADMIN_KEY: the value written in the file is {length} "
        "characters: a secret this short would be found inside ordinary words, so it cannot be kept out of the "
        "output; use one of at least 6")
    with pytest.raises(MissingVariable) as raised:  # the same shape as a default written in the file
        _load(tmp_path, monkeypatch, "  shop: {secrets: {ADMIN_KEY: \"${NOT_SET_SHORT:-12345}\"}}\n")
    assert raised.value.message.startswith(f"{tmp_path / 'local.yaml'}: systems.shop.secrets.ADMIN_KEY: "
                                           "${NOT_SET_SHORT} is unset, and its default written in the file is 5"
                                           " characters: a secret this short")  # the file's to fix
    monkeypatch.setenv("NOT_SET_SHORT", "")  # set but empty takes the default as well (the shell's :-)
    with pytest.raises(MissingVariable) as raised:
        _load(tmp_path, monkeypatch, "  shop: {secrets: {ADMIN_KEY: \"${NOT_SET_SHORT:-12345}\"}}\n")
    assert "${NOT_SET_SHORT} is empty, and its default written in the file is 5 characters" in raised.value.message


def test_a_secret_written_in_the_file_of_six_characters_or_none_loads(tmp_path, monkeypatch):
    env = _load(tmp_path, monkeypatch, "  shop: {secrets: {A: k9Z2q7, B: '', C: \"${LONG}\"}}\n",
                variables={"LONG": "long-enough-secret"})
    assert env.model.systems["shop"].secrets == {"A": "k9Z2q7", "B": "", "C": "long-enough-secret"}


# -- a name one item misspells is the item's typo, even where the environment's own name is used by no other item ----
@pytest.mark.parametrize("item, kind, name, meant, systems", [
    (_check("H2", "http", {"service": "wbe", "path": "/p"}), "service", "wbe", "web",
     "  shop: {services: {web: {url: 'http://x'}}}\n"),
    (_check("R2", "redis", {"endpoint": "rdis", "keys": {"q": {"max": 1}}}), "endpoint", "rdis", "redis",
     "  shop: {endpoints: {redis: 'redis://127.0.0.1:1/0'}}\n"),
    (_check("H3", "http", {"service": "web", "path": "/a", "headers": {"x": "{secret:ADMIN_KY}"}}),
     "secret", "ADMIN_KY", "ADMIN_KEY", "  shop: {services: {web: {url: 'http://x'}}, secrets: {ADMIN_KEY: '${K}'}}\n"),
], ids=["service", "endpoint", "secret"])
def test_a_single_use_name_an_item_misspells_is_blamed_on_the_item(tmp_path, monkeypatch, item, kind, name,
                                                                     meant, systems):
    """`service: wbe` in the one item that names a service, `web` in the environment: the environment's name is used
    by no item, but it is the item's that no environment defines — refused naming the item and the name meant, not
    the environment with the advice to copy the typo into it."""
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, monkeypatch, systems, variables={"K": "long-enough-secret"}, checks=[item])
    assert raised.value.message == (f"shop: {item.key}: {kind} '{name}' is defined for shop by no environment in "
                                    f"{tmp_path}, so the item would always skip; did you mean {meant}?")
    assert raised.value.exit_code == 20


# -- an environment file named .yml is said so, as a checklist's is -----------------------------------------------------
@pytest.mark.parametrize("file", ["staging.yml", "staging.YAML"])
def test_an_environment_file_named_yml_says_to_rename_it(tmp_path, file):
    (tmp_path / "local.yaml").write_text("name: local\nsystems: {}\n", encoding="utf-8")
    (tmp_path / file).write_text("name: staging\nsystems: {}\n", encoding="utf-8")
    with pytest.raises(UnknownEnvironment) as raised:
        environment_path(tmp_path, "staging")
    assert raised.value.message == (f"--env staging: unknown environment ({tmp_path / 'staging.yaml'} not found); "
                                    f"known: local; {tmp_path / file}: environments are *.yaml files; rename it "
                                    "staging.yaml")


@pytest.mark.parametrize("file", ["staging.yml", "staging.YAML"])
def test_an_environment_file_beside_its_yml_twin_is_refused_naming_both(tmp_path, file):
    """`staging.yml` beside `staging.yaml` (where the fix was made, perhaps): never read, so refused as one file too
    many, not passed over."""
    (tmp_path / "staging.yaml").write_text("name: staging\nsystems: {shop: {}}\n", encoding="utf-8")
    (tmp_path / file).write_text("name: staging\nsystems: {shop: {}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        environment_path(tmp_path, "staging")
    assert raised.value.exit_code == 20
    assert raised.value.message == (f"{tmp_path / file} beside {tmp_path / 'staging.yaml'}: one environment, one "
                                    f"file: merge it into staging.yaml and remove {file}")


# -- an environment that names no system is refused: every item would skip, and the run end green -------------------
@pytest.mark.parametrize("systems", ["systems: {}\n", "systems: {}\n#  shop:\n#    services: {web: {url: x}}\n"],
                         ids=["empty", "each-commented-out"])
def test_an_environment_naming_no_system_is_refused_at_load(tmp_path, systems):
    (tmp_path / "local.yaml").write_text(f"name: local\n{systems}", encoding="utf-8")
    said = (f"{tmp_path / 'local.yaml'}: systems: names no system, so every item would skip and the run check "
            "nothing; name at least one system under it")
    for load in (peek, load_environment):
        with pytest.raises(ConfigError) as raised:
            load(tmp_path, "local")
        assert raised.value.exit_code == 20 and raised.value.message == said, raised.value.message


def test_a_no_proxy_entry_the_http_client_cannot_read_is_bad_input(tmp_path, monkeypatch):
    """httpx cannot read `[::1]` in NO_PROXY: every request would end as an internal error blamed on its target."""
    (tmp_path / "local.yaml").write_text("name: local\nsystems: {shop: {}}\n", encoding="utf-8")
    monkeypatch.setenv("NO_PROXY", "localhost, [::1]")
    with pytest.raises(ConfigError, match=r"NO_PROXY: the entry \[::1\] is one the HTTP client \(httpx\) cannot read;"
                                          r" write the IPv6 address without brackets \(::1\)"):
        load_environment(tmp_path, "local")
    monkeypatch.setenv("NO_PROXY", "localhost,::1")
    assert load_environment(tmp_path, "local").name == "local"


@pytest.mark.parametrize("url, refused", [
    ("https://shop.example/?_method=DELETE", True), ("https://shop.example/api?_METHOD=put&x=1", True),
    ("https://shop.example/?_method=GET", False), ("https://shop.example/_method=DELETE", False),
    # PHP reads a dot, a blank and a `[` in a key as `_`: Laravel and Symfony take each as the method of a POST
    ("https://shop.example/?.method=DELETE", True), ("https://shop.example/?%2Emethod=put", True),
    ("https://shop.example/?x=1&[method=DELETE", True), ("https://shop.example/?+method=DELETE", False),
    ("https://shop.example/?_method%00=DELETE", True),  # PHP ends a key at a NUL
])
def test_a_service_url_naming_another_method_is_refused(tmp_path, url, refused):
    """A service's query goes with every request: `?_method=DELETE` there made an http GET and a webhook's POST
    DELETEs to a server honouring it, in prod, with no item marked mutating."""
    from .kit import make_check

    (tmp_path / "local.yaml").write_text(f"name: local\nsystems:\n  shop:\n    services: {{web: {{url: '{url}'}}}}\n",
                                         encoding="utf-8")
    checks = [replace(make_check("http", {"service": "web", "path": "/health"}, item="H1", name="up"), system="shop")]
    if not refused:
        load_environment(tmp_path, "local", checks=checks)
        return
    with pytest.raises(ConfigError, match=r"services.web.url: its query's (_method|'.*' \(read as _method\))="
                                          r"'(DELETE|put)' asks the server to take every request to the service as"
                                          " another method"):
        load_environment(tmp_path, "local", checks=checks)


def test_a_secret_holding_the_cron_secrets_value_runs_the_job_all_the_same(tmp_path, monkeypatch):
    """CRON_KEY given CRON_SECRET's value: an http item sending it to the cron path runs the job, as one sending
    CRON_SECRET does (refused when the checklists load): refused here, where the values are known."""
    from .kit import make_check

    monkeypatch.setenv("OPSV_SAME", "CronSecretVal9f8eZZk3mQ")
    monkeypatch.setenv("OPSV_OTHER", "AnotherSecret7Qx2Lp9Wv3")
    (tmp_path / "local.yaml").write_text(
        "name: local\nsystems:\n  shop:\n    services: {web: {url: 'https://shop.example'}}\n"
        "    secrets: {CRON_SECRET: '${OPSV_SAME}', CRON_KEY: '${OPSV_SAME}', OTHER: '${OPSV_OTHER}'}\n",
        encoding="utf-8")
    cron = make_check("cron", {"service": "web", "path": "/api/cron/run", "secret": "CRON_SECRET",
                               "with_secret": True}, item="C1", name="job", mutating=True)

    def http(secret: str, **mutating):
        return make_check("http", {"service": "web", "path": "/api/cron/./run",
                                   "headers": {"authorization": f"Bearer {{secret:{secret}}}"}}, item="H1", name="alias",
                          **mutating)

    checks = [replace(c, system="shop") for c in (cron, http("CRON_KEY"))]
    with pytest.raises(ConfigError) as refused:
        load_environment(tmp_path, "local", checks=checks)
    assert ("systems.shop.secrets.CRON_KEY: H1-alias sends it to /api/cron/./run, and it holds the value of"
            " CRON_SECRET, with which C1-job (cron) calls the job there") in refused.value.message
    assert "CronSecretVal" not in refused.value.message
    for other in (http("OTHER"), http("CRON_KEY", mutating=True)):
        load_environment(tmp_path, "local", checks=[replace(c, system="shop") for c in (cron, other)])


@pytest.mark.parametrize("service_url, path", [
    ("https://shop.example/?key=${OPSV_SAME}", "/api/cron/run"),  # the service's query, which every request keeps
    ("https://shop.example/?auth=Bearer%20${OPSV_SAME}", "/api/cron/run"),  # inside a query value
    # written into an item's path (under a credential's name, `?key=`, a token is refused when the checklist loads)
    ("https://shop.example", "/api/cron/run?run=CronSecretVal9f8eZZk3mQ"),
], ids=["service-query", "inside-a-value", "item-path"])
def test_a_cron_secret_written_into_the_jobs_url_is_refused(tmp_path, monkeypatch, service_url, path):
    """Every request to that URL carries the secret: a plain http item ran the job in prod, and the cron item's own
    calls "without the secret" carried it (five job runs, and a false failure)."""
    from .kit import make_check

    monkeypatch.setenv("OPSV_SAME", "CronSecretVal9f8eZZk3mQ")
    (tmp_path / "local.yaml").write_text(
        f"name: local\nsystems:\n  shop:\n    services: {{web: {{url: '{service_url}'}}}}\n"
        "    secrets: {CRON_SECRET: '${OPSV_SAME}'}\n", encoding="utf-8")
    cron = replace(make_check("cron", {"service": "web", "path": path, "secret": "CRON_SECRET"}, item="C1",
                              name="job"), system="shop")
    http = replace(make_check("http", {"service": "web", "path": path}, item="H1", name="probe"), system="shop")
    with pytest.raises(ConfigError) as refused:
        load_environment(tmp_path, "local", checks=[cron, http])
    message = refused.value.message
    assert ("C1-job (cron) calls /api/cron/run" in message and "at a URL holding the value of CRON_SECRET: its calls"
            " without the secret would carry it") in message, message
    assert ("H1-probe sends a request to /api/cron/run" in message and "mark the item mutating: true, or take the "
            "secret out of the URL") in message, message
    assert "CronSecretVal" not in message
    # elsewhere on the service, or marked mutating, an item may carry it
    other = replace(make_check("http", {"service": "web", "path": "/api/health"}, item="H2", name="up"), system="shop")
    load_environment(tmp_path, "local", checks=[other])
    load_environment(tmp_path, "local", checks=[replace(http, mutating=True)])


@pytest.mark.parametrize("hooks_url, hook_system, hook_path", [
    ("https://shop.example/api/cron", "shop", "/sync"),  # a service's URL holds part of the job's path
    ("https://shop.example", "billing", "/api/cron/sync"),  # another system's service on the same server
], ids=["url-holds-the-path", "another-system"])
def test_a_webhook_items_posts_at_a_jobs_url_are_refused(tmp_path, hooks_url, hook_system, hook_path):
    """A webhook item's deliveries are POSTs, unmarked; the checklists refuse them at a cron item's path of the same
    system, and the environment compares whole URLs: six POSTs reached the job, in prod, where its own was refused."""
    from .kit import make_check

    hooks = f"hooks: {{url: '{hooks_url}'}}"
    systems = ({"shop": f"app: {{url: 'https://shop.example'}}, {hooks}"} if hook_system == "shop" else
               {"shop": "app: {url: 'https://shop.example'}", hook_system: hooks})
    (tmp_path / "local.yaml").write_text("name: local\nsystems:\n" + "".join(
        f"  {name}:\n    services: {{{services}}}\n" for name, services in systems.items()), encoding="utf-8")
    cron = replace(make_check("cron", {"service": "app", "path": "/api/cron/sync", "method": "POST",
                                       "secret": "CRON_SECRET"}, item="C1",
                              name="job", mutating=True), system="shop")
    hook = replace(make_check("webhook", {"service": "hooks", "path": hook_path, "scheme": "stripe"}, item="W1",
                              name="hook"), system=hook_system)
    with pytest.raises(ConfigError) as refused:
        load_environment(tmp_path, "local", checks=[cron, hook])
    assert (f"W1-hook (webhook) POSTs to hooks {hook_path}, which is where C1-job (cron"
            in refused.value.message), refused.value.message
    load_environment(tmp_path, "local", checks=[cron, replace(hook, mutating=True)])
    load_environment(tmp_path, "local", checks=[cron, replace(hook, params=hook.params.model_copy(
        update={"path": "/hooks/stripe"}))])


def test_a_cron_secrets_value_sent_to_the_jobs_url_from_another_system_or_service_is_refused(tmp_path, monkeypatch):
    """The rule compares whole URLs where the environment gives them: another system's item with the same value and
    the same server, and a service whose URL holds part of the path (`…/api` + `/cron/run`), ran the job in prod."""
    from .kit import make_check

    monkeypatch.setenv("OPSV_SAME", "CronSecretVal9f8eZZk3mQ")
    cron = replace(make_check("cron", {"service": "web", "path": "/api/cron/run", "secret": "CRON_SECRET",
                                       "with_secret": True}, item="C1", name="job", mutating=True), system="shop")

    def http(system: str, service: str, path: str, secret: str):
        return replace(make_check("http", {"service": service, "path": path,
                                           "headers": {"authorization": f"Bearer {{secret:{secret}}}"}},
                                  item="H1", name="probe"), system=system)

    def environment(text: str) -> None:
        (tmp_path / "local.yaml").write_text("name: local\nsystems:\n" + text, encoding="utf-8")

    shop = "  shop:\n    services: {web: {url: 'https://Shop.example:443'}%s}\n    secrets: {CRON_SECRET: '${OPSV_SAME}'}\n"
    environment(shop % "" + "  shop2:\n    services: {web: {url: 'https://shop.example'}}\n"
                "    secrets: {JOB: '${OPSV_SAME}'}\n")
    with pytest.raises(ConfigError) as refused:
        load_environment(tmp_path, "local", checks=[cron, http("shop2", "web", "/api/cron/run", "JOB")])
    assert ("systems.shop2.secrets.JOB: H1-probe sends it to /api/cron/run, and it holds the value of shop:"
            " CRON_SECRET, with which C1-job (cron) calls the job there") in refused.value.message
    assert "CronSecretVal" not in refused.value.message
    environment(shop % ", api: {url: 'https://shop.example/api/'}")
    with pytest.raises(ConfigError) as refused:
        load_environment(tmp_path, "local", checks=[cron, http("shop", "api", "/cron/run", "CRON_SECRET")])
    assert "systems.shop.secrets.CRON_SECRET: H1-probe sends it to /cron/run" in refused.value.message
    load_environment(tmp_path, "local", checks=[cron, http("shop", "api", "/cron/other", "CRON_SECRET")])
    # a trailing dot and an internationalised name's two spellings reach the same host
    for job_host, other_host in (("shop.example", "shop.example."), ("bücher.example", "xn--bcher-kva.example"),
                                 ("XN--BCHER-KVA.example.", "Bücher.Example")):
        environment(f"  shop:\n    services: {{web: {{url: 'https://{job_host}'}}}}\n"
                    "    secrets: {CRON_SECRET: '${OPSV_SAME}'}\n"
                    f"  shop2:\n    services: {{web: {{url: 'https://{other_host}'}}}}\n    secrets: {{JOB: '${{OPSV_SAME}}'}}\n")
        with pytest.raises(ConfigError, match="H1-probe sends it to /api/cron/run"):
            load_environment(tmp_path, "local", checks=[cron, http("shop2", "web", "/api/cron/run", "JOB")])


SQL_ITEM = _check("Q1", "sql", {"query": "select 1 as one", "expect": {"one": {"eq": 1}}})
MIGRATIONS_ITEM = _check("M1", "migrations", {"tool": "prisma", "from_repo": "prisma/migrations"})
DATABASE = "'postgresql://checker@127.0.0.1:1/shop'"


def _set_nowhere(tmp_path: Path, item: Check, setting: str) -> str:
    return (f"shop: {item.key}: systems.shop.{setting} is set by no environment in {tmp_path}: the item skips in "
            f"every one until one sets it")


@pytest.mark.parametrize("text, item, setting", [
    ("  shop: {services: {web: {url: ''}}}\n", HTTP_ITEM, "services.web.url"),
    ("  shop: {services: {web: {}}}\n", HTTP_ITEM, "services.web.url"),
    ("  shop: {services: {web: {verify_tls: true}}}\n", HTTP_ITEM, "services.web.url"),
    ("  shop: {services: {web: {url: 'http://x'}}}\n", ENV_ITEM, "services.web.env"),
    ("  shop: {database: ''}\n", SQL_ITEM, "database"),
    ("  shop: {endpoints: {redis: 'redis://127.0.0.1:1/0'}}\n", SQL_ITEM, "database"),
    (f"  shop: {{database: {DATABASE}}}\n", MIGRATIONS_ITEM, "repo"),
    (f"  shop: {{database: {DATABASE}, repo: ''}}\n", MIGRATIONS_ITEM, "repo"),
])
def test_a_setting_no_environment_sets_is_warned_of(tmp_path, monkeypatch, text, item, setting):
    """A service written without its URL (or env source), a system without a database or repo checkout: the item
    skips "not configured" in every environment, as one naming a service none defines does, which a green run must
    not hide. An empty value in another file sets nothing either."""
    checks = [item, REDIS_ITEM] if "redis" in text else [item]
    env = _load(tmp_path, monkeypatch, text, checks=checks)
    assert _set_nowhere(tmp_path, item, setting) in env.warnings, env.warnings
    (tmp_path / "prod.yaml").write_text("name: prod\nsystems:\n  shop: {database: '', repo: '', services: {web: "
                                        "{url: '', env: null}}}\n")
    env = _load(tmp_path, monkeypatch, text, checks=checks)
    assert _set_nowhere(tmp_path, item, setting) in env.warnings, env.warnings


@pytest.mark.parametrize("text, item", [
    ("  shop: {services: {web: {url: ''}}}\n", HTTP_ITEM),
    ("  shop: {services: {web: {}}}\n", HTTP_ITEM),
    ("  shop: {services: {web: {url: 'http://x'}}}\n", ENV_ITEM),
    ("  shop: {database: ''}\n", SQL_ITEM),
    ("  shop: {endpoints: {redis: 'redis://127.0.0.1:1/0'}}\n", SQL_ITEM),
    (f"  shop: {{database: {DATABASE}}}\n", MIGRATIONS_ITEM),
])
def test_a_setting_another_environment_sets_is_not_warned_of(tmp_path, monkeypatch, text, item):
    """Set in prod only (its ${VAR}s read as written: not needed to load this one): this environment rightly skips
    the item, and says nothing more than the skip."""
    (tmp_path / "prod.yaml").write_text("name: prod\nsystems:\n  shop:\n    database: ${PROD_DATABASE_URL}\n"
                                        "    repo: ${PROD_REPO:-}\n    services: {web: {url: 'https://shop.example',"
                                        " env: {process_prefix: WEB_}}}\n")
    checks = [item, REDIS_ITEM] if "redis" in text else [item]
    env = _load(tmp_path, monkeypatch, text, checks=checks)
    assert not [w for w in env.warnings if "set by no environment" in w], env.warnings


@pytest.mark.parametrize("text, item", [
    ("  shop: {services: {web: {url: '${WEB_URL:-}'}}}\n", HTTP_ITEM),
    ("  shop: {services: {web: {env: {dotenv: '${WEB_ENV:-}'}}}}\n", ENV_ITEM),
    ("  shop: {database: '${SHOP_DATABASE_URL:-}'}\n", SQL_ITEM),
    (f"  shop: {{database: {DATABASE}, repo: '${{SHOP_REPO:-}}'}}\n", MIGRATIONS_ITEM),
])
def test_an_optional_setting_left_unset_is_not_warned_of(tmp_path, monkeypatch, text, item):
    """`${VAR:-}` is written to be optional (README): empty here, set where the variable is (a CI job): the file is
    judged as written, though the variable's empty value makes the item skip in this run."""
    for variable in ("WEB_URL", "WEB_ENV", "SHOP_DATABASE_URL", "SHOP_REPO"):
        monkeypatch.delenv(variable, raising=False)
    env = _load(tmp_path, monkeypatch, text, checks=[item])
    assert not [w for w in env.warnings if "set by no environment" in w], env.warnings


def test_a_service_no_environment_names_is_warned_of_once(tmp_path, monkeypatch):
    """The service is missing, not only its URL: said once, by its name."""
    env = _load(tmp_path, monkeypatch, f"  shop: {{database: {DATABASE}}}\n", checks=[HTTP_ITEM, SQL_ITEM])
    said = [w for w in env.warnings if "by no environment" in w]
    assert said == [f"shop: H9-h9: service 'web' is defined for shop by no environment in {tmp_path}: the item skips"
                    " in every one until one defines it"], said
