"""redis: queue lengths (list, stream, sorted set or set) against their limits, read-only.

```yaml
params:
  endpoint: redis                   # systems.<system>.endpoints.<name>: a redis:// or rediss:// URL
  keys:
    jobs: {max: 100}                # the backlog
    "jobs:dead": {max: 0}           # the dead letter must be empty
  master_last_io_max_s: 30          # on a replica: the longest its master may have said nothing (default 30)
```
Each key's type is detected (TYPE) and measured with LLEN, XLEN, ZCARD or SCARD; a missing
key holds nothing and counts as 0 (Redis deletes an emptied list), and is reported as absent. A stream's backlog is
not its XLEN (acknowledged entries stay; a capped stream never counts past its cap): one with consumer groups is
judged by its largest group's lag + pending (XINFO GROUPS), named; one without, by XLEN, said
so. What is not yet delivered and still exists is at most XLEN: entries trimmed unread are not judged (a max above a
MAXLEN cap can never be crossed: keep it below). Where a group stands settles what its lag cannot: its
last-delivered-id at the stream's last entry (XREVRANGE … COUNT 1, for its id alone, read with XINFO GROUPS in one
MULTI … EXEC: as of one moment, whatever a busy producer adds meanwhile) leaves nothing waiting, whatever the lag says (Redis
7.0–7.2 keeps one after a trim, redis#13957); before it, at least 1 is (a lag 0 then is not known: ENTRIESREAD set as
told); past it (an id set ahead, a last entry deleted), nothing after it exists but an entry added before it is never
delivered, so only a lag of 0 says nothing is waiting. A last entry unread (XREVRANGE refused — +xrevrange — or
failed, no entry while XLEN counts some, one whose id is 0-0, one too long to read) settles nothing, and Redis's lag
alone cannot be taken (set as told, or kept after a trim): the lag is then not known, said in the verdict. A group
whose backlog is not known exactly (Redis before 7.0 and KeyDB name no lag; lag nil; Redis's estimate; a lag above
XLEN; lag 0 behind the last entry, or any but 0 past it; its stream's last entry unread) passes
"at most" when XLEN + its pending is within the limit, fails when what it holds for certain is over it, and is an
error between. Keys are exact
names, never patterns: as a missing key passes, an empty name or one holding `*`, `?` or `[` (a glob that
names no key) is refused when the checklist loads. All keys of an endpoint go
out in one pipeline; then each stream with consumer groups is read again, its groups and its last entry in one
snapshot (MULTI, XINFO GROUPS, XREVRANGE, EXEC: one round trip more for them all, or one each where their replies
together are too long), all within
one total deadline of connect_s + statement_ms. A Redis that does not
answer — refused, silent, dripping, not speaking RESP — or refuses the password leaves the keys
unread: the item is an *error*, never a pass. So does a key whose answers are nonsense (a TYPE reply
that is no Redis type, a length that is not one, a key TYPE calls none whose length commands do not all
answer 0 — an error reply is never read as 0): its items are errors naming what was said, cut short, and
every other key is judged as usual. Bytes no UTF-8 reads (a group's name is any) are shown escaped, not the whole
pipeline lost. The URL's ACL user needs +type and, for each key, the length command of its type (+llen for a list
…; a stream +xlen, +xinfo|groups and +xrevrange, without which a group's lag is not known, and +multi and +exec,
without which its groups and last entry are read one after the other, said): a NOPERM to the
others is the user's, not the key's, and is not read as disagreement (an absent key needs one length command that
answers 0). A NOPERM that leaves a key unread is an error naming the
permission. INFO replication goes out first in the same pipeline: a replica whose link to its master is not up
answers reads from its last copy (replica-serve-stale-data yes, the default), so its items are errors saying for how
long the link is down. So are those of a replica whose link is up but whose master has said nothing for more than
master_last_io_max_s (a master PINGs its replicas every repl-ping-replica-period, 10 s by default, and a replica
relays its master's PINGs: a replica of a replica whose top master is gone keeps its link up on a frozen copy until
its repl-timeout). A KeyDB replica of several masters (multi-master) has a link per master, each judged so (KeyDB 6.3's
numbered master_1_… fields, 6.0's `Master N:` blocks), and master_global_link_status too. A replica whose links are up
and heard is judged, and its evidence says it is one. Where INFO is refused
(a user without +info) the keys are judged as read, and the evidence says the role could not be asked.
The URL says no more than its evidence shows: a query option (`?db=3`, `?protocol=3`,
`?ssl_cert_reqs=none` …) is refused before anything is sent (a unix:// socket's `?db=` alone is taken, and shown);
the keys' pipeline's replies are read up to 4 MiB, and each stream's snapshot up to 4 MiB of its own: a last entry
comes with its fields (a job's payload), and one too long to read leaves that stream's groups' lag not known, said,
every other stream's and key's judged all the same. A snapshot not answered in Redis's protocol (the deadline spent
before it is sent or answered, the connection lost, bytes that are not RESP2) leaves its stream unread: an error of
its key, as the keys' pipeline's would be, never a verdict on Redis's lag alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

from pydantic import Field, field_validator

from ..display import cut
from ..errors import GatherError
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..transports.redis import ReadOnlyRedis, TooLong, password, shown
from ._common import StrictParams
from .tcp import quoted, unbytes

NAME = "redis"

LENGTH_COMMANDS = {"list": "LLEN", "stream": "XLEN", "zset": "ZCARD", "set": "SCARD"}
_MEASURES = tuple(LENGTH_COMMANDS.values())
CORE_TYPES = frozenset({"string", "list", "set", "zset", "hash", "stream", "none"})
MODULE_TYPE = re.compile(r"[A-Za-z0-9_-]{9}")
ESCAPABLE = "*?[]\\"  # what a backslash makes a key's own character, as Redis's glob reads `\[`: a `[` itself


def exact_key(written: str) -> str | None:
    """The key a name as written is, its escapes undone (`jobs\\[eu\\]` is the key `jobs[eu]`, `a\\\\b` is `a\\b`), read
    left to right as Redis's glob reads a pattern (an escaped backslash escapes nothing after it); None when it holds
    a `*`, `?` or `[` left unescaped: a pattern, which names no key."""
    key, i = [], 0
    while i < len(written):
        if written[i] == "\\" and i + 1 < len(written) and written[i + 1] in ESCAPABLE:
            key.append(written[i + 1])
            i += 2
            continue
        if written[i] in "*?[":
            return None
        key.append(written[i])
        i += 1
    return "".join(key)


class Limit(StrictParams):
    max: int = Field(ge=0)


# Three of a master's PINGs missed: it PINGs its replicas every repl-ping-replica-period (10 s by default), so a healthy
# idle link reads 0 to 10 here; the replica cannot read its master's setting, so one raised there widens it by hand.
MASTER_LAST_IO_MAX_S = 30


class Params(StrictParams):
    endpoint: str = "redis"
    keys: dict[str, Limit] = Field(min_length=1)
    master_last_io_max_s: int = Field(default=MASTER_LAST_IO_MAX_S, gt=0, le=86400)

    @field_validator("keys")
    @classmethod
    def _exact_names(cls, keys: dict[str, Limit]) -> dict[str, Limit]:
        # a key that does not exist counts as 0: a name that can never exist would pass for ever
        exact: dict[str, Limit] = {}
        spelled: dict[str, str] = {}
        for key, limit in keys.items():
            name = exact_key(key)
            if not key or name is None:
                what = "an empty name" if not key else "a pattern"
                raise ValueError(f"key {key!r} is {what}: keys are exact key names (each is read by its name; one"
                                 " that does not exist counts as 0, so this one could never fail); name each key"
                                 + ("; a key whose name holds *, ? or [ itself is written with them escaped, as "
                                    "Redis's patterns write them (jobs\\[eu\\])" if key else ""))
            if name in spelled:  # `jobs]` and `jobs\]` are one key: one of the two limits would go unjudged
                raise ValueError(f"keys {spelled[name]!r} and {key!r} both name the key {name!r}: give it once")
            spelled[name], exact[name] = key, limit
        return exact


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}",)


def conversation_s(target) -> float:
    """One endpoint's whole conversation: connect, then every reply of its pipelines (the keys', then their streams'
    last entries)."""
    return target.timeouts.connect_s + target.timeouts.statement_ms / 1000


def bound(target, checks) -> float:
    """Endpoints are asked one after the other, each within its deadline."""
    endpoints = {check.params.endpoint for check in checks}
    return len(endpoints) * (conversation_s(target) + 0.5)


def connect(target, endpoint: str) -> ReadOnlyRedis:
    url = target.endpoint(endpoint)
    if password(url):  # a URL without one is an address, shown as such
        target.redactor.add(url)
        target.redactor.add(password(url))
    # names in replies are any bytes (XINFO GROUPS's group names): one not UTF-8 is shown escaped, and every reply is
    # judged by what it says (a TYPE of such bytes is no Redis type): strict decoding lost the whole pipeline
    return ReadOnlyRedis(url, connect_timeout_s=target.timeouts.connect_s,
                         read_timeout_s=target.timeouts.statement_ms / 1000, deadline_s=conversation_s(target),
                         decode_errors="backslashreplace")


REPLICATION = ("INFO", "replication")  # asked first, in the keys' pipeline: is this a replica's stale copy?


def read(client: ReadOnlyRedis, keys: list[str]) -> dict[str, Any]:
    """{"replication": what INFO replication says (`replication`), "keys": `measured`, a stream's with its consumer
    groups' backlog (`with_backlogs`)}: from one pipeline, then a snapshot of each stream with consumer groups (its
    groups and its last entry as of one moment: `last_entries`), all within the client's one deadline."""
    lengths = length_commands(keys)
    commands = [REPLICATION, *lengths, *group_commands(keys)]
    started = monotonic()
    replies = client.pipeline(commands, verbatim=True)  # INFO's text: redis-py's reader raises on a reply that is none
    if len(replies) != len(commands):
        raise GatherError(f"{len(replies)} replies to {len(commands)} commands")
    measures = measured(keys, replies[1 : 1 + len(lengths)])
    groups = dict(zip(keys, replies[1 + len(lengths) :], strict=True))
    grouped = [key for key in keys if _has_groups(measures[key], groups[key])]
    snapshots = last_entries(client, grouped, client.deadline_s - (monotonic() - started))
    return {"replication": replication(replies[0]), "keys": with_backlogs(measures, snapshots, groups)}


def _has_groups(measure: Any, groups: Any) -> bool:
    """Whether a key is a stream XINFO GROUPS names consumer groups of: only theirs need its last entry."""
    return not isinstance(measure, GatherError) and measure[0] == "stream" and isinstance(groups, list) and bool(groups)


def group_commands(keys: list[str]) -> list[tuple[str, ...]]:
    """XINFO GROUPS per key, after every key's lengths: a key that is no stream answers an error, passed over."""
    return [("XINFO", "GROUPS", key) for key in keys]


def last_entry_commands(keys: list[str]) -> list[tuple[str, ...]]:
    """XREVRANGE … COUNT 1 per key: the stream's last entry, for its id."""
    return [("XREVRANGE", key, "+", "-", "COUNT", "1") for key in keys]


def snapshot_commands(key: str) -> list[tuple[str, ...]]:
    """MULTI, XLEN, XINFO GROUPS, XREVRANGE … COUNT 1, EXEC: a stream's length, consumer groups and last entry as of
    one moment, Redis running nothing between them (`apart_commands` inside the transaction)."""
    return [("MULTI",), *apart_commands(key), ("EXEC",)]


def apart_commands(key: str) -> list[tuple[str, ...]]:
    """XLEN, XINFO GROUPS, XREVRANGE … COUNT 1: a group's lag is judged against the length read with it (a length read
    a round trip earlier, before a producer's burst, would make a real lag look larger than the stream)."""
    return [("XLEN", key), *group_commands([key]), *last_entry_commands([key])]


def _snapshot_named(key: str) -> str:
    """A stream's snapshot as a message names it: the commands it is."""
    return f"the snapshot of {key} (MULTI, XLEN, XINFO GROUPS, {_last_entry_command(key)}, EXEC)"


@dataclass(frozen=True)
class Snapshot:
    """What the read after the keys' pipeline said of a stream with consumer groups: XINFO GROUPS's reply (None: the
    keys' pipeline's is judged), XREVRANGE … COUNT 1's (its entry's fields dropped) or why it is unread (a
    `LastEntry`), and why the two were not read as one (`apart`, "" when they were)."""

    groups: Any
    last: Any
    apart: str = ""
    length: Any = None  # XLEN read with them (None: the keys' pipeline's is judged)
    discarded: str = ""  # why Redis ran none of the snapshot (EXECABORT, EXEC refused): read apart, time left


def last_entries(client: ReadOnlyRedis, keys: list[str], left_s: float) -> dict[str, Snapshot | GatherError]:
    """A snapshot of each stream with consumer groups (`snapshot_commands`), sent after the keys' pipeline: read
    apart, an entry added between XINFO GROUPS and the last entry put a caught-up group 'before' it (a busy stream: a
    job produced and consumed meanwhile). All go out in one pipeline, read up to the limit together; past it, each
    again in a pipeline of its own, read up to its own limit: the last entry comes with its fields (a job's payload,
    of any size), and one too long leaves that stream's last entry unread alone (`snapshot`). Within what the keys'
    pipeline left of the endpoint's deadline (`left_s`): when none is left, or a snapshot is not answered in Redis's
    protocol (the deadline spent, the connection lost, bytes that are not RESP), its stream is unread, an error of its
    key — as the keys' pipeline's would be — never judged on Redis's lag alone."""
    if not keys:
        return {}
    if left_s <= 0:
        spent = (f"was not sent: the endpoint's deadline ({client.deadline_s:g} s, connect_s + statement_ms) was spent "
                 "on the lengths")
        return {key: GatherError(f"{_snapshot_named(key)} {spent}") for key in keys}
    started = monotonic()
    answered = client.snapshots([snapshot_commands(key) for key in keys], deadline_s=left_s, keep=_without_fields)
    found = {key: snapshot(key, replies) for key, replies in zip(keys, answered, strict=True)}
    discarded = [key for key, seen in found.items() if isinstance(seen, Snapshot) and seen.discarded]
    left = left_s - (monotonic() - started)
    if discarded:  # a user with +multi but not +exec, a read refused as queued: read apart, said
        found.update(read_apart(client, discarded, {key: found[key] for key in discarded}, left))
    return found


def read_apart(client: ReadOnlyRedis, keys: list[str], discarded: dict[str, Snapshot],
               left_s: float) -> dict[str, Snapshot | GatherError]:
    """The streams whose snapshot Redis discarded, read as one pipeline without MULTI (`apart_commands`), within what
    is left of the deadline: their groups judged on it, said. Replies too long to read leave each its discarded
    snapshot (the last entry unread: each group's lag not known); no time left, or no answer in Redis's protocol,
    leave each stream unread, an error of its key."""
    commands = [command for key in keys for command in apart_commands(key)]
    try:
        if left_s <= 0:
            raise GatherError(f"not read again apart: the endpoint's deadline ({client.deadline_s:g} s, connect_s + "
                              "statement_ms) was spent")
        replies = client.pipeline(commands, verbatim=True, deadline_s=left_s)
        if len(replies) != len(commands):
            raise GatherError(f"read again apart, {len(replies)} replies to {len(commands)} commands")
    except TooLong as exc:
        return {key: replace(discarded[key], last=LastEntry(
            unread=f"{_last_entry_command(key)} unread: {discarded[key].discarded}, and read again apart: {exc}"))
            for key in keys}
    except GatherError as exc:
        return {key: GatherError(f"{_snapshot_named(key)}: {discarded[key].discarded}; {unbytes(str(exc))}")
                for key in keys}
    out: dict[str, Snapshot | GatherError] = {}
    for at, key in enumerate(keys):
        length, groups, last = replies[3 * at : 3 * at + 3]
        why = (f"{discarded[key].discarded}: XLEN, XINFO GROUPS and the last entry were read one after the other, not"
               " as one snapshot — an entry added between them can make a caught-up group look behind")
        out[key] = Snapshot(groups, _ids_alone(last), apart=why, length=length)
    return out


def snapshot(key: str, replies: Any) -> Snapshot | GatherError:
    """A stream's `Snapshot` from its replies to `snapshot_commands`, or why they were not read. MULTI refused (an ACL
    user without +multi, a proxy): XINFO GROUPS and XREVRANGE ran one after the other, as sent, and are judged so,
    said. The transaction discarded (EXECABORT: a command refused as it was queued, a NOPERM) or EXEC failed: the
    keys' pipeline's XINFO GROUPS is judged, the last entry unread for what refused it. Replies too long to read (the
    last entry's fields, a job's payload) leave the last entry unread; any other failure to answer (the deadline spent,
    the connection lost, bytes that are not RESP) leaves the stream unread, as the keys' pipeline's would."""
    if isinstance(replies, TooLong):
        return Snapshot(None, LastEntry(unread=f"{_last_entry_command(key)} unread: {unbytes(str(replies))} (the last "
                                               "entry is read with its fields, a job's payload)"))
    if isinstance(replies, GatherError):  # a broken conversation is never a stream judged on Redis's lag alone
        return GatherError(f"{_snapshot_named(key)} was not answered: {unbytes(str(replies))}")
    multi, length, groups, last, done = replies
    if isinstance(multi, Exception):
        return Snapshot(groups, last, apart=_apart(multi), length=length)
    if isinstance(done, list) and len(done) == 3:
        return Snapshot(done[1], done[2], length=done[0])
    queued = next((reply for reply in (length, groups, last) if isinstance(reply, Exception)), None)
    if queued is not None:  # refused as it was queued: the transaction was discarded for it
        return Snapshot(None, last if queued is last else LastEntry(
            unread=f"{_last_entry_command(key)} unread: the snapshot was discarded ({cut(_said(queued))})"),
            discarded=f"the snapshot was discarded ({cut(_said(queued))})")
    if isinstance(done, Exception):
        # EXEC refused as it ran (Redis 7: `EXECABORT … because of: NOPERM …`, the command cut off by `cut`)
        needs = " (the endpoint URL's ACL user needs +multi and +exec)" if "NOPERM" in _said(done) else ""
        return Snapshot(None, LastEntry(unread=f"{_last_entry_command(key)} unread: EXEC answered {cut(_said(done))}"
                                               f"{needs}"),
                        discarded=f"EXEC answered {cut(_said(done))}{needs}")
    return GatherError(f"EXEC answered {_shape(done)}, not the replies of XLEN {key}, XINFO GROUPS {key} and "
                       f"{_last_entry_command(key)}")


def _shape(reply: Any) -> str:
    """What a reply is, never what it holds (an entry's fields are a job's payload): nil, a number, a text of so many
    characters, a list of so many replies."""
    if reply is None or isinstance(reply, (int, float)):
        return _seen(reply)
    if isinstance(reply, list):
        return f"a list of {len(reply)} replies"
    return f"a {type(reply).__name__} of {len(reply) if hasattr(reply, '__len__') else '?'} characters"


def _apart(multi: Exception) -> str:
    """Why a stream's groups and last entry were read one after the other, and what that can do."""
    needs = " (the endpoint URL's ACL user needs +multi and +exec)" if _not_permitted(multi) else ""
    return (f"MULTI refused: {cut(_said(multi))}{needs}: XINFO GROUPS and the last entry were read one after the "
            "other, not as one snapshot — an entry added between the two can make a caught-up group look behind")


def _without_fields(replies: list[Any]) -> list[Any]:
    """A snapshot's replies as soon as read, its last entry's fields (a job's payload) dropped: the id is all that is
    kept, and no more than one stream's payload is ever held."""
    multi, length, groups, last, done = replies
    if isinstance(done, list) and len(done) == 3:
        done = [done[0], done[1], _ids_alone(done[2])]
    return [multi, length, groups, _ids_alone(last), done]


def _ids_alone(reply: Any) -> Any:
    """XREVRANGE's reply, each entry's fields None: what is no list of entries is left as it is, for what it says."""
    if not isinstance(reply, list):
        return reply
    return [entry[:1] + [None] * (len(entry) - 1) if isinstance(entry, list) else entry for entry in reply]


def _last_entry_command(key: str) -> str:
    return " ".join(last_entry_commands([key])[0])


def with_backlogs(measures: dict[str, Any], snapshots: dict[str, Any], groups: dict[str, Any]) -> dict[str, Any]:
    """`measures`, a stream's as ("stream", XLEN, each consumer group's `Backlog`: none when it has no group, its
    `LastEntry`). `snapshots`: the streams with groups' `Snapshot`s (their groups judged from it, as of their last
    entry), or what made one nonsense; `groups`: every key's reply to XINFO GROUPS in the keys' pipeline."""
    out: dict[str, Any] = {}
    for key, measure in measures.items():
        if isinstance(measure, GatherError) or measure[0] != "stream":
            out[key] = measure
            continue
        try:
            said, last = groups[key], LastEntry(unread="not asked: no consumer group")
            if isinstance(seen := snapshots.get(key), GatherError):
                raise seen
            length = measure[1]
            if seen is not None:
                said = said if seen.groups is None else seen.groups
                # the length read with the groups, where it was: a producer's burst since the keys' pipeline would
                # make their lag look larger than the stream, and not known
                if isinstance(seen.length, int) and not isinstance(seen.length, bool) and seen.length >= 0:
                    length = seen.length
                last = replace(last_entry(key, seen.last, length), apart=seen.apart)
            out[key] = ("stream", length, backlogs(key, length, said, last), last)
        except GatherError as exc:
            out[key] = exc
    return out


StreamId = tuple[int, int]
STREAM_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")


def stream_id(said: Any) -> StreamId | None:
    """A stream entry's id as Redis orders them, (milliseconds, sequence) — as text `1000-0` sorts before `999-5`."""
    found = STREAM_ID.fullmatch(said) if isinstance(said, str) else None
    return (int(found[1]), int(found[2])) if found else None


@dataclass(frozen=True)
class LastEntry:
    """What XREVRANGE … COUNT 1 said of the stream's last entry: its id (`said`, None when the stream holds none), or
    why it was not read (`unread`): where a group stands is then not known, nor its lag (`_unplaced`)."""

    said: str | None = None
    unread: str = ""
    apart: str = ""  # why it was read after XINFO GROUPS, not with it as one snapshot ("" when it was)

    @property
    def id(self) -> StreamId | None:
        return stream_id(self.said)


def last_entry(key: str, reply: Any, xlen: int) -> LastEntry:
    """The stream's last entry's id; its fields (a job's payload) are never kept. An error (a user without +xrevrange)
    leaves it unread, said, as does a pipeline that failed (a `LastEntry` already), no entry while XLEN counted some,
    and an entry whose id is 0-0 (XADD refuses it): what settles nothing is never taken for an empty stream. A reply
    that is no entry is nonsense, and an error of the key."""
    if isinstance(reply, LastEntry):
        return reply
    command = _last_entry_command(key)
    if _not_permitted(reply):
        return LastEntry(unread=f"{command} refused: {cut(_said(reply))}; the endpoint URL's ACL user needs +xrevrange "
                                "to tell a group that read to the stream's end from Redis's lag")
    if isinstance(reply, Exception):
        return LastEntry(unread=f"{command} failed: {cut(_said(reply))}")
    if reply == [] and xlen:  # asked after XLEN: its entries deleted or trimmed since, or a server that disagrees
        return LastEntry(unread=f"{command} answered no entry, yet XLEN {xlen} counted entries (deleted or trimmed "
                                "since, or the server's answers disagree)")
    if reply == []:  # no entry: an empty stream
        return LastEntry()
    entry = reply[0] if isinstance(reply, list) and len(reply) == 1 else None
    if not (isinstance(entry, list) and len(entry) == 2 and stream_id(entry[0])):
        raise GatherError(f"{command} answered {_entry_seen(reply)}, not the stream's last entry")
    if stream_id(entry[0]) == (0, 0):  # XADD refuses 0-0: every group would stand at or past it, whatever is waiting
        return LastEntry(unread=f"{command} answered an entry whose id is 0-0, an id Redis gives no entry")
    return LastEntry(entry[0])


def _entry_seen(reply: Any) -> str:
    """A reply to XREVRANGE as a message names it: an entry's fields (a job's payload) never shown."""
    if not isinstance(reply, list):
        return _seen(reply)
    if len(reply) != 1:
        return f"{len(reply)} entries"
    entry = reply[0]
    if isinstance(entry, list):
        return f"an entry whose id is {_seen(entry[0])}" if entry else "an empty entry"
    return f"an entry {_seen(entry)}"


@dataclass(frozen=True)
class Backlog:
    """A consumer group's backlog: lag (entries not yet delivered to it) plus pending (delivered, not acknowledged),
    within what the stream holds: the entries not yet delivered that still exist are at most its XLEN. A lag not
    known (None), only estimated, or beyond XLEN is said why (`unknown`): the backlog is then between `least` and
    `most`."""

    group: str
    lag: int | None
    pending: int
    xlen: int
    unknown: str = ""
    behind: bool = False  # an entry after its last-delivered-id: at least 1 not yet delivered, whatever lag says
    set_aside: str = ""  # Redis's lag not taken, and why: nothing after its last-delivered-id (lag is then 0)
    last_delivered: str | None = None
    # the stream's last entry unread: its lag is not counted even within XLEN, where Redis 7.0–7.2's miscount after a
    # trim (redis#13957) cannot be told from a real one
    unplaced: bool = False

    @property
    def counted(self) -> int:
        """What is not yet delivered for certain: its lag when that is within the stream's length (a lag beyond it may
        be Redis's miscount, redis#13957), at least 1 when an entry is after its last-delivered-id."""
        return max(_lag_counted(self), int(self.behind))

    @property
    def least(self) -> int:
        """What the group holds for certain: its pending, and what is not yet delivered for certain."""
        return self.pending + self.counted

    @property
    def most(self) -> int:
        """The most it can hold: its lag not known, every entry of the stream may be waiting for it."""
        return self.pending + (self.xlen if self.unknown else self.lag or 0)


def backlogs(key: str, xlen: int, reply: Any, last: LastEntry) -> tuple[Backlog, ...]:
    """Each of the stream's consumer groups' backlog, from XINFO GROUPS; none when it has no group (XLEN is then all
    there is)."""
    unjudged = (f"a stream with consumer groups is judged by their backlog, and XLEN {xlen} alone does not tell "
                "whether it has any")
    if _not_permitted(reply):
        raise GatherError(f"XINFO GROUPS {key} refused: {cut(_said(reply))}; the endpoint URL's ACL user needs "
                          f"+xinfo|groups and access to this key: {unjudged}")
    if isinstance(reply, Exception):
        raise GatherError(f"XINFO GROUPS {key} failed: {cut(_said(reply))}; {unjudged}")
    if not isinstance(reply, list):
        raise GatherError(f"XINFO GROUPS {key} answered {_seen(reply)}, not a list of consumer groups")
    return tuple(_unplaced(_group(key, xlen, said, last), last) for said in reply)


def _unplaced(group: Backlog, last: LastEntry) -> Backlog:
    """`group`, its lag not known when the stream's last entry is unread: where the group stands is then not known,
    and Redis's lag alone settles nothing — a lag 0 set as told (ENTRIESREAD) hides entries waiting, and Redis 7.0–7.2
    keeps a lag after a trim (redis#13957) — so its backlog is between its pending and XLEN + pending, said why."""
    if not last.unread:
        return group
    why = f"last entry unread: {last.unread}"
    return replace(group, unknown=f"{group.unknown}; {why}" if group.unknown else why, unplaced=True)


def _group(key: str, xlen: int, said: Any, last: LastEntry) -> Backlog:
    """One group of XINFO GROUPS's reply (name, consumers, pending, last-delivered-id …, lag from Redis 7.0). Its
    last-delivered-id against the stream's last entry settles what the lag cannot: at it, nothing is waiting; before
    it, at least 1 is; past it, nothing after it exists, but an entry added before it is never delivered to the group,
    so only a lag of 0 says nothing is waiting."""
    if not (isinstance(said, list) and len(said) % 2 == 0 and all(isinstance(name, str) for name in said[::2])):
        raise GatherError(f"XINFO GROUPS {key} answered a group {_seen(said)}, not its fields")
    fields = dict(zip(said[::2], said[1::2]))
    name, pending = fields.get("name"), fields.get("pending")
    if not isinstance(name, str) or not _is_length(pending):
        raise GatherError(f"XINFO GROUPS {key} answered a group without a name and a pending count: {_seen(said)}")
    lag = fields.get("lag")
    if lag is not None and not _is_length(lag):
        raise GatherError(f"XINFO GROUPS {key} answered lag {_seen(lag)} for group {quoted(name)}, not a count")
    delivered = fields.get("last-delivered-id")
    if delivered is not None and stream_id(delivered) is None:
        raise GatherError(f"XINFO GROUPS {key} answered last-delivered-id {_seen(delivered)} for group {quoted(name)}, "
                          "not a stream entry's id")
    position = _position(delivered, last)
    if position is not None and (position.where == AT or position.where == PAST and lag == 0):
        # nothing after its last-delivered-id, and nothing said to be before it: what lag says is not waiting
        return Backlog(name, 0, pending, xlen, set_aside=_set_aside(fields, position.said), last_delivered=delivered)
    behind = position is not None and position.where == BEFORE
    found = Backlog(name, lag, pending, xlen, behind=behind, last_delivered=delivered)
    if "lag" not in fields:  # Redis 6, KeyDB
        return _unknown(found, "no lag named (Redis before 7.0 does not give it)", position)
    if lag is None:  # Redis counts it only from where the group's entries-read is known: not after an XDEL, nor
        # for a group created or set at an entry in the middle of the stream until it reads up to the last entry
        return _unknown(found, "lag nil: Redis cannot count what is not yet delivered to it, after an XDEL or for a "
                               "group set at an entry mid-stream until it reads to the end", position)
    if lag == 0 and behind:  # Redis trusts the entries-read it was told (XGROUP CREATE … ENTRIESREAD 50)
        later = " (or the entry came after XINFO GROUPS answered)" if last.apart else ""
        return _unknown(found, f"lag 0, yet {position.said}: Redis counts the lag from the group's entries-read, "
                               f"which XGROUP CREATE or SETID … ENTRIESREAD sets as told{later}")
    if lag > xlen:  # no more than the stream holds can be waiting: a stuck group's trimmed entries, or a miscount
        # Redis 7.0–7.2 keeps for ever once a trim passed a group that then read everything (redis#13957)
        return _unknown(found, f"lag {lag} exceeds the stream's length {xlen}: entries trimmed before this group read "
                               "them, or Redis 7.0–7.2's count after a trim (redis#13957)", position)
    if lag and fields.get("entries-read", 0) is None:  # estimated from the stream's length
        return _unknown(found, f"lag {lag} is Redis's estimate, its entries-read nil: entries trimmed (MAXLEN, MINID) "
                               "before the group read them are not counted", position)
    if position is not None and position.where == PAST:  # entries added before it, or Redis 7.0–7.2's miscount
        return _unknown(found, f"lag {lag}, yet {position.said}")
    return found


def _set_aside(fields: dict[str, Any], position: str) -> str:
    """Why a group with nothing after its last-delivered-id is not judged by what XINFO GROUPS said of its lag; "" when
    that said 0."""
    if "lag" not in fields:  # Redis 6, KeyDB
        return f"no lag named; {position}, so nothing is waiting"
    lag = fields["lag"]
    if lag is None:
        return f"lag nil; {position}, so nothing is waiting"
    if lag == 0:
        return ""
    why = ("Redis's estimate, its entries-read nil" if fields.get("entries-read", 0) is None
           else "Redis 7.0–7.2 keeps a lag after a trim, redis#13957")
    return f"lag {lag} set aside: {position}, so nothing is waiting ({why})"


BEFORE, AT, PAST = "before", "at", "past"


@dataclass(frozen=True)
class Position:
    """Where a group's last-delivered-id stands against the stream's last entry (BEFORE, AT it or the stream holding
    none, PAST it), `said` in words."""

    where: str
    said: str


def _position(delivered: str | None, last: LastEntry) -> Position | None:
    """Where the group stands, or None when not known: the stream's last entry unread, or no last-delivered-id named.
    Past the last entry is no place a group reaches by reading: its id was set ahead (XGROUP SETID, a millisecond id
    mistyped), or the last entry was deleted (XDEL) after it was read."""
    if last.unread or delivered is None:
        return None
    if last.said is None:
        return Position(AT, f"the stream holds no entry past last-delivered-id {delivered}")
    if stream_id(delivered) < last.id:
        return Position(BEFORE, f"last-delivered-id {delivered} is before the stream's last entry {last.said}")
    if stream_id(delivered) == last.id:
        return Position(AT, f"last-delivered-id {delivered} is the stream's last entry")
    return Position(PAST, f"last-delivered-id {delivered} is past the stream's last entry {last.said}: an entry before "
                          "it is never delivered to the group")


def _unknown(found: Backlog, why: str, position: Position | None = None) -> Backlog:
    """`found`, its lag not known for `why`; its position said when past the last entry, or when that alone makes 1
    not yet delivered certain."""
    if position is not None and position.where == PAST:
        why = f"{why}; {position.said}"
    elif position is not None and position.where == BEFORE and not _lag_counted(found):
        why = f"{why}; {position.said}: at least 1 not yet delivered"
    return replace(found, unknown=why)


def _lag_counted(group: Backlog) -> int:
    """The group's lag, when it is within the stream's length and the group's place in it is known: beyond it, or
    with the last entry unread, it may be Redis's miscount (redis#13957)."""
    return group.lag if group.lag is not None and group.lag <= group.xlen and not group.unplaced else 0


def length_commands(keys: list[str]) -> list[tuple[str, ...]]:
    """TYPE plus every length command, per key: the ones that do not fit the type answer WRONGTYPE."""
    commands: list[tuple[str, ...]] = []
    for key in keys:
        commands.append(("TYPE", key))
        commands.extend((measure_command, key) for measure_command in _MEASURES)
    return commands


def measured(keys: list[str], replies: list[Any]) -> dict[str, tuple[str, int | None] | GatherError]:
    """(type, length) per key from its replies to `length_commands`. A key whose answers are nonsense gets a
    GatherError of its own: the other keys' answers still count."""
    out: dict[str, tuple[str, int | None] | GatherError] = {}
    step = 1 + len(_MEASURES)
    for index, key in enumerate(keys):
        try:
            out[key] = _measured(key, *replies[index * step : (index + 1) * step])
        except GatherError as exc:
            out[key] = exc
    return out


def replication(reply: Any) -> dict[str, Any]:
    """INFO replication's fields (role, master_host, master_link_status …), each master's link apart in `masters`
    (`links`), or {"unknown": why} when it was refused (an ACL user without +info, INFO renamed away) or is not its
    text: the role is then not known, and said."""
    if isinstance(reply, Exception):
        said = cut(_said(reply))
        needs = " (the endpoint URL's ACL user needs +info to tell a replica's stale copy from its master's data)"
        return {"unknown": f"could not be asked: {said}{needs if _not_permitted(reply) else ''}"}
    if not isinstance(reply, str):
        return {"unknown": f"could not be read: INFO replication answered {_seen(reply)}, not its text"}
    lines = [line for line in reply.splitlines() if ":" in line and not line.startswith("#")]
    fields: dict[str, Any] = dict(line.split(":", 1) for line in lines if not _BLOCK.fullmatch(line.strip()))
    if "role" not in fields:
        return {"unknown": "could not be read: INFO replication named no role"}
    fields["masters"] = links(lines)
    return fields


# what INFO says of each master's link. A KeyDB replica of several masters (multi-master yes) says them all: 6.3 the
# first master's unprefixed, the next ones numbered (master_1_link_status …); 6.0 a `Master N: ` line before each
# master's block, its fields unprefixed, each block's names the same as the others'
LINK_FIELDS = ("host", "port", "link_status", "last_io_seconds_ago", "link_down_since_seconds")
_NUMBERED = re.compile(rf"master_(\d{{1,4}})_({'|'.join(LINK_FIELDS)})")
_BLOCK = re.compile(r"Master (\d{1,4}):")


def links(lines: list[str]) -> list[dict[str, str]]:
    """Each master's link fields, in the master's order, by their unprefixed names (master_link_status …): a field
    numbered (master_1_…) is that master's, an unprefixed one the master of the block it is in (the first, outside
    any)."""
    by_master: dict[int, dict[str, str]] = {}
    block = 0
    for line in lines:
        if header := _BLOCK.fullmatch(line.strip()):
            block = int(header[1])
            continue
        name, _, value = line.partition(":")
        if numbered := _NUMBERED.fullmatch(name):
            index, field = int(numbered[1]), numbered[2]
        elif name.startswith("master_") and name[len("master_"):] in LINK_FIELDS:
            index, field = block, name[len("master_"):]
        else:
            continue
        by_master.setdefault(index, {})[f"master_{field}"] = value
    return [by_master[index] for index in sorted(by_master)]


def _measured(key: str, kind: Any, *lengths: Any) -> tuple[str, int | None]:
    if isinstance(kind, Exception):
        raise GatherError(_refused(kind, "TYPE", key) if _not_permitted(kind) else f"TYPE {key} failed: {cut(_said(kind))}")
    if not is_type(kind):
        raise GatherError(f"TYPE {key} answered {_seen(kind)}, not a Redis type")
    if kind == "none":
        _absent(key, lengths)
        return ("none", 0)
    if kind not in LENGTH_COMMANDS:
        return (kind, None)
    command = LENGTH_COMMANDS[kind]
    length = lengths[_MEASURES.index(command)]
    if _not_permitted(length):
        raise GatherError(_refused(length, command, key))
    if isinstance(length, Exception):
        raise GatherError(f"{command} {key} failed: {cut(_said(length))}")
    if not _is_length(length):  # a server that lies
        raise GatherError(f"{LENGTH_COMMANDS[kind]} {key} answered {_seen(length)}, not a length")
    return (kind, length)


def _absent(key: str, lengths: tuple[Any, ...]) -> None:
    """A missing key has length 0 for every length command: any other answer (an error, a count, nil) means the
    server's answers disagree, and a length never read is never taken for 0. A NOPERM is the ACL user's, not the key's:
    it says nothing either way (a least-privilege user has +llen, not +xlen), but one length must confirm TYPE."""
    permitted = [(command, length) for command, length in zip(_MEASURES, lengths, strict=True)
                 if not _not_permitted(length)]
    if not permitted:
        raise GatherError(f"TYPE {key} answered none, and no length command confirmed it: each was refused "
                          f"({cut(_said(lengths[0]))}); the endpoint URL's ACL user needs +llen (or +xlen, +zcard, "
                          "+scard)")
    for command, length in permitted:
        if isinstance(length, Exception):
            raise GatherError(f"TYPE {key} answered none, yet {command} {key} answered an error: {cut(_said(length))}")
        if not _is_length(length):
            raise GatherError(f"TYPE {key} answered none, yet {command} {key} answered {_seen(length)}, not a length")
        if length != 0:
            raise GatherError(f"TYPE {key} answered none, yet {command} {key} answered {length}, not 0")


def _not_permitted(reply: Any) -> bool:
    """A NOPERM error reply: the URL's ACL user may not run this command, or not on this key."""
    return isinstance(reply, Exception) and _said(reply).startswith("NOPERM")


def _refused(reply: Exception, command: str, key: str) -> str:
    return (f"{command} {key} refused: {cut(_said(reply))}; the endpoint URL's ACL user needs +{command.lower()} and "
            "access to this key")


MAX_LENGTH = 2**63 - 1  # Redis counts in a signed 64-bit integer: a larger "length" is no length Redis can send


def _is_length(reply: Any) -> bool:
    return isinstance(reply, int) and not isinstance(reply, bool) and 0 <= reply <= MAX_LENGTH


def _said(exc: Exception) -> str:
    """An error reply as the server sent it: redis-py keeps a code it knows (`ERR`, `MOVED`) apart, in status_code; one
    it does not (`WRONGTYPE`) stays in the message, and from redis-py 8.2 is in status_code as well."""
    code = getattr(exc, "status_code", None)
    if not code or code not in load("redis._parsers").BaseParser.EXCEPTION_CLASSES:
        return str(exc)
    return f"{code} {exc}"


def is_type(kind: Any) -> bool:
    """What TYPE can answer: a core type, or a module's type name (Redis makes those exactly 9
    characters of A-Z, a-z, 0-9, `-` and `_`: ReJSON-RL, MBbloom--)."""
    return isinstance(kind, str) and (kind in CORE_TYPES or MODULE_TYPE.fullmatch(kind) is not None)


def _seen(reply: Any) -> str:
    """A reply as a message names it: nil, or quoted and cut, with its RESP kind when not a string."""
    if reply is None:
        return "nil"
    return quoted(reply) if isinstance(reply, str) else f"{quoted(reply)} ({type(reply).__name__})"


def gather(target, checks) -> dict[str, Any]:
    by_endpoint: dict[str, list[str]] = {}
    for check in checks:
        by_endpoint.setdefault(check.params.endpoint, []).extend(check.params.keys)
    facts: dict[str, Any] = {}
    for endpoint, keys in by_endpoint.items():
        server = ""
        try:
            with connect(target, endpoint) as client:
                server = shown(client.url)
                facts[endpoint] = {"server": server, **read(client, list(dict.fromkeys(keys)))}
        except GatherError as exc:
            facts[endpoint] = Unread(f"Redis at endpoint '{endpoint}': {unbytes(str(exc))}", server)
    return facts


class Unread(GatherError):
    """An endpoint's keys left unread, with the server asked ("" when its URL was refused before asking)."""

    def __init__(self, message: str, server: str = "") -> None:
        super().__init__(message)
        self.server = server


def judge(check, facts) -> Outcome:
    p: Params = check.params
    seen = facts[p.endpoint]
    if isinstance(seen, GatherError):  # the server asked (its URL without the password), when there was one
        server = getattr(seen, "server", "")
        return error(f"could not read the keys: {seen}", **({"server": server} if server else {}))
    replicated = seen.get("replication", {})  # facts as `gather` keys them always hold it
    if stale := _stale_copy(replicated, p.master_last_io_max_s):  # its master's keys as they were when last heard
        return error(f"Redis at endpoint '{p.endpoint}' is {stale}: the keys it holds are a stale copy, not judged — "
                     "point the endpoint at the master, or mend the replica's link",
                     server=seen["server"], role=_role(replicated))
    wanted, problems, fine, evidence = [], [], [], {"server": seen["server"], "keys": {}}
    if replicated:
        evidence["role"] = _role(replicated)
    unreadable = []
    for key, limit in p.keys.items():
        wanted.append(f"{key} empty" if limit.max == 0 else f"{key} holds ≤ {limit.max}")
        measured = seen["keys"][key]
        if isinstance(measured, GatherError):
            unreadable.append(str(measured))
            evidence["keys"][key] = {"unreadable": str(measured)}
            continue
        kind, length, *stream = measured
        if kind == "none":
            evidence["keys"][key] = {"type": "none", "length": 0, "note": "key does not exist; counted as 0"}
            fine.append(f"{key} absent (0)")
            continue
        evidence["keys"][key] = {"type": kind, "length": length}
        if stream:  # a stream: its consumer groups' backlog, or XLEN when it has none
            if unknown := _judge_stream(key, limit.max, *stream, evidence["keys"][key], problems, fine):
                unreadable.append(unknown)
        elif length is None:
            problems.append(f"{key} is a {kind}, not a list, stream, sorted set or set")
        elif length > limit.max:
            problems.append(f"{key} holds {length} ({kind})")
        else:
            fine.append(f"{key} holds {length}")
    if unreadable and not problems:  # a key not measured is not a pass, whatever the others hold
        return error(f"could not read the keys: Redis at endpoint '{p.endpoint}': {'; '.join(unreadable)}", **evidence)
    if problems:  # a key over its limit fails the item even when another could not be read: that one said beside it
        undecided = [f"could not read: {why}" for why in unreadable]
        return failed(", ".join(wanted), "; ".join(problems), undecided=undecided, **evidence)
    return passed(", ".join(wanted), ", ".join(fine), **evidence)


STREAM_BACKLOG = ("the largest consumer group's backlog (lag + pending, XINFO GROUPS), not XLEN: acknowledged entries "
                  "stay in a stream")


def _judge_stream(key: str, limit: int, groups: tuple[Backlog, ...], last: LastEntry, seen: dict[str, Any],
                  problems: list[str], fine: list[str]) -> str | None:
    """A stream against its limit: its largest group's backlog, named; XLEN, said so, when it has no group. A group
    whose backlog is not known exactly fails when the least it holds is over the limit and passes, "at most", when the
    most it can hold is within it; between the two it leaves the key unread: what says why is returned."""
    if not groups:
        seen["measure"] = "XLEN: the stream has no consumer group"
        if seen["length"] > limit:
            problems.append(f"{key} holds {seen['length']} (stream)")
        else:
            fine.append(f"{key} holds {seen['length']}")
        return None
    over = max(groups, key=lambda group: (group.least, not group.unknown))
    if over.least > limit:
        _said_backlog(seen, over, len(groups), last)
        least = "at least " if over.unknown else ""
        lag = f"lag not known: {over.unknown}" if over.unknown else f"{over.lag} not yet delivered"
        problems.append(f"{key} backlog {least}{over.least} in group {quoted(over.group)} ({lag} + {over.pending} "
                        "pending; stream)")
        return None
    largest = max(groups, key=lambda group: (group.most, bool(group.unknown)))
    _said_backlog(seen, largest, len(groups), last)
    name = quoted(largest.group)
    if largest.most > limit:  # not known: over the limit at most, within it at least
        counted = (f"lag {largest.lag} + " if _lag_counted(largest) else "1 not yet delivered + " if largest.behind
                   else "")
        why = (f"XINFO GROUPS {key}: the backlog of group {name} is not known ({largest.unknown}): between "
               f"{largest.least} ({counted}{largest.pending} pending) and {largest.most} (XLEN {largest.xlen} + "
               f"{largest.pending} pending), against a limit of {limit}")
        seen["unreadable"] = why
        return why
    if largest.unknown:
        fine.append(f"{key} backlog at most {largest.most} (group {name}: XLEN {largest.xlen} + {largest.pending} "
                    f"pending; {largest.unknown})")
    else:
        aside = f": {largest.set_aside}" if largest.set_aside else ""
        fine.append(f"{key} backlog {largest.most} (group {name}{aside})")
    return None


def _said_backlog(seen: dict[str, Any], group: Backlog, groups: int, last: LastEntry) -> None:
    """The evidence of the group judged: its backlog, or when that is not known exactly, the least and the most it
    can be and why; where it stands in the stream (its last-delivered-id, the stream's last entry), or why that is
    not known."""
    if group.unknown:
        seen.update(backlog_at_least=group.least, backlog_at_most=group.most, lag_not_known=group.unknown)
    else:
        seen["backlog"] = group.most
    seen.update(group=group.group, lag=group.lag, pending=group.pending, groups=groups, measure=STREAM_BACKLOG)
    if group.set_aside:
        seen["lag_set_aside"] = group.set_aside
    if group.last_delivered is not None:
        seen["last_delivered_id"] = group.last_delivered
    if last.unread:
        seen["last_entry_unread"] = last.unread
    else:
        seen["last_entry_id"] = last.said  # None: the stream holds no entry
    if last.apart:
        seen["last_entry_apart"] = last.apart


# the roles INFO names a server that serves a copy of another's keys: Redis's (and Valkey's) replica; KeyDB's active
# replica (`active-replica yes`), which takes writes too but lacks its peer's while their link is down
ACTIVE_REPLICA = "active-replica"
REPLICA_ROLES = ("slave", ACTIVE_REPLICA)


def _stale_copy(fields: dict[str, Any], last_io_max_s: int) -> str | None:
    """What a replica is when a link to one of its masters is not up (Redis serves reads from its last copy then, by
    default: replica-serve-stale-data yes), with for how long, or is up but silent; None for any other server. A KeyDB
    replica of several masters lacks each one's writes while that link is down: every link is judged, and KeyDB's
    own sum of them, master_global_link_status."""
    if not _a_copy(fields):
        return None
    views = _views(fields)
    found = [problem for view in views if (problem := _link_problem(view, last_io_max_s))]
    if found:
        more = f", and {len(found) - 3} more masters' links" if len(found) > 3 else ""
        return f"{_a_replica(fields)} {', and '.join(found[:3])}{more}"
    overall = fields.get("master_global_link_status")
    if overall is not None and overall != "up":
        return (f"{_a_replica(fields)} whose links to its masters are {cut(overall, 40)} by master_global_link_status "
                f"(each link read says up: one not read here is {cut(overall, 40)})")
    return None


def _views(fields: dict[str, Any]) -> list[dict[str, str]]:
    """One view per master, in the fields `_link_problem` reads (role, master_host, master_link_status …), each
    naming which master it is when there are several, counted from 1 for people (6.0's `Master 0:` is master 1);
    one of nothing said when no master's link is. Fields not split by master (INFO read by another hand than
    `replication`) are the one master's."""
    masters = fields["masters"] if "masters" in fields else [
        {name: value for name, value in fields.items() if name.startswith("master_")}]
    masters = masters or [{}]
    which = (lambda index: f" (master {index} of {len(masters)})") if len(masters) > 1 else (lambda index: "")
    return [{"role": fields["role"], **link, "which": which(index)} for index, link in enumerate(masters, start=1)]


def _link_problem(view: dict[str, str], last_io_max_s: int) -> str | None:
    """Why one master's link leaves a stale copy ("whose link to its master … is down (…)"); None when it is up and
    heard."""
    status = view.get("master_link_status")
    if status == "up":
        return _silent(view, last_io_max_s)
    if status is None:
        state, why = "not said", "not up: no master_link_status"
    elif status != "down":
        state = cut(status, 40)
        why = f"not up: master_link_status {state}"
    else:
        state, why = "down", _down_for(view)
    return f"whose link to its master {_master(view)}{view['which']} is {state} ({why})"


def _a_copy(fields: dict[str, Any]) -> bool:
    """Whether INFO says the server serves a copy of another's keys: a replica's, or a KeyDB active replica's."""
    return fields.get("role") in REPLICA_ROLES


def _a_replica(fields: dict[str, Any]) -> str:
    return "an active replica (KeyDB)" if fields.get("role") == ACTIVE_REPLICA else "a replica"


def _silent(view: dict[str, str], last_io_max_s: int) -> str | None:
    """What a link that is up is when its master has said nothing for longer than last_io_max_s; None while it is
    heard. The link stays up until the replica's repl-timeout (60 s by default): a master gone silent without
    closing the connection, or a replica's master whose own master is gone (it relays that one's stream and PINGs,
    and sends none of its own), leave it up on a frozen copy."""
    link = f"whose link to its master {_master(view)}{view['which']} is up"
    last_io = view.get("master_last_io_seconds_ago", "").strip()
    if not (last_io.isascii() and last_io.isdigit()):
        said = f"master_last_io_seconds_ago {quoted(last_io)}" if last_io else "no master_last_io_seconds_ago"
        return f"{link}, its master's last word not said ({said})"
    seconds = last_io.lstrip("0") or "0"
    if len(seconds) <= 18 and int(seconds) <= last_io_max_s:  # a lying server's 5,000 digits are no int() to Python
        return None
    return (f"{link} but silent: no word from it for {cut(seconds, 40)} s (master_last_io_seconds_ago, over "
            f"{last_io_max_s} s: "
            "a master PINGs its replicas every repl-ping-replica-period, 10 s by default, and a replica relays its own "
            "master's PINGs, so its master or one above it is gone or stuck; raised there? widen master_last_io_max_s)")


# more seconds than any link is down for: Redis before 7.0 (redis#7840) and KeyDB say master_link_down_since_seconds
# of a link never up as the unix time itself (now less 0), decades of it
NEVER_UP_S = 10 * 365 * 86400


def _down_for(fields: dict[str, str]) -> str:
    """For how long the link is down, as the replica counts it: -1 when it was never up since it was made one (Redis
    before 7.0 and KeyDB: the unix time)."""
    for field in ("master_link_down_since_seconds", "master_last_io_seconds_ago"):
        seconds = fields.get(field, "").strip()
        if not (seconds.isascii() and seconds.isdigit()):
            continue
        if field == "master_link_down_since_seconds" and len(seconds) <= 10 and int(seconds) > NEVER_UP_S:
            return (f"never up: {field} {seconds} is a unix time, not a duration (Redis before 7.0 and KeyDB count a "
                    "link never up from 1970)")
        return f"for {cut(seconds, 40)} s: {field}"
    if fields.get("master_link_down_since_seconds", "").strip() == "-1":
        return "never up: master_link_down_since_seconds -1"
    return "master_link_status down"


def _master(fields: dict[str, str]) -> str:
    host, port = cut(fields.get("master_host", "?"), 100), cut(fields.get("master_port", "?"), 10)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _role(fields: dict[str, Any]) -> str:
    """The server's role as evidence says it, each master's link named; or why it is not known."""
    if "unknown" in fields:
        return fields["unknown"]
    if not _a_copy(fields):
        return cut(fields["role"], 40)  # master, or what a Redis-like server calls itself
    kind = "active replica (KeyDB)" if fields["role"] == ACTIVE_REPLICA else "replica"
    said = [f"{_master(view)}, its link {_link_said(view)}" for view in _views(fields)]
    if len(said) == 1:
        return f"{kind} of {said[0]}"
    return cut(f"{kind} of {len(said)} masters: {'; '.join(said)}", 400)


def _link_said(view: dict[str, str]) -> str:
    link = view.get("master_link_status")
    return link if link in ("up", "down") else "not up"
