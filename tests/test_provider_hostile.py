"""provider against platforms that answer in bad faith or in odd shapes: an echoed token cut mid-message, a PITR
time in another unit, a GitHub list longer than its count, a Vercel value with an empty git branch, secret names
in another case, a JSON key given twice, a huge field, a Render event without a status. Each is an ERROR or an
honest verdict, never a secret's piece in any file, never a verdict that depends on list order."""

from __future__ import annotations

import json
import secrets as random

import pytest

from opsverify import exitcodes
from opsverify.families import provider
from opsverify.families.provider import Call, Trouble, interpret, judge
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Reply

from .kit import make_target, route_server
from .project import KeepAliveHttp, Project, raw_reply
from .test_provider import DATE, GITHUB_CALL, NOW, backups, cron_events, deploys, iso, make_check, ms, ok
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
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "--junitxml=junit.xml")
    assert ran.code == exitcodes.COULD_NOT_CHECK, ran.output[-3000:]
    assert ran.statuses() == {"P1-gh": "error", "P2-vc": "error", "P3-sb": "error"}, ran.output[-3000:]
    assert "rate-limited" in ran.output and "answered 302" in ran.output, ran.output[-3000:]
    forms = _forms({"TOKEN": token})
    forms["TOKEN head 8"] = token[:8]  # the redactor's shortest piece worth masking
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []


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
    return route_server({("GET", f"/repos/o/r/actions/secrets?per_page=100&page={n}"): page(n) for n in range(1, 11)})


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
    assert "GitHub listed 100 Actions secrets but counts 50 (total_count)" in outcome.observed, outcome.observed


def test_a_list_longer_than_its_count_is_an_error_even_for_a_name_it_lists():
    """Either the list or the count is wrong, and which one is not known."""
    check = make_check(platform="github", required=["S001"])
    outcome = judge(check, {check.key: {"secrets": ok({"total_count": 1, "secrets": [
        {"name": "S001", "updated_at": iso(days=1)}, {"name": "S002", "updated_at": iso(days=1)}]})}})
    assert outcome.status is Status.ERROR, outcome


def test_every_page_read_and_githubs_count_are_in_the_evidence():
    with _github_server(NAMES, total=150) as url:
        outcome = _github(url, secret_age={"names": ["CRON_SECRET"], "max_days": 30})
    assert outcome.status is Status.PASSED, outcome
    assert [r.rsplit("?", 1)[1] for r in outcome.evidence["requests"]] == ["per_page=100&page=1",
                                                                          "per_page=100&page=2"]
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
    ({"secret_age": {"names": ["cron_secret"], "max_days": 2}}, Status.FAILED, ["cron_secret last updated 3.0 days"]),
    ({"required": ["cron_secret_2"]}, Status.FAILED, ["cron_secret_2 is not an Actions secret"]),
], ids=["required", "age", "age-stale", "other-name"])
def test_github_secret_names_match_whatever_their_case(params, status, words):
    check = make_check(platform="github", **params)
    outcome = judge(check, {check.key: {"secrets": ok(GITHUB_UPPER)}})
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
    outcome = judge(check, {check.key: {"deploy:web": ok(data)}})
    assert outcome.status is Status.ERROR, outcome
    assert "web: newest deploy dep-1 has no status" in outcome.observed, outcome.observed


def test_a_cron_run_without_a_status_is_unknown():
    events = cron_events(("cron_job_run_ended", 1, None))
    check = make_check(platform="render", cron_jobs={"trim": {"max_age_hours": 2}})
    outcome = judge(check, {check.key: {"cron:trim": ok(events)}})
    assert outcome.status is Status.ERROR, outcome
    assert "cron job trim: its newest run event has no status" in outcome.observed, outcome.observed

