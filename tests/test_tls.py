"""tls: a trusted certificate that does not expire soon; a plain-http service fails, never skipped or passed."""

from __future__ import annotations

import errno
import itertools
import os
import resource
import secrets
import socket
import socketserver
import ssl
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import trustme

from opsverify.checklist import Check, Severity
from opsverify.engine import Run, gather_and_judge, message
from opsverify.environment import load_environment
from opsverify.errors import GatherError
from opsverify.families import tls
from opsverify.outcome import Status
from opsverify.secrets import Redactor
from opsverify.transports.http import Probe, fetch_all

from .helpers import ROOT, by_id, demo_variables, evaluate
from .kit import make_check, make_target

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def check(min_days: int = 14) -> Check:
    return Check("joslyn-ai", "J7", "web-certificate", "Monitoring", "web certificate", "tls", None,
                 Severity.critical, False, "", "", tls.Params(service="web", min_days=min_days))


def cert(days_left: float) -> tls.Certificate:
    return tls.Certificate("CN=joslyn.example", "CN=R11,O=Let's Encrypt", ("joslyn.example",),
                           NOW + timedelta(days=days_left))


def shaken(**fields) -> tls.Handshake:
    return tls.Handshake(endpoint="joslyn.example:443", trust="system trust store", checked_at=NOW, **fields)


@pytest.mark.parametrize("fact, min_days, status, observed", [
    (shaken(certificate=cert(60)), 14, Status.PASSED, "trusted, expires 2027-01-24 (60.0 days left)"),
    (shaken(certificate=cert(3)), 14, Status.FAILED, "certificate expires 2026-11-28 12:00 UTC, in 3.0 days"),
    (shaken(certificate=cert(3)), 2, Status.PASSED, "3.0 days left"),
    (shaken(certificate=cert(13.9)), 14, Status.FAILED, "in 13.9 days"),
    (shaken(certificate=cert(13.96)), 14, Status.FAILED, "in 13.9 days"),  # never "14.0" against a 14-day bound
    # "more than 14 days": exactly 14 left is not (the leaf's, and the chain's)
    (shaken(certificate=cert(14)), 14, Status.FAILED, "in 14.0 days"),
    (shaken(certificate=cert(200), chain=(tls.Certificate("CN=R11", "CN=ISRG Root X1", (), NOW + timedelta(days=14)),)),
     14, Status.FAILED, "the chain's certificate CN=R11 expires"),
    (shaken(second_look=cert(-1), rejected="certificate has expired"), 14, Status.FAILED,
     "certificate rejected: certificate has expired (a second, unverified connection saw the certificate of "
     "CN=joslyn.example, expires 2026-11-24)"),
    (shaken(second_look=cert(60), rejected="certificate has expired"), 14, Status.FAILED,  # not the leaf: it is valid
     "expires 2027-01-24; that one is still valid: the expired one is another, an intermediate of the chain the"
     " server sends, another backend's certificate, or a CA certificate this check trusts (its ca_bundle))"),
    (shaken(rejected="self-signed certificate"), 14, Status.FAILED, "certificate rejected: self-signed certificate"),
    # OpenSSL's name of the alert, and what it means for the person reading it
    (shaken(handshake_failure="TLSV1_ALERT_PROTOCOL_VERSION"), 14, Status.FAILED,
     "TLS handshake refused: TLSV1_ALERT_PROTOCOL_VERSION (no TLS version both sides accept: this check speaks TLS "
     "1.2 and 1.3, as clients do since 2020; the server offers only an older one)"),
    (shaken(handshake_failure="TLSV13_ALERT_CERTIFICATE_REQUIRED"), 14, Status.FAILED,
     "TLS handshake refused: TLSV13_ALERT_CERTIFICATE_REQUIRED (the server wants a client certificate)"),
    (shaken(handshake_failure="SSLV3_ALERT_BAD_RECORD_MAC"), 14, Status.FAILED,
     "TLS handshake refused: SSLV3_ALERT_BAD_RECORD_MAC"),  # no words for a rare one: OpenSSL's name alone
    # the chain stops verifying when its intermediate expires, whatever the leaf's date
    (shaken(certificate=cert(200), chain=(tls.Certificate("CN=R11", "CN=ISRG Root X1", (), NOW + timedelta(days=3)),)),
     14, Status.FAILED, "the chain's certificate CN=R11 expires 2026-11-28 12:00 UTC, in 3.0 days"),
    (shaken(certificate=cert(200), chain=(tls.Certificate("CN=R11", "CN=ISRG Root X1", (), NOW + timedelta(days=300)),)),
     14, Status.PASSED, "200.0 days left"),
    (shaken(unreachable="timed out"), 14, Status.ERROR, "could not look: joslyn.example:443: timed out"),
    (shaken(unreachable="no TLS answer: WRONG_VERSION_NUMBER"), 14, Status.ERROR,
     "could not look: joslyn.example:443: no TLS answer: WRONG_VERSION_NUMBER"),
    # plain http serves no certificate: the claim is false, never skipped as if the item did not apply
    (tls.NotHttps("http", True), 14, Status.FAILED, "service 'web' is served over plain http://: no TLS"),
    (tls.NotHttps("ftp", True), 14, Status.ERROR, "could not look: service 'web' has no https URL with a host (ftp://)"),
    (tls.NotHttps("https", False), 14, Status.ERROR, "could not look: service 'web' has no https URL with a host"),
])
def test_judge(fact, min_days, status, observed):
    c = check(min_days)
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is status
    assert observed in outcome.observed
    if status is Status.FAILED and not isinstance(fact, tls.NotHttps):
        assert outcome.expected == (f"web (joslyn.example:443) presents a certificate trusted by the system trust "
                                    f"store that expires in more than {min_days} days")


def test_judge_evidence_names_the_certificate():
    c = check()
    outcome = tls.judge(c, {c.key: shaken(certificate=cert(60))})
    assert outcome.evidence["subject"] == "CN=joslyn.example"
    assert outcome.evidence["days_left"] == 60.0
    assert outcome.evidence["checked_at"] == NOW.isoformat()


# -- real handshakes against local servers -------------------------------------------------
@contextmanager
def server(handle):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                handle(self.request)
            except (OSError, ssl.SSLError):
                pass

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as srv:
        srv.daemon_threads = True
        thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield srv.server_address[1]
        finally:
            srv.shutdown()
            thread.join(5)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@contextmanager
def https(ca, *, days: float = 90, names=("127.0.0.1", "localhost"), **subject):
    now = datetime.now(timezone.utc)
    leaf = ca.issue_cert(*names, not_before=now - timedelta(days=400), not_after=now + timedelta(days=days), **subject)
    with serving(leaf) as port:
        yield port


@contextmanager
def serving(leaf):
    """A TLS server on 127.0.0.1 sending `leaf` and the chain it was issued with (trustme's LeafCert)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)

    def handle(sock):
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(1)

    with server(handle) as port:
        yield port


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_shake_trusted(ca, ca_file):
    with https(ca, days=90) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert not (fact.rejected or fact.unreachable or fact.handshake_failure)
    assert fact.certificate is not None and "127.0.0.1" in fact.certificate.names
    assert 89.9 < (fact.certificate.not_after - fact.checked_at).total_seconds() / 86400 <= 90


def test_shake_reads_the_verified_chain_above_the_leaf(ca, ca_file):
    intermediate = ca.create_child_ca()
    now = datetime.now(timezone.utc)
    leaf = intermediate.issue_cert("127.0.0.1", not_before=now - timedelta(days=1), not_after=now + timedelta(days=90))
    with serving(leaf) as port:  # the leaf, then the intermediate: the chain a server sends
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert fact.certificate is not None and fact.chain is not None, fact
    assert [c.subject == c.issuer for c in fact.chain] == [False, True]  # the intermediate, then the root


def _reissued_root(ca, days: float, path_length: int | None = None) -> bytes:
    """The CA's root again (same subject, same key), valid for `days` from now: a renewal (`path_length`: one whose
    basic constraints allow that many CAs below it, no other change)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    root, now = ca._certificate, datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(root.subject).issuer_name(root.subject)
               .public_key(ca._private_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days)))
    for extension in root.extensions:
        value = extension.value
        if path_length is not None and isinstance(value, x509.BasicConstraints):
            value = x509.BasicConstraints(ca=True, path_length=path_length)
        builder = builder.add_extension(value, extension.critical)
    return builder.sign(ca._private_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("bundle, status", [(("short", "renewed"), Status.PASSED), (("renewed", "short"), Status.PASSED),
                                            (("short",), Status.FAILED)])
def test_a_root_renewed_in_the_bundle_is_judged_by_its_longest_lived_copy(tmp_path, bundle, status):
    """While a root is renewed the bundle holds both copies: OpenSSL built the chain with the first, and the one
    expiring in 3 days failed min_days though the renewed copy (same key) verifies the same chain — the verdict hung
    on the bundle's order."""
    ca = trustme.CA()
    roots = {"short": _reissued_root(ca, 3), "renewed": _reissued_root(ca, 3650)}
    (tmp_path / "bundle.pem").write_bytes(b"".join(roots[name] for name in bundle))
    with https(ca, days=365) as port:
        fact = tls.shake("127.0.0.1", port, str(tmp_path / "bundle.pem"), 5)
    outcome = tls.judge(check(), {check().key: fact})
    assert outcome.status is status, outcome.observed
    if status is Status.FAILED:
        assert "the chain's certificate" in outcome.observed and "in 2.9 days" in outcome.observed, outcome.observed


def test_a_renewed_copy_that_cannot_verify_the_chain_is_not_judged_in_its_place(tmp_path):
    """A copy of the root (same subject and key) valid ten years but with `pathLenConstraint 0` cannot verify a leaf
    issued by an intermediate: taken in place of the root OpenSSL used (3 days left), min_days passed for a chain
    every client refuses once that root expires."""
    ca = trustme.CA()
    intermediate = ca.create_child_ca()
    now = datetime.now(timezone.utc)
    leaf = intermediate.issue_cert("127.0.0.1", not_before=now - timedelta(days=1), not_after=now + timedelta(days=365))
    (tmp_path / "bundle.pem").write_bytes(_reissued_root(ca, 3) + _reissued_root(ca, 3650, path_length=0))
    with serving(leaf) as port:
        fact = tls.shake("127.0.0.1", port, str(tmp_path / "bundle.pem"), 5)
    outcome = tls.judge(check(), {check().key: fact})
    assert outcome.status is Status.FAILED and "in 2.9 days" in outcome.observed, outcome.observed


def test_shake_expired_is_rejected_but_still_described(ca, ca_file):
    with https(ca, days=-1) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert fact.rejected == "certificate has expired" and fact.certificate is None
    assert fact.second_look is not None and fact.second_look.not_after < fact.checked_at


def test_a_subject_is_shown_with_its_values_as_written_so_a_secret_in_it_is_masked(ca, ca_file):
    """RFC 4514 writes `+ , ; " \\ < > =` with a backslash: a secret with a `+` in a certificate's CN would leave
    as `CNRYapi\\+Key…`, a form the redactor does not know. The values are shown as they are."""
    canary = f"CNRYapi+Key/{secrets.token_hex(8)}="
    with https(ca, days=-1, common_name=canary, organization_name="Acme, Inc.") as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert fact.second_look is not None
    subject = fact.second_look.subject
    assert subject.startswith(f"CN={canary}, OU=Testing cert #") and subject.endswith(", O=Acme, Inc."), subject
    c = check()
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is Status.FAILED and f"certificate of CN={canary}, OU=" in outcome.observed, outcome
    redactor = Redactor()
    redactor.add_declared(canary)
    shown = redactor.text(outcome.observed) + str(redactor.data(outcome.evidence))
    assert "CNRYapi" not in shown, shown


def test_shake_untrusted_ca(ca):
    with https(ca) as port:
        fact = tls.shake("127.0.0.1", port, None, 5)  # the system store does not know the test CA
    assert fact.rejected and fact.trust == "system trust store"


def test_shake_wrong_name(ca, ca_file):
    with https(ca, names=("other.example",)) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert "mismatch" in fact.rejected


def test_shake_plain_http_is_no_tls_answer(ca_file):
    def handle(sock):
        sock.recv(1024)
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    with server(handle) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert fact.unreachable and not fact.handshake_failure  # "wrong version number", or the peer hangs up
    assert fact.certificate is None


def test_shake_a_tls_alert_is_the_servers_answer(ca, ca_file):
    """A server stuck on TLS 1.1 answers a modern client with a protocol_version alert: a failure, not an error."""
    now = datetime.now(timezone.utc)
    leaf = ca.issue_cert("127.0.0.1", not_before=now - timedelta(days=1), not_after=now + timedelta(days=90))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point of this server
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    leaf.configure_cert(context)

    def handle(sock):
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(1)

    with server(handle) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert "ALERT" in fact.handshake_failure and not fact.unreachable, fact


@pytest.mark.parametrize("drip_s", [None, 0.1])
def test_a_silent_or_dripping_port_ends_within_the_deadline(drip_s):
    """A server that never finishes its hello (silent, or a byte every 0.1 s) is an error within connect_s."""
    def handle(sock):
        sock.recv(1024)
        for byte in b"\x16\x03\x03\x40\x00" + b"\x02" * 200:
            if drip_s is None:
                threading.Event().wait(3)
                return
            threading.Event().wait(drip_s)
            sock.sendall(bytes([byte]))

    with server(handle) as port:
        started = datetime.now(timezone.utc)
        fact = tls.shake("127.0.0.1", port, None, 0.5)
        took = (datetime.now(timezone.utc) - started).total_seconds()
    assert "no TLS handshake within 0.5 s" in fact.unreachable
    assert took < 2 * 0.5 + 5  # at most two handshakes, whatever the machine's load


def test_shake_closed_port_and_bad_bundle():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert tls.shake("127.0.0.1", port, None, 2).unreachable
    assert "cannot load the CA bundle" in tls.shake("127.0.0.1", port, "/nonexistent/ca.pem", 2).unreachable


@contextmanager
def no_content_over_https(ca):
    """An https:// URL answering 204, its certificate issued by `ca`."""
    def handle(sock):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(4096)
            tls_sock.sendall(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")

    with server(handle) as port:
        yield f"https://127.0.0.1:{port}/"


def test_http_transport_honours_a_ca_bundle(ca, ca_file):
    with no_content_over_https(ca) as url:
        trusted, untrusted = fetch_all([Probe("GET", url, verify=ca_file), Probe("GET", url)], timeout_s=5)
    assert trusted.status == 204
    assert untrusted.status is None and "TLS certificate rejected" in untrusted.failure
    with pytest.raises(GatherError, match="CA bundle /nonexistent/ca.pem"):
        fetch_all([Probe("GET", url, verify="/nonexistent/ca.pem")], timeout_s=5)


def test_a_ca_bundle_is_loaded_once_and_again_when_it_changes(ca, ca_file, monkeypatch):
    """Loading a trust store costs ~20 ms of CPU: each bundle is loaded once per process, whichever target and run
    ask — and again when the file changes (a bundle rotated in place trusts what it now says), never an old copy."""
    from opsverify.transports import tlscontext

    loaded = []
    real = tlscontext.client_context
    monkeypatch.setattr("opsverify.transports.http.client_context", lambda cafile: loaded.append(cafile) or real(cafile))
    with no_content_over_https(ca) as url:
        assert [r.status for r in fetch_all([Probe("GET", url, verify=ca_file)] * 2, timeout_s=5)] == [204, 204]
        assert fetch_all([Probe("GET", url, verify=ca_file)], timeout_s=5)[0].status == 204
        assert loaded == [ca_file]
        trustme.CA().cert_pem.write_to_path(ca_file)  # rotated: another CA, which did not sign the server's
        (rotated,) = fetch_all([Probe("GET", url, verify=ca_file)], timeout_s=5)
        assert rotated.status is None and "TLS certificate rejected" in rotated.failure
        os.unlink(ca_file)
        with pytest.raises(GatherError, match=f"CA bundle {ca_file}"):
            fetch_all([Probe("GET", url, verify=ca_file)], timeout_s=5)
    assert loaded == [ca_file] * 3



def test_tls_and_redis_items_load_each_trust_store_once(ca, ca_file, monkeypatch):
    """As http's: the tls family's CA bundle and a rediss:// URL's default store are each loaded once per process
    (~20 ms of CPU each), not once per endpoint — and a bundle again when it changes. Bundle and default store are
    kept apart, and OpenSSL's default store apart from httpx's (certifi)."""
    from opsverify.transports import tlscontext
    from opsverify.transports.redis import ReadOnlyRedis

    monkeypatch.setattr(tlscontext, "_shared", {})
    loaded = []
    real = tlscontext.client_context
    monkeypatch.setattr(tlscontext, "client_context", lambda cafile=None: loaded.append(cafile) or real(cafile))
    with https(ca, days=90) as port:
        facts = [tls.shake("127.0.0.1", port, ca_file, 5) for _ in range(3)]
    assert all(f.certificate is not None and not (f.rejected or f.unreachable) for f in facts), facts
    clients = [ReadOnlyRedis(f"rediss://127.0.0.1:{n}/0", connect_timeout_s=1, read_timeout_s=1) for n in (1, 2, 3)]
    assert loaded == [ca_file, None], loaded
    assert len({id(c._tls_context) for c in clients}) == 1
    trustme.CA().cert_pem.write_to_path(ca_file)  # rotated: another CA, which did not sign the server's
    with https(ca, days=90) as port:
        rotated = tls.shake("127.0.0.1", port, ca_file, 5)
    assert rotated.rejected and loaded == [ca_file, None, ca_file], (rotated, loaded)
    httpx_store = tlscontext.shared(None, lambda: real(), default="httpx")
    assert httpx_store is not clients[0]._tls_context  # each library's own default store


# -- against the demo ----------------------------------------------------------------------
TLS_CHECKS = by_id("J7") + by_id("J8")


def test_demo_healthy_passes(demo):
    results = evaluate(demo, TLS_CHECKS)
    assert {c.key: o.status for c, o in results.values()} == {c.key: Status.PASSED for c in TLS_CHECKS}
    assert {c.key for c in TLS_CHECKS} >= {"J7-web-certificate", "J8-api-certificate"}


def test_demo_certificate_expiring(demo):
    demo.apply("certificate-expiring")
    results = evaluate(demo, TLS_CHECKS)
    failed = {c.key: message(c, o) for c, o in results.values() if o.status is Status.FAILED}
    assert set(failed) == {"J7-web-certificate", "J8-api-certificate"}  # J7/J8 http checks still pass
    for key, text in failed.items():
        assert "presents a certificate trusted by the service's CA bundle that expires in more than 14 days" in text
        # made to expire 3 days after the fault was applied: a moment later, whole tenths rounded down
        assert "; saw certificate expires " in text and ("in 2.9 days" in text or "in 3.0 days" in text)


def test_a_service_served_over_plain_http_fails_its_certificate_item(demo, monkeypatch):
    [web] = [c for c in TLS_CHECKS if c.key == "J7-web-certificate"]
    with demo_variables(demo):
        monkeypatch.setenv("DEMO_JOSLYN_AI_WEB_URL", demo.web.urls["joslyn-ai/web"].replace("https://", "http://"))
        run = Run(load_environment(ROOT / "environments", "demo"))
    try:
        outcome = run.evaluate([web])[f"joslyn-ai:{web.key}"]
    finally:
        run.close()
    assert outcome.status is Status.FAILED
    assert "service 'web' is served over plain http://: no TLS, no certificate" in outcome.observed
    assert outcome.expected == "web presents a trusted certificate that expires in more than 14 days"


def test_the_days_left_in_the_evidence_are_rounded_down_as_the_message_says():
    c = check(14)
    outcome = tls.judge(c, {c.key: shaken(certificate=cert(13.98))})
    assert outcome.status is Status.FAILED and outcome.evidence["days_left"] == 13.9, outcome


# -- a host name no resolver takes --------------------------------------------------------
@pytest.mark.parametrize("host", ["a..example", "a" * 64 + ".example"])
def test_a_host_name_that_is_no_dns_name_is_could_not_look_never_a_certificate_failure(host):
    """No handshake happens for `a..example` (an empty label) or a 64-character label: the item is an error naming
    the host and the fix, never a FAIL about an "unreadable certificate"."""
    target = make_target({"services": {"web": {"url": f"https://{host}:18400/"}}}, timeouts={"connect_s": 2})
    [outcome] = gather_and_judge(target, tls, [make_check("tls", {"service": "web"})])
    assert outcome.status is Status.ERROR, outcome
    assert f"could not look: host name '{host}' is not a valid DNS name" in outcome.observed, outcome
    assert "certificate" not in outcome.observed and "services.web.url" in outcome.observed, outcome


# -- a process holding more than 1024 file descriptors ------------------------------------
@contextmanager
def descriptors_past(fd: int = 1024):
    """Every descriptor below `fd` taken (by /dev/null), so the next socket gets one at or above it; the soft
    RLIMIT_NOFILE raised within the hard limit for that, and restored."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = fd + 64
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {wanted}")
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    held: list[int] = []
    try:
        while not held or held[-1] < fd:
            held.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for each in held:
            os.close(each)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_healthy_endpoint_that_answers_late_passes_in_a_process_with_many_descriptors(ca, ca_file):
    """select() cannot wait on a descriptor >= 1024 (a large run, an xdist worker): the handshake must wait on it
    all the same. The server answers only after the client's hello has arrived, so the client waits for it."""
    now = datetime.now(timezone.utc)
    leaf = ca.issue_cert("127.0.0.1", not_before=now - timedelta(days=1), not_after=now + timedelta(days=90))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    hello_arrived, released = threading.Event(), threading.Event()

    def handle(sock):
        sock.recv(1, socket.MSG_PEEK)  # the client has sent its hello and waits for the answer
        hello_arrived.set()
        released.wait(10)
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(1)

    with server(handle) as port, descriptors_past(1024), ThreadPoolExecutor(1) as pool:
        shaking = pool.submit(tls.shake, "127.0.0.1", port, ca_file, 10)
        assert hello_arrived.wait(10)
        released.set()
        fact = shaking.result()
    c = check()
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is Status.PASSED, outcome


def test_a_silent_endpoint_is_could_not_look_in_a_process_with_many_descriptors():
    stop = threading.Event()

    def handle(sock):
        sock.recv(1024)
        stop.wait(10)

    with server(handle) as port, descriptors_past(1024):
        try:
            fact = tls.shake("127.0.0.1", port, None, 0.5)
        finally:
            stop.set()
    c = check()
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is Status.ERROR and "no TLS handshake within 0.5 s" in outcome.observed, outcome


# -- a second connection may reach another backend ----------------------------------------
def test_a_rejected_certificate_is_not_described_from_another_backends_certificate(ca, ca_file):
    """Behind a load balancer the first connection reached an expired certificate, the second a healthy one: the
    item fails for the rejection, and what the second connection saw is labelled so, not as the rejected one."""
    now = datetime.now(timezone.utc)
    contexts = []
    for name, days in (("first-expired", -1), ("second-healthy", 90)):
        leaf = ca.issue_cert("127.0.0.1", common_name=name, not_before=now - timedelta(days=400),
                             not_after=now + timedelta(days=days))
        contexts.append(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH))
        leaf.configure_cert(contexts[-1])
    turns, lock = itertools.cycle(contexts), threading.Lock()

    def handle(sock):
        with lock:
            context = next(turns)
        with context.wrap_socket(sock, server_side=True) as tls_sock:
            tls_sock.recv(1)

    with server(handle) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    assert fact.rejected == "certificate has expired" and fact.certificate is None, fact
    c = check()
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("certificate rejected: certificate has expired (a second, unverified "
                                       "connection saw the certificate of CN=second-healthy"), outcome
    assert "certificate of CN=second-healthy, expires" not in outcome.observed, outcome
    assert not {"subject", "issuer", "names", "not_after", "days_left"} & set(outcome.evidence), outcome.evidence
    seen = outcome.evidence["unverified_second_connection"]
    assert seen["subject"].startswith("CN=second-healthy") and seen["days_left"] > 89, seen


# -- host names as DNS and browsers read them ----------------------------------------------------
@contextmanager
def resolving(names: dict[str, str]):
    """getaddrinfo answering `names` with a loopback address (this machine's resolver knows no test domains);
    it records every name asked, as the resolver saw it."""
    real, asked = socket.getaddrinfo, []

    def fake(host, *args, **kwargs):
        asked.append(host)
        return real(names.get(host, host), *args, **kwargs)

    socket.getaddrinfo = fake
    try:
        yield asked
    finally:
        socket.getaddrinfo = real


@pytest.mark.parametrize("url_host, connects_to", [
    ("localhost.", "localhost."),                     # absolute: the same name as localhost
    ("bücher.example", "xn--bcher-kva.example"),
    ("BÜCHER.example.", "xn--bcher-kva.example."),
    ("faß.de", "xn--fa-hia.de"),                      # IDNA 2008, as httpx and browsers: not fass.de
])
def test_a_healthy_certificate_passes_for_its_host_however_the_url_writes_it(ca, ca_file, url_host, connects_to):
    names = ("localhost", "xn--bcher-kva.example", "xn--fa-hia.de")
    with https(ca, days=90, names=names) as port, resolving({connects_to: "127.0.0.1"}) as asked:
        fact = tls.shake(url_host, port, ca_file, 5)
    assert not (fact.rejected or fact.unreachable or fact.handshake_failure or fact.unusable_host), fact
    assert asked == [connects_to]


# -- one deadline for the whole handshake, name lookup and every address included ---------------------
@contextmanager
def unanswered_port():
    """A port on 127.0.0.1 whose connection attempts go unanswered, as a black-holed address's: a listener that
    never accepts, its backlog full, so the kernel drops further SYNs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        filling = [socket.socket() for _ in range(4)]
        try:
            for sock in filling:
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
            with socket.socket() as probe:
                probe.settimeout(0.3)
                if probe.connect_ex(("127.0.0.1", port)) not in (errno.EAGAIN, errno.ETIMEDOUT, errno.EINPROGRESS):
                    pytest.skip("this kernel answers a connection to a full backlog")
            yield port
        finally:
            for sock in filling:
                sock.close()


@contextmanager
def answering(names: dict[str, object]):
    """getaddrinfo answering each of `names` with what its function returns (the real answers for others)."""
    real = socket.getaddrinfo
    socket.getaddrinfo = lambda host, *args, **kwargs: (names[host](*args, **kwargs) if host in names
                                                        else real(host, *args, **kwargs))
    try:
        yield
    finally:
        socket.getaddrinfo = real


def test_a_name_with_several_silent_addresses_ends_within_one_connect_s():
    """A name resolving to three addresses that do not answer gave each its own connect_s (create_connection):
    three times the deadline, which in a run outlived the family's bound and left healthy neighbours abandoned."""
    with unanswered_port() as port, answering({"lb.example": lambda *args, **kwargs: socket.getaddrinfo(
            "127.0.0.1", port, socket.AF_INET, socket.SOCK_STREAM) * 3}):
        started = time.monotonic()
        fact = tls.shake("lb.example", port, None, 1)
        took = time.monotonic() - started
    assert fact.unreachable == "no TLS handshake within 1 s (connect_s): no connection to lb.example", fact
    assert took < 2.5, took  # three connect_s would be 3 s; the margin is for a loaded machine, not a speed verdict


def test_a_name_lookup_that_does_not_end_is_bounded_by_connect_s():
    """The name lookup is part of the handshake's time: a resolver that takes minutes is left behind at connect_s."""
    released = threading.Event()
    with answering({"slow.example": lambda *args, **kwargs: released.wait(30) and []}):
        try:
            started = time.monotonic()
            fact = tls.shake("slow.example", 443, None, 0.5)
            took = time.monotonic() - started
        finally:
            released.set()
    assert fact.unreachable == ("no TLS handshake within 0.5 s (connect_s): the name lookup of slow.example did not "
                                "end"), fact
    assert took < 5, took  # the lookup hangs 30 s; the margin is for a loaded machine


def test_an_ipv6_endpoint_is_written_in_brackets():
    fact = tls.shake("::1", tls_refused_port(), None, 1)
    assert fact.endpoint.startswith("[::1]:"), fact.endpoint


def tls_refused_port() -> int:
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        return probe.getsockname()[1]


def test_a_certificate_too_large_for_openssl_is_said_as_the_servers_answer(ca, ca_file):
    """3000 names (~200 KB) read "no TLS answer: EXCESSIVE_MESSAGE_SIZE": the server did answer, with more than
    OpenSSL reads."""
    names = ("127.0.0.1", *(f"h{i}-{'x' * 50}.example.com" for i in range(2000)))
    with https(ca, names=names) as port:
        fact = tls.shake("127.0.0.1", port, ca_file, 5)
    c = check()
    outcome = tls.judge(c, {c.key: fact})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (f"could not look: 127.0.0.1:{port}: the server answered in TLS with a handshake "
                                "message larger than OpenSSL reads (EXCESSIVE_MESSAGE_SIZE: a certificate chain of "
                                "some 100 KB or more): its certificate could not be read"), outcome.observed
