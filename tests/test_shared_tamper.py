"""Under xdist, workers share outcomes and learned secrets through sealed files in a run-private folder: one that was
altered while the run ran (a flipped byte, another file's content) is never trusted, and never a traceback."""

from __future__ import annotations

import secrets as random

import pytest

from opsverify import engine
from opsverify.outcome import Status, failed, passed
from opsverify.secrets import Redactor

from .kit import make_check
from .test_learned_secrets import _fake_family, _run, fakes  # noqa: F401 (fakes: a fixture)


def _flip_one_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def _published(fakes, tmp_path, secret: str):
    fakes["slow"] = _fake_family("slow", lambda target, checks: target.redactor.add(secret) or {},
                                 lambda c, f: passed("quiet", "quiet"), learns=True)
    fakes["echo"] = _fake_family("echo", lambda target, checks: {}, lambda c, f: failed("no key", f"key = {secret}"))
    slow, echo = make_check("slow", {}, item="L1"), make_check("echo", {}, item="E1")
    one = _run()
    try:
        one.outcome(slow, [slow, echo], shared=tmp_path)  # worker one evaluates and publishes both groups
    finally:
        one.close()
    return slow, echo


def _told_by_worker_two(slow, echo, tmp_path):
    two = _run()
    try:
        return two.outcome(echo, [slow, echo], shared=tmp_path)
    finally:
        two.close()


def test_an_altered_outcome_file_makes_its_items_errors(fakes, tmp_path):
    secret = f"learned{random.token_hex(12)}"
    slow, echo = _published(fakes, tmp_path, secret)
    _flip_one_byte(next(tmp_path.glob("*echo.json")))
    told = _told_by_worker_two(slow, echo, tmp_path)
    assert told.status is Status.ERROR and "was altered while the run ran" in told.observed, told
    assert secret not in told.observed


def test_an_altered_secrets_file_shows_no_outcome_that_could_hold_them(fakes, tmp_path):
    secret = f"learned{random.token_hex(12)}"
    slow, echo = _published(fakes, tmp_path, secret)
    _flip_one_byte(next(tmp_path.glob(f"*slow{engine.LEARNED}")))
    told = _told_by_worker_two(slow, echo, tmp_path)
    assert told.status is Status.ERROR and "no outcome is shown that could hold a secret" in told.observed, told
    assert secret not in told.observed


def test_the_master_is_told_when_a_secrets_file_was_altered(fakes, tmp_path):
    _published(fakes, tmp_path, f"learned{random.token_hex(12)}")
    (learned,) = tmp_path.glob(f"*slow{engine.LEARNED}")
    learned.write_bytes(next(tmp_path.glob("*echo.json")).read_bytes())  # another file's sealed content
    with pytest.raises(engine.SharedFileAltered, match="was altered while the run ran"):
        engine.learn_shared_secrets(tmp_path, Redactor())
