"""A small runbook of its own, in a temporary folder, for the archive, seal, waiver and report tests.

Two systems whose items read a dotenv file (the `env` family: no server needed), with passed, failed
(critical and minor), error, skipped, manual and daily items, sections out of alphabetical order, and a
canary secret in the environment's `${VAR}` and in the env file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from .helpers import UNUSED_PLUGINS, interruptible

CANARY = "canaryF7q2x9ZLm41Kc0dPv8"  # a secret value: must never appear in anything written

SHOP = {
    "system": "shop",
    "runbook": "Shop runbook",
    "items": [
        {"id": "S1", "name": "origin-set", "section": "1 Basics", "title": "the app knows its origin", "family": "env",
         "cadence": "postdeploy", "severity": "critical", "params": {"service": "web", "required": ["APP_ORIGIN"]}},
        {"id": "S2", "name": "flag-on", "section": "2 Flags", "title": "the publish flag is on", "family": "env",
         "cadence": "postdeploy", "severity": "critical", "remediation": "set FLAG=true on web",
         "params": {"service": "web", "values": {"FLAG": "true"}}},
        {"id": "S3", "name": "no-mock", "section": "2 Flags", "title": "mock mode is off", "family": "env",
         "cadence": "postdeploy", "severity": "minor", "params": {"service": "web", "forbidden": ["MOCK"]}},
        {"id": "S10", "name": "token-set", "section": "10 Secrets", "title": "the API token is set", "family": "env",
         "cadence": "postdeploy", "params": {"service": "web", "required": ["SECRET_TOKEN"]}},
        {"id": "S4", "name": "worker-env", "section": "3 Worker", "title": "the worker has its queue", "family": "env",
         "cadence": "postdeploy", "params": {"service": "worker", "required": ["QUEUE_URL"]}},
        {"id": "S5", "name": "incident-call", "section": "9 People", "title": "on-call phones the vendor",
         "family": "manual", "reason": "a phone call, not a system property"},
        {"id": "S6", "name": "daily-origin", "section": "1 Basics", "title": "the origin is an https URL",
         "family": "env", "cadence": "daily", "params": {"service": "web", "format": {"APP_ORIGIN": "https-url"}}},
        {"id": "S7", "name": "admin-env", "section": "4 Admin", "title": "the admin app has its key", "family": "env",
         "cadence": "postdeploy", "params": {"service": "admin", "required": ["ADMIN_KEY"]}},
    ],
}
TILL = {
    "system": "till",
    "runbook": "Till runbook",
    "items": [
        {"id": "T1", "name": "origin-set", "section": "5 Till", "title": "the till knows its origin", "family": "env",
         "cadence": "postdeploy", "params": {"service": "web", "required": ["APP_ORIGIN"]}},
    ],
}
ENVIRONMENT = {
    "name": "fx",
    "systems": {
        "shop": {"services": {"web": {"env": {"dotenv": "${SHOP_WEB_ENV}"}},
                              "worker": {"env": {"dotenv": "${SHOP_WORKER_ENV}"}}},
                 "secrets": {"API_TOKEN": "${SHOP_API_TOKEN}"}},
        "till": {"services": {"web": {"env": {"dotenv": "${SHOP_WEB_ENV}"}}}},
    },
}
# what the items above come to: S2 and S3 fail, S4 errs (no env file), S7 skips (no admin service)
OUTCOMES = {"S1": "passed", "S2": "failed", "S3": "failed", "S10": "passed", "S4": "error", "S7": "skipped", "T1": "passed"}


@dataclass
class Runbook:
    root: Path

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def env_dir(self) -> Path:
        return self.reports / "fx"

    def archives(self) -> list[Path]:
        if not self.env_dir.is_dir():
            return []
        return sorted(p for p in self.env_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def newest(self) -> Path:
        return self.archives()[-1]

    def variables(self) -> dict[str, str]:
        return {"SHOP_WEB_ENV": str(self.root / "env" / "web.env"),
                "SHOP_WORKER_ENV": str(self.root / "env" / "missing-worker.env"),
                "SHOP_API_TOKEN": f"tok-{CANARY}"}

    def waive(self, *entries: dict) -> Path:
        path = self.root / "waivers" / "fx.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump({"waivers": list(entries)}, sort_keys=False), encoding="utf-8")
        return path

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
            marks: str = "postdeploy or manual") -> subprocess.CompletedProcess:
        """The suite as a user runs it in this folder: `python -m pytest checklists --env fx ...`."""
        command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "--env", "fx", "-p",
                   "no:cacheprovider",
                   "--reports-dir", str(self.reports)]
        if marks:
            command += ["-m", marks]
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "GITHUB_", "CI"))}
        return subprocess.run([*command, *args], cwd=self.root, capture_output=True, text=True, timeout=timeout,
                              env={**clean, **self.variables(), **(env or {})}, preexec_fn=interruptible)


def make_runbook(root: Path) -> Runbook:
    (root / "checklists").mkdir(parents=True)
    (root / "environments").mkdir()
    (root / "env").mkdir()
    for checklist in (SHOP, TILL):
        (root / "checklists" / f"{checklist['system']}.yaml").write_text(yaml.safe_dump(checklist, sort_keys=False),
                                                                         encoding="utf-8")
    (root / "environments" / "fx.yaml").write_text(yaml.safe_dump(ENVIRONMENT, sort_keys=False), encoding="utf-8")
    (root / "env" / "web.env").write_text(
        f"APP_ORIGIN=https://shop.example\nFLAG=false\nMOCK=1\nSECRET_TOKEN=sk-{CANARY}\n", encoding="utf-8")
    return Runbook(root)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def rows_by_id(archive: Path) -> dict[str, dict]:
    return {row["id"]: row for row in read_json(archive / "results.json")["checks"]}


# a conftest.py that makes --html's rendering end as Ctrl-C does, after the archive was sealed
INTERRUPTED_RENDERING = ("import opsverify.report\n"
                         "def _interrupted(*args, **kwargs):\n"
                         "    raise KeyboardInterrupt\n"
                         "opsverify.report.render = _interrupted\n")
