"""`opsverify verify` against archives made to mislead it: a manifest naming a field twice (JSON readers differ on
which value they take), a listed file far larger than any opsverify writes, something not an archive folder under
an archive's name, and file names that would print a line of their own, read as another name, or not print at all.

Every archive here is fabricated (files, hashes, manifest, links).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from opsverify import exitcodes, report, seal

from .test_cli_edges import chained, make_archive, one_line, run
from .test_retention import FILE_LIMIT


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "reports" / "fx"
    folder.mkdir(parents=True)
    return folder


# -- a manifest is read once, by one reader ----------------------------------------------------------------------
def _name_twice(archive: Path, field: str, value: object) -> None:
    """The manifest with `field` written a second time, right after its first, holding `value`."""
    path = archive / seal.MANIFEST
    fields = [f"{json.dumps(name)}: {json.dumps(said)}" for name, said in json.loads(path.read_bytes()).items()]
    at = next(i for i, text in enumerate(fields) if text.startswith(f'"{field}": '))
    fields.insert(at + 1, f"{json.dumps(field)}: {json.dumps(value)}")
    path.write_text("{\n  " + ",\n  ".join(fields) + "\n}\n", encoding="utf-8")


@pytest.mark.parametrize("field, value", [("previous", None), ("counts", {"passed": 1}), ("archive", "other")])
def test_a_manifest_naming_a_field_twice_is_tampered(env_dir, capsys, field, value):
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    _name_twice(second, field, value)
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED, out
    assert (f"tampered       {second.name}/manifest.json: not a manifest as opsverify writes it: holds "
            f'"{field}" twice') in out
    code, out, _ = run(capsys, "verify", str(second))
    assert code == exitcodes.TAMPERED and f'holds "{field}" twice' in out, out


def test_a_manifest_changed_after_the_chain_was_read_is_read_again(env_dir):
    """The chain's fields of each manifest are kept, in one process, by its hash (a run's end placed every archive
    twice): a manifest rewritten since is another hash, read anew — naming "previous" twice, it places nothing."""
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    assert seal.choose_head(env_dir).link["archive"] == second.name
    assert [p.name for p in seal.archives_oldest_first(env_dir)] == [first.name, second.name]
    _name_twice(second, "previous", None)
    nodes = {n.folder: n for n in seal.chain_nodes(env_dir)}
    assert not nodes[second.name].readable and nodes[first.name].readable
    assert seal.choose_head(env_dir).link["archive"] == first.name  # the one its readable link left a head


def test_a_second_previous_does_not_start_a_second_chain_once_pruned(env_dir, capsys):
    """`"previous": {A}` then `"previous": null`: one reader followed the link, the other the null; pruning the
    env then made it two chain starts. Refused as it is read, it is one finding before and after."""
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    _name_twice(second, "previous", None)
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "0")
    assert f"kept {second.name}: does not verify ({second.name}/manifest.json: not a manifest" in out, out
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED and "broken-chain" not in out, out


def test_a_chain_entry_naming_a_field_twice_is_a_finding(env_dir, capsys):
    """chain.jsonl is read as manifests are: a line naming "archive" twice (readers differ on which they take) is
    a broken chain, not a line read by its last value."""
    chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b", "20261125T104622Z_c"])
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK, out
    chain = env_dir / "chain.jsonl"
    lines = chain.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace('"archive": ', '"archive": "20990101T000000Z_fake", "archive": ', 1)
    assert lines[-1].count('"archive"') == 2, lines
    chain.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code != exitcodes.OK and "broken-chain" in out and 'holds "archive" twice' in out, out


# -- a listed file larger than any opsverify writes is not hashed --------------------------------------------------
def test_a_listed_file_larger_than_opsverify_writes_is_tampered_and_not_hashed(env_dir, capsys, monkeypatch):
    first, last = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    with open(first / "results.json", "r+b") as handle:
        handle.truncate(FILE_LIMIT + 1)  # sparse: it takes no disk
    hashed: list[str] = []
    sha256_file = seal.sha256_file
    monkeypatch.setattr(seal, "sha256_file", lambda path, *a, **k: hashed.append(Path(path).name)
                        or sha256_file(path, *a, **k))
    for path in (env_dir, first):
        code, out, _ = run(capsys, "verify", str(path))
        assert code == exitcodes.TAMPERED, out
        assert (f"tampered       {first.name}/results.json: is larger than any file opsverify writes into an archive "
                "(2 GiB): not hashed") in out
    assert "results.json" in hashed  # the other archive's: the big one was looked at, and refused unread


# -- what stands under an archive's name but is none ---------------------------------------------------------------
def test_a_symlink_under_an_archives_name_is_tampered_whatever_it_leads_to(env_dir, tmp_path, capsys):
    chained(env_dir, ["20261125T104620Z_a"])
    (tmp_path / "a-file").write_text("x")
    (env_dir / "20261125T104630Z_dl").symlink_to("/nonexistent")
    (env_dir / "20261125T104631Z_dl").symlink_to(tmp_path / "a-file")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED, out
    for name in ("20261125T104630Z_dl", "20261125T104631Z_dl"):
        assert (f"tampered       {name}: a symlink under an archive's name, leading to no archive folder (opsverify "
                "makes none") in out


def test_a_file_under_an_archives_name_is_said_and_a_page_as_a_page(env_dir, capsys):
    """A page beside its archive is no stray: verify looks at it as a page (tests/test_verify_pages.py)."""
    (archive,) = chained(env_dir, ["20261125T104620Z_a"])
    (env_dir / "20261125T104630Z_x").write_text("x")
    (env_dir / f"{archive.name}.html").write_text("<html></html>")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert ("note           20261125T104630Z_x: under an archive's name, but a file, not an archive folder: nothing in "
            "it is verified") in out
    assert f"{archive.name}.html: under an archive's name" not in out
    assert f"note           {archive.name}.html: not a page opsverify rendered: nothing it shows is verified" in out


def test_a_fifo_a_socket_are_said_as_what_they_are_not_a_file(env_dir, capsys, monkeypatch):
    """A FIFO or Unix socket in the env, named as an archive or not, was said to be "a file"."""
    import socket

    chained(env_dir, ["20261125T104620Z_a"])
    os.mkfifo(env_dir / "20261125T104630Z_pipe")
    os.mkfifo(env_dir / "pipe")
    monkeypatch.chdir(env_dir)  # a socket's path is bound to 107 bytes: a deep tmp_path may be longer
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("sock")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert ("note           20261125T104630Z_pipe: under an archive's name, but a FIFO, not an archive folder: "
            "nothing in it is verified") in out, out
    assert "archives: pipe (a FIFO), sock (a socket)" in out, out
    assert seal._entry_kind(Path("/dev/null")) == "a device"


# -- names are shown with every character they hold -----------------------------------------------------------------
FAKE_OK = "OK: 5 archives of env fx verified: files, seals and chain hold"


@pytest.fixture
def odd_names(env_dir) -> Path:
    first, second, third = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b", "20261125T104622Z_c"])
    (second / f"x\n{FAKE_OK}").write_text("x")
    (second / "results.json\u200b").write_text("x")
    os.rename(third, env_dir / f"{third.name}\u200b")
    return env_dir


def test_verify_spells_out_what_a_name_holds(odd_names, capsys):
    code, out, _ = run(capsys, "verify", str(odd_names))
    assert code == exitcodes.TAMPERED, out
    assert not [line for line in out.splitlines() if line.startswith("OK")], out
    assert f"20261125T104621Z_b/x\\x0a{FAKE_OK}: added after sealing" in out
    assert "tampered       20261125T104621Z_b/results.json\\u200b: added after sealing" in out
    assert ("broken-chain   20261125T104622Z_c\\u200b: holds the archive sealed as 20261125T104622Z_c, not "
            "20261125T104622Z_c\\u200b (renamed, or swapped with another)") in out
    assert out.isascii()


def test_verify_into_an_ascii_only_output_keeps_its_verdict(odd_names):
    result = subprocess.run([sys.executable, "-m", "opsverify", "verify", str(odd_names)], capture_output=True,
                            timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == exitcodes.TAMPERED, result.stderr.decode()
    assert b"Traceback" not in result.stderr and b"results.json\\u200b: added after sealing" in result.stdout
    assert result.stdout.decode("ascii").splitlines()[-1].startswith("NOT OK: ")


def test_report_of_an_env_that_does_not_verify_spells_the_name_in_one_line(odd_names, capsys):
    code, out, err = run(capsys, "report", str(odd_names))
    assert code == exitcodes.TAMPERED and out == "", out
    assert one_line(err).startswith(f"opsverify: {odd_names}: not rendered, the env does not verify: ")
    assert "20261125T104621Z_b/results.json\\u200b: added after sealing" in err


# -- one archive's env against its neighbours' ---------------------------------------------------------------------
def _of_env(archive: Path, env: str) -> None:
    manifest = json.loads((archive / seal.MANIFEST).read_bytes())
    (archive / seal.MANIFEST).write_text(json.dumps({**manifest, "env": env}, indent=2) + "\n", encoding="utf-8")


def test_one_archive_of_another_env_than_its_neighbours_breaks_the_chain_there_too(env_dir, capsys):
    """The env's verify finds archives of two envs in one chain: verifying one of them, or a neighbour, finds it
    too — and no report is titled with the other env."""
    first = make_archive(env_dir, "20261125T104620Z_a")
    moved_in = make_archive(env_dir, "20261125T104621Z_b", first)
    _of_env(moved_in, "staging")  # sealed so: the next archive links to it as it is
    last = make_archive(env_dir, "20261125T104622Z_c", moved_in)
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.BROKEN_CHAIN and "archives of more than one env in one chain" in out, out
    code, out, _ = run(capsys, "verify", str(moved_in))
    assert code == exitcodes.BROKEN_CHAIN, out
    assert (f"broken-chain   {moved_in.name}: of env staging, but its previous archive {first.name} is of env fx: "
            "archives of more than one env in one chain") in out
    assert (f"broken-chain   {moved_in.name}: of env staging, but its next archive {last.name} is of env fx: "
            "archives of more than one env in one chain") in out
    for neighbour, which, other in ((first, "next", moved_in), (last, "previous", moved_in)):
        code, out, _ = run(capsys, "verify", str(neighbour))
        assert code == exitcodes.BROKEN_CHAIN, out
        assert (f"broken-chain   {neighbour.name}: of env fx, but its {which} archive {other.name} is of env "
                "staging") in out
    code, out, err = run(capsys, "report", str(moved_in))
    assert code == exitcodes.BROKEN_CHAIN and "of env staging, but its previous archive" in err, err


def test_one_archive_in_a_folder_named_for_another_env_is_said_as_the_env_says_it(env_dir, tmp_path, capsys):
    """Archives of one env, all in a folder named for another (moved together): a note, as for the env's verify,
    never a broken chain — its neighbours are of its env."""
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    prod = tmp_path / "reports" / "prod"
    env_dir.rename(prod)
    for archive in (first, second):
        code, out, _ = run(capsys, "verify", str(prod / archive.name))
        assert code == exitcodes.OK, out
        assert f"note           {archive.name}: of env fx, not prod (the folder it is in)" in out


def test_one_archive_of_another_env_than_its_pruned_predecessor_breaks_the_chain(env_dir, capsys):
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    code, out, _ = run(capsys, "prune", str(env_dir), "--keep", "1")
    assert code == exitcodes.OK and not first.exists(), out
    _of_env(second, "staging")
    code, out, _ = run(capsys, "verify", str(second))
    assert code == exitcodes.BROKEN_CHAIN, out
    assert (f"broken-chain   {second.name}: of env staging, but its previous archive {first.name} (pruned) is of env "
            "fx: archives of more than one env in one chain") in out


# -- report -o never writes a name verify or a run reads --------------------------------------------------------
@pytest.mark.parametrize("name", [seal.MANIFEST, seal.SIGNATURE, seal.CHAIN, seal.PRUNED, ".partial-x1", ".making-x1",
                                  f"{seal.PRUNING}20261125T104620Z_a-123"])
@pytest.mark.parametrize("where", ["env", "reports", "elsewhere"])
def test_report_o_under_a_name_verify_reads_is_refused(env_dir, tmp_path, capsys, monkeypatch, name, where):
    """A page named manifest.json in an env folder made verify read the folder as one (tampered) archive, and in
    reports/ the whole tree: a report is never written under a name an archive, an env or a run's work is known by,
    wherever it is (a report needs none of them), and the evidence still verifies."""
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(tmp_path / "no-renderer"))  # refused before the renderer runs
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    folder = {"env": env_dir, "reports": env_dir.parent, "elsewhere": tmp_path / "elsewhere"}[where]
    folder.mkdir(exist_ok=True)
    before = sorted(os.listdir(folder))
    target = folder / name
    code, _, err = run(capsys, "report", str(second), "-o", str(target))
    assert code == exitcodes.REPORT, err
    assert one_line(err).startswith(f"opsverify: {target}: "), err
    assert sorted(os.listdir(folder)) == before
    for path in (env_dir, env_dir.parent):
        code, out, _ = run(capsys, "verify", str(path))
        assert code == exitcodes.OK, out
