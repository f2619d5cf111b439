"""migrations: what the database says was applied (Supabase CLI or Prisma), against what should be."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from ..errors import GatherError
from ..outcome import Outcome, error, verdict
from ._common import StrictParams

NAME = "migrations"

SOURCES = {
    "supabase": "select version, coalesce(name, '') as name from supabase_migrations.schema_migrations order by version",
    "prisma": (
        "select migration_name as version, '' as name, finished_at is not null as finished,"
        " rolled_back_at is not null as rolled_back from public._prisma_migrations order by started_at"
    ),
}
TABLES = {"supabase": "supabase_migrations.schema_migrations", "prisma": "public._prisma_migrations"}


class Params(StrictParams):
    source: Literal["supabase", "prisma"]
    applied: list[str] = []
    all_finished: bool = False
    from_repo: str | None = None  # folder of the system's repo checkout holding migration files

    @model_validator(mode="after")
    def _something(self) -> "Params":
        if not (self.applied or self.all_finished or self.from_repo):
            raise ValueError("give applied, all_finished or from_repo")
        if self.all_finished and self.source != "prisma":
            raise ValueError("all_finished applies to prisma migrations")
        return self


def needs(params: Params) -> tuple[str, ...]:
    return ("database", "repo") if params.from_repo else ("database",)


def gather(target, checks) -> dict[str, Any]:
    sources = sorted({c.params.source for c in checks})
    answers = target.database.query_many([SOURCES[s] for s in sources])
    facts: dict[str, Any] = {"rows": dict(zip(sources, answers)), "repo": {}}
    for check in checks:
        folder = check.params.from_repo
        if folder and folder not in facts["repo"]:
            path = target.repo() / folder
            if not path.is_dir():
                facts["repo"][folder] = GatherError(f"{folder} is not a folder of the repo checkout {target.repo()}")
            else:
                facts["repo"][folder] = sorted(f.stem for f in path.glob("*.sql"))
    return facts


def _labels(row: dict) -> set[str]:
    version, name = str(row["version"]), str(row.get("name") or "")
    return {version, name, f"{version}_{name}"} - {""}


def judge(check, facts) -> Outcome:
    p: Params = check.params
    rows = facts["rows"][p.source]
    if isinstance(rows, GatherError):
        return error(f"could not read {TABLES[p.source]}: {rows}")
    applied_labels = set().union(*(_labels(r) for r in rows)) if rows else set()
    problems: list[str] = []
    expected_parts = []
    if p.applied:
        expected_parts.append(f"applied: {', '.join(p.applied)}")
        missing = [m for m in p.applied if m not in applied_labels]
        if missing:
            problems.append(f"not applied: {', '.join(missing)}")
    if p.from_repo:
        files = facts["repo"][p.from_repo]
        if isinstance(files, GatherError):
            return error(f"could not list migration files: {files}")
        expected_parts.append(f"every file of {p.from_repo} applied")
        versions = {str(r["version"]) for r in rows}
        missing = [f for f in files if f.split("_", 1)[0] not in versions and f not in applied_labels]
        if missing:
            problems.append(f"{len(missing)} repo migration(s) not applied: {', '.join(missing[:10])}")
    if p.all_finished:
        expected_parts.append("every Prisma migration finished, none rolled back")
        unfinished = [r["version"] for r in rows if not r["finished"] and not r["rolled_back"]]
        rolled = [r["version"] for r in rows if r["rolled_back"]]
        if unfinished:
            problems.append(f"unfinished: {', '.join(unfinished)}")
        if rolled:
            problems.append(f"rolled back: {', '.join(rolled)}")
        if not rows:
            problems.append("no Prisma migrations recorded")
    evidence = {"table": TABLES[p.source], "recorded": len(rows), "newest": [str(r["version"]) for r in rows[-3:]]}
    return verdict("; ".join(expected_parts), problems, f"{len(rows)} migrations recorded, all as expected", **evidence)
