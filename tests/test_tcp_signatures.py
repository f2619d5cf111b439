"""tcp clamd's `max_signature_age_days`: the daily signature database zVERSION names, its presence and its age.

clamd answers zVERSION `ClamAV 1.4.6/27345/Mon Dec  2 08:26:29 2024` (clamd/session.c print_ver: the daily
database's version and build time, ctime'd in clamd's own local time zone, which it does not name), or just
`ClamAV 1.4.6` when no daily database is loaded: a clamd that scans and detects nothing real passed as PONG."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.families import tcp as family
from opsverify.families.tcp import Answer
from opsverify.outcome import Status

from .kit import make_check, make_target
from .test_tcp import real_clamd

CLAMD = {"endpoint": "clamav", "protocol": "clamd"}
AGED = {**CLAMD, "max_signature_age_days": 3}
NOW = "2024-12-04T12:00:00Z"  # the runner's clock in the judge tables


def _judged(params: dict, version: bytes):
    check = make_check("tcp", params)
    with freeze_time(NOW):
        return family.judge(check, {check.key: Answer("av:3310", {"PING": b"PONG\0", "VERSION": version})})


# -- params --------------------------------------------------------------------------------
def test_a_clamd_item_takes_a_signature_age():
    assert load_item_params("tcp", AGED).max_signature_age_days == 3
    assert load_item_params("tcp", {**CLAMD, "max_signature_age_days": 0.5}).max_signature_age_days == 0.5
    assert load_item_params("tcp", CLAMD).max_signature_age_days is None  # not asked: the age is not judged


@pytest.mark.parametrize("params, match", [
    ({"endpoint": "smtp", "protocol": "smtp", "max_signature_age_days": 3}, "only a clamd item"),
    ({"endpoint": "redis", "protocol": "redis", "max_signature_age_days": 3}, "only a clamd item"),
    ({**CLAMD, "max_signature_age_days": 0}, "greater than 0"),
    ({**CLAMD, "max_signature_age_days": -1}, "greater than 0"),
    ({**CLAMD, "max_signature_age_days": True}, "boolean"),
    ({**CLAMD, "max_signature_age_days": float("nan")}, ""),
    ({**CLAMD, "max_signature_age_days": 100_000}, "less than or equal"),
])
def test_a_signature_age_that_cannot_be_judged_is_refused(params, match):
    with pytest.raises((ValidationError, ValueError), match=match or None):
        load_item_params("tcp", params)


# -- judge: pure, the runner's clock frozen at NOW -------------------------------------------
@pytest.mark.parametrize("version, status, seen", [
    # built 2 days before NOW, as clamd says it: the day of the month space-padded
    (b"ClamAV 1.4.6/27345/Mon Dec  2 08:26:29 2024\0", Status.PASSED,
     "PONG (ClamAV 1.4.6/27345/Mon Dec  2 08:26:29 2024; signature database built within 3 days)"),
    # no daily database loaded: clamd answers its own version alone
    (b"ClamAV 1.4.6\0", Status.FAILED,
     "PONG, but no signature database loaded: zVERSION answered 'ClamAV 1.4.6' (no /<database version>/<date>)"),
    # years old: its age and date named
    (b"ClamAV 1.4.6/26780/Tue Jan  3 08:00:00 2023\0", Status.FAILED,
     "PONG, but signature database 26780 of Tue Jan  3 08:00:00 2023 (clamd's local time) is at least 700.6 days"
     " old (read in UTC-12, the zone kindest to it), more than 3"),
    # read in any time zone clamd may run in (UTC-12 … UTC+14): 3.4 days as UTC is 2.9 in UTC-12, not yet too old
    (b"ClamAV 1.4.6/27344/Sun Dec  1 02:24:00 2024\0", Status.PASSED, "signature database built within 3 days)"),
    (b"ClamAV 1.4.6/27343/Sat Nov 30 21:36:00 2024\0", Status.FAILED,
     "is at least 3.1 days old (read in UTC-12, the zone kindest to it), more than 3"),
    # 10 h ahead as UTC: a clamd in UTC+10 an hour ago, not a clock gone wrong
    (b"ClamAV 1.4.6/27346/Wed Dec  4 22:00:00 2024\0", Status.PASSED, "signature database built within 3 days)"),
])
def test_the_signature_database_is_judged_with_the_parameter(version, status, seen):
    outcome = _judged(AGED, version)
    assert outcome.status is status and outcome.observed.endswith(seen), outcome.observed
    assert "max_signature_age_days" in outcome.expected or status is Status.ERROR, outcome.expected


@pytest.mark.parametrize("version, seen", [
    # cli_ctime's own words for a time past 2038, cut by print_ver's "trailing newline" cut
    (b"ClamAV 1.4.6/27345/invalid timestam\0", "'invalid timestam'"),
    (b"ClamAV 1.4.6/27345/Mon Dex  2 08:26:29 2024\0", "'Mon Dex  2 08:26:29 2024'"),
    (b"ClamAV 1.4.6/27345/Tue Dec  2 08:26:29 2024\0", "'Tue Dec  2 08:26:29 2024'"),  # Dec 2, 2024 was a Monday
    (b"ClamAV 1.4.6/27345/Mon Feb 30 08:26:29 2024\0", "'Mon Feb 30 08:26:29 2024'"),
    # a real date, but no time_t's: read with the zones' hours either side, it would leave the calendar
    (b"ClamAV 1.4.6/27345/Mon Jan  1 00:00:00 0001\0", "'Mon Jan  1 00:00:00 0001'"),
    (b"ClamAV 1.4.6/27345/Fri Dec 31 23:59:59 9999\0", "'Fri Dec 31 23:59:59 9999'"),
    (b"ClamAV 1.4.6/27345/2024-12-02T08:26:29Z\0", "'2024-12-02T08:26:29Z'"),
    (b"ClamAV 1.4.6/27345/\0", "''"),
    (b"ClamAV 1.4.6/latest/Mon Dec  2 08:26:29 2024\0", "'/latest/Mon Dec  2 08:26:29 2024'"),
    (b"ClamAV 1.4.6/27345\0", "'/27345'"),
])
def test_an_unreadable_database_date_is_an_error_never_a_pass(version, seen):
    outcome = _judged(AGED, version)
    assert outcome.status is Status.ERROR, outcome
    assert "could not judge the signature database's age" in outcome.observed and seen in outcome.observed, \
        outcome.observed


@pytest.mark.parametrize("version, ahead", [
    (b"ClamAV 1.4.6/27350/Fri Dec  6 12:00:00 2024\0", "at least 34.0 h"),
    (b"ClamAV 1.4.6/39999/Sat Dec  4 12:00:00 2027\0", "at least 26266.0 h"),
])
def test_a_database_date_ahead_of_the_runners_clock_is_an_error(version, ahead):
    """Further ahead than any time zone and an hour of clock skew explain: one of the two clocks is wrong."""
    outcome = _judged(AGED, version)
    assert outcome.status is Status.ERROR, outcome
    assert "ahead of the runner's clock" in outcome.observed and ahead in outcome.observed, outcome.observed
    assert "2024-12-04T12:00:00Z" in outcome.observed, outcome.observed


@pytest.mark.parametrize("version, observed, database", [
    (b"ClamAV 1.4.6/26780/Tue Jan  3 08:00:00 2023\0", "PONG (ClamAV 1.4.6/26780/Tue Jan  3 08:00:00 2023)",
     {"version": "26780", "built": "Tue Jan  3 08:00:00 2023 (clamd's local time; its zone is not named)"}),
    (b"ClamAV 1.4.6\0", "PONG (ClamAV 1.4.6)", "none named by zVERSION"),
    (b"ClamAV 1.4.6/27345/invalid timestam\0", "PONG (ClamAV 1.4.6/27345/invalid timestam)",
     {"version": "27345", "built": "invalid timestam (clamd's local time; its zone is not named)"}),
])
def test_without_the_parameter_the_age_is_not_judged_but_shown(version, observed, database):
    outcome = _judged(CLAMD, version)
    assert outcome.status is Status.PASSED and outcome.observed == observed, outcome
    assert outcome.evidence["signature_database"] == database, outcome.evidence


# -- a real clamd (Debian clamav-daemon) with a daily database made here ------------------------
def _daily_cud(version: int, built: datetime, hdb: bytes) -> bytes:
    """An unsigned daily database (.cud, as `sigtool --unsigned --build` writes one), built at `built`: clamd
    loads it as the daily database, so its zVERSION names `version` and `built` as a real update's would."""
    stamp, epoch = built.strftime("%d %b %Y %H-%M +0000"), int(built.timestamp())
    info = (f"ClamAV-VDB:{stamp}:{version}:1:216:X:X:opsverify:{epoch}\n"
            f"daily.hdb:{len(hdb)}:{hashlib.sha256(hdb).hexdigest()}\n").encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in (("COPYING", b"test\n"), ("daily.info", info), ("daily.hdb", hdb)):
            entry = tarfile.TarInfo(name)
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
    body = gzip.compress(raw.getvalue())
    header = f"ClamAV-VDB:{stamp}:{version}:1:216:{hashlib.md5(body).hexdigest()}:X:opsverify:{epoch}"
    return header.encode().ljust(512, b" ") + body


def _real_outcome(port: int, params: dict):
    target = make_target({"endpoints": {"clamav": f"127.0.0.1:{port}"}})
    check = make_check("tcp", params)
    return family.judge(check, family.gather(target, [check]))


def _marker_hdb() -> bytes:
    marker = b"opsverify daily marker " + os.urandom(16).hex().encode()
    return f"{hashlib.md5(marker).hexdigest()}:{len(marker)}:Daily.Opsverify.Marker\n".encode()


@pytest.mark.needs_real_server
def test_a_real_clamd_without_a_signature_database_fails_the_age(tmp_path):
    """The probe's clamd: one local hash, no daily database — PONG (ClamAV 1.4.6) passed."""
    with real_clamd(tmp_path, None) as port:
        unjudged, judged = _real_outcome(port, CLAMD), _real_outcome(port, AGED)
    assert unjudged.status is Status.PASSED and unjudged.evidence["signature_database"] == "none named by zVERSION"
    assert judged.status is Status.FAILED, judged
    assert "no signature database loaded: zVERSION answered 'ClamAV 1." in judged.observed, judged.observed


@pytest.mark.needs_real_server
def test_a_real_clamd_with_a_years_old_database_fails_naming_its_age(tmp_path):
    built = datetime(2024, 12, 2, 8, 26, 29, tzinfo=timezone.utc)
    with real_clamd(tmp_path, _daily_cud(27001, built, _marker_hdb())) as port:
        unjudged, judged = _real_outcome(port, CLAMD), _real_outcome(port, AGED)
    assert unjudged.status is Status.PASSED and unjudged.observed.endswith("/27001/Mon Dec  2 08:26:29 2024)"), \
        unjudged.observed
    assert unjudged.evidence["signature_database"]["version"] == "27001"
    assert judged.status is Status.FAILED, judged
    assert "signature database 27001 of Mon Dec  2 08:26:29 2024 (clamd's local time) is at least" in judged.observed
    assert "days old (read in UTC-12, the zone kindest to it), more than 3" in judged.observed, judged.observed


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])  # UTC, UTC+14, UTC-12
@pytest.mark.needs_real_server
def test_a_real_clamd_with_a_fresh_database_passes_in_any_time_zone(tmp_path, zone):
    """clamd ctimes the build time in its own zone: in UTC+14 a database built now reads 14 h ahead of UTC."""
    built = datetime.now(timezone.utc) - timedelta(minutes=5)
    with real_clamd(tmp_path, _daily_cud(27345, built, _marker_hdb()), zone) as port:
        outcome = _real_outcome(port, AGED)
    assert outcome.status is Status.PASSED, outcome
    assert outcome.observed.endswith("; signature database built within 3 days)"), outcome.observed
    # the date as clamd wrote it: the build time on its own zone's clock (14 h ahead of UTC's in UTC+14)
    local = built.astimezone(ZoneInfo(zone)).replace(microsecond=0).ctime()
    assert outcome.evidence["signature_database"]["built"].startswith(f"{local} (clamd's local time"), outcome.evidence
