"""tcp: ClamAV PING/PONG, SMTP banner and EHLO, Redis PING."""

from fixtures.checks import verdict

FAMILY = "tcp"


def test_tcp(checked):
    verdict(checked)
