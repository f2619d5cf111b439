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


def test_an_item_missing_a_field_leaves_its_own_params_alone_but_not_the_others(tmp_path):
    """Its params are judged once its structure is right: a second round then, but for that item only."""
    broken = HEALTH.replace("  title: the health endpoint answers 200\n", "").replace("path:", "pth:")
    problems = _problems(_write(tmp_path, broken + SCHEMA.replace("not_null", "notnull")))
    assert len(problems) == 2, problems
    assert _said(problems, "PAY-001-health: title: Field required"), problems
    assert _said(problems, PARAMS_TYPO), problems


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
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "postdeploy",
                           "--env", "local"], cwd=below, capture_output=True, text=True, timeout=120, env=environ)
    assert done.returncode == exitcodes.BAD_CONFIG, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"opsverify: {below / 'checklists'}: no such folder: run pytest in the folder holding checklists/ and"
        " environments/, or pass --checklists-dir"), done.stderr
