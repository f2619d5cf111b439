"""A database's host names are looked up within connect_s, on a thread of their own: libpq looks a name up inside
PQconnectPoll, which psycopg calls holding the interpreter's lock, so a silent name server stopped every thread of
the run (other jobs, the job watchdog, the console) for as long as the resolver waited. Every address of a name is
still tried, in the resolver's order, as libpq tries them."""

from __future__ import annotations

import socket
import subprocess
import threading
from contextlib import contextmanager
from typing import Callable

import pytest
from psycopg.conninfo import conninfo_to_dict

from opsverify.transports import postgres
from opsverify.transports.postgres import Database

from .kit import serving
from .project import Project
from .test_database_hostile import _columns, _fake_postgres, _row

HANG_GUARD_S = 60  # only a guard against hanging: a bounded connect ends in seconds


@contextmanager
def answering(names: dict[str, Callable[[], list[str]]]):
    """getaddrinfo answering each of `names` with the addresses its function returns (it may raise, or block); the
    real answers for any other name. Records the names asked."""
    real, asked = socket.getaddrinfo, []

    def fake(host, port=None, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (a, port or 0)) for a in names[host]()]

    socket.getaddrinfo = fake
    try:
        yield asked
    finally:
        socket.getaddrinfo = real


def _answering_v1(_query: bytes) -> bytes:
    return _columns(("v", 23)) + _row(b"1")


def _ask(url: str, connect_s: float = 5) -> list:
    database = Database(url, connect_timeout_s=connect_s, statement_timeout_ms=5000, label="shop")
    answers: list = []
    asking = threading.Thread(target=lambda: answers.extend(database.query_many(["select v from measured"])),
                              daemon=True)
    asking.start()
    asking.join(HANG_GUARD_S)
    try:
        assert not asking.is_alive(), f"still connecting after {HANG_GUARD_S} s (connect_s {connect_s} s)"
    finally:
        database.close(abort=True)
    return answers


def test_every_address_of_a_name_is_tried_in_the_resolvers_order():
    """The name is looked up here and its addresses handed to libpq: the first (nothing listens there) refuses,
    the second answers — as libpq itself tries every address of a name."""
    with serving(_fake_postgres(_answering_v1)) as port, \
            answering({"db.example.test": lambda: ["127.0.0.2", "127.0.0.1"]}) as asked:
        (answer,) = _ask(f"postgresql://checker:pw@db.example.test:{port}/shop?sslmode=disable")
    assert answer == [{"v": 1}], answer
    assert asked == ["db.example.test"]


def test_a_lookup_that_does_not_end_is_an_error_naming_the_host_and_connect_s():
    released = threading.Event()

    def silent() -> list[str]:
        released.wait(HANG_GUARD_S)
        return ["127.0.0.1"]

    try:
        with answering({"db.silent.test": silent}):
            (answer,) = _ask("postgresql://checker:pw-Zq81kLmn0pQ4@db.silent.test:5432/shop?sslmode=disable",
                             connect_s=1)
    finally:
        released.set()
    assert isinstance(answer, postgres.DatabaseUnavailable) and answer.kind == "unreachable", answer
    assert "could not resolve db.silent.test within 1 s" in str(answer), answer
    assert "pw-Zq81kLmn0pQ4" not in str(answer)


def test_a_name_not_found_is_host_name_not_found_and_the_other_hosts_are_tried():
    def unknown() -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with answering({"gone.example.test": unknown}):
        (answer,) = _ask("postgresql://checker:pw@gone.example.test:5432/shop?sslmode=disable")
    assert isinstance(answer, postgres.DatabaseUnavailable) and "host name not found" in str(answer), answer
    with serving(_fake_postgres(_answering_v1)) as port, \
            answering({"gone.example.test": unknown, "db.example.test": lambda: ["127.0.0.1"]}):
        (answer,) = _ask(f"postgresql://checker:pw@gone.example.test:{port},db.example.test:{port}/shop"
                         "?sslmode=disable")
    assert answer == [{"v": 1}], answer


@pytest.mark.parametrize("name", ["ssl-proxy.example.test", "db.tls.example.test", "gss-primary.example.test"])
def test_a_host_named_with_ssl_tls_or_gss_not_found_is_not_blamed_on_the_urls_settings(name):
    """libpq's words name the host: `ssl` in its name was read as a TLS problem ("check the URL's TLS settings")."""
    def unknown() -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with answering({name: unknown}):
        (answer,) = _ask(f"postgresql://checker:pw@{name}:5432/shop?sslmode=disable")
    said = str(answer)
    assert isinstance(answer, postgres.DatabaseUnavailable) and "host name not found" in said, \
        f"{name}: expected 'host name not found', saw: {said}"
    assert "TLS settings" not in said and "gssencmode" not in said, f"{name}: expected no TLS/GSS advice, saw: {said}"


def test_a_socket_folder_named_with_ssl_and_no_server_is_not_blamed_on_tls(tmp_path):
    folder = tmp_path / "pg-ssl"
    folder.mkdir()  # no server listens in it
    (answer,) = _ask(f"postgresql://checker:pw@/shop?host={folder}")
    said = str(answer)
    assert isinstance(answer, postgres.DatabaseUnavailable) and "connection failed" in said, \
        f"expected 'connection failed' for {folder}, saw: {said}"
    assert "TLS settings" not in said, f"expected no TLS advice for {folder}, saw: {said}"


def test_libpq_is_given_one_address_per_host_and_address_in_order_and_keeps_each_host_name():
    """A Unix socket and a numeric host need no lookup (an empty hostaddr: libpq takes the host); a name of two
    addresses becomes two entries of the list, its port repeated; `host` stays, for TLS verification and messages."""
    closing = threading.Event()
    with answering({"a.example.test": lambda: ["10.0.0.1", "fd00::1", "10.0.0.1"],
                    "b.example.test": lambda: ["10.0.0.2"]}) as asked:
        conninfo, unknown = postgres._with_addresses(
            "host=/run/pg,127.0.0.1,a.example.test,b.example.test,a.example.test port=1,2,3,4,5 user=u"
            " sslmode=verify-full",
            postgres.time.monotonic() + 5, closing)
    got = conninfo_to_dict(conninfo)
    assert got["host"].split(",") == ["/run/pg", "127.0.0.1", "a.example.test", "a.example.test", "b.example.test",
                                      "a.example.test", "a.example.test"], got
    assert got["hostaddr"].split(",") == ["", "", "10.0.0.1", "fd00::1", "10.0.0.2", "10.0.0.1", "fd00::1"], got
    assert got["port"].split(",") == ["1", "2", "3", "3", "4", "5", "5"], got
    assert got["sslmode"] == "verify-full" and unknown == []
    assert sorted(asked) == ["a.example.test", "b.example.test"]  # each name once
    # nothing to look up: the string as it was
    assert postgres._with_addresses("host=127.0.0.1 port=5 user=u", postgres.time.monotonic() + 5,
                                    closing) == ("host=127.0.0.1 port=5 user=u", [])


# -- a real run, its resolver held up in C (where libpq looks names up) -----------------------------------------------
SLOW_RESOLVER = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res) {
    static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    if (!real) real = dlsym(RTLD_NEXT, "getaddrinfo");
    if (node) {
        size_t n = strlen(node), k = strlen(".slow.test");
        if (n > k && strcmp(node + n - k, ".slow.test") == 0) {
            sleep(60);
            return real("127.0.0.1", service, hints, res);
        }
    }
    return real(node, service, hints, res);
}
"""


def test_a_run_whose_name_server_is_silent_ends_near_its_bound(tmp_path):
    """The name's lookup takes 60 s (an LD_PRELOAD getaddrinfo): the run ends near its bound (about 12 s), the item
    an error naming the lookup — not after the 60 s during which libpq held every thread of the process."""
    source = tmp_path / "slowdns.c"
    source.write_text(SLOW_RESOLVER)
    try:
        subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "slowdns.so"), str(source), "-ldl"],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no C compiler to build the slow resolver: {exc}")
    project = Project(tmp_path / "p", {
        "SHOP_DATABASE_URL": "postgresql://checker:pw-Zq81kLmn0pQ4@db.slow.test:5432/shop?sslmode=disable"})
    project.checklist("shop", """
    - {id: S1, name: counted, section: DB, title: a count, family: sql, cadence: postdeploy,
       params: {query: "select 1 as n", expect: {n: {eq: 1}}}}
    """)
    project.environment("timeouts: {connect_s: 1, statement_ms: 1000, database_s: 2, http_s: 2}\n"
                        "systems:\n  shop: {database: \"${SHOP_DATABASE_URL}\"}\n")
    ran = project.run("-m", "postdeploy", "--env", "local", env={"LD_PRELOAD": str(tmp_path / "slowdns.so")})
    assert ran.wall_s < 40, (ran.wall_s, ran.output[-3000:])  # a hang guard: the lookup alone takes 60 s
    assert ran.statuses() == {"S1-counted": "error"}, ran.output[-3000:]
    message = ran.rows()["S1-counted"]["message"]
    assert "could not resolve db.slow.test within 1 s" in message, message
    bound, took = ran.bound_and_took()
    assert took <= bound, (took, bound)
