"""bundle: the JavaScript a web app ships to browsers carries no privileged key.

The page's same-origin scripts (`<script src>`, `<link rel=modulepreload|preload>`, and what its inline scripts
import) are fetched, then the chunks they import — imports, Vite's preload list, a Next.js build manifest — within
the limits below. A script on another origin is not fetched (a check talks to its service only, never to hosts a
page names): it is named as not looked at, an *error*, never passed over. Every JWT-shaped string found is decoded
(payload only; no signature check) and a key whose `role` is forbidden fails the check — a
Supabase anon key (role anon) is fine, a service_role key in a browser bundle is leaked.
Evidence names the asset, the role and a fingerprint, never the token.

```yaml
params:
  service: app
  path: /                           # the page that loads the app
  forbidden_roles: [service_role]   # default
  max_assets: 40                    # scripts fetched at most; more means "could not look at all"
  max_asset_bytes: 10000000         # a larger asset is not scanned to the end: "could not look"
  allow_empty: false                # a page that loads no script file is an error unless this is true
```
A page that does not answer 200 (or not at all) leaves the scripts unseen: *error*; so does a page
larger than 2 MiB (the rest is not read), and an imported chunk that fails to answer (5xx, no answer
within the deadline, 408, 429) or asks for credentials (401: a signed-in browser gets a script there)
— or is named for certain (by the page, an import, a build manifest) and refused with 404 or 403: a broken deploy
or a path resolved wrongly, not looked at either way. Only a string that merely looks like a chunk and that the
server refuses with another 4xx is no script a browser gets, and is listed as `not_assets`. A page that
loads no same-origin script file has shipped nothing to scan: an error naming the page, unless
`allow_empty: true`. Every asset fetch has the environment's total deadline (http_s); the walk
is at most MAX_ROUNDS rounds of concurrent fetches (see `bound`).
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from typing import Annotated
from urllib.parse import urljoin, urlsplit

from pydantic import AfterValidator, Field

from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import fingerprint
from ..transports.http import Probe, Reply
from . import REQUESTS_AT_ONCE
from ._common import StrictParams, UrlPath, nothing_found, plural
from .tcp import cut

NAME = "bundle"
NEEDS = ("url",)

PAGE_LIMIT = 2 * 1024 * 1024
MAX_ROUNDS = 6  # page -> entry scripts -> their chunks -> ...

JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# quoted module paths inside JS: import("./Admin-3f2a.js"), __vite__mapDeps(["assets/x.js"]), a version or Vite's
# `?import` after the name: import("/assets/lazy.js?v=3")
JS_REFERENCE = re.compile(r"""["'`]((?:\.{1,2}/|/)?[A-Za-z0-9_@~+-][A-Za-z0-9_@~+./-]*\.m?js(?:\?[A-Za-z0-9_=&%.~+-]*)?)["'`]""")
# where a reference is a module the code loads for certain, not a string that merely looks like a file name:
# an import (static, side-effect or dynamic), Vite's preload list, a Next.js build manifest's chunks
IMPORTS = re.compile(r"""(?:\bimport\s*\(\s*|\bimport\s*|\bfrom\s*)["'`]([^"'`\s]+)["'`]""")
VITE_DEPS = re.compile(r"""(?:\bm\.f\s*=\s*|__vite__mapDeps\s*\(\s*)\[([^\]]*)\]""")
NEXT_MANIFEST = "__BUILD_MANIFEST"


def _an_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{value!r} is not an origin: write scheme and host, e.g. https://js.stripe.com")
    return "://".join(_origin(value))


class Params(StrictParams):
    service: str
    path: UrlPath = "/"
    forbidden_roles: list[str] = Field(default=["service_role"], min_length=1)
    max_assets: int = Field(default=40, ge=1, le=500)
    max_asset_bytes: int = Field(default=10_000_000, ge=1024)
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


class _ScriptLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.inline: list[str] = []  # the code of <script> elements without src
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        rel = values.get("rel", "").lower().split()
        if tag == "script" and values.get("src"):
            self.found.append(values["src"])
        elif tag == "script":
            self._in_inline = True
            self.inline.append("")
        elif tag == "link" and values.get("href") and (
                "modulepreload" in rel or ("preload" in rel and values.get("as") == "script")):
            self.found.append(values["href"])

    def handle_data(self, data: str) -> None:
        if self._in_inline:
            self.inline[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False


def page_scripts(html: str) -> list[str]:
    parser = _ScriptLinks()
    parser.feed(html)
    return parser.found


def chunk_references(js: str, asset_url: str, page_url: str) -> list[tuple[str, bool]]:
    """(url, certain) of each module path in `js`. A path from `./` or `/` is the importing module's (an inline
    script's module is the page); a bare one (`assets/x.js`, Next's `static/chunks/x.js`) is the app's base's: the
    importing asset's path up to where the reference's first folder begins (`/assets/index.js` → `/`,
    `/_next/static/<id>/_buildManifest.js` → `/_next/`), else `/_next/` in a Next.js asset, else the page.
    `certain`: an import, Vite's preload list or a Next build manifest names it — not a string that only looks
    like a file name."""
    certain = set(IMPORTS.findall(js))
    certain |= {ref for deps in VITE_DEPS.findall(js) for ref in JS_REFERENCE.findall(deps)}
    # the build manifest itself (`_buildManifest.js` assigns it): Next's main script only reads it, and holds other
    # file-like strings (an error table's `next.config.js`)
    manifest = urlsplit(asset_url).path.endswith("/_buildManifest.js") and NEXT_MANIFEST in js
    out = []
    for ref in JS_REFERENCE.findall(js):
        base = asset_url if ref.startswith(("./", "../", "/")) else _base(ref, asset_url, page_url)
        out.append((urljoin(base, ref), manifest or ref in certain))
    return out


def _base(ref: str, asset_url: str, page_url: str) -> str:
    path = urlsplit(asset_url).path
    folder = ref.split("/", 1)[0] if "/" in ref else ""
    if folder and (at := path.find(f"/{folder}/")) >= 0:
        return urljoin(asset_url, path[:at + 1])
    if (at := path.find("/_next/")) >= 0:
        return urljoin(asset_url, path[:at + len("/_next/")])
    return page_url


def keys_in(text: str) -> list[dict]:
    """Every decodable JWT's role and fingerprint; undecodable JWT-shaped strings are counted."""
    jwt = load("jwt")  # loaded only when a script is scanned

    found = []
    for token in dict.fromkeys(JWT_SHAPE.findall(text)):
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            found.append({"role": None, "fingerprint": fingerprint(token), "decodable": False, "token": token})
            continue
        found.append({"role": claims.get("role"), "issuer": claims.get("iss"), "fingerprint": fingerprint(token),
                      "decodable": True, "token": token})
    return found


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


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Crawl:
    """One check's walk from the page through its scripts."""

    def __init__(self, page_url: str, params: Params):
        self.page_url = page_url
        self.params = params
        self.page: Reply | None = None
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

    def take(self, url: str, reply: Reply, certain: bool) -> list[tuple[str, bool]]:
        """Scan one fetched asset; returns the further references it makes."""
        path = _path(url)
        if reply.status != 200:
            status = reply.status if reply.status is not None else reply.failure
            # a chunk-like string the server refuses (404, or 403: a CDN over S3 says so for a missing object) is
            # no script a browser gets; one that failed to answer (5xx, silence), was turned away for now (408,
            # 429) or asks for credentials (401: a script is there, for a signed-in browser) is not looked at; nor
            # is a script the page or an import names for certain that is not there (a broken deploy, or a path
            # the crawler resolved wrongly: either way, what the browser runs was not scanned)
            certain = certain or url in self.sure  # named by an import since it was queued as a guess
            if certain or reply.status is None or not 400 <= reply.status < 500 or reply.status in (401, 408, 429):
                self.incomplete.append(f"{path}: {status}")
            else:
                self.unresolved.append(f"{path}: {status}")
                self.guessed[url] = f"{path}: {status}"
            return []
        if reply.truncated:
            self.incomplete.append(f"{path}: larger than {self.params.max_asset_bytes} bytes")
        self.scanned.append(path)
        self.keys += [{"asset": path, **key} for key in keys_in(reply.text)]
        return chunk_references(reply.text, url, self.page_url)

    def _signed_in(self, url: str) -> str:
        """A script the page names by an absolute URL on its own origin, fetched as the page was: with the
        service URL's user and password (a staging site behind basic auth), which a browser would send too."""
        page, parts = urlsplit(self.page_url), urlsplit(url)
        if "@" in parts.netloc or _origin(url) != _origin(self.page_url):
            return url
        # written as the page's own URL is (its user, its host as written): one script named two ways is one
        return parts._replace(scheme=page.scheme, netloc=page.netloc).geturl()

    def enqueue(self, references: list[tuple[str, bool]]) -> None:
        """Queue (url, certain) references not seen yet. A script on another origin is not fetched (a check talks
        to its service only, not to hosts a page names) and not silently dropped: it is named as not looked at."""
        for url, certain in references:
            url = self._signed_in(url.split("#", 1)[0])
            if certain:
                self.sure.add(url)
            if url in self.seen:
                if certain and url in self.guessed:  # refused as a guess, then named by an import: not looked at
                    entry = self.guessed.pop(url)
                    self.unresolved.remove(entry)
                    self.incomplete.append(entry)
                continue
            self.seen.add(url)
            if _origin(url) != _origin(self.page_url):
                scheme, host = _origin(url)
                if f"{scheme}://{host}" in self.params.third_party:
                    self.third_party.append(cut(url, 120))
                elif certain:
                    self.incomplete.append(f"{cut(url, 120)}: on another origin, not fetched (if it is no script "
                                           "of the app's, declare its origin in third_party)")
                continue
            self.fetched += 1
            if self.fetched > self.params.max_assets:
                note = f"more than {self.params.max_assets} scripts (max_assets); the rest not scanned"
                if note not in self.incomplete:
                    self.incomplete.append(note)
                continue
            self.queue.append((url, certain))


def gather(target, checks) -> dict[str, Crawl]:
    crawls = {c.key: Crawl(target.url(c.params.service, c.params.path), c.params) for c in checks}
    verify = {c.key: target.verify_tls(c.params.service) for c in checks}
    pages = target.fetch_all([Probe("GET", crawl.page_url, {"accept": "text/html"}, verify=verify[key],
                                    body_limit=PAGE_LIMIT) for key, crawl in crawls.items()])
    for (key, crawl), reply in zip(crawls.items(), pages):
        crawl.page = reply
        if reply.status == 200:
            if reply.truncated:
                crawl.incomplete.append(f"{_path(crawl.page_url)}: page larger than {PAGE_LIMIT} bytes;"
                                        " the rest not read")
            crawl.keys += [{"asset": _path(crawl.page_url), **k} for k in keys_in(reply.text)]  # inline scripts
            links = _ScriptLinks()
            links.feed(reply.text)
            crawl.enqueue([(urljoin(crawl.page_url, src), True) for src in links.found]
                          + [ref for code in links.inline for ref in chunk_references(code, crawl.page_url,
                                                                                      crawl.page_url)])
    for _ in range(MAX_ROUNDS):
        batch = [(key, url, certain) for key, crawl in crawls.items() for url, certain in crawl.queue]
        if not batch:
            break
        for crawl in crawls.values():
            crawl.queue = []
        replies = target.fetch_all([Probe("GET", url, verify=verify[key], body_limit=crawls[key].params.max_asset_bytes)
                                    for key, url, _ in batch])
        for (key, url, certain), reply in zip(batch, replies):
            crawl = crawls[key]
            crawl.enqueue(crawl.take(url, reply, certain))
    for crawl in crawls.values():
        if crawl.queue:
            crawl.incomplete.append(f"imports nested deeper than {MAX_ROUNDS} levels not scanned")
        for key in crawl.keys:
            target.redactor.add(key.pop("token"))  # the token itself never leaves gather
    return crawls


def judge(check, facts) -> Outcome:
    p: Params = check.params
    crawl: Crawl = facts[check.key]
    forbidden = " or ".join(p.forbidden_roles)
    expected = f"no JWT with role {forbidden} in the scripts {p.path} loads"
    page = crawl.page
    if page is None or page.status != 200:
        why = f"status {page.status}" if page is not None and page.status is not None else (page.failure if page else "")
        return error(f"could not look: GET {p.path} of {p.service}: {why}")
    evidence = {
        "page": _path(crawl.page_url),
        "scanned": crawl.scanned,
        "keys": [{k: v for k, v in key.items() if v is not None} for key in crawl.keys],
        **({"not_assets": crawl.unresolved} if crawl.unresolved else {}),
        **({"incomplete": crawl.incomplete} if crawl.incomplete else {}),
        **({"third_party_not_scanned": crawl.third_party} if crawl.third_party else {}),
    }
    leaked = [key for key in crawl.keys if key["role"] in p.forbidden_roles]
    if leaked:
        return failed(expected, "; ".join(f"{key['role']} key {key['fingerprint']} in {key['asset']}"
                                          for key in leaked), **evidence)
    if crawl.incomplete:
        return error(f"could not look at every script: {'; '.join(crawl.incomplete)}", **evidence)
    if not crawl.scanned and not p.allow_empty:
        outcome = nothing_found("script files", f"the page GET {p.path} of {p.service}")
        return error(outcome.observed, **evidence)
    roles = ", ".join(sorted({str(key["role"]) for key in crawl.keys}))
    found = f"{plural(len(crawl.keys), 'JWT')} (role {roles})" if crawl.keys else "no JWT"
    others = f"; {plural(len(crawl.third_party), 'third-party script')} not scanned" if crawl.third_party else ""
    return passed(expected, f"{plural(len(crawl.scanned), 'script')} scanned, {found}{others}", **evidence)
