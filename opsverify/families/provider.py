"""provider: platform APIs, strictly read-only — GitHub Actions secrets, Vercel env var metadata,
Render deploys, cron runs and env groups, Supabase backups, PITR and secrets.

Every request is a GET, sent concurrently through `target.fetch_all`; identical
requests of several checks go out once, then GitHub's further pages of every list in one more wave, then
Vercel's, a page of every list a wave (each page names the next: `until` = its `pagination.next`), then Render's
env groups alike (`cursor` = the last entry's), then every env group linked to an item's services in one wave. Values
are never kept: env var values and env group values go to the redactor the moment they arrive — those secret by
an env file's rule, or marked so by the platform — secret digests all, and all are dropped from the facts.

An API that gives no usable answer — no answer at all, 401/403 (token), 404 (ids), a rate limit
(429, or GitHub's 403 with `x-ratelimit-remaining: 0` or `retry-after`: said with when it resets), 5xx,
a body that is not JSON or larger than API_BODY_LIMIT, no Date header — leaves the part of the item it would
have told unchecked, and the item an *error* naming the request and the fix; every answer that did come is judged
all the same (each service's deploys, each cron job's events, each place a GitHub secret lives are a part of their
own). An answer that shows the platform is not as the runbook says fails the item — with a call that gave no usable
answer, or one in another shape, said after the failure as could not be judged (`undecided`), never hiding it.

"Now" is the later of two clocks: the HTTP `Date` header of the same answer (an answer without one is an
error, never a guess) and the runner's, when the answer came. A stale or replayed answer (a Date behind) can
only make things look older, never fresher; the outcome shows both clocks, and says so when they differ by
more than CLOCK_SKEW. A state, though — a deploy's status, a suspension, how a cron job's newest run ended, PITR on
and its add-on, a workflow's state (or 404), a name set (`required`, and each name `secret_age` ages; on Render, the
env group holding the names and linked to the services, which other groups are linked and set them, a service setting
one itself) — can look
healthier from a replay (live, before today's failed deploy): one read from an answer whose Date is behind the
runner's clock as it asked by more than CLOCK_SKEW (of a list read in pages, any page's: a cache stands before each
page's URL alone) is an error naming both and that page, never judged. An age read beside it keeps
the rule: a run or a secret too old still fails (unless renewed in the gap the outcome names, it is that old now). A time later
than the platform's own Date is a lie or a bug (unknown, never a pass).
A Date more than DATE_TRUST (a day) from the runner's clock is a platform answering nonsense (a cache
replaying an old answer, a broken clock), not clock skew: an error naming both times, never an age.

Environment file (`systems.<system>.providers.<platform>`; tokens only as ${VAR}; `base_url`
defaults to the real API, so a real account needs only the token and ids):

    github:   {token: ${GITHUB_TOKEN}, repo: owner/name}                 # api.github.com
    vercel:   {token: ${VERCEL_TOKEN}, project: prj_…, team: team_…}     # api.vercel.com; team optional
    render:   {token: ${RENDER_API_KEY}, service.web: srv-…, service.dead-letter-trim: crn-…,
               env_group: evg-…}                                         # api.render.com/v1
    supabase: {token: ${SUPABASE_ACCESS_TOKEN}, project: <project ref>}  # api.supabase.com

Checks (one or more per item; `platform` says which API):

    platform: github    required: [CRON_SECRET]          Actions secret names exist (names only)
                        secret_age: {names, max_days}     …and were updated within max_days
                        environment: production           the deployment environment the workflow's job runs in
                        workflows_active: [poller-cron.yml]  each workflow's GitHub state is active, not disabled
    platform: vercel    required / secret_age             env vars of `target`: production (default),
                                                          preview, development or a custom environment's
                                                          id (env_…); age from each var's `updatedAt`
    platform: render    services: [web, api, worker]
                        deploy_status: live               newest deploy of each service is live, and the
                                                          service not suspended
                        cron_jobs: {name: {max_age_hours}}  newest finished run succeeded, recently
                        secret_age: {names, max_days}     see the limit below
    platform: supabase  backups: {max_age_hours}          newest completed backup (or PITR point)
                        pitr_days: 7                      PITR on and the PITR add-on keeps ≥ N days
                        required / secret_age             Edge Function secrets (names; `updated_at`)

A `secret_age` name may be an either-or group (`names: [NEXTAUTH_SECRET, [SMTP_PASS, EMAIL_SERVER]]`), on every
platform: one of its names must be set (none set fails naming the group), each one set is aged; a list not read
whole leaves a name of it not seen unknown.

Vercel env vars of the preview target may carry a `gitBranch`: such a value is that branch's only, so it
never counts as the target's value (a key set only for a branch is not set for the target, and a fresh
branch value does not make a stale one of the target fresh); a `gitBranch` of "" names no branch. GitHub's secret
names are case-insensitive (it stores them upper-case): `cron_secret` names CRON_SECRET.

A workflow sees a secret of the repository, of its organisation (shared with the repository) and, in a job that
names a deployment environment, of that environment, which wins over the other two, as the repository's wins over
the organisation's. Every GitHub item reads the three: `required` holds when the repository or the organisation
has the name (or the item's `environment`); `secret_age` ages the value a job of `environment` sees, and without
one every value a job could see (the repository's, the organisation's where the repository has no value of that name
to shadow it, and each environment's): a stale one anywhere fails, naming where.

A workflow GitHub has disabled (after 60 days without activity in a public repository, by hand, in a fork) never
runs, though its file is unchanged: `workflows_active` reads `GET …/actions/workflows/{file}` (a GET each) and fails
any `state` but "active", naming it; a state that is none GitHub documents, or none, is unknown. GitHub's 404 there
fails the item (no such workflow on the default branch) only where the repository's list of workflows, asked beside
them, answered: else the repository may be what GitHub does not show, and the item is an error.

Honest limits of the platforms:
- Render keeps no change time per env var. `secret_age` on Render reads the env group
  (`providers.render.env_group`) that must hold the names and be linked to `services`: its
  `updatedAt` moves on any change to the group, so a stale group proves no rotation (FAILED) and
  a fresh one only shows the group changed — the outcome says so. Without an env_group the rest of the item is judged
  and secret_age said not checked (a failure beside it fails, else the item is skipped, never passed). A name one of `services` sets itself is used
  there over the group's, with no change time at all: an error, never the group's age. A service may be linked to
  other groups too (`GET /env-groups`, every page by cursor, shared by the items; then each group linked to
  `services`): Render documents no order among a service's linked groups, so a name another one sets may be the
  value in force — aged the same, a stale one fails naming it; a linked group not read, or a list not read whole,
  is an error, never a pass.
- Supabase lists secrets as name + SHA-256 digest; `updated_at` is optional in its schema. A name
  without it cannot be aged: the check is an ERROR naming it, never a pass.
- Supabase `pitr_days` judges the `pitr_enabled` flag and the PITR add-on only, not that a recovery point exists
  (`physical_backup_data.latest_physical_backup_date_unix`): `backups` ages that point. A list the answer does not
  hold (`backups`, `selected_addons` missing, null or not a list) is an ERROR naming it and the request, never none;
  so are two PITR add-ons selected (a project has one: which holds is not known), named, whatever their order.
- A suspended Render service (by its owner, for billing, by Render) keeps its last deploy "live" and serves
  nothing: `deploy_status` also reads each service (`GET /services/{id}`) and fails one whose `suspended` is
  "suspended", naming its `suspenders`; one that says neither "suspended" nor "not_suspended" is unknown, never a pass.
- Render has no "list cron runs" call; the newest `cron_job_run_ended` service event (type and
  status from its event details) is the last finished run; an event that names no type (null, "", missing) may be
  it, so the job is unknown, never judged by an older run (one of another type is passed over). Render lists only the events of a time window,
  the last hour unless asked: each item asks for its own, max_age_hours and CRON_WINDOW_MARGIN back.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, Callable, Literal
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from pydantic import Field, field_validator, model_validator

from ..outcome import Outcome, error, failed, skipped, verdict
from ..display import cut, visible
from ..errors import NotConfigured
from ..transports.http import NotStrictJson, Probe, Reply, UnreadableJson, location_shown
from . import REQUESTS_AT_ONCE
from ._common import StrictParams, plural
from .repo import Params as RepoParams, workflow_file_problem  # the repo family's rule of where a workflow runs

NAME = "provider"
LEARNS_SECRETS = True  # env values the APIs return: the engine reports no item before this family has ended

Platform = Literal["github", "vercel", "render", "supabase"]

BASE_URLS = {
    "github": "https://api.github.com",
    "vercel": "https://api.vercel.com",
    "render": "https://api.render.com/v1",
    "supabase": "https://api.supabase.com",
}
# the settings each platform's calls read under providers.<platform> (families.PROVIDER_SETTINGS: another key is a
# typo, refused at load); `service.` stands for each service.<name>
PROVIDER_SETTINGS = {
    "github": ("base_url", "token", "repo"),
    "vercel": ("base_url", "token", "project", "team"),
    "render": ("base_url", "token", "service.", "env_group"),
    "supabase": ("base_url", "token", "project"),
}
LABELS = {"github": "GitHub API", "vercel": "Vercel API", "render": "Render API",
          "supabase": "Supabase Management API"}
TOKEN_HINTS = {
    "github": ("a GitHub token that may read the repository's Actions secrets, the organisation secrets shared "
               "with it, its environments and each one's secrets, and its workflows (fine-grained: Secrets, Actions "
               "and Environments: read; the repo family's files, with the same token: Contents: read)"),
    "vercel": "a Vercel access token with access to the project (and its team)",
    "render": "a Render API key of the workspace that owns the services",
    "supabase": "a Supabase access token with access to the project",
}
# the fine-grained repository permission GitHub documents for each call, by the call's reader: "List repository
# secrets" and "List repository organization secrets" need Secrets, "List environments" Actions (not Environments),
# "List environment secrets" Environments (docs.github.com/rest/actions/secrets, /rest/deployments/environments);
# "Get a workflow" and "List repository workflows" Actions (/rest/actions/workflows)
GITHUB_PERMISSIONS = {"github-secrets": "Secrets", "github-environments": "Actions",
                      "github-env-secrets": "Environments", "github-workflow": "Actions",
                      "github-workflows": "Actions"}
# a workflow's `state` other than "active", as GitHub documents them (the Workflow schema), and what each means
WORKFLOW_STATES = {
    "disabled_inactivity": "disabled after 60 days without activity, its schedule never fires; enable it in Actions",
    "disabled_manually": "disabled by hand, it never runs; enable it in Actions",
    "disabled_fork": "disabled because the repository is a fork, it never runs; enable workflows in its Actions tab",
    "deleted": "its file is gone from the default branch, it never runs",
}
GITHUB_PAGE = 100
GITHUB_MAX_PAGES = 10  # 1000 secrets: far beyond any repository; keeps the walk bounded
# a repository's environments and each one's secrets are read one page each (100): more is not read, and what is
# not seen there is unknown, never absent
# Vercel pages by cursor (`until` = the previous page's `pagination.next`): each further page is one more GET
# that can only go out once the page before it has come, so the walk is bounded by pages rather than items
VERCEL_MAX_PAGES = 10
RENDER_EVENTS = 20  # newest events of the window scanned for the last finished cron run
RENDER_ENV_PAGE = 100  # a service's own env vars read (Render's largest page): a fuller list is not read whole
# the workspace's env groups are listed 100 a page (Render's largest), each further page by the cursor of the last
# entry, at most RENDER_GROUPS_MAX_PAGES; of them, the groups linked to an item's services are each read (their keys),
# at most RENDER_LINKED_GROUPS an item: what is not read leaves the item unknown, never a pass
RENDER_GROUPS_PAGE = 100
RENDER_GROUPS_MAX_PAGES = 10
RENDER_LINKED_GROUPS = 32
# the events window reaches this far past an item's max_age_hours: a run just too old is still listed, and
# failed with its age rather than as no run at all (a runner's clock behind Render's only widens the window)
CRON_WINDOW_MARGIN = timedelta(hours=1)
PITR_VARIANT_DAYS = {"pitr_7": 7, "pitr_14": 14, "pitr_28": 28}
API_BODY_LIMIT = 8 << 20  # a project's env list runs to hundreds of KB (each encrypted value ~0.5 KB)
DATE_TRUST = timedelta(days=1)  # a platform's Date this far from the runner's clock is no clock skew


CENTURY_DAYS = 36_525  # an age limit beyond a century is a typo, and beyond the calendar an overflow


class SecretAge(StrictParams):
    # a name, or an either-or group ([SMTP_PASS, EMAIL_SERVER]): one of its names must be set, each one set is aged
    names: list[str | Annotated[list[str], Field(min_length=2)]] = Field(min_length=1)
    max_days: float = Field(gt=0, le=CENTURY_DAYS)

    @field_validator("names")
    @classmethod
    def _each_once(cls, names: list) -> list:
        """A name in two places (a group and alone, two groups) would be required and optional at once."""
        flat = [name for entry in names for name in ([entry] if isinstance(entry, str) else entry)]
        twice = sorted({name for name in flat if flat.count(name) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} named twice in names: give each name once")
        return names

    @property
    def groups(self) -> list[tuple[str, ...]]:
        """Each entry as a group: a name standing alone is a group of one."""
        return [(entry,) if isinstance(entry, str) else tuple(entry) for entry in self.names]

    @property
    def flat(self) -> list[str]:
        return [name for group in self.groups for name in group]

    @property
    def shown(self) -> str:
        return ", ".join(" or ".join(group) for group in self.groups)


class MaxAge(StrictParams):
    max_age_hours: float = Field(gt=0, le=CENTURY_DAYS * 24)


VERCEL_TARGETS = ("production", "preview", "development")
_CUSTOM_ENVIRONMENT = re.compile(r"env_[A-Za-z0-9]+")  # a custom environment's id, as env vars list it


ALLOWED: dict[str, set[str]] = {
    "github": {"required", "secret_age", "environment", "workflows_active"},
    "vercel": {"required", "secret_age", "target"},
    "render": {"services", "deploy_status", "cron_jobs", "secret_age"},
    "supabase": {"required", "secret_age", "backups", "pitr_days"},
}


class Params(StrictParams):
    platform: Platform
    required: list[str] = []
    secret_age: SecretAge | None = None
    target: str = "production"
    services: list[str] = []
    deploy_status: Literal["live"] | None = None
    cron_jobs: dict[str, MaxAge] = {}
    backups: MaxAge | None = None
    pitr_days: int | None = Field(default=None, gt=0, le=CENTURY_DAYS)
    environment: str | None = Field(default=None, min_length=1, max_length=255)
    workflows_active: list[str] = []  # file names in .github/workflows/, as GitHub's API names a workflow

    @field_validator("workflows_active")
    @classmethod
    def _where_github_runs_them(cls, names: list[str]) -> list[str]:
        """Each as its file name: `poller-cron.yml`, or its path `.github/workflows/poller-cron.yml`; refused where
        the repo family's `file` is (a subfolder, `.yml.off`: GitHub runs no workflow there)."""
        files = []
        for name in names:
            path = RepoParams._inside_repo(name)  # as the repo family reads a path: `./a.yml` is `a.yml`
            path = path if "/" in path else f".github/workflows/{path}"
            if not name.isprintable() or path.startswith((".gitea/", ".forgejo/")):  # no GitHub Actions workflow
                raise ValueError(f"{visible(cut(name, 60))} is not a GitHub Actions workflow: name a file directly in "
                                 f".github/workflows/")
            if problem := workflow_file_problem(path):
                raise ValueError(problem)
            files.append(path.rsplit("/", 1)[1])
        twice = sorted({name for name in files if files.count(name) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} named twice in workflows_active: give each workflow once")
        return files

    @field_validator("environment")
    @classmethod
    def _printable(cls, name: str | None) -> str | None:
        if name is not None and (name != name.strip() or not name.isprintable()):
            raise ValueError(f"environment '{visible(cut(name, 60))}' is not a GitHub environment's name")
        return name

    @field_validator("target")
    @classmethod
    def _vercel_has_it(cls, target: str) -> str:
        """Any other word would be judged, and every name found "not set" in an environment Vercel does not have."""
        if target in VERCEL_TARGETS or _CUSTOM_ENVIRONMENT.fullmatch(target):
            return target
        close = difflib.get_close_matches(target.lower(), VERCEL_TARGETS, n=1, cutoff=0.4)
        fix = (f"; did you mean {close[0]}?" if close else
               ": write production, preview, development or a custom environment's id (env_…)")
        raise ValueError(f"target '{visible(cut(target, 60))}' is not a Vercel environment{fix}")

    @model_validator(mode="after")
    def _shape(self) -> "Params":
        given = self.model_fields_set - {"platform"}
        stray = sorted(given - ALLOWED[self.platform])
        if stray:
            raise ValueError(f"{', '.join(stray)} not used with platform {self.platform} "
                             f"(use {', '.join(sorted(ALLOWED[self.platform]))})")
        empty = sorted(name for name in given & {"required", "services", "cron_jobs", "workflows_active"}
                       if not getattr(self, name))
        if empty:
            raise ValueError(f"{', '.join(empty)} is empty: name at least one, or leave it out")
        if self.environment is not None and not (self.required or self.secret_age):  # a workflow's state is the
            # repository's, whatever environment its jobs run in
            raise ValueError("environment is used with required or secret_age")
        if self.platform == "render" and self.deploy_status and not self.services:
            raise ValueError("deploy_status needs services")
        if self.platform == "render" and self.secret_age and not self.services:  # what the group must feed, and
            # where a service's own value would stand over the group's: without them a group feeding nothing passed
            raise ValueError("secret_age needs services (the services the env group feeds: each must be linked to "
                             "it and must not set the names itself)")
        if self.platform == "render" and self.services and not (self.deploy_status or self.secret_age):
            raise ValueError("services is used with deploy_status or secret_age")
        if not (self.required or self.secret_age or self.deploy_status or self.cron_jobs or self.backups
                or self.pitr_days or self.workflows_active):
            raise ValueError("give something to check: required, secret_age, workflows_active, deploy_status, "
                             "cron_jobs, backups or pitr_days")
        return self


def needs(params: Params) -> tuple[str, ...]:
    return (f"provider:{params.platform}",)


def calls_at_most(p: Params) -> int:
    """How many GETs one item sends at most (before GitHub's and Vercel's further pages)."""
    if p.platform == "github":  # the repository's secrets, the organisation's shared with it, the environments (or
        # the one's); each workflow, and the repository's list of workflows (is a 404 a missing workflow?)
        return (3 if p.required or p.secret_age else 0) + (1 + len(p.workflows_active) if p.workflows_active else 0)
    if p.platform == "vercel":
        return 1
    if p.platform == "render":  # each service's newest deploy and the service itself (suspended?); the env group,
        # the env groups' list and each service's own env vars
        return ((2 * len(p.services) if p.deploy_status else 0) + len(p.cron_jobs)
                + (2 + len(p.services) if p.secret_age else 0))
    return (1 if p.backups or p.pitr_days else 0) + (1 if p.pitr_days else 0) + (1 if p.required or p.secret_age else 0)


def bound(target, checks) -> float:
    """One wave of every item's GETs, then one wave of GitHub's further pages, then Vercel's further pages one
    page of every list a wave (each asks for the page its previous one named), Render's env groups' alike, then the
    groups linked to the items' services; REQUESTS_AT_ONCE at a time, each within http_s."""
    first = sum(calls_at_most(c.params) for c in checks)
    github = [c for c in checks if c.params.platform == "github" and (c.params.required or c.params.secret_age)]
    environments = GITHUB_PAGE * sum(1 for c in github if c.params.environment is None)  # each one's secrets
    pages = (GITHUB_MAX_PAGES - 1) * 2 * len(github)  # the repository's list and the organisation's
    vercel_lists = sum(1 for c in checks if c.params.platform == "vercel")
    render_lists = sum(1 for c in checks if c.params.platform == "render" and c.params.secret_age)
    waves = (math.ceil(first / REQUESTS_AT_ONCE) + math.ceil(environments / REQUESTS_AT_ONCE)
             + math.ceil(pages / REQUESTS_AT_ONCE)
             + (VERCEL_MAX_PAGES - 1) * math.ceil(vercel_lists / REQUESTS_AT_ONCE)
             # the env groups' further pages, then the groups linked to each item's services
             + (RENDER_GROUPS_MAX_PAGES - 1) * math.ceil(render_lists / REQUESTS_AT_ONCE)
             + math.ceil(RENDER_LINKED_GROUPS * render_lists / REQUESTS_AT_ONCE))
    return target.timeouts.connect_s + target.timeouts.http_s * max(1, waves)


# -- facts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageClock:
    """One page of a list read from several: its request, its Date and when it was asked. A cache stands before each
    page's URL alone, so a later page may be a replay where the first is live."""
    request: str
    platform_now: datetime
    sent: datetime


@dataclass(frozen=True)
class Answer:
    request: str  # "GET <url>"
    data: Any  # the parsed, value-free JSON
    platform_now: datetime  # the platform's Date header: nothing it dates may be later
    received: datetime | None = None  # the runner's clock when the answer came; not known: taken as the platform's
    pages: tuple[str, ...] = ()  # every request it was read from, when more than one (GitHub's further pages)
    # the runner's clock as it was asked (its first page's): a live answer is dated after it, whatever the wave took
    sent: datetime | None = None
    page_clocks: tuple[PageClock, ...] = ()  # each page's clocks, when read from more than one: each may be a replay

    def __post_init__(self) -> None:
        if self.received is None:
            object.__setattr__(self, "received", self.platform_now)
        if self.sent is None:
            object.__setattr__(self, "sent", self.received)

    @property
    def now(self) -> datetime:
        """What ages are measured from: the later clock, so an answer replayed from a cache (its Date behind)
        makes nothing look fresher than it is."""
        return max(self.platform_now, self.received)


@dataclass(frozen=True)
class Trouble:
    request: str
    reason: str  # one sentence naming the platform and the fix
    pages: tuple[str, ...] = ()  # every request of the list it stands for, when more than one (GitHub's pages)
    status: int | None = None  # the HTTP status of a refusal


def _page_clocks(pages: list[Answer]) -> tuple[PageClock, ...]:
    return tuple(PageClock(p.request, p.platform_now, p.sent) for p in pages) if len(pages) > 1 else ()


def _asked_for(answer: Answer | Trouble) -> list[str]:
    """Every request an answer (or why there is none) was read from: a verdict on page 2 names page 2."""
    return list(answer.pages or (answer.request,))


@dataclass(frozen=True)
class Call:
    platform: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(repr=False)  # carries the token
    sanitize: str = "plain"  # how to strip values from the answer: "vercel-env", "render-env-group", ...

    @property
    def request(self) -> str:
        return f"GET {self.url}"


def _setting(settings: dict[str, str], platform: str, key: str, target) -> str:
    value = settings.get(key)
    if not value:
        raise _unset(platform, key, target)
    return value


def _unset(platform: str, key: str, target) -> NotConfigured:
    return NotConfigured(f"providers.{platform}.{key} not configured for {target.system} in {target.env.name}")


def _headers(platform: str, token: str) -> tuple[tuple[str, str], ...]:
    base = [("authorization", f"Bearer {token}")]
    if platform == "github":
        return (*base, ("accept", "application/vnd.github+json"), ("x-github-api-version", "2022-11-28"))
    return (*base, ("accept", "application/json"))


def _base(settings: dict[str, str], platform: str) -> str:
    return (settings.get("base_url") or BASE_URLS[platform]).rstrip("/")


def platform_ids(params: Params) -> dict[str, set[str]]:
    """The Render services an item names (in `services`, or as cron jobs: a cron job is a Render service), each
    mapped to its id by `providers.render.service.<name>`: a misspelt one is refused when the environment loads."""
    names = {*params.services, *params.cron_jobs}
    return {params.platform: names} if names else {}


def platform_settings(params: Params) -> dict[str, dict[str, str]]:
    """The settings a part of the item needs besides ids, by the part: Render's secret_age reads the env group (the
    rest of a Render item does not), so an environment without it checks the rest and says that part was not."""
    return {"render": {"env_group": "secret_age"}} if params.platform == "render" and params.secret_age else {}


def _plan(target, p: Params, asked_at: datetime) -> dict[str, Call | NotConfigured]:
    """The GET calls one check needs, by role ("secrets", "deploy:web", …); a part whose setting is not configured
    (Render's env group) holds why, and the rest is asked all the same. `asked_at`: the runner's clock, one for every
    check, so items asking the same window share one call."""
    platform = p.platform
    settings = target.provider(platform)
    token = _setting(settings, platform, "token", target)
    base, headers = _base(settings, platform), _headers(platform, token)

    def call(url: str, sanitize: str) -> Call:
        return Call(platform, url, headers, sanitize)

    calls: dict[str, Call] = {}
    if platform == "github":
        repo = _setting(settings, platform, "repo", target)
        if p.required or p.secret_age:
            calls["secrets"] = call(_github_page(base, repo, "actions/secrets"), "github-secrets")
            calls["org_secrets"] = call(_github_page(base, repo, "actions/organization-secrets"), "github-secrets")
        if (p.required or p.secret_age) and p.environment is not None:
            calls["env_secrets"] = call(_github_environment_page(base, repo, p.environment), "github-env-secrets")
        elif p.required or p.secret_age:
            calls["environments"] = call(_github_page(base, repo, "environments"), "github-environments")
        if p.workflows_active:  # GitHub answers 404 alike for a missing workflow and a repository it does not show:
            # its list of workflows, answered, tells them apart
            calls["workflows"] = call(f"{_github_repo(base, repo)}/actions/workflows?{urlencode({'per_page': 1})}",
                                      "github-workflows")
        for name in p.workflows_active:
            calls[f"workflow:{name}"] = call(f"{_github_repo(base, repo)}/actions/workflows/{_segment(name)}",
                                             "github-workflow")
    elif platform == "vercel":
        project = _setting(settings, platform, "project", target)
        query = f"?{urlencode({'teamId': settings['team']})}" if settings.get("team") else ""
        calls["env"] = call(f"{base}/v10/projects/{quote(project, safe='')}/env{query}", "vercel-env")
    elif platform == "render":
        def service_id(name: str) -> str:
            return _setting(settings, platform, f"service.{name}", target)

        if p.deploy_status:
            for name in p.services:
                calls[f"deploy:{name}"] = call(f"{base}/services/{quote(service_id(name))}/deploys?limit=1", "plain")
                # a suspended service keeps its last deploy "live": only the service says it serves nothing
                calls[f"service:{name}"] = call(f"{base}/services/{quote(service_id(name))}", "render-service")
        for name, limit in p.cron_jobs.items():
            # without startTime Render lists the last hour only; endTime defaults to its now
            since = _stamp(asked_at - timedelta(hours=limit.max_age_hours) - CRON_WINDOW_MARGIN)
            query = urlencode({"type": "cron_job_run_ended", "startTime": since, "limit": RENDER_EVENTS}, safe=":")
            calls[f"cron:{name}"] = call(f"{base}/services/{quote(service_id(name))}/events?{query}", "plain")
        if p.secret_age and not settings.get("env_group"):  # only secret_age reads the group: the rest is judged
            calls["env_group"] = _unset(platform, "env_group", target)
        elif p.secret_age:
            group = settings["env_group"]
            calls["env_group"] = call(f"{base}/env-groups/{quote(group)}", "render-env-group")
            # a service may be linked to other groups too: which of them sets a name is read from the list
            calls["env_groups"] = call(f"{base}/env-groups?{urlencode({'limit': RENDER_GROUPS_PAGE})}",
                                       "render-env-groups")
            for name in p.services:  # a key a service sets itself is used over the group's
                calls[f"service_env:{name}"] = call(f"{base}/services/{quote(service_id(name))}/env-vars?"
                                                    f"{urlencode({'limit': RENDER_ENV_PAGE})}", "render-service-env")
    elif platform == "supabase":
        ref = quote(_setting(settings, platform, "project", target))
        if p.backups or p.pitr_days:
            calls["backups"] = call(f"{base}/v1/projects/{ref}/database/backups", "plain")
        if p.pitr_days:
            calls["addons"] = call(f"{base}/v1/projects/{ref}/billing/addons", "plain")
        if p.required or p.secret_age:
            calls["secrets"] = call(f"{base}/v1/projects/{ref}/secrets", "supabase-secrets")
    return calls


def _github_repo(base: str, repo: str) -> str:
    owner, _, name = repo.partition("/")
    return f"{base}/repos/{quote(owner)}/{quote(name)}"


def _github_page(base: str, repo: str, path: str) -> str:
    """The first page of one of the repository's lists; further pages replace the `page=1` it ends with."""
    return f"{_github_repo(base, repo)}/{path}?{urlencode({'per_page': GITHUB_PAGE, 'page': 1})}"


def _github_environment_page(base: str, repo: str, environment: str) -> str:
    return _github_page(base, repo, f"environments/{_segment(environment)}/secrets")


def _segment(name: str) -> str:
    """A name as one segment of a URL's path: a `/` in it is %2F, and `.` or `..` alone (which a client or server
    would resolve as a dot segment) %2E."""
    quoted = quote(name, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def gather(target, checks) -> dict[str, Any]:
    plans: dict[str, Any] = {}
    asked_at = datetime.now(timezone.utc).replace(microsecond=0)
    for check in checks:
        try:
            plans[check.key] = _plan(target, check.params, asked_at)
        except NotConfigured as exc:
            plans[check.key] = exc
    calls = {c for plan in plans.values() if isinstance(plan, dict) for c in plan.values() if isinstance(c, Call)}
    answers = _fetch(target, sorted(calls, key=lambda c: c.url))
    _no_organisation(answers, plans)
    _github_environments(target, answers, plans)
    answers.update(_github_more_pages(target, answers, calls))
    for paging in (VERCEL_PAGING, RENDER_GROUPS_PAGING):
        answers.update(_more_pages(target, answers, calls, paging))
    linked: dict[str, dict[str, str]] = {}  # each Render secret_age item's services, by name: their ids
    for check in checks:
        if isinstance(plans[check.key], dict) and "env_groups" in plans[check.key]:  # Render's secret_age, configured
            settings = target.provider("render")
            linked[check.key] = {n: settings.get(f"service.{n}") for n in check.params.services}
    _render_linked_groups(target, answers, plans, linked)
    facts: dict[str, Any] = {}
    for key, plan in plans.items():
        if isinstance(plan, NotConfigured):
            facts[key] = plan
        else:
            facts[key] = {role: call if isinstance(call, NotConfigured) else answers[call]  # or why it is not asked
                          for role, call in plan.items()}
    for key, service_ids in linked.items():
        facts[key]["service_ids"] = service_ids
        facts[key]["env_group_id"] = target.provider("render").get("env_group")
    return facts


def _fetch(target, calls: list[Call]) -> dict[Call, Answer | Trouble]:
    if not calls:
        return {}
    probes = [Probe("GET", c.url, dict(c.headers), body_limit=API_BODY_LIMIT) for c in calls]
    sent = datetime.now(timezone.utc)  # the runner's clock as they go out: the earlier bound
    replies = target.fetch_all(probes)
    received = datetime.now(timezone.utc)  # the runner's clock, once every answer is in: the later bound
    return {c: interpret(c, reply, target.redactor, received, sent=sent)
            for c, reply in zip(calls, replies, strict=True)}


def _no_organisation(answers: dict, plans: dict) -> None:
    """GitHub answers 404 for the organisation secrets of a repository it has just listed the secrets of when no
    organisation owns it (a user's repository): there are none, which is not an error."""
    for plan in plans.values():
        if not isinstance(plan, dict) or "org_secrets" not in plan:
            continue
        own, shared = answers[plan["secrets"]], answers[plan["org_secrets"]]
        if isinstance(own, Answer) and isinstance(shared, Trouble) and shared.status == 404:
            answers[plan["org_secrets"]] = Answer(shared.request, {"total_count": 0, "secrets": [], "owner": "user"},
                                                  own.platform_now, own.received, sent=own.sent)


def _github_environments(target, answers: dict, plans: dict) -> None:
    """One more wave: the secrets of every environment the repositories list (a page each). Each check without an
    `environment` then holds one role per environment, `env:<name>`."""
    wanted: dict[Call, dict[str, Call]] = {}
    for plan in plans.values():
        listed = answers.get(plan.get("environments")) if isinstance(plan, dict) else None
        if isinstance(listed, Answer) and plan["environments"] not in wanted:
            base = plan["environments"].url.split("/environments?", 1)[0]
            wanted[plan["environments"]] = {
                name: Call("github", f"{base}/environments/{_segment(name)}/secrets?"
                                     f"{urlencode({'per_page': GITHUB_PAGE, 'page': 1})}",
                           plan["environments"].headers, "github-env-secrets")
                for name in listed.data["names"]}
    answers.update(_fetch(target, sorted({c for each in wanted.values() for c in each.values()},
                                         key=lambda c: c.url)))
    for plan in plans.values():
        if isinstance(plan, dict) and plan.get("environments") in wanted:
            plan.update({f"env:{name}": c for name, c in wanted[plan["environments"]].items()})


def _github_more_pages(target, answers: dict, calls: set[Call]) -> dict[Call, Answer | Trouble]:
    """GitHub lists 100 secrets a page: fetch the rest — of every list at once — only when
    total_count says there are more."""
    wanted: dict[Call, list[Call]] = {}
    for call in sorted((c for c in calls if c.sanitize == "github-secrets"), key=lambda c: c.url):
        first = answers[call]
        if not isinstance(first, Answer):
            continue
        pages = min(GITHUB_MAX_PAGES, math.ceil(first.data["total_count"] / GITHUB_PAGE))
        first_page = call.url.rsplit("page=", 1)[0]  # the URL ends with page=1
        more = [Call(call.platform, f"{first_page}page={n}", call.headers, call.sanitize) for n in range(2, pages + 1)]
        if more:
            wanted[call] = more
    fetched = _fetch(target, [c for more in wanted.values() for c in more])
    extra: dict[Call, Answer | Trouble] = {}
    for call, more in wanted.items():
        asked = (call.request, *(c.request for c in more))
        trouble = next((fetched[c] for c in more if isinstance(fetched[c], Trouble)), None)
        if trouble is not None:
            extra[call] = replace(trouble, pages=asked)
            continue
        first = answers[call]
        pages = [first, *(fetched[c] for c in more)]
        secrets = [s for page in pages for s in page.data["secrets"]]
        try:  # a name on two pages is as ambiguous as one named twice on a page
            _unique_names(secrets, fold_case=True)
        except ValueError as exc:
            extra[call] = replace(_unexpected_shape(call, exc), pages=asked)
            continue
        extra[call] = Answer(first.request, {"total_count": first.data["total_count"], "secrets": secrets},
                             first.platform_now, max(page.received for page in pages), pages=asked, sent=first.sent,
                             page_clocks=_page_clocks(pages))
    return extra


@dataclass(frozen=True)
class _CursorPaging:
    """How one platform pages a list by cursor: the same request with `param` set to the cursor its previous page
    gave (`cursor` in its data), until `last` says a page ends the list; at most `max_pages` pages a list. Its pages
    read (`entries`: what each lists) become one answer by `merge`."""
    sanitize: str
    param: str
    cursor: str
    entries: str
    max_pages: int
    last: Any  # (page data) -> bool
    merge: Any  # (pages, asked, *, more, repeated) -> Answer


def _more_pages(target, answers: dict, calls: set[Call], paging: _CursorPaging) -> dict[Call, Answer | Trouble]:
    """Every list's next page goes out in one wave. A page that names a cursor already given, or lists just what a
    page read did (a server that ignores the cursor answers page 1 again), ends its walk unmerged — its entries
    would read as each listed twice, and it would loop — as does a page that names no cursor but is not the last:
    such a list stays not read whole (`more`)."""
    walks: dict[Call, list[Answer]] = {}
    asked: dict[Call, list[str]] = {}
    done: dict[Call, Answer | Trouble] = {}
    for call in (c for c in calls if c.sanitize == paging.sanitize):
        first = answers[call]
        if isinstance(first, Answer) and paging.last(first.data):
            done[call] = paging.merge([first], [call.request], more=False, repeated=False)
        elif isinstance(first, Answer):
            walks[call], asked[call] = [first], [call.request]
    while walks:
        step = {}
        for call, pages in walks.items():
            cursor = pages[-1].data[paging.cursor]
            if cursor is not None and len(pages) < paging.max_pages:
                joiner = "&" if "?" in call.url else "?"
                step[call] = Call(call.platform, f"{call.url}{joiner}{urlencode({paging.param: cursor})}",
                                  call.headers, call.sanitize)
        for call in set(walks) - set(step):  # read as far as it goes: what is left stays "more"
            done[call] = paging.merge(walks.pop(call), asked.pop(call), more=True, repeated=False)
        fetched = _fetch(target, sorted(step.values(), key=lambda c: c.url))
        for call, page_call in step.items():
            asked[call].append(page_call.request)
            page = fetched[page_call]
            if isinstance(page, Trouble):
                done[call] = replace(page, pages=tuple(asked.pop(call)))
                walks.pop(call)
            elif any(_repeats(page.data, p.data, paging) for p in walks[call]):
                done[call] = paging.merge(walks.pop(call), asked.pop(call), more=True, repeated=True)
            elif paging.last(page.data):
                done[call] = paging.merge([*walks.pop(call), page], asked.pop(call), more=False, repeated=False)
            else:
                walks[call].append(page)
    return done


def _repeats(page: dict, earlier: dict, paging: _CursorPaging) -> bool:
    return page[paging.entries] == earlier[paging.entries] or (
        page[paging.cursor] is not None and page[paging.cursor] == earlier[paging.cursor])


def _vercel_pages(pages: list[Answer], asked: list[str], *, more: bool, repeated: bool) -> Answer:
    """The pages of one Vercel list as one answer; `more` when its last page read still names a next one;
    `repeated`: the page after them repeated one read (not merged)."""
    first = pages[0]
    data = {"envs": [e for page in pages for e in page.data["envs"]], "next": pages[-1].data["next"],
            "more": more, "pages": len(pages), "repeated": repeated}
    return Answer(first.request, data, first.platform_now, max(page.received for page in pages),
                  pages=tuple(asked) if len(asked) > 1 else (), sent=first.sent, page_clocks=_page_clocks(pages))


def _render_pages(pages: list[Answer], asked: list[str], *, more: bool, repeated: bool) -> Answer:
    """The pages of Render's env groups list as one answer: each group once (by id, its links from every page that
    lists it); `more`: the list was not read whole (a repeated page is not merged: the list stays `more`)."""
    groups: dict[str, dict] = {}
    for group in (g for page in pages for g in page.data["groups"]):
        seen = groups.setdefault(group["id"], {**group, "service_ids": []})
        seen["service_ids"] = list(dict.fromkeys([*seen["service_ids"], *group["service_ids"]]))
    first = pages[0]
    return Answer(first.request, {"groups": list(groups.values()), "more": more, "pages": len(pages)},
                  first.platform_now, max(page.received for page in pages), pages=tuple(asked) if len(asked) > 1 else (),
                  sent=first.sent, page_clocks=_page_clocks(pages))


# Vercel: `until` = the previous page's `pagination.next`, until `next` is null.
VERCEL_PAGING = _CursorPaging("vercel-env", "until", "next", "envs", VERCEL_MAX_PAGES,
                              last=lambda data: data["next"] is None, merge=_vercel_pages)
# Render: `cursor` = the last entry's, until a page holds fewer than the limit asked; a full page naming no cursor
# (the bare entries Render's OpenAPI declares) cannot be gone on from.
RENDER_GROUPS_PAGING = _CursorPaging("render-env-groups", "cursor", "cursor", "groups", RENDER_GROUPS_MAX_PAGES,
                                     last=lambda data: not data["full"], merge=_render_pages)


def _render_linked_groups(target, answers: dict, plans: dict, linked: dict[str, dict[str, str]]) -> None:
    """One more wave: every env group Render lists as linked to an item's services (`linked`: each item's service
    ids), read for its keys — at most RENDER_LINKED_GROUPS an item, each once whatever the items asking. Each such
    item then holds one role per group read, `linked_group:<id>`."""
    wanted: dict[str, dict[str, Call]] = {}
    for key, service_ids in linked.items():
        plan = plans[key]
        listed = answers.get(plan["env_groups"])
        if not isinstance(listed, Answer):
            continue
        ids = set(service_ids.values())
        base = plan["env_groups"].url.split("/env-groups?", 1)[0]
        groups = [g["id"] for g in listed.data["groups"] if ids & set(g["service_ids"])]
        wanted[key] = {gid: Call("render", f"{base}/env-groups/{_segment(gid)}", plan["env_groups"].headers,
                                 "render-env-group") for gid in groups[:RENDER_LINKED_GROUPS]}
    fresh = {c for each in wanted.values() for c in each.values() if c not in answers}  # the named group: read
    answers.update(_fetch(target, sorted(fresh, key=lambda c: c.url)))
    for key, each in wanted.items():
        plans[key].update({f"linked_group:{gid}": c for gid, c in each.items()})


def interpret(call: Call, reply: Reply, redactor, received: datetime, *, sent: datetime | None = None
              ) -> Answer | Trouble:
    """One platform answer as value-free data and the platform's time, or why it cannot be used. `received`: the
    runner's time when it came, against which the platform's Date must be believable; `sent`: when it was asked
    (default `received`)."""
    label, request = LABELS[call.platform], call.request
    if reply.status is None:
        return Trouble(request, f"{label} did not answer {request}: {reply.failure}")
    limited = _rate_limit(reply)
    if limited:
        return Trouble(request, f"{label} rate-limited {request} ({reply.status}: {_message(call, reply)}); "
                                f"{limited}")
    if reply.status in (401, 403):
        return Trouble(request, f"{label} refused the token with {reply.status} for {request}: set "
                                f"providers.{call.platform}.token to {TOKEN_HINTS[call.platform]}{_needs(call, reply)}")
    if reply.status == 404 and call.sanitize == "github-workflow":  # no such workflow, or a repository not shown:
        # the judge tells which by the repository's list of workflows; dated as any answer, a replay too
        now = _platform_now(call, reply, received)
        return now if isinstance(now, Trouble) else Answer(request, {"missing": True}, now, received, sent=sent)
    if reply.status == 404 and call.sanitize == "github-env-secrets":  # the item's `environment`, or one listed
        return Trouble(request, f"{label} answered 404 for {request}: check the item's environment (a deployment "
                                f"environment's name as the repository's settings list it), providers.github's repo,"
                                f" and that the token can see them", status=404)
    if reply.status == 404:
        return Trouble(request, f"{label} answered 404 for {request}: check the ids in providers.{call.platform} "
                                f"(project, repo, service or env group) and that the token can see them", status=404)
    if reply.status in MOVED:
        return Trouble(request, _moved(call, reply))
    if not 200 <= reply.status < 300:
        return Trouble(request, f"{label} answered {reply.status} for {request}: {_message(call, reply)}")
    if reply.truncated:  # cut JSON would read as "not JSON", which it is not
        return Trouble(request, f"{label} answered {request} with a body larger than the "
                                f"{API_BODY_LIMIT >> 20} MiB read")
    try:
        data = reply.json()
    except UnreadableJson as exc:  # JSON, but two readers could take it two ways: the reason is the finding
        return Trouble(request, f"{label} answered {request} with JSON that cannot be judged: "
                                f"{_quotable(call, cut(str(exc), 160))}")
    except NotStrictJson as exc:  # a bare NaN: Python's reader takes it, no JSON client does
        return Trouble(request, f"{label} answered {request} with a body that is not JSON ({exc})")
    except ValueError:
        return Trouble(request, f"{label} answered {request} with a body that is not JSON")
    now = _platform_now(call, reply, received)
    if isinstance(now, Trouble):
        return now
    try:
        data = SANITIZERS[call.sanitize](data, redactor)
    except SHAPE_ERRORS as exc:
        return _unexpected_shape(call, exc)
    if _quotes_a_secret(call, json.dumps(data)):  # an echo: any field a verdict quotes might be the piece
        return Trouble(request, f"{label} answered {request} with an answer that quotes part of the token sent: "
                                f"not judged, as what it says cannot be shown")
    return Answer(request, data, now, received, sent=sent)


def _platform_now(call: Call, reply: Reply, received: datetime) -> datetime | Trouble:
    """The platform's time, from the answer's Date header: none, or one too far from the runner's clock to believe,
    is why the answer cannot be used."""
    label, request = LABELS[call.platform], call.request
    now = _date_header(reply)
    if now is None:
        return Trouble(request, f"{label} sent no usable Date header with {request}; ages are measured "
                                f"by the platform's clock, so they cannot be judged")
    if abs(now - received) > DATE_TRUST:
        return Trouble(request, f"{label} answered {request} with Date {_stamp(now)}, {_days(abs(now - received))} "
                                f"from this runner's clock ({_stamp(received)}): ages are measured by the "
                                f"platform's clock, and one this far off is not believed")
    return now


def _needs(call: Call, reply: Reply) -> str:
    """What a refused call needs: the permission GitHub documents for it, and the permissions GitHub's answer says it
    accepts (x-accepted-github-permissions, sets split by `;`: the authoritative fix, and no secret), as given."""
    needs = GITHUB_PERMISSIONS.get(call.sanitize) if call.platform == "github" else None
    said = f"; this call needs {needs}: read" if needs else ""
    accepted = reply.header("x-accepted-github-permissions").strip()
    if not accepted:
        return said
    if _quotes_a_secret(call, accepted):
        return f"{said} — GitHub's x-accepted-github-permissions quotes part of the token: not shown"
    return f"{said} — GitHub's x-accepted-github-permissions: {visible(cut(accepted, 120))}"


MOVED = (301, 302, 307, 308)  # an id that now lives elsewhere: GitHub's answer for a renamed or transferred repository


def _moved(call: Call, reply: Reply) -> str:
    """A redirect is not followed (the token would go wherever it points): what moved, and where it says it went —
    named as every family names a redirect (`location_shown`: its user and password dropped, its secret-looking
    parts learned as the reply came, in Target.fetch_all), unless it holds a piece of the token."""
    where = location_shown(reply)
    went = f" (it now answers at {where})" if where else ""
    if _quotes_a_secret(call, reply.header("location")):
        went = " (its Location quotes part of the token: not shown)"
    message = _message(call, reply, 80)
    said = (f"{LABELS[call.platform]} answered {reply.status} "
            f"{message if message == _HIDDEN else f'({message})'} for {call.request}")
    if call.platform == "github":
        return (f"{said}: the repository was renamed or transferred; set providers.github.repo to the repository's "
                f"new owner/name{went}")
    return f"{said}: check providers.{call.platform}.base_url and the ids in providers.{call.platform}{went}"


def _unexpected_shape(call: Call, exc: Exception) -> Trouble:
    return Trouble(call.request, f"{LABELS[call.platform]} answered {call.request} in an unexpected shape "
                                 f"({type(exc).__name__}: {_quotable(call, cut(str(exc), 160))})")


SECRET_RUN = 8  # a platform's text sharing this many characters in a row with a secret sent quotes a piece of it


def _sent_secrets(call: Call) -> list[str]:
    """What a call sends that is secret: the credential of its authorization header (the token)."""
    return [value.split()[-1] for name, value in call.headers if name.lower() == "authorization" and value.split()]


def _quotes_a_secret(call: Call, text: str) -> bool:
    """Whether a platform's text holds a piece of a secret the call sent: SECRET_RUN characters of it in a row, as
    sent (a token may hold a word, in another case in any answer). The redactor masks a whole token, and a piece
    only where a text is seen cut: a platform echoing the head of the token ("moved ghp_SuperSec") would be quoted
    as it is."""
    for secret in _sent_secrets(call):
        run = min(SECRET_RUN, len(secret))
        if any(secret[i:i + run] in text for i in range(len(secret) - run + 1)):
            return True
    return False


_HIDDEN = "(its body quotes part of the token: not shown)"


def _quotable(call: Call, text: str) -> str:
    """A platform's text as an outcome may quote it: as it is (it helps the on-call), unless it holds a piece of
    the token."""
    return _HIDDEN if _quotes_a_secret(call, text) else text


def _rate_limit(reply: Reply) -> str | None:
    """When a refusal is a rate limit (429; GitHub says 403 with no requests left, or with retry-after, or in its
    message), when it ends; else None."""
    headers = {k.lower(): v for k, v in reply.headers.items()}
    limited = reply.status == 429 or reply.status == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
        or "rate limit" in _said(reply).lower())
    if not limited:
        return None
    return f"{_resets(headers)}: run again later"


LAST_UNIX_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z: later is no time a header means


def _seconds(text: str) -> int | None:
    """A header's whole number of seconds (ASCII digits, as HTTP writes them: `²` is no number), or None."""
    return int(text) if re.fullmatch(r"[0-9]{1,15}", text) else None


def _resets(headers: dict[str, str]) -> str:
    """When a rate limit ends, as the platform says: retry-after (seconds or an HTTP date), x-ratelimit-reset (GitHub,
    Vercel: Unix seconds) or ratelimit-reset (seconds to go)."""
    after, reset, to_go = (headers.get(n, "").strip() for n in ("retry-after", "x-ratelimit-reset", "ratelimit-reset"))
    if _seconds(after) is not None:
        return f"it says retry after {_seconds(after)} s"
    if _http_date(after):
        return f"it says retry after {_stamp(_http_date(after))}"
    if _seconds(reset) is not None and 1_000_000_000 < _seconds(reset) < LAST_UNIX_SECOND:
        return f"the limit resets at {_stamp(datetime.fromtimestamp(_seconds(reset), timezone.utc))}"
    seconds = _seconds(reset) if _seconds(reset) is not None and _seconds(reset) <= 1_000_000_000 else _seconds(to_go)
    if seconds is not None:
        return f"the limit resets in {seconds} s"
    return "it gives no reset time"


def _message(call: Call, reply: Reply, limit: int = 200) -> str:
    """What a refusal says, as a message keeps it: cut where it is long, and marked where it is cut — more words
    follow it, and the redactor masks a piece of an echoed token only where a text is seen to end; not at all when
    it quotes a piece of the token anywhere."""
    return _quotable(call, cut(_said(reply), limit))


def _said(reply: Reply) -> str:
    """A refusal's words, whole: its JSON message (GitHub, Render, Supabase; Vercel's error.message), or its text."""
    try:
        body = reply.json()
    except ValueError:
        return reply.text or "no body"
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            return str(inner.get("message") or inner)
        return str(body.get("message") or inner or body)
    return str(body)


def _date_header(reply: Reply) -> datetime | None:
    return _http_date({k.lower(): v for k, v in reply.headers.items()}.get("date"))


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _keep_plain(data: Any, redactor) -> Any:
    return data


def _github_secrets(data: Any, redactor) -> dict:
    total = data["total_count"]
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValueError(f"total_count is {cut(json.dumps(total), 40)}, not a count")
    return {"total_count": total, "secrets": _unique_names([{"name": s["name"], "updated_at": s.get("updated_at")}
                                                           for s in _field_list(data, "secrets")], fold_case=True)}


def _github_environments_list(data: Any, redactor) -> dict:
    """A repository's deployment environments, by name."""
    total = data["total_count"]
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValueError(f"total_count is {cut(json.dumps(total), 40)}, not a count")
    names = [e["name"] for e in _field_list(data, "environments")]
    if not all(isinstance(n, str) and n for n in names):
        raise TypeError("an environment's name is not text")
    if len(set(names)) != len(names):
        raise ValueError("an environment is listed twice")
    # a page holds GITHUB_PAGE at most: a longer one is read that far (each name is one more request), the rest
    # counted as not read
    return {"total_count": max(total, len(names)), "names": names[:GITHUB_PAGE]}


def _github_workflow(data: Any, redactor) -> dict:
    """A workflow (`GET …/actions/workflows/{file}`): what is judged and shown, its state, name and path."""
    if not isinstance(data, dict):
        raise TypeError(f"the workflow is {_json_kind(data)}, not an object")
    return {name: data[name] for name in ("state", "name", "path") if name in data}


def _github_workflows(data: Any, redactor) -> dict:
    """The repository's list of workflows, asked only to show the repository is there: its count."""
    total = data["total_count"]
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValueError(f"total_count is {cut(json.dumps(total), 40)}, not a count")
    return {"total_count": total}


def _field_list(data: Any, name: str) -> list:
    """A documented list in an answer's object: missing, null, an object or text is another shape, not an empty
    list (iterating an object would read as none). Named by its kind only: it may hold values."""
    value = data[name] if isinstance(data, dict) and name in data else ...
    if not isinstance(value, list):
        raise TypeError(f"{name} is {'missing' if value is ... else _json_kind(value)}, not a list")
    return value


def _json_kind(value: Any) -> str:
    """What a JSON value is, without quoting it (it may be a secret's value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", str: "text"}.get(type(value), "a number")


def _unique_names(secrets: list[dict], *, fold_case: bool = False) -> list[dict]:
    """A secret named twice has two change times: which one a judge took would be the platform's choice.
    `fold_case`: names that differ in case only are one name (GitHub's)."""
    seen: set[str] = set()
    for secret in secrets:
        if not isinstance(secret["name"], str):
            raise TypeError(f"a secret's name is {cut(json.dumps(secret['name']), 40)}, not text")
        name = _github_name(secret["name"]) if fold_case else secret["name"]
        if name in seen:
            raise ValueError(f"the secret {cut(secret['name'])} is listed twice")
        seen.add(name)
    return secrets


def _github_name(name: str) -> str:
    """GitHub's secret names are case-insensitive — it stores them upper-case: cron_secret is CRON_SECRET."""
    return name.upper()


def _vercel_env(data: Any, redactor) -> dict:
    """The env vars, value-free; `next`: the cursor of the next page (Vercel's `pagination.next`), None on the last;
    `more`: there is a next page not read."""
    envs = data["envs"] if isinstance(data, dict) else data
    if not isinstance(envs, list):  # iterating an object would read as no env vars at all
        raise TypeError(f"envs is {_json_kind(envs)}, not a list")
    pagination = data.get("pagination") if isinstance(data, dict) else None
    cursor = pagination.get("next") if isinstance(pagination, dict) else None
    if cursor is not None and (isinstance(cursor, bool) or not isinstance(cursor, int)):
        raise TypeError(f"pagination.next is {cut(json.dumps(cursor), 40)}, not a timestamp")
    for env in envs:  # every value to the redactor first: an entry of another shape must not keep later ones from it
        if isinstance(env, dict) and isinstance(env.get("value"), str):
            # as an env file's, by its name and shape, unless Vercel marks it secret: `plain` says it is none, and
            # `encrypted` is every variable's default; one without a name, whatever it looks like
            key = env.get("key")
            marked = not isinstance(key, str) or env.get("type") in ("secret", "sensitive")
            redactor.add_env_var(key if isinstance(key, str) else "", env["value"], marked_secret=marked)
    kept = []
    for env in envs:
        if not isinstance(env["key"], str):
            raise TypeError(f"an env var's key is {cut(json.dumps(env['key']), 40)}, not text")
        kept.append({"key": env["key"], "type": env.get("type"), "updatedAt": env.get("updatedAt"),
                     "target": _texts(env, "target"), "customEnvironmentIds": _texts(env, "customEnvironmentIds"),
                     "gitBranch": env.get("gitBranch")})
    return {"envs": kept, "next": cursor, "more": cursor is not None}


def _texts(env: dict, name: str) -> list[str]:
    """An env var's environments as Vercel documents them: one as text, or a list of text; missing or null is none.
    Any other value is another shape: iterating an object would read its keys ({"production": false} as set for
    production)."""
    value = env.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    odd = (f"a list holding {_json_kind(next(i for i in value if not isinstance(i, str)))}"
           if isinstance(value, list) else _json_kind(value))
    raise TypeError(f"{cut(env['key'], 60)}'s {name} is {odd}, not text or a list of text")


def _render_env_group(data: Any, redactor) -> dict:
    """Its keys and linked services (both judged, so each must be the list Render documents: a group without
    `envVars` holds no key only if it says so), its values to the redactor."""
    _group_values_to_redactor(data, redactor)  # even if the rest is misshapen
    env_vars, links = _field_list(data, "envVars"), _field_list(data, "serviceLinks")
    return {"id": data.get("id"), "name": data.get("name") or data.get("id"), "updatedAt": data["updatedAt"],
            "keys": [v["key"] for v in env_vars], "service_ids": [link.get("id") for link in links]}


def _group_values_to_redactor(data: Any, redactor) -> None:
    """An env group's env var values and secret files' contents, each to the redactor."""
    env_vars = data.get("envVars") if isinstance(data, dict) else None
    files = data.get("secretFiles") if isinstance(data, dict) else None
    for entry, held in [*((var, "value") for var in (env_vars if isinstance(env_vars, list) else [])),
                        *((file, "content") for file in (files if isinstance(files, list) else []))]:
        if isinstance(entry, dict) and isinstance(entry.get(held), str):
            # a secret file's content is one whatever it holds; an env var is one as an env file's is (Render marks
            # none): APP_NAME=bakery registered had masked a system named bakery in every verdict
            key = entry.get("key")
            redactor.add_env_var(key if isinstance(key, str) else "", entry[held],
                                 marked_secret=held == "content" or not isinstance(key, str))


def _render_env_groups(data: Any, redactor) -> dict:
    """A page of `GET /env-groups`: each group's id, name, updatedAt and linked service ids (the list holds no
    values; one that did would have them go to the redactor). Render lists `{envGroup, cursor}` as its other lists
    do, and its OpenAPI declares the bare group: both are read, the bare one with no cursor to go on from. `full`: a
    whole page came, so more may follow."""
    for entry in data if isinstance(data, list) else []:
        _group_values_to_redactor(entry.get("envGroup", entry) if isinstance(entry, dict) else None, redactor)
    if not isinstance(data, list):  # iterating an object would read as no groups at all
        raise TypeError(f"the env groups are {_json_kind(data)}, not a list")
    groups, cursor = [], None
    for entry in data:
        wrapped = isinstance(entry, dict) and "envGroup" in entry
        group = entry["envGroup"] if wrapped else entry
        if not isinstance(group, dict) or not isinstance(group.get("id"), str) or not group["id"]:
            raise TypeError("an env group listed has no id")
        links = _field_list(group, "serviceLinks")
        groups.append({"id": group["id"], "name": group.get("name") or group["id"], "updatedAt": group.get("updatedAt"),
                       "service_ids": [link["id"] for link in links]})
        cursor = entry.get("cursor") if wrapped else None
    if cursor is not None and not isinstance(cursor, str):
        raise TypeError(f"an env group's cursor is {_json_kind(cursor)}, not text")
    return {"groups": groups, "cursor": cursor or None, "full": len(data) >= RENDER_GROUPS_PAGE}


def _render_service_env(data: Any, redactor) -> dict:
    """A service's own env vars (`[{envVar: {key, value}, cursor}]`): their keys, their values to the redactor;
    `full`: a whole page came, so more may follow."""
    entries = data if isinstance(data, list) else []
    for entry in entries:  # to the redactor even if the rest is misshapen
        var = entry.get("envVar") if isinstance(entry, dict) else None
        if isinstance(var, dict) and isinstance(var.get("value"), str):  # as an env file's (see _render_env_group)
            key = var.get("key")
            redactor.add_env_var(key if isinstance(key, str) else "", var["value"],
                                 marked_secret=not isinstance(key, str))
    if not isinstance(data, list):  # iterating an object would read as no env vars at all
        raise TypeError(f"the env vars are {_json_kind(data)}, not a list")
    keys = [entry["envVar"]["key"] for entry in data]
    if not all(isinstance(key, str) for key in keys):
        raise TypeError("an env var's key is not text")
    return {"keys": keys, "full": len(keys) >= RENDER_ENV_PAGE}


def _render_service(data: Any, redactor) -> dict:
    """A service (`GET /services/{id}`): only what is judged, whether it is suspended and by whom (missing stays
    missing); its commands, URLs and settings are not kept."""
    if not isinstance(data, dict):
        raise TypeError(f"the service is {_json_kind(data)}, not an object")
    return {name: data[name] for name in ("id", "name", "suspended", "suspenders") if name in data}


def _supabase_secrets(data: Any, redactor) -> list[dict]:
    if not isinstance(data, list):  # iterating an object would read as no secrets at all
        raise TypeError(f"the secrets are {_json_kind(data)}, not a list")
    for secret in data:  # every value to the redactor before any shape is judged
        if isinstance(secret, dict) and isinstance(secret.get("value"), str):
            redactor.add(secret["value"], named=True)  # each one a project's secret, a number too
    return _unique_names([{"name": s["name"], "updated_at": s.get("updated_at")} for s in data])


# what reading an answer of another shape raises (a list for an object, text for a number, a time out of range)
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, OverflowError, OSError)

SANITIZERS = {"plain": _keep_plain, "github-secrets": _github_secrets, "github-env-secrets": _github_secrets,
              "github-environments": _github_environments_list, "github-workflow": _github_workflow,
              "github-workflows": _github_workflows, "vercel-env": _vercel_env,
              "render-env-group": _render_env_group, "render-env-groups": _render_env_groups,
              "render-service-env": _render_service_env,
              "render-service": _render_service, "supabase-secrets": _supabase_secrets}


# -- judging ---------------------------------------------------------------------------------
# epoch milliseconds below this are before 1973: no platform's update time, but seconds given where milliseconds are
# documented (1.7e9 read as milliseconds is January 1970)
EARLIEST_MS = 1e11


def parse_time(value: Any, *, epoch_ms: bool = False) -> datetime | None:
    """ISO 8601 text (naive times are UTC), or with `epoch_ms` (Vercel's) epoch milliseconds too. A number where a
    platform documents text, or one in the seconds' range where it documents milliseconds, is another shape: None,
    which the judge reports as unreadable — never a time 55 years ago."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value / 1000) if epoch_ms and value >= EARLIEST_MS else None
    try:
        parsed = datetime.fromisoformat(str(value))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        parsed.astimezone(timezone.utc)  # a time at the calendar's edge may not fit in UTC
    except (ValueError, OverflowError, OSError):  # not a time; NaN; beyond what the platform's clock could say
        return None
    return parsed


def _from_epoch(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):  # NaN; beyond what the platform's clock could say
        return None


def _days(age: timedelta) -> str:
    return f"{age.total_seconds() / 86400:.1f} days"


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Unread(Exception):
    """A part of an item reads a call that gave no usable answer (a `Trouble`, said once for the item)."""


def _read(found: dict, role: str) -> Answer:
    """The answer a part of an item reads; a call that gave none leaves that part unjudged (`_Verdict.part`)."""
    answer = found[role]
    if isinstance(answer, Trouble):
        raise _Unread(answer.reason)
    return answer


class _Verdict:
    """Collects expectations, problems and unknowns of one check across its parts."""

    def __init__(self, platform: str, unread: list[str]) -> None:
        self.platform = platform
        self.expected: list[str] = []
        self.problems: list[str] = []
        self.unknown: list[str] = []  # facts the platform does not give: never a pass
        self.unread = unread  # calls that gave no usable answer, parts answered in another shape: not looked at
        self.notes: list[str] = []
        self.not_configured: list[str] = []  # parts this environment does not configure: not checked, said so
        self.evidence: dict[str, Any] = {}
        self.clocks = ""  # said with whatever is seen when the platform's clock and the runner's disagree

    @contextmanager
    def part(self):
        """One part of the item, judged on its own: when a call it reads gave no answer (said already) or answered
        in another shape, what it found so far is dropped and it is not looked at — the other parts still are, so a
        failure beside it is not hidden."""
        before = (list(self.problems), list(self.unknown), list(self.notes), copy.deepcopy(self.evidence))
        try:
            yield
        except (_Unread, *SHAPE_ERRORS) as exc:
            self.problems, self.unknown, self.notes, self.evidence = before
            if not isinstance(exc, _Unread):  # an answer shaped otherwise than the platform documents
                self.unread.append(f"could not look: {self.platform} answered in an unexpected shape "
                                   f"({type(exc).__name__}: {cut(str(exc), 160)})")

    def outcome(self) -> Outcome:
        # a name both `required` and aged is found missing by each part: said once
        self.problems, self.unknown = list(dict.fromkeys(self.problems)), list(dict.fromkeys(self.unknown))
        expected = "; ".join(self.expected)
        unset = self.not_configured  # said with whatever the rest shows; never passed for what was not checked
        if unset:
            self.evidence["not_configured"] = unset
        if self.problems:  # a failure stands, whatever could not be looked at or judged beside it: said after it
            return failed(expected, "; ".join(self.problems + self._clocks() + unset),
                          undecided=self.unread + self.unknown, **self.evidence)
        judged = ["cannot judge: " + "; ".join(self.unknown + self._clocks())] if self.unknown else []
        if self.unread or self.unknown:
            return error("; ".join(self.unread + judged + unset), **self.evidence)
        fine = "; ".join((self.notes or ["all as expected"]) + self._clocks())
        if unset:  # the rest passed: the item is skipped as a not-configured one is, saying what was checked
            return skipped("; ".join(unset) + (f"; the rest as expected: {fine}" if self.notes else ""),
                           **self.evidence)
        return verdict(expected, [], fine, **self.evidence)

    def absent(self, name: str, unread: str | None, missing: str, *, replayed: bool = False) -> str:
        """A name not listed: unknown where the list was not read whole (`unread` says why), else a problem
        (`missing` says so); what the evidence says of it. From a `replayed` answer (said so already) it may have
        been set since: neither."""
        if replayed:
            return NOT_SET_THEN
        if unread:
            self.unknown.append(f"{name} {unread}")
        else:
            self.problems.append(f"{name} {missing}")
        return "absent"

    def _clocks(self) -> list[str]:
        return [self.clocks] if self.clocks else []

    def read_clocks(self, answers: list[Answer]) -> None:
        """Both clocks into evidence; and, when they differ by more than the skew allowance, which one the ages were
        measured from (the later)."""
        self.evidence["platform_now"] = _stamp(answers[0].platform_now)
        self.evidence["runner_now"] = _stamp(answers[0].received)
        widest = max(answers, key=lambda a: abs(a.platform_now - a.received))
        gap = widest.platform_now - widest.received
        if abs(gap) > CLOCK_SKEW:
            side = "ahead of" if gap > timedelta(0) else "behind"
            self.clocks = (f"the platform's Date ({_stamp(widest.platform_now)}) is {_hours(abs(gap))} {side} this "
                           f"runner's clock ({_stamp(widest.received)}): ages are measured from the later")


CLOCK_SKEW = timedelta(minutes=5)  # a platform's times may run this far ahead of its own clock, or its clock ours


def _in_the_future(v: _Verdict, moment: datetime, answer: Answer, what: str) -> bool:
    """A time later than the platform's own clock (its Date, past a little skew) is a lie or a bug: it proves
    nothing fresh, so it is unknown, never a pass."""
    if moment - answer.platform_now <= CLOCK_SKEW:
        return False
    v.unknown.append(f"{what} is {_stamp(moment)}, later than the platform's own time {_stamp(answer.platform_now)}")
    return True


def _replayed(v: _Verdict, what: str, *answers: Answer) -> bool:
    """A state (a deploy live, a service not suspended, PITR on, a name set) read from an answer dated before it was
    asked, past the skew allowance: a cached or replayed answer shows it as it was then — from before today's failed
    deploy, say — so it is unknown, never judged either way. (An age only looks older from it.) Measured from when it
    was asked, not when the wave ended: a slow wave makes no live answer look replayed. A list read from several pages
    is weighed page by page, and the error names the page."""
    dated = [page for a in answers for page in (a.page_clocks or (a,))]
    answer = max(dated, key=lambda a: a.sent - a.platform_now)
    behind = answer.sent - answer.platform_now
    if behind <= CLOCK_SKEW:
        return False
    said = (f"{what} not judged: {LABELS[v.platform]} answered {answer.request} with Date "
            f"{_stamp(answer.platform_now)}, {_hours(behind)} behind this runner's clock as it asked "
            f"({_stamp(answer.sent)}): a cached or replayed answer shows the state as it was then, not now")
    if said not in v.unknown:  # `required` and secret_age of the same names, read from one answer: said once
        v.unknown.append(said)
    return True


NOT_SET_THEN = "not set in a replayed answer: not judged"  # the evidence of a name a replay does not show


def _to_age(v: _Verdict, age: SecretAge, is_set: Callable[[str], bool], unread: str | None, missing: str,
            seen: dict[str, Any], *, replayed: bool = False) -> list[str]:
    """The names to age: each name standing alone (its absence is said where it is aged), and of an either-or group
    the ones set. A group none of whose names is set is absent (`missing` says so after "none of A / B"), unknown where
    the list was not read whole (`unread` says why); a name of a group not seen there may still be set, so its age is
    unknown too. From a `replayed` answer (said so already) a name not set may have been set since: neither."""
    names: list[str] = []
    for group in age.groups:
        there = [name for name in group if is_set(name)]
        if len(group) == 1:
            names.append(group[0])
            continue
        said = " / ".join(group)
        if not there:
            seen[said] = NOT_SET_THEN if replayed else "none set"
            if not replayed:
                (v.unknown if unread else v.problems).append(f"none of {said} was seen: {unread}" if unread
                                                             else f"none of {said} {missing}")
            continue
        for name in group:
            if name not in there:
                seen[name] = f"{NOT_SET_THEN if replayed else 'not set'} (one of {said})"
                if unread:
                    v.unknown.append(f"{name} {unread}: set there, its age is not known")
        names += there
    return names


def _age_check(v: _Verdict, age: SecretAge, stamps: dict[str, Any], answer: Answer, where: str,
               missing_means: str, *, unread: str | None = None, absent: dict[str, str] | None = None,
               epoch_ms: bool = False) -> None:
    """stamps: name -> update time (None: the platform gives none); absent names are missing (`absent` may say
    why, by name) — unless the list was not read whole (`unread` says why): then their absence is unknown. Whether
    each name is set is a state: from a replayed answer it is not judged (the ages still are)."""
    v.expected.append(f"{age.shown} updated within {age.max_days:g} days {where}")
    seen: dict[str, Any] = {}
    replayed = _replayed(v, f"{age.shown} set", answer)
    for name in _to_age(v, age, lambda name: name in stamps, unread, f"is set {where}", seen, replayed=replayed):
        if name not in stamps:
            seen[name] = v.absent(name, unread, (absent or {}).get(name, missing_means), replayed=replayed)
            continue
        seen[name] = _age_one(v, age, name, stamps[name], answer, where, epoch_ms=epoch_ms)
    v.evidence["secret_age"] = seen
    v.notes.append(f"{plural(len(age.names), 'secret')} updated within {age.max_days:g} days")


def _age_one(v: _Verdict, age: SecretAge, name: str, stamp: Any, answer: Answer, where: str, *,
             epoch_ms: bool = False, place: str = "") -> str:
    """One value's age against max_days, into `v`; what was seen, for the evidence. `place`: which of a name's
    values it is (" (the repository)"), when it has several."""
    updated = parse_time(stamp, epoch_ms=epoch_ms)
    if updated is None and stamp not in (None, ""):  # given, in another shape than documented
        shape = "epoch milliseconds or ISO 8601 text" if epoch_ms else "ISO 8601 text"
        v.unknown.append(f"{name}'s update time {where} is {cut(json.dumps(stamp), 40)}, not {shape}")
        return "unreadable update time"
    if updated is None:
        v.unknown.append(f"the platform gives no update time for {name} {where}")
        return "no update time"
    if _in_the_future(v, updated, answer, f"{name}'s update time{place}"):
        return f"updated {_stamp(updated)}, in the future"
    elapsed = answer.now - updated
    if elapsed > timedelta(days=age.max_days):
        v.problems.append(f"{name}{place} last updated {_days(elapsed)} ago ({_stamp(updated)})")
    return f"updated {_stamp(updated)} ({_days(elapsed)} ago)"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    found = facts.get(check.key)
    if isinstance(found, NotConfigured):
        raise found
    troubles = [a for role, a in found.items() if isinstance(a, Trouble) and _needed(role, found)]
    requests = [r for a in found.values() if isinstance(a, (Answer, Trouble)) for r in _asked_for(a)]
    # every answer that came is judged: a call that gave none leaves its part unjudged, said beside any failure
    v = _Verdict(p.platform, list(dict.fromkeys(t.reason for t in troubles)))
    v.evidence["requests"] = requests
    answers = [a for a in found.values() if isinstance(a, Answer)]
    if answers:
        v.read_clocks(answers)
    with v.part():  # what a platform's judge does not split into parts is one
        JUDGES[p.platform](p, found, v)
    return v.outcome()


def _needed(role: str, found: dict) -> bool:
    """Whether a call's answer is judged. The repository's list of workflows only tells a missing workflow from a
    repository GitHub does not show: where no workflow answered 404, its failure leaves nothing unjudged."""
    return role != "workflows" or any(isinstance(answer, Answer) and answer.data.get("missing")
                                      for name, answer in found.items() if name.startswith("workflow:"))


@dataclass
class _Scope:
    """One place a GitHub Actions secret may live: its names (as GitHub stores them) with their update times."""
    label: str  # "the repository", "the organisation", "environment production"
    answer: Answer | None  # None: GitHub gave no usable answer (said beside the verdict), so none of it was read
    listed: dict[str, Any]  # NAME -> updated_at
    unread: str | None  # why a name not listed may still be there (a list not read whole, or not read)


def _github_scope(label: str, answer: Answer | Trouble, v: _Verdict) -> _Scope | None:
    if isinstance(answer, Trouble):  # the other places are still judged: a stale value there is still stale
        return _Scope(label, None, {}, "not read")
    listed = {_github_name(s["name"]): s["updated_at"] for s in answer.data["secrets"]}
    total = answer.data["total_count"]
    if len(listed) > total:  # the list or its count is wrong, and which one is not known: neither is judged
        v.unknown.append(f"GitHub listed {plural(len(listed), 'secret')} of {label} but counts {total} "
                         f"(total_count): the list disagrees with its count, so what it holds is not known; run "
                         f"again, and if it persists, it is GitHub's to fix")
        return None
    unread = None if len(listed) >= total else f"{len(listed)} of the {total} secrets GitHub counts"
    return _Scope(label, answer, listed, unread)


def _judge_github(p: Params, found: dict, v: _Verdict) -> None:
    if p.required or p.secret_age:
        with v.part():  # the secrets' places and the workflows are read by calls of their own
            _judge_github_secrets(p, found, v)
    if p.workflows_active:
        _judge_workflows(p, found, v)


def _judge_workflows(p: Params, found: dict, v: _Verdict) -> None:
    """Each workflow in the state GitHub gives it: active. A disabled one never runs, though its file is unchanged."""
    v.expected.append(f"GitHub Actions {'workflow' if len(p.workflows_active) == 1 else 'workflows'} "
                      f"{', '.join(p.workflows_active)} active (not disabled)")
    v.evidence["workflows"] = {}
    for name in p.workflows_active:
        with v.part():  # each workflow is its own call
            _judge_workflow(v, name, _read(found, f"workflow:{name}"), found["workflows"])
    v.notes.append(f"{plural(len(p.workflows_active), 'workflow')} active ({', '.join(p.workflows_active)})")


def _judge_workflow(v: _Verdict, name: str, answer: Answer, listing: Answer | Trouble) -> None:
    seen = v.evidence["workflows"]
    if _replayed(v, f"workflow {name}'s state", answer):  # enabled, disabled or added since: not known
        seen[name] = "not judged: the answer's Date is behind this runner's clock"
        return
    workflow = answer.data
    if workflow.get("missing") and isinstance(listing, Trouble):  # the repository may be what is not there
        seen[name] = "404, the repository's workflows not listed"
        v.unknown.append(f"workflow {name}: GitHub answered 404, and the repository's workflows could not be listed: "
                         f"whether the workflow or the repository is missing is not known")
        return
    if workflow.get("missing"):
        seen[name] = "no such workflow"
        v.problems.append(f"workflow {name}: GitHub answered 404, no such workflow on the default branch (where a "
                          f"schedule runs from)")
        return
    state = workflow.get("state")
    seen[name] = {field: _kept(workflow.get(field)) for field in ("state", "name", "path")}
    if not _a_word(state):  # neither active nor disabled: never a pass
        v.unknown.append(f"workflow {name}: GitHub's answer holds no readable state ({_held(workflow, 'state')})")
    elif state in WORKFLOW_STATES:
        v.problems.append(f"workflow {name} is {state}: {WORKFLOW_STATES[state]}")
    elif state != "active":
        v.unknown.append(f"workflow {name}: state {cut(json.dumps(state), 40)} is none GitHub documents (active, "
                         f"{', '.join(WORKFLOW_STATES)})")


def _judge_github_secrets(p: Params, found: dict, v: _Verdict) -> None:
    repo = _github_scope("the repository", found["secrets"], v)
    org = _github_scope("the organisation", found["org_secrets"], v)
    envs: list[_Scope | None] = []
    unread_envs = None
    if p.environment is not None:
        envs.append(_github_scope(f"environment {p.environment}", found["env_secrets"], v))
    elif isinstance(found["environments"], Trouble):  # which environments there are is not known
        unread_envs = "the repository's environments: not read"
    else:
        listed = found["environments"].data
        if len(listed["names"]) < listed["total_count"]:
            unread_envs = (f"the repository has {listed['total_count']} environments and {len(listed['names'])} "
                           f"were read")
        envs.extend(_github_scope(f"environment {name}", found[f"env:{name}"], v) for name in listed["names"])
    if repo is None or org is None or None in envs:
        return
    scopes = [repo, org, *envs]
    v.evidence["actions_secrets"] = sorted(repo.listed) if repo.answer else "not read"
    if repo.answer:
        v.evidence["total_count"] = repo.answer.data["total_count"]
    v.evidence["organisation_secrets"] = ("not read" if org.answer is None else "no organisation owns the repository"
                                          if org.answer.data.get("owner") else sorted(org.listed))
    v.evidence["environment_secrets"] = {s.label.removeprefix("environment "): sorted(s.listed) if s.answer
                                         else "not read" for s in envs}
    # what a job sees: its environment's value, else the repository's, else the organisation's
    seen_by_job = [*envs, repo, org] if p.environment is not None else [repo, org]
    where = ("in the repository's Actions secrets (or the organisation's" +
             (f", or environment {p.environment}'s)" if p.environment is not None else ")"))
    if p.required:
        v.expected.append(f"{', '.join(p.required)} {where}")
    if p.required and not _replayed(v, f"{', '.join(p.required)} present", *(s.answer for s in scopes if s.answer)):
        unread = _unread(seen_by_job)
        for name in p.required:
            if any(_github_name(name) in s.listed for s in seen_by_job):
                continue
            only = [s.label for s in envs if _github_name(name) in s.listed]
            if only and not unread:
                v.problems.append(f"{name} is a secret of {', '.join(only)} only: a job sees it only when it runs "
                                  f"there (say which with environment: in the item)")
            else:
                v.absent(name, unread and f"not among the secrets read {unread}",
                         f"is not an Actions secret ({_github_listing(scopes)})")
        v.notes.append(f"{', '.join(p.required)} present among {plural(len(repo.listed), 'Actions secret')} of the "
                       f"repository and {len(org.listed)} of the organisation")
    if p.secret_age:  # which environments there are tells where a value may be, as each list does
        listing = [found["environments"]] if isinstance(found.get("environments"), Answer) else []
        replayed = _replayed(v, f"{p.secret_age.shown} present", *(s.answer for s in scopes if s.answer), *listing)
        _github_ages(v, p, p.secret_age, scopes, seen_by_job, unread_envs, replayed=replayed)


def _github_listing(scopes: list[_Scope]) -> str:
    return "; ".join(f"{s.label}: {', '.join(sorted(s.listed)) or ('none' if s.answer else 'not read')}"
                     for s in scopes)


def _unread(scopes: list[_Scope], *more: str) -> str | None:
    """Why a name not seen may still be there: the lists not read whole, `(the repository: 2 of the 3 …)`."""
    why = [f"{s.label}: {s.unread}" for s in scopes if s.unread] + list(more)
    return f"({'; '.join(why)})" if why else None


def _github_ages(v: _Verdict, p: Params, age: SecretAge, scopes: list[_Scope], seen_by_job: list[_Scope],
                 unread_envs: str | None, *, replayed: bool) -> None:
    """With an `environment`, the value its jobs see; without, every value a job could see, each by where it is.
    `replayed`: a list read was dated behind the runner's clock (said so): a name not seen is not judged absent."""
    job = f"by a job of environment {p.environment}" if p.environment is not None else "wherever a job may see it"
    v.expected.append(f"{age.shown} updated within {age.max_days:g} days, {job}")
    seen: dict[str, Any] = {}
    unread = _unread(scopes, *([unread_envs] if unread_envs else []))
    visible = scopes if p.environment is None else seen_by_job  # where a job may see a name

    def is_set(name: str) -> bool:
        return any(_github_name(name) in s.listed for s in visible)

    for name in _to_age(v, age, is_set, unread and f"not among the secrets read {unread}",
                        f"is an Actions secret ({_github_listing(scopes)})", seen, replayed=replayed):
        key = _github_name(name)
        repo, org = scopes[:2]
        shadowed = key in repo.listed and key in org.listed  # the repository's wins: no job sees the organisation's
        if p.environment is None:
            holders = [s for s in scopes if key in s.listed and not (s is org and shadowed)]
        else:  # the first that holds it wins; one not read whole before it may hold it too
            first = next((s for s in seen_by_job if key in s.listed or s.unread), None)
            holders = [first] if first is not None and key in first.listed else []
        if not holders:
            seen[name] = v.absent(name, unread and f"not among the secrets read {unread}",
                                  f"is not an Actions secret ({_github_listing(scopes)})", replayed=replayed)
            continue
        if p.environment is None and unread:  # a value not read may be the stale one
            v.unknown.append(f"not every value of {name} was read {unread}")
        seen[name] = {s.label: _age_one(v, age, name, s.listed[key], s.answer, f"in {s.label}",
                                        place=f" ({s.label})") for s in holders}
        if p.environment is None and shadowed:
            seen[name][org.label] = "shadowed by the repository's (no job sees it)"
    v.evidence["secret_age"] = seen
    v.notes.append(f"{plural(len(age.names), 'secret')} updated within {age.max_days:g} days")


def _for_target(env: dict, target: str) -> bool:
    """Whether a var applies to the target: a custom environment is listed by id, apart from the three."""
    if _CUSTOM_ENVIRONMENT.fullmatch(target):
        return target in env["customEnvironmentIds"]
    return target in env["target"]


def _branch(env: dict) -> Any:
    """A value's git branch, or None: an empty one ("") names no branch, as null does."""
    branch = env.get("gitBranch")
    return None if branch in (None, "") else branch


def _judge_vercel(p: Params, found: dict, v: _Verdict) -> None:
    answer = _read(found, "env")
    custom = bool(_CUSTOM_ENVIRONMENT.fullmatch(p.target))
    where = f"in the Vercel project's {f'custom environment {p.target}' if custom else f'{p.target} env'}"
    envs = answer.data["envs"]
    pages = answer.data.get("pages", 1)
    repeated = (f"; page {pages + 1} came as a repeat, a cursor or entries already read: not merged"
                if answer.data.get("repeated") else "")
    unread = (f"not among the {len(envs)} env vars of the {'first page' if pages == 1 else f'{pages} pages'} "
              f"Vercel answered (it has more pages{repeated})" if answer.data["more"] else None)  # a name not seen
    # may be on a page not read (past the page limit, or one answered as a repeat: a server ignoring `until`)
    generic: dict[str, Any] = {}  # key -> updatedAt of the target's own value
    branches: dict[str, list[str]] = {}  # key -> the git branches with a value of their own (preview)
    seen: set[tuple[str, Any]] = set()
    for env in envs:
        if not _for_target(env, p.target):
            continue
        branch = _branch(env)
        if (env["key"], branch) in seen:  # two values for one key: which one runs is unknown
            raise ValueError(f"{env['key']} is listed twice for the {p.target} env")
        seen.add((env["key"], branch))
        if branch is not None:  # that branch's value only: it says nothing of the target's
            branches.setdefault(env["key"], []).append(cut(str(branch)))
        else:
            generic[env["key"]] = env["updatedAt"]
    v.evidence["vercel_env"] = {e["key"]: {"type": _kept(e["type"], 40), "target": [_kept(t, 40) for t in e["target"]],
                                           **({"customEnvironmentIds": [_kept(c, 40) for c in ids]}
                                              if (ids := e.get("customEnvironmentIds")) else {})} for e in envs}
    if branches:
        v.evidence["vercel_branch_values"] = {k: sorted(b) for k, b in branches.items()}

    def not_set(key: str) -> str:
        only = f" (only for branch {', '.join(sorted(branches[key]))})" if key in branches else ""
        return f"is not set {where}{only}"

    if p.required:
        v.expected.append(f"{', '.join(p.required)} set {where}")
    if p.required and not _replayed(v, f"{', '.join(p.required)} set", answer):
        missing = [n for n in p.required if n not in generic]
        if missing and unread:
            v.unknown.append(f"{', '.join(missing)} {unread}")
        elif missing:
            v.problems += [f"{n} {not_set(n)}" for n in missing]
        v.notes.append(f"{', '.join(p.required)} set {where}")
    if p.secret_age:
        _age_check(v, p.secret_age, generic, answer, where, f"is not set {where}", unread=unread,
                   absent={n: not_set(n) for n in branches}, epoch_ms=True)  # Vercel's updatedAt: milliseconds


def _judge_render(p: Params, found: dict, v: _Verdict) -> None:
    if p.deploy_status:
        v.expected.append(f"newest Render deploy of {', '.join(p.services)} is {p.deploy_status} and the "
                          f"{'service' if len(p.services) == 1 else 'services'} not suspended")
        v.evidence["deploys"], v.evidence["suspended"] = {}, {}
        for name in p.services:
            with v.part():  # each service's deploys are their own call, and so is the service
                _judge_deploy(v, name, p.deploy_status, _read(found, f"deploy:{name}"))
            with v.part():
                _judge_suspension(v, name, _read(found, f"service:{name}"))
        v.notes.append(f"newest deploys {p.deploy_status}, no service suspended")
    for name, limit in p.cron_jobs.items():
        v.expected.append(f"cron job {name}: newest run succeeded within {limit.max_age_hours:g} h")
        with v.part():
            _judge_cron(v, name, limit, _read(found, f"cron:{name}"))
    if p.cron_jobs:
        v.notes.append(f"{plural(len(p.cron_jobs), 'cron job')} ran in their last cycle")
    if p.secret_age and isinstance(found["env_group"], NotConfigured):  # the rest of the item needs no group
        v.not_configured.append(f"secret_age ({p.secret_age.shown}) not checked: {found['env_group']}")
    elif p.secret_age:
        with v.part():
            _judge_env_group(v, p, _read(found, "env_group"), found["service_ids"])
        with v.part():
            _judge_linked_groups(v, p, found)
        for service in p.services:  # a key the service sets itself is used over the group's: its age is not told
            with v.part():
                answer = _read(found, f"service_env:{service}")
                if _replayed(v, f"whether service {service} sets {p.secret_age.shown} itself", answer):
                    continue
                own = answer.data
                shadowed = [n for n in p.secret_age.flat if n in own["keys"]]
                if shadowed:
                    v.unknown.append(f"{', '.join(shadowed)} {'is' if len(shadowed) == 1 else 'are'} also set on "
                                     f"service {service} itself, whose value Render uses over the group's: Render "
                                     f"keeps no change time for it, so its age cannot be told (remove it from the "
                                     f"service, or rotate it and check by hand)")
                elif own["full"]:
                    v.unknown.append(f"service {service} lists {len(own['keys'])} env vars of its own, a full page: "
                                     f"more were not read, and one may set {', '.join(p.secret_age.flat)} over the "
                                     f"group's")


def _judge_deploy(v: _Verdict, name: str, wanted: str, answer: Answer) -> None:
    """A service's newest deploy: in the state wanted."""
    if _replayed(v, f"{name}'s newest deploy", answer):
        v.evidence["deploys"][name] = "not judged: the answer's Date is behind this runner's clock"
        return
    deploys = _a_list(answer, f"the deploys of {name}")
    if not deploys:
        v.problems.append(f"{name} has no deploys")
        v.evidence["deploys"][name] = "none"
        return
    if len(deploys) != 1:  # asked for the newest one: which of several is newest is a guess
        raise ValueError(f"{len(deploys)} deploys of {name} in answer to limit=1")
    deploy = deploys[0]["deploy"]
    v.evidence["deploys"][name] = {k: _kept(deploy.get(k)) for k in ("id", "status", "finishedAt")}
    status = deploy.get("status")
    if not _a_word(status):  # a deploy in no state is not one in another: nothing to judge
        v.unknown.append(f"{name}: newest deploy {_kept(deploy.get('id'))} has no status "
                         f"({cut(json.dumps(status), 40)})")
    elif status != wanted:
        v.problems.append(f"{name}: newest deploy {_kept(deploy.get('id'))} is {cut(status, 40)}")


SUSPENDERS_SHOWN = 5  # who may suspend a service is a short list (user, billing, admin, …): a longer one is cut


def _judge_suspension(v: _Verdict, name: str, answer: Answer) -> None:
    """A service: not suspended. A suspended one serves nothing, whatever its newest deploy says."""
    if _replayed(v, f"{name}'s suspension", answer):
        v.evidence["suspended"][name] = "not judged: the answer's Date is behind this runner's clock"
        return
    service = answer.data
    state, suspenders = service.get("suspended"), service.get("suspenders")
    if isinstance(suspenders, list) and all(isinstance(s, str) for s in suspenders):
        shown = [cut(s, 40) for s in suspenders[:SUSPENDERS_SHOWN]]
        if len(suspenders) > SUSPENDERS_SHOWN:
            shown.append(f"{len(suspenders) - SUSPENDERS_SHOWN} more")
        by = f"by {', '.join(shown)}" if shown else "(Render names no suspender)"
    else:  # who suspended it is said beside the verdict, never instead of it
        shown = _kept(suspenders, 80)
        by = f"(suspenders {_held(service, 'suspenders')})"
    v.evidence["suspended"][name] = {"suspended": _kept(state, 40), "suspenders": shown}
    if state == "suspended":
        v.problems.append(f"{name}: service suspended {by}")
    elif state != "not_suspended":  # a service in no state Render documents is not one that serves
        v.unknown.append(f"{name}: Render's service answer holds no readable suspended "
                         f"({_held(service, 'suspended')}), not suspended or not_suspended")


def _judge_env_group(v: _Verdict, p: Params, answer: Answer, service_ids: dict[str, str]) -> None:
    """The env group that must hold the names: holds them, feeds the services, changed within max_days."""
    group = answer.data
    v.expected.append(f"env group '{group['name']}' holds {p.secret_age.shown}, feeds "
                      f"{', '.join(p.services)} and changed within {p.secret_age.max_days:g} days "
                      f"(Render keeps no per-variable change time)")
    # what it holds and feeds is a state: from a replayed answer not judged (its age still is)
    replayed = _replayed(v, f"env group '{group['name']}' holding {p.secret_age.shown} and linked to "
                            f"{', '.join(p.services)}", answer)
    names = _to_age(v, p.secret_age, lambda name: name in group["keys"], None, f"is in env group '{group['name']}'",
                    {}, replayed=replayed)
    missing = [n for n in names if n not in group["keys"]]
    if missing and not replayed:
        v.problems.append(f"{', '.join(missing)} not in env group '{group['name']}'")
    unlinked = [n for n, sid in service_ids.items() if sid not in group["service_ids"]]
    if unlinked and not replayed:
        v.problems.append(f"env group '{group['name']}' is not linked to {', '.join(unlinked)}")
    updated = parse_time(group["updatedAt"])
    if updated is None:
        v.unknown.append(f"env group '{group['name']}' has no updatedAt")
    elif not _in_the_future(v, updated, answer, f"env group '{group['name']}' updatedAt"):
        elapsed = answer.now - updated
        v.evidence["env_group"] = {"name": _kept(group["name"]), "updatedAt": _kept(group["updatedAt"]),
                                   "keys_checked": names,
                                   "limit": "Render records no change time per variable; the group's updatedAt "
                                            "moves on any change to it"}
        if elapsed > timedelta(days=p.secret_age.max_days):
            v.problems.append(f"env group '{group['name']}' last changed {_days(elapsed)} ago "
                              f"({_stamp(updated)}): none of its keys was rotated since")
        else:
            v.notes.append(f"env group '{group['name']}' changed {_days(elapsed)} ago — Render keeps no "
                           f"per-variable time, so this shows the group changed, not that each key did")


def _judge_linked_groups(v: _Verdict, p: Params, found: dict) -> None:
    """Every other env group Render lists as linked to the services: Render documents no order among a service's
    linked groups, so a name one of them sets may be the value in force — aged as the named group is, a stale one a
    failure naming it. A group linked and not read, or a list not read whole, leaves the item unknown."""
    answer = _read(found, "env_groups")
    listing, names = answer.data, p.secret_age.shown
    # which groups are linked is a state: from a replayed answer not judged (one linked since may set a stale name)
    _replayed(v, f"which env groups are linked to {', '.join(p.services)}", answer)
    v.expected.append(f"every other env group linked to {', '.join(p.services)} that sets {names} changed within "
                      f"{p.secret_age.max_days:g} days (Render documents no order among a service's linked groups)")
    v.evidence["linked_env_groups"] = {}
    for group in listing["groups"]:
        linked_to = [n for n, sid in found["service_ids"].items() if sid in group["service_ids"]]
        if group["id"] == found["env_group_id"] or not linked_to:
            continue
        label = f"env group '{_kept(group['name'], 60)}' ({_kept(group['id'], 40)})"
        if f"linked_group:{group['id']}" not in found:
            v.unknown.append(f"{label} is linked to {', '.join(linked_to)} and was not read (an item reads "
                             f"{RENDER_LINKED_GROUPS} linked groups at most): it may set {names}")
            continue
        with v.part():  # each group is its own call
            _judge_linked_group(v, p, label, linked_to, _read(found, f"linked_group:{group['id']}"))
    if listing["more"]:
        v.unknown.append(f"Render listed {len(listing['groups'])} env groups and more were not read: one of them may "
                         f"be linked to {', '.join(p.services)} and set {names}")


def _judge_linked_group(v: _Verdict, p: Params, label: str, linked_to: list[str], answer: Answer) -> None:
    group = answer.data
    _replayed(v, f"whether {label} sets {p.secret_age.shown}", answer)  # it may set one since; a set one's age stands
    sets = [n for n in p.secret_age.flat if n in group["keys"]]
    v.evidence["linked_env_groups"][_kept(group["id"] or label, 40)] = {
        "name": _kept(group["name"]), "linked_to": linked_to, "sets": sets, "updatedAt": _kept(group["updatedAt"])}
    if not sets:
        return
    where = f"{', '.join(sets)} also set in {label}, linked to {', '.join(linked_to)}"
    updated = parse_time(group["updatedAt"])
    if updated is None:
        v.unknown.append(f"{where}, whose updatedAt is {_held(group, 'updatedAt')}, not ISO 8601 text")
    elif not _in_the_future(v, updated, answer, f"{label} updatedAt"):
        elapsed = answer.now - updated
        if elapsed > timedelta(days=p.secret_age.max_days):
            v.problems.append(f"{where}: it last changed {_days(elapsed)} ago ({_stamp(updated)}) — Render documents "
                              f"no order among a service's linked env groups, so its value may be the one in force")
        else:
            v.notes.append(f"{where}, changed {_days(elapsed)} ago")


def _judge_cron(v: _Verdict, name: str, limit: MaxAge, answer: Answer) -> None:
    """A cron job's newest finished run: it succeeded, within max_age_hours."""
    since = _asked(answer, "startTime")
    if since:
        v.evidence.setdefault("cron_windows", {})[name] = since
    events = _a_list(answer, f"the events of {name}")
    untyped = [e["event"] for e in events if not _a_word(e["event"].get("type"))]
    if untyped:  # an event that does not say what it is may be the newest run: an older one must not stand in
        v.unknown.append(f"cron job {name}: {plural(len(untyped), 'event')} without a readable type "
                         f"({_held(untyped[0], 'type')}), though only finished runs were asked for: any may be "
                         f"its newest run")
        v.evidence.setdefault("cron_runs", {})[name] = "unreadable event type"
        return
    runs = [e["event"] for e in events if e["event"]["type"] == "cron_job_run_ended"]  # another type: no run
    if not runs and len(answer.data) >= RENDER_EVENTS:  # the type filter was not applied: a run may be past them
        v.unknown.append(f"cron job {name}: the {len(answer.data)} events Render listed hold no finished run, "
                         f"though only finished runs were asked for")
        v.evidence.setdefault("cron_runs", {})[name] = "none among other events"
        return
    if not runs:
        window = f" (since {since}, the window asked of Render)" if since else ""
        hours = limit.max_age_hours + CRON_WINDOW_MARGIN.total_seconds() / 3600
        v.problems.append(f"cron job {name} has no finished run in the last {hours:g} h{window}")
        v.evidence.setdefault("cron_runs", {})[name] = "none"
        return
    unreadable = [e for e in runs if parse_time(e.get("timestamp")) is None]
    if unreadable:  # it may be the newest run: an older success must not stand in for it
        v.unknown.append(f"cron job {name}: {plural(len(unreadable), 'run event')} without a readable timestamp"
                         f" ({cut(json.dumps(unreadable[0].get('timestamp')), 40)})")
        v.evidence.setdefault("cron_runs", {})[name] = "unreadable timestamp"
        return
    moments = [parse_time(e.get("timestamp")) for e in runs]
    listed = [parse_time(e["event"].get("timestamp")) for e in events]  # every event's: one run is always sorted
    if len(answer.data) >= RENDER_EVENTS and (None in listed or listed != sorted(listed, reverse=True)):
        # Render lists newest first: a full page in another order may stop short of the newest run
        v.unknown.append(f"cron job {name}: Render listed a full page of {len(answer.data)} events, not newest"
                         " first (oldest first?): the newest run may lie past it")
        v.evidence.setdefault("cron_runs", {})[name] = "full page not newest first"
        return
    newest = max(moments)
    # runs that ended at the same moment: judged by the worst of them, never by whichever Render listed first
    tied = [e for e, moment in zip(runs, moments) if moment == newest]
    run = next((e for e in tied if (e.get("details") or {}).get("status") != "successful"), tied[0])
    ended = parse_time(run.get("timestamp"))
    status = (run.get("details") or {}).get("status")
    v.evidence.setdefault("cron_runs", {})[name] = {
        "ended": _kept(run.get("timestamp")), "status": _kept(status),
        "run": _kept((run.get("details") or {}).get("cronJobRunId"))}
    if _replayed(v, f"cron job {name}: its newest run's status", answer):  # a run since may have ended otherwise
        v.evidence["cron_runs"][name]["judged"] = "status not judged: the answer's Date is behind this runner's clock"
    elif not _a_word(status):  # how it ended is not said: neither a success nor a failure (its age still counts)
        v.unknown.append(f"cron job {name}: its newest run event has no status ({cut(json.dumps(status), 40)})")
    elif status != "successful":
        v.problems.append(f"cron job {name}: newest run ended {cut(status, 40)} at {_stamp(ended)}")
    if ended is None:
        v.unknown.append(f"cron job {name}: the run event has no timestamp")
    elif _in_the_future(v, ended, answer, f"cron job {name}: its newest run's end"):
        pass
    elif answer.now - ended > timedelta(hours=limit.max_age_hours):
        v.problems.append(f"cron job {name}: newest run ended {_hours(answer.now - ended)} ago ({_stamp(ended)})")


def _asked(answer: Answer, name: str) -> str | None:
    """A query parameter of the request that got the answer: what was asked, as sent."""
    values = parse_qs(urlsplit(answer.request.removeprefix("GET ")).query).get(name)
    return values[0] if values else None


def _flag(data: dict, name: str) -> bool:
    """A documented boolean: "false" (text) or 1 is an answer in another shape, never read as true."""
    value = data[name]
    if not isinstance(value, bool):
        raise TypeError(f"{name} is {cut(json.dumps(value), 40)}, not true or false")
    return value


def _listed(answer: Answer, name: str) -> list:
    """A documented list: missing, null or another value is an answer in another shape, never read as an empty
    list (which would fail the item for what the platform did not say)."""
    value = answer.data[name] if isinstance(answer.data, dict) and name in answer.data else ...
    if not isinstance(value, list):
        held = "missing" if value is ... else cut(json.dumps(value), 40)
        raise TypeError(f"{name} is {held}, not a list ({answer.request})")
    return value


def _a_list(answer: Answer, what: str) -> list:
    """An answer that is a documented list: an object, null or text is an answer in another shape, never read as an
    empty list (which would fail the item for what the platform did not say)."""
    if not isinstance(answer.data, list):
        raise TypeError(f"{what} are {cut(json.dumps(answer.data), 40)}, not a list ({answer.request})")
    return answer.data


def _kept(value: Any, limit: int = 80) -> Any:
    """A platform's value as evidence or a message keeps it: a number, true/false or null as it is; anything else
    as text, cut (an answer may hold a field of megabytes; the verdict read all of it)."""
    if value is None or isinstance(value, bool) or isinstance(value, (int, float)) and len(repr(value)) <= limit:
        return value
    return cut(value if isinstance(value, str) else json.dumps(value), limit)


LISTED_IN_EVIDENCE = 10  # of the distinct values a platform lists (backup statuses), the evidence shows this many


def _few(values: list) -> list:
    return values if len(values) <= LISTED_IN_EVIDENCE else [
        *values[:LISTED_IN_EVIDENCE], f"… and {len(values) - LISTED_IN_EVIDENCE} more"]


def _held(entry: dict, name: str) -> str:
    """What a field of a listed entry holds, as a message names it: missing, or its JSON, cut."""
    return cut(json.dumps(entry[name]), 40) if name in entry else "missing"


def _a_word(value: Any) -> bool:
    """A status as the platforms document it: text. Missing, null, empty or a number names no state at all."""
    return isinstance(value, str) and value.strip() != ""


def _unix_seconds(value: Any) -> datetime | None:
    """A Supabase `*_unix` time: seconds since 1970, a number. Text, true/false, or milliseconds (which land past
    the calendar) give None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return _from_epoch(value)


def _judge_supabase(p: Params, found: dict, v: _Verdict) -> None:
    if p.backups:
        v.expected.append(f"a completed Supabase backup newer than {p.backups.max_age_hours:g} h")
    if p.pitr_days:
        v.expected.append(f"PITR enabled with at least {p.pitr_days} days retention")
    if p.backups or p.pitr_days:
        with v.part():
            _judge_backups(v, p, _read(found, "backups"))
    if p.pitr_days:
        with v.part():
            _judge_pitr_addon(v, p, _read(found, "addons"))
    if p.required or p.secret_age:
        with v.part():
            answer = _read(found, "secrets")
            where = "in the Supabase project's Edge Function secrets"
            stamps = {s["name"]: s["updated_at"] for s in answer.data}
            v.evidence["supabase_secrets"] = sorted(stamps)
            if p.required:
                v.expected.append(f"{', '.join(p.required)} {where}")
            if p.required and not _replayed(v, f"{', '.join(p.required)} set", answer):
                missing = [n for n in p.required if n not in stamps]
                if missing:
                    v.problems.append(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set {where}")
                v.notes.append(f"{', '.join(p.required)} set")
            if p.secret_age:
                _age_check(v, p.secret_age, stamps, answer, where, f"is not set {where}")


def _judge_backups(v: _Verdict, p: Params, answer: Answer) -> None:
    """The backups answer: the newest completed backup (or PITR point) is fresh; and pitr_enabled, for pitr_days."""
    data = answer.data
    listed = _listed(answer, "backups")
    physical = data.get("physical_backup_data") if isinstance(data, dict) else None
    latest = physical.get("latest_physical_backup_date_unix") if isinstance(physical, dict) else None
    v.evidence["backups"] = {  # the fields judged, each cut: the rest of the answer may be of any size
        "pitr_enabled": _kept(data.get("pitr_enabled")), "listed": len(listed),
        "statuses": _few(sorted({_kept(str(b.get("status")), 40) for b in listed})),
        "latest_physical_backup_date_unix": _kept(latest),
    }
    if p.backups:
        completed = [b for b in listed if _a_word(b.get("status")) and b["status"].upper() == "COMPLETED"]
        moments = [parse_time(b.get("inserted_at")) for b in completed]
        unreadable = []  # times given that cannot be read, and backups that may be completed: any may be the newest
        bad = [b for b, moment in zip(completed, moments) if moment is None]
        if bad:
            which = "none with" if len(bad) == len(completed) else f"{len(bad)} without"
            unreadable.append(f"{plural(len(completed), 'completed backup')} listed, {which} a readable inserted_at "
                              f"({cut(json.dumps(bad[0].get('inserted_at')), 40)})")
        unsaid = [b for b in listed if not _a_word(b.get("status"))]
        if unsaid:  # a backup that does not say how it ended may be the newest completed one
            unreadable.append(f"{plural(len(unsaid), 'backup')} listed without a readable status "
                              f"({_held(unsaid[0], 'status')})")
        pitr = _flag(data, "pitr_enabled")
        if pitr and not isinstance(physical, dict):  # where the PITR point would be: not said is not "none"
            held = "missing" if "physical_backup_data" not in data else _json_kind(physical)
            raise TypeError(f"PITR is on, and physical_backup_data is {held}, not an object ({answer.request})")
        if pitr and latest is not None:
            point = _unix_seconds(latest)
            moments.append(point)
            if point is None:
                unreadable.append(f"PITR is on, and physical_backup_data.latest_physical_backup_date_unix is "
                                  f"{cut(json.dumps(latest), 40)}, not Unix seconds")
        moments = [m for m in moments if m is not None]
        if unreadable:
            v.evidence["backups"]["unreadable"] = unreadable
        if not moments and unreadable:  # given, but when is not readable: not known to be fresh or stale
            v.unknown += unreadable
        elif not moments:
            point = ", and no PITR point (physical_backup_data)" if pitr else ""
            v.problems.append(f"no completed backup listed ({plural(len(listed), 'backup')}){point}")
        else:
            newest = max(moments)
            age = answer.now - newest
            v.evidence["backups"]["newest"] = _stamp(newest)
            if _in_the_future(v, newest, answer, "the newest backup's time"):
                pass
            elif age > timedelta(hours=p.backups.max_age_hours) and unreadable:
                # a time not read may be the newest: an older backup must not fail in its place
                v.unknown += [f"the newest backup read is {_hours(age)} old ({_stamp(newest)})", *unreadable]
            elif age > timedelta(hours=p.backups.max_age_hours):
                v.problems.append(f"newest backup is {_hours(age)} old ({_stamp(newest)})"
                                  + _not_completed_since(listed, newest))
            v.notes.append(f"newest backup {_hours(age)} old")
    if p.pitr_days and not _replayed(v, "pitr_enabled", answer) and not _flag(data, "pitr_enabled"):
        v.problems.append("pitr_enabled is false")


def _not_completed_since(listed: list, newest: datetime) -> str:
    """The backups listed after the newest completed one, by how they ended (`; since then 2 FAILED, the latest
    2026-12-07T03:00:00Z`): why there is none newer is the on-call's first question."""
    later = [(moment, str(b.get("status"))) for b in listed if _a_word(b.get("status"))
             and b["status"].upper() != "COMPLETED" and (moment := parse_time(b.get("inserted_at"))) is not None
             and moment > newest]
    if not later:
        return ""
    counts = ", ".join(f"{n} {cut(status, 40)}" for status, n in sorted(Counter(s for _, s in later).items()))
    return f"; since then {counts}, the latest {_stamp(max(m for m, _ in later))}"


def _judge_pitr_addon(v: _Verdict, p: Params, answer: Answer) -> None:
    """The add-ons answer: one PITR add-on, keeping at least pitr_days."""
    if _replayed(v, "the PITR add-on", answer):
        return
    selected = _listed(answer, "selected_addons")
    variants = [(a.get("variant") or {}).get("id") for a in selected if a.get("type") == "pitr"]
    untyped = [a for a in selected if not _a_word(a.get("type"))]
    shown = _few([_kept(x, 40) for x in variants])
    v.evidence["pitr_addon"] = shown if len(variants) > 1 else shown[0] if variants else None
    if untyped:  # an add-on that does not say what it is may be the PITR one, or a second one
        v.unknown.append(f"{plural(len(untyped), 'selected add-on')} without a readable type "
                         f"({_held(untyped[0], 'type')}): any may be a PITR add-on ({answer.request})")
    elif not variants:
        v.problems.append("no PITR add-on selected")
    elif len(variants) > 1:  # a project has one add-on of a type: which one holds is not known, and reading
        # the first would make the verdict the list order's
        named = ", ".join(x if isinstance(x, str) else json.dumps(x) for x in shown)
        v.unknown.append(f"{len(variants)} PITR add-ons selected ({named}) where a project has one: the answer "
                         f"contradicts itself ({answer.request})")
    else:
        days = PITR_VARIANT_DAYS.get(variants[0])
        if days is None:
            v.unknown.append(f"unknown PITR add-on variant {_kept(variants[0], 40)}")
        elif days < p.pitr_days:
            v.problems.append(f"PITR add-on {variants[0]} keeps {days} days")
        else:
            v.notes.append(f"PITR on ({variants[0]})")


JUDGES = {"github": _judge_github, "vercel": _judge_vercel, "render": _judge_render, "supabase": _judge_supabase}
