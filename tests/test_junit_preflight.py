"""`--junitxml PATH` where no file can be made stops the run before any check (README: junit.xml row), whoever runs
it: root passes every permission test (`os.access`), yet cannot make a file in /proc or on a read-only mount — so the
folder is tried by making a file there, and that file never stays."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from opsverify import exitcodes
from opsverify.junit import writable_folder

from .kit import route_server
from .project import Project

needs_proc = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc on this system")


@needs_proc
def test_a_folder_no_file_can_be_made_in_is_said_even_to_root():
    """The repro ran as root: os.access said /proc was writable, every check ran, and the run ended 26 "junit not
    written" after the archive."""
    target = Path("/proc") / f"opsverify-{secrets.token_hex(6)}.xml"
    assert writable_folder(target).startswith("folder not writable"), writable_folder(target)
    assert not target.exists()


def test_a_writable_folder_passes_and_keeps_no_trace(tmp_path):
    (tmp_path / "kept.txt").write_text("mine", encoding="utf-8")
    assert writable_folder(tmp_path / "junit.xml") == ""
    assert writable_folder(tmp_path / "made" / "junit.xml") == ""  # a missing folder is made, as the writer would
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept.txt", "made"]
    assert not (tmp_path / "junit.xml").exists()


@needs_proc
def test_an_unwritable_junitxml_path_stops_the_run_before_any_check(tmp_path):
    asked = []

    def health(headers, body):
        asked.append(1)
        return 200, "{}"

    target = Path("/proc") / f"opsverify-{secrets.token_hex(6)}.xml"
    with route_server({("GET", "/health"): health}) as base:
        project = Project(tmp_path, {"WEB_URL": base})
        project.checklist("site", """
        - {id: S1, name: health, section: Web, title: up, family: http, cadence: postdeploy,
           params: {service: web, path: /health}}
        """)
        project.environment("""
        systems:
          site:
            services: {web: {url: "${WEB_URL}"}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", str(target), timeout=120)
    assert ran.code == exitcodes.ARCHIVE, ran.output[-3000:]
    assert f"--junitxml {target}: folder not writable" in ran.output, ran.output[-3000:]
    assert asked == [], "no check runs"
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("manifest.json"))


@pytest.mark.parametrize("where", ["checklists/site.yaml", "environments/local.yaml", "conftest.py",
                                   "checklists/new.xml"])
def test_a_junitxml_path_over_one_of_the_runs_inputs_is_refused_before_any_check(tmp_path, where):
    """pytest's writer replaces whatever `--junitxml` names: `--junitxml checklists/site.yaml` turned the checklist
    into XML (the run ended 1 as any, and the next stopped on the checklist). Refused as a bad option value, the file
    untouched; a JUnit report of an earlier run is replaced as before."""
    asked = []

    def health(headers, body):
        asked.append(1)
        return 200, "{}"

    with route_server({("GET", "/health"): health}) as base:
        project = Project(tmp_path, {"WEB_URL": base})
        project.checklist("site", """
        - {id: S1, name: health, section: Web, title: up, family: http, cadence: postdeploy,
           params: {service: web, path: /health}}
        """)
        project.environment("""
        systems:
          site:
            services: {web: {url: "${WEB_URL}"}}
        """)
        (tmp_path / "conftest.py").write_text("# the project's own\n", encoding="utf-8")
        target = tmp_path / where
        before = target.read_bytes() if target.exists() else None
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", str(target), timeout=120)
        assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
        assert f"--junitxml {where}: it " in ran.output and "fix: give the report a path of its own" in ran.output, \
            ran.output[-3000:]
        assert (target.read_bytes() if target.exists() else None) == before and not asked
        (tmp_path / "old.xml").write_text('<?xml version="1.0"?><testsuites/>', encoding="utf-8")
        again = project.run("-m", "postdeploy", "--env", "local", "--junitxml", str(tmp_path / "old.xml"), timeout=120)
    assert again.code == 0, again.output[-3000:]
