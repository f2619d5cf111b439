"""What an env folder holds besides its archives: only an entry under an archive's name (`<UTC start>_<deploy id>`)
is judged as an archive. A `latest` link to the newest archive, a README, a folder of notes are no archives: verify
names them in one note and ends 0, and report renders. An archive renamed out of the chain (`latest-old`) is found:
a folder holding a manifest.json under another name is tampered, a middle one's absence breaks the chain too. A folder under an archive's
name whose manifest.json was deleted is tampered (30), not "not an archive"."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsverify import exitcodes, seal
from opsverify.cli import main

from .runbook import make_runbook
from .test_report_html import _needed, _renderer_installed


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """Three clean unsigned archives of env fx."""
    runbook = make_runbook(tmp_path_factory.mktemp("three") / "runbook")
    for deploy in ("first", "second", "third"):
        assert runbook.run("--item", "S1", "--deploy-id", deploy).returncode == exitcodes.OK
    return runbook


def _copy(runbook, tmp_path: Path) -> Path:
    target = tmp_path / "reports" / "fx"
    shutil.copytree(runbook.env_dir, target, symlinks=True)
    return target


def _verify(capsys, *args: str | Path) -> tuple[int, str]:
    code = main(["verify", *map(str, args)])
    return code, capsys.readouterr().out


def _manifest_hash(archive: Path) -> str:
    return seal.sha256_file(archive / seal.MANIFEST)


def test_a_latest_link_a_readme_and_a_folder_of_notes_are_said_ignored_not_tampered(three, tmp_path, capsys):
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / "latest").symlink_to(newest.name, target_is_directory=True)
    (env_dir / "README").write_text("prod's verification archives\n")
    (env_dir / "notes").mkdir()
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK, out
    assert "OK: 3 archives of env fx verified" in out, out
    ignored = [line for line in out.splitlines() if "not under an archive's name" in line]
    assert ignored == ["note           fx: not under an archive's name (<UTC start>_<deploy id>), so not verified as "
                       "archives: README (a file), latest (a symlink), notes (a folder)"], out
    assert [p.name for p in seal.archive_dirs(env_dir)] == [p.name for p in seal.archives_oldest_first(env_dir)]
    assert "latest" not in [p.name for p in seal.archives_oldest_first(env_dir)]


def test_report_renders_the_newest_archive_beside_a_latest_link(three, tmp_path, capsys, monkeypatch):
    _needed(_renderer_installed(), "the renderer is not installed (make setup)")
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / "latest").symlink_to(newest.name, target_is_directory=True)
    code = main(["report", str(env_dir)])
    out = capsys.readouterr().out
    assert code == exitcodes.OK, out
    assert f"report: {env_dir / (newest.name + '.html')}" in out, out


def test_a_folder_holding_no_archive_but_a_symlinked_folder_is_not_an_archive(tmp_path, capsys):
    somewhere = tmp_path / "some" / "dir"
    (tmp_path / "elsewhere").mkdir()
    somewhere.mkdir(parents=True)
    (somewhere / "data").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (somewhere / "plain").mkdir()
    code, out = _verify(capsys, somewhere)
    assert code == exitcodes.NOT_AN_ARCHIVE, out
    assert f"not-an-archive {somewhere}: neither an archive (no manifest.json) nor a reports/<env> folder" in out, out
    assert "tampered" not in out, out


def test_a_middle_archive_renamed_out_of_the_chain_is_still_a_broken_chain(three, tmp_path, capsys):
    env_dir = _copy(three, tmp_path)
    first, middle, newest = seal.archives_oldest_first(env_dir)
    middle.rename(env_dir / "latest-old")
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out  # the folder holding its manifest under another name
    assert "tampered       latest-old: holds an archive's manifest.json under a name that is not an archive's" in out, out
    assert (f"broken-chain   {newest.name}: its previous archive {middle.name} is missing (removed without opsverify "
            "prune)") in out, out
    assert "archives: latest-old (a folder holding a manifest.json)" in out, out  # said, not in the chain's place


def test_the_newest_archive_renamed_out_of_the_chain_is_tampered(three, tmp_path, capsys):
    """Nothing links to the newest archive yet: renamed out of an archive's name, a folder holding its manifest is
    what finds it (deleted, only the hash the run printed does: --expect)."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    digest = _manifest_hash(newest)
    newest.rename(env_dir / "latest-old")
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert "tampered       latest-old: holds an archive's manifest.json under a name that is not an archive's" in out, out
    code, out = _verify(capsys, env_dir, "--expect", digest)
    assert code == exitcodes.TAMPERED, out
    assert f"no archive in the chain has manifest sha256 {digest}" in out, out


def test_an_archive_whose_manifest_was_deleted_is_tampered(three, tmp_path, capsys):
    env_dir = _copy(three, tmp_path)
    first, middle, newest = seal.archives_oldest_first(env_dir)
    (middle / seal.MANIFEST).unlink()
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    lost = (f"tampered       {middle.name}/manifest.json: missing (deleted: the folder stands under an archive's "
            "name in an env folder, and none of its files can be checked without it)")
    assert lost in out and "not-an-archive" not in out, out
    code, out = _verify(capsys, middle)  # named itself
    assert code == exitcodes.TAMPERED and lost in out, out
    alone = tmp_path / "copied" / middle.name  # out of its env: it holds a run's files
    shutil.copytree(middle, alone)
    code, out = _verify(capsys, alone)
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {middle.name}/manifest.json: missing (deleted: the folder, under an archive's name, "
            "holds a run's files") in out, out
    (alone.parent / "plain").mkdir()
    code, out = _verify(capsys, alone.parent / "plain")  # neither: not an archive, as before
    assert code == exitcodes.NOT_AN_ARCHIVE, out


def test_a_symlink_under_an_archive_name_stays_tampered_beside_a_latest_link(three, tmp_path, capsys):
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / "latest").symlink_to(newest.name, target_is_directory=True)
    forged = env_dir / "20990101T000000Z_forged"
    forged.symlink_to(newest.name, target_is_directory=True)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {forged.name}: a symlink, not an archive folder" in out, out
    assert "latest (a symlink)" in out, out


def test_prune_leaves_a_latest_link_alone_and_unnamed(three, tmp_path, capsys):
    env_dir = _copy(three, tmp_path)
    first, middle, newest = seal.archives_oldest_first(env_dir)
    (env_dir / "latest").symlink_to(newest.name, target_is_directory=True)
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "latest" not in out, out
    assert [p.name for p in seal.archive_dirs(env_dir)] == [newest.name]
    assert (env_dir / "latest").is_symlink()
    assert _verify(capsys, env_dir)[0] == exitcodes.OK


# -- a dot-name hides nothing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("hidden", [".notes", ".old", ".partial-x", ".making-x", ".pruning-x"])
def test_the_newest_archive_renamed_to_a_dot_name_is_tampered(three, tmp_path, capsys, hidden):
    """A dot-name is no way out of the chain: renamed to one (a run's working folder's `.partial-x` too), the
    folder holding the newest archive's manifest is tampered as under a plain name."""
    env_dir = _copy(three, tmp_path)
    seal.archives_oldest_first(env_dir)[-1].rename(env_dir / hidden)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {hidden}: holds an archive's manifest.json under a name that is not an archive's" in out, out


def _held(folder: Path) -> subprocess.Popen:
    """Another process, holding the lock a live run holds on its working folder (archive.hold_partial)."""
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(folder)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_live_runs_partial_holding_its_manifest_as_it_seals_is_no_finding(three, tmp_path, capsys):
    """A run writes its manifest into its `.partial-*` folder, under its lock, just before renaming it: met then,
    it is said in a note, not taken for a renamed archive."""
    env_dir = _copy(three, tmp_path)
    sealing = env_dir / ".partial-20990101T000000Z-1-cafebabe"
    sealing.mkdir()
    shutil.copy(seal.archives_oldest_first(env_dir)[-1] / seal.MANIFEST, sealing / seal.MANIFEST)
    holder = _held(sealing)
    try:
        code, out = _verify(capsys, env_dir)
    finally:
        holder.kill()
        holder.wait()
    assert code == exitcodes.OK, out
    assert f"{sealing.name}: a live run's working folder, sealing its archive" in out, out


def test_an_env_folder_renamed_to_a_dot_name_in_reports_is_tampered(three, tmp_path, capsys):
    """`verify reports` passes over hidden folders: an env folder renamed to a dot-name (here a second copy of fx's,
    beside it) is found, not dropped unsaid."""
    env_dir = _copy(three, tmp_path)
    shutil.copytree(env_dir, env_dir.parent / ".fx", symlinks=True)
    code, out = _verify(capsys, env_dir.parent)
    assert code == exitcodes.TAMPERED, out
    assert "tampered       .fx: a hidden folder holding an env's archives" in out, out


def test_a_run_never_deletes_a_sealed_archive_renamed_to_a_stale_partials_name(tmp_path, capsys):
    """A `.partial-*` folder no run holds is swept by the next run — but not one holding a manifest.json (or a
    signature): that is evidence. It is left, said in one line, and verify reports it."""
    runbook = make_runbook(tmp_path / "runbook")
    for deploy in ("first", "second"):
        assert runbook.run("--item", "S1", "--deploy-id", deploy).returncode == exitcodes.OK
    hidden = runbook.env_dir / ".partial-zz"
    runbook.newest().rename(hidden)
    signed_only = runbook.env_dir / ".partial-sig"
    signed_only.mkdir()
    (signed_only / seal.SIGNATURE).write_text("a signature\n")
    ran = runbook.run("--item", "S1", "--deploy-id", "third")
    assert ran.returncode == exitcodes.OK, ran.stdout[-2000:]
    assert (hidden / seal.MANIFEST).is_file() and (signed_only / seal.SIGNATURE).is_file()
    for kept, held in ((hidden, seal.MANIFEST), (signed_only, seal.SIGNATURE)):
        assert (f"warning: {kept.name} is named as a stale partial archive but holds a sealed archive's files "
                f"({held}): left as it is (`opsverify verify` reports it)") in ran.stdout, ran.stdout[-2000:]
    assert "removed a stale partial archive" not in ran.stdout
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.TAMPERED, out
    assert "tampered       .partial-zz: holds an archive's manifest.json under a name that is not" in out, out
    assert "tampered       .partial-sig: holds an archive's manifest.sig (its manifest.json gone) under" in out, out
