"""The run builds its imports, checklists and items with the cyclic collector paused (opsverify.heap): the
pause ends however the phase ends, and the collector is on again while the checks run and after the run. While
they run it collects less often; the thresholds are put back once the run is over."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import pytest

from opsverify import exitcodes
from opsverify.heap import RUN_YOUNG_THRESHOLD, collect_less, collector_paused

from .project import Project


def test_a_pause_restores_the_collector_as_it_was_even_when_the_block_raises():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner end leaves the outer pause on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before: off after
    finally:
        gc.enable()


def test_a_frozen_pause_moves_what_it_made_out_of_the_collectors_sight():
    before = gc.get_freeze_count()
    with collector_paused(freeze=True):
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() >= before + len(made)


def test_collecting_less_raises_the_young_threshold_and_puts_it_back():
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])
    try:
        restore = collect_less()
        assert gc.get_threshold() == (RUN_YOUNG_THRESHOLD, *before[1:])
        restore()
        assert gc.get_threshold() == (700, *before[1:])
        gc.set_threshold(0, *before[1:])  # switched off that way: left so
        collect_less()
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


# records whether the collector is on while each item runs (and how often it collects), and once the run is over
_CONFTEST = """
    import gc, json, os

    def pytest_runtest_call(item):
        _note("item", gc.isenabled() and gc.get_threshold()[0] >= 50_000)

    def pytest_unconfigure(config):
        _note("after", gc.isenabled())

    def _note(when, on):
        with open(os.environ["GC_NOTES"], "a", encoding="utf-8") as notes:
            notes.write(json.dumps([when, on]) + "\\n")
"""


def _project(tmp_path) -> Project:
    env_file = tmp_path / "web.env"
    env_file.write_text("STRIPE_SECRET_KEY=sk_live_0123456789abcdef01234567\n", encoding="utf-8")
    project = Project(tmp_path / "p", {"WEB_ENV": str(env_file), "GC_NOTES": str(tmp_path / "notes.jsonl")})
    project.checklist("shop", "- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: "
                              "postdeploy, params: {service: web, required: [STRIPE_SECRET_KEY]}}\n")
    project.environment("systems:\n  shop:\n    services: {web: {env: {dotenv: \"${WEB_ENV}\"}}}\n")
    (project.root / "conftest.py").write_text(textwrap.dedent(_CONFTEST), encoding="utf-8")
    return project


@pytest.mark.parametrize("args", [[], ["-n", "2"]])
def test_the_collector_is_on_while_the_items_run_and_after_the_run(tmp_path, args):
    project = _project(tmp_path)
    ran = project.run("-m", "postdeploy", "--env", "local", *args)
    assert ran.code == 0, ran.output[-2000:]
    notes = (tmp_path / "notes.jsonl").read_text(encoding="utf-8").splitlines()
    assert '["item", true]' in notes and '["after", true]' in notes, notes
    assert all(note.endswith("true]") for note in notes), notes


@pytest.mark.parametrize("refused", [False, True])
def test_pytest_main_leaves_the_collector_as_it_was_in_the_process_that_ran_it(tmp_path, refused):
    """pytest.main in a process of one's own (an IDE, a wrapper): the collector on, its thresholds as they were,
    after a run and after one refused while loading (a bad checklist ends it inside the pause)."""
    project = _project(tmp_path)
    if refused:
        (project.root / "checklists" / "shop.yaml").write_text("system: shop\nitems: [\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "import gc, pytest\n"
                               "gc.set_threshold(700, 10, 10)\n"
                               "code = pytest.main(['-p', 'no:cacheprovider', '-m', 'postdeploy', '--env', 'local'])\n"
                               "print('collector', gc.isenabled(), gc.get_threshold(), int(code))\n"],
        cwd=project.root, capture_output=True, text=True, timeout=120, env={**os.environ, **project.variables})
    assert ("not valid YAML" in done.stderr) is refused, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("collector True (700, 10, 10) "), done.stdout[-2000:]
    assert last.endswith(f" {exitcodes.BAD_CONFIG}" if refused else f" {exitcodes.OK}"), done.stdout[-2000:]
