"""How a check verifies a server's certificate — the `tls` family, `http` requests and `rediss://` alike, built here
so they cannot drift — and why a rejected one was rejected.

A host is matched against the certificate's subjectAltName only, never its common name, as browsers (Chrome 58+,
Firefox) and Go 1.15+ have done since 2017: Python's default context still falls back to the common name, and so
does every context a library builds for itself (redis-py's, httpx's).
"""

from __future__ import annotations

import hashlib
import os
import ssl
import stat
import threading
from typing import Callable

from ..lazy import load

HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH
IP_ADDRESS_MISMATCH = 64  # X509_V_ERR_IP_ADDRESS_MISMATCH: the same, for a host written as an IP address


def shared_client_context(cafile: str | None = None) -> ssl.SSLContext:
    """`client_context`, made once per trust store for the process (`shared`)."""
    return shared(cafile, lambda: client_context(cafile))


def client_context(cafile: str | None = None) -> ssl.SSLContext:
    """A context verifying against `cafile`, a CA bundle trusted instead of the default store, or that store
    (OpenSSL's: the system's, or SSL_CERT_FILE / SSL_CERT_DIR when set). Raises OSError or ssl.SSLError when the
    bundle cannot be read. Each connection keeps the handshake messages the server sent (`server_messages`)."""
    context = apply_verification_rules(ssl.create_default_context(cafile=cafile))
    context._msg_callback = _keep_server_message  # set before it is shared: a context never changes once made
    return context


def shared(key: str | None, make: Callable[[], ssl.SSLContext], *, default: str = "openssl") -> ssl.SSLContext:
    """One context per trust store for the whole process, made by `make`: loading a store costs ~20 ms of CPU
    (certifi's 140 certificates), and a run of many targets made one per target and verification mode. A client
    context is safe to share between threads; it is never changed once made (httpcore sets the same ALPN, HTTP/1.1,
    on every connection). `key` names the store (a CA bundle's path, None for a default store: `default` says whose,
    OpenSSL's or httpx's, which is certifi's); the file behind it is part of the key, so a bundle rewritten in place
    is loaded again."""
    files = [key] if key is not None else [os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")]
    identity = (key, default if key is None else "", *files, *map(_file_identity, files))
    with _shared_lock:
        context = _shared.get(identity)
        if context is None:
            context = _shared[identity] = make()  # raises as `make` does; nothing is kept then
        return context


_shared: dict[tuple, ssl.SSLContext] = {}
_shared_lock = threading.Lock()


def _file_identity(path: str | None) -> bytes | tuple | None:
    """What a trust store's file holds (its digest: a rewrite within one tick of a coarse clock changes no mtime), or
    a folder's (or anything else's) inode and mtime; None when there is nothing there (`make` reports it)."""
    try:
        found = os.stat(path) if path else None
        if found is None or not stat.S_ISREG(found.st_mode):
            return found and (found.st_ino, found.st_mtime_ns)
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").digest()
    except OSError:
        return None


HANDSHAKE = 22  # the TLS record type of handshake messages
# handshake message types (RFC 8446 §4, RFC 5246 §7.4)
SERVER_HELLO, SERVER_KEY_EXCHANGE, CERTIFICATE_REQUEST, CERTIFICATE_VERIFY = 2, 12, 13, 15


def _keep_server_message(conn, direction: str, version, content_type, msg_type, data: bytes) -> None:
    """OpenSSL's word of each message of a connection (`_msg_callback`): a handshake message the server sent is kept
    on the connection as its type and the two bytes after its header (a ServerHello's version), over TLS 1.3 too,
    where it comes encrypted. Never raises: an error here would end the handshake."""
    if direction == "read" and content_type == HANDSHAKE and len(data) >= 4 and hasattr(conn, "__dict__"):
        conn.__dict__.setdefault("_server_messages", []).append((data[0], bytes(data[4:6])))


def server_messages(tls: ssl.SSLSocket | ssl.SSLObject) -> list[tuple[int, bytes]]:
    """The handshake messages the server sent on `tls` as far as it got, in order: (type, the two bytes after the
    header); empty for a connection of a context `client_context` did not make."""
    return getattr(tls, "_server_messages", [])


def apply_verification_rules(context: ssl.SSLContext) -> ssl.SSLContext:
    """`context`, matching a host against subjectAltName alone; a rejection it makes over asyncio (redis-py, httpx)
    keeps the certificate it rejected (`rejected_leaf`)."""
    context.hostname_checks_common_name = False
    context.sslobject_class = _LeafKeepingObject
    return context


def rejection_reason(error: ssl.SSLCertVerificationError, leaf: bytes | None, host: str) -> str:
    """OpenSSL's reason; for a host the certificate names in its common name alone, that it has no subjectAltName."""
    mismatch = error.verify_code in (HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH)
    if mismatch and leaf is not None and not _names_hosts(leaf):
        return f"no subjectAltName for {host} (the common name is not used for hostnames since 2017)"
    return error.verify_message or str(error)


# What an alert that ended the handshake says, for the person reading OpenSSL's name of it (RFC 8446 §6.2)
ALERT_MEANINGS = (
    ("PROTOCOL_VERSION", "no TLS version both sides accept: this check speaks TLS 1.2 and 1.3, as clients do since "
                         "2020; the server offers only an older one"),
    ("CERTIFICATE_REQUIRED", "the server wants a client certificate"),
    ("HANDSHAKE_FAILURE", "no cipher suite or parameters both sides accept, or the server wants a client certificate"),
    ("INSUFFICIENT_SECURITY", "the server wants stronger cipher suites than those offered"),
    ("UNRECOGNIZED_NAME", "the server has no certificate for this host name (SNI)"),
    ("INTERNAL_ERROR", "the server failed inside its TLS stack"),
)


def alert_words(reason: str) -> str:
    """A server's TLS alert (OpenSSL's name of it: `TLSV13_ALERT_CERTIFICATE_REQUIRED`), as every item says it."""
    meaning = next((words for alert, words in ALERT_MEANINGS if reason.endswith(alert)), "")
    return f"TLS handshake refused: {reason}" + (f" ({meaning})" if meaning else "")


def is_alert(exc: BaseException) -> bool:
    """Whether `exc` is the ssl module's error for an alert the server sent (OpenSSL names each `…_ALERT_…`)."""
    return isinstance(exc, ssl.SSLError) and "_ALERT_" in (exc.reason or "")


def alert_refusal(exc: BaseException) -> str | None:
    """`alert_words` of the server's alert in the chain of causes under `exc` (a client library's error wraps the
    ssl module's); None when no cause is one. Over TLS 1.3 a server that wants a client certificate says so once the
    handshake is done, on the first read: the alert comes out of a request, not of the connect."""
    cause: BaseException | None = exc
    for _ in range(16):  # a chain is short; a cycle ends here
        if cause is None:
            return None
        if is_alert(cause):
            return alert_words(cause.reason)
        cause = cause.__cause__ or cause.__context__
    return None


def rejected_leaf(error: ssl.SSLCertVerificationError) -> bytes | None:
    """The certificate (DER) a handshake over asyncio refused, where this Python can read it."""
    return getattr(error, "leaf", None)


def peer_chain(tls: ssl.SSLSocket | ssl.SSLObject, which: str) -> list[bytes] | None:
    """The chain OpenSSL verified (`get_verified_chain`) or was sent (`get_unverified_chain`), leaf first, as DER —
    also after a failed handshake: public from Python 3.13, in `_ssl` since 3.10; None when this Python has neither."""
    public = getattr(tls, which, None)
    if public is not None:
        return [bytes(der) for der in public() or ()]
    private = getattr(getattr(tls, "_sslobj", None), which, None)
    if private is None:
        return None
    import _ssl

    return [cert.public_bytes(_ssl.ENCODING_DER) for cert in private() or ()]


class _LeafKeepingObject(ssl.SSLObject):
    """asyncio's TLS end of a connection, keeping a certificate its verification refuses on the error (`leaf`):
    asyncio closes the connection before anyone could ask it what was refused."""

    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except ssl.SSLCertVerificationError as exc:
            chain = peer_chain(self, "get_unverified_chain")
            exc.leaf = chain[0] if chain else None
            raise


def _names_hosts(leaf: bytes) -> bool:
    """The certificate names a host (a DNS name or an IP address) in its subjectAltName; an unreadable one is taken
    to: OpenSSL's own reason then stands."""
    x509 = load("cryptography.x509")  # loaded only when a rejected certificate is read
    try:
        extension = x509.load_der_x509_certificate(leaf).extensions.get_extension_for_class(
            x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return True
    return bool(extension.value.get_values_for_type(x509.DNSName)
                or extension.value.get_values_for_type(x509.IPAddress))
