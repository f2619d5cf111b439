"""tls: an https service presents a trusted certificate that is not about to expire.

```yaml
params:
  service: web
  min_days: 14        # fail when the certificate expires within this many days
```
The certificate is verified against the system trust store, or the service's `ca_bundle` in
the environment file (a private CA), even where `verify_tls: false` lets other checks through.
`min_days` holds for the whole verified chain: an intermediate that expires sooner than the leaf
ends verification when it does.
A service the environment names by a plain `http://` URL serves no certificate at all: the item fails, saying
so (its clients reach it without TLS); where an environment has no TLS on purpose, waive the item there. A URL
that is neither http nor https, or names no host, is "could not look" (error): nothing was asked.

A port that does not answer in TLS — refused, silent, dripping, reset, or bytes that are not TLS
(plain HTTP) — is "could not look" (error). A server that answers in TLS but refuses the
handshake with an alert, answers with a ServerHello of a version older than TLS 1.2 (as OpenSSL 1.0 does), or
presents a certificate that is rejected, expiring or unreadable, fails the item. A host is matched against the
certificate's subjectAltName only, never its common name, as browsers and Go have done since 2017. A server that
wants a client certificate presents its own first: refusing the handshake after that (TLS 1.2) or once it is done
(TLS 1.3), it is judged by the certificate it presented — when it asked for one (a CertificateRequest) after
signing with that certificate's key. Anyone can send a copy of a site's certificate: an alert after one, without
both, is a refused handshake, and fails.
Each handshake has one total deadline of connect_s — the name lookup, every address the name resolves to, and a
non-blocking handshake loop (not a per-read timeout), all within it;
a rejected certificate is fetched once more unverified to name it,
so an endpoint takes at most two handshakes, and up to 16 endpoints are shaken at once. That second
connection may reach another backend (behind a load balancer), so what it saw is said as such, never
as the rejected certificate. A URL whose host is no DNS name (an empty label, one over 63 characters)
is "could not look": nothing was sent. A Unicode host is asked and verified by its A-label as httpx and browsers
make it (IDNA 2008: `faß.de` is xn--fa-hia.de), an absolute one (`example.com.`) verified without its final dot.
"""

from __future__ import annotations

import math
import selectors
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from pydantic import Field

from ..lazy import load
from ..outcome import Outcome, error, failed, passed
from ..transports.loops import DaemonExecutor
from ..transports.tlscontext import (ALERT_MEANINGS, CERTIFICATE_REQUEST, CERTIFICATE_VERIFY, SERVER_HELLO,
                                     SERVER_KEY_EXCHANGE, alert_words, peer_chain, rejection_reason, server_messages,
                                     shared_client_context)
from ._common import StrictParams

NAME = "tls"
NEEDS = ("url",)

AT_ONCE = 16  # endpoints shaken concurrently
_LOOKUPS = DaemonExecutor()  # name lookups nobody waits for past their handshake's deadline


class Params(StrictParams):
    service: str
    min_days: int = Field(default=14, ge=0, le=365)


@dataclass(frozen=True)
class Certificate:
    subject: str
    issuer: str
    names: tuple[str, ...]  # subject alternative names
    not_after: datetime

    @classmethod
    def from_der(cls, der: bytes) -> "Certificate":
        x509 = load("cryptography.x509")  # loaded only when a certificate is read

        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = tuple(str(v) for v in (*san.get_values_for_type(x509.DNSName),
                                           *san.get_values_for_type(x509.IPAddress)))
        except x509.ExtensionNotFound:
            names = ()
        return cls(shown_name(cert.subject), shown_name(cert.issuer), names, cert.not_valid_after_utc)


def shown_name(name) -> str:
    """A distinguished name as RFC 4514 orders it (`CN=…, O=…`), its values as written: RFC 4514's escapes
    (`\\+`, `\\,`) would show a secret in a CN in a form no redactor looks for. For reading, not parsing."""
    return ", ".join("+".join(f"{attribute.rfc4514_attribute_name}={_value(attribute.value)}" for attribute in rdn)
                     for rdn in reversed(name.rdns))


def _value(value: str | bytes) -> str:
    """An attribute's value; one held as bytes (x500UniqueIdentifier) as `#` and its hex, after RFC 4514."""
    return f"#{value.hex()}" if isinstance(value, bytes) else value


@dataclass(frozen=True)
class Handshake:
    """What one TLS connection to host:port showed, at `checked_at` (the judge's "now")."""

    endpoint: str
    trust: str  # "system trust store" or "service's CA bundle" (the path goes to evidence)
    checked_at: datetime
    ca_bundle: str | None = None
    certificate: Certificate | None = None
    chain: tuple[Certificate, ...] | None = ()  # the verified chain above the leaf; None: not readable here
    rejected: str = ""  # why verification refused the certificate
    second_look: Certificate | None = None  # after a rejection, what an unverified second connection was shown
    handshake_failure: str = ""  # the server answered in TLS and refused (an alert), or sent an unreadable certificate
    older_version: str = ""  # the version older than TLS 1.2 the server's ServerHello chose (handshake_failure: why)
    refused_after_certificate: str = ""  # the alert that ended the handshake once the certificate was verified
    unreachable: str = ""  # no TLS answer at all (refused, silent, reset, not TLS): could not look
    unusable_host: str = ""  # the URL's host is no DNS name: nothing was sent


def bound(target, checks) -> float:
    """At most two handshakes per endpoint, each within connect_s, AT_ONCE endpoints at a time."""
    endpoints = max(1, len({c.params.service for c in checks}))
    return math.ceil(endpoints / AT_ONCE) * 2 * target.timeouts.connect_s + 1.0


class _NoTls(Exception):
    """The peer did not complete a handshake in time."""


class _OlderVersion(Exception):
    """The server answered with a well-formed ServerHello choosing a version older than TLS 1.2 (`version`), which
    the client refused."""

    def __init__(self, version: str, reason: str) -> None:
        super().__init__(reason)
        self.version, self.reason = version, reason


class _Rejected(Exception):
    """Verification refused the peer's certificate; `leaf` is the certificate that connection was shown (DER), or
    None where this Python cannot read it."""

    def __init__(self, error: ssl.SSLCertVerificationError, leaf: bytes | None) -> None:
        super().__init__(error.verify_message or str(error))
        self.error, self.leaf = error, leaf


# Alerts a server ends the handshake with when the client brings no certificate it wants: OpenSSL over TLS 1.2
# (handshake_failure), Go and others (bad_certificate, certificate_unknown, access_denied), TLS 1.3
# (certificate_required).
CLIENT_CERTIFICATE_ALERTS = ("HANDSHAKE_FAILURE", "BAD_CERTIFICATE", "CERTIFICATE_UNKNOWN", "CERTIFICATE_REQUIRED",
                             "ACCESS_DENIED", "UNKNOWN_CA")


def _wait(tls: ssl.SSLSocket, writing: bool, deadline: float, limit_s: float) -> None:
    left = deadline - time.monotonic()
    # a selector, not select(): a process holding over 1024 descriptors (a large run) gets sockets select() refuses
    with selectors.DefaultSelector() as selector:
        selector.register(tls, selectors.EVENT_WRITE if writing else selectors.EVENT_READ)
        ready = selector.select(max(0.0, left))
    if left <= 0 or not ready:
        raise _NoTls(f"no TLS handshake within {limit_s:g} s (connect_s)")


def _peer_der(host: str, port: int, context: ssl.SSLContext, limit_s: float,
              server_name: str | None = None) -> tuple[bytes, list[bytes] | None, str]:
    """The peer's certificate, the verified chain above it (None when this Python cannot tell), and the alert that
    ended the handshake after the certificate was verified ("" when it completed), the whole exchange (name lookup,
    connect, handshake) within `limit_s`: a non-blocking handshake loop, so a server that drips its bytes cannot
    stretch it."""
    deadline = time.monotonic() + limit_s
    sock = _connect(host, port, deadline, limit_s)
    sock.setblocking(False)
    verifying = context.verify_mode == ssl.CERT_REQUIRED
    with context.wrap_socket(sock, server_hostname=server_name or host, do_handshake_on_connect=False) as tls:
        try:
            _handshake(tls, deadline, limit_s)
        except ssl.SSLCertVerificationError as exc:
            raise _Rejected(exc, next(iter(peer_chain(tls, "get_unverified_chain") or ()), None)) from exc
        except ssl.SSLError as exc:
            if older := _older_version(tls, exc):
                raise _OlderVersion(older, exc.reason) from exc
            # A server that wants a client certificate sends its own first, and the client verifies it before it
            # answers without one: over TLS 1.2 the refusal ends the handshake, over TLS 1.3 it comes after it.
            # The certificate was seen either way, and is judged the same way.
            seen = peer_chain(tls, "get_verified_chain" if verifying else "get_unverified_chain")
            if not (seen and _answered_in_tls(exc) and exc.reason and exc.reason.endswith(CLIENT_CERTIFICATE_ALERTS)
                    and (_asked_for_a_client_certificate(tls) or not verifying)):
                raise
            return seen[0], (seen[1:] if verifying else None), exc.reason
        der = tls.getpeercert(binary_form=True)
        chain = peer_chain(tls, "get_verified_chain") if verifying else None
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der, (chain[1:] if chain else chain), ""


# ServerHello versions this check refuses, as a ServerHello writes them
OLDER_VERSIONS = {b"\x03\x00": "SSL 3.0", b"\x03\x01": "TLS 1.0", b"\x03\x02": "TLS 1.1"}


def _older_version(tls: ssl.SSLSocket, exc: ssl.SSLError) -> str:
    """The version older than TLS 1.2 that the server's ServerHello chose, refused by the client for it
    (UNSUPPORTED_PROTOCOL); "" for any other error. OpenSSL 1.0 answers so, ignoring supported_versions: that is
    the server's TLS answer, as a protocol_version alert is."""
    chosen = [version for kind, version in server_messages(tls) if kind == SERVER_HELLO]
    return OLDER_VERSIONS.get(chosen[-1], "") if chosen and exc.reason == "UNSUPPORTED_PROTOCOL" else ""


def _asked_for_a_client_certificate(tls: ssl.SSLSocket) -> bool:
    """The server asked for a client certificate (a CertificateRequest) after signing with its certificate's key (a
    ServerKeyExchange over TLS 1.2, a CertificateVerify over TLS 1.3, each verified before the next message is
    read). Anyone can send a copy of a site's certificate and then an alert: without both, an alert after the
    certificate is a refused handshake, never a server that wants a client certificate."""
    sent = {kind for kind, _ in server_messages(tls)}
    return CERTIFICATE_REQUEST in sent and bool(sent & {SERVER_KEY_EXCHANGE, CERTIFICATE_VERIFY})


def _connect(host: str, port: int, deadline: float, limit_s: float) -> socket.socket:
    """A connection to the first of the host's addresses that takes one, the name lookup included, by `deadline`:
    create_connection gives the lookup no limit and each address the whole of it, so a name with three silent
    addresses took three times connect_s. The lookup runs on a daemon thread (as asyncio's do here) and is left
    behind when it is late."""
    lookup = _LOOKUPS.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        addresses = lookup.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        raise _NoTls(f"no TLS handshake within {limit_s:g} s (connect_s): the name lookup of {host} did not end") \
            from None
    failure: OSError = OSError(f"no address for {host}")
    for family, kind, protocol, _, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, kind, protocol)
        sock.settimeout(left)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
    if deadline - time.monotonic() <= 0:
        raise _NoTls(f"no TLS handshake within {limit_s:g} s (connect_s): no connection to {host}")
    raise failure


def _handshake(tls: ssl.SSLSocket, deadline: float, limit_s: float) -> None:
    while True:
        try:
            tls.do_handshake()
            return
        except ssl.SSLWantReadError:
            _wait(tls, False, deadline, limit_s)
        except ssl.SSLWantWriteError:
            _wait(tls, True, deadline, limit_s)


def _answered_in_tls(exc: ssl.SSLError) -> bool:
    """An alert is the server's TLS answer (protocol version, handshake failure ...); anything else —
    a wrong version number (plain text on the port), an EOF mid-handshake — is no TLS answer."""
    return "ALERT" in str(exc.reason or exc).upper()


def _wire_name(host: str) -> tuple[str, str, str]:
    """(the name to resolve, the name to verify the certificate against, why the host is no DNS name or "").
    A Unicode name becomes its A-label as httpx and browsers make it (IDNA 2008 with UTS 46: `faß.de` is
    xn--fa-hia.de, not the fass.de of Python's IDNA 2003 codec); an absolute name (`localhost.`) is resolved as
    written and verified without its final dot, as certificates name hosts."""
    if host.isascii():
        try:
            host.encode("idna")  # label lengths: none empty, none over 63 characters
        except UnicodeError as exc:
            return host, host, f"host name '{host}' is not a valid DNS name ({exc.__cause__ or exc})"
        ascii_name = host
    else:
        absolute = host.endswith(".")
        try:
            ascii_name = load("idna").encode(host.rstrip("."), uts46=True).decode("ascii") + "." * absolute
        except (load("idna").IDNAError, UnicodeError) as exc:
            return host, host, f"host name '{host}' is not a valid DNS name ({exc})"
    return ascii_name, ascii_name.removesuffix(".") or ascii_name, ""


def shake(host: str, port: int, cafile: str | None, timeout_s: float) -> Handshake:
    endpoint = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    trust = "service's CA bundle" if cafile else "system trust store"
    checked_at = datetime.now(timezone.utc)
    seen = {"endpoint": endpoint, "trust": trust, "ca_bundle": cafile, "checked_at": checked_at}
    host, verified_name, unusable = _wire_name(host)
    if unusable:
        return Handshake(**seen, unusable_host=unusable)
    try:
        # a host matched against subjectAltName alone, as http and redis match it; each store loaded once per process
        context = shared_client_context(cafile)
    except (OSError, ssl.SSLError) as exc:
        return Handshake(**seen, unreachable=f"cannot load the CA bundle: {getattr(exc, 'strerror', None) or exc}")
    try:
        leaf, chain, refused_after = _peer_der(host, port, context, timeout_s, verified_name)
        chain = _with_longest_lived_root(chain, context)
    except _Rejected as exc:
        rejected = rejection_reason(exc.error, exc.leaf, verified_name)
    except _OlderVersion as exc:
        return Handshake(**seen, handshake_failure=exc.reason, older_version=exc.version)
    except ssl.SSLError as exc:
        if _answered_in_tls(exc):
            return Handshake(**seen, handshake_failure=exc.reason or str(exc))
        if exc.reason == "EXCESSIVE_MESSAGE_SIZE":  # it did answer, with more than OpenSSL reads (~100 KB)
            return Handshake(**seen, unreachable="the server answered in TLS with a handshake message larger than "
                             "OpenSSL reads (EXCESSIVE_MESSAGE_SIZE: a certificate chain of some 100 KB or more): its "
                             "certificate could not be read")
        return Handshake(**seen, unreachable=f"no TLS answer: {exc.reason or exc}")
    except _NoTls as exc:
        return Handshake(**seen, unreachable=str(exc))
    except OSError as exc:
        return Handshake(**seen, unreachable=str(exc) or type(exc).__name__)
    else:
        return _read(seen, leaf, chain, refused_after)
    return Handshake(**seen, rejected=rejected, second_look=_second_look(host, port, timeout_s, verified_name))


def _with_longest_lived_root(chain: list[bytes] | None, context: ssl.SSLContext) -> list[bytes] | None:
    """The verified chain with its root replaced by the longest-lived certificate of the trust store with the same
    subject, key and extensions, when there is one. While a root is renewed a bundle holds both copies, and OpenSSL builds the
    chain with whichever it reads first: the one expiring in 3 days failed `min_days`, though the renewed copy
    verifies the same chain (same key) for ten years more — the verdict hung on the order of the bundle."""
    if not chain:
        return chain
    x509 = load("cryptography.x509")
    serialization = load("cryptography.hazmat.primitives.serialization")

    def identity(cert):
        # its extensions too: a copy with another path length, CA flag, key usage or name constraints may not verify
        # the chain OpenSSL built (a leaf below an intermediate under `pathLenConstraint 0` passed for ten years)
        key = cert.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        extensions = sorted((e.oid.dotted_string, e.critical, e.value.public_bytes()) for e in cert.extensions)
        return cert.subject.public_bytes(), key, extensions

    try:
        root = x509.load_der_x509_certificate(chain[-1])
        if root.subject != root.issuer:
            return chain
        wanted = identity(root)
        best, best_until = chain[-1], root.not_valid_after_utc
        subject = wanted[0]
        for der in context.get_ca_certs(binary_form=True):
            if subject not in der:  # most of a system store's ~150 roots, ruled out without reading them
                continue
            other = x509.load_der_x509_certificate(der)
            if other.not_valid_after_utc > best_until and other.not_valid_before_utc <= datetime.now(timezone.utc) \
                    and identity(other) == wanted:
                best, best_until = der, other.not_valid_after_utc
    except (ValueError, TypeError, NotImplementedError):  # one cryptography cannot read: the chain as OpenSSL built it
        return chain
    return [*chain[:-1], best]


def _read(seen: dict, leaf: bytes, chain: list[bytes] | None, refused_after: str = "") -> Handshake:
    try:
        return Handshake(**seen, certificate=Certificate.from_der(leaf), refused_after_certificate=refused_after,
                         chain=None if chain is None else tuple(Certificate.from_der(der) for der in chain))
    except ValueError as exc:  # cryptography could not read what was sent (only here: no other error is a certificate's)
        return Handshake(**seen, handshake_failure=f"unreadable certificate: {exc}")


def _second_look(host: str, port: int, timeout_s: float, server_name: str) -> Certificate | None:
    """The certificate a second connection, unverified, is shown: most often the rejected one, but behind a load
    balancer possibly another backend's, so it is reported as what that connection saw."""
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        return Certificate.from_der(_peer_der(host, port, insecure, timeout_s, server_name)[0])
    except (OSError, ValueError, _NoTls, _OlderVersion):
        return None


@dataclass(frozen=True)
class NotHttps:
    """A service whose URL the handshake cannot be asked of: plain http (no certificate at all), or another scheme
    or no host (the environment's URL to correct)."""
    scheme: str
    has_host: bool


def gather(target, checks) -> dict[str, Handshake | NotHttps]:
    facts: dict[str, Handshake | NotHttps] = {}
    wanted: dict[str, tuple[str, int, str | None]] = {}
    for c in checks:
        url = target.url(c.params.service)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            facts[c.key] = NotHttps(parts.scheme, bool(parts.hostname))
            continue
        port = 443 if parts.port is None else parts.port  # a port written as 0 is asked as 0, never as 443
        wanted[c.key] = (parts.hostname, port, target.ca_bundle(c.params.service))
    unique = sorted(set(wanted.values()), key=str)
    if unique:
        timeout_s = target.timeouts.connect_s
        with ThreadPoolExecutor(max_workers=min(AT_ONCE, len(unique))) as pool:
            shaken = dict(zip(unique, pool.map(lambda e: shake(*e, timeout_s), unique)))
        facts.update({key: shaken[endpoint] for key, endpoint in wanted.items()})
    return facts


def _days(delta: timedelta) -> str:
    """Whole tenths, rounded down: 13.96 days is "13.9 days", never the "14.0" a 14-day bound would read as met."""
    tenths = math.floor(delta.total_seconds() / 8640)
    return f"{tenths / 10:.1f} days"


def _described(cert: Certificate, checked_at: datetime) -> dict:
    left = cert.not_after - checked_at
    return {"subject": cert.subject, "issuer": cert.issuer, "names": list(cert.names),
            "not_after": cert.not_after.isoformat(), "days_left": math.floor(left.total_seconds() / 8640) / 10}


def _rejected(expected: str, fact: Handshake, evidence: dict) -> Outcome:
    """A rejected certificate is not read on the connection that rejected it: what a second connection saw is
    named as that (it may be another backend's), never as the rejected certificate's subject and expiry."""
    seen = fact.second_look
    if seen is None:
        return failed(expected, f"certificate rejected: {fact.rejected}", **evidence)
    evidence["unverified_second_connection"] = _described(seen, fact.checked_at)
    # "has expired" of a chain whose leaf has not: the expired one is another certificate the server sends
    elsewhere = "expired" in str(fact.rejected) and seen.not_after > fact.checked_at
    which = ("; that one is still valid: the expired one is another, an intermediate of the chain the server sends,"
             " another backend's certificate, or a CA certificate this check trusts (its ca_bundle)") if elsewhere else ""
    return failed(expected, f"certificate rejected: {fact.rejected} (a second, unverified connection saw the "
                            f"certificate of {seen.subject}, expires {seen.not_after:%Y-%m-%d}{which})", **evidence)


def _not_https(p: Params, fact: NotHttps) -> Outcome:
    """Plain http serves no certificate, so the item's claim is false (never skipped as if it did not apply: the
    environment configures the service); any other URL could not be asked."""
    if fact.scheme == "http" and fact.has_host:
        return failed(f"{p.service} presents a trusted certificate that expires in more than {p.min_days} days",
                      f"service '{p.service}' is served over plain http://: no TLS, no certificate — fix: serve it over"
                      " https and set its https:// URL in the environment file (or waive the item where this"
                      " environment has no TLS on purpose)", scheme=fact.scheme)
    return error(f"could not look: service '{p.service}' has no https URL with a host ({fact.scheme or 'no scheme'}://)"
                 f" — fix: correct services.{p.service}.url in the environment file", scheme=fact.scheme)


def judge(check, facts) -> Outcome:
    p: Params = check.params
    fact = facts[check.key]
    if isinstance(fact, NotHttps):
        return _not_https(p, fact)
    expected = (f"{p.service} ({fact.endpoint}) presents a certificate trusted by the {fact.trust} "
                f"that expires in more than {p.min_days} days")
    evidence: dict = {"endpoint": fact.endpoint, "trust": fact.trust, "checked_at": fact.checked_at.isoformat(),
                      **({"ca_bundle": fact.ca_bundle} if fact.ca_bundle else {})}
    if fact.unusable_host:
        return error(f"could not look: {fact.unusable_host}: correct services.{p.service}.url in the environment "
                     "file", **evidence)
    if fact.unreachable:
        return error(f"could not look: {fact.endpoint}: {fact.unreachable}", **evidence)
    if fact.older_version:  # the server answered, in a version this check (as today's clients) refuses
        evidence["server_hello_version"] = fact.older_version
        return failed(expected, f"the server chose {fact.older_version} in its ServerHello ({fact.handshake_failure}):"
                                f" {dict(ALERT_MEANINGS)['PROTOCOL_VERSION']}", **evidence)
    if fact.handshake_failure:
        return failed(expected, alert_words(fact.handshake_failure), **evidence)
    if fact.rejected:
        return _rejected(expected, fact, evidence)
    cert = fact.certificate
    assert cert is not None
    left = cert.not_after - fact.checked_at
    evidence |= _described(cert, fact.checked_at)
    if left <= timedelta(days=p.min_days):  # "more than min_days" left: exactly min_days is not
        return failed(expected, f"certificate expires {cert.not_after:%Y-%m-%d %H:%M} UTC, in {_days(left)}", **evidence)
    if fact.chain is None:
        evidence["chain"] = "not readable with this Python: the leaf's expiry alone was judged"
    else:
        # the chain stops verifying when any certificate in it expires, the intermediates too
        evidence["chain"] = [{"subject": c.subject, "not_after": c.not_after.isoformat()} for c in fact.chain]
        first = min(fact.chain, key=lambda c: c.not_after, default=None)
        if first is not None and first.not_after - fact.checked_at <= timedelta(days=p.min_days):
            return failed(expected, f"the chain's certificate {first.subject} expires {first.not_after:%Y-%m-%d %H:%M}"
                                    f" UTC, in {_days(first.not_after - fact.checked_at)}", **evidence)
    refusal = ""
    if fact.refused_after_certificate:  # the server wants a client certificate: its own was verified before that
        evidence["refused_after_certificate"] = fact.refused_after_certificate
        refusal = (f"; the server then ended the handshake ({fact.refused_after_certificate}): it wants a client "
                   "certificate")
    return passed(expected, f"trusted, expires {cert.not_after:%Y-%m-%d} ({_days(left)} left){refusal}", **evidence)
