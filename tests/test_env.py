"""env rules, table-driven: each rule passes on a healthy env and fails (naming what it expected and
what it saw) on a broken one — and no secret value ever appears in what an outcome says."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.engine import gather_and_judge, message
from opsverify.errors import GatherError, NotConfigured
from opsverify.families import env
from opsverify.outcome import Status
from opsverify.secrets import fingerprint

from .kit import make_check, make_target

SECRET = "s3cr3t-VALUE-that-must-not-leak-0042"  # 36 characters
SHORT = "sh0rt-s3cr3t-VALUE-17"  # 21 characters
EXAMPLE = {".env.example": {"SESSION_SECRET": "changeme-session-secret", "EMPTY_ONE": ""}}


def judge(params: dict, values: dict, examples: dict | None = None):
    check = make_check("env", params)
    return check, env.judge(check, {"services": {"api": values}, "examples": examples or EXAMPLE})


def api(**rules) -> dict:
    return {"service": "api", **rules}


CASES = [
    # required: exact names, and patterns that must match at least one set name
    (api(required=["A", "K"]), {"A": "1", "K": SECRET}, Status.PASSED, "all as expected"),
    (api(required=["A", "K"]), {"A": "1", "K": ""}, Status.FAILED, "K is not set on api"),
    (api(required=["INNGEST_*"]), {"INNGEST_EVENT_KEY": SECRET}, Status.PASSED, ""),
    (api(required=["INNGEST_*"]), {"OTHER": "1"}, Status.FAILED, "no name matching INNGEST_* is set on api"),
    (api(required=["INNGEST_*"]), {"INNGEST_EVENT_KEY": ""}, Status.FAILED, "(only empty: INNGEST_EVENT_KEY)"),
    (api(required=["INNGEST_?VENT_KEY"]), {"INNGEST_EVENT_KEY": SECRET}, Status.PASSED, ""),
    (api(required=["inngest_*"]), {"INNGEST_EVENT_KEY": SECRET}, Status.FAILED, "no name matching inngest_*"),
    # any_of
    (api(any_of=[["P", "Q"]]), {"Q": SECRET}, Status.PASSED, ""),
    (api(any_of=[["P", "Q"]]), {"R": "1"}, Status.FAILED, "none of P / Q is set on api"),
    # forbidden: exact names and patterns; a pattern matching nothing is the healthy case
    (api(forbidden=["MOCK"]), {"MOCK": "false"}, Status.PASSED, ""),
    (api(forbidden=["MOCK"]), {"MOCK": "1"}, Status.FAILED, "MOCK is set to '1' on api"),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_SUPABASE_URL": "https://x.example"}, Status.PASSED, ""),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_STRIPE_SECRET_KEY": SECRET}, Status.FAILED,
     f"NEXT_PUBLIC_STRIPE_SECRET_KEY (matches NEXT_PUBLIC_*SECRET*) is set to a value of length {len(SECRET)}"),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_STRIPE_SECRET_KEY": ""}, Status.PASSED, ""),
    # values / not_values
    (api(values={"RUN": "true"}), {"RUN": "true"}, Status.PASSED, ""),
    (api(values={"RUN": "true"}), {"RUN": "false"}, Status.FAILED, "RUN is 'false' on api"),
    (api(values={"MODE": "live"}), {"MODE": "mock"}, Status.FAILED, "MODE is 'mock' on api"),
    (api(values={"RUN": "true"}), {"X": "1"}, Status.FAILED, "RUN is not set on api"),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"X": "1"}, Status.PASSED, ""),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": "1"},
     Status.PASSED, ""),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": "0"},
     Status.FAILED, "NODE_TLS_REJECT_UNAUTHORIZED is 0 on api"),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": " FALSE "},
     Status.FAILED, "NODE_TLS_REJECT_UNAUTHORIZED is false on api"),
    # format
    (api(format={"O": "https-url"}), {"O": "https://api.example.com"}, Status.PASSED, ""),
    (api(format={"O": "https-url"}), {"O": "http://api.example.com"}, Status.FAILED, "O uses http, not https"),
    # this machine, however written
    *[(api(format={"O": "https-url"}), {"O": f"https://{host}/x"}, Status.FAILED, "O points at")
      for host in ("localhost.", "127.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "0", "2130706433", "app.localhost")],
    (api(format={"O": "https-url"}), {"X": "1"}, Status.FAILED, "O is not set on api"),
    # min_length
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SHORT}, Status.FAILED,
     "SESSION_SECRET has 21 characters (at least 32 wanted) on api"),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": ""}, Status.FAILED, "SESSION_SECRET is not set"),
    (api(required=["SESSION_SECRET"], min_length={"SESSION_SECRET": 32}), {"X": "1"}, Status.FAILED,
     "SESSION_SECRET is not set on api"),
    # contains / matches
    (api(contains={"DATABASE_URL": "sslmode=require"}),
     {"DATABASE_URL": f"postgres://u:{SECRET}@db/app?sslmode=require"}, Status.PASSED, ""),
    (api(contains={"DATABASE_URL": "sslmode=require"}), {"DATABASE_URL": f"postgres://u:{SECRET}@db/app"},
     Status.FAILED, "DATABASE_URL does not contain 'sslmode=require' on api"),
    (api(contains={"DATABASE_URL": "sslmode=require"}), {"X": "1"}, Status.FAILED, "DATABASE_URL is not set"),
    (api(matches={"STRIPE_KEY": "sk_live_[A-Za-z0-9-]+"}), {"STRIPE_KEY": "sk_live_" + SECRET}, Status.PASSED, ""),
    (api(matches={"STRIPE_KEY": "sk_live_[A-Za-z0-9-]+"}), {"STRIPE_KEY": "sk_test_" + SECRET}, Status.FAILED,
     "STRIPE_KEY does not match /sk_live_[A-Za-z0-9-]+/ on api"),
    (api(matches={"STRIPE_KEY": "sk_live_"}), {"STRIPE_KEY": "sk_live_" + SECRET}, Status.FAILED,
     "does not match /sk_live_/"),  # the whole value must match, not a part of it
    (api(matches={"STRIPE_KEY": "sk_live_.*"}), {"X": "1"}, Status.FAILED, "STRIPE_KEY is not set"),
    # not_equal / not_placeholder
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(not_equal={"SESSION_SECRET": SECRET}), {"SESSION_SECRET": SECRET}, Status.FAILED,
     "SESSION_SECRET is the value not_equal forbids (hmac:"),
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"X": "1"}, Status.FAILED, "SESSION_SECRET is not set"),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": "changeme-session-secret"}, Status.FAILED,
     "SESSION_SECRET is still the placeholder from .env.example (hmac:"),
    (api(not_placeholder=["SESSION_SECRET"]), {"X": "1"}, Status.FAILED, "SESSION_SECRET is not set on api"),
    (api(not_placeholder=["K"]), {"K": SECRET}, Status.ERROR, ".env.example does not list K: no placeholder"),
    (api(not_placeholder=["EMPTY_ONE"]), {"EMPTY_ONE": SECRET}, Status.ERROR,
     ".env.example has no value for EMPTY_ONE"),
    (api(not_placeholder=["SESSION_SECRET"], placeholders_from="apps/web/.env.example"), {"SESSION_SECRET": SECRET},
     Status.ERROR, "apps/web/.env.example"),
    # when: the rules apply only while the conditions hold; otherwise checked and not applicable
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"JOBS_PROVIDER": "inngest"}, Status.FAILED,
     "no name matching INNGEST_* is set on api"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]),
     {"JOBS_PROVIDER": "inngest", "INNGEST_SIGNING_KEY": SECRET}, Status.PASSED, "(conditions hold)"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"JOBS_PROVIDER": "trigger"}, Status.PASSED,
     "not applicable: JOBS_PROVIDER is 'trigger', not 'inngest'"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"X": "1"}, Status.PASSED,
     "not applicable: JOBS_PROVIDER is not set"),
    (api(when={"SIGNING_SECRET": "inngest"}, required=["INNGEST_*"]), {"SIGNING_SECRET": SECRET}, Status.PASSED,
     f"not applicable: SIGNING_SECRET is a value of length {len(SECRET)} (hmac:"),
    (api(when={"A": "1", "B": "on"}, required=["C"]), {"A": "1", "B": "off"}, Status.PASSED,
     "not applicable: B is 'off', not 'on'"),
    # nothing vacuous: an env source without a single variable checked nothing
    (api(forbidden=["MOCK"]), {}, Status.ERROR, "no env vars found in the env source of service 'api'"),
    (api(forbidden=["MOCK"], allow_empty=True), {}, Status.PASSED, ""),
    (api(required=["A"], allow_empty=True), {}, Status.FAILED, "A is not set on api"),
]


@pytest.mark.parametrize("params, values, status, seen", CASES)
def test_env_rule(params, values, status, seen):
    check, outcome = judge(params, values)
    assert outcome.status is status, outcome
    assert seen in outcome.observed
    said = repr(outcome) + message(check, outcome)
    assert SECRET not in said and SHORT not in said


def test_failing_rule_is_named_in_evidence():
    _, outcome = judge(api(min_length={"SESSION_SECRET": 32}, required=["A"]), {"A": "1", "SESSION_SECRET": SHORT})
    assert outcome.evidence["failed_rules"] == {"min_length": ["SESSION_SECRET"]}
    assert outcome.evidence["api"]["SESSION_SECRET"] == {"present": True, "length": len(SHORT),
                                                         "fingerprint": fingerprint(SHORT)}


def test_a_short_secret_is_never_shown():
    """The secret that fails min_length: presence, length and fingerprint, never the value."""
    check, outcome = judge(api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SHORT})
    assert outcome.status is Status.FAILED
    for part in (outcome.expected, outcome.observed, repr(outcome.evidence), message(check, outcome)):
        assert SHORT not in part
    assert "SESSION_SECRET has 21 characters (at least 32 wanted)" in message(check, outcome)


def test_pattern_evidence_names_where_it_looked():
    _, outcome = judge(api(required=["INNGEST_*"], forbidden=["NEXT_PUBLIC_*KEY*"]),
                       {"INNGEST_EVENT_KEY": SECRET, "NEXT_PUBLIC_URL": "https://x.example"})
    assert outcome.status is Status.PASSED
    assert outcome.evidence["patterns"] == {"INNGEST_*": ["INNGEST_EVENT_KEY"], "NEXT_PUBLIC_*KEY*": []}


def test_equal_may_be_conditional_on_a_service():
    check = make_check("env", {"service": "api", "when": {"SHARED": "yes"},
                               "equal": {"names": ["JWT"], "services": ["web", "api"]}})
    facts = {"services": {"api": {"SHARED": "no", "JWT": SECRET}, "web": {"JWT": SECRET + "x"}}}
    assert env.judge(check, facts).status is Status.PASSED
    facts["services"]["api"]["SHARED"] = "yes"
    outcome = env.judge(check, facts)
    assert outcome.status is Status.FAILED and "JWT differs across services" in outcome.observed


def test_unreadable_example_is_an_error_and_no_repo_is_skipped():
    _, outcome = judge(api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": SECRET},
                       {".env.example": GatherError(".env.example not found in checkout /x")})
    assert outcome.status is Status.ERROR and "not found in checkout /x" in outcome.observed
    check = make_check("env", api(not_placeholder=["SESSION_SECRET"]))
    with pytest.raises(NotConfigured):
        env.judge(check, {"services": {"api": {"SESSION_SECRET": SECRET}},
                          "examples": {".env.example": NotConfigured("no repo checkout")}})


@pytest.mark.parametrize("params, problem", [
    (api(forbidden=["NEXT_PUBLIC_[A-Z]*"]), r"\[ \] not allowed"),
    (api(required=["SOME-NAME"]), "- not allowed"),
    (api(required=["1ABC"]), "must not start with a digit"),
    (api(min_length={"*_SECRET": 32}), "accepted in required and forbidden only"),
    (api(any_of=[["A*", "B"]]), "accepted in required and forbidden only"),
    (api(values={"A?": "1"}), "accepted in required and forbidden only"),
    (api(any_of=[[]]), "at least 1 item"),
    (api(min_length={"K": 0}), "greater than or equal to 1"),
    (api(not_values={"K": []}), "at least 1 item"),
    (api(matches={"K": "sk_(live"}), "not a regular expression"),
    (api(contains={"K": ""}), "at least 1 character"),
    (api(placeholders_from="apps/.env.example", required=["A"]), "placeholders_from is read only by not_placeholder"),
    (api(not_placeholder=["K"], placeholders_from="../.env.example"), "inside the repository"),
    ({"when": {"A": "1"}, "equal": {"names": ["K"], "services": ["a", "b"]}}, "need a service"),
    ({"required": ["A"]}, "need a service"),
    (api(), "give at least one rule"),
    (api(equal={"names": ["K"], "services": ["a", "b"]}), "service is read by no rule"),
    ({"equal": {"names": ["K"], "services": ["a", "a"]}}, "at least two services"),
    (api(when={"A": ""}, required=["B"]), "at least 1 character"),
    (api(required=["NEXTAUTH_SECRET"], forbidden=["*SECRET*"]), "NEXTAUTH_SECRET both required and forbidden"),
    (api(any_of=[["MOCK", "B"]], forbidden=["MOCK"]), "MOCK both required and forbidden"),
    (api(values={"EMPTY_FLAG": ""}), "at least 1 character"),  # empty reads as unset
    (api(values={"A": "1"}, not_values={"A": [" 1 "]}), "A: values wants '1', which not_values refuses"),
    (api(values={"A_MODE": "on"}, forbidden=["A_*"]), "A_MODE: values wants 'on', which forbidden refuses"),
])
def test_rejected(params, problem):
    with pytest.raises((ValidationError, ValueError), match=problem):
        load_item_params("env", params)


# -- gathered for real: a dotenv file and a repo checkout's .env.example ----------------------------
def test_not_placeholder_reads_the_repo_checkout(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".env.example").write_text("SESSION_SECRET=changeme-session-secret\nOTHER=\n")
    (tmp_path / "api.env").write_text("SESSION_SECRET=changeme-session-secret\n")
    target = make_target({"repo": str(tmp_path / "repo"),
                          "services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    check = make_check("env", api(not_placeholder=["SESSION_SECRET"]))
    assert gather_and_judge(target, env, [check])[0].status is Status.FAILED
    (tmp_path / "api.env").write_text(f"SESSION_SECRET={SECRET}\n")
    target = make_target({"repo": str(tmp_path / "repo"),
                          "services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    assert gather_and_judge(target, env, [check])[0].status is Status.PASSED


def test_not_placeholder_without_a_repo_is_skipped(tmp_path):
    (tmp_path / "api.env").write_text(f"SESSION_SECRET={SECRET}\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", api(not_placeholder=["SESSION_SECRET"]))])[0]
    assert outcome.status is Status.SKIPPED and "no repo checkout" in outcome.observed


def test_an_empty_env_file_is_an_error(tmp_path):
    (tmp_path / "api.env").write_text("# nothing exported\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", api(forbidden=["CTS_MOCK_MODE"]))])[0]
    assert outcome.status is Status.ERROR and "nothing was checked" in outcome.observed
