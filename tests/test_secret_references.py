"""`{secret:NAME}` in an http item's header: the checklist's own text is filled once, in one pass. A secret's
value is inserted as it is — whatever it holds (`{secret:` without a close, a reference to itself or to
another secret) is never read as a reference, and never stops the items that do not cite it."""

from __future__ import annotations

import pytest

from opsverify.errors import NotConfigured

from .kit import make_target, route_server
from .project import Project

NOCLOSE = "Ab7{secret:Yz9Qw"
SELF = "x{secret:SELF}"
PULLS = "p{secret:OK}"
OK = "ok-Tq83LmZ"


def secrets_target(**secrets: str):
    return make_target({"services": {"api": {"url": "http://127.0.0.1:9"}}, "secrets": secrets})


def test_a_value_holding_an_unclosed_reference_is_inserted_as_it_is():
    target = secrets_target(NOCLOSE=NOCLOSE, OK=OK)
    assert target.fill_secrets({"authorization": "Bearer {secret:NOCLOSE}", "x-ok": "{secret:OK}"}) == \
        {"authorization": f"Bearer {NOCLOSE}", "x-ok": OK}


def test_a_value_citing_itself_is_inserted_once(monkeypatch):
    target = secrets_target(SELF=SELF)
    looked_up = []

    def secret(name):  # a rescan would ask again and again; stop it rather than loop
        looked_up.append(name)
        if len(looked_up) > 3:
            raise AssertionError(f"secrets looked up again and again: {looked_up}")
        return target.config.secrets[name]

    monkeypatch.setattr(target, "secret", secret)
    assert target.fill_secrets({"authorization": "Bearer {secret:SELF}"}) == {"authorization": f"Bearer {SELF}"}
    assert looked_up == ["SELF"]


def test_a_value_citing_another_secret_does_not_pull_it_in():
    target = secrets_target(PULLS=PULLS, OK=OK)
    assert target.fill_secrets({"x-key": "{secret:PULLS}"}) == {"x-key": PULLS}


def test_every_reference_of_the_text_is_filled_and_the_rest_kept():
    target = secrets_target(A="a1", B="b2")
    assert target.fill_secrets({"x-key": "{secret:A}:{secret:B}:{secret:A} {secret:"}) == \
        {"x-key": "a1:b2:a1 {secret:"}


def test_an_unconfigured_reference_is_still_not_configured():
    with pytest.raises(NotConfigured, match="secret MISSING not configured"):
        secrets_target(OK=OK).fill_secrets({"x-key": "{secret:OK}{secret:MISSING}"})


def test_odd_secret_values_reach_the_target_as_they_are_and_no_neighbour_fails(tmp_path):
    """The repro: NOCLOSE made every http item of the system an internal error (exit 10), even those not citing
    it. Each item here passes only when the target receives the header exactly; no value shows in the output."""
    wanted = {"/noclose": f"Bearer {NOCLOSE}", "/self": f"Bearer {SELF}", "/pulls": f"Bearer {PULLS}",
              "/ok": f"Bearer {OK}"}

    def exactly(path):
        return lambda headers, body: (200, "{}") if headers.get("authorization") == wanted[path] else (403, "{}")

    with route_server({("GET", path): exactly(path) for path in wanted}) as base:
        project = Project(tmp_path, {"WEB_URL": base, "NOCLOSE": NOCLOSE, "SELF": SELF, "PULLS": PULLS, "OKS": OK})
        project.checklist("site", """
        - {id: S1, name: noclose, section: Web, title: unclosed, family: http, cadence: postdeploy,
           params: {service: web, path: /noclose, headers: {authorization: "Bearer {secret:NOCLOSE}"}}}
        - {id: S2, name: self, section: Web, title: cites itself, family: http, cadence: postdeploy,
           params: {service: web, path: /self, headers: {authorization: "Bearer {secret:SELF}"}}}
        - {id: S3, name: pulls, section: Web, title: cites another, family: http, cadence: postdeploy,
           params: {service: web, path: /pulls, headers: {authorization: "Bearer {secret:PULLS}"}}}
        - {id: S4, name: ok, section: Web, title: plain, family: http, cadence: postdeploy,
           params: {service: web, path: /ok, headers: {authorization: "Bearer {secret:OK}"}}}
        - {id: S5, name: missing, section: Web, title: unconfigured, family: http, cadence: postdeploy,
           params: {service: web, path: /ok, headers: {authorization: "Bearer {secret:MISSING}"}}}
        """)
        project.environment("""
        systems:
          site:
            services: {web: {url: "${WEB_URL}"}}
            secrets: {NOCLOSE: "${NOCLOSE}", SELF: "${SELF}", PULLS: "${PULLS}", OK: "${OKS}"}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", timeout=120)
    assert ran.statuses() == {"S1-noclose": "passed", "S2-self": "passed", "S3-pulls": "passed", "S4-ok": "passed",
                              "S5-missing": "skipped"}, ran.output[-3000:]
    assert ran.code == 0, ran.output[-3000:]
    shown = ran.output + "".join(path.read_text(encoding="utf-8", errors="replace")
                                 for path in ran.archive().rglob("*") if path.is_file())
    for value in (NOCLOSE, SELF, PULLS, OK):
        assert value not in shown


def test_a_reference_in_a_path_stops_the_run_at_load_and_nothing_is_sent(tmp_path):
    """The repro: `path: "/api?key=${SHOP_OLD_KEY}", status: 404` passed, sending the text `${SHOP_OLD_KEY}` — an
    item "the revoked key is refused" passed without sending the key. A path is never filled: refused at load."""
    from opsverify import exitcodes

    asked = []

    def refuse(headers, body):
        asked.append(headers)
        return 404, ""

    with route_server({("GET", "/health"): refuse}) as base:
        project = Project(tmp_path, {"WEB_URL": base, "OLD": OK})
        project.checklist("site", """
        - {id: S1, name: health, section: Web, title: up, family: http, cadence: postdeploy,
           params: {service: web, path: /health, status: 404}}
        - {id: S2, name: revoked-key-refused, section: Web, title: the revoked key is refused, family: http,
           cadence: postdeploy, params: {service: web, path: "/api?key=${SHOP_OLD_KEY}", status: 404}}
        """)
        project.environment("""
        systems:
          site:
            services: {web: {url: "${WEB_URL}"}}
            secrets: {SHOP_OLD_KEY: "${OLD}"}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", timeout=120)
    assert ran.code == exitcodes.BAD_CONFIG, ran.output[-3000:]
    assert "S2-revoked-key-refused" in ran.output and "${SHOP_OLD_KEY} would be sent as written" in ran.output, \
        ran.output[-3000:]
    assert asked == [], "no check runs when a checklist is refused"
    assert OK not in ran.output
