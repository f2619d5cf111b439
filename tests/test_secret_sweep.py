"""Secrets never leave, on any path: plant canary secrets in every place a secret can sit (a database
password, a header secret, a token in a URL path, env files, a value ending in a line break), make
targets echo them back (cut by an excerpt, base64-wrapped), log at DEBUG, run under xdist, fail with
long tracebacks and locals — then search the console and every file the run wrote, in every encoding
a secret travels in."""

from __future__ import annotations

import os

import secrets as random
import tempfile
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.secrets import encodings

from .kit import refused_port
from .project import MisbehavingHttp, Project

ITEMS = """
- {id: V1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
   params: {service: web, path: /ok, json: {ok: true}}}
- {id: V2, name: reflect, section: Web, title: an echo that cuts the key, family: http, cadence: postdeploy,
   params: {service: web, path: /reflect, headers: {x-key: "{secret:API_KEY}"}, body_includes: [never-there]}}
- {id: V3, name: reflect64, section: Web, title: an echo that wraps the key, family: http, cadence: postdeploy,
   params: {service: web, path: /reflect64, headers: {x-key: "{secret:API_KEY}"}, json: {ok: true}}}
- {id: V4, name: env, section: Config, title: the key is set and long, family: env, cadence: postdeploy,
   params: {service: web, required: [API_KEY, MISSING_KEY]}}
- {id: V5, name: db, section: Database, title: the database answers, family: sql, cadence: postdeploy,
   params: {query: select 1 as n, expect: {n: {eq: 1}}}}
"""


def _canaries() -> dict[str, str]:
    return {name: f"canary{name.lower()}{random.token_hex(10)}" for name in ("KEY", "TOKEN", "DBPW", "ENVSECRET")}


def _forms(canaries: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, value in canaries.items():
        found[f"{name} raw"] = value
        for form in encodings(value):
            found[f"{name} {form[:6]}…"] = form
        found[f"{name} head"] = value[:14]  # a cut excerpt must not leave a recognisable piece
    return found


def _leaks(forms: dict[str, str], texts: dict[str, str], roots: list[Path], inputs: set[Path]) -> list[str]:
    hits = [f"{where}: {name}" for where, text in texts.items() for name, form in forms.items() if form in text]
    for root in roots:
        # os.walk, not rglob: it skips a folder that goes away mid-walk (another test's, found in /tmp)
        files = (Path(folder, name) for folder, _, names in os.walk(root) for name in names)
        for path in (p for p in files if p not in inputs and p.is_file()):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # another test's temp folder (found in /tmp) went away meanwhile
                continue
            hits += [f"{path}: {name}" for name, form in forms.items() if form.encode() in data]
    return hits


@pytest.mark.parametrize("options", [
    ("-rA",),
    ("-n", "2", "--log-level=DEBUG", "-o", "junit_logging=all", "--junitxml=junit.xml"),
    ("-vv", "--tb=long", "--showlocals", "--log-cli-level=INFO", "-o", "log_file=run.log", "--log-file-level=DEBUG"),
], ids=["plain", "xdist-debug-junit", "long-tracebacks-live-logs"])
def test_no_canary_in_any_output(tmp_path, options):
    canaries = _canaries()
    before = set(Path(tempfile.gettempdir()).iterdir())
    env_file = tmp_path / "web.env"
    env_file.write_text(f"API_KEY={canaries['ENVSECRET']}\nOTHER=plain\n")
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {
            "WEB_URL": f"{web.url}/key/{canaries['TOKEN']}",  # a token in the URL path, as RPC providers do
            "API_KEY": canaries["KEY"] + "\n",  # `echo key > file`: the line break is dropped, not sent
            "DATABASE_URL": f"postgresql://checker:{canaries['DBPW']}@127.0.0.1:{refused_port()}/app",
            "WEB_ENV": str(env_file),
        })
        project.checklist("vault", ITEMS)
        project.environment("""
        timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
        systems:
          vault:
            database: "${DATABASE_URL}"
            services: {web: {url: "${WEB_URL}", env: {dotenv: "${WEB_ENV}"}}}
            secrets: {API_KEY: "${API_KEY}"}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", *options, cache=True)
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    assert ran.statuses() == {"V1-health": "passed", "V2-reflect": "failed", "V3-reflect64": "failed",
                              "V4-env": "failed", "V5-db": "error"}, ran.output[-3000:]
    leftovers = [p for p in set(Path(tempfile.gettempdir()).iterdir()) - before if p.name.startswith("opsverify")]
    hits = _leaks(_forms(canaries), {"console": ran.output}, [tmp_path, *leftovers], inputs={env_file})
    assert hits == []
    assert (tmp_path / ".pytest_cache").is_dir()  # the cache was written, and searched


def test_a_secret_with_a_control_character_is_refused_in_one_line(tmp_path):
    project = Project(tmp_path, {"API_KEY": "first-half\tsecond-half-of-key"})
    project.checklist("vault", ITEMS.split("- {id: V2")[0])
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_KEY: "${API_KEY}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.MISSING_VARIABLE
    lines = [line for line in ran.done.stderr.splitlines() if line.strip()]
    assert lines == ["opsverify: environments/local.yaml: systems.vault.secrets.API_KEY: ${API_KEY} holds a control"
                     " character (a line break or tab inside the value); set it to the value alone (e.g. printf"
                     " '%s' ... rather than echo)"]
    assert "second-half" not in ran.output


def test_a_secret_whose_bytes_are_not_utf8_is_refused_in_one_line(tmp_path):
    """A variable set from raw bytes (os.environ keeps what is not UTF-8 as lone surrogates) cannot be sent,
    shown or fingerprinted as text: one line naming it, never a traceback."""
    project = Project(tmp_path, {"API_KEY": os.fsdecode(b"key-\xff\xfe-second-half-of-key")})
    project.checklist("vault", ITEMS.split("- {id: V2")[0])
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_KEY: "${API_KEY}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.MISSING_VARIABLE, ran.output[-3000:]
    lines = [line for line in ran.done.stderr.splitlines() if line.strip()]
    assert lines == ["opsverify: environments/local.yaml: systems.vault.secrets.API_KEY: ${API_KEY} holds bytes that"
                     " are not UTF-8 text; set it to the value as UTF-8"]
    assert "second-half" not in ran.output
