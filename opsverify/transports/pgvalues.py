"""Value types the PostgreSQL transport reads some columns as — kept apart from the driver, so that a family can
name them without loading psycopg (a run that only collects loads no driver)."""


class BlankPadded(str):
    """A `char(n)` (bpchar) value as the database sends it, its padding kept: PostgreSQL compares it without its
    trailing blanks (`'ok'::char(5) = 'ok'`), and so does the judge. To any other reader a str."""
