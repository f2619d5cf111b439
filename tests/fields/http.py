"""http: every field of http.Params changes the outcome."""

from opsverify.transports.http import Reply

from .kinds import Flips, Live

LOCAL = "http_fields_target"  # tests/conftest.py: a local server with /ok, /guarded ...


def answer(status=200, text="", ms=10.0):
    return lambda check: {check.key: ("http://x/h", Reply(status, ms, {}, text))}


H = {"service": "api", "path": "/h"}

CASES = {
    "service": Live({"service": "api", "path": "/ok"}, {"service": "elsewhere", "path": "/ok"}, LOCAL),
    "path": Live({"service": "api", "path": "/ok"}, {"service": "api", "path": "/missing"}, LOCAL),
    "method": Live({"service": "api", "path": "/ok"}, {"service": "api", "path": "/ok", "method": "OPTIONS"}, LOCAL),
    "headers": Live({"service": "api", "path": "/guarded"},
                    {"service": "api", "path": "/guarded", "headers": {"x-key": "Key {secret:CRON_SECRET}"}}, LOCAL),
    "status": Flips(H, {**H, "status": 401}, answer(200)),
    "json_fields": Flips(H, {**H, "json": {"ok": True}}, answer(200, '{"ok": 1}')),
    "json_has": Flips(H, {**H, "json_has": {"documents": "array"}}, answer(200, '{"documents": {}}')),
    "json_max": Flips(H, {**H, "json_max": {"db.ms": 500}}, answer(200, '{"db": {"ms": NaN}}')),
    "json_min": Flips(H, {**H, "json_min": {"count": 1}}, answer(200, '{"count": 0}')),
    "body_excludes": Flips(H, {**H, "body_excludes": ["failed"]}, answer(200, "Database connection failed")),
    "body_includes": Flips(H, {**H, "body_includes": ["<div id=root>"]}, answer(200, "<html></html>")),
    "max_latency_ms": Flips(H, {**H, "max_latency_ms": 100}, answer(200, ms=350.0)),
}
