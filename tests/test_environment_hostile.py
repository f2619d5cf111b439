"""Environment files written to mislead: a port 0 (which clients read as "no port", so another server — the
default port's — would be checked and pass), several problems at once (each said in one go, not one per run), a
setting that must be true or false given as a word or a number, and a run that is allowed to make targets do work
(said on the console as it starts, and recorded in the archive's manifest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trustme

from opsverify.environment import load_environment
from opsverify.errors import ConfigError

from .kit import route_server
from .project import Project


def _refused(tmp_path: Path, body: str) -> str:
    (tmp_path / "local.yaml").write_text(f"name: local\n{body}", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.exit_code == 20, raised.value.message
    return raised.value.message


# -- port 0 is no port: refused, as 99999 is ------------------------------------------------------------------------
@pytest.mark.parametrize("field, body", [
    ("endpoints.clamd", "systems: {shop: {endpoints: {clamd: '127.0.0.1:{port}'}}}\n"),
    ("endpoints.clamd", "systems: {shop: {endpoints: {clamd: '[::1]:{port}'}}}\n"),
    ("endpoints.smtp", "systems: {shop: {endpoints: {smtp: 'smtp://127.0.0.1:{port}'}}}\n"),
    ("endpoints.redis", "systems: {shop: {endpoints: {redis: 'redis://127.0.0.1:{port}/0'}}}\n"),
    ("services.web.url", "systems: {shop: {services: {web: {url: 'https://localhost:{port}'}}}}\n"),
])
@pytest.mark.parametrize("port", [0, 99999])
def test_a_port_out_of_range_is_refused_at_load_also_0(tmp_path, field, body, port):
    message = _refused(tmp_path, body.replace("{port}", str(port)))
    assert message == f"{tmp_path / 'local.yaml'}: systems.shop.{field}: port {port} is out of range 1–65535"


@pytest.mark.parametrize("address", ["127.0.0.1:3310", "[::1]:25", "clamd.internal:3310", "redis:2525", "127.0.0.1"])
def test_a_host_port_endpoint_in_range_loads(tmp_path, address):
    (tmp_path / "local.yaml").write_text(f"name: local\nsystems: {{shop: {{endpoints: {{clamd: '{address}'}}}}}}\n",
                                         encoding="utf-8")
    assert load_environment(tmp_path, "local").model.systems["shop"].endpoints["clamd"] == address


# -- a blank around an address, a '[' no parser reads: refused at load, not an internal error of every item -------
_BLANK = ("a blank (a space, a tab, a no-break space …) at its start or end, which the client would read as part of "
          "the address (a port '6379 ' is no number): remove it")


@pytest.mark.parametrize("field, body, value", [
    ("endpoints.queue", "systems: {shop: {endpoints: {queue: '${QUEUE_URL}'}}}\n",
     "redis://:pw-Secret99@127.0.0.1:6379 "),
    ("endpoints.queue", "systems: {shop: {endpoints: {queue: '${QUEUE_URL}'}}}\n",
     "redis://:pw-Secret99@127.0.0.1:6379/0\u00a0"),
    ("endpoints.queue", "systems: {shop: {endpoints: {queue: '${QUEUE_URL}'}}}\n",
     "\u3000redis://:pw-Secret99@127.0.0.1:6379"),
    ("endpoints.clamd", "systems: {shop: {endpoints: {clamd: '${QUEUE_URL}'}}}\n", "127.0.0.1:3310 "),
    ("services.web.url", "systems: {shop: {services: {web: {url: '${QUEUE_URL}'}}}}\n",
     " https://ops:pw-Secret99@localhost:8443"),
    ("providers.github.base_url", "systems: {shop: {providers: {github: {base_url: '${QUEUE_URL}'}}}}\n",
     "https://api.github.com\u00a0"),
])
def test_a_blank_around_an_address_is_refused_at_load_naming_its_variable(tmp_path, monkeypatch, field, body, value):
    """`REDIS_URL="redis://:pw@host:6379 "`: the load-time checks read the value stripped, the client read it as
    written (a port '6379 '), and every redis item of the system, on good endpoints too, ended "internal error
    while gathering". One line, naming where and the variable, never the value."""
    monkeypatch.setenv("QUEUE_URL", value)
    message = _refused(tmp_path, body)
    assert message == f"{tmp_path / 'local.yaml'}: systems.shop.{field}: {_BLANK} (it is set from ${{QUEUE_URL}})", \
        message


def test_a_blank_written_in_the_file_around_an_address_is_refused_at_load(tmp_path):
    message = _refused(tmp_path, "systems: {shop: {endpoints: {clamd: '127.0.0.1:3310\u3000'}}}\n")
    assert message == f"{tmp_path / 'local.yaml'}: systems.shop.endpoints.clamd: {_BLANK}", message


@pytest.mark.parametrize("address", ["[::1:3310", "::1]:3310", "[clamav]:3310", "clamav\uff1a3310", "[::1"])
def test_a_host_port_endpoint_no_parser_reads_is_refused_at_load(tmp_path, address):
    """`[::1:3310` (an unclosed '[', no scheme) loaded, then urlsplit raised in the tcp family: every tcp item of
    the system, a healthy one beside it too, ended "internal error while gathering"."""
    message = _refused(tmp_path, f"systems: {{shop: {{endpoints: {{clamd: '{address}'}}}}}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: systems.shop.endpoints.clamd: not an address a client can read: "
                       "write host:port, or an IPv6 address as [::1]:3310"), message


# -- every problem of the file at once -------------------------------------------------------------------------------
def test_every_ca_bundle_and_address_problem_is_said_at_once(tmp_path):
    """Two bad CA bundles and a bad port in two systems: one run says all four, not one per run."""
    (tmp_path / "empty.pem").write_text("hello\n")
    body = (f"systems:\n"
            f"  lab:\n"
            f"    services:\n"
            f"      a: {{url: 'https://localhost:1234', ca_bundle: '{tmp_path / 'missing.pem'}'}}\n"
            f"      b: {{url: 'https://localhost:1235', ca_bundle: '{tmp_path}'}}\n"
            f"    endpoints: {{clamd: '127.0.0.1:0'}}\n"
            f"  shop:\n"
            f"    database: 'postgresql://u@h:70000/db'\n"
            f"    services: {{c: {{url: 'https://localhost:1236', ca_bundle: '{tmp_path / 'empty.pem'}'}}}}\n")
    message = _refused(tmp_path, body)
    where = tmp_path / "local.yaml"
    assert message.splitlines() == [
        "5 environment problems:",
        f"  {where}: systems.lab.endpoints.clamd: port 0 is out of range 1–65535",
        f"  {where}: systems.shop.database: port 70000 is out of range 1–65535",
        f"  {where}: systems.lab.services.a.ca_bundle: {tmp_path / 'missing.pem'} not found; name the PEM file of "
        "the CA that signs the service's certificate",
        f"  {where}: systems.lab.services.b.ca_bundle: {tmp_path} is a folder; name the PEM file in it",
        f"  {where}: systems.shop.services.c.ca_bundle: {tmp_path / 'empty.pem'} holds no PEM certificate "
        "(-----BEGIN CERTIFICATE-----)",
    ], message


def test_one_problem_is_one_line(tmp_path):
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    body = ("systems: {lab: {services: {a: {url: 'https://localhost:1', ca_bundle: '" + str(tmp_path / "ca.pem") +
            "'}, b: {url: 'https://localhost:2', ca_bundle: '" + str(tmp_path / "nope.pem") + "'}}}}\n")
    message = _refused(tmp_path, body)
    assert "\n" not in message and message.startswith(f"{tmp_path / 'local.yaml'}: systems.lab.services.b.ca_bundle")


# -- true or false, nothing read as one -------------------------------------------------------------------------------
@pytest.mark.parametrize("key, written, kind", [
    ("allow_mutating", "'yes'", "a text ('yes'): write true, unquoted"),
    ("allow_mutating", "'on'", "a text ('on'): write true, unquoted"),
    ("allow_mutating", "1", "a number (1): write true"), ("allow_mutating", "'1'", "a text ('1'): write true"),
    ("allow_mutating", "'true'", "a text ('true'): write true, unquoted"), ("allow_mutating", "0", "a number (0): write false"),
    ("demo", "'no'", "a text ('no'): write false, unquoted"), ("demo", "'maybe'", "a text"), ("demo", "2", "a number"),
])
def test_a_switch_takes_only_true_or_false(tmp_path, key, written, kind):
    """pydantic would read "yes", "on", 1 and "1" as true: `allow_mutating: "yes"` would let a run make prod do
    work on a word that is no YAML boolean. Only true and false are taken (as YAML reads them)."""
    message = _refused(tmp_path, f"{key}: {written}\nsystems: {{}}\n")
    assert message == f"{tmp_path / 'local.yaml'}: {key}: must be true or false, not {kind}", message


def test_verify_tls_takes_only_true_or_false(tmp_path):
    message = _refused(tmp_path, "systems: {shop: {services: {web: {url: 'https://x', verify_tls: 'no'}}}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: systems.shop.services.web.verify_tls: must be true or false, "
                       "not a text ('no'): write false, unquoted"), message


@pytest.mark.parametrize("written, allowed", [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_true_and_false_are_taken(tmp_path, written, allowed):
    service = f"{{url: 'https://x', verify_tls: {written}}}"
    (tmp_path / "local.yaml").write_text(f"name: local\nallow_mutating: {written}\ndemo: {written}\n"
                                         f"systems: {{shop: {{services: {{web: {service}}}}}}}\n", encoding="utf-8")
    environment = load_environment(tmp_path, "local")
    assert environment.allow_mutating is allowed and environment.demo is allowed
    assert environment.model.systems["shop"].services["web"].verify_tls is allowed


@pytest.mark.parametrize("key", ["allow_mutating", "demo"])
@pytest.mark.parametrize("written, read", [("yes", "true"), ("on", "true"), ("Yes", "true"), ("ON", "true"),
                                           ("no", "false"), ("off", "false")])
def test_a_switch_refuses_yaml_1_1_words_unquoted(tmp_path, key, written, read):
    """YAML 1.1 (PyYAML) reads `allow_mutating: yes` and `on` as true before any check sees them: a word that is no
    boolean where true and false are expected would let a run make prod do work. Refused as written."""
    message = _refused(tmp_path, f"{key}: {written}\nsystems: {{}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: {key}: must be true or false, not {written} (which YAML 1.1 reads "
                       f"as {read}): write {read}"), message


@pytest.mark.parametrize("service", ["{url: 'https://x', verify_tls: off}",
                                     "{<<: {url: 'https://x', verify_tls: off}}"])  # merged: its keys are the service's
def test_verify_tls_refuses_yaml_1_1_words_unquoted(tmp_path, service):
    message = _refused(tmp_path, f"systems: {{shop: {{services: {{web: {service}}}}}}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: systems.shop.services.web.verify_tls: must be true or false, not "
                       "off (which YAML 1.1 reads as false): write false"), message


@pytest.mark.parametrize("written, word, read", [("!!bool \"on\"", "on", "true"), ("!!bool 'yes'", "yes", "true"),
                                                 ("!!bool 'off'", "off", "false"), ("!!bool \"No\"", "No", "false")])
def test_a_switch_refuses_a_word_tagged_as_a_boolean_in_quotes(tmp_path, written, word, read):
    """`!!bool "on"` is read as true whatever its quotes: a word that is no true or false, refused as written unquoted
    (a run would otherwise send a mutating call on a word the switches do not take)."""
    message = _refused(tmp_path, f"allow_mutating: {written}\nsystems: {{}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: allow_mutating: must be true or false, not {word} (which YAML 1.1 "
                       f"reads as {read}): write {read}"), message
    message = _refused(tmp_path, f"systems: {{shop: {{services: {{web: {{url: 'https://x', verify_tls: {written}}}}}}}}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: systems.shop.services.web.verify_tls: must be true or false, not "
                       f"{word} (which YAML 1.1 reads as {read}): write {read}"), message


@pytest.mark.parametrize("written, allowed", [("!!bool 'true'", True), ("!!bool \"FALSE\"", False),
                                              ("!!bool true", True)])
def test_true_and_false_tagged_as_booleans_are_taken(tmp_path, written, allowed):
    (tmp_path / "local.yaml").write_text(f"name: local\nallow_mutating: {written}\nsystems: {{shop: {{}}}}\n",
                                         encoding="utf-8")
    assert load_environment(tmp_path, "local").allow_mutating is allowed


@pytest.mark.parametrize("written", ["${ALLOW}", "'${ALLOW}'", "\"x${ALLOW:-true}\""])
def test_a_variable_in_a_switch_is_said_to_be_not_taken(tmp_path, monkeypatch, written):
    """The file is validated as written, before variables are read: `allow_mutating: ${ALLOW}` can never be a
    switch; said so, not "not a text" (which reads as if the variable's value were wrong)."""
    monkeypatch.setenv("ALLOW", "true")
    message = _refused(tmp_path, f"allow_mutating: {written}\nsystems: {{}}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: allow_mutating: must be true or false, not a ${{VAR}}: variables "
                       "are not read in switches (the file is validated as written): write true or false"), message


@pytest.mark.parametrize("word, read", [("yes", "true"), ("True", "a boolean"), ("2026-12-01", "a date")])
def test_a_name_yaml_reads_otherwise_says_to_quote_it(tmp_path, word, read):
    (tmp_path / f"{word}.yaml").write_text(f"name: {word}\nsystems: {{}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, word)
    assert raised.value.message == (f"{tmp_path / f'{word}.yaml'}: name: YAML reads {word} as {read}, not as text: "
                                    f"quote it: name: '{word}'"), raised.value.message


def test_a_description_yaml_reads_otherwise_says_to_quote_it(tmp_path):
    message = _refused(tmp_path, "description: off\nsystems: {}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: description: YAML reads off as false, not as text: "
                       "quote it: description: 'off'"), message


@pytest.mark.parametrize("field, value, kind", [
    ("systems.shop.endpoints.redis", "yes", "true or false"), ("systems.shop.endpoints.redis", "6379", "a number"),
    ("systems.shop.endpoints.redis", "2024-01-02", "a date"), ("description", "1.10", "a number")])
def test_other_text_yaml_reads_otherwise_says_to_quote_it(tmp_path, field, value, kind):
    body = (f"description: {value}\nsystems: {{}}\n" if field == "description"
            else f"systems: {{shop: {{endpoints: {{redis: {value}}}}}}}\n")
    message = _refused(tmp_path, body)
    assert message == (f"{tmp_path / 'local.yaml'}: {field}: must be text, not {kind} (as YAML reads the word "
                       "unquoted): quote it"), message


# -- a run allowed to make targets do work says so --------------------------------------------------------------------
def _mutating_project(root: Path, base: str, allow: bool) -> Project:
    project = Project(root, {"TARGET_URL": base})
    project.checklist("shop", """
    - {id: A1, name: up, section: Web, title: the page answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: M1, name: kick, section: Jobs, title: the job starts, family: http, cadence: postdeploy,
       mutating: true, params: {service: web, path: /do, method: POST}}
    - {id: M2, name: kick-again, section: Jobs, title: the other job starts, family: http, cadence: postdeploy,
       mutating: true, params: {service: web, path: /do, method: POST}}
    """)
    project.environment(f"allow_mutating: {str(allow).lower()}\n"
                        "systems: {shop: {services: {web: {url: '${TARGET_URL}'}}}}\n", name="prod")
    return project


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "allow_mutating" in line]


@pytest.mark.parametrize("extra", [[], ["-q"], ["-n", "2"]], ids=["plain", "quiet", "xdist"])
def test_a_run_allowed_to_mutate_says_so_once_and_records_it(tmp_path, extra):
    routes = {("GET", "/ok"): lambda *_: (200, '{"ok": true}'), ("POST", "/do"): lambda *_: (200, '{"ok": true}')}
    with route_server(routes) as base:
        project = _mutating_project(tmp_path, base, allow=True)
        ran = project.run("-m", "postdeploy", "--env", "prod", *extra, timeout=240)
    assert ran.code == 0, ran.output[-3000:]
    assert _warnings(ran.output) == [
        "opsverify: environment prod has allow_mutating: true: 2 selected mutating items will make the targets do "
        "work (their calls are sent)"], ran.output[-3000:]
    manifest = json.loads((ran.archive("prod") / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["allow_mutating"] is True


def test_a_run_not_allowed_to_mutate_says_nothing_and_records_it(tmp_path):
    routes = {("GET", "/ok"): lambda *_: (200, '{"ok": true}')}
    with route_server(routes) as base:
        ran = _mutating_project(tmp_path, base, allow=False).run("-m", "postdeploy", "--env", "prod", timeout=240)
    assert ran.code == 0, ran.output[-3000:]
    assert _warnings(ran.output) == []
    manifest = json.loads((ran.archive("prod") / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["allow_mutating"] is False


def test_no_warning_when_no_mutating_item_is_selected(tmp_path):
    routes = {("GET", "/ok"): lambda *_: (200, '{"ok": true}')}
    with route_server(routes) as base:
        ran = _mutating_project(tmp_path, base, allow=True).run("-m", "postdeploy and not mutating", "--env", "prod",
                                                                 timeout=240)
    assert ran.code == 0, ran.output[-3000:]
    assert _warnings(ran.output) == []


# -- a number is written as one ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("written, field", [
    ("timeouts: {http_s: '10'}\n", "timeouts.http_s"), ("timeouts: {statement_ms: \"5000\"}\n", "timeouts.statement_ms"),
    ("concurrency: '1_6'\n", "concurrency"), ("timeouts: {connect_s: ' 5 '}\n", "timeouts.connect_s"),
])
def test_a_number_in_quotes_is_refused(tmp_path, written, field):
    """pydantic would read the text as Python does (`'1_6'` as 16), which the file refuses unquoted; and no ${VAR}
    can give a number (the file is validated as written first), so quotes around one are a mistake."""
    message = _refused(tmp_path, f"{written}systems: {{}}\n")
    assert message == f"{tmp_path / 'local.yaml'}: {field}: is text (in quotes), not a number: write the number " \
                      "without quotes", message


def test_a_variable_where_a_number_belongs_is_said_to_give_none(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_S", "10")
    message = _refused(tmp_path, "timeouts:\n  http_s: ${HTTP_S}\nsystems: {}\n")
    assert message == (f"{tmp_path / 'local.yaml'}: timeouts.http_s: a ${{VAR}} cannot give a number (the file is "
                       "validated before variables are read): write the number"), message


# -- a <name>.secrets.env that is there but no file: said, never read as "no such file" (nor opened: a FIFO blocks) ---
@pytest.mark.parametrize("kind, said", [
    ("folder", "not a regular file (a device, a FIFO or a folder)"),
    ("fifo", "not a regular file (a device, a FIFO or a folder)"),
    ("dangling link", "a symbolic link to nothing (or a loop of links)"),
])
def test_a_secrets_env_that_is_no_regular_file_is_refused_not_passed_over(tmp_path, monkeypatch, kind, said):
    """The repro: a folder or a FIFO there was passed over, and the run ended 22 "2 variables not set … add them to
    environments/local.secrets.env", naming the very file it had not read."""
    import os
    import threading

    monkeypatch.delenv("SHOP_WEB_URL", raising=False)
    (tmp_path / "local.yaml").write_text("name: local\nsystems: {shop: {services: {web: {url: '${SHOP_WEB_URL}'}}}}\n",
                                         encoding="utf-8")
    secrets_env = tmp_path / "local.secrets.env"
    {"folder": secrets_env.mkdir, "fifo": lambda: os.mkfifo(secrets_env),
     "dangling link": lambda: secrets_env.symlink_to(tmp_path / "gone.env")}[kind]()
    raised: list[BaseException] = []

    def load():
        try:
            load_environment(tmp_path, "local")
        except Exception as exc:  # judged below, in the test's thread
            raised.append(exc)

    loading = threading.Thread(target=load, daemon=True)
    loading.start()
    loading.join(timeout=60)
    if loading.is_alive():  # stuck opening the FIFO: give it a writer that closes at once, so the thread ends
        os.close(os.open(secrets_env, os.O_WRONLY | os.O_NONBLOCK))
        loading.join(timeout=60)
        pytest.fail("the secrets file was opened: a FIFO with no writer blocks the run")
    assert len(raised) == 1 and isinstance(raised[0], ConfigError), raised
    assert raised[0].exit_code == 20, raised[0].message
    assert raised[0].message.startswith(f"{secrets_env}: {said}"), raised[0].message
