"""Folders nested deeper than Python's recursion — shutil.rmtree and os.walk call themselves once per level on 3.11,
a RecursionError past ~1,000 — wherever opsverify removes or walks what it does not own: a killed run's partial
archive, a prune's leftover, `--alluredir` under --clean-alluredir, xdist's stale shared folders, a checklists
subfolder, a repo's checkout. Each goes (or is read) in a loop; what cannot be removed is said in one line and never
stops the run."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from opsverify import archive, exitcodes, retention, seal
from opsverify.allureresults import Destination, write_folder
from opsverify.cli import main

from .runbook import make_runbook

DEPTH = 1600  # past Python's default recursion limit (1,000), below PATH_MAX with one-letter names


def nest(folder: Path, depth: int = DEPTH, bottom: str | None = None) -> None:
    """`depth` folders `d`, each in the one before, under `folder` (and a file `bottom` in the last): each made
    relative to the one above (os.makedirs on a full path recurses too)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        if bottom:
            os.close(os.open(bottom, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


@pytest.fixture(autouse=True)
def _nothing_deep_left(tmp_path):
    """pytest's own clean-up of tmp_path is shutil.rmtree: whatever a test leaves nested goes by `rm -rf` first."""
    yield
    subprocess.run(["rm", "-rf", str(tmp_path)], check=False)


def _refused(*_args, **_kwargs) -> OSError:
    return OSError(errno.EACCES, os.strerror(errno.EACCES))


# -- a killed run's partial archive -----------------------------------------------------------------------------

def test_a_stale_partial_nested_past_recursion_is_removed_and_the_run_goes_on(tmp_path):
    runbook = make_runbook(tmp_path)
    stale = runbook.env_dir / ".partial-20200101T000000Z-99999-deadbeef"
    stale.mkdir(parents=True)
    nest(stale, bottom="results.json")
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.OK, result.stdout[-2000:] + result.stderr[-2000:]
    assert "RecursionError" not in result.stdout + result.stderr
    assert not stale.exists()
    assert f"removed a stale partial archive {stale.name} (its run is gone)" in result.stdout
    assert len(runbook.archives()) == 1


def test_a_stale_partial_that_cannot_be_removed_is_left_and_said(tmp_path, monkeypatch):
    """No live run holds it, but it cannot go (a permission): the run is not stopped; the summary warns of it."""
    stale = tmp_path / ".partial-20200101T000000Z-99999-deadbeef"
    gone = tmp_path / ".partial-20200101T000000Z-99998-cafebabe"
    stale.mkdir()
    gone.mkdir()
    real = archive.remove_tree
    monkeypatch.setattr(archive, "remove_tree", lambda folder: _refused() if folder == stale else real(folder))
    removed, left, kept = archive.remove_stale_partials(tmp_path)
    assert removed == [gone.name] and left == [(stale.name, "Permission denied")] and kept == []
    assert stale.is_dir() and not gone.exists()


# -- a prune's leftover --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_archives(tmp_path_factory):
    runbook = make_runbook(tmp_path_factory.mktemp("deep") / "runbook")
    for deploy in ("first", "second"):
        ran = runbook.run("--system", "till", "--deploy-id", deploy)
        assert ran.returncode == exitcodes.OK, ran.stdout[-2000:]
    return runbook


@pytest.fixture
def env_dir(two_archives, tmp_path) -> Path:
    target = tmp_path / "reports" / "fx"
    shutil.copytree(two_archives.env_dir, target, symlinks=True)  # nothing nested in them yet
    return target


def _left_by_a_killed_prune(env_dir: Path) -> tuple[Path, str]:
    """The first archive remembered in chain.jsonl, moved aside, its files deleted (a prune killed while deleting)
    but a folder nested past recursion."""
    first = seal.archives_oldest_first(env_dir)[0]
    data = (first / "manifest.json").read_bytes()
    signature = (first / "manifest.sig").read_bytes() if (first / "manifest.sig").exists() else None
    retention._remember(env_dir, first, json.loads(data), data, signature)
    leftover = env_dir / f".pruning-{first.name}-4243"
    first.rename(leftover)
    for path in sorted(leftover.rglob("*"), reverse=True):
        path.unlink() if not path.is_dir() else path.rmdir()
    nest(leftover)
    return leftover, first.name


def test_an_archive_holding_a_folder_nested_past_recursion_is_pruned_whole(env_dir, capsys):
    first = seal.archives_oldest_first(env_dir)[0]
    (first / "junk").mkdir()
    nest(first / "junk")
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "could not be deleted" not in out, out
    assert not first.exists() and not list(env_dir.glob(".pruning-*"))


def test_a_prune_leftover_nested_past_recursion_is_finished_by_the_next_prune(env_dir, capsys):
    leftover, name = _left_by_a_killed_prune(env_dir)
    assert main(["prune", str(env_dir), "--keep", "5"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert f"finished removing {name} (an earlier prune was interrupted while deleting it" in out, out
    assert not leftover.exists()
    assert main(["verify", str(env_dir)]) == exitcodes.OK


def test_a_prune_leftover_that_cannot_be_deleted_is_said_not_finished(env_dir, capsys, monkeypatch):
    leftover, name = _left_by_a_killed_prune(env_dir)
    monkeypatch.setattr(retention, "remove_tree", _refused)
    assert main(["prune", str(env_dir), "--keep", "5"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert (f"{name} left the chain, but {leftover.name} could not be deleted (Permission denied): delete it by hand"
            in out), out
    assert "finished removing" not in out and leftover.is_dir()


# -- --alluredir under --clean-alluredir ------------------------------------------------------------------------------

def test_clean_alluredir_empties_a_folder_nested_past_recursion(tmp_path):
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "earlier-result.json").write_text("{}")
    nest(out / "old", bottom="x-result.json")
    write_folder(Destination(out, clean=True), {"a-result.json": b"{}"})
    assert sorted(p.name for p in out.iterdir()) == ["a-result.json"]


def test_clean_alluredir_that_cannot_empty_the_folder_writes_nothing_there(tmp_path, monkeypatch):
    """An earlier run's results left among this run's would read as this run's: the caller says one line (26)."""
    from opsverify import allureresults

    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier-result.json").write_text("{}")
    monkeypatch.setattr(allureresults, "remove_tree", _refused)
    with pytest.raises(OSError, match=r"--clean-alluredir could not empty it \(Permission denied\)"):
        write_folder(Destination(out, clean=True), {"a-result.json": b"{}"})
    assert [p.name for p in out.iterdir()] == ["earlier-result.json"]


# -- xdist's shared folder ----------------------------------------------------------------------------------------

@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def _stale_shared(temp: Path) -> Path:
    stale = temp / "opsverify-shared-stale0000"
    stale.mkdir()
    (stale / archive.HELD).touch()
    nest(stale)
    return stale


def test_a_stale_shared_folder_nested_past_recursion_is_swept(temp_dir):
    from opsverify.plugin import _shared_folder

    stale = _stale_shared(temp_dir)
    shared, held = _shared_folder()
    os.close(held)
    assert not stale.exists() and shared.is_dir() and shared.parent == temp_dir


def test_a_stale_shared_folder_that_cannot_be_removed_does_not_stop_the_run(temp_dir, monkeypatch):
    from opsverify.plugin import _shared_folder

    stale = temp_dir / "opsverify-shared-stale0000"
    stale.mkdir()
    (stale / archive.HELD).touch()
    monkeypatch.setattr(archive, "remove_tree", _refused)
    shared, held = _shared_folder()
    os.close(held)
    assert stale.is_dir() and shared.is_dir() and shared != stale


# -- walked: a checklists subfolder, a repo's checkout ------------------------------------------------------------

def test_a_checklist_in_a_subfolder_nested_past_recursion_is_still_named(tmp_path):
    from opsverify.checklist import _unread_checklists

    (tmp_path / "old").mkdir()
    nest(tmp_path / "old", bottom="shop.yaml")
    (problem,) = _unread_checklists(tmp_path)
    assert "checklists in a subfolder are not read" in problem, problem


def test_a_repo_folder_nested_past_recursion_is_listed(tmp_path):
    from opsverify.families.repo import _plain_files

    nest(tmp_path, bottom="deep.sql")
    assert list(_plain_files(tmp_path)) == ["/".join(["d"] * DEPTH + ["deep.sql"])]


# -- the helpers themselves -----------------------------------------------------------------------------------------

def test_remove_tree_removes_files_and_unlinks_symlinks_without_following_them(tmp_path):
    from opsverify.folders import remove_tree

    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "keep.txt").write_text("kept")
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "file.txt").write_text("x")
    (folder / "sub" / "file.txt").write_text("x")
    (folder / "to-a-folder").symlink_to(outside, target_is_directory=True)
    (folder / "sub" / "to-a-file").symlink_to(outside / "keep.txt")
    (folder / "dangling").symlink_to(tmp_path / "nothing")
    os.mkfifo(folder / "fifo")
    nest(folder / "sub", bottom="bottom.txt")
    assert remove_tree(folder) is None
    assert not os.path.lexists(folder)
    assert (outside / "keep.txt").read_text() == "kept" and (outside / "inner").is_dir()


def test_remove_tree_leaves_a_symlink_or_file_it_is_given_and_takes_a_missing_folder_as_gone(tmp_path):
    from opsverify.folders import remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept")
    link = tmp_path / "link"
    link.symlink_to(outside, target_is_directory=True)
    assert isinstance(remove_tree(link), OSError)
    assert link.is_symlink() and (outside / "keep.txt").exists()
    assert isinstance(remove_tree(outside / "keep.txt"), OSError) and (outside / "keep.txt").exists()
    assert remove_tree(tmp_path / "missing") is None


def test_remove_tree_removes_what_it_can_and_returns_the_first_error(tmp_path, monkeypatch):
    from opsverify.folders import remove_tree

    folder = tmp_path / "folder"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "stuck.txt").write_text("x")
    (folder / "b").mkdir()
    (folder / "b" / "loose.txt").write_text("x")
    real = os.unlink

    def unlink(path, *, dir_fd=None):
        if path == "stuck.txt":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)
    left = remove_tree(folder)
    assert isinstance(left, PermissionError) and left.filename == "stuck.txt"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == ["a", "a/stuck.txt"]


def test_walk_walks_as_os_walk_does_and_past_recursion(tmp_path):
    from opsverify.folders import walk

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "f.txt").write_text("x")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "g.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)  # listed, not entered
    assert [(w, sorted(d), sorted(f)) for w, d, f in walk(tmp_path)] == \
        [(w, sorted(d), sorted(f)) for w, d, f in os.walk(tmp_path)]
    deep = tmp_path / "deep"
    deep.mkdir()
    nest(deep, bottom="bottom.txt")
    assert sum(len(files) for _, _, files in walk(deep)) == 1
