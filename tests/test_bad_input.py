"""Bad input ends in one clear line naming the file/item and the fix, a distinct exit code,
no traceback, quickly, and nothing half-written under the reports folder."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from opsverify import exitcodes
from opsverify.environment import known_environments
from opsverify.errors import ConfigError, MissingVariable, UnknownEnvironment

from .helpers import ROOT, UNUSED_PLUGINS, placeholder, run_pytest


def _copy_config(tmp_path: Path) -> tuple[Path, Path]:
    checklists = tmp_path / "checklists"
    environments = tmp_path / "environments"
    shutil.copytree(ROOT / "checklists", checklists)
    shutil.copytree(ROOT / "environments", environments)
    return checklists, environments


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None, where: str = "checks"):
    reports = tmp_path / "reports"
    started = time.monotonic()
    result = run_pytest(where, "-p", "no:cacheprovider", "--reports-dir", str(reports), *args, env=env, timeout=60)
    return result, time.monotonic() - started, reports


def _assert_one_clear_line(result, code: int, *fragments: str) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith("…")]  # progress
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("opsverify: ")
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def _no_archive(reports: Path) -> None:
    assert not reports.exists() or not any(p for p in reports.rglob("*") if p.is_file()), list(reports.rglob("*"))


def test_unknown_environment(tmp_path):
    result, _, reports = _run(tmp_path, "--env", "prd")
    known = ", ".join(known_environments(ROOT / "environments"))  # a team's own added there too
    _assert_one_clear_line(result, UnknownEnvironment.exit_code, "--env prd", f"known: {known}")
    _no_archive(reports)


def test_broken_checklist_yaml_names_file_and_line(tmp_path):
    checklists, _ = _copy_config(tmp_path)
    path = checklists / "cheersai.yaml"
    path.write_text(path.read_text().replace("    family: sql", "    family: [sql", 1))
    result, _, reports = _run(tmp_path, "--env", "demo", "--checklists-dir", str(checklists))
    line = _assert_one_clear_line(result, ConfigError.exit_code, "cheersai.yaml:", "not valid YAML")
    assert ":" in line.split("cheersai.yaml")[1]  # line:column
    _no_archive(reports)


def test_a_key_given_twice_is_named_not_dropped(tmp_path):
    """YAML would keep the second `rls:` and drop the first unseen: the item would be judged on half of what
    its author wrote."""
    checklists, _ = _copy_config(tmp_path)
    path = checklists / "sora-studio.yaml"
    path.write_text(path.read_text().replace("      rls: true", "      rls: true\n      rls: false", 1))
    result, _, reports = _run(tmp_path, "--env", "demo", "--checklists-dir", str(checklists))
    _assert_one_clear_line(result, ConfigError.exit_code, "sora-studio.yaml:", "the key 'rls' appears twice")
    _no_archive(reports)


def test_checklist_typo_names_item_and_field(tmp_path):
    checklists, _ = _copy_config(tmp_path)
    path = checklists / "sora-studio.yaml"
    path.write_text(path.read_text().replace("      rls: true", "      rsl: true", 1))
    result, _, _ = _run(tmp_path, "--env", "demo", "--checklists-dir", str(checklists))
    _assert_one_clear_line(result, ConfigError.exit_code, "sora-studio.yaml", "S8-", "params.rsl", "Extra inputs")


@pytest.mark.parametrize("text, said", [
    ("name: staging\nsystems: {cheersai: {database: [unclosed\n", "not valid YAML"),
    ("name: staging\nloop: &l [1, *l]\nsystems: {}\n", "a YAML alias refers to a value that contains it"),
])
def test_broken_environment_yaml(tmp_path, text, said):
    _, environments = _copy_config(tmp_path)
    (environments / "staging.yaml").write_text(text)
    result, _, reports = _run(tmp_path, "--env", "staging", "--environments-dir", str(environments))
    _assert_one_clear_line(result, ConfigError.exit_code, "staging.yaml", said)
    _no_archive(reports)


def _bombed_checklist(levels: int) -> str:
    """An http item whose expected JSON is nine aliases of nine aliases …: 9**levels values in a few lines."""
    anchors = ["        x0: &a0 [v, v, v, v, v, v, v, v, v]"]
    anchors += [f"        x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("system: bomb\nrunbook: r.md\nitems:\n  - id: B1\n    name: web\n    section: Web\n    title: t\n"
            "    family: http\n    cadence: postdeploy\n    params:\n      service: web\n      path: /\n      json:\n"
            + "\n".join(anchors) + "\n")


def _string_bomb(levels: int) -> str:
    """One 2,000-character string, nine aliases of it, nine of those …: few values (9**levels), much text."""
    anchors = [f'    s: &s "{"x" * 2000}"', "    x0: &a0 [" + ", ".join(["*s"] * 9) + "]"]
    anchors += [f"    x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("system: bomb\nrunbook: r.md\nitems:\n- {id: B1, name: web, section: Web, title: t, family: env,"
            " cadence: postdeploy, params: {service: web, required: [A]}}\nbomb:\n" + "\n".join(anchors) + "\n")


def _http_json(system: str, json: str) -> str:
    return (f"system: {system}\nrunbook: r.md\nitems:\n- {{id: B1, name: web, section: Web, title: t, family: http,"
            f" cadence: postdeploy, params: {{service: web, path: /, json: {json}}}}}\n")


def _symlinked_checklist(runbook) -> None:
    elsewhere = runbook.root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "billing.yaml").write_text("system: billing\nrunbook: r\nitems:\n- {id: B1, name: call, section: S,"
                                            " title: t, family: manual, reason: a phone call}\n")
    os.symlink(elsewhere / "billing.yaml", runbook.root / "checklists" / "till2.yaml")


def test_a_yaml_alias_bomb_is_one_line_not_a_crash(tmp_path):
    checklists, _ = _copy_config(tmp_path)
    (checklists / "bomb.yaml").write_text(_bombed_checklist(9))
    result, took, reports = _run(tmp_path, "--env", "demo", "--checklists-dir", str(checklists))
    _assert_one_clear_line(result, ConfigError.exit_code, "bomb.yaml", "aliases expand it to more than 1,000,000")
    _no_archive(reports)


def test_a_few_aliases_are_fine(tmp_path):
    """Anchors and aliases are YAML a team may use: 9**3 values load."""
    from opsverify.checklist import load_checklists

    checklists, _ = _copy_config(tmp_path)
    (checklists / "bomb.yaml").write_text(_bombed_checklist(3))
    (check,) = [c for c in load_checklists(checklists) if c.system == "bomb"]
    assert check.params.json_fields["x2"] == [[["v"] * 9] * 9] * 9


def test_environment_typo_is_reported_before_variables(tmp_path):
    _, environments = _copy_config(tmp_path)
    path = environments / "prod.yaml"
    path.write_text(path.read_text().replace("allow_mutating: false", "allow_mutation: false"))
    result, _, _ = _run(tmp_path, "--env", "prod", "--environments-dir", str(environments))
    _assert_one_clear_line(result, ConfigError.exit_code, "prod.yaml", "allow_mutation", "unknown key; did you mean allow_mutating?")


def test_unknown_service_in_environment_is_a_typo(tmp_path):
    _, environments = _copy_config(tmp_path)
    path = environments / "prod.yaml"
    path.write_text(path.read_text().replace("      worker: {", "      wroker: {", 1))
    env = {k: placeholder(k) for k in _prod_variables(path)}
    result, _, _ = _run(tmp_path, "--env", "prod", "--environments-dir", str(environments), env=env)
    _assert_one_clear_line(result, ConfigError.exit_code, "systems.joslyn-ai.services.wroker", "unknown service")


def _prod_variables(path: Path) -> list[str]:
    import re

    return sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", path.read_text())))


@pytest.mark.parametrize("narrowed", [(), ("--system", "cheersai")])
def test_every_unset_variable_is_named_with_the_fields_that_need_it(tmp_path, narrowed):
    """Nothing set: every variable the run needs, once, on a line of its own with the fields that need it — not
    three of them and "(and 50 more)", found one run at a time."""
    result, _, reports = _run(tmp_path, "--env", "prod", *narrowed)
    assert result.returncode == MissingVariable.exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    head, *lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith("…")]
    written = str(yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text()))  # not its comments' ${VAR}
    needed = sorted({name for name in re.findall(r"\$\{([A-Z0-9_]+)\}", written)
                     if not narrowed or name.startswith(("CHEERSAI_", "SUPABASE_"))})
    assert head == (f"opsverify: environments/prod.yaml: {len(needed)} variables not set, each below with the fields "
                    "that need it; export them or add them to environments/prod.secrets.env (untracked):")
    named = {}
    for line in lines:
        variable, fields = re.fullmatch(r"  \$\{([A-Z0-9_]+)\}: (systems\.\S+(?:, systems\.\S+)*)", line).groups()
        named[variable] = fields
    assert sorted(named) == needed and len(lines) == len(needed)
    assert named["CHEERSAI_PROD_DATABASE_URL"] == "systems.cheersai.database"
    assert all(field.startswith("systems.cheersai.") for fields in named.values() for field in fields.split(", ")
               ) is bool(narrowed)
    _no_archive(reports)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prod_env_for_cheersai(tmp_path: Path, database_url: str) -> dict[str, str]:
    env_file = tmp_path / "cheersai.env"
    env_file.write_text("CRON_SECRET=x\n")
    return {
        "CHEERSAI_PROD_DATABASE_URL": database_url,
        "CHEERSAI_PROD_APP_ENV_FILE": str(env_file),
        "CHEERSAI_PROD_CRON_SECRET": "not-used-here-123",
        "CHEERSAI_PROD_RESEND_API_KEY": "not-used-here-456",
        "SUPABASE_ACCESS_TOKEN": "not-used-here-789",
        "CHEERSAI_PROD_SUPABASE_REF": "abcdefghijklmnopqrst",
    }


DATABASE_CHECKS = "checks/test_sql.py"  # only the database items: the rest of prod is not reachable from a test


def _one_cause(result, code: int, *fragments: str) -> str:
    """A broken target is not bad input: the run goes on, its items are errors, and the summary opens
    with one line naming the cause; the exit code says which."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-3000:]
    assert "Traceback" not in output
    causes = [line for line in result.stdout.splitlines() if "not checked" in line and "manual" not in line]
    assert len(causes) == 1, output[-3000:]
    for fragment in fragments:
        assert fragment in causes[0], causes[0]
    return causes[0]


def _archived(reports: Path) -> Path:
    (archive,) = [p for p in (reports / "prod").iterdir() if not p.name.startswith(".")]
    assert (archive / "manifest.json").is_file()
    return archive


def test_unreachable_database_is_one_cause_not_a_stop(tmp_path):
    url = f"postgresql://checker:pw-unreachable-1@127.0.0.1:{_closed_port()}/cheersai"
    result, elapsed, reports = _run(tmp_path, "--env", "prod", "--system", "cheersai",
                                    env=_prod_env_for_cheersai(tmp_path, url), where=DATABASE_CHECKS)
    _one_cause(result, exitcodes.UNREACHABLE, "systems.cheersai.database", "connection refused", "of cheersai")
    assert "pw-unreachable-1" not in result.stdout + result.stderr
    assert elapsed < 60
    _archived(reports)


def test_blackholed_database_times_out(tmp_path):
    """A host that never answers (a listening socket that never accepts) is cut off by the connect timeout."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = sock.getsockname()[1]
        url = f"postgresql://checker:pw-blackholed-1@127.0.0.1:{port}/cheersai?connect_timeout=2"
        result, elapsed, reports = _run(tmp_path, "--env", "prod", "--system", "cheersai",
                                        env=_prod_env_for_cheersai(tmp_path, url), where=DATABASE_CHECKS)
    _one_cause(result, exitcodes.UNREACHABLE, "systems.cheersai.database")
    assert elapsed < 60
    _archived(reports)


def test_wrong_credentials(tmp_path, demo):
    url = demo.pg.url("cheersai", "opsverify_checker", "definitely-wrong-password")
    result, _, reports = _run(tmp_path, "--env", "prod", "--system", "cheersai", env=_prod_env_for_cheersai(tmp_path, url),
                              where=DATABASE_CHECKS)
    _one_cause(result, exitcodes.CREDENTIALS, "systems.cheersai.database", "rejected the credentials")
    assert "definitely-wrong-password" not in result.stdout + result.stderr
    _archived(reports)


def test_unknown_demo_fault(tmp_path):
    result, _, reports = _run(tmp_path, "--env", "demo", "--demo-fault", "no-such-fault")
    _assert_one_clear_line(result, 25, "no-such-fault", "unknown fault")
    _no_archive(reports)


def test_an_unknown_demo_fault_is_said_before_the_demo_starts(tmp_path):
    result, _, reports = _run(tmp_path, "--env", "demo", "--demo-fault", "stripe-rls-off", "--demo-fault", "stripe-rls-of")
    line = _assert_one_clear_line(result, 25, "--demo-fault 'stripe-rls-of': unknown fault", "did you mean stripe-rls-off?")
    assert "starting the demo deployment" not in result.stderr, result.stderr  # no start-up spent on it
    assert "(known:" not in line  # not the 123 names: `opsverify faults` lists them
    _no_archive(reports)


def test_unknown_system(tmp_path):
    result, _, _ = _run(tmp_path, "--env", "demo", "--system", "sora")
    _assert_one_clear_line(result, 20, "--system sora", "unknown system")


# -- a team's own project: files it may get wrong ------------------------------------------------
def _team_project(tmp_path):
    from .project import Project

    project = Project(tmp_path / "team project", {"WEB_URL": "http://127.0.0.1:1"})
    project.checklist("site", """
    - {id: W1, name: up, section: Web, title: up, family: http, cadence: postdeploy, params: {service: web, path: /ok}}
    """)
    project.environment('systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
    return project


def test_checklist_that_is_not_utf8_is_named_in_one_line(tmp_path):
    project = _team_project(tmp_path)
    (project.root / "checklists" / "legacy.yaml").write_bytes("system: legacy\nrunbook: café\n".encode("latin-1"))
    ran = project.run("--env", "local")
    assert ran.code == ConfigError.exit_code
    assert ran.done.stderr.strip() == ("opsverify: checklists/legacy.yaml: not UTF-8 text (byte 0xe9 at offset 27);"
                                       " save the file as UTF-8")
    assert not (project.root / "reports").exists()


def test_empty_checklist_is_named_not_the_environment(tmp_path):
    project = _team_project(tmp_path)
    (project.root / "checklists" / "empty.yaml").write_text("")
    ran = project.run("--env", "local")
    assert ran.code == ConfigError.exit_code
    assert ran.done.stderr.strip() == ("opsverify: checklists/empty.yaml: the file is empty; a checklist needs system,"
                                       " runbook and items")


def test_folders_given_as_absolute_paths_with_spaces(tmp_path):
    """Options are registered before pytest reads the command line (a pytest11 plugin), so a space-separated
    absolute path is the option's value, not a rootdir hint."""
    project = _team_project(tmp_path)
    elsewhere = tmp_path / "run from here"
    elsewhere.mkdir()
    from .project import MisbehavingHttp

    with MisbehavingHttp() as web:
        project.variables["WEB_URL"] = web.url
        ran = project.run("-p", "no:cacheprovider", "--env", "local", "--checklists-dir", str(project.root / "checklists"),
                          "--environments-dir", str(project.root / "environments"),
                          "--reports-dir", str(elsewhere / "my reports"), str(project.root / "checklists"))
    assert ran.code == 0, ran.output[-2000:]
    assert len(list((elsewhere / "my reports" / "local").iterdir())) == 1


def _nothing(runbook) -> None:
    pass


def _write(relative: str, text: str):
    def setup(runbook) -> None:
        path = runbook.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return setup


def _shop_endpoint(name: str):
    def setup(runbook) -> None:
        path = runbook.root / "environments" / "fx.yaml"
        data = yaml.safe_load(path.read_text())
        data["systems"]["shop"]["endpoints"] = {name: "redis://127.0.0.1:1"}
        path.write_text(yaml.safe_dump(data))
    return setup


def _edit(file: str, old: str, new: str):
    """A setup that replaces `old` (which must be there) with `new` in the runbook's `file`."""
    def setup(runbook) -> None:
        path = runbook.root / file
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
    return setup


def _edit_shop(old: str, new: str):
    return _edit("checklists/shop.yaml", old, new)


@pytest.mark.parametrize("setup, args, code, fragment", [
    (lambda rb: os.symlink("/dev/zero", rb.root / "checklists" / "null.yaml"), (), ConfigError.exit_code,
     "null.yaml: not a regular file"),
    (lambda rb: os.mkfifo(rb.root / "checklists" / "fifo.yaml"), (), ConfigError.exit_code,
     "fifo.yaml: not a regular file"),
    (lambda rb: os.symlink(rb.root / "checklists" / "loop.yaml", rb.root / "checklists" / "loop.yaml"), (),
     ConfigError.exit_code, "loop.yaml: cannot read: Too many levels of symbolic links"),
    (_edit_shop("runbook: Shop runbook", "runbook: 2099-02-30"), (), ConfigError.exit_code,
     "shop.yaml:2:10: not valid YAML: a date or time that does not exist (2099-02-30: day is out of range"),
    (_nothing, ("--env", "a" * 300), UnknownEnvironment.exit_code, "is not an environment name"),
    (_nothing, ("--env", ""), UnknownEnvironment.exit_code, "--env: '' is not an environment name"),
    (_nothing, ("--deployed-at", "0001-01-01T00:00:00+01:00"), ConfigError.exit_code, "outside the calendar"),
    (_nothing, ("--fail-on", "huge"), ConfigError.exit_code, "--fail-on huge: not a severity"),
    (_nothing, ("--fail-on", "trivial"), ConfigError.exit_code, "--fail-on trivial: the lowest severity"),
    # the page is rendered from the archive: without one, --html would be dropped without a word
    (_nothing, ("--html", "--no-archive"), ConfigError.exit_code,
     "--html renders the run's archive, and --no-archive writes none; drop one of them"),
    # a name no item uses is a typo whose items would skip, the run green
    (_shop_endpoint("rdis"), (), ConfigError.exit_code, "systems.shop.endpoints.rdis: no item of shop uses this endpoint; remove it"),
    # "since the deploy" from a time to come would be an empty window: every such item would pass unlooked
    (_nothing, ("--deployed-at", "2999-01-01T00:00:00Z"), ConfigError.exit_code,
     "--deployed-at 2999-01-01T00:00:00Z: later than now"),
    # values from the command line are shown, never obeyed by the terminal
    (_nothing, ("--shard", "1\x1b[2J/4"), ConfigError.exit_code, "--shard 1\\x1b[2J/4: write it as K/N"),
    (_nothing, ("--deployed-at", "2026\x1b[31m"), ConfigError.exit_code, "--deployed-at 2026\\x1b[31m: not an ISO"),
    (_nothing, ("--system", "sh\u202eop"), ConfigError.exit_code, "--system sh\\u202eop: unknown system"),
    (_write("waivers/fx.yaml", "waivers:\n- {item: S2, reason: r, approver: a, ticket: T, expires: 20991231}\n"), (),
     ConfigError.exit_code, "20991231 is a number, not a date"),
    (lambda rb: (rb.root / "environments" / "fx.secrets.env").write_bytes(b"SHOP_API_TOKEN=\xff\n"), (),
     MissingVariable.exit_code,
     "fx.secrets.env: not UTF-8 text"),
    # a .yml file would be collected by nothing; an empty list leaves its system unknown to the environment
    (_write("checklists/billing.yml", "system: billing\nrunbook: r\nitems: []\n"), (), ConfigError.exit_code,
     "checklists/billing.yml: checklists are *.yaml files; rename it billing.yaml"),
    (_write("checklists/empty.yaml", "system: empty\nrunbook: r\nitems: []\n"), (), ConfigError.exit_code,
     "checklists/empty.yaml: items: no items: a checklist holds at least one"),
    # nor in a subfolder or with an upper-case extension: collected by nothing, silently missing
    (_write("checklists/billing/billing.yaml", "system: billing\nrunbook: r\nitems: []\n"), (), ConfigError.exit_code,
     "checklists/billing/billing.yaml: checklists in a subfolder are not read; move it to checklists/billing.yaml"),
    (_write("checklists/billing.YAML", "system: billing\nrunbook: r\nitems: []\n"), (), ConfigError.exit_code,
     "checklists/billing.YAML: checklists are *.yaml files; rename it billing.yaml"),
    # an alias bomb of few values but much text: 59,049 copies of 2,000 characters from 2.5 kB
    (_write("checklists/bomb.yaml", _string_bomb(5)), (), ConfigError.exit_code,
     "checklists/bomb.yaml: its YAML aliases expand it to more than 16 MiB of text"),
    (_edit_shop("    service: web\n    forbidden:\n    - MOCK\n",
                "    <<: [{forbidden: [MOCK]}, {forbidden: [NOTHING]}]\n    service: web\n"), (), ConfigError.exit_code,
     "not valid YAML: the key 'forbidden' is in two merged mappings"),
    # an alias right after a quoted key's `:` is an alias too; a value holding itself; nesting no walker follows
    (_write("checklists/loop.yaml", _http_json("loop", '{"k": &j {"x":*j}}')), (), ConfigError.exit_code,
     "checklists/loop.yaml: a YAML alias refers to a value that contains it (a value that holds itself)"),
    (_write("checklists/deep.yaml", _http_json("deep", "{k: " * 990 + "1" + "}" * 990)), (), ConfigError.exit_code,
     "checklists/deep.yaml: B1-web: params.json.k.k…: nested more than 100 levels deep"),
    # an id the loader refuses is shown, never obeyed: ESC, CR and U+202E escaped, a zero-width space seen
    (_edit_shop("id: S1\n", "id: \"\\e[31mS1\\r\\u202e\\u200b\"\n"), (), ConfigError.exit_code,
     "checklists/shop.yaml: \\x1b[31mS1\\x0d\\u202e\\u200b-origin-set: id: an id holds only ASCII letters"),
    (_edit_shop("    values:\n      FLAG: 'true'\n", "    values:\n      FLAG: yes\n"), (), ConfigError.exit_code,
     "S2-flag-on: params.values.FLAG: YAML reads yes as true, not as text: quote it: FLAG: 'yes'"),
    (_edit_shop("    required:\n    - APP_ORIGIN\n", "    required:\n    - APP_ORIGIN\n    min_length: {APP_ORIGIN: true}\n"),
     (), ConfigError.exit_code, "S1-origin-set: params.min_length: APP_ORIGIN: true is a boolean, not a number"),
    (_edit_shop("id: S1\n", "id: 1:30\n"), (), ConfigError.exit_code,
     "checklists/shop.yaml: 1:30-origin-set: id: YAML reads 1:30 as the number 90, not as text: quote it:"
     " id: '1:30'"),
    (_edit_shop("  family: manual\n", "  family: manual\n  cadence: postdeploy\n"), (), ConfigError.exit_code,
     "S5-incident-call: cadence: a manual item is listed in every run whatever -m says, so it has no cadence"),
    (_edit_shop("  remediation: set FLAG=true on web\n", "  remediation: set FLAG=true on web\n  reason: flags\n"), (),
     ConfigError.exit_code, "S2-flag-on: reason: only a manual item has a reason"),
    (_write("checklists/odd.yaml", "- a\n- b\n"), (), ConfigError.exit_code,
     "checklists/odd.yaml: must be a mapping with system, runbook and items (it is a list)"),
    (_edit_shop("- id: S1", "\t- id: S1"), (), ConfigError.exit_code,
     "found character that cannot start any token (a tab? YAML indents with spaces)"),
    (_symlinked_checklist, (), ConfigError.exit_code,
     "opsverify: checklists/till2.yaml: system 'billing' does not match the file name 'till2'"),
    # a runbook's words reach terminals and the report: none may clear the screen or reverse the text
    (_edit_shop("runbook: Shop runbook", "runbook: \"Shop \\e[2J runbook\""), (), ConfigError.exit_code,
     "runbook: holds the control character U+001B"),
    (_edit_shop("runbook: Shop runbook", "runbook: \"Shop \\u202e runbook\""), (), ConfigError.exit_code,
     "holds the control character U+202E, which a terminal or a report would act on"),
    # under xdist only the workers would read -k and -m: each would crash with an internal error
    (_nothing, ("-k", "S1 and (", "-n", "2"), exitcodes.USAGE,
     "-k 'S1 and (': not an expression pytest can read (at column 9"),
    (_nothing, ("-m", "postdeploy and", "-n", "2"), exitcodes.USAGE, "-m 'postdeploy and': not an expression"),
], ids=["dev-zero", "fifo", "symlink-loop", "no-such-date", "long-env", "empty-env", "deployed-at-edge", "fail-on", "fail-on-trivial", "html-without-archive", "endpoint-typo",
        "deployed-at-future",
        "shard-escape", "deployed-at-escape", "system-rtl",
        "waiver-number", "secrets-env-bytes", "yml", "no-items", "subfolder", "upper-case-extension", "string-bomb",
        "merge-list", "alias-holds-itself", "nested-990-deep", "id-escaped", "yes-for-text", "bool-for-number", "id-read-as-number", "manual-cadence", "reason-on-automated", "not-a-mapping",
        "tab", "symlink-named-as-written", "escape-in-words", "rtl-override-in-words",
        "bad-k-under-xdist", "bad-m-under-xdist"])
def test_odd_input_is_one_line_with_its_own_code(tmp_path, setup, args, code, fragment):
    runbook, result = _run_edited_runbook(tmp_path, setup, args)
    _assert_one_clear_line(result, code, fragment)
    _no_archive(runbook.reports)


def _run_edited_runbook(tmp_path, setup, args, *, reports_dir: bool = True):
    """The scratch runbook, edited by `setup`, run with `args` (`--env fx` unless they name one); without
    `reports_dir`, into the default reports/ as the project's own."""
    from .runbook import make_runbook

    runbook = make_runbook(tmp_path)
    setup(runbook)
    command = [sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "-p", "no:cacheprovider",
               *(("--reports-dir", str(runbook.reports)) if reports_dir else ()),
               *(args if "--env" in args else ("--env", "fx", *args))]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPSVERIFY_")}
    return runbook, subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                                   env={**environ, **runbook.variables()})


def _link_to_checklists(runbook) -> None:
    (runbook.root / "linked").symlink_to(runbook.root / "checklists")


def _env_folder_linked_into_checklists(runbook) -> None:
    """reports/fx, the environment's folder of a reports folder outside checklists/, a link into it."""
    (runbook.root / "outside").mkdir()
    (runbook.root / "outside" / "fx").symlink_to(runbook.root / "checklists")


@pytest.mark.parametrize("setup, reports, said", [
    (_nothing, "checklists", "--reports-dir checklists: inside the checklists folder checklists"),
    (_nothing, "checklists/archives", "--reports-dir checklists/archives: inside the checklists folder checklists"),
    (_link_to_checklists, "linked/archives", "--reports-dir linked/archives: inside the checklists folder checklists"),
    (_env_folder_linked_into_checklists, "outside", "--reports-dir outside: inside the checklists folder checklists"),
], ids=["the-folder", "a-subfolder", "through-a-link", "its-environment-folder-a-link"])
def test_a_reports_dir_inside_the_checklists_folder_is_refused_before_anything_is_written(tmp_path, setup, reports,
                                                                                           said):
    """Each archive keeps copies of the checklists (inputs/checklists/): written among them, every later run stops
    on "checklists in a subfolder are not read; move it to checklists/shop.yaml" — advice that would put an archived
    copy over the real checklist."""
    runbook, result = _run_edited_runbook(tmp_path, setup, (f"--reports-dir={reports}",))
    _assert_one_clear_line(result, ConfigError.exit_code, said, "give a folder outside it")
    assert sorted(p.name for p in (tmp_path / "checklists").rglob("*")) == ["shop.yaml", "till.yaml"]
    _no_archive(runbook.reports)
    again = runbook.run("--system", "till")  # the project's next run is not stopped by what this one left
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_checklist_file_named_with_terminal_controls_is_shown_escaped(tmp_path):
    """A file name is the repository's: ESC[2J (clear the screen), an OSC setting the window title, a bell, a line
    break — printed raw in the refusal line, they reached the operator's terminal and the CI log."""
    def planted(runbook) -> None:
        (runbook.root / "checklists" / "ev\x1b[2J\x1b]0;pwned\x07il\nPASSED.yaml").write_text("system: [\n")

    _, result = _run_edited_runbook(tmp_path, planted, ())
    out = result.stdout + result.stderr
    assert result.returncode == ConfigError.exit_code, out
    assert not any(char in out for char in "\x1b\x07"), repr(out[-400:])
    assert "ev\\x1b[2J\\x1b]0;pwned\\x07il\\x0aPASSED.yaml" in out, repr(out[-400:])


def test_run_archives_already_in_the_checklists_folder_are_named_as_archives(tmp_path):
    """Left there by an earlier version: the fix is to move the archives out, never a copy over a checklist."""
    def archived(runbook) -> None:
        archive = runbook.root / "checklists" / "fx" / "20260101T000000Z_local"
        (archive / "inputs" / "checklists").mkdir(parents=True)
        (archive / "manifest.json").write_text("{}")
        shutil.copy(runbook.root / "checklists" / "shop.yaml", archive / "inputs" / "checklists" / "shop.yaml")

    runbook, result = _run_edited_runbook(tmp_path, archived, ())
    line = _assert_one_clear_line(result, ConfigError.exit_code,
                                  "checklists/fx: holds run archives (checklists/fx/20260101T000000Z_local)",
                                  "move checklists/fx out of checklists")
    assert "move it to checklists/shop.yaml" not in line


@pytest.mark.parametrize("value", ["http://", "https://", "postgresql://"])
def test_a_variable_holding_a_scheme_alone_leaves_the_fix_readable(tmp_path, monkeypatch, value):
    """A refusal is masked by what the environment holds secret: `SHOP_BARE_URL=http://` had masked the fix's own
    `http://` ("write [redacted hmac:…]host:port"). A scheme alone holds nothing secret."""
    monkeypatch.setenv("SHOP_BARE_URL", value)
    setup = _edit_fx("      web:\n        env:", "      web:\n        url: '${SHOP_BARE_URL}'\n        env:")
    runbook, result = _run_edited_runbook(tmp_path, setup, ())
    line = _assert_one_clear_line(result, ConfigError.exit_code, "systems.shop.services.web.url: not an http(s) URL"
                                  " with a host: write http://host:port or https://host")
    assert "[redacted" not in line
    _no_archive(runbook.reports)


def test_a_waiver_until_the_end_of_the_calendar_is_read():
    from opsverify.waivers import _ends

    assert _ends(dt.date(9999, 12, 31)).year == 9999
    assert _ends(dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))).year == 1


def test_a_deploy_time_from_the_environment_is_named_as_given(monkeypatch):
    from types import SimpleNamespace

    from opsverify import plugin

    config = SimpleNamespace(getoption=lambda name: None)
    monkeypatch.setenv("OPSVERIFY_DEPLOYED_AT", "yesterday")
    with pytest.raises(ConfigError, match="^OPSVERIFY_DEPLOYED_AT=yesterday: not an ISO 8601 time"):
        plugin._deployed_at(config)
    monkeypatch.setenv("OPSVERIFY_DEPLOYED_AT", "2026-11-25T10:02:00Z")
    assert plugin._deployed_at(config) == dt.datetime(2026, 11, 25, 10, 2, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("written, read", [
    ("2026-11-30t10:00:00z", dt.datetime(2026, 11, 30, 10, tzinfo=dt.timezone.utc)),  # RFC 3339's lower case
    ("2026-11-30 11:00:00+01:00", dt.datetime(2026, 11, 30, 10, tzinfo=dt.timezone.utc)),
    ("2026-11-30T23:59:60Z", "a leap second (:60), which no clock here can hold; give the second before it (:59)"),
])
def test_a_deploy_time_is_read_as_rfc_3339_writes_it(written, read):
    from types import SimpleNamespace

    from opsverify import plugin

    config = SimpleNamespace(getoption=lambda name: written)
    if isinstance(read, str):
        with pytest.raises(ConfigError, match=re.escape(f"--deployed-at {written}: {read}")):
            plugin._deployed_at(config)
    else:
        assert plugin._deployed_at(config) == read


@pytest.mark.parametrize("args", [(), ("-m", "postdeploy"), ("-n", "2")], ids=["plain", "marker", "xdist"])
def test_runbook_checks_without_env_are_a_usage_error_not_a_green_run(tmp_path, args):
    """Every item would skip (or be deselected) and the run exit 0 or 5: a CI job that lost its --env looked green."""
    from .runbook import make_runbook

    runbook = make_runbook(tmp_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "PYTEST_"))}
    result = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "-p", "no:cacheprovider",
                             "--reports-dir",
                             str(runbook.reports), *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**environ, **runbook.variables()})
    assert result.returncode == exitcodes.USAGE, result.stdout + result.stderr
    assert "runbook checks need --env NAME: without one nothing is checked (environments: fx)" in result.stderr
    _no_archive(runbook.reports)
    listed = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "-p", "no:cacheprovider",
                             "--co", "-q"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60, env=environ)
    assert listed.returncode == 0, listed.stdout + listed.stderr  # listing is no run


@pytest.mark.parametrize("key", [b"\xff\xfe", b"-----BEGIN PRIVATE KEY-----\xff"], ids=["raw", "pem"])
def test_a_signing_key_that_is_not_utf8_is_one_line(tmp_path, key):
    from .runbook import make_runbook

    runbook = make_runbook(tmp_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPSVERIFY_", "PYTEST_"))}
    environb = {k.encode(): v.encode() for k, v in {**environ, **runbook.variables()}.items()}
    result = subprocess.run([sys.executable, "-m", "pytest", *UNUSED_PLUGINS, "checklists", "-p", "no:cacheprovider",
                             "--reports-dir",
                             str(runbook.reports), "--env", "fx"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, env={**environb, b"OPSVERIFY_SIGNING_KEY": key})
    _assert_one_clear_line(result, ConfigError.exit_code, "OPSVERIFY_SIGNING_KEY: holds bytes that are not UTF-8")
    _no_archive(runbook.reports)


@pytest.mark.parametrize("content", [b"\xff\xfe", b"0*0\x05\x06\x03+ep\x03!\x00" + bytes(32)], ids=["bytes", "der"])
def test_a_public_key_file_that_is_not_text_is_one_line(tmp_path, content):
    (tmp_path / "key.der").write_bytes(content)
    (tmp_path / "reports").mkdir()
    result = subprocess.run([sys.executable, "-m", "opsverify", "verify", str(tmp_path / "reports"), "--public-key",
                             str(tmp_path / "key.der")], capture_output=True, text=True, timeout=60)
    _assert_one_clear_line(result, ConfigError.exit_code, "key.der: not an ed25519 public key")


# -- what a terminal acts on: every bidirectional control Unicode names -----------------------------------
BIDI_CONTROLS = ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]


def test_every_bidirectional_control_is_acted_on():
    """Unicode's Bidi_Control property: the three marks (ALM, LRM, RLM) and every explicit embedding, override and
    isolate (whose bidirectional class says so)."""
    import unicodedata

    from opsverify.display import acted_on, visible

    explicit = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
    assert {c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.bidirectional(c) in explicit} < set(BIDI_CONTROLS)
    for control in BIDI_CONTROLS:
        assert acted_on(f"a{control}b") == f"U+{ord(control):04X}"
        assert visible(f"a{control}b") == f"a\\u{ord(control):04x}b"


# ==== environment files a person may get wrong: one line, its own code (fix-helper block) ====================
def _edit_fx(old: str, new: str):
    return _edit("environments/fx.yaml", old, new)


@pytest.mark.parametrize("setup, args, code, fragment", [
    # nothing would be sent to it: refused at load, never "did not answer … UnsupportedProtocol"
    (_edit_fx("      web:\n        env:", "      web:\n        url: 127.0.0.1:18431\n        env:"), (),
     ConfigError.exit_code, "fx.yaml: systems.shop.services.web.url: not an http(s) URL with a host"),
    (_edit_fx("  till:\n", "    providers:\n      github: {token: '${SHOP_API_TOKEN}', repo: a/b, "
                           "base_url: 'http://api.github.example'}\n  till:\n"), (), ConfigError.exit_code,
     "fx.yaml: systems.shop.providers.github.base_url: not an https URL with a host: it carries the token"),
    # a password of 3 characters cannot be redacted: refused as a short secret is, never said
    (_edit_fx("  shop:\n", "  shop:\n    database: postgresql://checker:abc@127.0.0.1:1/shop\n"), (),
     MissingVariable.exit_code, "fx.yaml: systems.shop.database: the URL has a password of 3 characters"),
    # said as written, with the fix
    (_edit_fx("  till:\n", "  no:\n"), (), ConfigError.exit_code,
     "fx.yaml: systems.no: YAML reads the key no as false, not as text: quote it: 'no'"),
    (_edit_fx("name: fx\n", "name: fx\nyes: 1\n"), (), ConfigError.exit_code,
     "fx.yaml: yes: YAML reads the key yes as true, not as text: quote it: 'yes'"),
    (_edit_fx("  till:\n", '  "\\e[31mtill\\u202e":\n'), (), ConfigError.exit_code,
     "fx.yaml: systems.\\x1b[31mtill\\u202e: unknown system (checklists define: shop, till)"),
    (_write("environments/fx.yaml", ""), (), ConfigError.exit_code,
     "environments/fx.yaml: the file is empty; an environment needs name and systems"),
    # a file --env cannot name is not offered as one
    (_write("environments/my.env.yaml", "name: my.env\nsystems: {}\n"), ("--env", "my.env"),
     UnknownEnvironment.exit_code, "'my.env' is not an environment name (letters, digits, _ and -, not first; known: fx); "
                                   "environments/my.env.yaml cannot be named: rename it my-env.yaml"),
    # the name offered must be one --env takes as written: `--env -hidden` is pytest's -h (a usage error, exit 4)
    (_write("environments/.hidden.yaml", "name: .hidden\nsystems: {}\n"), ("--env=.hidden",),
     UnknownEnvironment.exit_code, "environments/.hidden.yaml cannot be named: rename it hidden.yaml, with name: "
                                   "hidden in it"),
    (_write("environments/\u00dcBER.yaml", "name: x\nsystems: {}\n"), ("--env=\u00dcBER",),
     UnknownEnvironment.exit_code, "cannot be named: rename it UBER.yaml, with name: UBER in it"),
    (_write("environments/-x.yaml", "name: -x\nsystems: {}\n"), ("--env=-x",), UnknownEnvironment.exit_code,
     "'-x' is not an environment name (letters, digits, _ and -, not first; known: fx); environments/-x.yaml cannot "
     "be named: rename it x.yaml"),
    # the name offered is free: fx.yaml is another environment's file
    (_write("environments/-fx.yaml", "name: -fx\nsystems: {}\n"), ("--env=-fx",), UnknownEnvironment.exit_code,
     "environments/-fx.yaml cannot be named: rename it fx-2.yaml, with name: fx-2 in it"),
    # every system commented out (a bad merge): each item would skip "not configured", and the run end 0
    (_write("environments/fx.yaml", "name: fx\nsystems: {}\n#  shop:\n#    services: {}\n"), (), ConfigError.exit_code,
     "environments/fx.yaml: systems: names no system, so every item would skip and the run check nothing; name at "
     "least one system under it"),
    # the .yml would never be read, the fix made in it lost
    (_write("environments/fx.yml", "name: fx\nsystems: {shop: {}}\n"), (), ConfigError.exit_code,
     "environments/fx.yml beside environments/fx.yaml: one environment, one file: merge it into fx.yaml and remove "
     "fx.yml"),
], ids=["service-url-no-scheme", "base-url-plain-http", "short-url-password", "no-as-system", "yes-at-top",
        "escape-in-system", "empty-file", "dotted-file-name", "dot-first-file-name", "letter-not-ascii",
        "dash-first-name", "offered-name-taken", "no-system", "yml-beside-yaml"])
def test_an_environment_file_mistake_is_one_line_with_its_own_code(tmp_path, setup, args, code, fragment):
    runbook, result = _run_edited_runbook(tmp_path, setup, args)
    line = _assert_one_clear_line(result, code, fragment)
    assert not re.search("[\x1b\r\u202e]", line) and ":abc@" not in line
    _no_archive(runbook.reports)


def test_a_short_key_set_into_a_service_urls_query_is_refused_as_a_short_password_is(tmp_path):
    """`?pin=${ADMIN_PIN}` of 4 characters: never masked nor known to the run, it was in the reports and sent by the
    request meant to go without credentials (a gate's 401 to it passed the item). One line, the password's code."""
    def setup(runbook) -> None:
        _edit_fx("      web:\n        env:", "      web:\n        url: 'https://127.0.0.1:18431/?pin=${ADMIN_PIN}'\n"
                 "        env:")(runbook)
        (runbook.root / "environments" / "fx.secrets.env").write_text("ADMIN_PIN=4821\n")

    runbook, result = _run_edited_runbook(tmp_path, setup, ())
    line = _assert_one_clear_line(result, MissingVariable.exit_code,
                                  "fx.yaml: systems.shop.services.web.url: the URL's query parameter pin, set from "
                                  "${ADMIN_PIN}, is 4 characters", "or take it out of the URL")
    assert "4821" not in result.stdout + result.stderr, line
    _no_archive(runbook.reports)


@pytest.mark.parametrize("link", ["reports", "reports/fx"])
def test_a_reports_folder_linked_to_nothing_names_the_link_and_its_target(tmp_path, link):
    """An evidence volume not mounted: `reports` (or the env's folder) a symbolic link to a folder that is not
    there. No file is where a folder belongs: the link and where it leads are named, with the fix."""
    def setup(runbook) -> None:
        (runbook.root / link).parent.mkdir(parents=True, exist_ok=True)
        (runbook.root / link).symlink_to(runbook.root / "unmounted" / "evidence")

    runbook, result = _run_edited_runbook(tmp_path, setup, (), reports_dir=False)
    _assert_one_clear_line(result, exitcodes.ARCHIVE,
                           f"opsverify: archive not written: {link} is a symbolic link to "
                           f"{tmp_path / 'unmounted' / 'evidence'}, which does not exist: mount it or fix the link")
    assert not (tmp_path / "unmounted").exists()  # nothing made where it leads
