"""A refusal of the inputs before the run starts (exit 20, 26) is masked by what the environment holds secret, as a
normal run registers it — never by every value its ${VAR}s hold: a file path (a CA bundle, a dotenv, a folder
beside them) is what the on-call engineer must fix, and shown masked ("[redacted hmac:…]") it names no file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify import exitcodes

from .helpers import UNUSED_PLUGINS
from .runbook import CANARY, make_runbook


def _run(runbook, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "-p", "no:cacheprovider", "--env", "fx",
               *args]
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "PYTEST_"))}
    return subprocess.run(command, cwd=runbook.root, capture_output=True, text=True, timeout=120,
                          env={**environ, **runbook.variables(), **(env or {})})


def _with_ca_bundle(runbook) -> tuple[list[str], dict[str, str], str]:
    env_file = runbook.root / "environments" / "fx.yaml"
    env_file.write_text(env_file.read_text().replace(
        "web:\n", "web:\n        ca_bundle: ${SHOP_CA}\n        url: https://127.0.0.1:1\n", 1))
    bundle = str(runbook.root / "certs" / "internal-ca.pem")
    return [], {"SHOP_CA": bundle}, bundle


def _checklists_dir(runbook) -> tuple[list[str], dict[str, str], str]:
    wrong = str(runbook.root.parent / "checklist")  # outside the project: shown whole, as SHOP_WEB_ENV's start
    return [f"--checklists-dir={wrong}"], {}, wrong


def _blocker(runbook) -> Path:
    """A file beside the project, where a folder was meant: its path starts as SHOP_WEB_ENV's value does."""
    blocker = runbook.root.parent / "blocker"
    blocker.write_text("")
    return blocker


def _reports_dir(runbook) -> tuple[list[str], dict[str, str], str]:
    return [f"--reports-dir={_blocker(runbook) / 'reports'}"], {}, str(_blocker(runbook))


def _junitxml(runbook) -> tuple[list[str], dict[str, str], str]:
    return [f"--junitxml={_blocker(runbook) / 'j.xml'}"], {}, str(_blocker(runbook))


@pytest.mark.parametrize("setup", [_with_ca_bundle, _checklists_dir, _reports_dir, _junitxml],
                         ids=["ca_bundle-by-variable", "checklists-dir", "reports-dir", "junitxml"])
def test_a_refusal_shows_the_paths_the_environments_variables_lead_to(tmp_path, setup):
    """`ca_bundle: ${SHOP_CA}` naming a missing file read `…ca_bundle: [redacted hmac:…] not found`, and a folder
    option sharing 8 characters with a dotenv's path (on GitHub Actions every one starts /home/runner/work/)
    `[redacted part of hmac:…]checklist: no such folder`: neither a path nor a variable's name is secret."""
    runbook = make_runbook(tmp_path / "project")
    args, env, path = setup(runbook)
    if "--reports-dir" not in " ".join(args):
        args = ["--reports-dir", str(runbook.reports), *args]
    ran = _run(runbook, *args, env=env)
    assert ran.returncode in (exitcodes.BAD_CONFIG, exitcodes.ARCHIVE), ran.stdout[-2000:] + ran.stderr
    assert path in ran.stderr and "redacted" not in ran.stderr, ran.stderr
    assert CANARY not in ran.stdout + ran.stderr


# an environment holding each kind of secret a normal run registers, beside variables that name files
ENVIRONMENT = """\
name: fx
systems:
  shop:
    database: postgresql://checker:${SHOP_DB_LOGIN}@127.0.0.1:5432/shop
    repo: ${SHOP_DEPLOY_KEY}
    services:
      web:
        url: https://robot:${SHOP_WEB_ROBOT}@shop.example/
        ca_bundle: ${SHOP_CA}
        env:
          dotenv: ${SHOP_WEB_ENV}
    secrets:
      API_TOKEN: ${SHOP_PLAIN}
    providers:
      github:
        token: ${GH_ACCESS}
        repo: acme/shop
"""
SECRETS = {  # each variable's name says nothing of a secret but SHOP_DEPLOY_KEY's: where it is used says it
    "SHOP_DB_LOGIN": "Qm7vR2xKp9Lw",  # a database URL's password
    "SHOP_DEPLOY_KEY": "deploy-Zt84kQ",  # a variable whose name says it is a secret, in a field of no secret
    "SHOP_WEB_ROBOT": "Hx3nW8qTz5",  # a URL's password
    "SHOP_PLAIN": "harbour-lights-2026",  # a declared secret's value, an ordinary phrase
    "GH_ACCESS": "ghp_R4nd0mT0k3nV4lu3xYz",  # a provider's token
}
STATES = {  # how far the environment reads, refused for something else
    "loads-but-for-its-files": lambda text: text,
    "another-system-unset": lambda text: text + "  till:\n    database: ${TILL_UNSET_DATABASE}\n",
    "structure-refused": lambda text: text + "colour: blue\n",
    "not-yaml": lambda text: text + "  till: [unclosed\n",
}


def _masked(tmp_path: Path, state: str, message: str, monkeypatch, overrides: dict | None = None) -> str:
    from opsverify.plugin import _masked_by_the_environment

    (tmp_path / "environments").mkdir(exist_ok=True)
    (tmp_path / "environments" / "fx.yaml").write_text(STATES[state](ENVIRONMENT), encoding="utf-8")
    (tmp_path / "env").mkdir(exist_ok=True)
    (tmp_path / "env" / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    for name, value in {**SECRETS, **(overrides or {}), "SHOP_CA": str(tmp_path / "certs" / "ca.pem"),
                        "SHOP_WEB_ENV": str(tmp_path / "env" / "web.env")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TILL_UNSET_DATABASE", raising=False)
    config = SimpleNamespace(getoption=lambda name: None, inipath=None, rootpath=tmp_path,
                             invocation_params=SimpleNamespace(dir=tmp_path))
    return _masked_by_the_environment(config, "fx", message)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("variable", SECRETS)
def test_a_refusal_still_masks_every_secret_the_environment_holds(tmp_path, monkeypatch, state, variable):
    """A waiver or checklist refused before the environment loads quotes what it holds: a database URL's password,
    a URL's, a declared secret's value, a token, a variable named as a secret — masked however far the environment
    reads (where it does not read, by the names and places that say a secret)."""
    secret = SECRETS[variable]
    masked = _masked(tmp_path, state, f"waivers[0] ({secret}): unknown item", monkeypatch)
    assert secret not in masked and "redacted" in masked, masked


@pytest.mark.parametrize("state", [state for state in STATES if state != "not-yaml"])
def test_a_refusal_shows_paths_however_far_the_environment_reads(tmp_path, monkeypatch, state):
    """Where YAML cannot read the file, where a value stands cannot be told: every ${VAR} set masks (below)."""
    paths = [str(tmp_path / "certs" / "ca.pem"), str(tmp_path / "env" / "web.env"),
             str(tmp_path / "env" / "checklist"), str(tmp_path / "env" / "web.env" / "reports")]
    message = f"{paths[0]} not found; {paths[1]}: bad; {paths[2]}: no such folder; {paths[3]}: Read-only file system"
    assert _masked(tmp_path, state, message, monkeypatch) == message


@pytest.mark.parametrize("state", STATES)
def test_a_secret_set_in_the_untracked_secrets_file_is_masked_too(tmp_path, monkeypatch, state):
    """`<name>.secrets.env` sets ${VAR}s as the process's environment does: its secrets mask a refusal too."""
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "fx.secrets.env").write_text(f"SHOP_PLAIN={SECRETS['SHOP_PLAIN']}\n")
    monkeypatch.delenv("SHOP_PLAIN", raising=False)  # the file's value is the one read
    from opsverify.plugin import _masked_by_the_environment

    (tmp_path / "environments" / "fx.yaml").write_text(STATES[state](ENVIRONMENT), encoding="utf-8")
    config = SimpleNamespace(getoption=lambda name: None, inipath=None, rootpath=tmp_path,
                             invocation_params=SimpleNamespace(dir=tmp_path))
    masked = _masked_by_the_environment(config, "fx", f"waivers[0] ({SECRETS['SHOP_PLAIN']}): unknown item")
    assert SECRETS["SHOP_PLAIN"] not in masked, masked


def test_where_yaml_cannot_read_the_environment_every_variable_it_cites_masks(tmp_path, monkeypatch):
    """A password with a comma (legal in a URL's user part), a declared secret in a flow mapping over two lines:
    where a value stands is not told by a file YAML cannot read, so every ${VAR} set is taken as a secret."""
    comma = "pw,with'quote-Qx81"
    masked = _masked(tmp_path, "not-yaml", f"unknown family '{comma}'", monkeypatch, {"SHOP_WEB_ROBOT": comma})
    assert comma not in masked and "redacted" in masked, masked


@pytest.mark.parametrize("state", STATES)
def test_a_secret_a_service_reads_from_the_runners_environment_masks_a_refusal(tmp_path, monkeypatch, state):
    """`env: {process_prefix: SHOPWEB_}`: a run learns SHOPWEB_STRIPE_SECRET_KEY at its start; a refusal before it
    masks it too."""
    secret = "sk_live_" + "Zq4" * 8
    monkeypatch.setenv("SHOPWEB_STRIPE_SECRET_KEY", secret)
    environment = ENVIRONMENT.replace("dotenv: ${SHOP_WEB_ENV}", "process_prefix: SHOPWEB_")
    monkeypatch.setattr(sys.modules[__name__], "ENVIRONMENT", environment)
    masked = _masked(tmp_path, state, f"unknown family '{secret}'", monkeypatch)
    assert secret not in masked and "redacted" in masked, masked
