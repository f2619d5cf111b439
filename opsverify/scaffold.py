"""The files `opsverify init` writes: the smallest project that runs and can fail."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path, PurePath

import yaml

from .checklist import NAME_PATTERN
from .display import spelled
from .errors import ConfigError
from .report import run_archive
from .seal import CHAIN, PRUNED, PRUNING, archive_dirs

GITIGNORE = ".gitignore"
# .venv/: the README's first steps make the virtualenv inside the project, which `git add .` would commit whole
GITIGNORE_LINES = ("reports/", "environments/*.secrets.env", ".pytest_cache/", ".venv/")


def variable_prefix(system: str) -> str:
    """The start of the system's ${VAR} names: `shop` → SHOP, `my-app` → MY_APP. A variable name starts with a
    letter (`${3DSHOP_WEB_URL}` is not one; a shell cannot export it): a name starting with a digit gets `SYS_`,
    and so does a name that itself starts with `sys-` (sys-1 → SYS_SYS_1), else `1` and `sys-1` would read one
    SYS_1_DATABASE_URL. No two names share a prefix: those with SYS_ and those without never meet."""
    prefix = system.replace("-", "_").upper()
    return f"SYS_{prefix}" if not prefix[:1].isalpha() or prefix.startswith("SYS_") else prefix


def yaml_word(word: str) -> str:
    """`word` as YAML reads it back as that text: plain where it is (`shop`), quoted where YAML would read a plain
    one as something else — `yes`, `no`, `on`, `null` (true, false, none), `1`, `0x1f`, `1e5` (numbers),
    `2026-12-01` (a date)."""
    from .checklist import _YAML12_NUMBER  # `1e5`: text to PyYAML, a number to the suite's loader (YAML 1.2's)

    try:
        plain = yaml.safe_load(f"key: {word}")
    except yaml.YAMLError:
        plain = None
    text = isinstance(plain, dict) and plain.get("key") == word and type(plain["key"]) is str
    return word if text and not _YAML12_NUMBER.fullmatch(word) else "'" + word.replace("'", "''") + "'"


def project_files(system: str) -> dict[str, str]:
    prefix = variable_prefix(system)
    word = yaml_word(system)
    return {
        f"checklists/{system}.yaml": f"""\
# One entry per runbook item; each becomes one pytest result. Format: docs/checklists.md
system: {word}
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
  {word}:
    database: ${{{prefix}_DATABASE_URL}}
    services:
      web: {{url: "${{{prefix}_WEB_URL}}"}}
""",
        "environments/local.secrets.env.example": f"""\
# Copy to local.secrets.env (never commit that file) and fill in.
{prefix}_DATABASE_URL=postgresql://checker:password@127.0.0.1:5432/app
{prefix}_WEB_URL=http://127.0.0.1:8000
""",
        GITIGNORE: "".join(f"{line}\n" for line in GITIGNORE_LINES),
    }


# -- writing them: everything checked first, nothing left behind on failure ------------------------------------
FALLBACK_NAME_MAX = 255  # bytes of one file name, where the file system does not say


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        with contextlib.suppress(OSError):  # a name too long for the file system is no folder there
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
        return [f"--system {system[:60]}: use lowercase letters, digits and '-', starting with a letter or a digit "
                "(e.g. my-app), as a checklist's system name does"]
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
        return [f"{spelled(str(root))}: is not a folder; give a project folder (opsverify init [DIR])"]
    evidence = evidence_folder(root)
    reports = _existing_ancestor(Path(os.path.realpath(root)))
    if not evidence and _reports_folder(reports):  # its own runs' archives would land in reports/reports/<env>
        evidence = f"inside the reports folder {reports}, which holds the env folders of run archives"
    evidence = evidence or _in_a_projects_reports(root)
    if evidence:
        return [f"{spelled(str(root))}: {evidence}; opsverify init writes a project only outside reports/"
                " (give another DIR)"]
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
        if name == GITIGNORE and os.path.lexists(path) and not path.is_symlink():
            continue  # nearly every repo has one: left as it is (cli.init says what it should hold)
        if path.is_symlink():
            found.append(f"{path}: is a symlink; opsverify init writes only new files, never through a symlink")
        elif os.path.lexists(path):
            existing.append(path)
    if existing:  # a project already made: one line, not one per file
        more = f" (and {len(existing) - 1} more of its files)" if len(existing) > 1 else ""
        found.append(f"{existing[0]}: already exists{more}; opsverify init writes only new files"
                     + _another_system(root, system))
    elif made := _yaml_files(root, "checklists") + _yaml_files(root, "environments"):
        # its own files are not there, yet checklists or environments are: init would add a second environment
        # file beside the project's own, one that checks nothing the team set up
        found.append(f"{root}: is an opsverify project already ({made[0]}); opsverify init writes only whole new"
                     " projects" + _another_system(root, system))
    return found


def _yaml_files(root: Path, folder: str) -> list[str]:
    """The YAML files (`folder/NAME.yaml` or `.yml`, in any case, as the loaders read them; hidden ones left out) in
    root/folder, sorted; [] when there is none."""
    try:
        names = sorted(name for name in os.listdir(root / folder) if name.lower().endswith((".yaml", ".yml"))
                       and not name.startswith(".") and (root / folder / name).is_file())
    except OSError:
        return []
    return [f"{folder}/{name}" for name in names]


def _another_system(root: Path, system: str) -> str:
    """How to add `system` by hand to the project in `root`, when it is not one of the project's systems yet
    (init writes only whole new projects: it never edits the environment file a second system goes in)."""
    if os.path.lexists(root / "checklists" / f"{system}.yaml"):
        return ""
    others = _yaml_files(root, "checklists")
    example = f"as {others[0]} is written, " if others else ""
    envs = _yaml_files(root, "environments") or ["environments/local.yaml"]
    where = (f"in {envs[0]}" if len(envs) == 1 else
             f"in each environment file that should check it ({', '.join(envs)})")
    return (f"; to add the system {system} to this project, write checklists/{system}.yaml ({example}with system:"
            f" {yaml_word(system)}) and add {yaml_word(system)} under systems: {where}")


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
            if name == GITIGNORE and os.path.lexists(path):  # the repo's own: never touched
                continue
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
        raise ConfigError(f"{spelled(str(where))}: cannot be written ({exc.strerror or exc});"
                          " nothing was written") from None
    return written


def gitignore_not_a_file(root: Path) -> str | None:
    """What the .gitignore in `root` is when it is there but no regular file (`a folder`, `a FIFO`, …): git reads
    no ignore rules from such a path. Looked at with lstat only: a FIFO is never opened (that would wait for a
    writer). None when it is a file or is not there."""
    try:
        mode = os.lstat(root / GITIGNORE).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISLNK, "a symlink"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((word for test, word in kinds if test(mode)), "a special file")


def gitignore_missing(root: Path) -> list[str]:
    """The lines of GITIGNORE_LINES an existing .gitignore in `root` lacks (as written, one per line), which
    `opsverify init` leaves as it is and asks the user to add; [] when it holds them all or is not a file
    (gitignore_not_a_file says so instead)."""
    path = root / GITIGNORE
    try:
        if not path.is_file():
            return []
        held = {line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()}
    except OSError:
        return list(GITIGNORE_LINES)
    # `/reports/` is the same line anchored; `.venv` (no slash) ignores the folder too
    return [line for line in GITIGNORE_LINES
            if not {line, f"/{line}", line.rstrip("/"), f"/{line.rstrip('/')}"} & held]


def _env_folder(folder: Path) -> bool:
    """reports/<env>: it holds an env's chain.jsonl or .pruned/, or a run archive."""
    if os.path.lexists(folder / CHAIN) or os.path.lexists(folder / PRUNED):
        return True
    try:
        return any(run_archive(p) for p in archive_dirs(folder))
    except OSError:
        return False


def evidence_folder(root: Path) -> str:
    """Why `root` is inside a run archive or a reports/<env> folder (a project written there would break an
    archive's seal, or stand among an env's archives as a folder verify cannot read), else ''. The folder init
    adds its first entry to (root, or its nearest existing parent) must be no env folder; no folder above it an
    archive, a run's `.partial-*`, a prune's `.pruning-*`, an env's `.pruned/`, nor one holding chain.jsonl."""
    folder = Path(os.path.realpath(root))
    first = _existing_ancestor(folder)
    for candidate in (folder, *folder.parents):
        if run_archive(candidate) or candidate.name.startswith((".partial-", PRUNING)):
            return f"inside the run archive {candidate}, where any new file breaks its seal"
        if candidate.name == PRUNED:
            return f"inside {candidate}, an env's {PRUNED}/ (the manifests of its pruned archives)"
        if os.path.lexists(candidate / CHAIN) or os.path.lexists(candidate / PRUNED) or (
                candidate == first and _env_folder(candidate)):
            return f"inside the reports/<env> folder {candidate}, which holds run archives and their chain"
    return ""


def _in_a_projects_reports(root: Path) -> str:
    """Why `root` is inside a project's reports/ (empty before its first run: nothing in it says what it is, its
    project does), else ''."""
    for folder in (Path(os.path.abspath(root)), Path(os.path.realpath(root))):  # a reports/ that is a link too
        for candidate in (folder, *folder.parents):
            if candidate.name == "reports" and _project(candidate.parent):
                return f"inside the reports folder {candidate} of the project {candidate.parent}"
    return ""


def _project(folder: Path) -> bool:
    """An opsverify project: its checklists/ and environments/ (as init writes them)."""
    return (folder / "checklists").is_dir() and (folder / "environments").is_dir()


def _reports_folder(folder: Path) -> bool:
    """reports/ itself: a folder holding an env folder (`_env_folder`)."""
    try:
        return any(_env_folder(child) for child in folder.iterdir() if child.is_dir() and not child.is_symlink())
    except OSError:
        return False
