"""tls: TLS certificates valid and not about to expire."""

from fixtures.checks import verdict

FAMILY = "tls"


def test_tls(checked):
    verdict(checked)
