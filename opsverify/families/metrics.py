"""metrics: a Prometheus text endpoint exposes the named metric families with the right types.

```yaml
params:
  service: worker-metrics
  path: /metrics
  families:                         # name: counter | gauge | histogram | summary
    jobs_processed: counter         # a counter may be named with or without `_total`
    job_duration_seconds: histogram
  fallback_protocol: text           # optional: the scrape config's fallback_scrape_protocol (text | openmetrics)
  honor_timestamps: true            # optional, default true: the scrape config's honor_timestamps
  lookback_s: 600                   # optional, default 300: the Prometheus's --query.lookback-delta, in seconds
                                    # (honor_timestamps: false judges no timestamp, and takes no lookback_s)
```
The exposition is parsed with prometheus_client's parser for its content type — Prometheus text, or OpenMetrics
(`application/openmetrics-text`) — loaded only when a scrape is parsed; the same rules hold for both (the OpenMetrics
parser's rules on signs, which Prometheus never applies — a negative `_sum`, quantile or counter; a histogram's `_sum`
beside a negative bucket, or none beside its `_count` — are left to these: a `_sum` or a quantile may be negative, a
clock offset's). Any other
Content-Type, none, or one whose parameters Go's mime.ParseMediaType cannot parse (`text/plain; charset`, a
parameter named twice with two values), fails: Prometheus 3 refuses such a scrape unless its scrape config sets
fallback_scrape_protocol, which `fallback_protocol` says (the reply is then read that way); a protobuf reply
(never asked for) is left unchecked: *error*.
Its bytes are read as Prometheus reads them: UTF-8, whatever the charset says (bytes UTF-8 cannot read, a
byte-order mark, UTF-16 fail, naming the line and the byte) — where Prometheus reads them: a comment of the text
format (`# Export\xe9 par l'agent`), or a quoted name in its `# HELP` or `# TYPE`, may hold any byte.
An endpoint that gives no HTTP answer at all (refused, timed out, reset) — or an exposition too
large to read whole, or one whose parse runs past PARSE_S (ours, said so: never "no answer") — leaves the item
unchecked: *error*. An answer other than 200, a body under `Content-Encoding: gzip` that is no gzip stream (Go's
gzip reader refuses it, the scrape fails every time), or text the parser rejects, fails it: exposing metrics is what it
checks. So does a metric name before `{` Prometheus's lexer cannot read (`x.y{a="1"}`: the parser checks it only
without labels), a label set opening with a comma (`x{,a="1"}`), holding a label without a value (`x{a=}`) or naming
no metric (`{__name__="x"}`: a label to Prometheus; `{"x",a="1"}` names it; labels apart by blanks alone, `x{a="1"
b="2"}`, are two, as Prometheus's text parser reads them), a NUL byte Prometheus's text parser
reads as the end of the exposition (at a line's start, or in a comment whose `#` no blank follows), a sample line
with more than a timestamp after its value, or a timestamp of another form (text: int64 milliseconds in digits
alone; OpenMetrics: seconds Go's ParseFloat reads, an exemplar's too), a value Go's ParseFloat refuses where Python
reads it: no ASCII number (Python reads `٣` as 3), beyond float64's range (`1e400`, an integer of 400 digits:
ErrRange) or a NaN with a sign (`-nan`), a sample or `# TYPE` line ending in a carriage return (CRLF: the parser
drops it, Prometheus refuses it), a sample line holding, outside its label values, whitespace other than blanks and
tabs (a form feed, a vertical tab, a no-break space, U+2028; OpenMetrics: other than one space), which the parser
strips and Prometheus's lexer does not skip — in OpenMetrics a blank too where its grammar has none: in a label set
or an exemplar's outside the quoted values (`x{a="1", b="2"}`), or two where it reads one (`5  # {`) —, a `# TYPE`
or `# HELP` line whose tokens are apart by other than blanks and tabs (the parser reads a declaration where
Prometheus reads a comment), a type Prometheus does not read as written (`# TYPE x  counter`, a blank after it;
in the text format an OpenMetrics type: `unknown`, `info`, `stateset`, `gaugehistogram`), a name declared (`# TYPE`,
plain or quoted) twice or a family exposed in two groups, its samples split by another family's (the parser would
keep one by order; a `# HELP` or `# TYPE` line apart from its family's samples — all of them first, one between
another family's samples, or one after or among its own — splits none: it is read before its family's first sample,
as Prometheus reads it wherever it stands, and the samples are judged as the type it declares), a series exposed twice (Prometheus keeps one
sample: which value counts would be luck), a family declared with no sample, a counter, histogram or summary — any
label set of it — missing part of itself (a counter's `_total`; `_bucket`, `_count`, `_sum`): a name or a `_created`
alone measures nothing (a histogram's label set with a negative bucket needs no `_sum`: OpenMetrics wants none there,
its sum being no counter, and prometheus_client writes none) — and a value that measures nothing either: NaN in a
counter, gauge, histogram or a summary's count and sum; a counter below 0 or infinite; a sample whose own timestamp
Prometheus's TSDB drops (more than 10
minutes ahead of the scrape, or over an hour before it; not judged with `honor_timestamps: false`, where Prometheus
stamps each sample with the scrape's time) or no instant query sees (older than `lookback_s`, the query lookback: 5
minutes by default; where the reply's Date says it is fresh by the target's clock, the clocks disagree: *error*); a
histogram whose buckets are not cumulative or whose `le="+Inf"` bucket is missing or differs from its `_count`; two buckets with one bound (`le="1"`, `le="1.0"`), or two quantiles with one
rank, in a label set: Prometheus 3 reads them as one series given twice, Prometheus 2's histogram_quantile adds their
counts up. (A gauge may be ±Inf, and a summary's quantiles NaN: a window without observations.) Names are the
format's: in the text format a gauge `x` and a counter `x_total` are two metrics, and samples `x_total` or
`{"x_total"}` right after `# TYPE x counter` are that counter's (as Prometheus groups them; the parser splits them
off); OpenMetrics forbids a family named as another's sample (`x_total` beside the counter `x`). A URL is fetched
once for each TLS setting that asks it: a service's `verify_tls` holds whatever other service shares its URL.
"""

from __future__ import annotations

import codecs
import functools
import io
import math
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from types import ModuleType
from typing import Iterable, Iterator, Literal, TypeVar

from pydantic import Field, field_validator, model_validator

from ..display import cut
from ..lazy import load, load_copy
from ..outcome import Outcome, error, failed, passed
from ..transports.http import Probe, Reply
from ._common import StrictParams, UrlPath, first_few
from .http import describe_reply, redirected_to

NAME = "metrics"
NEEDS = ("url",)

EXPOSITION_LIMIT = 8 * 1024 * 1024  # a scrape larger than this is cut off and reported, not parsed
# prometheus_client parses an exposition at the limit in about 3 s on a quiet CPU: that time is ours, not the
# target's, so the group's bound allows for it rather than blame the target for "no answer"; a parse still going
# when its share runs out stops there and says so (a loaded machine took 15 s)
PARSE_S = 8.0
FOLLOWED = frozenset({301, 302, 303, 307, 308})  # the redirects Go's HTTP client follows (with a Location)
CLOCK_EVERY = 2048  # lines (or samples) read between two looks at a parse's deadline
CLOCK_CHARACTERS = 1 << 18  # …or this many characters of lines, whichever comes first
# The parser reads a label value in time that grows with the square of its escapes (a line of a million `\"` would
# take minutes, past any deadline looked at between lines): a longer line is not parsed. Real label values are short.
LINE_LIMIT = 1 << 16


def local_s(checks) -> float:
    # a scrape is parsed once for each way an item reads it (its fallback protocol, when its media type is unknown;
    # its timestamps judged against which lookback, or not)
    return PARSE_S * len({(c.params.service, c.params.path, c.params.fallback_protocol, _lookback(c.params))
                          for c in checks})


def _lookback(p: "Params") -> int | None:
    """How an item judges a sample's own timestamp: against its lookback, or not at all (None: the scrape config
    stamps each sample with the scrape's time)."""
    return p.lookback_s if p.honor_timestamps else None


MetricType = Literal["counter", "gauge", "histogram", "summary"]
# what a counter, histogram or summary is made of (as the parser names the samples after the family's name): a
# counter's `_created` alone, or a histogram's `_sum`, counts nothing (a histogram with a negative bucket may have no
# `_sum`: `required_series`)
REQUIRED_SERIES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}
# the samples (by the part of their name after the family's) that a label bounds, read by Prometheus 3 as a float
# (textparse's normalizeFloatsInLabelValues): a histogram's buckets by `le`, a summary's quantiles by `quantile`
BOUNDS = {"histogram": ("_bucket", "le", "buckets"), "summary": ("", "quantile", "quantiles")}
# a `# TYPE` or `# HELP` line as Prometheus reads one: its tokens apart by blanks and tabs alone, a name plain or
# quoted; the type is all that follows the name and one blank or tab (promlex.l reads the rest of the line as one
# token, and promparse.go drops its first character)
TYPE_DECLARATION = re.compile(r'[ \t]*#[ \t]+TYPE[ \t]+("(?:[^"\\]|\\.)*"|[^\s"]+)[ \t](.*)')
# …and as OpenMetrics reads it (openmetricslex.l): its parts one space apart, nothing before the `#`
OPENMETRICS_TYPE = re.compile(r'# TYPE ("(?:[^"\\]|\\.)*"|[a-zA-Z_:][a-zA-Z0-9_:]*) (.*)')
# the types each format's parser knows, compared as written (promparse.go, openmetricsparse.go): any other is an
# "invalid metric type", and the whole scrape is refused
TYPE_WORDS = {"text": ("counter", "gauge", "histogram", "summary", "untyped"),
              "openmetrics": ("counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset",
                              "unknown")}
HELP_DECLARATION = re.compile(r"[ \t]*#[ \t]+HELP[ \t]+\S")
# a name without escapes, which the parser reads as written (a quoted one less its quotes)
AS_WRITTEN = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*|"[^"\\]*"')
# most `# HELP` lines: the name as written, then the parser's whitespace or the end: both read that name
HELP_AS_WRITTEN = re.compile(r'[ \t]*#[ \t]+HELP[ \t]+(?:[a-zA-Z_:][a-zA-Z0-9_:]*|"[^"\\]*")(?:[ \t\r\v\f].*)?')
DECLARATION_FORMS = {"TYPE": "# TYPE name type", "HELP": "# HELP name text"}
TYPE_START = re.compile(r"[ \t]*#[ \t]+TYPE[ \t]")  # Prometheus reads the rest as the name and the type
# a text-format sample line: its name (none when its label set names it), its labels (a quoted value may hold `}` or
# spaces; blanks may stand before and inside them, which Prometheus's lexer skips), then what follows them
SAMPLE_TAIL = re.compile(r'([^{\s]*)[ \t]*(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?(.*)')
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
# two labels of a text-format label set with no comma between (`{a="1" b="2"}`, `{a="1"b="2"}`): Prometheus's text
# parser takes a comma after a label's value if there is one (promparse.go, parseLVals), the client library's parser
# wants it. A label's value, then (looked at, not taken) blanks and a label name, plain or quoted; any other quoted
# string is taken whole (the second branch), so no `=` inside one starts a match
LABEL_APART = re.compile(r'(=[ \t]*"(?:[^"\\]|\\.)*")(?=[ \t]*[a-zA-Z_"])|"(?:[^"\\]|\\.)*"')
MAYBE_APART = re.compile(r'=[ \t]*"(?:[^"\\\n]|\\.)*"[ \t]*[a-zA-Z_"]')  # a quick look: most expositions have none
# a `# HELP` or `# TYPE` line's keyword and name (plain or quoted), and a sample line's name (plain, or quoted first in
# its label set): what ties each metadata line and sample to its family (`_hoisted`)
METADATA = re.compile(r'[ \t]*#[ \t]+(HELP|TYPE)[ \t]+("(?:[^"\\]|\\.)*"|[^\s"]+)[ \t]*(.*)')
SAMPLE_NAME = re.compile(r'[ \t]*(?:([^{\s]+)|\{[ \t]*("(?:[^"\\]|\\.)*")[ \t]*[,}])')
# the sample names a family declared `# TYPE name type` is given by the text parser, after its name (its
# allowed_names): an undeclared family (a `# HELP` alone) has its own name only
OWNED_SUFFIXES = {"summary": ("", "_count", "_sum"), "histogram": ("_bucket", "_count", "_sum")}
# whitespace the parser strips from a sample line, and splits it on, that Prometheus's lexers never skip there: all
# Python's str.isspace reads as one (the parser's and float()'s), less the line feed, the blank — and the tab, which
# the text format's lexer skips too (promlex.l: `[ \t]+`; a value is `[^{ \t\n]+`); OpenMetrics parts a sample's
# tokens by one space alone (openmetricslex.l: `{S}[^ \n]+`)
ODD_SPACES = "\v\f\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
UNSKIPPED_SPACE = {"text": re.compile(f"[{ODD_SPACES}]"), "openmetrics": re.compile(f"[\t{ODD_SPACES}]")}
SPACE_NAMES = {"\t": "tab", "\v": "vertical tab", "\f": "form feed", "\r": "carriage return", "\x85": "next line"}
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")  # an unquoted label name, as both of Prometheus's lexers read one
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")  # …and an unquoted metric name (a quoted one stands in `{}`)
VALUE = re.compile(r"[ \t]*([^ \t]*)")  # as Prometheus reads it: up to a blank or a tab
TIMESTAMP_MS = re.compile(r"[0-9]+")  # Prometheus's lexer reads a text-format timestamp as digits alone (promlex.l)
# a value Go's ParseFloat reads as Python does: digits, a point and a sign, too few to leave float64's range
PLAIN_VALUE = re.compile(r"[+-]?[0-9.]{1,300}")
GO_SPECIAL = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE)  # ParseFloat's words, in any case; NaN unsigned
# the numbers Go's ParseFloat reads (ASCII, no blank): decimal, or hexadecimal with a binary exponent; an underscore
# only between two digits (or after 0x), as in Go's literals — Python's float reads the decimal ones alike
GO_DECIMAL = re.compile(r"[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)"
                        r"(?:[eE][+-]?[0-9](?:_?[0-9])*)?")
GO_HEX = re.compile(r"[+-]?0[xX](?:_?[0-9a-fA-F](?:_?[0-9a-fA-F])*(?:\.(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?"
                    r"|\.[0-9a-fA-F](?:_?[0-9a-fA-F])*)[pP][+-]?[0-9](?:_?[0-9])*")
# an OpenMetrics exemplar after a sample's value (and timestamp): its labels, then its value and timestamp, if any
EXEMPLAR = re.compile(r' # \{(?:[^"}]|"(?:[^"\\]|\\.)*")*\} ([^ ]*)(?: ([^ ]*))?')
# an OpenMetrics sample line's blanks where openmetricslex.l has them: none in a label set outside its quoted values
# (it has no blank rule there, where promlex.l skips `[ \t]+` anywhere), one space before the value and each
# timestamp, ` # {` before an exemplar's labels, one before its value and timestamp. What the tokens hold the parser
# judges. Each part is read one way (a token stops at a blank, a quoted value at its quote): linear in the line
OPENMETRICS_LABELS = r'\{(?:[^ "}]|"(?:[^"\\]|\\.)*")*\}'
OPENMETRICS_BLANKS = re.compile(rf'[^ {{]*(?:{OPENMETRICS_LABELS})?(?: (?:[^ #][^ ]*|#[^ ]+))+'
                                rf'(?: # {OPENMETRICS_LABELS}(?: [^ ]+)+)?')
# an OpenMetrics native histogram written as text (OpenMetrics 2.0's draft): a sample whose value is `{count:…}`
NATIVE_HISTOGRAM = re.compile(rf'[^ {{]*(?:{OPENMETRICS_LABELS})? \{{')
# Prometheus's TSDB drops a sample whose own timestamp is out of its bounds (the scrape itself succeeds): more than
# 10 minutes ahead of its clock (scrape/target.go, hard-coded), or older than its head block still takes — an hour
# before its newest sample at the least, with the default 2 h blocks and no out_of_order_time_window. Judged against
# the time the reply came: each bound is the least Prometheus takes, so a sample judged dropped is dropped
AHEAD_S = 10 * 60
BEHIND_S = 60 * 60
# A sample Prometheus keeps may still be seen by no query: an instant query (an alert rule, a dashboard's latest
# value) takes the newest sample no older than its lookback (--query.lookback-delta, 5 minutes by default), and a
# sample carrying its own timestamp is never marked stale — one stamped longer ago is invisible at the scrape's time
LOOKBACK_S = 5 * 60
INT64_MAX = 2**63 - 1
BAD_VALUES_KEPT = 20  # per family, in evidence


ScrapeProtocol = Literal["text", "openmetrics"]


class Params(StrictParams):
    service: str
    path: UrlPath = "/metrics"
    families: dict[str, MetricType]
    # the scrape config's fallback_scrape_protocol: how Prometheus 3 reads a reply of no Content-Type it knows
    fallback_protocol: ScrapeProtocol | None = None
    # the scrape config's honor_timestamps: false, Prometheus stamps each sample with the scrape's time, not its own
    honor_timestamps: bool = True
    # the Prometheus's --query.lookback-delta, in seconds: a sample whose own timestamp is older no instant query sees
    lookback_s: int = Field(default=LOOKBACK_S, gt=0, le=86400)

    @field_validator("families")
    @classmethod
    def _some(cls, value: dict[str, MetricType]) -> dict[str, MetricType]:
        if not value:
            raise ValueError("name at least one metric family")
        for name in value:  # a series (`q{job="x"}`) or nothing names no family: it would only ever be missing
            if not name.strip() or "{" in name or "}" in name:
                raise ValueError(f"{name!r} is no metric family name: a name alone, without labels (a series' "
                                 "labels are not judged)")
        return value

    @model_validator(mode="after")
    def _lookback_judged(self) -> "Params":
        if "lookback_s" in self.model_fields_set and not self.honor_timestamps:
            raise ValueError("lookback_s judges a sample's own timestamp, which honor_timestamps: false ignores "
                             "(Prometheus stamps each sample with the scrape's time): leave it out")
        return self


OPENMETRICS = "application/openmetrics-text"
# Content-Type as Go's mime.ParseMediaType reads it (mime/mediatype.go, grammar.go), which Prometheus 3's
# extractMediaType calls: a token is ASCII from `!` to `~` less RFC 2045's tspecials; a blank is what Go's
# unicode.IsSpace says (Python's str.isspace less the separators 0x1c-0x1f)
TSPECIALS = '()<>@,;:\\"/[]?='
TOKEN = re.compile("[" + re.escape("".join(c for c in map(chr, range(0x21, 0x7F)) if c not in TSPECIALS)) + "]+")
GO_SPACES = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
# what Prometheus 3 reads a scrape as by its media type (textparse.New); any other it refuses, or reads as the scrape
# config's fallback_scrape_protocol says
MEDIA_TYPES = {"text/plain": "text", OPENMETRICS: "openmetrics", "application/vnd.google.protobuf": "protobuf"}
# a body in another encoding than UTF-8 says so by its mark (UTF-32's before UTF-16's, which it starts with)
OTHER_MARKS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
               (codecs.BOM_UTF16_BE, "UTF-16"))
NOT_UTF8 = "Prometheus reads an exposition as UTF-8, whatever its content type's charset says"
# a line Prometheus's text lexer reads as a comment, skipping its bytes unread (promlex.l): after blanks and tabs, a
# `#` not followed by blanks and `HELP` or `TYPE` and a blank
TEXT_COMMENT = re.compile(rb"[ \t]*#(?![ \t]+(?:HELP|TYPE)[ \t])")
# where Prometheus's text lexer, in its first state, meets a NUL byte and takes it for the end of the input (promlex.l):
# a line's start, a comment whose `#` no blank follows (consumeComment), or right after a `#` and its blanks. In a
# comment past `# `, a help text or a label value its next() skips NUL bytes
NUL_ENDS_INPUT = re.compile(r"[ \t]*(?:#(?:[^ \t\x00][^\x00]*|[ \t]+)?)?\x00")
# a `# HELP` or `# TYPE` line whose name is quoted: (its start, the rest after the name)
QUOTED_DECLARATION = re.compile(rb'([ \t]*#[ \t]+(?:HELP|TYPE)[ \t]+)"(?:\\[^\n]|[^\\"\n])*"(.*)', re.DOTALL)


class SlowParse(Exception):
    """Reading an exposition ran past its deadline: our own time, not the target's."""


class LongLine(Exception):
    """A line longer than LINE_LIMIT: not parsed (ours to refuse, not the target's fault)."""

    def __init__(self, number: int, length: int) -> None:
        super().__init__(number, length)
        self.number, self.length = number, length


T = TypeVar("T")


@dataclass(frozen=True)
class Stamps:
    """What a sample's own timestamp is judged against: `at`, this runner's clock when the reply came (Prometheus's
    is not seen: this one stands for it); `dated`, the target's own, its Date header (to the second; None: none it
    could read); `lookback_s`, the query lookback."""
    at: float
    dated: float | None = None
    lookback_s: float = LOOKBACK_S


class Clock:
    """A parse's deadline (None: none), looked at every CLOCK_EVERY lines or samples as the exposition is read: the
    parse is ours, so it stops at its own share of the bound rather than run into the target's."""

    def __init__(self, within: float | None = None) -> None:
        self.ends = None if within is None else time.monotonic() + within

    def each(self, items: Iterable[T]) -> Iterator[T]:
        if self.ends is None:
            return iter(items)
        return self._timed(items)

    def _timed(self, items: Iterable[T]) -> Iterator[T]:
        read = 0  # characters of lines since the last look
        for i, item in enumerate(items):
            if isinstance(item, str):
                read += len(item)
            if (not i % CLOCK_EVERY or read >= CLOCK_CHARACTERS) and time.monotonic() >= self.ends:
                raise SlowParse
            if read >= CLOCK_CHARACTERS:
                read = 0
            yield item


UNBOUNDED = Clock()


def content_type(reply: Reply) -> str:
    """The Content-Type as Prometheus reads it: Go's Header.Get takes the first of several."""
    return reply.header("content-type")


# what Prometheus 3 asks a target for with its default scrape_protocols (OpenMetrics first: a target that negotiates
# answers Prometheus with that, and the judge must read what Prometheus reads), and the one coding it asks for
SCRAPE_ACCEPT = ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
                 "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
                 "text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
SCRAPE_HEADERS = {"accept": SCRAPE_ACCEPT, "accept-encoding": "gzip"}


def protocol(reply: Reply, fallback: str | None = None) -> str | None:
    """How Prometheus 3 reads a reply: "text", "openmetrics" or "protobuf" by its media type (the Content-Type less
    its parameters, in any case), else — a media type it does not know, or a Content-Type Go cannot parse — as the
    scrape config's fallback_scrape_protocol says; None: it refuses it."""
    kind, unparsable = media_type(content_type(reply))
    return fallback if unparsable else MEDIA_TYPES.get(kind, fallback)


def media_type(value: str) -> tuple[str, str]:
    """(the media type, "") of a Content-Type as Go's mime.ParseMediaType reads it — lower case, without blanks or
    parameters — or ("", why Go refuses it, in its words). Its parameters must parse too: `; name=value` each, a
    value a token or a quoted string, blanks around either side of `=` and `;`, one `;` at the end forgiven, a name
    given twice only with the same value."""
    base = value.split(";", 1)[0]
    # Go lowers before trimming, rune by rune: İ lowers to i there (Python makes it two runes)
    kind = base.replace("\u0130", "i").lower().strip(GO_SPACES)
    if why := _not_a_media_type(kind):
        return "", why
    rest, seen = value[len(base):], {}
    while rest := rest.lstrip(GO_SPACES):
        parameter = _media_parameter(rest)
        if parameter is None:
            if rest.strip(GO_SPACES) == ";":
                break
            return "", "invalid media parameter"
        name, said, rest = parameter
        if seen.setdefault(name, said) != said:
            return "", "duplicate parameter name"
    return kind, ""


def _not_a_media_type(kind: str) -> str:
    """Why Go refuses what precedes the parameters: a token, or a token, `/` and a token ("" when it reads it)."""
    first = TOKEN.match(kind)
    if not first:
        return "no media type"
    rest = kind[first.end():]
    if not rest:
        return ""
    if not rest.startswith("/"):
        return "expected slash after first token"
    second = TOKEN.match(rest, 1)
    if not second:
        return "expected token after slash"
    return "" if second.end() == len(rest) else "unexpected content after media subtype"


def _media_parameter(text: str) -> tuple[str, str, str] | None:
    """(name in lower case, value, what follows) of the parameter `text` starts with (`;`, blanks, a token, `=`, a
    value), or None where Go's consumeMediaParam finds none."""
    if not text.startswith(";"):
        return None
    rest = text[1:].lstrip(GO_SPACES)
    name = TOKEN.match(rest)
    if not name:
        return None
    rest = rest[name.end():].lstrip(GO_SPACES)
    if not rest.startswith("="):
        return None
    value = _parameter_value(rest[1:].lstrip(GO_SPACES))
    return None if value is None else (name[0].lower(), *value)


def _parameter_value(text: str) -> tuple[str, str] | None:
    """(the value, what follows): a token, or a quoted string (`\\` escapes a tspecial; no CR or LF), maybe empty;
    None when neither starts `text`."""
    if not text.startswith('"'):
        token = TOKEN.match(text)
        return (token[0], text[token.end():]) if token else None
    value, i = [], 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(value), text[i + 1:]
        if char in "\r\n":
            return None
        if char == "\\" and i + 1 < len(text) and text[i + 1] in TSPECIALS:
            i += 1
            char = text[i]
        value.append(char)
        i += 1
    return None  # never closed


def read(reply: Reply, *, within: float | None = None, fallback: str | None = None, at: float | None = None,
         lookback_s: float = LOOKBACK_S) -> tuple[dict[str, dict], str]:
    """The families of a 200 reply read whole, parsed as Prometheus reads it (its media type, else `fallback`);
    ({}, "") for any other reply, or one Prometheus or opsverify does not read. `at`: the time the reply came, which a
    sample's own timestamp is judged against with the reply's Date and `lookback_s` (None: not judged). Raises
    SlowParse past `within` seconds."""
    read_as = protocol(reply, fallback)
    if reply.status != 200 or reply.truncated or read_as not in ("text", "openmetrics"):
        return {}, ""
    openmetrics = read_as == "openmetrics"
    text, undecodable = exposition_text(reply, openmetrics=openmetrics)
    if undecodable:
        return {}, undecodable
    stamps = None if at is None else Stamps(at, _http_date(reply.header("date")), lookback_s)
    return parse(text, openmetrics=openmetrics, within=within, stamps=stamps)


def _http_date(value: str) -> float | None:
    """An HTTP Date as seconds since 1970, None where there is none it can read."""
    try:
        date = parsedate_to_datetime(value) if value else None
        return None if date is None else (date if date.tzinfo else date.replace(tzinfo=timezone.utc)).timestamp()
    except (TypeError, ValueError, OverflowError):  # a year of 20 digits overflows: no date it can read
        return None


def exposition_text(reply: Reply, *, openmetrics: bool = False) -> tuple[str, str]:
    """(the exposition as Prometheus reads its bytes, why it cannot be read). Prometheus reads UTF-8 whatever the
    charset says, and refuses bytes UTF-8 cannot read where it reads them (a label value, a help text; a name or a
    value is ASCII by its grammar): a body decoded by its charset, or with what it could not read replaced, would
    pass what Prometheus refuses. A line it skips unread (a comment, in the text format) may hold any byte. A reply
    read as text (no bytes kept) is taken as it is."""
    if not reply.content:
        return reply.text, ""
    body = bytes(reply.content)
    # Prometheus's lexer starts a line at `#`, a name, `{`, a blank or a newline: a mark's first byte is none of them
    # (it refuses the exposition), or a NUL (UTF-32BE's: to it the end of the input, so it reads no metric at all)
    if body.startswith(codecs.BOM_UTF8):
        return "", ("it starts with a UTF-8 byte-order mark, which Prometheus reads as part of its first line and "
                    "refuses: send UTF-8 without the mark")
    if encoding := next((name for mark, name in OTHER_MARKS if body.startswith(mark)), None):
        return "", (f"it starts with a {encoding} byte-order mark: it is {encoding} text, where Prometheus reads "
                    "UTF-8 alone")
    try:
        return body.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass  # read line by line: some lines' bytes Prometheus never reads
    lines = []
    for number, line in enumerate(body.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if openmetrics or not _unread_bytes_only(line):
                return "", _not_utf8(number, line, exc)
            lines.append(line.decode("utf-8", "replace"))  # (what the parser then reads there counts for nothing)
    return "\n".join(lines), ""


def _unread_bytes_only(line: bytes) -> bool:
    """Whether Prometheus's text parser reads none of the bytes UTF-8 cannot read in `line`: a comment, or a
    quoted name in a `# HELP` or `# TYPE` line (checked neither there nor by the scrape, for metadata). OpenMetrics
    has no comment: its `#` lines are HELP, TYPE, UNIT or EOF (openmetricslex.l)."""
    if TEXT_COMMENT.match(line):
        return True
    declaration = QUOTED_DECLARATION.fullmatch(line)
    if not declaration:
        return False
    try:
        (declaration[1] + declaration[2]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_utf8(number: int, line: bytes, exc: UnicodeDecodeError) -> str:
    unread, shown = line[exc.start:exc.end].hex(" "), line.decode("utf-8", "replace")
    return f"line {number} is not UTF-8 (0x{unread}: {exc.reason}): {cut(repr(shown))}: {NOT_UTF8}"


def parse(text: str, *, openmetrics: bool = False, within: float | None = None,
          stamps: Stamps | None = None) -> tuple[dict[str, dict], str]:
    """{family name: {type, samples, series, required, incomplete, bad_values, unsure}} of an exposition — Prometheus
    text, or OpenMetrics when the reply says so — or why it is malformed. A sample's own timestamp is judged against
    `stamps`, the time of the scrape (None: not judged). Raises SlowParse past `within` seconds."""
    parser = openmetrics_parser() if openmetrics else load("prometheus_client.parser")
    clock = Clock(within)
    longest = max(text.split("\n"), key=len, default="")
    if len(longest) > LINE_LIMIT:
        raise LongLine(text.count("\n", 0, text.index(longest)) + 1, len(longest))

    if crlf := carriage_return(text, clock):
        return {}, crlf
    if not openmetrics and "\x00" in text and (cut_short := nul_ends_input(text, clock)):
        return {}, cut_short
    declared, misread = declarations(text, clock, openmetrics=openmetrics)
    if misread or (misread := declared_twice(declared)):
        return {}, misread
    if unskipped := unskipped_space(text, clock, openmetrics=openmetrics):  # (a declaration's are said above)
        return {}, unskipped
    found: dict[str, dict] = {}
    exposed: set[tuple] = set()
    parsed = 0
    try:
        # the parser reads lines from a file: given them one by one, it is stopped at the deadline
        read = text if openmetrics else _hoisted(_commas_between_labels(text, clock), clock)
        families = list(parser.text_fd_to_metric_families(clock.each(io.StringIO(read))))
        if openmetrics:
            _signed(families, clock)
        # the `# TYPE` lines in the order the parser read them: `_hoisted` may have moved one before another's
        named = _named(families, declared if read is text else declarations(read, clock)[0], openmetrics=openmetrics)
        for family, key, exposed_as in named:
            if any(getattr(sample, "native_histogram", None) is not None for sample in family.samples):
                return {}, native_histogram(text, family.name)  # a sample with neither labels nor value
            if key in found and {family.type, found[key]["type"]} != {"unknown"}:
                # the parser splits a family whose lines are not one group; which part counts would be luck
                return {}, f"{cut(key)} exposed in two groups, not one after its # TYPE line"
            for sample in clock.each(family.samples):
                series = _identity(sample, exposed_as)
                if series in exposed:  # Prometheus keeps one sample of a series: which value counts would be luck
                    return {}, f"{_series(sample)} exposed twice"
                exposed.add(series)
            parsed += len(family.samples)
            suffixes = sorted({sample.name[len(family.name):] for sample in family.samples})
            unsure: list[str] = []
            found[key] = {"type": family.type, "samples": len(family.samples), "series": suffixes,
                          "required": required_series(family, clock),
                          "incomplete": incomplete(family, clock)[:BAD_VALUES_KEPT],
                          "bad_values": bad_values(family, clock, stamps, unsure)[:BAD_VALUES_KEPT],
                          "unsure": unsure[:BAD_VALUES_KEPT]}
    except SlowParse:
        raise
    except Exception as exc:  # the parser raises ValueError, and worse on some garbage
        return {}, f"{type(exc).__name__}: {exc}"
    if openmetrics and (blank := misplaced_blank(text, clock)):  # (the parser's own faults said first)
        return {}, blank
    if bad := _bad_tail(text, openmetrics=openmetrics, clock=clock):
        return {}, bad
    if openmetrics and parsed < (lines := sum(1 for line in text.split("\n") if line and not line.startswith("#"))):
        # the OpenMetrics parser keeps the first sample of a series given twice in a group and drops the rest
        return {}, f"{_twice(text, clock) or f'{lines - parsed} of {lines} samples'} exposed twice"
    return found, ""


def _named(families: list, declared: list[tuple[str, str, str]], *, openmetrics: bool) -> list[tuple]:
    """(family, key in `found`, the name of a text-format counter's series) for each family.

    The text parser names a counter's family without `_total` and its samples with it, however the exposition
    spelled the counter; Prometheus keeps that spelling, so a gauge `x` and a counter `x_total` are two metrics.
    A counter is keyed by the parser's name unless another family has that name too: then by its own."""
    counters = iter([] if openmetrics else [name for name, kind, _ in declared if kind == "counter"])
    families, regrouped = (families, set()) if openmetrics else _regrouped(_help_apart(families), declared)
    names = Counter(family.name for family in families)
    named = []
    for family in families:
        exposed_as = None  # its samples' own names
        if family.type == "counter" and not openmetrics:  # one `# TYPE … counter` line for each, in order
            spelled = next(counters, family.name)
            exposed_as = spelled if spelled.removesuffix("_total") == family.name else family.name + "_total"
            if id(family) in regrouped:  # its samples are the `x_total` ones it took back, as they were written
                exposed_as = family.name + "_total"
        key = exposed_as if exposed_as and exposed_as != family.name and names[family.name] > 1 else family.name
        named.append((family, key, exposed_as))
    return named


def _hoisted(text: str, clock: Clock = UNBOUNDED) -> str:
    """`text` with each family's `# HELP` and `# TYPE` lines that stand apart from its first sample (all of them
    first, then the samples; another family's between two of a family's samples; or one after its samples, or among
    them) moved to just before that sample, in their order: Prometheus's scrape reads metadata wherever it stands
    (textparse; its cache records a type by name), and the text parser would make untyped families of the samples, and
    a family in two groups. Narrow on purpose: a family whose samples another family's split, or one whose sample names
    another family declares too, keeps its lines where they stood; an exposition with two HELP lines of one name
    (client_golang's expfmt: "second HELP line") is read as written."""
    lines = text.split("\n")
    metadata: dict[str, list[int]] = {}  # family name → its HELP and TYPE lines
    kinds: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    for i, line in enumerate(clock.each(lines)):
        if line.lstrip(" \t").startswith("#") and (form := METADATA.fullmatch(line)):
            name = _unquoted(form[2])
            metadata.setdefault(name, []).append(i)
            kinds.setdefault(name, []).append(form[1])
            if form[1] == "TYPE":
                types[name] = form[3].strip(" \t")
    if not metadata or any(said.count("HELP") > 1 for said in kinds.values()):
        return text
    owners: dict[str, set[str]] = {}  # sample name → the families it may belong to
    # sample name → the family it is read into where it stands after its TYPE: by the text parser, or (a counter `x`'s
    # `x_total`) by `_regrouped` — unless a family of that name declares it
    owned: dict[str, str] = {}
    for name in metadata:
        for suffix in OWNED_SUFFIXES.get(types.get(name, ""), ("",)):
            owners.setdefault(name + suffix, set()).add(name)
            owned[name + suffix] = name
        if types.get(name) == "counter" and not name.endswith("_total"):  # takes `x_total` back (`_regrouped`)
            owners.setdefault(name + "_total", set()).add(name)
            owned.setdefault(name + "_total", name)
    if all(_right_before_its_samples(lines, i, name, owned) for name, lines_of in metadata.items() for i in lines_of):
        return text  # each family's metadata right before its samples: most expositions, read without another pass
    samples: dict[str, list[int]] = {}  # family → the places of its samples among all samples
    place_of: list[int] = []  # each sample's line
    for i, line in enumerate(clock.each(lines)):
        if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
            continue
        name = _sample_name(line)
        if name in owned and len(owners[name]) == 1:
            samples.setdefault(owned[name], []).append(len(place_of))
        place_of.append(i)
    moved: dict[int, list[int]] = {}  # a family's first sample's line → the metadata lines moved before it
    for name, places in samples.items():
        first, lines_of = place_of[places[0]], metadata[name]
        split = places[-1] - places[0] + 1 != len(places)
        ambiguous = any(len(owners[name + suffix]) > 1 for suffix in OWNED_SUFFIXES.get(types.get(name, ""), ("",)))
        if split or ambiguous:
            continue
        # apart: one after its first sample, or before it a line not its own metadata, a comment or blank
        between = range(lines_of[0], first)
        if lines_of[-1] > first or any(i not in lines_of and lines[i].strip(" \t") and not _comment(lines[i])
                                       for i in between):
            moved[first] = lines_of
    if not moved:
        return text
    gone = {i for lines_of in moved.values() for i in lines_of}
    hoisted: list[str] = []
    for i, line in enumerate(lines):
        hoisted += [lines[j] for j in moved.get(i, ())]
        if i not in gone:
            hoisted.append(line)
    return "\n".join(hoisted)


def _commas_between_labels(text: str, clock: Clock = UNBOUNDED) -> str:
    """`text` with a comma between two labels of a sample's label set that only blanks, or nothing, keep apart
    (`q{a="1" b="2"}`): Prometheus reads them as two labels (LABEL_APART), the text parser refuses the line. The
    same `text` when there are none."""
    if not MAYBE_APART.search(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(clock.each(lines)):
        start = len(line) - len(line.lstrip(" \t"))
        if line.startswith("#", start) or not (labels := SAMPLE_TAIL.match(line, start)) or not labels[2]:
            continue
        lines[i] = line[:labels.start(2)] + _with_commas(labels[2]) + line[labels.end(2):]
    return "\n".join(lines)


def _with_commas(labels: str) -> str:
    """A label set with a comma after each label's value that a label name follows without one (LABEL_APART)."""
    return LABEL_APART.sub(lambda term: term[1] + "," if term[1] else term[0], labels)


def _right_before_its_samples(lines: list[str], at: int, family: str, owned: dict[str, str]) -> bool:
    """Whether the metadata line at `at` is followed, past its family's other metadata lines, comments and blanks, by
    a sample the text parser gives that family — and not preceded so by one (a `# TYPE` line among its samples)."""
    return (_next_sample_is_its(lines, range(at + 1, len(lines)), family, owned)
            and not _next_sample_is_its(lines, range(at - 1, -1, -1), family, owned))


def _next_sample_is_its(lines: list[str], where: range, family: str, owned: dict[str, str]) -> bool:
    """Whether the first line in `where` other than the family's own metadata lines, comments and blanks is a sample
    the text parser gives that family."""
    for i in where:
        line = lines[i]
        if not line.strip(" \t") or _comment(line):
            continue
        if (form := METADATA.fullmatch(line)) and _unquoted(form[2]) == family:
            continue
        return not line.lstrip(" \t").startswith("#") and owned.get(_sample_name(line)) == family
    return False


def _sample_name(line: str) -> str | None:
    """A sample line's name: plain, or quoted first in its label set (None: it names none)."""
    named = SAMPLE_NAME.match(line)
    return (named[1] or _unquoted(named[2])) if named else None


def _unquoted(name: str) -> str:
    """A name as the text parser reads it: a quoted one less its quotes and escapes."""
    if not name.startswith('"'):
        return name
    return re.sub(r"\\(.)", lambda escape: "\n" if escape[1] == "n" else escape[1], name[1:-1])


def _comment(line: str) -> bool:
    """Whether the text parser reads `line` as a comment: a `#` line whose second word is no HELP or TYPE (a bare
    `# HELP` starts a family of no name to it)."""
    return line.lstrip().startswith("#") and line.split(maxsplit=2)[1:2] not in (["HELP"], ["TYPE"])


def _help_apart(families: list) -> list:
    """The families less those the text parser made of a `# HELP` line alone, apart from its family's samples (all
    HELP lines first, or one after another family): Prometheus reads it as the family's metadata wherever it stands,
    so it splits no family in two groups. Narrow on purpose: a family with no sample, no type and a help text, whose
    name another family has (or, `x_total`, a counter `x`); one split by another family's samples is still two."""
    def help_alone(family) -> bool:
        return not family.samples and family.type == "unknown" and bool(family.documentation)

    names = {family.name for family in families if not help_alone(family)}
    counters = {family.name for family in families if family.type == "counter"}
    return [family for family in families
            if not (help_alone(family) and (family.name in names or family.name.removesuffix("_total") in counters))]


def _regrouped(families: list, declared: list[tuple[str, str, str]]) -> tuple[list, set[int]]:
    """The families as Prometheus groups a text exposition's samples, and the ids of the counters regrouped.

    The parser keeps a counter declared `x` to samples named `x`: each `x_total` sample after its `# TYPE` line
    (written plain or quoted) it splits off as a family of its own, typed unknown, and leaves the counter empty;
    Prometheus reads them as the counter's series. Narrow on purpose: only a counter left empty takes back the
    samples split off right after it, not an `x_total` with a `# TYPE` line or a help text of its own."""
    typed = {name for name, _, _ in declared}
    kept: list = []
    regrouped: set[int] = set()
    counter = None
    for family in families:
        if (counter is not None and family.type == "unknown" and family.name == counter.name + "_total"
                and family.name not in typed and not family.documentation):
            counter.samples += family.samples
            regrouped.add(id(counter))
            continue
        counter = family if family.type == "counter" and not family.samples else None
        kept.append(family)
    return kept, regrouped


def _identity(sample, name: str | None = None) -> tuple:
    """A series as Prometheus tells series apart: its name (`name` when the parser renamed it) and labels, in any
    order; a label with an empty value is no label (`x{a=""}` is `x`)."""
    return name or sample.name, _label_set(sample)


def _label_set(sample, *leaving: str) -> tuple:
    """Its labels as Prometheus stores them (one with an empty value is none), less `leaving` (a bucket's `le`)."""
    return tuple(sorted((k, v) for k, v in sample.labels.items() if v != "" and k not in leaving))


def _twice(text: str, clock: Clock = UNBOUNDED) -> str:
    """The first series an OpenMetrics exposition gives twice, named as in messages ("" if it cannot be named); read
    within the parse's deadline (a second pass over every sample)."""
    try:
        parse_sample = load("prometheus_client.openmetrics.parser")._parse_sample  # only to name it
        seen = set()
        for line in clock.each(text.split("\n")):
            if line and not line.startswith("#"):
                sample = parse_sample(line)
                series = _identity(sample)
                if series in seen:
                    return _series(sample)
                seen.add(series)
    except SlowParse:
        raise
    except Exception:  # a private helper of the parser: the verdict never depends on it
        pass
    return ""


@functools.cache
def openmetrics_parser() -> ModuleType:
    """prometheus_client's OpenMetrics parser, a copy of our own in which the spec's rules on signs, which Prometheus's
    OpenMetrics parser never applies (it ingests a negative `_sum`, quantile or counter), are left to the family's
    own, as in the text format, whose parser has none: a negative value is shown to it as 0 (`_signed` gives it
    back), and its histogram check sees the buckets alone — a `_count` and `_sum` are the family's to judge, per label
    set; OpenMetrics wants no `_sum` beside a negative bucket, where client_golang writes one, and its parser a `_sum`
    beside any `_count`, where prometheus_client writes none. A helper a later parser lacks is left unrelaxed."""
    parser = load_copy("prometheus_client.openmetrics.parser")
    if read_sample := getattr(parser, "_parse_sample", None):
        class Unsigned(parser.Sample):
            """A sample whose negative value the parser is shown as 0; `signed` is the sample as written."""

        def unsigned(line: str):
            sample = read_sample(line)
            if not isinstance(sample.value, (int, float)) or not sample.value < 0:  # NaN is no negative
                return sample
            shown = Unsigned(*sample._replace(value=0))  # 0: its buckets as cumulative as they were
            shown.signed = sample
            return shown
        parser._parse_sample = unsigned
    if check_histogram := getattr(parser, "_check_histogram", None):
        parser._check_histogram = lambda samples, name: check_histogram(
            [sample for sample in samples if sample.name == name + "_bucket"], name)
    return parser


def _signed(families: list, clock: Clock = UNBOUNDED) -> None:
    """The samples `openmetrics_parser` read with their own values, negative ones too."""
    for family in families:
        family.samples = [getattr(sample, "signed", sample) for sample in clock.each(family.samples)]


def required_series(family, clock: Clock = UNBOUNDED) -> tuple[str, ...]:
    """The parts (REQUIRED_SERIES) a family of its type must have, in some label set: a histogram with a negative
    bucket bound has none but its buckets and `_count` (OpenMetrics wants no `_sum` there, its sum being no counter;
    prometheus_client writes none, in either format) — each other label set still has its `_sum` (`incomplete`)."""
    required = REQUIRED_SERIES.get(family.type, ())
    if family.type == "histogram" and any(_below_zero(sample, family) for sample in clock.each(family.samples)):
        return tuple(part for part in required if part != "_sum")
    return required


def _below_zero(sample, family) -> bool:
    """Whether `sample` is a histogram's bucket whose bound, as Prometheus reads it, is negative."""
    if sample.name != family.name + "_bucket":
        return False
    bound = _go_float(sample.labels.get("le", ""))
    return bound is not None and bound < 0


def incomplete(family, clock: Clock = UNBOUNDED) -> list[str]:
    """Per label set of a histogram or summary: the parts it lacks (`_bucket`, `_count`, `_sum`). One label set
    measured whole says nothing of another that has buckets but no count."""
    required = REQUIRED_SERIES.get(family.type)
    if not required:
        return []
    groups: dict[tuple, set[str]] = {}
    unsummed = set()  # label sets with a negative bucket bound: no `_sum` needed (`required_series`)
    for sample in clock.each(family.samples):
        part = sample.name[len(family.name):]  # "" for a summary's quantile, which is optional
        # a bucket less its `le`, a quantile less its `quantile`: a label so named elsewhere is a label like any
        bounded, bound = BOUNDS[family.type][:2] if family.type in BOUNDS else (None, None)
        labels = _label_set(sample, bound) if part == bounded else _label_set(sample)
        groups.setdefault(labels, set()).add(part)
        if family.type == "histogram" and _below_zero(sample, family):
            unsummed.add(labels)
    lacking = []
    for labels, parts in groups.items():
        needed = [part for part in required if part not in parts and not (part == "_sum" and labels in unsummed)]
        if missing := [family.name + part for part in needed]:
            where = "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"
            lacking.append(cut(f"{where} lacks {', '.join(missing)}", 160))
    return lacking


def carriage_return(text: str, clock: Clock = UNBOUNDED) -> str:
    """The first line Prometheus refuses for the carriage return it ends in (CRLF line endings): a sample's value
    or a `# TYPE` line's type would end in it. Both parsers strip it and read on; Prometheus reads it as text only
    in a `# HELP` line or a comment."""
    if "\r" not in text:
        return ""
    for line in clock.each(text.split("\n")):
        if line.endswith("\r") and (TYPE_START.match(line) or not line.strip().startswith("#")):
            return (f"{cut(repr(line))}: the line ends in a carriage return (CRLF line endings), which Prometheus "
                    "refuses: end each line with \\n alone")
    return ""


def unskipped_space(text: str, clock: Clock = UNBOUNDED, *, openmetrics: bool = False) -> str:
    """The first sample line holding, outside its quoted label values, whitespace Prometheus's lexer does not skip
    (UNSKIPPED_SPACE): a form feed or a no-break space after a value makes it no float to Go's ParseFloat, and one
    at a line's start (a comment's too), between labels or after a timestamp matches no rule: the scrape is refused.
    The parser strips it and reads on. A comment or a help text may hold it past its `#`."""
    unskipped = UNSKIPPED_SPACE["openmetrics" if openmetrics else "text"]
    if not unskipped.search(text):
        return ""
    for number, line in enumerate(clock.each(text.split("\n")), start=1):
        if not unskipped.search(line) or line.lstrip(" \t").startswith("#"):
            continue
        if found := unskipped.search(QUOTED.sub('""', line)):
            apart = "one space alone" if openmetrics else "blanks and tabs alone"
            return (f"line {number}: {cut(repr(line))}: a {_space_name(found[0])} outside a label value, where "
                    f"Prometheus's lexer skips {apart} (between a sample's name, labels, value and timestamp): it "
                    "reads no number there, or no token at all, and refuses the scrape")
    return ""


def native_histogram(text: str, name: str) -> str:
    """Why an OpenMetrics exposition holding a native histogram written as text (`h {count:…}`, OpenMetrics 2.0's
    draft) is refused, its first such line named: the parser reads it, Prometheus's OpenMetrics parser reads
    `{count:…}` as a value, no number."""
    shown = next((line for line in text.split("\n") if NATIVE_HISTOGRAM.match(line)), name)
    return (f"{cut(shown)}: a native histogram written as text, which Prometheus's OpenMetrics parser does not "
            "read (it reads native histograms from protobuf scrapes alone): it refuses the scrape — expose the "
            "histogram's classic buckets (`_bucket`, `_count`, `_sum`)")


def misplaced_blank(text: str, clock: Clock = UNBOUNDED) -> str:
    """The first OpenMetrics sample line with a blank where openmetricslex.l has none (OPENMETRICS_BLANKS): in a
    label set or an exemplar's outside the quoted values (`{a="1", b="2"}`), or two where it reads one (`5  # {`).
    Its lexer reads no token there and the scrape is refused; the parser skips the blank and reads on."""
    for number, line in enumerate(clock.each(text.split("\n")), start=1):
        if line and not line.startswith("#") and not OPENMETRICS_BLANKS.fullmatch(line):
            return (f"line {number}: {cut(repr(line))}: a blank where OpenMetrics has none: its tokens are one space "
                    "apart (`name{labels} value [timestamp] [# {labels} value [timestamp]]`), with no blank in a label "
                    "set outside its quoted values — Prometheus's lexer reads no token there and refuses the scrape")
    return ""


def _space_name(char: str) -> str:
    name = SPACE_NAMES.get(char) or unicodedata.name(char, "information separator").lower()
    return f"{name} (U+{ord(char):04X})"


def nul_ends_input(text: str, clock: Clock = UNBOUNDED) -> str:
    """The first text-format line in which Prometheus reads a NUL byte as the end of the exposition: the scrape
    succeeds, and every sample after it is lost. The parser skips such a comment and reads on."""
    for number, line in enumerate(clock.each(text.split("\n")), start=1):
        if "\x00" in line and NUL_ENDS_INPUT.match(line):
            return (f"line {number}: {cut(repr(line))}: a NUL byte Prometheus's text parser reads as the end of the "
                    "exposition (at a line's start, or in a comment whose `#` no blank follows): it reads nothing "
                    "after it — remove the NUL byte")
    return ""


def declarations(text: str, clock: Clock = UNBOUNDED, *,
                 openmetrics: bool = False) -> tuple[list[tuple[str, str, str]], str]:
    """The `# TYPE` lines of an exposition, (name, type, line) in order, the name as the parser reads it (quoted or
    not); or the first `# TYPE` line whose type Prometheus refuses (`invalid_type`); or the first comment line the
    parser reads as a `# TYPE` or `# HELP` that Prometheus does not: its tokens apart by other whitespace than blanks
    and tabs, or `#x TYPE …`; or one neither reads. The parser splits a line on any whitespace; Prometheus reads such
    a line as a comment, or refuses it: the types judged would be the parser's alone. Only a line the regular forms
    do not match is read by the parser on its own: it costs."""
    declared = []
    for line in clock.each(text.split("\n")):
        if "TYPE" not in line and "HELP" not in line:  # a sample or a comment to both: most lines
            continue
        if not line.strip().startswith("#") or HELP_AS_WRITTEN.fullmatch(line):
            continue
        form = TYPE_DECLARATION.fullmatch(line)
        if TYPE_START.match(line) and (refused := invalid_type(line, form, openmetrics=openmetrics)):
            return [], refused
        if form and AS_WRITTEN.fullmatch(form[1]):  # most # TYPE lines: read alike by both, the name as written
            declared.append((form[1].strip('"'), form[2], line.strip(" \t")))
            continue
        try:
            family = _read_alone(line)
        except Exception:  # the parser refuses the line, and with it the exposition, without saying why
            return [], _unreadable(line)
        if family is None or HELP_DECLARATION.match(line):
            continue  # a comment to both, or a help
        if not form:
            return [], (f"{cut(repr(line))}: a # TYPE or # HELP line to prometheus_client, not to Prometheus: "
                        "separate its tokens by blanks or tabs")
        declared.append((_spelled(family, form[1]), form[2], line.strip(" \t")))
    return declared, ""


def invalid_type(line: str, form: re.Match | None, *, openmetrics: bool = False) -> str:
    """Why Prometheus refuses a `# TYPE` line for its type ("" when it reads one, or reads no name there: the parser
    then says why): what follows the name and one blank or tab (OpenMetrics: one space, and one between every part)
    is compared with the format's types exactly. The parser strips the blanks, and reads OpenMetrics types in the
    text format too."""
    if openmetrics and not (form := OPENMETRICS_TYPE.fullmatch(line)):
        return (f"{cut(repr(line))}: OpenMetrics reads `# TYPE name type`, the name plain or quoted, its parts one "
                "space apart (no tab, no blank before the `#`): Prometheus refuses the scrape")
    if form is None:
        return ""
    word, words = form[2], TYPE_WORDS["openmetrics" if openmetrics else "text"]
    if word in words:
        return ""
    if word.strip(" \t") in words:
        return (f"{cut(repr(line))}: Prometheus reads the type {cut(repr(word), 40)} — all that follows the name and "
                "one blank — and refuses the scrape (invalid metric type): one blank before the type, none after it")
    if word in TYPE_WORDS["openmetrics"]:
        return (f"{cut(repr(line))}: {word} is an OpenMetrics type, which Prometheus's text-format parser does not "
                f"know ({', '.join(words)}): it refuses the scrape — expose OpenMetrics "
                f"(Content-Type: {OPENMETRICS}), or another type")
    return (f"{cut(repr(line))}: Prometheus knows no metric type {cut(repr(word), 40)} ({', '.join(words)}) and "
            "refuses the scrape")


def _unreadable(line: str) -> str:
    """Why the parser refuses a `# TYPE` or `# HELP` line (it raises without a word), and what Prometheus expects."""
    kind = next((word for word in line.split() if word in DECLARATION_FORMS), "TYPE")
    return (f"{cut(repr(line))}: a # {kind} line prometheus_client cannot read: Prometheus expects "
            f"`{DECLARATION_FORMS[kind]}`, the name plain or quoted, its parts apart by blanks or tabs")


def _read_alone(line: str):
    """The family a comment line declares as the text parser reads it — quoted names, its whitespace — or None;
    it raises what the parser raises for a line it refuses."""
    return next(iter(load("prometheus_client.parser").text_string_to_metric_families(line)), None)


def _spelled(family, token: str) -> str:
    """The name a `# TYPE` line declares: the parser's reading of it, less the `_total` it drops from a counter."""
    dropped = family.type == "counter" and token.removesuffix('"').endswith("_total")
    return family.name + "_total" if dropped else family.name


def declared_twice(declared: list[tuple[str, str, str]]) -> str:
    """The first name with two `# TYPE` lines; the parser would merge or split them by their order. In the text
    format a name is the metric's (a gauge `x` and a counter `x_total` are two); OpenMetrics also forbids a family
    named as another's sample (`x_total` beside the counter `x`), which its parser refuses as a clashing name."""
    lines: dict[str, str] = {}
    for name, _, line in declared:
        if name in lines:
            return f"{cut(name)} declared twice ({lines[name]}; {cut(line)})"
        lines[name] = cut(line)
    return ""


def _bad_tail(text: str, *, openmetrics: bool, clock: Clock = UNBOUNDED) -> str:
    """The first sample line whose value Go's ParseFloat refuses where Python reads it — no ASCII number (`٣`, `５`),
    beyond float64's range, a NaN with a sign — an OpenMetrics exemplar's value alike; in the text format also one
    with more than a timestamp after its value, or a timestamp that is not int64 milliseconds in digits: the parser
    reads the first token as the value and the last as the timestamp, ignoring the rest (the OpenMetrics parser
    refuses these itself); one whose name before `{` Prometheus's lexer cannot read (`worker.queue.depth{…}`), which
    the text parser checks only without labels; and one whose labels open with a comma, which the text parser skips.
    Prometheus refuses the scrape."""
    all_ascii = text.isascii()  # then every value is
    for line in clock.each(text.split("\n")):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, labels, tail = SAMPLE_TAIL.match(line).groups()
        if name and not METRIC_NAME.fullmatch(name):  # the text parser checks it only where no `{` follows
            return (f"{cut(line)}: {cut(name, 40)} is no metric name Prometheus reads unquoted "
                    "([a-zA-Z_:][a-zA-Z0-9_:]*): it refuses the scrape — name it so, or quote it alone in its label "
                    'set (`{"name",…}`)')
        if labels and (refused := _bad_label_set(_with_commas(labels), named=bool(name))):
            return f"{cut(line)}: {refused}"
        value = VALUE.match(tail).group(1)
        if not all_ascii and not value.isascii():
            return f"{cut(line)}: the value {cut(ascii(value), 40)} is no ASCII number: Prometheus cannot read it"
        if refused := go_refuses(value):
            return f"{cut(line)}: the value {cut(value, 40)} is {refused}: Prometheus refuses the scrape"
        if openmetrics:
            if refused := _openmetrics_refuses(tail):
                return f"{cut(line)}: {refused}"
            continue
        tokens = tail.split()
        after = tokens[1:]  # tokens[0] is the value, which the parser judges
        if len(after) > 1:
            return f"{cut(line)}: {cut(' '.join(after), 60)} after the value: only a timestamp may follow it"
        if after and not (TIMESTAMP_MS.fullmatch(after[0]) and len(after[0]) < 20 and int(after[0]) <= INT64_MAX):
            return (f"{cut(line)}: the timestamp {cut(after[0], 40)} is not an integer of milliseconds written in "
                    "digits alone (int64): Prometheus reads no sign, point or exponent there")
    return ""


def _openmetrics_refuses(tail: str) -> str:
    """Why Prometheus refuses what follows an OpenMetrics sample's value where the parser reads it ("" when it reads
    it too): an exemplar's value Go's ParseFloat refuses, or a timestamp — the sample's or its exemplar's — it does
    not read as a number (openmetricsparse.go), which the parser reads with Python's int(): any Unicode digit (`١`,
    `１`), a sign after the point (`1700000000.+5`), digits beyond float64's range."""
    stamp = tail.partition(" # ")[0].split()[1:2]  # (its tokens are one space apart: `misplaced_blank`)
    exemplar = EXEMPLAR.search(tail)
    if exemplar and (refused := go_refuses(exemplar[1])):
        return f"the exemplar's value {cut(exemplar[1], 40)} is {refused}: Prometheus refuses the scrape"
    for what, stamp in (("the timestamp", stamp[0] if stamp else None),
                        ("the exemplar's timestamp", exemplar[2] if exemplar else None)):
        if stamp is not None and _go_timestamp(stamp) is None:
            return (f"{what} {cut(ascii(stamp), 80)} is no number Go's ParseFloat reads (seconds in ASCII digits, "
                    "a point and an exponent): Prometheus refuses the scrape")
    return ""


def _go_timestamp(text: str) -> float | None:
    """An OpenMetrics timestamp as Prometheus reads it (None: it refuses it): Go's ParseFloat, less the forms
    newer than Go 1.13 (openmetricsparse.go's parseFloat: no `p`, `P` or `_`). NaN and ±Inf the parser refuses."""
    return None if any(char in text for char in "pP_") else _go_float(text)


def _bad_label_set(labels: str, *, named: bool) -> str:
    """Why Prometheus refuses a sample's `{…}` that a parser of the client library reads ("" when it reads it
    too; `named`: a metric name stands before it): a comma first, an unquoted label name that is none (`k8s:ns`), a
    label without a value (`{queue=}`: the text parser skips it), or no metric name — `__name__`, plain or quoted, is
    a label to Prometheus (promparse.go's parseLVals): the name stands before `{` or is quoted alone in it."""
    if labels[1:].lstrip(" \t").startswith(","):  # the OpenMetrics parser refuses it itself
        return "a comma before the first label: Prometheus expects a label name after `{` and refuses the scrape"
    pairs = _label_pairs(labels)
    if bad := next((name for name, _, _ in pairs if name not in ("", '""') and not LABEL_NAME.fullmatch(name)), ""):
        return (f"{cut(bad, 40)} is no label name Prometheus reads unquoted ([a-zA-Z_][a-zA-Z0-9_]*): it refuses "
                "the scrape")
    if valueless := next((name for name, equals, value in pairs if equals and not value), ""):
        return (f"the label {cut(valueless, 40)} has no value: Prometheus expects a quoted value after `=` "
                '(`label=""` for none) and refuses the scrape')
    if not named and not any(name == '""' and not equals for name, equals, _ in pairs):
        return ("no metric name: Prometheus reads `__name__` in a label set as a label like any other, and "
                "refuses the scrape (metric name not set) — name the metric before `{`, or quoted alone in it "
                '(`{"name",…}`)')
    return ""


def _label_pairs(labels: str) -> list[tuple[str, str, str]]:
    """(name, `=` or "", value) of each comma-separated term of a sample's `{…}`, blanks stripped, each quoted string
    written `""` (a quoted name alone is the metric's name)."""
    pairs = []
    for term in QUOTED.sub('""', labels[1:-1]).split(","):
        name, equals, value = term.partition("=")
        pairs.append((name.strip(), equals, value.strip()))
    return pairs


def go_refuses(value: str) -> str:
    """Why Go's strconv.ParseFloat, which Prometheus reads a value with, refuses one Python reads ("" when it reads
    it too): a NaN with a sign (Go reads `nan` in any case, unsigned; Python any), or a number beyond float64's range
    (Go's ErrRange; Python reads it as ±Inf, or an integer of any size). What neither reads the parser refuses."""
    if PLAIN_VALUE.fullmatch(value) or GO_SPECIAL.fullmatch(value):
        return ""
    if value[:1] in ("+", "-") and value[1:].lower() == "nan":
        return "a NaN with a sign, which Go's ParseFloat refuses (NaN is written unsigned)"
    try:
        number = float(value)
    except ValueError:
        return ""
    return "beyond float64's range (Go's ParseFloat: value out of range)" if math.isinf(number) else ""


def bad_values(family, clock: Clock = UNBOUNDED, stamps: Stamps | None = None,
               unsure: list[str] | None = None) -> list[str]:
    """Samples whose values measure nothing, or that Prometheus drops for their own timestamp or no instant query
    sees (judged against `stamps`, the time of the scrape, when known), and (histograms) buckets that do not add up.
    A sample stale by this runner's clock but not by the target's is said in `unsure`: not judged."""
    bad = []
    for sample in clock.each(family.samples):
        if not _measures(family, sample):
            bad.append(f"{_series(sample)} is {_number(sample.value)}")
        elif stamps is not None and sample.timestamp is not None and (dropped := _dropped(sample, stamps.at)):
            bad.append(dropped)
        elif stamps is not None and sample.timestamp is not None and (stale := _stale(sample, stamps)):
            by_both, why = stale
            if by_both:
                bad.append(why)
            elif unsure is not None:
                unsure.append(why)
    if bad or family.type not in BOUNDS:
        return bad  # bounds are compared, and buckets added up, only when each sample measures something
    return _twin_bounds(family, clock) or (_uncumulative(family, clock) if family.type == "histogram" else [])


def _measures(family, sample) -> bool:
    value, part = _float64(sample.value), sample.name[len(family.name):]
    counting = family.type == "counter" or part in ("_count", "_bucket")
    if counting:
        return 0 <= value < math.inf  # NaN compares false
    if part == "_sum":
        return math.isfinite(value)
    if family.type == "summary":
        return True  # a quantile: NaN for a window without observations
    return not math.isnan(value)  # a gauge: ±Inf may be meant


def _dropped(sample, at: float) -> str:
    """Why Prometheus's TSDB drops a sample for its own timestamp, `at` the time of the scrape ("" if it keeps it)."""
    when = _seconds(sample)
    if when > at + AHEAD_S:
        return (f"{_series(sample)} is timestamped {_date(when)}, {_span(when - at)} after the scrape: Prometheus "
                f"drops a sample more than {AHEAD_S // 60} minutes ahead of its clock")
    if when < at - BEHIND_S:
        return (f"{_series(sample)} is timestamped {_date(when)}, {_span(at - when)} before the scrape: Prometheus "
                "drops a sample older than its head block takes (out of bounds: an hour, by default)")
    return ""


def _seconds(sample) -> float:
    """A sample's own timestamp in seconds (the text parser's milliseconds / 1000, or OpenMetrics' own): one of more
    digits than a float64 holds, which the OpenMetrics parser reads and Go refuses (`_bad_tail`), is ±Inf here."""
    try:
        return float(sample.timestamp)
    except OverflowError:
        return -math.inf if getattr(sample.timestamp, "sec", sample.timestamp) < 0 else math.inf


def _stale(sample, stamps: Stamps) -> tuple[bool, str] | None:
    """Whether a sample is older than the query lookback by this runner's clock (None: not) — and by the target's
    too, when its Date says: (True, why) when both clocks say so (or only this one is known); (False, why) when the
    target's says it is fresh. Prometheus judges it by its own clock, which this runner's stands for: where the two
    disagree by minutes, which one it agrees with is not seen here."""
    when, at = _seconds(sample), stamps.at
    if at - when <= stamps.lookback_s:
        return None
    unseen = (f"an instant query (an alert rule, a dashboard's latest value) looks back {_span(stamps.lookback_s)} "
              "(Prometheus's --query.lookback-delta; lookback_s says another), and a sample carrying its own timestamp "
              "is never marked stale")
    # the Date is cut to the second: the target's clock read up to a second later than it says
    if stamps.dated is None or stamps.dated + 1 - when > stamps.lookback_s:
        return True, (f"{_series(sample)} is timestamped {_date(when)}, {_span(at - when)} before the scrape: "
                      f"{unseen}: no instant query sees it")
    return False, (f"{_series(sample)} is timestamped {_date(when)}, {_span(at - when)} before the scrape by this "
                   f"runner's clock, but {_span(max(stamps.dated - when, 0))} before the target's own Date "
                   f"({_date(stamps.dated)}): the two clocks differ by {_span(abs(at - stamps.dated))}, and an instant "
                   f"query looks back {_span(stamps.lookback_s)} by Prometheus's, which is not seen here — set the "
                   "wrong clock right")


def _date(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):  # beyond the years a date is written in
        return f"{seconds:.4g} s after 1970"


def _span(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def _float64(value: int | float) -> float:
    """A value as Prometheus holds it: a float64. The parser gives an integer as a Python int, however large (one
    beyond float64's range, which Go refuses, makes the exposition malformed: here it must only not raise)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _go_float(text: str) -> float | None:
    """`text` read as Go's strconv.ParseFloat reads it (Prometheus reads `le` and `quantile` so), None where Go
    refuses it — where Python's float differs: blanks around it, digits that are not ASCII, a signed NaN, a number
    beyond float64's range (Python: ±Inf); and hexadecimal (`0x1p-2`), which Go reads and Python's float does not."""
    if GO_SPECIAL.fullmatch(text):
        return float(text)
    try:
        if GO_DECIMAL.fullmatch(text):
            number = float(text)
        elif GO_HEX.fullmatch(text):
            number = float.fromhex(text.replace("_", ""))
        else:
            return None
    except OverflowError:  # float.fromhex beyond float64's range
        return None
    return None if math.isinf(number) else number  # Go: value out of range


def _twin_bounds(family, clock: Clock = UNBOUNDED) -> list[str]:
    """Per label set, two buckets with one bound (`le="1"`, `le="1.0"`), or two quantiles with one rank. Prometheus 3
    writes such a label back as the float it reads: one series given twice, of which it keeps a sample by order;
    Prometheus 2 keeps both, and histogram_quantile adds up the counts of buckets with one bound — equal ones too."""
    part, label, kind = BOUNDS[family.type]
    first_of: dict[tuple, object] = {}
    twins = []
    for sample in clock.each(family.samples):
        if sample.name[len(family.name):] != part:
            continue
        read = _go_float(sample.labels.get(label, ""))
        if read is None:
            continue  # Prometheus keeps a bound Go cannot read as written: no twin (a bucket's is judged as such)
        # as written back: NaN one bound, 1e0 and 1 one, -0 and 0 one (Prometheus 3 writes both 0.0, 2 compares them)
        bound = _number(0.0 if read == 0 else read)
        first = first_of.setdefault((_label_set(sample, label), bound), sample)
        if first is not sample:
            twins.append(f"two {kind} for {label}={bound}: {_series(first)} {_number(first.value)} and "
                         f"{_series(sample)} {_number(sample.value)}")
    return twins


def _uncumulative(family, clock: Clock = UNBOUNDED) -> list[str]:
    """Per label set: buckets cumulative by `le`, the last `le="+Inf"`, and that one equal to `_count`."""
    groups: dict[tuple, dict] = {}
    bad = []
    for sample in clock.each(family.samples):
        labels = _label_set(sample, "le")
        group = groups.setdefault(labels, {"buckets": [], "count": None})
        if sample.name.endswith("_bucket"):
            if (bound := _go_float(sample.labels.get("le", ""))) is None:
                bad.append(f"{_series(sample)} has no numeric le")  # histogram_quantile skips it
            elif math.isnan(bound):  # a bound of no order: sorted among the others, it would keep them as written
                bad.append(f"{_series(sample)} has le NaN: a bucket's bound is a number or +Inf")
            else:
                group["buckets"].append((bound, sample))
        elif sample.name.endswith("_count"):
            group["count"] = sample
    for group in groups.values():
        buckets = sorted(group["buckets"], key=lambda bucket: bucket[0])
        for (_, lower), (_, upper) in zip(buckets, buckets[1:]):
            if _float64(upper.value) < _float64(lower.value):  # as Prometheus holds them, however spelled
                bad.append(f"{_series(upper)} {_number(upper.value)} < {_series(lower)} {_number(lower.value)}")
        if not buckets:
            continue  # judged as a missing _bucket series
        (top_le, top), count = buckets[-1], group["count"]
        if top_le != math.inf:
            bad.append(f'{_series(top)} is the last bucket: no le="+Inf"')
        elif count is not None and _float64(count.value) != _float64(top.value):
            bad.append(f"{_series(count)} {_number(count.value)} ≠ {_series(top)} {_number(top.value)}")
    return bad


def _series(sample) -> str:
    """The series as the exposition writes it: a label value's backslash, quote and line break escaped, so the
    target's text cannot add lines (a forged summary) or labels to what an item says."""
    labels = ",".join(f'{k}="{_escaped(v)}"' for k, v in sorted(sample.labels.items()))
    return cut(f"{sample.name}{{{labels}}}" if labels else sample.name, 120)


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: int | float) -> str:
    """As the exposition writes it: NaN, +Inf, -5 (an integer beyond float64's range, cut, and the +Inf it is)."""
    if isinstance(value, int):
        beyond = "" if math.isfinite(_float64(value)) else f": {_number(_float64(value))} as a float64"
        return cut(str(value), 20 if beyond else 40) + beyond
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value).removesuffix(".0")


def gather(target, checks) -> dict[str, dict]:
    # one scrape per URL and TLS setting: a service's verify_tls holds whatever other service shares its URL
    scrapes = {c.key: (target.url(c.params.service, c.params.path), target.verify_tls(c.params.service))
               for c in checks}
    unique = sorted(set(scrapes.values()), key=str)
    # the body's bytes: Prometheus reads them as UTF-8 whatever the charset says, and so must the judge
    # judged_by_status: a head whose body could not be read is kept, its status and codings judged (see `judge`)
    replies = dict(zip(unique, target.fetch_all([Probe("GET", url, SCRAPE_HEADERS, verify=verify,
                                                       body_limit=EXPOSITION_LIMIT, raw=True, judged_by_status=True,
                                                       coding_as_go=True)
                                                 for url, verify in unique]), strict=True))
    readings: dict[tuple, dict] = {}  # one parse per scrape and way of reading it
    facts = {}
    for check in checks:
        scrape, fallback, honored = scrapes[check.key], check.params.fallback_protocol, check.params.honor_timestamps
        reply = replies[scrape]
        reading = (scrape, protocol(reply, fallback), _lookback(check.params))
        # a sample's own timestamp is judged against the time its reply came, not the slowest scrape's
        at = reply.received_at if reply.received_at is not None else time.time()
        if reading not in readings:  # honor_timestamps: false, Prometheus stamps the samples itself: none is judged
            readings[reading] = _scraped(reply, fallback, at if honored else None, check.params.lookback_s)
        facts[check.key] = {"url": scrape[0], **readings[reading]}
    return facts


def _scraped(reply: Reply, fallback: str | None, at: float | None, lookback_s: float = LOOKBACK_S) -> dict:
    """A scrape's reply (its text as evidence shows it) and families, read within PARSE_S of its own."""
    shown = replace(reply, text=bytes(reply.content).decode("utf-8", "replace")) if reply.content else reply
    try:
        families, parse_error = read(reply, within=PARSE_S, fallback=fallback, at=at, lookback_s=lookback_s)
    except SlowParse:
        return {"reply": shown, "families": {}, "parse_error": "", "slow_s": PARSE_S}
    except LongLine as long:
        return {"reply": shown, "families": {}, "parse_error": "", "long_line": (long.number, long.length)}
    return {"reply": shown, "families": families, "parse_error": parse_error}


def _coding_said(reply: Reply) -> str:
    """Why the body was parsed as it came though a Content-Encoding named a coding ("" when none did): Prometheus
    decodes gzip alone, where the first Content-Encoding says exactly that (Go's Header.Get), and reads any other
    body as it came — a plain exposition under `deflate` or `UTF-8` is scraped, a compressed one is not."""
    first = reply.header("content-encoding")  # the first value sent, as Go reads it
    said = next((value for name, value in reply.headers.items() if name.lower() == "content-encoding"), "")
    if first == "gzip" or not said:
        return ""
    if "content-encoding" in reply.first_values and "gzip" in said.lower():
        return (f" (Content-Encoding sent more than once: Prometheus reads the first, {cut(first, 40)!r}, and parses "
                "the body as it came)")
    if first.strip().lower() in ("", "identity"):
        return ""
    return f" (Content-Encoding {cut(first, 40)}: Prometheus decodes gzip alone and parses any other body as it came)"


def lookup(families: dict[str, dict], name: str, wanted: str) -> tuple[str, dict] | None:
    """The parser drops `_total` from a counter's family name; accept either spelling, the one of the wanted type
    first (asked for the counter `x`, the counter `x_total` answers, not a gauge `x` beside it)."""
    candidates = [name]
    if wanted == "counter":
        candidates += [name[: -len("_total")]] if name.endswith("_total") else [f"{name}_total"]
    present = [candidate for candidate in candidates if candidate in families]
    present.sort(key=lambda candidate: families[candidate]["type"] != wanted)  # stable: the name as asked next
    return (present[0], families[present[0]]) if present else None


def judge(check, facts) -> Outcome:
    p: Params = check.params
    scrape = facts[check.key]
    reply: Reply = scrape["reply"]
    expected = f"GET {p.path} exposes " + ", ".join(f"{name} ({kind})" for name, kind in p.families.items())
    evidence = describe_reply(scrape["url"], "GET", reply, read_limit=EXPOSITION_LIMIT)
    if reply.status is None:  # no HTTP answer: not checked
        return error(f"could not look: no answer from {p.service}: {reply.failure}", **evidence)
    if reply.status in FOLLOWED and (to := redirected_to(reply)):  # Prometheus would scrape where it leads
        return error(f"could not look: {p.service} answered {reply.status} (to {to}), a redirect Prometheus follows"
                     " unless its scrape config sets follow_redirects: false, and opsverify never does; give the item"
                     " the path it leads to", **evidence)
    if reply.status != 200:
        return failed(expected, f"status {reply.status}", **evidence)
    if reply.undecodable:  # the bytes came, and are no gzip: Go's gzip reader fails this scrape every time
        return failed(expected, f"Content-Encoding gzip, but the body is no gzip stream ({cut(reply.undecodable)}): "
                      "Prometheus's gzip reader refuses it and the scrape fails (up == 0) — send the body gzipped, "
                      "or without that header", **evidence)
    if reply.failure:  # the head came, the body did not come whole: nothing to judge
        return error(f"could not look: {p.service} answered 200, but {reply.failure}", **evidence)
    read_as = protocol(reply, p.fallback_protocol)
    if read_as is None:  # Prometheus 3 refuses the scrape before reading a byte of it
        said = content_type(reply).strip()
        seen = f"Content-Type {cut(said)}" if said else "no Content-Type"
        unless = ("unless its scrape config sets fallback_scrape_protocol (say which with fallback_protocol: text "
                  "or openmetrics)")
        if said and (why := media_type(said)[1]):
            return failed(expected, f"{seen}: Prometheus 3 cannot parse it (Go's mime.ParseMediaType: {why}) and "
                          f"refuses the scrape, {unless}", **evidence)
        return failed(expected, f"{seen}: Prometheus 3 reads text/plain, application/openmetrics-text or protobuf "
                      f"and refuses the scrape otherwise, {unless}", **evidence)
    if read_as == "protobuf":
        return error("could not look: the exposition is protobuf (application/vnd.google.protobuf), which "
                     "opsverify does not read: it asks for the text formats, as Prometheus does by default", **evidence)
    if reply.truncated:
        return error(f"could not look: exposition larger than {EXPOSITION_LIMIT} bytes; not parsed", **evidence)
    if "slow_s" in scrape:  # the reply came whole: the time past the bound is the parse's, ours
        return error(f"could not look: reading the exposition took longer than {scrape['slow_s']:g} s (opsverify's "
                     f"own parse; the target's reply came whole in {reply.elapsed_ms:.0f} ms): a machine this busy "
                     "cannot judge an exposition this large in time", **evidence)
    if "long_line" in scrape:
        number, length = scrape["long_line"]
        return error(f"could not look: line {number} of the exposition is {length} characters long, longer than "
                     f"opsverify parses ({LINE_LIMIT}): not parsed (a label value that long is no metric's)", **evidence)
    if scrape["parse_error"]:
        return failed(expected, f"malformed exposition: {scrape['parse_error']}{_coding_said(reply)}", **evidence)
    families: dict[str, dict] = scrape["families"]
    problems, unsure, seen = [], [], {}
    for name, kind in p.families.items():
        match = lookup(families, name, kind)
        if match is None:
            problems.append(f"{name} missing")
            continue
        found_name, family = match
        seen[found_name] = family
        if family["type"] == kind and family.get("unsure"):  # stale by one clock of two: not judged
            unsure.append(f"{kind} {found_name}: {first_few(family['unsure'], 2)}")
        if family["type"] != kind:
            problems.append(f"{found_name} is typed {family['type']}, not {kind}")
        elif not family["samples"]:  # a `# TYPE` line alone: declared, never measured
            problems.append(f"{found_name} is declared but has no sample")
        elif missing := [s for s in family["required"] if s not in family["series"]]:
            problems.append(f"{kind} {found_name} lacks its {', '.join(found_name + s for s in missing)} series")
        elif family["incomplete"]:  # judged per label set: each one is a histogram (or summary) of its own
            problems.append(f"{kind} {found_name}: {first_few(family['incomplete'], 2)}")
        elif family["bad_values"]:  # a value that measures nothing is no measure
            problems.append(f"{kind} {found_name}: {first_few(family['bad_values'], 2)}")
    evidence = {**evidence, "families_exposed": len(families), "checked": seen}
    if problems:
        return failed(expected, "; ".join(problems), undecided=unsure, **evidence)
    if unsure:
        return error(f"could not look: {'; '.join(unsure)}", **evidence)
    return passed(expected, f"all {len(p.families)} present with their types ({len(families)} exposed)", **evidence)
