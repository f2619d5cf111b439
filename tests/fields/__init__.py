"""Every accepted parameter is judged: one module per family, `tests/fields/<family>.py`, maps each
field of the family's `Params` to a case proving that changing it changes the outcome — or that it
is rejected where it would not be read. `tests/test_fields_judged.py` walks every family and field.

Case kinds (see `kinds.py`):
    Flips(base, changed, facts)        pure: judge(base) and judge(changed) on the same facts differ in status
    Live(base, changed, target)        gather + judge against a real local target (a fixture name) differ
    Shows(base, changed, facts, key)   a presentational field: the evidence under `key` differs
    Rejected(params, match)            setting the field this way is a config error (the message matches)
"""

from __future__ import annotations

import importlib

from opsverify import families


def cases_for(family: str) -> dict:
    try:
        module = importlib.import_module(f"tests.fields.{family}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.fields.{family}":
            raise
        return {}
    return module.CASES
