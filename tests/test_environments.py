"""The shipped environment files are valid: every field known, every service used by a check."""

from __future__ import annotations

import re

import pytest

from opsverify.environment import load_environment
from opsverify.target import services_named

from .helpers import CHECKS, ROOT, placeholder


@pytest.mark.parametrize("name", ["prod", "staging"])
def test_shipped_environment_validates_once_its_variables_are_set(name, monkeypatch):
    path = ROOT / "environments" / f"{name}.yaml"
    for variable in set(re.findall(r"\$\{([A-Z0-9_]+)(?::-[^}]*)?\}", path.read_text())):
        monkeypatch.setenv(variable, placeholder(variable))
    in_use: dict[str, set[str]] = {}
    for check in CHECKS:
        in_use.setdefault(check.system, set()).update(services_named(check.params))
    env = load_environment(ROOT / "environments", name, services_in_use=in_use)
    assert set(env.model.systems) == {c.system for c in CHECKS}
    assert env.allow_mutating is (name == "staging")
    for system, config in env.model.systems.items():
        assert set(config.services) == in_use[system], system  # every service a check uses has a place
