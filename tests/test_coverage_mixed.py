"""`opsverify coverage` of an item that a machine checks only in part: one id with a checked entry and a
`family: manual` one is *partly manual* — counted as such, with the manual entries' reasons — in the terminal
table, in `--json` and so in a run archive's coverage.json (the same function). And a checklists folder that is
not there is told with the flag of the command that was run."""

from __future__ import annotations

import json

from opsverify import exitcodes
from opsverify.checklist import Check, ConfigError, Severity, load_checklists
from opsverify.cli import main
from opsverify.coverage import coverage_report, format_coverage


def _check(item_id: str, family: str, name: str = "n", reason: str = "") -> Check:
    return Check(system="mix", id=item_id, name=name, section="S", title="t", family=family, cadence=None,
                 severity=Severity.normal, mutating=False, remediation="", reason=reason, params={})


MIXED = [_check("X1", "http", "auto"), _check("X1", "manual", "eyes", "a human must look"),
         _check("A1", "env"), _check("M1", "manual", "call", "phone the vendor")]


def test_an_item_half_manual_is_partly_manual_with_its_reason():
    report = coverage_report(MIXED)
    entry = report["systems"]["mix"]
    assert entry["automated"] == ["A1"]  # X1 is not: a human still looks at part of it
    assert entry["partly manual"] == [{"id": "X1", "manual": [{"name": "eyes", "reason": "a human must look"}]}]
    assert entry["manual"] == [{"id": "M1", "reason": "phone the vendor"}]
    assert report["total"] == {"automated": 1, "partly manual": 1, "manual": 1, "not built": 0}


def test_an_item_half_manual_with_a_family_not_built_waits_for_the_family():
    report = coverage_report([_check("X1", "nope"), _check("X1", "manual", "eyes", "a human must look")])
    assert report["systems"]["mix"]["not built"] == [{"id": "X1", "families": ["nope"]}]
    assert report["total"]["partly manual"] == 0


def test_the_terminal_table_counts_and_lists_partly_manual_items(monkeypatch, capsys):
    text = format_coverage(coverage_report(MIXED))
    assert text.splitlines()[0].split() == ["system", "automated", "partly", "manual", "manual", "not", "built"]
    assert text.splitlines()[1].split() == ["mix", "1", "1", "1", "0"]
    assert "  partly manual  X1   eyes: a human must look" in text.splitlines()
    assert "  manual         M1   phone the vendor" in text.splitlines()
    monkeypatch.setattr("opsverify.cli.load_checklists", lambda folder, **_: MIXED)
    assert main(["coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["systems"]["mix"]["partly manual"][0]["id"] == "X1"


def test_coverage_names_its_own_flag_for_a_checklists_folder_not_there(tmp_path, capsys):
    assert main(["coverage", "--checklists", str(tmp_path / "nowhere")]) == exitcodes.BAD_CONFIG
    err = capsys.readouterr().err
    assert "no such folder" in err and "pass --checklists DIR" in err and "--checklists-dir" not in err, err
    try:  # pytest's own option keeps its name
        load_checklists(tmp_path / "nowhere")
    except ConfigError as exc:
        assert "pass --checklists-dir" in exc.message
    else:
        raise AssertionError("a folder not there was read")
