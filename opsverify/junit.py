"""JUnit XML of a run, for CI dashboards: one testcase per checklist item.

`classname` is `<system>.<section>` and `name` is `<id>-<name>`, so a CI's test view groups by system and
runbook section rather than by the family's test module. A waived failure is a `skipped` with type
`waived` (it does not fail the run) whose message names the waiver; an error is an `error`. A manual item the
run's -m left out is listed all the same, as a `skipped` of type `manual` ("manual: <reason>"); so is each selected
item an interrupted run never ran, a `skipped` ("not checked: ..."), and each module that could not be collected, an
`error` named after it ("not collected, so not checked: ..."). The testsuite's
`properties` say what a count of testcases cannot: whether the run was partial or interrupted, how many items
were selected and ran (a 4-of-97 run is not the checklist passing), and how many manual items are listed though
not selected (never counted as run).

The testsuite's `time` is the run's wall time, from its start (the testsuite's `timestamp`, the manifest's
`started`) to when the file is written; a testcase's `time` is its item's own duration as results.json has it:
the gather of its group (shared by the group's items, so counted in each) plus its judging. The testcases' times
therefore add up to more than the run took whenever items share a gather.

Written as text (ElementTree costs more than every other reporter together on a big run): values are
escaped for XML, and characters XML 1.0 cannot hold (a target's control bytes in a message) become `\\xNN`
so a CI parser never chokes on the file.

The same bytes go to `--junitxml PATH` when a run is given one (see `take_over`): a new or regular file is
replaced whole (a temporary file renamed over it); a symlink, a device or a FIFO there is written through, as
pytest's own writer does (see `writes_through`) — only where the path led as the run started, the place then
checked to be outside the evidence (see `Resolved`) —, never waiting for ever on a reader that has stopped
reading (see `Stalled`); it is written once the run's archive is sealed, so it never stands in the archive's way.
"""

from __future__ import annotations

import errno
import os
import re
import select
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from .display import cannot_look
from .limits import OUTPUT_STALL_S

if TYPE_CHECKING:
    import pytest

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: Any) -> str:
    text = str(value)
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _NOT_XML.search(text) else text


def _text(value: Any) -> str:
    return escape(_clean(value))


# In an attribute, a parser would fold a line break or a tab into a space: they are kept as references.
_IN_ATTRIBUTES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
_ESCAPED_IN_ATTRIBUTES = re.compile('[&<>"\n\r\t]')


def _attrs(pairs: dict[str, Any]) -> str:
    """` name="value"` for each pair (one pattern per value, not sax's six replaces: a big run has many)."""
    parts = []
    for name, value in pairs.items():
        text = _clean(value)
        if _ESCAPED_IN_ATTRIBUTES.search(text):
            text = _ESCAPED_IN_ATTRIBUTES.sub(lambda m: _IN_ATTRIBUTES[m.group()], text)
        parts.append(f' {name}="{text}"')
    return "".join(parts)


def junit_xml(rows: list[dict[str, Any]], *, env: str, deploy: str, timestamp: str, suite_name: str | None = None,
              prefix: str | None = None, properties: dict[str, Any] | None = None,
              time_s: float | None = None) -> bytes:
    """`time_s`: the run's wall time, the testsuite's `time`. Without it (rows whose run is not known), the
    testcases' times added up, which counts a gather shared by several items once for each."""
    counts = Counter(row["status"] for row in rows)
    if time_s is None:
        time_s = sum(float(r.get("duration_s") or 0) for r in rows)
    suite = _attrs({
        "name": suite_name or f"opsverify {env} {deploy}", "tests": len(rows),
        "failures": counts["failed"], "errors": counts["error"],
        "skipped": counts["skipped"] + counts["waived"] + counts["manual"],
        "time": f"{max(0.0, time_s):.3f}", "timestamp": timestamp,
    })
    lines = ["<?xml version='1.0' encoding='utf-8'?>", f"<testsuites{_attrs({'name': f'opsverify {env}'})}>",
             f"<testsuite{suite}>", *_properties(properties or {}), *(_case(row, prefix) for row in rows),
             "</testsuite>", "</testsuites>"]
    return "\n".join(lines).encode() + b"\n"


def _properties(properties: dict[str, Any]) -> list[str]:
    """The testsuite's `<properties>` (before its testcases, as the JUnit schema orders them): booleans as
    `true`/`false`, as XML Schema writes them."""
    if not properties:
        return []
    values = {name: str(value).lower() if isinstance(value, bool) else value for name, value in properties.items()}
    lines = [f"<property{_attrs({'name': name, 'value': value})} />" for name, value in values.items()]
    return ["<properties>", *lines, "</properties>"]


def _case(row: dict[str, Any], prefix: str | None) -> str:
    system = row.get("system")
    classname = f"{system}.{row.get('section')}" if system else str(row.get("nodeid", ""))
    head = _attrs({
        "classname": f"{prefix}.{classname}" if prefix else classname,
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
    elif status in ("skipped", "manual"):  # a manual item -m selected is skipped as manual too, as is one it left out
        kind = "manual" if row.get("family") == "manual" else status
        inner.append(f"<skipped{_attrs({'message': message, 'type': kind})} />")
    return f"<testcase{head}>{''.join(inner)}</testcase>" if inner else f"<testcase{head} />"


# -- pytest's --junitxml in a verification run ------------------------------------------------------
@dataclass(frozen=True)
class Resolved:
    """Where `--junitxml PATH` led when the run started, the place then checked to be outside the evidence: the only
    place its bytes go at the end. A symlink re-pointed meanwhile (at a sealed archive's results.json) is not
    followed: its target would be written, and that archive's seal broken."""

    real: Path  # os.path.realpath(PATH): every link on the way followed
    through: bool  # written through (a symlink, a device, a FIFO), not replaced: see writes_through
    identity: tuple[int, int] | None  # (st_dev, st_ino) of what PATH led to; None: nothing there yet


def resolve(path: Path) -> Resolved:
    """Where `path` leads now (see Resolved)."""
    try:
        seen = os.stat(path)
    except OSError:  # not there yet (or a loop, or not to be looked at: said by writable_through)
        identity = None
    else:
        identity = (seen.st_dev, seen.st_ino)
    return Resolved(Path(os.path.realpath(path)), writes_through(path), identity)


@dataclass(frozen=True)
class Destination:
    """Where `--junitxml` asked for the file, with pytest's own naming options for it."""

    path: Path
    suite_name: str | None  # junit_suite_name, when set to other than pytest's default
    prefix: str | None  # --junit-prefix
    resolved: Resolved | None = None  # where `path` led as the run started; None: resolved when written


def take_over(config: pytest.Config, resolved: Resolved | None = None) -> Destination | None:
    """In a verification run, `--junitxml PATH` gets this JUnit, the archive's, from the same rows as
    results.json: pytest's writer would describe test modules rather than the runbook, time the test body
    rather than the check, and cost more per item than every other reporter together. Its writer is
    found the way pytest itself finds it (its stash key) and unregistered before the first item."""
    from _pytest import junitxml

    writer = config.stash.get(junitxml.xml_key, None)
    if writer is None:
        return None
    config.pluginmanager.unregister(writer)
    del config.stash[junitxml.xml_key]
    return Destination(Path(writer.logfile), writer.suite_name if writer.suite_name != "pytest" else None,
                       writer.prefix or None, resolved)


def writable_folder(path: Path, option: str = "--junitxml") -> str:
    """'' when `path` can be written (its folder made if need be), else why not: asked before any check runs."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():  # raises on a name too long for the file system (ENAMETOOLONG)
            return "is a folder"
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            return f"{cannot_look(exc)}; give {option} another path"
        return _not_a_folder(path, option) or exc.strerror or str(exc)
    # a file made and removed there, as write() makes one: os.access says yes to root everywhere, even in /proc or
    # on a read-only mount, and the run would find out only after every check
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        return f"folder not writable: a file cannot be made there ({exc.strerror or exc})"
    return ""


def _not_a_folder(path: Path, option: str) -> str:
    """Why `path`'s folder cannot be made where one of its folders is something else (a file): '' if none is."""
    from .checklist import shown

    in_the_way = next((p for p in path.parents if os.path.lexists(p)), None)
    if in_the_way is None or in_the_way.is_dir():
        return ""
    what = ("a file" if in_the_way.is_file() else "a symbolic link to nothing (or a loop of links)"
            if in_the_way.is_symlink() and not in_the_way.exists() else "not a folder")
    return f"{shown(in_the_way)} is {what} where a folder belongs; move it away, or give {option} a path in a folder"


def writes_through(path: Path) -> bool:
    """Whether `--junitxml PATH` is written through rather than replaced: PATH is there and is not a regular file
    of its own — a symlink, a device (`/dev/null`, `/dev/stdout`), a FIFO a CI's log collector reads. pytest's own
    writer opens PATH and writes into it; a rename over it would put a regular file in its place (as root, in
    place of the system's own /dev/null) and leave a FIFO's reader waiting for ever."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # not there (or not to be looked at: said by writable_folder): a file is made
        return False
    return not stat.S_ISREG(mode)


def writable_through(path: Path) -> str:
    """'' when the symlink, device or FIFO at `path` can be opened for writing, else why not: asked before any
    check runs, in place of writable_folder's trial file (`/dev` is no folder a user may make files in)."""
    try:
        os.stat(path)
    except FileNotFoundError:  # a symlink to a file not there yet: looked at below
        pass
    except OSError as exc:  # a loop of links (a → b → a), which exists() and isdir() pass over as "not there"
        return f"{cannot_look(exc)}; give --junitxml another path"
    if os.path.isdir(path):
        return "is a folder"
    if os.path.exists(path):
        return "" if os.access(path, os.W_OK) else "not writable"
    return writable_folder(Path(os.path.realpath(path)))  # a symlink to a file not there yet: made where it points


class NoReader(OSError):
    """A FIFO at `--junitxml PATH` that no process had open for reading when the run ended."""

    def __init__(self) -> None:
        super().__init__(errno.ENXIO, "a FIFO no process reads from (nothing had it open for reading as the run "
                                      "ended); start its reader before the run, or give --junitxml a file")


class Stalled(OSError):
    """A reader of `--junitxml PATH` (a FIFO, a pipe) that has it open and took no byte for `stall_s` seconds."""

    def __init__(self, stall_s: float, written: int, size: int) -> None:
        super().__init__(errno.ETIMEDOUT, f"its reader took no byte for {stall_s:g} s (it has the FIFO open and "
                                          f"stopped reading): cut short after {written} of {size} bytes; see to its "
                                          "reader, or give --junitxml a file")


class Repointed(OSError):
    """`--junitxml PATH` leads elsewhere than when the run started (a symlink re-pointed, a file put in its place)."""

    def __init__(self, now: Path, then: Path) -> None:
        from .checklist import shown

        changed = (f"it now leads to {shown(now)}, not to {shown(then)} as when the run started" if now != then
                   else f"{shown(then)} is another file than when the run started")
        super().__init__(errno.ESTALE, f"{changed} (changed during the run; only where it led then was checked to be "
                                       "outside the evidence): nothing written")


def write(destination: Destination, data: bytes, *, stall_s: float = OUTPUT_STALL_S) -> None:
    """Whole or not at all: a CI that reads the file never sees half of it. A symlink, a device or a FIFO at the
    path is written through, as pytest's own writer does (see writes_through); its reader gets what it took before
    it stopped reading for `stall_s` seconds (Stalled), never the run held for ever. Only where the path led as the
    run started (see Resolved): if it leads elsewhere now, Repointed, and nothing is written."""
    path = destination.path
    resolved = destination.resolved or resolve(path)
    now = Path(os.path.realpath(path))
    if now != resolved.real:
        raise Repointed(now, resolved.real)
    if resolved.through:
        return _write_through(path, resolved, data, stall_s)
    # into the folder resolved at the start, never through a link on the way re-pointed since
    folder, name = resolved.real.parent, resolved.real.name
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_through(path: Path, resolved: Resolved, data: bytes, stall_s: float) -> None:
    """Write into what `path` led to as the run started: a symlink's target gets the bytes (made if not there), a
    device or a FIFO its reader. Opened without blocking, so a FIFO no process reads is said (NoReader) instead of
    holding the run for ever; written without blocking too, waiting for the reader only while it takes bytes (a
    reader slower than the pipe's buffer is waited on; one that has stopped is not: signals are only noted while a
    run ends, so a blocking write to it would hold the run until SIGKILL)."""
    handle = _open_where_it_led(path, resolved)
    try:
        _write_while_read(handle, data, stall_s)
    finally:
        os.close(handle)


def _open_where_it_led(path: Path, resolved: Resolved) -> int:
    """`path` opened for writing, only if what it opens is what it led to as the run started (Repointed if not);
    a regular file emptied only then."""
    flags = os.O_WRONLY | os.O_NONBLOCK
    try:
        if resolved.identity is None:  # made where the link led, never through a link put there since
            handle = os.open(resolved.real, flags | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        else:  # by its own name: a pipe's (/dev/stdout leads to `pipe:[…]`) is no path that can be opened
            handle = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO and stat.S_ISFIFO(os.stat(path).st_mode):
            raise NoReader() from None
        raise
    try:
        seen = os.fstat(handle)
        if resolved.identity is not None:
            # a regular file may have been replaced whole at the same place (an editor's save); anything else is the
            # very node (the same FIFO, device, pipe) or another one
            there = os.stat(resolved.real) if stat.S_ISREG(seen.st_mode) else None
            expected = (there.st_dev, there.st_ino) if there is not None else resolved.identity
            if (seen.st_dev, seen.st_ino) != expected:
                raise Repointed(Path(os.path.realpath(path)), resolved.real)
        if stat.S_ISREG(seen.st_mode):
            os.ftruncate(handle, 0)
    except BaseException:
        os.close(handle)
        raise
    return handle


def _write_while_read(handle: int, data: bytes, stall_s: float) -> None:
    """All of `data` into the non-blocking `handle`, waiting at most `stall_s` for its reader to make room each time
    its buffer is full (Stalled when it makes none)."""
    left = memoryview(data)
    ready = select.poll()
    ready.register(handle, select.POLLOUT)
    while left:
        try:
            left = left[os.write(handle, left):]
            continue
        except BlockingIOError:  # the pipe's buffer is full
            pass
        if not ready.poll(stall_s * 1000):
            raise Stalled(stall_s, len(data) - len(left), len(data))
