"""Each checklist item's verdict, and which node ids are checklist items, kept apart from pytest's reports.

What rides on a report is pytest's word: a team's conftest may rebuild it (a makereport wrapper outside the plugin's
returning a `TestReport` of its own) or clear its `user_properties`, and the check's record with them. So the record
`items.checked_outcome` makes is also kept here, by node id, where no hook reaches: in this process (a run without
xdist: the archive's reporter reads it here), and under xdist in the run's private shared folder, sealed under the
run's sharing key as the engine's outcomes are — written before the report of the phase that judged it leaves the
worker, so the controller reads it as that report comes. Each worker also writes there, once it has collected, which
of its node ids are checklist items (`system/key`): the controller collected nothing, and a report that lost the
plugin's mark must never make an item a team's own test. A worker the controller started apart from the folder
(`--tx socket=…`) keeps nothing there: its reports' user properties are all the controller has of it. Which workers
those are is the controller's word, from how it started them: one started sharing the folder that keeps nothing there
is not trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from .errors import OpsverifyError

_VERDICT = "verdict-"  # + a digest of the node id: any text, a path's too, makes one file name
_ITEMS = "items-"  # + the xdist worker's id (gw0): the node ids of checklist items it collected


class VerdictAltered(OpsverifyError):
    """An item's verdict file does not open under the run's key: changed (or swapped) while the run ran."""


class Verdicts:
    def __init__(self, shared: Path | None) -> None:
        self.shared = shared  # under xdist: the run's private folder (see engine._SharedGroups)
        self._records: dict[str, str] = {}  # node id -> the record made here
        self._items: dict[str, str] = {}  # node id -> `system/key`, as a worker collected it
        self._maps_read: set[str] = set()

    def keep(self, nodeid: str, record: str) -> None:
        """The record of the item's check, as `checked_outcome` made it (a later attempt's replaces it)."""
        self._records[nodeid] = record
        if self.shared is not None:
            _write_sealed(self.shared, _verdict_file(nodeid), record)

    def record_here(self, nodeid: str) -> str | None:
        """The record this process's check made of the node id (serially: every item's), or None."""
        return self._records.get(nodeid)

    def record_of(self, nodeid: str) -> str | None:
        """The record kept for the node id, here or by a worker; None if its check never ran (or ran on a worker
        apart from the folder). VerdictAltered if its file does not open under the run's key."""
        if nodeid in self._records:
            return self._records[nodeid]
        if self.shared is None:
            return None
        try:
            return _read_sealed(self.shared / _verdict_file(nodeid))
        except FileNotFoundError:  # never kept, or removed while the run ran: as if its check never ran
            return None

    def name_items(self, items: dict[str, str], worker: str) -> None:
        """A worker's collected checklist items (node id -> `system/key`), for the controller (see `item_of`); its
        file also tells the controller the worker keeps its verdicts there (`named_items`)."""
        if self.shared is not None:
            _write_sealed(self.shared, _items_file(worker), json.dumps(items))

    def named_items(self, worker: str) -> bool:
        """Whether the xdist worker `worker` (its id: gw0) named its items in the run's folder: it does once it has
        collected, before it runs any. Whether a worker should have is the controller's word, from how it started it
        (plugin.started_sharing), never this file's: one started sharing the folder that named nothing here kept
        nothing the controller can trust."""
        return self.shared is not None and (self.shared / _items_file(worker)).exists()

    def item_of(self, nodeid: str) -> str | None:
        """`system/key` of the checklist item the node id is, as the workers collected it; "" for a node id they
        collected as no checklist item (a team's own test); None where no worker said (no folder, none shared it).
        Every xdist worker collects the same items, so one worker's map answers for them all."""
        if nodeid not in self._items and not self._maps_read and self.shared is not None:
            for path in sorted(self.shared.glob(f"{_ITEMS}*.json")):
                try:
                    self._items.update(json.loads(_read_sealed(path)))
                except (VerdictAltered, FileNotFoundError):  # read as if never written (or removed since it was
                    continue  # listed): the reports' marks and the verdicts still tell
                self._maps_read.add(path.name)
        if nodeid in self._items:
            return self._items[nodeid]
        return "" if self._maps_read else None


def _items_file(worker: str) -> str:
    return f"{_ITEMS}{re.sub(r'[^A-Za-z0-9_-]', '_', worker)}.json"  # an id is gw0, but a file name takes none other


def _verdict_file(nodeid: str) -> str:
    return f"{_VERDICT}{hashlib.sha256(nodeid.encode('utf-8', 'surrogateescape')).hexdigest()[:40]}.json"


def _write_sealed(shared: Path, filename: str, text: str) -> None:
    """Whole or not at all (a reader sees the file once it is complete), and sealed to its name."""
    from .secrets import sealed  # loaded once a run judges (the plugin imports this module, with or without --env)

    partial = shared / f"{filename}.{os.getpid()}.partial"
    partial.write_bytes(sealed(text.encode(), filename))
    partial.replace(shared / filename)


def _read_sealed(path: Path) -> str:
    from cryptography.exceptions import InvalidTag

    from .secrets import unsealed

    try:
        return unsealed(path.read_bytes(), path.name).decode()
    except (InvalidTag, ValueError) as exc:  # a flipped byte, a truncated file, another file's content
        raise VerdictAltered(f"the run-private file {path.name} was altered while the run ran (it does not open "
                             f"under the run's key: {type(exc).__name__})") from None
