"""migrations: every field of migrations.Params changes the outcome (Live cases: tests/conftest.py
`migrations_target`, a Prisma history built by tests/migrations_kit.prisma_field_scene)."""

from datetime import datetime, timezone

from opsverify.errors import GatherError
from opsverify.families.migration_tools import RepoListing, RepoMigration

from .kinds import Flips, Live

SUPABASE = ("supabase", "supabase_migrations.schema_migrations")
PRISMA = ("prisma", "public._prisma_migrations")
INIT, ORDERS = "20250101000000", "20250102000000"


def supabase(*versions: str, repo: tuple[str, ...] = ()) -> dict:
    rows = [{"version": v, "name": "m"} for v in versions]
    listing = RepoListing(tuple(RepoMigration(v, f"{v}_m.sql") for v in repo), "<version>_<name>.sql")
    return {"history": {SUPABASE: {"history": rows},
                        ("rails", "public.schema_migrations"): {"history": GatherError('relation does not exist')}},
            "repo": {("supabase", "m"): listing}}


def prisma_row(name: str, *, finished: bool = True) -> dict:
    started = datetime(2025, 1, 1, 10, tzinfo=timezone.utc)  # timestamps, as Prisma writes them
    return {"migration_name": name, "checksum": "c", "started_at": started,
            "finished_at": started.replace(minute=1) if finished else None, "rolled_back_at": None,
            "logs": None if finished else "Database error code: 42P07", "applied_steps_count": int(finished)}


CASES = {
    "tool": Flips({"tool": "supabase", "latest": INIT}, {"tool": "rails", "latest": INIT}, supabase(INIT)),
    "applied": Flips({"tool": "supabase", "applied": [INIT]}, {"tool": "supabase", "applied": [ORDERS]},
                     supabase(INIT)),
    "latest": Flips({"tool": "supabase", "latest": ORDERS}, {"tool": "supabase", "latest": INIT},
                    supabase(INIT, ORDERS)),
    "none_failed": Flips({"tool": "prisma", "applied": ["a"]}, {"tool": "prisma", "applied": ["a"], "none_failed": True},
                         {"history": {PRISMA: {"history": [prisma_row("a"), prisma_row("b", finished=False)]}},
                          "repo": {}}),
    "from_repo": Live({"tool": "prisma", "applied": ["20240101000000_init"]},
                      {"tool": "prisma", "applied": ["20240101000000_init"], "from_repo": "prisma/pending"},
                      "migrations_target"),
    "checksums": Live({"tool": "prisma", "from_repo": "prisma/migrations"},
                      {"tool": "prisma", "from_repo": "prisma/migrations", "checksums": True}, "migrations_target"),
    "unknown_applied": Flips({"tool": "supabase", "from_repo": "m", "unknown_applied": "report"},
                             {"tool": "supabase", "from_repo": "m", "unknown_applied": "fail"},
                             supabase(INIT, ORDERS, repo=(INIT,))),
    "table": Live({"tool": "prisma", "none_failed": True},
                  {"tool": "prisma", "none_failed": True, "table": "public.prisma_history"}, "migrations_target"),
    "allow_empty": Flips({"tool": "supabase", "from_repo": "m"}, {"tool": "supabase", "from_repo": "m", "allow_empty": True},
                         supabase(repo=())),
}
