"""Coverage: per system and in total, items automated / manual (with reason) / not yet built."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from . import families
from .checklist import Check
from .display import visible


def item_state(checks: list[Check]) -> str:
    """An inventory item is automated only when every one of its checks has a built family."""
    if all(c.manual for c in checks):
        return "manual"
    if all(c.manual or families.get(c.family) is not None for c in checks):
        return "automated"
    return "not built"


def coverage_report(checks: list[Check]) -> dict[str, Any]:
    by_item: dict[tuple[str, str], list[Check]] = defaultdict(list)
    for check in checks:
        by_item[(check.system, check.id)].append(check)
    systems: dict[str, dict[str, Any]] = {}
    for (system, item_id), members in sorted(by_item.items(), key=lambda kv: (kv[0][0], _order(kv[0][1]))):
        entry = systems.setdefault(system, {"automated": [], "manual": [], "not built": []})
        state = item_state(members)
        if state == "manual":
            entry["manual"].append({"id": item_id, "reason": members[0].reason})
        elif state == "not built":
            entry["not built"].append({"id": item_id, "families": sorted({c.family for c in members
                                                                           if families.get(c.family) is None})})
        else:
            entry["automated"].append(item_id)
    total = {k: sum(len(s[k]) for s in systems.values()) for k in ("automated", "manual", "not built")}
    return {"systems": systems, "total": total}


def _order(item_id: str) -> tuple:
    """A natural order for any team's ids: S2 before S10, db-rls-2 before db-rls-10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", item_id) if part)


def sorted_ids(ids) -> list[str]:
    """Item ids in runbook order: S2 before S10."""
    return sorted(ids, key=_order)


def format_coverage(report: dict[str, Any]) -> str:
    """For a terminal: every word from a checklist (a reason, a family's name, an id) shown with `visible`, as the
    run's summary shows them — written, never acted on (ESC, CR, U+202E)."""
    lines = [f"{'system':<16} {'automated':>9} {'manual':>7} {'not built':>10}"]
    for system, entry in report["systems"].items():
        lines.append(f"{visible(system):<16} {len(entry['automated']):>9} {len(entry['manual']):>7} "
                     f"{len(entry['not built']):>10}")
    t = report["total"]
    lines.append(f"{'total':<16} {t['automated']:>9} {t['manual']:>7} {t['not built']:>10}")
    for system, entry in report["systems"].items():
        lines.append("")
        lines.append(visible(system))
        if entry["automated"]:
            lines.append(f"  automated  {visible(' '.join(entry['automated']))}")
        for item in entry["manual"]:
            lines.append(f"  manual     {visible(item['id']):<4} {visible(item['reason'])}")
        for item in entry["not built"]:
            lines.append(f"  not built  {visible(item['id']):<4} needs family {visible(', '.join(item['families']))}")
    return "\n".join(lines)
