"""tls against servers that once got the wrong verdict: a certificate naming its host only in its common name (to
tls, http and redis items alike), a port written as 0, a server that requires a client certificate (TLS 1.2 and
1.3), and one that sends a copy of a certificate, then an alert."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from opsverify.families import tls
from opsverify.outcome import Status
from opsverify.transports.http import Probe, fetch_all
from opsverify.transports.redis import NoAnswer, ReadOnlyRedis

from .kit import make_check, serving


@contextmanager
def tls_server(context: ssl.SSLContext, answer: bytes = b""):
    """A TLS server on 127.0.0.1: a thread per connection, the handshake, then `answer` once a request came (a
    refused handshake — the client rejected us, or we it — is an OSError `serving` leaves be)."""
    def handle(conn: socket.socket, _stopping: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as tls_conn:
            if tls_conn.recv(4096) and answer:
                tls_conn.sendall(answer)

    with serving(handle) as port:
        yield port


def _outcome(fact: tls.Handshake):
    check = make_check("tls", {"service": "web"})
    return tls.judge(check, {check.key: fact})


# -- a certificate naming its host only in the common name ----------------------------------------
@pytest.fixture(scope="module")
def common_name_only(tmp_path_factory):
    """(CA file, server context) for a certificate with CN=localhost and no subjectAltName, issued by a CA of its
    own: what browsers (Chrome 58+, Firefox) and Go 1.15+ reject for https://localhost."""
    folder = tmp_path_factory.mktemp("cn-only")
    now = datetime.now(timezone.utc)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opsverify test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=400))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=200))
            .sign(ca_key, hashes.SHA256()))  # no subjectAltName: the host is named only by its common name
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return str(ca_file), context


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_certificate_naming_its_host_only_in_its_common_name_is_rejected(common_name_only, host):
    """Python's default context still matches a host against the common name; browsers and Go have not since 2017:
    the item fails, naming why. For an IP address OpenSSL says `IP address mismatch` (code 64, not 62's hostname
    one): the reason is the same, no subjectAltName, and is said the same way."""
    ca_file, context = common_name_only
    with tls_server(context) as port:
        fact = tls.shake(host, port, ca_file, 5)
    outcome = _outcome(fact)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith(f"certificate rejected: no subjectAltName for {host} (the common name is not "
                                       "used for hostnames since 2017)"), outcome.observed


def test_http_items_reject_a_certificate_naming_its_host_only_in_its_common_name(common_name_only, monkeypatch):
    """The http transport judges the same rule, with a service's CA bundle or the default trust store."""
    ca_file, context = common_name_only
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # the default store, as httpx reads it
    with tls_server(context, b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n") as port:
        url = f"https://localhost:{port}/"
        with_bundle, with_store = fetch_all([Probe("GET", url, verify=ca_file), Probe("GET", url)], timeout_s=5)
    for reply in (with_bundle, with_store):  # said as the tls family says it
        assert reply.status is None and reply.failure == ("TLS certificate rejected (no subjectAltName for localhost "
                                                          "(the common name is not used for hostnames since 2017))"), reply


def test_redis_items_reject_a_certificate_naming_its_host_only_in_its_common_name(common_name_only, monkeypatch):
    """redis-py builds a TLS context of its own, which still matches a host against the common name: a rediss://
    server with such a certificate passed the redis and tcp items while tls and http items failed it. The redis
    transport verifies by the same rule, and says why as the tls family does."""
    ca_file, context = common_name_only
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)  # a rediss:// certificate is verified against the default store
    with tls_server(context, b"+PONG\r\n") as port:
        client = ReadOnlyRedis(f"rediss://localhost:{port}/0", connect_timeout_s=5, read_timeout_s=5)
        with pytest.raises(NoAnswer) as rejected:
            client.pipeline([("PING",)])
    assert str(rejected.value) == ("TLS certificate rejected: no subjectAltName for localhost (the common name is "
                                   "not used for hostnames since 2017)"), rejected.value



@contextmanager
def refusing_server(version: ssl.TLSVersion, ca: trustme.CA):
    """A TLS server that wants a client certificate: it ends the handshake with an alert (TLS 1.2's handshake_failure,
    TLS 1.3's certificate_required, which comes once the client's side of the handshake is done) and then reads until
    the client hangs up, so that its request, unread, never makes the kernel answer with a reset that could overtake
    the alert."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = context.maximum_version = version

    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        tls_conn = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls_conn.do_handshake()
        except ssl.SSLError:  # the alert is sent: what the client writes now is read and dropped, until it closes
            raw = socket.socket(fileno=os.dup(tls_conn.fileno()))
            with raw:
                while not stopping.is_set() and raw.recv(4096):
                    pass
        finally:
            tls_conn.close()

    with serving(handle) as port:
        yield port


@pytest.mark.parametrize(("version", "said"), [
    (ssl.TLSVersion.TLSv1_2, "TLS handshake refused: SSLV3_ALERT_HANDSHAKE_FAILURE (no cipher suite or parameters both "
                             "sides accept, or the server wants a client certificate)"),
    (ssl.TLSVersion.TLSv1_3, "TLS handshake refused: TLSV13_ALERT_CERTIFICATE_REQUIRED (the server wants a client "
                             "certificate)"),
])
def test_http_and_redis_items_say_a_servers_alert_as_the_tls_family_does(version, said, tmp_path, monkeypatch):
    """An http or redis item of a server that wants a client certificate could not look (no reply): why is said in
    the tls family's words, whichever library met the alert — over TLS 1.3 it comes out of the first read, which httpx
    let out as the ssl module's bare error ("the HTTP client failed: SSLError: [SSL: …]") and redis-py wrapped in its
    own."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # a rediss:// certificate is verified against the default store
    with refusing_server(version, ca) as port:
        reply, = fetch_all([Probe("GET", f"https://localhost:{port}/", verify=str(ca_file))], timeout_s=5)
        client = ReadOnlyRedis(f"rediss://localhost:{port}/0", connect_timeout_s=5, read_timeout_s=5)
        with pytest.raises(NoAnswer) as refused:
            client.pipeline([("PING",)])
    assert reply.status is None and reply.failure == said, reply
    assert str(refused.value) == said, refused.value


# -- a port written as 0 -------------------------------------------------------------------------
def test_a_port_written_as_0_is_asked_as_0_never_as_443(monkeypatch):
    """`https://localhost:0` is no address of 443: another server would be checked."""
    asked = []
    monkeypatch.setattr(tls, "shake", lambda host, port, *_: asked.append(port) or tls.Handshake(
        endpoint=f"{host}:{port}", trust="system trust store", checked_at=datetime.now(timezone.utc),
        unreachable="connection refused"))
    target = SimpleNamespace(url=lambda service: "https://localhost:0/", ca_bundle=lambda service: None,
                             timeouts=SimpleNamespace(connect_s=1))
    check = make_check("tls", {"service": "web"})
    facts = tls.gather(target, [check])
    assert asked == [0] and facts[check.key].endpoint == "localhost:0", (asked, facts)


# -- a server that requires a client certificate ------------------------------------------------
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_a_server_requiring_a_client_certificate_is_judged_by_its_own_certificate(version, tmp_path):
    """Over TLS 1.2 the server's refusal (it wants a client certificate) ends the handshake; over TLS 1.3 it comes
    after. Either way its certificate was received and verified first: the same verdict, on that certificate."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    now = datetime.now(timezone.utc)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", not_before=now - timedelta(days=1), not_after=now + timedelta(days=200)) \
        .configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no connection
    context.minimum_version = context.maximum_version = version
    with tls_server(context) as port:
        fact = tls.shake("localhost", port, str(ca_file), 5)
    outcome = _outcome(fact)
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed.startswith("trusted, expires ") and "199.9 days left" in outcome.observed, outcome
    assert outcome.evidence["subject"].startswith("OU=Testing cert"), outcome.evidence
    if version is ssl.TLSVersion.TLSv1_2:  # it asked (a CertificateRequest) after signing: its refusal is said
        assert outcome.observed.endswith("it wants a client certificate"), outcome.observed


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_the_servers_request_for_a_client_certificate_is_seen_over_tls_1_2_and_1_3(version, tmp_path):
    """Whether the server asked for a client certificate is read from its CertificateRequest, which TLS 1.3 sends
    encrypted: each connection keeps the handshake messages the server sent, whichever version."""
    from opsverify.transports.tlscontext import (CERTIFICATE_REQUEST, SERVER_HELLO, client_context,
                                                 server_messages)

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with refusing_server(version, ca) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with client_context(str(ca_file)).wrap_socket(sock, server_hostname="localhost",
                                                      do_handshake_on_connect=False) as tls_conn:
            try:
                tls_conn.do_handshake()
                tls_conn.recv(1)  # TLS 1.3: the server's alert comes once the client's side of the handshake is done
            except ssl.SSLError:
                pass
            sent = [kind for kind, _ in server_messages(tls_conn)]
    assert sent[0] == SERVER_HELLO and CERTIFICATE_REQUEST in sent, sent


# -- a server that sends a copy of a certificate, then an alert ----------------------------------
def _record(kind: int, body: bytes, version: bytes = b"\x03\x03") -> bytes:
    return bytes([kind]) + version + len(body).to_bytes(2, "big") + body


def _handshake_message(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


def _server_hello(version: bytes) -> bytes:
    """A ServerHello choosing `version` and ECDHE-ECDSA-AES128-GCM-SHA256, with renegotiation_info."""
    extensions = b"\xff\x01\x00\x01\x00"
    return _handshake_message(2, version + os.urandom(32) + b"\x00" + b"\xc0\x2b" + b"\x00"
                              + len(extensions).to_bytes(2, "big") + extensions)


def _certificate(der: bytes) -> bytes:
    entry = len(der).to_bytes(3, "big") + der
    return _handshake_message(11, len(entry).to_bytes(3, "big") + entry)


@contextmanager
def scripted_tls_server(flight: bytes):
    """A server that answers any ClientHello with `flight`, bytes written by hand (no key behind them), and then
    reads until the client hangs up."""
    def handle(conn: socket.socket, stopping: threading.Event) -> None:
        conn.recv(65536)
        conn.sendall(flight)
        while not stopping.is_set() and conn.recv(4096):
            pass

    with serving(handle) as port:
        yield port


@pytest.mark.parametrize("alert", [40, 42, 48, 49])  # handshake_failure, bad_certificate, unknown_ca, access_denied
def test_a_copied_certificate_followed_by_an_alert_fails_never_passes(alert, tmp_path):
    """Anyone can send a copy of a site's public certificate: a server that sends one, then an alert, proved no
    key and asked for no client certificate. It refused the handshake: the item fails, never "trusted"."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    der = ssl.PEM_cert_to_DER_cert(ca.issue_cert("localhost").cert_chain_pems[0].bytes().decode())
    flight = _record(22, _server_hello(b"\x03\x03") + _certificate(der)) + _record(21, bytes([2, alert]))
    with scripted_tls_server(flight) as port:
        fact = tls.shake("localhost", port, str(ca_file), 5)
    outcome = _outcome(fact)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("TLS handshake refused: ") and "ALERT" in outcome.observed, outcome
    assert not fact.refused_after_certificate and fact.certificate is None, fact


@pytest.mark.parametrize("version, named", [(b"\x03\x01", "TLS 1.0"), (b"\x03\x02", "TLS 1.1")], ids=["1.0", "1.1"])
def test_a_server_hello_of_a_version_older_than_tls_1_2_fails_as_the_servers_answer(version, named, tmp_path):
    """OpenSSL 1.0 answers a TLS 1.3 ClientHello with a ServerHello of the newest version it has, ignoring
    supported_versions; the client refuses it (UNSUPPORTED_PROTOCOL). That is the server's answer in TLS, as a
    protocol_version alert is: the item fails naming the version seen, never "could not look"."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    der = ssl.PEM_cert_to_DER_cert(ca.issue_cert("localhost").cert_chain_pems[0].bytes().decode())
    with scripted_tls_server(_record(22, _server_hello(version) + _certificate(der), version)) as port:
        fact = tls.shake("localhost", port, str(ca_file), 5)
    outcome = _outcome(fact)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == (f"the server chose {named} in its ServerHello (UNSUPPORTED_PROTOCOL): no TLS version "
                                "both sides accept: this check speaks TLS 1.2 and 1.3, as clients do since 2020; the "
                                "server offers only an older one"), outcome.observed
    assert outcome.evidence["server_hello_version"] == named, outcome.evidence
