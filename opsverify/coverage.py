"""Coverage: per system and in total, items automated / partly manual / manual (with reason) / not built.

"Not built" is an item with a check whose family has no module. Loading the checklists refuses such a family
(`unknown family`, exit 20), so it never appears for checklist files: only for Checks made in Python."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from typing import Any

from . import families
from .checklist import Check
from .display import visible


STATES = ("automated", "partly manual", "manual", "not built")


def item_state(checks: list[Check]) -> str:
    """An inventory item is automated only when every one of its checks has a built family; one whose checks are
    built but that also holds a `family: manual` entry is partly manual (a human still does a part of it)."""
    if all(c.manual for c in checks):
        return "manual"
    if any(not c.manual and families.get(c.family) is None for c in checks):
        return "not built"
    return "partly manual" if any(c.manual for c in checks) else "automated"


def coverage_report(checks: list[Check]) -> dict[str, Any]:
    by_item: dict[tuple[str, str], list[Check]] = defaultdict(list)
    for check in checks:
        by_item[(check.system, check.id)].append(check)
    systems: dict[str, dict[str, Any]] = {}
    for (system, item_id), members in sorted(by_item.items(), key=lambda kv: (kv[0][0], _order(kv[0][1]))):
        entry = systems.setdefault(system, {state: [] for state in STATES})
        state = item_state(members)
        if state == "manual":
            said = {"id": item_id, "reason": members[0].reason}
            if len(members) > 1:  # several hand checks under one id (each signed off apart): each its own reason
                said["entries"] = [{"name": c.name, "reason": c.reason} for c in members]
            entry["manual"].append(said)
        elif state == "partly manual":
            entry["partly manual"].append({"id": item_id, "manual": [{"name": c.name, "reason": c.reason}
                                                                      for c in members if c.manual]})
        elif state == "not built":
            entry["not built"].append({"id": item_id, "families": sorted({c.family for c in members if not c.manual
                                                                           and families.get(c.family) is None})})
        else:
            entry["automated"].append(item_id)
    total = {state: sum(len(s[state]) for s in systems.values()) for state in STATES}
    return {"systems": systems, "total": total}


def _order(item_id: str) -> tuple:
    """A natural order for any team's ids: S2 before S10, db-rls-2 before db-rls-10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", item_id) if part)


def sorted_ids(ids) -> list[str]:
    """Item ids in runbook order: S2 before S10."""
    return sorted(ids, key=_order)


# Letters of other scripts drawn as a Latin one (Cyrillic Н and H, Greek Ο and O): an id typed with one reads
# as the id meant, and difflib sees two different characters
_LOOKALIKES = str.maketrans("АВЕЅІЈКМНОРСТХаеѕіјорсухΑΒΕΖΗΙΚΜΝΟΡΤΥΧοι",
                            "ABESIJKMHOPCTXaesijopcyxABEZHIKMNOPTYXoi")


def near_ids(given: str, ids) -> list[str]:
    """The ids `given` was likely meant as, for a `did you mean`: ids are case-sensitive, so every id that differs
    only in case; else the id it reads as once look-alike letters (Cyrillic, Greek, full-width) are Latin; else
    the closest by difflib; else none."""
    ids = sorted(set(ids), key=_order)
    by_case = [i for i in ids if i.casefold() == given.casefold()]
    if by_case:
        return by_case
    latin = unicodedata.normalize("NFKC", given).translate(_LOOKALIKES).casefold()
    by_look = [i for i in ids if i.casefold() == latin]
    return by_look or difflib.get_close_matches(given, ids, n=1)


def format_coverage(report: dict[str, Any]) -> str:
    """For a terminal: every word from a checklist (a reason, a family's name, an id) shown with `visible`, as the
    run's summary shows them — written, never acted on (ESC, CR, U+202E)."""
    widths = {state: max(len(state), 7) for state in STATES}
    lines = [f"{'system':<16} " + " ".join(f"{state:>{widths[state]}}" for state in STATES)]
    for system, entry in report["systems"].items():
        lines.append(f"{visible(system):<16} " + " ".join(f"{len(entry[state]):>{widths[state]}}" for state in STATES))
    t = report["total"]
    lines.append(f"{'total':<16} " + " ".join(f"{t[state]:>{widths[state]}}" for state in STATES))
    for system, entry in report["systems"].items():
        lines.append("")
        lines.append(visible(system))
        if entry["automated"]:
            lines.append(f"  {'automated':<14} {visible(' '.join(entry['automated']))}")
        for item in entry["partly manual"]:  # one line per manual entry: each has its own reason
            for part in item["manual"]:
                lines.append(f"  {'partly manual':<14} {visible(item['id']):<4} {visible(part['name'])}: "
                             f"{visible(part['reason'])}")
        for item in entry["manual"]:
            if "entries" not in item:
                lines.append(f"  {'manual':<14} {visible(item['id']):<4} {visible(item['reason'])}")
            for part in item.get("entries", ()):
                lines.append(f"  {'manual':<14} {visible(item['id']):<4} {visible(part['name'])}: "
                             f"{visible(part['reason'])}")
        for item in entry["not built"]:
            lines.append(f"  {'not built':<14} {visible(item['id']):<4} needs family "
                         f"{visible(', '.join(item['families']))}")
    return "\n".join(lines)
