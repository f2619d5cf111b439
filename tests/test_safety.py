"""Read-only by default, mutating checks refused where forbidden, and secrets never leave."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from dataclasses import replace
import secrets
from pathlib import Path

import psycopg
import pytest

from opsverify import exitcodes

from opsverify.errors import GatherError
from opsverify.outcome import Status
from opsverify.transports.http import Probe, guard
from opsverify.errors import Refused
from opsverify.transports.postgres import CLOSED, Database, DatabaseUnavailable

from .helpers import CHECKS, ROOT, evaluate, interruptible, run_pytest
from .project import Project, scratch_database


def test_database_session_refuses_writes(demo):
    """Even a superuser session opened by the suite cannot write: the database refuses it."""
    database = Database(demo.admin_url("cheersai"), connect_timeout_s=5, statement_timeout_ms=2000, label="test")
    try:
        with pytest.raises(GatherError, match="read-only transaction"):
            database.query("insert into cron.job (schedule, command) values ('* * * * *', 'select 1')")
        with pytest.raises(GatherError, match="read-only transaction"):
            database.query("update public.publish_jobs set status = 'failed'")
        assert database.query("select count(*) as n from cron.job")[0]["n"] >= 1
    finally:
        database.close()


def test_database_statement_timeout(demo):
    database = Database(demo.admin_url("cheersai"), connect_timeout_s=5, statement_timeout_ms=300, label="test")
    try:
        with pytest.raises(GatherError, match="statement timeout"):
            database.query("select pg_sleep(5)")
    finally:
        database.close()


def test_closing_a_session_stops_the_statement_in_flight_and_cancels_it_on_the_server(demo):
    """Ctrl-C (or -x) closes the run's sessions while a slow statement is in flight: the close must not wait for it
    (up to timeouts.database_s, every further Ctrl-C ignored meanwhile), and the server must not go on running it
    for the checker, up to its statement_timeout, once the run is gone; nor may a later question open a new session."""
    import threading
    import time

    import psycopg

    marker = f"opsverify_close_{secrets.token_hex(4)}"
    database = Database(demo.admin_url("cheersai"), connect_timeout_s=5, statement_timeout_ms=600_000, label="test",
                        budget_s=600)
    raised: list[BaseException] = []

    def ask() -> None:
        try:
            database.query(f"select pg_sleep(300) as {marker}")
        except BaseException as exc:  # noqa: BLE001 - what the asking thread saw, for the assertions
            raised.append(exc)

    def running() -> int:
        with psycopg.connect(demo.admin_url("cheersai"), autocommit=True) as conn:
            return conn.execute("select count(*) from pg_stat_activity where state = 'active' and query like %s",
                                (f"%as {marker}%",)).fetchone()[0]

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    deadline = time.monotonic() + 60
    while not running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running() == 1
    other = threading.Thread(target=database.close, daemon=True)  # a job done with the session it shares: waits
    other.start()
    other.join(1.0)
    assert other.is_alive() and asking.is_alive()  # neither cut short (1 s of a 300 s statement)
    database.close(abort=True)  # from another thread, as the run's end does (Target.close)
    asking.join(120)  # the statement sleeps 300 s: a close that waited for it would still be waiting
    other.join(120)
    assert not asking.is_alive() and not other.is_alive()
    assert len(raised) == 1 and "not waited for: the run ended before it answered" in str(raised[0])
    deadline = time.monotonic() + 120
    while running() and time.monotonic() < deadline:  # cancelled, not left to its 600 s statement_timeout
        time.sleep(0.2)
    assert running() == 0
    assert database.unavailable is None  # the database did nothing wrong
    with pytest.raises(DatabaseUnavailable, match="the run ended before it was sent") as ended:
        database.query("select 1 as one")  # the run is over: no session is opened for a job still running
    assert ended.value.kind == CLOSED


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_run_interrupted_while_a_statement_runs_has_it_cancelled_before_it_exits(demo, tmp_path, signum):
    """Ctrl-C or SIGTERM while an item's statement runs: the run ends (exit 2), and the server must not go on running
    the statement up to its statement_timeout (120 s here) — the cancel request was sent from a daemon thread that
    the exiting interpreter killed first. The hang guard (60 s after the exit) is only that: far below the 120 s."""
    marker = f"opsverify_interrupted_{secrets.token_hex(4)}"
    with scratch_database(demo, "select 1") as db:
        project = Project(tmp_path, {"DB_URL": db["url"]})
        project.checklist("data", f"""
        - {{id: D1, name: slow, section: S, title: slow, family: sql, cadence: postdeploy,
           params: {{query: "select count(*) as n from pg_sleep(300) as {marker}", expect: {{n: {{eq: 1}}}}}}}}
        """)
        project.environment("""
        timeouts: {connect_s: 5, statement_ms: 120000, database_s: 600}
        systems: {data: {database: "${DB_URL}"}}
        """)
        command, env = project.command("-m", "postdeploy", "--env", "local")
        active = ("select count(*) from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()"
                  f" and query like '%{marker}%'")
        run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, preexec_fn=interruptible)
        try:
            with psycopg.connect(db["admin"], autocommit=True) as conn:
                deadline = time.monotonic() + HANG_GUARD_S
                while run.poll() is None and not conn.execute(active).fetchone()[0] and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert run.poll() is None and conn.execute(active).fetchone()[0] == 1, \
                    f"D1: expected its statement running on the server before the signal, saw exit {run.poll()}"
                run.send_signal(signum)
                output, _ = run.communicate(timeout=HANG_GUARD_S)
                assert run.returncode == exitcodes.INTERRUPTED, (run.returncode, output[-3000:])
                deadline = time.monotonic() + HANG_GUARD_S
                while conn.execute(active).fetchone()[0] and time.monotonic() < deadline:
                    time.sleep(0.2)
                left = conn.execute(active).fetchone()[0]
            assert left == 0, (f"D1: expected its statement cancelled once the run exited ({signal.Signals(signum).name}),"
                               f" saw it still running on the server {HANG_GUARD_S} s later")
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()


HANG_GUARD_S = 60  # only a guard against hanging: well below the statement's own 120 s statement_timeout


def test_a_run_interrupted_opens_no_new_session_and_leaves_no_checker_backend(demo, tmp_path):
    """Ctrl-C while several systems' statements run: each was cancelled, but a job still running went on to its next
    question and opened a brand-new session for it — the run's end had reopened the database — and sent the statement
    again, left running on the server (up to its 120 s statement_timeout) once the process was gone. Once the run has
    exited, no backend of the checker's is left in the database. (The hang guard is only that: far below 120 s.)"""
    from opsverify_demo.deployment import CHECKER

    marker = f"opsverify_reopened_{secrets.token_hex(4)}"
    systems = 4  # each its own session: every one a chance to reopen
    with scratch_database(demo, "select 1") as db:
        project = Project(tmp_path, {"DB_URL": db["url"]})
        for i in range(systems):
            project.checklist(f"s{i}", f"""
            - {{id: D1, name: slow, section: S, title: slow, family: sql, cadence: postdeploy,
               params: {{query: "select count(*) as n from pg_sleep(300) as {marker}", expect: {{n: {{eq: 1}}}}}}}}
            """)
        project.environment("timeouts: {connect_s: 5, statement_ms: 120000, database_s: 600}\nsystems:\n"
                            + "".join(f"  s{i}: {{database: \"${{DB_URL}}\"}}\n" for i in range(systems)))
        command, env = project.command("-m", "postdeploy", "--env", "local")
        active = ("select count(*) from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()"
                  f" and query like '%{marker}%'")
        checkers = f"select count(*) from pg_stat_activity where datname = %s and usename = '{CHECKER}'"
        run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, preexec_fn=interruptible)
        try:
            with psycopg.connect(db["admin"], autocommit=True) as conn:
                deadline = time.monotonic() + HANG_GUARD_S
                while (run.poll() is None and conn.execute(active).fetchone()[0] < systems
                       and time.monotonic() < deadline):
                    time.sleep(0.1)
                assert run.poll() is None and conn.execute(active).fetchone()[0] == systems, \
                    f"expected the {systems} statements running before the signal, saw exit {run.poll()}"
                run.send_signal(signal.SIGINT)
                output, _ = run.communicate(timeout=HANG_GUARD_S)
                assert run.returncode == exitcodes.INTERRUPTED, (run.returncode, output[-3000:])
                deadline = time.monotonic() + HANG_GUARD_S
                while conn.execute(checkers, (db["name"],)).fetchone()[0] and time.monotonic() < deadline:
                    time.sleep(0.2)
                left = conn.execute("select state, left(query, 60) from pg_stat_activity where datname = %s and"
                                    f" usename = '{CHECKER}'", (db["name"],)).fetchall()
            assert not left, (f"expected no checker backend once the run exited (Ctrl-C), saw {len(left)}"
                              f" {HANG_GUARD_S} s later: {left}")
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()


def test_http_transport_sends_only_safe_methods():
    guard(Probe("GET", "http://127.0.0.1/"))
    guard(Probe("HEAD", "http://127.0.0.1/"))
    with pytest.raises(Refused):
        guard(Probe("POST", "http://127.0.0.1/"))
    with pytest.raises(Refused):
        guard(Probe("DELETE", "http://127.0.0.1/"))
    guard(Probe("POST", "http://127.0.0.1/", mutating=True))


def _env_dir_without_mutation(tmp_path: Path) -> Path:
    env_dir = tmp_path / "environments"
    env_dir.mkdir()
    text = (ROOT / "environments" / "demo.yaml").read_text()
    (env_dir / "demo.yaml").write_text(text.replace("allow_mutating: true", "allow_mutating: false"))
    return env_dir


def test_mutating_checks_are_skipped_where_forbidden(demo, tmp_path):
    mutating = [c for c in CHECKS if c.mutating]
    assert mutating, "the checklists have mutating items (S2, C5)"
    results = evaluate(demo, mutating, env_dir=_env_dir_without_mutation(tmp_path))
    for check, outcome in results.values():
        assert outcome.status is Status.SKIPPED
        assert "allow_mutating: false" in outcome.observed
    allowed = evaluate(demo, mutating)
    assert {o.status for _, o in allowed.values()} == {Status.PASSED}


def test_prod_forbids_mutation_by_default():
    assert "allow_mutating: false" in (ROOT / "environments" / "prod.yaml").read_text()


def test_canary_secret_never_leaves(tmp_path):
    """Plant a canary: every demo secret (database passwords, cron and admin secrets, shared JWT secret,
    platform API tokens, the Redis password, the RPC API key ...) starts with it. Run every cadence with
    faults that make checks fail on secret-bearing targets, and search everything produced: the console
    and every archived file."""
    canary = "canary" + secrets.token_hex(12)
    reports = tmp_path / "reports"
    result = run_pytest(
        "checks", "-p", "no:cacheprovider", "--env", "demo", "-m", "postdeploy or daily or weekly or monthly",
        "--reports-dir", str(reports), "--demo-fault", "jwt-secret-mismatch", "--demo-fault", "cron-open",
        "--demo-fault", "vercel-secret-stale", "--demo-fault", "redis-backlog", "--demo-fault", "rpc-unhealthy",
        "-rA", "-vv", env={"OPSVERIFY_DEMO_CANARY": canary}, timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # the faults make checks fail, so secrets were handled
    assert "J3-" in output and "differs across services" in output
    assert canary not in output
    archives = [p for p in (reports / "demo").iterdir() if not p.name.startswith(".")]
    assert len(archives) == 1
    files = [p for p in archives[0].rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        data = path.read_bytes()
        assert canary.encode() not in data, f"canary found in {path}"
    manifest = (archives[0] / "manifest.json").read_text()
    assert '"redactions_applied": 0' in manifest  # redaction happened at the source, not by the safety net
    assert re.search(r"hmac:[0-9a-f]{8}", (archives[0] / "results.json").read_text())


def test_archive_is_complete_and_hashed(tmp_path):
    import hashlib
    import json

    reports = tmp_path / "reports"
    result = run_pytest("checks", "-p", "no:cacheprovider", "--env", "demo", "-m", "postdeploy",
                        "--system", "cheersai", "--reports-dir", str(reports), "--deploy-id", "abc123")
    assert result.returncode == 0, result.stdout + result.stderr
    (archive,) = [p for p in (reports / "demo").iterdir()]
    assert archive.name.endswith("_abc123") and not archive.name.startswith(".")
    assert f"archive: {archive}" in result.stdout or "archive: " in result.stdout
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["env"] == "demo" and manifest["deploy_id"] == "abc123"
    assert manifest["counts"]["failed"] == 0 and manifest["counts"]["passed"] > 0
    assert manifest["started"] <= manifest["ended"]
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((archive / name).read_bytes()).hexdigest() == digest
    assert any(name.startswith("allure-results/") and name.endswith("-result.json") for name in manifest["files"])
    results = json.loads((archive / "results.json").read_text())
    assert {row["system"] for row in results["checks"]} == {"cheersai"}


def test_since_the_deploy_uses_the_deploy_time(demo):
    """T8 counts error events since --deployed-at; without it, its own 60-minute window."""
    import datetime as dt

    t8 = [c for c in CHECKS if c.key == "T8-no-error-or-denied-events"]
    assert evaluate(demo, t8)["commit-to-ship:" + t8[0].key][1].status is Status.PASSED
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    (check, outcome), = evaluate(demo, t8, deployed_at=long_ago).values()
    assert outcome.status is Status.FAILED  # the demo holds an older *_error event
    assert outcome.evidence["deployed_at"].startswith("2020-01-01")


CRON_PROBES = """
- {id: C1, name: refuses-delete, section: Jobs, title: the purge job refuses strangers, family: cron,
   cadence: postdeploy, mutating: true,
   params: {service: app, path: /api/cron/purge, secret: CRON_SECRET, method: DELETE}}
- {id: C2, name: refuses-get, section: Jobs, title: the publish job refuses strangers, family: cron,
   cadence: postdeploy, params: {service: app, path: /api/cron/publish, secret: CRON_SECRET}}
"""


def test_a_cron_item_that_sends_an_unsafe_method_is_mutating(tmp_path):
    """A cron endpoint that checks no secret runs its job on the very requests that expect a rejection: an item
    whose method is not safe must be marked mutating, and is then skipped where mutation is forbidden — its
    target sees no request at all, while the GET item is still checked."""
    from opsverify import exitcodes

    from .kit import route_server
    from .project import Project

    seen: list[tuple[str, str]] = []

    def job(method: str, path: str):
        return lambda headers, body: [seen.append((method, path)), (200, '{"ran": true}')][1]

    routes = {(m, p): job(m, p) for m in ("GET", "DELETE") for p in ("/api/cron/purge", "/api/cron/publish")}
    with route_server(routes) as url:
        project = Project(tmp_path, {"APP_URL": url, "CRON": "cron-secret-0123456789"})
        project.environment('systems:\n  jobs:\n    services: {app: {url: "${APP_URL}"}}\n'
                            '    secrets: {CRON_SECRET: "${CRON}"}\n')
        project.checklist("jobs", CRON_PROBES)
        ran = project.run("-m", "postdeploy", "--env", "local")
        assert ran.statuses() == {"C1-refuses-delete": "skipped", "C2-refuses-get": "failed"}, ran.output[-3000:]
        assert "allow_mutating: false" in ran.rows()["C1-refuses-delete"]["message"]
        # none (as the scheduler, and as anyone), a wrong one, the near miss, the secret cut at its end and at its
        # start (each as is, and changed), four an unset one reads as
        assert seen == [("GET", "/api/cron/publish")] * 12
        seen.clear()
        project.checklist("jobs", CRON_PROBES.replace("mutating: true,", ""))
        refused = project.run("-m", "postdeploy", "--env", "local")
    assert refused.code == exitcodes.BAD_CONFIG, refused.output[-3000:]
    assert "params.method: DELETE is not a safe method" in refused.output and seen == [], refused.output[-3000:]


def _outcomes(env, checks) -> dict:
    """Every check's outcome from one run of the engine on `env`, its targets closed after."""
    from opsverify import engine

    run = engine.Run(env)
    try:
        return run.evaluate(checks)
    finally:
        run.close()


def test_a_secret_is_never_sent_in_clear_to_another_machine(tmp_path, monkeypatch):
    """A service URL of plain http:// to another host: an item whose requests carry a secret (a cron call with it, a
    header citing one, a webhook signature) is an error before anything is sent; on this machine (a tunnel, the demo),
    or without the secret, it goes ahead. verify_tls: false is warned about at the start: its answers are unproven."""
    from opsverify.environment import load_environment

    from .kit import make_check

    monkeypatch.setenv("OPSV_CRON", "CronSecretValue9f8eZZk3mQ")
    (tmp_path / "local.yaml").write_text(
        "name: local\nallow_mutating: true\ntimeouts: {connect_s: 1, http_s: 1}\nsystems:\n  shop:\n    services:\n"
        "      remote: {url: 'http://shop.invalid'}\n      here: {url: 'http://127.0.0.1:9'}\n"
        "      unproven: {url: 'https://shop.invalid', verify_tls: false}\n"
        "    secrets: {CRON_SECRET: '${OPSV_CRON}'}\n", encoding="utf-8")
    cron = {"path": "/api/cron", "secret": "CRON_SECRET", "with_secret": True}
    checks = [make_check("cron", {**cron, "service": "remote"}, item="C1", name="remote", mutating=True),
              make_check("cron", {**cron, "service": "remote", "with_secret": False}, item="C2", name="unsent"),
              make_check("http", {"service": "remote", "path": "/h", "headers": {"x-key": "{secret:CRON_SECRET}"}},
                         item="H1", name="header"),
              make_check("cron", {**cron, "service": "here"}, item="C3", name="here", mutating=True),
              make_check("http", {"service": "unproven", "path": "/"}, item="H2", name="unproven")]
    checks = [replace(c, system="shop") for c in checks]
    env = load_environment(tmp_path, "local", checks=checks)
    outcomes = _outcomes(env, checks)
    clear = ("not sent: it carries CRON_SECRET, and service remote's requests would go over http:// to shop.invalid,"
             " not this machine: the secret would cross the network in clear")
    assert outcomes["shop:C1-remote"].status is Status.ERROR and clear in outcomes["shop:C1-remote"].observed
    assert outcomes["shop:H1-header"].status is Status.ERROR and clear in outcomes["shop:H1-header"].observed
    for key in ("shop:C2-unsent", "shop:C3-here"):  # asked (and not answered): no secret in clear stopped them
        assert "not sent" not in outcomes[key].observed, outcomes[key]
    assert any("services.unproven: verify_tls: false: its answers are not authenticated" in w for w in env.warnings)

    # a proxy the environment names carries it in clear from this machine to another (https would be tunnelled)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    here = [c for c in checks if c.key == "C3-here"]
    proxied = _outcomes(env, here)["shop:C3-here"]
    assert proxied.status is Status.ERROR and ("would go over http:// through the proxy proxy.invalid (the"
                                               " environment's HTTP_PROXY or ALL_PROXY)") in proxied.observed, proxied
    for no_proxy in ("127.0.0.1", "127.0.0.1:9", "x.example,*"):  # this host, this host and port, every host
        monkeypatch.setenv("NO_PROXY", no_proxy)
        bypassed = _outcomes(env, here)["shop:C3-here"]
        assert "not sent" not in bypassed.observed, (no_proxy, bypassed)
    monkeypatch.setenv("NO_PROXY", ".127.0.0.1")  # httpx reads it as subdomains only: the proxy is used
    proxied = _outcomes(env, here)["shop:C3-here"]
    assert "through the proxy proxy.invalid" in proxied.observed, proxied


def test_a_secret_a_service_url_holds_is_never_sent_in_clear_to_another_machine(tmp_path, monkeypatch):
    """`http://checker:<password>@host`, or a key in its path: every request to that service carries the secret."""
    from opsverify.environment import load_environment

    from .kit import make_check

    monkeypatch.setenv("OPSV_PW", "Pw9xQ2mZ7kLsVb4")
    (tmp_path / "local.yaml").write_text(
        "name: local\ntimeouts: {connect_s: 1, http_s: 1}\nsystems:\n  shop:\n    services:\n"
        "      basic: {url: 'http://checker:${OPSV_PW}@shop.invalid'}\n"
        "      keyed: {url: 'http://shop.invalid/hook/Kq8Zt3Xw9Lm2Np7R'}\n"
        "      plain: {url: 'http://shop.invalid'}\n", encoding="utf-8")
    checks = [replace(make_check("http", {"service": name, "path": "/health"}, item=f"H{n}", name=name), system="shop")
              for n, name in enumerate(("basic", "keyed", "plain"))]
    env = load_environment(tmp_path, "local", checks=checks)
    outcomes = _outcomes(env, checks)
    for key in ("shop:H0-basic", "shop:H1-keyed"):
        assert outcomes[key].status is Status.ERROR and "not sent: it carries the secret in its URL" in \
            outcomes[key].observed, outcomes[key]
    assert "not sent" not in outcomes["shop:H2-plain"].observed, outcomes["shop:H2-plain"]


def test_a_platform_token_or_an_endpoints_key_is_never_sent_in_clear(tmp_path, monkeypatch):
    """A platform API's token goes with every request to its base_url, an RPC key in its endpoint's URL with every
    call: through a proxy, or over plain http:// to another machine, neither is sent."""
    from opsverify.environment import load_environment

    from .kit import make_check

    monkeypatch.setenv("OPSV_GH", "ghp_Zk3mQ9vX2pL7wR4tY8uNx1")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "local.yaml").write_text(
        "name: local\ntimeouts: {connect_s: 1, http_s: 1}\nsystems:\n  shop:\n"
        "    endpoints: {solana_rpc: 'http://rpc.invalid:8899/?api-key=Zk3mQ9vX2pL7wR4tY8uN'}\n"
        "    providers:\n      github: {token: '${OPSV_GH}', repo: acme/shop, base_url: 'http://127.0.0.1:9'}\n",
        encoding="utf-8")
    checks = [replace(make_check("provider", {"platform": "github", "required": ["CRON_SECRET"]}, item="G1",
                                 name="gh"), system="shop"),
              replace(make_check("rpc", {"method": "getHealth", "expect_result": "ok"}, item="R1", name="rpc"),
                      system="shop")]
    env = load_environment(tmp_path, "local", checks=checks)
    outcomes = _outcomes(env, checks)
    gh, rpc = outcomes["shop:G1-gh"], outcomes["shop:R1-rpc"]
    assert gh.status is Status.ERROR and ("not sent: it carries the github token, and providers.github's requests"
                                          " would go over http:// through the proxy proxy.invalid") in gh.observed, gh
    assert rpc.status is Status.ERROR and ("not sent: it carries the secret in its URL, and endpoint solana_rpc's"
                                           " requests would go over http:// to rpc.invalid") in rpc.observed, rpc
