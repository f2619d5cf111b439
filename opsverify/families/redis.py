"""redis: queue lengths (list, stream, sorted set or set) against their limits, read-only.

```yaml
params:
  endpoint: redis                   # systems.<system>.endpoints.<name>: a redis:// or rediss:// URL
  keys:
    jobs: {max: 100}                # the backlog
    "jobs:dead": {max: 0}           # the dead letter must be empty
```
Each key's type is detected (TYPE) and measured with LLEN, XLEN, ZCARD or SCARD; a missing
key holds nothing and counts as 0 (Redis deletes an emptied list). All keys of an endpoint go
out in one pipeline, within one total deadline of connect_s + statement_ms. A Redis that does not
answer — refused, silent, dripping, not speaking RESP — or refuses the password leaves the keys
unread: the item is an *error*, never a pass.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..errors import GatherError
from ..outcome import Outcome, error, verdict
from ..transports.redis import ReadOnlyRedis, password, shown
from ._common import StrictParams

NAME = "redis"

LENGTH_COMMANDS = {"list": "LLEN", "stream": "XLEN", "zset": "ZCARD", "set": "SCARD"}
_MEASURES = tuple(LENGTH_COMMANDS.values())


class Limit(StrictParams):
    max: int = Field(ge=0)


class Params(StrictParams):
    endpoint: str = "redis"
    keys: dict[str, Limit] = Field(min_length=1)


def needs(params: Params) -> tuple[str, ...]:
    return (f"endpoint:{params.endpoint}",)


def conversation_s(target) -> float:
    """One endpoint's whole conversation: connect, then every reply of its one pipeline."""
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
    return ReadOnlyRedis(url, connect_timeout_s=target.timeouts.connect_s,
                         read_timeout_s=target.timeouts.statement_ms / 1000, deadline_s=conversation_s(target))


def measure(client: ReadOnlyRedis, keys: list[str]) -> dict[str, tuple[str, int | None]]:
    """(type, length) per key from one pipeline: TYPE plus every length command; the
    ones that do not fit the type answer WRONGTYPE and are ignored."""
    commands: list[tuple[str, ...]] = []
    for key in keys:
        commands.append(("TYPE", key))
        commands.extend((measure_command, key) for measure_command in _MEASURES)
    replies = client.pipeline(commands)
    out: dict[str, tuple[str, int | None]] = {}
    step = 1 + len(_MEASURES)
    for index, key in enumerate(keys):
        kind, *lengths = replies[index * step : (index + 1) * step]
        if isinstance(kind, Exception):
            raise GatherError(f"TYPE {key} failed: {kind}")
        if kind == "none":
            counted = [n for n in lengths if isinstance(n, int) and not isinstance(n, bool) and n != 0]
            if counted:  # a missing key has length 0 for every command: the server's answers disagree
                raise GatherError(f"TYPE {key} answered none, yet a length command answered {counted[0]!r}")
            out[key] = ("none", 0)
        elif kind in LENGTH_COMMANDS:
            length = lengths[_MEASURES.index(LENGTH_COMMANDS[kind])]
            if isinstance(length, Exception):
                raise GatherError(f"{LENGTH_COMMANDS[kind]} {key} failed: {length}")
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:  # a server that lies
                raise GatherError(f"{LENGTH_COMMANDS[kind]} {key} answered {length!r}, not a length")
            out[key] = (kind, length)
        else:
            out[key] = (kind, None)
    return out


def gather(target, checks) -> dict[str, Any]:
    by_endpoint: dict[str, list[str]] = {}
    for check in checks:
        by_endpoint.setdefault(check.params.endpoint, []).extend(check.params.keys)
    facts: dict[str, Any] = {}
    for endpoint, keys in by_endpoint.items():
        try:
            with connect(target, endpoint) as client:
                facts[endpoint] = {"server": shown(client.url), "keys": measure(client, list(dict.fromkeys(keys)))}
        except GatherError as exc:
            facts[endpoint] = GatherError(f"Redis at endpoint '{endpoint}': {exc}")
    return facts


def judge(check, facts) -> Outcome:
    p: Params = check.params
    seen = facts[p.endpoint]
    if isinstance(seen, GatherError):
        return error(f"could not read the keys: {seen}")
    wanted, problems, fine, evidence = [], [], [], {"server": seen["server"], "keys": {}}
    for key, limit in p.keys.items():
        kind, length = seen["keys"][key]
        wanted.append(f"{key} empty" if limit.max == 0 else f"{key} holds ≤ {limit.max}")
        if kind == "none":
            evidence["keys"][key] = {"type": "none", "length": 0, "note": "key does not exist; counted as 0"}
            fine.append(f"{key} absent (0)")
            continue
        evidence["keys"][key] = {"type": kind, "length": length}
        if length is None:
            problems.append(f"{key} is a {kind}, not a list, stream, sorted set or set")
        elif length > limit.max:
            problems.append(f"{key} holds {length} ({kind})")
        else:
            fine.append(f"{key} holds {length}")
    return verdict(", ".join(wanted), problems, ", ".join(fine), **evidence)
