"""`opsverify verify` and the pages rendered beside archives (`<archive>.html`): a page is a view, not part of the
seal, but it is what an auditor opens first. Each page names the manifest it was rendered from; verify fails a page
that shows another archive (copied or renamed from another, written there with -o), says what it cannot place, and
never lets a page change an archive's own verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsverify import exitcodes, report, seal

from .test_cli_edges import chained, renderer, run  # noqa: F401 (a fixture)

PAGE = "<!DOCTYPE html><html><head><title>opsverify — fx</title></head><body>{}</body></html>"


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "reports" / "fx"
    folder.mkdir(parents=True)
    return folder


def page_of(archive: Path, body: str = "all passed") -> str:
    """The page `opsverify report` writes for `archive` (the renderer's output aside)."""
    return report.marked(PAGE.format(body), seal.sha256_file(archive / seal.MANIFEST))


def test_a_page_rendered_from_its_archive_verifies_and_is_said_to_be_a_view(env_dir, capsys):
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    for archive in (first, second):
        (env_dir / f"{archive.name}.html").write_text(page_of(archive), encoding="utf-8")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert "fx: 2 rendered pages name their archive's manifest: a page is a view made when it was rendered" in out
    # a page edited after rendering keeps its own "verified at render" line: what it shows is said to be unchecked
    assert "what it shows is not checked here (its own 'verified at render' line included)" in out


@pytest.mark.parametrize("target", ["env", "archive", "reports"])
def test_the_page_of_another_archive_under_this_ones_name_is_tampered(env_dir, capsys, target):
    """A page copied from an earlier deploy's archive (all green) over the page of a failed one: its archive
    verifies, and the page it stands beside does not — whichever folder verify is given."""
    earlier, failed = chained(env_dir, ["20261125T104620Z_green", "20261125T104621Z_red"])
    forged = env_dir / f"{failed.name}.html"
    forged.write_text(page_of(earlier), encoding="utf-8")
    path = {"env": env_dir, "archive": failed, "reports": env_dir.parent}[target]
    code, out, _ = run(capsys, "verify", str(path))
    assert code == exitcodes.TAMPERED, out
    earlier_sha = seal.sha256_file(earlier / seal.MANIFEST)
    assert (f"tampered       {forged.name}: the page of another archive: rendered from the manifest "
            f"{earlier_sha[:16]}…, and {failed.name}'s is ") in out, out
    assert f"`opsverify report {failed}` renders the archive's" in out


def test_verifying_one_archive_looks_at_its_own_page_only(env_dir, capsys):
    earlier, failed = chained(env_dir, ["20261125T104620Z_green", "20261125T104621Z_red"])
    (env_dir / f"{failed.name}.html").write_text(page_of(earlier), encoding="utf-8")
    code, out, _ = run(capsys, "verify", str(earlier))
    assert code == exitcodes.OK and failed.name not in out, out


def test_pages_verify_cannot_place_are_said_and_change_no_verdict(env_dir, capsys):
    first, second, third, fourth = chained(env_dir, [f"20261125T10462{n}Z_{n}" for n in range(4)])
    (env_dir / f"{first.name}.html").write_text(report.marked(PAGE.format("old")), encoding="utf-8")  # no manifest
    (env_dir / f"{second.name}.html").write_text("the auditor's own notes\n", encoding="utf-8")  # not ours
    (env_dir / "20261125T999999Z_gone.html").write_text(page_of(third), encoding="utf-8")  # its archive is not here
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK, out
    assert (f"note           {first.name}.html: rendered by an opsverify whose pages did not name their manifest: "
            "which archive it shows cannot be told") in out, out
    assert f"note           {second.name}.html: not a page opsverify rendered: nothing it shows is verified" in out
    assert ("note           20261125T999999Z_gone.html: a page with no archive of its name here: nothing it shows is "
            "verified") in out
    assert "rendered page" not in out  # none of them is placed


def test_a_symlink_in_place_of_a_page_is_tampered(env_dir, tmp_path, capsys):
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text(page_of(second), encoding="utf-8")  # even a true page, it is not the file here
    (env_dir / f"{second.name}.html").symlink_to(elsewhere)
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.TAMPERED, out
    assert f"tampered       {second.name}.html: a symlink in place of an archive's page" in out


def test_rendering_again_replaces_the_page_of_another_archive(renderer, env_dir, capsys):
    """The fix verify gives works: `report` verifies the archive, not the page it replaces; the new page names the
    archive's manifest, and verify places it."""
    earlier, failed = chained(env_dir, ["20261125T104620Z_green", "20261125T104621Z_red"])
    page = env_dir / f"{failed.name}.html"
    page.write_text(page_of(earlier), encoding="utf-8")
    code, out, err = run(capsys, "report", str(failed))
    assert code == exitcodes.OK, err
    assert seal.PAGE_MANIFEST.format(seal.sha256_file(failed / seal.MANIFEST)) in page.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "verify", str(env_dir))
    assert code == exitcodes.OK and "fx: 1 rendered page names its archive's manifest" in out, out


def test_report_will_not_write_an_archives_page_under_another_archives_page_name(renderer, env_dir, capsys):
    """What verify would find tampered, report does not make: `-o` naming the page of another archive."""
    first, second = chained(env_dir, ["20261125T104620Z_a", "20261125T104621Z_b"])
    target = env_dir / f"{second.name}.html"
    code, _, err = run(capsys, "report", str(first), "-o", str(target))
    assert code == exitcodes.REPORT and not target.exists(), err
    assert f"{target}: the name of the page of {second}, beside it" in err
    code, _, err = run(capsys, "report", str(first), "-o", str(env_dir / f"{first.name}.html"))  # its own name
    assert code == exitcodes.OK, err
