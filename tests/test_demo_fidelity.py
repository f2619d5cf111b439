"""The seed checklists say what they check, and check what the runbooks ask, as the demo shows."""

from __future__ import annotations

import pytest

from opsverify.outcome import Status

from .helpers import CHECKS, evaluate


def entries(item_id: str, family: str | None = None) -> dict[str, object]:
    return {c.key: c for c in CHECKS if c.id == item_id and (family is None or c.family == family)}


# -- an endpoint check calls the environment's endpoint, not the app's variable ---------------------------------
# the items whose checks call a server the app reaches through a variable; each endpoint → that variable
CALLING_ITEMS = {("commit-to-ship", "T5"), ("joslyn-ai", "J5"), ("joslyn-ai", "J18")}
VARIABLE_OF_ENDPOINT = {"solana_rpc": "SOLANA_RPC_URL", "clamav": "CLAMAV_HOST", "smtp": "SMTP_HOST",
                        "redis": "REDIS_URL"}


def _endpoint_checks():
    for check in CHECKS:
        if (check.system, check.id) in CALLING_ITEMS and check.family in ("rpc", "tcp"):
            yield check, getattr(check.params, "endpoint", None) or "solana_rpc"


def test_endpoint_checks_say_they_call_the_environments_endpoint_and_which_variable_must_name_it():
    """An rpc or tcp check calls `systems.<system>.endpoints.<name>`, never the app's variable: its title says so,
    and names the app's variable that must hold the same server (which no check compares)."""
    checks = list(_endpoint_checks())
    assert len(checks) == 6  # T5: health, blockhash, block time; J5; J18: smtp, redis
    wrong = {check.key: check.title for check, endpoint in checks
             if f"the environment's {endpoint} endpoint" not in check.title
             or VARIABLE_OF_ENDPOINT[endpoint] not in check.title}
    assert wrong == {}


def test_the_variables_those_endpoints_stand_for_are_required_on_the_app():
    """What the app itself uses is checked too: an env item of the same system requires each variable."""
    required: dict[str, set[str]] = {}
    for check in CHECKS:
        if check.family == "env" and getattr(check.params, "service", None):
            required.setdefault(check.system, set()).update(check.params.required or ())
    missing = {(check.system, VARIABLE_OF_ENDPOINT[endpoint]) for check, endpoint in _endpoint_checks()
               if VARIABLE_OF_ENDPOINT[endpoint] not in required.get(check.system, set())}
    assert missing == set()


def test_t5_requires_the_apps_solana_rpc_url_as_an_https_provider_url():
    """Runbook 004: "Ensure SOLANA_RPC_URL points to a reliable provider"."""
    (check,) = entries("T5", "env").values()
    assert check.params.service == "app"
    assert "SOLANA_RPC_URL" in check.params.required
    assert check.params.format == {"SOLANA_RPC_URL": "https-url"}


def test_the_demo_apps_solana_rpc_url_passes_and_a_local_validator_fails(demo):
    (check,) = entries("T5", "env").values()
    ((_, healthy),) = evaluate(demo, [check]).values()
    assert healthy.status is Status.PASSED, healthy.observed
    demo.apply("rpc-url-localhost")
    ((_, broken),) = evaluate(demo, [check]).values()
    assert broken.status is Status.FAILED
    assert "SOLANA_RPC_URL" in broken.observed


# -- a guard is checked on the method that does the work --------------------------------------------------------
@pytest.mark.parametrize("item, method, path", [
    ("S3", "DELETE", "/api/sora/jobs/00000000-0000-0000-0000-000000000000"),  # runbook 000: cancel, needs admin token
    ("T12", "POST", "/api/admin/reward-milestones/normalize"),  # runbook 004: admin-only, called by a scheduler
])
def test_a_guarded_endpoint_is_checked_with_the_method_that_does_the_work(item, method, path):
    """GET rejected says nothing of the handler that mutates: its own method is sent (mutating, so prod skips it)."""
    (check,) = [c for c in entries(item, "http").values() if c.params.method == method]
    assert check.mutating
    assert check.params.path == path
    assert list(check.params.status) == [401, 403]


# -- a title says what its params judge --------------------------------------------------------------------------
def test_prisma_none_failed_title_does_not_promise_that_nothing_was_rolled_back(demo):
    """docs/checklists.md: for prisma, none_failed judges an attempt neither finished nor rolled back (P3009); a
    rolled-back one is history. So under a rolled-back migration the entry passes — and its title must not say
    "none rolled back"; the repo entry is what fails (the migration is no longer applied)."""
    check = entries("J15")["J15-prisma-migrations-finished"]
    demo.apply("prisma-rolled-back")
    ((_, outcome),) = evaluate(demo, [check]).values()
    assert outcome.status is Status.PASSED
    assert "rolled back" not in check.title.replace("neither finished nor rolled back", "")


# -- B1: "keep secrets out of the client; client uses anon key", whatever the key is called ------------------------
@pytest.mark.parametrize("name", ["VITE_SUPABASE_SERVICE_KEY", "VITE_supabase_service_role_key"])
def test_b1_fails_a_service_role_key_in_the_client_env_under_another_name(demo, name):
    """The name rule (`*SERVICE_ROLE*`, case-sensitive) misses these spellings: the key's role is what fails."""
    from opsverify_demo.envs import demo_secret
    from opsverify_demo.services import supabase_key

    (b1,) = entries("B1", "env").values()
    demo.set_env("bakery-ops", "app", name, supabase_key(demo_secret("jwt_secret"), "service_role"))
    (_, outcome), = evaluate(demo, [b1]).values()
    demo.reset()
    assert outcome.status is Status.FAILED, outcome
    assert outcome.evidence["failed_rules"] == {"forbidden_jwt_roles": [name]}, outcome
    assert f"{name} holds a JWT with role service_role" in outcome.observed


def test_b1_fails_the_service_role_key_pasted_as_the_anon_key(demo):
    (b1,) = entries("B1", "env").values()
    demo.apply("client-env-service-role-as-anon-key")
    (_, outcome), = evaluate(demo, [b1]).values()
    demo.reset()
    assert outcome.status is Status.FAILED, outcome
    assert outcome.evidence["failed_rules"] == {"forbidden_jwt_roles": ["VITE_SUPABASE_ANON_KEY"]}, outcome


# -- J6: "SMTP credentials (… SMTP_PASS or EMAIL_SERVER)" rotated quarterly, whichever the deployment uses ----------
def test_j6_passes_a_deployment_keeping_its_smtp_credentials_in_email_server(demo):
    """J1 takes SMTP_PASS or EMAIL_SERVER; J6 aged SMTP_PASS only, so a healthy deployment using EMAIL_SERVER failed."""
    from opsverify_demo.components.platforms import _component

    secret = demo.secrets["joslyn-ai"]["SMTP_PASS"]
    demo.set_env("joslyn-ai", "api", "SMTP_PASS", None)
    demo.set_env("joslyn-ai", "api", "EMAIL_SERVER", f"smtp://joslyn:{secret}@smtp.joslyn.example:587")
    _component(demo).state.render_group_renamed["SMTP_PASS"] = "EMAIL_SERVER"
    checks = [c for c in CHECKS if c.system == "joslyn-ai" and c.id in ("J1", "J6")]
    results = {c.key: o for c, o in evaluate(demo, checks).values()}
    demo.reset()
    assert {key: o.status for key, o in results.items()} == {key: Status.PASSED for key in results}, {
        key: o.observed for key, o in results.items()}
    assert results["J6-credentials-rotated-quarterly"].evidence["env_group"]["keys_checked"][4] == "EMAIL_SERVER"
