"""Reading a service's env vars: a dotenv export or the runner's own environment."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from ..errors import GatherError


def read_dotenv(path: str) -> dict[str, str]:
    file = Path(path)
    if not file.is_file():
        raise GatherError(f"env file {path} not found")
    return {k: (v or "") for k, v in dotenv_values(file).items()}


def read_process(prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in os.environ.items() if k.startswith(prefix)}
