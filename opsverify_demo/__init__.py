"""The built-in demo deployment: the five seed systems on an embedded PostgreSQL and local
HTTP services, healthy by default, with named faults that the checks must catch."""

from .deployment import Deployment
from .faults import FAULTS, Fault

__all__ = ["Deployment", "FAULTS", "Fault"]
