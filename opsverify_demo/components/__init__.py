"""Extra servers of the demo deployment, one module each, registered in one line.

A component class has:
    start(deployment)   start its server(s) on 127.0.0.1, free ports, bounded waits
    variables() -> dict the DEMO_* variables environments/demo.yaml reads
    reset()             back to healthy
    stop()              stop everything it started (must be safe after a failed start)
    env_overrides()     optional: {(system, service): {NAME: value}} merged into the service env files
    launch(deployment)  optional: spawn a server that is slow to come up, first thing, on the thread that
                        calls Deployment.start() (a parent-death signal follows the spawning thread);
                        start() then waits for it
    PARALLEL = True     optional: start() needs neither the database nor the web host (only secrets and
                        the workdir), so it runs in a thread alongside them; it spawns no process that
                        must die with the suite (launch() does that)
and its module may define FAULTS: list[opsverify_demo.faults.Fault].
"""

from __future__ import annotations

from . import clamd, platforms, redis_server, repos, rpc, s3, smtp, tls

REGISTRY: list[type] = [
    rpc.SolanaRpc,
    platforms.PlatformAPIs,
    tls.Certificates,
    redis_server.RedisServer,
    clamd.Clamd,
    smtp.Smtp,
    s3.S3,
    repos.Repos,
]

FAULTS: dict = {
    f.name: f
    for module in (
        rpc,
        platforms,
        tls,
        redis_server,
        clamd,
        smtp,
        s3,
        repos,
    )
    for f in module.FAULTS
}
