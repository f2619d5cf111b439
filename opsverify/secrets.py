"""Secrets never leave: show presence, length and a short fingerprint, never the value.

Every value the suite learns that could be a secret is registered with the run's
`Redactor`; outcomes pass through it before any reporter sees them.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any
from urllib.parse import urlsplit

_NOT_SECRET = re.compile(r"^(true|false|yes|no|on|off|\d{1,7})$", re.IGNORECASE)


def fingerprint(value: str) -> str:
    """Short, stable fingerprint: enough to tell two values apart, useless to recover one."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:8]


def describe(value: str | None) -> dict[str, Any]:
    if value is None:
        return {"present": False}
    return {"present": True, "length": len(value), "fingerprint": fingerprint(value)}


_SECRET_NAME = re.compile(
    r"(KEY|SECRET|TOKEN|PASS|PASSWORD|PWD|DSN|CREDENTIAL|PRIVATE|AUTH|SALT|SIGNING|COOKIE|SESSION|WEBHOOK)",
    re.IGNORECASE,
)


def looks_secret(name: str, value: str) -> bool:
    """Whether an env var is worth redacting: a secret-sounding name, a URL carrying credentials,
    or a long high-entropy value. Plain words ('joslyn') are left alone so text stays readable."""
    if _SECRET_NAME.search(name):
        return True
    if "://" in value and "@" in value:
        return True
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return len(value) >= 20 and classes >= 3 and " " not in value


def _is_plain_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not (
        parts.username or parts.password or parts.query
    )


class Redactor:
    """Replaces every registered secret value in text and nested data."""

    MIN_LENGTH = 6  # shorter values are flags and ports; redacting them would mangle text

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str | None, *, even_if_plain: bool = False) -> None:
        if not value or len(value) < self.MIN_LENGTH or _NOT_SECRET.match(value):
            return
        if _is_plain_url(value) and not even_if_plain:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                parts = urlsplit(value) if "://" in value else None
                if parts is not None and parts.password and len(parts.password) >= 4:
                    self._values.add(parts.password)
                self._pattern = None

    def text(self, text: str) -> str:
        with self._lock:
            if not self._values:
                return text
            if self._pattern is None:
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            pattern = self._pattern
        return pattern.sub(lambda m: f"[redacted {fingerprint(m.group(0))}]", text)

    def data(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {self.text(str(k)): self.data(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        return obj
