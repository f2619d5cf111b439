"""provider: platform APIs: deploys, backups, env var metadata, secret age."""

from fixtures.checks import verdict

FAMILY = "provider"


def test_provider(checked):
    verdict(checked)
