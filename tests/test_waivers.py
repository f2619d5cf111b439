"""Waivers: a waived failure is *waived* on the console, in the archive, JUnit and Allure — never passed —
and does not fail the run; an expired waiver fails it and names itself; a bad waiver file stops the run."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from freezegun import freeze_time

from opsverify import exitcodes
from opsverify.checklist import load_checklists
from opsverify.errors import ConfigError
from opsverify.waivers import load_waivers

from .runbook import make_runbook, read_json, rows_by_id

ACTIVE = {"item": "S2", "reason": "flag off while the publisher migrates", "approver": "jane.doe", "ticket": "OPS-12",
          "expires": "2099-12-31"}
EXPIRED = {"item": "S1", "system": "shop", "reason": "origin moved", "approver": "bob", "ticket": "OPS-1",
           "expires": "2020-01-01T12:00:00Z"}
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone.utc)


@pytest.fixture
def runbook(tmp_path):
    return make_runbook(tmp_path)


def _load(runbook, *entries, now=NOW):
    runbook.waive(*entries)
    return load_waivers(runbook.root / "waivers", "fx", load_checklists(runbook.root / "checklists"), now=now)


def _check(runbook, item: str):
    return next(c for c in load_checklists(runbook.root / "checklists") if c.id == item)


def test_active_and_expired(runbook):
    waivers = _load(runbook, ACTIVE, EXPIRED)
    assert waivers.active_for(_check(runbook, "S2")).ticket == "OPS-12"
    assert waivers.active_for(_check(runbook, "S1")) is None  # expired: not applied
    assert [w.item for w in waivers.expired_for([_check(runbook, "S1"), _check(runbook, "S2")])] == ["S1"]
    assert waivers.expired_for([_check(runbook, "S2")]) == []  # only the items a run checks count


def test_a_date_holds_through_that_day_and_a_time_until_that_moment(runbook):
    day = {**ACTIVE, "expires": "2026-11-25"}
    assert _load(runbook, day, now=NOW).active_for(_check(runbook, "S2")) is not None
    assert _load(runbook, day, now=NOW + dt.timedelta(hours=12)).active_for(_check(runbook, "S2")) is None
    moment = {**ACTIVE, "expires": "2026-11-25T00:00:00Z"}
    assert _load(runbook, moment, now=NOW).active_for(_check(runbook, "S2")) is None


def test_without_an_injected_time_the_runs_clock_decides(runbook):
    """What a real run does (no `now` passed): the wall clock, moved here by freezegun across the last second."""
    runbook.waive({**ACTIVE, "expires": "2026-11-25"})
    checks = load_checklists(runbook.root / "checklists")
    with freeze_time("2026-11-25T23:59:59Z"):
        assert load_waivers(runbook.root / "waivers", "fx", checks).active_for(_check(runbook, "S2")) is not None
    with freeze_time("2026-11-26T00:00:00Z"):
        waivers = load_waivers(runbook.root / "waivers", "fx", checks)
        assert waivers.active_for(_check(runbook, "S2")) is None
        assert [w.item for w in waivers.expired_for([_check(runbook, "S2")])] == ["S2"]


@pytest.mark.parametrize("entry, problem", [
    ({**ACTIVE, "item": "S99"}, "waivers[0] (S99): unknown item: no checklist has an item S99"),
    ({**ACTIVE, "system": "till"}, "waivers[0] (S2): unknown item: no item S2 in system till"),
    ({k: v for k, v in ACTIVE.items() if k != "approver"}, "waivers[0] (S2): approver: Field required"),
    ({**ACTIVE, "expires": "2026-12-31T18:00:00"}, "waivers[0] (S2): expires: Value error, give a time zone"),
    ({**ACTIVE, "owner": "x"}, "waivers[0] (S2): owner: Extra inputs are not permitted"),
    ({**ACTIVE, "item": "S5"}, "waivers[0] (S5): shop S5 is a manual item, never checked: nothing to waive"),
])
def test_a_bad_waiver_is_a_config_error_naming_it(runbook, entry, problem):
    with pytest.raises(ConfigError) as caught:
        _load(runbook, entry)
    assert caught.value.message.startswith("waivers/fx.yaml: " + problem) or problem in caught.value.message


def test_an_id_in_two_systems_needs_its_system_and_a_duplicate_is_refused(runbook):
    with pytest.raises(ConfigError, match=r"item T1 exists in shop, till: add system:"):
        (runbook.root / "checklists" / "shop.yaml").write_text(
            (runbook.root / "checklists" / "shop.yaml").read_text().replace("id: S7", "id: T1"))
        _load(runbook, {**ACTIVE, "item": "T1"})
    with pytest.raises(ConfigError, match=r"a second waiver for shop S2"):
        _load(runbook, ACTIVE, ACTIVE)


def test_unknown_item_stops_the_run_before_any_check(runbook):
    runbook.waive({**ACTIVE, "item": "S99"})
    result = runbook.run()
    assert result.returncode == exitcodes.BAD_CONFIG
    assert result.stderr.strip().startswith("opsverify: waivers/fx.yaml: waivers[0] (S99): unknown item")
    assert runbook.archives() == []


def test_waived_failure_is_waived_everywhere_and_does_not_fail_the_run(runbook):
    runbook.waive(ACTIVE)
    result = runbook.run("--item", "S1", "--item", "S2")
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    assert "1 passed, 7 deselected, 1 waived in" in result.stdout  # pytest's own line
    assert "waived — shop: S2 (critical)" in result.stdout
    assert ("shop S2: waived until 2099-12-31, approved by jane.doe (OPS-12): flag off while the publisher migrates"
            in result.stdout)
    assert "env fx, deploy local: 1 passed, 0 failed, 1 waived, 0 skipped, 0 error" in result.stdout
    archive = runbook.newest()
    row = rows_by_id(archive)["S2"]
    assert row["status"] == "waived" and "'false'" in row["observed"]  # the failure itself is kept
    assert row["waiver"]["ticket"] == "OPS-12" and row["waiver"]["source"] == "waivers/fx.yaml"
    manifest = read_json(archive / "manifest.json")
    assert manifest["waived"] == ["shop S2-flag-on"] and manifest["counts"]["waived"] == 1
    assert manifest["waivers_file"] == {"path": "waivers/fx.yaml", "copy": "inputs/waivers/fx.yaml"}
    assert (archive / "inputs" / "waivers" / "fx.yaml").read_text() == (runbook.root / "waivers" / "fx.yaml").read_text()
    assert read_json(archive / "results.json")["waivers_used"][0]["item"] == "S2"
    case = next(c for c in ET.parse(archive / "junit.xml").iter("testcase") if c.get("name") == "S2-flag-on")
    assert case.find("skipped").get("type") == "waived" and "OPS-12" in case.find("skipped").get("message")
    allure = [json.loads(p.read_text()) for p in (archive / "allure-results").glob("*-result.json")]
    (s2,) = [r for r in allure if r["name"].startswith("S2-")]
    assert s2["status"] == "failed" and s2["statusDetails"]["known"] is True  # never green; an accepted failure
    assert s2["statusDetails"]["message"].startswith("waived until 2099-12-31 by jane.doe (OPS-12)")
    assert {"name": "outcome", "value": "waived"} in s2["labels"]


def test_waiver_of_a_passing_item_is_named_as_not_needed(runbook):
    """It changes no outcome, but left in place it would hide the item's next failure: the summary and the
    manifest say so (the exit code stays 0)."""
    runbook.waive({**ACTIVE, "item": "S1"})
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.OK
    assert rows_by_id(runbook.newest())["S1"]["status"] == "passed"
    assert "waiver not needed — waivers/fx.yaml: shop S1 passed" in result.stdout
    (entry,) = read_json(runbook.newest() / "manifest.json")["waivers_not_needed"]
    assert (entry["system"], entry["item"], entry["ticket"]) == ("shop", "S1", ACTIVE["ticket"])


def test_a_waiver_still_used_by_one_entry_of_its_id_is_needed(runbook):
    """One id may name several entries (S2 twice): while one of them fails under the waiver, removing the
    waiver would fail the run — it is not 'not needed' because the other entry passed."""
    waivers = _load(runbook, ACTIVE)
    records = [{"system": "shop", "id": "S2", "status": "passed"}, {"system": "shop", "id": "S2", "status": "waived"}]
    assert waivers.not_needed(records) == []
    assert [w.item for w in waivers.not_needed(records[:1])] == ["S2"]


def test_expired_waiver_fails_the_run_and_names_itself(runbook):
    runbook.waive(EXPIRED)
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.WAIVER_EXPIRED, result.stdout[-3000:]
    assert ("waiver expired — waivers/fx.yaml: shop S1 expired 2020-01-01T12:00:00+00:00 (OPS-1, approved by bob): "
            "the item counts again; renew or remove it") in result.stdout
    manifest = read_json(runbook.newest() / "manifest.json")
    assert manifest["expired_waivers"][0]["ticket"] == "OPS-1" and manifest["exit_code"] == exitcodes.WAIVER_EXPIRED


def test_expired_waiver_of_a_failing_item_is_a_plain_failure(runbook):
    runbook.waive({**EXPIRED, "item": "S2"})
    result = runbook.run("--item", "S2")
    assert result.returncode == exitcodes.FAILED
    assert rows_by_id(runbook.newest())["S2"]["status"] == "failed"
    assert "waiver expired — waivers/fx.yaml: shop S2" in result.stdout


def test_waivers_dir_option(runbook, tmp_path):
    elsewhere = tmp_path / "approved"
    elsewhere.mkdir()
    (elsewhere / "fx.yaml").write_text(json.dumps({"waivers": [ACTIVE]}))
    result = runbook.run("--item", "S2", "--waivers-dir", str(elsewhere))
    assert result.returncode == exitcodes.OK, result.stdout[-2000:]
    assert rows_by_id(runbook.newest())["S2"]["status"] == "waived"


def test_waived_under_xdist(runbook):
    """Workers decide the verdicts; the master reads them as waived and writes the one archive."""
    runbook.waive(ACTIVE)
    result = runbook.run("--item", "S1", "--item", "S2", "-n", "2")
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    assert "waived — shop: S2 (critical)" in result.stdout
    (archive,) = runbook.archives()
    assert rows_by_id(archive)["S2"]["status"] == "waived"


def test_expired_waiver_under_xdist(runbook):
    """The master of an xdist run collects nothing itself: it learns the selection from the workers' results,
    so an expired waiver of a selected item still fails the run there."""
    runbook.waive(EXPIRED)
    result = runbook.run("--item", "S1", "-n", "2")
    assert result.returncode == exitcodes.WAIVER_EXPIRED, result.stdout[-3000:]
    assert "waiver expired — waivers/fx.yaml: shop S1" in result.stdout
    bound = next(line for line in result.stdout.splitlines() if line.startswith("bound "))
    assert float(bound.split()[1]) > 1.0, bound  # the selected items' bound, not an empty selection's
