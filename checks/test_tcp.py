"""tcp: ClamAV PING/PONG, SMTP banner, S3 reachability."""

from fixtures.checks import verdict

FAMILY = "tcp"


def test_tcp(checked):
    verdict(checked)
