"""bundle: what a script names for certain is looked at — an import whatever its file's extension, a `data:`
script decoded in place — and what cannot be read is an error that shows none of it."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from opsverify.families import bundle
from opsverify.outcome import Status
from opsverify.secrets import fingerprint

from .test_bundle import ANON, KEY_JS, SERVICE, walked, walked_site

ASSET = "https://a.example/assets/index-0.js"
ENTRY = '<html><script type="module" src="/main.js"></script></html>'


def _refs(js: bytes) -> list[tuple[str, bool]]:
    return list(bundle.chunk_references(js, ASSET, "https://a.example/"))


def test_every_import_names_a_module_for_certain_whatever_its_extension():
    js = (b'const m=()=>import("./chunk-admin");import("../x.cjs?v=1");import"/side";export{a}from"./re.ts";'
          b'import b from "//a.example/lib";import("./ok.js")')
    assert _refs(js) == [("https://a.example/assets/chunk-admin", True), ("https://a.example/x.cjs?v=1", True),
                         ("https://a.example/side", True), ("https://a.example/assets/re.ts", True),
                         ("https://a.example/lib", True), ("https://a.example/assets/ok.js", True)]


def test_a_bare_specifier_or_a_template_import_is_no_path():
    """`import "react"` is an import map's or a bundler's name, no URL; a template literal's path is built at run
    time: neither is guessed at."""
    assert _refs(b'import"react";import{x}from"@scope/pkg";import(`./page-${name}`);const t="docs from app"') == []


@pytest.mark.parametrize("main, chunk", [
    ('const m=()=>import("./chunk-admin");', "/chunk-admin"),
    ('const m=()=>import("./chunk.cjs");', "/chunk.cjs"),
    ('export {k} from "/lib/keys";', "/lib/keys"),
])
def test_an_import_without_a_js_extension_is_fetched_and_scanned(main, chunk):
    outcome, _ = walked({"/": ENTRY, "/main.js": main, chunk: KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f"service_role key {outcome.evidence['keys'][0]['fingerprint']} in {chunk}")


def test_an_import_without_a_js_extension_that_is_not_there_is_not_looked_at():
    outcome, _ = walked({"/": ENTRY, "/main.js": 'import("./chunk-admin")'})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == "could not look at every script: /chunk-admin: 404"


def _base64_script(code: str) -> str:
    return f"data:text/javascript;base64,{base64.b64encode(code.encode()).decode()}"


@pytest.mark.parametrize("src", [
    _base64_script(KEY_JS),
    "data:text/javascript;charset=utf-8," + quote(KEY_JS),
    "data:application/javascript;BASE64," + " ".join(base64.b64encode(KEY_JS.encode()).decode()),  # spaces: ignored
    "data:," + quote(KEY_JS),
], ids=["base64", "percent-encoded", "base64-with-spaces", "no-type"])
def test_a_data_script_on_the_page_is_decoded_and_scanned(src):
    outcome, _ = walked({"/": f'<script src="{src}"></script><script src="/main.js"></script>', "/main.js": "1"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in data: script #1"), outcome.observed
    assert outcome.evidence["scanned"] == ["data: script #1", "/main.js"]
    shown = outcome.observed + json.dumps(outcome.evidence)
    assert src[:40] not in shown and "base64," not in shown.lower() and SERVICE[:20] not in shown


def test_a_data_script_without_a_key_passes_and_is_named_not_shown():
    src = _base64_script('import("/lazy.js");const a=1')
    outcome, _ = walked({"/": f'<link rel="modulepreload" href="{src}"><script src="/main.js"></script>',
                         "/main.js": "1", "/lazy.js": "2"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert sorted(outcome.evidence["scanned"]) == ["/lazy.js", "/main.js", "data: script #1"]
    assert src[20:60] not in outcome.observed + json.dumps(outcome.evidence)


@pytest.mark.parametrize("data", [
    _base64_script(KEY_JS),
    "data:text/javascript," + quote(f'import("{_base64_script(KEY_JS)}")', safe=""),  # nested: the inner one holds it
], ids=["base64", "nested"])
def test_a_data_module_a_script_imports_is_decoded_and_scanned(data):
    outcome, _ = walked({"/": ENTRY, "/main.js": f'import("{data}")'})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"service_role key {outcome.evidence['keys'][0]['fingerprint']} in data: script" \
        f" #{len(outcome.evidence['scanned']) - 1}", outcome.observed


@pytest.mark.parametrize("src", [
    "data:text/javascript;base64,Y29uc3Qgaz0i!!!notbase64",
    "data:text/javascript;base64,Y29uc3Qgaz0iZ",  # a length base64 cannot have
    "data:text/javascript;base64",  # no comma: no data at all
], ids=["not-base64", "cut-short", "no-comma"])
def test_a_data_script_that_cannot_be_decoded_is_an_error_that_shows_none_of_it(src):
    outcome, _ = walked({"/": f'<script src="{src}"></script><script src="/main.js"></script>', "/main.js": "1"})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look at every script: data: script #1: not decodable as a data:"
                                       " URL"), outcome.observed
    shown = outcome.observed + json.dumps(outcome.evidence)
    assert "Y29uc3Qgaz0i" not in shown and "text/javascript" not in shown


def test_data_scripts_count_against_max_assets_and_their_nesting_is_bounded():
    crawl = bundle.Crawl("https://a.example/", bundle.Params(service="app", max_assets=1))
    crawl.enqueue([(_base64_script("1"), True), (_base64_script("2"), True)])
    assert crawl.scanned == ["data: script #1"]
    assert crawl.incomplete == ["more than 1 scripts (max_assets); the rest not scanned: raise the item's max_assets"
                                " (at most 500)"]
    nested = KEY_JS
    for _ in range(bundle.MAX_ROUNDS + 1):
        nested = f'import("{_base64_script(nested)}")'
    crawl = bundle.Crawl("https://a.example/", bundle.Params(service="app"))
    crawl.enqueue(bundle.chunk_references(nested.encode(), "https://a.example/", "https://a.example/"))
    assert len(crawl.scanned) == bundle.MAX_ROUNDS and crawl.keys == []
    assert crawl.incomplete == [f"data: script #{bundle.MAX_ROUNDS + 1}: data: scripts nested deeper than"
                                f" {bundle.MAX_ROUNDS} levels not scanned"]


@pytest.mark.parametrize("page", [
    '<script src=" /main.js "></script>',
    '<script src="\t\n/main.js\r\n\x0c"></script>',
    '<link rel="modulepreload" href=" /main.js ">',
    '<link rel="preload" as="script" href="\n/main.js\n">',
    '<base href=" /app/ "><script src=" ../main.js "></script>',
], ids=["script-spaces", "script-blanks", "modulepreload", "preload", "with-base"])
def test_blanks_around_a_script_url_are_stripped_as_a_browser_does(page):
    """A browser's URL parser drops leading and trailing spaces and controls: `src=" /main.js "` loads /main.js,
    not /main.js%20."""
    outcome, _ = walked({"/": page, "/main.js": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /main.js"), outcome.observed


@pytest.mark.parametrize("site, where", [
    ({"/": '<html><script type="importmap">{"imports": {"admin": "/imap/admin"}}</script>'
           '<script type="module" src="/main.js"></script></html>',
      "/main.js": 'import("admin").then(m => m.go())', "/imap/admin": KEY_JS}, "/imap/admin"),  # an import map's
    ({"/": '<html><script type="importmap">{"scopes": {"/x/": {"a": "./scoped/a"}}}</script></html>',
      "/scoped/a": KEY_JS}, "/scoped/a"),
    ({"/": '<html><script src="/wk/app.js"></script></html>',
      "/wk/app.js": 'new Worker("/wk/worker", {type: "module"})', "/wk/worker": KEY_JS}, "/wk/worker"),
    ({"/": '<html><script src="/sw.js"></script></html>',
      "/sw.js": 'navigator.serviceWorker.register("/service-worker")', "/service-worker": KEY_JS}, "/service-worker"),
    ({"/": '<html><script src="/_next/static/chunks/main-app-1.js"></script><script>self.__next_f.push([1,"3:I[4521,'
           '[\\"931\\",\\"static/chunks/app/page-1.js\\"],\\"default\\"]"])</script></html>',
      "/_next/static/chunks/main-app-1.js": "self.a=1;", "/_next/static/chunks/app/page-1.js": KEY_JS},
     "/_next/static/chunks/app/page-1.js"),
], ids=["import-map", "import-map-scope", "module-worker", "service-worker", "json-escaped-path"])
def test_a_module_the_page_loads_by_another_name_is_scanned(site, where):
    """A bare import an import map on the page maps, a worker's script without an extension, a path inside JSON in a
    string (Next's flight data): each is a script the browser loads, and its key is shipped."""
    outcome, _ = walked(site)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f"in {where}"), outcome.observed


NEXT_14 = 'self.__next_f.push([1,"3:I[4521,[\\"931\\",\\"static/chunks/app/widget/page-1.js\\"],\\"default\\"]"])'
NEXT_13 = ('self.__next_f.push([1,"5:I{\\"id\\":\\"4521\\",\\"chunks\\":[\\"931:static/chunks/app/widget/page-1.js\\"],'
           '\\"name\\":\\"\\",\\"async\\":false}"])')


@pytest.mark.parametrize("flight", [NEXT_14, NEXT_13], ids=["next-14-15", "next-13"])
@pytest.mark.parametrize("route, prefix", [("/", "/_next/"), ("/widget/settings", "/_next/"),
                                           ("/widget/settings", "/shop-assets/_next/")],
                         ids=["root", "deep-route", "asset-prefix"])
def test_a_flight_chunk_loads_from_where_the_page_loads_its_chunks(flight, route, prefix):
    """Next's App Router names a page's client chunks only in its flight data, without a leading slash
    (`[\\"931\\",\\"static/chunks/app/page-….js\\"]`; Next 13: `\\"931:static/chunks/…\\"`): the browser loads
    them from webpack's publicPath (`/_next/`, or the app's assetPrefix before it), where the page loads its own
    `static/chunks/` — not from the page's folder."""
    chunk = f"{prefix}static/chunks/app/widget/page-1.js"
    outcome, _ = walked({route: f'<html><script src="{prefix}static/chunks/main-app-1.js" async></script>'
                                f'<script>{flight}</script></html>',
                         f"{prefix}static/chunks/main-app-1.js": "self.a=1;", chunk: KEY_JS}, path=route)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f"in {chunk}"), outcome.observed


# Next cuts its RSC stream at buffer boundaries, one push per piece: a chunk path may be split between two pushes,
# with another inline script (React's `$RC(…)`) between them
SPLIT_FLIGHT = ('<script>self.__next_f.push([1,"3:I[4521,[\\"931\\",\\"static/chunks/app/pa"])</script>'
                '<script>$RC("B:0","S:0")</script>'
                '<script>self.__next_f.push([1,"ge-1.js\\"],\\"default\\"]\\n"])</script>')


@pytest.mark.parametrize("flight", [SPLIT_FLIGHT, SPLIT_FLIGHT.replace("static/", "static\\u002f")],
                         ids=["cut-mid-path", "cut-with-an-escape"])
def test_a_flight_chunk_path_cut_between_two_pushes_is_read_whole(flight):
    """The browser joins every `self.__next_f.push([1,"…"])` string into one stream before reading it: a client
    chunk's path cut between two pushes is the path the browser loads."""
    chunk = "/_next/static/chunks/app/page-1.js"
    outcome, _ = walked({"/": f'<html><script src="/_next/static/chunks/main-app-1.js" async></script>{flight}</html>',
                         "/_next/static/chunks/main-app-1.js": "self.a=1;", chunk: KEY_JS})
    assert outcome.status is Status.FAILED, f"expected the key in {chunk} found, saw: {outcome.observed}"
    assert outcome.observed.endswith(f"in {chunk}"), outcome.observed


def _flight_pushes(row: str, cut: int) -> str:
    """`row` of Next's flight stream cut at `cut` into two `self.__next_f.push([1,"…"])` scripts, as React's Flight
    writer cuts its output wherever its buffer ends, with another inline script between them."""
    return "".join(f'<script>self.__next_f.push([1,{json.dumps(piece)}])</script>' + between
                   for piece, between in ((row[:cut], '<script>$RC("B:0","S:0")</script>'), (row[cut:], "")))


FLIGHT_PAGE = '<html><script src="/_next/static/chunks/main-app-1.js" async></script>{}</html>'


@pytest.mark.parametrize("at", [20, len(SERVICE) - 5, SERVICE.index(".") + 1], ids=["header", "signature", "dot"])
def test_a_key_cut_between_two_flight_pushes_fails_as_the_pages(at):
    """A server component passing the service_role key to a client component as a prop ships it in the page's
    flight data; cut between two pushes, no piece holds the whole key, but the browser joins them: it is shipped."""
    row = '4:["$","$L5",null,{"supabaseKey":"' + SERVICE + '","url":"https://abcdefghijklmnop.supabase.co"}]\n'
    cut = row.index(SERVICE) + at
    outcome, _ = walked({"/": FLIGHT_PAGE.format(_flight_pushes(row, cut)),
                         "/_next/static/chunks/main-app-1.js": "self.a=1;"})
    assert outcome.status is Status.FAILED, f"expected the key in the flight data found, saw: {outcome.observed}"
    whole = f"service_role key {fingerprint(SERVICE)} in / (the page's flight data)"
    # cut in its signature, the first piece is a JWT of its own (shorter): the page's, named too
    assert outcome.observed == whole if at != len(SERVICE) - 5 else whole in outcome.observed, outcome.observed
    assert SERVICE not in json.dumps(outcome.evidence) + outcome.observed


def test_a_key_whole_in_one_flight_push_is_named_once_as_the_pages():
    """A key one push holds whole is the page's, found there: the joined stream does not name it a second time."""
    row = '4:["$","$L5",null,{"supabaseKey":"' + SERVICE + '"}]\n'
    outcome, _ = walked({"/": FLIGHT_PAGE.format(_flight_pushes(row, len(row) - 3)),
                         "/_next/static/chunks/main-app-1.js": "self.a=1;"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"service_role key {fingerprint(SERVICE)} in /", outcome.observed


def test_an_anon_key_cut_between_flight_pushes_passes_and_is_counted_once():
    row = '4:["$","$L5",null,{"supabaseKey":"' + ANON + '"}]\n'
    outcome, _ = walked({"/": FLIGHT_PAGE.format(_flight_pushes(row, row.index(ANON) + 30)),
                         "/_next/static/chunks/main-app-1.js": "self.a=1;"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "1 script scanned, 1 JWT (role anon)", outcome.observed


@pytest.mark.parametrize("first", ['<script src="https://widget.example/_next/static/chunks/embed.js"></script>',
                                   '<script src="/static/chunks/polyfill.js"></script>'],
                         ids=["third-party-widget-first", "own-polyfill-first"])
def test_a_flight_chunk_is_tried_under_every_prefix_the_page_loads_its_folders_from(first):
    """A third party's Next widget, or a script of the app's own under another prefix, loading `static/chunks/`
    before the app's `/_next/` scripts: the flight chunk is tried under each prefix, the page's own origin's first
    (guesses: the ones not there are not_assets), and the one that is there is read."""
    chunk = "/_next/static/chunks/app/page-1.js"
    page = (f'<html>{first}<script src="/_next/static/chunks/main-app-1.js" async></script>'
            '<script>self.__next_f.push([1,"3:I[4521,[\\"931\\",\\"static/chunks/app/page-1.js\\"],\\"default\\"]"])'
            '</script></html>')
    outcome, _ = walked({"/": page, "/static/chunks/polyfill.js": "self.p=1;",
                         "/_next/static/chunks/main-app-1.js": "self.a=1;", chunk: KEY_JS},
                        third_party=["https://widget.example"])
    assert outcome.status is Status.FAILED, f"expected the key in {chunk} found, saw: {outcome.observed}"
    assert outcome.observed.endswith(f"in {chunk}"), outcome.observed


def test_a_flight_chunk_on_the_pages_cdn_is_named_where_the_browser_loads_it():
    """With assetPrefix on a CDN the page's scripts load from there, and so do its flight chunks: named on that
    origin (a check talks to its service only), not guessed at on the page's own."""
    page = ('<html><script src="https://cdn.example/_next/static/chunks/main-app-1.js"></script>'
            f'<script>{NEXT_14}</script></html>')
    outcome, _ = walked({"/": page}, third_party=["https://cdn.example"])
    assert outcome.evidence.get("named_elsewhere_not_imported") == [
        "https://cdn.example/_next/static/chunks/app/widget/page-1.js"], outcome.evidence
    assert "not_assets" not in outcome.evidence, outcome.evidence


def test_a_flight_path_no_page_script_shares_is_read_as_before():
    """No script of the page loads `static/chunks/`: the path is the page's base's, as a bare path in a page is."""
    page = f'<html><script src="/app.js"></script><script>{NEXT_14}</script></html>'
    outcome, _ = walked({"/": page, "/app.js": "self.a=1;", "/static/chunks/app/widget/page-1.js": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith("in /static/chunks/app/widget/page-1.js"), outcome.observed


def test_an_import_written_in_text_inside_a_string_is_no_script_the_page_must_have():
    """React Flight sends a code block's text escaped once: `import(\"/lib/heavy\")` there is text, not a load; fetched
    as a guess, its 404 fails nothing."""
    page = ('<html><script src="/main.js"></script><script>self.__next_f.push([1,"const m = await'
            ' import(\\"/lib/heavy\\"); import styles from \\"./page.module.css\\""])</script></html>')
    outcome, _ = walked({"/": page, "/main.js": "const a = 1;"})
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_key_written_with_a_character_reference_is_read_as_the_browser_reads_it():
    token = SERVICE.split(".")
    page = f'<html><div data-key="{token[0]}&#46;{token[1]}&#x2e;{token[2]}"></div></html>'
    outcome, _ = walked({"/": page})
    assert outcome.status is Status.FAILED and "service_role key" in outcome.observed, outcome.observed


# -- every script a browser downloads: Link headers, every importScripts argument, commented imports, workers by
# `new URL(…, import.meta.url)`, prefetched scripts -----------------------------------------------------------------
@pytest.mark.parametrize("page, scripts", [
    ('<link href=/js/about.2a5d.js rel=prefetch><link rel=prefetch href="/x.MJS?v=1"><link rel=prefetch as=""'
     ' href=/c.cjs#x>', ["/js/about.2a5d.js", "/x.MJS?v=1", "/c.cjs#x"]),
    ('<link rel=prefetch href=/img/a.png><link rel=prefetch href=/page><link rel=prefetch as=image href=/i.js>'
     '<link rel=preload href=/p.js>', []),  # no script's name; `as` names no script; a preload without `as`: none
    ('<link rel=preload as=worker href=/w><link rel=prefetch as=sharedworker href=/s>', ["/w", "/s"]),
], ids=["prefetch-of-a-script", "not-scripts", "worker-destinations"])
def test_a_prefetched_script_is_fetched_without_as_too(page, scripts):
    """`<link rel=prefetch href=x.js>` without `as` (Vue CLI writes it so) is downloaded by every browser; as are
    preloads and prefetches `as` a worker."""
    assert bundle.page_scripts(page) == scripts


def test_a_script_prefetched_without_as_is_scanned():
    outcome, _ = walked({"/": "<link href=/js/about.2a5d.js rel=prefetch><script src=/js/app.js></script>",
                         "/js/app.js": "1", "/js/about.2a5d.js": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /js/about.2a5d.js"), outcome.observed


HTML = ("content-type", "text/html")
JS = [("content-type", "application/javascript")]


def test_the_links_of_a_link_header_are_read_as_rfc_8288_writes_them():
    """Several links in one header (and several headers, joined by a comma), parameters quoted or not, a comma or a
    semicolon inside a quoted one, names in any case (the first of a name counts), a link that cannot be read
    skipped."""
    header = ('</assets/admin-3f2a.js>; rel=modulepreload, <k2.js> ;REL = "preload" ; title="a, b; c";as=script;'
              ' as=style, nonsense; rel=preload, </x.css>; rel=preload; as=style, <//cdn.example/y.js>;rel="prefetch"')
    assert bundle.header_links(header) == [
        ("/assets/admin-3f2a.js", {"rel": "modulepreload"}),
        ("k2.js", {"rel": "preload", "title": "a, b; c", "as": "script"}),
        ("/x.css", {"rel": "preload", "as": "style"}),
        ("//cdn.example/y.js", {"rel": "prefetch"}),
    ]
    assert bundle.header_links('<a.js>; title="say \\"hi\\"", <b.js>') == [("a.js", {"title": 'say "hi"'}),
                                                                          ("b.js", {})]


def test_a_script_the_pages_link_header_preloads_is_scanned():
    """A browser preloads what the page's `Link` header names (`rel=modulepreload`, `rel=preload; as=script`), each
    header and each link of one, a relative one against the page's URL (not its `<base href>`): a key in one was
    never fetched, and the item passed."""
    page = ([HTML, ("link", "</assets/admin-3f2a.js>; rel=modulepreload"),
             ("link", '<k2.js>; rel="preload"; as="script", </x.css>; rel=preload; as=style'),
             ("link", "<pf.mjs>; rel=prefetch")],
            '<base href="/elsewhere/"><script type="module" src="/assets/index.js"></script>')
    site = {"/app/": page, "/assets/index.js": (JS, "1"), "/assets/admin-3f2a.js": (JS, "2"),
            "/app/k2.js": (JS, "3"), "/app/pf.mjs": (JS, "4")}
    outcome = walked_site(site, "/app/")
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["scanned"] == ["/assets/admin-3f2a.js", "/app/k2.js", "/app/pf.mjs", "/assets/index.js"]
    for keyed in ("/assets/admin-3f2a.js", "/app/k2.js", "/app/pf.mjs"):
        outcome = walked_site({**site, keyed: (JS, KEY_JS)}, "/app/")
        assert outcome.status is Status.FAILED, (keyed, outcome.observed)
        assert outcome.observed.endswith(f" in {keyed}"), outcome.observed


def test_a_script_a_link_header_preloads_that_is_not_there_is_not_looked_at():
    outcome = walked_site({"/": ([HTML, ("link", "</gone.js>; rel=modulepreload")],
                                          '<script src="/main.js"></script>'), "/main.js": (JS, "1")})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == "could not look at every script: /gone.js: 404"


@pytest.mark.parametrize("js", [
    b'const Admin = () => import(/* webpackChunkName: "admin" */ "./admin");',
    b'import(\n// lazy\n"./admin")',
    b'import(/* webpackChunkName: "admin" */ /* webpackPrefetch: true */\n  // the panel\n  "./admin")',
    b'import a from/**/"./admin"',
    b'export * from // re-exported\n"./admin"',
    b'import/* side effect */"./admin"',
    b'new Worker(/* the worker */ "./admin")',
    b'navigator.serviceWorker/**/.register( // sw\n "./admin")',
])
def test_a_comment_between_an_import_and_its_path_hides_nothing(js):
    assert _refs(js) == [("https://a.example/assets/admin", True)]


def test_a_comment_holding_an_imports_own_words_keeps_each_scan_linear():
    """A comment that holds a word an import starts with (`import`, `from`, `new` …) is not skipped — so no import is
    looked for inside one another scanned through, which keeps the scan linear — and its import is not followed."""
    assert _refs(b'import(/* load from the server */ "./admin")') == []
    assert _refs(b'import(/* chunk: fromage, renew, _import */ "./admin")') == [("https://a.example/assets/admin",
                                                                                True)]


@pytest.mark.parametrize("unit", ["import/*", "import//", "import(/*import(//", "new Worker(new URL(/*",
                                  "importScripts('a',", 'importScripts("a",/*', "from/**/", "import(/*a*/\n",
                                  "new URL(/*", 'new URL("a",/*', 'new URL("a.js",import./*', "new URL(new URL("])
def test_commented_imports_cost_linear_time_on_the_worst_bytes(unit):
    """Bytes made of what an import with comments would retry on, at the size limit: a comment rescanned from every
    `import` in them would take hours. Measured as a ratio in one process, so a slow or loaded machine decides
    nothing: 16 times the bytes cost about 16 times the CPU (a rescan from each import, 256 times)."""
    import time

    def cpu_to_scan(size: int) -> float:
        js = (unit * (size // len(unit))).encode()
        start = time.process_time()
        for _ in bundle.chunk_references(js, ASSET, "https://a.example/"):
            pass
        return time.process_time() - start

    small = min(cpu_to_scan(bundle.MAX_ASSET_BYTES // 16) for _ in range(3))
    whole = cpu_to_scan(bundle.MAX_ASSET_BYTES)
    assert whole < 64 * max(small, 0.01), (unit, whole, small)


def test_every_argument_of_import_scripts_is_a_script_the_worker_loads():
    js = (b'importScripts("/lib/polyfills", \'/lib/admin\' , /* c */ "./c.js",\n"x.js");'
          b'importScripts(base + "/not-followed.js")')
    assert _refs(js) == [("https://a.example/lib/polyfills", True), ("https://a.example/lib/admin", True),
                         ("https://a.example/assets/c.js", True), ("https://a.example/x.js", True),
                         ("https://a.example/not-followed.js", False)]
    outcome, _ = walked({"/": '<script src="/main.js"></script>', "/main.js": 'new Worker("/worker.js")',
                         "/worker.js": 'importScripts("/lib/polyfills", "/lib/admin")', "/lib/polyfills": "1",
                         "/lib/admin": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /lib/admin"), outcome.observed


@pytest.mark.parametrize("js, url", [
    (b'const w = new Worker(new URL("./worker", import.meta.url), {type: "module"});', "/assets/worker"),
    (b'new SharedWorker(new URL("shared.js", import.meta.url))', "/assets/shared.js"),
    (b'navigator.serviceWorker.register(new URL("../sw", import.meta.url), {scope: "/"})', "/sw"),
    (b'new Worker(new URL(/* w */ "worker.mjs" , import . meta . url))', "/assets/worker.mjs"),
    (b'new Worker(new URL("/wk/worker", location.href))', "/wk/worker"),
])
def test_a_worker_named_by_new_url_is_resolved_against_the_scripts_own_url(js, url):
    """`new URL(path, import.meta.url)` is the path against the script's own URL, whatever its form (a bare
    `worker.mjs` too)."""
    assert _refs(js) == [(f"https://a.example{url}", True)]


def test_a_worker_named_by_new_url_is_scanned():
    outcome, _ = walked({"/": '<script type=module src=/main.js></script>',
                         "/main.js": 'const w = new Worker(new URL("./worker", import.meta.url), {type: "module"});',
                         "/worker": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /worker"), outcome.observed


@pytest.mark.parametrize("js, url", [
    (b'function W(e){return new Worker(""+new URL("worker-abc.js",import.meta.url).href,{type:"module"})}',
     "/assets/worker-abc.js"),  # Vite with a relative base
    (b'const u=new URL("worker-abc.js",import.meta.url);const w=new Worker(u,{type:"module"});',
     "/assets/worker-abc.js"),  # the URL kept in a variable
    (b'const m=await import(new URL("./admin-1.mjs",import.meta.url).href)', "/assets/admin-1.mjs"),
    (b'fetch(new URL(/* the entry */ "../lib/x.cjs?v=2" , import . meta . url))', "/lib/x.cjs?v=2"),
    (b'const u=new URL("sub/w.js",import.meta.url)', "/assets/sub/w.js"),  # a bare path: the script's, not the app's
])
def test_a_script_named_by_new_url_anywhere_is_the_scripts_own_urls_for_certain(js, url):
    """`new URL(path, import.meta.url)` is the path against the script's own URL wherever it stands — the JS runtime
    resolves it so, not only inside `new Worker(…)` — and a script file named so is one the build emitted beside the
    script (a worker, a chunk): certain."""
    assert _refs(js) == [(f"https://a.example{url}", True)]


@pytest.mark.parametrize("js, refs", [
    (b'const logo=new URL("./logo.svg",import.meta.url).href;new URL("data.json",import.meta.url)', []),
    (b'const u=new URL("./x.js",location.href)', [("https://a.example/assets/x.js", False)]),
    (b'const u=new URL("x.js",base)', [("https://a.example/x.js", False)]),
], ids=["an-asset-not-a-script", "against-the-page", "against-another-base"])
def test_a_url_built_on_another_base_or_naming_no_script_is_no_certain_script(js, refs):
    """An image or data file `new URL` names is no script: not fetched. A URL built on another base than the script's
    (`location.href`, a variable) is a string like any other: a guess, resolved as one."""
    assert _refs(js) == refs


@pytest.mark.parametrize("main", [
    'function W(e){return new Worker(""+new URL("worker-abc.js",import.meta.url).href,{type:"module",name:e?.name})}',
    'const u=new URL("worker-abc.js",import.meta.url);const w=new Worker(u,{type:"module"});',
], ids=["vite-relative-base", "url-in-a-variable"])
def test_a_worker_built_by_new_url_outside_new_worker_is_scanned_and_must_be_there(main):
    """The worker a Vite build loads (`/assets/worker-abc.js`, beside the script) is scanned; had it been resolved
    against the page, `/worker-abc.js` answered 404, was listed as no asset, and its key passed. Not there, it is a
    broken deploy: not looked at, an error — not listed as a guess."""
    page = '<html><script type="module" src="/assets/index-1a2b.js"></script></html>'
    outcome, _ = walked({"/": page, "/assets/index-1a2b.js": main, "/assets/worker-abc.js": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /assets/worker-abc.js"), outcome.observed
    outcome, _ = walked({"/": page, "/assets/index-1a2b.js": main})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == "could not look at every script: /assets/worker-abc.js: 404", outcome.observed


# -- a script the page names only in an attribute (a consent manager's or a lazy loader's `data-src`) ---------------
@pytest.mark.parametrize("tag, chunk", [
    ('<script type="text/plain" data-name="stats" data-src="/assets/stats-3f2a.js"></script>',
     "/assets/stats-3f2a.js"),  # Klaro
    ('<div data-main="assets/stats-3f2a.js"></div>', "/assets/stats-3f2a.js"),  # against the document's base
    ("<span data-config='{\"entry\": \"/assets/stats-3f2a.js?v=2\", \"size\": 3}'></span>",
     "/assets/stats-3f2a.js?v=2"),  # JSON in an attribute
    ('<base href="/assets/"><div data-lazy-script=" stats-3f2a.mjs "></div>', "/assets/stats-3f2a.mjs"),
], ids=["klaro-data-src", "data-main", "json-attribute", "under-a-base"])
def test_a_script_named_only_in_an_attribute_is_fetched_and_scanned(tag, chunk):
    """A loader turns `data-src` into a real `<script src>`: the browser downloads the file, so it is scanned (as a
    guess: no attribute name says it is loaded for certain)."""
    outcome, _ = walked({"/": f'<html><script src="/loader.js"></script>{tag}</html>', "/loader.js": "1",
                         chunk: KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f" in {chunk}"), outcome.observed


def test_a_script_an_attribute_names_that_is_not_there_is_a_guess():
    outcome, _ = walked({"/": '<html><script src="/main.js"></script><a href="/docs/example.js">an example</a>'
                              '<img src="/logo.svg" data-x="not a file"></html>', "/main.js": "1"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["not_assets"] == ["/docs/example.js: 404"]


def test_attribute_references_are_read_in_every_reading_of_the_page():
    links = bundle._script_links('<noscript><div data-src="/a.js"></div></noscript><template><i data-src="t.js">'
                                 '</i></template><p title="x.js y.js" data-s="/b.mjs?v=1"></p>')
    assert links.named == [("/b.mjs?v=1", None), ("t.js", None), ("/a.js", None)]


def test_an_xhtml_pages_attribute_references_are_read():
    page = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><div data-src="/assets/s.js"/></body></html>')
    assert bundle._xml_links(page).named == [("/assets/s.js", None)]


# -- a bare import the page's import map resolves is named for certain ------------------------------------------------
IMPORT_MAP_PAGE = ('<html><script type="importmap">{"imports": {"admin": "/assets/admin-3f2a.js", "lib/":'
                   ' "/vendor/lib/", "unused": "/assets/unused.js"}, "scopes": {"/legacy/": {"admin":'
                   ' "/legacy/admin-old.js"}}}</script><script type="module" src="/assets/index.js"></script></html>')


@pytest.mark.parametrize("index, missing", [
    ('import "admin"; console.log(1)', "/assets/admin-3f2a.js"),
    ('const m = () => import("admin")', "/assets/admin-3f2a.js"),
    ('import {x} from "lib/x.js"', "/vendor/lib/x.js"),  # a prefix the map maps
], ids=["side-effect", "dynamic", "prefix"])
def test_a_module_imported_through_the_import_map_that_is_not_there_is_not_looked_at(index, missing):
    """`import "admin"` loads what the map resolves it to: a module the app imports for certain; a 404 there is a
    broken deploy, not a guess listed as no asset."""
    outcome, _ = walked({"/": IMPORT_MAP_PAGE, "/assets/index.js": index, "/assets/unused.js": "1",
                         "/legacy/admin-old.js": "1", "/vendor/lib/": "1"})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == f"could not look at every script: {missing}: 404", outcome.observed


def test_an_import_map_entry_no_script_imports_stays_a_guess():
    outcome, _ = walked({"/": IMPORT_MAP_PAGE, "/assets/index.js": "console.log(1)", "/assets/admin-3f2a.js": "1",
                         "/vendor/lib/": "1"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert set(outcome.evidence["not_assets"]) == {"/assets/unused.js: 404", "/legacy/admin-old.js: 404"}


def test_an_import_map_resolves_a_bare_name_by_the_importing_scripts_scope():
    imports = bundle.ImportMap.of([('{"imports": {"a": "/a.js", "p/": "/p/"}, "scopes": {"/legacy/": {"a":'
                                    ' "/old/a.js", "p/x": "/old/x.js"}}}', "https://a.example/")])
    assert imports.resolve("a", "https://a.example/assets/i.js") == "https://a.example/a.js"
    assert imports.resolve("a", "https://a.example/legacy/i.js") == "https://a.example/old/a.js"
    assert imports.resolve("p/x", "https://a.example/legacy/i.js") == "https://a.example/old/x.js"
    assert imports.resolve("p/y/z.js", "https://a.example/legacy/i.js") == "https://a.example/p/y/z.js"
    assert imports.resolve("react", "https://a.example/i.js") is None


def test_import_map_scopes_written_twice_or_not_json_map_nothing_wrongly():
    page = "https://a.example/"
    imports = bundle.ImportMap.of([('{"scopes": {"/x/": {"a": "/1.js"}, "./x/": {"a": "/2.js"}}}', page),
                                   ("not json", page)])
    assert imports.resolve("a", "https://a.example/x/i.js") in ("https://a.example/1.js", "https://a.example/2.js")
    assert imports.resolve("a", "https://a.example/i.js") is None


@pytest.mark.parametrize("js, refs", [
    # a worklet's module is a URL whatever its extension, resolved against the document, as a guess (as a `.js`
    # file's name in code is)
    (b'CSS.paintWorklet.addModule("/paint")', [("https://a.example/paint", False)]),
    (b'await ctx.audioWorklet.addModule( \'worklets/noise\' );', [("https://a.example/worklets/noise", False)]),
    (b"CSS.layoutWorklet.addModule(`./masonry?v=2`)", [("https://a.example/masonry?v=2", False)]),
    (b'CSS.paintWorklet.addModule("/paint.js")', [("https://a.example/paint.js", False)]),  # once
    (b'CSS.paintWorklet.addModule(`/paint-${v}`);w.addModule(url)', []),  # built at run time
])
def test_a_worklets_module_is_followed_whatever_its_extension(js, refs):
    assert _refs(js) == refs


def test_a_key_in_a_worklets_module_fails():
    outcome, _ = walked({"/": ENTRY, "/main.js": 'CSS.paintWorklet.addModule("/paint");', "/paint": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(" in /paint"), outcome.observed
