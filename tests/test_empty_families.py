"""A family with no item in a run's scope produces no result. In the `checks/` layout each family's module is
collected whatever the scope: `--system alpha` leaves `checks/test_tcp.py` (only bravo's items) with nothing to
parametrize. Its placeholder (pytest's `[NOTSET]`, "got empty parameter set") is deselected, never a skipped result
counted beside the items: the console, results.json, junit.xml, allure-results and the manifest count alike."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from .project import MisbehavingHttp, Project
from .test_selection import checks_layout


def two_families(root, web) -> Project:
    """alpha checks http (and keeps a manual item), bravo only tcp: each system's families are the other's empty."""
    project = Project(root, {"WEB_URL": web.url})
    project.checklist("alpha", """
    - {id: A1, name: up, section: Web, title: alpha answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: A2, name: people, section: People, title: someone is on call, family: manual,
       reason: a rota is kept by people}
    """)
    project.checklist("bravo", """
    - {id: B1, name: antivirus, section: Scanning, title: clamd answers, family: tcp, cadence: postdeploy,
       params: {endpoint: clamd, protocol: clamd}}
    """)
    project.environment('systems:\n  alpha: {services: {web: {url: "${WEB_URL}"}}}\n'
                        "  bravo: {endpoints: {clamd: '127.0.0.1:9'}}\n")
    checks_layout(project)
    (project.root / "checks" / "test_tcp.py").write_text(
        "from opsverify.items import verdict\n\nFAMILY = 'tcp'\n\n\n"
        "def test_tcp(checked):\n    verdict(checked)\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("options", [[], ["-n", "2"]])
def test_a_family_without_an_item_in_scope_produces_no_result(tmp_path, options):
    """`--system alpha`, no -m: A1 passed and A2 (manual) skipped, and nothing else — not a skipped `test_tcp[NOTSET]`."""
    with MisbehavingHttp() as web:
        ran = two_families(tmp_path, web).run("--env", "local", "--system", "alpha", "--junitxml", "out/junit.xml",
                                              *options)
    assert ran.code == 0, ran.output[-3000:]
    assert "NOTSET" not in ran.output and "empty parameter set" not in ran.output, ran.output[-3000:]
    assert "env local, deploy local: 1 passed, 0 failed, 0 waived, 1 skipped, 0 error" in ran.done.stdout, \
        ran.output[-3000:]
    archive = ran.archive()
    results = json.loads((archive / "results.json").read_text(encoding="utf-8"))
    assert sorted(row["nodeid"] for row in results["checks"]) == [
        "checks/test_http.py::test_http[A1-up[local]]", "checks/test_manual.py::test_manual[A2-people[local]]"]
    assert results["counts"]["passed"] == 1 and results["counts"]["skipped"] == 1, results["counts"]
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["selected"], manifest["ran"]) == (2, 2), manifest
    assert manifest["counts"] == results["counts"]
    for junit in (archive / "junit.xml", tmp_path / "out" / "junit.xml"):
        suite = ElementTree.parse(junit).getroot().find("testsuite")
        assert sorted(case.get("name") for case in suite.findall("testcase")) == ["A1-up", "A2-people"]
        assert (suite.get("tests"), suite.get("skipped")) == ("2", "1"), suite.attrib
    allure = [json.loads(p.read_text(encoding="utf-8")) for p in (archive / "allure-results").glob("*-result.json")]
    assert sorted(result["name"].split(" ", 1)[0] for result in allure) == ["A1-up", "A2-people"]


@pytest.mark.parametrize("options", [[], ["-n", "2"]])
def test_a_run_whose_every_family_is_empty_selected_nothing(tmp_path, options):
    """`checks/test_tcp.py --system alpha`: the only module collected holds no item of alpha — nothing was selected,
    exit 5 and said, no archive; not a green run of one skipped placeholder."""
    with MisbehavingHttp() as web:
        ran = two_families(tmp_path, web).run("--env", "local", "--system", "alpha", "checks/test_tcp.py",
                                              *options)
    assert ran.code == 5, ran.output[-3000:]
    assert "opsverify: no archive: no check was selected" in ran.done.stdout, ran.output[-3000:]
    assert "NOTSET" not in ran.output and "1 skipped" not in ran.output, ran.output[-3000:]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*"))
