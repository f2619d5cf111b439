"""JSON that people read (an archive's results, manifest and evidence) and that is fast to write."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .display import FORMAT_CHARACTERS

# one encoder for every value: json.dumps with options builds a new one per call
_encode = json.JSONEncoder(default=str, ensure_ascii=False, allow_nan=False).encode

# What a terminal or a page acts on rather than shows (C1 controls, bidi overrides, line separators), and what
# shows as nothing (Unicode's format characters: a zero-width space, a soft hyphen, a byte order mark...): a
# target's text holding one is written as its JSON escape, so `cat results.json` shows what was sent. They
# occur only inside strings (JSON's own syntax is ASCII), where the escape means the same character.
_ACTED_ON = re.compile(f"[\x7f-\x9f\u2028\u2029{FORMAT_CHARACTERS}]")


def compact(value: Any) -> str:
    """JSON any reader takes. A target may send NaN or Infinity (Python reads them), which strict JSON has no
    word for: they are written as the strings "NaN", "Infinity" and "-Infinity"."""
    try:
        text = _encode(value)
    except ValueError:
        text = _encode(_finite(value))
    if text.isascii() or _ACTED_ON.search(text) is None:  # isascii: a flag Python keeps, no scan
        return text
    return _ACTED_ON.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    """A character as JSON escapes it: one \\u escape per UTF-16 unit (a tag character is two)."""
    units = found[0].encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def utf8(text: str) -> bytes:
    """JSON text as bytes. A target's JSON may escape half of a UTF-16 pair (`"\\ud800"`): valid JSON, but no
    UTF-8 can hold it; it is written back as that same escape, so the file stays valid JSON and UTF-8."""
    return text.encode("utf-8", "backslashreplace")


def readable(content: dict[str, Any]) -> bytes:
    """Readable JSON, fast: top-level keys one per line, and each element of a top-level list (or entry of a
    big top-level mapping, such as the manifest's files) on its own line. `json.dumps(indent=...)` falls back
    to the pure-Python encoder: ten times slower on a big run."""
    one = compact
    lines = []
    for key, value in content.items():
        if isinstance(value, list) and value:
            inner = ",\n    ".join(one(v) for v in value)
            lines.append(f"  {one(key)}: [\n    {inner}\n  ]")
        elif isinstance(value, dict) and len(value) > 8:
            inner = ",\n    ".join(f"{one(k)}: {one(v)}" for k, v in value.items())
            lines.append(f"  {one(key)}: {{\n    {inner}\n  }}")
        else:
            lines.append(f"  {one(key)}: {one(value)}")
    return utf8("{\n" + ",\n".join(lines) + "\n}\n")
