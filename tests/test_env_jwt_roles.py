"""env `forbidden_jwt_roles`: a rule on values, not names. A service whose variable holds a JWT carrying a forbidden
role (a Supabase service_role key in an SPA's build env) fails whatever the variable is called — naming the variable
and the role, never the token; a JWT-shaped value whose payload cannot be read is no pass."""

from __future__ import annotations

import base64

import jwt
import pytest
from pydantic import ValidationError

from opsverify.families import env
from opsverify.outcome import Status
from opsverify.secrets import fingerprint

from .helpers import by_id
from .kit import make_check

JWT_SECRET = "test-jwt-secret-" + "x" * 24


def key(role: str) -> str:
    return jwt.encode({"iss": "supabase", "ref": "demo", "role": role, "iat": 1700000000}, JWT_SECRET,
                      algorithm="HS256")


SERVICE_ROLE, ANON = key("service_role"), key("anon")
SECRET_KEY = "sb_secret_" + "Ab3dEf6hIj9kLm2nOp5qRs8t"  # a Supabase API key acting as service_role
# three base64url parts whose header is a JSON object's start, and whose payload is no JSON object
UNREADABLE = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(b"not json at all").decode().rstrip("=") + ".c2lnbmF0dXJl"


def judge(params: dict, values: dict):
    return env.judge(make_check("env", {"service": "app", **params}), {"services": {"app": values}, "examples": {}})


@pytest.mark.parametrize("name", ["VITE_SUPABASE_SERVICE_KEY", "VITE_supabase_service_role_key",
                                  "VITE_SUPABASE_ANON_KEY"])
def test_a_service_role_jwt_fails_whatever_the_variable_is_called(name):
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_SUPABASE_URL": "https://x.example",
                                                                 name: SERVICE_ROLE})
    assert outcome.status is Status.FAILED, outcome
    assert f"{name} holds a JWT with role service_role" in outcome.observed, outcome
    assert fingerprint(SERVICE_ROLE) in outcome.observed
    assert "no variable holding a JWT with role service_role or Supabase secret key (sb_secret_) on app" in outcome.expected
    assert SERVICE_ROLE not in repr(outcome) and SERVICE_ROLE.split(".")[1] not in repr(outcome)
    assert outcome.evidence["failed_rules"] == {"forbidden_jwt_roles": [name]}


def test_an_anon_jwt_and_values_that_are_no_jwt_pass():
    outcome = judge({"forbidden_jwt_roles": ["service_role"]},
                    {"VITE_SUPABASE_ANON_KEY": ANON, "VITE_SUPABASE_URL": "https://x.example", "VERSION": "1.2.3"})
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["jwt_roles"] == {"VITE_SUPABASE_ANON_KEY": ["anon"]}
    assert ANON not in repr(outcome)


def test_a_jwt_inside_a_longer_value_is_found():
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"AUTH_HEADER": f"Bearer {SERVICE_ROLE}"})
    assert outcome.status is Status.FAILED and "AUTH_HEADER holds a JWT with role service_role" in outcome.observed


def test_a_supabase_secret_key_counts_as_the_role_it_acts_as():
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_SUPABASE_KEY": SECRET_KEY})
    assert outcome.status is Status.FAILED, outcome
    assert "VITE_SUPABASE_KEY holds a Supabase secret key (sb_secret_), role service_role" in outcome.observed
    assert SECRET_KEY not in repr(outcome)


def test_a_jwt_shaped_value_whose_payload_cannot_be_read_is_no_pass():
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_SUPABASE_ANON_KEY": UNREADABLE})
    assert outcome.status is Status.ERROR, outcome
    assert ("could not read the role of the JWT-shaped value of VITE_SUPABASE_ANON_KEY on app (its payload is no "
            "JSON object; hmac:") in outcome.observed, outcome
    assert UNREADABLE not in repr(outcome)
    beside = judge({"forbidden_jwt_roles": ["service_role"]}, {"A": UNREADABLE, "B": SERVICE_ROLE})
    assert beside.status is Status.FAILED and "B holds a JWT with role service_role" in beside.observed
    assert any("A on app" in said for said in beside.evidence["undecided"]), beside


def test_keys_past_the_limit_read_in_one_value_are_no_pass():
    """A value holding more JWT-shaped strings than are decoded (a list of tenants' keys): the forbidden one past the
    limit is not read, so the item is an ERROR saying so — never a pass."""
    from opsverify.families.bundle import MAX_TOKENS

    many = [jwt.encode({"role": "anon", "n": n}, JWT_SECRET, algorithm="HS256") for n in range(MAX_TOKENS)]
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_TENANT_KEYS": ",".join([*many, SERVICE_ROLE])})
    assert outcome.status is Status.ERROR, outcome
    assert (f"VITE_TENANT_KEYS on app holds more than {MAX_TOKENS} JWT-shaped strings or API keys: those past"
            f" {MAX_TOKENS} were not read") in outcome.observed, outcome
    assert SERVICE_ROLE not in repr(outcome)
    found = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_TENANT_KEYS": ",".join([SERVICE_ROLE, *many])})
    assert found.status is Status.FAILED, found  # one read among the first is said whatever follows


def test_a_withheld_value_cannot_be_looked_into():
    outcome = judge({"forbidden_jwt_roles": ["service_role"]}, {"VITE_SUPABASE_ANON_KEY": "[SENSITIVE]"})
    assert outcome.status is Status.ERROR and "VITE_SUPABASE_ANON_KEY on app is '[SENSITIVE]'" in outcome.observed


@pytest.mark.parametrize("roles, problem", [
    ([], "at least 1 item"),
    (["Service-Role"], "did you mean service_role"),
    ([" "], "a role is a name, not blank"),
])
def test_roles_are_written_as_a_key_carries_them(roles, problem):
    with pytest.raises(ValidationError) as raised:
        make_check("env", {"service": "app", "forbidden_jwt_roles": roles})
    assert problem in str(raised.value)


def test_b1_fails_a_service_role_key_in_the_client_env_under_any_name():
    """B1 (bakery-ops) as the checklist writes it: the runbook's "client uses anon key" whatever the key is called."""
    (b1,) = [check for check in by_id("B1") if check.family == "env"]
    healthy = {"VITE_SUPABASE_URL": "https://bakery.supabase.example", "VITE_SUPABASE_ANON_KEY": ANON}
    passed = env.judge(b1, {"services": {"app": healthy}, "examples": {}})
    assert passed.status is Status.PASSED, passed
    for name in ("VITE_SUPABASE_SERVICE_KEY", "VITE_supabase_service_role_key", "VITE_SUPABASE_ANON_KEY"):
        outcome = env.judge(b1, {"services": {"app": {**healthy, name: SERVICE_ROLE}}, "examples": {}})
        assert outcome.status is Status.FAILED, (name, outcome)
        assert f"{name} holds a JWT with role service_role" in outcome.observed
