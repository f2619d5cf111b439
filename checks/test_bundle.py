"""bundle: no privileged key in the scripts a web app ships to browsers."""

from fixtures.checks import verdict

FAMILY = "bundle"


def test_bundle(checked):
    verdict(checked)
