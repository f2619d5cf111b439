"""Allure results group system → runbook section → item id, with ids stable from run to run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from opsverify.display import literal
from opsverify.checklist import load_checklists
from opsverify.coverage import coverage_report

from .helpers import CHECKS, ROOT

SYSTEM = "sora-studio"
KNOWN = {"S1-poller-manual-only": ("Poller", "S1"), "S7-auditor-report": ("Auditor runs", "S7"),
         "S12-jobs-columns": ("Supabase Schema", "S12"), "S8-checkout-sessions-service-only": ("Stripe Checkout", "S8")}


def _suite_runs(reports: list[Path]) -> list[Path]:
    """Two runs of the suite as a user starts it, side by side; the archive folder of each."""
    command = [sys.executable, "-m", "pytest", "checks", "--env", "demo", "-m", "postdeploy or manual", "--system", SYSTEM,
               "-p", "no:cacheprovider", "-q"]
    runs = [subprocess.Popen([*command, "--reports-dir", str(r)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=dict(os.environ)) for r in reports]
    archives = []
    for run, folder in zip(runs, reports):
        out, _ = run.communicate(timeout=180)
        assert run.returncode == 0, out[-3000:]
        (archive,) = (folder / "demo").iterdir()
        archives.append(archive)
    return archives


def _results(archive: Path) -> dict[str, dict]:
    """Each result by the check it ran (its name starts with the item key)."""
    out = {}
    for path in sorted((archive / "allure-results").glob("*-result.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        key = result["name"].split(" ", 1)[0]
        assert key not in out, f"two results for {key}"
        out[key] = result
    return out


def _labels(result: dict) -> dict[str, str]:
    return {label["name"]: label["value"] for label in result["labels"]
            if label["name"] in ("parentSuite", "suite", "subSuite", "epic", "feature", "story", "family")}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("allure")
    archives = _suite_runs([base / "first", base / "second"])
    return SimpleNamespace(archives=archives, first=_results(archives[0]), second=_results(archives[1]))


def test_results_are_labelled_system_section_item(two_runs):
    first = two_runs.first
    expected = {c.key: c for c in CHECKS if c.system == SYSTEM and (c.manual or c.cadence.value == "postdeploy")}
    assert set(first) == set(expected)
    for key, check in expected.items():
        labels = _labels(first[key])
        assert (labels["parentSuite"], labels["suite"], labels["subSuite"]) == (SYSTEM, check.section, check.id), key
        assert (labels["epic"], labels["feature"], labels["story"]) == (SYSTEM, check.section, check.id), key
        assert labels["family"] == check.family
        assert first[key]["name"].startswith(f"{key} {check.title}")  # the title sorts items by key in a sub-suite
        if check.remediation and first[key]["status"] == "failed":
            assert f"**Remediation:** {literal(check.remediation)}" in first[key]["description"], key
    for key, (section, item) in KNOWN.items():
        assert (_labels(first[key])["suite"], _labels(first[key])["subSuite"]) == (section, item)
    assert {r["status"] for r in first.values()} >= {"passed", "skipped"}  # titles hold for skipped ones too


def test_label_tree_is_the_runbook_tree(two_runs):
    """Grouping by the labels gives exactly the checklist's system → section → item ids."""
    tree: dict[str, dict[str, set[str]]] = {}
    for result in two_runs.first.values():
        labels = _labels(result)
        tree.setdefault(labels["parentSuite"], {}).setdefault(labels["suite"], set()).add(labels["subSuite"])
    runbook: dict[str, dict[str, set[str]]] = {}
    for check in CHECKS:
        if check.system == SYSTEM and (check.manual or check.cadence.value == "postdeploy"):
            runbook.setdefault(check.system, {}).setdefault(check.section, set()).add(check.id)
    assert tree == runbook
    assert tree[SYSTEM]["Auditor runs"] == {"S7"}


def test_history_and_test_case_ids_are_stable_across_runs(two_runs):
    first, second = two_runs.first, two_runs.second
    assert set(first) == set(second)
    for key in first:
        assert first[key]["historyId"] == second[key]["historyId"], key
        assert first[key]["testCaseId"] == second[key]["testCaseId"], key
    # one history line per check: parametrized results must not share one
    assert len({r["historyId"] for r in first.values()}) == len(first)


def test_archive_holds_the_coverage_report(two_runs):
    every = load_checklists(ROOT / "checklists")  # the archive covers every checklist, not only the seed ones
    assert json.loads((two_runs.archives[0] / "coverage.json").read_text(encoding="utf-8")) == json.loads(
        json.dumps(coverage_report(every)))


def _outcome_rows() -> list[dict]:
    """One row of each outcome, as the engine records them."""
    base = {"system": "shop", "section": "1 Basics", "title": "t", "family": "env", "cadence": "postdeploy",
            "severity": "normal", "expected": "FLAG=true", "observed": "FLAG is 'false'\nover two lines",
            "message": "m"}
    waiver = {"reason": "r", "approver": "a", "ticket": "T-1", "expires": "2099-12-31"}
    return [{**base, "id": f"S{i}", "key": f"S{i}-x", "status": status,
             **({"waiver": waiver} if status == "waived" else {})}
            for i, status in enumerate(["passed", "failed", "waived", "error", "skipped", "manual"])]


def test_categories_json_files_each_result_as_the_reports_categories_do():
    """allure-results/categories.json (Allure's own file, matched on a result's status and message) and the report's
    categories (Allure 3, matched on the outcome label) come from one definition and put every result in the same
    category: failed, waived, could not check, skipped with reason (a manual item too); a pass in none."""
    import re

    from opsverify import allureresults

    documented = json.loads(allureresults.categories_file())
    assert [c["name"] for c in documented] == [c["name"] for c in allureresults.CATEGORIES]
    assert all(set(c) <= {"name", "matchedStatuses", "messageRegex"} for c in documented)  # the file's own fields
    for row in _outcome_rows():
        files = allureresults.result_files(row, env="fx", start_ms=0)
        (result,) = [json.loads(data) for name, data in files.items() if name.endswith("-result.json")]
        outcome = next(label["value"] for label in result["labels"] if label["name"] == "outcome")
        by_label = next((c["name"] for c in allureresults.CATEGORIES
                         if re.search(c["matchers"]["labels"]["outcome"], outcome)), None)
        message = (result.get("statusDetails") or {}).get("message")
        by_file = next((c["name"] for c in documented if result["status"] in c["matchedStatuses"]
                        and ("messageRegex" not in c
                             or message is not None and re.fullmatch(c["messageRegex"], message))), None)
        assert by_file == by_label, (row["status"], by_file, by_label)
        assert (by_label is None) == (row["status"] == "passed"), row["status"]


def test_a_skipped_or_manual_result_carries_its_reason_as_its_message():
    """Allure groups a category's results by message: a skip's reason is its message, or the whole of "skipped
    with reason" reads "No message"."""
    from opsverify import allureresults

    for row in _outcome_rows():
        if row["status"] not in ("skipped", "manual"):
            continue
        row = {**row, "observed": "a phone call, not a system property"}
        files = allureresults.result_files(row, env="fx", start_ms=0)
        (result,) = [json.loads(data) for name, data in files.items() if name.endswith("-result.json")]
        assert "a phone call, not a system property" in result["statusDetails"]["message"], row["status"]
        assert "known" not in result["statusDetails"]


# -- environment.properties, as java.util.Properties (and Allure's reader after it) reads it back ---------------
def _java_properties(data: bytes) -> dict[str, str]:
    """A reader per java.util.Properties.load(InputStream): ISO 8859-1; natural lines joined where one ends in an
    odd number of backslashes; `#` or `!` first on a line starts a comment; the key ends at the first unescaped
    `=`, `:` or blank, then blanks and one `=` or `:` are skipped; `\\t \\n \\r \\f \\uXXXX` escapes, any other
    escaped character is itself (a malformed \\uXXXX is an error, as Java's IllegalArgumentException)."""
    lines = data.decode("iso-8859-1").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    logical: list[str] = []
    joining = False
    for line in lines:
        stripped = line.lstrip(" \t\f")
        if not joining and (not stripped or stripped[0] in "#!"):
            continue
        ends_escaped = (len(stripped) - len(stripped.rstrip("\\"))) % 2 == 1
        piece = stripped[:-1] if ends_escaped else stripped
        if joining:
            logical[-1] += piece
        else:
            logical.append(piece)
        joining = ends_escaped
    found = {}
    for line in logical:
        i, key = 0, []
        while i < len(line) and line[i] not in "=: \t\f":
            char, i = _unescape(line, i)
            key.append(char)
        while i < len(line) and line[i] in " \t\f":
            i += 1
        if i < len(line) and line[i] in "=:":
            i += 1
        while i < len(line) and line[i] in " \t\f":
            i += 1
        value = []
        while i < len(line):
            char, i = _unescape(line, i)
            value.append(char)
        found["".join(key)] = "".join(value)
    return found


def _unescape(line: str, i: int) -> tuple[str, int]:
    if line[i] != "\\":
        return line[i], i + 1
    if i + 1 == len(line):
        return "", i + 1
    escaped = line[i + 1]
    if escaped == "u":
        digits = line[i + 2:i + 6]
        if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError(f"Malformed \\uxxxx encoding: {line[i:i + 6]!r}")
        return chr(int(digits, 16)), i + 6
    return {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(escaped, escaped), i + 2


def _utf16_joined(text: str) -> str:
    """A string as Java holds it, surrogate pairs joined back (a reader's \\uD83D\\uDE00 is one character)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


HOSTILE_PROPERTIES = {
    "actor": "CORP\\ulrich", "runner": "CORP\\bob", "selection": "-k 'a=b: #1 !x' — partial: 1 of 2",
    "job_url": "https://ci.example/run?a=1#frag", "deploy_id": "Zoë 🚀 release", "suite_commit": "\\",
    "key with = and : and blanks": "value", "#not a comment": "!neither", " leading": "\tleading blank",
    "line\nbreak": "two\nlines\r\nhere", "bell": "a\x07b\x7fc",
}


def test_environment_properties_read_back_as_written():
    """A `DOMAIN\\user` actor must not make the reader throw on `\\u` (Allure then drops the whole file) nor lose
    its backslash (`CORPbob`); keys keep `=`, `:`, blanks, a leading `#`; the file is ASCII, so a reader of UTF-8
    (Allure) and one of ISO 8859-1 (Java) read the same. Values are shown on one line, blanks collapsed."""
    from opsverify.allureresults import environment_properties

    data = environment_properties(HOSTILE_PROPERTIES)
    assert data.isascii(), data
    read = {_utf16_joined(key): _utf16_joined(value) for key, value in _java_properties(data).items()}
    assert read == {key: " ".join(value.split()) for key, value in HOSTILE_PROPERTIES.items()}, data


def test_environment_properties_read_back_by_the_renderer():
    """The pinned renderer's own parser (Allure's reader) gets every key and value as written."""
    from opsverify.allureresults import environment_properties
    from opsverify.report import allure_cli, node_executable, renderer_dir

    try:
        allure_cli()
    except Exception:
        pytest.skip("the HTML renderer is not installed (make setup)")
    reader = renderer_dir() / "node_modules" / "@allurereport" / "reader" / "dist" / "properties.js"
    script = ("import(process.argv[1]).then(({parseProperties}) => { let s = ''; process.stdin.setEncoding('utf8')"
              ".on('data', d => s += d).on('end', () => process.stdout.write(JSON.stringify(parseProperties(s)))); })")
    done = subprocess.run([node_executable(), "-e", script, reader.as_uri()], input=environment_properties(
        HOSTILE_PROPERTIES), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {key: " ".join(value.split()) for key, value in HOSTILE_PROPERTIES.items()}
