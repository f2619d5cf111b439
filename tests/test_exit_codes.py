"""Every exit code of the one table (opsverify/exitcodes.py) is produced by a real run, and means
what the table says; `opsverify --help` prints the table."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from opsverify import exitcodes
from opsverify.cli import main

from .kit import refused_port
from .project import MisbehavingHttp, Project, scratch_database

ITEM = """
- {{id: E1, name: probe, section: S, title: the probe answers, family: http, cadence: postdeploy,
   params: {{service: web, path: {path}}}}}
"""


def _project(tmp_path, web, path="/ok", **variables) -> Project:
    project = Project(tmp_path, {"WEB_URL": web.url, **variables})
    project.checklist("site", ITEM.format(path=path))
    project.environment("""
    timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
    systems: {site: {services: {web: {url: "${WEB_URL}"}}}}
    """)
    return project


def _with_database(project: Project, url: str) -> None:
    project.variables["DB_URL"] = url
    project.checklist("data", """
    - {id: D1, name: answers, section: S, title: the database answers, family: sql, cadence: postdeploy,
       params: {query: select 1 as n, expect: {n: {eq: 1}}}}
    """)
    project.environment("""
    timeouts: {connect_s: 2, statement_ms: 1000, http_s: 2}
    systems: {site: {services: {web: {url: "${WEB_URL}"}}}, data: {database: "${DB_URL}"}}
    """)


def ok(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local")


def failed(tmp_path, web, request):
    return _project(tmp_path, web, "/fail").run("--env", "local")


def interrupted(tmp_path, web, request):
    """Ctrl-C while a target hangs."""
    project = _project(tmp_path, web, "/hang")
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--env", "local"],
                               cwd=project.root, env={**_environ(), **project.variables}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    time.sleep(0.1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (project.root / "reports").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    return _Done(process.returncode, out)


def internal(tmp_path, web, request):
    project = _project(tmp_path, web)
    (project.root / "conftest.py").write_text("def pytest_collection_finish(session):\n    raise RuntimeError('boom')\n")
    return project.run("--env", "local")


def usage(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local", "--no-such-option")


def no_checks(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "local", "-m", "weekly")


def could_not_check(tmp_path, web, request):
    return _project(tmp_path, web, "/hang").run("--env", "local")


def bad_config(tmp_path, web, request):
    project = _project(tmp_path, web)
    (project.root / "checklists" / "site.yaml").write_text("system: site\nitems: [unclosed\n")
    return project.run("--env", "local")


def unknown_env(tmp_path, web, request):
    return _project(tmp_path, web).run("--env", "prodd")


def missing_variable(tmp_path, web, request):
    project = _project(tmp_path, web)
    del project.variables["WEB_URL"]
    return project.run("--env", "local")


def unreachable(tmp_path, web, request):
    project = _project(tmp_path, web)
    _with_database(project, f"postgresql://u:p@127.0.0.1:{refused_port()}/d")
    return project.run("--env", "local")


def credentials(tmp_path, web, request):
    demo = request.getfixturevalue("demo_deployment")
    project = _project(tmp_path, web)
    with scratch_database(demo, "select 1") as db:
        _with_database(project, db["url"].replace(demo.checker_password, "wrong-password"))
        return project.run("--env", "local")


def archive_failed(tmp_path, web, request):
    """The reports folder cannot be made (a file sits where it should be): the checks ran, no evidence."""
    project = _project(tmp_path, web)
    (project.root / "reports").write_text("not a folder")
    return project.run("--env", "local")


def demo_failed(tmp_path, web, request):
    project = _project(tmp_path, web)
    project.environment("demo: true\nsystems: {}\n", name="demo")
    return project.run("--env", "demo", "--demo-fault", "no-such-fault")


SCENARIOS = {
    "ok": ok, "failed": failed, "interrupted": interrupted, "internal": internal, "usage": usage,
    "no-checks": no_checks, "could-not-check": could_not_check, "bad-config": bad_config, "unknown-env": unknown_env,
    "missing-variable": missing_variable, "unreachable": unreachable, "credentials": credentials, "demo": demo_failed,
    "archive": archive_failed,
}


class _Done:
    def __init__(self, code: int, output: str):
        self.code, self.output = code, output


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}


@pytest.mark.parametrize("entry", exitcodes.TABLE, ids=[e.name for e in exitcodes.TABLE])
def test_every_exit_code_is_produced(entry, tmp_path, request):
    scenario = SCENARIOS.get(entry.name)
    assert scenario is not None, f"no scenario produces exit code {entry.code} ({entry.name})"
    with MisbehavingHttp() as web:
        ran = scenario(tmp_path, web, request)
    assert ran.code == entry.code, ran.output[-3000:]
    assert "Traceback" not in ran.output or entry.name == "internal"


def test_help_prints_the_table(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for entry in exitcodes.TABLE:
        assert f"{entry.code:>3}  {entry.name}" in out


def test_readme_lists_the_table():
    from .helpers import ROOT

    assert exitcodes.markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
