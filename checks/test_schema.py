"""schema: tables, columns, RLS, grants, policies, unique constraints, SECURITY DEFINER functions."""

from fixtures.checks import verdict

FAMILY = "schema"


def test_schema(checked):
    verdict(checked)
