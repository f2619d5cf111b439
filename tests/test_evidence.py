"""The auditor's evidence: a complete, self-describing archive; Allure results and JUnit that read like
the runbook; no archive for usage errors; an interrupted run says so; a broken disk is one line."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from opsverify import exitcodes
from opsverify.archive import HELD

from .helpers import UNUSED_PLUGINS, interruptible
from .kit import silent_server
from .runbook import CANARY, INTERRUPTED_RENDERING, OUTCOMES, SHOP, TILL, make_runbook, read_json, rows_by_id

GITHUB = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "acme/shop",
          "GITHUB_RUN_ID": "4242", "GITHUB_ACTOR": "release-bot"}


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    """One run of the small runbook, as CI would start it."""
    runbook = make_runbook(tmp_path_factory.mktemp("evidence"))
    result = runbook.run("--deploy-id", "abc123", "--deployed-at", "2026-11-25T10:02:00Z", "--system", "shop",
                         "--system", "till", env=GITHUB)
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:] + result.stderr
    (archive,) = runbook.archives()
    return runbook, archive, result


def test_manifest_says_what_was_asked_and_by_whom(evidence):
    runbook, archive, _ = evidence
    manifest = read_json(archive / "manifest.json")
    assert manifest["archive"] == archive.name and manifest["env"] == "fx" and manifest["deploy_id"] == "abc123"
    assert manifest["deployed_at"] == "2026-11-25T10:02:00Z"
    assert manifest["selection"]["markexpr"] == "postdeploy or manual"
    assert manifest["selection"]["systems"] == ["shop", "till"]
    assert manifest["demo_faults"] == [] and manifest["interrupted"] is False
    assert manifest["runner"] == {"provider": "github-actions", "job_url": "https://github.example/acme/shop/actions/runs/4242",
                                  "run_id": "4242", "actor": "release-bot"}
    assert {"python", "pytest", "cryptography", "psycopg"} <= set(manifest["dependencies"])
    assert manifest["suite_version"] and manifest["suite_commit"]
    assert manifest["started"] <= manifest["ended"]
    assert manifest["counts"] == {"passed": 3, "failed": 2, "waived": 0, "skipped": 2, "error": 1}
    assert manifest["selected"] == manifest["ran"] == 8
    assert manifest["exit_code"] == exitcodes.FAILED
    assert manifest["previous"] is None and manifest["seal"] is None  # the first of its env, not signed
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((archive / name).read_bytes()).hexdigest() == digest, name


def test_archive_holds_the_inputs_it_ran_with(evidence):
    runbook, archive, _ = evidence
    manifest = read_json(archive / "manifest.json")
    assert manifest["checklists"]["files"] == ["inputs/checklists/shop.yaml", "inputs/checklists/till.yaml"]
    for name in ("shop.yaml", "till.yaml"):
        assert (archive / "inputs" / "checklists" / name).read_bytes() == (runbook.root / "checklists" / name).read_bytes()
    copy = (archive / "inputs" / "environments" / "fx.yaml").read_text()
    assert copy == (runbook.root / "environments" / "fx.yaml").read_text()
    assert "${SHOP_API_TOKEN}" in copy and "${SHOP_WEB_ENV}" in copy  # names, never the values
    assert manifest["environment_file"] == {"path": "environments/fx.yaml", "copy": "inputs/environments/fx.yaml"}
    for path in archive.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_results_hold_every_item_in_runbook_order(evidence):
    _, archive, _ = evidence
    results = read_json(archive / "results.json")
    order = [i["id"] for i in SHOP["items"] + TILL["items"] if i.get("cadence") == "postdeploy" or i["family"] == "manual"]
    assert [row["id"] for row in results["checks"]] == order
    rows = rows_by_id(archive)
    assert {i: rows[i]["status"] for i in OUTCOMES} == OUTCOMES
    s2 = rows["S2"]
    assert (s2["system"], s2["section"], s2["title"], s2["severity"]) == ("shop", "2 Flags", "the publish flag is on", "critical")
    assert s2["expected"] == "FLAG=true on web" and "'false'" in s2["observed"]
    assert s2["remediation"] == "set FLAG=true on web"
    assert s2["evidence"]["web"]["FLAG"]["length"] == 5  # evidence: presence, length, fingerprint — not the value
    assert 0 < s2["duration_s"] < 5
    assert rows["S4"]["observed"].startswith("could not read env of service 'worker'")
    assert rows["S4"]["expected"] == "the worker has its queue"  # not judged: what it would have checked, its title
    assert rows["S7"]["expected"] == "the admin app has its key"  # skipped alike
    assert rows["S5"]["status"] == "skipped" and "manual item" in rows["S5"]["message"]
    assert results["manual"] == [{"system": "shop", "id": "S5", "key": "S5-incident-call", "section": "9 People",
                                  "title": "on-call phones the vendor", "reason": "a phone call, not a system property",
                                  "status": "manual — not checked"}]


def test_junit_names_system_section_and_item(evidence):
    import xml.etree.ElementTree as ET

    _, archive, _ = evidence
    suite = ET.parse(archive / "junit.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["S2-flag-on"].get("classname") == "shop.2 Flags"
    assert cases["T1-origin-set"].get("classname") == "till.5 Till"
    assert cases["S2-flag-on"].find("failure") is not None
    assert cases["S4-worker-env"].find("error").get("type") == "could-not-check"
    assert cases["S7-admin-env"].find("skipped") is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("8", "2", "1", "2")


def test_junitxml_is_the_archives_junit(tmp_path):
    """`--junitxml` (what a CI's test view reads) holds the archive's JUnit, byte for byte: the runbook's names,
    the engine's outcomes; and pytest's own naming options still apply to it."""
    runbook = make_runbook(tmp_path)
    ran = runbook.run("--junitxml", "out/ci-junit.xml")
    assert ran.returncode == exitcodes.FAILED, ran.stdout[-3000:] + ran.stderr
    written = tmp_path / "out" / "ci-junit.xml"
    assert written.read_bytes() == (runbook.newest() / "junit.xml").read_bytes()
    assert "junit: out/ci-junit.xml" in ran.stdout and "generated xml file" not in ran.stdout
    assert [p.name for p in written.parent.iterdir()] == ["ci-junit.xml"]  # no temporary file left beside it

    ran = runbook.run("--junitxml", str(written), "--no-archive", "-o", "junit_suite_name=nightly",
                      "--junit-prefix", "prod")
    assert ran.returncode == exitcodes.FAILED, ran.stdout[-3000:] + ran.stderr
    suite = ET.parse(written).getroot().find("testsuite")
    assert suite.get("name") == "nightly"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["S2-flag-on"].get("classname") == "prod.shop.2 Flags" and cases["S2-flag-on"].find("failure") is not None
    assert CANARY not in written.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["taken/junit.xml", "taken/ci/junit.xml"])
def test_junitxml_that_cannot_be_written_stops_the_run_before_any_check(tmp_path, path):
    """A file where the --junitxml path needs a folder: one line names the path, the file in the way, and the fix."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "taken").write_text("a file, not a folder")
    ran = runbook.run("--junitxml", path)
    assert ran.returncode == exitcodes.ARCHIVE, ran.stdout[-3000:] + ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
    assert ran.stderr == (f"opsverify: --junitxml {path}: taken is a file where a folder belongs; move it away, "
                          "or give --junitxml a path in a folder\n")
    assert ran.stdout == "" and runbook.archives() == []


def _allure(archive: Path) -> dict[str, dict]:
    found = {}
    for path in (archive / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text())
        found[result["name"].split(" ")[0]] = result
    return found


def test_allure_results_read_like_the_runbook(evidence):
    _, archive, _ = evidence
    results, rows = _allure(archive), rows_by_id(archive)
    assert set(results) == {row["key"] for row in rows.values()}
    s2 = results["S2-flag-on"]
    labels = {(label["name"], label["value"]) for label in s2["labels"]}
    assert {("parentSuite", "shop"), ("suite", "2 Flags"), ("subSuite", "S2"), ("severity", "critical"),
            ("outcome", "failed")} <= labels
    for result in results.values():
        assert "steps" not in result and "parameters" not in result  # no phantom fixture steps
        tags = [label["value"] for label in result["labels"] if label["name"] == "tag"]
        assert len(tags) == len(set(tags)), tags
        assert result["stop"] - result["start"] == round(rows[result["name"].split("-")[0]]["duration_s"] * 1000)
        assert "opsverify." not in json.dumps(result) and "\\\\n" not in json.dumps(result)  # no class names
    assert s2["status"] == "failed" and s2["statusDetails"]["message"].startswith("failed: expected FLAG=true")
    (attachment,) = s2["attachments"]
    assert attachment["name"] == "evidence"
    assert json.loads((archive / "allure-results" / attachment["source"]).read_text()) == rows["S2"]["evidence"]
    s4 = results["S4-worker-env"]
    assert s4["status"] == "broken" and s4["statusDetails"]["message"].startswith("could not check: could not read env")
    s7 = results["S7-admin-env"]
    assert s7["status"] == "skipped" and "**Skipped:** " in s7["description"]
    assert s7["statusDetails"]["message"].startswith("skipped: ")  # what Allure's categories group by
    order = sorted(results.values(), key=lambda r: r["start"])
    assert [r["name"].split("-")[0] for r in order] == list(rows)  # start times follow the runbook's order


def test_allure_environment_and_executor(evidence):
    _, archive, _ = evidence
    props = dict(line.split("=", 1) for line in (archive / "allure-results" / "environment.properties").read_text().splitlines())
    assert props["env"] == "fx" and props["deploy_id"] == "abc123" and props["deployed_at"] == "2026-11-25T10:02:00Z"
    assert props["selection"] == "-m 'postdeploy or manual' --system shop --system till"
    # what the manifest says of the run, on the page an auditor is handed: outcomes as the console counts them,
    # exit code, when (UTC), and every input applied with its sha256 as the manifest lists the archive's copy
    manifest = read_json(archive / "manifest.json")
    counts = manifest["counts"]
    assert props["outcomes"].startswith(", ".join(f"{counts[s]} {s}" for s in counts) + "; 1 manual (not checked)")
    assert props["exit_code"].startswith(f"{manifest['exit_code']} (")
    assert (props["started"], props["ended"]) == (manifest["started"], manifest["ended"])
    for name in ("shop.yaml", "till.yaml"):
        assert f"{name} sha256:{manifest['files'][f'inputs/checklists/{name}']}" in props["checklists"]
    assert props["environment_file"].startswith("environments/fx.yaml sha256:")
    assert f"sha256:{manifest['files']['inputs/environments/fx.yaml']};" in props["environment_file"]
    assert props["environment_file"].endswith(f"allow_mutating {str(manifest['allow_mutating']).lower()}")
    executor = read_json(archive / "allure-results" / "executor.json")
    assert executor["buildUrl"] == "https://github.example/acme/shop/actions/runs/4242"
    assert executor["buildName"] == "fx abc123"
    assert "reportUrl" not in executor  # the name it would hold is the temporary folder's, not the archive's


def test_allure_results_hold_the_categories(evidence):
    """The categories the README names are in allure-results/ itself (Allure's categories.json), sealed with it."""
    from opsverify.allureresults import categories_file

    _, archive, _ = evidence
    assert (archive / "allure-results" / "categories.json").read_bytes() == categories_file()
    assert "allure-results/categories.json" in read_json(archive / "manifest.json")["files"]
    names = [c["name"] for c in json.loads(categories_file())]
    assert names == ["failed", "waived (accepted failures, see each waiver)", "could not check", "skipped with reason"]


def test_an_id_with_several_entries_is_named_by_each_entrys_key_in_the_summary():
    """`failed — cheersai: C7 (critical), C7 (critical)` told nobody which checks failed: where an id has several
    entries in the run, each is named by its key; an id with one entry keeps its id."""
    from opsverify.archive import _grouped, _naming

    records = [{"system": "cheersai", "id": "C7", "key": "C7-scheduler-disabled", "status": "failed"},
               {"system": "cheersai", "id": "C7", "key": "C7-no-job-calls-it", "status": "failed"},
               {"system": "cheersai", "id": "C8", "key": "C8-schedule", "status": "failed"},
               {"system": "shop", "id": "C7", "key": "C7-other", "status": "failed"}]
    named = _naming(records)
    assert _grouped(records, "failed", named) == ["cheersai: C7-scheduler-disabled, C7-no-job-calls-it, C8",
                                                  "shop: C7"]


def test_summary_lists_failures_by_system_with_severity(evidence):
    _, archive, result = evidence
    assert "failed — shop: S2 (critical), S3 (minor)" in result.stdout
    assert "env fx, deploy abc123: 3 passed, 2 failed, 0 waived, 2 skipped, 1 error" in result.stdout
    digest = hashlib.sha256((archive / "manifest.json").read_bytes()).hexdigest()
    assert (f"archive: reports/fx/{archive.name} (not signed: set OPSVERIFY_SIGNING_KEY; manifest sha256:{digest[:32]})"
            in result.stdout)  # the anchor `verify --expect` takes


def test_manual_items_are_listed_whatever_m_says(tmp_path):
    runbook = make_runbook(tmp_path)
    result = runbook.run("--system", "shop", marks="postdeploy")
    assert result.returncode == exitcodes.FAILED, result.stdout[-2000:]
    archive = runbook.newest()
    assert "S5" not in rows_by_id(archive)  # not selected by -m ...
    assert [m["key"] for m in read_json(archive / "results.json")["manual"]] == ["S5-incident-call"]  # ... still listed
    assert read_json(archive / "manifest.json")["manual_items"] == [
        "shop S5-incident-call: manual — not checked (a phone call, not a system property)"]
    # ... in junit.xml, as a skipped testcase of its own kind: listed, never counted as run
    suite = ET.parse(archive / "junit.xml").getroot().find("testsuite")
    cases = [case for case in suite.iter("testcase") if case.get("name") == "S5-incident-call"]
    assert len(cases) == 1 and cases[0].get("classname") == "shop.9 People"
    skipped = cases[0].find("skipped")
    assert (skipped.get("type"), skipped.get("message")) == ("manual", "manual: a phone call, not a system property")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (properties["selected"], properties["ran"], properties["manual"]) == ("6", "6", "1")
    counted = (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped"))
    assert counted == ("7", "2", "1", "2")  # tests and skipped hold it
    # ... and in allure-results, so the auditor's page shows it under "skipped with reason"
    manual = _allure(archive)["S5-incident-call"]
    labels = {(label["name"], label["value"]) for label in manual["labels"]}
    assert {("parentSuite", "shop"), ("suite", "9 People"), ("subSuite", "S5"), ("outcome", "manual")} <= labels
    assert manual["status"] == "skipped"
    assert manual["statusDetails"]["message"] == "manual: a phone call, not a system property"
    assert manual["description"].startswith("**Skipped:** manual: a phone call, not a system property")
    assert "env fx, deploy local: 2 passed, 2 failed, 0 waived, 1 skipped, 1 error" in result.stdout  # not counted
    assert "manual — not checked: shop S5-incident-call (a phone call, not a system property)" in result.stdout


def test_a_selected_manual_item_is_listed_once(evidence):
    """`-m "postdeploy or manual"` selects the manual item: its own result is its one entry everywhere."""
    _, archive, _ = evidence
    suite = ET.parse(archive / "junit.xml").getroot().find("testsuite")
    assert [case.get("name") for case in suite.iter("testcase")].count("S5-incident-call") == 1
    results = [json.loads(p.read_text()) for p in (archive / "allure-results").glob("*-result.json")]
    assert [r["name"].split(" ")[0] for r in results].count("S5-incident-call") == 1
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert "manual" not in properties and suite.get("tests") == properties["ran"] == "8"


def test_a_partial_run_lists_in_junit_and_allure_only_what_it_selected(tmp_path):
    """`--item S1` asks for one item: its CI view and report hold that one; the manual items are still named in
    results.json and the summary, as in every run."""
    runbook = make_runbook(tmp_path)
    result = runbook.run("--item", "S1", marks="postdeploy")
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    archive = runbook.newest()
    assert [m["key"] for m in read_json(archive / "results.json")["manual"]] == ["S5-incident-call"]
    assert "manual — not checked: shop S5-incident-call" in result.stdout
    suite = ET.parse(archive / "junit.xml").getroot().find("testsuite")
    assert [case.get("name") for case in suite.iter("testcase")] == ["S1-origin-set"]
    assert list(_allure(archive)) == ["S1-origin-set"]


def test_the_report_shows_a_manual_item_the_run_did_not_select(tmp_path):
    from opsverify.report import allure_cli, render

    try:
        allure_cli()
    except Exception:
        pytest.skip("the HTML renderer is not installed (make setup)")
    runbook = make_runbook(tmp_path)
    assert runbook.run("--system", "shop", marks="postdeploy").returncode == exitcodes.FAILED
    page = render(runbook.newest()).read_text(encoding="utf-8")
    documents = []
    for encoded in re.findall(r'd\("[^"]+","([A-Za-z0-9+/=]+)"', page):  # the page's data, as the browser reads it
        with contextlib.suppress(ValueError):
            documents.append(json.loads(base64.b64decode(encoded)))
    shown = {d["name"]: d["status"] for d in documents if isinstance(d, dict) and isinstance(d.get("name"), str)
             and "status" in d}
    assert shown.get("S5-incident-call on-call phones the vendor") == "skipped", sorted(shown)


def test_fail_on_lets_lesser_failures_pass_but_still_reports_them(tmp_path):
    runbook = make_runbook(tmp_path)
    minor = runbook.run("--item", "S3", "--fail-on", "critical")
    assert minor.returncode == exitcodes.OK, minor.stdout[-2000:]
    assert "failed — shop: S3 (minor, below --fail-on critical)" in minor.stdout
    assert rows_by_id(runbook.newest())["S3"]["status"] == "failed"
    assert read_json(runbook.newest() / "manifest.json")["fail_on"] == "critical"
    critical = runbook.run("--item", "S2", "--fail-on", "critical")
    assert critical.returncode == exitcodes.FAILED
    assert "failed — shop: S2 (critical)" in critical.stdout


# -- no archive, or an honest one ------------------------------------------------------------------
def _leftovers(runbook) -> list[str]:
    return sorted(p.name for p in runbook.env_dir.iterdir()) if runbook.env_dir.exists() else []


@pytest.mark.parametrize("args, code", [(("-k", "S1 and ("), exitcodes.USAGE), (("--collect-only",), exitcodes.OK)])
def test_usage_errors_and_collect_only_write_no_archive(tmp_path, args, code):
    runbook = make_runbook(tmp_path)
    result = runbook.run(*args)
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    assert runbook.archives() == []
    assert not [name for name in _leftovers(runbook) if name.startswith(".partial")]


def _add_a_silent_system(root: Path, system: str, port: int, http_s: float) -> None:
    """A system whose one HTTP item (W1) waits on a server that never answers, within `http_s`."""
    env = yaml.safe_load((root / "environments" / "fx.yaml").read_text())
    env["timeouts"] = {"http_s": http_s}
    env["systems"][system] = {"services": {"api": {"url": f"http://127.0.0.1:{port}"}}}
    (root / "environments" / "fx.yaml").write_text(yaml.safe_dump(env))
    (root / "checklists" / f"{system}.yaml").write_text(yaml.safe_dump({"system": system, "runbook": "w", "items": [
        {"id": "W1", "name": "health", "section": "1 Wait", "title": "answers", "family": "http",
         "cadence": "postdeploy", "params": {"service": "api", "path": "/health", "status": 200}}]}))


@pytest.mark.parametrize("group,stop", [(False, signal.SIGINT), (True, signal.SIGINT), (True, signal.SIGTERM)],
                         ids=["the-run", "its-process-group", "a-ci-timeout"])
def test_interrupted_run_archive_says_so(tmp_path, group, stop):
    """Ctrl-C while a check waits on a target that never answers: the archive is marked interrupted. A
    terminal's Ctrl-C reaches the whole process group (the archive's writer too), a CI's cancel the run; a CI's
    job timeout sends SIGTERM, which is an interruption too (not a run lost with its process)."""
    runbook = make_runbook(tmp_path)
    with silent_server() as server:
        _add_a_silent_system(tmp_path, "wait", server["port"], http_s=60)
        command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p",
                   "no:cacheprovider", "-m",
                   "postdeploy", "--reports-dir", str(runbook.reports)]
        proc = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, **runbook.variables()},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=group,
                                preexec_fn=interruptible)
        try:
            deadline = time.monotonic() + 60
            while server["connections"] == 0 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert server["connections"] >= 1, "the check never reached the silent server"
            if group:
                os.killpg(proc.pid, stop)
            else:
                proc.send_signal(stop)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    # what ran before the signal outranks it (exitcodes: 1, then 24, 23, 10, then 2): the shop's critical failure
    # and its error may or may not have been reported yet when the signal came (their targets are asked at once)
    counts = manifest["counts"]
    expected = (exitcodes.FAILED if counts["failed"] else exitcodes.INTERRUPTED if not counts["error"]
                else manifest["exit_code"])
    assert proc.returncode == manifest["exit_code"] == expected, out[-3000:]
    assert proc.returncode in (exitcodes.FAILED, exitcodes.INTERRUPTED) or counts["error"], out[-3000:]
    assert manifest["interrupted"] is True and manifest["selected"] == 8 and manifest["ran"] < 8
    assert read_json(archive / "results.json")["interrupted"] is True
    said = ", ".join(f"{counts[s]} {s}" for s in ("passed", "failed", "waived", "skipped", "error"))
    assert f": {said}" in out, (said, out[-3000:])  # the console counts as the archive does: the unrun as skipped
    assert "interrupted:" in out and "interrupted)" in out
    results = [json.loads(p.read_text()) for p in (archive / "allure-results").glob("*-result.json")]
    outcomes = [next(label["value"] for label in r["labels"] if label["name"] == "outcome") for r in results]
    assert len(outcomes) - outcomes.count("manual") == manifest["selected"]  # a result for each item selected
    never_ran = [r for r in results if "the run was interrupted" in r.get("statusDetails", {}).get("message", "")]
    assert len(never_ran) == manifest["selected"] - manifest["ran"]  # those that never ran: skipped, not checked
    assert all(r["status"] == "skipped" for r in never_ran)
    assert outcomes.count("manual") == len(manifest["manual_items"]) == 1  # and the manual item -m left out, listed


def test_a_worker_killed_mid_check_leaves_an_error_and_its_group_taken_over(tmp_path):
    """Under xdist, the worker evaluating a group is killed (OOM, kill -9) while its target hangs: the item it
    was running is an error named as in the runbook (never a failure of the target), the group is taken over
    by a live worker and ends within its timeout, and every other item is checked as usual."""
    runbook = make_runbook(tmp_path)
    with silent_server() as server:
        _add_a_silent_system(tmp_path, "crashwait", server["port"], http_s=3)
        shared = set(Path(tempfile.gettempdir()).glob("opsverify-shared-*"))
        command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p",
                   "no:cacheprovider", "-m",
                   "postdeploy", "--reports-dir", str(runbook.reports), "-n", "2"]
        proc = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, **runbook.variables()},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            while server["connections"] == 0 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert server["connections"] >= 1, "the check never reached the silent server"
            owner = None
            while owner is None and time.monotonic() < deadline:  # ours: other tests' runs make such folders too
                for folder in set(Path(tempfile.gettempdir()).glob("opsverify-shared-*")) - shared:
                    with contextlib.suppress(OSError, ValueError):
                        owner = json.loads((folder / "claims.json").read_text()).get("crashwait+http") or owner
                time.sleep(0.05)
            assert owner is not None, "no worker claimed the crashwait system's group"
            os.kill(owner, signal.SIGKILL)
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    (archive,) = runbook.archives()
    rows = rows_by_id(archive)
    crashed = [i for i, row in rows.items() if "the worker running it stopped" in row["message"]]
    # the item the killed worker was running, if it was running one (its claimed groups go on in the background
    # once its items are reported): an error, named
    assert len(crashed) <= 1, out[-3000:]
    if crashed:
        assert rows[crashed[0]]["status"] == "error" and rows[crashed[0]]["system"] in ("shop", "till", "crashwait")
        assert rows[crashed[0]]["title"] and rows[crashed[0]]["severity"]
    others = {i: row["status"] for i, row in rows.items() if i not in crashed}
    assert others == {i: s for i, s in {**OUTCOMES, "W1": "error"}.items() if i not in crashed}, out[-3000:]
    if "W1" not in crashed:
        assert "no complete answer within 3 s" in rows["W1"]["message"]  # taken over, and ended by its timeout
    assert "no outcome in time" not in out and "None: None" not in out
    manifest = read_json(archive / "manifest.json")
    assert manifest["ran"] == manifest["selected"] and manifest["interrupted"] is False


def test_ctrl_c_while_loading_is_one_line_and_exit_2(monkeypatch, capsys):
    from types import SimpleNamespace

    from opsverify import plugin

    def interrupted(config, name):
        raise KeyboardInterrupt

    monkeypatch.setattr(plugin, "_prepare", interrupted)
    config = SimpleNamespace(getoption=lambda name: "fx", option=SimpleNamespace(),  # no --help: a run
                             add_cleanup=lambda cleanup: None, stash={})
    assert plugin.pytest_cmdline_main(config) == exitcodes.INTERRUPTED
    assert capsys.readouterr().err == ("opsverify: interrupted while loading the checklists and environment: "
                                       "nothing was checked\n")


def test_ctrl_c_while_collecting_leaves_no_archive(tmp_path):
    """Interrupted before any item was selected: nothing was checked, so nothing is archived (one line says so)."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_collection_modifyitems(items):\n"
        "    raise KeyboardInterrupt\n")
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:]
    assert runbook.archives() == [] and "no archive: interrupted before any check was selected" in result.stdout


def test_ctrl_c_before_the_workers_selected_leaves_no_archive(tmp_path):
    """Under xdist the master selects nothing itself: interrupted before a worker reported its collection, the run
    checked nothing, and is archived as the serial one is — not at all (never an archive of "0 of 0 items")."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(
        "import os, signal, time, pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    if getattr(config, 'workerinput', {}).get('workerid') == 'gw0':\n"
        "        os.kill(os.getppid(), signal.SIGINT)  # the master, as Ctrl-C reaches it\n"
        "    time.sleep(120)  # no worker reports its collection before the interrupt (however slow the machine)\n")
    result = runbook.run("--item", "S1", "-n", "2")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:]
    assert runbook.archives() == [], result.stdout[-3000:]
    assert "no archive: interrupted before any check was selected" in result.stdout
    assert "interrupted before any check was selected: nothing was checked" in result.stdout
    assert "0 of 0" not in result.stdout and "bound " not in result.stdout and "partial run" not in result.stdout


def test_an_item_named_twice_is_one_item_not_an_interruption(tmp_path):
    runbook = make_runbook(tmp_path)
    result = runbook.run("checklists/till.yaml", "--keep-duplicates", "--system", "till")
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    manifest = read_json(runbook.newest() / "manifest.json")
    assert manifest["interrupted"] is False and manifest["ran"] == manifest["selected"] == 1


def test_a_crashed_item_is_named_in_either_layout():
    from types import SimpleNamespace

    from opsverify.archive import _check_of

    checks = [SimpleNamespace(key="T6-critical-secrets-set", family="tls", system="a", source="/p/checklists/a.yaml"),
              SimpleNamespace(key="T6-critical-secrets-set", family="env", system="b", source="/p/checklists/b.yaml"),
              SimpleNamespace(key="S1-origin-set", family="env", system="shop", source="/p/checklists/shop.yaml")]
    assert _check_of("checks/test_env.py::test_env[T6-critical-secrets-set[demo]]", checks) is checks[1]
    assert _check_of("checklists/shop.yaml::S1-origin-set", checks) is checks[2]
    assert _check_of("checks/test_env.py::test_env[nothing[demo]]", checks) is None
    shared = [SimpleNamespace(key="W1-health", family="http", system=system, source=f"/p/checklists/{system}.yaml")
              for system in ("alpha", "bravo")]  # a key two systems share: the test id names the system
    assert _check_of("checks/test_http.py::test_http[bravo/W1-health[demo]]", shared) is shared[1]


@pytest.mark.parametrize("option", ["--setup-only", "--setup-plan"])
def test_setup_only_is_refused_not_sealed_as_passed(tmp_path, option):
    runbook = make_runbook(tmp_path)
    result = runbook.run(option)
    assert result.returncode == exitcodes.USAGE, result.stdout[-2000:]
    assert result.stderr.strip() == ("opsverify: --setup-only and --setup-plan judge no item; --collect-only "
                                     "lists them") and runbook.archives() == []


def test_a_run_without_pytests_skipping_plugin_is_refused(tmp_path):
    """Waived failures and skips are reported through it: without it a waived failure read as an error, and the
    archive listed its waiver as both used and not applied."""
    runbook = make_runbook(tmp_path)
    result = runbook.run("-p", "no:skipping")
    assert result.returncode == exitcodes.USAGE, result.stdout[-2000:]
    assert "drop -p no:skipping" in result.stderr and runbook.archives() == []


def test_interrupted_while_rendering_keeps_the_archive_and_says_where(tmp_path):
    """Ctrl-C or a CI's SIGTERM during --html: the archive is sealed already; the summary (and its archive line,
    the anchor for verify --expect) is still printed, and the run exits 2."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(INTERRUPTED_RENDERING)
    result = runbook.run("--item", "S1", "--html")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:] + result.stderr
    assert "report not rendered: interrupted (the archive is complete" in result.stdout
    assert f"archive: reports/fx/{runbook.newest().name} (" in result.stdout and "Traceback" not in result.stdout


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_what_could_not_be_collected_is_not_a_pass(tmp_path, workers):
    """--continue-on-collection-errors runs what it could collect; what it could not is not checked: the run
    cannot end 0, and the summary and the manifest name it."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "checklists" / "test_broken.py").write_text("raise ImportError('a module that cannot load')\n")
    result = runbook.run("--item", "S1", "--continue-on-collection-errors", *workers)
    assert result.returncode == exitcodes.COULD_NOT_CHECK, result.stdout[-3000:]
    assert "not collected, so not checked: checklists/test_broken.py" in result.stdout
    assert read_json(runbook.newest() / "manifest.json")["collection_errors"] == ["checklists/test_broken.py"]


def test_a_run_whose_loop_ended_early_unnoticed_is_interrupted(tmp_path):
    """A second Ctrl-C inside pytest's handling of the first leaves its exit status at 0 with items never run;
    the same as a loop that stops early unnoticed: the archive says interrupted, never a clean run."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_runtestloop(session):\n"
        "    item = session.items[0]\n"
        "    item.config.hook.pytest_runtest_protocol(item=item, nextitem=None)\n"
        "    return True\n")
    result = runbook.run("--item", "S1", "--item", "S3")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:]
    manifest = read_json(runbook.newest() / "manifest.json")
    assert manifest["interrupted"] is True and manifest["ran"] == 1 and manifest["selected"] == 2
    assert manifest["exit_code"] == exitcodes.INTERRUPTED and "interrupted: 1 of 2 selected items ran" in result.stdout


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_run_stopped_by_x_says_what_was_not_checked(tmp_path, workers):
    """-x ends the run at the first failure: the items never asked are not passed, and not silently missing
    either — the archive and the summary say the run was cut short, and by what; serial or under xdist, the
    exit code is the failure's (xdist stops its workers by interrupting them: that is not a Ctrl-C)."""
    runbook = make_runbook(tmp_path)
    result = runbook.run("-x", "--system", "shop", "--system", "till", *workers)
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:] + result.stderr
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert manifest["interrupted"] is True and manifest["selected"] == 8 and 1 <= manifest["ran"] < 8
    assert manifest["exit_code"] == exitcodes.FAILED
    assert read_json(archive / "results.json")["interrupted"] is True
    # xdist counts the failures its workers had reported when it stopped them: one or more
    assert re.search(rf"interrupted \(stopping after \d+ failures\): {manifest['ran']} of 8 selected items ran;"
                     " the others were not checked", result.stdout), result.stdout[-2000:]
    assert "interrupted)" in result.stdout  # the archive line


def test_a_run_of_one_checklist_file_lists_only_its_systems_manual_items(tmp_path):
    """`pytest checklists/till.yaml` runs till alone: shop's manual item is no part of that run."""
    runbook = make_runbook(tmp_path)
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists/till.yaml", "--env", "fx", "-p",
               "no:cacheprovider",
               "--reports-dir", str(runbook.reports), "-m", "postdeploy or manual"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "GITHUB_", "CI"))}
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**clean, **runbook.variables()})
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert "S5-incident-call" not in result.stdout and manifest["manual_items"] == [], result.stdout[-2000:]
    assert read_json(archive / "results.json")["manual"] == []
    assert {row["system"] for row in read_json(archive / "results.json")["checks"]} == {"till"}


def test_a_deploy_id_archive_names_cannot_hold_is_recorded_as_given(tmp_path):
    runbook = make_runbook(tmp_path)
    result = runbook.run("--deploy-id", "release/é-1.2+build.7", "--system", "shop")
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert manifest["deploy_id"] == "release---1.2-build.7" and archive.name.endswith("_release---1.2-build.7")
    assert manifest["deploy_id_given"] == "release/é-1.2+build.7"
    assert "deploy release---1.2-build.7 (given as 'release/é-1.2+build.7';" in result.stdout
    plain = make_runbook(tmp_path / "plain")
    plain.run("--deploy-id", "abc123", "--system", "shop")
    assert read_json(plain.archives()[0] / "manifest.json")["deploy_id_given"] is None


def test_stale_partials_of_dead_runs_are_removed(tmp_path):
    runbook = make_runbook(tmp_path)
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = runbook.env_dir / f".partial-20200101T000000Z-{gone.pid}"
    (stale / "allure-results").mkdir(parents=True)
    (stale / "results.json").write_text("{}")
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    assert not stale.exists()
    assert f"removed a stale partial archive {stale.name} (its run is gone)" in result.stdout
    assert len(runbook.archives()) == 1


def _holding(folder: Path) -> subprocess.Popen:
    """Another process, holding the lock a live run holds on its working folder (archive.hold_partial)."""
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(folder)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_partial_is_stale_by_its_lock_not_by_its_pid(tmp_path):
    """Runs in containers sharing a reports volume have the same pids: a partial another live run holds stays,
    whatever its pid; one no run holds goes, even if its pid is alive (here, this test's own)."""
    runbook = make_runbook(tmp_path)
    held = runbook.env_dir / f".partial-20200101T000000Z-{os.getpid()}-held"
    orphan = runbook.env_dir / f".partial-20200101T000000Z-{os.getpid()}"
    for partial in (held, orphan):
        (partial / "allure-results").mkdir(parents=True)
    holder = _holding(held)  # a live run's lock on its folder
    try:
        result = runbook.run("--item", "S1")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    assert held.is_dir() and not orphan.exists()
    assert f"removed a stale partial archive {orphan.name}" in result.stdout and held.name not in result.stdout
    assert len(runbook.archives()) == 1


def test_a_file_where_the_env_folder_belongs_is_named_as_such(tmp_path):
    runbook = make_runbook(tmp_path)
    runbook.reports.mkdir()
    runbook.env_dir.write_text("not a folder")
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.ARCHIVE
    assert result.stderr.strip() == ("opsverify: archive not written: reports/fx: a file is where the env's folder "
                                     "belongs; move it away, or give another --reports-dir")


def test_a_shared_folder_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    """Under xdist the workers share outcomes in a temp folder the run holds locked; a run killed with SIGKILL
    leaves it, and the next run under xdist removes it — never one a live run holds."""
    runbook = make_runbook(tmp_path)
    left = Path(tempfile.mkdtemp(prefix="opsverify-shared-test-left-"))
    (left / "claims.json").write_text("{}")
    (left / HELD).touch()  # made by a run that locks its folder; it died
    unmarked = Path(tempfile.mkdtemp(prefix="opsverify-shared-test-unmarked-"))  # an opsverify that never locked
    half_made = Path(tempfile.mkdtemp(prefix=".opsverify-shared-making-test-"))  # killed while making its folder
    os.utime(half_made, (time.time() - 3600, time.time() - 3600))
    fresh = Path(tempfile.mkdtemp(prefix=".opsverify-shared-making-test-"))  # a run making its folder right now
    held = Path(tempfile.mkdtemp(prefix="opsverify-shared-test-held-"))
    holder = _holding(held)  # a live run's lock on its folder
    try:
        result = runbook.run("--item", "S1", "-n", "2")
        assert held.is_dir()  # its run lives
    finally:
        holder.kill()
        holder.wait()
        shutil.rmtree(held, ignore_errors=True)
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    assert not left.exists() and not half_made.exists() and unmarked.is_dir() and fresh.is_dir()
    shutil.rmtree(unmarked)
    shutil.rmtree(fresh)


def test_unwritable_reports_folder_is_one_line_before_any_check(tmp_path):
    runbook = make_runbook(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the reports folder should be")
    result = runbook.run("--reports-dir", str(blocked))
    assert result.returncode == exitcodes.ARCHIVE
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("opsverify: archive not written: ") and "Traceback" not in result.stdout + result.stderr
    assert " passed" not in result.stdout  # nothing ran


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("selected, code", [
    (("--item", "S1"), exitcodes.ARCHIVE),  # it passed: the lost evidence is what the run has to say
    (("--item", "S1", "--item", "S2"), exitcodes.FAILED),  # S2 failed: the broken deploy is not hidden behind 26
    (("--item", "S1", "--item", "S4"), exitcodes.COULD_NOT_CHECK),  # S4 could not be checked: nor is that
])
def test_full_disk_at_the_end_is_one_line_and_the_runs_code(tmp_path, selected, code):
    """The checks ran, the archive could not be written: one line, not an INTERNALERROR; the code is 26 unless a
    check failed (1) or could not be checked (24, 23, 10), which outrank it (exitcodes.PRECEDENCE)."""
    runbook = make_runbook(tmp_path)
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p", "no:cacheprovider",
               "-m", "postdeploy",
               "--reports-dir", str(runbook.reports), *selected]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **runbook.variables()}, preexec_fn=_file_size_limit(2048))
    assert result.returncode == code, result.stdout[-3000:] + result.stderr[-3000:]
    assert "INTERNALERROR" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "archive not written" in line]
    assert len(lines) == 1 and lines[0].startswith("opsverify: archive not written: reports/fx")
    assert runbook.archives() == []
    assert runbook.archives() == [] and not [n for n in _leftovers(runbook) if n.startswith(".partial")]


def test_junit_holds_any_message_a_target_sends():
    """Markup, quotes, newlines and control bytes (which XML 1.0 cannot hold) in a target's answer: the file
    still parses, and the message reads as sent, control bytes shown as \\xNN."""
    import xml.etree.ElementTree as ET

    from opsverify.junit import junit_xml

    message = "expected 'a' & \"b\"\nsaw <c>\x1b[31m\x00"
    rows = [{"system": "shop", "section": "1 <Flags> & more", "key": "S1-x", "title": "t", "status": "failed",
             "message": message, "duration_s": 0.25}]
    suite = ET.fromstring(junit_xml(rows, env="prod", deploy="d1", timestamp="2026-12-01T00:00:00Z")).find("testsuite")
    (case,) = suite.iter("testcase")
    shown = "expected 'a' & \"b\"\nsaw <c>\\x1b[31m\\x00"
    assert case.get("classname") == "shop.1 <Flags> & more"
    assert case.find("failure").get("message") == shown and case.find("failure").text == shown
    assert (suite.get("tests"), suite.get("failures"), suite.get("time")) == ("1", "1", "0.250")


def test_half_a_utf16_pair_from_a_target_is_written_as_its_escape():
    """A target's JSON may escape half of a UTF-16 pair (`"\\ud800"`): the console shows its escape, and every
    file stays UTF-8 (JSON keeps the same escape, so it reads back as what the target sent)."""
    from opsverify.allureresults import result_files
    from opsverify.display import visible
    from opsverify.jsontext import readable

    assert visible("up \ud800 \udfff") == "up \\ud800 \\udfff"
    assert json.loads(readable({"evidence": {"\udc80": "up \ud800"}}).decode("utf-8")) == {"evidence": {"\udc80": "up \ud800"}}
    row = {"key": "W1-halves", "system": "site", "section": "Web", "status": "failed", "expected": "up",
           "observed": "up \ud800", "evidence": {"status": "up \ud800"}}
    for data in result_files(row, env="prod", start_ms=0).values():
        json.loads(data.decode("utf-8"))


def test_ci_variables_that_are_not_utf8_read_as_replacement_characters():
    from opsverify.provenance import runner

    said = runner({"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "dev-\udcff", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7"})
    assert said["actor"] == "dev-\ufffd" and said["job_url"] == "https://github.com/o/r/actions/runs/7"


def test_nan_and_infinity_from_a_target_are_written_as_strict_json():
    """Python reads NaN and Infinity in a target's JSON; strict readers (a browser, jq) refuse them in a file."""
    from opsverify.allureresults import result_files
    from opsverify.jsontext import readable

    def strict(text: str):
        return json.loads(text, parse_constant=lambda word: pytest.fail(f"{word} in a file"))

    nan, inf = float("nan"), float("inf")
    assert strict(readable({"evidence": {"result": nan, "bounds": [inf, -inf, 1.5]}}).decode()) == {
        "evidence": {"result": "NaN", "bounds": ["Infinity", "-Infinity", 1.5]}}
    row = {"key": "R1-health", "system": "chain", "section": "Node", "status": "failed", "expected": "ok",
           "observed": "result NaN", "evidence": {"result": nan}}
    for data in result_files(row, env="prod", start_ms=0).values():
        strict(data.decode())


def test_an_interrupted_run_says_it_is_writing_its_archive_once_that_takes_a_second(tmp_path):
    """Ctrl-C in a run of thousands of items: its archive takes seconds to write, and a further Ctrl-C is noted,
    not obeyed, meanwhile — said after a second, as every wait that long is, not left to read as a hang."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(
        "import time, pytest\n"
        "import opsverify.archive as archive\n"
        "_complete = archive.ArchiveReporter._complete_archive\n"
        "def _slow(self, *args, **kwargs):\n"
        "    time.sleep(6)  # as writing thousands of results does (the line is due after 1 s: 5 s to spare)\n"
        "    return _complete(self, *args, **kwargs)\n"
        "archive.ArchiveReporter._complete_archive = _slow\n"
        "def pytest_runtest_logfinish(nodeid):\n"
        "    if 'S1-' in nodeid:\n"
        "        raise KeyboardInterrupt\n")
    result = runbook.run()
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:]
    said = "opsverify: interrupted: writing the archive of"
    assert said in result.stdout and "a further Ctrl-C is noted, not obeyed" in result.stdout, result.stdout[-3000:]
    assert result.stdout.index(said) < result.stdout.index("archive: ")
    assert runbook.archives()  # written, whole
    quick = make_runbook(tmp_path / "quick")  # an archive written before the line is due says nothing of it
    (tmp_path / "quick" / "conftest.py").write_text(
        "import opsverify.engine\n"
        "opsverify.engine.WAIT_SHOWN_S = 600  # due later than any archive here takes, however loaded the machine\n"
        "def pytest_runtest_logfinish(nodeid):\n"
        "    if 'S1-' in nodeid:\n"
        "        raise KeyboardInterrupt\n")
    assert said not in quick.run().stdout
