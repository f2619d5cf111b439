"""Heavy third-party packages (redis, boto3, cryptography, jwt, prometheus_client, base58) are
imported when a family first uses them, not when a checklist is loaded.

Groups run in threads, and two threads importing one package at once can trip CPython's import
deadlock detection (`_DeadlockError`) where the package imports itself in a cycle — as redis.asyncio
does. So every such late import goes through `load`, one at a time.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from types import ModuleType

_ONE_AT_A_TIME = threading.RLock()


def load(name: str) -> ModuleType:
    """`import name`, serialized with every other late import; cheap once loaded."""
    with _ONE_AT_A_TIME:
        return importlib.import_module(name)


def load_copy(name: str) -> ModuleType:
    """A fresh instance of module `name`, apart from the one `import` shares: to change for oneself without changing
    it for any other user. Serialized with every other late import."""
    with _ONE_AT_A_TIME:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
