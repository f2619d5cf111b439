"""The secret sweep over everything a run writes with every reporter on: the console, the archive (results,
Allure results, JUnit, the copies of checklists, environment and waivers), the HTML report (its embedded
data decoded), the --junitxml file and .pytest_cache. The demo's secrets all carry a planted canary;
the signing key is a secret too."""

from __future__ import annotations

import base64
import binascii
import re
import secrets

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from opsverify import seal

from .helpers import run_pytest
from .test_report_html import _needed, _renderer_installed

FAULTS = ("jwt-secret-mismatch", "cron-open", "vercel-secret-stale", "redis-backlog", "rpc-unhealthy")


def _decoded_report_data(text: str) -> str:
    """The single-file report embeds its data base64-encoded: decode every piece."""
    pieces = []
    for encoded in re.findall(r'd\("[^"]+","([A-Za-z0-9+/=]+)"', text):
        try:
            pieces.append(base64.b64decode(encoded).decode("utf-8", errors="replace"))
        except (binascii.Error, ValueError):
            continue
    return "\n".join(pieces)


def test_nothing_a_run_writes_holds_a_secret(tmp_path):
    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    canary = "canary" + secrets.token_hex(12)
    key = Ed25519PrivateKey.generate()
    key_text = seal.private_pem(key)
    waivers = tmp_path / "waivers"
    waivers.mkdir()
    (waivers / "demo.yaml").write_text(yaml.safe_dump({"waivers": [
        {"system": "joslyn-ai", "item": "J3", "reason": "secret rotation in progress", "approver": "jane.doe", "ticket": "SEC-7",
         "expires": "2099-12-31"}]}))
    args = ["checks", "--env", "demo", "-m", "postdeploy or daily or weekly or monthly or manual",
            "--reports-dir", str(tmp_path / "reports"), "--waivers-dir", str(waivers), "--html",
            "--junitxml", str(tmp_path / "pytest-junit.xml"), "-o", f"cache_dir={tmp_path / 'cache'}", "-rA", "-vv"]
    for fault in FAULTS:
        args += ["--demo-fault", fault]
    result = run_pytest(*args, env={"OPSVERIFY_DEMO_CANARY": canary, seal.SIGNING_KEY_ENV: key_text}, timeout=300)
    console = result.stdout + result.stderr
    assert result.returncode == 1, console[-3000:]  # the faults fail checks on secret-bearing targets
    assert "waived — joslyn-ai: J3" in console and "report: " in console
    key_forms = [key_text.splitlines()[1]] + [line for line in key_text.splitlines()[2:-1] if len(line) > 8]
    assert canary not in console and not any(form in console for form in key_forms)

    (archive,) = [p for p in (tmp_path / "reports" / "demo").iterdir() if p.is_dir()]
    (page,) = (tmp_path / "reports" / "demo").glob("*.html")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != waivers]
    kinds = {p.suffix for p in written}
    assert {".json", ".xml", ".yaml", ".html", ".properties"} <= kinds, kinds
    assert any("cache" in p.parts for p in written) and (tmp_path / "pytest-junit.xml").is_file()
    assert (archive / "inputs" / "waivers" / "demo.yaml").is_file() and (archive / "manifest.sig").is_file()
    for path in written:
        data = path.read_bytes()
        assert canary.encode() not in data, f"canary in {path}"
        assert not any(form.encode() in data for form in key_forms), f"signing key in {path}"
    report_data = _decoded_report_data(page.read_text())
    assert "J3-" in report_data and canary not in report_data
    assert '"redactions_applied": 0' in (archive / "manifest.json").read_text()  # redacted at the source
