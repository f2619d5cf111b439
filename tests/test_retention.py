"""`opsverify prune` never turns an env that verifies into one that does not, reads each manifest of the env a
bounded number of times however many archives it removes (it holds the env's lock while it works), and deletes
beside an archive only the HTML report opsverify rendered of it.

Every archive here is fabricated (files, hashes, manifest, links).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsverify import exitcodes, report, seal

from .test_cli_edges import chained, make_archive, one_line, run

FILE_LIMIT = 2 << 30  # as archive_writer says: no archive opsverify writes holds a larger file


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "reports" / "fx"
    folder.mkdir(parents=True)
    return folder


def _verifies(capsys, path: Path) -> None:
    code, out, _ = run(capsys, "verify", str(path))
    assert code == exitcodes.OK, out


def _first_opsverify_archive(env_dir: Path, name: str) -> Path:
    """An archive as opsverify's first version sealed it: its manifest names neither itself nor a previous one."""
    folder = env_dir / name
    folder.mkdir()
    results = (json.dumps({"env": "fx", "deploy_id": "local", "checks": []}, indent=2) + "\n").encode()
    (folder / "results.json").write_bytes(results)
    manifest = {"env": "fx", "deploy_id": "local", "suite_version": "0.1.0", "started": "2026-11-25T10:50:00Z",
                "ended": "2026-11-25T10:50:05Z", "counts": {"passed": 0, "failed": 0}, "redactions_applied": 0,
                "files": {"results.json": seal.sha256_bytes(results)}}
    (folder / seal.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def test_pruning_an_archive_from_the_first_opsverify_keeps_the_chain_verifying(env_dir, capsys):
    old = _first_opsverify_archive(env_dir, "20261125T105000Z_local")
    make_archive(env_dir, "20261202T050000Z_new", old)
    _verifies(capsys, env_dir)
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK and f"removed {old.name}" in out, out
    _verifies(capsys, env_dir)
    entry = json.loads((env_dir / seal.CHAIN).read_text(encoding="utf-8"))
    assert entry["archive"] == old.name  # the name its folder had: its manifest names none


def test_prune_leaves_the_archives_of_another_env_alone(tmp_path, capsys):
    """An env folder holding another env's archives (copied or moved in) does not verify: prune removes none of
    them there, and says why."""
    prod = tmp_path / "reports" / "prod"
    made = chained(tmp_path / "reports" / "fx", ["20261201T050000Z_a", "20261202T050000Z_b", "20261203T050000Z_c"])
    prod.parent.mkdir(exist_ok=True)
    (tmp_path / "reports" / "fx").rename(prod)
    code, out, _ = run(capsys, "prune", str(prod), "--keep", "1")
    assert [p.name for p in sorted(prod.iterdir()) if p.is_dir()] == [m.name for m in made], out
    assert "an archive of env 'fx', not prod (the folder it is in)" in out and "prod: 0 removed" in out, out
    assert code == exitcodes.OK
    assert not (prod / seal.CHAIN).exists()


def _manifest_reads(monkeypatch) -> list[str]:
    """Every read of a manifest (an archive's, or one kept in .pruned/), by file name."""
    reads: list[str] = []
    read_regular = seal.read_regular

    def counted(path, limit=None, what="file"):
        if limit == seal.MANIFEST_LIMIT:
            reads.append(Path(path).name)
        return read_regular(path, limit, what)

    monkeypatch.setattr(seal, "read_regular", counted)
    return reads


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "prune"])
def test_prune_reads_each_manifest_a_bounded_number_of_times(env_dir, capsys, monkeypatch, dry_run):
    """It verifies each archive it would remove; the env's chain is read once for all of them, not once for each
    (40 archives: some 1,000 reads, and 800 archives took minutes under the env's lock)."""
    count = 40
    chained(env_dir, [f"20261125T10{minute:02d}00Z_d{minute}" for minute in range(count)])
    reads = _manifest_reads(monkeypatch)
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1", *(["--dry-run"] if dry_run else []))
    monkeypatch.undo()
    said = "fx: would remove 2026" if dry_run else "fx: removed 2026"
    assert code == exitcodes.OK and sum(line.startswith(said) for line in out.splitlines()) == count - 1, out
    # some four each: the env's order, its chain, the candidate, its verify
    assert len(reads) <= 5 * count, f"{len(reads)} manifest reads for {count} archives"
    _verifies(capsys, env_dir)


def test_prune_leaves_an_html_file_opsverify_did_not_render_and_says_so(env_dir, capsys):
    first, second, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b", "20261125T104622Z_c"])
    foreign = env_dir / f"{first.name}.html"
    foreign.write_text("the auditor's own notes\n", encoding="utf-8")
    ours = env_dir / f"{second.name}.html"
    ours.write_text(report.marked("<!DOCTYPE html><html><head><title>r</title></head><body></body></html>"),
                    encoding="utf-8")
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK, out
    assert seal.archive_dirs(env_dir) == [last]
    assert foreign.read_text(encoding="utf-8") == "the auditor's own notes\n" and not ours.exists()
    assert (f"fx: {first.name} removed, but {foreign.name} was left: it is not a report opsverify rendered "
            "(prune deletes only its own)") in out, out
    assert ours.name not in out
    _verifies(capsys, env_dir)


def test_prune_leaves_a_symlink_at_an_archives_report_name(env_dir, tmp_path, capsys):
    first, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    target = tmp_path / "elsewhere.html"
    target.write_text(report.marked("<html><head></head></html>"), encoding="utf-8")
    link = env_dir / f"{first.name}.html"
    link.symlink_to(target)
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK and link.is_symlink() and target.is_file(), out
    assert f"{link.name} was left: it is not a report opsverify rendered" in out


def test_prune_keeps_an_archive_with_a_file_larger_than_opsverify_writes_unhashed(env_dir, capsys):
    first, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    with open(first / "results.json", "r+b") as handle:
        handle.truncate(FILE_LIMIT + 1)  # sparse: it takes no disk
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK, out
    assert (f"kept {first.name}: does not verify ({first.name}/results.json: is larger than any file opsverify "
            "writes into an archive (2 GiB): not hashed") in out, out
    assert seal.archive_dirs(env_dir) == [first, last]


def test_prune_output_spells_every_character_of_a_name(env_dir, capsys):
    first, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    (first / "results.json\u200b").write_text("x", encoding="utf-8")
    (first / "x\nfx: 1 removed").write_text("x", encoding="utf-8")
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK, out
    assert "results.json\\u200b: added after sealing" in out
    assert [line for line in out.splitlines() if line.startswith("fx: ")] == out.splitlines()
    assert out.splitlines()[-1] == "fx: 0 removed, 1 kept as evidence, the newest 1 kept"
    one_line(f"{out.splitlines()[0]}\n")


# -- what prune never reaches through ----------------------------------------------------------------------------
def test_prune_reports_leaves_an_env_folder_that_is_a_symlink_alone(tmp_path, capsys):
    """`prune reports` prunes the env folders reports/ holds, not where a symlink among them leads; named itself
    (`prune reports/<env>`), the env is where the user says it is."""
    reports, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    (reports / "fx").mkdir(parents=True)
    (elsewhere / "linked").mkdir(parents=True)
    own = chained(reports / "fx", ["20261125T104620Z_a", "20261125T104621Z_b"])
    theirs = chained(elsewhere / "linked", ["20261125T104620Z_c", "20261125T104621Z_d"])
    (reports / "linked").symlink_to(elsewhere / "linked", target_is_directory=True)
    code, out, _ = run(capsys, "prune", str(reports), "--keep", "0")
    assert code == exitcodes.OK, out
    assert not any(archive.exists() for archive in own)
    assert all(archive.is_dir() for archive in theirs), out
    assert "linked: left the env folder alone: a symlink" in out, out
    assert not (elsewhere / "linked" / seal.CHAIN).exists()
    code, out, _ = run(capsys, "prune", str(reports / "linked"), "--keep", "1")  # named: followed
    assert code == exitcodes.OK and f"removed {theirs[0].name}" in out, out


def test_prune_reports_of_symlinked_env_folders_only_says_so(tmp_path, capsys):
    reports, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    reports.mkdir()
    (elsewhere / "linked").mkdir(parents=True)
    theirs = chained(elsewhere / "linked", ["20261125T104620Z_c", "20261125T104621Z_d"])
    (reports / "linked").symlink_to(elsewhere / "linked", target_is_directory=True)
    code, out, _ = run(capsys, "prune", str(reports), "--keep", "0")
    assert code == exitcodes.OK, out
    assert "linked: left the env folder alone: a symlink" in out and all(a.is_dir() for a in theirs), out


def test_prune_that_could_not_keep_a_manifest_ends_with_26(env_dir, tmp_path, capsys):
    """A .pruned that is a symlink: prune never writes through it, so an archive it should remove stays; that is
    no success (exit 26, as for a reports folder it cannot write)."""
    first, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    (tmp_path / "elsewhere").mkdir()
    (env_dir / seal.PRUNED).symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    code, out, err = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.ARCHIVE, out + err
    assert f"left {first.name} alone: its manifest cannot be kept in .pruned/" in out
    assert "1 archive could not be removed" in err
    assert first.is_dir() and not list((tmp_path / "elsewhere").iterdir())


@pytest.mark.parametrize("stray", ["chain", "archive"])
def test_prune_reports_prunes_every_env_whatever_else_stands_in_reports(tmp_path, capsys, stray):
    """A chain.jsonl (or an archive) standing in reports/ itself made prune take reports/ for the env folder: no env
    was pruned, and an archive there would have been pruned with an env's files written into reports/."""
    reports = tmp_path / "reports"
    own = chained(reports / "fx", ["20261125T104620Z_a", "20261125T104621Z_b"])
    if stray == "chain":
        (reports / seal.CHAIN).write_text("")
        name = seal.CHAIN
    else:
        name = chained(tmp_path / "other" / "fy", ["20261125T104622Z_c", "20261125T104623Z_d"])[0].name
        (tmp_path / "other" / "fy" / name).rename(reports / name)
    before = sorted(p.name for p in reports.iterdir())
    code, out, _ = run(capsys, "prune", str(reports), "--keep", "1")
    assert code == exitcodes.OK, out
    assert not own[0].exists() and own[1].is_dir(), out
    assert f"{name}: left alone: " in out and "in reports/ itself beside its env folders" in out, out
    assert sorted(p.name for p in reports.iterdir()) == before, out  # nothing written into reports/ itself
