"""The archive says what the check decided. A pytest marker or hook of a team's conftest (an `xfail`, a reason spelt
like a waiver's, a report rewritten to passed) changes what pytest reports, never the verdict; an error that came
after the check (a fixture's teardown) is told by its own cause, never by the passing check's words."""

from __future__ import annotations

import json

import pytest

from .project import MisbehavingHttp, Project
from .test_selection import checks_layout

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


def _skipping(node: str, mark: str) -> str:
    """A conftest adding `mark` (written as pytest.mark.…) to the items whose node id holds `node`."""
    return f"""
import pytest
def pytest_collection_modifyitems(config, items):
    for item in items:
        if {node!r} in item.nodeid:
            item.add_marker({mark})
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize("mark, said", [
    ('pytest.mark.skip(reason="the team skips it")', "a skip marker (the team skips it)"),
    ('pytest.mark.xfail(run=False, reason="known")', "an xfail(run=False) marker (known)"),
], ids=["skip", "xfail-not-run"])
def test_a_marker_skipping_an_item_its_group_judged_keeps_the_checks_verdict(project, mark, said, workers):
    """F1's test is skipped by a marker, but P1 asked for their group (site, http), which judged F1 failed with it: the
    archive, JUnit, Allure and the exit code carry that failure, saying that a marker skipped its pytest test — a
    marker is no waiver. F1 comes first: its group is judged only after its test was skipped."""
    (project.root / "conftest.py").write_text(_skipping("F1-", mark), encoding="utf-8")
    ran = project.run("--env", "local", *workers)
    assert ran.code == 1, ran.output[-3000:]
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed", row
    assert (row["id"], row["system"], row["section"], row["severity"]) == ("F1", "site", "S", "critical"), row
    assert "saw status 500" in row["message"], row  # the check's own words: expected and seen
    assert f"pytest skipped its test by {said}" in row["message"], row["message"]
    assert ran.rows()["P1-healthy"]["status"] == "passed"
    junit = (ran.archive() / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 1 and "<skipped" not in junit, junit
    allure = [json.loads(p.read_text(encoding="utf-8"))
              for p in (ran.archive() / "allure-results").glob("*-result.json")]
    assert sorted(r["status"] for r in allure) == ["failed", "passed"], [r["status"] for r in allure]
    assert "1 failed" in ran.done.stdout and "partial" not in ran.done.stdout, ran.output[-3000:]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_an_item_a_marker_skipped_that_nothing_judged_is_skipped_not_checked(project, workers):
    """Both items skipped by a marker: no check asked for their group, so nothing was judged — each stays skipped with
    the marker's reason, said as not checked, and still its checklist's item (id, system, section, severity)."""
    (project.root / "conftest.py").write_text(_skipping("site", 'pytest.mark.skip(reason="the team skips it")'),
                                              encoding="utf-8")
    ran = project.run("--env", "local", *workers)
    assert ran.code == 0, ran.output[-3000:]
    row = ran.rows()["F1-broken"]
    assert row["status"] == "skipped", row
    assert row["message"].startswith("not checked: ") and "the team skips it" in row["message"], row["message"]
    assert (row["id"], row["system"], row["section"], row["severity"]) == ("F1", "site", "S", "critical"), row


def reports_passed_for(marker: str) -> str:
    """A team's conftest handing pytest a report of its own, "passed", for the items whose node id holds `marker`."""
    return f"""
import pytest
from _pytest.reports import TestReport


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if {marker!r} in item.nodeid:
        outcome.force_result(TestReport(report.nodeid, report.location, report.keywords, "passed", None,
                                        report.when, duration=report.duration))
"""


def test_a_report_a_hook_replaces_whole_still_carries_the_checks_verdict(project):
    """A conftest handing pytest a report of its own (no user_properties) had the failure archived as passed."""
    (project.root / "conftest.py").write_text(reports_passed_for("F1-"), encoding="utf-8")
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


@pytest.mark.parametrize("node", ["F1-", "site"], ids=["group-judged", "nothing-judged"])
def test_an_xfail_spelt_as_a_waiver_before_the_check_ran_waives_nothing(project, node):
    """A conftest's `pytest.xfail("waived: …")` in setup, before the check: never waived, and the broken item it stands
    for ends no run 0 as waived. Where P1 asked for their group, F1 was judged with it: failed, exit 1. Where every
    item was stopped so, nothing was checked: the item is skipped (not checked)."""
    (project.root / "conftest.py").write_text(f"""
import pytest
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if {node!r} in item.nodeid:
        pytest.xfail("waived: known broken, see OPS-1")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    if node == "F1-":
        assert ran.code == 1 and row["status"] == "failed", (ran.code, row)
        assert ("pytest skipped its test by an xfail of a fixture or hook (waived: known broken, see OPS-1) before"
                " its check ran" in row["message"]), row["message"]
    else:
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


# -- pytest's word for each phase, weighed against the check's: a later phase never undoes an earlier one ----------
TEARDOWN_SKIPS_P1 = """
def pytest_runtest_teardown(item, nextitem):
    if "P1-" in item.nodeid:
        pytest.skip("team cleanup not needed")
"""


def test_a_teardown_skip_after_pytests_failure_leaves_it_failed(project):
    """A hook failing P1's call, then a teardown skip: the skip had overwritten the failure (passed, exit 0)."""
    conftest = rewriting("P1-", "call", 'report.outcome = "failed"; report.longrepr = "the team rule"')
    (project.root / "conftest.py").write_text(conftest + TEARDOWN_SKIPS_P1, encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "failed" and row["message"].startswith("pytest reported it failed: the team rule"), row
    assert ran.code == 1, ran.output


def test_an_error_before_the_check_stays_an_error_whatever_teardown_says(project):
    """A setup hook raising before the check, then a teardown skip: it had read skipped (exit 0). The error's own
    words, never its frame (`conftest.py:5: RuntimeError`)."""
    (project.root / "conftest.py").write_text("""
import pytest
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "P1-" in item.nodeid:
        raise RuntimeError("team setup broke before the check")
""" + TEARDOWN_SKIPS_P1, encoding="utf-8")
    ran = project.run("--env", "local", "-k", "P1")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "error", row
    assert row["message"] == "RuntimeError: team setup broke before the check", row["message"]
    assert ran.code == 10, ran.output
    assert "could not check — site: P1-healthy: RuntimeError: team setup broke before the check" in ran.output


def test_a_hook_failing_setup_after_a_failed_check_leaves_it_failed(project):
    (project.root / "conftest.py").write_text("""
import pytest
@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item):
    raise RuntimeError("team setup hook broke after the check")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed", row
    assert ("(and after the check, the check's setup then failed: RuntimeError: team setup hook broke after the"
            " check)") in row["message"], row["message"]
    assert ran.code == 1, ran.output


def test_an_item_a_plugin_reports_passed_without_its_check_is_an_error_named_from_its_checklist(project):
    """A protocol of a plugin's own logs setup and call passed, and no teardown: it had been archived passed, with no
    key."""
    (project.root / "conftest.py").write_text("""
import pytest
from _pytest.reports import TestReport

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if "F1-" not in item.nodeid:
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for when in ("setup", "call"):
        item.ihook.pytest_runtest_logreport(report=TestReport(item.nodeid, item.location, {}, "passed", None, when))
    return True
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "error" and row["key"] == "F1-broken", row
    assert row["message"].startswith("not checked: pytest reported it passed"), row["message"]
    assert ran.code == 10, ran.output


def test_a_manual_item_whose_setup_a_hook_rewrote_is_an_error_never_a_failure(project):
    project.checklist("site", ITEMS + """
- {id: M1, name: by-hand, section: S, title: checked by hand, family: manual, reason: a person looks}
""")
    conftest = rewriting("M1-", "setup", 'report.outcome = "passed"; report.longrepr = None')
    (project.root / "conftest.py").write_text(conftest, encoding="utf-8")
    ran = project.run("--env", "local", "-m", "manual or postdeploy")
    row = ran.rows()["M1-by-hand"]
    assert row["status"] == "error", row
    assert row["message"].startswith("not run: its setup did not end passed (a hook rewrote pytest's report of it) "
                                     "(its check had ended skipped)"), row["message"]


def test_in_the_checks_layout_a_rewritten_setup_says_the_item_was_not_run(project):
    """The same in a family module's test: the fixture it asks for was never made, and its message had been pytest's
    `KeyError: 'checked'`."""
    project.checklist("site", ITEMS + """
- {id: M1, name: by-hand, section: S, title: checked by hand, family: manual, reason: a person looks}
""")
    checks_layout(project)
    with open(project.root / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(rewriting("M1-", "setup", 'report.outcome = "passed"; report.longrepr = None'))
    ran = project.run("--env", "local", "-m", "manual or postdeploy")
    row = ran.rows()["M1-by-hand"]
    assert row["status"] == "error", row
    assert row["message"].startswith("not run: its setup did not end passed (a hook rewrote pytest's report of it) "
                                     "(its check had ended skipped)"), row["message"]
    assert "KeyError" not in ran.output, ran.output[-3000:]


def test_a_waived_item_whose_teardown_failed_is_an_error_its_waiver_applied(project):
    """The check ended waived; its teardown then failed: an error (as after a pass), and the waiver is not said
    "not applied" (the check applied it)."""
    (project.root / "waivers").mkdir()
    (project.root / "waivers" / "local.yaml").write_text(
        "waivers:\n- {system: site, item: F1, reason: known, approver: a, ticket: T-1, expires: 2099-12-31}\n")
    (project.root / "conftest.py").write_text("""
def pytest_runtest_teardown(item, nextitem):
    if "F1-" in item.nodeid:
        raise RuntimeError("the team's teardown broke")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "error", row
    assert "teardown failed: RuntimeError: the team's teardown broke (its check had ended waived)" in row["message"]
    assert "waiver not applied" not in ran.output, ran.output
    assert ran.code == 10, ran.output


def test_a_hook_raising_in_logreport_leaves_the_items_never_reported_said_not_checked(project):
    (project.root / "conftest.py").write_text("""
def pytest_runtest_logreport(report):
    if "F1-" in report.nodeid and report.when == "call":
        raise RuntimeError("the team's reporter broke")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    assert ran.code == 3, ran.output  # pytest's internal error
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    assert results["interrupted"] is True, results.get("interrupted")
    assert any(r.get("key") == "P1-healthy" and r["status"] == "skipped" for r in results["checks"]), results["checks"]


def test_an_item_reported_again_is_judged_by_its_last_attempt(project):
    """A plugin running each item twice (as a rerun plugin does), the first attempt broken before the check: the
    second attempt's verdict counts (F1 failed, P1 passed; they had been read as errors, exit 10)."""
    (project.root / "conftest.py").write_text("""
import pytest
from _pytest.runner import runtestprotocol

SEEN = set()

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.nodeid not in SEEN:
        SEEN.add(item.nodeid)
        raise ConnectionError("token service blinked")

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    runtestprotocol(item, nextitem=nextitem, log=True)
    runtestprotocol(item, nextitem=nextitem, log=True)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
""", encoding="utf-8")
    ran = project.run("--env", "local")
    rows = ran.rows()
    assert (rows["F1-broken"]["status"], rows["P1-healthy"]["status"]) == ("failed", "passed"), rows
    assert ran.code == 1, ran.output


def test_a_teams_own_test_beside_the_checklists_keeps_pytests_outcome(project):
    (project.root / "test_team.py").write_text("""
def test_team_rule():
    assert 1 + 1 == 2

def test_team_rule_broken():
    assert 1 + 1 == 3, "the team rule broke"
""", encoding="utf-8")
    ran = project.run("--env", "local", "checklists", "test_team.py")
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    team = {r["nodeid"].rpartition("::")[2]: r for r in records if r["nodeid"].startswith("test_team.py")}
    assert (team["test_team_rule"]["status"], team["test_team_rule_broken"]["status"]) == ("passed", "failed"), team
    assert ran.code == 1, ran.output  # F1 and the team's rule fail the run; nothing "could not be checked"
    assert "could not check" not in ran.output, ran.output


def test_an_interrupted_call_says_nothing_pytest_did_not_say(project):
    """Ctrl-C in F1's call: its check had failed; no "pytest reported it passed" (pytest reported no call)."""
    (project.root / "conftest.py").write_text("""
def pytest_runtest_call(item):
    if "F1-" in item.nodeid:
        raise KeyboardInterrupt
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed" and "pytest reported it" not in row["message"], row


def test_a_teardown_error_beside_a_hooks_failure_of_a_passed_check_is_said(project):
    conftest = rewriting("P1-", "call", 'report.outcome = "failed"; report.longrepr = "the team rule"')
    (project.root / "conftest.py").write_text(conftest + P1_TEARDOWN_BREAKS, encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "failed", row
    assert "(and after the check, teardown failed: RuntimeError: the team's fixture broke in teardown)" in \
        row["message"], row["message"]


def test_a_teams_test_interrupted_in_its_call_is_never_passed(project):
    (project.root / "test_team.py").write_text("""
def test_team_rule():
    raise KeyboardInterrupt
""", encoding="utf-8")
    ran = project.run("--env", "local", "test_team.py", "checklists")
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    team = next(r for r in records if r["nodeid"] == "test_team.py::test_team_rule")
    assert team["status"] == "skipped", team


def test_a_teams_test_parametrized_with_an_items_key_is_no_checklist_item(project):
    """A team's own test whose id holds P1's key had been taken for P1: an error, and an "engine bug" line."""
    (project.root / "test_team.py").write_text("""
import pytest

@pytest.mark.parametrize("key", ["P1-healthy"])
def test_runbook_has_owner(key):
    assert False, "the team rule broke for " + key
""", encoding="utf-8")
    ran = project.run("--env", "local", "checklists", "test_team.py")
    assert ran.code == 1, ran.output
    assert "engine bug" not in ran.output and "could not check" not in ran.output, ran.output
    rows = ran.rows()
    assert rows["P1-healthy"]["status"] == "passed", rows


def test_only_a_family_modules_own_test_names_a_checklist_item():
    """The family is the module's (as the run collected it: `FAMILY`, whatever its test is called), never a team's
    test named like one; where nothing was collected (xdist's controller), the module `checks/test_<family>.py`."""
    from opsverify.archive import _check_of

    from .kit import make_check

    web = make_check("http", {"service": "web", "path": "/"}, item="J7", name="web-up")
    collected = {"http": "checks/test_http.py::test_web"}
    assert _check_of("checks/test_http.py::test_web[J7-web-up[demo]]", [web], collected) is web  # renamed test
    assert _check_of("checks/test_team.py::test_http[J7-web-up[demo]]", [web], collected) is None  # a team's
    assert _check_of("checks/test_http.py::test_web[J7-web-up[demo]]", [web]) is web  # the controller, by module
    assert _check_of("checks/test_team.py::test_http[J7-web-up]", [web]) is None


DIES_AFTER_REPORTING = """
import os
def pytest_runtest_logfinish(nodeid, location):
    if "{node}" in nodeid and os.environ.get("PYTEST_XDIST_WORKER"):  # every report of the item has gone out
        os._exit(3)
"""


@pytest.mark.parametrize(("node", "waived", "status", "code"), [
    ("F1-", False, "failed", 1), ("F1-", True, "error", 10), ("P1-", False, "error", 10)],
    ids=["failed", "waived", "passed"])
def test_a_worker_dying_after_its_item_was_reported_is_said_beside_the_items_verdict(project, node, waived, status,
                                                                                     code):
    """The worker dies once the item's setup, call and teardown were all reported: xdist's crash report came for an
    item that had ended, and was taken for a rerun's first report — the item's verdict wiped, a failure archived as
    "could not look", exit 10, and a waiver applied said "not applied". The crash is said beside the verdict, as a
    teardown's error is: a failure stands (exit 1); after a waived or passed check the item is an error."""
    checks_layout(project)
    with open(project.root / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(DIES_AFTER_REPORTING.replace("{node}", node))
    if waived:
        (project.root / "waivers").mkdir()
        (project.root / "waivers" / "local.yaml").write_text(
            "waivers:\n- {system: site, item: F1, reason: known, approver: a, ticket: T-1, expires: 2099-12-31}\n")
    ran = project.run("--env", "local", "-n", "2", "-k", node[:2])  # the item alone: its outcome decides the run
    row = ran.rows()[f"{node}broken" if node == "F1-" else f"{node}healthy"]
    assert row["status"] == status, row
    assert ran.code == code, ran.output
    if status == "failed":
        assert row["message"].startswith("F1-broken "), row["message"]  # the check's own words
        assert "(and after the check, the worker running it stopped (worker 'gw" in row["message"], row["message"]
    else:
        assert row["message"].startswith("the worker running it stopped (worker 'gw"), row["message"]
        assert f"(its check had ended {'waived' if waived else 'passed'})" in row["message"], row["message"]
    if waived:
        assert row.get("waiver", {}).get("ticket") == "T-1", row
        assert "waiver not applied" not in ran.output, ran.output


def test_under_xdist_a_teams_test_module_named_like_a_family_module_is_no_checklist_item(project):
    """xdist's controller collects nothing, so it knows a family module by its place, `checks/test_<family>.py`: a
    team's own `tests/test_http.py` whose parameter id is an item's key had been taken for that item — a second
    result of it, "engine bug: … ran 2 times", exit 10."""
    checks_layout(project, ini=False)
    (project.root / "tests").mkdir()
    (project.root / "tests" / "__init__.py").write_text("", encoding="utf-8")
    (project.root / "tests" / "test_http.py").write_text("""
import pytest

@pytest.mark.parametrize("case", ["P1-healthy"])
def test_http(case):
    assert case
""", encoding="utf-8")
    ran = project.run("--env", "local", "-n", "2", "-k", "P1", "checks", "tests")
    assert ran.code == 0, ran.output
    assert "engine bug" not in ran.output and "could not check" not in ran.output, ran.output
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    team = next(r for r in records if r["nodeid"] == "tests/test_http.py::test_http[P1-healthy]")
    assert (team["status"], team["key"]) == ("passed", None), team
    assert ran.rows()["P1-healthy"]["status"] == "passed"


def test_xdists_controller_takes_only_a_checks_module_for_a_family_module():
    from opsverify.archive import _check_of

    from .kit import make_check

    web = make_check("http", {"service": "web", "path": "/"}, item="J7", name="web-up")
    assert _check_of("checks/test_http.py::test_http[J7-web-up[demo]]", [web]) is web
    assert _check_of("ops/checks/test_http.py::test_http[J7-web-up[demo]]", [web]) is web  # rootdir above the project
    assert _check_of("tests/test_http.py::test_http[J7-web-up]", [web]) is None  # a team's module, named alike
    assert _check_of("test_http.py::test_http[J7-web-up]", [web]) is None


RERUNS_THE_TEAMS_TEST_ONCE = """
import pytest
from _pytest.runner import runtestprotocol

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):  # as pytest-rerunfailures (--reruns 1) runs a failed test again
    if "test_team" not in item.nodeid:
        return None
    for attempt in (1, 2):
        item.execution_count = attempt
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        again = attempt == 1 and any(report.failed for report in reports)
        for report in reports:
            if again and report.failed:
                report.outcome = "rerun"  # its word for a failed attempt it will make again
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        if not again:
            break
    return True
"""


@pytest.mark.parametrize(("second", "status"), [
    ("raise KeyboardInterrupt  # Ctrl-C during the second attempt", "skipped"),
    ("assert False, 'still broken'", "failed"), ("return", "passed")], ids=["interrupted", "failed", "passed"])
def test_a_teams_test_run_again_is_what_its_last_attempt_says(project, second, status):
    """A team's test that failed, reported "rerun", and whose second attempt was interrupted had been archived passed:
    a rerun plugin's "rerun" is no outcome, and an attempt pytest reported nothing of is never passed."""
    (project.root / "conftest.py").write_text(RERUNS_THE_TEAMS_TEST_ONCE, encoding="utf-8")
    (project.root / "test_team.py").write_text(f"""
def test_team_rule(request):
    if request.node.execution_count > 1:
        {second}
    assert False, "the team rule broke"
""", encoding="utf-8")
    ran = project.run("--env", "local", "test_team.py", "checklists", "-k", "team or P1")
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    team = next(r for r in records if r["nodeid"] == "test_team.py::test_team_rule")
    assert team["status"] == status, team
    assert ran.code == {"skipped": 2, "failed": 1, "passed": 0}[status], ran.output
    if status == "skipped":
        assert team["message"] == ("not run to its end: an attempt failed (AssertionError: the team rule broke), "
                                   "and pytest reported no outcome of the attempt made again"), team["message"]


# -- what could not be decided beside a failure: could-not-check as well, said why -----------------------------------
UNDECIDED_ITEMS = ITEMS + """
- {id: U1, name: latin, section: S, title: the latin page answers, family: http, cadence: postdeploy, severity: minor,
   params: {service: web, path: /latin, body_includes: ["données"]}}
"""


def test_a_minor_failure_with_a_part_not_judged_ends_the_run_10_saying_why(project):
    """U1 fails (500) and its body rule could not be judged (a byte no charset reads); --fail-on critical lets the
    failure pass, the part not judged does not: exit 10 — and the summary had named no cause ("0 error"), nor the
    current waiver the check refused for it (neither "waiver not applied" nor the manifest's waivers_not_applied)."""
    project.checklist("site", UNDECIDED_ITEMS)
    (project.root / "waivers").mkdir()
    (project.root / "waivers" / "local.yaml").write_text(
        "waivers:\n- {system: site, item: U1, reason: known, approver: a, ticket: T-1, expires: 2099-12-31}\n")
    ran = project.run("--env", "local", "-k", "U1 or P1", "--fail-on", "critical")
    assert ran.code == 10, ran.output
    row = ran.rows()["U1-latin"]
    assert row["status"] == "failed" and row["evidence"]["undecided"] and "waiver" not in row, row
    line = next((line for line in ran.output.splitlines() if line.startswith("could not check — site: U1-")), "")
    assert line.startswith("could not check — site: U1-latin (beside its failure): 1 could not be judged: the body "
                           "holds bytes"), ran.output
    assert ("waiver not applied — waivers/local.yaml: site U1 failed with a part that could not be judged; its "
            "waiver (T-1, until 2099-12-31) accepts a failure, not what could not be judged beside it") in ran.output, \
        ran.output
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert [(w["item"], w["outcomes"]) for w in manifest["waivers_not_applied"]] == [
        ("U1", ["failed with a part that could not be judged"])], manifest["waivers_not_applied"]


def test_an_error_after_a_failure_fail_on_lets_pass_ends_the_run_10_saying_why(project):
    """F1 (critical) fails, then its teardown errs; --fail-on blocker lets the failure pass. The error had been only
    words in F1's message: exit 0, "0 error", while pytest said "1 error" — and the same error beside a passed check
    ends the run 10. What went wrong after the check is could-not-check, as a part not judged is."""
    (project.root / "conftest.py").write_text("""
def pytest_runtest_teardown(item, nextitem):
    if "F1-" in item.nodeid:
        raise RuntimeError("the team's teardown broke")
""", encoding="utf-8")
    ran = project.run("--env", "local", "--fail-on", "blocker", "-k", "F1")
    assert ran.code == 10, ran.output
    row = ran.rows()["F1-broken"]
    assert row["status"] == "failed", row  # the failure stands: the error is said beside it
    assert ("could not check — site: F1-broken (beside its failure): after the check, teardown failed: RuntimeError: "
            "the team's teardown broke") in ran.output, ran.output


def test_the_summary_names_a_teams_own_test_by_its_node_id(project):
    """A team's failing test had been listed "failed — None: None (None)": it has no system, id or severity."""
    (project.root / "test_team.py").write_text("""
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("the team's fixture broke")

def test_team_rule_broken():
    assert 1 + 1 == 3, "the team rule broke"

def test_team_rule_unready(broken):
    pass
""", encoding="utf-8")
    ran = project.run("--env", "local", "checklists", "test_team.py", "-k", "team or P1")
    assert ran.code == 1, ran.output
    summary = ran.output.split("= opsverify =", 1)[1]
    assert "failed — test_team.py::test_team_rule_broken\n" in summary, summary
    assert "could not check — test_team.py::test_team_rule_unready: RuntimeError: the team's fixture broke" in summary, \
        summary
    assert "None" not in summary, summary


def test_a_run_that_selected_only_the_teams_own_tests_checked_nothing(project):
    """`-k smoke` taking in only the team's own tests: no checklist item was checked, as a run of only manual items
    checks none — exit 5 and no archive (it had sealed an archive of no item into the env's chain, exit 0), saying
    why. A failing one still fails the run (pytest's 1)."""
    (project.root / "test_team.py").write_text("""
def test_smoke():
    assert True

def test_smoke_broken():
    assert False, "the team's smoke test broke"
""", encoding="utf-8")
    ran = project.run("--env", "local", "checklists", "test_team.py", "-k", "smoke and not broken")
    assert ran.code == 5, ran.output
    assert ("opsverify: no archive: no check was selected (only the project's own tests: 1 ran, whose outcome is "
            "pytest's)") in ran.output, ran.output
    assert not (project.root / "reports").exists() or not any((project.root / "reports").rglob("*"))
    failing = project.run("--env", "local", "checklists", "test_team.py", "-k", "smoke")
    assert failing.code == 1, failing.output


@pytest.mark.parametrize("where", ["another-checks-folder", "the-family-module"])
def test_under_xdist_a_teams_test_in_a_checks_folder_is_told_by_its_unmarked_reports(project, where):
    """A team's test in a `checks/` folder of its own (or beside the family's test in its module), parametrized with
    an item's key, had been taken for that item by xdist's controller: its failure became the item's "could not
    check", exit 10. The plugin marks every report of a checklist item; a test whose reports come unmarked is the
    team's, whatever its module and parameters are called."""
    checks_layout(project, ini=False)
    team = """
import pytest

@pytest.mark.parametrize("case", ["P1-healthy"])
def test_http{suffix}(case):
    assert case == "never", "team case failed"
"""
    if where == "the-family-module":
        with open(project.root / "checks" / "test_http.py", "a", encoding="utf-8") as module:
            module.write(team.replace("import pytest\n", "import pytest  # noqa\n").format(suffix="_cases"))
        paths = ["checks"]
        team_id = "checks/test_http.py::test_http_cases[P1-healthy]"
    else:
        (project.root / "smoke" / "checks").mkdir(parents=True)
        for folder in ("smoke", "smoke/checks"):
            (project.root / folder / "__init__.py").write_text("", encoding="utf-8")
        (project.root / "smoke" / "checks" / "test_http.py").write_text(team.format(suffix=""), encoding="utf-8")
        paths = ["checks", "smoke"]
        team_id = "smoke/checks/test_http.py::test_http[P1-healthy]"
    ran = project.run("--env", "local", "-n", "2", "-k", "P1", *paths)
    assert ran.code == 1, ran.output
    assert "engine bug" not in ran.output and "could not check" not in ran.output, ran.output
    assert f"failed — {team_id}" in ran.output, ran.output
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    row = next(r for r in records if r["nodeid"] == team_id)
    assert (row["status"], row["key"]) == ("failed", None), row
    assert ran.rows()["P1-healthy"]["status"] == "passed"


# a conftest's makereport wrappers marked tryfirst: registered after the plugin, they sit outside its wrapper and have
# the last word on the report pytest logs
REPORTS_REBUILT_OUTSIDE_THE_PLUGIN = {
    # a "quarantine" helper: each report of F1 built afresh (no user properties), its failing call made a skip
    "one-items-reports-rebuilt": """
import pytest
from _pytest.reports import TestReport

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if "F1-" not in item.nodeid:
        return report
    outcome, longrepr = report.outcome, report.longrepr
    if report.failed and report.when == "call":
        outcome, longrepr = "skipped", (str(item.path), 0, "Skipped: quarantined")
    return TestReport(report.nodeid, report.location, report.keywords, outcome, longrepr, report.when)
""",
    # every report of every item made passed, its user properties cleared
    "every-report-cleared": """
import pytest

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome, report.longrepr, report.user_properties = "passed", None, []
    return report
""",
}


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
@pytest.mark.parametrize("conftest", sorted(REPORTS_REBUILT_OUTSIDE_THE_PLUGIN))
def test_a_report_rebuilt_outside_the_plugins_wrapper_keeps_the_checks_verdict(project, conftest, workers):
    """The check's record had ridden only on the report: a rebuilt one had F1's failure archived skipped (exit 0),
    under xdist F1 taken for a team's own test (not archived as a check: exit 0, or 5 where every report was
    cleared). The verdict is read where the engine kept it (verdicts), never off the report."""
    (project.root / "conftest.py").write_text(REPORTS_REBUILT_OUTSIDE_THE_PLUGIN[conftest], encoding="utf-8")
    ran = project.run("--env", "local", *workers)
    assert ran.code == 1, f"F1 failed its check, so the run ends 1; it ended {ran.code}:\n{ran.output[-3000:]}"
    rows = ran.rows()
    assert set(rows) == {"F1-broken", "P1-healthy"}, f"expected both checklist items archived; saw {sorted(rows)}"
    assert rows["F1-broken"]["status"] == "failed", f"F1 expected failed; saw {rows['F1-broken']}"
    assert "pytest reported it" in rows["F1-broken"]["message"], rows["F1-broken"]["message"]
    assert rows["P1-healthy"]["status"] == "passed", f"P1 expected passed; saw {rows['P1-healthy']}"
    assert "1 passed, 1 failed, 0 waived, 0 skipped, 0 error" in ran.output, ran.output[-3000:]
    junit = next(ran.archive().glob("**/*.xml")).read_text(encoding="utf-8")
    assert junit.count("<failure") == 1 and "<skipped" not in junit, junit


def test_a_workers_kept_verdict_reaches_the_controller_sealed_and_an_altered_one_is_refused(tmp_path):
    """Under xdist the worker keeps the record in the run's private folder, sealed; the controller reads it there,
    never a file changed since; a node id the workers collected as no item is a team's own test."""
    from opsverify.verdicts import VerdictAltered, Verdicts

    worker, controller = Verdicts(tmp_path), Verdicts(tmp_path)
    worker.name_items({"checklists/site.yaml::F1-broken": "site/F1-broken"}, "gw0")
    assert controller.named_items("gw0") and not controller.named_items("gw1"), "gw1 said nothing there"
    worker.keep("checklists/site.yaml::F1-broken", '{"status": "failed"}')
    assert controller.record_of("checklists/site.yaml::F1-broken") == '{"status": "failed"}'
    assert controller.record_of("checklists/site.yaml::P1-healthy") is None  # its check never ran
    assert controller.item_of("checklists/site.yaml::F1-broken") == "site/F1-broken"
    assert controller.item_of("test_team.py::test_rule") == "", "a node id no worker collected as an item is no item"
    assert b"failed" not in b"".join(path.read_bytes() for path in tmp_path.iterdir()), "the files are sealed"
    (kept,) = tmp_path.glob("verdict-*.json")
    kept.write_bytes(kept.read_bytes()[:-1] + bytes([kept.read_bytes()[-1] ^ 1]))
    with pytest.raises(VerdictAltered, match=f"the run-private file {kept.name} was altered"):
        controller.record_of("checklists/site.yaml::F1-broken")
    assert Verdicts(None).item_of("checklists/site.yaml::F1-broken") is None, "no folder: the reports' marks tell"


def test_a_workers_file_removed_while_the_controller_reads_the_folder_reads_as_never_kept(tmp_path):
    """A team's test removing the run's files between the controller listing the folder and reading a file (here: a
    list of items whose file is gone as it is read) ended the run INTERNALERROR (FileNotFoundError), exit 3."""
    from opsverify.verdicts import Verdicts

    Verdicts(tmp_path).name_items({"checklists/site.yaml::F1-broken": "site/F1-broken"}, "gw0")
    (tmp_path / "items-gw1.json").symlink_to(tmp_path / "removed")  # listed by the controller, gone as it is read
    controller = Verdicts(tmp_path)
    assert controller.item_of("checklists/site.yaml::F1-broken") == "site/F1-broken", "gw0's list still tells"
    (tmp_path / "items-gw0.json").unlink()
    assert Verdicts(tmp_path).item_of("checklists/site.yaml::F1-broken") is None, "no list left: the marks tell"
    assert controller.record_of("checklists/site.yaml::F1-broken") is None, "a verdict never kept, or removed"


# -- a record riding on a report is a conftest's: the check's is where its run kept it ------------------------------
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
@pytest.mark.parametrize("value", ["1.0", "{}", '{"system": "site", "key": "P1-healthy", "status": "passed"}'],
                         ids=["number", "object", "a-checks-record"])
def test_a_teams_own_property_named_opsverify_is_no_verdict(project, workers, value):
    """record_property("opsverify", …) on a team's own test was read as a check's record: the archive's end crashed
    (a number), the hook raised (an object), or the test stood as P1 beside P1 ('engine bug: ran 2 times')."""
    (project.root / "test_team.py").write_text(
        f"def test_team(record_property):\n    record_property('opsverify', {value!r})\n", encoding="utf-8")
    ran = project.run("--env", "local", "checklists", "test_team.py", *workers)
    assert "Traceback" not in ran.output and "INTERNALERROR" not in ran.output, ran.output[-3000:]
    records = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))["checks"]
    team = next(r for r in records if r["nodeid"] == "test_team.py::test_team")
    assert team["status"] == "passed" and not team.get("key"), team
    assert ran.statuses() == {"F1-broken": "failed", "P1-healthy": "passed"}, ran.output[-3000:]
    assert ran.code == 1 and "ran 2 times" not in ran.output, ran.output[-3000:]


FORGED_BEFORE_THE_CHECK = """
import json, pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "F1-" in item.nodeid:
        pytest.skip("quarantined")

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if "F1-" in item.nodeid:
        record = {"system": "site", "id": "F1", "key": "F1-broken", "status": "passed", "message": "ok"}
        report.outcome, report.longrepr = "passed", None
        report.user_properties = [("opsverify", json.dumps(record))]
    return report
"""


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_record_a_conftest_puts_on_the_reports_of_an_item_never_checked_is_not_its_verdict(project, workers):
    """F1's target is broken; a conftest skips it before its check and marks its reports passed with a record of its
    own making: it was archived passed, exit 0 (serially; under xdist the shared folder held no verdict for it)."""
    (project.root / "conftest.py").write_text(FORGED_BEFORE_THE_CHECK, encoding="utf-8")
    ran = project.run("--env", "local", *workers)
    row = ran.rows()["F1-broken"]
    assert row["status"] != "passed" and ran.code != 0, (row, ran.output[-3000:])


@pytest.mark.parametrize("sent", ["SIGTERM", "SIGINT"])
def test_a_signal_between_a_failed_check_and_its_first_report_keeps_the_failure(project, sent):
    """Serially, a signal after F1's check had decided failed (its verdict kept) but before pytest reported its setup:
    F1 was archived 'skipped: … no verdict recorded', the run interrupted (2) — README: a run stopped after a check
    failed exits 1 (under -n 2 the same moment already read the verdict kept)."""
    (project.root / "conftest.py").write_text(f"""
import os, signal, pytest

@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item):
    if "F1-" in item.nodeid:
        os.kill(os.getpid(), signal.{sent})
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["F1-broken"]
    assert (row["status"], ran.code) == ("failed", 1), (row, ran.output[-3000:])


def test_a_teams_test_in_a_folder_whose_name_is_not_utf8_is_archived(project):
    """Linux names a folder with any bytes; pytest names its test with a surrogate ('team\\udcff/test_a.py'): its
    Allure history id could not be hashed (UnicodeEncodeError) — a traceback at the end, and no archive."""
    import os
    import subprocess
    import sys

    from .helpers import UNUSED_PLUGINS

    folder = os.path.join(os.fsencode(project.root), b"team\xff")
    os.mkdir(folder)
    with open(os.path.join(folder, b"test_a.py"), "w", encoding="utf-8") as written:
        written.write("def test_a():\n    pass\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "--env", "local",
                           "--import-mode=importlib", "checklists", os.fsdecode(b"team\xff")], cwd=project.root,
                          env={**environ, **project.variables}, capture_output=True, timeout=240)  # bytes: it prints them
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert "Traceback" not in output, output[-3000:]
    (archive,) = [p for p in (project.root / "reports" / "local").iterdir() if not p.name.startswith(".")]
    records = json.loads((archive / "results.json").read_text(encoding="utf-8"))["checks"]
    assert [r["status"] for r in records if r["nodeid"].endswith("test_a.py::test_a")] == ["passed"], records


def test_workers_sharing_the_runs_folder_beside_one_apart_each_keep_their_verdicts(tmp_path):
    """`--tx popen --tx popen//env:OPSVERIFY_SHARED_OUTCOMES=`: one worker keeps its verdicts in the run's folder, the
    other (as a `--tx socket` one) apart from it, on its reports. The first's map of what it collected made the
    controller ignore the second's reports: its failing items were archived 'could not check', its passing ones
    'pytest reported it passed, but its check never ran' — exit 10 where 1."""
    project = Project(tmp_path)
    (tmp_path / "app.env").write_text("PRESENT=1\n", encoding="utf-8")
    project.checklist("shop", "".join(f"""
    - {{id: E{n}, name: item-{n}, section: S, title: a variable is set, family: env, cadence: postdeploy,
       params: {{service: app, required: [{'PRESENT' if n % 2 == 0 else 'MISSING'}]}}}}""" for n in range(12)))
    project.environment(f"systems:\n  shop: {{services: {{app: {{env: {{dotenv: '{tmp_path / 'app.env'}'}}}}}}}}\n")
    ran = project.run("-m", "postdeploy", "--env", "local", "--tx", "popen", "--tx",
                      "popen//env:OPSVERIFY_SHARED_OUTCOMES=", "--dist", "load")
    expected = {f"E{n}-item-{n}": "passed" if n % 2 == 0 else "failed" for n in range(12)}
    assert ran.statuses() == expected, ran.output[-3000:]
    assert ran.code == 1, ran.output[-3000:]


# a conftest that forges every report's record "passed", after making the worker keep nothing the controller reads in
# the run's shared folder — by dropping the folder's variable as it loads in the worker, or by removing the files
FORGES_PASSED = """
import json, pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    {before}
    properties = []
    for key, value in report.user_properties:
        if key == "opsverify":
            value = json.dumps({{**json.loads(value), "status": "passed", "message": "forged", "observed": "forged"}})
        if key != "{drop}":
            properties.append((key, value))
    report.user_properties = properties
    if report.failed:
        report.outcome, report.longrepr = "passed", None
"""
UNSHARED_BY_A_CONFTEST = {
    "variable-dropped": "import os\nos.environ.pop('OPSVERIFY_SHARED_OUTCOMES', None)\n"
                        + FORGES_PASSED.format(before="", drop=""),
    "variable-and-item-mark-dropped": "import os\nos.environ.pop('OPSVERIFY_SHARED_OUTCOMES', None)\n"
                                      + FORGES_PASSED.format(before="", drop="opsverify-item"),
    # and in the controller, each worker's spec then made one emptying the folder's variable, as it reports
    "spec-changed-in-the-controller": "import os\nos.environ.pop('OPSVERIFY_SHARED_OUTCOMES', None)\n"
                                      + FORGES_PASSED.format(before="", drop="") + """
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    spec = getattr(getattr(getattr(report, "node", None), "gateway", None), "spec", None)
    if spec is not None:
        spec.env["OPSVERIFY_SHARED_OUTCOMES"] = ""
""",
    "files-removed": "import os, pathlib\n" + FORGES_PASSED.format(before="""
    if "F1-" in item.nodeid and report.when == "setup":  # F1's verdict is kept, its first report not yet sent
        for kept in [*pathlib.Path(os.environ["OPSVERIFY_SHARED_OUTCOMES"]).glob("items-gw*.json"),
                     *pathlib.Path(os.environ["OPSVERIFY_SHARED_OUTCOMES"]).glob("verdict-*.json")]:
            kept.unlink(missing_ok=True)""", drop=""),
}


@pytest.mark.parametrize("conftest", sorted(UNSHARED_BY_A_CONFTEST))
def test_a_worker_started_sharing_the_folder_that_kept_nothing_there_is_not_trusted(project, conftest):
    """Under plain `-n 2` a conftest made each worker keep nothing in the run's shared folder (it dropped the folder's
    variable in the worker, or removed the worker's files), then forged its reports' records passed: the controller
    took a worker with no list of items there for one started apart from it, trusted the forged records, and archived
    F1's failure passed, exit 0. Whether a worker is apart is the controller's word (how it started it): F1 is an
    error naming why, never passed."""
    (project.root / "conftest.py").write_text(UNSHARED_BY_A_CONFTEST[conftest], encoding="utf-8")
    ran = project.run("--env", "local", "-n", "2")
    row = ran.rows()["F1-broken"]
    assert row["status"] == "error", f"F1 expected error (its worker kept nothing in the shared folder); saw {row}"
    assert "was started sharing the run's folder, but keeps nothing there" in row["message"], row
    assert row["message"].startswith("F1-broken the broken page answers: could not look: xdist worker gw"), row
    assert "forged" not in row["message"], row
    assert ran.statuses().get("P1-healthy") in ("passed", "error"), ran.output[-3000:]
    assert ran.code == 10, f"F1 could not be checked, so the run ends 10; it ended {ran.code}:\n{ran.output[-3000:]}"


def _declaring_a_token(tmp_path, web, secret: str) -> Project:
    """A project of ITEMS against `web` whose environment declares `secret` as the system's API_TOKEN."""
    project = Project(tmp_path, {"WEB_URL": web.url, "API_TOKEN": secret})
    project.checklist("site", ITEMS)
    project.environment("""
    timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
    systems: {site: {services: {web: {url: "${WEB_URL}"}}, secrets: {API_TOKEN: "${API_TOKEN}"}}}
    """)
    return project


def test_a_secret_in_what_skipped_a_checklist_items_test_is_masked_on_the_console(tmp_path):
    """A conftest fixture's `pytest.skip(f"token {token} is rotated")`: the archive's message was masked, pytest's own
    skip line (`-ra`'s short summary) printed the token."""
    secret = "Zq8rT3vLm9Xw2Kp7Nb4s"
    with MisbehavingHttp() as web:
        project = _declaring_a_token(tmp_path, web, secret)
        checks_layout(project)
        (tmp_path / "conftest.py").write_text((tmp_path / "conftest.py").read_text() + """
import os, pytest
@pytest.fixture(autouse=True)
def gate(request):
    if "F1-" in request.node.nodeid:
        pytest.skip("token " + os.environ["API_TOKEN"] + " is rotated")
""", encoding="utf-8")
        ran = project.run("--env", "local", "-ra")
    assert "is rotated" in ran.output, ran.output[-3000:]
    assert secret not in ran.output, [line for line in ran.output.splitlines() if secret in line]


@pytest.mark.parametrize("layout", ["checklists", "checks"])
@pytest.mark.parametrize("when", ["setup", "call", "teardown"])
def test_a_secret_in_what_a_hook_raised_for_a_checklist_item_is_masked_on_the_console(tmp_path, when, layout):
    """A conftest's `pytest_runtest_<when>` raising for a checklist item, its message quoting a declared secret: the
    archive masked it, pytest's report of it printed it (the `E   RuntimeError: …` line, -rA's short summary, -l's
    locals), as a team test's failure no longer does. The engine's own verdict of the failing item reads as before."""
    secret = "Zq9vK3mT7pLx2Wb8Rn4Y"
    with MisbehavingHttp() as web:
        project = _declaring_a_token(tmp_path, web, secret)
        if layout == "checks":
            checks_layout(project)
        conftest = tmp_path / "conftest.py"
        conftest.write_text((conftest.read_text() if conftest.exists() else "") + f"""
import os
def pytest_runtest_{when}(item):
    token = os.environ["API_TOKEN"]
    if "P1-" in item.nodeid:
        raise RuntimeError(f"cleanup call https://api.example/v1/reset?token={{token}} failed")
""", encoding="utf-8")
        ran = project.run("--env", "local", "-rA", "-l")
    assert "cleanup call https://api.example/v1/reset?token=" in ran.output, ran.output[-3000:]
    assert secret not in ran.output, [line for line in ran.output.splitlines() if secret in line]
    assert "F1-broken the broken page answers: expected " in ran.output, ran.output[-3000:]


def test_an_item_pytest_left_unset_up_after_the_items_teardown_before_it_failed_says_why(project):
    """A team's teardown hook raising on F1 leaves pytest's setup stack up: pytest fails the next item's setup with
    its bare 'previous item was not torn down properly'. The error names the item before it and its teardown's
    cause, so an on-call engineer knows which hook to look at."""
    (project.root / "conftest.py").write_text("""
def pytest_runtest_teardown(item, nextitem):
    if "F1-" in item.nodeid:
        raise RuntimeError("the team's fixture broke in teardown")
""", encoding="utf-8")
    ran = project.run("--env", "local")
    row = ran.rows()["P1-healthy"]
    assert row["status"] == "error", row
    assert "F1-broken" in row["message"] and "the team's fixture broke in teardown" in row["message"], row["message"]
    line = next(line for line in ran.output.splitlines() if "could not check" in line and "P1" in line)
    assert "F1-broken" in line, line
