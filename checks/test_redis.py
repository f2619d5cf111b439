"""redis: queue and dead-letter lengths."""

from fixtures.checks import verdict

FAMILY = "redis"


def test_redis(checked):
    verdict(checked)
