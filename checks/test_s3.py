"""s3: the bucket is reachable and listable with the configured keys."""

from fixtures.checks import verdict

FAMILY = "s3"


def test_s3(checked):
    verdict(checked)
