"""Small helpers the families share."""

from __future__ import annotations

import re

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

_READ_ONLY_START = re.compile(r"^\s*(select|with|values|table)\b", re.IGNORECASE)


class StrictParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def split_name(qualified: str, default_schema: str = "public") -> tuple[str, str]:
    schema, _, name = qualified.rpartition(".")
    return (schema or default_schema, name)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def read_only_query(value: str) -> str:
    """One read-only statement (SELECT/WITH ...), trailing semicolon dropped; else ValueError."""
    if not _READ_ONLY_START.match(value):
        raise ValueError("must be a read-only query starting with SELECT or WITH")
    if ";" in value.strip().rstrip(";"):
        raise ValueError("must be a single statement")
    return value.strip().rstrip(";")


def _absolute_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("must start with /")
    return value


# the path part of a URL on a service, as checklists write it: "/health", "/api/cron/publish?limit=5"
UrlPath = Annotated[str, AfterValidator(_absolute_path)]


def first_few(names: list[str] | tuple[str, ...], limit: int = 3) -> str:
    """`a, b, c, … (+23)`: a failure that lists many objects stays one readable line; the full list
    belongs in the evidence."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])}, … (+{len(names) - limit})"


def nothing_found(what: str, where: str) -> "Outcome":
    """A check over a set that turned out empty has checked nothing: an *error* naming where it
    looked, never a pass. Items that expect emptiness say `allow_empty: true`."""
    from ..outcome import error

    return error(f"no {what} found in {where}; nothing was checked (set allow_empty: true if none is expected)")
