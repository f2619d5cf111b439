"""Every error the suite raises on purpose shares one base, `OpsverifyError`.

Two kinds: `StopRun` ends the run before any check (an operator sees one line that names the
file/item and the fix, and a distinct exit code — never a traceback); the others concern one
check or group of checks and become its outcome (error or skipped), never a crash.
"""


from . import exitcodes


class OpsverifyError(Exception):
    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


# -- the run cannot start -----------------------------------------------------------------
class StopRun(OpsverifyError):
    exit_code = exitcodes.BAD_CONFIG


class ConfigError(StopRun):
    """A checklist or environment file is malformed or invalid; or a bad option."""

    exit_code = exitcodes.BAD_CONFIG


class UsageError(StopRun):
    """A command line pytest would refuse (a -k or -m expression it cannot read)."""

    exit_code = exitcodes.USAGE


class UnknownEnvironment(StopRun):
    exit_code = exitcodes.UNKNOWN_ENV


class MissingVariable(StopRun):
    """A ${VAR} in an environment file is not set (or holds a control character)."""

    exit_code = exitcodes.MISSING_VARIABLE


class DemoFailed(StopRun):
    exit_code = exitcodes.DEMO


class ArchiveFailed(StopRun):
    """The run archive could not be written: the checks ran, but there is no evidence of them."""

    exit_code = exitcodes.ARCHIVE


# -- one check (or group) cannot be decided or must not run ---------------------------------
class GatherError(OpsverifyError):
    """A family could not look at the target: every check waiting on it is an *error*."""


class QueryFailed(GatherError):
    """The database answered a statement with an error (its SQLSTATE kept)."""

    def __init__(self, message: str, sqlstate: str = ""):
        super().__init__(f"{message} (SQLSTATE {sqlstate})" if sqlstate else message)
        self.sqlstate = sqlstate


class DatabaseUnavailable(GatherError):
    """No conversation with this database is possible in this run (refused, timed out, credentials,
    or it stopped answering). `kind` says which: unreachable | credentials | stopped | budget | closed (the run
    ended before it answered: the session was closed, the database did nothing wrong)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


class Refused(OpsverifyError):
    """The suite refused an operation that would break a safety rule (write, mutation)."""


class NotConfigured(OpsverifyError):
    """The environment does not say where this is: the check is skipped with this reason."""


class CouldNotCheck(OpsverifyError):
    """Raised in a check's fixture setup so pytest reports ERROR: the check could not decide."""
