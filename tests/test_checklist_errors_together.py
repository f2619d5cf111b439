"""A checklist's problems come out together, as docs/checklists.md promises: one item's broken structure (a typo in
its cadence) does not hide another item's params typo, so a team fixes a file in one round, not one per problem.
A YAML error names where the unclosed construct opened, not only where the file ran out; and a checklists folder
that is missing, unreadable or empty says which of the three, and where it looked."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsverify import checklist as checklist_module
from opsverify import exitcodes
from opsverify.checklist import load_checklists
from opsverify.environment import load_environment
from opsverify.errors import ConfigError

from .helpers import UNUSED_PLUGINS
from .project import Project

HEALTH = """\
- id: PAY-001
  name: health
  section: Web
  title: the health endpoint answers 200
  family: http
  cadence: postdeploy
  params: {service: web, path: /health, status: 200}
"""
SCHEMA = """\
- id: pay-002
  name: orders-schema
  section: Database
  title: orders has state not null
  family: schema
  cadence: postdeploy
  params: {table: public.orders, not_null: [state]}
"""
PARAMS_TYPO = "pay-002-orders-schema: params.notnull: Extra inputs are not permitted; did you mean not_null?"


def _write(tmp_path: Path, items: str, system: str = "payments", name: str = "payments", top: str = "") -> Path:
    checklists = tmp_path / "checklists"
    checklists.mkdir(exist_ok=True)
    (checklists / f"{name}.yaml").write_text(f"system: {system}\nrunbook: RUNBOOK.md\n{top}items:\n"
                                             + textwrap.indent(items, "  "), encoding="utf-8")
    return checklists


def _problems(checklists: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_checklists(checklists)
    lines = raised.value.message.splitlines()
    return [line.strip() for line in (lines[1:] if len(lines) > 1 else lines)]


def _said(problems: list[str], fragment: str) -> bool:
    return any(fragment in line for line in problems)


# -- 1. one item's structure does not hide the rest of the file's problems ---------------------------------------
def test_a_cadence_typo_does_not_hide_another_items_params_typo(tmp_path):
    items = HEALTH.replace("cadence: postdeploy", "cadence: postdeploi") + SCHEMA.replace("not_null", "notnull")
    problems = _problems(_write(tmp_path, items))
    assert len(problems) == 2, problems
    assert _said(problems, "payments.yaml: PAY-001-health: cadence: Input should be 'postdeploy', 'daily', 'weekly'"
                           " or 'monthly', not 'postdeploi'; did you mean postdeploy?"), problems
    assert _said(problems, f"payments.yaml: {PARAMS_TYPO}"), problems


def test_a_family_typo_and_a_params_typo_of_other_items_come_out_together(tmp_path):
    items = HEALTH.replace("family: http", "family: htpp") + SCHEMA.replace("not_null", "notnull")
    problems = _problems(_write(tmp_path, items))
    assert len(problems) == 2, problems
    assert _said(problems, "PAY-001-health: family: unknown family 'htpp' (known: "), problems
    assert problems[0].endswith("webhook); did you mean http?"), problems
    assert _said(problems, PARAMS_TYPO), problems


def test_an_item_missing_a_field_has_its_own_params_judged_and_the_others(tmp_path):
    """A missing title touches neither its family nor its params: they are judged in the same round."""
    broken = HEALTH.replace("  title: the health endpoint answers 200\n", "").replace("path:", "pth:")
    problems = _problems(_write(tmp_path, broken + SCHEMA.replace("not_null", "notnull")))
    assert len(problems) == 3, problems
    assert _said(problems, "PAY-001-health: title: Field required"), problems
    assert _said(problems, "PAY-001-health: params.pth: Extra inputs are not permitted; did you mean path?"), problems
    assert _said(problems, PARAMS_TYPO), problems


# -- 1b. within one item: its structure does not hide its own params' problems ---------------------------------
ENV_ITEM = "{id: A1, name: n, title: t, section: S, family: env, cadence: postdeploy, params: %s}"


def _after_file(problems: list[str]) -> list[str]:
    """Each problem without its file's path (absolute here: the tests' folder is not the working one)."""
    return [line.split("payments.yaml: ", 1)[1] for line in problems]


def _one_item(tmp_path: Path, item: str) -> list[str]:
    return _after_file(_problems(_write(tmp_path, f"- {item}\n")))


def test_a_misspelt_field_does_not_hide_the_same_items_params_typo(tmp_path):
    item = ENV_ITEM.replace("cadence:", "cadance:") % "{service: web, requird: [X]}"
    problems = _one_item(tmp_path, item)
    assert problems == ["A1-n: cadance: not an item field; did you mean cadence?",
                        "A1-n: params.requird: Extra inputs are not permitted; did you mean required?"], problems


def test_a_missing_section_does_not_hide_the_same_items_params_typo(tmp_path):
    item = ENV_ITEM.replace(" section: S,", "") % "{service: web, requird: [X]}"
    problems = _one_item(tmp_path, item)
    assert problems == ["A1-n: section: Field required",
                        "A1-n: params.requird: Extra inputs are not permitted; did you mean required?"], problems


def test_a_broken_items_params_are_judged_as_a_sound_items_are(tmp_path):
    """The same lines as once the structure is fixed: the union's one line, the family's own rule (an unsafe method
    not marked mutating), and a word YAML reads otherwise than written."""
    http = ("{id: H1, name: h, title: t, section: S, family: http, cadence: postdeploy, severty: minor,"
            " params: {service: web, path: /health, status: [x]}}")
    post = ("{id: H2, name: p, title: t, family: http, cadence: postdeploy,"
            " params: {service: web, path: /orders, method: POST}}")
    env = ENV_ITEM.replace("title: t,", "title: t, mutating: false, tilte: u,") % "{service: web, values: {EU: NO}}"
    broken = _problems(_write(tmp_path, f"- {http}\n- {post}\n- {env}\n"))
    sound = _problems(_write(tmp_path, f"- {http.replace(' severty: minor,', '')}\n"
                                       f"- {post.replace('title: t,', 'title: t, section: S,')}\n"
                                       f"- {env.replace(' tilte: u,', '')}\n"))
    assert len(sound) == 3, sound
    assert all(line in broken for line in sound), (broken, sound)
    assert len(broken) == 6, broken


def test_an_item_of_an_unknown_family_says_so_and_leaves_its_params_alone(tmp_path):
    item = ENV_ITEM.replace("cadence:", "cadance:").replace("family: env", "family: evn") % "{requird: [X]}"
    problems = _one_item(tmp_path, item)
    assert len(problems) == 2, problems
    assert problems[0] == "A1-n: cadance: not an item field; did you mean cadence?", problems
    assert problems[1].startswith("A1-n: family: unknown family 'evn' (known: "), problems
    assert problems[1].endswith("; did you mean env?"), problems


@pytest.mark.parametrize("item, said", [
    (ENV_ITEM.replace("cadence:", "cadance:") % "[required, X]", "A1-n: params is a list; params is a mapping"),
    (ENV_ITEM.replace("family: env", "family: [env]") % "{requird: [X]}", "A1-n: family is a list; it takes a text"),
    (ENV_ITEM.replace("family: env, ", "") % "{requird: [X]}", "A1-n: family: Field required"),
])
def test_an_item_whose_family_or_params_is_broken_has_no_params_judged(tmp_path, item, said):
    problems = _one_item(tmp_path, item)
    assert any(line.startswith(said) for line in problems), problems
    assert not _said(problems, "params."), problems


def test_a_file_level_problem_and_item_problems_come_out_together(tmp_path):
    """An unknown top-level key, the system not matching the file's name, a param typo: three lines, one round."""
    checklists = _write(tmp_path, HEALTH + SCHEMA.replace("not_null", "notnull"), system="payment",
                        top="owner: team-payments\n")
    problems = _problems(checklists)
    assert len(problems) == 3, problems
    assert _said(problems, "payments.yaml: owner: not a checklist key"), problems
    assert _said(problems, "payments.yaml: system 'payment' does not match the file name 'payments'"), problems
    assert _said(problems, PARAMS_TYPO), problems


def test_an_item_that_is_not_a_mapping_leaves_the_others_checked(tmp_path):
    problems = _problems(_write(tmp_path, "- just a word\n" + SCHEMA.replace("not_null", "notnull")))
    assert len(problems) == 2, problems
    assert _said(problems, "payments.yaml: items[0]"), problems
    assert _said(problems, PARAMS_TYPO), problems


ITEM_SHAPE = "a mapping with id, name, section, title, family and, unless manual, cadence and params"


@pytest.mark.parametrize("entry, kind", [("[a, b]", "a list"), ("3", "a number"), ("1.5", "a number"),
                                         ("just a word", "a text"), ("", "empty"), ("true", "true or false"),
                                         ("2024-01-01", "a date")])
def test_an_item_that_is_not_a_mapping_is_said_by_its_kind(tmp_path, entry, kind):
    """Not pydantic's 'a valid dictionary or instance of ItemModel': no class name of ours, and not the value."""
    problems = _after_file(_problems(_write(tmp_path, f"- {entry}\n" + HEALTH)))
    assert problems == [f"items[0] is {kind}; each item is {ITEM_SHAPE}"], problems


@pytest.mark.parametrize("text, said", [
    ("system: payments\nrunbook: r\nitems: {id: A1}\n",
     f"items is a mapping; items is a list of the runbook's items, each {ITEM_SHAPE}"),
    ("system: payments\nrunbook: r\nitems: 3\n",
     f"items is a number; items is a list of the runbook's items, each {ITEM_SHAPE}"),
    ("system: payments\nrunbook: r\nitems:\n",
     f"items is empty; items is a list of the runbook's items, each {ITEM_SHAPE}"),
    ("system: [payments]\nrunbook: r\nitems: []\n",
     "system is a list; it is the system's name, a text: the file's name without .yaml"),
    ("system:\nrunbook: r\nitems: []\n",
     "system is empty; it is the system's name, a text: the file's name without .yaml"),
    ("system: payments\nrunbook: {a: 1}\nitems: []\n",
     "runbook is a mapping; it is a text naming the runbook the items come from"),
])
def test_a_checklist_key_of_the_wrong_kind_is_said_by_its_kind(tmp_path, text, said):
    checklists = tmp_path / "checklists"
    checklists.mkdir()
    (checklists / "payments.yaml").write_text(text, encoding="utf-8")
    problems = _after_file(_problems(checklists))
    assert said in problems, problems
    assert not _said(problems, "Input should be"), problems


def test_an_empty_item_list_keeps_its_message(tmp_path):
    checklists = tmp_path / "checklists"
    checklists.mkdir()
    (checklists / "payments.yaml").write_text("system: payments\nrunbook: r\nitems: []\n", encoding="utf-8")
    assert _after_file(_problems(checklists)) == [
        "items: no items: a checklist holds at least one (a manual item with its reason counts)"]


def test_two_items_sharing_a_test_id_are_said_beside_another_items_typo(tmp_path):
    items = HEALTH + HEALTH + SCHEMA.replace("cadence: postdeploy", "cadence: daly")
    problems = _problems(_write(tmp_path, items))
    assert _said(problems, "PAY-001-health: a second item with id PAY-001 and name health"), problems
    assert _said(problems, "pay-002-orders-schema: cadence: Input should be"), problems


def test_a_sound_file_still_loads(tmp_path):
    checks = load_checklists(_write(tmp_path, HEALTH + SCHEMA))
    assert [(c.key, c.line) for c in checks] == [("PAY-001-health", 4), ("pay-002-orders-schema", 11)]


def test_a_run_says_every_problem_of_the_file_at_once(tmp_path):
    """As a user runs it: exit 20, both problems of the probe's file, no traceback."""
    project = Project(tmp_path)
    project.checklist("payments", HEALTH.replace("cadence: postdeploy", "cadence: postdeploi")
                      + SCHEMA.replace("not_null", "notnull"))
    project.environment("systems:\n  payments:\n    database: postgresql://u:p@127.0.0.1:9/x\n"
                        "    services:\n      web: {url: 'http://127.0.0.1:9'}\n")
    ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output
    assert "Traceback" not in ran.output
    assert "opsverify: 2 checklist problems:" in ran.done.stderr, ran.output
    assert "checklists/payments.yaml: PAY-001-health: cadence:" in ran.done.stderr
    assert f"checklists/payments.yaml: {PARAMS_TYPO}" in ran.done.stderr
    assert not (tmp_path / "reports").exists() or not any(p.is_file() for p in (tmp_path / "reports").rglob("*"))


# -- 2. a YAML error names where the unclosed construct opened ----------------------------------------------------
def test_an_unclosed_quote_is_named_where_it_opened(tmp_path):
    checklists = _write(tmp_path, HEALTH.replace("title: the health", 'title: "the health') + SCHEMA)
    (problem,) = _problems(checklists)
    # the quote opens on line 7 (the item's title), column 12; the file has 17 lines: YAML runs out at 18:1
    assert problem.endswith("payments.yaml:7:12: not valid YAML: a quoted value opened here is never closed"
                            " (the file ends at 18:1, still inside it)"), problem


def test_a_yaml_error_inside_a_construct_names_where_it_opened_too(tmp_path):
    """`[` left open: YAML stops where it expected the `]`; the line it opened on is named beside it."""
    checklists = _write(tmp_path, HEALTH.replace("family: http", "family: [http") + SCHEMA)
    (problem,) = _problems(checklists)
    assert "payments.yaml:9:" in problem and "not valid YAML: " in problem, problem
    assert problem.endswith("(a [ list opened at 8:13)"), problem


def test_an_error_where_its_construct_starts_is_said_as_before(tmp_path):
    """A tab: YAML's context is the very place of the problem, so nothing more is said."""
    checklists = _write(tmp_path, HEALTH)
    path = checklists / "payments.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - id:", "\t- id:"), encoding="utf-8")
    (problem,) = _problems(checklists)
    assert problem.endswith("payments.yaml:4:1: not valid YAML: found character that cannot start any token"
                            " (a tab? YAML indents with spaces)"), problem


def test_an_environments_unclosed_quote_is_named_where_it_opened(tmp_path):
    """The environment's loader reads through the same helper."""
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "local.yaml").write_text(
        "name: local\nsystems:\n  payments:\n    database: 'postgresql://u:p@127.0.0.1:9/x\n"
        "    services:\n      web: {url: http://127.0.0.1:9}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(environments, "local")
    assert raised.value.message.endswith(
        "local.yaml:4:15: not valid YAML: a quoted value opened here is never closed (the file ends at 7:1, still"
        " inside it)"), raised.value.message


# -- 3. a checklists folder: missing, unreadable or empty ------------------------------------------------------
def test_a_missing_checklists_folder_names_where_it_looked(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_checklists(tmp_path / "checklists")
    assert raised.value.message == (
        f"{tmp_path / 'checklists'}: no such folder: run pytest in the folder holding checklists/ and environments/,"
        " or pass --checklists-dir")


def test_a_file_where_the_checklists_folder_goes_is_said(tmp_path):
    (tmp_path / "checklists").write_text("not a folder\n")
    with pytest.raises(ConfigError) as raised:
        load_checklists(tmp_path / "checklists")
    assert raised.value.message == f"{tmp_path / 'checklists'}: not a folder: checklists are *.yaml files in a folder"


def test_an_unreadable_checklists_folder_says_why(tmp_path, monkeypatch):
    """Run as root, a mode 000 folder is read all the same: the refusal the OS gives anyone else, simulated."""
    checklists = _write(tmp_path, HEALTH)

    def refuse(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(checklist_module.os, "scandir", refuse)
    with pytest.raises(ConfigError) as raised:
        load_checklists(checklists)
    assert raised.value.message == f"{checklists}: cannot read the folder: Permission denied"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a mode 000 folder")
def test_a_mode_000_checklists_folder_says_permission_denied(tmp_path):
    checklists = _write(tmp_path, HEALTH)
    checklists.chmod(0)
    try:
        with pytest.raises(ConfigError) as raised:
            load_checklists(checklists)
    finally:
        checklists.chmod(0o755)
    assert raised.value.message.endswith("cannot read the folder: Permission denied")


def test_an_empty_checklists_folder_says_it_is_empty(tmp_path):
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "notes.md").write_text("later\n")
    with pytest.raises(ConfigError) as raised:
        load_checklists(tmp_path / "checklists")
    assert raised.value.message == (f"{tmp_path / 'checklists'}: no checklists (*.yaml) in the folder: write one,"
                                    " e.g. with opsverify init")


def test_a_run_from_a_subfolder_names_the_folder_it_looked_in(tmp_path):
    """`opsverify init`, then pytest started in a subfolder: no traceback, and where it looked, absolute."""
    assert subprocess.run([sys.executable, "-m", "opsverify", "init", str(tmp_path), "--system", "payments"],
                          capture_output=True, text=True, timeout=120).returncode == 0
    below = tmp_path / "sub"
    below.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m",
                           "postdeploy",
                           "--env", "local"], cwd=below, capture_output=True, text=True, timeout=120, env=environ)
    assert done.returncode == exitcodes.BAD_CONFIG, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"opsverify: {below / 'checklists'}: no such folder: run pytest in the folder holding checklists/ and"
        " environments/, or pass --checklists-dir"), done.stderr
