"""tcp family: clamd, SMTP and Redis greetings — judge tables, the demo's servers, silence, real clamd."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import os
import socket
import struct
import subprocess
import time
from contextlib import contextmanager

import pytest

from opsverify_demo.support import free_port, wait_until
from opsverify_demo.components.clamd import Clamd
from opsverify_demo.components.smtp import Smtp
from opsverify.engine import message
from opsverify.errors import GatherError
from opsverify.families import tcp as family
from opsverify.families.tcp import Answer
from opsverify.outcome import Status

from .helpers import by_id, evaluate
from .kit import make_check, make_target, real_binary, refused_port, serving, silent_server
from .test_redis import unix_redis

CLAMD = {"endpoint": "clamav", "protocol": "clamd"}
SMTP = {"endpoint": "smtp", "protocol": "smtp"}
REDIS = {"endpoint": "redis", "protocol": "redis"}


# -- judge: pure, table-driven -----------------------------------------------------------
@pytest.mark.parametrize("params, answer, status, observed", [
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV 1.4.6/27831/x\0"}), Status.PASSED,
     "PONG (ClamAV 1.4.6/27831/x)"),
    # zVERSION is judged too: a clamd that answers PONG to anything, or knows no VERSION, is not one that works
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"UNKNOWN COMMAND\0"}), Status.FAILED,
     "PONG, but zVERSION answered 'UNKNOWN COMMAND\\x00'"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"PONG\0"}), Status.FAILED,
     "PONG, but zVERSION answered 'PONG\\x00'"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV\0"}), Status.FAILED,
     "PONG, but zVERSION answered 'ClamAV\\x00'"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0"}, "no complete answer within 10 s"), Status.ERROR,
     "did not answer in its protocol: no zVERSION reply: no complete answer within 10 s"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b""}), Status.ERROR,
     "no zVERSION reply before the connection closed"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV 1.0.3"}), Status.ERROR,
     "zVERSION replied 'ClamAV 1.0.3' (not a NUL-terminated clamd reply)"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV 1.0.3\0"}), Status.PASSED,
     "PONG (ClamAV 1.0.3)"),  # no signature database loaded: the version alone
    # a version is one line: a second one is something else said after it
    (CLAMD, Answer("av:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV 1.0\nERROR\0"}), Status.FAILED,
     "PONG, but zVERSION answered 'ClamAV 1.0\\nERROR\\x00'"),
    (CLAMD, Answer("av:3310", {"PING": b"UNKNOWN COMMAND\0"}), Status.FAILED, "replied 'UNKNOWN COMMAND\\x00'"),
    # no answer in the protocol: not checked
    (CLAMD, Answer("av:3310", {}, "connection refused"), Status.ERROR, "did not answer in its protocol: connection refused"),
    (CLAMD, Answer("av:3310", {}, "no complete answer within 10 s"), Status.ERROR, "no complete answer within 10 s"),
    (CLAMD, Answer("av:3310", {"PING": b""}), Status.ERROR, "no reply before the connection closed"),
    (CLAMD, Answer("av:3310", {"PING": b"PONG\n"}), Status.ERROR,
     "replied 'PONG\\n' (not a NUL-terminated clamd reply)"),
    (CLAMD, Answer("av:3310", {"PING": b"\x15\x03\x03\x00\x02\x02("}), Status.ERROR, "not a NUL-terminated clamd reply"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx ESMTP"), "EHLO": (250, b"mx\nSIZE 1"), "NOOP": (250, b"OK"),
                            "QUIT": (221, b"Bye")}), Status.PASSED,
     "banner 220 'mx ESMTP', EHLO 250, NOOP 250, QUIT 221"),
    # once EHLO was answered the server speaks SMTP: a command left unanswered, or answered wrong, fails
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx")}, "the server closed the connection"),
     Status.FAILED, "banner 220 'mx', EHLO 250, then no NOOP reply: the server closed the connection"),
    # ... but the run's own clock running out is not the server leaving it unanswered: a slow server, not judged
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx")}, "no complete answer within 5 s", 0, True),
     Status.ERROR, "banner 220 'mx', EHLO 250, then no NOOP reply: no complete answer within 5 s"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx"), "NOOP": (250, b"ok")},
                  "no complete answer within 5 s", 0, True),
     Status.ERROR, "NOOP 250, then no QUIT reply: no complete answer within 5 s (a server that greets or answers"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx"), "NOOP": (221, b"bye")}), Status.FAILED,
     "banner 220 'mx', EHLO 250, NOOP answered 221 'bye'"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx"), "NOOP": (250, b"ok"),
                            "QUIT": (250, b"ok")}), Status.FAILED, "NOOP 250, QUIT answered 250 'ok'"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (250, b"mx"), "unasked": b"221 bye\r\n"}), Status.FAILED,
     "banner 220 'mx', EHLO 250, then '221 bye\\r\\n' before NOOP was sent"),
    (SMTP, Answer("mx:25", {"banner": (554, b"no service")}), Status.FAILED, "banner 554 'no service'"),
    (SMTP, Answer("mx:25", {"banner": (0, b"mx.example")}), Status.FAILED, "banner 000 'mx.example'"),  # as sent
    (SMTP, Answer("mx:25", {"banner": (220, b"mx"), "EHLO": (502, b"not implemented")}), Status.FAILED,
     "EHLO answered 502 'not implemented'"),
    (SMTP, Answer("mx:25", {"banner": (220, b"mx")}, "no complete answer within 10 s"), Status.ERROR,
     "no EHLO reply: no complete answer within 10 s"),
    (SMTP, Answer("mx:25", {}, "connection refused"), Status.ERROR, "connection refused"),
    (SMTP, Answer("mx:25", {}, "not SMTP: b'HTTP/1.1 400 Bad Request'"), Status.ERROR, "not SMTP"),
    (REDIS, Answer("redis://r:6379/0", {"PING": "PONG", "version": "7.0.15"}), Status.PASSED, "PONG (redis 7.0.15)"),
    (REDIS, Answer("redis://r:6379/0", {"refusal": "ResponseError: ERR unknown command 'PING'"}), Status.FAILED,
     "refused: ResponseError: ERR unknown command 'PING'"),
    # the checker's password refused says nothing of the server: could not look, as the redis family says
    (REDIS, Answer("redis://r:6379/0", {"credentials": "AuthenticationError: invalid password"}), Status.ERROR,
     "refused the checker's credentials (AuthenticationError: invalid password)"),
    (REDIS, Answer("redis://r:6379/0", {"PING": "LOADING Redis is loading", "version": None}), Status.FAILED,
     "PING answered 'LOADING Redis is loading'"),
    (REDIS, Answer("redis://r:6379/0", {}, "connection refused"), Status.ERROR, "connection refused"),
    (REDIS, Answer("redis://r:6379/0", {}, "InvalidResponse: Protocol Error: H, b'TTP/1.1'"), Status.ERROR,
     "Protocol Error"),
])
def test_judge(params, answer, status, observed):
    check = make_check("tcp", params)
    outcome = family.judge(check, {check.key: answer})
    assert outcome.status is status, outcome
    assert observed in outcome.observed
    if status is Status.ERROR:
        assert outcome.observed.startswith("could not look: ") and answer.address in outcome.observed
    else:
        assert answer.address in outcome.expected


def test_judge_unusable_endpoint_is_error():
    check = make_check("tcp", CLAMD)
    outcome = family.judge(check, {check.key: GatherError("endpoint 'x:y' has an invalid port")})
    assert outcome.status is Status.ERROR


@pytest.mark.parametrize("value, scheme, expected", [
    ("clamav.internal:3311", "clamd", ("clamd", "clamav.internal", 3311)),
    ("clamav.internal", "clamd", ("clamd", "clamav.internal", 3310)),
    ("tcp://10.0.0.5:3310", "clamd", ("tcp", "10.0.0.5", 3310)),
    ("[::1]:2525", "smtp", ("smtp", "::1", 2525)),
    ("smtp.example.com", "smtp", ("smtp", "smtp.example.com", 25)),
    ("smtps://smtp.example.com", "smtp", ("smtps", "smtp.example.com", 465)),
    # a port written as 0 is asked as 0 (nothing answers), never as the protocol's default: another server
    ("127.0.0.1:0", "clamd", ("clamd", "127.0.0.1", 0)),
    ("smtps://smtp.example.com:0", "smtp", ("smtps", "smtp.example.com", 0)),
])
def test_address(value, scheme, expected):
    assert family.address(value, scheme) == expected


@pytest.mark.parametrize("value", ["host:notaport", "host:99999", ":3310"])
def test_bad_address_is_could_not_look(value):
    with pytest.raises(GatherError):
        family.address(value, "clamd")


@pytest.mark.parametrize("value, protocol", [("https://127.0.0.1:2525", "smtp"), ("redis://mail.example.com", "smtp"),
                                             ("smtps://127.0.0.1:3310", "clamd"), ("http://clamav:3310", "clamd")])
def test_an_endpoint_of_another_scheme_is_not_talked_to(value, protocol):
    """An https:// or redis:// endpoint of an smtp item was talked to in SMTP, and an smtps:// one of a clamd item
    in clamd (with 465 for its port when none was written): the address names another server than the one meant."""
    with pytest.raises(GatherError, match=f"endpoint is a {value.split(':')[0]}:// address, where a {protocol} item"
                                          f" talks {protocol}"):
        family.address(value, protocol)


@pytest.mark.parametrize("params", [{"endpoint": "clamav"}, {"endpoint": "clamav", "protocol": "http"},
                                    {"endpoint": "clamav", "protocol": "clamd", "port": 1}])
def test_params_are_strict(params):
    with pytest.raises(ValueError):
        make_check("tcp", params)


# -- nothing hangs, nothing retries: a broken server is an error within the deadline --------------
@pytest.mark.parametrize("params, endpoint", [(CLAMD, "127.0.0.1:{port}"), (SMTP, "127.0.0.1:{port}"),
                                              (REDIS, "redis://127.0.0.1:{port}/0")])
def test_a_silent_server_is_an_error_within_the_deadline(params, endpoint):
    with silent_server() as server:
        target = make_target({"endpoints": {params["endpoint"]: endpoint.format(port=server["port"])}},
                             timeouts={"connect_s": 0.3, "statement_ms": 300})
        check = make_check("tcp", params)
        started = time.monotonic()
        outcome = family.judge(check, family.gather(target, [check]))
        assert time.monotonic() - started < family.bound(target, [check]) + 5  # bounded, whatever the load
        assert outcome.status is Status.ERROR
        assert "no complete answer within 0.6 s" in outcome.observed or "timeout" in outcome.observed.lower()
        assert server["connections"] == 1


@pytest.mark.parametrize("params, endpoint", [(CLAMD, "127.0.0.1:{port}"), (SMTP, "127.0.0.1:{port}"),
                                              (REDIS, "redis://127.0.0.1:{port}/0")])
def test_a_dripping_server_is_an_error_within_the_deadline(params, endpoint):
    """A byte every 0.1 s never trips a per-read timeout of 0.3 s; the total deadline ends it."""
    with dripping_server(b"2" * 10_000) as port:
        target = make_target({"endpoints": {params["endpoint"]: endpoint.format(port=port)}},
                             timeouts={"connect_s": 0.3, "statement_ms": 300})
        check = make_check("tcp", params)
        started = time.monotonic()
        outcome = family.judge(check, family.gather(target, [check]))
        assert time.monotonic() - started < family.bound(target, [check]) + 5  # bounded, whatever the load
        assert outcome.status is Status.ERROR, outcome


@pytest.mark.parametrize("params, endpoint", [(CLAMD, "127.0.0.1:{port}"), (SMTP, "127.0.0.1:{port}"),
                                              (REDIS, "redis://127.0.0.1:{port}/0")])
def test_nothing_listening_is_an_error_with_the_reason(params, endpoint):
    target = make_target({"endpoints": {params["endpoint"]: endpoint.format(port=refused_port())}})
    check = make_check("tcp", params)
    outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR
    assert "connection refused" in outcome.observed


@pytest.mark.parametrize("params, endpoint", [(CLAMD, "127.0.0.1:{port}"), (SMTP, "127.0.0.1:{port}"),
                                              (REDIS, "redis://127.0.0.1:{port}/0")])
def test_a_server_speaking_another_protocol_is_an_error(params, endpoint):
    with dripping_server(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n", every_s=0) as port:
        target = make_target({"endpoints": {params["endpoint"]: endpoint.format(port=port)}},
                             timeouts={"connect_s": 1, "statement_ms": 1000})
        check = make_check("tcp", params)
        outcome = family.judge(check, family.gather(target, [check]))
        assert outcome.status is Status.ERROR, outcome


@contextmanager
def resp_server(replies: dict[str, bytes]):
    """A Redis by hand: each RESP2 command answered by its name (`-ERR` for any other); yields the port."""
    def serve(conn: socket.socket, _stopping) -> None:
        with conn.makefile("rb") as reader:
            while (head := reader.readline()).startswith(b"*"):
                parts = [reader.read(int(reader.readline()[1:]) + 2)[:-2] for _ in range(int(head[1:]))]
                conn.sendall(replies.get(parts[0].decode().upper(), b"-ERR unknown command\r\n"))

    with serving(serve) as port:
        yield port


def _redis_outcome(replies: dict[str, bytes], url: str = "redis://127.0.0.1:{port}/0"):
    with resp_server(replies) as port:
        target = make_target({"endpoints": {"redis": url.format(port=port)}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("tcp", REDIS)
        return family.judge(check, family.gather(target, [check]))


INFO = b"$31\r\n# Server\r\nredis_version:7.2.4\r\n\r\n"


@pytest.mark.parametrize("ping, seen", [(b"+pong\r\n", "PING answered 'pong'"), (b":1\r\n", "PING answered '1'"),
                                        (b"$%d\r\n%s\r\n" % (60_000, b"P" * 60_000), "PING answered 'PPPP")])
def test_a_ping_reply_that_is_not_pong_is_quoted_and_cut(ping, seen):
    outcome = _redis_outcome({"PING": ping, "INFO": INFO})
    assert outcome.status is Status.FAILED and outcome.observed.startswith(seen), outcome.observed[:200]
    assert len(outcome.observed) < 200 and len(str(outcome.evidence)) < 1000


@pytest.mark.parametrize("info, unread", [
    (b":5\r\n", "a reply that is not INFO's text"), (b"$-1\r\n", "a reply that is not INFO's text"),
    (b"*1\r\n$4\r\nPONG\r\n", "a reply that is not INFO's text"),
    (b"-NOPERM User checker has no permissions to run the 'info' command\r\n",
     "NOPERM User checker has no permissions to run the 'info' command"),
], ids=["integer", "nil", "array", "noperm"])
def test_an_unreadable_info_leaves_the_ping_verdict_to_ping(info, unread):
    """INFO is evidence (the version), PING is the check: redis-py cannot read `:5` as INFO (its parser raised
    AttributeError, and the item was an error quoting it); now PONG passes and the evidence says INFO was unread."""
    outcome = _redis_outcome({"PING": b"+PONG\r\n", "INFO": info})
    assert outcome.status is Status.PASSED and outcome.observed == "PONG (redis version unknown: INFO unread)", outcome
    assert outcome.evidence["replies"]["INFO"] == repr(f"unread: {unread}")
    assert "Error" not in str(outcome.evidence) and "attribute" not in str(outcome.evidence)


def test_a_ping_answered_zero_fails_with_a_plain_message():
    """A server answering everything with `:0` (INFO too): PING's own answer is the verdict, said plainly."""
    outcome = _redis_outcome({"PING": b":0\r\n", "INFO": b":0\r\n"})
    assert outcome.status is Status.FAILED and outcome.observed == "PING answered '0' (an integer)", outcome
    assert "Error" not in str(outcome.evidence)


def test_a_ping_answered_nil_says_nil():
    outcome = _redis_outcome({"PING": b"$-1\r\n", "INFO": INFO})
    assert outcome.status is Status.FAILED and outcome.observed == "PING answered nil", outcome


def test_a_long_redis_version_is_cut_in_message_and_evidence():
    version = b"7.2." + b"9" * 60_000
    info = b"# Server\r\nredis_version:%s\r\n" % version
    outcome = _redis_outcome({"PING": b"+PONG\r\n", "INFO": b"$%d\r\n%s\r\n" % (len(info), info)})
    assert outcome.status is Status.PASSED and outcome.observed.startswith("PONG (redis 7.2.999"), outcome.observed[:200]
    assert outcome.observed.endswith("(60,004 characters))")
    assert len(outcome.observed) < 200 and len(str(outcome.evidence)) < 1000


def test_a_redis_reply_larger_than_a_greeting_is_refused_for_its_item_only():
    """PING answered with 100,000 integers (400 KB): redis-py's parser reads a reply a Python call per element, and
    three such neighbours on the one event loop starved a healthy Redis past its 2 s deadline. PING's reply, an
    error line or INFO server (~2 KiB) is far shorter: past 64 KiB the reply is refused unread, an ERROR for its
    item alone; the healthy neighbour passes."""
    array = b"*100000\r\n" + b":1\r\n" * 100_000
    with resp_server({"PING": array}) as odd, resp_server({"PING": b"+PONG\r\n", "INFO": INFO}) as fine:
        target = make_target({"endpoints": {"odd": f"redis://127.0.0.1:{odd}/0", "fine": f"redis://127.0.0.1:{fine}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        checks = [make_check("tcp", {"endpoint": name, "protocol": "redis"}, name=name) for name in ("odd", "fine")]
        facts = family.gather(target, checks)
    odd_outcome, fine_outcome = (family.judge(c, facts) for c in checks)
    assert odd_outcome.status is Status.ERROR, odd_outcome
    assert odd_outcome.observed.endswith("did not answer in its protocol: replies of more than 64 KiB: read no further"), \
        odd_outcome.observed[:300]
    assert (fine_outcome.status, fine_outcome.observed) == (Status.PASSED, "PONG (redis 7.2.4)")


def test_an_info_larger_than_a_greeting_leaves_the_version_unread():
    info = b"# Server\r\nredis_version:7.2.%s\r\n" % (b"9" * 2 ** 20)
    outcome = _redis_outcome({"PING": b"+PONG\r\n", "INFO": b"$%d\r\n%s\r\n" % (len(info), info)})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "PONG (redis version unknown: INFO unread)"), outcome
    assert outcome.evidence["replies"]["INFO"] == repr("unread: replies of more than 64 KiB: read no further")


def test_a_redis_line_longer_than_asyncio_reads_is_said_in_plain_words():
    """`+PPP…` of 200 kB: asyncio's readline stops at 64 KiB ("Separator is not found, and chunk exceed the limit")."""
    outcome = _redis_outcome({"PING": b"+" + b"P" * 200_000 + b"\r\n"})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("did not answer in its protocol: not a Redis reply: a line longer than 64 KiB"), \
        outcome.observed


@pytest.mark.parametrize("answers, status, seen", [
    ({b"zPING\0": b"PONG\0", b"zVERSION\0": b"PONG\0"}, Status.FAILED, "PONG, but zVERSION answered 'PONG\\x00'"),
    ({b"zPING\0": b"PONG\0", b"zVERSION\0": b"UNKNOWN COMMAND\0"}, Status.FAILED,
     "PONG, but zVERSION answered 'UNKNOWN COMMAND\\x00'"),
    ({b"zPING\0": b"PONG\0"}, Status.ERROR, "no zVERSION reply before the connection closed"),
    # a version of bytes no clamd writes (its version is printable ASCII)
    ({b"zPING\0": b"PONG\0", b"zVERSION\0": b"ClamAV 1\xff\xfe\x01\x02\x1b[2J\0"}, Status.FAILED,
     "PONG, but zVERSION answered 'ClamAV 1\ufffd\ufffd\\x01\\x02\\x1b[2J\\x00'"),
    ({b"zPING\0": b"PONG\0", b"zVERSION\0": b"ClamAV 1.0.3/27105/Mon Nov 30 09:33:14 2023\0"}, Status.PASSED,
     "PONG (ClamAV 1.0.3/27105/Mon Nov 30 09:33:14 2023)"),
])
def test_the_clamd_version_reply_is_judged(answers, status, seen):
    """A server that answers PONG to anything, or has no VERSION, passed as "PONG (UNKNOWN COMMAND)" before."""
    def clamd(conn, _stopping):
        command = b""
        while not command.endswith(b"\0") and (chunk := conn.recv(64)):
            command += chunk
        conn.sendall(answers.get(command, b""))

    with serving(clamd) as port:
        target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}"}}, timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("tcp", CLAMD)
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is status and outcome.observed.endswith(seen), outcome.observed


def _smtp_scripted(script: bytes):
    """The SMTP item's outcome against a server that writes `script` at once on connect and never reads."""
    with dripping_server(script, every_s=0) as port:
        target = make_target({"endpoints": {SMTP["endpoint"]: f"127.0.0.1:{port}"}},
                             timeouts={"connect_s": 1, "statement_ms": 1000})
        check = make_check("tcp", SMTP)
        return family.judge(check, family.gather(target, [check]))


def _smtp_outcome(handler, *, connect_s: int, statement_ms: int):
    """The SMTP item's outcome against a server that runs `handler(conn, stopping)` for each connection."""
    with serving(handler) as port:
        target = make_target({"endpoints": {SMTP["endpoint"]: f"127.0.0.1:{port}"}},
                             timeouts={"connect_s": connect_s, "statement_ms": statement_ms})
        check = make_check("tcp", SMTP)
        return family.judge(check, family.gather(target, [check]))


def test_an_smtp_reply_longer_than_64_kib_is_not_smtp():
    """100 lines of 1 KB: under the line count, over what any SMTP reply takes (RFC 5321 4.5.3.1.5: 512 bytes a
    line), so it is refused before more is read."""
    outcome = _smtp_scripted((b"220-" + b"x" * 996 + b"\r\n") * 99 + b"220 ok\r\n")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("did not answer in its protocol: not SMTP: a reply longer than 64 KiB"), \
        outcome.observed


def _closing_smtp(when: str):
    """An SMTP server that closes cleanly (FIN, reading on until the client hangs up) at once, after its banner or
    after reading EHLO — or, for "reset", resets the connection (RST) at once."""
    def smtp(conn: socket.socket, _stopping) -> None:
        if when == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if when != "at once":
            conn.sendall(b"220 mx.example ESMTP\r\n")
        if when == "after EHLO":
            with conn.makefile("rb") as reader:
                reader.readline()
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(1024):
            pass

    return smtp


@pytest.mark.parametrize("when, reason", [
    ("at once", "the server closed the connection"),
    ("after the banner", "no EHLO reply: the server closed the connection"),
    ("after EHLO", "no EHLO reply: the server closed the connection"),
    ("reset", "connection reset"),
])
def test_an_smtp_server_closing_is_told_from_one_resetting(when, reason):
    """A clean close (FIN) read "connection reset", as a reset (RST) does: which one it was is the operator's clue."""
    outcome = _smtp_outcome(_closing_smtp(when), connect_s=2, statement_ms=2000)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith(f"did not answer in its protocol: {reason}"), outcome.observed


def _smtp_greeting(banner: bytes):
    """An SMTP server that greets with `banner` and answers EHLO, NOOP and QUIT as a healthy one does."""
    def smtp(conn: socket.socket, _stopping) -> None:
        conn.sendall(banner)
        with conn.makefile("rb") as reader:
            for reply in (b"250 mx\r\n", b"250 ok\r\n", b"221 bye\r\n"):
                if not reader.readline():
                    return
                conn.sendall(reply)

    return smtp


@pytest.mark.parametrize("banner, status", [
    (b"220 mx\x00\xff\xfe\x1b[2J ESMTP\r\n", Status.ERROR),  # a NUL, bytes no UTF-8 reads, an escape sequence
    (b"220 mx \x1b[31mready\r\n", Status.ERROR),
    (b"220 mx \xe9t\xe9\r\n", Status.ERROR),  # Latin-1: no charset of SMTP's
    (b"220 mx.example ESMTP\tready\r\n", Status.PASSED),  # a tab is reply text
    ("220 mx.exämple ESMTP\r\n".encode(), Status.PASSED),  # UTF-8 (RFC 6531)
])
def test_an_smtp_reply_holding_bytes_smtp_text_does_not_is_not_smtp(banner, status):
    """RFC 5321 4.2: reply text is printable ASCII and tab (UTF-8 under SMTPUTF8): a greeting of NULs, escape
    sequences or undecodable bytes passed as a 220."""
    outcome = _smtp_outcome(_smtp_greeting(banner), connect_s=2, statement_ms=2000)
    assert outcome.status is status, outcome
    if status is Status.ERROR:
        assert "not SMTP: a reply line holding bytes SMTP's reply text does not" in outcome.observed, outcome.observed


def test_an_smtp_reply_whose_lines_disagree_is_not_smtp():
    """`220-hello` then `554 go away`: one reply, two codes; the first line's 220 must not pass the banner."""
    outcome = _smtp_scripted(b"220-hello\r\n554 go away\r\n")
    assert outcome.status is Status.ERROR, outcome
    assert "a reply whose lines carry codes 220 and 554" in outcome.observed


def test_an_smtp_server_answering_ehlo_before_it_was_sent_fails():
    """A script that writes `220 mx` and `250 mx` at once, before anyone reads, and never reads: the 250 came before
    EHLO was sent, so it answers nothing (RFC 5321 4.3: the server speaks when asked). One sendall puts both lines
    in the client's buffer together: the banner is read whole, and the 250 is already there."""
    outcome = _smtp_scripted(b"220 mx\r\n250 mx\r\n")
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == ("banner 220 'mx', then '250 mx\\r\\n' before EHLO was sent"
                                " (a server speaks only when asked: RFC 5321 §4.3)"), outcome.observed
    assert "EHLO" not in outcome.evidence["replies"]


def test_an_smtp_server_that_waits_for_ehlo_passes():
    """The healthy order, line by line: the banner, then each reply only once its command has been read."""
    replies = {b"EHLO": b"250-mx.example\r\n250 SIZE 1\r\n", b"NOOP": b"250 2.0.0 Ok\r\n", b"QUIT": b"221 Bye\r\n"}

    def smtp(conn, _stopping):
        conn.sendall(b"220-mx.example ESMTP\r\n220 ready\r\n")
        with conn.makefile("rb") as reader:
            for line in reader:
                conn.sendall(replies.get(line[:4].upper(), b"500 unrecognised\r\n"))

    outcome = _smtp_outcome(smtp, connect_s=2, statement_ms=2000)
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed == "banner 220 'mx.example ESMTP\\nready', EHLO 250, NOOP 250, QUIT 221", outcome.observed


def test_an_smtp_server_still_answering_when_the_time_runs_out_is_an_error():
    """A server that answers the banner and EHLO, then takes longer over NOOP than the run's limit (a tarpit, a
    greet-delay) has left nothing unanswered: the run's clock stopped the talk, so it could not decide."""
    def smtp(conn, stopping):
        conn.sendall(b"220 mx.example ESMTP\r\n")
        with conn.makefile("rb") as reader:
            reader.readline()
            conn.sendall(b"250 mx.example\r\n")
            reader.readline()  # NOOP: its answer is still being thought about when the client hangs up
            stopping.wait(30)

    outcome = _smtp_outcome(smtp, connect_s=1, statement_ms=2000)
    assert outcome.status is Status.ERROR, outcome
    assert "then no NOOP reply: no complete answer within 3 s" in outcome.observed or \
        "no EHLO reply" in outcome.observed, outcome.observed  # (a machine too loaded to read EHLO's 250 in 3 s)


def test_a_banner_cut_off_by_the_deadline_is_quoted_as_far_as_it_came():
    """`220 mx.example ESMTP` with no line end, then silence: the error said "no complete answer" with no word of
    what came; the bytes received are quoted beside the timeout, as clamd's are."""
    def smtp(conn, stopping):
        conn.sendall(b"220 mx.example ESMTP")
        stopping.wait(30)

    outcome = _smtp_outcome(smtp, connect_s=1, statement_ms=500)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("no complete answer within 1.5 s (connect_s + statement_ms) (it sent "
                                     "'220 mx.example ESMTP' of it)"), outcome.observed


def _unreading_smtp(lines: list[bytes], gap_s: float):
    """A script that never reads what it is sent: `lines` written `gap_s` apart, then its side closed (FIN); what
    came in is drained only then, so its close is never a reset that could take unread replies with it."""
    def smtp(conn: socket.socket, stopping) -> None:
        for number, line in enumerate(lines):
            if number and stopping.wait(gap_s):
                return
            conn.sendall(line)
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(1024):
            pass

    return smtp


@pytest.mark.parametrize("gap_s", [0, 0.05, 0.3])
@pytest.mark.parametrize("lines", [
    [b"220 hi\r\n", b"250 ok\r\n"],
    [b"220 hi\r\n", b"250 ok\r\n", b"221 bye\r\n"],
    [b"220-mx\r\n220 ESMTP\r\n", b"250-mx\r\n250 SIZE 1\r\n", b"221 bye\r\n"],
])
def test_an_smtp_script_that_never_reads_fails_at_any_pace(lines, gap_s):
    """A script writing a banner, a 250 and perhaps a 221 without reading fails whatever its pace and the machine's
    load: a 250 already there when EHLO is to be sent is unasked; one that comes after it answers EHLO, but then
    NOOP gets the 221 meant for QUIT, or nothing at all. Each reply is judged by its order, never by its timing."""
    outcome = _smtp_outcome(_unreading_smtp(lines, gap_s), connect_s=5, statement_ms=10000)
    assert outcome.status is Status.FAILED, outcome
    assert "QUIT 221" not in outcome.observed, outcome.observed


def test_a_real_smtp_server_passes():
    """aiosmtpd, as the demo runs it: it answers EHLO, NOOP and QUIT each once asked."""
    server = Smtp()
    server.start()
    try:
        target = make_target({"endpoints": {SMTP["endpoint"]: f"127.0.0.1:{server.port}"}},
                             timeouts={"connect_s": 5, "statement_ms": 10000})
        check = make_check("tcp", SMTP)
        outcome = family.judge(check, family.gather(target, [check]))
    finally:
        server.stop()
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed.startswith("banner 220 'smtp.demo.test") and \
        outcome.observed.endswith(", EHLO 250, NOOP 250, QUIT 221"), outcome.observed


@contextmanager
def dripping_server(payload: bytes, every_s: float = 0.1):
    """Answers each connection with `payload`, one byte every `every_s` (all at once when 0), then closes."""
    def drip(conn, stopping):
        if not every_s:
            conn.sendall(payload)
            return
        for byte in payload:
            if stopping.wait(every_s):
                return
            conn.sendall(bytes([byte]))

    with serving(drip) as port:
        yield port


# -- the demo's servers ------------------------------------------------------------------------
def test_healthy_demo_passes(demo):
    results = evaluate(demo, by_id("J5") + [c for c in by_id("J18") if c.family == "tcp"])
    assert {c.key: o.status for c, o in results.values()} == {
        "J5-clamav-ping": Status.PASSED, "J18-smtp-answers": Status.PASSED, "J18-redis-answers": Status.PASSED}
    observed = {c.key: o.observed for c, o in results.values()}
    assert observed["J5-clamav-ping"].startswith("PONG (ClamAV 1.4.6/")
    assert observed["J18-smtp-answers"].startswith("banner 220 'smtp.demo.test")


@pytest.mark.parametrize("fault, key, seen", [
    ("clamav-down", "J5-clamav-ping", "connection refused"),
    ("clamav-garbled", "J5-clamav-ping", "replied '\\x15\\x03\\x03\\x00\\x02\\x02(' (not a NUL-terminated"),
    ("smtp-down", "J18-smtp-answers", "connection refused"),
])
def test_a_server_off_or_garbling_is_an_error_naming_endpoint_and_reason(demo, fault, key, seen):
    demo.apply(fault)
    results = evaluate(demo, [c for c in by_id(key.split("-")[0]) if c.key == key])
    (check, outcome), = results.values()
    assert outcome.status is Status.ERROR
    text = message(check, outcome)
    assert text.startswith(f"{key} {check.title}: could not look: ")
    assert "at 127.0.0.1:" in text and text.split("did not answer in its protocol: ", 1)[1].startswith(seen)


def test_demo_clamd_speaks_all_three_command_forms():
    clamd = Clamd()
    clamd.start()
    try:
        for sent, reply in [(b"zPING\0", b"PONG\0"), (b"nPING\n", b"PONG\n"), (b"PING\n", b"PONG\n"),
                            (b"zVERSION\0", b"ClamAV 1.4.6/"), (b"nRELOAD\n", b"UNKNOWN COMMAND\n")]:
            with socket.create_connection(("127.0.0.1", clamd.port), timeout=2) as sock:
                sock.sendall(sent)
                assert sock.recv(256).startswith(reply)
    finally:
        clamd.stop()


# -- a real clamd (Debian clamav-daemon) with a signature database made here -----------------
@pytest.mark.needs_real_server
def test_against_real_clamd(tmp_path):
    with real_clamd(tmp_path, None) as port:
        target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}"}})
        check = make_check("tcp", CLAMD)
        outcome = family.judge(check, family.gather(target, [check]))
        assert outcome.status is Status.PASSED, outcome.observed
        assert outcome.observed.startswith("PONG (ClamAV 1.")


@contextmanager
def real_clamd(tmp_path, daily: bytes | None, zone: str = "UTC"):
    """clamd on 127.0.0.1 in time zone `zone`, loading `daily` as its daily database, or none (a local hash
    of a marker made now, so that it starts: no test virus on disk); the port it listens on."""
    binary = real_binary("/usr/sbin/clamd", "clamav-daemon clamav")
    marker = b"opsverify local marker " + os.urandom(16).hex().encode()
    hdb = f"{hashlib.md5(marker).hexdigest()}:{len(marker)}:Local.Opsverify.Marker\n".encode()
    database = tmp_path / "db"
    database.mkdir()
    (database / ("daily.cud" if daily else "local.hdb")).write_bytes(daily or hdb)
    port = free_port()
    config = tmp_path / "clamd.conf"
    config.write_text("\n".join([
        "Foreground yes", f"LogFile {tmp_path / 'clamd.log'}", f"DatabaseDirectory {database}",
        f"TCPSocket {port}", "TCPAddr 127.0.0.1", f"User {getpass.getuser()}", "",
    ]))
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "TZ": zone})
    try:
        wait_until(lambda: _ping(port) == b"PONG\0", "clamd", timeout_s=30, interval_s=0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _ping(port: int) -> bytes:
    async def once():
        return await asyncio.wait_for(family.clamd_exchange("127.0.0.1", port, "PING"), 1)
    try:
        return asyncio.run(once())
    except (OSError, asyncio.TimeoutError):
        return b""


def test_real_server_tests_skip_or_fail_by_the_ci_switch(monkeypatch):
    monkeypatch.delenv("OPSVERIFY_REQUIRE_REAL_SERVERS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y nothing"):
        real_binary("/nonexistent/server", "nothing")
    monkeypatch.setenv("OPSVERIFY_REQUIRE_REAL_SERVERS", "1")
    with pytest.raises(pytest.fail.Exception, match="forbids skipping"):
        real_binary("/nonexistent/server", "nothing")



def test_a_refused_password_is_told_from_a_refusing_server():
    import redis

    assert family._credentials_refused(redis.AuthenticationError("invalid password"))
    assert family._credentials_refused(redis.ResponseError("WRONGPASS invalid username-password pair"))
    assert not family._credentials_refused(redis.ResponseError("LOADING Redis is loading the dataset in memory"))


# -- a Redis that answers PING with an error: its state, or the checker's access -------------------
def test_a_redis_still_loading_fails_with_its_own_words():
    """`-LOADING` reaches redis-py as BusyLoadingError, a ConnectionError: still the server's answer, not silence."""
    outcome = _redis_outcome({"PING": b"-LOADING Redis is loading the dataset in memory\r\n", "INFO": INFO})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == "refused: LOADING Redis is loading the dataset in memory"


@pytest.mark.parametrize("ping, seen", [
    (b"-NOPERM User checker has no permissions to run the 'ping' command\r\n",
     "refused the checker's PING (NOPERM User checker has no permissions to run the 'ping' command);"
     " give the endpoint URL's ACL user +ping"),
    # no password in the URL, and the server wants one: the URL's credentials, as a refused password is
    (b"-NOAUTH Authentication required.\r\n",
     "refused the checker's credentials (NOAUTH Authentication required.); fix the password in the endpoint's URL"),
])
def test_a_ping_the_checker_may_not_send_is_an_error_naming_the_fix(ping, seen):
    outcome = _redis_outcome({"PING": ping, "INFO": INFO})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: ") and outcome.observed.endswith(seen), outcome.observed


def test_a_redis_error_reply_to_ping_is_quoted_as_the_server_said_it():
    outcome = _redis_outcome({"PING": b"-ERR unknown command 'PING'\r\n", "INFO": INFO})
    assert outcome.status is Status.FAILED and outcome.observed == "refused: ERR unknown command 'PING'", outcome


@pytest.mark.parametrize("url, replies, words", [
    ("redis://127.0.0.1:{port}/20", {"SELECT": b"-ERR DB index is out of range\r\n"}, "ERR DB index is out of range"),
    ("redis://:s3cretpass@127.0.0.1:{port}/0", {"AUTH": b"-ERR unknown command 'AUTH', with args beginning with: \r\n"},
     "ERR unknown command 'AUTH'"),
    # an ACL user without +select: redis-py raises NoPermissionError, a ResponseError of its own (said as PING's)
    ("redis://127.0.0.1:{port}/3",
     {"SELECT": b"-NOPERM this user has no permissions to run the 'select' command\r\n"}, "NOPERM this user"),
], ids=["select", "auth", "select-noperm"])
def test_a_refused_connection_setup_is_the_checkers_error_not_the_servers_failure(url, replies, words):
    """redis-py sends SELECT (a database the URL names) or AUTH (a password in it) before PING: refused, PING was
    never sent, and nothing is known of the server's health — as the redis family says of the same URL. It had
    failed, quoting the refusal as PING's answer."""
    outcome = _redis_outcome({**replies, "PING": b"+PONG\r\n", "INFO": INFO}, url)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not look: ") and "refused the checker's connection setup before PING"\
        " was sent" in outcome.observed and words in outcome.observed, outcome.observed


def test_a_code_redis_py_has_no_class_for_is_said_once():
    outcome = _redis_outcome({"PING": b"-BUSY Redis is busy running a script.\r\n", "INFO": INFO})
    assert outcome.status is Status.FAILED and outcome.observed == "refused: BUSY Redis is busy running a script.", \
        outcome.observed


# -- a target's bytes are shown as its text, never as a Python bytes repr ---------------------------
SECRETISH = "CNRYünïΩkey7f3e9Wv"  # non-ASCII: a bytes repr would write it as \xc3\xbc… escapes no one looks for


def test_an_smtp_server_speaking_something_else_is_quoted_as_text():
    with dripping_server(f"hello {SECRETISH}\r\n".encode(), every_s=0) as port:
        target = make_target({"endpoints": {SMTP["endpoint"]: f"127.0.0.1:{port}"}},
                             timeouts={"connect_s": 1, "statement_ms": 1000})
        check = make_check("tcp", SMTP)
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith(f"not SMTP: 'hello {SECRETISH}\\r\\n'"), outcome.observed
    assert "\\xc3" not in str(outcome.evidence) and "b'" not in str(outcome.evidence)


def test_a_redis_speaking_something_else_is_quoted_as_text():
    outcome = _redis_outcome({"PING": f"hello {SECRETISH}\r\n".encode(), "INFO": INFO})
    assert outcome.status is Status.ERROR, outcome
    assert f"Protocol Error: 'hello {SECRETISH}'" in outcome.observed, outcome.observed
    assert "\\xc3" not in outcome.observed + str(outcome.evidence) and "b'" not in outcome.observed


@pytest.mark.parametrize("said, shown", [
    ("Protocol Error: b'hello CNRY\\xc3\\xbc'", "Protocol Error: 'hello CNRYü'"),
    ('Protocol Error: b"it\'s \\xce\\xa9"', "Protocol Error: \"it's Ω\""),
    ("invalid literal for int() with base 10: b'abc'", "invalid literal for int() with base 10: 'abc'"),
    ("cut short: b'CNRY\\xc3\\xbc\\xc3", "cut short: 'CNRYü\ufffd…"),  # a message cut inside the bytes
    ("cut short: b'CNRY\\xc3\\xbc\\x", "cut short: 'CNRYü…"),  # … or inside an escape
    ("Bob's reply b'\\x00\\x01' and b'\\xff'", "Bob's reply '\\x00\\x01' and '\ufffd'"),
])
def test_a_libraries_bytes_repr_is_read_back_as_text(said, shown):
    assert family.unbytes(said) == shown


# -- what a server did send before it went quiet is in the message and the evidence ---------------------------------
def test_a_clamd_that_sends_a_wrong_ending_and_holds_the_connection_is_quoted():
    """`PONG\\n` (no NUL), the connection kept open: the item said only "no complete answer within …"."""
    def clamd(conn, stopping):
        conn.recv(64)
        conn.sendall(b"PONG\n")
        stopping.wait()

    with serving(clamd) as port:
        target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}"}},
                             timeouts={"connect_s": 0.3, "statement_ms": 300})
        check = make_check("tcp", CLAMD)
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("did not answer in its protocol: replied 'PONG\\n' (not a NUL-terminated clamd"
                                     " reply): no complete answer within 0.6 s (connect_s + statement_ms)"), \
        outcome.observed
    assert outcome.evidence["replies"] == {"PING": "'PONG\\n'"}


# -- Redis over a unix socket, a URL saying more than it shows, a reply without end ---------------------------------
def test_a_wrong_password_over_a_unix_socket_is_the_checkers_credentials(tmp_path):
    wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    with unix_redis(tmp_path, {"AUTH": wrongpass}) as (path, _):
        target = make_target({"endpoints": {"redis": f"unix://:pw-{os.urandom(4).hex()}@{path}"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("tcp", REDIS)
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (f"could not look: redis at unix://{path} refused the checker's credentials "
                                "(WRONGPASS invalid username-password pair or user is disabled.); fix the"
                                " password in the endpoint's URL"), outcome.observed


def test_a_redis_url_with_a_query_is_not_usable_and_nothing_is_sent():
    with silent_server() as server:
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{server['port']}/0?protocol=3"}})
        check = make_check("tcp", REDIS)
        outcome = family.judge(check, family.gather(target, [check]))
        assert server["connections"] == 0
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("endpoint 'redis' is not usable: the URL's query sets protocol"), outcome.observed


def test_a_ping_answered_with_400_mib_is_not_read():
    outcome = _redis_outcome({"PING": b"$%d\r\n" % (400 * 2 ** 20), "INFO": INFO})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("did not answer in its protocol: replies of more than 64 KiB: read no further"), \
        outcome.observed


# -- an endpoint no parser reads is an error of its own item only -------------------------------------------------
def _clamd_that_answers(conn: socket.socket, _stopping) -> None:
    """A clamd answering one z-command, zPING or zVERSION, as the real one does, then closing."""
    command = b""
    while not command.endswith(b"\0") and (chunk := conn.recv(64)):
        command += chunk
    conn.sendall(b"PONG\0" if command == b"zPING\0" else b"ClamAV 1.4.6/27831/x\0")


@pytest.mark.parametrize("value", ["[::1:3310", "::1]:3310", "[clamav]:3310", "clamav\uff1a3310",
                                   "tcp://[::1:3310"])
def test_an_endpoint_no_parser_reads_is_an_error_of_its_own_item_only(value):
    """`[::1:3310` (an unclosed '['): urlsplit raised out of `address`, so every tcp item of the system, a healthy
    clamd beside it too, ended "internal error while gathering"."""
    with serving(_clamd_that_answers) as port:
        target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}", "broken": value}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        checks = [make_check("tcp", CLAMD, name="healthy"),
                  make_check("tcp", {"endpoint": "broken", "protocol": "clamd"}, name="broken")]
        facts = family.gather(target, checks)
    healthy, broken = (family.judge(check, facts) for check in checks)
    assert healthy.status is Status.PASSED, healthy
    assert broken.status is Status.ERROR, broken
    assert broken.observed == ("endpoint 'broken' is not usable: not an address a client can read: write host:port, "
                               "or an IPv6 address as [::1]:3310"), broken.observed


@pytest.mark.parametrize("url", ["redis://:pw-Secret99@127.0.0.1:6379 ", "redis://:pw-Secret99@127.0.0.1:6379\u00a0",
                                 "\u3000redis://:pw-Secret99@127.0.0.1:6379", "redis://:pw-Secret99@[::1:6379"])
def test_a_redis_url_no_parser_reads_is_an_error_of_its_own_item_only(url):
    """A REDIS_URL set with a trailing blank: `shown` raised on its port '6379 ', and every tcp item of the system
    ended "internal error while gathering". Its own item is the error, saying nothing of the URL (it holds the
    password); the others are judged."""
    with serving(_clamd_that_answers) as port:
        target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}", "redis": url}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        checks = [make_check("tcp", CLAMD, name="healthy"), make_check("tcp", REDIS, name="spaced")]
        facts = family.gather(target, checks)
    healthy, spaced = (family.judge(check, facts) for check in checks)
    assert healthy.status is Status.PASSED, healthy
    assert spaced.status is Status.ERROR, spaced
    assert spaced.observed.startswith("endpoint 'redis' is not usable: "), spaced.observed
    assert "pw-Secret99" not in spaced.observed + str(spaced.evidence), spaced

# -- an SMTP code shorter than three digits is no SMTP reply ---------------------------------------------------------
@pytest.mark.parametrize("sent", [b"2", b"22", b"2\r\n", b"22 ok\r\n"])
def test_an_smtp_line_whose_code_is_not_three_digits_is_not_smtp(sent):
    """`2` then a close was FAILED as "banner 002 ''", a code the server never sent: a line without a three-digit
    code is no SMTP reply, so the server was not seen speaking SMTP."""
    outcome = _smtp_scripted(sent)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith(f"did not answer in its protocol: not SMTP: {family.quoted(sent)}"), \
        outcome.observed


@pytest.mark.parametrize("value, said", [
    ("smtp://mailer:Hunter2-canary@mail.example:25x", "endpoint 'smtp://mail.example:25x' has an invalid port"),
    ("smtp://mailer:Hunter2-canary@:25", "endpoint 'smtp://:25' names no host"),
])
def test_an_endpoint_that_is_no_address_is_said_without_its_user_and_password(value, said):
    with pytest.raises(GatherError) as raised:
        family.address(value, "smtp")
    assert str(raised.value) == said
    assert "Hunter2" not in str(raised.value) and "mailer" not in str(raised.value)
