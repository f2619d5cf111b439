"""Value types the PostgreSQL transport reads some columns as, and the kind of statement the suite writes itself —
kept apart from the driver, so that a family can name them without loading psycopg (a run that only collects loads
no driver)."""


class BlankPadded(str):
    """A `char(n)` (bpchar) value as the database sends it, its padding kept: PostgreSQL compares it without its
    trailing blanks (`'ok'::char(5) = 'ok'`), and so does the judge. To any other reader a str."""


class Bounded(list):
    """An array whose lower bounds are not all 1, as the database sends it (`[0:2]={0,1,2}`: one extended by
    `a[0] := x` starts at 0). psycopg's list drops them, yet PostgreSQL's `=` compares them: `bounds` keeps them as
    PostgreSQL writes them, `[0:2]`. To any other reader a list."""

    def __init__(self, items: list, bounds: str):
        super().__init__(items)
        self.bounds = bounds


class Pinned(str):
    """SQL the suite writes itself (a catalog query, the role check, a clock): run with search_path pinned to
    `pg_catalog, pg_temp` in its transaction, so whatever search_path the URL, the role or the database sets, every
    name in it is PostgreSQL's own — a table `public.pg_policy`, a function `public.pg_get_userbyid` or an operator
    `public.=` cannot stand in for the catalog's (pg_temp listed last is never searched for functions or operators,
    and for tables only after pg_catalog). A checklist's own query is plain `str`: it is the app's SQL, and reads
    the database through its search_path, as the app does. Objects outside pg_catalog print qualified there
    (`format_type`, `pg_get_expr`: `public.mood`, `nextval('public.orders_id_seq'::regclass)`), the same on every
    database."""

    __slots__ = ()


class InZone(str):
    """A checklist's query run with TimeZone set to `zone` in its own transaction, the session's staying UTC: how the
    app's sessions, given the database's default zone, read a `timestamp` (without time zone) or now()'s date. The
    sql family asks it only where that zone is not UTC, to tell whether the zone decides an item's verdict."""

    def __new__(cls, text: str, zone: str) -> "InZone":
        made = super().__new__(cls, text)
        made.zone = zone
        return made


# The settings the checker's session sets at its start (`-c`, after the URL's own options, whatever the role or the
# database sets): each name as PostgreSQL spells it, the value (`{statement_ms}` …: the transport's bounds) and why.
# The one list: the transport sends these (`session_options`), and the sql family reads an item asking one of them as
# the session's, not the server's (`pinned_problem`). TimeZone is set later, by the session's first conversation
# (transports.postgres: SESSION_ZONE), after reading the app's: SESSION_SET_LATER.
SESSION_PINS = {
    "default_transaction_read_only": ("on", "read-only safety"),
    "statement_timeout": ("{statement_ms}", "each statement bounded"),
    "lock_timeout": ("{lock_ms}", "no wait on the app's locks"),
    "idle_in_transaction_session_timeout": ("{idle_ms}", "no transaction left open"),
    # dates and intervals in forms the client reads. DateStyle's output form only: its input order (a query's
    # '01/12/2026' is 1 December under DMY, 12 January under MDY) stays the server's, as the app's sessions read it
    "DateStyle": ("ISO", "dates in the form the checker reads"),
    "IntervalStyle": ("postgres", "intervals in the form the checker reads"),
    # every value as it is: a float to its last digit (-14 would read 1234.5 as 1000), and strings as the checklists'
    # tokenizer reads them (a backslash ends nothing), so a call it finds is the server's call
    "extra_float_digits": ("3", "each float read to its last digit"),
    "standard_conforming_strings": ("on", "strings read as the checker's tokenizer reads them"),
    # no JIT compilation: a catalog query naming a thousand relations is estimated dear (rightly) and would be
    # compiled for longer than it runs (PostgreSQL 11+, as every supported server is)
    "jit": ("off", "no JIT compilation of the checker's catalog queries"),
}
# The settings the checker's connection names at its start beside the -c options (libpq's own parameters): the
# transport sends these, and reading one reads the checker's value too.
SESSION_PARAMETERS = {
    "client_encoding": ("UTF8", "every text read as UTF-8 (SQL_ASCII would make it bytes)"),
    "application_name": ("opsverify", "the checker's sessions named as its own"),
}
# The settings the session implies, set by no option: what every statement the checker runs reads as their value.
SESSION_IMPLIED = {
    "transaction_read_only": ("on", "every statement runs in its own BEGIN READ ONLY transaction"),
}
# every setting whose value in the checker's session is the session's own from its start, each with why
SESSION_SETTINGS = {**SESSION_PINS, **SESSION_PARAMETERS, **SESSION_IMPLIED}
# The settings the session sets after it starts (SESSION_ZONE's set_config(…, false), as SET does): their value, source
# ('session'), sourcefile and sourceline are the session's — also where the sql family reads a query in the app's
# zone once more, which it does not where that zone reads as UTC (Etc/UTC, Atlantic/Reykjavik) — while reset_val
# stays the value the session started with: the server's, ALTER ROLE ALL's, the database's (or the checker's own,
# where its role or URL sets one: then not the app's either, sql's `pinned_problem`)
SESSION_SET_LATER = {
    "TimeZone": ("UTC", "time read in UTC whatever the database sets"),
}
