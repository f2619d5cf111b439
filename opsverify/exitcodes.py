"""Every exit code the suite can end with, in one table: the code, `--help` and the README read it.

pytest's own codes keep their meaning (1 failed, 2 interrupted, 3 internal error, 4 usage, 5 none
selected); opsverify adds its own from 10 up, so a CI job can tell "the deploy is broken" (1) from
"the verifier could not look" (10, 23, 24) and from "the suite was given bad input" (20–22);
`opsverify verify` ends with 0 or one of 30–33. A run that checked items ends with the first that holds,
interrupted or not (PRECEDENCE, see `archive.run_exit_code`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExitCode:
    code: int
    name: str
    meaning: str


TABLE: tuple[ExitCode, ...] = (
    ExitCode(0, "ok", "every selected check passed, or was skipped with a reason"),
    ExitCode(1, "failed", "at least one check failed: the target is not as the runbook says"),
    ExitCode(2, "interrupted", "pytest: the run was interrupted (Ctrl-C, SIGTERM), or `-x`/`--maxfail` stopped it on a "
                               "failure below --fail-on (a blocking one is 1) with items never checked; its archive "
                               "says `interrupted` and how many of the selected items ran. Also a conftest that calls "
                               "`pytest.exit` as it imports, in pytest_configure or in pytest_sessionstart (no code "
                               "given, or one this table does not give: a code it does give is kept, never 0), before "
                               "any check; or as the run collects, before any item was selected (no code given, or 0: "
                               "\"interrupted before any check was selected\", no archive)"),
    ExitCode(3, "internal", "pytest: internal error"),
    ExitCode(4, "usage", "pytest: command-line usage error (e.g. a bad -k or -m expression, or runbook checks "
                         "without --env); no archive"),
    ExitCode(5, "no-checks", "pytest: no check was selected — none at all, only manual items (a person checks "
                             "those, not the run), only items of systems the environment does not configure (each "
                             "would skip; a `--system` it does not configure stops the run at once), or only the "
                             "project's own tests (`-k smoke`; a failing one still ends 1); no archive. Also "
                             "a run that checked items but not every `--item` it names (-m, -k or --deselect left one "
                             "out): the summary names each, and the archive's `selection.items_not_selected`"),
    ExitCode(10, "could-not-check", "nothing failed, but some checks could not decide (error), or a failure "
                                    "--fail-on lets pass could not decide a part of it or erred after its check (its "
                                    "teardown, its worker): a target misbehaved — among them a database that kept "
                                    "answering, too slowly for timeouts.database_s; the summary names each cause "
                                    "(`could not check — …`). Also a family module or a conftest that skipped itself "
                                    "at import (`pytest.importorskip` of what this runner lacks; a conftest's "
                                    "`pytest.fail` too): its items were never collected (a conftest: no test below "
                                    "it, the run stops before any check)"),
    ExitCode(20, "bad-config", "invalid checklist or environment file (bad YAML, not UTF-8, unknown key, "
                               "wrong value; an environment that names no system, or has a `.yml` twin), a "
                               "`checks/` module naming no family or a second test of one, or none for a family "
                               "the run's items need (`checks/test_tcp.py` is missing), a conftest that raises as it "
                               "imports (pytest said a usage error, 4), or a bad option value. Also a conftest's "
                               "`pytest_collection_modifyitems` that raised (which items it meant to run is unknown: "
                               "none is checked, no archive), or its `pytest_sessionfinish` or "
                               "`pytest_terminal_summary` that raised where every check passed (the archive is "
                               "sealed as the checks left it, its manifest's exit code theirs; pytest said 3 or 1, "
                               "in a traceback)"),
    ExitCode(21, "unknown-env", "unknown environment name"),
    ExitCode(22, "missing-variable", "a ${VAR} of the environment is not set, or holds a control character or "
                                     "bytes that are not UTF-8"),
    ExitCode(23, "unreachable", "nothing failed, but a database could not be reached or stopped answering "
                                "(its items are errors; every other item was checked and archived)"),
    ExitCode(24, "credentials", "nothing failed, but a database rejected the credentials (its items are errors; "
                                "every other item was checked and archived)"),
    ExitCode(25, "demo", "the demo deployment could not start, or an unknown demo fault was named"),
    ExitCode(26, "archive", "the run archive, the --junitxml file or the --alluredir folder could not be written "
                            "(folder full or read-only, a file where a folder belongs, or reports/ or its env's folder "
                            "a symbolic link to nothing — an evidence volume not mounted; a missing folder is made): one "
                            "line says why; the checks' results are only on the console (a run in which a check failed "
                            "still ends 1, and one that could not check 24, 23 or 10); or, before any check, one of "
                            "them would be written among the evidence (inside a run archive, a reports/<env> folder, its "
                            ".pruned/ or chain.jsonl). Also an `opsverify` command whose output could not be "
                            "written (stdout on a full disk; not a verification run's console: its archive is the "
                            "evidence, and it keeps its checks' code), and a prune that could not remove an archive "
                            "it tried to"),
    ExitCode(27, "waiver-expired", "nothing failed, every check could decide and every selected item ran (else 10, 23, "
                                   "24 or 2), but a waiver of a checked item has expired (the summary names it): "
                                   "renew it with a new approval, or remove it"),
    ExitCode(28, "report", "the HTML report could not be rendered (the renderer is not installed: `make setup`; "
                           "or it failed), or `-o` names a folder, a missing folder, a place inside an archive, an "
                           "env's chain.jsonl or .pruned/, a name an archive's files or a run's work go by (manifest.json, "
                           "manifest.sig, .partial-*), or something that is not a report opsverify rendered (a "
                           "device, a FIFO, a symlink, a file of yours): the archive itself is complete; or the archive "
                           "(an env's newest) is where an interrupted prune moved it aside (`.pruning-*`: it says how to "
                           "put it back, or to render it with -o); or `opsverify setup` could not install the renderer "
                           "(the one installed before is kept)"),
    ExitCode(30, "tampered", "`opsverify verify`: a file of an archive was added, removed or changed after sealing "
             "(its manifest.json too: a folder under an archive's name without one); or the page beside an archive (`<archive>.html`) was rendered from another archive"),
    ExitCode(31, "bad-signature", "`opsverify verify`: a manifest's signature does not verify, is by another key than "
                                  "--public-key, or is missing where a key was given; without --public-key, "
                                  "is missing after signed archives of the chain"),
    ExitCode(32, "broken-chain", "`opsverify verify`: an archive's link to the previous archive of its env does not "
                                 "hold (one removed, replaced, re-hashed, renamed or swapped); or an env folder "
                                 "holds another env's archives"),
    ExitCode(33, "not-an-archive", "`opsverify verify/report/prune`: the path is not a run archive nor a "
                                   "reports/<env> folder (what an env folder holds besides its archives is named in a "
                                   "note, never judged)"),
)

# said beside the table (README, --help): which code a run that checked items ends with when more than one holds
PRECEDENCE = ("A run that checked items ends with the first code that holds, interrupted or not: 1, then 24, 23, 10, "
              "then 26 (its archive, --junitxml file or --alluredir folder could not be written: one line says why), "
              "then 2, then 27, then 5 (an `--item` it names was not selected), else 0 — a run stopped by Ctrl-C or "
              "SIGTERM after a check failed exits 1, and its archive says it was interrupted. A conftest's "
              "`pytest_sessionfinish` or `pytest_terminal_summary` that raised makes it 20 where it would end 0 (one "
              "line says what it raised).")

BY_NAME = {entry.name: entry.code for entry in TABLE}
OK, FAILED, INTERRUPTED, INTERNAL, USAGE, NO_CHECKS = (BY_NAME[n] for n in (
    "ok", "failed", "interrupted", "internal", "usage", "no-checks"))
COULD_NOT_CHECK = BY_NAME["could-not-check"]
BAD_CONFIG = BY_NAME["bad-config"]
UNKNOWN_ENV = BY_NAME["unknown-env"]
MISSING_VARIABLE = BY_NAME["missing-variable"]
UNREACHABLE = BY_NAME["unreachable"]
CREDENTIALS = BY_NAME["credentials"]
DEMO = BY_NAME["demo"]
ARCHIVE = BY_NAME["archive"]
WAIVER_EXPIRED = BY_NAME["waiver-expired"]
REPORT = BY_NAME["report"]
TAMPERED, BAD_SIGNATURE, BROKEN_CHAIN, NOT_AN_ARCHIVE = (BY_NAME[n] for n in (
    "tampered", "bad-signature", "broken-chain", "not-an-archive"))


def markdown() -> str:
    """The README's table."""
    lines = ["| code | name | meaning |", "| --- | --- | --- |"]
    lines += [f"| {e.code} | `{e.name}` | {e.meaning} |" for e in TABLE]
    return "\n".join(lines)


def plain() -> str:
    """For --help."""
    return "\n".join([*(f"  {e.code:>3}  {e.name:<17} {e.meaning}" for e in TABLE), PRECEDENCE])


# Where 26 falls in PRECEDENCE. What the target is (1) and that it could not be looked at (24, 23, 10) are what a CI
# acts on, and the console holds their detail: evidence that could not be written must not hide a broken deploy. 26
# outranks what only the lost archive would have said of the run itself — items never checked (2), an expired waiver
# (27), an --item not selected (5) — and, unlike an interruption, a storage fault recurs when the run is repeated.
OUTRANK_MISSING_EVIDENCE = (FAILED, CREDENTIALS, UNREACHABLE, COULD_NOT_CHECK)


def evidence_missing(code: int) -> int:
    """A run's code once its archive, --junitxml file or --alluredir folder could not be written at its end."""
    return code if code in OUTRANK_MISSING_EVIDENCE else ARCHIVE
