"""migrations: what each migration tool's history table says is applied, against the repo."""

from fixtures.checks import verdict

FAMILY = "migrations"


def test_migrations(checked):
    verdict(checked)
