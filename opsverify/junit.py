"""JUnit XML of a run, for CI dashboards: one testcase per checklist item.

`classname` is `<system>.<section>` and `name` is `<id>-<name>`, so a CI's test view groups by system and
runbook section rather than by the family's test module. A waived failure is a `skipped` with type
`waived` (it does not fail the run) whose message names the waiver; an error is an `error`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any


def junit_xml(rows: list[dict[str, Any]], *, env: str, deploy: str, timestamp: str) -> bytes:
    counts = Counter(row["status"] for row in rows)
    suite = ET.Element("testsuite", {
        "name": f"opsverify {env} {deploy}", "tests": str(len(rows)),
        "failures": str(counts["failed"]), "errors": str(counts["error"]),
        "skipped": str(counts["skipped"] + counts["waived"] + counts["manual"]),
        "time": f"{sum(float(r.get('duration_s') or 0) for r in rows):.3f}", "timestamp": timestamp,
    })
    for row in rows:
        suite.append(_case(row))
    root = ET.Element("testsuites", {"name": f"opsverify {env}"})
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _case(row: dict[str, Any]) -> ET.Element:
    system = row.get("system")
    case = ET.Element("testcase", {
        "classname": f"{system}.{row.get('section')}" if system else str(row.get("nodeid", "")),
        "name": row.get("key") or str(row.get("nodeid", "")),
        "time": f"{float(row.get('duration_s') or 0):.3f}",
    })
    if row.get("title"):  # properties come first in the JUnit schema
        props = ET.SubElement(case, "properties")
        for key in ("title", "severity", "family"):
            if row.get(key):
                ET.SubElement(props, "property", {"name": key, "value": str(row[key])})
    status, message = row["status"], row.get("message") or ""
    if status == "failed":
        ET.SubElement(case, "failure", {"message": message, "type": "failed"}).text = message
    elif status == "error":
        ET.SubElement(case, "error", {"message": message, "type": "could-not-check"}).text = message
    elif status == "waived":
        waiver = row.get("waiver") or {}
        text = (f"waived until {waiver.get('expires')} by {waiver.get('approver')} ({waiver.get('ticket')}): "
                f"{waiver.get('reason')} — {message}")
        ET.SubElement(case, "skipped", {"message": text, "type": "waived"})
    elif status in ("skipped", "manual"):
        ET.SubElement(case, "skipped", {"message": message, "type": status})
    return case
