"""What a run leaves behind names every item it selected, run or not: an interrupted run records each item that
never ran as skipped ("not checked: ..."), and a module that could not be collected is an error, in results.json,
junit.xml and allure-results alike — a CI's test view or the report never reads "all passed" for such a run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.cli import main

from .helpers import UNUSED_PLUGINS, interruptible
from .kit import route_server
from .test_interrupted_items import held_call_project, interrupted_once_posted
from .runbook import CANARY, OUTCOMES, make_runbook, read_json

NOT_RUN = "not reported: the run was interrupted before this item was reached; no verdict recorded"
RUNNING = "not reported: the run was interrupted while this item ran; no verdict recorded"  # it had started
SELECTED = ["S1", "S2", "S3", "S10", "S4", "S7", "T1"]  # the runbook's postdeploy items, in runbook order

# a conftest.py whose run gets Ctrl-C as S2 (critical, would fail) is about to be checked: serially, to the run
# itself; under xdist, from the worker about to check it to the controller, as a terminal's Ctrl-C reaches it
CTRL_C_AT_S2 = ("import os, signal, pytest\n"
                "@pytest.hookimpl(tryfirst=True)\n"
                "def pytest_runtest_setup(item):\n"
                "    if item.name.startswith('S2-'):\n"
                "        if hasattr(item.config, 'workerinput'):\n"
                "            os.kill(os.getppid(), signal.SIGINT)\n"
                "        else:\n"
                "            signal.raise_signal(signal.SIGINT)\n")

# a conftest.py whose run gets Ctrl-C as collection ends: the items are selected, none has run
CTRL_C_AS_COLLECTION_ENDS = ("import signal\n"
                             "def pytest_collection_finish(session):\n"
                             "    signal.raise_signal(signal.SIGINT)\n")


def _run(runbook, *args: str, marks: str = "postdeploy") -> subprocess.CompletedProcess:
    """The runbook's run (`python -m pytest checklists --env fx -m postdeploy`), with Ctrl-C as a terminal gives it."""
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p", "no:cacheprovider",
               "-m",
               marks, "--reports-dir", str(runbook.reports), *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "GITHUB_", "CI", "PYTEST_"))}
    return subprocess.run(command, cwd=runbook.root, capture_output=True, text=True, timeout=240,
                          env={**clean, **runbook.variables()}, preexec_fn=interruptible)


def _junit_cases(archive: Path) -> tuple[dict[str, str], dict[str, ET.Element]]:
    """The testsuite's attributes, and its testcases by name (each named once: an item listed twice is a bug)."""
    suite = ET.parse(archive / "junit.xml").getroot().find("testsuite")
    names = [case.get("name") for case in suite.findall("testcase")]
    assert len(names) == len(set(names)), f"a testcase listed twice: {sorted(names)}"
    return dict(suite.attrib), {case.get("name"): case for case in suite.findall("testcase")}


def _allure_results(archive: Path) -> dict[str, dict]:
    """Each Allure result by the first word of its name (an item's key, or a module's path); no two share a name or
    a historyId (Allure would show one item's two results as a retry)."""
    results = {}
    for path in (archive / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        name = result["name"].split(" ", 1)[0]
        assert name not in results, f"two Allure results for {name}"
        results[name] = result
    history = [result["historyId"] for result in results.values()]
    assert len(history) == len(set(history)), f"two Allure results share a historyId: {sorted(history)}"
    return results


def _environment_panel(archive: Path) -> dict[str, str]:
    text = (archive / "allure-results" / "environment.properties").read_text(encoding="ascii")
    return dict(line.split("=", 1) for line in text.splitlines())


def test_an_interrupted_runs_archive_records_every_item_it_never_ran_as_skipped(tmp_path):
    """Ctrl-C as S2 starts: S1 ran; S2 (a critical failure) was interrupted as it started, S3, S10, S4, S7 and T1
    never started. results.json, junit.xml and allure-results list each of them as skipped, not checked, beside what
    ran — never 1 of 1 passed — and the report's environment panel says the run was interrupted; the archive still
    verifies."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(CTRL_C_AT_S2)
    result = _run(runbook)
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"], manifest["ran"]) == (True, 7, 1)

    results = read_json(archive / "results.json")
    assert [row["id"] for row in results["checks"]] == SELECTED
    checks = {row["id"]: row for row in results["checks"]}
    assert checks["S1"]["status"] == "passed"
    said = {item: RUNNING if item == "S2" else NOT_RUN for item in SELECTED[1:]}
    for item in SELECTED[1:]:
        assert (checks[item]["status"], checks[item]["message"]) == ("skipped", said[item]), checks[item]
        assert checks[item]["severity"] and checks[item]["title"] and checks[item]["system"]
    assert results["counts"] == {"passed": 1, "failed": 0, "waived": 0, "skipped": 6, "error": 0}
    assert manifest["counts"] == results["counts"]  # one archive, one count (`ran` says how many ran)

    suite, cases = _junit_cases(archive)
    assert (suite["tests"], suite["failures"], suite["errors"], suite["skipped"]) == ("8", "0", "0", "7")  # S5: manual
    for item in SELECTED[1:]:
        key = checks[item]["key"]
        skipped = cases[key].find("skipped")
        assert skipped is not None and skipped.get("message") == said[item], ET.tostring(cases[key])

    allure = _allure_results(archive)
    assert sorted(allure) == sorted([*(row["key"] for row in results["checks"]), "S5-incident-call"])
    for item in SELECTED[1:]:
        result = allure[checks[item]["key"]]
        assert result["status"] == "skipped" and said[item] in result["statusDetails"]["message"], result
    assert _environment_panel(archive)["interrupted"] == "ran 1 of 7 selected items; the other 6 were not checked"
    assert main(["verify", str(archive)]) == exitcodes.OK


def test_an_item_interrupted_after_its_check_was_decided_is_recorded_as_decided(tmp_path):
    """Ctrl-C after S2's check was decided (failed, in setup) but before pytest reported its verdict: S2 is in the
    archive as the failure it is — never as the "passed" of its setup alone — and the run exits 1 for it."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(CTRL_C_AT_S2.replace("pytest_runtest_setup", "pytest_runtest_call"))
    result = _run(runbook)
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = runbook.archives()
    checks = {row["id"]: row for row in read_json(archive / "results.json")["checks"]}
    assert (checks["S1"]["status"], checks["S2"]["status"]) == ("passed", "failed"), checks["S2"]
    assert [item for item, row in checks.items() if row["message"] == NOT_RUN] == SELECTED[2:]
    assert "failed — shop: S2 (critical)" in result.stdout
    assert main(["verify", str(archive)]) == exitcodes.OK


def test_an_interrupted_xdist_runs_archive_records_every_item_it_never_ran_as_skipped(tmp_path):
    """Under xdist, which items its workers reported before the controller stopped is theirs to say: every selected
    item is in the archive once all the same, each one that did not report as skipped, not checked."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(CTRL_C_AT_S2)
    result = _run(runbook, "-n", "2")
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert manifest["interrupted"] is True and manifest["selected"] == 7, result.stdout[-3000:]
    assert manifest["ran"] < 7 and result.returncode == manifest["exit_code"], result.stdout[-3000:]
    checks = {row["id"]: row for row in read_json(archive / "results.json")["checks"]}
    assert sorted(checks) == sorted(SELECTED)
    not_run = [item for item, row in checks.items() if row["message"] in (NOT_RUN, RUNNING)]  # started or not
    assert len(not_run) == 7 - manifest["ran"] and all(checks[item]["status"] == "skipped" for item in not_run)
    for item, row in checks.items():
        assert item in not_run or row["status"] == OUTCOMES[item], row
    _, cases = _junit_cases(archive)
    assert {checks[item]["key"] for item in SELECTED} <= set(cases)
    assert {checks[item]["key"] for item in SELECTED} <= set(_allure_results(archive))
    assert main(["verify", str(archive)]) == exitcodes.OK


def test_a_run_interrupted_as_collection_ends_records_only_what_it_selected(tmp_path):
    """`--item S1 --item S3`, then Ctrl-C before either ran: the archive lists those two as not checked, and no
    item the run never selected (nor the manual one, listed only beside what ran)."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(CTRL_C_AS_COLLECTION_ENDS)
    result = _run(runbook, "--item", "S1", "--item", "S3")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"], manifest["ran"]) == (True, 2, 0)
    checks = read_json(archive / "results.json")["checks"]
    assert [(row["id"], row["status"], row["message"]) for row in checks] == [
        ("S1", "skipped", NOT_RUN), ("S3", "skipped", NOT_RUN)]
    suite, cases = _junit_cases(archive)
    assert (suite["tests"], suite["skipped"]) == ("2", "2") and sorted(cases) == ["S1-origin-set", "S3-no-mock"]
    assert sorted(_allure_results(archive)) == ["S1-origin-set", "S3-no-mock"]
    assert _environment_panel(archive)["interrupted"] == "ran 0 of 2 selected items; the other 2 were not checked"
    assert main(["verify", str(archive)]) == exitcodes.OK


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_module_that_could_not_be_collected_is_an_error_in_every_record(tmp_path, workers):
    """--continue-on-collection-errors: the run exits 10 and its console names the module; results.json, junit.xml
    and allure-results hold it as an error too (a CI's test view would otherwise read 1 of 1 passed), as does the
    report's environment panel."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "checklists" / "test_broken.py").write_text("import nonexistent_module_of_this_test\n")
    result = _run(runbook, "--item", "S1", "--continue-on-collection-errors", *workers)
    assert result.returncode == exitcodes.COULD_NOT_CHECK, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = runbook.archives()
    module = "checklists/test_broken.py"
    results = read_json(archive / "results.json")
    assert results["collection_errors"] == [module]
    (broken,) = [row for row in results["checks"] if row["nodeid"] == module]
    assert broken["status"] == "error" and broken["message"].startswith("not collected, so not checked: "), broken
    assert "nonexistent_module_of_this_test" in broken["message"], broken
    assert results["counts"]["error"] == 1 and results["counts"]["passed"] == 1
    manifest = read_json(archive / "manifest.json")
    assert manifest["counts"] == results["counts"] and manifest["ran"] == 1, manifest

    suite, cases = _junit_cases(archive)
    assert (suite["tests"], suite["errors"]) == ("2", "1")
    error = cases[module].find("error")
    assert error is not None and error.get("message") == broken["message"], ET.tostring(cases[module])

    said = _allure_results(archive)[module]
    assert said["status"] == "broken" and "not collected, so not checked" in said["statusDetails"]["message"], said
    assert "None" not in said["description"] and "cadence" not in said["description"], said  # a module has none
    assert _environment_panel(archive)["not_collected"] == module
    assert main(["verify", str(archive)]) == exitcodes.OK


def test_a_selected_manual_item_an_interrupted_run_never_reached_is_listed_once_as_manual(tmp_path):
    """`-m "postdeploy or manual"`, Ctrl-C as S2 starts: S5 (manual) was selected and never reached. It is in
    results.json, junit.xml and allure-results once, as the manual item it is (its reason, as a run that reaches it
    records it) — never a second time, nor as "not reported: the run was interrupted"; the manifest counts agree."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(CTRL_C_AT_S2)
    result = _run(runbook, marks="postdeploy or manual")
    assert result.returncode == exitcodes.INTERRUPTED, result.stdout[-3000:] + result.stderr[-3000:]
    (archive,) = runbook.archives()
    manifest = read_json(archive / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"], manifest["ran"]) == (True, 8, 1), manifest
    manual_said = "manual item: a phone call, not a system property"

    results = read_json(archive / "results.json")
    assert sorted(row["id"] for row in results["checks"]) == sorted([*SELECTED, "S5"])
    checks = {row["id"]: row for row in results["checks"]}
    assert checks["S5"]["status"] == "skipped" and checks["S5"]["observed"] == manual_said, checks["S5"]
    assert checks["S5"]["message"] == f"S5-incident-call on-call phones the vendor: {manual_said}", checks["S5"]
    assert checks["S2"]["message"] == RUNNING, checks["S2"]  # interrupted as it started
    assert [item for item, row in checks.items() if row["message"] == NOT_RUN] == SELECTED[2:]
    assert results["counts"] == {"passed": 1, "failed": 0, "waived": 0, "skipped": 7, "error": 0}
    assert manifest["counts"] == results["counts"]

    suite, cases = _junit_cases(archive)  # each testcase once
    assert (suite["tests"], suite["skipped"]) == ("8", "7"), suite
    skipped = cases["S5-incident-call"].find("skipped")
    assert skipped is not None and manual_said in skipped.get("message"), ET.tostring(cases["S5-incident-call"])

    allure = _allure_results(archive)  # each result once, no historyId twice
    assert sorted(allure) == sorted(row["key"] for row in results["checks"])
    said = allure["S5-incident-call"]
    assert said["status"] == "skipped" and manual_said in said["statusDetails"]["message"], said
    assert main(["verify", str(archive)]) == exitcodes.OK


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_secret_in_why_a_module_could_not_be_collected_is_on_no_console_and_in_no_file(tmp_path, workers):
    """A test module of the user's raises, at import, an error quoting a declared secret: pytest's collection-error
    block and its short summary print it cleaned, as every other line; no file the run wrote holds it."""
    runbook = make_runbook(tmp_path)
    (tmp_path / "checklists" / "test_quotes_a_secret.py").write_text(
        "import os\nraise RuntimeError('token: ' + os.environ['SHOP_API_TOKEN'])\n")
    result = _run(runbook, "--item", "S1", "--continue-on-collection-errors", "-rA", *workers)
    assert result.returncode == exitcodes.COULD_NOT_CHECK, result.stdout[-3000:] + result.stderr[-3000:]
    console = result.stdout + result.stderr
    assert "ERROR collecting checklists/test_quotes_a_secret.py" in console, console[-3000:]
    assert "RuntimeError: token: [redacted" in console, console[-3000:]  # what it said, the secret masked
    assert CANARY not in console, console[-3000:]
    written = [path for path in runbook.reports.rglob("*") if path.is_file()]
    assert written and [path for path in written if CANARY.encode() in path.read_bytes()] == []
    (archive,) = runbook.archives()  # named once, though under xdist each worker reported it
    assert read_json(archive / "results.json")["collection_errors"] == ["checklists/test_quotes_a_secret.py"]


def test_the_summary_names_a_mutating_item_interrupted_while_its_call_was_out(tmp_path):
    """Ctrl-C while M1's POST is out (the target holds it until the test has interrupted the run): the console's
    interrupted line names M1 as the archive does — its call may have been sent — not only "the others were not
    checked"; a read-only item interrupted or never reached is not named so."""
    posted, release = threading.Event(), threading.Event()

    def kick(_headers, _body):
        posted.set()
        release.wait(120)
        return 200, '{"ok": true}'

    page = lambda h, b: (200, '{"ok": true}')  # noqa: E731
    routes = {("GET", "/ok"): page, ("GET", "/after"): page, ("POST", "/do"): kick}
    with route_server(routes) as base:
        project = held_call_project(tmp_path, base)  # alpha: A1, the mutating M1 (held), A2
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
        run = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m",
                                "postdeploy", "--env",
                                "local", "-q"], cwd=tmp_path, env={**environ, **project.variables},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                               preexec_fn=interruptible)
        output = interrupted_once_posted(run, posted, release, lambda: os.kill(run.pid, signal.SIGINT))
    assert run.returncode == exitcodes.INTERRUPTED, output[-3000:]
    (line,) = [line for line in output.splitlines() if line.startswith("interrupted")]
    assert line.endswith("; alpha M1-kick was interrupted while its call was out: it may have been sent (not "
                         "repeated)"), line
    assert "A2" not in line and "A1" not in line, line


# -- a team's own tests beside the checklist: never counted as its items ------------------------------------------
FIVE_ITEMS = "".join(f"""
- {{id: W{n}, name: page{n}, section: Web, title: page {n} answers, family: http, cadence: postdeploy,
   severity: {'minor' if n == 2 else 'critical'}, params: {{service: web, path: {'/fail' if n == 2 else '/ok'}}}}}
""" for n in range(1, 6))

TEAM_TESTS = """
import pytest

@pytest.mark.parametrize("n", [1, 2, 3])
def test_smoke(n):  # collected before checklists/ (a < c)
    assert n
"""


@pytest.fixture
def team_project(tmp_path):
    from .project import MisbehavingHttp, Project

    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("shop", FIVE_ITEMS)
        project.environment("""
        timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
        systems: {shop: {services: {web: {url: "${WEB_URL}"}}}}
        """)
        (tmp_path / "api").mkdir()
        (tmp_path / "api" / "test_smoke.py").write_text(TEAM_TESTS, encoding="utf-8")
        yield project


def test_a_teams_tests_never_stand_in_for_checklist_items_a_stopped_run_never_reached(team_project):
    """-x stops the run at W2's failure below --fail-on: W3–W5 were never checked. The team's three tests had been
    counted as items (5 results for 5 selected): the run read as whole — not interrupted, the unrun items listed
    nowhere, exit 0."""
    ran = team_project.run("--env", "local", "-x", "--fail-on", "critical")
    assert ran.code == exitcodes.INTERRUPTED, ran.output
    manifest = read_json(ran.archive() / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"], manifest["ran"]) == (True, 5, 2), manifest
    statuses = ran.statuses()
    assert statuses == {"W1-page1": "passed", "W2-page2": "failed", "W3-page3": "skipped", "W4-page4": "skipped",
                        "W5-page5": "skipped"}, statuses
    assert ran.rows()["W4-page4"]["message"].startswith("not reported: the run was interrupted"), ran.rows()["W4-page4"]
    assert "interrupted (stopping after 1 failures): 2 of 5 selected items ran" in ran.output, ran.output
    _, cases = _junit_cases(ran.archive())
    assert cases["W5-page5"].find("skipped") is not None, ET.tostring(cases["W5-page5"])
    suite = ET.parse(ran.archive() / "junit.xml").getroot().find("testsuite")
    said = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (said["interrupted"], said["selected"], said["ran"]) == ("true", "5", "2"), said


def test_an_interrupted_runs_count_of_items_holds_no_team_test(team_project):
    """Ctrl-C as W4 starts, after the team's three tests ran: it had said "6 of 5 selected items ran"."""
    (team_project.root / "conftest.py").write_text(CTRL_C_AT_S2.replace("'S2-'", "'W4-'"), encoding="utf-8")
    ran = team_project.run("--env", "local")
    assert ran.code == exitcodes.FAILED, ran.output  # W2's failure (no --fail-on) decides it
    assert "interrupted: 3 of 5 selected items ran" in ran.output, ran.output
    manifest = read_json(ran.archive() / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"], manifest["ran"]) == (True, 5, 3), manifest
    assert _environment_panel(ran.archive())["interrupted"] == "ran 3 of 5 selected items; the other 2 were not checked"


def test_under_xdist_items_of_a_family_module_outside_checks_that_a_stopped_run_never_reached_are_listed(team_project):
    """xdist's controller collects nothing: it knows a family module by `checks/test_<family>.py`, or by the items its
    workers report. A family module in verification/ whose items -x left unrun: the run is interrupted (2), and each
    unrun item listed as not reported — not a whole run of the items that happened to report (exit 0)."""
    from .test_selection import checks_layout

    root = team_project.root
    shutil.rmtree(root / "api")
    team_project.checklist("shop", "".join(f"""
- {{id: W{n}, name: page{n}, section: Web, title: page {n} answers, family: http, cadence: postdeploy,
   severity: {'minor' if n == 1 else 'critical'}, params: {{service: web, path: {'/fail' if n == 1 else '/ok'}}}}}
""" for n in range(1, 13)))
    checks_layout(team_project, ini=False)
    (root / "checks").rename(root / "verification")
    with open(root / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write("\n\nimport time\n\n\n"
                       "def pytest_runtest_setup(item):\n"
                       "    if 'W1-' not in item.nodeid:  # W1 fails first: -x stops the run with items the controller"
                       " still holds\n"
                       "        time.sleep(1)\n")
    ran = team_project.run("--env", "local", "verification", "-n", "2", "-x", "--fail-on", "critical")
    assert ran.code == exitcodes.INTERRUPTED, ran.output
    manifest = read_json(ran.archive() / "manifest.json")
    assert (manifest["interrupted"], manifest["selected"]) == (True, 12), manifest
    statuses = ran.statuses()
    assert statuses["W1-page1"] == "failed" and len(statuses) == 12, statuses
    assert list(statuses.values()).count("skipped") == 12 - manifest["ran"] > 0, statuses
