"""Small helpers the families share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def split_name(qualified: str, default_schema: str = "public") -> tuple[str, str]:
    schema, _, name = qualified.rpartition(".")
    return (schema or default_schema, name)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
