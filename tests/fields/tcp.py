"""tcp: every field of tcp.Params changes the outcome (facts as `tcp.gather` keys them: per item)."""

from opsverify.families.tcp import Answer

from .kinds import Flips

ANSWERS = {
    "clamav": Answer("127.0.0.1:3310", {"PING": b"PONG\0", "VERSION": b"ClamAV 1.4.6\0"}),
    "clamav-replica": Answer("127.0.0.1:3311", {"PING": b"UNKNOWN COMMAND\0"}),
}


def answers(check):
    """What each endpoint said; the same clamd answer read as another protocol is no greeting at all."""
    return {check.key: ANSWERS[check.params.endpoint]}


CASES = {
    "endpoint": Flips({"endpoint": "clamav", "protocol": "clamd"}, {"endpoint": "clamav-replica", "protocol": "clamd"},
                      answers),
    "protocol": Flips({"endpoint": "clamav", "protocol": "clamd"}, {"endpoint": "clamav", "protocol": "smtp"}, answers),
    # the clamav endpoint names no signature database: passed unasked, failed once an age is asked
    "max_signature_age_days": Flips({"endpoint": "clamav", "protocol": "clamd"},
                                    {"endpoint": "clamav", "protocol": "clamd", "max_signature_age_days": 3}, answers),
}
