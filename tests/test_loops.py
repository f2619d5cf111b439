"""Event loops of the suite's own: a name lookup that never returns ends with its conversation, not with the process.

asyncio looks names up on its default executor's threads, which `asyncio.run` and the interpreter's exit wait for:
a resolver taking minutes held the process that long after every item had ended on time. Each case runs in a
subprocess whose `socket.getaddrinfo` blocks for ever: the process must exit at all (the timeout is generous; no
verdict hangs on how fast it is).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# every lookup blocks until the process ends; numeric addresses (127.0.0.1) are never looked up by asyncio
BLOCKED = """
import socket, threading
never = threading.Event()

def getaddrinfo(*args, **kwargs):
    never.wait()

socket.getaddrinfo = getaddrinfo
from tests.kit import make_check, make_target
TIMEOUTS = {"connect_s": 0.2, "statement_ms": 200}
"""

CASES = {
    "loops.run": """
        import asyncio
        from opsverify.transports import loops

        async def lookup():
            return await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo("blocked.invalid", 80), 0.2)

        try:
            loops.run(lookup())
        except asyncio.TimeoutError:
            print("ended")
    """,
    "tcp": """
        from opsverify.families import tcp
        target = make_target({"endpoints": {"clamav": "blocked.invalid:3310"}}, timeouts=TIMEOUTS)
        check = make_check("tcp", {"endpoint": "clamav", "protocol": "clamd"})
        outcome = tcp.judge(check, tcp.gather(target, [check]))
        print("ended" if outcome.status.name == "ERROR" else outcome)
    """,
    "redis": """
        from opsverify.families import redis
        target = make_target({"endpoints": {"redis": "redis://blocked.invalid:6379/0"}}, timeouts=TIMEOUTS)
        check = make_check("redis", {"keys": {"jobs": {"max": 1}}})
        outcome = redis.judge(check, redis.gather(target, [check]))
        print("ended" if outcome.status.name == "ERROR" else outcome)
    """,
    "jsonrpc": """
        from opsverify.transports.jsonrpc import Call, call_batch
        exchange = call_batch("http://blocked.invalid/", [Call("getHealth")], timeout_s=0.2, connect_s=0.2)
        print("ended" if exchange.failure else exchange)
    """,
    "http": """
        from opsverify.transports import http
        session = http.Session(0.2)
        reply = session.fetch_all([http.Probe("GET", "http://blocked.invalid/")])[0]
        session.close()
        print("ended" if reply.failure else reply)
    """,
}


@pytest.mark.parametrize("case", CASES)
def test_a_name_lookup_that_never_returns_does_not_hold_the_process(case):
    script = BLOCKED + textwrap.dedent(CASES[case])
    try:
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: the process did not exit within 60 s: it waited for the blocked name lookup")
    assert done.returncode == 0 and done.stdout.strip() == "ended", done.stdout + done.stderr
