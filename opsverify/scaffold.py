"""The files `opsverify init` writes: the smallest project that runs and can fail."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path, PurePath

from .checklist import NAME_PATTERN
from .errors import ConfigError


def project_files(system: str) -> dict[str, str]:
    prefix = system.replace("-", "_").upper()
    return {
        f"checklists/{system}.yaml": f"""\
# One entry per runbook item; each becomes one pytest result. Format: docs/checklists.md
system: {system}
runbook: RUNBOOK.md            # where the items come from (your runbook)
items:
  - id: WEB-1                  # your own stable id
    name: health               # a short slug; the test id is WEB-1-health
    section: Web
    title: the health endpoint answers 200
    family: http
    cadence: postdeploy        # postdeploy | daily | weekly | monthly (pytest -m ...)
    severity: critical
    remediation: Check the last deploy's logs; roll back if the app does not start.
    params: {{service: web, path: /health, status: 200}}

  - id: DB-1
    name: tables-exist
    section: Database
    title: the app's tables are there
    family: sql
    cadence: postdeploy
    remediation: Run the app's migrations against this database.
    params:
      query: select count(*) as tables from pg_catalog.pg_tables where schemaname = 'public'
      expect: {{tables: {{ge: 1}}}}
""",
        "environments/local.yaml": f"""\
# Where {system} lives. Secrets only as ${{VAR}}: from the process environment or the untracked
# environments/local.secrets.env (copy local.secrets.env.example).
name: local
allow_mutating: false
timeouts: {{connect_s: 5, statement_ms: 5000, database_s: 20, http_s: 10}}
systems:
  {system}:
    database: ${{{prefix}_DATABASE_URL}}
    services:
      web: {{url: "${{{prefix}_WEB_URL}}"}}
""",
        "environments/local.secrets.env.example": f"""\
# Copy to local.secrets.env (never commit that file) and fill in.
{prefix}_DATABASE_URL=postgresql://checker:password@127.0.0.1:5432/app
{prefix}_WEB_URL=http://127.0.0.1:8000
""",
        ".gitignore": "reports/\nenvironments/*.secrets.env\n.pytest_cache/\n",
    }


# -- writing them: everything checked first, nothing left behind on failure ------------------------------------
FALLBACK_NAME_MAX = 255  # bytes of one file name, where the file system does not say


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path(".")


def _limit(folder: Path, name: str, fallback: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return fallback


def problems(root: Path, system: str) -> list[str]:
    """Why `opsverify init` cannot write this project into `root` (one line each), without writing anything."""
    if not re.fullmatch(NAME_PATTERN, system):
        return [f"--system {system[:60]}: use lowercase letters, digits and '-' (e.g. my-app), "
                "as a checklist's system name does"]
    found: list[str] = []
    where = _existing_ancestor(root)
    name_max = _limit(where, "PC_NAME_MAX", FALLBACK_NAME_MAX)
    longest = max(len(PurePath(name).name.encode()) for name in project_files(system))
    if longest > name_max:
        allowed = name_max - (longest - len(system.encode()))
        return [f"--system {system[:40]}… ({len(system)} characters): too long for a file name here "
                f"(checklists/<system>.yaml: at most {allowed} characters)"]
    path_max = _limit(where, "PC_PATH_MAX", 4096)
    if os.path.lexists(root) and not root.is_dir():
        return [f"{root}: is not a folder; give a project folder (opsverify init [DIR])"]
    folders: set[Path] = set()
    existing: list[Path] = []
    for name in project_files(system):
        path = root / name
        if len(os.fsencode(os.path.abspath(path))) >= path_max:
            found.append(f"{path}: the path is too long for this file system")
            continue
        for folder in reversed(PurePath(name).parents[:-1]):  # checklists/, environments/ (root's own: above)
            if folder in folders:
                continue
            folders.add(folder)
            there = root / folder
            if there.is_symlink():  # its files would land wherever it points
                found.append(f"{there}: is a symlink; opsverify init writes its files in a folder of its own there")
            elif os.path.lexists(there) and not there.is_dir():
                found.append(f"{there}: is a file, not a folder; opsverify init writes its files in a folder there "
                             "(move it away)")
        if path.is_symlink():
            found.append(f"{path}: is a symlink; opsverify init writes only new files, never through a symlink")
        elif os.path.lexists(path):
            existing.append(path)
    if existing:  # a project already made: one line, not one per file
        more = f" (and {len(existing) - 1} more of its files)" if len(existing) > 1 else ""
        found.append(f"{existing[0]}: already exists{more}; opsverify init writes only new files")
    return found


def write_project(root: Path, system: str) -> list[Path]:
    """Write the project's files; every file is new (never written through a symlink). Checked first (`problems`);
    a write that fails still (a full disk, a folder not writable) removes what this call wrote and made.
    Raises ConfigError, one line per problem."""
    found = problems(root, system)
    if found:
        raise ConfigError(found[0] if len(found) == 1 else f"{len(found)} problems, nothing written:\n  "
                          + "\n  ".join(found))
    made: list[Path] = []  # folders this call made, then files it wrote: undone in reverse on failure
    written: list[Path] = []
    try:
        for name, text in project_files(system).items():
            path = root / name
            for folder in reversed(path.parents):
                if not os.path.lexists(folder):
                    os.mkdir(folder)
                    made.append(folder)
            data = text.encode("utf-8")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
            made.append(path)
            with open(fd, "wb") as handle:
                handle.write(data)
            written.append(path)
    except OSError as exc:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()
                else:
                    path.unlink()
        where = exc.filename or root
        raise ConfigError(f"{where}: cannot be written ({exc.strerror or exc}); nothing was written") from None
    return written
