"""Table-driven tests of each core family's pure `judge`: fabricated facts in, outcome out."""

from __future__ import annotations

import datetime as dt

import pytest

from opsverify.checklist import Cadence, Check, Severity
from opsverify.errors import GatherError
from opsverify.families import cron, env, http, migrations, scheduler, sql
from opsverify.outcome import Status
from opsverify.transports.http import Reply


def make(family, params: dict, *, key_id: str = "X1", name: str = "probe") -> Check:
    return Check(system="demo-system", id=key_id, name=name, section="s", title="t", family=family.NAME,
                 cadence=Cadence.postdeploy, severity=Severity.normal, mutating=False, remediation="",
                 reason="", params=family.Params.model_validate(params))


# -- schema: see tests/test_schema.py ------------------------------------------------------


# -- migrations (more in tests/test_migrations.py) ------------------------------------------
SUPABASE = ("supabase", "supabase_migrations.schema_migrations")


def test_migrations_match_version_name_and_both():
    rows = [{"version": "0006", "name": "rate_limits"}, {"version": "20250101000000", "name": "init"}]
    facts = {"history": {SUPABASE: {"history": rows}}, "repo": {}}
    ok = migrations.judge(make(migrations, {"tool": "supabase", "applied": ["0006_rate_limits", "init"]}), facts)
    assert ok.status is Status.PASSED
    bad = migrations.judge(make(migrations, {"tool": "supabase", "applied": ["0008_audit_logs"]}), facts)
    assert bad.status is Status.FAILED and "not applied: 0008_audit_logs" in bad.observed


def test_migrations_prisma_unfinished_and_rolled_back():
    def row(name, started, finished=True, rolled_back=None):
        def at(day):  # timestamps, as Prisma writes them
            return None if day is None else dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.timezone.utc)
        return {"migration_name": name, "checksum": "x", "started_at": at(started),
                "finished_at": at(started) if finished else None, "rolled_back_at": at(rolled_back),
                "logs": None if finished else "Database error code: 42P07", "applied_steps_count": int(finished)}
    rows = [row("a", "2024-01-01"), row("b", "2024-01-02", finished=False),
            row("c", "2024-01-03", rolled_back="2024-01-04")]
    outcome = migrations.judge(make(migrations, {"tool": "prisma", "none_failed": True}),
                               {"history": {("prisma", "public._prisma_migrations"): {"history": rows}}, "repo": {}})
    assert outcome.status is Status.FAILED
    # b never finished: a failure; c was rolled back (`migrate resolve --rolled-back`), which Prisma itself counts as
    # no failure: recorded history, and `from_repo` says whether its folder is still to be applied
    assert outcome.observed == "1 failure now: b failed (started 2024-01-02 12:00) and is not resolved"
    assert outcome.evidence["resolved"] == ["c: rolled back 2024-01-04 12:00, not applied again"]


def test_migrations_from_repo_and_missing_table():
    from opsverify.families.migration_tools import RepoListing, RepoMigration

    listing = RepoListing((RepoMigration("20250101000000", "20250101000000_init.sql"),
                           RepoMigration("20250202000000", "20250202000000_more.sql")), "<version>_<name>.sql")
    facts = {"history": {SUPABASE: {"history": [{"version": "20250101000000", "name": "init"}]}},
             "repo": {("supabase", "m"): listing}}
    outcome = migrations.judge(make(migrations, {"tool": "supabase", "from_repo": "m"}), facts)
    assert outcome.status is Status.FAILED and "20250202000000" in outcome.observed
    missing = {"history": {SUPABASE: {"history": GatherError('relation "x" does not exist')}}, "repo": {}}
    outcome = migrations.judge(make(migrations, {"tool": "supabase", "applied": ["a"]}), missing)
    assert outcome.status is Status.ERROR and "supabase_migrations.schema_migrations" in outcome.observed


# -- sql -----------------------------------------------------------------------------------
SEES_ALL = [{"viewer": "checker", "sees_all": True, "rls_tables": [], "views": []}]


def sql_facts(check, rows, detail=None, visibility=SEES_ALL):
    answers = {"query": rows} if detail is None else {"query": rows, "detail": detail}
    return {"visibility": visibility, "deployed_at": None, "answers": {check.key: answers}}


@pytest.mark.parametrize("row, expect, status", [
    ({"stuck": 0}, {"stuck": {"eq": 0}}, Status.PASSED),
    ({"stuck": 2}, {"stuck": {"eq": 0}}, Status.FAILED),
    ({"pct": 5.0}, {"pct": {"le": 5}}, Status.PASSED),
    ({"pct": 7.5}, {"pct": {"le": 5}}, Status.FAILED),
    ({"n": None}, {"n": {"gt": 0}}, Status.FAILED),
    ({"n": None}, {"n": {"ne": 0}}, Status.FAILED),  # NULL is not "not zero": it is no measure at all
    ({"n": None}, {"n": {"eq": None}}, Status.PASSED),
    ({"n": float("nan")}, {"n": {"le": 500}}, Status.FAILED),
    ({"n": float("nan")}, {"n": {"ne": 0}}, Status.FAILED),
    ({"n": float("inf")}, {"n": {"ge": 0}}, Status.FAILED),
    ({"n": "x"}, {"n": {"lt": 3}}, Status.ERROR),  # text against a number: cannot be compared
    ({"a": 1, "b": 0}, {"a": {"ge": 1}, "b": {"eq": 0}}, Status.PASSED),
])
def test_sql_judge(row, expect, status):
    check = make(sql, {"query": "select 1", "expect": expect})
    outcome = sql.judge(check, sql_facts(check, [row]))
    assert outcome.status is status


def test_sql_could_not_decide():
    check = make(sql, {"query": "select count(*) as n from public.jobs", "expect": {"n": {"eq": 0}}})
    assert sql.judge(check, sql_facts(check, GatherError("boom"))).status is Status.ERROR
    assert sql.judge(check, sql_facts(check, [])).status is Status.ERROR
    assert sql.judge(check, sql_facts(check, [{"m": 0}])).status is Status.ERROR
    under_rls = [{"viewer": "checker", "sees_all": False, "rls_tables": ["public.jobs"], "views": []}]
    outcome = sql.judge(check, sql_facts(check, [{"n": 0}], visibility=under_rls))
    assert outcome.status is Status.ERROR and "BYPASSRLS" in outcome.observed and "public.jobs" in outcome.observed


@pytest.mark.parametrize("query, rls_tables, views, status", [
    ("select count(*) as n from pg_catalog.pg_class", ["public.jobs"], [], Status.PASSED),  # catalogs: no RLS
    ("select count(*) as n from pg_policy p join pg_class c on c.oid = p.polrelid", ["public.jobs"], [], Status.PASSED),
    ("select count(*) as n from information_schema.tables", ["public.jobs"], [], Status.PASSED),
    ("select count(*) as n from public.plain", ["public.jobs"], [], Status.PASSED),  # a table without RLS
    ("select count(*) as n from jobs", ["public.jobs"], [], Status.ERROR),  # unqualified: public
    ("with j as (select * from public.jobs) select count(*) as n from j", ["public.jobs"], [], Status.ERROR),
    ("select count(*) as n from public.v", ["public.jobs"], ["public.v"], Status.ERROR),  # a view may read jobs
    ("select count(*) as n from public.v", [], ["public.v"], Status.PASSED),  # no table has RLS: nothing hidden
    # a catalog view leaving out the statistics rows of the tables RLS applies to for the role
    ("select count(*) as n from pg_catalog.pg_stats where null_frac > 0.3", ["public.jobs"], [], Status.ERROR),
    ("select count(*) as n from pg_stats", [], [], Status.PASSED),  # no table has RLS: nothing left out
])
def test_sql_rls_matters_only_for_tables_it_guards(query, rls_tables, views, status):
    """A checker role without BYPASSRLS may still run catalog-only (and RLS-free) measures."""
    check = make(sql, {"query": query, "expect": {"n": {"ge": 0}}})
    viewer = [{"viewer": "reader", "sees_all": False, "rls_tables": rls_tables, "views": views,
               "catalog_hidden": [], "sees_stats": True, "search_path": '"$user", public'}]  # as a superuser is shown
    assert sql.judge(check, sql_facts(check, [{"n": 1}], visibility=viewer)).status is status


def test_sql_failure_shows_the_first_offending_rows():
    check = make(sql, {"query": "select 4 as n", "expect": {"n": {"eq": 0}}, "detail": "select 1 as id"})
    rows = [{"id": i, "status": "stuck"} for i in range(4)]
    outcome = sql.judge(check, sql_facts(check, [{"n": 4}], detail=rows))
    assert outcome.status is Status.FAILED
    assert "first rows: (id=0, status=stuck), (id=1, status=stuck), (id=2, status=stuck) (+1 more)" in outcome.observed
    assert len(outcome.evidence["detail"]) == 4


def test_sql_a_detail_the_checker_may_be_shown_too_little_of_says_so_not_its_rows():
    """A detail is held to the query's rules: rows RLS may hide from the checker, or a view showing it other roles'
    sessions blank, are evidence that misleads — the evidence says why instead, as a detail whose window was NULL."""
    under_rls = [{"viewer": "reader", "sees_all": False, "rls_tables": ["public.jobs"], "views": [],
                  "catalog_hidden": [], "sees_stats": False, "search_path": "public"}]
    for detail, said in (("select id from public.jobs where state = 'stuck'", "public.jobs"),
                         ("select pid, state from pg_stat_activity where state = 'idle in transaction'",
                          "pg_read_all_stats")):
        check = make(sql, {"query": "select count(*) as n from pg_catalog.pg_class", "expect": {"n": {"eq": 0}},
                           "detail": detail})
        outcome = sql.judge(check, sql_facts(check, [{"n": 2}], detail=[{"id": 7, "pid": None, "state": None}],
                                             visibility=under_rls))
        shown = outcome.evidence.get("detail")
        assert outcome.status is Status.FAILED and "id=7" not in outcome.observed and isinstance(shown, str) and (
            said in shown), f"detail {detail!r}: saw {outcome.status.value}: {outcome.observed!r}, detail {shown!r}"


@pytest.mark.parametrize("query", ["select ';' as n", "select $$a;b$$ as n", "select 1 as n -- a; comment",
                                   "with x as (select 1 as n) select n from x;"])
def test_sql_single_statement_guard_reads_sql_not_characters(query):
    assert sql.Params.model_validate({"query": query, "expect": {"n": {"eq": 1}}}).query


def test_sql_deployed_at_is_a_timestamptz_literal_or_null():
    moment = dt.datetime(2026, 11, 25, 10, 2, tzinfo=dt.timezone.utc)
    query = "select count(*) as n from t where at > coalesce({deployed_at}, now() - interval '1 hour')"
    assert "'2026-11-25T10:02:00+00:00'::timestamptz" in sql.render(query, moment)
    assert "coalesce(null::timestamptz," in sql.render(query, None)
    assert sql.render("select '{}' as x", moment) == "select '{}' as x"  # other braces untouched


@pytest.mark.parametrize("query", ["delete from jobs", "select 1; drop table jobs", "update jobs set a = 1"])
def test_sql_params_refuse_writes(query):
    with pytest.raises(ValueError):
        sql.Params.model_validate({"query": query, "expect": {"n": {"eq": 0}}})


# -- env -------------------------------------------------------------------------------------
SECRET = "s3cr3t-value-that-must-not-leak"


@pytest.mark.parametrize("params, values, status, seen", [
    ({"service": "api", "required": ["A", "B"]}, {"A": "1x", "B": SECRET}, Status.PASSED, ""),
    ({"service": "api", "required": ["A", "B"]}, {"A": "1x", "B": ""}, Status.FAILED, "B is blank on api"),
    ({"service": "api", "any_of": [["P", "Q"]]}, {"Q": SECRET}, Status.PASSED, ""),
    ({"service": "api", "any_of": [["P", "Q"]]}, {"R": "1"}, Status.FAILED, "none of P / Q is set"),
    ({"service": "api", "forbidden": ["MOCK"]}, {"MOCK": "false"}, Status.PASSED, ""),
    ({"service": "api", "forbidden": ["MOCK"]}, {"MOCK": "1"}, Status.FAILED, "MOCK is set to '1'"),
    ({"service": "api", "forbidden": ["K"]}, {"K": SECRET}, Status.FAILED, f"a value of length {len(SECRET)}"),
    ({"service": "api", "values": {"RUN": "true"}}, {"RUN": "false"}, Status.FAILED, "RUN is 'false'"),
    ({"service": "api", "format": {"O": "https-url"}}, {"O": "https://api.example.com"}, Status.PASSED, ""),
    ({"service": "api", "format": {"O": "https-url"}}, {"O": "http://api.example.com"}, Status.FAILED, "uses http"),
    ({"service": "api", "format": {"O": "https-url"}}, {"O": "https://localhost:3000"}, Status.FAILED, "localhost"),
    ({"service": "api", "format": {"O": "https-url"}}, {"O": "https://127.0.0.1"}, Status.FAILED, "127.0.0.1"),
    ({"service": "api", "format": {"W": "base58-pubkeys"}},
     {"W": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"}, Status.PASSED, ""),
    ({"service": "api", "format": {"W": "base58-pubkeys"}},
     {"W": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU,not-base58-0OIl"}, Status.FAILED, "key 2 is not base58"),
    ({"service": "api", "format": {"W": "base58-pubkeys"}}, {"W": "3yZe7d"}, Status.FAILED, "not 32 bytes"),
    ({"service": "api", "format": {"E": "email"}}, {"E": "Joslyn <no-reply@joslyn.example>"}, Status.PASSED, ""),
])
def test_env_judge(params, values, status, seen):
    outcome = env.judge(make(env, params), {"services": {"api": values}})
    assert outcome.status is status, outcome
    assert seen in outcome.observed
    assert SECRET not in repr(outcome)


def test_env_equal_across_services_shows_fingerprints_only():
    check = make(env, {"equal": {"names": ["JWT"], "services": ["web", "api"]}})
    same = env.judge(check, {"services": {"web": {"JWT": SECRET}, "api": {"JWT": SECRET}}})
    assert same.status is Status.PASSED
    differ = env.judge(check, {"services": {"web": {"JWT": SECRET}, "api": {"JWT": SECRET + "2"}}})
    assert differ.status is Status.FAILED and "differs across services" in differ.observed
    assert "hmac:" in differ.observed and SECRET not in repr(differ)
    missing = env.judge(check, {"services": {"web": {"JWT": SECRET}, "api": {"OTHER": "1"}}})
    assert missing.status is Status.FAILED and "not set on api" in missing.observed


# -- http / cron -------------------------------------------------------------------------
def reply(status, text="", ms=10.0, failure=""):
    return Reply(status, ms, {}, text, failure)


@pytest.mark.parametrize("params, answer, status, seen", [
    ({"service": "api", "path": "/health", "json": {"ok": True}}, reply(200, '{"ok": true}'), Status.PASSED, ""),
    ({"service": "api", "path": "/health", "json": {"ok": True}}, reply(200, '{"ok": false}'), Status.FAILED, "ok = false"),
    ({"service": "api", "path": "/health", "json": {"ok": True}}, reply(200, "<html>"), Status.FAILED, "not JSON"),
    ({"service": "api", "path": "/health"}, reply(503), Status.FAILED, "status 503"),
    ({"service": "api", "path": "/health"}, reply(None, failure="connection refused"), Status.ERROR, "connection refused"),
    ({"service": "api", "path": "/health", "max_latency_ms": 100}, reply(200, ms=350), Status.FAILED, "took 350 ms"),
    ({"service": "api", "path": "/q", "status": [401, 403]}, reply(200), Status.FAILED, "status 200"),
    ({"service": "api", "path": "/q", "json": {"webhooks.*.failed": 0}},
     reply(200, '{"webhooks": {"stripe": {"failed": 0}, "fal": {"failed": 2}}}'), Status.FAILED, "webhooks.fal.failed = 2"),
    ({"service": "api", "path": "/h", "json_max": {"db.latency_ms": 500}},
     reply(200, '{"db": {"latency_ms": 1800}}'), Status.FAILED, "db.latency_ms = 1800"),
    ({"service": "api", "path": "/h", "json_max": {"db.latency_ms": 500}},
     reply(200, '{"db": {}}'), Status.FAILED, "db.latency_ms is missing"),
    ({"service": "api", "path": "/h", "json_max": {"db.latency_ms": 500}}, reply(200, '{"db": {"latency_ms": 4}}'),
     Status.PASSED, ""),
    ({"service": "api", "path": "/h", "body_excludes": ["Database connection failed"]},
     reply(200, '{"error": "Database connection failed"}'), Status.FAILED, "body contains"),
])
def test_http_judge(params, answer, status, seen):
    check = make(http, params)
    outcome = http.judge(check, {check.key: ("http://x" + params["path"], answer)})
    assert outcome.status is status, outcome
    assert seen in outcome.observed


def test_http_unsafe_method_needs_mutating():
    params = http.Params.model_validate({"service": "a", "path": "/x", "method": "POST"})
    assert http.validate_item(params, mutating=False)
    assert not http.validate_item(params, mutating=True)


@pytest.mark.parametrize("without, wrong, status, seen", [
    (401, 401, Status.PASSED, ""),
    (200, 401, Status.FAILED, "without a secret: accepted with 200"),
    (401, 200, Status.FAILED, "with a wrong secret: accepted with 200"),
    (404, 404, Status.FAILED, "status 404"),
    (None, None, Status.ERROR, "no answer"),
])
def test_cron_rejects_without_secret(without, wrong, status, seen):
    check = make(cron, {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET"})
    facts = {check.key: [("without a secret", "u", reply(without, failure="refused" if without is None else "")),
                         ("with a wrong secret", "u", reply(wrong, failure="refused" if wrong is None else ""))]}
    outcome = cron.judge(check, facts)
    assert outcome.status is status and seen in outcome.observed


def test_cron_with_secret_must_be_mutating():
    params = cron.Params.model_validate({"service": "a", "path": "/c", "secret": "S", "with_secret": True})
    assert cron.validate_item(params, mutating=False)


def test_cron_status_is_read_with_the_secret_only():
    with pytest.raises(ValueError, match="status is judged with with_secret: true only"):
        cron.Params.model_validate({"service": "a", "path": "/c", "secret": "S", "status": 202})
    check = make(cron, {"service": "a", "path": "/c", "secret": "S", "with_secret": True, "status": 202})
    outcome = cron.judge(check, {check.key: [("with the secret", "u", reply(202))]})
    assert outcome.status is Status.PASSED and "answers 202" in outcome.expected


@pytest.mark.parametrize("params, problem", [
    ({"header": ""}, "should match pattern"),  # no HTTP field has an empty name
    ({"header": "x cron key"}, "should match pattern"),
    ({"method": "get"}, "write GET in capitals"),
])
def test_cron_params_no_request_could_carry_are_refused(params, problem):
    with pytest.raises(ValueError, match=problem):
        cron.Params.model_validate({"service": "a", "path": "/c", "secret": "S", **params})


def test_cron_secret_named_must_be_configured_with_or_without_it():
    """An item naming a secret the environment does not configure is a runbook typo: skipped, naming it."""
    for with_secret in (False, True):
        params = cron.Params.model_validate({"service": "a", "path": "/c", "secret": "CRON_SECRET",
                                             "with_secret": with_secret})
        assert "secret:CRON_SECRET" in cron.needs(params)


# -- scheduler -------------------------------------------------------------------------------
WINTER = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)
SUMMER = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone.utc)


def cron_facts(*jobs, timezone=None, now=WINTER, installed=True, version="1.4-1"):
    return {"installed": installed, "timezone": timezone, "now": now, "version": version if installed else None,
            "viewer": "postgres", "scheduler_running": True,
            "jobs": [{"jobid": i + 1, "jobname": n, "schedule": s, "active": a} for i, (n, s, a) in enumerate(jobs)]}


@pytest.mark.parametrize("params, facts, status, seen", [
    ({"job": "publish-queue", "active": False}, cron_facts(("publish-queue", "* * * * *", False)), Status.PASSED,
     "present but inactive"),
    ({"job": "publish-queue", "active": False}, cron_facts(), Status.PASSED, "no job named"),
    ({"job": "publish-queue", "active": False}, cron_facts(installed=False), Status.ERROR, "not installed"),
    ({"job": "publish-queue", "active": False}, cron_facts(("publish-queue", "* * * * *", True)), Status.FAILED,
     "'publish-queue' is active"),
    ({"job": "m", "active": True, "schedule": "*/15 * * * *"}, cron_facts(("m", "*/15  * * * *", True)),
     Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "*/15 * * * *"}, cron_facts(("m", "0 * * * *", True)),
     Status.FAILED, "runs on '0 * * * *'"),
    ({"job": "m", "active": True}, cron_facts(("m", "0 * * * *", False)), Status.FAILED, "inactive"),
    ({"job": "m", "active": True}, cron_facts(installed=False), Status.ERROR, "not installed"),
    # 05:00 Europe/London is 05:00 GMT in winter and 04:00 GMT in summer (pg_cron < 1.5 runs in GMT): a schedule
    # is moved by the offset of the months it fires in, whenever it is checked
    ({"job": "w", "active": True, "schedule": "0 5 * 1 *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * 1 *", True), now=SUMMER), Status.PASSED, ""),
    ({"job": "w", "active": True, "schedule": "0 5 * 7 *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * 7 *", True)), Status.FAILED, "runs on '0 5 * 7 *'"),
    ({"job": "w", "active": True, "schedule": "0 5 * 7 *", "timezone": "Europe/London"},
     cron_facts(("w", "0 4 * 7 *", True)), Status.PASSED, ""),
    # ... and one firing in both is no one pg_cron line in GMT
    ({"job": "w", "active": True, "schedule": "0 5 * * *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * * *", True)), Status.ERROR, "both sides of a change of offset"),
    ({"job": "w", "active": True, "schedule": "0 5 * * *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * * *", True), timezone="Europe/London", now=SUMMER, version="1.5.2"), Status.PASSED, ""),
    # pg_cron 1.4 accepts a cron.timezone placeholder and ignores it: still GMT
    ({"job": "w", "active": True, "schedule": "0 5 * 7 *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * 7 *", True), timezone="Europe/London", now=SUMMER), Status.FAILED,
     "runs on '0 5 * 7 *'"),
    ({"job": "w", "active": True, "schedule": "0 5 * 7 *", "timezone": "Europe/London"},
     cron_facts(("w", "0 4 * 7 *", True), timezone="Europe/London", now=SUMMER), Status.PASSED, ""),
    ({"job": "w", "active": True, "schedule": "0 5 * * *", "timezone": "Europe/London"},
     cron_facts(("w", "0 5 * * *", True), version="dev"), Status.ERROR, "its version reads 'dev'"),
    # a cron.job table without the pg_cron extension: nothing runs its rows
    ({"job": "publish-queue", "active": False}, cron_facts(version=None), Status.ERROR, "is not pg_cron's"),
    ({"job": "m", "active": True}, cron_facts(("m", "0 * * * *", True), version=None), Status.ERROR,
     "is not pg_cron's"),
    # names in any case are the numbers pg_cron reads
    ({"job": "m", "active": True, "schedule": "0 9 * * mon"}, cron_facts(("m", "0 9 * * MON", True)),
     Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 9 * JAN-mar 1"}, cron_facts(("m", "0 9 * 1-3 Mon", True)),
     Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 9 * * mon"}, cron_facts(("m", "0 9 * * TUE", True)),
     Status.FAILED, "runs on '0 9 * * TUE'"),
    # ... and spellings of one schedule are one schedule: Sunday is 7 or 0, a macro its fields, * a full range
    ({"job": "m", "active": True, "schedule": "0 9 * * 0"}, cron_facts(("m", "0 9 * * 7", True)), Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 9 * * SUN"}, cron_facts(("m", "0 9 * * 7", True)), Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 0 * * *"}, cron_facts(("m", "@daily", True)), Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "*/2 * * * *"}, cron_facts(("m", "0-59/2 * * * *", True)),
     Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 9 * * 1-5"}, cron_facts(("m", "0 9 * * MON-FRI", True)),
     Status.PASSED, ""),
    # ... but not what fires at other times: every other minute from 1, or day-of-month OR weekday
    ({"job": "m", "active": True, "schedule": "*/2 * * * *"}, cron_facts(("m", "1-59/2 * * * *", True)),
     Status.FAILED, "runs on '1-59/2 * * * *'"),
    ({"job": "m", "active": True, "schedule": "0 9 1 * *"}, cron_facts(("m", "0 9 1 * 0-6", True)),
     Status.FAILED, "runs on '0 9 1 * 0-6'"),
    # with day of month `*`, a weekday field covering every day changes nothing; @midnight is @daily
    ({"job": "m", "active": True, "schedule": "0 0 * * *"}, cron_facts(("m", "0 0 * * 0-6", True)), Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "@daily"}, cron_facts(("m", "@midnight", True)), Status.PASSED, ""),
    # a day no month of the schedule has never comes: February's days are 1-29, April's 1-30 ...
    ({"job": "m", "active": True, "schedule": "0 5 1-29 2 *"}, cron_facts(("m", "0 5 * 2 *", True)), Status.PASSED, ""),
    ({"job": "m", "active": True, "schedule": "0 5 1-30 4,6 *"}, cron_facts(("m", "0 5 * 4,6 *", True)),
     Status.PASSED, ""),
    # ... but a day one of them has is a day apart (March 30), and day-of-month OR weekday still reads both
    ({"job": "m", "active": True, "schedule": "0 5 1-29 2,3 *"}, cron_facts(("m", "0 5 * 2,3 *", True)),
     Status.FAILED, "runs on '0 5 * 2,3 *'"),
    ({"job": "m", "active": True, "schedule": "0 5 1-29 2 1"}, cron_facts(("m", "0 5 * 2 1", True)),
     Status.FAILED, "runs on '0 5 * 2 1'"),
    # pg_cron's @yearly is not assumed to be 0 0 1 1 *
    ({"job": "m", "active": True, "schedule": "0 0 1 1 *"}, cron_facts(("m", "@yearly", True)), Status.FAILED,
     "runs on '@yearly'"),
    # a list of hours moves hour by hour (05:00 and 17:00 New York are 10:00 and 22:00 GMT in January) ...
    ({"job": "w", "active": True, "schedule": "0 5,17 * 1 *", "timezone": "America/New_York"},
     cron_facts(("w", "0 5,17 * 1 *", True)), Status.FAILED, "runs on '0 5,17 * 1 *'"),
    ({"job": "w", "active": True, "schedule": "0 5,17 * 1 *", "timezone": "America/New_York"},
     cron_facts(("w", "0 10,22 * 1 *", True)), Status.PASSED, "active on '0 10,22 * 1 *'"),
    # ... a range cannot be moved: never compared as written
    ({"job": "w", "active": True, "schedule": "0 9-17 * 1 1-5", "timezone": "America/New_York"},
     cron_facts(("w", "0 9-17 * 1 1-5", True)), Status.ERROR, "cannot convert '0 9-17 * 1 1-5'"),
    ({"job": "w", "active": True, "schedule": "0 9-17 * 1 1-5", "timezone": "Europe/London"},
     cron_facts(("w", "0 9-17 * 1 1-5", True), now=SUMMER), Status.PASSED, ""),  # London is GMT all January
    # minutes only, every date: the same instants wherever the offset leaves them — not a conversion to refuse
    ({"job": "w", "active": True, "schedule": "*/5 * * * *", "timezone": "Europe/Berlin"},
     cron_facts(("w", "*/5 * * * *", True)), Status.PASSED, ""),
    ({"job": "w", "active": True, "schedule": "*/5 * * * *", "timezone": "Asia/Kolkata"},  # 5 h 30 apart
     cron_facts(("w", "*/5 * * * *", True)), Status.PASSED, ""),
    ({"job": "w", "active": True, "schedule": "0 * * * *", "timezone": "Asia/Kolkata"},  # :30 past in GMT
     cron_facts(("w", "0 * * * *", True)), Status.ERROR, "cannot convert"),
    # row level security on cron.job hides other roles' jobs: "no job" would be a guess
    ({"job": "publish-queue", "active": False}, {**cron_facts(), "jobs_filtered": True}, Status.ERROR,
     "row level security on cron.job"),
    ({"job": "m", "active": True}, {**cron_facts(("m", "0 * * * *", True)), "jobs_filtered": True}, Status.ERROR,
     "give the checker role BYPASSRLS"),
    # cron.use_background_workers on: the launchers hold both slots of max_worker_processes, no run can start
    ({"job": "m", "active": True}, {**cron_facts(("m", "0 * * * *", True)), "use_background_workers": "on",
                                    "max_worker_processes": 2, "sessions_unseen": 0,
                                    "slot_holders": ["logical replication launcher", "pg_cron launcher"]},
     Status.FAILED, "no slot is left for its runs"),
    ({"job": "m", "active": True}, {**cron_facts(("m", "0 * * * *", True)), "use_background_workers": "on",
                                    "max_worker_processes": 8, "sessions_unseen": 0,
                                    "slot_holders": ["logical replication launcher", "pg_cron launcher"]},
     Status.PASSED, "'m' active"),
])
def test_scheduler_judge(params, facts, status, seen):
    outcome = scheduler.judge(make(scheduler, params), facts)
    assert outcome.status is status, outcome
    assert seen in outcome.observed
