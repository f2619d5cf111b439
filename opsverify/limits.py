"""Numbers the bounds are made of, kept apart so that computing a bound imports no driver."""

import datetime as dt

READ_GRACE_S = 2.0  # beyond statement_timeout: the server's own cancel, plus a slow link
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far a clock (this machine's, a database's) may lag a deploy time given
# an output written through (--junitxml onto a FIFO, a pipe, a terminal) whose reader takes no byte for this long has
# stopped reading: the run ends rather than wait for it (a log collector slower than its pipe still takes some)
OUTPUT_STALL_S = 5.0


def database_total_s(connect_s: float, budget_s: float) -> float:
    """Worst case of everything a run asks one database: connect, then its budget, then the grace."""
    return connect_s + budget_s + READ_GRACE_S
