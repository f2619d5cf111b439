"""metrics: the named families are exposed with their types; a broken or silent endpoint fails."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from opsverify_demo.services import worker_registry
from opsverify.checklist import Check, Severity
from opsverify.engine import message
from opsverify.families import metrics
from opsverify.outcome import Status
from opsverify.transports.http import Reply
from prometheus_client import generate_latest

from .helpers import by_id, evaluate

WANTED = {"jobs_processed": "counter", "job_retries_total": "counter", "job_duration_seconds": "histogram",
          "queue_depth": "gauge"}
GOOD = generate_latest(worker_registry()).decode()


def check(families=None) -> Check:
    params = metrics.Params(service="worker-metrics", path="/metrics", families=families or WANTED)
    return Check("joslyn-ai", "J11", "worker-metrics", "Monitoring", "worker metrics", "metrics", None,
                 Severity.normal, False, "", "", params)


def facts(c: Check, reply: Reply) -> dict:
    families, parse_error = metrics.parse(reply.text) if reply.status == 200 and not reply.truncated else ({}, "")
    return {c.key: {"url": "http://worker:9090/metrics", "reply": reply, "families": families,
                    "parse_error": parse_error}}


BAD_TYPE = GOOD.replace("# TYPE queue_depth gauge", "# TYPE queue_depth counter")
NO_RETRIES = generate_latest(worker_registry(with_retries=False)).decode()
UNTYPED = "jobs_processed_total 5\njob_retries_total 1\njob_duration_seconds_sum 3\nqueue_depth 2\n"
# a family declared with no sample, and a histogram with its sum alone: present in name, not measured
DECLARED_ONLY = "\n".join(line for line in GOOD.splitlines() if not line.startswith("queue_depth")) + "\n"
SUM_ONLY = "\n".join(line for line in GOOD.splitlines() if not line.startswith(("job_duration_seconds_bucket",
                                                                                   "job_duration_seconds_count"))) + "\n"


@pytest.mark.parametrize("reply, status, observed", [
    (Reply(200, 5, text=GOOD), Status.PASSED, "all 4 present with their types"),
    (Reply(200, 5, text=NO_RETRIES), Status.FAILED, "job_retries_total missing"),
    (Reply(200, 5, text=BAD_TYPE), Status.FAILED, "queue_depth is typed counter, not gauge"),
    (Reply(200, 5, text=UNTYPED), Status.FAILED, "jobs_processed_total is typed unknown, not counter"),
    (Reply(200, 5, text='queue_depth{queue="jobs} 3\n'), Status.FAILED, "malformed exposition: ValueError"),
    (Reply(200, 5, text=GOOD, truncated=True), Status.ERROR, "could not look: exposition larger than"),
    (Reply(503, 5, text="Service Unavailable"), Status.FAILED, "status 503"),
    (Reply(None, 5, failure="connection refused"), Status.ERROR,
     "could not look: no answer from worker-metrics: connection refused"),
    (Reply(200, 5, text=""), Status.FAILED, "jobs_processed missing"),
    (Reply(200, 5, text=DECLARED_ONLY), Status.FAILED, "queue_depth is declared but has no sample"),
    (Reply(200, 5, text=SUM_ONLY), Status.FAILED,
     "histogram job_duration_seconds lacks its job_duration_seconds_bucket, job_duration_seconds_count series"),
])
def test_judge(reply, status, observed):
    c = check()
    outcome = metrics.judge(c, facts(c, reply))
    assert outcome.status is status, outcome.observed
    assert observed in outcome.observed
    if status is not Status.ERROR:
        assert outcome.expected == ("GET /metrics exposes jobs_processed (counter), job_retries_total (counter), "
                                    "job_duration_seconds (histogram), queue_depth (gauge)")


def test_counter_names_with_or_without_total():
    families, _ = metrics.parse(GOOD)
    assert metrics.lookup(families, "jobs_processed_total", "counter")[0] == "jobs_processed"
    assert metrics.lookup(families, "jobs_processed", "counter")[0] == "jobs_processed"
    assert metrics.lookup(families, "queue_depth_total", "gauge") is None


def test_parse_names_the_error():
    families, problem = metrics.parse("# TYPE x counter\nx_total not-a-number\n")
    assert families == {} and problem.startswith("ValueError: ")


@pytest.mark.parametrize("params, problem", [
    ({"service": "worker-metrics", "families": {}}, "at least one"),
    ({"service": "worker-metrics", "families": {"x": "timer"}}, "counter"),
    ({"service": "worker-metrics", "families": ["x"]}, "dictionary"),
    ({"service": "worker-metrics", "path": "metrics", "families": {"x": "gauge"}}, "must start with /"),
])
def test_params_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        metrics.Params(**params)


# -- against the demo ----------------------------------------------------------------------
def test_demo_healthy_passes(demo):
    results = evaluate(demo, by_id("J11"))
    [(c, outcome)] = results.values()
    assert outcome.status is Status.PASSED, outcome.observed
    assert set(outcome.evidence["checked"]) == {"jobs_processed", "job_retries", "job_duration_seconds", "queue_depth"}


@pytest.mark.parametrize("fault, seen", [
    ("metrics-missing-retries", "job_retries missing"),
    ("metrics-endpoint-down", "status 503"),
])
def test_demo_fault_fails(demo, fault, seen):
    demo.apply(fault)
    [(c, outcome)] = evaluate(demo, by_id("J11")).values()
    assert outcome.status is Status.FAILED
    text = message(c, outcome)
    assert text.startswith("J11-worker-metrics ") and "expected GET /metrics exposes " in text
    assert f"; saw {seen}" in text


def test_the_bound_allows_for_parsing_each_scrape_once():
    """Parsing an exposition at the size limit is our time, not the target's: the group's bound has room for it."""
    from types import SimpleNamespace

    from opsverify import families
    from opsverify.environment import TimeoutsModel

    target = SimpleNamespace(timeouts=TimeoutsModel(connect_s=1, http_s=2))
    one = check()
    other = dataclasses.replace(one, params=one.params.model_copy(update={"path": "/other-metrics"}))
    http_only = 1 + 2
    assert families.bound(metrics, target, [one, one]) == http_only + metrics.PARSE_S  # one scrape, parsed once
    assert families.bound(metrics, target, [one, other]) == http_only + 2 * metrics.PARSE_S
