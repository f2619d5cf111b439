"""bundle: every field of bundle.Params changes the outcome, against a small local web app
(`bundle_target` in tests/conftest.py: / loads an anon-key script and a 4 KiB one; /static loads none)."""

from .kinds import Live

SITE = "bundle_target"
APP = {"service": "app"}

CASES = {
    "service": Live(APP, {"service": "old-app"}, SITE),  # nothing listens there: could not look
    "path": Live(APP, {**APP, "path": "/static"}, SITE),
    "forbidden_roles": Live(APP, {**APP, "forbidden_roles": ["service_role", "anon"]}, SITE),
    "max_assets": Live(APP, {**APP, "max_assets": 1}, SITE),
    "max_asset_bytes": Live(APP, {**APP, "max_asset_bytes": 1024}, SITE),
    "allow_empty": Live({**APP, "path": "/static"}, {**APP, "path": "/static", "allow_empty": True}, SITE),
    "third_party": Live({**APP, "path": "/checkout"}, {**APP, "path": "/checkout",
                                                       "third_party": ["https://js.stripe.com"]}, SITE),
}
