"""Allure results reach the archive as each item ends (a background writer), and the end of the run still
holds the last line of defence: every file, early ones included, is scrubbed with every secret learnt."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify import exitcodes
from opsverify.allureresults import result_files
from opsverify.archive import Archive
from opsverify.outcome import Outcome, Status
from opsverify.secrets import Redactor

from .helpers import interruptible
from .project import Project
from .runbook import CANARY, make_runbook, read_json

LATE = "late-learnt-secret-Qx81vTz"


def _archive(tmp_path: Path, redactor: Redactor) -> Archive:
    env_dir = tmp_path / "reports" / "fx"
    partial = env_dir / f".partial-20261201T000000Z-{os.getpid()}"
    partial.mkdir(parents=True)
    return Archive(reports=tmp_path / "reports", env=SimpleNamespace(name="fx"), deploy="d1", commit="c",
                   started=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), partial=partial, redactor=redactor)


def _manifest_hashes(final: Path) -> dict[str, str]:
    return read_json(final / "manifest.json")["files"]


def test_an_early_file_is_scrubbed_again_with_a_secret_learnt_after_it_was_written(tmp_path):
    redactor = Redactor()
    archive = _archive(tmp_path, redactor)
    archive.write_early("allure-results/a-result.json", f'{{"observed": "token {LATE}"}}'.encode())
    archive.write_early("allure-results/b-result.json", b'{"observed": "nothing secret"}')
    redactor.add(LATE)  # learnt later in the run
    final = archive.complete({"results.json": b"{}"}, {})
    written = (final / "allure-results" / "a-result.json").read_bytes()
    assert LATE.encode() not in written and b"token" in written
    hashes = _manifest_hashes(final)
    for name in ("allure-results/a-result.json", "allure-results/b-result.json", "results.json"):
        assert hashes[name] == hashlib.sha256((final / name).read_bytes()).hexdigest(), name
    assert read_json(final / "manifest.json")["redactions_applied"] == 1


LATE_MARKED = "sk_live-Qx81*vTz#9\rZ[x]"  # markdown's marks and a carriage return: shown escaped, both ways


def test_a_secret_learnt_late_is_found_as_the_console_and_the_report_show_it(tmp_path):
    """The console shows a carriage return as \\x0d and the report's description escapes markdown: the end of
    the run still finds a secret learnt after its item's Allure result was written, in every such form."""
    redactor = Redactor()
    archive = _archive(tmp_path, redactor)
    shown = Outcome(Status.FAILED, "a token", f"token {LATE_MARKED}\n{LATE_MARKED} again").redacted(redactor)
    row = {"status": "failed", "system": "s", "key": "S1-x", "expected": shown.expected, "observed": shown.observed,
           "severity": "normal", "family": "http", "cadence": "postdeploy"}
    for name, data in result_files(row, env="fx", start_ms=0, uid="a").items():
        archive.write_early(f"allure-results/{name}", data)
    redactor.add(LATE_MARKED)  # learnt later in the run
    final = archive.complete({"results.json": b"{}"}, {})
    result = json.loads((final / "allure-results" / "a-result.json").read_text(encoding="utf-8"))
    for text in (result["description"], result["statusDetails"]["message"]):
        assert "token [redacted" in text and "Qx81" not in text and "vTz" not in text, text
    assert read_json(final / "manifest.json")["redactions_applied"] == 1


def test_an_early_file_that_is_no_longer_true_is_removed(tmp_path):
    archive = _archive(tmp_path, Redactor())
    archive.write_early("allure-results/old-result.json", b"{}")
    archive.forget_early("allure-results/old-result.json")
    final = archive.complete({"results.json": b"{}"}, {})
    assert not (final / "allure-results" / "old-result.json").exists()
    assert "allure-results/old-result.json" not in _manifest_hashes(final)


def test_a_failed_background_write_fails_the_archive(tmp_path):
    archive = _archive(tmp_path, Redactor())
    (archive.partial / "allure-results").write_text("a file where the folder belongs")
    archive.write_early("allure-results/a-result.json", b"{}")
    with pytest.raises(OSError):
        archive.complete({"results.json": b"{}"}, {})
    archive.discard()
    assert not archive.partial.exists()


def test_discard_stops_the_writer_and_leaves_nothing(tmp_path):
    archive = _archive(tmp_path, Redactor())
    for i in range(50):
        archive.write_early(f"allure-results/{i}-result.json", b"{}")
    archive.discard()
    assert not archive.partial.exists()


# Ctrl-C at a terminal reaches the whole foreground process group, possibly the very moment the writer
# has been started and cannot yet ignore it: the run (which handles it) must still complete its archive.
CTRL_C_AT_START = '''
import datetime as dt, os, signal, sys
from pathlib import Path
from types import SimpleNamespace
from opsverify.allureresults import result_files
from opsverify.archive import Archive
from opsverify.outcome import Outcome, Status
from opsverify.secrets import Redactor

# this process stands for the run, which handles Ctrl-C (a handler, not SIG_IGN: a child would inherit that)
signal.signal(signal.SIGINT, lambda *_: None)
partial = Path(sys.argv[1]) / "fx" / f".partial-20261201T000000Z-{os.getpid()}"
partial.mkdir(parents=True)
archive = Archive(reports=Path(sys.argv[1]), env=SimpleNamespace(name="fx"), deploy="d1", commit="c",
                  started=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), partial=partial, redactor=Redactor())
archive.write_early("allure-results/a-result.json", b"{}")  # starts the writer
os.killpg(os.getpgrp(), signal.SIGINT)
print(archive.complete({"results.json": b"{}"}, {}))
'''


def test_ctrl_c_as_the_writer_starts_does_not_stop_it(tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_AT_START)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "reports")], capture_output=True, text=True,
                          timeout=60, start_new_session=True, preexec_fn=interruptible)  # a group of its own
    assert done.returncode == 0, done.stdout + done.stderr
    final = Path(done.stdout.strip())
    assert (final / "allure-results" / "a-result.json").read_bytes() == b"{}"


# A project conftest: when the last item starts, the results of the items before it are in the partial
# archive already (waits for the background writer, so it does not hinge on the machine's speed).
WATCH = '''
import json, time
from pathlib import Path

def pytest_runtest_setup(item):
    if item.nodeid != item.session.items[-1].nodeid:
        return
    results = Path(__file__).parent / "reports" / "fx"
    want = len(item.session.items) - 1
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        seen = [p.name for p in results.glob(".partial-*/allure-results/*-result.json")]
        if len(seen) >= want:
            break
        time.sleep(0.05)
    (Path(__file__).parent / "seen.json").write_text(json.dumps({"want": want, "seen": len(seen)}))
'''


def test_results_are_written_while_later_items_run(tmp_path):
    runbook = make_runbook(tmp_path)
    (tmp_path / "conftest.py").write_text(WATCH)
    result = runbook.run()
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:]
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["seen"] == seen["want"] > 0
    (archive,) = runbook.archives()
    results = list((archive / "allure-results").glob("*-result.json"))
    assert len(results) == seen["want"] + 1  # one per item: nothing twice, nothing missing
    hashes = _manifest_hashes(archive)
    for path in (archive / "allure-results").iterdir():
        name = f"allure-results/{path.name}"
        assert hashes[name] == hashlib.sha256(path.read_bytes()).hexdigest(), name
    for path in archive.rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_without_a_writer_process_the_end_writes_every_file(tmp_path, monkeypatch):
    import subprocess

    def cannot_start(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    archive = _archive(tmp_path, Redactor())
    monkeypatch.setattr(subprocess, "Popen", cannot_start)
    archive.write_early("allure-results/a-result.json", b'{"a": 1}')
    final = archive.complete({"results.json": b"{}"}, {})
    assert (final / "allure-results" / "a-result.json").read_bytes() == b'{"a": 1}'
    assert "allure-results/a-result.json" in _manifest_hashes(final)


def test_the_writer_reports_the_first_failure_and_drains_the_rest(tmp_path):
    import io

    from opsverify import archive_writer

    (tmp_path / "blocked").write_text("a file where a folder belongs")
    def batch(*names: str) -> bytes:  # as the run sends them: a batch's files, then FLUSH
        return b"".join(archive_writer.frame(archive_writer.FILE, name, b"x") for name in names) \
            + archive_writer.frame(archive_writer.FLUSH, "")

    frames = batch("ok.json", "blocked/a.json") + batch("later.json")
    said = io.StringIO()
    archive_writer.serve(str(tmp_path), io.BytesIO(frames + archive_writer.frame(archive_writer.REMOVE, "ok.json")),
                         said)
    number, text, name = json.loads(said.getvalue())["failure"].split("\t")
    assert int(number) and text and name == "blocked/a.json"
    assert (tmp_path / "ok.json").exists() and not (tmp_path / "later.json").exists()


# -- the writer builds each item's Allure files, and scrubs and hashes them with the run's final secrets -------
SECRET_URL = "postgresql://checker:Wr1terCanary-9fQx2Lm@db.internal:5432/app"


def _row(uid_text: str) -> dict:
    return {"status": "failed", "system": "s", "key": f"S1-{uid_text}", "title": "t", "section": "1 S",
            "expected": "a token", "observed": f"saw {uid_text}", "severity": "normal", "family": "http",
            "cadence": "postdeploy", "evidence": {"body": uid_text, "lines": [uid_text, "ok"]}}


def test_the_writer_builds_what_the_run_would_and_scrubs_with_the_same_secrets(tmp_path):
    """Texts that hold a secret plainly, escaped, cut at an edge, wrapped and in base64: the writer process, given
    the run's matcher pickled, writes each file byte for byte as the run itself would."""
    import base64

    redactor = Redactor()
    redactor.add(SECRET_URL, even_if_plain=True)
    redactor.add(LATE)
    texts = [f"token {LATE}", json.dumps({"u": SECRET_URL}), f"…{LATE[5:]}", f"cut {LATE[:12]}",
             "Wr1terCanary-\n9fQx2Lm", base64.b64encode(LATE.encode()).decode(), LATE.replace("-", "%2D"),
             "nothing secret"]
    archive = _archive(tmp_path, redactor)
    uids = [f"u{i}" for i in range(len(texts))]
    for uid, text in zip(uids, texts):
        archive.write_result(uid, _row(text), 0)
    archive.write_early("allure-results/plain.txt", f"plain {SECRET_URL}".encode())
    archive.write_early("allure-results/cut.txt", f"an excerpt cut short: {LATE[:12]}".encode())  # the text's end
    final = archive.complete({"results.json": b"{}"}, {})
    expected = {}
    for uid, text in zip(uids, texts):
        for name, data in result_files(_row(text), env="fx", start_ms=0, uid=uid).items():
            expected[f"allure-results/{name}"] = redactor.text(data.decode()).encode()
    expected["allure-results/plain.txt"] = redactor.text(f"plain {SECRET_URL}").encode()
    expected["allure-results/cut.txt"] = f"an excerpt cut short: {redactor.text(LATE[:12])}".encode()
    assert b"[redacted part of" in expected["allure-results/cut.txt"]
    hashes = _manifest_hashes(final)
    for name, data in expected.items():
        assert (final / name).read_bytes() == data, name
        assert hashes[name] == hashlib.sha256(data).hexdigest(), name
    for path in final.rglob("*"):
        if path.is_file():
            assert LATE.encode() not in path.read_bytes() and b"Wr1terCanary-9fQx2Lm" not in path.read_bytes()
    built = {f"allure-results/{name}": data for uid, text in zip(uids, texts)
             for name, data in result_files(_row(text), env="fx", start_ms=0, uid=uid).items()}
    changed = sum(expected[name] != data for name, data in built.items())
    assert changed >= 8  # most texts hold a secret in some form: each in its result and its evidence
    assert read_json(final / "manifest.json")["redactions_applied"] == changed + 2


def test_a_secret_learnt_after_the_writer_was_given_them_is_scrubbed_by_the_run(tmp_path):
    redactor = Redactor()
    redactor.add(SECRET_URL, even_if_plain=True)
    archive = _archive(tmp_path, redactor)
    names = archive.write_result("u1", _row(f"token {LATE}"), 0)
    archive.end_early()  # the writer now scrubs with what the run knew
    redactor.add(LATE)  # and the run learns one more
    final = archive.complete({"results.json": b"{}"}, {})
    for name in names:
        data = (final / name).read_bytes()
        assert LATE.encode() not in data and b"token [redacted" in data, name
        assert _manifest_hashes(final)[name] == hashlib.sha256(data).hexdigest()


def test_a_writer_that_stops_leaves_the_run_to_write_every_file(tmp_path, monkeypatch):
    """A writer that dies mid-run (killed, out of memory) is no failure of the archive: the run builds, scrubs and
    writes every early file itself, and removes what the writer left that is no longer true."""
    redactor = Redactor()
    redactor.add(LATE)
    archive = _archive(tmp_path, redactor)
    kept = archive.write_result("u1", _row(f"token {LATE}"), 0)
    gone = archive.write_result("u2", _row("reported again"), 0)
    writer = archive._writer
    writer.end()
    writer._feeder.join()
    writer._process.wait(30)  # it wrote what it was given, and ended (its input closed)
    assert all((archive.partial / name).exists() for name in (*kept, *gone))
    archive.forget_result("u2")  # too late for the writer to hear of
    writer._process = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # a writer that died
    writer._process.wait(30)
    writer._feeder = SimpleNamespace(join=lambda timeout=None: None, is_alive=lambda: False)
    final = archive.complete({"results.json": b"{}"}, {})
    hashes = _manifest_hashes(final)
    for name in kept:
        data = (final / name).read_bytes()
        assert LATE.encode() not in data and hashes[name] == hashlib.sha256(data).hexdigest()
    assert not any((final / name).exists() for name in gone) and not set(gone) & set(hashes)
    assert set(hashes) == {*kept, "results.json"}


def test_a_writer_that_stalls_is_killed_past_its_bound_and_the_run_writes_every_file(tmp_path):
    """A writer that stops making progress without dying (SIGSTOP: a team's test paused it) made the end of the run
    wait for it without bound: `complete` never returned (no archive, no exit code). Past the writer's bound it is
    killed, and the run builds, scrubs and writes every early file itself, as when the writer dies."""
    redactor = Redactor()
    redactor.add(LATE)
    archive = _archive(tmp_path, redactor)
    kept = [name for n in range(40) for name in archive.write_result(f"u{n}", _row(f"token {LATE} {'x' * 4000}"), 0)]
    writer = archive._writer
    os.kill(writer._process.pid, signal.SIGSTOP)  # stopped: it never reads its pipe or ends, however long we wait
    try:
        writer.END_S, writer.END_PER_FRAME_S = 0.5, 0.0  # a stopped writer is past any bound: a short one will do
        ended: list[Path] = []
        completing = threading.Thread(target=lambda: ended.append(archive.complete({"results.json": b"{}"}, {})),
                                      daemon=True)
        completing.start()
        completing.join(120)
        assert ended, "the archive was never completed: the run waited for its stopped writer without bound"
    finally:
        if writer._process.poll() is None:  # a stopped child left behind
            writer._process.kill()
            writer._process.wait()
    assert writer._process.returncode == -signal.SIGKILL, "the stalled writer was not killed"
    hashes = _manifest_hashes(ended[0])
    assert set(hashes) == {*kept, "results.json"}, sorted(set(hashes) ^ {*kept, "results.json"})
    for name in kept:
        data = (ended[0] / name).read_bytes()
        assert LATE.encode() not in data and hashes[name] == hashlib.sha256(data).hexdigest(), name


# A team's test beside the checklists that pauses the run's archive writer (its child), saying which process it paused
PAUSES_THE_WRITER = """
import os, signal
from pathlib import Path

def test_pause_the_writer():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if parent == os.getpid() and b"archive_writer" in command:
            os.kill(int(pid), signal.SIGSTOP)
            Path(__file__).with_name("paused.pid").write_text(pid)
"""


def test_a_run_whose_writer_a_team_test_paused_ends_with_its_archive_and_exit_code(tmp_path):
    """The run waited for its paused writer without end: no archive, no exit code. Past the writer's bound it is
    killed, and the run writes its archive itself: E2's failure archived (Allure too), the run ended 1."""
    project = Project(tmp_path)
    (tmp_path / "app.env").write_text("PRESENT=1\n", encoding="utf-8")
    project.checklist("shop", """
    - {id: E1, name: set, section: S, title: a variable is set, family: env, cadence: postdeploy,
       params: {service: app, required: [PRESENT]}}
    - {id: E2, name: unset, section: S, title: a variable is set, family: env, cadence: postdeploy,
       params: {service: app, required: [MISSING]}}""")
    project.environment(f"systems:\n  shop: {{services: {{app: {{env: {{dotenv: '{tmp_path / 'app.env'}'}}}}}}}}\n")
    (tmp_path / "test_zz_team.py").write_text(PAUSES_THE_WRITER, encoding="utf-8")
    try:
        ran = project.run("--env", "local", "checklists", "test_zz_team.py", timeout=120)
    finally:  # a writer still paused (the run waited for it, and was stopped) is this test's to end
        paused = tmp_path / "paused.pid"
        try:
            if b"archive_writer" in Path(f"/proc/{paused.read_text()}/cmdline").read_bytes():
                os.kill(int(paused.read_text()), signal.SIGKILL)
        except OSError:  # none paused, or it is gone
            pass
    assert (tmp_path / "paused.pid").exists(), "the team's test found no writer to pause"
    assert ran.statuses() == {"E1-set": "passed", "E2-unset": "failed"}, ran.output[-3000:]
    assert ran.code == 1, f"E2 failed, so the run ends 1; it ended {ran.code}:\n{ran.output[-3000:]}"
    final = ran.archive()
    hashes = _manifest_hashes(final)
    allure = [name for name in hashes if name.startswith("allure-results/") and name.endswith("-result.json")]
    assert len(allure) == 3, f"expected an Allure result for E1, E2 and the team's test; saw {sorted(hashes)}"
    for name, digest in hashes.items():
        assert hashlib.sha256((final / name).read_bytes()).hexdigest() == digest, name


def test_the_writer_runs_the_package_the_run_loaded_whatever_shadows_it(tmp_path, monkeypatch):
    """A folder on PYTHONPATH, or the current one, holding another `opsverify` (or a stdlib module's name): the
    writer is isolated from both and loads this very package."""
    decoy = tmp_path / "decoy"
    (decoy / "opsverify").mkdir(parents=True)
    for name in ("opsverify/__init__.py", "json.py", "pickle.py"):
        (decoy / name).write_text("raise SystemExit(7)\n")
    monkeypatch.setenv("PYTHONPATH", str(decoy))
    monkeypatch.chdir(decoy)
    redactor = Redactor()
    redactor.add(LATE)
    archive = _archive(tmp_path, redactor)
    names = archive.write_result("u1", _row(f"token {LATE}"), 0)
    done = archive._finish_writing()
    assert set(done) == set(names)  # the writer did the work: nothing left for the run
    for name in names:
        assert LATE.encode() not in (archive.partial / name).read_bytes()


def test_the_writer_is_given_the_secrets_as_it_starts_and_again_when_one_is_learnt(tmp_path):
    redactor = Redactor()
    redactor.add(SECRET_URL, even_if_plain=True)
    archive = _archive(tmp_path, redactor)
    first = archive.write_result("u1", _row(f"token {LATE} at {SECRET_URL}"), 0)
    given = archive._writer_matcher
    assert given is redactor.matcher()  # with its first file: it builds its automaton while items run
    redactor.add(LATE)  # learnt later in the run
    second = archive.write_result("u2", _row(f"again {LATE}"), 0)
    assert archive._writer_matcher is given  # not at every item
    done = archive._finish_writing()
    assert archive._writer_matcher is redactor.matcher() is not given  # and at the end, the run's last
    assert set(done) == {*first, *second}  # the writer's scrub stands: nothing left for the run
    for name in (*first, *second):
        data = (archive.partial / name).read_bytes()
        assert LATE.encode() not in data and b"Wr1terCanary" not in data and done[name] == hashlib.sha256(data).hexdigest()


def test_a_file_the_end_writes_again_counts_once_among_the_redactions(tmp_path):
    redactor = Redactor()
    redactor.add(LATE)
    archive = _archive(tmp_path, redactor)
    (name, *_) = archive.write_result("u1", _row(f"token {LATE}"), 0)
    final = archive.complete({name: f"written again: {LATE}".encode(), "results.json": b"{}"}, {})
    assert (final / name).read_bytes() == b"written again: " + redactor.text(LATE).encode()
    allure = [n for n in _manifest_hashes(final) if n.startswith("allure-results/")]
    assert len(allure) == 2  # one file the writer scrubbed, one it scrubbed that the end wrote again: 2 changed
    assert read_json(final / "manifest.json")["redactions_applied"] == 2


def test_a_file_given_after_the_secrets_reaches_the_disk_scrubbed(tmp_path):
    """The writer scrubs each batch as it writes it: a run killed before its end leaves no secret it had learnt
    in its partial folder (the end's scrub would never come)."""
    redactor = Redactor()
    redactor.add(LATE)
    archive = _archive(tmp_path, redactor)
    names = archive.write_result("u1", _row(f"token {LATE}"), 0)  # the secrets follow it in the same batch
    deadline, seen = time.monotonic() + 60, {}
    while time.monotonic() < deadline and len(seen) < len(names):  # the writer is still running: no end yet
        for name in names:
            try:
                seen[name] = json.loads((archive.partial / name).read_bytes())
            except (OSError, ValueError):  # not there yet, or being written
                pass
        time.sleep(0.02)
    assert set(seen) == set(names)
    for name, data in seen.items():
        assert LATE not in json.dumps(data) and "token [redacted" in json.dumps(data), name
    archive.discard()


CLEANED: list[tuple[str, str]] = []  # (the matcher's name, a text it was asked to clean), in the writer's order


class _NamedMatcher:
    """Stands for the run's matcher in the writer (pickled to it as the run's is): masks nothing, notes each text."""

    def __init__(self, name: str) -> None:
        self.name = name

    def clean(self, text: str) -> str:
        CLEANED.append((self.name, text))
        return text


def test_the_end_scrubs_again_only_what_the_last_secrets_did_not_see(tmp_path):
    import io
    import pickle

    from opsverify import archive_writer

    def frame(kind: int, name: str = "", data: bytes = b"") -> bytes:
        return archive_writer.frame(kind, name, data)

    FILE, FLUSH, SECRETS = archive_writer.FILE, archive_writer.FLUSH, archive_writer.SECRETS
    frames = (frame(FILE, "before.json", b"A") + frame(FLUSH)  # written before any secret came
              + frame(SECRETS, data=pickle.dumps(_NamedMatcher("first"))) + frame(FILE, "middle.json", b"B")
              + frame(FLUSH) + frame(SECRETS, data=pickle.dumps(_NamedMatcher("last")))
              + frame(FILE, "after.json", b"C") + frame(FLUSH))
    CLEANED.clear()
    said = io.StringIO()
    archive_writer.serve(str(tmp_path), io.BytesIO(frames), said)
    report = json.loads(said.getvalue())
    assert report["scrubbed"] and not report["failure"]
    assert set(report["hashes"]) == {"before.json", "middle.json", "after.json"}
    by_last = "\n".join(text for name, text in CLEANED if name == "last")
    assert by_last.count("A") == by_last.count("B") == by_last.count("C") == 1  # each file once with the last
    assert [text for name, text in CLEANED if name == "first"] == ["B"]
