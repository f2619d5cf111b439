"""scheduler family: which params combinations are config errors, and the judge on facts as gather returns them
(more judge cases: tests/test_judges.py)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from types import SimpleNamespace

import psycopg
import pytest
from freezegun import freeze_time
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.engine import gather_and_judge
from opsverify.errors import QueryFailed
from opsverify.families import scheduler
from opsverify.outcome import Status

from .kit import make_check, make_target
from .project import scratch_database


@pytest.mark.parametrize("params, match", [
    ({"job": "w", "active": True, "timezone": "Europe/London"}, "give the schedule"),  # a zone nobody reads
    ({"job": "w", "active": False, "schedule": "0 5 * * *"}, "only make sense for an active job"),
    ({"job": "w", "active": True, "schedule": "0 5 * * *", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"job": "w"}, "active"),
    # a schedule pg_cron would refuse, or an empty one read as "any schedule"
    ({"job": "w", "active": True, "schedule": "0 24 * * *", "timezone": "Europe/London"}, "'24' is out of range"),
    ({"job": "w", "active": True, "schedule": "60 5 * * *"}, "'60' is out of range for field 1"),
    ({"job": "w", "active": True, "schedule": ""}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "0 5 * * * *"}, "five fields"),
    ({"job": "w", "active": True, "schedule": "0 5 */0 * *"}, "is not cron syntax"),
    ({"job": "w", "active": True, "schedule": "0 seconds"}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "0 ² * * *"}, "is not cron syntax"),
    ({"job": "w", "active": True, "schedule": "@Hourly"}, "is not a cron schedule"),  # pg_cron's macros: lower case
    ({"job": "w", "active": True, "schedule": "5/10 * * * *"}, "is not cron syntax"),  # a step needs * or a range
])
def test_combinations_the_judge_does_not_read_are_rejected(params, match):
    with pytest.raises((ValidationError, ValueError), match=match):
        load_item_params("scheduler", params)


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 5 * * *", "0 9-17 * * mon-fri", "0 3 $ * *", "@daily",
                                      "30 seconds", "0,30 1,13 1-15/2 jan-jun 0,7"])
def test_schedules_pg_cron_takes_are_accepted(schedule):
    load_item_params("scheduler", {"job": "w", "active": True, "schedule": schedule})


@pytest.mark.parametrize("params, match", [
    # an empty name matches no job: `active: false` would pass whatever runs
    ({"job": "", "active": False}, "job"),
    ({"job": "   ", "active": False}, "job"),
    ({"job": "w", "active": True, "database": " "}, "database"),
    # what pg_cron refuses as an interval (its own regression test): out of 1-59, trailing words
    ({"job": "w", "active": True, "schedule": "60 seconds"}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "-1 seconds"}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "5 secondc"}, "is not a cron schedule"),
    ({"job": "w", "active": True, "schedule": "50 seconds c"}, "is not a cron schedule"),
])
def test_a_name_or_interval_that_matches_nothing_is_refused(params, match):
    with pytest.raises((ValidationError, ValueError), match=match):
        load_item_params("scheduler", params)


@pytest.mark.parametrize("schedule", ["30 Seconds", " 30 sEcOnDs ", "1 second", "30 second", "17  seconds "])
def test_intervals_as_pg_cron_spells_them_are_accepted(schedule):
    """pg_cron reads `N second(s)` in any case, with any blanks around and between (1 to 59)."""
    load_item_params("scheduler", {"job": "w", "active": True, "schedule": schedule})


# -- the judge on facts as gather returns them ------------------------------------------------
WINTER = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.timezone.utc)  # New York is GMT-5


def _job(jobid: int, name: str | None, schedule: str, active: bool = True, database: str = "app",
         username: str = "postgres") -> dict:
    return {"jobid": jobid, "jobname": name, "schedule": schedule, "active": active, "database": database,
            "username": username}


def _facts(*jobs: dict, here: str = "app", version: str = "1.6", timezone: str | None = None,
           timezone_unreadable: bool = False) -> dict:
    return {"installed": True, "jobs": list(jobs), "database": f"127.0.0.1:5432/{here}", "current_database": here,
            "timezone": timezone, "timezone_unreadable": timezone_unreadable, "now": WINTER, "version": version,
            "viewer": "checker", "jobs_filtered": False, "scheduler_running": True, "others_hidden": False,
            "in_recovery": False}


def _judge(params: dict, facts: dict):
    return scheduler.judge(make_check("scheduler", params), facts)


NIGHTLY_ELSEWHERE = _facts(_job(1, "nightly", "0 3 * * *", active=False),
                           _job(2, "nightly", "0 3 * * *", database="staging", username="stager"))


def test_a_job_that_runs_in_another_database_does_not_count_here():
    """cron.schedule_in_database: pg_cron keeps the job here and runs it in `staging`."""
    outcome = _judge({"job": "nightly", "active": True, "schedule": "0 3 * * *"}, NIGHTLY_ELSEWHERE)
    assert outcome.status is Status.FAILED, outcome
    assert "'nightly' is inactive" in outcome.observed
    only_there = _judge({"job": "nightly", "active": True},
                        _facts(_job(2, "nightly", "0 3 * * *", database="staging")))
    assert only_there.status is Status.FAILED, only_there
    assert "no job named 'nightly' runs in database app (jobid 2 runs in staging)" in only_there.observed
    assert "database: staging" in only_there.observed  # the fix, if staging is the one meant


def test_a_disabled_row_here_does_not_hide_the_job_active_in_another_database():
    """An old disabled copy of the job here, the job itself active in `staging`: without `database:` which one the
    item means cannot be told, as with no row here at all — never "present but inactive" for a job that runs."""
    outcome = _judge({"job": "nightly", "active": False}, NIGHTLY_ELSEWHERE)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (
        "cannot tell whether 'nightly' is disabled: no active job of that name runs in database app (jobid 1 there is"
        " inactive), but one is active elsewhere (jobid 2 in staging); set `database:` on the item to the database it"
        " is about"), outcome.observed
    named_here = _judge({"job": "nightly", "active": False, "database": "app"}, NIGHTLY_ELSEWHERE)
    assert named_here.status is Status.PASSED and "present but inactive" in named_here.observed, named_here
    assert _judge({"job": "nightly", "active": False, "database": "staging"}, NIGHTLY_ELSEWHERE).status \
        is Status.FAILED


def test_a_job_absent_beside_a_close_name_passes_saying_the_close_one():
    """`active: false` of a misspelt name passes for ever, the job meant active or not: the close names are said (and
    in the evidence), so the pass shows what it may have missed; a pass still, as a job renamed is healthy."""
    outcome = _judge({"job": "ledger-legcy", "active": False},
                     _facts(_job(1, "ledger-legacy", "0 3 * * *"), _job(2, "nightly", "0 4 * * *", active=False)))
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed == ("no job named 'ledger-legcy' ('ledger-legacy' is active: if the item means it, "
                                "correct its job)"), outcome.observed
    assert outcome.evidence["close_names"] == {"ledger-legacy": "active"}
    far = _judge({"job": "publish-queue", "active": False}, _facts(_job(1, "nightly", "0 3 * * *")))
    assert far.observed == "no job named 'publish-queue'" and "close_names" not in far.evidence
    # where each close one runs, when not here; the item's own name elsewhere is said by its own words, not as close
    elsewhere = _judge({"job": "ledger-legcy", "active": False, "database": "app"},
                       _facts(_job(1, "ledger-legacy", "0 3 * * *", database="other"),
                              _job(2, "ledger-legcy", "0 3 * * *", database="other")))
    assert elsewhere.status is Status.PASSED, elsewhere
    assert "('ledger-legacy' is active in other: if the item means it" in elsewhere.observed, elsewhere.observed
    assert "'ledger-legcy' is" not in elsewhere.observed


def test_disabled_cannot_be_told_when_the_job_runs_only_in_another_database_and_none_is_named():
    """pg_cron in `postgres`, the job active in `app`: "disabled here" would pass a job that runs — unless the
    item says which database it is about."""
    only_there = _facts(_job(104, "j4", "0 3 * * *", database="app"), here="postgres")
    outcome = _judge({"job": "j4", "active": False}, only_there)
    assert outcome.status is Status.ERROR, outcome
    assert "cannot tell whether 'j4' is disabled" in outcome.observed and "database:" in outcome.observed
    assert _judge({"job": "j4", "active": False, "database": "app"}, only_there).status is Status.FAILED
    assert _judge({"job": "j4", "active": False, "database": "postgres"}, only_there).status is Status.PASSED
    inactive_there = _facts(_job(104, "j4", "0 3 * * *", active=False, database="app"), here="postgres")
    assert _judge({"job": "j4", "active": False}, inactive_there).status is Status.PASSED


def test_database_names_the_one_the_jobs_run_in():
    """pg_cron lives in `postgres` and runs the app's jobs in `app`: the item names that database."""
    here_postgres = _facts(_job(7, "purge", "0 4 * * *", database="app"), here="postgres")
    assert _judge({"job": "purge", "active": True}, here_postgres).status is Status.FAILED
    outcome = _judge({"job": "purge", "active": True, "database": "app", "schedule": "0 4 * * *"}, here_postgres)
    assert outcome.status is Status.PASSED, outcome
    assert _judge({"job": "nightly", "active": True, "database": "staging"}, NIGHTLY_ELSEWHERE).status \
        is Status.PASSED


def test_evidence_shows_where_and_as_whom_each_job_runs():
    outcome = _judge({"job": "nightly", "active": False}, NIGHTLY_ELSEWHERE)
    assert {"jobid": 2, "schedule": "0 3 * * *", "active": True, "database": "staging",
            "username": "stager"} in outcome.evidence["jobs"]


@pytest.mark.parametrize("wanted, running, status", [
    ("30 seconds", "30 second", Status.PASSED),
    ("30 seconds", "30 Seconds", Status.PASSED),
    ("1 second", " 1 SECONDS ", Status.PASSED),
    ("30 seconds", "20 seconds", Status.FAILED),
    ("30 seconds", "* * * * *", Status.FAILED),
])
def test_intervals_compare_as_the_seconds_pg_cron_reads(wanted, running, status):
    outcome = _judge({"job": "sec", "active": True, "schedule": wanted}, _facts(_job(1, "sec", running)))
    assert outcome.status is status, outcome


@pytest.mark.parametrize("wanted, zone, running", [
    ("@daily", "America/Bogota", "0 5 * * *"),  # midnight in Bogota is 05:00 GMT (no summer time there)
    ("@weekly", "America/Bogota", "0 5 * * 0"),
    ("@hourly", "America/New_York", "0 * * * *"),  # on the hour whatever New York's offset
    ("30 seconds", "America/New_York", "30 seconds"),  # an interval is the same in every zone
])
def test_macros_and_intervals_are_converted_with_timezone(wanted, zone, running):
    outcome = _judge({"job": "m", "active": True, "schedule": wanted, "timezone": zone},
                     _facts(_job(1, "m", running), timezone="GMT"))
    assert outcome.status is Status.PASSED, outcome


def test_a_cron_timezone_hidden_from_the_checker_errors_only_the_items_that_need_it():
    """pg_cron >= 1.5 declares cron.timezone superuser-only: a checker without pg_read_all_settings cannot see it."""
    hidden = _facts(_job(1, "m", "0 5 * * *"), timezone_unreadable=True)
    zoned = _judge({"job": "m", "active": True, "schedule": "0 0 * * *", "timezone": "America/New_York"}, hidden)
    assert zoned.status is Status.ERROR, zoned
    assert "pg_read_all_settings" in zoned.observed and "checker" in zoned.observed
    assert _judge({"job": "m", "active": True, "schedule": "0 5 * * *"}, hidden).status is Status.PASSED
    # before 1.5 pg_cron runs in GMT whatever a placeholder says, which any role may read: nothing to read
    old = {**_facts(_job(1, "m", "0 5 * * *"), timezone="Europe/Berlin"), "version": "1.4-1"}
    assert _judge({"job": "m", "active": True, "schedule": "0 0 * * *", "timezone": "America/Bogota"},
                  old).status is Status.PASSED
    # refused on extversion 1.4-1, it is a 1.5+ library's (a placeholder never is): see the tests of the library
    assert _judge({"job": "m", "active": True, "schedule": "0 0 * * *", "timezone": "America/Bogota"},
                  {**hidden, "version": "1.4-1", "timezone_defined": True}).status is Status.ERROR


class _Answers:
    """A database that answers gather's statements with the given rows or errors, in order."""

    where = "127.0.0.1:5432/app"

    def __init__(self, *answers):
        self.answers = list(answers)

    def query_many(self, statements):
        assert len(statements) == len(self.answers)
        return self.answers


SETTINGS_ROW = {"now": WINTER, "version": "1.6", "viewer": "checker", "jobs_filtered": False,
                "current_database": "app", "in_recovery": False, "server_port": 5432, "listen_addresses": "localhost",
                "server_address": "127.0.0.1"}
WORKERS_ROW = {"use_background_workers": "off"}
LAUNCHER_ROWS = ([{"enable_superuser_jobs": "on", "defined": True}],  # pg_cron 1.4: no cron.launch_active_jobs
                 [{"launch_active_jobs": None, "defined": False}])
SCHEDULER_ROW = {"scheduler_running": True, "others_hidden": False}
SOCKETS_ROW = {"unix_socket_directories": "/var/run/postgresql"}
DAY_FIELDS_ROW = {"dom_dow_and_logic": None, "defined": False}  # before pg_cron 1.6.8: no cron.dom_dow_and_logic
SLOTS_ROW = {"max_worker_processes": 8, "slot_holders": ["logical replication launcher", "pg_cron launcher"],
             "sessions_unseen": 0}


def test_gather_reads_a_refused_cron_timezone_as_unreadable_not_as_an_error():
    refused = QueryFailed('permission denied to examine "cron.timezone"', "42501")
    target = SimpleNamespace(database=_Answers([_job(1, "m", "0 5 * * *")], [SETTINGS_ROW], [SCHEDULER_ROW], refused,
                                               [WORKERS_ROW], *LAUNCHER_ROWS, [SOCKETS_ROW], [DAY_FIELDS_ROW],
                                               [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert facts["timezone_unreadable"] and facts["timezone"] is None
    assert facts["jobs"][0]["database"] == "app"


# -- against the demo's PostgreSQL: a pg_cron stand-in as the real one keeps its jobs -------------
PG_CRON_HERE = """
create schema cron;
create table cron.job (jobid bigserial primary key, schedule text not null, command text not null,
  nodename text not null default 'localhost', nodeport integer not null default 5432,
  database text not null default current_database(), username text not null default current_user,
  active boolean not null default true, jobname name);
insert into pg_catalog.pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
select (max(oid)::int + 1)::oid, 'pg_cron', 10, 'cron'::regnamespace, false, '1.6' from pg_catalog.pg_extension;
do $$ begin
  execute format('alter database %I set cron.timezone = %L', current_database(), 'America/New_York');
end $$;
insert into cron.job (schedule, command, active, jobname) values ('0 3 * * *', 'call nightly()', false, 'nightly'),
  ('0 0 * * *', 'call rollup()', true, 'rollup');
insert into cron.job (schedule, command, database, username, jobname)
  values ('0 3 * * *', 'call nightly()', 'staging', 'stager', 'nightly');
"""


@pytest.fixture
def pg_cron_here(demo_deployment):
    with scratch_database(demo_deployment, PG_CRON_HERE, prefix="cronhere") as db:
        yield db


def test_jobs_are_judged_in_the_database_they_run_in(pg_cron_here):
    """Read through the demo's checker role (BYPASSRLS, pg_read_all_data, no pg_read_all_settings)."""
    here = pg_cron_here["name"]
    items = [make_check("scheduler", {"job": "nightly", "active": True}, item="K1"),
             make_check("scheduler", {"job": "nightly", "active": False}, item="K2"),
             make_check("scheduler", {"job": "nightly", "active": True, "database": "staging"}, item="K3"),
             # the stand-in's cron.timezone (a placeholder: no library defines it) is read, not taken for GMT
             make_check("scheduler", {"job": "rollup", "active": True, "schedule": "@daily",
                                      "timezone": "America/New_York"}, item="K4")]
    target = make_target({"database": pg_cron_here["url"]})
    # the stand-in's launcher: a session in this database named as pg_cron's is (the checker sees no more)
    launcher = psycopg.connect(pg_cron_here["admin"], autocommit=True, application_name="pg_cron scheduler")
    try:
        outcomes = gather_and_judge(target, scheduler, items)
    finally:
        target.close()
        launcher.close()
    # K2: `nightly` is disabled here but active in `staging`, and the item names no database: which is meant cannot
    # be told. K3: the stand-in's `staging` job names a database and a role this server has not: pg_cron could not
    # connect
    assert [o.status for o in outcomes] == [Status.FAILED, Status.ERROR, Status.FAILED, Status.PASSED], outcomes
    assert "'nightly' is inactive" in outcomes[0].observed
    assert "but one is active elsewhere (jobid 3 in staging)" in outcomes[1].observed, outcomes[1].observed
    assert "(its database 'staging' does not exist; its role 'stager' does not exist)" in outcomes[2].observed
    assert {j["database"] for j in outcomes[1].evidence["jobs"]} == {here, "staging"}
    assert outcomes[3].evidence["server_timezone"] == "America/New_York"


# -- what pg_cron itself would run ------------------------------------------------------------
def test_jobs_no_scheduler_reads_fail_the_items_that_need_them_running():
    """pg_cron's launcher reads cron.job only in cron.database_name, and only when it is preloaded: rows in a
    database no launcher is connected to never run (the extension row still reads its version)."""
    idle = {**_facts(_job(1, "nightly", "0 5 * * *"), _job(2, "off", "0 5 * * *", active=False)),
            "scheduler_running": False}
    outcome = _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, idle)
    assert outcome.status is Status.FAILED, outcome
    assert "no pg_cron scheduler is connected to database app" in outcome.observed
    assert outcome.evidence["scheduler_running"] is False
    assert _judge({"job": "nightly", "active": True}, idle).status is Status.FAILED
    # nothing runs: an item that wants the job off is not made worse by that
    assert _judge({"job": "off", "active": False}, idle).status is Status.PASSED
    assert _judge({"job": "gone", "active": False}, idle).status is Status.PASSED


STALE = {**_facts(_job(1, "nightly", "0 5 * * *"), _job(2, "off", "0 5 * * *", active=False)),
         "scheduler_running": False, "scheduler_elsewhere": ["postgres"]}


@pytest.mark.parametrize("params", [{"job": "nightly", "active": True}, {"job": "nightly", "active": False},
                                    {"job": "off", "active": False}, {"job": "off", "active": True},
                                    {"job": "gone", "active": False}, {"job": "off", "active": False,
                                                                      "database": "app"}])
def test_a_cron_job_table_the_launcher_left_behind_gives_no_verdict(params):
    """cron.database_name moved to `postgres`: the launcher reads cron.job there only, and this one (the extension
    still in it) was left behind. What it says, active or not, is not what runs: the job may be active there."""
    outcome = _judge(params, STALE)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed == (
        "no pg_cron scheduler reads cron.job in database app: pg_cron's launcher ('pg_cron scheduler' in"
        " pg_stat_activity) is connected to database postgres and reads cron.job there only; point the system's"
        " database at the database pg_cron runs in (cron.database_name: postgres)"), outcome.observed
    assert outcome.evidence["scheduler_elsewhere"] == ["postgres"]


@pytest.mark.parametrize("facts, active_on, inactive_off", [
    # none seen anywhere (pg_cron not preloaded): as before, an active job never runs, an inactive one is judged
    ({**STALE, "scheduler_elsewhere": []}, Status.FAILED, Status.PASSED),
    # a launcher here: a session of that name in another database (a client named so) changes nothing
    ({**STALE, "scheduler_running": True}, Status.PASSED, Status.PASSED),
    # what cannot be told stays so: a standby (no launcher runs on one), another role's sessions hidden, not read
    ({**STALE, "in_recovery": True}, Status.ERROR, Status.PASSED),
    ({**STALE, "scheduler_elsewhere": [], "others_hidden": True}, Status.ERROR, Status.PASSED),
    ({key: value for key, value in STALE.items() if key != "scheduler_elsewhere"}, Status.FAILED, Status.PASSED),
])
def test_a_launcher_elsewhere_is_read_only_where_it_is_seen_and_none_is_here(facts, active_on, inactive_off):
    assert _judge({"job": "nightly", "active": True}, facts).status is active_on
    assert _judge({"job": "off", "active": False}, facts).status is inactive_off


def test_gather_reads_where_else_a_launcher_is_connected_with_the_same_test_of_one():
    """The launcher elsewhere is told as the one here: by its application name, and its backend_type where shown."""
    assert scheduler.SCHEDULER.count("application_name = 'pg_cron scheduler'") == 2
    assert scheduler.SCHEDULER.count("(backend_type is null or backend_type = 'pg_cron launcher')") == 2
    facts = _settings_and_scheduler([{"scheduler_running": False, "others_hidden": False,
                                      "scheduler_elsewhere": ["postgres"]}])
    assert facts["scheduler_elsewhere"] == ["postgres"]
    assert _judge({"job": "off", "active": False}, facts).status is Status.ERROR


def test_gather_reads_whether_a_scheduler_is_connected_in_its_own_statement():
    """Its own statement (a revoked pg_stat_activity must not take the settings with it), asked in the family's one
    round trip."""
    assert "'pg_cron scheduler'" in scheduler.SCHEDULER and "pg_stat_activity" not in scheduler.SETTINGS
    target = SimpleNamespace(database=_Answers([_job(1, "m", "0 5 * * *")], [SETTINGS_ROW],
                                               [{**SCHEDULER_ROW, "scheduler_running": False}], [{"timezone": None}],
                                               [WORKERS_ROW], *LAUNCHER_ROWS, [SOCKETS_ROW], [DAY_FIELDS_ROW],
                                               [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert facts["scheduler_running"] is False
    assert _judge({"job": "m", "active": True}, facts).status is Status.FAILED


@pytest.mark.parametrize("stored, problem", [
    ("0 5 * * 8", "field 5 ('8') has '8', out of range"),  # pg_cron logs "invalid pg_cron schedule" and never runs it
    ("0 5/24 * * 1", "has a step on a single value"),  # a step on a single value
    ("0 5 * *", "4 of the five fields"),
])
def test_a_stored_schedule_pg_cron_cannot_read_fails(stored, problem):
    facts = _facts(_job(22, "weekly", stored))
    outcome = _judge({"job": "weekly", "active": True, "schedule": "0 5 * * 1"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert f"pg_cron cannot read the stored schedule of jobid 22 ('{stored}'" in outcome.observed
    assert problem in outcome.observed and "the job never runs" in outcome.observed
    assert _judge({"job": "weekly", "active": True}, facts).status is Status.FAILED  # no schedule named: still


@pytest.mark.parametrize("stored, before, since", [("30 seconds", "1.4-1", "1.5.2"), ("0 5 $ * *", "1.5.2", "1.6")])
def test_a_stored_schedule_that_only_a_later_pg_cron_reads_fails_on_an_earlier_one(stored, before, since):
    """pg_cron logs "invalid pg_cron schedule" for an interval before 1.5, for `$` before 1.6 (1.6.0's changelog:
    "Adds scheduling on the last day of the month"; this test once passed `$` on 1.5.2)."""
    old = _facts(_job(3, "sec", stored), version=before)
    outcome = _judge({"job": "sec", "active": True}, old)
    assert outcome.status is Status.FAILED, outcome
    assert f"from {since[:3]} on" in outcome.observed and "the job never runs" in outcome.observed, outcome.observed
    assert _judge({"job": "sec", "active": True}, _facts(_job(3, "sec", stored), version=since)).status \
        is Status.PASSED


def test_every_active_job_of_the_name_must_run_on_the_schedule():
    """pg_cron's names are unique per (jobname, username): another role's `nightly` every minute is not 05:00."""
    two = _facts(_job(1, "nightly", "0 5 * * *"), _job(2, "nightly", "* * * * *", username="alice"))
    outcome = _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, two)
    assert outcome.status is Status.FAILED, outcome
    assert "jobid 2 (owned by alice) runs on '* * * * *'" in outcome.observed
    paused = _facts(_job(1, "nightly", "0 5 * * *"), _job(2, "nightly", "* * * * *", active=False, username="alice"))
    assert _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, paused).status is Status.PASSED
    same = _facts(_job(1, "nightly", "0 5 * * *"), _job(2, "nightly", "0 5 * * *", username="alice"))
    assert _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, same).status is Status.PASSED


@pytest.mark.parametrize("running", [None, "yes", 1])
def test_an_active_job_is_not_passed_when_whether_a_scheduler_runs_was_not_read(running):
    """A missing or odd fact is never read as "a scheduler runs it"."""
    facts = {"installed": True, "timezone": None, "now": dt.datetime(2026, 7, 1, 10, tzinfo=dt.timezone.utc),
             "version": "1.4-1", "viewer": "postgres", "current_database": "postgres",
             "jobs": [{"jobid": 1, "jobname": "nightly", "schedule": "0 5 * * *", "active": True,
                       "database": "postgres", "username": "postgres"}]}
    if running is not None:
        facts["scheduler_running"] = running
    outcome = scheduler.judge(make_check("scheduler", {"job": "nightly", "active": True}), facts)
    assert outcome.status is Status.ERROR, outcome


# -- what pg_cron reads in a stored schedule, not what a checklist may write ---------------------
@pytest.mark.parametrize("stored", ["* * * * * *", "* ** * * *", "0 5 * * 1 junk", "0 5 * * *\u00a0"])
def test_a_stored_schedule_pg_cron_runs_is_not_failed_for_the_checklist_rule(stored):
    """pg_cron takes these (cron.schedule accepts them: a sixth field is ignored, `**` is `*`), though a checklist
    may not write them: compared as written, never "the job never runs"."""
    facts = _facts(_job(5, "every", stored))
    outcome = _judge({"job": "every", "active": True}, facts)
    assert outcome.status is Status.PASSED, outcome
    compared = _judge({"job": "every", "active": True, "schedule": "* * * * *"}, facts)
    assert "never runs" not in compared.observed, compared


@pytest.mark.parametrize("stored, problem", [
    ("0\u00a05 * * *", "spaces and tabs"),  # pg_cron splits fields on spaces and tabs only: four fields here
    ("0\x0b5 * * *", "spaces and tabs"),
    ("0 5 * * 8 *", "field 5 ('8') has '8', out of range"),
    ("0 5 * * 1-5/0", "step"),
])
def test_a_stored_schedule_pg_cron_refuses_fails(stored, problem):
    outcome = _judge({"job": "weekly", "active": True}, _facts(_job(22, "weekly", stored)))
    assert outcome.status is Status.FAILED, outcome
    assert "pg_cron cannot read the stored schedule of jobid 22" in outcome.observed
    assert problem in outcome.observed and "the job never runs" in outcome.observed


# pg_cron's parser (vixie cron's get_list) ends a field at a space, a tab or a line break, then skips spaces and
# tabs only: a field that would start on a line break has no value, and cron.schedule refuses it (seen on pg_cron
# 1.4: an UPDATE storing `0 5\n * * *` leaves the launcher logging "invalid pg_cron schedule", the job never runs)
@pytest.mark.parametrize("stored, field", [
    ("0 5\n * * *", 3), ("0 5\n* * *", 3), ("0\n5 * * *", 2), ("0 5 * *\n *", 5), ("0 5 * * \n*", 5),
    ("1\n,2 * * * *", 2), ("0 5\r\n* * *", 3), ("0 5\t\n * * *", 3), ("#c\n0 5\n* * *", 3),
])
def test_a_stored_schedule_broken_over_lines_before_its_fifth_field_fails(stored, field):
    facts = _facts(_job(22, "nightly", stored))
    for params in ({"job": "nightly", "active": True}, {"job": "nightly", "active": True, "schedule": "0 5 * * *"}):
        outcome = _judge(params, facts)
        assert outcome.status is Status.FAILED, outcome
        assert "pg_cron cannot read the stored schedule of jobid 22" in outcome.observed, outcome.observed
        assert (f"field {field} starts on a line break, where pg_cron reads a value (it reads the five fields on one"
                f" line: apart by spaces and tabs only)") in outcome.observed, outcome.observed
        assert "the job never runs" in outcome.observed, outcome.observed


@pytest.mark.parametrize("stored, ignored", [
    ("0 5 * * *\n", None), ("0 5 * * * \n", None), ("0 5 * * *\nextra", "extra"), ("0 5 * * *\n# a note", "# a note"),
    ("0 5 * * *\r\n", None),  # `*\r`: the rest of a field after its list is skipped
])
def test_a_stored_schedule_with_a_line_break_after_its_fifth_field_runs_on_the_five(stored, ignored):
    """pg_cron reads five fields and ignores what follows, a line break and another line too."""
    outcome = _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, _facts(_job(22, "nightly", stored)))
    assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence.get("ignored_by_pg_cron") == ([f"jobid 22: '{ignored}' after the fifth field"]
                                                          if ignored else None), outcome.evidence


def _settings_and_scheduler(scheduler_answer, **settings):
    """gather over a database answering the jobs, settings, scheduler and time zone statements."""
    answers = {"jobs": [_job(1, "m", "0 5 * * *"), _job(2, "off", "0 5 * * *", active=False)],
               "settings": [{**SETTINGS_ROW, "in_recovery": False, **settings}], "scheduler": scheduler_answer,
               "timezone": [{"timezone": None}], "workers": [WORKERS_ROW], "superuser_jobs": LAUNCHER_ROWS[0],
               "launch": LAUNCHER_ROWS[1], "sockets": [SOCKETS_ROW], "days_and": [DAY_FIELDS_ROW],
               "slots": [SLOTS_ROW]}
    order = {scheduler.JOBS: "jobs", scheduler.SETTINGS: "settings", scheduler.SCHEDULER: "scheduler",
             scheduler.TIMEZONE: "timezone", scheduler.BACKGROUND_WORKERS: "workers",
             scheduler.SUPERUSER_JOBS: "superuser_jobs", scheduler.LAUNCH_ACTIVE_JOBS: "launch",
             scheduler.SOCKETS: "sockets", scheduler.DAY_FIELDS_AND: "days_and",
             scheduler.WORKER_SLOTS: "slots"}
    statements = scheduler.database_statements(None, [])
    return scheduler.gather(SimpleNamespace(database=_Answers(*[answers[order[s]] for s in statements])), [])


def test_an_unreadable_pg_stat_activity_errors_only_the_items_that_need_a_scheduler():
    """`revoke select on pg_catalog.pg_stat_activity from public`: the settings and the jobs are still read."""
    refused = QueryFailed("permission denied for view pg_stat_activity", "42501")
    facts = _settings_and_scheduler(refused)
    outcome = _judge({"job": "m", "active": True}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "pg_stat_activity" in outcome.observed and "grant select on pg_catalog.pg_stat_activity to checker" \
        in outcome.observed
    assert _judge({"job": "off", "active": False}, facts).status is Status.PASSED
    assert _judge({"job": "m", "active": False}, facts).status is Status.FAILED
    assert scheduler.SCHEDULER in scheduler.database_statements(None, [])  # asked with the others, one round trip
    assert "pg_stat_activity" not in scheduler.SETTINGS


def test_a_checker_that_sees_no_other_session_is_not_told_the_scheduler_is_missing():
    """A managed provider shows each role only its own sessions: no launcher seen proves nothing."""
    facts = _settings_and_scheduler([{"scheduler_running": False, "others_hidden": True}])
    outcome = _judge({"job": "m", "active": True}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "cannot tell whether a pg_cron scheduler runs: the checker role sees no other session" in outcome.observed
    assert "pg_read_all_stats" in outcome.observed
    assert _judge({"job": "off", "active": False}, facts).status is Status.PASSED
    seen = _settings_and_scheduler([{"scheduler_running": False, "others_hidden": False}])
    assert _judge({"job": "m", "active": True}, seen).status is Status.FAILED


def test_a_standby_is_not_judged_for_a_scheduler_that_runs_on_the_primary():
    """cron.job replicates to a hot standby; pg_cron's launcher runs only on the primary."""
    facts = _settings_and_scheduler([{"scheduler_running": False, "others_hidden": False}], in_recovery=True)
    outcome = _judge({"job": "m", "active": True}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "the database is a standby (in recovery): pg_cron runs on the primary; point the checker at the primary" \
        in outcome.observed
    assert _judge({"job": "off", "active": False}, facts).status is Status.PASSED


@pytest.mark.parametrize("unread", ["others_hidden", "in_recovery"])
def test_no_scheduler_seen_is_no_verdict_when_what_would_explain_it_was_not_read(unread):
    """No scheduler session seen proves none runs only on a primary whose sessions the checker sees."""
    facts = {**_facts(_job(1, "nightly", "0 5 * * *")), "scheduler_running": False}
    facts.pop(unread)
    outcome = _judge({"job": "nightly", "active": True}, facts)
    assert outcome.status is Status.ERROR and "was not read" in outcome.observed, outcome


def test_a_scheduler_fact_read_as_text_cut_mid_secret_leaves_no_piece_of_it():
    """Whether a scheduler runs, read as some text: quoted cut, with the message going on after the cut — the cut
    is marked, so the redactor masks the piece of a secret the text held."""
    from opsverify.secrets import Redactor

    from .test_secret_forms import pieces_shown

    echoed = f"tok{secrets.token_hex(16)}"
    redactor = Redactor()
    redactor.add(echoed)
    facts = {**_facts(_job(1, "nightly", "0 5 * * *")), "scheduler_running": "r" * 20 + echoed}
    outcome = _judge({"job": "nightly", "active": True}, facts).redacted(redactor)
    assert outcome.status is Status.ERROR and "was not read" in outcome.observed, outcome
    shown = f"{outcome.observed} {json.dumps(outcome.evidence)}"
    assert "…" in outcome.observed and pieces_shown(echoed, shown) == [], shown


@pytest.mark.parametrize("stored", ["0 5 * * jan", "0 5 mon * *", "0 5 * * sund", "0 5 * * su", "0 5 ? * 1",
                                    "0 5 * * 5L", "0 5 * * -", "0 5 * * /2", "0 5 * * *,", "0 5 * * 1//2",
                                    "0 5 1-$ * *", "@", "@ daily", "@every", "@DAILY", "-1 5 * * *", "0 +5 * * *",
                                    "0 5 * * #", "0 5 * * 1,", "0 5 * * \u0661"])
def test_a_stored_schedule_pg_cron_refuses_is_never_passed(stored):
    """What pg_cron's parser refuses (logged "invalid pg_cron schedule", the job never runs), read as it reads:
    names only in their own field and of three letters, a value where one is due, no macro it does not spell."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(5, "j", stored)))
    assert outcome.status is Status.FAILED and "never runs" in outcome.observed, outcome


@pytest.mark.parametrize("stored", ["0 5 * * 4294967297", "*/4294967296 * * * *"])
def test_a_stored_number_pg_cron_would_wrap_gives_no_verdict(stored):
    outcome = _judge({"job": "j", "active": True, "schedule": "0 5 * * 1"}, _facts(_job(5, "j", stored)))
    assert outcome.status is Status.ERROR and "not known here" in outcome.observed, outcome


@pytest.mark.parametrize("stored", ["\n0 5 * * *", " \n0 5 * * *", "# nightly job\n0 5 * * 1", "#a\n#b\n0 5 * * 1-5",
                                    "#c\n@daily", "@restart", "@restart x", "@daily extra", "@hourly\n",
                                    "0 5 * * * " + "x" * 989])
def test_a_stored_schedule_pg_cron_runs_after_its_comments_or_macro_is_not_failed(stored):
    """pg_cron skips blank and # lines before a schedule, reads a macro's word up to a blank (`@restart` too), and
    takes a schedule of up to 999 bytes."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(5, "j", stored)))
    assert outcome.status is Status.PASSED, outcome


@pytest.mark.parametrize("stored", ["0 5 * * * " + "x" * 990, "0 5 * * * " + "\u00e9" * 495, "#x\n0 5 * * 8", "#only"])
def test_a_stored_schedule_pg_cron_refuses_for_its_length_or_after_its_comments_fails(stored):
    outcome = _judge({"job": "j", "active": True}, _facts(_job(5, "j", stored)))
    assert outcome.status is Status.FAILED and "never runs" in outcome.observed, outcome


# -- a job's name as PostgreSQL stores it ------------------------------------------------------------
LONG_NAME = "refresh-materialized-view-customer-lifetime-value-and-churn-scores-nightly"  # 74 bytes


@pytest.mark.parametrize("job, stored", [
    (LONG_NAME, LONG_NAME[:63]),
    # clipped on a character boundary: the two-byte é would straddle byte 63, so it goes whole
    ("j" * 62 + "\u00e9" + "x" * 10, "j" * 62),
])
def test_a_job_name_longer_than_a_name_holds_is_matched_as_postgres_stores_it(job, stored):
    """cron.job.jobname is of type `name`: cron.schedule('<74 bytes>', …) stores its first 63 bytes, and
    cron.unschedule('<74 bytes>') still finds it. `active: false` must not pass on "no job named" while it runs."""
    facts = _facts(_job(9, stored, "0 5 * * *"))
    disabled = _judge({"job": job, "active": False}, facts)
    assert disabled.status is Status.FAILED, disabled
    assert "is active (jobid 9 '0 5 * * *')" in disabled.observed
    assert stored in disabled.evidence["jobname_as_stored"] and "63 bytes" in disabled.evidence["jobname_as_stored"]
    running = _judge({"job": job, "active": True, "schedule": "0 5 * * *"}, facts)
    assert running.status is Status.PASSED, running
    assert "jobname_as_stored" not in _judge({"job": "nightly", "active": False}, facts).evidence  # short: as written


# -- an interval as pg_cron's own parser reads it (1.5+: sscanf " %u secon%c%c %c", 1 to 59) ---------------
@pytest.mark.parametrize("stored", ["90 seconds", "0 seconds", "every second", "60 second", "-1 seconds",
                                    "30 second ", "30 secondsx", "30 seconds c", "# every half minute\n30 seconds",
                                    "30 sec", "5 secondz"])
def test_a_stored_interval_pg_cron_refuses_fails(stored):
    outcome = _judge({"job": "sec", "active": True}, _facts(_job(4, "sec", stored), version="1.6"))
    assert outcome.status is Status.FAILED, outcome
    assert "pg_cron cannot read the stored schedule of jobid 4" in outcome.observed
    assert "the job never runs" in outcome.observed


@pytest.mark.parametrize("stored", ["30 seconds", "30seconds", "+30 seconds", "030 Seconds", " 30 SECONDS \n",
                                    "\t30\tsecond", "30 seconds\t", "-4294967266 seconds"])
def test_a_stored_interval_pg_cron_reads_is_compared_by_its_seconds(stored):
    """What pg_cron's sscanf takes: blanks, a number (a sign too: unsigned, -4294967266 is 30), blanks, then
    `second` and nothing, or `seconds` and blanks."""
    outcome = _judge({"job": "sec", "active": True, "schedule": "30 seconds"},
                     _facts(_job(4, "sec", stored), version="1.6"))
    assert outcome.status is Status.PASSED, outcome


def test_a_stored_interval_whose_number_pg_cron_would_wrap_gives_no_verdict():
    outcome = _judge({"job": "sec", "active": True}, _facts(_job(4, "sec", "4294967326 seconds"), version="1.6"))
    assert outcome.status is Status.ERROR and "not known here" in outcome.observed, outcome


# -- a range written high-to-low: read as the server's pg_cron reads it ------------------------------------
# pg_cron before 1.6 sets a range counting up from its first bound (get_range: `for (i = num1; i <= num2; …)`), so
# nothing from one written high-to-low. 1.6.0 took vixie cron's set_range (pg_cron PR #271): a range of step 1 is
# set by bit_nset over the field's bits (value - its lowest), byte by byte: start's byte from start up, stop's byte
# up to stop, nothing when both are in one byte (/tmp/lab/p6_re1/bitnset.c on the macro).
@pytest.mark.parametrize("schedule", ["5-1 * * * *", "* 5-1 * * *", "0 0 * * fri-mon", "0 22-2 * * *",
                                      "0 0 * dec-jan *", "0 0 1-20/2,31-1 * *"])
def test_a_range_written_high_to_low_is_taken_at_load(schedule):
    """A runbook may write `0 22-2 * * *` for a pg_cron that runs it (1.6 and later): what it means is judged
    against the server's version, not refused before."""
    load_item_params("scheduler", {"job": "w", "active": True, "schedule": schedule})


@pytest.mark.parametrize("stored", ["5-1 * * * *", "* 5-1 * * *", "0 5 * 12-1 *", "0 5 31-1 * *", "0 5 * * 5-1",
                                    "0 5 31-1 * 6-2", "5-1/2,9-3 * * * *", "0 22-2 * * *"])
def test_a_stored_schedule_that_fires_on_no_minute_fails(stored):
    """pg_cron 1.4 takes `5-1 * * * *` and runs it 0 times: a range written high-to-low sets no value."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", stored), version="1.4-1"))
    assert outcome.status is Status.FAILED, outcome
    assert "the stored schedule of jobid 6" in outcome.observed and "the job never runs" in outcome.observed
    assert "high-to-low" in outcome.observed and "pg_cron 1.4-1" in outcome.observed


@pytest.mark.parametrize("stored", ["5-1 * * * *", "7-2 * * * *", "0 9 * * sat-sun", "0 5 * * 5-1", "0 5 * * 6-0",
                                    "0 22-2/2 * * *", "5-1/2 * * * *"])
def test_a_stored_schedule_bit_nset_sets_nothing_from_fails_on_pg_cron_1_6(stored):
    """From 1.6 a range whose bounds share a byte of the field's bits (`5-1`, any weekday range: 0-7 is one byte)
    sets nothing, and a stepped one is still counted up from its first bound."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", stored), version="1.6"))
    assert outcome.status is Status.FAILED, outcome
    assert "pg_cron fires the stored schedule of jobid 6" in outcome.observed, outcome.observed
    assert "the job never runs" in outcome.observed and "pg_cron 1.6" in outcome.observed


@pytest.mark.parametrize("stored, wanted", [
    ("0 22-2 * * *", "0 0-2,22-23 * * *"),  # stop's byte (0-7) up to 2, start's byte (16-23) from 22
    ("0 20-9 * * *", "0 8,9,20-23 * * *"),  # not 0-9: stop's byte is 8-15, from its start up to 9
    ("40-28 * * * *", "24-28,40-47 * * * *"),
    ("58-1 * * * *", "0,1,58,59 * * * *"),  # start's byte runs to bit 63: past 59 it is no minute
    ("0 5 * nov-feb *", "0 5 * 1,2,11,12 *"),  # months from bit 0 (month - 1): bits 10-15 and 0-1
    ("0 5 25-5 * *", "0 5 1-5,25-31 * *"),  # days from bit 0 (day - 1): bits 24-31 (day 32 is none) and 0-4
    ("0 5 31-1 * 1", "0 5 1,31 * 1"),  # neither day field a *: either one fires
    ("1,5-1 * * * *", "1 * * * *"),  # one byte: nothing beside the rest
    ("0 22-2 * * *", "0 22-2 * * *"),  # the checklist's schedule is read alike
])
def test_a_range_written_high_to_low_is_read_as_pg_cron_1_6_sets_it(stored, wanted):
    outcome = _judge({"job": "j", "active": True, "schedule": wanted}, _facts(_job(6, "j", stored), version="1.6.4"))
    assert outcome.status is Status.PASSED, outcome


def test_a_range_read_another_way_than_meant_fails_saying_how_pg_cron_reads_it():
    outcome = _judge({"job": "j", "active": True, "schedule": "0 20-23,0-9 * * *"},
                     _facts(_job(6, "j", "0 20-9 * * *"), version="1.6"))
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == "'j' runs on '0 20-9 * * *'", outcome.observed
    assert outcome.evidence["ranges_high_to_low"] == ["'20-9' in field 2 of '0 20-9 * * *': pg_cron 1.6 sets 8-9,"
                                                      "20-23 from it (bit_nset, byte by byte)"], outcome.evidence


@pytest.mark.parametrize("stored, wanted, version", [
    ("1,5-1 * * * *", "1 * * * *", "1.4-1"),  # the reversed range adds nothing; the rest runs
    ("0 5 31-1 * 1", "0 5 * * 1", "1.4-1"),  # no day of month, but a weekday (neither field a *: either one fires)
    ("0 5 31-1 * 1", "0 5 * * 1", "1.5"),
])
def test_a_stored_schedule_with_a_reversed_range_beside_others_is_compared_as_it_fires(stored, wanted, version):
    outcome = _judge({"job": "j", "active": True, "schedule": wanted}, _facts(_job(6, "j", stored), version=version))
    assert outcome.status is Status.PASSED, outcome


def test_a_checklist_schedule_the_servers_pg_cron_fires_on_no_minute_cannot_be_met():
    """On 1.4 `0 22-2 * * *` fires never: no job can run on it, whatever runs, so the item says how to write it."""
    outcome = _judge({"job": "j", "active": True, "schedule": "0 22-2 * * *"},
                     _facts(_job(6, "j", "0 22-23,0-2 * * *"), version="1.4-1"))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("the item's schedule '0 22-2 * * *' fires on no minute on pg_cron 1.4-1"), \
        outcome.observed
    assert "write a range that wraps as two ('22-23,0-2')" in outcome.observed


# -- days of month that come in none of the months: pg_cron takes them, and fires on the dates there are ---------
@pytest.mark.parametrize("stored, shown", [
    ("0 0 31 2 *", "day 31 of month 2"), ("0 0 30 2 *", "day 30 of month 2"), ("0 0 31 4 *", "day 31 of month 4"),
    ("0 0 30,31 feb *", "day 30-31 of month 2"), ("0 0 31 apr,jun,sep,nov *", "day 31 of month 4,6,9,11"),
    ("0 0 31 4-6/2 *", "day 31 of month 4,6"),
    ("0 0 30 2 */2", "day 30 of month 2"),  # a weekday field starting with *: pg_cron wants both, and no date is there
])
def test_a_stored_schedule_whose_days_never_come_fails(stored, shown):
    """`0 0 31 2 *` (31 February) is a schedule pg_cron takes and never runs: an active item fails on it."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", stored), version="1.6"))
    assert outcome.status is Status.FAILED, outcome
    assert f"pg_cron fires the stored schedule of jobid 6 ('{stored}': field 3" in outcome.observed, outcome.observed
    assert f"{shown} never comes" in outcome.observed and "the job never runs" in outcome.observed
    assert _judge({"job": "j", "active": False}, _facts(_job(6, "j", stored, active=False),
                                                        version="1.6")).status is Status.PASSED


@pytest.mark.parametrize("stored, version", [
    ("0 0 29 2 *", "1.6"),  # in leap years
    ("0 0 31 2,3 *", "1.6"), ("0 0 */30 2 *", "1.6"),  # the 1st of February
    ("0 0 30 2 1", "1.6"),  # neither day field a *: Mondays of February fire
    ("0 0 $ 2 *", "1.6"),  # the last day, which every month has
    ("0 0 31-1 2 *", "1.6"),  # bit_nset: the 31st and the 1st
])
def test_a_stored_schedule_with_a_date_there_is_passes(stored, version):
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", stored), version=version))
    assert outcome.status is Status.PASSED, outcome


def test_a_checklist_schedule_whose_days_never_come_cannot_be_met():
    outcome = _judge({"job": "j", "active": True, "schedule": "0 0 31 2 *"},
                     _facts(_job(6, "j", "0 0 28 2 *"), version="1.6"))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("the item's schedule '0 0 31 2 *' fires on no minute on pg_cron 1.6: field 3"
                                       " ('31') names no day that field 4 ('2') has"), outcome.observed
    assert outcome.observed.endswith("; name a day those months have"), outcome.observed


# -- @yearly / @annually: pg_cron 1.6.0 on sets their month from FIRST_MINUTE (0), below the first month: no bit --
@pytest.mark.parametrize("stored", ["@yearly", "@annually", "@yearly  # year end"])
def test_a_stored_yearly_macro_on_pg_cron_1_6_never_fires(stored):
    """entry.c (1.6.0 on): set_element(e->month, FIRST_MONTH, LAST_MONTH, FIRST_MINUTE) sets no month, and
    ShouldRunTask wants the month's bit: the job never runs. The message names the version and what to write."""
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", stored), version="1.6"))
    assert outcome.status is Status.FAILED, outcome
    assert f"pg_cron fires the stored schedule of jobid 6 ('{stored}': pg_cron 1.6 sets no month from" \
        in outcome.observed, outcome.observed
    assert "write '0 0 1 1 *'" in outcome.observed and "the job never runs" in outcome.observed, outcome.observed
    asked = _judge({"job": "j", "active": True, "schedule": "@yearly"}, _facts(_job(6, "j", stored), version="1.6"))
    assert asked.status is Status.FAILED and "the job never runs" in asked.observed, asked


@pytest.mark.parametrize("version", ["1.4-1", "1.5", "devel"])  # before 1.6 the month is January (bit 0)
@pytest.mark.parametrize("stored", ["@yearly", "@annually"])
def test_a_stored_yearly_macro_before_pg_cron_1_6_passes(stored, version):
    outcome = _judge({"job": "j", "active": True, "schedule": stored}, _facts(_job(6, "j", stored), version=version))
    assert outcome.status is Status.PASSED, outcome


def test_a_checklist_yearly_macro_on_pg_cron_1_6_cannot_be_met():
    outcome = _judge({"job": "j", "active": True, "schedule": "@annually"},
                     _facts(_job(6, "j", "0 0 1 1 *"), version="1.6"))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith("the item's schedule '@annually' fires on no minute on pg_cron 1.6: pg_cron 1.6"
                                       " sets no month from '@annually'"), outcome.observed
    assert outcome.observed.endswith("; write '0 0 1 1 *' (what it meant before 1.6)"), outcome.observed


def test_an_unknown_pg_cron_version_reads_a_reversed_range_as_before_1_6_and_says_so():
    outcome = _judge({"job": "j", "active": True}, _facts(_job(6, "j", "0 22-2 * * *"), version="devel"))
    assert outcome.status is Status.FAILED and "the job never runs" in outcome.observed, outcome
    shown = outcome.evidence["ranges_high_to_low"]
    assert shown == ["'22-2' in field 2 of '0 22-2 * * *': pg_cron 'devel' sets nothing from it (a version not known"
                     " here: read as before 1.6, which counts up from the first bound)"], shown


# -- an active job pg_cron can never start: its database or role, read from the catalog -----------------------
def _facts_with_catalog(*jobs: dict, databases=("app", "postgres"), **settings) -> dict:
    """Facts as gather reads them with the catalog: each job's database and role as pg_database and pg_roles show
    them, and the databases there are."""
    return {**_facts(*jobs, **settings), "databases": list(databases)}


def _catalog(job: dict, database_exists: bool = True, database_allows_connections: bool | None = True,
             role_can_login: bool | None = True) -> dict:
    return {**job, "database_exists": database_exists, "database_allows_connections": database_allows_connections,
            "role_can_login": role_can_login}


@pytest.mark.parametrize("catalog, why", [
    # cron.schedule_in_database(…, 'gone') then `drop database gone`: pg_cron logs "connection failed" each run
    ({"database_exists": False, "database_allows_connections": None}, "its database 'app' does not exist"),
    ({"database_allows_connections": False}, "its database 'app' does not allow connections"),
    ({"role_can_login": False}, "its role 'owner' cannot log in"),  # NOLOGIN: "not permitted to log in"
    ({"role_can_login": None}, "its role 'owner' does not exist"),
])
def test_an_active_job_whose_database_or_role_pg_cron_cannot_connect_as_fails(catalog, why):
    facts = _facts_with_catalog(_catalog(_job(3, "ghost", "* * * * *", username="owner"), **catalog))
    outcome = _judge({"job": "ghost", "active": True, "schedule": "* * * * *"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert f"jobid 3 ({why})" in outcome.observed and "the job never runs" in outcome.observed, outcome.observed
    assert _judge({"job": "ghost", "active": True}, facts).status is Status.FAILED  # no schedule named: still
    # an item that wants it off is judged on cron.job as usual: the row is active
    assert _judge({"job": "ghost", "active": False}, facts).status is Status.FAILED
    fine = _facts_with_catalog(_catalog(_job(3, "ghost", "* * * * *", username="owner")))
    assert _judge({"job": "ghost", "active": True, "schedule": "* * * * *"}, fine).status is Status.PASSED


def test_a_job_stored_in_a_database_dropped_since_fails_when_the_item_names_it():
    """`database: gone` names where cron.job says the job runs, though no such database is left: judged, FAILS."""
    facts = _facts_with_catalog(_catalog(_job(3, "ghostdb", "* * * * *", database="gone"), database_exists=False,
                                         database_allows_connections=None), here="postgres")
    outcome = _judge({"job": "ghostdb", "active": True, "database": "gone"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert "its database 'gone' does not exist" in outcome.observed, outcome.observed


def test_gather_reads_each_jobs_database_and_role_and_the_databases_in_the_same_round_trip():
    assert "pg_database" in scheduler.JOBS and "rolcanlogin" in scheduler.JOBS
    assert "pg_database" in scheduler.SETTINGS
    assert len(scheduler.database_statements(None, [])) == 10  # asked with the others, one round trip
    row = _catalog(_job(1, "m", "0 5 * * *"), role_can_login=False)
    target = SimpleNamespace(database=_Answers([row], [{**SETTINGS_ROW, "databases": ["app"]}], [SCHEDULER_ROW],
                                               [{"timezone": None}], [WORKERS_ROW], *LAUNCHER_ROWS, [SOCKETS_ROW],
                                               [DAY_FIELDS_ROW], [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert facts["databases"] == ["app"]
    assert "cannot log in" in _judge({"job": "m", "active": True}, facts).observed


# -- `database:` naming no database: never a pass -------------------------------------------------------------
@pytest.mark.parametrize("active", [False, True])
def test_a_database_the_item_names_that_does_not_exist_is_an_error(active):
    """`database: APP` (PostgreSQL's names are case-sensitive) with the job active in `app`: `active: false` would
    pass while it runs."""
    facts = _facts_with_catalog(_catalog(_job(6, "otherdb", "0 1 * * *", database="app")), here="postgres")
    outcome = _judge({"job": "otherdb", "active": active, "database": "APP"}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "database 'APP' does not exist" in outcome.observed, outcome.observed
    assert "jobid 6 is active in app" in outcome.observed, outcome.observed
    none_active = _facts_with_catalog(here="postgres")
    alone = _judge({"job": "otherdb", "active": active, "database": "APP"}, none_active)
    assert alone.status is Status.ERROR and "database 'APP' does not exist" in alone.observed, alone
    assert _judge({"job": "otherdb", "active": False, "database": "app"}, facts).status is Status.FAILED


# -- a passing message shows the schedule the server holds, not the item's spelling of it ---------------------------
@pytest.mark.parametrize("params, jobs, observed", [
    ({"schedule": "0 5 * * 1-5"}, [_job(1, "wk", "0 5 * * mon-fri")], "'wk' active on '0 5 * * mon-fri' (= '0 5 * * 1-5')"),
    ({"schedule": "0 5 * * 1-5"}, [_job(1, "wk", "0 5 * * 1-5")], "'wk' active on '0 5 * * 1-5'"),
    ({"schedule": "0 5 * * 1-5"}, [_job(1, "wk", "0  5 * * 1-5 extra")], "'wk' active on '0 5 * * 1-5'"),
    ({"schedule": "@daily"}, [_job(1, "wk", "0 0 * * *"), _job(2, "wk", "@midnight", username="alice")],
     "2 active jobs named 'wk' (pg_cron runs each) on '0 0 * * *' and '@midnight' (= '@daily')"),
    ({"schedule": "@daily", "timezone": "America/Bogota"}, [_job(1, "wk", "0 5 * * *")],
     "'wk' active on '0 5 * * *' (= '@daily' in America/Bogota)"),
])
def test_a_passing_schedule_is_shown_as_stored(params, jobs, observed):
    outcome = _judge({"job": "wk", "active": True, **params}, _facts(*jobs, timezone="GMT"))
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed == observed, outcome.observed


def test_a_passing_schedule_is_shown_as_stored_on_a_real_database(demo_deployment):
    """The pg_cron stand-in holding `0 5 * * mon-fri`, as cron.schedule keeps what it was given."""
    stored = PG_CRON_HERE + "insert into cron.job (schedule, command, jobname) values ('0 5 * * mon-fri', 'select 1', 'wk');"
    with scratch_database(demo_deployment, stored, prefix="cronshown") as db:
        target = make_target({"database": db["url"]})
        launcher = psycopg.connect(db["admin"], autocommit=True, application_name="pg_cron scheduler")
        try:
            outcome, = gather_and_judge(target, scheduler, [make_check(
                "scheduler", {"job": "wk", "active": True, "schedule": "0 5 * * 1-5"})])
        finally:
            target.close()
            launcher.close()
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed == "'wk' active on '0 5 * * mon-fri' (= '0 5 * * 1-5')", outcome.observed


# -- the launcher: its backend_type, where the checker sees it, not only its application_name --------------------
def test_the_scheduler_is_the_pg_cron_launcher_not_a_client_named_so():
    """Any client may set application_name 'pg_cron scheduler' (PGAPPNAME): where pg_stat_activity shows the
    session's backend_type, it must be the launcher's (its bgw_type, 'pg_cron launcher')."""
    assert "backend_type" in scheduler.SCHEDULER and "'pg_cron launcher'" in scheduler.SCHEDULER


def test_a_client_session_named_as_the_launcher_is_not_taken_for_it(demo_deployment, pg_cron_here):
    """Against the demo's PostgreSQL, the checker's own session named 'pg_cron scheduler': it sees its backend_type
    ('client backend'), so no launcher runs the job. (The demo's stand-in launcher, a session in another database,
    is let go meanwhile: seen, it is a launcher elsewhere — the next test.)"""
    held = demo_deployment.pg_cron_launcher is not None and not demo_deployment.pg_cron_launcher.closed
    demo_deployment.release_pg_cron_launcher()
    target = make_target({"database": pg_cron_here["url"]})
    impostor = psycopg.connect(pg_cron_here["url"], autocommit=True, application_name="pg_cron scheduler")
    try:
        outcome, = gather_and_judge(target, scheduler, [make_check("scheduler", {"job": "rollup", "active": True})])
    finally:
        target.close()
        impostor.close()
        if held:
            demo_deployment.hold_pg_cron_launcher()
    assert outcome.status is Status.FAILED, outcome
    assert "no pg_cron scheduler is connected" in outcome.observed


def test_a_cron_job_table_beside_a_launcher_connected_to_another_database_is_not_judged(demo_deployment,
                                                                                       pg_cron_here):
    """The demo's stand-in launcher is connected to its own system's database: to the demo's checker role (no
    pg_read_all_stats: its backend_type hidden) that is pg_cron's launcher reading cron.job there, so this database's
    cron.job, extension and all, is one it left behind — no item is judged from its rows, active or not."""
    demo_deployment.hold_pg_cron_launcher()
    elsewhere = demo_deployment.pg_cron_launcher.info.dbname
    target = make_target({"database": pg_cron_here["url"]})
    try:
        outcomes = gather_and_judge(target, scheduler, [
            make_check("scheduler", {"job": "rollup", "active": True}, item="K1"),
            make_check("scheduler", {"job": "nightly", "active": False, "database": pg_cron_here["name"]},
                       item="K2")])
    finally:
        target.close()
    assert [o.status for o in outcomes] == [Status.ERROR, Status.ERROR], outcomes
    for outcome in outcomes:
        assert outcome.observed == (
            f"no pg_cron scheduler reads cron.job in database {pg_cron_here['name']}: pg_cron's launcher ('pg_cron"
            f" scheduler' in pg_stat_activity) is connected to database {elsewhere} and reads cron.job there only;"
            f" point the system's database at the database pg_cron runs in (cron.database_name: {elsewhere})"), \
            outcome.observed
        assert outcome.evidence["scheduler_elsewhere"] == [elsewhere]


# -- a stored schedule with text after its fifth field: pg_cron reads the five and ignores the rest ----------------
@pytest.mark.parametrize("stored", ["0 5 * * * extra", "0 5 * * *\textra words", "0  5 * * *  *", "#c\n0 5 * * *"])
def test_a_stored_schedule_is_compared_on_the_fields_pg_cron_reads(stored):
    """cron.schedule('a b', '0 5 * * * extra', …) runs at 05:00 (seen on pg_cron 1.4.2): only the first five fields
    count, and the rest is shown in the evidence."""
    facts = _facts(_job(8, "a b", stored))
    outcome = _judge({"job": "a b", "active": True, "schedule": "0 5 * * *"}, facts)
    assert outcome.status is Status.PASSED, outcome
    other = _judge({"job": "a b", "active": True, "schedule": "0 6 * * *"}, facts)
    assert other.status is Status.FAILED and other.observed == "'a b' runs on '0 5 * * *'", other


def test_the_text_pg_cron_ignores_after_the_fifth_field_is_shown():
    outcome = _judge({"job": "a b", "active": True, "schedule": "0 5 * * *"}, _facts(_job(8, "a b", "0 5 * * * extra")))
    assert outcome.evidence["ignored_by_pg_cron"] == ["jobid 8: 'extra' after the fifth field"], outcome.evidence


# -- an active job pg_cron can never connect for: privileges, connection limits, where it connects to ------------
# Seen on PostgreSQL 15 + pg_cron 1.4.2: each of these ends every run "connection failed" (the server logs
# `permission denied for database`, `too many connections for role` / `for database`).
def _connecting(job: dict, **catalog) -> dict:
    return {**_catalog(job), "role_may_connect": True, "role_connection_limit": -1, "role_is_superuser": False,
            "database_connection_limit": -1, "nodename": "localhost", "nodeport": 5432, **catalog}


def _node_facts(*jobs: dict, workers: str | None = "off", workers_unreadable: bool = False,
                listen: str | None = "localhost", port: int = 5432, address: str | None = "127.0.0.1",
                sockets: str | None = "/var/run/postgresql", platform: str | None = "x86_64-pc-linux-gnu") -> dict:
    return {**_facts_with_catalog(*jobs), "server_port": port, "listen_addresses": listen, "server_address": address,
            "server_platform": platform,
            "use_background_workers": workers, "background_workers_unreadable": workers_unreadable,
            "unix_socket_directories": sockets, "sockets_unreadable": False}


@pytest.mark.parametrize("catalog, why", [
    ({"role_may_connect": False}, "its role 'owner' has no CONNECT privilege on database 'app'"),
    ({"role_connection_limit": 0}, "its role 'owner' has connection limit 0"),
    ({"database_connection_limit": 0}, "its database 'app' has connection limit 0"),
    ({"database_connection_limit": -2},  # PostgreSQL 15.4+: what a DROP DATABASE cut short leaves
     "its database 'app' is invalid, left so by a DROP DATABASE that did not finish"),
])
def test_an_active_job_whose_role_may_not_connect_fails(catalog, why):
    facts = _node_facts(_connecting(_job(3, "ghost", "* * * * *", username="owner"), **catalog))
    outcome = _judge({"job": "ghost", "active": True, "schedule": "* * * * *"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert f"jobid 3 ({why})" in outcome.observed and "the job never runs" in outcome.observed, outcome.observed
    fine = _node_facts(_connecting(_job(3, "ghost", "* * * * *", username="owner")))
    assert _judge({"job": "ghost", "active": True, "schedule": "* * * * *"}, fine).status is Status.PASSED


@pytest.mark.parametrize("catalog", [{"role_connection_limit": 0}, {"database_connection_limit": 0},
                                     {"role_connection_limit": 3}, {"database_connection_limit": 3}])
def test_connection_limits_that_do_not_stop_the_job_pass(catalog):
    """A superuser is not held to a limit; a limit above 0 may be met for a moment, which says nothing."""
    superuser = catalog["role_connection_limit" if "role_connection_limit" in catalog else
                        "database_connection_limit"] == 0
    job = _connecting(_job(3, "ghost", "* * * * *"), role_is_superuser=superuser, **catalog)
    assert _judge({"job": "ghost", "active": True}, _node_facts(job)).status is Status.PASSED


@pytest.mark.parametrize("node, settings, why", [
    ({"nodeport": 1}, {}, "its nodeport 1 is not this server's port 5432"),
    ({"nodename": "/var/run/postgresql", "nodeport": 5433}, {}, "its nodeport 5433 is not this server's port 5432"),
    ({"nodename": "db.invalid"}, {}, "its nodename 'db.invalid' never resolves"),
    ({"nodename": "10.9.9.9"}, {}, "its nodename '10.9.9.9' is no address this server listens on"),
    ({"nodename": "localhost"}, {"listen": "10.0.0.5"}, "its nodename 'localhost' is no address this server listens on"),
    ({"nodename": "127.0.0.1"}, {"listen": "", "address": None},  # unix sockets only (the checker came through one)
     "its nodename '127.0.0.1' is no address this server listens on"),
    # 'localhost' is 127.0.0.1 (and maybe ::1), not every loopback address: seen on PostgreSQL 15 + pg_cron 1.4.2
    # with localhost resolving to 127.0.0.1 only, a job at 127.0.0.2 ends every run "connection failed"
    ({"nodename": "127.0.0.2"}, {}, "its nodename '127.0.0.2' is no address this server listens on (listen_addresses"
                                    " 'localhost')"),
    ({"nodename": "127.0.0.2"}, {"listen": "localhost, ::1"}, "its nodename '127.0.0.2' is no address"),
    ({"nodename": "localhost"}, {"listen": "127.0.0.2", "address": "127.0.0.2"},
     "its nodename 'localhost' is no address this server listens on"),
    # ::1 may or may not be localhost, but it is this host: another port than the server's is not this server
    ({"nodename": "::1", "nodeport": 1}, {}, "its nodeport 1 is not this server's port 5432"),
    # seen on PostgreSQL 15 + pg_cron 1.4.2: cron.host = '/tmp' (as pg_cron's README shows it) on a server whose
    # sockets are elsewhere ends every run "connection failed"; so does a nodename a blank pads (libpq reads it as is)
    ({"nodename": "/tmp"}, {}, "its nodename '/tmp' is no socket directory of this server (unix_socket_directories"
                               " '/var/run/postgresql')"),
    ({"nodename": "/var/run/postgresql"}, {"sockets": "/tmp"}, "its nodename '/var/run/postgresql' is no socket"),
    ({"nodename": "@pg"}, {"sockets": "@other, /tmp"}, "its nodename '@pg' is no socket directory"),
    ({"nodename": ""}, {"sockets": ""}, "its nodename '' is a unix socket, and this server has none"),
    ({"nodename": "/var/run/postgresql"}, {"sockets": " "}, "its nodename '/var/run/postgresql' is a unix socket"),
    ({"nodename": "localhost "}, {}, "its nodename 'localhost ' holds blanks, which no host name resolves with"),
    ({"nodename": " 127.0.0.1"}, {}, "its nodename ' 127.0.0.1' holds blanks"),
    ({"nodename": "local host"}, {}, "its nodename 'local host' holds blanks"),
    ({"nodename": "::1 "}, {}, "its nodename '::1 ' holds blanks"),
    # Linux connects to 0.0.0.0 as 127.0.0.1 and to :: as ::1: not where a server listens on another address only
    ({"nodename": "0.0.0.0"}, {"listen": "10.0.0.5", "address": "10.0.0.5"},
     "its nodename '0.0.0.0' (which Linux connects to as 127.0.0.1) is no address this server listens on"
     " (listen_addresses '10.0.0.5')"),
    ({"nodename": "0.0.0.0"}, {"listen": "127.0.0.2", "address": "127.0.0.2"},
     "its nodename '0.0.0.0' (which Linux connects to as 127.0.0.1) is no address"),
    ({"nodename": "::"}, {"listen": "127.0.0.1"}, "its nodename '::' (which Linux connects to as ::1) is no address"),
    ({"nodename": "::ffff:0.0.0.0"}, {"listen": "::1", "address": None},
     "its nodename '::ffff:0.0.0.0' (which Linux connects to as 127.0.0.1) is no address"),
    # 0.0.0.0 is this host wherever it connects (or no connection at all): another port is not this server
    ({"nodename": "0.0.0.0", "nodeport": 1}, {}, "its nodeport 1 is not this server's port 5432"),
    ({"nodename": "::", "nodeport": 1}, {"platform": None}, "its nodeport 1 is not this server's port 5432"),
])
def test_an_active_job_pg_cron_connects_elsewhere_for_fails(node, settings, why):
    """With cron.use_background_workers off, pg_cron opens each run through libpq to the job's nodename:nodeport."""
    facts = _node_facts(_connecting(_job(3, "ghost", "* * * * *"), **node), **settings)
    outcome = _judge({"job": "ghost", "active": True}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert f"jobid 3 ({why}" in outcome.observed and "the job never runs" in outcome.observed, outcome.observed
    # background workers connect inside the server: nodename and nodeport are not read
    assert _judge({"job": "ghost", "active": True}, {**facts, "use_background_workers": "on"}).status is Status.PASSED


@pytest.mark.parametrize("node, settings", [
    ({}, {}),  # pg_cron's default: localhost at the server's port
    ({"nodename": ""}, {}), ({"nodename": None}, {}),  # libpq's default socket
    ({"nodename": "/var/run/postgresql"}, {"listen": ""}),  # cron.host = a socket directory
    ({"nodename": "127.0.0.1"}, {}), ({"nodename": "::1"}, {"listen": "*"}), ({"nodename": "LocalHost"}, {}),
    ({"nodename": "10.0.0.5"}, {"listen": "localhost, 10.0.0.5"}),
    ({"nodename": "10.0.0.5"}, {"listen": "*", "address": "10.0.0.5"}),
    # cannot be told from the catalog (a host name resolves where the server runs; '*' is any of its addresses):
    # not judged, rather than fail a job that runs
    ({"nodename": "db"}, {"listen": "*"}), ({"nodename": "db"}, {"listen": "localhost"}),
    # whether the server's localhost resolves to ::1 too is not seen from the catalog
    ({"nodename": "::1"}, {"listen": "localhost"}), ({"nodename": "localhost"}, {"listen": "::1", "address": None}),
    ({"nodename": "::1"}, {"listen": "localhost, 10.0.0.5"}),
    ({"nodename": "::ffff:127.0.0.1"}, {}),  # an IPv4-mapped address connects to the IPv4 one
    ({"nodename": "10.0.0.5"}, {"listen": "*"}), ({"nodename": "10.0.0.5", "nodeport": 6432}, {"listen": "*"}),
    ({"nodeport": 1}, {"workers": None}),  # no pg_cron library in this server defines the setting
    # a socket directory as the server's, written otherwise, or one whose sameness the catalog cannot show
    ({"nodename": "/run/postgresql"}, {}), ({"nodename": "/var/run/postgresql/"}, {}),
    ({"nodename": "/tmp"}, {"sockets": '/var/run/postgresql, "/tmp"'}), ({"nodename": "@pg"}, {"sockets": "@pg"}),
    ({"nodename": "/tmp"}, {"sockets": None}),  # the checker may not read unix_socket_directories
    ({"nodename": "/tmp"}, {"sockets": "sockets"}),  # relative to the data directory, not shown
    ({"nodename": ""}, {"sockets": "/srv/sockets"}),  # libpq's own default directory is not known here
    # an IPv4 address a blank follows: inet_aton before glibc 2.32 reads it
    ({"nodename": "127.0.0.1 "}, {}), ({"nodename": "127.0.0.1\t"}, {}),
    # seen on PostgreSQL 15 + pg_cron 1.4.2, each run succeeded: `//dir` is dir on Linux, and libpq tries each host of
    # a list in turn
    ({"nodename": "//var/run/postgresql"}, {}), ({"nodename": "/nonexistent,/var/run/postgresql"}, {}),
    ({"nodename": "db.invalid,localhost"}, {}),
    # seen on PostgreSQL 15 + pg_cron 1.4.2 (cron.host = '0.0.0.0'): every run succeeded, Linux connecting to
    # 0.0.0.0 as 127.0.0.1 (and libpq to :: as ::1)
    ({"nodename": "0.0.0.0"}, {"listen": "127.0.0.1"}), ({"nodename": "0.0.0.0"}, {}),
    ({"nodename": "0.0.0.0"}, {"listen": "*", "address": "10.0.0.5"}), ({"nodename": "0.0.0.0"}, {"listen": "0.0.0.0"}),
    ({"nodename": "::ffff:0.0.0.0"}, {}), ({"nodename": "::"}, {"listen": "::1", "address": None}),
    ({"nodename": "::"}, {"listen": "localhost"}),  # whether localhost is ::1 there too is not seen
    # elsewhere (BSD connects to an address of the host, Windows not at all): not judged but by port
    ({"nodename": "0.0.0.0"}, {"listen": "10.0.0.5", "address": "10.0.0.5", "platform": "aarch64-apple-darwin23.2.0"}),
    ({"nodename": "0.0.0.0"}, {"listen": "10.0.0.5", "address": "10.0.0.5", "platform": None}),
])
def test_a_job_that_connects_to_this_server_or_cannot_be_told_passes(node, settings):
    facts = _node_facts(_connecting(_job(3, "ghost", "* * * * *"), **node), **settings)
    outcome = _judge({"job": "ghost", "active": True}, facts)
    assert outcome.status is Status.PASSED, outcome


@pytest.mark.parametrize("nodename, status", [
    ("/nonexistent", Status.ERROR), ("/var/run/postgresql", Status.ERROR), ("@pg", Status.ERROR),
    ("localhost", Status.PASSED), ("", Status.PASSED),  # no socket directory named: nothing left unread
])
def test_a_socket_directory_the_checker_may_not_compare_is_an_error(nodename, status):
    """unix_socket_directories is superuser-only to read: a job at a socket directory was passed unjudged, though
    every run of one at a directory the server has no socket in ends "connection failed"."""
    facts = {**_node_facts(_connecting(_job(3, "ghost", "* * * * *"), nodename=nodename), sockets=None),
             "sockets_unreadable": True}
    outcome = _judge({"job": "ghost", "active": True}, facts)
    assert outcome.status is status, outcome
    if status is Status.ERROR:
        assert "could not look whether pg_cron connects for jobid 3" in outcome.observed, outcome.observed
        assert "unix_socket_directories, which the checker role" in outcome.observed, outcome.observed


def test_where_a_job_connects_is_an_error_when_the_checker_may_not_read_cron_use_background_workers():
    foreign = _node_facts(_connecting(_job(3, "ghost", "* * * * *"), nodeport=1), workers=None, workers_unreadable=True)
    outcome = _judge({"job": "ghost", "active": True}, foreign)
    assert outcome.status is Status.ERROR, outcome
    assert "its nodeport 1 is not this server's port 5432" in outcome.observed, outcome.observed
    assert "grant pg_read_all_settings to checker" in outcome.observed, outcome.observed
    here = _node_facts(_connecting(_job(3, "ghost", "* * * * *")), workers=None, workers_unreadable=True)
    assert _judge({"job": "ghost", "active": True}, here).status is Status.PASSED


def test_gather_reads_cron_use_background_workers_in_its_own_statement():
    """Superuser-only: refused, it must not take the jobs or the settings with it."""
    assert "cron.use_background_workers" in scheduler.BACKGROUND_WORKERS
    assert "nodeport" in scheduler.JOBS and "rolconnlimit" in scheduler.JOBS and "datconnlimit" in scheduler.JOBS
    refused = QueryFailed('permission denied to examine "cron.use_background_workers"', "42501")
    target = SimpleNamespace(database=_Answers([_connecting(_job(1, "m", "0 5 * * *"), nodeport=1)],
                                               [SETTINGS_ROW], [SCHEDULER_ROW],
                                               [{"timezone": None}], refused, *LAUNCHER_ROWS, [SOCKETS_ROW],
                                               [DAY_FIELDS_ROW], [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert facts["background_workers_unreadable"] and facts["use_background_workers"] is None
    assert _judge({"job": "m", "active": True}, facts).status is Status.ERROR


# -- settings under which pg_cron's launcher runs no active job, or none a superuser owns ---------------------------
def _launcher_facts(*jobs: dict, **settings) -> dict:
    return {**_node_facts(*jobs), "enable_superuser_jobs": "on", "enable_superuser_jobs_unreadable": False,
            "launch_active_jobs": None, "launch_active_jobs_unreadable": False, **settings}


SUPERUSERS_JOB = _connecting(_job(3, "nightly", "0 5 * * *", username="postgres"), role_is_superuser=True)
OWNERS_JOB = _connecting(_job(4, "owned", "0 5 * * *", username="owner"))


def test_a_superusers_job_pg_cron_skips_with_cron_enable_superuser_jobs_off_fails():
    """pg_cron 1.4+ loads no job a superuser owns while cron.enable_superuser_jobs is off: it logs "skipping job 3
    since superuser jobs are currently disallowed" each time, and the job never runs."""
    facts = _launcher_facts(SUPERUSERS_JOB, OWNERS_JOB, enable_superuser_jobs="off")
    outcome = _judge({"job": "nightly", "active": True, "schedule": "0 5 * * *"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == ("pg_cron skips jobid 3 (its role 'postgres' is a superuser) while"
                                " cron.enable_superuser_jobs is off: the job never runs"), outcome.observed
    assert _judge({"job": "owned", "active": True}, facts).status is Status.PASSED  # not a superuser's
    assert _judge({"job": "nightly", "active": True}, {**facts, "enable_superuser_jobs": "on"}).status is Status.PASSED
    # a pg_cron without the setting (before 1.4, or only a placeholder of it) runs it
    assert _judge({"job": "nightly", "active": True}, {**facts, "enable_superuser_jobs": None}).status is Status.PASSED


def test_whether_pg_cron_skips_a_superusers_job_is_an_error_when_the_checker_may_not_read_the_setting():
    facts = _launcher_facts(SUPERUSERS_JOB, OWNERS_JOB, enable_superuser_jobs=None,
                            enable_superuser_jobs_unreadable=True)
    outcome = _judge({"job": "nightly", "active": True}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "jobid 3 (its role 'postgres' is a superuser)" in outcome.observed, outcome.observed
    assert "cron.enable_superuser_jobs" in outcome.observed, outcome.observed
    assert "grant pg_read_all_settings to checker" in outcome.observed, outcome.observed
    assert _judge({"job": "owned", "active": True}, facts).status is Status.PASSED  # it does not matter for that one
    # a job that never runs for a reason that is known fails all the same
    gone = {**facts, "jobs": [{**SUPERUSERS_JOB, "role_can_login": False}]}
    assert _judge({"job": "nightly", "active": True}, gone).status is Status.FAILED


def test_every_active_job_fails_while_cron_launch_active_jobs_is_off():
    """pg_cron 1.5+ starts no active job while cron.launch_active_jobs is off (RefreshTaskHash)."""
    facts = _launcher_facts(OWNERS_JOB, _job(5, "off", "0 5 * * *", active=False), launch_active_jobs="off")
    outcome = _judge({"job": "owned", "active": True, "schedule": "0 5 * * *"}, facts)
    assert outcome.status is Status.FAILED, outcome
    assert ("'owned' is active, but cron.launch_active_jobs is off: pg_cron starts no active job while it is, so the"
            " job never runs") == outcome.observed, outcome.observed
    assert _judge({"job": "off", "active": False}, facts).status is Status.PASSED
    assert _judge({"job": "owned", "active": True}, {**facts, "launch_active_jobs": "on"}).status is Status.PASSED
    # NULL: this pg_cron (before 1.5) has no such setting, and starts its active jobs
    assert _judge({"job": "owned", "active": True}, {**facts, "launch_active_jobs": None}).status is Status.PASSED


def test_whether_pg_cron_starts_active_jobs_is_an_error_when_the_checker_may_not_read_the_setting():
    facts = _launcher_facts(OWNERS_JOB, launch_active_jobs=None, launch_active_jobs_unreadable=True)
    outcome = _judge({"job": "owned", "active": True}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert "cron.launch_active_jobs" in outcome.observed and "grant pg_read_all_settings to checker" in \
        outcome.observed, outcome.observed
    assert _judge({"job": "owned", "active": False}, facts).status is Status.FAILED  # judged on cron.job as before


@pytest.mark.parametrize("answer, read", [
    ([{"launch_active_jobs": "off", "defined": True}], {"launch_active_jobs": "off"}),
    # a line of postgresql.conf no loaded pg_cron defines (1.4.2 has no launch_active_jobs): a placeholder it never
    # reads, which any role may read
    ([{"launch_active_jobs": "off", "defined": False}], {"launch_active_jobs": None}),
    ([{"launch_active_jobs": None, "defined": False}], {"launch_active_jobs": None}),
    (QueryFailed('permission denied to examine "cron.launch_active_jobs"', "42501"),
     {"launch_active_jobs": None, "launch_active_jobs_unreadable": True}),
])
def test_gather_reads_cron_launch_active_jobs_as_pg_cron_reads_it(answer, read):
    assert "pg_settings" in scheduler.LAUNCH_ACTIVE_JOBS and "pg_settings" in scheduler.SUPERUSER_JOBS
    target = SimpleNamespace(database=_Answers([_job(1, "m", "0 5 * * *")], [SETTINGS_ROW], [SCHEDULER_ROW],
                                               [{"timezone": None}], [WORKERS_ROW], LAUNCHER_ROWS[0], answer,
                                               [SOCKETS_ROW], [DAY_FIELDS_ROW], [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert {key: facts[key] for key in read} == read
    assert facts["enable_superuser_jobs"] == "on" and not facts["enable_superuser_jobs_unreadable"]


# -- cron.dom_dow_and_logic (pg_cron 1.6.8 on): both day fields, not either ----------------------------------------
@pytest.mark.parametrize("answer, read", [
    ([{"dom_dow_and_logic": "on", "defined": True}],
     {"dom_dow_and_logic": "on", "dom_dow_and_logic_unreadable": False}),
    # a line of postgresql.conf an older pg_cron never reads: a placeholder, any role may read it, pg_settings hides it
    ([{"dom_dow_and_logic": "on", "defined": False}], {"dom_dow_and_logic": None}),
    ([{"dom_dow_and_logic": None, "defined": False}], {"dom_dow_and_logic": None}),
    (QueryFailed('permission denied to examine "cron.dom_dow_and_logic"', "42501"),
     {"dom_dow_and_logic": None, "dom_dow_and_logic_unreadable": True}),
])
def test_gather_reads_cron_dom_dow_and_logic_as_pg_cron_reads_it(answer, read):
    """Its own statement in the family's one round trip: refused, it takes neither the jobs nor the settings along."""
    assert scheduler.DAY_FIELDS_AND in scheduler.database_statements(None, [])
    assert "current_setting('cron.dom_dow_and_logic', true)" in scheduler.DAY_FIELDS_AND
    target = SimpleNamespace(database=_Answers([_job(1, "m", "0 5 * * *")], [SETTINGS_ROW], [SCHEDULER_ROW],
                                               [{"timezone": None}], [WORKERS_ROW], *LAUNCHER_ROWS, [SOCKETS_ROW],
                                               answer, [SLOTS_ROW]))
    facts = scheduler.gather(target, [])
    assert {key: facts[key] for key in read} == read
    assert facts["version"] == "1.6" and facts["jobs"][0]["jobname"] == "m"


def _days(*jobs: dict, **settings) -> dict:
    return {**_facts(*jobs, version="1.6"), "dom_dow_and_logic": None, "dom_dow_and_logic_unreadable": False,
            **settings}


AND_ON = {"dom_dow_and_logic": "on"}
AND_UNREAD = {"dom_dow_and_logic_unreadable": True}


def test_with_cron_dom_dow_and_logic_on_a_job_whose_day_and_weekday_never_meet_fails():
    """`0 3 31 2 1`: February's 31st never comes; read as either (vixie cron) it runs on February's Mondays, as both
    never."""
    never = _job(1, "nightly", "0 3 31 2 1")
    outcome = _judge({"job": "nightly", "active": True}, _days(never, **AND_ON))
    assert outcome.status is Status.FAILED, outcome
    assert "pg_cron fires the stored schedule of jobid 1" in outcome.observed, outcome.observed
    assert "with cron.dom_dow_and_logic on its weekdays (field 5, '1') do not fire instead" in outcome.observed, \
        outcome.observed
    assert "'0 3 31 2 1'" in outcome.evidence["dom_dow_and_logic"]
    for off in ({"dom_dow_and_logic": "off"}, {}):  # off, or a pg_cron that defines no such setting: Mondays
        assert _judge({"job": "nightly", "active": True}, _days(never, **off)).status is Status.PASSED
    # the item's own schedule that never fires so is no question this pg_cron can answer
    asked = _judge({"job": "nightly", "active": True, "schedule": "0 3 31 2 1"}, _days(_job(1, "nightly", "0 3 * * *"),
                                                                                     **AND_ON))
    assert asked.status is Status.ERROR and "fires on no minute" in asked.observed, asked


@pytest.mark.parametrize("stored, wanted, when_off, when_on", [
    # weekdays only, not daily
    ("0 3 1-31 * 1-5", "0 3 * * *", Status.PASSED, Status.FAILED),
    # the first Sunday of the month, not the first seven days and every Sunday
    ("0 5 1-7 * 0", "0 5 1-7 * 0", Status.PASSED, Status.PASSED),
    ("0 5 * * 0", "0 5 1-7 * 0", Status.FAILED, Status.FAILED),
    ("0 5 1-7 * 0,7", "0 5 1-7 * sun", Status.PASSED, Status.PASSED),
    # `1-7` beside a weekday field starting with `*` wants both either way
    ("0 5 1-7 * */1", "0 5 1-7 * *", Status.PASSED, Status.PASSED),
    ("0 3 1,15 * 1", "0 3 1,15 * *", Status.FAILED, Status.FAILED),
])
def test_with_cron_dom_dow_and_logic_on_schedules_compare_by_the_dates_that_are_both(stored, wanted, when_off,
                                                                                      when_on):
    item = {"job": "nightly", "active": True, "schedule": wanted}
    off = _judge(item, _days(_job(1, "nightly", stored), dom_dow_and_logic="off"))
    on = _judge(item, _days(_job(1, "nightly", stored), **AND_ON))
    assert (off.status, on.status) == (when_off, when_on), (off, on)
    if on.status is Status.FAILED and when_off is Status.PASSED:
        assert on.observed == (f"'nightly' runs on '{stored}' (cron.dom_dow_and_logic is on: pg_cron fires a schedule"
                               f" naming a day of month and a weekday on dates that are both)"), on.observed


def test_with_cron_dom_dow_and_logic_on_a_runbook_time_is_converted_on_the_dates_that_are_both():
    """05:00 New York on the first Sunday of November: that Sunday is the day EDT ends (at 02:00), so both day fields
    wanted it is always EST, 10:00 GMT; either wanted, November's 1st to 7th fall on both sides of the change."""
    item = {"job": "fall-back", "active": True, "schedule": "0 5 1-7 11 0", "timezone": "America/New_York"}
    facts = _days(_job(1, "fall-back", "0 10 1-7 11 0"), timezone="GMT")
    on = _judge(item, {**facts, **AND_ON})
    assert on.status is Status.PASSED, on
    assert on.evidence["expected_in_server_timezone"] == "0 10 1-7 11 0"
    off = _judge(item, facts)
    assert off.status is Status.ERROR and "both sides of a change of offset" in off.observed, off


@pytest.mark.parametrize("stored, wanted", [
    ("0 3 31 2 1", None),  # idle read as both, February's Mondays read as either
    ("0 3 1-31 * 1-5", "0 3 * * *"),  # weekdays read as both, daily read as either
    ("0 10 1-7 11 0", "0 5 1-7 11 0"),  # converted read as both, not one line read as either (below, New York)
])
def test_a_schedule_cron_dom_dow_and_logic_changes_is_an_error_where_the_checker_may_not_read_it(stored, wanted):
    item = {"job": "nightly", "active": True, **({"schedule": wanted} if wanted else {})}
    if wanted == "0 5 1-7 11 0":
        item["timezone"] = "America/New_York"
    outcome = _judge(item, _days(_job(1, "nightly", stored), timezone="GMT", **AND_UNREAD))
    assert outcome.status is Status.ERROR, outcome
    assert "cron.dom_dow_and_logic" in outcome.observed, outcome.observed
    assert "grant pg_read_all_settings to checker" in outcome.observed, outcome.observed


@pytest.mark.parametrize("stored, wanted, status", [
    ("0 3 * * *", "0 3 * * *", Status.PASSED),  # no schedule names both day fields: it does not matter
    ("0 3 * * 1-5", "0 3 * * mon-fri", Status.PASSED),
    ("0 3 1 * *", None, Status.PASSED),
    ("0 3 1-31 * 0-6", "0 3 * * *", Status.PASSED),  # every day read either way
    ("0 3 1 * 1", "0 3 1 * 1", Status.PASSED),  # the same dates, whichever pg_cron reads
    ("0 3 1 * 1", "0 3 * * *", Status.FAILED),  # not daily, whichever pg_cron reads
    ("0 3 31 6 1", "0 3 * * *", Status.FAILED),  # never read as both, June's Mondays read as either: not daily
])
def test_where_cron_dom_dow_and_logic_cannot_change_the_verdict_an_unreadable_one_is_no_error(stored, wanted, status):
    item = {"job": "nightly", "active": True, **({"schedule": wanted} if wanted else {})}
    outcome = _judge(item, _days(_job(1, "nightly", stored), **AND_UNREAD))
    assert outcome.status is status, outcome


# -- a cron.timezone PostgreSQL reads that zoneinfo names otherwise, or not at all --------------------------------
@pytest.mark.parametrize("zone", ["utc", "europe/london", "EUROPE/LONDON", "etc/utc"])
def test_a_cron_timezone_spelt_in_another_case_is_the_zone_postgresql_reads(zone):
    """PostgreSQL matches zone names ignoring case: `cron.timezone = 'europe/london'` is Europe/London."""
    facts = _facts(_job(1, "m", "0 10 * 1 *"), timezone=zone)  # New York's 05:00 in January is 10:00 in London
    outcome = _judge({"job": "m", "active": True, "schedule": "0 5 * 1 *", "timezone": "America/New_York"}, facts)
    assert outcome.status is Status.PASSED, outcome


@pytest.mark.parametrize("zone", ["UTC+3", "<+03>-3", "EST5EDT,M3.2.0,M11.1.0"])
def test_a_posix_cron_timezone_is_an_error_naming_it_not_an_internal_error(zone):
    """PostgreSQL also reads POSIX zones, which zoneinfo has no name for: the item cannot be converted."""
    facts = _facts(_job(1, "m", "0 5 * * *"), timezone=zone)
    outcome = _judge({"job": "m", "active": True, "schedule": "0 5 * * *", "timezone": "Europe/London"}, facts)
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not look: cron.timezone is '{zone}'"), outcome.observed
    assert _judge({"job": "m", "active": True, "schedule": "0 5 * * *"}, facts).status is Status.PASSED


# -- a zone's offset on the dates a schedule fires, not on the day it is checked -------------------------------------
DECEMBER = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.timezone.utc)  # London is GMT
JULY = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone.utc)  # London is GMT+1 (BST)


def _checked_on(now: dt.datetime, *jobs: dict) -> dict:
    return {**_facts(*jobs, version="1.4-1"), "now": now}  # pg_cron before 1.5 runs in GMT


@pytest.mark.parametrize("now, wall_clock", [(DECEMBER, JULY), (JULY, DECEMBER)])
@pytest.mark.parametrize("stored, status", [("0 4 * 7 *", Status.PASSED), ("0 5 * 7 *", Status.FAILED)])
def test_a_schedule_is_moved_by_the_offset_of_the_months_it_fires_in(now, wall_clock, stored, status):
    """05:00 London in July is 04:00 GMT, whether it is checked in July or in December (the database's date; the
    checker's own clock, frozen at the other season, is not read)."""
    with freeze_time(wall_clock):
        outcome = _judge({"job": "summer-sync", "active": True, "schedule": "0 5 * 7 *", "timezone": "Europe/London"},
                         _checked_on(now, _job(1, "summer-sync", stored)))
    assert outcome.status is status, outcome
    assert outcome.evidence["expected_in_server_timezone"] == "0 4 * 7 *"


@pytest.mark.parametrize("now", [DECEMBER, JULY])
@pytest.mark.parametrize("schedule, stored", [
    ("0 5 * * *", "0 5 * * *"), ("0 5 * * *", "0 4 * * *"),  # daily: 05:00 GMT in winter, 04:00 in summer
    ("0 5 * 3 *", "0 5 * 3 *"),  # London moves to BST on March's last Sunday
    ("0 9-17 * * 1-5", "0 9-17 * * 1-5"),
    ("* * * * 1-5", "* * * * 1-5"),  # Monday 00:30 in London is Sunday 23:30 GMT half the year
])
def test_a_schedule_firing_on_both_sides_of_a_change_of_offset_is_an_error(now, schedule, stored):
    """No one pg_cron line in GMT fires at 05:00 London all year: never a verdict from the offset of the day."""
    outcome = _judge({"job": "j", "active": True, "schedule": schedule, "timezone": "Europe/London"},
                     _checked_on(now, _job(1, "j", stored)))
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"cannot convert '{schedule}' from Europe/London to GMT: the dates it fires on"
                                       f" in the 28 years from {now.date().isoformat()} fall on both sides of a"
                                       f" change of offset (Europe/London is "), outcome.observed
    assert "+00:00 on " in outcome.observed and "+01:00 on " in outcome.observed
    assert "cron.timezone = 'Europe/London'" in outcome.observed


@pytest.mark.parametrize("now", [dt.datetime(2026, 1, 10, 12, tzinfo=dt.timezone.utc), DECEMBER])
@pytest.mark.parametrize("schedule, stored", [
    ("0 5 1 11 *", "0 10 1 11 *"), ("0 5 1 11 *", "0 9 1 11 *"),  # 1 November: EST in 2026 and 2037, else EDT
    ("0 5 1-6 11 *", "0 9 1-6 11 *"),  # EDT every year but those whose first Sunday is among them
])
def test_a_fixed_date_on_either_side_of_a_change_of_offset_from_year_to_year_is_an_error(now, schedule, stored):
    """A verdict from one year's offset is wrong in another: '0 10 1 11 *' in GMT is 05:00 New York in 2026 and
    06:00 in 2027. It passed when checked in January 2026 and failed in December, for the same stored line."""
    outcome = _judge({"job": "fiscal", "active": True, "schedule": schedule, "timezone": "America/New_York"},
                     _checked_on(now, _job(1, "fiscal", stored)))
    assert outcome.status is Status.ERROR, outcome
    assert "fall on both sides of a change of offset (America/New_York is " in outcome.observed, outcome.observed
    assert "-05:00 on " in outcome.observed and "-04:00 on " in outcome.observed, outcome.observed


@pytest.mark.parametrize("schedule, zone", [("0 5 * * *", "Europe/London"), ("0 5 * * *", "Asia/Kolkata"),
                                            ("0 5 29 2 *", "America/New_York"), ("*/15 * * * *", "Asia/Kolkata")])
def test_the_dates_read_one_by_one_are_those_of_the_changes_of_offset(monkeypatch, schedule, zone):
    """28 years of a daily schedule are ten thousand dates: between two changes of offset only the first a
    schedule fires on is read (its offset is that of the span); the dates a change falls on are read one by one."""
    read = []
    offsets_on = scheduler._offsets_on
    monkeypatch.setattr(scheduler, "_offsets_on", lambda days, *rest: read.extend(days) or offsets_on(days, *rest))
    try:
        scheduler.server_schedule(schedule, zone, "GMT", dt.date(2026, 12, 5), "1.4-1")
    except scheduler.CannotConvert:
        pass
    # two changes a year, the date of each read as the end of one span and the start of the next; and the first and
    # last dates of all
    assert len(read) <= 2 * 2 * scheduler.CYCLE_YEARS + 2, len(read)


@pytest.mark.parametrize("schedule, zone, stored, status", [
    ("* * * * *", "Asia/Kolkata", "* * * * *", Status.PASSED),  # 5 h 30 from GMT: every minute is every minute
    ("*/15 * * * *", "Asia/Kolkata", "*/15 * * * *", Status.PASSED),
    ("*/15 * * * *", "Asia/Kolkata", "*/10 * * * *", Status.FAILED),
    ("0 * * * *", "Europe/London", "0 * * * *", Status.PASSED),  # on the hour on both sides of summer time
    ("0 5 * 1-2 *", "Europe/London", "0 5 * 1-2 *", Status.PASSED),  # London is GMT all of January and February
    ("0 5 * * *", "Asia/Kolkata", "30 23 * * *", Status.PASSED),  # one offset all year: moved
    ("0 * * * *", "Asia/Kolkata", "30 * * * *", Status.ERROR),  # moved, and only fixed hours are moved
])
def test_schedules_one_offset_moves_or_leaves_alone_are_converted(schedule, zone, stored, status):
    outcome = _judge({"job": "j", "active": True, "schedule": schedule, "timezone": zone},
                     _checked_on(JULY, _job(1, "j", stored)))
    assert outcome.status is status, outcome



def test_the_scheduler_reads_now_in_utc_whatever_zone_the_database_sets(demo_deployment):
    """The session's TimeZone is pinned to UTC by its first conversation (no longer by a startup option, which hid
    the database's zone from the sql family): pg_cron's day is taken from the database's now(), read in UTC, so a
    schedule's date is the same on a database set to +14 (Pacific/Kiritimati) — never that zone's tomorrow."""
    ddl = ("do $$ begin execute format('alter database %I set timezone = ''Pacific/Kiritimati''', current_database());"
           " end $$;")
    with scratch_database(demo_deployment, ddl, prefix="cronzone") as db:
        target = make_target({"database": db["url"]})
        try:
            facts = scheduler.gather(target, [])
        finally:
            target.close()
    now = facts["now"]
    assert isinstance(now, dt.datetime) and now.utcoffset() == dt.timedelta(0), \
        f"the scheduler's now(): expected it read in UTC (offset 0), saw {now!r}"


# -- cron.use_background_workers on: each run needs a free slot of max_worker_processes ---------------------------
def _slot_facts(*jobs: dict, **settings) -> dict:
    return {**_launcher_facts(*jobs), "use_background_workers": "on", "max_worker_processes": 2,
            "slot_holders": ["logical replication launcher", "pg_cron launcher"], "sessions_unseen": 0, **settings}


@pytest.mark.parametrize("settings, status, seen", [
    # the launchers hold both slots: pg_cron 1.4.2 logs every run 'could not start background process'
    ({}, Status.FAILED, "'owned' is active, but cron.use_background_workers is on (each run is a background worker)"
                        " and no slot is left for its runs: max_worker_processes is 2, and 2 background workers hold a"
                        " slot (logical replication launcher, pg_cron launcher); every run fails 'could not start"
                        " background process' — raise max_worker_processes (a restart) or turn"
                        " cron.use_background_workers off"),
    ({"max_worker_processes": 3}, Status.PASSED, "'owned' active"),
    # runs go through libpq then: no slot needed
    ({"use_background_workers": "off"}, Status.PASSED, "'owned' active"),
    ({"use_background_workers": None}, Status.PASSED, "'owned' active"),  # no pg_cron library defines it
    # sessions of other roles whose backend_type the checker is not shown may be background workers
    ({"max_worker_processes": 3, "slot_holders": ["pg_cron launcher"], "sessions_unseen": 2}, Status.ERROR,
     "the checker role checker is not shown the backend_type of 2 sessions of other roles, which may be background"
     " workers holding the rest; grant pg_read_all_stats to checker"),
    ({"max_worker_processes": 8, "slot_holders": [], "sessions_unseen": 2}, Status.PASSED, "'owned' active"),
    ({"use_background_workers": None, "background_workers_unreadable": True}, Status.ERROR,
     "grant pg_read_all_settings to checker"),
    ({"use_background_workers": None, "background_workers_unreadable": True, "max_worker_processes": 3},
     Status.PASSED, "'owned' active"),
    ({"worker_slots_unread": "permission denied for view pg_stat_activity"}, Status.ERROR,
     "grant select on pg_catalog.pg_stat_activity to checker"),
])
def test_an_active_job_fails_when_no_background_worker_slot_is_left_for_its_runs(settings, status, seen):
    outcome = _judge({"job": "owned", "active": True}, _slot_facts(OWNERS_JOB, **settings))
    assert outcome.status is status, outcome
    assert seen in outcome.observed, outcome.observed
    # whether it runs matters only to an item that wants it to
    assert _judge({"job": "owned", "active": False}, _slot_facts(OWNERS_JOB, **settings)).status is Status.FAILED


def test_gather_counts_only_the_background_workers_that_hold_a_slot_for_good():
    """PostgreSQL's own processes take no slot of max_worker_processes; parallel query workers and pg_cron's job runs
    come and go. Its own statement: refused, it takes nothing else along."""
    assert scheduler.WORKER_SLOTS in scheduler.database_statements(None, [])
    for transient_or_not_a_bgworker in ("parallel worker", "pg_cron", "autovacuum launcher", "walsender",
                                        "client backend", "checkpointer"):
        assert f"'{transient_or_not_a_bgworker}'" in scheduler.WORKER_SLOTS
    assert "'pg_cron launcher'" not in scheduler.WORKER_SLOTS
    refused = QueryFailed("permission denied for view pg_stat_activity", "42501")
    facts = _settings_and_scheduler([SCHEDULER_ROW])
    assert facts["max_worker_processes"] == 8 and facts["slot_holders"] == SLOTS_ROW["slot_holders"]
    target = SimpleNamespace(database=_Answers([_job(1, "m", "0 5 * * *")], [SETTINGS_ROW], [SCHEDULER_ROW],
                                               [{"timezone": None}], [WORKERS_ROW], *LAUNCHER_ROWS, [SOCKETS_ROW],
                                               [DAY_FIELDS_ROW], refused))
    facts = scheduler.gather(target, [])
    assert facts["worker_slots_unread"] and facts["jobs"][0]["jobname"] == "m"


# -- schedules read as the LOADED pg_cron library reads them, not as extversion says -------------------------------
# pg_extension.extversion is the version of the extension's SQL objects, not of the library that reads the schedules:
# a package upgraded without ALTER EXTENSION pg_cron UPDATE runs a later library than it says, one updated without a
# restart an earlier one, and pg_cron 1.6.0's own extversion is 1.5. The library's signs: it defines cron.timezone
# from 1.5 and cron.launch_active_jobs from 1.6.0 (superuser-only: refused to a checker without pg_read_all_settings,
# a pg_settings row to one with it; a placeholder is neither). (These tests used to want an ERROR telling to run
# ALTER EXTENSION pg_cron UPDATE wherever the library was ahead: a no-op on 1.6.0, and blind to a library behind.)
def _library(*jobs: dict, version: str, release: str, **settings) -> dict:
    """Facts of a server whose extversion is `version` and whose loaded library is of `release` ('1.4', '1.5',
    '1.6'), by the settings it defines."""
    return {**_facts(*jobs, version=version), "enable_superuser_jobs": "on", "enable_superuser_jobs_unreadable": False,
            "timezone_defined": release >= "1.5", "launch_active_jobs": "on" if release >= "1.6" else None,
            "launch_active_jobs_unreadable": False, **settings}


def test_a_library_ahead_of_its_extension_is_read_as_it_runs_with_the_update_advised():
    """Extversion 1.4-1 alone would read the job in GMT: 05:00 London in January is '0 5 * 1 *' there, which the
    job stores — but the 1.5 library loaded runs it at 05:00 New York (cron.timezone), 10:00 in London: it fails."""
    item = {"job": "m", "active": True, "schedule": "0 5 * 1 *", "timezone": "Europe/London"}
    ahead = _library(_job(1, "m", "0 5 * 1 *"), _job(2, "tick", "30 seconds"), version="1.4-1", release="1.5",
                     timezone="America/New_York")
    outcome = _judge(item, ahead)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.evidence["server_timezone"] == "America/New_York", outcome.evidence
    assert outcome.evidence["pg_cron_library"] == (
        "1.5 (defines cron.timezone, not cron.launch_active_jobs); extversion 1.4-1: run ALTER EXTENSION pg_cron"
        " UPDATE in database app (the package was upgraded without it)"), outcome.evidence
    assert _judge({"job": "m", "active": True, "schedule": "0 10 * 1 *", "timezone": "Europe/London"},
                  ahead).status is Status.PASSED
    # the 1.5 library runs an interval, which 1.4 refuses
    assert _judge({"job": "tick", "active": True, "schedule": "30 seconds"}, ahead).status is Status.PASSED
    # the same facts with no library sign (a placeholder cron.timezone on a 1.4 library): GMT, and no evidence
    placeholder = {**ahead, "timezone_defined": False}
    assert _judge(item, placeholder).status is Status.PASSED
    assert "pg_cron_library" not in _judge(item, placeholder).evidence


@pytest.mark.parametrize("zone", ["GMT", "UTC", "Etc/UTC", "utc"])
def test_every_name_of_utc_is_one_zone_under_a_library_ahead(zone):
    """Read by the library (1.5: cron.timezone), a job in January London time is where GMT would have it, whichever
    name of UTC the setting holds (only GMT was spared the ERROR that stood here)."""
    facts = _library(_job(1, "jan", "0 5 * 1 *"), version="1.4-1", release="1.5", timezone=zone)
    outcome = _judge({"job": "jan", "active": True, "schedule": "0 5 * 1 *", "timezone": "Europe/London"}, facts)
    assert outcome.status is Status.PASSED, outcome


def test_a_cron_timezone_refused_to_the_checker_is_a_library_that_defines_it():
    """A placeholder is readable by any role: 42501 means a library defines cron.timezone, so pg_cron reads it
    whatever extversion says — an item with `timezone:` is an ERROR naming the grant, not read in GMT."""
    refused = {**_library(_job(1, "m", "0 5 * * *"), version="1.4-1", release="1.5"), "timezone_unreadable": True}
    outcome = _judge({"job": "m", "active": True, "schedule": "0 0 * * *", "timezone": "America/Bogota"}, refused)
    assert outcome.status is Status.ERROR, outcome
    assert "grant pg_read_all_settings to checker" in outcome.observed, outcome.observed
    assert "ALTER EXTENSION" not in outcome.observed, outcome.observed


def test_a_library_behind_its_extension_is_read_as_it_runs():
    """ALTER EXTENSION pg_cron UPDATE run, PostgreSQL not restarted: extversion names the new release, the
    postmaster still runs the old library (shared_preload_libraries is read at start), which reads the schedules."""
    # a 1.5 library (cron.timezone, no cron.launch_active_jobs) on extversion 1.6: it sets nothing from '22-2'
    behind = _library(_job(7, "j", "0 22-2 * * *"), version="1.6", release="1.5", timezone="GMT")
    outcome = _judge({"job": "j", "active": True, "schedule": "0 22-2 * * *"}, behind)
    assert outcome.status is Status.FAILED, outcome
    assert "from which pg_cron 1.5 sets nothing" in outcome.observed, outcome.observed
    stored = _judge({"job": "j", "active": True}, behind)
    assert stored.status is Status.FAILED and "from which pg_cron 1.5 sets nothing" in stored.observed, stored
    assert stored.evidence["pg_cron_library"] == (
        "1.5 (defines cron.timezone, not cron.launch_active_jobs); extversion 1.6: the server runs an older pg_cron"
        " library than its extension (a restart pending: PostgreSQL loads it at start)"), stored.evidence
    # a 1.4 library (cron.enable_superuser_jobs, not cron.timezone) on extversion 1.5: it refuses '30 seconds', and
    # runs in GMT
    old = _library(_job(3, "tick", "30 seconds"), _job(4, "m", "0 5 * 1 *"), version="1.5", release="1.4",
                   timezone="America/New_York")
    interval = _judge({"job": "tick", "active": True, "schedule": "30 seconds"}, old)
    assert interval.status is Status.FAILED, interval
    assert "pg_cron 1.4 has no interval schedules (from 1.5 on)" in interval.observed, interval.observed
    zoned = _judge({"job": "m", "active": True, "schedule": "0 5 * 1 *", "timezone": "Europe/London"}, old)
    assert zoned.status is Status.PASSED and zoned.evidence["server_timezone"] == "GMT", zoned
    # no pg_cron library loaded at all (none of its settings defined): nothing to read but extversion
    unloaded = {**old, "enable_superuser_jobs": None}
    assert _judge({"job": "tick", "active": True, "schedule": "30 seconds"}, unloaded).status is Status.PASSED
    assert "pg_cron_library" not in _judge({"job": "tick", "active": True}, unloaded).evidence


def test_pg_cron_1_6_0_on_its_own_extversion_1_5_is_judged_as_1_6():
    """pg_cron 1.6.0's default extversion is 1.5 (1.6.1: "Fix the schema version to 1.6"): its library defines
    cron.launch_active_jobs. A range written high-to-low is read as 1.6 reads it, @yearly never fires there, and
    no ALTER EXTENSION pg_cron UPDATE is advised: on 1.6.0 it does nothing."""
    own = _library(_job(7, "j", "0 22-2 * * *"), _job(8, "year", "@yearly"), _job(9, "tick", "30 seconds"),
                   version="1.5", release="1.6", timezone="GMT")
    for schedule in ("0 22-2 * * *", "0 22-23,0-2 * * *"):
        outcome = _judge({"job": "j", "active": True, "schedule": schedule}, own)
        assert outcome.status is Status.PASSED, outcome
    assert outcome.evidence["pg_cron_library"] == (
        "1.6 or later (defines cron.launch_active_jobs); extversion 1.5, pg_cron 1.6.0's own"), outcome.evidence
    yearly = _judge({"job": "year", "active": True}, own)
    assert yearly.status is Status.FAILED and "pg_cron 1.6 or later sets no month from '@yearly'" in \
        yearly.observed, yearly
    assert _judge({"job": "tick", "active": True, "schedule": "30 seconds"}, own).status is Status.PASSED
    # refused to the checker: a library defines it too (a placeholder is any role's to read)
    refused = {**own, "launch_active_jobs": None, "launch_active_jobs_unreadable": True}
    assert _judge({"job": "j", "active": True}, refused).evidence["pg_cron_library"].startswith("1.6 or later")
    assert "ALTER EXTENSION" not in _judge({"job": "j", "active": True}, own).observed


def test_dollar_is_pg_cron_1_6s():
    """`$` (the month's last day) arrived in pg_cron 1.6.0 (its changelog: "Adds scheduling on the last day of the
    month", PR #273, after 1.5.2): a 1.5 library never runs '0 5 $ * *' ("invalid pg_cron schedule")."""
    on_1_5 = _library(_job(3, "eom", "0 5 $ * *"), version="1.5", release="1.5", timezone="GMT")
    outcome = _judge({"job": "eom", "active": True, "schedule": "0 5 $ * *"}, on_1_5)
    assert outcome.status is Status.FAILED, outcome
    assert "has '$', which pg_cron reads from 1.6 on" in outcome.observed, outcome.observed
    for on_1_6 in ({**on_1_5, "launch_active_jobs": "on"}, {**on_1_5, "version": "1.6", "launch_active_jobs": "on"}):
        assert _judge({"job": "eom", "active": True, "schedule": "0 5 $ * *"}, on_1_6).status is Status.PASSED
    assert "from 1.6 on" in scheduler.schedule_problem("0 5 $ * *", "1.5.2")
    assert scheduler.schedule_problem("0 5 $ * *", "1.6") is None


def test_gather_reads_whether_a_library_defines_cron_timezone_with_its_value():
    """In the time zone's own statement (no round trip more): pg_settings shows a library's cron.timezone to a
    checker allowed to read it, never a placeholder; refused it (42501), a library defines it."""
    assert "pg_settings" in scheduler.TIMEZONE and "cron.timezone" in scheduler.TIMEZONE
    assert len(scheduler.database_statements(None, [])) == 10

    def gathered(answer):
        return scheduler.gather(SimpleNamespace(database=_Answers(
            [_job(1, "m", "0 5 * * *")], [SETTINGS_ROW], [SCHEDULER_ROW], answer, [WORKERS_ROW], *LAUNCHER_ROWS,
            [SOCKETS_ROW], [DAY_FIELDS_ROW], [SLOTS_ROW])), [])
    assert gathered([{"timezone": "Europe/Berlin", "defined": False}])["timezone_defined"] is False
    assert gathered([{"timezone": "Europe/Berlin", "defined": True}])["timezone_defined"] is True
    assert gathered(QueryFailed('permission denied to examine "cron.timezone"', "42501"))["timezone_defined"] is True
