"""What an env folder holds besides its archives: only an entry under an archive's name (`<UTC start>_<deploy id>`)
is judged as an archive. A `latest` link to the newest archive, a README, a folder of notes are no archives: verify
names them in one note and ends 0, and report renders. An archive renamed out of the chain (`latest-old`) is found:
a folder holding a manifest.json under another name is tampered, a middle one's absence breaks the chain too. A folder under an archive's
name whose manifest.json was deleted is tampered (30), not "not an archive"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from opsverify import exitcodes, seal
from opsverify.cli import main

from .runbook import make_runbook
from .test_evidence import _holding
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


def test_a_live_runs_partial_holding_its_manifest_as_it_seals_is_no_finding(three, tmp_path, capsys):
    """A run writes its manifest into its `.partial-*` folder, under its lock, just before renaming it: met then,
    it is said in a note, not taken for a renamed archive."""
    env_dir = _copy(three, tmp_path)
    sealing = env_dir / ".partial-20990101T000000Z-1-cafebabe"
    sealing.mkdir()
    shutil.copy(seal.archives_oldest_first(env_dir)[-1] / seal.MANIFEST, sealing / seal.MANIFEST)
    holder = _holding(sealing)
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


# -- verify reads an env under its lock ----------------------------------------------------------------------------

def _locked(env_dir: Path) -> int:
    """The env lock as a run or a prune holds it (seal.env_lock), taken here without waiting: the descriptor."""
    import fcntl
    import os

    fd = os.open(env_dir, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_a_prune_met_midway_is_no_finding(three, tmp_path, monkeypatch):
    """A prune beside an audit: verify listed the archives, prune moved the oldest out and into chain.jsonl, verify
    found its folder gone — `tampered` on a healthy env. What verify finds it reads again under the env lock a prune
    holds for all its work: the env as the prune left it, no finding. (Read clean, it takes no lock: a verify holding
    it for a whole read would hold up a run's sealing as long as the env takes to hash.)"""
    from opsverify import retention

    env_dir = _copy(three, tmp_path)
    real, tried = seal.verify_archive, []

    def prune_meanwhile(folder, *args, **kwargs):
        if not tried:
            tried.append("pruned")
            retention.prune_env(env_dir, 1, force=True)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(seal, "verify_archive", prune_meanwhile)
    verdict = seal.verify(env_dir)
    assert tried == ["pruned"], tried
    assert verdict.findings == [] and verdict.exit_code == exitcodes.OK, verdict.findings


def test_a_clean_read_takes_no_lock(three, tmp_path, monkeypatch):
    """A run seals, a prune prunes, while a verify that finds nothing reads: it never asks for the env lock."""
    env_dir = _copy(three, tmp_path)
    asked = []
    monkeypatch.setattr(seal, "_shared_lock", lambda fd, seconds: asked.append(seconds) or True)
    assert seal.verify(env_dir).findings == [] and asked == []


def test_verify_waits_a_bounded_time_for_the_env_lock_then_says_it_verified_without_it(three, tmp_path, monkeypatch,
                                                                                      capsys):
    """A prune holds the env lock for all its work: verify, confirming what it found, waits for it only so long,
    then says it read without it in a note — never hangs behind it. The findings stand."""
    import os

    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (newest / "results.json").write_bytes((newest / "results.json").read_bytes() + b" ")  # a real finding
    monkeypatch.setattr(seal, "ENV_LOCK_WAIT", 0)
    held = _locked(env_dir)
    try:
        code, out = _verify(capsys, env_dir)
        reports_code, reports_out = _verify(capsys, env_dir.parent)
    finally:
        os.close(held)
    for code, out in ((code, out), (reports_code, reports_out)):
        assert code == exitcodes.TAMPERED, out
        assert "note           fx: verified without the env lock: a run or a prune of the env held it" in out, out
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED and "without the env lock" not in out, out


def test_an_env_whose_lock_cannot_be_taken_is_verified_as_it_is(three, tmp_path, monkeypatch, capsys):
    """A copy on a file system that takes no lock (flock refused: ENOLCK) is verified as it is, with no word of it."""
    import errno

    env_dir = _copy(three, tmp_path)

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(seal.fcntl, "flock", no_locks)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK and "env lock" not in out, out


_PAUSE_AT_RENAME = r'''
import os, time
_real = os.replace
def _paused(src, dst, *a, **k):
    if os.path.basename(str(src)).startswith(".partial-") and os.environ.get("PAUSE_DIR"):
        d = os.environ["PAUSE_DIR"]
        open(os.path.join(d, "claimed"), "w").close()
        end = time.monotonic() + 120
        while not os.path.exists(os.path.join(d, "go")) and time.monotonic() < end:
            time.sleep(0.02)
    return _real(src, dst, *a, **k)
os.replace = _paused
'''


def test_verify_meeting_a_run_as_it_claims_its_archives_name_waits_for_the_rename(tmp_path, monkeypatch):
    """A run seals under the env lock: it claims its archive's name with an empty folder, then renames its partial
    onto it. A verify in between read "manifest.json missing (deleted)", `tampered`. Here the run is paused right
    there (holding the lock) and let go only once verify asks for the lock: verify then reads the env as sealed."""
    import os
    import time

    runbook = make_runbook(tmp_path / "runbook")
    assert runbook.run("--item", "S1", "--deploy-id", "first").returncode == exitcodes.OK
    (runbook.root / "conftest.py").write_text(_PAUSE_AT_RENAME)
    pause = tmp_path / "pause"
    pause.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "GITHUB_", "CI"))}
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "checklists", "--env", "fx",
                            "--reports-dir", str(runbook.reports), "-m", "postdeploy or manual", "--item", "S1",
                            "--deploy-id", "second"], cwd=runbook.root, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           env={**clean, **runbook.variables(), "PAUSE_DIR": str(pause)})
    try:
        end = time.monotonic() + 180  # a hang guard only
        while not (pause / "claimed").exists():
            assert run.poll() is None and time.monotonic() < end, "the run never reached its sealing"
            time.sleep(0.02)
        real = seal._shared_lock

        def let_the_run_go(fd, seconds):  # verify asks for the lock the paused run holds: the run goes on now
            (pause / "go").touch()
            return real(fd, 120)  # a hang guard: the run lets go of it as soon as its rename is done

        monkeypatch.setattr(seal, "_shared_lock", let_the_run_go, raising=False)
        verdict = seal.verify(runbook.env_dir)
    finally:
        (pause / "go").touch()
        out = run.communicate(timeout=180)[0]
    assert run.returncode == exitcodes.OK, out[-2000:]
    assert verdict.findings == [], verdict.findings  # the claimed name and the live run's partial: notes, no finding
    assert any("verify again once the run ends" in note for note in verdict.notes), verdict.notes


def test_a_run_killed_between_claiming_its_name_and_renaming_onto_it_leaves_an_empty_folder_said_as_such(
        three, tmp_path, capsys):
    """Killed between the two steps of its rename, a run leaves an empty folder under its archive's name and its
    sealed partial beside it: the empty folder is that run's leftover (a note naming the partial), not a deleted
    manifest; the partial no run holds stays tampered (the archive is not in its place). An emptied folder no
    partial claims stays a deleted manifest."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    partial = env_dir / ".partial-20990101T000000Z-1-cafebabe"
    newest.rename(partial)
    newest.mkdir()
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert f"{newest.name}/manifest.json" not in out, out
    assert (f"note           {newest.name}: an empty folder under an archive's name, claimed by the run whose sealed "
            f"archive is in {partial.name}") in out, out
    assert f"tampered       {partial.name}: holds an archive's manifest.json under a name" in out, out
    shutil.rmtree(partial)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {newest.name}/manifest.json: missing (deleted" in out, out


def test_a_live_runs_partial_renamed_into_place_while_verify_looks_at_it_is_no_finding(three, tmp_path, monkeypatch):
    """verify lists a live run's partial holding its sealed files, then asks whether a run holds it: renamed into
    place meanwhile, it is gone — no run holds what is not there, and it was read as a renamed-out archive
    (`manifest.sig (its manifest.json gone)` of an unsigned run). Gone is no finding: a note to verify again."""
    import os

    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    partial = env_dir / ".partial-20990101T000000Z-1-cafebabe"
    newest.rename(partial)
    fd = os.open(partial, os.O_RDONLY | os.O_DIRECTORY)
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX)  # the run's hold (archive.hold_partial)
    real = seal.held_by_a_run

    def renamed_meanwhile(folder):
        if folder == partial and not newest.exists():
            os.rename(partial, newest)  # the run's next step: its archive is in place
            os.close(fd)  # and the run ends
        return real(folder)

    monkeypatch.setattr(seal, "held_by_a_run", renamed_meanwhile)
    verdict = seal.verify(env_dir)
    assert not [f for f in verdict.findings if f.where.startswith(partial.name)], verdict.findings
    assert any(note.startswith(f"{partial.name}: gone while verify read the env") for note in verdict.notes), \
        verdict.notes
    assert seal.verify(env_dir).exit_code == exitcodes.OK


# -- an archive moved down into a folder of its env ----------------------------------------------------------------

@pytest.mark.parametrize("holder", [".old", "old", ".partial-x/keep", "a/b/c", ".pruned/x", ".pruning-zz-1"])
def test_the_newest_archive_moved_into_a_folder_of_its_env_is_tampered(three, tmp_path, capsys, holder):
    """Renamed, the newest archive is found; moved one level down or more (`mkdir .old; mv <newest> .old/`) it was
    gone from verify without a word (nothing links to it yet). Folders of the env that are no archive are looked in,
    three levels down: one holding an archive's manifest.json is tampered, in `verify reports/<env>` and `verify
    reports` alike."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / holder).mkdir(parents=True, exist_ok=True)
    newest.rename(env_dir / holder / newest.name)
    moved = f"tampered       {holder}/{newest.name}: holds an archive's manifest.json inside "
    for path in (env_dir, env_dir.parent):
        code, out = _verify(capsys, path)
        assert code == exitcodes.TAMPERED, out
        if path == env_dir.parent or not holder[0].isalpha():  # plain `old/` makes reports/fx look like reports/
            assert moved in out, out


def test_an_archive_moved_deeper_than_verify_looks_is_not_looked_for(three, tmp_path, capsys, monkeypatch):
    """The bounds: three levels down (a note names the folders holding more, never looked in: it said nothing), and
    so many folders below each of the env's folders (then a note says not all were looked in)."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / ".a" / "b" / "c" / "d").mkdir(parents=True)
    newest.rename(env_dir / ".a" / "b" / "c" / "d" / newest.name)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK, out
    assert ("note           .a/b/c/d: holds folders more than 3 levels below .a, never looked in for an archive moved"
            " there: look in them by hand") in out, out
    monkeypatch.setattr(seal, "SEARCH_FOLDERS", 3)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK, out
    assert "note           .a: holds more than 3 folders: only the first 3 were looked in for an archive moved " \
           "there" in out, out


def test_a_runs_sweep_keeps_a_stale_partial_holding_a_sealed_archive_further_down(three, tmp_path, monkeypatch):
    """The sweep kept a `.partial-*` holding manifest.json at its top only: one holding a sealed archive a folder or
    more down (`.partial-x/keep/<archive>/`) was deleted. Kept now, said, as at the top; so is one too large to look
    through; a plain stale one still goes."""
    from opsverify import archive

    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / ".partial-x" / "keep").mkdir(parents=True)
    newest.rename(env_dir / ".partial-x" / "keep" / newest.name)
    for name in ("a", "b", "c", "d"):
        (env_dir / ".partial-wide" / name).mkdir(parents=True)
    (env_dir / ".partial-stale" / "allure-results").mkdir(parents=True)
    monkeypatch.setattr(seal, "SEARCH_FOLDERS", 4)
    removed, left, kept = archive.remove_stale_partials(env_dir)
    assert removed == [".partial-stale"] and left == [], (removed, left)
    assert kept == [(".partial-wide", "holds more than 4 folders, too many to look through for a sealed archive's "
                                      "files"),
                    (".partial-x", f"holds a sealed archive's files (manifest.json in keep/{newest.name})")], kept
    assert (env_dir / ".partial-x" / "keep" / newest.name / seal.MANIFEST).is_file()


def test_verify_never_holds_the_env_lock_while_it_reads(three, tmp_path, monkeypatch):
    """Its second read (what the first found) waits for the env lock and lets go of it: an old tampered archive,
    verified by cron, held up every run's sealing (and prunes) for as long as the env took to hash, and overlapping
    verifies could keep them waiting for good."""
    import fcntl
    import os

    env_dir = _copy(three, tmp_path)
    oldest = seal.archives_oldest_first(env_dir)[0]
    (oldest / "results.json").write_bytes((oldest / "results.json").read_bytes() + b" ")
    real, held_while_reading = seal.verify_archive, []

    def verify_archive(folder, *args, **kwargs):
        fd = os.open(env_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run's own lock, tried: free unless verify holds it
        except BlockingIOError:
            held_while_reading.append(folder.name)
        finally:
            os.close(fd)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(seal, "verify_archive", verify_archive)
    verdict = seal.verify(env_dir)
    assert verdict.exit_code == exitcodes.TAMPERED, verdict.findings
    assert held_while_reading == [], held_while_reading


# -- a folder of the env verify cannot list -------------------------------------------------------------------------

def _unlistable(monkeypatch, *folders: Path) -> None:
    """`folders` cannot be listed, as a folder of mode 0700 owned by another user is to verify (root lists any, so
    the refusal is made here): os.scandir and os.listdir (Path.iterdir's, glob's and scandir's routes alike) refuse
    each with EACCES. (test_unlistable_folders_as_another_user makes the real refusal, where it can.)"""
    for name in ("scandir", "listdir"):
        monkeypatch.setattr(os, name, _refusing(getattr(os, name), set(folders)))


def _refusing(real, folders: set[Path]):
    def listing(path=".", *args, **kwargs):
        if not isinstance(path, int) and Path(os.fsdecode(path)) in folders:  # an fd: a removal's own listing
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path, *args, **kwargs)

    return listing


@pytest.mark.parametrize("holder, unlisted", [(".old", ".old"), ("old", "old"), ("old/a", "old/a"),
                                              ("old/a", "old"), ("a/b/c/d", "a/b/c/d"), ("a/b/c/d", "a"),
                                              (".pruning-zz-1/x", ".pruning-zz-1/x")])
def test_a_folder_of_the_env_that_cannot_be_listed_is_tampered(three, tmp_path, capsys, monkeypatch, holder, unlisted):
    """`mkdir .old; mv <newest> .old/; chmod 700 .old` (another owner): verify could not look in `.old`, read that as
    nothing found, and ended 0 with `.old` never named. A folder of the env that cannot be listed, at any level the
    search for a moved archive looks at, is `tampered`, as a folder inside an archive that cannot be listed is."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    (env_dir / holder).mkdir(parents=True)
    newest.rename(env_dir / holder / newest.name)
    _unlistable(monkeypatch, env_dir / unlisted)
    said = (f"tampered       {unlisted}: could not be listed (Permission denied): an archive may have been moved "
            "there")
    for path in (env_dir, env_dir.parent):
        code, out = _verify(capsys, path)
        assert code == exitcodes.TAMPERED, out
        assert said in out, out


def test_a_folder_of_the_env_that_is_gone_as_it_is_searched_is_no_finding(three, tmp_path, capsys, monkeypatch):
    """Gone between its listing and its search (a run's working folder renamed, a prune's removed) is no folder
    hidden from verify: nothing found in it, as before."""
    env_dir = _copy(three, tmp_path)
    (env_dir / "notes" / "old").mkdir(parents=True)
    real = os.scandir

    def scandir(path=".", *args, **kwargs):
        if not isinstance(path, int) and Path(os.fsdecode(path)) == env_dir / "notes" / "old":
            raise FileNotFoundError(2, "No such file or directory", os.fsdecode(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK, out


def test_a_runs_sweep_keeps_a_stale_partial_holding_a_folder_it_cannot_list(three, tmp_path, monkeypatch):
    """A sealed archive may be in it: kept and said, as one too large to look through is."""
    from opsverify import archive

    env_dir = _copy(three, tmp_path)
    (env_dir / ".partial-x" / "keep").mkdir(parents=True)
    _unlistable(monkeypatch, env_dir / ".partial-x" / "keep")
    removed, left, kept = archive.remove_stale_partials(env_dir)
    assert removed == [] and left == [], (removed, left)
    assert kept == [(".partial-x", "holds a folder that could not be listed (keep: Permission denied), which may "
                                   "hold a sealed archive's files")], kept
    _unlistable(monkeypatch, env_dir / ".partial-x")  # itself: the sweep's listings both refused
    removed, left, kept = archive.remove_stale_partials(env_dir)
    assert removed == [] and left == [], (removed, left)
    assert kept == [(".partial-x", "could not be listed (Permission denied), so may hold a sealed archive's "
                                   "files")], kept


def test_an_empty_folder_of_the_env_that_cannot_be_listed_is_tampered(three, tmp_path, capsys, monkeypatch):
    """`mkdir old; chmod 700 old` (another owner): verify ended in a PermissionError traceback, exit 1, taking `old`
    for a possible env folder of reports/ before it verified the env. What it holds cannot be seen: tampered."""
    env_dir = _copy(three, tmp_path)
    (env_dir / "old").mkdir()
    _unlistable(monkeypatch, env_dir / "old")
    for path in (env_dir, env_dir.parent):
        code, out = _verify(capsys, path)
        assert code == exitcodes.TAMPERED, out
        assert ("tampered       old: could not be listed (Permission denied): an archive may have been moved there"
                in out), out


@pytest.mark.parametrize("name", ["staging", ".staging"])
def test_a_folder_of_reports_that_cannot_be_listed_is_tampered_and_the_envs_are_verified(three, tmp_path, capsys,
                                                                                       monkeypatch, name):
    """`verify reports/` beside another env's folder it cannot list crashed (PermissionError, exit 1): an env folder
    may be in it, whose archives go unverified. It is named, tampered; every env folder it can list is verified."""
    env_dir = _copy(three, tmp_path)
    (env_dir.parent / name).mkdir()
    _unlistable(monkeypatch, env_dir.parent / name)
    code, out = _verify(capsys, env_dir.parent)
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {name}: could not be listed (Permission denied), in reports/: it may be (or hold) an env "
            "folder, whose archives are not verified; run verify as a user who can read the whole of reports/") in out, out
    assert [line for line in out.splitlines() if line.startswith("tampered")] == [f"tampered       {name}: could "
            "not be listed (Permission denied), in reports/: it may be (or hold) an env folder, whose archives are not "
            "verified; run verify as a user who can read the whole of reports/"], out  # fx's 3 archives verify
    (env_dir.parent / "fx").rename(env_dir.parent / "gone")  # reports/ holding nothing else it can see
    shutil.rmtree(env_dir.parent / "gone")
    code, out = _verify(capsys, env_dir.parent)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {name}: could not be listed (Permission denied), in reports/" in out, out


def test_an_env_folder_or_an_archives_env_that_cannot_be_listed_is_tampered(three, tmp_path, capsys, monkeypatch):
    """verify reports/fx (or an archive in it) where fx itself cannot be listed (mode 0711: its chain.jsonl is found
    by name, its archives cannot be): what it holds, an archive's place in its chain, cannot be verified."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    _unlistable(monkeypatch, env_dir)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {env_dir}: could not be listed (Permission denied): nothing in it can be verified; run "
            "verify as a user who can read it") in out, out
    code, out = _verify(capsys, newest)
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {env_dir}: could not be listed (Permission denied): {newest.name}'s place in its env's "
            "chain cannot be verified; run verify as a user who can read it") in out, out


def test_report_of_an_env_holding_a_folder_it_cannot_list_is_not_rendered(three, tmp_path, capsys, monkeypatch):
    """report reports/fx said a PermissionError as an opsverify bug (exit 27): the env does not verify (30)."""
    env_dir = _copy(three, tmp_path)
    (env_dir / "old").mkdir()
    _unlistable(monkeypatch, env_dir / "old")
    code = main(["report", str(env_dir)])
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert code == exitcodes.TAMPERED, said
    assert (f"{env_dir}: not rendered, the env does not verify: old: could not be listed (Permission denied)"
            in said), said
    assert "bug" not in said and "Traceback" not in said, said


# A real refusal: root lists any folder, so the verify runs as `nobody`, its folders root's of mode 0700. The child
# imports all it needs as root (the interpreter's own files may be root's alone), then drops to nobody for good.
_AS_NOBODY = """
import os, sys
import opsverify.cli, opsverify.report, opsverify.seal
os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
sys.exit(opsverify.cli.main(["verify", sys.argv[1]]))
"""


def _as_nobody(path: Path) -> tuple[int, str]:
    pythonpath = str(Path(seal.__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", _AS_NOBODY, str(path)], capture_output=True, text=True, timeout=60,
                          cwd="/", env={**os.environ, "PYTHONPATH": pythonpath})
    return done.returncode, done.stdout + done.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="makes another user's refusal: root only")
def test_unlistable_folders_as_another_user(three, capsys):
    """The repro: `mkdir old; mv <newest> old/; chmod 700 old` as root, then verify as another user: a traceback,
    exit 1. Now tampered, `old` named; so is another env's folder of reports/ it cannot list."""
    top = Path(tempfile.mkdtemp(prefix="opsverify-unlistable-"))
    try:
        env_dir = top / "reports" / "fx"
        shutil.copytree(three.env_dir, env_dir, symlinks=True)
        for folder in [top, *(p for p in top.rglob("*") if p.is_dir() and not p.is_symlink())]:
            os.chmod(folder, 0o755)
        code, out = _as_nobody(env_dir)
        if code != exitcodes.OK:
            pytest.skip(f"verify as nobody did not run here: {out[-300:]}")
        newest = seal.archives_oldest_first(env_dir)[-1]
        (env_dir / "old").mkdir(mode=0o700)
        newest.rename(env_dir / "old" / newest.name)
        (env_dir.parent / "staging").mkdir(mode=0o700)
        code, out = _as_nobody(env_dir)
        assert code == exitcodes.TAMPERED, out
        assert "tampered       old: could not be listed (Permission denied)" in out, out
        code, out = _as_nobody(env_dir.parent)
        assert code == exitcodes.TAMPERED, out
        assert "tampered       old: could not be listed (Permission denied)" in out, out
        assert "tampered       staging: could not be listed (Permission denied), in reports/" in out, out
        assert "Traceback" not in out, out
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("where", ["env", "reports"])
def test_prune_beside_a_folder_it_cannot_list_prunes_and_leaves_it(three, tmp_path, capsys, monkeypatch, where):
    """`old/` of mode 0700 and another owner in reports/<env> (or another env's folder in reports/): prune ended in a
    PermissionError traceback looking for env folders in it. It prunes the env and leaves that folder alone (verify
    names it)."""
    env_dir = _copy(three, tmp_path)
    newest = seal.archives_oldest_first(env_dir)[-1]
    holder = env_dir / "old" if where == "env" else env_dir.parent / "staging"
    holder.mkdir()
    _unlistable(monkeypatch, holder)
    assert main(["prune", str(env_dir if where == "env" else env_dir.parent), "--keep", "1", "--force"]) == \
        exitcodes.OK, capsys.readouterr()
    assert [p.name for p in seal.archive_dirs(env_dir)] == [newest.name]
    assert holder.is_dir()
