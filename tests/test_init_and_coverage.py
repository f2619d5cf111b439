"""`opsverify init` checks everything before it writes anything: a layout in the way, a system name too long for
a file name, a symlink where a file goes — one line, exit 20, nothing written (so a retry works); a write that
fails midway takes back what it wrote. `opsverify coverage` shows a checklist's words as written, never as
control characters a terminal acts on."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from opsverify import exitcodes, scaffold
from opsverify.checklist import Check, Severity, load_checklists
from opsverify.errors import ConfigError
from opsverify.cli import main
from opsverify.coverage import coverage_report, format_coverage

FILES = ["checklists/shop.yaml", "environments/local.yaml", "environments/local.secrets.env.example", ".gitignore"]


def everything(root: Path) -> list[str]:
    """Every entry under root (symlinks as entries, not followed)."""
    found = []
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def init(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["init", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys, root: Path, *argv: str) -> str:
    code, out, err = init(capsys, str(root), *argv)
    assert code == exitcodes.BAD_CONFIG, out + err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "wrote" not in out, out
    return err


def test_init_writes_a_project_and_refuses_to_write_it_twice(tmp_path, capsys):
    code, out, _ = init(capsys, str(tmp_path), "--system", "shop")
    assert code == 0 and everything(tmp_path) == sorted(FILES + ["checklists", "environments"])
    assert [line for line in out.splitlines() if line.startswith("wrote")] == [f"wrote {tmp_path / n}" for n in FILES]
    before = {n: (tmp_path / n).read_bytes() for n in FILES}
    assert "already exists" in refused(capsys, tmp_path, "--system", "shop")
    assert {n: (tmp_path / n).read_bytes() for n in FILES} == before


def test_init_gitignore_keeps_the_projects_venv_out(tmp_path, capsys):
    """The README's first steps make `.venv` inside the project: without it in .gitignore, `git add .` would commit
    a whole virtualenv (~100 MB)."""
    assert init(capsys, str(tmp_path), "--system", "shop")[0] == 0
    assert ".venv/" in (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("held, asked", [("node_modules/\n", True), (".venv\n", False), ("/.venv/\n", False)])
def test_an_existing_gitignore_is_asked_for_venv_unless_it_has_it(tmp_path, capsys, held, asked):
    (tmp_path / ".gitignore").write_text(f"reports/\nenvironments/*.secrets.env\n.pytest_cache/\n{held}",
                                         encoding="utf-8")
    code, out, _ = init(capsys, str(tmp_path), "--system", "shop")
    assert code == 0
    assert ("add these lines to it: .venv/" in out) is asked, out


def _watched(fifo: Path, seconds: float, run):
    """run(), and whether a reader was still blocked opening `fifo` after `seconds` (it is then let go: the
    test fails instead of hanging)."""
    def let_go() -> None:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # succeeds only while a reader waits
            blocked.append(True)
        except OSError:
            pass
    blocked: list[bool] = []
    timer = threading.Timer(seconds, let_go)
    timer.start()
    try:
        return run(), bool(blocked)
    finally:
        timer.cancel()


@pytest.mark.parametrize("make", [os.mkdir, os.mkfifo], ids=["folder", "fifo"])
def test_a_gitignore_that_is_not_a_file_is_named_with_the_lines_to_add(tmp_path, capsys, make):
    """Git reads no ignore rules from a .gitignore that is a folder or a FIFO: the secrets file init asks for
    would not be ignored. One line says so and lists the lines; a FIFO is never opened (init would wait on it)."""
    make(tmp_path / ".gitignore")
    (code, out, err), blocked = _watched(tmp_path / ".gitignore", 10,
                                         lambda: init(capsys, str(tmp_path), "--system", "shop"))
    assert not blocked, "init opened the .gitignore FIFO and waited for a writer"
    assert code == 0, out + err
    kind = "a folder" if make is os.mkdir else "a FIFO"
    said = [line for line in out.splitlines() if ".gitignore" in line]
    assert said == [f"{tmp_path / '.gitignore'}: is {kind}, not a file, so git reads no ignore rules from it and "
                    "environments/*.secrets.env is not ignored; make it a file holding these lines: reports/, "
                    "environments/*.secrets.env, .pytest_cache/, .venv/"], out
    assert (tmp_path / "checklists" / "shop.yaml").is_file()


@pytest.mark.parametrize("folder", ["environments", "checklists"])
def test_a_file_where_a_folder_goes_is_one_line_and_nothing_is_written(tmp_path, capsys, folder):
    (tmp_path / folder).write_text("mine\n")
    err = refused(capsys, tmp_path, "--system", "shop")
    assert f"{tmp_path / folder}: is a file, not a folder" in err
    assert everything(tmp_path) == [folder] and (tmp_path / folder).read_text() == "mine\n"
    (tmp_path / folder).unlink()
    assert init(capsys, str(tmp_path), "--system", "shop")[0] == 0  # nothing half-made blocks the retry


def test_a_system_name_too_long_for_a_file_name_is_one_line(tmp_path, capsys):
    err = refused(capsys, tmp_path, "--system", "a" * 300)
    assert "(300 characters): too long for a file name" in err and len(err) < 300
    assert everything(tmp_path) == []
    longest = os.pathconf(tmp_path, "PC_NAME_MAX") - len(".yaml")
    assert init(capsys, str(tmp_path), "--system", "a" * longest)[0] == 0  # the limit itself is fine


@pytest.mark.parametrize("system", ["Shop", "shop_1", "-shop", "-", "", "sh\x1b[2Jop", "shop/../x"])
def test_a_system_name_checklists_would_refuse_is_refused_first(tmp_path, capsys, system):
    err = refused(capsys, tmp_path, f"--system={system}")
    # the whole rule: `-` holds only allowed characters, yet starts with none of those a name starts with
    assert "lowercase letters, digits and '-', starting with a letter or a digit" in err and "\x1b" not in err
    assert everything(tmp_path) == []


def test_a_second_system_in_a_project_is_told_how_to_add_it(tmp_path, capsys):
    assert init(capsys, str(tmp_path), "--system", "shop")[0] == 0
    before = {n: (tmp_path / n).read_bytes() for n in FILES}
    err = refused(capsys, tmp_path, "--system", "shop2")
    assert "already exists" in err and "opsverify init writes only new files" in err
    assert ("to add the system shop2 to this project, write checklists/shop2.yaml (as checklists/shop.yaml is"
            " written, with system: shop2) and add shop2 under systems: in environments/local.yaml") in err, err
    assert everything(tmp_path) == sorted(FILES + ["checklists", "environments"])  # nothing written, nothing changed
    assert {n: (tmp_path / n).read_bytes() for n in FILES} == before
    assert "to add the system" not in refused(capsys, tmp_path, "--system", "shop")  # shop is there already


def test_a_project_with_other_environment_files_is_a_project_already_made(tmp_path, capsys):
    """A project whose environments are demo/prod (no local.yaml): init wrote a local.yaml beside them, one that
    checks nothing the team set up, though the README says a project already made gets nothing written."""
    for name in ("checklists/bakery.yaml", "environments/prod.yaml", "environments/demo.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("mine\n")
    err = refused(capsys, tmp_path, "--system", "shop")
    assert "is an opsverify project already (checklists/bakery.yaml)" in err, err
    assert ("write checklists/shop.yaml (as checklists/bakery.yaml is written, with system: shop) and add shop under"
            " systems: in each environment file that should check it (environments/demo.yaml,"
            " environments/prod.yaml)") in err, err
    assert everything(tmp_path) == ["checklists", "checklists/bakery.yaml", "environments", "environments/demo.yaml",
                                    "environments/prod.yaml"]


@pytest.mark.parametrize("name", ["environments/local.yml", "checklists/shop.yml", "environments/local.YAML",
                                  "checklists/shop.Yml"])
def test_a_yml_file_is_a_project_already_made_too(tmp_path, capsys, name):
    """init wrote local.yaml beside a local.yml (or shop.yaml beside shop.yml), which the first run then refused as
    twins to merge."""
    (tmp_path / name).parent.mkdir()
    (tmp_path / name).write_text("mine\n")
    assert f"is an opsverify project already ({name})" in refused(capsys, tmp_path, "--system", "shop")
    assert everything(tmp_path) == [str(Path(name).parent), name]


def test_empty_checklists_and_environments_folders_are_no_project_yet(tmp_path, capsys):
    (tmp_path / "checklists").mkdir()
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / ".hidden.yaml").write_text("")  # an editor's file is not the project's
    assert init(capsys, str(tmp_path), "--system", "shop")[0] == 0
    assert (tmp_path / "environments" / "local.yaml").is_file()


def test_the_hint_for_a_system_named_as_a_yaml_word_quotes_it_and_that_checklist_is_refused_unquoted(tmp_path,
                                                                                                       capsys):
    """`init --system null` in a project: the hint wrote `system: null` unquoted, which YAML reads as nothing and the
    loader then called "empty"; the hint quotes it, and the unquoted word is refused naming its quoting."""
    assert init(capsys, str(tmp_path), "--system", "shop")[0] == 0
    err = refused(capsys, tmp_path, "--system", "null")
    assert "with system: 'null') and add 'null' under systems:" in err, err
    (tmp_path / "checklists" / "null.yaml").write_text(
        "system: null\nrunbook: R.md\nitems:\n  - {id: A1, name: a, section: S, title: t, family: manual, reason: r}\n")
    with pytest.raises(ConfigError) as refusal:
        load_checklists(tmp_path / "checklists")
    assert "system: YAML reads null as nothing (null), not as text: quote it: system: 'null'" in str(refusal.value)


def test_a_dangling_symlink_where_a_file_goes_is_never_written_through(tmp_path, capsys):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "local.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    err = refused(capsys, tmp_path, "--system", "shop")
    assert f"{tmp_path / 'environments' / 'local.yaml'}: is a symlink" in err
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert everything(tmp_path) == ["environments", "environments/local.yaml"]


def test_a_symlink_to_a_file_is_not_written_through_either(tmp_path, capsys):
    mine = tmp_path / "mine.gitignore"
    mine.write_text("keep me\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitignore").symlink_to(mine)
    assert "is a symlink" in refused(capsys, project, "--system", "shop")
    assert mine.read_text() == "keep me\n" and everything(project) == [".gitignore"]


def test_a_folder_that_is_a_dangling_symlink_is_one_line(tmp_path, capsys):
    (tmp_path / "checklists").symlink_to(tmp_path / "gone")
    assert "checklists: is a symlink;" in refused(capsys, tmp_path, "--system", "shop")
    assert not (tmp_path / "gone").exists() and everything(tmp_path) == ["checklists"]


def test_a_folder_that_is_a_symlink_to_a_folder_is_not_written_through(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "checklists").symlink_to(outside)
    assert "checklists: is a symlink;" in refused(capsys, project, "--system", "shop")
    assert list(outside.iterdir()) == []


def test_the_project_folder_being_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "project").write_text("")
    assert "is not a folder" in refused(capsys, tmp_path / "project", "--system", "shop")


def test_several_problems_are_each_one_line_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "checklists").write_text("")
    (tmp_path / "environments").write_text("")
    code, out, err = init(capsys, str(tmp_path), "--system", "shop")
    assert code == exitcodes.BAD_CONFIG and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].endswith("2 problems, nothing written:") and len(lines) == 3, err
    assert everything(tmp_path) == ["checklists", "environments"]


def test_a_write_that_fails_midway_takes_back_what_it_wrote(tmp_path, capsys, monkeypatch):
    """A disk that fills after two files: what init wrote (and the folders it made) goes; a retry then works."""
    root = tmp_path / "new" / "project"
    real_open, opened = os.open, []

    def failing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            opened.append(path)
            if len(opened) == 3:
                raise OSError(28, "No space left on device", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(scaffold.os, "open", failing_open)
    err = refused(capsys, root, "--system", "shop")
    assert "No space left on device" in err and "nothing was written" in err
    assert everything(tmp_path) == []
    monkeypatch.setattr(scaffold.os, "open", real_open)
    assert init(capsys, str(root), "--system", "shop")[0] == 0
    assert everything(root) == sorted(FILES + ["checklists", "environments"])


def test_init_keeps_what_was_there_before_it_failed(tmp_path, capsys, monkeypatch):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "notes.txt").write_text("mine")
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and str(path).endswith(".gitignore"):
            raise OSError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(scaffold.os, "open", failing_open)
    refused(capsys, tmp_path, "--system", "shop")
    assert everything(tmp_path) == ["environments", "environments/notes.txt"]


# -- coverage: a checklist's words shown, never obeyed ---------------------------------------------------------
def _check(item_id: str, family: str, reason: str = "") -> Check:
    return Check(system="shop", id=item_id, name="n", section="S", title="t", family=family, cadence=None,
                 severity=Severity.normal, mutating=False, remediation="", reason=reason, params={})


CONTROLS = "\x1b[31m red \x1b[2J\r\u202eDESREVER\u202c \x07"


def test_coverage_shows_control_characters_escaped(capsys, monkeypatch):
    checks = [_check("M1", "manual", f"humans {CONTROLS} only"), _check("N1", f"nope{CONTROLS}"),
              _check("A1", "env")]
    text = format_coverage(coverage_report(checks))
    assert "humans \\x1b[31m red \\x1b[2J\\x0d\\u202eDESREVER\\u202c \\x07 only" in text
    assert "needs family nope\\x1b[31m" in text
    assert not any(ch in text for ch in "\x1b\r\x07\u202e\u202c")
    monkeypatch.setattr("opsverify.cli.load_checklists", lambda folder, **_: checks)
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    assert "\\x1b[31m red" in out and not any(ch in out for ch in "\x1b\r\x07\u202e")


def test_faults_without_the_demo_installed_says_how_to_get_it(monkeypatch, capsys):
    import argparse
    import sys

    from opsverify import cli, exitcodes

    monkeypatch.setitem(sys.modules, "opsverify_demo", None)  # an engine-only install: the import fails
    assert cli.faults(argparse.Namespace()) == exitcodes.DEMO
    assert 'pip install "<opsverify checkout>[demo]"' in capsys.readouterr().err


def test_no_two_system_names_share_their_variables():
    """`1` would be SYS_1 and so would `sys-1`: two systems of one project reading each other's secrets. A name
    that itself starts with `sys-` gets the SYS_ too, so each name has variables of its own."""
    names = ["shop", "my-app", "3dshop", "1", "sys-1", "sys-sys-1", "sys", "sys-", "sysadmin", "s-1", "a--b", "a-b"]
    prefixes = {name: scaffold.variable_prefix(name) for name in names}
    assert len(set(prefixes.values())) == len(names), prefixes
    assert (prefixes["shop"], prefixes["my-app"], prefixes["3dshop"], prefixes["1"], prefixes["sys-1"]) == (
        "SHOP", "MY_APP", "SYS_3DSHOP", "SYS_1", "SYS_SYS_1")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", prefix) for prefix in prefixes.values())
