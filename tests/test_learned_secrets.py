"""A secret the run learns from a target mid-run (a service_role JWT in a page's JavaScript, an env value a platform
API returns) is known before any item is reported: an outcome waits for the groups that learn secrets, and under
xdist a worker waits for theirs — published sealed, never in plain text — as the master does before its archive.
A run without such groups waits for nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets as random
import threading
import types
from pathlib import Path

import pytest
from pydantic import BaseModel

from opsverify import families
from opsverify import engine
from opsverify.engine import Run
from opsverify.environment import Environment, EnvironmentModel
from opsverify.outcome import failed, passed
from opsverify.secrets import Redactor, encodings

from .kit import make_check, route_server
from .project import Project
from .test_secret_sweep import _leaks

SLOW_S = 30.0  # a fake gather that waits for the test gives up after this: reached only when the engine is wrong


# -- the engine, with fake families --------------------------------------------------------------------------------
class _NoParams(BaseModel):
    pass


def _fake_family(name: str, gather, judge, *, learns: bool = False) -> types.ModuleType:
    module = types.ModuleType(f"fake_{name}")
    module.NAME, module.NEEDS, module.Params = name, (), _NoParams
    module.gather, module.judge = gather, judge
    module.bound = lambda target, checks: SLOW_S + 5
    if learns:
        module.LEARNS_SECRETS = True
    return module


@pytest.fixture
def fakes(monkeypatch):
    """Registers fake families by name (`fakes["echo"] = module`) for the run and make_check."""
    registered: dict[str, types.ModuleType] = {}
    real = families.get
    monkeypatch.setattr(families, "get", lambda name: registered.get(name) or real(name))
    return registered


def _run() -> Run:
    model = EnvironmentModel.model_validate({"name": "test", "systems": {"joslyn-ai": {}}})
    return Run(Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=()))


def _slow_and_echo(fakes, *, learns: bool, released: threading.Event, secret: str, waits_s: float) -> dict:
    """`slow` waits for `released` (or gives up after waits_s), then learns `secret` as a target's answer would
    teach it; `echo` answers at once, its observation holding `secret`. Returns what `slow` saw."""
    seen: dict = {}

    def slow_gather(target, checks):
        seen["released before it ended"] = released.wait(waits_s)
        target.redactor.add(secret)
        return {}

    fakes["slow"] = _fake_family("slow", slow_gather, lambda check, facts: passed("quiet", "quiet"), learns=learns)
    fakes["echo"] = _fake_family("echo", lambda target, checks: {},
                                 lambda check, facts: failed("no key", f"key = {secret}"))
    return seen


def test_no_outcome_is_handed_out_before_a_group_that_learns_secrets_has_ended(fakes):
    secret, released = f"learned{random.token_hex(12)}", threading.Event()
    seen = _slow_and_echo(fakes, learns=True, released=released, secret=secret, waits_s=0.2)
    slow, echo = make_check("slow", {}, item="L1"), make_check("echo", {}, item="E1")
    run = _run()
    try:
        told = run.outcome(echo, [echo, slow])
        released.set()
    finally:
        run.close()
    assert seen == {"released before it ended": False}  # the echo's outcome waited for the learner to end
    assert secret not in told.observed and "redacted" in told.observed, told


def test_a_run_without_learners_hands_out_each_outcome_as_its_group_ends(fakes):
    secret, released = f"learned{random.token_hex(12)}", threading.Event()
    seen = _slow_and_echo(fakes, learns=False, released=released, secret=secret, waits_s=SLOW_S)
    slow, echo = make_check("slow", {}, item="L1"), make_check("echo", {}, item="E1")
    run = _run()
    try:
        run.outcome(echo, [slow, echo])  # the slow group comes first, and is still running
        released.set()
        run.outcome(slow, [slow, echo])
    finally:
        run.close()
    assert seen == {"released before it ended": True}


def test_groups_that_learn_secrets_start_first(fakes):
    fakes["slow"] = _fake_family("slow", lambda target, checks: {}, lambda c, f: passed("", ""), learns=True)
    fakes["echo"] = _fake_family("echo", lambda target, checks: {}, lambda c, f: passed("", ""))
    checks = [make_check("echo", {}, item="E1"), make_check("slow", {}, item="L1"), make_check("echo", {}, item="E2")]
    run = _run()
    try:
        schedule = engine._Schedule(run, checks)
        assert [job.parts[0][0].NAME for job in schedule.pending] == ["slow", "echo"]
    finally:
        run.close()


def test_xdist_workers_and_the_master_learn_what_another_worker_learned_without_it_on_disk(fakes, tmp_path):
    """Worker one evaluates both groups (it claims them first); worker two reads them, and must know the learner's
    secret before it reports the echo; so must the master before it writes the archive. The shared folder never
    holds the secret in plain text, nor in any of its usual encodings."""
    secret = f"learned{random.token_hex(12)}"
    fakes["slow"] = _fake_family("slow", lambda target, checks: target.redactor.add(secret) or {},
                                 lambda c, f: passed("quiet", "quiet"), learns=True)
    fakes["echo"] = _fake_family("echo", lambda target, checks: {}, lambda c, f: failed("no key", f"key = {secret}"))
    slow, echo = make_check("slow", {}, item="L1"), make_check("echo", {}, item="E1")
    one, two = _run(), _run()
    try:
        one.outcome(slow, [slow, echo], shared=tmp_path)
        told = two.outcome(echo, [slow, echo], shared=tmp_path)
    finally:
        one.close()
        two.close()
    assert secret not in told.observed and "redacted" in told.observed, told
    master = Redactor()
    engine.learn_shared_secrets(tmp_path, master)
    assert secret not in master.text(f"key = {secret}")
    on_disk = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert [form for form in {secret, *encodings(secret)} if form.encode() in on_disk] == []


def test_a_worker_reporting_a_group_cleans_it_with_what_its_evaluator_registered(fakes, tmp_path):
    """A gather may register values of its own as it asks (the cron family's near misses of a secret: a piece of it
    reads as one to the redactor). Worker one evaluates both groups: `echo`'s outcome, published before `near`
    registered its value, is cleaned with it when worker one reports it. Worker two reports `near`'s item, then
    `echo`'s: it learned what `near`'s worker knew, so it shows `echo` as worker one does (it showed the piece)."""
    piece, registered = f"piece{random.token_hex(12)}", threading.Event()

    def near_gather(target, checks):
        registered.wait(SLOW_S)  # (until echo's group is published)
        target.redactor.add_declared(piece)
        return {}

    fakes["near"] = _fake_family("near", near_gather, lambda c, f: passed("quiet", "quiet"))
    fakes["echo"] = _fake_family("echo", lambda target, checks: {}, lambda c, f: failed("no key", f"saw {piece}"))
    near, echo = make_check("near", {}, item="N1"), make_check("echo", {}, item="E1")
    one, two = _run(), _run()
    try:
        one.outcome(echo, [echo, near], shared=tmp_path)  # echo's group is published: near may go on
        registered.set()
        one.outcome(near, [echo, near], shared=tmp_path)
        by_one = one.outcome(echo, [echo, near], shared=tmp_path)
        two.outcome(near, [echo, near], shared=tmp_path)
        by_two = two.outcome(echo, [echo, near], shared=tmp_path)
    finally:
        one.close()
        two.close()
    assert piece not in by_one.observed and by_two == by_one, (by_one, by_two)


# -- a project, run as a user runs it ------------------------------------------------------------------------------
def _service_role_jwt() -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(b'{"alg":"HS256","typ":"JWT"}')
    body = b64(json.dumps({"iss": "supabase", "ref": random.token_hex(8), "role": "service_role"}).encode())
    signature = b64(hmac.new(random.token_bytes(32), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


ITEMS = """
- {id: H6, name: debug, section: Web, title: debug page shows no key, family: http, cadence: postdeploy,
   params: {service: web, path: /debug, json: {key: "none"}}}
- {id: H7, name: debug-env, section: Web, title: debug page shows no env value, family: http, cadence: postdeploy,
   params: {service: web, path: /debug-env, json: {value: "none"}}}
- {id: B1, name: bundle, section: Web, title: no service role key in bundle, family: bundle, cadence: postdeploy,
   params: {service: web, path: /app}}
- {id: P1, name: vercel, section: Platform, title: the key is set on Vercel, family: provider, cadence: postdeploy,
   params: {platform: vercel, required: [API_SECRET]}}
"""


@pytest.mark.parametrize("options", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_secret_learned_mid_run_reaches_no_console_and_no_file(tmp_path, options):
    """H6 and H7 are reported as the pages echo secrets only the bundle crawl (B1) and the Vercel API (P1) teach the
    run. The pages answer only once both were asked for what teaches them, so the echoes are seen first."""
    jwt, env_value = _service_role_jwt(), f"vsk_{random.token_hex(16)}"
    asked = {"/main.js": threading.Event(), "/v10/projects/prj_1/env": threading.Event()}

    def answer(text: str, *, teaches: str = "", echo: bool = False):
        def reply(headers, body):
            if teaches:
                asked[teaches].set()
            if echo:  # after the learners were asked (bounded: a run that asks them later is still judged)
                for event in asked.values():
                    event.wait(SLOW_S)
            return 200, text
        return reply

    vercel = json.dumps({"envs": [{"key": "API_SECRET", "type": "encrypted", "value": env_value,
                                   "target": ["production"], "updatedAt": 1}]})
    routes = {("GET", "/app"): answer('<script src="/main.js"></script>'),
              ("GET", "/main.js"): answer(f'const k="{jwt}";', teaches="/main.js"),
              ("GET", "/debug"): answer(json.dumps({"key": jwt}), echo=True),
              ("GET", "/debug-env"): answer(json.dumps({"value": env_value}), echo=True),
              ("GET", "/v10/projects/prj_1/env"): answer(vercel, teaches="/v10/projects/prj_1/env")}
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).iterdir())
    with route_server(routes) as url:
        project = Project(tmp_path, {"WEB_URL": url, "VERCEL_TOKEN": f"vercel-token-{random.token_hex(8)}"})
        project.checklist("shop", ITEMS)
        project.environment(f"""
        timeouts: {{connect_s: 2, statement_ms: 2000, http_s: 5}}
        systems:
          shop:
            services: {{web: {{url: "${{WEB_URL}}"}}}}
            providers: {{vercel: {{base_url: "{url}", token: "${{VERCEL_TOKEN}}", project: prj_1}}}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", "--junitxml=junit.xml", *options)
    assert ran.statuses() == {"H6-debug": "failed", "H7-debug-env": "failed", "B1-bundle": "failed",
                              "P1-vercel": "passed"}, ran.output[-3000:]
    forms = {f"{name} {form[:8]}…": form for name, value in (("jwt", jwt), ("env value", env_value))
             for form in {value, *encodings(value)}}
    leftovers = [p for p in set(Path(os.environ.get("TMPDIR", "/tmp")).iterdir()) - before
                 if p.name.startswith("opsverify")]
    assert _leaks(forms, {"console": ran.output}, [tmp_path, *leftovers], inputs=set()) == []
    manifest = json.loads((ran.archive() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["redactions_applied"] == 0  # every file was clean when written: no late net was needed


ECHO_AND_BUNDLE = """
- {id: H6, name: debug, section: Web, title: debug page shows no key, family: http, cadence: postdeploy,
   params: {service: web, path: /debug, json: {key: "none"}}}
- {id: B1, name: bundle, section: Web, title: no service role key in bundle, family: bundle, cadence: postdeploy,
   params: {service: web, path: /app}}
"""


@pytest.mark.parametrize("page, options", [
    ("inline", ()), ("inline", ("-n", "3")), ("import", ()),
])
def test_a_key_found_before_the_crawl_meets_a_reference_that_is_no_url_is_learned_and_fails(tmp_path, page, options):
    """The bundle crawl finds the key, then meets `http://[::1/x.js` (no URL: urljoin refuses it), named by the page
    or imported by a later script. The key is learned all the same — the page echoing it shows no form of it — and
    the crawl fails on it; the reference is that reference's problem, not the crawl's."""
    jwt = _service_role_jwt()
    pages = {"inline": f'<script>const k="{jwt}";</script><script src="http://[::1/x.js"></script>',
             "import": '<script src="/main.js"></script><script src="/bad.js"></script>'}
    routes = {("GET", "/app"): lambda headers, body: (200, pages[page]),
              ("GET", "/main.js"): lambda headers, body: (200, f'const k="{jwt}";'),
              ("GET", "/bad.js"): lambda h, b: (200, 'import("http://127.0.0.1:x");import("http://[::1/x.js")'),
              ("GET", "/debug"): lambda headers, body: (200, json.dumps({"key": jwt}))}
    with route_server(routes) as url:
        project = Project(tmp_path, {"WEB_URL": url})
        project.checklist("shop", ECHO_AND_BUNDLE)
        project.environment("""
        timeouts: {connect_s: 2, statement_ms: 2000, http_s: 5}
        systems:
          shop:
            services: {web: {url: "${WEB_URL}"}}
        """)
        ran = project.run("-m", "postdeploy", "--env", "local", "-rA", *options)
    assert ran.statuses() == {"H6-debug": "failed", "B1-bundle": "failed"}, ran.output[-3000:]
    assert "saw service_role key hmac:" in ran.output, ran.output[-3000:]
    forms = {f"jwt {form[:8]}…": form for form in {jwt, *encodings(jwt)}}
    assert _leaks(forms, {"console": ran.output}, [tmp_path], inputs=set()) == []
