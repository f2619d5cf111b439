"""scheduler: pg_cron jobs active or disabled as the runbook says."""

from fixtures.checks import verdict

FAMILY = "scheduler"


def test_scheduler(checked):
    verdict(checked)
