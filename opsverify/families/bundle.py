"""bundle: the JavaScript a web app ships to browsers carries no privileged key.

The page's same-origin scripts (`<script src>`, an SVG script's `href`, `<link rel=modulepreload>`, a
`<link rel=preload|prefetch>` `as` a script-like destination — script, worker, sharedworker, serviceworker,
audioworklet, paintworklet — or a prefetch without `as` of a `.js`, `.mjs` or `.cjs` file, and what its inline scripts
import; resolved as a browser does, against the page's first `<base href>` from where it stands, spaces around a URL
dropped, `\\` read as `/` in an http(s) one (`as_url_parser_reads`); a preload without `as`, or `as` another
destination, fetches no script and is not followed) and the same links in the page's HTTP `Link` header (RFC 8288:
every header, every link of one, each resolved against the page's own URL) are fetched — and, as guesses, the
`.js` and `.mjs` files any attribute names (`data-src="/assets/stats.js"`: a consent manager's, a lazy loader's) and
a worklet's module whatever its extension (`CSS.paintWorklet.addModule("/paint")`) —
then the chunks they import — imports (of a quoted path, whatever its extension; JS comments may stand wherever blanks may,
`import(/* webpackChunkName: "admin" */ "./admin")`, unless one holds a word an import starts with: see _GAP), every
string argument of `importScripts`, a worker's `new URL(path, import.meta.url)` (resolved against the script's own
URL), a script's file (`.js`, `.mjs`, `.cjs`) that `new URL(path, import.meta.url)` names anywhere else — kept in a
variable, or `new Worker(""+new URL("worker-abc.js",import.meta.url).href)` as Vite writes it: the script's own URL's,
and certain (a bundler emits the file beside the script), Vite's preload list, a Next.js build
manifest, the files a webpack runtime's chunk-URL function names by its id map (one chunk's: by the id the runtime
loads); a path relative, absolute or
protocol-relative — within the limits below; a `data:` script is decoded (RFC 2397) and scanned in place, named
"data: script #N", never by its content (one that cannot be decoded: an error that shows none of it). A
script on another origin is not fetched (a check talks to its service only, never to hosts a page names): it is
named as not looked at, an *error*, never passed over, unless the runbook declares its origin `third_party`. Every
JWT-shaped string found (three base64url segments, the first a JSON object's start: `{"`, or `{`, blanks and `"`)
is decoded (payload only: no signature check, and its header is not read) and a key whose
`role` is forbidden fails the check — a Supabase anon key (role anon) is fine, a service_role key in a browser
bundle is leaked; a JWT-shaped string whose payload is no JSON object leaves its role unknown: an error. Supabase's
API keys count by the role they act as: a secret key (`sb_secret_…`) as service_role, a publishable one
(`sb_publishable_…`) as anon; one is found right after an escape too (`%22`, `\\u0022`, `\\n`), never inside a
longer name. Whatever roles are forbidden, a secret or restricted key of Stripe's form (`sk_live_…`, `rk_live_…`, test
mode's `sk_test_…` too, its mode named; a publishable `pk_live_…`, a placeholder and Stripe's documentation samples,
public, are none; words run together may hold short ones, `ReplaceMeWithYourKey`, and acronyms of a closed
list, `InsertYourAPIKeyHere`) and a PEM private key (armour to
armour, its lines broken by `\\n`, as they are or as an array of lines joined at run time — inside webpack's
`eval("…")` too —, or its body a string in a template literal's `${"…"}`, its escapes read as a string reads them:
`\\u002F`, `\\x2B`, `\\u{2F}`, an octal `\\57`, a line continuation; an encrypted
one's headers even on its body's line; an OpenPGP private key block too; a PEM
written base64-encoded, `LS0tLS1CRUdJTi…` — or inside base64 of a document, a service account's JSON, wherever
it starts —, is decoded; the body must be a key's: see _a_key_body) and a private key as a JWK (`kty` EC, RSA or
OKP and a private `d`, in an object literal or JSON, a JWKS's keys too: see JWK_OBJECT; a public JWK is none) or a
symmetric one (`kty` oct, a `k` of 16 bytes or more) — base64 of its JSON, `JSON.parse(atob("eyJrdHki…"))`, is
decoded: see ENCODED_JSON — fail: no browser may hold one.
Evidence names the asset, the role (or what the key is) and a fingerprint, never the token.

```yaml
params:
  service: app
  path: /                           # the page that loads the app
  forbidden_roles: [service_role]   # default
  max_assets: 40                    # scripts fetched at most (MAX_ASSETS; a build's lazy chunks count); more: error
  max_asset_bytes: 10000000         # at most MAX_ASSET_BYTES; a larger asset is not scanned to the end
  allow_empty: false                # a page that loads no script file is an error unless this is true
```
A page that does not answer 200 (or not at all; a redirect is not followed: its Location is named) leaves the
scripts unseen: *error*; so does a page
larger than 2 MiB (the rest is not read), and an imported chunk that fails to answer (5xx, no answer
within the deadline, 408, 429) or asks for credentials (401: a signed-in browser gets a script there)
— or is named for certain (by the page, an import — a bare one through the page's import map —, a build manifest,
a script `new URL(…, import.meta.url)` names)
and refused with 404 or 403: a broken deploy
or a path resolved wrongly, not looked at either way; so is one named for certain that is no URL
(`http://[::1/x.js`), one answered with an HTML page instead of a script (an app's fallback for unknown paths: HTML's
type and a body that starts as markup, scanned all the same) or
with no JavaScript (a type that is no JavaScript's — an API's JSON catch-all, `text/plain`; read as a browser reads
it, `mime_essence` —, or sent untyped or as
bytes, a body that is empty, markup, JSON or words alone: a browser refuses a module script so sent; a key in it
still counts; a JSON or CSS module an import names `with {type: "json"}` is answered with its own type, and a
page's classic `<script src>` with any a browser runs one of: see CLASSIC), and one that redirects (not followed:
its Location is named); so is a webpack runtime that loads
chunks by a chunk-URL function this check cannot read. Only a string that merely looks like a chunk and that the
server refuses with another 4xx (or answers with a page, no JavaScript or a redirect) is no script a browser gets,
and is listed as `not_assets`. A page that
loads no same-origin script file has shipped nothing to scan: an error naming the page, unless
`allow_empty: true`. Every asset fetch has the environment's total deadline (http_s); the walk
is at most MAX_ROUNDS rounds of concurrent fetches (see `bound`). Bodies are scanned as bytes (a JWT and a module
path are ASCII), REQUESTS_AT_ONCE at a time, each dropped once scanned: see MAX_ASSET_BYTES for the memory bound.

Honest limits — not looked at, so a pass does not cover them: source maps (`//# sourceMappingURL`, a SourceMap
header; a pass names the scripts that name one, `source_maps_not_read`), JSON or config files the app fetches at
run time (`fetch("./config.json")`, `<link rel=preload as=fetch>`), iframes' pages, strings built at run time
(concatenation, base64 and atob — a base64-encoded PEM key aside —, escapes such as `\\u002e` — in a PEM key's
body aside), imports whose path
is a template literal, an import behind a comment holding a word an import starts with (`import(/* from the server
*/ "./x")`), an `importScripts`
argument after one that is no string, a worker's `new URL(…)` whose path is no string (webpack's
`new URL(__webpack_require__.p + …)`: its chunk map is read instead), a file outside a worker's constructor that
`new URL(path, import.meta.url)` names without a script's extension (`./worker`; `./logo.svg` is no script).
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import html as html_text
from html.entities import html5 as HTML5_ENTITIES
import json
import math
import re
from dataclasses import dataclass, field, replace
from typing import Annotated, Callable, Iterable, Iterator
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from pydantic import AfterValidator, Field

from ..display import cut
from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import fingerprint
from ..transports.http import (URL_EDGES, Probe, Reply, as_url_parser_reads, ascii_compatible, decoded, location_shown,
                               strict_json)
from . import REQUESTS_AT_ONCE
from ._common import StrictParams, UrlPath, nothing_found, plural

NAME = "bundle"
NEEDS = ("url",)
LEARNS_SECRETS = True  # a key found in the scripts: the engine reports no item before this family has ended

PAGE_LIMIT = 2 * 1024 * 1024
MAX_ROUNDS = 6  # page -> entry scripts -> their chunks -> ...
MAX_ASSETS = 500  # max_assets' ceiling: scripts one item fetches (a build's lazy chunks count)
# Memory: scripts are fetched REQUESTS_AT_ONCE at a time and kept as bytes only until scanned, so at most 16 bodies
# of max_asset_bytes are held at once (256 MiB at this cap, 160 MB at the default), and one more view of the asset
# being scanned when it is in UTF-16 or UTF-32.
MAX_ASSET_BYTES = 16 * 1024 * 1024
MAX_REFERENCES = 5_000  # distinct module paths one script may name; more is no app's chunk graph: not followed
MAX_TOKENS = 100  # distinct JWT-shaped strings one script may hold; more are not decoded
LISTED = 20  # scripts on other origins named one by one; the rest are counted
# our own scanning of a MiB, at most: the worst input (`"a"a"a…`) takes about 0.18 s of CPU; counted in the bound so a
# slow scan is not blamed on the target
SCAN_S = 0.5

# Every pattern below runs on a target's bytes (up to MAX_ASSET_BYTES), so each is linear: its repeats are possessive
# or atomic (never given back), and an attempt that scans far starts only where no earlier one scanned — a JWT at
# the start of a run of its characters, a module path at a quote, a list at its bracket. (A backtracking
# `eyJ[A-Za-z0-9_-]{8,}\.` scans to the run's end from every "eyJ" in it: quadratic in a run of "eyJeyJ…".)
_TOKEN = rb"[A-Za-z0-9_-]"
# A JWT's header is a JSON object: in base64url, `{`, any JSON blanks (space, tab, LF, CR), `"` and its first key's
# first character (0x40-0x7f: a letter or `_`) — `eyJ` for `{"a`, `eyAi` for `{ "`, `ewoi` for `{\n"`, `ewogICAi`
# for `{\n  "`. Each piece below is exactly the base64 of such bytes, 3 bytes to 4 characters: `{` and a blank
# (`w[ko0]|yA`), then `"` (`i`) or a second blank (`[JKNg]`), groups of three blanks (_BLANKS), and `"` as a group's
# 1st, 2nd or 3rd byte. No blank's base64 holds an "e": an attempt scans blanks up to the next "e" it could start at.
_TWO_BLANKS = rb"(?:(?:C[Qg]|DQ|IA)[ko0]|(?:C[Si]|DS|IC)A)"  # a group's first two bytes, both blanks
_BLANKS = _TWO_BLANKS + rb"[JKNg]"
_JSON_OBJECT_START = (rb"e(?:yJ|(?:w[ko0]|yA)(?:i|[JKNg](?:" + _BLANKS + rb")*+(?:I[k-n]|(?:C[Si]|DS|IC)J|"
                      + _TWO_BLANKS + rb"i)))")
# the first header start of a run decides: a later one has fewer characters after it and the same segments, so if
# the first cannot start a JWT none can
JWT_SHAPE = re.compile(rb"(?<!%s)(?>%s*?(?=%s))(%s{11,}+\.%s{8,}+\.%s{8,}+)"
                       % (_TOKEN, _TOKEN, _JSON_OBJECT_START, _TOKEN, _TOKEN, _TOKEN))
# quoted module paths inside JS: import("./Admin-3f2a.js"), __vite__mapDeps(["assets/x.js"]), a version or Vite's
# `?import` after the name: import("/assets/lazy.js?v=3"); absolute (`http://app.example/assets/x.js`) or
# protocol-relative (`//app.example/x.js`) too: the origin decides whether it is fetched
# A path's characters include what route folders are named with: Next.js's `[slug]` (`%5Bslug%5D` in its build
# manifest) and `(group)`, Remix's `$id`.
JS_REFERENCE = re.compile(rb"""["'`]((?:(?i:https?:)?//[A-Za-z0-9.:@\[\]_~%-]++)?(?:\.{1,2}/|/)?+"""
                          rb"""[A-Za-z0-9_@~+%$()\[\]-][A-Za-z0-9_@~+%$()\[\]./-]*+(?:(?<=\.js)|(?<=\.mjs))"""
                          rb"""(?:\?[A-Za-z0-9_=&%.~+-]*+)?+)["'`]""")
# JS's comments, wherever blanks may stand between an import's words and its path (`import(/* webpackChunkName:
# "admin" */ "./admin")`, `from // lazy⏎ "./x"`). A comment's text may not hold a word an import starts with (as a
# whole word, as `\b` reads it): so no import is looked for inside a comment that an attempt scanned through, and no
# byte is scanned far by two attempts (linear). An import behind a comment holding such a word is not followed.
_IMPORT_WORDS = rb"(?:import|importScripts|from|new|serviceWorker)\b"
# A `//` comment ends at LF, CR, U+2028 or U+2029 (`\xe2\x80\xa8`, `\xe2\x80\xa9` in UTF-8).
_GAP = (rb"(?:\s++|/\*(?:[^*\w]++|\*(?!/)|(?!" + _IMPORT_WORDS + rb")\w++)*+\*/"
        rb"|//(?:[^\w\n\r\xe2]++|\xe2(?!\x80[\xa8\xa9])|(?!" + _IMPORT_WORDS + rb")\w++)*+)*+")
# where a reference is a module the code loads for certain, not a string that merely looks like a file name:
# an import (static, side-effect or dynamic), a worker's or service worker's script (`new Worker("/wk/worker")`,
# `new Worker(new URL("./worker", import.meta.url))`, `importScripts(…)`: every argument, see IMPORT_ARGUMENT),
# whatever its extension, Vite's preload list, a Next.js build manifest's chunks; and a script's file a URL is built
# for on the script's own URL anywhere (`built`: `new URL("worker-abc.js", import.meta.url)` kept in a variable, or
# in `new Worker(""+new URL(…).href)` as Vite writes it): a bundler emits the file it names beside the script
# (the lookahead first: a position no import's word starts at is passed over before the branches are tried, which
# halves a scan of minified JS, where `new` and `from` stand every few bytes)
IMPORTS = re.compile(rb"(?=[ifns])(?:\bimport" + _GAP + rb"(?:\(" + _GAP + rb")?+|\bfrom" + _GAP
                     + rb"|(?P<scripts>\bimportScripts)" + _GAP + rb"\(" + _GAP
                     + rb"|(?:\bnew(?=[\s/])" + _GAP + rb"(?:(?:Shared)?Worker|(?P<built>URL))|\bserviceWorker" + _GAP
                     + rb"\." + _GAP + rb"register)" + _GAP + rb"\(" + _GAP + rb"(?P<url>new(?=[\s/])" + _GAP + rb"URL"
                     + _GAP + rb"\(" + _GAP + rb")?+)" + rb"""["'`](?P<path>[^"'`\s]++)["'`]""")
# a worklet's module (`CSS.paintWorklet.addModule("/paint")`, an audio worklet's): a URL whatever its extension
WORKLET_MODULE = re.compile(rb"""\baddModule\s*+\(\s*+["'`]([^"'`\s]++)["'`]""")
# importScripts' next argument, when it is a string too
IMPORT_ARGUMENT = re.compile(_GAP + rb"," + _GAP + rb"""["'`](?P<path>[^"'`\s]++)["'`]""")
# `new URL(path, import.meta.url)`: the path is the script's own URL's
IMPORT_META_URL = re.compile(_GAP + rb"," + _GAP + rb"import" + _GAP + rb"\." + _GAP + rb"meta" + _GAP + rb"\." + _GAP
                             + rb"url\b")
# an import's attributes that make what it loads a JSON or CSS module — `from "./x.json" with {type: "json"}` (or the
# older `assert`), `import("./x.css", {with: {type: "css"}})` —, which a browser takes only with that type (see
# Crawl.take); `type` is the only attribute a browser allows, so it comes first
_KEY = rb"""(?:%s|"%s"|'%s')"""
IMPORT_ATTRIBUTES = re.compile(_GAP + rb"(?:with|assert|," + _GAP + rb"\{" + _GAP + _KEY % ((rb"(?:with|assert)",) * 3)
                               + _GAP + rb":)" + _GAP + rb"\{" + _GAP + _KEY % ((b"type",) * 3) + _GAP + rb":" + _GAP
                               + rb"""["'`](?P<type>json|css)["'`]""")
# an import's target that names a file: relative, absolute, protocol-relative, a URL, a data: URL — not a bare name
IMPORT_PATH = re.compile(rb"(?:\.{1,2}/|/|(?i:https?:)//|(?i:data:))")
NOT_URL_TEXT = re.compile(rb"[^\x21-\x7e]")  # what a browser percent-encodes in any URL: controls, non-ASCII
DATA_URL = re.compile(r"[\t\n\x0c\r ]*+(?i:data:)")  # leading whitespace is stripped from a URL, as a browser does
NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")  # what a data: URL's base64 may not hold once spaces and padding are off
ASCII_SPACES = re.compile(rb"[\t\n\x0c\r ]++")  # a data: URL's base64 may be wrapped: a browser drops these
VITE_DEPS = re.compile(rb"""(?:\bm\.f\s*+=\s*+|__vite__mapDeps\s*+\(\s*+)\[([^\[\]]*+)\]""")  # a list of strings
NEXT_MANIFEST = b"__BUILD_MANIFEST"
# a chunk's id before its path in one string, as Next 13's flight data writes a client component's chunks
# (`"chunks":["931:static/chunks/app/page-1.js"]`; Next 14 and 15 write them apart: `["931","static/chunks/…"]`)
CHUNK_ID_BEFORE_PATH = re.compile(rb'"[\w-]++:(?!//)')
# an inline script that is one piece of Next's flight stream: a JSON string, cut wherever the stream's buffer was
NEXT_FLIGHT_PUSH = re.compile(rb'\s*+self\.__next_f\.push\(\[1,("(?:[^"\\]++|\\.)*+")\]\)[\s;]*+', re.S)


def _key_start(prefix: bytes) -> bytes:
    """Where a key starting with `prefix` may start, looked behind once the prefix is found (so that the search
    starts from that literal): not inside a run of key characters, or right after an escape ending in a key
    character (`%22`, `\\x22`, `\\u0022`, `\\n`: the escape's `%` or `\\` is no key character, so that start is near
    its run's beginning too)."""
    return (rb"(?:(?<![A-Za-z0-9_-]%s)|(?<=%%[0-9A-Fa-f]{2}%s)|(?<=\\x[0-9A-Fa-f]{2}%s)|(?<=\\u[0-9A-Fa-f]{4}%s)"
            rb"|(?<=\\[0bfnrtv]%s))" % ((prefix,) * 5))


# Supabase's API keys: a secret one acts as service_role, a publishable one as anon; as for a JWT, only the start of
# a run of key characters can start one: a longer name holding the prefix (`is_sb_secret_key_valid…`) is none, and
# neither is a bare "sb_secret_" in a library's check of a key.
SUPABASE_KEY = re.compile(rb"(sb_" + _key_start(b"sb_") + rb"(?:secret|publishable)_[A-Za-z0-9_-]{16,}+)")
SUPABASE_KEY_ROLES = {"secret": "service_role", "publishable": "anon"}
# Keys that are secret whatever role an item forbids — no browser may hold one: secret and restricted keys of
# Stripe's form (`sk_live_…`, `rk_live_…`; a test-mode `sk_test_…` too: it acts on the account's test data, and in
# a deployed app says it talks to the provider in test mode), found as Supabase's are; a publishable `pk_live_…` is
# meant for the browser. Stripe's random part is letters and digits, 24 of them (older keys) or 99; Clerk and Paystack
# issue keys of the same form, so a key is named by its form, not as Stripe's.
STRIPE_KEY = re.compile(rb"([rs]k_" + _key_start(b"[rs]k_") + rb"(?:live|test)_[A-Za-z0-9]{20,}+)")
STRIPE_KINDS = {"sk": "secret key of Stripe's form", "rk": "restricted key of Stripe's form"}
# The test keys Stripe's documentation prints to every reader (its code samples, its API reference): public, so a docs
# site quoting them leaks nothing; named in the evidence as what they are
STRIPE_DOC_SAMPLES = frozenset({"sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
                                "sk_test_Hrs6SAopgFPF0bZXSN3f6ELN", "sk_test_26PHem9AhJZvU623DfE1x4sd",
                                "sk_test_Y17KokhC3SRYCQTLYiU5ZCD2", "sk_test_tR3PYbcVNZZ796tH88S4VQ2u",
                                "sk_test_VePHdqKTYQjKNInc7u56JBrQ"})
STRIPE_SAMPLE = "Stripe's documentation sample key"
# a placeholder written as words run together, no digit: `YourStripeSecretKeyHere`, `yourSecretKeyGoesHere`, with
# short English words between (`ReplaceMeWithYourSecretKey`, `PutASecretKeyHere`) and acronyms or shouted words
# (`InsertYourAPIKeyHere`, `YourSecretKeyGoesHERE`, `YourStripeSecretKeyId`): a word is a capital and two lower-case
# letters or more, one of these all-caps words (a closed list: any run of capitals would make random parts words) or
# short words, never followed by a lower-case letter (24 random letters and digits read so about once in a million,
# of 4 million simulated; 99 of them never)
_CAPS_WORDS = rb"(?:API|URL|ID|KEY|HERE|SECRET|STRIPE|TOKEN|YOUR|ENV|JWT|PLACEHOLDER|OAuth)(?![a-z])"
# a part x'd out (`sk_test_51Hxxxxxxxx…`: a real key's start, the rest hidden; `…KeyXXXXXX`): six x's in a row, which
# a random part holds about once in 50 million
X_RUN = re.compile(rb"[xX]{6}")
_SHORT_WORDS = rb"(?:A[nst]?+|I[dfnst]?+|B[ey]|Do|Go|M[ey]|No|O[fnr]|So|To|U[ps]|We)(?![a-z])"
PLACEHOLDER_WORDS = re.compile(rb"(?:[a-z]{2,}+)?+(?:[A-Z][a-z]{2,}+|" + _CAPS_WORDS + rb"|" + _SHORT_WORDS + rb")*+")
# A PEM private key (PKCS#8, PKCS#1's RSA, SEC 1's EC, DSA, OpenSSH's, an encrypted one — still a leak: its pass
# phrase is as near — and an OpenPGP private key block), armour to armour: its base64 in lines broken as they are, as
# a JS or JSON string writes them (`\n`, `\\n` escaped twice, `\/`), with blanks, or as the pieces of an array of
# lines joined at run time (`["-----BEGIN …-----","MIIB…"].join("\n")`: terser and esbuild keep it), and an encrypted
# PEM's headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-256-CBC,…`). Armour alone (a PEM library's constants, a
# template's `${body}`) is no key, and neither is armour around what is no key's body (a form's hint, a docs page's
# `MIIEpAIBAAKCAQEAxxxx…`): see _a_key_body. Linear: an attempt starts at a BEGIN armour and its body stops at the
# next `-----`, which the next one holds.
# `","`, `', '`, `"+"`: where one string piece ends and the next starts; its quotes escaped inside a string
# (`\",\"`: webpack's `devtool: eval` wraps each module in `eval("…")`); and a template literal's seams around a
# string in its `${…}` (`${"MIGH…"}`: an unminified build's constant inlined into a template)
_PIECES = (rb"""(?<!\\)\\*+["'`](?:\s*+[,+]\s*+\\*+["'`]|\s*+\})"""  # from a run of backslashes' start alone: linear
           rb"""|\$\{\s*+\\*+["'`]""")
# a JS or JSON string's escape (backslashes: a string escaped once or twice, as Next's flight data is): `\n`, `\/`;
# a character by its code (`\u002F` as SvelteKit's devalue writes `/`, `\u002B` as .NET's System.Text.Json writes
# `+`, `\u000A`, `\x2B`, ES2015's code point `\u{2F}`, `\u{A}`, a sloppy-mode string's octal `\57`, `\012`: as
# JS reads one, three digits at most, two after a 4 to 7); or a line continuation (`\` and a line break:
# ECMAScript's, nothing of the string)
_ESCAPE = (rb"(?<!\\)\\++(?:(?P<character>[nrt/])|(?P<continuation>\r\n|[\r\n])|u00(?P<code>[0-9A-Fa-f]{2})"
           rb"|x(?P<x>[0-9A-Fa-f]{2})|u\{0*+(?P<point>[0-9A-Fa-f]{1,2}+)\}|(?P<octal>[0-3][0-7]{0,2}+|[4-7][0-7]?+))")
_ESCAPE_UNNAMED = re.sub(rb"\(\?P<\w++>", b"(?:", _ESCAPE)  # inside PRIVATE_KEY's possessive repeat: see _TERM_UNNAMED
PRIVATE_KEY = re.compile(rb"(-----BEGIN (?P<armour>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY"
                         rb"|PGP PRIVATE KEY BLOCK)-----"
                         rb"(?P<body>(?:[A-Za-z0-9+/=:,.\s]++|" + _ESCAPE_UNNAMED + rb"|" + _PIECES + rb"|-(?!----))*+)"
                         rb"-----END (?P=armour)-----)")
# an encrypted PEM's headers (RFC 1421): `Proc-Type: 4,ENCRYPTED`, `DEK-Info: <cipher>,<IV in hex>`. Each value is
# bounded, for a PEM flattened to one line (`pem.replace(/\n/g, "")`) runs it into the next header and the base64:
# Proc-Type's is one of RFC 1421's words, an IV on its own line is all its hex digits, one run on is its cipher's
# length (a 16-byte block's — AES, Camellia, ARIA, SEED, SM4 —: 32 digits; DES's and the like's: 16)
PEM_HEADER = re.compile(rb"Proc-Type:[ \t]*+[0-9]++,(?:ENCRYPTED|MIC-ONLY|MIC-CLEAR|CRL)"
                        rb"|DEK-Info:[ \t]*+(?:(?i:AES|CAMELLIA|ARIA|SEED|SM4)[A-Za-z0-9-]*+,[0-9A-Fa-f]{32}"
                        rb"|[A-Za-z0-9-]++,[0-9A-Fa-f]{16})(?:[0-9A-Fa-f]++(?=\s|\\|\Z))?+")
# an OpenPGP armour's headers (`Version: OpenPGP.js v4.10`, `Comment: …`), each a line of its own
PGP_HEADER = re.compile(rb"(?m)^[ \t]*+(?:Version|Comment|Charset|Hash|MessageID):[^\n]*+")
PGP_CHECKSUM = re.compile(rb"\n[ \t]*+=[A-Za-z0-9+/]{4}[ \t]*+\Z")  # the armour's last line: `=Ab3d`
PEM_ESCAPE = re.compile(_ESCAPE)
PEM_PIECES = re.compile(_PIECES)
NOT_PEM_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]++")
PEM_SHORTEST = 40  # base64 characters: an Ed25519 key, the shortest, has 64
ENCRYPTED_SHORTEST = 64  # bytes: an encrypted key's, or a PGP key block's, at least (an EC key's has 128)
RANDOM_BITS = 4.5  # bits a byte, at least, of 64 random bytes' (about 5.7; a run of `xxxx`'s: under 2)
OPENSSH_MAGIC = b"openssh-key-v1\0"
# a PEM written base64-encoded (a *_PRIVATE_KEY_BASE64 variable's value, `atob("LS0tLS1CRUdJTi…")`, a service
# account's JSON so encoded, FIREBASE_SERVICE_ACCOUNT_BASE64, the key inside): the base64 of "-----BEGIN " where it
# stands at any of a group's three byte offsets — the characters the bytes before it or after it change left out —,
# at most ENCODED_PEM_LONGEST characters after it (lines broken by `\n` too); an attempt that starts always
# matches, so the search goes on from its end: linear
ENCODED_PEM_LONGEST = 16384  # an RSA 8192 key's PEM is about 6.4 KB: 8.6 KB in base64
# each start: the characters of its group before it (that the text is decoded from the next group's start) and the
# dashes of "-----" those characters held (put back before the decoded bytes)
ENCODED_PEM_STARTS = {b"LS0tLS1CRUdJTi": (0, b""),  # "-----BEGIN " at a group's first byte
                      b"0tLS0tQkVHSU4g": (2, b"--"),  # at its second: "x-----BEGIN " is "eC0tLS0tQkVHSU4g"
                      b"tLS0tLUJFR0lOI": (3, b"-")}  # at its third: "xx-----BEGIN " is "eHgtLS0tLUJFR0lOI…"
ENCODED_PEM = re.compile(rb"((?:%s)(?:[A-Za-z0-9+/=]|\\[nr]|[\r\n]){0,%d}+)"
                         % (b"|".join(ENCODED_PEM_STARTS), ENCODED_PEM_LONGEST))
# a JSON text written base64-encoded (a JWK kept on one env line and baked in at build time:
# `importJWK(JSON.parse(atob("eyJrdHki…")))`): a run of base64 or base64url characters starting with the base64 of a
# JSON object's start (_JSON_OBJECT_START: `{"`, or `{` and blanks and `"`, any first member: `eyJrdHki`, `eyJjcnYi`,
# `eyAi…`), the whole run — never a JWT's segment: a run with a `.` before or after it is one, judged as a JWT —,
# its padding too. Linear: an attempt starts only where a run does (the lookbehind), and its run is possessive.
_BASE64_CHARACTER = rb"[A-Za-z0-9+/_-]"
ENCODED_JSON_SHORTEST = 40  # characters after the start: a private JWK's JSON is 60 bytes at least
ENCODED_JSON = re.compile(rb"(?<![A-Za-z0-9+/_.=-])((?:%s)%s{%d,}+={0,2}+)(?![A-Za-z0-9+/_.=-])"
                          % (_JSON_OBJECT_START, _BASE64_CHARACTER, ENCODED_JSON_SHORTEST))
# A private key as a JWK (RFC 7517: jose's `importJWK({kty: "EC", crv, x, y, d}, "ES256")`, WebCrypto's exported key,
# whose members come in alphabetical order, `d` first; a JWKS's `{keys: [{…}]}`, each key its own object): an object
# literal of no nested object that names `kty` — its members in any order, their names quoted or not, any text in
# their values but braces (`kid: "clé-1"`), its quotes escaped inside a string (`JSON.parse("{\\"kty\\"…")`, or
# `\\u0022` as .NET's JSON encoder writes a quote inside a string) —, of type EC, RSA or OKP with a private `d` (a
# public JWK has none), or a symmetric key (`oct`) with its `k`. Linear: an attempt starts at a `{` and its
# lookahead and body stop at the next brace, where the next attempt starts.
JWK_OBJECT = re.compile(rb"(\{(?=(?:[^{}k]++|k(?!ty))*+kty)[^{}]*+\})")
# a quote, as written or escaped inside a string: `"`, `\\"`, `\\u0022`
_JWK_QUOTE = rb"""(?:\\*+["']|\\u0022)"""


def _jwk_member(name: bytes) -> bytes:
    """A JWK member's name and its string value's opening quote: `d:"`, `"d": "`, `\\"d\\":\\"` or `\\u0022d\\u0022:`
    (escaped in a string); never a longer name ending in it (`dp`, `od`), and backslashes from their run's start
    alone (linear)."""
    return (rb"(?:(?<![\w$\\])%s(?![\w$])|(?<!\\)(?:\\*+(?P<quote>[\"'])%s\\*+(?P=quote)|\\u0022%s\\u0022))\s*+:\s*+%s"
            % (name, name, name, _JWK_QUOTE))


JWK_TYPE = re.compile(_jwk_member(b"kty") + rb"(?P<kty>EC|RSA|OKP|oct)" + _JWK_QUOTE)
# a secret member's base64url value, its padding left out (RFC 7515 forbids it, some encoders add it: the same key)
JWK_D = re.compile(_jwk_member(b"d") + rb"(?P<value>[A-Za-z0-9_-]++)={0,2}+" + _JWK_QUOTE)
JWK_K = re.compile(_jwk_member(b"k") + rb"(?P<value>[A-Za-z0-9_-]++)={0,2}+" + _JWK_QUOTE)
# what makes a JWK-like object possibly a private (or symmetric) key's: a private member holding a string. An object
# without one (a JWKS's public keys) is passed over uncounted: only these are counted against MAX_TOKENS.
JWK_PRIVATE_MEMBER = re.compile(_jwk_member(rb"(?:d|k|p|q|dp|dq|qi)"))
JWK_PRIVATE_NAMES = "d, k, p, q, dp, dq, qi"
# each type's secret member, and its base64url characters at least: EC P-256's and Ed25519's `d` is 32 bytes, 43
# characters (one with a leading zero dropped, 42); an RSA key's, of 512 bits at the least, 86; a symmetric key's `k`
# of 16 bytes (AES-128, the least HMAC key anyone uses), 22
JWK_SECRET = {b"EC": (JWK_D, 40), b"OKP": (JWK_D, 40), b"RSA": (JWK_D, 80), b"oct": (JWK_K, 22)}
# a script's source map comment (`//# sourceMappingURL=app.js.map`, `//@ …` of older builds): the map is not read
SOURCE_MAP_COMMENTS = (b"# sourceMappingURL=", b"@ sourceMappingURL=")

# webpack's chunk-URL function, as builds write it: `r.u=e=>"static/js/"+e+"."+{217:"3c1f"}[e]+".chunk.js"`,
# `function(e){return r.p+"js/"+({12:"about"}[e]||e)+"."+({12:"1a2b"})[e]+".js"}` — a sum of path strings, the id,
# id maps (a name map may fall back to the id), ending in a script's name. What a function of another shape names
# is not guessed: a runtime holding one says so (see webpack_chunks). Each attempt starts at an arrow's parameter,
# a `(` or `function`, and nothing it scans holds another start (its strings and maps hold no `=`, `>` or `(`).
_ID = rb"[A-Za-z_$][\w$]*+"
_COMMENTS = rb"(?://[^\n>(]*+\s*+)*+"  # an unminified runtime's `// return url for filenames based on template`
_RETURN = rb"\{\s*+" + _COMMENTS + rb"return\b\s*+"
_HEAD = (rb"(?:(?:\(\s*+(?P<arrow>" + _ID + rb")\s*+\)|(?<![\w$])(?P<bare>" + _ID + rb"))\s*+=>\s*+(?:" + _RETURN
         + rb")?+|\bfunction\b\s*+(?:" + _ID + rb")?+\s*+\(\s*+(?P<arg>" + _ID + rb")\s*+\)\s*+" + _RETURN + rb")")
_PUBLIC_PATH = rb"(?:" + _ID + rb"\.p\s*+\+\s*+)?+"  # webpack's publicPath: the chunk is resolved as a bare path
_MAP = rb"""\(?(?P<%s>\{[\w$"'\s:,.@~+/-]*+\})\)?\[\s*+(?P<%s>""" + _ID + rb")\s*+\]"
_TERM = (rb"""(?:(?P<text>"[\w.@~+/-]*+"|'[\w.@~+/-]*+')|\(\s*+""" + _MAP % (b"names", b"names_key")
         + rb"\s*+\|\|\s*+(?P<fallback>" + _ID + rb")\s*+\)|" + _MAP % (b"ids", b"ids_key")
         + rb"|(?P<id>" + _ID + rb"))")
_SCRIPT_NAME = rb"""[\w.@~+/-]*+(?:(?<=\.js)|(?<=\.mjs))"""
# the terms without their groups: a group inside a possessive repeat trips CPython 3.11's re ("span of capturing
# group is wrong")
_TERM_UNNAMED = re.sub(rb"\(\?P<\w++>", b"(?:", _TERM)
CHUNK_URL = re.compile(_HEAD + _PUBLIC_PATH + rb"(?P<sum>(?:" + _TERM_UNNAMED + rb"\s*+\+\s*+)++(?:\"" + _SCRIPT_NAME
                       + rb"\"|'" + _SCRIPT_NAME + rb"'))(?=\s*+(?:[;,)}\]]|\Z))")
CHUNK_TERM = re.compile(_TERM)  # the terms of a sum CHUNK_URL found
MAP_ENTRY = re.compile(rb"""\s*+("[^"]*+"|'[^']*+'|[\w$]++)\s*+:\s*+("[^"]*+"|'[^']*+')\s*+(?:,|\Z)""")
BLANK = re.compile(rb"\s*+\Z")
# webpack 5 sets its chunk-URL function as `.u` (another `.u` set to a value is no such function)
CHUNK_URL_SET = re.compile(rb"\.u\s*+=(?!=)\s*+(?=function\b|\(?\s*+" + _ID + rb"\s*+\)?\s*+=>)")
# a runtime that loads chunks: naming the error its JSONP loader throws (minifiers keep it; an app's own
# `e.name==="ChunkLoadError"` only compares), the unminified setter, or a loader calling the chunk-URL function —
# publicPath and the chunk's file (`o.p+o.u(r)`: JSONP's, a Web Worker's `importScripts(t.p+t.u(r))`, which sets no
# ChunkLoadError), or a path and the file in node's `require("./"+n.u(e))`, an ES module build's `import("./"+n.u(e))`
WEBPACK_LOADER = re.compile(rb"""\.name\s*+=\s*+["']ChunkLoadError["']|__webpack_require__\.u\s*+="""
                            rb"|(?<![\w$.])(?P<runtime>" + _ID + rb")\.p\s*+\+\s*+(?P=runtime)\.u\s*+\("
                            rb"|\b(?:importScripts|require|import)\s*+\(\s*+(?:\"[\w./-]*+\"|'[\w./-]*+')\s*+\+\s*+"
                            + _ID + rb"\.u\s*+\(")
# a runtime's own load of one chunk by its id (`t.e(456)`, `t.e("456")`): the receiver and the id
CHUNK_LOAD = re.compile(rb"""(?<![\w$.])(""" + _ID + rb""")\.e\(\s*+(\d++|"[\w.@~+/-]*+"|'[\w.@~+/-]*+')\s*+\)""")
# the one chunk's hash, where webpack writes it as a constant (see _single_chunk): `.9f8e7d6c.` after the id
CHUNK_HASH = re.compile(rb"\.[0-9a-f]{8,}+\.")
# WHATWG MIME sniffing's patterns for an HTML document sent without a type: after whitespace, one of these tags (in
# any case) ended by a space or ">" — each a syntax error at a script's start, so no script a browser runs begins
# with one. Sniffing's `<!--` is not among them: JavaScript reads it as a line comment (a legacy script's
# `<!-- hide from old browsers`); a comment is passed over, closed, and what follows it must be such a tag.
_HTML_COMMENT = rb"<!--(?:[^-]++|-(?!->))*+-->"
HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?(?:[\t\n\x0c\r ]*+" + _HTML_COMMENT + rb")*+[\t\n\x0c\r ]*+"
                        rb"<(?i:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)[ >]")
# JavaScript's MIME types (WHATWG MIME Sniffing): the only ones a browser runs a module script of (or, under
# `nosniff`, a classic one)
JAVASCRIPT_TYPES = frozenset({"application/ecmascript", "application/javascript", "application/x-ecmascript",
                              "application/x-javascript", "text/ecmascript", "text/javascript", "text/jscript",
                              "text/livescript", "text/x-ecmascript", "text/x-javascript",
                              *(f"text/javascript1.{minor}" for minor in range(6))})
# what a server sends a script's file as when it does not know its extension — none, S3's default for an object
# uploaded without one, an old nginx's for `.mjs`, Express's `application/node` for `.cjs`: a script if the body
# reads as code (see _not_code)
UNTYPED = ("", "binary/octet-stream", "application/octet-stream", "application/node")
# an HTML document, by how a body sent as one starts: markup (a script sent `text/html`, Express's default for
# `res.send(string)`, starts as code)
MARKUP_START = re.compile(rb"(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*+<")
# what no script starts with: nothing at all, or markup (`<` not opening a legacy script's `<!--` line comment)
NO_CODE_START = re.compile(rb"(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*+(?:\Z|<(?!!--))")
# words alone ("Not Found", "404: page not found"): no script is written without `(`, `=`, `;`, `{`, `/` …
PROSE = re.compile(rb"[\w\s.,:!?'\"\x80-\xff-]*+")
# what an API's JSON starts with (a script may too: it is parsed, and read as code unless it is JSON)
JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?[\t\n\r ]*+[\[{]")
# the page's Link header (RFC 8288): its links at commas outside a quoted string or a `<target>`, each link's
# `<target>`, then its parameters (`; name`, `; name=token`, `; name="quoted"`, blanks around `=` allowed)
LINK_VALUES = re.compile(r"""(?:[^,"<]++|"(?:[^"\\]++|\\.)*+"?|<[^>]*+>?)++""")
LINK_TARGET = re.compile(r"\s*+<([^>]*+)>")
LINK_PARAMETER = re.compile(r"""\s*+;\s*+([^\s=;,]*+)\s*+(?:=\s*+(?:"((?:[^"\\]++|\\.)*+)"?|([^;,]*+)))?+""")
QUOTED_PAIR = re.compile(r"\\(.)")
# a Content-Type header as Fetch reads it ("extract a MIME type"): its values at commas outside a quoted string (a
# header sent twice comes joined with ", "), each a MIME type's `type/subtype` (tokens, in any case) ending it or
# followed by its parameters
HEADER_VALUE = re.compile(r"""(?:[^,"]++|"(?:[^"\\]++|\\.?)*+"?)*+""", re.S)
MIME_TYPE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]++)/([!#$%&'*+.^_`|~0-9A-Za-z-]++)[\t\n\r ]*+(?:;|\Z)")
# what runs on a target's bytes (or on its headers)
TARGET_PATTERNS = (JWT_SHAPE, JS_REFERENCE, IMPORTS, VITE_DEPS, SUPABASE_KEY, STRIPE_KEY, PRIVATE_KEY, PEM_HEADER,
                   PGP_HEADER, PGP_CHECKSUM, PEM_ESCAPE, PEM_PIECES, NOT_PEM_BASE64, ENCODED_PEM, PLACEHOLDER_WORDS,
                   ENCODED_JSON, JWK_OBJECT, JWK_TYPE, JWK_D, JWK_K, JWK_PRIVATE_MEMBER, X_RUN,
                   CHUNK_URL, CHUNK_URL_SET, WEBPACK_LOADER,
                   CHUNK_LOAD, CHUNK_HASH, HTML_START, IMPORT_PATH, NOT_URL_TEXT, DATA_URL, NOT_BASE64, ASCII_SPACES, LINK_VALUES, LINK_TARGET,
                   LINK_PARAMETER, QUOTED_PAIR, IMPORT_ARGUMENT, IMPORT_META_URL, NO_CODE_START, PROSE,
                   JSON_START, HEADER_VALUE, MIME_TYPE, IMPORT_ATTRIBUTES, MARKUP_START, WORKLET_MODULE,
                   CHUNK_ID_BEFORE_PATH, NEXT_FLIGHT_PUSH)


def _an_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{value!r} is not an origin: write scheme and host, e.g. https://js.stripe.com")
    return "://".join(_origin(value))


# the roles a Supabase JWT carries that bypass row level security or own the database: one written otherwise (case,
# `-` for `_`) would never match a key's role as written, and the item would pass a leaked key
PRIVILEGED_ROLES = ("service_role", "supabase_admin", "postgres", "supabase_auth_admin", "supabase_storage_admin")


def _a_role(value: str) -> str:
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    near = [role for role in PRIVILEGED_ROLES if re.sub(r"[^a-z0-9]", "", role) == folded and role != value]
    if near:
        raise ValueError(f"{value!r} is no role a key carries as written; did you mean {near[0]}? (a key's role is "
                         "matched exactly)")
    if not value.strip():
        raise ValueError("a role is a name, not blank")
    return value


KeyRole = Annotated[str, AfterValidator(_a_role)]  # a role as a key carries it (the env family's too)


class Params(StrictParams):
    service: str
    path: UrlPath = "/"
    forbidden_roles: list[KeyRole] = Field(default=["service_role"], min_length=1)
    max_assets: int = Field(default=40, ge=1, le=MAX_ASSETS)
    max_asset_bytes: int = Field(default=10_000_000, ge=1024, le=MAX_ASSET_BYTES)
    allow_empty: bool = False  # a page without script files passes (else: error, nothing was scanned)
    # origins whose scripts the runbook declares not the app's (`https://js.stripe.com`): named in the evidence,
    # not fetched; a script on any other origin is not looked at, an error
    third_party: list[Annotated[str, AfterValidator(_an_origin)]] = []


def bound(target, checks) -> float:
    """The page of each item, then at most MAX_ROUNDS rounds of asset fetches that together fetch
    at most the items' max_assets; REQUESTS_AT_ONCE at a time, each within http_s."""
    waves = math.ceil(len(checks) / REQUESTS_AT_ONCE)
    waves += math.ceil(sum(c.params.max_assets for c in checks) / REQUESTS_AT_ONCE) + MAX_ROUNDS
    return target.timeouts.connect_s + target.timeouts.http_s * waves


def local_s(checks) -> float:
    """Scanning what may be fetched: each page and each item's max_assets scripts, read to their limits."""
    mib = sum(PAGE_LIMIT + c.params.max_assets * c.params.max_asset_bytes for c in checks) / 2 ** 20
    return SCAN_S * mib


@dataclass
class _ScriptLinks:
    """The scripts a page names, each with the `<base href>` in effect where it stands: a browser resolves a URL
    against the document's base when it meets it, and only the first base element with an href sets one."""

    base: str | None = None  # the first <base href>, as written
    found: list[tuple[str, str | None, str]] = field(default_factory=list)  # (src, the base then, how: SCRIPT …)
    inline: list[tuple[str | None, str]] = field(default_factory=list)  # (the base then, the code): <script> sans src
    import_maps: list[tuple[str | None, int]] = field(default_factory=list)  # (the base then, its index in inline)
    # (ref, the base then): a script's file any attribute of any element names (`data-src`, `data-main`): a loader
    # may turn it into a script at run time, so it is fetched as a guess
    named: list[tuple[str, str | None]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # why a reading of the page was not made: not looked at


# Where SVG or MathML content holds HTML again (HTML's "integration points"): a script under one is an HTML script
_INTEGRATION_POINTS = {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}


def _foreign(node) -> str | None:
    """"svg" or "math" for an element in SVG or MathML content, else None (an HTML element)."""
    parent = node.parent
    while parent is not None:
        tag = (parent.tag or "").lower()
        if tag in _INTEGRATION_POINTS:
            return None
        if tag in ("svg", "math"):
            return tag
        parent = parent.parent
    return None


def _script_links(html: str, *, xhtml: bool = False) -> _ScriptLinks:
    """The scripts a page names, read as a browser builds it — HTML5's tree construction (lexbor, through selectolax):
    an `<svg>` a `<div>` closes, a script in `<foreignObject>`, `</style/>`, `--!>` ending a comment, an attribute
    written twice (the first counts) — then its elements in document order. An SVG script's source is its `href` (or
    `xlink:href`); a MathML `script` runs nothing.

    Where readings differ, the scripts of each are taken: a browser that runs scripts reads `<noscript>` as text, one
    that does not as markup (so `<noscript><style></noscript><script src=…>` hides a running script from the
    second); a `<template>`'s scripts run once the app or a declarative shadow root (`shadowrootmode`) puts them in
    the page; a page served as XHTML is XML to a browser (`<script src="a.js"/>` ends there). The base is the
    reading that runs scripts'."""
    parse = load("selectolax.lexbor").LexborHTMLParser
    links = _read_links(parse(html, scripting=True))
    found, inline = set(links.found), set(links.inline)
    for other in (_read_links(parse(html)), *([_xml_links(html)] if xhtml else [])):
        links.found += [link for link in other.found if link not in found]
        found.update(other.found)
        links.unread += other.unread
        named = set(links.named)
        links.named += [link for link in other.named if link not in named]
        maps = {index for _, index in other.import_maps}
        for index, script in enumerate(other.inline):
            if script not in inline:
                inline.add(script)
                if index in maps:
                    links.import_maps.append((script[0], len(links.inline)))
                links.inline.append(script)
    links.named = list(dict.fromkeys(links.named))  # a file many elements name (an icon set's loader) once
    return links


def _read_links(document) -> _ScriptLinks:
    """One reading's scripts, in document order, then its templates' (inert until the page uses them, by then
    under the document's base)."""
    links = _ScriptLinks()
    if document.root is None:
        return links
    for node in document.root.traverse():
        _take(node, links, links.base)
    fragments = document.root.template_fragments()
    while fragments:
        fragment = fragments.pop(0)
        for node in fragment.traverse():
            if node.tag != "base":  # a template's base sets nothing
                _take(node, links, links.base)
        fragments += fragment.template_fragments()
    return links


# How a reference loads what it names, by which its answer is judged (Crawl.take): SCRIPT, as JavaScript — a module's,
# a worker's, and any script the crawl cannot tell how is run —; CLASSIC, a page's classic `<script src>`, which a
# browser runs whatever its type but an image's, media's or CSV's (unless sent `nosniff`); PRELOAD, a preload or
# prefetch, fetched and not run (whatever else names it decides: only preloaded, it is judged as SCRIPT); a JSON or
# CSS module's type ("json", "css") an import's attributes name
SCRIPT, CLASSIC, PRELOAD = "script", "classic", "preload"
# HTML's script-like destinations: what a preload or prefetch `as` one of them fetches is a script
SCRIPT_DESTINATIONS = ("script", "worker", "sharedworker", "serviceworker", "audioworklet", "paintworklet")
SCRIPT_FILES = (".js", ".mjs", ".cjs")  # a prefetch without `as` of a file named so fetches a script
SCRIPT_FILE_NAMES = tuple(name.encode() for name in SCRIPT_FILES)


def _loads_a_script(attributes: dict[str, str]) -> bool:
    """A `<link>` (or a link of the page's Link header) that loads a script: a module preload; a preload or prefetch
    `as` a script-like destination; a prefetch without `as` of a script's file (`.js`, `.mjs`, `.cjs`: Vue CLI writes
    them so). A prefetched script is downloaded by every browser too, whether or not a page runs it later. A preload
    without `as` fetches nothing, and a prefetch without `as` of another file is no script's."""
    href = attributes.get("href", "").strip(URL_EDGES)
    rel = attributes.get("rel", "").lower().split()
    destination = attributes.get("as", "").strip().lower()
    if not href:
        return False
    if "modulepreload" in rel:
        return True
    if "preload" in rel or "prefetch" in rel:
        named = href.split("#", 1)[0].split("?", 1)[0].lower()
        return destination in SCRIPT_DESTINATIONS or ("prefetch" in rel and not destination
                                                      and named.endswith(SCRIPT_FILES))
    return False


def _preloaded_as(attributes: dict[str, str]) -> str:
    """How a `<link>` that loads a script loads it: a module preload as a module (SCRIPT), else as a PRELOAD."""
    return SCRIPT if "modulepreload" in attributes.get("rel", "").lower().split() else PRELOAD


def _script_type(attributes: dict[str, str]) -> str:
    """How an HTML `<script src>` loads its script (HTML's "prepare the script element"): CLASSIC when its `type` is
    absent, empty or a JavaScript MIME type's essence (blanks around it dropped), or — without a `type` — its
    `language` is empty or `text/` and it name one; else SCRIPT (a module; or a data block, `type="text/plain"`,
    that an app may turn into either)."""
    if "type" in attributes:
        written = attributes["type"].strip("\t\n\x0c\r ").lower()
    else:
        written = f"text/{attributes['language']}".lower() if attributes.get("language") else ""
    return CLASSIC if not written or written in JAVASCRIPT_TYPES else SCRIPT


def _attribute_scripts(values: Iterable[str], base: str | None) -> list[tuple[str, str | None]]:
    """(ref, base) of each script's file (`.js`, `.mjs`) attribute values name: a whole value (`data-src="/x.js"`,
    blanks around it dropped as a browser's URL parser drops them), or a quoted string inside one (JSON,
    `data-config='{"entry": "/x.js"}'`) — whatever the attribute's name: a loader reads any it likes."""
    return [(found.group(1).decode("ascii"), base) for value in values if ".js" in value or ".mjs" in value
            for found in JS_REFERENCE.finditer(b'"%s"' % value.strip(URL_EDGES).encode("utf-8", errors="replace"))]


def _take(node, links: _ScriptLinks, base: str | None) -> None:
    """What one element adds: the first `<base href>`, a script's source, a script preload, an inline script, and
    the script files its attributes name."""
    tag = node.tag
    values = {name: value or "" for name, value in node.attributes.items()}
    links.named += _attribute_scripts(values.values(), base)
    if tag not in ("script", "base", "link"):
        return
    if tag == "base":
        if "href" in values and links.base is None and _foreign(node) is None:
            links.base = values["href"]
        return
    if tag == "link":
        if _loads_a_script(values) and _foreign(node) is None:
            links.found.append((values["href"].strip(URL_EDGES), base, _preloaded_as(values)))
        return
    space = _foreign(node)
    if space == "math":
        return
    source = (values.get("href") or values.get("xlink:href")) if space == "svg" else values.get("src")
    if source:  # blanks only: the base URL once stripped, for a browser too
        links.found.append((source.strip(URL_EDGES), base, SCRIPT if space else _script_type(values)))
    else:
        if values.get("type", "").strip().lower() == "importmap":
            links.import_maps.append((base, len(links.inline)))
        links.inline.append((base, node.text(deep=True)))


_XHTML = "{http://www.w3.org/1999/xhtml}"
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "http://www.w3.org/1999/xlink"


XML_PAGES = ("application/xhtml+xml", "text/xml", "application/xml", "image/svg+xml")


def _xml_links(page: str) -> _ScriptLinks:
    """An XHTML page's scripts as a browser reads it: XML (expat, which fetches no external entity), HTML's named
    entities defined (`&nbsp;`: a browser defines them for XHTML's DOCTYPEs), an entity a DOCTYPE's external DTD may
    define left out, a prefix no namespace binds read as no XHTML (a browser's parser goes on past both); up to where it
    stops being well-formed (a browser runs what came before and nothing after). One that declares entities is not
    read (an entity may hide markup, and grow a page a hundredfold within expat's bounds): not looked at."""
    import pyexpat  # an XHTML page is rare: loaded when one comes

    links = _ScriptLinks()
    reader = _XhtmlScripts(links)
    parser = pyexpat.ParserCreate()  # no namespace processing: an unbound prefix would stop expat, not a browser
    parser.buffer_text = True
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler, parser.EntityDeclHandler = reader.data, reader.declared
    parser.ProcessingInstructionHandler = reader.instruction
    try:
        parser.Parse(_HTML_ENTITY.sub(_as_character_reference, page), True)
    except pyexpat.ExpatError as exc:  # a browser's parser (XML 1.0's fifth edition: more name characters) may
        # read on where expat stops: what follows was not looked at
        links.unread.append(f"the page is XHTML that expat stops reading ({exc}), where a browser may read on: the"
                            " rest not read as XML")
    except _DeclaresEntities:
        links.unread.append("the page is XHTML declaring entities (<!ENTITY): not read as XML, as a browser reads it")
    except _Transformed:
        links.unread.append("the page names an XSLT stylesheet (<?xml-stylesheet … xsl?>): the page a browser runs is "
                            "the one the stylesheet makes, not the one read")
    return links


_HTML_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _as_character_reference(found: re.Match) -> str:
    """HTML's named entity as the character reference XML reads without a DTD (`&nbsp;` → `&#160;`)."""
    name = found.group(1)
    character = None if name in _XML_ENTITIES else HTML5_ENTITIES.get(f"{name};")
    return "".join(f"&#{ord(c)};" for c in character) if character else found.group(0)


class _DeclaresEntities(Exception):
    """The page's DOCTYPE declares an entity: the reading stops there."""


class _Transformed(Exception):
    """The page names an XSLT stylesheet: a browser runs the page it makes, not this one."""


class _XhtmlScripts:
    """expat's handlers for an XHTML page: its script elements (HTML's and SVG's), script preloads and first base, in
    document order, each element's namespace read from the `xmlns` attributes in effect where it stands."""

    def __init__(self, links: _ScriptLinks) -> None:
        self.links = links
        self.scopes: list[dict[str, str]] = [{}]  # prefix ("" the default) -> namespace, for each open element
        # for each open element, the text of its own if it is an inline script (its child text: a script within
        # another keeps its own), else None
        self.texts: list[list[str] | None] = []

    def declared(self, *_) -> None:
        raise _DeclaresEntities

    def instruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet" and "xsl" in data.lower():
            raise _Transformed

    def _named(self, name: str, scope: dict[str, str]) -> str:
        """`{namespace}local` of an element's name; an unbound prefix is no namespace of a script."""
        prefix, _, local = name.rpartition(":")
        return f"{{{scope.get(prefix, '?')}}}{local}"

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        declared = {name.partition(":")[2]: uri for name, uri in attributes.items()
                    if name == "xmlns" or name.startswith("xmlns:")}
        scope = {**self.scopes[-1], **declared} if declared else self.scopes[-1]  # copied only where it changes
        self.scopes.append(scope)
        name, links = self._named(tag, scope), self.links
        links.named += _attribute_scripts(attributes.values(), links.base)
        if name == f"{_XHTML}base" and attributes.get("href") is not None and links.base is None:
            links.base = attributes["href"]
        elif name == f"{_XHTML}link" and _loads_a_script(attributes):
            links.found.append((attributes["href"].strip(URL_EDGES), links.base, _preloaded_as(attributes)))
        inline = None
        if name in (f"{_XHTML}script", f"{_SVG}script"):
            # SVG 2: `href` over `xlink:href`, as a browser takes it
            linked = [value for key, value in attributes.items()
                      if key.endswith(":href") and scope.get(key.rpartition(":")[0]) == _XLINK]
            source = (attributes.get("src", "") if name == f"{_XHTML}script"
                      else attributes.get("href") or next(iter(linked), ""))
            if source.strip(URL_EDGES):
                how = _script_type(attributes) if name == f"{_XHTML}script" else SCRIPT
                links.found.append((source.strip(URL_EDGES), links.base, how))
            else:
                inline = []
        self.texts.append(inline)

    def data(self, text: str) -> None:
        if self.texts and self.texts[-1] is not None:
            self.texts[-1].append(text)

    def end(self, tag: str) -> None:
        self.scopes.pop()
        inline = self.texts.pop()
        if inline is not None:
            self.links.inline.append((self.links.base, "".join(inline)))


@dataclass
class ImportMap:
    """The page's import maps (`{"imports": {"admin": "/imap/admin"}, "scopes": {"/x/": {…}}}`), their URLs resolved
    against the document's base: what a bare import (`import "admin"`) loads, as a browser resolves it."""

    # per map, in the page's order: its scopes (the scope's URL, its names), most specific first, then its imports
    maps: list[list[tuple[str | None, dict[str, str]]]] = field(default_factory=list)

    @classmethod
    def of(cls, written: Iterable[tuple[str, str]]) -> ImportMap:
        """From each map's (code, the document's base then); one that is no JSON maps nothing (a browser ignores it
        too)."""
        return cls([_import_map(code, base_url) for code, base_url in written])

    def targets(self) -> list[str]:
        """Every URL a name is mapped to."""
        return [url for scopes in self.maps for _, names in scopes for url in names.values()]

    def resolve(self, name: str, referrer: str) -> str | None:
        """The URL the bare name `name` imported by the script at `referrer` loads (the scopes `referrer` stands in,
        the most specific first, then the map's imports; an earlier map's rule first); None when no map names it."""
        for scopes in self.maps:
            for scope, names in scopes:
                if scope is None or scope == referrer or (scope.endswith("/") and referrer.startswith(scope)):
                    if (url := _mapped_name(names, name)) is not None:
                        return url
        return None


def _import_map(code: str, base_url: str) -> list[tuple[str | None, dict[str, str]]]:
    """One import map's scopes (most specific first) and its imports (scope None), URLs resolved against `base_url`."""
    try:
        document = json.loads(code)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    scopes = document.get("scopes")
    # a longer prefix sorts after its own prefix: reversed, before it
    written = sorted(((_joined(base_url, scope), names) for scope, names in scopes.items() if isinstance(names, dict)),
                     key=lambda scope: scope[0], reverse=True) if isinstance(scopes, dict) else []
    imports = document.get("imports")
    written += [(None, imports)] if isinstance(imports, dict) else []
    return [(scope, {name: _joined(base_url, target.strip(URL_EDGES)) for name, target in names.items()
                     if isinstance(target, str) and target.strip(URL_EDGES)}) for scope, names in written]


def _mapped_name(names: dict[str, str], name: str) -> str | None:
    """`name`'s URL in one map: its own entry, else the longest `prefix/` entry it starts with (`"lib/": "/v/lib/"`
    maps `lib/x.js` to /v/lib/x.js)."""
    if name in names:
        return names[name]
    prefixes = [prefix for prefix in names if prefix.endswith("/") and name.startswith(prefix)]
    if not prefixes:
        return None
    prefix = max(prefixes, key=len)
    return _joined(names[prefix], name[len(prefix):])


def header_links(value: str) -> list[tuple[str, dict[str, str]]]:
    """Each link of a Link header (RFC 8288; several headers come joined by commas): its target as written and its
    parameters, names in lower case, the first of a name counting (as RFC 8288 reads `rel`), a quoted value
    unescaped; a link that does not start with `<target>` is skipped, as a browser skips a link it cannot read."""
    links = []
    for written in LINK_VALUES.finditer(value):
        target = LINK_TARGET.match(written[0])
        if target is None:
            continue
        parameters: dict[str, str] = {}
        at = target.end()
        while (parameter := LINK_PARAMETER.match(written[0], at)) is not None and parameter.end() > at:
            at = parameter.end()
            quoted, token = parameter[2], parameter[3]
            text = QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else (token or "").strip()
            parameters.setdefault(parameter[1].lower(), text)
        links.append((target[1], parameters))
    return links


def page_scripts(html: str) -> list[str]:
    return [src for src, *_ in _script_links(html).found]


def chunk_references(js: bytes | bytearray, asset_url: str, page_url: str, import_map: ImportMap | None = None,
                     folders: ScriptFolders | None = None) -> Iterator[tuple[str, bool] | tuple[str, bool, str]]:
    """(url, certain) of each module path in `js`, each once, in order. A path from `./` or `/` is the importing
    module's (an inline script's module is the page); a bare one (`assets/x.js`, Next's `static/chunks/x.js`) is the
    app's base's: the importing asset's path up to where the reference's first folder begins (`/assets/index.js` →
    `/`, `/_next/static/<id>/_buildManifest.js` → `/_next/`), else `/_next/` in a Next.js asset, else the page (given the
    page's script `folders`, first each place the page's scripts load its first folders from: see ScriptFolders); an
    absolute or protocol-relative one names its origin; a bare name an import loads (`import "admin"`) is what the
    page's `import_map` maps it to, for the script at `asset_url`. `certain`: an import, Vite's preload list or a
    Next build manifest names it — not a string that only looks like a file name. An import that loads a JSON or CSS
    module (`with {type: "json"}`) adds its module type: (url, True, "json"). A generator: the caller stops
    taking."""
    # the build manifest itself (`_buildManifest.js` assigns it): Next's main script only reads it, and holds other
    # file-like strings (an error table's `next.config.js`)
    manifest = urlsplit(asset_url).path.endswith("/_buildManifest.js") and NEXT_MANIFEST in js
    imports, lists = _imports(js), VITE_DEPS.finditer(js)  # in step with the references: no set of them
    an_import, a_list = next(imports, None), next(lists, None)
    given: set[tuple[bytes, bool, bool, str]] = set()
    taken = -1  # where the last import JS_REFERENCE also found starts: given once, as certain
    for found in JS_REFERENCE.finditer(js):
        quote = found.start()
        while an_import is not None and an_import.quote < quote:
            if an_import.quote != taken:
                yield from _imported(an_import, given, asset_url, page_url, import_map)
            an_import = next(imports, None)
        while a_list is not None and a_list.end(1) <= quote:
            a_list = next(lists, None)
        imported = an_import is not None and an_import.quote == quote
        taken = quote if imported else taken
        certain = manifest or imported or (a_list is not None and a_list.start(1) <= quote)
        own_url = imported and an_import.own_url
        module_type = an_import.module_type if imported else ""
        written = bytes(found.group(1))  # hashable even when the body is a bytearray
        if (written, certain, own_url, module_type) in given:
            continue
        given.add((written, certain, own_url, module_type))
        ref = written.decode("ascii")  # the pattern takes ASCII only
        if imported and (mapped := _bare_import(an_import, import_map, asset_url)) is not None:
            # `import "lib/x.js"` the import map maps: the browser loads the map's URL
            yield _reference(mapped, True, module_type)
        else:
            urls = [_joined(asset_url, ref)] if own_url else _resolutions(ref, asset_url, page_url, folders)
            # a path tried under several prefixes is a guess under each: only one of them need be there
            yield from (_reference(url, certain and len(urls) == 1, module_type) for url in urls)
    while an_import is not None:  # the imports after the last file-like string
        if an_import.quote != taken:
            yield from _imported(an_import, given, asset_url, page_url, import_map)
        an_import = next(imports, None)
    yield from _worklet_modules(js, given, page_url)


def _worklet_modules(js: bytes | bytearray, given: set[tuple[bytes, bool, bool, str]],
                     page_url: str) -> Iterator[tuple[str, bool]]:
    """Each worklet's module (`addModule("/paint")`) not named yet, whatever its extension: a URL resolved against
    the document's base, as a browser resolves it; a guess, as a script's name in code is (`addModule` may be another
    library's method). One built at run time (`${…}`) is not guessed at."""
    for module in WORKLET_MODULE.finditer(js):
        written = bytes(module[1])
        if b"${" in written or any((written, certain, False, "") in given for certain in (True, False)):
            continue
        given.add((written, False, False, ""))
        ref = NOT_URL_TEXT.sub(lambda byte: b"%%%02X" % byte[0][0], written).decode("ascii")
        yield _reference(ref if DATA_URL.match(ref) else _joined(page_url, ref), False)


def _reference(url: str, certain: bool, module_type: str = "") -> tuple[str, bool] | tuple[str, bool, str]:
    """(url, certain), and the module type an import loads it as where it says one (see Crawl.enqueue)."""
    return (url, certain, module_type) if module_type else (url, certain)


@dataclass(frozen=True)
class _Import:
    """A path an import names: where its opening quote stands, the path as written, whether that quote is a template
    literal's (a `${…}` in it is built at run time), and whether it is the script's own URL's (`new URL(path,
    import.meta.url)`) rather than resolved as an import's path is; `built`: such a URL outside a worker's
    constructor, a load only where it names a script's file (not an image's or a data file's: not fetched);
    `module_type`: "json" or "css" where the import's attributes say so, '' for a JavaScript module."""

    quote: int
    written: bytes
    template: bool
    own_url: bool = False
    built: bool = False
    module_type: str = ""


def _imports(js: bytes | bytearray) -> Iterator[_Import]:
    """Each path IMPORTS finds, in order, and each further string argument of importScripts (it loads every one);
    each search starts where the last import's arguments end, so none is scanned twice."""
    at = 0
    while (found := IMPORTS.search(js, at)) is not None:
        at = found.end()
        built = found.start("built") >= 0
        own_url = (built or found.start("url") >= 0) and IMPORT_META_URL.match(js, at) is not None
        if built and not own_url:  # `new URL("./x.js", location.href)`: a string like any other (JS_REFERENCE's)
            continue
        # an import's (`import`, `from`: not importScripts, a worker's or a URL's) attributes
        typed = IMPORT_ATTRIBUTES.match(js, at) if found.start("scripts") < 0 and js[found.start()] in b"if" else None
        yield _import(found, own_url, built, typed["type"].decode("ascii") if typed else "")
        while found.start("scripts") >= 0 and (argument := IMPORT_ARGUMENT.match(js, at)) is not None:
            at = argument.end()
            yield _import(argument)


def _import(found: re.Match, own_url: bool = False, built: bool = False, module_type: str = "") -> _Import:
    quote = found.start("path") - 1
    return _Import(quote, bytes(found["path"]), found.string[quote] == ord("`"), own_url, built, module_type)


def _names_a_script(written: bytes) -> bool:
    """Whether a path names a script's file by its extension (`worker-abc.js`, `x.cjs?v=2`)."""
    return written.split(b"#", 1)[0].split(b"?", 1)[0].lower().endswith(SCRIPT_FILE_NAMES)


def _bare_import(an_import: _Import, import_map: ImportMap | None, asset_url: str) -> str | None:
    """The URL the page's import map resolves a bare import to (`import "admin"`), for the script at `asset_url`;
    None for a path, a URL, a name no map names, or when the page has no import map."""
    if import_map is None or an_import.own_url or IMPORT_PATH.match(an_import.written) or an_import.template:
        return None
    return import_map.resolve(an_import.written.decode("utf-8", errors="replace"), asset_url)


def _imported(an_import: _Import, given: set[tuple[bytes, bool, bool, str]], asset_url: str, page_url: str,
              import_map: ImportMap | None = None) -> Iterator[tuple[str, bool] | tuple[str, bool, str]]:
    """An import JS_REFERENCE did not take (`import("./chunk-admin")`, `from "./x.cjs"`): a module the code loads
    whatever its file's extension, so certain — when it is a path or URL. A bare name (`react`: an import map's or
    a bundler's) is what the page's import map maps it to, certain, else not guessed at; a template literal's path
    (built at run time) is not guessed at; a path `new URL` resolves
    against the script's own URL (`new URL("worker.js", import.meta.url)`) is no bare name — and outside a worker's
    constructor it is followed only when it names a script's file."""
    written, own_url, module_type = an_import.written, an_import.own_url, an_import.module_type
    if (mapped := _bare_import(an_import, import_map, asset_url)) is not None:
        if (written, True, own_url, module_type) not in given:
            given.add((written, True, own_url, module_type))
            yield _reference(mapped, True, module_type)
        return
    if not (own_url or IMPORT_PATH.match(written)) or (written, True, own_url, module_type) in given \
            or (an_import.template and b"${" in written) or (an_import.built and not _names_a_script(written)):
        return
    given.add((written, True, own_url, module_type))
    # a browser sends a path's non-ASCII characters percent-encoded; a data: URL's are decoded back with its body
    ref = NOT_URL_TEXT.sub(lambda byte: b"%%%02X" % byte[0][0], written).decode("ascii")
    if DATA_URL.match(ref):
        yield _reference(ref, True, module_type)
    else:
        yield _reference(_joined(asset_url, ref) if own_url else _resolved(ref, asset_url, page_url), True, module_type)


def _resolved(ref: str, asset_url: str, page_url: str) -> str:
    return _resolutions(ref, asset_url, page_url)[0]


def _resolutions(ref: str, asset_url: str, page_url: str, folders: ScriptFolders | None = None) -> list[str]:
    """Where `ref` loads from: one URL, or for a bare path whose folders the page's scripts load from several
    prefixes, one under each (ScriptFolders.bases)."""
    ref = as_url_parser_reads(ref, asset_url)  # `.\x.js` is `./x.js`, relative to the script as that is
    if ref.startswith(("./", "../", "/")) or "://" in ref:
        return [_joined(asset_url, ref)]
    bases = folders.bases(ref) if folders is not None else []
    return [_joined(base, ref) for base in bases or [_base(ref, asset_url, page_url)]]


def _joined(base: str, ref: str) -> str:
    """`ref` resolved against `base` as a browser resolves it (`as_url_parser_reads`: `\\assets\\app.js` is
    /assets/app.js); as written when it is no URL (`http://[::1/x.js`): the crawl names it as that reference's
    problem (see Crawl.enqueue), it does not end the walk."""
    ref = as_url_parser_reads(ref, base)
    try:
        return urljoin(base, ref)
    except ValueError:
        return ref


def _base(ref: str, asset_url: str, page_url: str) -> str:
    path = urlsplit(asset_url).path
    folder = ref.split("/", 1)[0] if "/" in ref else ""
    if folder and (at := path.find(f"/{folder}/")) >= 0:
        return _joined(asset_url, path[:at + 1])
    if (at := path.find("/_next/")) >= 0:
        return _joined(asset_url, path[:at + len("/_next/")])
    return page_url


class ScriptFolders:
    """Where the page loads its scripts' folders from. A bare path a page names in data rather than in code (Next's
    flight data: `static/chunks/app/page-1.js`) is loaded from the bundler's public path, which the page's own
    scripts show: `<script src="/_next/static/chunks/main-app.js">` loads `static/chunks/` from `/_next/` (an
    assetPrefix's folder, or a CDN's origin, before it). Another script may load the same folders from elsewhere (a
    third party's Next widget, the app's own polyfills under `/static/`), so each distinct place is kept."""

    DEPTH = 16  # a script's first folders indexed: a public path is a few folders deep
    PLACES = 4  # places one folder run is tried under: a page loads its chunks from one or two

    def __init__(self, urls: Iterable[str], page_url: str) -> None:
        # (a folder, the next one) and (a folder,) -> ([places on the page's origin], [places on others]), in order
        self._at: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
        own = _origin(page_url)
        for url in urls:
            try:
                path = "" if DATA_URL.match(url) else urlsplit(url).path  # a data: script has no folders
                mine = _origin(url) == own
            except ValueError:  # no URL (`http://[::1/x.js`): named as such by enqueue
                continue
            folders = path.split("/", self.DEPTH + 1)[:-1]
            start = 0
            for index, folder in enumerate(folders):
                if index and folder:
                    self._add((folder,), url, path[:start], mine)
                    if index + 1 < len(folders) and folders[index + 1]:
                        self._add((folder, folders[index + 1]), url, path[:start], mine)
                start += len(folder) + 1

    def _add(self, run: tuple[str, ...], url: str, path: str, mine: bool) -> None:
        places = self._at.setdefault(run, ([], []))[0 if mine else 1]
        if len(places) < self.PLACES and (place := _joined(url, path)) not in places:
            places.append(place)

    def bases(self, ref: str) -> list[str]:
        """Each place the page's scripts load `ref`'s first two folders (else its first) from, the page's own
        origin's first, at most PLACES: never a third party's alone when the app's own scripts load them too; none
        when no script of the page does."""
        folders = ref.split("/", 2)[:-1]
        for run in (tuple(folders), tuple(folders[:1])):
            if run and (found := self._at.get(run)) is not None:
                return [*found[0], *found[1]][:self.PLACES]
        return []


def webpack_chunks(js: bytes | bytearray) -> tuple[list[str], str]:
    """The chunk files webpack's chunk-URL functions in `js` name (`static/js/217.3c1f.chunk.js`, bare: resolved
    against the app's base), one for each id of their id maps, at most MAX_REFERENCES + 1 (more are not followed);
    and — where `js` holds webpack's chunk loader — why the chunks it loads were not all found ('' when they were):
    a function of another shape (a ternary, no id map and no single chunk's hash) names files this check cannot know
    without running the code."""
    names: list[str] = []
    read: set[int] = set()  # where each function that was read starts
    setters = {assigned.end(): assigned.start() for assigned in CHUNK_URL_SET.finditer(js)}
    for found in CHUNK_URL.finditer(js):
        named = _chunk_names(js, found, MAX_REFERENCES + 1 - len(names))
        if named is None and found.start() in setters:
            # the one chunk a runtime loads by a literal is scanned, but the function is not read whole: a build id
            # (a git SHA) in chunkFilename is one constant for every chunk, and a chunk may load another (`r.e(789)`)
            names += _single_chunk(js, found, _receiver(js, setters[found.start()])) or []
        elif named is not None:
            names += named
            read.add(found.start())
    if WEBPACK_LOADER.search(js) is None:
        return names, ""
    if not read or any(end not in read for end in setters):
        return names, ("loads webpack chunks at run time, by a chunk-URL function this check cannot read (not a sum"
                       " of path strings, the chunk id and {id: hash} maps): those chunks were not scanned")
    return names, ""


def _chunk_names(js: bytes | bytearray, found: re.Match, most: int) -> list[str] | None:
    """Each file a chunk-URL function names (at most `most`), for each id of its id maps (a name map falls back to
    the id); None when it names no ids (no map that is not a fallback) or its sum holds a name other than its
    parameter. Read in place: a target's map may be megabytes."""
    param = found["arrow"] or found["bare"] or found["arg"]
    parts: list[str | tuple[dict[str, str], bool] | None] = []  # text, (a map, whether it falls back), the id
    for term in CHUNK_TERM.finditer(js, found.start("sum"), found.end("sum")):
        if term["text"] is not None:
            parts.append(_unquoted(term["text"]))
        elif term["id"] is not None:
            if term["id"] != param:
                return None
            parts.append(None)
        else:
            which = "names" if term.start("names") >= 0 else "ids"  # by where: a map's text is not copied
            table = _id_map(js, term.start(which) + 1, term.end(which) - 1, MAX_REFERENCES + 1)
            if table is None or term[f"{which}_key"] != param or term["fallback"] not in (None, param):
                return None
            parts.append((table, which == "names"))
    ids = [table for table, falls_back in (p for p in parts if isinstance(p, tuple)) if not falls_back]
    if not ids:
        return None
    # an id one map lacks makes "undefined" of its file name in the browser: no chunk
    chunks = [chunk for chunk in ids[0] if all(chunk in table for table in ids)][:max(most, 0)]
    return ["".join(chunk if part is None else part if isinstance(part, str) else part[0].get(chunk, chunk)
                    for part in parts) for chunk in chunks]


def _single_chunk(js: bytes | bytearray, found: re.Match, runtime: bytes) -> list[str] | None:
    """The file of the chunk a webpack 5 chunk-URL function without an id map names for the one id the runtime
    `runtime` (the `t` of `t.u=`) loads by a literal in this script (`t.e(456)`): `t.u=e=>"static/js/"+e+
    ".9f8e7d6c.chunk.js"`. A constant after the id is a content hash where one chunk has one, but a build id
    (chunkFilename with a git SHA) is one for every chunk, and that chunk may load others: it is scanned, and the
    function still counts as unread. None when there is no such constant, or not exactly one such id."""
    param = found["arrow"] or found["bare"] or found["arg"]
    terms = list(CHUNK_TERM.finditer(js, found.start("sum"), found.end("sum")))
    ids = [at for at, term in enumerate(terms) if term["text"] is None]
    if len(ids) != 1 or terms[ids[0]]["id"] != param:  # a map, or a name other than the id
        return None
    if not CHUNK_HASH.search("".join(_unquoted(term["text"]) for term in terms[ids[0] + 1:]).encode()):
        return None
    loaded = {_unquoted(load[2]) for load in CHUNK_LOAD.finditer(js) if load[1] == runtime}
    if len(loaded) != 1:
        return None
    chunk = loaded.pop()
    return ["".join(chunk if term["text"] is None else _unquoted(term["text"]) for term in terms)]


def _receiver(js: bytes | bytearray, dot: int) -> bytes:
    """The name before `.u=` at `dot` (`t`, `__webpack_require__`): the runtime's object."""
    start = dot
    while start > max(dot - 64, 0) and (js[start - 1:start].isalnum() or js[start - 1:start] in (b"_", b"$")):
        start -= 1
    return bytes(js[start:dot])


def _id_map(js: bytes | bytearray, start: int, end: int, most: int) -> dict[str, str] | None:
    """The entries between `start` and `end` (`217:"3c1f","vendors-x":"9a"`) as strings, the first `most` of them;
    None when that is not only such entries."""
    table: dict[str, str] = {}
    at = start
    for entry in MAP_ENTRY.finditer(js, start, end):
        if entry.start() != at:
            return None
        if len(table) == most:
            return table
        table[_unquoted(entry[1])] = _unquoted(entry[2])
        at = entry.end()
    return table if BLANK.match(js, at, end) else None


def _unquoted(written: bytes) -> str:
    """A JS string or property name as the object holds it (CHUNK_URL takes no escapes, so none to undo)."""
    text = written.decode("ascii", errors="replace")
    return text[1:-1] if text[:1] in ('"', "'") else text


def tokens_in(data: bytes | bytearray, pattern: re.Pattern = JWT_SHAPE) -> tuple[list[bytes], bool]:
    """The distinct JWT-shaped strings (or what `pattern` finds), at most MAX_TOKENS, and whether there were more.
    A JWT found with a further `.segment` after it (`A.B.C.D`) is looked for again from its second segment: a
    header-like first piece (`A`) must not hide the JWT `B.C.D` behind it."""
    found: dict[bytes, None] = {}
    at = 0
    while (token := pattern.search(data, at)) is not None:
        if pattern not in (SUPABASE_KEY, STRIPE_KEY) or _random_looking(token.group(1), pattern is STRIPE_KEY):
            found[bytes(token.group(1))] = None
        if len(found) > MAX_TOKENS:
            return list(found)[:MAX_TOKENS], True
        chained = pattern is JWT_SHAPE and data[token.end():token.end() + 1] == b"."
        at = data.index(b".", token.start(1)) + 1 if chained else token.end()
    return list(found), False


_KEY_CHARACTER_KINDS = (re.compile(rb"[a-z]"), re.compile(rb"[A-Z]"), re.compile(rb"[0-9]"))


def _random_looking(key: bytes, words: bool = False) -> bool:
    """A Supabase API key's random part mixes kinds of characters (lower and upper case, digits); a text of one
    kind is a placeholder (`sb_secret_your_key_goes_here`, `sb_secret_XXXXXXXXXXXXXXXX`), no key: a random part of
    16 characters is all lower case (the likeliest) once in 2 million, a real key's 30-odd once in 10¹². With
    `words` (a key of Stripe's form, whose part is letters and digits only), words run together are one too."""
    part = key.split(b"_", 2)[2]
    return _mixed(part) and not (words and (_placeholder_words(part) or X_RUN.search(part) is not None))


def _placeholder_words(text: bytes) -> bool:
    """Whether `text` is words run together (`YourStripeSecretKeyHere`, `ReplaceMeWithYourSecretKey`): letters only,
    each word of two lower-case letters or more after one capital, a short word (`A`, `Me`, `To`, `Id`) or an
    all-caps one of a closed list (`API`, `HERE`: see PLACEHOLDER_WORDS), each with a vowel (`Env`'s is its capital), and one word at least of three letters (short words alone are a random
    part's as likely as a placeholder's)."""
    words = re.findall(rb"[A-Z]?[a-z]++", text)
    return (PLACEHOLDER_WORDS.fullmatch(text) is not None and all(re.search(rb"[AEIOUYaeiouy]", word) for word in words)
            and any(len(word) >= 3 for word in words))


def _mixed(text: bytes) -> bool:
    """Whether `text` mixes kinds of characters (two of lower case, upper case, digits), as a random key does."""
    return sum(1 for kind in _KEY_CHARACTER_KINDS if kind.search(text)) >= 2


def keys_in(data: bytes | bytearray) -> tuple[list[dict], bool]:
    """Every JWT's role and fingerprint (a JWT-shaped string whose payload is unreadable: `decodable` false), then
    every Supabase API key's — at most MAX_TOKENS of each —, and whether there were more (not decoded: a caller
    must not read their absence as no key)."""
    tokens, more_tokens = tokens_in(data)
    api_keys, more_api_keys = tokens_in(data, SUPABASE_KEY)
    return ([_key(token.decode("ascii")) for token in tokens] + [_api_key(token.decode("ascii")) for token in api_keys],
            more_tokens or more_api_keys)


def _key(token: str) -> dict:
    """The role and issuer the payload claims, read as the server reading the key does: no signature check, and
    not the header (a header a JWT library refuses, `"kid": 1`, hides no role). A payload that is no JSON object
    (a key named twice in it is read differently by different readers) is not decodable: its role is unknown."""
    base64url_decode = load("jwt.utils").base64url_decode  # loaded only when a script is scanned
    try:
        claims = strict_json(base64url_decode(token.split(".")[1]).decode("utf-8"))
    except (ValueError, TypeError):  # binascii.Error, UnicodeDecodeError and JSONDecodeError are ValueErrors
        claims = None
    if not isinstance(claims, dict):
        return {"role": None, "fingerprint": fingerprint(token), "decodable": False}
    return {"role": claims.get("role"), "issuer": claims.get("iss"), "fingerprint": fingerprint(token),
            "decodable": True}


def _stripe_key(key: str) -> dict:
    """A secret or restricted key of Stripe's form: which, its mode (`sk_live_`: a live secret key) and the
    fingerprint of its random part (what the run learns of it: see Crawl._keys); one of Stripe's documentation
    samples is named as one (public: no leak)."""
    kind, mode, _ = key.split("_", 2)
    return {"secret": STRIPE_KINDS[kind], "form": f"{kind}_{mode}_", "mode": mode,
            "fingerprint": fingerprint(_stripe_random_part(key)),
            "sample": STRIPE_SAMPLE if key in STRIPE_DOC_SAMPLES else None}


def _stripe_random_part(key: str) -> str:
    """What of a key of Stripe's form is secret: its random part, after `sk_live_` (the form is public)."""
    return key.split("_", 2)[2]


def _pem_lines(pem: str) -> bytes:
    """A PEM private key's body as lines: its escapes and the seams of its string pieces read as line breaks, its
    headers (`Proc-Type: …`, a PGP armour's `Version: …`) and a PGP armour's checksum line left out."""
    found = PRIVATE_KEY.fullmatch(pem.encode("ascii"))
    body = PEM_PIECES.sub(b"\n", PEM_ESCAPE.sub(_unescaped, found["body"]))
    if found["armour"] == b"PGP PRIVATE KEY BLOCK":
        body = PGP_CHECKSUM.sub(b"", PGP_HEADER.sub(b"", body.rstrip()))
    return PEM_HEADER.sub(b"", body)


def _unescaped(escape: re.Match) -> bytes:
    """What a PEM_ESCAPE stands for in a key's body: `/` for `\\/`, a line break for `\\n` (and for a blank written
    by its code, `\\u000A`), nothing for a line continuation, the character for its code (`\\u002F`, `\\u{2F}`,
    `\\57`: `/`)."""
    if escape["continuation"] is not None:
        return b""
    if escape["character"] is not None:
        return b"/" if escape["character"] == b"/" else b"\n"
    character = bytes([int(escape["octal"], 8) if escape["octal"] is not None
                       else int(escape["code"] or escape["x"] or escape["point"], 16)])
    return b"\n" if character.isspace() else character


def _pem_body(pem: str) -> str:
    """A PEM private key's base64 alone — its armour, headers, escapes and line breaks left out —: one key, one
    fingerprint, however it was written."""
    return NOT_PEM_BASE64.sub(b"", _pem_lines(pem)).decode("ascii")


def _a_key_body(pem: str) -> bool:
    """Whether what stands between the armour is a key's, not a form's hint or a docs page's placeholder: base64
    that decodes to DER of its own length (a SEQUENCE: PKCS#8, PKCS#1, SEC 1, DSA, an encrypted PKCS#8), OpenSSH's
    format (its magic first), or — for a traditional encrypted PEM (`Proc-Type: 4,ENCRYPTED`) and a PGP block,
    whose bytes have no shape to check — lines of base64 of one width holding at least ENCRYPTED_SHORTEST random
    looking bytes."""
    armour = PRIVATE_KEY.fullmatch(pem.encode("ascii"))["armour"]
    lines = _pem_lines(pem).split()
    data = _base64_bytes(b"".join(lines))
    if data is None or len(b"".join(lines)) < PEM_SHORTEST:
        return False
    if armour == b"OPENSSH PRIVATE KEY":
        return data.startswith(OPENSSH_MAGIC)
    if armour == b"PGP PRIVATE KEY BLOCK" or b"Proc-Type:" in pem.encode("ascii"):
        return (len({len(line) for line in lines[:-1]}) <= 1 and len(data) >= ENCRYPTED_SHORTEST
                and _bits_per_byte(data) >= RANDOM_BITS)
    return _der_length(data) == len(data)


def _base64_bytes(text: bytes) -> bytes | None:
    """`text` decoded as padded base64, or None where it is none."""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error
        return None


def _encoded_json(encoded: str) -> bytes | None:
    """The text a base64 or base64url run (ENCODED_JSON) holds: its padding put back as a decoder does, or None
    where it is none (a length no encoding gives)."""
    text = encoded.rstrip("=").replace("-", "+").replace("_", "/").encode("ascii")
    if len(text) % 4 == 1:
        return None
    return _base64_bytes(text + b"=" * (-len(text) % 4))


def _der_length(data: bytes) -> int | None:
    """The length a DER SEQUENCE at the start of `data` says it has, its tag and length bytes counted; None when
    `data` starts with no SEQUENCE."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    if data[1] < 0x80:
        return 2 + data[1]
    size = data[1] & 0x7F
    if not 1 <= size <= 4 or len(data) < 2 + size:
        return None
    return 2 + size + int.from_bytes(data[2:2 + size], "big")


def _bits_per_byte(data: bytes) -> float:
    """The Shannon entropy of `data`'s bytes: random bytes' nears 8 (of 64 of them: about 5.7), a repeated text's
    is low."""
    counts = [data.count(byte) for byte in set(data)]
    return -sum(count / len(data) * math.log2(count / len(data)) for count in counts)


def _private_key(pem: str, body: str, written: str | None = None) -> dict:
    """A PEM private key: its armour, and a fingerprint of its base64 `body` (never the key); `written` how the
    script holds it when not as PEM (`base64-encoded`)."""
    armour = PRIVATE_KEY.fullmatch(pem.encode("ascii"))["armour"].decode("ascii")
    return {"secret": "private key", "form": f"-----BEGIN {armour}-----", "written": written,
            "fingerprint": fingerprint(body)}


def _jwk_private(jwk: bytes) -> tuple[str, str] | None:
    """A JWK object's type and secret value, where it is a private or symmetric key's: its `kty` EC, RSA or OKP and
    its `d`, or `oct` and its `k`, base64url of a key's length at least, mixing kinds of characters as random bytes'
    base64 does (a placeholder, `YOUR_PRIVATE_KEY_D_GOES_HERE`, does not); else None."""
    kty = JWK_TYPE.search(jwk)
    if kty is None:
        return None
    member, shortest = JWK_SECRET[kty["kty"]]
    value = member.search(jwk)
    if value is None or len(value["value"]) < shortest or len(value["value"]) % 4 == 1 or not _mixed(value["value"]):
        return None
    return kty["kty"].decode("ascii"), value["value"].decode("ascii")


def _api_key(key: str) -> dict:
    """A Supabase API key: the role it acts as, by its prefix (`sb_secret_`: service_role)."""
    kind = key.split("_", 2)[1]
    return {"prefix": f"sb_{kind}_", "role": SUPABASE_KEY_ROLES[kind], "fingerprint": fingerprint(key)}


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # UTF-32LE's starts with UTF-16LE's
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def views(content: bytes | bytearray, charset: str | None) -> list[bytes | bytearray]:
    """The body as bytes an ASCII token can be found in: as sent and — where a BOM or the charset says ASCII is not
    one byte a character (UTF-16, UTF-32), as a browser then reads it — also as UTF-8. A key shipped either way
    is shipped. The last is the body as its headers say a browser reads it (see `hinted` for the other readings)."""
    encoding = next((name for bom, name in _BOMS if content.startswith(bom)), charset)
    if encoding is None or ascii_compatible(encoding):
        return [content]
    try:
        return [content, content.decode(encoding, errors="replace").encode("utf-8", errors="replace")]
    except (LookupError, UnicodeError, ValueError):  # no text encoding (`hex`): the bytes as sent are all there is
        return [content]


# readings a browser may give bytes whatever their own header says — a script's `charset` attribute, the page's
# encoding, a WHATWG label Python does not know (`unicode`, `ucs-2`: UTF-16LE) — where the bytes hint at them: NULs
# (UTF-16, UTF-32), an escape (ISO-2022-JP switches sets with ESC sequences, which may sit inside a token)
_HINTED = ((b"\0", ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")), (b"\x1b", ("iso-2022-jp",)))


def hinted(content: bytes | bytearray) -> list[bytes]:
    """The body as UTF-8 from each reading its bytes hint at (`_HINTED`): a key shipped in any of them is shipped,
    whichever the browser takes — anyone may read the bytes so."""
    return [content.decode(name, errors="replace").encode("utf-8", errors="replace")
            for byte, names in _HINTED if byte in content for name in names]


def data_url(url: str) -> tuple[bytes, str | None]:
    """A data: URL's content and charset (RFC 2397, as a browser's fetch reads it): `data:[<type>][;base64],<data>`,
    the data percent-decoded, then base64-decoded when so marked (ASCII whitespace in it is ignored, its `=` padding
    optional). ValueError when it is none: the reason, never a piece of the data."""
    # a fragment is no part of the data, as for any URL
    header, comma, body = url.strip("\t\n\x0c\r ").split("#", 1)[0][len("data:"):].partition(",")
    if not comma:
        raise ValueError("no comma before its data")
    content = unquote_to_bytes(body)
    kind, _, last = header.rpartition(";")
    if last.strip(" ").lower() == "base64":
        header = kind
        content = ASCII_SPACES.sub(b"", content)
        if len(content) % 4 == 0:
            content = content[:-2] + content[-2:].rstrip(b"=")
        if len(content) % 4 == 1 or NOT_BASE64.search(content):
            raise ValueError("marked base64, but its data is not base64")
        content = base64.b64decode(content + b"=" * (-len(content) % 4))
    charsets = [value.strip(' "') for name, _, value in (part.partition("=") for part in header.split(";")[1:])
                if name.strip(" ").lower() == "charset"]
    return content, (charsets[0] or None) if charsets else None


def _origin(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) as a browser compares origins: no user or password, the host in lower case, the
    scheme's default port implied."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return scheme, parts.netloc.rpartition("@")[2].lower()
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return scheme, host if port in (None, {"http": 80, "https": 443}.get(scheme)) else f"{host}:{port}"


def _absolute(url: str) -> str:
    """`url` if the URL parser takes it and it was resolved (see _joined); else ValueError, saying why."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError("not resolved to an absolute URL")
    return url


def _json_string(written: bytes) -> list[str]:
    """A JSON string literal's text (Next writes its flight pushes with JSON.stringify); none when it is no JSON."""
    try:
        return [json.loads(written)]
    except ValueError:  # a JS-only escape (`\x41`): this piece is read alone, as every inline script is
        return []


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Crawl:
    """One check's walk from the page through its scripts. It keeps what was found, never a body nor a token:
    `learn` (the run's redactor) is told each token the moment it is found, before anything else can fail."""

    def __init__(self, page_url: str, params: Params, learn: Callable[[str], None] = lambda token: None):
        self.page_url = page_url
        self.base_url = page_url  # the document's base: the page's first <base href> once read
        self.params = params
        self.learn = learn
        self.page: Reply | None = None  # its status and failure (the body is dropped once read)
        self.page_digest = b""  # the page's body's sha256, once read
        self.seen: set[str] = {page_url}
        self.queue: list[tuple[str, bool]] = []  # (url, certain: the page or an import names it, not a guess)
        self.scanned: list[str] = []
        self.keys: list[dict] = []
        self.incomplete: list[str] = []
        self.unresolved: list[str] = []  # chunk-like strings that were not assets (404 ...)
        self.guessed: dict[str, str] = {}  # url -> its entry in `unresolved`
        self.sure: set[str] = set()  # urls the page or an import names for certain
        self.fetched = 0  # same-origin scripts queued (at most max_assets)
        self.third_party: list[str] = []  # scripts on an origin the runbook declares not the app's: not fetched
        self.mentioned: list[str] = []  # other origins' files code names in a string, not in an import
        self.listed = {"elsewhere": 0, "third_party": 0}  # scripts on other origins named (at most LISTED each)
        self.unlisted = {"elsewhere": 0, "third_party": 0}  # references to more of them, counted
        self.data_scripts = 0  # data: scripts met, each named by its number: its URL is its content
        self.data_depth = 0  # data: scripts being read inside one another
        self.moved_to = ""  # where the page redirects (its Location without user or password), not followed
        self.source_maps: list[str] = []  # scripts that name a source map: not read
        self.import_map: ImportMap | None = None  # the page's import maps, if it has any: what bare imports load
        self.loaded_as: dict[str, set[str]] = {}  # a queued url -> how what names it for certain loads it (enqueue)

    def read_page(self, reply: Reply) -> None:
        """The page's own keys (inline scripts), and the scripts it loads."""
        self.page = replace(reply, content=b"")
        self.page_digest = hashlib.sha256(reply.content).digest()  # an SPA answers it for a missing script: read once
        if reply.status != 200:
            self._redirected(reply)
            return
        if reply.truncated:
            self.incomplete.append(f"{_path(self.page_url)}: page larger than {PAGE_LIMIT} bytes; the rest not read")
        seen = views(reply.content, reply.charset)
        text = _page_text(seen[-1], reply.charset if len(seen) == 1 else "utf-8")
        # and as a browser reads its attributes and text: `data-key="eyJ…&#46;eyJ…"` is a key with its dots
        read = [html_text.unescape(text).encode("utf-8", errors="replace")] if "&" in text else []
        self.scan(_path(self.page_url), [*seen, *read, *hinted(reply.content)])
        headers = {k.lower(): v for k, v in reply.headers.items()}
        # XHTML's type, or XML's or SVG's holding XHTML (a browser reads each as XML, and runs its scripts)
        links = _script_links(text, xhtml=mime_essence(headers.get("content-type", "")) in XML_PAGES)
        where = _path(self.page_url)
        self.incomplete += [f"{where}: {why}" for why in links.unread]
        # the page's Link header preloads as its <link>s do, before the body is read; a link's target is resolved
        # against the page's own URL (RFC 8288: not against a base the body sets)
        linked = [(_joined(self.page_url, target.strip(URL_EDGES)), True, _preloaded_as(parameters))
                  for target, parameters in header_links(headers.get("link", ""))
                  if _loads_a_script({**parameters, "href": target})]
        self.enqueue(linked, f"{where} (its Link header)")
        self.base_url = self._document_base(links.base)
        if links.import_maps:
            self.import_map = ImportMap.of((links.inline[index][1], self._document_base(base))
                                           for base, index in links.import_maps)
        loaded = [(_joined(self._document_base(base), src), True, how) for src, base, how in links.found]
        self.enqueue(loaded, where)
        folders = ScriptFolders((url for url, *_ in [*linked, *loaded][:MAX_ASSETS]), self.page_url)
        flight: list[str] = []  # Next's flight stream, each push's string in order: the browser reads them joined
        for base, code in links.inline:  # an inline module's imports are the document's: resolved against its base
            js, base_url = code.encode("utf-8", errors="replace"), self._document_base(base)
            self.enqueue(chunk_references(js, base_url, base_url, self.import_map), where)
            if b'\\"' in js:  # JSON inside a string (Next's flight data: `[\"static/chunks/x.js\"]`): its paths too
                self._json_paths(js.replace(b'\\"', b'"'), base_url, folders, where)
            if (push := NEXT_FLIGHT_PUSH.fullmatch(js)) is not None:
                flight += _json_string(push[1])
            self.run_time_chunks(js, base_url, where)
        if flight:  # a path or a key the stream's buffer cut between two pushes (`static/chunks/app/pa` + `ge-1.js`)
            # is whole here; the stream is no longer than the page (PAGE_LIMIT)
            stream = "".join(flight).encode("utf-8", errors="replace")
            self._flight_keys(stream, where)
            self._json_paths(stream, self.base_url, folders, where)
        if self.import_map is not None:  # what a bare import resolves to: a module the app may load; certain once a
            # script imports its name (chunk_references)
            self.enqueue([(url, False) for url in self.import_map.targets()], where)
        # a script's file an attribute names (`<script type="text/plain" data-src="/assets/stats.js">`, which a
        # consent manager turns into a script): a guess, as a file-like string in code is
        self.enqueue([(_joined(self._document_base(base), ref), False) for ref, base in links.named], where)

    def _flight_keys(self, stream: bytes, where: str) -> None:
        """The keys in Next's flight stream as the browser reads it, its pushes joined and their JSON strings decoded:
        a server component's prop (`{"supabaseKey":"eyJ…"}`) cut between two pushes is whole only here. Named as the
        page's flight data; a key the page itself showed whole (one push held it) is named once, as the page's."""
        on_page = {key["fingerprint"] for key in self.keys}
        found = len(self.keys)
        self._keys(f"{where} (the page's flight data)", [stream])
        self.keys[found:] = [key for key in self.keys[found:] if key["fingerprint"] not in on_page]

    def _json_paths(self, json_text: bytes, base_url: str, folders: ScriptFolders, where: str) -> None:
        """The paths in JSON the page holds as data (Next's flight data), as guesses: such a string may be text (a
        docs page's code block) naming what no one loads. A bare one loads from where the page's scripts load its
        folders (Next's `/_next/`), not the page's folder."""
        unescaped = CHUNK_ID_BEFORE_PATH.sub(b'"', json_text)
        self.enqueue(((url, False) for url, *_ in chunk_references(unescaped, base_url, base_url, folders=folders)),
                     where)

    def _redirected(self, reply: Reply) -> None:
        """Where a redirecting page points, to be named without its user and password (`location_shown`); its
        secret-looking parts were learned as the reply came (Target.fetch_all)."""
        self.moved_to = location_shown(reply)

    def _document_base(self, href: str | None) -> str:
        """The page's URL, or the base a <base href> sets: resolved against the page's URL; one that is no URL sets
        none (a browser falls back to the page's)."""
        if href is None:
            return self.page_url
        try:
            return _absolute(_joined(self.page_url, href.strip(URL_EDGES)))
        except ValueError:
            return self.page_url

    def run_time_chunks(self, js: bytes | bytearray, asset_url: str, where: str) -> None:
        """Queue the chunks a webpack runtime in `js` loads by their id maps; name what of them was not found."""
        names, unread = webpack_chunks(js)
        if unread:
            self.incomplete.append(f"{where}: {unread}")
        self.enqueue(((_resolved(name, asset_url, self.base_url), True) for name in names), where)

    def scan(self, path: str, data: list[bytes | bytearray], map_header: bool = False) -> None:
        """Its keys; and whether it names a source map (a comment, or `map_header`): not read, so a pass says so."""
        if map_header or any(marker in view for view in data for marker in SOURCE_MAP_COMMENTS):
            self.source_maps.append(path)
        self._keys(path, data)

    def _keys(self, path: str, data: list[bytes | bytearray]) -> None:
        """The keys in an asset's views, each named with `path`."""
        jwts = self._distinct(path, data, JWT_SHAPE, "JWT-shaped strings; the rest not decoded")
        api_keys = self._distinct(path, data, SUPABASE_KEY, "Supabase API keys; the rest not read")
        # of a Stripe-form key and a PEM key only the random part and the base64 are learned: their form and armour,
        # named in the verdict, are no secret (learned, the redactor masks them there as a secret's edge)
        stripe_keys = self._distinct(path, data, STRIPE_KEY, "secret keys of Stripe's form; the rest not read",
                                     _stripe_random_part)
        private_keys = self._distinct(path, data, PRIVATE_KEY, "PEM private keys; the rest not read", _pem_body)
        self.keys += [{"asset": path, **_key(token)} for token in jwts]
        self.keys += [{"asset": path, **_api_key(key)} for key in api_keys]
        self.keys += [{"asset": path, **_stripe_key(key)} for key in stripe_keys]
        for pem in private_keys:
            if _a_key_body(pem):  # else a hint's words or a placeholder's `MIIE…xxxx`
                self._private_key(path, pem)
        for encoded in self._distinct(path, data, ENCODED_PEM, "base64-encoded PEM texts; the rest not read"):
            self._encoded_private_keys(path, encoded)
        encoded_json = self._distinct(path, data, ENCODED_JSON, "base64-encoded JSON texts; the rest not read",
                                      lambda token: None)  # no secret as a whole: a key inside is learned alone
        decoded = [text for text in map(_encoded_json, encoded_json) if text is not None]
        self._jwks(path, [(view, None) for view in data] + [(text, "base64-encoded") for text in decoded])

    def _private_key(self, path: str, pem: str, written: str | None = None) -> None:
        body = _pem_body(pem)
        self.learn(body)  # the key however its lines were broken
        self.keys.append({"asset": path, **_private_key(pem, body, written)})

    def _jwks(self, path: str, data: list[tuple[bytes | bytearray, str | None]]) -> None:
        """The private and symmetric keys written as JWKs in an asset's views and the texts decoded from it, each
        with how it was `written` (`base64-encoded`, or None as it stands). A JWK-like object holding no private
        member (JWK_PRIVATE_MEMBER) is passed over as it is found — a JWKS of any number of public keys is read to
        its end —; at most MAX_TOKENS distinct ones holding one, of all texts together, are read, past them the rest
        are not: said."""
        private: dict[bytes, None] = {}
        for view, written in data:
            for found in JWK_OBJECT.finditer(view):
                if JWK_PRIVATE_MEMBER.search(view, found.start(), found.end()) is None:
                    continue
                jwk = bytes(found[1])
                if jwk in private:
                    continue
                if len(private) == MAX_TOKENS:
                    self.incomplete.append(f"{path}: more than {MAX_TOKENS} JWK-like objects holding a private member"
                                           f" ({JWK_PRIVATE_NAMES}); the rest not read")
                    return
                private[jwk] = None
                self._jwk(path, jwk, written)

    def _jwk(self, path: str, jwk: bytes, written: str | None = None) -> None:
        """A private or symmetric key written as a JWK: named by its type and the fingerprint of its secret value
        (`d`, an `oct` key's `k`), the only part of it learned (`x`, `n` are public); `written` how the script holds
        it when not as it stands (`base64-encoded`)."""
        if (private := _jwk_private(jwk)) is not None:
            kty, value = private
            self.learn(value)
            self.keys.append({"asset": path, "secret": "symmetric key" if kty == "oct" else "private key",
                              "format": "JWK", "form": f"kty {kty}", "written": written,
                              "fingerprint": fingerprint(value)})

    def _encoded_private_keys(self, path: str, encoded: str) -> None:
        """The PEM private keys in a base64-encoded text (its whole groups of four; line breaks left out)."""
        text = NOT_PEM_BASE64.sub(b"", PEM_ESCAPE.sub(_unescaped, encoded.encode("ascii")))  # `\n`s left out
        before, dashes = next(shift for start, shift in ENCODED_PEM_STARTS.items() if text.startswith(start))
        text = text[(4 - before) % 4:]  # from the next group's start: decoded as the whole text was encoded
        decoded = _base64_bytes(text[:len(text) // 4 * 4])
        if decoded is None:
            return
        decoded = dashes + decoded
        found, _ = tokens_in(decoded, PRIVATE_KEY)
        for pem in (token.decode("ascii") for token in found):
            if _a_key_body(pem):
                self._private_key(path, pem, "base64-encoded")

    def _distinct(self, path: str, data: list[bytes | bytearray], pattern: re.Pattern, more_of: str,
                  secret: Callable[[str], str | None] = lambda token: token) -> list[str]:
        """The distinct strings `pattern` finds in an asset's views, at most MAX_TOKENS; what of each is `secret` is
        known to the run before it is decoded: whatever fails next."""
        tokens: dict[str, None] = {}
        for view in data:
            found, more = tokens_in(view, pattern)
            for token in found:
                if (value := secret(token.decode("ascii"))) is not None:
                    self.learn(value)
            tokens.update(dict.fromkeys(token.decode("ascii") for token in found))
            if more:
                self.incomplete.append(f"{path}: more than {MAX_TOKENS} {more_of}")
                break
        return list(tokens)[:MAX_TOKENS]

    def take(self, url: str, reply: Reply, certain: bool) -> None:
        """Scan one fetched asset and queue the further references it makes; its body is not kept."""
        path = _path(url)
        if reply.status is not None and 300 <= reply.status < 400:  # a login page's redirect for unknown paths
            moved = location_shown(reply)
            self._not_a_script(url, f"{path}: {reply.status} {f'to {moved}' if moved else 'without a Location'}"
                                    " (a redirect is not followed)", certain)
            return
        if reply.status != 200:
            status = reply.status if reply.status is not None else reply.failure
            # a chunk-like string the server refuses (404, or 403: a CDN over S3 says so for a missing object) is
            # no script a browser gets; one that failed to answer (5xx, silence), was turned away for now (408,
            # 429) or asks for credentials (401: a script is there, for a signed-in browser) is not looked at
            unavailable = reply.status is None or not 400 <= reply.status < 500 or reply.status in (401, 408, 429)
            self._not_a_script(url, f"{path}: {status}", certain, unavailable)
            return
        data = views(reply.content, reply.charset)
        if page := _a_page(reply.headers, data[-1]):  # an SPA answers its page, 200, for any path it does not have
            if hashlib.sha256(reply.content).digest() != self.page_digest:  # the page itself was scanned as the page
                self.scan(path, [*data, *hinted(reply.content)])  # a key in any body the crawl holds is shipped
            self._not_a_script(url, f"{path}: answered with an HTML page ({page}), not a script: the script's path"
                                    " resolved to a page", certain)
            return
        loaded_as = (self.loaded_as.get(url, set()) - {PRELOAD}) or {SCRIPT}
        if kind := _refused(loaded_as, reply.headers, data[-1]):  # an API answers JSON, 200, for any path it lacks
            self.scan(path, [*data, *hinted(reply.content)])  # its bytes reach the browser all the same
            self._not_a_script(url, f"{path}: answered with {kind}: the script's path resolved to something else, or"
                                    " the server sends the script with another type", certain)
            return
        if reply.truncated:
            self.incomplete.append(f"{path}: larger than {self.params.max_asset_bytes} bytes")
        self.scanned.append(path)
        headers = {k.lower() for k in reply.headers}
        data += hinted(reply.content)
        self.scan(path, data, map_header=bool(headers & {"sourcemap", "x-sourcemap"}))
        if _module_type(reply.headers) in loaded_as:  # a JSON or CSS module, sent as one: it imports nothing
            return
        for view in data:
            self.enqueue(chunk_references(view, url, self.base_url, self.import_map), path)
            self.run_time_chunks(view, url, path)

    def _not_a_script(self, url: str, note: str, certain: bool, unavailable: bool = False) -> None:
        """A script the page or an import names for certain that is not there (a broken deploy, or a path the
        crawler resolved wrongly: either way, what the browser runs was not scanned) is not looked at, and so is one
        that is `unavailable`; a string that only looks like a file name is no script a browser gets."""
        certain = certain or url in self.sure  # named by an import since it was queued as a guess
        if certain or unavailable:
            self.incomplete.append(note)
        else:
            self.unresolved.append(note)
            self.guessed[url] = note

    def _signed_in(self, url: str) -> str:
        """A script the page names by an absolute URL on its own origin, fetched as the page was: with the
        service URL's user and password (a staging site behind basic auth), which a browser would send too."""
        page, parts = urlsplit(self.page_url), urlsplit(url)
        if "@" in parts.netloc or _origin(url) != _origin(self.page_url):
            return url
        # written as the page's own URL is (its user, its host as written): one script named two ways is one
        return parts._replace(scheme=page.scheme, netloc=page.netloc).geturl()

    def enqueue(self, references: Iterable[tuple[str, bool]], where: str = "") -> None:
        """Queue (url, certain) references not seen yet, at most MAX_REFERENCES from one script. A script on another
        origin is not fetched (a check talks to its service only, not to hosts a page names) and not silently
        dropped: it is named as not looked at. Only what is queued or listed is remembered. A reference may add how
        it is loaded (url, certain, how) — a module type (`json`, `css`) —, else it is a script (SCRIPT): each way a
        queued url is named for certain is kept in `loaded_as`, for `take` to judge its answer by."""
        for taken, (url, certain, *how) in enumerate(references):
            if taken == MAX_REFERENCES:
                self.incomplete.append(f"{where}: more than {MAX_REFERENCES} module paths; the rest not followed")
                return
            if DATA_URL.match(url):
                self._data_script(url, certain)
                continue
            try:
                url = self._signed_in(_absolute(url.split("#", 1)[0]))
            except ValueError as exc:  # no URL (`http://[::1/x.js`): a browser cannot load it either
                self._no_url(url, certain, exc)
                continue
            if certain and url in self.loaded_as:
                self.loaded_as[url].add(how[0] if how else SCRIPT)
            if url in self.seen:
                if certain:
                    self.sure.add(url)
                if certain and url in self.guessed:  # refused as a guess, then named by an import: not looked at
                    entry = self.guessed.pop(url)
                    self.unresolved.remove(entry)
                    self.incomplete.append(entry)
                continue
            if _origin(url) != _origin(self.page_url):
                if certain:
                    self._elsewhere(url)
                elif url not in self.mentioned and len(self.mentioned) < LISTED:
                    # a string in code that names another origin's file (a CDN loader's URL) is no import of the
                    # app's: named in the evidence, neither fetched nor an error
                    self.mentioned.append(url)
            elif self.fetched >= self.params.max_assets:
                note = _over_max_assets(self.params.max_assets)
                if note not in self.incomplete:
                    self.incomplete.append(note)
            else:
                self.seen.add(url)
                self.fetched += 1
                self.queue.append((url, certain))
                if certain:
                    self.sure.add(url)
                    self.loaded_as[url] = {how[0] if how else SCRIPT}

    def _data_script(self, url: str, certain: bool) -> None:
        """A data: script (`<script src="data:text/javascript;base64,…">`, an import of one): its content is in its
        URL, so it is decoded and scanned here, like a fetched script, and named "data: script #N", never by its
        URL. It counts against max_assets; what it imports is resolved against the page's base, as an inline
        script's is (more than a browser loads: a data: URL is no base for a relative path)."""
        digest = "data: sha256:" + hashlib.sha256(url.encode("utf-8", errors="surrogatepass")).hexdigest()
        if digest in self.seen:  # remembered by a digest: a data: URL may be megabytes
            return
        if self.fetched >= self.params.max_assets:
            note = _over_max_assets(self.params.max_assets)
            if note not in self.incomplete:
                self.incomplete.append(note)
            return
        self.seen.add(digest)
        self.fetched += 1
        self.data_scripts += 1
        name = f"data: script #{self.data_scripts}"
        try:
            content, charset = data_url(url)
        except ValueError as exc:
            note = f"{name}: not decodable as a data: URL ({exc})"
            (self.incomplete if certain else self.unresolved).append(note)
            return
        if self.data_depth == MAX_ROUNDS:
            self.incomplete.append(f"{name}: data: scripts nested deeper than {MAX_ROUNDS} levels not scanned")
            return
        self.scanned.append(name)
        data = [*views(content, charset), *hinted(content)]
        self.scan(name, data)
        self.data_depth += 1
        try:
            for view in data:
                self.enqueue(chunk_references(view, self.base_url, self.base_url, self.import_map), name)
                self.run_time_chunks(view, self.base_url, name)
        finally:
            self.data_depth -= 1

    def _no_url(self, written: str, certain: bool, why: ValueError) -> None:
        """A reference the URL parser refuses: named once; not looked at when the page or an import names it, else
        (a string that only looks like a file) no script a browser gets."""
        if written in self.seen:
            return
        self.seen.add(written)
        note = f"{cut(written, 120)}: not a valid URL ({cut(str(why), 120)})"
        if certain:
            self.incomplete.append(f"{note}; not fetched")
        else:
            self.unresolved.append(note)

    def stopped(self, where: str, exc: Exception) -> None:
        """Something this crawl did not expect broke off reading an asset or the walk: what was found stays found
        (a forbidden key still fails the item), and what was not read is named."""
        self.incomplete.append(f"{where}: {type(exc).__name__}: {cut(str(exc), 200)}")

    def _elsewhere(self, url: str) -> None:
        """Name a script on another origin: declared third-party in the evidence, else as not looked at."""
        scheme, host = _origin(url)
        kind = "third_party" if f"{scheme}://{host}" in self.params.third_party else "elsewhere"
        if self.listed[kind] == LISTED:
            self.unlisted[kind] += 1
            return
        self.seen.add(url)
        self.listed[kind] += 1
        if kind == "third_party":
            self.third_party.append(cut(url, 120))
        else:
            self.incomplete.append(f"{cut(url, 120)}: on another origin, not fetched (if it is no script of the app's,"
                                   " declare its origin in third_party)")

    def close(self) -> None:
        """After the walk: what was left unlisted or unwalked."""
        if self.unlisted["elsewhere"]:
            self.incomplete.append(f"{self.unlisted['elsewhere']} more references to scripts on other origins,"
                                   " not fetched")
        if self.queue:
            self.incomplete.append(f"imports nested deeper than {MAX_ROUNDS} levels not scanned")


def _over_max_assets(most: int) -> str:
    """An app with more scripts than the item fetches (a webpack or Next.js build's lazy chunks count), and the fix."""
    if most < MAX_ASSETS:
        return (f"more than {most} scripts (max_assets); the rest not scanned: raise the item's max_assets"
                f" (at most {MAX_ASSETS})")
    return f"more than {most} scripts (max_assets, at its ceiling of {MAX_ASSETS}); the rest not scanned"


def mime_essence(content_type: str) -> str:
    """The MIME type a browser reads from a Content-Type header (Fetch's "extract a MIME type"): of its values (split
    at commas outside quoted strings: a header sent twice, by an app and its proxy, comes joined so), the last that
    parses as one and is not `*/*`; its essence (`type/subtype`, in lower case), or '' when none does."""
    essence, at = "", 0
    while True:
        value = HEADER_VALUE.match(content_type, at)
        mime = MIME_TYPE.match(value[0].strip("\t\n\r "))
        if mime is not None and (found := f"{mime[1]}/{mime[2]}".lower()) != "*/*":
            essence = found
        at = value.end() + 1  # past the comma
        if at > len(content_type):
            return essence


def _a_page(headers: dict[str, str], body: bytes | bytearray) -> str:
    """Why an answer is an HTML page, not a script ('' when nothing says so): its type, and a body that starts as
    markup (one that starts as code is a script sent so: see _refused); or — sent without a type — how it starts, as
    a browser sniffs it."""
    kind = mime_essence(headers.get("content-type", ""))
    if kind in ("text/html", "application/xhtml+xml"):
        return f"content-type {kind}" if MARKUP_START.match(body) else ""
    if not kind and HTML_START.match(body):
        return "no content-type, and it starts as an HTML document"
    return ""


def _refused(loaded_as: set[str], headers: dict[str, str], body: bytes | bytearray) -> str:
    """Why an answer is none a browser takes for what names it ('' when it is): a JSON or CSS module is taken with
    its own type (a JSON one, `text/css`), a classic script unless `_blocked`; otherwise — and for any other way —
    it must be JavaScript (`_not_javascript`); named two ways, both must take it. The reason says what was
    expected."""
    module_type = _module_type(headers)
    for way in sorted(loaded_as):
        if way == CLASSIC and not _blocked(headers):
            continue
        if way != module_type and (why := _not_javascript(headers, body)):
            sniffing = (" (sent with X-Content-Type-Options: nosniff, which makes a browser refuse a script of any"
                        " other type)") if way == CLASSIC and _nosniff(headers) else ""
            return f"{why}, not " + (f'{way.upper()} (its import says {{type: "{way}"}})' if way in ("json", "css")
                                      else f"JavaScript{sniffing}")
    return ""


def _blocked(headers: dict[str, str]) -> bool:
    """Whether a browser refuses a classic script so answered (Fetch): an image, audio, video or CSV type; or, sent
    with `X-Content-Type-Options: nosniff`, any type that is no JavaScript's."""
    kind = mime_essence(headers.get("content-type", ""))
    if kind.startswith(("image/", "audio/", "video/")) or kind == "text/csv":
        return True
    return _nosniff(headers) and kind not in JAVASCRIPT_TYPES


def _nosniff(headers: dict[str, str]) -> bool:
    """Whether the answer is sent with `X-Content-Type-Options: nosniff` (its first value, as Fetch reads it)."""
    options = HEADER_VALUE.match(headers.get("x-content-type-options", ""))[0]
    return options.strip(" \t").lower() == "nosniff"


def _module_type(headers: dict[str, str]) -> str:
    """The module type an answer's content-type is a browser's for: "json" (`application/json`, `text/json`, any
    `+json`), "css" (`text/css`), else ''."""
    kind = mime_essence(headers.get("content-type", ""))
    if kind in ("application/json", "text/json") or kind.endswith("+json"):
        return "json"
    return "css" if kind == "text/css" else ""


def _not_javascript(headers: dict[str, str], body: bytes | bytearray) -> str:
    """Why a script's answer is no JavaScript ('' when it is): a type that is no JavaScript's (JSON, XML, plain text:
    a browser refuses a module script sent so), or — sent without a type or as bytes — a body that is no code."""
    sent = headers.get("content-type", "")
    kind = mime_essence(sent)
    if kind in JAVASCRIPT_TYPES:
        return ""
    if not kind and sent.strip(" \t"):  # a header a browser reads no type from: no script's for a module
        return f"a content-type that is no MIME type ({cut(sent.strip(), 60)})"
    if kind not in UNTYPED:
        return f"content-type {kind}"
    body_is = _not_code(body)
    return body_is and f"{f'content-type {kind}' if kind else 'no content-type'} and {body_is}"


def _not_code(body: bytes | bytearray) -> str:
    """What an untyped body is instead of code ('' when it may be code): nothing, markup, a JSON document, words
    alone."""
    if start := NO_CODE_START.match(body):
        return "an empty body" if start.end() == len(body) else "a body that starts as markup"
    if JSON_START.match(body):
        try:
            json.loads(body)
            return "a JSON document"
        except (ValueError, RecursionError):  # no JSON: code that starts with a block or an array
            pass
    return "a body of words alone" if PROSE.fullmatch(body) else ""


def _page_text(data: bytes | bytearray, charset: str | None) -> str:
    """The page for the HTML parser: in the encoding its byte order mark names, which a browser takes over the
    header's charset (the mark dropped); else in its charset where that is a text encoding; else as UTF-8."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return bytes(data[len(mark):]).decode(encoding, errors="replace")
    return (decoded(data, charset) if charset else None) or data.decode("utf-8", errors="replace")


_BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _in_waves(target, probes: list[Probe]) -> Iterator[Reply]:
    """Each probe's reply, in order, REQUESTS_AT_ONCE at a time: no more bodies than that are held at once."""
    for start in range(0, len(probes), REQUESTS_AT_ONCE):
        replies = target.fetch_all(probes[start:start + REQUESTS_AT_ONCE])
        replies.reverse()
        while replies:
            yield replies.pop()  # dropped here once its crawl has scanned it


def gather(target, checks) -> dict[str, Crawl]:
    crawls = {c.key: Crawl(target.url(c.params.service, c.params.path), c.params, target.redactor.add) for c in checks}
    verify = {c.key: target.verify_tls(c.params.service) for c in checks}
    try:
        _walk(target, crawls, verify)
    except Exception as exc:  # a key found before the walk broke is still a leak: each crawl keeps what it found
        for crawl in crawls.values():
            crawl.stopped("the walk stopped", exc)
            crawl.queue = []  # not walked: said above, not "nested deeper"
    for crawl in crawls.values():
        crawl.close()
    return crawls


def _walk(target, crawls: dict[str, Crawl], verify: dict[str, bool | str]) -> None:
    """The pages, then rounds of their scripts; an asset that breaks its crawl's reading is that asset's problem."""
    pages = [Probe("GET", crawl.page_url, {"accept": "text/html"}, verify=verify[key], body_limit=PAGE_LIMIT, raw=True)
             for key, crawl in crawls.items()]
    for crawl, reply in zip(crawls.values(), _in_waves(target, pages)):
        try:
            crawl.read_page(reply)
        except Exception as exc:  # a bug met on this page's content: the other crawls go on
            crawl.stopped(f"{_path(crawl.page_url)}: internal error while reading it", exc)
    for _ in range(MAX_ROUNDS):
        batch = [(key, url, certain) for key, crawl in crawls.items() for url, certain in crawl.queue]
        if not batch:
            break
        for crawl in crawls.values():
            crawl.queue = []
        probes = [Probe("GET", url, verify=verify[key], body_limit=crawls[key].params.max_asset_bytes, raw=True)
                  for key, url, _ in batch]
        for (key, url, certain), reply in zip(batch, _in_waves(target, probes)):
            try:
                crawls[key].take(url, reply, certain)
            except Exception as exc:  # a bug met on this asset's content: the rest of the walk goes on
                crawls[key].stopped(f"{_path(url)}: internal error while reading it", exc)


def judge(check, facts) -> Outcome:
    p: Params = check.params
    crawl: Crawl = facts[check.key]
    forbidden = " or ".join(p.forbidden_roles)
    api_keys = "".join(f" and no Supabase {kind} key (sb_{kind}_)" for kind, role in SUPABASE_KEY_ROLES.items()
                       if role in p.forbidden_roles)
    expected = (f"no JWT with role {forbidden}{api_keys}, no secret or restricted key of Stripe's form (sk_, rk_) and"
                f" no private key (PEM, JWK) or symmetric JWK (kty oct) in the scripts {p.path} loads")
    page = crawl.page
    if page is None or page.status != 200:
        why = f"status {page.status}" if page is not None and page.status is not None else (
            page.failure if page else "; ".join(crawl.incomplete))  # the page was never read: what stopped it
        if crawl.moved_to:
            why += (f" to {crawl.moved_to} (a redirect is not followed: set the item's path to the page that loads"
                    " the app)")
        return error(f"could not look: GET {p.path} of {p.service}: {why}")
    evidence = {
        "page": _path(crawl.page_url),
        "scanned": crawl.scanned,
        "keys": [{k: v for k, v in key.items() if v is not None} for key in crawl.keys],
        **({"not_assets": crawl.unresolved} if crawl.unresolved else {}),
        **({"incomplete": crawl.incomplete} if crawl.incomplete else {}),
        **({"third_party_not_scanned": crawl.third_party} if crawl.third_party else {}),
        **({"named_elsewhere_not_imported": [cut(u, 120) for u in crawl.mentioned]} if crawl.mentioned else {}),
        **({"source_maps_not_read": crawl.source_maps} if crawl.source_maps else {}),
    }
    # a secret key of Stripe's form or a private key carries no role: no browser may hold one (Stripe's documentation
    # samples are public)
    leaked = [key for key in crawl.keys if "secret" in key and not key.get("sample")
              or key.get("role") in p.forbidden_roles]
    # a JWT-shaped string whose payload cannot be read may be any role's key: not a pass
    unread = [f"{key['fingerprint']} in {key['asset']}" for key in crawl.keys if key.get("decodable") is False]
    problems = ([f"could not look at every script: {'; '.join(crawl.incomplete)}"] if crawl.incomplete else []) + (
        [f"could not read the role of {plural(len(unread), 'JWT-shaped string')} (its payload is no JSON object): "
         f"{', '.join(unread)}"] if unread else [])
    if leaked:
        return failed(expected, "; ".join(f"{_kind(key)} {key['fingerprint']} in {key['asset']}" for key in leaked),
                      undecided=problems, **evidence)
    if problems:
        return error("; ".join(problems), **evidence)
    if not crawl.scanned and not p.allow_empty:
        outcome = nothing_found("script files", f"the page GET {p.path} of {p.service}")
        return error(outcome.observed, **evidence)
    found = ", ".join(_keys_passed(crawl.keys)) or NO_KEY
    more = f" (and {crawl.unlisted['third_party']} more references)" if crawl.unlisted["third_party"] else ""
    others = f"; {plural(len(crawl.third_party), 'third-party script')} not scanned{more}" if crawl.third_party else ""
    maps = f"; {plural(len(crawl.source_maps), 'source map')} named, not read" if crawl.source_maps else ""
    return passed(expected, f"{plural(len(crawl.scanned), 'script')} scanned, {found}{others}{maps}", **evidence)


NO_KEY = "no key (JWT, Supabase API key, Stripe-form secret key, private key or symmetric JWK)"


def _keys_passed(keys: list[dict]) -> list[str]:
    """What a pass found, each kind counted: JWTs of roles not forbidden, Supabase API keys, Stripe's documentation
    samples."""
    jwts = [key for key in keys if "prefix" not in key and "secret" not in key]
    roles = ", ".join(sorted({str(key["role"]) for key in jwts}))
    found = [f"{plural(len(jwts), 'JWT')} (role {roles})"] if jwts else []
    for prefix, role in sorted({(key["prefix"], key["role"]) for key in keys if "prefix" in key}):
        count = sum(key.get("prefix") == prefix for key in keys)
        found.append(f"{plural(count, f'Supabase {prefix[3:-1]} key')} (role {role})")
    if samples := sum(1 for key in keys if key.get("sample")):
        found.append(f"{samples} of Stripe's documentation sample keys (public)" if samples > 1
                     else "1 Stripe documentation sample key (public)")
    return found


def _kind(key: dict) -> str:
    """`service_role key`, or for a Supabase API key also which: `service_role key (a Supabase secret key, …)`; a
    Stripe-form key with its mode (`secret key of Stripe's form (sk_live_, live mode)`), a private key with its armour
    (or as a JWK, its type: `private key (JWK, kty EC)`)."""
    if "format" in key:  # a private key as a JWK
        written = f"{key['written']}, " if key.get("written") else ""
        return f"{key['secret']} ({key['format']}, {written}{key['form']})"
    if "secret" in key:
        written = f"{key['written']}, " if key.get("written") else ""
        return (f"{key['secret']} ({key['form']}, {key['mode']} mode)" if "mode" in key
                else f"{key['secret']} ({'OpenPGP' if 'PGP' in key['form'] else 'PEM'}, {written}{key['form']})")
    if "prefix" not in key:
        return f"{key['role']} key"
    return f"{key['role']} key (a Supabase {key['prefix'][3:-1]} key, {key['prefix']})"
