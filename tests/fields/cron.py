"""cron: every field of cron.Params changes the outcome."""

from opsverify.transports.http import Reply

from .kinds import Flips, Live

LOCAL = "http_fields_target"  # tests/conftest.py: /cron wants `authorization: Bearer <CRON_SECRET>`

GUARDED = {"service": "api", "path": "/cron", "secret": "CRON_SECRET"}
WITH_SECRET = {**GUARDED, "with_secret": True}


def rejected_twice(check):
    return {check.key: [("without a secret", "u", Reply(401, 5.0)), ("with a wrong secret", "u", Reply(401, 5.0))]}


def accepted(check):
    return {check.key: [("with the secret", "u", Reply(200, 5.0))]}


CASES = {
    "service": Live(GUARDED, {**GUARDED, "service": "elsewhere"}, LOCAL),
    "path": Live(GUARDED, {**GUARDED, "path": "/cron-open"}, LOCAL),
    "secret": Live(WITH_SECRET, {**WITH_SECRET, "secret": "OTHER_SECRET"}, LOCAL),
    "header": Live(WITH_SECRET, {**WITH_SECRET, "header": "x-cron-secret"}, LOCAL),
    "with_secret": Flips(GUARDED, {**GUARDED, "with_secret": True}, rejected_twice),
    "method": Live(GUARDED, {**GUARDED, "method": "POST"}, LOCAL),
    "status": Flips(WITH_SECRET, {**WITH_SECRET, "status": 202}, accepted),
}
