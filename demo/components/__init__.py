"""Extra servers of the demo deployment, one module each, registered in one line.

A component class has:
    start(deployment)   start its server(s) on 127.0.0.1, free ports, bounded waits
    variables() -> dict the DEMO_* variables environments/demo.yaml reads
    reset()             back to healthy
    stop()              stop everything it started (must be safe after a failed start)
    env_overrides()     optional: {(system, service): {NAME: value}} merged into the service env files
and its module may define FAULTS: list[demo.faults.Fault].
"""

from __future__ import annotations

REGISTRY: list[type] = []

FAULTS: dict = {}

from . import repos  # noqa: E402 - registered below the registry it joins

REGISTRY.append(repos.Repos)
FAULTS.update({f.name: f for f in repos.FAULTS})
