"""The demo's database cache when something is wrong: an entry damaged past its start-up is made again, once; a
scratch folder that is full (or read-only) is said as such and costs no good entry; cache folders in the shared temp
dir are used only when they are ours. Every run here uses a cache of its own (XDG_CACHE_HOME, see _own_cache)."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from opsverify.errors import DemoFailed
from opsverify_demo import Deployment, pgcache, postgres

from .test_demo_cache import _assert_usable, _own_cache

OTHER_UID = 65534  # nobody


def _truncate_user_relations(data: Path) -> None:
    """Every table and index the seeds made, emptied: the server starts, its first read of them fails."""
    for database in (data / "base").iterdir():
        for relation in database.iterdir():
            if relation.name.isdigit() and int(relation.name) >= 16384 and relation.stat().st_size:
                os.truncate(relation, 0)


@pytest.mark.parametrize("damage", ["relation-files-truncated", "seeded-json-empty"])
def test_an_entry_that_starts_but_cannot_be_read_is_made_again(demo_deployment, tmp_path, monkeypatch, capfd, damage):
    cache = _own_cache(demo_deployment, tmp_path, monkeypatch)
    if damage == "relation-files-truncated":
        _truncate_user_relations(cache.data)
    else:
        (cache.entry / pgcache.SEEDED).write_text("{}", encoding="utf-8")
    with Deployment() as deployment:
        _assert_usable(deployment)
    assert "building it again" in capfd.readouterr().err
    with Deployment() as again:  # the entry made again serves the next run as it is
        _assert_usable(again)
    assert "database cache" not in capfd.readouterr().err


@pytest.mark.parametrize("seeded", ['{"sora-studio": "garbage"}', "[1]", '{"sora-studio": 1}', '"x"', "null",
                                    '{"sora-studio": "2020-01-01T00:00:00+00:00", "x": [1]}'])
def test_a_malformed_seeded_json_reads_as_no_entry(tmp_path, seeded):
    cache = pgcache.SeedCache("k", root=tmp_path)
    cache.entry.mkdir()
    (cache.entry / pgcache.SEEDED).write_text(seeded, encoding="utf-8")
    assert cache.seeded_at() is None


def _cp_that_fails(tmp_path, monkeypatch, said: str) -> None:
    """`cp` that fails as a full or read-only destination makes it fail: its own words on stderr, code 1."""
    stand_in = tmp_path / "bin" / "cp"
    stand_in.parent.mkdir()
    stand_in.write_text(f"#!{sys.executable}\nimport sys\nsys.stderr.write({said!r}.format(dst=sys.argv[-1]))\n"
                        "sys.exit(1)\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize("said, expected", [
    ("cp: error writing '{dst}/base/5/1259': No space left on device\n", "is full"),
    ("cp: cannot create directory '{dst}': Read-only file system\n", "cannot be written"),
    ("cp: cannot create directory '{dst}': Permission denied\n", "cannot be written"),
], ids=["full", "read-only", "not-writable"])
def test_a_scratch_folder_at_fault_keeps_the_entry_and_says_why(demo_deployment, tmp_path, monkeypatch, capfd, said,
                                                                expected):
    cache = _own_cache(demo_deployment, tmp_path, monkeypatch)
    entry = cache.entry.stat().st_ino
    _cp_that_fails(tmp_path, monkeypatch, said)
    deployment = Deployment()
    with pytest.raises(DemoFailed) as failed:
        deployment.start()
    message = failed.value.message
    assert expected in message and said.split(": ")[-1].strip() in message, message  # cp's own words too
    assert str(postgres.scratch_parent()) in message, message
    assert "database cache" not in capfd.readouterr().err  # neither "did not start" nor "building it again"
    assert cache.entry.stat().st_ino == entry and cache.seeded_at() is not None  # the same entry, whole
    assert not deployment.workdir.exists()


def test_a_scratch_folder_without_room_for_the_copy_is_said_full(demo_deployment, tmp_path, monkeypatch, capfd):
    """cp's words name no full disk (a message of another kind, or another language): the free space does."""
    cache = _own_cache(demo_deployment, tmp_path, monkeypatch)
    _cp_that_fails(tmp_path, monkeypatch, "cp: something went wrong\n")
    monkeypatch.setattr("opsverify_demo.deployment.free_bytes", lambda folder: 3 << 20)
    with pytest.raises(DemoFailed) as failed:
        Deployment().start()
    message = failed.value.message
    assert "is full (3 MB free, the demo needs ~" in message and "something went wrong" in message, message
    assert "database cache" not in capfd.readouterr().err
    assert cache.seeded_at() is not None


# -- folders in the shared temp dir -------------------------------------------------------------------------------
@pytest.fixture
def shared_temp(tmp_path, monkeypatch) -> Path:
    """A stand-in for /tmp: sticky and writable by everyone, as the real one is."""
    temp = tmp_path / "temp"
    temp.mkdir()
    temp.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def _unwritable_cache_home(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # <file>/opsverify cannot be made: the temp dir is used


def test_the_temp_cache_folder_is_made_private(tmp_path, monkeypatch, shared_temp):
    _unwritable_cache_home(tmp_path, monkeypatch)
    root = pgcache.cache_root()
    assert root.parent == shared_temp
    st = root.lstat()
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o077 == 0


@pytest.mark.parametrize("planted", ["another-users", "world-writable", "symlink"])
def test_a_temp_cache_folder_planted_by_another_is_refused(tmp_path, monkeypatch, shared_temp, planted):
    _unwritable_cache_home(tmp_path, monkeypatch)
    folder = shared_temp / f"opsverify-cache-{os.geteuid()}"
    if planted == "symlink":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        folder.symlink_to(elsewhere)
    else:
        folder.mkdir()
        folder.chmod(0o777)
        if planted == "another-users":
            if os.geteuid() != 0:
                pytest.skip("only root can give a folder to another user")
            os.chown(folder, OTHER_UID, OTHER_UID)
            folder.chmod(0o755)
    with pytest.raises(DemoFailed) as refused:
        pgcache.cache_root()
    assert str(folder) in refused.value.message and "XDG_CACHE_HOME" in refused.value.message, refused.value.message


def test_a_planted_copy_of_the_server_binaries_is_refused(monkeypatch, shared_temp):
    """As root the binaries may be copied to the temp dir for the service user: a folder of that name someone else
    made (their own `postgres` in it) is never run."""
    if os.geteuid() != 0:
        pytest.skip("the copy is made only when running as root")
    monkeypatch.setattr(postgres, "_reachable", lambda path, user: False)
    install = postgres._wheel_bin().parent
    planted = shared_temp / f"opsverify-pginstall-{install.stat().st_mtime_ns}"
    (planted / "bin").mkdir(parents=True)
    os.chown(planted, OTHER_UID, OTHER_UID)
    os.chown(planted / "bin", OTHER_UID, OTHER_UID)
    with pytest.raises(DemoFailed) as refused:
        postgres._usable_bin(postgres._service_user())
    assert str(planted) in refused.value.message, refused.value.message
