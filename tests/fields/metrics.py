"""metrics: every field of metrics.Params changes the outcome (facts as `metrics.gather` keys them: per item,
each with the scrape of the URL its service and path name)."""

from opsverify.families import metrics
from opsverify.transports.http import Reply

from .kinds import Flips

EXPOSITION = "# TYPE jobs_processed_total counter\njobs_processed_total 5\n# TYPE queue_depth gauge\nqueue_depth 2\n"
TEXT = {"content-type": "text/plain; version=0.0.4"}
PAGES = {
    "http://worker:9090/metrics": Reply(200, 5, headers=TEXT, text=EXPOSITION),
    "http://worker:9090/healthz": Reply(200, 5, headers=TEXT, text="ok\n"),
    "http://worker:9090/bare": Reply(200, 5, text=EXPOSITION),  # no Content-Type: read by a fallback protocol only
    "http://api:8000/metrics": Reply(503, 5, text="Service Unavailable"),
}
HOSTS = {"worker-metrics": "http://worker:9090", "api": "http://api:8000"}


def scraped(check):
    url = HOSTS[check.params.service] + check.params.path
    reply = PAGES[url]
    families, parse_error = metrics.read(reply, fallback=check.params.fallback_protocol)
    return {check.key: {"url": url, "reply": reply, "families": families, "parse_error": parse_error}}


BASE = {"service": "worker-metrics", "families": {"jobs_processed": "counter"}}

CASES = {
    "service": Flips(BASE, {**BASE, "service": "api"}, scraped),
    "path": Flips(BASE, {**BASE, "path": "/healthz"}, scraped),
    "families": Flips(BASE, {**BASE, "families": {"queue_depth": "counter"}}, scraped),
    "fallback_protocol": Flips({**BASE, "path": "/bare"}, {**BASE, "path": "/bare", "fallback_protocol": "text"},
                               scraped),
}
