"""repo family, workflow items: schedules and jobs as GitHub's workflow parser (actions/languageservices
workflow-parser: its schema workflow-v1.0.json, converter/events.ts and cron.ts) takes or refuses them."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from opsverify.errors import GatherError
from opsverify.families import repo
from opsverify.families.repo import Params
from opsverify.outcome import Status

JOBS = "jobs:\n  poll: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"
WF = ".github/workflows/wf.yml"
REFUSED = f"{WF}: GitHub refuses the workflow: "
# a refused workflow fails whatever the item asks: it never runs and cannot be dispatched
ASKS = [{"triggers_present": ["workflow_dispatch"]}, {"triggers_absent": ["schedule"]}]


def judge(text: str, **asked):
    check = SimpleNamespace(key="X1-test", params=Params.model_validate({"file": WF, **asked}))
    return repo.judge(check, {"source": "checkout /srv/app", "files": {WF: text}, "folders": {}, "env": {},
                              "deployed": None})


def scheduled(entry: str) -> str:
    return f"on:\n  workflow_dispatch:\n  schedule:\n    - {entry}\n" + JOBS


# -- `on: schedule` as a name: GitHub reads a schedule with no cron, which never fires ------------------------
@pytest.mark.parametrize("on", ["schedule", "[schedule, workflow_dispatch]", "[workflow_dispatch, schedule]"])
def test_a_schedule_named_without_crons_is_no_schedule_trigger(on):
    outcome = judge(f"on: {on}\n" + JOBS, triggers_present=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "wf.yml's schedule trigger has no cron (`on:` names it without `- cron:` entries): nothing fires" \
        in outcome.observed, outcome.observed


def test_a_schedule_named_without_crons_leaves_the_other_triggers_alone():
    # GitHub takes the workflow: it can still be dispatched
    outcome = judge("on: [schedule, workflow_dispatch]\n" + JOBS, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_schedule_named_without_crons_is_still_written_there():
    # nothing fires, but the file asks for a schedule: `triggers_absent: [schedule]` is not met by it
    outcome = judge("on: [schedule, workflow_dispatch]\n" + JOBS, triggers_absent=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert ".github/workflows/wf.yml has a schedule trigger" in outcome.observed


# -- a cron GitHub refuses: the whole workflow is refused ("Invalid cron expression") ----------------------------
@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("cron, why", [
    ("0 5 * * * *", "is 6 fields, not the five GitHub takes"),
    ("every day", "is 2 fields, not the five GitHub takes"),
    ("", "is 1 field, not the five GitHub takes"),
    ("@daily", "is 1 field, not the five GitHub takes"),
    (" 0 5 * * *", "is 6 fields, not the five GitHub takes"),  # GitHub splits at spaces: a leading one is a field
    ("0 5 * * 8", "has the day of week '8', which GitHub does not take (0-6, or SUN-SAT)"),
    ("0 5 * * 7", "has the day of week '7', which GitHub does not take (0-6, or SUN-SAT)"),
    ("60 5 * * *", "has the minute '60', which GitHub does not take (0-59)"),
    ("0 24 * * *", "has the hour '24', which GitHub does not take (0-23)"),
    ("0 5 0 * *", "has the day of month '0', which GitHub does not take (1-31)"),
    ("0 5 * 13 *", "has the month '13', which GitHub does not take (1-12, or JAN-DEC)"),
    ("MON 5 * * *", "has the minute 'MON', which GitHub does not take (0-59)"),
    ("0 0 * SUN JAN", "has the month 'SUN', which GitHub does not take (1-12, or JAN-DEC)"),
    ("*/60 * * * *", "has the minute '*/60', which GitHub does not take (0-59)"),  # a step is a value of the field too
    ("0 */0 * * *", "has the hour '*/0'"),
    # the rest of the parser's own tests of what it refuses (cron.test.ts)
    ("0 -1 * * *", "has the hour '-1'"), ("0 1- * * *", "has the hour '1-'"), ("0 /1 * * *", "has the hour '/1'"),
    ("0 1/ * * *", "has the hour '1/'"), ("0 ,1 * * *", "has the hour ',1'"), ("0 1, * * *", "has the hour '1,'"),
    ("0 5--5 * * *", "has the hour '5--5'"), ("0 *//5 * * *", "has the hour '*//5'"),
    ("0 */* * * *", "has the hour '*/*'"), ("0 5/* * * *", "has the hour '5/*'"),
    ("0 *-4 5-* *-* *", "has the hour '*-4'"), ("0 ,, * * *", "has the hour ',,'"), (", , , , ,", "has the minute ','"),
    ("0 ** * * *", "has the hour '**'"), ("0 0 * * BUN", "has the day of week 'BUN'"),
    ("0 0 * * FRI-TUE", "has the day of week 'FRI-TUE'"), ("0 12-4 * * *", "has the hour '12-4'"),
    ("0 2/4-5 * * *", "has the hour '2/4-5'"), ("0 2-4-6 * * *", "has the hour '2-4-6'"),
    ("0 2/4/6 * * *", "has the hour '2/4/6'"), ("0 * * */FEB */TUE", "has the month '*/FEB'"),
])
def test_a_cron_github_refuses_fails_whatever_it_is_asked(ask, cron, why):
    outcome = judge(scheduled(f"cron: '{cron}'"), **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"{REFUSED}`schedule:` entry 1's cron '{cron}' {why}"), outcome.observed


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("entry, reason", [
    ("{cron: '0 5 * * *', foo: bar}", "`schedule:` entry 1 has the key foo: GitHub takes `cron:` and `timezone:`"),
    ("{Cron: '0 5 * * *'}", "`schedule:` entry 1 has the key Cron: GitHub takes `cron:` and `timezone:`"),
    ("{}", "`schedule:` entry 1 has no `cron:` text"),
    ("{cron: '0 5 * * *', timezone: ''}", "`schedule:` entry 1's timezone is empty"),
    ("{cron: '0 5 * * *', timezone: Not/AZone}", "`schedule:` entry 1's timezone Not/AZone is no IANA time zone"),
    ("{cron: '0 5 * * *', timezone: ../etc/passwd}", "`schedule:` entry 1's timezone ../etc/passwd is no IANA"),
    ("{cron: '0 5 * * *', timezone: }", "`schedule:` entry 1's timezone is empty"),
    ("{cron: '0 5 * * *', timezone: [UTC]}", "`schedule:` entry 1's timezone is not text"),
    ("{cron: '0 5 * * *', foo: 1, bar: 2}", "`schedule:` entry 1 has the keys foo, bar: GitHub takes `cron:` and"),
])
def test_a_schedule_entry_github_refuses_fails_whatever_it_is_asked(ask, entry, reason):
    outcome = judge(scheduled(entry), **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


# -- every cron GitHub takes passes --------------------------------------------------------------------------
GITHUB_TAKES = [
    "*/15 * * * *", "*/5 * * * *", "* * * * *", "0 0 * * MON-FRI", "0 0 * * mon-fri", "30 5,17 * * *",
    "0 0 1 1 *", "59 23 31 12 6", "0 0 * * 0", "0 9 * JAN,JUL MON", "0 0 * * Sun", "0 12 * * 1-5/2",
    "0 0 1-31/2 * *", "15 3 * FEB-NOV/3 *", "0 0 * * SAT", "0 0 * DEC *", "0 0 * * 6-6",
    # the parser's own tests of what it takes (cron.test.ts)
    "0 0 * * *", "0 000 001 * *", "15 * * * *", "2,10 4,5 * * *", "30 4-6 * * *", "0 4-4 * * *", "20/15 * * * *",
    "28 */4 * * *", "28 5,*/4 * * *", "28 5,*/4,6-8 * * *", "0 0 * * SUN", "0 0 * * SUN-TUE", "0 0 * * SUN-2",
    "0 2-4/5 * * *", "0   0  *  *               *",
    # read as GitHub's parser reads a number (JavaScript's Number): it takes these too, so they must not fail here
    "0 5 * * ", "+5 5 * * *", "0x1F 5 * * *", "1.0 5 * * *",
]


@pytest.mark.parametrize("cron", GITHUB_TAKES)
def test_every_cron_github_takes_is_a_schedule(cron):
    assert repo.github_cron_problem(cron) is None
    outcome = judge(scheduled(f"cron: '{cron}'"), triggers_present=["schedule"])
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("entry", ["{cron: '0 5 * * *', timezone: Europe/Paris}",
                                   "{timezone: America/New_York, cron: '0 5 * * *'}"])
def test_a_schedule_entry_with_its_timezone_is_a_schedule(entry):
    outcome = judge(scheduled(entry), triggers_present=["schedule"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- jobs: each a mapping that runs on a runner (`runs-on`) or calls a reusable workflow (`uses`) ------------------
@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("jobs, reason", [
    ("jobs: {poll: null}\n", "job `poll` is empty, not a mapping with `runs-on:` (or `uses:`, a reusable workflow)"),
    ("jobs:\n  poll:\n", "job `poll` is empty, not a mapping with `runs-on:` (or `uses:`, a reusable workflow)"),
    ("jobs: {poll: ./poll.sh}\n", "job `poll` is a str, not a mapping with `runs-on:` (or `uses:`"),
    ("jobs: {poll: [run]}\n", "job `poll` is a list, not a mapping with `runs-on:` (or `uses:`"),
    ("jobs: {poll: {steps: [{run: x}]}}\n", "job `poll` has no `runs-on:` (nor `uses:`, a reusable workflow)"),
    ("jobs: {poll: {}}\n", "job `poll` has no `runs-on:` (nor `uses:`, a reusable workflow)"),
    ("jobs: {poll: {Runs-On: ubuntu-latest, steps: [{run: x}]}}\n",
     "job `poll` has no `runs-on:` (nor `uses:`, a reusable workflow)"),
    ("jobs:\n  ok: {runs-on: ubuntu-latest, steps: [{run: x}]}\n  poll: {name: p}\n",
     "job `poll` has no `runs-on:` (nor `uses:`, a reusable workflow)"),
    ("jobs: {poll: {runs-on: ubuntu-latest, uses: ./.github/workflows/poll.yml}}\n",
     "job `poll` has both `runs-on:` and `uses:`"),
    ("jobs: {poll: {runs-on: , steps: [{run: x}]}}\n", "job `poll`'s `runs-on:` is empty"),
    ("jobs: {poll: {runs-on: '', steps: [{run: x}]}}\n", "job `poll`'s `runs-on:` is empty"),
    ("jobs: {poll: {uses: ''}}\n", "job `poll`'s `uses:` is empty"),
    # GitHub refuses a job with nothing to run: "No steps defined in `steps` and no workflow called in `uses` for
    # the following jobs: poll" (an empty list as well as none)
    ("jobs: {poll: {runs-on: ubuntu-latest}}\n", "job `poll` has no steps (no `steps:`) and calls no reusable workflow"
     " (`uses:`), so it has nothing to run (\"No steps defined in `steps` and no workflow called in `uses` for the"
     " following jobs: poll\")"),
    ("jobs: {poll: {runs-on: ubuntu-latest, timeout-minutes: 5}}\n", "job `poll` has no steps (no `steps:`)"),
    ("jobs: {poll: {runs-on: ubuntu-latest, steps: []}}\n", "job `poll` has no steps (`steps: []`) and calls no"
     " reusable workflow (`uses:`), so it has nothing to run"),
    ("jobs:\n  ok: {runs-on: ubuntu-latest, steps: [{run: x}]}\n  poll: {runs-on: ubuntu-latest}\n",
     "job `poll` has no steps (no `steps:`)"),
])
def test_a_job_github_refuses_fails_whatever_it_is_asked(ask, jobs, reason):
    outcome = judge("on: workflow_dispatch\n" + jobs, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


@pytest.mark.parametrize("jobs", [
    "jobs: {poll: {uses: acme/ops/.github/workflows/poll.yml@v1, with: {a: 1}, secrets: inherit}}\n",
    "jobs: {poll: {runs-on: [self-hosted, linux], steps: [{run: x}]}}\n",
    "jobs: {poll: {runs-on: {group: pollers}, steps: [{run: x}]}}\n",
    "jobs: {poll: {runs-on: '${{ matrix.os }}', strategy: {matrix: {os: [ubuntu-latest]}}, steps: [{run: x}]}}\n",
])
def test_a_job_github_takes_passes(jobs):
    outcome = judge("on: workflow_dispatch\n" + jobs, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_scheduled_workflow_whose_job_has_no_steps_never_fires():
    # GitHub refuses the whole file, so its schedule never fires: the item names the job
    text = "on:\n  schedule:\n    - cron: '0 5 * * *'\njobs:\n  poll:\n    runs-on: ubuntu-latest\n"
    outcome = judge(text, triggers_present=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + "job `poll` has no steps"), outcome.observed


# -- `needs:` GitHub cannot order (converter/jobs.ts): the whole workflow is refused ------------------------------
JOB = "{runs-on: ubuntu-latest, steps: [{run: x}]"


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("jobs, reason", [
    # a job renamed (`build` to `compile`) whose dependant still names the old one
    (f"jobs:\n  compile: {JOB}}}\n  poll: {JOB}, needs: build}}\n",
     "job `poll` needs `build`, which is no job of the workflow (\"Job 'poll' depends on unknown job 'build'.\")"),
    (f"jobs:\n  compile: {JOB}}}\n  poll: {JOB}, needs: [compile, build]}}\n",
     "job `poll` needs `build`, which is no job of the workflow"),
    (f"jobs:\n  compile: {JOB}}}\n  poll: {JOB}, needs: ''}}\n", "job `poll` needs ``, which is no job"),
    (f"jobs:\n  a: {JOB}, needs: b}}\n  b: {JOB}, needs: a}}\n",
     "every job has `needs:`, so none can start (\"The workflow must contain at least one job with no"
     " dependencies.\")"),
    (f"jobs:\n  a: {JOB}, needs: [gone]}}\n", "every job has `needs:`, so none can start"),
    (f"jobs:\n  root: {JOB}}}\n  a: {JOB}, needs: [root, c]}}\n  b: {JOB}, needs: a}}\n  c: {JOB}, needs: b}}\n",
     "the jobs' `needs:` go round in a cycle (`a` needs `c`, `c` needs `b`, `b` needs `a`), so none of them can start"
     " (\"Job 'a' depends on job 'c' which creates a cycle in the dependency graph.\")"),
    (f"jobs:\n  root: {JOB}}}\n  a: {JOB}, needs: a}}\n", "the jobs' `needs:` go round in a cycle (`a` needs `a`)"),
    ("jobs:\n  root: {uses: o/r/.github/workflows/w.yml@v1, needs: [root]}\n  b: {uses: ./w.yml}\n",
     "the jobs' `needs:` go round in a cycle (`root` needs `root`)"),
])
def test_needs_github_cannot_order_fail_whatever_it_is_asked(ask, jobs, reason):
    outcome = judge("on: workflow_dispatch\n" + jobs, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


@pytest.mark.parametrize("jobs", [
    f"jobs:\n  build: {JOB}}}\n  poll: {JOB}, needs: build}}\n",
    f"jobs:\n  a: {JOB}}}\n  b: {JOB}, needs: [a]}}\n  c: {JOB}, needs: [a, b]}}\n  d: {JOB}, needs: []}}\n",
    f"jobs:\n  c: {JOB}, needs: [b]}}\n  b: {JOB}, needs: a}}\n  a: {JOB}}}\n",  # written in any order
    f"jobs:\n  a: {JOB}, needs: }}\n  b: {JOB}, needs: a}}\n",  # a null `needs:` is none
    f"jobs:\n  Build: {JOB}}}\n  poll: {JOB}, needs: build}}\n",  # ids differing in case only: not judged
    f"jobs:\n  a: {JOB}, needs: 5}}\n",  # a shape GitHub documents not: not judged here
])
def test_needs_github_can_order_pass(jobs):
    outcome = judge("on: workflow_dispatch\n" + jobs, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- a cron GitHub takes of a date that never comes (31 February): the schedule never fires ----------------------
@pytest.mark.parametrize("cron, shown", [("0 0 30 2 *", "day 30 of month 2"), ("0 0 31 4,6 *", "day 31 of month 4,6"),
                                         ("0 0 31 APR *", "day 31 of month 4"),
                                         # a step from a single value runs to the field's end (GitHub's `20/15`)
                                         ("0 0 31/5 2 *", "day 31 of month 2"), ("0 0 30/1 2 *", "day 30-31 of month 2"),
                                         ("0 0 31 4/5 *", "day 31 of month 4,9"), ("0 0 30 2/12 *", "day 30 of month 2")])
def test_a_schedule_whose_crons_all_name_dates_that_never_come_never_fires(cron, shown):
    outcome = judge(scheduled(f"cron: '{cron}'"), triggers_present=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"wf.yml's schedule trigger never fires: '{cron}' ({shown} never comes" in outcome.observed, \
        outcome.observed
    # it is written there all the same
    assert judge(scheduled(f"cron: '{cron}'"), triggers_absent=["schedule"]).status is Status.FAILED


@pytest.mark.parametrize("text", [
    scheduled("cron: '0 0 29 2 *'"),  # in leap years
    scheduled("cron: '0 0 31 2 1'"),  # both day fields named: either fires (Mondays of February)
    scheduled("cron: '0 0 31 */2 *'"),  # January's 31st
    scheduled("cron: '0 0 31 FEB/2 *'"),  # from February to December, every second month: August's 31st
    scheduled("cron: '0 0 29/5 2 *'"),  # the 29th (from it to the 31st, every fifth day): in leap years
    "on:\n  schedule:\n    - cron: '0 0 30 2 *'\n    - cron: '0 5 * * *'\n" + JOBS,  # one that fires is enough
])
def test_a_schedule_with_a_cron_of_a_date_there_is_fires(text):
    assert judge(text, triggers_present=["schedule"]).status is Status.PASSED


# -- every job switched off by an `if:` of the literal false: the triggers start nothing -------------------------
CRON_ON = "on:\n  workflow_dispatch:\n  schedule:\n    - cron: '*/5 * * * *'\n"


def switched(*conditions: str, needs: str = "") -> str:
    jobs = "".join(f"  job{number}:\n    if: {condition}\n    runs-on: ubuntu-latest\n    steps: [{{run: ./poll.sh}}]\n"
                   for number, condition in enumerate(conditions, 1))
    return CRON_ON + "jobs:\n" + jobs + needs


@pytest.mark.parametrize("condition", [
    "false", "False", "FALSE",  # a plain YAML 1.2 boolean, which GitHub reads as the expression `false`
    "${{ false }}", "${{false}}", "'${{ false }}'", '"${{  (false)  }}"',
    "'false'", "' false '", '"(false)"', '"\\tfalse\\n"',  # `${{ }}` may be left out; whitespace is skipped
])
@pytest.mark.parametrize("trigger", ["schedule", "workflow_dispatch"])
def test_a_workflow_whose_every_job_is_switched_off_starts_nothing(condition, trigger):
    outcome = judge(switched(condition, condition), triggers_present=[trigger])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "wf.yml runs no job: every job is switched off (`job1`: `if: " in outcome.observed, outcome.observed
    assert f"so its {trigger} trigger starts nothing" in outcome.observed, outcome.observed
    assert outcome.evidence["switched_off_jobs"]["job2"].startswith("`if: "), outcome.evidence


def test_a_job_needing_a_switched_off_job_is_skipped_with_it():
    needs = "  deploy:\n    needs: JOB1\n    runs-on: ubuntu-latest\n    steps: [{run: ./deploy.sh}]\n"
    outcome = judge(switched("${{ false }}", needs=needs), triggers_present=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "(`job1`: `if: ${{ false }}`; `deploy`: needs `JOB1`, which is skipped)" in outcome.observed, \
        outcome.observed
    # with a condition of its own it may run all the same (`if: always()`): not evaluated, taken as running
    always = needs.replace("    needs:", "    if: always()\n    needs:")
    assert judge(switched("false", needs=always), triggers_present=["schedule"]).status is Status.PASSED


@pytest.mark.parametrize("conditions", [
    ("false", "true"),  # one job that runs is enough
    ("false", "github.event_name == 'schedule'"),  # other expressions are not evaluated: taken as running
    ("'False'",), ("no",), ("off",),  # not the expression `false` (GitHub reads `no` and `'False'` as text)
    ("'${{ false }} '",), ("' ${{ false }}'",),  # text beside the expression: a non-empty string, true
    ("${{ false && true }}",), ("${{ (false) || (true) }}",), ("'!false'",), ("0",),
])
def test_a_workflow_with_a_job_not_switched_off_by_the_literal_false_passes(conditions):
    assert judge(switched(*conditions), triggers_present=["schedule"]).status is Status.PASSED


def test_a_switched_off_workflow_still_has_its_triggers_written():
    # `triggers_absent` judges what the file asks for, as for a schedule of no cron
    outcome = judge(switched("false"), triggers_absent=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert ".github/workflows/wf.yml has a schedule trigger" in outcome.observed, outcome.observed
    assert judge(switched("false"), triggers_absent=["push"]).status is Status.PASSED


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("text, reason", [
    ("on:\n  workflow_dispatch:\nschedule:\n  - cron: '0 5 * * *'\n" + JOBS,  # mis-indented: a key of its own
     "it has the top-level key `schedule`, which GitHub's workflow syntax has not"),
    ("on: {workflow_dispatch: , push: {branchs: [main]}}\n" + JOBS, "`push:` has `branchs:`, which it has not"),
    ("on: {workflow_dispatch: {inputs: 5}}\n" + JOBS, "`workflow_dispatch:`'s `inputs:` is 5, not a mapping"),
    ("on: [workflow_dispatch]\njobs:\n  poll: {runs-on: ubuntu-latest, step: [{run: x}]}\n",
     "job `poll` has the key `step`, which a job has not"),
    ("on: [workflow_dispatch]\njobs:\n  call: {uses: o/r/.github/workflows/w.yml@v1, timeout-minutes: 5}\n",
     "job `call` has the key `timeout-minutes`, which a job calling a reusable workflow (`uses:`) has not"),
])
def test_a_workflow_outside_githubs_syntax_fails_whatever_it_is_asked(ask, text, reason):
    outcome = judge(text, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


# -- a filter with its `-ignore` twin for one event ("you may only define one of `branches` and `branches-ignore`
# for a single event"): GitHub refuses the whole file ------------------------------------------------------------
@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("event, filters, pair", [
    ("push", "{branches: [main], branches-ignore: [wip]}", "branches"),
    ("push", "{tags: [v*], tags-ignore: [v0*]}", "tags"),
    ("push", "{paths: [src/**], paths-ignore: [docs/**]}", "paths"),
    ("pull_request", "{types: [opened], branches: [main], branches-ignore: [wip]}", "branches"),
    ("pull_request_target", "{paths: [a], paths-ignore: [b]}", "paths"),
    ("workflow_run", "{workflows: [ci], branches: [main], branches-ignore: [wip]}", "branches"),  # not in the table
])
def test_a_filter_with_its_ignore_twin_fails_whatever_it_is_asked(ask, event, filters, pair):
    outcome = judge(f"on:\n  workflow_dispatch:\n  {event}: {filters}\n" + JOBS, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(
        f"{REFUSED}`{event}:` has both `{pair}:` and `{pair}-ignore:` (\"you may only define one of `{pair}` and"
        f" `{pair}-ignore` for a single event\"): keep one"), outcome.observed


@pytest.mark.parametrize("filters", ["{branches: [main, '!wip'], tags-ignore: [v0*], paths: [src/**]}",
                                     "{branches-ignore: [wip], tags: [v*], paths-ignore: [docs/**]}"])
def test_filters_of_different_pairs_pass(filters):
    # one of each pair, whichever: GitHub takes them together
    outcome = judge(f"on:\n  workflow_dispatch:\n  push: {filters}\n" + JOBS, triggers_present=["push"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- steps: each a mapping that runs a command (`run:`) or an action (`uses:`), with the keys that kind has ---------
def stepped(steps: str) -> str:
    return f"on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:{steps}\n"


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("steps, reason", [
    # a step's `run:` written on a line of its own, as a step of its own: GitHub's most common refusal
    ("\n      - uses: actions/checkout@v4\n      - name: Deploy to production\n      - run: ./deploy.sh",
     "job `deploy`'s step 2 (Deploy to production) has neither `run:` nor `uses:` (its keys: name) (\"every step"
     " must define a `uses` or `run` key\")"),
    ("\n      - use: actions/checkout@v4", "job `deploy`'s step 1 has neither `run:` nor `uses:` (its keys: use)"),
    ("\n      - Run: ./deploy.sh", "job `deploy`'s step 1 has neither `run:` nor `uses:` (its keys: Run)"),
    (" [{}]", "job `deploy`'s step 1 has neither `run:` nor `uses:` (it is empty)"),
    ("\n      -", "job `deploy`'s step 1 is empty, not a mapping with `run:` or `uses:`"),
    (" [./deploy.sh]", "job `deploy`'s step 1 is './deploy.sh', not a mapping with `run:` or `uses:`"),
    ("", "job `deploy`'s `steps:` is empty, not a list of steps"),
    (" {run: ./deploy.sh}", "job `deploy`'s `steps:` is a dict, not a list of steps"),
    (" ./deploy.sh", "job `deploy`'s `steps:` is a str, not a list of steps"),
    ("\n      - {name: d, uses: ./deploy, run: ./deploy.sh}",
     "job `deploy`'s step 1 (d) has both `run:` and `uses:` (\"a step cannot have both the `uses` and `run` keys\")"),
    ("\n      - uses: ''", "job `deploy`'s step 1's `uses:` is empty"),
    ("\n      - uses:", "job `deploy`'s step 1's `uses:` is empty"),
    ("\n      - {run: ./deploy.sh, with: {a: 1}}",
     "job `deploy`'s step 1 has the key `with`, which a `run:` step has not (\"Unexpected value 'with'\"; it takes:"
     " run, id, if, name, env, continue-on-error, timeout-minutes, shell, working-directory, background)"),
    ("\n      - {uses: ./deploy, working-directory: app}",
     "job `deploy`'s step 1 has the key `working-directory`, which a `uses:` step (an action) has not"),
    ("\n      - {uses: ./deploy, shell: bash}", "job `deploy`'s step 1 has the key `shell`, which a `uses:` step"),
    ("\n      - {run: ./deploy.sh, enviroment: {A: 1}}", "job `deploy`'s step 1 has the key `enviroment`, which a"),
])
def test_a_step_github_refuses_fails_whatever_it_is_asked(ask, steps, reason):
    outcome = judge(stepped(steps), **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


def test_every_key_a_step_has_is_taken():
    steps = ("\n      - {id: a, if: always(), name: n, env: {A: 1}, continue-on-error: true, timeout-minutes: 5,"
             " run: ./deploy.sh, shell: bash, working-directory: app}"
             "\n      - {id: b, if: always(), name: n, env: {A: 1}, continue-on-error: true, timeout-minutes: 5,"
             " uses: ./deploy, with: {args: x}}"
             "\n      - run:")  # an empty command: no rule of GitHub's refuses it
    outcome = judge(stepped(steps), triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- parallel steps (2026-06-25): `background: true` on a `run:` or `uses:` step; steps that wait for or cancel them --
# (workflow-v1.0.json: run-step and regular-step take `background`; wait-step, wait-all-step, cancel-step take
# `name`, `id`, `continue-on-error` and their own key; converter/steps.ts: the ids named are earlier steps')
SERVER = "\n      - {id: server, run: npm start, background: true}"


def test_parallel_steps_are_taken():
    steps = (SERVER + "\n      - {id: Warm, uses: actions/cache@v4, with: {path: x, key: y}, background: true}"
             "\n      - {id: lint, run: npm run lint, background: false}"
             "\n      - wait: warm"  # ids are matched ignoring case, as `needs:` is
             "\n      - {name: both, id: joined, continue-on-error: true, wait: [server, Warm]}"
             "\n      - run: npm test"
             "\n      - {name: stop, id: stopped, continue-on-error: false, cancel: server}"
             "\n      - wait-all:"
             "\n      - {name: all, wait-all: true}")
    outcome = judge(stepped(steps), triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("steps, reason", [
    # a step is one kind: no schema definition takes another kind's key
    ("\n      - {run: npm test, wait: server}", "job `deploy`'s step 2 has both `run:` and `wait:`"),
    ("\n      - {wait: server, wait-all: }", "job `deploy`'s step 2 has both `wait:` and `wait-all:`"),
    ("\n      - {uses: ./stop, cancel: server}", "job `deploy`'s step 2 has both `uses:` and `cancel:`"),
    # a step that waits or cancels has no condition, env or timeout of its own
    ("\n      - {wait: server, if: always()}",
     "job `deploy`'s step 2 has the key `if`, which a `wait:` step has not (\"Unexpected value 'if'\"; it takes: wait,"
     " id, name, continue-on-error)"),
    ("\n      - {wait-all: , env: {A: 1}}",
     "job `deploy`'s step 2 has the key `env`, which a `wait-all:` step has not"),
    ("\n      - {cancel: server, timeout-minutes: 1}",
     "job `deploy`'s step 2 has the key `timeout-minutes`, which a `cancel:` step has not"),
    ("\n      - {cancel: server, background: true}",
     "job `deploy`'s step 2 has the key `background`, which a `cancel:` step has not"),
    # `background:` is a boolean, with no expression
    ("\n      - {run: npm test, background: 'yes'}",
     "job `deploy`'s step 2's `background:` is 'yes', not true or false"),
    ("\n      - {uses: ./x, background: '${{ inputs.bg }}'}", "job `deploy`'s step 2's `background:` is '${{ inputs"),
    ("\n      - {run: npm test, background: }", "job `deploy`'s step 2's `background:` is None, not true or false"),
    # `wait:` one id or a list of ids; `cancel:` one id; `wait-all:` nothing or true
    ("\n      - wait:", "job `deploy`'s step 2's `wait:` is empty, not the id of the background step it waits for"),
    ("\n      - wait: [server, '']", "job `deploy`'s step 2's `wait:` holds an id that is empty"),
    ("\n      - {wait: {id: server}}",
     "job `deploy`'s step 2's `wait:` is a dict, not a step id or a list of step ids"),
    ("\n      - cancel: ''",
     "job `deploy`'s step 2's `cancel:` is empty, not the id of the background step it cancels"),
    ("\n      - cancel: [server]", "job `deploy`'s step 2's `cancel:` is a list, not one step id"),
    ("\n      - wait-all: false",
     "job `deploy`'s step 2 has `wait-all: false` (\"The value of 'wait-all' must be true or omitted\")"),
    ("\n      - wait-all: now", "job `deploy`'s step 2's `wait-all:` is 'now': it takes nothing or true"),
    # the ids named are earlier steps' (a renamed step, its waits not; a wait written before the step it waits for)
    ("\n      - wait: build",
     "job `deploy`'s step 2 waits for `build`, which is the `id:` of no earlier step of the job (\"Step references"
     " unknown step ID 'build'\")"),
    ("\n      - wait: [server, build]", "job `deploy`'s step 2 waits for `build`, which is the `id:` of no earlier"),
    ("\n      - cancel: sever", "job `deploy`'s step 2 cancels `sever`, which is the `id:` of no earlier step"),
    ("\n      - wait: web\n      - {id: web, run: npm start, background: true}",
     "job `deploy`'s step 2 waits for `web`, which is the `id:` of no earlier step"),
    ("\n      - {id: stop, cancel: stop}", "job `deploy`'s step 2 cancels itself (`stop`) (\"Step 'stop' cannot"
     " reference itself\")"),
])
def test_a_parallel_step_github_refuses_fails_whatever_it_is_asked(ask, steps, reason):
    outcome = judge(stepped(SERVER + steps), **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


def test_a_parallel_group_is_taken_and_its_steps_judged():
    """The changelog's `parallel:` group (not in the schema followed): its steps are steps; its ids may be waited for."""
    group = ("\n      - name: builds\n        parallel:\n          - {id: front, run: npm run build:front}"
             "\n          - {id: back, uses: ./build}\n      - wait: [front, back]")
    assert judge(stepped(group), triggers_present=["workflow_dispatch"]).status is Status.PASSED
    for steps, reason in [
        ("\n      - parallel: []", "job `deploy`'s step 1's `parallel:` is empty, not a list of the steps it runs"),
        ("\n      - parallel: {run: x}", "job `deploy`'s step 1's `parallel:` is a dict, not a list of the steps"),
        ("\n      - parallel:\n          - {name: lost}",
         "job `deploy`'s step 1's parallel step 1 (lost) has neither `run:` nor `uses:`"),
        ("\n      - parallel:\n          - {run: a, with: {x: 1}}",
         "job `deploy`'s step 1's parallel step 1 has the key `with`, which a `run:` step has not"),
    ]:
        outcome = judge(stepped(steps), triggers_present=["workflow_dispatch"])
        assert outcome.status is Status.FAILED and outcome.observed.startswith(REFUSED + reason), outcome.observed


def test_a_workflow_of_every_documented_key_is_taken():
    text = ("name: ci\nrun-name: r\ndescription: d\non:\n  push: {branches: [main], paths-ignore: [docs/**]}\n"
            "  pull_request: {types: [opened], branches-ignore: [x]}\n  workflow_dispatch: {inputs: {level: {}}}\n"
            "permissions: read-all\nenv: {A: 1}\ndefaults: {run: {shell: bash}}\nconcurrency: g\njobs:\n"
            "  a: {name: a, runs-on: ubuntu-latest, needs: [], if: true, environment: e, outputs: {}, env: {},"
            " timeout-minutes: 5, cancel-timeout-minutes: 1, strategy: {}, continue-on-error: false, container: c,"
            " services: {}, steps: [{run: x}]}\n"
            "  b: {uses: o/r/.github/workflows/w.yml@v1, with: {}, secrets: inherit, needs: [a]}\n")
    outcome = judge(text, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_timezone_is_not_refused_where_this_machine_has_no_tz_database(monkeypatch):
    """A slim image holds no tz database: a zone it cannot look up is not GitHub's refusal."""
    import zoneinfo

    def nowhere(name):
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", nowhere)
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: set())
    outcome = judge(scheduled("{cron: '0 5 * * *', timezone: Europe/Kyiv}"), triggers_present=["schedule"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- values inside the workflow's and its jobs' settings (workflow-v1.0.json: permissions, strategy, concurrency,
# workflow_dispatch inputs, timeout-minutes, env; a step's `uses:`): GitHub refuses the whole file ("Invalid workflow
# file ... Unexpected value 'workflows'"), so a scheduled workflow never runs ---------------------------------------
ON_BOTH = "on:\n  workflow_dispatch:\n  schedule:\n    - cron: '0 5 * * *'\n"


def settled(top: str = "", job: str = "", step: str = "") -> str:
    return (ON_BOTH + top + "jobs:\n  poll:\n    runs-on: ubuntu-latest\n" + job
            + f"    steps:\n      - {{run: ./poll.sh{step}}}\n")


def dispatched(inputs: str) -> str:
    return f"on:\n  schedule:\n    - cron: '0 5 * * *'\n  workflow_dispatch:\n    inputs: {inputs}\n" + JOBS


@pytest.mark.parametrize("ask", ASKS + [{"triggers_present": ["schedule", "workflow_dispatch"]}],
                         ids=["present", "absent", "both"])
@pytest.mark.parametrize("text, reason", [
    # a scope GitHub's token has not: `workflows: write` is a common mistake (a PAT's scope, not GITHUB_TOKEN's)
    (settled(top="permissions:\n  contents: read\n  workflows: write\n"),
     "`permissions:` names the scope `workflows`, which GitHub's token has not (\"Unexpected value 'workflows'\"; the"
     " scopes GitHub's workflow schema has: actions, artifact-metadata, attestations, checks, contents,"
     " copilot-requests, deployments, discussions, id-token, issues, models, packages, pages, pull-requests,"
     " repository-projects, security-events, statuses, vulnerability-alerts"),
    (settled(job="    permissions: {Contents: read}\n"), "job `poll`'s `permissions:` names the scope `Contents`"),
    (settled(job="    permissions: {contents: wrte}\n"),
     "job `poll`'s `permissions:` gives `contents` 'wrte', which GitHub takes not (\"Unexpected value 'wrte'\"; it"
     " takes read, write or none)"),
    (settled(job="    permissions: {contents: [read]}\n"), "job `poll`'s `permissions:` gives `contents` ['read']"),
    (settled(job="    permissions: {contents: yes}\n"), "job `poll`'s `permissions:` gives `contents` True"),
    (settled(top="permissions: {id-token: read}\n"),
     "`permissions:` gives `id-token` 'read', which GitHub takes not (\"Unexpected value 'read'\"; it takes write or"
     " none)"),
    (settled(top="permissions: {models: write}\n"), "`permissions:` gives `models` 'write', which GitHub takes not"
     " (\"Unexpected value 'write'\"; it takes read or none)"),
    (settled(top="permissions: read\n"),
     "`permissions:` is 'read', which GitHub takes not: it takes read-all, write-all, {} (none) or a mapping of"
     " scopes to read, write or none"),
    (settled(job="    permissions: [contents]\n"), "job `poll`'s `permissions:` is ['contents'], which GitHub takes"),
    (settled(job="    strategy: {matrx: {node: [18, 20]}}\n"),
     "job `poll`'s `strategy:` has `matrx:`, which it has not (\"Unexpected value 'matrx'\"; it takes: matrix,"
     " fail-fast, max-parallel)"),
    (settled(job="    strategy: [node]\n"), "job `poll`'s `strategy:` is ['node'], not a mapping"),
    (settled(top="concurrency: {grop: poller}\n"),
     "`concurrency:` has `grop:`, which it has not (\"Unexpected value 'grop'\"; it takes: group, cancel-in-progress,"
     " queue)"),
    (settled(job="    concurrency: {cancel-in-progress: true}\n"),
     "job `poll`'s `concurrency:` has no `group:`, which GitHub requires (\"Required property is missing: group\")"),
    (settled(job="    concurrency: {group: g, queue: all}\n"),
     "job `poll`'s `concurrency:` has `queue: 'all'`, which GitHub takes not (\"Unexpected value 'all'\"; it takes"
     " single or max)"),
    (settled(top="concurrency: [poller]\n"), "`concurrency:` is ['poller'], not a group name nor a mapping"),
    (dispatched("{level: {type: strng}}"),
     "`workflow_dispatch:`'s input `level` has `type: 'strng'`, which GitHub takes not (\"Unexpected value"
     " 'strng'\"; it takes: boolean, choice, number, environment, string)"),
    (dispatched("{level: {type: string, defualt: x}}"),
     "`workflow_dispatch:`'s input `level` has `defualt:`, which an input has not (\"Unexpected value 'defualt'\";"
     " it takes: description, type, required, default, options)"),
    (dispatched("{level: string}"), "`workflow_dispatch:`'s input `level` is 'string', not a mapping"),
    (settled(job="    timeout-minutes: 10m\n"),
     "job `poll`'s `timeout-minutes:` is '10m', not a number of minutes (nor an expression `${{ }}`)"),
    (settled(step=", timeout-minutes: [5]"),
     "job `poll`'s step 1's `timeout-minutes:` is [5], not a number of minutes"),
    (settled(top="env: [A=1]\n"), "`env:` is ['A=1'], not a mapping of variables"),
    (settled(job="    env: A=1\n"), "job `poll`'s `env:` is 'A=1', not a mapping of variables"),
    (settled(step=", env: [A]"), "job `poll`'s step 1's `env:` is ['A'], not a mapping of variables"),
])
def test_a_value_github_refuses_inside_a_setting_fails_whatever_it_is_asked(ask, text, reason):
    outcome = judge(text, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


@pytest.mark.parametrize("ask", ASKS, ids=["present", "absent"])
@pytest.mark.parametrize("uses", ["actions/checkout", "checkout@v4", ".github/actions/poll", "actions/checkout@",
                                  "actions//@v4", "actions/checkout@v4@v5"])
def test_a_remote_action_without_owner_repo_and_ref_fails_whatever_it_is_asked(ask, uses):
    text = f"on: [workflow_dispatch]\njobs:\n  poll:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {uses}\n"
    outcome = judge(text, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(
        f"{REFUSED}job `poll`'s step 1's `uses:` is '{uses}', which GitHub takes not (\"the `uses' attribute must be a"
        " path, a Docker image, or owner/repo@ref\": ./a/local/path, docker://image, or owner/repo[/path]@ref)"), \
        outcome.observed


@pytest.mark.parametrize("text", [
    settled(top="permissions: {}\n"),
    settled(top="permissions: write-all\n", job="    permissions: read-all\n"),
    settled(top="permissions:\n  actions: read\n  artifact-metadata: write\n  attestations: write\n  checks: none\n"
                "  contents: write\n  copilot-requests: write\n  deployments: read\n  discussions: write\n"
                "  id-token: write\n  issues: none\n  models: read\n  packages: read\n  pages: write\n"
                "  pull-requests: write\n  repository-projects: read\n  security-events: write\n  statuses: write\n"
                "  vulnerability-alerts: read\n",
            job="    permissions: {id-token: none, models: none, copilot-requests: none}\n"),
    settled(job="    permissions: {contents: '${{ inputs.level }}'}\n"),  # expressions are not judged
    settled(job="    permissions:\n"),  # null: not judged
    settled(job="    strategy: {matrix: {node: [18, 20], include: [{node: 22}]}, fail-fast: false, max-parallel: 2}\n"),
    settled(job="    strategy: {}\n"),
    settled(job="    strategy: ${{ fromJSON(vars.STRATEGY) }}\n"),
    settled(job="    strategy: {matrix: '${{ fromJSON(vars.MATRIX) }}'}\n"),
    settled(top="concurrency: poller-${{ github.ref }}\n", job="    concurrency: {group: g}\n"),
    settled(top="concurrency: {group: g, cancel-in-progress: '${{ github.ref != ''refs/heads/main'' }}',"
                " queue: max}\n"),
    settled(job="    concurrency: ${{ vars.GROUP }}\n"),
    settled(top="concurrency: 5\n"),  # a scalar: not judged
    settled(job="    timeout-minutes: 10\n", step=", timeout-minutes: 2.5"),
    settled(job="    timeout-minutes: ${{ fromJSON(vars.MINUTES) }}\n", step=", timeout-minutes: '${{ inputs.m }}'"),
    settled(job="    timeout-minutes: '10'\n"),  # text of a number: not judged
    settled(job="    timeout-minutes: 0o17\n"),  # YAML 1.2's octal (PyYAML reads it as text)
    settled(job="    timeout-minutes:\n    cancel-timeout-minutes: 0x5\n"),
    settled(top="env: {A: 1}\n", job="    env: ${{ fromJSON(vars.ENV) }}\n", step=", env: {B: x}"),
    settled(top="env:\n"),
    dispatched("{level: {description: d, type: choice, required: true, default: a, options: [a, b]},"
               " n: {type: number}, b: {type: boolean}, e: {type: environment}, s: {type: string}, x: {}, y: }"),
])
def test_settings_github_takes_pass(text):
    outcome = judge(text, triggers_present=["schedule", "workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("uses", ["actions/checkout@v4", "actions/aws/ec2@main", "./.github/actions/poll",
                                  ".\\actions\\poll", "docker://alpine:3.20",
                                  "octo-org/octo-repo@8f4b7f84864484a7bf31766abe9204da3cbe65b3",
                                  "${{ vars.ACTION }}"])
def test_an_action_github_takes_passes(uses):
    text = (f"on: [workflow_dispatch]\njobs:\n  poll:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - uses: '{uses}'\n")
    outcome = judge(text, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- a job needing a skipped job, with an `if:` of its own: GitHub adds success() unless it calls a status function --
def needing_the_switched_off(condition: str) -> str:
    """`gate` switched off; `poll` needs it, with `condition` as its `if:` (written as a JSON, i.e. YAML, string)."""
    return (CRON_ON + "jobs:\n  gate:\n    if: false\n    runs-on: ubuntu-latest\n    steps: [{run: echo paused}]\n"
            f"  poll:\n    needs: gate\n    if: {json.dumps(condition)}\n    runs-on: ubuntu-latest\n"
            "    steps: [{run: ./poll.sh}]\n")


@pytest.mark.parametrize("condition", [
    "github.repository == 'acme/app'", "${{ github.repository == 'acme/app' }}", "true", "",
    # a status function's name in a string is no call: GitHub still adds success()
    "contains(github.ref, 'always()')", "github.ref == 'it''s always() here'",
    # success() itself is false once a need is skipped, and so is a conjunction holding it
    "success()", "${{ SUCCESS() }}", "Success ( )", "(success())",
    "success() && github.ref == 'refs/heads/main'", "github.ref == 'x' && (success())",
    "success() && (github.ref == 'a' || github.ref == 'b')",
])
def test_a_dependant_whose_if_is_false_after_a_skipped_need_is_skipped_with_it(condition):
    """`if: github.repository == 'acme/app'` on a job needing one switched off had passed: GitHub reads it as
    `success() && (...)`, false after a skipped need, so the schedule ran nothing."""
    outcome = judge(needing_the_switched_off(condition), triggers_present=["schedule"])
    assert outcome.status is Status.FAILED, outcome.observed
    assert "wf.yml runs no job: every job is switched off" in outcome.observed, outcome.observed
    assert "`poll`: needs `gate`, which is skipped" in outcome.observed, outcome.observed
    assert "poll" in outcome.evidence["switched_off_jobs"], outcome.evidence


@pytest.mark.parametrize("condition", [
    "always()", "${{ always() }}", "Always()", "always ()", "!cancelled()", "${{ !cancelled() }}", "failure()",
    "cancelled() || github.ref == 'x'", "success() || always()", "success() || github.ref == 'refs/heads/main'",
    "github.ref == 'it''s' || always()", "!success()", "success() == false",
    "github.ref == 'unclosed",  # a string not closed: read with doubt, so taken as running
    "always() ${{ github.ref }}",  # text beside `${{ }}`: not judged
])
def test_a_dependant_whose_if_may_hold_after_a_skipped_need_is_taken_as_running(condition):
    outcome = judge(needing_the_switched_off(condition), triggers_present=["schedule"])
    assert outcome.status is Status.PASSED, outcome.observed


# -- a job calling a reusable workflow of the same commit (`uses: ./…`): GitHub reads it with the caller ------------
CALLER = "on:\n  schedule:\n    - cron: '0 5 * * *'\njobs:\n  poll:\n    uses: ./.github/workflows/_poll.yml\n"
POLL = ".github/workflows/_poll.yml"
REUSABLE = "on:\n  workflow_call:\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"


def judge_calling(called: dict, caller: str = CALLER, **asked):
    """The item's workflow `caller`, with the files of the commit it calls (`called`: path -> text, None for one
    the commit lacks) read beside it, as `repo.gather` reads them."""
    check = SimpleNamespace(key="X1-test", params=Params.model_validate({"file": WF, **(asked or {
        "triggers_present": ["schedule"]})}))
    return repo.judge(check, {"source": "checkout /srv/app", "files": {WF: caller, **called}, "folders": {},
                              "env": {}, "deployed": None})


def calling(path: str) -> str:
    """A reusable workflow whose one job calls `path` of the same commit."""
    return f"on: {{workflow_call: }}\njobs:\n  next: {{uses: ./{path}}}\n"


@pytest.mark.parametrize("ask", [{"triggers_present": ["schedule"]}, {"triggers_absent": ["push"]}],
                         ids=["present", "absent"])
@pytest.mark.parametrize("called, reason", [
    ({POLL: None}, "job `poll` calls ./.github/workflows/_poll.yml, which checkout /srv/app does not hold"
                   " (\"failed to fetch workflow: workflow was not found\")"),
    ({POLL: "on: [push]\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"},
     "job `poll` calls ./.github/workflows/_poll.yml, which is not reusable: its `on:` has no workflow_call"
     " (\"workflow is not reusable as it is missing a `on.workflow_call` trigger\")"),
    ({POLL: "on:\n  workflow_dispatch:\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"},
     "job `poll` calls ./.github/workflows/_poll.yml, which is not reusable"),
    ({POLL: "on: {workflow_call: }\njobs: {}\n"},
     "job `poll` calls ./.github/workflows/_poll.yml, which GitHub refuses: `jobs:` holds no job"),
    ({POLL: "on: {workflow_call: }\njobs: [\n"}, "job `poll` calls ./.github/workflows/_poll.yml, which is not"
                                                 " valid YAML"),
    # nested: the chain is named
    ({POLL: calling(".github/workflows/_b.yml"), ".github/workflows/_b.yml": None},
     "job `poll` calls ./.github/workflows/_poll.yml, whose job `next` calls ./.github/workflows/_b.yml, which"
     " checkout /srv/app does not hold"),
    # loops: a workflow calling itself, or one calling it (the item's own file too)
    ({POLL: calling(POLL)}, "job `poll` calls ./.github/workflows/_poll.yml, whose job `next` calls"
                            " ./.github/workflows/_poll.yml again: a loop of workflows (\"Loops in the workflow tree"
                            " are not permitted\")"),
    ({POLL: calling(".github/workflows/_b.yml"), ".github/workflows/_b.yml": calling(POLL)},
     "job `poll` calls ./.github/workflows/_poll.yml, whose job `next` calls ./.github/workflows/_b.yml, whose job"
     " `next` calls ./.github/workflows/_poll.yml again: a loop of workflows"),
    ({POLL: calling(WF)}, "job `poll` calls ./.github/workflows/_poll.yml, whose job `next` calls"
                          " ./.github/workflows/wf.yml again: a loop of workflows"),
])
def test_a_local_reusable_workflow_github_cannot_call_refuses_the_caller(ask, called, reason):
    """A scheduled workflow whose job calls `./.github/workflows/_poll.yml` had passed with that file renamed away
    or without `on: workflow_call`: GitHub refuses the caller ("error parsing called workflow"), so nothing runs."""
    outcome = judge_calling(called, **ask)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + reason), outcome.observed


def test_workflows_called_past_ten_levels_refuse_the_caller():
    """GitHub connects ten levels of workflows at most: the caller and nine called in turn."""
    chain = {f".github/workflows/_{n}.yml": calling(f".github/workflows/_{n + 1}.yml") for n in range(10)}
    chain.update({POLL: calling(".github/workflows/_0.yml"), ".github/workflows/_10.yml": REUSABLE})
    outcome = judge_calling(chain)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + "job `poll` calls ./.github/workflows/_poll.yml, whose job `next`"
                                       " calls ./.github/workflows/_0.yml, whose"), outcome.observed
    assert outcome.observed.endswith("whose job `next` calls ./.github/workflows/_8.yml, an eleventh level of"
                                     " workflows: GitHub connects ten at most"), outcome.observed


@pytest.mark.parametrize("path, why", [
    (".github/workflows/sub/_poll.yml", "not where GitHub reads a reusable workflow"),
    ("ci/_poll.yml", "not where GitHub reads a reusable workflow"),
])
def test_a_local_call_outside_the_workflows_folder_refuses_the_caller(path, why):
    caller = CALLER.replace(POLL, path)
    outcome = judge_calling({}, caller)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(REFUSED + f"job `poll` calls ./{path}, which is {why}"), outcome.observed


@pytest.mark.parametrize("called", [
    {POLL: REUSABLE},
    {POLL: "on:\n  workflow_dispatch:\n  workflow_call:\n    inputs: {level: {type: string}}\n"
           "jobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"},
    {POLL: "on: [workflow_call, push]\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"},
    {POLL: "on: workflow_call\njobs:\n  run: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}\n"},
    # four levels: the caller and three nested; ten on GitHub.com (four on GitHub Enterprise Server: not held)
    {POLL: calling(".github/workflows/_b.yml"), ".github/workflows/_b.yml": calling(".github/workflows/_c.yml"),
     ".github/workflows/_c.yml": REUSABLE},
    {**{f".github/workflows/_{n}.yml": calling(f".github/workflows/_{n + 1}.yml") for n in range(7)},
     POLL: calling(".github/workflows/_0.yml"), ".github/workflows/_7.yml": REUSABLE},
    # one workflow called by several jobs, at several levels: no loop
    {POLL: "on: workflow_call\njobs:\n  a: {uses: ./.github/workflows/_b.yml}\n"
           "  b: {uses: ./.github/workflows/_c.yml}\n",
     ".github/workflows/_b.yml": calling(".github/workflows/_c.yml"), ".github/workflows/_c.yml": REUSABLE},
    # a remote call inside is another repository's: not judged
    {POLL: "on: workflow_call\njobs:\n  next: {uses: acme/ops/.github/workflows/gone.yml@v1}\n"},
])
def test_a_local_reusable_workflow_github_can_call_passes(called):
    outcome = judge_calling(called)
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_called_workflow_that_could_not_be_read_leaves_the_item_unjudged():
    outcome = judge_calling({POLL: GatherError("cannot read .github/workflows/_poll.yml: denied")})
    assert outcome.status is Status.ERROR, outcome.observed
    assert "could not read ./.github/workflows/_poll.yml, which job `poll` of .github/workflows/wf.yml calls:" \
        in outcome.observed, outcome.observed


@pytest.mark.parametrize("value", ["=", "2024-02-30", "2023-13-01", "2024-01-01", "2024-01-01 10:00:00"])
def test_a_value_yaml_1_1_types_and_github_reads_as_text_passes(value):
    """GitHub reads a workflow with YAML 1.2's core schema: a lone `=` and a date are text. Read as YAML 1.1, the `=`
    made the file "not valid YAML" and `2024-02-30` failed the item with Python's "day is out of range for month"."""
    text = ("on: [workflow_dispatch]\njobs:\n  poll:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - uses: some/action@v1\n        with:\n          separator: {value}\n        env:\n"
            f"          SEP: {value}\n")
    outcome = judge(text, triggers_present=["workflow_dispatch"])
    assert outcome.status is Status.PASSED, outcome.observed
