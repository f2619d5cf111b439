"""`--clean-alluredir` empties DIR: it is refused before any check (exit 20) on a folder that is or holds the project's
own folders, sits in a .git or holds one, or holds anything but Allure results (README: allure-results row). It used
to be refused only on a folder holding the reports folder: `--alluredir=. --clean-alluredir` with the reports
elsewhere deleted the whole project (its untracked environments/*.secrets.env too), then the summary crashed on the
working directory it had removed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.allureresults import not_results
from opsverify.checklist import shown

from .project import Project


def _project(root: Path) -> Project:
    """One env item on a dotenv file (no server), which holds; a .git, and a file of the team's in environments/."""
    root.mkdir(parents=True)
    env_file = root.parent / "web.env"
    env_file.write_text("STRIPE_SECRET_KEY=sk_live_0123456789abcdef01234567\n", encoding="utf-8")
    project = Project(root, {"WEB_ENV": str(env_file)})
    project.checklist("shop", """
    - {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: postdeploy,
       params: {service: web, required: [STRIPE_SECRET_KEY]}}
    """)
    project.environment("systems:\n  shop:\n    services: {web: {env: {dotenv: \"${WEB_ENV}\"}}}\n")
    (root / "environments" / "NOTES.md").write_text("the team's own notes\n", encoding="utf-8")
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    return project


def _everything(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize(("given", "said"), [
    (".", "it is the project (.)"),
    ("..", "it holds the project (.)"),
    ("checklists", "it is the checklists (checklists)"),
    ("environments", "it is the environments (and their untracked secrets) (environments)"),
    (".git/objects", "it is inside a .git folder"),
    ("notes", "it holds mine.txt and 1 more, which are no Allure results"),
])
def test_a_folder_not_only_of_allure_results_is_refused_before_any_check(tmp_path, given, said):
    project = _project(tmp_path / "a" / "p")  # `..` is a folder of its own: the reports are beside it
    (project.root / "notes" / "history").mkdir(parents=True)
    (project.root / "notes" / "mine.txt").write_text("mine\n", encoding="utf-8")
    (project.root / "notes" / "sub").mkdir()
    before = _everything(tmp_path)
    ran = project.run("-m", "postdeploy", "--env", "local", f"--reports-dir={tmp_path / 'reports'}",
                      f"--alluredir={given}", "--clean-alluredir", every_plugin=True)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-2000:]
    (line,) = [line for line in ran.output.splitlines() if line.startswith("opsverify: ")]
    # `..`, outside the working folder, is shown in full, where the dotenv's path (a variable's value) masks its start
    assert line.startswith(f"opsverify: --alluredir {given if given != '..' else ''}"), line
    assert f" --clean-alluredir: {said}; " in line, line
    assert "fix: " in line and "E1" not in ran.output, ran.output[-2000:]
    assert _everything(tmp_path) == before, "nothing deleted, nothing written"


def test_a_folder_of_allure_results_is_emptied_as_before(tmp_path):
    """An earlier run's results, Allure's trend history a CI copied in, and a write of ours cut short."""
    project = _project(tmp_path / "p")
    out = project.root / "out"
    (out / "history").mkdir(parents=True)
    for name in ("0a-result.json", "0a-container.json", "0a-attachment.json", "0b-attachment", "categories.json",
                 "environment.properties", "executor.json", ".0a-result.json.x1.partial", "history/history.json"):
        (out / name).write_text("{}", encoding="utf-8")
    assert not_results(out) == []
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=out", "--clean-alluredir", every_plugin=True)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert not (out / "0a-result.json").exists() and not (out / "history").exists()
    assert len(list(out.glob("*-result.json"))) == 1


def test_a_folder_not_there_yet_holds_nothing_to_refuse(tmp_path):
    assert not_results(tmp_path / "missing") == []
    (tmp_path / "link-result.json").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "x.yaml").write_text("", encoding="utf-8")
    assert not_results(tmp_path) == ["x.yaml"]


def test_a_path_is_shown_when_the_working_folder_was_removed(tmp_path, monkeypatch):
    """The summary names its paths relative to the working folder; one removed under the run (a folder emptied)
    used to end the run in a FileNotFoundError traceback."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    os.rmdir(gone)
    assert shown(tmp_path / "reports" / "x") == str(tmp_path / "reports" / "x")


@pytest.mark.parametrize(("holds", "others"), [
    (["history/secrets.env", "history/notes.md"], ["history/notes.md", "history/secrets.env"]),
    (["history/history.json", "history/old/x.json"], ["history/old/"]),
    (["history/history.json", "history/history-trend.json", "history/duration-trend.json",
      "history/categories-trend.json", "history/retry-trend.json", "0a-result.json"], []),
    ([".gitkeep", "0a-result.json"], []),
    ([".gitignore", "history/.gitkeep"], [".gitignore", "history/.gitkeep"]),
])
def test_history_holds_only_allures_trend_files_and_a_gitkeep_is_accepted(tmp_path, holds, others):
    """history/ used to be accepted whatever files it held (only folders in it were looked at), and a results folder
    kept in git (a `.gitkeep`) was refused."""
    for name in holds:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert not_results(tmp_path) == others


def test_a_history_of_a_users_files_is_refused_and_kept(tmp_path):
    project = _project(tmp_path / "p")
    (project.root / "notes" / "history").mkdir(parents=True)
    (project.root / "notes" / "history" / "secrets.env").write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    before = _everything(tmp_path)
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=notes", "--clean-alluredir", every_plugin=True)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-2000:]
    (line,) = [line for line in ran.output.splitlines() if line.startswith("opsverify: ")]
    assert "--clean-alluredir: it holds history/secrets.env, which is no Allure result; " in line, line
    assert "hunter2" not in ran.output and "E1" not in ran.output, ran.output[-2000:]
    assert _everything(tmp_path) == before, "nothing deleted, nothing written"


def test_a_results_folder_kept_in_git_is_emptied(tmp_path):
    project = _project(tmp_path / "p")
    out = project.root / "allure-results"
    out.mkdir()
    (out / ".gitkeep").write_text("", encoding="utf-8")
    (out / "0a-result.json").write_text("{}", encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "--alluredir=allure-results", "--clean-alluredir",
                      every_plugin=True)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert not (out / "0a-result.json").exists() and len(list(out.glob("*-result.json"))) == 1
