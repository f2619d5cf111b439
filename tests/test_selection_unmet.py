"""What the command line asked for and the run could not check is said, never passed over: an `--item` that -m, -k or
--deselect leaves out while other items run is named in the summary and the manifest, and the run does not end 0; a
`--system` the environment does not configure checks nothing (exit 5, as an empty selection), and a run whose every
selected item is of such a system checked nothing either."""

from __future__ import annotations

import json

import pytest

from opsverify import exitcodes

from .project import MisbehavingHttp, Project


def _project(tmp_path, web) -> Project:
    """shop: two postdeploy pages (one failing) and a daily one; ledger: a postdeploy page and a manual item. The
    environment `local` configures both systems, `shoponly` only shop."""
    project = Project(tmp_path, {"WEB_URL": web.url})
    project.checklist("shop", """
    - {id: W1, name: up, section: Web, title: the shop answers, family: http, cadence: postdeploy,
       params: {service: web, path: /ok}}
    - {id: W2, name: broken, section: Web, title: the shop's broken page answers, family: http, cadence: postdeploy,
       params: {service: web, path: /fail}}
    - {id: D1, name: nightly, section: Web, title: the shop answers at night, family: http, cadence: daily,
       params: {service: web, path: /ok}}
    """)
    project.checklist("ledger", """
    - {id: L1, name: up, section: Ledger, title: the ledger answers, family: http, cadence: postdeploy,
       params: {service: api, path: /ok}}
    - {id: L2, name: sign-off, section: Ledger, title: the auditor signs, family: manual,
       reason: the auditor signs the ledger}
    """)
    project.environment('systems:\n  shop: {services: {web: {url: "${WEB_URL}"}}}\n'
                        '  ledger: {services: {api: {url: "${WEB_URL}"}}}\n')
    project.environment('systems:\n  shop: {services: {web: {url: "${WEB_URL}"}}}\n', name="shoponly")
    return project


def _manifest(ran, env: str = "local") -> dict:
    return json.loads((ran.archive(env) / "manifest.json").read_text(encoding="utf-8"))


DAILY = "--item D1 is a daily item, which -m 'postdeploy' leaves out"


# -- an --item the run did not select -----------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_an_item_m_leaves_out_beside_one_that_runs_is_named_and_the_run_is_not_green(tmp_path, workers):
    """`--item D1 --item W1 -m postdeploy`: W1 runs and passes, D1 (daily) is never checked. Alone, `--item D1`
    ends 5 saying why; beside W1 it is said the same way — on the console with -q, in the manifest and
    results.json — and the run ends 5 (an item asked for was not checked), never 0."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--item", "D1", "--item", "W1", "-q",
                                          *workers)
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert f"not selected, so not checked: {DAILY}" in ran.done.stdout, ran.output[-3000:]
    manifest = _manifest(ran)
    assert manifest["selection"]["items_not_selected"] == [{"item": "D1", "why": DAILY}], manifest["selection"]
    assert manifest["exit_code"] == exitcodes.NO_CHECKS and manifest["counts"]["passed"] == 1, manifest
    results = json.loads((ran.archive() / "results.json").read_text(encoding="utf-8"))
    assert results["selection"] == manifest["selection"]
    # the report's environment panel, as Java properties read it (the em dash is written \u2014)
    panel = (ran.archive() / "allure-results" / "environment.properties").read_text().encode().decode("unicode_escape")
    assert "— not selected, so not checked: --item D1" in panel, panel


def test_an_item_deselect_leaves_out_names_what_left_it_out(tmp_path):
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "local", "--item", "W1", "--item", "L1", "--deselect",
                                          "checklists/ledger.yaml::L1-up", "--no-archive")
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert ("not selected, so not checked: --item L1 was left out by --deselect checklists/ledger.yaml::L1-up"
            in ran.done.stdout), ran.output[-3000:]


def test_a_failure_outranks_an_item_not_selected(tmp_path):
    """The target is broken (W2 fails): 1, as ever; the item not selected is still named."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--item", "D1", "--item", "W2")
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    assert f"not selected, so not checked: {DAILY}" in ran.done.stdout, ran.output[-3000:]
    assert _manifest(ran)["selection"]["items_not_selected"] == [{"item": "D1", "why": DAILY}]


def test_every_item_selected_leaves_a_green_run_green(tmp_path):
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--item", "W1", "--item", "L1")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert "not selected, so not checked" not in ran.output
    assert _manifest(ran)["selection"]["items_not_selected"] == []


# -- a system the environment does not configure ---------------------------------------------------------------------
NOT_CONFIGURED = "the environment shoponly does not configure system ledger, whose items would all skip"


@pytest.mark.parametrize("options", [
    ["--system", "ledger"],  # named: stopped before anything is collected
    ["checklists/ledger.yaml"],  # its checklist file named: every selected item skipped as not configured
    ["--item", "L1"],
    ["--item", "L1", "-n", "2"],
    ["-k", "L1"],  # a keyword names what to run as well: it ended 0 with an archive of one skip
], ids=["system", "checklist-file", "item", "item-xdist", "keyword"])
def test_a_run_of_a_system_the_environment_does_not_configure_checks_nothing(tmp_path, options):
    """Every item would skip ("not configured"): nothing is checked, so exit 5 and no archive — never a green run
    and a clean-looking archive."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "shoponly", "-m", "postdeploy", *options)
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert NOT_CONFIGURED in ran.output, ran.output[-3000:]
    assert "no archive" in ran.output and not (tmp_path / "reports" / "shoponly").exists(), ran.output[-3000:]


def test_a_system_named_that_the_environment_does_not_configure_is_said_beside_one_it_does(tmp_path):
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "shoponly", "-m", "postdeploy", "--system", "ledger",
                                          "--system", "shop", "--deselect", "checklists/shop.yaml::W2-broken", "-q")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert f"--system ledger: {NOT_CONFIGURED}" in ran.done.stdout, ran.output[-3000:]


def test_a_run_of_every_system_where_the_environment_lacks_some_is_ordinary(tmp_path):
    """A prod-only system skips in staging: the run checks the others and ends as they do."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "shoponly", "-m", "postdeploy", "--deselect",
                                          "checklists/shop.yaml::W2-broken")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert "does not configure" not in ran.output
    assert ran.statuses("shoponly")["L1-up"] == "skipped"


# -- a shard that holds only systems the environment does not configure: a healthy matrix job ------------------------
def test_a_shard_of_only_systems_the_environment_does_not_configure_is_ordinary(tmp_path):
    """Shards are dealt over the checklists' systems (ledger, shop): shard 1/2 holds ledger, which shoponly does not
    configure. Nothing was named: its items skip as a plain run's do, exit 0 and an archive — else an environment
    lacking one system would turn one job of every CI matrix red."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "shoponly", "-m", "postdeploy", "--shard", "1/2")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert "no archive" not in ran.output, ran.output[-3000:]
    assert ran.statuses("shoponly")["L1-up"] == "skipped"


def test_a_shard_of_a_named_system_the_environment_does_not_configure_checks_nothing(tmp_path):
    """What was named (ledger's checklist) is all unconfigured, shard or not: exit 5, as without --shard."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "shoponly", "-m", "postdeploy", "--shard", "1/1",
                                          "checklists/ledger.yaml")
    assert ran.code == exitcodes.NO_CHECKS, ran.output[-3000:]
    assert NOT_CONFIGURED in ran.output, ran.output[-3000:]


# -- a manual --item is listed in every run, whatever -m says: not "not selected" ------------------------------------
def test_a_manual_item_beside_one_that_runs_is_not_counted_as_not_selected(tmp_path):
    """`--item L1 --item L2 -m postdeploy`: L2 is manual, listed as such (not checked) in every run whatever -m
    says, as it is without -m: the run ends as L1 does (0), L2 not named as "not selected"."""
    with MisbehavingHttp() as web:
        ran = _project(tmp_path, web).run("--env", "local", "-m", "postdeploy", "--item", "L1", "--item", "L2")
    assert ran.code == exitcodes.OK, ran.output[-3000:]
    assert "not selected, so not checked" not in ran.output, ran.output[-3000:]
    assert _manifest(ran)["selection"]["items_not_selected"] == []
    # named, so shown: in junit.xml and allure-results as a manual item, as results.json lists it (they left it out)
    junit = (ran.archive() / "junit.xml").read_text(encoding="utf-8")
    assert 'name="L2-' in junit and 'type="manual"' in junit, junit
    allure = [json.loads(p.read_text(encoding="utf-8")) for p in (ran.archive() / "allure-results").glob("*-result.json")]
    assert any("L2" in r["fullName"] for r in allure), [r["fullName"] for r in allure]
