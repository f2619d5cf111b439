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


@pytest.mark.parametrize("js, loaded", [
    (b'import cfg from "./config.json" with { type: "json" };', "json"),
    (b'import cfg from"./config.json"with{type:"json"};', "json"),  # minified
    (b'import cfg from "./config.json" assert { type: "json" };', "json"),  # the older keyword
    (b'import cfg from "./config.json" with { "type": "json" };', "json"),
    (b"import cfg from './config.json' with /* attrs */ {type: 'json'};", "json"),
    (b'export { default as cfg } from "./config.json" with { type: "json" };', "json"),
    (b'import "./config.json" with { type: "json" };', "json"),
    (b'const cfg = await import("./config.json", { with: { type: "json" } });', "json"),
    (b'import("./config.json",{assert:{type:"json"}})', "json"),
    (b'import("./config.json", {"with": {"type": "json"}})', "json"),
    (b'import sheet from "./config.json" with { type: "css" };', "css"),
])
def test_an_import_that_says_json_or_css_names_what_it_loads(js, loaded):
    assert list(bundle.chunk_references(js, ASSET, "https://a.example/")) == [
        ("https://a.example/assets/config.json", True, loaded)]


@pytest.mark.parametrize("js", [
    b'import cfg from "./config.json";',  # no attributes: a JavaScript module, as today
    b'import cfg from "./config.json" with { type: "javascript" };',  # no type a browser loads
    b'new Worker("./config.json", { type: "module" });',
    b'import("./config.json", { type: "json" });',  # no `with`: not an import attribute
])
def test_an_import_without_json_or_css_attributes_names_a_script(js):
    assert list(bundle.chunk_references(js, ASSET, "https://a.example/")) == [
        ("https://a.example/assets/config.json", True)]


def test_a_module_script_named_both_ways_is_named_twice():
    js = b'import a from "./x.json" with { type: "json" }; import b from "./x.json";'
    assert list(bundle.chunk_references(js, ASSET, "https://a.example/")) == [
        ("https://a.example/assets/x.json", True, "json"), ("https://a.example/assets/x.json", True)]


BUILDLESS_PAGE = '<!doctype html><html><head><script type="module" src="/app.js"></script></head></html>'
BUILDLESS_APP = ('import cfg from "./config.json" with { type: "json" };\n'
                 'import sheet from "./style.css" with { type: "css" };\n'
                 'document.adoptedStyleSheets = [sheet];\nconsole.log(cfg.apiUrl);\n')


def _buildless(config: tuple[str, str] = ("application/json", '{"apiUrl": "https://api.example"}'),
               style: tuple[str, str] = ("text/css", "body { color: red; }"), app: str = BUILDLESS_APP):
    return walked_site({
        "/": ([("content-type", "text/html")], BUILDLESS_PAGE),
        "/app.js": ([("content-type", "text/javascript")], app),
        "/config.json": ([("content-type", config[0])], config[1]),
        "/style.css": ([("content-type", style[0])], style[1]),
    })


def test_json_and_css_modules_answered_with_their_types_pass():
    """The probe's buildless app: a browser loads both (and only with these types)."""
    outcome = _buildless()
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["scanned"] == ["/app.js", "/config.json", "/style.css"], outcome.evidence
    assert "incomplete" not in outcome.evidence


@pytest.mark.parametrize("kind", ["application/json", "text/json", "application/manifest+json; charset=utf-8"])
def test_a_json_module_is_answered_with_any_json_type(kind):
    outcome = _buildless(config=(kind, "{}"))
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_key_in_a_json_module_fails():
    outcome = _buildless(config=("application/json", f'{{"key": "{SERVICE}"}}'))
    assert outcome.status is Status.FAILED, outcome.observed
    assert " in /config.json" in outcome.observed


@pytest.mark.parametrize("config, style, wrong", [
    # what a browser refuses for a JSON or CSS module: not looked at, as any script answered so
    (("text/plain", "{}"), ("text/css", "a{}"),
     '/config.json: answered with content-type text/plain, not JSON (its import says {type: "json"})'),
    (("application/json", "{}"), ("text/plain", "a{}"),
     '/style.css: answered with content-type text/plain, not CSS (its import says {type: "css"})'),
    (("application/json", "{}"), ("application/json", "{}"),
     '/style.css: answered with content-type application/json, not CSS (its import says {type: "css"})'),
])
def test_a_json_or_css_module_answered_with_another_type_is_not_looked_at(config, style, wrong):
    outcome = _buildless(config=config, style=style)
    assert outcome.status is Status.ERROR, outcome.observed
    assert wrong in outcome.observed, outcome.observed


def test_json_imported_as_javascript_is_not_looked_at_as_today():
    """Without `with {type: "json"}` a browser loads a JavaScript module: a JSON answer is none."""
    outcome = _buildless(app='import cfg from "./config.json"; import "./style.css" with {type: "css"};')
    assert outcome.status is Status.ERROR, outcome.observed
    assert "/config.json: answered with content-type application/json, not JavaScript" in outcome.observed


def test_a_json_module_is_not_followed_as_code():
    """A JSON module imports nothing: a path in its strings is no import (not fetched, so no 404 to report)."""
    outcome = _buildless(config=("application/json", '{"entry": "/assets/missing.js"}'))
    assert outcome.status is Status.PASSED, outcome.observed
    assert "not_assets" not in outcome.evidence, outcome.evidence


def _classic(headers: list[tuple[str, str]], body: str = "window.app = {start: function () { return 1; }};",
             tag: str = '<script src="/legacy.js"></script>', more: dict | None = None):
    return walked_site({"/": ([("content-type", "text/html")], f"<!doctype html><html><head>{tag}</head></html>"),
                        "/legacy.js": (headers, body), **(more or {})})


@pytest.mark.parametrize("tag", ['<script src="/legacy.js"></script>', '<script type="" src="/legacy.js"></script>',
                                 '<script type=" text/javascript " src="/legacy.js"></script>',
                                 '<script type="application/ecmascript" src="/legacy.js"></script>',
                                 '<script language="javascript" src="/legacy.js"></script>',
                                 '<link rel="preload" as="script" href="/legacy.js">'
                                 '<script src="/legacy.js"></script>'])
@pytest.mark.parametrize("kind", ["text/plain", "application/json", "application/octet-stream", "text/html-not"])
def test_a_classic_script_a_browser_runs_whatever_its_type_is_scanned(tag, kind):
    """Browsers block a classic script only of an image, audio, video or CSV type, or — under nosniff — of one that
    is no JavaScript's; anything else runs."""
    outcome = _classic([("content-type", kind)], tag=tag)
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["scanned"] == ["/legacy.js"], outcome.evidence


def test_a_key_in_a_classic_script_sent_as_text_plain_fails():
    outcome = _classic([("content-type", "text/plain")], body=KEY_JS)
    assert outcome.status is Status.FAILED, outcome.observed
    assert " in /legacy.js" in outcome.observed and "incomplete" not in outcome.evidence, outcome.evidence


@pytest.mark.parametrize("headers, shown", [
    ([("content-type", "text/plain"), ("x-content-type-options", "nosniff")], "text/plain"),
    ([("content-type", "text/plain"), ("X-Content-Type-Options", "NoSniff, other")], "text/plain"),
    ([("content-type", "image/png")], "image/png"),
    ([("content-type", "video/mp4")], "video/mp4"),
    ([("content-type", "text/csv")], "text/csv"),
])
def test_a_classic_script_a_browser_blocks_is_not_looked_at(headers, shown):
    outcome = _classic(headers)
    assert outcome.status is Status.ERROR, outcome.observed
    assert f"/legacy.js: answered with content-type {shown}, not JavaScript" in outcome.observed, outcome.observed


@pytest.mark.parametrize("tag, more", [
    ('<script type="module" src="/legacy.js"></script>', None),  # a module script needs JavaScript's type
    ('<script type="text/plain" data-x src="/legacy.js"></script>', None),  # a data block: how it runs is unknown
    ('<svg><script href="/legacy.js"></script></svg>', None),
    # the same file imported as a module too: that import fails in a browser
    ('<script src="/legacy.js"></script><script type="module">import "/legacy.js";</script>', None),
])
def test_a_script_not_known_to_be_classic_is_judged_as_today(tag, more):
    outcome = _classic([("content-type", "text/plain")], tag=tag, more=more)
    assert outcome.status is Status.ERROR, outcome.observed
    assert "/legacy.js: answered with content-type text/plain, not JavaScript" in outcome.observed, outcome.observed


def test_what_a_classic_script_imports_is_followed():
    outcome = _classic([("content-type", "text/plain")], body='import("/assets/lazy.js");',
                       more={"/assets/lazy.js": ([("content-type", "text/javascript")], KEY_JS)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert " in /assets/lazy.js" in outcome.observed


@pytest.mark.parametrize("attributes, how", [
    ({}, "classic"), ({"type": ""}, "classic"), ({"type": "\tTEXT/JavaScript "}, "classic"),
    ({"language": ""}, "classic"), ({"language": "JavaScript1.2"}, "classic"),
    ({"type": "", "language": "vbscript"}, "classic"),  # the type decides
    ({"type": "module"}, "script"), ({"type": "MODULE"}, "script"),
    # a data block: never run as it stands (an app may make it a script of either kind)
    ({"type": "text/javascript; charset=utf-8"}, "script"), ({"type": "text/plain"}, "script"),
    ({"language": "vbscript"}, "script"),
])
def test_a_script_elements_type_says_whether_it_is_classic(attributes, how):
    assert bundle._script_type(attributes) == how


def test_an_xhtml_pages_classic_script_is_read_as_one():
    page = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><script src="/a.js"/>'
            '<script type="module" src="/m.js"/></head></html>')
    assert bundle._xml_links(page).found == [("/a.js", None, "classic"), ("/m.js", None, "script")]


def test_a_classic_script_preloaded_by_the_link_header_is_judged_as_the_classic_script():
    outcome = walked_site({
        "/": ([("content-type", "text/html"), ("link", "</legacy.js>; rel=preload; as=script")],
              '<script src="/legacy.js"></script>'),
        "/legacy.js": ([("content-type", "text/plain")], "window.a = 1;")})
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_script_only_preloaded_is_judged_as_today():
    outcome = walked_site({
        "/": ([("content-type", "text/html"), ("link", "</legacy.js>; rel=preload; as=script")], "<p>hi</p>"),
        "/legacy.js": ([("content-type", "text/plain")], "window.a = 1;")})
    assert outcome.status is Status.ERROR, outcome.observed
    assert "/legacy.js: answered with content-type text/plain, not JavaScript" in outcome.observed


# Express's `res.send(string)` answers `text/html`: a browser still runs a classic script sent so (Fetch blocks only
# image, audio, video and CSV types — or, under nosniff, any type that is no JavaScript's)
@pytest.mark.parametrize("body", [KEY_JS, "\ufeff \n" + KEY_JS])
def test_a_key_in_a_classic_script_sent_as_text_html_fails(body):
    outcome = _classic([("content-type", "text/html; charset=utf-8")], body=body)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /legacy.js") and "incomplete" not in outcome.evidence, outcome.evidence


def test_a_classic_script_sent_as_text_html_is_scanned_and_followed():
    outcome = _classic([("content-type", "text/html")], body='window.env={a:1};import("/assets/lazy.js");',
                       more={"/assets/lazy.js": ([("content-type", "text/javascript")], "console.log(1)")})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["scanned"] == ["/legacy.js", "/assets/lazy.js"], outcome.evidence


def test_a_classic_script_sent_as_text_html_under_nosniff_is_not_run():
    headers = [("content-type", "text/html"), ("x-content-type-options", "nosniff")]
    outcome = _classic(headers)
    assert outcome.status is Status.ERROR, outcome.observed
    assert ("/legacy.js: answered with content-type text/html, not JavaScript (sent with X-Content-Type-Options:"
            " nosniff, which makes a browser refuse a script of any other type)") in outcome.observed, outcome.observed
    # its bytes reach the browser all the same
    outcome = _classic(headers, body=KEY_JS)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.split("; and 1 could not be judged: ")[0].endswith(" in /legacy.js"), outcome.observed


def test_a_module_script_sent_as_text_html_is_no_javascript():
    """A module script needs JavaScript's type: a script's body sent `text/html` is no page, and no script a browser
    runs as a module either."""
    outcome = _classic([("content-type", "text/html")], tag='<script type="module" src="/legacy.js"></script>')
    assert outcome.status is Status.ERROR, outcome.observed
    assert "/legacy.js: answered with content-type text/html, not JavaScript" in outcome.observed, outcome.observed


LOADER_PAGE = ('<script>var s=document.createElement("script");s.src="/env.js";document.head.appendChild(s)</script>'
               '<script type="module" src="/assets/index-3f2a.js"></script>')


def _loaded(env: str) -> object:
    """The probe's app: the page's own loader code adds /env.js (a guess to the crawl), sent as Express sends it."""
    return walked_site({"/": ([("content-type", "text/html")], LOADER_PAGE),
                        "/assets/index-3f2a.js": ([("content-type", "application/javascript")], 'console.log("a");'),
                        "/env.js": ([("content-type", "text/html; charset=utf-8")], env)})


def test_a_key_in_a_guessed_script_sent_as_text_html_fails():
    outcome = _loaded(f'window.__env={{supabaseKey:"{SERVICE}"}};')
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /env.js"), outcome.observed


def test_a_guessed_script_sent_as_text_html_without_a_key_is_listed():
    outcome = _loaded("window.__env={a:1};")
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["not_assets"] == [
        "/env.js: answered with content-type text/html, not JavaScript: the script's path resolved to something"
        " else, or the server sends the script with another type"], outcome.evidence


def test_a_key_in_the_page_a_missing_script_is_answered_with_fails():
    """The fallback an SPA answers for a missing script is scanned too: a key in it is shipped."""
    page = '<!doctype html><html><script type="module" src="/main.js"></script></html>'
    fallback = f'\n<!doctype html><html><script>var k="{SERVICE}"</script></html>'
    outcome = walked_site({"/": ([("content-type", "text/html")], page),
                           "/main.js": ([("content-type", "text/html")], fallback)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.split("; and 1 could not be judged: ")[0].endswith(" in /main.js"), outcome.observed
    assert outcome.evidence["incomplete"] == ["/main.js: answered with an HTML page (content-type text/html), not a"
                                              " script: the script's path resolved to a page"], outcome.evidence
