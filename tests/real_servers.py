"""Real Debian servers for the tests that need them (pg_cron, redis-server, clamd).

Absent binaries skip those tests with a reason on a developer machine; CI installs the
packages and sets OPSVERIFY_REQUIRE_REAL_SERVERS=1, which turns a missing binary into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_VARIABLE = "OPSVERIFY_REQUIRE_REAL_SERVERS"


def require(path: str, package: str) -> Path:
    binary = Path(path)
    if binary.exists():
        return binary
    message = f"{path} not found: apt-get install {package}"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{message} ({REQUIRE_VARIABLE}=1)")
    pytest.skip(message)
