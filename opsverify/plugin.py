"""The pytest glue: options, markers, parametrization, and the run's lifecycle.

Hooks stay thin: the decisions live in `engine`, `families` and `archive`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import archive, checklist, environment
from .checklist import Check
from .engine import Run
from .errors import ConfigError, CouldNotCheck, DemoFailed, StopRun
from .secrets import Redactor
from .target import services_named

CADENCES = ("postdeploy", "daily", "weekly", "monthly")
ARCHIVE_ENV = "OPSVERIFY_ARCHIVE_PARTIAL"  # handed to xdist workers
SHARED_ENV = "OPSVERIFY_SHARED_OUTCOMES"  # xdist workers hand each other group outcomes here


@dataclass
class State:
    root: Path
    checks: list[Check]
    env: environment.Environment
    run: Run
    archive: archive.Archive | None = None
    selected: list[Check] = field(default_factory=list)
    demo: Any = None
    systems: tuple[str, ...] = ()
    deploy: str = "local"
    shared: Path | None = None  # under xdist: where workers share outcomes (see Run.outcome)
    owns_shared: bool = False

    def close(self) -> None:
        try:
            self.run.close()
        finally:
            if self.shared is not None and self.owns_shared:
                shutil.rmtree(self.shared, ignore_errors=True)
            if self.demo is not None:
                self.demo.stop()
            if self.archive is not None:
                self.archive.discard()  # no-op once the archive was completed


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opsverify", "production verification")
    group.addoption("--env", dest="ov_env", metavar="NAME", help="environment to verify: environments/NAME.yaml")
    group.addoption("--system", dest="ov_systems", action="append", default=[], metavar="SYSTEM",
                    help="only this system's checks (repeatable)")
    group.addoption("--deploy-id", dest="ov_deploy_id", metavar="ID",
                    help="deploy being verified (default: the CI's commit variable, else 'local')")
    group.addoption("--deployed-at", dest="ov_deployed_at", metavar="TIME",
                    help="when the deploy went live (ISO 8601, e.g. 2026-11-25T10:02:00Z); items that look "
                         "'since the deploy' use it (default: OPSVERIFY_DEPLOYED_AT, else their own window)")
    group.addoption("--reports-dir", dest="ov_reports", default="reports", metavar="DIR",
                    help="where run archives go (default: reports)")
    group.addoption("--checklists-dir", dest="ov_checklists", default="checklists", metavar="DIR",
                    help="where the checklists are (default: checklists)")
    group.addoption("--environments-dir", dest="ov_environments", default="environments", metavar="DIR",
                    help="where the environment files are (default: environments)")
    group.addoption("--no-archive", dest="ov_no_archive", action="store_true", help="write no run archive")
    group.addoption("--demo-fault", dest="ov_faults", action="append", default=[], metavar="FAULT",
                    help="switch on a named fault in the demo deployment (repeatable; see `opsverify faults`)")


def pytest_configure(config: pytest.Config) -> None:
    for cadence in CADENCES:
        config.addinivalue_line("markers", f"{cadence}: runbook item checked {cadence}")


def _project_root(config: pytest.Config) -> Path:
    return Path(config.rootpath)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    name = config.getoption("ov_env")
    if not name:
        return None
    try:
        state = _prepare(config, name)
    except StopRun as exc:
        sys.stderr.write(f"opsverify: {exc.message}\n")
        sys.stderr.flush()
        return exc.exit_code
    config.stash[STATE] = state
    return None


def _prepare(config: pytest.Config, name: str) -> State:
    root = _project_root(config)
    checks = checklist.load_checklists(root / config.getoption("ov_checklists"))
    systems = tuple(config.getoption("ov_systems"))
    known_systems = {c.system for c in checks}
    for system in systems:
        if system not in known_systems:
            raise ConfigError(f"--system {system}: unknown system (known: {', '.join(sorted(known_systems))})")
    env_dir = root / config.getoption("ov_environments")
    peeked = environment.peek(env_dir, name)
    is_worker = hasattr(config, "workerinput")
    demo = None
    faults = config.getoption("ov_faults")
    if faults and not peeked.demo:
        raise ConfigError(f"--demo-fault needs a demo environment; '{name}' is not one")
    redactor = Redactor()
    state: State | None = None
    try:
        if peeked.demo and not is_worker:
            demo = _start_demo(faults)
        in_use: dict[str, set[str]] = {}
        for check in checks:
            in_use.setdefault(check.system, set()).update(services_named(check.params))
        env = environment.load_environment(env_dir, name, services_in_use=in_use, systems=systems)
        run = Run(env, redactor, deployed_at=_deployed_at(config))
        state = State(root=root, checks=checks, env=env, run=run, demo=demo, systems=systems,
                      deploy=archive.deploy_id(config.getoption("ov_deploy_id")))
        run.preflight(systems or None)
        if is_worker and os.environ.get(SHARED_ENV):
            state.shared = Path(os.environ[SHARED_ENV])
        elif not is_worker and getattr(config.option, "numprocesses", None):
            state.shared, state.owns_shared = Path(tempfile.mkdtemp(prefix="opsverify-shared-")), True
            os.environ[SHARED_ENV] = str(state.shared)  # inherited by the workers xdist starts next
        if not is_worker and not config.getoption("ov_no_archive"):
            state.archive = archive.Archive.begin(
                reports=root / config.getoption("ov_reports"), env=env, root=root,
                deploy_id=config.getoption("ov_deploy_id"), redactor=redactor,
            )
            os.environ[ARCHIVE_ENV] = str(state.archive.partial)
            config.option.allure_report_dir = str(state.archive.allure_dir)
        elif is_worker and os.environ.get(ARCHIVE_ENV):
            config.option.allure_report_dir = str(Path(os.environ[ARCHIVE_ENV]) / "allure-results")
        if not is_worker:  # listens only: the summary line, and the archive when there is one
            config.pluginmanager.register(archive.ArchiveReporter(state), "opsverify-archive")
    except BaseException:
        if state is not None:
            state.close()
        elif demo is not None:
            demo.stop()
        raise
    config.add_cleanup(state.close)
    return state


def _deployed_at(config: pytest.Config) -> dt.datetime | None:
    value = config.getoption("ov_deployed_at") or os.environ.get("OPSVERIFY_DEPLOYED_AT")
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--deployed-at {value}: not an ISO 8601 time (e.g. 2026-11-25T10:02:00Z)") from None
    if moment.tzinfo is None:
        raise ConfigError(f"--deployed-at {value}: give a time zone (e.g. a trailing Z for UTC)")
    return moment


def _start_demo(faults: list[str]):
    try:
        from demo import Deployment
    except ImportError as exc:  # pragma: no cover - only without the demo package
        raise DemoFailed(f"the demo deployment is not installed: {exc}") from None
    deployment = Deployment().start()  # a failed start stops what it began and raises DemoFailed
    try:
        for fault in faults:
            deployment.apply(fault)
    except StopRun:
        deployment.stop()
        raise
    except Exception as exc:
        deployment.stop()
        raise DemoFailed(f"demo fault could not be switched on: {type(exc).__name__}: {exc}") from None
    os.environ.update(deployment.variables())
    return deployment


def checks_for(config: pytest.Config, family: str) -> list[Check]:
    state = config.stash.get(STATE, None)
    if state is None:
        return []
    return [c for c in state.checks if c.family == family and (not state.systems or c.system in state.systems)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "check" not in metafunc.fixturenames:
        return
    family = getattr(metafunc.module, "FAMILY", None)
    state = metafunc.config.stash.get(STATE, None)
    if state is None:
        metafunc.parametrize("check", [pytest.param(None, id="no-env", marks=pytest.mark.skip(
            reason="runbook checks need --env NAME (see environments/)"))])
        return
    params = []
    for check in checks_for(metafunc.config, family):
        marks = [getattr(pytest.mark, check.cadence.value)] if check.cadence else []
        if check.manual:
            marks.append(pytest.mark.manual)
        if check.mutating:
            marks.append(pytest.mark.mutating)
        params.append(pytest.param(check, id=f"{check.key}[{state.env.name}]", marks=marks))
    metafunc.parametrize("check", params)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    state.selected = [
        item.callspec.params["check"] for item in items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("check"), Check)
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(CouldNotCheck):
        report.longrepr = str(call.excinfo.value)  # one honest line, not a traceback of the plugin
    return report
