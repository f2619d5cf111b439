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
])
def test_combinations_the_judge_does_not_read_are_rejected(params, match):
    with pytest.raises((ValidationError, ValueError), match=match):
        load_item_params("scheduler", params)
