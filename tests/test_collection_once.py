"""One checklist item is one test, however pytest was led to it: a project with both `checks/test_<family>.py` and
`checklists/*.yaml` collects an item from each when pytest walks the whole folder (`pytest .`, or an ini file it
lost); the module's test is kept (its id is the documented one) and the item runs and is archived once. A folder
option written with a space (`--reports-dir /elsewhere`) is a path argument to pytest before the plugin is loaded:
where that would lose the project's ini file, the run is refused with the way to write it. And xdist's workers
share their groups however they were asked for (`-n`, `--tx`)."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest

from opsverify.plugin import xdist_starts_workers

from .project import MisbehavingHttp
from .test_selection import modules_fleet

ITEMS = {"A1-up", "A2-up-again", "B1-up", "B2-up-again"}  # the postdeploy items of modules_fleet


def _once(ran, reports=None) -> dict:
    """The archive's manifest, after checking that every item ran once, from its `checks/` module."""
    archive = ran.archive() if reports is None else next(p for p in (reports / "local").iterdir()
                                                        if not p.name.startswith("."))
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((archive / "results.json").read_text(encoding="utf-8"))
    keys = [row["key"] for row in results["checks"]]
    assert sorted(keys) == sorted(ITEMS), keys
    assert all(row["nodeid"].startswith("checks/test_http.py::test_http[") for row in results["checks"])
    assert (manifest["selected"], manifest["ran"], manifest["counts"]["passed"]) == (4, 4, 4), manifest
    junit = (archive / "junit.xml").read_text(encoding="utf-8")
    checked = [case for case in junit.split("<testcase ")[1:] if 'type="manual"' not in case]
    assert len(checked) == 4  # each item once (a manual item the selection left out is listed apart)
    return manifest


@pytest.mark.parametrize("args", [["."], [".", "-n", "2"], ["checks", "checklists"]])
def test_an_item_reached_from_its_module_and_its_checklist_runs_once(tmp_path, args):
    with MisbehavingHttp() as web:
        ran = modules_fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", "-rA", *args)
    assert ran.code == 0, ran.output[-3000:]
    assert "4 passed" in ran.done.stdout.strip().splitlines()[-1], ran.output[-3000:]
    assert not any(line.startswith("PASSED checklists/") for line in ran.done.stdout.splitlines())
    _once(ran)


def test_without_an_ini_file_the_whole_folder_is_collected_and_each_item_runs_once(tmp_path):
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        (project.root / "pyproject.toml").unlink()
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 0, ran.output[-3000:]
    _once(ran)


@pytest.mark.parametrize("option, made, workers", [
    ("--reports-dir", True, []),
    ("--reports-dir", False, ["-n", "2"]),  # the workers would start once the archive has made it
    ("--waivers-dir", True, []),
])
def test_a_folder_option_with_a_space_that_would_lose_the_ini_file_is_refused(tmp_path, option, made, workers):
    elsewhere = tmp_path / "elsewhere"
    if made:
        elsewhere.mkdir()
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path / "project", web)
        ran = project.run("--env", "local", "-m", "postdeploy", option, str(elsewhere), *workers)
    assert ran.code == 4, ran.output[-3000:]
    assert ran.done.stderr.strip() == (
        f"opsverify: {option} {elsewhere}: pytest reads a folder written after a space as a test path, and this one,"
        f" outside the project, would make it lose the project's ini file (pyproject.toml: its testpaths and every"
        f" other setting); write {option}={elsewhere}")
    assert not (project.root / "reports").exists() and not (elsewhere / "local").exists()


def test_a_folder_option_with_an_equals_sign_points_outside_the_project(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path / "project", web)
        ran = project.run("--env", "local", "-m", "postdeploy", f"--reports-dir={elsewhere}", "-n", "2")
    assert ran.code == 0, ran.output[-3000:]
    _once(ran, reports=elsewhere)
    assert not (project.root / "reports").exists()


@pytest.mark.parametrize("args", [["."], []])
def test_the_projects_own_reports_folder_is_never_walked_when_the_run_archives_elsewhere(tmp_path, args):
    """`reports/` holds the archives of earlier runs (thousands of files each): walking it on every collection cost
    a fleet run more than a second. It is passed over with `--reports-dir` pointing elsewhere as without it; a
    test module in it is never imported."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path / "project", web)
        (project.root / "pyproject.toml").unlink()  # no testpaths: pytest walks the whole folder
        old = project.root / "reports" / "local" / "20261201T000000Z_old"
        old.mkdir(parents=True)
        (old / "test_planted.py").write_text("raise AssertionError('reports/ was walked')\n", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy", f"--reports-dir={elsewhere}", *args)
    assert ran.code == 0, ran.output[-3000:]
    assert "walked" not in ran.output
    _once(ran, reports=elsewhere)


def test_a_folder_option_no_env_validated_never_breaks_collection(tmp_path):
    """Without --env nothing is archived and no folder option is checked before collecting: one the file system
    cannot look at (a name too long) is no traceback while pytest walks the project — the run says what it needs."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        ran = project.run("-m", "postdeploy", f"--reports-dir={'r' * 5000}", f"--checklists-dir={'c' * 5000}")
    assert ran.code == 4, ran.output[-3000:]
    assert "Traceback" not in ran.output and "ERROR collecting" not in ran.output, ran.output[-3000:]
    assert "runbook checks need --env NAME" in ran.output


def test_an_item_run_twice_all_the_same_is_said_loudly(tmp_path):
    """Were an item ever to run twice (here a conftest adds a copy once the plugin has chosen the items), the archive
    would count it twice: an engine bug, said on the console and in the exit code, never a quiet green run."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        shutil.rmtree(project.root / "checks")
        (project.root / "pyproject.toml").unlink()
        (project.root / "conftest.py").write_text(
            "from opsverify.items import ChecklistItem\n\n\n"
            "def pytest_collection_finish(session):\n"
            "    first = session.items[0]\n"
            "    session.items.append(ChecklistItem.from_parent(first.parent, name=first.name + '-again',\n"
            "                                                   check=first.opsverify_check))\n", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 3, ran.output[-3000:]
    assert ("engine bug: 5 results for 4 selected items (alpha A1-up ran 2 times); the archive records every result:"
            " please report it") in ran.done.stdout, ran.output[-3000:]
    assert json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))["exit_code"] == 3


@pytest.mark.parametrize("option, starts", [
    ({"numprocesses": 2}, True),
    ({"numprocesses": "auto"}, True),
    ({"numprocesses": 0}, False),
    ({"tx": ["2*popen"], "dist": "load"}, True),
    ({"tx": ["popen", "popen"], "dist": "loadfile"}, True),
    ({"tx": ["2*popen"], "distload": True}, True),  # -d
    ({"tx": ["2*popen"]}, False),  # --tx without a --dist mode: xdist starts no worker
    ({}, False),
])
def test_the_plugin_knows_when_xdist_will_start_workers(option, starts):
    """Asked before xdist has started any (to give them a shared folder): -n, or --tx with a --dist mode."""
    defaults = {"numprocesses": None, "tx": [], "dist": "no", "distload": False}
    assert xdist_starts_workers(SimpleNamespace(**{**defaults, **option})) is starts


@pytest.mark.parametrize("args, chose", [
    (["."], []),
    ([".", "--deselect", "checks/test_http.py::test_http[A1-up[local]]"], ["A1-up"]),
    (["checks", "checklists", "--deselect", "checklists/alpha.yaml::A1-up"], ["A1-up"]),
    (["checks", "checklists", "-k", "not A1"], ["A1-up"]),
])
def test_what_deselects_one_copy_of_an_item_deselects_the_item(tmp_path, args, chose):
    """Reached from its module and its checklist (`pytest .`), an item is one test before -k and --deselect choose:
    deselecting either copy skips it, never leaving the other to run (a deselected mutating call was still sent)."""
    with MisbehavingHttp() as web:
        ran = modules_fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", *args)
    assert ran.code == 0, ran.output[-3000:]
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    keys = sorted(row["key"] for row in results["checks"])
    assert keys == sorted(ITEMS - set(chose)), keys
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert [entry.split()[-1] for entry in manifest["selection"]["left_out"]] == chose, manifest["selection"]


def test_a_symlink_is_taken_as_pytest_takes_a_path(tmp_path):
    """pytest makes a path argument absolute without following symlinks: a link outside the project to a folder
    inside it still loses the ini (refused), and a link inside the project to a folder outside it does not (runs)."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path / "project", web)
        (project.root / "kept").mkdir()
        (tmp_path / "link-in").symlink_to(project.root / "kept")
        ran = project.run("--env", "local", "-m", "postdeploy", "--reports-dir", str(tmp_path / "link-in"))
        assert ran.code == 4 and "lose the project's ini file" in ran.done.stderr, ran.output[-3000:]
        (tmp_path / "outside").mkdir()
        (project.root / "link-out").symlink_to(tmp_path / "outside")
        ran = project.run("--env", "local", "-m", "postdeploy", "--reports-dir", "link-out")
    assert ran.code == 0, ran.output[-3000:]
    _once(ran, reports=tmp_path / "outside")



def _module(project, name: str, family: str, function: str, body: str = "verdict(checked)") -> None:
    (project.root / "checks" / f"{name}.py").write_text(
        f"from opsverify.items import verdict\n\nFAMILY = {family!r}\n\n\n"
        f"def {function}(checked):\n    {body}\n", encoding="utf-8")


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_a_module_naming_no_family_is_bad_input(tmp_path, workers):
    """`FAMILY = "htp"` would collect nothing and say nothing: the run stops before any check, naming the module and
    the families there are."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        _module(project, "test_htp", "htp", "test_htp")
        ran = project.run("--env", "local", "-m", "postdeploy", *workers)
    assert ran.code == 20, ran.output[-3000:]
    assert ("checks/test_htp.py: FAMILY = 'htp' is not a family (the families: bundle, cron, env, http, manual,"
            " metrics, migrations, provider, redis, repo, rpc, s3, scheduler, schema, sql, tcp, tls, webhook)"
            in ran.output), ran.output[-3000:]
    assert not (project.root / "reports" / "local").exists() or not any(
        p for p in (project.root / "reports" / "local").iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_a_second_test_of_a_family_is_refused_not_dropped(tmp_path, workers):
    """A team's extra assertions in checks/test_http_latency.py were deselected in silence, the family's own test
    standing for each item. One item is one test (its one result in the archive): the second is refused, saying
    why and where its assertion belongs."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        _module(project, "test_http_latency", "http", "test_latency", "assert checked.outcome.duration_s < 60")
        ran = project.run("--env", "local", "-m", "postdeploy", *workers)
    assert ran.code == 20, ran.output[-3000:]
    assert ("opsverify: checks/test_http_latency.py::test_latency: a second test of the http family's items, which"
            " checks/test_http.py::test_http already stands for: one item is one test, with one result in the archive,"
            " so this one would be dropped unrun; make its assertions in checks/test_http.py::test_http, or with the"
            " items' params" in ran.output), ran.output[-3000:]
    assert "passed" not in ran.output.splitlines()[-1], ran.output[-3000:]  # nothing was checked


def test_a_module_whose_tests_take_an_item_and_that_names_no_family_is_bad_input(tmp_path):
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        (project.root / "checks" / "test_mine.py").write_text("def test_mine(check):\n    pass\n", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 20, ran.output[-3000:]
    assert ("opsverify: checks/test_mine.py: its tests take a checklist item (`check`), and it sets no FAMILY: name"
            " the family of its items, e.g. FAMILY = 'http' (the families: bundle, " in ran.output), ran.output[-3000:]


def _with_a_family_without_its_module(project):
    """modules_fleet plus a system whose tcp item no `checks/` module holds (there is no checks/test_tcp.py)."""
    project.checklist("charlie", """
    - {id: C1, name: antivirus, section: Scanning, title: clamd answers, family: tcp, cadence: postdeploy,
       params: {endpoint: clamd, protocol: clamd}}
    """)
    project.environment('systems:\n' + "".join(f'  {s}: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}\n'
                                              for s in ("alpha", "bravo"))
                        + "  charlie: {endpoints: {clamd: '127.0.0.1:9'}}\n")
    return project


@pytest.mark.parametrize("args", [[], ["checks"], ["-n", "2"]])
def test_a_family_with_no_module_among_the_collected_ones_is_bad_input(tmp_path, args):
    """testpaths = checks, and no checks/test_tcp.py: charlie's tcp item was never collected. Not a partial run blamed
    on a hook that does not exist, exit 0: the layout is missing the module (exit 20, no check run, no archive)."""
    with MisbehavingHttp() as web:
        project = _with_a_family_without_its_module(modules_fleet(tmp_path, web))
        ran = project.run("--env", "local", "-m", "postdeploy", *args)
    assert ran.code == 20, ran.output[-3000:]
    assert ("checks/test_tcp.py is missing: the tcp items (charlie C1-antivirus) were never collected; add it"
            in ran.output), ran.output[-3000:]
    assert "pytest_collection_modifyitems" not in ran.output, ran.output[-3000:]
    assert not (project.root / "reports" / "local").exists() or not any(
        p for p in (project.root / "reports" / "local").iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("args", [["checks/test_http.py"], ["checks", "checklists"], ["-m", "daily"]])
def test_a_family_without_a_module_is_no_error_where_nothing_asked_for_it(tmp_path, args):
    """Modules named one by one narrow the run (partial, by the command line), the checklist files collect the tcp item
    themselves, and -m daily takes in no tcp item: none of these is refused."""
    with MisbehavingHttp() as web:
        project = _with_a_family_without_its_module(modules_fleet(tmp_path, web))
        ran = project.run("--env", "local", *(["-m", "postdeploy"] if "-m" not in args else []), *args)
    assert ran.code in (0, 5, 23, 10), ran.output[-3000:]
    assert "is missing" not in ran.output, ran.output[-3000:]
    if args == ["checks/test_http.py"]:
        manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["selection"]["left_out"] == ["charlie C1-antivirus"], manifest["selection"]
        assert manifest["selection"]["narrowed_by"] == ["checks/test_http.py"], manifest["selection"]


SKIPS_AT_IMPORT = {  # what a team writes at the top of a family module, for an optional dependency
    "importorskip": 'pytest.importorskip("a_client_this_runner_lacks")',
    "module-level skip": 'pytest.skip("the api client is not configured here", allow_module_level=True)',
}


def _skipping_at_import(project, skip: str, module: str = "test_http.py"):
    """project, its checks/<module> skipping itself at import (before its FAMILY and test are reached)."""
    path = project.root / "checks" / module
    path.write_text("import pytest\n" + SKIPS_AT_IMPORT[skip] + "\n" + path.read_text(encoding="utf-8")
                    if path.exists() else "import pytest\n" + SKIPS_AT_IMPORT[skip] + "\n", encoding="utf-8")
    return project


def _with_a_tcp_module(project):
    (project.root / "checks" / "test_tcp.py").write_text(
        "from opsverify.items import verdict\n\nFAMILY = 'tcp'\n\n\ndef test_tcp(checked):\n    verdict(checked)\n",
        encoding="utf-8")
    return _with_a_family_without_its_module(project)


@pytest.mark.parametrize("skip", sorted(SKIPS_AT_IMPORT))
@pytest.mark.parametrize("args", [[], ["-n", "2"]])
def test_a_family_module_skipped_at_import_is_not_checked_and_said_so(tmp_path, skip, args):
    """checks/test_tcp.py skips itself at import (an optional dependency missing): the tcp item of the run's scope was
    never collected. It was a run that ended 0, with no row for it, blamed on a pytest_collection_modifyitems hook
    that did not exist; it is now what a module that fails to import is: a row of the module, not collected, so not
    checked, and exit 10 — the other families checked and archived (--continue-on-collection-errors)."""
    with MisbehavingHttp() as web:
        project = _skipping_at_import(_with_a_tcp_module(modules_fleet(tmp_path, web)), skip, "test_tcp.py")
        ran = project.run("--env", "local", "-m", "postdeploy", "--continue-on-collection-errors", *args)
    assert ran.code == 10, ran.output[-3000:]
    assert "not collected, so not checked: checks/test_tcp.py" in ran.output, ran.output[-3000:]
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    (row,) = [row for row in results["checks"] if row["nodeid"] == "checks/test_tcp.py"]
    assert row["status"] == "error", row
    assert row["message"].startswith("not collected, so not checked: checks/test_tcp.py skipped at import ("), row
    assert "the tcp items (charlie C1-antivirus) were never collected" in row["message"], row
    assert ran.statuses() == dict.fromkeys(ITEMS, "passed"), ran.statuses()  # the other families were checked
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["narrowed_by"] == ["not collected (checks/test_tcp.py), not the command line"], \
        manifest["selection"]  # it had blamed a pytest_collection_modifyitems hook that did not exist
    assert "pytest_collection_modifyitems" not in ran.output, ran.output[-3000:]


def test_a_family_module_skipped_at_import_stops_the_run_as_one_that_fails_to_import(tmp_path):
    """Without --continue-on-collection-errors pytest stops at a collection error: so it does here, exit 10, never 0."""
    with MisbehavingHttp() as web:
        project = _skipping_at_import(modules_fleet(tmp_path, web), "importorskip")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 10, ran.output[-3000:]
    assert "checks/test_http.py skipped at import (" in ran.output, ran.output[-3000:]
    assert "Interrupted: 1 error during collection" in ran.output, ran.output[-3000:]


def test_a_module_skipped_at_import_that_no_item_in_scope_needs_is_a_skip(tmp_path):
    """A team's own module and a family module whose family has no item in the run's scope (no tcp item here) skip
    as pytest's do: the run is whole and passes."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        (project.root / "checks" / "test_tcp.py").write_text("FAMILY = 'tcp'\n", encoding="utf-8")
        project = _skipping_at_import(_skipping_at_import(project, "importorskip", "test_tcp.py"),
                                      "module-level skip", "test_mine.py")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 0, ran.output[-3000:]
    assert "skipped at import" not in ran.output, ran.output[-3000:]
    assert set(ran.statuses()) == ITEMS, ran.statuses()


@pytest.mark.parametrize("skip", sorted(SKIPS_AT_IMPORT))
@pytest.mark.parametrize("where", ["checks/conftest.py", "conftest.py"])
def test_a_conftest_skipped_at_import_stops_the_run_in_one_line(tmp_path, skip, where):
    """A team's conftest that skips itself at import (`pytest.importorskip` of a client this runner lacks): pytest
    loads no test below it, so no item in scope is collected. It ended the run in a ~40-frame `Skipped:` traceback and
    exit 1 ("a check failed"); it is one line naming the conftest and its reason, exit 10 as a family module skipped
    at import (the runner lacks what it needs: not a bad file), before any check and with nothing written."""
    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        (project.root / where).write_text("import pytest\n" + SKIPS_AT_IMPORT[skip] + "\n", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy")
    reason = {"importorskip": "could not import 'a_client_this_runner_lacks': No module named "
                              "'a_client_this_runner_lacks'",
              "module-level skip": "the api client is not configured here"}[skip]
    assert ran.code == 10, ran.output[-3000:]
    assert "Traceback" not in ran.output, ran.output[-3000:]
    assert ran.done.stderr.strip() == (
        f"opsverify: {where} skipped at import ({reason}): pytest loads no test below it, so no item was checked; "
        "make it import here, or skip in the fixtures or tests that need what it lacks"), ran.output[-3000:]
    assert not (project.root / "reports").exists() or not any((project.root / "reports").iterdir())


CONFTEST_SECRET = "sk_live_51HxQz9Pq8Rr7Tt6Uu5Vv4Ww3"  # the environment's database password, as a conftest may quote it


def _fleet_with_a_secret(root, web, conftest: str, where: str = "checks/conftest.py"):
    """modules_fleet whose environment holds a database password (a secret the run masks), and a conftest of the
    team's that quotes it at import."""
    project = modules_fleet(root, web)
    project.variables["DB_PASSWORD"] = CONFTEST_SECRET
    env = project.root / "environments" / "local.yaml"
    env.write_text(env.read_text(encoding="utf-8").replace(
        'services: {web: {url: "${WEB_URL}"}}}',
        'services: {web: {url: "${WEB_URL}"}}, database: "postgresql://app:${DB_PASSWORD}@127.0.0.1:5/app"}', 1),
        encoding="utf-8")
    path = project.root / where
    path.write_text(conftest + ("\n" + path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")
    return project


def _nothing_leaked(project, ran) -> None:
    assert CONFTEST_SECRET not in ran.output, ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    reports = project.root / "reports"
    for path in (reports.rglob("*") if reports.exists() else ()):
        assert not path.is_file() or CONFTEST_SECRET.encode() not in path.read_bytes(), path


PRINTS_THE_PASSWORD = ('import os, sys\nprint("connecting with", os.environ["DB_PASSWORD"])\n'
                       'print("also on stderr", os.environ["DB_PASSWORD"], file=sys.stderr)\n')


@pytest.mark.parametrize("then, args, code", [
    ('import pytest\npytest.skip("no client", allow_module_level=True)\n', [], 10),  # pytest's capture wrote it out
    ("", ["-n", "2"], 0),  # xdist's controller collects nothing: its capture wrote it out as the run ended
    ("", ["--waivers-dir", "no/such/folder"], 20),  # a run refused before any check: likewise
    ("", [], 0),  # the first module's collection takes it: shown where that module's collection fails
], ids=["skipped-at-import", "xdist", "inputs-refused", "collected"])
def test_what_a_conftest_printed_at_import_is_masked(tmp_path, then, args, code):
    """A team's conftest that prints the database password as it imports: pytest's capture holds it and writes it
    out, as printed, where the run stops (a skip at import, a refused input) or, under xdist, as the run ends.
    What it printed is masked by the environment's secrets before pytest has it."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(tmp_path, web, PRINTS_THE_PASSWORD + then)
        ran = project.run("--env", "local", "-m", "postdeploy", *args)
    assert ran.code == code, ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    _nothing_leaked(project, ran)
    if args or then:  # pytest writes what was captured out here: masked, never dropped in silence
        assert "connecting with" in ran.done.stdout and "also on stderr" in ran.done.stderr, ran.output[-3000:]


def test_a_conftest_that_raises_at_import_stops_the_run_in_one_line(tmp_path):
    """A conftest raising at import with the password in its words: pytest printed `ImportError while loading
    conftest` and the secret as raised, and exit 4 (a usage error). One line now naming the conftest and its error,
    masked, exit 20 (bad input: a broken file of the project), before any check and with nothing written."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(
            tmp_path, web, 'import os\nraise RuntimeError("cannot reach db with password " + os.environ["DB_PASSWORD"])\n')
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == 20, ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    _nothing_leaked(project, ran)
    assert "Traceback" not in ran.output and "ImportError while loading" not in ran.output, ran.output[-3000:]
    [line] = ran.done.stderr.strip().splitlines()
    assert line.startswith("opsverify: checks/conftest.py failed at import (RuntimeError: cannot reach db with "
                           "password "), line
    assert line.endswith("): pytest loads no test below it, so no item was checked; make it import here"), line
    assert not (project.root / "reports").exists() or not any((project.root / "reports").iterdir())


@pytest.mark.parametrize("stop, code, said", [
    ('pytest.fail("no client with " + os.environ["DB_PASSWORD"], pytrace=False)', 10, "failed at import (pytest.fail:"),
    ('pytest.exit("no client with " + os.environ["DB_PASSWORD"])', 2, "ended the run at import (pytest.exit:"),
    ('pytest.exit("no client with " + os.environ["DB_PASSWORD"], returncode=25)', 25,
     "ended the run at import (pytest.exit:"),
    ('pytest.exit("no client with " + os.environ["DB_PASSWORD"], returncode=7)', 2,
     "ended the run at import (pytest.exit:"),  # a code the table does not give: as pytest.exit's own, interrupted
    ('pytest.exit("no client with " + os.environ["DB_PASSWORD"], returncode=0)', 2,
     "ended the run at import (pytest.exit:"),  # no check ran: never 0, every check passed
], ids=["fail", "exit", "exit-25", "exit-7", "exit-0"])
def test_a_conftest_that_fails_or_exits_at_import_stops_the_run_in_one_line(tmp_path, stop, code, said):
    """`pytest.fail(...)` in a conftest at import ended the run in an 86-line traceback, exit 1 (a check failed) with
    none run; `pytest.exit(...)` in pytest's `ImportError while loading conftest`, exit 4. One line each, masked, as
    a conftest skipped at import: pytest.fail exit 10, pytest.exit the code it gives where the table has it (not 0:
    nothing was checked), else 2 as pytest.exit's own."""
    with MisbehavingHttp() as web:
        project = _fleet_with_a_secret(tmp_path, web, f"import os, pytest\n{stop}\n")
        ran = project.run("--env", "local", "-m", "postdeploy")
    assert ran.code == code, ran.output[-3000:].replace(CONFTEST_SECRET, "<SECRET>")
    _nothing_leaked(project, ran)
    assert "Traceback" not in ran.output and "ImportError while loading" not in ran.output, ran.output[-3000:]
    [line] = ran.done.stderr.strip().splitlines()
    assert line.startswith(f"opsverify: checks/conftest.py {said} no client with "), line
    assert "pytest loads no test below it, so no item was checked" in line, line
    assert not (project.root / "reports").exists() or not any((project.root / "reports").iterdir())
