"""Heavy third-party packages (redis, boto3, cryptography, jwt, prometheus_client, base58) are
imported when a family first uses them, not when a checklist is loaded.

Groups run in threads, and two threads importing one package at once can trip CPython's import
deadlock detection (`_DeadlockError`) where the package imports itself in a cycle — as redis.asyncio
does. So every such late import goes through `load`, one at a time.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

_ONE_AT_A_TIME = threading.RLock()


def load(name: str) -> ModuleType:
    """`import name`, serialized with every other late import; cheap once loaded."""
    with _ONE_AT_A_TIME:
        return importlib.import_module(name)
