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
    # a sample timestamped in 1970: the TSDB drops it, unless the scrape config stamps it with the scrape's time
    "http://worker:9090/stamped": Reply(200, 5, headers=TEXT, text="# TYPE jobs_processed_total counter\n"
                                                                   "jobs_processed_total 5 1000\n"),
    "http://api:8000/metrics": Reply(503, 5, text="Service Unavailable"),
    # a sample stamped 20 minutes before the scrape: kept, but past the default query lookback (5 minutes)
    "http://worker:9090/recent": Reply(200, 5, headers=TEXT, text="# TYPE jobs_processed_total counter\n"
                                                                  "jobs_processed_total 5 1749998800000\n"),
}
HOSTS = {"worker-metrics": "http://worker:9090", "api": "http://api:8000"}
SCRAPED_AT = 1_750_000_000.0  # the time the reply came, as gather() gives it


def scraped(check):
    url = HOSTS[check.params.service] + check.params.path
    reply = PAGES[url]
    at = SCRAPED_AT if check.params.honor_timestamps else None  # as gather() judges a sample's own timestamp
    families, parse_error = metrics.read(reply, fallback=check.params.fallback_protocol, at=at,
                                         lookback_s=check.params.lookback_s)
    return {check.key: {"url": url, "reply": reply, "families": families, "parse_error": parse_error}}


BASE = {"service": "worker-metrics", "families": {"jobs_processed": "counter"}}

CASES = {
    "service": Flips(BASE, {**BASE, "service": "api"}, scraped),
    "path": Flips(BASE, {**BASE, "path": "/healthz"}, scraped),
    "families": Flips(BASE, {**BASE, "families": {"queue_depth": "counter"}}, scraped),
    "fallback_protocol": Flips({**BASE, "path": "/bare"}, {**BASE, "path": "/bare", "fallback_protocol": "text"},
                               scraped),
    "honor_timestamps": Flips({**BASE, "path": "/stamped"}, {**BASE, "path": "/stamped", "honor_timestamps": False},
                              scraped),
    "lookback_s": Flips({**BASE, "path": "/recent"}, {**BASE, "path": "/recent", "lookback_s": 1800}, scraped),
}
