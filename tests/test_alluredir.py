"""`--alluredir DIR` in a verification run gets the archive's own Allure results, verdicts as archived, not
allure-pytest's view of pytest's reports (README: archive files, allure-results/): a team conftest rewriting a failed
item's report to passed showed it green there while the archive said failed and the run ended 1, and a waived failure
read as a plain skip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsverify import exitcodes

from .test_outputs_outside_evidence import _two_item_project
from .test_verdict_kept import reports_passed_for

REWRITES_E2 = reports_passed_for("E2-")

TEAM_TEST = '''
import allure


def test_smoke():
    with allure.step("a team's own step"):
        allure.attach("seen", name="note")
'''


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _statuses(folder: Path) -> dict[str, str]:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*-result.json")]
    named = [r["name"].split(" ", 1)[0] for r in results]
    assert len(named) == len(set(named)), f"one result per test: {named}"
    return {name: r["status"] for name, r in zip(named, results)}


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_conftest_rewriting_a_failure_does_not_turn_alluredir_green(tmp_path, workers):
    project = _two_item_project(tmp_path)
    (project.root / "conftest.py").write_text(REWRITES_E2, encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=out", *workers, every_plugin=True)
    assert ran.code == exitcodes.FAILED, ran.output[-2000:]
    assert ran.statuses() == {"E1-stripe": "passed", "E2-sentry": "failed"}
    assert _statuses(project.root / "out") == {"E1-stripe": "passed", "E2-sentry": "failed"}
    assert _files(project.root / "out") == _files(ran.archive() / "allure-results"), "the archive's very files"
    assert "allure results: out" in ran.output, ran.output[-2000:]


def test_a_waived_failure_reads_waived_in_alluredir(tmp_path):
    project = _two_item_project(tmp_path)
    (project.root / "waivers").mkdir()
    (project.root / "waivers" / "local.yaml").write_text(
        "waivers:\n  - {item: E2, reason: known, approver: jane.doe, ticket: OPS-1, expires: 2099-12-31}\n",
        encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=out", every_plugin=True)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    (waived,) = [json.loads(p.read_text(encoding="utf-8")) for p in (project.root / "out").glob("*-result.json")
                 if json.loads(p.read_text(encoding="utf-8"))["name"].startswith("E2-")]
    assert waived["status"] == "failed" and waived["statusDetails"]["known"] is True, waived
    assert {"name": "outcome", "value": "waived"} in waived["labels"]


def test_a_team_test_beside_the_items_is_listed_once_as_archived(tmp_path):
    """allure-pytest writes nothing in a verification run: a team's test is in DIR as the archive lists it (pytest's
    outcome), its allure.step and allure.attach record nothing (as in a run without --alluredir)."""
    project = _two_item_project(tmp_path)
    (project.root / "test_team.py").write_text(TEAM_TEST, encoding="utf-8")
    ran = project.run("--env", "local", "--alluredir=out", every_plugin=True)
    assert ran.code == exitcodes.FAILED, ran.output[-2000:]
    assert _files(project.root / "out") == _files(ran.archive() / "allure-results")
    assert _statuses(project.root / "out") == {"E1-stripe": "passed", "E2-sentry": "failed",
                                                 "test_team.py::test_smoke": "passed"}


def test_without_an_archive_alluredir_is_built_from_the_same_rows(tmp_path):
    project = _two_item_project(tmp_path)
    (project.root / "conftest.py").write_text(REWRITES_E2, encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "--no-archive", "--alluredir=out", "--clean-alluredir",
                      every_plugin=True)
    assert ran.code == exitcodes.FAILED, ran.output[-2000:]
    assert _statuses(project.root / "out") == {"E1-stripe": "passed", "E2-sentry": "failed"}
    assert (project.root / "out" / "categories.json").is_file()
    assert not (project.root / "reports").exists()


def test_a_plain_pytest_run_keeps_allure_pytest(tmp_path):
    """Without --env no verification runs: a team's own tests under allure-pytest are allure-pytest's."""
    (tmp_path / "test_team.py").write_text(TEAM_TEST, encoding="utf-8")
    from .project import Project

    ran = Project(tmp_path).run("--alluredir=out", every_plugin=True)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    (result,) = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*-result.json")]
    assert result["steps"][0]["name"] == "a team's own step"
