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


def job_says(text: str):
    """A 200 whose body tells how the job went: judged only by the body rules."""
    return lambda check: {check.key: [("with the secret", "u", Reply(200, 5.0, text=text))]}


CASES = {
    "service": Live(GUARDED, {**GUARDED, "service": "elsewhere"}, LOCAL),
    "path": Live(GUARDED, {**GUARDED, "path": "/cron-open"}, LOCAL),
    "secret": Live(WITH_SECRET, {**WITH_SECRET, "secret": "OTHER_SECRET"}, LOCAL),
    "header": Live(WITH_SECRET, {**WITH_SECRET, "header": "x-cron-secret"}, LOCAL),
    "with_secret": Flips(GUARDED, {**GUARDED, "with_secret": True}, rejected_twice),
    "method": Live(GUARDED, {**GUARDED, "method": "POST"}, LOCAL),
    # the schedule sent in x-vercel-cron-schedule: a job trusting its own takes the call that names it
    "schedule": Live({**GUARDED, "path": "/cron-every-5"},
                     {**GUARDED, "path": "/cron-every-5", "schedule": "*/5 * * * *"}, LOCAL),
    "status": Flips(WITH_SECRET, {**WITH_SECRET, "status": 202}, accepted),
    "json_fields": Flips(WITH_SECRET, {**WITH_SECRET, "json": {"ok": True}}, job_says('{"ok": false}')),
    "json_has": Flips(WITH_SECRET, {**WITH_SECRET, "json_has": ["published"]}, job_says('{"ok": true}')),
    "json_min": Flips(WITH_SECRET, {**WITH_SECRET, "json_min": {"published": 1}}, job_says('{"published": 0}')),
    "json_max": Flips(WITH_SECRET, {**WITH_SECRET, "json_max": {"failed": 0}}, job_says('{"failed": 2}')),
    "body_includes": Flips(WITH_SECRET, {**WITH_SECRET, "body_includes": ["done"]}, job_says("{}")),
    "body_excludes": Flips(WITH_SECRET, {**WITH_SECRET, "body_excludes": ["job failed"]},
                           job_says('{"error": "job failed"}')),
}
