"""s3: every field of s3.Params changes the outcome — against moto (`s3_target` in tests/conftest.py),
except `listable`, which moto cannot refuse (judged on the facts gather returns)."""

from .kinds import Flips, Live

SEEN = {"endpoint": "http://127.0.0.1:9000", "bucket": "docs", "region": "us-east-1",
        "access_key_id": {"present": True}, "head": {"status": 200}, "list": {"status": 403, "code": "AccessDenied"}}

CASES = {
    "provider": Live({}, {"provider": "s3-archive"}, "s3_target"),
    "endpoint": Live({}, {"endpoint": "s3-old"}, "s3_target"),
    "bucket": Live({}, {"bucket": "no-such-bucket"}, "s3_target"),
    "listable": Flips({"listable": False}, {"listable": True}, lambda check: {check.key: SEEN}),
}
