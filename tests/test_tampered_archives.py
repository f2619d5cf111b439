"""What a hostile hand can leave in an archive or in chain.jsonl — JSON nested without end, a field of another
type, a symlink, a folder where a file was, a forged earlier archive — is a finding with its exit code (verify),
a left-out history entry or one line (report), an archive kept or left alone (prune): never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import exitcodes, seal
from opsverify.cli import main
from opsverify.report import history_points, left_out_note

from .runbook import make_runbook, read_json

NESTED = b"[" * 100_000 + b"]" * 100_000  # deeper than any parser's recursion


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """Three signed archives of env fx."""
    runbook = make_runbook(tmp_path_factory.mktemp("signed") / "runbook")
    key = seal.private_pem(Ed25519PrivateKey.generate())
    for _ in range(3):
        assert runbook.run("--item", "S1", env={seal.SIGNING_KEY_ENV: key}).returncode == exitcodes.OK
    return runbook


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory):
    """Three clean unsigned archives of env fx: what whoever edits them can re-seal."""
    runbook = make_runbook(tmp_path_factory.mktemp("unsigned") / "runbook")
    for deploy in ("first", "second", "third"):
        assert runbook.run("--system", "till", "--deploy-id", deploy).returncode == exitcodes.OK  # whole: prunable
    return runbook


def _copy(runbook, tmp_path: Path) -> Path:
    target = tmp_path / "reports" / "fx"
    shutil.copytree(runbook.env_dir, target, symlinks=True)
    return target


def _verify(capsys, path: Path) -> tuple[int, str]:
    code = main(["verify", str(path)])
    return code, capsys.readouterr().out


def _write_manifest(archive: Path, manifest: dict) -> None:
    (archive / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _reseal(env_dir: Path, archive: Path, results: bytes | None = None, **fields) -> None:
    """The forger of unsigned archives: a new results.json and manifest fields, the file re-hashed into the
    manifest, and every later archive's link re-pointed, so the chain holds again."""
    manifest = read_json(archive / "manifest.json")
    if results is not None:
        (archive / "results.json").write_bytes(results)
        manifest["files"]["results.json"] = seal.sha256_file(archive / "results.json")
    _write_manifest(archive, {**manifest, **fields})
    archives = seal.archive_dirs(env_dir)
    for previous, later in zip(archives[archives.index(archive):], archives[archives.index(archive) + 1:]):
        manifest = read_json(later / "manifest.json")
        manifest["previous"]["manifest_sha256"] = seal.sha256_file(previous / "manifest.json")
        _write_manifest(later, manifest)


# -- 1. malformed JSON in an archive or chain.jsonl is a finding -------------------------------------------
def test_a_manifest_nested_without_end_is_tampered(signed, tmp_path, capsys):
    env_dir = _copy(signed, tmp_path)
    archive = seal.archive_dirs(env_dir)[1]
    (archive / "manifest.json").write_bytes(NESTED)
    code, out = _verify(capsys, archive)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {archive.name}/manifest.json: not a manifest as opsverify writes it: is nested" in out
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert f"its previous archive {archive.name} does not have the manifest hash" in out  # the next one's link tells


@pytest.mark.parametrize("value", ["ed25519", ["ed25519"], 5], ids=["string", "list", "number"])
def test_a_seal_that_is_not_an_object_is_tampered(signed, tmp_path, capsys, value):
    archive = seal.archive_dirs(_copy(signed, tmp_path))[0]
    _write_manifest(archive, {**read_json(archive / "manifest.json"), "seal": value})
    code, out = _verify(capsys, archive)
    assert code == exitcodes.TAMPERED, out
    assert f'{archive.name}/manifest.json: not a manifest as opsverify writes it: its "seal" is' in out


def test_a_signature_that_is_a_folder_is_a_finding(signed, tmp_path, capsys):
    archive = seal.archive_dirs(_copy(signed, tmp_path))[0]
    (archive / "manifest.sig").unlink()
    (archive / "manifest.sig").mkdir()
    code, out = _verify(capsys, archive)
    assert code == exitcodes.TAMPERED, out
    assert f"bad-signature  {archive.name}: manifest.sig is a folder, not a file" in out
    assert f"tampered       {archive.name}/manifest.sig: a folder added after sealing" in out


@pytest.mark.parametrize("line", [b"[1]", b"\xff", NESTED, b'{"archive": "x", "manifest_sha256": "y", '
                                                            b'"previous_sha256": {"a": 1}}'],
                         ids=["list", "not-utf8", "nested", "unhashable-link"])
def test_a_chain_line_that_is_not_an_entry_breaks_the_chain(signed, tmp_path, capsys, line):
    env_dir = _copy(signed, tmp_path)
    (env_dir / "chain.jsonl").write_bytes(line + b"\n")
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "broken-chain   fx/chain.jsonl line 1: not a chain entry: " in out


def _public_key_of(env_dir: Path, tmp_path: Path) -> Path:
    public = tmp_path / "signing.pub"
    manifest = read_json(seal.archive_dirs(env_dir)[0] / "manifest.json")
    public.write_text(seal.public_pem(seal.parse_public_key(manifest["seal"]["public_key"])))
    return public


# The hash of a chain.jsonl line names its files in .pruned/ (`<hash>.json`): one that is no SHA-256 — a NUL, half
# of a UTF-16 pair, a `../` — was joined into a path before anything looked at it (ValueError: embedded null byte)
@pytest.mark.parametrize("digest", [r"a\u0000b", r"\ud800", "../../outside", "A" * 64, "a" * 63],  # as JSON writes them
                         ids=["nul", "lone-surrogate", "dot-dot", "upper-case", "short"])
def test_a_chain_line_whose_hash_is_no_sha256_is_tampered_and_never_a_path(signed, tmp_path, capsys, digest):
    env_dir = _copy(signed, tmp_path)
    public = _public_key_of(env_dir, tmp_path)
    (tmp_path / "reports" / "outside.json").write_text("{}")  # where `../` would lead from .pruned/
    (env_dir / seal.PRUNED).mkdir()
    (env_dir / "chain.jsonl").write_text(f'{{"archive": "x", "manifest_sha256": "{digest}"}}\n', encoding="utf-8")
    said = 'tampered       fx/chain.jsonl line 1: its "manifest_sha256" is '
    for key in ((), ("--public-key", str(public))):
        code, out = _verify(capsys, env_dir) if not key else (main(["verify", str(env_dir), *key]),
                                                               capsys.readouterr().out)
        assert code == exitcodes.TAMPERED, out
        assert said in out and "not a SHA-256 (64 lowercase hex digits, as prune writes it)" in out, out
    newest = seal.archive_dirs(env_dir)[-1]
    assert main(["verify", str(newest), "--public-key", str(public)]) == exitcodes.OK  # its own links hold
    capsys.readouterr()
    assert main(["report", str(env_dir), "--public-key", str(public), "-o", str(tmp_path / "r.html")]) \
        == exitcodes.TAMPERED  # verify's code, not 28 "an opsverify bug"
    assert ('not rendered, the env does not verify: fx/chain.jsonl line 1: its "manifest_sha256" is '
            in capsys.readouterr().err)
    assert main(["prune", str(env_dir), "--keep", "1", "--dry-run"]) == exitcodes.BROKEN_CHAIN  # as for any bad line
    assert 'not pruned: fx/chain.jsonl line 1: its "manifest_sha256" is ' in capsys.readouterr().err
    assert seal.chain_head(env_dir, seal.parse_public_key(public.read_text()))["archive"] == newest.name
    assert history_points(newest, [], seal.parse_public_key(public.read_text()))  # the history is still there
    with pytest.raises(seal.Malformed):
        seal.kept_manifest(env_dir, json.loads(f'"{digest}"'))


# An entry's other fields are only compared and shown, never followed: whatever they hold, verify, prune and report
# read them as findings (or as what a hand-written line is), never a traceback
@pytest.mark.parametrize("entry", [
    {"archive": "x\u0000y"}, {"archive": ".."}, {"archive": "../../etc/passwd"}, {"archive": "\udc80"},
    {"archive": "a" * 100_000}, {"archive": 5}, {"archive": None}, {"manifest_sha256": True},
    {"previous_archive": "..", "previous_sha256": "../../.."}, {"previous_archive": "\ud800", "previous_sha256": "\u0000"},
    {"forced": 3}, {"manifest": "!!!"}, {"signature": "\u0000"}, {"started": "\u0000"}, {"counts": {"failed": "x"}},
], ids=["nul-name", "dot-dot-name", "path-name", "surrogate-name", "huge-name", "number-name", "null-name",
        "true-hash", "dot-dot-link", "nul-link", "number-forced", "inline-not-base64", "inline-sig-nul",
        "nul-start", "counts-words"])
@pytest.mark.parametrize("kept", ["none", "nested", "symlink"])
def test_any_chain_entry_and_kept_manifest_is_a_finding_never_a_traceback(signed, tmp_path, capsys, entry, kept):
    env_dir = _copy(signed, tmp_path)
    public = _public_key_of(env_dir, tmp_path)
    digest = "ab" * 32
    line = {"archive": "x", "manifest_sha256": digest, **entry}
    (env_dir / "chain.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    if kept != "none":
        (env_dir / seal.PRUNED).mkdir()
        path = seal.kept_manifest(env_dir, digest)
        if kept == "nested":
            path.write_bytes(NESTED)
        elif kept == "folder":
            path.mkdir()
        else:
            path.symlink_to("/etc/passwd")
    for argv in (["verify", str(env_dir)], ["verify", str(env_dir), "--public-key", str(public)]):
        assert main(argv) in (exitcodes.TAMPERED, exitcodes.BAD_SIGNATURE, exitcodes.BROKEN_CHAIN)
    newest = seal.archive_dirs(env_dir)[-1]
    assert main(["verify", str(newest), "--public-key", str(public)]) == exitcodes.OK
    assert main(["prune", str(env_dir), "--keep", "1", "--dry-run"]) in (exitcodes.OK, exitcodes.BROKEN_CHAIN)
    capsys.readouterr()
    trusted = seal.parse_public_key(public.read_text())
    assert seal.chain_head(env_dir, trusted)["archive"] == newest.name
    assert seal.chain_head(env_dir) is not None and seal.archives_oldest_first(env_dir)[-1] == newest
    history_points(newest, [], trusted)


def test_a_pruned_archives_kept_signature_laid_out_otherwise_is_a_bad_signature(signed, tmp_path, capsys):
    """.pruned/<hash>.sig is read as an archive's manifest.sig is: the same values in other bytes (an escaped name,
    whitespace added) are not the signature prune kept."""
    env_dir = _copy(signed, tmp_path)
    first = seal.archive_dirs(env_dir)[0]
    public = tmp_path / "signing.pub"
    public.write_text(seal.public_pem(seal.parse_public_key(read_json(first / "manifest.json")["seal"]["public_key"])))
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0
    capsys.readouterr()
    kept = next((env_dir / seal.PRUNED).glob("*.sig"))
    kept.write_text(kept.read_text().replace('"manifest.json"', '"manifest\\u002ejson"') + " " * 1000)
    code, out = main(["verify", str(env_dir), "--public-key", str(public)]), capsys.readouterr().out
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"{seal.PRUNED}/{kept.stem}.sig: not laid out as opsverify writes it" in out, out


def _sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk (and that a reader of the whole of it would never finish)."""
    path.unlink(missing_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


MANIFEST_LIMIT = 64 << 20  # as seal says: a bigger "manifest" is never read


@pytest.mark.parametrize("size", [MANIFEST_LIMIT + 1, 1 << 40], ids=["just-over", "a-tebibyte"])
def test_a_manifest_larger_than_any_opsverify_writes_is_tampered_unread(signed, tmp_path, capsys, size):
    env_dir = _copy(signed, tmp_path)
    first, middle, newest = seal.archive_dirs(env_dir)
    _sparse(middle / "manifest.json", size)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {middle.name}/manifest.json: not a manifest as opsverify writes it: is larger than any "
            "manifest opsverify writes (64 MiB)") in out
    assert f"{newest.name}: its previous archive {middle.name} is there, but not as an archive" in out
    assert [p.name for p in seal.archives_oldest_first(env_dir)] == [first.name, middle.name, newest.name]
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0
    out = capsys.readouterr().out
    assert f"left {middle.name} alone: its manifest.json is larger than any manifest opsverify writes" in out, out


def test_a_chain_jsonl_or_signature_larger_than_any_opsverify_writes_is_not_read(signed, tmp_path, capsys):
    env_dir = _copy(signed, tmp_path)
    _sparse(env_dir / "chain.jsonl", 1 << 40)
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "broken-chain   fx/chain.jsonl: is larger than any chain.jsonl opsverify writes (256 MiB)" in out
    (env_dir / "chain.jsonl").unlink()
    archive = seal.archive_dirs(env_dir)[0]
    _sparse(archive / "manifest.sig", 1 << 40)
    code, out = _verify(capsys, archive)
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {archive.name}: manifest.sig is larger than any manifest.sig opsverify writes (64 KiB)" \
        in out


# -- 2. a sealed archive holds no symlink, and is none -------------------------------------------------------
@pytest.mark.parametrize("name", ["results.json", "manifest.json", "allure-results/environment.properties"])
def test_a_file_replaced_by_a_symlink_to_its_copy_is_tampered(signed, tmp_path, capsys, name):
    archive = seal.archive_dirs(_copy(signed, tmp_path))[2]
    outside = tmp_path / "outside" / name.replace("/", "_")
    outside.parent.mkdir(exist_ok=True)
    shutil.copyfile(archive / name, outside)  # the very same bytes
    (archive / name).unlink()
    (archive / name).symlink_to(outside)
    code, out = _verify(capsys, archive)
    assert code == exitcodes.TAMPERED, out
    assert f"{archive.name}/{name}: " in out and "symlink" in out


def test_an_archive_folder_that_is_a_symlink_is_tampered(signed, tmp_path, capsys):
    env_dir = _copy(signed, tmp_path)
    archive = seal.archive_dirs(env_dir)[2]
    elsewhere = tmp_path / "elsewhere"
    archive.rename(elsewhere)
    archive.symlink_to(elsewhere, target_is_directory=True)
    for path in (env_dir, archive):
        code, out = _verify(capsys, path)
        assert code == exitcodes.TAMPERED, out
        assert f"tampered       {archive.name}: a symlink, not an archive folder" in out


@pytest.mark.parametrize("added", ["symlink-to-folder", "empty-folder", "folder-of-files"])
def test_a_folder_added_to_an_archive_is_tampered(signed, tmp_path, capsys, added):
    archive = seal.archive_dirs(_copy(signed, tmp_path))[1]
    if added == "empty-folder":
        (archive / "allure-results" / "extra").mkdir()
        name, what = "allure-results/extra", "a folder added after sealing"
    elif added == "folder-of-files":  # a run's archive written into this one (`--reports-dir` there): one finding
        for n in range(30):
            (archive / "demo" / "run" / "allure-results").mkdir(parents=True, exist_ok=True)
            (archive / "demo" / "run" / "allure-results" / f"{n}-result.json").write_text("{}")
        name, what = "demo", "a folder added after sealing"
    else:
        (tmp_path / "away").mkdir()
        (tmp_path / "away" / "notes.txt").write_text("not followed")
        (archive / "inputs" / "more").symlink_to(tmp_path / "away", target_is_directory=True)
        name, what = "inputs/more", "a symlink"
    code, out = _verify(capsys, archive)
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {archive.name}/{name}: {what}" in out and "notes.txt" not in out
    assert out.count("tampered ") == 1, out


# -- 3. the report's history holds only earlier archives that verify -------------------------------------------
def test_history_leaves_out_a_rehashed_earlier_archive(unsigned, tmp_path, capsys):
    """The first run's results edited and re-hashed into its (unsigned) manifest: its files match, but the
    second archive's link says it changed. It is not history (nor is the second, whose link is broken)."""
    env_dir = _copy(unsigned, tmp_path)
    first, second, third = seal.archive_dirs(env_dir)
    results = read_json(first / "results.json")
    results["checks"][0]["status"] = "failed"
    (first / "results.json").write_text(json.dumps(results), encoding="utf-8")
    manifest = read_json(first / "manifest.json")
    manifest["files"]["results.json"] = seal.sha256_file(first / "results.json")
    _write_manifest(first, manifest)
    left_out: list[str] = []
    assert history_points(third, left_out) == [] and left_out == [first.name, second.name]
    code, out = _verify(capsys, third)
    assert code == exitcodes.OK, out  # the newest itself verifies: it is rendered, without the forged history
    try:
        from opsverify.report import allure_cli

        allure_cli()
    except Exception:
        return  # no renderer here: what the page is built from is checked above
    # the env as a whole does not verify, so it names no newest archive; the newest itself renders, without them
    assert main(["report", str(env_dir), "-o", str(tmp_path / "out.html")]) == exitcodes.BROKEN_CHAIN
    assert "not rendered, the env does not verify" in capsys.readouterr().err
    assert main(["report", str(third), "-o", str(tmp_path / "out.html")]) == 0
    out = capsys.readouterr().out
    assert left_out_note(first.name) in out and left_out_note(second.name) in out


# -- 4. report: one line and its exit code ----------------------------------------------------------------------
@pytest.mark.parametrize("forgery", ["started", "ended", "row-not-object", "nested-results", "duration-1e308",
                                     "duration-a-year"])
def test_history_leaves_out_an_earlier_archive_not_as_opsverify_writes_it(unsigned, tmp_path, forgery):
    """A re-sealed earlier archive whose fields no run writes (a time that is none, a duration of 1e308 s — finite,
    but infinite in milliseconds — or of a year) is left out of the history, never a crash of the report."""
    env_dir = _copy(unsigned, tmp_path)
    first, second, third = seal.archive_dirs(env_dir)
    if forgery in ("started", "ended"):
        _reseal(env_dir, first, **{forgery: 5})
    elif forgery == "row-not-object":
        results = read_json(first / "results.json")
        _reseal(env_dir, first, json.dumps({**results, "checks": [5, *results["checks"]]}).encode())
    elif forgery.startswith("duration-"):
        results = read_json(first / "results.json")
        results["checks"][0]["duration_s"] = 1e308 if forgery == "duration-1e308" else 365 * 24 * 3600.0
        _reseal(env_dir, first, json.dumps(results).encode())
    else:
        _reseal(env_dir, first, NESTED)
    left_out: list[str] = []
    points = history_points(third, left_out)
    assert left_out == [first.name] and [p["name"] for p in points] == ["opsverify — fx, deploy second"]


def test_the_renderer_is_not_given_a_result_it_cannot_read(tmp_path):
    """An unsigned archive re-sealed with a result nested without end, or naming its evidence by a list: that
    result is not passed on (or its evidence is not), and nothing crashes."""
    from opsverify.report import copy_results

    source, target = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "a-result.json").write_bytes(NESTED)
    (source / "b-result.json").write_text(json.dumps({"uuid": "b", "name": "S1 x", "attachments": [
        {"name": "evidence", "source": ["b-attachment.json"]}]}))
    (source / "b-attachment.json").write_text("{}")
    copy_results(source, target)
    assert sorted(p.name for p in target.iterdir()) == ["b-attachment.json", "b-result.json"]
    assert "attachments" not in json.loads((target / "b-result.json").read_text())


def test_report_of_an_archive_whose_seal_is_a_string_is_one_line(unsigned, tmp_path, capsys):
    archive = seal.archive_dirs(_copy(unsigned, tmp_path))[2]
    _write_manifest(archive, {**read_json(archive / "manifest.json"), "seal": "ed25519"})
    assert main(["report", str(archive)]) == exitcodes.TAMPERED
    err = capsys.readouterr().err
    assert err.startswith(f"opsverify: {archive}: not rendered, the archive does not verify: ") and '"seal"' in err
    assert len(err.splitlines()) == 1


def test_report_to_a_folder_or_a_missing_folder_is_one_line(unsigned, tmp_path, capsys):
    archive = seal.archive_dirs(_copy(unsigned, tmp_path))[2]
    folder = tmp_path / "pages"
    folder.mkdir()
    assert main(["report", str(archive), "-o", str(folder)]) == exitcodes.REPORT
    err = capsys.readouterr().err
    assert err.strip() == f"opsverify: {folder}: is a folder; give the report's file name (e.g. {folder / 'report.html'})"
    assert sorted(os.listdir(tmp_path)) == ["pages", "reports"] and not os.listdir(folder)  # no stray partial
    missing = tmp_path / "nonexistent" / "dir" / "x.html"
    assert main(["report", str(archive), "-o", str(missing)]) == exitcodes.REPORT
    err = capsys.readouterr().err
    assert err.strip() == f"opsverify: {missing}: its folder {missing.parent} does not exist"
    assert not (tmp_path / "nonexistent").exists()


# -- 5. prune: a manifest that is not one is kept (or forced out); a symlink is left alone -------------------
@pytest.mark.parametrize("manifest", [b"[]", "counts", NESTED], ids=["list", "counts-list", "nested"])
def test_prune_keeps_an_archive_whose_manifest_is_not_one(unsigned, tmp_path, capsys, manifest):
    env_dir = _copy(unsigned, tmp_path)
    first, second, third = seal.archive_dirs(env_dir)
    if manifest == "counts":
        _write_manifest(first, {**read_json(first / "manifest.json"), "counts": [1]})
    else:
        (first / "manifest.json").write_bytes(manifest)
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0
    out = capsys.readouterr().out
    assert f"kept {first.name}: does not verify ({first.name}/manifest.json: not a manifest" in out
    assert f"kept {second.name}: does not verify ({second.name}: its previous archive {first.name}" in out
    assert seal.archive_dirs(env_dir) == [first, second, third]
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    assert seal.archive_dirs(env_dir) == [third]
    pruned = [json.loads(line)["archive"] for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    assert pruned == [first.name, second.name]


def test_prune_leaves_a_symlinked_archive_alone_and_the_chain_whole(unsigned, tmp_path, capsys):
    env_dir = _copy(unsigned, tmp_path)
    first, second, third = seal.archive_dirs(env_dir)
    elsewhere = tmp_path / "elsewhere"
    first.rename(elsewhere)
    first.symlink_to(elsewhere, target_is_directory=True)
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    out = capsys.readouterr().out
    assert f"fx: left {first.name} alone: a symlink, not an archive folder (remove the link yourself)" in out
    assert first.is_symlink() and (elsewhere / "manifest.json").is_file()  # nothing followed, nothing removed
    assert seal.archive_dirs(env_dir) == [first, third]
    pruned = [json.loads(line)["archive"] for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    assert pruned == [second.name]  # never the archive that stayed
    first.unlink()
    elsewhere.rename(first)  # the link replaced by its archive: the chain holds
    code, out = _verify(capsys, env_dir)
    assert code == exitcodes.OK, out
