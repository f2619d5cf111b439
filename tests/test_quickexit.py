"""A demo run ends without the interpreter's teardown (quickexit): its exit code is the run's, every atexit handler
still runs, and anything unusual leaves Python's own exit to happen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from .helpers import ROOT, UNUSED_PLUGINS, interruptible
from .project import MisbehavingHttp, Project

# a module whose atexit handler and teardown (an object freed as the interpreter clears the modules) each leave a
# word in $PROBE_FILE; all it uses is bound early: by then the module's globals and the builtins are gone
PROBE = """
import atexit, os

def _note(word, file=os.environ["PROBE_FILE"], flags=os.O_WRONLY | os.O_APPEND | os.O_CREAT, write=os.write,
          open_=os.open, close=os.close):
    fd = open_(file, flags)
    write(fd, word.encode() + b"\\n")
    close(fd)

atexit.register(_note, "atexit")

class _Teardown:
    def __del__(self, note=_note):
        note("teardown")

held = _Teardown()
"""


def _script(tmp_path, body: str, **popen) -> tuple[subprocess.CompletedProcess, list[str]]:
    (tmp_path / "probe.py").write_text(PROBE)
    marks = tmp_path / "marks"
    script = tmp_path / "script.py"
    script.write_text("import probe, sys\nfrom opsverify import quickexit\n" + textwrap.dedent(body))
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe's output waits in a buffer
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, timeout=60,
                          env={**environ, "PROBE_FILE": str(marks), "PYTHONPATH": f"{tmp_path}:{ROOT}"},
                          **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen})
    return done, marks.read_text().split() if marks.exists() else []


def test_armed_the_process_ends_with_its_code_after_every_atexit_handler_and_without_teardown(tmp_path):
    done, marks = _script(tmp_path, """
        import atexit
        atexit.register(print, "registered before arming")
        quickexit.arm(3)
        print("buffered, not flushed", end=" ")
        sys.exit(3)
        """)
    assert done.returncode == 3
    assert done.stdout.decode() == "buffered, not flushed registered before arming\n"
    assert marks == ["atexit"]  # the probe's handler ran; the interpreter's teardown did not


def test_an_exception_nobody_caught_after_arming_leaves_pythons_exit(tmp_path):
    done, marks = _script(tmp_path, """
        import pytest  # it keeps the last failure of a test in sys.last_value: one from before arming changes nothing
        try:
            raise ValueError("caught, then kept for a debugger")
        except ValueError as exc:
            sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
        quickexit.arm(0)
        raise RuntimeError("late")
        """)
    assert done.returncode == 1
    assert "RuntimeError: late" in done.stderr.decode()
    assert marks == ["atexit", "teardown"]


def test_a_handler_registered_after_arming_leaves_pythons_exit(tmp_path):
    # Python has called it before the armed one: it is not called again, and the rest go as Python takes them
    done, marks = _script(tmp_path, """
        import atexit
        quickexit.arm(0)
        atexit.register(print, "registered after arming")
        sys.exit(4)
        """)
    assert (done.returncode, done.stdout.decode()) == (4, "registered after arming\n")
    assert marks == ["atexit", "teardown"]


def test_the_last_code_armed_is_the_one(tmp_path):
    done, marks = _script(tmp_path, "quickexit.arm(1)\nquickexit.arm(27)\nsys.exit(27)\n")
    assert (done.returncode, marks) == (27, ["atexit"])


def test_standard_output_replaced_after_arming_leaves_pythons_exit(tmp_path):
    # pytest's answer to a closed pipe: stdout onto /dev/null, exit 1
    done, marks = _script(tmp_path, """
        import os
        quickexit.arm(0)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.exit(1)
        """)
    assert (done.returncode, marks) == (1, ["atexit", "teardown"])


def test_a_stream_that_cannot_be_flushed_leaves_pythons_exit(tmp_path):
    read, write = os.pipe()
    os.close(read)  # nobody reads: the flush at the end fails, as Python reports with exit 120
    try:
        done, marks = _script(tmp_path, """
            quickexit.arm(0)
            print("x" * 100)
            """, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 120
    assert marks == ["atexit", "teardown"]


# -- in a run ----------------------------------------------------------------------------------------------------------
ITEM = """
- {{id: E1, name: probe, section: S, title: the probe answers, family: http, cadence: postdeploy,
   params: {{service: web, path: {path}}}}}
"""


def _project(tmp_path, web, path: str, *, demo: bool) -> Project:
    project = Project(tmp_path / "project", {"WEB_URL": web.url, "PROBE_FILE": str(tmp_path / "marks")})
    project.checklist("site", ITEM.format(path=path))
    project.environment(f"""
    {"demo: true" if demo else ""}
    timeouts: {{connect_s: 5, statement_ms: 5000, http_s: 5}}
    systems: {{site: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}}}
    """, name="run")
    (project.root / "exitprobe.py").write_text(PROBE)
    return project


@pytest.mark.parametrize(("path", "code"), [("/ok", 0), ("/fail", 1)])
def test_a_demo_run_exits_with_its_code_its_handlers_run_and_no_teardown(tmp_path, path, code):
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web, path, demo=True).run("-p", "exitprobe", "--env", "run", "--no-archive")
    assert ran.code == code, ran.output
    assert (tmp_path / "marks").read_text().split() == ["atexit"]


def test_a_run_of_a_teams_environment_exits_as_python_does(tmp_path):
    # its exit is short already, and a team's conftest may count on what the teardown does
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web, "/fail", demo=False).run("-p", "exitprobe", "--env", "run", "--no-archive")
    assert ran.code == 1, ran.output
    assert (tmp_path / "marks").read_text().split() == ["atexit", "teardown"]


def test_a_demo_run_inside_another_program_leaves_it_its_own_exit(tmp_path):
    with MisbehavingHttp() as web:
        project = _project(tmp_path, web, "/ok", demo=True)
        (project.root / "main.py").write_text(
            "import sys, pytest\n"
            "code = pytest.main([*sys.argv[1:], '-p', 'exitprobe', '--env', 'run', '--no-archive'])\n"
            "print('the run said', int(code))\n"
            "sys.exit(42)\n")
        done = subprocess.run([sys.executable, "main.py", *UNUSED_PLUGINS, "-p", "no:cacheprovider"],
                              cwd=project.root, capture_output=True, text=True, timeout=240,
                              env={**os.environ, **project.variables, "PYTHONPATH": str(project.root)},
                              preexec_fn=interruptible)
    assert "the run said 0" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 42
    assert (tmp_path / "marks").read_text().split() == ["atexit", "teardown"]
