"""webhook: webhooks reject unsigned and wrongly signed requests."""

from fixtures.checks import verdict

FAMILY = "webhook"


def test_webhook(checked):
    verdict(checked)
