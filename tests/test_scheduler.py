"""scheduler family: which params combinations are config errors (the judge itself: tests/test_judges.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify.checklist import load_item_params


@pytest.mark.parametrize("params, match", [
    ({"job": "w", "active": True, "timezone": "Europe/London"}, "give the schedule"),  # a zone nobody reads
    ({"job": "w", "active": False, "schedule": "0 5 * * *"}, "only make sense for an active job"),
    ({"job": "w", "active": True, "schedule": "0 5 * * *", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"job": "w"}, "active"),
    # a schedule pg_cron would refuse, or an empty one read as "any schedule"
    ({"job": "w", "active": True, "schedule": "0 24 * * *", "timezone": "Europe/London"}, "'24' is out of range"),
    ({"job": "w", "active": True, "schedule": "60 5 * * *"}, "'60' is out of range for field 1"),
    ({"job": "w", "active": True, "schedule": ""}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "0 5 * * * *"}, "five fields"),
    ({"job": "w", "active": True, "schedule": "0 5 */0 * *"}, "is not cron syntax"),
    ({"job": "w", "active": True, "schedule": "0 seconds"}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "0 ² * * *"}, "is not cron syntax"),
    ({"job": "w", "active": True, "schedule": "@Hourly"}, "is not a cron schedule"),  # pg_cron's macros: lower case
    ({"job": "w", "active": True, "schedule": "5/10 * * * *"}, "is not cron syntax"),  # a step needs * or a range
])
def test_combinations_the_judge_does_not_read_are_rejected(params, match):
    with pytest.raises((ValidationError, ValueError), match=match):
        load_item_params("scheduler", params)


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 5 * * *", "0 9-17 * * mon-fri", "0 3 $ * *", "@daily",
                                      "30 seconds", "0,30 1,13 1-15/2 jan-jun 0,7"])
def test_schedules_pg_cron_takes_are_accepted(schedule):
    load_item_params("scheduler", {"job": "w", "active": True, "schedule": schedule})
