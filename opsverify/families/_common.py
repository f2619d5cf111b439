"""Small helpers the families share."""

from __future__ import annotations

import functools
import re

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

READ_ONLY_STARTS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})


class StrictParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def __init_subclass__(cls, **kwargs) -> None:
        """A field written `= []` or `= {}` gets a new empty one per item: pydantic would deep-copy the
        default instead, for every field an item leaves out (20 µs an item for the schema family's 21)."""
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("__annotations__", {}):
            default = cls.__dict__.get(name)
            if type(default) in (list, dict) and not default:
                setattr(cls, name, Field(default_factory=type(default)))


def split_name(qualified: str, default_schema: str = "public") -> tuple[str, str]:
    """`schema.table` or `table`, names exactly as the catalog spells them; a part in double quotes, as SQL
    writes it, may hold a dot (`"billing.v2".invoices`, `""` for a quote)."""
    if '"' in qualified:
        parts = _quoted_parts(qualified)
        if parts is not None and 1 <= len(parts) <= 2:
            return (parts[0], parts[1]) if len(parts) == 2 else (default_schema, parts[0])
    schema, _, name = qualified.rpartition(".")
    return (schema or default_schema, name)


def _quoted_parts(text: str) -> list[str] | None:
    """The dot-separated parts of an SQL-style name; None if a quote is left open."""
    parts, current, i, quoted = [], [], 0, False
    while i < len(text):
        char = text[i]
        if quoted and char == '"' and text[i + 1:i + 2] == '"':
            current.append('"')
            i += 1
        elif char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    return None if quoted else [*parts, "".join(current)]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@functools.lru_cache(maxsize=4096)  # a fleet repeats one query per database
def read_only_query(value: str) -> str:
    """One read-only statement (SELECT/WITH ...), trailing semicolon dropped; else ValueError.

    A real SQL tokenizer splits the text, so a `;` inside a string literal, a dollar-quoted body or
    a comment is not mistaken for a second statement. (The database's read-only transaction is what
    actually prevents writes; this rejects what is certainly not a measure, early and clearly.)"""
    import sqlparse

    statements = [s for s in sqlparse.parse(value) if _has_code(s)]
    if len(statements) != 1:
        raise ValueError("must be a single statement" if statements else "must be a query")
    first = statements[0].token_first(skip_cm=True, skip_ws=True)
    if first is None or first.normalized.upper() not in READ_ONLY_STARTS:
        raise ValueError("must be a read-only query starting with SELECT or WITH")
    return value.strip().rstrip(";").rstrip()


def _has_code(statement) -> bool:
    from sqlparse import tokens

    return any(not (t.is_whitespace or t.ttype in tokens.Comment or t.ttype in tokens.Punctuation)
               for t in statement.flatten())


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
