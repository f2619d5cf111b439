"""http: health, auth-required and content checks of HTTP endpoints."""

from fixtures.checks import verdict

FAMILY = "http"


def test_http(checked):
    verdict(checked)
