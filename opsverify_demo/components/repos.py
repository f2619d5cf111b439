"""Checkouts of each system's deployed commit: opsverify_demo/repos/<system>/ copied into the deployment's
workdir and committed there, so faults edit copies, never the source tree.

Times are fixed, not the clock: a fresh clone gives every source file its checkout time as
mtime, so the commit date and the auditor report's mtime are set explicitly here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from opsverify.families.repo import git_env

from ..faults import Fault

SOURCE = Path(__file__).resolve().parent.parent / "repos"
DEPLOYED_AT = "2025-03-03T09:00:00+00:00"  # committer date of the deployed commit
REPORT_WRITTEN = 1741001400.0  # 2025-03-03T11:30:00Z: the auditor ran after the deploy
LATER_DEPLOY_AT = "2025-03-04T08:00:00+00:00"  # a newer deploy nobody audited

WORKFLOW = "sora-studio/.github/workflows/poller-cron.yml"
REPORT = "sora-studio/.pf/readthis"
VERCEL = "cheersai/vercel.json"


def _git(checkout: Path, *args: str, date: str = DEPLOYED_AT) -> None:
    """git without the user's config (hooks, signing) and with a fixed identity and date."""
    env = {
        **git_env(), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.invalid", "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.invalid", "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-C", str(checkout), *args],
                   env=env, check=True, capture_output=True, timeout=10)


class Repos:
    PARALLEL = True  # git and files only: starts alongside the database

    def __init__(self) -> None:
        self.root: Path | None = None
        self.dirty: set[str] = set()  # systems whose checkout a fault changed

    def start(self, deployment) -> None:
        self.root = deployment.workdir / "repos"
        self.root.mkdir(parents=True, exist_ok=True)
        self._lay(sorted(p.name for p in SOURCE.iterdir() if p.is_dir()))

    def _lay(self, systems: list[str]) -> None:
        assert self.root is not None
        for system in systems:
            checkout = self.root / system
            shutil.rmtree(checkout, ignore_errors=True)
            shutil.copytree(SOURCE / system, checkout)
            if shutil.which("git"):  # without git the checkout has no commit: S7 reports that as an error
                _git(checkout, "init", "-q")
                # the auditor writes its report into the deployed checkout; it is not part of the commit
                (checkout / ".git" / "info").mkdir(parents=True, exist_ok=True)
                (checkout / ".git" / "info" / "exclude").write_text(".pf/\n", encoding="utf-8")
                self.commit(system, "deployed commit")
        for path in (self.root / REPORT).rglob("*"):
            os.utime(path, (REPORT_WRITTEN, REPORT_WRITTEN))
        self.dirty.clear()

    def path(self, relative: str) -> Path:
        """A file of the checkouts, which a fault is about to change."""
        assert self.root is not None
        self.dirty.add(relative.split("/", 1)[0])
        return self.root / relative

    def commit(self, system: str, message: str, date: str = DEPLOYED_AT) -> None:
        assert self.root is not None
        self.dirty.add(system)
        _git(self.root / system, "add", "-A", date=date)
        _git(self.root / system, "commit", "-q", "--allow-empty", "-m", message, date=date)

    def variables(self) -> dict[str, str]:
        from ..deployment import SYSTEMS, variable_prefix  # deployment imports this package

        assert self.root is not None
        return {f"{variable_prefix(system)}_REPO": str(self.root / system) for system in SYSTEMS}

    def reset(self) -> None:
        if self.dirty:
            self._lay(sorted(self.dirty))

    def stop(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


def _repos(deployment) -> Repos:
    return next(c for c in deployment.components if isinstance(c, Repos))


def _restore_poller_schedule(deployment) -> None:
    repos = _repos(deployment)
    path = repos.path(WORKFLOW)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("on:\n", 'on:\n  schedule:\n    - cron: "*/5 * * * *"\n', 1), encoding="utf-8")
    repos.commit("sora-studio", "poller: bring back the 5-minute schedule")


def _remove_publish_cron(deployment) -> None:
    repos = _repos(deployment)
    path = repos.path(VERCEL)
    config = json.loads(path.read_text(encoding="utf-8"))
    config["crons"] = [c for c in config["crons"] if c["path"] != "/api/cron/publish"]
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    repos.commit("cheersai", "vercel.json: drop the publish cron")


def _remove_report(deployment) -> None:
    for path in _repos(deployment).path(REPORT).iterdir():
        path.unlink()


def _deploy_after_report(deployment) -> None:
    _repos(deployment).commit("sora-studio", "a later deploy", date=LATER_DEPLOY_AT)


FAULTS = [
    Fault("poller-schedule-restored", frozenset({"S1"}), "poller-cron.yml has a schedule trigger again",
          _restore_poller_schedule),
    Fault("vercel-cron-removed", frozenset({"C3"}), "vercel.json no longer schedules /api/cron/publish",
          _remove_publish_cron),
    Fault("env-example-key-unset", frozenset({"J14"}), "NEXTAUTH_URL of .env.example is not set on the web service",
          lambda d: d.set_env("joslyn-ai", "web", "NEXTAUTH_URL", None)),
    Fault("auditor-report-missing", frozenset({"S7"}), ".pf/readthis/ is empty: no auditor report",
          _remove_report),
    Fault("auditor-report-stale", frozenset({"S7"}), "a newer commit was deployed after the last auditor report",
          _deploy_after_report),
]
