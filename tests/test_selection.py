"""Choosing what runs: --item ID exactly (unlike -k S1, which also matches S10), --system, and
--shard K/N splitting a fleet deterministically; manual items stay visible whatever -m says."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from .project import MisbehavingHttp, Project

SYSTEMS = ("alpha", "bravo", "charlie", "delta", "echo")


def _fleet(tmp_path, web) -> Project:
    project = Project(tmp_path, {"WEB_URL": web.url})
    for system in SYSTEMS:
        project.checklist(system, f"""
        - {{id: S1, name: up, section: Web, title: {system} answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        - {{id: S10, name: up-again, section: Web, title: {system} answers again, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        - {{id: S2, name: people, section: People, title: someone is on call, family: manual,
           reason: a rota is kept by people}}
        """)
    services = "\n".join(f'  {s}: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}' for s in SYSTEMS)
    project.environment(f"systems:\n{services}\n")
    return project


def _ran(ran) -> set[tuple[str, str]]:
    return {(line.split("::")[0].split("/")[-1].removesuffix(".yaml"), line.split("::")[1].split(" ")[0])
            for line in ran.done.stdout.splitlines() if line.startswith("PASSED ")}


def test_item_selects_exactly_one_id(tmp_path):
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "--item", "S1", "-rA", "--no-archive")
    assert ran.code == 0, ran.output[-2000:]
    assert _ran(ran) == {(s, "S1-up") for s in SYSTEMS}


def test_shards_split_the_fleet_without_overlap(tmp_path):
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        shards = [project.run("--env", "local", "-m", "postdeploy", "--shard", f"{k}/2", "-rA", "--no-archive")
                  for k in (1, 2)]
    first, second = (_ran(ran) for ran in shards)
    assert {s for s, _ in first} == {"alpha", "charlie", "echo"} and {s for s, _ in second} == {"bravo", "delta"}
    assert first | second == {(s, k) for s in SYSTEMS for k in ("S1-up", "S10-up-again")}


def test_a_system_named_twice_is_dealt_to_one_shard(tmp_path):
    """`--system alpha --system alpha --system bravo` (a CI matrix's list built by concatenation): each system is
    dealt once, so the two shards check each item exactly once between them."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        shards = [project.run("--env", "local", "-m", "postdeploy", "--system", "alpha", "--system", "alpha",
                              "--system", "bravo", "--shard", f"{k}/2", "-rA", "--no-archive") for k in (1, 2)]
    assert all(ran.code == 0 for ran in shards), [ran.output[-2000:] for ran in shards]
    first, second = (_ran(ran) for ran in shards)
    assert {s for s, _ in first} == {"alpha"} and {s for s, _ in second} == {"bravo"}, (first, second)


def test_a_shard_beyond_the_fleet_says_so_and_leaves_no_trace(tmp_path):
    """A CI matrix wider than the fleet: the empty shard exits 5 (nothing was checked) and says why."""
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--shard", "7/9")
    assert ran.code == 5, ran.output[-2000:]
    assert "no check was selected (--shard 7/9 holds no system: fewer systems than shards)" in ran.output
    assert not any((tmp_path / "reports").rglob("*"))  # no empty env folder either


@pytest.mark.parametrize("options, said", [
    (["-m", "manual"], "the 5 selected items are all manual: a person checks them, not the run"),
    (["-m", "manual", "--no-archive"], "the 5 selected items are all manual: a person checks them, not the run"),
    (["--item", "S2", "--system", "bravo"], "--item S2 is a manual item: a person checks it, not the run"),
    (["--item", "S2", "-n", "2"], "--item S2 is a manual item: a person checks it, not the run"),
])
def test_a_run_that_selected_only_manual_items_checked_nothing(tmp_path, options, said):
    """A manual item is never checked by the run: selecting only those is an empty selection, as `--item S2 -m
    postdeploy` is — exit 5, no archive (a run that checks items lists the manual ones in its own), and it says why."""
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", *options)
    assert ran.code == 5, ran.output[-2000:]
    assert (f"opsverify: no archive: no check was selected ({said}; a run that checks items lists the manual ones "
            "in its summary and archive)") in ran.done.stdout, ran.output[-2000:]
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*"))


def test_a_run_that_selected_only_manual_items_lists_them_in_its_junit(tmp_path):
    """README's junit.xml row: exit 5 and no archive, yet its --junitxml file lists the manual items it selected,
    each skipped (a run that selected none lists no manual item)."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        manual = project.run("--env", "local", "-m", "manual", "--system", "bravo", "--junitxml", "out/manual.xml")
        none = project.run("--env", "local", "-m", "weekly", "--system", "bravo", "--junitxml", "out/none.xml")
    assert (manual.code, none.code) == (5, 5), (manual.output[-2000:], none.output[-2000:])
    suite = ElementTree.parse(tmp_path / "out" / "manual.xml").getroot().find("testsuite")
    assert [(case.get("classname"), case.get("name"), case.find("skipped") is not None)
            for case in suite.findall("testcase")] == [("bravo.People", "S2-people", True)]
    assert ElementTree.parse(tmp_path / "out" / "none.xml").getroot().find("testsuite").findall("testcase") == []


def test_manual_items_are_listed_whatever_m_says(tmp_path):
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--system", "bravo", "--no-archive")
    assert "manual — not checked: bravo S2-people (a rota is kept by people)" in ran.done.stdout
    assert "alpha S2-people" not in ran.done.stdout


@pytest.mark.parametrize("shard, said", [
    ("3/2", "--shard 3/2: K must be between 1 and N"),
    ("", "--shard is empty: write it as K/N, e.g. 2/4 (is the CI matrix's variable set?)"),  # "$SHARD" unset
])
def test_a_bad_shard_is_bad_input(tmp_path, shard, said):
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "--shard", shard)
    assert ran.code == 20 and ran.done.stderr.strip() == f"opsverify: {said}"


def _selection(ran) -> tuple[dict, dict, str]:
    archive = ran.archive()
    manifest = json.loads((archive / "manifest.json").read_text())
    results = json.loads((archive / "results.json").read_text())
    # as Java properties read it (a character past ASCII is written \uXXXX: the em dash of "— partial")
    properties = (archive / "allure-results" / "environment.properties").read_text().encode().decode("unicode_escape")
    return manifest["selection"], results["selection"], properties


@pytest.mark.parametrize("narrowing, narrowed_by, left_out", [
    (["--deselect", "checklists/alpha.yaml::S10-up-again"], "--deselect checklists/alpha.yaml::S10-up-again",
     "alpha S10-up-again"),
    (["checklists/alpha.yaml::S1-up"], "checklists/alpha.yaml::S1-up", "alpha S10-up-again"),
    (["-k", "S10"], "-k 'S10'", "alpha S1-up"),
    (["-n", "2", "--deselect", "checklists/alpha.yaml::S10-up-again"],
     "--deselect checklists/alpha.yaml::S10-up-again", "alpha S10-up-again"),
])
def test_a_run_the_command_line_narrowed_says_it_is_partial(tmp_path, narrowing, narrowed_by, left_out):
    """--deselect, a node id or -k leave out items -m takes in: the run is partial, and every record of it says so
    (an auditor must not read it as the checklist passing); a whole run, or a shard, is not."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        ran = project.run("--env", "local", "-m", "postdeploy", "--system", "alpha", *narrowing)
    assert ran.code == 0, ran.output[-2000:]
    manifest, results, properties = _selection(ran)
    assert manifest == results
    assert (manifest["in_scope"], manifest["left_out"], manifest["narrowed_by"]) == (2, [left_out], [narrowed_by])
    assert "— partial: 1 of 2 items in scope left out" in properties
    assert (f"partial run: 1 of the 2 items in scope not selected ({narrowed_by}): {left_out}"
            in ran.done.stdout), ran.output[-2000:]


@pytest.mark.parametrize("conftest, names", [
    ('collect_ignore = ["checklists/bravo.yaml"]\n', "collect_ignore"),
    ('def pytest_ignore_collect(collection_path, config):\n    return collection_path.name == "bravo.yaml" or None\n',
     "pytest_ignore_collect"),
], ids=["collect_ignore", "pytest_ignore_collect"])
def test_a_conftest_that_ignores_a_checklist_is_named_among_what_narrowed(tmp_path, conftest, names):
    """A conftest's collect_ignore or pytest_ignore_collect leaving a checklist out: the partial run's cause named
    only pytest_collection_modifyitems, a hook the conftest did not have."""
    from opsverify.archive import NARROWED_ELSEWHERE

    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(conftest, encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy")
    manifest, _, _ = _selection(ran)
    assert manifest["narrowed_by"] == [NARROWED_ELSEWHERE], manifest
    assert names in NARROWED_ELSEWHERE
    assert f"not selected ({NARROWED_ELSEWHERE}): bravo S1-up, bravo S10-up-again" in ran.done.stdout, \
        ran.output[-2000:]


def test_a_run_a_conftest_narrowed_says_so_not_the_command_line(tmp_path):
    """A conftest's pytest_collection_modifyitems dropping an item: the run is partial, said as narrowed by a plugin
    or conftest (it had named "the command line", which asked for no such thing)."""
    from opsverify.archive import NARROWED_ELSEWHERE

    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text("""
def pytest_collection_modifyitems(config, items):
    items[:] = [item for item in items if "S10-" not in item.nodeid]
""", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy", "--system", "alpha")
    manifest, _, _ = _selection(ran)
    assert (manifest["left_out"], manifest["narrowed_by"]) == (["alpha S10-up-again"], [NARROWED_ELSEWHERE]), manifest
    assert f"not selected ({NARROWED_ELSEWHERE}): alpha S10-up-again" in ran.done.stdout, ran.output[-2000:]


def test_an_item_a_conftest_dropped_is_said_as_the_conftest_s_not_the_command_line(tmp_path):
    """`--item S1 --item S10` and a conftest's pytest_collection_modifyitems dropping S10: the summary and the
    manifest's items_not_selected said "--item S10 was left out by the command line" while the same run's narrowed_by
    said a plugin or conftest. Both say the same now."""
    from opsverify.archive import NARROWED_ELSEWHERE

    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text("""
def pytest_collection_modifyitems(config, items):
    items[:] = [item for item in items if "S10-" not in item.nodeid]
""", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy", "--system", "alpha", "--item", "S1", "--item", "S10")
    manifest, _, _ = _selection(ran)
    why = f"--item S10 was left out by {NARROWED_ELSEWHERE}"
    assert manifest["narrowed_by"] == ["--item S1", "--item S10", NARROWED_ELSEWHERE], manifest
    assert manifest["items_not_selected"] == [{"item": "S10", "why": why}], manifest
    assert f"not selected, so not checked: {why}" in ran.done.stdout, ran.output[-2000:]
    assert "by the command line" not in ran.output, ran.output[-2000:]


A2_NODE = "checks/test_http.py::test_http[A2-up-again[local]]"


@pytest.mark.parametrize("narrowing, by", [
    (["-k", "up"], None),  # -k takes A2-up-again in: the conftest left it out
    (["-k", "up", "-n", "2"], None),  # xdist's workers collect: they tell the controller
    (["-k", "not again"], "-k 'not again'"),
    (["-k", "up", "--deselect", A2_NODE], f"--deselect {A2_NODE}"),  # -k took it in, --deselect took it out
    (["-k", "not again", "--deselect", "checks/test_http.py::test_http[B"], "-k 'not again'"),
])
def test_an_item_not_selected_is_said_as_left_out_by_what_did_leave_it_out(tmp_path, narrowing, by):
    """`--item A1 --item A2 -k up` and a conftest's hook dropping A2: the summary and items_not_selected said
    "--item A2 was left out by -k 'up'", which takes A2-up-again in. -k and --deselect are named only where they
    left the item out (-k judged as pytest judges it, on the item's keywords; --deselect by its node id's prefix),
    else the plugin or conftest; and where a hook narrowed beside the --items, the partial line says the --items were
    given and a hook narrowed further."""
    from opsverify.archive import NARROWED_ELSEWHERE

    with MisbehavingHttp() as web:
        project = modules_fleet(tmp_path, web)
        if by is None:  # beside what the layout's own conftest holds
            conftest = project.root / "conftest.py"
            conftest.write_text(conftest.read_text(encoding="utf-8") + """
def pytest_collection_modifyitems(config, items):
    items[:] = [item for item in items if "A2-" not in item.nodeid]
""", encoding="utf-8")
        ran = project.run("--env", "local", "-m", "postdeploy", "--item", "A1", "--item", "A2", *narrowing)
    assert ran.code == 5, ran.output[-2000:]
    manifest, _, _ = _selection(ran)
    why = f"--item A2 was left out by {by or NARROWED_ELSEWHERE}"
    assert manifest["items_not_selected"] == [{"item": "A2", "why": why}], manifest
    assert f"not selected, so not checked: {why}" in ran.done.stdout, ran.output[-2000:]
    if by is None:
        assert "left out by -k" not in ran.output, ran.output[-2000:]
        assert manifest["narrowed_by"] == ["-k 'up'", "--item A1", "--item A2", NARROWED_ELSEWHERE], manifest
        elsewhere = NARROWED_ELSEWHERE.removesuffix(", not the command line")
        assert (f"not selected (-k 'up' --item A1 --item A2 given, and {elsewhere} narrowed further): "
                in ran.done.stdout), ran.output[-2000:]


@pytest.mark.parametrize("options", [[], ["--shard", "1/2"], ["-n", "2"], ["checklists/alpha.yaml"], ["checklists"]])
def test_a_whole_run_or_a_shard_is_not_partial(tmp_path, options):
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", *options)
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, properties = _selection(ran)
    assert manifest["left_out"] == [] and manifest["narrowed_by"] == [] and "partial" not in properties
    assert "partial run" not in ran.done.stdout


def test_folder_options_as_separate_words_point_outside_the_project(tmp_path):
    """`--reports-dir /elsewhere` with a space, in a folder without an ini file: pytest guesses its rootdir
    from such words, but the project's own folders (environments/, checklists/) are still where pytest started."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path / "project", web)
        ran = project.run("--env", "local", "--reports-dir", str(elsewhere), "--waivers-dir", str(elsewhere),
                          "-m", "postdeploy")
        collected = project.run("--env", "local", "--collect-only", "-q")
    assert ran.code == 0, ran.output[-2000:]
    assert [p.name for p in (elsewhere / "local").iterdir() if p.is_dir()]  # the archive went there
    assert not (project.root / "reports").exists()
    assert collected.code == 0 and not (project.root / "reports").exists()  # --collect-only begins no archive


def test_a_mark_the_project_adds_that_leaves_items_out_makes_the_run_partial(tmp_path):
    """`-m "postdeploy and not slow"` with a `slow` mark a conftest adds to S10: S10 is a postdeploy item of the
    runbook the run never checked. A mark of the project's own counts as one no runbook item carries, so the run
    is partial, said so (it was read as whole: with any such word in -m, a --deselect's partial run was too)."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(
            "def pytest_configure(config):\n"
            "    config.addinivalue_line('markers', 'slow: slow items')\n"
            "def pytest_collection_modifyitems(items):\n"
            "    import pytest\n"
            "    for item in items:\n"
            "        if 'S10' in item.name:\n"
            "            item.add_marker(pytest.mark.slow)\n")
        ran = project.run("--env", "local", "-m", "postdeploy and not slow", "--system", "alpha")
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, properties = _selection(ran)
    assert (manifest["in_scope"], manifest["left_out"]) == (2, ["alpha S10-up-again"]), manifest
    assert "— partial: 1 of 2 items in scope left out" in properties
    assert "partial run: 1 of the 2 items in scope not selected" in ran.done.stdout, ran.output[-2000:]


@pytest.mark.parametrize("markexpr", ["postdeploy or smoke", "postdeploy and not quarantined"])
def test_a_deselect_is_partial_whatever_else_m_names(tmp_path, markexpr):
    """-m naming a word besides the cadences, manual and mutating (a team's `smoke` tests beside the runbook) lost
    the partial label: a --deselect's run read as the whole checklist, exit 0 with an item unchecked."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(
            "def pytest_configure(config):\n"
            "    config.addinivalue_line('markers', 'smoke: smoke tests')\n"
            "    config.addinivalue_line('markers', 'quarantined: left aside')\n")
        ran = project.run("--env", "local", "-m", markexpr, "--system", "alpha",
                          "--deselect", "checklists/alpha.yaml::S10-up-again")
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, properties = _selection(ran)
    assert (manifest["in_scope"], manifest["left_out"]) == (2, ["alpha S10-up-again"]), manifest
    assert "partial run: 1 of the 2 items in scope not selected" in ran.done.stdout, ran.output[-2000:]


_CRITICAL = ("def pytest_configure(config):\n"
             "    config.addinivalue_line('markers', 'critical: the items we gate on')\n"
             "def pytest_collection_modifyitems(items):\n"
             "    import pytest\n"
             "    for item in items:\n"
             "        if {which}:\n"
             "            item.add_marker(pytest.mark.critical)\n")


@pytest.mark.parametrize("workers", [(), ("-n", "2")])
def test_a_deselect_is_partial_where_m_takes_items_in_by_a_mark_a_hook_adds(tmp_path, workers):
    """`-m "postdeploy and critical"`, `critical` a mark a conftest hook puts on every item: S10 is an item -m takes
    in, and --deselect left it unchecked. Counted as a mark no item carries, the scope was empty and the run read
    as whole (exit 0, in_scope 0, "partial" nowhere); the scope is the items' marks as pytest saw them — the same
    under xdist, whose controller collects nothing — so every record says partial."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(_CRITICAL.format(which="True"))
        ran = project.run("--env", "local", "-m", "postdeploy and critical", "--system", "alpha", *workers,
                          "--deselect", "checklists/alpha.yaml::S10-up-again")
    assert ran.code == 0, ran.output[-2000:]
    manifest, results, properties = _selection(ran)
    assert manifest == results
    assert (manifest["in_scope"], manifest["left_out"]) == (2, ["alpha S10-up-again"]), manifest
    assert "— partial: 1 of 2 items in scope left out" in properties
    assert ("partial run: 1 of the 2 items in scope not selected (--deselect checklists/alpha.yaml::S10-up-again): "
            "alpha S10-up-again" in ran.done.stdout), ran.output[-2000:]
    _, junit_properties = _junit_suite(ran.archive() / "junit.xml")
    assert (junit_properties["partial"], junit_properties["in_scope"], junit_properties["left_out"]) == (
        "true", "2", "1"), junit_properties


@pytest.mark.parametrize("workers", [(), ("-n", "2")])
def test_a_mark_a_hook_adds_to_some_items_gives_the_scope_exactly(tmp_path, workers):
    """`critical` on S1 only: -m "postdeploy and critical" takes in S1 alone, so the run that checked it is whole
    (the items' real marks, not a guess that would call every run naming such a mark partial)."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(_CRITICAL.format(which="'S1-' in item.name"))
        ran = project.run("--env", "local", "-m", "postdeploy and critical", "--system", "alpha", *workers)
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, properties = _selection(ran)
    assert (manifest["in_scope"], manifest["left_out"]) == (1, []), manifest
    assert "partial" not in properties and "partial run" not in ran.done.stdout, ran.output[-2000:]


def test_an_item_never_collected_counts_in_scope_if_a_hook_mark_could_take_it_in(tmp_path):
    """A node id on the command line: S10 is never collected, so its marks are not known; -m naming a mark of the
    project's own could take it in, so it counts as in scope and the run is partial, never read as whole."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        (project.root / "conftest.py").write_text(_CRITICAL.format(which="True"))
        ran = project.run("--env", "local", "-m", "postdeploy and critical", "--system", "alpha",
                          "checklists/alpha.yaml::S1-up")
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, _ = _selection(ran)
    assert (manifest["in_scope"], manifest["left_out"]) == (2, ["alpha S10-up-again"]), manifest
    assert "partial run: 1 of the 2 items in scope not selected" in ran.done.stdout, ran.output[-2000:]


def test_an_item_or_system_that_is_not_there_is_spelled_out(tmp_path):
    """`S1` followed by a zero-width space is no item: the message shows the character, not an `S1` that is there."""
    with MisbehavingHttp() as web:
        project = _fleet(tmp_path, web)
        item = project.run("--env", "local", "--item", "S1\u200b", "--no-archive")
        system = project.run("--env", "local", "--system", "alpha\u00a0", "--no-archive")
    assert "--item S1\\u200b: no such item id" in item.output, item.output[-2000:]
    assert "--system alpha\\xa0: unknown system" in system.output, system.output[-2000:]


# -- this repository's own layout: a thin test module per family over the checklists ----------------
def checks_layout(project: Project, ini: bool = True) -> Project:
    """`checks/test_<family>.py` modules whose `check` the plugin fills in, their `checked` fixture in the project's
    conftest, and (`ini`) a pyproject.toml whose testpaths is checks/, as in this repository."""
    (project.root / "conftest.py").write_text(
        "import pytest\n"
        "from opsverify.items import checked_outcome\n\n\n"
        "@pytest.fixture\n"
        "def checked(request, check):\n"
        "    return checked_outcome(request.node, check)\n", encoding="utf-8")
    (project.root / "checks").mkdir(exist_ok=True)
    for family in ("http", "manual"):
        (project.root / "checks" / f"test_{family}.py").write_text(
            f"from opsverify.items import verdict\n\nFAMILY = {family!r}\n\n\n"
            f"def test_{family}(checked):\n    verdict(checked)\n", encoding="utf-8")
    if ini:
        (project.root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["checks"]\n',
                                                     encoding="utf-8")
    return project


def modules_fleet(root, web) -> Project:
    """Two systems whose item ids differ (a family module's test ids name items by id), in the `checks/` layout."""
    project = Project(root, {"WEB_URL": web.url})
    for system in ("alpha", "bravo"):
        p = system[0].upper()
        project.checklist(system, f"""
        - {{id: {p}1, name: up, section: Web, title: {system} answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        - {{id: {p}2, name: up-again, section: Web, title: {system} answers again, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        - {{id: {p}3, name: people, section: People, title: someone is on call, family: manual,
           reason: a rota is kept by people}}
        """)
    services = "\n".join(f'  {s}: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}' for s in ("alpha", "bravo"))
    project.environment(f"systems:\n{services}\n")
    return checks_layout(project)


NODE_ID = "checks/test_http.py::test_http[A1-up[local]]"


@pytest.mark.parametrize("marks, narrowing, narrowed_by, left_out", [
    ("postdeploy", [NODE_ID], [NODE_ID], ["alpha A2-up-again", "bravo B1-up", "bravo B2-up-again"]),
    ("postdeploy or manual", ["checks/test_http.py"], ["checks/test_http.py"], ["alpha A3-people", "bravo B3-people"]),
    ("postdeploy or manual", ["checks/test_http.py", "-n", "2"], ["checks/test_http.py"],
     ["alpha A3-people", "bravo B3-people"]),
])
def test_a_test_module_or_its_node_id_narrows_as_a_checklist_would(tmp_path, marks, narrowing, narrowed_by, left_out):
    """In the `checks/` layout a node id or a family's module leaves items out as `till.yaml::T1-…` does: the run is
    partial, whichever way the command line wrote it (its scope is what -m, --system and --shard take in)."""
    with MisbehavingHttp() as web:
        ran = modules_fleet(tmp_path, web).run("--env", "local", "-m", marks, *narrowing)
    assert ran.code == 0, ran.output[-2000:]
    manifest, results, properties = _selection(ran)
    in_scope = 4 if marks == "postdeploy" else 6
    assert manifest == results
    assert (manifest["in_scope"], manifest["left_out"], manifest["narrowed_by"]) == (in_scope, left_out, narrowed_by)
    assert f"— partial: {len(left_out)} of {in_scope} items in scope left out" in properties
    assert narrowed_by[0] in properties
    assert (f"partial run: {len(left_out)} of the {in_scope} items in scope not selected ({narrowed_by[0]}): "
            f"{', '.join(left_out)}" in ran.done.stdout), ran.output[-2000:]


@pytest.mark.parametrize("options", [[], ["checks"], ["-n", "2"], ["checks/test_http.py", "checks/test_manual.py"]])
def test_a_whole_run_of_the_test_modules_is_not_partial(tmp_path, options):
    with MisbehavingHttp() as web:
        ran = modules_fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy or manual", *options)
    assert ran.code == 0, ran.output[-2000:]
    manifest, _, properties = _selection(ran)
    assert (manifest["in_scope"], manifest["left_out"]) == (6, []) and "partial" not in properties
    assert "partial run" not in ran.done.stdout


def _junit_suite(path) -> tuple[dict[str, str], dict[str, str]]:
    """The testsuite's attributes and its properties."""
    suite = ElementTree.parse(path).getroot().find("testsuite")
    return dict(suite.attrib), {p.get("name"): p.get("value") for p in suite.find("properties")}


def test_junit_says_a_run_was_partial(tmp_path):
    """A CI's test view reads `tests="1"`: the testsuite's properties say 1 of the 2 items in scope was selected."""
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--system", "alpha", "-k", "S10")
    assert ran.code == 0, ran.output[-2000:]
    suite, properties = _junit_suite(ran.archive() / "junit.xml")
    assert suite["tests"] == "1"
    assert properties == {
        "partial": "true", "in_scope": "2", "left_out": "1", "interrupted": "false", "selected": "1", "ran": "1",
        "selection": "-m 'postdeploy' --system alpha -k 'S10' — partial: 1 of 2 items in scope left out"}


def test_junit_says_a_run_was_interrupted_and_whole_otherwise(tmp_path):
    """-x stops the run at its first failure: the second item never ran, which `tests="1"` alone would hide."""
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("alpha", """
        - {id: A1, name: down, section: Web, title: alpha fails, family: http, cadence: postdeploy,
           params: {service: web, path: /fail}}
        - {id: A2, name: up, section: Web, title: alpha answers, family: http, cadence: postdeploy,
           params: {service: web, path: /ok}}
        """)
        project.environment('systems:\n  alpha: {services: {web: {url: "${WEB_URL}"}}}\n')
        stopped = project.run("--env", "local", "-m", "postdeploy", "-x", "--junitxml", "out/junit.xml")
        whole = project.run("--env", "local", "-m", "postdeploy", "--no-archive", "--junitxml", "whole.xml")
    assert stopped.code == 1, stopped.output[-2000:]
    suite, properties = _junit_suite(tmp_path / "out" / "junit.xml")
    assert (suite["tests"], suite["skipped"]) == ("2", "1") and (tmp_path / "out" / "junit.xml").read_bytes() == (
        stopped.archive() / "junit.xml").read_bytes()
    assert (properties["interrupted"], properties["selected"], properties["ran"], properties["partial"]) == (
        "true", "2", "1", "false")
    assert whole.code == 1, whole.output[-2000:]
    suite, properties = _junit_suite(tmp_path / "whole.xml")
    assert suite["tests"] == "2"
    assert (properties["interrupted"], properties["selected"], properties["ran"], properties["partial"]) == (
        "false", "2", "2", "false")


@pytest.mark.parametrize("options, said", [
    (["checklists/alpha.yaml"], "selection=-m 'postdeploy' checklists/alpha.yaml"),
    (["--shard", "1/2"], "selection=-m 'postdeploy' --shard 1/2"),
])
def test_the_one_line_selection_names_a_checklist_file_and_a_shard_as_written(tmp_path, options, said):
    """A checklist file named on the command line chooses its system as --system does: the report's environment
    panel says so, and a shard reads as it was given."""
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", *options)
    assert ran.code == 0, ran.output[-2000:]
    _, _, properties = _selection(ran)
    assert said in properties.splitlines(), properties


def shared_key_fleet(root, web) -> Project:
    """Two systems that both kept `opsverify init`'s item (W1-health), and one item each of their own."""
    project = Project(root, {"WEB_URL": web.url})
    for system in ("alpha", "bravo"):
        project.checklist(system, f"""
        - {{id: W1, name: health, section: Web, title: {system} answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        - {{id: {system[0].upper()}2, name: up-again, section: Web, title: {system} answers again, family: http,
           cadence: postdeploy, params: {{service: web, path: /ok}}}}
        """)
    services = "\n".join(f'  {s}: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}' for s in ("alpha", "bravo"))
    project.environment(f"systems:\n{services}\n")
    return checks_layout(project)


SHARED_IDS = {"alpha W1-health": "checks/test_http.py::test_http[alpha/W1-health[local]]",
              "bravo W1-health": "checks/test_http.py::test_http[bravo/W1-health[local]]",
              "alpha A2-up-again": "checks/test_http.py::test_http[A2-up-again[local]]",  # one system's: as ever
              "bravo B2-up-again": "checks/test_http.py::test_http[B2-up-again[local]]"}


@pytest.mark.parametrize("options, shown", [
    ([], set(SHARED_IDS)),
    (["--system", "alpha"], {"alpha W1-health", "alpha A2-up-again"}),  # the same id whatever the run's scope
    (["--shard", "2/2"], {"bravo W1-health", "bravo B2-up-again"}),
])
def test_an_item_key_two_systems_share_names_its_system_in_the_test_id(tmp_path, options, shown):
    """Not `W1-health[local]0` and `…1`, told apart by collection order: the system, where the key is ambiguous."""
    with MisbehavingHttp() as web:
        ran = shared_key_fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--collect-only", "-q",
                                                  *options)
    assert ran.code == 0, ran.output[-2000:]
    collected = {line for line in ran.done.stdout.splitlines() if line.startswith("checks/")}
    assert collected == {SHARED_IDS[k] for k in shown}, ran.output[-2000:]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_a_shared_key_is_run_deselected_and_archived_by_its_systems_test_id(tmp_path, workers):
    with MisbehavingHttp() as web:
        ran = shared_key_fleet(tmp_path, web).run("--env", "local", "-m", "postdeploy", *workers,
                                                  "--deselect", SHARED_IDS["bravo W1-health"])
    assert ran.code == 0, ran.output[-2000:]
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    rows = {f"{row['system']} {row['key']}": row["nodeid"] for row in results["checks"]}
    assert rows == {k: v for k, v in SHARED_IDS.items() if k != "bravo W1-health"}, rows
    assert results["selection"]["left_out"] == ["bravo W1-health"], results["selection"]


def test_an_item_id_near_one_there_names_it(tmp_path):
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("ledger", """
    - {id: LL-API-01, name: up, section: Web, title: it answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    """)
    project.environment('systems: {ledger: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("--env", "local", "--item", "LL-API-1", "--no-archive")
    assert ran.code == 20, ran.output[-2000:]
    assert ran.done.stderr.strip() == ("opsverify: --item LL-API-1: no such item id in checklists; did you mean "
                                       "LL-API-01?")


def test_an_item_id_that_differs_only_in_case_names_every_id_it_could_mean(tmp_path):
    """Ids are case-sensitive: `Pay-001` is as near PAY-001 as pay-001 (only the latter was named)."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("ledger", """
    - {id: PAY-001, name: up, section: Web, title: it answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: pay-001, name: up-too, section: Web, title: it answers too, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    """)
    project.environment('systems: {ledger: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("--env", "local", "--item", "Pay-001", "--no-archive")
    assert ran.code == 20, ran.output[-2000:]
    assert ran.done.stderr.strip() == ("opsverify: --item Pay-001: no such item id in checklists; did you mean "
                                       "PAY-001 or pay-001?")


def test_an_item_id_typed_with_a_look_alike_letter_names_the_id_it_reads_as(tmp_path):
    """`--item Н2` typed with a Cyrillic Н (a keyboard left on another layout) reads as H2, which difflib alone
    finds too far (half its letters differ)."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    project.checklist("ledger", """
    - {id: H1, name: up, section: Web, title: it answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: H2, name: up-too, section: Web, title: it answers too, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    """)
    project.environment('systems: {ledger: {services: {web: {url: "${WEB_URL}"}}}}\n')
    ran = project.run("--env", "local", "--item", "\u041d2", "--no-archive")
    assert ran.code == 20, ran.output[-2000:]
    assert ran.done.stderr.strip() == ("opsverify: --item \u041d2: no such item id in checklists; did you mean "
                                       "H2?")


def _one_item_in_bravo(tmp_path) -> Project:
    """X1 is bravo's alone; the shards of three systems in name order: alpha and charlie, then bravo."""
    project = Project(tmp_path, {"WEB_URL": "http://127.0.0.1:9"})
    for system in ("alpha", "bravo", "charlie"):
        item = "X1" if system == "bravo" else "S1"
        project.checklist(system, f"""
        - {{id: {item}, name: up, section: Web, title: it answers, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok}}}}
        """)
    project.environment("systems:\n" + "".join(f'  {s}: {{services: {{web: {{url: "${{WEB_URL}}"}}}}}}\n'
                                                for s in ("alpha", "bravo", "charlie")))
    return project


@pytest.mark.parametrize("options, said", [
    (["--item", "X1", "--shard", "1/2"], "X1: not in --shard 1/2: X1 is of bravo, in shard 2/2; run --shard 2/2, or "
                                         "drop --shard"),
    (["--item", "X1", "--shard", "3/3"], "X1: not in --shard 3/3: X1 is of bravo, in shard 2/3; run --shard 2/3, or "
                                         "drop --shard"),
    # with --system, the shards are dealt over the systems it names: bravo is the second of alpha and bravo
    (["--item", "X1", "--system", "bravo", "--system", "alpha", "--shard", "1/2"],
     "X1: not in --shard 1/2: X1 is of bravo, in shard 2/2; run --shard 2/2, or drop --shard"),
    (["--item", "S1", "--shard", "2/2"], "S1: not in --shard 2/2: S1 is of alpha, in shard 1/2, and of charlie, in "
                                         "shard 1/2; run --shard 1/2, or drop --shard"),
], ids=["other-shard", "shard-of-three", "shards-of-the-systems-named", "item-of-two-systems"])
def test_an_item_the_shard_leaves_out_names_the_shard_that_holds_it(tmp_path, options, said):
    """As with a --system that does not hold it: bad input (20) naming where the item is, not an empty run (5)."""
    project = _one_item_in_bravo(tmp_path)
    ran = project.run("--env", "local", *options)
    assert ran.code == 20, ran.output[-2000:]
    assert ran.done.stderr.strip() == f"opsverify: --item {said}"
    assert not (tmp_path / "reports").exists()
    held = project.run("--env", "local", "--item", "X1", "--shard", "2/2", "--collect-only", "-q")
    assert held.code == 0 and "bravo.yaml::X1-up" in held.done.stdout, held.output[-2000:]


@pytest.mark.parametrize("archive", [(), ("--no-archive",)], ids=["archive", "no-archive"])
def test_a_mark_no_item_carries_is_said_with_or_without_an_archive(tmp_path, archive):
    with MisbehavingHttp() as web:
        ran = _fleet(tmp_path, web).run("--env", "local", "-m", "postdeplo", *archive)
    assert ran.code == 5, ran.output[-2000:]
    assert "-m 'postdeplo' names a mark no runbook item carries; theirs: manual, postdeploy" in ran.done.stdout, \
        ran.output[-2000:]
