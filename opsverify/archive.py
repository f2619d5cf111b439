"""The run archive an auditor opens: reports/<env>/<UTC time>_<deploy id>/.

Everything is written into a hidden `.partial-*` folder and renamed only when complete,
so `reports/` never holds half an archive. Before the rename every file is searched for
every secret value the run learnt; any hit is redacted in place and counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import __version__
from .environment import Environment
from .secrets import Redactor

DEPLOY_ID_VARIABLES = (
    "OPSVERIFY_DEPLOY_ID", "GITHUB_SHA", "CI_COMMIT_SHA", "VERCEL_GIT_COMMIT_SHA", "RENDER_GIT_COMMIT",
    "BUILDKITE_COMMIT", "CIRCLE_SHA1", "GIT_COMMIT",
)
STATUSES = ("passed", "failed", "skipped", "error")


def deploy_id(explicit: str | None) -> str:
    value = explicit or next((os.environ[v] for v in DEPLOY_ID_VARIABLES if os.environ.get(v)), "local")
    return re.sub(r"[^A-Za-z0-9._-]", "-", value)[:64] or "local"


def suite_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=3)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=3)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _utc(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Archive:
    reports: Path
    env: Environment
    deploy: str
    commit: str
    started: dt.datetime
    partial: Path
    redactor: Redactor
    final: Path | None = None
    completed: bool = False

    @classmethod
    def begin(cls, *, reports: Path, env: Environment, root: Path, deploy_id: str | None, redactor: Redactor) -> "Archive":
        started = dt.datetime.now(dt.timezone.utc)
        deploy = globals()["deploy_id"](deploy_id)
        env_dir = reports / env.name
        env_dir.mkdir(parents=True, exist_ok=True)
        partial = env_dir / f".partial-{started:%Y%m%dT%H%M%SZ}-{os.getpid()}"
        (partial / "allure-results").mkdir(parents=True)
        return cls(reports, env, deploy, suite_commit(root), started, partial, redactor)

    @property
    def allure_dir(self) -> Path:
        return self.partial / "allure-results"

    def complete(self, rows: list[dict[str, Any]], extra: dict[str, dict] | None = None) -> Path:
        ended = dt.datetime.now(dt.timezone.utc)
        counts = Counter(row["status"] for row in rows)
        self._write_json("results.json", {"env": self.env.name, "deploy_id": self.deploy, "checks": rows})
        for name, content in (extra or {}).items():
            self._write_json(name, content)
        (self.allure_dir / "environment.properties").write_text(
            f"env={self.env.name}\ndeploy_id={self.deploy}\nsuite_version={__version__}\nsuite_commit={self.commit}\n",
            encoding="utf-8",
        )
        redactions = self._scrub()
        files = sorted(p for p in self.partial.rglob("*") if p.is_file())
        manifest = {
            "env": self.env.name,
            "deploy_id": self.deploy,
            "suite_version": __version__,
            "suite_commit": self.commit,
            "started": _utc(self.started),
            "ended": _utc(ended),
            "counts": {status: counts.get(status, 0) for status in STATUSES},
            "redactions_applied": redactions,
            "files": {str(p.relative_to(self.partial)): _sha256(p) for p in files},
        }
        self._write_json("manifest.json", manifest)
        final = self.partial.parent / f"{self.started:%Y%m%dT%H%M%SZ}_{self.deploy}"
        suffix = 1
        while final.exists():
            suffix += 1
            final = self.partial.parent / f"{self.started:%Y%m%dT%H%M%SZ}_{self.deploy}-{suffix}"
        os.replace(self.partial, final)
        self.final, self.completed = final, True
        return final

    def discard(self) -> None:
        if not self.completed and self.partial.exists():
            shutil.rmtree(self.partial, ignore_errors=True)

    def _write_json(self, name: str, content: Any) -> None:
        (self.partial / name).write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")

    def _scrub(self) -> int:
        """Last line of defence: no secret value the run learnt may sit in any archived file."""
        hits = 0
        for path in self.partial.rglob("*"):
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            cleaned = self.redactor.text(text)
            if cleaned != text:
                hits += 1
                path.write_text(cleaned, encoding="utf-8")
        return hits


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Row:
    nodeid: str
    status: str = "passed"
    duration_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    longrepr: str = ""


CAUSE_KINDS = ("credentials", "unreachable", "stopped", "budget", "deadline")


class ArchiveReporter:
    """Listens only: collects each check's result, completes the archive, prints the summary, and
    turns pytest's exit status into opsverify's (failures apart from could-not-check)."""

    def __init__(self, state) -> None:
        self.state = state
        self.rows: dict[str, _Row] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self.rows.setdefault(report.nodeid, _Row(report.nodeid))
        row.duration_s += report.duration
        for key, value in report.user_properties:
            if key == "opsverify":
                row.info = json.loads(value)
        if report.when == "setup" and report.failed:
            row.status = "error"
        elif report.skipped:
            row.status = "skipped"
        elif report.failed:
            row.status = "error" if report.when == "teardown" else "failed"
        if report.failed or report.skipped:
            row.longrepr = row.longrepr or _text(report)

    def causes(self) -> list[tuple[str, str, str, int]]:
        """(system, kind, message, items): one line for each reason many items could not be checked."""
        grouped: dict[tuple[str, str, str], int] = {}
        for row in self.rows.values():
            info = row.info or {}
            if row.status == "error" and info.get("cause") in CAUSE_KINDS:
                text = str(info.get("cause_detail") or info.get("observed", "")).removeprefix("could not look: ")
                key = (str(info.get("system")), str(info["cause"]), text)
                grouped[key] = grouped.get(key, 0) + 1
        return [(system, kind, text, count) for (system, kind, text), count in sorted(grouped.items())]

    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows.values())

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from .plugin import final_exit_code

        session.exitstatus = final_exit_code(int(session.exitstatus), dict(self.counts()),
                                             {kind for _, kind, _, _ in self.causes()})
        self._complete_archive()

    def _complete_archive(self) -> None:
        from .coverage import coverage_report

        archive = self.state.archive
        if archive is None or archive.completed:
            return
        rows = []
        for row in self.rows.values():
            info = row.info or {}
            rows.append({
                "nodeid": row.nodeid,
                "key": info.get("key"),
                "id": info.get("id"),
                "system": info.get("system"),
                "family": info.get("family"),
                "status": row.status,
                "message": info.get("message") or row.longrepr,
                "duration_s": round(row.duration_s, 4),
            })
        archive.complete(rows, {"coverage.json": coverage_report(self.state.checks)})

    def pytest_terminal_summary(self, terminalreporter) -> None:
        from .plugin import run_bound, run_warnings

        state = self.state
        counts = self.counts()
        terminalreporter.section("opsverify")
        for warning in run_warnings(state):
            terminalreporter.write_line(f"warning: {warning}", yellow=True)
        for system, kind, text, count in self.causes():
            terminalreporter.write_line(f"{text} — {count} item{'s' if count != 1 else ''} of {system} not checked",
                                        red=True, bold=True)
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
        terminalreporter.write_line(f"env {state.env.name}, deploy {state.deploy}: {summary}")
        terminalreporter.write_line(f"bound {run_bound(state):g} s, took {state.loop_took:.1f} s")
        for check in state.manual_items():
            terminalreporter.write_line(f"manual — not checked: {check.system} {check.key} ({check.reason})")
        archive = state.archive
        if archive is not None and archive.final is not None:
            try:
                shown = archive.final.relative_to(Path.cwd())
            except ValueError:
                shown = archive.final
            terminalreporter.write_line(f"archive: {shown}")


def _text(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):  # skip: (file, line, reason)
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "").strip().splitlines()[-1] if report.longrepr else ""
