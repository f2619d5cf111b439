"""scheduler: a pg_cron job is active with its schedule, or absent/inactive as the runbook says.

pg_cron before 1.5 has no `cron.timezone` and runs schedules in GMT, whatever such a setting says (an
unknown `cron.*` placeholder is accepted and ignored); a runbook time in another zone is converted by the
offset in force on the dates the schedule fires, in the 28 years from the database's date — the calendar's cycle of
dates and weekdays (a July-only `0 5 * 7 *` in London is `0 4 * 7 *` in GMT, checked in any month). Fixed minutes
and hours (lists too) are moved; a schedule whose times of day the offset leaves as they are (`*/15 * * * *`) is
unchanged; one that fires on both sides of a change of offset (`0 5 * * *` in London, daily, against GMT; `0 5 1 11
*` in New York, whose 1 November is EST in some years, EDT in others) is no one pg_cron line, nor is a range or step
(`9-17`, `*/2`) the offset moves: *error*, never a literal comparison and never a verdict from the day's offset.

`cron.job` has row level security (each role sees its own jobs): a checker role it applies to would
read "no job" for a job that runs, so that is *error* naming the fix (BYPASSRLS), never a pass. So is a
`cron.job` table without the pg_cron extension: no scheduler reads it. Schedules compare as pg_cron
reads them: month and weekday names in any case are their numbers (`MON` is `mon` is `1`), an interval
is its number of seconds (`30 Seconds` is `30 second`). Days are those pg_cron fires on: both day fields where either
starts with `*`, else either (vixie cron) — or both, with `cron.dom_dow_and_logic` on (pg_cron 1.6.8 on; read in its
own statement, a placeholder no loaded pg_cron defines read as off): `0 3 1-31 * 1-5` is then weekdays only, not
`0 3 * * *`, and `0 3 31 2 1` never fires. That reading holds for the comparison, for whether a schedule ever fires and
for the dates a runbook time is converted on. Where the checker role is refused that setting (pg_cron declares its
settings superuser-only to read), a schedule it changes is judged both ways: the same verdict stands, differing ones
are *error* naming the setting and the grant.

What is in cron.job is not all that runs. Where the extension is but no pg_cron launcher is connected to the
database, its jobs never run. Where the launcher is seen connected to another database (`cron.database_name` names
it: this table was left behind when it moved), it reads cron.job there only: every item is *error* naming that
database (the job may be active there, or gone), never a verdict read from rows nothing runs. Where none is seen
at all (pg_cron is not in `shared_preload_libraries`) an active item fails, an inactive one is judged as usual —
unless that cannot be told (a standby, a pg_stat_activity the checker may not read or that shows it no other role's
session: no launcher is seen anywhere then, and an inactive item is judged as usual): then it is *error*. A
stored schedule pg_cron is known to refuse (`0 5 * * 8`, written by an UPDATE of cron.job; `90 seconds`, out of
the 1 to 59 its interval parser takes) never runs either: it fails, and so does one whose ranges written
high-to-low leave it no minute (`5-1 * * * *`: pg_cron takes it and sets nothing from it) or whose days of month come
in none of its months (`0 0 31 2 *`), where no weekday fires instead, or that is `@yearly` / `@annually` on pg_cron
1.6 on (it sets no month from them); one it reads though a
checklist may not write it (`* ** * * *`) is compared as written, past the text it ignores (blank and `#` lines before
it, all after the fifth field or a macro's word). A job pg_cron cannot connect for never runs either, and fails: its
database is gone or allows no connections, or its role is gone or cannot log in (pg_database, pg_roles); its role
lacks CONNECT there, or the role or the database has connection limit 0 (for a non-superuser). With
cron.use_background_workers off pg_cron opens each run to the job's nodename:nodeport: one clearly not this server
fails (see `_connects_elsewhere`: a socket directory none of unix_socket_directories — an *error* where the checker
may not read that setting —, a name padded with blanks); where the checker may not read that setting, such a job is
*error*. A job a superuser owns never runs with cron.enable_superuser_jobs off (pg_cron 1.4 on skips it), nor any
active job with cron.launch_active_jobs off (1.6 on): it fails, or is *error* where the checker may not read the
setting. With cron.use_background_workers on each run needs a free slot of max_worker_processes: where the background
workers pg_stat_activity shows holding one fill them all, an active job fails ('could not start background
process'), or is *error* where other roles' sessions the checker is not shown the backend_type of (no
pg_read_all_stats) could fill the rest. The launcher
is the session named 'pg_cron scheduler' whose backend_type, where the checker may see it, is 'pg_cron launcher' (a
client may take the name). Runs in cron.job_run_details are not judged. A `database:` that names no database (and no
job's) is *error*. A range written high-to-low means what the server's pg_cron sets from it, in the stored schedule
and the item's alike: before 1.6 nothing (get_range counts up from its first bound); from 1.6 (vixie cron's
set_range) bit_nset's bits, byte by byte of the field: `22-2` is 22-23 and 0-2, `20-9` is 20-23 and 8-9, `5-1` or a
weekday range nothing. An unknown version is read as before 1.6, and said so.
Job names are unique per (jobname, username): every active job of the name must run on the schedule. A name is
matched as cron.job stores it: its type is `name`, of which PostgreSQL keeps the first 63 bytes (so does
cron.unschedule, looking one up).

pg_cron keeps every job in one database (its `cron.database_name`) and runs each in the database named
in its row (`cron.schedule_in_database`): an item judges only the jobs that run in its database — the
one the checker is connected to, or `database:` when pg_cron lives elsewhere (`postgres`) — and a job of
that name running only in other databases is named in the message, never counted. An `active: false` item without
`database:` whose job is active only in other databases is *error* (which one it means cannot be told), a disabled
row of the name here or not.

pg_cron 1.5 and later declare `cron.timezone` superuser-only: a checker role without pg_read_all_settings
is refused it. That is read apart from the other settings, so only an item that needs the zone (one with
`timezone:` on pg_cron >= 1.5) ends as *error*, naming the grant. PostgreSQL matches zone names ignoring case
(`europe/london`), and so does the conversion; a zone the tz database has no name for (a POSIX one, `UTC+3`) cannot be
converted to: *error*, naming it.

Schedules are read as the LOADED pg_cron library reads them, not by pg_extension's extversion (the version of the
extension's SQL objects): a package upgraded without `ALTER EXTENSION pg_cron UPDATE` runs a later library, one
updated without a restart an earlier one, and 1.6.0's own extversion is 1.5. The library's release is told by the
superuser-only settings it defines (refused to a checker without pg_read_all_settings, a pg_settings row to one with
it; a placeholder is neither): 1.6 on with cron.launch_active_jobs, else 1.5 with cron.timezone, else 1.4 with
cron.enable_superuser_jobs (`library_release`). That decides every version-dependent reading: the zone (cron.timezone
from 1.5, else GMT), intervals (1.5 on), `$` (1.6 on), ranges written high-to-low and `@yearly` (1.6 on). Where
extversion names another release the evidence's pg_cron_library says both, and what to do (ALTER EXTENSION pg_cron
UPDATE, or a restart for a library behind). With no library loaded (none of those settings) extversion is read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import ipaddress
import json
import posixpath
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import field_validator, model_validator

from ..display import cut
from ..errors import GatherError, QueryFailed
from ..outcome import Outcome, Status, error, failed, passed
from ..transports.pgvalues import Pinned
from ._common import NAME_BYTES, StrictParams, as_postgres_stores_a_name  # cron.job.jobname is a `name`

NAME = "scheduler"
NEEDS = ("database",)

# pg_cron connects to each job's database as its role: one dropped since, closed to connections, or a role that
# cannot log in (or is gone) fails every run ("connection failed"), read here from the catalog. So does a role
# without CONNECT on the database, or a connection limit of 0 on the role or the database (a superuser is held to
# neither), or a database left invalid by a DROP DATABASE cut short (datconnlimit -2): PostgreSQL checks these for a
# background worker as for a client. A limit above 0 may be met for a moment only: not judged.
# nodename and nodeport are where pg_cron opens each run through libpq (unless cron.use_background_workers is on)
JOBS = Pinned(
    "select j.jobid, j.jobname, j.schedule, j.active, j.database, j.username, j.nodename, j.nodeport,"
    " exists (select from pg_catalog.pg_database d where d.datname = j.database) as database_exists,"
    " (select d.datallowconn from pg_catalog.pg_database d where d.datname = j.database)"
    " as database_allows_connections,"
    " (select d.datconnlimit from pg_catalog.pg_database d where d.datname = j.database)"
    " as database_connection_limit,"
    " (select r.rolcanlogin from pg_catalog.pg_roles r where r.rolname = j.username) as role_can_login,"
    " (select r.rolconnlimit from pg_catalog.pg_roles r where r.rolname = j.username) as role_connection_limit,"
    " (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = j.username) as role_is_superuser,"
    # by oid: has_database_privilege raises for a role or database of that name that does not exist
    " (select pg_catalog.has_database_privilege(r.oid, d.oid, 'CONNECT') from pg_catalog.pg_roles r,"
    " pg_catalog.pg_database d where r.rolname = j.username and d.datname = j.database) as role_may_connect"
    " from cron.job j order by j.jobid"
)
SETTINGS = Pinned(
    "select now() as now, current_database() as current_database,"
    " array(select datname::text from pg_catalog.pg_database order by datname) as databases,"
    " (select extversion from pg_extension where extname = 'pg_cron') as version, current_user as viewer,"
    " coalesce(row_security_active(to_regclass('cron.job')), false) as jobs_filtered,"
    # cron.job replicates to a hot standby; pg_cron's launcher runs only on the primary
    " pg_is_in_recovery() as in_recovery,"
    # where this server listens (readable by any role): what a job's nodename and nodeport must reach. `port`, not
    # inet_server_port(): that is NULL when the checker came through a unix socket
    " current_setting('port')::int as server_port, current_setting('listen_addresses') as listen_addresses,"
    " host(inet_server_addr()) as server_address,"
    # the system the server was built for (`x86_64-pc-linux-gnu`): where a job's nodename 0.0.0.0 connects to
    " split_part(split_part(version(), ' on ', 2), ',', 1) as server_platform"
)
# pg_cron's launcher reads cron.job only in cron.database_name (a GUC superuser-only to read) and only when
# preloaded; its session's application name and database are visible to any role. Any client may name its session
# 'pg_cron scheduler' too (PGAPPNAME): where backend_type is shown it must be the launcher's (its bgw_type, 'pg_cron
# launcher'), never 'client backend'. It is NULL for other roles' sessions to a checker without pg_read_all_stats:
# then a client of another role named so cannot be told from the launcher, and is taken for it.
# Its own statement: a pg_stat_activity a provider revoked must not take the settings (and so the items that
# need no scheduler) with it. A provider may also show a role only its own sessions, where no launcher seen
# proves nothing: stock PostgreSQL shows every role the background processes (no usename) at least.
SCHEDULER = Pinned(
    "select exists (select from pg_catalog.pg_stat_activity where datname = current_database()"
    " and application_name = 'pg_cron scheduler'"
    " and (backend_type is null or backend_type = 'pg_cron launcher')) as scheduler_running,"
    # sessions of roles the checker is a member of prove nothing: a provider hiding others' sessions shows them
    " not exists (select from pg_catalog.pg_stat_activity where pid <> pg_backend_pid()"
    " and (usesysid is null or not pg_catalog.pg_has_role(current_user, usesysid, 'member'))) as others_hidden,"
    # the launcher connected to another database reads cron.job there only: this one was left behind (its
    # cron.database_name moved), and what runs is not in it
    " array(select distinct datname::text from pg_catalog.pg_stat_activity where datname <> current_database()"
    " and application_name = 'pg_cron scheduler' and (backend_type is null or backend_type = 'pg_cron launcher')"
    " order by 1) as scheduler_elsewhere"
)
# its own statement: refused (superuser-only from pg_cron 1.5) it must not take the other settings with it.
# Its value not from pg_settings: that hides a placeholder (a cron.timezone no loaded library defines) as well. Whether
# a library defines it is the loaded pg_cron's own sign of 1.5 on (`library_release`), which extversion need not be:
# pg_settings shows the library's row to a checker allowed to read it, never a placeholder's (GUC_NO_SHOW_ALL);
# a checker not allowed is refused the whole statement (42501), which a placeholder never is.
TIMEZONE = Pinned("select current_setting('cron.timezone', true) as timezone,"
                  " exists (select from pg_catalog.pg_settings where name = 'cron.timezone') as defined")
# its own statement too: superuser-only (without pg_read_all_settings it is refused), NULL where no pg_cron library
# is loaded to define it (no launcher either then). Not pg_settings: that hides the one and the other alike.
BACKGROUND_WORKERS = Pinned("select current_setting('cron.use_background_workers', true) as use_background_workers")
# With cron.use_background_workers on each run is a background worker (bgw_type 'pg_cron'), which needs a slot of
# max_worker_processes (readable by any role) free: every bgworker holds one while it lives, and the launchers
# (pg_cron's, logical replication's, an extension's) hold theirs for good. pg_stat_activity shows a bgworker's
# bgw_type as its backend_type; the types below are PostgreSQL's own processes (13 to 18), which take no slot.
# Parallel query workers and pg_cron's own job runs come and go: not counted. Without pg_read_all_stats another
# role's backend_type is NULL: such a session that has a role (auxiliary processes have none) may be a bgworker,
# counted apart. A bgworker that never connects is not in pg_stat_activity: what is counted is the least that holds
# slots. Its own statement: a revoked pg_stat_activity must not take the settings with it.
NOT_WORKER_SLOTS = ("not initialized", "archiver", "autovacuum launcher", "autovacuum worker", "background writer",
                    "checkpointer", "client backend", "dead-end client backend", "io worker", "logger",
                    "slotsync worker", "standalone backend", "startup", "walreceiver", "walsender", "walsummarizer",
                    "walwriter", "parallel worker", "pg_cron")
WORKER_SLOTS = Pinned(
    "select current_setting('max_worker_processes')::int as max_worker_processes,"
    " array(select backend_type::text from pg_catalog.pg_stat_activity where backend_type is not null"
    " and backend_type not in (" + ", ".join(f"'{t}'" for t in NOT_WORKER_SLOTS) + ") order by 1)"
    " as slot_holders,"
    " (select count(*)::int from pg_catalog.pg_stat_activity where backend_type is null and usesysid is not null)"
    " as sessions_unseen")
# where the server's unix sockets are: what a job's nodename naming a directory must be. Superuser-only to read
# (pg_read_all_settings reads it): its own statement
SOCKETS = Pinned("select current_setting('unix_socket_directories') as unix_socket_directories")
# Off, pg_cron's launcher skips every job a superuser owns (1.4 on: LoadCronJobList), or starts no active job at all
# (1.6 on: RefreshTaskHash). Superuser-only as well, each in its own statement. Set at server start or reload, so the
# checker's session shows the launcher's value. Where this pg_cron defines no such setting, a line of postgresql.conf
# is a placeholder pg_cron never reads (any role may read it; pg_settings hides it): its default, on, holds.
SUPERUSER_JOBS = Pinned(
    "select current_setting('cron.enable_superuser_jobs', true) as enable_superuser_jobs,"
    " exists (select from pg_catalog.pg_settings where name = 'cron.enable_superuser_jobs') as defined")
LAUNCH_ACTIVE_JOBS = Pinned(
    "select current_setting('cron.launch_active_jobs', true) as launch_active_jobs,"
    " exists (select from pg_catalog.pg_settings where name = 'cron.launch_active_jobs') as defined")
# On (pg_cron 1.6.8 on, PR #421), a schedule whose day fields neither start with `*` fires on the dates that match
# both, not either (vixie cron's OR: ShouldRunTask). Its own statement like the other cron.* settings, which pg_cron
# declares superuser-only to read: refused, only an item whose schedule it changes is an error. Where no loaded
# pg_cron defines it, a line of postgresql.conf is a placeholder it never reads (pg_settings hides it): OR holds.
# Read in the checker's session: set for the server (postgresql.conf, ALTER SYSTEM), it is the launcher's value too.
DAY_FIELDS_AND = Pinned(
    "select current_setting('cron.dom_dow_and_logic', true) as dom_dow_and_logic,"
    " exists (select from pg_catalog.pg_settings where name = 'cron.dom_dow_and_logic') as defined")
_INTERVAL = re.compile(r"([1-9]|[1-5][0-9]) seconds?", re.IGNORECASE)  # pg_cron 1.5+: 1 to 59 seconds
# what pg_cron 1.5+ reads as an interval (TryParseInterval: sscanf(lower(text), " %u secon%c%c %c")): blanks, a number
# (a sign too: %u is strtoul's), blanks, then `second` and nothing more, or `seconds` and blanks; asc_tolower, so ASCII
_C_BLANKS = "[ \t\n\v\f\r]*"  # C's isspace
_PG_CRON_INTERVAL = re.compile(f"{_C_BLANKS}([+-]?)([0-9]+){_C_BLANKS}second(?:s{_C_BLANKS})?",
                               re.IGNORECASE | re.ASCII)
UINT = 2 ** 32  # %u reads into an unsigned int: a number beyond wraps as the platform's strtoul has it, not known here
_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@reboot"}
_NAMES = {3: "jan feb mar apr may jun jul aug sep oct nov dec".split(), 4: "sun mon tue wed thu fri sat".split()}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # minute, hour, day of month, month, day of week


_PART = re.compile(r"(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?")  # `*`, a value or range, and a step
# a field as pg_cron's get_list reads it: up to a space, a tab or a line break (Skip_Nonblanks), then the spaces and
# tabs after it (Skip_Blanks: not a line break, an NBSP or a VT) — the same in every pg_cron (cron.h)
_FIELD = re.compile(r"([^ \t\n]*)[ \t]*")


def schedule_problem(schedule: str, version: Any = None) -> str | None:
    """Why pg_cron would not take `schedule` (five cron fields, a macro, or `N seconds`), else None; given the
    version of a pg_cron below 1.5, an interval, below 1.6 `$` (which that one cannot read) too. The rule for what a
    checklist may write: stricter than what pg_cron reads from cron.job (see `stored_schedule_problem`)."""
    written = " ".join(schedule.split())
    before_1_5 = _before_1_5(version)
    if written in _MACROS:
        return None  # (a macro as pg_cron spells it: lower case)
    if _INTERVAL.fullmatch(written):  # an interval in any case
        return _no_interval(schedule, version) if before_1_5 else None
    text = written.lower()  # month and weekday names take any case
    fields = text.split(" ") if text else []
    if len(fields) != 5:
        return f"'{schedule}' is not a cron schedule (five fields: minute hour day month weekday)"
    for position, (field, (low, high)) in enumerate(zip(fields, _RANGES)):
        for part in field.split(","):
            if position == 2 and part == "$":  # pg_cron 1.6+: the month's last day
                if not _has_last_day(version):
                    return f"'{schedule}': pg_cron {version} has no '$' (last day of month, from 1.6 on)"
                continue
            match = _PART.fullmatch(part)
            if not match:
                return f"'{schedule}': field {position + 1} ('{field}') is not cron syntax"
            if match.group(2) is not None and int(match.group(2)) == 0:
                return f"'{schedule}': field {position + 1} ('{field}') is not cron syntax (a step of 0)"
            if match.group(2) is not None and match.group(1) != "*" and "-" not in match.group(1):
                return f"'{schedule}': field {position + 1} ('{field}') is not cron syntax (a step needs * or a range)"
            bounds = match.group(1).split("-") if match.group(1) != "*" else []
            for bound in bounds:
                if bound.isdigit() and not low <= int(bound) <= high:
                    return f"'{schedule}': '{bound}' is out of range for field {position + 1} ({low}-{high})"
            for bound in bounds:
                if _field_value(bound, position) is None:
                    return f"'{schedule}': '{bound}' is not a value of field {position + 1} ({low}-{high})"
    return None  # (a range written high-to-low is read at judge time, as the server's pg_cron reads it)


PG_CRON_MACROS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                            "@reboot", "@restart"})  # as pg_cron's parser spells them (it compares case-sensitively)
PG_CRON_LONGEST = 999  # bytes of a schedule pg_cron reads (it refuses one of MAX_FILE_BUFFER_LENGTH, 1000, or more)
WRAPS = 2 ** 31  # pg_cron reads a number into an int: beyond this it wraps, so what it makes of one is not known here


class NotUnderstood(Exception):
    """A stored schedule whose reading by pg_cron is not known here: no verdict either way."""


def stored_schedule_problem(schedule: str, version: Any = None) -> str | None:
    """Why pg_cron refuses a schedule stored in cron.job (an UPDATE writes what cron.schedule would refuse; pg_cron
    then logs "invalid pg_cron schedule" and never runs the job), else None. It is read as pg_cron's parser reads
    it, not by the checklist rule: fields apart by spaces and tabs, the first five read, in each a list of ranges
    after which the rest of the field is skipped (so `**` runs as `*`). NotUnderstood: what pg_cron makes of it is
    not known here (a number it would wrap), so no verdict is read from it. A line break ends a field, but only
    spaces and tabs part two: a field that would start on one has no value (`0 5\\n * * *` is refused)."""
    if not _before_1_5(version) and pg_cron_interval(schedule) is not None:
        return None  # pg_cron 1.5+ reads it as an interval (once its cron parser has refused it: no length limit)
    if len(schedule.encode()) > PG_CRON_LONGEST:
        return f"a schedule of {len(schedule.encode())} bytes: pg_cron reads one of at most {PG_CRON_LONGEST}"
    written = _past_comments(schedule).rstrip(" \t\n")
    if written.startswith("@"):
        macro = re.split(r"[ \t\n]", written, maxsplit=1)[0]  # pg_cron reads the word up to a blank, then no more
        if macro in PG_CRON_MACROS:
            return None
        return f"'{schedule}': pg_cron has no such macro (it knows {', '.join(sorted(PG_CRON_MACROS))}, as written)"
    fields, rest = pg_cron_fields(written)
    if len(fields) < 5:
        if _before_1_5(version) and _INTERVAL.fullmatch(" ".join(written.split())):
            return _no_interval(schedule, version)
        if not _before_1_5(version) and re.search("second", schedule, re.IGNORECASE):
            return (f"'{schedule}' is no interval pg_cron reads: a number of 1 to 59, then 'second', or 'seconds'"
                    f" and blanks only")
        if rest:  # a line break where the next field is due
            return (f"'{schedule}': field {len(fields) + 1} starts on a line break, where pg_cron reads a value (it"
                    f" reads the five fields on one line: apart by spaces and tabs only)")
        return (f"'{schedule}' has {len(fields)} of the five fields pg_cron reads (it separates them by spaces and"
                f" tabs only)")
    for position, field in enumerate(fields):  # pg_cron ignores what follows the fifth
        problem, _ = _read_field(schedule, position, field, version)
        if problem:
            return f"'{schedule}': field {position + 1} ('{field}') {problem}"
    return None


def pg_cron_fields(written: str) -> tuple[list[str], str]:
    """(the fields pg_cron's parser reads from `written` — past its comments and leading blanks —, five at most;
    the text after the last one): each up to a space, a tab or a line break, the spaces and tabs after it skipped.
    Fewer than five where the text ends, or where a line break comes before the next field (pg_cron reads that
    field from the line break and finds no value: it refuses the schedule)."""
    fields, at = [], 0
    while len(fields) < 5 and written[at:at + 1] not in ("", "\n"):
        match = _FIELD.match(written, at)
        fields.append(match.group(1))
        at = match.end()
    return fields, written[at:]


def pg_cron_interval(schedule: str) -> int | None:
    """The seconds pg_cron 1.5+ runs a schedule stored as an interval at, or None when it reads no interval there
    (out of 1 to 59, or not its shape). NotUnderstood: a number its unsigned int would wrap."""
    match = _PG_CRON_INTERVAL.fullmatch(schedule)
    if not match:
        return None
    sign, number = match.group(1), int(match.group(2))
    if number >= UINT:
        raise NotUnderstood(f"'{schedule}': the number {match.group(2)}")
    seconds = (UINT - number) % UINT if sign == "-" else number  # strtoul negates a signed number, unsigned
    return seconds if 1 <= seconds <= 59 else None


def stored_schedule_idle(schedule: str, version: Any = None, days_and: bool = False) -> str | None:
    """Why a schedule pg_cron reads from cron.job fires on no minute, and how to write it instead, else None (call it
    on one that stored_schedule_problem passed): see `_idle_fields`."""
    idle = _idle_fields(schedule, version, days_and)
    return f"'{schedule}': {idle[0]}; {idle[1]}" if idle else None


# the days each month has at most (February's 29th comes in leap years), by month
MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _idle_fields(schedule: str, version: Any, days_and: bool = False) -> tuple[str, str] | None:
    """(why `schedule` fires on no minute on the `version` of pg_cron, how to write it instead), else None: a range
    written high-to-low may set no value (`range_values`), so a field of only those leaves nothing to fire on — and
    the days only when pg_cron wants both day fields (either one starts with *, or `days_and`: cron.dom_dow_and_logic
    on); or its days of month come in none of its months (`0 0 31 2 *`: pg_cron fires on the dates there are), where
    no weekday fires instead (pg_cron wants either day field only when neither starts with * and `days_and` is off;
    every date falls on each weekday in some year, so with both wanted a date that comes is enough); or it is a macro
    that version sets no month from (`_idle_macro`)."""
    written = _past_comments(schedule).rstrip(" \t\n")
    fields, _ = pg_cron_fields(written)
    if written.startswith("@"):
        return _idle_macro(re.split(r"[ \t\n]", written, maxsplit=1)[0], version)
    if len(fields) < 5:
        return None  # an interval
    try:
        sets = [_read_field(schedule, position, field, version)[1] for position, field in enumerate(fields)]
    except NotUnderstood:
        return None  # (a step pg_cron would wrap: no verdict read from it)
    minute, hour, day, month, weekday = sets
    days_restricted = not (fields[2].startswith("*") or fields[4].startswith("*"))
    either_day = days_restricted and not days_and
    if not (minute and hour and month and ((day or weekday) if either_day else (day and weekday))):
        empty = [f"field {position + 1} ('{field}')" for position, (field, sets_one) in enumerate(zip(fields, sets))
                 if not sets_one]
        return (f"{' and '.join(empty)} holds only ranges written high-to-low, from which {_reversed_reading(version)}",
                "write a range that wraps as two ('22-23,0-2')")
    if (either_day and weekday) or _a_date_comes(day, month):
        return None
    both = (f", and with cron.dom_dow_and_logic on its weekdays (field 5, '{fields[4]}') do not fire instead"
            if days_restricted and days_and else "")
    return (f"field 3 ('{fields[2]}') names no day that field 4 ('{fields[3]}') has: {_never_comes(day, month)}{both}",
            "name a day those months have")


YEARLY_MACROS = ("@yearly", "@annually")


def _idle_macro(macro: str, version: Any) -> tuple[str, str] | None:
    """(why a macro fires on no minute on the `version` of pg_cron, how to write it instead), else None: from 1.6.0
    (vixie cron's set_element, PR #271) entry.c sets @yearly's and @annually's month with set_element(e->month,
    FIRST_MONTH, LAST_MONTH, FIRST_MINUTE): 0 is below the first month, so no month bit is set, and ShouldRunTask
    wants one (no release through 1.6.7 says it fixed that). Before 1.6 bit 0 is
    set: January. An unknown version is read as before 1.6."""
    if macro not in YEARLY_MACROS or not _sets_by_bytes(version):
        return None
    return (f"pg_cron {version} sets no month from '{macro}' (from 1.6.0 its entry.c sets that month with"
            f" set_element(e->month, FIRST_MONTH, LAST_MONTH, FIRST_MINUTE): 0, below the first month, sets no"
            f" bit), so it fires in no month", "write '0 0 1 1 *' (what it meant before 1.6)")


def _a_date_comes(days: set[int], months: set[int]) -> bool:
    return LAST_DAY in days or any(day <= MONTH_DAYS[month] for day in days for month in months)


def _never_comes(days: set[int], months: set[int]) -> str:
    return (f"day {_runs(days)} of month {_runs(months)} never comes (February has 29 days at most; April, June,"
            f" September and November 30)")


def date_never_comes(schedule: str) -> str | None:
    """Why a five-field cron schedule (GitHub's, Vercel's) fires on no date — its days of month come in none of its
    months, and its weekday field is `*` — else None. Only a weekday field of `*` is read as every day: where both
    day fields name days these schedulers may fire on either, and what they make of `*/2` beside a day of month is
    not pg_cron's rule for certain (no verdict is read from it)."""
    fields = [field for field in schedule.split(" ") if field]  # at spaces only, as GitHub splits a cron
    if len(fields) != 5 or fields[4] != "*":
        return None
    try:
        (day_problem, days), (month_problem, months) = (
            _read_field(schedule, position, _steps_to_the_end(fields[position], position), None)
            for position in (2, 3))
    except NotUnderstood:
        return None
    if day_problem or month_problem or not days or not months or _a_date_comes(days, months):
        return None  # (a field such a scheduler refuses, or of which it sets nothing: another rule's to say)
    return _never_comes(days, months)


def _steps_to_the_end(field: str, position: int) -> str:
    """A field's steps from a single value (`20/15`) as the range GitHub documents them for ("from 20 through the
    field's last value, every 15"): `20-<last>/15`, which pg_cron's parser reads (it refuses the single value)."""
    last, parts = _RANGES[position][1], []
    for part in field.split(","):
        start, slash, step = part.partition("/")
        parts.append(f"{start}-{last}/{step}" if slash and start != "*" and "-" not in start else part)
    return ",".join(parts)


def _past_comments(schedule: str) -> str:
    """The schedule from where pg_cron starts reading it: past blanks, blank lines and lines that begin with #."""
    rest = schedule.lstrip(" \t\n")
    while rest.startswith("#"):
        rest = rest.partition("\n")[2].lstrip(" \t\n")
    return rest


_WORD = re.compile(r"[A-Za-z0-9]*")  # what pg_cron reads as one number or name (C's isalnum, ASCII)


LAST_DAY = 32  # `$` in the day-of-month field (pg_cron 1.6+): the month's last day, which every month has


def _read_field(schedule: str, position: int, field: str, version: Any) -> tuple[str | None, set[int]]:
    """(why pg_cron refuses one field, else None; the values it sets from it), read as its parser reads it
    (get_list, get_range, get_number): a range written high-to-low sets what `range_values` says the version sets;
    `$` sets LAST_DAY."""
    if position == 2 and field.startswith("$"):
        return (None if _has_last_day(version) else "has '$', which pg_cron reads from 1.6 on"), {LAST_DAY}
    at, sets = 0, set()
    while True:
        if field.startswith("*", at):
            at, single, bounds = at + 1, False, None
        else:
            start = at
            at, problem = _value(field, at, position)
            if problem:
                return problem, sets
            single = not field.startswith("-", at)
            if not single:
                at, problem = _value(field, at + 1, position)
                if problem:
                    return problem, sets
            bounds = [_field_value(bound.lower(), position) for bound in field[start:at].split("-")]
        step = 1
        if field.startswith("/", at):
            if single:
                return "has a step on a single value (pg_cron steps only * or a range)", sets
            step = _WORD.match(field, at + 1)[0]
            if not step.isdigit():
                return f"has a step '{step}' that is no number", sets
            if int(step) >= WRAPS:
                raise NotUnderstood(f"'{schedule}': a step of {step}")
            if int(step) == 0:
                return "has a step of 0", sets
            at += 1 + len(step)
            step = int(step)
        low, high = _RANGES[position]
        sets |= set(range(low, high + 1, step)) if not bounds else range_values(bounds[0], bounds[-1], step,
                                                                                position, version)
        if not field.startswith(",", at):
            return None, sets  # pg_cron skips the rest of the field
        at += 1


def _value(field: str, at: int, position: int) -> tuple[int, str | None]:
    """(where the value ends, why pg_cron refuses it): a number in the field's range, or its three-letter name."""
    word = _WORD.match(field, at)[0]
    low, high = _RANGES[position]
    if not word:
        return at, f"has no value where pg_cron reads one (at '{field[at:at + 1] or 'its end'}')"
    if word.isdigit():
        if int(word) >= WRAPS:
            raise NotUnderstood(f"the number {word}")
        if not low <= int(word) <= high:
            return at, f"has '{word}', out of range ({low}-{high})"
    elif word.lower() not in _NAMES.get(position, []):
        # month names in the month field and day names in the weekday field only, three letters, any case
        return at, f"has '{word}', no value pg_cron reads there"
    return at + len(word), None


# the releases a loaded pg_cron library is told apart by: the superuser-only settings it defines (a placeholder is
# none: any role reads one, and pg_settings shows none). Each label reads as its release (`_version`) in messages.
LIBRARY_RELEASES = (((1, 6), "1.6 or later", "defines cron.launch_active_jobs"),
                    ((1, 5), "1.5", "defines cron.timezone, not cron.launch_active_jobs"),
                    ((1, 4), "1.4", "defines cron.enable_superuser_jobs, not cron.timezone"))


def library_release(facts: dict) -> tuple[tuple[int, ...], str, str] | None:
    """(release, label, sign) of LIBRARY_RELEASES the loaded pg_cron library is at: 1.6 on where it defines
    cron.launch_active_jobs, else 1.5 where it defines cron.timezone, else 1.4 where it defines
    cron.enable_superuser_jobs (each refused to the checker role, or a pg_settings row to one allowed). A checker
    refused pg_settings itself is refused each statement, which reads as 1.6: taken so (PostgreSQL grants pg_settings
    to every role). None where no pg_cron library is loaded (no launcher runs anything then; a library before 1.4
    defines none of the three either) or the signs were not read (facts not from `gather`): extversion is all there
    is to go by."""
    if "timezone_defined" not in facts:
        return None
    if facts.get("launch_active_jobs") is not None or facts.get("launch_active_jobs_unreadable"):
        return LIBRARY_RELEASES[0]
    if facts["timezone_defined"] or facts.get("timezone_unreadable"):
        return LIBRARY_RELEASES[1]
    if facts.get("enable_superuser_jobs") is not None or facts.get("enable_superuser_jobs_unreadable"):
        return LIBRARY_RELEASES[2]
    return None


def _release_of(parsed: tuple[int, ...]) -> tuple[int, ...]:
    """The release of LIBRARY_RELEASES a version is of (before 1.5: the last)."""
    return next((release for release, _, _ in LIBRARY_RELEASES[:-1] if parsed >= release), LIBRARY_RELEASES[-1][0])


def _extversion_disagrees(facts: dict) -> tuple[tuple[int, ...], str, str] | None:
    """library_release where pg_extension's extversion (the version of the extension's SQL objects) names another
    release, or none known here; else None."""
    release, parsed = library_release(facts), _version(facts.get("version"))
    if release is None or (parsed is not None and _release_of(parsed) == release[0]):
        return None
    return release


def read_by(facts: dict) -> Any:
    """The version the schedules are read by: that of the loaded library, which reads them — extversion where it
    names the library's release, else the library's label (`library_release`)."""
    release = _extversion_disagrees(facts)
    return release[1] if release else facts["version"]


def _library_said(facts: dict, release: tuple[tuple[int, ...], str, str]) -> str:
    """The loaded library beside an extversion that names another release, and what to do about it."""
    said = f"{release[1]} ({release[2]}); extversion {facts['version']}"
    parsed = _version(facts["version"])
    if parsed is None:
        return f"{said}, a version not known here: the library's is read"
    if _release_of(parsed) > release[0]:
        return (f"{said}: the server runs an older pg_cron library than its extension (a restart pending: PostgreSQL"
                f" loads it at start)")
    if release[0] == (1, 6) and _release_of(parsed) == (1, 5):
        return f"{said}, pg_cron 1.6.0's own"  # (ALTER EXTENSION pg_cron UPDATE does nothing there)
    return (f"{said}: run ALTER EXTENSION pg_cron UPDATE in database {facts.get('current_database')} (the package was"
            f" upgraded without it)")


def _before_1_5(version: Any) -> bool:
    """A pg_cron below 1.5 (no intervals); an unknown version is taken as a later one."""
    return (_version(version) or FIRST_WITH_TIMEZONE) < FIRST_WITH_TIMEZONE


FIRST_WITH_LAST_DAY = (1, 6)  # `$`: pg_cron 1.6.0 (its changelog: "Adds scheduling on the last day of the month")


def _has_last_day(version: Any) -> bool:
    """A pg_cron that reads `$` (1.6 on); an unknown version is taken as a later one."""
    return (_version(version) or FIRST_WITH_LAST_DAY) >= FIRST_WITH_LAST_DAY


FIRST_WITH_BIT_NSET = (1, 6)  # pg_cron 1.6.0 took vixie cron's set_range (PR #271): a range's bits set by bit_nset


def _sets_by_bytes(version: Any) -> bool:
    """A pg_cron that sets a range of step 1 with bit_nset (1.6 on); an unknown version is read as one before."""
    return (_version(version) or (0,)) >= FIRST_WITH_BIT_NSET


def range_values(first: int, last: int, step: int, position: int, version: Any) -> set[int]:
    """The values pg_cron sets from the range `first-last/step` of field `position` (set_range, or get_range's loop
    before 1.6): each step from the first bound up to the last, so none from one written high-to-low — but from 1.6
    a range of step 1 is set by bit_nset on the field's bits (a value less the field's lowest), byte by byte."""
    if first <= last or step != 1 or not _sets_by_bytes(version):
        return set(range(first, last + 1, step))
    low, high = _RANGES[position]
    return {low + bit for bit in _bit_nset(first - low, last - low) if bit <= high - low}  # (past it: no value)


def _bit_nset(start: int, stop: int) -> set[int]:
    """The bits vixie cron's bit_nset(start, stop) sets: in one byte those from start to stop (none when start is the
    higher); else start's byte from start up, the bytes between (none when start's byte is the later), and stop's
    byte from its first bit up to stop."""
    start_byte, stop_byte = start >> 3, stop >> 3
    if start_byte == stop_byte:
        return set(range(start, stop + 1))
    return (set(range(start, start_byte * 8 + 8)) | set(range(start_byte * 8 + 8, stop_byte * 8))
            | set(range(stop_byte * 8, stop + 1)))


def _reversed_reading(version: Any) -> str:
    """What the server's pg_cron sets from a range written high-to-low, said for messages."""
    if _version(version) is None:
        return (f"pg_cron {version!r} sets nothing (a version not known here: read as before 1.6, which counts up"
                f" from the first bound)")
    if not _sets_by_bytes(version):
        return f"pg_cron {version} sets nothing (before 1.6 it counts up from the first bound)"
    return (f"pg_cron {version} sets nothing (from 1.6 it sets the bits between by bytes: none when both bounds are"
            f" in one byte of the field, as 5-1 or sat-sun are, nor with a step)")


def ranges_high_to_low(schedule: str, version: Any) -> list[str]:
    """Each range of `schedule` (five fields) written high-to-low, with what the server's pg_cron sets from it."""
    written = _normal(schedule)
    fields = written.lower().split(" ")
    if len(fields) != 5:
        return []
    found = []
    for position, field in enumerate(fields):
        for part in field.split(","):
            match = _PART.fullmatch(part)
            bounds = match.group(1).split("-") if match and match.group(1) != "*" else []
            values = [_field_value(bound, position) for bound in bounds]
            if len(values) != 2 or None in values or values[0] <= values[1]:
                continue
            sets = range_values(values[0], values[1], int(match.group(2) or 1), position, version)
            if sets:
                reading = f"pg_cron {version} sets {_runs(sets)} from it (bit_nset, byte by byte)"
            else:
                reading = _reversed_reading(version).replace(" sets nothing", " sets nothing from it", 1)
            found.append(f"'{part}' in field {position + 1} of '{written}': {reading}")
    return found


def _runs(values: set[int]) -> str:
    """Values as runs: `8-9,20-23`."""
    runs: list[list[int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ",".join(f"{a}-{b}" if b > a else f"{a}" for a, b in runs)


def _no_interval(schedule: str, version: Any) -> str:
    return f"'{schedule}': pg_cron {version} has no interval schedules (from 1.5 on)"


class Params(StrictParams):
    job: str
    active: bool
    schedule: str | None = None
    timezone: str | None = None
    database: str | None = None  # where the jobs run (cron.job's `database`); default: the one connected to

    @field_validator("job")
    @classmethod
    def _names_a_job(cls, value: str) -> str:
        if not value.strip():  # it would match no job: `active: false` would pass whatever runs
            raise ValueError("job is empty; write the job's name as cron.job has it (its jobname)")
        return value

    @field_validator("database")
    @classmethod
    def _names_a_database(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("database is empty; write the database the job runs in as cron.job has it (its"
                             " database column), or leave it out for the one the checker is connected to")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value}") from None
        return value

    @field_validator("schedule")
    @classmethod
    def _cron_syntax(cls, value: str | None) -> str | None:
        if value is not None:
            problem = schedule_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _schedule_only_when_active(self) -> "Params":
        if not self.active and (self.schedule or self.timezone):
            raise ValueError("schedule/timezone only make sense for an active job")
        if self.timezone and not self.schedule:
            raise ValueError("timezone is the zone of `schedule`; give the schedule too")
        return self


UNDEFINED_TABLE = "42P01"  # cron.job does not exist: pg_cron is not installed in this database
UNDEFINED_COLUMN = "42703"  # a cron.job of another shape than the one read here
INSUFFICIENT_PRIVILEGE = "42501"  # cron.timezone (superuser-only from pg_cron 1.5 on), and the other cron.* read here
INVALID_DATABASE = -2  # pg_database.datconnlimit of a database a DROP DATABASE left half-dropped
FIRST_WITH_TIMEZONE = (1, 5)  # pg_cron reads cron.timezone from 1.5 on


def database_statements(target, checks) -> list[str]:
    return [JOBS, SETTINGS, SCHEDULER, TIMEZONE, BACKGROUND_WORKERS, SUPERUSER_JOBS, LAUNCH_ACTIVE_JOBS, SOCKETS,
            DAY_FIELDS_AND, WORKER_SLOTS]


def gather(target, checks) -> dict[str, Any]:
    jobs, settings, launcher, timezone, workers, superuser_jobs, launch, sockets, days_and, slots = \
        target.database.query_many(database_statements(target, checks))
    if isinstance(settings, GatherError):
        raise settings
    facts = {"database": target.database.where, **settings[0], **_scheduler(launcher), **_timezone(timezone),
             **_background_workers(workers), **_superuser_only(superuser_jobs, "enable_superuser_jobs"),
             **_superuser_only(launch, "launch_active_jobs"), **_sockets(sockets),
             **_superuser_only(days_and, "dom_dow_and_logic"), **_worker_slots(slots)}
    if isinstance(jobs, GatherError):
        if getattr(jobs, "sqlstate", "") == UNDEFINED_TABLE:
            return {"installed": False, "jobs": [], **facts}
        if not facts["version"]:
            return {"installed": True, "jobs": [], **facts}  # no scheduler reads this table, whatever its shape
        if getattr(jobs, "sqlstate", "") == UNDEFINED_COLUMN:
            raise GatherError(f"cron.job in database {target.database.where} lacks a column read here (jobid, jobname,"
                              f" schedule, active, database, username, nodename, nodeport): {jobs}; is it a version"
                              f" that names its jobs?")
        raise jobs
    return {"installed": True, "jobs": jobs, **facts}


def _scheduler(answer: Any) -> dict[str, Any]:
    """Whether a pg_cron launcher is connected here, or why the server would not say: only an active item needs
    to know, so a refused statement is not every item's error."""
    if isinstance(answer, QueryFailed):
        return {"scheduler_running": None, "scheduler_unread": answer.message, "scheduler_sqlstate": answer.sqlstate}
    if isinstance(answer, GatherError):
        raise answer  # the conversation itself failed: that is every item's cause
    return dict(answer[0])


def _timezone(answer: Any) -> dict[str, Any]:
    """cron.timezone, or that the checker role may not read it; and whether a loaded library defines it (refused,
    one does: a placeholder is any role's to read)."""
    if isinstance(answer, GatherError):
        if getattr(answer, "sqlstate", "") == INSUFFICIENT_PRIVILEGE:
            return {"timezone": None, "timezone_unreadable": True, "timezone_defined": True}
        raise answer
    row = answer[0]
    return {"timezone": row["timezone"], "timezone_unreadable": False, "timezone_defined": bool(row.get("defined"))}


def _background_workers(answer: Any) -> dict[str, Any]:
    """cron.use_background_workers ('on', 'off', None where no pg_cron library defines it), or that the checker role
    may not read it."""
    if isinstance(answer, GatherError):
        if getattr(answer, "sqlstate", "") == INSUFFICIENT_PRIVILEGE:
            return {"use_background_workers": None, "background_workers_unreadable": True}
        raise answer
    return {"use_background_workers": answer[0]["use_background_workers"], "background_workers_unreadable": False}


def _worker_slots(answer: Any) -> dict[str, Any]:
    """max_worker_processes and the background workers seen holding a slot, or why pg_stat_activity would not say
    (only an active item with cron.use_background_workers on needs it)."""
    if isinstance(answer, QueryFailed):
        return {"worker_slots_unread": answer.message}
    if isinstance(answer, GatherError):
        raise answer
    return dict(answer[0])


def _sockets(answer: Any) -> dict[str, Any]:
    """unix_socket_directories as the server set it; None where the checker role may not read it (then a job at a
    socket directory is an error: `_socket_unread`)."""
    if isinstance(answer, GatherError):
        if getattr(answer, "sqlstate", "") == INSUFFICIENT_PRIVILEGE:
            return {"unix_socket_directories": None, "sockets_unreadable": True}
        raise answer
    return {"unix_socket_directories": answer[0]["unix_socket_directories"], "sockets_unreadable": False}


def _superuser_only(answer: Any, setting: str) -> dict[str, Any]:
    """A superuser-only cron.* setting by its name ('on', 'off', None where this pg_cron defines none: a placeholder
    is read as none), and whether the checker role was refused it (`<setting>_unreadable`)."""
    if isinstance(answer, GatherError):
        if getattr(answer, "sqlstate", "") == INSUFFICIENT_PRIVILEGE:
            return {setting: None, f"{setting}_unreadable": True}
        raise answer
    row = answer[0]
    return {setting: row[setting] if row.get("defined") else None, f"{setting}_unreadable": False}


def _normal(schedule: str) -> str:
    return " ".join(schedule.split())


# what pg_cron (vixie cron's entry.c) expands them to; @yearly and @annually are left as written: before 1.6 they
# fire on 1 January, from 1.6.0 on no date (their month is set from a minute constant: `_idle_macro`)
_MACRO_FIELDS = {"@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                 "@hourly": "0 * * * *"}


_LONGEST_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}  # in any year


def as_pg_cron_reads(schedule: str, version: Any = None, days_and: bool = False) -> Any:
    """What a schedule fires on, so that spellings of one schedule compare equal: the minutes, hours and months
    (`*/2` = `0-59/2`, `@daily` = `0 0 * * *`), and the (day of month, weekday) pairs it fires on — pg_cron wants
    both when either field starts with `*` or `days_and` (cron.dom_dow_and_logic on), else either (`MON` = `1`,
    Sunday `7` = `0`, `0 0 * * 0-6` = `0 0 * * *`).
    A range written high-to-low as the `version` of pg_cron reading it sets it (`range_values`); with no version (no
    pg_cron reads it: a Vercel cron) a schedule holding one is compared as written. An interval is its number of
    seconds (`30 Seconds` = `30 second`). Else the text as written."""
    written = _normal(schedule)
    try:
        seconds = pg_cron_interval(written)
    except NotUnderstood:
        seconds = None
    if seconds is not None:
        return "seconds", seconds
    fields = _MACRO_FIELDS.get(written, written).lower().split(" ")
    if len(fields) != 5:
        return written  # `@reboot`, `@yearly`
    fires = []
    for position, (field, (low, high)) in enumerate(zip(fields, _RANGES)):
        values: set[int] = set()
        for part in field.split(","):
            match = re.fullmatch(r"(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?", part)
            bounds = [] if not match or match.group(1) == "*" else [_field_value(b, position)
                                                                     for b in match.group(1).split("-")]
            if not match or None in bounds:
                return written  # `$` (last day): compared as written
            first, last = (bounds[0], bounds[-1]) if bounds else (low, high)
            if first > last and version is None:
                return written
            values.update(range_values(first, last, int(match.group(2) or 1), position, version))
        fires.append(frozenset(v % 7 for v in values) if position == 4 else frozenset(values))
    minutes, hours, days, months, weekdays = fires
    both = days_and or fields[2].startswith("*") or fields[4].startswith("*")
    # a day no month of the schedule has never comes: `1-29 2` fires on the days `* 2` does
    last = max((_LONGEST_MONTH[month] for month in months), default=31)
    on = frozenset((day, weekday) for day in range(1, last + 1) for weekday in range(7)
                   if ((day in days and weekday in weekdays) if both else (day in days or weekday in weekdays)))
    return minutes, hours, months, on


def _field_value(text: str, position: int) -> int | None:
    names = _NAMES.get(position, [])
    if text in names:
        return names.index(text) + (position == 3)  # months count from 1
    return int(text) if text.isdigit() else None


def _version(text: Any) -> tuple[int, ...] | None:
    """pg_extension's extversion ("1.4-1", "1.6") as numbers, or None when it is not one."""
    match = re.match(r"([0-9]+(?:\.[0-9]+)*)", str(text or ""))
    return tuple(int(n) for n in match.group(1).split(".")) if match else None


def zoneinfo_key(name: str) -> str | None:
    """The tz database's key for a zone PostgreSQL reads as `name`: it matches zone names ignoring case (`utc`,
    `europe/london`); None where the tz database here has no such zone (a POSIX zone PostgreSQL reads as well,
    `UTC+3`, `<+03>-3`, or one this machine lacks)."""
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        return _zone_keys_ignoring_case().get(name.lower())


@functools.cache
def _zone_keys_ignoring_case() -> dict[str, str]:
    return {key.lower(): key for key in available_timezones()}


class CannotConvert(Exception):
    """No one schedule in pg_cron's zone fires at the instants an item's schedule does in its own: why."""


# the dates a schedule is converted on: those it fires on from the database's date, 28 years on — the Gregorian
# calendar's cycle of dates and weekdays (within a century), so a fixed date (`0 5 1 11 *`) meets a change of offset
# in every year it can: 1 November is New York's first Sunday, and a winter date, in some years only
CYCLE_YEARS = 28
CYCLE_DAYS = CYCLE_YEARS * 365 + 7  # its 7 leap days
# each zone's offset is read a week apart, and a change found there is narrowed to the second: a change of offset
# undone within a week would be missed (no zone's rules make one)
OFFSET_READ_EVERY = dt.timedelta(days=7)


def server_schedule(schedule: str, zone: str, server_zone: str, today: dt.date, version: Any = None,
                    days_and: bool = False) -> str:
    """The expression that fires at `schedule` (in `zone`) when read in `server_zone`, by the offset between the two
    zones on the dates it fires in the CYCLE_YEARS from `today` — a July-only job by July's, whenever it is checked;
    a 1 November one by November's of every year (EST some years, EDT in others). Fixed
    minutes and hours (`30 5,17 * * *`) are moved one by one; any other schedule is unchanged only where the offset
    leaves its times of day as they are (zones that agree, `*/15 * * * *` beside a zone 5 h 30 apart). A macro is
    moved as its fields (`@daily` as `0 0 * * *`); an interval (`30 seconds`) fires at the same instants in every
    zone. The dates are pg_cron's reading (`as_pg_cron_reads`, with `days_and`). CannotConvert: no one line does — it
    fires on both sides of a change of offset (DST), or a range or step would be moved, or its times would no longer
    form one minute list and one hour list."""
    written = _normal(schedule)
    if _INTERVAL.fullmatch(written):
        return written
    fields = _MACRO_FIELDS.get(written, written).split(" ")
    fixed = len(fields) == 5 and all(re.fullmatch(r"[0-9]{1,2}(,[0-9]{1,2})*", f) for f in fields[:2])
    reads = as_pg_cron_reads(written, version, days_and)
    if isinstance(reads, tuple) and reads[0] != "seconds":
        minutes, hours, months, on = reads
        times: frozenset[int] | None = frozenset(h * 60 + m for h in hours for m in minutes)

        def fires(day: dt.date) -> bool:  # pg_cron's reading (`as_pg_cron_reads`); its Sunday is 0
            return day.month in months and (day.day, day.isoweekday() % 7) in on
    else:
        # `@yearly`, `$`: the dates are not read here, so every date counts (never a verdict from fewer)
        times = frozenset(int(h) * 60 + int(m) for h in fields[1].split(",") for m in fields[0].split(",")) \
            if fixed else None

        def fires(day: dt.date) -> bool:
            return True
    first_on = _first_dates(fires, times, zone, server_zone, today)  # offset (seconds) -> the first date at it
    if set(first_on) <= {0}:
        return written
    days_fixed = fields[2:] == ["*", "*", "*"]
    if times is not None and all(_unmoved(times, gap, days_fixed) for gap in first_on):
        return " ".join(fields)  # (`*/15 * * * *` beside Asia/Kolkata: the same instants)
    if len(first_on) > 1:
        apart = ", ".join(f"{_offset(gap)} on {day.isoformat()}" for gap, day in sorted(first_on.items(),
                                                                                       key=lambda kv: kv[1]))
        raise CannotConvert(f"the dates it fires on in the {CYCLE_YEARS} years from {today.isoformat()} fall on both"
                            f" sides of a"
                            f" change of offset ({zone} is {apart} from {server_zone}), and one pg_cron line keeps"
                            f" one time in {server_zone} (to follow {zone}'s clock a job needs pg_cron 1.5 on, with"
                            f" cron.timezone = '{zone}')")
    (gap,) = first_on
    if not fixed or gap % 60:
        raise CannotConvert(f"{zone} is {_offset(gap)} from {server_zone} on the dates it fires, which moves its"
                            f" times, and only fixed minutes and hours are moved (not a range, a step or `@yearly`)")
    moved = set()
    for at in sorted(times):
        there = at - gap // 60
        if not 0 <= there < 24 * 60 and not days_fixed:
            raise CannotConvert(f"{at // 60:02}:{at % 60:02} in {zone} is on another date in {server_zone}, and"
                                f" its day fields would have to move too")
        moved.add((there % 60, there // 60 % 24))
    new_minutes, new_hours = sorted({m for m, _ in moved}), sorted({h for _, h in moved})
    if len(moved) != len(new_minutes) * len(new_hours):
        raise CannotConvert(f"in {server_zone} its times no longer form one list of minutes and one of hours")
    return " ".join([",".join(map(str, new_minutes)), ",".join(map(str, new_hours)), *fields[2:]])


def _first_dates(fires, times: frozenset[int] | None, zone: str, server_zone: str,
                 today: dt.date) -> dict[int, dt.date]:
    """Each offset (seconds) of `zone` from `server_zone` at which the schedule fires (`fires(date)`, at its minutes
    of the day `times`, else any) in the CYCLE_YEARS from `today`, with the first date it does. Between two changes
    of offset every date has the one offset: only its first firing date is read there, and the dates a change falls
    on one by one (`_offsets_on`) — a few dozen a year, whether it fires daily or once a year."""
    first_on: dict[int, dt.date] = {}
    local = ZoneInfo(zone)
    for begin, end, gap in _offset_spans(zone, server_zone, today):
        first, last = begin.astimezone(local).date(), (end - dt.timedelta(microseconds=1)).astimezone(local).date()
        if fires(first):  # the date of the change before it, or `today`
            for found, day in _offsets_on([first], times, zone, server_zone).items():
                first_on.setdefault(found, day)
        day = first + dt.timedelta(days=1)
        while day < last:  # wholly at `gap`
            if fires(day):
                first_on.setdefault(gap, day)
                break
            day += dt.timedelta(days=1)
        if last > first and fires(last):  # the date of the change after it
            for found, day in _offsets_on([last], times, zone, server_zone).items():
                first_on.setdefault(found, day)
    return first_on


@functools.lru_cache(maxsize=256)
def _offset_spans(zone: str, server_zone: str, today: dt.date) -> tuple[tuple[dt.datetime, dt.datetime, int], ...]:
    """(from, until, offset of `zone` from `server_zone` in seconds): the CYCLE_YEARS from `today`'s start in `zone`,
    cut at every change of either zone's offset."""
    local = ZoneInfo(zone)
    begin, end = (dt.datetime.combine(day, dt.time(0), tzinfo=local).astimezone(dt.timezone.utc)
                  for day in (today, today + dt.timedelta(days=CYCLE_DAYS)))
    cuts = sorted({*_changes_of_offset(zone, begin, end), *_changes_of_offset(server_zone, begin, end)})
    bounds = [begin, *cuts, end]
    return tuple((since, until, _offset_at(since, zone, server_zone)) for since, until in zip(bounds, bounds[1:]))


def _changes_of_offset(zone: str, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The instants (UTC) in (begin, end) at which `zone`'s offset from UTC changes: read every OFFSET_READ_EVERY,
    each change narrowed to the second it takes effect."""
    local = ZoneInfo(zone)

    def offset(instant: dt.datetime) -> dt.timedelta | None:
        return instant.astimezone(local).utcoffset()

    found, before, was = [], begin, offset(begin)
    while before < end:
        after = min(before + OFFSET_READ_EVERY, end)
        now = offset(after)
        if now != was:
            low, high = before, after  # `was` at low, another at high
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == was else (low, middle)
            found.append(high)
        before, was = after, now
    return found


def _offsets_on(days: list[dt.date], times: frozenset[int] | None, zone: str,
                server_zone: str) -> dict[int, dt.date]:
    """Each offset (seconds) of `zone` from `server_zone` at which the schedule fires on `days` (its minutes of the
    day `times`, else any), with the first date it does: one per date where it holds all that date, else each
    firing time's own (the date of a change of offset)."""
    first_on: dict[int, dt.date] = {}
    for day in days:
        through_day = _offsets_through(day, zone, server_zone)
        if len(through_day) > 1 and times is not None:
            through_day = {_offset_at(dt.datetime.combine(day, dt.time(at // 60, at % 60), tzinfo=ZoneInfo(zone)),
                                      zone, server_zone) for at in times}
        for gap in through_day:
            first_on.setdefault(gap, day)
    return first_on


@functools.lru_cache(maxsize=4096)
def _offsets_through(day: dt.date, zone: str, server_zone: str) -> frozenset[int]:
    """The offsets of `zone` from `server_zone` from the start of `day` in `zone` to the next, hour by hour (a change
    of offset lasts longer than an hour)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc)
    hours = int((end - start) / dt.timedelta(hours=1))
    instants = [start + dt.timedelta(hours=h) for h in range(hours + 1)] + [end]
    return frozenset(_offset_at(t, zone, server_zone) for t in instants)


def _offset_at(instant: dt.datetime, zone: str, server_zone: str) -> int:
    return int((instant.astimezone(ZoneInfo(zone)).utcoffset()
                - instant.astimezone(ZoneInfo(server_zone)).utcoffset()).total_seconds())


def _unmoved(times: frozenset[int], gap: int, days_fixed: bool) -> bool:
    """Whether the minutes of the day `times` are the same ones when read `gap` seconds away — on the same dates
    (no time passes midnight) unless the day fields are all `*`."""
    if gap % 60:
        return False
    shifted = [at - gap // 60 for at in times]
    return ({at % (24 * 60) for at in shifted} == times
            and (days_fixed or all(0 <= at < 24 * 60 for at in shifted)))


def _offset(seconds: int) -> str:
    """An offset as `+01:00`, `-05:30`."""
    sign, rest = ("-" if seconds < 0 else "+"), abs(seconds) // 60
    return f"{sign}{rest // 60:02}:{rest % 60:02}"


def judge(check, facts) -> Outcome:
    p: Params = check.params
    runs_in = p.database or facts.get("current_database")
    stored_as = as_postgres_stores_a_name(p.job)
    named = [j for j in facts["jobs"] if j["jobname"] == stored_as]
    # pg_cron runs each job in the database its row names: one running elsewhere says nothing about this one
    rows = [j for j in named if j.get("database") == runs_in]
    evidence = {
        "pg_cron": facts["version"] or "not installed",
        "visible_to": facts["viewer"],
        "runs_in": runs_in,
        "jobs": [{"jobid": j["jobid"], "schedule": j["schedule"], "active": j["active"],
                  "database": j.get("database"), "username": j.get("username")} for j in named],
        "scheduler_running": facts.get("scheduler_running"),
    }
    if release := _extversion_disagrees(facts):
        evidence["pg_cron_library"] = _library_said(facts, release)
    if stored_as != p.job:
        evidence["jobname_as_stored"] = (f"'{stored_as}': cron.job.jobname is a name, of which PostgreSQL keeps the"
                                         f" first {NAME_BYTES} bytes (whole UTF-8 characters)")
    if not facts["installed"]:
        # pg_cron keeps its jobs in one database (cron.database_name): looking anywhere else would
        # read "no job" for a job that runs — so this cannot be judged here
        return error(f"pg_cron is not installed in database {facts.get('database', '?')} (no cron.job);"
                     " point the system's database at the one pg_cron runs in (its cron.database_name)", **evidence)
    if not facts["version"]:
        # a table of that name that no scheduler reads: its rows say nothing about what runs
        return error(f"cron.job in database {facts.get('database', '?')} is not pg_cron's: the pg_cron extension is"
                     " not installed there; point the system's database at the one pg_cron runs in", **evidence)
    if moved := _scheduler_elsewhere(facts):
        # pg_cron reads cron.job only in the database its launcher is connected to: this table's rows, active or
        # not, say nothing of what runs (the job may be active there, or gone), so no verdict is read from them
        evidence["scheduler_elsewhere"] = moved
        there = " and ".join(moved)
        return error(f"no pg_cron scheduler reads cron.job in database {facts.get('current_database')}: pg_cron's"
                     f" launcher ('pg_cron scheduler' in pg_stat_activity) is connected to database {there} and reads"
                     f" cron.job there only; point the system's database at the database pg_cron runs in"
                     f" (cron.database_name: {there})", **evidence)
    if facts.get("jobs_filtered"):
        return error(f"could not look: row level security on cron.job shows the checker role {facts['viewer']}"
                     " only its own jobs; give the checker role BYPASSRLS (its sessions stay read-only)", **evidence)
    where = f" in database {runs_in}" if runs_in else ""
    databases = facts.get("databases")
    if p.database is not None and isinstance(databases, list) and p.database not in databases and not rows:
        # no job is stored as running there, nor can one run there: a misspelt name (`APP` for `app`) would pass
        # `active: false` while the job runs in the database meant
        return error(_no_such_database(p.job, p.database, named), **evidence)
    absent = _no_job_here(p.job, runs_in, named)
    active = [j for j in rows if j["active"]]
    if not p.active:
        expected = f"no active pg_cron job '{p.job}'{where}"
        if active:
            shown = ", ".join(f"jobid {j['jobid']} '{j['schedule']}'" for j in active)
            return failed(expected, f"'{p.job}' is active ({shown})", **evidence)
        elsewhere = [j for j in named if j["active"] and j not in rows]
        if elsewhere and p.database is None:
            # the job runs, only not where the checker is connected: pg_cron living in `postgres` and running it in
            # the app's database is common, so "disabled" cannot be told without knowing which database is meant —
            # nor where a disabled row of the name is here (an old copy): it runs nowhere here either
            shown = ", ".join(f"jobid {j['jobid']} in {j.get('database')}" for j in elsewhere)
            here = (f"no active job of that name runs in database {runs_in} ("
                    + ", ".join(f"jobid {j['jobid']}" for j in rows) + f" there {'is' if len(rows) == 1 else 'are'}"
                    f" inactive)" if rows else f"no job of that name runs in database {runs_in}")
            return error(f"cannot tell whether '{p.job}' is disabled: {here}, but one is active elsewhere ({shown});"
                         f" set `database:` on the item to the database it is about", **evidence)
        seen = (f"'{p.job}' present but inactive" if rows
                else absent + _close_names(stored_as, runs_in, facts["jobs"], evidence))
        return passed(expected, seen, **evidence)

    expected = f"active pg_cron job '{p.job}'{where}" + (f" on '{p.schedule}'" if p.schedule else "") + (
        f" {p.timezone}" if p.timezone else "")
    if not active:
        return failed(expected, _inactive_here(p.job, named, rows) if rows else absent, **evidence)
    unsure = _scheduler_unknown(facts)
    if unsure:
        return error(unsure, **evidence)
    if facts.get("scheduler_running") is False:
        return failed(expected, _not_running(p.job, facts.get("current_database")), **evidence)
    launches = _launches_active_jobs(facts)
    if launches is False:
        return failed(expected, f"'{p.job}' is active, but cron.launch_active_jobs is off: pg_cron starts no active"
                                f" job while it is, so the job never runs", **evidence)
    no_slot, slot_unsure = _worker_slot_problem(facts)
    if no_slot or slot_unsure:
        evidence["worker_slots"] = {"max_worker_processes": facts.get("max_worker_processes"),
                                    "held_by": facts.get("slot_holders"),
                                    "sessions_unseen": facts.get("sessions_unseen")}
    if no_slot:
        return failed(expected, f"'{p.job}' is active, but {no_slot}", **evidence)
    version = read_by(facts)  # the loaded library reads the schedules, whatever extversion says
    # pg_cron reads a stored schedule's first five fields (or its macro's word) and ignores what follows
    runs_on = {j["jobid"]: pg_cron_reads_of(j["schedule"]) for j in active}
    ignored = [f"jobid {jobid}: '{rest}' after {'its macro' if read.startswith('@') else 'the fifth field'}"
               for jobid, (read, rest) in runs_on.items() if rest]
    if ignored:
        evidence["ignored_by_pg_cron"] = ignored
    # a range written high-to-low means what the server's pg_cron sets from it: said beside what is compared
    read_as = [shown for schedule in [*(read for read, _ in runs_on.values()), *([p.schedule] if p.schedule else [])]
               for shown in ranges_high_to_low(schedule, version)]
    if read_as:
        evidence["ranges_high_to_low"] = list(dict.fromkeys(read_as))
    days_and = _days_and(facts)
    on_both_days = [schedule for schedule in [*(read for read, _ in runs_on.values()), *([p.schedule] if p.schedule
                                                                                          else [])]
                    if days_rule_matters(schedule, version)]
    # the day-field rules pg_cron may read the schedules by: both where the checker may not read which and it changes
    # one of them (each judged by both)
    rules = [False, True] if days_and is None and on_both_days else [bool(days_and)]
    if on_both_days and days_and is not False:
        evidence["dom_dow_and_logic"] = (
            ("on" if days_and else "not readable by the checker role") + ": "
            + ", ".join(f"'{schedule}'" for schedule in dict.fromkeys(on_both_days))
            + (" names" if len(set(on_both_days)) == 1 else " each name")
            + " a day of month and a weekday, which pg_cron fires on "
            + ("dates that are both" if days_and else "dates that are either with it off, both with it on"))
    unreadable, idle, unknown, unconnectable, elsewhere_maybe, skipped, skipped_maybe = [], [], [], [], [], [], []
    sockets_maybe, days_maybe = [], []
    for job in active:
        elsewhere = _connects_elsewhere(job, facts)
        if cannot := "; ".join(filter(None, [_cannot_connect(job), elsewhere if _reads_node(facts) else ""])):
            unconnectable.append(f"jobid {job['jobid']} ({cannot})")
        elif elsewhere and _reads_node(facts) is None:
            elsewhere_maybe.append(f"jobid {job['jobid']} ({elsewhere})")
        elif _reads_node(facts) is not False and _socket_unread(job, facts):
            sockets_maybe.append(f"jobid {job['jobid']} (its nodename {job.get('nodename')!r})")
        skips = _skips_superuser_job(job, facts)
        if skips is not False:
            (skipped if skips else skipped_maybe).append(f"jobid {job['jobid']} (its role '{job.get('username')}'"
                                                         f" is a superuser)")
        try:
            problem = stored_schedule_problem(job["schedule"], version)
            nevers = [] if problem else [stored_schedule_idle(job["schedule"], version, rule) for rule in rules]
        except NotUnderstood as exc:
            unknown.append(f"jobid {job['jobid']} ({exc})")
            continue
        if problem:
            unreadable.append(f"jobid {job['jobid']} ({problem})")
        if nevers and all(nevers):
            idle.append(f"jobid {job['jobid']} ({nevers[0]})")  # (idle read as either: idle read as both)
        elif any(nevers):
            days_maybe.append(f"jobid {job['jobid']} ('{runs_on[job['jobid']][0]}')")
    never_runs = unreadable or idle or unconnectable or skipped
    viewer = facts.get("viewer")
    if elsewhere_maybe and not never_runs:
        return error(f"could not look whether pg_cron connects for {', '.join(elsewhere_maybe)}: it does unless"
                     f" cron.use_background_workers is on, which the checker role {viewer} may not read; grant"
                     f" pg_read_all_settings to {viewer}", **evidence)
    if sockets_maybe and not never_runs:
        return error(f"could not look whether pg_cron connects for {', '.join(sockets_maybe)}: a socket directory that"
                     f" must be one of unix_socket_directories, which the checker role {viewer} may not read; grant"
                     f" pg_read_all_settings to {viewer}", **evidence)
    if skipped_maybe and not never_runs:
        return error(f"could not look whether pg_cron runs {', '.join(skipped_maybe)}: it skips a superuser's jobs"
                     f" while cron.enable_superuser_jobs is off, which the checker role {viewer} may not read; grant"
                     f" pg_read_all_settings to {viewer}", **evidence)
    if launches is None and not never_runs:
        return error(f"could not look whether pg_cron starts '{p.job}': it starts no active job while"
                     f" cron.launch_active_jobs is off, which the checker role {viewer} may not read; grant"
                     f" pg_read_all_settings to {viewer}", **evidence)
    if slot_unsure and not never_runs:
        return error(f"could not look whether pg_cron can start '{p.job}': {slot_unsure}", **evidence)
    if days_maybe and not never_runs and p.schedule and not unknown:
        # with the setting on it never runs (a fail); with it off it runs on the dates either day field names, judged
        # against the item's schedule: failing too, the verdict is the same either way
        off = _on_schedule(p, facts, expected, active, runs_on, dict(evidence), False)
        if off.status is Status.FAILED:
            return failed(expected, f"{off.observed} with cron.dom_dow_and_logic off, and with it on pg_cron fires"
                                    f" the stored schedule of {', '.join(days_maybe)} on no date (the checker role"
                                    f" {viewer} may not read that setting: it fails either way)", **evidence)
    if days_maybe and not never_runs:
        return error(f"could not look whether pg_cron ever runs {', '.join(days_maybe)}: it fires on no date with"
                     f" cron.dom_dow_and_logic on (pg_cron 1.6.8 on: both day fields must match), on some with it"
                     f" off, and the checker role {viewer} may not read that setting; grant pg_read_all_settings to"
                     f" {viewer}", **evidence)
    if unknown and not never_runs:
        return error(f"could not look: whether pg_cron reads the stored schedule of {', '.join(unknown)} is not known"
                     " here: compare it with cron.job_run_details, or store it as cron.schedule writes it",
                     **evidence)
    if never_runs:
        why = ([f"pg_cron cannot read the stored schedule of {', '.join(unreadable)}"] if unreadable else []) + (
            [f"pg_cron fires the stored schedule of {', '.join(idle)} on no minute"] if idle else []) + (
            [f"pg_cron cannot connect for {', '.join(unconnectable)}"] if unconnectable else []) + (
            [f"pg_cron skips {', '.join(skipped)} while cron.enable_superuser_jobs is off"] if skipped else [])
        return failed(expected, f"{'; '.join(why)}: the job never runs", **evidence)
    if not p.schedule:
        return passed(expected, f"'{p.job}' active", **evidence)
    if len(rules) == 1:
        return _on_schedule(p, facts, expected, active, runs_on, evidence, rules[0])
    either, both = (_on_schedule(p, facts, expected, active, runs_on, dict(evidence), rule) for rule in rules)
    if either.status is both.status:
        return either  # (the verdict the setting would give either way)
    return error(f"could not look whether '{p.job}' runs on '{p.schedule}': with cron.dom_dow_and_logic off it"
                 f" {_verdict(either)}, with it on it {_verdict(both)}, and the checker role {viewer} may not read"
                 f" that setting (pg_cron 1.6.8 on); grant pg_read_all_settings to {viewer}", **evidence)


def _verdict(outcome: Outcome) -> str:
    """An outcome said for a message: `passes`, `fails ('nightly' runs on …)`, `cannot be judged (…)`."""
    if outcome.status is Status.PASSED:
        return "passes"
    said = "fails" if outcome.status is Status.FAILED else "cannot be judged"
    return f"{said} ({outcome.observed})"


def _on_schedule(p: Params, facts: dict, expected: str, active: list[dict], runs_on: dict[Any, tuple[str, str]],
                 evidence: dict, days_and: bool) -> Outcome:
    """The item's `schedule` against what pg_cron runs each active job on, its day fields read by `days_and`
    (cron.dom_dow_and_logic): both wanted, or either where neither starts with `*`."""
    version = read_by(facts)
    if never := _idle_fields(p.schedule, version, days_and):
        # no job can run on it here, whatever runs: the item asks what this pg_cron cannot do
        why, instead = never
        return error(f"the item's schedule '{p.schedule}' fires on no minute on pg_cron {version}: {why}; {instead}",
                     **evidence)
    wanted = _normal(p.schedule)
    if p.timezone:
        parsed = _version(version)
        if parsed is None:
            return error(f"cannot tell which zone pg_cron runs '{p.job}' in: its version reads"
                         f" {version!r}", **evidence)
        if parsed >= FIRST_WITH_TIMEZONE and facts.get("timezone_unreadable"):
            return error(f"cannot tell which zone pg_cron runs '{p.job}' in: pg_cron {version} keeps"
                         f" cron.timezone from roles without pg_read_all_settings, and the checker role"
                         f" {facts['viewer']} is one; grant pg_read_all_settings to {facts['viewer']}", **evidence)
        # before 1.5 pg_cron runs in GMT; a cron.timezone set there is a placeholder nothing reads
        server_zone = (facts["timezone"] or "GMT") if parsed >= FIRST_WITH_TIMEZONE else "GMT"
        zone_key = zoneinfo_key(server_zone)
        if zone_key is None:
            # PostgreSQL also reads POSIX zones (`UTC+3`, `<+03>-3`), which zoneinfo does not
            return error(f"could not look: cron.timezone is '{cut(server_zone, 60)}', a zone the tz database here"
                         f" has no name for (even ignoring case), so '{p.schedule}' in {p.timezone} cannot be"
                         f" converted to it; write the item's schedule in pg_cron's zone without `timezone:`, or set"
                         f" cron.timezone to a zone name (Europe/London, Etc/UTC)", **evidence)
        now = facts["now"]
        today = now.date() if isinstance(now, dt.datetime) else dt.date.fromisoformat(str(now)[:10])
        evidence["server_timezone"] = server_zone
        try:
            converted = server_schedule(p.schedule, p.timezone, zone_key, today, version, days_and)
        except CannotConvert as why:
            return error(f"cannot convert '{p.schedule}' from {p.timezone} to {server_zone}: {why}; write the item's"
                         f" schedule in {server_zone} without `timezone:`", **evidence)
        evidence["expected_in_server_timezone"] = converted
        wanted = converted
    # (jobname, username) is pg_cron's key: another role's job of the name runs as well, so each one must match
    fires = as_pg_cron_reads(wanted, version, days_and)
    other = [j for j in active if as_pg_cron_reads(runs_on[j["jobid"]][0], version, days_and) != fires]
    if not other:
        return passed(expected, _runs_as_stored(p, active, runs_on), **evidence)
    note = (f" (= '{wanted}' in {evidence['server_timezone']})" if p.timezone else "")
    # the rule that makes two spellings differ is said beside them
    both = (" (cron.dom_dow_and_logic is on: pg_cron fires a schedule naming a day of month and a weekday on dates"
            " that are both)" if days_and and any(days_rule_matters(schedule, version) for schedule in
                                                   [wanted, *(runs_on[j["jobid"]][0] for j in other)]) else "")
    if len(active) == 1:
        return failed(expected + note, f"'{p.job}' runs on '{runs_on[active[0]['jobid']][0]}'{both}", **evidence)
    shown = "; ".join(f"jobid {j['jobid']} (owned by {j.get('username')}) runs on '{runs_on[j['jobid']][0]}'"
                      for j in other)
    return failed(expected + note, f"{len(active)} active jobs are named '{p.job}' (pg_cron runs each): {shown}{both}",
                  **evidence)


def _runs_as_stored(p: Params, active: list[dict], runs_on: dict[Any, tuple[str, str]]) -> str:
    """A passing schedule as the server holds it (what pg_cron reads of it), tied to the item's spelling where that
    differs: `'wk' active on '0 5 * * mon-fri' (= '0 5 * * 1-5')`."""
    stored = list(dict.fromkeys(runs_on[j["jobid"]][0] for j in active))
    who = (f"'{p.job}' active" if len(active) == 1
           else f"{len(active)} active jobs named '{p.job}' (pg_cron runs each)")
    seen = f"{who} on " + " and ".join(f"'{schedule}'" for schedule in stored)
    if p.timezone:
        return f"{seen} (= '{p.schedule}' in {p.timezone})"
    return seen if stored == [_normal(p.schedule)] else f"{seen} (= '{p.schedule}')"


def pg_cron_reads_of(schedule: str) -> tuple[str, str]:
    """(what pg_cron fires a stored schedule on, the text it ignores): past blank and `#` lines, the first five
    fields (its parser reads no more: `0 5 * * * extra` runs at 05:00), or a macro's word; an interval as it is."""
    written = _past_comments(schedule).rstrip(" \t\n")
    if written.startswith("@"):
        word, *rest = re.split(r"[ \t\n]+", written, maxsplit=1)  # pg_cron reads the word up to a blank
        return word, " ".join(" ".join(rest).split())
    fields, rest = pg_cron_fields(written)
    if len(fields) < 5 or not rest:
        return _normal(written), ""  # five fields, or an interval (or what pg_cron refuses: never compared)
    return _normal(" ".join(fields)), " ".join(rest.split())


def _cannot_connect(job: dict) -> str:
    """Why pg_cron cannot open a connection for `job` (its database or role, as the catalog shows them), else ""."""
    reasons = []
    if job.get("database_exists") is False:
        reasons.append(f"its database '{job.get('database')}' does not exist")
    elif job.get("database_allows_connections") is False:
        reasons.append(f"its database '{job.get('database')}' does not allow connections")
    if "role_can_login" in job and job["role_can_login"] is not True:
        reasons.append(f"its role '{job.get('username')}' "
                       + ("cannot log in" if job["role_can_login"] is False else "does not exist"))
    if job.get("role_may_connect") is False:
        reasons.append(f"its role '{job.get('username')}' has no CONNECT privilege on database '{job.get('database')}'")
    limited = job.get("role_is_superuser") is False  # a superuser is held to no connection limit
    if limited and job.get("role_connection_limit") == 0:
        reasons.append(f"its role '{job.get('username')}' has connection limit 0")
    if job.get("database_connection_limit") == INVALID_DATABASE:
        reasons.append(f"its database '{job.get('database')}' is invalid, left so by a DROP DATABASE that did not finish")
    elif limited and job.get("database_connection_limit") == 0:
        reasons.append(f"its database '{job.get('database')}' has connection limit 0")
    return "; ".join(reasons)


def _reads_node(facts: dict) -> bool | None:
    """Whether pg_cron opens each run to the job's nodename:nodeport: True with cron.use_background_workers off,
    False with it on or where no pg_cron library defines it (none runs the jobs; the launcher's absence says so),
    None where the checker role may not read it."""
    if facts.get("background_workers_unreadable"):
        return None
    return _is_off(facts.get("use_background_workers"))


def _worker_slot_problem(facts: dict) -> tuple[str, str]:
    """Why no background-worker slot is left for a job's run, and why that cannot be told, each "" where not so.
    With cron.use_background_workers on each run needs a slot of max_worker_processes free; where the background
    workers seen holding one for good fill them all, every run fails ("could not start background process")."""
    viewer = facts.get("viewer")
    unreadable = facts.get("background_workers_unreadable")
    if not unreadable and str(facts.get("use_background_workers")).lower() not in ("on", "true", "1", "yes"):
        return "", ""
    setting = ("cron.use_background_workers is on (each run is a background worker)" if not unreadable else
               f"cron.use_background_workers, which the checker role {viewer} may not read, may be on (then each run"
               f" is a background worker); grant pg_read_all_settings to {viewer}")
    if facts.get("worker_slots_unread"):
        return "", "" if unreadable else (
            f"{setting}, and pg_stat_activity, which shows the background workers holding the slots of"
            f" max_worker_processes, was refused ({facts['worker_slots_unread']}); grant select on"
            f" pg_catalog.pg_stat_activity to {viewer}")
    limit, holders = facts.get("max_worker_processes"), list(facts.get("slot_holders") or [])
    unseen = facts.get("sessions_unseen") or 0
    if not isinstance(limit, int):
        return "", ""
    held = f"max_worker_processes is {limit}, and {len(holders)} background worker{'s' if len(holders) != 1 else ''}" \
           f" hold{'s' if len(holders) == 1 else ''} a slot" + (f" ({', '.join(holders)})" if holders else "")
    if len(holders) >= limit:
        if unreadable:
            return "", f"{setting}: {held}, none left for a run"
        return (f"{setting} and no slot is left for its runs: {held}; every run fails 'could not start background"
                f" process' — raise max_worker_processes (a restart) or turn cron.use_background_workers off"), ""
    if len(holders) + unseen >= limit:
        return "", (f"{setting}: {held}, and the checker role {viewer} is not shown the backend_type of {unseen}"
                    f" session{'s' if unseen != 1 else ''} of other roles, which may be background workers holding"
                    f" the rest; grant pg_read_all_stats to {viewer}")
    return "", ""


def _is_off(setting: Any) -> bool:
    """A boolean setting read as off (None, a setting this pg_cron does not define, is not)."""
    return str(setting).lower() in ("off", "false", "0", "no")


def _skips_superuser_job(job: dict, facts: dict) -> bool | None:
    """Whether pg_cron skips `job` every time it loads the jobs: its role is a superuser and
    cron.enable_superuser_jobs is off ("skipping job N since superuser jobs are currently disallowed"); None where
    that matters and the checker role may not read the setting."""
    if job.get("role_is_superuser") is not True:
        return False
    return None if facts.get("enable_superuser_jobs_unreadable") else _is_off(facts.get("enable_superuser_jobs"))


def _days_and(facts: dict) -> bool | None:
    """Whether pg_cron wants both day fields of every schedule: cron.dom_dow_and_logic on (1.6.8 on; off, or where
    this pg_cron defines no such setting, it wants either where neither starts with `*`); None where the checker
    role may not read that setting."""
    if facts.get("dom_dow_and_logic_unreadable"):
        return None
    return str(facts.get("dom_dow_and_logic")).lower() in ("on", "true", "1", "yes")


def days_rule_matters(schedule: str, version: Any = None) -> bool:
    """Whether cron.dom_dow_and_logic changes the dates `schedule` (as pg_cron reads it) fires on: neither day field
    starts with `*` (pg_cron's DOM_STAR and DOW_STAR), and what it fires on differs (`0 0 1-31 * 0-6` is every day
    either way; `$` beside a weekday is not read here, so it matters)."""
    fields = _normal(schedule).lower().split(" ")
    if len(fields) != 5 or fields[2].startswith("*") or fields[4].startswith("*"):
        return False
    try:
        if stored_schedule_problem(schedule, version):
            return False  # pg_cron never runs it (said apart)
    except NotUnderstood:
        return False
    either, both = (as_pg_cron_reads(schedule, version, rule) for rule in (False, True))
    return either != both or not isinstance(either, tuple)


def _launches_active_jobs(facts: dict) -> bool | None:
    """Whether pg_cron's launcher starts active jobs: not with cron.launch_active_jobs off (1.6 on); None where the
    checker role may not read that setting."""
    return None if facts.get("launch_active_jobs_unreadable") else not _is_off(facts.get("launch_active_jobs"))


def _connects_elsewhere(job: dict, facts: dict) -> str:
    """Why the job's nodename:nodeport is clearly not this server, else "" (also when that cannot be told: a job
    that runs must never fail here). A unix socket ('' or NULL is libpq's default directory) is judged against the
    server's unix_socket_directories (`_socket_elsewhere`), then by port; a name holding blanks never resolves.
    Local (and judged by port only): localhost or a loopback address the server listens on (a listen_addresses
    'localhost' is 127.0.0.1, maybe ::1: not judged, and no other loopback address); localhost or a loopback address
    at another port is judged by port even where listening there cannot be told. An address listed in listen_addresses, or the
    one the checker reached, is the server too. 0.0.0.0 and :: are where Linux connects to them, 127.0.0.1 and ::1
    (`_unspecified_reaches`). A host name other than localhost resolves
    where the server runs, which the catalog does not show: not judged, unless it is one that never resolves
    (RFC 6761's `.invalid`). A local address with a port other than the server's `port` is taken as not this server:
    pg_cron stores that port (PostPortNumber), so another was written by hand or came with another server's rows (a
    dump); a connection pooler on the same host, which a job could be pointed at, would be judged so too (rare: pg_cron
    connects locally, trusted)."""
    if "nodename" not in job and "nodeport" not in job:
        return ""  # (not read)
    name = job.get("nodename") or ""
    port, server_port = job.get("nodeport"), facts.get("server_port")
    wrong_port = (f"its nodeport {port} is not this server's port {server_port}"
                  if server_port is not None and port is not None and port != server_port else "")
    if "," in name:  # a list of hosts libpq tries in turn: one of them may be this server
        return ""
    if not name or name.startswith(("/", "@")):  # libpq's default socket directory, a directory, an abstract socket
        return _socket_elsewhere(name, facts.get("unix_socket_directories")) or wrong_port
    if any(char.isspace() for char in name):
        # pg_cron hands libpq the name as stored, blanks and all, and no host name holds one; an IPv4 address with
        # blanks after it is read by some C libraries' inet_aton (before glibc 2.32), so that is not judged
        if name.rstrip() == name.strip() and getattr(_ip(name.strip()), "version", None) == 4:
            return ""
        return f"its nodename {name!r} holds blanks, which no host name resolves with (libpq reads it as stored)"
    lowered = name.lower().rstrip(".")
    if lowered == "invalid" or lowered.endswith(".invalid"):
        return f"its nodename '{name}' never resolves (RFC 6761)"
    unspecified = getattr(_ip(lowered), "is_unspecified", False)
    reached = _unspecified_reaches(_ip(lowered), facts.get("server_platform")) if unspecified else lowered
    listens = None if reached is None else _listens_on(reached, facts.get("listen_addresses"),
                                                       facts.get("server_address"))
    if listens is False:
        how = f" (which Linux connects to as {reached})" if unspecified else ""
        return (f"its nodename '{name}'{how} is no address this server listens on (listen_addresses"
                f" '{facts.get('listen_addresses')}')")
    # localhost or a loopback address is this host, even where whether the server listens there cannot be told;
    # 0.0.0.0 too, wherever it connects
    this_host = lowered == "localhost" or unspecified or getattr(_ip(lowered), "is_loopback", False)
    return wrong_port if listens or (listens is None and this_host) else ""


def _unspecified_reaches(address: ipaddress.IPv4Address | ipaddress.IPv6Address, platform: Any) -> str | None:
    """Where a connection to 0.0.0.0 or :: goes on a server built for `platform` (version()'s): on Linux the
    loopback address 127.0.0.1 or ::1 (seen: libpq reaches a server listening there, and only there); None
    elsewhere or where not known (BSD connects to an address of the host, Windows refuses)."""
    if not isinstance(platform, str) or "-linux" not in platform.lower():
        return None
    return "127.0.0.1" if address.version == 4 else "::1"


def _socket_elsewhere(name: str, directories: str | None) -> str:
    """Why a job's nodename naming a unix socket ('' for libpq's default directory, a directory, '@' an abstract one)
    is none of the server's, else "" (also when that cannot be told). unix_socket_directories as PostgreSQL reads it:
    comma-separated, blanks around each dropped, double quotes around one. A directory is compared as a path (`/tmp/`
    is /tmp); /var/run and /run are one (a link on every current Linux); another link between two directories the
    catalog cannot show. '' is whatever directory libpq was built with (/tmp, /var/run/postgresql): judged only where
    the server has no socket at all."""
    if directories is None:
        return ""
    listed = [entry.strip() for entry in directories.split(",")]
    listed = [entry[1:-1].replace('""', '"') if len(entry) > 1 and entry[0] == entry[-1] == '"' else entry
              for entry in listed if entry]
    where = f"(unix_socket_directories '{directories}')"
    if not listed:
        return f"its nodename {name!r} is a unix socket, and this server has none {where}"
    if not name or any(not entry.startswith(("/", "@")) for entry in listed):
        return ""  # libpq's default directory, or one relative to the data directory, which the catalog does not show

    def as_path(path: str) -> str:
        path = posixpath.normpath("/" + path.lstrip("/"))  # `//tmp` is /tmp on Linux (normpath keeps two slashes)
        return "/run" + path[len("/var/run"):] if path == "/var/run" or path.startswith("/var/run/") else path

    if name.startswith("@"):
        found = name in listed
    else:
        found = as_path(name) in {as_path(entry) for entry in listed if entry.startswith("/")}
    return "" if found else (f"its nodename {name!r} is no socket directory of this server {where}, unless a"
                             " symbolic link makes it one")


def _socket_unread(job: dict, facts: dict) -> bool:
    """Whether the job's nodename names a socket directory (or an abstract socket) the checker could not compare with
    unix_socket_directories, which it may not read."""
    name = job.get("nodename") or ""
    return bool(facts.get("sockets_unreadable")) and name.startswith(("/", "@")) and "," not in name


def _listens_on(host: str, listen_addresses: str | None, server_address: str | None) -> bool | None:
    """Whether the server accepts TCP connections at `host` (localhost or an IP address; lower case): None when
    that cannot be told (a host name, a wildcard with an address not known to be the server's, or ::1 against
    'localhost')."""
    address = None if host == "localhost" else _ip(host)
    if host != "localhost" and address is None:
        return None  # a host name
    if address is not None and server_address is not None and address == _ip(server_address):
        return True
    if listen_addresses is None:
        return None
    loopback = address is None or address.is_loopback
    unsure = False
    for entry in (e.strip().lower() for e in listen_addresses.split(",")):
        if not entry:
            continue
        if entry in ("*", "0.0.0.0", "::"):  # PostgreSQL binds '::' for IPv6 only (IPV6_V6ONLY)
            family = {"0.0.0.0": 4, "::": 6}.get(entry)
            if address is not None and family is not None and address.version != family:
                continue
            if loopback:
                return True
            unsure = True  # any of the server's own addresses, not known here
            continue
        if entry == "localhost":
            matched = True if address is None else _is_localhost(address)
        elif (listed := _ip(entry)) is None:
            matched = None  # a host name: it may resolve to `host`
        else:
            matched = _is_localhost(listed) if address is None else listed == address
        if matched:
            return True
        unsure = unsure or matched is None
    return None if unsure else False


def _is_localhost(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool | None:
    """Whether 'localhost' means `address`: PostgreSQL and libpq resolve it where the server runs, through hosts
    files the catalog does not show. 127.0.0.1 it always means; ::1 only where IPv6 is set up (cannot be told);
    another loopback address (127.0.0.2) it does not, so a job there fails against a server listening on localhost."""
    if address == ipaddress.IPv4Address("127.0.0.1"):
        return True
    return None if address == ipaddress.IPv6Address("::1") else False


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`text` as an IP address (an IPv4-mapped one as the IPv4 address it connects to), else None."""
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _no_such_database(job: str, database: str, named: list[dict]) -> str:
    """The item's `database:` is no database on the server: naming where a job of the name is active instead."""
    active = ", ".join(f"jobid {j['jobid']} is active in {j.get('database')}" for j in named if j["active"])
    return (f"database '{database}' does not exist (no such name in pg_database; names are case-sensitive)"
            + (f", and a job '{job}' is active in another ({active})" if active else "")
            + "; set `database:` to the database the job runs in, as cron.job names it")


def _scheduler_unknown(facts: dict) -> str | None:
    """Why whether a pg_cron scheduler runs these jobs cannot be told from here, else None."""
    viewer = facts.get("viewer")
    running = facts.get("scheduler_running")
    if facts.get("in_recovery"):
        return "the database is a standby (in recovery): pg_cron runs on the primary; point the checker at the primary"
    if facts.get("scheduler_unread") and facts.get("scheduler_sqlstate") == INSUFFICIENT_PRIVILEGE:
        return (f"could not look whether a pg_cron scheduler is connected: the checker role {viewer} may not read"
                f" pg_catalog.pg_stat_activity ({facts['scheduler_unread']}); grant select on"
                f" pg_catalog.pg_stat_activity to {viewer}")
    if facts.get("scheduler_unread"):
        return (f"could not look whether a pg_cron scheduler is connected: pg_catalog.pg_stat_activity could not be"
                f" read ({facts['scheduler_unread']})")
    if running is False and facts.get("others_hidden"):
        return (f"cannot tell whether a pg_cron scheduler runs: the checker role sees no other session (its"
                f" pg_stat_activity shows {viewer} only its own, as some providers do); grant pg_read_all_stats to"
                f" {viewer}")
    if running is not True and running is not False:  # not read, or read as something else
        return f"could not look: whether a pg_cron scheduler is connected was not read ({cut(json.dumps(running), 40)})"
    if running is False and (facts.get("others_hidden") is not False or facts.get("in_recovery") is not False):
        # none seen proves none runs only on a primary whose sessions the checker sees: neither may be assumed
        return ("could not look: no pg_cron scheduler session is seen, and whether the checker sees other sessions"
                " or the database is a standby was not read")
    return None


def _scheduler_elsewhere(facts: dict) -> list[str]:
    """The databases a pg_cron launcher is seen connected to, where none is connected to this one (on a primary), else
    []: also where that cannot be told (pg_stat_activity not read, or showing the checker no other role's session)."""
    elsewhere = facts.get("scheduler_elsewhere")
    if facts.get("scheduler_running") is not False or facts.get("in_recovery") is not False \
            or not isinstance(elsewhere, list):
        return []
    return [str(database) for database in elsewhere]


def _not_running(job: str, database: str | None) -> str:
    return (f"'{job}' is active, but no pg_cron scheduler is connected to database {database} (no 'pg_cron"
            f" scheduler' session in pg_stat_activity, other than a client named so): its jobs never run; pg_cron"
            f" must be in shared_preload_libraries with cron.database_name = '{database}'")


def _close_names(job: str, runs_in: str | None, jobs: list[dict], evidence: dict) -> str:
    """Where no job of the name is, the jobs named close to it (a misspelt name passes `active: false` for ever, even
    once the job meant is active): said beside the pass, with where each runs and whether it is active, and in the
    evidence. A pass all the same: a job renamed (`sync-v1` gone, `sync-v2` active) is the healthy case whose names
    are close. The item's own name in another database is said by `_no_job_here`, not here."""
    names = sorted({str(j["jobname"]) for j in jobs if j["jobname"] != job})
    close = difflib.get_close_matches(job, names, n=3, cutoff=0.8)
    if not close:
        return ""

    def state(j: dict) -> str:
        where = "" if j.get("database") == runs_in else f" in {j.get('database')}"
        return ("active" if j["active"] else "inactive") + where

    states = {name: ", ".join(sorted(state(j) for j in jobs if j["jobname"] == name)) for name in close}
    evidence["close_names"] = states
    said = "; ".join(f"'{name}' is {each}" for name, each in states.items())
    return f" ({said}: if the item means {'it' if len(close) == 1 else 'one of them'}, correct its job)"


def _no_job_here(job: str, runs_in: str | None, named: list[dict]) -> str:
    """"No job named …", naming the databases a job of that name runs in instead, and the fix if one is meant."""
    if not named:
        return f"no job named '{job}'"
    elsewhere = ", ".join(f"jobid {j['jobid']} runs in {j.get('database')}" for j in named)
    databases = sorted({str(j.get("database")) for j in named})
    fix = (f"if {databases[0]} is the one meant, set `database: {databases[0]}` on the item" if len(databases) == 1
           else "if one of those is the one meant, set `database:` to it on the item")
    return f"no job named '{job}' runs in database {runs_in} ({elsewhere}); {fix}"


def _inactive_here(job: str, named: list[dict], rows: list[dict]) -> str:
    """"… is inactive", naming where a job of that name is active instead."""
    there = ", ".join(f"jobid {j['jobid']} is active in {j.get('database')}" for j in named
                      if j["active"] and j not in rows)
    return f"'{job}' is inactive" + (f" here ({there})" if there else "")
