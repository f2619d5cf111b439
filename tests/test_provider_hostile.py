"""provider against platforms that answer in bad faith or in odd shapes: an echoed token cut mid-message, a PITR
time in another unit, a GitHub list longer than its count, a Vercel value with an empty git branch, secret names
in another case, a JSON key given twice, a huge field, a Render event without a status. Each is an ERROR or an
honest verdict, never a secret's piece in any file, never a verdict that depends on list order."""

from __future__ import annotations

import json
import re
import secrets as random
from email.utils import formatdate

import pytest

from opsverify import exitcodes
from opsverify.families import provider
from opsverify.families.provider import Answer, Call, Trouble, interpret, judge
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Reply

from .kit import make_target, route_server
from .project import KeepAliveHttp, Project, raw_reply
from .test_provider import DATE, GITHUB_CALL, NOW, backups, cron_events, deploys, gh, iso, make_check, ms, ok, running
from .test_secret_sweep import _forms, _leaks


# -- 1. an echoed token cut mid-message ----------------------------------------------------------------------
TOKEN = "tokP78e53689dc7b5b607ed751820e87ce104"
VERCEL_CALL = Call("vercel", "https://api.vercel.com/v10/projects/p/env", (), "vercel-env")


@pytest.mark.parametrize("reply", [
    Reply(429, 1.0, {**DATE, "retry-after": "30"}, json.dumps({"message": "x" * 180 + " " + TOKEN})),
    Reply(302, 1.0, {**DATE, "location": "https://elsewhere.example/" + "a" * 170 + "?access_token=" + TOKEN},
          json.dumps({"message": "m" * 60 + " " + TOKEN})),
    Reply(500, 1.0, DATE, json.dumps({"message": "x" * 180 + " " + TOKEN})),
    Reply(500, 1.0, DATE, "<pre>" + "y" * 180 + " " + TOKEN + "</pre>"),
], ids=["429", "302", "500-json", "500-text"])
def test_a_token_cut_mid_message_leaves_no_piece_of_it(reply):
    """A message is cut where the platform's text is long, and more text follows the cut: the cut is marked, so
    the redactor masks the piece of the token before it."""
    redactor = Redactor()
    redactor.add(TOKEN)
    answer = interpret(VERCEL_CALL, reply, redactor, NOW)
    assert isinstance(answer, Trouble), answer
    shown = redactor.text(f"{answer.reason}; {answer.reason}")  # joined as two troubles are
    assert TOKEN[:8] not in shown, shown


def test_no_piece_of_an_echoed_token_in_any_file_the_run_writes(tmp_path):
    token = f"tok{random.token_hex(16)}"
    body = json.dumps({"message": "x" * 180 + " " + token}).encode()
    replies = {
        ("GET", "/gh/repos/o/r/actions/secrets?per_page=100&page=1"): raw_reply(
            302, json.dumps({"message": "m" * 60 + " " + token}).encode(),
            location="http://127.0.0.1:1/" + "a" * 160 + "?access_token=" + token),
        ("GET", "/vc/v10/projects/prj_x/env"): raw_reply(429, body, retry_after="30"),
        ("GET", "/sb/v1/projects/refxyz/database/backups"): raw_reply(500, body),
        ("GET", "/sb/v1/projects/refxyz/billing/addons"): raw_reply(500, body),
    }
    ran = _three_platforms_run(tmp_path, replies, token)
    assert ran.code == exitcodes.COULD_NOT_CHECK, ran.output[-3000:]
    assert ran.statuses() == {"P1-gh": "error", "P2-vc": "error", "P3-sb": "error"}, ran.output[-3000:]
    assert "rate-limited" in ran.output and "answered 302" in ran.output, ran.output[-3000:]
    forms = _forms({"TOKEN": token})
    forms["TOKEN head 8"] = token[:8]  # the redactor's shortest piece worth masking
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


def test_a_redirect_s_user_password_and_token_reach_no_file_the_run_writes(tmp_path):
    """A platform's redirect to a login page may carry a password in its userinfo and a token in its query: named as
    the bundle family names one (the host and path shown, the password dropped, the token learned and masked)."""
    password, access_token = f"Pw{random.token_hex(8)}", f"Zx{random.token_hex(12)}"
    moved = raw_reply(302, b"", location=f"https://robot:{password}@sso.example.com/callback?access_token={access_token}")
    replies = {
        ("GET", "/gh/repos/o/r/actions/secrets?per_page=100&page=1"): moved,
        ("GET", "/vc/v10/projects/prj_x/env"): moved,
        ("GET", "/sb/v1/projects/refxyz/database/backups"): moved,
        ("GET", "/sb/v1/projects/refxyz/billing/addons"): moved,
    }
    ran = _three_platforms_run(tmp_path, replies, f"tok{random.token_hex(16)}")
    assert ran.statuses() == {"P1-gh": "error", "P2-vc": "error", "P3-sb": "error"}, ran.output[-3000:]
    forms = _forms({"PASSWORD": password, "ACCESS_TOKEN": access_token})
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []
    assert "it now answers at https://sso.example.com/callback?access_token=[redacted" in ran.output, ran.output[-3000:]


# -- 2. a PITR time Supabase gives in another unit -----------------------------------------------------------
def _pitr(latest) -> dict:
    return {**backups(pitr=True, daily_hours=()), "physical_backup_data": {"latest_physical_backup_date_unix": latest}}


PITR_AT = int(NOW.timestamp()) - 360  # six minutes ago, in Unix seconds


@pytest.mark.parametrize("latest, shown", [
    (PITR_AT * 1000, str(PITR_AT * 1000)),  # milliseconds
    (iso(hours=0.1), json.dumps(iso(hours=0.1))),  # ISO text
    ("soon", '"soon"'),
], ids=["milliseconds", "iso-text", "word"])
def test_a_pitr_point_that_cannot_be_read_is_an_error_naming_it(latest, shown):
    check = make_check(platform="supabase", backups={"max_age_hours": 26})
    outcome = judge(check, {check.key: {"backups": ok(_pitr(latest))}})
    assert outcome.status is Status.ERROR, outcome
    assert f"physical_backup_data.latest_physical_backup_date_unix is {shown}, not Unix seconds" \
        in outcome.observed, outcome.observed


def test_an_unreadable_pitr_point_does_not_let_a_stale_backup_fail_in_its_place():
    """It may be the newest point: an older backup must not stand in for it (as for an unreadable inserted_at)."""
    check = make_check(platform="supabase", backups={"max_age_hours": 26})
    data = {**backups(pitr=True, daily_hours=(40,)), "physical_backup_data": {"latest_physical_backup_date_unix": "?"}}
    outcome = judge(check, {check.key: {"backups": ok(data)}})
    assert outcome.status is Status.ERROR, outcome
    fresh = {**data, "backups": backups(daily_hours=(3,))["backups"]}
    assert judge(check, {check.key: {"backups": ok(fresh)}}).status is Status.PASSED


def test_a_pitr_point_in_seconds_is_still_read():
    check = make_check(platform="supabase", backups={"max_age_hours": 26})
    outcome = judge(check, {check.key: {"backups": ok(_pitr(PITR_AT))}})
    assert outcome.status is Status.PASSED, outcome
    assert "newest backup 0.1 h old" in outcome.observed


# -- 3, 8. a GitHub list that disagrees with its count; every page in the evidence --------------------------
def _github_server(names: list[str], total: int):
    def page(n: int):
        def answer(headers, body):
            listed = names[(n - 1) * 100: n * 100]
            return 200, json.dumps({"total_count": total,
                                    "secrets": [{"name": s, "updated_at": iso(days=2)} for s in listed]})
        return answer
    routes = {("GET", f"/repos/o/r/actions/secrets?per_page=100&page={n}"): page(n) for n in range(1, 11)}
    routes[("GET", "/repos/o/r/environments?per_page=100&page=1")] = lambda headers, body: (
        200, json.dumps({"total_count": 0, "environments": []}))
    return route_server(routes)  # no organisation: its secrets answer 404


def _github(url: str, **params):
    target = make_target({"providers": {"github": {"base_url": url, "token": "gh-token-0123456", "repo": "o/r"}}})
    check = make_check(platform="github", **params)
    try:
        return judge(check, provider.gather(target, [check]))
    finally:
        target.close()


NAMES = [f"S{n:03d}" for n in range(149)] + ["CRON_SECRET"]  # CRON_SECRET on page 2


def test_a_full_page_beyond_githubs_count_is_an_error_not_a_missing_secret():
    with _github_server(NAMES, total=50) as url:
        outcome = _github(url, required=["CRON_SECRET"])
    assert outcome.status is Status.ERROR, outcome
    assert "GitHub listed 100 secrets of the repository but counts 50 (total_count)" in outcome.observed, \
        outcome.observed


def test_a_list_longer_than_its_count_is_an_error_even_for_a_name_it_lists():
    """Either the list or the count is wrong, and which one is not known."""
    check = make_check(platform="github", required=["S001"])
    outcome = judge(check, {check.key: gh({"total_count": 1, "secrets": [
        {"name": "S001", "updated_at": iso(days=1)}, {"name": "S002", "updated_at": iso(days=1)}]})})
    assert outcome.status is Status.ERROR, outcome


def test_every_page_read_and_githubs_count_are_in_the_evidence():
    with _github_server(NAMES, total=150) as url:
        outcome = _github(url, secret_age={"names": ["CRON_SECRET"], "max_days": 30})
    assert outcome.status is Status.PASSED, outcome
    assert [r.split("/r/", 1)[1] for r in outcome.evidence["requests"] if "/actions/secrets?" in r] == [
        "actions/secrets?per_page=100&page=1", "actions/secrets?per_page=100&page=2"]
    assert outcome.evidence["total_count"] == 150


# -- 4. a Vercel value with an empty git branch -------------------------------------------------------------
STALE = {"key": "A", "type": "encrypted", "target": ["production"], "updatedAt": ms(200)}
FRESH_NO_BRANCH = {"key": "A", "type": "encrypted", "target": ["production"], "updatedAt": ms(0.5), "gitBranch": ""}


@pytest.mark.parametrize("envs", [[STALE, FRESH_NO_BRANCH], [FRESH_NO_BRANCH, STALE]],
                         ids=["stale-first", "fresh-first"])
def test_an_empty_git_branch_is_no_branch_whatever_the_order(envs):
    check = make_check(platform="vercel", secret_age={"names": ["A"], "max_days": 30})
    outcome = judge(check, {check.key: {"env": ok({"envs": envs, "more": False})}})
    assert outcome.status is Status.ERROR, outcome
    assert "A is listed twice for the production env" in outcome.observed


# -- 5. GitHub secret names are case-insensitive; Vercel keys are not -----------------------------------------
GITHUB_UPPER = {"total_count": 1, "secrets": [{"name": "CRON_SECRET", "updated_at": iso(days=3)}]}


@pytest.mark.parametrize("params, status, words", [
    ({"required": ["cron_secret"]}, Status.PASSED, ["cron_secret present"]),
    ({"secret_age": {"names": ["Cron_Secret"], "max_days": 30}}, Status.PASSED, ["1 secret updated within 30 days"]),
    ({"secret_age": {"names": ["cron_secret"], "max_days": 2}}, Status.FAILED, ["cron_secret (the repository) last updated 3.0 days"]),
    ({"required": ["cron_secret_2"]}, Status.FAILED, ["cron_secret_2 is not an Actions secret"]),
], ids=["required", "age", "age-stale", "other-name"])
def test_github_secret_names_match_whatever_their_case(params, status, words):
    check = make_check(platform="github", **params)
    outcome = judge(check, {check.key: gh(GITHUB_UPPER)})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed


def test_a_vercel_key_in_another_case_is_another_key():
    check = make_check(platform="vercel", required=["cron_secret"])
    envs = [{"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": ms(1)}]
    outcome = judge(check, {check.key: {"env": ok({"envs": envs, "more": False})}})
    assert outcome.status is Status.FAILED, outcome


def test_a_github_name_listed_in_two_cases_is_one_secret_listed_twice():
    body = json.dumps({"total_count": 2, "secrets": [{"name": "A_KEY", "updated_at": iso(days=1)},
                                                     {"name": "a_key", "updated_at": iso(days=90)}]})
    answer = interpret(GITHUB_CALL, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble) and "listed twice" in answer.reason, answer


# -- 6. a JSON key given twice --------------------------------------------------------------------------------
def test_a_key_given_twice_is_said_so_not_called_not_json():
    reply = Reply(200, 1.0, DATE, '{"envs": [{"key": "A", "target": ["production"]}], "envs": []}')
    answer = interpret(VERCEL_CALL, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert "not JSON" not in answer.reason
    assert 'names the key "envs" twice' in answer.reason, answer.reason


# -- 7. evidence keeps what was judged, cut --------------------------------------------------------------------
def test_a_huge_field_of_the_backups_answer_stays_out_of_the_evidence():
    data = _pitr(PITR_AT)
    data["physical_backup_data"]["note"] = "x" * 1_000_000
    data["region"] = "r" * 1_000_000
    data["backups"] = [{"status": "C" * 100_000 + str(n), "inserted_at": "y" * 100_000} for n in range(20)]
    check = make_check(platform="supabase", backups={"max_age_hours": 26}, pitr_days=7)
    outcome = judge(check, {check.key: {"backups": ok(data), "addons": ok({"selected_addons": [
        {"type": "pitr", "variant": {"id": "p" * 1_000_000}}]})}})
    size = len(json.dumps(outcome.evidence))
    assert size < 10_000, size
    assert outcome.evidence["backups"]["latest_physical_backup_date_unix"] == PITR_AT


# -- 9. a Render event or deploy without a status --------------------------------------------------------------
def test_a_render_deploy_without_a_status_is_unknown():
    data = deploys("live")
    del data[0]["deploy"]["status"]
    check = make_check(platform="render", services=["web"], deploy_status="live")
    outcome = judge(check, {check.key: {"deploy:web": ok(data), **running("web")}})
    assert outcome.status is Status.ERROR, outcome
    assert "web: newest deploy dep-1 has no status" in outcome.observed, outcome.observed


def test_a_cron_run_without_a_status_is_unknown():
    events = cron_events(("cron_job_run_ended", 1, None))
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 2}})
    outcome = judge(check, {check.key: {"cron:trim": ok(events)}})
    assert outcome.status is Status.ERROR, outcome
    assert "cron job trim: its newest run event has no status" in outcome.observed, outcome.observed



# -- 10. Vercel's further pages: `until` set to the previous page's `pagination.next` ------------------------
class VercelPagesStub:
    """Answers GET /v10/projects/{id}/env like Vercel's REST API paginates: `pages` lists of keys, the page after
    `until=<next>` of the one before; `cursors[n]` is page n's `pagination.next` (None on the last). Records every
    URL asked."""

    system = "demo"
    env = type("Env", (), {"name": "stub"})()

    def __init__(self, pages: list[list[str]], cursors: list | None = None, team: str | None = None) -> None:
        self.redactor = Redactor()
        self.pages = pages
        last_is_none = [1_700_000_000_000 - n for n in range(len(pages) - 1)] + [None]
        self.cursors = cursors if cursors is not None else last_is_none
        self.team = team
        self.asked: list[str] = []

    def provider(self, platform):
        return {"token": "vercel-token-0123456", "project": "prj_1", "base_url": "https://vercel.example",
                **({"team": self.team} if self.team else {})}

    def fetch_all(self, probes):
        from urllib.parse import parse_qs, urlsplit

        replies = []
        for probe in probes:
            self.asked.append(probe.url)
            until = parse_qs(urlsplit(probe.url).query).get("until")
            page = 0 if until is None else self.cursors.index(int(until[0])) + 1
            envs = [{"key": key, "type": "encrypted", "value": f"value-of-{key}-0123456789", "target": ["production"],
                     "updatedAt": ms(1)} for key in self.pages[page]]
            body = {"envs": envs, "pagination": {"count": len(envs), "next": self.cursors[page],
                                                 "prev": None if page == 0 else self.cursors[page - 1]}}
            replies.append(Reply(200, 1.0, {"date": formatdate(usegmt=True)}, json.dumps(body)))
        return replies


def test_vercels_further_pages_are_followed_until_next_is_null():
    target = VercelPagesStub([["CRON_SECRET", "A"], ["PAGE2_VAR"], ["PAGE3_VAR"]], team="team_1")
    check = make_check(platform="vercel", required=["CRON_SECRET", "PAGE2_VAR", "PAGE3_VAR"])
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.PASSED, outcome
    assert [u.split("?", 1)[1] for u in target.asked] == [
        "teamId=team_1", "teamId=team_1&until=1700000000000", "teamId=team_1&until=1699999999999"]
    assert outcome.evidence["requests"] == [f"GET {u}" for u in target.asked]
    # a later page's values are redacted as the first page's are
    assert "value-of-PAGE3_VAR" not in target.redactor.text("value-of-PAGE3_VAR-0123456789")


def test_a_name_missing_from_every_vercel_page_is_not_set():
    target = VercelPagesStub([["CRON_SECRET"], ["PAGE2_VAR"]])
    check = make_check(platform="vercel", required=["NOPE"])
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.FAILED, outcome
    assert "NOPE is not set in the Vercel project's production env" in outcome.observed


def test_a_vercel_walk_stops_at_the_page_limit_and_a_name_not_seen_is_unknown():
    pages = [[f"V{n:02d}"] for n in range(provider.VERCEL_MAX_PAGES + 5)]
    target = VercelPagesStub(pages, cursors=[1_700_000_000_000 - n for n in range(len(pages))])  # never ends
    check = make_check(platform="vercel", required=["V00", "NOPE"])
    outcome = judge(check, provider.gather(target, [check]))
    assert len(target.asked) == provider.VERCEL_MAX_PAGES, target.asked
    assert outcome.status is Status.ERROR, outcome
    assert (f"NOPE not among the {provider.VERCEL_MAX_PAGES} env vars of the {provider.VERCEL_MAX_PAGES} pages "
            "Vercel answered (it has more pages)") in outcome.observed, outcome.observed


def test_a_vercel_cursor_given_again_ends_the_walk_as_not_read_whole():
    # the page that names the cursor it was asked with is not merged: a server that ignores `until` does so too
    target = VercelPagesStub([["CRON_SECRET"], ["PAGE2_VAR"]], cursors=[1_700_000_000_000, 1_700_000_000_000])
    check = make_check(platform="vercel", required=["NOPE"])
    outcome = judge(check, provider.gather(target, [check]))
    assert len(target.asked) == 2, target.asked
    assert outcome.status is Status.ERROR, outcome
    assert ("NOPE not among the 1 env vars of the first page Vercel answered (it has more pages; page 2 came as a "
            "repeat, a cursor or entries already read: not merged)") in outcome.observed, outcome.observed


def test_a_vercel_server_ignoring_until_is_not_read_as_each_key_listed_twice():
    # `until` is no documented parameter of the env list: a server that ignores it answers page 1 again, same
    # `next` — a repeat, not more keys: a key present passes, a missing one is unknown (the list not read whole)
    from dataclasses import replace

    class IgnoresUntil(VercelPagesStub):
        def fetch_all(self, probes):
            replies = super().fetch_all([replace(p, url=p.url.split("until=")[0].rstrip("?&")) for p in probes])
            self.asked[-len(probes):] = [p.url for p in probes]
            return replies

    target = IgnoresUntil([["CRON_SECRET"], ["PAGE2_VAR"]])
    check = make_check(platform="vercel", required=["CRON_SECRET"])
    outcome = judge(check, provider.gather(target, [check]))
    assert len(target.asked) == 2 and "until=1700000000000" in target.asked[1], target.asked
    assert outcome.status is Status.PASSED, outcome
    target = IgnoresUntil([["CRON_SECRET"], ["PAGE2_VAR"]])
    check = make_check(platform="vercel", required=["CRON_SECRET", "NOPE"])
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert "listed twice" not in outcome.observed, outcome.observed
    assert ("NOPE not among the 1 env vars of the first page Vercel answered (it has more pages; page 2 came as a "
            "repeat, a cursor or entries already read: not merged)") in outcome.observed, outcome.observed


def test_a_vercel_page_identical_to_one_read_is_not_merged_again():
    # a new cursor on the same entries (a server answering page 1 again with a `next` of its own): still a repeat
    target = VercelPagesStub([["CRON_SECRET"], ["CRON_SECRET"], ["PAGE3_VAR"]])
    check = make_check(platform="vercel", required=["CRON_SECRET"])
    outcome = judge(check, provider.gather(target, [check]))
    assert len(target.asked) == 2, target.asked
    assert outcome.status is Status.PASSED, outcome


def test_a_vercel_page_that_fails_leaves_the_item_unchecked_naming_that_page():
    class FailingSecondPage(VercelPagesStub):
        def fetch_all(self, probes):
            replies = super().fetch_all(probes)
            return [Reply(500, 1.0, {"date": formatdate(usegmt=True)}, '{"error": {"message": "boom"}}')
                    if "until=" in p.url else r for p, r in zip(probes, replies)]

    target = FailingSecondPage([["CRON_SECRET"], ["PAGE2_VAR"]])
    check = make_check(platform="vercel", required=["CRON_SECRET"])
    outcome = judge(check, provider.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert "answered 500" in outcome.observed and "until=1700000000000" in outcome.observed, outcome.observed
    assert len(outcome.evidence["requests"]) == 2


def test_bound_counts_vercels_further_pages_one_wave_each():
    from types import SimpleNamespace

    from opsverify.environment import TimeoutsModel

    target = SimpleNamespace(timeouts=TimeoutsModel(connect_s=1, http_s=10))
    items = [SimpleNamespace(params=make_check(platform="vercel", required=["A"]).params)]
    # the first page, then each further page only once the one before it names it
    assert provider.bound(target, items) == 1 + 10 * provider.VERCEL_MAX_PAGES


# -- 11. an answer without the list it documents is no empty list ------------------------------------------------
@pytest.mark.parametrize("params, role, data", [
    ({"services": ["web"], "deploy_status": "live"}, "deploy:web", {}),
    ({"services": ["web"], "deploy_status": "live"}, "deploy:web", None),
    ({"services": ["web"], "deploy_status": "live"}, "deploy:web", ""),
    ({"cron_jobs": {"trim": {"max_age_hours": 3}}}, "cron:trim", {}),
    ({"cron_jobs": {"trim": {"max_age_hours": 3}}}, "cron:trim", None),
], ids=["deploys-object", "deploys-null", "deploys-empty-text", "events-object", "events-null"])
def test_a_render_list_answered_as_no_list_is_an_error_not_a_failure(params, role, data):
    check = make_check(platform="render", **params)
    outcome = judge(check, {check.key: {role: ok(data)}})
    assert outcome.status is Status.ERROR, outcome
    assert "unexpected shape" in outcome.observed and "not a list" in outcome.observed, outcome.observed


def test_an_empty_render_list_still_fails():
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 3}})
    outcome = judge(check, {check.key: {"cron:trim": ok([])}})
    assert outcome.status is Status.FAILED, outcome
    assert "cron job trim has no finished run in the last 4 h" in outcome.observed


SHAPES = [
    (Call("supabase", "https://api.supabase.com/v1/projects/p/secrets", (), "supabase-secrets"), '{}'),
    (Call("supabase", "https://api.supabase.com/v1/projects/p/secrets", (), "supabase-secrets"), '{"a": 1}'),
    (VERCEL_CALL, '{"envs": {}}'),
    (GITHUB_CALL, '{"total_count": 0, "secrets": {}}'),
    (Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group"),
     '{"id": "evg-1", "name": "g", "updatedAt": "2026-11-01T00:00:00Z", "serviceLinks": [{"id": "srv-1"}]}'),
    (Call("render", "https://api.render.com/v1/env-groups/evg-1", (), "render-env-group"),
     '{"id": "evg-1", "name": "g", "updatedAt": "2026-11-01T00:00:00Z", "envVars": [{"key": "K", "value": "v"}],'
     ' "serviceLinks": null}'),
]


@pytest.mark.parametrize("call, body", SHAPES, ids=["supabase-secrets-empty-object", "supabase-secrets-object",
                                                    "vercel-envs-object", "github-secrets-object",
                                                    "render-group-without-envvars", "render-group-links-null"])
def test_a_list_answered_as_no_list_is_an_unexpected_shape(call, body):
    answer = interpret(call, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert "unexpected shape" in answer.reason and "not a list" in answer.reason, answer.reason


def test_supabase_pitr_on_without_physical_backup_data_is_unknown():
    data = {**backups(pitr=True, daily_hours=())}
    del data["physical_backup_data"]
    check = make_check(platform="supabase", backups={"max_age_hours": 26})
    outcome = judge(check, {check.key: {"backups": ok(data)}})
    assert outcome.status is Status.ERROR, outcome
    assert "physical_backup_data" in outcome.observed, outcome.observed


# -- 12. a refusal quoting part of the token --------------------------------------------------------------------
PIECE_TOKEN = "ghp_SuperSecretToken_4242abcd"
PIECE_CALL = Call("github", "https://api.github.com/repos/o/r/actions/secrets?per_page=100&page=1",
                  (("authorization", f"Bearer {PIECE_TOKEN}"),), "github-secrets")
HIDDEN = "(its body quotes part of the token: not shown)"


@pytest.mark.parametrize("reply", [
    Reply(301, 1.0, {**DATE, "location": "https://elsewhere.example/x"},
          json.dumps({"message": "moved " + PIECE_TOKEN[:12]})),
    Reply(500, 1.0, DATE, json.dumps({"message": "bad " + PIECE_TOKEN[4:14]})),
    Reply(502, 1.0, DATE, "<pre>gateway saw " + PIECE_TOKEN[-9:] + "</pre>"),
    Reply(429, 1.0, {**DATE, "retry-after": "30"}, json.dumps({"error": {"message": PIECE_TOKEN[10:20]}})),
], ids=["301-head", "500-middle", "502-tail-text", "429"])
def test_a_refusal_quoting_part_of_the_token_is_not_quoted(reply):
    answer = interpret(PIECE_CALL, reply, Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert HIDDEN in answer.reason, answer.reason
    assert not any(PIECE_TOKEN[i:i + 8] in answer.reason for i in range(len(PIECE_TOKEN) - 7)), answer.reason


def test_a_location_quoting_part_of_the_token_is_not_quoted():
    reply = Reply(301, 1.0, {**DATE, "location": "https://elsewhere.example/x?t=" + PIECE_TOKEN[:12]},
                  json.dumps({"message": "Moved Permanently"}))
    answer = interpret(PIECE_CALL, reply, Redactor(), NOW)
    assert PIECE_TOKEN[:8] not in answer.reason, answer.reason
    assert "(Moved Permanently)" in answer.reason and "its Location quotes part of the token" in answer.reason


def test_an_answer_echoing_part_of_the_token_is_not_judged():
    """Any field a verdict quotes (a secret's name, a status) might be the piece."""
    body = json.dumps({"total_count": 1, "secrets": [{"name": PIECE_TOKEN[:14], "updated_at": iso(days=1)}]})
    answer = interpret(PIECE_CALL, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert "quotes part of the token sent" in answer.reason and PIECE_TOKEN[:8] not in answer.reason, answer.reason


def test_a_shape_error_quoting_part_of_the_token_is_not_quoted():
    body = json.dumps({"total_count": "x " + PIECE_TOKEN[2:16], "secrets": []})
    answer = interpret(PIECE_CALL, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Trouble) and "unexpected shape" in answer.reason, answer
    assert HIDDEN in answer.reason and PIECE_TOKEN[2:10] not in answer.reason, answer.reason


def test_a_harmless_refusal_is_still_quoted():
    reply = Reply(500, 1.0, DATE, json.dumps({"message": "database ghp_ is down for maintenance"}))
    answer = interpret(PIECE_CALL, reply, Redactor(), NOW)
    assert "database ghp_ is down for maintenance" in answer.reason, answer.reason


def test_no_piece_of_a_partly_echoed_token_in_any_file_the_run_writes(tmp_path):
    token = f"tok{random.token_hex(16)}"
    replies = {
        ("GET", "/gh/repos/o/r/actions/secrets?per_page=100&page=1"): raw_reply(
            301, json.dumps({"message": "moved " + token[:12]}).encode(), location="http://127.0.0.1:1/elsewhere"),
        ("GET", "/vc/v10/projects/prj_x/env"): raw_reply(
            429, json.dumps({"error": {"message": "slow down " + token[5:17]}}).encode(), retry_after="30"),
        ("GET", "/sb/v1/projects/refxyz/database/backups"): raw_reply(500, ("oops " + token[-10:]).encode(),
                                                                      content_type="text/plain"),
        ("GET", "/sb/v1/projects/refxyz/billing/addons"): raw_reply(500, b'{"message": "harmless words"}'),
    }
    ran = _three_platforms_run(tmp_path, replies, token)
    assert ran.statuses() == {"P1-gh": "error", "P2-vc": "error", "P3-sb": "error"}, ran.output[-3000:]
    assert HIDDEN in ran.output and "harmless words" in ran.output, ran.output[-3000:]
    forms = {f"TOKEN run {i}": token[i:i + 8] for i in range(len(token) - 7)}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []



# -- 13. two PITR add-ons in one answer ---------------------------------------------------------------------------
@pytest.mark.parametrize("variants", [["pitr_7", "pitr_28"], ["pitr_28", "pitr_7"], ["pitr_28", "pitr_28"]],
                         ids=["short-first", "long-first", "same-twice"])
def test_several_pitr_add_ons_are_an_error_naming_each_whatever_the_order(variants):
    """Supabase selects one add-on of a type (applying a PITR variant replaces the one before): an answer listing
    two contradicts itself, and reading the first would make the verdict the list order's."""
    selected = [{"type": "compute_instance", "variant": {"id": "ci_small"}},
                *({"type": "pitr", "variant": {"id": variant, "name": "n days"}} for variant in variants)]
    check = make_check(platform="supabase", pitr_days=14)
    outcome = judge(check, {check.key: {"backups": ok(backups(pitr=True, daily_hours=())),
                                        "addons": ok({"selected_addons": selected})}})
    assert outcome.status is Status.ERROR, outcome
    assert f"2 PITR add-ons selected ({', '.join(variants)})" in outcome.observed, outcome.observed
    assert outcome.evidence["pitr_addon"] == variants


# -- 14. a Vercel env var's target given as an object -------------------------------------------------------------
@pytest.mark.parametrize("field, value, kind", [
    ("target", {"production": False}, "an object"),
    ("target", {}, "an object"),
    ("target", ["production", {"production": False}], "a list holding an object"),
    ("target", 1, "a number"),
    ("customEnvironmentIds", {"env_staging1": False}, "an object"),
    ("customEnvironmentIds", [["env_staging1"]], "a list holding a list"),
], ids=["target-object", "target-empty-object", "target-list-with-object", "target-number", "custom-object",
        "custom-nested-list"])
def test_a_vercel_target_that_is_neither_text_nor_a_list_of_text_is_an_unexpected_shape(field, value, kind):
    """Iterating an object reads its keys: {"production": false} would read as set for production."""
    env = {"key": "CRON_SECRET", "type": "encrypted", "target": ["production"], "updatedAt": ms(1), field: value}
    answer = interpret(VERCEL_CALL, Reply(200, 1.0, DATE, json.dumps({"envs": [env]})), Redactor(), NOW)
    assert isinstance(answer, Trouble), answer
    assert "unexpected shape" in answer.reason, answer.reason
    assert f"CRON_SECRET's {field} is {kind}, not text or a list of text" in answer.reason, answer.reason


@pytest.mark.parametrize("target, custom", [("production", None), (["production"], []), (None, ["env_staging1"])],
                         ids=["text", "lists", "no-target"])
def test_a_vercel_target_as_text_a_list_or_none_is_still_read(target, custom):
    env = {"key": "CRON_SECRET", "type": "encrypted", "updatedAt": ms(1), "target": target,
           **({"customEnvironmentIds": custom} if custom is not None else {})}
    answer = interpret(VERCEL_CALL, Reply(200, 1.0, DATE, json.dumps({"envs": [env]})), Redactor(), NOW)
    assert isinstance(answer, Answer), answer
    assert answer.data["envs"][0]["target"] == ([target] if isinstance(target, str) else target or [])
    assert answer.data["envs"][0]["customEnvironmentIds"] == (custom or [])


def _three_platforms_run(tmp_path, replies, token):
    """A run of one item per platform (GitHub, Vercel, Supabase) against `replies`, each asked with `token`."""
    with KeepAliveHttp(replies) as platforms:
        project = Project(tmp_path, {"PLATFORM_TOKEN": token, "PLATFORMS": platforms.url})
        project.checklist("vault", """
        - {id: P1, name: gh, section: Platforms, title: the cron secret is an Actions secret, family: provider,
           cadence: postdeploy, params: {platform: github, required: [CRON_SECRET]}}
        - {id: P2, name: vc, section: Platforms, title: the cron secret is set, family: provider,
           cadence: postdeploy, params: {platform: vercel, required: [CRON_SECRET]}}
        - {id: P3, name: sb, section: Platforms, title: PITR keeps a week, family: provider,
           cadence: postdeploy, params: {platform: supabase, pitr_days: 7}}
        """)
        project.environment("""
        timeouts: {connect_s: 2, http_s: 3}
        systems:
          vault:
            providers:
              github: {base_url: "${PLATFORMS}/gh", token: "${PLATFORM_TOKEN}", repo: o/r}
              vercel: {base_url: "${PLATFORMS}/vc", token: "${PLATFORM_TOKEN}", project: prj_x}
              supabase: {base_url: "${PLATFORMS}/sb", token: "${PLATFORM_TOKEN}", project: refxyz}
        """)
        return project.run("-m", "postdeploy", "--env", "local", "-rA", "--junitxml=junit.xml")


# -- a GitHub secret lives in the repository, the organisation and each deployment environment ------------------
# A job that names an environment sees that environment's value over the repository's, and the repository's over
# the organisation's; a job that names none sees the repository's, else the organisation's.
FRESH, STALE_400 = iso(days=3), iso(days=400)


def _listed(**names: str) -> dict:
    return {"total_count": len(names), "secrets": [{"name": n, "updated_at": t} for n, t in names.items()]}


@pytest.mark.parametrize("params, facts, status, words", [
    # a stale environment value beside a fresh repository one had passed: only the repository's was read
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     gh(_listed(CRON_SECRET=FRESH), production=_listed(CRON_SECRET=STALE_400)), Status.FAILED,
     ["CRON_SECRET (environment production) last updated 400.0 days ago"]),
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}, "environment": "production"},
     {**gh(_listed(CRON_SECRET=FRESH)), "env_secrets": ok(_listed(CRON_SECRET=STALE_400))}, Status.FAILED,
     ["CRON_SECRET (environment production) last updated 400.0 days ago"]),
    # the environment's value is what its jobs see: a stale repository value behind it is not theirs
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}, "environment": "production"},
     {**gh(_listed(CRON_SECRET=STALE_400)), "env_secrets": ok(_listed(CRON_SECRET=FRESH))}, Status.PASSED,
     ["1 secret updated within 90 days"]),
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     gh(_listed(CRON_SECRET=STALE_400), production=_listed(CRON_SECRET=FRESH)), Status.FAILED,
     ["CRON_SECRET (the repository) last updated 400.0 days ago"]),
    # the organisation's value, shared with the repository, is seen where the repository has none
    ({"required": ["ORG_TOKEN"]}, gh(_listed(), _listed(ORG_TOKEN=FRESH)), Status.PASSED, ["ORG_TOKEN present"]),
    ({"secret_age": {"names": ["ORG_TOKEN"], "max_days": 90}}, gh(_listed(), _listed(ORG_TOKEN=STALE_400)),
     Status.FAILED, ["ORG_TOKEN (the organisation) last updated 400.0 days ago"]),
    # an environment's value only: a job sees it only when it runs there
    ({"required": ["DEPLOY_KEY"]}, gh(_listed(), production=_listed(DEPLOY_KEY=FRESH)), Status.FAILED,
     ["DEPLOY_KEY is a secret of environment production only", "environment: in the item"]),
    ({"required": ["DEPLOY_KEY"], "environment": "production"},
     {**gh(_listed()), "env_secrets": ok(_listed(DEPLOY_KEY=FRESH))}, Status.PASSED, ["DEPLOY_KEY present"]),
    # not every environment read: a value not read may be the stale one
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
     {**gh(_listed(CRON_SECRET=FRESH)), "environments": ok({"total_count": 101, "names": []})}, Status.ERROR,
     ["not every value of CRON_SECRET was read", "the repository has 101 environments and 0 were read"]),
    # an environment's list not read whole, before the repository's value: which one wins is not known
    ({"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}, "environment": "production"},
     {**gh(_listed(CRON_SECRET=FRESH)), "env_secrets": ok({**_listed(), "total_count": 150})}, Status.ERROR,
     ["CRON_SECRET not among the secrets read (environment production: 0 of the 150"]),
], ids=["env-stale", "env-stale-named", "env-wins", "repo-stale-beside-env", "org-required", "org-stale",
        "env-only-required", "env-only-named", "environments-unread", "named-env-unread"])
def test_a_github_secret_is_judged_wherever_a_job_may_see_it(params, facts, status, words):
    check = make_check(platform="github", **params)
    outcome = judge(check, {check.key: facts})
    assert outcome.status is status, outcome
    for word in words:
        assert word in outcome.observed, outcome.observed


def _github_scopes_server(org_status: int = 200, env_status: int = 200):
    def answer(status: int, body: dict):
        return lambda headers, _body: (status, json.dumps(body))
    page = "?per_page=100&page=1"
    return route_server({
        ("GET", f"/repos/o/r/actions/secrets{page}"): answer(200, _listed(CRON_SECRET=FRESH)),
        ("GET", f"/repos/o/r/actions/organization-secrets{page}"): answer(
            org_status, _listed() if org_status == 200 else {"message": "Not Found"}),
        ("GET", f"/repos/o/r/environments{page}"): answer(200, {"total_count": 2, "environments": [
            {"id": 1, "name": "production"}, {"id": 2, "name": "release/candidate"}]}),
        ("GET", f"/repos/o/r/environments/production/secrets{page}"): answer(
            env_status, _listed(CRON_SECRET=STALE_400) if env_status == 200 else {"message": "Forbidden"}),
        ("GET", f"/repos/o/r/environments/release%2Fcandidate/secrets{page}"): answer(200, _listed()),
    })


def test_every_environment_is_read_and_a_stale_one_fails_the_item():
    """End to end: the environments listed, each one's secrets asked for (a / in a name sent as %2F), and no
    organisation (GitHub's 404 for a repository no organisation owns) read as no organisation secrets."""
    with _github_scopes_server(org_status=404) as url:
        outcome = _github(url, secret_age={"names": ["CRON_SECRET"], "max_days": 90})
    assert outcome.status is Status.FAILED, outcome
    assert "CRON_SECRET (environment production) last updated" in outcome.observed
    assert "(the repository)" not in outcome.observed
    assert outcome.evidence["organisation_secrets"] == "no organisation owns the repository"
    assert outcome.evidence["environment_secrets"] == {"production": ["CRON_SECRET"], "release/candidate": []}
    assert any(r.endswith("/environments/release%2Fcandidate/secrets?per_page=100&page=1")
               for r in outcome.evidence["requests"])


def test_an_environment_whose_secrets_cannot_be_read_leaves_the_item_unchecked():
    with _github_scopes_server(env_status=403) as url:
        outcome = _github(url, required=["CRON_SECRET"])
    assert outcome.status is Status.ERROR, outcome
    assert "GitHub API refused the token with 403" in outcome.observed
    assert "Environments" in outcome.observed


def test_a_misspelt_environment_is_named_in_the_404s_fix():
    """The item's environment: 404 for its secrets; the fix had named only providers.github's ids."""
    with _github_scopes_server() as url:
        outcome = _github(url, required=["CRON_SECRET"], environment="prodution")
    assert outcome.status is Status.ERROR, outcome
    assert "check the item's environment (a deployment environment's name" in outcome.observed, outcome.observed


# GitHub documents one fine-grained repository permission for each call the family makes: "List repository secrets"
# and "List repository organization secrets" need Secrets, "List environments" Actions, "List environment secrets"
# Environments (docs.github.com/rest/actions/secrets, /rest/deployments/environments). A call without it is refused
# with 403, and GitHub names what it accepts in x-accepted-github-permissions.
def _github_permissions_server(granted: set[str]):
    """GitHub as a fine-grained token with `granted` (GitHub's names: secrets, actions, …) meets it."""
    def answer(needs: str, body: dict):
        def reply(_headers, _body):
            if needs in granted:
                return 200, json.dumps(body)
            return 403, json.dumps({"message": "Resource not accessible by personal access token", "status": "403"}), \
                {"x-accepted-github-permissions": f"{needs}=read"}
        return reply
    page = "?per_page=100&page=1"
    return route_server({
        ("GET", f"/repos/o/r/actions/secrets{page}"): answer("secrets", _listed(CRON_SECRET=FRESH)),
        ("GET", f"/repos/o/r/actions/organization-secrets{page}"): answer("secrets", _listed()),
        ("GET", f"/repos/o/r/environments{page}"): answer("actions", {"total_count": 1, "environments": [
            {"id": 1, "name": "production"}]}),
        ("GET", f"/repos/o/r/environments/production/secrets{page}"): answer("environments",
                                                                              _listed(CRON_SECRET=FRESH)),
    })


def _advised() -> set[str]:
    """The fine-grained permissions the GitHub token's fix asks for, as GitHub's header names them."""
    advice = re.search(r"fine-grained: ([^)]*?): read", provider.TOKEN_HINTS["github"])
    assert advice, provider.TOKEN_HINTS["github"]
    return {name.strip().lower() for name in re.split(r",| and ", advice.group(1))}


@pytest.mark.parametrize("params", [
    {"required": ["CRON_SECRET"]},
    {"secret_age": {"names": ["CRON_SECRET"], "max_days": 90}},
    {"required": ["CRON_SECRET"], "environment": "production"},
], ids=["required", "secret_age", "environment"])
def test_a_github_token_made_as_the_fix_says_reads_every_place(params):
    """The fix had asked for Secrets, Environments and Metadata: the list of environments (Actions) was refused to
    such a token, and each run repeated the same advice."""
    with _github_permissions_server(_advised()) as url:
        outcome = _github(url, **params)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("missing, needs", [("actions", "Actions"), ("environments", "Environments"),
                                            ("secrets", "Secrets")])
def test_a_refused_github_call_names_the_permission_it_needs_and_githubs_own_word(missing, needs):
    with _github_permissions_server({"secrets", "actions", "environments"} - {missing}) as url:
        outcome = _github(url, required=["CRON_SECRET"])
    assert outcome.status is Status.ERROR, outcome
    assert "GitHub API refused the token with 403" in outcome.observed
    assert f"this call needs {needs}: read" in outcome.observed, outcome.observed
    assert f"GitHub's x-accepted-github-permissions: {missing}=read" in outcome.observed, outcome.observed


ENVIRONMENTS_CALL = Call("github", "https://api.github.com/repos/o/r/environments?per_page=100&page=1",
                         (("authorization", f"Bearer {TOKEN}"),), "github-environments")


@pytest.mark.parametrize("header, shown", [
    (None, None),  # a classic token's refusal, or a bad token's: no header, nothing said of one
    ("actions=read", "GitHub's x-accepted-github-permissions: actions=read"),
    ("repository_projects=write; organization_projects=admin",  # GitHub's form for either of two sets
     "GitHub's x-accepted-github-permissions: repository_projects=write; organization_projects=admin"),
    ("actions=read\x1b[2J" + "x" * 300, "actions=read\\x1b[2J"),  # a control character written out, and cut
    (f"actions=read, {TOKEN[:12]}", "GitHub's x-accepted-github-permissions quotes part of the token: not shown"),
], ids=["none", "one", "two-sets", "hostile", "echoes-token"])
def test_githubs_accepted_permissions_are_shown_as_it_gives_them(header, shown):
    headers = {**DATE, **({"x-accepted-github-permissions": header} if header is not None else {})}
    reply = Reply(403, 1.0, headers, '{"message": "Resource not accessible by personal access token"}')
    reason = interpret(ENVIRONMENTS_CALL, reply, Redactor(), NOW).reason
    assert "this call needs Actions: read" in reason, reason
    assert len(reason) < 700, reason
    if shown is None:
        assert "x-accepted-github-permissions" not in reason, reason
    else:
        assert shown in reason, reason
    assert TOKEN[:8] not in reason, reason


def test_a_github_environment_name_is_text_a_job_could_name():
    with pytest.raises(ValueError, match="not a GitHub environment's name"):
        make_check(platform="github", required=["A"], environment=" production")
    with pytest.raises(ValueError, match="environment not used with platform vercel"):
        make_check(platform="vercel", required=["A"], environment="production")


# -- a Render service's own env var is used over its env group's ---------------------------------------------------
def test_a_key_a_render_service_sets_itself_leaves_the_groups_age_unable_to_vouch_for_it():
    """The group changed 20 days ago; the worker sets A itself, and Render keeps no change time for that value: the
    group's age says nothing of what the worker runs with. It had passed as the group's."""
    from .test_provider import GROUP, listed, own_env

    check = make_check(platform="render", services=["web", "worker"], secret_age={"names": ["A"], "max_days": 30})
    facts = {"env_group": ok({**GROUP, "service_ids": ["srv-w", "srv-k"]}),
             "service_ids": {"web": "srv-w", "worker": "srv-k"}, **listed(), **own_env("web"),
             **own_env("worker", keys=("A",))}
    outcome = judge(check, {check.key: facts})
    assert outcome.status is Status.ERROR, outcome
    assert "A is also set on service worker itself, whose value Render uses over the group's" in outcome.observed
    full = {**facts, "service_env:worker": ok({"keys": [f"K{n}" for n in range(100)], "full": True})}
    outcome = judge(check, {check.key: full})
    assert outcome.status is Status.ERROR and "a full page: more were not read" in outcome.observed, outcome


def test_a_render_services_own_env_values_go_to_the_redactor_and_only_keys_are_kept():
    redactor = Redactor()
    call = Call("render", "https://api.render.com/v1/services/srv-k/env-vars?limit=100", (), "render-service-env")
    body = json.dumps([{"envVar": {"key": "API_JWT_SECRET", "value": "own-jwt-secret-value-7731"}, "cursor": "c0"}])
    answer = interpret(call, Reply(200, 1.0, DATE, body), redactor, NOW)
    assert isinstance(answer, Answer) and answer.data == {"keys": ["API_JWT_SECRET"], "full": False}, answer
    assert redactor.text("x own-jwt-secret-value-7731 y") != "x own-jwt-secret-value-7731 y"


def test_an_environments_page_longer_than_a_page_is_read_only_that_far():
    """1,000 environments on one page had sent 1,000 requests, far past the family's bound: a page holds 100."""
    call = Call("github", "https://api.github.com/repos/o/r/environments?per_page=100&page=1", (), "github-environments")
    body = json.dumps({"total_count": 1000, "environments": [{"id": n, "name": f"e{n}"} for n in range(1000)]})
    answer = interpret(call, Reply(200, 1.0, DATE, body), Redactor(), NOW)
    assert isinstance(answer, Answer) and len(answer.data["names"]) == 100 and answer.data["total_count"] == 1000
    lying = json.dumps({"total_count": 3, "environments": [{"id": n, "name": f"e{n}"} for n in range(150)]})
    answer = interpret(call, Reply(200, 1.0, DATE, lying), Redactor(), NOW)
    assert len(answer.data["names"]) == 100 and answer.data["total_count"] == 150  # the rest: not read


@pytest.mark.parametrize("name, segment", [(".", "%2E"), ("..", "%2E%2E"), ("a.b", "a.b"), ("r/c", "r%2Fc")])
def test_an_environment_named_as_a_dot_segment_is_asked_for_as_its_name(name, segment):
    assert provider._github_environment_page("https://api.github.com", "o/r", name) == (
        f"https://api.github.com/repos/o/r/environments/{segment}/secrets?per_page=100&page=1")
