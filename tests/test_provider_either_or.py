"""provider `secret_age.names` with an either-or group (`[SMTP_PASS, EMAIL_SERVER]`), on every platform that ages
secrets: one of the group must be set, each one set is aged, none set fails naming the group — and where the list was
not read whole, a name not seen is unknown, never absent."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify.families.provider import Params, judge
from opsverify.outcome import Status

from .helpers import by_id
from .test_provider import GROUP, gh, iso, listed, make_check, ms, ok, own_env

EITHER = ["SMTP_PASS", "EMAIL_SERVER"]


def age(platform: str, **more) -> dict:
    return {"platform": platform, "secret_age": {"names": ["A", EITHER], "max_days": 30}, **more}


def vercel(**updated_days) -> dict:
    envs = [{"key": k, "type": "encrypted", "target": ["production"], "updatedAt": ms(d)} for k, d in updated_days.items()]
    return {"env": ok({"envs": envs, "more": False})}


def supabase(**updated_days) -> dict:
    return {"secrets": ok([{"name": k, "updated_at": iso(days=d)} for k, d in updated_days.items()])}


def github(**updated_days) -> dict:
    return gh({"total_count": len(updated_days), "secrets": [{"name": k, "updated_at": iso(days=d)}
                                                            for k, d in updated_days.items()]})


def render(*keys: str, own: tuple[str, ...] = ("PORT",)) -> dict:
    group = {**GROUP, "keys": list(keys), "updatedAt": iso(days=12)}
    return {"env_group": ok(group), **listed(group=group), "service_ids": {"web": "srv-w"}, **own_env("web", keys=own)}


FACTS = {"vercel": vercel, "supabase": supabase, "github": github}
WHERE = {"vercel": "is set in the Vercel project's production env",
         "supabase": "is set in the Supabase project's Edge Function secrets", "github": "is an Actions secret"}


def outcome_of(params: dict, facts: dict):
    check = make_check(**params)
    return judge(check, {check.key: facts})


@pytest.mark.parametrize("platform", sorted(FACTS))
def test_the_other_name_of_the_group_set_and_fresh_passes(platform):
    outcome = outcome_of(age(platform), FACTS[platform](A=3, EMAIL_SERVER=5))
    assert outcome.status is Status.PASSED, outcome
    assert "A, SMTP_PASS or EMAIL_SERVER updated within 30 days" in outcome.expected


@pytest.mark.parametrize("platform", sorted(FACTS))
def test_each_name_of_the_group_set_is_aged(platform):
    outcome = outcome_of(age(platform), FACTS[platform](A=3, SMTP_PASS=5, EMAIL_SERVER=200))
    assert outcome.status is Status.FAILED, outcome
    assert "EMAIL_SERVER" in outcome.observed and "last updated 200.0 days ago" in outcome.observed
    assert "SMTP_PASS" not in outcome.observed


@pytest.mark.parametrize("platform", sorted(FACTS))
def test_none_of_the_group_set_fails_naming_the_group(platform):
    outcome = outcome_of(age(platform), FACTS[platform](A=3, OTHER=1))
    assert outcome.status is Status.FAILED, outcome
    assert f"none of SMTP_PASS / EMAIL_SERVER {WHERE[platform]}" in outcome.observed, outcome


def test_a_group_not_seen_in_a_list_not_read_whole_is_unknown():
    facts = vercel(A=3)
    facts["env"].data["more"] = True
    outcome = outcome_of(age("vercel"), facts)
    assert outcome.status is Status.ERROR, outcome
    assert "none of SMTP_PASS / EMAIL_SERVER was seen: not among the 1 env vars" in outcome.observed, outcome
    seen = vercel(A=3, EMAIL_SERVER=2)
    seen["env"].data["more"] = True  # the other name may be set on a page not read: its age is not known
    unread = outcome_of(age("vercel"), seen)
    assert unread.status is Status.ERROR and "SMTP_PASS not among the 2 env vars" in unread.observed, unread


def test_render_the_group_holding_the_other_name_passes():
    outcome = outcome_of(age("render", services=["web"]), render("A", "EMAIL_SERVER"))
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["env_group"]["keys_checked"] == ["A", "EMAIL_SERVER"]


def test_render_a_group_none_of_whose_names_the_env_group_holds_fails():
    outcome = outcome_of(age("render", services=["web"]), render("A"))
    assert outcome.status is Status.FAILED, outcome
    assert "none of SMTP_PASS / EMAIL_SERVER is in env group 'secrets'" in outcome.observed, outcome


def test_render_a_name_of_the_group_a_service_sets_itself_cannot_be_aged():
    outcome = outcome_of(age("render", services=["web"]), render("A", "SMTP_PASS", own=("PORT", "EMAIL_SERVER")))
    assert outcome.status is Status.ERROR and "EMAIL_SERVER is also set on service web itself" in outcome.observed


@pytest.mark.parametrize("names, problem", [
    (["A", ["B"]], "at least 2 items"),
    (["A", ["A", "B"]], "A named twice"),
    ([["B", "C"], ["C", "D"]], "C named twice"),
])
def test_a_group_names_two_names_or_more_each_once(names, problem):
    with pytest.raises(ValidationError) as raised:
        Params.model_validate({"platform": "vercel", "secret_age": {"names": names, "max_days": 30}})
    assert problem in str(raised.value)


def test_j6_passes_smtp_credentials_kept_in_email_server():
    """J6 (joslyn-ai) as the checklist writes it: the runbook's "SMTP_PASS or EMAIL_SERVER", as J1 reads it."""
    (j6,) = by_id("J6")
    services = {"web": "srv-w", "api": "srv-a", "worker": "srv-k"}
    keys = ["NEXTAUTH_SECRET", "API_JWT_SECRET", "INTERNAL_API_KEY", "ADMIN_API_KEY", "EMAIL_SERVER",
            "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]
    group = {**GROUP, "keys": keys, "updatedAt": iso(days=12), "service_ids": list(services.values())}
    facts = {"env_group": ok(group), **listed(group=group), "service_ids": services, **own_env(*services)}
    outcome = judge(j6, {j6.key: facts})
    assert outcome.status is Status.PASSED, outcome
    neither = judge(j6, {j6.key: {**facts, "env_group": ok({**group, "keys": [k for k in keys if k != "EMAIL_SERVER"]})}})
    assert neither.status is Status.FAILED, neither
    assert "none of SMTP_PASS / EMAIL_SERVER is in env group 'secrets'" in neither.observed
