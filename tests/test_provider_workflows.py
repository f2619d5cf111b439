"""provider, GitHub `workflows_active`: a workflow GitHub has disabled (after 60 days without activity in a public
repository, by hand, in a fork) never runs, though its file — all the repo family reads — is unchanged. Its state is
GitHub's own: `GET /repos/{owner}/{repo}/actions/workflows/{file name}` → `state` (fine-grained: Actions: read)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from opsverify.environment import TimeoutsModel
from opsverify.families import provider
from opsverify.families.provider import Call, Params, interpret, judge
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Reply

from .kit import make_target, route_server
from .test_provider import NOW, _dated, make_check

TOKEN = "ghp_T0kenXq9Zr7Lm2Vb8Nc4Wd6"
LIST = "/repos/o/r/actions/workflows?per_page=1"


def workflow(file: str, state: object = "active", **changed) -> dict:
    """One workflow as GitHub's "Get a workflow" answers it (the Workflow schema, every documented field)."""
    body = {"id": 161335, "node_id": "MDg6V29ya2Zsb3cxNjEzMzU=", "name": "Poller", "path": f".github/workflows/{file}",
            "state": state, "created_at": "2024-01-08T23:48:37.000-08:00",
            "updated_at": "2024-01-08T23:50:21.000-08:00",
            "url": "https://api.github.com/repos/o/r/actions/workflows/161335",
            "html_url": f"https://github.com/o/r/blob/main/.github/workflows/{file}",
            "badge_url": "https://github.com/o/r/workflows/Poller/badge.svg", **changed}
    return {k: v for k, v in body.items() if v is not ...}


def github_api(workflows: dict[str, tuple[int, dict] | dict], *, listed: int = 200, secrets: bool = False):
    """GitHub on 127.0.0.1: each workflow by file name (a body, or (status, body)); the repository's list of
    workflows (`listed`: its status); with `secrets`, the three secret lists, empty. Records every path asked."""
    asked: list[str] = []

    def answer(path: str, status: int, body: dict, headers: dict | None = None):
        def reply(_headers, _body):
            asked.append(path)
            return (status, json.dumps(body), headers) if headers else (status, json.dumps(body))
        return reply

    routes = {("GET", LIST): answer(LIST, listed, {"total_count": len(workflows),
                                                   "workflows": [workflow("poller-cron.yml")]} if listed == 200
                                    else {"message": "Not Found", "status": str(listed)})}
    for file, given in workflows.items():
        status, body, *headers = given if isinstance(given, tuple) else (200, given)
        path = f"/repos/o/r/actions/workflows/{file}"
        routes[("GET", path)] = answer(path, status, body, *headers)
    if secrets:
        page = "?per_page=100&page=1"
        for path, key in ((f"/repos/o/r/actions/secrets{page}", "secrets"),
                          (f"/repos/o/r/actions/organization-secrets{page}", "secrets"),
                          (f"/repos/o/r/environments{page}", "environments")):
            routes[("GET", path)] = answer(path, 200, {"total_count": 0, key: []})
    return route_server(routes), asked


def run(workflows: dict, *, listed: int = 200, **params):
    server, asked = github_api(workflows, listed=listed)
    check = make_check(platform="github", **({"workflows_active": list(workflows)} | params))
    with server as url:
        target = make_target({"providers": {"github": {"base_url": url, "token": TOKEN, "repo": "o/r"}}})
        try:
            return judge(check, provider.gather(target, [check])), asked
        finally:
            target.close()


# -- params ---------------------------------------------------------------------------------------------------------
def test_workflows_active_takes_file_names_as_githubs_api_names_a_workflow():
    params = Params.model_validate({"platform": "github",
                                    "workflows_active": ["poller-cron.yml", ".github/workflows/nightly.yaml"]})
    assert params.workflows_active == ["poller-cron.yml", "nightly.yaml"]


@pytest.mark.parametrize("params, problem", [
    # the repo family's `file` rule: GitHub runs no workflow in a subfolder or of another extension
    ({"workflows_active": ["nightly/poller-cron.yml"]}, "is not where GitHub reads a workflow"),
    ({"workflows_active": ["poller-cron.yml.off"]}, "is not where GitHub reads a workflow"),
    ({"workflows_active": [".github/workflows/old/poller.yml"]}, "is not where GitHub reads a workflow"),
    ({"workflows_active": ["../poller-cron.yml"]}, "must be a relative path inside the repository"),
    ({"workflows_active": [".gitea/workflows/poller-cron.yml"]}, "not a GitHub Actions workflow"),
    ({"workflows_active": ["poller-cron.yml", ".github/workflows/poller-cron.yml"]}, "named twice"),
    ({"workflows_active": []}, "workflows_active is empty"),
    # a workflow's state does not depend on the deployment environment a job runs in
    ({"workflows_active": ["poller-cron.yml"], "environment": "production"},
     "environment is used with required or secret_age"),
    ({"platform": "vercel", "workflows_active": ["poller-cron.yml"]}, "workflows_active not used with platform vercel"),
])
def test_workflows_active_refuses_what_github_never_runs(params, problem):
    with pytest.raises(ValidationError) as raised:
        Params.model_validate({"platform": "github", **params})
    assert problem in str(raised.value), str(raised.value)


# -- judged against GitHub's answer ---------------------------------------------------------------------------------
@pytest.mark.parametrize("state, status, words", [
    ("active", Status.PASSED, ["1 workflow active (poller-cron.yml)"]),
    # the probe: the repo family passed `triggers_present: [schedule]`, and the schedule never fires
    ("disabled_manually", Status.FAILED,
     ["workflow poller-cron.yml is disabled_manually: disabled by hand, it never runs; enable it in Actions"]),
    ("disabled_inactivity", Status.FAILED,
     ["workflow poller-cron.yml is disabled_inactivity: disabled after 60 days without activity, its schedule "
      "never fires; enable it in Actions"]),
    ("disabled_fork", Status.FAILED, ["workflow poller-cron.yml is disabled_fork: disabled because the repository "
                                      "is a fork"]),
    ("deleted", Status.FAILED, ["workflow poller-cron.yml is deleted"]),
    # a state GitHub does not document, or none: neither active nor disabled
    ("paused", Status.ERROR, ["workflow poller-cron.yml: state \"paused\" is none GitHub documents"]),
    ("", Status.ERROR, ["workflow poller-cron.yml: GitHub's answer holds no readable state (\"\")"]),
    (None, Status.ERROR, ["workflow poller-cron.yml: GitHub's answer holds no readable state (null)"]),
    (1, Status.ERROR, ["workflow poller-cron.yml: GitHub's answer holds no readable state (1)"]),
    (..., Status.ERROR, ["workflow poller-cron.yml: GitHub's answer holds no readable state (missing)"]),
], ids=["active", "disabled_manually", "disabled_inactivity", "disabled_fork", "deleted", "undocumented", "empty",
        "null", "number", "missing"])
def test_a_workflow_is_judged_by_the_state_github_gives_it(state, status, words):
    outcome, asked = run({"poller-cron.yml": workflow("poller-cron.yml", state)})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed
    if status is not Status.ERROR:  # an error says what could not be judged, and expects nothing
        assert outcome.expected == "GitHub Actions workflow poller-cron.yml active (not disabled)"
    # one GET a workflow, beside the repository's list of workflows; no secret is read for it
    assert sorted(asked) == sorted([LIST, "/repos/o/r/actions/workflows/poller-cron.yml"])


def test_each_workflow_is_judged_and_named():
    outcome, _ = run({"poller-cron.yml": workflow("poller-cron.yml"),
                      "nightly.yml": workflow("nightly.yml", "disabled_inactivity")})
    assert outcome.status is Status.FAILED, outcome
    assert "workflow nightly.yml is disabled_inactivity" in outcome.observed, outcome.observed
    assert "poller-cron.yml" not in outcome.observed, outcome.observed
    assert outcome.evidence["workflows"]["poller-cron.yml"]["state"] == "active"
    assert outcome.evidence["workflows"]["nightly.yml"] == {
        "state": "disabled_inactivity", "name": "Poller", "path": ".github/workflows/nightly.yml"}


def test_a_workflow_github_does_not_know_fails_where_the_repository_is_readable():
    outcome, _ = run({"poller-cron.yml": (404, {"message": "Not Found", "status": "404"})})
    assert outcome.status is Status.FAILED, outcome
    assert ("workflow poller-cron.yml: GitHub answered 404, no such workflow on the default branch (where a schedule "
            "runs from)") in outcome.observed, outcome.observed


def test_a_404_where_the_repository_is_not_readable_is_an_error_not_a_missing_workflow():
    """GitHub answers 404 alike for a missing workflow, a wrong repo and a private one the token cannot see."""
    outcome, _ = run({"poller-cron.yml": (404, {"message": "Not Found"})}, listed=404)
    assert outcome.status is Status.ERROR, outcome
    assert "GitHub API answered 404 for GET http" in outcome.observed, outcome.observed
    assert "actions/workflows?per_page=1: check the ids in providers.github" in outcome.observed, outcome.observed
    assert ("workflow poller-cron.yml: GitHub answered 404, and the repository's workflows could not be listed: "
            "whether the workflow or the repository is missing is not known") in outcome.observed, outcome.observed


def test_the_repositorys_list_not_answered_leaves_a_workflow_that_answered_judged():
    """The list only tells a 404's meaning: a workflow GitHub answered is judged, the list's failure unremarked."""
    outcome, _ = run({"poller-cron.yml": workflow("poller-cron.yml", "disabled_manually")}, listed=502)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == ("workflow poller-cron.yml is disabled_manually: disabled by hand, it never runs; "
                                "enable it in Actions"), outcome.observed
    assert not outcome.evidence.get("undecided"), outcome.evidence


def test_a_refused_workflow_call_is_an_error_naming_the_permission():
    refused = (403, {"message": "Resource not accessible by personal access token", "status": "403"},
               {"x-accepted-github-permissions": "actions=read"})
    outcome, _ = run({"poller-cron.yml": refused})
    assert outcome.status is Status.ERROR, outcome
    assert "GitHub API refused the token with 403 for GET" in outcome.observed, outcome.observed
    assert "this call needs Actions: read" in outcome.observed, outcome.observed
    assert "GitHub's x-accepted-github-permissions: actions=read" in outcome.observed, outcome.observed
    assert "its workflows" in provider.TOKEN_HINTS["github"]


def test_the_token_is_never_shown():
    outcome, _ = run({"poller-cron.yml": workflow("poller-cron.yml", "disabled_manually", name=TOKEN)})
    assert outcome.status is Status.ERROR, outcome  # an answer quoting the token is not judged
    assert TOKEN not in json.dumps([outcome.observed, outcome.expected, outcome.evidence], default=str)


WORKFLOW_CALL = Call("github", "https://api.github.com/repos/o/r/actions/workflows/poller-cron.yml",
                     (("authorization", f"Bearer {TOKEN}"),), "github-workflow")
LIST_CALL = Call("github", f"https://api.github.com{LIST}", (("authorization", f"Bearer {TOKEN}"),),
                 "github-workflows")


def _answered(call: Call, status: int, body: dict, hours_off: float = 0):
    return interpret(call, Reply(status, 1.0, _dated(hours_off), json.dumps(body)), Redactor(), NOW)


@pytest.mark.parametrize("status, body", [(200, workflow("poller-cron.yml")),
                                          (200, workflow("poller-cron.yml", "disabled_inactivity")),
                                          (404, {"message": "Not Found"})], ids=["active", "disabled", "404"])
def test_a_workflows_state_from_a_replayed_answer_is_not_judged(status, body):
    """A cache replaying yesterday's answer shows the workflow as it was then: enabled, disabled or not yet there."""
    check = make_check(platform="github", workflows_active=["poller-cron.yml"])
    facts = {"workflows": _answered(LIST_CALL, 200, {"total_count": 1, "workflows": []}),
             "workflow:poller-cron.yml": _answered(WORKFLOW_CALL, status, body, hours_off=-20)}
    outcome = judge(check, {check.key: facts})
    assert outcome.status is Status.ERROR, outcome
    assert ("workflow poller-cron.yml's state not judged: GitHub API answered GET https://api.github.com/repos/o/r/"
            "actions/workflows/poller-cron.yml with Date 2026-11-24T16:00:00Z, 20.0 h behind") in outcome.observed


@pytest.mark.parametrize("body, words", [
    ([workflow("poller-cron.yml")], "not an object"),
    ("active", "not an object"),
])
def test_a_workflow_answered_in_another_shape_is_an_error(body, words):
    answer = _answered(WORKFLOW_CALL, 200, body)
    assert isinstance(answer, provider.Trouble), answer
    assert "unexpected shape" in answer.reason and words in answer.reason, answer.reason


# -- sent with the item's other calls, and bounded -------------------------------------------------------------------
class WaveStub:
    """GitHub as fetch_all meets it: records each wave's paths; every secret list empty, every workflow active."""

    system = "demo"
    env = SimpleNamespace(name="stub")

    def __init__(self) -> None:
        self.redactor = Redactor()
        self.waves: list[list[str]] = []

    def provider(self, platform):
        return {"token": TOKEN, "repo": "o/r", "base_url": "https://gh.example"}

    def fetch_all(self, probes):
        self.waves.append(sorted(p.url.removeprefix("https://gh.example/repos/o/r/") for p in probes))
        replies = []
        for probe in probes:
            if "/actions/workflows/" in probe.url:
                body = workflow(probe.url.rsplit("/", 1)[1])
            elif "/actions/workflows?" in probe.url:
                body = {"total_count": 2, "workflows": []}
            else:
                body = {"total_count": 0, "secrets": [], "environments": []}
            replies.append(Reply(200, 1.0, _dated(0), json.dumps(body)))
        return replies


def test_workflow_calls_go_out_in_the_items_first_wave():
    check = make_check(platform="github", secret_age={"names": ["CRON_SECRET"], "max_days": 9},
                       workflows_active=["poller-cron.yml", "nightly.yml"])
    target = WaveStub()
    provider.gather(target, [check])
    assert target.waves[0] == sorted([
        "actions/organization-secrets?per_page=100&page=1", "actions/secrets?per_page=100&page=1",
        "actions/workflows/nightly.yml", "actions/workflows/poller-cron.yml", "actions/workflows?per_page=1",
        "environments?per_page=100&page=1"])


def test_calls_at_most_and_the_bound_count_the_workflow_calls():
    target = SimpleNamespace(timeouts=TimeoutsModel(connect_s=1, http_s=10))
    alone = SimpleNamespace(params=Params.model_validate(
        {"platform": "github", "workflows_active": [f"w{n}.yml" for n in range(16)]}))
    both = SimpleNamespace(params=Params.model_validate(
        {"platform": "github", "required": ["A"], "workflows_active": ["poller-cron.yml"]}))
    # a GET each, and the repository's list of workflows; the secrets' three lists beside them
    assert [provider.calls_at_most(i.params) for i in (alone, both)] == [17, 5]
    # a workflows-only item reads no secrets: 17 requests, two waves, and no further pages
    assert provider.bound(target, [alone]) == 1 + 10 * 2
