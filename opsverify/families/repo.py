"""repo: files of the deployed commit — workflow triggers, vercel.json crons, .env.example keys,
and an auditor report newer than the deploy.

Where the files come from (per system, in the environment file):
    repo: /path/to/checkout           a local checkout of the deployed commit (preferred), else
    providers:
      github: {repo: owner/name, ref: <deployed sha>, token: "${GITHUB_TOKEN}", base_url: ...}
                                      the GitHub contents API, GET only; the token only as ${VAR}
                                      (a token written into the file is refused when it loads)
    With both, the checkout's HEAD must be providers.github.ref, the deployed commit: another commit is an *error*
    naming both (a ref that is no full commit SHA, `main`, is not compared: the evidence says so). HEAD's commit is
    in the evidence (`checkout_head`); the env family's placeholders_from and migrations' from_repo read so too.

Params, one kind per item:
    file: .github/workflows/poller-cron.yml
    triggers_absent: [schedule]        workflow `on:` triggers that must not be there
    triggers_present: [workflow_dispatch]   (GitHub Actions event names: any other is refused at load)
    triggers_only: [workflow_dispatch]      instead of both: exactly these triggers, each there and no other (a
                                       workflow to run by hand only: a `push:` added beside it fails)
                                       read as GitHub reads it: only the key `on` (not `On`, `true`); a file
                                       GitHub refuses (a key twice, a `<<` merge, an `on:` name that is no
                                       event, a `schedule:` that is no list of `- cron:` GitHub takes, no job,
                                       a job without `runs-on:` or `uses:`, a step of no kind or of two
                                       (`run:`, `uses:`; `wait:`, `wait-all:`, `cancel:` for background
                                       steps), a `wait:` or `cancel:` naming no earlier step's `id:`, a
                                       key the workflow, a job, a step or
                                       an event's filters have not, a value GitHub's schema refuses in
                                       `permissions:` (a scope or level it has not: `workflows: write`),
                                       `strategy:`, `concurrency:`, `env:`, `timeout-minutes:` or a
                                       workflow_dispatch input (no `${{ }}` judged), a step's `uses:` that is
                                       no ./path, docker://image or owner/repo@ref, a filter beside its `-ignore` twin
                                       (`branches:` and `branches-ignore:`), a `needs:` naming no job of the
                                       file or going round in a cycle, no job without `needs:`) fails whatever
                                       is asked; a `schedule` named without crons (`on: [schedule]`), or whose
                                       crons all name dates that never come (`0 0 30 2 *`), never fires; a
                                       workflow whose every job is switched off (`if: ${{ false }}`, or
                                       needing such a job with no `if:` or one false then: calling no
                                       always()/failure()/cancelled(), to which GitHub adds success()) starts
                                       nothing: triggers_present fails (no other `if:` is evaluated). A job
                                       calling a workflow of the same commit (`uses: ./.github/workflows/x.yml`)
                                       has it read from the same checkout or ref, and those it calls in turn:
                                       one missing, outside .github/workflows/, refused whole, without
                                       `workflow_call` in its `on:`, a loop, or calls past ten levels fail
                                       whatever is asked (GitHub refuses the caller); another repository's
                                       (`owner/repo/….yml@ref`) is not judged

    file: vercel.json
    crons: [{path: /api/cron/publish, schedule: "* * * * *"}]   entries that must be there; refused at load
                                       unless Vercel takes them (path /…, five numeric fields, not both day
                                       fields) and they fire on some date; compared by what fires (`*/1` is
                                       `*`); an entry of the file
                                       Vercel refuses (not {path, schedule} alone, a path not /…, a schedule
                                       as above) fails the item: that deploy runs no cron

    file: .env.example                 names read as the env family reads an env file (python-dotenv and
                                       Node's dotenv: a name either reads), values never looked at
    services: [api]                    every key must be set (not blank) on these services ...
    per_key: {API_URL: [worker]}       ... unless the key is listed here with its own services
    ignore: [NODE_ENV]                 keys of the file not compared
    allow_empty: false                 a file with no key (after ignore) is an error unless true

    folder: .pf/readthis
    not_empty: true                    at least one file
    newer_than_deploy: true            newest file modified after the deployed commit was made
                                       (needs not_empty: true — an empty folder has no report to date)

A file or folder that cannot be read (no answer from the contents API, or one of another shape than GitHub's —
a file without base64 `content` of its `size`, a listing entry that is no object of a type GitHub lists named by
one path segment —, an unreadable file or one over MAX_FILE_BYTES, a service's env that cannot be read, a report
folder of a submodule not checked out) leaves the item unchecked: *error*. A missing
file, a workflow with the wrong triggers, a missing cron, an unset key or a stale report fails it.
The contents API answers 404 alike for a missing file, a wrong repo or ref, and a private repo the token
cannot see: so the same batch asks for the ref's commit, and a file's 404 is "missing" only when the
repo is readable at that ref; else every item is an *error* saying the repo or ref is not readable.

A local checkout is read as a stranger's (a CI artifact, a shared runner's workspace): git runs no command its own
config names (core.fsmonitor, hooks, gpg.program under log.showSignature, the filter driver a .gitattributes line
picks, a transport a partial clone would fetch missing objects through: each is overridden on every git call) and
writes nothing into it (GIT_OPTIONAL_LOCKS=0: `git status` leaves its index as it is). A committed file is the
commit's only when its contents are HEAD's (hashed here as git hashes a blob: its bytes, or with CRLF read as LF;
never by git with the checkout's attributes), never on the stat data of the checkout's index, and HEAD's tree is its
own (no replace ref, no commit graph). A `.git` at or above the checkout that git cannot open (a `gitdir:` file
pointing where nothing is, a folder without HEAD) and a work tree other than the folder holding the `.git`
(core.worktree in its config) are an *error*, never a folder read as it is.

"The deploy" is the committer time of the checkout's HEAD (`git log -1`): a fact of the
deployed commit, never the runner's clock. The report's time is its newest file's: for a file
committed and unchanged in the checkout, its last commit's time (a checkout stamps every file with the
time it was checked out, so a stale committed report would look new in every CI clone); for a file
written in the checkout (untracked or changed), its mtime. The contents API has no file times, so
newer_than_deploy needs a local checkout.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import difflib
import json
import math
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import quote

import yaml
from pydantic import field_validator, model_validator

from ..checklist import _yaml_loader
from ..display import cut, spelled
from ..errors import GatherError, NotConfigured
from ..folders import walk
from ..outcome import Outcome, error, failed, skipped, verdict
from ..transports.envsource import parse_dotenv
from ..transports.http import Probe
from . import REQUESTS_AT_ONCE
from ._common import StrictParams, first_few, nothing_found, plural
from .scheduler import as_pg_cron_reads, date_never_comes, schedule_problem

NAME = "repo"

MAX_FILE_BYTES = 1 << 20
# a contents API answer holds the file in base64 with line breaks (4/3 and a little more) inside JSON
CONTENTS_BODY_LIMIT = 2 * MAX_FILE_BYTES
GIT_TIMEOUT_S = 10.0
GITHUB_API = "https://api.github.com"
GITHUB_HEADERS = {"accept": "application/vnd.github+json", "x-github-api-version": "2022-11-28"}


# the `on:` events a workflow can name (GitHub's "Events that trigger workflows", and those its workflow schema
# still reads: the deprecated project-board events and pull_request_comment); they are case-sensitive, and GitHub
# refuses a workflow naming any other
GITHUB_EVENTS = frozenset({
    "branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment", "deployment_status",
    "discussion", "discussion_comment", "fork", "gollum", "image_version", "issue_comment", "issues", "label",
    "merge_group", "milestone", "page_build", "project", "project_card", "project_column", "public",
    "pull_request", "pull_request_comment", "pull_request_review", "pull_request_review_comment",
    "pull_request_target", "push", "registry_package", "release", "repository_dispatch", "schedule", "status",
    "watch", "workflow_call", "workflow_dispatch", "workflow_run"})
JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # GitHub's workflow docs: jobs.<job_id>
# where a workflow runs from: GitHub reads no subfolder and no other extension (Gitea and Forgejo read their own too)
WORKFLOW_FILE = re.compile(r"\.(?:github|gitea|forgejo)/workflows/[^/]+\.ya?ml")


def workflow_file_problem(path: str) -> str | None:
    """Why no workflow runs from `path` (a repository path, as `file` is read), or None. Moved to a subfolder or
    renamed `.yml.off` is a common way to turn a workflow off: judged as if it ran, it would pass."""
    if WORKFLOW_FILE.fullmatch(path):
        return None
    return f"{path} is not where GitHub reads a workflow: only a .yml or .yaml file directly in .github/workflows/ runs"


VERCEL_CRON_FIELD = re.compile(r"[0-9*,/-]+")  # numbers, `*`, lists, ranges and steps: nothing else
VERCEL_RANGE = re.compile(r"([0-9]+)-([0-9]+)")
VERCEL_SCHEDULE_MAX = 256


def not_an_event(name: Any) -> str | None:
    """Why `name` is no GitHub Actions event, "is not a …" with the near name if any; None for an event."""
    if isinstance(name, str) and name in GITHUB_EVENTS:
        return None
    close = difflib.get_close_matches(name.lower(), sorted(GITHUB_EVENTS), n=1) if isinstance(name, str) else []
    case = " (names are case-sensitive)" if close and close[0] == name.lower() else ""
    hint = (f"; did you mean {close[0]}?" if close else
            " (such as schedule, push, workflow_dispatch: GitHub's \"Events that trigger workflows\")")
    return f"is not a GitHub Actions event{case}{hint}"


def vercel_schedule_problem(schedule: str) -> str | None:
    """Why Vercel would refuse `schedule`, else None: five cron fields in numbers (no MON or JAN, no @daily),
    a day of month or a day of week but not both (Vercel's cron jobs docs)."""
    if len(schedule) > VERCEL_SCHEDULE_MAX:  # vercel.json's schema (and the CLI's cron check) caps it
        return f"'{schedule[:40]}…' is {len(schedule)} characters; Vercel takes at most {VERCEL_SCHEDULE_MAX}"
    fields = schedule.split()
    if len(fields) != 5:
        return f"'{schedule}' is not a five-field cron schedule (minute hour day month weekday), all Vercel takes"
    if not all(VERCEL_CRON_FIELD.fullmatch(field) for field in fields):
        return f"'{schedule}': Vercel takes numbers only (no MON or JAN, no @daily): MON-FRI is 1-5, JAN is 1"
    if fields[2] != "*" and fields[4] != "*":
        return f"'{schedule}': Vercel takes a day of month or a day of week, not both; make one of them *"
    # pg_cron reads 22-2 as wrapping round; Vercel refuses a range whose start is past its end
    for (name, first, last, _), field in zip(CRON_FIELDS, fields):
        for low, high in VERCEL_RANGE.findall(field):
            if int(low) > int(high):
                # 7 is Sunday too, 0 in the second range: `7-1` is `0-1`
                hint = ",".join(([f"{low}-{last}"] if int(low) <= last else []) + [f"{first}-{high}"])
                return (f"'{schedule}': Vercel refuses the range {low}-{high} in the {name} field (its start is past"
                        f" its end); write it as {hint}")
    return schedule_problem(schedule)  # ranges and steps, as any cron reads them


class Cron(StrictParams):
    path: str
    schedule: str

    @field_validator("path")
    @classmethod
    def _a_route(cls, value: str) -> str:
        if not value.startswith("/"):  # Vercel calls the deployment's URL + path
            raise ValueError(f"must start with / (the route Vercel calls, as vercel.json writes it), not {value!r}")
        return value

    @field_validator("schedule")
    @classmethod
    def _vercel_takes(cls, value: str) -> str:
        problem = vercel_schedule_problem(value)
        if problem:
            raise ValueError(problem)
        if never := date_never_comes(value):  # a cron no deploy could call: no file could meet it
            raise ValueError(f"'{value}' fires on no date: {never}; name a day those months have")
        return value


class Params(StrictParams):
    file: str | None = None
    folder: str | None = None
    triggers_absent: list[str] = []
    triggers_present: list[str] = []
    triggers_only: list[str] = []
    crons: list[Cron] = []
    services: list[str] = []
    per_key: dict[str, list[str]] = {}
    ignore: list[str] = []
    not_empty: bool = False
    newer_than_deploy: bool = False
    allow_empty: bool = False  # .env.example check: a file without keys passes (else: error)

    @field_validator("file", "folder")
    @classmethod
    def _inside_repo(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = PurePosixPath(value)
        if not path.parts or value.startswith("/") or ".." in path.parts:
            raise ValueError("must be a relative path inside the repository")
        # as git prints paths (`./a`, `a//b`, `a/./b`, `a/` are `a/b`): git's paths are matched against it
        return path.as_posix()

    @field_validator("triggers_absent", "triggers_present", "triggers_only")
    @classmethod
    def _github_events(cls, value: list[str]) -> list[str]:
        for name in value:  # a name no workflow can have would never be found: absent always passes
            if problem := not_an_event(name):
                raise ValueError(f"{name!r} {problem}")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> "Params":
        kinds = [k for k, on in (("workflow", self.triggers_absent or self.triggers_present or self.triggers_only),
                                 ("crons", self.crons), ("env", self.services or self.per_key or self.ignore),
                                 ("report", self.not_empty or self.newer_than_deploy)) if on]
        if len(kinds) != 1:
            raise ValueError("give exactly one of: triggers_absent/triggers_present (or triggers_only), crons, "
                             "services (with per_key, ignore), not_empty/newer_than_deploy")
        if kinds[0] == "report":
            if not self.folder or self.file:
                raise ValueError("not_empty/newer_than_deploy need `folder` (and no `file`)")
        elif not self.file or self.folder:
            raise ValueError(f"{kinds[0]} checks need `file` (and no `folder`)")
        if kinds[0] == "workflow" and (problem := workflow_file_problem(self.file or "")):
            raise ValueError(f"{problem} (Gitea and Forgejo: .gitea/ or .forgejo/workflows/)")
        if kinds[0] == "env" and not self.services:
            raise ValueError("the .env.example check needs `services`, where each key must be set")
        for key, services in self.per_key.items():
            if not services:  # checked on no service: a key that is set nowhere would read as set
                raise ValueError(f"per_key.{key}: name at least one service (to leave a key out, list it in ignore)")
        ignored = sorted(set(self.per_key) & set(self.ignore))
        if ignored:  # ignore wins, so the services per_key names for it would never be judged
            raise ValueError(f"{', '.join(ignored)}: both in per_key and in ignore; keep one")
        both = sorted(set(self.triggers_absent) & set(self.triggers_present))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both absent and present")
        if self.triggers_only and (self.triggers_absent or self.triggers_present):  # it says both already
            raise ValueError("triggers_only names every trigger the workflow may have, each of which it must have: "
                             "leave triggers_absent and triggers_present out")
        if self.newer_than_deploy and not self.not_empty:
            raise ValueError("newer_than_deploy needs not_empty: true (an empty folder has no report to date)")
        if self.allow_empty and kinds[0] != "env":
            raise ValueError("allow_empty goes with the .env.example check (services) only")
        return self

    @property
    def kind(self) -> str:
        if self.triggers_absent or self.triggers_present or self.triggers_only:
            return "workflow"
        if self.crons:
            return "crons"
        if self.services:
            return "env"
        return "report"

    def services_of(self, key: str) -> list[str]:
        return self.per_key.get(key, self.services)

    @property
    def all_services(self) -> list[str]:
        return sorted({*self.services, *(s for group in self.per_key.values() for s in group)})


def needs(params: Params) -> tuple[str, ...]:
    return ("env",) if params.kind == "env" else ()


def bound(target, checks) -> float:
    """Files, then folders: one wave each of GETs (contents API, REQUESTS_AT_ONCE at a time, each
    within http_s) or local reads, and through the contents API up to CALL_WAVES of the reusable workflows the
    workflows call; then `git log` for the deploy's time, within GIT_TIMEOUT_S."""
    files = len({c.params.file for c in checks if c.params.file})
    folders = len({c.params.folder for c in checks if c.params.folder})
    # the contents API's first batch also asks for the ref's commit
    waves = math.ceil((files + 1) / REQUESTS_AT_ONCE) + math.ceil(folders / REQUESTS_AT_ONCE)
    if folders and not target.config.repo:  # through the contents API: each folder's subfolders, one after another
        waves += WALK_WAVES * folders
    if any(c.params.kind == "workflow" for c in checks) and not target.config.repo:
        waves += CALL_WAVES  # the reusable workflows they call, level by level
    git = GIT_TIMEOUT_S if any(c.params.newer_than_deploy for c in checks) else 0.0
    return target.timeouts.connect_s + target.timeouts.http_s * waves + git + 1.0


# -- where the files come from ----------------------------------------------------------------
@dataclass(frozen=True)
class Folder:
    files: list[str]  # relative names of the report's files: the regular files inside, hidden ones apart
    newest: tuple[str, float] | None = None  # (name, time) of the newest report file; None when unknown
    newest_from: str = "file time"  # where that time comes from: "file time", or "commit <sha>" (a committed file)
    hidden: tuple[str, ...] = ()  # `.gitkeep`, `.DS_Store`, files of a hidden folder: no report, nor its time
    newest_written: tuple[str, float] | None = None  # (name, mtime) of the newest report file written in the checkout


def is_hidden(name: str) -> bool:
    """A name starting with `.` on its way (`.gitkeep`, `.cache/x`): what keeps a folder in git, or a tool's own."""
    return any(part.startswith(".") for part in PurePosixPath(name).parts)


@dataclass(frozen=True)
class Deployed:
    commit: str
    time: float  # committer time, UTC seconds


_GIT_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _git_unquoted(name: str) -> str:
    """A path as git lists it, unquoted: core.quotepath=off keeps non-ASCII as it is, but a name holding `"`, a
    backslash, a tab or a line break is still written C-quoted (`"audit \"q\".md"`), which matched no path."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    out, body, at = bytearray(), name[1:-1], 0
    while at < len(body):
        char = body[at]
        if char != "\\" or at + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            at += 1
        elif body[at + 1] in "01234567" and len(body) >= at + 4:  # a byte in octal
            out.append(int(body[at + 1:at + 4], 8) & 0xFF)
            at += 4
        else:
            out.append(_GIT_ESCAPES.get(body[at + 1], ord(body[at + 1]) & 0xFF))
            at += 2
    return out.decode("utf-8", "surrogateescape")


class _Listed:
    """The paths git listed as not the commit's, where a folder it names whole (`app/`: untracked whole, a nested
    repository) holds every path under it; and the files it tracks."""

    def __init__(self, paths: set[str], tracked: set[str], overlooked: set[str], nested: set[str]) -> None:
        self.paths, self.tracked, self.overlooked = paths, tracked, overlooked
        self.folders = tuple(path for path in paths if path.endswith("/"))
        self.nested = tuple(nested)  # folders git lists whole as untracked (`?? app/`): nested repositories

    def in_nested(self, path: str) -> bool:
        return path.startswith(self.nested)

    def __contains__(self, path: str) -> bool:
        return path in self.paths or path.startswith(self.folders)

    def tracked_clean(self, path: str) -> bool:
        """A file of the commit's that the checkout holds as it is."""
        return path in self.tracked and path not in self

    def untracked(self, path: str) -> bool:
        """A file git does not track, though status names nothing of it: inside a nested repository or a
        submodule (git lists neither's files under a path given it)."""
        return path not in self.tracked


def _command(args: tuple[str, ...]) -> str:
    """git's command among its arguments (`log` of `-c core.quotepath=off log …`)."""
    return next((a for a in args if not a.startswith("-") and "=" not in a), "")


def git_env() -> dict[str, str]:
    """The runner's environment without GIT_DIR and friends (set inside git hooks), which would
    make `git -C checkout` look at another repository."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, "GIT_TERMINAL_PROMPT": "0"}


# What a checkout's own config (.git/config, never part of a commit: a CI artifact's, a shared runner's) may set
# for git to run a command as the checker, or to read the checkout otherwise than its commit. Given to every git
# call as command-line config, which wins over every file's; the runner's own (global, system) config is kept.
GIT_OVERRIDES = (
    ("core.fsmonitor", "false"),  # a command `git status` runs (or a daemon it starts)
    ("core.hooksPath", os.devnull),  # hooks (post-index-change): none is run
    ("log.showSignature", "false"),  # gpg.program, run by `git log` to verify a signed commit
    ("core.checkStat", "default"), ("core.trustctime", "true"),  # "minimal": an edit with mtime put back reads clean
    ("protocol.allow", "never"),  # a partial clone fetching a missing object: its remote may be `ext::<command>`
    # what HEAD's tree and the work tree are read as: a replace ref gives HEAD's commit another tree (rev-parse still
    # names the deployed SHA), a commit graph written by hand another, and ignorecase hides an untracked file named
    # as a tracked one but for case (a migration `20240101_INIT/` beside the commit's `_init/`)
    ("core.useReplaceRefs", "false"), ("core.commitGraph", "false"), ("core.ignorecase", "false"),
)
# config sections naming commands by a name of the checkout's choosing (`filter.<driver>.clean`, picked by a
# .gitattributes line; `protocol.<name>.allow` letting a transport run): each name the config holds is emptied
NAMED_COMMANDS = re.compile(r"(filter|protocol)\.(.*)\.[^.]+")  # an empty name too: `[filter ""]`
FILTER_EMPTIED = (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))


def _overridden(settings: list[tuple[str, str]]) -> dict[str, str]:
    """`settings` as git's command-line config in the environment (GIT_CONFIG_KEY_<n>: a driver's name may hold
    `=`, which `-c name=value` would split at)."""
    pairs = {"GIT_CONFIG_COUNT": str(len(settings))}
    for number, (key, value) in enumerate(settings):
        pairs.update({f"GIT_CONFIG_KEY_{number}": key, f"GIT_CONFIG_VALUE_{number}": value})
    return pairs


def _emptied(config: str) -> list[tuple[str, str]]:
    """The overrides that empty each filter driver and allow no transport named in `config`, `git config -z
    --get-regexp` output (`key\nvalue\0`)."""
    settings = []
    for entry in config.split("\0"):
        named = NAMED_COMMANDS.fullmatch(entry.split("\n", 1)[0])
        if named and named[1] == "filter":
            settings += [(f"filter.{named[2]}.{key}", value) for key, value in FILTER_EMPTIED]
        elif named:
            settings.append((f"protocol.{named[2]}.allow", "never"))
    return list(dict.fromkeys(settings))


def _holds(data: bytes, oid: str) -> bool:
    """Whether `data` is the blob `oid` (SHA-1 or SHA-256, by its length), as its bytes are or with CRLF read as LF."""
    algorithm = {40: "sha1", 64: "sha256"}.get(len(oid))
    if algorithm is None:
        return False
    for read in (data, data.replace(b"\r\n", b"\n") if b"\r\n" in data else None):
        if read is not None and hashlib.new(algorithm, b"blob %d\0" % len(read) + read).hexdigest() == oid:
            return True
    return False


def _nearest_dot_git(folder: Path) -> Path | None:
    """The `.git` (folder, file or link, whole or broken) git's search from `folder` upward meets first."""
    return next((at / ".git" for at in (folder, *folder.parents) if os.path.lexists(at / ".git")), None)


def _regular_file(path: Path) -> bool:
    return not path.is_symlink() and path.is_file()


def _plain_files(folder: Path) -> dict[str, float]:
    """name -> modification time of each file in `folder`, at any depth. A symbolic link inside (to a file or a
    folder) is the name it points to in the commit, not a file of the folder's: neither counted nor followed."""
    def refuse(exc: OSError) -> None:
        raise exc

    files: dict[str, float] = {}
    # folders.walk, not os.walk: a folder of the checkout nested thousands deep is no RecursionError; a linked one is
    # not entered
    for top, _, names in walk(folder, onerror=refuse):
        for name in names:
            path = Path(top) / name
            if not path.is_symlink() and path.is_file():
                files[str(path.relative_to(folder))] = path.stat().st_mtime
    return files


def folder_as_committed(root: Path, folder: str, unread: Callable[[Path, Path], bool] | None = None,
                        ref: str | None = None) -> GatherError | None:
    """Why the checkout at `root` does not hold `folder` as its commit does — a file in it changed, added, removed,
    untracked, ignored, or overlooked by the index (assume-unchanged, skip-worktree: git status cannot see those) —
    else None (a folder outside any git checkout is read as it is). What another family reads of a checkout's folder
    (a tool's migration files) is the deployed commit's only when this is None. A path `unread(path, folder)` says
    the reader never reads (Python's bytecode cache, to alembic and django) is no difference. `ref`: the deployed
    commit (providers.github.ref), which HEAD must be (see `Checkout`)."""
    checkout = Checkout(root, ref)
    linked = checkout._linked(folder)
    if linked is not None:  # git status of the link's name never looks at where it leads (maybe out of the checkout)
        return GatherError(f"{linked} is a symbolic link in the checkout: the commit holds only the name it points to,"
                           " not the folder read through it; name the folder it leads to")
    status = checkout._status([folder])
    if not isinstance(status, tuple):
        return status
    prefix, listed = status
    if not listed.paths:
        return None
    differing = sorted(path.removeprefix(prefix) for path in listed.paths
                       if unread is None or not unread(root / path.removeprefix(prefix), root / folder))
    if not differing:
        return None
    return GatherError(f"{folder} differs in the checkout from the commit ({first_few(differing)}: changed, added,"
                       " removed, untracked, ignored, overlooked by git's index, or a submodule's): it is not the"
                       " deployed folder; judge a clean checkout of the commit")


def deployed_ref(target) -> str | None:
    """providers.github.ref of the target's system: the deployed commit, which its checkout's HEAD must be."""
    return (target.config.providers.get("github") or {}).get("ref") or None


FULL_SHA = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
# an abbreviated one, as CI and platforms often pass it (`git rev-parse --short`: 7 digits at least): HEAD starts with it
SHORT_SHA = re.compile(r"[0-9a-fA-F]{7,39}")


def names_commit(ref: str, head: str) -> bool | None:
    """Whether the deployed ref names HEAD's commit: its full SHA, or one abbreviated; None for a ref that is no SHA
    (a branch's name), which is not compared."""
    if FULL_SHA.fullmatch(ref):
        return head.lower() == ref.lower()
    if SHORT_SHA.fullmatch(ref):
        return head.lower().startswith(ref.lower())
    return None


class Checkout:
    """A local checkout of the deployed commit. git is run on it as on a stranger's: its own config runs no
    command (GIT_OVERRIDES, each filter driver emptied), nothing is written into it (GIT_OPTIONAL_LOCKS=0: `git
    status` leaves the index as it is), and a file read is compared by content with HEAD's, not by the stat data
    git's index keeps. `ref`, the deployed commit where the system names one (providers.github.ref): a full SHA
    HEAD must be."""

    def __init__(self, root: Path, ref: str | None = None):
        self.root = root
        self.ref = ref
        self.label = f"checkout {root}"
        self.head: str | None = None  # HEAD's commit, once read
        self._holds_root: bool | GatherError | None = None  # whether the repository's commit holds the checkout
        self._env: dict[str, str] | GatherError | None = None  # git's environment, the checkout's commands emptied
        self._prefix: str | GatherError | None = None  # the checkout's folder from the repository's top, once opened
        self._opened_once = False

    def evidence(self) -> dict[str, str]:
        """HEAD's commit, and whether the deployed ref was compared with it."""
        said = {"checkout_head": self.head} if self.head else {}
        if self.head and self.ref and names_commit(self.ref, self.head) is None:
            said["deployed_ref_not_compared"] = (f"providers.github.ref {self.ref} is no commit SHA: HEAD was not"
                                                 " compared with it")
        return said

    def read_files(self, paths: list[str]) -> dict[str, str | None | GatherError]:
        changed = self._changed(paths)
        if isinstance(changed, GatherError):
            return dict.fromkeys(paths, changed)
        return {path: (GatherError(f"{path} differs in the checkout from the commit (changed, added, removed, "
                                   "untracked or ignored: not the commit's): it is not the deployed file; judge a "
                                   "clean checkout of the commit")
                       if path in changed else self._read(path)) for path in paths}

    def _changed(self, paths: list[str]) -> set[str] | GatherError:
        """Those of `paths` the checkout holds otherwise than its commit; none outside a git checkout, which is
        judged as it is."""
        status = self._status(paths) if paths else None
        if not isinstance(status, tuple):
            return status or set()
        prefix, dirty = status
        return {path for path in paths if prefix + path in dirty
                or ((self.root / path).is_file() and dirty.untracked(prefix + path))}

    def _status(self, paths: list[str]) -> tuple[str, _Listed] | None | GatherError:
        """(the checkout's folder from the repository's top, the paths from there under `paths` the checkout holds
        otherwise than its commit); None outside a git checkout. git's own word, as `git status` gives it —
        modified, added, deleted, untracked, and ignored too (which status leaves out unless asked) — and every file
        the index tells git to overlook (assume-unchanged, skip-worktree), whose changes status cannot see. A folder
        git names whole (an untracked folder, a nested repository) holds every path under it. The checkout may be a
        folder inside the repository (a monorepo's app): git names every path from the top. A committed file the
        checkout holds with other contents than HEAD's is one too, whatever the index's stat data say (an edit
        whose mtime was put back, an index written by hand); a submodule's folder is one whole (its files are
        another repository's: git is never run in it)."""
        top = self._opened()
        if not isinstance(top, str):
            return top
        status = self._git("--literal-pathspecs", "status", "--porcelain=v1", "-z", "--untracked-files=all",
                           "--ignored=matching", "--no-renames", "--ignore-submodules=dirty", "--", *paths)
        if not isinstance(status, str):
            return status or GatherError(f"git status in {self.root} gave no answer")
        flagged = self._git("--literal-pathspecs", "-c", "core.quotepath=off", "ls-files", "-v", "-z", "--full-name",
                            "--", *paths)
        if not isinstance(flagged, str):
            return flagged or GatherError(f"git ls-files in {self.root} gave no answer")
        entries = [entry for entry in status.split("\0") if len(entry) > 3]
        dirty = {entry[3:] for entry in entries}
        # with every untracked file listed, a folder listed whole is a repository of its own
        nested = {entry[3:] for entry in entries if entry.startswith("?? ") and entry.endswith("/")}
        tracked = {entry[2:]: entry[0] for entry in flagged.split("\0") if len(entry) > 2}
        # `H` a file git reads; lowercase one assumed unchanged, `S` one skipped in the worktree
        overlooked = {name for name, tag in tracked.items() if tag.islower() or tag == "S"}
        committed = self._git("--literal-pathspecs", "ls-tree", "-r", "-z", "--full-name", "HEAD", "--", *paths)
        if not isinstance(committed, str):
            return committed or GatherError(f"git ls-tree in {self.root} gave no answer")
        blobs, submodules = {}, set()
        for entry in filter(None, committed.split("\0")):
            mode, kind, rest = entry.split(" ", 2)
            oid, _, name = rest.partition("\t")
            if kind == "commit":
                submodules.add(name + "/")
            elif kind == "blob" and mode != "120000":  # a symbolic link is git status's to tell
                blobs[name] = oid
        rewritten = self._content_differs(top, blobs)
        if isinstance(rewritten, GatherError):
            return rewritten
        return top, _Listed(dirty | overlooked | rewritten | submodules, set(tracked), overlooked,
                            nested | submodules)

    def _content_differs(self, prefix: str, blobs: dict[str, str]) -> set[str] | GatherError:
        """Those of `blobs` (name from the repository's top -> HEAD's blob id) the checkout does not hold with HEAD's
        contents: missing, or hashed otherwise — as its bytes are, or with CRLF line ends read as LF (a checkout under
        core.autocrlf or text=auto). Hashed here as git hashes a blob, never by git with the checkout's attributes: a
        `working-tree-encoding` or `ident` in .git/info/attributes would make other bytes hash as HEAD's, and the
        family reads the bytes. No file name goes on a command line (a folder of thousands would not fit)."""
        differs = set()
        for name, oid in blobs.items():
            path = self.root / name.removeprefix(prefix)
            try:
                data = path.read_bytes() if _regular_file(path) else None
            except OSError:
                data = None
            if data is None or not _holds(data, oid):
                differs.add(name)
        return differs

    def _opened(self) -> str | None | GatherError:
        """The checkout's folder from its repository's top ("" at the top), once git opened the repository as the
        deployed commit's checkout; None for a folder of no repository (no `.git` at or above it). An error where
        git reads another work tree than the folder holding the `.git` it found (core.worktree in the
        repository's config: git status would judge that folder, while the files are read from this one), where
        the repository's commit does not hold the checkout, or where HEAD is not the deployed ref."""
        if self._opened_once:
            return self._prefix
        self._opened_once = True
        self._prefix = self._open()
        return self._prefix

    def _open(self) -> str | None | GatherError:
        said = self._git("rev-parse", "--show-toplevel", "--show-prefix", "HEAD")
        if not isinstance(said, str):
            return said
        *top, prefix, head = said.removesuffix("\n").split("\n")
        work_tree, dot_git = Path("\n".join(top)).resolve(), _nearest_dot_git(self.root.resolve())
        if dot_git is None or work_tree != dot_git.parent:
            holder = dot_git.parent if dot_git else self.root
            return GatherError(f"git reads the work tree {work_tree} for {self.root}, not {holder}, where its .git is"
                               " (core.worktree in the repository's config points elsewhere): the files read here are"
                               " not those git compares with the commit; judge a plain checkout of the commit")
        if outside := self._outside_its_commit(prefix):
            return outside
        self.head = head
        if self.ref and names_commit(self.ref, head) is False and not self._names_head(self.ref, head):
            return GatherError(f"the checkout's HEAD is commit {head}, not {self.ref}, the deployed commit"
                               f" (providers.github.ref): its files are not the deploy's; check out {self.ref[:12]}")
        return prefix


    def _names_head(self, ref: str, head: str) -> bool:
        """Whether git reads an abbreviated-SHA-like ref as HEAD's commit: a tag or branch of hex digits (`20241207`,
        a date's release tag) is read as that ref before any abbreviation, as git reads it."""
        if FULL_SHA.fullmatch(ref):
            return False
        env = self._safe_env()
        said = self._answer(("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"), env, none_found=True) \
            if isinstance(env, dict) else None
        return isinstance(said, str) and said.strip().lower() == head.lower()

    def _outside_its_commit(self, prefix: str) -> GatherError | None:
        """An error where the checkout lies inside a repository whose commit does not hold it (an app's export in an
        ignored folder of the verification project's own repository): that commit is not the app's, nor its time."""
        if not prefix:  # the repository's top itself
            return None
        if self._holds_root is None:
            held = self._git("ls-tree", "--name-only", "HEAD", "--", ".")
            self._holds_root = held if isinstance(held, GatherError) else bool(held and held.strip())
        if isinstance(self._holds_root, GatherError):
            return self._holds_root
        if not self._holds_root:
            return GatherError(f"{self.root} lies inside a git repository whose commit does not hold it (ignored or"
                               " untracked there): no checkout of a commit; read it outside any repository, or check"
                               " out the app's own repository")
        return None

    def _linked(self, relative: str) -> str | None:
        """The part of `relative` that is a symbolic link in the checkout, if one is: git records a link as the name
        it points to, so what it leads to on this disk (maybe out of the checkout) is not the commit's file."""
        at = self.root
        for part in Path(relative).parts:
            at = at / part
            if at.is_symlink():
                return str(at.relative_to(self.root))
        return None

    def _read(self, relative: str) -> str | None | GatherError:
        path = self.root / relative
        linked = self._linked(relative)
        if linked is not None:
            return GatherError(f"{linked} is a symbolic link in the checkout: the commit holds only the name it points"
                               " to, not a file to judge (GitHub's API answers it as a symlink too); judge the file it"
                               " names")
        if not path.is_file():
            return None
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return GatherError(f"{relative} is larger than {MAX_FILE_BYTES} bytes")
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return GatherError(f"cannot read {relative}: {exc}")

    def list_folders(self, paths: list[str]) -> dict[str, Folder | None | GatherError]:
        out: dict[str, Folder | None | GatherError] = {}
        for relative in paths:
            folder = self.root / relative
            linked = self._linked(relative)
            if linked is not None:
                out[relative] = GatherError(f"{linked} is a symbolic link in the checkout: the commit holds only the"
                                            " name it points to; judge the folder it names")
                continue
            if not folder.is_dir():  # missing: the commit's answer, unless the commit holds it (removed here)
                status = self._status([relative])
                held = isinstance(status, tuple) and any(name.startswith(status[0] + relative.rstrip("/") + "/")
                                                         for name in status[1].paths)
                out[relative] = (status if isinstance(status, GatherError) else GatherError(
                    f"{relative} differs in the checkout from the commit (the commit holds it; removed here, or left"
                    " out of a sparse checkout): it is not the deployed folder; judge a clean checkout of the commit")
                    if held else self._in_submodule(relative))
                continue
            try:
                files = _plain_files(folder)
            except OSError as exc:
                out[relative] = GatherError(f"cannot list {relative}: {exc}")
                continue
            if not files and (inside := self._in_submodule(relative)):
                out[relative] = inside
                continue
            committed = self._committed(relative, files)
            if isinstance(committed, GatherError):
                out[relative] = committed
                continue
            out[relative] = _dated(files, committed)
        return out

    def _in_submodule(self, relative: str) -> GatherError | None:
        """An error where `relative`, missing or empty here, is or lies inside a submodule of the commit: the commit
        holds only the submodule's commit, whose files a checkout without it (never initialised) does not show, and
        whose own checkout's are another repository's. Asked only then: a folder found with files needs no more."""
        parts = PurePosixPath(relative.rstrip("/")).parts
        ancestors = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
        listed = self._git("--literal-pathspecs", "ls-tree", "-z", "HEAD", "--", *ancestors)
        if not isinstance(listed, str):
            return listed
        for entry in listed.split("\0"):
            mode, _, name = entry.partition("\t")
            if mode.startswith("160000 "):  # a gitlink: the submodule's commit
                shown = ("it is not checked out here (git submodule update --init)"
                         if not (self.root / name / ".git").exists() else "its files are that repository's")
                return GatherError(f"{relative}: {name} is a submodule of the commit, {shown}: what it holds for the "
                                   "deploy cannot be told; judge a folder of the commit itself")
        return None

    def _committed(self, relative: str, files: dict[str, float]) -> dict[str, tuple[float, str]] | GatherError:
        """name (inside `relative`) -> (committer time, "commit <sha>") of each committed file the checkout
        has unchanged; {} outside a git checkout. A file whose time cannot be told is an error: one the index tells
        git to overlook (changed or not, status cannot see), one git neither tracks nor lists (a nested
        repository's, a submodule's: its checkout time would read as new)."""
        # paths as written (not quoted: `prüfung.json`), from the repository's top (see `_status`)
        status = self._status([relative])
        if not isinstance(status, tuple):
            return status if isinstance(status, GatherError) else {}
        top, dirty = status
        inside = top + relative.rstrip("/") + "/"
        untold = [name for name in sorted(files, key=lambda n: (is_hidden(n), n))
                  if inside + name in dirty.overlooked or dirty.in_nested(inside + name)
                  or (dirty.untracked(inside + name) and inside + name not in dirty)]
        if untold:
            return GatherError(f"{relative}: {first_few(untold)}: the commit's time cannot be told for "
                               f"{'it' if len(untold) == 1 else 'them'} (inside a submodule or a nested repository,"
                               " or a file the index tells git to overlook); judge a plain checkout of the commit")
        # a merge names the files it brought (against its first parent): one added in a merge is dated by it
        log = self._git("--literal-pathspecs", "-c", "core.quotepath=off", "log", "--no-show-signature",
                        "--format=%x00%H %ct", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv",
                        "--diff-merges=first-parent", "HEAD", "--", relative)
        if log is None:
            return {}
        if isinstance(log, GatherError):
            return log
        found: dict[str, tuple[float, str]] = {}
        for block in log.split("\0")[1:]:
            head, _, names = block.partition("\n")
            commit, _, seconds = head.partition(" ")
            for name in map(_git_unquoted, names.split("\n")):
                if name.startswith(inside) and name not in dirty:
                    found.setdefault(name[len(inside):], (float(seconds), f"commit {commit[:12]}"))
        unnamed = [name for name in sorted(files) if name not in found and dirty.tracked_clean(inside + name)]
        if unnamed:  # the commit's own, unchanged, yet no commit of the history named it: its checkout time is no date
            return GatherError(f"{relative}: {first_few(unnamed)}: no commit of HEAD's history names it, so the"
                               " commit's time cannot be told; judge a plain checkout of the commit")
        return found

    def _git(self, *args: str) -> str | None | GatherError:
        """git's answer in the checkout (see _git_unquoted for the names it lists); None when it is no git checkout.
        git refusing one (a checkout another user owns: "detected dubious ownership"), or missing where a `.git`
        is, is an error: its files could not be told from the commit's, never read as they are."""
        env = self._safe_env()
        if not isinstance(env, dict):
            return env
        return self._answer(args, env)

    def _answer(self, args: tuple[str, ...], env: dict[str, str], none_found: bool = False) -> str | None | GatherError:
        """As `_git`; `none_found`: exit 1 without a word is an empty answer (git config finding no such key)."""
        try:
            answer = subprocess.run(["git", "--no-pager", "-C", str(self.root), *args], capture_output=True,
                                    timeout=GIT_TIMEOUT_S, env=env)
        except FileNotFoundError:
            if _nearest_dot_git(self.root.resolve()) is not None:
                return GatherError(f"git is not installed: cannot tell {self.root}'s files from its commit's")
            return None
        except subprocess.TimeoutExpired:
            return GatherError(f"git {_command(args)} in {self.root} took longer than {GIT_TIMEOUT_S:g} s")
        except OSError as exc:  # git could not be started (E2BIG, a resource limit): this item's, not the gather's
            return GatherError(f"git {_command(args)} in {self.root} could not run: {exc.strerror or exc}")
        # read as bytes, then decoded: a name that is no UTF-8 is kept as the disk's own (os.walk reads it so too),
        # and a carriage return in a name stays one (text mode would turn it into a line break)
        stdout, stderr = (os.fsdecode(answer.stdout), os.fsdecode(answer.stderr))
        if answer.returncode == 0 or (none_found and answer.returncode == 1 and not stderr.strip()):
            return stdout
        reason = (stderr.strip().splitlines() or [f"exit {answer.returncode}"])[0]
        if "not a git repository" in stderr.lower():
            # git passes over a `.git` it cannot open (a worktree's `gitdir:` gone, a folder without HEAD): that
            # checkout is broken, not a plain folder to read as it is
            dot_git = _nearest_dot_git(self.root.resolve())
            if dot_git is None:
                return None
            return GatherError(f"{dot_git} is there, but git cannot open it as a repository ({reason}): {self.root}'s"
                               " files cannot be told from its commit's; repair or re-clone the checkout")
        return GatherError(f"git {_command(args)} in {self.root} failed: {reason}")

    def _safe_env(self) -> dict[str, str] | None | GatherError:
        """git's environment for this checkout: GIT_OVERRIDES, and each filter driver and transport its config
        names emptied (their names are the config's own: asked once, of git config, which runs nothing)."""
        if self._env is None:
            base = [*GIT_OVERRIDES]
            env = {**git_env(), "GIT_OPTIONAL_LOCKS": "0", "GIT_NO_LAZY_FETCH": "1", "GIT_NO_REPLACE_OBJECTS": "1",
                   **_overridden(base)}
            config = self._answer(("config", "-z", "--get-regexp", r"^(filter|protocol)\."), env, none_found=True)
            if not isinstance(config, str):
                return config
            self._env = {**env, **_overridden(base + _emptied(config))}
        return self._env

    def deployed(self) -> Deployed:
        """The committer time of HEAD: when the deployed commit was made (never an enclosing repository's)."""
        opened = self._opened()
        if isinstance(opened, GatherError):
            raise opened
        answer = None if opened is None else self._git("log", "-1", "--no-show-signature", "--format=%H %ct", "HEAD")
        if isinstance(answer, GatherError):
            raise GatherError(f"cannot read HEAD of {self.root}: {answer}")
        if not answer:
            raise GatherError(f"cannot read HEAD of {self.root}: it is no git checkout")
        commit, _, seconds = answer.strip().partition(" ")
        return Deployed(commit, float(seconds))


def _dated(files: dict[str, float], committed: dict[str, tuple[float, str]]) -> Folder:
    """The report's files and their newest, from each file's mtime and the committed ones' commit times. A checkout
    gives every file the time it was checked out: a committed, unchanged file is as old as its last commit; a file
    written in this checkout (untracked or changed) has its own time. Hidden files are no report, nor date it."""
    report = {name: mtime for name, mtime in files.items() if not is_hidden(name)}
    stamped = sorted((*committed.get(name, (mtime, "file time")), name) for name, mtime in report.items())
    written = [(name, time) for time, source, name in stamped if source == "file time"]
    newest = stamped[-1] if stamped else None
    return Folder(sorted(report), (newest[2], newest[0]) if newest else None, newest[1] if newest else "file time",
                  hidden=tuple(sorted(set(files) - set(report))), newest_written=written[-1] if written else None)


# the providers.github settings GitHubContents reads (families.PROVIDER_SETTINGS: another key is refused at load)
PROVIDER_SETTINGS = {"github": ("base_url", "token", "repo", "ref")}


WALK_WAVES = 4  # waves of subfolder listings a folder read through the contents API may take (`bound` counts them)


def _submodule_listed_as_file(entry: dict) -> bool:
    """A submodule in a folder's listing: GitHub types it "file" there (for backwards compatibility, its docs say),
    with no download_url and a git_url to a tree — a file has a blob and a download_url."""
    return entry.get("type") == "file" and ("download_url" in entry and entry["download_url"] is None
                                            or "/git/trees/" in str(entry.get("git_url") or ""))


class GitHubContents:
    """`GET /repos/{owner}/{repo}/contents/{path}?ref={sha}`: a file's base64 `content`, or a folder's entries.
    The token is a ${VAR} (environment.py refuses one written into the file)."""

    def __init__(self, target, settings: dict[str, str]):
        missing = [k for k in ("repo", "ref") if not settings.get(k)]
        if missing:
            raise NotConfigured(f"providers.github of {target.system} in {target.env.name} lacks {', '.join(missing)}")
        token = settings.get("token") or ""
        target.redactor.add(token)
        self.target = target
        self.base = (settings.get("base_url") or GITHUB_API).rstrip("/")
        self.repo, self.ref = settings["repo"], settings["ref"]
        self.headers = {**GITHUB_HEADERS, **({"authorization": f"Bearer {token}"} if token else {})}
        self.label = f"GitHub {self.repo}@{self.ref}"
        self.unreadable: GatherError | None = None  # why the repo at the ref cannot be read, once asked
        self.ref_asked = False

    def _url(self, path: str) -> str:
        return f"{self.base}/repos/{self.repo}/contents/{quote(path)}?ref={quote(self.ref, safe='')}"

    def fetch(self, paths: list[str]) -> dict[str, Any]:
        """Each path's reply — or, where the repo is not readable at the ref, why. The first batch also asks for
        the ref's commit (its SHA alone), in the same wave: 404 says nothing of a file until that answers."""
        probes = [Probe("GET", self._url(p), dict(self.headers), body_limit=CONTENTS_BODY_LIMIT) for p in paths]
        if not self.ref_asked:
            commit = f"{self.base}/repos/{self.repo}/commits/{quote(self.ref, safe='')}"
            probes.append(Probe("GET", commit, {**self.headers, "accept": "application/vnd.github.sha"}))
        replies = self.target.fetch_all(probes)
        if not self.ref_asked:
            self.ref_asked = True
            self.unreadable = self._ref_problem(replies.pop())
        if self.unreadable is not None:
            return dict.fromkeys(paths, self.unreadable)
        return dict(zip(paths, replies, strict=True))

    def _ref_problem(self, reply) -> GatherError | None:
        if reply.status is None:
            return GatherError(f"no answer from {self.base}: {reply.failure}")
        said = f"GET commits/{self.ref} answered {reply.status}"
        if reply.status in (404, 422):  # GitHub: no such repo (or not for this token), no such commit
            return GatherError(f"repo {self.repo} at ref {self.ref} is not readable with this token ({said}: "
                               f"{_said(reply)}) — check repo, ref and token ({CONTENTS_PERMISSION})")
        if reply.status in (401, 403):
            from .provider import _rate_limit  # GitHub's 403 of a spent limit: read as the provider family reads it

            limited = _rate_limit(reply)
            if limited:
                return GatherError(f"{self.label}: {said}, rate-limited ({_said(reply)}); {limited}")
            return GatherError(f"{self.label}: {said}: {_said(reply)} — the token may not read the repository's "
                               f"files: give it {CONTENTS_PERMISSION}{_accepted(reply)}")
        if reply.status != 200:
            return GatherError(f"{self.label}: {said}: {_said(reply)}")
        if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", reply.text.strip()):  # a login page answers 200 too
            return GatherError(f"{self.label}: {said} without a commit SHA: is {self.base} the GitHub API?")
        return None

    def _answer(self, path: str, reply) -> Any:
        if isinstance(reply, GatherError):
            return reply
        if reply.status == 404:  # the repo is readable at the ref: the file is not there
            return None
        if reply.status is None:
            return GatherError(f"no answer from {self.base}: {reply.failure}")
        if reply.status != 200:
            return GatherError(f"{self.label}: GET contents/{path} answered {reply.status}: {_said(reply)}")
        if reply.truncated:
            return GatherError(f"{self.label}: the answer for {path} is larger than the {CONTENTS_BODY_LIMIT} bytes "
                               f"read (a file over {MAX_FILE_BYTES} bytes is not read)")
        try:
            return reply.json()
        except ValueError:
            return GatherError(f"{self.label}: contents/{path} is not JSON")

    def read_files(self, paths: list[str]) -> dict[str, str | None | GatherError]:
        out: dict[str, str | None | GatherError] = {}
        for path, reply in self.fetch(paths).items():
            body = self._answer(path, reply)
            if body is None or isinstance(body, GatherError):
                out[path] = body
            elif not isinstance(body, dict) or body.get("type") != "file":
                out[path] = None  # a folder or submodule: no such file
            elif body.get("encoding") != "base64":
                out[path] = GatherError(f"{self.label}: {path} came without base64 content (too large?)")
            else:
                data = _file_content(self.label, path, body)
                out[path] = (data if isinstance(data, GatherError) else
                             GatherError(f"{path} is larger than {MAX_FILE_BYTES} bytes") if len(data) > MAX_FILE_BYTES
                             else _text(self.label, path, data))
        return out

    def list_folders(self, paths: list[str]) -> dict[str, Folder | None | GatherError]:
        out: dict[str, Folder | None | GatherError] = {}
        for path, reply in self.fetch(paths).items():
            body = self._answer(path, reply)
            if body is None or isinstance(body, GatherError):
                out[path] = body
            elif isinstance(body, dict) and body.get("type") == "submodule":  # another repository's commit
                url = body.get("submodule_git_url") or "its URL unsaid"
                out[path] = GatherError(f"{self.label}: {path} is a submodule ({url}): its files are another "
                                        "repository's; judge a folder of the repository itself")
            elif not isinstance(body, list):
                out[path] = None  # a file, not a folder
            else:
                names = self._walked(path, body)
                out[path] = names if isinstance(names, GatherError) else Folder(
                    [n for n in names if not is_hidden(n)], hidden=tuple(n for n in names if is_hidden(n)))
        return out

    def _walked(self, path: str, listing: list) -> list[str] | GatherError:
        """The files of a folder at any depth, named from it (`2024/report.md`), as a checkout's are
        (`_plain_files`): the contents API lists one level, so each subfolder is asked in its turn, a level's in
        waves of REQUESTS_AT_ONCE, WALK_WAVES waves at most (the family's bound counts them). A submodule inside, or a
        subfolder that cannot be read, is an error, never a folder read as emptier than it is."""
        files: list[str] = []
        pending: dict[str, str] = {}  # subfolder's path -> its name from `path`
        waves = 0
        level = {"": listing}
        while True:
            for inside, entries in level.items():
                for entry in entries:
                    if problem := _entry_problem(entry):  # this folder's items only: never a crash, nor a walk astray
                        return GatherError(f"{self.label}: the listing of {path.rstrip('/')}/{inside} holds"
                                           f" {cut(json.dumps(entry), 120)}, {problem}: not a folder's listing as"
                                           " GitHub gives it; nothing of it was judged")
                    name = f"{inside}{entry['name']}"
                    if entry.get("type") == "submodule" or _submodule_listed_as_file(entry):
                        return GatherError(f"{self.label}: {path.rstrip('/')}/{name} is a submodule: its files are "
                                           "another repository's; judge a folder of the repository itself")
                    if entry.get("type") == "file":
                        files.append(name)
                    elif entry.get("type") == "dir":
                        pending[f"{path.rstrip('/')}/{name}"] = name
            if not pending:
                return sorted(files)
            waves += math.ceil(len(pending) / REQUESTS_AT_ONCE)
            if waves > WALK_WAVES:  # the family's bound counts these waves (`bound`): no more are asked
                return GatherError(f"{self.label}: {path}'s subfolders take more than {WALK_WAVES} waves of"
                                   f" {REQUESTS_AT_ONCE} contents API requests to list: judge a local checkout"
                                   " (systems.<system>.repo)")
            level = {}
            for sub, reply in self.fetch(list(pending)).items():
                body = self._answer(sub, reply)
                if not isinstance(body, list):  # gone between the two answers, refused, or not read
                    return body if isinstance(body, GatherError) else GatherError(
                        f"{self.label}: {sub}, a folder of {path}, could not be listed")
                level[pending[sub] + "/"] = body
            pending = {}

    def evidence(self) -> dict[str, str]:
        return {}

    def deployed(self) -> Deployed:
        raise NotConfigured("the auditor report's time needs a local checkout (systems.<system>.repo); "
                            "the GitHub contents API gives no file times")


LISTED_TYPES = ("file", "dir", "symlink", "submodule")  # what a contents API folder listing holds


def _entry_problem(entry: Any) -> str | None:
    """Why an entry of a contents API folder listing is none GitHub gives, else None: an object of a type it lists,
    named by one path segment (a name `../x` or `a/b` would send the walk elsewhere, with the token)."""
    if not isinstance(entry, dict):
        return "which is no object"
    if entry.get("type") not in LISTED_TYPES:
        return f"whose type is none of {', '.join(LISTED_TYPES)}"
    name = entry.get("name")
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\0" in name:
        return "whose name is no single path segment"
    return None


def _file_content(label: str, path: str, body: dict) -> bytes | GatherError:
    """A contents API file answer's bytes: its `content`, base64 in lines of GitHub's, of exactly `size` bytes. An
    answer of another shape (no content, null, text that is no base64, a size it does not hold) is an error naming
    it, never an empty file."""
    content, size = body.get("content"), body.get("size")
    if not isinstance(content, str):
        shape = "no content" if "content" not in body else f"content {cut(json.dumps(content), 40)}"
        return GatherError(f"{label}: the answer for {path} has {shape} (size {cut(json.dumps(size), 20)}): it is not"
                           " read as an empty file")
    try:
        data = base64.b64decode(content.replace("\n", ""), validate=True)
    except ValueError:
        return GatherError(f"{label}: the answer for {path} has content that is no base64 ({len(content)} characters)")
    if type(size) is not int or size != len(data):
        return GatherError(f"{label}: the answer for {path} says size {cut(json.dumps(size), 20)}, its content holds"
                           f" {len(data)} bytes: not the file whole")
    return data


# what GitHub documents a token needs to read a repository's commits and files
CONTENTS_PERMISSION = "Contents: read (fine-grained token; a classic token: the repo scope for a private repository)"


def _accepted(reply) -> str:
    """GitHub's own word on what a call accepts (x-accepted-github-permissions: `contents=read`), when it gives it."""
    accepted = reply.header("x-accepted-github-permissions").strip()
    return f" — GitHub's x-accepted-github-permissions: {spelled(cut(accepted, 120))}" if accepted else ""


def _said(reply) -> str:
    """GitHub's own words for a refusal (its JSON `message`), short."""
    try:
        message = reply.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return cut(str(message or reply.text.strip() or "no body"), 160)  # "…" at the cut: a secret's piece is masked


def _text(label: str, path: str, data: bytes) -> str | GatherError:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return GatherError(f"{label}: cannot decode {path}: {exc}")


def source(target) -> Checkout | GitHubContents:
    if target.config.repo:
        return Checkout(target.repo(), deployed_ref(target))
    github = target.config.providers.get("github")
    if github:
        return GitHubContents(target, github)
    raise NotConfigured(f"no repo checkout (systems.{target.system}.repo) or providers.github "
                        f"for {target.system} in {target.env.name}")


# GitHub connects up to ten levels of workflows, a caller and nine called in turn (four on GitHub Enterprise Server,
# which is not held against a workflow: GitHub's "Reusing workflows")
CALL_LEVELS = 10
CALL_WAVES = 12  # waves of called workflows read (REQUESTS_AT_ONCE each) that `bound` counts: no more are read


def called_workflows(where, callers: dict[str, Any]) -> dict[str, str | None | GatherError]:
    """The workflows of the commit `callers` (path -> text) call (`uses: ./…`), and those call in turn down to the
    tenth level (an eleventh is refused unread), read from `where` as the callers were — the checkout, or the
    contents API at the same ref: a local call is the caller's own commit's file. Level by level, each a wave of
    reads of files not read yet (so a loop ends); past CALL_WAVES waves a file is not read (an error for the items
    calling it)."""
    read: dict[str, Any] = {}
    level, waves = list(callers.values()), 0
    for _ in range(CALL_LEVELS - 1):
        wanted = sorted({path for text in level if isinstance(text, str) for path in local_calls(text).values()
                         if path and WORKFLOW_FILE.fullmatch(path)} - set(callers) - set(read))
        if not wanted:
            break
        waves += math.ceil(len(wanted) / REQUESTS_AT_ONCE)
        if waves > CALL_WAVES:
            read.update(dict.fromkeys(wanted, GatherError(
                f"not read: the reusable workflows called take more than {CALL_WAVES} waves of {REQUESTS_AT_ONCE}"
                " reads")))
            break
        level = list(where.read_files(wanted).values())
        read.update(zip(wanted, level))
    return read


def local_calls(text: str) -> dict[str, str | None]:
    """job id -> the path from the repository's top (None: not judged, see `called_path`) of each job of a workflow
    calling one of the same commit (`uses: ./.github/workflows/x.yml`); {} for a file not read as a workflow (it is
    judged on its own)."""
    try:
        document = read_workflow(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}
    return _local_calls(document.get("jobs") if isinstance(document, dict) else None)


def _local_calls(jobs: Any) -> dict[str, str | None]:
    """`local_calls` of a workflow's `jobs:` as read, whatever its shape."""
    if not isinstance(jobs, dict):
        return {}
    return {str(name): called_path(job["uses"]) for name, job in jobs.items()
            if isinstance(job, dict) and isinstance(job.get("uses"), str) and job["uses"].startswith("./")}


def called_path(uses: str) -> str | None:
    """The path a local call (`./…`) names, as git names it (`a//b` is `a/b`); None where it is not judged: it holds
    an expression, an `@` (a ref: the local form has none) or `..`."""
    rest = uses[2:]
    if "@" in rest or "${{" in rest or ".." in PurePosixPath(rest).parts:
        return None
    return PurePosixPath(rest).as_posix()


def gather(target, checks) -> dict[str, Any]:
    where = source(target)
    files = sorted({c.params.file for c in checks if c.params.file})
    folders = sorted({c.params.folder for c in checks if c.params.folder})
    read = where.read_files(files) if files else {}
    workflows = {c.params.file: read[c.params.file] for c in checks if c.params.kind == "workflow"}
    facts: dict[str, Any] = {
        "source": where.label,
        "files": {**read, **called_workflows(where, workflows)},
        "folders": where.list_folders(folders) if folders else {},
        "env": {},
        "deployed": None,
    }
    for service in sorted({s for c in checks if c.params.kind == "env" for s in c.params.all_services}):
        try:
            facts["env"][service] = target.env_vars(service)
        except (GatherError, NotConfigured) as exc:
            facts["env"][service] = exc
    if any(c.params.newer_than_deploy for c in checks):
        try:
            facts["deployed"] = where.deployed()
        except (GatherError, NotConfigured) as exc:
            facts["deployed"] = exc
    facts["checkout"] = where.evidence()  # HEAD's commit, once read
    return facts


# -- judging ------------------------------------------------------------------------------------
def _utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_TEXT = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
KEY_TWICE = "GitHub refuses a workflow with a key written twice (it never runs)"
TOO_DEEP = "it is nested too deeply to read"


class GitHubRefuses(yaml.constructor.ConstructorError):
    """What GitHub's workflow parser refuses, so that the whole file never runs (nor can be dispatched)."""


class WorkflowRefused(ValueError):
    """A workflow GitHub reads but refuses as a whole ("Invalid workflow file"): it never runs, whatever its
    triggers."""


class _WorkflowLoader(_yaml_loader()):
    """A workflow read as GitHub's parser reads it (actions/runner, YamlObjectReader and TemplateReader): every key
    is text as written (`on` is the key "on", never True; `On` is "On"); two keys of a mapping that differ only in
    case are one key written twice; `<<` merges nothing. The checklists' loader refuses a key written twice, which
    YAML would drop without a word (keeping the last: a file GitHub refuses judged as fine)."""

    def flatten_mapping(self, node):
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == _MERGE:
                raise GitHubRefuses(None, None, "`<<` would merge a mapping, but GitHub has no YAML merge keys (it reads"
                                    " `<<` as a key of that name) and refuses the workflow; write the keys out",
                                    key_node.start_mark)
            key_node.tag = _TEXT
        try:
            super().flatten_mapping(node)  # with no merge key, its only refusal is of a key written twice
        except yaml.constructor.ConstructorError as exc:
            raise GitHubRefuses(None, None, f"{exc.problem}; {KEY_TWICE}", exc.problem_mark) from exc
        _no_keys_differing_in_case(node)


# values YAML 1.1 gives a type that GitHub's parser (YAML 1.2's core schema) reads as text: a lone `=` (1.1's "value"
# key, which PyYAML cannot build: the file read as "not valid YAML") and a date (`2024-02-30`: a ValueError)
for _tag in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp"):
    _WorkflowLoader.add_constructor(_tag, yaml.constructor.SafeConstructor.construct_yaml_str)


def _no_keys_differing_in_case(node: yaml.MappingNode) -> None:
    seen: dict[str, Any] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        first = seen.setdefault(key_node.value.lower(), key_node)
        if first is not key_node:
            raise GitHubRefuses(None, None, f"the key '{spelled(first.value)}' appears twice in one mapping (line "
                                f"{first.start_mark.line + 1}, and here as '{spelled(key_node.value)}': GitHub compares"
                                f" keys ignoring case): keep one; {KEY_TWICE}", key_node.start_mark)


def read_workflow(text: str) -> Any:
    """A workflow's data, its keys as GitHub reads them (see `_WorkflowLoader`); GitHubRefuses for what GitHub
    refuses (a key written twice, a merge key)."""
    return yaml.load(text, Loader=_WorkflowLoader)


def _taken_for_on(key: Any) -> bool:
    """A key that is not `on` to GitHub, though YAML 1.1 (PyYAML, many linters) reads it as the `on` key: True."""
    return (isinstance(key, str) and key != "on"
            and (key.lower() == "on" or yaml.constructor.SafeConstructor.bool_values.get(key.lower()) is True))


def workflow_triggers(document: Any) -> list[str]:
    """Names of a workflow's `on:` triggers, from `read_workflow`: only the key written `on` (quoted or not)."""
    if not isinstance(document, dict):
        raise ValueError("is not a mapping")
    misread = ", ".join(f"`{key}:`" for key in document if _taken_for_on(key))
    if "on" not in document:
        raise ValueError("has no `on:` triggers" + (f" ({misread} is not `on` to GitHub, which reads keys as written:"
                                                     " it refuses the workflow; write `on:`)" if misread else ""))
    if misread:
        raise ValueError(f"has {misread} beside `on:`: GitHub reads keys as written, knows no such key and refuses"
                         " the workflow; remove it")
    triggers = document["on"]
    if isinstance(triggers, str):
        names = [triggers]
    elif isinstance(triggers, (list, dict)):
        names = list(triggers)
    elif triggers is None:
        raise ValueError("`on:` is empty: it names no trigger")
    else:
        raise ValueError(f"`on:` is a {type(triggers).__name__}")
    for name in names:
        if problem := not_an_event(name):
            raise WorkflowRefused(f"`on:` names {cut(repr(name))}, which {problem}")
    if isinstance(triggers, dict) and "schedule" in triggers:
        _schedule_github_takes(triggers["schedule"])
    for name, config in (triggers.items() if isinstance(triggers, dict) else ()):
        _event_filters_github_takes(name, config)
    return names


def _event_filters_github_takes(name: Any, config: Any) -> None:
    """WorkflowRefused for an event's configuration GitHub refuses: a filter and its `-ignore` twin together
    (`branches:` and `branches-ignore:`), a filter its schema does not have (`branchs:`), or `workflow_dispatch`'s
    inputs that are no mapping."""
    if isinstance(config, dict):  # any event's filters, those of events not in EVENT_FILTERS (workflow_run) too
        for include in FILTER_PAIRS:
            if include in config and f"{include}-ignore" in config:
                raise WorkflowRefused(f"`{name}:` has both `{include}:` and `{include}-ignore:` (\"you may only define"
                                      f" one of `{include}` and `{include}-ignore` for a single event\"): keep one;"
                                      f" to leave some out of `{include}:`, list them there with a leading `!`")
    takes = EVENT_FILTERS.get(name)
    if takes is None or config is None:
        return
    if not isinstance(config, dict):
        raise WorkflowRefused(f"`{name}:` is {cut(repr(config))}, not a mapping of its filters ({', '.join(takes)})")
    if extra := [str(key) for key in config if key not in takes]:
        raise WorkflowRefused(f"`{name}:` has `{spelled(extra[0])}:`, which it has not (it takes: {', '.join(takes)};"
                              f" \"Unexpected value '{spelled(extra[0])}'\")")
    if name == "workflow_dispatch" and config.get("inputs") is not None:
        _dispatch_inputs_github_takes(config["inputs"])


def _dispatch_inputs_github_takes(inputs: Any) -> None:
    """WorkflowRefused unless `workflow_dispatch:`'s inputs are a mapping of inputs, each a mapping of the keys
    GitHub's schema has (workflow-dispatch-input) with a `type:` it has. An input written empty is not judged."""
    if not isinstance(inputs, dict):
        raise WorkflowRefused(f"`workflow_dispatch:`'s `inputs:` is {cut(repr(inputs))}, not a mapping of inputs")
    for name, config in inputs.items():
        where = f"`workflow_dispatch:`'s input `{spelled(str(name))}`"
        if config is None:
            continue
        if not isinstance(config, dict):
            raise WorkflowRefused(f"{where} is {cut(repr(config))}, not a mapping (of {', '.join(INPUT_KEYS)})")
        _keys_github_takes(where, config, INPUT_KEYS, "an input")
        kind = config.get("type")
        if kind is not None and not _expression(kind) and kind not in INPUT_TYPES:
            raise WorkflowRefused(f"{where} has `type: {cut(repr(kind))}`, which GitHub takes not"
                                  f" ({_unexpected(kind)}it takes: {', '.join(INPUT_TYPES)})")


LIST_OF_CRONS = "not a list of `- cron: ...` entries (GitHub's schedule syntax)"
SCHEDULE_KEYS = ("cron", "timezone")  # GitHub's schema (cron-mapping): `cron` required, `timezone` optional


def _schedule_github_takes(schedule: Any) -> None:
    """WorkflowRefused unless `on.schedule` is a list of mappings, each a `cron:` GitHub takes and maybe a
    `timezone:`, as GitHub's workflow parser requires (its schema and converter/events.ts)."""
    if schedule is None or schedule == []:
        raise WorkflowRefused(f"`schedule:` is empty, {LIST_OF_CRONS}")
    if not isinstance(schedule, list):
        raise WorkflowRefused(f"`schedule:` is a {type(schedule).__name__}, {LIST_OF_CRONS}")
    for number, entry in enumerate(schedule, 1):
        if not isinstance(entry, dict):
            raise WorkflowRefused(f"`schedule:` entry {number} is {cut(repr(entry))}, not a mapping with a `cron:`"
                                  " text")
        if extra := [spelled(str(key)) for key in entry if key not in SCHEDULE_KEYS]:
            keys = f"the key{'s' if len(extra) > 1 else ''} {', '.join(extra)}"
            raise WorkflowRefused(f"`schedule:` entry {number} has {keys}: GitHub takes `cron:` and `timezone:` only"
                                  " (\"Invalid schedule key\")")
        if not isinstance(entry.get("cron"), str):
            raise WorkflowRefused(f"`schedule:` entry {number} has no `cron:` text (saw {cut(repr(entry))})")
        if why := github_cron_problem(entry["cron"]):
            cron = cut(spelled(entry["cron"]))
            raise WorkflowRefused(f"`schedule:` entry {number}'s cron '{cron}' {why} (\"Invalid cron expression\")")
        if "timezone" in entry:
            timezone = entry["timezone"]
            if isinstance(timezone, (list, dict)):
                raise WorkflowRefused(f"`schedule:` entry {number}'s timezone is not text (saw"
                                      f" {cut(repr(timezone))})")
            if timezone is None or timezone == "":
                raise WorkflowRefused(f"`schedule:` entry {number}'s timezone is empty (an IANA zone, such as"
                                      " Europe/London, or no `timezone:` for UTC)")
            if not _known_zone(str(timezone)):
                raise WorkflowRefused(f"`schedule:` entry {number}'s timezone {cut(spelled(str(timezone)))} is no IANA"
                                      " time zone, which GitHub's schedule takes (none of that name in the tz"
                                      " database; such as Europe/London)")


def _known_zone(name: str) -> bool:
    """An IANA zone name the tz database holds (`Europe/London`, `UTC`); any name where this machine has no tz
    database (a slim image): never refused for what is missing here."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except ValueError:  # a name no zone file may have (`../x`)
        return False
    except zoneinfo.ZoneInfoNotFoundError:
        return not zoneinfo.available_timezones()
    return True


# a cron's fields as GitHub's workflow parser takes them (converter/cron.ts, cron-constants.ts): name, low, high,
# and the names it takes, in lower case (it compares them ignoring case)
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CRON_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
               ("month", 1, 12, {name: index for index, name in enumerate(_MONTHS, 1)}),
               ("day of week", 0, 6, {name: index for index, name in enumerate(_DAYS)}))
# what JavaScript's Number() reads from text, which GitHub's parser applies to each number: decimal (a sign, a
# fraction, an exponent), Infinity, unsigned 0x / 0o / 0b; JavaScript's white space around it is dropped, and
# blank text is 0
_JS_NUMBER = re.compile(r"(?P<decimal>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Infinity)"
                        r"|0[xX](?P<hex>[0-9a-fA-F]+)|0[oO](?P<octal>[0-7]+)|0[bB](?P<binary>[01]+)")
_JS_WHITE_SPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                  "\u2028\u2029\u202f\u205f\u3000\ufeff"


def github_cron_problem(cron: str) -> str | None:
    """Why GitHub's workflow parser refuses `cron` ("Invalid cron expression"), else None. Its grammar exactly, so
    that no cron it takes fails here: five fields split at spaces (`0 5 * * * *`, `@daily` are refused), each `*`,
    a number in the field's range, a name (months JAN-DEC, days SUN-SAT, any case), a range `a-b` (a <= b), a step
    `x/n` (x a `*`, a value or a range; n a number of the field's range) and lists of these."""
    fields = re.split(" +", cron)
    if len(fields) != len(CRON_FIELDS):
        return f"is {plural(len(fields), 'field')}, not the five GitHub takes (minute hour day month weekday)"
    for value, (name, low, high, names) in zip(fields, CRON_FIELDS):
        if not _cron_field_takes(value, low, high, names):
            named = f", or {min(names, key=names.get).upper()}-{max(names, key=names.get).upper()}" if names else ""
            return f"has the {name} '{cut(spelled(value))}', which GitHub does not take ({low}-{high}{named})"
    return None


def _cron_field_takes(value: str, low: int, high: int, names: dict[str, int], combined: bool = True) -> bool:
    """A cron field, or part of one, as GitHub's parser reads it: a list first, then a step, then a range. Where
    not `combined` (a bound of a range, a step's size) only a name, `*` or a number goes."""
    if value.lower() in names or value == "*":
        return True
    if not combined and any(mark in value for mark in ",/-"):
        return False
    if "," in value:
        return all(part and _cron_field_takes(part, low, high, names) for part in value.split(","))
    if "/" in value:
        parts = value.split("/")
        if len(parts) != 2 or not all(parts) or not _js_number(parts[1]) > 0:
            return False
        start, step = parts
        return (_cron_field_takes(start, low, high, names)
                and _cron_field_takes(step, low, high, names, combined=False))
    if "-" in value:
        parts = value.split("-")
        if len(parts) != 2 or not all(parts):
            return False
        first, last = (names.get(part.lower(), _js_number(part)) for part in parts)
        return all(_cron_field_takes(part, low, high, names, combined=False) for part in parts) and last >= first
    return low <= _js_number(value) <= high


def _js_number(text: str) -> float:
    """The number JavaScript's Number() reads from `text`, NaN if none (comparisons with NaN are all false)."""
    text = text.strip(_JS_WHITE_SPACE)
    if not text:
        return 0.0
    number = _JS_NUMBER.fullmatch(text)
    if number is None:
        return math.nan
    if number["decimal"]:
        return float(number["decimal"])
    digits, base = next((number[name], base) for name, base in (("hex", 16), ("octal", 8), ("binary", 2))
                        if number[name])
    return float(int(digits, base))


def workflow_jobs(document: dict) -> None:
    """WorkflowRefused unless the workflow has a `jobs:` mapping with at least one job, each a mapping that runs on
    a runner (`runs-on:`) or calls a reusable workflow (`uses:`), as GitHub's schema requires (`job-factory`,
    `workflow-job`); one on a runner has at least one step (GitHub: "No steps defined in `steps` and no workflow
    called in `uses`"), whose steps GitHub takes (`_steps_github_takes`) and whose `needs:` GitHub can order
    (`_needs_github_takes`)."""
    unknown = [str(key) for key in document if key not in WORKFLOW_KEYS and not _taken_for_on(key)]
    if unknown:  # (a `true:` or `On:` is said by workflow_triggers)
        raise WorkflowRefused(f"it has the top-level key `{spelled(unknown[0])}`, which GitHub's workflow syntax has"
                              f" not (\"Unexpected value '{spelled(unknown[0])}'\"; it takes: {', '.join(WORKFLOW_KEYS)})")
    _settings_github_takes("", document)
    if "jobs" not in document:
        raise WorkflowRefused("it has no `jobs:` (a workflow needs at least one job)")
    jobs = document["jobs"]
    if jobs is None or jobs == {}:
        raise WorkflowRefused("`jobs:` holds no job (a workflow needs at least one)")
    if not isinstance(jobs, dict):
        raise WorkflowRefused(f"`jobs:` is a {type(jobs).__name__}, not a mapping of jobs")
    for name, job in jobs.items():
        job_name = f"job `{spelled(str(name))}`"
        if not isinstance(name, str) or not JOB_ID.fullmatch(name):
            raise WorkflowRefused(f"job id `{spelled(str(name))}` is not one GitHub takes: it starts with a letter or"
                                  " `_` and holds only letters, digits, `-` and `_`")
        if not isinstance(job, dict):
            seen = "empty" if job is None else f"a {type(job).__name__}"
            raise WorkflowRefused(f"{job_name} is {seen}, not a mapping with `runs-on:` (or `uses:`, a reusable"
                                  " workflow)")
        keys = [key for key in ("runs-on", "uses") if key in job]  # as written: GitHub matches these keys by case
        if not keys:
            raise WorkflowRefused(f"{job_name} has no `runs-on:` (nor `uses:`, a reusable workflow), so no runner"
                                  " can take it")
        if len(keys) == 2:
            raise WorkflowRefused(f"{job_name} has both `runs-on:` and `uses:`: a job runs on a runner or calls a"
                                  " reusable workflow, not both")
        if job[keys[0]] is None or job[keys[0]] == "":
            raise WorkflowRefused(f"{job_name}'s `{keys[0]}:` is empty")
        if extra := [str(key) for key in job if key not in JOB_KEYS[keys[0]]]:
            kind = "a job" if keys[0] == "runs-on" else "a job calling a reusable workflow (`uses:`)"
            raise WorkflowRefused(f"{job_name} has the key `{spelled(extra[0])}`, which {kind} has not"
                                  f" (\"Unexpected value '{spelled(extra[0])}'\")")
        _settings_github_takes(job_name, job)
        if "steps" in job:  # (a job calling a reusable workflow has none: its `steps:` is refused above)
            _steps_github_takes(job_name, job["steps"])
        if keys == ["runs-on"] and not job.get("steps"):  # GitHub runs no job with nothing to run
            written = "`steps: []`" if "steps" in job else "no `steps:`"
            raise WorkflowRefused(f"{job_name} has no steps ({written}) and calls no reusable workflow (`uses:`), so it"
                                  " has nothing to run (\"No steps defined in `steps` and no workflow called in `uses`"
                                  f" for the following jobs: {spelled(name)}\")")
    _needs_github_takes(jobs)


def _steps_github_takes(job_name: str, steps: Any) -> None:
    """WorkflowRefused unless a job's `steps:` is a list of mappings, each of one kind only (GitHub's schema:
    run-step, regular-step, wait-step, wait-all-step, cancel-step; its errors "every step must define a `uses` or
    `run` key", "a step cannot have both the `uses` and `run` keys", "Unexpected value"): one that runs a command
    (`run:`) or an action (`uses:`, not empty), either maybe `background: true`, or one that waits for background
    steps (`wait:`, `wait-all:`) or cancels one (`cancel:`, `_control_step_github_takes`), with only the keys its
    kind has. An empty list is refused by workflow_jobs (a job with nothing to run)."""
    if not isinstance(steps, list):
        seen = "empty" if steps is None else f"a {type(steps).__name__}"
        raise WorkflowRefused(f"{job_name}'s `steps:` is {seen}, not a list of steps (each a mapping with `run:` or"
                              " `uses:`)")
    _step_list_github_takes(f"{job_name}'s step", steps, set())


def _step_list_github_takes(label: str, steps: list, earlier_ids: set[str]) -> None:
    for number, step in enumerate(steps, 1):
        named = step.get("name") if isinstance(step, dict) else None
        where = f"{label} {number}" + (f" ({cut(spelled(named))})" if isinstance(named, str) else "")
        if not isinstance(step, dict):
            seen = "empty" if step is None else f"{cut(repr(step))}"
            raise WorkflowRefused(f"{where} is {seen}, not a mapping with `run:` or `uses:`")
        kinds = [key for key in STEP_KEYS if key in step]  # as written: GitHub matches these keys by case
        if not kinds and "parallel" in step:
            # GitHub's changelog names a `parallel:` group of steps (run in the background, then waited for), which
            # the schema followed here has not: its steps are judged as steps, its own other keys are not
            group = step["parallel"]
            if not isinstance(group, list) or not group:
                seen = "empty" if group is None or group == [] else f"a {type(group).__name__}"
                raise WorkflowRefused(f"{where}'s `parallel:` is {seen}, not a list of the steps it runs together")
            _step_list_github_takes(f"{where}'s parallel step", group, earlier_ids)
            if isinstance(step.get("id"), (str, int, float)):
                earlier_ids.add(str(step["id"]).lower())
            continue
        if not kinds:
            keys = f" (its keys: {', '.join(spelled(str(key)) for key in step)})" if step else " (it is empty)"
            raise WorkflowRefused(f"{where} has neither `run:` nor `uses:`{keys} (\"every step must define a `uses`"
                                  " or `run` key\")")
        if kinds[:2] == ["run", "uses"]:
            raise WorkflowRefused(f"{where} has both `run:` and `uses:` (\"a step cannot have both the `uses` and"
                                  " `run` keys\"): a step runs a command or an action; make them two steps")
        if len(kinds) > 1:  # no kind of GitHub's takes the other's key
            raise WorkflowRefused(f"{where} has both `{kinds[0]}:` and `{kinds[1]}:`: a step runs a command (`run:`)"
                                  " or an action (`uses:`), or waits for background steps (`wait:`, `wait-all:`) or"
                                  " cancels one (`cancel:`), one of them; make them two steps")
        kind = kinds[0]
        if kind == "uses" and (step["uses"] is None or step["uses"] == ""):
            raise WorkflowRefused(f"{where}'s `uses:` is empty (it names the action to run)")
        if extra := [str(key) for key in step if key not in STEP_KEYS[kind]]:
            raise WorkflowRefused(f"{where} has the key `{spelled(extra[0])}`, which {STEP_KINDS[kind]} has not"
                                  f" (\"Unexpected value '{spelled(extra[0])}'\"; it takes:"
                                  f" {', '.join(STEP_KEYS[kind])})")
        if "background" in step and not isinstance(step["background"], bool):  # the schema's boolean, no expression
            raise WorkflowRefused(f"{where}'s `background:` is {cut(repr(step['background']))}, not true or false")
        _settings_github_takes(where, step)
        if kind == "uses":
            _action_github_takes(where, step["uses"])
        if kind in ("wait", "wait-all", "cancel"):
            _control_step_github_takes(where, kind, step, earlier_ids)
        if isinstance(step.get("id"), (str, int, float)):  # GitHub reads a scalar id as its text
            earlier_ids.add(str(step["id"]).lower())


def _expression(value: Any) -> bool:
    """A text holding an expression `${{ }}`: GitHub takes one in place of most values, known only when it runs."""
    return isinstance(value, str) and "${{" in value


def _named(owner: str, key: str) -> str:
    return f"{owner}'s `{key}:`" if owner else f"`{key}:`"


def _settings_github_takes(owner: str, holder: dict) -> None:
    """WorkflowRefused for a value GitHub's schema refuses inside the settings of the workflow (`owner` ""), of a job
    or of a step (their keys already judged): `permissions:`, `strategy:`, `concurrency:`, `env:`,
    `timeout-minutes:`. A value written empty, or an expression `${{ }}` where one may stand, is not judged."""
    if holder.get("permissions") is not None:
        _permissions_github_takes(_named(owner, "permissions"), holder["permissions"])
    if holder.get("strategy") is not None:
        _strategy_github_takes(_named(owner, "strategy"), holder["strategy"])
    if holder.get("concurrency") is not None:
        _concurrency_github_takes(_named(owner, "concurrency"), holder["concurrency"])
    env = holder.get("env")
    if env is not None and not isinstance(env, dict) and not _expression(env):
        raise WorkflowRefused(f"{_named(owner, 'env')} is {cut(repr(env))}, not a mapping of variables (nor an"
                              " expression `${{ }}`)")
    for key in ("timeout-minutes", "cancel-timeout-minutes"):
        if not _minutes(holder.get(key)):
            raise WorkflowRefused(f"{_named(owner, key)} is {cut(repr(holder[key]))}, not a number of minutes (nor an"
                                  " expression `${{ }}`)")


def _minutes(value: Any) -> bool:
    """False only for what is surely no number to GitHub: a mapping, a list, a boolean, or a text no reading of
    numbers takes (`10m`); a text that is one (`'10'`, YAML 1.2's `0o17`, which PyYAML reads as text) is let be."""
    if value is None or _expression(value):
        return True
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        return False
    return not isinstance(value, str) or not math.isnan(_js_number(value))


def _permissions_github_takes(where: str, permissions: Any) -> None:
    if _expression(permissions) or permissions in PERMISSION_SHORTHANDS:
        return
    if not isinstance(permissions, dict):
        raise WorkflowRefused(f"{where} is {cut(repr(permissions))}, which GitHub takes not: it takes"
                              f" {', '.join(PERMISSION_SHORTHANDS)}, {{}} (none) or a mapping of scopes to read, write"
                              " or none")
    for scope, level in permissions.items():
        if scope not in PERMISSION_SCOPES:
            # GitHub adds scopes now and then: the one named lets a reader see whether this list is behind
            said = spelled(str(scope))
            raise WorkflowRefused(f"{where} names the scope `{said}`, which GitHub's token has not (\"Unexpected"
                                  f" value '{said}'\"; the scopes GitHub's workflow schema has:"
                                  f" {', '.join(PERMISSION_SCOPES)}; should GitHub have added `{said}` since, this"
                                  " list is behind)")
        takes = PERMISSION_SCOPES[scope]
        if level is not None and not _expression(level) and level not in takes:
            raise WorkflowRefused(f"{where} gives `{scope}` {cut(repr(level))}, which GitHub takes not"
                                  f" ({_unexpected(level)}it takes {_either(takes)})")


def _unexpected(value: Any) -> str:
    """GitHub's words for a text it takes not; none for another value, which it spells otherwise than Python."""
    return f"\"Unexpected value '{cut(spelled(value))}'\"; " if isinstance(value, str) else ""


def _either(words: tuple[str, ...]) -> str:
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _strategy_github_takes(where: str, strategy: Any) -> None:
    if _expression(strategy):
        return
    if not isinstance(strategy, dict):
        raise WorkflowRefused(f"{where} is {cut(repr(strategy))}, not a mapping (of {', '.join(STRATEGY_KEYS)})")
    _keys_github_takes(where, strategy, STRATEGY_KEYS)


def _keys_github_takes(where: str, mapping: dict, takes: tuple[str, ...], holder: str = "it") -> None:
    """WorkflowRefused, in GitHub's words, for the first key of `mapping` its schema has not (`takes`)."""
    if extra := [str(key) for key in mapping if key not in takes]:
        raise WorkflowRefused(f"{where} has `{spelled(extra[0])}:`, which {holder} has not (\"Unexpected value"
                              f" '{spelled(extra[0])}'\"; it takes: {', '.join(takes)})")


def _concurrency_github_takes(where: str, concurrency: Any) -> None:
    """A group's name (text, or a scalar: not judged), or a mapping with `group:` (converter/concurrency.ts)."""
    if isinstance(concurrency, list):
        raise WorkflowRefused(f"{where} is {cut(repr(concurrency))}, not a group name nor a mapping (of"
                              f" {', '.join(CONCURRENCY_KEYS)})")
    if not isinstance(concurrency, dict):
        return
    _keys_github_takes(where, concurrency, CONCURRENCY_KEYS)
    if "group" not in concurrency:
        raise WorkflowRefused(f"{where} has no `group:`, which GitHub requires (\"Required property is missing:"
                              " group\")")
    queue = concurrency.get("queue")
    if queue is not None and not _expression(queue) and queue not in CONCURRENCY_QUEUES:
        raise WorkflowRefused(f"{where} has `queue: {cut(repr(queue))}`, which GitHub takes not ({_unexpected(queue)}it"
                              f" takes {_either(CONCURRENCY_QUEUES)})")


def _action_github_takes(where: str, uses: Any) -> None:
    """WorkflowRefused unless a step's `uses:` names a local action (`./…`), a Docker image (`docker://…`) or a
    repository's at a ref: `owner/repo[/path]@ref`, as GitHub's parser reads it (one `@`; owner, repo and ref not
    empty). A remote action without `@ref` is the common mistake."""
    if not isinstance(uses, str) or _expression(uses) or uses.startswith(("./", ".\\", "docker://")):
        return
    name, at, ref = uses.partition("@")
    if at and ref and "@" not in ref and len([part for part in re.split(r"[\\/]", name) if part]) >= 2:
        return
    raise WorkflowRefused(f"{where}'s `uses:` is {cut(repr(uses))}, which GitHub takes not (\"the `uses' attribute"
                          " must be a path, a Docker image, or owner/repo@ref\": ./a/local/path, docker://image, or"
                          " owner/repo[/path]@ref)")


def _control_step_github_takes(where: str, kind: str, step: dict, earlier_ids: set[str]) -> None:
    """WorkflowRefused unless a step that waits for or cancels background steps is written as GitHub's parser takes
    it (converter/steps.ts): `wait:` one step id or a list of them, `wait-all:` nothing or true, `cancel:` one step
    id; each id one an earlier step of the job has (`earlier_ids`, lower case), not the step's own. Ids are matched
    ignoring case, as `needs:` is: a file GitHub may run must not fail here. An id YAML reads as a number or a
    boolean is not judged (GitHub reads it as text, which Python may spell otherwise)."""
    value = step[kind]
    if kind == "wait-all":
        if value is False:
            raise WorkflowRefused(f"{where} has `wait-all: false` (\"The value of 'wait-all' must be true or"
                                  " omitted\"): leave the step out, or write `wait-all:` alone")
        if value is not None and value is not True:
            raise WorkflowRefused(f"{where}'s `wait-all:` is {cut(repr(value))}: it takes nothing or true (it waits"
                                  " for every earlier background step)")
        return
    verb = "waits for" if kind == "wait" else "cancels"
    if kind == "wait" and isinstance(value, list):
        targets = value
    elif isinstance(value, (dict, list)):
        wanted = "a step id or a list of step ids" if kind == "wait" else "one step id (it cancels one step)"
        raise WorkflowRefused(f"{where}'s `{kind}:` is a {type(value).__name__}, not {wanted}")
    else:
        targets = [value]
    own = step.get("id")
    for target in targets:
        if target is None or target == "" or isinstance(target, (dict, list)):
            seen = "empty" if target is None or target == "" else f"a {type(target).__name__}"
            raise WorkflowRefused(f"{where}'s `{kind}:` {'is' if target is value else 'holds an id that is'} {seen},"
                                  f" not the id of the background step it {verb}")
        if not isinstance(target, str):
            continue
        said = cut(spelled(target))
        if isinstance(own, str) and target.lower() == own.lower():
            raise WorkflowRefused(f"{where} {verb} itself (`{said}`) (\"Step '{said}' cannot reference itself\")")
        if target.lower() not in earlier_ids:
            raise WorkflowRefused(f"{where} {verb} `{said}`, which is the `id:` of no earlier step of the job (\"Step"
                                  f" references unknown step ID '{said}'\")")


def _needs_github_takes(jobs: dict) -> None:
    """WorkflowRefused where GitHub cannot order the jobs by their `needs:` (its parser's converter/jobs.ts): no job
    without dependencies, a job that needs one the workflow has not (a job renamed, its dependants not), or needs
    that go round in a cycle. Job ids are matched ignoring case: GitHub's own parser compares them as written, but
    that its service does too is not documented, and a file it may run must not fail here."""
    needs = _needs_of(jobs)
    if needs is None:
        return
    if all(needs.values()):
        raise WorkflowRefused("every job has `needs:`, so none can start (\"The workflow must contain at least one job"
                              " with no dependencies.\")")
    ids = {str(name).lower(): name for name in jobs}
    for name, wanted in needs.items():
        if unknown := [need for need in wanted if need.lower() not in ids]:
            said = spelled(unknown[0])
            raise WorkflowRefused(f"job `{spelled(name)}` needs `{said}`, which is no job of the workflow (\"Job"
                                  f" '{spelled(name)}' depends on unknown job '{said}'.\")")
    if cycle := _needs_cycle({name: [ids[need.lower()] for need in wanted] for name, wanted in needs.items()}):
        shown = ", ".join(f"`{spelled(name)}` needs `{spelled(need)}`"
                          for name, need in zip(cycle, cycle[1:] + cycle[:1]))
        raise WorkflowRefused(f"the jobs' `needs:` go round in a cycle ({shown}), so none of them can start (\"Job"
                              f" '{spelled(cycle[0])}' depends on job '{spelled(cycle[1 % len(cycle)])}' which creates"
                              " a cycle in the dependency graph.\")")


def _needs_of(jobs: dict) -> dict[str, list[str]] | None:
    """Each job's `needs:` as a list of job ids (one written as text is a list of one; none or null, no need), or
    None where one is neither text nor a list of texts, as GitHub documents it: then not judged."""
    needs = {}
    for name, job in jobs.items():
        wanted = job.get("needs")
        wanted = [] if wanted is None else [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(wanted, list) or not all(isinstance(need, str) for need in wanted):
            return None
        needs[name] = wanted
    return needs


def switched_off_jobs(text: str, jobs: dict) -> dict[str, str]:
    """The jobs GitHub never runs, each with why (`if: ${{ false }}`): an `if:` that is the literal `false`
    (`literally_false`), and a job that needs one of them whose own `if:`, if any, is false once a need is skipped
    (`false_after_a_skipped_need`). No other expression is evaluated: such a job is taken as running."""
    conditions = _job_conditions(text)
    off = {name: f"`if: {cut(spelled(written))}`" for name, (written, plain) in conditions.items()
           if literally_false(written, plain)}
    needs = _needs_of(jobs) or {}
    ids = {str(name).lower(): name for name in jobs}
    held = {name for name, (written, _) in conditions.items() if not false_after_a_skipped_need(written)}
    while skipped := {name: need for name, wanted in needs.items() if name not in off and name not in held
                      for need in wanted if ids.get(need.lower()) in off}:
        off.update({name: f"needs `{spelled(need)}`, which is skipped" + (
            f" (its `if: {cut(spelled(conditions[name][0]))}` is false then: {_WHY_FALSE})" if name in conditions
            else "") for name, need in skipped.items()})
    return {name: off[name] for name in jobs if name in off}  # in the file's order


def _job_conditions(text: str) -> dict[str, tuple[str, bool]]:
    """Each job's `if:` as written — (its text, whether it is a plain scalar) — from the file's YAML nodes: a plain
    `false` and a plain `no` are one value once loaded, but only the first is a boolean to GitHub (YAML 1.2)."""
    root = yaml.compose(text, Loader=_WorkflowLoader)
    jobs = next((value for key, value in root.value if key.value == "jobs"), None)
    conditions = {}
    for job_key, job in jobs.value:
        condition = next((value for key, value in job.value if key.value == "if"), None)
        if isinstance(condition, yaml.ScalarNode):
            conditions[job_key.value] = (condition.value, not condition.style)  # plain: None, or "" from libyaml
    return conditions


_FALSE_BOOLEANS = ("false", "False", "FALSE")  # YAML 1.2's core schema, which GitHub's reader follows
_WHOLE_EXPRESSION = re.compile(r"\$\{\{(.*)\}\}", re.DOTALL)


def literally_false(written: str, plain: bool) -> bool:
    """Whether a job's `if:` is GitHub's literal `false`: a plain YAML boolean (read as the text `false`), or the
    expression `false` — in `${{ }}` or without it (`if:` may leave it out), in whitespace and parentheses, which
    the expression's reader skips. Its keywords are case-sensitive (`False` in an expression is no literal), and
    text beside `${{ }}` makes the value a string, which is true."""
    if plain and written in _FALSE_BOOLEANS:
        return True
    if whole := _WHOLE_EXPRESSION.fullmatch(written):
        written = whole[1]
    elif "${{" in written:
        return False
    expression = written.strip()
    while expression.startswith("(") and expression.endswith(")"):
        expression = expression[1:-1].strip()
    return expression == "false"


# GitHub's status functions, called in any case (`Always()`), maybe with whitespace before the parenthesis: a longer
# name (`my_always(`) is none; a property (`needs.always`) no call
_STATUS_CALL = re.compile(r"(?<![\w-])(?:success|failure|cancelled|always)\s*\(", re.IGNORECASE)
_SUCCESS_CALL = re.compile(r"success\s*\(\s*\)", re.IGNORECASE)
_EXPRESSION_STRING = re.compile(r"'(?:[^']|'')*'")  # the expressions' only string: single quotes, '' for one
_WHY_FALSE = "GitHub reads a condition calling no always(), failure() or cancelled() as success() && (…)"


def false_after_a_skipped_need(written: str) -> bool:
    """Whether a job's `if:` (as `_job_conditions` gives it) is false once a job it needs was skipped: GitHub
    wraps a condition calling no status function (success(), failure(), cancelled(), always(); a name in a string
    is no call) as `success() && (…)`, and success() is false after a skipped need — as is a condition that is
    success() `&&` others. Any other (`always()`, `!cancelled()`, `success() || …`), and one read with doubt (a
    string not closed, text beside `${{ }}`), may hold: False, the job is taken as running."""
    if whole := _WHOLE_EXPRESSION.fullmatch(written):
        written = whole[1]
    if "${{" in written or "}}" in written:  # text beside an expression: a format() whose parts are not read here
        return not _STATUS_CALL.search(written)
    expression = _EXPRESSION_STRING.sub("0", written)
    if "'" in expression:
        return False
    if not _STATUS_CALL.search(expression):
        return True
    conjuncts = _top_level_conjuncts(expression)
    return conjuncts is not None and any(_SUCCESS_CALL.fullmatch(_unwrapped(part)) for part in conjuncts)


def _top_level_conjuncts(expression: str) -> list[str] | None:
    """The operands of an expression's top-level `&&` (itself alone if none); None where it has a top-level `||`,
    which binds looser: then it is no conjunction."""
    parts, depth, start, at = [], 0, 0, 0
    while at < len(expression):
        char = expression[at]
        depth += (char in "([") - (char in ")]")
        if depth == 0 and expression.startswith("||", at):
            return None
        if depth == 0 and expression.startswith("&&", at):
            parts.append(expression[start:at])
            start = at = at + 2
            continue
        at += 1
    return parts + [expression[start:]]


def _unwrapped(expression: str) -> str:
    """An expression without whitespace around it nor parentheses that hold it whole (`( (a) )` is `a`; `(a) && (b)`
    stays)."""
    expression = expression.strip()
    while expression.startswith("(") and expression.endswith(")") and _closes_at_end(expression):
        expression = expression[1:-1].strip()
    return expression


def _closes_at_end(expression: str) -> bool:
    """Whether the parenthesis opening `expression` is the one closing it."""
    depth = 0
    for at, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return at == len(expression) - 1
    return False


def _needs_cycle(needs: dict[str, list[str]]) -> list[str]:
    """The jobs of one cycle of `needs` (every need a job of it), in the order each needs the next; [] if none."""
    started: set[str] = set()
    waiting = dict(needs)
    while ready := [name for name, wanted in waiting.items() if set(wanted) <= started]:
        started.update(ready)
        for name in ready:
            del waiting[name]
    if not waiting:
        return []
    path = [next(iter(waiting))]  # each job left needs one left: following them comes round
    while (after := next(need for need in waiting[path[-1]] if need not in started)) not in path:
        path.append(after)
    return path[path.index(after):]


# GitHub's workflow schema (workflow-root, job-factory, workflow-job, the events' filters), as documented
WORKFLOW_KEYS = ("name", "run-name", "description", "on", "permissions", "env", "defaults", "concurrency", "jobs")
_COMMON_JOB_KEYS = frozenset({"name", "permissions", "needs", "if", "strategy", "concurrency"})
JOB_KEYS = {  # a job that runs on a runner (job-factory); one that calls a reusable workflow (workflow-job)
    "runs-on": _COMMON_JOB_KEYS | {"runs-on", "environment", "outputs", "env", "defaults", "steps", "timeout-minutes",
                                   "cancel-timeout-minutes", "continue-on-error", "container", "services", "snapshot"},
    "uses": _COMMON_JOB_KEYS | {"uses", "with", "secrets"},
}
_COMMON_STEP_KEYS = ("id", "if", "name", "env", "continue-on-error", "timeout-minutes")
_CONTROL_STEP_KEYS = ("id", "name", "continue-on-error")  # no `if`, `env`, `timeout-minutes`: the schema has none
STEP_KEYS = {  # run-step, regular-step (either may run in the background); wait-step, wait-all-step, cancel-step
    "run": ("run", *_COMMON_STEP_KEYS, "shell", "working-directory", "background"),
    "uses": ("uses", *_COMMON_STEP_KEYS, "with", "background"),
    "wait": ("wait", *_CONTROL_STEP_KEYS),
    "wait-all": ("wait-all", *_CONTROL_STEP_KEYS),
    "cancel": ("cancel", *_CONTROL_STEP_KEYS),
}
STEP_KINDS = {"run": "a `run:` step", "uses": "a `uses:` step (an action)", "wait": "a `wait:` step",
              "wait-all": "a `wait-all:` step", "cancel": "a `cancel:` step"}
# values inside settings (workflow-v1.0.json: permissions-mapping and its levels, strategy, concurrency-mapping,
# workflow-dispatch-input). GitHub adds token scopes now and then: a scope it added since is refused, by name
PERMISSION_SCOPES = {
    **dict.fromkeys(("actions", "artifact-metadata", "attestations", "checks", "contents"), ("read", "write", "none")),
    "copilot-requests": ("write", "none"),
    **dict.fromkeys(("deployments", "discussions"), ("read", "write", "none")),
    "id-token": ("write", "none"),
    "issues": ("read", "write", "none"),
    "models": ("read", "none"),
    **dict.fromkeys(("packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses"),
                    ("read", "write", "none")),
    "vulnerability-alerts": ("read", "none"),
}
PERMISSION_SHORTHANDS = ("read-all", "write-all")
STRATEGY_KEYS = ("matrix", "fail-fast", "max-parallel")
CONCURRENCY_KEYS = ("group", "cancel-in-progress", "queue")
CONCURRENCY_QUEUES = ("single", "max")
INPUT_KEYS = ("description", "type", "required", "default", "options")
INPUT_TYPES = ("boolean", "choice", "number", "environment", "string")
EVENT_FILTERS = {
    **dict.fromkeys(("push",), ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore")),
    **dict.fromkeys(("pull_request", "pull_request_target"),
                    ("types", "branches", "branches-ignore", "paths", "paths-ignore")),
    "workflow_dispatch": ("inputs",),
}
# a filter GitHub takes with its `-ignore` twin, never both for one event ("you may only define one of `branches`
# and `branches-ignore` for a single event"; the workflow syntax docs say so of each pair)
FILTER_PAIRS = ("branches", "tags", "paths")


def expectation(p: Params) -> str:
    if p.kind == "workflow":
        if p.triggers_only:
            return f"{p.file} with only {' and '.join(f'a {t}' for t in p.triggers_only)} trigger" + \
                "s" * (len(p.triggers_only) > 1)
        parts = [f"no {t} trigger" for t in p.triggers_absent] + [f"a {t} trigger" for t in p.triggers_present]
        return f"{p.file} with " + " and ".join(parts)
    if p.kind == "crons":
        return f"{p.file} crons: " + ", ".join(f"{c.path} at '{c.schedule}'" for c in p.crons)
    if p.kind == "env":
        in_file = f"; per_key's keys in {p.file}" if p.per_key else ""
        return f"every key of {p.file} set on its services ({', '.join(p.all_services)}){in_file}"
    parts = [f"{p.folder}/ holds a report"] if p.not_empty else []
    return "; ".join(parts + ([f"{p.folder}/ newer than the deployed commit"] if p.newer_than_deploy else []))


def _judge_workflow(p: Params, text: str, facts: dict, evidence: dict) -> Outcome:
    expected = expectation(p)
    try:
        document = read_workflow(text)
        triggers = workflow_triggers(document)
        workflow_jobs(document)
        _calls_github_takes(p.file, document, facts)
    except GatherError as exc:  # a workflow it calls could not be read: no verdict either way
        return error(str(exc), **evidence)
    except RecursionError:  # the pure-Python loader (without libyaml, which refuses such depth itself) recurses
        return error(f"could not read {p.file}: {TOO_DEEP}", **evidence)
    except GitHubRefuses as exc:  # the whole file: whatever its triggers, it never runs and cannot be dispatched
        return failed(expected, f"{p.file} line {exc.problem_mark.line + 1}: {exc.problem}", **evidence)
    except yaml.YAMLError as exc:
        return failed(expected, f"{p.file} is not valid YAML: {getattr(exc, 'problem', None) or exc}", **evidence)
    except WorkflowRefused as exc:  # as a file GitHub cannot parse: it never runs and cannot be dispatched
        return failed(expected, f"{p.file}: GitHub refuses the workflow: {exc}", **evidence)
    except ValueError as exc:
        return failed(expected, f"{p.file} {exc}", **evidence)
    evidence["triggers"] = triggers
    wanted = p.triggers_present or p.triggers_only  # (only: each of them there too)
    unwanted = [t for t in triggers if t not in p.triggers_only] if p.triggers_only else p.triggers_absent
    problems = [f"{p.file} has a {t} trigger" + (", which triggers_only does not list" if p.triggers_only else "")
                for t in unwanted if t in triggers]
    problems += [f"{p.file} has no {t} trigger" for t in wanted if t not in triggers]
    # `on: schedule` or `on: [schedule, ...]`: GitHub takes the file, with a schedule of no cron that never fires
    if "schedule" in wanted and "schedule" in triggers and not isinstance(document["on"], dict):
        problems.append(f"{p.file}'s schedule trigger has no cron (`on:` names it without `- cron:` entries):"
                        " nothing fires")
    elif "schedule" in wanted and "schedule" in triggers:  # GitHub takes a cron of a date that never comes
        crons = [entry["cron"] for entry in document["on"]["schedule"]]
        never = [f"'{cut(spelled(cron))}' ({why})" for cron in crons if (why := date_never_comes(cron))]
        if len(never) == len(crons):
            problems.append(f"{p.file}'s schedule trigger never fires: {'; '.join(never)}")
    present = [t for t in wanted if t in triggers]
    if present and len(off := switched_off_jobs(text, document["jobs"])) == len(document["jobs"]):
        # as a workflow renamed `.yml.off`: the run starts, and every job of it is skipped
        evidence["switched_off_jobs"] = off
        said = "; ".join(f"`{spelled(name)}`: {why}" for name, why in off.items())
        problems.append(f"{p.file} runs no job: every job is switched off ({said}), so its {', '.join(present)}"
                        f" trigger{'s' if len(present) > 1 else ''} start{'' if len(present) > 1 else 's'} nothing")
    return verdict(expected, problems, f"{p.file} triggers: {', '.join(triggers) or 'none'}", **evidence)


def _calls_github_takes(caller: str, document: dict, facts: dict, chain: str = "", above: tuple[str, ...] = (),
                        judged: set | None = None) -> None:
    """WorkflowRefused where a job calls a workflow of the same commit (`uses: ./…`) GitHub cannot call, which
    refuses the caller ("error parsing called workflow"): one outside `.github/workflows/` (a subfolder too), one
    the commit lacks ("workflow was not found"), one GitHub refuses whole, one not reusable (no `workflow_call` in
    its `on:`), a loop (one calling a workflow that calls it), or calls nested past ten levels; each called one
    judged so in turn. GatherError where one could not be read. A call of another repository's workflow
    (`owner/repo/…@ref`) is not judged, nor a local one holding an expression, a ref or `..`. `above`: the
    workflows calling `caller`, in turn; `judged`: (path, level) found fine."""
    judged = set() if judged is None else judged
    above, level = (*above, caller), len(above) + 1
    for name, path in _local_calls(document["jobs"]).items():
        uses = document["jobs"][name]["uses"]
        said = f"{chain}job `{spelled(name)}` calls {cut(spelled(uses))}"
        if path is None or (path, level) in judged:
            continue
        if not WORKFLOW_FILE.fullmatch(path):
            raise WorkflowRefused(f"{said}, which is not where GitHub reads a reusable workflow (a .yml or .yaml file"
                                  " directly in .github/workflows/: \"Subdirectories of the workflows directory are"
                                  " not supported\")")
        if path in above:
            raise WorkflowRefused(f"{said} again: a loop of workflows (\"Loops in the workflow tree are not"
                                  " permitted\")")
        if level == CALL_LEVELS:
            raise WorkflowRefused(f"{said}, an eleventh level of workflows: GitHub connects ten at most")
        if path not in facts["files"] or isinstance(facts["files"][path], GatherError):
            why = facts["files"].get(path) or f"{path} was not read"
            raise GatherError(f"could not read {cut(spelled(uses))}, which job `{spelled(name)}` of {caller} calls:"
                              f" {why}")
        called = _called_document(said, path, facts["source"], facts["files"][path])
        _calls_github_takes(path, called, facts, f"{said}, whose ", above, judged)
        judged.add((path, level))


def _called_document(said: str, path: str, source: str, text: str | None) -> dict:
    """A called workflow's data, as GitHub must take it to call it; WorkflowRefused (`said` the call) where it
    cannot: missing, refused whole, or not reusable."""
    if text is None:
        raise WorkflowRefused(f"{said}, which {source} does not hold (\"failed to fetch workflow: workflow was not"
                              " found\")")
    try:
        document = read_workflow(text)
        triggers = workflow_triggers(document)
        workflow_jobs(document)
    except RecursionError:
        raise GatherError(f"{said}, which could not be read: {TOO_DEEP}") from None
    except GitHubRefuses as exc:
        raise WorkflowRefused(f"{said}, which GitHub refuses (line {exc.problem_mark.line + 1}: {exc.problem})") \
            from None
    except yaml.YAMLError as exc:
        raise WorkflowRefused(f"{said}, which is not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    except WorkflowRefused as exc:
        raise WorkflowRefused(f"{said}, which GitHub refuses: {exc}") from None
    except ValueError as exc:
        raise WorkflowRefused(f"{said}, which GitHub refuses: {path} {exc}") from None
    if "workflow_call" not in triggers:
        raise WorkflowRefused(f"{said}, which is not reusable: its `on:` has no workflow_call (\"workflow is not"
                              " reusable as it is missing a `on.workflow_call` trigger\")")
    return document


def _judge_crons(p: Params, text: str, evidence: dict) -> Outcome:
    expected = expectation(p)
    try:
        document = json.loads(text, parse_constant=_not_json)
    except RecursionError:  # Python's json recurses where JSON.parse need not: no verdict either way
        return error(f"could not read {p.file}: {TOO_DEEP}", **evidence)
    except ValueError as exc:
        return failed(expected, f"{p.file} is not valid JSON: {exc}", **evidence)
    crons = document.get("crons") if isinstance(document, dict) else None
    if not isinstance(crons, list):
        return failed(expected, f"{p.file} has no crons list", **evidence)
    # an entry or a schedule Vercel refuses fails the deploy: no cron of the file runs, the wanted one included
    problems = []
    for index, entry in enumerate(crons):
        if why := vercel_cron_entry_problem(entry):
            problems.append(f"Vercel refuses {p.file}'s crons[{index}] {cut(json.dumps(entry))}: {why}; no cron of"
                            " the file runs")
        elif why := vercel_schedule_problem(entry["schedule"]):
            at = f"'{entry['schedule']}'"  # which its words may start with: said once
            problems.append(f"Vercel refuses {entry['path']} at {at}: {why.removeprefix(at + ': ')}")
    seen = [(str(c.get("path")), str(c.get("schedule"))) for c in crons if isinstance(c, dict)]
    evidence["crons"] = [{"path": path, "schedule": schedule} for path, schedule in seen]
    for cron in p.crons:
        schedules = [s for path, s in seen if path == cron.path]
        taken = [s for s in schedules if not vercel_schedule_problem(s)]  # a refused one is a problem above
        if not schedules:
            problems.append(f"no cron for {cron.path} in {p.file}")
        elif taken and _fires(cron.schedule) not in {_fires(s) for s in taken}:
            problems.append(f"{cron.path} runs at " + ", ".join(f"'{s}'" for s in taken))
    return verdict(expected, problems, f"{plural(len(seen), 'cron')}, as expected", **evidence)


VERCEL_CRON_KEYS = ("path", "schedule")
VERCEL_PATH_MAX = 512


def vercel_cron_entry_problem(entry: Any) -> str | None:
    """Why Vercel's vercel.json schema refuses a `crons` entry, else None (its schedule is judged on its own): an
    object of exactly `path`, text starting with / of at most 512 characters, and `schedule`, text."""
    if not isinstance(entry, dict):
        return "not an object with `path` and `schedule`"
    if extra := [key for key in entry if key not in VERCEL_CRON_KEYS]:
        return f"keys other than path and schedule ({', '.join(spelled(key) for key in extra)})"
    for key in VERCEL_CRON_KEYS:
        if key not in entry:
            return f"it has no {key}"
        if not isinstance(entry[key], str):
            return f"its {key} is not text"
    if not entry["path"].startswith("/"):
        return "its path must start with / (the route Vercel calls)"
    if len(entry["path"]) > VERCEL_PATH_MAX:
        return f"its path is over {VERCEL_PATH_MAX} characters"
    return None


def _not_json(word: str) -> None:
    """Python's json takes NaN and Infinity; JSON does not, nor does JSON.parse, which reads vercel.json."""
    raise ValueError(f"{word} is not JSON (JavaScript's JSON.parse refuses it, so Vercel cannot read the file)")


def _fires(schedule: str) -> object:
    """What a schedule fires on, so spellings of one schedule compare equal (`*/1` = `*`, spaces do not count):
    the scheduler family's reading. Crons read numeric fields alike; where they differ (a day of month and a
    day of week together) Vercel takes neither spelling."""
    return as_pg_cron_reads(schedule)


def _judge_env(p: Params, text: str, facts: dict, evidence: dict) -> Outcome:
    """Read as the env family reads env files, the example and each service's env alike: a line that cannot be
    parsed is an error naming it, a blank value is unset, a name the readers read two ways cannot be judged."""
    from . import env as env_family  # env imports this module (where a system's files come from): not at load

    try:
        example = parse_dotenv(text, f"{p.file} in {facts['source']}")
    except GatherError as exc:
        return error(f"could not look: {exc}", **evidence)
    keys = [k for k in example.names if k not in p.ignore]
    expected = expectation(p)
    # a key per_key names that the file lacks is never judged: a typo (API_ULR) would leave API_URL to `services`
    absent = sorted(set(p.per_key) - set(example.names))
    if not keys and not p.allow_empty and not absent:
        where = f"{p.file} of {facts['source']}" + (f" (after ignore: {', '.join(p.ignore)})" if p.ignore else "")
        return error(nothing_found("keys", where).observed, **evidence)
    missing: dict[str, list[str]] = {}
    unseen: list[str] = []
    split: dict[str, dict[str, str]] = {}  # service -> key -> how Node's dotenv and python-dotenv differ on it
    for key in keys:
        for service in p.services_of(key):
            env = facts["env"][service]
            if isinstance(env, Exception):
                unseen.append(service)
            elif how := env_family.how_read_two_ways(env, key):
                split.setdefault(service, {})[key] = how
            elif env_family.is_unset(env.get(key)):  # `undefined`, `None` too: as env's `required` reads one unset
                missing.setdefault(service, []).append(key)
    evidence.update({"keys_in_file": len(keys), "ignored": p.ignore, "missing": missing})
    if split:
        evidence["read_two_ways"] = split
    undecided = [f"{key} on {service} is read two ways ({how})" for service, said in split.items()
                 for key, how in said.items()]
    problems = []
    if absent:
        evidence["per_key_not_in_file"] = absent
        named = ", ".join(_near(key, example.names) for key in absent)
        problems.append(f"per_key names {named}, which {p.file} does not list")
    problems += [f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} not set on {service}"
                 for service, names in sorted(missing.items())]
    if problems:  # what could not be judged besides stays so (see env.judge)
        return failed(expected, "; ".join(problems), undecided=undecided, **evidence)
    reasons = {s: facts["env"][s] for s in sorted(set(unseen))}
    if reasons and not undecided and all(isinstance(r, NotConfigured) for r in reasons.values()):
        return skipped(f"no env source for {'; '.join(f'{s}: {r}' for s, r in reasons.items())}", **evidence)
    if undecided or reasons:
        unread = [f"could not read the env of {'; '.join(f'{s}: {r}' for s, r in reasons.items())}"] if reasons else []
        return error(f"could not look: {'; '.join(undecided + unread)}", **evidence)
    return verdict(expected, [], f"all {len(keys)} keys set", **evidence)


def _near(key: str, names: list[str]) -> str:
    """`API_ULR (did you mean API_URL?)`: the key, and the file's name it was likely meant to be."""
    close = difflib.get_close_matches(key, names, n=1)
    return f"{key} (did you mean {close[0]}?)" if close else key


def _judge_report(p: Params, folder: Folder | None, deployed: Any, evidence: dict) -> Outcome:
    expected_text = expectation(p)
    if folder is None or not folder.files:
        seen = f" (saw only {first_few(folder.hidden)})" if folder is not None and folder.hidden else ""
        return failed(expected_text, f"{p.folder}/ is {'missing' if folder is None else 'empty'}{seen}", **evidence)
    evidence["files"] = folder.files[:20]
    evidence["file_count"] = len(folder.files)
    if folder.hidden:
        evidence["hidden_files"] = list(folder.hidden[:20])
    if not p.newer_than_deploy:
        return verdict(expected_text, [], f"{plural(len(folder.files), 'file')}", **evidence)
    if isinstance(deployed, NotConfigured):
        return skipped(str(deployed), **evidence)
    if isinstance(deployed, GatherError):
        return error(f"could not read the deploy time: {deployed}", **evidence)
    assert folder.newest is not None
    newest, newest_time = folder.newest
    evidence.update({"newest_file": newest, "newest_modified": _utc(newest_time),
                     "newest_time_from": folder.newest_from, "deployed_commit": deployed.commit,
                     "deployed_committed": _utc(deployed.time)})
    judged, untrusted = _report_time(folder, deployed)
    if untrusted:
        evidence["committed_after_deploy"] = True
    if judged is None:
        return failed(expected_text, f"newest report file {untrusted}", **evidence)
    name, mtime, dated = judged
    deploy = f"the deployed commit {deployed.commit[:12]} of {_utc(deployed.time)}"
    problems = []
    if mtime <= deployed.time:
        said = f"{name} was" if untrusted is None else f"{untrusted}; {name}, written in the checkout, was"
        problems.append(f"newest report file {said} {dated} {_utc(mtime)}, not after {deploy}")
    seen = f"{name} {dated} {_utc(mtime)}, after commit {deployed.commit[:12]} of {_utc(deployed.time)}"
    return verdict(expected_text, problems, seen + (f"; {untrusted}" if untrusted else ""), **evidence)


def _report_time(folder: Folder, deployed: Deployed) -> tuple[tuple[str, float, str] | None, str | None]:
    """The report file to judge — (name, time, "modified" or "committed (commit <sha>)") — and why the newest was
    passed over, if it was. `git log HEAD` dates a committed file by a commit of the deployed commit's history: by
    topology not newer than the deploy, so a later date is a clock that was wrong, no evidence; the newest file
    written in the checkout is judged then, and without one nothing is (None: it fails)."""
    name, time = folder.newest
    if folder.newest_from == "file time":
        return (name, time, "modified"), None
    dated = f"committed ({folder.newest_from})"
    if time <= deployed.time:
        return (name, time, dated), None
    untrusted = (f"{name} was {dated} {_utc(time)}, a date after the deployed commit's own ({_utc(deployed.time)}) "
                 "that cannot be trusted: a file of the deployed commit's history is not newer than it")
    if folder.newest_written is None:
        return None, untrusted
    return (*folder.newest_written, "modified"), untrusted


def judge(check, facts) -> Outcome:
    p: Params = check.params
    evidence: dict[str, Any] = {"source": facts["source"], **facts.get("checkout", {})}
    if p.kind == "report":
        folder = facts["folders"][p.folder]
        if isinstance(folder, GatherError):
            return error(f"could not list {p.folder}: {folder}", **evidence)
        return _judge_report(p, folder, facts["deployed"], evidence)
    text = facts["files"][p.file]
    evidence["file"] = p.file
    if isinstance(text, GatherError):
        return error(f"could not read {p.file}: {text}", **evidence)
    if text is None:
        return failed(expectation(p), f"{p.file} not found in {facts['source']}", **evidence)
    if p.kind == "workflow":
        return _judge_workflow(p, text, facts, evidence)
    if p.kind == "crons":
        return _judge_crons(p, text, evidence)
    return _judge_env(p, text, facts, evidence)
