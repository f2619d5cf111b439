"""The JUnit testsuite's `time` is the run's wall time, not the sum of its testcases' times: an item's time is its
group's gather plus its own judging, so items sharing one gather would count that gather once each (a 0.8 s run read
time="8.824" in a CI's test view). Each testcase keeps its own time."""

from __future__ import annotations

import datetime as dt
import json
import time
import xml.etree.ElementTree as ET

from opsverify import exitcodes
from opsverify.junit import junit_xml

from .kit import route_server
from .project import Project


def _suite(data: bytes) -> ET.Element:
    return ET.fromstring(data).find("testsuite")


def test_the_testsuite_time_is_the_run_time_given_not_the_sum_of_its_cases():
    rows = [{"system": "shop", "section": "Web", "key": f"W{n}-page", "status": "passed", "duration_s": 2.5}
            for n in range(4)]  # four items of one group: each carries the group's 2.5 s gather
    suite = _suite(junit_xml(rows, env="prod", deploy="d1", timestamp="2026-12-01T00:00:00Z", time_s=2.75))
    assert suite.get("time") == "2.750"
    assert [case.get("time") for case in suite.iter("testcase")] == ["2.500"] * 4


def test_a_shared_gather_is_counted_once_in_the_testsuite_time(tmp_path):
    """Six items of one (system, family) group, whose server answers each in 1 s (asked together): each item's time
    holds the whole gather, so their sum is at least 6 s; the testsuite's time is within the manifest's
    started–ended (whole seconds: one more allowed), never more than the run took."""

    def slow(headers, body):
        time.sleep(1)
        return 200, "ok"

    routes = {("GET", f"/p{n}"): slow for n in range(6)}
    with route_server(routes) as base:
        project = Project(tmp_path, {"WEB_URL": base})
        project.checklist("site", "".join(
            f"- {{id: S{n}, name: page, section: Web, title: up, family: http, cadence: postdeploy,"
            f" params: {{service: web, path: /p{n}}}}}\n" for n in range(6)))
        project.environment("""
        systems:
          site:
            services: {web: {url: "${WEB_URL}"}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", str(tmp_path / "junit.xml"),
                          timeout=240)
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    span = (dt.datetime.fromisoformat(manifest["ended"].replace("Z", "+00:00"))
            - dt.datetime.fromisoformat(manifest["started"].replace("Z", "+00:00"))).total_seconds()
    for data in ((tmp_path / "junit.xml").read_bytes(), (ran.archive() / "junit.xml").read_bytes()):
        suite = _suite(data)
        cases = [float(case.get("time")) for case in suite.iter("testcase")]
        assert len(cases) == 6 and sum(cases) >= 6, cases  # each holds the shared 1 s gather
        assert max(cases) <= float(suite.get("time")) <= span + 1, (suite.get("time"), span, cases)


def test_a_manual_item_a_run_selected_is_skipped_as_manual():
    """-m "postdeploy or manual" selects a manual item: it is skipped as what it is, as one -m left out is."""
    rows = [{"system": "shop", "section": "People", "key": "M1-rota", "family": "manual", "status": "skipped",
             "message": "manual item: a person confirms the rota", "duration_s": 0},
            {"system": "shop", "section": "Web", "key": "W1-page", "family": "http", "status": "skipped",
             "message": "not configured", "duration_s": 0}]
    suite = _suite(junit_xml(rows, env="prod", deploy="d1", timestamp="2026-12-01T00:00:00Z", time_s=1))
    assert [case.find("skipped").get("type") for case in suite.iter("testcase")] == ["manual", "skipped"]
