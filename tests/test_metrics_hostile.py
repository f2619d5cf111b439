"""metrics: what a hostile endpoint showed passing where Prometheus refuses the scrape or drops its samples — values
Go's ParseFloat refuses, a reply whose Content-Type Prometheus 3 does not read, timestamps out of the TSDB's bounds."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from opsverify.families import metrics
from opsverify.outcome import Status
from opsverify.transports.http import Reply

from .kit import make_check, make_target
from .project import KeepAliveHttp

TEXT = {"content-type": "text/plain; version=0.0.4; charset=utf-8"}
OPENMETRICS = {"content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8"}
AT = 1_750_000_000.0  # the scrape's time (2025-06-15T15:06:40Z), given explicitly: no test reads the clock
AT_MS = int(AT * 1000)


def judged(body: str, families: dict[str, str], *, headers=None, at: float | None = AT, **params):
    """judge() on a 200 with `body` as gather() would read it, `at` the time the reply came."""
    c = make_check("metrics", {"service": "worker-metrics", "families": families, **params})
    reply = Reply(200, 5, headers=TEXT if headers is None else headers, text=body)
    honored = at if c.params.honor_timestamps else None  # as gather() judges it
    read, problem = metrics.read(reply, fallback=c.params.fallback_protocol, at=honored,
                                 lookback_s=c.params.lookback_s)
    return metrics.judge(c, {c.key: {"url": "http://worker:9090/metrics", "reply": reply, "families": read,
                                     "parse_error": problem}})


def om(body: str, families: dict[str, str], **params):
    return judged(body + "# EOF\n", families, headers=OPENMETRICS, **params)


# -- 1. a value as Go's strconv.ParseFloat reads it ------------------------------------------------------------------
BIG = "1" + "0" * 400


@pytest.mark.parametrize("line, value, why", [
    ("g 1e400", "1e400", "beyond float64's range"),
    ("g -1e400", "-1e400", "beyond float64's range"),
    (f"g {BIG}", BIG, "beyond float64's range"),
    ("g 1.8e308", "1.8e308", "beyond float64's range"),
    ("g -nan", "-nan", "a NaN with a sign"),
    ("g +NaN", "+NaN", "a NaN with a sign"),
])
def test_a_value_go_refuses_is_malformed_in_either_format(line, value, why):
    """Python reads 1e400 as +Inf, an integer of 400 digits as itself, -nan as NaN; Go's ParseFloat refuses them
    (ErrRange, ErrSyntax), and Prometheus with them the whole scrape."""
    text = f"# TYPE g gauge\n{line}\n"
    for outcome in (judged(text, {"g": "gauge"}), om(text, {"g": "gauge"})):
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed.startswith(f"malformed exposition: {line[:60]}"), outcome.observed
        assert f"the value {value[:30]}" in outcome.observed and why in outcome.observed, outcome.observed


@pytest.mark.parametrize("text, families", [
    ('# TYPE s summary\ns{quantile="0.5"} 1e400\ns_sum 1\ns_count 1\n', {"s": "summary"}),
    ("# TYPE jobs_total counter\njobs_total " + "9" * 400 + "\n", {"jobs": "counter"}),
    ('# TYPE d histogram\nd_bucket{le="+Inf"} 1\nd_count 1\nd_sum -1e400\n', {"d": "histogram"}),
    ("# TYPE g gauge\ng 1\n# TYPE other gauge\nother 1e999\n", {"g": "gauge"}),  # any line: the scrape is refused
])
def test_out_of_range_is_malformed_in_any_family(text, families):
    outcome = judged(text, families)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: ") and "beyond float64's range" in outcome.observed, \
        outcome.observed


def test_an_exemplar_value_go_refuses_is_malformed():
    outcome = om('# TYPE c counter\nc_total 1 # {trace_id="a"} 1e400\n', {"c": "counter"})
    assert outcome.status is Status.FAILED and "the exemplar's value 1e400" in outcome.observed, outcome.observed


@pytest.mark.parametrize("value", ["+Inf", "-Inf", "Inf", "inf", "-infinity", "INFINITY", "NaN", "nan", "1e308",
                                   "1.7976931348623157e308", "1e-400", "+5", ".5", "5.", "1E+3", "0" * 400 + "1"])
def test_values_go_reads_pass(value):
    """ParseFloat reads inf, infinity (signed or not) and nan in any case, and rounds a value below the smallest
    float64 to 0: no error. (NaN in a summary's quantile: a gauge's would measure nothing.)"""
    if "nan" in value.lower():
        text, families = f'# TYPE s summary\ns{{quantile="0.5"}} {value}\ns_sum 1\ns_count 1\n', {"s": "summary"}
    else:
        text, families = f"# TYPE g gauge\ng {value}\n", {"g": "gauge"}
    assert judged(text, families).status is Status.PASSED
    assert om(text, families).status is Status.PASSED


@pytest.mark.parametrize("value", ["1_000", "0x1p3", "0x10", "1e", "infin"])
def test_values_prometheus_refuses_by_their_form_are_malformed(value):
    """Prometheus refuses `_`, `p` and `P` in a value (hex floats, Go 1.13's underscores): so does the parser."""
    outcome = judged(f"# TYPE g gauge\ng {value}\n", {"g": "gauge"})
    assert outcome.status is Status.FAILED and outcome.observed.startswith("malformed exposition: "), outcome.observed


# -- 2. the Content-Type, as Prometheus 3 reads it -------------------------------------------------------------------
GAUGE = "# TYPE g gauge\ng 1\n"


@pytest.mark.parametrize("headers, seen", [
    ({}, "no Content-Type"),
    ({"content-type": ""}, "no Content-Type"),
    ({"content-type": "text/html; charset=utf-8"}, "Content-Type text/html; charset=utf-8"),
    ({"content-type": "application/json"}, "Content-Type application/json"),
])
def test_a_content_type_prometheus_does_not_read_fails(headers, seen):
    outcome = judged(GAUGE, {"g": "gauge"}, headers=headers)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"{seen}: Prometheus 3 reads text/plain, application/openmetrics-text or "
                                       "protobuf and refuses the scrape"), outcome.observed
    assert "fallback_protocol" in outcome.observed


@pytest.mark.parametrize("headers", [{}, {"content-type": "text/html"}, {"content-type": "application/json"}])
def test_the_scrape_configs_fallback_protocol_reads_it(headers):
    """Prometheus reads a reply it has no media type for by the scrape config's fallback_scrape_protocol."""
    assert judged(GAUGE, {"g": "gauge"}, headers=headers, fallback_protocol="text").status is Status.PASSED
    # read as OpenMetrics, a text exposition lacks its # EOF
    outcome = judged(GAUGE, {"g": "gauge"}, headers=headers, fallback_protocol="openmetrics")
    assert outcome.status is Status.FAILED and "Missing # EOF" in outcome.observed, outcome.observed
    assert judged(GAUGE + "# EOF\n", {"g": "gauge"}, headers=headers,
                  fallback_protocol="openmetrics").status is Status.PASSED


@pytest.mark.parametrize("headers", [TEXT, {"content-type": "Text/Plain"}, {"content-type": " text/plain ;v=1"}])
def test_a_media_type_prometheus_reads_wins_over_the_fallback(headers):
    assert judged(GAUGE, {"g": "gauge"}, headers=headers, fallback_protocol="openmetrics").status is Status.PASSED


# Prometheus 3 reads the media type with Go's mime.ParseMediaType; a Content-Type whose parameters it cannot parse
# leaves no media type at all (extractMediaType): refused, or read by the scrape config's fallback_scrape_protocol
UNPARSABLE = [
    ("text/plain; charset", "invalid media parameter"),  # a name with no value
    ("text/plain; version=0.0.4; =x", "invalid media parameter"),  # a value with no name
    ("text/plain; charset=utf-8; charset=iso-8859-1", "duplicate parameter name"),
    ("text/plain; charset=UTF-8; charset=utf-8", "duplicate parameter name"),  # a value's case counts
    ("text/plain; ; version=0.0.4", "invalid media parameter"),  # an empty parameter, not at the end
    ("text/plain;;", "invalid media parameter"),  # one trailing ';' is forgiven, not two
    ("text/plain; version=0.0.4 charset=utf-8", "invalid media parameter"),  # no ';' between two
    ("text/plain; version=", "invalid media parameter"),
    ('text/plain; charset="utf-8', "invalid media parameter"),  # a quoted value never closed
    ("text/plain; charset=utf-8,gbk", "invalid media parameter"),  # ',' ends a token
    ("application/openmetrics-text; version=1.0.0; charset", "invalid media parameter"),
]


@pytest.mark.parametrize("content_type, why", UNPARSABLE)
def test_a_content_type_go_cannot_parse_fails(content_type, why):
    """The media type before the `;` is one Prometheus reads, but the parameters after it are malformed: Go's
    ParseMediaType fails, so Prometheus 3 refuses the scrape ("cannot parse Content-Type … and no
    fallback_scrape_protocol")."""
    outcome = judged(GAUGE, {"g": "gauge"}, headers={"content-type": content_type})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"Content-Type {content_type}: Prometheus 3 cannot parse it (Go's "
                                       f"mime.ParseMediaType: {why}) and refuses the scrape"), outcome.observed
    assert "fallback_protocol" in outcome.observed


@pytest.mark.parametrize("content_type, _", UNPARSABLE)
def test_a_content_type_go_cannot_parse_is_read_by_the_fallback(content_type, _):
    """With fallback_scrape_protocol, Prometheus reads such a reply that way — whatever its media type said."""
    assert judged(GAUGE, {"g": "gauge"}, headers={"content-type": content_type},
                  fallback_protocol="text").status is Status.PASSED
    outcome = judged(GAUGE, {"g": "gauge"}, headers={"content-type": content_type}, fallback_protocol="openmetrics")
    assert outcome.status is Status.FAILED and "Missing # EOF" in outcome.observed, outcome.observed


@pytest.mark.parametrize("content_type", [
    "text/plain; version=0.0.4; charset=utf-8", "Text/Plain", "text/plain;version=0.0.4",
    "text/plain; version=1.0.0; escaping=underscores", "text/plain;", "text/plain; version=0.0.4; ",
    "text/plain; version=0.0.4;", "text/plain ; version = 0.0.4", "text/plain; charset=utf-8; charset=utf-8",
    "TEXT/PLAIN; CHARSET=utf-8; charset=utf-8", 'text/plain; charset="utf-8"', 'text/plain; note=""',
    'text/plain; note="a \\"b\\"; c"', "text/plain; title*=utf-8''%e2%82%ac", "\ttext/plain\t; v=1",
])
def test_a_content_type_go_parses_is_read_by_its_media_type(content_type):
    outcome = judged(GAUGE, {"g": "gauge"}, headers={"content-type": content_type}, fallback_protocol="openmetrics")
    assert outcome.status is Status.PASSED, outcome.observed


def test_openmetrics_with_its_parameters_is_read_as_openmetrics():
    headers = {"content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8"}
    assert judged(GAUGE + "# EOF\n", {"g": "gauge"}, headers=headers, fallback_protocol="text").status is Status.PASSED
    outcome = judged(GAUGE, {"g": "gauge"}, headers=headers, fallback_protocol="text")
    assert outcome.status is Status.FAILED and "Missing # EOF" in outcome.observed, outcome.observed


@pytest.mark.parametrize("content_type, status", [("text/plain; charset", Status.FAILED),
                                                  ("text/plain; charset=utf-8;", Status.PASSED)])
def test_a_malformed_content_type_through_the_transport(content_type, status):
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(GAUGE.encode(), content_type)}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}})
        outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is status, outcome.observed


def test_a_protobuf_exposition_is_not_judged():
    outcome = judged("\x0a\x01g", {"g": "gauge"}, headers={"content-type": "application/vnd.google.protobuf"})
    assert outcome.status is Status.ERROR and "protobuf" in outcome.observed, outcome.observed


def test_an_unknown_fallback_protocol_is_refused():
    with pytest.raises(ValidationError):
        metrics.Params(service="s", families={"g": "gauge"}, fallback_protocol="PrometheusProto")


def _raw_200(body: bytes, content_type: str | None) -> bytes:
    head = f"content-type: {content_type}\r\n" if content_type is not None else ""
    return f"HTTP/1.1 200 OK\r\n{head}content-length: {len(body)}\r\n\r\n".encode() + body


@pytest.mark.parametrize("params, status", [({}, Status.FAILED), ({"fallback_protocol": "text"}, Status.PASSED)])
def test_a_reply_without_content_type_through_the_transport(params, status):
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(GAUGE.encode(), None)}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}, **params})
        outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is status, outcome.observed


def test_items_sharing_a_url_with_other_fallbacks_each_read_it_their_way():
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(GAUGE.encode(), None)}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        checks = [make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}, **extra},
                             name=name)
                  for name, extra in (("none", {}), ("text", {"fallback_protocol": "text"}),
                                      ("om", {"fallback_protocol": "openmetrics"}))]
        facts = metrics.gather(target, checks)
    statuses = [metrics.judge(c, facts).status for c in checks]
    assert statuses == [Status.FAILED, Status.PASSED, Status.FAILED], [metrics.judge(c, facts).observed for c in checks]


# -- 3. a sample's own timestamp, as Prometheus's TSDB takes it -----------------------------------------------------
@pytest.mark.parametrize("timestamp_ms, passes", [
    (AT_MS, True),
    (AT_MS - 4 * 60_000, True),  # four minutes old: in the head block, and within the query lookback
    (AT_MS + 5 * 60_000, True),  # 5 minutes ahead: within Prometheus's 10
    (AT_MS - 2 * 3600_000, False),  # two hours old: out of bounds
    (AT_MS + 20 * 60_000, False),  # too far into the future
    (99999999999999, False),  # year 5138
    (1000, False),  # 1970
    (0, False),
    (2**63 - 1, False),  # beyond what a date can be written as
])
def test_a_sample_timestamped_out_of_the_tsdbs_bounds_fails(timestamp_ms, passes):
    outcome = judged(f"# TYPE g gauge\ng 1 {timestamp_ms}\n", {"g": "gauge"})
    assert (outcome.status is Status.PASSED) is passes, outcome.observed
    if not passes:
        assert outcome.observed.startswith("gauge g: g is timestamped "), outcome.observed
        assert "Prometheus drops" in outcome.observed, outcome.observed


@pytest.mark.parametrize("timestamp, passes", [(f"{AT:.3f}", True), (f"{AT - 7200:.0f}", False), ("-1", False),
                                               ("1e3", False), (f"{AT + 3600}", False)])
def test_openmetrics_timestamps_are_judged_alike(timestamp, passes):
    outcome = om(f"# TYPE g gauge\ng 1 {timestamp}\n", {"g": "gauge"})
    assert (outcome.status is Status.PASSED) is passes, outcome.observed


@pytest.mark.parametrize("timestamp_ms", [AT_MS - 2 * 3600_000, AT_MS + 20 * 60_000, 1000])
def test_honor_timestamps_false_keeps_a_sample_whatever_its_timestamp(timestamp_ms):
    """A scrape config with `honor_timestamps: false` stamps every sample with the scrape's time: its own
    timestamp is ignored, and the TSDB keeps it."""
    text = f"# TYPE g gauge\ng 1 {timestamp_ms}\n"
    assert judged(text, {"g": "gauge"}).status is Status.FAILED
    assert judged(text, {"g": "gauge"}, honor_timestamps=True).status is Status.FAILED
    outcome = judged(text, {"g": "gauge"}, honor_timestamps=False)
    assert outcome.status is Status.PASSED, outcome.observed
    assert om(f"# TYPE g gauge\ng 1 {timestamp_ms / 1000}\n", {"g": "gauge"},
              honor_timestamps=False).status is Status.PASSED


def test_honor_timestamps_false_still_judges_the_timestamps_form():
    """Prometheus still parses the timestamp: one it cannot read fails the scrape, honored or not."""
    outcome = judged("# TYPE g gauge\ng 1 -1000\n", {"g": "gauge"}, honor_timestamps=False)
    assert outcome.status is Status.FAILED and "the timestamp -1000 is not an integer" in outcome.observed


def test_items_sharing_a_url_each_honor_timestamps_their_way():
    old = b"# TYPE g gauge\ng 1 1000\n"  # 1970
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(old, "text/plain")}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        checks = [make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}, **extra},
                             name=name)
                  for name, extra in (("honored", {}), ("stamped", {"honor_timestamps": False}))]
        facts = metrics.gather(target, checks)
    assert [metrics.judge(c, facts).status for c in checks] == [Status.FAILED, Status.PASSED]


def test_only_the_families_asked_for_are_judged_by_their_timestamps():
    """Prometheus drops the sample and keeps the scrape: another family's stale sample says nothing of this one."""
    outcome = judged("# TYPE g gauge\ng 1\n# TYPE old gauge\nold 1 1000\n", {"g": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_scrape_time_unknown_judges_no_timestamp():
    assert judged("# TYPE g gauge\ng 1 1000\n", {"g": "gauge"}, at=None).status is Status.PASSED


def test_gather_judges_timestamps_against_the_time_of_the_scrape():
    """Through the transport: a sample of 1970 is decades before any scrape this test can run at."""
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(b"# TYPE g gauge\ng 1 1000\n", "text/plain")}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}})
        outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is Status.FAILED and "1970-01-01" in outcome.observed, outcome.observed


def test_each_scrape_judges_timestamps_against_the_time_its_own_reply_came():
    """The time of judging was read once, after every scrape of the run had ended: a slow endpoint elsewhere moved
    it later, and a sample 10 min 8 s ahead of its own reply passed as 8 s ahead. A reply that came 10 minutes
    before the gather ended is judged against then (no test waits: the transport's times are given)."""
    came = time.time() - 600
    ahead = int((came + 608) * 1000)
    target = make_target({"services": {"worker-metrics": {"url": "http://127.0.0.1:9/"}}})
    target.fetch_all = lambda probes: [Reply(200, 5.0, {"content-type": "text/plain; version=0.0.4"},
                                             content=f"# TYPE g gauge\ng 1 {ahead}\n".encode(), received_at=came)
                                       for _ in probes]
    c = make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}})
    outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is Status.FAILED, outcome.observed
    assert "10 minutes after the scrape" in outcome.observed, outcome.observed


def test_a_sample_older_than_the_query_lookback_fails():
    """Kept by the TSDB (under an hour old), but an instant query — an alert rule, a dashboard's latest value —
    looks back 5 minutes (Prometheus's --query.lookback-delta), and a sample with its own timestamp is never marked
    stale: stuck half an hour ago, nothing sees it now."""
    for outcome in (judged(f"# TYPE g gauge\ng 1 {AT_MS - 30 * 60_000}\n", {"g": "gauge"}),
                    om(f"# TYPE g gauge\ng 1 {AT - 30 * 60}\n", {"g": "gauge"})):
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed.startswith("gauge g: g is timestamped 2025-06-15T14:36:40Z, 30 minutes before the "
                                           "scrape"), outcome.observed
        assert "looks back 5 minutes" in outcome.observed and "lookback_s" in outcome.observed, outcome.observed


@pytest.mark.parametrize("age_s, passes", [(299, True), (300, True), (301, False)])
def test_the_lookback_is_five_minutes_by_default(age_s, passes):
    outcome = judged(f"# TYPE g gauge\ng 1 {AT_MS - age_s * 1000}\n", {"g": "gauge"})
    assert (outcome.status is Status.PASSED) is passes, outcome.observed


@pytest.mark.parametrize("lookback_s, passes", [(1800, True), (600, False)])
def test_lookback_s_says_the_query_lookback_of_the_prometheus(lookback_s, passes):
    outcome = judged(f"# TYPE g gauge\ng 1 {AT_MS - 20 * 60_000}\n", {"g": "gauge"}, lookback_s=lookback_s)
    assert (outcome.status is Status.PASSED) is passes, outcome.observed
    if not passes:
        assert "looks back 10 minutes" in outcome.observed, outcome.observed


@pytest.mark.parametrize("params", [{"lookback_s": 0}, {"lookback_s": -5}, {"lookback_s": True},
                                    {"lookback_s": 10 * 86400},
                                    {"lookback_s": 600, "honor_timestamps": False}])
def test_a_lookback_that_means_nothing_is_refused(params):
    with pytest.raises(ValidationError):
        metrics.Params(service="s", families={"g": "gauge"}, **params)


def test_honor_timestamps_false_judges_no_staleness():
    outcome = judged(f"# TYPE g gauge\ng 1 {AT_MS - 30 * 60_000}\n", {"g": "gauge"}, honor_timestamps=False)
    assert outcome.status is Status.PASSED, outcome.observed


def test_items_sharing_a_url_each_judge_their_own_lookback():
    body = f"# TYPE g gauge\ng 1 {int((time.time() - 20 * 60) * 1000)}\n".encode()
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(body, "text/plain")}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        checks = [make_check("metrics", {"service": "worker-metrics", "families": {"g": "gauge"}, **extra},
                             name=name)
                  for name, extra in (("default", {}), ("long", {"lookback_s": 3000}))]
        facts = metrics.gather(target, checks)
    assert [metrics.judge(c, facts).status for c in checks] == [Status.FAILED, Status.PASSED]


def test_a_stale_sample_is_judged_by_the_targets_clock_too():
    """The scrape's time is this runner's clock; the sample's, the target's. Where the target's Date header says the
    sample is fresh by its own clock, the two clocks disagree by minutes and which one Prometheus's agrees with is
    not seen: could not look, both clocks named — not a failure this runner's clock alone would make."""
    stale = f"# TYPE g gauge\ng 1 {AT_MS - 30 * 60_000}\n"
    behind = {**TEXT, "date": "Sun, 15 Jun 2025 14:37:00 GMT"}  # the target's clock 29 min 40 s behind AT
    outcome = judged(stale, {"g": "gauge"}, headers=behind)
    assert outcome.status is Status.ERROR, outcome.observed
    assert "30 minutes before the scrape by this runner's clock" in outcome.observed, outcome.observed
    assert "20 s before the target's own Date (2025-06-15T14:37:00Z)" in outcome.observed, outcome.observed
    agreeing = {**TEXT, "date": "Sun, 15 Jun 2025 15:06:40 GMT"}
    assert judged(stale, {"g": "gauge"}, headers=agreeing).status is Status.FAILED
    other_fault = judged(stale + "# TYPE c counter\nc_total -1\n", {"g": "gauge", "c": "counter"}, headers=behind)
    assert other_fault.status is Status.FAILED and "could not be judged" in other_fault.observed, other_fault.observed


def test_gather_judges_staleness_through_the_transport():
    """The probe's case: an exporter whose only sample is stamped 30 minutes before the scrape."""
    body = f"# TYPE queue_depth gauge\nqueue_depth 3 {int((time.time() - 30 * 60) * 1000)}\n".encode()
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(body, "text/plain; version=0.0.4")}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": {"queue_depth": "gauge"}})
        outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is Status.FAILED and "no instant query sees it" in outcome.observed, outcome.observed


# -- 4. a negative timestamp: text refuses its sign, OpenMetrics reads it and the TSDB drops it --------------------
def test_a_negative_timestamp_fails_in_either_format():
    """Prometheus's text lexer reads a timestamp as digits alone (promlex.l: `{D}+`): `-1000` ends the line's
    tokens and the scrape is refused. OpenMetrics reads any number of seconds: -1 is before 1970, out of bounds."""
    text = judged("# TYPE g gauge\ng 1 -1000\n", {"g": "gauge"})
    assert text.status is Status.FAILED, text.observed
    assert text.observed.startswith("malformed exposition: g 1 -1000: the timestamp -1000 is not an integer of "
                                    "milliseconds written in digits alone"), text.observed
    openmetrics = om("# TYPE g gauge\ng 1 -1\n", {"g": "gauge"})
    assert openmetrics.status is Status.FAILED and "1969-12-31" in openmetrics.observed, openmetrics.observed


def test_a_label_value_is_shown_escaped_so_it_adds_no_line_nor_label():
    """A target's label value holding a line break would print as lines of its own (a forged run summary), and a
    quote as labels of its own: shown as the exposition writes them."""
    forged = 'ok\\n\\nenv lab, deploy local: 41 passed, 0 failed\\", le=\\"+Inf'
    outcome = judged(f'# TYPE g gauge\ng{{l="{forged}"}} 1\n# TYPE c counter\nc_total{{l="{forged}"}} NaN\n',
                     {"c": "counter"})
    assert outcome.status is Status.FAILED, outcome
    assert "\n" not in outcome.observed and "41 passed" in outcome.observed
    assert 'l="ok\\n\\nenv lab, deploy local: 41 passed, 0 failed\\", le=\\"+Inf"' in outcome.observed


# -- a bound written twice -------------------------------------------------------------------------------------------
def twin_buckets(first: str, second: str, *, top: bool = True) -> str:
    """A histogram of 2 observations with the buckets `first` and `second` (`top`: and a le="+Inf" one of its own)."""
    inf = 'd_bucket{le="+Inf"} 2\n' if top else ""
    return f'# TYPE d histogram\nd_bucket{{le="0.5"}} 0\n{first}\n{second}\n{inf}d_sum 1\nd_count 2\n'


@pytest.mark.parametrize("first, second, bound", [
    ('d_bucket{le="1"} 0', 'd_bucket{le="1.0"} 2', "1"),  # in order of their counts: it passed
    ('d_bucket{le="1.0"} 2', 'd_bucket{le="1"} 0', "1"),
    ('d_bucket{le="1"} 0', 'd_bucket{le="1e0"} 2', "1"),
    ('d_bucket{le="1"} 2', 'd_bucket{le="1.0"} 2', "1"),  # equal counts: Prometheus 2's histogram_quantile adds them
    ('d_bucket{le="Inf"} 2', 'd_bucket{le="+inf"} 2', "+Inf"),
])
def test_two_buckets_for_one_bound_fail_whatever_their_order_and_counts(first, second, bound):
    """Prometheus 3 reads `le` as a float and writes it back (`1` and `1.0` are le="1.0"): one series given twice,
    of which it keeps one sample; Prometheus 2 keeps both, and histogram_quantile adds their counts up."""
    outcome = judged(twin_buckets(first, second, top=bound != "+Inf"), {"d": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"two buckets for le={bound}: {first} and {second}" in outcome.observed, outcome.observed


@pytest.mark.parametrize("first, second", [('d_bucket{le="1"} 0', 'd_bucket{le="1.0"} 2'),
                                           ('d_bucket{le="1"} 2', 'd_bucket{le="1.0"} 2')])
def test_two_buckets_for_one_bound_fail_in_openmetrics_too(first, second):
    outcome = om(twin_buckets(first, second), {"d": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed


def test_one_bound_per_label_set_is_judged_per_label_set():
    """The same bound in two label sets is two histograms, each with its bucket."""
    text = ('# TYPE d histogram\nd_bucket{job="a",le="1"} 1\nd_bucket{job="b",le="1.0"} 1\n'
            'd_bucket{job="a",le="+Inf"} 1\nd_bucket{job="b",le="+Inf"} 1\nd_sum{job="a"} 1\nd_sum{job="b"} 1\n'
            'd_count{job="a"} 1\nd_count{job="b"} 1\n')
    outcome = judged(text, {"d": "histogram"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_two_quantiles_for_one_rank_fail():
    """Prometheus 3 writes a summary's `quantile` back as a float too: 0.5 and 0.50 are one series given twice."""
    text = '# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.50"} 2\ns_sum 3\ns_count 2\n'
    outcome = judged(text, {"s": "summary"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert 'two quantiles for quantile=0.5: s{quantile="0.5"} 1 and s{quantile="0.50"} 2' in outcome.observed



# -- a bound is read as Go's ParseFloat reads it: what Go cannot read is no twin of anything ---------------------------
@pytest.mark.parametrize("rank, odd", [("0.5", " 0.5"), ("0.5", "0.5 "), ("0.5", "\t0.5"), ("0.5", "٠.5"),
                                       ("+Inf", "1e999"), ("NaN", "-nan")])
def test_a_quantile_go_cannot_read_is_no_twin(rank, odd):
    """Prometheus keeps `quantile=" 0.5"` as it is written (ParseFloat refuses blanks, digits that are not ASCII, a
    number beyond float64, a signed NaN): a series of its own beside `quantile="0.5"`, as a word ("p50") is."""
    text = f'# TYPE s summary\ns{{quantile="{rank}"}} 1\ns{{quantile="{odd}"}} 2\ns_sum 3\ns_count 2\n'
    outcome = judged(text, {"s": "summary"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("odd, twin", [(" 1", "1"), ("1 ", "1"), ("١", "1"), ("1e999", "+Inf")])
def test_a_bucket_bound_go_cannot_read_is_named_so_not_as_a_twin(odd, twin):
    text = twin_buckets(f'd_bucket{{le="{twin}"}} 2', f'd_bucket{{le="{odd}"}} 2', top=twin != "+Inf")
    outcome = judged(text, {"d": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert f'd_bucket{{le="{odd}"}} has no numeric le' in outcome.observed, outcome.observed
    assert "two buckets" not in outcome.observed, outcome.observed


@pytest.mark.parametrize("first, second, bound", [
    ('d_bucket{le="10"} 1', 'd_bucket{le="1_0"} 1', "10"),  # Go reads underscores between digits, as Python does
    ('d_bucket{le="16"} 1', 'd_bucket{le="0x1p4"} 1', "16"),  # and hexadecimal with a binary exponent
])
def test_a_bound_go_reads_is_a_twin_however_written(first, second, bound):
    outcome = judged(twin_buckets(first, second), {"d": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"two buckets for le={bound}: {first} and {second}" in outcome.observed, outcome.observed


@pytest.mark.parametrize("first, second", [
    ('d_bucket{le="-0"} 0', 'd_bucket{le="0"} 1'),  # both are le="0.0" to Prometheus 3
    ('d_bucket{le="0.0"} 1', 'd_bucket{le="-0.0"} 0'),
    ('d_bucket{le="-0e5"} 0', 'd_bucket{le="+0"} 1'),
])
def test_minus_zero_and_zero_are_one_bound(first, second):
    text = (f'# TYPE d histogram\nd_bucket{{le="-1"}} 0\n{first}\n{second}\nd_bucket{{le="+Inf"}} 2\n'
            'd_sum 1\nd_count 2\n')
    outcome = judged(text, {"d": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert f"two buckets for le=0: {first} and {second}" in outcome.observed, outcome.observed


def test_minus_zero_and_zero_are_one_rank():
    text = '# TYPE s summary\ns{quantile="0"} 1\ns{quantile="-0"} 2\ns_sum 3\ns_count 2\n'
    outcome = judged(text, {"s": "summary"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert 'two quantiles for quantile=0: s{quantile="0"} 1 and s{quantile="-0"} 2' in outcome.observed


@pytest.mark.parametrize("bound, read", [
    ("1", 1.0), ("-1.5e3", -1500.0), (".5", 0.5), ("1.", 1.0), ("1.e1", 10.0), ("+Inf", float("inf")),
    ("-infinity", float("-inf")), ("1e-400", 0.0), ("1_23.50_0_0e+1_2", 1.235e14),
    ("0x1p-2", 0.25), ("-0X.8P1", -1.0), ("0x_1p0", 1.0), ("0x1_0p0", 16.0),
    (" 1", None), ("1 ", None), ("\n1", None), ("١", None), ("+NaN", None), ("1e400", None), ("0x1p99999", None),
    ("0x10", None), ("0x_.8p0", None), ("1__0", None), ("_1", None), ("1_", None), ("1_.5", None), ("1e_1", None),
    ("", None), ("p50", None), ("1e", None), (".", None), ("infin", None),
])
def test_bounds_are_read_as_go_parsefloat_reads_them(bound, read):
    assert metrics._go_float(bound) == read


# -- a label value the parser reads in time that grows with the square of its escapes --------------------------------
# A million `\"` in one line is 2.5 MB (under the size read) and took the parser minutes: the deadline, looked at
# between lines, never came, and every other scrape of the run was lost to the bound with it.
def test_a_line_longer_than_opsverify_parses_is_an_error_and_other_scrapes_are_judged():
    from .project import raw_reply

    quadratic = ('# TYPE jobs counter\njobs_total{a="' + '\\"' * 1_250_000 + '"} 1\n').encode()
    healthy = b"# TYPE jobs counter\njobs_total 5\n"
    with KeepAliveHttp({("GET", "/quad"): raw_reply(200, quadratic, "text/plain; version=0.0.4"),
                        ("GET", "/ok"): raw_reply(200, healthy, "text/plain; version=0.0.4")}) as server:
        target = make_target({"services": {"web": {"url": server.url}}})
        checks = [make_check("metrics", {"service": "web", "path": path, "families": {"jobs": "counter"}}, name=name)
                  for name, path in (("quad", "/quad"), ("ok", "/ok"))]
        started = time.monotonic()
        facts = metrics.gather(target, checks)
        took = time.monotonic() - started
        target.close()
    bad, good = (metrics.judge(c, facts) for c in checks)
    assert bad.status is Status.ERROR, bad
    assert "line 2 of the exposition is 2500018 characters long, longer than opsverify parses" in bad.observed
    assert good.status is Status.PASSED, good
    assert took < metrics.PARSE_S, took  # refused before parsing: not a wait for the deadline


def test_the_parse_deadline_is_looked_at_by_characters_too():
    """Few long lines: the clock is looked at every CLOCK_CHARACTERS characters, not only every CLOCK_EVERY lines."""
    clock = metrics.Clock(1000.0)
    lines = clock.each(["x" * metrics.CLOCK_CHARACTERS] * 3)
    next(lines)
    clock.ends = 0.0  # the deadline passed while the first line was read
    with pytest.raises(metrics.SlowParse):
        next(lines)


# -- a `# TYPE` line's type, as Prometheus's lexers read it -----------------------------------------------------------
# promlex.l: after `# TYPE` and its blanks, the name; then the rest of the line is one token, less its first
# character (a blank or a tab), compared with the type words exactly. OpenMetrics (openmetricslex.l): one space apart.
@pytest.mark.parametrize("line, read", [
    ("# TYPE jobs  counter", " counter"),
    ("# TYPE jobs counter ", "counter "),
    ("# TYPE jobs counter\t", "counter\t"),
    ("# TYPE jobs\t counter", " counter"),
    ('# TYPE "jobs"  counter', " counter"),
])
def test_a_type_with_another_blank_is_an_invalid_metric_type(line, read):
    """The parser strips the blanks; Prometheus refuses the scrape ("invalid metric type"), whichever family the line
    declares."""
    other = line.replace("jobs", "other")
    for text, named in ((f"{line}\njobs_total 5\n", line),
                        (f"{other}\nother_total 1\n# TYPE jobs counter\njobs_total 5\n", other)):
        outcome = judged(text, {"jobs": "counter"})
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed.startswith(f"malformed exposition: {named!r}: Prometheus reads the type {read!r}"), \
            outcome.observed


@pytest.mark.parametrize("line", ["# TYPE jobs\tcounter", "#\t TYPE \t jobs\tcounter", '# TYPE "jobs"\tcounter'])
def test_one_blank_or_tab_before_the_type_passes_in_text_format(line):
    outcome = judged(f"{line}\njobs_total 5\n", {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("line", ["# TYPE jobs  counter", "#  TYPE jobs counter", "# TYPE  jobs counter",
                                  "# TYPE jobs counter ", "# TYPE jobs\tcounter", "#\tTYPE jobs counter"])
def test_openmetrics_reads_a_type_line_of_single_spaces_alone(line):
    outcome = om(f"{line}\njobs_total 5\n", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: {line!r}: "), outcome.observed


@pytest.mark.parametrize("word, samples", [("unknown", "other 1\n"), ("info", 'build_info{version="1"} 1\n'),
                                           ("stateset", 'st{st="a"} 1\n'),
                                           ("gaugehistogram", 'gh_bucket{le="+Inf"} 1\ngh_gcount 1\ngh_gsum 1\n')])
def test_an_openmetrics_type_fails_in_text_format(word, samples):
    """Prometheus's text parser reads counter, gauge, histogram, summary and untyped; the parser any OpenMetrics type
    too. The OpenMetrics reply reads it."""
    name = samples.split("{")[0].split()[0].removesuffix("_info").removesuffix("_bucket")
    declared = f"# TYPE {name} {word}\n{samples}"
    outcome = judged(f"# TYPE jobs counter\njobs_total 5\n{declared}", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(
        f"malformed exposition: '# TYPE {name} {word}': {word} is an OpenMetrics type"), outcome.observed
    if word != "gaugehistogram":  # (the client library's OpenMetrics parser wants a gauge histogram's buckets whole)
        assert om(f"# TYPE jobs counter\njobs_total 5\n{declared}", {"jobs": "counter"}).status is Status.PASSED


def test_untyped_is_the_text_formats_own():
    assert judged("# TYPE jobs untyped\njobs 5\n", {"queue": "gauge"}).observed == "queue missing"
    outcome = om("# TYPE jobs untyped\njobs 5\n", {"queue": "gauge"})
    assert outcome.status is Status.FAILED and outcome.observed.startswith("malformed exposition"), outcome.observed


# -- a label set as Prometheus's text parser reads it (promparse.go, parseLVals) --------------------------------------
@pytest.mark.parametrize("labels", ['{,queue="eu"}', '{ ,queue="eu"}', "{,}", '{\t, queue="eu"}'])
def test_a_comma_before_the_first_label_is_malformed(labels):
    """After `{` Prometheus wants a label name, a quoted one or `}`: a comma first fails the scrape. The text parser
    of the client library skips it."""
    line = f"jobs_total{labels} 5"
    outcome = judged(f"# TYPE jobs counter\n{line}\n", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"malformed exposition: {line}: a comma before the first label: Prometheus expects a "
                                "label name after `{` and refuses the scrape"), outcome.observed


@pytest.mark.parametrize("labels", ['{queue="eu",}', '{queue="eu" , }', "{}"])
def test_a_comma_after_a_label_passes(labels):
    outcome = judged(f"# TYPE jobs counter\njobs_total{labels} 5\n", {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("name", ["worker.queue.depth", "my-app_requests_total", "1x", "é", '"my.metric"'])
def test_a_metric_name_prometheus_cannot_read_before_labels_is_malformed(name):
    """Prometheus's lexer reads a name `[a-zA-Z_:][a-zA-Z0-9_:]*` before `{` (a quoted one only inside it): `worker`
    then `.queue.depth` as the value, and it refuses the whole scrape — the other families' samples too. The text
    parser checks a name only where no label set follows it."""
    line = f'{name}{{queue="default"}} 3'
    outcome = judged(f"# TYPE jobs counter\njobs_total 5\n{line}\n", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"malformed exposition: {line}: {name} is no metric name Prometheus reads unquoted "
                                "([a-zA-Z_:][a-zA-Z0-9_:]*): it refuses the scrape — name it so, or quote it alone "
                                'in its label set (`{"name",…}`)'), outcome.observed
    if name.isascii():
        assert judged(f"# TYPE jobs counter\njobs_total 5\n{name} 3\n", {"jobs": "counter"}).status is Status.FAILED


@pytest.mark.parametrize("line", ['{"my.metric", queue="default"} 3', '{"é"} 3', 'some:rate5m{queue="a"} 3',
                                  '_x {queue="a"} 3', 'x\t{queue="a"} 3'])
def test_a_metric_name_prometheus_reads_before_or_in_labels_passes(line):
    outcome = judged(f"# TYPE jobs counter\njobs_total 5\n{line}\n", {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("labels", ['{queue="default" shard="1"}', '{ quantile = "2.0" a = "b" }', '{a="1"b="2"}',
                                    '{queue="default"\tshard="1",}', '{queue="a" "shard"="1"}',
                                    '{"queue_depth" , queue="a" shard="1"}',
                                    '{queue="a=\\" b" c="2"}'])
def test_labels_apart_by_blanks_without_a_comma_pass(labels):
    """Prometheus's text parser takes a comma after a label's value if there is one (promparse.go, parseLVals: its own
    TestPromParse reads `{ quantile = "2.0" a = "b" }`); the client library's parser wants commas."""
    name = "" if labels.startswith('{"queue_depth"') else "queue_depth"
    outcome = judged(f"# TYPE queue_depth gauge\n{name}{labels} 3\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "all 1 present with their types (1 exposed)", outcome.observed


def test_labels_apart_by_blanks_are_read_as_labels():
    families, problem = metrics.parse('# TYPE q gauge\nq{a="1" b="2"} 3\nq{a="1" b="3"} 4\nq{a="1"  b="2"} 5\n')
    assert problem == 'q{a="1",b="2"} exposed twice', problem


@pytest.mark.parametrize("labels, why", [
    ('{"x" queue="a"}', "Invalid labels"),  # a quoted name is one only before a comma or `}`
    ('{queue="a" shard=}', "the label shard has no value"),
    ('{queue="a" k8s:ns="b"}', "k8s:ns is no label name Prometheus reads unquoted"),
    ('{queue="a" 9="b"}', "Invalid labels"),
])
def test_labels_apart_by_blanks_prometheus_refuses_still_fail(labels, why):
    outcome = judged(f"# TYPE queue_depth gauge\nqueue_depth{labels} 3\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: ") and why in outcome.observed, outcome.observed


def test_labels_apart_by_blanks_still_fail_in_openmetrics():
    outcome = om('# TYPE queue_depth gauge\nqueue_depth{queue="default" shard="1"} 3\n', {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED and outcome.observed.startswith("malformed exposition: "), outcome.observed


# -- a NUL byte, as Prometheus's text lexer reads it (promlex.l, and promlexer.next) ---------------------------------
# In its first state the lexer reads a NUL as the end of the input: at a line's start, and through a comment whose `#`
# no blank follows (consumeComment), or right after `#` and its blanks. Samples after it are lost, though the scrape
# succeeds. Past `# ` (a comment, a help text) and in a label value its next() skips NUL bytes: they are read.
@pytest.mark.parametrize("line", ["#x\x00y", "#\x00", "# \x00y", "#\t\x00", "\x00junk", "  \x00"])
def test_a_nul_where_prometheus_ends_its_reading_is_malformed(line):
    text = f"# TYPE other gauge\nother 1\n{line}\n# TYPE jobs counter\njobs_total 5\n"
    outcome = judged(text, {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: line 3: {line!r}: a NUL byte Prometheus's text parser"
                                       " reads as the end of the exposition"), outcome.observed


@pytest.mark.parametrize("line", ["# exported by agent\x00", "# HELP jobs Jobs\x00 done", "#  x\x00"])
def test_a_nul_prometheus_reads_past_passes(line):
    outcome = judged(f"{line}\n# TYPE jobs counter\njobs_total 5\njobs_total{{a=\"x\x00\"}} 6\n", {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


# -- the last line's line feed: Prometheus adds one to a text exposition (promparse.go's NewPromParser) ---------------
@pytest.mark.parametrize("text", ["# TYPE jobs counter\njobs_total 5", f"# TYPE jobs counter\njobs_total 5 {AT_MS}",
                                  "# TYPE jobs counter\njobs_total 5\n# a comment"])
def test_a_text_exposition_without_its_last_line_feed_passes(text):
    """The text format's spec asks for it, and prometheus/common's expfmt parser (telegraf's) refuses its absence;
    Prometheus's scrape parses the body with a line feed appended, so a missing one loses nothing."""
    assert judged(text, {"jobs": "counter"}).status is Status.PASSED


def test_openmetrics_may_end_at_its_eof_without_a_line_feed_and_nothing_after_it():
    """openmetricslex.l reads `EOF` and one optional line feed; anything after it is "unexpected data after # EOF"."""
    text = "# TYPE jobs counter\njobs_total 5\n# EOF"
    assert judged(text, {"jobs": "counter"}, headers=OPENMETRICS).status is Status.PASSED
    assert judged(text + "\n\n", {"jobs": "counter"}, headers=OPENMETRICS).status is Status.FAILED


def test_an_empty_exposition_exposes_nothing():
    """Prometheus's text parser reads an empty body as a scrape of no sample; OpenMetrics wants its `# EOF`."""
    assert judged("", {"jobs": "counter"}).observed == "jobs missing"
    outcome = judged("", {"jobs": "counter"}, headers=OPENMETRICS)
    assert outcome.status is Status.FAILED and "Missing # EOF" in outcome.observed, outcome.observed


def test_a_nan_bucket_bound_fails_and_hides_no_other_fault():
    """`le="NaN"` sorted among the bounds left the buckets as written: a bucket at 1 above the one at 2 passed, and
    a +Inf bucket written before it was said missing."""
    text = ('# TYPE h histogram\nh_bucket{le="2"} 2\nh_bucket{le="NaN"} 3\nh_bucket{le="1"} 5\n'
            'h_bucket{le="+Inf"} 5\nh_count 5\nh_sum 1\n')
    outcome = judged(text, {"h": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert 'h_bucket{le="NaN"} has le NaN' in outcome.observed and 'h_bucket{le="2"} 2 < h_bucket{le="1"} 5' \
        in outcome.observed, outcome.observed


# -- whitespace Prometheus's lexers do not skip: only blanks and tabs (OpenMetrics: one space) part a sample's tokens --
@pytest.mark.parametrize("line, char", [
    ("g 3\f", "\\x0c"), ("g \f1", "\\x0c"), ('g{a="1"}\f1', "\\x0c"), ("\fg 1", "\\x0c"),
    (f"g 1 {AT_MS}\f", "\\x0c"), ("g 1\v", "\\x0b"), ("g 1\xa0", "\\xa0"), ("g 1\u2028", "\\u2028"),
    ("g 1\x1c", "\\x1c"), ("g 1\x85", "\\x85"), ('g{a="1",\fb="2"} 1', "\\x0c"), ("\f", "\\x0c"),
    ("\f# a comment", "\\x0c"), ("g 1\r 2", "\\r"),
])
def test_whitespace_other_than_blanks_and_tabs_in_a_sample_line_is_malformed(line, char):
    """Prometheus's text lexer (promlex.l) reads a value as `[^{ \\t\\n]+`: `3\\f` is no float; it has no rule for a
    form feed at a line's start, between labels or after a timestamp, and refuses the scrape. The parser strips any
    Unicode whitespace, and passed them. The line is named, its character escaped."""
    sampled = line.lstrip().startswith("g")
    outcome = judged(f"# TYPE g gauge\n{line}\n" if sampled else f"# TYPE g gauge\ng 1\n{line}\n", {"g": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: line "), outcome.observed
    assert char in outcome.observed and "Prometheus" in outcome.observed, outcome.observed
    assert "\f" not in outcome.observed and "\u2028" not in outcome.observed, outcome.observed


@pytest.mark.parametrize("line", ['g{a="1"}\f1', 'g{a="1"}\t1', "g 1\f", f"g 1 {AT}\f", "g 1\u3000"])
def test_openmetrics_parts_a_sample_by_one_space_alone(line):
    """openmetricslex.l: a value follows one space (`{S}[^ \\n]+`): a form feed or a tab after `}` is refused."""
    outcome = om(f"# TYPE g gauge\n{line}\n", {"g": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: line 2: "), outcome.observed


# openmetricslex.l has no rule for a blank in a label set or an exemplar's (promlex.l skips `[ \t]+` anywhere): the
# blank is tInvalid ("expected label name"), and the scrape is refused. A value, a timestamp, ` # {` and an exemplar's
# value and timestamp each follow one space. The client library's parser skips the blank and passed them.
@pytest.mark.parametrize("line", [
    'jobs_total{queue="a", kind="b"} 5', 'jobs_total{ a="1"} 5', 'jobs_total{a = "1"} 5', 'jobs_total{a="1" } 5',
    'jobs_total{a="1",b="2" } 5', '{"jobs_total", a="1"} 5',  # after a quoted name in the braces too
    'jobs_total{a="1"} 5 # {trace_id="abc", span_id="d"} 1', 'jobs_total 5 # { trace_id="abc"} 1',
    f'jobs_total 5 # {{trace_id="abc" }} 1 {AT}',
    'jobs_total{a="1"} 5  # {trace_id="abc"} 1',  # two blanks before the exemplar's `#`
])
def test_a_blank_openmetrics_has_no_rule_for_is_malformed(line):
    outcome = om(f"# TYPE jobs counter\n# HELP jobs jobs done\njobs_total{{q=\"0\"}} 1\n{line}\n", {"jobs": "counter"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: line 4: {line!r}: a blank where OpenMetrics has "
                                       "none"), outcome.observed


HELP = "# HELP jobs jobs done, with  blanks \n# TYPE jobs counter\n"  # a help text is all the line's rest


@pytest.mark.parametrize("text", [
    HELP + 'jobs_total{queue="a b",kind=" x "} 5\n',  # blanks in a quoted label value are its own
    HELP + f'jobs_total{{a="}} 1 2 "}} 5 {AT}\n',
    HELP + '{"jobs_total",queue="a b"} 5\n# TYPE "g 2" gauge\n{"g 2"} 3\n',  # a quoted name, one with a blank
    HELP + f'jobs_total{{a="1"}} 5 # {{trace_id="abc",span="x y"}} 1 {AT}\n',  # an exemplar written right
    HELP + f'jobs_total 5 {AT} # {{trace_id="a b"}} 1\n',
])
def test_openmetrics_blanks_where_its_grammar_has_them_pass(text):
    outcome = om(text, {"jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("line", ['g{queue="a", kind="b"} 5', 'g { a = "1" } 5', "g  5", f"g 5  {AT_MS}"])
def test_blanks_in_a_text_format_sample_line_pass(line):
    """promlex.l skips blanks and tabs between any two tokens: the text format keeps every such line."""
    assert judged(f"# TYPE g gauge\n{line}\n", {"g": "gauge"}).status is Status.PASSED


def test_a_blank_in_an_openmetrics_label_set_fails_through_the_transport():
    """The probe's case: each body as an exporter sends it, through gather."""
    from .project import raw_reply

    bodies = {"/labels": b'# TYPE jobs counter\njobs_total{queue="a", kind="b"} 5\n# EOF\n',
              "/exemplar": b'# TYPE jobs counter\njobs_total{queue="a"} 5 # {trace_id="abc", span_id="d"} 1\n# EOF\n',
              "/two-blanks": b'# TYPE jobs counter\njobs_total{queue="a"} 5  # {trace_id="abc"} 1\n# EOF\n',
              "/healthy": b'# TYPE jobs counter\njobs_total{queue="a b"} 5 # {trace_id="abc"} 1\n# EOF\n'}
    om_type = OPENMETRICS["content-type"]
    with KeepAliveHttp({("GET", path): raw_reply(200, body, om_type) for path, body in bodies.items()}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        checks = [make_check("metrics", {"service": "worker-metrics", "path": path, "families": {"jobs": "counter"}},
                             name=path.strip("/")) for path in bodies]
        facts = metrics.gather(target, checks)
        target.close()
    outcomes = {c.params.path: metrics.judge(c, facts) for c in checks}
    assert outcomes.pop("/healthy").status is Status.PASSED
    for path, outcome in outcomes.items():
        assert outcome.status is Status.FAILED, (path, outcome.observed)
        assert outcome.observed.startswith("malformed exposition: line 2: "), (path, outcome.observed)
        assert "a blank where OpenMetrics has none" in outcome.observed, (path, outcome.observed)


@pytest.mark.parametrize("text", [
    '# TYPE g gauge\ng{a="x\fy\u2028"} 1\n',  # in a label value: read as it is
    "# HELP g a help\fwith a form feed\n# TYPE g gauge\ng 1\n",
    "# a comment\v\xa0\n# TYPE g gauge\ng 1\n",
    "# TYPE g gauge\n \tg\t1 \t\n",  # blanks and tabs anywhere between the tokens
])
def test_other_whitespace_where_prometheus_reads_text_passes(text):
    assert judged(text, {"g": "gauge"}).status is Status.PASSED


def test_a_form_feed_after_a_value_fails_through_the_transport():
    """The probe's case: the bytes as an exporter sends them."""
    body = b"# TYPE queue_depth gauge\nqueue_depth 3\x0c\n"
    with KeepAliveHttp({("GET", "/metrics"): _raw_200(body, "text/plain; version=0.0.4; charset=utf-8")}) as server:
        target = make_target({"services": {"worker-metrics": {"url": server.url}}})
        c = make_check("metrics", {"service": "worker-metrics", "families": {"queue_depth": "gauge"}})
        outcome = metrics.judge(c, metrics.gather(target, [c]))
    assert outcome.status is Status.FAILED, outcome.observed
    assert "line 2: 'queue_depth 3\\x0c'" in outcome.observed, outcome.observed


def test_every_whitespace_the_parser_strips_is_judged():
    """ODD_SPACES is every character Python's str.isspace reads (the parser's and float()'s whitespace) but the line
    feed, the blank and the tab: one left out would pass as it did."""
    stripped = {chr(c) for c in range(0x110000) if chr(c).isspace()} - {"\n", " ", "\t"}
    assert {c for c in stripped if metrics.UNSKIPPED_SPACE["text"].fullmatch(c)} == stripped
    assert not metrics.UNSKIPPED_SPACE["text"].search(" \t\n\u200b")


@pytest.mark.parametrize("date", ["1 Jan 99999999999999999999 0:0:0", "Mon, 01 Jan 2024 99:99:99 GMT", "junk"])
def test_an_unreadable_date_header_is_no_date_and_every_service_is_judged(date):
    """The reply's Date is a second clock for a sample's own timestamp: one Python's date parser overflows on (a year
    of 20 digits) is no Date, never the gather's crash — which made every metrics item of the target an internal
    error, other services' healthy ones too."""
    from opsverify import engine

    body = b"# TYPE g gauge\ng 1\n"

    def raw(stamp: str) -> bytes:
        return (f"HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ndate: {stamp}\r\n"
                f"content-length: {len(body)}\r\n\r\n").encode() + body

    with KeepAliveHttp({("GET", "/metrics"): raw("Mon, 01 Jan 2024 00:00:00 GMT")}) as good, \
            KeepAliveHttp({("GET", "/metrics"): raw(date)}) as odd:
        target = make_target({"services": {"good": {"url": good.url}, "odd": {"url": odd.url}}})
        checks = [make_check("metrics", {"service": s, "families": {"g": "gauge"}}, name=s) for s in ("good", "odd")]
        outcomes = engine.gather_and_judge(target, metrics, checks)
    assert [o.status for o in outcomes] == [Status.PASSED, Status.PASSED], [o.observed for o in outcomes]


# -- a label set whose label has no value, or that names no metric (promparse.go, parseLVals and parseMetricSuffix) ----
@pytest.mark.parametrize("line, label", [("queue_depth{queue=} 3", "queue"), ('queue_depth{a=,b="1"} 1', "a"),
                                         ('queue_depth{b="1", a = } 1', "a"), ('{"queue_depth",a=} 1', "a")])
def test_a_label_without_a_value_is_malformed(line, label):
    """After `=` Prometheus wants a quoted value ("expected label value") and refuses the scrape; the client library's
    text parser skips the label and reads `queue_depth 3`."""
    outcome = judged(f"# TYPE queue_depth gauge\n{line}\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"malformed exposition: {line}: the label {label} has no value: Prometheus expects a "
                                'quoted value after `=` (`label=""` for none) and refuses the scrape'), outcome.observed


@pytest.mark.parametrize("line", ['{__name__="queue_depth",queue="a"} 3', '{queue="a",__name__="queue_depth"} 3',
                                  '{"__name__"="queue_depth"} 3', '{ __name__ = "queue_depth" } 3'])
def test_a_series_named_by_a_name_label_alone_is_malformed_in_either_format(line):
    """Both of Prometheus's parsers read `__name__` in a label set, plain or quoted, as a label like any other: the
    metric name is never set and the scrape is refused ("metric name not set"). The client library's parsers take it
    for the name."""
    text = f"# TYPE queue_depth gauge\n{line}\n"
    outcomes = [judged(text, {"queue_depth": "gauge"})]
    if " " not in line:  # (OpenMetrics refuses a blank in a label set first)
        outcomes.append(om(text, {"queue_depth": "gauge"}))
    for outcome in outcomes:
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed.startswith(f"malformed exposition: {line}: no metric name: Prometheus reads "
                                           "`__name__` in a label set as a label"), outcome.observed


@pytest.mark.parametrize("line", ['{"queue_depth",queue="a"} 3', '{queue="a","queue_depth"} 3', '{"queue_depth"} 3',
                                  'queue_depth{queue="a"} 3'])
def test_a_series_named_quoted_in_its_label_set_passes_in_either_format(line):
    """Prometheus 3 reads a quoted string alone in a label set as the metric's name."""
    text = f"# TYPE queue_depth gauge\n{line}\n"
    for outcome in (judged(text, {"queue_depth": "gauge"}), om(text, {"queue_depth": "gauge"})):
        assert outcome.status is Status.PASSED, outcome.observed


# -- an OpenMetrics timestamp, as Go's ParseFloat reads it (openmetricsparse.go: parseFloat, which refuses p, P, _) ----
STAMP = str(int(AT))
ARABIC_INDIC = STAMP.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
FULL_WIDTH = STAMP.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


@pytest.mark.parametrize("timestamp", [ARABIC_INDIC, FULL_WIDTH, f"{STAMP}.+5", f"{STAMP}.٥"])
@pytest.mark.parametrize("where", ["sample", "exemplar"])
def test_an_openmetrics_timestamp_go_refuses_is_malformed(timestamp, where):
    """The client library reads a timestamp with Python's int(), which takes any Unicode digit and a sign after the
    point; Prometheus reads it with Go's ParseFloat and refuses the scrape."""
    line = (f"queue_depth 3 {timestamp}" if where == "sample"
            else f'jobs_total 3 # {{trace_id="a"}} 1 {timestamp}')
    name, kind = ("queue_depth", "gauge") if where == "sample" else ("jobs", "counter")
    outcome = om(f"# TYPE {name} {kind}\n{line}\n", {name: kind})
    assert outcome.status is Status.FAILED, outcome.observed
    what = "the timestamp" if where == "sample" else "the exemplar's timestamp"
    assert outcome.observed.startswith(f"malformed exposition: {line}: {what} {ascii(timestamp)} is no number Go's "
                                       "ParseFloat reads"), outcome.observed


@pytest.mark.parametrize("timestamp", [STAMP, f"{STAMP}.5", f"{STAMP}.000", f"+{STAMP}", "1.75e9", f"{STAMP}."])
def test_an_openmetrics_timestamp_go_reads_passes(timestamp):
    text = (f"# TYPE queue_depth gauge\nqueue_depth 3 {timestamp}\n"
            f'# TYPE jobs counter\njobs_total 3 # {{trace_id="a"}} 1 {timestamp}\n')
    outcome = om(text, {"queue_depth": "gauge", "jobs": "counter"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_an_openmetrics_timestamp_beyond_float64_is_malformed():
    """Python's int() reads 400 digits; Go's ParseFloat refuses them (ErrRange)."""
    line = "queue_depth 3 1" + "0" * 400
    outcome = om(f"# TYPE queue_depth gauge\n{line}\n", {"queue_depth": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert "the timestamp '1000" in outcome.observed and "is no number Go's ParseFloat reads" in outcome.observed, \
        outcome.observed


def test_a_native_histogram_in_openmetrics_text_is_malformed_and_said_so():
    """prometheus_client reads OpenMetrics 2.0's native histogram (`h {count:…}`), a sample without labels or value;
    Prometheus's OpenMetrics parser reads `{count:…}` as a value and refuses the scrape."""
    line = "h {count:1,sum:1,schema:0,zero_threshold:0,zero_count:0,positive_spans:[0:1],positive_deltas:[1]}"
    outcome = om(f"# TYPE h histogram\n{line}\n", {"h": "histogram"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: h {count:1,sum:1,"), outcome.observed
    assert "a native histogram written as text" in outcome.observed, outcome.observed


# -- a `# HELP` line apart from its family's samples: the parser makes a family of it alone, Prometheus metadata -------
@pytest.mark.parametrize("text", [
    "# HELP a Jobs.\n# HELP b Depth.\n# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n",  # all HELP lines first
    "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a Jobs.\n",  # a HELP line after another family
    "# HELP a Jobs.\n# TYPE b gauge\nb 1\n# TYPE a gauge\na 1\n",
    "# HELP a Jobs.\n# TYPE b gauge\nb 1\n# TYPE a counter\na_total 1\n",
])
def test_a_help_line_apart_from_its_familys_samples_is_one_group(text):
    """Prometheus's text parser (and client_golang's expfmt) reads a HELP line wherever it stands: no family is split
    by it."""
    families = {"a": "counter" if "a counter" in text else "gauge", "b": "gauge"}
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "all 2 present with their types (2 exposed)", outcome.observed


@pytest.mark.parametrize("text", [
    "# HELP a Jobs.\n# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n",
    "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a Jobs.\na 2\n",
    "# HELP a Jobs.\n# HELP b Depth.\n# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n",
])
def test_a_family_split_by_another_familys_samples_still_fails(text):
    outcome = judged(text, {"a": "gauge", "b": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("malformed exposition: a exposed in two groups"), outcome.observed


# -- metadata lines apart from their family's samples: Prometheus reads them wherever they stand (textparse), and
# client_golang's expfmt finds a family by its name: each family's # HELP and # TYPE lines are read before its samples
HISTOGRAM_FIRST = '# HELP h Latency.\n# TYPE h histogram\n'
HISTOGRAM_SAMPLES = 'h_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 3\nh_count 3\nh_sum 1.5\n'
SUMMARY_FIRST = '# HELP s Size.\n# TYPE s summary\n'
SUMMARY_SAMPLES = 's{quantile="0.5"} 2\ns_count 4\ns_sum 8\n'
COUNTER_FIRST = '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n'
BARE_COUNTER_FIRST = '# HELP jobs Jobs.\n# TYPE jobs counter\n'  # declared without `_total`, exposed as jobs_total
ALL_TYPES = {"h": "histogram", "s": "summary", "jobs": "counter", "g": "gauge"}


@pytest.mark.parametrize("text, families", [
    # a HELP (or TYPE) line of b standing between two of a's samples
    ('# TYPE a gauge\na{x="1"} 1\n# HELP b Depth.\na{x="2"} 2\n# TYPE b gauge\nb 2\n', {"a": "gauge", "b": "gauge"}),
    ('# TYPE a gauge\na{x="1"} 1\n# TYPE b gauge\na{x="2"} 2\nb 2\n', {"a": "gauge", "b": "gauge"}),
    # every HELP and TYPE line first, then every sample (hand-written exporters)
    ("# HELP a Jobs.\n# TYPE a gauge\n# HELP b Depth.\n# TYPE b gauge\na 1\nb 2\n", {"a": "gauge", "b": "gauge"}),
    (HISTOGRAM_FIRST + SUMMARY_FIRST + COUNTER_FIRST + "# TYPE g gauge\n" + HISTOGRAM_SAMPLES + SUMMARY_SAMPLES
     + "jobs_total 7\ng 1\n", ALL_TYPES),
    (HISTOGRAM_FIRST + SUMMARY_FIRST + BARE_COUNTER_FIRST + "# TYPE g gauge\n" + HISTOGRAM_SAMPLES + SUMMARY_SAMPLES
     + "jobs_total 7\ng 1\n", ALL_TYPES),
    # a counter declared without `_total`, its samples `jobs_total` after another family's
    (BARE_COUNTER_FIRST + "# HELP depth Queue depth.\n# TYPE depth gauge\ndepth 3\njobs_total 7\n",
     {"jobs": "counter", "depth": "gauge"}),
    ('# TYPE "jobs" counter\n# TYPE g gauge\ng 1\n{"jobs_total",a="1"} 7\njobs_total{a="2"} 8\n',
     {"jobs": "counter", "g": "gauge"}),
    # ... in another order than the samples', a family's samples undeclared between
    ("# TYPE g gauge\n" + COUNTER_FIRST + SUMMARY_FIRST + HISTOGRAM_FIRST + "other 5\ng 1\n" + HISTOGRAM_SAMPLES
     + "jobs_total 7\n" + SUMMARY_SAMPLES, ALL_TYPES),
    # a quoted name, declared and exposed so
    ('# TYPE "jobs.done" gauge\n# TYPE g gauge\n{"jobs.done",a="1"} 1\n{"jobs.done",a="2"} 2\ng 1\n',
     {"jobs.done": "gauge", "g": "gauge"}),
])
def test_metadata_apart_from_its_familys_samples_is_read_as_prometheus_reads_it(text, families):
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed.startswith(f"all {len(families)} present with their types"), outcome.observed


@pytest.mark.parametrize("histogram", [HISTOGRAM_SAMPLES.replace('+Inf"} 3', '+Inf"} 0'),  # not cumulative
                                       HISTOGRAM_SAMPLES.replace("h_sum 1.5\n", "")])
@pytest.mark.parametrize("summary", [SUMMARY_SAMPLES, SUMMARY_SAMPLES.replace("s_sum 8\n", "")])
def test_samples_after_all_the_metadata_are_judged_as_their_declared_type(histogram, summary):
    """As where each family's metadata stands right before its samples: not the untyped families the parser makes
    of samples with no # TYPE line before them."""
    families = {"h": "histogram", "s": "summary", "g": "gauge"}
    grouped = judged(HISTOGRAM_FIRST + histogram + SUMMARY_FIRST + summary + "# TYPE g gauge\ng 1\n", families)
    outcome = judged(HISTOGRAM_FIRST + SUMMARY_FIRST + "# TYPE g gauge\n" + histogram + summary + "g 1\n", families)
    assert grouped.status is Status.FAILED and "histogram h" in grouped.observed, grouped.observed
    assert (outcome.status, outcome.observed) == (grouped.status, grouped.observed), outcome.observed


@pytest.mark.parametrize("declared", [COUNTER_FIRST, BARE_COUNTER_FIRST], ids=["jobs_total", "jobs"])
def test_a_counter_after_all_the_metadata_is_judged_as_a_counter(declared):
    outcome = judged(declared + "# TYPE g gauge\njobs_total -1\ng 1\n", {"jobs": "counter", "g": "gauge"})
    assert outcome.status is Status.FAILED and outcome.observed == "counter jobs: jobs_total is -1", outcome.observed


@pytest.mark.parametrize("declared, samples, family", [
    (BARE_COUNTER_FIRST, "jobs_total 7\n", "counter"),
    (BARE_COUNTER_FIRST, "jobs_total 7\njobs_created 1700000000\n", "counter"),
    (COUNTER_FIRST, "jobs_total 7\njobs_created 1700000000\n", "counter"),
    ("# TYPE jobs histogram\n", 'jobs_bucket{le="0.5"} 1\njobs_bucket{le="+Inf"} 3\njobs_count 3\njobs_sum 1.5\n'
                                 "jobs_created 1700000000\n", "histogram"),
    ("# TYPE jobs summary\n", 'jobs{quantile="0.5"} 2\njobs_count 4\njobs_sum 8\njobs_created 1700000000\n', "summary"),
], ids=["counter", "counter-created", "counter-total-created", "histogram-created", "summary-created"])
def test_all_the_metadata_first_reads_as_each_family_grouped(declared, samples, family):
    """A family's series by every suffix its type gives (`_total`, `_bucket`, `_sum`, `_count`; `_created`, a family
    of its own in the text format): read the same whether its metadata stands right before them or first of all."""
    families = {"jobs": family, "depth": "gauge"}
    other = "# HELP depth Queue depth.\n# TYPE depth gauge\n"
    grouped = judged(other + "depth 3\n" + declared + samples, families)
    apart = judged(declared + other + "depth 3\n" + samples, families)
    assert grouped.status is Status.PASSED, grouped.observed
    assert (apart.status, apart.observed) == (grouped.status, grouped.observed), apart.observed


@pytest.mark.parametrize("declared, samples", [
    (BARE_COUNTER_FIRST, "jobs_total 7\n"), (HISTOGRAM_FIRST, HISTOGRAM_SAMPLES), (SUMMARY_FIRST, SUMMARY_SAMPLES)])
def test_openmetrics_with_all_the_metadata_first_stays_malformed(declared, samples):
    """OpenMetrics: "MetricFamilies MUST NOT be interleaved" — a family's metadata then another family is no family
    resumed later (grouped, the same lines pass)."""
    families = {declared.split()[2].removesuffix("_total"): declared.split()[-1], "depth": "gauge"}
    other = "# TYPE depth gauge\n"
    assert om(other + "depth 3\n" + declared + samples, families).status is Status.PASSED
    outcome = om(declared + other + "depth 3\n" + samples, families)
    assert outcome.status is Status.FAILED and outcome.observed.startswith("malformed exposition:"), outcome.observed


@pytest.mark.parametrize("text, observed", [
    # a family's samples split by another family's, all metadata first or not
    ("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n", "a exposed in two groups"),
    ('a{x="1"} 1\nb 1\na{x="2"} 2\n# TYPE a gauge\n', "a exposed in two groups"),
    # two # HELP lines of one family apart: expfmt refuses the second ("second HELP line for metric name")
    ("# HELP a x\n# HELP b y\n# HELP a z\n# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\n", "a exposed in two groups"),
])
def test_metadata_apart_still_fails_what_prometheus_refuses_or_splits(text, observed):
    outcome = judged(text, {"a": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith(f"malformed exposition: {observed}"), outcome.observed


@pytest.mark.parametrize("text", [
    'queue_depth{queue="default"} 3\n# TYPE queue_depth gauge\n',  # no HELP: the parser made two groups of it
    'queue_depth{queue="default"} 3\n# HELP queue_depth Depth.\n# TYPE queue_depth gauge\n',
    'queue_depth{queue="a"} 3\n# TYPE queue_depth gauge\nqueue_depth{queue="b"} 4\n',  # between its samples
    '# TYPE b gauge\nqueue_depth 3\nb 1\n# TYPE queue_depth gauge\n',  # after another family's too
    '# HELP queue_depth Depth.\nqueue_depth 3\n# TYPE queue_depth gauge\n',  # (passed already: one group)
])
def test_a_type_line_after_its_familys_samples_is_read_as_prometheus_reads_it(text):
    """Prometheus's scrape records a # TYPE line by its name wherever it stands (textparse, the scrape cache's
    setType) and ingests every sample: the family is one group, of the type declared."""
    families = {"queue_depth": "gauge", **({"b": "gauge"} if "b 1" in text else {})}
    outcome = judged(text, families)
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed.startswith(f"all {len(families)} present with their types"), outcome.observed


def test_counters_whose_type_lines_are_moved_keep_their_own_names():
    """`x`'s TYPE line, moved before its sample, is read before `y`'s: its samples stay `x`, apart from the gauge
    `x_total`'s (the counters' spellings are taken in the order the parser reads their TYPE lines)."""
    text = 'x{a="1"} 1\n# TYPE y counter\ny 1\n# TYPE x counter\n# TYPE x_total gauge\nx_total{a="1"} 2\n'
    outcome = judged(text, {"x": "counter", "y": "counter", "x_total": "gauge"})
    assert outcome.observed == "all 3 present with their types (3 exposed)", outcome.observed


@pytest.mark.parametrize("histogram", [HISTOGRAM_SAMPLES, HISTOGRAM_SAMPLES.replace('+Inf"} 3', '+Inf"} 0')])
def test_samples_before_their_type_line_are_judged_as_its_type(histogram):
    grouped = judged(HISTOGRAM_FIRST + histogram, {"h": "histogram"})
    outcome = judged(histogram + HISTOGRAM_FIRST, {"h": "histogram"})
    assert (outcome.status, outcome.observed) == (grouped.status, grouped.observed), outcome.observed
    counter = judged("jobs_total -1\n# TYPE jobs_total counter\n", {"jobs": "counter"})
    assert counter.observed == "counter jobs: jobs_total is -1", counter.observed


def test_a_histogram_split_by_another_familys_sample_after_all_the_metadata_still_fails():
    """Its metadata stays where it stood: the parser keeps the buckets before the split, as where it is declared
    right before them."""
    text = (HISTOGRAM_FIRST + "# TYPE a gauge\n"
            + 'h_bucket{le="0.5"} 1\na 1\nh_bucket{le="+Inf"} 3\nh_count 3\nh_sum 1\n')
    outcome = judged(text, {"h": "histogram", "a": "gauge"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("histogram h lacks its h_count, h_sum series"), outcome.observed


def test_a_help_line_alone_is_still_no_family_of_the_type_asked():
    outcome = judged("# HELP a Jobs.\n# TYPE b gauge\nb 1\n", {"a": "gauge"})
    assert outcome.status is Status.FAILED and outcome.observed == "a is typed unknown, not gauge", outcome.observed


def test_a_counters_help_line_apart_named_with_total_is_no_family_of_its_own():
    text = "# HELP a_total Jobs.\n# TYPE b gauge\nb 1\n# TYPE a_total counter\na_total 1\n"
    outcome = judged(text, {"a_total": "counter", "b": "gauge"})
    assert outcome.observed == "all 2 present with their types (2 exposed)", outcome.observed


def test_naming_a_series_given_twice_stops_at_the_parses_deadline(monkeypatch):
    """The OpenMetrics parse's last step (naming a series given twice) read every sample again with no look at the
    deadline: past it, one more whole parse before an answer. The module's clock is moved past any deadline right
    after the last step before it, so nothing here hinges on this machine's speed."""
    lines = 20_000
    text = "# TYPE q gauge\n" + "".join(f'q{{a="{j}"}} 1\n' for j in range(lines)) + f'q{{a="{lines - 1}"}} 1\n# EOF\n'
    real, late = time.monotonic, []
    monkeypatch.setattr(metrics.time, "monotonic", lambda: real() + (10 ** 6 if late else 0))
    tail = metrics._bad_tail

    def then_late(*args, **kwargs):
        found = tail(*args, **kwargs)
        late.append(True)  # every deadline is past from here
        return found

    monkeypatch.setattr(metrics, "_bad_tail", then_late)
    with pytest.raises(metrics.SlowParse):
        metrics.parse(text, openmetrics=True, within=3600)
