"""repo family: judge tables on fabricated facts, the GitHub contents source, and the demo's checkouts."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from opsverify_demo.web import WebHost
from opsverify.engine import Run, message
from opsverify.environment import load_environment
from opsverify.errors import ConfigError, GatherError
from opsverify.families import repo
from opsverify.families.repo import Checkout, Deployed, Folder, Params, workflow_triggers
from .kit import make_check, make_target as make_plain_target
from opsverify.outcome import Status
from opsverify.transports import envsource
from opsverify.errors import NotConfigured

from .helpers import ROOT, by_id, evaluate

DEPLOYED = Deployed("a" * 40, 1_741_000_000.0)  # 2025-03-03T11:06:40Z
WF, X = ".github/workflows/wf.yml", ".github/workflows/x.yml"  # where GitHub reads workflows


def check(**params):
    return SimpleNamespace(key="X1-test", params=Params.model_validate(params))


def facts(files=None, folders=None, env=None, deployed=None):
    return {"source": "checkout /srv/app", "files": files or {}, "folders": folders or {}, "env": env or {},
            "deployed": deployed}


# -- params ------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, problem", [
    ({"file": X}, "exactly one of"),
    ({"file": X, "triggers_absent": ["schedule"], "crons": [{"path": "/a", "schedule": "* * * * *"}]},
     "exactly one of"),
    ({"file": "../etc/passwd", "triggers_absent": ["schedule"]}, "relative path inside"),
    ({"file": "/etc/passwd", "triggers_absent": ["schedule"]}, "relative path inside"),
    ({"folder": ".pf", "triggers_absent": ["schedule"]}, "need `file`"),
    ({"file": "r.txt", "not_empty": True}, "need `folder`"),
    ({"file": ".env.example", "per_key": {"A": ["web"]}}, "needs `services`"),
    ({"file": ".env.example", "ignore": ["A"]}, "needs `services`"),
    ({"file": X, "triggers_absent": ["schedule"], "ignore": ["A"]}, "exactly one of"),
    ({"file": X, "triggers_absent": ["schedule"], "unknown": 1}, "Extra inputs"),
    # combinations the judge would not read
    ({"folder": ".pf", "newer_than_deploy": True}, "newer_than_deploy needs not_empty: true"),
    ({"file": ".env.example", "services": ["api"], "per_key": {"B": ["worker"]}, "ignore": ["B"]},
     "B: both in per_key and in ignore; keep one"),
    ({"folder": ".pf", "not_empty": True, "allow_empty": True}, "allow_empty goes with"),
    ({"file": ".env.example", "services": ["web"], "per_key": {"API_URL": []}}, "per_key.API_URL: name at least one"),
    ({"file": X, "triggers_absent": ["push"], "triggers_present": ["push", "schedule"]},
     "push cannot be both absent and present"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "* * * * *"}], "allow_empty": True},
     "allow_empty goes with"),
    # a trigger GitHub does not know could never be found: the item would always pass (absent) or fail (present)
    ({"file": X, "triggers_absent": ["Schedule"]},
     "'Schedule' is not a GitHub Actions event \\(names are case-sensitive\\); did you mean schedule"),
    ({"file": X, "triggers_absent": ["schedules"]}, "did you mean schedule\\?"),
    ({"file": X, "triggers_present": ["manually"]}, "'manually' is not a GitHub Actions event \\(such as schedule"),
    # a file GitHub never runs as a workflow (moved aside or renamed to turn it off): judged, it would pass
    *[({"file": file, "triggers_present": ["schedule"]}, "is not where GitHub reads a workflow")
      for file in [".github/workflows/off/poller.yml", ".github/workflows/poller.yml.off", "poller.yml",
                   ".github/poller.yml", ".github/workflows/poller.json", ".GitHub/workflows/poller.yml"]],
    # what Vercel refuses to deploy could never be found in a vercel.json that deploys
    ({"file": "vercel.json", "crons": [{"path": "", "schedule": "* * * * *"}]}, "must start with / .*, not ''"),
    ({"file": "vercel.json", "crons": [{"path": "api/cron", "schedule": "* * * * *"}]}, "must start with /"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "every minute"}]}, "not a five-field cron schedule"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 * * * * *"}]}, "not a five-field cron schedule"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "@daily"}]}, "not a five-field cron schedule"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 9 * * MON-FRI"}]}, "numbers only"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 0 1 JAN *"}]}, "numbers only"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 0 1 * 1"}]}, "not both"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "60 * * * *"}]}, "out of range"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "5/10 * * * *"}]}, "not cron syntax"),
    # Vercel's CLI refuses a range whose start is past its end (pg_cron wraps it round) and a schedule over 256
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 22-2 * * *"}]},
     "Vercel refuses the range 22-2 in the hour field .*; write it as 22-23,0-2"),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 0 * * 5-1"}]}, "write it as 5-6,0-1 \\["),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 0 * * 7-1"}]}, "write it as 0-1 \\["),
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 " + "0," * 130 + "0 * * *"}]},
     "is 269 characters; Vercel takes at most 256"),
    # a cron no deploy could call: no vercel.json could meet it
    ({"file": "vercel.json", "crons": [{"path": "/a", "schedule": "0 0 31 2 *"}]},
     r"'0 0 31 2 \*' fires on no date: day 31 of month 2 never comes .*; name a day those months have"),
])
def test_params_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        Params.model_validate(params)


@pytest.mark.parametrize("file", [".github/workflows/poller.yml", ".github/workflows/Poller Cron.yaml",
                                  ".gitea/workflows/poller.yaml", ".forgejo/workflows/poller.yml"])
def test_a_workflow_where_a_forge_runs_it_is_taken(file):
    assert Params.model_validate({"file": file, "triggers_present": ["schedule"]}).file == file


def test_env_kind_needs_env_sources_of_every_service():
    p = Params.model_validate({"file": ".env.example", "services": ["api"], "per_key": {"A": ["web", "worker"]}})
    assert repo.needs(p) == ("env",)
    assert p.all_services == ["api", "web", "worker"]
    assert repo.needs(Params.model_validate({"folder": ".pf", "not_empty": True})) == ()


# -- workflow triggers -------------------------------------------------------------------------
JOBS = "jobs:\n  poll: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"  # GitHub requires one job
MANUAL = "name: poller\non:\n  workflow_dispatch:\n" + JOBS
SCHEDULED = "name: poller\non:\n  schedule:\n    - cron: '*/5 * * * *'\n  workflow_dispatch:\n" + JOBS


@pytest.mark.parametrize("text, triggers", [
    (MANUAL, ["workflow_dispatch"]),  # YAML 1.1: the key `on` is read as True
    (SCHEDULED, ["schedule", "workflow_dispatch"]),
    ("on: push\n", ["push"]),
    ("on: [push, workflow_dispatch]\n", ["push", "workflow_dispatch"]),
    ('"on": {schedule: [{cron: "0 * * * *"}]}\n', ["schedule"]),
])
def test_workflow_triggers(text, triggers):
    assert workflow_triggers(repo.read_workflow(text)) == triggers


WORKFLOW = {"file": WF, "triggers_absent": ["schedule"], "triggers_present": ["workflow_dispatch"]}


@pytest.mark.parametrize("text, status, observed", [
    (MANUAL, Status.PASSED, f"{WF} triggers: workflow_dispatch"),
    (SCHEDULED, Status.FAILED, f"{WF} has a schedule trigger"),
    ("on: push\n" + JOBS, Status.FAILED, f"{WF} has no workflow_dispatch trigger"),
    ("on: [schedule\n", Status.FAILED, f"{WF} is not valid YAML"),
    ("name: x\njobs: {}\n", Status.FAILED, f"{WF} has no `on:` triggers"),
    ("- a\n- b\n", Status.FAILED, f"{WF} is not a mapping"),
    (None, Status.FAILED, f"{WF} not found in checkout /srv/app"),
    (GatherError("cannot read wf.yml"), Status.ERROR, f"could not read {WF}"),
])
def test_judge_workflow(text, status, observed):
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: text}))
    assert outcome.status is status
    assert observed in outcome.observed
    if status is Status.FAILED:
        assert outcome.expected == f"{WF} with no schedule trigger and a workflow_dispatch trigger"


# GitHub refuses the whole file (`'permissions' is already defined`): it never runs and cannot be dispatched,
# whatever its triggers; PyYAML would keep the last of the two and judge a file GitHub never reads
POLLER_TWICE = ("name: poller\non:\n  workflow_dispatch:\npermissions:\n  contents: read\njobs:\n"
                "  poll: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\npermissions:\n  contents: write\n")


@pytest.mark.parametrize("text, key, line", [
    (POLLER_TWICE, "permissions", 8),
    ("on:\n  schedule: [{cron: '*/5 * * * *'}]\non: workflow_dispatch\n", "on", 3),
    ("on:\n  schedule: [{cron: '*/5 * * * *'}]\n\"on\": workflow_dispatch\n", "on", 3),  # quoted or not: one key
    ("on:\n  workflow_dispatch:\n  workflow_dispatch: {inputs: {}}\n", "workflow_dispatch", 3),
    # GitHub's parser compares the keys of a mapping ignoring case (actions/runner TemplateReader)
    ("On:\n  schedule: [{cron: '*/5 * * * *'}]\non: workflow_dispatch\n", "on", 3),
    ("on: workflow_dispatch\njobs:\n  a:\n    env: {TOKEN: a, token: b}\n", "token", 4),
])
def test_a_workflow_with_a_key_written_twice_fails_whatever_it_is_asked(text, key, line):
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: text}))
    assert outcome.status is Status.FAILED
    assert outcome.observed.startswith(f"{WF} line {line}: ")
    assert f"'{key}'" in outcome.observed
    assert "GitHub refuses a workflow with a key written twice" in outcome.observed


@pytest.mark.parametrize("merged", ["{schedule: [{cron: '0 * * * *'}]}", "*events"])
def test_a_workflow_merging_with_a_merge_key_fails(merged):
    # GitHub has no YAML merge keys (actions/runner#1182): `<<` is a key it does not know
    text = f"x: &events {{push: }}\non:\n  workflow_dispatch:\n  <<: {merged}\n"
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: text}))
    assert outcome.status is Status.FAILED
    assert outcome.observed.startswith(f"{WF} line 4: `<<` would merge a mapping, but GitHub has no YAML merge keys")


# GitHub reads keys as text (YAML 1.2; actions/runner YamlObjectReader): `On`, `ON`, `yes` are the words as written
# and `true` a boolean, none of them `on`: GitHub refuses the file (an unexpected key; `on` missing)
@pytest.mark.parametrize("key", ["On", "ON", "true", "True", "yes"])
def test_only_a_key_written_on_names_the_triggers(key):
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: f"name: poller\n{key}:\n  workflow_dispatch:\n"}))
    assert outcome.status is Status.FAILED
    assert outcome.observed.startswith(f"{WF} has no `on:` triggers (`{key}:` is not `on`")


@pytest.mark.parametrize("text", ["'on': workflow_dispatch\n" + JOBS, '"on": [workflow_dispatch]\n' + JOBS, MANUAL])
def test_the_on_key_quoted_or_not_names_the_triggers(text):
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: text}))
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_key_read_as_on_only_by_yaml_1_1_fails_beside_on():
    outcome = repo.judge(check(**WORKFLOW), facts(files={WF: "true: [schedule]\non: workflow_dispatch\n"}))
    assert outcome.status is Status.FAILED
    assert f"{WF} has `true:` beside `on:`" in outcome.observed


# GitHub refuses a workflow ("Invalid workflow file") whose `on:` names what is no event (names are case-sensitive:
# `Schedule` is none), whose `schedule:` is no list of `- cron:` entries, or that has no job: it never runs nor can
# be dispatched, whatever its triggers, so the item fails whatever it asks
ASKS = [{"triggers_present": ["workflow_dispatch"]}, {"triggers_absent": ["schedule"]}]


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("text, reason", [
    ("on: [workflow_dispatch, shedule]\n" + JOBS,
     "`on:` names 'shedule', which is not a GitHub Actions event; did you mean schedule?"),
    ("on:\n  workflow_dispatch:\n  Schedule:\n    - cron: '*/5 * * * *'\n" + JOBS,
     "`on:` names 'Schedule', which is not a GitHub Actions event (names are case-sensitive); did you mean schedule?"),
    ("on: [workflow_dispatch, Schedule]\n" + JOBS, "`on:` names 'Schedule', which is not a GitHub Actions event"),
    ("on: [workflow_dispatch, 'schedule ']\n" + JOBS, "`on:` names 'schedule ', which is not a GitHub Actions event"),
    ("on: 'workflow_dispatch '\n" + JOBS, "`on:` names 'workflow_dispatch ', which is not a GitHub Actions event"),
    ("on: [workflow_dispatch, '']\n" + JOBS, "`on:` names '', which is not a GitHub Actions event"),
    ("on: [workflow_dispatch, [schedule]]\n" + JOBS, "`on:` names ['schedule'], which is not a GitHub Actions event"),
    ("name: poller\non: workflow_dispatch\n", "it has no `jobs:` (a workflow needs at least one job)"),
    ("on: workflow_dispatch\njobs: {}\n", "`jobs:` holds no job (a workflow needs at least one)"),
    ("on: workflow_dispatch\njobs:\n", "`jobs:` holds no job (a workflow needs at least one)"),
    ("on: workflow_dispatch\njobs: [poll]\n", "`jobs:` is a list, not a mapping of jobs"),
    ("on:\n  workflow_dispatch:\n  schedule: bad\n" + JOBS, "`schedule:` is a str, not a list of `- cron: ...`"),
    ("on:\n  workflow_dispatch:\n  schedule:\n" + JOBS, "`schedule:` is empty, not a list of `- cron: ...`"),
    ("on:\n  workflow_dispatch:\n  schedule: []\n" + JOBS, "`schedule:` is empty, not a list of `- cron: ...`"),
    ("on:\n  workflow_dispatch:\n  schedule: {cron: '0 * * * *'}\n" + JOBS,
     "`schedule:` is a dict, not a list of `- cron: ...`"),
    ("on:\n  workflow_dispatch:\n  schedule: ['0 * * * *']\n" + JOBS,
     "`schedule:` entry 1 is '0 * * * *', not a mapping with a `cron:` text"),
    ("on:\n  workflow_dispatch:\n  schedule: [{cron: '0 * * * *'}, {timezone: UTC}]\n" + JOBS,
     "`schedule:` entry 2 has no `cron:` text"),
    ("on:\n  workflow_dispatch:\n  schedule: [{cron: 5}]\n" + JOBS, "`schedule:` entry 1 has no `cron:` text"),
], ids=["misspelt", "capital-key", "capital-item", "trailing-space", "string-trailing-space", "empty-name",
        "list-item", "no-jobs", "jobs-empty", "jobs-null", "jobs-list", "schedule-text", "schedule-null",
        "schedule-empty", "schedule-mapping", "schedule-item-text", "schedule-item-no-cron", "cron-number"])
def test_a_workflow_github_refuses_fails_whatever_it_is_asked(ask, text, reason):
    outcome = repo.judge(check(file=WF, **ask), facts(files={WF: text}))
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"{WF}: GitHub refuses the workflow: {reason}"), outcome.observed


# GitHub's "Events that trigger workflows", and the project-board events it still reads (deprecated)
DOCUMENTED_EVENTS = {
    "branch_protection_rule", "check_run", "check_suite", "create", "delete", "deployment", "deployment_status",
    "discussion", "discussion_comment", "fork", "gollum", "image_version", "issue_comment", "issues", "label",
    "merge_group", "milestone", "page_build", "public", "pull_request", "pull_request_review",
    "pull_request_review_comment", "pull_request_target", "push", "registry_package", "release",
    "repository_dispatch", "schedule", "status", "watch", "workflow_call", "workflow_dispatch", "workflow_run",
    "project", "project_card", "project_column"}


def test_every_documented_event_is_known():
    assert DOCUMENTED_EVENTS <= repo.GITHUB_EVENTS, sorted(DOCUMENTED_EVENTS - repo.GITHUB_EVENTS)


@pytest.mark.parametrize("event", sorted(DOCUMENTED_EVENTS))
@pytest.mark.parametrize("form", ["on: {event}\n", "on: [push, {event}]\n", "on:\n  {event}:\n{config}"],
                         ids=["string", "list", "mapping"])
def test_every_event_github_knows_is_a_trigger(event, form):
    config = "    - cron: '0 * * * *'\n      timezone: Europe/Paris\n" if event == "schedule" else ""
    text = form.format(event=event, config=config) + JOBS
    outcome = repo.judge(check(file=WF, triggers_present=[event]), facts(files={WF: text}))
    # a schedule named without `- cron:` entries never fires (tests/test_repo_workflows.py)
    expected = Status.FAILED if event == "schedule" and "{config}" not in form else Status.PASSED
    assert outcome.status is expected, outcome.observed


# -- triggers_only: a workflow run by hand only (no push beside its dispatch) -----------------------------------
ONLY = {"file": WF, "triggers_only": ["workflow_dispatch"]}


@pytest.mark.parametrize("text, status, observed", [
    (MANUAL, Status.PASSED, f"{WF} triggers: workflow_dispatch"),
    ("on:\n  workflow_dispatch:\n  push: {branches: [main]}\n" + JOBS, Status.FAILED,
     f"{WF} has a push trigger, which triggers_only does not list"),
    ("on: [workflow_run, workflow_dispatch]\n" + JOBS, Status.FAILED,
     f"{WF} has a workflow_run trigger, which triggers_only does not list"),
    (SCHEDULED, Status.FAILED, f"{WF} has a schedule trigger, which triggers_only does not list"),
    ("on: push\n" + JOBS, Status.FAILED, f"{WF} has a push trigger, which triggers_only does not list; "
                                          f"{WF} has no workflow_dispatch trigger"),
])
def test_triggers_only_fails_any_other_trigger_and_a_missing_one(text, status, observed):
    """The runbook's "trigger manually only": triggers_absent: [schedule] passed a `push:` added beside the dispatch."""
    outcome = repo.judge(check(**ONLY), facts(files={WF: text}))
    assert outcome.status is status, outcome.observed
    assert outcome.observed.startswith(observed), outcome.observed
    assert outcome.expected == f"{WF} with only a workflow_dispatch trigger"


@pytest.mark.parametrize("params, said", [
    ({**ONLY, "triggers_absent": ["schedule"]}, "leave triggers_absent and triggers_present out"),
    ({**ONLY, "triggers_present": ["workflow_dispatch"]}, "leave triggers_absent and triggers_present out"),
    ({"file": WF, "triggers_only": ["manually"]}, "'manually' is not a GitHub Actions event"),
])
def test_triggers_only_goes_alone_and_names_events(params, said):
    with pytest.raises(ValidationError, match=said):
        Params.model_validate(params)


# -- vercel.json crons --------------------------------------------------------------------------
CRONS = {"file": "vercel.json", "crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}]}


@pytest.mark.parametrize("text, status, observed", [
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}]}', Status.PASSED, "1 cron, as expected"),
    ('{"crons": [{"path": "/api/cron/other", "schedule": "* * * * *"}]}', Status.FAILED,
     "no cron for /api/cron/publish in vercel.json"),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "*/5 * * * *"}]}', Status.FAILED,
     "/api/cron/publish runs at '*/5 * * * *'"),
    # compared by what fires, as Vercel reads them: `*/1` and `0-59` are `*`; spaces do not count
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "*/1 * * * *"}]}', Status.PASSED, "1 cron, as expected"),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "0-59  *  * * *"}]}', Status.PASSED, "1 cron, as expected"),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "*/2 * * * *"}]}', Status.FAILED,
     "/api/cron/publish runs at '*/2 * * * *'"),
    # a schedule Vercel refuses is no cron that runs, whatever it would mean
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * SUN-SAT"}]}', Status.FAILED,
     "Vercel refuses /api/cron/publish at '* * * * SUN-SAT': "),
    # a step of 0 too: refused, never read for what it would fire on (which no range can say)
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "*/0 * * * *"}]}', Status.FAILED,
     "Vercel refuses /api/cron/publish at '*/0 * * * *': "),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "0 */0 * * *"}]}', Status.FAILED,
     "Vercel refuses /api/cron/publish at '0 */0 * * *': "),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "0-5/0 * * * *"}]}', Status.FAILED,
     "(a step of 0)"),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "5/0 * * * *"}]}', Status.FAILED,
     "Vercel refuses /api/cron/publish at '5/0 * * * *': "),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "*/0 * * * *"},'
     ' {"path": "/api/cron/publish", "schedule": "*/5 * * * *"}]}', Status.FAILED,
     "Vercel refuses /api/cron/publish at '*/0 * * * *': field 1 ('*/0') is not cron syntax (a step of 0); "
     "/api/cron/publish runs at '*/5 * * * *'"),
    ('{"framework": "nextjs"}', Status.FAILED, "vercel.json has no crons list"),
    ('{"crons": [', Status.FAILED, "vercel.json is not valid JSON"),
    # JavaScript's JSON.parse refuses what Python's json takes: Vercel cannot read the file, no cron runs
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}], "regions": NaN}', Status.FAILED,
     "vercel.json is not valid JSON: NaN is not JSON"),
    ('{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}], "x": [Infinity, -Infinity]}',
     Status.FAILED, "vercel.json is not valid JSON: Infinity is not JSON"),
    (None, Status.FAILED, "vercel.json not found"),
])
def test_judge_crons(text, status, observed):
    outcome = repo.judge(check(**CRONS), facts(files={"vercel.json": text}))
    assert outcome.status is status
    assert observed in outcome.observed
    assert outcome.expected == "vercel.json crons: /api/cron/publish at '* * * * *'"


# Vercel validates vercel.json when it deploys: each cron is an object of exactly `path` (text starting with `/`, at
# most 512 characters) and `schedule` (text); a file it refuses deploys no cron at all, the wanted one included
PUBLISH = {"path": "/api/cron/publish", "schedule": "* * * * *"}


@pytest.mark.parametrize("entry, reason", [
    ("oops", 'crons[1] "oops": not an object with `path` and `schedule`'),
    (None, "crons[1] null: not an object with `path` and `schedule`"),
    ({"path": "api/cron/other", "schedule": "0 0 * * *"},
     'crons[1] {"path": "api/cron/other", "schedule": "0 0 * * *"}: its path must start with /'),
    ({"path": "", "schedule": "0 0 * * *"}, "its path must start with /"),
    ({**PUBLISH, "extra": 1}, "keys other than path and schedule (extra)"),
    ({**PUBLISH, "Path": "/x"}, "keys other than path and schedule (Path)"),
    ({"path": "/api/cron/other"}, "it has no schedule"),
    ({"schedule": "0 0 * * *"}, "it has no path"),
    ({"path": 5, "schedule": "0 0 * * *"}, "its path is not text"),
    ({"path": "/api/cron/other", "schedule": 5}, "its schedule is not text"),
    ({"path": "/" + "a" * 512, "schedule": "0 0 * * *"}, "its path is over 512 characters"),
], ids=["text", "null", "relative-path", "empty-path", "extra-key", "key-case", "no-schedule", "no-path",
        "path-number", "schedule-number", "path-too-long"])
def test_a_cron_entry_vercel_refuses_fails_the_item(entry, reason):
    text = json.dumps({"crons": [PUBLISH, entry]})
    outcome = repo.judge(check(**CRONS), facts(files={"vercel.json": text}))
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("Vercel refuses vercel.json's crons[1] "), outcome.observed
    assert reason in outcome.observed
    assert "no cron of the file runs" in outcome.observed


@pytest.mark.parametrize("schedule, reason", [
    ("0 22-2 * * *", "Vercel refuses the range 22-2 in the hour field"),
    ("* " + "0," * 130 + "0 * * *", "is 269 characters; Vercel takes at most 256"),
])
def test_a_vercel_json_schedule_vercel_refuses_fails_the_item(schedule, reason):
    """Compared as text, a vercel.json schedule of a range Vercel refuses (or one too long) matched the item's own."""
    item = check(file="vercel.json", crons=[{"path": "/api/cron/publish", "schedule": "* * * * *"}])
    text = json.dumps({"crons": [PUBLISH, {"path": "/api/cron/other", "schedule": schedule}]})
    outcome = repo.judge(item, facts(files={"vercel.json": text}))
    assert outcome.status is Status.FAILED and reason in outcome.observed, outcome.observed


def test_a_vercel_json_vercel_takes_passes():
    text = json.dumps({"$schema": "https://openapi.vercel.sh/vercel.json", "framework": "nextjs",
                       "crons": [PUBLISH, {"path": "/" + "a" * 511, "schedule": "30 3 * * *"},
                                 {"schedule": "0 0 * * *", "path": "/api/cron/cleanup?dry=1"}]})
    outcome = repo.judge(check(**CRONS), facts(files={"vercel.json": text}))
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "3 crons, as expected"


# -- .env.example -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, params, status, observed", [
    ("# nothing here\n", {}, Status.ERROR, "no keys found in .env.example of checkout /srv/app; nothing was checked"),
    ("NODE_ENV=production\n", {"ignore": ["NODE_ENV"]}, Status.ERROR, "(after ignore: NODE_ENV)"),
    ("# nothing here\n", {"allow_empty": True}, Status.PASSED, "all 0 keys set"),
])
def test_an_env_example_without_keys_checks_nothing(text, params, status, observed):
    item = check(file=".env.example", services=["api"], **params)
    outcome = repo.judge(item, facts(files={".env.example": text}, env={"api": {}}))
    assert outcome.status is status and observed in outcome.observed



EXAMPLE = "# shared\nAPI_JWT_SECRET=\nexport REDIS_URL=redis://localhost\nNEXTAUTH_URL=https://x\nNODE_ENV=production\n"
ENV = {"file": ".env.example", "services": ["api"], "per_key": {"API_JWT_SECRET": ["web", "api"],
                                                                   "NEXTAUTH_URL": ["web"]}, "ignore": ["NODE_ENV"]}
HEALTHY_ENV = {"api": {"API_JWT_SECRET": "s3cret-value", "REDIS_URL": "redis://r"},
               "web": {"API_JWT_SECRET": "s3cret-value", "NEXTAUTH_URL": "https://x"}}


@pytest.mark.parametrize("env, status, observed", [
    (HEALTHY_ENV, Status.PASSED, "all 3 keys set"),
    ({**HEALTHY_ENV, "web": {"API_JWT_SECRET": "s3cret-value"}}, Status.FAILED, "NEXTAUTH_URL is not set on web"),
    ({**HEALTHY_ENV, "api": {"API_JWT_SECRET": "", "REDIS_URL": "redis://r"}}, Status.FAILED,
     "API_JWT_SECRET is not set on api"),  # empty counts as unset, as in the env family
    ({**HEALTHY_ENV, "api": {"API_JWT_SECRET": "undefined", "REDIS_URL": " null "}}, Status.FAILED,
     "API_JWT_SECRET, REDIS_URL are not set on api"),  # what JavaScript writes of one unset, as env's `required` reads it
    ({**HEALTHY_ENV, "api": {"API_JWT_SECRET": "\0s3cret-value", "REDIS_URL": "redis://r"}}, Status.FAILED,
     "API_JWT_SECRET is not set on api"),  # a NUL byte ends a value in a process environment: Node reads ""
    ({"api": {}, "web": {}}, Status.FAILED,
     "API_JWT_SECRET, REDIS_URL are not set on api; API_JWT_SECRET, NEXTAUTH_URL are not set on web"),
    ({**HEALTHY_ENV, "web": NotConfigured("no env source for service 'web'")}, Status.SKIPPED,
     "no env source for web: no env source"),
    ({**HEALTHY_ENV, "web": GatherError("web.env: no such file")}, Status.ERROR,
     "could not look: could not read the env of web: web.env: no such file"),
    ({"api": {}, "web": GatherError("unreadable")}, Status.FAILED, "API_JWT_SECRET, REDIS_URL are not set on api"),
])
def test_judge_env_example(env, status, observed):
    outcome = repo.judge(check(**ENV), facts(files={".env.example": EXAMPLE}, env=env))
    assert outcome.status is status
    assert observed in outcome.observed
    assert "s3cret-value" not in repr(outcome)  # names only, never values


# -- auditor report ------------------------------------------------------------------------------
REPORT = {"folder": ".pf/readthis", "not_empty": True, "newer_than_deploy": True}
AFTER, BEFORE = DEPLOYED.time + 3600, DEPLOYED.time - 60


@pytest.mark.parametrize("folder, deployed, status, observed", [
    (Folder(["a.json", "b.json"], ("b.json", AFTER)), DEPLOYED, Status.PASSED,
     "b.json modified 2025-03-03T12:06:40Z, after commit aaaaaaaaaaaa of 2025-03-03T11:06:40Z"),
    (Folder(["a.json"], ("a.json", BEFORE)), DEPLOYED, Status.FAILED,
     "newest report file a.json was modified 2025-03-03T11:05:40Z, not after the deployed commit"),
    (Folder(["a.json"], ("a.json", DEPLOYED.time)), DEPLOYED, Status.FAILED, "not after the deployed commit"),
    (Folder([]), DEPLOYED, Status.FAILED, ".pf/readthis/ is empty"),
    (None, DEPLOYED, Status.FAILED, ".pf/readthis/ is missing"),
    (Folder(["a.json"], ("a.json", AFTER)), GatherError("git is not installed"), Status.ERROR,
     "could not read the deploy time: git is not installed"),
    (Folder(["a.json"]), NotConfigured("needs a local checkout"), Status.SKIPPED, "needs a local checkout"),
    (GatherError("permission denied"), DEPLOYED, Status.ERROR, "could not list .pf/readthis"),
])
def test_judge_report(folder, deployed, status, observed):
    outcome = repo.judge(check(**REPORT), facts(folders={".pf/readthis": folder}, deployed=deployed))
    assert outcome.status is status
    assert observed in outcome.observed


def test_report_not_empty_alone_needs_no_deploy_time():
    outcome = repo.judge(check(folder=".pf/readthis", not_empty=True),
                         facts(folders={".pf/readthis": Folder(["a.json"])}))
    assert outcome.status is Status.PASSED


def _stale_report_clone(tmp_path, app: str = "", report: str = "report.md",
                        report_date: str = "2021-01-01T00:00:00+00:00") -> Path:
    """A fresh clone (every file stamped with the checkout time) whose `<app>/.pf/readthis/<report>` was committed
    (dated 2021, unless told) in the parent of the deployed commit of 2025; returns the checkout folder (the app's,
    in a monorepo)."""
    import subprocess

    from opsverify_demo.components.repos import _git

    origin = tmp_path / "origin"
    folder = origin / app / ".pf" / "readthis"
    folder.mkdir(parents=True)
    (folder / report).write_text("old findings\n")
    _git(origin, "init", "-q")
    for what, date in (("an old report", report_date), ("the deploy", "2025-01-01T00:00:00+00:00")):
        if what == "the deploy":
            (origin / "deployed.txt").write_text("deployed\n")
        _git(origin, "add", "-A", date=date)
        _git(origin, "commit", "-q", "-m", what, date=date)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True, timeout=30,
                   env=repo.git_env())
    return clone / app


def _report_outcome(checkout: Path):
    source = Checkout(checkout)
    return repo.judge(check(**REPORT), facts(folders=source.list_folders([".pf/readthis"]), deployed=source.deployed()))


def test_a_committed_report_is_as_old_as_its_commit_in_a_fresh_clone(tmp_path):
    """A CI clone stamps every file with the time it was checked out: a report committed long before the
    deploy must not read as newer than it. A report written into the checkout afterwards (untracked) is."""
    import os

    checkout = _stale_report_clone(tmp_path)
    stale = _report_outcome(checkout)
    assert stale.status is Status.FAILED, stale
    assert "newest report file report.md was committed (commit " in stale.observed
    assert "2021-01-01T00:00:00Z, not after the deployed commit" in stale.observed

    (checkout / ".pf" / "readthis" / "fresh.md").write_text("this deploy's findings\n")  # the auditor ran after it
    os.utime(checkout / ".pf" / "readthis" / "fresh.md", (1_800_000_000, 1_800_000_000))
    fresh = _report_outcome(checkout)
    assert fresh.status is Status.PASSED and fresh.observed.startswith("fresh.md modified 2027-01-15"), fresh
    assert fresh.evidence["newest_time_from"] == "file time"


@pytest.mark.parametrize("app, report", [("", "prüfung.json"), ("apps/web", "report.md"), ("", 'audit "q".md'),
                                         ("", "tab\tname.md"), ("", "back\\slash.md"), ("", "audit\n2020.md")],
                         ids=["name-git-would-quote", "checkout-inside-a-monorepo", "a-quote-git-c-quotes",
                              "a-tab-git-c-quotes", "a-backslash-git-c-quotes", "a-line-break"])
def test_a_committed_report_is_dated_by_its_commit_however_its_path_is_written(tmp_path, app, report):
    """git quotes a non-ASCII name unless told not to, and writes paths from the repository's top: a checkout of a
    monorepo's app folder holds them under another prefix. Neither may turn a stale committed report new."""
    import os

    checkout = _stale_report_clone(tmp_path, app, report)
    stale = _report_outcome(checkout)
    assert stale.status is Status.FAILED and f"{report} was committed (commit " in stale.observed, stale
    folder = checkout / ".pf" / "readthis"
    (folder / "today.md").write_text("this deploy's findings\n")  # written in the checkout after the deploy
    os.utime(folder / "today.md", (1_800_000_000, 1_800_000_000))
    (folder / report).write_text("edited\n")  # the committed report edited in the checkout: its own time now
    os.utime(folder / report, (1_900_000_000, 1_900_000_000))
    later = _report_outcome(checkout)
    assert later.status is Status.PASSED and later.observed.startswith(f"{report} modified 2030-03-17"), later
    assert Checkout(checkout).list_folders([".pf/readthis"])[".pf/readthis"].files == sorted([report, "today.md"])


def test_deploy_time_of_a_folder_that_is_no_git_checkout(tmp_path):
    with pytest.raises(GatherError, match="cannot read HEAD"):
        Checkout(tmp_path).deployed()


# -- GitHub contents API ---------------------------------------------------------------------------
GITHUB_REPOS = {
    "acme/sora-studio": {
        ".github/workflows/poller-cron.yml": MANUAL,
        ".pf/readthis": ["summary.json", "patterns_chunk01.json"],
    },
    "acme/cheersai": {"vercel.json": '{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}]}'},
    # every key J14's per_key names: one the file lacks fails the item
    "acme/joslyn-ai": {".env.example": "API_JWT_SECRET=\nNEXTAUTH_SECRET=\nNEXTAUTH_URL=\nJOSLYN_API_ORIGIN=\n"
                                       "API_URL=\nREDIS_URL=\nINTERNAL_API_KEY=\n"},
}
TOKEN = "ghp_demoTokenThatMustNeverLeak0123456789"
REF = "3f2c1d0e9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2"


def github_app(repos: dict, seen: list, refs: tuple[str, ...] = (REF,)) -> Starlette:
    """Answers like GET /repos/{owner}/{repo}/contents/{path}?ref=: a file's base64 content, a folder's entries —
    and, like GitHub, 404 for anything of a repo it lacks or a ref not in `refs`; GET /repos/{owner}/{repo}/commits/
    {ref} with the SHA media type: the commit's SHA, 404 for an unknown repo, 422 for an unknown ref."""

    async def commit(request: Request):
        owner, name, ref = (request.path_params[k] for k in ("owner", "repo", "ref"))
        seen.append((request.method, f"{owner}/{name}", f"commits/{ref}", None,
                     request.headers.get("authorization"), request.headers.get("accept")))
        if name == "no-contents":  # a fine-grained token without Contents: read, as GitHub refuses it
            return JSONResponse({"message": "Resource not accessible by personal access token"}, status_code=403,
                                headers={"x-accepted-github-permissions": "contents=read"})
        if name == "spent":  # a rate limit spent: GitHub's 403 with none remaining
            return JSONResponse({"message": "API rate limit exceeded for user ID 1."}, status_code=403,
                                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000"})
        if f"{owner}/{name}" not in repos:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if ref not in refs:
            return JSONResponse({"message": f"No commit found for SHA: {ref}"}, status_code=422)
        return PlainTextResponse(hashlib.sha1(ref.encode()).hexdigest())

    async def contents(request: Request) -> JSONResponse:
        owner, name, path = (request.path_params[k] for k in ("owner", "repo", "path"))
        seen.append((request.method, f"{owner}/{name}", path, request.query_params.get("ref"),
                     request.headers.get("authorization"), request.headers.get("accept")))
        if request.query_params.get("ref") not in refs:
            return JSONResponse({"message": f"No commit found for the ref {request.query_params.get('ref')}"},
                                status_code=404)
        entry = repos.get(f"{owner}/{name}", {}).get(path)
        if isinstance(entry, str):
            data = entry.encode()
            return JSONResponse({
                "type": "file", "encoding": "base64", "size": len(data), "name": path.rsplit("/", 1)[-1],
                "path": path, "content": base64.encodebytes(data).decode(),  # GitHub wraps lines too
                "sha": hashlib.sha1(data).hexdigest(),
            })
        if isinstance(entry, list):  # a name ending in "/" is a subfolder's, "@" a submodule's, "%" a submodule
            kinds = {"/": "dir", "@": "submodule"}  # listed as GitHub lists one: a "file" without a download_url
            return JSONResponse([{"type": kinds.get(n[-1], "file"), "name": n.rstrip("/@%"),
                                  "path": f"{path}/{n.rstrip('/@%')}", "size": 10,
                                  **({"download_url": None, "git_url": f"https://api.github.com/repos/o/v/git/trees/"
                                                                       f"{REF}"} if n.endswith("%") else {})}
                                 for n in entry])
        return JSONResponse({"message": "Not Found"}, status_code=404)

    return Starlette(routes=[Route("/repos/{owner}/{repo}/contents/{path:path}", contents),
                             Route("/repos/{owner}/{repo}/commits/{ref}", commit)])


@pytest.fixture
def github(tmp_path, monkeypatch):
    seen: list = []
    host = WebHost()
    url = host.add("github", github_app(GITHUB_REPOS, seen))
    host.start()
    env_dir = tmp_path / "environments"
    env_dir.mkdir()
    services = {}
    for service, names in {"web": ["API_JWT_SECRET", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "JOSLYN_API_ORIGIN"],
                           "api": ["API_JWT_SECRET", "REDIS_URL",
                                                                              "INTERNAL_API_KEY"],
                           "worker": ["API_JWT_SECRET", "REDIS_URL", "INTERNAL_API_KEY", "API_URL"]}.items():
        (tmp_path / f"{service}.env").write_text("".join(f"{n}=value-{n}\n" for n in names))
        services[service] = f'{{env: {{dotenv: "{tmp_path / f"{service}.env"}"}}}}'
    monkeypatch.setenv("GH_URL", url)
    monkeypatch.setenv("GH_TOKEN", TOKEN)

    def write(token: str = "${GH_TOKEN}", ref: str = REF, owner: str = "acme") -> Path:
        lines = ["name: gh", "systems:"]
        for system in ("sora-studio", "cheersai", "joslyn-ai"):
            lines += [f"  {system}:", "    providers:",
                      f'      github: {{base_url: "${{GH_URL}}", token: "{token}", repo: {owner}/{system}, ref: {ref}}}']
        lines += ["    services:"] + [f"      {s}: {v}" for s, v in services.items()]
        (env_dir / "gh.yaml").write_text("\n".join(lines) + "\n")
        return env_dir

    try:
        yield SimpleNamespace(seen=seen, write=write, repos=GITHUB_REPOS, url=url)
    finally:
        host.stop()


def run_github(env_dir: Path, ids: list[str]):
    env = load_environment(env_dir, "gh")
    checks = [c for i in ids for c in by_id(i)]
    run = Run(env)
    try:
        outcomes = run.evaluate(checks)
    finally:
        run.close()
    return {c.id: (c, outcomes[f"{c.system}:{c.key}"]) for c in checks}


def test_github_source_reads_files_of_the_deployed_ref(github):
    results = run_github(github.write(), ["S1", "S7", "C3", "J14"])
    status = {i: o.status for i, (c, o) in results.items()}
    assert status == {"S1": Status.PASSED, "C3": Status.PASSED, "J14": Status.PASSED, "S7": Status.SKIPPED}
    assert "needs a local checkout" in results["S7"][1].observed
    assert results["S1"][1].evidence["source"] == f"GitHub acme/sora-studio@{REF}"
    # GET only, at the deployed ref, with the token as a bearer header and GitHub's media type (the ref's commit:
    # its SHA alone)
    contents = [s for s in github.seen if not s[2].startswith("commits/")]
    assert {(m, r, a, accept) for m, _, _, r, a, accept in contents} == {
        ("GET", REF, f"Bearer {TOKEN}", "application/vnd.github+json")}
    assert {(repo_name, path) for _, repo_name, path, *_ in contents} == {
        ("acme/sora-studio", ".github/workflows/poller-cron.yml"), ("acme/sora-studio", ".pf/readthis"),
        ("acme/cheersai", "vercel.json"), ("acme/joslyn-ai", ".env.example")}
    assert sorted((m, name, path, a, accept) for m, name, path, _, a, accept in github.seen if (m, name, path)
                  not in {(m, n, p) for m, n, p, *_ in contents}) == [
        ("GET", f"acme/{system}", f"commits/{REF}", f"Bearer {TOKEN}", "application/vnd.github.sha")
        for system in ("cheersai", "joslyn-ai", "sora-studio")]  # once per repo, whatever it reads
    assert all(TOKEN not in repr(o) for _, o in results.values())


def test_github_source_missing_file_fails_naming_the_ref(github, monkeypatch):
    monkeypatch.setitem(github.repos, "acme/cheersai", {})
    monkeypatch.setitem(github.repos, "acme/sora-studio", {})
    results = run_github(github.write(), ["C3", "S7"])
    c3, s7 = results["C3"][1], results["S7"][1]
    assert c3.status is Status.FAILED and c3.observed == f"vercel.json not found in GitHub acme/cheersai@{REF}"
    assert s7.status is Status.FAILED and s7.observed == ".pf/readthis/ is missing"


@pytest.mark.parametrize("tree, listed", [
    ({".pf/readthis": ["2024/"], ".pf/readthis/2024": ["report.md"]}, ["2024/report.md"]),
    ({".pf/readthis": ["a.md", "2024/", ".cache/"], ".pf/readthis/2024": ["q1/"], ".pf/readthis/2024/q1": ["r.md"],
      ".pf/readthis/.cache": ["x"]}, ["2024/q1/r.md", "a.md"]),
    ({".pf/readthis": ["2024/"]}, "could not be listed"),  # a subfolder gone between the two answers
    ({".pf/readthis": ["vendored@"]}, ".pf/readthis/vendored is a submodule"),
    ({".pf/readthis": ["vendored%"]}, ".pf/readthis/vendored is a submodule"),  # GitHub's own listing of one
    ({".pf/readthis": ["a/"], ".pf/readthis/a": ["b/"], ".pf/readthis/a/b": ["c/"], ".pf/readthis/a/b/c": ["d/"],
      ".pf/readthis/a/b/c/d": ["e/"], ".pf/readthis/a/b/c/d/e": ["r.md"]}, "take more than 4 waves"),
], ids=["subfolder", "deeper", "subfolder-gone", "submodule", "submodule-listed-as-file", "too-many-waves"])
def test_a_folder_read_through_github_holds_its_subfolders_files_as_a_checkout_does(github, monkeypatch, tree,
                                                                                      listed):
    """The contents API lists one level: a report in .pf/readthis/2024/ had read as an empty folder through it (a
    failure, where a checkout of the same commit counts it)."""
    monkeypatch.setitem(github.repos, "acme/sora-studio", tree)
    settings = {"base_url": github.url, "token": TOKEN, "repo": "acme/sora-studio", "ref": REF}
    target = make_plain_target({"providers": {"github": settings}})
    try:
        folder = repo.GitHubContents(target, target.config.providers["github"]).list_folders([".pf/readthis"])
    finally:
        target.close()
    got = folder[".pf/readthis"]
    if isinstance(listed, str):
        assert isinstance(got, GatherError) and listed in str(got), got
    else:
        assert got.files == listed and all(name.startswith(".cache/") for name in got.hidden), got


def test_github_token_written_into_the_file_is_refused_at_load(github):
    with pytest.raises(ConfigError) as raised:
        run_github(github.write(token="ghp_literalTokenInTheFile0000"), ["S1", "C3"])
    assert raised.value.exit_code == 20 and "\n" not in raised.value.message
    assert ("systems.sora-studio.providers.github.token must be a ${VAR} reference: a token written in the file "
            "would be committed") in raised.value.message
    assert "ghp_literalTokenInTheFile0000" not in raised.value.message
    assert github.seen == []


@pytest.mark.parametrize("ref, owner, said", [
    ("deadbeef", "acme", "answered 422: No commit found for SHA: deadbeef"),
    (REF, "someone-else", "answered 404: Not Found"),  # a wrong repo, or a private one the token cannot see
], ids=["wrong-ref", "repo-not-visible"])
def test_github_404_for_a_repo_or_ref_it_cannot_read_is_an_error_not_a_missing_file(github, ref, owner, said):
    results = run_github(github.write(ref=ref, owner=owner), ["S1", "C3", "S7"])
    for check, outcome in results.values():
        if check.id == "S7":
            continue  # needs a local checkout: skipped
        assert outcome.status is Status.ERROR, outcome
        assert f"repo {owner}/{check.system} at ref {ref} is not readable with this token (GET commits/{ref} " \
               f"{said}) — check repo, ref and token (Contents: read" in outcome.observed


@pytest.mark.parametrize("repo, said", [
    ("no-contents", "answered 403: Resource not accessible by personal access token — the token may not read the "
                    "repository's files: give it Contents: read (fine-grained token; a classic token: the repo scope "
                    "for a private repository) — GitHub's x-accepted-github-permissions: contents=read"),
    ("spent", "answered 403, rate-limited (API rate limit exceeded for user ID 1.); the limit resets at 2030-03-17"),
])
def test_github_refusing_the_token_names_the_permission_it_needs_or_the_rate_limit(github, monkeypatch, repo, said):
    """GitHub's 403 for a token that may not read contents says what to give it; a spent rate limit is said as one."""
    env_dir = github.write()
    text = (env_dir / "gh.yaml").read_text()
    (env_dir / "gh.yaml").write_text(re.sub(r"repo: acme/[a-z-]+", f"repo: acme/{repo}", text))
    for check, outcome in run_github(env_dir, ["S1"]).values():
        assert outcome.status is Status.ERROR, outcome
        assert f"GitHub acme/{repo}@{REF}: GET commits/{REF} {said}" in outcome.observed, outcome.observed


def test_github_file_too_large_for_the_answer_is_said_so(github, monkeypatch):
    """A file the contents API still sends (up to 1 MB) is read whole; its answer is larger than an HTTP item's."""
    crons = [{"path": f"/api/cron/job-{n:04d}", "schedule": "* * * * *"} for n in range(1500)]
    text = json.dumps({"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}, *crons]})
    assert len(text) > 80_000
    monkeypatch.setitem(github.repos, "acme/cheersai", {"vercel.json": text})
    assert run_github(github.write(), ["C3"])["C3"][1].status is Status.PASSED
    monkeypatch.setitem(github.repos, "acme/cheersai", {"vercel.json": "x" * (repo.MAX_FILE_BYTES + 10)})
    outcome = run_github(github.write(), ["C3"])["C3"][1]
    assert outcome.status is Status.ERROR and "larger than" in outcome.observed, outcome


def test_github_unreachable_is_an_error(github, monkeypatch):
    monkeypatch.setenv("GH_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    results = run_github(github.write(), ["S1"])
    assert results["S1"][1].status is Status.ERROR
    assert "could not read .github/workflows/poller-cron.yml: no answer" in results["S1"][1].observed


# -- the demo's checkouts -------------------------------------------------------------------------
REPO_CHECKS = [c for c in by_id("S1") + by_id("S7") + by_id("C3") + by_id("J14") + by_id("B4")]


def test_healthy_demo_checkouts_pass(demo):
    results = evaluate(demo, REPO_CHECKS)
    assert {c.id: o.status for c, o in results.values()} == dict.fromkeys(["S1", "S7", "C3", "J14", "B4"],
                                                                             Status.PASSED)
    s7 = results["sora-studio:S7-auditor-report"][1].evidence
    # fixed facts, whatever the checkout time of this clone
    assert (s7["newest_modified"], s7["deployed_committed"]) == ("2025-03-03T11:30:00Z", "2025-03-03T09:00:00Z")


@pytest.mark.parametrize("fault, key, seen", [
    ("poller-schedule-restored", "sora-studio:S1-poller-manual-only",
     ".github/workflows/poller-cron.yml has a schedule trigger"),
    ("vercel-cron-removed", "cheersai:C3-vercel-cron-every-minute", "no cron for /api/cron/publish in vercel.json"),
    ("env-example-key-unset", "joslyn-ai:J14-env-matches-example", "NEXTAUTH_URL is not set on web"),
    ("auditor-report-missing", "sora-studio:S7-auditor-report", ".pf/readthis/ is empty"),
    ("auditor-report-stale", "sora-studio:S7-auditor-report",
     "newest report file summary.json was modified 2025-03-03T11:30:00Z, not after the deployed commit"),
])
def test_demo_fault_fails_with_item_expected_and_seen(demo, fault, key, seen):
    sources = {p: p.read_bytes() for p in (ROOT / "opsverify_demo" / "repos").rglob("*") if p.is_file()}
    demo.apply(fault)
    results = evaluate(demo, REPO_CHECKS)
    check, outcome = results[key]
    assert outcome.status is Status.FAILED
    text = message(check, outcome)
    assert text.startswith(f"{check.key} {check.title}: expected {outcome.expected}; saw ")
    assert seen in text
    # faults edit the deployment's copies, never the source tree
    assert {p: p.read_bytes() for p in (ROOT / "opsverify_demo" / "repos").rglob("*") if p.is_file()} == sources


def test_a_checkout_gone_since_the_environment_loaded_is_its_items_error_not_the_runs(tmp_path):
    """The load refuses a repo that is not a folder; one removed after that is a could-not-look of the items
    needing it — every other item is still judged, and nothing crashes."""
    from opsverify.environment import Environment, EnvironmentModel
    from .kit import make_check

    model = EnvironmentModel.model_validate({"name": "test", "systems": {"joslyn-ai": {
        "repo": str(tmp_path / "gone"), "database": "postgresql://checker@127.0.0.1:1/x"}}})
    run = Run(Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=()))
    try:
        checks = [make_check("migrations", {"tool": "rails", "from_repo": "db/migrate"}, name="wf"),
                  make_check("env", {"service": "web", "required": ["A"]}, name="env")]
        results = run.evaluate(checks)
    finally:
        run.close()
    wf, env = (results[f"joslyn-ai:{c.key}"] for c in checks)
    assert wf.status is Status.ERROR and "is not a directory" in wf.observed, wf
    assert env.status is Status.SKIPPED, env  # judged as ever: no service configured


def test_githubs_words_cut_in_a_secret_are_masked_where_they_are_cut():
    """A refusal's body quoted by its start ends in "…" where it is cut: a token echoed across the cut is masked."""
    from types import SimpleNamespace

    from opsverify.secrets import Redactor

    token = "ghp_CnRyTok3nQ2xW9zLmP4vB8nR"
    reply = SimpleNamespace(json=lambda: {}, text="Bad credentials for " + "x" * 130 + token)
    redactor = Redactor()
    redactor.add_declared(token)
    assert token[:8] not in redactor.text(f"GitHub refused: {repo._said(reply)} (401)")


# -- .env.example: read as the env family reads env files -------------------------------------------------------
SPLIT_ENV = "SESSION_SECRET=\"   \"\n'STRIPE_SECRET_KEY'=sk-Zq8Tn4mP2vR9\nSMTP_PASS=`Hq7Wd2\nKp9`\nOTHER=1\n"
KEYS = "SESSION_SECRET=\nSTRIPE_SECRET_KEY=\nSMTP_PASS=\nOTHER=\n"


def _web(text: str):
    return envsource.parse_dotenv(text, "web.env")


def test_a_key_blank_or_read_two_ways_on_a_service_is_not_set():
    """A blank value is unset, as for env's `required`; a name Node's dotenv reads otherwise (a quoted name, a
    backtick value over lines) cannot be judged, and the failure says so too."""
    outcome = repo.judge(check(file=".env.example", services=["web"]),
                         facts(files={".env.example": KEYS}, env={"web": _web(SPLIT_ENV)}))
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("SESSION_SECRET is not set on web; and 2 could not be judged: "), outcome
    assert "SMTP_PASS on web is read two ways (web.env line 3: a backtick-quoted value" in outcome.observed
    assert "STRIPE_SECRET_KEY on web is read two ways (web.env line 2: a quoted name" in outcome.observed
    assert "Zq8Tn4" not in repr(outcome) and "Hq7Wd2" not in repr(outcome)


def test_a_key_read_two_ways_alone_is_an_error():
    outcome = repo.judge(check(file=".env.example", services=["web"]),
                         facts(files={".env.example": "SMTP_PASS=\nOTHER=\n"}, env={"web": _web(SPLIT_ENV)}))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: SMTP_PASS on web is read two ways (web.env line 3")


def test_an_example_line_that_cannot_be_parsed_is_an_error_naming_it():
    """python-dotenv drops `STRIPE_SECRET_KEY="sk_test_replace_me` with a log line: the item passed on the keys left."""
    example = 'SESSION_SECRET=\nSTRIPE_SECRET_KEY="sk_test_replace_me\nOTHER=\n'
    outcome = repo.judge(check(file=".env.example", services=["web"]),
                         facts(files={".env.example": example}, env={"web": _web("SESSION_SECRET=x\nOTHER=1\n")}))
    assert outcome.status is Status.ERROR, outcome
    assert "line 2 cannot be parsed (an unclosed quote?); fix that line" in outcome.observed
    assert ".env.example in checkout /srv/app" in outcome.observed and "sk_test" not in outcome.observed


def test_an_example_key_only_node_reads_is_a_key_too():
    """U+2028 ends a line for Node's dotenv: the key after it is one a Node service reads from the example."""
    outcome = repo.judge(check(file=".env.example", services=["web"]),
                         facts(files={".env.example": "A=\n# note\u2028B=\n"}, env={"web": _web("A=1\n")}))
    assert outcome.status is Status.FAILED and outcome.observed == "B is not set on web", outcome


# -- a folder written another way, a typo in per_key, a folder of placeholders, nesting, skewed dates ----------------
@pytest.mark.parametrize("written", ["./.pf/readthis", ".pf//readthis", ".pf/./readthis", ".pf/readthis/"])
def test_a_report_folder_is_judged_alike_however_its_path_is_written(tmp_path, written):
    """git prints paths normalized: a folder written `./.pf/readthis` matched none of them, and every committed file
    fell back to its checkout time — a stale report read as new in every fresh clone."""
    from opsverify.engine import gather_and_judge
    from .kit import make_check, make_target

    checkout = _stale_report_clone(tmp_path)
    item = make_check("repo", {"folder": written, "not_empty": True, "newer_than_deploy": True})
    (outcome,) = gather_and_judge(make_target({"repo": str(checkout)}), repo, [item])
    assert outcome.status is Status.FAILED, outcome
    assert "newest report file report.md was committed (commit " in outcome.observed
    assert outcome.observed.endswith("not after the deployed commit " + outcome.evidence["deployed_commit"][:12]
                                     + " of 2025-01-01T00:00:00Z"), outcome


def test_a_service_named_only_in_per_key_is_one_the_item_uses(tmp_path):
    """The docs' own example, `per_key: {API_URL: [worker]}`: an environment giving worker an env source was refused
    ("services.worker: unknown service")."""
    from opsverify.target import services_named
    from .kit import make_check

    item = make_check("repo", {"file": ".env.example", "services": ["api"], "per_key": {"API_URL": ["worker"]}})
    assert services_named(item.params) == {"api", "worker"}
    (tmp_path / "test.yaml").write_text(
        "name: test\nsystems:\n  joslyn-ai:\n    repo: .\n    services:\n"
        f"      api: {{env: {{dotenv: {tmp_path / 'api.env'}}}}}\n"
        f"      worker: {{env: {{dotenv: {tmp_path / 'worker.env'}}}}}\n")
    env = load_environment(tmp_path, "test", checks=[item])
    assert set(env.model.systems["joslyn-ai"].services) == {"api", "worker"}


@pytest.mark.parametrize("per_key, seen", [
    ({"API_ULR": ["worker"]}, "per_key names API_ULR (did you mean API_URL?), which .env.example does not list"),
    ({"SENTRY_DSN": ["worker"], "QUEUE": ["api"]},
     "per_key names QUEUE, SENTRY_DSN, which .env.example does not list"),
])
def test_a_per_key_key_the_file_lacks_fails_naming_it(per_key, seen):
    """A key misspelt in per_key was never judged: the item passed on the other keys."""
    item = check(file=".env.example", services=["api"], per_key=per_key)
    env = {"api": {"API_URL": "https://x", "API_KEY": "k"}, "worker": {"API_URL": "https://x"}}
    outcome = repo.judge(item, facts(files={".env.example": "API_URL=\nAPI_KEY=\n"}, env=env))
    assert outcome.status is Status.FAILED, outcome
    assert seen in outcome.observed, outcome
    assert "per_key's keys in .env.example" in outcome.expected


@pytest.mark.parametrize("hidden", [[".gitkeep"], [".gitkeep", ".DS_Store"]])
def test_a_folder_of_placeholders_only_is_empty(tmp_path, hidden):
    """`.gitkeep` keeps an empty folder in git: it is no report."""
    folder = tmp_path / ".pf" / "readthis"
    folder.mkdir(parents=True)
    for name in hidden:
        (folder / name).write_text("")
    item = check(folder=".pf/readthis", not_empty=True)
    outcome = repo.judge(item, facts(folders=Checkout(tmp_path).list_folders([".pf/readthis"])))
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == f".pf/readthis/ is empty (saw only {', '.join(sorted(hidden))})", outcome
    (folder / "summary.json").write_text("{}")
    outcome = repo.judge(item, facts(folders=Checkout(tmp_path).list_folders([".pf/readthis"])))
    assert outcome.status is Status.PASSED and outcome.evidence["files"] == ["summary.json"], outcome


def test_a_hidden_file_does_not_date_the_report(tmp_path):
    """A `.DS_Store` written today beside a stale committed report would make the report look new."""
    import os

    checkout = _stale_report_clone(tmp_path)
    (checkout / ".pf" / "readthis" / ".DS_Store").write_text("")
    os.utime(checkout / ".pf" / "readthis" / ".DS_Store", (1_800_000_000, 1_800_000_000))
    outcome = _report_outcome(checkout)
    assert outcome.status is Status.FAILED and "report.md was committed (commit " in outcome.observed, outcome


def test_github_folder_of_placeholders_only_is_empty(github, monkeypatch):
    monkeypatch.setitem(github.repos, "acme/sora-studio", {".pf/readthis": [".gitkeep"]})
    monkeypatch.setitem(github.repos, "acme/cheersai", {})
    item = check(folder=".pf/readthis", not_empty=True)
    from .kit import make_target

    target = make_target({"providers": {"github": {"base_url": github.url, "repo": "acme/sora-studio", "ref": REF}}})
    try:
        folders = repo.source(target).list_folders([".pf/readthis"])
    finally:
        target.close()
    outcome = repo.judge(item, facts(folders=folders))
    assert outcome.status is Status.FAILED and outcome.observed == ".pf/readthis/ is empty (saw only .gitkeep)", outcome


def _recurses(text: str):
    raise RecursionError("maximum recursion depth exceeded")


@pytest.mark.parametrize("params, text", [
    (WORKFLOW, "on: [push]\n"),
    (CRONS, '{"crons": ' + "[" * 100_000 + "]" * 100_000 + "}"),
], ids=["workflow", "vercel.json"])
def test_a_file_nested_deeper_than_it_can_be_read_is_an_error_naming_it(params, text, monkeypatch):
    """Python's parsers recurse: without this, an unnamed "internal error while judging: RecursionError"."""
    if params is WORKFLOW:  # libyaml refuses such depth itself; PyYAML's pure-Python loader, used without it, recurses
        monkeypatch.setattr(repo, "read_workflow", _recurses)
    outcome = repo.judge(check(**params), facts(files={params["file"]: text}))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == f"could not read {params['file']}: it is nested too deeply to read", outcome


def test_a_committed_date_after_the_deployed_commits_is_no_evidence(tmp_path):
    """A report committed in the deployed history is part of it, never newer, whatever its committer date says: a
    date of 2031 on an ancestor of a 2025 commit is a clock that was wrong, not a report written after the deploy."""
    import os

    checkout = _stale_report_clone(tmp_path, report_date="2031-01-01T00:00:00+00:00")
    outcome = _report_outcome(checkout)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("newest report file report.md was committed (commit "), outcome
    assert ("2031-01-01T00:00:00Z, a date after the deployed commit's own (2025-01-01T00:00:00Z) that cannot be "
            "trusted: a file of the deployed commit's history is not newer than it") in outcome.observed, outcome
    assert outcome.evidence["committed_after_deploy"] is True
    # a file written in the checkout after the deploy is the report: judged by its own time
    (checkout / ".pf" / "readthis" / "today.md").write_text("this deploy's findings\n")
    os.utime(checkout / ".pf" / "readthis" / "today.md", (1_800_000_000, 1_800_000_000))
    fresh = _report_outcome(checkout)
    assert fresh.status is Status.PASSED and fresh.observed.startswith("today.md modified 2027-01-15"), fresh
    # ... but not one written before it
    os.utime(checkout / ".pf" / "readthis" / "today.md", (1_600_000_000, 1_600_000_000))
    stale = _report_outcome(checkout)
    assert stale.status is Status.FAILED and "today.md, written in the checkout, was modified 2020-09-13" \
        in stale.observed, stale


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("text, reason", [
    ("on:\n" + JOBS, "`on:` is empty"),
    ("on: workflow_dispatch\njobs:\n  1:\n    runs-on: x\n", "job id `1` is not one GitHub takes"),
    ("on: workflow_dispatch\njobs:\n  -poll:\n    runs-on: x\n", "job id `-poll` is not one GitHub takes"),
    ("on: workflow_dispatch\njobs:\n  poll.now:\n    runs-on: x\n", "job id `poll.now` is not one GitHub takes"),
])
def test_an_empty_on_or_a_job_id_github_refuses_is_named(ask, text, reason):
    outcome = repo.judge(check(file=WF, **ask), facts(files={WF: text}))
    assert outcome.status is Status.FAILED, outcome.observed
    assert reason in outcome.observed and "NoneType" not in outcome.observed, outcome.observed


def test_job_ids_github_takes_pass():
    text = ("on: workflow_dispatch\njobs:\n  _poll-2:\n    runs-on: x\n    steps: [{run: x}]\n  Build_x:\n"
            "    runs-on: x\n    steps: [{run: x}]\n")
    outcome = repo.judge(check(file=WF, triggers_present=["workflow_dispatch"]), facts(files={WF: text}))
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_symbolic_link_in_the_checkout_is_not_the_commits_file(tmp_path):
    """git records a link as the name it points to: what it leads to on the runner's disk (maybe out of the checkout)
    is no file of the deployed commit. A workflow read through one, or a report folder's file, is never judged."""
    outside = tmp_path / "outside.yml"
    outside.write_text("on: [workflow_dispatch]\njobs: {a: {runs-on: ubuntu-latest, steps: [{run: x}]}}\n")
    checkout = tmp_path / "checkout"
    (checkout / ".github" / "workflows").mkdir(parents=True)
    (checkout / ".github" / "workflows" / "out.yml").symlink_to(outside)
    (checkout / "linked").symlink_to(tmp_path, target_is_directory=True)
    read = Checkout(checkout).read_files([".github/workflows/out.yml", "linked/outside.yml"])
    for path, said in ((".github/workflows/out.yml", ".github/workflows/out.yml is a symbolic link"),
                       ("linked/outside.yml", "linked is a symbolic link")):
        assert isinstance(read[path], GatherError) and said in str(read[path]), read
    outcome = repo.judge(check(file=".github/workflows/out.yml", triggers_present=["workflow_dispatch"]),
                         facts(files=read))
    assert outcome.status is Status.ERROR, outcome
    folder = checkout / ".pf" / "readthis"
    folder.mkdir(parents=True)
    (folder / "report.md").symlink_to(outside)
    (folder / "more").symlink_to(tmp_path, target_is_directory=True)
    listed = Checkout(checkout).list_folders([".pf/readthis"])[".pf/readthis"]
    assert listed.files == [], listed  # neither the linked file nor the linked folder's files


def test_a_file_the_checkout_holds_otherwise_than_its_commit_is_not_judged(tmp_path):
    """An uncommitted edit (the schedule removed on disk, still in the deployed commit) had passed
    `triggers_absent: [schedule]`: the file on disk is not the commit's. So are a file added and one deleted."""
    from opsverify_demo.components.repos import _git

    checkout = tmp_path / "app"  # a folder inside the repository (a monorepo's app): paths from its top
    workflows = checkout / ".github" / "workflows"
    workflows.mkdir(parents=True)
    jobs = "jobs: {a: {runs-on: x, steps: [{run: x}]}}\n"
    (workflows / "dirty.yml").write_text("on: {schedule: [{cron: '0 5 * * *'}]}\n" + jobs)
    (workflows / "gone.yml").write_text("on: [push]\n" + jobs)
    (workflows / "clean.yml").write_text("on: [push]\n" + jobs)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    (workflows / "dirty.yml").write_text("on: workflow_dispatch\n" + jobs)
    (workflows / "gone.yml").unlink()
    (workflows / "new.yml").write_text("on: [push]\n")
    paths = [f".github/workflows/{name}.yml" for name in ("dirty", "gone", "new", "clean")]
    read = Checkout(checkout).read_files(paths)
    for path in paths[:3]:
        assert isinstance(read[path], GatherError) and "differs in the checkout from the commit" in str(read[path])
    assert isinstance(read[paths[3]], str), read
    outcome = repo.judge(check(file=paths[0], triggers_absent=["schedule"]), facts(files=read))
    assert outcome.status is Status.ERROR, outcome


def _committed_workflow(tmp_path: Path) -> tuple[Path, Path]:
    """A checkout whose commit holds poll.yml with a schedule; (the checkout, poll.yml)."""
    from opsverify_demo.components.repos import _git

    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    poll = workflows / "poll.yml"
    poll.write_text("on: {schedule: [{cron: '0 5 * * *'}]}\njobs: {a: {runs-on: x, steps: [{run: x}]}}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    return tmp_path, poll


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_an_edit_the_index_is_told_to_overlook_is_still_not_the_commits(tmp_path, flag):
    """git status trusts the index's flags: an edit of a file marked so read clean, and was judged as deployed."""
    from opsverify_demo.components.repos import _git

    checkout, poll = _committed_workflow(tmp_path)
    _git(checkout, "update-index", flag, ".github/workflows/poll.yml")
    poll.write_text("on: workflow_dispatch\njobs: {a: {runs-on: x, steps: [{run: x}]}}\n")
    read = Checkout(checkout).read_files([".github/workflows/poll.yml"])[".github/workflows/poll.yml"]
    assert isinstance(read, GatherError) and "differs in the checkout from the commit" in str(read), read


def test_an_ignored_file_the_commit_does_not_hold_is_not_the_deployed_file(tmp_path):
    """git status lists no ignored file: one only on disk was judged as the deployed file (a schedule passed)."""
    checkout, _ = _committed_workflow(tmp_path)
    (checkout / ".git" / "info" / "exclude").write_text("vercel.json\n.github/workflows/extra.yml\n")
    (checkout / "vercel.json").write_text('{"crons": [{"path": "/api/cron", "schedule": "0 5 * * *"}]}')
    (checkout / ".github" / "workflows" / "extra.yml").write_text("on: {schedule: [{cron: '0 5 * * *'}]}\n")
    read = Checkout(checkout).read_files(["vercel.json", ".github/workflows/extra.yml", ".github/workflows/poll.yml"])
    for path in ("vercel.json", ".github/workflows/extra.yml"):
        assert isinstance(read[path], GatherError) and "untracked or ignored" in str(read[path]), read
    assert isinstance(read[".github/workflows/poll.yml"], str), read


def test_a_file_of_a_repository_nested_in_the_checkout_is_not_the_commits(tmp_path):
    """A submodule's (or any nested repository's) files are none of the checkout's commit."""
    from opsverify_demo.components.repos import _git

    checkout, _ = _committed_workflow(tmp_path / "top")
    nested = checkout / "app"
    (nested / ".github" / "workflows").mkdir(parents=True)
    (nested / ".github" / "workflows" / "poll.yml").write_text("on: [push]\n")
    _git(nested, "init", "-q")
    _git(nested, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(nested, "commit", "-q", "-m", "app", date="2025-01-01T00:00:00+00:00")
    read = Checkout(checkout).read_files(["app/.github/workflows/poll.yml"])["app/.github/workflows/poll.yml"]
    assert isinstance(read, GatherError), read


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the checkout away")
def test_a_checkout_git_refuses_is_an_error_not_read_as_it_is(tmp_path):
    """A checkout another user owns: git refuses it ("dubious ownership"), which had read as no git checkout, and an
    uncommitted edit was judged."""
    checkout, poll = _committed_workflow(tmp_path / "owned")
    poll.write_text("on: workflow_dispatch\njobs: {a: {runs-on: x, steps: [{run: x}]}}\n")
    for folder, _, names in os.walk(checkout):
        os.chown(folder, 65534, 65534)
        for name in names:
            os.chown(Path(folder) / name, 65534, 65534)
    read = Checkout(checkout).read_files([".github/workflows/poll.yml"])[".github/workflows/poll.yml"]
    assert isinstance(read, GatherError), read
    assert "dubious ownership" in str(read), read


def test_a_checkout_named_by_a_relative_path_is_read_from_there(tmp_path, monkeypatch):
    """`repo: app` in an environment file: a clean checkout had been an error (a path resolved twice)."""
    checkout, _ = _committed_workflow(tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    read = Checkout(Path("app")).read_files([".github/workflows/poll.yml"])[".github/workflows/poll.yml"]
    assert isinstance(read, str) and "schedule" in read, read


@pytest.mark.parametrize("attributes", ["* text=auto\n", ""], ids=["text-auto", "autocrlf"])
def test_a_clean_checkout_of_a_file_committed_with_crlf_is_clean(tmp_path, attributes):
    """A blob committed with CRLF, then `* text=auto` (or core.autocrlf): git reads the checkout clean, and so must
    the check (hashing the file anew normalised it, and a clean checkout had been an error)."""
    from opsverify_demo.components.repos import _git

    origin = tmp_path / "origin"
    (origin / ".github" / "workflows").mkdir(parents=True)
    (origin / ".github" / "workflows" / "wf.yml").write_bytes(b"on: push\r\njobs:\r\n  a:\r\n    runs-on: x\r\n")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(origin, "commit", "-q", "-m", "crlf", date="2025-01-01T00:00:00+00:00")
    if attributes:
        (origin / ".gitattributes").write_text(attributes)
        _git(origin, "add", "-A", date="2025-01-02T00:00:00+00:00")
        _git(origin, "commit", "-q", "-m", "attributes", date="2025-01-02T00:00:00+00:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", *([] if attributes else ["-c", "core.autocrlf=true"]), "clone", "-q", str(origin),
                    str(clone)], check=True, capture_output=True, timeout=30, env=repo.git_env())
    if not attributes:
        subprocess.run(["git", "-C", str(clone), "config", "core.autocrlf", "true"], check=True, env=repo.git_env())
    read = Checkout(clone).read_files([".github/workflows/wf.yml"])[".github/workflows/wf.yml"]
    assert isinstance(read, str), read


def test_a_folder_the_commit_holds_removed_from_the_checkout_is_an_error_not_missing(tmp_path):
    """Removed in the checkout (or left out of a sparse one), a committed report folder had failed as missing."""
    import shutil

    checkout = _stale_report_clone(tmp_path)
    shutil.rmtree(checkout / ".pf" / "readthis")
    listed = Checkout(checkout).list_folders([".pf/readthis", ".pf/never"])
    assert isinstance(listed[".pf/readthis"], GatherError), listed
    assert "the commit holds it" in str(listed[".pf/readthis"])
    assert listed[".pf/never"] is None, listed  # a folder the commit lacks is missing, as it was


def test_a_name_that_is_no_utf8_is_read_not_an_internal_error(tmp_path):
    checkout = _stale_report_clone(tmp_path)
    (checkout / ".pf" / "readthis" / "caf\udce9.md").write_text("new")  # b"caf\xe9.md" on disk
    listed = Checkout(checkout).list_folders([".pf/readthis"])[".pf/readthis"]
    assert not isinstance(listed, GatherError) and "caf\udce9.md" in listed.files, listed


def test_an_export_inside_another_repository_is_no_checkout_of_its_commit(tmp_path):
    """An app's files exported into an ignored folder of the verification project's own repository: that
    repository's HEAD had dated the deploy (and a stale report passed)."""
    from opsverify_demo.components.repos import _git

    ops = tmp_path / "ops"
    ops.mkdir()
    (ops / ".gitignore").write_text("checkouts/\n")
    _git(ops, "init", "-q")
    _git(ops, "add", "-A", date="2023-01-01T00:00:00+00:00")
    _git(ops, "commit", "-q", "-m", "ops", date="2023-01-01T00:00:00+00:00")
    export = ops / "checkouts" / "app" / ".pf" / "readthis"
    export.mkdir(parents=True)
    (export / "report.md").write_text("old findings\n")
    checkout = Checkout(ops / "checkouts" / "app")
    with pytest.raises(GatherError, match="lies inside a git repository whose commit does not hold it"):
        checkout.deployed()
    assert isinstance(checkout.list_folders([".pf/readthis"])[".pf/readthis"], GatherError)


def test_a_report_of_a_submodule_or_a_nested_repository_cannot_be_dated_by_its_checkout(tmp_path):
    """Files git neither tracks nor lists (a clean submodule's, a nested repository's) had been dated by their
    checkout time: a stale report read as new."""
    from opsverify_demo.components.repos import _git

    checkout = _stale_report_clone(tmp_path)
    nested = checkout / "vendor" / "audit"
    nested.mkdir(parents=True)
    (nested / "report.md").write_text("old findings\n")
    _git(nested, "init", "-q")
    _git(nested, "add", "-A", date="2020-01-01T00:00:00+00:00")
    _git(nested, "commit", "-q", "-m", "old", date="2020-01-01T00:00:00+00:00")
    listed = Checkout(checkout).list_folders(["vendor/audit"])["vendor/audit"]
    assert isinstance(listed, GatherError) and "the commit's time cannot be told" in str(listed), listed


@pytest.mark.parametrize("folder", ["audit", "audit/reports"])
def test_a_report_folder_of_a_submodule_never_checked_out_is_an_error_not_missing(tmp_path, folder):
    """A clone without --recurse-submodules holds a submodule as an empty folder: the report it holds had read as
    missing (or the folder as empty) and failed, though nothing of it was looked at."""
    from opsverify_demo.components.repos import _git

    audit = tmp_path / "audit-repo"
    (audit / "reports").mkdir(parents=True)
    (audit / "reports" / "findings.md").write_text("fresh findings\n")
    _git(audit, "init", "-q")
    _git(audit, "add", "-A")
    _git(audit, "commit", "-q", "-m", "audit")
    app = tmp_path / "app"
    app.mkdir()
    (app / "README.md").write_text("app\n")
    _git(app, "init", "-q")
    _git(app, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(audit), "audit")
    _git(app, "add", "-A")
    _git(app, "commit", "-q", "-m", "app")
    _git(tmp_path, "clone", "-q", str(app), "clone")  # its submodule never initialised: an empty folder
    listed = Checkout(tmp_path / "clone").list_folders([folder])[folder]
    assert isinstance(listed, GatherError), listed
    assert "audit is a submodule of the commit, it is not checked out here (git submodule update --init)" in str(
        listed), listed
    plain = Checkout(tmp_path / "clone").list_folders(["nothing-here"])["nothing-here"]
    assert plain is None  # a folder neither the commit nor a submodule holds is missing, as before


def test_a_folder_github_answers_as_a_submodule_is_an_error_not_missing():
    """The contents API answers a submodule's path with its commit (type "submodule"), no entries: it had read as
    no folder, and the item failed though the submodule's files were never looked at."""
    from opsverify.transports.http import Reply

    answer = {"type": "submodule", "name": "audit", "path": "audit", "sha": "8f2050eaf95c18249033053d1ce910ab7ac02c1b",
              "submodule_git_url": "https://github.com/acme/audit.git"}
    source = object.__new__(repo.GitHubContents)
    source.label, source.base = "github acme/app@3f2c1d0", "https://api.github.invalid"
    source.fetch = lambda paths: {path: Reply(200, 1.0, text=json.dumps(answer)) for path in paths}
    listed = source.list_folders(["audit"])["audit"]
    assert isinstance(listed, GatherError), listed
    assert "audit is a submodule (https://github.com/acme/audit.git)" in str(listed), listed


def test_a_report_the_index_tells_git_to_overlook_cannot_be_dated(tmp_path):
    from opsverify_demo.components.repos import _git

    checkout = _stale_report_clone(tmp_path)
    _git(checkout, "update-index", "--assume-unchanged", ".pf/readthis/report.md")
    listed = Checkout(checkout).list_folders([".pf/readthis"])[".pf/readthis"]
    assert isinstance(listed, GatherError) and "overlook" in str(listed), listed


def test_gits_command_is_named_in_its_errors():
    assert repo._command(("-c", "core.quotepath=off", "log", "--format=x", "HEAD")) == "log"
    assert repo._command(("--literal-pathspecs", "status", "--porcelain=v1")) == "status"


def test_a_report_added_in_a_merge_is_dated_by_the_merge(tmp_path):
    """git log names no file of a merge unless asked: a report first committed in a merge had been dated by its
    checkout time, and a stale one passed."""
    from opsverify_demo.components.repos import _git

    origin = tmp_path / "origin"
    origin.mkdir()
    old = "2020-01-01T00:00:00+00:00"
    (origin / "a.txt").write_text("a\n")
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", "-A", date=old)
    _git(origin, "commit", "-q", "-m", "c1", date=old)
    _git(origin, "checkout", "-q", "-b", "b")
    (origin / "b.txt").write_text("b\n")
    _git(origin, "add", "-A", date=old)
    _git(origin, "commit", "-q", "-m", "c2", date=old)
    _git(origin, "checkout", "-q", "main")
    (origin / "c.txt").write_text("c\n")
    _git(origin, "add", "-A", date=old)
    _git(origin, "commit", "-q", "-m", "c3", date=old)
    _git(origin, "merge", "-q", "--no-commit", "b", date=old)
    (origin / "rep").mkdir()
    (origin / "rep" / "report.md").write_text("stale findings\n")
    _git(origin, "add", "-A", date=old)
    _git(origin, "commit", "-q", "-m", "merge", date=old)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True, timeout=30,
                   env=repo.git_env())
    listed = Checkout(clone).list_folders(["rep"])["rep"]
    assert not isinstance(listed, GatherError) and listed.newest_from.startswith("commit "), listed


@pytest.mark.parametrize("name, folder", [("rep/old.md\r", "rep"), (":(glob)x/r.md", ":(glob)x")],
                         ids=["carriage-return", "pathspec-magic"])
def test_a_committed_report_with_an_odd_name_is_dated_by_its_commit(tmp_path, name, folder):
    """A carriage return in a name (text mode had turned it into a line break), a folder named as pathspec magic
    (git log had read it as a pattern): each had been dated by its checkout time."""
    from opsverify_demo.components.repos import _git

    origin = tmp_path / "origin"
    report = origin / name
    report.parent.mkdir(parents=True)
    report.write_text("stale findings\n")
    _git(origin, "init", "-q")
    _git(origin, "add", "-A", date="2020-01-01T00:00:00+00:00")
    _git(origin, "commit", "-q", "-m", "old", date="2020-01-01T00:00:00+00:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True, timeout=30,
                   env=repo.git_env())
    listed = Checkout(clone).list_folders([folder])[folder]
    assert not isinstance(listed, GatherError) and listed.newest_from.startswith("commit "), listed


def test_the_bound_counts_the_waves_a_folder_read_through_github_may_take():
    """A report eight levels deep, each listing answered in 1.5 s of an http_s of 2: the walk outran the bound,
    which counted one wave for folders, and the family's job was abandoned, a healthy sibling item with it."""
    settings = {"base_url": "http://127.0.0.1:9", "token": TOKEN, "repo": "acme/x", "ref": REF}
    target = make_plain_target({"providers": {"github": settings}}, timeouts={"connect_s": 2, "http_s": 2})
    folder = make_check("repo", {"folder": ".pf/readthis", "not_empty": True})
    assert repo.bound(target, [folder]) == 2 + 2 * (1 + 1 + repo.WALK_WAVES) + 1.0
    local = make_plain_target({"repo": "/nonexistent"}, timeouts={"connect_s": 2, "http_s": 2})
    assert repo.bound(local, [folder]) == 2 + 2 * 2 + 1.0  # a checkout's folders are read from disk


def _github_answering(answers: dict[str, object]) -> repo.GitHubContents:
    """A contents API source whose replies are `answers` (path -> JSON body), 404 for any other path."""
    from opsverify.transports.http import Reply

    source = object.__new__(repo.GitHubContents)
    source.label, source.base = "github acme/app@3f2c1d0", "https://api.github.invalid"
    source.asked = []

    def fetch(paths):
        source.asked += paths
        return {path: Reply(200, 1.0, text=json.dumps(answers[path])) if path in answers else Reply(404, 1.0, text="{}")
                for path in paths}

    source.fetch = fetch
    return source


ANSWERED_EXAMPLE = b"API_URL=\nREDIS_URL=\n"
FILE_ANSWER = {"type": "file", "encoding": "base64", "name": ".env.example", "path": ".env.example",
               "size": len(ANSWERED_EXAMPLE), "content": base64.encodebytes(ANSWERED_EXAMPLE).decode()}


@pytest.mark.parametrize("changed, said", [
    ({"content": None}, "has no content"), ({"content": None, "keep": True}, "has content null"),
    ({"content": ["QQ=="]}, 'has content ["QQ=="]'), ({"content": "not base64 at all!"}, "no base64"),
    ({"content": "QUJD\nRA"}, "no base64"), ({"size": 120}, "says size 120, its content holds 20 bytes"),
    ({"size": None, "keep": True}, "says size null"), ({"size": "20"}, 'says size "20"'),
], ids=["no-content", "content-null", "content-a-list", "text-no-base64", "bad-padding", "size-not-held",
        "size-null", "size-as-text"])
def test_a_github_file_answer_of_another_shape_is_an_error_never_an_empty_file(changed, said):
    """An answer without `content` (or null, or text that is no base64) decoded as an empty file: a .env.example
    with allow_empty passed, "all 0 keys set"."""
    answer = {**FILE_ANSWER, **{k: v for k, v in changed.items() if k != "keep"}}
    if changed.get("content", "") is None and not changed.get("keep"):
        del answer["content"]
    read = _github_answering({".env.example": answer}).read_files([".env.example"])[".env.example"]
    assert isinstance(read, GatherError) and said in str(read), read


def test_a_github_file_answer_whole_is_read_whatever_its_line_breaks():
    read = _github_answering({".env.example": FILE_ANSWER}).read_files([".env.example"])[".env.example"]
    assert read == ANSWERED_EXAMPLE.decode()
    empty = {**FILE_ANSWER, "size": 0, "content": ""}
    assert _github_answering({".env.example": empty}).read_files([".env.example"])[".env.example"] == ""


@pytest.mark.parametrize("entry, said", [
    ("report.md", "which is no object"), (1, "which is no object"), (None, "which is no object"),
    ({"type": "file", "size": 10}, "whose name is no single path segment"),
    ({"type": "file", "name": None}, "whose name is no single path segment"),
    ({"type": "file", "name": ""}, "whose name is no single path segment"),
    ({"type": "dir", "name": "../../x"}, "whose name is no single path segment"),
    ({"type": "dir", "name": ".."}, "whose name is no single path segment"),
    ({"type": "file", "name": "a/b.md"}, "whose name is no single path segment"),
    ({"name": "r.md"}, "whose type is none of file, dir, symlink, submodule"),
    ({"type": "blob", "name": "r.md"}, "whose type is none of file, dir, symlink, submodule"),
])
def test_a_github_folder_listing_of_another_shape_is_that_items_error(entry, said):
    """Entries that are no objects crashed the gather (every repo item of the system an internal error); one
    without a name counted as a report "None"; a folder named `../../x` was asked for with the token."""
    source = _github_answering({"reports": [{"type": "file", "name": "a.md"}, {"type": "dir", "name": "sub"}],
                                "reports/sub": [entry], "other": [{"type": "file", "name": "b.md"}]})
    listed = source.list_folders(["reports", "other"])
    assert isinstance(listed["reports"], GatherError) and said in str(listed["reports"]), listed
    assert "the listing of reports/sub/ holds" in str(listed["reports"])
    assert listed["other"].files == ["b.md"]  # the other folder's item is judged
    assert all(".." not in path for path in source.asked), source.asked


# -- a local reusable workflow is read from where its caller is: the checkout, or the contents API at the ref ----------
SCHEDULED_CALLER = ("on:\n  schedule:\n    - cron: '0 5 * * *'\njobs:\n  poll:\n"
                    "    uses: ./.github/workflows/_poll.yml\n")
NOT_REUSABLE = "on: [push]\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"
REUSABLE = "on: {workflow_call: }\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"


def _calling_checkout(tmp_path: Path, called: str | None) -> Path:
    """A committed checkout whose poller.yml calls ./.github/workflows/_poll.yml (`called`; None: not committed)."""
    from opsverify_demo.components.repos import _git

    workflows = tmp_path / "app" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "poller.yml").write_text(SCHEDULED_CALLER)
    if called is not None:
        (workflows / "_poll.yml").write_text(called)
    _git(tmp_path / "app", "init", "-q")
    _git(tmp_path / "app", "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path / "app", "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    return tmp_path / "app"


@pytest.mark.parametrize("called, status, seen", [
    (None, Status.FAILED, "job `poll` calls ./.github/workflows/_poll.yml, which checkout {root} does not hold"),
    (NOT_REUSABLE, Status.FAILED, "job `poll` calls ./.github/workflows/_poll.yml, which is not reusable"),
    (REUSABLE, Status.PASSED, ".github/workflows/poller.yml triggers: schedule"),
], ids=["missing", "not-reusable", "reusable"])
def test_a_checkouts_local_reusable_workflow_is_read_from_the_checkout(tmp_path, called, status, seen):
    """A scheduled workflow calling a reusable workflow renamed away (or without `on: workflow_call`) had passed:
    GitHub refuses the caller, every scheduled run fails at its start."""
    from opsverify.engine import gather_and_judge
    from .kit import make_check, make_target

    checkout = _calling_checkout(tmp_path, called)
    item = make_check("repo", {"file": ".github/workflows/poller.yml", "triggers_present": ["schedule"]})
    (outcome,) = gather_and_judge(make_target({"repo": str(checkout)}), repo, [item])
    assert outcome.status is status, outcome
    assert seen.format(root=checkout) in outcome.observed, outcome.observed


def test_a_called_workflow_the_checkout_holds_otherwise_than_its_commit_is_not_judged(tmp_path):
    """The called file is read as the caller is: an edit not committed is not the deployed workflow."""
    from opsverify.engine import gather_and_judge
    from .kit import make_check, make_target

    checkout = _calling_checkout(tmp_path, NOT_REUSABLE)
    (checkout / ".github" / "workflows" / "_poll.yml").write_text(REUSABLE)  # fixed on disk, not in the commit
    item = make_check("repo", {"file": ".github/workflows/poller.yml", "triggers_present": ["schedule"]})
    (outcome,) = gather_and_judge(make_target({"repo": str(checkout)}), repo, [item])
    assert outcome.status is Status.ERROR, outcome
    assert "could not read ./.github/workflows/_poll.yml" in outcome.observed, outcome.observed
    assert "differs in the checkout from the commit" in outcome.observed, outcome.observed


@pytest.mark.parametrize("called, status", [(None, Status.FAILED), (NOT_REUSABLE, Status.FAILED),
                                            (REUSABLE, Status.PASSED)], ids=["missing", "not-reusable", "reusable"])
def test_a_local_reusable_workflow_is_read_through_github_at_the_callers_ref(github, monkeypatch, called, status):
    files = {".github/workflows/poller.yml": SCHEDULED_CALLER}
    if called is not None:
        files[".github/workflows/_poll.yml"] = called
    monkeypatch.setitem(github.repos, "acme/sora-studio", files)
    settings = {"base_url": github.url, "token": TOKEN, "repo": "acme/sora-studio", "ref": REF}
    item = make_check("repo", {"file": ".github/workflows/poller.yml", "triggers_present": ["schedule"]})
    target = make_plain_target({"providers": {"github": settings}})
    try:
        outcome = repo.judge(item, repo.gather(target, [item]))
    finally:
        target.close()
    assert outcome.status is status, outcome
    asked = [(path, ref) for _, _, path, ref, *_ in github.seen if not path.startswith("commits/")]
    assert asked == [(".github/workflows/poller.yml", REF), (".github/workflows/_poll.yml", REF)], asked
    if called is None:
        assert f"which GitHub acme/sora-studio@{REF} does not hold" in outcome.observed, outcome.observed


def test_a_loop_of_reusable_workflows_is_read_once(tmp_path):
    """A workflow calling itself is read once, never round and round: GitHub refuses the loop."""
    from opsverify.engine import gather_and_judge
    from .kit import make_check, make_target

    selfcall = "on: {workflow_call: }\njobs:\n  again: {uses: ./.github/workflows/_poll.yml}\n"
    checkout = _calling_checkout(tmp_path, selfcall)
    item = make_check("repo", {"file": ".github/workflows/poller.yml", "triggers_present": ["schedule"]})
    (outcome,) = gather_and_judge(make_target({"repo": str(checkout)}), repo, [item])
    assert outcome.status is Status.FAILED, outcome
    assert "calls ./.github/workflows/_poll.yml again: a loop of workflows" in outcome.observed, outcome.observed


class _Commit:
    """A source of the commit's files that counts the reads asked of it (`Checkout`, `GitHubContents` alike)."""

    def __init__(self, files: dict):
        self.files, self.asked = files, []

    def read_files(self, paths: list[str]) -> dict:
        self.asked.append(paths)
        return {path: self.files.get(path) for path in paths}


def test_called_workflows_are_read_level_by_level_each_once():
    called = ("on: workflow_call\njobs:\n  a: {uses: ./.github/workflows/_b.yml}\n"
              "  b: {uses: ./.github/workflows/_poll.yml}\n")
    commit = _Commit({".github/workflows/_poll.yml": called, ".github/workflows/_b.yml": called})
    read = repo.called_workflows(commit, {".github/workflows/poller.yml": SCHEDULED_CALLER})
    assert commit.asked == [[".github/workflows/_poll.yml"], [".github/workflows/_b.yml"]], commit.asked
    assert read == {".github/workflows/_poll.yml": called, ".github/workflows/_b.yml": called}


def test_called_workflows_past_the_waves_bound_counts_are_not_read():
    many = "on: workflow_call\njobs:\n" + "".join(f"  j{n}: {{uses: ./.github/workflows/_{n}.yml}}\n"
                                                  for n in range(repo.CALL_WAVES * repo.REQUESTS_AT_ONCE + 1))
    commit = _Commit({})
    read = repo.called_workflows(commit, {".github/workflows/poller.yml": many})
    assert commit.asked == [] and len(read) == repo.CALL_WAVES * repo.REQUESTS_AT_ONCE + 1, commit.asked
    outcome = repo.judge(check(file=".github/workflows/poller.yml", triggers_present=["workflow_call"]),
                         facts(files={".github/workflows/poller.yml": many, **read}))
    assert outcome.status is Status.ERROR, outcome
    assert ("could not read ./.github/workflows/_0.yml, which job `j0` of .github/workflows/poller.yml calls: not"
            " read: the reusable workflows called take more than 12 waves") in outcome.observed, outcome.observed
