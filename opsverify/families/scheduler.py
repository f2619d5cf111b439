"""scheduler: a pg_cron job is active with its schedule, or absent/inactive as the runbook says.

pg_cron before 1.5 has no `cron.timezone` and runs schedules in GMT; a runbook time in
another zone is converted on the database's own date, so DST is judged correctly.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator

from ..errors import GatherError
from ..outcome import Outcome, error, failed, passed
from ._common import StrictParams

NAME = "scheduler"
NEEDS = ("database",)

JOBS = "select jobid, jobname, schedule, active from cron.job order by jobid"
SETTINGS = (
    "select current_setting('cron.timezone', true) as timezone, now() as now,"
    " (select extversion from pg_extension where extname = 'pg_cron') as version, current_user as viewer"
)


class Params(StrictParams):
    job: str
    active: bool
    schedule: str | None = None
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value}") from None
        return value

    @model_validator(mode="after")
    def _schedule_only_when_active(self) -> "Params":
        if not self.active and (self.schedule or self.timezone):
            raise ValueError("schedule/timezone only make sense for an active job")
        if self.timezone and not self.schedule:
            raise ValueError("timezone is the zone of `schedule`; give the schedule too")
        return self


UNDEFINED_TABLE = "42P01"  # cron.job does not exist: pg_cron is not installed in this database


def database_statements(target, checks) -> list[str]:
    return [JOBS, SETTINGS]


def gather(target, checks) -> dict[str, Any]:
    jobs, settings = target.database.query_many(database_statements(target, checks))
    if isinstance(settings, GatherError):
        raise settings
    if isinstance(jobs, GatherError):
        if getattr(jobs, "sqlstate", "") == UNDEFINED_TABLE:
            return {"installed": False, "jobs": [], "database": target.database.where, **settings[0]}
        raise jobs
    return {"installed": True, "jobs": jobs, "database": target.database.where, **settings[0]}


def _normal(schedule: str) -> str:
    return " ".join(schedule.split())


def server_schedule(schedule: str, zone: str, server_zone: str, today: dt.date) -> str | None:
    """The expression that fires at `schedule` (in `zone`) when read in `server_zone` on `today`.

    Only fixed minute + hour schedules move between zones; others are returned unchanged.
    """
    match = re.fullmatch(r"(\d{1,2}) (\d{1,2}) (\S+ \S+ \S+)", _normal(schedule))
    if not match:
        return _normal(schedule)
    minute, hour, rest = int(match.group(1)), int(match.group(2)), match.group(3)
    local = dt.datetime.combine(today, dt.time(hour, minute), tzinfo=ZoneInfo(zone))
    there = local.astimezone(ZoneInfo(server_zone))
    if there.date() != local.date() and rest != "* * *":
        return None  # the day fields would shift too; compare literally instead
    return f"{there.minute} {there.hour} {rest}"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    rows = [j for j in facts["jobs"] if j["jobname"] == p.job]
    evidence = {
        "pg_cron": facts["version"] or "not installed",
        "visible_to": facts["viewer"],
        "jobs": [{"jobid": j["jobid"], "schedule": j["schedule"], "active": j["active"]} for j in rows],
    }
    if not facts["installed"]:
        # pg_cron keeps its jobs in one database (cron.database_name): looking anywhere else would
        # read "no job" for a job that runs — so this cannot be judged here
        return error(f"pg_cron is not installed in database {facts.get('database', '?')} (no cron.job);"
                     " point the system's database at the one pg_cron runs in (its cron.database_name)", **evidence)
    active = [j for j in rows if j["active"]]
    if not p.active:
        expected = f"no active pg_cron job '{p.job}'"
        if active:
            shown = ", ".join(f"jobid {j['jobid']} '{j['schedule']}'" for j in active)
            return failed(expected, f"'{p.job}' is active ({shown})", **evidence)
        seen = f"'{p.job}' present but inactive" if rows else f"no job named '{p.job}'"
        return passed(expected, seen, **evidence)

    expected = f"active pg_cron job '{p.job}'" + (f" on '{p.schedule}'" if p.schedule else "") + (
        f" {p.timezone}" if p.timezone else "")
    if not active:
        return failed(expected, f"'{p.job}' is inactive" if rows else f"no job named '{p.job}'", **evidence)
    if not p.schedule:
        return passed(expected, f"'{p.job}' active", **evidence)
    wanted = _normal(p.schedule)
    if p.timezone:
        server_zone = facts["timezone"] or "GMT"  # pg_cron < 1.5 always uses GMT
        now = facts["now"]
        today = now.date() if isinstance(now, dt.datetime) else dt.date.fromisoformat(str(now)[:10])
        converted = server_schedule(p.schedule, p.timezone, server_zone, today)
        if converted is None:
            return error(f"cannot convert '{p.schedule}' from {p.timezone} to {server_zone}")
        evidence["server_timezone"] = server_zone
        evidence["expected_in_server_timezone"] = converted
        wanted = converted
    schedules = [_normal(j["schedule"]) for j in active]
    if wanted in schedules:
        return passed(expected, f"'{p.job}' active on '{wanted}'", **evidence)
    note = f" (= '{p.schedule}' {p.timezone} in {evidence['server_timezone']} today)" if p.timezone else ""
    return failed(expected + note, f"'{p.job}' runs on {', '.join(repr(s) for s in schedules)}", **evidence)
