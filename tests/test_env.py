"""env rules, table-driven: each rule passes on a healthy env and fails (naming what it expected and
what it saw) on a broken one — and no secret value ever appears in what an outcome says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import ValidationError

from opsverify.checklist import load_item_params
from opsverify.engine import gather_and_judge, message
from opsverify.errors import GatherError, NotConfigured
from opsverify.families import env
from opsverify.outcome import Status
from opsverify.secrets import fingerprint
from opsverify.transports import envsource

from .kit import make_check, make_target

KEY = "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"  # a 32-byte base58 public key (the SPL Memo program)
SECRET = "s3cr3t-VALUE-that-must-not-leak-0042"  # 36 characters
SHORT = "sh0rt-s3cr3t-VALUE-17"  # 21 characters
EXAMPLE = {".env.example": {"SESSION_SECRET": "changeme-session-secret", "EMPTY_ONE": ""}}


def judge(params: dict, values: dict, examples: dict | None = None):
    check = make_check("env", params)
    return check, env.judge(check, {"services": {"api": values}, "examples": examples or EXAMPLE})


def api(**rules) -> dict:
    return {"service": "api", **rules}


CASES = [
    # required: exact names, and patterns that must match at least one set name
    (api(required=["A", "K"]), {"A": "1", "K": SECRET}, Status.PASSED, "all as expected"),
    (api(required=["A", "K"]), {"A": "1", "K": ""}, Status.FAILED, "K is blank on api"),
    # what JavaScript writes of a variable never set, and a value of nothing visible, are no value
    (api(required=["K"]), {"K": "undefined"}, Status.FAILED,
     "K is 'undefined' (what JavaScript writes of a variable that was never set) on api"),
    (api(required=["K"]), {"K": "null"}, Status.FAILED, "K is 'null'"),
    # and Python's str(None), a Go template's (Helm's) missing value: as written only
    (api(required=["K"]), {"K": "None"}, Status.FAILED, "K is 'None' (what Python writes of None) on api"),
    (api(required=["K"]), {"K": "<no value>"}, Status.FAILED, "K is '<no value>' (what a Go template (Helm) writes"),
    (api(required=["K"]), {"K": "none"}, Status.PASSED, ""),
    (api(required=["K"]), {"K": "\u200b"}, Status.FAILED, "K is blank on api"),
    (api(required=["K"]), {"K": "\ufeff \u00ad"}, Status.FAILED, "K is blank on api"),
    (api(any_of=[["K", "J"]]), {"K": "undefined", "J": ""}, Status.FAILED, ""),
    (api(required=["K"]), {"K": "nullable"}, Status.PASSED, ""),
    (api(required=["INNGEST_*"]), {"INNGEST_EVENT_KEY": SECRET}, Status.PASSED, ""),
    (api(required=["INNGEST_*"]), {"OTHER": "1"}, Status.FAILED, "no name matching INNGEST_* is set on api"),
    (api(required=["INNGEST_*"]), {"INNGEST_EVENT_KEY": ""}, Status.FAILED, "(only blank: INNGEST_EVENT_KEY)"),
    (api(required=["INNGEST_?VENT_KEY"]), {"INNGEST_EVENT_KEY": SECRET}, Status.PASSED, ""),
    (api(required=["inngest_*"]), {"INNGEST_EVENT_KEY": SECRET}, Status.FAILED, "no name matching inngest_*"),
    # any_of
    (api(any_of=[["P", "Q"]]), {"Q": SECRET}, Status.PASSED, ""),
    (api(any_of=[["P", "Q"]]), {"R": "1"}, Status.FAILED, "none of P / Q is set on api"),
    # forbidden: exact names and patterns; a pattern matching nothing is the healthy case
    (api(forbidden=["MOCK"]), {"MOCK": "false"}, Status.PASSED, ""),
    (api(forbidden=["MOCK"]), {"MOCK": "1"}, Status.FAILED, "MOCK is set to '1' on api"),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_SUPABASE_URL": "https://x.example"}, Status.PASSED, ""),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_STRIPE_SECRET_KEY": SECRET}, Status.FAILED,
     f"NEXT_PUBLIC_STRIPE_SECRET_KEY (matches NEXT_PUBLIC_*SECRET*) is set to a value of length {len(SECRET)}"),
    (api(forbidden=["NEXT_PUBLIC_*SECRET*"]), {"NEXT_PUBLIC_STRIPE_SECRET_KEY": ""}, Status.PASSED, ""),
    # values / not_values
    (api(values={"RUN": "true"}), {"RUN": "true"}, Status.PASSED, ""),
    (api(values={"RUN": "true"}), {"RUN": "false"}, Status.FAILED, "RUN is 'false' on api"),
    (api(values={"MODE": "live"}), {"MODE": "mock"}, Status.FAILED, "MODE is a value of length 4 (hmac:"),
    (api(values={"MODE": "live"}, not_values={"MODE": ["mock"]}), {"MODE": "mock"}, Status.FAILED,
     "MODE is 'mock' on api"),  # a literal the item wrote itself may be shown
    (api(values={"RUN": "true"}), {"X": "1"}, Status.FAILED, "RUN is not set on api"),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"X": "1"}, Status.PASSED, ""),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": "1"},
     Status.PASSED, ""),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": "0"},
     Status.FAILED, "NODE_TLS_REJECT_UNAUTHORIZED is 0 on api"),
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}), {"NODE_TLS_REJECT_UNAUTHORIZED": " FALSE "},
     Status.FAILED, "NODE_TLS_REJECT_UNAUTHORIZED is false on api"),
    # values_if_set: unset or blank is the code's default; set, exactly the value
    (api(values_if_set={"DLQ": "jobs:dead"}), {"X": "1"}, Status.PASSED, ""),
    (api(values_if_set={"DLQ": "jobs:dead"}), {"DLQ": "  "}, Status.FAILED,  # `??` would read it as the value
     "DLQ is blank: unset it, or set it to jobs:dead"),
    (api(values_if_set={"DLQ": "jobs:dead"}), {"DLQ": "\u200b"}, Status.FAILED, "DLQ is blank"),
    # for forbidden a value of invisible characters is set (JavaScript reads "\u200b" as true), as is one they spoil
    (api(forbidden=["MOCK"]), {"MOCK": "\u200b"}, Status.FAILED, "MOCK is set to"),
    (api(forbidden=["MOCK"]), {"MOCK": "false\u200b"}, Status.FAILED, "MOCK is set to"),
    (api(forbidden=["MOCK"]), {"MOCK": " false "}, Status.PASSED, ""),
    # blank for forbidden only where every reader trims it: JavaScript's trim() keeps U+001C-U+001F and U+0085 (Python's
    # strip() takes them), a shell keeps Unicode spaces, so `\x1f` is true to Node
    *[(api(forbidden=["MOCK"]), {"MOCK": value}, Status.FAILED, "MOCK is set to a value of length")
      for value in ("\x1f", "\x1c\x1d\x1e", "\x85", "false\x1f", "0\x85", "\u3000", "off\u2003")],
    (api(forbidden=["MOCK_*"]), {"MOCK_MODE": "\x1f"}, Status.FAILED, "MOCK_MODE (matches MOCK_*) is set to"),
    (api(forbidden=["MOCK"]), {"MOCK": "\tFalse\r\n\v\f "}, Status.PASSED, ""),
    # and a value blank to any reader is no value for required: `\x1f` is blank to Python, U+FEFF to JavaScript
    *[(api(required=["K"]), {"K": value}, Status.FAILED, "K is blank on api")
      for value in ("\x1f", "\x85", "\u3000", "\ufeff", "\x1c \u2028")],
    (api(min_length={"K": 3}), {"K": "\x1fab\x85"}, Status.FAILED, "K has 2 characters"),
    (api(values_if_set={"DLQ": "jobs:dead"}), {"DLQ": "jobs:dead"}, Status.PASSED, ""),
    (api(values_if_set={"DLQ": "jobs:dead"}), {"DLQ": "jobs:failed"}, Status.FAILED,
     "DLQ is a value of length 11 (hmac:"),
    (api(values_if_set={"DLQ": "jobs:dead"}, not_values={"DLQ": ["jobs:old"]}), {"DLQ": "jobs:old"}, Status.FAILED,
     "DLQ is 'jobs:old' on api"),
    # format
    (api(format={"O": "https-url"}), {"O": "https://api.example.com"}, Status.PASSED, ""),
    (api(format={"O": "https-url"}), {"O": "http://api.example.com"}, Status.FAILED, "O uses http, not https"),
    # this machine, however written
    *[(api(format={"O": "https-url"}), {"O": f"https://{host}/x"}, Status.FAILED, "O points at")
      for host in ("localhost.", "127.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "0", "2130706433", "app.localhost",
                   "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6.localdomain6")],
    (api(format={"O": "https-url"}), {"X": "1"}, Status.FAILED, "O is not set on api"),
    # as Node's WHATWG URL reads the host: percent-decoded, fullwidth mapped, a trailing dot dropped, `\` a `/`
    *[(api(format={"O": "https-url"}), {"O": url}, Status.FAILED, f"O points at {host}")
      for url, host in (("https://%6c%6fcalhost/", "localhost"), ("https://ｌｏｃａｌｈｏｓｔ/", "localhost"),
                        ("https://１２７.０.０.１/", "127.0.0.1"), ("https://127.0.0.1%2e/", "127.0.0.1"),
                        ("https://localhost\\@api.example.com/", "localhost"))],
    *[(api(format={"O": kind}), {"O": url}, Status.FAILED, why)
      for kind in ("https-url", "url")
      for url, why in (("https://exa mple.com", "O has no valid host"), ("https://x.com:99999", "O is not a URL"),
                       ("https://x.com:abc/", "O is not a URL"), ("https://%ff.example/", "O has no valid host"))],
    *[(api(format={"O": "https-url"}), {"O": url}, Status.PASSED, "")
      for url in ("https://Api.Example.com:443/v1?x=1", "https://bücher.example/", "https://[2001:db8::1]/")],
    # email, bool, integer, base58-pubkeys: the whole value, ASCII digits, comma-separated keys
    *[(api(format={"O": "email"}), {"O": value}, Status.PASSED, "")
      for value in ("ops@example.com", "first.last+tag@mail.example.co.uk", "Ops Team <ops@example.com>")],
    *[(api(format={"O": "email"}), {"O": value}, Status.FAILED, "O is not an email address")
      for value in ("a@...", "mailto:a@b.c", "a@b.c\n", "x\ny <a@b.c>", "a@b", "a@-b.c")],
    (api(format={"O": "bool"}), {"O": "TRUE"}, Status.PASSED, ""),
    (api(format={"O": "bool"}), {"O": "true\n"}, Status.FAILED, "O is not a boolean flag"),
    (api(format={"O": "integer"}), {"O": "-42"}, Status.PASSED, ""),
    (api(format={"O": "integer"}), {"O": "١٢٣"}, Status.FAILED, "O is not an integer"),
    *[(api(format={"O": "base58-pubkeys"}), {"O": value}, Status.PASSED, "")
      for value in (KEY, f"{KEY},{KEY}", f"{KEY}, {KEY}")],
    *[(api(format={"O": "base58-pubkeys"}), {"O": value}, Status.FAILED, why)
      for value, why in ((f"{KEY} {KEY}", "key 1 is not base58"), (f"{KEY},,{KEY}", "entry 2 is empty"),
                         (f",{KEY},", "entry 1 is empty, entry 3 is empty"), (f"{KEY}\n", "key 1 is not base58"),
                         ("1111", "key 1 is not 32 bytes"), (",", "holds no keys"))],
    # min_length
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SHORT}, Status.FAILED,
     "SESSION_SECRET has 21 characters (at least 32 wanted) on api"),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": ""}, Status.FAILED, "SESSION_SECRET is blank"),
    # padding is no length: blanks at its ends and characters that show as nothing are not counted
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": " " * 31 + "x"}, Status.FAILED,
     "SESSION_SECRET has 1 character (32 with the blanks at its ends and the invisible characters in it)"),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": "\u200b" * 31 + "k"}, Status.FAILED,
     "SESSION_SECRET has 1 character (32 with"),
    # controls and glyphs drawn blank show as nothing too: 40 DELs, escapes or Hangul fillers are no 40-character key
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": "\x7f" * 40}, Status.FAILED, "SESSION_SECRET is blank"),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": "\x01\x02\x03\x1b" * 10 + "k"}, Status.FAILED,
     "SESSION_SECRET has 1 character"),
    (api(required=["SESSION_SECRET"]), {"SESSION_SECRET": "\u3164" * 40}, Status.FAILED, "SESSION_SECRET"),
    (api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": "\u2800\u115f\u034f\U000e0100" * 10 + "k"},
     Status.FAILED, "SESSION_SECRET has 1 character"),
    (api(min_length={"SESSION_SECRET": 4}), {"SESSION_SECRET": "a b c d"}, Status.PASSED, ""),  # a passphrase's own
    (api(required=["SESSION_SECRET"], min_length={"SESSION_SECRET": 32}), {"X": "1"}, Status.FAILED,
     "SESSION_SECRET is not set on api"),
    # contains / matches
    (api(contains={"DATABASE_URL": "sslmode=require"}),
     {"DATABASE_URL": f"postgres://u:{SECRET}@db/app?sslmode=require"}, Status.PASSED, ""),
    (api(contains={"DATABASE_URL": "sslmode=require"}), {"DATABASE_URL": f"postgres://u:{SECRET}@db/app"},
     Status.FAILED, "DATABASE_URL does not contain 'sslmode=require' on api"),
    (api(contains={"DATABASE_URL": "sslmode=require"}), {"X": "1"}, Status.FAILED, "DATABASE_URL is not set"),
    (api(matches={"STRIPE_KEY": "sk_live_[A-Za-z0-9-]+"}), {"STRIPE_KEY": "sk_live_" + SECRET}, Status.PASSED, ""),
    (api(matches={"STRIPE_KEY": "sk_live_[A-Za-z0-9-]+"}), {"STRIPE_KEY": "sk_test_" + SECRET}, Status.FAILED,
     "STRIPE_KEY does not match /sk_live_[A-Za-z0-9-]+/ on api"),
    (api(matches={"STRIPE_KEY": "sk_live_"}), {"STRIPE_KEY": "sk_live_" + SECRET}, Status.FAILED,
     "does not match /sk_live_/"),  # the whole value must match, not a part of it
    (api(matches={"STRIPE_KEY": "sk_live_.*"}), {"X": "1"}, Status.FAILED, "STRIPE_KEY is not set"),
    # not_equal / not_placeholder
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(not_equal={"SESSION_SECRET": SECRET}), {"SESSION_SECRET": SECRET}, Status.FAILED,
     "SESSION_SECRET is the value not_equal forbids (hmac:"),
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"X": "1"}, Status.FAILED, "SESSION_SECRET is not set"),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": SECRET}, Status.PASSED, ""),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": "changeme-session-secret"}, Status.FAILED,
     "SESSION_SECRET is still the placeholder from .env.example (hmac:"),
    (api(not_placeholder=["SESSION_SECRET"]), {"X": "1"}, Status.FAILED, "SESSION_SECRET is not set on api"),
    # what JavaScript writes of a variable never set is no value of its own: `undefined` had 9 characters, and was
    # neither the literal nor the placeholder
    (api(min_length={"SESSION_SECRET": 8}), {"SESSION_SECRET": "undefined"}, Status.FAILED,
     "SESSION_SECRET is 'undefined' (what JavaScript writes of a variable that was never set)"),
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"SESSION_SECRET": "null"}, Status.FAILED,
     "SESSION_SECRET is 'null'"),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": " undefined"}, Status.FAILED,
     "SESSION_SECRET is 'undefined'"),
    (api(not_equal={"SESSION_SECRET": "changeme"}), {"SESSION_SECRET": "None"}, Status.FAILED,
     "SESSION_SECRET is 'None' (what Python writes of None)"),
    (api(min_length={"SESSION_SECRET": 4}), {"SESSION_SECRET": "<no value>"}, Status.FAILED,
     "SESSION_SECRET is '<no value>'"),
    (api(not_placeholder=["K"]), {"K": SECRET}, Status.ERROR, ".env.example does not list K: no placeholder"),
    (api(not_placeholder=["EMPTY_ONE"]), {"EMPTY_ONE": SECRET}, Status.ERROR,
     ".env.example has no value for EMPTY_ONE"),
    (api(not_placeholder=["SESSION_SECRET"], placeholders_from="apps/web/.env.example"), {"SESSION_SECRET": SECRET},
     Status.ERROR, "apps/web/.env.example"),
    # when: the rules apply only while the conditions hold; otherwise checked and not applicable
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"JOBS_PROVIDER": "inngest"}, Status.FAILED,
     "no name matching INNGEST_* is set on api"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]),
     {"JOBS_PROVIDER": "inngest", "INNGEST_SIGNING_KEY": SECRET}, Status.PASSED, "(conditions hold)"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"JOBS_PROVIDER": "trigger"}, Status.PASSED,
     "not applicable: JOBS_PROVIDER is a value of length 7 (hmac:"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["INNGEST_*"]), {"X": "1"}, Status.PASSED,
     "not applicable: JOBS_PROVIDER is not set"),
    (api(when={"SIGNING_SECRET": "inngest"}, required=["INNGEST_*"]), {"SIGNING_SECRET": SECRET}, Status.PASSED,
     f"not applicable: SIGNING_SECRET is a value of length {len(SECRET)} (hmac:"),
    (api(when={"A": "1", "B": "on"}, required=["C"]), {"A": "1", "B": "off"}, Status.PASSED,
     "not applicable: B is 'off', not 'on'"),
    # a condition's name the service does not set, beside one spelt almost alike it does: said, never its value
    (api(when={"QUEUE_MOD": "redis"}, required=["NOPE"]), {"QUEUE_MODE": "redis"}, Status.PASSED,
     "QUEUE_MOD is not set (the service sets QUEUE_MODE: is the condition's name misspelt?)"),
    (api(when={"queue_mode": "redis"}, required=["NOPE"]), {"QUEUE_MODE": "redis"}, Status.PASSED,
     "(the service sets QUEUE_MODE: is the condition's name misspelt?)"),
    # nothing vacuous: an env source without a single variable checked nothing
    (api(forbidden=["MOCK"]), {}, Status.ERROR, "no env vars found in the env source of service 'api'"),
    (api(forbidden=["MOCK"], allow_empty=True), {}, Status.PASSED, ""),
    (api(required=["A"], allow_empty=True), {}, Status.FAILED, "A is not set on api"),
]


WITHHELD = "[SENSITIVE]"  # what `vercel env pull` writes for a Sensitive variable (every production one by default)


@pytest.mark.parametrize("params, status", [
    (api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0"]}), Status.ERROR),
    (api(not_equal={"K": "changeme-default"}), Status.ERROR),
    (api(min_length={"K": 10}), Status.ERROR),
    (api(matches={"K": ".+"}), Status.ERROR),
    (api(values={"K": "live"}), Status.ERROR),
    (api(forbidden=["NODE_TLS_REJECT_UNAUTHORIZED"]), Status.ERROR),
    (api(when={"PAYMENTS_MODE": "live"}, required=["STRIPE_WEBHOOK_SECRET"]), Status.ERROR),
    (api(required=["K"]), Status.PASSED),  # set: the placeholder says that much
    (api(any_of=[["K", "J"]]), Status.PASSED),
])
def test_a_value_a_platform_export_withholds_is_never_judged_as_written(params, status):
    """A Sensitive variable exported by `vercel env pull` reads "[SENSITIVE]": judged as its value, a TLS check, a
    default-secret check, a length and a `when` passed (the `when` as "not applicable"), whatever the real value."""
    values = {"K": WITHHELD, "NODE_TLS_REJECT_UNAUTHORIZED": WITHHELD, "PAYMENTS_MODE": WITHHELD}
    _, outcome = judge(params, values)
    assert outcome.status is status, outcome
    if status is Status.ERROR:
        assert "the placeholder `vercel env pull` writes for a Sensitive variable" in outcome.observed, outcome


def test_a_when_whose_readable_condition_fails_is_not_applicable_whatever_the_withheld_one_is():
    params = api(when={"PAYMENTS_MODE": "live", "REGION": "eu"}, required=["STRIPE_WEBHOOK_SECRET"])
    _, outcome = judge(params, {"PAYMENTS_MODE": WITHHELD, "REGION": "us"})
    assert outcome.status is Status.PASSED and "not applicable: REGION is" in outcome.observed, outcome
    _, held = judge(params, {"PAYMENTS_MODE": WITHHELD, "REGION": "eu"})  # the other holds: it depends on the withheld
    assert held.status is Status.ERROR, held


def test_a_withheld_placeholder_is_no_secret_of_the_run(tmp_path):
    """`STRIPE_SECRET_KEY="[SENSITIVE]"` made the placeholder a secret of the run: the message naming it for another
    variable read '[redacted hmac:…]', and every Sensitive variable showed one fingerprint, as if they shared a value."""
    from .project import Project

    (tmp_path / "web.env").write_text('FEATURE_FLAGS="[SENSITIVE]"\nSTRIPE_SECRET_KEY="[SENSITIVE]"\n')
    project = Project(tmp_path)
    project.checklist("ledger", """
    - {id: LG-1, name: flags, section: S, title: t, family: env, cadence: postdeploy,
       params: {service: web, values: {FEATURE_FLAGS: on-prod}}}
    """)
    project.environment("""
    systems: {ledger: {services: {web: {url: "http://127.0.0.1:9", env: {dotenv: web.env}}}}}
    """)
    ran = project.run("-m", "postdeploy", "--env", "local", "--no-archive")
    assert "FEATURE_FLAGS on web is '[SENSITIVE]', the placeholder" in ran.output, ran.output[-3000:]


def test_equal_values_a_platform_export_withholds_are_not_known_equal():
    check = make_check("env", {"equal": {"names": ["CRON_SECRET"], "services": ["web", "worker"]}})
    outcome = env.judge(check, {"services": {"web": {"CRON_SECRET": WITHHELD}, "worker": {"CRON_SECRET": WITHHELD}},
                                "examples": EXAMPLE})
    assert outcome.status is Status.ERROR and "CRON_SECRET on web is '[SENSITIVE]'" in outcome.observed, outcome
    unset = env.judge(check, {"services": {"web": {"CRON_SECRET": WITHHELD}, "worker": {"OTHER": "1"}},
                              "examples": EXAMPLE})
    assert unset.status is Status.FAILED and "CRON_SECRET is not set on worker" in unset.observed, unset
    for written, seen in (("undefined", "'undefined' (what JavaScript writes of a variable that was never set)"),
                          ("\0" + SECRET, "holding a NUL byte")):
        unset = env.judge(check, {"services": {"web": {"CRON_SECRET": WITHHELD}, "worker": {"CRON_SECRET": written}},
                                  "examples": EXAMPLE})
        assert unset.status is Status.FAILED, unset
        assert f"CRON_SECRET is {seen}" in unset.observed and "on worker, and set on the others" in unset.observed
        assert SECRET not in repr(unset)
    three = make_check("env", {"equal": {"names": ["CRON_SECRET"], "services": ["web", "worker", "jobs"]}})
    differ = env.judge(three, {"services": {"web": {"CRON_SECRET": WITHHELD}, "worker": {"CRON_SECRET": SECRET},
                                            "jobs": {"CRON_SECRET": SHORT}}, "examples": EXAMPLE})
    assert differ.status is Status.FAILED and "CRON_SECRET differs across services" in differ.observed, differ
    assert SECRET not in repr(differ) and SHORT not in repr(differ)


@pytest.mark.parametrize("params, values, status, seen", CASES)
def test_env_rule(params, values, status, seen):
    check, outcome = judge(params, values)
    assert outcome.status is status, outcome
    assert seen in outcome.observed
    said = repr(outcome) + message(check, outcome)
    assert SECRET not in said and SHORT not in said


def test_failing_rule_is_named_in_evidence():
    _, outcome = judge(api(min_length={"SESSION_SECRET": 32}, required=["A"]), {"A": "1", "SESSION_SECRET": SHORT})
    assert outcome.evidence["failed_rules"] == {"min_length": ["SESSION_SECRET"]}
    assert outcome.evidence["api"]["SESSION_SECRET"] == {"present": True, "length": len(SHORT),
                                                         "fingerprint": fingerprint(SHORT)}


def test_a_short_secret_is_never_shown():
    """The secret that fails min_length: presence, length and fingerprint, never the value."""
    check, outcome = judge(api(min_length={"SESSION_SECRET": 32}), {"SESSION_SECRET": SHORT})
    assert outcome.status is Status.FAILED
    for part in (outcome.expected, outcome.observed, repr(outcome.evidence), message(check, outcome)):
        assert SHORT not in part
    assert "SESSION_SECRET has 21 characters (at least 32 wanted)" in message(check, outcome)


def test_pattern_evidence_names_where_it_looked():
    _, outcome = judge(api(required=["INNGEST_*"], forbidden=["NEXT_PUBLIC_*KEY*"]),
                       {"INNGEST_EVENT_KEY": SECRET, "NEXT_PUBLIC_URL": "https://x.example"})
    assert outcome.status is Status.PASSED
    assert outcome.evidence["patterns"] == {"INNGEST_*": ["INNGEST_EVENT_KEY"], "NEXT_PUBLIC_*KEY*": []}


def test_equal_may_be_conditional_on_a_service():
    check = make_check("env", {"service": "api", "when": {"SHARED": "yes"},
                               "equal": {"names": ["JWT"], "services": ["web", "api"]}})
    facts = {"services": {"api": {"SHARED": "no", "JWT": SECRET}, "web": {"JWT": SECRET + "x"}}}
    assert env.judge(check, facts).status is Status.PASSED
    facts["services"]["api"]["SHARED"] = "yes"
    outcome = env.judge(check, facts)
    assert outcome.status is Status.FAILED and "JWT differs across services" in outcome.observed


def test_unreadable_example_is_an_error_and_no_repo_is_skipped():
    _, outcome = judge(api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": SECRET},
                       {".env.example": GatherError(".env.example not found in checkout /x")})
    assert outcome.status is Status.ERROR and "not found in checkout /x" in outcome.observed
    check = make_check("env", api(not_placeholder=["SESSION_SECRET"]))
    with pytest.raises(NotConfigured):
        env.judge(check, {"services": {"api": {"SESSION_SECRET": SECRET}},
                          "examples": {".env.example": NotConfigured("no repo checkout")}})


@pytest.mark.parametrize("params, problem", [
    (api(forbidden=["NEXT_PUBLIC_[A-Z]*"]), r"\[ \] not allowed"),
    (api(required=["SOME-NAME"]), "- not allowed"),
    (api(required=["1ABC"]), "must not start with a digit"),
    (api(min_length={"*_SECRET": 32}), "accepted in required and forbidden only"),
    (api(any_of=[["A*", "B"]]), "accepted in required and forbidden only"),
    (api(values={"A?": "1"}), "accepted in required and forbidden only"),
    (api(any_of=[[]]), "at least 1 item"),
    (api(min_length={"K": 0}), "greater than or equal to 1"),
    (api(not_values={"K": []}), "at least 1 item"),
    (api(matches={"K": "sk_(live"}), "not a regular expression"),
    # what re reads one way and the regex package `matches` runs in another: re's meaning is the one documented
    (api(matches={"O": r"https://api\.example\.com{e<=1}"}), "saw one at position 25 that Python re reads as itself"),
    (api(matches={"O": "(?:live){i}"}), r"fix: write a literal brace as \\\{"),
    (api(matches={"O": "(?x)a{ 2}"}), "saw one at position 5"),
    (api(matches={"O": "[[:alpha:]]+"}), r"not a regular expression \(Python re.s syntax\): Possible nested set"),
    (api(matches={"O": r"\p{L}+"}), r"not a regular expression \(Python re.s syntax\): bad escape \\p"),
    (api(matches={"O": "(?|a|b)"}), "unknown extension"),
    (api(contains={"K": ""}), "at least 1 character"),
    (api(placeholders_from="apps/.env.example", required=["A"]), "placeholders_from is read only by not_placeholder"),
    (api(not_placeholder=["K"], placeholders_from="../.env.example"), "inside the repository"),
    ({"when": {"A": "1"}, "equal": {"names": ["K"], "services": ["a", "b"]}}, "need a service"),
    ({"required": ["A"]}, "need a service"),
    (api(), "give at least one rule"),
    (api(equal={"names": ["K"], "services": ["a", "b"]}), "service is read by no rule"),
    ({"equal": {"names": ["K"], "services": ["a", "a"]}}, "at least two services"),
    (api(when={"A": ""}, required=["B"]), "at least 1 character"),
    (api(required=["NEXTAUTH_SECRET"], forbidden=["*SECRET*"]), "NEXTAUTH_SECRET both required and forbidden"),
    (api(any_of=[["MOCK", "B"]], forbidden=["MOCK"]), "MOCK both required and forbidden"),
    (api(values={"EMPTY_FLAG": ""}), "at least 1 character"),  # empty reads as unset
    (api(values={"A": "1"}, not_values={"A": [" 1 "]}), "A: values wants '1', which not_values refuses"),
    (api(values={"A": "1"}, values_if_set={"A": "2"}), "A: values wants '1' and values_if_set '2': no env could pass"),
    (api(values_if_set={"A": " "}), "blank: a blank value reads as unset"),
    # characters that show as nothing are blank: such a `when` never held, and its item passed as not applicable
    (api(when={"FEATURE": "\u200b"}, required=["B"]), "blank: a blank value reads as unset"),
    (api(values={"FEATURE": "\ufeff\u00ad"}), "blank: a blank value reads as unset"),
    (api(values={"A_MODE": "on"}, forbidden=["A_*"]), "A_MODE: values wants 'on', which forbidden refuses"),
    (api(values={"A_MODE": "false\x1f"}, forbidden=["A_*"]),
     r"A_MODE: values wants 'false\\x1f', which forbidden refuses"),
])
def test_rejected(params, problem):
    with pytest.raises((ValidationError, ValueError), match=problem):
        load_item_params("env", params)


@pytest.mark.parametrize("pattern", [r"a{2,5}", r"a{,3}b{2,}", r'\{"ok": true\}', "[{}]+", r"\N{DIGIT ONE}+", "(?#{e})x",
                                     "[]{]+", r"[\]{]", "sk_live_[A-Za-z0-9]+"])
def test_a_pattern_both_engines_read_alike_is_accepted(pattern):
    assert load_item_params("env", api(matches={"O": pattern})).matches == {"O": pattern}


def test_a_fuzzy_looking_pattern_never_passes_a_value_re_would_not_match():
    """`{e<=1}` is text to Python re, one error allowed to the regex package: `…coX` passed for `…com`."""
    with pytest.raises(ValidationError):
        load_item_params("env", api(matches={"O": r"https://api\.example\.com{e<=1}"}))
    _, outcome = judge(api(matches={"O": r"https://api\.example\.com\{e<=1\}"}), {"O": "https://api.example.coX"})
    assert outcome.status is Status.FAILED, outcome


@pytest.mark.parametrize("pattern", [
    "(?x) ^https://api\\.example\\.com  # the API host [prod\n {e<=1} $",  # a `[` in a (?x) comment
    r"^ab(?#note\)[)c{e<=1}$",  # an escaped `)` inside a (?#…) comment
    "(?x: ab # [\n ){i}",  # a scoped (?x:…) comment
])
def test_a_fuzzy_constraint_behind_a_comment_is_refused_as_the_regex_package_reads_it(pattern):
    """What regex itself parses decides, not a scan of the text: a comment had hidden `{e<=1}` from the scan, and
    `https://api.example.coX` passed."""
    with pytest.raises(ValidationError, match="fuzzy-matching constraint"):
        load_item_params("env", api(matches={"O": pattern}))


# -- gathered for real: a dotenv file and a repo checkout's .env.example ----------------------------
def test_not_placeholder_reads_the_repo_checkout(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".env.example").write_text("SESSION_SECRET=changeme-session-secret\nOTHER=\n")
    (tmp_path / "api.env").write_text("SESSION_SECRET=changeme-session-secret\n")
    target = make_target({"repo": str(tmp_path / "repo"),
                          "services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    check = make_check("env", api(not_placeholder=["SESSION_SECRET"]))
    assert gather_and_judge(target, env, [check])[0].status is Status.FAILED
    (tmp_path / "api.env").write_text(f"SESSION_SECRET={SECRET}\n")
    target = make_target({"repo": str(tmp_path / "repo"),
                          "services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    assert gather_and_judge(target, env, [check])[0].status is Status.PASSED


@pytest.mark.parametrize("written, path", [("./.env.example", ".env.example"),
                                           ("apps//web/./.env.example", "apps/web/.env.example"),
                                           ("apps/web/.env.example/", "apps/web/.env.example")])
def test_placeholders_from_is_read_however_its_path_is_written(monkeypatch, written, path):
    """As the repo family's `file`: GitHub's contents API was asked for `contents/./.env.example`, and an item
    naming `./.env.example` read the file a second time beside one naming none."""
    asked: list[list[str]] = []

    class Source:
        label = "a fake repository"

        def read_files(self, files):
            asked.append(files)
            return {name: f"SESSION_SECRET=changeme-{len(name)}\n" for name in files}

    monkeypatch.setattr(env, "repo_source", lambda target: Source())
    params = api(not_placeholder=["SESSION_SECRET"], placeholders_from=written)
    assert load_item_params("env", params).example_file == path
    checks = [make_check("env", params, item="E1"), make_check("env", api(not_placeholder=["SESSION_SECRET"]),
                                                               item="E2")]

    class Target:
        def env_vars(self, service):
            return {"SESSION_SECRET": SECRET}

    env.gather(Target(), checks)
    assert asked == [sorted({path, ".env.example"})], asked


@pytest.mark.parametrize("written", ["/.env.example", "apps/../../.env.example", ".", ""])
def test_placeholders_from_outside_the_repository_is_refused(written):
    with pytest.raises(ValidationError, match="must be a relative path inside the repository"):
        load_item_params("env", api(not_placeholder=["K"], placeholders_from=written))


@pytest.mark.parametrize("line, value", [
    ("SESSION_SECRET=`changeme-0123456789`", "changeme-0123456789"),  # Node's dotenv drops the backticks
    ("SESSION_SECRET=changeme#0123456789", "changeme"),  # Node's dotenv ends the value at the #
])
def test_a_placeholder_the_example_gives_two_readings_is_not_judged(tmp_path, line, value):
    """The service's value is the placeholder as Node's dotenv reads the example; compared with python-dotenv's
    reading alone, it passed as "not the placeholder"."""
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".env.example").write_text(f"{line}\nOTHER=\n")
    (tmp_path / "api.env").write_text(f"SESSION_SECRET={value}\n")
    target = make_target({"repo": str(tmp_path / "repo"),
                          "services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", api(not_placeholder=["SESSION_SECRET"]))])[0]
    assert outcome.status is Status.ERROR, outcome
    assert outcome.observed.startswith(f"could not look: SESSION_SECRET in .env.example is read two ways (.env.example "
                                       f"in checkout {tmp_path / 'repo'} line 1: "), outcome
    assert "changeme" not in outcome.observed


def test_not_placeholder_without_a_repo_is_skipped(tmp_path):
    (tmp_path / "api.env").write_text(f"SESSION_SECRET={SECRET}\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", api(not_placeholder=["SESSION_SECRET"]))])[0]
    assert outcome.status is Status.SKIPPED and "no repo checkout" in outcome.observed


def test_an_empty_env_file_is_an_error(tmp_path):
    (tmp_path / "api.env").write_text("# nothing exported\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", api(forbidden=["CTS_MOCK_MODE"]))])[0]
    assert outcome.status is Status.ERROR and "nothing was checked" in outcome.observed


# -- values the item did not write are never shown ----------------------------------------------------
def test_a_value_the_item_did_not_write_is_never_shown_whatever_its_name():
    """A name without a secret word may still hold a key (a 32-hex mode, an AWS key id, a PIN): `values` and
    `when` show a value only when it is a flag or a literal the item itself wrote."""
    held = {"APP_MODE": "c0ffee" + "b8" * 13, "REGION": "AKIA3F9Q2W7E4R5T6Y1U", "ADMIN_PIN": "4815162"}
    for params in (api(values={"APP_MODE": "live", "REGION": "us-east-1", "ADMIN_PIN": "1"}),
                   api(when={"APP_MODE": "live", "REGION": "eu", "ADMIN_PIN": "1"}, required=["X"])):
        check, outcome = judge(params, held)
        said = repr(outcome) + message(check, outcome)
        assert [value for value in held.values() if value in said] == [], said
        assert f"APP_MODE is a value of length 32 ({fingerprint(held['APP_MODE'])})" in outcome.observed


# -- matches: a bounded match -------------------------------------------------------------------------
def test_a_pattern_that_backtracks_without_end_is_an_error_and_the_other_items_are_judged(tmp_path, monkeypatch):
    """(a|aa)+b on 80 a's and a `!` has Fibonacci(80) ways to fail: hours on any machine (re held the GIL
    that long, SIGTERM unheard). The match is stopped at its time bound; that item is an error saying so."""
    monkeypatch.setattr(env, "MATCH_TIMEOUT_S", 0.05)
    (tmp_path / "api.env").write_text(f"K={'a' * 80}!\nJ=ok1\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    stuck = make_check("env", api(matches={"K": "(a|aa)+b", "J": "ok[0-9]+"}), item="J1")
    other = make_check("env", api(matches={"J": "ok[0-9]+"}), item="J2")
    failing = make_check("env", api(matches={"K": "(a|aa)+b"}, required=["MISSING"]), item="J3")
    stuck_out, other_out, failing_out = gather_and_judge(target, env, [stuck, other, failing])
    assert stuck_out.status is Status.ERROR, stuck_out
    assert stuck_out.observed == ("could not look: /(a|aa)+b/ took longer than 0.05 s on K's value on api: simplify it"
                                  " (a repeat inside a repeat, as in (a|aa)+, backtracks without end)")
    assert other_out.status is Status.PASSED and failing_out.status is Status.FAILED  # a failure is still one
    assert env.local_s([stuck, other, failing]) == 4 * env.MATCH_BOUND_S  # the group's bound allows for them


# -- env files: read as written, or an error naming the file ------------------------------------------
def _outcomes(tmp_path, files: dict[str, bytes | None], *checks):
    """Each service's env file (None: a folder in its place), then the checks gathered and judged together."""
    services = {}
    for service, content in files.items():
        path = tmp_path / f"{service}.env"
        path.mkdir() if content is None else path.write_bytes(content)
        services[service] = {"env": {"dotenv": str(path)}}
    return gather_and_judge(make_target({"services": services}), env, list(checks))


def _required(service: str, item: str):
    return make_check("env", {"service": service, "required": ["A"]}, item=item)


@pytest.mark.parametrize("content, problem", [
    (b"A=1\n\xff\xfeB=2\n", "is not UTF-8 text (line 2); save it as UTF-8"),
    (None, "is a folder, not a file"),
    (b"A=1\nNEXT_PUBLIC_STRIPE_SECRET_KEY='sk_live_51Habc\\'x\n", "line 2 cannot be parsed (an unclosed quote?)"),
    (b'A=1\n\nMOCK_MODE="true\n', "line 3 cannot be parsed (an unclosed quote?); fix that line"),
    (b"A=1\nDEBUG: true\n", "line 2 cannot be parsed (a ':' where dotenv wants '=': write NAME=value)"),
])
def test_an_env_file_that_cannot_be_read_is_an_error_of_its_services_items_only(tmp_path, content, problem):
    web, api_out = _outcomes(tmp_path, {"web": content, "api": b"A=1\n"}, _required("web", "J1"), _required("api", "J2"))
    assert web.status is Status.ERROR and problem in web.observed and str(tmp_path / "web.env") in web.observed, web
    assert "sk_live" not in web.observed and "true" not in web.observed  # the line, never its value
    assert api_out.status is Status.PASSED


def test_an_env_file_path_too_long_for_the_system_is_an_error_naming_it_cut(tmp_path):
    """The folder check ran before the read's own: ENAMETOOLONG was an internal error of the run."""
    path = str(tmp_path / ("a" * 300))
    target = make_target({"services": {"web": {"env": {"dotenv": path}}}})
    (outcome,) = gather_and_judge(target, env, [_required("web", "J1")])
    assert outcome.status is Status.ERROR and f"cannot read env file {path[:80]}… (" in outcome.observed, outcome
    assert "internal error" not in outcome.observed and "File name too long" in outcome.observed, outcome


def test_an_env_file_the_runner_may_not_read_says_so(tmp_path, monkeypatch):
    """As root a chmod 000 file is readable: the PermissionError a CI user would meet is raised by hand."""
    opening = Path.open

    def refusing(path, mode="r", *args, **kwargs):
        if path.name == "web.env" and "r" in mode:
            raise PermissionError(13, "Permission denied")
        return opening(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
    web, api_out = _outcomes(tmp_path, {"web": b"A=1\n", "api": b"A=1\n"}, _required("web", "J1"), _required("api", "J2"))
    assert web.status is Status.ERROR and "permission denied (let the runner's user read it)" in web.observed
    assert api_out.status is Status.PASSED


def test_env_files_are_read_literally_never_from_the_runners_environment(tmp_path, monkeypatch):
    """`${…}` stays as written on both sides (the value a platform export holds): expanding it from the runner's
    environment made two different secrets equal, `${HOME}` read as /root, and a placeholder pass. @next/env's
    expansion is said as a second reading, with the build's environment (never the runner's) read as unset."""
    monkeypatch.setenv("HOME", "/root")
    monkeypatch.delenv("Kx", raising=False)
    (tmp_path / "repo").mkdir()
    example = b'COOKIE_SECRET="${HOME}"\n'
    (tmp_path / "repo" / ".env.example").write_bytes(example)
    files = {"web": b'JWT_SECRET="Zq8${Kx}Tn4mP2vR9sLwQ7"\n' + example, "api": b'JWT_SECRET="Zq8Tn4mP2vR9sLwQ7"\n'}
    for service, content in files.items():
        (tmp_path / f"{service}.env").write_bytes(content)
    target = make_target({"repo": str(tmp_path / "repo"), "services": {
        service: {"env": {"dotenv": str(tmp_path / f"{service}.env")}} for service in files}})
    assert target.env_vars("web")["COOKIE_SECRET"] == "${HOME}"
    equal = make_check("env", {"equal": {"names": ["JWT_SECRET"], "services": ["web", "api"]}}, item="J1")
    placeholder = make_check("env", {"service": "web", "not_placeholder": ["COOKIE_SECRET"]}, item="J2")
    equal_out, placeholder_out = gather_and_judge(target, env, [equal, placeholder])
    assert equal_out.status is Status.ERROR and "JWT_SECRET on web is read two ways" in equal_out.observed
    assert ("@next/env reads 17 characters, Node's dotenv 22, python-dotenv 17 characters (if the service's "
            "environment sets none of the names its `${…}` read") in equal_out.observed, equal_out
    assert placeholder_out.status is Status.ERROR and "@next/env reads an empty value" in placeholder_out.observed


def test_reading_an_env_file_never_copies_the_runners_environment(tmp_path, monkeypatch):
    """Expansion copied os.environ once per line: 40k lines took 106 s. Counted, not timed."""
    copies = []

    class Watched(Mapping):
        def __init__(self, inner):
            self.inner = inner

        def __getitem__(self, name):
            return self.inner[name]

        def __iter__(self):
            copies.append(1)
            return iter(self.inner)

        def __len__(self):
            return len(self.inner)

    (tmp_path / "api.env").write_text("".join(f"K{n}=v{n}\n" for n in range(500)))
    with monkeypatch.context() as patched:  # pytest writes os.environ between phases: back before that
        patched.setattr(os, "environ", Watched(dict(os.environ)))
        assert len(envsource.read_dotenv(str(tmp_path / "api.env"))) == 500
    assert copies == []


# -- one notion of blank: empty or whitespace-only is unset for every rule -----------------------------
BLANK = "   "


@pytest.mark.parametrize("params, values, status, seen", [
    (api(required=["K"]), {"K": BLANK}, Status.FAILED, "K is blank on api"),
    (api(required=["K"]), {"K": ""}, Status.FAILED, "K is blank on api"),
    (api(required=["INNGEST_*"]), {"INNGEST_EVENT_KEY": BLANK}, Status.FAILED, "(only blank: INNGEST_EVENT_KEY)"),
    (api(any_of=[["P", "Q"]]), {"P": BLANK, "Q": ""}, Status.FAILED, "none of P / Q is set on api"),
    (api(min_length={"S": 3}), {"S": BLANK}, Status.FAILED, "S is blank on api"),
    (api(forbidden=["MOCK"]), {"MOCK": BLANK}, Status.PASSED, ""),
    (api(values={"RUN": "true"}), {"RUN": BLANK}, Status.FAILED, "RUN is blank on api"),
    (api(format={"O": "https-url"}), {"O": BLANK}, Status.FAILED, "O is blank on api"),
    (api(contains={"D": "x"}), {"D": BLANK}, Status.FAILED, "D is blank on api"),
    (api(matches={"D": r"\s*"}), {"D": BLANK}, Status.FAILED, "D is blank on api"),
    (api(not_equal={"D": "changeme"}), {"D": BLANK}, Status.FAILED, "D is blank on api"),
    (api(not_placeholder=["SESSION_SECRET"]), {"SESSION_SECRET": BLANK}, Status.FAILED, "SESSION_SECRET is blank"),
    (api(when={"JOBS_PROVIDER": "inngest"}, required=["X"]), {"JOBS_PROVIDER": BLANK}, Status.PASSED,
     "not applicable: JOBS_PROVIDER is blank"),
])
def test_a_blank_value_is_unset_for_every_rule(params, values, status, seen):
    _, outcome = judge(params, values)
    assert outcome.status is status, outcome
    assert seen in outcome.observed


def test_blank_evidence_says_blank():
    _, outcome = judge(api(required=["K"]), {"K": BLANK})
    assert outcome.evidence["api"]["K"] == {"present": True, "length": 3, "fingerprint": fingerprint(BLANK),
                                            "blank": True}


def test_equal_on_blank_values_fails_saying_so():
    check = make_check("env", {"equal": {"names": ["JWT", "K"], "services": ["web", "api"]}})
    facts = {"services": {"web": {"JWT": BLANK, "K": SECRET}, "api": {"JWT": "", "X": "1"}}}
    outcome = env.judge(check, facts)
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed == "JWT is blank on web, api; K is not set on api"


@pytest.mark.parametrize("web, api_value, seen", [
    # a deploy script wrote JavaScript's undefined into both exports: two never-given values agree on nothing
    ("undefined", "undefined", "JWT is 'undefined' (what JavaScript writes of a variable that was never set) on web, api"),
    ("None", "null", "JWT is 'None' (what Python writes of None) on web and 'null' (what JavaScript writes of null) on "
                     "api"),
    (" <no value> ", "<no value>", "JWT is '<no value>' (what a Go template (Helm) writes of a value it was not given) "
                                   "on web, api"),
    ("undefined", None, "JWT is not set on api and 'undefined' (what JavaScript writes of a variable that was never "
                          "set) on web"),
    (SECRET, "undefined", "JWT is 'undefined' (what JavaScript writes of a variable that was never set) on api"),
])
def test_equal_on_values_written_as_unset_fails_as_required_does(web, api_value, seen):
    """`required` fails `undefined` (what JavaScript writes of a variable never set), and `equal` called the value
    unset beside a withheld one; with every service read cleanly, `undefined` on both "agreed" and passed."""
    check = make_check("env", {"equal": {"names": ["JWT"], "services": ["web", "api"]}})
    values = {"web": {"JWT": web}, "api": {"X": "1"} if api_value is None else {"JWT": api_value}}
    outcome = env.judge(check, {"services": values})
    assert outcome.status is Status.FAILED, outcome
    assert seen in outcome.observed, outcome.observed
    assert outcome.evidence["failed_rules"] == {"equal": ["JWT"]}
    assert SECRET not in repr(outcome) + message(check, outcome)


KEPT = "(quotes round nothing: a reader that keeps an env file's quotes, such as docker --env-file"


@pytest.mark.parametrize("params, values, seen", [
    (api(required=["K"]), {"K": '""'}, f'K is "" {KEPT}'),
    (api(required=["K"]), {"K": " '' "}, "K is '' (quotes round nothing"),
    (api(required=["K"]), {"K": '"undefined"'}, 'K is "undefined" (quotes round an unset value\'s word'),
    (api(min_length={"K": 2}), {"K": '""'}, f'K is "" {KEPT}'),
    (api(not_equal={"K": "changeme"}), {"K": "' '"}, "K is ' ' (quotes round nothing"),
])
def test_a_value_of_quotes_a_reader_kept_round_nothing_is_unset(params, values, seen):
    """`KEY=""` reaches a service as two quote characters where its reader keeps quotes (docker --env-file): it
    passed `required` and `min_length: 2` as a value of its own."""
    _, outcome = judge(params, values)
    assert outcome.status is Status.FAILED and seen in outcome.observed, outcome.observed


def test_a_quoted_value_of_its_own_is_set_and_never_shown():
    _, outcome = judge(api(required=["K"], min_length={"K": 8}), {"K": f'"{SECRET}"'})
    assert outcome.status is Status.PASSED, outcome
    check = make_check("env", {"equal": {"names": ["K"], "services": ["web", "api"]}})
    outcome = env.judge(check, {"services": {"web": {"K": '""'}, "api": {"K": f'"{SECRET}"'}}})
    assert outcome.status is Status.FAILED and 'K is "" (quotes a reader kept round no value) on web' in outcome.observed
    assert SECRET not in repr(outcome) + message(check, outcome)


def test_equal_fails_undefined_on_both_services_read_from_env_files(tmp_path):
    """The probe's case end to end: both dotenv files say API_JWT_SECRET=undefined; `required` on the same value
    already failed it."""
    for service in ("web", "api"):
        (tmp_path / f"{service}.env").write_text("PORT=3000\nAPI_JWT_SECRET=undefined\n")
    target = make_target({"services": {s: {"url": "https://example.com", "env": {"dotenv": str(tmp_path / f"{s}.env")}}
                                       for s in ("web", "api")}})
    equal = make_check("env", {"equal": {"names": ["API_JWT_SECRET"], "services": ["web", "api"]}}, item="E1")
    required = make_check("env", {"service": "web", "required": ["API_JWT_SECRET"]}, item="E2")
    equal_out, required_out = gather_and_judge(target, env, [equal, required])
    assert required_out.status is Status.FAILED, required_out
    assert equal_out.status is Status.FAILED, equal_out
    assert "API_JWT_SECRET is 'undefined'" in equal_out.observed and "on web, api" in equal_out.observed


@pytest.mark.parametrize("params, problem", [
    (api(values={"A": "  "}), "blank: a blank value reads as unset"),
    (api(when={"A": " "}, required=["B"]), "blank: a blank value reads as unset"),
    (api(not_equal={"A": " "}), "blank: a blank value reads as unset"),
])
def test_a_blank_literal_is_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        load_item_params("env", params)


# -- a NUL byte: a process environment ends a value there, so no service gets the value as written -----------
NUL_LED = "\0" + SECRET  # Node's process.env reads "", python-dotenv's load_dotenv refuses the file


@pytest.mark.parametrize("params, values, seen", [
    (api(required=["K"]), {"K": NUL_LED}, "K starts with a NUL byte, which ends a value in every process environment"),
    (api(required=["K"]), {"K": SECRET + "\0"}, f"K holds a NUL byte after {len(SECRET)} characters"),
    (api(required=["K_*"]), {"K_A": NUL_LED}, "no name matching K_* is set"),
    (api(min_length={"K": 32}), {"K": NUL_LED}, "K starts with a NUL byte"),
    (api(any_of=[["K", "J"]]), {"K": NUL_LED}, "none of K / J is set (K starts with a NUL byte"),
    (api(forbidden=["MOCK"]), {"MOCK": "true\0"}, "MOCK holds a NUL byte after 4 characters"),
    (api(forbidden=["MOCK_*"]), {"MOCK_MODE": "\0"}, "MOCK_MODE (matches MOCK_*) starts with a NUL byte"),
    (api(not_values={"TLS": ["0"]}), {"TLS": "0\0"}, "TLS holds a NUL byte after 1 character"),
    (api(values_if_set={"DLQ": "jobs:dead"}), {"DLQ": "jobs:dead\0"}, "DLQ holds a NUL byte"),
    (api(values={"RUN": "true"}), {"RUN": "true\0"}, "RUN holds a NUL byte"),
    (api(format={"O": "integer"}), {"O": "1\0x"}, "O holds a NUL byte"),
    (api(contains={"D": "ssl"}), {"D": "\0ssl"}, "D starts with a NUL byte"),
    (api(matches={"D": ".*"}), {"D": NUL_LED}, "D starts with a NUL byte"),
    (api(not_equal={"D": "changeme"}), {"D": NUL_LED}, "D starts with a NUL byte"),
    # a condition Node reads as holding: not "not applicable"
    (api(when={"MODE": "inngest"}, required=["K"]), {"MODE": "inngest\0", "K": SECRET}, "MODE holds a NUL byte"),
])
def test_a_value_holding_a_nul_byte_never_passes(params, values, seen):
    check, outcome = judge(params, values)
    assert outcome.status is Status.FAILED, outcome
    assert seen in outcome.observed and "— fix: remove the NUL byte from" in outcome.observed, outcome.observed
    said = repr(outcome) + message(check, outcome)
    assert SECRET not in said


def test_equal_on_values_holding_a_nul_byte_fails_saying_so():
    check = make_check("env", {"equal": {"names": ["JWT"], "services": ["web", "api"]}})
    outcome = env.judge(check, {"services": {"web": {"JWT": NUL_LED}, "api": {"JWT": "\0" + SHORT}}})
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("JWT holds a NUL byte on web, api"), outcome.observed


def test_a_nul_byte_read_from_an_env_file_fails_required_and_min_length(tmp_path):
    """python-dotenv hands the quoted `\0` through (so does Node's dotenv): both rules had passed it."""
    (tmp_path / "web.env").write_bytes(b'SESSION_SECRET="\0' + SECRET.encode() + b'"\n')
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    check = make_check("env", {"service": "web", "required": ["SESSION_SECRET"], "min_length": {"SESSION_SECRET": 32}})
    outcome = gather_and_judge(target, env, [check])[0]
    assert outcome.status is Status.FAILED, outcome
    assert outcome.evidence["failed_rules"] == {"required": ["SESSION_SECRET"], "min_length": ["SESSION_SECRET"]}
    assert outcome.evidence["web"]["SESSION_SECRET"]["nul_byte_at"] == 0


# -- names: the right reason for a name that is not one ---------------------------------------------------
@pytest.mark.parametrize("params, odd", [
    (api(required=["CAFÉ"]), "É"),
    (api(values={"ＡＰＰ_MODE": "live"}), "Ａ Ｐ"),
    (api(forbidden=["NEXT_PUBLIC_*SÉCRET*"]), "É"),
])
def test_a_name_with_letters_beyond_ascii_says_so(params, odd):
    with pytest.raises(ValidationError) as raised:
        load_item_params("env", params)
    said = str(raised.value)
    assert f"{odd} not allowed (ASCII letters, digits and _" in said and "must not start with a digit" not in said


# -- a name defined twice: the last is read, and the item says so ----------------------------------------
def test_a_name_defined_twice_is_said_in_the_items_that_read_it(tmp_path):
    (tmp_path / "api.env").write_text("A=1\nDUP=first\n\n# later\nDUP=second\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    reads, other = gather_and_judge(target, env, [make_check("env", api(values={"DUP": "second"}), item="J1"),
                                                  make_check("env", api(required=["A"]), item="J2")])
    assert reads.status is Status.PASSED, reads
    assert "DUP on api is defined twice, lines 2 and 5: the last is read" in reads.observed
    assert reads.evidence["defined_twice"] == {"api": {"DUP": "defined twice, lines 2 and 5: the last is read"}}
    assert other.status is Status.PASSED and "twice" not in other.observed and "defined_twice" not in other.evidence


def test_a_name_alone_on_its_line_is_unset_as_both_readers_leave_it(tmp_path):
    """`NO_VAL` with no '=': python-dotenv reads no value (load_dotenv sets nothing), Node's dotenv skips the line. It
    was read as set and empty: values_if_set failed a variable the service never sees, required said "blank"."""
    (tmp_path / "api.env").write_text("NO_VAL\nA=1\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    if_set, required = gather_and_judge(target, env, [
        make_check("env", api(values_if_set={"NO_VAL": "x"}), item="J1"),
        make_check("env", api(required=["NO_VAL"]), item="J2")])
    assert if_set.status is Status.PASSED, if_set
    assert required.status is Status.FAILED and "NO_VAL is not set" in required.observed, required


# -- read two ways: Node's dotenv (what a Node or Next.js service reads) against python-dotenv -------------
# Node's readings were taken from dotenv 16.6.1's parse() on each text (node_dotenv_agrees below re-checks them
# wherever that package is at hand).
SPLIT = [
    ("NODE_TLS_REJECT_UNAUTHORIZED=`0`\n", {"NODE_TLS_REJECT_UNAUTHORIZED": (
        "line 1: a backtick-quoted value: Node's dotenv reads 1 character, python-dotenv 3; "
        "quote the value with double quotes")}),
    ("A=1\nSESSION_SECRET=ab#cdefghijklmnopqrstuvwxyz0123456789\n", {"SESSION_SECRET": (
        "line 2: a # inside an unquoted value (Node's dotenv ends the value there): Node's dotenv reads "
        "2 characters, python-dotenv 37; quote the value with double quotes")}),
    ("A=#ab\n", {"A": "Node's dotenv reads an empty value, python-dotenv 3 characters"}),
    ("A=a\\#b\n", {"A": "a # inside an unquoted value"}),
    ("CERT=`line1\nB=2\nend`\nC=3\n", {
        "CERT": ("line 1: a backtick-quoted value over lines 1-3: Node's dotenv reads 13 characters on 3 lines, "
                 "python-dotenv 6 characters; quote the value with double quotes"),
        "B": ("line 2: inside CERT's value for Node's dotenv (lines 1-3): Node's dotenv reads no value, "
              "python-dotenv 1 character; fix line 1: quote the value with double quotes")}),
    ("A=`a` # c\n", {"A": "a backtick-quoted value"}),
    ("A=```\n", {"A": "a backtick-quoted value"}),
    ('A="a\\tb"\n', {"A": "line 1: a backslash escape inside quotes (python-dotenv decodes it, Node's dotenv keeps "
                          "it; in double quotes both read only \\n and \\r): Node's dotenv reads 4 characters, "
                          "python-dotenv 3; write the characters themselves, without backslash escapes"}),
    ('A="a\\"b"\n', {"A": "a backslash escape inside quotes"}),
    ('B="\\\\n"\n', {"B": "a backslash escape inside quotes"}),
    ("A='a\\'b'\n", {"A": "a backslash escape inside quotes"}),
    ("'A'=1\n", {"A": ("line 1: a quoted name, a line Node's dotenv does not read: Node's dotenv reads no value, "
                       "python-dotenv 1 character; write the name without quotes")}),
    ("A=1\n'A'=2\n", {"A": "Node's dotenv reads 1 character from line 1, python-dotenv 1 character from line 2"}),
    ("A=1\nA\n", {"A": "line 2: no '=' (python-dotenv reads no value: it sets nothing, an earlier line's value"
                        " neither; Node's dotenv skips the line)"}),
    ("A=1\nexport A\n", {"A": "no '='"}),
    ('A=\n"x"\n', {"A": ("line 1: an empty value with a quoted line under it (Node's dotenv takes that line as the "
                         "value): Node's dotenv reads 1 character, python-dotenv an empty value; write the value "
                         "on its name's line")}),
    ('A="x\r\ny"\r\n', {"A": "a line break written CRLF inside quotes (Node's dotenv reads it as LF)"}),
    ("A=x\ufeff\n", {"A": "an unquoted value the two trim differently"}),
    # whitespace to python-dotenv, not to JavaScript, on a line of its own before the statement
    ("\x1c\nB=\x85\n", {"B": "line 2: an unquoted value the two trim differently"}),
    ("KÉY=1\n", {"KÉY": "a name Node's dotenv does not read"}),
    ('KÉY="v\n\nDATABASE_URL=x\n"\n', {"KÉY": "a name Node's dotenv does not read", "DATABASE_URL": (
        "line 3: part of line 1's statement for python-dotenv, a variable of its own for Node's dotenv: Node's "
        "dotenv reads 1 character, python-dotenv no value; fix line 1: rename the variable")}),
    ("X=1\nA:\n  foo\n", {"A": "line 2: 'A:' without '=' (Node's dotenv reads it as A=, python-dotenv as a name "
                                "of its own): Node's dotenv reads 3 characters, python-dotenv no value"}),
    ('A="x\\\\"\nB=2\n"\n', {"A": "a backslash escape inside quotes", "B": "inside A's value for Node's dotenv"}),
    ("__proto__=x\n", {"__proto__": "line 1: the name __proto__ (Node's dotenv reads the line but sets no variable of "
                                    "that name): Node's dotenv reads no value, python-dotenv 1 character"}),
    # U+2028 and U+2029 end a line for Node's dotenv (a statement may follow), never for python-dotenv
    ("#x\u2028B=2\n", {"B": ("line 1: after a U+2028 or U+2029 (a line end for Node's dotenv, for python-dotenv part "
                              "of the line): Node's dotenv reads 1 character, python-dotenv no value; write a line "
                              "break there, or remove the character")}),
    ("B=1 # c\u2028B=\n", {"B": "after a U+2028 or U+2029"}),  # the later of two statements on one line is blamed
    # past the end of Node's value, in a statement python-dotenv reads on (a quote opened in X's value for Node)
    ("X:\nY='\nC=1\n'\n", {"X": "'X:' without '='", "Y": "inside X's value for Node's dotenv (lines 1-2)", "C": (
        "line 3: part of line 2's statement for python-dotenv, a variable of its own for Node's dotenv: Node's dotenv "
        "reads 1 character, python-dotenv no value; fix line 1: write X=value")}),
]
AGREE = ["A=ab #cd\n", "A= #ab\n", "A=`a`b\n", "A=`x\n", 'A="a\\nb"\n', "A='a\\nb'\n", "export A=1\n", "A = 1\n",
         'A="x"#c\n', "A='x' # c\n", 'A="multi\nline"\n', "A='multi\nline'\n", "A=it's\n", "A=x\\ty\n", "A=\n",
         "A\n", "A=x\r\nB=y\r\n", "A=x\rB=y\r", 'A="a#b"\n', "A='a # b'\n", 'A="x"\n#c\nB=1\n', "A=\\\\n\n",
         "A=1\nA=2\n", "A=\u00a0x\u00a0\n", 'A=x"y"\n', "#A=`1`\n", "A.B=1\nC=2\n", "A=`x`\nA=1\n"]


# -- @next/env expands `$NAME` after Node's dotenv has read the file -------------------------------------------------
# As @next/env (Next.js 14-16) runs the dotenv-expand 10 it vendors: the rightmost `$` not after a backslash, with a
# name (`$NAME`, `${NAME}`, `${NAME:-default}`), is replaced until none is left; then `\$` reads as `$`.
EXPANDED = [
    ("NODE_TLS_REJECT_UNAUTHORIZED=${TLS_OFF}\nTLS_OFF=0\n", {"NODE_TLS_REJECT_UNAUTHORIZED": (
        "line 1: a `$` before a name: @next/env replaces it with that variable's value (one the file does not set, "
        "from the build's environment, which this check cannot see: read as unset): @next/env reads 1 character, "
        "Node's dotenv 10, python-dotenv an empty value (if the service's environment sets none of the names its "
        "`${…}` read, which this check cannot see); write the value it stands for instead")}),
    ("A=$B\n", {"A": "@next/env reads an empty value, Node's dotenv and python-dotenv 2"}),
    ("A=pa$$word\n", {"A": "@next/env reads 3 characters"}),
    ("A='$B'\nB=x\n", {"A": "a `$` before a name"}),  # quotes do not keep it from dotenv-expand
    ("A=${B:-d}\nB=x\n", {"A": "a `$` before a name"}),
    ("A=${B-d}\nB=x\n", {"A": "a `$` before a name"}),
    ("A=x\\$B\n", {"A": ("line 1: a `\\$`, which @next/env reads as `$` (Node's dotenv and python-dotenv keep the "
                         "backslash): @next/env reads 3 characters, Node's dotenv and python-dotenv 4")}),
    ("A=$1\n", {"A": "a `$` before a name"}),
    ("A=`${B}`\nB=1\n", {"A": "a backtick-quoted value"}),  # split already: the first reason is said
]
NOT_EXPANDED = ["A=pa$\n", "A=$ 5\n", "A=$(cmd)\n", "A=a$-b\n", "A=$\n", "A=x$.y\n", "A='$'\n",
                "A=$B $\n"]  # dotenv-expand 10 looks at the rightmost `$` only: one with no name ends it

# python-dotenv's load_dotenv fills in `${NAME}` and `${NAME:-default}`, quoted or not, from the lines before (then
# the service's environment, which cannot be seen: said so), where dotenv-expand may stop short: at a rightmost `$`
# with no name after it, or at `${}`, `${ B }`, `${{…}}`
UNSURE = "(if the service's environment sets none of the names its `${…}` read, which this check cannot see)"
FILLED = [
    ("JWT_SECRET=Zq8${kLm2vB9nQ4wE7}$!Xp\n", {"JWT_SECRET": (
        "line 1: a `${…}`, which python-dotenv fills in, quoted or not (from an earlier line's name, else the "
        f"service's environment, else its default or nothing): python-dotenv reads 7 characters {UNSURE}, Node's "
        "dotenv and @next/env 23; write the value it stands for instead (python-dotenv has no escape for a `${` "
        "meant as itself: a secret holding one must be changed)")}),
    ("B=1\nA='x${B}$'\n", {"A": "python-dotenv reads 3 characters, Node's dotenv and @next/env 6; write"}),
    ('B=1\nA="${B:-d}${B}$"\n', {"A": "python-dotenv reads 3 characters, Node's dotenv and @next/env 12; write"}),
    ("A=${}\n", {"A": f"python-dotenv reads an empty value {UNSURE}, Node's dotenv and @next/env 3"}),
    ("B=1\nA=${ B }\n", {"A": f"python-dotenv reads an empty value {UNSURE}"}),  # ` B ` is no name a file sets
    ("A=${{x}}\n", {"A": f"python-dotenv reads 1 character {UNSURE}"}),
    ("A=${B:-dflt}$\nB=1\n", {"A": f"python-dotenv reads 5 characters {UNSURE}"}),  # B is set after it
    ("B\nA=${B:-d}$\n", {"A": "python-dotenv reads 1 character, "}),  # a bare `B` is set, empty: no default
    ("X=1\nA=${X}x$\nX=2\n", {"A": f"python-dotenv reads 3 characters {UNSURE}"}),  # the platform's X may be 2
    # beside @next/env's reading and Node's, a third
    ("A=1\nB=${A}\n", {"B": "@next/env reads 1 character, Node's dotenv 4, python-dotenv 1 character; write"}),
    ("A=${X}\n", {"A": f"@next/env reads an empty value, Node's dotenv 4 characters, python-dotenv an empty value {UNSURE}"}),
    # beside Node's dotenv's reading of another shape
    ("A=ab#${X}\n", {"A": ("a # inside an unquoted value (Node's dotenv ends the value there): Node's dotenv reads "
                           "2 characters, python-dotenv 7 as written, 3 characters once it fills in `${…}` "
                           + UNSURE)}),
]


@pytest.mark.parametrize("text, split", SPLIT + EXPANDED + FILLED)  # EXPANDED: as @next/env reads it, below
def test_a_line_the_two_readers_read_differently_is_named(text, split):
    read = envsource.parse_dotenv(text, "api.env")
    assert set(read.read_two_ways) == set(split), read.read_two_ways
    for name, said in split.items():
        assert said in str(read.read_two_ways[name])


@pytest.mark.parametrize("text", AGREE + NOT_EXPANDED)
def test_lines_both_readers_read_alike_are_not_named(text):
    assert envsource.parse_dotenv(text, "api.env").read_two_ways == {}


def test_what_python_dotenv_fills_in_is_what_python_dotenv_reads():
    """The filled-in readings above, checked against python-dotenv's load_dotenv itself, run with nothing in its
    environment (as a service that sets none of the names)."""
    texts = [text for text, _ in FILLED]
    script = ("import io,json,os,sys;from dotenv import load_dotenv;out=[]\nfor t in json.load(sys.stdin):\n"
              " os.environ.clear();load_dotenv(stream=io.StringIO(t));out.append(dict(os.environ))\n"
              "print(json.dumps(out))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), env={},
                                       capture_output=True, text=True, check=True, timeout=60).stdout)
    for text, by_python in zip(texts, loaded):
        read = envsource.parse_dotenv(text, "x.env")
        filled = envsource._filled_by_python(list(envsource._statements(text, "x.env")), "x.env")
        assert {name: reading.value for name, reading in filled.items()} == {
            name: value for name, value in by_python.items() if value != read.get(name)}, text


def test_what_python_dotenv_fills_in_is_never_read_from_the_runners_environment(monkeypatch):
    """The runner's os.environ is no service's: a name set there is read as the service's unknown environment."""
    monkeypatch.setenv("kLm2vB9nQ4wE7", "x" * 30)
    read = envsource.parse_dotenv(FILLED[0][0], "api.env")
    assert read.python_readings == [("JWT_SECRET", "Zq8$!Xp")]
    assert f"python-dotenv reads 7 characters {UNSURE}" in str(read.read_two_ways["JWT_SECRET"])


def test_a_secret_python_dotenv_fills_in_is_an_error_for_each_rule_never_a_pass(tmp_path):
    """`Zq8${…}$!Xp` is 23 characters to Node's dotenv and @next/env (dotenv-expand stops at the `$!`) and 7 to a
    Python service: min_length 20 and an `equal` between a Node web and a Python api passed."""
    line = FILLED[0][0].encode()
    length, same = _outcomes(tmp_path, {"web": line, "api": line},
                             make_check("env", api(min_length={"JWT_SECRET": 20}), item="J1"),
                             make_check("env", {"equal": {"names": ["JWT_SECRET"], "services": ["web", "api"]}},
                                        item="J2"))
    for outcome in (length, same):
        assert outcome.status is Status.ERROR, outcome
        assert "JWT_SECRET on api is read two ways" in outcome.observed, outcome.observed
        assert "python-dotenv reads 7 characters" in outcome.observed and "and @next/env 23" in outcome.observed
        assert "Zq8" not in outcome.expected + outcome.observed + json.dumps(outcome.evidence), outcome


def test_node_dotenv_agrees_where_nothing_is_named():
    """The readings above, checked against Node's dotenv itself where it is at hand (DOTENV_JS: its folder)."""
    module = os.environ.get("DOTENV_JS")
    if not module or not shutil.which("node"):
        pytest.skip("set DOTENV_JS to an installed dotenv 16 package folder (and have node) to compare")
    texts = [text for text, _ in SPLIT] + AGREE
    script = (f"const d=require({json.dumps(module)});const t=JSON.parse(require('fs').readFileSync(0,'utf8'));"
              "console.log(JSON.stringify(t.map(x=>d.parse(x))))")
    node = json.loads(subprocess.run(["node", "-e", script], input=json.dumps(texts), capture_output=True,
                                     text=True, check=True, timeout=60).stdout)
    for text, by_node in zip(texts, node):
        read = envsource.parse_dotenv(text, "x.env")
        differ = {name for name in {*read, *by_node} if (read.get(name) or "") != (by_node.get(name) or "")}
        assert differ == set(read.read_two_ways), text


TWO_WAYS = ("NODE_TLS_REJECT_UNAUTHORIZED=`0`\nSESSION_SECRET=ab#cdefghijklmnopqrstuvwxyz0123456789\n"
            "APP_ORIGIN=`https://api.example.com`\nCLEAR=Zq8Tn4mP2vR9sLwQ7xYk\n")


def test_an_item_judging_a_name_read_two_ways_is_an_error_naming_it_and_the_fix(tmp_path):
    """Node reads `0` (TLS checks off) and a 2-character secret where python-dotenv read `\\`0\\`` and 37
    characters: judged on python's reading alone, a broken service passed."""
    (tmp_path / "api.env").write_text(TWO_WAYS)
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    checks = [make_check("env", api(not_values={"NODE_TLS_REJECT_UNAUTHORIZED": ["0"]}), item="J1"),
              make_check("env", api(min_length={"SESSION_SECRET": 32}), item="J2"),
              make_check("env", api(format={"APP_ORIGIN": "https-url"}), item="J3"),
              make_check("env", api(min_length={"CLEAR": 16}, forbidden=["NEXT_PUBLIC_*"]), item="J4"),
              make_check("env", api(required=["*SECRET*"]), item="J5"),
              make_check("env", api(min_length={"CLEAR": 99, "SESSION_SECRET": 3}), item="J6")]
    tls, secret, origin, clear, pattern, mixed = gather_and_judge(target, env, checks)
    assert tls.status is Status.ERROR, tls
    assert tls.observed == (
        f"could not look: NODE_TLS_REJECT_UNAUTHORIZED on api is read two ways ({tmp_path / 'api.env'} line 1: "
        "a backtick-quoted value: Node's dotenv reads 1 character, python-dotenv 3; quote the value with double "
        "quotes)")
    assert secret.status is Status.ERROR and "SESSION_SECRET on api is read two ways" in secret.observed
    assert "Node's dotenv reads 2 characters, python-dotenv 37" in secret.observed
    assert origin.status is Status.ERROR and "APP_ORIGIN on api is read two ways" in origin.observed
    assert clear.status is Status.PASSED, clear  # items about other names are judged as ever
    assert pattern.status is Status.ERROR and "SESSION_SECRET on api is read two ways" in pattern.observed
    assert mixed.status is Status.FAILED and "CLEAR has 20 characters" in mixed.observed  # a failure is one
    assert set(mixed.evidence["read_two_ways"]["api"]) == {"SESSION_SECRET"}
    for check, outcome in zip(checks, (tls, secret, origin, clear, pattern, mixed)):
        said = repr(outcome) + message(check, outcome)
        assert "cdefghijkl" not in said and "api.example.com" not in said and "Zq8Tn4mP2" not in said


def test_a_condition_or_an_equal_name_read_two_ways_is_an_error(tmp_path):
    (tmp_path / "api.env").write_text("MODE=`live`\nJWT=`Zq8Tn4mP2vR9sLwQ7xYk`\n")
    (tmp_path / "web.env").write_text("JWT=Zq8Tn4mP2vR9sLwQ7xYk\n")
    target = make_target({"services": {s: {"env": {"dotenv": str(tmp_path / f"{s}.env")}} for s in ("api", "web")}})
    when = make_check("env", api(when={"MODE": "live"}, required=["X"]), item="J1")
    equal = make_check("env", {"equal": {"names": ["JWT"], "services": ["web", "api"]}}, item="J2")
    when_out, equal_out = gather_and_judge(target, env, [when, equal])
    assert when_out.status is Status.ERROR and "MODE on api is read two ways" in when_out.observed, when_out
    assert equal_out.status is Status.ERROR and "JWT on api is read two ways" in equal_out.observed, equal_out


def test_the_value_node_reads_is_kept_secret_too(tmp_path):
    """Node drops the backticks and ends an unquoted value at `#`: the service's secret is that reading, not
    python-dotenv's, so an echo of it must be masked as well."""
    (tmp_path / "api.env").write_text("API_SECRET=`Zk4qT9wLm2Rx7Vb3Np8s`\nSESSION_SECRET=Hq7Wd2Kp9Lx4Mz6R#tail\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    target.env_vars("api")
    echoed = "the service said Zk4qT9wLm2Rx7Vb3Np8s and Hq7Wd2Kp9Lx4Mz6R"
    assert "Zk4qT9wLm2Rx7Vb3Np8s" not in target.redactor.text(echoed)
    assert "Hq7Wd2Kp9Lx4Mz6R" not in target.redactor.text(echoed)


def test_the_value_python_dotenv_fills_in_is_kept_secret_too(tmp_path):
    """A Python service's secret is what python-dotenv fills in (`${PREFIX}` is the line before's), not the text:
    an echo of it must be masked as well."""
    (tmp_path / "api.env").write_text('PREFIX=correct-horse-battery\nAPI_SECRET="${PREFIX}-staple$!"\n')
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    target.env_vars("api")
    shown = target.redactor.text("the service said correct-horse-battery-staple$!")
    assert "staple" not in shown, shown


def test_a_pin_is_a_secret_by_its_name(tmp_path):
    """A number of 6 or 7 digits is no secret by its shape (a limit, a port): under a name that says secret
    (ADMIN_PIN, SMTP_PW) it is one; a word such as `production` still is none."""
    (tmp_path / "api.env").write_text("ADMIN_PIN=7654321\nSMTP_PW=246810\nMAX_ITEMS=1000000\n"
                                      "SESSION_STAGE=production\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    target.env_vars("api")
    shown = target.redactor.text("saw 7654321 and 246810; max 1000000 in production")
    assert "7654321" not in shown and "246810" not in shown, shown
    assert "max 1000000 in production" in shown, shown


@pytest.mark.parametrize("rest", [b'BROKEN="abc\n', b"# caf\xe9\n", b"DEBUG: true\n"],
                         ids=["unclosed-quote", "not-utf8", "colon"])
def test_the_secrets_of_an_env_file_that_cannot_be_read_are_kept_secret_all_the_same(tmp_path, rest):
    """A file no env item can judge still holds the service's secrets, which another item's target may echo (an
    http item's reply): its values are read leniently and masked, though the items of that file are errors."""
    key, session = "sk_live_CANARYq7Zp3Lm9Xw2Rt5Vb8Nk4Hj6", "Hq7Wd2Kp9Lx4Mz6RtY3u"
    (tmp_path / "api.env").write_bytes(f"STRIPE_SECRET_KEY={key}\nexport SESSION_SECRET='{session}' # the app's\n"
                                       .encode() + rest)
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    with pytest.raises(GatherError):
        target.env_vars("api")
    cleaned = target.redactor.text(f"the service said {key} and {session}")
    assert key not in cleaned and session not in cleaned, cleaned


PEM_BODY = ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7CANARYq7Zp3Lm9Xw2Rt5",
            "Vb8Nk4Hj6CANARYbodyLineTwoQ8sK2mW5nX7pL3dR9tF4gH6jB1cV0zA")


@pytest.mark.parametrize("written, echoed", [
    # a quoted value over lines, past the line that does not parse: each of its key lines, and the whole of it
    ('DEBUG: true\nPRIVATE_KEY="-----BEGIN PRIVATE KEY-----\n{0}\n{1}\n-----END PRIVATE KEY-----"\n',
     ["{1}", "{0}", "-----BEGIN PRIVATE KEY-----\n{0}\n{1}\n-----END PRIVATE KEY-----"]),
    ("BROKEN='x\nPRIVATE_KEY='-----BEGIN PRIVATE KEY-----\n{0}\n{1}\n-----END PRIVATE KEY-----'\n", ["{1}"]),
    # an escape a reader reads: `\$` is a dollar, `\n` a line break
    ('DEBUG: true\nAPI_TOKEN="tok\\$en_CANARYq7Zp3Lm9Xw2Rt5"\n', ["tok$en_CANARYq7Zp3Lm9Xw2Rt5"]),
    ('DEBUG: true\nSESSION_SECRET="Hq7Wd2Kp9Lx4\\nMz6RtY3uCANARY"\n', ["Hq7Wd2Kp9Lx4\nMz6RtY3uCANARY"]),
    # a reference filled in: the service reads the prefix and the rest as one value
    ("DEBUG: true\nPREFIX=sk_live_\nSTRIPE_SECRET_KEY=${{PREFIX}}CANARYq7Zp3Lm9Xw2Rt5Vb8\n",
     ["sk_live_CANARYq7Zp3Lm9Xw2Rt5Vb8"]),
    ('DEBUG: true\nSTRIPE_SECRET_KEY="${{UNSET:-sk_live_}}CANARYq7Zp3Lm9Xw2Rt5Vb8"\n', ["sk_live_CANARYq7Zp3Lm9Xw2Rt5Vb8"]),
    # a reference to a value that itself holds one: filled in all the way
    ("DEBUG: true\nA=CANARYchain\nB=${{A}}bb1Zp3\nAPI_SECRET=${{B}}Lm9Xw2\n", ["CANARYchainbb1Zp3Lm9Xw2"]),
    # names python-dotenv reads: quoted, or holding ':' (.NET's Section:Key)
    ("DEBUG: true\n'DB_PASSWORD'=correct horse battery CANARY\n", ["correct horse battery CANARY"]),
    ("DEBUG: true\nJwt:Secret=hunter2CANARYhunter2\n", ["hunter2CANARYhunter2"]),
    # Node's dotenv: an unquoted value ends at any `#`; an empty value takes a quoted one from the next line
    ("DEBUG: true\nAPI_SECRET=CANARYhash7Zp3Lm9#tail\n", ["CANARYhash7Zp3Lm9"]),
    ('DEBUG: true\nAPI_SECRET=\n"CANARYnextline7Zp3Lm9Xw2"\n', ["CANARYnextline7Zp3Lm9Xw2"]),
], ids=["multi-line-double", "multi-line-single", "escaped-dollar", "escaped-newline", "reference", "default",
        "chained-reference", "quoted-name", "section-key-name", "node-hash", "node-next-line"])
def test_a_secret_of_an_env_file_that_cannot_be_read_is_kept_secret_as_its_service_reads_it(tmp_path, written, echoed):
    """The lenient reading follows a quoted value to its closing quote, reads its escapes and fills in its
    references: before, a PEM key's body lines, a `\\$` value and a `${{PREFIX}}…` value were echoed in clear."""
    (tmp_path / "api.env").write_text(written.format(*PEM_BODY))
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    with pytest.raises(GatherError):
        target.env_vars("api")
    for echo in echoed:
        secret = echo.format(*PEM_BODY)
        cleaned = target.redactor.text(f"the service said <{secret}>")
        assert secret not in cleaned and "CANARY" not in cleaned, cleaned


def test_a_value_that_is_not_utf8_in_an_env_file_that_cannot_be_read_is_kept_secret_as_either_reading(tmp_path):
    key = b"sk_live_CANARY\xe9q7Zp3Lm9Xw2Rt5Vb8"
    (tmp_path / "api.env").write_bytes(b"STRIPE_SECRET_KEY=" + key + b"\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    with pytest.raises(GatherError):
        target.env_vars("api")
    for reading in (key.decode("utf-8", errors="replace"), key.decode("latin-1")):
        assert "CANARY" not in target.redactor.text(f"said {reading}")


@pytest.mark.parametrize("rest", [b"BROKEN_LINE: x\n", b"# caf\xe9\n"], ids=["colon", "not-utf8"])
def test_the_lenient_reading_drops_a_byte_order_mark_as_every_reader_does(tmp_path, rest):
    """Read with the BOM kept, `\ufeffexport SESSION_SECRET=…` was no statement: its value never reached the
    redactor (as UTF-8, and one byte a character)."""
    (tmp_path / "api.env").write_bytes(b"\xef\xbb\xbfexport SESSION_SECRET=Hq7Wd2Kp9Lx4Mz6RtY3u\n" + rest)
    assert ("SESSION_SECRET", "Hq7Wd2Kp9Lx4Mz6RtY3u") in envsource.salvaged(str(tmp_path / "api.env"))


@pytest.mark.parametrize("text", [
    b"A='x\n" * 50_000, b'A="' + b"${a" * 80_000, b"A=" + b"${a:-" * 50_000, b"A=x" + b" \t" * 120_000 + b"y",
    # a value of 16 KB referenced 16,000 times in one value, and in many: 256 MB filled in, before
    b"DEBUG: true\nA0=" + b"Ab1-" * 4_000 + b"\nA1=" + b"$A0" * 16_000 + b"\n",
    b"DEBUG: true\nA0=" + b"Ab1-" * 4_000 + b"\n" + b"".join(b"B%d=$A0$A0$A0$A0\n" % i for i in range(5_000)),
], ids=["quotes", "references", "defaults", "blanks", "reference-bomb", "many-references"])
def test_the_lenient_reading_of_a_large_broken_file_is_bounded(tmp_path, text):
    """At most SALVAGE_BYTES are read, each in a pass or two (a `${` without its `}`, a quote opened on each line),
    and what references fill in is bounded: a value at FILLED_CHARS, the file at FILLED_BUDGET."""
    (tmp_path / "api.env").write_bytes(text)
    found = envsource.salvaged(str(tmp_path / "api.env"))
    assert max(len(value) for _, value in found) <= max(envsource.FILLED_CHARS, envsource.SALVAGE_BYTES)
    assert sum(len(value) for _, value in found) < 12 * envsource.SALVAGE_BYTES + envsource.FILLED_BUDGET


def test_a_service_account_key_is_a_secret_whatever_its_name(tmp_path):
    """A readable file: FIREBASE_SERVICE_ACCOUNT names no secret word and its JSON holds blanks, so its PEM body
    was echoed in clear."""
    body = PEM_BODY[0]
    account = ('{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n' + body +
               '\\n-----END PRIVATE KEY-----\\n","client_email":"a@b.iam.gserviceaccount.com"}')
    (tmp_path / "api.env").write_text(f"FIREBASE_SERVICE_ACCOUNT='{account}'\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    target.env_vars("api")
    assert body not in target.redactor.text(f"said {body} in <{account}>")


def test_the_bound_counts_env_sources_read_not_requests(tmp_path):
    """No env item sends a request: 1,000 items on one service's file are one read, not 125 waves of HTTP."""
    checks = [make_check("env", api(required=[f"K{i}"]), item=f"E{i}") for i in range(1000)]
    assert env.bound(None, checks) == env.READ_S


def test_an_env_file_larger_than_an_export_is_an_error(tmp_path):
    (tmp_path / "huge.env").write_bytes(b"A=" + b"x" * (envsource.MAX_ENV_FILE_BYTES + 1) + b"\n")
    with pytest.raises(GatherError, match="larger than 256 KiB: not an env export"):
        envsource.read_dotenv(str(tmp_path / "huge.env"))


# -- a name pattern sees the names only one reader reads ----------------------------------------------------------
HIDDEN = "SESSION_SECRET=Zq8Tn4mP2vR9sLwQ7xYk\n# deploy note\u2028NEXT_PUBLIC_API_SECRET=Hq7Wd2Kp9Lx4Mz6Rtail\n"


@pytest.mark.parametrize("rule", [{"forbidden": ["NEXT_PUBLIC_*SECRET*"]}, {"required": ["NEXT_PUBLIC_*"]},
                                  {"forbidden": ["NEXT_PUBLIC_API_SECRET"]}])
def test_a_pattern_matching_a_name_only_node_reads_is_an_error_as_an_exact_name_is(tmp_path, rule):
    """Node's dotenv reads NEXT_PUBLIC_API_SECRET (U+2028 ends a line for it), python-dotenv reads a comment: the
    pattern looked at python-dotenv's names only, and a public secret passed `forbidden`."""
    (tmp_path / "web.env").write_text(HIDDEN)
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    outcome = gather_and_judge(target, env, [make_check("env", {"service": "web", **rule})])[0]
    assert outcome.status is Status.ERROR, outcome
    assert "NEXT_PUBLIC_API_SECRET on web is read two ways" in outcome.observed
    assert "after a U+2028 or U+2029" in outcome.observed and "Hq7Wd2Kp9" not in repr(outcome)


def test_a_pattern_judges_the_names_both_readers_read_alike(tmp_path):
    (tmp_path / "web.env").write_text(HIDDEN + "NEXT_PUBLIC_URL=https://shop.example\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    required = gather_and_judge(target, env, [make_check("env", {"service": "web", "required": ["NEXT_PUBLIC_*"]})])[0]
    assert required.status is Status.PASSED, required  # a name read alike is set: neither reading can fail it
    assert required.evidence["patterns"] == {"NEXT_PUBLIC_*": ["NEXT_PUBLIC_API_SECRET", "NEXT_PUBLIC_URL"]}


# -- a failure says what else could not be judged -----------------------------------------------------------------
def test_a_failed_item_names_what_it_could_not_judge_too(tmp_path):
    (tmp_path / "api.env").write_text(TWO_WAYS)
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    check = make_check("env", api(min_length={"CLEAR": 99, "SESSION_SECRET": 3, "NODE_TLS_REJECT_UNAUTHORIZED": 1}))
    outcome = gather_and_judge(target, env, [check])[0]
    assert outcome.status is Status.FAILED, outcome
    assert outcome.observed.startswith("CLEAR has 20 characters (at least 99 wanted) on api; and 2 could not be "
                                       "judged: SESSION_SECRET on api is read two ways ("), outcome.observed
    assert "NODE_TLS_REJECT_UNAUTHORIZED on api is read two ways" in outcome.observed
    assert outcome.observed.count("could not be judged") == 1, outcome.observed  # said once, not twice


# -- literals no env could pass -------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, problem", [
    (api(not_values={"MODE": [""]}), "at least 1 character"),
    (api(not_values={"MODE": ["mock", "  "]}), "blank: a blank value reads as unset"),
    (api(values={"A": "x"}, not_equal={"A": "x"}), "A: values wants 'x', which not_equal forbids: no env could pass"),
])
def test_a_literal_no_env_could_pass_or_fail_is_rejected(params, problem):
    with pytest.raises(ValidationError, match=problem):
        load_item_params("env", params)


def test_values_and_not_equal_on_different_literals_are_accepted():
    load_item_params("env", api(values={"A": "x"}, not_equal={"A": "y"}))


# -- url and https-url: as Node's WHATWG URL reads the value -------------------------------------------------------
# Node 20's `new URL(value)` on each: the host it reads, or None where it throws
NODE_URL = [
    ("https://[v1.x]", None), ("https://xn--a.com", None), ("https://xn--localhost", None), ("https://xn--.com", None),
    ("https://xn--A.com", None), ("https://1.2.3.4.5", None), ("https://256.1", None), ("https://4294967296", None),
    ("https://09", None), ("https://a.0x", None), ("https://1..2", None), ("https://a@", None), ("https:///", None),
    ("https:a.com", "a.com"), ("https:/a.com", "a.com"), ("https:///a.com", "a.com"), ("https://a.com:80 ", "a.com"),
    (" https://a.com", "a.com"), ("https://a.\tcom", "a.com"), ("https://a.com\x00", "a.com"),
    ("https://1.0x", "1.0.0.0"), ("https://0xffffffff", "255.255.255.255"), ("https://1.2.3.", "1.2.0.3"),
    ("https://0x1g", "0x1g"), ("https://xn--ls8h.la", "xn--ls8h.la"), ("https://XN--MNCHEN-3YA.de", "münchen.de"),
    ("https://xn--zca.com", "ß.com"),
    # UTS46's checks: a label opening with a combining mark, a joiner out of its context, the Bidi rule (as Node's
    # parser keeps it: `aא` and `1א` are hosts to it)
    ("https://xn--80ftp", None), ("https://a\u200d", None), ("https://a\u094d\u200c", "xn--a-1xd385o"),
    ("https://\u05d0a", None), ("https://\u05d0-", None), ("https://a\u05d0", "xn--a-0hc"),
    ("https://1\u05d0", "xn--1-0hc"),
    # brackets that do not open the host: urlsplit takes their part (`v1.x`, an IPvFuture to it) for the host
    ("https://api.example.com[v1.x]/", None), ("https://a[::1]", None), ("https://a]b", None), ("https://a[", None),
    ("https://u:p@a.com[v1.x]:443/", None),
]


@pytest.mark.parametrize("url, host", NODE_URL)
def test_a_url_is_read_as_nodes_whatwg_url_reads_it(url, host):
    problem = env.format_problem("url", url)
    assert (problem is None) == (host is not None), problem


@pytest.mark.parametrize("url, host", [("https:localhost", "localhost"), ("HTTPS:\\\\localhost/x", "localhost"),
                                       ("https://0x7f.1", "127.0.0.1"), ("https://0x.0x.0x.0x", "0.0.0.0")])
def test_this_machine_however_a_url_spells_it_is_no_https_url(url, host):
    assert env.format_problem("https-url", url) == f"points at {host}"


def test_a_value_that_never_ends_expanding_leaves_no_name_judged():
    """`A=$A` recurses until the stack overflows: @next/env logs the error and loads none of the file."""
    read = envsource.parse_dotenv("A=x$A\nB=ok\n", "web.env")
    assert set(read.read_two_ways) == {"A", "B"}, read.read_two_ways
    assert "line 1: a `$` reference that does not end expanding" in str(read.read_two_ways["A"])
    assert "line 2: line 1's value, which @next/env may fail to expand (and then load none of the file)" in str(
        read.read_two_ways["B"])


NEXT_TEXTS = [text for text, _ in EXPANDED + FILLED] + NOT_EXPANDED + [
    "A=$B$B\nB=a$$b\n", "A=${B:-$C}\nC=c\n", "A=$B\nB=$C\nC=x\n", "1=x\nA=$2\n2=$1\n0=$A\n", "A=\\$B-$B\nB=q\n",
    "A=${B}${B}\nB=q\n", "A=$&$B\nB=$'y\n", "A=\"$B\\n\"\nB=1\n", "A=${B:-}x\n", "A=$B\\\\$\n"]


def test_next_env_agrees_with_what_is_named():
    """The expansion above, checked against @next/env itself where it is at hand (NEXT_ENV_JS: its dist/index.js),
    each text its only `.env` and nothing set in its environment."""
    module = os.environ.get("NEXT_ENV_JS")
    if not module or not shutil.which("node"):
        pytest.skip("set NEXT_ENV_JS to an installed @next/env's dist/index.js (and have node) to compare")
    script = ("const fs=require('fs'),os=require('os'),p=require('path');const n=require(" + json.dumps(module) + ");"
              "const t=JSON.parse(fs.readFileSync(0,'utf8'));const out=[];for(const k of Object.keys(process.env))"
              "delete process.env[k];for(const x of t){const d=fs.mkdtempSync(p.join(os.tmpdir(),'ne'));"
              "fs.writeFileSync(p.join(d,'.env'),x);const r=n.loadEnvConfig(d,false,{info(){},error(){}},true);"
              "out.push(Object.assign({},r.parsedEnv));fs.rmSync(d,{recursive:true})}"
              "process.stdout.write(JSON.stringify(out))")
    nexts = json.loads(subprocess.run(["node", "-e", script], input=json.dumps(NEXT_TEXTS), capture_output=True,
                                      text=True, check=True, timeout=60).stdout)
    for text, by_next in zip(NEXT_TEXTS, nexts):
        read = envsource.parse_dotenv(text, "x.env")
        by_node = dict(read, **dict(read.node_readings))
        differ = {name for name in {*read, *by_next} if (read.get(name) or "") != (by_next.get(name) or "")}
        node_differ = {name for name in {*read, *by_node} if (read.get(name) or "") != (by_node.get(name) or "")}
        filled = {name for name, value in read.items() if "${" in value}  # python-dotenv's own reading differs
        assert differ <= set(read.read_two_ways) <= differ | node_differ | filled, text


def test_an_item_on_a_value_next_env_expands_is_an_error(tmp_path):
    """`${TLS_OFF}` is `0` to a Next app and a 29-character secret is 3 (`$kLm2…` expands to nothing): judged on
    the text as written, TLS checks off and a short secret passed."""
    (tmp_path / "web.env").write_text("NODE_TLS_REJECT_UNAUTHORIZED=${TLS_OFF}\nTLS_OFF=0\n"
                                      "SESSION_SECRET=Zq8$kLm2nB7vR9sLwQ7xYkTn4mP2vR9\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    checks = [make_check("env", {"service": "web", "not_values": {"NODE_TLS_REJECT_UNAUTHORIZED": ["0", "false"]}}),
              make_check("env", {"service": "web", "min_length": {"SESSION_SECRET": 16}}),
              make_check("env", {"service": "web", "values": {"TLS_OFF": "0"}})]
    tls, secret, plain = gather_and_judge(target, env, checks)
    assert tls.status is Status.ERROR and "NODE_TLS_REJECT_UNAUTHORIZED on web is read two ways" in tls.observed
    assert "@next/env reads 1 character" in tls.observed, tls.observed
    assert secret.status is Status.ERROR and "@next/env reads 3 characters" in secret.observed, secret.observed
    assert plain.status is Status.PASSED, plain
    for check, outcome in zip(checks, (tls, secret)):
        assert "kLm2nB7" not in repr(outcome) + message(check, outcome)
