"""sql: every field of sql.Params changes the outcome."""

from opsverify.families import sql

from .kinds import Flips, Shows

SEES_ALL = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": []}]


def facts(**rows_by_query):
    """Facts as `sql.gather` binds them: each item's answers under its own key."""
    def bind(check):
        answers = {"query": rows_by_query[check.params.query]}
        if check.params.detail:
            answers["detail"] = rows_by_query[check.params.detail]
        return {"visibility": SEES_ALL, "deployed_at": None, "answers": {check.key: answers}}
    return bind


ZERO = "select 0 as n"
FIVE = "select 5 as n"
DETAIL = "select 1 as id"

CASES = {
    "query": Flips({"query": ZERO, "expect": {"n": {"eq": 0}}}, {"query": FIVE, "expect": {"n": {"eq": 0}}},
                   facts(**{ZERO: [{"n": 0}], FIVE: [{"n": 5}]})),
    "expect": Flips({"query": ZERO, "expect": {"n": {"eq": 0}}}, {"query": ZERO, "expect": {"n": {"gt": 0}}},
                    facts(**{ZERO: [{"n": 0}]})),
    "detail": Shows({"query": ZERO, "expect": {"n": {"eq": 0}}},
                    {"query": ZERO, "expect": {"n": {"eq": 0}}, "detail": DETAIL},
                    facts(**{ZERO: [{"n": 0}], DETAIL: [{"id": 1}]}), "detail"),
}
