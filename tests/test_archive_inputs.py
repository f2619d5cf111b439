"""The archive's `inputs/` are the bytes the run loaded and applied, not the files as they are when the run ends:
a checklist, environment or waivers file changed or removed while the run was under way changes neither the
sealed copy nor whether the archive is written."""

from __future__ import annotations

import pathlib

import pytest

from opsverify import exitcodes
from opsverify.checklist import load_checklists
from opsverify.cli import main
from opsverify.environment import load_environment
from opsverify.waivers import load_waivers

from .runbook import make_runbook, read_json, rows_by_id

WAIVED_S2 = {"item": "S2", "reason": "flag off while the publisher migrates", "approver": "jane.doe",
             "ticket": "OPS-12", "expires": "2099-12-31"}

# run on the controller after every item ended, before the archive is written (its hook runs last): the files the
# run loaded are rewritten, removed, and one checklist added
CHANGE_INPUTS_AT_THE_END = '''
import pathlib

def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes the archive
        return
    root = pathlib.Path(__file__).parent
    shop = root / "checklists" / "shop.yaml"
    shop.write_text(shop.read_text().replace("the publish flag is on", "changed after loading"))
    (root / "checklists" / "till.yaml").unlink()
    (root / "checklists" / "added.yaml").write_text("system: added\\n")
    (root / "environments" / "fx.yaml").write_text("name: fx\\nsystems: {}\\n")
    (root / "waivers" / "fx.yaml").unlink()
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
def test_inputs_hold_the_bytes_the_run_loaded_when_the_files_change_before_the_archive(tmp_path, workers):
    runbook = make_runbook(tmp_path)
    runbook.waive(WAIVED_S2)
    loaded = {f"checklists/{name}": (tmp_path / "checklists" / name).read_bytes() for name in ("shop.yaml", "till.yaml")}
    loaded["environments/fx.yaml"] = (tmp_path / "environments" / "fx.yaml").read_bytes()
    loaded["waivers/fx.yaml"] = (tmp_path / "waivers" / "fx.yaml").read_bytes()
    (tmp_path / "conftest.py").write_text(CHANGE_INPUTS_AT_THE_END)

    result = runbook.run("--item", "S1", "--item", "S2", *workers)

    assert result.returncode == exitcodes.OK, result.stdout[-3000:] + result.stderr[-3000:]  # as the checks say
    assert not (tmp_path / "waivers" / "fx.yaml").exists()  # the hook did run
    (archive,) = runbook.archives()
    assert rows_by_id(archive)["S2"]["status"] == "waived"
    for name, data in loaded.items():
        assert (archive / "inputs" / name).read_bytes() == data, name
    assert sorted(p.name for p in (archive / "inputs" / "checklists").iterdir()) == ["shop.yaml", "till.yaml"]
    manifest = read_json(archive / "manifest.json")
    assert manifest["checklists"]["files"] == ["inputs/checklists/shop.yaml", "inputs/checklists/till.yaml"]
    assert manifest["waivers_file"]["copy"] == "inputs/waivers/fx.yaml"
    assert main(["verify", str(archive)]) == exitcodes.OK


def test_each_input_file_is_read_once_and_its_bytes_kept(tmp_path, monkeypatch):
    """Read twice, a file changed in between would be parsed from one reading and checked (or kept) from another."""
    runbook = make_runbook(tmp_path)
    runbook.waive(WAIVED_S2)
    monkeypatch.setenv("SHOP_WEB_ENV", str(tmp_path / "env" / "web.env"))
    monkeypatch.setenv("SHOP_WORKER_ENV", str(tmp_path / "env" / "missing-worker.env"))
    monkeypatch.setenv("SHOP_API_TOKEN", "tok-long-enough-secret")
    opened: list[str] = []
    real_open = pathlib.Path.open

    def counting_open(self, *args, **kwargs):
        opened.append(self.relative_to(tmp_path).as_posix() if self.is_relative_to(tmp_path) else str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", counting_open)
    checks = load_checklists(tmp_path / "checklists")
    env = load_environment(tmp_path / "environments", "fx", checks=checks)
    waivers = load_waivers(tmp_path / "waivers", "fx", checks)
    monkeypatch.setattr(pathlib.Path, "open", real_open)

    inputs = ("checklists/shop.yaml", "checklists/till.yaml", "environments/fx.yaml", "waivers/fx.yaml")
    assert {name: opened.count(name) for name in inputs} == dict.fromkeys(inputs, 1)
    assert checks.files == {tmp_path / "checklists" / name: (tmp_path / "checklists" / name).read_bytes()
                            for name in ("shop.yaml", "till.yaml")}
    assert env.data == (tmp_path / "environments" / "fx.yaml").read_bytes()
    assert waivers.data == (tmp_path / "waivers" / "fx.yaml").read_bytes()


# run on the controller as each xdist worker is set up, after the controller loaded the inputs and before the
# worker loads them again: the waivers file loses its waiver
CHANGE_WAIVERS_AS_WORKERS_START = '''
import pathlib

def pytest_configure_node(node):
    (pathlib.Path(__file__).parent / "waivers" / "fx.yaml").write_text("waivers: []\\n")
'''


def test_workers_that_read_other_inputs_than_the_run_judge_nothing(tmp_path):
    """Under xdist the workers load the inputs again and judge by what they read, while the archive keeps what the
    controller read: with a file changed in between, no item is judged (none passes, none is waived), each an
    error naming the file, and the archive keeps what the run read."""
    runbook = make_runbook(tmp_path)
    runbook.waive(WAIVED_S2)
    archived = (tmp_path / "waivers" / "fx.yaml").read_bytes()
    (tmp_path / "conftest.py").write_text(CHANGE_WAIVERS_AS_WORKERS_START)

    result = runbook.run("--item", "S1", "--item", "S2", "-n", "2")

    out = result.stdout + result.stderr
    assert result.returncode == exitcodes.COULD_NOT_CHECK, out[-3000:]
    assert "Traceback" not in out
    (archive,) = runbook.archives()
    rows = rows_by_id(archive)
    assert {rows[i]["status"] for i in ("S1", "S2")} == {"error"}
    assert all("waivers/fx.yaml changed while the run started" in rows[i]["message"] for i in ("S1", "S2"))
    assert (archive / "inputs" / "waivers" / "fx.yaml").read_bytes() == archived
