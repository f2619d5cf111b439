"""`make setup` installs the versions constraints.txt pins: every dependency pyproject.toml declares (its extras too)
is pinned there, to one version its range takes — a dependency added without a pin, or a range moved past its pin,
is found here rather than by a fresh clone taking whatever was released last."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, version = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line).groups()  # one exact version each
        assert canonicalize_name(name) not in pins, f"{name} is pinned twice"
        pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(text) for text in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        declared += [Requirement(text) for text in extra if not text.startswith(f"{project['name']}[")]
    return declared


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} ({requirement}) has no pin in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pins[name]}, outside pyproject.toml's {requirement}")


def test_make_setup_installs_with_the_pins():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = next(line for line in makefile.splitlines() if "pip install" in line and "-e " in line)
    assert "-c constraints.txt" in install, install
    assert re.search(r"^\$\(VENV\)/\.installed:.*\bconstraints\.txt\b", makefile, re.M), "a new pin must reinstall"
