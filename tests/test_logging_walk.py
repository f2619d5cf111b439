"""pytest walks logging's table of loggers at every phase of every item, without logging's lock, while the run's
gathering threads import libraries that make loggers: the walk must never see the table change under it."""

from __future__ import annotations

import logging

from opsverify.plugin import walk_loggers_safely

from .project import Project


def test_a_logger_made_while_the_loggers_are_walked_leaves_the_walk_whole():
    """By order, not by timing: a logger made in the middle of the walk (as a gathering thread's import does) had
    raised "dictionary changed size during iteration" in pytest's catching_logs, and the item ended an error."""
    walk_loggers_safely()
    walk_loggers_safely()  # once is enough: the table is not wrapped twice
    manager = logging.Logger.manager
    assert type(manager.loggerDict).__mro__[1] is dict
    walked = 0
    for _ in manager.loggerDict.values():
        if not walked:
            logging.getLogger(f"opsverify.test.made-mid-walk.{id(manager)}")
        walked += 1
    assert walked >= 1
    assert f"opsverify.test.made-mid-walk.{id(manager)}" in manager.loggerDict


def test_a_verification_run_walks_the_loggers_safely(tmp_path):
    """In a run, every item's phases walk the table as wrapped (a team's conftest hook sees it so)."""
    project = Project(tmp_path, {})
    project.checklist("site", """
- {id: E1, name: env, section: S, title: the key is set, family: env, cadence: postdeploy,
   params: {service: web, required: [API_KEY]}}
""")
    (project.root / "web.env").write_text("API_KEY=abc\n", encoding="utf-8")
    project.environment(f"systems: {{site: {{services: {{web: {{env: {{dotenv: '{project.root / 'web.env'}'}}}}}}}}}}\n")
    (project.root / "conftest.py").write_text("""
import logging

def pytest_runtest_setup(item):
    assert type(logging.Logger.manager.loggerDict).__name__ == "_LoggersAsOf"
""", encoding="utf-8")
    ran = project.run("--env", "local")
    assert ran.rows()["E1-env"]["status"] == "passed", ran.output[-2000:]
