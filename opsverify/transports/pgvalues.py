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
