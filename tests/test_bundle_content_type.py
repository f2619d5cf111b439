"""bundle: a script's answer is judged by the type a browser reads from it (Fetch's "extract a MIME type": the last
valid one of a repeated header) and by how the page or import loads it — a JSON or CSS module is answered with its
own type, a classic `<script src>` runs whatever is not an image, media or CSV (unless `nosniff`)."""

from __future__ import annotations

import pytest

from opsverify.families import bundle
from opsverify.outcome import Status
from opsverify.transports.http import Reply

from .test_bundle import KEY_JS, PAGE, SERVICE, walked_site

ASSET = "https://a.example/assets/index-0.js"


@pytest.mark.parametrize("value, essence", [
    ("text/javascript", "text/javascript"),
    ("Text/JavaScript ; charset=UTF-8", "text/javascript"),
    # the same header twice (the app's and a proxy's add_header), which the HTTP client joins with ", "
    ("text/javascript, text/javascript", "text/javascript"),
    ("a/b, c/d", "c/d"),
    ("text/javascript;charset=utf-8, text/html", "text/html"),
    ("text/html, text/javascript;charset=utf-8", "text/javascript"),
    # a comma inside a quoted parameter splits nothing (and an escaped quote does not end the string)
    ('text/javascript; x="a, text/html"', "text/javascript"),
    ('text/plain, text/javascript; x="a\\", text/html"', "text/javascript"),
    ('text/javascript; x="unterminated, text/html', "text/javascript"),
    # the last VALID one: a piece that is no MIME type, or */*, is passed over
    ("text/javascript, nonsense", "text/javascript"),
    ("text/javascript, */*", "text/javascript"),
    ("text/javascript, text/ html", "text/javascript"),
    ("text/javascript,", "text/javascript"),
    ("", ""),
    ("nonsense", ""),
    (" , ", ""),
    ("text /javascript", ""),
])
def test_a_content_type_is_read_as_a_browser_extracts_it(value, essence):
    assert bundle.mime_essence(value) == essence


def _take(headers: dict[str, str], body: str, loaded: str | None = None) -> bundle.Crawl:
    """A crawl that fetched /x answered so, named for certain (by an import that says how it loads it, if given)."""
    crawl = bundle.Crawl(PAGE, bundle.Params(service="app"))
    url = f"{PAGE}x"
    crawl.enqueue([(url, True, loaded) if loaded else (url, True)])
    crawl.take(url, Reply(200, 1, headers, content=body.encode()), certain=True)
    return crawl


@pytest.mark.parametrize("kind", ["text/javascript, text/javascript", "application/json, text/javascript",
                                  "text/javascript; charset=utf-8, application/javascript"])
def test_a_script_sent_with_its_type_twice_is_a_script(kind):
    crawl = _take({"content-type": kind}, "console.log(1)")
    assert crawl.scanned == ["/x"] and crawl.incomplete == [], (crawl.scanned, crawl.incomplete)


@pytest.mark.parametrize("kind", ["text/javascript, application/json", "text/javascript, text/html"])
def test_a_script_whose_last_type_is_no_javascript_is_not_scanned_as_one(kind):
    crawl = _take({"content-type": kind}, "console.log(1)")
    assert crawl.scanned == [] and len(crawl.incomplete) == 1, crawl.incomplete
    assert f"content-type {kind.split(', ')[1]}" in crawl.incomplete[0], crawl.incomplete


@pytest.mark.parametrize("kind", ["nonsense", "text/ javascript", "*/*"])
def test_a_content_type_a_browser_reads_no_type_from_is_no_scripts(kind):
    """Not sent untyped (whose body decides): a module script sent so is refused."""
    crawl = _take({"content-type": kind}, "console.log(1)")
    assert crawl.scanned == [] and len(crawl.incomplete) == 1, crawl.incomplete
    assert crawl.incomplete[0].startswith(f"/x: answered with a content-type that is no MIME type ({kind}), not"
                                          " JavaScript"), crawl.incomplete


def test_a_script_sent_twice_over_a_walk_passes():
    """The probe's site: the app and its proxy both send `Content-Type: text/javascript`."""
    page = '<!doctype html><html><head><script type="module" src="/app.js"></script></head></html>'
    outcome = walked_site({
        "/": ([("content-type", "text/html")], page),
        "/app.js": ([("content-type", "text/javascript"), ("content-type", "text/javascript")], 'console.log("hi");'),
    })
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["scanned"] == ["/app.js"]
