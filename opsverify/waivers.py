"""Waivers: a known, accepted failure, written down with who accepted it and until when.

`waivers/<env>.yaml` (beside `environments/`; `--waivers-dir` to move it):

    waivers:
      - item: C7                 # the checklist item id
        system: cheersai         # needed only when two systems use the same id
        reason: queue enabled on purpose while the publisher migrates
        approver: jane.doe
        ticket: OPS-123          # a bare number (123) is kept as written
        expires: 2026-12-31      # valid through that day (UTC); or an ISO time with a zone

A waived failing item is reported as *waived* — never passed — and does not fail the run. An expired
waiver is not applied, and fails the run naming itself. The file is validated strictly before any check
runs: an unknown item, an ambiguous id, a duplicate, a missing or blank field, a control character, an
`expires` that is not an ISO date or time, or a waivers path that is not a regular `.yaml` file is a config error.
`waivers:` with nothing under it (the last waiver removed) is no waivers, as `waivers: []` is.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from .checklist import (Check, Misread, Unquoted, WordKeepingLoader, Words, _location, _null_key, _read_otherwise,
                        _read_yaml, entries_of, file_errors, number_or_text, shown)
from .coverage import near_ids
from .display import blank, blank_held, spelled, visible
from .errors import ConfigError

EXPIRES_FORMS = "write a date, 2026-12-31 (through that day, UTC), or a time with its zone, 2026-12-31T18:00:00Z"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # how every ISO date or time starts; 20991231 would read as a Unix time


def _not_blank(fix: str):
    """A check that a word is not of blanks, or of characters that show as nothing (a zero-width space, a byte order
    mark), whose message says `fix`: an approver, ticket or reason so names no one and nothing (the waiver would
    accept a failure unsigned), an item or system so names nothing to waive."""
    def check(value: str) -> str:
        if blank(value):
            raise ValueError(f"is blank: {fix}{blank_held(value)}")
        return value.strip()
    return check


# a person's words, shown on every console and in the report: checked as a checklist's words are, and not blank
Written = Annotated[Words, AfterValidator(_not_blank("write who approved it, the ticket and why"))]


def _ticket_number(value: Any) -> Any:
    """`ticket: 123` (an issue's number) is common, and means the ticket 123: kept as written (YAML reads 0123 as
    83). Any other word YAML reads otherwise (`ticket: off`) is refused as in the other fields."""
    if isinstance(value, Unquoted) and isinstance(value.read, (int, float)) and not isinstance(value.read, bool):
        return str(value)
    return value


Ticket = Annotated[Written, BeforeValidator(_ticket_number)]
WORDS = {"item", "system", "reason", "approver", "ticket"}  # a waiver's words: each kept as written


class _WaiversLoader(WordKeepingLoader):
    """A waiver's word that YAML would read as a number, boolean or date (`item: NO`, `item: 1.10`) is kept as
    written, for the message that shows it and how to quote it."""

    def construct_document(self, node):
        self.misread: dict[int, list[Misread]] = {}
        for index, entry in enumerate(entries_of(node, "waivers")):
            self.keep_words(entry, WORDS)
            keys = [Misread((key.value,), self._word(key, None), key=True) for key, _ in entry.value
                    if _read_otherwise(key) or _null_key(key)]
            if keys:
                self.misread[index] = keys
        return super().construct_document(node)

    def number_advice(self, path: tuple) -> Callable[[str, str], str]:
        if path[-1:] == ("expires",):
            return lambda meant, quoted: f"a number, not a date: {EXPIRES_FORMS}"
        return number_or_text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WaiverModel(_Strict):
    model_config = ConfigDict(title="a waiver")

    item: Annotated[Words, AfterValidator(_not_blank("name the item it waives: its id, as its checklist writes it"))]
    system: Annotated[Words, AfterValidator(_not_blank("name the system of the item, or leave system out"))] | None = None
    reason: Written
    approver: Written
    ticket: Ticket
    expires: dt.date | dt.datetime

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        """Only an ISO date or time, read here: pydantic would read a number, quoted or not, as a Unix time, and
        report anything else once per form it tried. `2026-12-31T00:00:00Z` ends at that moment; only a bare
        date means 'through that day'."""
        if isinstance(value, dt.date):  # YAML read an unquoted date or time
            return value
        text = value.strip() if isinstance(value, str) else ""
        if _ISO_DATE.match(text):
            try:
                return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
            except ValueError:
                pass
        if (isinstance(value, int | float) and not isinstance(value, bool)) or re.fullmatch(r"[-+]?[\d.]+", text):
            raise ValueError(f"{visible(str(value))} is a number, not a date: {EXPIRES_FORMS}")
        raise ValueError(f"not an ISO date or time: {EXPIRES_FORMS}")

    @field_validator("expires")
    @classmethod
    def _zoned(cls, value: dt.datetime | dt.date) -> dt.datetime | dt.date:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2026-12-31T18:00:00Z), or a date")
        return value


class WaiversFileModel(_Strict):
    model_config = ConfigDict(title="a waivers file")

    waivers: list[WaiverModel] = Field(default_factory=list)

    @field_validator("waivers", mode="before")
    @classmethod
    def _none_left(cls, value: Any) -> Any:
        """`waivers:` with nothing under it is what is left when the last waiver is removed: no waivers."""
        return [] if value is None else value


@dataclass(frozen=True)
class Waiver:
    system: str
    item: str
    reason: str
    approver: str
    ticket: str
    expires: str  # as written: a date or a time
    ends: dt.datetime  # the first moment it no longer holds
    source: str

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.ends

    def record(self) -> dict[str, str]:
        return {"system": self.system, "item": self.item, "reason": self.reason, "approver": self.approver,
                "ticket": self.ticket, "expires": self.expires, "source": self.source}

    def describe(self) -> str:
        return f"until {self.expires}, approved by {self.approver} ({self.ticket}): {self.reason}"


@dataclass
class Waivers:
    path: Path | None
    entries: list[Waiver] = field(default_factory=list)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    # the file's bytes as loaded, the very ones parsed: what the archive keeps (the file may change during the run)
    data: bytes | None = field(default=None, repr=False)

    def _find(self, check: Check) -> Waiver | None:
        return next((w for w in self.entries if w.system == check.system and w.item == check.id), None)

    def active_for(self, check: Check) -> Waiver | None:
        waiver = self._find(check)
        return waiver if waiver is not None and not waiver.expired(self.now) else None

    def not_needed(self, records: list[dict[str, Any]]) -> list[Waiver]:
        """Active waivers of items whose every entry passed this run: left in place, one would hide the next
        failure. (One id may name several entries; a waiver still used by one of them is needed.)"""
        statuses = _statuses(records)
        return [w for w in self.entries if statuses.get((w.system, w.item)) == {"passed"} and not w.expired(self.now)]

    def not_applied(self, records: list[dict[str, Any]]) -> list[tuple[Waiver, list[str]]]:
        """Active waivers of items that neither failed (waived, or kept failed by --runxfail) nor passed in every
        entry — one errored or was skipped, or failed with a part that could not be judged, which no waiver covers
        (UNDECIDED_FAILURE) — each with its entries' outcomes: a waiver accepts a failure only, so it was used by
        nothing, yet the run did not show the item holds either (as not_needed would)."""
        statuses = _statuses(records, told=_outcome)
        # a waiver the check applied, whatever came after (a teardown's error): used, not "not applied"
        applied = {(r.get("system"), r.get("id")) for r in records if r.get("waiver")}
        unused = []
        for waiver in self.entries:
            seen = statuses.get((waiver.system, waiver.item), set())
            if (seen - {"passed"} and not seen & {"waived", "failed"} and not waiver.expired(self.now)
                    and (waiver.system, waiver.item) not in applied):
                unused.append((waiver, sorted(map(str, seen))))
        return unused

    def expired_for(self, checks: list[Check], records: list[dict[str, Any]] | None = None) -> list[Waiver]:
        """Expired waivers of the items this run checks: each fails the run and is named. Given the run's `records`,
        only of those it checked: an item that was only skipped (its system not configured, a mutating item
        refused, a manual one) was not, and says nothing yet of whether its failure is still accepted."""
        wanted = {(c.system, c.id) for c in checks}
        if records is not None:
            wanted &= {key for key, statuses in _statuses(records).items() if statuses - {"skipped"}}
        return [w for w in self.entries if (w.system, w.item) in wanted and w.expired(self.now)]


def _statuses(records: list[dict[str, Any]],
              told: Callable[[dict[str, Any]], Any] = lambda record: record.get("status"),
              ) -> dict[tuple[Any, Any], set[Any]]:
    """Each (system, item id)'s outcomes in this run (`told` of each record: its status): one id may name several
    entries."""
    statuses: dict[tuple[Any, Any], set[Any]] = {}
    for r in records:
        statuses.setdefault((r.get("system"), r.get("id")), set()).add(told(r))
    return statuses


UNDECIDED_FAILURE = "failed with a part that could not be judged"  # an outcome no waiver covers (items.checked_outcome)


def _outcome(record: dict[str, Any]) -> Any:
    """A record's status, a failure with a part that could not be judged (evidence `undecided`) told apart."""
    undecided = record.get("status") == "failed" and (record.get("evidence") or {}).get("undecided")
    return UNDECIDED_FAILURE if undecided else record.get("status")


def waivers_path(directory: Path, env: str) -> Path:
    return directory / f"{env}.yaml"


def load_waivers(directory: Path, env: str, checks: list[Check], *, now: dt.datetime | None = None,
                 given: bool = False) -> Waivers:
    """The env's waivers, validated against the checklists. No file means no waivers; so does no folder,
    unless it was `given` (--waivers-dir): a typo there must not drop every waiver without a word."""
    path = waivers_path(directory, env)
    now = now or dt.datetime.now(dt.timezone.utc)
    option = "--waivers-dir " if given else ""
    if not os.path.lexists(directory):
        if given:
            raise ConfigError(f"{option}{shown(directory)}: no such folder")
        return Waivers(None, [], now)
    if not directory.is_dir():
        raise ConfigError(f"{option}{shown(directory)}: not a folder; waivers go in {directory.name}/{env}.yaml")
    misnamed = path.with_suffix(".yml")
    if os.path.lexists(misnamed):  # read by nothing: its waivers would silently not apply
        raise ConfigError(f"{shown(misnamed)}: waivers files are *.yaml; rename it {path.name}")
    if not os.path.lexists(path):
        return Waivers(None, [], now)
    label = str(Path(shown(directory)) / path.name)  # the name as written: shown() would follow a link
    if path.is_symlink() and not path.exists():  # reading it would say only "no such file" of a name one can see
        raise ConfigError(f"{label}: a symbolic link to nothing (or a loop of links): point it at a file")
    problems: list[str] = []  # a folder or a FIFO: one line from _read_yaml
    misread: dict[int, list[Misread]] = {}
    kept: dict[Path, bytes] = {}
    raw = _read_yaml(path, problems, _WaiversLoader, misread, kept=kept)
    if problems:
        raise ConfigError(problems[0])
    if raw is None:
        raise ConfigError(f"{label}: the file is empty; write `waivers: []`, or remove the file")
    if not isinstance(raw, dict):  # pydantic would name its model class
        raise ConfigError(f"{label}: the file must be a mapping with a `waivers:` list (it is "
                          f"{'a list' if isinstance(raw, list) else 'a single value'}): write `waivers:` on the first"
                          " line, the entries under it")
    keys = [f"{label}: {_describe(raw, ('waivers', index))}: {entry.word.key_problem()}"  # pydantic: `None: ...`
            for index, entries in sorted(misread.items()) for entry in entries]
    if keys:
        raise ConfigError(_summarise(keys))
    try:
        model = WaiversFileModel.model_validate(raw)
    except ValidationError as exc:
        found = [f"{label}: {_describe(raw, err['loc'])}: {said}" for err, said in file_errors(WaiversFileModel,
                                                                                             exc.errors())]
        raise ConfigError(_summarise(found)) from None
    systems_of: dict[str, set[str]] = {}
    ids_of: dict[str, set[str]] = {}  # per system, for the id an unknown one was meant as
    checked: set[tuple[str, str]] = set()  # (system, id) with at least one entry that is not manual
    for check in checks:
        systems_of.setdefault(check.id, set()).add(check.system)
        ids_of.setdefault(check.system, set()).add(check.id)
        if not check.manual:
            checked.add((check.system, check.id))
    entries: list[Waiver] = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(model.waivers):
        item = spelled(entry.item)  # as written, every character seen: `S2\u200b` is no item, nor reads as S2
        where = f"{label}: waivers[{index}] ({item})"
        owners = systems_of.get(entry.item, set())
        if entry.system is not None and entry.system not in ids_of:  # the system is the mistake: say that one
            problems.append(f"{where}: unknown system: no checklist is of system {_unknown(entry.system)}"
                            + _meant(entry.system, ids_of.keys()))
            continue
        if entry.system is not None and entry.system not in owners:
            problems.append(f"{where}: unknown item: no item {_unknown(entry.item)} in system {spelled(entry.system)}"
                            + _meant(entry.item, ids_of.get(entry.system) or systems_of.keys()))
            continue
        if not owners:
            problems.append(f"{where}: unknown item: no checklist has an item {_unknown(entry.item)}"
                            + _meant(entry.item, systems_of.keys()))
            continue
        if entry.system is None and len(owners) > 1:
            problems.append(f"{where}: item {item} exists in {', '.join(sorted(owners))}: add system:")
            continue
        system = entry.system or next(iter(owners))
        if (system, entry.item) not in checked:  # never checked, so never failed: the waiver would be read by nothing
            problems.append(f"{where}: {system} {entry.item} is a manual item, never checked: nothing to waive")
            continue
        if (system, entry.item) in seen:
            problems.append(f"{where}: a second waiver for {system} {entry.item}")
            continue
        seen.add((system, entry.item))
        entries.append(Waiver(system, entry.item, entry.reason, entry.approver, entry.ticket,
                              entry.expires.isoformat(), _ends(entry.expires), label))
    if problems:
        raise ConfigError(_summarise(problems))
    return Waivers(path, entries, now, kept[path])


def _unknown(item: str) -> str:
    """An unknown id as shown, and its escapes when it holds a letter beyond ASCII: a Cyrillic Н2 looks like H2."""
    shown_id = spelled(item)
    return shown_id if shown_id.isascii() else f"{shown_id} (spelled {ascii(item)})"


def _meant(item: str, ids) -> str:
    close = near_ids(item, ids)
    return f"; did you mean {' or '.join(map(spelled, close))}?" if close else ""


def _ends(expires: dt.datetime | dt.date) -> dt.datetime:
    try:
        if isinstance(expires, dt.datetime):
            return expires.astimezone(dt.timezone.utc)
        return dt.datetime.combine(expires + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    except OverflowError:  # at the calendar's edge (9999-12-31, year 1 in an eastern zone): the edge itself
        edge = dt.datetime.max if expires.year > 1 else dt.datetime.min
        return edge.replace(tzinfo=dt.timezone.utc)


def _describe(raw: Any, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "waivers" and isinstance(loc[1], int):
        try:
            item = spelled(str(raw["waivers"][loc[1]].get("item", "?")))
        except (KeyError, IndexError, TypeError, AttributeError):
            item = "?"
        rest = _location(tuple("''" if part == "" else part for part in loc[2:]))  # an empty key too is seen
        return f"waivers[{loc[1]}] ({item})" + (f": {rest}" if rest else "")
    return _location(loc) or "(top level)"


def _summarise(problems: list[str]) -> str:
    from .checklist import _summarise as summarise  # one way to say many problems

    return summarise(problems, "waiver")
