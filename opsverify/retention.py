"""Retention: `opsverify prune --keep N`, per env, without breaking the chain.

The newest N archives of each env stay. An older one is removed only when it records a clean release:
an archive with a failed or waived item (the evidence an auditor asks for first), or one that does not verify,
stays unless `--force`.
Before an archive is removed its manifest hash (and its link) is appended to `reports/<env>/chain.jsonl`,
so `opsverify verify reports/<env>` still finds every link; its HTML report goes with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .seal import CHAIN, MANIFEST, archive_dirs, env_lock, sha256_bytes, verify


@dataclass
class Pruned:
    removed: list[str] = field(default_factory=list)
    kept_for_evidence: list[tuple[str, str]] = field(default_factory=list)  # (archive, why)


def env_dirs(path: Path) -> list[Path]:
    """`reports/<env>` itself, or every env folder under `reports/`."""
    if any((p / MANIFEST).is_file() for p in archive_dirs(path)) or (path / CHAIN).is_file():
        return [path]
    return [p for p in archive_dirs(path) if any((q / MANIFEST).is_file() for q in archive_dirs(p))]


def keeps_evidence(manifest: dict[str, Any]) -> str:
    """Why an archive must not be pruned without --force ('' when it may)."""
    counts = manifest.get("counts") or {}
    if counts.get("failed"):
        return f"{counts['failed']} failed"
    if counts.get("waived") or manifest.get("waived"):
        return f"{counts.get('waived') or len(manifest['waived'])} waived"
    return ""


def prune_env(env_dir: Path, keep: int, *, force: bool = False, dry_run: bool = False) -> Pruned:
    result = Pruned()
    with env_lock(env_dir):
        archives = [p for p in archive_dirs(env_dir) if (p / MANIFEST).is_file()]
        candidates = archives[:-keep] if keep > 0 else archives
        for archive in candidates:
            manifest_bytes = (archive / MANIFEST).read_bytes()
            try:
                manifest = json.loads(manifest_bytes)
            except ValueError:
                result.kept_for_evidence.append((archive.name, "unreadable manifest (run opsverify verify)"))
                continue
            why = "" if force else keeps_evidence(manifest) or _does_not_verify(archive)
            if why:
                result.kept_for_evidence.append((archive.name, why))
                continue
            if not dry_run:
                _remember(env_dir, archive, manifest, manifest_bytes)
                shutil.rmtree(archive)
                html = archive.parent / f"{archive.name}.html"
                if html.exists():
                    html.unlink()
            result.removed.append(archive.name)
    return result


def _does_not_verify(archive: Path) -> str:
    """An archive changed since it was sealed is evidence too (of that change), and its counts cannot be
    believed: it stays until `--force`."""
    findings = verify(archive).findings
    if not findings:
        return ""
    return f"does not verify ({findings[0].where}: {findings[0].what}; opsverify verify says more)"


def _remember(env_dir: Path, archive: Path, manifest: dict[str, Any], manifest_bytes: bytes) -> None:
    """Append the archive's place in the chain, durably, before it is removed."""
    previous = manifest.get("previous") or {}
    entry = {"archive": manifest.get("archive") or archive.name, "manifest_sha256": sha256_bytes(manifest_bytes),
             "previous_archive": previous.get("archive"), "previous_sha256": previous.get("manifest_sha256"),
             "deploy_id": manifest.get("deploy_id"), "started": manifest.get("started"), "counts": manifest.get("counts"),
             "pruned_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    with open(env_dir / CHAIN, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
