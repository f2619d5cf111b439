"""bundle: no service-role key in the scripts a web app ships; the anon key is fine."""

from __future__ import annotations

import codecs
import json
import re
import zlib

import pytest

from opsverify_demo.services import supabase_key
from opsverify.checklist import Check, Severity
from opsverify.engine import message
from opsverify.families import bundle
from opsverify.outcome import Status
from opsverify.secrets import Redactor, fingerprint
from opsverify.transports.http import Probe, Reply, as_url_parser_reads, fetch_all

from .helpers import by_id, evaluate

ANON = supabase_key("test-secret-0123456789abcdef0123", "anon")
SERVICE = supabase_key("test-secret-0123456789abcdef0123", "service_role")
# what a pass says when no key of any kind was found
NO_KEY = "no key (JWT, Supabase API key, Stripe-form secret key, private key or symmetric JWK)"
PAGE = "https://bakery.example/"


def check(**params) -> Check:
    return Check("bakery-ops", "B1", "bundle-without-service-role", "Secrets & Config", "no service-role key",
                 "bundle", None, Severity.blocker, False, "", "", bundle.Params(service="app", **params))


def test_page_scripts():
    html = ('<html><head><script type="module" crossorigin src="/assets/index-1.js"></script>'
            '<link rel="modulepreload" href="/assets/vendor-2.js"><link rel="preload" as="script" href="/a/p.js">'
            '<link rel="stylesheet" href="/assets/index.css"><link rel="preload" as="font" href="/f.woff2">'
            '<script>window.inline = 1</script><script src="https://cdn.example/x.js"></script></head></html>')
    assert bundle.page_scripts(html) == ["/assets/index-1.js", "/assets/vendor-2.js", "/a/p.js",
                                         "https://cdn.example/x.js"]


@pytest.mark.parametrize("html, scripts", [
    # an attribute written twice: a browser keeps the first, the base's too
    ('<script src="/x.js" src="/ok.js"></script>', ["/x.js"]),
    # an SVG script's source is its href (SVG 2) or xlink:href; an HTML script's href is no source
    ('<svg><script href="/svg.js"></script></svg><script href="/not.js"></script>', ["/svg.js"]),
    ('<svg><script xlink:href="/svg.js"/></svg><svg/><script src="/after.js"></script>', ["/svg.js", "/after.js"]),
    # HTML ends a comment at `<!-->`, `<!--->` and `--!>` too: the script after it runs
    ('<!--><script src="/x.js"></script>-->', ["/x.js"]),
    ('<!---><script src="/x.js"></script>-->', ["/x.js"]),
    ('<!-- c --!><script src="/x.js"></script><!-- -->', ["/x.js"]),
    ('<!-- <script src="/hidden.js"></script> --><script src="/v.js"></script>', ["/v.js"]),
    # a prefetched or preloaded script is downloaded by every browser; `as` is read in any case
    ('<link rel="prefetch" as="script" href="/pf.js"><link rel="preload" as="Script" href="/pre.js">'
     '<link rel="prefetch" as="image" href="/i.png">', ["/pf.js", "/pre.js"]),
], ids=["duplicate-src", "svg-href", "svg-xlink-href", "abrupt-comment", "abrupt-comment-3", "comment-bang-end",
        "comment", "prefetch-preload"])
def test_page_scripts_are_the_ones_a_browser_loads(html, scripts):
    assert bundle.page_scripts(html) == scripts


def test_the_first_of_two_base_hrefs_is_the_base():
    links = bundle._script_links('<base href="/zz/" href="/"><script src="x.js"></script>')
    assert (links.base, links.found) == ("/zz/", [("x.js", "/zz/", "classic")])


# Where a browser builds the page otherwise than Python's HTMLParser read it, scripts it runs were never fetched:
# an `<svg>` a `<div>` closes (every later script read as an SVG one, its src skipped), a script in
# `<foreignObject>`, an end tag with attributes or a slash (`</style/>`, `</script x=1>`) that ends its element.
@pytest.mark.parametrize("page, scripts", [
    ('<script src="/clean.js"></script><svg class="logo"><path d="M0 0"></path><div>hi</div>'
     '<script src="/keyed.js"></script>', ["/clean.js", "/keyed.js"]),
    ('<svg><foreignObject><script src="/fo.js"></script></foreignObject><script href="/svg.js"></script></svg>',
     ["/fo.js", "/svg.js"]),
    ('<style>p {}</style/><script src="/after-style.js"></script>', ["/after-style.js"]),
    ('<script>a</script x=1><script src="/k5.js"></script>', ["/k5.js"]),
    ('<p><svg></p><script src=/k12.js></script>', ["/k12.js"]),
    ('<math><script src="/not-run.js"></script></math>', []),
    ('<![x y]><script src="/b.js"></script>', ["/b.js"]),  # markup HTMLParser raised on: read past, as a browser does
], ids=["svg-closed-by-div", "foreign-object", "style-end-slash", "script-end-attribute", "p-closes-svg",
        "not-run", "bogus-comment"])
def test_a_page_is_read_as_a_browser_builds_it(page, scripts):
    assert bundle.page_scripts(page) == scripts


# Where readings differ, each one's scripts are fetched: a browser that runs scripts reads <noscript> as text (the
# script after `<noscript><style></noscript>` runs), one that does not as markup; a template's scripts run when a
# declarative shadow root or the app puts them in the page. The probe's pages, each fetched by Chromium.
@pytest.mark.parametrize("page, scripts", [
    ('<head><noscript><style></noscript><script src="/k1.js"></script></style></noscript>'
     '<script src="/a.js"></script></head>', ["/k1.js", "/a.js"]),
    ('<body><script src="/a.js"></script><noscript><xmp></noscript><script src="/k2.js"></script></xmp></noscript>',
     ["/a.js", "/k2.js"]),
    ('<noscript><!--</noscript><script src="/k3.js"></script>--></noscript>', ["/k3.js"]),
    ('<noscript><textarea></noscript><script src="/k4.js"></script></textarea></noscript>', ["/k4.js"]),
    ('<noscript><script src="/ns.js"></script></noscript>', ["/ns.js"]),  # downloadable, named by the page
    ('<div><template shadowrootmode="open"><script src="/shadow.js"></script></template></div>', ["/shadow.js"]),
    ('<template><p><script src="/t.js"></script></p><template><script src="/tt.js"></script></template></template>',
     ["/t.js", "/tt.js"]),
], ids=["noscript-style", "noscript-xmp", "noscript-comment", "noscript-textarea", "in-noscript", "shadow-root",
        "templates"])
def test_the_scripts_of_every_reading_are_fetched(page, scripts):
    assert bundle.page_scripts(page) == scripts


def test_a_templates_base_sets_nothing_and_its_scripts_take_the_documents():
    links = bundle._script_links('<script src="a.js"></script><template><base href="/evil/"><script src="t.js">'
                                 '</script></template><base href="/app/">')
    assert (links.base, links.found) == ("/app/", [("a.js", None, "classic"), ("t.js", "/app/", "classic")])


def walked_site(files: dict[str, tuple[list[tuple[str, str]], str | bytes]], path: str = "/",
                elsewhere: tuple[list[tuple[str, str]], str] | None = None):
    """The item's outcome on a site serving `files` (path -> (headers, text or bytes)); 404 elsewhere, or `elsewhere`
    with 200 (an API catch-all)."""
    from http.server import BaseHTTPRequestHandler

    from .kit import handler_server, make_target

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):
            headers, text = files.get(self.path, elsewhere or ([("content-type", "text/plain")], ""))
            data = text if isinstance(text, bytes) else text.encode()
            self.send_response(200 if self.path in files or elsewhere else 404)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    with handler_server(Site) as base:
        target = make_target({"services": {"app": {"url": base}}})
        c = check(path=path)
        return bundle.judge(c, bundle.gather(target, [c]))


def _walked_typed(files: dict[str, tuple[str, str | bytes]]):
    """The item's outcome on a site serving `files` (path -> (content type, text or bytes)); 404 elsewhere."""
    return walked_site({path: ([("content-type", kind)], text) for path, (kind, text) in files.items()})


@pytest.mark.parametrize("page, script", [
    # the script's encoding from the page: its `charset` attribute, or the page's own (a classic script's fallback)
    (("text/html", '<script src="/a.js" charset="utf-16le"></script>'),
     ("application/javascript", f'const k="{SERVICE}";'.encode("utf-16-le"))),
    (("text/html; charset=utf-16le", '<script src="/a.js"></script>'.encode("utf-16-le")),
     ("application/javascript", f'const k="{SERVICE}";'.encode("utf-16-le"))),
    # WHATWG labels of UTF-16 Python does not know
    (("text/html", '<script src="/a.js"></script>'),
     ("application/javascript; charset=ucs-2", f'const k="{SERVICE}";'.encode("utf-16-le"))),
    (("text/html", '<script src="/a.js"></script>'),
     ("application/javascript; charset=unicodefffe", f'const k="{SERVICE}";'.encode("utf-16-be"))),
    # ISO-2022-JP: an escape back to ASCII inside the token, which its decoder skips
    (("text/html", '<script src="/a.js"></script>'),
     ("application/javascript; charset=iso-2022-jp",
      f'const k="{SERVICE[:60]}\x1b(B{SERVICE[60:]}";'.encode("ascii"))),
])
def test_a_key_in_a_reading_its_headers_do_not_name_is_found(page, script):
    """A browser reads a classic script by its BOM, its Content-Type's charset, its `charset` attribute, then the
    page's encoding, and knows WHATWG's labels: each of these shipped a service_role key the bytes as sent (a NUL
    between characters, an escape inside) and the script's own header hid — it passed. Bytes that hint at UTF-16,
    UTF-32 or ISO-2022-JP are read so too: a key in any reading is shipped."""
    outcome = _walked_typed({"/": page, "/a.js": script})
    assert outcome.status is Status.FAILED and "service_role key" in outcome.observed, outcome


XHTML = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>'
         '<script src="/assets/a.js"/><script src="/assets/key.js"/></head><body/></html>')


def test_a_page_served_as_xhtml_is_read_as_xml_too():
    """`<script src="a.js"/>` ends there in XML: the next script is one more, not the first one's text."""
    assert bundle.page_scripts(XHTML) == ["/assets/a.js"]  # HTML's reading alone
    assert [src for src, *_ in bundle._script_links(XHTML, xhtml=True).found] == ["/assets/a.js", "/assets/key.js"]


def test_an_xhtml_pages_script_preloads_and_scripts_before_a_break_are_read():
    """The XML reading takes script preloads too, and what comes before expat stops; the rest is not looked at (a
    browser's parser, of XML's fifth edition, may read on where expat stops: `<b⁰>` is a name to it)."""
    page = ('<html xmlns="http://www.w3.org/1999/xhtml"><head><script src="/x.js"/><link rel="modulepreload" '
            'href="/k.js"/><link rel="preload" as="script" href="/p.js"/><script src="/before.js"/><p></head>')
    links = bundle._script_links(page, xhtml=True)
    assert [src for src, *_ in links.found] == ["/x.js", "/k.js", "/p.js", "/before.js"]
    assert links.unread and "expat stops reading" in links.unread[0], links.unread
    hidden = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><p><b\u2070>x</b\u2070></p><textarea>'
              '<script src="/evil.js"></script></textarea></body></html>')
    assert bundle._xml_links(hidden).unread, "a page expat stops reading was read as if whole"


def test_a_script_within_a_script_keeps_each_ones_own_text():
    """A script nested in an inline script had thrown the outer one's code away (its import never followed)."""
    page = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><h:script xmlns:h="http://www.w3.org/1999/xhtml">'
            'import("/evil.js");<h:script>1</h:script>import("/evil2.js");</h:script></body></html>')
    assert sorted(code for _, code in bundle._xml_links(page).inline) == ['1', 'import("/evil.js");import("/evil2.js");']


def test_a_page_an_xslt_stylesheet_transforms_is_not_read_as_the_page_a_browser_runs():
    page = ('<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="/t.xsl"?><html xmlns="http://www.w3.org/1999/'
            'xhtml"><head><script src="/good.js"/></head></html>')
    assert any("XSLT stylesheet" in why for why in bundle._xml_links(page).unread)


def test_a_byte_order_mark_names_the_pages_encoding_over_its_header():
    """A UTF-8 mark with an ISO-8859-1 header: a browser reads UTF-8 (the mark dropped); the page had been decoded by
    the header, the mark read as `ï»¿`, and a healthy XHTML page became an error."""
    page = codecs.BOM_UTF8 + XHTML.encode()
    assert bundle._page_text(page, "iso-8859-1") == XHTML


def test_an_svg_scripts_href_is_read_before_its_xlink_href():
    page = ('<html xmlns="http://www.w3.org/1999/xhtml"><textarea><svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink"><script xlink:href="/good.js" href="/evil.js"/></svg>'
            '</textarea></html>')
    assert [src for src, *_ in bundle._xml_links(page).found] == ["/evil.js"]


HIDDEN = '<textarea><script src="/evil.js"></script></textarea>'
XHTML_DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                 '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">')


@pytest.mark.parametrize("page, scripts", [
    # an entity the DOCTYPE's external DTD may define: a browser goes on past it
    (f'<?xml version="1.0"?>{XHTML_DOCTYPE}<html xmlns="http://www.w3.org/1999/xhtml"><p>a&bogus;b</p>{HIDDEN}</html>',
     ["/evil.js"]),
    # a prefix no namespace binds: no XHTML element, and the reading goes on
    (f'<html xmlns="http://www.w3.org/1999/xhtml"><p><x:b>hi</x:b></p>{HIDDEN}</html>', ["/evil.js"]),
    # an SVG script's inline code is a script too: its imports are followed
    ('<html xmlns="http://www.w3.org/1999/xhtml"><textarea><svg xmlns="http://www.w3.org/2000/svg"><script>'
     'import("/evil-svg.js")</script></svg></textarea></html>', []),
    # scripts in a prefixed XHTML namespace, in an SVG page's foreignObject
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:l="http://www.w3.org/1999/'
     'xlink"><script l:href="/svg.js"/><foreignObject><h:textarea><h:script src="/h.js"></h:script></h:textarea>'
     '</foreignObject></svg>', ["/svg.js", "/h.js"]),
], ids=["undeclared-entity", "unbound-prefix", "svg-inline", "svg-page"])
def test_the_xml_reading_goes_on_where_a_browser_does(page, scripts):
    links = bundle._xml_links(page)
    assert [src for src, *_ in links.found] == scripts and not links.unread, links
    if not scripts:
        assert links.inline == [(None, 'import("/evil-svg.js")')], links.inline


@pytest.mark.parametrize("prolog", ['<?xml version="1.0"?><?xml-stylesheet href="/s.css" type="text/css"?>',
                                    '<!DOCTYPE html SYSTEM "about:legacy>compat" '])
def test_a_page_declaring_entities_is_not_read_however_its_prolog_is_written(prolog):
    """An entity named as HTML's (`nbsp`) holding markup: declared, the page is not read (it had been read with the
    page's own entity replaced by HTML's)."""
    doctype = ("" if "DOCTYPE" in prolog else "<!DOCTYPE html ") + \
        '[ <!ENTITY nbsp \'<script xmlns="http://www.w3.org/1999/xhtml" src="/evil.js"></script>\'> ]>'
    page = f'{prolog}{doctype}<html xmlns="http://www.w3.org/1999/xhtml"><p>a&nbsp;b</p></html>'
    assert bundle._xml_links(page).unread, bundle._xml_links(page)


def test_comments_before_the_root_cost_nothing_to_read():
    """A prolog of many comments had sent a regular expression backtracking for minutes (a healthy page, an error)."""
    page = '<?xml version="1.0"?>' + "<!-- generated -->\n" * 40 + '<html xmlns="http://www.w3.org/1999/xhtml">' + \
        '<script src="/a.js"/></html>'
    assert [src for src, *_ in bundle._xml_links(page).found] == ["/a.js"]


@pytest.mark.parametrize("kind", ["text/xml", "application/xml; charset=utf-8", "image/svg+xml"])
def test_a_page_served_as_xml_is_read_as_xhtml_too(kind):
    files = {"/": (kind, XHTML), "/assets/a.js": ("text/javascript", "console.log(1)"),
             "/assets/key.js": ("text/javascript", KEY_JS)}

    outcome = _walked_typed(files)
    assert outcome.status is Status.FAILED and "/assets/key.js" in outcome.observed, outcome


@pytest.mark.parametrize("page, status, seen", [
    (XHTML, Status.FAILED, "/assets/key.js"),
    (XHTML.replace("<?xml version=\"1.0\"?>", '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "x">]>'),
     Status.ERROR, "XHTML declaring entities"),
    # XHTML 1.0's DOCTYPE, whose entities a browser defines: `&nbsp;` had stopped the reading, silently
    (XHTML.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
                   'Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">').replace("<title>t</title>",
                                                                                          "<title>a&nbsp;b</title>"),
     Status.FAILED, "/assets/key.js"),
    # a comment or CDATA naming <!ENTITY declares nothing
    (XHTML.replace("<title>t</title>", "<title>t</title><!-- no <!ENTITY here -->"), Status.FAILED, "/assets/key.js"),
], ids=["xml-reading", "entities-not-read", "xhtml-doctype-entities", "entity-word-in-a-comment"])
def test_an_xhtml_page_end_to_end(page, status, seen):
    files = {"/": ("application/xhtml+xml", page), "/assets/a.js": ("text/javascript", "console.log(1)"),
             "/assets/key.js": ("text/javascript", KEY_JS)}

    outcome = _walked_typed(files)
    assert outcome.status is status, outcome.observed
    assert seen in outcome.observed


@pytest.mark.parametrize("manifest, chunk", [
    (b'self.__BUILD_MANIFEST={"/blog/[slug]":["static/chunks/pages/blog/%5Bslug%5D-1a2b.js"]};',
     "https://a.example/_next/static/chunks/pages/blog/%5Bslug%5D-1a2b.js"),
    (b'self.__BUILD_MANIFEST={"/login":["static/chunks/app/(auth)/login/page-12.js"]};',
     "https://a.example/_next/static/chunks/app/(auth)/login/page-12.js"),
    (b'self.__BUILD_MANIFEST={"/p":["static/chunks/pages/[...all]-3c.js"]};',
     "https://a.example/_next/static/chunks/pages/[...all]-3c.js"),
], ids=["dynamic-route", "route-group", "catch-all"])
def test_route_folders_in_chunk_paths_are_followed(manifest, chunk):
    """Next.js names a dynamic route's chunk after its folder: `[slug]` (written `%5Bslug%5D`), `(group)`."""
    assert list(bundle.chunk_references(manifest, "https://a.example/_next/static/abc/_buildManifest.js",
                                        "https://a.example/")) == [(chunk, True)]


def test_a_remix_route_module_is_followed():
    js = b'window.__remixManifest={"routes":{"r":{"module":"/build/routes/admin.$id-AB12.js"}}};'
    assert list(bundle.chunk_references(js, "https://a.example/build/manifest-1.js", "https://a.example/")) \
        == [("https://a.example/build/routes/admin.$id-AB12.js", False)]


def test_a_jwt_behind_a_header_like_piece_is_read():
    """`A.B.C.D` whose `A` reads as a JWT header: the key `B.C.D` is read all the same."""
    import base64

    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"abc"}').rstrip(b"=")
    found, _ = bundle.keys_in(b'var k="' + header + b"." + SERVICE.encode() + b'"')
    assert "service_role" in [key["role"] for key in found]


@pytest.mark.parametrize("text, roles", [
    (b'"Paste a key such as sb_secret_your_key_goes_here"', []),
    (b'placeholder="sb_secret_XXXXXXXXXXXXXXXXXXXX"', []),
    (b'k="sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"', ["service_role"]),
    (b'k="sb_secret_n7und0ugjktvk-uodkm0hg_xsvempvz"', ["service_role"]),  # lower case and digits: random enough
], ids=["words", "xs", "key", "lower-and-digits"])
def test_a_placeholder_of_one_kind_of_character_is_no_api_key(text, roles):
    assert [key["role"] for key in bundle.keys_in(text)[0]] == roles


def test_chunk_references_resolve_like_vite():
    js = b'import("./Admin-1.js");import"../lib/x.mjs";__vite__mapDeps(["assets/Queue-2.js"]);const s="a.json"'
    refs = list(bundle.chunk_references(js, "https://bakery.example/assets/index-0.js", PAGE))
    assert refs == [("https://bakery.example/assets/Admin-1.js", True), ("https://bakery.example/lib/x.mjs", True),
                    ("https://bakery.example/assets/Queue-2.js", True)]


def test_a_bare_reference_resolves_against_the_app_base_not_the_page():
    """Vite's preload list names `assets/x.js` from the base, wherever the page is; Next's build manifest names
    `static/chunks/…` from `/_next/`."""
    vite = b'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Admin-7.js"])))=>i.map(i=>d[i]);'
    assert list(bundle.chunk_references(vite, "https://a.example/assets/index-9.js",
                                        "https://a.example/app/dashboard")) == [("https://a.example/assets/Admin-7.js",
                                                                                 True)]
    manifest = b'self.__BUILD_MANIFEST={"/admin":["static/chunks/pages/admin-2.js"]};'
    assert list(bundle.chunk_references(manifest, "https://a.example/_next/static/abc/_buildManifest.js",
                                        "https://a.example/next/")) \
        == [("https://a.example/_next/static/chunks/pages/admin-2.js", True)]


def test_a_string_that_only_looks_like_a_file_is_a_guess_and_imports_take_a_query():
    js = b'const name="worker.js";import("/assets/lazy.js?v=3");import"./side.js?import";export*from"./re.mjs"'
    assert list(bundle.chunk_references(js, "https://a.example/assets/q.js", "https://a.example/")) == [
        ("https://a.example/worker.js", False), ("https://a.example/assets/lazy.js?v=3", True),
        ("https://a.example/assets/side.js?import", True), ("https://a.example/assets/re.mjs", True)]


def test_absolute_and_protocol_relative_references_are_resolved():
    js = (b'import("http://a.example/assets/Admin-1.js");import("//a.example/x.js");'
          b'import("https://cdn.other.example:8443/lib.mjs?v=2");const u="https://a.example/maybe.js"')
    assert list(bundle.chunk_references(js, "https://a.example/assets/index-0.js", "https://a.example/")) == [
        ("http://a.example/assets/Admin-1.js", True), ("https://a.example/x.js", True),
        ("https://cdn.other.example:8443/lib.mjs?v=2", True), ("https://a.example/maybe.js", False)]


def test_keys_in_reports_roles_and_fingerprints():
    text = f'const a="{ANON}",b=\'{SERVICE}\',c="eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24gYXQgYWxs.c2lnbmF0dXJlMTIz";'
    found, more = bundle.keys_in((text + ANON).encode())  # the same key twice is one key
    assert not more
    assert [(k["role"], k["decodable"]) for k in found] == [("anon", True), ("service_role", True), (None, False)]
    assert found[0]["fingerprint"] == fingerprint(ANON) and found[0]["issuer"] == "supabase"


def crawl(*, page_status: int = 200, keys=(), scanned=("/assets/index-1.js",), incomplete=(), **params) -> tuple:
    c = check(**params)
    fact = bundle.Crawl(PAGE, c.params)
    fact.page = Reply(page_status, 10, text="<html>")
    fact.scanned = list(scanned)
    fact.keys = [{"asset": asset, "role": role, "fingerprint": f"hmac:{i:08x}", "decodable": role is not None}
                 for i, (asset, role) in enumerate(keys)]
    fact.incomplete = list(incomplete)
    return c, {c.key: fact}


@pytest.mark.parametrize("kwargs, status, observed", [
    ({"keys": [("/assets/index-1.js", "anon")]}, Status.PASSED, "1 script scanned, 1 JWT (role anon)"),
    ({"keys": []}, Status.PASSED, "1 script scanned, " + NO_KEY),
    ({"keys": [("/assets/index-1.js", "anon"), ("/assets/Admin-2.js", "service_role")]}, Status.FAILED,
     "service_role key hmac:00000001 in /assets/Admin-2.js"),
    ({"keys": [("/assets/a.js", "authenticated")], "forbidden_roles": ["service_role", "authenticated"]},
     Status.FAILED, "authenticated key hmac:00000000 in /assets/a.js"),
    ({"keys": [("/assets/a.js", "service_role")], "incomplete": ["more than 40 scripts"]}, Status.FAILED,
     "service_role key"),  # a leak found is a leak, even if the walk was cut short
    ({"incomplete": ["/assets/index-1.js: 404"]}, Status.ERROR, "could not look at every script: /assets/index-1.js: 404"),
    ({"page_status": 503}, Status.ERROR, "could not look: GET / of app: status 503"),
    # a page that loads no script file: nothing was scanned
    ({"scanned": ()}, Status.ERROR,
     "no script files found in the page GET / of app; nothing was checked (set allow_empty: true"),
    ({"scanned": (), "allow_empty": True}, Status.PASSED, "0 scripts scanned, " + NO_KEY),
    ({"scanned": (), "keys": [("/", "service_role")]}, Status.FAILED, "service_role key"),  # an inline leak
])
def test_judge(kwargs, status, observed):
    c, facts = crawl(**kwargs)
    outcome = bundle.judge(c, facts)
    assert outcome.status is status
    assert observed in outcome.observed
    if status is not Status.ERROR:
        assert outcome.expected.startswith("no JWT with role ")


@pytest.mark.parametrize("params", [{"forbidden_roles": []}, {"max_assets": 0}, {"max_asset_bytes": 10}])
def test_params_that_would_check_nothing_are_rejected(params):
    with pytest.raises(ValueError):
        bundle.Params(service="app", **params)


@pytest.mark.parametrize("role, meant", [("service-role", "service_role"), ("SERVICE_ROLE", "service_role"),
                                         ("servicerole", "service_role"), ("Supabase_Admin", "supabase_admin")])
def test_a_privileged_role_written_otherwise_is_refused(role, meant):
    """A key's role is matched as written: `service-role` would never match a leaked service_role key, and the item
    would pass it."""
    with pytest.raises(ValueError, match=f"did you mean {meant}"):
        bundle.Params(service="app", forbidden_roles=[role])
    assert bundle.Params(service="app", forbidden_roles=["service_role", "my-custom-admin"]).forbidden_roles == [
        "service_role", "my-custom-admin"]  # a team's own role, as written


def test_crawl_caps_the_number_of_scripts():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app", max_assets=2))
    fact.enqueue([(f"{PAGE}assets/{n}.js", True) for n in range(5)] + [("https://cdn.example/x.js", True)])
    assert [u for u, _ in fact.queue] == [f"{PAGE}assets/0.js", f"{PAGE}assets/1.js"]
    assert fact.incomplete == ["more than 2 scripts (max_assets); the rest not scanned: raise the item's max_assets"
                               " (at most 500)",
                               "https://cdn.example/x.js: on another origin, not fetched (if it is no script of the"
                               " app's, declare its origin in third_party)"]


def test_more_scripts_than_the_ceiling_of_max_assets_says_so():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app", max_assets=500))
    fact.enqueue([(f"{PAGE}assets/{n}.js", True) for n in range(501)])
    assert fact.incomplete == ["more than 500 scripts (max_assets, at its ceiling of 500); the rest not scanned"]


def test_crawl_tells_page_assets_from_guessed_references():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}assets/index-1.js", Reply(404, 1), certain=True)
    fact.take(f"{PAGE}assets/maybe.js", Reply(404, 1), certain=False)
    fact.take(f"{PAGE}assets/big.js", Reply(200, 1, {"content-type": "text/javascript"}, content=b"x", truncated=True),
              certain=False)
    # an imported chunk that fails to answer may be served next time: not a "not an asset"
    fact.take(f"{PAGE}assets/Admin-1.js", Reply(503, 1), certain=False)
    fact.take(f"{PAGE}assets/Slow-2.js", Reply(None, 1, failure="no complete answer within 2 s"), certain=False)
    fact.take(f"{PAGE}assets/Later-3.js", Reply(429, 1), certain=False)  # turned away for now, not refused
    fact.take(f"{PAGE}assets/Staff-4.js", Reply(401, 1), certain=False)  # there, for a signed-in browser
    fact.take(f"{PAGE}assets/gone.js", Reply(403, 1), certain=False)  # a CDN over S3: no such object
    # a chunk an import or a build manifest names is there for the browser: missing, it was not looked at
    fact.take(f"{PAGE}_next/static/chunks/pages/admin-2.js", Reply(404, 1), certain=True)
    assert fact.incomplete == ["/assets/index-1.js: 404", "/assets/big.js: larger than 10000000 bytes",
                               "/assets/Admin-1.js: 503", "/assets/Slow-2.js: no complete answer within 2 s",
                               "/assets/Later-3.js: 429", "/assets/Staff-4.js: 401",
                               "/_next/static/chunks/pages/admin-2.js: 404"]
    assert fact.unresolved == ["/assets/maybe.js: 404", "/assets/gone.js: 403"]


def test_a_guess_refused_then_named_by_an_import_is_not_looked_at():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.enqueue([(f"{PAGE}assets/maybe.js", False)])
    fact.take(f"{PAGE}assets/maybe.js", Reply(404, 1), certain=False)
    fact.enqueue([(f"{PAGE}assets/maybe.js", True)])
    assert fact.unresolved == [] and fact.incomplete == ["/assets/maybe.js: 404"]


def test_a_page_cut_at_the_limit_is_not_read_to_the_end():
    from types import SimpleNamespace

    c = check(allow_empty=True)
    page = Reply(200, 1, text="<html><!-- " + "x" * 100 + " -->", truncated=True)
    target = SimpleNamespace(url=lambda service, path: PAGE, verify_tls=lambda service: True,
                             fetch_all=lambda probes: [page for _ in probes], redactor=Redactor())
    outcome = bundle.judge(c, bundle.gather(target, [c]))
    assert outcome.status is Status.ERROR
    assert outcome.observed.endswith(f"could not look at every script: /: page larger than {bundle.PAGE_LIMIT} bytes;"
                                     " the rest not read")


# -- a walk through a real server -----------------------------------------------------------
def walked(routes: dict[str, str], path: str = "/", **params):
    """The item's outcome on a site serving `routes` (path -> text, or a function of the request's headers): the
    page at `path` as HTML, everything else as JavaScript."""
    from .kit import make_target, route_server

    def kind(p: str) -> dict[str, str]:
        return {"content-type": "text/html" if p == path else "text/javascript"}

    with route_server({("GET", p): (lambda h, b, text=text, p=p: (200, text(h) if callable(text) else text, kind(p)))
                       for p, text in routes.items()}) as base:
        target = make_target({"services": {"app": {"url": base}}})
        c = check(path=path, **params)
        outcome = bundle.judge(c, bundle.gather(target, [c]))
    return outcome, base


KEY_JS = f'const k="{SERVICE}";'


@pytest.mark.parametrize("src", ["http://localhost:{port}/assets/key.js", "//localhost:{port}/assets/key.js"])
def test_a_script_on_another_origin_is_named_not_passed(src):
    """Another origin is not fetched (a check talks to its service only); a script shipped there was not looked at."""
    from .kit import route_server

    with route_server({("GET", "/assets/key.js"): lambda h, b: (200, KEY_JS)}) as other:
        port = other.rsplit(":", 1)[1]
        outcome, _ = walked({"/": f'<html><script src="/assets/a.js"></script><script src="{src.format(port=port)}">'
                                  '</script></html>', "/assets/a.js": 'console.log("a")'})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == (f"could not look at every script: http://localhost:{port}/assets/key.js: "
                                "on another origin, not fetched (if it is no script of the app's, declare its origin"
                                " in third_party)")


ENTRY_PAGE = '<html><script type="module" src="/assets/entry.js"></script></html>'


@pytest.mark.parametrize("written", ["http://{host}/assets/admin-3f2a.js", "//{host}/assets/admin-3f2a.js",
                                     "HTTP://{host}/assets/admin-3f2a.js"])
def test_a_chunk_imported_by_its_absolute_url_is_fetched_and_scanned(written):
    """An import written with the app's own origin (a CDN base set to the app's URL) is the app's chunk."""
    entry = lambda headers: f'const m = await import("{written.format(host=headers["host"])}"); m.run();'
    outcome, _ = walked({"/": ENTRY_PAGE, "/assets/entry.js": entry, "/assets/admin-3f2a.js": KEY_JS})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith("in /assets/admin-3f2a.js"), outcome.observed


@pytest.mark.parametrize("code, origin", [
    ('import("https://cdn.other.example/x.js")', "https://cdn.other.example"),
    ('import("//cdn.other.example/x.js")', "http://cdn.other.example"),  # the page's scheme
])
def test_a_script_on_another_origin_named_by_code_is_not_passed_over(code, origin):
    routes = {"/": ENTRY_PAGE, "/assets/entry.js": code}
    outcome, _ = walked(routes)
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == (f"could not look at every script: {origin}/x.js: on another origin, not fetched (if"
                                " it is no script of the app's, declare its origin in third_party)")
    outcome, _ = walked(routes, third_party=[origin])
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["third_party_not_scanned"] == [f"{origin}/x.js"]


def test_an_origin_the_runbook_declares_third_party_is_named_not_fetched():
    """Stripe.js, an analytics tag: no script of the app's. Declared, it is named in the evidence and the item is
    judged on the app's own scripts; an undeclared other origin stays not looked at."""
    page = {"/": '<html><script src="/assets/a.js"></script><script src="https://js.stripe.com/v3/"></script>'
                 '<script src="https://cdn.example.net/x.js"></script></html>', "/assets/a.js": 'console.log("a")'}
    outcome, _ = walked(page, third_party=["https://js.stripe.com", "https://cdn.example.net"])
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == f"1 script scanned, {NO_KEY}; 2 third-party scripts not scanned"
    assert outcome.evidence["third_party_not_scanned"] == ["https://js.stripe.com/v3/", "https://cdn.example.net/x.js"]
    outcome, _ = walked(page, third_party=["https://js.stripe.com"])
    assert outcome.status is Status.ERROR and "cdn.example.net/x.js: on another origin, not fetched" in outcome.observed


@pytest.mark.parametrize("origin", ["js.stripe.com", "https://js.stripe.com/v3/", "ftp://x.example"])
def test_a_third_party_origin_is_an_origin(origin):
    with pytest.raises(ValueError, match="is not an origin: write scheme and host"):
        bundle.Params(service="app", third_party=[origin])


def test_next_build_manifest_chunks_are_fetched_from_next_base():
    outcome, _ = walked({
        "/next/": '<html><script src="/_next/static/chunks/main-1.js" defer></script>'
                  '<script src="/_next/static/abc/_buildManifest.js" defer></script></html>',
        "/_next/static/chunks/main-1.js": 'console.log("main")',
        "/_next/static/abc/_buildManifest.js": 'self.__BUILD_MANIFEST={"/":["static/chunks/pages/index-1.js"],'
                                               '"/admin":["static/chunks/pages/admin-2.js"]};',
        "/_next/static/chunks/pages/index-1.js": "console.log(1)",
        "/_next/static/chunks/pages/admin-2.js": KEY_JS}, path="/next/")
    assert outcome.status is Status.FAILED
    assert outcome.observed.endswith("in /_next/static/chunks/pages/admin-2.js"), outcome.observed


def test_next_main_reading_the_manifest_names_no_chunk_for_certain():
    """Next's main script reads self.__BUILD_MANIFEST and holds an error table of file names (`next.config.js`):
    those are no chunks the app loads; only the build manifest itself names its chunks for certain."""
    outcome, _ = walked({
        "/": '<html><script src="/_next/static/chunks/main-1.js"></script>'
             '<script src="/_next/static/abc/_buildManifest.js"></script></html>',
        "/_next/static/chunks/main-1.js": 'var N=["next.config.js","next.config.mjs"];var m=self.__BUILD_MANIFEST;',
        "/_next/static/abc/_buildManifest.js": 'self.__BUILD_MANIFEST={"/":["static/chunks/pages/index-1.js"]};',
        "/_next/static/chunks/pages/index-1.js": "console.log(1)"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["not_assets"] == ["/_next/next.config.js: 404", "/_next/next.config.mjs: 404"]


@pytest.mark.parametrize("script, page", [
    ("http://127.0.0.1:8080/assets/a.js", "http://stage:secret-pw@127.0.0.1:8080/"),  # the page's own, signed in
    ("HTTP://App.Example.com/assets/a.js", "http://app.example.com:80/"),  # case, the scheme's default port
])
def test_the_same_origin_is_the_browsers_same_origin(script, page):
    fact = bundle.Crawl(page, bundle.Params(service="app"))
    fact.enqueue([(script, True)])
    assert fact.incomplete == [] and len(fact.queue) == 1, fact.incomplete
    if "@" in page:  # fetched as the page was, signed in
        assert fact.queue[0][0] == "http://stage:secret-pw@127.0.0.1:8080/assets/a.js"


def test_one_script_named_two_ways_is_fetched_once():
    fact = bundle.Crawl("http://u:pw@localhost:8080/", bundle.Params(service="app"))
    fact.enqueue([("http://u:pw@localhost:8080/assets/a.js", True), ("HTTP://LOCALHOST:8080/assets/a.js", True)])
    assert [u for u, _ in fact.queue] == ["http://u:pw@localhost:8080/assets/a.js"] and fact.fetched == 1


def test_a_manifest_chunk_that_is_not_there_is_not_looked_at():
    outcome, _ = walked({"/": '<html><script src="/_next/static/abc/_buildManifest.js"></script></html>',
                         "/_next/static/abc/_buildManifest.js":
                             'self.__BUILD_MANIFEST={"/admin":["static/chunks/pages/admin-2.js"]};'})
    assert outcome.status is Status.ERROR
    assert outcome.observed == "could not look at every script: /_next/static/chunks/pages/admin-2.js: 404"


@pytest.mark.parametrize("routes", [
    # an inline module script imports the chunk
    {"/": '<html><script src="/assets/a.js"></script><script type="module">import("/assets/key.js")</script></html>',
     "/assets/a.js": 'console.log("a")', "/assets/key.js": KEY_JS},
    # a version after the name
    {"/": '<html><script type="module" src="/assets/q.js"></script></html>',
     "/assets/q.js": 'import("/assets/key.js?v=3")', "/assets/key.js?v=3": KEY_JS},
])
def test_imports_are_followed(routes):
    outcome, _ = walked(routes)
    assert outcome.status is Status.FAILED and "service_role key hmac:" in outcome.observed, outcome.observed


# -- what a target's bytes cost: linear time, bounded memory --------------------------------
def _backtracking_repeats(parsed, committed: bool = False) -> list[str]:
    """Unbounded repeats that may give back what they took (neither possessive nor inside an atomic group)."""
    from re import _constants as sre

    found = []
    for op, arg in parsed:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            if arg[1] == sre.MAXREPEAT and not committed:
                found.append(f"{op} {arg[2]}")
            found += _backtracking_repeats(arg[2], committed)
        elif op is sre.POSSESSIVE_REPEAT:
            found += _backtracking_repeats(arg[2], True)
        elif op is sre.ATOMIC_GROUP:
            found += _backtracking_repeats(arg, True)
        elif op is sre.SUBPATTERN:
            found += _backtracking_repeats(arg[3], committed)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found += _backtracking_repeats(arg[1], committed)
        elif op is sre.BRANCH:
            for branch in arg[1]:
                found += _backtracking_repeats(branch, committed)
    return found


@pytest.mark.parametrize("pattern", bundle.TARGET_PATTERNS, ids=["JWT_SHAPE", "JS_REFERENCE", "IMPORTS", "VITE_DEPS",
                                                                 "SUPABASE_KEY", "STRIPE_KEY", "PRIVATE_KEY",
                                                                 "PEM_HEADER", "PGP_HEADER", "PGP_CHECKSUM",
                                                                 "PEM_ESCAPE", "PEM_PIECES", "NOT_PEM_BASE64",
                                                                 "ENCODED_PEM", "PLACEHOLDER_WORDS",
                                                                 "ENCODED_JSON", "JWK_OBJECT", "JWK_TYPE", "JWK_D", "JWK_K",
                                                                 "JWK_PRIVATE_MEMBER", "X_RUN",
                                                                 "CHUNK_URL", "CHUNK_URL_SET",
                                                                 "WEBPACK_LOADER", "CHUNK_LOAD", "CHUNK_HASH",
                                                                 "HTML_START", "IMPORT_PATH",
                                                                 "NOT_URL_TEXT", "DATA_URL", "NOT_BASE64",
                                                                 "ASCII_SPACES", "LINK_VALUES", "LINK_TARGET",
                                                                 "LINK_PARAMETER", "QUOTED_PAIR", "IMPORT_ARGUMENT",
                                                                 "IMPORT_META_URL", "NO_CODE_START", "PROSE",
                                                                 "JSON_START", "HEADER_VALUE", "MIME_TYPE",
                                                                 "IMPORT_ATTRIBUTES", "MARKUP_START",
                                                                 "WORKLET_MODULE", "CHUNK_ID_BEFORE_PATH",
                                                                 "NEXT_FLIGHT_PUSH"])
def test_no_pattern_run_on_a_targets_bytes_can_backtrack(pattern):
    """A repeat that gives back what it took, retried from every start, is what made "eyJ" × 80,000 take a minute:
    every unbounded repeat is possessive or atomic (that an attempt that scans far starts only where no earlier one
    did is shown by the worst inputs below)."""
    from re import _parser

    assert _backtracking_repeats(_parser.parse(pattern.pattern, pattern.flags)) == []


WORST = ("eyJ", "ewogICAg", "%22sb_secret_", "%22sk_live_", "-----BEGIN PRIVATE KEY-----\\n", '-----BEGIN PGP '
         'PRIVATE KEY BLOCK-----","', "LS0tLS1CRUdJTi", "__vite__mapDeps([",
         "m.f=[", 'import("', '"a', "a.", "'./a/", 'e=>"a"+',
         "(e)=>{//", "import(/*", "new Worker(new URL(//", 'new URL("a",/*',
         'from"a"with{"type":/*', 'import("a",{with:{type://')  # what each pattern could retry on


def _worst(limit: int, tail: str) -> str:
    """`limit` bytes: a stretch of each worst unit in turn, then `tail`."""
    stretch = (limit - len(tail)) // len(WORST)
    return "".join((unit * (stretch // len(unit) + 1))[:stretch - 1] + "\n" for unit in WORST) + tail


def test_the_worst_inputs_at_the_size_limits_are_scanned_to_the_end(tmp_path):
    """A 2 MiB page and a MAX_ASSET_BYTES script, each made of what every pattern would retry on, with a key at its
    very end: both keys are found, within the printed bound. (A quadratic scan of a 240 KB run of "eyJ" took a
    minute; of these 3 MB runs it takes hours: the run would not end within its timeout.)"""
    from .kit import route_server
    from .project import Project

    page = _worst(bundle.PAGE_LIMIT - 200, f'<script>"{ANON}"</script><script src="/assets/app.js"></script>')
    script = _worst(bundle.MAX_ASSET_BYTES, f'"{SERVICE}";')
    routes = {("GET", "/"): lambda h, b: (200, "<html><script>" + page),
              ("GET", "/assets/app.js"): lambda h, b: (200, script, {"content-type": "text/javascript"})}
    with route_server(routes) as url:
        project = Project(tmp_path, {"APP_URL": url})
        project.checklist("site", f"""
        - {{id: B1, name: worst, section: Web, title: the worst bytes, family: bundle, cadence: postdeploy,
           params: {{service: app, max_asset_bytes: {bundle.MAX_ASSET_BYTES}}}}}""")
        project.environment('timeouts: {http_s: 20}\nsystems: {site: {services: {app: {url: "${APP_URL}"}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", timeout=300)
    row = ran.rows()["B1-worst"]
    assert row["status"] == "failed" and row["message"].endswith("in /assets/app.js"), ran.output[-3000:]
    assert [(key["asset"], key["role"]) for key in row["evidence"]["keys"]] == [("/", "anon"),
                                                                                ("/assets/app.js", "service_role")]
    bound, took = ran.bound_and_took()
    assert took <= bound, (took, bound)


@pytest.mark.parametrize("value", [bundle.MAX_ASSET_BYTES + 1, 10 ** 12])
def test_max_asset_bytes_has_a_ceiling(value):
    with pytest.raises(ValueError, match="less than or equal to 16777216"):
        bundle.Params(service="app", max_asset_bytes=value)


def test_gzip_bombs_hold_at_most_a_wave_of_bodies_as_bytes():
    """48 scripts, each a few KiB of gzip that inflate past max_asset_bytes, led by a character outside the BMP (a
    str of it takes 4 bytes a character): fetched a wave at a time and scanned as bytes, a body dropped once
    scanned, the walk holds about REQUESTS_AT_ONCE bodies at once — not 48 decoded ones."""
    import tracemalloc

    from opsverify.families import REQUESTS_AT_ONCE

    from .kit import make_target
    from .project import KeepAliveHttp, raw_reply

    limit, scripts = 2 ** 20, 48
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    bomb = packer.compress("\U0001F600".encode() + b"a" * (2 * limit)) + packer.flush()
    page = "<html>" + "".join(f'<script src="/b/{n}.js"></script>' for n in range(scripts)) + "</html>"
    replies = {("GET", "/"): raw_reply(200, page.encode(), "text/html"),
               **{("GET", f"/b/{n}.js"): raw_reply(200, bomb, "text/javascript", content_encoding="gzip")
                  for n in range(scripts)}}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"app": {"url": server.url}}}, timeouts={"http_s": 20})
        c = check(max_assets=scripts, max_asset_bytes=limit)
        tracemalloc.start()
        try:
            outcome = bundle.judge(c, bundle.gather(target, [c]))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            target.close()
    assert outcome.status is Status.ERROR and f"larger than {limit} bytes" in outcome.observed, outcome.observed
    assert len(outcome.evidence["scanned"]) == scripts
    assert peak < (REQUESTS_AT_ONCE + 12) * limit, peak  # 48 bodies as str would be 48 × 4 MiB


# -- against the demo ----------------------------------------------------------------------
def test_demo_healthy_passes(demo):
    [(c, outcome)] = [r for r in evaluate(demo, by_id("B1")).values() if r[0].family == "bundle"]
    assert outcome.status is Status.PASSED, outcome.observed
    assert set(outcome.evidence["scanned"]) == {"/assets/index-B7f3a2c1.js", "/assets/vendor-D41e9b0a.js",
                                                "/assets/Queue-A1b2c3d4.js", "/assets/Admin-E5f6a7b8.js"}
    assert [k["role"] for k in outcome.evidence["keys"]] == ["anon"]


def test_demo_fault_fails_without_showing_the_key(demo):
    demo.apply("bundle-has-service-role")
    results = evaluate(demo, by_id("B1"))
    failed = {c.key: (c, o) for c, o in results.values() if o.status is Status.FAILED}
    assert set(failed) == {"B1-bundle-without-service-role"}
    c, outcome = failed["B1-bundle-without-service-role"]
    text = message(c, outcome)
    assert text.startswith("B1-bundle-without-service-role ") and "expected no JWT with role service_role" in text
    assert "; saw service_role key hmac:" in text and "in /assets/Admin-E5f6a7b8.js" in text
    assert "eyJ" not in text + json.dumps(outcome.evidence)  # fingerprints only, never a token


def test_transport_reads_at_most_the_body_limit(demo):
    url = demo.web.urls["bakery-ops/app"] + "/assets/index-B7f3a2c1.js"
    short, whole = fetch_all([Probe("GET", url, body_limit=64), Probe("GET", url)], timeout_s=5)
    assert short.truncated and len(short.text) == 64
    assert not whole.truncated and whole.text.startswith(short.text) and len(whole.text) > 64


def test_a_string_naming_another_origins_file_is_evidence_not_an_error():
    """A CDN loader's URL in a string (reCAPTCHA, a pdf.js worker) is no import of the app's: the healthy page
    passes, the URL named in the evidence; an import of it is still not looked at, an error."""
    code = 'const u = "https://www.google.com/recaptcha/api.js?render=explicit"; console.log(u)'
    outcome, _ = walked({"/": ENTRY_PAGE, "/assets/entry.js": code})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["named_elsewhere_not_imported"] == [
        "https://www.google.com/recaptcha/api.js?render=explicit"]
    for imported in ('import("https://www.google.com/recaptcha/api.js")',
                     'import("HTTPS://www.google.com/recaptcha/api.js")'):  # a scheme in any case
        outcome, _ = walked({"/": ENTRY_PAGE, "/assets/entry.js": imported})
        assert outcome.status is Status.ERROR and "on another origin, not fetched" in outcome.observed, outcome.observed


# -- a page or an asset whose content the crawl cannot take: that asset's problem, never the walk's ---------------
BAD_URL = "http://[::1/x.js"  # urljoin and urlsplit refuse it: "Invalid IPv6 URL"
NOT_A_URL = f"{BAD_URL}: not a valid URL (Invalid IPv6 URL); not fetched"


@pytest.mark.parametrize("routes", [
    {"/": f'<script>const k="{SERVICE}";</script><script src="{BAD_URL}"></script>'},  # the page names it
    {"/": '<script src="/main.js"></script><script src="/bad.js"></script>', "/main.js": KEY_JS,
     "/bad.js": f'import("http://127.0.0.1:x"); import("{BAD_URL}");'},  # a script imports it
], ids=["page", "import"])
def test_a_reference_that_is_no_url_is_not_looked_at_and_a_key_found_still_fails(routes):
    outcome, _ = walked(routes)
    assert outcome.status is Status.FAILED and "service_role key hmac:" in outcome.observed, outcome.observed
    assert NOT_A_URL in outcome.evidence["incomplete"], outcome.evidence


def test_a_reference_that_is_no_url_leaves_the_item_unchecked_or_is_only_a_guess():
    outcome, _ = walked({"/": f'<script src="/a.js"></script><script src="{BAD_URL}"></script>', "/a.js": "1"})
    assert outcome.status is Status.ERROR
    assert outcome.observed == f"could not look at every script: {NOT_A_URL}"
    # a string that only looks like a file (no import names it): no script a browser gets
    outcome, _ = walked({"/": '<script src="/a.js"></script>', "/a.js": f'const u="{BAD_URL}"'})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["not_assets"] == [f"{BAD_URL}: not a valid URL (Invalid IPv6 URL)"]


def test_a_script_after_an_svg_a_div_closes_is_fetched_and_its_key_found():
    """End to end: the key in the script a browser runs after `<svg>…<div>` had passed ("1 script scanned")."""
    page = '<script src="/clean.js"></script><svg><path d="M0 0"></path><div>hi</div><script src="/keyed.js"></script>'
    outcome, _ = walked({"/": page, "/clean.js": "1", "/keyed.js": f'const k="{SERVICE}";'})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.evidence["scanned"] == ["/clean.js", "/keyed.js"]


def test_a_key_is_learned_when_found_and_kept_when_the_walk_then_breaks():
    """The redactor knows a key the moment it is scanned (another item may echo it); a walk that breaks after it
    was found still fails the item, naming what broke."""
    from types import SimpleNamespace

    def fetch_all(probes):
        if probes[0].url != PAGE:
            raise RuntimeError("the transport broke")
        return [Reply(200, 1, content=f'<script>k="{SERVICE}"</script><script src="/a.js"></script>'.encode())]

    c = check()
    target = SimpleNamespace(url=lambda service, path: PAGE, verify_tls=lambda service: True, fetch_all=fetch_all,
                             redactor=Redactor())
    outcome = bundle.judge(c, bundle.gather(target, [c]))
    assert outcome.status is Status.FAILED and "service_role key hmac:" in outcome.observed, outcome.observed
    assert "the walk stopped: RuntimeError: the transport broke" in outcome.evidence["incomplete"]
    assert SERVICE not in target.redactor.text(f"key = {SERVICE}")
    target.fetch_all = lambda probes: 1 / 0  # broken before the page was read: nothing found, the cause named
    outcome = bundle.judge(c, bundle.gather(target, [c]))
    assert outcome.status is Status.ERROR
    assert outcome.observed == "could not look: GET / of app: the walk stopped: ZeroDivisionError: division by zero"


def test_a_reference_from_an_asset_whose_path_is_no_base_is_resolved_without_raising():
    """An asset on the page's origin whose path reads as a host to urljoin (`//x[/`): its bare references cannot
    be resolved against the app base, and are named rather than end the walk."""
    js = b'import("assets/b.js");import("./c.js")'
    assert list(bundle.chunk_references(js, "http://a.example//x[/assets/a.js", "http://a.example/")) == [
        ("assets/b.js", True), ("http://a.example/x[/assets/c.js", True)]
    fact = bundle.Crawl("http://a.example/", bundle.Params(service="app"))
    fact.enqueue([("assets/b.js", True)])
    assert fact.incomplete == ["assets/b.js: not a valid URL (not resolved to an absolute URL); not fetched"]


# -- what a browser loads, not what a string looks like ----------------------------------------------------------
def served(replies: dict[str, tuple[str | None, str]], path: str = "/", **params):
    """Pages and scripts answered as given: (content type, or None to send none; body). Anything else is a 404."""
    from .kit import make_target
    from .project import KeepAliveHttp

    def reply(kind: str | None, body: str) -> bytes:
        data = body.encode()
        head = f"content-type: {kind}\r\n" if kind is not None else ""
        return f"HTTP/1.1 200 X\r\n{head}content-length: {len(data)}\r\n\r\n".encode() + data

    with KeepAliveHttp({("GET", p): reply(*answer) for p, answer in replies.items()}) as server:
        target = make_target({"services": {"app": {"url": server.url}}})
        try:
            c = check(path=path, **params)
            return bundle.judge(c, bundle.gather(target, [c]))
        finally:
            target.close()


JS, HTML = "text/javascript", "text/html"
SPA_INDEX = ('<!doctype html><html><head><base href="/"><script type="module" src="main.3f2a.js"></script></head>'
             '<body><app-root></app-root></body></html>')


@pytest.mark.parametrize("replies, path", [
    # an Angular-style SPA: the deep route answers the index page, whose base makes the script /main.3f2a.js;
    # resolved against the route instead, /admin/main.3f2a.js is the SPA's fallback page
    ({"/admin/settings": (HTML, SPA_INDEX), "/admin/main.3f2a.js": (HTML, SPA_INDEX), "/main.3f2a.js": (JS, KEY_JS)},
     "/admin/settings"),
    # a base that moves the app: the browser runs /v2/assets/app.js, not the old build left at /assets/app.js
    ({"/": (HTML, '<html><head><base href="/v2/"><script type="module" src="assets/app.js"></script></head></html>'),
      "/assets/app.js": (JS, 'console.log("old clean build")'), "/v2/assets/app.js": (JS, KEY_JS)}, "/"),
], ids=["spa-deep-route", "base-elsewhere"])
def test_scripts_resolve_against_the_pages_base_href(replies, path):
    outcome = served(replies, path)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f"in {'/main.3f2a.js' if path != '/' else '/v2/assets/app.js'}")


def test_only_the_first_base_with_an_href_counts_and_only_for_what_follows_it():
    """As a browser: a <base> without href is no base; a second one is ignored; a script named before the base
    was already resolved against the page."""
    fact = bundle.Crawl("https://a.example/app/page", bundle.Params(service="app"))
    fact.read_page(Reply(200, 1, content=b'<script src="early.js"></script><base target="_top">'
                                         b'<base href="/x/"><base href="/y/"><script src="late.js"></script>'
                                         b'<script type="module">import("./inline.js")</script>'))
    assert [url for url, _ in fact.queue] == ["https://a.example/app/early.js", "https://a.example/x/late.js",
                                              "https://a.example/x/inline.js"]


@pytest.mark.parametrize("kind, body", [
    (HTML, '<script src="/main.js"></script>'),  # by its type, and a body that starts as markup
    ("text/html; charset=utf-8", "\ufeff\n  <app-root></app-root>"),
    (None, "\n  <!DOCTYPE html><html><body>app</body></html>"),  # no type: by how it starts, as a browser sniffs
    (None, "<html lang=en><title>App</title>"),
    (None, "<!-- built by vite -->\n<!DOCTYPE html><html><body>app</body></html>"),  # a comment before the page
])
def test_a_script_answered_with_a_page_is_no_script_scanned(kind, body):
    """An SPA answers its index page, 200, for any path: a script resolved to a path that is not there gets a
    page, not the script the browser runs."""
    headers = {"content-type": kind} if kind else {}
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}admin/main.js", Reply(200, 1, headers, content=body.encode()), certain=True)
    assert fact.scanned == [] and len(fact.incomplete) == 1, (fact.scanned, fact.incomplete)
    assert fact.incomplete[0].startswith("/admin/main.js: answered with an HTML page (")
    assert fact.incomplete[0].endswith("), not a script: the script's path resolved to a page")
    # a string that only looks like a file name, answered with the fallback page: no script a browser gets
    fact.take(f"{PAGE}worker.js", Reply(200, 1, headers, content=body.encode()), certain=False)
    assert fact.unresolved == [fact.incomplete[0].replace("/admin/main.js", "/worker.js")]
    assert len(fact.incomplete) == 1
    # its bytes reach the browser all the same: a key in them is found
    fact.take(f"{PAGE}x.js", Reply(200, 1, headers, content=f'{body}<script>"{SERVICE}"</script>'.encode()), False)
    assert [(key["asset"], key["role"]) for key in fact.keys] == [("/x.js", "service_role")]


LEGACY_JS = f'<!-- hide from old browsers\nvar k="{SERVICE}";\n//-->'  # JavaScript reads `<!--` as `//`


@pytest.mark.parametrize("kind, body", [(JS, "<!doctype html>"), (None, "console.log('<html>')"),
                                        (None, "<!--x-->\nconsole.log(1)"), (None, LEGACY_JS),
                                        (None, "<!-- a -->\n<!-- b -->\nconsole.log('<html>')")])
def test_a_script_is_read_as_a_script_when_nothing_says_page(kind, body):
    headers = {"content-type": kind} if kind else {}
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}main.js", Reply(200, 1, headers, content=body.encode()), certain=True)
    assert fact.scanned == ["/main.js"] and fact.incomplete == []


# what an API's catch-all, a "Not Found" sent 200 or a bucket answers where a script was expected: no JavaScript
NOT_SCRIPTS = [
    ("application/json", '{"detail": "no such route"}'),
    ("application/json; charset=utf-8", "[]"),
    ("text/plain", "Not Found"),
    ("text/plain; charset=utf-8", "const k = 1;"),  # a module script sent as text/plain: every browser refuses it
    ("application/xml", "<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>"),
    ("text/css", "body{margin:0}"),
    ("image/svg+xml", "<svg/>"),
    ("text/javascript-not", "1"),
    # sent as bytes or with no type: a script only if its body reads as one
    ("binary/octet-stream", '{"detail": "no such route"}'),
    ("application/octet-stream", "<?xml version='1.0'?><Error/>"),
    ("binary/octet-stream", ""),
    (None, ""),
    (None, "  \n"),
    (None, '{"detail": "no such route"}'),
    (None, "Not Found"),
    ("application/octet-stream", "404: page not found\n"),
]


@pytest.mark.parametrize("kind, body", NOT_SCRIPTS)
def test_a_script_answered_with_no_javascript_is_no_script_scanned(kind, body):
    """A webpack chunk resolved to the wrong place on an app whose API answers JSON, 200, for any path was
    "scanned", and the item passed while the chunk the browser loads shipped a service_role key. A browser refuses
    a module script sent with a type that is no JavaScript's; named for certain it is not looked at, an ERROR
    naming it and its type; as a guess, it is listed under not_assets."""
    headers = {"content-type": kind} if kind else {}
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}884-989c7723.js", Reply(200, 1, headers, content=body.encode()), certain=True)
    assert fact.scanned == [] and len(fact.incomplete) == 1, (fact.scanned, fact.incomplete)
    shown = f"content-type {kind.split(';')[0]}" if kind else "no content-type"
    assert fact.incomplete[0].startswith(f"/884-989c7723.js: answered with {shown}"), fact.incomplete
    assert "not JavaScript" in fact.incomplete[0], fact.incomplete
    fact.take(f"{PAGE}worker.js", Reply(200, 1, headers, content=body.encode()), certain=False)
    assert fact.unresolved == [fact.incomplete[0].replace("/884-989c7723.js", "/worker.js")]
    assert len(fact.incomplete) == 1 and fact.scanned == []


@pytest.mark.parametrize("kind, body", [
    ("text/javascript", "console.log(1)"),
    ("application/javascript; charset=utf-8", "export const a=1;"),  # Express, CDNs
    ("application/x-javascript", "var a=1"),  # old IIS and Apache
    ("Text/JavaScript ; charset=UTF-8", "1"),
    ("text/ecmascript", "1"),
    ("text/javascript", ""),  # an empty chunk a build emits
    ("text/javascript", '{"a": 1}'),  # what the type says: a script
    # S3's default for an object uploaded without a type, an old server's for `.mjs`, Express's for `.cjs`
    ("binary/octet-stream", "(self.webpackChunk=self.webpackChunk||[]).push([[884],{}]);"),
    ("application/octet-stream", "import{a as b}from'./x.mjs';b()"),
    ("application/node", "module.exports = 1;"),
    (None, "console.log(1)"),
    (None, "<!-- hide from old browsers\nvar a = 1;\n//-->"),
    (None, "// empty"),
])
def test_a_script_sent_as_javascript_or_as_bytes_that_read_as_code_is_scanned(kind, body):
    headers = {"content-type": kind} if kind else {}
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}main.js", Reply(200, 1, headers, content=body.encode()), certain=True)
    assert fact.scanned == ["/main.js"] and fact.incomplete == [], (fact.scanned, fact.incomplete)


def test_a_key_in_a_body_that_is_no_javascript_still_fails():
    """Its bytes reach the browser all the same: a key in a module script sent as text/plain is shipped."""
    outcome = served({"/": (HTML, '<script type="module" src="/legacy.js"></script>'),
                      "/legacy.js": ("text/plain", KEY_JS)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("service_role key hmac:") and " in /legacy.js; " in outcome.observed
    assert outcome.evidence["incomplete"] == ["/legacy.js: answered with content-type text/plain, not JavaScript: the"
                                              " script's path resolved to something else, or the server sends the"
                                              " script with another type"], outcome.evidence


def test_a_chunk_resolved_to_an_api_catch_all_is_not_passed():
    """The probe's app: a webpack 5 runtime whose chunks live under its publicPath, on a server whose API answers
    JSON, 200, for every unknown path."""
    main = ('(()=>{var o={};o.p="/static/bundles/",o.u=e=>e+"-"+{884:"989c7723"}[e]+".js",'
            'o.l=(e,t)=>{var n=new Error;n.name="ChunkLoadError"};"#admin"===location.hash&&o.e(884)})();')
    files = {"/": ("text/html", '<script src="/static/bundles/main.js"></script>'),
             "/static/bundles/main.js": ("text/javascript", main),
             "/static/bundles/884-989c7723.js": ("text/javascript", KEY_JS)}
    outcome = walked_site({path: ([("content-type", kind)], text) for path, (kind, text) in files.items()},
                          elsewhere=([("content-type", "application/json")], '{"detail": "no such route"}'))
    assert outcome.status is not Status.PASSED, outcome.observed
    assert "content-type application/json" in outcome.observed, outcome.observed


def _redirecting_site(moved: dict[str, tuple[int, str]], page: str, main: str):
    """The outcome on a site whose page loads /main.js, and whose paths in `moved` redirect (status, Location)."""
    from .kit import make_target, route_server

    routes = {("GET", "/"): lambda h, b: (200, page, {"content-type": "text/html"}),
              ("GET", "/main.js"): lambda h, b: (200, main, {"content-type": "text/javascript"}),
              **{("GET", path): (lambda h, b, status=status, to=to: (status, "", {"location": to}))
                 for path, (status, to) in moved.items()}}
    with route_server(routes) as base:
        target = make_target({"services": {"app": {"url": base}}})
        try:
            c = check()
            return bundle.judge(c, bundle.gather(target, [c]))
        finally:
            target.close()


def test_a_guessed_script_that_redirects_is_listed_not_an_error():
    """firebase's `'/firebase-messaging-sw.js'`, a string in a vendor library, on a host whose auth middleware sends
    unknown paths to its login page: the item was an ERROR "…: 307", where a 404 or the login page itself is listed
    under not_assets. A redirect is not followed: it is listed with its Location."""
    outcome = _redirecting_site({"/firebase-messaging-sw.js": (307, "/login?next=%2Ffirebase-messaging-sw.js")},
                                '<script src="/main.js"></script>',
                                "const DEFAULT_SW_PATH='/firebase-messaging-sw.js';")
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["not_assets"] == ["/firebase-messaging-sw.js: 307 to /login?next=%2Ffirebase-messaging-sw.js"
                                              " (a redirect is not followed)"], outcome.evidence


def test_a_script_named_for_certain_that_redirects_is_not_looked_at():
    """What a browser loads there is not scanned: an ERROR naming where it points, and that redirects are not
    followed; one without a Location says so."""
    outcome = _redirecting_site({"/moved.js": (302, "http://user:pw@127.0.0.1/login"), "/gone.js": (301, "")},
                                '<script src="/main.js"></script><script src="/moved.js"></script>',
                                'import("/gone.js")')
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == ("could not look at every script: /moved.js: 302 to http://127.0.0.1/login (a redirect"
                                " is not followed); /gone.js: 301 without a Location (a redirect is not followed)")
    assert "pw" not in outcome.observed


def test_a_key_in_a_script_that_starts_with_an_html_comment_fails():
    """A script sent without a type that starts `<!--` (a legacy script hiding itself from old browsers) is a
    script: JavaScript reads the line as a comment, and the key after it is shipped."""
    outcome = served({"/": (HTML, '<html><script src="/legacy.js"></script></html>'), "/legacy.js": (None, LEGACY_JS)})
    assert outcome.status is Status.FAILED and outcome.observed.endswith("in /legacy.js"), outcome.observed


def test_a_deep_route_whose_script_resolves_to_the_fallback_page_is_not_passed():
    """No base: the relative script of /admin/settings is /admin/main.js, which the SPA answers with its page."""
    index = '<!doctype html><html><script type="module" src="main.js"></script></html>'
    outcome = served({"/admin/settings": (HTML, index), "/admin/main.js": (HTML, index), "/main.js": (JS, KEY_JS)},
                     "/admin/settings")
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == ("could not look at every script: /admin/main.js: answered with an HTML page "
                                "(content-type text/html), not a script: the script's path resolved to a page")


# -- chunks a webpack runtime builds the URLs of at run time ---------------------------------------------------
CRA_RUNTIME = ('__webpack_require__.u=e=>"static/js/"+e+"."+{"217":"3c1f0a2b",9:"00ff00aa"}[e]+".chunk.js";'
               'const Admin=React.lazy(()=>__webpack_require__.e(217)'
               '.then(__webpack_require__.bind(__webpack_require__,217)));')


@pytest.mark.parametrize("js, names", [
    (CRA_RUNTIME.encode(), ["static/js/217.3c1f0a2b.chunk.js", "static/js/9.00ff00aa.chunk.js"]),
    # minified, with a name map that falls back to the id (Docusaurus, Vue CLI) and webpack 4's publicPath
    (b'r.u=function(e){return r.p+"js/"+({12:"about"}[e]||e)+"."+{12:"1a2b",13:"3c4d"}[e]+".js"},r.miniCssF=',
     ["js/about.1a2b.js", "js/13.3c4d.js"]),
    # Next.js: each map in parentheses; an unminified arrow with a block body and webpack's comment
    (b'd.u=function(e){return"static/chunks/"+(({222:"db/variants"})[e]||e)+"."+({222:"0ae7",7482:"e626"})[e]+".js"}',
     ["static/chunks/db/variants.0ae7.js", "static/chunks/7482.e626.js"]),
    (b'__webpack_require__.u = (chunkId) => {\n\t// return url for filenames based on template\n\treturn "" + chunkId'
     b' + "." + {"lib_index_js": "48d4"}[chunkId] + ".js";\n};', ["lib_index_js.48d4.js"]),
    (b'o.miniCssF=e=>"static/css/"+e+"."+{164:"dcfd"}[e]+".chunk.css";const f=e=>e+1', []),  # no script, no loader
    # an app's own reload-on-failure check only compares the name; a `.u` set to a value is no chunk-URL function
    (b'if(e.name==="ChunkLoadError")location.reload();t.u=5', []),
    (b'r.u=e=>"js/"+e+"."+{1:"aa"}[e]+".js";t.u=5;x.name="ChunkLoadError"', ["js/1.aa.js"]),
])
def test_webpack_chunk_url_functions_are_read(js, names):
    assert bundle.webpack_chunks(js) == (names, "")


@pytest.mark.parametrize("js", [
    # a runtime that loads chunks whose URL function this check cannot read: a ternary, no id map, another shape
    b'd.u=function(e){return 2272===e?"static/chunks/2272-ab.js":"static/chunks/"+e+"."+{9:"cd"}[e]+".js"};'
    b'n.name="ChunkLoadError"',
    b'r.u=e=>"static/js/"+e+".835bd6f0.chunk.js";a.name="ChunkLoadError"',
    b'function a(e){return i.p+"static/js/"+c(e)+".chunk.js"};t.name="ChunkLoadError"',
    # one function read, another (a worker's) not: not all run-time chunks were found
    b'r.u=e=>"js/"+e+"."+{1:"aa"}[e]+".js";r.u=e=>"w/"+(e<9?"a":"b")+".js";x.name="ChunkLoadError"',
])
def test_a_webpack_runtime_whose_chunks_cannot_be_read_says_so(js):
    names, unread = bundle.webpack_chunks(js)
    assert unread.startswith("loads webpack chunks at run time"), unread


def test_webpack_chunks_are_fetched_and_scanned():
    routes = {"/": '<html><script src="/static/js/main.js"></script></html>', "/static/js/main.js": CRA_RUNTIME,
              "/static/js/217.3c1f0a2b.chunk.js": f'export const admin=createClient(u,"{SERVICE}");',
              "/static/js/9.00ff00aa.chunk.js": "console.log(9)"}
    outcome, _ = walked(routes)
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith("in /static/js/217.3c1f0a2b.chunk.js"), outcome.observed
    # a chunk named by the map that is not there was not looked at
    del routes["/static/js/217.3c1f0a2b.chunk.js"]
    outcome, _ = walked(routes)
    assert outcome.status is Status.ERROR
    assert outcome.observed == "could not look at every script: /static/js/217.3c1f0a2b.chunk.js: 404"


def test_an_inline_webpack_runtime_names_its_chunks():
    """Create React App inlines its runtime in the page."""
    outcome, _ = walked({"/": f"<html><script>{CRA_RUNTIME}</script></html>",
                         "/static/js/217.3c1f0a2b.chunk.js": KEY_JS, "/static/js/9.00ff00aa.chunk.js": "1"})
    assert outcome.status is Status.FAILED, outcome.observed


def test_a_webpack_runtime_that_cannot_be_read_is_not_passed():
    outcome, _ = walked({"/": '<html><script src="/static/js/main.js"></script></html>',
                         "/static/js/main.js": 'r.u=e=>"static/js/"+e+".835bd6f0.chunk.js";a.name="ChunkLoadError"'})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look at every script: /static/js/main.js: loads webpack chunks at"
                                       " run time"), outcome.observed

# webpack's other chunk loaders never set ChunkLoadError: a Web Worker's `importScripts(n.p+n.u(e))`, node's
# `require("./"+n.u(e))`, an ES module build's `import("./"+n.u(e))`; a chunk-URL function they call that cannot be
# read leaves chunks unread whichever loader calls it
@pytest.mark.parametrize("js", [
    b't.u=e=>"static/js/"+e+".chunk.js";t.f.i=(r,o)=>{e[r]||importScripts(t.p+t.u(r))}',
    b'n.u=e=>""+e+"."+n.h()+".js";n.f.i=(r,o)=>{a[r]||importScripts(n.p+n.u(r))}',  # [fullhash]
    b'__webpack_require__.u = (chunkId) => {\n return "" + chunkId + "." + __webpack_require__.h() + ".js";\n};\n'
    b'var chunk = require("./" + __webpack_require__.u(chunkId));',
    b'n.u=e=>e+"."+n.h()+".mjs";n.f.j=(t,o)=>{r[t]||import("./"+n.u(t)).then(i)}',
    # one read, a worker's other `.u` not
    b'r.u=e=>"js/"+e+"."+{1:"aa"}[e]+".js";s.u=e=>"w/"+(e<9?"a":"b")+".js";importScripts(s.p+s.u(r))',
])
def test_a_webpack_loader_that_calls_the_chunk_url_function_loads_chunks(js):
    names, unread = bundle.webpack_chunks(js)
    assert unread.startswith("loads webpack chunks at run time"), (names, unread)


def _worker_runtime(loads: str, hashed: str = ".9f8e7d6c") -> str:
    """A webpack-built worker's entry chunk (123): importScripts chunk loading, one async chunk, loaded so."""
    return ('(()=>{"use strict";var e={},r={};function t(o){return r[o]}t.m=e,t.f={},'
            f't.u=e=>"static/js/"+e+"{hashed}.chunk.js",t.p="/",'
            '(()=>{var e={123:1};t.f.i=(r,o)=>{e[r]||importScripts(t.p+t.u(r))}})(),'
            'self.onmessage=()=>{' + loads + '}})();')


@pytest.mark.parametrize("loads, names", [
    # the one chunk the runtime's own `t.e(N)` loads is scanned; the function still counts as unread: a constant after
    # the id is one chunk's content hash, or a build id every chunk shares, and that chunk may load others
    ("t.e(456).then(t.bind(t,456))", ["static/js/456.9f8e7d6c.chunk.js"]),
    ('t.e("456").then(t.bind(t,456));t.e(456)', ["static/js/456.9f8e7d6c.chunk.js"]),
])
def test_a_single_chunks_url_function_names_the_runtimes_own_chunk_load_and_no_more(loads, names):
    js = _worker_runtime(loads).encode()
    found, why = bundle.webpack_chunks(js)
    assert found == names and "those chunks were not scanned" in why, (found, why)


@pytest.mark.parametrize("js", [
    # no id this runtime loads by a literal: which chunk is not known
    _worker_runtime("t.e(self.id)").encode(),
    # two ids for one chunk's constant hash: no build writes so, not guessed
    _worker_runtime("t.e(456);t.e(789)").encode(),
    # another object's `.e(…)` is no chunk load of this runtime
    _worker_runtime("x.e(456)").encode(),
    # no hash in the file's name: any number of chunks may share the function
    _worker_runtime("t.e(456)", hashed="").encode(),
    # not webpack 5's `.u` (webpack 4 inlined its compilation hash as a constant for many chunks)
    b'function u(e){return o.p+"js/"+e+".9f8e7d6c.js"}o.e(1);c.name="ChunkLoadError"',
])
def test_a_chunk_url_function_without_an_id_map_is_not_guessed(js):
    names, unread = bundle.webpack_chunks(js)
    assert names == [] and unread.startswith("loads webpack chunks at run time"), (names, unread)


def _worker_site(loads: str) -> dict[str, str]:
    """The probe's app: the page's main bundle starts a webpack-built worker (chunk 123) that lazily loads 456."""
    main = ('(()=>{var e,r,t={},n={};function o(e){return t[e]}o.m=t,o.u=e=>"static/js/"+e+"."+{123:"aa11bb22"}[e]'
            '+".chunk.js",o.p="/",(()=>{var e={179:0};o.f.j=(r,t)=>{var i=o.p+o.u(r),c=new Error;'
            'c.name="ChunkLoadError"}})();const w=new Worker(new URL(o.p+o.u(123),o.b));w.postMessage("go")})();')
    return {"/": '<html><script defer src="/static/js/main.1a2b3c4d.js"></script></html>',
            "/static/js/main.1a2b3c4d.js": main,
            "/static/js/123.aa11bb22.chunk.js": _worker_runtime(loads),
            "/static/js/456.9f8e7d6c.chunk.js": f'(self.webpackChunkapp=self.webpackChunkapp||[]).push([[456],'
                                                f'{{456:(e,r,t)=>{{const n=()=>fetch("/x",{{headers:{{apikey:'
                                                f'"{SERVICE}"}}}})}}}}]);'}


def test_a_key_in_a_chunk_a_webpack_worker_loads_fails():
    outcome, _ = walked(_worker_site("t.e(456).then(t.bind(t,456))"))
    assert outcome.status is Status.FAILED, outcome.observed
    assert "service_role key hmac:" in outcome.observed and " in /static/js/456.9f8e7d6c.chunk.js;" in outcome.observed
    assert "those chunks were not scanned" in outcome.observed, outcome.observed  # what 456 may load is not known


def test_a_chunk_a_build_ids_chunk_loads_is_not_passed_unscanned():
    """chunkFilename with a build id (a git SHA): every chunk's name ends in that one constant, no map. Read as one
    chunk's content hash, chunk 456 was all there was: 789, which 456 loads and which holds the key, was never
    fetched and the item passed."""
    site = _worker_site("t.e(456).then(t.bind(t,456))")
    site["/static/js/456.9f8e7d6c.chunk.js"] = ('(self.webpackChunkapp=self.webpackChunkapp||[]).push([[456],'
                                                 '{456:(e,r,t)=>{t.e(789)}}]);')
    site["/static/js/789.9f8e7d6c.chunk.js"] = ('(self.webpackChunkapp=self.webpackChunkapp||[]).push([[789],'
                                                 f'{{789:()=>fetch("/x",{{headers:{{apikey:"{SERVICE}"}}}})}}]);')
    outcome, _ = walked(site)
    assert outcome.status is Status.ERROR, outcome.observed
    assert "those chunks were not scanned" in outcome.observed, outcome.observed


def test_a_webpack_workers_chunks_that_cannot_be_named_are_not_passed():
    outcome, _ = walked(_worker_site("t.e(self.chunk)"))
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed.startswith("could not look at every script: /static/js/123.aa11bb22.chunk.js: loads"
                                       " webpack chunks at run time"), outcome.observed


# -- a key's role, read from its payload; Supabase's API keys ---------------------------------------------------
def _token(header: dict, claims: dict) -> str:
    from jwt.utils import base64url_encode

    parts = [json.dumps(header).encode(), json.dumps(claims).encode(), b"S" * 32]
    return ".".join(base64url_encode(part).decode() for part in parts)


def test_a_key_whose_header_a_jwt_library_refuses_is_read_by_its_payload():
    """Only the payload says what the key may do: a header PyJWT refuses (`"kid": 1`) hides nothing."""
    token = _token({"alg": "HS256", "typ": "JWT", "kid": 1}, {"iss": "supabase", "role": "service_role"})
    [key], _ = bundle.keys_in(f'const k="{token}";'.encode())
    assert (key["role"], key["decodable"]) == ("service_role", True)
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const k="{token}";'})
    assert outcome.status is Status.FAILED and "service_role key hmac:" in outcome.observed, outcome.observed


@pytest.mark.parametrize("payload", ["bm90IGpzb24", "WzEsMiwzLDQsNV0",
                                     "eyJyb2xlIjoiYW5vbiIsInJvbGUiOiJzZXJ2aWNlX3JvbGUifQ"],
                         ids=["not-json", "not-an-object", "role-twice"])
def test_a_jwt_shaped_string_whose_payload_cannot_be_read_is_not_passed(payload):
    token = f"eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJlMTIz"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const k="{token}";'})
    assert outcome.status is Status.ERROR, outcome.observed
    assert outcome.observed == (f"could not read the role of 1 JWT-shaped string (its payload is no JSON object):"
                                f" {fingerprint(token)} in /app.js")
    assert token not in json.dumps(outcome.evidence)


SB_SECRET = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
SB_PUBLISHABLE = "sb_publishable_ZmFrZS1wdWJsaXNoYWJsZS0x_a1b2c3d4"


def test_a_supabase_secret_api_key_fails_and_a_publishable_one_passes():
    outcome, _ = walked({"/": '<script src="/app.js"></script>',
                         "/app.js": f'const k="{SB_SECRET}",p="{SB_PUBLISHABLE}",a="{ANON}";'})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"service_role key (a Supabase secret key, sb_secret_) {fingerprint(SB_SECRET)} in"
                                " /app.js")
    assert "no Supabase secret key (sb_secret_)" in outcome.expected
    assert SB_SECRET not in json.dumps(outcome.evidence) + outcome.observed  # a fingerprint, never the key
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const p="{SB_PUBLISHABLE}";'
                                                                           'if(k.startsWith("sb_secret_"))throw 1'})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "1 script scanned, 1 Supabase publishable key (role anon)"
    assert outcome.evidence["keys"] == [{"asset": "/app.js", "prefix": "sb_publishable_", "role": "anon",
                                         "fingerprint": fingerprint(SB_PUBLISHABLE)}]


@pytest.mark.parametrize("code", [
    'JSON.parse(decodeURIComponent("%7B%22key%22%3A%22{key}%22%7D"))',  # percent-encoded: `%22` ends in a digit
    'fetch(url+"?apikey%3D{key}")',
    'JSON.parse("{{\\u0022key\\u0022:\\u0022{key}\\u0022}}")',  # JS/JSON escapes ending in a hex digit or letter
    'JSON.parse("{{\\x22key\\x22:\\x22{key}\\x22}}")',
    'const keys="anon\\n{key}\\tother"',
], ids=["percent-22", "percent-3D", "u0022", "x22", "newline"])
def test_a_supabase_secret_key_right_after_an_escape_is_found(code):
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code.format(key=SB_SECRET)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"service_role key (a Supabase secret key, sb_secret_) {fingerprint(SB_SECRET)} in"
                                " /app.js")


@pytest.mark.parametrize("code", [
    'const is_sb_secret_key_format_valid_here=1',  # a longer name that holds the prefix is no key
    'const xsb_secret_aaaaaaaaaaaaaaaaaaaaaa=1',
    'const a2sb_secret_aaaaaaaaaaaaaaaaaaaaaa=1',  # a digit that ends no escape
    'const a="sb_secret_"',
])
def test_a_name_that_merely_holds_the_prefix_is_no_supabase_key(code):
    assert bundle.keys_in(code.encode()) == ([], False)


# -- other vendors' secrets a browser must never get: Stripe's secret and restricted keys, PEM private keys ---------
SK_LIVE = "sk_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWDarjtT1zdp7dcXq2LmN0vB8rT5yU"
RK_LIVE = "rk_live_51HqLyjWDarjtT1zdp7dcA9zRt5Vb8Nk4Hj6Wd2Kp9Lx4Mz6RtY3uQ1a"
SK_TEST = "sk_test_51Nq8ZtLmR3vK7pXw2YhJc9Ub4Ge6Fd0Sa"  # random: not one of Stripe's documentation samples
PK_LIVE = "pk_live_51HqLyjWDarjtT1zdp7dcTYooMQauvdEDq54NiTphI7jx"


@pytest.mark.parametrize("key, kind", [
    (SK_LIVE, "secret key of Stripe's form (sk_live_, live mode)"),
    (RK_LIVE, "restricted key of Stripe's form (rk_live_, live mode)"),
    (SK_TEST, "secret key of Stripe's form (sk_test_, test mode)"),
], ids=["sk_live", "rk_live", "sk_test"])
def test_a_stripe_secret_key_fails_whatever_the_forbidden_roles(key, kind):
    """A Stripe secret or restricted key in a browser's script lets anyone act as the account (a test-mode one: on
    its test data, and it says the deploy talks to Stripe in test mode): it fails, its mode named, whatever roles
    the item forbids — it carries none."""
    for roles in (["service_role"], ["supabase_admin"]):
        outcome, _ = walked({"/": '<script src="/app.js"></script>',
                             "/app.js": f'const s=Stripe("{PK_LIVE}");fetch(u,{{headers:{{a:"Bearer {key}"}}}})'},
                            forbidden_roles=roles)
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed == f"{kind} {fingerprint(key[8:])} in /app.js"  # its random part's
        assert "secret or restricted key of Stripe's form (sk_, rk_)" in outcome.expected, outcome.expected
        assert key not in json.dumps(outcome.evidence) + outcome.observed  # a fingerprint, never the key


@pytest.mark.parametrize("code", [
    f'const s=Stripe("{PK_LIVE}")',  # a publishable key is meant for the browser
    'const placeholder="sk_live_XXXXXXXXXXXXXXXXXXXXXXXX"',  # one kind of character: no key
    'const hint="sk_live_your_secret_key_goes_here"',
    'if(k.startsWith("sk_live_"))throw Error("a secret key in the browser")',
    'const task_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWDar=1',  # a longer name holding the prefix
    'const sk_live_short=1',
    'const hint="sk_test_YourStripeSecretKeyHere"',  # words, no digit: a placeholder
    'const hint="sk_live_yourSecretKeyGoesHere"',
    'const hint="sk_test_ReplaceMeWithYourSecretKey"',  # short words between: Me, To, A
    'const hint="sk_live_AddYourKeyToTheEnvFile"',
    'const hint="sk_test_PutASecretKeyHereForTesting"',
], ids=["publishable", "placeholder-x", "placeholder-words", "bare-prefix", "longer-name", "short", "camel-case",
        "camel-case-lower", "short-word-me", "short-word-to", "short-word-a"])
def test_a_stripe_publishable_key_or_a_placeholder_passes(code):
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"] == [], outcome.evidence


@pytest.mark.parametrize("key", [
    SK_LIVE, SK_TEST,
    "sk_live_HqLyjWDarjtTzdpdcXqLmNvB",  # letters only, random: no words
    "sk_live_ToMeAnIsByUsWeOfOrNoGoDo",  # short words alone: no placeholder is made of them only
    "sk_live_AbCdEfGhIjKlMnOpQrStUvWx",
], ids=["sk_live", "sk_test", "letters-only", "short-words-only", "pairs"])
def test_a_random_key_of_stripes_form_is_not_read_as_placeholder_words(key):
    """Short words (`Me`, `To`, `A`) may stand between a placeholder's words; a random part of mixed case (and
    digits) is still a key."""
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const s="{key}";'})
    assert outcome.status is Status.FAILED, (key[:12], outcome.observed)


def test_random_keys_of_letters_are_seldom_read_as_words():
    """Of 50,000 random 24-character parts of letters and digits (a fixed seed: the same strings every run), none is
    read as words run together (the expected rate is about one in a million)."""
    import random
    import string

    chosen = random.Random(205)
    alphabet = (string.ascii_letters + string.digits).encode()
    parts = (bytes(chosen.choices(alphabet, k=24)) for _ in range(50_000))
    assert [part for part in parts if bundle._placeholder_words(part)] == []


STRIPE_SAMPLES = ["sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
                  "sk_test_Hrs6SAopgFPF0bZXSN3f6ELN", "sk_test_26PHem9AhJZvU623DfE1x4sd",
                  "sk_test_VePHdqKTYQjKNInc7u56JBrQ"]  # probe 274: printed by Stripe's samples too, and failed


def test_stripes_documentation_sample_keys_are_noted_not_failed():
    """Stripe's docs print the same test keys to everyone (a docs site built with Docusaurus or Nextra quotes them in
    its chunks): public, no leak — named in the evidence as what they are, and the item passes."""
    js = "".join(f'e("code",null,"curl https://api.stripe.com/v1/charges -u {k}:");' for k in STRIPE_SAMPLES)
    outcome, _ = walked({"/": '<script src="/docs.js"></script>', "/docs.js": js})
    assert outcome.status is Status.PASSED, outcome.observed
    assert [key.get("sample") for key in outcome.evidence["keys"]] == ["Stripe's documentation sample key"] * 5
    assert "5 of Stripe's documentation sample keys (public)" in outcome.observed, outcome.observed
    js += f'const s="{SK_LIVE}";'  # a real key beside them still fails
    outcome, _ = walked({"/": '<script src="/docs.js"></script>', "/docs.js": js})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"secret key of Stripe's form (sk_live_, live mode) {fingerprint(SK_LIVE[8:])} in /docs.js"


@pytest.mark.parametrize("code", ['const k="x%22{key}"', 'const k="\\u0022{key}"', 'const k="a\\n{key}"'],
                         ids=["percent-22", "u0022", "newline"])
def test_a_stripe_secret_key_right_after_an_escape_is_found(code):
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code.format(key=SK_LIVE)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"secret key of Stripe's form (sk_live_, live mode) {fingerprint(SK_LIVE[8:])} in /app.js"


def _pem(form: str) -> str:
    """A freshly made private key, PEM-armoured in `form`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024) if form.startswith("rsa") else \
        ec.generate_private_key(ec.SECP256R1())
    formats = {"pkcs8": (serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
               "rsa": (serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
               "ec": (serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
               "ec-encrypted": (serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.BestAvailableEncryption(b"pass phrase")),
               "rsa-encrypted": (serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.BestAvailableEncryption(b"pass phrase")),
               "encrypted": (serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pass phrase")),
               "openssh": (serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())}
    private_format, encryption = formats[form]
    return key.private_bytes(serialization.Encoding.PEM, private_format, encryption).decode()


def _pem_body(pem: str) -> str:
    """What a PEM key is named by: its base64, its armour, headers (`Proc-Type: …`) and line breaks left out."""
    return "".join(line for line in pem.splitlines()[1:-1] if ":" not in line)


@pytest.mark.parametrize("form, armour", [("pkcs8", "PRIVATE KEY"), ("rsa", "RSA PRIVATE KEY"),
                                          ("ec", "EC PRIVATE KEY"), ("ec-encrypted", "EC PRIVATE KEY"),
                                          ("encrypted", "ENCRYPTED PRIVATE KEY"),
                                          ("openssh", "OPENSSH PRIVATE KEY")])
def test_a_pem_private_key_in_a_script_fails_however_it_is_written(form, armour):
    """A private key (a service account's, a JWT signer's) bundled into client code is leaked: as a JSON string
    (`\\n` for its line breaks), a template literal (line breaks as they are) or in Next's flight data (escaped
    twice): one key, one fingerprint, never the key itself."""
    pem = _pem(form)
    named = f"private key (PEM, -----BEGIN {armour}-----) {fingerprint(_pem_body(pem))} in"
    for code in (f"const k={json.dumps(pem)};", f"const k=`{pem}`;",
                 f'self.__next_f.push([1,{json.dumps(json.dumps({"key": pem}))}])'):
        outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
        assert outcome.status is Status.FAILED, (code[:40], outcome.observed)
        assert outcome.observed == f"{named} /app.js", outcome.observed
        assert _pem_body(pem)[:40] not in json.dumps(outcome.evidence) + outcome.observed


@pytest.mark.parametrize("code", [
    'const h="-----BEGIN PRIVATE KEY-----",t="-----END PRIVATE KEY-----";',  # a PEM library's armour: no key
    'pem=`-----BEGIN ${type}-----\\n${body}\\n-----END ${type}-----`',
    'const doc="-----BEGIN RSA PRIVATE KEY-----\\n...\\n-----END RSA PRIVATE KEY-----"',  # a docs page's elision
    'const c="-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIUYk9mP3dDkB0wCgYIKoZIzj0EAwIwDzENMAsGA1UEAwwE\\n'
    '-----END CERTIFICATE-----"',  # a certificate is public
    'placeholder:"-----BEGIN OPENSSH PRIVATE KEY-----\\nPaste the private key of your GitHub deploy key here\\n'
    '-----END OPENSSH PRIVATE KEY-----"',  # a settings form's hint
    'x:"-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n'
    '-----END RSA PRIVATE KEY-----"',  # a docs page's start of a key, then x's: no DER of that length
    'x:"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\\n'
    'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\\n-----END PRIVATE KEY-----"',  # two lines of one
    'x:"-----BEGIN EC PRIVATE KEY-----\\nProc-Type: 4,ENCRYPTED\\nDEK-Info: AES-128-CBC,0123456789ABCDEF\\n\\n'
    + "AAAA" * 40 + '\\n-----END EC PRIVATE KEY-----"',  # an encrypted key's headers over a run of A's
    'x:"-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\\nPaste your armoured private key block here to sign releases '
    'with it, then press Save to keep it in this browser only\\n-----END PGP PRIVATE KEY BLOCK-----"',
], ids=["armour-constants", "template", "elided", "certificate", "prose", "der-placeholder", "der-cut",
        "encrypted-run", "pgp-prose"])
def test_pem_armour_without_a_private_key_passes(code):
    """Armour around what is no key — a hint's words, a docs page's start of a key padded with x's, a run of A's —
    is no leak: the body must be a key's (DER of its own length, OpenSSH's magic, or an encrypted key's random
    bytes)."""
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"] == [], outcome.evidence


@pytest.mark.parametrize("escaped", [("/", "\\u002F"), ("+", "\\u002B"), ("/", "\\u002f"), ("+", "\\x2B")],
                         ids=["devalue-slash", "dotnet-plus", "lower-case", "x-escape"])
def test_a_pem_private_key_written_with_unicode_escapes_fails(escaped):
    """SvelteKit's devalue writes `/` as `\\u002F`, .NET's System.Text.Json `+` as `\\u002B`: the string is the same
    key once read, and named by the same fingerprint."""
    character, escape = escaped
    pem = _pem("rsa")
    body = _pem_body(pem)
    assert character in body  # 1024-bit RSA's ~840 base64 characters: each of `/` and `+` is there
    code = "window.__config=" + json.dumps({"signingKey": pem}).replace(character, escape) + ";"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (PEM, -----BEGIN RSA PRIVATE KEY-----) {fingerprint(body)} in /app.js"
    assert body[:40] not in json.dumps(outcome.evidence) + outcome.observed


def test_a_pem_private_key_whose_line_breaks_are_unicode_escapes_fails():
    """A serializer escaping every control character writes a line break as `\\u000A` (or `\\u000a`)."""
    pem = _pem("ec")
    code = 'const k="' + "\\u000A".join(pem.strip().splitlines()) + '";'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    named = f"private key (PEM, -----BEGIN EC PRIVATE KEY-----) {fingerprint(_pem_body(pem))}"
    assert outcome.observed == f"{named} in /app.js"


@pytest.mark.parametrize("continued", ["\\n\\\n", "\\n\\\r\n", "\\\n"], ids=["newline-lf", "newline-crlf", "bare"])
def test_a_pem_private_key_written_with_line_continuations_fails(continued):
    """A hand-written multi-line JS string ends each line in `\\n\\` and a line break (ECMAScript's line
    continuation: the backslash and the break are no part of the string)."""
    pem = _pem("pkcs8")
    code = 'var SIGNING_KEY = "' + continued.join(pem.strip().splitlines()) + '";\n'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    named = f"private key (PEM, -----BEGIN PRIVATE KEY-----) {fingerprint(_pem_body(pem))}"
    assert outcome.observed == f"{named} in /app.js"


def _des_encrypted_pem() -> str:
    """A traditional PEM encrypted with DES-EDE3-CBC (an older OpenSSL's default): an 8-byte IV, 16 hex digits."""
    import base64
    import os

    body = base64.b64encode(os.urandom(600)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return (f"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            f"DEK-Info: DES-EDE3-CBC,{os.urandom(8).hex().upper()}\n\n{lines}\n-----END RSA PRIVATE KEY-----\n")


@pytest.mark.parametrize("form", ["ec-encrypted", "rsa-encrypted", "des", "lower-case-cipher"])
@pytest.mark.parametrize("joined", ["", " "], ids=["flat", "spaced"])
def test_an_encrypted_traditional_pem_flattened_to_one_line_fails(form, joined):
    """`pem.replace(/\\n/g, "")` (an env var flattened to one line) runs `DEK-Info: AES-256-CBC,<IV>` into the
    base64: the headers' values are bounded (RFC 1421's Proc-Type values, an IV of its cipher's length, its name in
    either case), so the body is still read — one key, one fingerprint."""
    pem = (_des_encrypted_pem() if form == "des" else
           _pem("rsa-encrypted").replace("DEK-Info: AES-256-CBC", "DEK-Info: aes-256-cbc") if form == "lower-case-cipher"
           else _pem(form))
    code = "const k=" + json.dumps(pem.replace("\n", joined)) + ";"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    armour = "EC PRIVATE KEY" if form == "ec-encrypted" else "RSA PRIVATE KEY"
    assert outcome.observed == f"private key (PEM, -----BEGIN {armour}-----) {fingerprint(_pem_body(pem))} in /app.js"


def test_a_key_body_of_escapes_and_seams_costs_linear_time():
    """A body of backslashes ending at a string piece's seam (`-----BEGIN PRIVATE KEY-----\\\\…\\","-----END …`):
    each escape and seam was tried from every backslash of the run, its end sought again each time — 64,000 of them
    took seconds, a script at the size limit hours, with no deadline around the scan. Measured as a ratio in one
    process: 16 times the run costs about 16 times the CPU, not 256."""
    import time

    def cpu_to_judge(n: int) -> float:
        pem = "-----BEGIN PRIVATE KEY-----" + "\\" * n + '","' + "-----END PRIVATE KEY-----"
        start = time.process_time()
        bundle._a_key_body(pem)
        bundle.PEM_ESCAPE.sub(b"", pem.encode())
        return time.process_time() - start

    small = min(cpu_to_judge(8_000) for _ in range(3))
    whole = cpu_to_judge(128_000)
    assert whole < 64 * max(small, 0.001), (whole, small)


def _pgp_block() -> str:
    """An ASCII-armoured OpenPGP private key block's shape: random bytes (a key's packets), 64 to a line, a checksum."""
    import base64
    import os

    body = base64.b64encode(os.urandom(300)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{lines}\n=Ab3d\n-----END PGP PRIVATE KEY BLOCK-----\n"


def test_a_pgp_private_key_block_fails():
    """openpgp.js apps keep a private key block as a string: as leaked as a PEM key."""
    block = _pgp_block()
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const k={json.dumps(block)};"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.startswith("private key (OpenPGP, -----BEGIN PGP PRIVATE KEY BLOCK-----) hmac:"), \
        outcome.observed


@pytest.mark.parametrize("separator", ['","', '", "', "','", "', '"], ids=["json", "json-spaced", "single", "spaced"])
def test_a_pem_key_written_as_lines_joined_at_run_time_fails(separator):
    """`["-----BEGIN PRIVATE KEY-----","MIIB…",…].join("\\n")`: terser and esbuild leave such an array as written."""
    pem = _pem("pkcs8")
    quote = separator[0]
    code = f"const k=[{quote}{separator.join(pem.strip().splitlines())}{quote}].join(\"\\n\");"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    named = f"private key (PEM, -----BEGIN PRIVATE KEY-----) {fingerprint(_pem_body(pem))}"
    assert outcome.observed == f"{named} in /app.js"


@pytest.mark.parametrize("separator", ['","', '"+"'], ids=["array", "concatenation"])
def test_a_pem_key_joined_at_run_time_inside_webpacks_eval_fails(separator):
    """webpack's `devtool: eval` (a development build served to production) wraps each module in `eval("…")`: the
    seams of the key's pieces are escaped (`\\",\\"`)."""
    pem = _pem("pkcs8")
    lines = pem.strip().splitlines()
    module = (f'const k=["{separator.join(lines)}"].join("\\n");' if separator == '","' else
              f'const k="{separator.join(line + chr(92) + "n" for line in lines)}";')
    code = f"eval({json.dumps(module + '//# sourceURL=webpack://app/./src/keys.js?')});"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    named = f"private key (PEM, -----BEGIN PRIVATE KEY-----) {fingerprint(_pem_body(pem))}"
    assert outcome.observed == f"{named} in /app.js"


def test_a_base64_encoded_pem_key_fails():
    """A *_PRIVATE_KEY_BASE64 variable's value inlined into client code (`atob("LS0tLS1CRUdJTi…")`) is the key."""
    import base64

    pem = _pem("rsa")
    encoded = base64.b64encode(pem.encode()).decode()
    for code in (f'const k=atob("{encoded}");', f'const k=atob("{encoded[:200]}\\n{encoded[200:]}");'):
        outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
        assert outcome.status is Status.FAILED, outcome.observed
        assert outcome.observed == (f"private key (PEM, base64-encoded, -----BEGIN RSA PRIVATE KEY-----) "
                                    f"{fingerprint(_pem_body(pem))} in /app.js"), outcome.observed
        assert encoded[:40] not in json.dumps(outcome.evidence)


def test_base64_of_armour_alone_passes():
    import base64

    code = f'const h=atob("{base64.b64encode(b"-----BEGIN PRIVATE KEY-----").decode()}");'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.PASSED, outcome.observed

# -- probe 268: keys the scan missed, placeholders it failed, public labels it masked -------------------------------
def _scan_cpu(text: str) -> float:
    """CPU one asset's scan for keys takes (every key pattern, as a fetched script is scanned)."""
    import time

    crawl = bundle.Crawl("http://127.0.0.1/", bundle.Params(service="app"))
    start = time.process_time()
    crawl.scan("/app.js", [text.encode()])
    return time.process_time() - start


def _scans_linearly(make) -> None:
    """4 times the bytes cost about 4 times the CPU (a quadratic scan: 16 times), measured in one process, the
    fastest of a few runs of each."""
    small = min(_scan_cpu(make(60_000)) for _ in range(3))
    big = min(_scan_cpu(make(240_000)) for _ in range(2))
    assert big < 10 * max(small, 0.002), (big, small)


def _service_account(pem: str, pad: int) -> str:
    """A service account's JSON as FIREBASE_SERVICE_ACCOUNT_BASE64 holds it: base64, its key at any offset."""
    import base64

    account = {"type": "service_account", "project_id": "shop-prod" + "x" * pad, "private_key_id": "0f1e2d",
               "private_key": pem, "client_email": "ci@shop-prod.iam.gserviceaccount.com"}
    return base64.b64encode(json.dumps(account, indent=2).encode()).decode()


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_a_base64_encoded_service_account_fails_wherever_its_key_starts(pad):
    """Inside base64 of a JSON document the PEM's `-----BEGIN` falls on any of the three byte offsets a base64 group
    has: each is found, decoded from its own alignment, and named by the key's fingerprint."""
    pem = _pem("pkcs8")
    encoded = _service_account(pem, pad)
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const sa=JSON.parse(atob("{encoded}"));'})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"private key (PEM, base64-encoded, -----BEGIN PRIVATE KEY-----) "
                                f"{fingerprint(_pem_body(pem))} in /app.js"), outcome.observed


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_base64_of_a_document_without_a_key_passes_at_every_offset(pad):
    """Base64 of armour alone, or of a service account's JSON whose key is a placeholder, is no key at any offset."""
    import base64

    armour = base64.b64encode(b"x" * pad + b"-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----").decode()
    code = f'const a=atob("{armour}"),b=atob("{_service_account("-----BEGIN PRIVATE KEY-----", pad)}");'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.PASSED, outcome.observed


@pytest.mark.parametrize("shape", ["starts", "shifted-starts", "long-run"])
def test_encoded_pem_starts_at_every_offset_scan_linearly(shape):
    starts = ["LS0tLS1CRUdJTi", "0tLS0tQkVHSU4g", "tLS0tLUJFR0lOI"]
    make = {"starts": lambda n: "".join(starts) * (n // 42),
            "shifted-starts": lambda n: ("0tLS0tQkVHSU4g" + "tLS0tLUJFR0lOI") * (n // 28),
            "long-run": lambda n: ("tLS0tLUJFR0lOI" + "A" * 20_000 + '"') * (n // 20_016)}[shape]
    _scans_linearly(make)


def _jwk(kty: str) -> dict:
    """A freshly made private key as a JWK (what jose's exportJWK gives): its private `d` with the public members."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    def b64(number: int, size: int) -> str:
        return base64.urlsafe_b64encode(number.to_bytes(size, "big")).rstrip(b"=").decode()

    if kty == "EC":
        numbers = ec.generate_private_key(ec.SECP256R1()).private_numbers()
        return {"kty": "EC", "crv": "P-256", "x": b64(numbers.public_numbers.x, 32),
                "y": b64(numbers.public_numbers.y, 32), "d": b64(numbers.private_value, 32)}
    if kty == "OKP":
        from cryptography.hazmat.primitives import serialization

        key = ed25519.Ed25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64(int.from_bytes(public, "big"), 32),
                "d": b64(int.from_bytes(raw, "big"), 32)}
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_numbers()
    return {"kty": "RSA", "n": b64(numbers.public_numbers.n, 128), "e": "AQAB", "d": b64(numbers.d, 128),
            "p": b64(numbers.p, 64), "q": b64(numbers.q, 64), "dp": b64(numbers.dmp1, 64),
            "dq": b64(numbers.dmq1, 64), "qi": b64(numbers.iqmp, 64)}


def _js_object(members: dict) -> str:
    """`members` as a minifier writes an object literal: names unquoted."""
    return "{" + ",".join(f"{name}:{json.dumps(value)}" for name, value in members.items()) + "}"


@pytest.mark.parametrize("kty", ["EC", "RSA", "OKP"])
@pytest.mark.parametrize("written", ["json", "js-object", "d-first", "escaped-json"])
def test_a_jwk_private_key_fails(kty, written):
    """A private key shipped as a JWK (jose's `importJWK({kty, crv, x, y, d}, "ES256")`, WebCrypto's exported key,
    whose members come in alphabetical order): any member order, names quoted or not, inside a JSON string too;
    named by the fingerprint of its `d`, never shown."""
    jwk = _jwk(kty)
    reordered = {"d": jwk["d"], **{name: value for name, value in jwk.items() if name != "d"}}
    code = {"json": f"const k=await importJWK({json.dumps(jwk)},'ES256');",
            "js-object": f"const k=await importJWK({_js_object(jwk)},'ES256');",
            "d-first": f"const k={json.dumps(reordered, sort_keys=True)};",
            "escaped-json": f"const k=JSON.parse({json.dumps(json.dumps(jwk))});"}[written]
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (JWK, kty {kty}) {fingerprint(jwk['d'])} in /app.js", outcome.observed
    assert jwk["d"] not in json.dumps(outcome.evidence) + outcome.observed


@pytest.mark.parametrize("code", [
    "const pub={jwk};",  # a public key: no `d`
    'const k={kty:"EC",crv:"P-256",d:key.d,x:"a",y:"b"};',  # `d` from elsewhere: no key in the script
    'const k={kty:"EC",crv:"P-256",d:"YOUR_PRIVATE_KEY_D_PARAMETER_GOES_HERE_PLEASE"};',  # a placeholder
    'const k={kty:"EC",d:"short"};',
    'const k={kty:"oct",k:"GawgguFyGr8"};',  # a symmetric key of 8 bytes: no key's length
    'const o={kind:"EC",d:"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG"};',  # no kty: no JWK
    'const k={kty:"oct",k:"YOUR_HMAC_SECRET_GOES_HERE"};',  # a placeholder of one kind of character
], ids=["public", "d-elsewhere", "placeholder", "short-d", "short-oct", "no-kty", "oct-placeholder"])
def test_a_public_jwk_or_a_look_alike_passes(code):
    public = {name: value for name, value in _jwk("EC").items() if name != "d"}
    outcome, _ = walked({"/": '<script src="/app.js"></script>',
                         "/app.js": code.replace("{jwk}", json.dumps(public))})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"] == [], outcome.evidence


@pytest.mark.parametrize("shape", ["object-starts", "kty-runs", "one-long-object", "long-d", "quote-runs",
                                   "escape-runs", "non-ascii-object", "public-objects", "private-objects"])
def test_jwk_objects_scan_linearly(shape):
    make = {"object-starts": lambda n: "{kty" * (n // 4),
            "kty-runs": lambda n: "{" + "kty:'EC'," * (n // 9),
            "one-long-object": lambda n: '{kty:"EC",' + 'd:"a",' * (n // 6) + "}",
            "long-d": lambda n: '{kty:"EC",d:"' + "Ab1" * (n // 3) + '"}',
            "quote-runs": lambda n: "{kty " + '\\"' * (n // 2) + "}",
            "escape-runs": lambda n: "{kty " + "\\u0022" * (n // 6) + "}",
            "non-ascii-object": lambda n: '{kty:"EC",kid:"' + "é" * (n // 2) + '"}',
            "public-objects": lambda n: '{kty:"EC",x:"Ab1",y:"Cd2"},' * (n // 26),
            "private-objects": lambda n: '{kty:"EC",d:"Ab1"},' * (n // 19)}[shape]
    _scans_linearly(make)


def _jwk_written(kty: str, written: str) -> tuple[dict, str]:
    """A private JWK and a script holding it `written` so: in a JWKS (the `keys.json` generated with its private
    parts), under a member, with a non-ASCII `kid`, with `use` and an `x5c` chain, inside a string whose quotes are
    `\\u0022` (what .NET's JSON encoder writes for a quote inside a string)."""
    jwk = _jwk(kty)
    code = {"jwks": f"const jwks={json.dumps({'keys': [{'kty': 'EC', 'x': 'a', 'y': 'b'}, jwk]})};",
            "jwks-js": "const jwks={keys:[" + _js_object(jwk) + "]};",
            "member": "const c={jwk:" + _js_object(jwk) + "};",
            "non-ascii-kid": 'const k={kid:"clé-1",' + _js_object(jwk)[1:] + ";",
            "x5c": "const k=" + _js_object({**jwk, "use": "sig", "x5c": ["MIIBszCCAVmgAwIBAgIU+/=="]}) + ";",
            "u0022": "const k=JSON.parse(\"" + json.dumps(jwk).replace('"', "\\u0022") + "\");"}[written]
    return jwk, code


@pytest.mark.parametrize("kty", ["EC", "RSA"])
@pytest.mark.parametrize("written", ["jwks", "jwks-js", "member", "non-ascii-kid", "x5c", "u0022"])
def test_a_jwk_private_key_written_otherwise_fails(kty, written):
    jwk, code = _jwk_written(kty, written)
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (JWK, kty {kty}) {fingerprint(jwk['d'])} in /app.js", outcome.observed
    assert jwk["d"] not in json.dumps(outcome.evidence) + outcome.observed


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("written", ["js-object", "json", "u0022"])
def test_a_symmetric_jwk_key_fails(size, written):
    """A `kty: "oct"` JWK of 16 bytes or more is a symmetric key (an HMAC secret, an AES key): secret by
    definition, so no browser may hold one; named by the fingerprint of its `k`."""
    import base64
    import os

    jwk = {"kty": "oct", "alg": "HS256", "k": base64.urlsafe_b64encode(os.urandom(size)).rstrip(b"=").decode()}
    code = {"js-object": "const k=await importJWK(" + _js_object(jwk) + ",'HS256');",
            "json": f"const k={json.dumps(jwk)};",
            "u0022": "const k=JSON.parse(\"" + json.dumps(jwk).replace('"', "\\u0022") + "\");"}[written]
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"symmetric key (JWK, kty oct) {fingerprint(jwk['k'])} in /app.js", outcome.observed
    assert jwk["k"] not in json.dumps(outcome.evidence) + outcome.observed


def _public_jwks(count: int) -> dict:
    """A JWKS of `count` distinct public keys (an identity provider's, served as a script's constant)."""
    public = {name: value for name, value in _jwk("EC").items() if name != "d"}
    return {"keys": [{**public, "kid": f"key-{n}", "use": "sig"} for n in range(count)]}


def test_a_jwks_of_many_public_keys_passes():
    """Public JWKs are no key and cost little to pass over: 150 of them are no more than a JWKS, not an error."""
    outcome, _ = walked({"/": '<script src="/app.js"></script>',
                         "/app.js": f"const jwks={json.dumps(_public_jwks(150))};"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"] == [] and "incomplete" not in outcome.evidence, outcome.evidence


def test_a_private_jwk_after_many_public_ones_fails_with_nothing_left_unread():
    jwks = _public_jwks(150)
    jwk = _jwk("EC")
    jwks["keys"].append(jwk)
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const jwks={json.dumps(jwks)};"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (JWK, kty EC) {fingerprint(jwk['d'])} in /app.js", outcome.observed
    assert "incomplete" not in outcome.evidence, outcome.evidence


def test_more_possibly_private_jwks_than_are_read_is_an_error():
    """Objects holding a private member (`d`, `k`, `p`, …) are read, at most MAX_TOKENS distinct ones: past them a
    key may be left unread."""
    objects = ",".join(f'{{kty:"EC",kid:"{n}",d:"short"}}' for n in range(bundle.MAX_TOKENS + 1))
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const many=[{objects}];"})
    assert outcome.status is Status.ERROR, outcome.observed
    assert (f"/app.js: more than {bundle.MAX_TOKENS} JWK-like objects holding a private member (d, k, p, q, dp, dq,"
            " qi); the rest not read") in outcome.observed, outcome.observed


# -- fix 226: a JWK written base64-encoded (`JSON.parse(atob("eyJ…"))`, a build-time env var baked in) ---------------
def _oct_jwk() -> dict:
    import base64
    import os

    return {"kty": "oct", "alg": "HS256", "k": base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()}


def _encoded(members: dict, order: str, alphabet: str) -> str:
    """`members` as JSON, its members in `order` (as written, WebCrypto's alphabetical, or `{ "…` with a blank),
    base64-encoded with `alphabet` (standard, or base64url without padding)."""
    import base64

    text = {"as-written": json.dumps(members, separators=(",", ":")),
            "alphabetical": json.dumps(members, sort_keys=True),
            "blank": "{ " + json.dumps(members)[1:]}[order]
    if alphabet == "base64":
        return base64.b64encode(text.encode()).decode()
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alphabet", ["base64", "base64url"])
@pytest.mark.parametrize("order", ["as-written", "alphabetical", "blank"])
@pytest.mark.parametrize("kty", ["EC", "oct"])
def test_a_base64_encoded_private_or_symmetric_jwk_fails(kty, order, alphabet):
    """`importJWK(JSON.parse(atob("eyJrdHki…")))`: a JWK kept on one env line base64-encoded and baked in at build
    time is read as the plain text is, in any member order and either alphabet; named by its secret's fingerprint,
    never shown."""
    jwk = _jwk("EC") if kty == "EC" else _oct_jwk()
    secret = jwk["d"] if kty == "EC" else jwk["k"]
    code = f'const k=await importJWK(JSON.parse(atob("{_encoded(jwk, order, alphabet)}")));'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    kind = "private key" if kty == "EC" else "symmetric key"
    assert outcome.observed == f"{kind} (JWK, base64-encoded, kty {kty}) {fingerprint(secret)} in /app.js", \
        outcome.observed
    assert secret not in json.dumps(outcome.evidence) + outcome.observed


def test_a_base64_encoded_jwks_with_a_private_key_fails():
    jwk = _jwk("RSA")
    jwks = {"keys": [{"kty": "EC", "x": "a", "y": "b"}, jwk]}
    code = f'const jwks=JSON.parse(atob("{_encoded(jwks, "as-written", "base64")}"));'
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (JWK, base64-encoded, kty RSA) {fingerprint(jwk['d'])} in /app.js"


@pytest.mark.parametrize("written", ["public-jwk", "public-jwks", "config", "config-url", "jwt"])
def test_base64_of_a_public_jwk_or_a_config_passes(written):
    """Base64 of a public JWK or JWKS, or of an ordinary JSON config, is no key; a JWT (dot-separated) is judged by
    its role as before."""
    public = {name: value for name, value in _jwk("EC").items() if name != "d"}
    config = {"apiUrl": "https://api.bakery.example", "release": "2024.06.1", "features": {"beta": False}}
    encoded = {"public-jwk": _encoded(public, "alphabetical", "base64"),
               "public-jwks": _encoded(_public_jwks(3), "as-written", "base64url"),
               "config": _encoded(config, "as-written", "base64"),
               "config-url": _encoded(config, "blank", "base64url"),
               "jwt": ANON}[written]
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const c=JSON.parse(atob("{encoded}"));'})
    assert outcome.status is Status.PASSED, outcome.observed
    assert [key for key in outcome.evidence["keys"] if "secret" in key] == [], outcome.evidence
    assert "incomplete" not in outcome.evidence, outcome.evidence


def test_more_base64_encoded_json_texts_than_are_read_is_an_error():
    """At most MAX_TOKENS distinct base64-encoded JSON texts are decoded: past them a key may be left unread."""
    import base64

    texts = ",".join('"' + base64.b64encode(json.dumps({"apiUrl": f"https://api{n}.example"}).encode()).decode()
                     + '"' for n in range(bundle.MAX_TOKENS + 1))
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const many=[{texts}];"})
    assert outcome.status is Status.ERROR, outcome.observed
    assert f"/app.js: more than {bundle.MAX_TOKENS} base64-encoded JSON texts; the rest not read" in outcome.observed


@pytest.mark.parametrize("shape", ["object-starts", "blank-starts", "one-long-run", "jwt-like-runs", "encoded-jwks"])
def test_base64_json_texts_scan_linearly(shape):
    import base64

    public = base64.b64encode(json.dumps(_public_jwks(1)).encode()).decode()
    make = {"object-starts": lambda n: "eyJ" * (n // 3),
            "blank-starts": lambda n: "ewogICAg" * (n // 8),
            "one-long-run": lambda n: '"eyJ' + "A" * n + '"',
            "jwt-like-runs": lambda n: ("eyJhbGciOiJI" + "A" * 40 + ".") * (n // 53),
            "encoded-jwks": lambda n: (f'"{public}",') * (n // (len(public) + 3))}[shape]
    _scans_linearly(make)


@pytest.mark.parametrize("padding", ["=", "=="])
@pytest.mark.parametrize("kty", ["EC", "oct"])
def test_a_jwk_secret_with_base64_padding_fails(kty, padding):
    """RFC 7515 forbids padding in a JWK's base64url, but some encoders add it: `d:"…="` is the same key, named by
    the same fingerprint as without it."""
    import base64
    import os

    raw = base64.urlsafe_b64encode(os.urandom(32 if padding == "=" else 31)).decode()  # 32 bytes: one `=`; 31: two
    assert raw.endswith(padding) and not raw.endswith("=" + padding)
    secret = raw.rstrip("=")
    jwk = {"kty": kty, "crv": "P-256", "x": "a", "y": "b", "d": raw} if kty == "EC" else {"kty": "oct", "k": raw}
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const k={json.dumps(jwk)};"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith(f") {fingerprint(secret)} in /app.js"), outcome.observed
    assert secret not in json.dumps(outcome.evidence) + outcome.observed


@pytest.mark.parametrize("placeholder", ["sk_live_InsertYourAPIKeyHere", "sk_live_YourStripeAPIKeyHere",
                                         "sk_test_YourSecretKeyGoesHERE", "sk_test_YourStripeSecretKeyId",
                                         "sk_live_PasteYourSECRETKeyHere", "sk_test_YourAPISecretKeyFromTheDashboard",
                                         # probe 274: x'd-out tutorial keys, more shouted words
                                         "sk_test_51Hxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                         "sk_live_51XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "sk_test_InsertYourSecretJWTKeyHere",
                                         "sk_test_YourOAuthClientSecretHere", "sk_test_PLACEHOLDERSecretKey",
                                         "sk_test_YourTestSecretKeyXXXXXX"])
def test_a_placeholder_with_an_all_caps_word_passes(placeholder):
    """Words run together with an acronym or a shouted word (`API`, `HERE`, `Id`) are a placeholder too."""
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const help="{placeholder}";'})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"] == [], outcome.evidence


@pytest.mark.parametrize("key", ["sk_live_APIKEYHEREqLyjWDarjtTzdpd", "sk_live_IDAPIURLKEYHEREa9XqLmNvB8",
                                 "sk_live_YourAPIKeyHere4eC39HqLyjW", "sk_live_51HqLyjWDarjtT1zdp7dcxxxxQ2"],
                         ids=["caps-then-random", "caps-words-then-random", "words-and-a-digit", "four-xs"])
def test_all_caps_words_before_a_random_part_are_still_a_key(key):
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const s="{key}";'})
    assert outcome.status is Status.FAILED, (key[:12], outcome.observed)


def test_random_keys_are_seldom_read_as_words_with_all_caps_ones():
    """The all-caps words allowed are a closed list: random parts of Stripe's alphabet are still read as words
    about once in a million, never in these 100,000 (a fixed seed)."""
    import random
    import string

    chosen = random.Random(268)
    alphabet = (string.ascii_letters + string.digits).encode()
    parts = (bytes(chosen.choices(alphabet, k=24)) for _ in range(100_000))
    assert [part for part in parts if bundle._placeholder_words(part)] == []


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_pem_body_inside_a_template_literals_seam_fails(quote):
    """An unminified build's template literal around a constant inlined at build time:
    `` `-----BEGIN PRIVATE KEY-----\\n${"MIGH…"}\\n-----END PRIVATE KEY-----` ``."""
    pem = _pem("pkcs8")
    lines = pem.strip().splitlines()
    body = "\\n".join(lines[1:-1])
    code = f"const k=`{lines[0]}\\n${{{quote}{body}{quote}}}\\n{lines[-1]}`;"
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": code})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"private key (PEM, -----BEGIN PRIVATE KEY-----) {fingerprint(_pem_body(pem))} in /app.js"


@pytest.mark.parametrize("shape", ["opening-seams", "closing-seams", "backslashes-then-seam", "code-point-escapes",
                                   "code-point-zeros", "octal-escapes"])
def test_template_seams_and_escapes_in_a_key_body_scan_linearly(shape):
    begin, end = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"
    make = {"opening-seams": lambda n: begin + '${"' * (n // 3) + end,
            "closing-seams": lambda n: begin + '"}' * (n // 2) + end,
            "backslashes-then-seam": lambda n: begin + "\\" * n + '"}' + end,
            "code-point-escapes": lambda n: begin + "\\u{" * (n // 3) + end,
            "code-point-zeros": lambda n: begin + "\\u{" + "0" * n + end,
            "octal-escapes": lambda n: begin + "\\5" * (n // 2) + end}[shape]
    _scans_linearly(make)


@pytest.mark.parametrize("written", ["code-point", "code-point-zeros", "code-point-line-breaks", "octal"])
def test_a_pem_private_key_written_with_es2015_or_octal_escapes_fails(written):
    """ES2015's code-point escapes (`\\u{2F}`, `\\u{00002B}`, `\\u{A}`) and a sloppy-mode string's octal ones
    (`\\57`, `\\053`, `\\012`) are the same key once read: one fingerprint."""
    pem = _pem("rsa")
    text = json.dumps(pem)
    code = {"code-point": text.replace("/", "\\u{2F}").replace("+", "\\u{2B}"),
            "code-point-zeros": text.replace("/", "\\u{00002f}").replace("+", "\\u{0002B}"),
            "code-point-line-breaks": text.replace("\\n", "\\u{A}"),
            "octal": text.replace("/", "\\57").replace("+", "\\053").replace("\\n", "\\012")}[written]
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f"const k={code};"})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == (f"private key (PEM, -----BEGIN RSA PRIVATE KEY-----) {fingerprint(_pem_body(pem))}"
                                " in /app.js"), outcome.observed


def _redacting_walk(code: str):
    """The item's outcome on a site serving `code`, as the engine shows it: cleaned by the run's redactor."""
    from .kit import make_target, route_server

    routes = {("GET", "/"): (200, '<script src="/app.js"></script>', {"content-type": "text/html"}),
              ("GET", "/app.js"): (200, code, {"content-type": "text/javascript"})}
    with route_server({route: (lambda h, b, reply=reply: reply) for route, reply in routes.items()}) as base:
        target = make_target({"services": {"app": {"url": base}}})
        c = check()
        return bundle.judge(c, bundle.gather(target, [c])).redacted(target.redactor), target.redactor


def test_a_keys_public_armour_and_form_stay_readable_once_redacted():
    """What the run learns of a key is its secret part alone — a PEM's base64, a Stripe-form key's random part, a
    JWK's `d` —: the armour and form the verdict names are no part of a secret, and the key written anywhere is
    masked under the fingerprint the verdict names it by."""
    import base64

    pem, encoded_pem = _pem("ec"), _pem("rsa")
    jwk = _jwk("EC")
    code = (f"const k={json.dumps(pem)},s=\"{SK_TEST}\",j={json.dumps(jwk)},"
            f"b=atob(\"{base64.b64encode(encoded_pem.encode()).decode()}\");")
    outcome, redactor = _redacting_walk(code)
    shown = outcome.observed + json.dumps(outcome.evidence)
    assert "[redacted" not in shown, shown
    assert [key["form"] for key in outcome.evidence["keys"]] == ["sk_test_", "-----BEGIN EC PRIVATE KEY-----",
                                                                 "-----BEGIN RSA PRIVATE KEY-----", "kty EC"]
    key_fingerprints = {key["fingerprint"] for key in outcome.evidence["keys"]}
    masked = redactor.text(f"{pem} {SK_TEST} {jwk['d']}")
    assert {f"hmac:{mark}" for mark in re.findall(r"\[redacted hmac:([0-9a-f]{8})\]", masked)} <= key_fingerprints, \
        masked
    assert _pem_body(pem)[:20] not in masked and SK_TEST[8:] not in masked and jwk["d"] not in masked


def _spaced_token(header_json: bytes, claims: dict) -> str:
    from jwt.utils import base64url_encode

    return ".".join(base64url_encode(part).decode() for part in (header_json, json.dumps(claims).encode(), b"S" * 32))


@pytest.mark.parametrize("header", [b'{ "alg": "HS256", "typ": "JWT" }', b'{\n"alg":"HS256"}',
                                    b'{\n  "alg": "HS256",\n  "typ": "JWT"\n}', b'{\r\n\t"alg":"HS256"}',
                                    b'{\n    "typ": "JWT"}', b'{\t \t \t \t "alg":"HS256"}'],
                         ids=["space", "newline", "indent-2", "crlf-tab", "indent-4", "nine-blanks"])
def test_a_jwt_whose_header_has_blanks_before_its_first_key_is_read(header):
    """A server reads `{ "alg": …}` as it does `{"alg":…}`: base64 that starts `eyAi`, `ewoi`, `ewog…`, not `eyJ`."""
    token = _spaced_token(header, {"role": "service_role"})
    outcome, _ = walked({"/": '<script src="/app.js"></script>', "/app.js": f'const k="{token}";'})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed == f"service_role key {fingerprint(token)} in /app.js"


def test_every_json_object_start_is_a_jwt_header_start_and_dotted_names_are_not():
    """Exhaustively: `{`, up to six JSON blanks in any mix, `"` and a key's first letter, encoded, is found by the
    header's pattern; dotted property chains (`keyboardEvent.currentTarget.something`) are not JWT-shaped."""
    import itertools
    from jwt.utils import base64url_encode

    tail = ".c29tZXRoaW5nZWxzZQ.c2lnbmF0dXJlMTIz"
    for blanks in range(7):
        for chosen in itertools.product(b" \t\n\r", repeat=blanks):
            for first in b"aAkz_":
                header = base64url_encode(b"{" + bytes(chosen) + b'"' + bytes([first]) + b'lg":"HS256"}').decode()
                assert bundle.tokens_in(f'"{header}{tail}"'.encode())[0] == [f"{header}{tail}".encode()], chosen
    names = b"keyboardEvent.currentTarget.something;newKeyword.eyesight12.eyAbcdefgh;x.ewoKing_ab.cdefghijk.lmnopqrst"
    assert bundle.tokens_in(names) == ([], False)


def _redirecting(location: str):
    from .kit import make_target
    from .project import KeepAliveHttp

    moved = f"HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n".encode()
    with KeepAliveHttp({("GET", "/"): moved}) as server:
        target = make_target({"services": {"app": {"url": server.url}}})
        try:
            c = check()
            return bundle.judge(c, bundle.gather(target, [c])).redacted(target.redactor)
        finally:
            target.close()


def test_a_page_that_redirects_names_where_it_points():
    outcome = _redirecting("/en/")
    assert outcome.status is Status.ERROR
    assert outcome.observed == ("could not look: GET / of app: status 302 to /en/ (a redirect is not followed: set the"
                                " item's path to the page that loads the app)")


def test_a_redirect_shows_no_credentials_or_key_its_location_carries():
    outcome = _redirecting("https://robot:Pw0rdZk3mQ9wx@login.example/sso/Zk3mQ9wxAb12Cd34Ef56?next=%2F")
    assert outcome.status is Status.ERROR
    assert outcome.observed.startswith("could not look: GET / of app: status 302 to https://login.example/sso/")
    assert "Pw0rdZk3mQ9wx" not in outcome.observed and "robot" not in outcome.observed
    assert "Zk3mQ9wxAb12Cd34Ef56" not in outcome.observed, outcome.observed


@pytest.mark.parametrize("comment", ["//# sourceMappingURL=app.js.map", "//@ sourceMappingURL=app.js.map"])
def test_a_pass_says_a_source_map_was_seen_and_not_read(comment):
    outcome, _ = walked({"/": '<script src="/app.js"></script><script src="/b.js"></script>',
                         "/app.js": f"const a=1;\n{comment}\n", "/b.js": "const b=2;"})
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == f"2 scripts scanned, {NO_KEY}; 1 source map named, not read"
    assert outcome.evidence["source_maps_not_read"] == ["/app.js"]


def test_a_source_map_header_is_named_too():
    from .project import KeepAliveHttp
    from .kit import make_target

    def reply(head: str, body: str) -> bytes:
        return f"HTTP/1.1 200 OK\r\n{head}content-length: {len(body)}\r\n\r\n{body}".encode()

    replies = {("GET", "/"): reply("content-type: text/html\r\n", '<script src="/app.js"></script>'),
               ("GET", "/app.js"): reply("content-type: text/javascript\r\nSourceMap: /app.js.map\r\n", "1")}
    with KeepAliveHttp(replies) as server:
        target = make_target({"services": {"app": {"url": server.url}}})
        try:
            c = check()
            outcome = bundle.judge(c, bundle.gather(target, [c]))
        finally:
            target.close()
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == f"1 script scanned, {NO_KEY}; 1 source map named, not read"
    assert outcome.evidence["source_maps_not_read"] == ["/app.js"]


# -- references read as the WHATWG URL parser reads them: in an http(s) URL `\` is `/`; tabs and line breaks dropped --
@pytest.mark.parametrize("written, base, read", [
    ("\\assets\\app.js", "https://a.example/", "/assets/app.js"),
    ("..\\lib\\x.js?a\\b#c\\d", "https://a.example/", "../lib/x.js?a\\b#c\\d"),  # a query's and fragment's stay
    ("HTTPS:\\\\cdn.example\\x.js", "", "HTTPS://cdn.example/x.js"),
    (" \x00/a\tb\n.js\r\x1f ", "https://a.example/", "/ab.js"),  # C0 controls and spaces off the ends
    ("data:text/javascript,a\\b", "https://a.example/", "data:text/javascript,a\\b"),  # not a special scheme
    ("x\\y.js", "blob:https://a.example/1", "x\\y.js"),  # relative to a base of no special scheme
])
def test_a_reference_is_read_as_the_url_parser_reads_it(written, base, read):
    assert as_url_parser_reads(written, base) == read


def test_a_page_naming_its_scripts_with_backslashes_loads_them_as_a_browser_does():
    fact = bundle.Crawl("https://a.example/app/page", bundle.Params(service="app"))
    fact.read_page(Reply(200, 1, content=b'<script src="\\assets\\app.js"></script><script src="/t&#9;a&#10;b.js">'
                                         b'</script><base href="\\v2\\"><script src="lib\\x.js"></script>',
                         headers={"Link": "<\\pre\\load.js>; rel=modulepreload"}))
    assert [url for url, _ in fact.queue] == ["https://a.example/pre/load.js", "https://a.example/assets/app.js",
                                              "https://a.example/tab.js", "https://a.example/v2/lib/x.js"]


def test_a_key_in_a_script_named_with_backslashes_is_found():
    outcome = served({"/": (HTML, '<script src="\\assets\\app.js"></script>'), "/assets/app.js": (JS, KEY_JS)})
    assert outcome.status is Status.FAILED, outcome.observed
    assert outcome.observed.endswith("in /assets/app.js"), outcome.observed
