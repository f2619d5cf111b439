"""One base for every error the suite raises on purpose, each with its own exit code.

An operator sees one line (the message names the file/item and the fix) and a distinct
exit code; never a traceback.
"""


class OpsverifyError(Exception):
    exit_code = 20

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(OpsverifyError):
    """A checklist or environment file is malformed or invalid."""

    exit_code = 20


class UnknownEnvironment(OpsverifyError):
    exit_code = 21


class MissingVariable(OpsverifyError):
    """A ${VAR} in an environment file is not set."""

    exit_code = 22


class TargetUnreachable(OpsverifyError):
    exit_code = 23


class TargetAuthFailed(OpsverifyError):
    exit_code = 24


class DemoFailed(OpsverifyError):
    exit_code = 25


class GatherError(Exception):
    """A family could not look at the target: every check waiting on it is an *error*."""


class Refused(Exception):
    """The suite refused an operation that would break a safety rule (write, mutation)."""
