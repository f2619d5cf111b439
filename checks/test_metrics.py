"""metrics: Prometheus metric families exposed."""

from fixtures.checks import verdict

FAMILY = "metrics"


def test_metrics(checked):
    verdict(checked)
