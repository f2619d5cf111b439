"""cron: scheduled endpoints: 200 with their secret, rejected without."""

from fixtures.checks import verdict

FAMILY = "cron"


def test_cron(checked):
    verdict(checked)
