"""Allure results built from the archive's rows (written as each item ends, see `archive`).

allure-pytest's per-test listener is not used: it records pytest's fixtures as steps (a phantom
`checked::<lambda>` teardown), times the test body rather than the check, and names an *error* by
its Python class. Here every result is built from what the engine
decided: labels that walk the runbook (system → section → item id), the item's own gather + judge
time, the evidence attached to the result itself, and the outcome's words as the README gives them.
The results are plain dicts with the fields of `allure_commons.model2.TestResult` (the format
allure-pytest writes), built directly: at a thousand items, attrs' `asdict` alone would cost more than
the budget of every reporter together.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .display import literal
from .folders import remove_tree
from .jsontext import compact, readable, utf8

if TYPE_CHECKING:
    import pytest

CATEGORIES_FILE = "categories.json"

# outcome -> Allure status; a waived failure stays failed (never green) and is marked known (accepted)
ALLURE_STATUS = {"passed": "passed", "failed": "failed", "waived": "failed", "error": "broken",
                 "skipped": "skipped", "manual": "skipped"}

# The outcomes named as the README names them, defined once: (id, name, the outcomes it holds, how the result's
# status message starts — see _status_message — which tells a waived failure from a failed one where a reader
# matches only status and message). Two forms are made of it: CATEGORIES and categories_file.
_OUTCOME_CATEGORIES = (
    ("failed", "failed", ("failed",), "failed: "),
    ("waived", "waived (accepted failures, see each waiver)", ("waived",), "waived until "),
    ("could-not-check", "could not check", ("error",), "could not check: "),
    ("skipped", "skipped with reason", ("skipped", "manual"), None),  # by status: its message is the reason
)

def _one_of(outcomes: tuple[str, ...]) -> str:
    return f"^{outcomes[0]}$" if len(outcomes) == 1 else f"^({'|'.join(outcomes)})$"


# Allure 3's (allurerc `categories`, as `opsverify report` renders): matched on the outcome label
CATEGORIES = [{"id": id_, "name": name, "matchers": {"labels": {"outcome": _one_of(outcomes)}}}
              for id_, name, outcomes, _ in _OUTCOME_CATEGORIES]


def categories_file() -> bytes:
    """allure-results/categories.json, Allure's own file for any reader of the results: the same categories,
    matched on what that file can match — a result's status, and its message (the whole of it, any line)."""
    categories = []
    for _, name, outcomes, message_starts in _OUTCOME_CATEGORIES:
        category: dict[str, Any] = {"name": name, "matchedStatuses": sorted({ALLURE_STATUS[o] for o in outcomes})}
        if message_starts:  # words only: nothing a regular expression reads as other than itself
            category["messageRegex"] = f"(?s){message_starts}.*"
        categories.append(category)
    return json.dumps(categories, indent=2).encode()


def history_id(env: str, system: str, key: str) -> str:
    """Stable from run to run, so the report's history follows an item across deploys."""
    return hashlib.md5(f"{env}:{system}:{key}".encode("utf-8", "surrogateescape")).hexdigest()


def result_files(row: dict[str, Any], *, env: str, start_ms: int, uid: str | None = None) -> dict[str, bytes]:
    """One row's result file, and its evidence attachment when it has evidence. `start_ms` orders the
    report's tree (runbook order)."""
    uid = uid or str(uuid.uuid4())
    *attachment, result_name = result_names(row, uid)
    files: dict[str, bytes] = {}
    result = _result(row, uid, env=env, start=start_ms)
    if attachment:
        files[attachment[0]] = readable(row["evidence"])
        result["attachments"] = [{"name": "evidence", "source": attachment[0], "type": "application/json"}]
    files[result_name] = utf8(compact(result))
    return files


def result_names(row: dict[str, Any], uid: str) -> tuple[str, ...]:
    """The names of the files `result_files` makes of `row` with `uid`: its evidence attachment (when it has
    evidence), then its result."""
    return (f"{uid}-attachment.json", f"{uid}-result.json") if row.get("evidence") else (f"{uid}-result.json",)


def _result(row: dict[str, Any], uid: str, *, env: str, start: int) -> dict[str, Any]:
    """Start times step by a millisecond in runbook order (Allure orders its tree by them); each
    duration is the item's own: its group's gather time plus its judge time."""
    system, key, outcome = row.get("system") or "", row.get("key") or row.get("nodeid", ""), row["status"]
    duration_ms = max(0, round(float(row.get("duration_s") or 0) * 1000))
    stable = history_id(env, system, key)
    result = {
        "uuid": uid, "historyId": stable, "testCaseId": stable,
        "name": f"{key} {row.get('title') or ''}".strip(),
        "fullName": f"{system}.{row.get('section')}.{key}" if system else key,
        "status": ALLURE_STATUS.get(outcome, "unknown"),
        "stage": "finished", "description": _description(row),
        "start": start, "stop": start + duration_ms, "labels": _labels(row),
    }
    details = _status_details(row)
    if details:
        result["statusDetails"] = details
    if system:
        result["titlePath"] = [system, row.get("section") or ""]
    return result


def _status_details(row: dict[str, Any]) -> dict[str, Any] | None:
    """A message where something is wrong, and a skip's reason (Allure groups a category's results by message:
    without one, every skipped and manual item reads "No message"). A waived failure is *known*: Allure shows it
    as an accepted failure."""
    if row["status"] == "passed":
        return None
    details: dict[str, Any] = {"message": _status_message(row)}
    if row["status"] == "waived":
        details["known"] = True
    return details


def _status_message(row: dict[str, Any]) -> str:
    outcome = row["status"]
    observed = row.get("observed") or row.get("message") or ""
    if outcome == "failed":
        return f"failed: expected {row.get('expected')}; saw {observed}"
    if outcome == "waived":
        waiver = row.get("waiver") or {}
        return (f"waived until {waiver.get('expires')} by {waiver.get('approver')} ({waiver.get('ticket')}): "
                f"{waiver.get('reason')} — failed: expected {row.get('expected')}; saw {observed}")
    if outcome == "error":
        return f"could not check: {observed.removeprefix('could not look: ')}"
    if outcome == "manual":
        return observed  # "manual: <reason>"
    return observed if observed.startswith("skipped") else f"skipped: {observed}"


# The only markdown a description holds that is not escaped: these labels, each where a paragraph starts
# (report.description_kept passes on nothing else a re-sealed archive may have put there)
SKIPPED, EXPECTED, OBSERVED, REMEDIATION, WAIVED = DESCRIPTION_LABELS = (
    "**Skipped:**", "**Expected:**", "**Observed:**", "**Remediation:**", "**Waived**")


def _description(row: dict[str, Any]) -> str:
    """Markdown (Allure renders it): our own words bold, every value in it shown literally (`literal`)."""
    lines = []
    if row["status"] in ("skipped", "manual"):
        lines.append(f"{SKIPPED} {literal(row.get('observed') or row.get('message'))}")
    if row.get("expected"):
        lines.append(f"{EXPECTED} {literal(row['expected'])}")
    if row.get("observed") and row["status"] not in ("skipped", "manual"):
        lines.append(f"{OBSERVED} {literal(row['observed'])}")
    if row.get("remediation"):
        lines.append(f"{REMEDIATION} {literal(row['remediation'])}")
    if row.get("waiver"):
        w = {k: literal(v) for k, v in row["waiver"].items()}
        lines.append(f"{WAIVED} until {w.get('expires')} by {w.get('approver')} ({w.get('ticket')}): {w.get('reason')}")
    if row.get("system"):  # a checklist item's (a module that could not be collected has none of these)
        lines.append(f"Severity {literal(row.get('severity'))}, family {literal(row.get('family'))}, "
                     f"cadence {literal(row.get('cadence') or 'manual')}"
                     + ("; the evidence is attached (Attachments)." if row.get("evidence") else "."))
    return "\n\n".join(lines)


def _labels(row: dict[str, Any]) -> list[dict[str, str]]:
    system, section, item = row.get("system"), row.get("section"), row.get("id")
    if not system:
        return [{"name": "outcome", "value": row["status"]}]
    pairs = [("parentSuite", system), ("suite", section), ("subSuite", item), ("epic", system), ("feature", section),
             ("story", item), ("severity", row.get("severity")), ("tag", row.get("cadence") or "manual"),
             ("family", row.get("family")), ("outcome", row["status"])]
    if row["status"] == "waived":
        pairs.append(("tag", "waived"))
    return [{"name": name, "value": value} for name, value in pairs if value]


def environment_properties(info: dict[str, str]) -> bytes:
    """Allure's Environment widget: `key=value` lines (values on one line), escaped as java.util.Properties reads
    them: Allure's reader follows it, and throws on a `\\u` that starts no escape (a `CORP\\ulrich` actor), dropping
    the whole file."""
    return "".join(f"{_property(str(k), key=True)}={_property(' '.join(str(v).split()), key=False)}\n"
                   for k, v in info.items() if v not in (None, "")).encode("ascii")


_PROPERTY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


def _property(text: str, *, key: bool) -> str:
    """`text` as a .properties key or value that reads back as itself. A key ends at its first `=`, `:` or blank,
    and a line starting with `#` or `!` is a comment: a key escapes those; a value only its leading blank (a reader
    skips it) — the rest of its line is the value. Everything not printable ASCII is a \\uXXXX escape (a UTF-16
    unit each), so that a reader of UTF-8 (Allure) and one of ISO 8859-1 (Java) read the same."""
    out = []
    for index, char in enumerate(text):
        if char in _PROPERTY_ESCAPES:
            out.append(_PROPERTY_ESCAPES[char])
        elif (key and char in "=: #!") or (char == " " and index == 0):
            out.append(f"\\{char}")
        elif " " <= char <= "~":
            out.append(char)
        else:
            units = char.encode("utf-16-be", "surrogatepass")
            out.extend(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    return "".join(out)


def executor(*, env: str, deploy: str, runner: dict[str, Any]) -> bytes:
    """Allure's executor.json: who ran it, and the CI build link when there is one. No reportUrl: the archive's
    name is settled only as it is sealed, after this file is hashed (and a page knows where it is)."""
    data = {"name": runner.get("provider", "local"), "type": runner.get("provider", "local"),
            "buildName": f"{env} {deploy}", "reportName": f"opsverify — {env}, deploy {deploy}"}
    if runner.get("job_url"):
        data["buildUrl"] = runner["job_url"]
    if runner.get("run_id"):
        data["buildOrder"] = runner["run_id"]
    return json.dumps(data, indent=2).encode()


# -- allure-pytest's --alluredir in a verification run ------------------------------------------------
@dataclass(frozen=True)
class Destination:
    """Where `--alluredir` asked for the results, and whether `--clean-alluredir` empties it first."""

    folder: Path
    clean: bool


def take_over(config: pytest.Config) -> Destination | None:
    """In a verification run, `--alluredir DIR` gets the archive's own Allure results, verdicts as archived:
    allure-pytest's listener would write pytest's view of each item — a report a team's hook rewrote to passed, a
    waived failure as a plain skip. Its option is taken before allure-pytest's pytest_configure reads it, so that
    plugin starts no listener and writes nothing (as in a run without --alluredir), as junit.take_over takes
    pytest's own writer."""
    given = getattr(config.option, "allure_report_dir", None)
    if not given:
        return None
    config.option.allure_report_dir = None
    clean = bool(getattr(config.option, "clean_alluredir", False)) and not config.option.collectonly
    return Destination(Path(os.path.abspath(given)), clean)  # as allure-pytest reads it


# What an Allure results folder holds: allure-pytest's (and this archive's) results, containers and attachments, the
# folder's own files (and the `.gitkeep` of a results folder a CI keeps in git), Allure's trend history a CI copies in
# from its last report, and a write of ours cut short
_RESULT_FILE = re.compile(r"[^/]+-(result\.json|container\.json|attachment(\.[^/]*)?)")
_FOLDER_FILES = {CATEGORIES_FILE, "environment.properties", "executor.json", ".gitkeep"}
_HISTORY = "history"
# the files Allure's report writes into its history/ (allure2's HistoryPlugin and its trend plugins), and no other:
# a history/ is no licence to empty whatever a user keeps under that name
_HISTORY_FILES = {"history.json", "history-trend.json", "duration-trend.json", "categories-trend.json",
                  "retry-trend.json"}


def not_results(folder: Path) -> list[str]:
    """What `folder` holds that is no Allure result (sorted), so `--clean-alluredir` never empties a folder of anything
    else: allure-pytest empties whatever it is given, and a folder named by mistake (`--alluredir=.`, a project's
    `environments/` with its untracked secrets) lost everything. [] for a folder not there yet."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    others = []
    for entry in entries:
        name = entry.name
        if entry.is_dir(follow_symlinks=False):
            others.extend([f"{name}/"] if name != _HISTORY else _not_history(entry.path))
        elif not (name in _FOLDER_FILES or _RESULT_FILE.fullmatch(name)
                  or (name.startswith(".") and name.endswith(".partial"))):
            others.append(name)
    return others


def _not_history(folder: str) -> list[str]:
    """What a results folder's `history/` holds that is none of Allure's trend files, as `history/<name>`."""
    others = []
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if entry.is_dir(follow_symlinks=False):
            others.append(f"{_HISTORY}/{entry.name}/")
        elif entry.name not in _HISTORY_FILES:
            others.append(f"{_HISTORY}/{entry.name}")
    return others


def write_folder(destination: Destination, files: dict[str, bytes]) -> None:
    """Each file whole or not at all (a temporary name, then renamed), as allure-pytest writes its own; emptied
    first under --clean-alluredir, as allure-pytest empties it. OSError: a folder that cannot be emptied gets no
    file (an earlier run's results among this one's would read as this run's)."""
    folder = destination.folder
    if destination.clean and folder.is_dir() and not folder.is_symlink():  # a symlink is left, as rmtree leaves it
        left = remove_tree(folder)  # DIR is anyone's: it may be nested past shutil.rmtree's recursion
        if left is not None:
            raise OSError(left.errno, f"--clean-alluredir could not empty it ({left.strerror or left})")
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
