"""Waivers: a waived failure is *waived* on the console, in the archive, JUnit and Allure — never passed —
and does not fail the run; an expired waiver fails it and names itself; a bad waiver file stops the run."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import xml.etree.ElementTree as ET

import pytest
from freezegun import freeze_time

from opsverify import exitcodes
from opsverify.checklist import load_checklists
from opsverify.errors import ConfigError
from opsverify.waivers import load_waivers

from .runbook import CANARY, make_runbook, read_json, rows_by_id

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
    # the system is what is misspelt: said so, not "did you mean S2" of the id written right
    ({**ACTIVE, "system": "shp"}, "waivers[0] (S2): unknown system: no checklist is of system shp; did you mean shop?"),
    ({k: v for k, v in ACTIVE.items() if k != "approver"}, "waivers[0] (S2): approver: Field required"),
    ({**ACTIVE, "expires": "2026-12-31T18:00:00"}, "waivers[0] (S2): expires: give a time zone"),
    ({**ACTIVE, "owner": "x"}, "waivers[0] (S2): owner: unknown key (a waiver takes item, system, reason, approver,"
                                 " ticket and expires)"),
    # a misspelt field: one problem, with the field meant (not also "expires: Field required")
    ({**{k: v for k, v in ACTIVE.items() if k != "expires"}, "expirs": "2099-12-31"},
     "waivers[0] (S2): expirs: unknown key; did you mean expires?"),
    # a waiver's words are one line of the summary and the report
    ({**ACTIVE, "reason": "migrating\nenv fx: 5 passed"}, "waivers[0] (S2): reason: holds a line break"),
    ({**ACTIVE, "approver": "jane.doe\n"}, "waivers[0] (S2): approver: holds a line break"),
    ({**ACTIVE, "item": "S5"}, "waivers[0] (S5): shop S5 is a manual item, never checked: nothing to waive"),
    # an approver, ticket or reason of blanks names no one: the waiver would accept a failure unsigned
    ({**ACTIVE, "approver": " "}, "waivers[0] (S2): approver: is blank"),
    ({**ACTIVE, "ticket": "   "}, "waivers[0] (S2): ticket: is blank"),
    ({**ACTIVE, "reason": "\t"}, "waivers[0] (S2): reason: is blank"),
    # characters that show as nothing are blank too: the waiver had waived a failure, exit 0
    ({**ACTIVE, "reason": "\u200b"}, "waivers[0] (S2): reason: is blank"),
    ({**ACTIVE, "approver": "\u2060"}, "waivers[0] (S2): approver: is blank"),
    ({**ACTIVE, "ticket": "\ufeff \u00ad"}, "waivers[0] (S2): ticket: is blank"),
    # a waiver's words reach terminals, JUnit and the report, as a checklist's do: refused as they are
    ({**ACTIVE, "reason": "fine \u202e reversed"}, "waivers[0] (S2): reason: holds the control character "
                                                   "U+202E"),
    ({**ACTIVE, "approver": "jane\x1b[2J"}, "waivers[0] (S2): approver: holds the control character U+001B"),
    # a quoted number is no date either: pydantic would read it as a Unix time (2100, or 1970)
    ({**ACTIVE, "expires": "4102444800"}, "waivers[0] (S2): expires: 4102444800 is a number, not a date"),
    ({**ACTIVE, "expires": "20991231"}, "waivers[0] (S2): expires: 20991231 is a number, not a date"),
])
def test_a_bad_waiver_is_a_config_error_naming_it(runbook, entry, problem):
    with pytest.raises(ConfigError) as caught:
        _load(runbook, entry)
    assert caught.value.message.startswith("waivers/fx.yaml: " + problem) or problem in caught.value.message
    assert "\n" not in caught.value.message and "Value error" not in caught.value.message, caught.value.message


def _written(runbook, entry: str):
    """A waivers file as a person writes it (`entry`: `key: word` as typed), unquoted words read as YAML 1.1 reads them."""
    key, _, word = entry.partition(": ")
    fields = {"item": "S2", "reason": "r", "approver": "a", "ticket": "T-1", "expires": "2099-12-31", key: word}
    path = runbook.root / "waivers" / "fx.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("waivers:\n- {" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}\n")
    return load_waivers(runbook.root / "waivers", "fx", load_checklists(runbook.root / "checklists"), now=NOW)


@pytest.mark.parametrize("entry, problem", [
    ("item: NO", "waivers[0] (NO): item: YAML reads NO as false, not as text: quote it: item: 'NO'"),
    ("item: 1.10", "waivers[0] (1.10): item: YAML reads 1.10 as the number 1.1, not as text: quote it:"
                   " item: '1.10'"),
    ("approver: yes", "waivers[0] (S2): approver: YAML reads yes as true, not as text: quote it:"
                      " approver: 'yes'"),
    ("ticket: off", "waivers[0] (S2): ticket: YAML reads off as false, not as text: quote it:"
                    " ticket: 'off'"),
    ('item: "S2\\u200b"', "waivers[0] (S2\\u200b): unknown item: no checklist has an item S2\\u200b;"
                         " did you mean S2?"),
], ids=["no", "version", "yes", "off", "zero-width"])
def test_a_word_yaml_reads_otherwise_is_shown_as_written(runbook, entry, problem):
    with pytest.raises(ConfigError) as caught:
        _written(runbook, entry)
    assert caught.value.message.endswith(f"waivers/fx.yaml: {problem}"), caught.value.message


@pytest.mark.parametrize("entry, problem", [
    ("true: x", "waivers[0] (S2): YAML reads the key true as a boolean, not as text: quote it: 'true'"),
    ("null: x", "waivers[0] (S2): YAML reads the key null as nothing (null), not as text: quote it: 'null'"),
    ("2026-01-01: x", "waivers[0] (S2): YAML reads the key 2026-01-01 as a date, not as text: quote it: '2026-01-01'"),
    ("1: x", "waivers[0] (S2): YAML reads the key 1 as a number, not as text: quote it: '1'"),
    ("'': x", "waivers[0] (S2): '': unknown key (a waiver takes item, system, reason, approver, ticket and expires)"),
], ids=["true", "null", "date", "number", "empty"])
def test_a_key_yaml_reads_as_no_text_is_shown_as_written(runbook, entry, problem):
    with pytest.raises(ConfigError) as caught:
        _written(runbook, entry)
    assert caught.value.message.endswith(f"waivers/fx.yaml: {problem}"), caught.value.message


def test_an_expires_written_as_an_odd_number_is_told_to_be_a_date(runbook):
    """`expires: 0x10` is no date: `write 16` would lead to the next refusal, a number is not a date."""
    with pytest.raises(ConfigError) as caught:
        _written(runbook, "expires: 0x10")
    assert caught.value.message.endswith("expires: YAML reads 0x10 as 16 (0x makes a number hexadecimal): a number,"
                                         " not a date: write a date, 2026-12-31 (through that day, UTC), or a time"
                                         " with its zone, 2026-12-31T18:00:00Z"), caught.value.message


@pytest.mark.parametrize("ticket, kept", [("123", "123"), ("0123", "0123"), ("4.10", "4.10"), ("'OPS-9'", "OPS-9")])
def test_a_ticket_written_as_a_number_is_kept_as_written(runbook, ticket, kept):
    """A plain ticket number (an issue #123) is common; YAML reads it as a number, 0123 as 83: the text is kept."""
    waivers = _written(runbook, f"ticket: {ticket}")
    assert waivers.active_for(_check(runbook, "S2")).ticket == kept


def test_blank_around_the_words_is_not_kept(runbook):
    waiver = _load(runbook, {**ACTIVE, "approver": "  jane.doe ", "item": " S2"}).active_for(_check(runbook, "S2"))
    assert (waiver.item, waiver.approver) == ("S2", "jane.doe")


@pytest.mark.parametrize("expires", [None, "tomorrow", "2026-13-01", True])
def test_an_expires_that_is_no_date_is_one_line_naming_the_accepted_forms(runbook, expires):
    with pytest.raises(ConfigError) as caught:
        _load(runbook, {**ACTIVE, "expires": expires})
    assert caught.value.message.endswith(
        "waivers/fx.yaml: waivers[0] (S2): expires: not an ISO date or time: write a date, 2026-12-31 "
        "(through that day, UTC), or a time with its zone, 2026-12-31T18:00:00Z"), caught.value.message


def _fifo(path):
    os.mkfifo(path)


@pytest.mark.parametrize("make, problem", [
    (lambda path: path.mkdir(), "waivers/fx.yaml: not a regular file (a device, a FIFO or a folder): point it at a file"),
    (_fifo, "waivers/fx.yaml: not a regular file (a device, a FIFO or a folder): point it at a file"),
    (lambda path: path.symlink_to(path.parent / "gone.yaml"),
     "waivers/fx.yaml: a symbolic link to nothing (or a loop of links): point it at a file"),
    (lambda path: path.symlink_to(path), "waivers/fx.yaml: a symbolic link to nothing (or a loop of links)"),
    (lambda path: path.with_suffix(".yml").write_text("waivers: []\n"),
     "waivers/fx.yml: waivers files are *.yaml; rename it fx.yaml"),
    (lambda path: path.write_text(""), "waivers/fx.yaml: the file is empty; write `waivers: []`, or remove the file"),
    (lambda path: path.write_text("# waivers: none yet\n"), "waivers/fx.yaml: the file is empty"),
], ids=["folder", "fifo", "dangling-link", "link-loop", "yml", "empty", "only-comments"])
def test_a_waivers_path_that_is_no_regular_yaml_file_is_one_line(runbook, make, problem, monkeypatch):
    """Each of these used to read as "no waivers": every waiver silently dropped."""
    monkeypatch.chdir(runbook.root)
    (runbook.root / "waivers").mkdir()
    make(runbook.root / "waivers" / "fx.yaml")
    with pytest.raises(ConfigError) as caught:
        load_waivers(runbook.root / "waivers", "fx", load_checklists(runbook.root / "checklists"), now=NOW)
    assert caught.value.message.startswith(problem) and "\n" not in caught.value.message


def test_a_waivers_dir_given_must_be_a_folder_but_the_default_may_be_absent(runbook, monkeypatch):
    monkeypatch.chdir(runbook.root)
    checks = load_checklists(runbook.root / "checklists")
    assert load_waivers(runbook.root / "waivers", "fx", checks, now=NOW).entries == []  # no waivers/: none
    with pytest.raises(ConfigError, match=r"^--waivers-dir approved: no such folder$"):
        load_waivers(runbook.root / "approved", "fx", checks, now=NOW, given=True)
    (runbook.root / "approved").write_text("waivers: []\n")
    with pytest.raises(ConfigError, match=r"^--waivers-dir approved: not a folder; waivers go in approved/fx.yaml$"):
        load_waivers(runbook.root / "approved", "fx", checks, now=NOW, given=True)


def test_a_missing_waivers_dir_option_stops_the_run(runbook):
    result = runbook.run("--item", "S2", "--waivers-dir", "aproved")
    assert result.returncode == exitcodes.BAD_CONFIG, result.stdout[-2000:]
    assert result.stderr.strip() == "opsverify: --waivers-dir aproved: no such folder"
    assert runbook.archives() == []


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


def test_the_waived_line_of_v_is_redacted(runbook):
    """-vv prints each item's xfail reason, the waiver's words in it: a secret a person pasted there is
    redacted as in the summary (raw and in base64)."""
    secret = runbook.variables()["SHOP_API_TOKEN"]
    runbook.waive({**ACTIVE, "approver": secret, "reason": f"rotating {base64.b64encode(secret.encode()).decode()}"})
    result = runbook.run("--item", "S2", "-vv")
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    words = " ".join(result.stdout.split())  # pytest wraps the reason to the terminal's width
    waived = words[words.index("S2-flag-on WAIVED"):words.index("[100%]")]
    assert "approved by [redacted hmac:" in waived and "rotating [redacted hmac:" in waived, waived
    assert CANARY not in result.stdout + result.stderr
    assert base64.b64encode(secret.encode()).decode()[:16] not in result.stdout


def test_runxfail_applies_no_waiver_and_records_none(runbook):
    """--runxfail reports xfails as failures: the waiver is not applied, so no record may say it was."""
    runbook.waive(ACTIVE)
    result = runbook.run("--item", "S2", "--runxfail")
    assert result.returncode == exitcodes.FAILED, result.stdout[-3000:]
    archive = runbook.newest()
    row = rows_by_id(archive)["S2"]
    assert row["status"] == "failed" and "waiver" not in row
    assert read_json(archive / "results.json")["waivers_used"] == []
    assert read_json(archive / "manifest.json")["waived"] == []
    (s2,) = [json.loads(p.read_text()) for p in (archive / "allure-results").glob("*-result.json")]
    assert s2["status"] == "failed" and "Waived" not in s2["description"]


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


def test_waiver_of_an_item_that_could_not_be_checked_or_was_skipped_is_named_as_not_applied(runbook):
    """A waiver accepts a failure only: an item that errs (S4) or is skipped (S7) under a current waiver is not
    waived — and the waiver, used by nothing, is said on the console and in the manifest with the item's outcome,
    not passed over in silence (the exit code is the run's own)."""
    runbook.waive({**ACTIVE, "item": "S4"}, {**ACTIVE, "item": "S7", "ticket": "OPS-13"})
    result = runbook.run("--item", "S4", "--item", "S7")
    assert result.returncode == exitcodes.COULD_NOT_CHECK, result.stdout[-3000:]
    rows = rows_by_id(runbook.newest())
    assert (rows["S4"]["status"], rows["S7"]["status"]) == ("error", "skipped")
    assert ("waiver not applied — waivers/fx.yaml: shop S4 could not be checked (error); its waiver (OPS-12, until "
            "2099-12-31) accepts a failure only: this run neither used it nor showed the item holds") in result.stdout
    assert "waiver not applied — waivers/fx.yaml: shop S7 was skipped; its waiver (OPS-13, " in result.stdout
    manifest = read_json(runbook.newest() / "manifest.json")
    assert [(e["item"], e["ticket"], e["outcomes"]) for e in manifest["waivers_not_applied"]] == [
        ("S4", "OPS-12", ["error"]), ("S7", "OPS-13", ["skipped"])]
    assert manifest["waivers_not_needed"] == []


def test_a_waiver_is_not_applied_only_where_its_item_neither_failed_nor_passed_throughout(runbook):
    """Used by one entry of its id (waived), not needed (every entry passed), or set aside by --runxfail (failed):
    each said otherwise, or not at all; an error or a skip beside a pass is not applied."""
    waivers = _load(runbook, ACTIVE)
    statuses = {
        ("waived", "error"): [], ("passed",): [], ("failed",): [], ("failed", "error"): [],
        ("error",): ["error"], ("skipped",): ["skipped"], ("passed", "error"): ["error", "passed"],
    }
    for given, expected in statuses.items():
        records = [{"system": "shop", "id": "S2", "status": status} for status in given]
        found = [(w.item, outcomes) for w, outcomes in waivers.not_applied(records)]
        assert found == ([("S2", expected)] if expected else []), given
    expired = _load(runbook, {**ACTIVE, "expires": "2020-01-01"})  # said as expired instead
    assert expired.not_applied([{"system": "shop", "id": "S2", "status": "error"}]) == []


def test_expired_waiver_fails_the_run_and_names_itself(runbook):
    runbook.waive(EXPIRED)
    result = runbook.run("--item", "S1")
    assert result.returncode == exitcodes.WAIVER_EXPIRED, result.stdout[-3000:]
    assert ("waiver expired — waivers/fx.yaml: shop S1 expired 2020-01-01T12:00:00+00:00 (OPS-1, approved by bob): "
            "the item counts again; renew or remove it") in result.stdout
    manifest = read_json(runbook.newest() / "manifest.json")
    assert manifest["expired_waivers"][0]["ticket"] == "OPS-1" and manifest["exit_code"] == exitcodes.WAIVER_EXPIRED


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_an_expired_waiver_of_an_item_the_run_only_skipped_does_not_fail_it(runbook, workers):
    """27 is for a waiver of a checked item: S7 skips (its service is not configured), so this run says nothing of
    whether its failure is still accepted; S1 passes."""
    runbook.waive({**EXPIRED, "item": "S7"})
    result = runbook.run("--item", "S1", "--item", "S7", *workers)
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    assert "waiver expired" not in result.stdout
    assert read_json(runbook.newest() / "manifest.json")["expired_waivers"] == []


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


# the master reads the clock before a waiver's end, its workers (started later) after it: here the master is
# frozen before the end of 2019 and the workers live now; without one "now" they would judge S2 failed
FROZEN_MASTER = """
import pytest
from freezegun import freeze_time

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    if hasattr(config, "workerinput"):  # an xdist worker
        return (yield)
    with freeze_time("2019-12-31T12:00:00Z"):
        return (yield)
"""


def test_workers_judge_waivers_by_the_masters_now(runbook):
    runbook.waive({**ACTIVE, "expires": "2020-01-01"})
    (runbook.root / "conftest.py").write_text(FROZEN_MASTER)
    result = runbook.run("--item", "S2", "-n", "2")
    assert result.returncode == exitcodes.OK, result.stdout[-3000:]
    assert rows_by_id(runbook.newest())["S2"]["status"] == "waived"
    assert read_json(runbook.newest() / "manifest.json")["expired_waivers"] == []


def test_a_worker_reads_the_now_it_is_handed():
    from opsverify.plugin import RUN_NOW_ENV, run_now

    environ: dict[str, str] = {}
    with freeze_time("2026-11-25T12:00:00Z"):
        assert run_now(False, environ) == NOW and environ[RUN_NOW_ENV] == NOW.isoformat()  # the master's reading
    assert run_now(True, environ) == NOW  # a worker, later: the master's
    assert run_now(True, {RUN_NOW_ENV: "2026-11-25T12:00:00"}) != NOW  # not a moment: the worker's own clock


# -- an id that looks like one but is not, and a file of the wrong shape ---------------------------------------
@pytest.mark.parametrize("entry, problem", [
    # a Cyrillic Ѕ reads as S: the message spells it out, and names the id meant
    ({**ACTIVE, "item": "\u04052", "system": "shop"},
     "waivers[0] (\u04052): unknown item: no item \u04052 (spelled '\\u04052') in system shop; did you mean S2?"),
    ({**ACTIVE, "item": "\u04052"},
     "waivers[0] (\u04052): unknown item: no checklist has an item \u04052 (spelled '\\u04052'); did you mean S2?"),
    ({**ACTIVE, "item": "s2"}, "waivers[0] (s2): unknown item: no checklist has an item s2; did you mean S2?"),
], ids=["lookalike-in-system", "lookalike", "case"])
def test_an_unknown_id_is_spelled_out_and_the_near_one_named(runbook, entry, problem):
    with pytest.raises(ConfigError) as caught:
        _load(runbook, entry)
    assert caught.value.message.endswith(f"fx.yaml: {problem}"), caught.value.message


def test_a_waivers_file_that_is_a_list_is_told_to_be_a_mapping(runbook):
    path = runbook.root / "waivers" / "fx.yaml"
    path.parent.mkdir()
    path.write_text("- {item: S2, reason: r, approver: a, ticket: T-1, expires: 2099-12-31}\n")
    with pytest.raises(ConfigError) as caught:
        load_waivers(runbook.root / "waivers", "fx", load_checklists(runbook.root / "checklists"), now=NOW)
    assert caught.value.message.endswith("fx.yaml: the file must be a mapping with a `waivers:` list (it is a list):"
                                         " write `waivers:` on the first line, the entries under it"), \
        caught.value.message
    assert "WaiversFileModel" not in caught.value.message


def test_an_empty_waivers_key_is_no_waivers(runbook):
    """`waivers:` with nothing under it is what is left when the last waiver is removed: as `waivers: []`."""
    path = runbook.root / "waivers" / "fx.yaml"
    path.parent.mkdir()
    path.write_text("waivers:\n  # none now: OPS-12 was fixed\n")
    assert load_waivers(runbook.root / "waivers", "fx", load_checklists(runbook.root / "checklists"),
                        now=NOW).entries == []


def test_a_waiver_or_fail_on_never_takes_what_could_not_be_judged(runbook):
    """S2 fails (FLAG is false) and a rule of it cannot be judged (NODE_TLS_REJECT_UNAUTHORIZED read two ways): a
    waiver of the failure stays unapplied, and --fail-on letting S2's severity pass still ends 10, never 0."""
    import yaml

    shop = yaml.safe_load((runbook.root / "checklists" / "shop.yaml").read_text())
    item = next(i for i in shop["items"] if i["id"] == "S2")
    item["params"]["not_values"] = {"NODE_TLS_REJECT_UNAUTHORIZED": ["0"]}
    item["severity"] = "normal"
    (runbook.root / "checklists" / "shop.yaml").write_text(yaml.safe_dump(shop, sort_keys=False))
    with (runbook.root / "env" / "web.env").open("a") as env:
        env.write("TLS_OFF=0\nNODE_TLS_REJECT_UNAUTHORIZED=${TLS_OFF}\n")
    runbook.waive(ACTIVE)
    waived = runbook.run("--item", "S2")
    assert waived.returncode == exitcodes.FAILED, waived.stdout[-2000:]
    assert rows_by_id(runbook.newest())["S2"]["status"] == "failed"
    runbook.waive()
    let_pass = runbook.run("--item", "S2", "--fail-on", "critical")
    assert let_pass.returncode == exitcodes.COULD_NOT_CHECK, let_pass.stdout[-2000:]


def test_an_empty_waiver_entry_says_what_to_write_not_a_class_name(tmp_path):
    """`waivers:` then `-`: pydantic's words named its class (WaiverModel)."""
    from opsverify.errors import ConfigError
    from opsverify.waivers import load_waivers

    (tmp_path / "local.yaml").write_text("waivers:\n  -\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_waivers(tmp_path, "local", [])
    assert "empty or not a mapping: write a waiver as keys and values (item, system, reason" in refused.value.message
    assert "WaiverModel" not in refused.value.message


def test_a_blank_word_of_characters_that_show_as_nothing_is_spelled(runbook):
    """The one notion of blank checklists share (display.blank): the message says what the word holds, which does not
    look blank in the file."""
    with pytest.raises(ConfigError) as caught:
        _load(runbook, {**ACTIVE, "reason": "\u200b\ufeff"})
    assert caught.value.message.endswith("reason: is blank: write who approved it, the ticket and why (it holds only"
                                         " characters that show as nothing: \\u200b\\ufeff)"), caught.value.message


@pytest.mark.parametrize("field, fix", [("system", "name the system of the item, or leave system out"),
                                        ("item", "name the item it waives: its id, as its checklist writes it")])
def test_a_blank_item_or_system_says_what_to_name_there(runbook, field, fix):
    """Not the approver's advice ("who approved it, the ticket and why"), which a blank system had."""
    with pytest.raises(ConfigError) as caught:
        _load(runbook, {**ACTIVE, field: "  "})
    assert f"{field}: is blank: {fix}" in caught.value.message, caught.value.message
