"""`opsverify verify`: every way of changing the evidence after the fact is caught, with its exit code;
a clean archive verifies with the public key alone. `opsverify prune` keeps the chain verifiable."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import exitcodes, report, seal
from opsverify.cli import main

from .runbook import CANARY, Runbook, make_runbook, read_json
from .test_cli_edges import renderer  # noqa: F401 (a fixture: a stand-in for the report's renderer)


def _raw_b64(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    """Three signed archives of one env (the key as PEM, then as base64 of its raw bytes), and the public key."""
    root = tmp_path_factory.mktemp("sealed")
    runbook = make_runbook(root / "runbook")
    key = Ed25519PrivateKey.generate()
    public = root / "signing.pub"
    public.write_text(seal.public_pem(key.public_key()))
    outputs = []
    for value in (seal.private_pem(key), seal.private_pem(key), _raw_b64(key)):
        result = runbook.run("--item", "S1", "--item", "S2", env={seal.SIGNING_KEY_ENV: value})
        assert result.returncode == exitcodes.FAILED, result.stdout[-2000:] + result.stderr[-2000:]
        outputs.append(result.stdout + result.stderr)
    assert len(runbook.archives()) == 3
    return runbook, key, public, outputs


@pytest.fixture
def copy(sealed, tmp_path) -> Path:
    """A copy of the env's archives to tamper with."""
    runbook = sealed[0]
    target = tmp_path / "fx"
    shutil.copytree(runbook.env_dir, target)
    return target


def _verify(capsys, path: Path, public: Path | None = None) -> tuple[int, str]:
    code = main(["verify", str(path), *(["--public-key", str(public)] if public else [])])
    return code, capsys.readouterr().out


def _archives(env_dir: Path) -> list[Path]:
    return seal.archive_dirs(env_dir)


def test_clean_archives_verify_with_the_public_key_alone(sealed):
    runbook, key, public, outputs = sealed
    for archive in runbook.archives():
        manifest = read_json(archive / "manifest.json")
        assert manifest["seal"]["key_id"] == seal.key_id(key.public_key())
        assert (archive / "manifest.sig").is_file()
    first, second, third = (read_json(a / "manifest.json") for a in runbook.archives())
    assert first["previous"] is None
    assert second["previous"]["archive"] == runbook.archives()[0].name
    assert third["previous"]["manifest_sha256"] == seal.sha256_file(runbook.archives()[1] / "manifest.json")
    command = [sys.executable, "-m", "opsverify", "verify", str(runbook.env_dir), "--public-key", str(public)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)  # no private key in this process
    assert result.returncode == 0, result.stdout
    assert "OK: 3 archives of env fx verified" in result.stdout
    assert "signed by" not in result.stdout and seal.key_id(key.public_key()) in result.stdout
    single = subprocess.run(command[:4] + [str(runbook.archives()[1]), "--public-key", str(public)],
                            capture_output=True, text=True, timeout=60)
    assert single.returncode == 0, single.stdout


def test_the_private_key_is_written_nowhere(sealed):
    runbook, key, _, outputs = sealed
    secrets = [seal.private_pem(key).splitlines()[1], _raw_b64(key)]
    for path in runbook.env_dir.rglob("*"):
        if path.is_file():
            data = path.read_text(errors="replace")
            assert not any(secret in data for secret in secrets), path
    assert not any(secret in output for secret in secrets for output in outputs)
    assert f"signed {seal.key_id(key.public_key())}" in outputs[0]


def test_one_changed_byte_is_caught(copy, sealed, capsys):
    target = sorted((_archives(copy)[1] / "allure-results").glob("*-result.json"))[0]
    data = bytearray(target.read_bytes())
    data[10] ^= 1
    target.write_bytes(bytes(data))
    code, out = _verify(capsys, copy, sealed[2])
    assert code == exitcodes.TAMPERED
    assert f"tampered       {_archives(copy)[1].name}/allure-results/{target.name}: changed" in out


def test_an_added_file_is_caught(copy, sealed, capsys):
    (_archives(copy)[0] / "notes.txt").write_text("added later")
    code, out = _verify(capsys, _archives(copy)[0], sealed[2])
    assert code == exitcodes.TAMPERED and "notes.txt: added after sealing" in out


def test_a_planted_name_is_shown_not_obeyed(copy, sealed, capsys):
    """A file named to clear the auditor's screen and print OK over the finding: its name is shown escaped."""
    (_archives(copy)[0] / "x\x1b[2J\x1b[H\rOK: all verified\u202e").write_text("added later")
    code, out = _verify(capsys, _archives(copy)[0], sealed[2])
    assert code == exitcodes.TAMPERED
    assert "x\\x1b[2J\\x1b[H\\x0dOK: all verified\\u202e: added after sealing" in out
    assert not any(c in out for c in "\x1b\r\u202e"), out


def test_a_deleted_file_is_caught(copy, sealed, capsys):
    (_archives(copy)[2] / "junit.xml").unlink()
    code, out = _verify(capsys, copy, sealed[2])
    assert code == exitcodes.TAMPERED and "junit.xml: removed" in out


def _rewrite_results(archive: Path) -> dict:
    """The forger's edit: a failure becomes a pass, the file is re-hashed into the manifest, counts fixed."""
    results = read_json(archive / "results.json")
    for row in results["checks"]:
        if row["status"] == "failed":
            row["status"] = "passed"
    results["counts"] = {**results["counts"], "passed": results["counts"]["passed"] + 1, "failed": 0}
    (archive / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    manifest = read_json(archive / "manifest.json")
    manifest["files"]["results.json"] = seal.sha256_file(archive / "results.json")
    manifest["counts"] = results["counts"]
    return manifest


def test_a_rehashed_and_recounted_manifest_is_caught_by_the_signature(copy, sealed, capsys):
    middle = _archives(copy)[1]
    manifest = _rewrite_results(middle)
    (middle / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, out = _verify(capsys, middle, sealed[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert "tampered" not in out  # every file matches the forged manifest ...
    assert f"bad-signature  {middle.name}: the signature does not match manifest.json" in out  # ... the seal does not
    code, out = _verify(capsys, copy, sealed[2])
    assert (f"broken-chain   {_archives(copy)[2].name}: its previous archive {middle.name} does not have the manifest "
            f"hash this one names: {middle.name} was changed after this one was sealed, or this one's link was") in out


def test_a_resigned_forgery_is_caught_by_the_key_and_the_chain(copy, sealed, capsys):
    """The forger signs again with a key of their own: the given public key and the next archive's link tell."""
    middle = _archives(copy)[1]
    manifest = _rewrite_results(middle)
    forger = Ed25519PrivateKey.generate()
    manifest["seal"] = seal.seal_record(forger)
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (middle / "manifest.json").write_bytes(data)
    (middle / "manifest.sig").write_bytes(seal.signature_file(data, forger))
    code, out = _verify(capsys, middle, sealed[2])
    assert code == exitcodes.BAD_SIGNATURE and "not by the given public key" in out
    code, out = _verify(capsys, copy)  # no key at hand: the chain still tells, and a note says where the key changed
    assert code == exitcodes.BROKEN_CHAIN, out
    assert f"{_archives(copy)[2].name}: its previous archive {middle.name} does not have the manifest hash" in out
    assert (f"{middle.name}: signed by {seal.key_id(forger.public_key())}, but the chain was signed by "
            f"{seal.key_id(sealed[1].public_key())} up to {_archives(copy)[0].name}: the signing key changed here") in out


def test_swapped_archives_are_caught(copy, sealed, capsys):
    first, second = _archives(copy)[:2]
    first.rename(copy / "swap")
    second.rename(first)
    (copy / "swap").rename(second)
    code, out = _verify(capsys, copy, sealed[2])
    assert code == exitcodes.BROKEN_CHAIN
    assert f"broken-chain   {first.name}: holds the archive sealed as {second.name}" in out


def test_a_removed_archive_breaks_the_chain(copy, sealed, capsys):
    middle = _archives(copy)[1]
    shutil.rmtree(middle)
    code, out = _verify(capsys, copy, sealed[2])
    assert code == exitcodes.BROKEN_CHAIN
    assert f"its previous archive {middle.name} is missing (removed without opsverify prune)" in out


def test_another_key_or_no_signature_is_a_bad_signature(copy, sealed, tmp_path, capsys):
    other = tmp_path / "other.pub"
    other.write_text(seal.public_pem(Ed25519PrivateKey.generate().public_key()))
    code, out = _verify(capsys, _archives(copy)[0], other)
    assert code == exitcodes.BAD_SIGNATURE and "not by the given public key" in out
    (_archives(copy)[0] / "manifest.sig").unlink()
    code, out = _verify(capsys, _archives(copy)[0], sealed[2])
    assert code == exitcodes.BAD_SIGNATURE and "manifest.sig is missing" in out


def test_an_unsigned_archive_fails_where_a_key_is_expected(tmp_path, sealed, capsys):
    runbook = make_runbook(tmp_path / "unsigned")
    assert runbook.run("--item", "S1").returncode == 0
    code, out = _verify(capsys, runbook.newest())
    assert code == 0 and "not signed" in out
    code, out = _verify(capsys, runbook.newest(), sealed[2])
    assert code == exitcodes.BAD_SIGNATURE and "not signed, but a public key was given" in out


# -- manifest.sig is read as opsverify writes it: anything else in it is a bad signature -------------------------
def test_every_flipped_bit_of_a_signature_file_is_caught(copy, sealed):
    archive = _archives(copy)[0]
    manifest_bytes, manifest = seal.read_manifest(archive)
    original = (archive / "manifest.sig").read_bytes()
    given = seal.parse_public_key(sealed[2].read_text())
    missed = []
    for offset in range(len(original)):
        for bit in range(8):
            data = bytearray(original)
            data[offset] ^= 1 << bit
            (archive / "manifest.sig").write_bytes(bytes(data))
            for trusted in (None, given):
                findings, _ = seal.verify_signature(archive, manifest_bytes, manifest, trusted)
                if [f.kind for f in findings] != ["bad-signature"]:
                    missed.append((offset, bit, chr(original[offset]), trusted is not None))
    assert missed == [], f"{len(missed)} flips not caught: {missed[:20]}"


def _edit_signature_file(archive: Path, **fields) -> None:
    """manifest.sig rewritten with these fields (None: the field removed), as JSON laid out as opsverify writes it."""
    document = json.loads((archive / "manifest.sig").read_text())
    document = {name: value for name, value in {**document, **fields}.items() if value is not None}
    (archive / "manifest.sig").write_text(json.dumps(document, indent=2) + "\n")


@pytest.mark.parametrize("fields, said", [
    ({"algorithm": "rsa-pss"}, 'its "algorithm" is "rsa-pss", expected "ed25519"'),
    ({"signed": "results.json"}, 'its "signed" is "results.json", expected "manifest.json"'),
    ({"key_id": "ed25519:0000000000000000"}, 'its "key_id" is "ed25519:0000000000000000", expected "ed25519:'),
    ({"key_id": None}, 'holds no "key_id"'),
    ({"comment": "re-signed by hand"}, 'holds "comment", a field opsverify does not write'),
], ids=["algorithm", "signed", "key-id", "no-key-id", "extra-field"])
def test_a_signature_file_with_a_field_not_as_written_is_a_bad_signature(copy, sealed, capsys, fields, said):
    archive = _archives(copy)[0]
    _edit_signature_file(archive, **fields)
    for public in (None, sealed[2]):
        code, out = _verify(capsys, archive, public)
        assert code == exitcodes.BAD_SIGNATURE, out
        assert f"bad-signature  {archive.name}: manifest.sig: {said}" in out, out


def test_a_signature_file_naming_a_field_twice_is_a_bad_signature(copy, sealed, capsys):
    """JSON readers differ on which of two values they take: a second "signature" is no signature."""
    archive = _archives(copy)[0]
    text = (archive / "manifest.sig").read_text()
    (archive / "manifest.sig").write_text(text.replace('"signature"', '"signature": "AAAA",\n  "signature"', 1))
    code, out = _verify(capsys, archive, sealed[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f'bad-signature  {archive.name}: manifest.sig: holds "signature" twice' in out, out


def test_a_manifest_whose_seal_names_another_key_id_is_a_bad_signature(copy, capsys):
    """Signed as it stands, by the key it holds, but its seal names another key's id: not as opsverify seals."""
    archive = _archives(copy)[0]
    signer = Ed25519PrivateKey.generate()
    manifest = {**read_json(archive / "manifest.json"), "seal": {**seal.seal_record(signer), "key_id": "ed25519:0"}}
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (archive / "manifest.json").write_bytes(data)
    (archive / "manifest.sig").write_bytes(seal.signature_file(data, signer))
    code, out = _verify(capsys, archive)
    assert code == exitcodes.BAD_SIGNATURE, out
    assert (f'bad-signature  {archive.name}: the manifest\'s seal says "key_id" is "ed25519:0", expected '
            f'"{seal.key_id(signer.public_key())}"') in out, out


def test_a_signature_in_non_canonical_base64_is_a_bad_signature(copy, sealed, capsys):
    """The same 64 bytes written with other padding bits: not the text opsverify writes."""
    import string

    archive = _archives(copy)[0]
    text = json.loads((archive / "manifest.sig").read_text())["signature"]
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
    other = text[:-3] + alphabet[alphabet.index(text[-3]) ^ 1] + text[-2:]
    assert text.endswith("==") and base64.b64decode(other) == base64.b64decode(text)
    _edit_signature_file(archive, signature=other)
    for public in (None, sealed[2]):
        code, out = _verify(capsys, archive, public)
        assert code == exitcodes.BAD_SIGNATURE, out
        assert f'{archive.name}: manifest.sig: its "signature" is not base64 as opsverify writes it' in out, out


@pytest.mark.parametrize("rewrite", [
    lambda text: text.replace('"manifest.json"', '"manifest\\u002ejson"'),
    lambda text: text.replace('"signature": ', '"signature":\t\t '),
    lambda text: text + " " * 60000,
    lambda text: json.dumps(dict(reversed(json.loads(text).items())), indent=2) + "\n",
    lambda text: json.dumps(json.loads(text)) + "\n",
], ids=["escaped-name", "tabs", "trailing-whitespace", "fields-reordered", "one-line"])
def test_a_signature_file_laid_out_otherwise_is_a_bad_signature(copy, sealed, capsys, rewrite):
    """The same fields and values written as other bytes: one signature has one text, as opsverify writes it."""
    archive = _archives(copy)[0]
    text = (archive / "manifest.sig").read_text()
    (archive / "manifest.sig").write_text(rewrite(text))
    assert (archive / "manifest.sig").read_text() != text
    for public in (None, sealed[2]):
        code, out = _verify(capsys, archive, public)
        assert code == exitcodes.BAD_SIGNATURE, out
        assert f"bad-signature  {archive.name}: manifest.sig: not laid out as opsverify writes it" in out, out


def test_not_an_archive(tmp_path, capsys):
    code, out = _verify(capsys, tmp_path)
    assert code == exitcodes.NOT_AN_ARCHIVE and "not-an-archive" in out


def test_a_file_given_to_verify_is_said_to_be_a_file(sealed, tmp_path, capsys):
    """`opsverify verify pub.pem` (the key given where the folder goes): the file is there, so not "no such folder"."""
    public = sealed[2]
    code, out = _verify(capsys, public)
    assert code == exitcodes.NOT_AN_ARCHIVE, out
    assert f"not-an-archive {public}: is a file, not an archive folder nor a reports/<env> folder" in out
    code, out = _verify(capsys, tmp_path / "nowhere")
    assert code == exitcodes.NOT_AN_ARCHIVE and f"{tmp_path / 'nowhere'}: no such folder" in out


def _forge_link(archive: Path) -> None:
    """The forger of an unsigned archive: its link to the previous archive pointed elsewhere, its seal dropped."""
    manifest = read_json(archive / "manifest.json")
    manifest["previous"]["manifest_sha256"] = "0" * 64
    (archive / "manifest.json").write_text(json.dumps({**manifest, "seal": None}, indent=2) + "\n")
    (archive / "manifest.sig").unlink()


def test_verifying_one_archive_does_not_blame_it_for_a_later_archives_forged_link(copy, sealed, capsys):
    """The second archive's link forged (and re-sealed unsigned): verifying the untouched first one alone names the
    second as the archive whose link does not match; with the key, the first is as signed and the second is
    not, so the break is the second's — a note, not a finding against the archive asked about."""
    first, second, _ = _archives(copy)
    _forge_link(second)
    code, out = _verify(capsys, first)
    assert code == exitcodes.BROKEN_CHAIN, out  # without the key, either may have changed
    assert (f"broken-chain   {second.name}: its link to {first.name} (the archive verified) names a manifest hash "
            f"{first.name} does not have: {second.name}'s link was changed after sealing, or {first.name} was "
            f"({second.name} is not signed, {first.name} is: with --public-key") in out
    # (archives made within one second are named `<name>` and `<name>-2`: the first's name alone, not a prefix)
    assert not re.search(rf"(its previous archive|broken-chain +){re.escape(first.name)}(?![\w-])", out), out
    code, out = _verify(capsys, first, sealed[2])
    assert code == exitcodes.OK, out
    assert (f"note           {second.name}, the next archive, links to {first.name} by a manifest hash it does not "
            f"have, and does not verify itself ({second.name}: not signed, but a public key was given") in out
    assert f"{second.name} was changed after sealing, not {first.name}, which is as the given key signed it" in out
    code, out = _verify(capsys, second, sealed[2])  # verified itself, the forged one is found
    assert code == exitcodes.BAD_SIGNATURE, out
    code, out = _verify(capsys, copy, sealed[2])
    assert code == exitcodes.BAD_SIGNATURE and "broken-chain" in out, out


def test_verifying_one_rewritten_archive_still_finds_it_through_the_next_ones_link(copy, sealed, capsys):
    """The other way round: the first archive rewritten (re-hashed, unsigned), the second untouched. Without a key
    only the second's link tells, so verifying the first alone still finds it; with the key its seal does."""
    first, second, _ = _archives(copy)
    manifest = {**_rewrite_results(first), "seal": None}
    (first / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (first / "manifest.sig").unlink()
    code, out = _verify(capsys, first)
    assert code == exitcodes.BROKEN_CHAIN, out
    assert f"broken-chain   {second.name}: its link to {first.name} (the archive verified) names a manifest hash" in out
    code, out = _verify(capsys, first, sealed[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"broken-chain   {second.name}: its link to {first.name}" in out  # the key cannot clear the first


def test_a_malformed_signing_key_stops_the_run_without_echoing_it(tmp_path):
    runbook = make_runbook(tmp_path)
    result = runbook.run("--item", "S1", env={seal.SIGNING_KEY_ENV: "not-a-key-Zx81Qw"})
    assert result.returncode == exitcodes.BAD_CONFIG
    assert result.stderr.strip() == ("opsverify: OPSVERIFY_SIGNING_KEY: expected an ed25519 private key as PEM, "
                                     "or 32 bytes in base64")
    assert "Zx81Qw" not in result.stdout + result.stderr and runbook.archives() == []


def test_keygen_prints_the_private_half_and_writes_the_public_one(tmp_path, capsys):
    public = tmp_path / "key.pub"
    assert main(["keygen", "--public-key", str(public)]) == 0
    out = capsys.readouterr()
    key = seal.parse_private_key(out.out.strip())
    assert seal.parse_public_key(public.read_text()) is not None
    assert seal.key_id(key.public_key()) in out.err and "saved nowhere" in out.err


# -- retention -------------------------------------------------------------------------------------
def test_prune_keeps_failed_releases_and_the_chain(tmp_path, capsys):
    runbook = make_runbook(tmp_path)
    assert runbook.run("--item", "S2").returncode == exitcodes.FAILED  # a failed release: evidence to keep
    for _ in range(3):
        assert runbook.run("--system", "till").returncode == exitcodes.OK  # whole runs: a partial one is kept too
    failed, clean1, clean2, newest = runbook.archives()
    (runbook.env_dir / f"{clean1.name}.html").write_text(report.marked("<html><head></head></html>"))  # its report
    # goes with it (the one opsverify rendered: tests/test_retention.py leaves any other file)

    assert main(["prune", str(runbook.env_dir), "--keep", "1", "--dry-run"]) == 0
    assert len(runbook.archives()) == 4 and "would remove" in capsys.readouterr().out

    assert main(["prune", str(runbook.reports), "--keep", "1"]) == 0  # reports/: every env
    out = capsys.readouterr().out
    assert [a.name for a in runbook.archives()] == [failed.name, newest.name]
    assert f"kept {failed.name}: 1 failed" in out
    assert not (runbook.env_dir / f"{clean1.name}.html").exists()
    pruned = [json.loads(line) for line in (runbook.env_dir / seal.CHAIN).read_text().splitlines()]
    assert [p["archive"] for p in pruned] == [clean1.name, clean2.name]
    code, out = _verify(capsys, runbook.env_dir)
    assert code == 0, out

    code, out = _verify(capsys, runbook.reports)  # reports/: every env
    assert code == 0 and "OK: 2 archives of env fx verified" in out, out

    assert main(["prune", str(runbook.env_dir), "--keep", "1", "--force"]) == 0
    assert [a.name for a in runbook.archives()] == [newest.name]
    code, out = _verify(capsys, runbook.env_dir)
    assert code == 0, out
    assert runbook.run("--item", "S1").returncode == exitcodes.OK  # a new archive links to the newest kept
    assert read_json(runbook.newest() / "manifest.json")["previous"]["archive"] == newest.name
    code, out = _verify(capsys, runbook.env_dir)
    assert code == 0, out


def test_prune_keeps_an_archive_that_does_not_verify(tmp_path, capsys):
    """A changed archive is evidence of that change, and its counts cannot be believed (a failed release
    made to read clean): prune keeps it until --force."""
    runbook = make_runbook(tmp_path)
    for _ in range(3):
        assert runbook.run("--system", "till").returncode == exitcodes.OK
    changed, clean, newest = runbook.archives()
    results = changed / "results.json"
    results.write_text(results.read_text(encoding="utf-8").replace('"passed"', '"failed"', 1), encoding="utf-8")
    assert main(["prune", str(runbook.env_dir), "--keep", "1"]) == 0
    out = capsys.readouterr().out
    assert [a.name for a in runbook.archives()] == [changed.name, newest.name]
    assert f"kept {changed.name}: does not verify ({changed.name}/results.json: changed" in out


# -- a team adopting signing: the archives from before, covered by the first signed one's link -----------------
@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """Two unsigned archives of one env (as `make demo` leaves them), then two signed ones: signing adopted."""
    runbook = make_runbook(tmp_path_factory.mktemp("adopted") / "runbook")
    key = Ed25519PrivateKey.generate()
    public = runbook.root / "signing.pub"
    public.write_text(seal.public_pem(key.public_key()))
    for value in (None, None, seal.private_pem(key), seal.private_pem(key)):
        result = runbook.run("--system", "till", env={seal.SIGNING_KEY_ENV: value} if value else None)
        assert result.returncode == exitcodes.OK, result.stdout[-2000:] + result.stderr[-2000:]
    return runbook, key, public


def _adopted_copy(adopted, tmp_path: Path) -> Path:
    target = tmp_path / "reports" / "fx"
    shutil.copytree(adopted[0].env_dir, target)
    return target


def test_archives_from_before_signing_began_verify_under_the_key(adopted, tmp_path, capsys):
    env_dir = _adopted_copy(adopted, tmp_path)
    u1, u2, s1, s2 = _archives(env_dir)
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code == exitcodes.OK, out
    for unsigned in (u1, u2):
        assert (f"note           {unsigned.name}: unsigned, before signing began; covered by {s1.name}'s link") in out
    assert "OK: 4 archives of env fx verified" in out
    for archive in (u1, u2, s1, s2):  # each alone too, with its links to its neighbours
        code, out = _verify(capsys, archive, adopted[2])
        assert code == exitcodes.OK, (archive.name, out)
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0  # pruned, they stay covered
    capsys.readouterr()
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code == exitcodes.OK, out
    assert f"{u1.name} (pruned): unsigned, before signing began; covered by {s1.name}'s link" in out
    code, out = _verify(capsys, s2, adopted[2])
    assert code == exitcodes.OK, out


def test_the_history_under_the_key_holds_the_archives_from_before_signing_began(adopted, tmp_path):
    from opsverify.report import history_points

    env_dir = _adopted_copy(adopted, tmp_path)
    left_out: list[str] = []
    points = history_points(_archives(env_dir)[-1], left_out, adopted[1].public_key())
    assert len(points) == 3 and left_out == [], left_out


def test_an_unsigned_archive_after_signing_began_is_still_a_bad_signature(adopted, tmp_path, capsys):
    """Signing stopped (or a run's seal stripped): an unsigned archive after a signed one is not covered, even
    when a signed archive links to it later."""
    root = tmp_path / "runbook"
    shutil.copytree(adopted[0].root, root)
    runbook = Runbook(root)
    assert runbook.run("--item", "S1").returncode == exitcodes.OK  # signing stopped
    stopped = seal.archives_oldest_first(runbook.env_dir)[-1]
    code, out = _verify(capsys, runbook.env_dir, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {stopped.name}: not signed, but a public key was given" in out
    assert runbook.run("--item", "S1", env={seal.SIGNING_KEY_ENV: seal.private_pem(adopted[1])}).returncode == 0
    code, out = _verify(capsys, runbook.env_dir, adopted[2])  # signing resumed: the gap stays a finding
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {stopped.name}: not signed, but a public key was given" in out
    assert len(re.findall("^bad-signature", out, re.M)) == 1 and "before signing began" in out, out
    code, out = _verify(capsys, stopped, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out


def test_an_env_the_key_signed_nothing_of_fails_under_the_key(adopted, tmp_path, capsys):
    env_dir = _adopted_copy(adopted, tmp_path)
    for signed in _archives(env_dir)[2:]:
        shutil.rmtree(signed)  # the newest archives removed: nothing the key signed is left
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert out.count("not signed, but a public key was given") == 2, out
    other = tmp_path / "other.pub"  # nor does another key's archive cover them
    other.write_text(seal.public_pem(Ed25519PrivateKey.generate().public_key()))
    code, out = _verify(capsys, _adopted_copy(adopted, tmp_path / "again"), other)
    assert code == exitcodes.BAD_SIGNATURE and out.count("not signed, but a public key was given") == 2, out


def test_an_archive_from_before_signing_edited_or_added_is_not_covered(adopted, tmp_path, capsys):
    env_dir = _adopted_copy(adopted, tmp_path)
    u1, u2, s1, _ = _archives(env_dir)
    added = env_dir / (u1.name[:16] + "_added")  # an unsigned archive slipped in at the chain's start
    shutil.copytree(u1, added)
    manifest = {**read_json(u1 / "manifest.json"), "archive": added.name}
    (added / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {added.name}: not signed, but a public key was given" in out
    assert "more than one archive starts the chain" in out, out
    shutil.rmtree(added)
    results = read_json(u2 / "results.json")  # the one before the first signed archive rewritten, re-hashed
    results["counts"]["passed"] += 1
    (u2 / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    manifest = read_json(u2 / "manifest.json")
    manifest["files"]["results.json"] = seal.sha256_file(u2 / "results.json")
    (u2 / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {u2.name}: not signed, but a public key was given" in out
    assert f"broken-chain   {s1.name}: its previous archive {u2.name} does not have the manifest hash" in out
    assert f"{u1.name}: unsigned, before signing began" not in out  # nothing the key signed links back to it now


def _forged_start(env_dir: Path, source: Path, name: str, started: str) -> Path:
    """The insider without the key: an unsigned archive copied from `source`, linked to nothing (a chain start),
    started after signing began."""
    forged = env_dir / name
    shutil.copytree(source, forged)
    manifest = read_json(source / "manifest.json")
    manifest = {**manifest, "archive": name, "previous": None, "started": started, "ended": started}
    (forged / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return forged


def _signed_link(env_dir: Path, source: Path, name: str, previous: Path, key, started: str) -> Path:
    """What a signing run linked to `previous` would seal (as one did, before it refused to extend a forged start)."""
    archive = env_dir / name
    shutil.copytree(source, archive)
    manifest = read_json(source / "manifest.json")
    link = {"archive": previous.name, "manifest_sha256": seal.sha256_file(previous / "manifest.json")}
    manifest = {**manifest, "archive": name, "previous": link, "started": started, "ended": started}
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (archive / "manifest.json").write_bytes(data)
    (archive / "manifest.sig").write_bytes(seal.signature_file(data, key))
    return archive


def test_a_forged_chain_start_a_signed_archive_links_to_is_not_before_signing(adopted, tmp_path, capsys):
    """Only the first archive the key signed (of two chains' firsts, by its signed start) covers the unsigned ones
    before it: a chain start forged after signing began stays unsigned under the key, though a later signed archive
    links to it."""
    env_dir = _adopted_copy(adopted, tmp_path)
    u1, u2, s1, s2 = _archives(env_dir)
    forged = _forged_start(env_dir, u1, "29991231T235000Z_local", "2999-12-31T23:50:00Z")
    _signed_link(env_dir, s2, "29991231T235500Z_local", forged, adopted[1], "2999-12-31T23:55:00Z")
    covered = seal.before_signing(env_dir, adopted[1].public_key())
    assert seal.sha256_file(forged / "manifest.json") not in covered
    assert set(covered.values()) == {s1.name} and len(covered) == 2
    code, out = _verify(capsys, forged, adopted[2])
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {forged.name}: not signed, but a public key was given" in out
    code, out = _verify(capsys, env_dir, adopted[2])
    assert code != exitcodes.OK and "before signing began; covered by 29991231T235500Z_local" not in out, out
    assert f"{u1.name}: unsigned, before signing began; covered by {s1.name}'s link" in out


def test_the_history_leaves_out_a_forged_chain_start_and_says_why_rightly(adopted, tmp_path):
    from opsverify.report import history_points, left_out_note

    env_dir = _adopted_copy(adopted, tmp_path)
    u1, u2, s1, s2 = _archives(env_dir)
    forged = _forged_start(env_dir, u1, "29991231T235000Z_local", "2999-12-31T23:50:00Z")
    laundered = _signed_link(env_dir, s2, "29991231T235500Z_local", forged, adopted[1], "2999-12-31T23:55:00Z")
    for trusted in (adopted[1].public_key(), None):
        left_out: list[str] = []
        assert history_points(laundered, left_out, trusted) == [], trusted
        assert forged.name in left_out and s2.name in left_out
    assert "not readable" not in left_out_note(s2.name)


def test_a_signing_run_never_extends_a_forged_unsigned_chain_start(adopted, tmp_path):
    root = tmp_path / "runbook"
    shutil.copytree(adopted[0].root, root)
    runbook = Runbook(root)
    u1, u2, s1, s2 = _archives(runbook.env_dir)
    forged = _forged_start(runbook.env_dir, u1, "29991231T235000Z_local", "2999-12-31T23:50:00Z")
    head = seal.choose_head(runbook.env_dir, adopted[1].public_key())
    assert head.link["archive"] == s2.name and head.left == (forged.name,)
    unkeyed = seal.choose_head(runbook.env_dir)  # no key: the longest chain, the forged start named
    assert unkeyed.link["archive"] == s2.name and unkeyed.left == (forged.name,)
    result = runbook.run("--system", "till", env={seal.SIGNING_KEY_ENV: seal.private_pem(adopted[1])})
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    newest = [a for a in _archives(runbook.env_dir) if a not in (u1, u2, s1, s2, forged)][0]
    manifest = read_json(newest / "manifest.json")
    assert manifest["previous"]["archive"] == s2.name
    assert f"not extended from {forged.name}" in manifest["chain_warning"]
    assert f"warning: the chain was not extended from {forged.name}" in result.stdout


def test_a_signing_run_after_overlapping_runs_extends_the_chains_end_and_the_env_verifies(adopted, tmp_path, capsys,
                                                                                          renderer):
    """Two signing runs overlapped: a long one started, a short one started and ended inside it, the long one ended
    last and linked to the short one. The next signing run linked to the short one (the newest start), beside the
    long one: genuine archives forked (broken-chain, exit 32), the run warned that the key had not signed the long
    one, and report refused the env. The manifests say the starts (no clock is moved)."""
    root = tmp_path / "runbook"
    shutil.copytree(adopted[0].root, root)
    runbook, key = Runbook(root), adopted[1]
    u1, u2, s1, s2 = _archives(runbook.env_dir)
    short = _signed_link(runbook.env_dir, s2, "29991231T235500Z_short", s2, key, "2999-12-31T23:55:00Z")
    long = _signed_link(runbook.env_dir, s2, "29991231T235000Z_long", short, key, "2999-12-31T23:50:00Z")
    result = runbook.run("--system", "till", env={seal.SIGNING_KEY_ENV: seal.private_pem(key)})
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    assert "warning: the chain was not extended" not in result.stdout, result.stdout[-2000:]
    newest = [a for a in _archives(runbook.env_dir) if a not in (u1, u2, s1, s2, short, long)][0]
    manifest = read_json(newest / "manifest.json")
    assert manifest["previous"]["archive"] == long.name, (
        f"expected the run to link to the chain's end {long.name}, saw {manifest['previous']['archive']}")
    assert not manifest.get("chain_warning"), manifest.get("chain_warning")
    code, out = _verify(capsys, runbook.env_dir, adopted[2])
    assert code == exitcodes.OK, f"expected the genuine signed chain to verify (exit 0), saw exit {code}: {out}"
    page = tmp_path / "report.html"
    assert main(["report", str(runbook.env_dir), "--public-key", str(adopted[2]), "-o", str(page)]) == exitcodes.OK, \
        capsys.readouterr()
    assert page.is_file()


@pytest.mark.parametrize("line", [r'{"archive": "x", "manifest_sha256": "a\u0000b"}',
                                  r'{"archive": "x", "manifest_sha256": "\ud800"}', "[1]"],
                         ids=["nul-hash", "lone-surrogate-hash", "not-an-entry"])
def test_a_signing_run_beside_a_chain_line_it_cannot_read_writes_its_archive_and_says_so(sealed, tmp_path, line):
    """Every check passed, then sealing crashed on the line (`_Seals.manifest` joined its hash into a path): exit 1,
    which says a check failed, and no archive. The run's evidence is kept, linked to the newest archive, and the
    line is named with what to do."""
    root = tmp_path / "runbook"
    shutil.copytree(sealed[0].root, root)
    runbook, key = Runbook(root), sealed[1]
    newest = runbook.newest()
    (runbook.env_dir / "chain.jsonl").write_text(line + "\n", encoding="utf-8")
    result = runbook.run("--item", "S1", env={seal.SIGNING_KEY_ENV: seal.private_pem(key)})
    assert result.returncode == exitcodes.OK, result.stdout[-2000:] + result.stderr[-2000:]
    written = runbook.newest()
    manifest = read_json(written / "manifest.json")
    assert written != newest and manifest["previous"]["archive"] == newest.name
    said = "fx/chain.jsonl line 1: "
    fix = "fix: `opsverify verify` on the env lists each such line: restore chain.jsonl from a backup"
    assert said in manifest["chain_warning"] and fix in manifest["chain_warning"]
    assert f"warning: {said}" in result.stdout and fix in result.stdout, result.stdout[-2000:]
    assert main(["verify", str(written), "--public-key", str(sealed[2])]) == exitcodes.OK


# -- what prune keeps as evidence: a run that could not check items, or did not check them all -----------------
_LOOP_OF_ONE = ("import pytest\n"  # the loop ends after the first item, unnoticed: the run is interrupted
                "@pytest.hookimpl(tryfirst=True)\n"
                "def pytest_runtestloop(session):\n"
                "    item = session.items[0]\n"
                "    item.config.hook.pytest_runtest_protocol(item=item, nextitem=None)\n"
                "    return True\n")


def _web_env_fixed(runbook: Runbook) -> None:
    """The shop's web env as its items want it: a whole run then fails nothing, and errs on the worker's env alone."""
    web = f"APP_ORIGIN=https://shop.example\nFLAG=true\nSECRET_TOKEN=sk-{CANARY}\n"
    (runbook.root / "env" / "web.env").write_text(web)


def _unclean_runs(runbook: Runbook) -> dict[str, Path]:
    """One archive of each kind of run that records no clean release, though none of its items failed."""
    _web_env_fixed(runbook)
    made = {}
    assert runbook.run().returncode == exitcodes.COULD_NOT_CHECK  # the worker's env file is missing
    made["1 could not be checked"] = seal.archives_oldest_first(runbook.env_dir)[-1]
    broken = runbook.root / "checklists" / "test_broken.py"
    broken.write_text("raise ImportError('a module that cannot load')\n")
    assert runbook.run("--system", "till", "--continue-on-collection-errors").returncode == exitcodes.COULD_NOT_CHECK
    made["1 could not be collected"] = seal.archives_oldest_first(runbook.env_dir)[-1]
    broken.unlink()
    (runbook.root / "conftest.py").write_text(_LOOP_OF_ONE)
    assert runbook.run("--system", "till", "--system", "shop").returncode == exitcodes.INTERRUPTED
    made["an interrupted run (1 of 8 selected items ran)"] = seal.archives_oldest_first(runbook.env_dir)[-1]
    (runbook.root / "conftest.py").unlink()
    assert runbook.run("--item", "S1").returncode == exitcodes.OK
    made["a partial run (7 of 8 items in scope left out)"] = seal.archives_oldest_first(runbook.env_dir)[-1]
    return made


def test_prune_keeps_runs_that_could_not_check_or_did_not_check_everything(tmp_path, capsys):
    runbook = make_runbook(tmp_path)
    kept = _unclean_runs(runbook)
    for _ in range(2):
        assert runbook.run("--system", "till").returncode == exitcodes.OK  # clean, whole: removable
    clean, newest = seal.archives_oldest_first(runbook.env_dir)[-2:]
    assert main(["prune", str(runbook.env_dir), "--keep", "1"]) == 0
    out = capsys.readouterr().out
    assert sorted(a.name for a in runbook.archives()) == sorted([*(a.name for a in kept.values()), newest.name])
    for why, archive in kept.items():
        assert f"kept {archive.name}: {why}" in out, out
    assert main(["prune", str(runbook.env_dir), "--keep", "1", "--force"]) == 0
    assert [a.name for a in runbook.archives()] == [newest.name]
    entries = {e["archive"]: e for e in map(json.loads, (runbook.env_dir / seal.CHAIN).read_text().splitlines())}
    assert "forced" not in entries[clean.name]
    capsys.readouterr()
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.OK, out
    for why, archive in kept.items():
        assert entries[archive.name]["forced"] == why
        assert f"{archive.name} (pruned): recorded {why} (deploy local" in out, out


def _rewrite_pruned(env_dir: Path, archive: str, *, forced: str | None, kinds: list[str] | None) -> None:
    """The entry's "forced", and the kinds its .found.json says prune kept unless --force (None: either left out)."""
    entries = [json.loads(line) for line in (env_dir / seal.CHAIN).read_text().splitlines()]
    for entry in entries:
        if entry["archive"] == archive:
            entry.pop("forced", None)
            entry.update({"forced": forced} if forced else {})
            found = seal.kept_manifest(env_dir, entry["manifest_sha256"], seal.FOUND)
            record = {k: v for k, v in read_json(found).items() if k != "kept_unless_forced"}
            found.write_text(json.dumps({**record, **({"kept_unless_forced": kinds} if kinds else {})}))
    (env_dir / seal.CHAIN).write_text("".join(json.dumps(e) + "\n" for e in entries))


def test_an_entry_an_earlier_prune_wrote_is_judged_by_what_it_kept(tmp_path, capsys):
    """An entry whose kept manifest records no clean release (here: an item that could not be checked) without a
    "forced" is tampered, whatever its .found.json says prune kept (a record with no kinds, as the earliest prune
    wrote it, reads as failed and waived only: dropping them would erase a forced-out run). An edit of the entry,
    or of .found.json, alone is found."""
    runbook = make_runbook(tmp_path)
    _web_env_fixed(runbook)
    assert runbook.run().returncode == exitcodes.COULD_NOT_CHECK
    errored = runbook.newest().name
    assert runbook.run("--system", "till").returncode == exitcodes.OK
    assert main(["prune", str(runbook.env_dir), "--keep", "1", "--force"]) == 0
    _rewrite_pruned(runbook.env_dir, errored, forced=None, kinds=None)  # "forced" and the kinds dropped
    capsys.readouterr()
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.TAMPERED, out
    assert 'its chain.jsonl entry\'s "forced" is absent, expected "1 could not be checked"' in out, out
    _rewrite_pruned(runbook.env_dir, errored, forced=None, kinds=list(seal.EVIDENCE))  # "forced" dropped
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.TAMPERED, out
    assert ('its chain.jsonl entry\'s "forced" is absent, expected "1 could not be checked" (prune writes it from '
            "its kept manifest and .pruned/") in out
    _rewrite_pruned(runbook.env_dir, errored, forced="1 could not be checked", kinds=None)  # the kinds dropped
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.TAMPERED and 'entry\'s "forced" is "1 could not be checked", expected absent' in out, out
    _rewrite_pruned(runbook.env_dir, errored, forced="1 could not be checked", kinds=["failed", "nothing"])
    code, out = _verify(capsys, runbook.env_dir)
    assert code == exitcodes.TAMPERED and 'its "kept_unless_forced" holds "nothing", not one of' in out, out


def test_an_item_named_by_item_and_not_selected_is_no_clean_release():
    """A run that checked items but not one `--item` it named (-m left it out) ends 5 and records
    `items_not_selected`: prune keeps it as it keeps a partial run."""
    manifest = {"counts": {"passed": 1}, "selection": {"items": ["D1", "S1"], "left_out": [],
                                                         "items_not_selected": [{"item": "D1", "why": "daily"}]}}
    assert seal.keeps_evidence(manifest) == "1 item named by --item not selected"
    assert seal.keeps_evidence({"counts": {"passed": 1}, "selection": {"items": ["S1"], "left_out": []}}) == ""


@pytest.mark.parametrize("code, said", [(27, "a run that ended 27 (waiver-expired)"), (3, "a run that ended 3 (internal)")])
def test_a_run_that_ended_not_ok_with_clean_counts_is_no_clean_release(code, said):
    """Every item passed, yet the run ended red: a waiver lapsed (27), an error once every item ran (3). The CI job
    failed, and what it failed on is what an auditor asks about: prune keeps it unless --force."""
    manifest = {"counts": {"passed": 3}, "selection": {"items": [], "left_out": []}, "exit_code": code}
    assert seal.keeps_evidence(manifest) == said
    assert seal.keeps_evidence({**manifest, "exit_code": 0}) == ""
    # a failed run is kept for its failure, said once (its exit code is that failure's)
    assert seal.evidence({**manifest, "counts": {"failed": 1}, "exit_code": 1}) == ["1 failed"]
    # what an earlier prune kept unless --force (its .found.json's kinds) is judged by those kinds alone
    assert seal.keeps_evidence(manifest, seal.EARLIER_EVIDENCE) == ""


def test_prune_keeps_the_archive_of_a_run_whose_waiver_expired(tmp_path, capsys):
    runbook = make_runbook(tmp_path)
    _web_env_fixed(runbook)
    (runbook.root / "env" / "missing-worker.env").write_text("QUEUE_URL=redis://x\n")  # the worker's env: no error
    runbook.waive({"item": "S1", "reason": "r", "approver": "a", "ticket": "T-1", "expires": "2020-01-01"})
    assert runbook.run().returncode == exitcodes.BY_NAME["waiver-expired"]
    lapsed = runbook.newest().name
    capsys.readouterr()
    assert main(["prune", str(runbook.env_dir), "--keep", "0"]) == 0
    out = capsys.readouterr().out
    assert f"kept {lapsed}: a run that ended 27 (waiver-expired) (evidence; --force removes it)" in out, out
    assert (runbook.env_dir / lapsed).is_dir()
