"""A malformed database URL — a port out of range, an sslmode or query key libpq does not know, an unclosed '[' or
quote — is a configuration error at load: exit 20, one line naming `systems.<system>.database` and what is wrong,
never the URL or its password, no archive. It used to be found only at connect time, as "unreachable" (exit 23, its
items errors, an archive written), libpq's own reason hidden. The check reads the URL with the standard library:
a run loads no driver before it needs one. At run time, libpq's reason for an option it refuses is kept, as a
configuration problem, never with the URL."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict

from opsverify import exitcodes
from opsverify.environment import LIBPQ_KEYWORDS, SSLMODES, address_problem, database_url_problem
from opsverify.transports.postgres import Database, _classify

from .kit import refused_port
from .project import Project

SECRET = "Kanary-TailSecret99"
SQL_ITEM = """\
- {id: D1, name: db, section: Database, title: the database answers, family: sql, cadence: postdeploy,
   params: {query: select 1 as n, expect: {n: {eq: 1}}}}
"""
HTTP_ITEM = """\
- {id: W1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
   params: {service: web, path: /health, status: 200}}
"""


def _one_line_at_load(project: Project, where: str, *fragments: str) -> str:
    """The run ends at load with exit 20 and one line naming `where`; nothing archived, no secret said."""
    ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    lines = [line for line in ran.done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.done.stderr
    assert lines[0].startswith(f"opsverify: environments/local.yaml: {where}: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in ran.output
    assert SECRET not in ran.output and "TailSecret" not in ran.output, ran.output
    reports = project.root / "reports"
    assert not reports.exists() or not any(p.is_file() for p in reports.rglob("*"))
    return lines[0]


# -- at load, in a run -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, said", [
    (f"postgresql://checker:{SECRET}@127.0.0.1:99999/pay", "port 99999 is out of range 1–65535"),
    (f"postgresql://checker:{SECRET}@127.0.0.1:5432/pay?sslmode=bogus", "sslmode 'bogus' is not one of disable, allow"),
    (f"postgresql://checker:{SECRET}@127.0.0.1:5432/pay?bogusopt=1", "'bogusopt' is not a libpq connection parameter"),
    (f"postgresql://checker:{SECRET}@[::1:5432/pay", "a '[' with no ']'"),
    (f"host=127.0.0.1 port=5432 dbname=pay user=checker password='{SECRET}", "a quoted value is never closed"),
    (f"POSTGRESQL://checker:{SECRET}@127.0.0.1:5432/pay", "write the scheme in lowercase"),
    (f"Postgres://checker:{SECRET}@127.0.0.1:5432/pay", "write the scheme in lowercase"),
    (f"postgresql://checker:{SECRET}@127.0.0.1:5432/pay db", "a space inside the database name"),
    (f"postgresql://checker:{SECRET}@127.0.0.1:0/pay", "port 0 is out of range 1–65535"),
], ids=["port", "sslmode", "query-key", "bracket", "unclosed-quote", "upper-scheme", "capitalised-scheme", "space",
        "port-0"])
def test_a_malformed_database_url_is_a_config_error_at_load(tmp_path, url, said):
    project = Project(tmp_path, {"PAY_DATABASE_URL": url})
    project.checklist("payments", SQL_ITEM)
    project.environment('systems: {payments: {database: "${PAY_DATABASE_URL}"}}\n')
    _one_line_at_load(project, "systems.payments.database", said)


def test_a_web_url_port_out_of_range_says_so_without_password_advice(tmp_path):
    project = Project(tmp_path, {"PAY_WEB_URL": "http://127.0.0.1:99999"})
    project.checklist("payments", HTTP_ITEM)
    project.environment('systems: {payments: {services: {web: {url: "${PAY_WEB_URL}"}}}}\n')
    line = _one_line_at_load(project, "systems.payments.services.web.url", "port 99999 is out of range 1–65535")
    assert "no number" not in line and "percent-encoded" not in line and "password" not in line


def test_timeouts_written_as_a_list_name_the_keys_not_a_class(tmp_path):
    project = Project(tmp_path, {"PAY_WEB_URL": "http://127.0.0.1:8000"})
    project.checklist("payments", HTTP_ITEM)
    project.environment('timeouts: [5, 5000]\nsystems: {payments: {services: {web: {url: "${PAY_WEB_URL}"}}}}\n')
    line = _one_line_at_load(project, "timeouts",
                             "must be a mapping (timeouts takes connect_s, statement_ms, database_s and http_s), "
                             "not a list")
    assert "Model" not in line and "dictionary" not in line


# -- the URL checker -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "postgresql://u:p@h1:5432,h2:5433/db",
    "postgresql://u:p@[::1]:5432/db",
    "postgresql://u:p@[::1]/db",
    "postgresql://u:p@[::1],h2:5433/db?target_session_attrs=read-write",
    "postgresql:///db?host=/var/run/postgresql",
    "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
    "postgresql://checker:p%40ss%2Fw%3Ard%25x@db.internal:5432/app",
    "postgresql://u:p@h/db?sslmode=require&application_name=x&connect_timeout=5",
    "postgresql://u:p@h/db?ssl=true",
    "postgresql://u:p@h:/db",
    "postgresql://u:p@h?port=5433",
    "postgresql://u:p@h,h2/db?port=5432,5433",
    "postgresql://",
    "postgres://u:p@localhost:5432/db",
    "postgresql://u@h/db?options=-c%20search_path%3Dapp",
    *(f"postgresql://u:p@h/db?sslmode={mode}" for mode in SSLMODES),
    "host=h dbname=d user=u password='a b'",
    "host=h dbname=d user=u password='it\\'s'",
    "  host = h   port = 5432 dbname=d sslmode=verify-full  ",
    "host=h password=a\\ b dbname=d",
    "host=/var/run/postgresql dbname=d port=",
    # the host part ends at '?' as well as '/': the '@' in the query is the value's own
    "postgresql://postgres@127.0.0.1:54871?application_name=ops@ci",
    "postgresql://u:p@h?application_name=a@b&sslmode=require",
    # key=value whose value is a URL: only a text starting with postgresql:// or postgres:// is a URL
    "host=h dbname=app application_name=https://ci.example.com/job/1",
    "host=h sslrootcert=/etc/ssl/ca.pem application_name=x://y",
    # ports as libpq reads them (strtol: a sign, leading zeros, blanks around)
    "postgresql://u@h:+5432/db",
    "postgresql://u@h/db?port=+5432",
    "postgresql://u@h/db?port=05432",
    "host=h port=' 5432 '",
    # libpq trims the blanks around each part of a URL; only one inside a part is refused
    "postgresql://u@h/db ",
    "postgresql://u@h/db? application_name=x",
])
def test_healthy_database_urls_pass(url):
    assert database_url_problem(url) is None
    conninfo_to_dict(url)  # and libpq's own parser takes it


@pytest.mark.parametrize("url", [
    "POSTGRESQL://u:p@localhost/db",
    "Postgres://u:p@localhost/db",
    " postgresql://u:p@localhost/db",
    "postgresql://u:p@localhost/my db",
    "postgresql://u:p a@localhost/db",
    "postgresql://u@localhost/db?application_name=a b",
    "postgresql://u@local host/db",
])
def test_what_libpqs_parser_refuses_is_refused(url):
    """libpq reads a URL only after the lowercase `postgresql://` or `postgres://` at the very start (anything else
    is its key=value form, which these are not), and refuses a blank inside a part of one ("unexpected spaces")."""
    with pytest.raises(psycopg.ProgrammingError):
        conninfo_to_dict(url)
    problem = database_url_problem(url)
    assert problem is not None and "TailSecret" not in problem


def test_a_misspelt_scheme_or_a_space_is_said_without_the_url():
    assert database_url_problem(f"POSTGRESQL://c:{SECRET}@h/db") == (
        "write the scheme in lowercase, postgresql:// or postgres://: libpq reads any other spelling as its "
        "key=value form, and refuses it")
    assert database_url_problem(f" postgresql://c:{SECRET}@h/db") == (
        "a blank before postgresql://: libpq then reads the text as its key=value form, and refuses it; remove it")
    for url, part in [(f"postgresql://c:{SECRET}@h/my db", "the database name"),
                      (f"postgresql://c:{SECRET} x@h/db", "the user or password"),
                      (f"postgresql://c:{SECRET}@h/db?application_name=a b", "query parameter 1"),
                      (f"postgresql://c:{SECRET}@h1, h2/db", "the host")]:
        problem = database_url_problem(url)
        assert problem == (f"a space inside {part}, which libpq refuses (\"unexpected spaces found\"): write it as "
                           "%20"), (url, problem)
    assert database_url_problem(f"mysql://c:{SECRET}@h/db") == (
        "a 5-letter URL scheme where postgresql:// or postgres:// belongs")


@pytest.mark.parametrize("url, said", [
    ("postgresql://u@h:-5432/db", "port -5432 is out of range 1–65535"),
    ("postgresql://u@h/db?port=+0", "port 0 is out of range 1–65535"),
    ("host=h port='  '", "a port that is no number"),
    ("host=h port=5432x", "a port that is no number"),
])
def test_ports_libpq_refuses_at_connect_are_refused(url, said):
    problem = database_url_problem(url)
    assert problem is not None and said in problem, problem


def test_a_signed_port_reaches_the_server_and_port_0_does_not():
    """libpq reads a port as strtol does: `+<port>` is that port (asked, here refused by nobody listening), 0 is
    "invalid port number" before anything is sent."""
    closed = refused_port()
    for url, kind in [(f"postgresql://u@127.0.0.1:+{closed}/db", "unreachable"),
                      ("postgresql://u@127.0.0.1:0/db", "config")]:
        database = Database(url, connect_timeout_s=5, statement_timeout_ms=1000, label="systems.pay.database")
        with pytest.raises(Exception):
            database.connect()
        assert database.unavailable is not None and database.unavailable.kind == kind, (url, database.unavailable)


@pytest.mark.parametrize("url, said", [
    (f"postgresql://c:{SECRET}@h:0/db", "port 0 is out of range 1–65535"),
    (f"postgresql://c:{SECRET}@h1:5432,h2:70000/db", "port 70000 is out of range 1–65535"),
    (f"postgresql://c:{SECRET}@h:54x2/db", "a port that is no number"),
    (f"postgresql://c:{SECRET}@::1:5432/db", "a port that is no number"),
    (f"postgresql://c:{SECRET}@h/db?port=99999", "port 99999 is out of range 1–65535"),
    (f"postgresql://c:{SECRET}@h/db?sslmode=Require", "sslmode 'Require' is not one of"),
    (f"postgresql://c:{SECRET}@h/db?ssl_mode=require", "'ssl_mode' is not a libpq connection parameter; did you mean "
                                                       "sslmode?"),
    (f"postgresql://c:{SECRET}@[]:5432/db", "an empty '[]'"),
    (f"postgresql://c:{SECRET}@[::1]x/db", "after ']'"),
    (f"postgresql://c:{SECRET}@::1]:5432/db", "a ']' with no '['"),
    (f"postgresql://c:{SECRET}@h/db?options=-csearch_path=app", "a second '='"),
    (f"postgresql://c:{SECRET}@h/db?sslmode", "no '='"),
    (f"postgresql://c:{SECRET}50%@h/db", "a '%' not followed by two hexadecimal digits"),
    (f"postgresql://c:{SECRET}%00@h/db", "%00"),
    ("host=h password=Kanary TailSecret99 dbname=d", "word 3 has no '=' after it"),
    ("host=h port=99999", "port 99999 is out of range 1–65535"),
    ("host=h sslmode=bogus", "sslmode 'bogus' is not one of"),
    ("host=h dbnme=d", "'dbnme' is not a libpq connection parameter; did you mean dbname?"),
    (f"host=h password='{SECRET}", "a quoted value is never closed"),
])
def test_malformed_database_urls_are_named_without_their_secret(url, said):
    problem = database_url_problem(url)
    assert problem is not None and said in problem, problem
    assert "TailSecret" not in problem and "Kanary" not in problem


@pytest.mark.parametrize("url", [
    "postgresql://checker:KanaryTailSecret99@h/db?sslmode=KanaryTailSecret99x",
    "host=h password=KanaryTailSecret99 sslmode=xKanaryTailSecret99",
])
def test_an_sslmode_that_holds_the_password_is_not_quoted(url):
    problem = database_url_problem(url)
    assert problem is not None and problem.startswith("sslmode is not one of"), problem
    assert "TailSecret" not in problem


def test_a_key_that_is_part_of_a_password_is_not_quoted():
    """`password=ab&cdsecret=1`: libpq reads `cdsecret` as a key; naming it would print part of the password."""
    problem = database_url_problem("postgresql://u@h/db?password=Kanary&TailSecret99=1")
    assert problem is not None and "not a libpq connection parameter" in problem
    assert "TailSecret" not in problem


def test_a_prisma_parameter_is_said_to_be_prismas():
    """A DATABASE_URL copied from a Prisma app (Supabase's pooler URL holds ?pgbouncer=true): libpq refuses it, and
    the fix is another URL, not a libpq keyword it resembles."""
    problem = database_url_problem("postgres://postgres.abcd:TailSecret@aws-0-eu.pooler.supabase.com:6543/postgres"
                                   "?pgbouncer=true&connection_limit=1")
    assert problem == ("query parameter 'pgbouncer' is not a libpq connection parameter (it is Prisma's, which libpq "
                       "refuses: give opsverify the URL without it — a read-only checker role's, README: The checker "
                       "role)"), problem


@pytest.mark.parametrize("url", [
    "postgresql://u:p@h/db?application_name=ops@ci",  # an '@' in the query is the value's own
    "postgresql://u:p@h/db?sslrootcert=/etc/certs/@corp/ca.pem",
    "postgresql://u:p@h/db@prod",  # after the user info: the database's name
    "postgresql://u:p@h/db?requiressl=1",  # an older name libpq still takes
])
def test_what_libpq_reads_as_written_loads(url):
    assert database_url_problem(url) is None


@pytest.mark.parametrize("url", [
    "postgresql://u@h/db?sslmode=require&sslpassword=Tr0ub&TailSecret=Staple9",
    "postgresql://u@h/db?oauth_client_secret=Kanary&TailSecret=1",
    "host=h sslpassword=Kanary TailSecret=1",
])
def test_a_key_that_is_part_of_any_secret_keyword_is_not_quoted(url):
    """libpq's other secrets (sslpassword, oauth_client_secret, scram keys) are cut by an unescaped '&' or space as a
    password is: the key after one may be its rest, and is named by number only."""
    problem = database_url_problem(url)
    assert problem is not None and "not a libpq connection parameter" in problem, problem
    assert "TailSecret" not in problem and "it follows the password" in problem, problem


def test_every_keyword_libpq_knows_is_taken():
    """The list is libpq's documented one: the installed libpq knows no keyword the check would refuse."""
    installed = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    assert installed - LIBPQ_KEYWORDS == set()


def test_the_check_loads_no_driver():
    """A run that asks no database loads no driver (the start-up benchmark fails on psycopg at collection)."""
    code = ("import sys; from opsverify.environment import database_url_problem as p; "
            "assert p('postgresql://u:p@h:99999/d?sslmode=bogus'); assert p(\"host=h password='x\"); "
            "assert 'psycopg' not in sys.modules, sorted(m for m in sys.modules if 'psycopg' in m)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_an_address_port_out_of_range_is_said_as_such():
    assert address_problem("http://127.0.0.1:99999") == "port 99999 is out of range 1–65535"
    assert address_problem("https://example.com:70000/x") == "port 70000 is out of range 1–65535"
    # digits that are the start of a password cut short by its '#': never said, the escaping advice instead
    problem = address_problem("redis://:99999999#tail@127.0.0.1:6390/0")
    assert problem is not None and "99999999" not in problem and "percent-encoded" in problem


@pytest.mark.parametrize("url, problem", [
    ("unix:///run/redis.sock?db=3", None),
    ("unix://:pw-Secret99@/run/redis.sock?db=3", None),  # redis-py's form for a password over a unix socket
    ("unix://checker:pw-Secret99@/run/redis.sock", None),
    ("unix://:pw#cut@/run/redis.sock", "percent-encoded"),  # the '#' ends the address: a host 'cut@' is left
    ("unix://redis.internal/run/redis.sock", "not an address a client can read"),  # a socket has no host
])
def test_a_unix_socket_url_may_carry_a_password_but_no_host(url, problem):
    """`unix://:PASSWORD@/path.sock` was refused at load as an address with no host, so a Redis behind a unix
    socket with a password could not be checked at all (the family reads it, its tests built targets directly)."""
    said = address_problem(url)
    assert (said is None) if problem is None else (said is not None and problem in said), said


# -- at run time: libpq's reason kept, as a configuration problem -----------------------------------------------------
@pytest.mark.parametrize("text, said", [
    ('connection is bad: invalid port number: "99999"', "invalid port number"),
    ('connection is bad: invalid sslmode value: "bogus"', "invalid sslmode value"),
    ('connection is bad: invalid gssencmode value: "bogus"', "invalid gssencmode value"),
    ('invalid connection option "bogusopt"', "invalid connection option"),
    ('missing "=" after "TailSecret99" in connection info string', 'missing "=" after a word'),
    ('connection is bad: invalid integer value "x" for connection option "port"', "invalid integer value"),
])
def test_libpqs_reason_for_a_refused_option_is_kept_as_a_config_problem(text, said):
    found = _classify(psycopg.OperationalError(text), "environments/local.yaml: systems.pay.database", "h:5432/db", 5)
    assert found.kind == "config"
    assert said in found.message and "TailSecret" not in found.message
    assert "cannot reach" not in found.message


SERVER = 'connection to server at "127.0.0.1", port 5432 failed: '


@pytest.mark.parametrize("fatal, kind, said", [
    # the role's name holds "database": the login was refused, the database exists
    ('FATAL:  role "database_reader" does not exist', "credentials", "refused the login: the role does not exist"),
    ('FATAL:  role "nologin_r" is not permitted to log in', "credentials", "the role may not log in (NOLOGIN)"),
    ('FATAL:  pg_hba.conf rejects connection for host "127.0.0.1", user "rejectme", database "app", no encryption',
     "credentials", "pg_hba.conf rejects this host, user and database"),
    ('FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "x", database "app", no encryption', "credentials",
     "pg_hba.conf has no entry"),
    ('FATAL:  permission denied for database "app"\nDETAIL:  User does not have CONNECT privilege.', "credentials",
     "the role lacks CONNECT on the database"),
    ('FATAL:  database "role_timeout_refused" does not exist', "unreachable", "does not exist; check the database name"),
    ('FATAL:  password authentication failed for user "checker"', "credentials", "rejected the credentials"),
    # a database's name holding what a refusal says: read from the start of the server's first FATAL only
    ('FATAL:  database "x\nFATAL:  role "x" does not exist" does not exist', "unreachable",
     "does not exist; check the database name"),
    ('FATAL:  database "authentication failed" does not exist', "unreachable", "does not exist; check the database"),
    # turned away for the server's own reason: said in its words
    ("FATAL:  sorry, too many clients already", "unreachable", "refused the connection: sorry, too many clients"),
    ("FATAL:  the database system is starting up", "unreachable", "refused the connection: the database system is"),
    # a setting the URL asks for at start-up (options=-c …): the URL's fault, not the server's state
    ('FATAL:  invalid value for parameter "TimeZone": "Europe/Berln"', "config",
     "refused a setting the database URL asks for at start-up: invalid value for parameter"),
    ('FATAL:  unrecognized configuration parameter "statment_timeout"', "config", "fix it in the environment file"),
    ('FATAL:  parameter "wal_level" cannot be changed without restarting the server', "config",
     "the database URL asks for at start-up"),
    ('FATAL:  permission denied to set parameter "log_statement"', "config", "the database URL asks for"),
    ('FATAL:  -1 ms is outside the valid range for parameter "lock_timeout" (0 .. 2147483647)', "config",
     "the database URL asks for at start-up: -1 ms is outside the valid range"),
    ("FATAL:  -c work_mem requires a value", "config", "the database URL asks for at start-up: -c work_mem"),
])
def test_a_server_that_refuses_the_login_is_told_from_one_not_reached(fatal, kind, said):
    """The server was reached and refused the URL's user: the credentials (exit 24), said as such — a role missing,
    NOLOGIN or a pg_hba.conf reject had read "cannot reach … check that it is reachable" (exit 23), and a role named
    database_reader "database … does not exist"."""
    found = _classify(psycopg.OperationalError(SERVER + fatal), "environments/local.yaml: systems.pay.database",
                      "h:5432/app", 5)
    assert found.kind == kind and said in found.message, found.message
    assert "cannot reach" not in found.message


@pytest.mark.parametrize("url, said", [
    (f"postgresql://c:{SECRET}@127.0.0.1:99999/pay", "invalid port number"),
    (f"postgresql://c:{SECRET}@127.0.0.1:5432/pay?gssencmode=bogus", "invalid gssencmode value"),
    (f"postgresql://c:{SECRET}@[::1:5432/pay", 'matching "]" in IPv6 host address'),
    ("host=127.0.0.1 password=Kanary TailSecret99", 'missing "=" after a word'),
])
def test_connecting_with_a_url_libpq_refuses_is_a_config_problem(url, said):
    database = Database(url, connect_timeout_s=2, statement_timeout_ms=1000, label="systems.pay.database")
    with pytest.raises(Exception) as raised:
        database.connect()
    problem = database.unavailable
    assert problem is not None and raised.value is problem
    assert problem.kind == "config" and said in problem.message, problem.message
    assert "TailSecret" not in problem.message and "Kanary" not in problem.message


@pytest.mark.parametrize("text, said", [
    (SERVER + "server is in hot standby mode", "127.0.0.1:5432: server is in hot standby mode; the URL's"
     " target_session_attrs asks for a primary"),
    (SERVER + 'root certificate file "/home/ops/.postgresql/root.crt" does not exist\nEither provide the file, use the'
     ' system\'s trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.',
     "root.crt\" does not exist; check the URL's TLS settings (sslmode, sslrootcert"),
    ('connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or directory\n\tIs the'
     " server running locally and accepting connections on that socket?",
     "connection failed (libpq: /run/postgresql/.s.PGSQL.5432: No such file or directory); check the URL"),
    (SERVER + "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
     "connection refused; check the URL"),  # one attempt: its reason is the whole story
    ('could not translate host name "db.internal" to address: Name or service not known\n',
     "host name not found; check the URL"),
])
def test_libpqs_own_reason_for_not_connecting_is_kept_with_the_setting_it_points_at(text, said):
    """libpq's reason was dropped unless it held a few words: a standby taken for a primary, a missing root
    certificate, a socket that is not there read "connection failed; check … reachable"."""
    found = _classify(psycopg.OperationalError("connection failed: " + text), "systems.pay.database", "h:5432/app", 5)
    assert found.kind == "unreachable" and said in found.message, found.message
    assert "Is the server running" not in found.message and "\n" not in found.message, found.message


# a host or a socket folder whose name holds a word a setting's reason holds (ssl, tls, gss, refused, timeout)
_NAMED = 'connection to server at "{}" (10.0.0.5), port 5432 failed: '


@pytest.mark.parametrize("text, said", [
    ('could not translate host name "ssl-proxy.corp" to address: Name or service not known\n', "host name not found"),
    ('could not translate host name "db.tls.corp" to address: Name or service not known\n', "host name not found"),
    ('could not translate host name "gss-primary" to address: Name or service not known\n', "host name not found"),
    ('could not translate host name "refused.corp" to address: Name or service not known\n', "host name not found"),
    ('could not translate host name "timeout-db" to address: Name or service not known\n', "host name not found"),
    ('could not translate host name "ssl-proxy.corp" to address: Name or service not known\n'
     'could not translate host name "gss-replica.corp" to address: Temporary failure in name resolution\n',
     "host name not found"),
    (_NAMED.format("ssl-proxy.corp") + "Connection refused\n\tIs the server running on that host and accepting"
     " TCP/IP connections?", "connection refused; check the URL"),
    (_NAMED.format("db.tls.corp") + "Network is unreachable", "connection failed (libpq: db.tls.corp:5432:"),
    (_NAMED.format("gss-primary") + "No route to host", "connection failed (libpq: gss-primary:5432:"),
    ('connection to server on socket "/srv/pg-ssl/.s.PGSQL.5432" failed: No such file or directory\n\tIs the'
     " server running locally and accepting connections on that socket?",
     "connection failed (libpq: /srv/pg-ssl/.s.PGSQL.5432: No such file or directory)"),
    ('could not translate host name "gss-primary" to address: Name or service not known\n'
     + _NAMED.format("db.tls.corp") + "Connection refused", "connection refused"),
])
def test_a_hosts_name_is_never_read_as_libpqs_reason(text, said):
    """The words that point at a setting (SSL, TLS, GSS) or a kind of failure (refused, timeout) are looked for in
    libpq's reason for each attempt, never in the host's name or the socket's path it names: an unreachable
    `ssl-proxy.corp` was told to check the URL's TLS settings, not that its name was not found."""
    found = _classify(psycopg.OperationalError("connection failed: " + text), "systems.pay.database", "h:5432/app", 5)
    assert found.kind == "unreachable" and said in found.message, f"expected {said!r}, saw: {found.message}"
    for advice in ("TLS settings", "gssencmode", "connect timeout"):
        assert advice not in found.message, f"expected no {advice!r} advice, saw: {found.message}"


def test_every_host_name_not_found_is_named():
    """Each host the lookup did not find is said, not only the first."""
    text = ('could not translate host name "ssl-proxy.corp" to address: Name or service not known\n'
            'could not translate host name "gss-replica.corp" to address: Name or service not known\n')
    found = _classify(psycopg.OperationalError("connection failed: " + text), "systems.pay.database", "h:5432/app", 5)
    assert '"ssl-proxy.corp"' in found.message and '"gss-replica.corp"' in found.message, found.message


@pytest.mark.parametrize("text, fix", [
    (_NAMED.format("db") + "SSL error: certificate verify failed", "check the URL's TLS settings"),
    (_NAMED.format("db") + "GSSAPI encryption required but was impossible (possibly no credential cache, no server"
     " support, or using a local socket)", "check the URL's gssencmode"),
    ('could not translate host name "gone.corp" to address: Name or service not known\n'
     + _NAMED.format("db") + "server does not support SSL, but SSL was required", "the URL's sslmode requires TLS"),
])
def test_a_reason_that_points_at_a_setting_still_names_it(text, fix):
    found = _classify(psycopg.OperationalError("connection failed: " + text), "systems.pay.database", "h:5432/app", 5)
    assert fix in found.message, f"expected {fix!r}, saw: {found.message}"
