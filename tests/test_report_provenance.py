"""What the auditor's page says comes from the archive, and from opsverify's own check of it at render time — never
from the job that renders it: Allure 3 reads a CI's variables (a merge request's title, a pipeline's URL) from its
own environment and draws them in the page's header, so the renderer gets only what it needs to run."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import exitcodes, seal

from .runbook import make_runbook, read_json
from .test_report_html import _needed, _renderer_installed

PLANTED = "All 40 checks PASSED - archive verified and signed"  # what a merge request's author may title it
CI_VARIABLES = {
    "gitlab": {"GITLAB_CI": "true", "CI": "true", "CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_TITLE": PLANTED,
               "CI_PROJECT_URL": "https://planted-gitlab.example/grp/proj", "CI_PIPELINE_ID": "99",
               "CI_JOB_NAME": PLANTED, "CI_COMMIT_REF_NAME": "planted-branch"},
    "github": {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_SERVER_URL": "https://planted-github.example",
               "GITHUB_REPOSITORY": "planted/repo", "GITHUB_RUN_ID": "99", "GITHUB_WORKFLOW": PLANTED,
               "GITHUB_JOB": PLANTED, "GITHUB_REF_NAME": "planted-branch", "GITHUB_HEAD_REF": "planted-branch"},
}
AT_RENDER = ("verified_at_render", "manifest_sha256_at_render", "seal_at_render")


def _documents(page: Path) -> dict[str, object]:
    """The files a single-file Allure page holds (base64), by name, as the browser reads them."""
    found = {}
    for name, encoded in re.findall(r'd\("([^"]+)","([A-Za-z0-9+/=]+)"', page.read_text(encoding="utf-8")):
        with contextlib.suppress(ValueError):
            found[name] = json.loads(base64.b64decode(encoded))
    return found


def _environment_panel(page: Path) -> dict[str, str]:
    (widget,) = [doc for name, doc in _documents(page).items() if name.endswith("allure_environment.json")]
    return {entry["name"]: entry["values"][0] for entry in widget}


def test_the_renderer_is_given_only_what_it_needs_to_run(monkeypatch):
    """No CI's variable, no Node option (NODE_OPTIONS can load any script), no git location: none is the archive's."""
    from opsverify.report import _offline_env

    for variables in CI_VARIABLES.values():
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("NODE_OPTIONS", "--require /tmp/planted.js")
    monkeypatch.setenv("GIT_DIR", "/tmp/planted-repo/.git")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    env = _offline_env()
    assert not {name for name in env if name.startswith(("CI", "GITHUB_", "GITLAB_", "NODE_", "npm_"))}, env
    assert env["PATH"] == __import__("os").environ["PATH"] and env["LC_ALL"] == "C.UTF-8"
    assert "https_proxy" not in env and "planted" not in json.dumps(env), env


@pytest.mark.parametrize("ci", sorted(CI_VARIABLES))
def test_the_rendering_jobs_ci_words_reach_no_page(ci, tmp_path, monkeypatch):
    """A page rendered in a CI job whose merge request is titled "All 40 checks PASSED" says nothing of it."""
    from opsverify.report import render

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S2").returncode == exitcodes.FAILED
    for name, value in CI_VARIABLES[ci].items():
        monkeypatch.setenv(name, value)
    page = render(runbook.newest())
    text = page.read_text(encoding="utf-8")
    everything = text + json.dumps(_documents(page))
    found = re.findall(r".{0,80}(?:PASSED|planted).{0,80}", everything)
    assert not found, found[:3]


def test_the_page_says_how_the_archive_verified_when_it_was_rendered(tmp_path):
    """Unsigned and signed archives no longer render alike: the environment panel says when opsverify verified the
    archive it rendered, its manifest's sha256, and how it was sealed — a statement made then, which says so."""
    from opsverify.report import render

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    key = Ed25519PrivateKey.generate()
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1", "--deploy-id", "plain").returncode == exitcodes.OK
    unsigned = runbook.newest()
    assert runbook.run("--item", "S1", "--deploy-id", "signed",
                       env={seal.SIGNING_KEY_ENV: seal.private_pem(key)}).returncode == exitcodes.OK
    signed = runbook.newest()
    assert signed != unsigned
    shown = {}
    for archive, trusted in ((unsigned, None), (signed, key.public_key())):
        panel = _environment_panel(render(archive, trusted=trusted))
        assert list(panel)[:3] == list(AT_RENDER), panel  # first, before the archive's own words
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", panel["verified_at_render"]), panel
        assert "outside the seal" in panel["verified_at_render"], panel
        digest = hashlib.sha256((archive / "manifest.json").read_bytes()).hexdigest()
        assert panel["manifest_sha256_at_render"] == digest, panel
        assert panel["env"] == "fx"  # the archive's own lines follow
        shown[archive] = panel["seal_at_render"]
    assert shown[unsigned].startswith("not signed"), shown
    assert shown[signed] == f"signature valid: {seal.key_id(key.public_key())}, checked with the given public key"


def test_an_archive_cannot_write_the_render_check_itself(tmp_path, capsys):
    """Whoever re-seals an unsigned archive may write anything in its environment.properties: a line claiming the
    render check, one hidden behind a continuation or an escape, a last line left open. The page's check is
    opsverify's, and the archive's words that are not as opsverify writes them are not passed on."""
    from opsverify.cli import main
    from opsverify.report import render

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1").returncode == exitcodes.OK
    archive = runbook.newest()
    properties = archive / "allure-results" / "environment.properties"
    forged = "signature valid: ed25519:0123456789abcdef, checked with the given public key"
    properties.write_bytes(properties.read_bytes() + (
        f"seal_at_render={forged}\n"
        f"seal\\u005fat_render={forged}\n"
        f"note=trailing \\\nseal_at_render={forged}\n"
        f"history_left_out_at_render={forged}\n"
        f"last=open \\").encode())
    manifest = read_json(archive / "manifest.json")
    manifest["files"]["allure-results/environment.properties"] = seal.sha256_file(properties)
    (archive / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    assert main(["verify", str(archive)]) == exitcodes.OK, capsys.readouterr().out
    panel = _environment_panel(render(archive))
    assert panel["seal_at_render"].startswith("not signed"), panel
    assert forged not in json.dumps(panel) and "history_left_out_at_render" not in panel, panel
    assert panel["env"] == "fx" and panel["deploy_id"] == "local", panel


@pytest.mark.parametrize("change", ["a result edited", "a result added", "a result removed", "the manifest"])
def test_an_archive_changed_between_its_check_and_its_copy_is_not_rendered(tmp_path, monkeypatch, change):
    """The page shows the bytes the render read, which must be the bytes verify vouched for: whoever can write the
    archive while it renders (right after verify read it) stops the render, as a change before it would."""
    from opsverify import report

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1").returncode == exitcodes.OK
    archive = runbook.newest()
    results = archive / "allure-results"
    verify = seal.verify

    def verify_then_change(path, trusted=None):
        verdict = verify(path, trusted)
        result = sorted(results.glob("*-result.json"))[0]
        if change == "a result edited":
            result.write_text(result.read_text().replace('"passed"', '"broken"'))
        elif change == "a result added":
            (results / "forged-result.json").write_bytes(result.read_bytes())
        elif change == "a result removed":
            result.unlink()
        else:
            manifest = archive / "manifest.json"
            manifest.write_bytes(manifest.read_bytes().replace(b'"fx"', b'"fy"', 1))
        return verdict

    monkeypatch.setattr(report.seal, "verify", verify_then_change)
    with pytest.raises(report.DoesNotVerify) as stopped:
        report.render(archive)
    assert stopped.value.exit_code == exitcodes.TAMPERED, stopped.value
    assert "not rendered" in str(stopped.value)
    assert not report.report_path(archive).exists()


def _second_edited(tmp_path: Path, second: str = "second") -> tuple[Path, Path, Path]:
    """Three archives of env fx; the second's results.json edited since sealing (a pass made to read failed)."""
    runbook = make_runbook(tmp_path / "rb")
    for deploy in ("first", second, "third"):
        assert runbook.run("--item", "S1", "--deploy-id", deploy).returncode == exitcodes.OK
    first, second, third = runbook.archives()
    results = second / "results.json"
    results.write_bytes(results.read_bytes().replace(b'"passed"', b'"failed"', 1))
    return first, second, third


def _handed_to_the_renderer(monkeypatch) -> dict[str, str]:
    """The environment panel's lines as render hands them to the renderer, which is not run: a stand-in writes a
    page in its place."""
    from opsverify import report

    handed: dict[str, str] = {}

    def renderer(command, cwd, stop):
        for line in (Path(cwd) / "results" / "environment.properties").read_text(encoding="ascii").splitlines():
            key, _, value = line.partition("=")
            handed[report._unescaped(key)] = report._unescaped(value)
        (Path(cwd) / "out").mkdir()
        (Path(cwd) / "out" / "index.html").write_text("<html><head></head><body></body></html>", encoding="utf-8")
        return __import__("subprocess").CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(report, "_run_renderer", renderer)
    monkeypatch.setattr(report, "node_executable", lambda: "node")
    monkeypatch.setattr(report, "allure_cli", lambda: Path("cli.js"))
    return handed


def test_the_page_names_an_earlier_archive_its_history_leaves_out(tmp_path, monkeypatch):
    """An earlier archive edited since sealing is left out of the history: the console said so, the page (what the
    auditor keeps and opens) did not — its history simply began before it. The environment panel says it now, beside
    the render check; a page whose history leaves nothing out has no such line."""
    from opsverify.report import render

    first, second, third = _second_edited(tmp_path)
    handed = _handed_to_the_renderer(monkeypatch)
    left_out: list[str] = []
    render(third, left_out=left_out, out=tmp_path / "third.html")
    assert left_out == [second.name]
    said = handed["history_left_out_at_render"]
    assert said.startswith(f"{second.name}: left out of this page's history"), said
    assert "opsverify verify" in said and first.name not in said, said
    assert list(handed)[:4] == [*AT_RENDER, "history_left_out_at_render"], handed
    handed.clear()
    render(first, out=tmp_path / "first.html")
    assert "history_left_out_at_render" not in handed and handed["env"] == "fx", handed


def test_the_rendered_page_names_an_earlier_archive_its_history_leaves_out(tmp_path):
    from opsverify.report import render

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    _, second, third = _second_edited(tmp_path)
    panel = _environment_panel(render(third))
    assert panel["history_left_out_at_render"].startswith(f"{second.name}: left out of this page's history"), panel


def test_the_page_says_no_secret_of_the_run_in_an_archive_it_leaves_out(tmp_path, monkeypatch):
    """A run's --html page is cleaned of the run's secrets (its redactor): the names of the archives its history
    leaves out too, as the history's own points are."""
    from opsverify.report import render
    from opsverify.secrets import Redactor

    secret = "Zq7pW3xK9vR2mT5s"
    _, second, third = _second_edited(tmp_path, second=secret)
    handed = _handed_to_the_renderer(monkeypatch)
    redactor = Redactor()
    redactor.add(secret)
    render(third, redactor=redactor, out=tmp_path / "third.html")
    said = handed["history_left_out_at_render"]
    assert secret not in said and said.startswith(second.name.split("_")[0] + "_"), said
