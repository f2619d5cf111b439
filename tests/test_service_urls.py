"""target.url: an item's path joins a service URL's path; the service URL's query is kept after it, a fragment is
never sent. Every family that asks a service by URL (http, metrics, cron, webhook, bundle, tls) goes through it."""

from __future__ import annotations

import pytest

from opsverify.families import http, metrics
from opsverify.outcome import Status

from .kit import make_check, make_target
from .project import KeepAliveHttp, raw_reply

EXPOSITION = b"# TYPE jobs counter\njobs_total 5\n# TYPE depth gauge\ndepth 3\n"


def url(service_url: str, path: str = "") -> str:
    return make_target({"services": {"web": {"url": service_url}}}).url("web", path)


@pytest.mark.parametrize("service_url, path, joined", [
    ("http://h:9", "/metrics", "http://h:9/metrics"),
    ("http://h:9/", "/metrics", "http://h:9/metrics"),
    ("http://h:9/api/", "/metrics", "http://h:9/api/metrics"),
    ("http://h:9", "", "http://h:9"),
    ("http://h:9/", "", "http://h:9"),
    # the service URL's query stays a query, after the item's path; the item's own query follows it
    ("http://h:9/?token=X", "/metrics-missing", "http://h:9/metrics-missing?token=X"),
    ("http://h:9/api?token=X", "/health", "http://h:9/api/health?token=X"),
    ("http://h:9/?token=X", "/cron/run?limit=5", "http://h:9/cron/run?token=X&limit=5"),
    ("http://h:9", "/cron/run?limit=5", "http://h:9/cron/run?limit=5"),
    ("http://h:9/?token=X", "", "http://h:9/?token=X"),
    # a fragment is never sent (a client drops it): it is dropped, not read as part of the path
    ("http://h:9/#section", "/metrics", "http://h:9/metrics"),
    ("http://h:9/app?token=X#section", "/metrics", "http://h:9/app/metrics?token=X"),
    ("http://h:9", "/page#top", "http://h:9/page"),
    ("http://user:p%40ss@h:9/?a=1", "/x", "http://user:p%40ss@h:9/x?a=1"),  # the address as written
])
def test_the_path_joins_the_url_path_and_the_query_is_kept(service_url, path, joined):
    assert url(service_url, path) == joined


def test_a_metrics_item_asks_its_own_path_under_a_url_with_a_query():
    """`/?token=X` + `/metrics-missing` asked `/?token=X/metrics-missing`: the root page, whose metrics passed."""
    replies = {("GET", "/?token=X"): raw_reply(200, EXPOSITION, "text/plain; version=0.0.4"),
               ("GET", "/metrics?token=X"): raw_reply(200, EXPOSITION, "text/plain; version=0.0.4")}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"m": {"url": f"{server.url}/?token=X"}}})
        checks = [make_check("metrics", {"service": "m", "path": path, "families": {"jobs": "counter"}}, name=name)
                  for name, path in (("missing", "/metrics-missing"), ("present", "/metrics"))]
        facts = metrics.gather(target, checks)
    missing, present = (metrics.judge(c, facts) for c in checks)
    assert (missing.status, missing.observed) == (Status.FAILED, "status 404"), missing.observed
    assert missing.evidence["request"] == f"GET {server.url}/metrics-missing?token=X"
    assert present.status is Status.PASSED, present.observed


def test_an_http_item_asks_its_own_path_under_a_url_with_a_query_or_a_fragment():
    replies = {("GET", "/?token=X"): raw_reply(200, b'{"ok": true}'),
               ("GET", "/"): raw_reply(200, b'{"ok": true}')}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"q": {"url": f"{server.url}/?token=X"},
                                           "f": {"url": f"{server.url}/#frag"}}})
        checks = [make_check("http", {"service": service, "path": "/health"}, name=service) for service in "qf"]
        facts = http.gather(target, checks)
    outcomes = {c.params.service: http.judge(c, facts) for c in checks}
    assert [(o.status, o.evidence["status"]) for o in outcomes.values()] == [(Status.FAILED, 404)] * 2, outcomes
    assert outcomes["q"].evidence["request"] == f"GET {server.url}/health?token=X"
    assert outcomes["f"].evidence["request"] == f"GET {server.url}/health"
