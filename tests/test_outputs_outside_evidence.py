"""`--junitxml PATH` and `--alluredir DIR` among the evidence — inside a sealed run archive, a reports/<env> folder,
its `.pruned/`, its chain.jsonl, or the folder this run's own archive is to take — are refused before any check, as
`--reports-dir` there is (exit 26): the run used to overwrite the sealed junit.xml (or add files to the archive's
allure-results), find that archive no longer verified, and link its own archive to the one before it, forking the
chain (verify: tampered and broken-chain)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.cli import main

from .project import Project


def _two_item_project(tmp_path: Path) -> Project:
    """Two env items on a dotenv file (no server): E1 holds, E2 fails."""
    env_file = tmp_path / "web.env"
    env_file.write_text("STRIPE_SECRET_KEY=sk_live_0123456789abcdef01234567\n", encoding="utf-8")
    project = Project(tmp_path / "p", {"WEB_ENV": str(env_file)})
    project.checklist("shop", """
    - {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: postdeploy,
       params: {service: web, required: [STRIPE_SECRET_KEY]}}
    - {id: E2, name: sentry, section: Config, title: sentry dsn set, family: env, cadence: postdeploy,
       params: {service: web, required: [SENTRY_DSN]}}
    """)
    project.environment("systems:\n  shop:\n    services: {web: {env: {dotenv: \"${WEB_ENV}\"}}}\n")
    return project


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


ANYWHERE = ["{archive}/junit.xml", "{archive}/more/x", "reports/local/x", "reports/local/chain.jsonl",
            "reports/local/.pruned/x", "reports/local/.pruning-{name}-1/x"]
# a folder is --junitxml's usage error already (pytest's own, exit 4, as it reads the command line)
FOLDERS = ["{archive}", "{archive}/allure-results", "reports/local"]


@pytest.mark.parametrize(("option", "place"), [*((option, place) for place in ANYWHERE
                                                  for option in ("--junitxml", "--alluredir")),
                                                *(("--alluredir", place) for place in FOLDERS)])
def test_a_report_among_the_evidence_is_refused_before_any_check(tmp_path, capsys, option, place):
    project = _two_item_project(tmp_path)
    first = project.run("-m", "postdeploy", "--env", "local", "--deploy-id", "one")
    assert first.code == exitcodes.FAILED, first.output[-2000:]
    archive = first.archive()
    reports = project.root / "reports"
    before = _snapshot(reports)
    given = place.format(archive=archive.relative_to(project.root), name=archive.name)
    ran = project.run("-m", "postdeploy", "--env", "local", "--deploy-id", "two", f"{option}={given}",
                      every_plugin=option == "--alluredir")
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    said = [line for line in ran.output.splitlines() if line.startswith(f"opsverify: {option} {given}")]
    assert len(said) == 1 and "fix: " in said[0], ran.output[-2000:]
    assert "E1" not in ran.output and "passed" not in ran.output, "no check ran"
    assert _snapshot(reports) == before, "nothing written in reports/"
    assert main(["verify", str(reports / "local")]) == 0, capsys.readouterr()


@pytest.mark.parametrize("option", ["--junitxml", "--alluredir"])
def test_a_report_inside_the_folder_the_runs_own_archive_takes_is_refused(tmp_path, option):
    """The first run of an env: no reports/ yet, but the archive's name is its UTC start and deploy id, which a path
    can name; a file written there first would stand in the env folder as a folder that is no archive."""
    project = _two_item_project(tmp_path)
    given = "reports/local/20991231T235959Z_two/junit.xml"
    ran = project.run("-m", "postdeploy", "--env", "local", "--deploy-id", "two", f"{option}={given}",
                      every_plugin=option == "--alluredir")
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    assert f"opsverify: {option} {given}: inside " in ran.output, ran.output[-2000:]
    assert not (project.root / "reports").exists()


def test_clean_alluredir_over_the_archives_is_refused(tmp_path, capsys):
    """`--clean-alluredir` empties the folder first: given the reports folder (or one holding it), every archive
    would go."""
    project = _two_item_project(tmp_path)
    assert project.run("-m", "postdeploy", "--env", "local").code == exitcodes.FAILED
    before = _snapshot(project.root / "reports")
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=.", "--clean-alluredir", every_plugin=True)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    assert "opsverify: --alluredir . --clean-alluredir: " in ran.output, ran.output[-2000:]
    assert _snapshot(project.root / "reports") == before
    assert main(["verify", str(project.root / "reports" / "local")]) == 0, capsys.readouterr()


@pytest.mark.parametrize("option", ["--junitxml", "--alluredir"])
def test_a_report_beside_the_reports_folder_is_written(tmp_path, capsys, option):
    project = _two_item_project(tmp_path)
    given = "out/junit.xml" if option == "--junitxml" else "out/allure"
    ran = project.run("-m", "postdeploy", "--env", "local", f"{option}={given}", every_plugin=option == "--alluredir")
    assert ran.code == exitcodes.FAILED, ran.output[-2000:]
    assert (project.root / given).exists()
    assert main(["verify", str(project.root / "reports" / "local")]) == 0, capsys.readouterr()
