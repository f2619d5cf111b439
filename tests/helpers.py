"""Shared helpers for the engine's own tests."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from opsverify.checklist import Check, load_checklists
from opsverify.engine import Run
from opsverify.environment import Environment, load_environment
from opsverify.outcome import Outcome, Status

ROOT = Path(__file__).resolve().parent.parent
# The five seed systems: their own tests (coverage, faults, the demo) read their shipped checklists;
# a team adding its own system under checklists/ never changes what these tests see.
SEED_SYSTEMS = ("sora-studio", "cheersai", "joslyn-ai", "bakery-ops", "commit-to-ship")
CHECKS = [c for c in load_checklists(ROOT / "checklists") if c.system in SEED_SYSTEMS]


@contextmanager
def demo_variables(deployment):
    """The process environment as `--env demo` sees it once the demo is up."""
    saved = dict(os.environ)
    os.environ.update(deployment.variables())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def placeholder(variable: str) -> str:
    """A value a `${VAR}` of a shipped environment could hold: a database or Redis URL where one belongs, else a long
    word."""
    if variable.endswith("DATABASE_URL"):
        return f"postgresql://checker:placeholder-password@{variable.lower().replace('_', '-')}.internal:5432/app"
    if variable.endswith("REDIS_URL"):
        return f"redis://:placeholder-password@{variable.lower().replace('_', '-')}.internal:6379/0"
    return f"placeholder-{variable.lower()}"


# The demo environment's timeouts (5 s) are a post-deploy run's; on a loaded test machine the demo's own services
# may take longer than that, and a test's verdict must not hinge on machine speed. Tests that judge what a timeout
# does build their own targets and timeouts.
PATIENT_TIMEOUTS = {"connect_s": 30.0, "statement_ms": 30_000, "database_s": 120.0, "http_s": 30.0}


def patient(env: Environment) -> Environment:
    """`env` with timeouts no loaded machine reaches (never shorter than it configured)."""
    timeouts = env.model.timeouts
    longer = {name: max(getattr(timeouts, name), value) for name, value in PATIENT_TIMEOUTS.items()}
    return dataclasses.replace(env, model=env.model.model_copy(update={"timeouts": timeouts.model_copy(update=longer)}))


def evaluate(deployment, checks: list[Check] | None = None, *, env_name: str = "demo",
             env_dir: Path | None = None, deployed_at=None) -> dict[str, tuple[Check, Outcome]]:
    """Run the engine (gather + judge) against the demo, as the pytest plugin would, with `patient` timeouts."""
    checks = CHECKS if checks is None else checks
    with demo_variables(deployment):
        env = patient(load_environment(env_dir or ROOT / "environments", env_name))
    run = Run(env, deployed_at=deployed_at)
    try:
        outcomes = run.evaluate(checks)
    finally:
        run.close()
    return {f"{c.system}:{c.key}": (c, outcomes[f"{c.system}:{c.key}"]) for c in checks}


def ids_with(results: dict[str, tuple[Check, Outcome]], *statuses: Status) -> set[str]:
    return {check.id for check, outcome in results.values() if outcome.status in statuses}


def by_id(item_id: str) -> list[Check]:
    return [c for c in CHECKS if c.id == item_id]


# Installed pytest plugins a verification run never uses, left out of the pytest runs the engine's tests start
# (hundreds of them): anyio's (for async tests) and allure-pytest's (the archive writes its Allure results itself).
# Loading the two took 0.2-0.3 s of CPU at each run's start here. A user's run loads them: the tutorial test runs
# the README's commands as written, and test_allure runs the demo with every installed plugin.
UNUSED_PLUGINS = ("-p", "no:anyio", "-p", "no:allure_pytest")


def run_pytest(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """The suite as a user runs it: a separate `python -m pytest` in the project root (without UNUSED_PLUGINS)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


def interruptible() -> None:
    """A child's `preexec_fn`: Ctrl-C as a terminal gives it. A shell that starts a job in the background
    (as some CI runners start their steps) hands it SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler: a test that interrupts a run would wait for nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
