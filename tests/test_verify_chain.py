"""`opsverify verify` without `--public-key` still reads what the chain says of its seals (signing that stopped,
a signing key that changed), and an env folder holding another env's archives is a finding, not a pass.

Every archive here is fabricated (files, hashes, manifest, links), signed where a test says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import exitcodes, seal

from .test_cli_edges import chained, make_archive, run


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "reports" / "fx"
    folder.mkdir(parents=True)
    return folder


def _sign(folder: Path, key: Ed25519PrivateKey) -> Path:
    """Seal a fabricated archive as a signing run does: the public half in the manifest, manifest.sig beside it."""
    manifest = json.loads((folder / seal.MANIFEST).read_text(encoding="utf-8"))
    manifest["seal"] = seal.seal_record(key)
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (folder / seal.MANIFEST).write_bytes(data)
    (folder / seal.SIGNATURE).write_bytes(seal.signature_file(data, key))
    return folder


def _chain(env_dir: Path, keys: list[Ed25519PrivateKey | None]) -> list[Path]:
    """One archive per entry, each linking to the one before, signed by its key (None: unsigned)."""
    made: list[Path] = []
    for index, key in enumerate(keys):
        archive = make_archive(env_dir, f"20261125T10{index:02d}00Z_d{index}", made[-1] if made else None)
        made.append(_sign(archive, key) if key is not None else archive)
    return made


def _public(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    path = tmp_path / f"{seal.key_id(key.public_key()).replace(':', '-')}.pub"
    path.write_text(seal.public_pem(key.public_key()), encoding="utf-8")
    return path


def _findings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("tampered", "bad-signature", "broken-chain"))]


def _kid(key: Ed25519PrivateKey) -> str:
    return seal.key_id(key.public_key())


# -- F3: without --public-key, signing that stopped or changed key ------------------------------------------------
def test_an_unsigned_archive_after_signed_ones_is_a_bad_signature_without_a_key(env_dir, tmp_path, capsys):
    key = Ed25519PrivateKey.generate()
    first, second, forged = _chain(env_dir, [key, key, None])
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert (f"bad-signature  {forged.name}: not signed, but the chain was signed by {_kid(key)} up to "
            f"{second.name}") in out, out
    assert "pass --public-key with the key you trust" in out
    code, out, _ = run(capsys, "verify", str(forged))  # the archive alone: the same finding
    assert code == exitcodes.BAD_SIGNATURE and f"signed by {_kid(key)} up to {second.name}" in out, out
    code, out, _ = run(capsys, "verify", str(second))  # the signed one before it is not to blame
    assert code == exitcodes.OK, out
    code, out, _ = run(capsys, "verify", str(env_dir), "--public-key", str(_public(tmp_path, key)))
    assert code == exitcodes.BAD_SIGNATURE and len(_findings(out)) == 1, out  # said once, as before
    assert "not signed, but a public key was given" in out
    code, out, _ = run(capsys, "report", str(env_dir))  # the env's newest is not rendered
    assert code == exitcodes.BAD_SIGNATURE, out


def test_a_stripped_archive_between_signed_ones_is_a_bad_signature_without_a_key(env_dir, capsys):
    key = Ed25519PrivateKey.generate()
    first, stripped, third = _chain(env_dir, [key, None, key])
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {stripped.name}: not signed, but the chain was signed by {_kid(key)} up to {first.name}" in out
    assert len(_findings(out)) == 1, out  # the third is signed by the chain's key: no change of key


def test_signing_switched_on_later_stays_ok_without_a_key(env_dir, tmp_path, capsys):
    key = Ed25519PrivateKey.generate()
    _chain(env_dir, [None, None, key, key])
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    code, out, _ = run(capsys, "verify", str(env_dir), "--public-key", str(_public(tmp_path, key)))
    assert code == exitcodes.OK, out


def test_a_change_of_signing_key_is_a_note_where_it_changed(env_dir, tmp_path, capsys):
    """A rotation is honest history: without a key it verifies, with a note on the archive where the key changed and
    how to check each side; a key the user trusts finds the other key's archives (an archive re-signed by someone
    else is told from a rotation only so). It was a bad signature no flow could clear: `verify reports`, and every
    `pytest --html` after a rotation, failed for good."""
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    first, second, changed, after = _chain(env_dir, [old, old, new, new])
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    notes = [line for line in out.splitlines() if "the signing key changed here" in line]
    assert len(notes) == 1, out  # where it changed, not every archive after
    assert (f"{changed.name}: signed by {_kid(new)}, but the chain was signed by {_kid(old)} up to {second.name}"
            in notes[0]), out
    assert "each alone with the old key" in notes[0]  # how to check a rotation honestly
    code, out, _ = run(capsys, "verify", str(changed))
    assert code == exitcodes.OK and "the signing key changed here" in out, out
    code, out, _ = run(capsys, "verify", str(after), "--public-key", str(_public(tmp_path, new)))
    assert code == exitcodes.OK, out
    code, out, _ = run(capsys, "verify", str(first), "--public-key", str(_public(tmp_path, new)))
    assert code == exitcodes.BAD_SIGNATURE, out  # the trusted key tells the other key's archives


def test_signing_stopped_before_a_prune_is_still_found(env_dir, capsys):
    """The signed archives pruned: their kept manifests still say how the chain was signed."""
    key = Ed25519PrivateKey.generate()
    first, second, forged = _chain(env_dir, [key, key, None])
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK and f"removed {second.name}" in out, out
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"{forged.name}: not signed, but the chain was signed by {_kid(key)} up to {second.name} (pruned)" in out


# -- F4: one env's archives in another env's folder -----------------------------------------------------------
def test_an_envs_archives_in_another_envs_folder_are_a_broken_chain(env_dir, capsys):
    archives = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    prod = env_dir.parent / "prod"
    env_dir.rename(prod)
    code, out, _ = run(capsys, "verify", str(prod))
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "broken-chain   prod: its archives are of env fx, not prod" in out, out
    assert "--expect" in out  # and how to verify them where they are, on purpose
    code, out, _ = run(capsys, "verify", str(prod.parent))  # every env: the same
    assert code == exitcodes.BROKEN_CHAIN, out
    digest = seal.sha256_file(prod / archives[-1].name / seal.MANIFEST)
    code, out, _ = run(capsys, "verify", str(prod), "--expect", digest[:32])  # asked for: that archive's env
    assert code == exitcodes.OK, out
    assert "note           prod: its archives are of env fx, not prod" in out
    code, out, _ = run(capsys, "verify", str(prod / archives[-1].name))  # one archive alone still verifies
    assert code == exitcodes.OK, out
    assert "of env fx, not prod (the folder it is in)" in out


def test_an_expect_of_another_env_does_not_excuse_a_folder(tmp_path, capsys):
    reports = tmp_path / "reports"
    (reports / "fx").mkdir(parents=True)
    fx = chained(reports / "fx", ["20261125T104620Z_a"])
    (reports / "prod").mkdir()
    chained(reports / "prod", ["20261125T104620Z_b"])
    (reports / "prod").rename(reports / "staging")  # prod's archives now in staging's folder
    digest = seal.sha256_file(fx[0] / seal.MANIFEST)
    code, out, _ = run(capsys, "verify", str(reports), "--expect", digest)
    assert code == exitcodes.BROKEN_CHAIN, out
    assert "broken-chain   staging: its archives are of env prod, not staging" in out, out


def test_a_signing_run_extends_the_newest_of_two_archives_started_in_one_second(env_dir):
    """A start is in whole seconds: two quick runs in one second (`_first`, then `_failing`) were told apart by name,
    so the next signing run linked to `_first` — a fork of an honest chain, which verify then reported (a test went
    red on a quiet machine only). The link of the later one to the earlier one says which is newer."""
    key = Ed25519PrivateKey.generate()
    first = _sign(make_archive(env_dir, "20261125T100000Z_first"), key)
    later = _sign(make_archive(env_dir, "20261125T100000Z_failing", first), key)  # same second; sorts before
    head = seal.choose_head(env_dir, key.public_key())
    assert (head.link["archive"], head.left) == (later.name, ()), head


# -- a signing run extends the chain's end, whatever order the signed starts are in -----------------------------
def _started_at(env_dir: Path, name: str, after: Path | None, started: str) -> Path:
    """A fabricated unsigned archive linking to `after`, whose manifest says it started at `started`."""
    archive = make_archive(env_dir, name, after)
    manifest = json.loads((archive / seal.MANIFEST).read_text(encoding="utf-8"))
    manifest["started"] = manifest["ended"] = started
    (archive / seal.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return archive


def _signed_at(env_dir: Path, name: str, after: Path | None, key: Ed25519PrivateKey, started: str) -> Path:
    """A fabricated archive linking to `after`, signed by `key`, whose manifest says it started at `started`."""
    return _sign(_started_at(env_dir, name, after, started), key)


def _out_of_order(env_dir: Path, key: Ed25519PrivateKey, case: str) -> list[Path]:
    """A signed chain whose end started before the archive it links to, as genuine runs leave one."""
    first = _signed_at(env_dir, "20261125T100000Z_first", None, key, "2026-11-25T10:00:00Z")
    if case == "overlapping-runs":  # a long run started, a short one started and ended inside it; the long ended last
        short = _signed_at(env_dir, "20261125T100200Z_short", first, key, "2026-11-25T10:02:00Z")
        return [first, short, _signed_at(env_dir, "20261125T100100Z_long", short, key, "2026-11-25T10:01:00Z")]
    # a run whose clock was stepped back an hour (an NTP correction, a runner with a skewed clock)
    return [first, _signed_at(env_dir, "20261125T090000Z_behind", first, key, "2026-11-25T09:00:00Z")]


@pytest.mark.parametrize("case", ["overlapping-runs", "clock-stepped-back"])
def test_a_signing_run_extends_the_chains_end_though_an_archive_before_it_started_later(env_dir, tmp_path, capsys,
                                                                                        case):
    """A signing run linked to the signed archive with the newest start, not the chain's end: genuine archives
    forked, and verify said broken-chain (exit 32) of them, prune kept them, report refused."""
    key = Ed25519PrivateKey.generate()
    chain = _out_of_order(env_dir, key, case)
    head = seal.choose_head(env_dir, key.public_key())
    assert (head.link["archive"], head.left, head.warning) == (chain[-1].name, (), ""), head
    _signed_at(env_dir, "20261125T110000Z_next", env_dir / head.link["archive"], key, "2026-11-25T11:00:00Z")
    code, out, _ = run(capsys, "verify", str(env_dir), "--public-key", str(_public(tmp_path, key)))
    assert code == exitcodes.OK, f"{case}: expected the genuine signed chain to verify (exit 0), saw exit {code}: {out}"
    code, out, err = run(capsys, "prune", str(env_dir), "--keep", "1", "--dry-run")
    assert code == exitcodes.OK and "does not verify" not in out + err, out + err


@pytest.mark.parametrize("case", ["overlapping-runs", "clock-stepped-back"])
def test_a_signing_run_never_extends_an_unsigned_archive_at_the_end_of_an_out_of_order_chain(env_dir, case):
    """An archive planted at the chain's end without the key (unsigned, linking to the last signed one) is never
    extended: the new signature would vouch for it. The run links to the last archive the key signed on the chain
    (not the one with the newest start, which forks it), and names the one it left."""
    key = Ed25519PrivateKey.generate()
    chain = _out_of_order(env_dir, key, case)
    planted = make_archive(env_dir, "20261125T120000Z_planted", chain[-1])
    head = seal.choose_head(env_dir, key.public_key())
    assert (head.link["archive"], head.left) == (chain[-1].name, (planted.name,)), head
    assert f"not extended from {planted.name}: the signing key did not sign it" in head.warning, head.warning


def test_a_signing_run_beside_a_forged_chain_start_extends_the_signed_chains_end(env_dir):
    key = Ed25519PrivateKey.generate()
    chain = _out_of_order(env_dir, key, "overlapping-runs")
    forged = make_archive(env_dir, "20261125T120000Z_forged")  # a chain start, unsigned, the newest of all
    head = seal.choose_head(env_dir, key.public_key())
    assert (head.link["archive"], head.left) == (chain[-1].name, (forged.name,)), head


def test_a_signing_run_never_extends_a_signed_end_whose_files_changed(env_dir):
    """The chain's end claims the key but does not verify (a file edited since): the run links to the archive before
    it that does, and names the end it left."""
    key = Ed25519PrivateKey.generate()
    first, short, long = _out_of_order(env_dir, key, "overlapping-runs")
    (long / "results.json").write_text("{}")
    head = seal.choose_head(env_dir, key.public_key())
    assert (head.link["archive"], head.left) == (short.name, (long.name,)), head


# -- signing adopted: the first archive the key signed is the first along the chain, whatever its start says ------
def _adopted_out_of_order(env_dir: Path, key: Ed25519PrivateKey, case: str) -> tuple[list[Path], list[Path]]:
    """Two unsigned archives from before signing began, then signed ones a genuine chain holds: (unsigned, signed),
    the signed in chain order, one started before the first signed archive."""
    u1 = _started_at(env_dir, "20261125T080000Z_u1", None, "2026-11-25T08:00:00Z")
    unsigned = [u1, _started_at(env_dir, "20261125T083000Z_u2", u1, "2026-11-25T08:30:00Z")]
    if case == "overlapping-runs":  # the first signing runs overlapped: a long run started, a short one started and
        # ended inside it (linking to the last unsigned archive), the long one ended last and linked to the short one
        short = _signed_at(env_dir, "20261125T100100Z_short", unsigned[-1], key, "2026-11-25T10:01:00Z")
        return unsigned, [short, _signed_at(env_dir, "20261125T100000Z_long", short, key, "2026-11-25T10:00:00Z")]
    first = _signed_at(env_dir, "20261125T100000Z_first", unsigned[-1], key, "2026-11-25T10:00:00Z")
    # the next run's clock was stepped back two hours, to before signing began (an NTP correction, a skewed runner)
    return unsigned, [first, _signed_at(env_dir, "20261125T080000Z_behind", first, key, "2026-11-25T08:00:00Z")]


@pytest.mark.parametrize("case", ["overlapping-runs", "clock-stepped-back"])
def test_archives_from_before_signing_stay_covered_when_a_later_signed_one_started_earlier(env_dir, tmp_path, capsys,
                                                                                          case):
    """The first archive the key signed was taken by its signed start: a signed archive later in the chain that
    started earlier (a run overlapping the first signing run, or a clock stepped back) was "first", its previous
    archive signed, so nothing was covered: the genuine archives from before signing began were bad-signature."""
    key = Ed25519PrivateKey.generate()
    unsigned, signed = _adopted_out_of_order(env_dir, key, case)
    covered = seal.before_signing(env_dir, key.public_key())
    expected = {seal.sha256_file(a / seal.MANIFEST): signed[0].name for a in unsigned}
    assert covered == expected, (f"{case}: expected {signed[0].name} to cover {[a.name for a in unsigned]}, saw "
                                 f"{covered}")
    code, out, _ = run(capsys, "verify", str(env_dir), "--public-key", str(_public(tmp_path, key)))
    assert code == exitcodes.OK, f"{case}: expected the genuine adopted chain to verify (exit 0), saw {code}: {out}"
    for archive in unsigned:
        assert f"{archive.name}: unsigned, before signing began; covered by {signed[0].name}'s link" in out, out


@pytest.mark.parametrize("case", ["overlapping-runs", "clock-stepped-back"])
def test_a_forged_chain_start_stays_uncovered_beside_an_out_of_order_adopted_chain(env_dir, tmp_path, capsys, case):
    """A chain start forged after signing began that a signing run extended (as one did, before it refused to) begins
    a chain whose first signed archive is the one linking to it: of the chains' first signed archives, only the one
    that started first began signing, so the forged start stays a bad signature and the genuine ones covered."""
    key = Ed25519PrivateKey.generate()
    unsigned, signed = _adopted_out_of_order(env_dir, key, case)
    forged = _started_at(env_dir, "20261125T120000Z_forged", None, "2026-11-25T12:00:00Z")
    laundered = _signed_at(env_dir, "20261125T120500Z_laundered", forged, key, "2026-11-25T12:05:00Z")
    covered = seal.before_signing(env_dir, key.public_key())
    assert seal.sha256_file(forged / seal.MANIFEST) not in covered, f"{case}: {forged.name} covered: {covered}"
    assert set(covered.values()) == {signed[0].name} and len(covered) == 2, covered
    code, out, _ = run(capsys, "verify", str(env_dir), "--public-key", str(_public(tmp_path, key)))
    assert code == exitcodes.BAD_SIGNATURE, out
    assert f"bad-signature  {forged.name}: not signed, but a public key was given" in out, out
    assert f"covered by {laundered.name}" not in out, out
    for archive in unsigned:
        assert f"{archive.name}: unsigned, before signing began; covered by {signed[0].name}'s link" in out, out


# -- choosing the head is linear in the chain: each archive walked, and verified, at most once ------------------------
def _counting(monkeypatch) -> dict[str, int]:
    """Counts of `_verifies` calls and of archives `_back_from` yields, while choose_head runs."""
    counts = {"verified": 0, "walked": 0}
    verifies, back_from = seal._verifies, seal._back_from

    def verifying(*args, **kwargs):
        counts["verified"] += 1
        return verifies(*args, **kwargs)

    def walking(*args, **kwargs):
        way = back_from(*args, **kwargs)
        if isinstance(way, list):  # built whole before the first is looked at
            counts["walked"] += len(way)
        for node in way:
            counts["walked"] += not isinstance(way, list)
            yield node

    monkeypatch.setattr(seal, "_verifies", verifying)
    monkeypatch.setattr(seal, "_back_from", walking)
    return counts


def _signed_chain(env: Path, key: Ed25519PrivateKey, n: int) -> list[Path]:
    made: list[Path] = []
    for i in range(n):
        hour, minute = divmod(i, 60)
        made.append(_sign(make_archive(env, f"20261125T{hour:02d}{minute:02d}00Z_d{i}", made[-1] if made else None),
                          key))
    return made


def test_an_honest_pruned_chain_is_not_walked_back(tmp_path, monkeypatch, capsys):
    """Every signing run chooses its head: on an honest chain (most of it pruned) the end verifies, and nothing
    behind it is walked (a list scanned per step walked all of chain.jsonl, N²/2 comparisons)."""
    env = tmp_path / "reports" / "fx"
    env.mkdir(parents=True)
    key = Ed25519PrivateKey.generate()
    made = _signed_chain(env, key, 60)
    assert run(capsys, "prune", str(env), "--keep", "1")[0] == 0
    counts = _counting(monkeypatch)
    head = seal.choose_head(env, key.public_key())
    assert head.link["archive"] == made[-1].name and not head.left, head
    assert counts == {"verified": 1, "walked": 1}, counts


def test_a_looped_chain_file_is_walked_once(tmp_path, monkeypatch, capsys):
    """Someone without the key edits chain.jsonl into a loop (the first pruned entry linking to an entry that links
    to the newest archive): every archive is a head. Each is walked and verified once, not once per head."""
    env = tmp_path / "reports" / "fx"
    env.mkdir(parents=True)
    key = Ed25519PrivateKey.generate()
    made = _signed_chain(env, key, 40)
    assert run(capsys, "prune", str(env), "--keep", "1")[0] == 0
    lines = (env / "chain.jsonl").read_text().splitlines()
    first, fake = json.loads(lines[0]), "f" * 64
    first.update(previous_sha256=fake, previous_archive="20261125T000000Z_x")
    lines[0] = json.dumps(first)
    lines.append(json.dumps({"archive": "20261125T000000Z_x", "manifest_sha256": fake,
                             "previous_archive": made[-1].name,
                             "previous_sha256": seal.sha256_file(made[-1] / seal.MANIFEST)}))
    (env / "chain.jsonl").write_text("\n".join(lines) + "\n")
    counts = _counting(monkeypatch)
    head = seal.choose_head(env, key.public_key())
    assert head.link is not None, head
    nodes = len(lines) + 1  # the chain file's entries and the archive kept
    # each archive walked once, and each head's walk stops at one walked before
    assert counts["verified"] <= nodes and counts["walked"] <= 2 * nodes, (counts, nodes)


def test_planted_heads_over_edited_archives_verify_each_archive_once(tmp_path, monkeypatch):
    """K unsigned heads planted over M archives whose files were edited: the way back from each head is the same,
    so each archive is verified once (K×M whole-archive hashings before)."""
    env = tmp_path / "reports" / "fx"
    env.mkdir(parents=True)
    key = Ed25519PrivateKey.generate()
    made = _signed_chain(env, key, 24)
    for archive in made[-12:]:
        (archive / "results.json").write_text("{}")  # still claims the key; no longer verifies
    for k in range(12):
        make_archive(env, f"20261125T12{k:02d}00Z_planted{k}", made[-1])
    counts = _counting(monkeypatch)
    head = seal.choose_head(env, key.public_key())
    assert head.link["archive"] == made[-13].name, head.link
    assert counts["verified"] <= 12 + 13, counts


# -- reports/: every env folder under it is verified, whatever else stands beside them ---------------------------
def _two_envs(tmp_path: Path) -> tuple[Path, list[Path]]:
    """reports/ with env fx (two archives) and env fy (one): fx's newest then edited after sealing."""
    reports = tmp_path / "reports"
    (reports / "fx").mkdir(parents=True)
    (reports / "fy").mkdir()
    archives = chained(reports / "fx", ["20261125T104620Z_a", "20261125T104621Z_b"]) + \
        chained(reports / "fy", ["20261125T104622Z_c"])
    return reports, archives


def _stray(reports: Path, kind: str) -> str:
    """What belongs in an env folder, put in reports/ itself: its name."""
    if kind == "chain-file":
        (reports / seal.CHAIN).write_text("")
        return seal.CHAIN
    if kind == "prune-leftover":
        (reports / f"{seal.PRUNING}x-1").mkdir()
        return f"{seal.PRUNING}x-1"
    if kind == "pruned-folder":
        (reports / seal.PRUNED).mkdir()
        return seal.PRUNED
    return make_archive(reports, "20261125T104623Z_d").name  # an archive under an archive's name


@pytest.mark.parametrize("kind", ["chain-file", "prune-leftover", "pruned-folder", "archive"])
def test_what_belongs_in_an_env_folder_in_reports_itself_drops_no_env(tmp_path, capsys, kind):
    """An empty chain.jsonl in reports/ made `verify reports` take reports/ for the env folder: every env beside it
    dropped, "OK: 0 archives verified", exit 0, over an archive edited after sealing. Every env is verified, and the
    stray entry is a finding of its own."""
    reports, archives = _two_envs(tmp_path)
    stray = _stray(reports, kind)
    verdict = seal.verify(reports)
    assert sorted(verdict.checked) == sorted(a.name for a in archives) and verdict.envs == {"fx", "fy"}, verdict
    code, out, _ = run(capsys, "verify", str(reports))
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {stray}: " in out and "beside its env folders fx, fy" in out, out

    (archives[1] / "results.json").write_text(json.dumps({"env": "fx", "checks": [], "edited": True}))
    code, out, _ = run(capsys, "verify", str(reports))
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {archives[1].name}/results.json: " in out, out


def test_an_env_folder_behind_a_link_holding_a_manifest_is_no_quiet_ok(tmp_path, capsys):
    """reports/fy a link to a folder that holds an (empty) manifest.json beside its archives: taken for an archive it
    was no env, and being a link no stray either: `verify reports` said OK over fy's edited archive."""
    reports = tmp_path / "reports"
    (reports / "fx").mkdir(parents=True)
    chained(reports / "fx", ["20261125T104620Z_a", "20261125T104621Z_b"])
    real = tmp_path / "fy"
    real.mkdir()
    chained(real, ["20261125T104622Z_c"])
    (reports / "fy").symlink_to(real, target_is_directory=True)
    (real / seal.MANIFEST).write_text("")
    code, out, _ = run(capsys, "verify", str(reports))
    assert code == exitcodes.TAMPERED, out
    assert "tampered       fy: a link to a folder holding a manifest.json" in out, out


def test_an_env_whose_archives_all_lost_their_manifests_is_verified_with_the_others(tmp_path, capsys):
    """An env folder is one for holding folders under an archive's name, manifest or not: `verify reports` passed
    over fy (no manifest left in it) and said OK, while `verify reports/fy` found each archive tampered."""
    reports, archives = _two_envs(tmp_path)
    lost = archives[2]
    (lost / seal.MANIFEST).unlink()
    code, out, _ = run(capsys, "verify", str(reports / "fy"))
    assert code == exitcodes.TAMPERED, out
    code, out, _ = run(capsys, "verify", str(reports))
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {lost.name}/{seal.MANIFEST}: missing (deleted" in out, out
    assert sorted(seal.verify(reports).checked) == sorted(a.name for a in archives[:2])


def test_env_folders_holding_nothing_to_verify_are_no_quiet_ok(tmp_path, capsys):
    """An env folder holding only an empty chain.jsonl (no archive, no pruned archive's entry) verifies nothing:
    not an OK when nothing at all was verified, and a note beside the envs that were."""
    reports = tmp_path / "reports"
    (reports / "fy").mkdir(parents=True)
    (reports / "fy" / seal.CHAIN).write_text("")
    for path in (reports, reports / "fy"):
        code, out, _ = run(capsys, "verify", str(path))
        assert code == exitcodes.NOT_AN_ARCHIVE, out
        assert "fy: nothing verified: no archive, and no pruned archive's entry" in out, out
    (reports / "fx").mkdir()
    chained(reports / "fx", ["20261125T104620Z_a"])
    code, out, _ = run(capsys, "verify", str(reports))
    assert code == exitcodes.OK, out
    assert "note           fy: nothing verified: no archive, and no pruned archive's entry" in out, out
    assert "OK: 1 archive of env fx verified" in out, out
