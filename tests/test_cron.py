"""cron family: an answer that shows nothing of the secret check (turned away, or a server error) is not judged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify.families import cron
from opsverify.outcome import Status
from opsverify.transports.http import Reply

from .kit import make_check

GUARDED = {"service": "app", "path": "/api/cron/publish", "secret": "CRON_SECRET"}


def judged(params: dict, *statuses: int):
    check = make_check("cron", params, mutating=params.get("with_secret", False))
    hows = ["with the secret"] if params.get("with_secret") else ["without a secret", "with a wrong secret"]
    return cron.judge(check, {check.key: [(how, "u", Reply(s, 1.0)) for how, s in zip(hows, statuses, strict=True)]})


@pytest.mark.parametrize("without, wrong, status, seen", [
    (401, 403, Status.PASSED, "without a secret: 401 and with a wrong secret: 403"),
    # turned away before the secret was read, or failed whatever it was sent: the secret check was not seen
    (429, 429, Status.ERROR, "could not look: without a secret: 429 (rate-limited); with a wrong secret: 429 "
                             "(rate-limited): whether it checks CRON_SECRET was not seen"),
    (408, 401, Status.ERROR, "without a secret: 408 (request timeout): whether it checks CRON_SECRET was not seen"),
    (401, 503, Status.ERROR, "with a wrong secret: 503 (server error): whether it checks CRON_SECRET was not seen"),
    # an accepted call fails it whatever the other one answered
    (429, 200, Status.FAILED, "with a wrong secret: accepted with 200"),
    (401, 404, Status.FAILED, "with a wrong secret: status 404"),
])
def test_without_the_secret(without, wrong, status, seen):
    outcome = judged(GUARDED, without, wrong)
    assert outcome.status is status and seen in outcome.observed, outcome


@pytest.mark.parametrize("answer, status, seen", [
    (200, Status.PASSED, "status 200"),
    (429, Status.ERROR, "could not look: with the secret: 429 (rate-limited): whether the job runs was not seen"),
    (500, Status.FAILED, "status 500"),  # the job ran and failed
])
def test_with_the_secret(answer, status, seen):
    outcome = judged({**GUARDED, "with_secret": True}, answer)
    assert outcome.status is status and seen in outcome.observed, outcome


def test_a_stated_2xx_status_is_judged():
    assert judged({**GUARDED, "with_secret": True, "status": 202}, 202).status is Status.PASSED
    assert judged({**GUARDED, "with_secret": True, "status": 202}, 200).status is Status.FAILED


@pytest.mark.parametrize("status", [401, 302, 429, 500, -1, 0, 199, 300, 999])
def test_a_status_outside_2xx_is_a_config_error(status):
    """A job that refused its secret (401) or sent a login page (302) must not pass; -1, 0 or 999 never match."""
    with pytest.raises(ValidationError, match=f"status\n  Value error, {status} is not a 2xx") as raised:
        make_check("cron", {**GUARDED, "with_secret": True, "status": status}, mutating=True)
    assert len(raised.value.errors()) == 1
