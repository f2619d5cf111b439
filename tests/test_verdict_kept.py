"""The archive says what the check decided. A pytest marker or hook of a team's conftest (an `xfail`, a reason spelt
like a waiver's, a report rewritten to passed) changes what pytest reports, never the verdict; an error that came
after the check (a fixture's teardown) is told by its own cause, never by the passing check's words."""

from __future__ import annotations

import json

import pytest

from .project import MisbehavingHttp, Project

ITEMS = """
- {id: F1, name: broken, section: S, title: the broken page answers, family: http, cadence: postdeploy,
   severity: critical, params: {service: web, path: /fail}}
- {id: P1, name: healthy, section: S, title: the healthy page answers, family: http, cadence: postdeploy,
   params: {service: web, path: /ok}}
"""

CONFTESTS = {
    "xfail": """
import pytest
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "F1-" in item.nodeid:
            item.add_marker(pytest.mark.xfail(reason="known"))
""",
    "forged-waiver": """
import pytest
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "F1-" in item.nodeid:
            item.add_marker(pytest.mark.xfail(reason="waived: until 2099 by cto (OPS-0)"))
""",
    "report-rewritten": """
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if "F1-" in item.nodeid:
        report.outcome = "passed"
""",
}


P1_TEARDOWN_BREAKS = """
def pytest_runtest_teardown(item, nextitem):
    if "P1-" in item.nodeid:
        raise RuntimeError("the team's fixture broke in teardown")
"""


def rewriting(node: str, when: str, change: str) -> str:
    """A conftest whose makereport wrapper rewrites the `when` report of the items whose id holds `node`."""
    return f"""
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if "{node}" in item.nodeid and report.when == "{when}":
        {change}
"""


@pytest.fixture
def project(tmp_path):
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("site", ITEMS)
        project.environment("""
        timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
        systems: {site: {services: {web: {url: "${WEB_URL}"}}}}
        """)
        yield project


@pytest.mark.parametrize("conftest", sorted(CONFTESTS))
def test_a_marker_or_hook_never_turns_a_checked_failure_into_anything_else(project, conftest):
    (project.root / "conftest.py").write_text(CONFTESTS[conftest], encoding="utf-8")
    ran = project.run("--env", "local")
    assert ran.code == 1, ran.output  # a blocking failure, as without the conftest
    rows = ran.rows()
    assert rows["F1-broken"]["status"] == "failed", rows["F1-broken"]
    assert "a marker or hook changed pytest's report, not this verdict" in rows["F1-broken"]["message"]
    assert rows["P1-healthy"]["status"] == "passed"
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest.get("waived"), manifest.get("waived")
    junit = next(ran.archive().glob("**/*.xml")).read_text(encoding="utf-8")
    assert junit.count("<failure") == 1, junit
    assert "WAIVED" not in ran.output


def test_an_error_after_the_check_is_told_by_its_own_cause(project):
    (project.root / "conftest.py").write_text(P1_TEARDOWN_BREAKS, encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "error", row
    assert "the team's fixture broke in teardown" in row["message"], row["message"]
    assert "the team's fixture broke in teardown" in row["observed"], row["observed"]
    assert "(its check had ended passed)" in row["message"]


def test_an_item_a_marker_skipped_is_still_its_checklists_item(project):
    """Never judged, it is named, placed and weighed as any other: its id, system, section and severity."""
    (project.root / "conftest.py").write_text("""
import pytest
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "F1-" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason="the team skips it"))
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "skipped" and "the team skips it" in row["message"], row
    assert (row["id"], row["system"], row["section"], row["severity"]) == ("F1", "site", "S", "critical"), row


def test_a_report_a_hook_replaces_whole_still_carries_the_checks_verdict(project):
    """A conftest handing pytest a report of its own (no user_properties) had the failure archived as passed."""
    (project.root / "conftest.py").write_text("""
import pytest
from _pytest.reports import TestReport

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if "F1-" in item.nodeid:
        outcome.force_result(TestReport(report.nodeid, report.location, report.keywords, "passed", None,
                                        report.when, duration=report.duration))
""", encoding="utf-8")
    ran = project.run("--env", "local")
    assert ran.code == 1, ran.output
    assert ran.rows()["F1-broken"]["status"] == "failed"


def test_the_archives_reporter_cannot_be_left_out(project):
    (project.root / "conftest.py").write_text(CONFTESTS["xfail"], encoding="utf-8")
    ran = project.run("--env", "local", "-p", "no:opsverify-archive")
    assert ran.code == 4, ran.output
    assert "-p no:opsverify-archive: it writes a run's summary, archive and exit code" in ran.output
    assert "Traceback" not in ran.output


def test_a_failed_check_whose_teardown_then_failed_stays_failed(project):
    (project.root / "conftest.py").write_text("""
def pytest_runtest_teardown(item, nextitem):
    raise RuntimeError("the team's teardown broke")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    assert ran.code == 1, ran.output  # the failure decided the run, not "could not check"
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed", row
    assert "(and after the check, teardown failed: RuntimeError: the team's teardown broke)" in row["message"]


def test_an_xfail_spelt_as_a_waiver_before_the_check_ran_waives_nothing(project):
    """A conftest's `pytest.xfail("waived: …")` in setup, before the check: nothing was checked, so the item is skipped
    (not checked), never waived, and the broken item it stands for ends no run 0 as waived."""
    (project.root / "conftest.py").write_text("""
import pytest
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "F1-" in item.nodeid:
        pytest.xfail("waived: known broken, see OPS-1")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "skipped", row
    assert row["message"].startswith("not checked: pytest reported it waived (xfail: waived: known broken"), row
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest.get("waived"), manifest.get("waived")
    assert "1 waived" not in ran.output and "waived —" not in ran.output, ran.output


ERROR_ITEMS = ITEMS + """
- {id: E1, name: garbage, section: S, title: the garbage page answers, family: http, cadence: postdeploy,
   severity: minor, params: {service: web, path: /garbage}}
"""


@pytest.mark.parametrize("fail_on", [[], ["--fail-on", "blocker"]], ids=["every-failure", "fail-on-blocker"])
def test_a_check_that_could_not_decide_stays_an_error_whatever_a_hook_reports(project, fail_on):
    """A hook rewriting the setup report of an item that could not decide to passed: pytest then runs its call,
    which fails (no outcome); the archive keeps the check's error, and the run ends 10 also under --fail-on."""
    project.checklist("site", ERROR_ITEMS)
    conftest = rewriting("E1-", "setup", 'report.outcome = "passed"; report.longrepr = None')
    (project.root / "conftest.py").write_text(conftest, encoding="utf-8")
    ran = project.run("--env", "local", *fail_on)
    row = ran.rows()["E1-garbage"]
    assert row["status"] == "error", row
    assert ran.code == 10 or (not fail_on and ran.code == 1), ran.output  # F1 fails the run without --fail-on
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["error"] == 1, manifest["counts"]


@pytest.mark.parametrize("conftest", [
    """
import pytest
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "P1-" in item.nodeid:
            item.add_marker(pytest.mark.xfail(strict=True))
""", rewriting("P1-", "call", 'report.outcome = "failed"; report.longrepr = "the team rule"')],
    ids=["strict-xfail", "hook-failed"])
def test_a_failure_pytest_reports_beside_a_passed_check_says_so(project, conftest):
    (project.root / "conftest.py").write_text(conftest, encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "failed", row  # a team's hook may fail an item for its own reasons: kept, said as such
    assert row["message"].startswith("pytest reported it failed: "), row["message"]
    assert "(a marker or hook; its check had ended passed: P1-healthy" in row["message"], row["message"]


def test_a_checked_item_a_hook_reports_skipped_is_passed(project):
    conftest = rewriting("P1-", "setup", 'report.outcome = "skipped"; report.longrepr = ("x", 1, "Skipped: a hook")')
    (project.root / "conftest.py").write_text(conftest, encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "passed", row
    assert "(pytest reported it skipped: a marker or hook changed pytest's report" in row["message"], row


def test_the_could_not_check_line_says_the_errors_own_cause(project):
    (project.root / "conftest.py").write_text(P1_TEARDOWN_BREAKS, encoding="utf-8")
    ran = project.run("--env", "local")
    line = next(line for line in ran.output.splitlines() if "could not check" in line and "P1" in line)
    assert "the team's fixture broke in teardown" in line, line
    assert "status 200" not in line, line


def test_a_failed_check_whose_worker_then_died_stays_failed(project):
    """The worker dies in the item's teardown, after its check failed: the failure stands (exit 1, not 10), the
    crash said beside it."""
    (project.root / "conftest.py").write_text("""
import os
def pytest_runtest_teardown(item, nextitem):
    if "F1-" in item.nodeid:
        os._exit(9)
""", encoding="utf-8")
    ran = project.run("--env", "local", "-n", "2")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed", row
    assert "(and after the check, the worker running it stopped (" in row["message"], row["message"]
    assert ran.code == 1, ran.output
