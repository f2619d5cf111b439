"""bundle: the JavaScript a web app ships to browsers carries no privileged key.

The page's same-origin scripts (`<script src>`, `<link rel=modulepreload|preload>`) are fetched,
then the chunks they import, within the limits below. Every JWT-shaped string found is decoded
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
— a chunk-like string the server refuses with another 4xx is no script a browser gets, and is listed
as `not_assets`. A page that
loads no same-origin script file has shipped nothing to scan: an error naming the page, unless
`allow_empty: true`. Every asset fetch has the environment's total deadline (http_s); the walk
is at most MAX_ROUNDS rounds of concurrent fetches (see `bound`).
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from pydantic import Field

from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..secrets import fingerprint
from ..transports.http import Probe, Reply
from . import REQUESTS_AT_ONCE
from ._common import StrictParams, UrlPath, nothing_found, plural

NAME = "bundle"
NEEDS = ("url",)

PAGE_LIMIT = 2 * 1024 * 1024
MAX_ROUNDS = 6  # page -> entry scripts -> their chunks -> ...

JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# quoted module paths inside JS: import("./Admin-3f2a.js"), __vite__mapDeps(["assets/x.js"])
JS_REFERENCE = re.compile(r"""["'`]((?:\.{1,2}/|/)?[A-Za-z0-9_@~+-][A-Za-z0-9_@~+./-]*\.m?js)["'`]""")


class Params(StrictParams):
    service: str
    path: UrlPath = "/"
    forbidden_roles: list[str] = Field(default=["service_role"], min_length=1)
    max_assets: int = Field(default=40, ge=1, le=500)
    max_asset_bytes: int = Field(default=10_000_000, ge=1024)
    allow_empty: bool = False  # a page without script files passes (else: error, nothing was scanned)


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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        rel = values.get("rel", "").lower().split()
        if tag == "script" and values.get("src"):
            self.found.append(values["src"])
        elif tag == "link" and values.get("href") and (
                "modulepreload" in rel or ("preload" in rel and values.get("as") == "script")):
            self.found.append(values["href"])


def page_scripts(html: str) -> list[str]:
    parser = _ScriptLinks()
    parser.feed(html)
    return parser.found


def chunk_references(js: str, asset_url: str, page_url: str) -> list[str]:
    """Vite imports chunks relative to the importing module (`./x.js`) or to the base (`assets/x.js`)."""
    out = []
    for ref in JS_REFERENCE.findall(js):
        base = asset_url if ref.startswith(("./", "../", "/")) else page_url
        out.append(urljoin(base, ref))
    return out


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
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


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
        self.queue: list[tuple[str, bool]] = []  # (url, referenced by the page itself)
        self.scanned: list[str] = []
        self.keys: list[dict] = []
        self.incomplete: list[str] = []
        self.unresolved: list[str] = []  # chunk-like strings that were not assets (404 ...)

    def take(self, url: str, reply: Reply, from_page: bool) -> list[str]:
        """Scan one fetched asset; returns the further references it makes."""
        path = _path(url)
        if reply.status != 200:
            status = reply.status if reply.status is not None else reply.failure
            # a chunk-like string the server refuses (404, or 403: a CDN over S3 says so for a missing object) is
            # no script a browser gets; one that failed to answer (5xx, silence), was turned away for now (408,
            # 429) or asks for credentials (401: a script is there, for a signed-in browser) is not looked at
            if from_page or reply.status is None or not 400 <= reply.status < 500 or reply.status in (401, 408, 429):
                self.incomplete.append(f"{path}: {status}")
            else:
                self.unresolved.append(f"{path}: {status}")
            return []
        if reply.truncated:
            self.incomplete.append(f"{path}: larger than {self.params.max_asset_bytes} bytes")
        self.scanned.append(path)
        self.keys += [{"asset": path, **key} for key in keys_in(reply.text)]
        return chunk_references(reply.text, url, self.page_url)

    def enqueue(self, urls: list[str], from_page: bool) -> None:
        for url in urls:
            url = url.split("#", 1)[0]
            if url in self.seen or _origin(url) != _origin(self.page_url):
                continue
            self.seen.add(url)
            if len(self.seen) - 1 > self.params.max_assets:  # the page itself is in `seen`
                note = f"more than {self.params.max_assets} scripts (max_assets); the rest not scanned"
                if note not in self.incomplete:
                    self.incomplete.append(note)
                continue
            self.queue.append((url, from_page))


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
            crawl.enqueue([urljoin(crawl.page_url, src) for src in page_scripts(reply.text)], from_page=True)
    for _ in range(MAX_ROUNDS):
        batch = [(key, url, from_page) for key, crawl in crawls.items() for url, from_page in crawl.queue]
        if not batch:
            break
        for crawl in crawls.values():
            crawl.queue = []
        replies = target.fetch_all([Probe("GET", url, verify=verify[key], body_limit=crawls[key].params.max_asset_bytes)
                                    for key, url, _ in batch])
        for (key, url, from_page), reply in zip(batch, replies):
            crawl = crawls[key]
            crawl.enqueue(crawl.take(url, reply, from_page), from_page=False)
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
    return passed(expected, f"{plural(len(crawl.scanned), 'script')} scanned, {found}", **evidence)
