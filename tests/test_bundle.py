"""bundle: no service-role key in the scripts a web app ships; the anon key is fine."""

from __future__ import annotations

import json

import pytest

from opsverify_demo.services import supabase_key
from opsverify.checklist import Check, Severity
from opsverify.engine import message
from opsverify.families import bundle
from opsverify.outcome import Status
from opsverify.secrets import fingerprint
from opsverify.transports.http import Probe, Reply, fetch_all

from .helpers import by_id, evaluate

ANON = supabase_key("test-secret-0123456789abcdef0123", "anon")
SERVICE = supabase_key("test-secret-0123456789abcdef0123", "service_role")
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


def test_chunk_references_resolve_like_vite():
    js = 'import("./Admin-1.js");import"../lib/x.mjs";__vite__mapDeps(["assets/Queue-2.js"]);const s="a.json"'
    refs = bundle.chunk_references(js, "https://bakery.example/assets/index-0.js", PAGE)
    assert refs == [("https://bakery.example/assets/Admin-1.js", True), ("https://bakery.example/lib/x.mjs", True),
                    ("https://bakery.example/assets/Queue-2.js", True)]


def test_a_bare_reference_resolves_against_the_app_base_not_the_page():
    """Vite's preload list names `assets/x.js` from the base, wherever the page is; Next's build manifest names
    `static/chunks/…` from `/_next/`."""
    vite = 'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Admin-7.js"])))=>i.map(i=>d[i]);'
    assert bundle.chunk_references(vite, "https://a.example/assets/index-9.js", "https://a.example/app/dashboard") \
        == [("https://a.example/assets/Admin-7.js", True)]
    manifest = 'self.__BUILD_MANIFEST={"/admin":["static/chunks/pages/admin-2.js"]};'
    assert bundle.chunk_references(manifest, "https://a.example/_next/static/abc/_buildManifest.js",
                                   "https://a.example/next/") \
        == [("https://a.example/_next/static/chunks/pages/admin-2.js", True)]


def test_a_string_that_only_looks_like_a_file_is_a_guess_and_imports_take_a_query():
    js = 'const name="worker.js";import("/assets/lazy.js?v=3");import"./side.js?import";export*from"./re.mjs"'
    assert bundle.chunk_references(js, "https://a.example/assets/q.js", "https://a.example/") == [
        ("https://a.example/worker.js", False), ("https://a.example/assets/lazy.js?v=3", True),
        ("https://a.example/assets/side.js?import", True), ("https://a.example/assets/re.mjs", True)]


def test_keys_in_reports_roles_and_fingerprints():
    text = f'const a="{ANON}",b=\'{SERVICE}\',c="eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24gYXQgYWxs.c2lnbmF0dXJlMTIz";'
    found = bundle.keys_in(text + ANON)  # the same key twice is one key
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
    ({"keys": []}, Status.PASSED, "1 script scanned, no JWT"),
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
    ({"scanned": (), "allow_empty": True}, Status.PASSED, "0 scripts scanned, no JWT"),
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


def test_crawl_caps_the_number_of_scripts():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app", max_assets=2))
    fact.enqueue([(f"{PAGE}assets/{n}.js", True) for n in range(5)] + [("https://cdn.example/x.js", True)])
    assert [u for u, _ in fact.queue] == [f"{PAGE}assets/0.js", f"{PAGE}assets/1.js"]
    assert fact.incomplete == ["more than 2 scripts (max_assets); the rest not scanned",
                               "https://cdn.example/x.js: on another origin, not fetched (if it is no script of the"
                               " app's, declare its origin in third_party)"]


def test_crawl_tells_page_assets_from_guessed_references():
    fact = bundle.Crawl(PAGE, bundle.Params(service="app"))
    fact.take(f"{PAGE}assets/index-1.js", Reply(404, 1), certain=True)
    fact.take(f"{PAGE}assets/maybe.js", Reply(404, 1), certain=False)
    fact.take(f"{PAGE}assets/big.js", Reply(200, 1, text="x", truncated=True), certain=False)
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
                             fetch_all=lambda probes: [page for _ in probes])
    outcome = bundle.judge(c, bundle.gather(target, [c]))
    assert outcome.status is Status.ERROR
    assert outcome.observed.endswith(f"could not look at every script: /: page larger than {bundle.PAGE_LIMIT} bytes;"
                                     " the rest not read")


# -- a walk through a real server -----------------------------------------------------------
def walked(routes: dict[str, str], path: str = "/", **params):
    from .kit import make_target, route_server

    with route_server({("GET", p): (lambda h, b, text=text: (200, text)) for p, text in routes.items()}) as base:
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


def test_an_origin_the_runbook_declares_third_party_is_named_not_fetched():
    """Stripe.js, an analytics tag: no script of the app's. Declared, it is named in the evidence and the item is
    judged on the app's own scripts; an undeclared other origin stays not looked at."""
    page = {"/": '<html><script src="/assets/a.js"></script><script src="https://js.stripe.com/v3/"></script>'
                 '<script src="https://cdn.example.net/x.js"></script></html>', "/assets/a.js": 'console.log("a")'}
    outcome, _ = walked(page, third_party=["https://js.stripe.com", "https://cdn.example.net"])
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.observed == "1 script scanned, no JWT; 2 third-party scripts not scanned"
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
