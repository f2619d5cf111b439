"""`-n auto` keeps every target conversation single: each (system, family) group is evaluated by
exactly one xdist worker, the others read its outcomes — no target is asked twice, and no mutating
call (a cron run) is repeated."""

from __future__ import annotations

import json
import re

from concurrent.futures import ThreadPoolExecutor

from opsverify.engine import Run
from opsverify.environment import load_environment
from opsverify.outcome import Status

from .helpers import CHECKS, ROOT, SEED_SYSTEMS, demo_variables, run_pytest
from .project import Project


def _spied_run(env, asked: list) -> Run:
    run = Run(env)
    real = run.evaluate

    def spy(checks, *args, **kwargs):
        checks = list(checks)
        asked.append(sorted(f"{c.system}:{c.key}" for c in checks))
        return real(checks, *args, **kwargs)

    run.evaluate = spy  # type: ignore[method-assign]
    return run


def test_workers_share_group_outcomes(demo, tmp_path):
    with demo_variables(demo):
        env = load_environment(ROOT / "environments", "demo")
    cheersai = [c for c in CHECKS if c.system == "cheersai" and not c.manual]
    asked: list = []
    workers = [_spied_run(env, asked), _spied_run(env, asked)]  # two "workers" of one run
    try:
        def run_all(run: Run) -> dict:
            return {c.key: run.outcome(c, cheersai, shared=tmp_path) for c in cheersai}

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(run_all, workers)
    finally:
        for run in workers:
            run.close()
    evaluated = [key for call in asked for key in call]
    assert sorted(evaluated) == sorted(f"{c.system}:{c.key}" for c in cheersai)  # each once, by one of the workers
    assert any(c.mutating for c in cheersai)  # (a mutating one too: by the worker that asked for it first)
    assert first == second
    assert {o.status for o in first.values()} == {Status.PASSED}


# what an item that ran out of its time says: on a loaded machine the demo's local targets answer slowly, and the
# run's own deadlines (computed from the demo's timeouts) end their groups; that is an honest error, not this test's
TIMED_OUT = ("no answer", "no complete answer", "within the bound", "stalled")


def _without_latency_limits(folder):
    """The seed checklists without their runbooks' latency limits (`max_latency_ms`): what this test asks is whether
    an xdist run is complete, which must not hinge on how fast a loaded machine answers (test_faults does the same)."""
    folder.mkdir()
    for path in (ROOT / "checklists").iterdir():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yaml":
            text = "".join(line for line in text.splitlines(keepends=True) if "max_latency_ms:" not in line)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def test_xdist_run_is_complete_and_green(tmp_path):
    reports = tmp_path / "reports"
    checklists = _without_latency_limits(tmp_path / "checklists")
    seed = [arg for system in SEED_SYSTEMS for arg in ("--system", system)]  # whatever else checklists/ holds
    result = run_pytest("checks", "-p", "no:cacheprovider", "--env", "demo", "-n", "2", "--reports-dir", str(reports),
                        "--checklists-dir", str(checklists), "-m", "postdeploy or daily or weekly or monthly", *seed)
    automated = len([c for c in CHECKS if not c.manual])  # every item with a cadence marker, none manual
    (archive,) = (reports / "demo").iterdir()
    rows = json.loads((archive / "results.json").read_text(encoding="utf-8"))["checks"]
    late = [r for r in rows if r["status"] == "error" and any(words in r["observed"] for words in TIMED_OUT)]
    others = {r["key"]: f"{r['status']}: {r['observed']}" for r in rows if r["status"] != "passed" and r not in late}
    assert not others, others  # green: every item passed, or ran out of its time on a loaded machine
    assert result.returncode in ((10, 23) if late else (0,)), result.stdout[-3000:] + result.stderr
    assert f"{automated - len(late)} passed" in result.stdout
    results = [json.loads(path.read_text(encoding="utf-8")) for path in (archive / "allure-results").glob("*-result.json")]
    listed_manual = [r for r in results if {"name": "outcome", "value": "manual"} in r.get("labels", [])]
    assert len(results) - len(listed_manual) == automated  # and the manual items the selection left out, listed
    assert len(listed_manual) == len([c for c in CHECKS if c.manual])
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selected"] == manifest["ran"] == automated  # the master learns the selection from its workers
    bound = next(line for line in result.stdout.splitlines() if line.startswith("bound "))
    assert float(bound.split()[1]) > 1.0, bound


def test_an_item_whose_test_id_looks_like_the_no_env_placeholder_is_an_item(tmp_path):
    """The controller learns that runbook checks were collected without --env from the workers' node ids: an item
    `id: needs, name: env` (test id needs-env) is a checklist item, and its passing run a passing run."""
    project = Project(tmp_path)
    (tmp_path / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    project.checklist("shop", """
    - {id: needs, name: env, section: S, title: the origin is set, family: env, cadence: postdeploy,
       params: {service: web, required: [APP_ORIGIN]}}
    - {id: no, name: env, section: S, title: the origin is set again, family: env, cadence: postdeploy,
       params: {service: web, required: [APP_ORIGIN]}}
    """.replace("id: no,", "id: 'no',"))
    project.environment(f"systems:\n  shop: {{services: {{web: {{env: {{dotenv: '{tmp_path / 'web.env'}'}}}}}}}}\n")
    ran = project.run("-m", "postdeploy", "--env", "local", "-n", "2")
    assert ran.code == 0, ran.output[-3000:]
    assert ran.statuses() == {"needs-env": "passed", "no-env": "passed"}


def test_the_bound_counts_the_checks_time_from_when_the_workers_had_started(tmp_path):
    """Under xdist the workers' start-up (interpreters, imports, collection) is local work no target's timeout bounds:
    the summary says it apart, and the time set beside the bound starts once every worker had collected. A conftest
    slow to configure each worker stands in for a slow start, so the start-up said is at least its sleep."""
    project = Project(tmp_path)
    (tmp_path / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    project.checklist("shop", """
    - {id: S1, name: origin, section: S, title: the origin is set, family: env, cadence: postdeploy,
       params: {service: web, required: [APP_ORIGIN]}}
    """)
    project.environment(f"systems:\n  shop: {{services: {{web: {{env: {{dotenv: '{tmp_path / 'web.env'}'}}}}}}}}\n")
    (tmp_path / "conftest.py").write_text(
        "import time\n\n\ndef pytest_configure(config):\n"
        "    if hasattr(config, 'workerinput'):\n        time.sleep(2)\n", encoding="utf-8")
    ran = project.run("-m", "postdeploy", "--env", "local", "-n", "2")
    assert ran.code == 0, ran.output[-3000:]
    (line,) = [line for line in ran.done.stdout.splitlines() if line.startswith("bound ")]
    match = re.fullmatch(r"bound ([0-9.]+) s, took ([0-9.]+) s once its 2 workers had started \(([0-9.]+) s before\)",
                         line.strip())
    assert match, line
    assert float(match[3]) >= 2.0, line
    bound, took = ran.bound_and_took()
    assert took <= bound, line
