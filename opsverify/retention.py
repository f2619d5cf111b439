"""Retention: `opsverify prune --keep N`, per env, without breaking the chain.

The newest N archives of each env stay (newest as the hash chain says: seal.archives_oldest_first). An older
one is removed only when it records a clean release: an archive with a failed or waived item (the evidence an
auditor asks for first), one that could not check an item, or did not check every item in its scope (interrupted,
or partial), or one that does not verify, stays unless `--force` (seal.keeps_evidence).
Before an archive is removed its manifest and signature, and what `verify` found in it, are kept in
`reports/<env>/.pruned/` and its hash and link appended to `reports/<env>/chain.jsonl`,
so `opsverify verify reports/<env>` still finds every link; the HTML report opsverify rendered of it goes with it
(another file under that name stays). chain.jsonl never names an archive that is still there: an archive is first
moved out of the env (the step that can fail), then remembered, then deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import exitcodes
from .errors import StopRun
from .folders import remove_tree
from .report import _not_replaceable  # what `report -o` would not replace is not a report of ours
from .seal import CHAIN, FOUND, MANIFEST, MANIFEST_LIMIT, PRUNED, PRUNING, SIGNATURE, EnvChain, Finding, Malformed, \
    archive_contents, archive_dirs, archive_named, archives_oldest_first, env_lock, forced_reason, found_record, \
    keeps_evidence, kept_manifest, leftover_manifest, leftover_of, parse_manifest, prune_leftovers, read_manifest_bytes, \
    read_pruned, read_regular, read_signature_bytes, sha256_bytes, sha256_file, subfolders, unlisted


@dataclass
class Pruned:
    removed: list[str] = field(default_factory=list)
    kept_for_evidence: list[tuple[str, str]] = field(default_factory=list)  # (archive, why)
    left_alone: list[tuple[str, str]] = field(default_factory=list)  # (archive, why): not removable, even with --force
    failed: list[str] = field(default_factory=list)  # of left_alone, those whose removal was tried and failed
    notes: list[str] = field(default_factory=list)


def _is_env(path: Path) -> bool:
    """A reports/<env> folder: it holds an archive, its chain.jsonl (every archive pruned), or what an interrupted
    prune moved aside (an env whose only archive that is, to finish that prune)."""
    return (any((p / MANIFEST).is_file() for p in archive_dirs(path)) or (path / CHAIN).is_file()
            or bool(prune_leftovers(path)))


def env_dirs(path: Path) -> list[Path]:
    """`reports/<env>` itself, or every env folder under `reports/` (the same test for both, so that `prune
    reports` takes in each env `prune reports/<env>` would) but those that are symlinks (linked_env_dirs). A folder
    holding env folders is `reports/`, whatever else stands in it (a chain.jsonl, an archive: `seal.not_in_reports`),
    as verify reads it: such an entry made prune take reports/ for an env, prune none of its envs, and write an env's
    files into reports/."""
    inside = _envs_in(path)
    if not inside and _is_env(path):
        return [path]
    return [p for p in inside if not p.is_symlink()]


def linked_env_dirs(path: Path) -> list[Path]:
    """The env folders under `reports/` that are symlinks: `prune reports` leaves each alone, as it does an archive
    folder that is one — it would delete archives outside reports/. Named itself (`prune reports/<env>`), an env is
    pruned where the user says it is."""
    return [p for p in _envs_in(path) if p.is_symlink()]


def _envs_in(path: Path) -> list[Path]:
    """The env folders in `path`; one it cannot list (0700, another owner) is none it can prune — verify names it."""
    return [p for p in subfolders(path) if not archive_named(p.name) and not unlisted(p) and _is_env(p)]


class ChainUnreadable(StopRun):
    """An env whose chain.jsonl cannot be read as prune writes it: entries appended to it, and archives removed on
    its word, could not be verified again (verify's code for a broken chain)."""
    exit_code = exitcodes.BROKEN_CHAIN


def prune_env(env_dir: Path, keep: int, *, force: bool = False, dry_run: bool = False) -> Pruned:
    result = Pruned()
    with env_lock(env_dir):
        _refuse_unreadable_chain(env_dir)
        _finish_interrupted(env_dir, result, dry_run=dry_run)  # a dry run says what the real one would do
        # oldest first as the chain says (not by name: a deploy id `aaa` after `zzz` in one second is the newest)
        archives = [p for p in archives_oldest_first(env_dir) if os.path.lexists(p / MANIFEST)]
        candidates = archives[:-keep] if keep > 0 else archives
        chain = EnvChain(env_dir)  # read once: each candidate's verify then costs its own files, not the env's
        for archive in candidates:
            if archive.is_symlink():  # removing it would remove a link, not an archive: nothing to keep in the chain
                result.left_alone.append((archive.name, "a symlink, not an archive folder (remove the link yourself)"))
                continue
            try:
                manifest_bytes = read_manifest_bytes(archive / MANIFEST)
            except (OSError, Malformed) as exc:  # no hash to keep in the chain
                why = str(exc) if isinstance(exc, Malformed) else f"cannot be read ({exc.strerror})"
                result.left_alone.append((archive.name, f"its {MANIFEST} {why}: its place in the chain cannot be kept"))
                continue
            manifest = _manifest(manifest_bytes) or {}  # {}: not a manifest; it does not verify
            env = manifest.get("env")
            if manifest and env != env_dir.name and not force:  # verify's broken-chain finding on this folder
                result.left_alone.append((archive.name, f"an archive of env {env!r}, not {env_dir.name} (the folder"
                                          " it is in): moved or copied in, it does not verify here; prune it in a"
                                          " folder named for its env"))
                continue
            evidence = keeps_evidence(manifest)
            if evidence and not force:
                result.kept_for_evidence.append((archive.name, evidence))
                continue
            # an archive changed since it was sealed is evidence too (of that change), and its counts cannot be
            # believed: it stays until --force; what verify found is kept with its manifest either way
            found = chain.verify(archive).findings
            why = forced_reason(manifest, found)
            if why and not force:
                result.kept_for_evidence.append((archive.name, why))
                continue
            if not dry_run:
                kept = (manifest, manifest_bytes, _signature_bytes(archive), found)
                try:
                    problem = _remove(env_dir, archive, kept, result)
                except _Refused as exc:  # a place prune never writes through, said as such: still not removed
                    problem = str(exc)
                if problem:
                    result.failed.append(archive.name)
                    result.left_alone.append((archive.name, problem))
                    continue
            result.removed.append(archive.name)
    return result


def _refuse_unreadable_chain(env_dir: Path) -> None:
    found: list[Finding] = []
    read_pruned(env_dir, found)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ChainUnreadable(f"{env_dir}: not pruned: {found[0].where}: {found[0].what}{more}; prune removes an "
                              f"archive only into a {CHAIN} it can read — restore it from a backup (`opsverify verify "
                              f"{env_dir}` lists every finding)")


def _finish_interrupted(env_dir: Path, result: Pruned, *, dry_run: bool = False) -> None:
    """A prune killed mid-way left its archive in `.pruning-<name>-<pid>` (the env lock is ours: no prune runs
    now). Remembered in chain.jsonl: its deletion is finished. Not yet: it goes back where it was. A dry run says
    what it would do, and does nothing."""
    entries = read_pruned(env_dir)
    remembered = {entry["manifest_sha256"] for entry in entries}
    would = "would have " if dry_run else ""  # `finished removing` -> `would have finished removing`
    _remove_partial_copies(env_dir, result, dry_run=dry_run)
    for leaving in prune_leftovers(env_dir):
        name = leftover_of(leaving) or ""
        if leaving.is_symlink() or not leaving.is_dir():  # put back, it would stand for an archive it is not
            result.notes.append(f"{leaving.name} is named as an interrupted prune leaves an archive, but is a symlink "
                                "or not a folder (a prune leaves neither): look at it, then delete it by hand")
            continue
        data = leftover_manifest(leaving)
        if data is None and _rest_of_a_pruned_archive(env_dir, leaving, name, entries):  # killed while deleting it
            if dry_run or _deleted(leaving, name, result):
                result.notes.append(f"{would}finished removing {name} (an earlier prune was interrupted while "
                                    f"deleting it; {CHAIN} remembers it)")
            continue
        if data is None:
            result.notes.append(f"{leaving.name} is left from an interrupted prune, without a readable manifest: "
                                "look at it, then delete it by hand")
            continue
        digest = sha256_bytes(data)
        if digest in remembered and not _rest_of_a_pruned_archive(env_dir, leaving, name, entries, digest):
            result.notes.append(f"{leaving.name} holds the manifest of an archive {CHAIN} remembers, but is not what "
                                "a prune leaves of it (another name, or files it does not list): look at it, then "
                                "delete it by hand")
            continue
        if digest in remembered:
            if dry_run or _deleted(leaving, name, result):
                result.notes.append(f"{would}finished removing {name} (an earlier prune was interrupted)")
        elif name and not os.path.lexists(env_dir / name):
            try:
                if not dry_run:
                    os.rename(leaving, env_dir / name)
            except OSError as exc:
                result.notes.append(f"{leaving.name} could not be put back ({exc.strerror}): rename it to {name}")
                continue
            result.notes.append(f"{'would have put' if dry_run else 'put'} {name} back (an earlier prune was "
                                "interrupted before it was remembered)")


def _deleted(leaving: Path, name: str, result: Pruned) -> bool:
    """Delete what a prune left of an archive chain.jsonl remembers; when some of it cannot go, say so (it is
    out of the chain already: only the hand can finish it)."""
    left = remove_tree(leaving)  # an archive may hold folders nested past shutil.rmtree's recursion
    if left is None:
        return True
    result.notes.append(f"{name} left the chain, but {leaving.name} could not be deleted ({left.strerror or left}): "
                        "delete it by hand")
    return False


def _rest_of_a_pruned_archive(env_dir: Path, leaving: Path, name: str, entries: list[dict[str, Any]],
                              digest: str | None = None) -> bool:
    """Whether a leftover is what is left of an archive chain.jsonl remembers by that name (and, given, by that
    manifest hash): every file in it one the kept manifest lists, with that hash (its manifest and signature: the
    kept ones), and nothing else — no symlink, no file of anyone else's. Anything more is left for a person, as
    verify says."""
    kept = [entry for entry in entries if entry.get("archive") == name]
    if not name or len(kept) != 1 or (digest is not None and kept[0]["manifest_sha256"] != digest):
        return False
    digest = kept[0]["manifest_sha256"]
    try:
        manifest = read_regular(kept_manifest(env_dir, digest), MANIFEST_LIMIT, MANIFEST)
        listed = parse_manifest(manifest).get("files")
        signature = kept_manifest(env_dir, digest, ".sig")
        # archive_contents, not os.walk: Python 3.11's os.walk recurses per level (a RecursionError on a folder
        # nested thousands deep), and skips a folder it cannot list, which may hold anything
        kinds, unlisted = archive_contents(leaving)
        if unlisted or any(kind not in ("file", "folder") for kind in kinds.values()):
            return False
        for relative in sorted(entry for entry, kind in kinds.items() if kind == "file"):
            path = leaving / relative
            if relative == SIGNATURE:
                if not signature.is_file() or path.read_bytes() != signature.read_bytes():
                    return False
            elif relative == MANIFEST:
                if sha256_file(path) != digest:
                    return False
            elif not isinstance(listed, dict) or listed.get(relative) != sha256_file(path):
                return False
    except (OSError, Malformed, ValueError):
        return False
    return True


# `_keep`'s file being written: `.<hash>.json.<pid>` (or .sig, .found.json); nothing else of .pruned/ is touched
_PARTIAL_COPY = re.compile(r"\.[0-9a-f]{64}(?:\.json|\.sig|" + re.escape(FOUND) + r")\.[0-9]+")


def _remove_partial_copies(env_dir: Path, result: Pruned, *, dry_run: bool = False) -> None:
    """Files of .pruned/ a prune killed while writing them left (`_keep` writes `.<name>.<pid>`, then renames it):
    never the copy itself, which only a whole file becomes; the env lock is ours, so no prune writes one now."""
    kept = env_dir / PRUNED
    if kept.is_symlink() or not kept.is_dir():
        return
    for path in sorted(kept.iterdir()):
        if _PARTIAL_COPY.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            with contextlib.suppress(OSError):
                if not dry_run:
                    path.unlink()
                result.notes.append(f"{'would have removed' if dry_run else 'removed'} {PRUNED}/{path.name}, a copy "
                                    "an interrupted prune left half-written")


class _Refused(OSError):
    """A place prune never writes through (a `.pruned` that is a symlink): the archive stays, and the prune ends with
    26 (it could not remove what it should have)."""


def _manifest(data: bytes) -> dict[str, Any] | None:
    try:
        return parse_manifest(data)
    except Malformed:
        return None


def _keep(env_dir: Path, digest: str, suffix: str, data: bytes) -> None:
    """One file of .pruned/, whole or not at all."""
    target = kept_manifest(env_dir, digest, suffix)
    if os.path.islink(target.parent):  # written through, it would keep the evidence elsewhere
        raise _Refused(errno.ELOOP, f"{target.parent.name} is a symlink")
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        with open(partial, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _signature_bytes(archive: Path) -> bytes | None:
    """manifest.sig as it is (verify judges it), or None when there is none to keep."""
    try:
        return read_signature_bytes(archive / SIGNATURE)
    except (OSError, Malformed):
        return None


def _remove(env_dir: Path, archive: Path, kept: tuple[dict[str, Any], bytes, bytes | None, list[Finding]],
            result: Pruned) -> str:
    """Out of the env (a rename: what can fail, fails before chain.jsonl is touched), into chain.jsonl, then
    deleted. '' when done, else why it is still there."""
    leaving = env_dir / f"{PRUNING}{archive.name}-{os.getpid()}"  # hidden: no longer one of the env's archives
    try:
        os.rename(archive, leaving)
    except OSError as exc:
        return f"cannot be moved ({exc.strerror}): not removed, {CHAIN} unchanged"
    try:
        _remember(env_dir, archive, *kept)
    except OSError as exc:
        try:
            os.rename(leaving, archive)  # back where it was: the chain does not name it
        except OSError:
            return (f"its manifest cannot be kept in {PRUNED}/ or {CHAIN} written ({exc.strerror}); move "
                    f"{leaving.name} back to {archive.name} by hand")
        why = f"its manifest cannot be kept in {PRUNED}/ or {CHAIN} written ({exc.strerror}): not removed"
        if isinstance(exc, _Refused):
            raise _Refused(why) from None
        return why
    _deleted(leaving, archive.name, result)
    _remove_report(archive, result)
    return ""


def _remove_report(archive: Path, result: Pruned) -> None:
    """The HTML report opsverify rendered beside the archive goes with it; anything else there is left, and said
    (as `report -o` would not replace it, prune does not delete it)."""
    html = archive.parent / f"{archive.name}.html"
    if not os.path.lexists(html):
        return
    if _not_replaceable(html):
        result.notes.append(f"{archive.name} removed, but {html.name} was left: it is not a report opsverify "
                            "rendered (prune deletes only its own)")
        return
    with contextlib.suppress(OSError):
        html.unlink()


def _remember(env_dir: Path, archive: Path, manifest: dict[str, Any], manifest_bytes: bytes,
              signature: bytes | None, found: Sequence[Finding] = ()) -> None:
    """Append the archive's place in the chain, durably, before it is deleted; a failed write leaves chain.jsonl
    as it was (no half line). Its manifest and signature are kept first (.pruned/<hash>.json and .sig), so
    `verify` checks the entry against its hash and key: a line written by hand cannot stand in for a pruned
    archive; and what verify `found` in it (.pruned/<hash>.found.json), from which, with the manifest, `verify`
    derives the entry's "forced" (why it would have stayed without --force) again: leaving it out is found."""
    digest = sha256_bytes(manifest_bytes)
    _keep(env_dir, digest, ".json", manifest_bytes)
    if signature is not None:
        _keep(env_dir, digest, ".sig", signature)
    _keep(env_dir, digest, FOUND, found_record(digest, list(found)))
    forced = forced_reason(manifest, list(found))
    previous = manifest.get("previous") or {}
    entry = {"archive": manifest.get("archive") or archive.name, "manifest_sha256": digest,
             "previous_archive": previous.get("archive"), "previous_sha256": previous.get("manifest_sha256"),
             "deploy_id": manifest.get("deploy_id"), "started": manifest.get("started"), "counts": manifest.get("counts"),
             "pruned_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
             **({"forced": forced} if forced else {})}
    line = (json.dumps(entry) + "\n").encode()
    fd = os.open(env_dir / CHAIN, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a last line cut short (verify names it) must not swallow this entry
        try:
            if os.write(fd, line) != len(line):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)
