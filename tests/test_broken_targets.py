"""A broken target is not bad input: whatever it does — refuse, hang, drip, answer garbage — its own
items end as *error* within the printed bound, and every other item and system is still checked
and archived. Run as a team runs the plugin: its own checklists, `pytest --env local` in its folder."""

from __future__ import annotations

import gzip
import json

import pytest

from opsverify import exitcodes
from opsverify.transports.postgres import ROLE_CHECK

from .kit import refused_port, route_server
from .project import FreezingProxy, KeepAliveHttp, MisbehavingHttp, Project, raw_reply, scratch_database

SHOP_DDL = """
create table public.orders (id serial primary key, status text not null);
insert into public.orders (status) values ('paid'), ('paid');
"""
FAST = "timeouts: {connect_s: 2, statement_ms: 1000, database_s: 4, http_s: 2}\n"


def _shop_items() -> str:
    return """
    - id: SHOP-1
      name: orders-table
      section: Database
      title: orders exists with its status column
      family: schema
      cadence: postdeploy
      params: {table: public.orders, columns: [status]}
    - id: SHOP-2
      name: no-stuck-orders
      section: Database
      title: no order is stuck
      family: sql
      cadence: postdeploy
      params:
        query: select count(*) as stuck from public.orders where status = 'stuck'
        expect: {stuck: {eq: 0}}
    """


BLOG_ITEMS = """
- id: BLOG-1
  name: health
  section: Web
  title: the health endpoint answers
  family: http
  cadence: postdeploy
  params: {service: web, path: /ok, json: {ok: true}}
- id: BLOG-2
  name: orders-visible
  section: Database
  title: orders can be counted
  family: sql
  cadence: postdeploy
  params:
    query: select count(*) as n from public.orders
    expect: {n: {eq: 2}}
"""


@pytest.fixture
def two_systems(tmp_path, demo_deployment):
    """shop and blog, each with its own database (same schema); blog also has a web service."""
    with scratch_database(demo_deployment, SHOP_DDL, prefix="shop") as shop, \
            scratch_database(demo_deployment, SHOP_DDL, prefix="blog") as blog, MisbehavingHttp() as web:
        project = Project(tmp_path, {"BLOG_DATABASE_URL": blog["url"], "BLOG_WEB_URL": web.url})
        project.checklist("blog", BLOG_ITEMS)
        yield project, shop, blog


def _environment(project: Project, shop_url: str) -> None:
    project.variables["SHOP_DATABASE_URL"] = shop_url
    project.environment(FAST + """systems:
      shop: {database: "${SHOP_DATABASE_URL}"}
      blog:
        database: "${BLOG_DATABASE_URL}"
        services: {web: {url: "${BLOG_WEB_URL}"}}
    """)


def _within_bound(ran) -> None:
    bound, took = ran.bound_and_took()
    assert took <= bound, (took, bound)


def test_database_that_freezes_mid_query_is_bounded(two_systems):
    """The server gets the pipeline and never answers (a half-open network, a SIGSTOPped server): the
    client-side deadline ends that database's items as errors naming the phase and the bound."""
    project, shop, _ = two_systems
    project.checklist("shop", _shop_items())
    # frozen at the session's first question (the role check, which leads every conversation): whichever way the
    # client's pipeline is cut into TCP segments, no answer of it gets through — a marker in a later statement
    # let the catalog's answer out first whenever the pipeline went out in two segments
    with FreezingProxy(int(shop["port"]), marker=ROLE_CHECK.encode().strip()[:20]) as proxy:
        _environment(project, shop["url"].replace(f":{shop['port']}/", f":{proxy.port}/"))
        ran = project.run("-m", "postdeploy", "--env", "local")
    statuses = ran.statuses()
    # a target's database families ask in one round trip (schema's catalog query, then sql's statements):
    # the freeze holds every answer of it, so both families' items end as errors; the other system runs on
    assert statuses == {"SHOP-1-orders-table": "error", "SHOP-2-no-stuck-orders": "error",
                        "BLOG-1-health": "passed", "BLOG-2-orders-visible": "passed"}, ran.output[-3000:]
    for item in ("SHOP-1-orders-table", "SHOP-2-no-stuck-orders"):
        message = ran.rows()[item]["message"]
        assert "stopped answering (phase: read)" in message and "statement_timeout 1 s" in message, message
    assert ran.code == exitcodes.UNREACHABLE, ran.output[-3000:]
    _within_bound(ran)
    assert ran.archive().is_dir()


def test_refusing_database_is_one_cause_and_the_rest_runs(two_systems):
    project, _, _ = two_systems
    project.checklist("shop", _shop_items())
    port = refused_port()
    _environment(project, f"postgresql://checker:pw-refused-1@127.0.0.1:{port}/shop")
    ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"SHOP-1-orders-table": "error", "SHOP-2-no-stuck-orders": "error",
                              "BLOG-1-health": "passed", "BLOG-2-orders-visible": "passed"}, ran.output[-3000:]
    causes = [line for line in ran.done.stdout.splitlines() if line.endswith("of shop not checked")]
    assert causes == [f"environments/local.yaml: systems.shop.database: cannot reach database 127.0.0.1:{port}/shop:"
                      " connection refused; check the URL and that it is reachable from here — 2 items of shop"
                      " not checked"], ran.output[-3000:]
    assert ran.code == exitcodes.UNREACHABLE
    assert "pw-refused-1" not in ran.output
    _within_bound(ran)


HTTP_ITEMS = """
- {id: W1, name: ok, section: Web, title: ok answers, family: http, cadence: postdeploy,
   params: {service: web, path: /ok, json: {ok: true}}}
- {id: W2, name: ok-again, section: Web, title: ok answers twice, family: http, cadence: postdeploy,
   params: {service: web, path: /ok}}
- {id: W3, name: drip, section: Web, title: drip answers, family: http, cadence: postdeploy,
   params: {service: web, path: /drip}}
- {id: W4, name: hang, section: Web, title: hang answers, family: http, cadence: postdeploy,
   params: {service: web, path: /hang}}
- {id: W5, name: garbage, section: Web, title: garbage answers, family: http, cadence: postdeploy,
   params: {service: web, path: /garbage}}
- {id: W6, name: fail, section: Web, title: fail answers, family: http, cadence: postdeploy,
   params: {service: web, path: /fail}}
- {id: W7, name: refused, section: Web, title: the other service answers, family: http, cadence: postdeploy,
   params: {service: gone, path: /ok}}
"""


def test_misbehaving_endpoints_error_alone_within_the_bound(tmp_path):
    """A drip (a byte every 0.5 s), a hang and garbage each end as their own item's error within the
    request's total deadline; the endpoints that answer keep their verdicts."""
    with MisbehavingHttp(drip_s=0.5) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "GONE_URL": f"http://127.0.0.1:{refused_port()}"})
        project.checklist("site", HTTP_ITEMS)
        project.environment(FAST + """systems:
          site:
            services: {web: {url: "${WEB_URL}"}, gone: {url: "${GONE_URL}"}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"W1-ok": "passed", "W2-ok-again": "passed", "W3-drip": "error", "W4-hang": "error",
                              "W5-garbage": "error", "W6-fail": "failed", "W7-refused": "error"}, ran.output[-3000:]
    rows = ran.rows()
    assert "within 2 s (the request's total deadline)" in rows["W3-drip"]["message"]
    assert "connection refused" in rows["W7-refused"]["message"]
    assert ran.code == exitcodes.FAILED  # a failed check outranks the could-not-checks
    _within_bound(ran)
    assert "Task was destroyed" not in ran.output
    # the hang holds its job past a second (2 s deadline): the console named what the run waited for
    assert "opsverify: waiting for site http: gives up within " in ran.output, ran.output[-3000:]


def test_could_not_check_alone_has_its_own_exit_code(tmp_path):
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("site", """
        - {id: W1, name: ok, section: Web, title: ok answers, family: http, cadence: postdeploy,
           params: {service: web, path: /ok}}
        - {id: W4, name: hang, section: Web, title: hang answers, family: http, cadence: postdeploy,
           params: {service: web, path: /hang}}
        """)
        project.environment(FAST + 'systems: {site: {services: {web: {url: "${WEB_URL}"}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert ran.statuses() == {"W1-ok": "passed", "W4-hang": "error"}
    assert ran.code == exitcodes.COULD_NOT_CHECK, ran.output[-2000:]
    # exit 10 says "the summary names each cause": the item and what it saw, not only a count
    summary = ran.done.stdout.split("= opsverify =")[-1]
    assert "could not check — site: W4-hang: no answer from web: no complete answer within 2 s" in summary, summary


def test_the_summary_groups_items_by_what_stopped_them(tmp_path):
    """Many items of a service that is down are one line naming them and the reason (as a database's outage
    is), each distinct reason its own line."""
    gone = f"http://127.0.0.1:{refused_port()}"
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "GONE_URL": gone})
        project.checklist("site", "\n".join(
            [f"- {{id: G{i}, name: page-{i}, section: Web, title: page {i}, family: http, cadence: postdeploy,"
             f" params: {{service: gone, path: /p{i}}}}}" for i in range(1, 15)]
            + ["- {id: W4, name: hang, section: Web, title: hang answers, family: http, cadence: postdeploy,"
               " params: {service: web, path: /hang}}"]))
        project.environment(FAST + 'systems: {site: {services: {web: {url: "${WEB_URL}"}, gone: {url: "${GONE_URL}"}}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local")
    lines = [line for line in ran.done.stdout.splitlines() if line.startswith("could not check — ")]
    pages = ", ".join(f"G{i}-page-{i}" for i in range(1, 13))
    assert lines == [f"could not check — site: {pages}, … 2 more: no answer from gone: connection refused",
                     "could not check — site: W4-hang: no answer from web: no complete answer within 2 s (the request's"
                     " total deadline)"], \
        ran.output[-3000:]
    assert ran.code == exitcodes.COULD_NOT_CHECK


def test_could_not_check_is_rendered_as_its_message_alone():
    """pytest renders an error raised in setup with a traceback repr that parses every frame's source
    (about 0.1 s an item: minutes for a fleet that is down); a check that could not decide is raised as a
    Failed without a traceback, so pytest shows — and builds — its message only."""
    from opsverify.errors import CouldNotCheck
    from opsverify.items import _CouldNotDecide

    raised = _CouldNotDecide("S1-x: could not look: connection refused")
    assert isinstance(raised, CouldNotCheck) and isinstance(raised, pytest.fail.Exception)
    assert raised.pytrace is False and str(raised) == raised.message == "S1-x: could not look: connection refused"


# A provider's error kept in a row: it clears the screen, rewrites the line and reverses what follows.
LYING_ROW_DDL = r"""
create table public.jobs (id int primary key, status text not null, error text);
insert into public.jobs values (7, 'stuck', E'\x1b[2J\x1b[H\rPASSED all fine \u202Eenif lla');
"""


# a sql item whose detail query quotes the stuck rows: what the target wrote reaches the message
STUCK_JOBS = """
        - id: {id}
          name: no-stuck-jobs
          section: Jobs
          title: no job is stuck
          family: sql
          cadence: postdeploy
          params:
            query: select count(*) as n from public.jobs where status = 'stuck'
            expect: {{n: {{eq: 0}}}}
            detail: select id, error from public.jobs where status = 'stuck'
"""


def test_a_targets_words_a_terminal_would_act_on_are_shown_escaped(tmp_path, demo_deployment):
    """What a target says reaches the console, results and JUnit with every control character written as its
    escape: it cannot clear the on-call engineer's screen, rewrite a FAILED line or reorder the words."""
    with scratch_database(demo_deployment, LYING_ROW_DDL, prefix="lying") as db:
        project = Project(tmp_path, {"DATABASE_URL": db["url"]})
        project.checklist("jobs", STUCK_JOBS.format(id="J1"))
        project.environment(FAST + 'systems:\n  jobs: {database: "${DATABASE_URL}"}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", "junit.xml")
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    escaped = r"error=\x1b[2J\x1b[H\x0dPASSED all fine \u202eenif lla"
    junit = (project.root / "junit.xml").read_text(encoding="utf-8")
    for shown in (ran.output, ran.rows()["J1-no-stuck-jobs"]["observed"], junit):
        assert escaped in shown, shown[-3000:]
        assert not any(c in shown for c in "\x1b\r\u202e"), shown[-3000:]


# A name and a row that hold a line break: each would print a line of the target's choosing under the FAILED one.
FORGING_NAMES_DDL = r"""
create table public."x
PASSED checklists/jobs.yaml::J9-everything-fine" (id int);
create table public.jobs (id int primary key, status text not null, error text);
insert into public.jobs values (7, 'stuck', E'gone\nPASSED checklists/jobs.yaml::J8-all-good');
"""


def test_a_targets_line_break_is_shown_escaped_and_a_message_stays_one_line(tmp_path, demo_deployment):
    """A line break in a name or value read from the target is written as \\x0a, as `opsverify verify` writes a
    name: the message stays one line, and no line of the console or JUnit is the target's."""
    with scratch_database(demo_deployment, FORGING_NAMES_DDL, prefix="forging") as db:
        project = Project(tmp_path, {"DATABASE_URL": db["url"]})
        project.checklist("jobs", """
        - {id: J1, name: rls-everywhere, section: Jobs, title: RLS on every table, family: schema,
           cadence: postdeploy, params: {all_tables_in: public, rls: true}}
        """ + STUCK_JOBS.format(id="J2"))
        project.environment(FAST + 'systems:\n  jobs: {database: "${DATABASE_URL}"}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", "junit.xml")
    assert ran.statuses() == {"J1-rls-everywhere": "failed", "J2-no-stuck-jobs": "failed"}, ran.output[-3000:]
    rows = ran.rows()
    junit = (project.root / "junit.xml").read_text(encoding="utf-8")
    for item, escaped in (("J1-rls-everywhere", r'public."x\x0aPASSED checklists/jobs.yaml::J9-everything-fine"'),
                          ("J2-no-stuck-jobs", r"gone\x0aPASSED checklists/jobs.yaml::J8-all-good")):
        assert escaped in rows[item]["observed"] and "\n" not in rows[item]["observed"], rows[item]
        assert escaped in ran.output and escaped in junit, ran.output[-3000:]
    forged = [line for line in (ran.output + junit).splitlines() if line.lstrip().startswith("PASSED checklists")]
    assert not forged, forged


def test_a_targets_lone_surrogates_are_shown_escaped_and_every_file_is_written(tmp_path):
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`): valid JSON, but not text any file or terminal can
    hold. The item is judged on it and fails; its words are shown as escapes; every reporter still writes."""
    with MisbehavingHttp() as web:
        project = Project(tmp_path, {"WEB_URL": web.url})
        project.checklist("site", """
        - {id: W1, name: halves, section: Web, title: the status reads up, family: http, cadence: postdeploy,
           params: {service: web, path: /surrogate, json: {status: up}}}
        - {id: W2, name: ok, section: Web, title: the health endpoint answers, family: http, cadence: postdeploy,
           params: {service: web, path: /ok, json: {ok: true}}}
        """)
        project.environment(FAST + 'systems:\n  site: {services: {web: {url: "${WEB_URL}"}}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", "junit.xml", "-rA")
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    assert "INTERNALERROR" not in ran.output and "Traceback" not in ran.output, ran.output[-3000:]
    assert ran.statuses() == {"W1-halves": "failed", "W2-ok": "passed"}, ran.output[-3000:]
    assert r"up \ud800 \udfff" in ran.rows()["W1-halves"]["observed"]
    assert r"up \ud800 \udfff" in ran.output
    archive = ran.archive()
    for path in [*archive.rglob("*"), project.root / "junit.xml"]:
        if path.is_file():
            path.read_bytes().decode("utf-8")  # every file is UTF-8 text


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_node_answering_half_a_utf16_pair_fails_its_item_and_every_file_is_written(tmp_path, workers):
    """A JSON-RPC node whose result is `"\\ud800"`: the answer is kept as evidence, crosses xdist's pipe and
    reaches every file as its JSON escape; the item fails, and the run ends as a failed run, never a crash."""
    def node(_headers, body):
        calls = json.loads(body)
        answers = [f'{{"jsonrpc": "2.0", "id": {json.dumps(c["id"])}, "result": "ok \\ud800"}}'
                   for c in (calls if isinstance(calls, list) else [calls])]
        return 200, f"[{','.join(answers)}]" if isinstance(calls, list) else answers[0]

    with route_server({("POST", "/"): node}) as url:
        project = Project(tmp_path, {"RPC_URL": url + "/"})
        project.checklist("chain", """
        - {id: R1, name: health, section: Node, title: the node is healthy, family: rpc, cadence: postdeploy,
           params: {method: getHealth}}
        """)
        project.environment(FAST + 'systems:\n  chain: {endpoints: {solana_rpc: "${RPC_URL}"}}\n')
        ran = project.run("-m", "postdeploy", "--env", "local", "--junitxml", "junit.xml", *workers)
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
    assert "INTERNALERROR" not in ran.output and "Traceback" not in ran.output, ran.output[-3000:]
    row = ran.rows()["R1-health"]
    assert row["status"] == "failed" and row["evidence"]["result"] == "ok \ud800", row
    for path in [*ran.archive().rglob("*"), project.root / "junit.xml"]:
        if path.is_file():
            path.read_bytes().decode("utf-8")


def test_a_reply_that_cannot_be_read_or_spills_over_is_its_own_items_error(tmp_path):
    """One service answers a charset that is no text encoding (`hex`), a HEAD and a 204 with a body HTTP says
    is not there, and a gzip bomb: each of those is judged on its own reply alone — the 503 health still
    fails, the other items on the same kept-alive connections pass, and the bomb is read only as far as the
    limit (an error: what was read cannot prove the text absent)."""
    hexed = "application/json; charset=hex"
    bomb = gzip.compress(bytes(8 * 2 ** 20))
    replies = {("GET", "/health"): raw_reply(503, b'{"ok": false}'), ("GET", "/version"): raw_reply(200, b"7b7d", hexed),
               ("HEAD", "/ping"): raw_reply(200, b'{"ok": true}'), ("GET", "/empty"): raw_reply(204, b'{"ok": true}'),
               ("GET", "/bomb"): raw_reply(200, bomb, "text/plain", content_encoding="gzip"),
               ("GET", "/ok"): raw_reply(200, b'{"ok": true}'),
               ("POST", "/rpc"): raw_reply(200, b'{"jsonrpc": "2.0", "id": 0, "result": "ok"}', hexed)}
    oks = "".join(f"""
        - {{id: W{n}, name: ok, section: Web, title: ok {n}, family: http, cadence: postdeploy,
           params: {{service: web, path: /ok, json: {{ok: true}}}}}}""" for n in range(6, 30))
    with KeepAliveHttp(replies) as web:
        project = Project(tmp_path, {"WEB_URL": web.url, "RPC_URL": web.url + "/rpc"})
        project.checklist("site", """
        - {id: W1, name: health, section: Web, title: health answers, family: http, cadence: postdeploy,
           params: {service: web, path: /health}}
        - {id: W2, name: version, section: Web, title: version answers, family: http, cadence: postdeploy,
           params: {service: web, path: /version}}
        - {id: W3, name: ping, section: Web, title: ping answers HEAD, family: http, cadence: postdeploy,
           params: {service: web, path: /ping, method: HEAD}}
        - {id: W4, name: empty, section: Web, title: empty answers 204, family: http, cadence: postdeploy,
           params: {service: web, path: /empty, status: 204}}
        - {id: W5, name: bomb, section: Web, title: the page has no error, family: http, cadence: postdeploy,
           params: {service: web, path: /bomb, body_excludes: [error]}}""" + oks)
        project.checklist("chain", """
        - {id: R1, name: health, section: Node, title: the node is healthy, family: rpc, cadence: postdeploy,
           params: {method: getHealth}}
        """)
        project.environment(FAST + """systems:
          site: {services: {web: {url: "${WEB_URL}"}}}
          chain: {endpoints: {solana_rpc: "${RPC_URL}"}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local")
    assert "internal error" not in ran.output and "Traceback" not in ran.output, ran.output[-3000:]
    statuses = ran.statuses()
    assert statuses.pop("W1-health") == "failed" and statuses.pop("W2-version") == "error", ran.output[-3000:]
    assert statuses.pop("W5-bomb") == "error" and statuses.pop("R1-health") == "error", ran.output[-3000:]
    assert set(statuses.values()) == {"passed"} and len(statuses) == 26, statuses
    rows = ran.rows()
    for item in ("W2-version", "R1-health"):
        assert "HTTP 200 in charset 'hex', which is not a text encoding" in rows[item]["message"], rows[item]
    assert "longer than the 65536 bytes read" in rows["W5-bomb"]["message"], rows["W5-bomb"]
    assert ran.code == exitcodes.FAILED, ran.output[-3000:]
