"""What reads as a credential written into a checklist: a header's or a query parameter's name (x-api-key,
?access_token=), a cookie's (PHPSESSID), or a value's shape whatever its name (a JWT, `Bearer <token>`, a vendor's
key: ghp_…, sk_live_…, AKIA…). An http item's headers and every family's URL path are judged by these at load: a
credential written in would be sent, shown and archived as written."""

from __future__ import annotations

import base64
import binascii
import json
import re

# a name that says it carries a credential (authorization, x-api-key, cookie, x-session-token, an identity proxy's
# x-goog-iap-jwt-assertion, …), read by its words: any of these, or a word of 5 letters or more of them beginning or
# ending another (x-authtoken, Authorisation), a version's digits after it aside (IBM's LtpaToken2, Auth0's auth0) …
CREDENTIAL_WORDS = frozenset({"auth", "authorization", "authorisation", "authentication", "token", "secret", "secrets",
                              "password", "passwd", "passphrase", "pwd", "credential", "credentials", "cookie",
                              "session", "signature", "jwt", "bearer", "assertion", "apikey", "hmac", "otp", "pin"})
# … auth at a word's end (Apiauth, x-oauth; not x-author) …
FUSED_LAST_WORDS = ("auth",)
# … key or pass as a word of it or at an end of one (x-api-key, x-api-key-id, x-accesskey, x-passcode, x-userpass) —
# not in an ordinary word (keyboard, passenger, compass), nor a key that names data, not access (idempotency-key,
# x-cache-key, x-partition-key, x-sort-keys) —, or bypass, sig or sign as its last word (x-vercel-protection-bypass,
# Kraken's API-Sign; not x-bypass-cache)
KEY_WORDS = ("key", "keys", "pass")
ORDINARY_WORDS = frozenset({"keyboard", "keyword", "keywords", "keyspace", "keynote", "monkey", "turkey", "donkey",
                            "hockey", "jockey", "whiskey", "passenger", "passengers", "compass", "passport", "passive",
                            "passthrough", "bypass"})
LAST_CREDENTIAL_WORDS = frozenset({"bypass", "sig", "sign"})
# (a public key, a Stripe publishable key, is given out: no secret)
NOT_CREDENTIAL_KEYS = frozenset({"idempotency", "cache", "sort", "primary", "partition", "routing", "shard", "row",
                                 "public", "publishable"})
# vendors' credential headers no word rule reads (Honeycomb's team key, Artifactory's API key, OVH's consumer key —
# its application key, X-Ovh-Application, is an app's id, useless without the secret that signs X-Ovh-Signature —,
# Docker's registry config: base64 JSON of each registry's user and password)
VENDOR_CREDENTIAL_NAMES = frozenset({"x-honeycomb-team", "x-jfrog-art-api", "x-ovh-consumer", "x-registry-config"})
# a CSRF token: a credential when its value is a token (`X-XSRF: a8f9d0…`), not the marker some frameworks ask for
# (`X-CSRF: 1`, Duende BFF's)
TOKEN_VALUED_WORDS = frozenset({"csrf", "xsrf"})

# a value under a credential's name that says it is none: an authorization scheme alone (`X-Token-Type: bearer`), or
# words of a closed list saying a credential is wrong or missing, after a scheme or not (`Authorization: Bearer
# invalid`, a negative check expecting 401; `Bearer expired-token`, `X-Api-Key: none`) — never a password's words
# (test, admin, changeme, secret alone)
AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "negotiate", "apikey", "dpop"})
NO_CREDENTIAL_WORDS = frozenset({"invalid", "wrong", "bad", "nope", "bogus", "expired", "revoked", "fake", "dummy",
                                 "none", "null", "nil", "undefined", "empty", "true", "false", "malformed", "incorrect",
                                 "unknown", "missing", "garbage", "forged", "tampered", "nonexistent"})
# … beside which these may stand (`invalid-token`, `wrong_password`, `expired_jwt`, `invalid-api-key`,
# `expired-access-token`): words no secret is made of alone
BESIDE_NO_CREDENTIAL = frozenset({"not", "a", "an", "real", "valid", "token", "key", "jwt", "secret", "password",
                                  "credential", "credentials", "signature", "session", "cookie", "auth", "value",
                                  "api", "access"})
# a signature written in its vendor's format: `key=value` pieces apart by `,` or `;` (or Svix's `v1,<signature>`)
# whose keys label a scheme, a version or a timestamp (GitHub's `sha256=…`, Slack's `v0=…`, Stripe's `t=…,v1=…`,
# Paddle's `ts=…;h1=…`): the words after the labels are the value's (`sha256=invalid`, a negative check), a
# timestamp's digits are none
SIGNATURE_LABEL = re.compile(r"sha(?:1|256|512)|v\d|h1|ts?", re.IGNORECASE)
TIMESTAMP_LABELS = frozenset({"t", "ts"})
# a name whose last word says its value describes a credential, not carries one (X-Token-Type, X-Session-Affinity,
# oauth2-proxy's X-Auth-Request-Redirect and its identity headers, X-Auth-Request-User, -Groups, -Preferred-Username,
# Discord's X-Signature-Timestamp, a lifetime: X-Session-Timeout, X-Token-Expires-In; a cookie banner's answer:
# X-Cookie-Consent; a key's or a project's id after it: X-Key-Id, X-Auth-Project-Id — a session's id is one)
DESCRIBING_WORDS = frozenset({"type", "affinity", "redirect", "algorithm", "algorithms", "alg", "method", "mode",
                              "version", "scheme",
                              "timestamp", "user", "username", "group", "groups", "role", "roles", "project",
                              "timeout", "expires", "ttl", "consent"})
IDS_OF = frozenset({"key", "project"})
# … of which these take digits of any length (`X-Key-Id: 20240101`, `X-Signature-Timestamp: 1700000000`)
DIGITS_DESCRIBING_WORDS = frozenset({"id", "version", "timestamp"})
# … a value of one run of 8 letters or digits or more under it is a password (`X-Auth-Mode: correcthorsebat`) but a
# scheme, a word of the closed list above or one of these (`X-Auth-Method: kerberos`), or digits under a key's id, a
# version or a timestamp (`X-Key-Id: 20240101`)
DESCRIBING_VALUES = frozenset({"password", "passwordless", "kerberos", "anonymous", "optional", "required", "disabled",
                               "internal", "external", "implicit", "explicit", "persistent", "temporary", "permanent",
                               "webauthn", "oauthbearer", "sourceip", "clientip", "consistent", "roundrobin",
                               "certificate", "standard", "strict", "accepted", "rejected", "dismissed", "necessary"})
LONGEST_DESCRIBING_RUN = 7
# vendors' headers named as credentials that take flags alone (Vercel's, beside its protection bypass; SAP Gateway's
# `X-CSRF-Token: Fetch`, asking for a token; Atlassian's `X-Atlassian-Token: no-check`, saying a call needs none)
VENDOR_FLAGS = {"x-vercel-set-bypass-cookie": frozenset({"true", "samesitenone"}),
                "x-csrf-token": frozenset({"fetch"}), "x-atlassian-token": frozenset({"no-check", "nocheck"})}
# … and a value written as what the name's last word says it is: an identity's user as a name, Swift TempAuth's
# account:user, an e-mail address or a numeric id (`deployer`, `alice.smith`, `test:tester`, `ci-bot@example.com`,
# Google's 21-digit OIDC subject; one holding a run of 6 or more with a digit, or of 16 letters, is judged as before),
# a lifetime or a timestamp as an ISO 8601 time (`2026-12-31T23:59:59Z`), an algorithm as algorithms' names
# (`HMAC-SHA256`, `sha256`, `ES256`, `Ed25519`, `rsa-pss-sha512`, `AWS4-HMAC-SHA256`), a key's or a project's id as a
# UUID, a project's also as Keystone writes every id (32 lowercase hex) — a key's 32 hex could be the key itself
USER_WORDS = frozenset({"user", "username"})
USER_NAME = re.compile(r"[A-Za-z]+(?:[._-][A-Za-z]+)*(?::[A-Za-z]+(?:[._-][A-Za-z]+)*)?")
TIME_WORDS = frozenset({"expires", "timestamp", "timeout", "ttl"})
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
KEYSTONE_ID = re.compile(r"[0-9a-f]{32}")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
                      re.IGNORECASE)
ALGORITHM_WORDS = frozenset({"algorithm", "algorithms", "alg"})
ALGORITHM_PARTS = frozenset({"hmac", "sha", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3", "md5", "rsa",
                             "rsassa", "pkcs1", "pss", "ecdsa", "eddsa", "ed25519", "ed448", "p256", "p384", "p521",
                             "aws4", "hs256", "hs384", "hs512", "rs256", "rs384", "rs512", "es256", "es256k", "es384",
                             "es512", "ps256", "ps384", "ps512", "v1", "1", "5", "224", "256", "384", "512"})
# an account's e-mail address under a name saying so (Cloudflare's X-Auth-Email): an address is no secret
EMAIL_WORDS = frozenset({"email", "mail"})
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# the closed lists' words a value may fuse into one (`invalidtoken`, `expiredkey`, `notatoken`); a and an only after
# not, lest a run of a's and one word (`aaaabad`) read as words
FUSED_WORDS = (NO_CREDENTIAL_WORDS | BESIDE_NO_CREDENTIAL) - {"a", "an"} | {"nota", "notan"}
# … of which these say it is none, the others only beside them (`not-a-token`, `notarealkey` say so; `token` alone not)
SAYING_NONE = NO_CREDENTIAL_WORDS | {"not", "nota", "notan"}

# a value shaped as a credential whatever its name: a JWT (three base64url parts, the first `eyJ`: `{"`) anywhere in
# it, or the whole value an authorization scheme and its token (RFC 9110's `scheme SP token68`, nothing after it):
# Basic and base64 of `user:password`, Bearer and a token of 16 characters or one holding a digit —
# `Basic plan` or `bearer of bad news` is prose —, or Token and one of 16 characters or more (Django REST's,
# PagerDuty's `Token token=…`); a Bearer's or a Token's of the closed lists' words alone says it is none, however long
# (`Bearer not-a-valid-token`, a negative check), where a vendor's prefix or a JWT does not
JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{2,}\.[\w-]*")
SCHEME_TOKEN = re.compile(r"\s*+(Bearer|Basic)\s++([\w~+/.-]++=*+)\s*+", re.IGNORECASE)
# `Token …` (Django REST framework's, GitHub's old form), Okta's `SSWS …`, Elasticsearch's `ApiKey <base64>`
TOKEN_SCHEME = re.compile(r"\s*(?:Token|SSWS|ApiKey)\s+(?:token=)?[\w~+/.-]{16,}=*\s*", re.IGNORECASE)
# … or a vendor's key, by the prefix it is issued with: GitHub's, Stripe's secret and restricted keys and webhook
# secrets, Slack's, GitLab's, an AWS access key id (a long-lived AKIA…, a temporary ASIA…), OpenAI's (sk-proj-…, or
# sk- and 40 letters and digits: `sk-learn` is a word), Anthropic's, SendGrid's, npm's, Hugging Face's, Shopify's, a
# Google API key, a Telegram bot's (`bot123456789:AA…`, as its API's paths hold it), Docker Hub's personal access
# tokens, PyPI's and TestPyPI's (a macaroon in base64: `pypi-AgEIcHlwaS5vcmc…`, `AgE` its fixed first bytes)
VENDOR_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?:gh[opsur]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|[sr]k_(?:live|test)_\w{10,}"
                          r"|whsec_[A-Za-z0-9+/=]{16,}|xox[abpors]-[A-Za-z0-9-]{10,}|glpat-[\w-]{16,}"
                          r"|A[KS]IA[0-9A-Z]{16}(?![A-Za-z0-9])|sk-(?:proj|svcacct|admin|ant)-[\w-]{20,}"
                          r"|sk-[A-Za-z0-9]{40,}|SG\.[\w-]{20,}\.[\w-]{40,}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{34}"
                          r"|dckr_pat_[\w-]{20,}|pypi-AgE[\w-]{50,}"
                          r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|AIza[\w-]{35}|(?:bot\d{5,}|\d{5,}(?=:AA)):[\w-]{30,}"
                          r"|sq[upa]_[a-f0-9]{40}"  # SonarQube's user, project and analysis tokens
                          # Supabase's new secret keys, Linear's, DigitalOcean's, Slack's app-level tokens
                          r"|sb_secret_[\w-]{20,}|lin_api_[A-Za-z0-9]{32,}|dop_v1_[a-f0-9]{64}|xapp-[\w-]{10,}"
                          # Atlassian's API tokens, Figma's, Notion's (old and new), Heroku's, Doppler's, Vault's
                          # service and batch tokens, Databricks', Postman's, Sentry's org and user tokens, Grafana's
                          # service-account and cloud tokens, GitLab's deploy/runner/trigger/feed tokens, Mailgun's,
                          # Mapbox's secret tokens, Tailscale's, Slack's rotating ones, 1Password's service accounts,
                          # Pulumi's, Supabase's management tokens, Groq's, xAI's, Dynatrace's, HubSpot's private apps, a Kubernetes API
                          # token as a WebSocket subprotocol (`base64url.bearer.authorization.k8s.io.<base64url>`)
                          r"|ATATT[\w=-]{100,}|figd_[\w-]{40,}|secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,}"
                          r"|HRKU-[\w-]{30,}|dp\.(?:st|ct|sa|scim|audit)\.[\w-]{40,}|hv[sb]\.[\w-]{90,}"
                          r"|dapi[a-f0-9]{32}|PMAK-[a-f0-9]{24}-[a-f0-9]{34}|sntry[su]_[\w=+/]{60,}"
                          r"|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}"
                          r"|gl(?:dt|rt|ptt|ft|soat|imt)-[\w-]{20,}|key-[a-f0-9]{32}(?![A-Za-z0-9])"
                          r"|sk\.eyJ[\w-]{50,}\.[\w-]{20,}|tskey-(?:auth|api|client|scim|webhook)-[\w-]{20,}"
                          r"|xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{60,}|ops_eyJ[\w-]{100,}|pul-[a-f0-9]{40}|sbp_[a-f0-9]{40}"
                          r"|gsk_[A-Za-z0-9]{48,}|xai-[A-Za-z0-9]{70,}|dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"
                          r"|pat-(?:na|eu)\d-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
                          r"|base64url\.bearer\.authorization\.k8s\.io\.[\w-]{16,})")
# keys their vendors give out to every visitor of a page, no secret whatever their name: Stripe's publishable keys,
# Supabase's publishable key (role anon), Mapbox's public token (`pk.`, base64url of `{"u": <account>, "a": <id>}`, a
# signature; its secret token is `sk.eyJ…`, a vendor's key above)
PUBLIC_KEY = re.compile(r"pk_(?:live|test)_[A-Za-z0-9]{10,}|sb_publishable_[\w-]{20,}|pk\.(eyJ[\w-]+)\.[\w-]{10,}")
MAPBOX_PAYLOAD_KEYS = frozenset({"u", "a"})
# a webhook's URL whose key is its query's token, by the shape its vendor issues, read percent-decoded: Google Chat's
# (/v1/spaces/<space>/messages?key=<the API key every Chat webhook shares>&token=<43 base64url characters, its `=`
# written %3D>)
WEBHOOK_TOKENS = {"Google Chat": re.compile(r"/v1/spaces/[\w-]+/messages\?(?:[^#]*?[&;])?token=[\w-]{40,}")}
# a webhook's URL whose path is its key (whoever reads it posts as the integration), by the shape its vendor issues:
# Slack's (/services/T…/B…/<24 letters and digits>, a workflow's /triggers/T…/<id>/<key> or
# /workflows/T…/A…/<id>/<key>), Discord's (/api/webhooks/<snowflake id>/<68-character token>), Microsoft Teams'
# (/webhookb2/<guid>@<tenant guid>/IncomingWebhook/<32 hex>/…), Mattermost's (/hooks/<26 lowercase letters and
# digits>), Rocket.Chat's (/hooks/<17-character id>/<48-character token>), IFTTT's Webhooks
# (/trigger/<event>/with/key/<key>, /trigger/<event>/json/with/key/<key>); a Telegram bot's is a vendor's token above,
# Power Automate's a `?sig=`
WEBHOOK_PATHS = {
    "Slack": re.compile(r"/(?:services|triggers|workflows)/T[A-Z0-9]{8,}/(?:[A-Z0-9]+/)+[A-Za-z0-9]{16,}(?![\w-])"),
    "Discord": re.compile(r"/api(?:/v\d+)?/webhooks/\d{17,20}/[\w-]{30,}"),
    "Microsoft Teams": re.compile(r"/webhook(?:b2)?/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}",
                                  re.IGNORECASE),
    "Mattermost": re.compile(r"/hooks/(?=[a-z]*[0-9])[a-z0-9]{26}(?![\w-])"),
    "Rocket.Chat": re.compile(r"/hooks/[A-Za-z0-9]{17}/[A-Za-z0-9]{40,}(?![\w-])"),
    "IFTTT": re.compile(r"/trigger/[^/]+/(?:json/)?with/key/[\w-]{16,}"),
}
# what is left of a value, its {secret:…} references taken out, that is itself a credential: a run of 6 or more token
# characters holding a digit (`Basic {secret:U}:hunter2pass`), or of 16 letters or more, a password of words
# (`{secret:K}:correcthorsebatterystaple`), as it would be without the reference; words and separators (`Bearer `,
# `; `, an account's name: `SharedKey myaccount:`) are not
LITERAL_TOKEN = re.compile(r"[\w~+/.-]*\d[\w~+/.-]*")

# a cookie that carries a login, by its name: a session's (PHPSESSID, JSESSIONID, ASP.NET_SessionId, _gh_sess,
# Drupal's SSESS…; not assess), sid as a word's end (connect.sid, SID, __Secure-3PSID; not sidebar), remember
# (Laravel's remember_web_…), identity (KEYCLOAK_IDENTITY), logged_in (wordpress_logged_in_…), a CSRF token's,
# an identity proxy's (_pomerium) or ASP.NET Core's (.AspNetCore.Cookies) — or by the header rule's words, cookie
# aside (every cookie is one: cookieconsent_status is none)
LOGIN_COOKIE = re.compile(r"(?<!as)(?<!ob)(?<!pos)sess|sid(?![a-z])|remember|identity|logged[^a-z0-9]?in|csrf|xsrf"
                          r"|pomerium|aspnetcore\.cookies")
# … or a product's own, named by no such word: OAuth2 Proxy's (_oauth2_proxy), WordPress's (wordpress_<hash>,
# wordpress_sec_<hash>; not wordpress_test_cookie), Gitea's (i_like_gitea, gitea_incredible), Vouch Proxy's
# (VouchCookie), JupyterHub's (jupyterhub-hub-login), SharePoint's (FedAuth, rtFa), Discourse's (_t), Nextcloud's
# (oc and its instance id), Gogs' (i_like_gogs, gogs_incredible), Gerrit's (GerritAccount), Bugzilla's
# (Bugzilla_logincookie), symfony 1's (symfony), CakePHP's (CAKEPHP), OWIN's (.AspNet.ApplicationCookie,
# .AspNet.ExternalCookie, .AspNet.Cookies; not .AspNet.Culture), Redmine's (autologin), MantisBT's
# (<prefix>_STRING_COOKIE; not its _PROJECT_COOKIE), JupyterHub's per-user server's (jupyterhub-user-<name>),
# Confluence's (seraph.confluence; Jira's seraph.rememberme.cookie says remember), UniFi's (unifises), Splunk Web's
# (splunkd_<port>), phpMyAdmin's (phpMyAdmin, phpMyAdmin_https), Adminer's (adminer_permanent), XenForo's (xf_user),
# phpBB's autologin key (phpbb…_k; its user's id, _u, is none), Cockpit's (cockpit), Jupyter's
# (username-<host>-<port>), SAP's logon ticket (MYSAPSSO2), Magento's backend (admin) and Apereo CAS's ticket-granting
# ticket (CASTGC), ForgeRock/OpenAM's SSO token (iPlanetDirectoryPro) and Oracle Access Manager's (ObSSOCookie,
# OAMAuthnCookie_<host>_<port>, OAM_ID; not its OAMAuthnHintCookie)
PRODUCT_LOGIN_COOKIE = re.compile(r"oauth2_proxy|wordpress_(?!test_cookie$)|i_like_(?:gitea|gogs)"
                                  r"|(?:gitea|gogs)_incredible|^vouchcookie|(?<![a-z])login(?![a-z])"
                                  r"|^(?:fedauth|rtfa|_t|oc[a-z0-9]{10})$"
                                  r"|^(?:gerritaccount|bugzilla_logincookie|symfony|cakephp)$"
                                  r"|^\.aspnet\.(?:\w*cookie|cookies)$|_string_cookie$|^jupyterhub-user-|^seraph\."
                                  r"|^(?:autologin|unifises|phpmyadmin(?:_https)?|adminer_permanent|xf_user)$"
                                  r"|^splunkd_\d+$|^phpbb\w*_k$"
                                  r"|^(?:cockpit|mysapsso2|admin|castgc)$|^username-[a-z0-9.-]+-\d+$"
                                  r"|^(?:iplanetdirectorypro|obssocookie|oam_id)$|^oamauthncookie(?:_|$)")
# … or Synology DSM's `id`, named as any record's is: a login where it holds a run of 20 letters and digits or more
# holding both, as its session ids are (`id=1`, a UUID's or a short hex id's runs are a record's or a visitor's)
TOKEN_ID_COOKIES = frozenset({"id"})
SHORTEST_ID_TOKEN = 20
# … but not an analytics product's, named with a session's word: Hotjar's visit and visitor ids (_hjSession_<site>,
# _hjSessionUser_<site>)
ANALYTICS_COOKIE = re.compile(r"_hjsession(?:user)?_\d+")
# a query parameter that carries a password by its short name (Subsonic's and Navidrome's ?u=admin&p=…), or in the
# hex form Subsonic documents (`?p=enc:736563726574`: its runs are digits, as often as not)
QUERY_PASSWORD_NAMES = frozenset({"p", "pw", "pwd"})
HEX_PASSWORD = re.compile(r"enc:[0-9a-f]+", re.IGNORECASE)
# a cookie named as a password (`bb_password`, `UserPassword`, `wiki_pass`): any value is one but the closed list's
# words saying none, a short number or nothing (`remember_password=1`), as a query's password is judged
PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "pwd"})
FUSED_PASSWORD_WORDS = ("password", "passwd", "passphrase")

# an app's id that is its API key (OpenWeather's `?appid=` of 32 hex): a run of 24 letters and digits or more holding
# both; WeChat's `?appid=wx…` (18), a GUID's runs or a package's name (`com.example.app`) are ids
APP_ID_NAMES = frozenset({"appid", "app_id"})
SHORTEST_APP_KEY = 24

# a query parameter's name whose value is a secret outright: its last word a password's, a secret's, a token's or a
# signature's (`?password=`, `?client_secret=`, `?access_token=`, `?sig=`), or a key after a word of access
# (`?api_key=`, `?x-api-key=`, fused: `?apiKey=`) — not a key alone (`?key=new_checkout`, `?Key=photos/x.jpg`), a
# pagination cursor's token (`?page_token=`, `?pageToken=`) nor a word after (`?token_type=`, `?pass_rate=`)
SECRET_VALUED_WORDS = frozenset({"password", "passwd", "passphrase", "pass", "pwd", "pw", "secret", "token", "sig",
                                 "signature", "apikey", "accesskey", "secretkey", "privatekey", "accesstoken",
                                 "apitoken", "authtoken", "clientsecret"})
ACCESS_KEY_WORDS = frozenset({"api", "access", "secret", "private", "client", "app", "auth", "master", "admin",
                              "signing", "subscription"})
CURSOR_WORDS = frozenset({"page", "next", "continuation", "sync", "resume", "cursor"})
# a pagination cursor, no credential though its name says token: OData's `$skiptoken` and S3's `continuation-token`
# (their servers' paging options, S3's opaque base64),
# whatever it holds but a credential's shape, and under a cursor's token (`?next_page_token=`, `?pageToken=`) base64
# of a JSON object saying where a page starts, no more (`{"offset":100}`); a JWT's payload (`{"sub":…}`) is none
SKIP_TOKEN_NAMES = frozenset({"$skiptoken", "continuation-token"})
CURSOR_KEYS = frozenset({"offset", "page", "cursor", "limit"})
# … under which only nothing, a number shorter than the shortest secret an environment declares (`?pass=1`) or the
# closed list's words saying none (`?token=none`, `?secret=false`, `?api_key=wrong-key`) carry none
SHORTEST_SECRET = 6

# what could be a credential written as a value: a run of 8 letters and digits or more holding both (q1w2e3r4,
# abc123def456, a UUID's 8e03978e), or of 16 letters or more (a password of words, correcthorsebatterystaple); a
# word, a number, a flag (true, none, current), an algorithm (sha256, HMAC-SHA1) or a path (photos/x.jpg) carries none
TOKEN_RUN = re.compile(r"[A-Za-z0-9]+")


def names_a_credential(name: str) -> bool:
    """Whether a header's or a query parameter's name says it carries a credential."""
    if name.lower() in VENDOR_CREDENTIAL_NAMES:
        return True
    words = [_unversioned(word) for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    for at, word in enumerate(words):
        if word in CREDENTIAL_WORDS or any(len(strong) >= 5 and (word.startswith(strong) or word.endswith(strong))
                                           for strong in CREDENTIAL_WORDS) or word.endswith(FUSED_LAST_WORDS):
            return True
        if word in KEY_WORDS:
            if not (at and words[at - 1] in NOT_CREDENTIAL_KEYS):
                return True
        elif word not in ORDINARY_WORDS and (word.startswith(KEY_WORDS) or word.endswith(KEY_WORDS)) and \
                not _a_data_key(word):
            return True
    return bool(words) and words[-1] in LAST_CREDENTIAL_WORDS


def _unversioned(word: str) -> str:
    """A word without the version's digits after its letters (IBM's LtpaToken2: ltpatoken, auth0: auth), lest a digit
    hide the credential's word; digits alone stay as they are."""
    return re.sub(r"(?<=[a-z])\d+$", "", word)


def _a_data_key(word: str) -> bool:
    """A key naming data written as one word (Cosmos DB's partitionkey, sortkey, Azure Tables' rowkey)."""
    return any(word in (f"{data}key", f"{data}keys") for data in NOT_CREDENTIAL_KEYS)


def names_a_token(name: str) -> bool:
    """Whether a name says it carries a credential when its value is a token (`X-XSRF`), not a marker."""
    return any(word in TOKEN_VALUED_WORDS for word in re.split(r"[^a-z0-9]+", name.lower()))


def names_a_session(name: str) -> bool:
    """Whether a name is a login's session id's, as cookies and servlets' URLs carry it (PHPSESSID, sid)."""
    lower = name.lower()
    return bool(LOGIN_COOKIE.search(lower)) or names_a_credential(lower.replace("cookie", " "))


def names_a_login_cookie(name: str) -> bool:
    if ANALYTICS_COOKIE.fullmatch(name.lower()):
        return False
    return names_a_session(name) or bool(PRODUCT_LOGIN_COOKIE.search(name.lower()))


def a_login_pair(name: str, value: str) -> bool:
    """Whether a cookie's pair carries a login as written: a login cookie's name (`PHPSESSID`) and what could be a
    token, or Synology's `id` and a token as long as its session ids (`id=1` is none)."""
    if name.lower() in TOKEN_ID_COOKIES:
        return _a_long_key(value, SHORTEST_ID_TOKEN)
    return could_be_a_token(value) and names_a_login_cookie(name)


def _a_long_key(value: str, shortest: int) -> bool:
    """Whether a value holds a run of `shortest` letters and digits or more holding both: a key's, not a word's."""
    return any(len(run) >= shortest and not run.isdigit() and not run.isalpha() for run in TOKEN_RUN.findall(value))


def a_webhooks_key(path: str) -> str | None:
    """The vendor whose webhook key a path holds (`/services/T…/B…/…`: Slack), None where it holds none."""
    return next((vendor for vendor, shape in WEBHOOK_PATHS.items() if shape.search(path)), None)


def a_webhooks_token(path: str) -> str | None:
    """The vendor whose webhook token a path's query holds (`/v1/spaces/…/messages?…&token=…`: Google Chat), None
    where it holds none."""
    return next((vendor for vendor, shape in WEBHOOK_TOKENS.items() if shape.search(path)), None)


def a_public_key(text: str) -> bool:
    """Whether a value is a key its vendor gives out, alone or after `Bearer` (`pk_live_…`, `sb_publishable_…`,
    Mapbox's `pk.eyJ…`): none of a JWT's payloads after `pk.`, nothing beside it."""
    match = PUBLIC_KEY.fullmatch(re.sub(r"\ABearer\s+", "", text.strip(), flags=re.IGNORECASE))
    return match is not None and (match.group(1) is None or _mapbox_payload(match.group(1)))


def _mapbox_payload(part: str) -> bool:
    """Whether base64url text is Mapbox's token payload: a JSON object of its account (`u`) and an id (`a`)."""
    try:
        said = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(said, dict) and "u" in said and set(said) <= MAPBOX_PAYLOAD_KEYS and \
        all(isinstance(part, str) for part in said.values())


def names_a_secret_value(name: str) -> bool:
    """Whether a query parameter's name says whatever it holds is a secret (`?password=`, `?api_key=`)."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    if not words:
        return False
    before = words[-2] if len(words) > 1 else ""
    if words[-1] in ("key", "keys"):
        return before in ACCESS_KEY_WORDS
    return words[-1] in SECRET_VALUED_WORDS and before not in CURSOR_WORDS


def names_a_password(name: str) -> bool:
    """Whether a cookie's name says it holds a password (`bb_password`, `UserPassword`; not `password_reset_seen`)."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    return bool(words) and (words[-1] in PASSWORD_WORDS or words[-1].endswith(FUSED_PASSWORD_WORDS))


def holds_no_secret(value: str) -> bool:
    """Whether a value under a secret's name carries none: a short number (`1`), or the closed list's words saying
    none (`none`, `false`, `invalid-token`); `correct-horse-battery-staple` or `hunter` is a password."""
    return (value.isdigit() and len(value) < SHORTEST_SECRET) or says_no_credential(value)


def could_be_a_token(value: str, shortest: int = 8) -> bool:
    """Whether a value, under a name that carries a credential, could be one: a run of `shortest` letters and digits
    or more holding both, or one of 16 or more; never a word, a number, a flag or a path of words."""
    return any(not run.isdigit() and (len(run) >= 16 or (len(run) >= shortest and not run.isalpha()))
               for run in TOKEN_RUN.findall(value))


def holds_a_token(text: str) -> bool:
    """Whether text (references taken out) holds a run that is itself a credential: `deadbeef1234` or
    `correcthorsebatterystaple`, not `Bearer `."""
    return any(len(run) >= 6 for run in LITERAL_TOKEN.findall(text)) or \
        any(len(run) >= 16 for run in TOKEN_RUN.findall(text))


def shaped_as_a_credential(text: str) -> bool:
    if JWT.search(text) or VENDOR_TOKEN.search(text):
        return True
    if TOKEN_SCHEME.fullmatch(text):
        return not says_no_credential(text)
    whole = SCHEME_TOKEN.fullmatch(text)
    if whole is None:
        return False
    scheme, token = whole.group(1).lower(), whole.group(2)
    if scheme == "bearer":
        return (len(token) >= 16 or any(c.isdigit() for c in token)) and not says_no_credential(token)
    pair = _basic_pair(token)
    return pair is not None and not _a_pair_saying_none(*pair)


def _basic_pair(token: str) -> tuple[str, str] | None:
    """Basic's `user:password` as its base64 says it (`d3Jvbmc6d3Jvbmc=`: wrong, wrong), None where it says none
    (bytes beyond ASCII read one character each: no word of the closed lists)."""
    try:
        said = base64.b64decode(token, validate=True)
    except (ValueError, binascii.Error):
        return None
    user, colon, password = said.decode("latin-1").partition(":")
    return (user, password) if colon else None


def _a_pair_saying_none(user: str, password: str) -> bool:
    """Whether a Basic pair says it is none, as a Bearer's token does: its password empty or of the closed lists'
    words (`wrong:wrong`, `admin:invalid-password`, a negative check), its user a plain one (`q1w2e3r4t5y6:wrong` is a
    key sent as the user, Stripe's way); `test:test` or `admin:changeme` is a password's."""
    return (not password or says_no_credential(password)) and _a_plain_user(user)


# a Basic pair's user beside a password saying none: a name of one or two words of letters apart by `.`, `-` or `_`
# (`admin`, `alice.smith`, `ci-bot`), an e-mail address, or none — a passphrase (`correct-horse-battery`) or a
# punctuated password (`p@ss-w0rd!`) sent as the user is a password all the same
PLAIN_USER = re.compile(r"[A-Za-z]+(?:[._-][A-Za-z]+)?")


def _a_plain_user(user: str) -> bool:
    """Whether a Basic pair's user is a plain user's name or e-mail address (or empty), with no run that could be a
    token (`q1w2e3r4t5y6`, 16 letters) and no credential's shape."""
    if not user:
        return True
    return (PLAIN_USER.fullmatch(user) is not None or EMAIL_ADDRESS.fullmatch(user) is not None) and \
        not could_be_a_token(user, shortest=6) and not shaped_as_a_credential(user)


def says_no_credential(text: str) -> bool:
    """Whether a value says it is no credential: a scheme alone (`bearer`), or the closed list's words after one or
    not, apart or fused (`Bearer invalid`, `Bearer expired-token`, `Bearer invalidtoken`, `not-a-token`, `none`);
    `Bearer test` or `Bearer invalid hunter2` does not. A signature in its vendor's format is read by the words after
    its labels (`sha256=invalid`, `t=1492774577,v1=invalid`)."""
    text = _after_signature_labels(text)
    scheme, _, rest = text.strip().partition(next(iter(re.findall(r"\s", text.strip())), " "))  # a space or a tab
    if scheme.lower() == "basic" and (pair := _basic_pair(rest.strip())):  # read by its password (`wrong:wrong`)
        return _a_pair_saying_none(*pair)
    if scheme.lower() not in AUTH_SCHEMES:
        rest = text
    words = [piece for word in re.split(r"[\s_.-]+", rest.lower()) if word for piece in _fused_pieces(word) or [word]]
    if not words:
        return scheme.lower() in AUTH_SCHEMES
    return set(words) <= NO_CREDENTIAL_WORDS | BESIDE_NO_CREDENTIAL | FUSED_WORDS and bool(set(words) & SAYING_NONE)


def _after_signature_labels(text: str) -> str:
    """A value's words with a signature's labels taken out (`t=1492774577,v1=invalid`: `invalid`; Svix's `v1,invalid`
    too), the value as it is where no piece of it is labelled so. A timestamp's digits go with its label; anything
    else under it (`t=sunshine`) stays to be judged."""
    pieces = [piece for piece in re.split(r"[,;\s]+", text.strip()) if piece]
    kept, labelled = [], False
    for piece in pieces:
        label, equals, value = piece.partition("=")
        timestamp = label.lower() in TIMESTAMP_LABELS
        if not SIGNATURE_LABEL.fullmatch(label) or (timestamp and not equals):  # a bare `t` is a word
            kept.append(piece)
            continue
        labelled = True
        if value and not (timestamp and value.isdigit()):
            kept.append(value)
    return " ".join(kept) if labelled else text


def _fused_pieces(word: str) -> list[str] | None:
    """The closed lists' words one word is fused of (`invalidtoken`: invalid, token), None where it is not."""
    reached = {0: []}
    for at in range(len(word)):
        for piece in FUSED_WORDS if at in reached else ():
            if word.startswith(piece, at) and at + len(piece) not in reached:
                reached[at + len(piece)] = [*reached[at], piece]
    return reached.get(len(word)) or None


def names_a_description(name: str) -> bool:
    """Whether a credential's name says its value describes one (X-Token-Type, X-Key-Id, X-Auth-Request-User,
    X-Token-Expires-In), not carries it."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    if words[-2:] in (["expires", "in"], ["expires", "at"]):  # X-Token-Expires-In: a lifetime's
        words.pop()
    return bool(words) and (words[-1] in DESCRIBING_WORDS or (words[-1] == "id" and words[-2:-1] and
                                                               words[-2] in IDS_OF))


def a_password_run(name: str, text: str) -> bool:
    """Whether a describing name's value is one run that could be a password (`correcthorsebat`, `12345678`), not a
    word of the closed lists (`kerberos`, `bearer`) nor a key's id or a version in digits (`20240101`)."""
    if len(text) <= LONGEST_DESCRIBING_RUN or not text.isalnum() or not text.isascii():
        return False
    if text.isdigit():
        return re.split(r"[^a-z0-9]+", name.lower())[-1] not in DIGITS_DESCRIBING_WORDS
    return text.lower() not in DESCRIBING_VALUES | AUTH_SCHEMES | NO_CREDENTIAL_WORDS


def written_as_described(name: str, text: str) -> bool:
    """Whether a describing name's value is written as what its last word says: a user's name, account:user, e-mail
    address or numeric id (`X-Auth-Request-User: deployer`, `X-Auth-User: test:tester`), an ISO 8601 time
    (`X-Token-Expires-At: 2026-12-31T23:59:59Z`), algorithms' names (`X-Signature-Algorithm: HMAC-SHA256`), an id's
    UUID or Keystone's project id (`X-Auth-Project-Id: <32 hex>`); a run that could be a password under a user's stays
    one."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    if words[-2:] in (["expires", "in"], ["expires", "at"]):
        words.pop()
    last = words[-1] if words else ""
    if last in ALGORITHM_WORDS:
        parts = [part for part in re.split(r"[\s,_-]+", text.lower()) if part]
        return bool(parts) and set(parts) <= ALGORITHM_PARTS
    if last in TIME_WORDS:
        return ISO_TIME.fullmatch(text) is not None
    if last == "id":  # a key's or a project's, as names_a_description reads them
        keystones = words[-2:-1] == ["project"] and KEYSTONE_ID.fullmatch(text) is not None
        return keystones or UUID.fullmatch(text) is not None
    if last not in USER_WORDS:
        return False
    if text.isascii() and text.isdigit():  # a user's numeric id, an OIDC subject
        return True
    return (USER_NAME.fullmatch(text) is not None or EMAIL_ADDRESS.fullmatch(text) is not None) and \
        not could_be_a_token(text, shortest=6)


def a_vendors_flag(name: str, text: str) -> bool:
    """Whether a vendor's header named as a credential holds one of the flags it takes (`x-vercel-set-bypass-cookie:
    true`, as Vercel documents it)."""
    return text.lower() in VENDOR_FLAGS.get(name.lower(), ())


def an_email_address(name: str, text: str) -> bool:
    """Whether a header named as an e-mail's (X-Auth-Email) holds an address alone (`ops@example.com`)."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    return bool(words) and words[-1] in EMAIL_WORDS and EMAIL_ADDRESS.fullmatch(text) is not None


def a_pagination_cursor(name: str, value: str) -> bool:
    """Whether a query parameter named as a token holds a pagination cursor (`?$skiptoken=`, `?next_page_token=` or
    `?nextPageToken=` of base64 `{"offset":100}`), not a credential; a value shaped as one is judged before."""
    if name.lower() in SKIP_TOKEN_NAMES:
        return True
    camel_apart = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)  # nextPageToken as next_page_token
    words = [word for word in re.split(r"[^a-z0-9]+", camel_apart.lower()) if word]
    cursors_token = bool(words) and (words[-2:-1] and words[-2] in CURSOR_WORDS and words[-1] == "token" or
                                     words[-1] in {f"{word}token" for word in CURSOR_WORDS})
    return cursors_token and _where_a_page_starts(value)


def _where_a_page_starts(value: str) -> bool:
    """Whether a value is base64 of a JSON object of a page's offset, number, cursor or limit alone."""
    try:
        said = json.loads(base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(said, dict) and bool(said) and set(said) <= CURSOR_KEYS and all(
        (isinstance(part, int) and not isinstance(part, bool)) or (isinstance(part, str) and not
                                                                   shaped_as_a_credential(part))
        for part in said.values())


def a_key_as_an_apps_id(name: str, value: str) -> bool:
    """Whether an app's id holds a key (`?appid=<32 hex>`, OpenWeather's), not an id (`wx…`, a GUID, `com.example`)."""
    return name.lower() in APP_ID_NAMES and _a_long_key(value, SHORTEST_APP_KEY)


# a lifetime's end or a timestamp as HTTP and Unix write one too, under expires (-at), expiry or timestamp: RFC 9110's
# IMF-fixdate (`Thu, 31 Dec 2026 23:59:59 GMT`), epoch seconds (10 digits), ISO 8601 with RFC 3339's space for its T
# (`2026-12-31 23:59:59Z`)
EXPIRY_WORDS = frozenset({"expires", "expiry", "timestamp"})
WRITTEN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
                          r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                          r" \d{4} \d{2}:\d{2}:\d{2} GMT|\d{10}", re.IGNORECASE)


def written_as_a_time(name: str, text: str) -> bool:
    """Whether a name saying a lifetime's end or a timestamp (X-Token-Expires-At, X-Token-Expiry) holds a time alone,
    as ISO 8601, an HTTP date or epoch seconds; `Thu, 31 Dec 2026 23:59:59 GMT hunter2pass` is none."""
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    if words[-1:] == ["at"]:
        words.pop()
    return bool(words) and words[-1] in EXPIRY_WORDS and WRITTEN_TIME.fullmatch(text) is not None
