"""Under xdist a worker claims every unclaimed group at its first item and evaluates them in the background: it
reports an item as soon as that item's own group is done, not once its slowest claimed group is, as a run without
xdist does. Its other groups go on for the workers that wait for them; once no worker asks any more, they are given
up and their claims released, never left for a waiter to wait on.

Two `Run`s sharing a folder stand for two workers of one run; the target holds one page until the test lets it
answer, so no verdict depends on how fast the machine is."""

from __future__ import annotations

import fcntl
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

from opsverify import families
from opsverify.checklist import Cadence, Check, Severity
from opsverify.engine import Run
from opsverify.environment import load_environment
from opsverify.outcome import Status

from .kit import route_server

WITHIN_S = 60  # only turns a hang into a failure: each wait ends within milliseconds when the code is right


@contextmanager
def holding_target() -> Iterator[SimpleNamespace]:
    """An HTTP target on 127.0.0.1 counting requests per path; `/hold` answers only once `release` is set
    (`held` is set when it has come), any other path at once."""
    asked: Counter = Counter()
    lock = threading.Lock()
    release, held = threading.Event(), threading.Event()

    def answer(path: str):
        def handle(_headers, _body):
            with lock:
                asked[path] += 1
            if path == "/hold":
                held.set()
                release.wait(WITHIN_S)
            return 200, '{"ok": true}'
        return handle

    with route_server({("GET", path): answer(path) for path in ("/quick", "/hold")}) as base:
        try:
            yield SimpleNamespace(url=base, asked=asked, release=release, held=held)
        finally:
            release.set()


def _page(system: str, path: str) -> Check:
    return Check(system=system, id="H1", name="page", section="Web", title="the page answers", family="http",
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=False, remediation="", reason="",
                 params=families.params_model("http").model_validate({"service": "web", "path": path, "status": 200}))


def _setup(tmp_path: Path, base: str) -> tuple[list[Check], object, Path]:
    """alpha's page answers at once; zeta's is held. Timeouts far longer than any test waits: no group is given up."""
    systems = "".join(f"  {name}: {{services: {{web: {{url: '{base}'}}}}}}\n" for name in ("alpha", "zeta"))
    (tmp_path / "local.yaml").write_text(f"name: local\ntimeouts: {{connect_s: 5, http_s: 120}}\nsystems:\n{systems}",
                                         encoding="utf-8")
    shared = tmp_path / "shared"
    shared.mkdir()
    return [_page("alpha", "/quick"), _page("zeta", "/hold")], load_environment(tmp_path, "local"), shared


def _in_thread(call) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # shown by the assertion that reads the box
            box["raised"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _eventually(condition, what: str) -> None:
    deadline = time.monotonic() + WITHIN_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _claim_free(shared: Path, group: str) -> bool:
    """Whether no worker holds the group's claim (its lock)."""
    with open(shared / f"{group}.claim", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _reported_while_held(claimer: Run, alpha: Check, zeta: Check, shared: Path, target: SimpleNamespace) -> None:
    """The claimer asked for alpha's item claims both groups; alpha's outcome comes back while zeta's page is held."""
    asked, box = _in_thread(lambda: claimer.outcome(alpha, [alpha, zeta], shared=shared))
    assert target.held.wait(WITHIN_S), "zeta's page was never asked: the claimed groups did not run together"
    _eventually(lambda: not asked.is_alive(), "alpha's item waited for zeta's held page, a group it does not belong to")
    assert not target.release.is_set()
    assert box["value"].status is Status.PASSED, box


def test_an_item_is_reported_while_another_group_its_worker_claimed_still_runs(tmp_path):
    """The worker claims alpha's group and zeta's at alpha's item: alpha's outcome comes back while zeta's page is
    still held; zeta's group, published once it ends, is read by the other worker without asking the target again."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer, other = Run(env), Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            assert not (shared / "zeta+http.json").exists()  # still running: not published
            target.release.set()
            assert other.outcome(zeta, [alpha, zeta], shared=shared).status is Status.PASSED
            assert claimer.outcome(zeta, [alpha, zeta], shared=shared).status is Status.PASSED
        finally:
            target.release.set()
            claimer.close()
            other.close()
    assert target.asked == Counter({"/quick": 1, "/hold": 1}), target.asked


def test_a_worker_that_ends_while_another_asks_finishes_its_groups_for_it(tmp_path):
    """The claimer has no item left, but the other worker waits for zeta's group: closing, the claimer evaluates it
    to its end and publishes it, so the other worker reads it and the target is asked once."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer, other = Run(env), Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            waiting, box = _in_thread(lambda: other.outcome(zeta, [alpha, zeta], shared=shared))
            _eventually(lambda: len(list(shared.glob("asking-*"))) == 2, "the other worker never asked")
            closing, _ = _in_thread(claimer.close)
            target.release.set()
            for thread in (waiting, closing):
                thread.join(WITHIN_S)
            assert not waiting.is_alive() and not closing.is_alive()
            assert box["value"].status is Status.PASSED, box
        finally:
            target.release.set()
            claimer.close()
            other.close()
    assert target.asked == Counter({"/quick": 1, "/hold": 1}), target.asked  # nobody took zeta's group over


def test_a_worker_that_ends_when_nobody_asks_gives_its_groups_up_and_releases_them(tmp_path):
    """Nobody asks any more (-x, Ctrl-C: every worker's loop has ended): closing does not wait for zeta's held page;
    its group is not published and its claim is released, so a worker that did ask for it would take it over."""
    with holding_target() as target:
        (alpha, zeta), env, shared = _setup(tmp_path, target.url)
        claimer = Run(env)
        try:
            _reported_while_held(claimer, alpha, zeta, shared, target)
            assert not _claim_free(shared, "zeta+http")
            closing, _ = _in_thread(claimer.close)
            closing.join(WITHIN_S)
            assert not closing.is_alive(), "closing waited for a group nobody asks for"
            assert not target.release.is_set()
            assert _claim_free(shared, "zeta+http")
            assert not (shared / "zeta+http.json").exists()
            assert not list(shared.glob("*.partial"))
        finally:
            target.release.set()
            claimer.close()
