"""env: required, any-of, forbidden, well-formed and equal-across-services env vars."""

from fixtures.checks import verdict

FAMILY = "env"


def test_env(checked):
    verdict(checked)
