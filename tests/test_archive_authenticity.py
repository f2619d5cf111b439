"""What an auditor's key and a run's printed hash vouch for: a forged or unsigned archive is not rendered under a
key, history is the archive's own ancestry, `report reports/<env>` needs the whole env to verify, a pruned
archive's entry in chain.jsonl is checked against the manifest it keeps, and an archive removed from the head
of the chain is found with `verify --expect`."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import exitcodes, jsontext, seal
from opsverify.cli import main
from opsverify.report import history_points

from .runbook import make_runbook, read_json

KEY = Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """Three signed archives of env fx: a clean release, a failing one, a clean one (a whole run of one system: a
    partial run is evidence prune keeps)."""
    runbook = make_runbook(tmp_path_factory.mktemp("authentic") / "runbook")
    env = {seal.SIGNING_KEY_ENV: seal.private_pem(KEY)}
    assert runbook.run("--system", "till", "--deploy-id", "first", env=env).returncode == exitcodes.OK
    assert runbook.run("--deploy-id", "failing", env=env).returncode == exitcodes.FAILED
    assert runbook.run("--system", "till", "--deploy-id", "third", env=env).returncode == exitcodes.OK
    return runbook


@pytest.fixture
def env_dir(signed, tmp_path) -> Path:
    target = tmp_path / "reports" / "fx"
    shutil.copytree(signed.env_dir, target, symlinks=True)
    return target


@pytest.fixture
def public_key(tmp_path) -> Path:
    path = tmp_path / "opsverify.pub"
    path.write_text(seal.public_pem(KEY.public_key()), encoding="utf-8")
    return path


def _strip_and_rehash(folder: Path, **fields) -> None:
    """The forger without the key: fields changed, the seal dropped (the files' hashes still hold)."""
    manifest = {**read_json(folder / "manifest.json"), **fields, "seal": None}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / "manifest.sig").unlink()


def _replace_by_a_hand_written_entry(env_dir: Path, archive: Path) -> None:
    """The archive deleted by hand, and the chain.jsonl line prune would have written for it (no manifest kept)."""
    previous = read_json(archive / "manifest.json")["previous"]
    entry = {"archive": archive.name, "manifest_sha256": seal.sha256_file(archive / "manifest.json"),
             "previous_archive": previous["archive"], "previous_sha256": previous["manifest_sha256"]}
    shutil.rmtree(archive)
    (env_dir / "chain.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- report takes the auditor's key -----------------------------------------------------------------------------
def test_report_under_a_key_refuses_a_stripped_newest_archive(env_dir, public_key, tmp_path, capsys):
    newest = seal.archives_oldest_first(env_dir)[-1]
    _strip_and_rehash(newest)
    code, out = _run(capsys, "report", str(newest), "--public-key", str(public_key), "-o", str(tmp_path / "r.html"))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert "not rendered, the archive does not verify" in out and "not signed, but a public key was given" in out
    assert not (tmp_path / "r.html").exists()


def test_history_is_the_archives_own_ancestry(env_dir, public_key, capsys):
    """A copy of the first archive, forged to read failed and unsigned, linked to the same previous one as the
    second: beside the chain, not in it. The newest archive's history leaves it out, key or no key."""
    first, failing, newest = seal.archives_oldest_first(env_dir)
    forged = env_dir / (failing.name[:16] + "_aforged")  # ordered before the newest, in any second
    shutil.copytree(failing, forged)
    _strip_and_rehash(forged, archive=forged.name, started=read_json(first / "manifest.json")["started"])
    for trusted in (None, seal.parse_public_key(public_key.read_text())):
        left_out: list[str] = []
        names = [p["name"] for p in history_points(newest, left_out, trusted)]
        assert names == ["opsverify — fx, deploy first", "opsverify — fx, deploy failing"], names
        assert left_out == [forged.name]
    code, out = _run(capsys, "verify", str(forged))  # unsigned after signed ones: a bad signature, key or no key
    assert code == exitcodes.BAD_SIGNATURE and "two archives claim the same previous one" in out, out
    assert f"{forged.name}: not signed, but the chain was signed by" in out, out


def test_history_under_a_key_leaves_out_an_ancestor_the_key_did_not_sign(env_dir, public_key):
    first, failing, newest = seal.archives_oldest_first(env_dir)
    _strip_and_rehash(first)  # its hash changed: the failing archive's link breaks, so both go
    left_out: list[str] = []
    assert history_points(newest, left_out, seal.parse_public_key(public_key.read_text())) == []
    assert left_out == [first.name, failing.name]


def test_report_of_an_env_needs_the_whole_env_to_verify(env_dir, tmp_path, capsys):
    newest = seal.archives_oldest_first(env_dir)[-1]
    (newest / "manifest.json").unlink()  # the newest archive broken: "the newest" would silently be the one before
    code, out = _run(capsys, "report", str(env_dir), "-o", str(tmp_path / "r.html"))
    assert code == exitcodes.TAMPERED, out  # destroyed evidence under an archive's name
    assert f"{env_dir}: not rendered, the env does not verify" in out and not (tmp_path / "r.html").exists()
    assert f"{newest.name}/manifest.json: missing" in out, out


def test_a_planted_symlink_beside_the_page_is_never_written_through(env_dir, tmp_path, monkeypatch):
    from opsverify import report

    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "page.html"
    (tmp_path / ".page.html.partial").symlink_to(victim)  # the name an earlier version wrote through
    report._write_page(target, "<html>page</html>")
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "<html>page</html>"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == [".page.html.partial"]


# -- pruned archives: the entry is checked against the manifest it keeps ---------------------------------------
def test_a_forced_prune_keeps_the_manifest_and_verify_names_what_it_recorded(env_dir, public_key, capsys):
    first, failing, newest = seal.archives_oldest_first(env_dir)
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    entries = [json.loads(line) for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    assert [e["archive"] for e in entries] == [first.name, failing.name]
    for entry in entries:  # kept beside chain.jsonl, which stays small (every run reads it)
        kept = seal.kept_manifest(env_dir, entry["manifest_sha256"])
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == entry["manifest_sha256"]
        assert kept.with_suffix(".sig").is_file() and len(json.dumps(entry)) < 600
    assert entries[1]["forced"] == "2 failed"
    capsys.readouterr()
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.OK, out
    assert f"{failing.name} (pruned): recorded 2 failed, 1 could not be checked (deploy failing" in out
    assert "fx: 2 pruned archives in chain.jsonl" in out


def test_a_tampered_archive_forced_out_is_still_said(env_dir, capsys):
    first = seal.archives_oldest_first(env_dir)[0]
    (first / "results.json").write_text("{}", encoding="utf-8")  # edited after sealing: it does not verify
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0
    capsys.readouterr()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out  # its manifest (genuine) stays in the chain; the edit is said
    assert f"{first.name} (pruned): does not verify ({first.name}/results.json: changed" in out


def _edit_chain(env_dir: Path, archive: str, **fields) -> None:
    """chain.jsonl rewritten with these fields of the archive's entry changed (None: the field removed)."""
    entries = [json.loads(line) for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    for entry in entries:
        if entry["archive"] == archive:
            entry.update(fields)
            for name in [name for name, value in fields.items() if value is None]:
                del entry[name]
    (env_dir / "chain.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


@pytest.mark.parametrize("why", ["does-not-verify", "failed"])
def test_the_reason_an_archive_was_forced_out_cannot_be_deleted(env_dir, public_key, capsys, why):
    """`forced` removed from the entry of an archive prune would have kept: the kept manifest (its counts) and
    what verify found in it when it was pruned (kept beside it) say it was forced out."""
    first, failing, newest = seal.archives_oldest_first(env_dir)
    if why == "does-not-verify":
        (first / "results.json").write_text("{}", encoding="utf-8")
        assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0
        forced = first
    else:
        assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
        forced = failing
    capsys.readouterr()
    _edit_chain(env_dir, forced.name, forced=None)
    for public in ([], ["--public-key", str(public_key)]):
        code, out = _run(capsys, "verify", str(env_dir), *public)
        assert code == exitcodes.TAMPERED, out
        assert f'tampered       {forced.name} (pruned): its chain.jsonl entry\'s "forced" is absent, expected "' in out


@pytest.mark.parametrize("kinds", [[], ["waived"], ["interrupted", "partial"]])
def test_a_found_record_listing_fewer_kinds_does_not_erase_a_forced_out_run(env_dir, public_key, capsys, kinds):
    """`forced` dropped and .found.json made to say prune kept less (or nothing) unless --force: every opsverify kept
    failed and waived runs, so the record is tampered, and the kept manifest's failures still need their "forced"."""
    failing = seal.archives_oldest_first(env_dir)[1]
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    _edit_chain(env_dir, failing.name, forced=None)
    digest = None
    for entry in map(json.loads, (env_dir / "chain.jsonl").read_text().splitlines()):
        if entry["archive"] == failing.name:
            digest = entry["manifest_sha256"]
    record = seal.kept_manifest(env_dir, digest, seal.FOUND)
    record.write_text(json.dumps({**json.loads(record.read_text()), "kept_unless_forced": kinds}), encoding="utf-8")
    capsys.readouterr()
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.TAMPERED, out
    assert f'{failing.name} (pruned): its .pruned/{digest}.found.json (what verify found when it was pruned) its ' \
           '"kept_unless_forced" leaves out failed' in out, out


def test_prune_refuses_an_env_whose_chain_it_cannot_read(env_dir, capsys, monkeypatch):
    first = seal.archives_oldest_first(env_dir)[0]
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0  # chain.jsonl holds the first
    before = (env_dir / "chain.jsonl").read_bytes()
    monkeypatch.setattr(seal, "CHAIN_LIMIT", len(before) - 1)  # as one over the 256 MiB cap reads
    archives = seal.archive_dirs(env_dir)
    capsys.readouterr()
    code, out = _run(capsys, "prune", str(env_dir), "--keep", "1", "--force")
    assert code == exitcodes.BROKEN_CHAIN, out
    assert f"{env_dir}: not pruned: fx/chain.jsonl: is larger than any chain.jsonl opsverify writes" in out
    assert seal.archive_dirs(env_dir) == archives and (env_dir / "chain.jsonl").read_bytes() == before
    monkeypatch.undo()
    (env_dir / "chain.jsonl").write_bytes(before + b"not an entry\n")
    code, out = _run(capsys, "prune", str(env_dir), "--keep", "1", "--force")
    assert code == exitcodes.BROKEN_CHAIN and "fx/chain.jsonl line 2: not a chain entry" in out, out
    assert seal.archive_dirs(env_dir) == archives and first.name not in [a.name for a in archives]


def test_a_pruned_archive_put_back_is_said_as_such(env_dir, public_key, tmp_path, capsys):
    first = seal.archives_oldest_first(env_dir)[0]
    shutil.copytree(first, tmp_path / "copy")
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0
    (entry,) = map(json.loads, (env_dir / "chain.jsonl").read_text().splitlines())
    shutil.copytree(tmp_path / "copy", first)
    capsys.readouterr()
    for path in (env_dir, first):
        code, out = _run(capsys, "verify", str(path))
        assert code == exitcodes.BROKEN_CHAIN, out
        assert f"broken-chain   {first.name}: a pruned archive reappeared: chain.jsonl names {first.name}" in out
        assert f"{first.name}, {first.name}" not in out
    shutil.rmtree(first)
    seal.kept_manifest(env_dir, entry["manifest_sha256"], ".sig").unlink()
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"{first.name} (pruned): .pruned/{entry['manifest_sha256']}.sig is missing" in out, out


@pytest.mark.parametrize("fields", [{"counts": {"passed": 9, "failed": 0}}, {"counts": None}, {"deploy_id": "other"},
                                    {"started": "2020-01-01T00:00:00Z"}, {"previous_sha256": None}],
                         ids=["counts", "no-counts", "deploy-id", "started", "no-link"])
def test_every_field_of_a_pruned_entry_is_checked_against_its_kept_manifest(env_dir, public_key, capsys, fields):
    failing = seal.archives_oldest_first(env_dir)[1]
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    capsys.readouterr()
    _edit_chain(env_dir, failing.name, **fields)
    (name,) = fields
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.TAMPERED, out
    assert f'tampered       {failing.name} (pruned): its chain.jsonl entry\'s "{name}" is ' in out, out


def test_what_verify_found_when_an_archive_was_pruned_is_kept_and_checked(env_dir, capsys):
    """Kept beside the manifest: emptied, the entry's `forced` no longer matches it; removed, the entry's word is
    all that is left, and verify says so."""
    first = seal.archives_oldest_first(env_dir)[0]
    (first / "results.json").write_text("{}", encoding="utf-8")
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0
    capsys.readouterr()
    (entry,) = [json.loads(line) for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    record = seal.kept_manifest(env_dir, entry["manifest_sha256"], seal.FOUND)
    found = json.loads(record.read_text())
    assert found["findings"][0]["where"] == f"{first.name}/results.json"
    record.write_text(json.dumps({**found, "findings": []}), encoding="utf-8")
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED, out
    assert f'its chain.jsonl entry\'s "forced" is "does not verify ({first.name}/results.json' in out
    assert 'expected absent' in out
    record.write_text("[", encoding="utf-8")
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED and "is not JSON" in out, out
    record.unlink()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert f"1 with no record of what verify found when it was pruned: {first.name}" in out


def test_a_hand_written_entry_for_a_deleted_failing_archive_is_found(env_dir, public_key, capsys):
    """The failing release deleted by hand and a chain.jsonl line written for it, as prune would have without
    its manifest: no key can vouch for that line."""
    first, failing, newest = seal.archives_oldest_first(env_dir)
    _replace_by_a_hand_written_entry(env_dir, failing)
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"{failing.name} (pruned): no manifest kept for it (.pruned/)" in out
    code, out = _run(capsys, "verify", str(env_dir))  # without a key: said, not hidden
    assert code == exitcodes.OK and f"1 with no manifest kept: {failing.name}" in out, out


@pytest.mark.parametrize("forgery", ["counts-in-manifest", "manifest-of-another", "link", "not-a-hash"])
def test_an_edited_pruned_entry_is_found(env_dir, public_key, capsys, forgery):
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    capsys.readouterr()
    lines = [json.loads(line) for line in (env_dir / "chain.jsonl").read_text().splitlines()]
    failing = lines[1]
    kept_path = seal.kept_manifest(env_dir, failing["manifest_sha256"])
    if forgery == "counts-in-manifest":  # re-hashed, and the entry made to match, so the links and the entry hold:
        kept = json.loads(kept_path.read_bytes())  # only the signature can tell
        kept["counts"].update(failed=0, error=0)  # a clean release, as prune keeps none but by --force
        kept["exit_code"] = 0  # (a run ending 1 or 10 is no clean release either)
        data = json.dumps(kept).encode()
        failing["manifest_sha256"] = hashlib.sha256(data).hexdigest()
        failing["counts"] = kept["counts"]
        del failing["forced"]
        seal.kept_manifest(env_dir, failing["manifest_sha256"]).write_bytes(data)
        kept_path.with_suffix(".sig").rename(seal.kept_manifest(env_dir, failing["manifest_sha256"], ".sig"))
        found = json.loads(kept_path.with_suffix(seal.FOUND).read_bytes())
        found["manifest_sha256"] = failing["manifest_sha256"]
        seal.kept_manifest(env_dir, failing["manifest_sha256"], seal.FOUND).write_text(json.dumps(found))
        newest = seal.archives_oldest_first(env_dir)[-1]
        manifest = read_json(newest / "manifest.json")
        manifest["previous"]["manifest_sha256"] = failing["manifest_sha256"]
        (newest / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        expected = exitcodes.BAD_SIGNATURE  # the pruned manifest's signature (and the newest's) no longer match
    elif forgery == "manifest-of-another":
        kept_path.write_bytes(seal.kept_manifest(env_dir, lines[0]["manifest_sha256"]).read_bytes())
        expected = exitcodes.TAMPERED
    elif forgery == "link":
        failing["previous_archive"] = "20200101T000000Z_elsewhere"
        expected = exitcodes.TAMPERED
    else:
        failing["manifest_sha256"] = "../../../etc/passwd"  # never a path to read
        expected = exitcodes.TAMPERED
    (env_dir / "chain.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == expected, out
    if forgery == "not-a-hash":  # the line is not read: the finding names it
        assert 'tampered       fx/chain.jsonl line 2: its "manifest_sha256" is "../../../etc/passwd"' in out, out
    else:
        assert f"{failing['archive']} (pruned)" in out or "changed" in out, out


# -- the newest archive removed: only an anchor outside the env can tell --------------------------------------
def test_verify_expect_finds_a_removed_newest_archive(env_dir, capsys):
    newest = seal.archives_oldest_first(env_dir)[-1]
    digest = seal.sha256_file(newest / "manifest.json")
    code, out = _run(capsys, "verify", str(env_dir), "--expect", digest[:32])
    assert code == exitcodes.OK, out
    shutil.rmtree(newest)
    assert _run(capsys, "verify", str(env_dir))[0] == exitcodes.OK  # nothing links to it: the chain alone holds
    code, out = _run(capsys, "verify", str(env_dir), "--expect", f"sha256:{digest[:32]}")
    assert code == exitcodes.BROKEN_CHAIN, out
    assert f"no archive in the chain has manifest sha256 {digest[:32]} (given with --expect)" in out


def test_verify_expect_takes_only_a_hash(env_dir, capsys):
    """A bad option value is 20, as prune's `--keep abc` is (not argparse's 2, nor usage's 4)."""
    assert main(["verify", str(env_dir), "--expect", "abc"]) == exitcodes.BAD_CONFIG
    assert "--expect 'abc': give a manifest's sha256 as the run printed it (16 to 64 hex digits)" \
        in capsys.readouterr().err


def test_a_pruned_archive_still_counts_for_expect(env_dir, capsys):
    first = seal.archives_oldest_first(env_dir)[0]
    digest = seal.sha256_file(first / "manifest.json")
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0
    code, out = _run(capsys, "verify", str(env_dir), "--expect", digest)
    assert code == exitcodes.OK, out


# -- envs ------------------------------------------------------------------------------------------------------
def test_one_envs_archives_in_another_envs_folder_are_said(env_dir, tmp_path, capsys):
    prod = tmp_path / "reports" / "prod"
    env_dir.rename(prod)
    code, out = _run(capsys, "verify", str(prod))  # fx's evidence must not pass for prod's
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "broken-chain   prod: its archives are of env fx, not prod" in out
    newest = seal.archives_oldest_first(prod)[-1]
    code, out = _run(capsys, "verify", str(prod), "--expect", seal.sha256_file(newest / "manifest.json"))
    assert code == exitcodes.OK, out  # asked for by its hash: said in a note
    assert "note           prod: its archives are of env fx, not prod" in out
    assert "OK: 3 archives of env fx verified" in out


def test_archives_of_two_envs_in_one_chain_break_it(env_dir, capsys):
    newest = seal.archives_oldest_first(env_dir)[-1]
    manifest = read_json(newest / "manifest.json")
    (newest / "manifest.json").write_text(json.dumps({**manifest, "env": "staging", "seal": None}), encoding="utf-8")
    (newest / "manifest.sig").unlink()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BAD_SIGNATURE, out  # its seal stripped after signed ones, too
    assert "archives of more than one env in one chain: fx (2), staging (1)" in out


def test_verify_dot_inside_an_archive_names_the_archive(env_dir, capsys, monkeypatch):
    monkeypatch.chdir(seal.archives_oldest_first(env_dir)[-1])
    code, out = _run(capsys, "verify", ".")
    assert code == exitcodes.OK, out
    monkeypatch.chdir(env_dir)
    code, out = _run(capsys, "prune", ".", "--keep", "5", "--dry-run")
    assert code == 0 and out.startswith("fx: "), out


# -- evidence text -----------------------------------------------------------------------------------------------
def test_characters_a_reader_would_act_on_are_written_as_escapes():
    value = {"body": "paid \u202egnp.exe\u2066 \x85 \u2028 done"}
    text = jsontext.compact(value)
    assert text == '{"body": "paid \\u202egnp.exe\\u2066 \\u0085 \\u2028 done"}'
    assert json.loads(text) == value
    backslash_first = {"path": "C:\\\u202e"}  # the escape after a backslash still reads as the character
    assert json.loads(jsontext.compact(backslash_first)) == backslash_first


def test_prune_after_a_line_cut_short_refuses_and_removes_nothing(env_dir, capsys):
    """chain.jsonl's last line cut mid-way (verify names it): a prune appending after it would leave a chain no
    verify reads whole, so it refuses the env, with verify's code for a broken chain."""
    assert main(["prune", str(env_dir), "--keep", "2", "--force"]) == 0  # first goes into chain.jsonl
    chain = env_dir / "chain.jsonl"
    chain.write_bytes(chain.read_bytes()[:40])
    archives = seal.archive_dirs(env_dir)
    capsys.readouterr()
    code, out = _run(capsys, "prune", str(env_dir), "--keep", "1", "--force")
    assert code == exitcodes.BROKEN_CHAIN and "fx/chain.jsonl line 1: not a chain entry" in out, out
    assert seal.archive_dirs(env_dir) == archives and len(chain.read_bytes()) == 40


def test_a_prune_killed_midway_is_finished_or_undone_by_the_next(env_dir, capsys):
    """Killed after its archive was moved aside: if chain.jsonl remembers it, the next prune deletes it; if not,
    the next prune puts it back. Either way nothing is left beside the archives and the chain holds."""
    from opsverify import retention

    first, failing, newest = seal.archives_oldest_first(env_dir)
    aside = env_dir / f".pruning-{first.name}-4242"
    first.rename(aside)  # killed before it was remembered
    remembered = env_dir / f".pruning-{failing.name}-4243"
    data = (failing / "manifest.json").read_bytes()
    retention._remember(env_dir, failing, json.loads(data), data, (failing / "manifest.sig").read_bytes())
    failing.rename(remembered)  # killed after it was remembered, before it was deleted
    assert main(["prune", str(env_dir), "--keep", "5"]) == 0
    out = capsys.readouterr().out
    assert f"put {first.name} back" in out and f"finished removing {failing.name}" in out
    assert not list(env_dir.glob(".pruning-*")) and first.is_dir() and not failing.exists()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out


def test_a_prune_killed_while_deleting_is_finished_by_the_next(env_dir, capsys):
    """Killed while deleting a remembered archive, after its manifest went (rmtree's order), and while writing a
    copy into .pruned/: the next prune finishes the deletion (chain.jsonl remembers the archive by name) and removes
    the half-written copy, each said; verify holds."""
    from opsverify import retention

    first, failing, newest = seal.archives_oldest_first(env_dir)
    data = (failing / "manifest.json").read_bytes()
    retention._remember(env_dir, failing, json.loads(data), data, (failing / "manifest.sig").read_bytes())
    remembered = env_dir / f".pruning-{failing.name}-4243"
    failing.rename(remembered)
    (remembered / "manifest.json").unlink()  # rmtree got that far
    partial = env_dir / seal.PRUNED / f".{'0' * 64}.found.json.4243"
    partial.write_bytes(b'{"half')
    assert main(["prune", str(env_dir), "--keep", "5", "--dry-run"]) == 0  # says what the real one does; does none
    out = capsys.readouterr().out
    assert f"would have finished removing {failing.name}" in out and "would have removed .pruned/" in out, out
    assert remembered.is_dir() and partial.exists()
    assert main(["prune", str(env_dir), "--keep", "5"]) == 0
    out = capsys.readouterr().out
    assert f"finished removing {failing.name} (an earlier prune was interrupted while deleting it" in out, out
    assert f"removed .pruned/{partial.name}, a copy an interrupted prune left half-written" in out, out
    assert not list(env_dir.glob(".pruning-*")) and not partial.exists()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out


@pytest.mark.parametrize("named", ["as the archive", "as another"])
def test_a_leftover_holding_a_copy_of_a_kept_manifest_and_more_is_left_to_a_person(env_dir, capsys, named):
    """A `.pruning-*` folder holding a copy of a manifest .pruned/ keeps (anyone who reads .pruned/ can make one) and
    a file of someone's own, or named for another archive: not what a prune leaves, so it stays."""
    first = seal.archives_oldest_first(env_dir)[0]
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    capsys.readouterr()
    (entry,) = seal.read_pruned(env_dir)
    planted = env_dir / (f".pruning-{first.name}-77" if named == "as the archive" else ".pruning-totallyother-5")
    (planted / "important").mkdir(parents=True)
    (planted / seal.MANIFEST).write_bytes(seal.kept_manifest(env_dir, entry["manifest_sha256"]).read_bytes())
    (planted / "important" / "thesis.txt").write_text("precious")
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert "is not what a prune leaves of it" in out and "finished" not in out, out
    assert (planted / "important" / "thesis.txt").read_text() == "precious"


@pytest.mark.parametrize("planted", ["a file of its own", "a file changed", "a symlink"])
def test_a_leftover_named_for_a_pruned_archive_holding_more_is_left_to_a_person(env_dir, capsys, planted):
    """A `.pruning-<name>-<pid>` folder without a manifest, named for an archive chain.jsonl remembers, is finished
    only when all it holds is what that archive's kept manifest lists: anything else (someone's notes, a file
    that is not the archive's, a symlink) stays, as verify says, and so do .pruned/ files prune does not write."""
    first = seal.archives_oldest_first(env_dir)[0]
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0  # first leaves: chain.jsonl remembers it
    capsys.readouterr()
    planted_folder = env_dir / f".pruning-{first.name}-999"
    (planted_folder / "inputs").mkdir(parents=True)
    if planted == "a file of its own":
        (planted_folder / "important.txt").write_text("keep me")
    elif planted == "a file changed":
        (planted_folder / "results.json").write_text("{}")
    else:
        (planted_folder / "inputs" / "link").symlink_to(env_dir)
    notes = env_dir / seal.PRUNED / ".audit-notes.2026"
    notes.write_text("an auditor's notes")
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert "without a readable manifest: look at it, then delete it by hand" in out and "finished" not in out, out
    assert planted_folder.is_dir() and notes.read_text() == "an auditor's notes"


def test_history_under_a_key_stops_at_a_pruned_entry_the_key_cannot_vouch_for(env_dir, public_key):
    """The archive before the newest deleted by hand, and a chain.jsonl line written for it that links to any
    archive (here the first): without the key's word for that line, the history behind it is not shown."""
    first, failing, newest = seal.archives_oldest_first(env_dir)
    _replace_by_a_hand_written_entry(env_dir, failing)
    left_out: list[str] = []
    assert history_points(newest, left_out, seal.parse_public_key(public_key.read_text())) == []
    assert left_out == [first.name]
    assert [p["name"] for p in history_points(newest)] == ["opsverify — fx, deploy first"]  # no key: nothing to ask


def test_an_entry_an_earlier_prune_wrote_inline_still_verifies(env_dir, public_key, capsys):
    """An earlier opsverify kept the pruned manifest and signature inline in the chain.jsonl entry (base64)."""
    import base64

    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    (line,) = (env_dir / "chain.jsonl").read_text().splitlines()
    entry = json.loads(line)
    kept = seal.kept_manifest(env_dir, entry["manifest_sha256"])
    entry["manifest"] = base64.b64encode(kept.read_bytes()).decode()
    entry["signature"] = base64.b64encode(kept.with_suffix(".sig").read_bytes()).decode()
    shutil.rmtree(env_dir / seal.PRUNED)
    (env_dir / "chain.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    capsys.readouterr()
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.OK, out


def test_a_symlinked_pruned_folder_is_neither_written_through_nor_believed(env_dir, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (env_dir / seal.PRUNED).symlink_to(elsewhere, target_is_directory=True)
    first = seal.archives_oldest_first(env_dir)[0]
    assert main(["prune", str(env_dir), "--keep", "2"]) == exitcodes.ARCHIVE  # not removed: no success
    out = capsys.readouterr().out
    assert f"left {first.name} alone: its manifest cannot be kept in .pruned/" in out
    assert first.is_dir() and not list(elsewhere.iterdir()) and not (env_dir / "chain.jsonl").exists()
    assert not [p for p in env_dir.iterdir() if p.name.startswith(".pruning-")]


def test_history_reads_the_pruned_entries_once(env_dir, monkeypatch):
    """A long-pruned env: the walk back through pruned archives reads chain.jsonl a fixed number of times."""
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0  # two archives behind the newest, pruned
    newest = seal.archives_oldest_first(env_dir)[-1]
    reads = []
    real = seal.read_pruned
    monkeypatch.setattr(seal, "read_pruned", lambda *a, **k: reads.append(1) or real(*a, **k))
    history_points(newest)
    assert len(reads) <= 3


def test_a_repeated_chain_line_is_named_as_such(env_dir, capsys):
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    chain = env_dir / "chain.jsonl"
    chain.write_text(chain.read_text() * 2, encoding="utf-8")
    capsys.readouterr()
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "fx/chain.jsonl line 2: repeats the entry of line 1" in out and "more than one archive starts" not in out


# -- a prune killed mid-way, as verify and report see it before the next prune -----------------------------------
class _Killed(BaseException):
    """What SIGKILL does to a prune, at a chosen step: nothing after it runs (not even an `except OSError`)."""


def _prune_killed_after_the_move(env_dir: Path, monkeypatch) -> Path:
    """`opsverify prune --keep 1` killed right after it moved the first archive aside, before chain.jsonl named
    it: the first (clean) archive is left in `.pruning-<name>-<pid>`."""
    from opsverify import retention

    def killed(*args, **kwargs):
        raise _Killed

    first = seal.archives_oldest_first(env_dir)[0]
    with monkeypatch.context() as patched:
        patched.setattr(retention, "_remember", killed)
        with pytest.raises(_Killed):
            retention.prune_env(env_dir, 1)
    (aside,) = seal.prune_leftovers(env_dir)
    assert aside.name.startswith(f".pruning-{first.name}-") and not first.exists()
    assert not (env_dir / "chain.jsonl").exists()
    return aside


def test_an_archive_an_interrupted_prune_moved_aside_still_verifies_where_it_is(env_dir, public_key, capsys,
                                                                                  monkeypatch):
    """Its files intact, the archive is evidence as sealed: verify checks it where it is, as one of the chain (not
    "removed without opsverify prune"), says what to do, and report of the env renders; the next prune finishes."""
    from opsverify.report import env_verdict

    first, failing, newest = seal.archives_oldest_first(env_dir)
    aside = _prune_killed_after_the_move(env_dir, monkeypatch)
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.OK, out
    assert "removed without opsverify prune" not in out and "OK: 3 archives of env fx verified" in out
    assert (f"note           {aside.name}: holds {first.name}, moved aside by a prune interrupted before chain.jsonl "
            "named it: checked where it is, as one of the chain; run `opsverify prune` again to finish it") in out
    assert f"note           {aside.name}: signature valid" in out  # its seal checked too
    code, out = _run(capsys, "verify", str(failing), "--public-key", str(public_key))
    assert code == exitcodes.OK, out
    assert f"its previous archive {first.name} is in {aside.name}" in out
    env_verdict(env_dir, seal.parse_public_key(public_key.read_text()))  # `opsverify report reports/fx` goes on
    assert main(["prune", str(env_dir), "--keep", "1", "--force"]) == 0
    assert f"put {first.name} back" in capsys.readouterr().out
    assert not seal.prune_leftovers(env_dir) and not first.exists()
    code, out = _run(capsys, "verify", str(env_dir), "--public-key", str(public_key))
    assert code == exitcodes.OK and ".pruning-" not in out, out


def test_report_of_an_env_whose_newest_archive_a_prune_moved_aside_names_it_never_the_one_before(
        env_dir, public_key, tmp_path, capsys):
    """The newest archive (a failed release, say) left in `.pruning-<name>-<pid>`: verify counts it, where it is, as
    one of the chain, so `verify --expect <its hash>` is OK. `report reports/<env>` had rendered the archive before it
    as "the newest", saying nothing; it names the newest and how to put it back, or render it where it is."""
    from opsverify.report import MovedAside, newest_archive

    first, failing, newest = seal.archives_oldest_first(env_dir)
    digest = seal.sha256_file(newest / "manifest.json")
    aside = env_dir / f".pruning-{newest.name}-4242"
    newest.rename(aside)
    assert main(["verify", str(env_dir), "--public-key", str(public_key), "--expect", digest[:32]]) == exitcodes.OK
    capsys.readouterr()
    with pytest.raises(MovedAside):
        newest_archive(env_dir)
    code, out = _run(capsys, "report", str(env_dir), "--public-key", str(public_key), "-o", str(tmp_path / "r.html"))
    assert code == exitcodes.REPORT and not (tmp_path / "r.html").exists(), out
    assert (f"{env_dir}: not rendered: the env's newest archive, {newest.name}, is in {aside.name}, moved aside by a "
            "prune interrupted before chain.jsonl named it") in out, out
    assert f"`mv {aside} {newest}`" in out and f"`opsverify report {aside} -o {newest.name}.html`" in out, out
    code, out = _run(capsys, "report", str(aside))  # its page beside it would go by the prune's working name
    assert code == exitcodes.REPORT and f"the archive, {newest.name}, is in {aside.name}" in out, out
    left_out: list[str] = []  # rendered where it is (-o), its history is the chain's
    names = [p["name"] for p in history_points(aside, left_out, seal.parse_public_key(public_key.read_text()))]
    assert names == ["opsverify — fx, deploy first", "opsverify — fx, deploy failing"] and left_out == []
    aside.rename(newest)  # put back: rendered as before
    assert newest_archive(env_dir) == newest


def test_history_keeps_an_ancestor_a_prune_moved_aside(env_dir, public_key):
    """verify counts it, where it is, as one of the chain: so does the history, rather than drop it unsaid."""
    first, failing, newest = seal.archives_oldest_first(env_dir)
    failing.rename(env_dir / f".pruning-{failing.name}-4242")
    for trusted in (None, seal.parse_public_key(public_key.read_text())):
        left_out: list[str] = []
        names = [p["name"] for p in history_points(newest, left_out, trusted)]
        assert names == ["opsverify — fx, deploy first", "opsverify — fx, deploy failing"], names
        assert left_out == []


@pytest.mark.parametrize("forgery", ["other-manifest", "changed-file", "symlink", "empty"])
def test_a_pruning_folder_made_by_hand_does_not_hide_a_removal(env_dir, tmp_path, capsys, forgery):
    """The first archive deleted by hand, and a `.pruning-<name>-<pid>` folder made to stand for it: only the
    archive as sealed — its manifest with the hash the next archive names, its files as that manifest lists them
    — passes; anything else is the finding it always was."""
    first, failing, _ = seal.archives_oldest_first(env_dir)
    aside = env_dir / f".pruning-{first.name}-4242"
    if forgery == "symlink":  # the archive itself, kept outside the env: not what a prune leaves
        outside = tmp_path / "outside"
        first.rename(outside)
        aside.symlink_to(outside, target_is_directory=True)
    else:
        first.rename(aside)
        if forgery == "other-manifest":  # its manifest edited (unsigned and re-hashed is no better)
            _strip_and_rehash(aside, deploy_id="forged")
        elif forgery == "changed-file":  # its manifest intact, a file edited
            (aside / "results.json").write_text("{}", encoding="utf-8")
        else:
            shutil.rmtree(aside)
            aside.mkdir()
    code, out = _run(capsys, "verify", str(env_dir))
    expected = exitcodes.TAMPERED if forgery == "changed-file" else exitcodes.BROKEN_CHAIN
    assert code == expected, out
    if forgery == "changed-file":
        assert f"tampered       {aside.name}/results.json: changed" in out
    else:
        assert (f"broken-chain   {failing.name}: its previous archive {first.name} is missing: {aside.name}, named "
                "as an interrupted prune leaves it, does not hold the manifest this one names") in out
    code, _ = _run(capsys, "verify", str(failing))
    assert code == (exitcodes.OK if forgery == "changed-file" else exitcodes.BROKEN_CHAIN)  # alone: its link holds
    if forgery == "symlink":  # nor does the next prune put the link back in the archive's place
        assert main(["prune", str(env_dir), "--keep", "5"]) == 0
        out = capsys.readouterr().out
        assert f"{aside.name} is named as an interrupted prune leaves an archive, but is a symlink" in out
        assert aside.is_symlink() and not first.exists()


def test_a_pruning_folder_already_in_the_chain_is_not_judged_as_an_archive(env_dir, capsys):
    """Killed after chain.jsonl named it, while its folder was being deleted: what is left of the folder is no
    evidence any more (the entry and the kept manifest are): a note, no finding."""
    from opsverify import retention

    first = seal.archives_oldest_first(env_dir)[0]
    data = (first / "manifest.json").read_bytes()
    retention._remember(env_dir, first, json.loads(data), data, (first / "manifest.sig").read_bytes())
    aside = env_dir / f".pruning-{first.name}-4243"
    first.rename(aside)
    (aside / "results.json").unlink()  # rmtree had begun
    code, out = _run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert (f"note           {aside.name}: {first.name} is pruned (named in chain.jsonl), but an interrupted prune "
            "left what remains of its folder: run `opsverify prune` again to delete it") in out


def test_expect_names_an_archive_rewritten_since_as_removed_or_changed(env_dir, capsys):
    """The archive a run's printed hash names is still there, but rewritten (re-hashed, unsigned): the chain
    cannot tell a removal from a rewrite, and says so rather than "removed"."""
    newest = seal.archives_oldest_first(env_dir)[-1]
    digest = seal.sha256_file(newest / "manifest.json")
    _strip_and_rehash(newest, deploy_id="rewritten")
    code, out = _run(capsys, "verify", str(env_dir), "--expect", digest[:32])
    assert code == exitcodes.BAD_SIGNATURE, out  # unsigned after signed ones, too
    assert (f"no archive in the chain has manifest sha256 {digest[:32]} (given with --expect): that archive was "
            "removed (not by opsverify prune), or changed after sealing (its manifest rewritten)") in out
    assert "it was removed, not pruned" not in out
