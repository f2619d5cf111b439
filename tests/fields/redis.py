"""redis: every field of redis.Params changes the outcome (facts as `redis.gather` keys them: per endpoint)."""

from opsverify.errors import GatherError

from .kinds import Flips

QUEUES = {
    "redis": {"server": "redis://127.0.0.1:6379/0", "keys": {"jobs": ("list", 3), "jobs:dead": ("list", 2)}},
    "cache": GatherError("no complete answer within 5 s"),
}

CASES = {
    "endpoint": Flips({"keys": {"jobs": {"max": 100}}}, {"endpoint": "cache", "keys": {"jobs": {"max": 100}}}, QUEUES),
    "keys": Flips({"keys": {"jobs": {"max": 100}}}, {"keys": {"jobs:dead": {"max": 0}}}, QUEUES),
}
