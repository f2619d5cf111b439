"""Secrets never leave, on any path: plant canary secrets in every place a secret can sit (a database
password, a header secret, a token in a URL path, env files, a value ending in a line break), make
targets echo them back (cut by an excerpt, base64-wrapped), log at DEBUG, run under xdist, fail with
long tracebacks and locals — then search the console and every file the run wrote, in every encoding
a secret travels in."""

from __future__ import annotations

import base64
import json
import os

import secrets as random
import sys
import tempfile
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify import exitcodes
from opsverify.secrets import encodings

from .kit import refused_port
from .project import KeepAliveHttp, MisbehavingHttp, Project, raw_reply

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
        timeouts: {connect_s: 10, statement_ms: 1000, http_s: 20}  # no item here waits them out: room for a loaded CI
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


def _refused_secret(tmp_path: Path, value: str, hidden: str) -> list[str]:
    """Run with API_KEY=value as a declared secret; the run must stop at load (exit 22) never showing `hidden`.
    Returns its stderr lines."""
    project = Project(tmp_path, {"API_KEY": value})
    project.checklist("vault", ITEMS.split("- {id: V2")[0])
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_KEY: "${API_KEY}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.MISSING_VARIABLE, ran.output[-3000:]
    assert hidden not in ran.output
    return [line for line in ran.done.stderr.splitlines() if line.strip()]


def test_a_secret_with_a_control_character_is_refused_in_one_line(tmp_path):
    assert _refused_secret(tmp_path, "first-half\tsecond-half-of-key", "second-half") == [
        "opsverify: environments/local.yaml: systems.vault.secrets.API_KEY: ${API_KEY} holds a control"
        " character inside the value (a line break, a tab, or another such as a bell); set it to the value alone"
        " (e.g. printf '%s' ... rather than echo)"]


def test_a_secret_whose_bytes_are_not_utf8_is_refused_in_one_line(tmp_path):
    """A variable set from raw bytes (os.environ keeps what is not UTF-8 as lone surrogates) cannot be sent,
    shown or fingerprinted as text: one line naming it, never a traceback."""
    assert _refused_secret(tmp_path, os.fsdecode(b"key-\xff\xfe-second-half-of-key"), "second-half") == [
        "opsverify: environments/local.yaml: systems.vault.secrets.API_KEY: ${API_KEY} holds bytes that"
        " are not UTF-8 text; set it to the value as UTF-8"]


@pytest.mark.parametrize("url, problem", [
    ("postgresql://checker:q7/Hx+3kPz9Lw2mNvR@db.internal:5432/shop", "holds an unescaped '/' or '@'"),
    ("postgresql://checker:Kanary@TailSecret99@127.0.0.1:1/shop", "holds an unescaped '/' or '@'"),
    ("postgresq://checker:Kanary-TailSecret99@127.0.0.1:1/shop", "where postgresql:// or postgres:// belongs"),
    ("checker:Kanary-TailSecret99@127.0.0.1/shop", "not a database URL"),
], ids=["slash-in-password", "at-in-password", "scheme-typo", "no-scheme"])
def test_a_database_url_libpq_would_misread_is_refused_without_quoting_it(tmp_path, url, problem):
    """libpq reads a password's unescaped '/' or '@' as the end of it: the rest would become the host or the
    database — and be printed as such. One line instead, naming the field, never the URL."""
    project = Project(tmp_path, {"DATABASE_URL": url})
    project.checklist("vault", ITEMS.split("- {id: V1")[0] + "- {id: V5" + ITEMS.split("- {id: V5")[1])
    project.environment('systems: {vault: {database: "${DATABASE_URL}"}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    lines = [line for line in ran.done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("opsverify: environments/local.yaml: systems.vault.database: ")
    assert problem in lines[0]
    assert not any(part in ran.output for part in ("Hx+3kPz9", "TailSecret99", "Kanary")), ran.output
    assert not (tmp_path / "reports").exists()
    assert "[redacted" not in lines[0], lines[0]  # the fix it gives is readable, whatever run of it the URL shares


def test_the_fix_for_a_database_url_without_its_scheme_is_not_masked(tmp_path):
    """`127.0.0.1:5432/db` is a secret (the value is no URL the redactor can tell a password in), and the example of
    the fix shared `:5432/db` with it: `write postgresql://user:password@host[redacted part of hmac:…]`."""
    project = Project(tmp_path, {"DATABASE_URL": "127.0.0.1:5432/db"})
    project.checklist("vault", ITEMS.split("- {id: V1")[0] + "- {id: V5" + ITEMS.split("- {id: V5")[1])
    project.environment('systems: {vault: {database: "${DATABASE_URL}"}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert ("not a database URL: write postgresql://<user>:<password>@<host>:<port>/<database>, or libpq's key=value"
            " form") in ran.output, ran.output[-3000:]


def test_a_declared_secret_too_short_to_redact_is_refused(tmp_path):
    assert _refused_secret(tmp_path, "Zq9x", "Zq9x") == [
        "opsverify: environments/local.yaml: systems.vault.secrets.API_KEY: ${API_KEY} is 4 characters: a"
        " secret this short would be found inside ordinary words, so it cannot be kept out of the output;"
        " use one of at least 6"]


def test_a_key_set_into_a_urls_path_and_a_secret_in_a_manual_reason_stay_out(tmp_path):
    """`url: http://host/${PATH_KEY}`: a key in the path, whatever its length; and a secret a person wrote into
    a manual item's reason is scrubbed from the manifest too, not only from results."""
    key, token = f"pathK3y{random.token_hex(2)}", f"tok{random.token_hex(8)}"
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"PATH_KEY": key, "API_TOKEN": token, "WEB": web.url})
        project.checklist("vault", ITEMS.split("- {id: V2")[0] + f"""
- {{id: V9, name: call, section: People, title: on-call phones, family: manual, reason: "read {token} aloud"}}
""")
        project.environment('systems: {vault: {services: {web: {url: "${WEB}/key/${PATH_KEY}"}},'
                            ' secrets: {API_TOKEN: "${API_TOKEN}"}}}\n')
        ran = project.run("-m", "postdeploy or manual", "--env", "local", "--junitxml", "junit.xml")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "checklists" not in p.parts]
    hits = [f"{p}: {name}" for p in written for name, value in (("key", key), ("token", token))
            if value.encode() in p.read_bytes()]
    assert hits == [] and key not in ran.output and token not in ran.output, (hits, ran.output[-2000:])


def test_a_secret_quoted_in_a_failing_items_title_stays_off_the_console(tmp_path):
    """pytest prints a failure's message in its FAILURES section and short summary, under xdist too: the
    title a person wrote is cleaned like every other word."""
    token = f"tok{random.token_hex(8)}"
    project = Project(tmp_path, {"API_TOKEN": token})
    project.checklist("vault", f"""
- {{id: V1, name: up, section: Web, title: "health (key {token})", family: http, cadence: postdeploy,
   remediation: "rotate {token}", params: {{service: web, path: /health}}}}
""")
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_TOKEN: "${API_TOKEN}"}}}\n')
    for options in ((), ("-n", "2")):
        ran = project.run("-p", "no:cacheprovider", "-m", "postdeploy", "--env", "local", "-rA", *options)
        assert ran.code != exitcodes.OK and "V1-up health (key [redacted hmac:" in ran.output, ran.output[-3000:]
        assert token not in ran.output, ran.output[-3000:]


@pytest.mark.parametrize("where", ["name", "id"])
def test_an_item_whose_name_holds_a_secret_is_refused_without_saying_it(tmp_path, where):
    """pytest prints a node id as written (-v, a failure's header, its cache), where no redactor reaches: refused at
    load, by the item's place in its file."""
    token = f"tok{random.token_hex(8)}"
    item = {"name": f"key-{token}", "id": "V1"} if where == "name" else {"name": "up", "id": f"V{token}"}
    project = Project(tmp_path, {"API_TOKEN": token})
    project.checklist("vault", f"""
- {{id: {item['id']}, name: {item['name']}, section: Web, title: health, family: http, cadence: postdeploy,
   params: {{service: web, path: /health}}}}
""")
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_TOKEN: "${API_TOKEN}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local", "-v")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert "checklists/vault.yaml:5: an item's id or name holds the value of a secret (the environment's or the runner's own)" in ran.output, \
        ran.output[-3000:]
    assert token not in ran.output and not (tmp_path / ".pytest_cache").exists()
    written = {tmp_path / "checklists" / "vault.yaml"}  # the runbook itself, as its author wrote it
    assert _leaks(_forms({"TOKEN": token}), {"console": ran.output}, [tmp_path], inputs=written) == []


@pytest.mark.parametrize("given", ["option", "ci-variable"])
def test_a_deploy_id_that_holds_a_secret_is_refused_without_saying_it(tmp_path, given):
    """The deploy id names the archive's folder (and its report, its chain entry), which no redactor cleans."""
    token = f"tok{random.token_hex(8)}"
    project = Project(tmp_path, {"API_TOKEN": token, **({"GITHUB_SHA": token} if given == "ci-variable" else {})})
    project.checklist("vault", """
- {id: V1, name: up, section: Web, title: health, family: http, cadence: postdeploy,
   params: {service: web, path: /health}}
""")
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_TOKEN: "${API_TOKEN}"}}}\n')
    options = ("--deploy-id", f"release-{token}") if given == "option" else ()
    ran = project.run("-m", "postdeploy", "--env", "local", *options)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    source = "--deploy-id" if given == "option" else "GITHUB_SHA"
    assert f"{source}: the deploy id holds the value of a secret (the environment's or the runner's own)" in ran.output, ran.output
    assert token not in ran.output and not (tmp_path / "reports").exists()


def test_a_secret_that_is_an_ordinary_word_is_warned_about_without_saying_it(tmp_path):
    project = Project(tmp_path, {"API_KEY": "origins"})
    project.checklist("vault", ITEMS.split("- {id: V2")[0])
    project.environment('systems: {vault: {services: {web: {url: "http://127.0.0.1:1"}}, secrets: {API_KEY: "${API_KEY}"}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert "warning: environments/local.yaml: a secret is an ordinary word (7 lowercase letters)" in ran.output, \
        ran.output[-2000:]
    assert "origins" not in ran.output


def test_a_cron_secret_echoed_back_folded_or_escaped_twice_stays_out(tmp_path):
    """A cron endpoint echoes its secret where the transport quotes what it cannot read: into Content-Encoding (the
    coding is shown lowercased and quoted) and into a status line (httpcore's DEBUG log shows its bytes inside an
    exception's repr inside another: the secret's quote and backslash escaped twice). Neither form is one a secret
    is registered in as such: its forms compose (folded, then quoted; escaped, then escaped again)."""
    canary = f"Cr0n'Kq7\\Zp%2F{random.token_hex(6)}"
    replies = {("GET", "/echo-ce"): raw_reply(401, b"xx", content_encoding=canary),
               ("GET", "/echo-status-line"): f"HTTP/1.1 4O1 Bearer {canary}\r\n\r\n".encode()}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "CRON_SECRET": canary})
        project.checklist("vault", """
        - {id: C1, name: ce, section: Cron, title: the secret echoed into content-encoding, family: cron,
           cadence: postdeploy, mutating: true,
           params: {service: web, path: /echo-ce, secret: CRON_SECRET, with_secret: true}}
        - {id: C2, name: line, section: Cron, title: the secret echoed into the status line, family: cron,
           cadence: postdeploy, mutating: true,
           params: {service: web, path: /echo-status-line, secret: CRON_SECRET, with_secret: true}}
        """)
        project.environment("""
        allow_mutating: true
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}"}}, secrets: {CRON_SECRET: "${CRON_SECRET}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "--log-level=DEBUG", "-o", "log_cli=true",
                          "-o", "log_cli_level=DEBUG", "-o", "junit_logging=all", "--junitxml=junit.xml")
    assert ran.statuses() == {"C1-ce": "error", "C2-line": "error"}, ran.output[-3000:]
    assert "is not read" in ran.rows()["C1-ce"]["message"] and "illegal status line" in ran.output, ran.output[-3000:]
    forms = _forms({"CRON": canary})
    forms |= {"CRON folded, quoted": repr(canary.lower())[1:-1], "CRON escaped twice": repr(repr(canary))[2:-2]}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_key_echoed_back_in_utf16_or_utf32_stays_out(tmp_path, encoding):
    """A body in UTF-16 or UTF-32 without its charset is read as UTF-8 (README): a NUL beside each character of the
    echoed key. The evidence's excerpt of it holds the key in that form unless the redactor reads it without them."""
    key = f"Kq7{random.token_hex(10)}"
    body = f"error: bad key {key} (rejected)".encode(encoding)
    replies = {("GET", "/echo"): raw_reply(200, body, content_type="text/plain")}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "API_KEY": key})
        project.checklist("vault", """
        - {id: E1, name: echo, section: Web, title: an echo in another encoding, family: http, cadence: postdeploy,
           params: {service: web, path: /echo, headers: {x-key: "{secret:API_KEY}"}}}
        """)
        project.environment("""
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}"}}, secrets: {API_KEY: "${API_KEY}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-p", "no:cacheprovider")
    assert ran.statuses() == {"E1-echo": "passed"}, ran.output[-3000:]
    wide = key.encode(encoding).decode("utf-8")  # as the transport reads it
    forms = {"raw": key, "wide": wide, "wide, in JSON": json.dumps(wide)[1:-1],
             "wide, cut": wide[:len(wide) // 2]}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


@pytest.mark.parametrize("byte_order_mark", [b"\xef\xbb\xbf", b""], ids=["bom", "no-bom"])
def test_a_secret_on_the_first_line_of_a_broken_env_file_with_a_bom_stays_out(tmp_path, byte_order_mark):
    """An env file saved with a UTF-8 BOM (Windows editors do), `export NAME=secret` on its first line, another line
    python-dotenv cannot parse: the file is read again leniently only for the redactor, and that reading kept the BOM,
    so the first name was never found and a target echoing its value put it raw in results.json and Allure."""
    canary = f"cnsession{random.token_hex(8)}"
    env_file = tmp_path / "web.env"
    env_file.write_bytes(byte_order_mark + f"export SESSION_SECRET={canary}\nBROKEN_LINE: x\n".encode())
    replies = {("GET", "/health"): raw_reply(500, f"debug dump: SESSION_SECRET={canary}".encode(), "text/plain")}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "WEB_ENV": str(env_file)})
        project.checklist("vault", """
        - {id: H1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
           params: {service: web, path: /health, status: 200}}
        - {id: E1, name: env, section: Env, title: the session secret is set, family: env, cadence: postdeploy,
           params: {service: web, required: [SESSION_SECRET]}}
        """)
        project.environment("""
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}", env: {dotenv: "${WEB_ENV}"}}}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "-p", "no:cacheprovider")
    assert ran.statuses() == {"H1-health": "failed", "E1-env": "error"}, ran.output[-3000:]
    assert "debug dump" in json.dumps(ran.rows()["H1-health"])  # the echo is in the evidence, masked
    assert _leaks(_forms({"SESSION": canary}), {"console": ran.output}, [tmp_path], inputs={env_file}) == []


def test_a_redirect_s_password_and_token_stay_out_whichever_family_quotes_it(tmp_path):
    """A health or metrics endpoint redirecting to a login page may carry a password in the Location's userinfo and a
    token in its query: every family that names a redirect (http, metrics, cron, webhook) names it as bundle and
    provider do — its user and password dropped, its token learned as the reply came (Target.fetch_all) and masked.
    The http and metrics families had quoted the Location raw into the console, results.json, JUnit and Allure."""
    password, access_token = f"Pw{random.token_hex(8)}", f"Zx{random.token_hex(12)}"
    location = f"https://robot:{password}@sso.example.com/callback?access_token={access_token}"
    replies = {("GET", path): raw_reply(302, b"", location=location) for path in ("/health", "/metrics")}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("vault", """
        - {id: H1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
           params: {service: web, path: /health, status: 200}}
        - {id: M1, name: metrics, section: Web, title: metrics are scraped, family: metrics, cadence: postdeploy,
           params: {service: web, path: /metrics, families: {up: gauge}}}
        """)
        project.environment("""
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}"}}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "-p", "no:cacheprovider")
    assert ran.statuses() == {"H1-health": "failed", "M1-metrics": "error"}, ran.output[-3000:]
    assert "https://sso.example.com/callback?access_token=[redacted" in ran.output, ran.output[-3000:]
    assert _leaks(_forms({"PASSWORD": password, "ACCESS_TOKEN": access_token}), {"console": ran.output}, [tmp_path],
                  inputs=set()) == []


def test_a_redirects_credentials_in_httpcores_debug_record_are_masked_before_it_is_written():
    """httpcore logs a reply's headers at DEBUG as they come, before the run has seen the reply and learned its
    Location: the password and token went raw to the live log, the -rA section and log_file."""
    import logging

    from opsverify.plugin import RedactingFilter
    from opsverify.secrets import Redactor

    password, token = f"Pw{random.token_hex(8)}", f"Zx{random.token_hex(12)}"
    headers = [(b"Content-Length", b"0"), (b"Location", f"http://alice:{password}@sso.example/cb?access_token={token}"
                                                      .encode())]
    record = logging.LogRecord("httpcore.http11", logging.DEBUG, __file__, 1,
                               "receive_response_headers.complete return_value=%r", ((b"HTTP/1.1", 302, b"Found",
                                                                                     headers),), None)
    RedactingFilter(Redactor()).filter(record)
    shown = record.getMessage()
    assert password not in shown and token not in shown, shown


def _team_project(tmp_path: Path, variables: dict[str, str]) -> Project:
    """A project of one manual item whose environment declares SHOP_API_KEY's value a secret, and a tests/ folder
    for a team's own tests beside the checklists."""
    project = Project(tmp_path, variables)
    project.checklist("vault", """
    - {id: M1, name: by-hand, section: S, title: looked at by hand, family: manual, reason: a person looks}
    """)
    project.environment("""
    systems: {vault: {secrets: {API_KEY: "${SHOP_API_KEY}"}}}
    """)
    (tmp_path / "tests").mkdir()
    return project


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_team_tests_failure_quoting_a_secret_is_masked_on_the_console(tmp_path, workers):
    """A team's own test beside the checklists asserting on a declared secret: its assertion, --showlocals, the
    short summary and its captured stdout printed the value on the console (the archive's copy was masked); so did
    a skip's and an xfail's reason and the warnings summary. Masked, the repr keeps pytest's shape: --tb=line and
    xdist's short summary read as pytest's own."""
    key = f"Kq7{random.token_hex(10)}"
    project = _team_project(tmp_path, {"SHOP_API_KEY": key})
    (tmp_path / "tests" / "test_smoke.py").write_text(
        "import os, warnings\n\nimport pytest\n\nKEY = os.environ['SHOP_API_KEY']\n\n\n"
        "def test_key_matches():\n    key = KEY\n    print('stdout key', key)\n    assert key == 'expected-value'\n\n\n"
        "def test_skipped():\n    pytest.skip(f'skipped for {KEY}')\n\n\n"
        "def test_xfailed():\n    pytest.xfail(f'xfail for {KEY}')\n\n\n"
        "def test_warned():\n    warnings.warn(f'warned of {KEY}')\n")
    ran = project.run("--env", "local", "tests", "checklists", "-rA", "-vv", "--showlocals", *workers)
    assert "test_key_matches" in ran.output and "FAILED" in ran.output, ran.output[-3000:]
    # the short summary still says the assertion, as pytest's own does (under xdist too)
    assert "test_key_matches - AssertionError" in ran.output, ran.output[-3000:]
    assert _leaks(_forms({"KEY": key}), {"console": ran.output}, [tmp_path], inputs=set()) == []
    line = project.run("--env", "local", "tests", "--tb=line", *workers)
    assert "test_smoke.py:11: AssertionError" in line.output and "_CrashLine" not in line.output, line.output[-3000:]


TEAM_MODULES = {
    "module-skip": "import os, pytest\npytest.skip(f\"no sandbox for {os.environ['SHOP_API_KEY']}\","
                   " allow_module_level=True)\n\ndef test_a():\n    pass\n",
    "exit": "import os, pytest\n\ndef test_a():\n    pytest.exit(f\"stopping: {os.environ['SHOP_API_KEY']} revoked\")\n",
    "interrupt": "import os\n\ndef test_a():\n    raise KeyboardInterrupt(f\"key {os.environ['SHOP_API_KEY']}\")\n",
    "parametrize-id": "import os, pytest\n\n@pytest.mark.parametrize('key', [os.environ['SHOP_API_KEY']])\n"
                      "def test_a(key):\n    assert key\n",
}


def test_the_secrets_no_node_id_may_hold_are_read_once_a_run(monkeypatch):
    """A fleet's run has a collector per checklist and a password per database: the whole secrets a node id may not
    hold are read from the environment once a run (read for each collector, 200 checklists parsed 40,000 URLs),
    and each collector's ids are still looked at, each id as written and as parametrize escapes it."""
    from opsverify import plugin
    from opsverify import secrets as secret_rules

    read = []
    real = secret_rules.database_passwords
    monkeypatch.setattr(secret_rules, "database_passwords", lambda url: read.append(url) or real(url))
    systems = {f"db{i}": SimpleNamespace(secrets={}, database=f"postgresql://checker:Pw{i}x9secret@db{i}.internal/app")
               for i in range(3)}
    env = SimpleNamespace(secret_values=("Kq7tokenvalue",), model=SimpleNamespace(systems=systems))
    state = SimpleNamespace(env=env, whole_secrets=None, run=SimpleNamespace(redactor=SimpleNamespace(
        text=lambda text: text.replace("Pw1x9secret", "•••").replace("Kq7tokenvalue", "•••"))))

    def collected(*ids: str) -> SimpleNamespace:
        return SimpleNamespace(result=[SimpleNamespace(nodeid=nodeid) for nodeid in ids])

    assert plugin._leaking_node(collected("tests/test_a.py::test_one", "tests/test_a.py::test_two"), state) is None
    assert plugin._leaking_node(collected("tests/test_b.py::test_x", "tests/test_b.py::test_y[Pw1x9secret]"),
                                state) == "tests/test_b.py::test_y[•••]"
    assert plugin._leaking_node(collected("tests/test_c.py::test_z[Kq7tokenvalue-1]"), state) == (
        "tests/test_c.py::test_z[•••-1]")
    assert plugin._leaking_node(collected(), state) is None
    assert sorted(read) == sorted(system.database for system in systems.values()), read  # once each


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("kind", list(TEAM_MODULES))
def test_what_pytest_prints_of_a_team_module_stays_masked(tmp_path, kind, workers):
    """A module's own skip reason, pytest.exit's and a KeyboardInterrupt's words are printed by pytest outside any
    test report; a parametrize id holding the secret is every line's node id (and .pytest_cache's): the first three
    are masked, the last refused before any test runs (exit 20), as a checklist item's id holding one is."""
    key = f"Kq7{random.token_hex(10)}"
    project = _team_project(tmp_path, {"SHOP_API_KEY": key})
    (tmp_path / "tests" / "test_team.py").write_text(TEAM_MODULES[kind])
    ran = project.run("--env", "local", "tests", "-v", "-rA", *workers, cache=True)
    if kind == "parametrize-id":
        assert ran.code == exitcodes.BAD_CONFIG and "a team test's id holds a secret" in ran.output, ran.output[-3000:]
    assert _leaks(_forms({"KEY": key}), {"console": ran.output}, [tmp_path], inputs=set()) == []


def test_a_team_test_whose_worker_dies_fails_as_pytest_xdist_says(tmp_path):
    """A team's own test that kills its xdist worker fails (exit 1), as with pytest-xdist alone: it had been made an
    error ("could not look: the worker running it stopped", exit 10), as a checklist item is."""
    project = Project(tmp_path, {})
    project.checklist("vault", """
    - {id: M1, name: by-hand, section: S, title: looked at by hand, family: manual, reason: a person looks}
    """)
    project.environment("""
    systems: {vault: {}}
    """)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_team.py").write_text("import os\n\ndef test_ok():\n    pass\n\n"
                                                     "def test_crash():\n    os._exit(1)\n")
    ran = project.run("--env", "local", "tests", "-n", "2", "-rA")
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    assert "FAILED tests/test_team.py::test_crash" in ran.output and "could not look" not in ran.output, ran.output


def test_a_log_record_keeps_its_exception_for_its_readers_its_text_masked():
    """The filter had dropped a record's exc_info (its masked text kept): a team test reading
    caplog.records[0].exc_info after logger.exception() failed under opsverify alone."""
    import logging

    from opsverify.plugin import RedactingFilter
    from opsverify.secrets import Redactor

    key = f"Kq7{random.token_hex(10)}"
    redactor = Redactor()
    redactor.add(key)
    try:
        raise RuntimeError(f"refused {key}")
    except RuntimeError:
        record = logging.LogRecord("team", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactingFilter(redactor).filter(record)
    assert record.exc_info is not None
    written = logging.Formatter().format(record)
    assert "refused" in written and key not in written, written


def test_a_location_holding_a_quote_is_learned_from_httpcores_record_too():
    """httpcore writes a header value holding `'` as b"…": the Location was not learned, its password shown."""
    import logging

    from opsverify.plugin import RedactingFilter
    from opsverify.secrets import Redactor

    password = f"Pw'{random.token_hex(8)}"
    headers = [(b"Location", f"https://robot:{password}@sso.example/cb".encode())]
    record = logging.LogRecord("httpcore.http11", logging.DEBUG, __file__, 1, "complete return_value=%r",
                               ((b"HTTP/1.1", 302, b"Found", headers),), None)
    assert 'b"https://robot:' in record.getMessage()
    RedactingFilter(Redactor()).filter(record)
    assert password not in record.getMessage() and password[3:] not in record.getMessage(), record.getMessage()


def _handlers_sharing_the_filter(logger, redacting, count: int) -> list:
    """`count` handlers writing `logger`'s records, each with the one filter: as the run adds it to pytest's
    caplog, report, log file and live log handlers."""
    import io
    import logging

    streams = []
    for _ in range(count):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(redacting)
        logger.addHandler(handler)
        streams.append(stream)
    return streams


def test_a_record_passing_several_handlers_is_learned_from_once_as_logged():
    """The one filter sits on every pytest log handler, and a record passes it once per handler: the second pass read
    httpcore's record already masked and learned the mask of a redirect's Location as a secret, after which every
    mask was masked again ("[redacted part of[redacted part of hmac:…]…]") and no fingerprint matched its secret."""
    import logging

    from opsverify.plugin import RedactingFilter
    from opsverify.secrets import MASK, Redactor, fingerprint

    secret = f"Zq{random.token_hex(12)}"
    redactor = Redactor()
    redactor.add_declared(secret)
    offered = []  # what the filter offers the redactor to learn
    learn = redactor.add
    redactor.add = lambda value, **how: offered.append(value) or learn(value, **how)
    logger = logging.getLogger(f"httpcore.http11.{random.token_hex(4)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    streams = _handlers_sharing_the_filter(logger, RedactingFilter(redactor), 3)
    try:
        logger.debug("receive_response_headers.complete return_value=%r",
                     (b"HTTP/1.1", 302, b"Found", [(b"location", f"/next?sig={secret}".encode())]))
    finally:
        logger.handlers.clear()
    written = [stream.getvalue() for stream in streams]
    assert len(set(written)) == 1 and secret not in written[0], written  # each handler writes the same, masked
    assert offered == [f"/next?sig={secret}"], f"expected the Location offered once as logged, saw {len(offered)} " \
        f"offers, masked: {[value for value in offered if secret not in value]}"
    learned_masks = [value for value, _ in redactor.known() if MASK.search(value)]
    assert learned_masks == [], f"masks learned as secrets: {learned_masks}"
    mask = f"[redacted {fingerprint(secret)}]"
    shown = redactor.text(f"error: the key {secret} was refused")
    assert shown == f"error: the key {mask} was refused", f"expected the secret's own mask {mask}, saw: {shown}"
    assert redactor.text(shown) == shown, f"a mask was masked again: {redactor.text(shown)}"


def test_a_record_cleaned_for_one_handler_is_cleaned_again_for_the_next_once_a_secret_is_learned():
    """A record passes the filter once per handler: passed over where nothing was learned since its last pass, and
    cleaned again where a secret was (another thread learned it between two handlers)."""
    import logging

    from opsverify.plugin import RedactingFilter
    from opsverify.secrets import Redactor, fingerprint

    key = f"Kq7{random.token_hex(10)}"
    redactor = Redactor()
    redactor.add_declared(f"Other{random.token_hex(10)}")
    redacting = RedactingFilter(redactor)
    record = logging.LogRecord("team", logging.INFO, __file__, 1, "sent %s", (key,), None)
    redacting.filter(record)
    assert record.getMessage() == f"sent {key}"  # not a secret yet
    redactor.add_declared(key)
    redacting.filter(record)
    assert record.getMessage() == f"sent [redacted {fingerprint(key)}]", "expected the key masked on the next " \
        "handler's pass, once learned"


def test_a_redirects_secret_logged_at_debug_to_every_handler_shows_masked_once_with_its_own_fingerprint(
        tmp_path, monkeypatch):
    """A run logging at DEBUG to caplog, the report, a log file and the live log, against a redirect whose Location
    holds a declared secret: every output showed nested masks of masks, its fingerprint no longer the secret's."""
    import base64

    from opsverify import secrets as secret_rules
    from opsverify.secrets import MASK, fingerprint, use_fingerprint_key

    secret = f"cAnaryCronZq{random.token_hex(7)}"
    signing_key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setattr(secret_rules, "_fingerprint_key", secret_rules._fingerprint_key)  # restored afterwards
    use_fingerprint_key({"OPSVERIFY_SIGNING_KEY": signing_key})  # the run's key: its fingerprints, computed here
    mask = f"[redacted {fingerprint(secret)}]"
    refused = f"error: the key {secret} was refused".encode()
    replies = {("GET", "/r"): raw_reply(302, location=f"/next?sig={secret}"),
               ("GET", "/b"): raw_reply(500, refused, content_type="text/plain")}
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "CRON_SECRET": secret})
        project.checklist("vault", """
        - {id: R1, name: redirect, section: Web, title: redirects, family: http, cadence: postdeploy,
           params: {service: web, path: /r, status: 200}}
        - {id: B1, name: body, section: Web, title: echoes the key, family: http, cadence: postdeploy,
           params: {service: web, path: /b, status: 200}}
        """)
        project.environment("""
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}"}}, secrets: {CRON_SECRET: "${CRON_SECRET}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "--log-level=DEBUG", "-o", "log_cli=true",
                          "-o", "log_cli_level=DEBUG", "-o", "junit_logging=all", "--junitxml=junit.xml",
                          "-o", "log_file=run.log", "--log-file-level=DEBUG",
                          env={"OPSVERIFY_SIGNING_KEY": signing_key})
    assert ran.statuses() == {"R1-redirect": "failed", "B1-body": "failed"}, ran.output[-3000:]
    rows = ran.rows()
    echoed = rows["B1-body"]["evidence"]["body_start"]
    assert echoed == f"error: the key {mask} was refused", f"B1-body: expected the secret's own mask {mask}, " \
        f"saw: {echoed}"
    location = rows["R1-redirect"]["evidence"]["location"]  # the Location, learned whole as the reply came
    assert MASK.fullmatch(location), f"R1-redirect: expected its Location shown as one mask, saw: {location}"
    assert location in rows["R1-redirect"]["message"], f"R1-redirect: expected {location} in its message, saw: " + (
        rows["R1-redirect"]["message"])
    outputs = {"console": ran.output, "results.json": (ran.archive() / "results.json").read_text(),
               "junit.xml": (tmp_path / "junit.xml").read_text(), "run.log": (tmp_path / "run.log").read_text()}
    for where, text in outputs.items():
        assert secret not in text, f"{where}: the secret itself is shown"
        whole, opened = len(MASK.findall(text)), text.count("[redacted")
        assert opened == whole, f"{where}: {opened - whole} of {opened} masks are broken or nested (expected none)"
    assert f"(b'location', b'{location}')" in outputs["run.log"], f"run.log: expected httpcore's record of the " \
        f"Location masked as {location}, saw: {outputs['run.log'][-2000:]}"


@pytest.mark.parametrize("where", ["waiver-item", "checklist-key", "waiver-item-of-a-dotenv"])
def test_a_refused_input_quoting_a_declared_secret_is_masked(tmp_path, where):
    """A waivers or checklist file is refused before the environment loads, quoting what it holds: a waiver whose
    item is a declared secret's value, a checklist key spelled as one, printed it raw with exit 20."""
    key = f"Kq7{random.token_hex(10)}"
    project = Project(tmp_path, {"SHOP_API_KEY": key})
    extra = f', "{key}": 1' if where == "checklist-key" else ""
    project.checklist("vault", f"""
    - {{id: M1, name: by-hand, section: S, title: looked at by hand, family: manual, reason: a person looks{extra}}}
    """)
    project.environment("""
    systems: {vault: {secrets: {API_KEY: "${SHOP_API_KEY}"}}}
    """)
    if where == "waiver-item-of-a-dotenv":  # a service's env source, named as written; another system unset
        (tmp_path / "web.env").write_text(f"STRIPE_SECRET_KEY=sk_live_{key}\n")
        key = f"sk_live_{key}"
        project.environment(f"""
        systems: {{vault: {{secrets: {{API_KEY: "${{SHOP_API_KEY}}"}}, services: {{web: {{url: "http://127.0.0.1:9",
                  env: {{dotenv: "{tmp_path / 'web.env'}"}}}}}}}}, other: {{secrets: {{K: "${{UNSET_OTHER_KEY}}"}}}}}}
        """)
    if where.startswith("waiver-item"):
        (tmp_path / "waivers").mkdir()
        (tmp_path / "waivers" / "local.yaml").write_text(
            f"waivers:\n  - {{item: '{key}', reason: r, approver: a, ticket: T-1, expires: 2099-12-31}}\n")
    ran = project.run("--env", "local")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert _leaks(_forms({"KEY": key}), {"console": ran.output}, [tmp_path], inputs={tmp_path / "waivers" /
                  "local.yaml", tmp_path / "checklists" / "vault.yaml", tmp_path / "web.env"}) == []


@pytest.mark.parametrize("value", ["db-prod-01.internal", "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                                   "v1.24.3-rc.2+build.20261205"])
def test_a_team_test_id_holding_no_whole_secret_runs(tmp_path, value):
    """Only a node id holding a whole secret is refused: one holding a host the database's key=value string names, a
    UUID or a version the env source holds (values the redactor masks as they look secret, or as pieces of one) had
    stopped a team's suite with exit 20."""
    project = Project(tmp_path, {"SHOP_DSN": "host=db-prod-01.internal port=5432 dbname=shop user=checker "
                                             f"password=Pw{random.token_hex(8)}"})
    (tmp_path / "web.env").write_text(f"SERVICE_DNS=api-prod-01.eu-west-1.internal\nTENANT_ID={value}\n")
    project.checklist("vault", """
    - {id: E1, name: dns, section: S, title: the DNS name is set, family: env, cadence: postdeploy,
       params: {service: web, required: [SERVICE_DNS]}}
    """)
    project.environment(f"""
    systems: {{vault: {{database: "${{SHOP_DSN}}", services: {{web: {{url: "http://127.0.0.1:9",
              env: {{dotenv: "{tmp_path / 'web.env'}"}}}}}}}}}}
    """)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_team.py").write_text(
        f"import pytest\n\n@pytest.mark.parametrize('v', [{value!r}])\ndef test_a(v):\n    assert v\n")
    ran = project.run("--env", "local", "tests", "checklists", "-m", "postdeploy or not postdeploy")
    assert ran.code == exitcodes.OK and "2 passed" in ran.output, ran.output[-3000:]


def test_a_warning_class_whose_own_text_quotes_a_secret_is_masked(tmp_path):
    """A Warning subclass building its text in __str__ said the secret whatever it was rebuilt with."""
    key = f"Kq7{random.token_hex(10)}"
    project = _team_project(tmp_path, {"SHOP_API_KEY": key})
    (tmp_path / "tests" / "test_warn.py").write_text(
        "import os, warnings\n\nKEY = os.environ['SHOP_API_KEY']\n\n\nclass KeyExpiring(Warning):\n"
        "    def __str__(self):\n        return f'key {KEY} expires soon'\n\n\n"
        "def test_a():\n    warnings.warn(KeyExpiring())\n")
    ran = project.run("--env", "local", "tests")
    assert "KeyExpiring" in ran.output, ran.output[-3000:]
    assert _leaks(_forms({"KEY": key}), {"console": ran.output}, [tmp_path], inputs=set()) == []


def test_a_cron_secrets_near_miss_echoed_back_stays_out(tmp_path):
    """A cron item sends its secret with its next-to-last character changed, without its last one to eight characters
    (as is, and with one more changed) and without its first eight (as is, and so changed): each all of the
    secret but a few characters. Endpoints echo the header
    they got into their answer's body and headers — one refusing it, one taking it (it compares the token's length
    only), and the job run with the secret itself: neither the secret nor its near miss nor its cuts are in the
    console or any file the run wrote (archive, Allure results, junit, log file)."""
    from http.server import BaseHTTPRequestHandler

    from opsverify.families.cron import (CUT_AT_START, CUT_AT_START_CHANGED, CUT_SHORT, CUT_SHORT_CHANGED, NEAR_MISS,
                                         cut_at_start, cut_short, changed_inside, near_miss)

    from .kit import handler_server

    canary = f"canarycron{random.token_hex(10)}"
    almost = near_miss(canary)

    class Echoes(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            given = self.headers.get("authorization", "")
            token = given.removeprefix("Bearer ")
            takes = token == canary or (self.path == "/length-only" and len(token) == len(canary))
            body = json.dumps({"ran": takes, "authorization": given, "token": token}).encode()
            self.send_response(200 if takes else 401)
            self.send_header("content-type", "application/json")
            self.send_header("x-echo", given)
            self.send_header("www-authenticate", f'Bearer error="invalid_token", token="{token}"')
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with handler_server(Echoes) as url:
        project = Project(tmp_path, {"WEB_URL": url, "CRON_SECRET": canary})
        project.checklist("vault", """
        - {id: C1, name: refuses, section: Cron, title: a job that checks its whole secret, family: cron,
           cadence: postdeploy, params: {service: web, path: /exact, secret: CRON_SECRET}}
        - {id: C2, name: length, section: Cron, title: a job that checks its secret's length only, family: cron,
           cadence: postdeploy, params: {service: web, path: /length-only, secret: CRON_SECRET}}
        - {id: C3, name: runs, section: Cron, title: the job runs with its secret, family: cron, cadence: postdeploy,
           mutating: true, params: {service: web, path: /exact, secret: CRON_SECRET, with_secret: true,
           json: {ran: false}}}
        """)
        project.environment("""
        allow_mutating: true
        timeouts: {connect_s: 2, http_s: 3}
        systems: {vault: {services: {web: {url: "${WEB_URL}"}}, secrets: {CRON_SECRET: "${CRON_SECRET}"}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "--log-level=DEBUG", "-o", "log_cli=true",
                          "-o", "log_cli_level=DEBUG", "-o", "junit_logging=all", "--junitxml=junit.xml",
                          "-o", "log_file=run.log", "--log-file-level=DEBUG", "--alluredir=allure",
                          every_plugin=True)
    assert ran.statuses() == {"C1-refuses": "passed", "C2-length": "failed", "C3-runs": "failed"}, ran.output[-3000:]
    rows = ran.rows()
    assert f"{NEAR_MISS}: accepted with 200: the endpoint compares only part of CRON_SECRET" in rows["C2-length"][
        "message"], rows["C2-length"]
    for how in (NEAR_MISS, CUT_SHORT, CUT_SHORT_CHANGED, CUT_AT_START, CUT_AT_START_CHANGED):
        echoed = json.dumps(rows["C1-refuses"]["evidence"][how])  # it was sent, and its echo masked
        assert '"authorization": "Bearer [redacted' in echoed.replace('\\"', '"'), echoed
    assert any((tmp_path / "allure").iterdir())  # the Allure results were written, and searched
    assert _leaks(_forms({"CRON": canary, "NEAR": almost, "CUT": cut_short(canary),
                          "NEARCUT": changed_inside(cut_short(canary), canary, at_end=True), "ENDING": cut_at_start(canary),
                          "NEARENDING": changed_inside(cut_at_start(canary), canary, at_end=False)}),
                  {"console": ran.output}, [tmp_path], inputs=set()) == []


def _echoing_jobs(tmp_path, shown: dict[str, tuple[str, str]], secrets: dict[str, str], *options: str):
    """A cron job at each path of `shown` that, given its secret (the variable named beside the path) as a bearer
    token, runs and echoes it in the form beside it into its JSON answer (its `ran` not the false each item asks: the
    item fails, quoting the reply); run with `options`, every plugin on."""
    from http.server import BaseHTTPRequestHandler

    from .kit import handler_server

    class Formats(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            variable, form = shown[self.path]
            takes = self.headers.get("authorization", "") == f"Bearer {secrets[variable]}"
            body = json.dumps({"ran": takes, "token": form if takes else None}).encode()
            self.send_response(200 if takes else 401)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with handler_server(Formats) as url:
        project = Project(tmp_path, {"WEB_URL": url, **secrets})
        project.checklist("vault", "".join(f"""
        - {{id: C{i}, name: {path[1:]}, section: Cron, title: the job echoes its secret {path[1:]}, family: cron,
           cadence: postdeploy, mutating: true,
           params: {{service: web, path: {path}, secret: {variable}, with_secret: true, json: {{ran: false}}}}}}
        """ for i, (path, (variable, _)) in enumerate(shown.items(), 1)))
        held = ", ".join(f'{variable}: "${{{variable}}}"' for variable in secrets)
        project.environment(f"""
        allow_mutating: true
        timeouts: {{connect_s: 5, http_s: 10}}  # (a loaded machine answers slowly: no verdict hinges on it)
        systems: {{vault: {{services: {{web: {{url: "${{WEB_URL}}"}}}}, secrets: {{{held}}}}}}}
        """)
        return project.run("-m", "postdeploy", "--env", "local", *options, every_plugin=True)


def test_a_cron_secret_echoed_formatted_for_display_stays_out(tmp_path):
    """A job echoes the secret it was given formatted for reading — in groups of four joined by `-` (`Kq7v-R2mX-…`),
    each character spaced, in pairs joined by `:` — into its JSON answer: neither form, nor a piece of one, is in the
    console or any file the run wrote (the archive's results.json, the Allure results, junit, the log file)."""
    canary = f"Kq7vR2mX{random.token_hex(12)}"
    shown = {"/dashed": "-".join(canary[i:i + 4] for i in range(0, len(canary), 4)), "/spaced": " ".join(canary),
             "/paired": ":".join(canary[i:i + 2] for i in range(0, len(canary), 2))}
    ran = _echoing_jobs(tmp_path, {path: ("CRON_SECRET", form) for path, form in shown.items()},
                        {"CRON_SECRET": canary}, "-rA", "--log-level=DEBUG", "-o", "log_cli=true",
                        "-o", "log_cli_level=DEBUG", "-o", "junit_logging=all", "--junitxml=junit.xml",
                        "-o", "log_file=run.log", "--log-file-level=DEBUG", "--alluredir=allure")
    # each job ran (200), its answer's `ran` not the false asked: failed, its reply quoted in the evidence
    assert ran.statuses() == {"C1-dashed": "failed", "C2-spaced": "failed", "C3-paired": "failed"}, ran.output[-3000:]
    assert any((tmp_path / "allure").iterdir())  # the Allure results were written, and searched
    forms = _forms({"CRON": canary})
    for path, form in shown.items():
        forms |= {f"CRON {path[1:]}": form, f"CRON {path[1:]}, its first third": form[:len(form) // 3]}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


def test_secrets_echoed_with_other_separators_or_hex_regrouped_stay_out(tmp_path):
    """A job echoes its token with a separator other than the six a page uses most — JavaScript's `[...token] + ''`
    (`K,q,7,…`), groups joined by `,` or `|`, Python's `print(list(token))` — and a UUID key as its hex bytes
    upper-cased (`3F 25 04 E0 …`) or the last half of its four 8-digit groups: no form, nor a piece of one, is in the
    console or any file the run wrote."""
    canary, key = f"Kq7vR2mX{random.token_hex(12)}", str(uuid.uuid4())
    while key[-8:].isdigit():  # a last group of digits alone is not found regrouped (read as a number; left, known):
        key = str(uuid.uuid4())  # about one UUID in 20 made this test fail at random
    digits = key.replace("-", "")
    shown = {"/chars": ("CRON_SECRET", ",".join(canary)),
             "/comma": ("CRON_SECRET", ",".join(canary[i:i + 4] for i in range(0, len(canary), 4))),
             "/pipe": ("CRON_SECRET", "|".join(canary[i:i + 4] for i in range(0, len(canary), 4))),
             "/pylist": ("CRON_SECRET", str(list(canary))),
             "/pairs": ("HEROKU_API_KEY", " ".join(digits[i:i + 2] for i in range(0, 32, 2)).upper()),
             "/eights": ("HEROKU_API_KEY", " ".join(digits[i:i + 8] for i in range(0, 32, 8))[-17:])}
    ran = _echoing_jobs(tmp_path, shown, {"CRON_SECRET": canary, "HEROKU_API_KEY": key}, "-rA",
                        "-o", "junit_logging=all", "--junitxml=junit.xml", "--alluredir=allure")
    # each job ran (200), its answer's `ran` not the false asked: failed, its reply quoted in the evidence
    assert set(ran.statuses().values()) == {"failed"} and len(ran.statuses()) == len(shown), ran.output[-3000:]
    assert any((tmp_path / "allure").iterdir())  # the Allure results were written, and searched
    forms = _forms({"CRON": canary, "HEROKU": key})
    for path, (_, form) in shown.items():
        forms[path[1:]] = form
        if len(form) // 3 >= 10:  # (a shorter piece of hex may be in a random file name by chance)
            forms |= {f"{path[1:]}, its first third": form[:len(form) // 3],
                      f"{path[1:]}, its last third": form[-(len(form) // 3):]}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_team_test_holding_the_runners_environment_shows_no_secret_of_it(tmp_path, tmp_path_factory, workers):
    """A team test that hands a subprocess `dict(os.environ)` and fails under -vv --showlocals prints the runner's
    whole environment: the run's fingerprint and sharing keys (handed to xdist workers there) and a CI job's
    GITHUB_TOKEN and AWS_SECRET_ACCESS_KEY, which no environment file cites, were shown raw. Masked on the console
    and in every file of the project; a plain setting stays readable."""
    token, aws = f"ghs_{random.token_hex(18)}", f"wJalr{random.token_hex(16)}/K7MDENG"
    keys_file = tmp_path_factory.mktemp("keys") / "keys.json"  # the run's keys, as the team test saw them
    project = _team_project(tmp_path, {"SHOP_API_KEY": f"Kq7{random.token_hex(10)}", "GITHUB_TOKEN": token,
                                       "AWS_SECRET_ACCESS_KEY": aws, "SESSION_DRIVER": "database",
                                       "KEYS_FILE": str(keys_file)})
    (tmp_path / "tests" / "test_tool.py").write_text(
        "import json, os, subprocess, sys\n\n\n"
        "def test_tool_runs():\n"
        "    env = dict(os.environ)  # the usual way to hand a subprocess the environment\n"
        "    with open(env['KEYS_FILE'], 'w') as keys:\n"
        "        json.dump({name: env.get(name, '') for name in ('OPSVERIFY_FINGERPRINT_KEY',"
        " 'OPSVERIFY_SHARING_KEY')}, keys)\n"
        "    assert subprocess.run([sys.executable, '-c', 'raise SystemExit(3)'], env=env).returncode == 0\n")
    ran = project.run("--env", "local", "tests", "-vv", "--showlocals", *workers)
    assert "test_tool_runs" in ran.output and "FAILED" in ran.output, ran.output[-3000:]
    keys = json.loads(keys_file.read_text())
    assert all(len(value) == 64 for value in keys.values()), keys
    assert "'SESSION_DRIVER': 'database'" in ran.output, ran.output[-3000:]
    assert _leaks(_forms({**keys, "GITHUB_TOKEN": token, "AWS_SECRET_ACCESS_KEY": aws}), {"console": ran.output},
                  [tmp_path], inputs=set()) == []


def test_a_team_test_holding_the_runners_credential_variables_shows_none_of_them(tmp_path):
    """A failing team test's dump of os.environ printed what a CI runner holds under names that are no secret words:
    Jenkins' X_CREDS=user:password and X_CREDS_PSW, a Docker Hub token, .NET's ConnectionStrings__… and a libpq
    key=value connection string's password, a kubeconfig in base64, a netrc, a Docker config. Masked on the console
    and in every file; a token's scope (read:metrics) stays readable."""
    password, pat = f"Meadow{random.token_hex(6)}", f"dckr_pat_{random.token_hex(14)}"
    dotnet, libpq, kube_token = f"Sky{random.token_hex(6)}", f"bird{random.token_hex(6)}", random.token_hex(12)
    netrc, docker = f"{uuid.uuid4()}", f"Reg{random.token_hex(8)}"
    auth = base64.b64encode(f"ci-bot:{docker}".encode()).decode()
    kubeconfig = base64.b64encode(f"apiVersion: v1\nclusters: []\nusers:\n- name: ci\n  user:\n    token: {kube_token}\n"
                                  .encode()).decode()
    project = _team_project(tmp_path, {
        "SHOP_API_KEY": f"Kq7{random.token_hex(10)}", "BITBUCKET_CREDS": f"jenkins-bot:{password}",
        "BITBUCKET_CREDS_USR": "jenkins-bot", "BITBUCKET_CREDS_PSW": password, "DOCKERHUB_CREDS": f"acme:{pat}",
        "ConnectionStrings__DefaultConnection": f"Server=db.internal;Database=shop;User ID=app;Password={dotnet}",
        "DATABASE_CONNECTION": f"host=db.internal user=app password={libpq} dbname=shop", "KUBE_CONFIG_DATA": kubeconfig,
        "NETRC": f"machine api.heroku.com login me@acme.io password {netrc}",
        "DOCKER_CONFIG_JSON": '{"auths": {"ghcr.io": {"auth": "%s"}}}' % auth, "GITHUB_TOKEN_SCOPE": "read:metrics"})
    (tmp_path / "tests" / "test_tool.py").write_text(
        "import os\n\n\ndef test_tool_runs():\n    env = dict(os.environ)\n    print('environment:', env)\n"
        "    assert env.get('NOT_SET') == 'x', env\n")
    ran = project.run("--env", "local", "tests", "-vv", "--showlocals", "-rA")
    assert "test_tool_runs" in ran.output and "FAILED" in ran.output, ran.output[-3000:]
    assert "'GITHUB_TOKEN_SCOPE': 'read:metrics'" in ran.output, ran.output[-3000:]
    planted = {"CREDS_PSW": password, "DOCKERHUB": pat, "DOTNET": dotnet, "LIBPQ": libpq, "KUBE_TOKEN": kube_token,
               "KUBECONFIG": kubeconfig, "NETRC": netrc, "DOCKER_AUTH": auth, "DOCKER_PASSWORD": docker}
    assert _leaks(_forms(planted), {"console": ran.output}, [tmp_path], inputs=set()) == []
