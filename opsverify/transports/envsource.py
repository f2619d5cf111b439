"""Reading a service's env vars: a dotenv export or the runner's own environment."""

from __future__ import annotations

import io
import os
from pathlib import Path

from dotenv.parser import parse_stream

from ..errors import GatherError


def read_dotenv(path: str) -> dict[str, str]:
    """The file's variables as written: what a platform export holds, so `${…}` is never expanded from the
    runner's own environment. A file that cannot be read, or a line that cannot be parsed, is a GatherError
    naming the file (and line), never the value."""
    return parse_dotenv(_text(Path(path)), path)


def parse_dotenv(text: str, label: str) -> dict[str, str]:
    """Dotenv text read literally, in one pass. python-dotenv drops a line it cannot parse (an unclosed quote)
    with a log line, where Node's dotenv sets it: a rule would then judge a variable that is not there."""
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:  # its text starts with the blank lines before it: name the line the statement is on
            blank = binding.original.string[:len(binding.original.string) - len(binding.original.string.lstrip())]
            raise GatherError(f"env file {label} line {binding.original.line + blank.count(chr(10))} cannot be "
                              "parsed (an unclosed quote?); fix that line")
        if binding.key is not None:
            values[binding.key] = binding.value or ""
    return values


def _text(file: Path) -> str:
    if file.is_dir():
        raise GatherError(f"env file {file} is a folder, not a file")
    if file.exists() and not file.is_file():  # a FIFO or a device would block the read or never end
        raise GatherError(f"env file {file} is not a regular file")
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise GatherError(f"env file {file} not found") from None
    except PermissionError:
        raise GatherError(f"cannot read env file {file}: permission denied (let the runner's user read it)") from None
    except OSError as exc:
        raise GatherError(f"cannot read env file {file}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")  # a BOM is no part of the first name
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise GatherError(f"env file {file} is not UTF-8 text (line {line}); save it as UTF-8") from None


def read_process(prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in os.environ.items() if k.startswith(prefix)}
