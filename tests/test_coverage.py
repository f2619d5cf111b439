"""Coverage: every inventory item is in a checklist, and `opsverify coverage` / `faults` say so."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from opsverify_demo import FAULTS
from opsverify_demo.components import FAULTS as COMPONENT_FAULTS
from opsverify import families
from opsverify.checklist import load_checklists
from opsverify.cli import main
from opsverify.coverage import STATES, coverage_report, format_coverage

from .helpers import CHECKS, ROOT


def inventory_ids(inventory: Path) -> dict[str, str]:
    """Inventory id -> family column, read from the seeds' INVENTORY.md tables (their ids: S1–S17, C1–C21, …)."""
    ids: dict[str, str] = {}
    for line in inventory.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*([SCJBT]\d{1,2})\s*\|(.*)$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            ids[match.group(1)] = cells[2] if len(cells) > 2 else ""
    return ids


INVENTORY = ROOT / "checklists" / "INVENTORY.md"
SHARED_INVENTORY = ROOT.parent / "shared" / "seeds" / "INVENTORY.md"  # beside the clone, when laid out


def inventory_by_system() -> dict[str, set[str]]:
    """Inventory ids under each `## <system> — <runbook>` heading."""
    out: dict[str, set[str]] = {}
    system = None
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\S+) — ", line)
        if heading:
            system = heading.group(1)
        row = re.match(r"^\|\s*([SCJBT]\d{1,2})\s*\|", line)
        if row:
            out.setdefault(system, set()).add(row.group(1))
    return out


def checklist_ids() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for check in CHECKS:
        out.setdefault(check.system, set()).add(check.id)
    return out


def test_inventory_is_the_shared_one():
    if not SHARED_INVENTORY.is_file():
        pytest.skip(f"{SHARED_INVENTORY} is not laid out beside this clone")
    assert INVENTORY.read_text(encoding="utf-8") == SHARED_INVENTORY.read_text(encoding="utf-8")


def test_every_inventory_item_is_in_its_systems_checklist():
    inventory, checklists = inventory_by_system(), checklist_ids()
    assert sum(map(len, inventory.values())) == len(inventory_ids(INVENTORY))  # every row under a heading
    missing = {s: sorted(ids - checklists.get(s, set())) for s, ids in inventory.items()}
    assert {s: ids for s, ids in missing.items() if ids} == {}


def test_no_checklist_cites_an_unknown_id():
    inventory, checklists = inventory_by_system(), checklist_ids()
    unknown = {s: sorted(ids - inventory.get(s, set())) for s, ids in checklists.items()}
    assert {s: ids for s, ids in unknown.items() if ids} == {}


def test_manual_items_are_the_inventorys_manual_items():
    inventory_manual = {i for i, family in inventory_ids(INVENTORY).items() if "manual" in family}
    by_item: dict[str, list] = {}
    for check in CHECKS:
        by_item.setdefault(check.id, []).append(check)
    checklist_manual = {i for i, checks in by_item.items() if all(c.manual for c in checks)}
    assert checklist_manual == inventory_manual
    assert all(c.reason for c in CHECKS if c.manual)


def test_every_automatable_item_has_a_built_family():
    unbuilt = sorted({f"{c.key} ({c.family})" for c in CHECKS if not c.manual and families.get(c.family) is None})
    assert unbuilt == []


def test_coverage_report_accounts_for_every_item():
    report = coverage_report(CHECKS)
    assert sum(report["total"].values()) == len(inventory_ids(INVENTORY))
    for system, entry in report["systems"].items():
        states = [set(entry["automated"]), *({i["id"] for i in entry[state]}
                                             for state in ("partly manual", "manual", "not built"))]
        assert set().union(*states) == inventory_by_system()[system]
        assert sum(map(len, states)) == len(set().union(*states))  # each item in exactly one state
    assert "S1" in report["systems"]["sora-studio"]["automated"]  # the repo family is built


def test_coverage_command_prints_per_system_and_total(capsys):
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    report = coverage_report(load_checklists(ROOT / "checklists"))  # every system there, seed or not
    for system, entry in report["systems"].items():
        counts = r"\s+".join(str(len(entry[state])) for state in STATES)
        assert re.search(rf"^{system}\s+{counts}$", out, re.M), system
        for item in entry["manual"]:
            assert f"manual         {item['id']:<4} {item['reason']}" in out
    total = r"\s+".join(str(report["total"][state]) for state in STATES)
    assert re.search(rf"^total\s+{total}$", out, re.M)


def test_coverage_command_json_and_system_filter(capsys):
    assert main(["coverage", "--json", "--system", "cheersai"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["systems"]) == ["cheersai"]
    assert report == coverage_report([c for c in CHECKS if c.system == "cheersai"])


def test_coverage_command_unknown_system(capsys):
    assert main(["coverage", "--system", "nope"]) == 20
    assert "--system nope: unknown system" in capsys.readouterr().err


def test_an_item_of_a_family_the_engine_lacks_stops_coverage_rather_than_counting_as_not_built(tmp_path, capsys):
    """docs/checklists.md, Coverage: such an item is refused at load (exit 20, naming the family), so the `not built`
    column of a checklist folder that loads is always 0; it counts only Checks made outside a file (the API)."""
    (tmp_path / "svc.yaml").write_text(
        "system: svc\nrunbook: r.md\nitems:\n"
        "  - {id: G1, name: health, section: S, title: t, family: grpc, cadence: postdeploy, params: {}}\n",
        encoding="utf-8")
    assert main(["coverage", "--checklists", str(tmp_path)]) == 20
    assert "family: unknown family 'grpc'" in capsys.readouterr().err
    assert main(["coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["not built"] == 0


def test_faults_command_lists_every_fault_with_the_ids_it_breaks(capsys):
    assert main(["faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name, fault in {**FAULTS, **COMPONENT_FAULTS}.items():
        line = next(line for line in lines if line.startswith(f"{name} "))
        assert all(item in line for item in fault.breaks)
        assert fault.description in line


def test_python_dash_m_opsverify_runs_the_same_command():
    done = subprocess.run([sys.executable, "-m", "opsverify", "coverage"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^total\s+\d+\s+\d+\s+\d+\s+\d+$", done.stdout, re.M)


def test_a_manual_item_of_several_entries_lists_each_entrys_reason():
    """Two hand checks under one id, each signed off apart: coverage listed the first's reason alone."""
    from dataclasses import replace

    first = next(c for c in CHECKS if c.manual)
    second = replace(first, name="second-sign-off", reason="the finance lead signs the refund run off")
    report = coverage_report([first, second])
    [item] = report["systems"][first.system]["manual"]
    assert item["entries"] == [{"name": first.name, "reason": first.reason},
                               {"name": "second-sign-off", "reason": "the finance lead signs the refund run off"}]
    text = format_coverage(report)
    assert first.reason in text and "second-sign-off: the finance lead signs the refund run off" in text, text
