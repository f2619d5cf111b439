"""An aggregate is one of a schema's functions, as PostgreSQL has it: ALL FUNCTIONS IN SCHEMA grants on it, PUBLIC may
EXECUTE it, and it runs its support functions as they say — a SECURITY DEFINER one as its owner, so an aggregate anon
may execute over such a function revoked from PUBLIC runs it as its owner.

Judged on fabricated catalog facts, and on a scratch database of the demo's PostgreSQL 18 and of Debian's
PostgreSQL 15 as the read-only checker role.
"""

from __future__ import annotations

import pytest

from opsverify.outcome import Status

from .catalog import catalog, function
from . import test_schema_stranger
from .test_schema_stranger import expect, judge_on, verdict

server = test_schema_stranger.server  # the fixture: a scratch database of PostgreSQL 18, and of 15

PASSED, FAILED = Status.PASSED, Status.FAILED


# -- aggregates are functions of the schema -----------------------------------------------------------
AGGREGATES = catalog(functions=[
    function("step", args="s text, x integer", definer=True, config=None, grants_=[("postgres", "EXECUTE")]),
    function("whoami", args="integer", kind="a", definer=False, config=None,
             grants_=[("PUBLIC", "EXECUTE"), ("postgres", "EXECUTE")]),
])


@pytest.mark.parametrize("params, status, seen", [
    ({"no_grants_to": ["anon"]}, FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
    ({"functions": ["whoami"], "no_grants_to": ["anon"]}, FAILED, "whoami(integer) grants EXECUTE to PUBLIC"),
    ({"functions": ["whoami"], "grants_to": {"anon": ["EXECUTE"]}}, PASSED, "1 function as expected"),
    ({"functions": ["whoami"], "security_definer": False}, PASSED, "1 function as expected"),
    ({"functions": ["whoami"], "security_definer": True}, FAILED,
     "function public.whoami(integer) is an aggregate, never SECURITY DEFINER (only support functions"),
    # no search_path of its own: its support functions are judged as functions
    ({"fixed_search_path": True}, FAILED, "function public.step(s text, x integer) has a mutable search_path"),
    ({"functions": ["whoami"], "fixed_search_path": True}, PASSED, "1 function as expected"),
    ({"security_definer_only": True, "no_grants_to": ["anon"]}, PASSED, "1 function as expected"),
])
def test_an_aggregate_is_judged_as_a_function_of_its_schema(params, status, seen):
    outcome = verdict({"functions_in": "public", **params}, AGGREGATES, status, seen)
    if "whoami" in str(outcome.evidence["checked"]):
        assert outcome.evidence["functions"]["public.whoami(integer)"]["kind"] == "aggregate", outcome.evidence


def test_a_window_function_is_judged_as_any_function():
    facts = catalog(functions=[function("ranked", args="integer", kind="w", definer=True, config=None)])
    verdict({"functions_in": "public", "fixed_search_path": True}, facts, FAILED,
            "function public.ranked(integer) has a mutable search_path")
    verdict({"functions_in": "public", "security_definer": False}, facts, FAILED, "is SECURITY DEFINER")


def test_aggregates_on_a_real_database(server):
    """The aggregate anon may execute runs the SECURITY DEFINER function revoked from PUBLIC as its owner."""
    _, fresh = server
    ddl = """create function public.step(s text, x int) returns text language sql security definer
               set search_path = '' as $$ select current_user::text $$;
             revoke execute on function public.step(text, int) from public;
             create aggregate public.whoami(int) (sfunc = public.step, stype = text);"""
    with fresh(ddl) as url:
        outcomes = judge_on(url, [{"functions_in": "public", "no_grants_to": ["anon"]},
                                  {"functions_in": "public", "functions": ["whoami"], "no_grants_to": ["anon"]},
                                  {"functions_in": "public", "fixed_search_path": True},
                                  {"functions_in": "public", "functions": ["whoami"], "security_definer": True}])
    expect(outcomes, [(FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
                      (FAILED, "function public.whoami(integer) grants EXECUTE to PUBLIC"),
                      (PASSED, "2 functions as expected"),
                      (FAILED, "function public.whoami(integer) is an aggregate, never SECURITY DEFINER")])
    assert outcomes[0].evidence["functions"]["public.whoami(integer)"]["kind"] == "aggregate"
    assert outcomes[0].evidence["functions"]["public.step(s text, x integer)"]["kind"] == "function"

