"""Folders nested deeper than Python's recursion — shutil.rmtree and os.walk call themselves once per level on 3.11,
a RecursionError past ~1,000 — wherever opsverify removes or walks what it does not own: a killed run's partial
archive, a prune's leftover, `--alluredir` under --clean-alluredir, xdist's stale shared folders, a checklists
subfolder, a repo's checkout. Each goes (or is read) in a loop; what cannot be removed is said in one line and never
stops the run."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

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
