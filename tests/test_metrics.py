"""metrics: the named families are exposed with their types; a broken or silent endpoint fails."""

from __future__ import annotations

import dataclasses
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest
import trustme
from pydantic import ValidationError

from opsverify_demo.services import worker_registry
from opsverify.checklist import Check, Severity
from opsverify.engine import message
from opsverify.families import metrics
from opsverify.outcome import Status
from opsverify.transports.http import Reply
from prometheus_client import generate_latest

from .helpers import by_id, evaluate
from .kit import RealBacklogServer

WANTED = {"jobs_processed": "counter", "job_retries_total": "counter", "job_duration_seconds": "histogram",
          "queue_depth": "gauge"}
GOOD = generate_latest(worker_registry()).decode()


def check(families=None) -> Check:
    params = metrics.Params(service="worker-metrics", path="/metrics", families=families or WANTED)
    return Check("joslyn-ai", "J11", "worker-metrics", "Monitoring", "worker metrics", "metrics", None,
                 Severity.normal, False, "", "", params)


def facts(c: Check, reply: Reply) -> dict:
    if not reply.headers:  # a reply written without headers is Prometheus text (a Content-Type is judged elsewhere)
        reply = dataclasses.replace(reply, headers={"content-type": "text/plain; version=0.0.4"})
    families, parse_error = metrics.read(reply)
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
    # a redirect Prometheus follows to wherever it leads, which opsverify does not: not judged, the path to give said
    (Reply(302, 5, {"location": "/metrics/"}, text=""), Status.ERROR,
     "answered 302 (to /metrics/), a redirect Prometheus follows unless its scrape config sets follow_redirects"),
    (Reply(308, 5, {"location": "https://worker:9090/metrics"}, text=""), Status.ERROR, "answered 308 (to https://"),
    (Reply(302, 5, text=""), Status.FAILED, "status 302"),  # no Location: Go's client goes nowhere, the scrape fails
    (Reply(300, 5, {"location": "/a"}, text=""), Status.FAILED, "status 300"),  # a choice, never followed
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


def judged(text: str, families: dict[str, str]):
    c = check(families)
    return metrics.judge(c, facts(c, Reply(200, 5, text=text)))


HISTOGRAM = '# TYPE d histogram\nd_bucket{{le="0.5"}} {low}\nd_bucket{{le="+Inf"}} {top}\nd_count {count}\nd_sum {sum}\n'
ROUTES = ('# TYPE d histogram\nd_bucket{route="/a",le="1"} 1\nd_bucket{route="/a",le="+Inf"} 2\nd_count{route="/a"} 2\n'
          'd_sum{route="/a"} -0.5\nd_bucket{route="/b",le="1"} 0\nd_bucket{route="/b",le="+Inf"} 0\nd_count{route="/b"} 0\n'
          'd_sum{route="/b"} 0\n')


@pytest.mark.parametrize("text, families, status, observed", [
    ("# TYPE jobs_processed_total counter\njobs_processed_total NaN\n", {"jobs_processed": "counter"}, Status.FAILED,
     "counter jobs_processed: jobs_processed_total is NaN"),
    ("# TYPE jobs_processed_total counter\njobs_processed_total -5\n", {"jobs_processed": "counter"}, Status.FAILED,
     "counter jobs_processed: jobs_processed_total is -5"),
    ("# TYPE jobs_processed_total counter\njobs_processed_total +Inf\n", {"jobs_processed": "counter"}, Status.FAILED,
     "jobs_processed_total is +Inf"),
    ("# TYPE queue_depth gauge\nqueue_depth NaN\n", {"queue_depth": "gauge"}, Status.FAILED,
     "gauge queue_depth: queue_depth is NaN"),
    ("# TYPE queue_depth gauge\nqueue_depth +Inf\n", {"queue_depth": "gauge"}, Status.PASSED, "all 1 present"),
    (HISTOGRAM.format(low=1, top=3, count=3, sum=2.5), {"d": "histogram"}, Status.PASSED, "all 1 present"),
    (ROUTES, {"d": "histogram"}, Status.PASSED, "all 1 present"),  # per label set; a sum may be negative
    (HISTOGRAM.format(low="NaN", top="NaN", count="NaN", sum="NaN"), {"d": "histogram"}, Status.FAILED,
     'histogram d: d_bucket{le="0.5"} is NaN, d_bucket{le="+Inf"} is NaN, … (+'),
    (HISTOGRAM.format(low=1, top=3, count=3, sum="+Inf"), {"d": "histogram"}, Status.FAILED, "d_sum is +Inf"),
    (HISTOGRAM.format(low=4, top=3, count=3, sum=2), {"d": "histogram"}, Status.FAILED,
     'd_bucket{le="+Inf"} 3 < d_bucket{le="0.5"} 4'),
    (HISTOGRAM.format(low=1, top=3, count=1, sum=2), {"d": "histogram"}, Status.FAILED,
     'd_count 1 ≠ d_bucket{le="+Inf"} 3'),
    # equal as Prometheus holds them (float64), however each is spelled: an integer and a float of one value
    (HISTOGRAM.format(low=1, top="1e20", count="100000000000000000001", sum=2), {"d": "histogram"}, Status.PASSED,
     "all 1 present"),
    (HISTOGRAM.format(low="100000000000000000001", top="1e20", count="1e20", sum=2), {"d": "histogram"},
     Status.PASSED, "all 1 present"),
    ('# TYPE d histogram\nd_bucket{le="0.5"} 3\nd_count 1\nd_sum 2\n', {"d": "histogram"}, Status.FAILED,
     'histogram d: d_bucket{le="0.5"} is the last bucket: no le="+Inf"'),
    ('# TYPE s summary\ns{quantile="0.5"} NaN\ns_count 0\ns_sum 0\n', {"s": "summary"}, Status.PASSED,
     "all 1 present"),  # no observation in the window: its quantiles are NaN
    ('# TYPE s summary\ns{quantile="0.5"} 1\ns_count NaN\ns_sum 1\n', {"s": "summary"}, Status.FAILED,
     "summary s: s_count is NaN"),
])
def test_values_that_measure_nothing_fail(text, families, status, observed):
    outcome = judged(text, families)
    assert outcome.status is status and observed in outcome.observed, outcome.observed


DECLARED_TWICE = "# TYPE jobs counter\njobs_total 1\n# TYPE jobs gauge\njobs 5\n"
DECLARED_TWICE_REVERSED = "# TYPE jobs gauge\njobs 5\n# TYPE jobs counter\njobs_total 1\n"


@pytest.mark.parametrize("text, seen", [
    (DECLARED_TWICE, "jobs declared twice (# TYPE jobs counter; # TYPE jobs gauge)"),
    (DECLARED_TWICE_REVERSED, "jobs declared twice (# TYPE jobs gauge; # TYPE jobs counter)"),
    ("# TYPE jobs gauge\njobs 1\n# TYPE other gauge\nother 2\njobs 3\n", "jobs exposed in two groups"),
])
@pytest.mark.parametrize("kind", ["counter", "gauge"])
def test_a_family_declared_twice_fails_whatever_the_order(text, seen, kind):
    outcome = judged(text, {"jobs": kind})
    assert outcome.status is Status.FAILED and outcome.observed.startswith(f"malformed exposition: {seen}")


# Prometheus text format names metrics as their `# TYPE` lines do: a gauge `x` and a counter `x_total` are two
QUEUE = "# TYPE queue_depth gauge\nqueue_depth 3\n# TYPE queue_depth_total counter\nqueue_depth_total 40\n"
QUEUE_REVERSED = "# TYPE queue_depth_total counter\nqueue_depth_total 40\n# TYPE queue_depth gauge\nqueue_depth 3\n"


@pytest.mark.parametrize("text", [QUEUE, QUEUE_REVERSED])
@pytest.mark.parametrize("families", [{"queue_depth": "gauge", "queue_depth_total": "counter"},
                                      {"queue_depth": "gauge"}, {"queue_depth_total": "counter"}])
def test_a_gauge_and_a_counter_named_with_total_are_two_metrics_in_text_format(text, families):
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_counter_is_found_by_its_name_beside_a_gauge_of_the_name_without_total():
    """Asked for counter `queue_depth`, the counter `queue_depth_total` answers, not the gauge `queue_depth`."""
    outcome = judged(QUEUE, {"queue_depth": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert judged(QUEUE.replace("queue_depth_total 40", "queue_depth_total -1"), {"queue_depth": "counter"}).observed \
        == "counter queue_depth_total: queue_depth_total is -1"


def test_counters_spelled_with_and_without_total_are_two_metrics_in_text_format():
    """`x` and `x_total` are two series to Prometheus, though the parser names both counters' samples `x_total`."""
    text = "# TYPE jobs counter\njobs 1\n# TYPE jobs_total counter\njobs_total 2\n"
    assert judged(text, {"jobs": "counter", "jobs_total": "counter"}).status is Status.PASSED
    beside_a_gauge = "# TYPE jobs counter\njobs 1\n# TYPE jobs_total gauge\njobs_total 2\n"
    assert judged(beside_a_gauge, {"jobs": "counter", "jobs_total": "gauge"}).status is Status.PASSED


@pytest.mark.parametrize("text, seen", [
    ("# TYPE jobs counter\njobs_total 1\n# TYPE jobs counter\njobs_total 2\n", "jobs declared twice"),
    ("# TYPE jobs_total counter\njobs_total 1\n# TYPE jobs_total counter\njobs_total 2\n", "jobs_total declared twice"),
    # a counter declared `jobs` whose series comes again after another family: split, not a second metric
    ("# TYPE jobs counter\njobs 1\n# TYPE other gauge\nother 2\njobs 3\n", "jobs exposed in two groups"),
])
def test_a_name_declared_twice_in_text_format_still_fails(text, seen):
    outcome = judged(text, {"jobs": "counter"})
    assert outcome.status is Status.FAILED and outcome.observed.startswith(f"malformed exposition: {seen}"), \
        outcome.observed


@pytest.mark.parametrize("line", [
    "#\x0bTYPE g counter",  # prometheus_client splits on any whitespace; Prometheus on blanks and tabs
    "\x0c# TYPE g counter",
    "#x TYPE g counter",  # `#x` is a comment to Prometheus, `# … TYPE` to the parser
    "# TYPE g counter\x0b",
    "# TYPE g\x0bcounter",
    "#\x0bHELP g2 jobs",  # the parser starts another family at a HELP: g's sample would be split off
])
def test_a_declaration_prometheus_reads_otherwise_is_malformed(line):
    """A comment line the parser reads as `# TYPE` or `# HELP` but whose tokens are apart by other than blanks and
    tabs: Prometheus reads a comment (or refuses the line), so the type judged would be the parser's alone."""
    for text in (f"{line}\ng 7\n", f"# TYPE g gauge\ng 1\n{line}\ng{{x=\"2\"}} 2\n"):
        outcome = judged(text, {"g": "counter"})
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed.startswith(f"malformed exposition: {line!r}: "), outcome.observed


@pytest.mark.parametrize("text, families", [
    ('# TYPE "a b" gauge\n{"a b"} 1\n# TYPE "a c" gauge\n{"a c"} 2\n', {"a b": "gauge", "a c": "gauge"}),
    # a quoted counter before two counters spelled with and without `_total`: each is matched to its own line
    ('# TYPE "a b" counter\n{"a b"} 1\n# TYPE jobs_total counter\njobs_total 1\n# TYPE jobs counter\njobs 2\n',
     {"a b": "counter", "jobs": "counter", "jobs_total": "counter"}),
    ('# TYPE "a b" counter\n{"a b_total"} 1\n# TYPE jobs_total counter\njobs_total 1\n# TYPE jobs counter\njobs 2\n',
     {"jobs": "counter"}),
    # blanks and tabs around the name; one before the type, none after it (Prometheus compares the rest as written)
    ('# TYPE g gauge\ng 1\n#\t TYPE\t "g 2"\tgauge\n{"g 2"} 2\n', {"g": "gauge", "g 2": "gauge"}),
])
def test_quoted_names_are_read_whole(text, families):
    """A quoted name may hold blanks: its `# TYPE` line declares it whole, as the parser reads it."""
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_name_declared_quoted_and_plain_is_declared_twice():
    outcome = judged('# TYPE a gauge\na 1\n# TYPE "a" counter\n{"a_total"} 2\n', {"a": "gauge"})
    assert outcome.observed.startswith(
        'malformed exposition: a declared twice (# TYPE a gauge; # TYPE "a" counter)'), outcome.observed


@pytest.mark.parametrize("text, families, line", [
    # Prometheus reads a value with Go's ParseFloat: an integer beyond float64's range is out of range, refused
    ("# TYPE jobs_total counter\njobs_total " + "9" * 400 + "\n", {"jobs": "counter"}, "jobs_total 9999"),
    (HISTOGRAM.format(low=1, top=3, count=3, sum="9" * 400), {"d": "histogram"}, "d_sum 9999"),
    ("# TYPE q gauge\nq " + "9" * 400 + "\n", {"q": "gauge"}, "q 9999"),  # a gauge too: the scrape is refused
])
def test_an_integer_beyond_float64_is_malformed(text, families, line):
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed.startswith(f"malformed exposition: {line}"), \
        outcome.observed
    assert "is beyond float64's range" in outcome.observed, outcome.observed


@pytest.mark.parametrize("value", ["\u0663", "\uff15", "\u0663.\u0665", "1\u0663"])
def test_a_value_of_other_than_ascii_digits_is_malformed(value):
    """Python reads Arabic-Indic or full-width digits as numbers; Prometheus (Go's ParseFloat) refuses them."""
    line = f"jobs_total {value}"
    outcome = judged(f"# TYPE jobs_total counter\n{line}\n", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"malformed exposition: {line}: the value {ascii(value)} is no ASCII number: " \
                               "Prometheus cannot read it", outcome.observed
    om = om_judged(f"# TYPE jobs counter\n{line}\n# EOF\n", {"jobs": "counter"})
    assert om.status is Status.FAILED and om.observed.startswith(f"malformed exposition: {line}: "), om.observed


def test_other_than_ascii_is_read_where_the_format_allows_it():
    """Label values and quoted names may be any UTF-8: only the value must be an ASCII number."""
    outcome = judged('# TYPE "zähler" gauge\n{"zähler",a="٣"} 3\n', {"zähler": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed


# -- a counter's series spelled `x_total` after `# TYPE x counter`: Prometheus reads them as the counter's ------
@pytest.mark.parametrize("text, families", [
    ('# TYPE "jobs.done" counter\n{"jobs.done_total"} 5\n', {"jobs.done": "counter"}),
    ('# TYPE "c_q" counter\n{"c_q_total"} 3\n', {"c_q": "counter"}),
    ('# TYPE jobs counter\n{"jobs_total"} 5\n', {"jobs": "counter"}),
    ("# TYPE jobs counter\njobs_total 5\n", {"jobs": "counter"}),  # the same series written plain
    ('# HELP "jobs.done" Jobs.\n# TYPE "jobs.done" counter\n{"jobs.done_total",a="1"} 5\n{"jobs.done_total",a="2"} 6\n'
     "# TYPE g gauge\ng 1\n", {"jobs.done": "counter", "g": "gauge"}),
])
def test_a_counter_series_named_with_total_belongs_to_the_counter_declared_before_it(text, families):
    """The text parser keeps `x_total` samples out of a counter declared `x` (it splits each off, typed unknown,
    and leaves the counter empty); Prometheus reads them as the counter's, as the OpenMetrics parser does."""
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("text, observed", [
    ('# TYPE "c_q" counter\n{"c_q_total"} -3\n', "counter c_q: c_q_total is -3"),
    ('# TYPE c_q counter\n{"c_q_total",a="1"} 1\n{"c_q_total",a="1"} 2\n',
     'malformed exposition: c_q_total{a="1"} exposed twice'),
])
def test_a_counter_series_named_with_total_is_judged_as_the_counter(text, observed):
    outcome = judged(text, {"c_q": "counter"})
    assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


@pytest.mark.parametrize("text, families, observed", [
    # a series named by its own `# TYPE` or `# HELP` line is that family's, not the counter's before it
    ("# TYPE jobs counter\n# TYPE jobs_total untyped\njobs_total 1\n", {"jobs": "counter"},
     "jobs is declared but has no sample"),
    ("# TYPE jobs counter\n# HELP jobs_total Done.\njobs_total 1\n", {"jobs": "counter"},
     "jobs is declared but has no sample"),
    # only a counter owns an `_total` series
    ("# TYPE jobs gauge\njobs_total 1\n", {"jobs": "gauge"}, "jobs is declared but has no sample"),
])
def test_only_the_counter_right_before_a_total_series_takes_it(text, families, observed):
    """The regrouping is narrow: plain names keep their meaning (see the `queue_depth` tests above)."""
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


# -- CRLF: Prometheus reads a carriage return as part of a value or a type, and refuses the scrape ------------
CR_REFUSED = (": the line ends in a carriage return (CRLF line endings), which Prometheus refuses: end each line "
              "with \\n alone")


@pytest.mark.parametrize("text, line", [
    ("# HELP g Depth.\r\n# TYPE g gauge\r\ng 1\r\n", "# TYPE g gauge\r"),  # a HELP text may hold one
    ('# HELP g Sensor temperature.\n# TYPE g gauge\ng{sensor="0"} 25.88\r\ng{sensor="1"} 21.00\r\n',
     'g{sensor="0"} 25.88\r'),  # the type lines in LF: the first sample line is named
    ("# TYPE g gauge\ng 1\n\r\n", "\r"),
])
def test_a_line_ending_in_a_carriage_return_is_malformed(text, line):
    """Both parsers drop a line's final carriage return; Prometheus reads it as part of the value or the type."""
    families = {"g": "gauge"}
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed == f"malformed exposition: {line!r}{CR_REFUSED}", \
        outcome.observed
    om = om_judged(text + "# EOF\n", families)
    assert om.status is Status.FAILED and om.observed == f"malformed exposition: {line!r}{CR_REFUSED}", om.observed


def test_a_carriage_return_in_a_help_text_or_a_comment_is_read():
    """Prometheus reads a # HELP text and a comment up to the line feed: a carriage return there is text."""
    outcome = judged("# HELP g Depth.\r\n# TYPE g gauge\ng 1\n# a comment\r\n", {"g": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed


# -- a declaration the parser refuses (it raises without a word): say which line and what it should be ----------
@pytest.mark.parametrize("line, kind", [
    ("# TYPE g\u00a0gauge", "TYPE"),  # a no-break space is no separator to either parser
    ("# TYPE g", "TYPE"),
    ("# HELP g\u00a0Depth.", "HELP"),
    ("# TYPE 1g gauge", "TYPE"),
])
def test_a_declaration_the_parser_cannot_read_is_named(line, kind):
    outcome = judged(f"{line}\n# TYPE h gauge\nh 1\n", {"h": "gauge"})
    form = {"TYPE": "# TYPE name type", "HELP": "# HELP name text"}[kind]
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"malformed exposition: {line!r}: a # {kind} line prometheus_client cannot read: "
                                f"Prometheus expects `{form}`, the name plain or quoted, its parts apart by blanks "
                                "or tabs"), outcome.observed


@pytest.mark.parametrize("line", ["# HELP g\x0bDepth.", '# HELP "g\\"h" Depth.', "# HELP g", "# the TYPE of g"])
def test_help_lines_and_comments_both_read_alike_pass(line):
    """A help's name as both read it: up to a blank, a tab or the parser's other whitespace, or quoted (escapes
    read by the parser); a comment that names TYPE in passing is a comment."""
    outcome = judged(f"{line}\n# TYPE g gauge\ng{{a=\"TYPE\"}} 1\n", {"g": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("line, why", [
    ("queue_depth 3 NaN", "the timestamp NaN is not an integer of milliseconds"),
    ("queue_depth 3 1.5", "the timestamp 1.5 is not an integer of milliseconds"),
    ("queue_depth 3 -5", "the timestamp -5 is not an integer of milliseconds"),
    ("queue_depth 3 9223372036854775808", "the timestamp 9223372036854775808 is not an integer of milliseconds"),
    ("queue_depth 3 oops 17", "oops 17 after the value: only a timestamp may follow it"),
    ("queue_depth 3 1700000000000 17", "1700000000000 17 after the value: only a timestamp may follow it"),
    ('queue_depth{queue="a} b"} 3 # {trace_id="x"} 1', '# {trace_id="x"} 1 after the value: only a timestamp may'),
])
def test_a_sample_with_more_than_a_timestamp_after_its_value_is_malformed(line, why):
    """The parser reads the first token after a value as it and the last as a timestamp, and ignores the rest;
    Prometheus refuses the whole scrape."""
    outcome = judged(f"# TYPE queue_depth gauge\n{line}\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: {line}: {why}"), outcome.observed


@pytest.mark.parametrize("labels, name", [('{k8s:ns="x"}', "k8s:ns"), ('{a="1", app:tier="web"}', "app:tier")])
def test_a_label_name_prometheus_cannot_read_unquoted_is_malformed(labels, name):
    """The client library's parser reads `k8s:ns` as a label name (a metric name may hold `:`); Prometheus's lexers
    read none in a label name, and refuse the whole scrape."""
    om_labels = labels.replace(", ", ",")  # OpenMetrics refuses a blank there first (judged on its own)
    for outcome in (judged(f"# TYPE q gauge\nq{labels} 3\n", {"q": "gauge"}),
                    om_judged(f"# TYPE q gauge\nq{om_labels} 3\n# EOF\n", {"q": "gauge"})):
        assert outcome.status is Status.FAILED, outcome.observed
        assert f"{name} is no label name Prometheus reads unquoted" in outcome.observed, outcome.observed


def test_a_timestamp_too_long_for_int64_is_named_not_converted():
    """Python refuses to convert an integer of 5000 digits: the length alone says it is no int64."""
    outcome = judged("# TYPE queue_depth gauge\nqueue_depth 3 " + "9" * 5000 + "\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED and "is not an integer of milliseconds" in outcome.observed, outcome.observed


@pytest.mark.parametrize("line", ["queue_depth 3 1700000000000", 'queue_depth{queue="a} 1 2"} 3\t1700000000000',
                                  "queue_depth 3",
                                  # blanks before and inside the labels, which Prometheus's lexer skips
                                  'queue_depth {queue="a"} 1.5', 'queue_depth {queue="a"} 3 1700000000000',
                                  'queue_depth { queue = "a" } 3', 'queue_depth\t{queue="a"}\t3',
                                  'queue_depth{"k8s:ns"="a"} 3'])  # a name quoted may hold anything
def test_a_sample_with_an_integer_timestamp_or_none_passes(line):
    outcome = judged(f"# TYPE queue_depth gauge\n{line}\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_untyped_series_of_one_name_are_no_duplicate():
    """Without `# TYPE` the parser makes each sample its own family: that is no family declared twice."""
    families, problem = metrics.parse('jobs{queue="a"} 1\njobs{queue="b"} 2\n')
    assert problem == "" and families["jobs"]["type"] == "unknown"


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
    # a series or nothing names no family: it would only ever be "missing"
    ({"service": "worker-metrics", "families": {'q{job="x"}': "gauge"}}, "is no metric family name"),
    ({"service": "worker-metrics", "families": {"": "gauge"}}, "is no metric family name"),
    ({"service": "worker-metrics", "families": {" ": "gauge"}}, "is no metric family name"),
])
def test_params_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        metrics.Params(**params)


@pytest.mark.parametrize("text, families, seen", [
    # one series twice, its labels in another order: Prometheus keeps one sample, which value counts is luck
    ('# TYPE jobs_processed_total counter\njobs_processed_total{a="1",b="2"} 5\n'
     'jobs_processed_total{b="2",a="1"} 7\n', {"jobs_processed": "counter"},
     'jobs_processed_total{a="1",b="2"} exposed twice'),
    # a second _count hides that the +Inf bucket differs from the first (the parser would keep the last)
    (HISTOGRAM.format(low=1, top=2, count=9, sum=1) + "d_count 2\n", {"d": "histogram"}, "d_count exposed twice"),
    ("# TYPE q gauge\nq 1\nq 2\n", {"q": "gauge"}, "q exposed twice"),
    ('# TYPE x gauge\nx{a=""} 1\nx 2\n', {"x": "gauge"}, "x exposed twice"),  # an empty label value is no label
])
def test_a_series_exposed_twice_fails(text, families, seen):
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed == f"malformed exposition: {seen}", outcome.observed


@pytest.mark.parametrize("text, families", [
    ('# TYPE d histogram\nd_bucket{a="",le="1"} 1\nd_bucket{a="",le="+Inf"} 2\nd_count 2\nd_sum 1\n',
     {"d": "histogram"}),
    ('# TYPE s summary\ns_count 2\ns_sum{a=""} 1\n', {"s": "summary"}),
])
def test_a_label_with_an_empty_value_is_no_label_when_parts_are_matched(text, families):
    """Prometheus stores `d_bucket{a=""}` as `d_bucket`: with `d_count` and `d_sum` it is one whole histogram."""
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed


def test_one_series_per_label_set_is_no_duplicate():
    outcome = judged('# TYPE jobs_total counter\njobs_total{a="1",b="2"} 5\njobs_total{a="1",b="3"} 7\n', {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


PER_LABEL_SET = ('# TYPE h histogram\nh_bucket{job="a",le="+Inf"} 3\nh_count{job="a"} 3\nh_sum{job="a"} 1\n'
                 'h_bucket{job="b",le="+Inf"} 3\n')


@pytest.mark.parametrize("text, families, observed", [
    (PER_LABEL_SET, {"h": "histogram"}, 'histogram h: {job="b"} lacks h_count, h_sum'),
    ('# TYPE h histogram\nh_bucket{job="a",le="+Inf"} 3\nh_count{job="a"} 3\nh_sum{job="a"} 1\n'
     'h_count{job="b"} 3\nh_sum{job="b"} 1\n', {"h": "histogram"}, 'histogram h: {job="b"} lacks h_bucket'),
    ('# TYPE s summary\ns_count{job="a"} 3\ns_sum{job="a"} 1\ns{job="b",quantile="0.5"} 1\ns_count{job="b"} 1\n',
     {"s": "summary"}, 'summary s: {job="b"} lacks s_sum'),
    # a label named `quantile` on a histogram is a label like any: its series lacks its bucket and count
    ('# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_count 3\nh_sum 1\nh_sum{quantile="b"} 1\n',
     {"h": "histogram"}, 'histogram h: {quantile="b"} lacks h_bucket, h_count'),
])
def test_a_histogram_is_judged_per_label_set(text, families, observed):
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


# -- OpenMetrics: parsed as the reply's content type says, judged by the same rules --------
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OM_HEALTHY = ('# TYPE jobs_processed counter\njobs_processed_total 5.0 # {trace_id="4bf92f"} 1.0 1.7e9\n'
              'jobs_processed_created 1.7e9\n# TYPE d histogram\nd_bucket{le="0.5"} 1 # {trace_id="a1"} 0.2\n'
              'd_bucket{le="+Inf"} 3\nd_count 3\nd_sum 2.5\nd_created 1.7e9\n# TYPE q gauge\nq 2\n# EOF\n')


def om_judged(text: str, families: dict[str, str]):
    c = check(families)
    return metrics.judge(c, facts(c, Reply(200, 5, headers={"content-type": OPENMETRICS}, text=text)))


def test_a_healthy_openmetrics_endpoint_passes():
    outcome = om_judged(OM_HEALTHY, {"jobs_processed": "counter", "d": "histogram", "q": "gauge"})
    assert outcome.status is Status.PASSED and outcome.observed.startswith("all 3 present"), outcome.observed


@pytest.mark.parametrize("text, families, observed", [
    (OM_HEALTHY, {"jobs_processed": "counter", "retries": "counter"}, "retries missing"),
    (OM_HEALTHY, {"q": "counter"}, "q is typed gauge, not counter"),
    (OM_HEALTHY.removesuffix("# EOF\n"), {"q": "gauge"}, "malformed exposition: ValueError: Missing # EOF at end"),
    (OM_HEALTHY.replace("q 2\n", "q 2\nq 3\n"), {"q": "gauge"}, "malformed exposition: q exposed twice"),
    # the OpenMetrics parser keeps the first of two _count samples: a lie about +Inf must not hide behind it
    (OM_HEALTHY.replace("d_count 3\n", "d_count 3\nd_count 9\n"), {"d": "histogram"},
     "malformed exposition: d_count exposed twice"),
    (OM_HEALTHY.replace("d_created 1.7e9\n", 'd_bucket{job="b",le="+Inf"} 1\n'),
     {"d": "histogram"}, 'histogram d: {job="b"} lacks d_count, d_sum'),
])
def test_openmetrics_is_judged_by_the_same_rules(text, families, observed):
    outcome = om_judged(text, families)
    assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


@pytest.mark.parametrize("text, observed", [
    # a counter whose only sample is its creation time counts nothing
    ("# TYPE jobs_processed counter\njobs_processed_created 1.7e9\n# EOF\n",
     "counter jobs_processed lacks its jobs_processed_total series"),
    # judged per label set: one counted series says nothing of another that has only its creation time
    ('# TYPE jobs_processed counter\njobs_processed_total{a="1"} 1\njobs_processed_created{a="2"} 1\n# EOF\n',
     'counter jobs_processed: {a="2"} lacks jobs_processed_total'),
])
def test_a_counter_without_its_total_fails(text, observed):
    outcome = om_judged(text, {"jobs_processed": "counter"})
    assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


# -- a value's sign: judged by the family's rules in either format -------------------------------------------------
# prometheus_client's OpenMetrics parser applies the spec's sign rules (a `_sum` or a quantile never negative, a
# histogram with a negative bucket without `_sum`), which Prometheus's OpenMetrics parser never does: it ingests them
def python_client(*observed: float, buckets: tuple | None = None, summary: bool = False):
    """A registry of prometheus_client's own: a histogram `lag_seconds` (or a summary) that observed `observed`."""
    from prometheus_client import CollectorRegistry, Histogram, Summary
    registry = CollectorRegistry()
    if summary:
        metric = Summary("lag_seconds", "Lag behind the producer's clock", registry=registry)
    else:
        metric = Histogram("lag_seconds", "Lag behind the producer's clock", registry=registry,
                           **({"buckets": buckets} if buckets else {}))
    for value in observed:
        metric.observe(value)
    return registry


def both_formats(registry) -> dict[str, str]:
    from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest
    return {"text": generate_latest(registry).decode(), "openmetrics": openmetrics_latest(registry).decode()}


def judged_as(form: str, text: str, families: dict[str, str]):
    return om_judged(text, families) if form == "openmetrics" else judged(text, families)


# client_golang (promhttp with EnableOpenMetrics), as its expfmt writes them: examples/random's rpc_durations_seconds,
# whose "normal" service observes a normal distribution around 0 (a negative quantile, a negative sum); a histogram
# with a negative bucket, which it writes with its `_sum`
GO_SUMMARY = ('# HELP rpc_durations_seconds RPC latency distributions.\n# TYPE rpc_durations_seconds summary\n'
              'rpc_durations_seconds{service="normal",quantile="0.5"} -3.2e-05\n'
              'rpc_durations_seconds{service="normal",quantile="0.9"} 0.000112\n'
              'rpc_durations_seconds{service="normal",quantile="0.99"} 0.000231\n'
              'rpc_durations_seconds_sum{service="normal"} -0.0015\n'
              'rpc_durations_seconds_count{service="normal"} 1720\n'
              '# EOF\n')
GO_NEGATIVE_BUCKETS = ('# HELP clock_offset_seconds Offset of the local clock.\n# TYPE clock_offset_seconds histogram\n'
                       'clock_offset_seconds_bucket{le="-0.1"} 1\nclock_offset_seconds_bucket{le="0.0"} 2\n'
                       'clock_offset_seconds_bucket{le="0.1"} 3\nclock_offset_seconds_bucket{le="+Inf"} 3\n'
                       'clock_offset_seconds_sum -0.12\nclock_offset_seconds_count 3\n# EOF\n')


@pytest.mark.parametrize("form", ["text", "openmetrics"])
@pytest.mark.parametrize("registry, kind", [
    (lambda: python_client(0.2, -0.5), "histogram"),  # a negative sum, default buckets
    (lambda: python_client(0.2, -0.5, summary=True), "summary"),
    # a negative bucket: the client writes no _sum (OpenMetrics forbids it there: its sum is no counter)
    (lambda: python_client(-0.5, 0.3, buckets=(-1, 0, 1)), "histogram"),
], ids=["negative-sum", "summary-negative-sum", "negative-bucket"])
def test_a_python_client_observing_negative_values_passes_in_either_format(registry, kind, form):
    outcome = judged_as(form, both_formats(registry())[form], {"lag_seconds": kind})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("text, families", [
    (GO_SUMMARY, {"rpc_durations_seconds": "summary"}),
    (GO_NEGATIVE_BUCKETS, {"clock_offset_seconds": "histogram"}),
])
def test_a_go_client_observing_negative_values_passes_as_openmetrics(text, families):
    assert om_judged(text, families).status is Status.PASSED, om_judged(text, families).observed
    # the same families as Prometheus text pass alike
    plain = text.replace("# EOF\n", "")
    assert judged(plain, families).status is Status.PASSED, judged(plain, families).observed


@pytest.mark.parametrize("text, families, observed", [
    # the family's own rules still hold: a counter, a count or a bucket below 0 counts nothing
    ("# TYPE jobs counter\njobs_total -1\n# EOF\n", {"jobs": "counter"}, "counter jobs: jobs_total is -1"),
    ('# TYPE d histogram\nd_bucket{le="+Inf"} -2\nd_count -2\nd_sum 1\n# EOF\n', {"d": "histogram"},
     'histogram d: d_bucket{le="+Inf"} is -2, d_count is -2'),
    ('# TYPE s summary\ns{quantile="0.5"} -1\ns_count -1\ns_sum -1\n# EOF\n', {"s": "summary"},
     "summary s: s_count is -1"),
    ("# TYPE d histogram\nd_bucket{le=\"+Inf\"} 3\nd_count 3\nd_sum -Inf\n# EOF\n", {"d": "histogram"},
     "histogram d: d_sum is -Inf"),
    # a histogram with no negative bucket has its _sum; one label set's negative bucket excuses no other's
    ('# TYPE d histogram\nd_bucket{le="1.0"} 1\nd_bucket{le="+Inf"} 3\nd_count 3\n# EOF\n', {"d": "histogram"},
     "histogram d lacks its d_sum series"),
    ('# TYPE d histogram\nd_bucket{job="a",le="-1.0"} 1\nd_bucket{job="a",le="+Inf"} 3\nd_count{job="a"} 3\n'
     'd_bucket{job="b",le="1.0"} 1\nd_bucket{job="b",le="+Inf"} 3\nd_count{job="b"} 3\n# EOF\n', {"d": "histogram"},
     'histogram d: {job="b"} lacks d_sum'),
])
def test_negative_values_the_family_refuses_fail_in_either_format(text, families, observed):
    for outcome in (om_judged(text, families), judged(text.replace("# EOF\n", ""), families)):
        assert outcome.status is Status.FAILED and outcome.observed == observed, outcome.observed


def test_a_negative_counter_not_asked_for_leaves_the_scrape_read():
    """Prometheus ingests it, in either format: only an item asking for that counter judges it."""
    text = "# TYPE jobs counter\njobs_total 4\n# TYPE drift counter\ndrift_total -3\n# EOF\n"
    assert om_judged(text, {"jobs": "counter"}).status is Status.PASSED, om_judged(text, {"jobs": "counter"}).observed
    assert judged(text.replace("# EOF\n", ""), {"jobs": "counter"}).status is Status.PASSED


@pytest.mark.parametrize("text", [
    # OpenMetrics: a family's name may not be another's sample name (`jobs_total` is the counter jobs' sample)
    "# TYPE jobs counter\njobs_total 1\n# TYPE jobs_total counter\njobs_total_total 2\n# EOF\n",
    "# TYPE jobs counter\njobs_total 1\n# TYPE jobs_total gauge\njobs_total 2\n# EOF\n",
    "# TYPE jobs counter\njobs_total 1\n# TYPE jobs counter\njobs_total 2\n# EOF\n",
])
def test_names_that_clash_in_openmetrics_fail(text):
    outcome = om_judged(text, {"jobs": "counter"})
    assert outcome.status is Status.FAILED and outcome.observed.startswith("malformed exposition: "), outcome.observed


@pytest.mark.parametrize("text, families", [
    ("# TYPE queue_depth gauge\nqueue_depth 3\n# TYPE queue counter\nqueue_total 40\n# EOF\n",
     {"queue_depth": "gauge", "queue": "counter"}),
    # the counter queue_depth_total's sample is queue_depth_total_total: no name of the gauge queue_depth
    ("# TYPE queue_depth gauge\nqueue_depth 3\n# TYPE queue_depth_total counter\nqueue_depth_total_total 40\n# EOF\n",
     {"queue_depth": "gauge", "queue_depth_total": "counter"}),
])
def test_families_whose_names_do_not_clash_pass_in_openmetrics(text, families):
    outcome = om_judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("timestamp, passes", [
    ("1700000000.5", True), ("1700000000", True), ("NaN", False), ("+Inf", False), ("oops 17", False),
    ("1700000000 17", False),
])
def test_openmetrics_timestamps_are_seconds_and_nothing_else_follows(timestamp, passes):
    """OpenMetrics writes a timestamp as a number of seconds; its parser refuses anything else after the value."""
    outcome = om_judged(f"# TYPE q gauge\nq 2 {timestamp}\n# EOF\n", {"q": "gauge"})
    assert (outcome.status is Status.PASSED) is passes, outcome.observed
    if not passes:
        assert outcome.observed.startswith("malformed exposition: ValueError: "), outcome.observed


def test_a_series_given_twice_in_openmetrics_fails_even_unnamed(monkeypatch):
    """Naming the series uses a private helper of the parser; the verdict does not depend on it."""
    monkeypatch.setattr(metrics, "_twice", lambda text, clock=None: "")
    outcome = om_judged(OM_HEALTHY.replace("q 2\n", "q 2\nq 3\n"), {"q": "gauge"})
    assert outcome.status is Status.FAILED
    assert outcome.observed == "malformed exposition: 1 of 9 samples exposed twice", outcome.observed


def test_the_scrape_is_parsed_by_its_content_type():
    """Through the transport: an OpenMetrics reply is read as OpenMetrics, a text/plain one as Prometheus text."""
    from .kit import make_target
    from .project import KeepAliveHttp, raw_reply

    replies = {("GET", "/om"): raw_reply(200, OM_HEALTHY.encode(), OPENMETRICS),
               ("GET", "/text"): raw_reply(200, GOOD.encode(), "text/plain; version=0.0.4; charset=utf-8")}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        om = dataclasses.replace(check({"jobs_processed": "counter", "d": "histogram"}), name="om",
                                 params=metrics.Params(service="worker-metrics", path="/om",
                                                       families={"jobs_processed": "counter", "d": "histogram"}))
        text = dataclasses.replace(check(), name="text", params=check().params.model_copy(update={"path": "/text"}))
        facts_ = metrics.gather(target, [om, text])
    assert metrics.judge(om, facts_).status is Status.PASSED, metrics.judge(om, facts_).observed
    assert metrics.judge(text, facts_).status is Status.PASSED, metrics.judge(text, facts_).observed


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


# -- one scrape per URL and TLS setting: a service's `verify_tls` holds whatever another service shares its URL ----
@contextmanager
def https_metrics(body: bytes):
    """An HTTPS endpoint on 127.0.0.1 serving `body` as Prometheus text, its certificate from a CA no trust store
    knows (a self-signed one, to the system store)."""
    leaf = trustme.CA().issue_cert("127.0.0.1", "localhost")

    class Exposition(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/plain; version=0.0.4")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    server = RealBacklogServer(("127.0.0.1", 0), Exposition)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("order", [("strict", "loose"), ("loose", "strict")])
def test_each_service_keeps_its_own_tls_setting_on_a_shared_url(order):
    """A strict service sharing its URL with a `verify_tls: false` one passed on an untrusted certificate: the
    scrape was made once per URL, with the setting of whichever item came last."""
    from .kit import make_check, make_target

    with https_metrics(GOOD.encode()) as url:
        target = make_target({"services": {"strict": {"url": url}, "loose": {"url": url, "verify_tls": False}}})
        checks = [make_check("metrics", {"service": service, "families": {"queue_depth": "gauge"}}, name=service)
                  for service in order]
        facts = metrics.gather(target, checks)
    outcomes = {c.params.service: metrics.judge(c, facts) for c in checks}
    assert outcomes["loose"].status is Status.PASSED, outcomes["loose"].observed
    assert outcomes["strict"].status is Status.ERROR, outcomes["strict"].observed
    assert "certificate" in outcomes["strict"].observed, outcomes["strict"].observed


# -- bytes as Prometheus reads them: UTF-8, whatever the charset says ----------------------------------------------
UTF8_REFUSED = "Prometheus reads an exposition as UTF-8, whatever its content type's charset says"


def scraped(body: bytes, content_type: str = "text/plain; version=0.0.4", families=None):
    """Judged through the transport, as a run reads a scrape: the body's bytes, not text decoded by its charset."""
    from .kit import make_check, make_target
    from .project import KeepAliveHttp, raw_reply

    with KeepAliveHttp({("GET", "/metrics"): raw_reply(200, body, content_type)}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": families or {"jobs": "counter"}})
        return metrics.judge(c, metrics.gather(target, [c]))


OK_TEXT = b"# HELP jobs_total jobs\n# TYPE jobs counter\njobs_total 5\n# TYPE depth gauge\ndepth 3\n"


@pytest.mark.parametrize("body, content_type, observed", [
    (OK_TEXT + b'depth2{path="caf\xe9"} 1\n', "text/plain; version=0.0.4",
     "malformed exposition: line 6 is not UTF-8 (0xe9: invalid continuation byte): 'depth2{path=\"caf\ufffd\"} 1': "),
    (b"# HELP jobs_total caf\xe9 jobs\n" + OK_TEXT[OK_TEXT.index(b"# TYPE"):], "text/plain; version=0.0.4",
     "malformed exposition: line 1 is not UTF-8 (0xe9: invalid continuation byte): "
     "'# HELP jobs_total caf\ufffd jobs': "),
    (OK_TEXT + b'depth2{path="caf\xe9"} 1\n', "text/plain; version=0.0.4; charset=iso-8859-1",
     "malformed exposition: line 6 is not UTF-8 (0xe9: invalid continuation byte): "),
    (b"\xef\xbb\xbf" + OK_TEXT, "text/plain; version=0.0.4",
     "malformed exposition: it starts with a UTF-8 byte-order mark, which Prometheus reads as part of its first "
     "line and refuses: send UTF-8 without the mark"),
    (OK_TEXT.decode().encode("utf-16"), "text/plain; charset=utf-16",
     "malformed exposition: it starts with a UTF-16 byte-order mark: it is UTF-16 text, where Prometheus reads "
     "UTF-8 alone"),
])
def test_an_exposition_that_is_not_utf8_is_malformed(body, content_type, observed):
    outcome = scraped(body, content_type)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(observed), outcome.observed
    assert "not UTF-8" not in observed or outcome.observed.endswith(UTF8_REFUSED), outcome.observed


@pytest.mark.parametrize("body, content_type", [
    (OK_TEXT, "text/plain; version=0.0.4; charset=iso-8859-1"),  # ASCII is the same bytes in either
    (OK_TEXT + '# HELP depth2 Zähler\ndepth2{path="café"} 1\n'.encode(), "text/plain; version=0.0.4"),
])
def test_utf8_passes_whatever_the_charset_says(body, content_type):
    outcome = scraped(body, content_type)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("line", [
    b"# Export\xe9 par l'agent\n",  # `#`, a blank, then no HELP or TYPE: a comment (promlex.l consumeComment)
    b"#Export\xe9 par l'agent\n",  # `#` and no blank: a comment whatever follows
    b" \t# indented \xe9\n",  # blanks and tabs before the `#` are skipped
    b"# HELPER \xe9\n",  # HELP not followed by a blank or a tab: a comment
    b"# HELP\n# TYPE\xe9\n",
    b'# HELP "jobs\xe9" jobs\n',  # a quoted name in # HELP: its bytes are checked nowhere
])
def test_a_line_prometheus_reads_as_a_comment_may_hold_any_byte(line):
    """Prometheus's text parser checks UTF-8 only in a help text and a label value: a comment's bytes are skipped
    unread, so an exporter's Latin-1 comment (`# Export\xe9 par l'agent`) is no malformed exposition."""
    outcome = scraped(line + OK_TEXT)
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("body, content_type, line", [
    (b"jobs\xe9_total 5\n" + OK_TEXT, "text/plain; version=0.0.4", 1),  # a name is ASCII: the byte starts its value
    (OK_TEXT + b'{"depth\xe9"} 1\n', "text/plain; version=0.0.4", 6),  # a quoted name: the scrape refuses it
    (b'# HELP "jobs\xe9" caf\xe9 jobs\n' + OK_TEXT, "text/plain; version=0.0.4", 1),  # its help text is read
    (b"# TYPE jobs count\xe9r\n" + OK_TEXT[OK_TEXT.index(b"jobs_total"):], "text/plain; version=0.0.4", 1),
    # OpenMetrics has no plain comment: a `#` line is HELP, TYPE, UNIT or EOF (openmetricslex.l)
    (b"# Export\xe9 par l'agent\n" + OM_HEALTHY.encode(), OPENMETRICS, 1),
])
def test_bytes_prometheus_reads_must_be_utf8(body, content_type, line):
    outcome = scraped(body, content_type)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: line {line} is not UTF-8 (0xe9: "), outcome.observed
    assert outcome.observed.endswith(UTF8_REFUSED), outcome.observed


# -- our own reading of a scrape is not the target's time -----------------------------------------------------------
def test_a_parse_past_its_share_of_the_bound_is_said_as_ours(monkeypatch):
    """The target answered whole; a parse that runs past PARSE_S is said as that, never as "no answer"."""
    monkeypatch.setattr(metrics, "PARSE_S", 0.0)  # no time at all: the first look at the clock is late
    outcome = scraped(OK_TEXT)
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look: reading the exposition took longer than 0 s "), \
        outcome.observed
    assert "no answer" not in outcome.observed


def test_parse_is_stopped_at_its_deadline():
    """The deadline is looked at as the exposition is read, line by line, not once at the end."""
    text = "# TYPE q gauge\n" + "".join(f'q{{a="{i}"}} 1\n' for i in range(20000))
    with pytest.raises(metrics.SlowParse):
        metrics.parse(text, within=0.0)
    assert metrics.parse(text)[1] == ""  # no deadline: read whole


# -- asked as Prometheus asks: OpenMetrics first, gzip alone ---------------------------------------------------
@contextmanager
def negotiating(answer):
    """An endpoint on 127.0.0.1 whose reply `answer(headers)` makes from the request's headers: (extra headers as
    (name, value) pairs, body); it records every request's headers."""
    seen: list[dict[str, str]] = []

    class Exposition(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked = {k.lower(): v for k, v in self.headers.items()}
            seen.append(asked)
            headers, body = answer(asked)
            self.send_response(200)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    from .kit import handler_server

    with handler_server(Exposition) as url:
        yield url, seen


def negotiated(answer, families=None):
    from .kit import make_check, make_target

    with negotiating(answer) as (url, seen):
        target = make_target({"services": {"m": {"url": url}}})
        c = make_check("metrics", {"service": "m", "families": families or {"depth": "gauge"}})
        return metrics.judge(c, metrics.gather(target, [c])), seen


TEXT = ("content-type", "text/plain; version=0.0.4; charset=utf-8")
OM = ("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8")


def test_the_scrape_asks_for_openmetrics_first_and_gzip_alone_as_prometheus_does():
    outcome, seen = negotiated(lambda asked: ([TEXT], b"# TYPE depth gauge\ndepth 3\n"))
    assert outcome.status is Status.PASSED, outcome.observed
    accept = seen[0]["accept"]
    assert accept.startswith("application/openmetrics-text;version=1.0.0") and "text/plain;version=0.0.4" in accept
    assert seen[0]["accept-encoding"] == "gzip"


def test_what_a_negotiating_target_answers_prometheus_is_what_is_judged():
    """A client library answers by the Accept header: the OpenMetrics it gives Prometheus is judged, not the text it
    gives a plain `accept: text/plain` (a broken OpenMetrics exposition passed behind a healthy text one)."""
    def answer(asked):
        if "openmetrics" in asked.get("accept", ""):
            return [OM], b"# TYPE depth gauge\ndepth 3\n"  # no `# EOF`: Prometheus refuses it
        return [TEXT], b"# TYPE depth gauge\ndepth 3\n"

    outcome, _ = negotiated(answer)
    assert outcome.status is Status.FAILED, outcome.observed
    assert "EOF" in outcome.observed, outcome.observed


@pytest.mark.parametrize("coding", ["deflate", "x-gzip", "br"])
def test_a_body_in_a_coding_prometheus_does_not_decode_fails(coding):
    """Prometheus asks for gzip and decodes a body only when its Content-Encoding is exactly gzip: any other it
    parses as it came, encoded, and refuses the scrape (opsverify's client would have decoded deflate)."""
    import gzip
    import zlib

    text = b"# TYPE depth gauge\ndepth 3\n"
    body = gzip.compress(text) if coding == "x-gzip" else zlib.compress(text)  # br: a body opsverify cannot read
    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", coding)], body))
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition:"), outcome.observed
    assert f"Content-Encoding {coding}: Prometheus decodes gzip alone" in outcome.observed, outcome.observed


@pytest.mark.parametrize("coding", ["deflate", "GZIP", "UTF-8", "br"])
def test_a_plain_body_under_a_coding_prometheus_does_not_decode_passes(coding):
    """The same rule the other way: a plain exposition sent with a Content-Encoding other than gzip (`UTF-8` is a
    common slip) is read as it came, and Prometheus scrapes it — the header alone failed it."""
    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", coding)], b"# TYPE depth gauge\ndepth 3\n"))
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_gzip_body_passes():
    import gzip

    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", "gzip")],
                                            gzip.compress(b"# TYPE depth gauge\ndepth 3\n")))
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("first", ["identity", ""])
def test_a_content_encoding_sent_twice_is_read_by_its_first_as_prometheus_reads_it(first):
    """Go's Header.Get reads the first Content-Encoding: not gzip, so Prometheus parses the gzip bytes as they came and
    refuses the scrape. The HTTP client joins both (`identity, gzip`) and would inflate the body: the bytes read are
    Prometheus's, not the client's."""
    import gzip

    body = gzip.compress(b"# TYPE depth gauge\ndepth 3\n")
    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", first), ("content-encoding", "gzip")], body))
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: line 1 is not UTF-8"), outcome.observed
    assert f"Content-Encoding sent more than once: Prometheus reads the first, {first!r}" in outcome.observed


def test_a_gzip_body_whose_content_encoding_comes_twice_is_inflated_once_as_prometheus_does():
    """`gzip` first, and again: Prometheus inflates the body once, as its first Content-Encoding says."""
    import gzip

    body = gzip.compress(b"# TYPE depth gauge\ndepth 3\n")
    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", "gzip"), ("content-encoding", "gzip")], body))
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_content_type_sent_twice_is_read_by_its_first_as_prometheus_reads_it():
    """Go's Header.Get takes the first value; the HTTP client joins both with ", ", which no media type parses."""
    outcome, _ = negotiated(lambda asked: ([TEXT, TEXT], b"# TYPE depth gauge\ndepth 3\n"))
    assert outcome.status is Status.PASSED, outcome.observed
    outcome, _ = negotiated(lambda asked: ([("content-type", "application/json"), TEXT],
                                           b"# TYPE depth gauge\ndepth 3\n"))
    assert outcome.status is Status.FAILED and "Content-Type application/json" in outcome.observed, outcome.observed


def cut_short(headers, whole: bytes, sent: bytes):
    """A 200 whose head promises `whole` (its Content-Length) and whose connection closes after `sent`: a body
    that never came whole."""
    from .kit import handler_server, make_check, make_target

    class Short(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(whole)))
            self.end_headers()
            self.wfile.write(sent)  # then the handler returns: HTTP/1.0, the connection closes

        def log_message(self, *args) -> None:
            pass

    with handler_server(Short) as url:
        target = make_target({"services": {"m": {"url": url}}})
        c = make_check("metrics", {"service": "m", "families": {"depth": "gauge"}})
        return metrics.judge(c, metrics.gather(target, [c]))


def test_a_body_cut_short_after_a_200_head_is_not_judged():
    """The head is kept (its status and codings are judged), but a body that never came whole is no exposition:
    could not look, never a pass or a 'missing' family."""
    import gzip

    whole = gzip.compress(b"# TYPE depth gauge\ndepth 3\n")
    outcome = cut_short([TEXT, ("content-encoding", "gzip")], whole, whole[:12])
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look: m answered 200, but"), outcome.observed


def test_a_body_cut_short_is_judged_by_its_first_content_encoding_too():
    """The head kept for a body that never came whole keeps the first of a header sent twice, as a whole reply does:
    `gzip`, then another, is gzip to Prometheus — not a coding it would refuse."""
    import gzip

    whole = gzip.compress(b"# TYPE depth gauge\ndepth 3\n")
    outcome = cut_short([TEXT, ("content-encoding", "gzip"), ("content-encoding", "br")], whole, whole[:12])
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look: m answered 200, but"), outcome.observed


def _gzip_then(tail: bytes) -> bytes:
    import gzip

    return gzip.compress(b"# TYPE depth gauge\ndepth 3\n", mtime=0) + tail  # (one test id for every worker)


@pytest.mark.parametrize("body, why", [
    (b"# TYPE depth gauge\ndepth 3\n", "incorrect header check"),  # a header set, the body left plain
    (b"\x1f\x8b\x08\x00garbage", "gzip: "),  # the magic, then no gzip stream
    (_gzip_then(b"trailing garbage"), "incorrect header check"),  # bytes after the stream Go reads as a member
    (_gzip_then(b"\x1f\x8b"), "cut short"),  # the start of a member that never comes
    (_gzip_then(bytes(8)), "incorrect header check"),  # NUL padding, which other gzip readers ignore: Go's does not
], ids=["plain", "magic-then-garbage", "trailing-garbage", "a-second-member-cut-short", "zero-padding"])
def test_a_whole_body_that_is_not_the_gzip_its_header_says_fails(body, why):
    """The body came whole, and Go's gzip reader cannot read it (invalid header, or a member it reads after the
    first: multistream): Prometheus fails this scrape every time (up == 0). opsverify looked: failed, not could not
    look, naming the coding."""
    outcome, _ = negotiated(lambda asked: ([TEXT, ("content-encoding", "gzip")], body))
    assert outcome.status is Status.FAILED, outcome.observed
    assert "Content-Encoding gzip" in outcome.observed and why in outcome.observed, outcome.observed
    assert "Prometheus" in outcome.observed, outcome.observed


def test_the_openmetrics_parser_is_relaxed_in_a_copy_of_its_own():
    """The rules opsverify leaves to the family are left in its own copy: prometheus_client's, shared with whatever
    else imports it, refuses what it refused."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    families, malformed = metrics.parse(GO_SUMMARY, openmetrics=True)
    assert not malformed and families["rpc_durations_seconds"]["type"] == "summary", malformed
    with pytest.raises(ValueError, match="Quantile values cannot be negative"):
        list(text_string_to_metric_families(GO_SUMMARY))
