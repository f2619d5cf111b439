"""A secret in the forms real servers echo it in — each character escaped its own way, a declared value
that looks plain, a URL's user, a short key in a secret URL's path — and the secrets a run must know before
its first item (declared ones, defaults, every service's env file), never shown."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import quopri
import re
import secrets as random
import unicodedata
from urllib.parse import quote

import pytest

from opsverify import engine, exitcodes
from opsverify.environment import load_environment
from opsverify.errors import GatherError, MissingVariable
from opsverify.secrets import Redactor, fingerprint, looks_secret

from .kit import make_target, route_server
from .project import Project
from .runbook import make_runbook, rows_by_id

AWS = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ODD = "CANARYgo7f3e9&x<y>z'q\"w!(r)*s/t+u é"


def _go_json(text: str) -> str:
    return json.dumps(text)[1:-1].replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _go_template(text: str) -> str:
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;"), ("+", "&#43;")):
        text = text.replace(char, entity)
    return text


ECHOES = {
    "go-json": _go_json,
    "php-json": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "go-template": _go_template,
    "encodeURIComponent": lambda s: quote(s, safe="!'()*~"),
    "python-quote": quote,  # leaves '/'
    "quote-lowercase-hex": lambda s: quote(s, safe="/").replace("%2B", "%2b").replace("%C3%A9", "%c3%a9"),
    "html-decimal-zeros": lambda s: "".join(c if c.isascii() and c.isalnum() else f"&#00{ord(c)};" for c in s),
    "html-hex-upper": lambda s: "".join(c if c.isascii() and c.isalnum() else f"&#X{ord(c):X};" for c in s),
    "html-named": lambda s: s.replace("&", "&amp;").replace("'", "&apos;").replace("+", "&plus;").replace("<", "&lt;"),
    "json-upper-hex": lambda s: json.dumps(s)[1:-1].replace("\\u00e9", "\\u00E9").replace("/", "\\u002F"),
}


@pytest.mark.parametrize("secret", [AWS, ODD], ids=["aws", "odd"])
@pytest.mark.parametrize("echo", ECHOES, ids=list(ECHOES))
def test_each_character_of_a_secret_may_be_escaped_its_own_way(secret, echo):
    redactor = Redactor()
    redactor.add(secret)
    echoed = ECHOES[echo](secret)
    assert redactor.text(f'{{"auth": "{echoed}", "n": 1}}') == f'{{"auth": "[redacted {fingerprint(secret)}]", "n": 1}}'


def test_escapes_around_an_escaped_secret_stay_as_they_were():
    redactor = Redactor()
    redactor.add(ODD)
    mark = f"[redacted {fingerprint(ODD)}]"
    text = f"a&amp;b \\u0026 {_go_json(ODD)}\\n%2F {quote(ODD, safe='')}%3F"
    assert redactor.text(text) == f"a&amp;b \\u0026 {mark}\\n%2F {mark}%3F"


def test_a_secret_that_spells_an_escape_is_found_when_its_other_characters_are_escaped():
    secret = "CANARY%41bc&7f3e9"
    redactor = Redactor()
    redactor.add(secret)
    for echo in ("CANARY%41bc\\u00267f3e9", "CANARY%2541bc%267f3e9", "CANARY%41bc&amp;7f3e9"):
        assert redactor.text(f"[{echo}]") == f"[[redacted {fingerprint(secret)}]]", echo


FOLDED = "Kq7Zp\\WxRt3uV%2F"  # a backslash, a spelled escape and mixed case: every quoting changes it


@pytest.mark.parametrize("fold", [str.lower, str.upper], ids=["lower", "upper"])
@pytest.mark.parametrize("quoting", [
    lambda s: repr(s)[1:-1], lambda s: json.dumps(s)[1:-1], quote, html.escape, lambda s: repr(s.encode())[2:-1],
], ids=["repr", "json", "url", "html", "bytes-repr"])
def test_a_secret_folded_then_quoted_is_found(fold, quoting):
    """A target folds the case of what it echoes (a header read as a content-coding, a charset), and the message
    quoting it escapes it: the forms compose, whichever case and quoting meet."""
    redactor = Redactor()
    redactor.add(FOLDED)
    text = f"content-encoding '{quoting(fold(FOLDED))}' is not read"
    assert redactor.text(text) == f"content-encoding '[redacted {fingerprint(FOLDED)}]' is not read", text


def test_a_long_secret_a_target_echoes_as_its_content_coding_stays_out():
    """The transport names a content-coding it cannot read, lowercased and cut at a length: a long secret echoed
    there is cut mid-message — marked as cut, so its folded start is found."""
    from opsverify.transports.http import Probe, fetch_all

    from .project import KeepAliveHttp, raw_reply

    secret = "Kq7Zp" + random.token_urlsafe(60)
    with KeepAliveHttp({("GET", "/echo"): raw_reply(401, b"xx", content_encoding=secret)}) as server:
        (reply,) = fetch_all([Probe("GET", server.url + "/echo")], timeout_s=5)
    redactor = Redactor()
    redactor.add(secret)
    cleaned = redactor.text(reply.failure)
    assert reply.status is None and "[redacted part of" in cleaned, (reply.failure, cleaned)
    assert not any(secret.lower()[at:at + 8] in cleaned.lower() for at in range(len(secret) - 8)), cleaned


@pytest.mark.parametrize("secret", ["Cr0n'SecretZk9x", FOLDED, ODD], ids=["quote", "backslash", "odd"])
def test_a_secret_escaped_twice_is_found(secret):
    """A log line's repr of an exception whose message holds a repr of the reply's bytes (httpcore's DEBUG trace
    of an illegal status line) escapes a quote or backslash twice, and three times in a repr of that."""
    redactor = Redactor()
    redactor.add(secret)
    mark = f"[redacted {fingerprint(secret)}]"
    longest = max(re.findall(r"[A-Za-z0-9]+", secret), key=len)
    once = repr(f"illegal status line: Bearer {secret}")
    for text in (f"exception=Error({repr(once)})", f"logged {repr(repr(once))}"):
        cleaned = redactor.text(text)
        assert mark in cleaned and longest not in cleaned, (text, cleaned)


def test_an_escaped_or_base64_secret_cut_at_an_excerpts_edge_is_masked():
    redactor = Redactor()
    redactor.add(ODD)
    escaped, wrapped = _go_json(ODD), base64.b64encode(f"user:{ODD}".encode()).decode()
    for cut in (escaped[:24], quote(ODD, safe="")[:30], wrapped[:28]):
        assert cut[-10:] not in redactor.text(f"an excerpt ending in {cut}"), cut
    for cut in (escaped[-24:], wrapped[-28:]):
        assert cut[:10] not in redactor.text(f"{cut} starts this excerpt"), cut


def _base64_behind(prefix: bytes, data: bytes) -> tuple[str, str]:
    """`prefix + data` in base64, and the part of it that depends on `data` alone."""
    encoded = base64.b64encode(prefix + data).decode()
    return encoded, encoded[-(-len(prefix) * 4 // 3):(len(prefix) + len(data)) // 3 * 4]


@pytest.mark.parametrize("spell", [
    lambda secret: _base64_behind(b"", quote(secret, safe="").encode()),  # a form body, base64 (isBase64Encoded)
    lambda secret: _base64_behind(b"k=", quote(secret, safe="").encode()),
    lambda secret: _base64_behind("$k='".encode("utf-16-le"), secret.encode("utf-16-le")),  # -EncodedCommand
    lambda secret: (secret.encode("utf-16-le").hex(),) * 2,
    lambda secret: (secret.encode("utf-16-le").hex().upper(),) * 2,
    lambda secret: _base64_behind(b"java dump", secret.encode("utf-16-be")),  # Java's getBytes(UTF_16BE)
    lambda secret: tuple(x.upper() for x in _base64_behind(b"checker:", secret.encode())),  # a Basic header, shouted
    lambda secret: tuple(x.lower() for x in _base64_behind(b"", secret.encode())),
], ids=["base64-form-body", "base64-form-field", "base64-utf16", "hex-utf16", "HEX-UTF16", "base64-utf16-be",
        "BASIC-SHOUTED", "base64-folded"])
@pytest.mark.parametrize("secret", ["%iGp/58WAm+dX3a5IDnO", "pässwörd-Ünïcødé-9f8e7d6c"], ids=["ascii", "non-ascii"])
def test_a_secret_as_other_bytes_then_respelled_is_masked(spell, secret):
    """The probes' spellings that passed through whole: base64 of the URL-encoded secret, its UTF-16 bytes (either
    order) in base64 or hex, its base64 upper- or lower-cased (an echo shouting a whole `Authorization: Basic` line:
    each character then tells the secret's but for its case). Nothing of eight characters or more of what the secret
    alone spells is left."""
    redactor = Redactor()
    redactor.add_declared(secret)
    spelled, own = spell(secret)
    shown = redactor.text(f"before {spelled} after")
    assert not any(own[i:i + 8] in shown for i in range(len(own) - 7)), shown


def test_a_declared_secret_is_registered_whatever_it_looks_like():
    hook, pin = "https://hooks.slack.com/services/T0CANARY1/B0CANARY2/CANARYslackhook7f3e9abc", "7391846"
    guessed = Redactor()
    # a number is not guessed to be a secret; of a plain URL nothing names secret, only its key-like pieces are
    guessed.add(hook), guessed.add(pin)
    assert guessed.text(f"{hook} {pin}") == (f"https://hooks.slack.com/services/[redacted {fingerprint('T0CANARY1')}]/"
                                             f"[redacted {fingerprint('B0CANARY2')}]/"
                                             f"[redacted {fingerprint('CANARYslackhook7f3e9abc')}] {pin}")
    declared = Redactor()
    declared.add_declared(hook), declared.add_declared(pin)
    assert declared.text(f"{hook} pin={pin}") == f"[redacted {fingerprint(hook)}] pin=[redacted {fingerprint(pin)}]"
    echoed = declared.text("POST https://hooks.slack.com/services/T0CANARY1/B0CANARY2 failed")  # part of it
    assert echoed == (f"POST https://hooks.slack.com/services/[redacted {fingerprint('T0CANARY1')}]/"
                      f"[redacted {fingerprint('B0CANARY2')}] failed")


def test_a_urls_user_is_its_token_and_the_host_stays_readable():
    redactor = Redactor()
    redactor.add("http://CANARYuser7f3e9tok@127.0.0.1:18431")
    basic = base64.b64encode(b"CANARYuser7f3e9tok:").decode()
    cleaned = redactor.text(f"GET http://CANARYuser7f3e9tok@127.0.0.1:18431/echo-text\nAuthorization: Basic {basic}")
    assert "CANARY" not in cleaned and basic not in cleaned and "Q0FOQVJZ" not in cleaned
    assert cleaned.startswith("GET http://[redacted hmac:") and "]@127.0.0.1:18431/echo-text" in cleaned


def test_a_urls_password_and_its_basic_pair_are_registered_and_a_plain_user_is_not():
    redactor = Redactor()
    redactor.add("https://deploy:Kq7%40pass-word@api.example.com/v1")
    basic = base64.b64encode(b"deploy:Kq7@pass-word").decode()
    cleaned = redactor.text(f"Basic {basic} as deploy on https://api.example.com/v1")
    assert basic not in cleaned and cleaned.endswith(" as deploy on https://api.example.com/v1")
    plain = Redactor()
    plain.add("https://deploy@api.example.com")  # a user that is a word names someone, it unlocks nothing
    assert plain.version == 0


def test_short_keys_in_the_path_of_a_secret_url_are_registered_and_words_are_not():
    url = "http://127.0.0.1:18431/hook/services/CANARYshort9/webhooks/123456789/v2"
    from_config = Redactor()
    from_config.add_url_parts(url)
    assert from_config.text(url) == url  # a configured URL: only long keys
    from_secret = Redactor()
    from_secret.add_url_parts(url, from_secret=True)
    assert from_secret.text(f"GET {url}") == (f"GET http://127.0.0.1:18431/hook/services/[redacted "
                                               f"{fingerprint('CANARYshort9')}]/webhooks/123456789/v2")


def test_keys_in_an_env_files_urls_are_registered_and_their_hosts_stay_readable(tmp_path):
    """A webhook or RPC URL in a service's env file carries its token in the path (or query): a page echoing it
    must not show the token, as for a declared secret URL — whatever the variable's name."""
    hook = "https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/Zxq52aZI3SaEQwuLxfRahSGF"
    rpc = "https://solana-mainnet.g.alchemy.com/v2/Ak650784a556266f5284de4d25cb69"
    query = "https://api.example.com/v1/send?api-key=CANARYq7f3e9"
    (tmp_path / "web.env").write_text(f"SLACK_WEBHOOK_URL={hook}\nSOLANA_RPC_URL={rpc}\nNOTIFY_URL={query}\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    echoed = target.redactor.text(f'{{"error": "post to {hook} failed", "rpc": "{rpc}", "url": "{quote(query)}"}}')
    for key in ("Zxq52aZI3SaEQwuLxfRahSGF", "T0ABCDEF1", "Ak650784a556266f5284de4d25cb69", "CANARYq7f3e9"):
        assert key not in echoed, echoed
    # the webhook's name says its whole URL is secret; the RPC's host stays readable, its key not
    assert "hooks.slack.com" not in echoed and "solana-mainnet.g.alchemy.com/v2/[redacted" in echoed


def test_a_plain_url_is_a_secret_when_its_name_says_so_and_a_public_address_stays_readable(tmp_path):
    """SLACK_WEBHOOK_URL's path may hold no piece that looks like a key (`/hook/abc`): the name says the whole
    URL is the secret. NEXTAUTH_URL is the app's own address: AUTH alone does not make it one."""
    hook, app = "https://hooks.example.com/incoming/plainwordsonly", "https://app.example.com"
    (tmp_path / "web.env").write_text(f"SLACK_WEBHOOK_URL={hook}\nNEXTAUTH_URL={app}\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    echoed = target.redactor.text(f"posted to {hook}; signed in at {app}/login")
    assert "plainwordsonly" not in echoed and f"signed in at {app}/login" in echoed, echoed


def test_an_env_url_keeps_its_host_and_plain_query_unless_its_name_says_secret(tmp_path):
    """KEYCLOAK_URL is an address (KEY inside a word), AUTH_CALLBACK_URL's ?provider=google a word: both stay
    readable; a query value named as a key, or shaped like one, does not."""
    (tmp_path / "web.env").write_text("KEYCLOAK_URL=http://127.0.0.1:18741\n"
                                      "AUTH_CALLBACK_URL=https://app.example.com/api/auth/callback?provider=google"
                                      "&region=eu-west-1&api_key=CANARYq7f3e9&state=Zx81Kq0aLm29Pq7sTy4u\n"
                                      "STRIPE_APIKEY_URL=https://api.example.com/plain\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    text = ("GET http://127.0.0.1:18741/bad: body without 'google' in eu-west-1; api_key=CANARYq7f3e9"
            " state=Zx81Kq0aLm29Pq7sTy4u; https://api.example.com/plain")
    echoed = target.redactor.text(text)
    assert echoed.startswith("GET http://127.0.0.1:18741/bad: body without 'google' in eu-west-1; "), echoed
    assert "CANARYq7f3e9" not in echoed and "Zx81Kq0aLm29Pq7sTy4u" not in echoed, echoed
    assert "api.example.com/plain" not in echoed, echoed  # APIKEY names a secret


@pytest.mark.parametrize("name", ["ZAPIER_WEBHOOKS_URL", "zapierWebhookUrl", "SLACK_WEBHOOKURL", "MY_APIKEYS_URL"])
def test_a_webhook_url_named_in_any_spelling_is_a_secret_whole(tmp_path, name):
    """Zapier's keys are 7 characters: nothing in the path looks like a key, so the name must say it."""
    hook = "https://hooks.zapier.com/hooks/catch/1234567/abc12de/"
    (tmp_path / "web.env").write_text(f"{name}={hook}\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    assert "abc12de" not in target.redactor.text(f"posted to {hook}")


@pytest.mark.parametrize("line, secret", [
    ("NOTIFY_URL=https://notify.example.com/hook/CANARYshort9", "CANARYshort9"),  # judged secret for that key
    ("PAGER_URL=https://pager.example.com/v1/XkQpLmZrTwVbNcYdCan", "XkQpLmZrTwVbNcYdCan"),
    ("ALERT_HOOK=https://alerts.example.com/h/k7Rz2Q", "alerts.example.com/h/k7Rz2Q"),  # HOOK names it whole
    ("MEGA_LINK=https://mega.nz/file/AbCd1234#Zk3mQ9wx2pC8Lm4Rt7Yq1Vb6Nh0Ws5Xe3Df9Gj2Kp",
     "Zk3mQ9wx2pC8Lm4Rt7Yq1Vb6Nh0Ws5Xe3Df9Gj2Kp"),  # a sharing link's key is its fragment
    ("BARE_Q_URL=https://api.example.com/feed?Zk3mQ9wx2pC8Lm4Rt7Yq1", "Zk3mQ9wx2pC8Lm4Rt7Yq1"),  # a key alone
    ("STATUS_URL=https://status.example.com/api?region=eu&auth=Zk3mQ9wx2pC", "Zk3mQ9wx2pC"),  # echoed reordered
    ("SMTP_PW=Tr0ub4dor3xCan", "Tr0ub4dor3xCan"),
    ("TOTP_SEED=JBSWY3DPEHPK3PXPCANA", "JBSWY3DPEHPK3PXPCANA"),
    ("ADMIN_PIN=73918461", "73918461"),
    ("DEPLOYER_PK=0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
     "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"),  # a wallet's key: two classes only
    ("RELAY_HMAC=7391846173918461", "7391846173918461"),
    ("DEPLOYER=0X4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318",
     "4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318"),
    ("ROOT_WALLET=0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
     "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"),  # ROOT says no digest
    ("SIGNER=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),  # long hex under a plain name
])
def test_what_an_env_file_holds_as_a_key_is_registered_as_it_is_echoed(tmp_path, line, secret):
    """A value judged secret gives up the pieces that made it look secret: a short key in a path, a fragment, a
    query value without a key; names that say secret in a short word (PW, PIN, SEED) or HOOK are secret."""
    (tmp_path / "web.env").write_text(line + "\n")
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    echoed = target.redactor.text(f"echo: {secret} /{secret}/ ?auth={secret}&region=eu")
    assert secret not in echoed, echoed


def test_a_digest_or_address_in_hex_named_so_stays_readable():
    """A deploy's commit or an artifact's SHA-256 is what an auditor reads; its name says it is public."""
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    for name in ("BUNDLE_SHA256", "GENESIS_HASH", "EXPECTED_CHECKSUM", "RELEASE_DIGEST", "VAULT_ADDRESS"):
        assert not looks_secret(name, digest), name
    assert looks_secret("RELEASE_SIGNER", digest)


def test_short_words_of_a_name_are_words_not_pieces_of_others():
    for name in ("SPINNER_COLOR", "UPWARD_LIMIT", "SHIPPING_REGION", "MAPPING_FILE", "PKG_MANAGER", "SPKI_LABEL",
                 "ORDERS_PK"):
        assert not looks_secret(name, "blue-and-green")
    assert not looks_secret("ORDERS_PK", "order_id")  # a primary key's column: PK is no word of a secret


def test_addresses_paths_and_plain_query_words_stay_readable(tmp_path):
    """What an on-call engineer needs to read: which Redis, which checkout, which page (?keyword= is no key)."""
    redactor = Redactor()
    for name, value in (("REDIS_URL", "redis://127.0.0.1:35807/0"), ("MG_REPO", "/builds/acme/shop-Api2/checkout"),
                        ("SEARCH_URL", "http://127.0.0.1:18431/?keyword=storefront&author=marketing")):
        if looks_secret(name, value):
            redactor.add(value)
        redactor.add_url_parts(value)
    text = "redis://127.0.0.1:35807/0 down; /builds/acme/shop-Api2/checkout missing; W1-storefront by marketing"
    assert redactor.text(text) == text


# -- what a run knows before its first item --------------------------------------------------------
def _environment(tmp_path, monkeypatch, body: str, variables: dict[str, str] | None = None):
    for name, value in (variables or {}).items():
        monkeypatch.setenv(name, value)
    (tmp_path / "local.yaml").write_text("name: local\n" + body, encoding="utf-8")
    return load_environment(tmp_path, "local")


def test_a_default_follows_the_rules_of_a_value(tmp_path, monkeypatch):
    monkeypatch.delenv("DEF_TOKEN", raising=False)
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {secrets: {DEF: "${DEF_TOKEN:-CANARYdef7f3e9zz}",'
                                              ' OPTIONAL: "${OPTIONAL_TOKEN:-}"}}}\n')
    assert env.secret_values == ("CANARYdef7f3e9zz",)
    run = engine.Run(env)
    assert run.redactor.text("x-def: CANARYdef7f3e9zz") == f"x-def: [redacted {fingerprint('CANARYdef7f3e9zz')}]"
    with pytest.raises(MissingVariable, match=r"DEF: \$\{DEF_TOKEN\} is unset, and its default written in the file"
                                              r" is 4 characters"):
        _environment(tmp_path, monkeypatch, 'systems: {shop: {secrets: {DEF: "${DEF_TOKEN:-Zq9x}"}}}\n')


@pytest.mark.parametrize("hook_id, secret", [
    ("XkQpLmZrTwVbNcYd", True), ("a8f3k2x", True), ("Zk3mQ9wx2pC", True), ("3f9a2c1e", True),
    ("acme-production", False), ("Production", False), ("v2", False), ("20261201", False), ("GitHub", False),
    ("EUROPE", False), ("getUserProfile", False), ("1.2.3-rc1", False), ("v1beta1", False), ("region1", False),
    ("acme-corp2", False), ("2026-11-30T10:00Z", False)])
def test_a_variable_set_into_a_urls_path_is_a_key_unless_it_reads_as_a_word(tmp_path, monkeypatch, hook_id, secret):
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: '
                                              '"http://127.0.0.1:18802/hook/${PAGE_PART}"}}}}\n', {"PAGE_PART": hook_id})
    shown = engine.Run(env).redactor.text(f"GET http://127.0.0.1:18802/hook/{hook_id}/x")
    assert (hook_id not in shown) is secret, shown


@pytest.mark.parametrize("database", ["postgresql://checker:LiteralDbPw9x@127.0.0.1:1/shop",
                                      "host=127.0.0.1 port=1 dbname=shop user=checker password=LiteralDbPw9x",
                                      "host=127.0.0.1 dbname=shop password='LiteralDbPw9x' user=checker"])
def test_a_database_password_written_into_the_file_is_a_secret(tmp_path, monkeypatch, database):
    """Written in place of a ${VAR} (the file's copy goes into every archive's inputs/): redacted all the same."""
    env = _environment(tmp_path, monkeypatch, f'systems: {{shop: {{database: "{database}"}}}}\n')
    run = engine.Run(env)
    assert "LiteralDbPw9x" not in run.redactor.text(f"inputs: {database}; FATAL: password LiteralDbPw9x")


def test_a_databases_name_is_no_piece_of_a_secret(tmp_path, monkeypatch):
    """Its URL is masked whole, its password on its own; its path is the database's name, often the system's: a
    text starting with `inventory S2-…` (a manifest's list) is no cut piece of the URL."""
    env = _environment(tmp_path, monkeypatch, 'systems: {inventory: {database: "${DB}"}}\n',
                       {"DB": "postgresql://checker:Zq81vTx3Lm0pQr@127.0.0.1:5432/inventory"})
    redactor = engine.Run(env).redactor
    assert redactor.text("inventory S2-up-again") == "inventory S2-up-again"
    assert "Zq81vT" not in redactor.text("password starts Zq81vTx3Lm")


def test_a_run_knows_every_declared_secret_and_env_file_before_its_first_item(tmp_path, monkeypatch):
    env_file = tmp_path / "web.env"
    env_file.write_text("NODE_ENV=production\nSTRIPE_SECRET_KEY=sk_live_CANARYdot7f3e9xyzABC\n", encoding="utf-8")
    hook = "https://hooks.slack.com/services/T0CANARY1/B0CANARY2/CANARYslackhook7f3e9abc"
    env = _environment(tmp_path, monkeypatch, f"""systems:
  shop:
    services:
      web: {{url: "http://127.0.0.1:1", env: {{dotenv: "{env_file}"}}}}
      api: {{url: "${{SHOP_API_URL}}"}}
      gone: {{url: "http://127.0.0.1:1", env: {{dotenv: "{tmp_path / 'missing.env'}"}}}}
    secrets: {{HOOK: "${{SLACK_WEBHOOK_URL}}", PIN: "${{ADMIN_PIN}}"}}
""", {"SLACK_WEBHOOK_URL": hook, "ADMIN_PIN": "7391846", "SHOP_API_URL": "http://127.0.0.1:18431/hook/CANARYshort9"})
    run = engine.Run(env)  # an env file that cannot be read is no reason to stop: its env items say so
    echoed = run.redactor.text(f"STRIPE_SECRET_KEY=sk_live_CANARYdot7f3e9xyzABC x-hook: {hook} x-pin: 7391846 "
                               f"GET http://127.0.0.1:18431/hook/CANARYshort9/echo-text")
    assert "CANARY" not in echoed and "7391846" not in echoed and "NODE_ENV" not in echoed, echoed
    assert "GET http://127.0.0.1:18431/hook/[redacted" in echoed
    assert run.targets["shop"].env_vars("web")["NODE_ENV"] == "production"  # read once, kept
    with pytest.raises(GatherError, match="not found"):
        run.targets["shop"].env_vars("gone")


def test_a_short_url_password_is_warned_about_without_saying_it(tmp_path, monkeypatch):
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {database: "${DATABASE_URL}"}}\n',
                       {"DATABASE_URL": "postgresql://checker:shop@127.0.0.1:5432/shop"})
    assert [w.split("/")[-1] for w in env.warnings] == [
        "local.yaml: a URL's password is 4 characters: every place those characters appear in the reports (a system's"
        " name, a word) reads [redacted …]; give it one of at least 8"]


@pytest.mark.parametrize("password", ["pw5Ab", "8675309", "staging"], ids=["5-characters", "7-digits", "stage-word"])
@pytest.mark.parametrize("form", ["url", "key=value"])
def test_a_short_or_plain_database_password_is_masked_and_warned_about_in_either_form(tmp_path, monkeypatch,
                                                                                      password, form):
    """libpq's key=value form sends its password as the URL form does: a server quoting it (`authenticated with
    password '…'`) shows it in every file unless it is registered whatever it looks like, and said to be short."""
    database = (f"postgresql://checker:{password}@127.0.0.1:5432/shop?sslmode=disable" if form == "url" else
                f"host=127.0.0.1 port=5432 user=checker password={password} dbname=shop sslmode=disable")
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {database: "${DATABASE_URL}"}}\n',
                       {"DATABASE_URL": database})
    shown = engine.Run(env).redactor.text(f"role checker authenticated with password '{password}' may not read this")
    assert password not in shown, shown
    assert any(f"password is {len(password)} characters" in warning for warning in env.warnings), env.warnings


def _ambient_environment(tmp_path, monkeypatch, database: str, variables: dict[str, str]):
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGUSER", "PGHOST",
                 "PGPORT", "PGDATABASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.pgpass of the machine running the tests
    return _environment(tmp_path, monkeypatch, 'systems: {shop: {database: "${DATABASE_URL}"}}\n',
                        {"DATABASE_URL": database, **variables})


@pytest.mark.parametrize("form", ["postgresql://checker@127.0.0.1:5433/app?sslmode=disable",
                                  "host=127.0.0.1 port=5433 user=checker dbname=app sslmode=disable"],
                         ids=["url", "key=value"])
def test_the_password_libpq_takes_from_the_runners_environment_is_a_secret(tmp_path, monkeypatch, form):
    """A database URL without a password: libpq sends PGPASSWORD's (a CI job often sets it), and a server quoting
    the password it was sent must not show it."""
    env = _ambient_environment(tmp_path, monkeypatch, form, {"PGPASSWORD": "pgEnvCanaryPw77Q"})
    shown = engine.Run(env).redactor.text("role checker authenticated with password 'pgEnvCanaryPw77Q'")
    assert "pgEnvCanaryPw77Q" not in shown, shown


@pytest.mark.parametrize("where", ["PGPASSFILE", "passfile=", "~/.pgpass"])
def test_the_matching_lines_of_libpqs_password_file_are_secrets_and_others_are_not(tmp_path, monkeypatch, where):
    """libpq takes the password of the first line matching host:port:database:user (`*` for any): every such line's
    is registered; a line for another host or user is no password this run sends, and stays readable."""
    passfile = tmp_path / "pgpass"
    passfile.write_text("# host:port:database:user:password\n"
                        "otherhost:*:*:checker:otherHostPw42x\n"
                        "127.0.0.1:5433:*:someone:otherUserPw42x\n"
                        "127.0.0.1:5433:app:checker:pgPassfileCanary42\n"
                        "*:*:*:*:pa\\:ssCanary\\\\9:ignored\n", encoding="utf-8")
    database = "postgresql://checker@127.0.0.1:5433/app?sslmode=disable"
    variables = {}
    if where == "PGPASSFILE":
        variables["PGPASSFILE"] = str(passfile)
    elif where == "passfile=":
        database += f"&passfile={passfile}"
    else:
        (tmp_path / "home").mkdir()
        passfile.rename(tmp_path / "home" / ".pgpass")
    env = _ambient_environment(tmp_path, monkeypatch, database, variables)
    shown = engine.Run(env).redactor.text("sent pgPassfileCanary42, pa:ssCanary\\9; not otherHostPw42x, otherUserPw42x")
    assert shown.count("[redacted") == 2 and "Canary" not in shown, shown
    assert "otherHostPw42x" in shown and "otherUserPw42x" in shown, shown


def test_the_password_of_a_libpq_service_is_a_secret(tmp_path, monkeypatch):
    services = tmp_path / "pg_service.conf"
    services.write_text("[other]\npassword=otherServicePw42\n[shop]\nhost=127.0.0.1\npassword=pgServiceCanary42\n",
                        encoding="utf-8")
    env = _ambient_environment(tmp_path, monkeypatch, "service=shop dbname=app", {"PGSERVICEFILE": str(services)})
    shown = engine.Run(env).redactor.text("sent pgServiceCanary42, not otherServicePw42")
    assert "pgServiceCanary42" not in shown and "otherServicePw42" in shown, shown


def test_the_password_of_a_service_in_libpqs_own_system_folder_is_a_secret(tmp_path, monkeypatch):
    """Without PGSYSCONFDIR libpq reads the system folder it was built with (psycopg's binary wheels and Debian's:
    /etc/postgresql-common), which Python cannot ask: that file's password had shown raw."""
    from opsverify import ambient

    system = tmp_path / "etc-postgresql-common"
    system.mkdir()
    (system / "pg_service.conf").write_text("[shop]\nhost=127.0.0.1\npassword=svcSysCanary55Zq\n", encoding="utf-8")
    monkeypatch.setattr(ambient, "SYSTEM_FOLDERS", (str(tmp_path / "absent"), str(system)))
    env = _ambient_environment(tmp_path, monkeypatch, "service=shop dbname=app", {})
    shown = engine.Run(env).redactor.text("sent svcSysCanary55Zq")
    assert "svcSysCanary55Zq" not in shown, shown


def test_a_password_in_the_url_leaves_the_runners_libpq_passwords_unread(tmp_path, monkeypatch):
    """libpq sends the URL's own password then: its password file's is no secret of this run's (a word stays
    readable). (The runner's PGPASSWORD is one all the same: its name says so, as a GITHUB_TOKEN's does.)"""
    passfile = tmp_path / "pgpass"
    passfile.write_text("*:*:*:*:otherword\n", encoding="utf-8")
    env = _ambient_environment(tmp_path, monkeypatch, "postgresql://checker:Zq81vTx3Lm0pQr@127.0.0.1:5433/app",
                               {"PGPASSFILE": str(passfile)})
    assert engine.Run(env).redactor.text("otherword") == "otherword"


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "https_proxy", "ALL_PROXY"])
def test_an_http_proxys_credentials_are_secrets_in_every_form(tmp_path, monkeypatch, variable):
    """The runner's proxy may carry a user and password: the client sends them as Proxy-Authorization, and a proxy
    echoing it (an error page) would show the password, the pair and its Basic form."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "http://proxyuser:pxCanaryPw9Zq@127.0.0.1:9")
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n')
    basic = base64.b64encode(b"proxyuser:pxCanaryPw9Zq").decode()
    shown = engine.Run(env).redactor.text(f"your credentials Basic {basic} (proxyuser:pxCanaryPw9Zq) via 127.0.0.1")
    assert "pxCanaryPw9Zq" not in shown and basic[:16] not in shown and "via 127.0.0.1" in shown, shown


ITEMS = """
- {id: E1, name: stripe, section: Config, title: stripe key set, family: env, cadence: postdeploy,
   params: {service: web, required: [STRIPE_SECRET_KEY]}}
- {id: W1, name: debug, section: Web, title: the debug page hides secrets, family: http, cadence: postdeploy,
   params: {service: web, path: /debug/env, body_excludes: [sk_live_]}}
"""


def test_an_env_files_secret_echoed_by_the_only_selected_item_stays_out(tmp_path):
    """`--item W1` runs no env item, yet the page W1 fetches echoes the env file: its secrets are known from
    the start."""
    key = f"sk_live_{random.token_hex(12)}"
    env_file = tmp_path / "web.env"
    env_file.write_text(f"STRIPE_SECRET_KEY={key}\n", encoding="utf-8")
    debug = {("GET", "/debug/env"): lambda headers, body: (200, f"NODE_ENV=production\nSTRIPE_SECRET_KEY={key}\n")}
    with route_server(debug) as web:
        project = Project(tmp_path, {"WEB_URL": web, "WEB_ENV": str(env_file)})
        project.checklist("shop", ITEMS)
        project.environment('systems: {shop: {services: {web: {url: "${WEB_URL}", env: {dotenv: "${WEB_ENV}"}}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", "--item", "W1", "-rA")
    assert ran.code == exitcodes.FAILED and ran.statuses() == {"W1-debug": "failed"}, ran.output[-3000:]
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != env_file]
    assert [p for p in written if key.encode() in p.read_bytes()] == [] and key not in ran.output


def _fingerprints(runbook, *args, env=None) -> dict[str, list[str]]:
    assert runbook.run(*args, env=env).returncode in (exitcodes.OK, exitcodes.FAILED)
    return {key: re.findall(r"hmac:[0-9a-f]{8}", json.dumps(row)) for key, row in rows_by_id(runbook.newest()).items()}


def test_fingerprints_are_keyed_per_run_or_by_the_signing_key(tmp_path):
    """A short secret's unkeyed hash is reversed by trying candidates: fingerprints are keyed. Within a run (its
    xdist workers too) one value has one fingerprint; across runs only when one signing key seals them."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from opsverify import seal

    runbook = make_runbook(tmp_path / "rb")
    first = _fingerprints(runbook, "-n", "2")
    assert first["S1"] and first["S1"] == first["T1"]  # one value (APP_ORIGIN of one env file), one fingerprint
    assert _fingerprints(runbook)["S1"] != first["S1"]  # another run, another key
    signing = {seal.SIGNING_KEY_ENV: seal.private_pem(Ed25519PrivateKey.generate())}
    assert _fingerprints(runbook, env=signing)["S1"] == _fingerprints(runbook, "-n", "2", env=signing)["S1"]
    assert f"hmac:{hashlib.sha256(b'https://shop.example').hexdigest()[:8]}" not in first["S1"]  # not unkeyed


def test_a_numeric_secret_is_not_found_inside_a_longer_number():
    """A declared PIN whose digits also occur inside a timestamp or a count: those are other numbers, and
    masking them would break the JSON they sit in."""
    redactor = Redactor()
    redactor.add_declared("1764582")
    document = '{"start": 1764582998537, "rows": 91764582, "pin": 1764582, "said": "pin=1764582;"}'
    cleaned = redactor.text(document)
    assert json.loads(cleaned.replace(f"[redacted {fingerprint('1764582')}]", "0"))["start"] == 1764582998537
    assert cleaned.count("[redacted") == 2 and "91764582" in cleaned


def test_a_database_user_at_the_end_of_a_text_stays_readable():
    """`user:password` is registered whole (a Basic header sends it); where a text cuts it, only the password
    is a piece of a secret, so a text ending in the user's name is left as it is."""
    redactor = Redactor()
    redactor.add("postgresql://opsverify_checker:Zq81vTx3Lm0pQr@db.internal:5432/shop")
    assert redactor.text("role: opsverify_checker") == "role: opsverify_checker"
    assert "Zq81vT" not in redactor.text("password starts Zq81vTx3Lm")


DB_URL_PASSWORD = "Zq81vTx3Lm0pQr-k9Wc"


def _db_url_forms(url: str) -> dict[str, str]:
    """A database URL as a target or a tool may echo it: each encoding of a text holding the password, base64 and
    base32 behind 0 to 4 bytes (every grouping of the password's bytes)."""
    raw = url.encode()
    shifted = {f"{name} behind {n} bytes": encode(b"abcd"[:n] + raw).decode()
               for name, encode in (("base64", base64.b64encode), ("base32", base64.b32encode)) for n in range(5)}
    return {"raw": url, "upper": url.upper(), **shifted,
            "hex": raw.hex(), "every byte %-escaped": "".join(f"%{b:02X}" for b in raw),
            "URL-encoded": quote(url, safe=""), "JSON": json.dumps({"dsn": url}), "HTML": html.escape(url),
            "repr": repr(url), "cut at the end": f"connecting to {url[:url.index('@') - 2]}",
            "cut at the start": f"{url[url.index(':', 12) + 3:]} failed"}


@pytest.mark.parametrize("password", [DB_URL_PASSWORD, "x9Qz7k"])  # the longest, and the shortest taken so
@pytest.mark.parametrize("query", ["", "?sslmode=require", "?sslmode=verify-full&connect_timeout=10"])
def test_a_plain_database_urls_password_is_masked_in_every_form_and_its_host_stays_readable(query, password):
    """A PostgreSQL URL of one host and a database (and settings such as sslmode) registers its credentials, not
    the URL whole: every encoding of a text holding the password holds one of the password's own forms, so the
    URL's forms would only repeat them (a fleet of databases each with its own password paid for them in every
    snapshot of the redactor), and its host and database name stay readable, as a service URL's do."""
    url = f"postgresql://fleet_checker_017:{password}@db-17.internal:5432/shop{query}"
    redactor = Redactor()
    redactor.add(url)
    assert redactor.text(url) == f"postgresql://[redacted {fingerprint('fleet_checker_017:' + password)}]" \
                                 f"@db-17.internal:5432/shop{query}"
    for form, text in _db_url_forms(url).items():
        if form.startswith("cut") and len(password) - 2 < Redactor.MIN_RUN:
            continue  # as for every secret, fewer of its characters than MIN_RUN at a text's edge are left as they are
        cleaned = redactor.text(text)
        assert password not in cleaned and "[redacted" in cleaned, (form, cleaned)


@pytest.mark.parametrize("url", [
    f"postgresql://checker:{DB_URL_PASSWORD}@db.internal:5432/shop?password=Qm7sTz9xLw2",  # libpq reads it
    f"postgresql://checker:{DB_URL_PASSWORD}@db.internal:5432/shop?sslpassword=Qm7sTz9xLw2",
    f"postgresql://checker:{DB_URL_PASSWORD}@db.internal:5432/shop?application_name=Qm7sTz9xLw2",
    f"postgresql://checker:{DB_URL_PASSWORD}@db-a.internal:5432,db-b.internal:5432/shop",
    f"postgresql://checker:{DB_URL_PASSWORD}@db.internal:5432/shop#Qm7sTz9xLw2",
    f"redis://:{DB_URL_PASSWORD}@cache.internal:6379/Qm7sTz9xLw2",
    "postgresql://checker:x9Qz7@db.internal:5432/Qm7sTz9xLw2",  # too short a password for its forms to find it
    "postgresql://Qm7sTz9xLw2@db.internal:5432/shop",  # no password: nothing but the URL says what is secret
])
def test_a_database_url_with_more_than_a_host_and_a_database_stays_one_secret_whole(url):
    """Where a URL may carry a secret beyond its userinfo — a query setting other than sslmode's kind, a fragment,
    several hosts, another scheme's path — or its password is too short for the password's own forms to find it
    in every encoding of the URL (base32 of a URL holding a 5-character password holds none of them), it is
    registered whole, as before: nothing of it shows."""
    redactor = Redactor()
    redactor.add(url)
    cleaned = redactor.text(f"dsn={url};")
    assert cleaned.startswith("dsn=[redacted ") and cleaned.endswith("];"), cleaned
    assert "Qm7sTz9xLw2" not in cleaned and "internal" not in cleaned


def test_capitalised_words_in_a_secret_urls_path_stay_readable():
    redactor = Redactor()
    redactor.add_declared("https://hooks.example.com/Production/Webhooks/T0CANARY1xy")
    assert redactor.text("env Production, Webhooks on") == "env Production, Webhooks on"
    assert "T0CANARY1xy" not in redactor.text("posted to /T0CANARY1xy")


def test_long_secrets_cost_memory_in_proportion_to_their_length():
    """Five 2 KB service-account keys: the index of their cut edges grows with their length, not its square
    (every prefix stored apart took 25 MB a key). 37 MB today, 7.3 MB a key: five keys (not twenty) keep what
    tracemalloc slows down to a few seconds, and the bound still lies far below square growth."""
    import tracemalloc

    keys = [random.token_urlsafe(1500) for _ in range(5)]
    tracemalloc.start()
    try:
        redactor = Redactor()
        for key in keys:
            redactor.add_declared(key)
        assert keys[3][:40] not in redactor.text(f"excerpt ending {keys[3][:40]}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60 * 2**20, peak


def test_a_fingerprint_key_from_outside_is_not_taken(tmp_path):
    """Only a run's own xdist workers take the key handed to them: one set in the caller's environment would let
    whoever set it test guesses against the fingerprints."""
    import hmac

    from opsverify.secrets import FINGERPRINT_KEY_ENV

    runbook = make_runbook(tmp_path / "rb")
    planted = "ab" * 32
    found = _fingerprints(runbook, env={FINGERPRINT_KEY_ENV: planted})["S1"]
    guessed = hmac.new(bytes.fromhex(planted), b"https://shop.example", hashlib.sha256).hexdigest()[:8]
    assert found and f"hmac:{guessed}" not in found


# -- a secret's bytes as programs show them, broken across lines, and short ------------------------------------
UNI = "CNRYünïΩkey7f3e9Wv"  # non-ASCII: its bytes are shown many ways
EURO = "CNRY€uro7f3e9Wv"  # a byte (0x82) that Windows-1252 and Latin-1 read differently
PLUS = "CNRYapi+Key/7f3e9Qx2Lm8Zt="
EQUALS = "CNRYab=cd7f3e9Qx2"


def _upper_hex(text: str) -> str:
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: "\\x" + m.group(1).upper(), text)


def _pg_escape(value: str) -> str:
    """PostgreSQL's encode(…, 'escape'): a byte with its high bit set as \\ooo, a backslash doubled."""
    return "".join("\\\\" if b == 0x5C else chr(b) if b < 0x80 else f"\\{b:03o}" for b in value.encode())


SHOWN = {  # what a program makes of a secret's bytes or characters
    "bytes-repr": (UNI, lambda s: repr(s.encode())),  # httpcore's DEBUG log of headers, a bytea read as bytes
    "bytes-repr-upper-hex": (UNI, lambda s: _upper_hex(repr(s.encode()))),
    "python-ascii": (UNI, ascii),
    "latin-1-mojibake": (UNI, lambda s: s.encode().decode("latin-1")),  # UTF-8 read as charset=iso-8859-1
    "windows-1252-mojibake": (EURO, lambda s: s.encode().decode("cp1252")),  # what browsers read iso-8859-1 as
    "nfd": (UNI, lambda s: unicodedata.normalize("NFD", s)),
    "nfc": (unicodedata.normalize("NFD", UNI), lambda s: unicodedata.normalize("NFC", s)),
    "quoted-printable": (UNI, lambda s: quopri.encodestring(s.encode()).decode()),
    "quoted-printable-equals": (EQUALS, lambda s: quopri.encodestring(s.encode()).decode()),  # '=' is =3D
    "postgres-escape": (UNI, _pg_escape),
    "hex-colons": (PLUS, lambda s: s.encode().hex(":")),
    "hex-colons-upper": (UNI, lambda s: s.encode().hex(":").upper()),
    "base32": (PLUS, lambda s: base64.b32encode(s.encode()).decode()),
    "plus-read-as-space": (PLUS, lambda s: s.replace("+", " ")),  # a form-decoded echo
    "rfc4514": (PLUS, lambda s: _subject(s).rfc4514_string()),  # a certificate's subject
    "rfc4514-openssl": (PLUS, lambda s: "CN=" + re.sub(r'[,+"\\<>;=#]', lambda m: "\\" + m.group(), s)),
}


def _subject(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.mark.parametrize("form", SHOWN, ids=list(SHOWN))
def test_a_secret_is_found_in_the_forms_programs_show_its_bytes_in(form):
    secret, show = SHOWN[form]
    redactor = Redactor()
    redactor.add(secret)
    shown = show(secret)
    cleaned = redactor.text(f"got {shown} from the target")
    assert shown not in cleaned and f"[redacted {fingerprint(secret)}]" in cleaned, cleaned


LONG = "CNRYdbpw7f3e9Qx2Lm"
PHRASE = "correct horse battery staple"
MIME = base64.encodebytes(b"payload:" + b"x" * 40 + LONG.encode()).decode()
QP = quopri.encodestring(b"x" * 70 + UNI.encode()).decode()
BROKEN = {  # a secret broken across lines: (the secret, the text it is in, the pieces on each side of the break)
    "lf-inside": (LONG, f"key ({LONG[:9]}\n{LONG[9:]})", [LONG[:9], LONG[9:]]),
    "crlf-folded-header": (PLUS, f"X-Api-Key: {PLUS[:12]}\r\n {PLUS[12:]}\r\n", [PLUS[:12], PLUS[12:]]),
    "tab-folded": (PLUS, f"key {PLUS[:6]}\n\t{PLUS[6:]}", [PLUS[:6], PLUS[6:]]),
    "mime-base64-76": (LONG, MIME, [MIME[60:76], MIME[77:88]]),
    "qp-soft-break": (UNI, QP, ["CNRY=", "=C3=BCn"]),
    "split-after-its-own-equals": (EQUALS, f"v={EQUALS[:7]}\n{EQUALS[7:]};", [EQUALS[:7], EQUALS[7:]]),
    "its-last-equals-before-a-break": (PLUS, f"{PLUS[:10]}\n{PLUS[10:]}\nnext", [PLUS[:10], PLUS[10:]]),
    "word-wrapped-passphrase": (PHRASE, "pass: correct horse\nbattery staple.", ["correct horse", "battery staple"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_secret_broken_across_lines_is_found(case):
    """A wrapped log line, a folded header, MIME's base64 wrapped at 76 columns, quoted-printable's soft break:
    a text with a line break is read without its breaks, and what is found there is masked across the break."""
    secret, text, pieces = BROKEN[case]
    redactor = Redactor()
    redactor.add_declared(secret)
    cleaned = redactor.text(text)
    assert f"[redacted {fingerprint(secret)}]" in cleaned and not any(p in cleaned for p in pieces), cleaned


def test_a_qp_soft_break_lands_inside_the_secret():
    """(The quoted-printable case above is only a test if its soft break cuts the secret.)"""
    assert "CNRY=\n=C3" in QP and MIME[76] == "\n" and base64.b64encode(LONG.encode()).decode()[:8] in MIME[60:]


PEM = ("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtWd0DxFBUFjINzaF\n"
       "olyklgsgVLCHRcF+c9ggoaGbH2ChRANCAATYPnQKZEFkHckjnlBAAR9VHy95Ss9i\n"
       "0BdsOCAyfoFK1o8E1XebAIV38+NsASkzmqAO181RH8ePTtI2eAYMIyOg\n-----END PRIVATE KEY-----")
PEM_LINES = PEM.splitlines()
PEM_SHOWN = {
    "crlf": PEM.replace("\n", "\r\n"),
    "one-line-of-it": f"bad key line {PEM_LINES[2]}",
    "its-last-line": f"tail {PEM_LINES[3]} end",
    "body-joined": "GOOGLE_KEY=" + "".join(PEM_LINES[1:-1]),
    "yaml-block-indented": "key: |\n  " + "\n  ".join(PEM_LINES) + "\nnext: 1",
    "crlf-cut-at-an-excerpts-edge": PEM.replace("\n", "\r\n")[:120],
}


@pytest.mark.parametrize("case", PEM_SHOWN, ids=list(PEM_SHOWN))
def test_a_multi_line_secret_is_found_by_its_lines_and_joined(tmp_path, case):
    """A PEM key in a dotenv file (quoted, on several lines) is registered LF-joined; it travels CRLF-joined, a line
    at a time, its body on one line. Its armour is no secret: the BEGIN line stays readable."""
    (tmp_path / "web.env").write_text(f'GOOGLE_PRIVATE_KEY="{PEM}"\n')
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    target.read_env_sources()
    cleaned = target.redactor.text(PEM_SHOWN[case])
    for line in PEM_LINES[1:-1]:
        assert line[:16] not in cleaned and line[-16:] not in cleaned, cleaned
    armour = "body without -----BEGIN PRIVATE KEY-----"
    assert target.redactor.text(armour) == armour


SHORT = ["Zq9x7K", "Zq9x7Kp"]  # 6 and 7 characters: base64 behind a prefix keeps 5 or 6 characters of their own


@pytest.mark.parametrize("prefix", [b"", b"x", b"k=", b"user:"], ids=["offset-0", "offset-1", "offset-2", "basic"])
@pytest.mark.parametrize("secret", SHORT, ids=["6-chars", "7-chars"])
def test_a_short_secret_is_found_in_base64_at_every_offset(secret, prefix):
    redactor = Redactor()
    redactor.add_declared(secret)
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        wrapped = encode(prefix + secret.encode() + b"!").decode()
        cleaned = redactor.text(f"Authorization: Basic {wrapped}")
        assert f"[redacted {fingerprint(secret)}]" in cleaned, (wrapped, cleaned)


# a 6- or 7-character secret (a PIN-like password, the shortest a declared secret may be) and a target that
# respells it whole: shouted or folded (an upper-cased SQL result, a lower-cased header), its blank sent as '+',
# its '+' read as a blank, an NFD-written one normalised to NFC
SHORT_WHOLE = {
    "upper": ("Kx7#q2", str.upper),
    "lower": ("Kx7#q2", str.lower),
    "seven-upper": ("Ab3dEf9", str.upper),
    "seven-lower": ("Ab3dEf9", str.lower),
    "blank-as-plus": ("Kx 7q2", lambda s: s.replace(" ", "+")),
    "plus-as-blank": ("Kx+7q2", lambda s: s.replace("+", " ")),
    "upper-plus-as-blank": ("Kx+7q2", lambda s: s.upper().replace("+", " ")),
    "nfc-of-nfd": (unicodedata.normalize("NFD", "Kx7ç2é"), lambda s: unicodedata.normalize("NFC", s)),
}


@pytest.mark.parametrize("case", SHORT_WHOLE, ids=list(SHORT_WHOLE))
def test_a_short_secret_respelled_whole_is_masked(case):
    """A respelling of the whole secret is as telling as the secret, however short: only pieces of a secret (at an
    excerpt's edge, inside base64) need the longer MIN_RUN to be told from ordinary text."""
    secret, respell = SHORT_WHOLE[case]
    echoed = respell(secret)
    assert echoed != secret and len(echoed) < Redactor.MIN_RUN  # the case this is about
    redactor = Redactor()
    redactor.add_declared(secret)
    mark = f"[redacted {fingerprint(secret)}]"
    for text, cleaned in ((f"error: {echoed} end", f"error: {mark} end"),
                          (f"expected n = nomatch; saw n = '{echoed}'", f"expected n = nomatch; saw n = '{mark}'"),
                          (json.dumps({"row": {"n": echoed}}), json.dumps({"row": {"n": mark}}))):
        assert redactor.text(text) == cleaned, (case, text)
    for partial in (echoed[:5], echoed[1:], f"{echoed[:4]} {echoed[4:]}"):  # less than all of it: words stay
        assert redactor.text(f"saw {partial} here") == f"saw {partial} here", (case, partial)


def test_short_secrets_and_line_breaks_leave_ordinary_text_readable():
    """The short base64 pieces of 6- and 7-character secrets, and the text read without its line breaks, mask
    nothing in prose, code, ids and base64 that holds no secret: the project's own README and checklist docs."""
    from pathlib import Path

    redactor = Redactor()
    for secret in [*SHORT, "Tr0ub4", "7391846", UNI, PLUS, PHRASE]:
        redactor.add_declared(secret)
    root = Path(__file__).resolve().parents[1]
    for doc in ("README.md", "docs/checklists.md"):
        text = (root / doc).read_text(encoding="utf-8")
        blob = base64.encodebytes(text[:3000].encode()).decode()  # base64 of ordinary text, wrapped
        for shown in (text, blob):
            assert redactor.text(shown) == shown, [line for line in redactor.text(shown).splitlines()
                                                    if "[redacted" in line][:5]


# -- a secret holding JSON, and what a mask may cut ------------------------------------------------------------
SERVICE_ACCOUNT = {  # a Google service-account key, as a dotenv value holds it (pretty-printed, one field a line)
    "type": "service_account",
    "project_id": "shop-prod-4821",
    "private_key_id": "9f2c4e1ab77d3c0e5f6a8b9c0d1e2f3a4b5c6d7e",
    "private_key": PEM + "\n",
    "client_email": "deployer@shop-prod-4821.iam.gserviceaccount.com",
    "client_id": "104729385610293847561",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
    "universe_domain": "googleapis.com",
}
SA_KEY = json.dumps(SERVICE_ACCOUNT, indent=2)
PUBLIC_FIELDS = {k: v for k, v in SERVICE_ACCOUNT.items() if k not in ("private_key", "private_key_id")}


def _service_account_target(tmp_path):
    (tmp_path / "api.env").write_text(f"GCP_SERVICE_ACCOUNT_KEY='{SA_KEY}'\nNODE_ENV=production\n")
    target = make_target({"services": {"api": {"env": {"dotenv": str(tmp_path / "api.env")}}}})
    target.read_env_sources()
    return target


def test_a_json_secrets_lines_are_not_secrets_and_the_archive_keeps_its_json(tmp_path):
    """A service-account key of several lines: a line of it such as `"type": "service_account",` is JSON structure
    and public words, not key material. The archive's last scrub reads whole files: were such a line masked,
    results.json would lose its own structure (`"row": {[redacted …] "n": 3}`) and a public URL its text."""
    from opsverify.jsontext import readable

    redactor = _service_account_target(tmp_path).redactor
    row = {"type": "service_account", "n": 3}
    results = readable({"items": [{"id": "DB-1", "row": row}, {"id": "DB-2", "row": {**PUBLIC_FIELDS, "n": 1}}],
                        "said": "token from https://oauth2.googleapis.com/token"}).decode()
    for document in (results, json.dumps({"row": row}), json.dumps(PUBLIC_FIELDS, indent=2)):
        assert redactor.text(document) == document
    assert "shop-prod-4821" not in redactor.text(f"key:\n{SA_KEY}\nend")  # the key whole is still masked
    for line in PEM_LINES[1:-1]:  # and so is its key material, a line at a time
        assert line not in redactor.text(f"a line of it: {line}")
    cut = SA_KEY[:SA_KEY.index(PEM_LINES[1]) + 30]  # an excerpt that cut it inside its key (it holds URLs: no URL)
    key_id, mark = SERVICE_ACCOUNT["private_key_id"], fingerprint(SA_KEY)
    shown = f"sent {cut[:-30]}[redacted part of {mark}]…".replace(key_id, f"[redacted {mark}]")
    assert redactor.text(f"sent {cut}…") == shown


def test_no_form_or_cut_of_a_secret_breaks_the_json_it_is_written_in(tmp_path):
    """A mask may replace a string's content, never JSON's structure around it: every registered form of every
    kind of secret (JSON of one or several lines, a key, escapes, quotes, a trailing backslash), each written
    beside the structure results.json puts around a value and cut where an excerpt cuts it — also so that the
    form's own first or last characters (`{"`, `"}`) would fall on the document's — reads back as JSON."""
    from opsverify.jsontext import readable
    from opsverify.secrets import encodings

    client = {"client_id": "shop-web", "client_secret": "Zx9kQ2mP7wLt4Rv8Hn3B"}  # a JSON credential with no URL
    secrets = [SA_KEY, json.dumps(SERVICE_ACCOUNT), json.dumps(client), json.dumps(client, indent=2), PEM, ODD, PLUS,
               EQUALS, UNI, 'Zq8",{"k": [1]}\\', "CNRYback7f3e\\"]
    redactor = _service_account_target(tmp_path).redactor
    for secret in secrets:
        redactor.add_declared(secret)
    said = []
    for secret in secrets:
        for form in sorted({secret, *encodings(secret), *secret.splitlines()}):
            half = len(form) // 2
            said.append({form: [form, f"…{form[half:]}", f"{form[:half]}…", {"row": form, "n": 3}]})
            said += [{f"{form[k:half]}…": f"…{form[half:-k]}"} for k in (1, 2)]  # its ends on the document's
    document = {"rows": [PUBLIC_FIELDS, {"type": "service_account", "n": 3}], "said": said}
    for written in (readable(document).decode(), json.dumps(document, indent=2), json.dumps(document)):
        cleaned = json.loads(redactor.text(written))
        assert cleaned["rows"] == document["rows"]


# -- a target's text cut mid-secret, with words after the cut -------------------------------------------------
def pieces_shown(secret: str, text: str) -> list[str]:
    """Every piece of `secret` as long as the redactor's shortest masked run that `text` still shows."""
    run = Redactor.MIN_RUN
    return sorted({secret[at:at + run] for at in range(len(secret) - run + 1) if secret[at:at + run] in text})


def _migrations_outcome(tool: str, answers: dict, **params):
    from opsverify.families import migrations

    from .kit import make_check

    check = make_check("migrations", {"tool": tool, **params})
    facts = {"history": {(tool, check.params.history_table.label): answers}, "repo": {}}
    return migrations.judge(check, facts)


@pytest.mark.parametrize("tool, answers, params", [
    # a version no Flyway wrote, quoted (40 characters of it) in the middle of the message
    ("flyway", lambda echoed: {"history": [{"installed_rank": 1, "version": "v" * 20 + echoed, "description": "d",
                                            "type": "SQL", "script": "V1__d.sql", "checksum": 1, "success": True}]},
     {"latest": "1"}),
    # a lock granted "at" a text, not a time: its first 16 characters, then the fix
    ("liquibase", lambda echoed: {"history": [], "lock": [{"locked": True, "lockedby": "ci",
                                                           "lockgranted": "2026" + echoed}]},
     {"none_failed": True}),
], ids=["flyway-version", "liquibase-lock-time"])
def test_a_history_value_cut_mid_secret_leaves_no_piece_of_it(tool, answers, params):
    """A history row's text is cut where a message quotes it, and the message goes on after the cut: the cut is
    marked, so the redactor masks the piece of a secret the row echoed."""
    echoed = f"tok{random.token_hex(16)}"
    redactor = Redactor()
    redactor.add(echoed)
    outcome = _migrations_outcome(tool, answers(echoed), **params).redacted(redactor)
    shown = f"{outcome.observed} {json.dumps(outcome.evidence)}"
    assert "…" in shown and pieces_shown(echoed, shown) == [], shown


# -- an escaped copy of a secret cut mid-secret ---------------------------------------------------------------
SPELLS = "CaNaRy%Qz\\81'WxHVogXlBkBfdC%4e\\q'8sdVa68xPu6p"  # a backslash, a quote, an escape's spelling (`%4e`)
QUOTES = 'CaNaRy"Qz\\81\'WxHVogXlBkBfdC%4e\\q8sdVa68xPu6p'  # both quotes: repr escapes its `'` too
LETTER = "CaNaRy\\nQz81WxHVogXl%41kBfdCXe\\q8sdVa68xPu6p"  # spells `\n` and `%41`


@pytest.mark.parametrize("secret", [SPELLS, QUOTES, LETTER], ids=["spells-escapes", "both-quotes", "spells-newline"])
@pytest.mark.parametrize("quoting", [lambda s: json.dumps(s)[1:-1], lambda s: repr(s)[1:-1],
                                     lambda s: repr(repr(s))[1:-1], html.escape],
                         ids=["json", "repr", "repr-of-repr", "html"])
def test_an_escaped_copy_cut_mid_secret_leaves_no_piece_of_it(secret, quoting):
    """A target echoes a secret in a JSON body (its backslash doubled) and evidence cuts the body inside that copy:
    the piece cut short is found in each escaped form the whole secret is — also where the secret spells an escape
    (`%4e`, `\\n`) the unescaped view reads, and where an excerpt starts inside the copy, an escape cut in two."""
    from opsverify import display

    redactor = Redactor()
    redactor.add_declared(secret)
    echoed = quoting(secret)
    for at in range(Redactor.MIN_RUN, len(echoed)):
        body = '{"echo": "' + echoed + '", "n": 1}'
        ending = display.cut(body, len('{"echo": "') + at)
        starting = "…" + body[-at - len('", "n": 1}'):]  # an excerpt that kept the body's end
        for text in (ending, starting):
            cleaned = redactor.text(text)
            assert pieces_shown(secret, cleaned) == [], (text, cleaned)


def test_the_runs_own_keys_in_its_environment_are_secrets(tmp_path, monkeypatch):
    """The run hands its fingerprint and sharing keys to its xdist workers through the environment they inherit: a
    team test's `dict(os.environ)` under --showlocals printed both raw, and with the fingerprint key a 6-digit PIN's
    `hmac:` fingerprint in the archive is found by hashing the million candidates."""
    from opsverify import secrets

    environ: dict[str, str] = {}
    monkeypatch.setattr(secrets, "_fingerprint_key", secrets._fingerprint_key)  # restored after the test
    monkeypatch.setattr(secrets, "_sharing_key", secrets._sharing_key)
    secrets.use_fingerprint_key(environ)
    secrets.use_sharing_key(environ)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n')
    shown = engine.Run(env).redactor.text(repr(environ))
    assert sorted(environ) == ["OPSVERIFY_FINGERPRINT_KEY", "OPSVERIFY_SHARING_KEY"]
    assert not any(value in shown or value[:16] in shown for value in environ.values()), shown


def test_the_runners_own_secrets_are_secrets_and_its_settings_and_folders_stay_readable(tmp_path, monkeypatch):
    """A CI job's GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY (one that starts like a path too), a *_PASSWORD or *_API_KEY
    that no environment file cites are in the runner's environment all the same: a team test's `dict(os.environ)`
    printed them. Judged by the env source's names: a plain setting (SESSION_DRIVER=database) and a flag stay
    readable, and so do the folders and files a secret-sounding name holds (PWD, OLDPWD, XAUTHORITY), which
    messages name."""
    token, aws = f"ghs_{random.token_hex(18)}", f"/wJalrXUtnFEMI/K7MDENG/{random.token_hex(8)}"
    password, api_key = f"pw{random.token_hex(6)}", f"ak{random.token_hex(12)}"
    folder = tmp_path / "checkout" / "shop"
    folder.mkdir(parents=True)
    variables = {"GITHUB_TOKEN": token, "AWS_SECRET_ACCESS_KEY": aws, "DEPLOY_PASSWORD": password,
                 "MAPS_API_KEY": api_key, "SESSION_DRIVER": "database", "TOKENIZERS_PARALLELISM": "false",
                 "PWD": str(folder), "OLDPWD": str(tmp_path / "checkout"), "XAUTHORITY": str(tmp_path)}
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       variables)
    shown = engine.Run(env).redactor.text(repr(variables))
    assert not any(secret in shown for secret in (token, aws, password, api_key)), shown
    assert all(f"'{name}': '{variables[name]}'" in shown
               for name in ("SESSION_DRIVER", "TOKENIZERS_PARALLELISM", "PWD", "OLDPWD", "XAUTHORITY")), shown


@pytest.mark.parametrize("name, value", [
    ("CACHE_KEY_PREFIX", "cheersai"), ("SECRET_NAME", "shop-prod"), ("KEY_VAULT_NAME", "health"),
    ("SECRETS_MANAGER_REGION", "eu-west-1"), ("SEED_DATA", "enabled"), ("REFRESH_TOKEN_TTL", "604800"),
    ("DESKTOP_SESSION", "ubuntu"), ("ACTIONS_ID_TOKEN_REQUEST_URL",
                                    "https://pipelines.actions.example/00000000-0000-0000-0000-000000000000/idtoken"),
    ("OPENAI_MAX_TOKENS", "100000"), ("PASSWORD_RESET_TIMEOUT", "259200"), ("DEPLOY_TOKEN", "undefined"),
    ("DB_PASSWORD", "production"), ("POST_DEPLOY_HOOK", "scripts-notify"),
])
def test_a_runner_setting_under_a_secret_sounding_name_stays_readable(name, value, tmp_path, monkeypatch):
    """A runner's CACHE_KEY_PREFIX=cheersai (Django's, the app's name) masked that word in every message, and the run
    was refused (exit 20) for an item whose system held it; REFRESH_TOKEN_TTL=604800 hid a TTL, DESKTOP_SESSION=ubuntu
    the word ubuntu. Only a value shaped as a credential is learned from the runner's environment."""
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       {name: value})
    said = f"{name} is {value}; the cheersai web answers on ubuntu in eu-west-1"
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("name, value", [
    ("POSTGRES_PASSWORD", "postgres"), ("DB_PASSWORD", "password"), ("RABBITMQ_DEFAULT_PASS", "guest"),
    ("MYSQL_ROOT_PASSWORD", "Secret"), ("KEYCLOAK_ADMIN_PASSWORD", "keycloak"),
])
def test_a_service_containers_default_password_stays_readable(name, value, tmp_path, monkeypatch):
    """A CI job's service container is given POSTGRES_PASSWORD=postgres or DB_PASSWORD=password by custom: masked as
    the runner's secret, "postgres" and "password" were hidden in every message of the run, and an item named with
    the word was refused. A value anyone could guess guards nothing: it stays readable."""
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       {name: value})
    said = f"the password of the postgres role; {name} is {value}"
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("name, value", [
    ("SMTP_PASSWORD", "correct-horse-battery-staple"), ("ADMIN_PASSWORD", "Summer2024!"),
    ("DB_PASSWORD", "Tr0ub4dor&3"), ("PGPASSWORD", "s3cr3tpw"), ("WALLET_MNEMONIC", "abandon ability able about"),
    ("STRIPE_CLIENT_SECRET", "sunshine"), ("NPM_TOKEN", "hunter2"), ("DJANGO_SECRET_KEY", "changeme-please"),
    ("DB_PASS", "letmein"),
])
def test_a_runner_variable_named_a_password_or_secret_is_one_whatever_its_shape(name, value, tmp_path, monkeypatch):
    """A runner's ADMIN_PASSWORD=Summer2024! (11 characters), SMTP_PASSWORD=correct-horse-battery-staple (no digit)
    or PGPASSWORD=s3cr3tpw was shown whole in a team test's `dict(os.environ)` under --showlocals: only a value shaped
    as a token was learned. A name ending in PASSWORD, SECRET, TOKEN, a secret KEY… names the secret itself."""
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       {name: value})
    shown = engine.Run(env).redactor.text(repr({name: value}))
    assert value not in shown, shown


@pytest.mark.parametrize("name, value, secret", [
    ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/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",
     "Zk3mQ9wx2pCaB7dE1fG4hJ6k"),
    ("SENTRY_DSN", "https://4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d@o123456.ingest.sentry.io/7654321",
     "4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d"),
    ("REPLICA_PASSWORD_URL", "postgresql://reporter:Tr0ub4dorPa55w0rdX@db.internal:5432/app", "Tr0ub4dorPa55w0rdX"),
    ("PGPASSWORD", "postgres://reporter:short1@db.internal/app", "short1"),
])
def test_a_runner_variable_named_a_secret_holding_a_url_is_one_whole(name, value, secret, tmp_path, monkeypatch):
    """A URL was never shaped as a token, so a runner's SLACK_WEBHOOK_URL (its key in the path), SENTRY_DSN (its key
    as the user) and REPLICA_PASSWORD_URL were printed whole by a team test's dump of os.environ. Under a name that
    says secret the whole address is the secret, its key or password in it too."""
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       {name: value})
    shown = engine.Run(env).redactor.text(f"{name}={value} and then {secret}")
    assert value not in shown and secret not in shown, shown


def test_a_url_password_under_a_key_name_is_masked_and_its_host_stays_readable(tmp_path, monkeypatch):
    """A weak secret word (KEY, AUTH, SESSION) names prefixes and ids as often as credentials: the address under it is
    no secret, but the password in its user info is one whatever its shape (`default:r3dis` is sent as it is)."""
    value = "redis://default:r3dispw@cache.internal:6379/0"
    env = _environment(tmp_path, monkeypatch, 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n',
                       {"CACHE_KEY_URL": value})
    shown = engine.Run(env).redactor.text(f"CACHE_KEY_URL={value}")
    assert "r3dispw" not in shown and "cache.internal:6379/0" in shown, shown


_SHOP = 'systems: {shop: {services: {web: {url: "https://shop.example"}}}}\n'


@pytest.mark.parametrize("name, value", [
    ("GH_PAT", "ghp_" + "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7"),
    ("CI_JOB_JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqb2JfMTIzIn0.c2lnbmF0dXJlX29mX3RoZV9qb2JzX3Rva2Vu"),
    ("SONAR_LOGIN", "squ_" + "4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d5c4b3a29"),
])
def test_a_runner_variable_shaped_as_a_credential_is_one_whatever_its_name(name, value, tmp_path, monkeypatch):
    """GH_PAT (the common name of a GitHub token kept as a CI secret), GitLab's CI_JOB_JWT, SonarQube's SONAR_LOGIN:
    no secret word in the name, so a team test's dump of os.environ printed the token. Its shape says what it is."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(repr({name: value}))
    assert value not in shown, shown


@pytest.mark.parametrize("name, value, password", [
    ("DATABASE_URL", "postgres://app:Pa55w0rd-prod-7@db.internal:5432/app", "Pa55w0rd-prod-7"),
    ("REDIS_URL", "redis://default:happylittlecloud@cache.internal:6379/0", "happylittlecloud"),
])
def test_a_runner_address_gives_up_its_password_whatever_its_name(name, value, password, tmp_path, monkeypatch):
    """Heroku's DATABASE_URL and REDIS_URL, cited by no environment file, were shown with their passwords: the
    password of any runner address is masked, its host and database readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(f"{name}={value}")
    assert password not in shown and ".internal:" in shown, shown


@pytest.mark.parametrize("variables, word", [
    ({"POSTGRES_USER": "bakery", "POSTGRES_PASSWORD": "bakery", "POSTGRES_DB": "bakery"}, "bakery"),
    ({"DATABASE_URL": "postgres://postgres:postgres@localhost:5432/postgres"}, "postgres"),
    ({"DATABASE_URL": "postgresql://bakery:bakery@127.0.0.1/bakery_test"}, "bakery"),
    ({"ODBC_DSN": "warehouse"}, "warehouse"),
])
def test_a_runner_password_anyone_could_guess_stays_readable(variables, word, tmp_path, monkeypatch):
    """A CI job's service container, POSTGRES_USER=bakery POSTGRES_PASSWORD=bakery: 'bakery' was learned as a secret,
    hidden in every message, and a run of the system bakery refused (exit 20). A password that stands beside it as
    its user or database, or that the runner shows under a name saying nothing secret, guards nothing; an ODBC
    data source's name (ODBC_DSN=warehouse) is no key."""
    env = _environment(tmp_path, monkeypatch, _SHOP, variables)
    said = f"the {word} system's items; {variables}"
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("name, value, secret", [
    ("BASIC_AUTH", "deploy:happylittlehorse", "happylittlehorse"),
    ("DOCKER_AUTH_CONFIG", '{\n  "auths": {\n    "registry.example.com:5000": {\n'
                           '      "auth": "ZGVwbG95OmhhcHB5bGl0dGxlaG9yc2U="\n    }\n  }\n}',
     "ZGVwbG95OmhhcHB5bGl0dGxlaG9yc2U="),
])
def test_a_password_inside_a_runner_variable_named_as_a_secret_is_masked(name, value, secret, tmp_path, monkeypatch):
    """BASIC_AUTH=deploy:happylittlehorse (no digit: not token-shaped) and GitLab's DOCKER_AUTH_CONFIG written over
    lines (spaces: not one word) were shown whole: a `user:password` pair's password, and what a JSON object holds
    under a key naming a secret, are masked."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(repr({name: value}))
    assert secret not in shown, shown


@pytest.mark.parametrize("variables, secrets", [
    ({"BITBUCKET_CREDS": "jenkins-bot:SunnyMeadowRiver", "BITBUCKET_CREDS_USR": "jenkins-bot",
      "BITBUCKET_CREDS_PSW": "SunnyMeadowRiver"}, ["SunnyMeadowRiver"]),
    ({"DEPLOY_CREDS_PSW": "bluebird"}, ["bluebird"]),
    ({"REGISTRY_LOGIN": "dckr_pat_" + "2Fq8sLkXbWmVnTrYzAa1Cd3EfGh"}, ["dckr_pat_2Fq8sLkXbWmVnTrYzAa1Cd3EfGh"]),
    ({"TWINE_UPLOAD": "pypi-AgEIcHlwaS5vcmc" + "CJGQ3ZjE5NmFhLTM0ZWMtNGJhZi1hZDVkLTFmMmQ1YjQ3YjY0NwACKlsz"},
     ["pypi-AgEIcHlwaS5vcmcCJGQ3ZjE5NmFhLTM0ZWMtNGJhZi1hZDVkLTFmMmQ1YjQ3YjY0NwACKlsz"]),
])
def test_jenkins_credentials_variables_and_vendor_tokens_of_the_runner_are_masked(variables, secrets, tmp_path,
                                                                                   monkeypatch):
    """Jenkins' `X = credentials('id')` sets X=user:password, X_USR and X_PSW: CREDS and PSW were no secret words,
    so a team test's dump of os.environ printed the password three times; a Docker Hub token (dckr_pat_…) and a PyPI
    token (pypi-AgE…) under a plain name were no vendor's key. The user's name stays readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, variables)
    shown = engine.Run(env).redactor.text(repr(variables))
    assert not any(secret in shown for secret in secrets), shown
    assert all("jenkins-bot" in shown for name in variables if name.endswith("_USR")), shown


@pytest.mark.parametrize("name, value, password", [
    ("ConnectionStrings__DefaultConnection",
     "Server=tcp:acme.database.windows.net,1433;Database=shop;User ID=app;Password=BlueSky2024x;Encrypt=True",
     "BlueSky2024x"),
    ("DATABASE_CONNECTION", "host=db.internal user=app password=bluebird99z dbname=shop", "bluebird99z"),
    ("LEGACY_DB", "Driver={ODBC Driver 18};Server=db;Database=shop;Uid=app;Pwd={sun;flower};", "sun;flower"),
])
def test_a_connection_string_of_the_runner_under_a_plain_name_gives_up_its_password(name, value, password,
                                                                                      tmp_path, monkeypatch):
    """.NET's ConnectionStrings__DefaultConnection and a libpq key=value DATABASE_CONNECTION name no secret: the env
    source masks a connection string's password under any name, the runner's environment did not. Its host and
    database stay readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(repr({name: value}))
    assert password not in shown and "shop" in shown, shown


def test_a_connection_strings_password_anyone_could_guess_stays_readable(tmp_path, monkeypatch):
    variables = {"ConnectionStrings__Default": "Host=localhost;Username=postgres;Password=postgres;Database=shop"}
    env = _environment(tmp_path, monkeypatch, _SHOP, variables)
    said = f"the postgres role; {variables}"
    assert engine.Run(env).redactor.text(said) == said


_DOCKER_AUTH = base64.b64encode(b"ci-bot:RegistryPassw0rdX").decode()
_KUBECONFIG = ("apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://k8s.example\n"
               "users:\n- name: ci\n  user:\n    token: kubetokenQ7x9Zr2LmN4p\n    client-key-data: LS0tS2V5RGF0YQ==\n")


@pytest.mark.parametrize("name, value, secrets", [
    ("DOCKER_CONFIG_JSON", '{"auths": {"ghcr.io": {"auth": "%s"}}}' % _DOCKER_AUTH,
     [_DOCKER_AUTH, "RegistryPassw0rdX"]),
    ("DOCKER_CONFIG_B64", base64.b64encode(b'{"auths": {"ghcr.io": {"auth": "%s"}}}' % _DOCKER_AUTH.encode()).decode(),
     [_DOCKER_AUTH, "RegistryPassw0rdX"]),
    ("KUBE_CONFIG", _KUBECONFIG, ["kubetokenQ7x9Zr2LmN4p", "LS0tS2V5RGF0YQ=="]),
    ("KUBE_CONFIG_DATA", base64.b64encode(_KUBECONFIG.encode()).decode(), ["kubetokenQ7x9Zr2LmN4p"]),
    ("NETRC", "machine api.heroku.com login me@acme.io password 5a7c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4",
     ["5a7c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4"]),
    ("NPMRC", "registry=https://npm.acme.io/\n//npm.acme.io/:_authToken=quietriverstone\n"
              "//old.acme.io/:_auth=" + _DOCKER_AUTH + "\n", ["quietriverstone", _DOCKER_AUTH, "RegistryPassw0rdX"]),
])
def test_a_credential_file_in_a_runner_variable_is_read_by_its_content(name, value, secrets, tmp_path, monkeypatch):
    """A Docker config (raw or in base64), a kubeconfig (raw or in base64, as kubectl actions take it), a netrc and
    an .npmrc in a variable whose name says nothing secret were printed whole by a team test's dump of os.environ:
    what each holds as a credential is masked, and a value in base64 whole; its hosts stay readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(f"{name}={value}\n{base64.b64decode(_DOCKER_AUTH).decode()}\n"
                                          f"{value.encode('unicode_escape').decode()}")
    assert not any(secret in shown for secret in [*secrets, value]), shown


@pytest.mark.parametrize("said", [
    "machine learning: the password reset page answers", "login with user admin password: see the vault",
    "users: 3, token: none", '{"auths": {}, "theme": "dark"}',
])
def test_text_merely_naming_credential_files_words_stays_readable(said, tmp_path, monkeypatch):
    env = _environment(tmp_path, monkeypatch, _SHOP, {"MOTD": said})
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("name, value, word", [
    ("GITHUB_TOKEN_SCOPE", "read:metrics", "metrics"), ("AUTH_IMAGE", "keycloak:24.0.1", "24.0.1"),
    ("TOKEN_SCOPES", "repo:read_packages", "read_packages"), ("SESSION_STORE", "redis:7.2.4-alpine", "7.2.4-alpine"),
    ("KEY_VAULT_NAME", "acme-kv-prod01", "acme-kv-prod01"), ("AWS_SECRET_NAME", "shop-prod-2024", "shop-prod-2024"),
    ("KMS_KEY_ID", "8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e"),
    ("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-a1B2c3", "shop-db-a1B2c3"),
])
def test_a_runner_variable_describing_a_secret_is_no_password(name, value, word, tmp_path, monkeypatch):
    """GITHUB_TOKEN_SCOPE=read:metrics was read as user:password: 'metrics' masked in every message and an item named
    metrics-up refused (exit 20); AUTH_IMAGE=keycloak:24.0.1 hid an image's tag. A name ending in SCOPE(S), IMAGE,
    TAG, VERSION, NAME, ARN or a KEY's ID describes a secret, and an image's version tag is no password."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    said = f"{name}={value}; the {word} item"
    assert engine.Run(env).redactor.text(said) == said


def test_a_describing_name_still_masks_a_vendors_key(tmp_path, monkeypatch):
    value = "ghp_" + "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7"
    env = _environment(tmp_path, monkeypatch, _SHOP, {"DEPLOY_TOKEN_NAME": value})
    assert value not in engine.Run(env).redactor.text(f"DEPLOY_TOKEN_NAME={value}")


# -- probe 276: the runner's values after the rules above ----------------------------------------------------------
_PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vq3vXk9sZ2m"


@pytest.mark.parametrize("name, value, secret", [
    ("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/shop?user=shop&password=Zq8vLr2mWx", "Zq8vLr2mWx"),
    ("DATABASE_URL", "postgresql://db/shop?user=shop&password=Zq8vLr2mWx", "Zq8vLr2mWx"),
    ("GCP_SERVICE_ACCOUNT", '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n'
                            + _PEM_BODY + '\\n-----END PRIVATE KEY-----\\n"}', _PEM_BODY),
])
def test_a_query_password_or_a_private_key_of_the_runner_under_a_plain_name_is_masked(name, value, secret, tmp_path,
                                                                                      monkeypatch):
    """A JDBC (or libpq) URL's ?password= and a service-account JSON's private key under a name saying no secret were
    printed whole by a team test's dump of os.environ: the env source's rules (a URL's query password, a private key
    under any name) apply to the runner's variables too; a URL's host stays readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    shown = engine.Run(env).redactor.text(f"{name}={value}\n{secret}")
    assert secret not in shown, shown
    if "://" in value:
        assert "db" in shown and "shop" in shown, shown


@pytest.mark.parametrize("name, value, word", [
    ("CI_COMMIT_MESSAGE", "cli: replace the --password flag with a prompt\n\nWith password = None the deploy CLI now "
                          "asks interactively.", "None"),
    ("BUILDKITE_MESSAGE", "fix: password = None handling in the flag parser", "None"),
    ("AUTH_AUDIENCE", "api:bakery", "bakery"), ("TOKEN_ISSUER", "urn:bakery", "bakery"),
    ("TOKEN_STORE", "redis:tokens", "tokens"),
    ("SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_KEYCLOAK_TOKEN_URI",
     "https://sso.example.com/realms/shop/protocol/openid-connect/token", "sso.example.com"),
])
def test_a_runner_value_that_only_mentions_a_password_or_describes_a_token_stays_readable(name, value, word, tmp_path,
                                                                                        monkeypatch):
    """A commit message saying `password = None` (GitLab's CI_COMMIT_MESSAGE, Buildkite's) was read as a connection
    string: 'None' masked in every message and an item named with a word of it refused, by whichever commit was pushed
    last; a token's audience, issuer, store or endpoint masked a system's name or a public URL."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    said = f"got {word} from {value}"
    assert engine.Run(env).redactor.text(said) == said


# -- fix 220: credential formats of the runner's environment still printed whole ----------------------------------
_GITHUB_CLASSIC = "4f9a2c1e8b7d6a5f3e2d1c0b9a8f7e6d5c4b3a29"  # a classic token's 40 hex digits, no prefix
_COMPOSER_AUTH = json.dumps({
    "http-basic": {"repo.packagist.com": {"username": "ci-bot", "password": "sunnymeadowriver"}},
    "github-oauth": {"github.com": _GITHUB_CLASSIC},
    "gitlab-token": {"gitlab.example.com": "quietriverstone",
                     "gitlab.com": {"username": "ci-bot", "token": "glvalleyfog"}},
    "gitlab-oauth": {"gitlab.org": "oauthmistymoor"}, "bearer": {"repo.example.org": "bearerstillwater"},
    "bitbucket-oauth": {"bitbucket.org": {"consumer-key": "ckeyamberhill", "consumer-secret": "csecretbluelake"}},
})
_COMPOSER_SECRETS = [_GITHUB_CLASSIC, "sunnymeadowriver", "quietriverstone", "glvalleyfog", "oauthmistymoor",
                     "bearerstillwater", "ckeyamberhill", "csecretbluelake"]


@pytest.mark.parametrize("name", ["COMPOSER_AUTH", "PHP_REPOSITORIES"])
def test_composer_auth_json_in_a_runner_variable_gives_up_every_credential(name, tmp_path, monkeypatch):
    """Composer reads COMPOSER_AUTH as its auth.json: an http-basic password, a github-oauth, gitlab-token,
    gitlab-oauth or bearer token (a string under the host's name: no key names it a secret), a bitbucket-oauth
    consumer's key and secret. Each was printed whole by a team test that printed one of them (under a plain name,
    the whole file too); the hosts and the user stay readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: _COMPOSER_AUTH})
    shown = engine.Run(env).redactor.text(f"{name}={_COMPOSER_AUTH}\n" + " ".join(_COMPOSER_SECRETS))
    assert [secret for secret in _COMPOSER_SECRETS if secret in shown] == [], shown
    said = "ci-bot on repo.packagist.com, github.com, gitlab.example.com, bitbucket.org"
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("user", [_GITHUB_CLASSIC, "ghp_" + "k3X9mQ2wZp7LrT4vB8nC1dF6gH0jY5sA2eR7"])
def test_a_token_as_a_runner_urls_user_is_masked_and_the_host_stays_readable(user, tmp_path, monkeypatch):
    """GitHub takes a token as a URL's user with no password (`https://<token>@github.com/org/repo.git`): a classic
    token's 40 hex digits, no vendor's prefix, was printed whole under a plain name (REPO_URL)."""
    value = f"https://{user}@github.com/acme/shop.git"
    env = _environment(tmp_path, monkeypatch, _SHOP, {"REPO_URL": value})
    redactor = engine.Run(env).redactor
    shown = redactor.text(f"REPO_URL={value}\ncloning with {user}")
    assert user not in shown, shown
    said = "pushed to https://github.com/acme/shop.git"
    assert redactor.text(said) == said


@pytest.mark.parametrize("value", ["https://git@github.com/acme/shop.git", "https://deploy-bot@git.example.com/shop",
                                   "ssh://git@github.com/acme/shop.git"])
def test_a_plain_user_of_a_runner_url_stays_readable(value, tmp_path, monkeypatch):
    env = _environment(tmp_path, monkeypatch, _SHOP, {"REPO_URL": value})
    said = f"REPO_URL={value}"
    assert engine.Run(env).redactor.text(said) == said


_CHECKOUT_BASIC = base64.b64encode(b"x-access-token:sunnymeadowriver").decode()


@pytest.mark.parametrize("header, secrets", [
    (f"AUTHORIZATION: basic {_CHECKOUT_BASIC}", [_CHECKOUT_BASIC, "sunnymeadowriver"]),
    ("Authorization: Bearer quietriverstone", ["quietriverstone"]),
    ("Proxy-Authorization: Basic " + base64.b64encode(b"ci:bluelakestone").decode(), ["bluelakestone"]),
])
def test_an_authorization_header_in_a_runners_git_config_gives_up_its_credential(header, secrets, tmp_path,
                                                                                  monkeypatch):
    """Git reads GIT_CONFIG_COUNT, GIT_CONFIG_KEY_n and GIT_CONFIG_VALUE_n as its config: an http.extraheader of
    `AUTHORIZATION: basic <base64>` (what actions/checkout persists) or `Authorization: Bearer …` was printed whole
    by a dump of os.environ; its credential is masked, a Basic pair's password too. The key stays readable."""
    variables = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.https://github.com/.extraheader",
                 "GIT_CONFIG_VALUE_0": header}
    env = _environment(tmp_path, monkeypatch, _SHOP, variables)
    shown = engine.Run(env).redactor.text(f"{variables}\n" + " ".join(secrets))
    assert [secret for secret in secrets if secret in shown] == [], shown
    assert "'GIT_CONFIG_KEY_0': 'http.https://github.com/.extraheader'" in shown, shown


_MAVEN_SETTINGS = ("<settings>\n  <servers>\n    <server>\n      <id>nexus-releases</id>\n"
                   "      <username>deploy</username>\n      <password>sunnymeadowriver</password>\n    </server>\n"
                   "    <server><id>signing</id><passphrase>quietriverstone</passphrase></server>\n"
                   "    <server><id>env</id><password>${env.NEXUS_PASSWORD}</password></server>\n"
                   "  </servers>\n</settings>\n")
_HELM_VALUES = ("postgresql:\n  auth:\n    username: shop\n    password: \"sunnymeadowriver\"  # rotated\n"
                "    existingSecret: shop-postgres\napi:\n  token: quietriverstone\n  replicas: 2\n"
                "redis:\n  auth:\n    enabled: true\n    password: ${REDIS_PASSWORD}\n")
_GRADLE_PROPERTIES = ("signing.keyId=24875D73\nsigning.password=sunnymeadowriver\n"
                      "signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg\nossrhUsername=acme\n"
                      "mavenPassword=quietriverstone\n")
_PGPASS = "# the replicas\ndb.internal:5432:shop:app:sunnymeadowriver\n*:*:*:reporter:quiet\\:riverstone\n"


@pytest.mark.parametrize("name, value, secrets, readable", [
    ("MAVEN_SETTINGS", _MAVEN_SETTINGS, ["sunnymeadowriver", "quietriverstone"], ["nexus-releases", "deploy"]),
    ("MAVEN_SETTINGS_B64", base64.b64encode(_MAVEN_SETTINGS.encode()).decode(),
     ["sunnymeadowriver", "quietriverstone"], ["nexus-releases"]),
    ("HELM_VALUES", _HELM_VALUES, ["sunnymeadowriver", "quietriverstone"], ["shop-postgres", "shop"]),
    ("GRADLE_PROPERTIES", _GRADLE_PROPERTIES, ["sunnymeadowriver", "quietriverstone"], ["24875D73", "acme"]),
    ("GRADLE_PROPERTIES_B64", base64.b64encode(_GRADLE_PROPERTIES.encode()).decode(),
     ["sunnymeadowriver", "quietriverstone"], ["24875D73"]),
    ("PGPASS_FILE_CONTENT", _PGPASS, ["sunnymeadowriver", "quiet:riverstone", "quiet\\:riverstone"],
     ["db.internal", "reporter"]),
])
def test_a_settings_file_in_a_runner_variable_gives_up_its_passwords(name, value, secrets, readable, tmp_path,
                                                                     monkeypatch):
    """A Maven settings.xml (a server's password or passphrase), Helm values (a `password:` or `token:`), Gradle
    properties (`signing.password=`, `mavenPassword=`) and a .pgpass's lines in a variable whose name says nothing
    secret, raw or in base64, were printed whole by a dump of os.environ: found by content as the other credential
    files are, their passwords are masked (the base64 whole); a reference (`${env.X}`), hosts, ids and users stay
    readable."""
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    redactor = engine.Run(env).redactor
    shown = redactor.text(f"{name}={value}\n" + " ".join(secrets))
    assert [secret for secret in [*secrets, value] if secret in shown] == [], shown
    said = "the " + ", ".join(readable) + " items; ${env.NEXUS_PASSWORD}, ${REDIS_PASSWORD}"
    assert redactor.text(said) == said


@pytest.mark.parametrize("name, value, word", [
    ("CI_COMMIT_MESSAGE", "deploy: rotate the token\n\ntoken: none is sent now\nReviewed-by: Ann", "none"),
    ("HELM_VALUES", "auth:\n  enabled: true\n  existingSecret: bakery\n  password: \"\"\n", "bakery"),
    ("HELM_VALUES", "auth:\n  token: false\n  password: changeme\n", "changeme"),
    ("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:/opt/bakery", "bakery"),
    ("BUILD_STAMP", "ci:2024:bakery:x:y", "bakery"),
    ("GIT_CONFIG_VALUE_0", "AUTHORIZATION: basic ***", "***"),
    ("GIT_CONFIG_VALUE_1", "Authorization: see the vault", "vault"),
    ("POM_NOTE", "<settings><password> is read from the vault</settings>", "vault"),
])
def test_a_runner_value_shaped_like_a_settings_file_without_a_credential_stays_readable(name, value, word, tmp_path,
                                                                                         monkeypatch):
    env = _environment(tmp_path, monkeypatch, _SHOP, {name: value})
    said = f"the {word} item; {value}"
    assert engine.Run(env).redactor.text(said) == said


@pytest.mark.parametrize("value", [
    "a: b\n" * 20_000, "password: " + " " * 80_000 + "x", "<server><password>" + " " * 80_000,
    "authorization: basic" + " " * 80_000, "- " * 40_000 + "password: x", ":" * 80_000, "\\" * 80_000,
    '{"bearer": ' + "[" * 40_000,
])
def test_reading_a_runner_variable_for_credential_files_costs_linear_time(value):
    """Each file's markers, then its parse, once over the value: 16 times the value costs about 16 times the CPU,
    not 256. Measured as a ratio in one process, so a slow or loaded machine decides nothing."""
    import time

    from opsverify import ambient

    def cpu_to_read(text: str) -> float:
        start = time.process_time()
        ambient.named_credential_files({"SOME_VALUE": text})
        return time.process_time() - start

    small = min(cpu_to_read(value[:len(value) // 16]) for _ in range(3))
    whole = cpu_to_read(value)
    assert whole < 64 * max(small, 0.002), (whole, small)
