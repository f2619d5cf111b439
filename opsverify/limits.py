"""Numbers the bounds are made of, kept apart so that computing a bound imports no driver."""

import datetime as dt

READ_GRACE_S = 2.0  # beyond statement_timeout: the server's own cancel, plus a slow link
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far a clock (this machine's, a database's) may lag a deploy time given
# an output written through (--junitxml onto a FIFO, a pipe, a terminal) whose reader takes no byte for this long has
# stopped reading: the run ends rather than wait for it (a log collector slower than its pipe still takes some)
OUTPUT_STALL_S = 5.0
# a run that ends while statements run (Ctrl-C, SIGTERM, -x) waits this long at most, for all its databases together,
# for the requests that cancel them: each is sent from a daemon thread, which the exiting interpreter would kill before
# the server is asked, and the server would run the statement on up to its statement_timeout. A live server takes a
# cancel in milliseconds; one that does not answer it in time is left to its statement_timeout, as before. A run with
# no cancel on its way does not wait at all (it exits at once after its summary: quickexit)
CANCEL_WAIT_S = 1.0


def database_total_s(connect_s: float, budget_s: float) -> float:
    """Worst case of everything a run asks one database: connect, then its budget, then the grace."""
    return connect_s + budget_s + READ_GRACE_S
