"""metrics: a Prometheus text endpoint exposes the named metric families with the right types.

```yaml
params:
  service: worker-metrics
  path: /metrics
  families:                         # name: counter | gauge | histogram | summary
    jobs_processed: counter         # a counter may be named with or without `_total`
    job_duration_seconds: histogram
```
The exposition is parsed with prometheus_client's parser (loaded only when a scrape is parsed).
An endpoint that gives no HTTP answer at all (refused, timed out, reset) — or an exposition too
large to read whole — leaves the item unchecked: *error*. An answer other than 200, or text the
parser rejects, fails it: exposing metrics is what it checks. So does a family declared (`# TYPE`) with no
sample, and a histogram or summary missing part of itself (`_bucket`, `_count`, `_sum`): a name alone
measures nothing. Identical URLs are fetched once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from ..lazy import load
from ..outcome import Outcome, error, failed, verdict
from ..transports.http import Probe, Reply
from ._common import StrictParams, UrlPath
from .http import describe_reply

NAME = "metrics"
NEEDS = ("url",)

EXPOSITION_LIMIT = 8 * 1024 * 1024  # a scrape larger than this is cut off and reported, not parsed
# prometheus_client parses an exposition at the limit in about 3 s on a quiet CPU: that time is ours, not the
# target's, so the group's bound allows for it rather than blame the target for "no answer"
PARSE_S = 8.0


def local_s(checks) -> float:
    return PARSE_S * len({(c.params.service, c.params.path) for c in checks})

MetricType = Literal["counter", "gauge", "histogram", "summary"]
# what a histogram or summary is made of (as the parser names the samples after the family's name)
REQUIRED_SERIES = {"histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


class Params(StrictParams):
    service: str
    path: UrlPath = "/metrics"
    families: dict[str, MetricType]

    @field_validator("families")
    @classmethod
    def _some(cls, value: dict[str, MetricType]) -> dict[str, MetricType]:
        if not value:
            raise ValueError("name at least one metric family")
        return value


def parse(text: str) -> tuple[dict[str, dict], str]:
    """{family name: {type, samples}} of an exposition, or the parser's complaint."""
    text_string_to_metric_families = load("prometheus_client.parser").text_string_to_metric_families

    found: dict[str, dict] = {}
    try:
        for family in text_string_to_metric_families(text):
            suffixes = sorted({sample.name[len(family.name):] for sample in family.samples})
            found[family.name] = {"type": family.type, "samples": len(family.samples), "series": suffixes}
    except Exception as exc:  # the parser raises ValueError, and worse on some garbage
        return {}, f"{type(exc).__name__}: {exc}"
    return found, ""


def gather(target, checks) -> dict[str, dict]:
    urls = {c.key: target.url(c.params.service, c.params.path) for c in checks}
    unique = sorted(set(urls.values()))
    verify = {target.url(c.params.service, c.params.path): target.verify_tls(c.params.service) for c in checks}
    replies = target.fetch_all([Probe("GET", url, {"accept": "text/plain"}, verify=verify[url],
                                      body_limit=EXPOSITION_LIMIT) for url in unique])
    scraped: dict[str, dict] = {}
    for url, reply in zip(unique, replies, strict=True):
        families, parse_error = parse(reply.text) if reply.status == 200 and not reply.truncated else ({}, "")
        scraped[url] = {"reply": reply, "families": families, "parse_error": parse_error}
    return {key: {"url": url, **scraped[url]} for key, url in urls.items()}


def lookup(families: dict[str, dict], name: str, wanted: str) -> tuple[str, dict] | None:
    """The parser drops `_total` from a counter's family name; accept either spelling."""
    candidates = [name]
    if wanted == "counter":
        candidates += [name[: -len("_total")]] if name.endswith("_total") else [f"{name}_total"]
    for candidate in candidates:
        if candidate in families:
            return candidate, families[candidate]
    return None


def judge(check, facts) -> Outcome:
    p: Params = check.params
    scrape = facts[check.key]
    reply: Reply = scrape["reply"]
    expected = f"GET {p.path} exposes " + ", ".join(f"{name} ({kind})" for name, kind in p.families.items())
    evidence = describe_reply(scrape["url"], "GET", reply, read_limit=EXPOSITION_LIMIT)
    if reply.status is None:  # no HTTP answer: not checked
        return error(f"could not look: no answer from {p.service}: {reply.failure}", **evidence)
    if reply.status != 200:
        return failed(expected, f"status {reply.status}", **evidence)
    if reply.truncated:
        return error(f"could not look: exposition larger than {EXPOSITION_LIMIT} bytes; not parsed", **evidence)
    if scrape["parse_error"]:
        return failed(expected, f"malformed exposition: {scrape['parse_error']}", **evidence)
    families: dict[str, dict] = scrape["families"]
    problems, seen = [], {}
    for name, kind in p.families.items():
        match = lookup(families, name, kind)
        if match is None:
            problems.append(f"{name} missing")
            continue
        found_name, family = match
        seen[found_name] = family
        if family["type"] != kind:
            problems.append(f"{found_name} is typed {family['type']}, not {kind}")
        elif not family["samples"]:  # a `# TYPE` line alone: declared, never measured
            problems.append(f"{found_name} is declared but has no sample")
        elif missing := [s for s in REQUIRED_SERIES.get(kind, ()) if s not in family["series"]]:
            problems.append(f"{kind} {found_name} lacks its {', '.join(found_name + s for s in missing)} series")
    evidence = {**evidence, "families_exposed": len(families), "checked": seen}
    return verdict(expected, problems, f"all {len(p.families)} present with their types ({len(families)} exposed)",
                   **evidence)
