"""manual: items a machine cannot check, kept visible with their reason."""

from fixtures.checks import verdict

FAMILY = "manual"


def test_manual(checked):
    verdict(checked)
