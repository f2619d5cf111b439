"""redis: every field of redis.Params changes the outcome (facts as `redis.gather` keys them: per endpoint)."""

from opsverify.errors import GatherError

from .kinds import Flips

QUEUES = {
    "redis": {"server": "redis://127.0.0.1:6379/0", "keys": {"jobs": ("list", 3), "jobs:dead": ("list", 2)}},
    "cache": GatherError("no complete answer within 5 s"),
}
HEARD_45_S_AGO = {"redis": {**QUEUES["redis"], "replication": {  # a replica whose master PINGs every 20 s, say
    "role": "slave", "master_host": "10.0.0.5", "master_port": "6379", "master_link_status": "up",
    "master_last_io_seconds_ago": "45"}}}

CASES = {
    "endpoint": Flips({"keys": {"jobs": {"max": 100}}}, {"endpoint": "cache", "keys": {"jobs": {"max": 100}}}, QUEUES),
    "keys": Flips({"keys": {"jobs": {"max": 100}}}, {"keys": {"jobs:dead": {"max": 0}}}, QUEUES),
    "master_last_io_max_s": Flips({"keys": {"jobs": {"max": 100}}},
                                  {"keys": {"jobs": {"max": 100}}, "master_last_io_max_s": 60}, HEARD_45_S_AGO),
}
