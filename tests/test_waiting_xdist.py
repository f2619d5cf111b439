"""The console names what a run waits for while it waits — under xdist too, where the workers gather and only the
controller writes to the console — and each notice stands on a line of its own, after `-q`'s progress dots too.

Each run here checks an HTTP endpoint that never answers (a silent server). The test reads the run's output as it
comes and stops the server once the notice is out, so the hanging item ends then, long before its deadline: a notice
held back to the end of the run would leave the item to its deadline. An order of events, whatever the machine's
speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

from opsverify.plugin import WAIT_NOTICES, WaitNotices, tell_the_controller
from opsverify.secrets import Redactor

from .helpers import UNUSED_PLUGINS
from .kit import silent_server
from .project import Project

NOTICE = "opsverify: waiting for site http: gives up within "
HTTP_S = 20  # the hanging item's deadline: not reached when the notice comes while it waits
QUICK_ITEMS = "".join(f"""
- {{id: Q{n}, name: origin, section: S, title: the origin is set, family: env, cadence: postdeploy,
   params: {{service: web, required: [APP_ORIGIN]}}}}""" for n in range(1, 9))
HANGING_ITEM = """
- {id: W1, name: hang, section: Web, title: the site answers, family: http, cadence: postdeploy,
   params: {service: web, path: /health}}
"""


def _waiting_on_a_silent_site(root: Path, *args: str) -> list[str]:
    """`pytest -m postdeploy --env local ARGS` in a project whose system `a` has quick items (collected and reported
    first) and `site` one item whose endpoint says nothing until the run's output shows the notice. Its output
    lines, stderr's too."""
    (root / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    project = Project(root)
    project.checklist("a", QUICK_ITEMS)
    project.checklist("site", HANGING_ITEM)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m", "postdeploy", "--env",
               "local", *args]
    lines: list[str] = []
    with ExitStack() as holding:
        server = holding.enter_context(silent_server())
        project.environment(f"""
        timeouts: {{http_s: {HTTP_S}}}
        systems:
          a: {{services: {{web: {{env: {{dotenv: '{root / "web.env"}'}}}}}}}}
          site: {{services: {{web: {{url: 'http://127.0.0.1:{server["port"]}'}}}}}}
        """)
        proc = subprocess.Popen(command, cwd=root, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if NOTICE in line:
                    holding.close()  # the server goes, and the connection it held: the item ends now
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return lines


def _hanging_item_message(root: Path) -> str:
    (archive,) = [p for p in (root / "reports" / "local").iterdir() if not p.name.startswith(".")]
    rows = json.loads((archive / "results.json").read_text(encoding="utf-8"))["checks"]
    return next(row["message"] for row in rows if row.get("key") == "W1-hang")


def test_under_xdist_the_controller_names_what_a_worker_waits_for_while_it_waits(tmp_path):
    lines = _waiting_on_a_silent_site(tmp_path, "-n", "2")
    shown = "\n".join(lines[-60:])
    notices = [i for i, line in enumerate(lines) if NOTICE in line]
    assert len(notices) == 1, shown  # once: one worker gathers the group, the other waits for what it publishes
    assert lines[notices[0]].startswith(NOTICE), shown  # on a line of its own
    summary = next(i for i, line in enumerate(lines) if line.startswith("env local, deploy local: "))
    assert notices[0] < summary, shown
    # said while the target was still silent: the item ended as the server went, not at its deadline
    assert f"within {HTTP_S} s" not in _hanging_item_message(tmp_path), shown


def test_with_q_the_notice_starts_a_line_of_its_own_after_the_progress_dots(tmp_path):
    lines = _waiting_on_a_silent_site(tmp_path, "-q", "-n", "0")
    shown = "\n".join(lines[-60:])
    said = [line for line in lines if NOTICE in line]
    assert said and all(line.startswith(NOTICE) for line in said), shown
    assert "........" in lines[:lines.index(said[0])], shown  # the quick items' dots, a line before it


def test_the_controller_prints_each_workers_notice_once_cleaned_and_whole(tmp_path, capsys):
    """What the workers append (tell_the_controller) is printed as the console's other lines are: through the
    redactor, each line once, and a line only once it is whole."""
    redactor = Redactor()
    redactor.add_declared("tok-5ecret-v4lue")
    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    notices = WaitNotices(no_console, tmp_path, redactor)
    notices.say_new()  # no worker has waited yet
    tell_the_controller(tmp_path, "waiting for shop http (at https://x/tok-5ecret-v4lue): gives up within 12 s")
    tell_the_controller(tmp_path, "waiting for shop http (at https://x/tok-5ecret-v4lue): gives up within 12 s")
    with open(tmp_path / WAIT_NOTICES, "a", encoding="utf-8") as log:
        log.write("still waiting for till sql: gives")  # a worker's line, half written
    notices.say_new()
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith("opsverify: waiting for shop http (at https://x/") and \
        "5ecret" not in said[0] and said[0].endswith(": gives up within 12 s")
    with open(tmp_path / WAIT_NOTICES, "a", encoding="utf-8") as log:
        log.write(" up in 2 s\n")
    notices.say_new()
    assert capsys.readouterr().err == "opsverify: still waiting for till sql: gives up in 2 s\n"


# -- the notices file is a courtesy: what stands in its place never holds the run ------------------------------------
def _finishes(work) -> bool:
    """Whether `work` returns (a hang would hold the suite: a generous bound, no verdict on speed)."""
    done = threading.Thread(target=work, daemon=True)
    done.start()
    done.join(60)
    return not done.is_alive()


def test_a_fifo_in_place_of_the_notices_file_is_passed_over(tmp_path, capsys):
    """open() of a FIFO waits for its other end: the controller's thread, and the worker telling it, would wait
    forever (and the run with them, Ctrl-C included). Neither reads nor writes anything but a regular file."""
    os.mkfifo(tmp_path / WAIT_NOTICES)
    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    notices = WaitNotices(no_console, tmp_path, Redactor())
    assert _finishes(notices.say_new)
    assert _finishes(lambda: tell_the_controller(tmp_path, "waiting for shop http: gives up within 12 s"))
    reader = os.open(tmp_path / WAIT_NOTICES, os.O_RDONLY | os.O_NONBLOCK)  # a reader there: still no regular file
    try:
        assert _finishes(lambda: tell_the_controller(tmp_path, "waiting for shop http: gives up within 12 s"))
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert capsys.readouterr().err == ""


def test_a_symlink_in_place_of_the_notices_file_is_not_followed(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("a line planted elsewhere\n", encoding="utf-8")
    (tmp_path / WAIT_NOTICES).symlink_to(elsewhere)
    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    WaitNotices(no_console, tmp_path, Redactor()).say_new()
    tell_the_controller(tmp_path, "waiting for shop http: gives up within 12 s")
    assert capsys.readouterr().err == ""
    assert elsewhere.read_text(encoding="utf-8") == "a line planted elsewhere\n"


def test_an_over_long_line_is_cut_and_the_lines_after_it_are_said(tmp_path, capsys):
    """A line without end is read a bounded piece at a time (never whole into memory) and said once, cut."""
    (tmp_path / WAIT_NOTICES).write_bytes(b"x" * 300_000 + b"\nwaiting for till sql: gives up within 2 s\n")
    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    notices = WaitNotices(no_console, tmp_path, Redactor())
    for _ in range(10):
        notices.say_new()
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 2, [line[:80] for line in said]
    assert said[0].startswith("opsverify: xxx") and said[0].endswith(" [cut]") and len(said[0]) < 1_100
    assert said[1] == "opsverify: waiting for till sql: gives up within 2 s"


def test_a_run_whose_notices_file_is_a_fifo_ends_with_its_summary(tmp_path):
    """The FIFO is planted in the run's shared folder as soon as it is made: the run still ends, its summary said."""
    root, temp = tmp_path / "project", tmp_path / "temp"
    root.mkdir()
    temp.mkdir()
    (root / "web.env").write_text("APP_ORIGIN=https://shop.example\n", encoding="utf-8")
    project = Project(root)
    project.checklist("a", QUICK_ITEMS)
    project.checklist("site", HANGING_ITEM)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    planted = threading.Event()
    finished = threading.Event()

    def plant() -> None:
        while not finished.is_set():
            for shared in temp.glob("opsverify-shared-*"):
                os.mkfifo(shared / "fifo")
                os.replace(shared / "fifo", shared / WAIT_NOTICES)
                planted.set()
                return
            finished.wait(0.02)

    with silent_server() as server:
        project.environment(f"""
        timeouts: {{http_s: 2}}
        systems:
          a: {{services: {{web: {{env: {{dotenv: '{root / "web.env"}'}}}}}}}}
          site: {{services: {{web: {{url: 'http://127.0.0.1:{server["port"]}'}}}}}}
        """)
        planter = threading.Thread(target=plant, daemon=True)
        planter.start()
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "-p", "no:cacheprovider", "-m",
                                 "postdeploy", "--env",
                                 "local", "-n", "2"], cwd=root, env={**environ, "TMPDIR": str(temp)},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = proc.communicate(timeout=180)
        finally:
            finished.set()
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert planted.is_set(), output[-3000:]
    assert any(line.startswith("env local, deploy local: ") for line in output.splitlines()), output[-3000:]
    assert "archive: reports/local/" in output, output[-3000:]


def test_a_notices_file_emptied_mid_run_is_read_again_from_its_start(tmp_path, capsys):
    """Emptied (or replaced by a shorter one) under the reader: what comes next is said whole, not from the middle
    of a line where the old file ended."""
    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    notices = WaitNotices(no_console, tmp_path, Redactor())
    tell_the_controller(tmp_path, "waiting for shop http: gives up within 12 s")
    notices.say_new()
    (tmp_path / WAIT_NOTICES).write_text("")
    tell_the_controller(tmp_path, "still waiting: 2 s")
    notices.say_new()
    assert capsys.readouterr().err.splitlines() == ["opsverify: waiting for shop http: gives up within 12 s",
                                                     "opsverify: still waiting: 2 s"]


def test_the_controller_says_a_bounded_number_of_notices(tmp_path, capsys):
    """Millions of distinct lines planted in the notices file are neither all printed nor all kept."""
    from opsverify.plugin import NOTICES_SHOWN

    no_console = SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    notices = WaitNotices(no_console, tmp_path, Redactor())
    (tmp_path / WAIT_NOTICES).write_text("".join(f"notice {n}\n" for n in range(NOTICES_SHOWN + 500)))
    for _ in range(5):
        notices.say_new()
    said = capsys.readouterr().err.splitlines()
    assert len(said) == NOTICES_SHOWN + 1 and "further wait notices not shown" in said[-1]
    assert len(notices.said) == NOTICES_SHOWN + 1
