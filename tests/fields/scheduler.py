"""scheduler: every field of scheduler.Params changes the outcome (pg_cron's cron.job as gather reads it)."""

import datetime as dt

from .kinds import Flips

SUMMER = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone.utc)  # London is GMT+1


def jobs(*rows, now=SUMMER):
    return {"installed": True, "timezone": None, "now": now, "version": "1.4-1", "viewer": "postgres",
            "database": "127.0.0.1:5432/postgres", "scheduler_running": True,
            "jobs": [{"jobid": i + 1, "jobname": n, "schedule": s, "active": a} for i, (n, s, a) in enumerate(rows)]}


ONE = jobs(("publish-queue", "* * * * *", True), ("materialise-weekly", "0 4 * * *", True))

CASES = {
    "job": Flips({"job": "publish-queue", "active": True}, {"job": "media-derivatives", "active": True}, ONE),
    "active": Flips({"job": "publish-queue", "active": True}, {"job": "publish-queue", "active": False}, ONE),
    "schedule": Flips({"job": "publish-queue", "active": True},
                      {"job": "publish-queue", "active": True, "schedule": "*/5 * * * *"}, ONE),
    # 05:00 London in summer is 04:00 GMT, where pg_cron < 1.5 runs
    "timezone": Flips({"job": "materialise-weekly", "active": True, "schedule": "0 5 * * *"},
                      {"job": "materialise-weekly", "active": True, "schedule": "0 5 * * *",
                       "timezone": "Europe/London"}, ONE),
    # pg_cron runs each job in the database its row names: the same job, judged for another database, is absent
    "database": Flips({"job": "publish-queue", "active": True},
                      {"job": "publish-queue", "active": True, "database": "staging"}, ONE),
}
