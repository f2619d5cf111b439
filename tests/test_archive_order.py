"""Which archive of an env is the newest is the hash chain's to say, not the folder names': two runs in one UTC
second with deploy ids `zzz` then `aaa`, or the `-2` … `-10` of a repeated deploy id, sort wrongly by name.
`report` (its newest archive and its history) and `prune` (what it keeps) use the one order,
`seal.archives_oldest_first`; a manifest that cannot be read never crashes it. And `report -o` never writes
into an archive (its seal would break).

Every archive here is fabricated (files, hashes, manifest, links), with the times the test gives it: nothing
depends on how fast runs follow each other.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from opsverify import exitcodes, seal
from opsverify.cli import main
from opsverify.report import history_points, newest_archive, render, sealed_folder_of

SECOND = "20261125T104622Z"
STARTED = "2026-11-25T10:46:22Z"
NESTED = b"[" * 100_000 + b"]" * 100_000


def make_archive(env_dir: Path, name: str, *, after: Path | dict | None = None, started: str | None = STARTED,
                 counts: dict | None = None) -> Path:
    """An unsigned archive as opsverify seals one: results.json and one Allure result, hashed into a manifest
    whose first two fields are its own name and its link to `after` (an archive folder, or a pruned entry)."""
    folder = env_dir / name
    (folder / "allure-results").mkdir(parents=True)
    deploy = name.split("_", 1)[-1]
    files = {"results.json": json.dumps({"env": "fx", "checks": []}).encode(),
             "allure-results/one-result.json": json.dumps({"name": "S1", "status": "passed"}).encode()}
    for relative, data in files.items():
        (folder / relative).write_bytes(data)
    if isinstance(after, Path):
        previous = {"archive": after.name, "manifest_sha256": seal.sha256_file(after / seal.MANIFEST)}
    else:
        previous = after
    manifest = {"archive": name, "previous": previous, "env": "fx", "deploy_id": deploy, "started": started,
                "ended": started, "interrupted": False, "counts": counts or {"passed": 1},
                "files": {relative: seal.sha256_bytes(data) for relative, data in sorted(files.items())}}
    (folder / seal.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def chained(env_dir: Path, names: list[str], started: list[str] | None = None) -> list[Path]:
    """Archives sealed in the order given, each linked to the one before."""
    made: list[Path] = []
    for index, name in enumerate(names):
        made.append(make_archive(env_dir, name, after=made[-1] if made else None,
                                 started=started[index] if started else STARTED))
    return made


def names(folders: list[Path]) -> list[str]:
    return [p.name for p in folders]


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "reports" / "fx"
    folder.mkdir(parents=True)
    return folder


def _verify_ok(capsys, path: Path) -> None:
    code = main(["verify", str(path)])
    out = capsys.readouterr().out
    assert code == exitcodes.OK, out


# -- the chain says which is newer --------------------------------------------------------------------------
def test_two_runs_in_one_second_are_ordered_by_their_link_not_their_deploy_ids(env_dir, capsys):
    older, newer = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_aaa"])
    _verify_ok(capsys, env_dir)
    assert seal.archives_oldest_first(env_dir) == [older, newer]
    assert newest_archive(env_dir) == newer  # what `opsverify report reports/fx` renders
    assert seal.chain_head(env_dir)["archive"] == newer.name  # what the next run links to


def test_the_history_of_the_newest_holds_the_older_one_and_not_the_reverse(env_dir):
    older, newer = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_aaa"])
    left_out: list[str] = []
    points = history_points(newer, left_out)
    assert [p["name"] for p in points] == ["opsverify — fx, deploy zzz"] and left_out == []
    assert history_points(older, left_out) == [] and left_out == []


def test_prune_keeps_the_chain_head_of_two_runs_in_one_second(env_dir, capsys):
    older, newer = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_aaa"])
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0
    out = capsys.readouterr().out
    assert f"removed {older.name}" in out and newer.name not in out.split("removed", 1)[1].split("\n", 1)[0]
    assert seal.archive_dirs(env_dir) == [newer]
    _verify_ok(capsys, env_dir)


def test_a_repeated_deploy_id_is_ordered_2_before_10(env_dir, capsys):
    base = f"{SECOND}_local"
    made = chained(env_dir, [base] + [f"{base}-{n}" for n in range(2, 12)])
    assert seal.archives_oldest_first(env_dir) == made
    assert newest_archive(env_dir) == made[-1]
    assert [p["name"] for p in history_points(made[2])] == ["opsverify — fx, deploy local",
                                                             "opsverify — fx, deploy local-2"]
    assert len(history_points(made[-1])) == 10
    assert main(["prune", str(env_dir), "--keep", "2"]) == 0
    capsys.readouterr()
    assert names(seal.archive_dirs(env_dir)) == [f"{base}-10", f"{base}-11"]
    _verify_ok(capsys, env_dir)


def test_the_chain_outranks_a_clock_that_went_back(env_dir):
    """Start times (and names) that go backwards: the links still say which came first."""
    made = chained(env_dir, ["20261125T104629Z_c", "20261125T104625Z_b", "20261125T104621Z_a"],
                   started=["2026-11-25T10:46:29Z", "2026-11-25T10:46:25Z", "2026-11-25T10:46:21Z"])
    assert seal.archives_oldest_first(env_dir) == made
    assert newest_archive(env_dir) == made[-1]


def test_a_pruned_archive_still_links_the_ones_either_side(env_dir, capsys):
    """zzz ← mmm ← aaa, then mmm pruned: chain.jsonl still says zzz came before aaa."""
    first, middle, last = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_mmm", f"{SECOND}_aaa"])
    entry = {"archive": middle.name, "manifest_sha256": seal.sha256_file(middle / seal.MANIFEST),
             "previous_archive": first.name, "previous_sha256": seal.sha256_file(first / seal.MANIFEST),
             "deploy_id": "mmm", "started": STARTED, "counts": {"passed": 1}}
    (env_dir / seal.CHAIN).write_text(json.dumps(entry) + "\n", encoding="utf-8")
    shutil.rmtree(middle)
    _verify_ok(capsys, env_dir)
    assert seal.archives_oldest_first(env_dir) == [first, last]
    assert newest_archive(env_dir) == last
    assert main(["prune", str(env_dir), "--keep", "1"]) == 0
    capsys.readouterr()
    assert seal.archive_dirs(env_dir) == [last]
    _verify_ok(capsys, env_dir)


# -- where the chain cannot say: start time, then the name's time, then the name (naturally) ------------------
def test_unlinked_archives_go_by_start_time_then_by_name_in_natural_order(env_dir):
    late = make_archive(env_dir, f"{SECOND}_aaa", started="2026-11-25T10:46:22.900000+00:00")
    ten = make_archive(env_dir, f"{SECOND}_local-10")
    two = make_archive(env_dir, f"{SECOND}_local-2")
    assert seal.archives_oldest_first(env_dir) == [two, ten, late]


def test_several_heads_the_next_run_links_to_the_newest_by_that_order(env_dir):
    """Two archives that each start a chain (a fork is verify's to report): the later start is the head."""
    make_archive(env_dir, f"{SECOND}_zzz", started="2026-11-25T10:46:22Z")
    later = make_archive(env_dir, f"{SECOND}_aaa", started="2026-11-25T10:46:22.500000Z")
    assert seal.chain_head(env_dir)["archive"] == later.name


def _unreadable(archive: Path, how: str, elsewhere: Path) -> None:
    manifest = archive / seal.MANIFEST
    if how == "folder-is-a-symlink":
        shutil.rmtree(archive)
        archive.symlink_to(elsewhere, target_is_directory=True)
        return
    if how == "no-manifest":
        manifest.unlink()
        return
    manifest.unlink()
    if how == "not-json":
        manifest.write_bytes(b"{ not json")
    elif how == "nested":
        manifest.write_bytes(NESTED)
    elif how == "symlink":
        manifest.symlink_to(elsewhere / seal.MANIFEST)
    elif how == "folder":
        manifest.mkdir()
    elif how == "fifo":
        os.mkfifo(manifest)
    elif how == "fields-of-another-type":
        manifest.write_text(json.dumps({"archive": 7, "previous": "x", "started": ["no"], "files": []}))
    elif how == "no-time":
        manifest.write_text(json.dumps({"archive": archive.name, "previous": None, "started": "yesterday-ish",
                                        "files": {}}))


@pytest.mark.parametrize("how", ["not-json", "nested", "symlink", "folder", "fifo", "fields-of-another-type",
                                 "no-time", "no-manifest", "folder-is-a-symlink"])
def test_an_unreadable_manifest_never_crashes_the_order(env_dir, tmp_path, capsys, how):
    """zzz ← mmm ← aaa, mmm's manifest then made unreadable: aaa still names mmm as its previous archive (the
    hash no longer matches), and zzz started first."""
    first, middle, last = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_mmm", f"{SECOND}_aaa"],
                                  started=["2026-11-25T10:46:20Z", "2026-11-25T10:46:21Z", STARTED])
    elsewhere = make_archive(tmp_path / "elsewhere", "20261125T000000Z_other")
    _unreadable(middle, how, elsewhere)
    assert seal.archives_oldest_first(env_dir) == [first, middle, last]
    assert newest_archive(env_dir) == last
    left_out: list[str] = []
    history_points(last, left_out)
    assert main(["prune", str(env_dir), "--keep", "1", "--dry-run"]) == 0
    assert main(["report", str(env_dir), "-o", str(middle / "report.html")]) != 0  # no traceback, whatever it is
    capsys.readouterr()


def test_a_chain_jsonl_that_is_not_json_never_crashes_the_order(env_dir):
    first, last = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_aaa"])
    (env_dir / seal.CHAIN).write_bytes(b'{"archive": 1}\n' + NESTED + b"\nnot json\n")
    assert seal.archives_oldest_first(env_dir) == [first, last]


# -- report -o never writes into an archive -------------------------------------------------------------------
def _report_refused(capsys, archive: Path, target: Path) -> str:
    code = main(["report", str(archive), "-o", str(target)])
    err = capsys.readouterr().err
    assert code == exitcodes.REPORT, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_report_o_into_the_archive_is_one_line_and_exit_28_and_the_seal_holds(env_dir, capsys):
    archive, = chained(env_dir, [f"{SECOND}_local"])
    for target in (archive / "report.html", archive / "allure-results" / "report.html", archive / "results.json",
                   archive / seal.MANIFEST):
        err = _report_refused(capsys, archive, target)
        assert "inside the archive folder" in err and f"{archive}.html" in err
    assert not (archive / "report.html").exists() and not (archive / "allure-results" / "report.html").exists()
    assert not list(archive.rglob(".*.partial"))
    _verify_ok(capsys, env_dir)


def test_report_o_into_any_archive_folder_or_over_chain_jsonl_is_refused(env_dir, tmp_path, capsys):
    older, newer = chained(env_dir, [f"{SECOND}_zzz", f"{SECOND}_aaa"])
    partial = env_dir / ".partial-20261125T104700Z-123"  # a run writing its archive now
    partial.mkdir()
    other_env = tmp_path / "reports" / "prod"
    other = make_archive(other_env, f"{SECOND}_prod")
    link = tmp_path / "looks-harmless"
    link.symlink_to(older, target_is_directory=True)
    for target in (older / "page.html", partial / "page.html", other / "page.html", link / "page.html"):
        assert "inside the archive folder" in _report_refused(capsys, newer, target)
    assert "chain.jsonl" in _report_refused(capsys, newer, env_dir / seal.CHAIN)
    assert not (env_dir / seal.CHAIN).exists() and not (older / "page.html").exists()
    _verify_ok(capsys, env_dir)


def test_report_targets_outside_every_archive_are_accepted(env_dir, tmp_path):
    archive, = chained(env_dir, [f"{SECOND}_local"])
    for target in (env_dir / f"{archive.name}.html", env_dir / "other-name.html", tmp_path / "report.html",
                   env_dir.parent / "fx.html"):
        assert sealed_folder_of(target, archive) is None, target


def test_report_o_is_refused_before_the_renderer_is_looked_for(env_dir, monkeypatch, tmp_path):
    """The check comes before the renderer (minutes for a big archive; here: not installed at all)."""
    from opsverify import report

    archive, = chained(env_dir, [f"{SECOND}_local"])
    monkeypatch.setenv(report.RENDERER_DIR_ENV, str(tmp_path / "no-renderer"))
    with pytest.raises(report.RenderFailed, match="inside the archive folder"):
        render(archive, out=archive / "report.html")
    with pytest.raises(report.RenderFailed, match="renderer is not installed"):
        render(archive, out=tmp_path / "report.html")


def test_a_name_with_a_digit_int_cannot_read_sorts_without_a_crash():
    """`²` is a digit to str.isdigit, not to int(): a folder so named must not stop report or prune."""
    assert seal._natural("20261201T000000Z_build-1²") < seal._natural("20261201T000000Z_build-2")


def _one_item_project(tmp_path: Path):
    """A project of one item that needs no server: an env family item on a dotenv file."""
    from .project import Project

    env_file = tmp_path / "web.env"
    env_file.write_text("STRIPE_SECRET_KEY=sk_live_0123456789abcdef01234567\n", encoding="utf-8")
    project = Project(tmp_path / "p", {"WEB_ENV": str(env_file)})
    project.checklist("shop", "- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: "
                              "postdeploy, params: {service: web, required: [STRIPE_SECRET_KEY]}}\n")
    project.environment("systems:\n  shop:\n    services: {web: {env: {dotenv: \"${WEB_ENV}\"}}}\n")
    return project


@pytest.mark.parametrize("inside", ["{archive}", "{archive}/inputs", "reports/local", "reports/local/.pruned"])
def test_a_reports_dir_among_the_evidence_is_refused_before_any_check(tmp_path, capsys, inside):
    """`--reports-dir` inside a sealed archive (or an env's folder, or its .pruned/) would write the new archive
    there and break the old one's seal while the run exits 0: refused, the evidence left as it was."""
    project = _one_item_project(tmp_path)
    first = project.run("-m", "postdeploy", "--env", "local")
    assert first.code == exitcodes.OK, first.output[-2000:]
    archive = first.archive().relative_to(project.root)
    ran = project.run("-m", "postdeploy", "--env", "local", f"--reports-dir={inside.format(archive=archive)}")
    assert ran.code == exitcodes.ARCHIVE, ran.output[-2000:]
    assert "archive not written: --reports-dir" in ran.output, ran.output[-2000:]
    assert main(["verify", str(project.root / "reports" / "local")]) == 0, capsys.readouterr()


@pytest.mark.parametrize("unsigned", [{}, {"OPSVERIFY_SIGNING_KEY": ""}])
def test_an_unsigned_run_extending_a_signed_chain_says_so(tmp_path, unsigned):
    """A CI secret left unset reads as an empty variable: the run goes on unsigned (its archive is evidence all the
    same), but says — on the console and in its manifest — that verify will call it a bad signature."""
    import base64

    project = _one_item_project(tmp_path)
    key = base64.b64encode(os.urandom(32)).decode()
    assert project.run("-m", "postdeploy", "--env", "local", "--deploy-id", "one",
                       env={"OPSVERIFY_SIGNING_KEY": key}).code == exitcodes.OK
    ran = project.run("-m", "postdeploy", "--env", "local", "--deploy-id", "two", env=unsigned)
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    why = "set but empty" if unsigned else "not set"
    said = f"this archive is not signed (OPSVERIFY_SIGNING_KEY is {why}), but the chain it extends is"
    assert said in ran.output, ran.output[-2000:]
    (second,) = [p for p in (project.root / "reports" / "local").iterdir() if p.name.endswith("_two")]
    assert said in json.loads((second / "manifest.json").read_text())["chain_warning"]


def test_an_item_citing_a_name_no_environment_defines_is_warned_of(tmp_path):
    """An endpoint no environment file defines (and near no name, which would be refused as a typo) skips in every
    environment: the run still skips it, and says so in its summary, so a green run hides nothing."""
    project = _one_item_project(tmp_path)
    project.checklist("shop", "- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: "
                              "postdeploy, params: {service: web, required: [STRIPE_SECRET_KEY]}}\n"
                              "- {id: Q1, name: dead-letter, section: Queues, title: no dead letters, family: redis, "
                              "cadence: postdeploy, params: {endpoint: queue, keys: {'jobs:dead': {max: 0}}}}\n")
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    said = "Q1-dead-letter: endpoint 'queue' is defined for shop by no environment in environments"
    assert said in ran.output and "the item skips in every one until one defines it" in ran.output, ran.output[-2000:]
    assert ran.statuses() == {"E1-stripe": "passed", "Q1-dead-letter": "skipped"}


SKIPPING_ITEMS = ("- {id: W1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy, "
                  "params: {service: web, path: /health, status: 200}}\n"
                  "- {id: D1, name: tables, section: Database, title: tables there, family: sql, cadence: postdeploy, "
                  "params: {query: 'select 1 as one', expect: {one: {eq: 1}}}}\n")


def test_a_run_whose_settings_no_environment_sets_is_warned_of(tmp_path):
    """A service written without its URL and an empty database: every item skips, here and in every environment;
    the run ends 0 as skips do, but warns of each setting and says at its end that it checked nothing."""
    from .project import Project

    project = Project(tmp_path / "p")
    project.checklist("shop", SKIPPING_ITEMS)
    project.environment("systems:\n  shop:\n    database: ''\n    services:\n      web: {url: ''}\n")
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert ran.statuses() == {"W1-health": "skipped", "D1-tables": "skipped"}
    for item, setting in (("W1-health", "services.web.url"), ("D1-tables", "database")):
        said = (f"{item}: systems.shop.{setting} is set by no environment in environments: the item skips in every "
                "one until one sets it")
        assert said in ran.output, ran.output[-2000:]
    assert "nothing was checked: each of the 2 selected items skipped" in ran.output, ran.output[-2000:]


def test_a_run_that_skipped_every_item_says_it_checked_nothing(tmp_path):
    """Prod sets what local lacks (prod-only settings): no warning, but a run that skipped every item it selected
    says so at its end, with why, rather than only counting the skips (its exit code stays 0)."""
    from .project import Project

    project = Project(tmp_path / "p")
    project.checklist("shop", SKIPPING_ITEMS)
    project.environment("systems:\n  shop: {services: {web: {}}}\n")
    project.environment("systems:\n  shop:\n    database: ${PROD_DATABASE_URL}\n    services: {web: {url: "
                        "'https://shop.example'}}\n", name="prod")
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert "set by no environment" not in ran.output, ran.output[-2000:]
    said = ("nothing was checked: each of the 2 selected items skipped — no URL for service 'web' of shop in local "
            "(W1-health); no database configured for shop in local (D1-tables)")
    assert said in ran.output, ran.output[-2000:]


def test_a_run_that_checked_an_item_does_not_say_it_checked_nothing(tmp_path):
    project = _one_item_project(tmp_path)
    project.checklist("shop", "- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: "
                              "postdeploy, params: {service: web, required: [STRIPE_SECRET_KEY]}}\n" + SKIPPING_ITEMS)
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.code == exitcodes.OK, ran.output[-2000:]
    assert ran.statuses() == {"E1-stripe": "passed", "W1-health": "skipped", "D1-tables": "skipped"}
    assert "nothing was checked" not in ran.output, ran.output[-2000:]
