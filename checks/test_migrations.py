"""migrations: migrations applied (Supabase, Prisma, named files)."""

from fixtures.checks import verdict

FAMILY = "migrations"


def test_migrations(checked):
    verdict(checked)
