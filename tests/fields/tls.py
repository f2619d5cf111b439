"""tls: every field of tls.Params changes the outcome (facts as `tls.gather` keys them: per item)."""

from datetime import datetime, timedelta, timezone

from opsverify.families.tls import Certificate, Handshake

from .kinds import Flips

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def handshake(days_left: float) -> Handshake:
    certificate = Certificate("CN=x", "CN=ca", ("x",), NOW + timedelta(days=days_left))
    return Handshake("127.0.0.1:443", "system trust store", NOW, certificate=certificate)


BY_SERVICE = {"web": handshake(60), "api": handshake(3)}


def shaken(check):
    return {check.key: BY_SERVICE[check.params.service]}


CASES = {
    "service": Flips({"service": "web"}, {"service": "api"}, shaken),
    "min_days": Flips({"service": "api", "min_days": 2}, {"service": "api", "min_days": 14}, shaken),
}
