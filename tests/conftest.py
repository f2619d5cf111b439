from __future__ import annotations

import pytest

from demo import Deployment


@pytest.fixture(scope="session")
def demo_deployment():
    """One demo deployment for the engine tests; each user resets it to healthy first."""
    deployment = Deployment().start()
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def demo(demo_deployment):
    demo_deployment.reset()
    return demo_deployment
