"""sql: read-only SQL measures against their expectations."""

from fixtures.checks import verdict

FAMILY = "sql"


def test_sql(checked):
    verdict(checked)
