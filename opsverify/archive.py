"""The run archive an auditor opens: reports/<env>/<UTC time>_<deploy id>/.

Written from what the engine decided: `results.json` (every item with
expected, observed, severity, section, evidence, duration), `junit.xml`, `allure-results/`,
`coverage.json`, and under `inputs/` the checklists, environment file (`${VAR}` names only) and waivers
the run used; `manifest.json` says what was asked and by whom, hashes every file, links to the previous
archive of the env, and is signed when a key is configured (see `seal`). Every file passes through the
run's redactor on its way to disk. Files go into a hidden `.partial-*` folder, locked by the run while it
lives, renamed only when complete; a partial no live run holds (its run was killed) is removed by the next one,
unless it holds a manifest.json or manifest.sig (at its top or a few folders down): that is evidence, left for
`verify` to report.

Each item's Allure result is built and written as soon as the item ends, by a writer process
(`archive_writer`), while later items still run: pytest's thread only hands it the item's record. At the end
every file, early ones included, is scrubbed again with every secret the run learnt — the early ones by the
writer, with the run's final secrets, while pytest's thread writes results.json — and an early file that this
changes is rewritten before anything is hashed. Should the writer stop (or stall past its bound, `_Writer.END_S`:
it is then killed), or a secret be learnt after it was given them, pytest's thread builds, scrubs and writes every
one of those files itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import pickle
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from . import __version__, archive_writer, exitcodes, seal
from .jsontext import readable as _json
from .checklist import Cadence, Check, _yaml_loader, shown
from .items import ITEM_MARK, check_fields, marks_for
from .display import one_line, spelled, visible
from .environment import Environment
from .errors import ArchiveFailed
from .folders import remove_tree
from .outcome import and_undecided
from .secrets import MASK, Redactor
from .verdicts import VerdictAltered
from .waivers import UNDECIDED_FAILURE

DEPLOY_ID_VARIABLES = (
    "OPSVERIFY_DEPLOY_ID", "GITHUB_SHA", "CI_COMMIT_SHA", "VERCEL_GIT_COMMIT_SHA", "RENDER_GIT_COMMIT",
    "BUILDKITE_COMMIT", "CIRCLE_SHA1", "GIT_COMMIT",
)
STATUSES = ("passed", "failed", "waived", "skipped", "error")
MANUAL_SKIP = "manual item: {reason}"  # what the engine says of a manual item it reaches (engine.Run._prescreen)
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")  # most severe first
WAIVED = "waived: "  # how a waived failure's xfail reason starts


def deploy_id_variable() -> str | None:
    """The CI's commit variable the deploy id is taken from when --deploy-id is not given (None: none is set)."""
    return next((v for v in DEPLOY_ID_VARIABLES if os.environ.get(v)), None)


def given_deploy_id(explicit: str | None) -> str:
    """The deploy id as given (--deploy-id, else the CI's commit variable, else 'local')."""
    variable = deploy_id_variable()
    return explicit or (os.environ[variable] if variable else "local")


def deploy_id(explicit: str | None) -> str:
    """The deploy id as folder names may hold it: other characters become '-', at most 64 kept."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", given_deploy_id(explicit))[:64] or "local"


def deploy_id_as_given(config: pytest.Config, written: str) -> str | None:
    """The deploy id as given, shown safely, when the archive had to write it otherwise (None when not)."""
    given = given_deploy_id(config.getoption("ov_deploy_id", None))
    return None if given == written else visible(given[:200])


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


def _no_folder_there(env_dir: Path) -> str:
    """Why the env's folder could not be made where something is: a symbolic link on the way that leads nowhere
    (an evidence volume not mounted) is named with its target; else a file stands where the folder belongs."""
    for place in (env_dir, *env_dir.parents):
        if place.is_symlink() and not place.exists():
            return (f"{shown(place)} is a symbolic link to {spelled(os.readlink(place))}, which does not exist: "
                    "mount it or fix the link")
    return f"{shown(env_dir)}: a file is where the env's folder belongs; move it away, or give another --reports-dir"


def _unmake(held: int | None, working: tuple[Path, ...], folders: tuple[Path, ...]) -> None:
    """What an interrupted Archive.begin made goes: its working folder (under either name), its lock, and the
    folders it made for it (the env's, reports/) while empty."""
    if held is not None:
        os.close(held)
    for folder in working:
        shutil.rmtree(folder, ignore_errors=True)
    for folder in folders:
        try:
            folder.rmdir()
        except FileNotFoundError:  # interrupted before it was made
            continue
        except OSError:  # another's files are in it
            break


def utc(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hold_partial(partial: Path) -> int:
    """The run's claim on its partial folder: a lock on the folder itself, held while the run lives (the kernel
    drops it when the process dies, however it dies). A pid would not do: runs in containers sharing a
    reports volume have the same pids."""
    fd = os.open(partial, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def remove_if_unheld(folder: Path, marked: bool = False) -> bool:
    """Remove a run's working folder that no live run holds (see hold_partial); True if it went, False if a run
    holds it or it is not one. `marked`: only one held_folder made (it holds HELD). OSError: no run holds it, but
    it could not all be removed (the first error met; the rest of it went)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # not a folder (nor ours to touch), or gone meanwhile
        return False
    if marked and not os.path.lexists(folder / HELD):
        os.close(fd)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # a live run works in it
        return False
    finally:
        os.close(fd)
    left = remove_tree(folder)  # a killed run's folder is anyone's: it may be nested past rmtree's recursion
    if left is not None:
        raise left
    return True


def remove_stale_partials(env_dir: Path) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """`.partial-*` folders no live run holds (see hold_partial): their run was killed, or the machine stopped.
    The names of those removed, and (name, why) of those that could not be: left, said, never stopping the run.
    One holding an archive's manifest.json or manifest.sig, at its top or a folder or more down (seal.sealed_within),
    is kept, (name, why): a run writes them into its partial's top under the env lock this sweep holds, so it is a
    sealed archive moved there (or a run killed as it sealed) — evidence, which `verify` reports, never a run's to
    delete; so is one with more folders than can be looked through."""
    removed: list[str] = []
    left: list[tuple[str, str]] = []
    kept: list[tuple[str, str]] = []
    for partial in sorted([*env_dir.glob(".partial-*"), *env_dir.glob(".making-*")]):
        evidence = _sealed_in(partial) if partial.is_dir() and not partial.is_symlink() else ""
        if evidence:
            kept.append((partial.name, evidence))
            continue
        try:
            if remove_if_unheld(partial):
                removed.append(partial.name)
        except OSError as exc:
            left.append((partial.name, exc.strerror or str(exc)))
    return removed, left, kept


def _sealed_in(partial: Path) -> str:
    """What a stale partial holds that is no run's to delete ('' when none): a sealed archive's files, where."""
    found, whole, unlisted, _deeper = seal.sealed_within(partial)  # a run's inputs may nest deeper
    if found:
        said = [" and ".join(files) + (f" in {where}" if where else "") for where, files in found]
        return f"holds a sealed archive's files ({'; '.join(said)})"
    if unlisted:  # as one too large to look through: what it holds is unknown
        if unlisted[0][0] == "":
            return f"could not be listed ({unlisted[0][1]}), so may hold a sealed archive's files"
        said = "; ".join(f"{where}: {why}" for where, why in unlisted)
        return f"holds a folder that could not be listed ({said}), which may hold a sealed archive's files"
    if not whole:
        return f"holds more than {seal.SEARCH_FOLDERS} folders, too many to look through for a sealed archive's files"
    return ""


NAME_MAX = 255  # bytes of one file name on the file systems reports live on (Linux's, macOS's)
HELD = ".held-by-its-run"  # in a folder held_folder made: an unlocked folder without it is not ours to sweep


def held_folder(parent: Path, prefix: str) -> tuple[Path, int]:
    """A new working folder `<prefix><random>` in `parent`, locked (hold_partial) and marked before it carries
    its name, so a sweep for unheld ones (remove_if_unheld with `marked`) never takes it, nor a folder of
    an opsverify that did not lock its folders."""
    making = Path(tempfile.mkdtemp(prefix=f".{prefix}making-", dir=parent))  # hidden: no sweep looks at it
    held = hold_partial(making)
    (making / HELD).touch()
    folder = parent / f"{prefix}{making.name.removeprefix(f'.{prefix}making-')}"
    os.rename(making, folder)
    return folder, held


@dataclass
class Archive:
    reports: Path
    env: Environment
    deploy: str
    commit: str
    started: dt.datetime
    partial: Path
    redactor: Redactor
    signing_key: Any = None  # an ed25519 private key, or None (not signed)
    stale_removed: list[str] = field(default_factory=list)
    stale_left: list[tuple[str, str]] = field(default_factory=list)  # (name, why): stale, but could not be removed
    stale_kept: list[tuple[str, str]] = field(default_factory=list)  # (name, why): so named, but evidence
    final: Path | None = None
    manifest_sha256: str = ""  # of the sealed manifest, once final
    chain_warning: str = ""  # the chain heads it did not link to, and why; chain.jsonl's unread lines (seal.choose_head)
    completed: bool = False
    redactions: int = 0
    _held: int | None = None  # the lock on the partial folder (hold_partial), released once it is final or gone
    _made: tuple[Path, ...] = ()  # the folders above the env's that begin() made (reports/), innermost first
    _early: dict[str, bytes] = field(default_factory=dict)  # name -> content, written in the background
    # uid -> (its file names, (record, env, start ms) pickled as handed over): an item's Allure files, built and
    # written in the background
    _results: dict[str, tuple[tuple[str, ...], bytes]] = field(default_factory=dict)
    _forgotten: set[str] = field(default_factory=set)  # early files no longer true: gone from the archive
    _writer: "_Writer | None" = None
    _writer_matcher: Any = None  # the secrets the writer was last given (see _give_secrets)
    _writer_changed: set[str] = field(default_factory=set)  # the early files the writer's scrub changed

    @classmethod
    def begin(cls, *, reports: Path, env: Environment, root: Path, deploy_id: str | None, redactor: Redactor) -> "Archive":
        """Before any check: the key is read (a malformed one is a config error) and the reports folder
        is proven writable (else one line and exit code 26, not a run whose evidence is then lost)."""
        raw_key = os.environ.get(seal.SIGNING_KEY_ENV)
        key = seal.signing_key_from_env()
        if raw_key:
            redactor.add(raw_key.strip(), even_if_plain=True)
        started = dt.datetime.now(dt.timezone.utc)
        deploy = globals()["deploy_id"](deploy_id)
        env_dir = reports / env.name
        from .scaffold import evidence_folder  # imports report, which imports this module

        inside = evidence_folder(reports)
        if inside:  # a new archive there would break a sealed one's seal, or stand among an env's archives
            raise ArchiveFailed(f"archive not written: --reports-dir {shown(reports)} is {inside}; give the folder "
                                "that holds the env folders (reports/), or one of its own")
        # pid and a random part: runs in two containers may share a pid and a second
        name = f"{started:%Y%m%dT%H%M%SZ}-{os.getpid()}-{os.urandom(4).hex()}"
        partial, making = env_dir / f".partial-{name}", env_dir / f".making-{name}"
        made = tuple(folder for folder in env_dir.parents if not os.path.lexists(folder))  # innermost first
        held = None
        try:
            env_dir.mkdir(parents=True, exist_ok=True)
            with seal.env_lock(env_dir):  # another run's sweep never meets a folder made but not yet locked
                stale, stale_left, stale_kept = remove_stale_partials(env_dir)
                making.mkdir()
                held = hold_partial(making)
                os.rename(making, partial)
            commit = suite_commit(root)  # git may take seconds in a large checkout: a Ctrl-C may well come now
        except FileExistsError:  # mkdir(exist_ok) says only "File exists" of a file where the folder belongs
            raise ArchiveFailed(f"archive not written: {_no_folder_there(env_dir)}") from None
        except OSError as exc:
            raise ArchiveFailed(f"archive not written: {shown(env_dir)}: {exc.strerror or exc}") from None
        except BaseException:  # Ctrl-C, SIGTERM: the run archives nothing, so it leaves nothing, as discard() does
            _unmake(held, (making, partial), (env_dir, *made))
            raise
        return cls(reports, env, deploy, commit, started, partial, redactor, key, stale, stale_left, stale_kept,
                   _held=held, _made=made)

    @property
    def env_dir(self) -> Path:
        return self.partial.parent

    def write_early(self, name: str, data: bytes) -> None:
        """A file that is final unless the run learns a secret later: written now, in the background."""
        self._early[name] = data
        self._forgotten.discard(name)
        self._started_writer().put(archive_writer.FILE, name, data)
        self._give_secrets(early=True)

    def write_result(self, uid: str, record: dict[str, Any], start_ms: int) -> tuple[str, ...]:
        """An ended item's Allure result and evidence files (`allureresults.result_files`), built and written in the
        background; their names."""
        from .allureresults import result_names

        names = tuple(f"allure-results/{name}" for name in result_names(record, uid))
        handed = pickle.dumps((record, self.env.name, start_ms), protocol=5)
        self._results[uid] = (names, handed)
        self._forgotten.difference_update(names)
        self._started_writer().put(archive_writer.RESULT, uid, handed)
        self._give_secrets(early=True)
        return names

    def forget_early(self, name: str) -> None:
        """An early file that is no longer true (its item was reported again): removed."""
        if self._early.pop(name, None) is not None:
            self._forget(name)

    def forget_result(self, uid: str) -> None:
        """An item's early Allure files that are no longer true (it was reported again): removed."""
        if uid in self._results:
            for name in self._results.pop(uid)[0]:
                self._forget(name)

    def _forget(self, name: str) -> None:
        self._forgotten.add(name)
        if self._writer is not None:
            self._writer.put(archive_writer.REMOVE, name)

    def _started_writer(self) -> "_Writer":
        if self._writer is None:
            self._writer = _Writer(self.partial)
        return self._writer

    def end_early(self) -> None:
        """No more early files: the writer is given the secrets the run learnt, to scrub and hash what it wrote
        while pytest's thread builds the rest of the archive (`complete` checks no secret was learnt since)."""
        writer = self._writer
        if writer is None or not writer.started or writer.ended:
            return
        self._give_secrets(early=False)
        writer.end()

    def _give_secrets(self, *, early: bool) -> None:
        """The writer is given the run's secrets as it starts (it builds its automaton while items run), and again
        at the end if the run learnt one since."""
        if early and self._writer_matcher is not None:
            return
        matcher = self.redactor.matcher()
        if matcher is not None and matcher is not self._writer_matcher:
            matcher, pickled = self.redactor.shared_matcher()
            # one the writer did not take (it had ended) leaves it with older secrets: its scrub is then no use
            self._writer_matcher = matcher if self._started_writer().put(archive_writer.SECRETS, "", pickled) \
                else object()

    def complete(self, files: dict[str, bytes], manifest: dict[str, Any]) -> Path:
        """Write every file (redacted), then the manifest, its signature and the chain link; rename."""
        done = self._finish_writing()  # the early files the writer scrubbed with the final secrets: name -> hash
        early = self._early_files(done)  # the others, as pytest's thread builds them
        everything = self._scrubbed({**early, **files})
        hashes = {name: digest for name, digest in done.items() if name not in files}
        self.redactions += len(self._writer_changed & set(hashes))  # those the end writes again count there
        made: set[str] = set()
        for name in self._forgotten - set(everything) - set(hashes):  # one the writer may have left behind
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.partial / name)
        for name, data in everything.items():
            hashes[name] = seal.sha256_bytes(data)
            folder = os.path.dirname(name)
            if folder not in made:  # once per folder: a mkdir per file would cost more than the file
                (self.partial / folder).mkdir(parents=True, exist_ok=True)
                made.add(folder)
            # an early file's name may be on disk already (the writer wrote it): written over
            archive_writer.write_file(str(self.partial / name), data, replace=name in early or name in done)
        manifest = self.redactor.data(manifest, keys=False)  # its words come from files and people too
        manifest = {**manifest, "redactions_applied": self.redactions,
                    "seal": seal.seal_record(self.signing_key), "files": dict(sorted(hashes.items()))}
        with seal.env_lock(self.env_dir):
            head = seal.choose_head(self.env_dir, self.signing_key.public_key() if self.signing_key else None)
            self.chain_warning = "; ".join(filter(None, [head.warning, self._unsigned_after_signed(head.link)]))
            while True:
                final = self._final_name()
                ordered = {"archive": final.name, "previous": head.link,  # these two first: a reader finds them at once
                           **({"chain_warning": self.chain_warning} if self.chain_warning else {}), **manifest}
                manifest_bytes = _json(ordered)
                (self.partial / seal.MANIFEST).write_bytes(manifest_bytes)
                if self.signing_key is not None:
                    (self.partial / seal.SIGNATURE).write_bytes(seal.signature_file(manifest_bytes, self.signing_key))
                if self._moved_to(final):
                    break  # else the name was taken while the manifest was sealed: sealed again under the next
        self.final, self.completed = final, True
        self.manifest_sha256 = seal.sha256_bytes(manifest_bytes)
        self._release()
        return final

    def _unsigned_after_signed(self, link: dict[str, str] | None) -> str:
        """Said when this archive is not signed but the one it extends is: `verify` will call it a bad signature (a
        CI secret left unset reads as an empty variable, and the deploy job went green with evidence an auditor
        rejects)."""
        if self.signing_key is None and link and (
                os.path.lexists(self.env_dir / link["archive"] / seal.SIGNATURE)
                or os.path.lexists(seal.kept_manifest(self.env_dir, link["manifest_sha256"], ".sig"))):
            why = "set but empty" if os.environ.get(seal.SIGNING_KEY_ENV) is not None else "not set"
            return (f"this archive is not signed ({seal.SIGNING_KEY_ENV} is {why}), but the chain it extends is "
                    f"(up to {link['archive']}): verify will report it as a bad signature")
        return ""

    def _finish_writing(self) -> dict[str, str]:
        """Wait for the writer; the early files it wrote, scrubbed with every secret the run learnt, and hashed
        (name -> SHA-256). A failed write is the archive's failure (raised as the OSError it was). Empty when the
        writer stopped, was never started, or was given other secrets than the run's last: the end writes them."""
        self.end_early()
        writer, self._writer = self._writer, None
        if writer is None or not writer.started:
            return {}
        report = writer.finish()
        if writer.failure is not None:
            raise writer.failure
        if report is None or report.get("scrubbed") != (self._writer_matcher is not None) \
                or self.redactor.matcher() is not self._writer_matcher:
            return {}
        hashes = report.get("hashes")
        if not isinstance(hashes, dict) or set(hashes) != self._early_names():
            return {}
        self._writer_changed = set(report.get("changed") or ()) & set(hashes)
        return hashes

    def _early_names(self) -> set[str]:
        return {*self._early, *(name for names, _ in self._results.values() for name in names)}

    def _early_files(self, done: dict[str, str]) -> dict[str, bytes]:
        """Every early file the writer did not finish (`done`), as pytest's thread builds it: an item's from its
        record as it was handed over, as the writer would have."""
        from .allureresults import result_files

        files = {name: data for name, data in self._early.items() if name not in done}
        for uid, (names, handed) in self._results.items():
            if all(name in done for name in names):
                continue
            record, env, start_ms = pickle.loads(handed)
            for name, data in result_files(record, env=env, start_ms=start_ms, uid=uid).items():
                files[f"allure-results/{name}"] = data
        return files

    def _moved_to(self, final: Path) -> bool:
        """Rename the sealed partial folder to `final`; False when something took that name since it was chosen
        (the env lock keeps out runs, not a link made meanwhile). The name is claimed with mkdir first — atomic,
        refused on anything there — and the folder renamed onto that empty claim."""
        try:
            os.mkdir(final)
        except FileExistsError:
            return False
        try:
            os.replace(self.partial, final)
        except OSError:
            with contextlib.suppress(OSError):
                os.rmdir(final)  # the claim, still empty
            raise
        return True

    def _final_name(self) -> Path:
        """The first free name after every one of the same second and deploy (`…_local`, `…_local-2`, …): so names
        sort as the runs ran, even where a prune freed an earlier one. One taken by anything at all (a symlink leading
        nowhere too) is taken, or the archive would be renamed onto it and lost."""
        base = f"{self.started:%Y%m%dT%H%M%SZ}_{self.deploy}"
        same = re.compile(re.escape(base) + r"(?:-([0-9]+))?")
        taken: list[int] = []
        with contextlib.suppress(OSError):  # no folder yet: none taken
            taken = [int(m.group(1) or 1) for name in os.listdir(self.env_dir) if (m := same.fullmatch(name))]
        suffix = max(taken, default=0) + 1
        if len(f"{base}-{suffix}".encode()) > NAME_MAX:  # a suffix nothing here writes, grown past a file name's room
            suffix = 1
        final = self.env_dir / (base if suffix == 1 else f"{base}-{suffix}")
        while os.path.lexists(final):
            suffix += 1
            final = self.env_dir / f"{base}-{suffix}"
        return final

    def _scrubbed(self, files: dict[str, bytes]) -> dict[str, bytes]:
        """Last line of defence: no secret value the run learnt may sit in any archived file (the writer's
        early files are scrubbed the same way, by the same function, in the writer: `_finish_writing`)."""
        cleaned, changed = archive_writer.scrubbed(files, self.redactor.text)
        self.redactions += changed
        return cleaned

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            os.close(held)

    def discard(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.finish(cancel=True)
        if not self.completed and self.partial.exists():
            shutil.rmtree(self.partial, ignore_errors=True)
            # a run that archives nothing leaves no trace: the env folder goes too if nothing else is in it, and the
            # folders above it that this run made (reports/), while empty
            for folder in (self.env_dir, *self._made):
                try:
                    folder.rmdir()
                except OSError:
                    break
        self._release()


class _Writer:
    """Hands work to the writer process (see `archive_writer`) through a pipe. A feeder thread sends what
    has piled up, in one write, every FEED_S or as soon as BATCH bytes wait: pytest's thread only appends to
    a list (a wake-up per item would cost it more). If the process cannot be started, nothing is written
    early: `complete` writes those files itself; so it does if the process stops, or stalls past END_S (`finish`
    says None)."""

    BATCH = 64 * 1024
    FEED_S = 0.05
    # how long the run waits for the writer's end: what is left of its input, then a scrub and hash of what it wrote
    # (under a millisecond a file on a loaded machine, see benchmarks/). Past it the writer is stuck — stopped
    # (SIGSTOP), its pipe never read — and is killed: the run writes the files itself, as when the writer dies,
    # slower but whole, so the bound need not be generous
    END_S = 10.0
    END_PER_FRAME_S = 0.002
    _FLUSH = archive_writer.frame(archive_writer.FLUSH, "")

    def __init__(self, root: Path) -> None:
        self.failure: OSError | None = None  # a write that failed: the archive's failure
        self.stopped = False  # the process ended before its work did (or could not be fed): its report is no use
        self.ended = False
        self._batch: list[bytes] = []
        self._batched = 0
        self._frames = 0  # handed over in all: the work the writer's end may have to do (END_PER_FRAME_S)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        try:
            self._process: subprocess.Popen | None = subprocess.Popen(
                archive_writer.start_command(str(root)),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
                # its own process group: a terminal's Ctrl-C (sent to the foreground group) must not reach it,
                # not even in the moment before it has started far enough to ignore the signal itself
                process_group=0)
        except OSError:
            self._process = None
            return
        self._feeder = threading.Thread(target=self._feed, daemon=True, name="opsverify-archive-feeder")
        self._feeder.start()

    @property
    def started(self) -> bool:
        return self._process is not None

    def put(self, kind: int, name: str, data: bytes = b"") -> bool:
        """Whether the writer will be sent it (not once it was ended, nor without a process)."""
        if self._process is None:
            return False
        frame = archive_writer.frame(kind, name, data)
        with self._lock:
            if self.ended:
                return False
            self._batch.append(frame)
            self._batched += len(frame)
            self._frames += 1
            full = self._batched >= self.BATCH
        if full:
            self._wake.set()
        return True

    def _feed(self) -> None:
        assert self._process is not None and self._process.stdin is not None
        pipe, ended = self._process.stdin, False
        while not ended:
            self._wake.wait(self.FEED_S)
            self._wake.clear()
            with self._lock:
                batch, ended = self._batch, self.ended
                self._batch, self._batched = [], 0
            if not batch:
                continue
            try:  # the writer writes a batch's files together, as it ends
                pipe.write(b"".join(batch) + self._FLUSH)
            except OSError:  # the writer died: what it was given is not all there
                self.stopped = True
                break
        try:
            pipe.close()
        except OSError:
            pass

    def end(self) -> None:
        """Nothing more to send: the feeder sends what is left and closes the pipe (the writer then finishes)."""
        with self._lock:
            self.ended = True
        self._wake.set()

    def finish(self, *, cancel: bool = False) -> dict[str, Any] | None:
        """Wait until the writer has done its work (or, cancelling, stop it at once); what it reports (None when it
        stopped before its end, was cancelled, or was still not done after END_S and END_PER_FRAME_S a frame handed
        over: then it is killed, and is stopped)."""
        process = self._process
        if process is None:
            return None
        if cancel:
            process.kill()
        self.end()
        deadline = time.monotonic() + self.END_S + self.END_PER_FRAME_S * self._frames
        self._feeder.join(max(deadline - time.monotonic(), 0.0))  # blocked on a full pipe while the writer is stuck
        said = _said_by(process, deadline) if not self._feeder.is_alive() else None
        if said is None:  # stuck: killed, so its sends fail and nothing of it writes in the archive from now on
            process.kill()
            self.stopped = True
            self._feeder.join()
        assert process.stdout is not None
        process.stdout.close()
        process.wait()
        if cancel or self.stopped:
            return None
        try:
            report = json.loads(said.decode(errors="replace"))
        except ValueError:
            report = None
        if not isinstance(report, dict) or process.returncode != 0:
            self.stopped = True
            return None
        if report.get("failure"):
            number, text, name = (str(report["failure"]).split("\t", 2) + ["", ""])[:3]
            self.failure = OSError(int(number) if number.isdigit() else 0, text, name)
        return report


def _said_by(process: subprocess.Popen, deadline: float) -> bytes | None:
    """All the writer prints, up to its end (its stdout closed, then its exit); None if that is not by `deadline`."""
    assert process.stdout is not None
    said: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            piece = os.read(process.stdout.fileno(), 64 * 1024)
            if not piece:
                break
            said.append(piece)
    try:
        process.wait(max(deadline - time.monotonic(), 0.0))
    except subprocess.TimeoutExpired:
        return None
    return b"".join(said)


# -- what pytest reported -------------------------------------------------------------------------
@dataclass
class _Row:
    nodeid: str
    status: str = "passed"
    pytest_s: float = 0.0
    info: dict[str, Any] | None = None
    longrepr: str = ""
    altered: str = ""  # what pytest reported, where a marker or hook made it differ from the check's verdict
    skipped_by: str = ""  # what skipped its pytest test before its check ran (a marker), with its reason
    beside: str = ""  # the check's verdict, where pytest's failure (a hook's, a marker's) stands beside it
    after: str = ""  # what went wrong after a failed check (its teardown): said beside the failure, which stands
    phases: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # pytest's word for each phase:
    # when -> (outcome, its cause in its own words, the xfail reason of a skip that was one)
    crashed: str = ""  # the worker running it stopped (xdist): why
    # the checklist item it is (`system/key`, see ArchiveReporter._item_of); "" for a team's own test, None before any
    # report of it came
    item: str | None = None
    record: dict[str, Any] | None = None  # once the item ended
    written: str = ""  # the uid of its Allure files, once handed to the archive


CAUSE_KINDS = ("credentials", "unreachable", "stopped", "budget", "deadline")
# what left items out where no option, path or node id on the command line did: a conftest or plugin ignoring their
# file, or a hook deselecting them (which of them is not told to the plugin); a collection error is named apart
NOT_THE_COMMAND_LINE = ", not the command line"
NARROWED_ELSEWHERE = ("a plugin or conftest (collect_ignore, pytest_ignore_collect or pytest_collection_modifyitems)"
                      + NOT_THE_COMMAND_LINE)
SKIPPED_BY = "opsverify-skipped-by"  # a report's user property: what skipped an item's test before its check ran
_IDS_SHOWN = 12  # a summary line names this many items of one reason, then counts the rest
# an xdist worker's word to its controller, which collects nothing: whether -m took in each item by its marks
MARKS_TOOK = "opsverify_marks_took"
OPTIONS_LEFT_OUT = "opsverify_options_left_out"  # and which of -k and --deselect left each item it deselected out
CALL_MAY_HAVE_BEEN_SENT = "its call may have been sent (not repeated)"  # a mutating item interrupted as it ran


def _some(names: list[str]) -> str:
    """`a, b, … 3 more`: the first _IDS_SHOWN names of a summary line, then how many it leaves out."""
    more = f", … {len(names) - _IDS_SHOWN} more" if len(names) > _IDS_SHOWN else ""
    return ", ".join(names[:_IDS_SHOWN]) + more


def blocks(severity: str | None, fail_on: str | None) -> bool:
    """Whether a failure of this severity fails the run under `--fail-on` (default: every failure does)."""
    if fail_on is None or severity not in SEVERITIES:
        return True
    return SEVERITIES.index(severity) <= SEVERITIES.index(fail_on)


def run_exit_code(exitstatus: int, *, blocking: int, errors: int, cause_kinds: set[str], expired: bool,
                  interrupted: bool = False, items_not_selected: bool = False) -> int:
    """pytest's status, told apart, the first that holds: a blocking failure (1); the verifier could not look
    (24, 23, 10); items never checked (2); an expired waiver (27); an --item named that the run did not select (5,
    as when it selects nothing). Only a run with none of these ends 0."""
    from .plugin import final_exit_code

    if exitstatus not in (exitcodes.OK, exitcodes.FAILED, exitcodes.INTERRUPTED):
        return int(exitstatus)  # pytest's own: internal error, usage, nothing selected
    if blocking or errors:  # what ran decided it, interrupted after or not (pytest's 0 is a report a marker or hook
        # changed: see _weighed)
        return final_exit_code(exitcodes.FAILED, {"failed": blocking, "error": errors}, cause_kinds)
    # nothing failed the run (at most failures below --fail-on)
    if interrupted or exitstatus == exitcodes.INTERRUPTED:  # Ctrl-C, SIGTERM, -x or --maxfail: items never checked
        return exitcodes.INTERRUPTED
    if expired:
        return exitcodes.WAIVER_EXPIRED
    # asked for by id and never checked: a CI job must not read the run as covering it
    return exitcodes.NO_CHECKS if items_not_selected else exitcodes.OK


class ArchiveReporter:
    """Listens only: collects each check's result, completes the archive, prints the summary, and
    turns pytest's exit status into opsverify's (failures apart from could-not-check; --fail-on;
    expired waivers)."""

    def __init__(self, state) -> None:
        self.state = state
        self.rows: dict[str, _Row] = {}
        self.not_written: str = ""  # why there is no archive (usage error, collect-only, disk ...)
        self.report_line: str = ""
        self.junit_line: str = ""  # where --junitxml went, or why it could not
        self.alluredir_line: str = ""  # where --alluredir's results went, or why they could not
        self.started = dt.datetime.now(dt.timezone.utc)  # a run without an archive dates its JUnit by it
        self._junits: dict[tuple[str | None, str | None], bytes] = {}
        self.exit_code: int | None = None
        self.collection_errors: list[str] = []  # what could not be collected (its items not checked)
        self._not_collected: dict[str, str] = {}  # each of those -> why, as its collector said it
        self.not_run: list[dict[str, Any]] = []  # an interrupted run's selected items that never ran, as records
        self.interrupted = False
        self.stopped_by = ""  # pytest's reason when -x or --maxfail stopped the run
        # who called pytest.exit and its words (masked), and the code it ends a run with where nothing was selected
        self.exited: tuple[str, int] | None = None
        self._records: list[dict[str, Any]] | None = None
        self._order: dict[tuple[str, str], int] | None = None
        self.xdist_collected: set[str] = set()  # under xdist, in the master: the node ids the workers collected
        self._left_out: tuple | None = None  # (items in scope, those left out), once known; () if unknowable
        self._by_node: dict[tuple[str, str], Check] | None = None
        self.begun: set[str] = set()  # the node ids pytest started (under xdist, the workers' too): see _never_ran
        self._items_not_selected: list[dict[str, str]] | None = None  # see items_not_selected
        self.family_tests: dict[str, str] = {}  # family -> the test standing for its items, as the run collected
        # where it collected nothing (xdist's controller): test -> its family, as its workers' reports of items say
        self.family_tests_reported: dict[str, str] = {}

    # -- collecting ---------------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # --continue-on-collection-errors: what it holds is never checked, and must not pass
            self.collection_errors.append(report.nodeid or "?")
            self._not_collected.setdefault(report.nodeid or "?", _collect_error_text(report))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from .plugin import FAMILY_TESTS

        self.family_tests = session.config.stash.get(FAMILY_TESTS, {})  # empty where nothing was collected (xdist)

    def pytest_keyboard_interrupt(self, excinfo) -> None:
        from .plugin import exit_said

        stopped = excinfo.value
        if isinstance(stopped, pytest.exit.Exception) and self.exited is None:
            self.exited = exit_said(stopped, self.state.run.redactor), stopped.returncode or exitcodes.INTERRUPTED

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """An xdist worker's word on -m and its items' marks (see marks_taken): the controller collects nothing. And
        a worker a conftest's pytest.exit stopped as it collected, which sent no item (plugin's
        pytest_collection_modifyitems_exited)."""
        from .plugin import EXITED_COLLECTING

        exited = (getattr(node, "workeroutput", None) or {}).get(EXITED_COLLECTING)
        if exited and self.exited is None:
            self.exited = str(exited[0]), int(exited[1])
        took = (getattr(node, "workeroutput", None) or {}).get(MARKS_TOOK, ())
        merge_marks_taken(self.state.marks_took, {(str(system), str(key)): t for system, key, t in took})
        left = (getattr(node, "workeroutput", None) or {}).get(OPTIONS_LEFT_OUT, ())
        if left is None or self.state.options_left_out is None:  # a worker could not judge: each option is named
            self.state.options_left_out = None
        else:
            for system, key, by in left:
                known = self.state.options_left_out.setdefault((str(system), str(key)), [])
                known += [str(said) for said in by if str(said) not in known]

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.begun.add(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from .plugin import INTERRUPTIONS

        with INTERRUPTIONS.held_back():  # the row whole, or not begun: a Ctrl-C waits for its end
            self._take_report(report)

    def _take_report(self, report: pytest.TestReport) -> None:
        row = self.rows.get(report.nodeid)
        crash = _worker_crash(report)
        if row is None:
            row = self.rows[report.nodeid] = _Row(report.nodeid)
        elif row.record is not None and not crash:  # reported again after it ended (a rerun plugin): not final
            # after all, and the new attempt's word and verdict are what counts
            self._forget_written(row)
            row.record, row.info, row.phases, row.crashed, row.skipped_by = None, None, {}, "", ""
        row.pytest_s += report.duration
        if not crash:  # a worker's own report (xdist's of its crash names no item)
            row.item = self._item_of(report, row.item)
        if row.info is None:
            row.info = self._verdict_of(report)
            if row.info is not None:
                self._learn_family_test(report.nodeid, row.info)
        if crash and self._check_of_node(report.nodeid) is None:  # a team's own test: pytest's word stands, failed
            row.phases["call"] = (report.outcome, _cause(report), None)
            self._settle(row)
            row.record = _record(row)
            self._write_early(row)
            return
        if crash:  # after its reports, or instead of them: said beside what they said (see _weighed)
            self._crashed(row, report)
            return
        row.phases[report.when] = (report.outcome, _cause(report), getattr(report, "wasxfail", None))
        if report.when == "setup" and report.skipped:
            row.skipped_by = next((str(value) for key, value in report.user_properties if key == SKIPPED_BY), "")
        if report.when == "teardown":
            self._settle(row)
            row.record = _record(row)
            self._write_early(row)

    def _item_of(self, report: pytest.TestReport, known: str | None) -> str | None:
        """The checklist item (`system/key`) a report is of, "" for a team's own test: as xdist's workers said when
        they collected, for a conftest may rebuild a report without the plugin's mark; else as the plugin marked it —
        but not by a worker that keeps nothing where it was started to (see `_unkept_by`): its node id tells."""
        collected = self.state.verdicts.item_of(report.nodeid)
        if collected is not None:
            return collected
        if self.xdist_collected and self._unkept_by(report):
            return known
        return next((str(value) for key, value in report.user_properties if key == ITEM_MARK), known or "")

    def _verdict_of(self, report: pytest.TestReport) -> dict[str, Any] | None:
        """The check's record of the item, as the engine kept it (see verdicts): a conftest may have rebuilt the report,
        or cleared its user properties. Off the report only from a worker the controller started apart from the shared
        folder, which keeps nothing there; an error naming why from one started sharing it that keeps nothing there
        (`_unkept_by`); None where the check never ran."""
        kept = self._kept_verdict(report.nodeid)
        if kept is not None or not self.xdist_collected:  # serially the verdict is this process's, kept or not
            return kept
        if self._reports_carry_verdicts(report):
            carried = next((value for key, value in report.user_properties if key == "opsverify"), None)
            return self._carried_record(report.nodeid, carried) if carried is not None else None
        unkept = self._unkept_by(report)
        check = self._check_of_node(report.nodeid) if unkept else None
        return None if check is None else _could_not_look(check, unkept)

    def _kept_verdict(self, nodeid: str) -> dict[str, Any] | None:
        """The record the check's run kept of the item (in this process, or sealed by a worker); None if it kept none,
        and an error naming why where the kept one does not open under the run's key."""
        try:
            kept = self.state.verdicts.record_of(nodeid)
        except VerdictAltered as exc:  # its verdict is unknown: the item could not be checked, named as any other
            check = self._check_of_node(nodeid)
            return None if check is None else _could_not_look(check, str(exc))
        return json.loads(kept) if kept is not None else None

    def _reports_carry_verdicts(self, report: pytest.TestReport) -> bool:
        """Whether a report's record is all there is of its item's verdict: the controller started its xdist worker
        apart from the run's shared folder (`--tx socket=…`, a popen spec emptying the folder's variable), or made no
        folder. Decided by how the worker was started, never by what it keeps there: a worker started sharing the
        folder keeps each verdict there, and a record riding on its report is a conftest's, never the check's (forged
        on a team's own test, on an item whose check never ran, or by one that made the worker keep nothing there)."""
        worker = getattr(getattr(getattr(report, "node", None), "gateway", None), "id", None)  # xdist's, as it came
        sharing = self.state.workers_sharing.get(worker) if isinstance(worker, str) else None
        return sharing is not None and (self.state.shared is None or not sharing)  # a worker not started: none

    def _unkept_by(self, report: pytest.TestReport) -> str:
        """Why the xdist worker of a report, which the controller started sharing the run's folder, is not trusted:
        it keeps no list of its items there ("" where it does). A worker names them once it has collected, before
        any of its reports leave it: none means it kept nothing there (a conftest dropped the folder's variable in
        it), or what it kept was removed."""
        gateway = getattr(getattr(report, "node", None), "gateway", None)
        worker = getattr(gateway, "id", None)
        if not isinstance(worker, str) or self._reports_carry_verdicts(report) \
                or self.state.verdicts.named_items(worker):
            return ""
        return (f"xdist worker {worker} was started sharing the run's folder, but keeps nothing there (a conftest "
                "dropped the folder's variable in it, or its files were removed): what its reports say is not taken "
                "for the check's verdict")

    def _carried_record(self, nodeid: str, carried: Any) -> dict[str, Any] | None:
        """A record a report carried, if it is one the plugin makes of the item the report is of; else None (the
        item then reads as never checked, a team's test as its own)."""
        try:
            record = json.loads(carried)
        except (TypeError, ValueError):
            return None
        check = self._check_of_node(nodeid)
        if (not isinstance(record, dict) or check is None or record.get("status") not in STATUSES
                or (record.get("system"), record.get("key")) != (check.system, check.key)):
            return None
        return record

    def _learn_family_test(self, nodeid: str, info: dict[str, Any]) -> None:
        """Under xdist the controller collects nothing: the test that stands for a family is told by the items its
        workers report, so the items of a family module outside `checks/` are named there too (`_check_of`)."""
        path, _, name = nodeid.rpartition("::")
        if not self.family_tests and "[" in name and isinstance(info.get("family"), str):
            self.family_tests_reported.setdefault(f"{path}::{name.partition('[')[0]}", info["family"])

    def _settle(self, row: _Row) -> None:
        """The item's outcome, once pytest has said what it will of it: the check's verdict, weighed against pytest's
        word for each phase (see `_weighed`); an item never judged is still its checklist's, named, placed and
        weighed as any other."""
        if row.info is None:
            check = self._check_of_node(row.nodeid)
            row.info = {**check_fields(check), "remediation": check.remediation} if check is not None else None
        _weighed(row)

    def _crashed(self, row: _Row, report: pytest.TestReport) -> None:
        """An item whose worker died under it: an error (never a failure of the target), named from its checklist as
        any other item — unless its check had already ended failed: that stands, the crash said beside it, as a
        teardown's error is."""
        check = self._check_of_node(report.nodeid)
        sent = " after it may have sent its call (not repeated)" if check is not None and check.mutating else ""
        row.crashed = f"the worker running it stopped{sent} ({_text(report)})"
        self._forget_written(row)  # an item that had ended before its worker died: its record is written again
        self._settle(row)
        row.record = _record(row)
        self._write_early(row)

    def _forget_written(self, row: _Row) -> None:
        if row.written:
            self.state.archive.forget_result(row.written)
            row.written = ""

    def _write_early(self, row: _Row) -> None:
        """An ended item's Allure result goes to the archive now, while later items run."""
        archive = self.state.archive
        if archive is None or archive.completed:
            return
        row.written = str(uuid.uuid4())
        archive.write_result(row.written, row.record, self._start_ms(row.record))

    def _runbook_order(self) -> dict[tuple[str, str], int]:
        if self._order is None:
            self._order = {(c.system, c.key): i for i, c in enumerate(self.state.checks)}
        return self._order

    def _start_ms(self, record: dict[str, Any]) -> int:
        """Allure orders its tree by start time: one millisecond per runbook position after the run's start."""
        order = self._runbook_order()
        position = order.get((record.get("system"), record.get("key")), len(order))
        started = self.state.archive.started if self.state.archive is not None else self.started  # --no-archive
        return int(started.timestamp() * 1000) + position

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        """A waived failure reads *waived* on the console (never passed, never a plain xfail)."""
        if report.skipped and str(getattr(report, "wasxfail", "")).startswith(WAIVED) and _waived_by_check(report):
            return "waived", "w", ("WAIVED", {"yellow": True})
        return None

    def records(self) -> list[dict[str, Any]]:
        """Every result as results.json holds it, in runbook order (systems, then each checklist's order);
        built once the run is over (the summary reads the archive's)."""
        if self._records is None or len(self._records) != len(self.rows):
            self._take_unreported_verdicts()
            order = self._runbook_order()
            for row in self.rows.values():
                if row.record is None:  # no teardown reported (interrupted, or a plugin's own protocol)
                    self._settle(row)
            records = [row.record or _record(row) for row in self.rows.values()]
            self._records = sorted(records, key=lambda r: (order.get((r.get("system"), r.get("key")), len(order)),
                                                           r["nodeid"]))
        return self._records

    def _take_unreported_verdicts(self) -> None:
        """An item this process began whose check decided, but no report of which came (Ctrl-C or SIGTERM between the
        two): the verdict kept is its outcome — never "interrupted, no verdict recorded" beside a failure its check
        saw. (Under xdist an interrupted controller reads only what its workers reported: a worker may go on to finish
        the item it ran after the run was stopped, and what the archive says must not hang on when it did.)"""
        for nodeid in sorted(self.begun - self.rows.keys()):
            kept = self.state.verdicts.record_here(nodeid)
            if kept is not None:
                row = self.rows[nodeid] = _Row(nodeid)
                row.info = json.loads(kept)

    def _take_verdicts_of_skipped(self, config: pytest.Config) -> None:
        """An item whose pytest test a marker skipped before its check ran, while a sibling's check asked for their
        group (system, family): the engine judged it with them, and its verdict is the item's — a marker changes what
        pytest prints, never that (as an xfail's of an item that ran), and is no waiver. Taken once the run is over:
        its group may be judged after its test was skipped. A group no check asked for judged nothing (whatever the
        engine gathered ahead in the background: that is timing), and a mutating item's call was never sent."""
        from .items import judged

        asked = {(check.system, check.family) for row in self.rows.values() if (row.info or {}).get("status")
                 and (check := self._check_of_node(row.nodeid)) is not None and not check.mutating}
        for row in self.rows.values():
            check = self._check_of_node(row.nodeid) if row.info is not None else None
            if (check is None or check.mutating or row.info.get("status") is not None
                    or (check.system, check.family) not in asked
                    or not any(word[0] == "skipped" for word in row.phases.values())):
                continue
            outcome = self.state.run.held(check, shared=self.state.shared)
            if outcome is not None:
                row.info = json.loads(judged(config, check, outcome)[2])
                self._forget_written(row)
                self._settle(row)
                row.record = _record(row)
                self._write_early(row)

    def selected(self) -> list:
        """The run's selected checks. An xdist master collects nothing itself (its `state.selected` is empty):
        there, they are the checks the workers sent results for."""
        if self.state.selected:
            return self.state.selected
        chosen = {(r.get("system"), r.get("key")) for r in self.records()}
        # and what the workers collected: an interrupted run's items that never reported count too (its bound)
        chosen |= {(c.system, c.key) for c in map(self._check_of_node, self.xdist_collected) if c is not None}
        return [c for c in self.state.checks if (c.system, c.key) in chosen]

    def selected_count(self) -> int:
        """How many checklist items were selected, also when an interrupted xdist run never reported some of them (an
        item named twice, `--keep-duplicates`, is one: its reports share a node id). A team's own tests beside them
        are none: counted as items, they would stand in for the items a stopped run never reached."""
        return len({(c.system, c.key) for c in self.selected()})

    def skipped_every_item(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of a run that ended 0 with every selected item skipped ("not configured", a mutating item
        refused): green, having checked nothing, which its counts alone do not say. Else none (a run that ended
        otherwise says why: no check selected, interrupted, failed)."""
        items = [r for r in records if r.get("key")]
        if self.exit_code != exitcodes.OK or not items or any(r["status"] != "skipped" for r in items):
            return []
        return items

    @staticmethod
    def items_ran(records: list[dict[str, Any]]) -> int:
        """How many of the selected checklist items have a result (a team's own test is no item)."""
        return len({(r.get("system"), r["key"]) for r in records if r.get("key")})

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        self.xdist_collected = set(ids)  # every worker collects the same items

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

    def other_errors(self) -> list[tuple[str, str, list[str]]]:
        """(system, what was seen, item ids): the errors no cause line above names, grouped by what each
        item saw, so an exit 10 names every reason an item could not decide (a web service down, a Redis
        refusing, a judge's internal error) without reading the items one by one."""
        def seen(row: _Row) -> str:
            if row.status != "error" or (row.info or {}).get("cause") in CAUSE_KINDS:
                return ""
            record = row.record or _record(row)  # an error beside a check's other verdict: its own cause
            return (str(record.get("observed") or record.get("message") or "").strip().splitlines()
                    or ["no reason recorded"])[0]

        return self._grouped_by_seen(seen)

    def undecided_beside_failures(self) -> list[tuple[str, str, list[str]]]:
        """(system, what could not be decided, item ids): the failed items that could not decide a part of them, or
        erred after their check (`_undecided_beside`), grouped as other_errors groups errors — could-not-check too, so
        an exit 10 that --fail-on let the failure itself pass still names its cause."""
        return self._grouped_by_seen(_undecided_beside)

    def _grouped_by_seen(self, seen_in) -> list[tuple[str, str, list[str]]]:
        """(system, what was seen, item ids) of the rows `seen_in` says something of, grouped by it (cut at 300)."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for row in self.rows.values():
            seen = seen_in(row)
            if seen:
                seen = seen if len(seen) <= 300 else seen[:299] + "…"
                info = row.info or {}
                grouped.setdefault((str(info.get("system", "")), seen), []).append(str(info.get("key") or row.nodeid))
        return [(system, seen, ids) for (system, seen), ids in sorted(grouped.items())]

    def left_out(self, config: pytest.Config) -> tuple[int, list[Check]] | None:
        """(how many items -m, --system and --shard take in, those of them the run never selected): what -k,
        --item, --deselect, --ignore, --lf, --sw or node ids left out. A run that left any out is partial, and its
        console, manifest, results and report say so — never read as the whole checklist passing. None where the
        -m expression cannot be read here (then the options that narrow are still recorded)."""
        if self._left_out is not None:
            return self._left_out or None
        state = self.state
        scope = [c for c in state.checks if state.chosen(c)]  # however the command line narrowed it
        try:
            scope = _in_m_scope(config.option.markexpr, scope, self.state.marks_took)
        except Exception:  # pytest's expression API moved, or one it refuses: say nothing wrong
            self._left_out = ()
            return None
        chosen = {(c.system, c.key) for c in self.selected()}
        chosen |= {(str(r.get("system")), str(r.get("key"))) for r in self.records()}
        chosen |= {(c.system, c.key) for c in map(self._check_of_node, self.xdist_collected) if c is not None}
        if not chosen:  # interrupted before anything was selected: what it would have left out is unknown
            self._left_out = ()
            return None
        self._left_out = (len(scope), [c for c in scope if (c.system, c.key) not in chosen])
        return self._left_out

    def items_not_selected(self, config: pytest.Config) -> list[dict[str, str]]:
        """Each --item named of which the run selected no check (-m, -k or --deselect left it out), with why — as an
        empty selection says it. Known once the run is over; none where it was interrupted before it selected."""
        if self._items_not_selected is None:
            named = list(dict.fromkeys(config.getoption("ov_items") or ()))
            selected = self.selected()
            ids = {c.id for c in selected}
            known = bool(selected) or not self.interrupted
            # an item whose checks are all manual is listed in every run, whatever -m says: not left out
            manual = {c.id for c in self.state.checks if c.manual and self.state.chosen(c)}
            listed = manual - {c.id for c in self.state.checks if not c.manual and self.state.chosen(c)}
            self._items_not_selected = [{"item": item, "why": _why_item_not_selected(config, self.state, item)}
                                        for item in named if known and item not in ids and item not in listed]
        return self._items_not_selected

    def selection(self, config: pytest.Config) -> dict[str, Any]:
        """What was asked, as the manifest and results.json record it: with `in_scope` and `left_out` (the items
        -m, --system and --shard take in that the run did not select), a partial run is told from a whole one."""
        from . import provenance

        state = self.state
        asked = provenance.selection(config.option, [shown(Path(a)) for a in config.args], systems=state.systems,
                                     items=config.getoption("ov_items"), shard=getattr(state, "shard", ""),
                                     args_given=config.args_source == pytest.Config.ArgsSource.ARGS)
        known = self.left_out(config)
        if known is not None:
            asked["in_scope"], asked["left_out"] = known[0], [f"{c.system} {c.key}" for c in known[1]]
            if known[1]:  # a test module named as a path left them out as much as its node ids would have
                asked["narrowed_by"] += [p for p in _test_files_named(config, state.checklists)
                                         if p not in asked["narrowed_by"]]
                if not asked["narrowed_by"]:  # nothing asked on the command line left them out
                    asked["narrowed_by"] += self._narrowed_elsewhere(known[1])
        if asked["items"]:  # an --item asked for and never checked: an auditor must not read it as checked
            asked["items_not_selected"] = self.items_not_selected(config)
            # one a hook left out (an --item is what narrowed the others): named among what narrowed the run too
            whys = " ".join(entry["why"] for entry in asked["items_not_selected"])
            asked["narrowed_by"] += [said for said in (*self._uncollected_said(), NARROWED_ELSEWHERE)
                                     if said in whys and said not in asked["narrowed_by"]]
        return asked

    def _uncollected_said(self) -> list[str]:
        errors = [e for e in self.collection_errors if e != "?"]
        return [f"not collected ({', '.join(errors)}){NOT_THE_COMMAND_LINE}"] if errors else []

    def _narrowed_elsewhere(self, left_out: list[Check]) -> list[str]:
        """What left these items out, the command line not: the modules or checklist files that could not be collected
        (a module failing or skipped at import), for the items they would have held; else a plugin or conftest."""
        names = {Path(e).name for e in self.collection_errors if e != "?"}
        uncollected = [c for c in left_out if {f"test_{c.family}.py", Path(c.source).name} & names]
        said = self._uncollected_said() if uncollected else []
        return said + ([NARROWED_ELSEWHERE] if len(uncollected) < len(left_out) else [])

    def selection_text(self, config: pytest.Config) -> str:
        """The selection in one line (the report's environment panel): -m, --system, --shard, then what narrowed
        it, and how many of the items in scope the run left out."""
        asked = self.selection(config)
        parts = [f"-m {asked['markexpr']!r}"] if asked["markexpr"] else []
        parts += [f"--system {s}" for s in asked["systems"]]
        # a checklist file named on the command line chooses its system as --system does
        parts += [path for path in asked.get("paths") or () if path.endswith(".yaml") and path not in parts]
        parts += [f"--shard {asked['shard'].replace('of', '/')}"] if asked["shard"] else []
        partial = bool(asked.get("left_out"))  # else a path given that holds every item is no news
        narrowed = [n for n in asked["narrowed_by"] if partial or n.startswith(("-k ", "--item "))]
        parts += [narrowed_said(narrowed)] if narrowed else []
        text = " ".join(parts) or "everything collected"
        if partial:
            text += f" — partial: {len(asked['left_out'])} of {asked['in_scope']} items in scope left out"
        unselected = [entry["item"] for entry in asked.get("items_not_selected") or ()]
        if unselected:  # asked for by id, never checked
            text += f" — not selected, so not checked: {_some([f'--item {item}' for item in unselected])}"
        return text

    def _never_ran(self, session: pytest.Session, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The selected items an interrupted run never reported (what was selected only: an interrupt before
        collection ended leaves out nothing it did not select), as records of skipped items, each saying why: one
        pytest had started was interrupted while it ran — a mutating one may have sent its call —, the others before
        they were reached."""
        from .plugin import item_check

        ran = {(r.get("system"), r.get("key")) for r in records}
        node_ids: dict[tuple[str, str], str] = {}
        for nodeid in sorted(self.xdist_collected):  # under xdist, the controller's only node ids
            check = self._check_of_node(nodeid)
            if check is not None:
                node_ids.setdefault((check.system, check.key), nodeid)
        for item in getattr(session, "items", None) or ():
            check = item_check(item)
            if check is not None:
                node_ids.setdefault((check.system, check.key), item.nodeid)
        why = f" ({self.stopped_by})" if self.stopped_by else ""
        said = f"not reported: the run was interrupted{why} before this item was reached; no verdict recorded"  # its target may have been asked already (groups are gathered together)
        running = f"not reported: the run was interrupted{why} while this item ran; no verdict recorded"
        sending = f"{running}; {CALL_MAY_HAVE_BEEN_SENT}"
        begun = {(c.system, c.key) for c in map(self._check_of_node, self.begun | _started_unread(session.config))
                 if c is not None}

        def reason(place: tuple[str, str], check: Check) -> str:
            if check.manual:  # never checked, interrupted or not: recorded as a run that reached it records it
                return MANUAL_SKIP.format(reason=check.reason)
            if place not in begun:
                return said
            return sending if check.mutating and self.state.env.allow_mutating else running

        unrun = {(c.system, c.key): c for c in self.selected() if (c.system, c.key) not in ran}
        return [_not_run_record(check, node_ids.get(place, ""), reason(place, check)) for place, check in unrun.items()]

    def _archived(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """What results.json, junit.xml and allure-results list: every result, then each selected item an
        interrupted run never ran (skipped), in runbook order; then each module that could not be collected (an
        error: the items it holds were never checked)."""
        order = self._runbook_order()
        listed = records if not self.not_run else sorted(
            [*records, *self.not_run], key=lambda r: (order.get((r.get("system"), r.get("key")), len(order)),
                                                      r["nodeid"]))
        return [*listed, *self._not_collected_records()]

    def _not_collected_records(self) -> list[dict[str, Any]]:
        return [_record(_Row(nodeid, status="error", longrepr=f"not collected, so not checked: {why}"))
                for nodeid, why in self._not_collected.items()]

    def _check_of_node(self, nodeid: str) -> Check | None:
        """The checklist item a test is: on xdist's controller (which collected nothing, only told the workers'
        node ids), as its workers said when they collected, else as the plugin marked its reports once one came (see
        `_item_of`) — a test neither names is a team's own, whatever its module and parameters are called; else by
        its node id (see `_check_of`)."""
        row = self.rows.get(nodeid)
        if row is not None and row.item and self.xdist_collected:
            system, _, key = row.item.partition("/")
            return next((c for c in self.state.checks if c.system == system and c.key == key), None)
        if row is not None and row.item == "" and self.xdist_collected:
            return None
        if self._by_node is None:
            self._by_node = {(Path(c.source).name, c.key): c for c in self.state.checks}
        path, _, name = nodeid.rpartition("::")
        return (self._by_node.get((Path(path).name, name))
                or _check_of(nodeid, self.state.checks, self.family_tests, self.family_tests_reported))

    def counts(self) -> Counter:
        return Counter(row.status for row in self.rows.values())

    def ran_twice(self, records: list[dict[str, Any]]) -> list[str]:
        """`system key ran N times`, for each item with more than one result. One item is one test (the plugin
        drops a second test of it), so this is an engine bug: said aloud, never a run counted twice in silence."""
        times = Counter((r["system"], r["key"]) for r in records if r.get("key"))
        return [f"{system} {key} ran {n} times" for (system, key), n in times.items() if n > 1]

    def fail_on(self, config: pytest.Config) -> str | None:
        return config.getoption("ov_fail_on", None)

    def blocking(self, records: list[dict[str, Any]], fail_on: str | None) -> list[dict[str, Any]]:
        return [r for r in records if r["status"] == "failed" and blocks(r.get("severity"), fail_on)]

    # -- the end of the run ---------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = session.config
        pytest_exit = int(session.exitstatus)
        self._records = None  # every row settled now, however far pytest got (see records)
        self._take_verdicts_of_skipped(config)
        records = self.records()
        # -x or --maxfail ends the run with items never asked: as much an interruption as Ctrl-C to an auditor
        self.stopped_by = str(session.shouldfail or session.shouldstop or _xdist_stop(config))
        if self.stopped_by and pytest_exit == exitcodes.INTERRUPTED:
            pytest_exit = exitcodes.FAILED  # xdist stops -x by interrupting its workers; serial pytest says 1
        if self.exited is not None and not self.selected() and not config.option.collectonly:
            # a conftest's pytest.exit before any item was selected, however it ended pytest's status: 0 with its
            # returncode=0, or, under xdist, where it stopped the workers only (see exited). Never 0: nothing ran
            pytest_exit = self.exited[1]
        # under xdist, also a test its workers collected that never reported (an item the controller cannot name)
        unreported = bool(self.xdist_collected - set(self.rows))
        missing = (self.items_ran(records) < self.selected_count() or unreported) and not config.option.collectonly
        if missing and not self.stopped_by and pytest_exit in (exitcodes.OK, exitcodes.FAILED):
            # a second Ctrl-C that lands inside pytest's own handling of the first leaves its status unset (0):
            # items that never ran make the run interrupted, whatever pytest says
            pytest_exit = exitcodes.INTERRUPTED
        # pytest's internal error (a plugin's hook that raised) ends the run with items never asked too
        self.interrupted = pytest_exit == exitcodes.INTERRUPTED or (bool(self.stopped_by or pytest_exit ==
                                                                         exitcodes.INTERNAL) and missing)
        only_manual = self._only_manual(config, pytest_exit)
        # every selected item skipped as its system is not in the environment: as little was checked
        unconfigured = "" if only_manual else self._only_unconfigured(config, pytest_exit)
        own = "" if only_manual or unconfigured else self._only_own_tests(config, pytest_exit, records)
        if only_manual or unconfigured or own:  # nothing the run checks was selected, as with `--item M1 -m postdeploy`
            pytest_exit = exitcodes.NO_CHECKS
        fail_on = self.fail_on(config)
        waivers = getattr(self.state, "waivers", None)
        expired = waivers.expired_for(self.selected(), records) if waivers is not None else []
        counts = self.counts()
        # a failure with parts that could not be judged, or an error after it, is a could-not-check as well, whatever
        # --fail-on lets pass
        undecided = sum(len(ids) for _, _, ids in self.undecided_beside_failures())
        code = run_exit_code(pytest_exit, blocking=len(self.blocking(records, fail_on)),
                             errors=counts.get("error", 0) + len(self.collection_errors) + undecided,
                             cause_kinds={kind for _, kind, _, _ in self.causes()}, expired=bool(expired),
                             interrupted=self.interrupted,
                             items_not_selected=bool(self.items_not_selected(config)) and not config.option.collectonly)
        if self.ran_twice(records) and code == exitcodes.OK:
            code = exitcodes.INTERNAL  # an engine bug must not end green
        session.exitstatus = self.exit_code = code
        if self.interrupted and not config.option.collectonly:
            self.not_run = self._never_ran(session, records)
        archive = self.state.archive
        if archive is None and config.option.collectonly and not config.getoption("ov_no_archive", False):
            self.not_written = _no_archive_reason(pytest_exit, config, self.state)  # begun never: no folder, no git
        if only_manual and not self.not_written:  # with --no-archive too: the run says why it checked nothing
            self.not_written = _no_archive_reason(pytest_exit, config, self.state, only_manual=only_manual)
        if (unconfigured or own) and not self.not_written:
            self.not_written = f"no archive: no check was selected ({unconfigured or own})"
        if archive is not None and not archive.completed:
            self._end_archive(session, records, code, pytest_exit, expired,
                              checked_nothing=bool(only_manual or unconfigured or own))
        # after the seal: an output that cannot be written (a FIFO whose reader stopped) never costs the run its archive
        if self.state.junit is not None:
            self._write_junit(session, records)
        if getattr(self.state, "alluredir", None) is not None:
            self._write_alluredir(session, records)

    def _end_archive(self, session: pytest.Session, records: list[dict[str, Any]], code: int, pytest_exit: int,
                     expired: list, *, checked_nothing: bool) -> None:
        """The archive sealed (and rendered, under --html), or discarded with the reason said."""
        config, archive = session.config, self.state.archive
        reason = self.not_written if checked_nothing else _no_archive_reason(
            pytest_exit, config, self.state, nothing_selected=not self.selected())
        if reason:
            self.not_written = reason
            archive.discard()
            return
        try:
            with _signals_held(), self._said_if_slow(config, records):
                self._complete_archive(config, records, code, pytest_exit, expired)
        except OSError as exc:
            archive.discard()
            self.not_written = f"archive not written: {shown(_failed_at(archive, exc))}: {exc.strerror or exc}"
            session.exitstatus = self.exit_code = exitcodes.evidence_missing(self.exit_code)  # a failed check keeps 1
            return
        if config.getoption("ov_html", False) and archive.final is not None:
            self._render(session, archive.final)

    def _only_manual(self, config: pytest.Config, pytest_exit: int) -> list[Check]:
        """The selected items, when every one is manual and the run went as pytest meant (not interrupted, nothing
        left uncollected): the run checked nothing, whatever pytest counts as skipped. Else none."""
        if pytest_exit != exitcodes.OK or config.option.collectonly or self.collection_errors:
            return []
        selected = self.selected()
        return selected if selected and all(c.manual for c in selected) else []

    def _only_own_tests(self, config: pytest.Config, pytest_exit: int, records: list[dict[str, Any]]) -> str:
        """Why the run checked nothing when the project's own tests are all it selected (`-k smoke`: no checklist item),
        as _only_manual, only a run that went as pytest meant (a failing one fails the run, pytest's 1); else ''. Its
        archive would seal a run of no item into the env's chain."""
        if (pytest_exit != exitcodes.OK or config.option.collectonly or self.collection_errors or not records
                or self.selected() or any(r.get("key") for r in records)):
            return ""
        ran = f"{len(records)} ran, whose outcome{' is' if len(records) == 1 else 's are'} pytest's"
        why = _why_none_was_selected(config, self.state)
        return f"only the project's own tests: {ran}" + (f"; {why}" if why else "")

    def _only_unconfigured(self, config: pytest.Config, pytest_exit: int) -> str:
        """Why the run checked nothing when every selected item is of a system the environment does not configure
        (each skipped "not configured"), or manual; else ''. As _only_manual: only a run that went as pytest meant.
        Only where the command line named what to run (--system, --item, a checklist file, -k): a plain run, or a
        shard of what was named that happens to hold only such systems, skips them and ends as ever."""
        from .plugin import not_configured

        if pytest_exit != exitcodes.OK or config.option.collectonly or self.collection_errors:
            return ""
        state = self.state
        items = set(config.getoption("ov_items") or ())
        if not (state.systems or items or state.named_systems or config.option.keyword):
            return ""  # nothing named: a run (or a shard dealt) of only such systems skips them as any run does
        configured = set(state.env.model.systems)
        # what was named, before a shard dealt it: a shard of only unconfigured systems is a healthy matrix job
        named = [c for c in state.checks if not c.manual and (not state.systems or c.system in state.systems)
                 and (state.named_systems is None or c.system in state.named_systems) and (not items or c.id in items)]
        if state.shard_systems is not None and any(c.system in configured for c in named):
            return ""
        selected = self.selected()
        missing = sorted({c.system for c in selected if not c.manual and c.system not in configured})
        if not missing or any(not c.manual and c.system in configured for c in selected):
            return ""
        manual = "; the other selected items are manual" if any(c.manual for c in selected) else ""
        return not_configured(self.state.env.name, missing) + manual

    def _write_junit(self, session: pytest.Session, records: list[dict[str, Any]]) -> None:
        """`--junitxml`: the archive's JUnit (a run without an archive still has its rows), scrubbed like it."""
        from . import junit

        destination = self.state.junit
        data = self._junit(session.config, records, suite_name=destination.suite_name, prefix=destination.prefix)
        try:
            junit.write(destination, self.state.run.redactor.text(data.decode()).encode())
        except OSError as exc:
            self.junit_line = f"junit not written: {shown(destination.path)}: {exc.strerror or exc}"
            session.exitstatus = self.exit_code = exitcodes.evidence_missing(self.exit_code)  # as for the archive
            return
        self.junit_line = f"junit: {shown(destination.path)}"

    def _write_alluredir(self, session: pytest.Session, records: list[dict[str, Any]]) -> None:
        """`--alluredir`: the archive's own Allure results, the very files it sealed (allure-pytest writes nothing
        there: allureresults.take_over). A run without an archive (--no-archive, or none written) builds them from
        the same rows, scrubbed like it; one that ran nothing writes none, as allure-pytest would."""
        from . import allureresults

        destination = self.state.alluredir
        try:
            files = self._sealed_allure_results() or self._allure_results_of_rows(session.config, records)
            if not files:
                return
            allureresults.write_folder(destination, files)
        except OSError as exc:
            self.alluredir_line = f"allure results not written: {shown(destination.folder)}: {exc.strerror or exc}"
            session.exitstatus = self.exit_code = exitcodes.evidence_missing(self.exit_code)  # as for --junitxml
            return
        self.alluredir_line = f"allure results: {shown(destination.folder)}"

    def _sealed_allure_results(self) -> dict[str, bytes]:
        archive = self.state.archive
        if archive is None or archive.final is None:
            return {}
        sealed = archive.final / "allure-results"
        return {str(path.relative_to(sealed)): path.read_bytes() for path in sorted(sealed.rglob("*")) if path.is_file()}

    def _allure_results_of_rows(self, config: pytest.Config, records: list[dict[str, Any]]) -> dict[str, bytes]:
        from . import allureresults, provenance

        if not records:
            return {}
        env = self.state.env.name
        files: dict[str, bytes] = {}
        for record in [*self._archived(records), *self._unselected_manual(config, records)]:
            files.update(allureresults.result_files(record, env=env, start_ms=self._start_ms(record)))
        files[allureresults.CATEGORIES_FILE] = allureresults.categories_file()
        files["executor.json"] = allureresults.executor(env=env, deploy=self.state.deploy,
                                                        runner=provenance.runner(os.environ))
        return archive_writer.scrubbed(files, self.state.run.redactor.text)[0]

    def _junit(self, config: pytest.Config, records: list[dict[str, Any]], *, suite_name: str | None = None,
               prefix: str | None = None) -> bytes:
        """The run's JUnit, built once for the archive and --junitxml alike (unless pytest's naming options differ)."""
        from .junit import junit_xml

        if (suite_name, prefix) not in self._junits:
            state = self.state
            started = state.archive.started if state.archive is not None else self.started
            rows = [*self._archived(records), *self._unselected_manual(config, records)]
            took = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()  # wall time, as the manifest's
            self._junits[suite_name, prefix] = junit_xml(rows, env=state.env.name, deploy=state.deploy,
                                                         timestamp=utc(started), suite_name=suite_name, prefix=prefix,
                                                         properties=self._junit_properties(config, records),
                                                         time_s=took)
        return self._junits[suite_name, prefix]

    def _junit_properties(self, config: pytest.Config, records: list[dict[str, Any]]) -> dict[str, Any]:
        """What the testcases' count does not say: a 4-of-97 run reads `tests="4"`. `partial` is left out where the
        scope cannot be known here (a mark of the project's own in -m)."""
        asked = self.selection(config)
        properties: dict[str, Any] = {}
        if "left_out" in asked:
            properties.update(partial=bool(asked["left_out"]), in_scope=asked["in_scope"],
                              left_out=len(asked["left_out"]))
        properties.update(interrupted=self.interrupted, selected=self.selected_count(),
                          ran=self.items_ran(records))
        if self._not_collected:  # each an error testcase too
            properties["collection_errors"] = len(self._not_collected)
        manual = len(self._unselected_manual(config, records))
        if manual:  # listed as testcases, never run: `tests` holds them, `ran` does not
            properties["manual"] = manual
        properties["selection"] = self.selection_text(config)
        return properties

    def _unselected_manual(self, config: pytest.Config, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The selected systems' manual items the run did not select (`-m postdeploy`), as rows for junit.xml and
        allure-results: a run lists them there as results.json does, never as run. One the run selected (`-m
        "postdeploy or manual"`) has its own record: it is not listed twice. A partial run (`--item`, `-k`, a node
        id) lists there only what it selected, as asked, and the manual items its `--item` names (asked for by name,
        so shown by name); its other manual items stay in results.json and the summary. A run that ran nothing (none
        selected, --collect-only, interrupted before its first item) lists none: a CI's test view would read its
        skipped manual items as a green run."""
        if not records:
            return []
        manual = self.state.manual_items()
        known = self.left_out(config)
        if known is not None and known[1]:
            named = set(config.getoption("ov_items") or ())
            manual = [c for c in manual if c.id in named]
        # what ran, and what an interrupted run selected but never reached: each has its own record already
        recorded = {(r.get("system"), r.get("key")) for r in [*records, *self.not_run]}
        return [_manual_row(c) for c in manual if (c.system, c.key) not in recorded]

    def _render(self, session: pytest.Session, final: Path) -> None:
        from .errors import StopRun
        from .report import left_out_note, render

        left_out: list[str] = []
        try:
            html = render(final, redactor=self.state.archive.redactor, left_out=left_out, stop=_signal_noted)
        except StopRun as exc:  # no renderer, or it failed; or an earlier archive breaks this one's chain
            self.report_line = f"report not rendered: {exc.message}"
            if session.exitstatus == exitcodes.OK:
                session.exitstatus = self.exit_code = exitcodes.REPORT
            return
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM while rendering: the archive is final; say so, and where
            self.report_line = "report not rendered: interrupted (the archive is complete: opsverify report renders it)"
            if session.exitstatus in (exitcodes.OK, exitcodes.WAIVER_EXPIRED):  # 1, 10, 23, 24 outrank 2 (exitcodes)
                session.exitstatus = self.exit_code = exitcodes.INTERRUPTED
            return
        except Exception as exc:  # a failure no one foresaw (an engine bug): the archive is sealed already, and the
            # summary with its archive line must still be printed; a traceback here would end the run without them
            from .display import cut

            self.report_line = (f"report not rendered: {type(exc).__name__}: {cut(str(exc), 300)} (an opsverify bug: "
                                "please report it; the archive is complete: opsverify report renders it)")
            if session.exitstatus == exitcodes.OK:
                session.exitstatus = self.exit_code = exitcodes.REPORT
            return
        self.report_line = "\n".join([f"report: {shown(html)}", *map(left_out_note, left_out)])

    @contextlib.contextmanager
    def _said_if_slow(self, config: pytest.Config, records: list[dict[str, Any]]):
        """An interrupted run writing a big archive says so once a second has passed (thousands of items take
        seconds, and a Ctrl-C then is noted, not obeyed): silence would read as a hang, and a CI's kill as the only
        way out."""
        from .engine import WAIT_SHOWN_S
        from .plugin import say_live

        if not self.interrupted:
            yield
            return
        timer = threading.Timer(WAIT_SHOWN_S, say_live, (config, f"interrupted: writing the archive of {len(records)} "
                                                                  "results; a further Ctrl-C is noted, not obeyed, "
                                                                  "until the evidence is complete"))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def _complete_archive(self, config: pytest.Config, records: list[dict[str, Any]], code: int, pytest_exit: int,
                          expired: list) -> None:
        from . import provenance

        self.state.archive.end_early()  # the writer scrubs its files meanwhile
        runner = provenance.runner(os.environ)
        deployed_at = _deployed_at(config)
        inputs = self._inputs()
        ended = utc(dt.datetime.now(dt.timezone.utc))  # one moment, said alike by the manifest and the report's panel
        files = {**self._outputs(config, records, runner, deployed_at, code, inputs, ended), **inputs}
        manifest = self._manifest(config, records, runner, deployed_at, code, pytest_exit, expired, ended)
        self.state.archive.complete(files, manifest)

    def _outputs(self, config: pytest.Config, records: list[dict[str, Any]], runner: dict[str, Any],
                 deployed_at: str | None, code: int, inputs: dict[str, bytes], ended: str) -> dict[str, bytes]:
        """results.json, coverage.json, junit.xml and allure-results/, all from the same rows; the report's
        environment panel says what the manifest says of the run (`_panel`), for the page an auditor is handed."""
        from . import allureresults
        from .coverage import coverage_report

        state, archive = self.state, self.state.archive
        env = state.env.name
        listed = self._archived(records)  # what ran, and what was selected or there but never checked
        counts = Counter(r["status"] for r in listed)
        results = {"env": env, "deploy_id": archive.deploy, "deployed_at": deployed_at, "interrupted": self.interrupted,
                   "collection_errors": self.collection_errors, "selection": self.selection(config),
                   "counts": {s: counts.get(s, 0) for s in STATUSES}, "checks": listed,
                   "manual": [_manual_record(c) for c in state.manual_items()],
                   "waivers_used": [r["waiver"] for r in records if r.get("waiver")]}
        files: dict[str, bytes] = {
            "results.json": _json(results),
            "coverage.json": _json(coverage_report(state.checks)),
            "junit.xml": self._junit(config, records),
        }
        unwritten = [row.record or _record(row) for row in self.rows.values() if not row.written]  # never ended
        never_checked = [*self.not_run, *self._not_collected_records()]  # no item of theirs ran: none was written
        for record in [*unwritten, *never_checked, *self._unselected_manual(config, records)]:
            for name, data in allureresults.result_files(record, env=env, start_ms=self._start_ms(record)).items():
                files[f"allure-results/{name}"] = data
        files["allure-results/environment.properties"] = allureresults.environment_properties({
            "env": env, "deploy_id": archive.deploy, "deploy_id_given": deploy_id_as_given(config, archive.deploy),
            "deployed_at": deployed_at, "suite_version": __version__,
            "suite_commit": archive.commit, "selection": self.selection_text(config),
            "interrupted": self._interrupted_text(records), "not_collected": ", ".join(self._not_collected),
            **self._panel(config, results["counts"], code, inputs, ended),
            "runner": runner.get("provider"),
            "job_url": runner.get("job_url"), "actor": runner.get("actor"), "host": runner.get("host")})
        files["allure-results/executor.json"] = allureresults.executor(env=env, deploy=archive.deploy, runner=runner)
        files[f"allure-results/{allureresults.CATEGORIES_FILE}"] = allureresults.categories_file()
        return files

    def _panel(self, config: pytest.Config, counts: dict[str, int], code: int, inputs: dict[str, bytes],
               ended: str) -> dict[str, str]:
        """What the manifest says of the run, in the report's environment panel: the outcomes as the console counts
        them (the page's tabs count a waived item under Failed and a manual one under Skipped), the exit code, when
        it ran (UTC), the demo faults, --fail-on, and the inputs it applied — each file's sha256, as the manifest
        lists the archive's copy of it."""
        state, env = self.state, self.state.env
        manual = len(state.manual_items())

        def hashed(prefix: str, named: bool = True) -> str:
            return ", ".join(f"{name.removeprefix(prefix) + ' ' if named else ''}sha256:{seal.sha256_bytes(data)}"
                             for name, data in sorted(inputs.items()) if name.startswith(prefix))

        waivers = getattr(state, "waivers", None)
        return {
            "outcomes": ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES) + f"; {manual} manual (not checked);"
                        " the tabs count waived under Failed and manual under Skipped",
            "exit_code": f"{code} ({next((e.name for e in exitcodes.TABLE if e.code == code), 'unknown')}), as the"
                         " archive was sealed",
            "started": utc(state.archive.started), "ended": ended,
            "demo_faults": ", ".join(config.getoption("ov_faults") or []),
            "fail_on": self.fail_on(config),
            "checklists": hashed("inputs/checklists/"),
            "environment_file": f"{shown(env.path)} {hashed('inputs/environments/', False)}; allow_mutating "
                                f"{str(env.allow_mutating).lower()}",
            "waivers_file": (f"{shown(waivers.path)} {hashed('inputs/waivers/', False)}"
                             if waivers is not None and waivers.path is not None else ""),
        }

    def _calls_out_text(self) -> str:
        """`; shop M1-kick was interrupted while its call was out: it may have been sent (not repeated)`, for the
        mutating items the interrupted run had started and never reported (the archive says it of each); else ''."""
        out = [f"{r['system']} {r['key']}" for r in self.not_run
               if str(r["observed"]).endswith(CALL_MAY_HAVE_BEEN_SENT)]
        if not out:
            return ""
        if len(out) == 1:
            return f"; {out[0]} was interrupted while its call was out: it may have been sent (not repeated)"
        return f"; {_some(out)} were interrupted while their calls were out: they may have been sent (not repeated)"

    def _interrupted_text(self, records: list[dict[str, Any]]) -> str:
        """An interrupted run in one line (the report's environment panel): how many of the selected items ran."""
        if not self.interrupted:
            return ""
        why = f" ({self.stopped_by})" if self.stopped_by else ""
        others = f"; the other {len(self.not_run)} were not checked" if self.not_run else ""
        return f"ran {self.items_ran(records)} of {self.selected_count()} selected items{why}{others}"

    def _inputs(self) -> dict[str, bytes]:
        """What the run was given, as it was: checklists, the environment file (`${VAR}` names, never their
        values; never the .secrets.env) and the waivers file — each as its data with every secret masked where
        a secret is in its YAML reading but not findable in its text (`_input_copy`). Each is the bytes the run
        loaded and applied, kept by its loader: the file on disk may have been changed, or removed, since."""
        state = self.state
        readings = getattr(state.checks, "readings", {})
        loaded = {f"inputs/checklists/{path.name}": (data, readings.get(path))
                  for path, data in _checklist_files(state).items()}
        loaded[f"inputs/environments/{state.env.path.name}"] = (state.env.data, None)
        waivers = getattr(state, "waivers", None)
        if waivers is not None and waivers.path is not None:
            loaded[f"inputs/waivers/{waivers.path.name}"] = (waivers.data, None)
        return {name: _input_copy(data, state.archive.redactor, reading)
                for name, (data, reading) in loaded.items()}

    def _manifest(self, config: pytest.Config, records: list[dict[str, Any]], runner: dict[str, Any],
                  deployed_at: str | None, code: int, pytest_exit: int, expired: list, ended: str) -> dict[str, Any]:
        """What was asked, by whom, with what, and how it ended (the files' hashes and the seal are added
        by `Archive.complete`)."""
        from . import provenance

        state, archive = self.state, self.state.archive
        env = state.env
        waivers = getattr(state, "waivers", None)
        # as results.json counts: what ran, what was selected and never ran, what could not be collected (`ran` and
        # `collection_errors` tell them apart) — one archive, one count
        counts = Counter(r["status"] for r in self._archived(records))
        return {
            "env": env.name, "deploy_id": archive.deploy, "deploy_id_given": deploy_id_as_given(config, archive.deploy),
            "deployed_at": deployed_at,
            "selection": self.selection(config),
            "demo_faults": list(config.getoption("ov_faults") or []),
            "fail_on": self.fail_on(config),
            "checklists": {"dir": shown(Path(state.checklists)),
                           "files": [f"inputs/checklists/{p.name}" for p in _checklist_files(state)]},
            "environment_file": {"path": shown(env.path), "copy": f"inputs/environments/{env.path.name}"},
            "allow_mutating": env.allow_mutating,  # whether its mutating items were sent their calls (or refused)
            "waivers_file": ({"path": shown(waivers.path), "copy": f"inputs/waivers/{waivers.path.name}"}
                             if waivers is not None and waivers.path is not None else None),
            "suite_version": __version__, "suite_commit": archive.commit,
            "dependencies": provenance.dependency_versions(), "runner": runner,
            "started": utc(archive.started), "ended": ended,
            "interrupted": self.interrupted, "pytest_exit": pytest_exit, "exit_code": code,
            "selected": self.selected_count(), "ran": self.items_ran(records),
            "collection_errors": self.collection_errors,
            "counts": {s: counts.get(s, 0) for s in STATUSES},
            "manual_items": [f"{c.system} {c.key}: manual — not checked ({c.reason})" for c in state.manual_items()],
            "waived": [f"{r['system']} {r['key']}" for r in records if r["status"] == "waived"],
            "expired_waivers": [w.record() for w in expired],
            "waivers_not_needed": [w.record() for w in (waivers.not_needed(records) if waivers is not None else [])],
            "waivers_not_applied": [{**w.record(), "outcomes": outcomes}  # the item erred or was skipped
                                    for w, outcomes in (waivers.not_applied(records) if waivers is not None else [])],
        }

    def pytest_terminal_summary(self, terminalreporter) -> None:
        from .plugin import not_configured, run_bound, run_warnings, took_said

        state = self.state

        def write(text: str, **markup) -> None:  # words from files and people (waivers, reasons): shown, not obeyed,
            terminalreporter.write_line(visible(state.run.redactor.text(text)), **markup)  # and never a secret

        # as the archive counts: what ran, each selected item an interrupted run never ran (skipped), each module
        # that could not be collected (error) — the console, results.json and the manifest say one thing
        counts = Counter(r["status"] for r in self._archived(self.records()))
        terminalreporter.section("opsverify")
        for warning in run_warnings(state):
            write(f"warning: {warning}", yellow=True)
        for system in [s for s in state.systems if s not in state.env.model.systems]:
            write(f"warning: --system {system}: {not_configured(state.env.name, [system])}", yellow=True)
        for system, kind, text, count in self.causes():
            write(f"{text} — {count} item{'s' if count != 1 else ''} of {system} not checked", red=True, bold=True)
        for system, seen, ids in self.other_errors():
            write(f"could not check — {_of_system(system)}{_some(ids)}: {seen}", red=True)
        for system, seen, ids in self.undecided_beside_failures():
            write(f"could not check — {_of_system(system)}{_some(ids)} (beside {'its' if len(ids) == 1 else 'their'} "
                  f"failure): {seen}", red=True)
        records = self.records()
        fail_on = self.fail_on(terminalreporter.config)
        named = _naming(records)
        for line in _grouped(records, "failed", lambda r: named(r) if r.get("severity") is None else (
                f"{named(r)} ({r.get('severity')}"
                + ("" if blocks(r.get("severity"), fail_on) else f", below --fail-on {fail_on}") + ")")):
            write(f"failed — {line}", red=True)
        for line in _grouped(records, "waived", lambda r: f"{named(r)} ({r.get('severity')})"):
            write(f"waived — {line}", yellow=True)
        for record in records:
            if record["status"] == "waived" and record.get("waiver"):
                w = record["waiver"]
                write(f"  {record['system']} {named(record)}: waived until {w['expires']}, approved by "
                      f"{w['approver']} ({w['ticket']}): {w['reason']}", yellow=True)
        waivers = getattr(state, "waivers", None)
        for waiver in (waivers.not_needed(records) if waivers is not None else []):
            write(f"waiver not needed — {waiver.source}: {waiver.system} {waiver.item} passed; its waiver "
                  f"({waiver.ticket}, until {waiver.expires}) would hide its next failure: remove it", yellow=True)
        for waiver, outcomes in (waivers.not_applied(records) if waivers is not None else []):
            ended = {("error",): "could not be checked (error)", ("skipped",): "was skipped",
                     (UNDECIDED_FAILURE,): UNDECIDED_FAILURE}.get(tuple(outcomes), f"ended {', '.join(outcomes)}")
            accepts = ("accepts a failure, not what could not be judged beside it: this run did not use it"
                       if UNDECIDED_FAILURE in outcomes else
                       "accepts a failure only: this run neither used it nor showed the item holds")
            write(f"waiver not applied — {waiver.source}: {waiver.system} {waiver.item} {ended}; its waiver "
                  f"({waiver.ticket}, until {waiver.expires}) {accepts}", yellow=True)
        for waiver in (waivers.expired_for(self.selected(), records) if waivers is not None else []):
            write(f"waiver expired — {waiver.source}: {waiver.system} {waiver.item} expired {waiver.expires} "
                  f"({waiver.ticket}, approved by {waiver.approver}): the item counts again; renew or remove it",
                  red=True, bold=True)
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
        given = deploy_id_as_given(terminalreporter.config, state.deploy)
        as_given = f" (given as {given!r}; archive names hold letters, digits, '.', '_' and '-')" if given else ""
        write(f"env {state.env.name}, deploy {state.deploy}{as_given}: {summary}")
        skipped_all = self.skipped_every_item(records)
        if skipped_all:
            write(f"nothing was checked: each of the {len(skipped_all)} selected items skipped — "
                  f"{_reasons(skipped_all)}", yellow=True, bold=True)
        selected = self.selected_count()
        twice = self.ran_twice(records)
        if twice:
            results = len([r for r in records if r.get("key")])
            write(f"engine bug: {results} results for {selected} selected items ({_some(twice)}); the archive "
                  "records every result: please report it", red=True, bold=True)
        if self.interrupted and not selected:
            why = f" ({self.exited[0]})" if self.exited is not None else ""
            write(f"interrupted before any check was selected{why}: nothing was checked", red=True, bold=True)
        elif self.interrupted:
            why = f" ({self.stopped_by})" if self.stopped_by else ""
            write(f"interrupted{why}: {self.items_ran(records)} of {selected} selected items ran; the others"
                  f" were not checked{self._calls_out_text()}", red=True, bold=True)
        if self.collection_errors:
            write(f"not collected, so not checked: {', '.join(visible(e) for e in self.collection_errors)}",
                  red=True, bold=True)
        if selected:  # a run that selected nothing says why where it says there is no archive
            for unselected in self.items_not_selected(terminalreporter.config):
                write(f"not selected, so not checked: {unselected['why']}", red=True, bold=True)
        partial = self.left_out(terminalreporter.config) if not terminalreporter.config.option.collectonly else None
        if partial is not None and partial[1]:
            in_scope, left = partial
            narrowed = narrowed_said(self.selection(terminalreporter.config)["narrowed_by"])
            write(f"partial run: {len(left)} of the {in_scope} items in scope not selected ({narrowed}): "
                  f"{_some([f'{c.system} {c.key}' for c in left])}", yellow=True)
        if selected:
            write(f"bound {run_bound(state, self.selected()):g} s, {took_said(state)}")
        for check in state.manual_items():
            write(f"manual — not checked: {check.system} {check.key} ({check.reason})")
        archive = state.archive
        for name in (archive.stale_removed if archive is not None else []):
            write(f"removed a stale partial archive {name} (its run is gone)")
        for name, why in (archive.stale_left if archive is not None else []):
            write(f"warning: a stale partial archive {visible(name)} (its run is gone) could not be removed ({why}): "
                  "delete it by hand", yellow=True)
        for name, why in (archive.stale_kept if archive is not None else []):
            write(f"warning: {visible(name)} is named as a stale partial archive but {one_line(why)}: left as it is "
                  "(`opsverify verify` reports it)", yellow=True)
        if self.not_written:
            failed = self.not_written.startswith("archive not written")
            write(f"opsverify: {self.not_written}", red=failed, bold=failed)
        elif archive is not None and archive.final is not None:
            sealed = (f"signed {seal.key_id(archive.signing_key.public_key())}" if archive.signing_key is not None
                      else f"not signed: set {seal.SIGNING_KEY_ENV}")
            # the hash is the archive's anchor outside the archive: kept in the CI log, `verify --expect` finds
            # the archive gone even when it was the newest, which no later archive links to yet
            write(f"archive: {shown(archive.final)} ({sealed}; manifest sha256:{archive.manifest_sha256[:32]}"
                  f"{', interrupted' if self.interrupted else ''})")
            if archive.chain_warning:
                write(f"warning: {archive.chain_warning}", yellow=True)
        if self.junit_line:
            write(self.junit_line, red=self.junit_line.startswith("junit not"))
        if self.alluredir_line:
            write(self.alluredir_line, red=self.alluredir_line.startswith("allure results not"))
        if self.report_line:
            write(self.report_line, red=self.report_line.startswith("report not"))


def _failed_at(archive: Archive, exc: OSError) -> Path:
    """The path a write of the archive failed on (a file of it, or the name it was to take; the writer process
    names its files relative to the archive), else the env's folder."""
    named = exc.filename2 or exc.filename
    return archive.partial / named if isinstance(named, str) and named else archive.env_dir


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C or a CI's SIGTERM while the archive is sealed would lose a run whose items all ran: the sealing
    (a fraction of a second) finishes first; the run is then over and ends as it would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from .plugin import INTERRUPTIONS

    INTERRUPTIONS.run_ended()  # where its handler stands, a signal is noted now, not raised: the run then ends 2
    noting = INTERRUPTIONS.noting()
    held = [number for number in (signal.SIGINT, signal.SIGTERM) if number not in noting]
    before = {number: signal.signal(number, signal.SIG_IGN) for number in held}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)  # None: set outside Python


def _signal_noted() -> bool:
    """A Ctrl-C or SIGTERM came once the run was ending (noted, not obeyed, while the archive was written): the
    rendering it would wait for is stopped (`render`'s stop)."""
    from .plugin import INTERRUPTIONS

    return INTERRUPTIONS.noted is not None


def _deployed_at(config: pytest.Config) -> str | None:
    from .plugin import _deployed_at as parsed  # validated before any check ran

    moment = parsed(config)
    return utc(moment.astimezone(dt.timezone.utc)) if moment is not None else None


def _no_archive_reason(pytest_exit: int, config: pytest.Config, state, *, nothing_selected: bool = False,
                       only_manual: list[Check] | None = None) -> str:
    """`nothing_selected`: neither this process nor (under xdist) a worker selected an item; `only_manual`: the
    selected items, every one manual (ArchiveReporter._only_manual)."""
    if config.option.collectonly:
        return "no archive: --collect-only runs no check"
    if pytest_exit == exitcodes.INTERRUPTED and nothing_selected:
        return "no archive: interrupted before any check was selected (while collecting)"
    if pytest_exit == exitcodes.USAGE:
        return "no archive: usage error"
    if pytest_exit == exitcodes.NO_CHECKS:
        shard = config.getoption("ov_shard", None)
        if shard and not getattr(state, "shard_systems", True):
            # a CI matrix wider than the fleet: say so, rather than leave the empty shard a mystery
            return f"no archive: no check was selected (--shard {shard} holds no system: fewer systems than shards)"
        why = _only_manual_selected(config, only_manual) if only_manual else _why_none_was_selected(config, state)
        return "no archive: no check was selected" + (f" ({why})" if why else "")
    return ""


def _only_manual_selected(config: pytest.Config, selected: list[Check]) -> str:
    """Why a run that selected only manual items checked nothing: said as an --item -m leaves out is."""
    items = list(dict.fromkeys(config.getoption("ov_items")))
    if len(items) == 1 and {c.id for c in selected} == set(items):
        why = f"--item {visible(items[0][:80])} is a manual item: a person checks it, not the run"
    else:
        count = len({(c.system, c.key) for c in selected})
        why = (f"the {count} selected items are all manual: a person checks them, not the run" if count > 1
               else f"the selected item, {selected[0].system} {selected[0].key}, is manual: a person checks it, "
                    "not the run")
    return why + "; a run that checks items lists the manual ones in its summary and archive"


def _waived_by_check(report: pytest.TestReport) -> bool:
    """Whether the check itself recorded the item waived (a waivers file's waiver), not a marker's reason alone."""
    for key, value in report.user_properties:
        if key == "opsverify":
            return json.loads(value).get("status") == "waived"
    return False


PHASES = ("setup", "call", "teardown")
OUTCOMES = ("passed", "failed", "skipped")  # pytest's words for a phase (a rerun plugin adds "rerun": see _weighed)


def _worker_crash(report: pytest.TestReport) -> bool:
    """Whether this is xdist's report that the worker running the item died (`DSession.handle_crashitem`): failed, in
    no phase of pytest's (`when` is "???"), its longrepr "worker 'gw1' crashed while running '<node id>'". It may come
    after the item's own reports (the worker died between items): it is no new attempt of the item, as a rerun
    plugin's next setup report is."""
    return report.when not in PHASES


def _could_not_look(check: Check, why: str) -> dict[str, Any]:
    """The record of an item whose verdict is unknown: it could not be checked, named as any other."""
    return {**check_fields(check), "remediation": check.remediation, "status": "error",
            "message": f"{check.key} {check.title}: could not look: {why}", "observed": f"could not look: {why}"}


def _weighed(row: _Row) -> None:
    """The check's own verdict is what the archive says of a check it judged: a pytest marker or a hook (an `xfail`
    of a conftest, a reason spelt like a waiver's, a report rewritten) changes what pytest reports, never that. pytest's
    word counts only where it says more went wrong than the check saw, and never makes an item passed or waived:
    - no checklist item at all (a team's own test beside `checks/`): pytest's word is its outcome;
    - never judged: an error where a phase failed or its worker stopped, else skipped (not checked) where pytest
      skipped it, else an error (pytest called passed what no check looked at, or said nothing of it);
    - error: stays an error;
    - failed: stays failed, what went wrong after the check (a setup hook after it, its teardown, its worker) said
      beside it;
    - passed: failed where pytest's call failed (a team's hook may fail an item for a rule of its own: said as
      such), an error where its setup, teardown or worker did (with its own cause), else passed;
    - skipped or waived: an error where anything after it failed, else as the check said.
    Only passed, failed and skipped are pytest's word: a rerun plugin's "rerun" is an attempt it makes again, no
    outcome — the item's last word is the next attempt's, and where that never came it was not run to its end."""
    verdict = (row.info or {}).get("status")
    row.altered = row.beside = row.after = ""
    phases = {when: word for when, word in row.phases.items() if word[0] in OUTCOMES}
    # the cause of an attempt made again, in one line
    again = next(((word[1].splitlines() or [""])[0] for word in row.phases.values() if word[0] not in OUTCOMES), None)
    failures = {when: phases[when][1] for when in PHASES if phases.get(when, ("",))[0] == "failed"}
    skip = next((phases[when] for when in PHASES if phases.get(when, ("",))[0] == "skipped"), None)
    # what pytest said of the item; None where it said nothing of its call (interrupted, its worker gone)
    said = ("failed" if failures else "waived" if skip and str(skip[2] or "").startswith(WAIVED)
            else "skipped" if skip else "passed" if "call" in phases else None)
    beyond = [*([f"the check's setup then failed: {failures['setup']}"] if "setup" in failures else []),
              *([failures["teardown"]] if "teardown" in failures else []), *([row.crashed] if row.crashed else [])]
    if row.info is None:  # no checklist item (a team's own test beside checks/): pytest's word is its outcome,
        # and one whose call pytest never reported (interrupted) did not run to its end: never passed
        error = bool(row.crashed) or any(when != "call" for when in failures)
        row.status = ("error" if error else "failed" if failures else "skipped" if skip or said is None
                      else "passed")
        unended = (f"not run to its end: an attempt failed ({again}), and pytest reported no outcome of the attempt "
                   "made again" if again is not None else "not run to its end: pytest reported no outcome of its call")
        row.longrepr = (list(failures.values()) or [f"could not look: {row.crashed}"] if error or failures
                        else [skip[1] if skip else unended if said is None else ""])[0]
    elif verdict is None:
        if failures or row.crashed:
            cause = failures.get("setup") or failures.get("call") or failures.get("teardown")
            row.status, row.longrepr = "error", cause or f"could not look: {row.crashed}"
        elif skip:
            row.status, row.longrepr = "skipped", skip[1]
            row.altered = "waived" if said == "waived" else ""
        elif said == "passed":
            row.status, row.altered, row.longrepr = "error", "passed", ""
        else:
            row.status, row.longrepr = "error", "not checked: pytest reported no outcome of it"
    elif verdict == "error":
        row.status = "error"
    elif verdict == "failed":
        row.status, row.after = "failed", "; ".join(beyond)
        row.altered = said if said not in ("failed", None) else ""
    elif verdict == "passed" and "call" in failures:
        row.status, row.beside, row.longrepr = "failed", "passed", failures["call"]
        row.after = "; ".join(beyond)
    elif beyond or failures:
        row.status, row.longrepr = "error", (beyond or list(failures.values()))[0]
    else:
        row.status, row.altered = verdict, said if said not in (verdict, None) else ""


def _undecided_beside(row: _Row) -> str:
    """What a failed item could not decide beside its failure, in its own words ('' where nothing): the parts its
    check could not judge (evidence `undecided`), and what went wrong after the check (a setup hook after it, its
    teardown, its worker: `_Row.after`) — an error as it is beside a passed check, which no waiver and no --fail-on
    covers: the failure stands, and the run is could-not-check as well."""
    if row.status != "failed":
        return ""
    undecided = ((row.info or {}).get("evidence") or {}).get("undecided") or []
    said = [and_undecided([str(part) for part in undecided]).removeprefix("; and ")] if undecided else []
    return "; ".join([*said, *([f"after the check, {row.after}"] if row.after else [])])


def _record(row: _Row) -> dict[str, Any]:
    info = row.info or {}
    verdict = info.get("status")
    # an error the check's verdict does not hold (a fixture's teardown failed; the worker running it died): its own
    # cause is the item's message, never the passing check's words
    beside = row.status == "error" and verdict not in (None, "error") and bool(row.longrepr)
    message = (f"{row.longrepr} (its check had ended {verdict})" if beside else
               info.get("message") or row.longrepr)
    if row.altered and verdict is None:  # pytest's word for an item whose check never ran
        message = (f"not checked: pytest reported it {row.altered}{f' ({row.longrepr})' if row.longrepr else ''}, but"
                   " its check never ran (a marker or hook changed pytest's report; only a waivers file waives)")
    elif verdict is None and row.info is not None and row.status == "skipped":  # skipped before its check ran
        message = f"not checked: pytest skipped its test by {row.skipped_by or f'a marker or hook ({message})'}"
    elif row.skipped_by and verdict is not None:  # ... while its group was judged, with it
        message += (f" (pytest skipped its test by {row.skipped_by} before its check ran, and its group was judged "
                    "with it: a marker changes what pytest prints, not this verdict; a waiver is a waivers file's)")
    elif row.altered:
        message += (f" (pytest reported it {row.altered}: a marker or hook changed pytest's report, not this verdict;"
                    " a waiver is a waivers file's)")
    if row.beside:
        message = (f"pytest reported it failed: {row.longrepr or 'no reason given'} (a marker or hook; its check had "
                   f"ended {row.beside}: {info.get('message') or ''})")
    if row.after:
        message += f" (and after the check, {row.after})"
    record = {
        "nodeid": row.nodeid, "key": info.get("key"), "id": info.get("id"), "name": info.get("name"),
        "system": info.get("system"), "section": info.get("section"), "title": info.get("title"),
        "family": info.get("family"), "cadence": info.get("cadence"), "severity": info.get("severity"),
        "status": row.status, "expected": info.get("expected", ""),
        "observed": row.longrepr if beside else info.get("observed", row.longrepr),
        "remediation": info.get("remediation", ""), "message": message,
        "duration_s": round(float(info.get("duration_s", row.pytest_s)), 6),
        "evidence": info.get("evidence") or {},
    }
    if info.get("cause"):
        record["cause"] = info["cause"]
    if info.get("waiver"):
        record["waiver"] = info["waiver"]
    return record


def _check_of(nodeid: str, checks: list[Check], family_tests: dict[str, str] | None = None,
              reported: dict[str, str] | None = None) -> Check | None:
    """The checklist item a node id names, in either layout: `checklists/shop.yaml::S1-origin-set`, or a family
    module's parametrized test, `checks/test_env.py::test_env[T6-critical-secrets-set[demo]]` — only a family
    module's own test (a team's test parametrized with an item's key is no checklist item): the one the run collected
    for the family (`family_tests`, family -> its test), else, where the run collected nothing (xdist's controller),
    a test its workers reported items of (`reported`, test -> its family), or one of the module
    `checks/test_<family>.py` (a `checks/` folder's: the rootdir may lie above the project)."""
    path, _, name = nodeid.rpartition("::")
    if "[" in name and name.endswith("]"):
        function, _, param = name[:-1].partition("[")
        key = param.rsplit("[", 1)[0] if param.endswith("]") else param
        system, _, key = key.rpartition("/")  # `alpha/W1-health`: a key two systems share names its system
        test = f"{path}::{function}"
        if family_tests:
            family = next((f for f, stands in family_tests.items() if stands == test), None)
        elif test in (reported or {}):
            family = (reported or {})[test]
        else:  # a module of that name in any other folder (a team's `tests/test_http.py`) is the team's own
            module = Path(path)
            family = (module.stem.removeprefix("test_") if module.parent.name == "checks"
                      and module.stem.startswith("test_") else None)
        return next((c for c in checks if c.key == key and c.system == (system or c.system) and c.family == family),
                    None)
    return next((c for c in checks if c.key == name and Path(c.source).as_posix().endswith(path)), None)


def _started_unread(config: pytest.Config) -> set[str]:
    """Under xdist, the node ids workers said they started that the controller had not read when it was interrupted
    (its loop ends at once; their events wait in xdist's queue, each `(name, kwargs)`). Empty elsewhere."""
    waiting = getattr(config.pluginmanager.getplugin("dsession"), "queue", None)
    try:
        events = list(waiting.queue) if waiting is not None else []  # a snapshot: workers may still add to it
    except Exception:  # xdist changed its queue: what was read is all that is known
        return set()
    started = set()
    for event in events:
        name, kwargs = event if isinstance(event, tuple) and len(event) == 2 else (None, None)
        if name == "logstart" and isinstance(kwargs, dict) and "nodeid" in kwargs:
            started.add(str(kwargs["nodeid"]))
    return started


def _xdist_stop(config: pytest.Config) -> str:
    """Why xdist's controller stopped the run early (-x, --maxfail), if it did; a Ctrl-C is not that."""
    reason = str(getattr(config.pluginmanager.getplugin("dsession"), "shouldstop", "") or "")
    return "" if "keyboard-interrupt" in reason else reason


def _checklist_files(state) -> dict[Path, bytes]:
    """The checklist files the run loaded, in order, each with the bytes it was parsed from (`LoadedChecks`)."""
    return dict(sorted(state.checks.files.items()))


MASKED_COPY = ("# opsverify: not this file's text but its data, every secret masked: {why} (comments and layout are"
               " not kept)\n")
_IN_ESCAPES = "a secret was written in YAML's own escapes, which the text's redaction cannot read"
_NO_YAML_LEFT = ("its text's masks leave no YAML of the same shape, in which a secret written in YAML's own escapes"
                 " could be ruled out")


def _input_copy(data: bytes, redactor: Redactor, reading: list[str] | None = None) -> bytes:
    """A YAML input as the archive keeps it. The last scrub masks every secret in a file's text, but YAML reads escapes
    of its own (`\\xE4`, a `\\` ending a line of a double-quoted scalar, which joins the next without a space): the
    text redacted is read as YAML again, each mask as a plain word (a mask in an unquoted flow value, `{url:
    https://u:[redacted …]@host}`, makes the text itself no YAML, not a secret readable). Where a scalar of that
    still holds a secret, or no reading of the same shape is left to tell, the copy is the file's data with every
    secret masked, saying why on its first line; else the file as it is. `reading`: the scalars of these very bytes
    as the run's loader read them (`checklist.scalar_readings`), when it kept them: where the text's redaction
    changes nothing and no scalar holds a secret, the file is not parsed again (a checklist of 1,000 items: 0.1 s)."""
    text = data.decode("utf-8", errors="surrogateescape")
    if reading is not None and MASK.sub(_plain_word, redactor.text(text)) == text \
            and not _texts_hold_a_secret(reading, redactor):
        return data
    read = _yaml_data(text)
    if read is _NOT_YAML:  # no YAML reading to hide a secret in: its text, which the last scrub masks
        return data
    redacted = MASK.sub(_plain_word, redactor.text(text))
    checked = read if redacted == text else _yaml_data(redacted) if _same_shape(text, redacted) else _NOT_YAML
    # the text masked must read as the data masked: a mask the text's scrub put over a run of a secret, whose start
    # YAML's escapes (`\x2D`) hid from it, would leave that start readable
    if checked is not _NOT_YAML and not _holds_a_secret(checked, redactor) and (
            checked is read or checked == _plain_masks(_masked_scalars(read, redactor))):
        return data
    why = _IN_ESCAPES if checked is not _NOT_YAML else _NO_YAML_LEFT
    dumped = yaml.safe_dump(_masked_scalars(read, redactor), allow_unicode=True, sort_keys=False, width=2**31)
    return (MASKED_COPY.format(why=why) + dumped).encode("utf-8", errors="surrogateescape")


def _plain_masks(data: Any) -> Any:
    """YAML's data with every mask in its text scalars written as `_plain_word` writes it."""
    if isinstance(data, dict):
        return {_plain_masks(key): _plain_masks(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain_masks(value) for value in data]
    return MASK.sub(_plain_word, data) if isinstance(data, str) else data


def _plain_word(mask: re.Match[str]) -> str:
    """A mask as a word YAML reads as plain text wherever it stands (no bracket, blank or colon)."""
    return "redacted-" + mask.group(1)


def _same_shape(text: str, redacted: str) -> bool:
    """Whether the redacted text is YAML read as the text is: the same nodes, each scalar in the same style (a mask
    that took a quote would leave a scalar's escapes read otherwise, or not at all)."""
    try:
        shapes = [[(type(event), getattr(event, "style", None)) for event in yaml.parse(each, Loader=_yaml_loader())]
                  for each in (text, redacted)]
    except yaml.YAMLError:
        return False
    return shapes[0] == shapes[1]


_NOT_YAML = object()


def _yaml_data(text: str) -> Any:
    """`text` read by the suite's YAML loader, or _NOT_YAML."""
    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError:
        return _NOT_YAML


def _holds_a_secret(data: Any, redactor: Redactor) -> bool:
    """Whether a scalar of YAML's data holds a secret. Read as one text, each scalar between NULs (which no secret
    holds): a scalar is no excerpt, and one that starts or ends as a secret does (a title ending in `sk_live_`, a
    prefix an item looks for) is no piece of one cut."""
    return _texts_hold_a_secret(map(_scalar_text, _scalars(data)), redactor)


def _texts_hold_a_secret(texts: Iterable[str], redactor: Redactor) -> bool:
    joined = "\0" + "\0".join(texts) + "\0"
    return redactor.text(joined) != joined


def _scalars(data: Any):
    """Every scalar of YAML's data, mapping keys included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _scalars(key)
            yield from _scalars(value)
    elif isinstance(data, list):
        for value in data:
            yield from _scalars(value)
    else:
        yield data


def _scalar_text(value: Any) -> str:
    """A scalar as text: a number or date as YAML wrote it out (a PIN written `0x…` is still the PIN), bytes of
    `!!binary` as text."""
    return value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else str(value)


def _masked_scalars(data: Any, redactor: Redactor) -> Any:
    """YAML's data with every scalar that holds a secret replaced by its text masked; the rest as they are."""
    if isinstance(data, dict):
        return {_masked_scalars(key, redactor): _masked_scalars(value, redactor) for key, value in data.items()}
    if isinstance(data, list):
        return [_masked_scalars(value, redactor) for value in data]
    text = f"\0{_scalar_text(data)}\0"  # whole secrets only, as `_holds_a_secret` reads it
    masked = redactor.text(text)
    return data if masked == text else masked[1:-1]


def _not_run_record(check: Check, nodeid: str, said: str) -> dict[str, Any]:
    """A selected item its run never ran, as results.json records it (as _record does a result): skipped, `said`
    why; no duration, no evidence. A manual item's `said` is its reason, and its message reads as the engine's
    skip of it does (`<key> <title>: manual item: <reason>`)."""
    message = f"{check.key} {check.title}: {said}" if check.manual else said
    return {"nodeid": nodeid, "key": check.key, "id": check.id, "name": check.name, "system": check.system,
            "section": check.section, "title": check.title, "family": check.family,
            "cadence": check.cadence.value if check.cadence else None, "severity": check.severity.value,
            "status": "skipped", "expected": "" if check.manual else check.title, "observed": said, "remediation": "",
            "message": message, "duration_s": 0.0, "evidence": {}}


def _collect_error_text(report: pytest.CollectReport) -> str:
    """Why a module could not be collected, in one line: the last its collector said (`ModuleNotFoundError: No
    module named 'x'`, without pytest's `E` margin)."""
    lines = [line.strip() for line in str(report.longrepr or "").splitlines() if line.strip()]
    return re.sub(r"^E\s+", "", lines[-1]) if lines else "its collector gave no reason"


def _manual_record(check: Check) -> dict[str, Any]:
    return {"system": check.system, "id": check.id, "key": check.key, "section": check.section, "title": check.title,
            "reason": check.reason, "status": "manual — not checked"}


def _manual_row(check: Check) -> dict[str, Any]:
    """A manual item the run did not select, as a row of junit.xml and allure-results (status `manual`: skipped,
    with its reason; no duration, no evidence)."""
    said = f"manual: {check.reason}"
    return {"key": check.key, "id": check.id, "name": check.name, "system": check.system, "section": check.section,
            "title": check.title, "family": check.family, "cadence": None, "severity": check.severity.value,
            "status": "manual", "expected": "", "observed": said, "remediation": "", "message": said,
            "duration_s": 0.0, "evidence": {}}


def _naming(records: list[dict[str, Any]]):
    """How the summary names an item: by its id, or by its key (`C7-publish-queue-disabled`) where the id has
    several entries in the run (`C7 (critical), C7 (critical)` told an on-call engineer nothing); a team's own test
    (no checklist item: no id, system or severity) by its node id, as pytest names it."""
    per_id = Counter((r.get("system"), r.get("id")) for r in records)

    def named(r: dict[str, Any]) -> str:
        if not r.get("key"):
            return r["nodeid"]
        return r["id"] if per_id[(r.get("system"), r.get("id"))] < 2 else (r.get("key") or r["id"])

    return named


def _grouped(records: list[dict[str, Any]], status: str, describe) -> list[str]:
    """`system: a, b` for each system's items of this status; a team's own tests (no system) listed alone."""
    by_system: dict[str | None, list[str]] = {}
    for record in records:
        if record["status"] == status:
            system = record.get("system")
            by_system.setdefault(None if system is None else str(system), []).append(describe(record))
    return [_of_system(system) + ", ".join(items) for system, items in by_system.items()]


def _reasons(records: list[dict[str, Any]]) -> str:
    """`why (a, b); why (c)`: the records' reasons, each with the items it holds for (the first _IDS_SHOWN of them)."""
    by_reason: dict[str, list[str]] = {}
    for record in records:
        by_reason.setdefault(str(record.get("observed") or "no reason given"), []).append(str(record["key"]))
    return "; ".join(f"{reason} ({_some(keys)})" for reason, keys in sorted(by_reason.items()))


def _of_system(system: str | None) -> str:
    """`shop: ` before the items a summary line names; nothing before a team's own tests, which no system holds."""
    return f"{system}: " if system else ""


def _test_files_named(config: pytest.Config, checklists: Path) -> list[str]:
    """The test modules the command line names as paths (`checks/test_env.py`), as it wrote them. A checklist file
    chooses its system (as --system does) and a folder takes in a whole layout: neither is named."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return []
    where = Path(checklists).resolve()
    named = []
    for arg in config.args:
        path = Path(config.invocation_params.dir) / arg
        if "::" not in arg and path.is_file() and not (path.suffix == ".yaml" and path.resolve().parent == where):
            named.append(shown(Path(arg)))
    return named


def _why_none_was_selected(config: pytest.Config, state) -> str:
    """What an empty selection most likely means, said where it is reported: a mark no item carries (a typo),
    an --item that -m leaves out, or pytest started in a subfolder, where the project's testpaths do not apply."""
    checks = [c for c in getattr(state, "checks", []) if state.in_scope(c)]
    markexpr = (config.option.markexpr or "").strip()
    if markexpr and checks:
        marks = sorted({m.mark.name for c in checks for m in marks_for(c)})
        try:
            taken = _matching_marks(markexpr, checks)
        except LookupError:
            return f"-m {visible(markexpr[:80])!r} names a mark no runbook item carries; theirs: {', '.join(marks)}"
        for item in config.getoption("ov_items"):
            said = _left_out_by_marks(item, [c for c in checks if c.id == item and c not in taken], markexpr)
            if said:
                return said
    started_in = Path(config.invocation_params.dir)
    if config.inipath is not None and started_in != Path(config.rootpath) and config.args == [str(started_in)]:
        return (f"pytest was started in {started_in}, below the project: it looks only there; start it in "
                f"{config.rootpath}, whose testpaths it follows")
    named = list(dict.fromkeys(config.getoption("ov_items") or ()))  # what else left them out (-k, --deselect)
    if named and hasattr(state, "checks"):
        return "; ".join([_why_item_not_selected(config, state, item) for item in named[:3]]
                         + ([f"and {len(named) - 3} more --item"] if len(named) > 3 else []))
    return ""


def _left_out_by_marks(item: str, left_out: list[Check], markexpr: str) -> str:
    """`--item D1 is a daily item, which -m 'postdeploy' leaves out` ('' when -m left none of its checks out)."""
    if not left_out:
        return ""
    kind = left_out[0].cadence.value if left_out[0].cadence else "manual"
    return f"--item {visible(item[:80])} is a {kind} item, which -m {visible(markexpr[:80])!r} leaves out"


def _why_item_not_selected(config: pytest.Config, state, item: str, systems: tuple[str, ...] | None = None) -> str:
    """Why no check of an --item named was selected, said as an empty selection says it: -m leaves it out (its
    cadence), the checklist files named leave out its system, else what else narrowed the run (-k, --deselect, node
    ids, a mark of the project's own in -m). `systems`: only the item of these (a demo fault's), not another system's
    of the same id."""
    from . import provenance

    shown_item = visible(item[:80])
    held = [c for c in state.checks if c.id == item and state.in_scope(c) and (systems is None or c.system in systems)]
    chosen = [c for c in held if state.chosen(c)]
    if held and not chosen:
        holding = ", ".join(sorted({c.system for c in held}))
        return f"--item {shown_item} is an item of {holding}, whose checklist file the command line does not name"
    markexpr = (config.option.markexpr or "").strip()
    narrowed = []
    if markexpr:
        try:
            taken = _matching_marks(markexpr, chosen)
        except LookupError:  # a mark of the project's own: which items carry it is pytest's to know
            narrowed.append(f"-m {visible(markexpr[:80])!r}")
        else:
            said = _left_out_by_marks(item, [] if taken else chosen, markexpr)
            if said:
                return said
    given = config.args_source == pytest.Config.ArgsSource.ARGS
    narrowed += provenance.narrowing(config.option, [shown(Path(a)) for a in config.args] if given else [], [])
    narrowed = _those_that_left_out(narrowed, chosen, getattr(state, "options_left_out", None))
    narrowed += _test_files_named(config, state.checklists)
    if narrowed:
        return f"--item {shown_item} was left out by {visible(' '.join(narrowed)[:300])}"
    return f"--item {shown_item} was left out by {' and '.join(_left_out_elsewhere(config, chosen))}"


def narrowed_said(narrowed_by: list[str]) -> str:
    """`narrowed_by` in words: the command line's options as given; what narrowed the run beyond them (a plugin or
    conftest, a module not collected) said after them as that, not read as one more option of theirs."""
    given = [n for n in narrowed_by if not n.endswith(NOT_THE_COMMAND_LINE)]
    elsewhere = [n.removesuffix(NOT_THE_COMMAND_LINE) for n in narrowed_by if n.endswith(NOT_THE_COMMAND_LINE)]
    if not (given and elsewhere):
        return " ".join(narrowed_by)
    return f"{' '.join(given)} given, and {' and '.join(elsewhere)} narrowed further"


def _those_that_left_out(narrowed: list[str], checks: list[Check],
                         left_out: dict[tuple[str, str], list[str]] | None) -> list[str]:
    """The command line's narrowing, -k and --deselect kept only where they left one of these checks out (a -k that
    takes an item in did not leave it out, whatever else did); each kept where that is not known (`left_out` None)."""
    if left_out is None:
        return narrowed
    did = {said for c in checks for said in left_out.get((c.system, c.key), ())}
    return [n for n in narrowed if not n.startswith(("-k ", "--deselect ")) or n in did]


def options_left_out(option: Any, items: list[pytest.Item]) -> dict[tuple[str, str], list[str]] | None:
    """Which of -k and --deselect left each runbook item of `items` (those deselected) out, judged as pytest judges
    it: -k's expression on the item's keywords (pytest's KeywordMatcher), --deselect by its node id's prefix; said as
    `narrowed_by` says them. None where pytest's expression API moved (each option is then named, at worst wider)."""
    from .plugin import item_check

    keyword = getattr(option, "keyword", "") or ""
    prefixes = list(getattr(option, "deselect", None) or ())
    left: dict[tuple[str, str], list[str]] = {}
    try:
        from _pytest.mark import KeywordMatcher
        from _pytest.mark.expression import Expression

        expression = Expression.compile(keyword.lstrip()) if keyword.strip() else None  # as pytest's -k reads it
        for item in items:
            check = item_check(item)
            if check is None:
                continue
            said = [f"-k {keyword!r}"] if expression and not expression.evaluate(KeywordMatcher.from_item(item)) else []
            said += [f"--deselect {prefix}" for prefix in prefixes if item.nodeid.startswith(prefix)]
            known = left.setdefault((check.system, check.key), [])
            known += [s for s in said if s not in known]
    except Exception:  # noqa: BLE001 — pytest's private API moved: not known
        return None
    return {place: said for place, said in left.items() if said}


def _left_out_elsewhere(config: pytest.Config, checks: list[Check]) -> list[str]:
    """What left these checks out where the command line did not, as the run's selection.narrowed_by says it: a
    module or checklist that could not be collected, else a plugin or conftest."""
    reporter = config.pluginmanager.get_plugin("opsverify-archive")
    if not isinstance(reporter, ArchiveReporter) or not checks:
        return [NARROWED_ELSEWHERE]
    return reporter._narrowed_elsewhere(checks)


def _matching_marks(markexpr: str, checks: list[Check]) -> list[Check]:
    """The checks an -m expression takes in, judged on the marks each item carries (cadence, manual, mutating). A
    mark of the project's own raises LookupError."""
    if not markexpr:
        return checks
    from .checklist import Cadence

    ours = {c.value for c in Cadence} | {"manual", "mutating"}
    if set(re.findall(r"[A-Za-z_][\w]*", markexpr)) - {"and", "or", "not"} - ours:
        raise LookupError("a mark of the project's own: which items carry it is pytest's to know")
    from _pytest.mark import MarkMatcher
    from _pytest.mark.expression import Expression

    expression = Expression.compile(markexpr)
    taken: dict[tuple, bool] = {}  # an item's marks are its cadence, manual and mutating: a few kinds per run

    def takes(check: Check) -> bool:
        kind = (check.cadence, check.manual, check.mutating)
        if kind not in taken:
            taken[kind] = expression.evaluate(MarkMatcher.from_markers(m.mark for m in marks_for(check)))
        return taken[kind]

    return [c for c in checks if takes(c)]


def marks_taken(markexpr: str | None, items: list[pytest.Item]) -> dict[tuple[str, str], bool]:
    """Whether -m takes in each runbook item of `items`, by its marks as pytest sees them (a conftest hook's
    `critical` too): the run's scope (see _in_m_scope). None known where pytest's expression API moved."""
    from .plugin import item_check

    took: dict[tuple[str, str], bool] = {}
    if not markexpr:
        return took
    try:
        from _pytest.mark import MarkMatcher
        from _pytest.mark.expression import Expression

        expression = Expression.compile(markexpr)
        for item in items:
            check = item_check(item)
            if check is not None:  # any test standing for it (a copy the run dropped as a duplicate too)
                place = (check.system, check.key)
                took[place] = took.get(place, False) or expression.evaluate(
                    MarkMatcher.from_markers(item.iter_markers()))
    except Exception:  # not known: each item's scope is then _in_m_scope's guess, at worst wider
        return {}
    return took


def merge_marks_taken(took: dict[tuple[str, str], bool], more: dict[tuple[str, str], bool]) -> None:
    """-m took an item in if it took it in any worker's collection."""
    for place, taken in more.items():
        took[place] = took.get(place, False) or bool(taken)


_RUNBOOK_MARKS = frozenset({c.value for c in Cadence} | {"manual", "mutating"})  # what marks_for puts on items
_MARKS_TRIED = 10  # an item whose marks are not known, asked of more marks of the project's than this: in scope


class _Unasked(Exception):
    """-m asked of a mark of the project's own, on an item whose marks are not known, not yet tried."""


def _in_m_scope(markexpr: str, checks: list[Check], marks_took: dict[tuple[str, str], bool]) -> list[Check]:
    """The checks -m takes in, as the run's scope: by the marks pytest saw on each item collected (`marks_took`: a
    hook's included, `-m "postdeploy and critical"`), and by the runbook's own marks with none of the project's (a
    hook's mark that left a runbook item out, `-m "postdeploy and not slow"`, leaves it in scope: the run is
    partial). An item never collected (a node id, --ignore) has marks no one saw: in scope if any marks of the
    project's could take it in. At worst wider than pytest's: a run said partial, never a partial one read as whole."""
    if not markexpr:
        return checks
    from _pytest.mark import MarkMatcher
    from _pytest.mark.expression import Expression

    expression = Expression.compile(markexpr)
    could: dict[tuple, bool] = {}  # by the runbook's marks: cadence, manual and mutating, a few kinds per run

    def takes(check: Check) -> bool:
        took = marks_took.get((check.system, check.key))
        kind = (check.cadence, check.manual, check.mutating, took is None)
        if kind not in could:
            ours = MarkMatcher.from_markers(m.mark for m in marks_for(check))
            could[kind] = _could_take(expression, ours, others_unknown=took is None)
        return bool(took) or could[kind]

    return [c for c in checks if takes(c)]


def _could_take(expression: Any, ours: Any, *, others_unknown: bool, given: dict | None = None) -> bool:
    """Whether -m takes in an item with the runbook's marks (`ours`) and none of the project's own — or,
    `others_unknown`, with any: each such mark -m asks of (name and arguments) tried present and absent."""
    given = given or {}

    def matches(name: str, /, **kwargs: Any) -> bool:
        if name in _RUNBOOK_MARKS:
            return ours(name, **kwargs)
        asked = (name, tuple(sorted(kwargs.items())))
        if asked in given or not others_unknown:
            return given.get(asked, False)
        raise _Unasked(asked)

    try:
        return bool(expression.evaluate(matches))
    except _Unasked as unasked:
        if len(given) >= _MARKS_TRIED:
            return True
        return any(_could_take(expression, ours, others_unknown=True, given={**given, unasked.args[0]: present})
                   for present in (True, False))




def _cause(report: pytest.TestReport) -> str:
    """A phase's failure or skip in its own words: the exception's message (`RuntimeError: …`), never the frame's
    `file:line: RuntimeError`; a skip's reason; an xfail's."""
    if report.passed:
        return ""
    if getattr(report, "wasxfail", None) is not None:
        return f"xfail: {report.wasxfail}" if report.wasxfail else "xfail"
    crash = getattr(getattr(report.longrepr, "reprcrash", None), "message", None)
    said = crash.strip() if isinstance(crash, str) and crash.strip() else _text(report)
    said = said.removeprefix("Failed: ")  # pytest.fail's own message, as written
    return f"teardown failed: {said}" if report.failed and report.when == "teardown" else said


def skipped_by(item: pytest.Item, report: pytest.TestReport) -> str:
    """What skipped a checklist item's pytest test before its check ran, and its reason: `a skip marker (flaky)`."""
    wasxfail = getattr(report, "wasxfail", None)
    reason = str(wasxfail).removeprefix("[NOTRUN] ") if wasxfail is not None else _text(report)
    xfail = item.get_closest_marker("xfail")
    if wasxfail is not None and xfail is not None and xfail.kwargs.get("run", True) is False:
        what = "an xfail(run=False) marker"
    else:
        what = next((f"a {name} marker" for name in ("skip", "skipif") if item.get_closest_marker(name) is not None),
                    f"{'an xfail' if wasxfail is not None else 'a skip'} of a fixture or hook")
    return f"{what} ({reason})" if reason else what


def _text(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):  # skip: (file, line, reason)
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "").strip().splitlines()[-1] if report.longrepr else ""
