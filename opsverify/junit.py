"""JUnit XML of a run, for CI dashboards: one testcase per checklist item.

`classname` is `<system>.<section>` and `name` is `<id>-<name>`, so a CI's test view groups by system and
runbook section rather than by the family's test module. A waived failure is a `skipped` with type
`waived` (it does not fail the run) whose message names the waiver; an error is an `error`.

Written as text (ElementTree costs more than every other reporter together on a big run): values are
escaped for XML, and characters XML 1.0 cannot hold (a target's control bytes in a message) become `\\xNN`
so a CI parser never chokes on the file.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape, quoteattr

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: Any) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _text(value: Any) -> str:
    return escape(_clean(value))


_KEPT_IN_ATTRIBUTES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}  # a parser would fold them into spaces


def _attrs(pairs: dict[str, Any]) -> str:
    return "".join(f" {name}={quoteattr(_clean(value), _KEPT_IN_ATTRIBUTES)}" for name, value in pairs.items())


def junit_xml(rows: list[dict[str, Any]], *, env: str, deploy: str, timestamp: str) -> bytes:
    counts = Counter(row["status"] for row in rows)
    suite = _attrs({
        "name": f"opsverify {env} {deploy}", "tests": len(rows),
        "failures": counts["failed"], "errors": counts["error"],
        "skipped": counts["skipped"] + counts["waived"] + counts["manual"],
        "time": f"{sum(float(r.get('duration_s') or 0) for r in rows):.3f}", "timestamp": timestamp,
    })
    lines = ["<?xml version='1.0' encoding='utf-8'?>", f"<testsuites{_attrs({'name': f'opsverify {env}'})}>",
             f"<testsuite{suite}>", *(_case(row) for row in rows), "</testsuite>", "</testsuites>"]
    return "\n".join(lines).encode() + b"\n"


def _case(row: dict[str, Any]) -> str:
    system = row.get("system")
    head = _attrs({
        "classname": f"{system}.{row.get('section')}" if system else str(row.get("nodeid", "")),
        "name": row.get("key") or str(row.get("nodeid", "")),
        "time": f"{float(row.get('duration_s') or 0):.3f}",
    })
    inner = []
    if row.get("title"):  # properties come first in the JUnit schema
        props = "".join(f"<property{_attrs({'name': key, 'value': row[key]})} />"
                        for key in ("title", "severity", "family") if row.get(key))
        inner.append(f"<properties>{props}</properties>")
    status, message = row["status"], row.get("message") or ""
    if status == "failed":
        inner.append(f"<failure{_attrs({'message': message, 'type': 'failed'})}>{_text(message)}</failure>")
    elif status == "error":
        inner.append(f"<error{_attrs({'message': message, 'type': 'could-not-check'})}>{_text(message)}</error>")
    elif status == "waived":
        waiver = row.get("waiver") or {}
        text = (f"waived until {waiver.get('expires')} by {waiver.get('approver')} ({waiver.get('ticket')}): "
                f"{waiver.get('reason')} — {message}")
        inner.append(f"<skipped{_attrs({'message': text, 'type': 'waived'})} />")
    elif status in ("skipped", "manual"):
        inner.append(f"<skipped{_attrs({'message': message, 'type': status})} />")
    return f"<testcase{head}>{''.join(inner)}</testcase>" if inner else f"<testcase{head} />"
